/* Model-specific registers, the time stamp counter and RDPMC.
 * Only MSRs of advertised features exist; the rest raise #GP(0). */
#include <inttypes.h>

#include "cpu/x86/sysregs.h"
#include "yl/apic.h"
#include "yl/cpumodel.h"
#include "yl/machine.h"

enum {
    MSR_TSC = 0x10,
    MSR_PLATFORM_ID = 0x17,
    MSR_APIC_BASE = 0x1b,
    MSR_BIOS_SIGN_ID = 0x8b,    /* microcode revision */
    MSR_ARCH_CAPABILITIES = 0x10a,  /* read-only */
    MSR_SYSENTER_CS = 0x174,
    MSR_SYSENTER_ESP = 0x175,
    MSR_SYSENTER_EIP = 0x176,
    MSR_MISC_ENABLE = 0x1a0,
    MSR_TSC_DEADLINE = 0x6e0,
    MSR_MTRRCAP = 0xfe,
    MSR_MTRR_PHYSBASE0 = 0x200,     /* .. 0x20f: base/mask pairs */
    MSR_MTRR_FIX64K = 0x250,
    MSR_MTRR_FIX16K_80000 = 0x258,
    MSR_MTRR_FIX16K_A0000 = 0x259,
    MSR_MTRR_FIX4K_C0000 = 0x268,   /* .. 0x26f */
    MSR_PAT = 0x277,
    MSR_MTRR_DEFTYPE = 0x2ff,
    MSR_EFER = 0xc0000080,
    MSR_STAR = 0xc0000081,
    MSR_LSTAR = 0xc0000082,
    MSR_CSTAR = 0xc0000083,
    MSR_SFMASK = 0xc0000084,
    MSR_FS_BASE = 0xc0000100,
    MSR_GS_BASE = 0xc0000101,
    MSR_KERNEL_GS_BASE = 0xc0000102,
    MSR_TSC_AUX = 0xc0000103,       /* RDTSCP's ECX; bits 63:32 reserved */
};

/* MTRRcap: 8 variable ranges, fixed ranges, write-combining. */
#define MTRRCAP_VALUE 0x508ull

/* MISC_ENABLE: fast strings on; BTS and PEBS unavailable (read-only). */
#define MISC_ENABLE_RESET 0x1801ull
#define MISC_ENABLE_RO 0x1800ull

/* IA32_ARCH_CAPABILITIES: the "not affected" bits that hold for a CPU that
 * never executes speculatively, so nothing transient leaks through caches,
 * buffers or predictors: not Meltdown (RDCL_NO; hence no L1TF and no L1D
 * flush needed on VM entry), Speculative Store Bypass, MDS, the
 * page-size-change machine check, TAA, MMIO stale data (SBDR/SSDP, FBSDP,
 * PSDP), Branch History Injection, post-barrier RSB prediction, GDS,
 * RFDS, Indirect Target Selection.  Left clear: every bit that announces a
 * control MSR (TSX_CTRL, MCU_CONTROL, GDS_CTRL, ...) or a mechanism
 * (IBRS_ALL, FB_CLEAR, RFDS_CLEAR), and the "affected" bits (RSBA, RRSBA). */
#define ARCH_CAP_RDCL_NO (1ull << 0)
#define ARCH_CAP_SKIP_VMENTRY_L1DFLUSH (1ull << 3)
#define ARCH_CAP_SSB_NO (1ull << 4)
#define ARCH_CAP_MDS_NO (1ull << 5)
#define ARCH_CAP_PSCHANGE_MC_NO (1ull << 6)
#define ARCH_CAP_TAA_NO (1ull << 8)
#define ARCH_CAP_SBDR_SSDP_NO (1ull << 13)
#define ARCH_CAP_FBSDP_NO (1ull << 14)
#define ARCH_CAP_PSDP_NO (1ull << 15)
#define ARCH_CAP_BHI_NO (1ull << 20)
#define ARCH_CAP_PBRSB_NO (1ull << 24)
#define ARCH_CAP_GDS_NO (1ull << 26)
#define ARCH_CAP_RFDS_NO (1ull << 27)
#define ARCH_CAP_ITS_NO (1ull << 62)
#define ARCH_CAP_VALUE (ARCH_CAP_RDCL_NO | ARCH_CAP_SKIP_VMENTRY_L1DFLUSH | ARCH_CAP_SSB_NO | \
    ARCH_CAP_MDS_NO | ARCH_CAP_PSCHANGE_MC_NO | ARCH_CAP_TAA_NO | ARCH_CAP_SBDR_SSDP_NO | \
    ARCH_CAP_FBSDP_NO | ARCH_CAP_PSDP_NO | ARCH_CAP_BHI_NO | ARCH_CAP_PBRSB_NO | \
    ARCH_CAP_GDS_NO | ARCH_CAP_RFDS_NO | ARCH_CAP_ITS_NO)

