/* CPUID: what this CPU model offers, and nothing it does not implement.
 * Leaves outside the basic and extended ranges return the data of the
 * highest basic leaf, as Intel processors do.  The -cpu model
 * (yl/cpumodel.h) gives the identity and hides features; it never adds. */
#include "cpu/x86/sysregs.h"
#include "yl/apic.h"
#include "yl/cpumodel.h"

#define CPUID_MAX_BASIC 0xdu
#define CPUID_MAX_EXT 0x80000008u

#define CPUID_ECX_TSC_DEADLINE (1u << 24)
#define CPUID_HTT (1u << 28)     /* EBX[23:16] counts logical processors */

/* The SSE-era features (cpu/x86/sse*.c, mmx.c, fxsave.c, xsave.c), and
 * CMPXCHG16B (REX.W 0F C7 /1, sse-misc.c). */
#define CPUID_EDX_MMX (1u << 23)
#define CPUID_EDX_CLFSH (1u << 19)
#define CPUID_EDX_FXSR (1u << 24)
#define CPUID_EDX_SSE (1u << 25)
#define CPUID_EDX_SSE2 (1u << 26)
#define CPUID_ECX_SSE3 (1u << 0)
#define CPUID_ECX_SSSE3 (1u << 9)
#define CPUID_ECX_CX16 (1u << 13)
#define CPUID_ECX_SSE41 (1u << 19)
#define CPUID_ECX_SSE42 (1u << 20)
#define CPUID_ECX_MOVBE (1u << 22)
#define CPUID_ECX_POPCNT (1u << 23)
#define CPUID_ECX_XSAVE (1u << 26)
#define CPUID_ECX_OSXSAVE (1u << 27)
#define CPUID_EXT_ECX_ABM (1u << 5)     /* LZCNT */
#define CPUID_EXT_EDX_RDTSCP (1u << 27)
#define SSE_FEATURES_EDX (CPUID_EDX_MMX | CPUID_EDX_CLFSH | CPUID_EDX_FXSR | CPUID_EDX_SSE | \
    CPUID_EDX_SSE2)
#define SSE_FEATURES_ECX (CPUID_ECX_SSE3 | CPUID_ECX_SSSE3 | CPUID_ECX_CX16 | CPUID_ECX_SSE41 | \
    CPUID_ECX_SSE42 | CPUID_ECX_MOVBE | CPUID_ECX_POPCNT | CPUID_ECX_XSAVE)
/* XSAVE: x87 and SSE state, in a 576-byte area (legacy region + header). */
#define XSAVE_XCR0_SUPPORTED 3u
#define XSAVE_SIZE 576u

/* Long mode (CPUID 80000001h): SYSCALL/SYSRET, execute-disable, 1 GiB
 * pages, Intel 64; LAHF/SAHF in 64-bit mode.  80000008h: 40-bit physical
 * (the page walk's MAXPHYADDR) and 48-bit linear addresses. */
#define CPUID_EXT_EDX_SYSCALL (1u << 11)
#define CPUID_EXT_EDX_NX (1u << 20)
#define CPUID_EXT_EDX_PAGE1GB (1u << 26)
#define CPUID_EXT_EDX_LM (1u << 29)
#define CPUID_EXT_ECX_LAHF_LM (1u << 0)
#define LM_FEATURES_EDX (CPUID_EXT_EDX_SYSCALL | CPUID_EXT_EDX_NX | \
                         CPUID_EXT_EDX_PAGE1GB | CPUID_EXT_EDX_LM)
#define CPUID_ADDR_SIZES 0x3028u

typedef struct CpuidRegs {
    uint32_t eax, ebx, ecx, edx;
} CpuidRegs;

#define CPUID_EXT_ECX_FEATURES (CPUID_EXT_ECX_ABM | CPUID_EXT_ECX_LAHF_LM)
#define CPUID_EXT_EDX_FEATURES (LM_FEATURES_EDX | CPUID_EXT_EDX_RDTSCP)

void x86_cpuid_implemented(uint32_t feat[CPUID_NWORDS])
{
    memset(feat, 0, CPUID_NWORDS * sizeof(feat[0]));
    feat[CPUID_W_1_EDX] = X86_FEATURES_EDX | SSE_FEATURES_EDX | CPUID_APIC;
    feat[CPUID_W_1_ECX] = SSE_FEATURES_ECX | CPUID_ECX_TSC_DEADLINE;
    /* IA32_ARCH_CAPABILITIES (msr.c), through which a CPU that does not
     * speculate says it is not affected by Meltdown, MDS and the like: that
     * spares a guest their mitigations (Linux's page table isolation would
     * switch CR3, flushing the TLB, on every kernel entry). */
    feat[CPUID_W_7_EDX] = CPUID_7_EDX_ARCH_CAPABILITIES;
    feat[CPUID_W_81_EDX] = CPUID_EXT_EDX_FEATURES;
    feat[CPUID_W_81_ECX] = CPUID_EXT_ECX_FEATURES;
}

static const X86CPUModel *cpuid_model(const X86CPU *cpu)
{
    return cpu->model ? cpu->model : x86_cpu_model_default();
}