/* The MSR exists while the model advertises it (CPUID.7.0:EDX[29]). */
static bool arch_cap_read(X86CPU *cpu, uint64_t *val)
{
    const X86CPUModel *m = cpu->model ? cpu->model : x86_cpu_model_default();
    if (!(m->feat[CPUID_W_7_EDX] & CPUID_7_EDX_ARCH_CAPABILITIES))
        return false;
    *val = ARCH_CAP_VALUE;
    return true;
}

static int64_t virt_ns(X86CPU *cpu)
{
    return cpu->machine ? clock_ns(&cpu->machine->clock) : 0;
}

/* TSC = virtual ns since tsc_base (1 GHz) + tsc_offset. */
uint64_t x86_tsc_read(X86CPU *cpu)
{
    return (uint64_t)(virt_ns(cpu) - (int64_t)cpu->tsc_base) + cpu->msr.tsc_offset;
}

void x86_tsc_write(X86CPU *cpu, uint64_t val)
{
    cpu->msr.tsc_offset = val - (uint64_t)(virt_ns(cpu) - (int64_t)cpu->tsc_base);
}

void x86_msr_reset(X86CPU *cpu)
{
    MSRState *m = &cpu->msr;
    memset(m, 0, sizeof(*m));
    cpu->tsc_base = (uint64_t)virt_ns(cpu);
    m->misc_enable = MISC_ENABLE_RESET;
    m->pat = 0x0007040600070406ull;
}

/* IA32_APIC_BASE and IA32_TSC_DEADLINE exist with a local APIC. */
static bool apic_msr_read(X86CPU *cpu, uint32_t idx, uint64_t *val)
{
    struct LAPIC *apic = apic_of_cpu(cpu);
    if (!apic)
        return false;
    *val = idx == MSR_APIC_BASE ? apic_get_base(apic) : apic_get_tsc_deadline(apic);
    return true;
}

static bool apic_msr_write(X86CPU *cpu, uint32_t idx, uint64_t val)
{
    struct LAPIC *apic = apic_of_cpu(cpu);
    if (!apic)
        return false;
    if (idx == MSR_APIC_BASE)
        return apic_set_base(apic, val);
    apic_set_tsc_deadline(apic, val, x86_tsc_read(cpu));
    return true;
}

uint64_t *x86_mtrr_msr(MSRState *m, int k, uint32_t *index)
{
    static const uint32_t fixed[11] = {
        MSR_MTRR_FIX64K, MSR_MTRR_FIX16K_80000, MSR_MTRR_FIX16K_A0000,
        MSR_MTRR_FIX4K_C0000, MSR_MTRR_FIX4K_C0000 + 1, MSR_MTRR_FIX4K_C0000 + 2,
        MSR_MTRR_FIX4K_C0000 + 3, MSR_MTRR_FIX4K_C0000 + 4, MSR_MTRR_FIX4K_C0000 + 5,
        MSR_MTRR_FIX4K_C0000 + 6, MSR_MTRR_FIX4K_C0000 + 7,
    };
    if (k == 0) {
        *index = MSR_MTRR_DEFTYPE;
        return &m->mtrr_deftype;
    }
    if (k <= 11) {
        *index = fixed[k - 1];
        return &m->mtrr_fixed[k - 1];
    }
    *index = MSR_MTRR_PHYSBASE0 + (k - 12);
    return &m->mtrr_var[k - 12];
}