/* What the model hides.  OSXSAVE mirrors CR4 and goes with XSAVE. */
static void cpuid_apply_model(const X86CPUModel *m, uint32_t leaf, CpuidRegs *r)
{
    const uint32_t *f = m->feat;
    switch (leaf) {
    case 1:
        r->edx &= f[CPUID_W_1_EDX];
        r->ecx &= f[CPUID_W_1_ECX] | CPUID_ECX_OSXSAVE;
        if (!(r->ecx & CPUID_ECX_XSAVE))
            r->ecx &= ~CPUID_ECX_OSXSAVE;
        break;
    case 7:
        r->ebx &= f[CPUID_W_7_EBX];
        r->ecx &= f[CPUID_W_7_ECX];
        r->edx &= f[CPUID_W_7_EDX];
        break;
    case 0x80000001u:
        r->edx &= f[CPUID_W_81_EDX];
        r->ecx &= f[CPUID_W_81_ECX];
        break;
    }
}

static uint32_t str_dword(const char *s, int i)
{
    uint32_t v;
    memcpy(&v, s + 4 * i, 4);
    return v;
}

/* With a local APIC: its initial ID, the APIC flag while it is globally
 * enabled (SDM 10.4.3), and the TSC-deadline timer. */
static void cpuid_apic(X86CPU *cpu, CpuidRegs *r)
{
    struct LAPIC *apic = apic_of_cpu(cpu);
    if (!apic)
        return;
    r->ebx |= (uint32_t)cpu->cpu_index << 24;
    r->ecx |= CPUID_ECX_TSC_DEADLINE;
    if (apic_get_base(apic) & MSR_APIC_BASE_ENABLE)
        r->edx |= CPUID_APIC;
}

static void cpuid_basic(X86CPU *cpu, uint32_t leaf, CpuidRegs *r)
{
    switch (leaf) {
    case 0:
        r->eax = CPUID_MAX_BASIC;
        r->ebx = str_dword(cpuid_model(cpu)->vendor, 0);
        r->edx = str_dword(cpuid_model(cpu)->vendor, 1);
        r->ecx = str_dword(cpuid_model(cpu)->vendor, 2);
        break;
    case 1:
        r->eax = cpu->cpuid_version;
        r->edx = X86_FEATURES_EDX | SSE_FEATURES_EDX;
        r->ebx = 8 << 8;    /* CLFLUSH line size: 8 quadwords */
        r->ecx = SSE_FEATURES_ECX | ((cpu->cr[4] & CR4_OSXSAVE) ? CPUID_ECX_OSXSAVE : 0);
        cpuid_apic(cpu, r);
        break;
    case 2:
        r->eax = 1;         /* one iteration, no cache descriptors */
        break;
    case 7:                 /* sub-leaf 0 only (EAX = 0: the highest) */
        if ((uint32_t)cpu->regs[R_ECX] == 0)
            r->edx = CPUID_7_EDX_ARCH_CAPABILITIES;
        break;
    case 0xd:               /* XSAVE; the sub-leaf is in ECX */
        if ((uint32_t)cpu->regs[R_ECX] == 0) {
            r->eax = XSAVE_XCR0_SUPPORTED;
            r->ebx = XSAVE_SIZE;
            r->ecx = XSAVE_SIZE;
        }
        break;
    }
}

void x86_cpuid(X86CPU *cpu, uint32_t leaf, uint32_t *eax, uint32_t *ebx,
               uint32_t *ecx, uint32_t *edx)
{
    CpuidRegs r = { 0, 0, 0, 0 };
    if (leaf >= 0x80000000u && leaf <= CPUID_MAX_EXT) {
        if (leaf == 0x80000000u) {
            r.eax = CPUID_MAX_EXT;
        } else if (leaf == 0x80000001u) {
            r.ecx = CPUID_EXT_ECX_FEATURES;
            r.edx = CPUID_EXT_EDX_FEATURES;
        } else if (leaf == 0x80000008u) {
            r.eax = CPUID_ADDR_SIZES;
        } else if (leaf >= 0x80000002u && leaf <= 0x80000004u) {
            const char *brand = cpuid_model(cpu)->model_id;
            int b = (leaf - 0x80000002u) * 4;
            r.eax = str_dword(brand, b);
            r.ebx = str_dword(brand, b + 1);
            r.ecx = str_dword(brand, b + 2);
            r.edx = str_dword(brand, b + 3);
        }
        cpuid_apply_model(cpuid_model(cpu), leaf, &r);
    } else {
        leaf = leaf <= CPUID_MAX_BASIC ? leaf : CPUID_MAX_BASIC;
        cpuid_basic(cpu, leaf, &r);
        cpuid_apply_model(cpuid_model(cpu), leaf, &r);
    }
    *eax = r.eax;
    *ebx = r.ebx;
    *ecx = r.ecx;
    *edx = r.edx;
}

void op_cpuid(X86CPU *cpu, const Insn *d)
{
    uint32_t a, b, c, dx;
    x86_cpuid(cpu, (uint32_t)cpu->regs[R_EAX], &a, &b, &c, &dx);
    cpu->regs[R_EAX] = a;
    cpu->regs[R_EBX] = b;
    cpu->regs[R_ECX] = c;
    cpu->regs[R_EDX] = dx;
}