/* The MTRR storage slot of an MSR index, or NULL. */
static uint64_t *mtrr_slot(X86CPU *cpu, uint32_t idx)
{
    /* Every RDMSR/WRMSR asks first (FS_BASE on each context switch):
     * those outside the MTRRs' range leave at once. */
    if (idx < MSR_MTRR_PHYSBASE0 || idx > MSR_MTRR_DEFTYPE)
        return NULL;
    for (int k = 0; k < X86_NMTRRS; k++) {
        uint32_t index;
        uint64_t *slot = x86_mtrr_msr(&cpu->msr, k, &index);
        if (index == idx)
            return slot;
    }
    return NULL;
}

/* Memory types 0 (UC), 1 (WC), 4 (WT), 5 (WP), 6 (WB) are valid. */
static bool memtype_ok(unsigned t)
{
    return t <= 1 || (t >= 4 && t <= 6);
}

static bool mtrr_write(X86CPU *cpu, uint32_t idx, uint64_t *slot, uint64_t val)
{
    if (idx == MSR_MTRR_DEFTYPE) {
        if ((val & ~0xcffull) || !memtype_ok(val & 0xff))
            return false;
    } else if (idx >= MSR_MTRR_PHYSBASE0 && idx < MSR_MTRR_PHYSBASE0 + 16) {
        bool mask = (idx - MSR_MTRR_PHYSBASE0) & 1;
        uint64_t rsvd = 0xffffff0000000000ull | (mask ? 0x7ffull : 0xf00ull);
        if ((val & rsvd) || (!mask && !memtype_ok(val & 0xff)))
            return false;
    } else {
        for (int i = 0; i < 8; i++)
            if (!memtype_ok((val >> (8 * i)) & 0xff))
                return false;
    }
    *slot = val;
    return true;
}

static bool pat_ok(uint64_t val)
{
    for (int i = 0; i < 8; i++) {
        unsigned t = (val >> (8 * i)) & 0xff;
        if (!(memtype_ok(t) || t == 7))
            return false;
    }
    return true;
}

static bool long_msr_read(X86CPU *cpu, uint32_t idx, uint64_t *val)
{
    MSRState *m = &cpu->msr;
    switch (idx) {
    case MSR_EFER: *val = m->efer; return true;
    case MSR_STAR: *val = m->star; return true;
    case MSR_LSTAR: *val = m->lstar; return true;
    case MSR_CSTAR: *val = m->cstar; return true;
    case MSR_SFMASK: *val = m->sfmask; return true;
    case MSR_FS_BASE: *val = cpu->seg[R_FS].base; return true;
    case MSR_GS_BASE: *val = cpu->seg[R_GS].base; return true;
    case MSR_KERNEL_GS_BASE: *val = m->kernel_gs_base; return true;
    default: return false;
    }
}

/* Addresses the CPU will use as linear addresses must be canonical. */
static bool long_msr_write(X86CPU *cpu, uint32_t idx, uint64_t val)
{
    MSRState *m = &cpu->msr;
    switch (idx) {
    case MSR_EFER: return x86_write_efer(cpu, val);
    case MSR_STAR: m->star = val; return true;
    case MSR_SFMASK: m->sfmask = (uint32_t)val; return true;
    default: break;
    }
    if (!x86_canonical(val))
        return false;
    switch (idx) {
    case MSR_LSTAR: m->lstar = val; return true;
    case MSR_CSTAR: m->cstar = val; return true;
    case MSR_FS_BASE: cpu->seg[R_FS].base = val; return true;
    case MSR_GS_BASE: cpu->seg[R_GS].base = val; return true;
    case MSR_KERNEL_GS_BASE: m->kernel_gs_base = val; return true;
    default: return false;
    }
}

static bool msr_read(X86CPU *cpu, uint32_t idx, uint64_t *val)
{
    uint64_t *mtrr = mtrr_slot(cpu, idx);
    if (mtrr) {
        *val = *mtrr;
        return true;
    }
    if (long_msr_read(cpu, idx, val))
        return true;
    switch (idx) {
    case MSR_APIC_BASE:
    case MSR_TSC_DEADLINE:
        return apic_msr_read(cpu, idx, val);
    case MSR_TSC: *val = x86_tsc_read(cpu); return true;
    case MSR_PLATFORM_ID: *val = 0; return true;
    case MSR_BIOS_SIGN_ID: *val = 0; return true;
    case MSR_ARCH_CAPABILITIES: return arch_cap_read(cpu, val);
    case MSR_SYSENTER_CS: *val = cpu->msr.sysenter_cs; return true;
    case MSR_SYSENTER_ESP: *val = cpu->msr.sysenter_esp; return true;
    case MSR_SYSENTER_EIP: *val = cpu->msr.sysenter_eip; return true;
    case MSR_MISC_ENABLE: *val = cpu->msr.misc_enable; return true;
    case MSR_MTRRCAP: *val = MTRRCAP_VALUE; return true;
    case MSR_PAT: *val = cpu->msr.pat; return true;
    case MSR_TSC_AUX: *val = cpu->msr.tsc_aux; return true;
    default: return false;
    }
}

static bool msr_write(X86CPU *cpu, uint32_t idx, uint64_t val)
{
    uint64_t *mtrr = mtrr_slot(cpu, idx);
    if (mtrr)
        return mtrr_write(cpu, idx, mtrr, val);
    switch (idx) {
    case MSR_EFER: case MSR_STAR: case MSR_LSTAR: case MSR_CSTAR: case MSR_SFMASK:
    case MSR_FS_BASE: case MSR_GS_BASE: case MSR_KERNEL_GS_BASE:
        return long_msr_write(cpu, idx, val);
    case MSR_PAT:
        if (!pat_ok(val))
            return false;
        cpu->msr.pat = val;
        return true;
    default: break;
    }
    switch (idx) {
    case MSR_APIC_BASE:
    case MSR_TSC_DEADLINE:
        return apic_msr_write(cpu, idx, val);
    case MSR_TSC: x86_tsc_write(cpu, val); return true;
    case MSR_TSC_AUX:
        if (val >> 32)
            return false;
        cpu->msr.tsc_aux = val;
        return true;
    case MSR_BIOS_SIGN_ID: return true;     /* no microcode to report */
    case MSR_SYSENTER_CS: cpu->msr.sysenter_cs = val & 0xffff; return true;
    case MSR_SYSENTER_ESP:
    case MSR_SYSENTER_EIP:
        if (!x86_canonical(val))
            return false;
        *(idx == MSR_SYSENTER_ESP ? &cpu->msr.sysenter_esp : &cpu->msr.sysenter_eip) = val;
        return true;
    case MSR_MISC_ENABLE:
        cpu->msr.misc_enable = (val & ~MISC_ENABLE_RO) | (MISC_ENABLE_RESET & MISC_ENABLE_RO);
        return true;
    default: return false;
    }
}

void op_rdmsr(X86CPU *cpu, const Insn *d)
{
    x86_require_cpl0(cpu);
    uint32_t idx = (uint32_t)cpu->regs[R_ECX];
    uint64_t v;
    if (!msr_read(cpu, idx, &v)) {
        yl_log_mask(cpu->log, LOG_UNIMP, "rdmsr: unknown MSR 0x%08" PRIx32 "\n", idx);
        raise_exception_err(cpu, EXC_GP, 0);
    }
    cpu->regs[R_EAX] = (uint32_t)v;
    cpu->regs[R_EDX] = (uint32_t)(v >> 32);
}

void op_wrmsr(X86CPU *cpu, const Insn *d)
{
    x86_require_cpl0(cpu);
    uint32_t idx = (uint32_t)cpu->regs[R_ECX];
    uint64_t v = (uint32_t)cpu->regs[R_EAX] | ((uint64_t)(uint32_t)cpu->regs[R_EDX] << 32);
    if (!msr_write(cpu, idx, v)) {
        yl_log_mask(cpu->log, LOG_UNIMP, "wrmsr: unknown MSR 0x%08" PRIx32
                    " value 0x%016" PRIx64 "\n", idx, v);
        raise_exception_err(cpu, EXC_GP, 0);
    }
}

void op_rdtsc(X86CPU *cpu, const Insn *d)
{
    if ((cpu->cr[4] & CR4_TSD) && (cpu->cpl != 0 || cpu_vm86(cpu)) && cpu_pe(cpu))
        raise_exception_err(cpu, EXC_GP, 0);
    uint64_t t = x86_tsc_read(cpu);
    cpu->regs[R_EAX] = (uint32_t)t;
    cpu->regs[R_EDX] = (uint32_t)(t >> 32);
}

/* No performance counters are implemented, so every ECX is invalid. */
void op_rdpmc(X86CPU *cpu, const Insn *d)
{
    raise_exception_err(cpu, EXC_GP, 0);
}
