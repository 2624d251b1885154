/* -cpu: models, modifiers, errors, and the CPUID leaves each model gives
 * the software CPU. */
#include <check.h>
#include <setjmp.h>
#include <stdlib.h>
#include <string.h>

#include "core/options.h"
#include "cpu/x86/sysregs.h"
#include "yl/cpumodel.h"
#include "yl/machine.h"

#define B(n) (1u << (n))
/* Leaf 1 ECX, EDX and 80000001h EDX bits the tests name. */
#define ECX_SSE3 B(0)
#define ECX_CX16 B(13)
#define ECX_SSE42 B(20)
#define ECX_POPCNT B(23)
#define ECX_XSAVE B(26)
#define ECX_OSXSAVE B(27)
#define ECX_AVX B(28)
#define EDX_SSE2 B(26)
#define EXT_SYSCALL B(11)
#define EXT_NX B(20)
#define EXT_PAGE1GB B(26)
#define EXT_RDTSCP B(27)
#define EXT_LM B(29)
#define EXT_LAHF_LM B(0)
#define EDX7_ARCH_CAP B(29)
#define V1_EDX (B(0) | B(2) | B(3) | B(4) | B(5) | B(6) | B(8) | B(9) | B(11) | B(12) | \
                B(13) | B(15) | B(16) | B(19) | B(23) | B(24) | B(25) | B(26))
/* max: family 6 model 26 stepping 5.  Linux drops PAT on Intel family 6
 * below model 15, so max must stay at or above it. */
#define MAX_VERSION 0x000106a5u

static char err[256];
static uint32_t impl[CPUID_NWORDS];

#define ck_err_has(s) ck_assert_msg(strstr(err, s), "error '%s' lacks '%s'", err, s)

static void setup(void)
{
    x86_cpuid_implemented(impl);
    err[0] = 0;
}

/* Resolves spec for the software CPU; returns the result. */
static int tcg(const char *spec, X86CPUModel *m)
{
    err[0] = 0;
    return x86_cpu_model_resolve(spec, impl, false, m, err, sizeof(err));
}

typedef struct Regs {
    uint32_t a, b, c, d;
} Regs;

/* CPUID leaf, sub-leaf ECX, on a fresh CPU of model m. */
static Regs cpuid_sub(const X86CPUModel *m, uint32_t leaf, uint32_t ecx, uint64_t cr4)
{
    X86CPU *cpu = calloc(1, sizeof(*cpu));
    Regs r;
    x86_cpu_init(cpu, NULL, NULL, NULL, NULL);
    cpu->model = m;
    x86_cpu_reset(cpu);
    cpu->cr[4] = cr4;
    cpu->regs[R_ECX] = ecx;
    x86_cpuid(cpu, leaf, &r.a, &r.b, &r.c, &r.d);
    free(cpu);
    return r;
}

static Regs cpuid_of(const X86CPUModel *m, uint32_t leaf, uint64_t cr4)
{
    return cpuid_sub(m, leaf, 0, cr4);
}

void op_rdmsr(X86CPU *cpu, const Insn *d);
void op_wrmsr(X86CPU *cpu, const Insn *d);

/* RDMSR (write: WRMSR of val) of idx at CPL 0 on a fresh CPU of model m.
 * Returns -1, or the exception it raised; *val gets what RDMSR read. */
static int msr_of(const X86CPUModel *m, bool write, uint32_t idx, uint64_t *val)
{
    X86CPU *cpu = calloc(1, sizeof(*cpu));
    Insn d;
    memset(&d, 0, sizeof(d));
    x86_cpu_init(cpu, NULL, NULL, NULL, NULL);
    cpu->model = m;
    x86_cpu_reset(cpu);
    cpu->regs[R_ECX] = idx;
    cpu->regs[R_EAX] = (uint32_t)*val;
    cpu->regs[R_EDX] = (uint32_t)(*val >> 32);
    int exc = -1;
    if (setjmp(cpu->jmp_env))
        exc = cpu->exception_index;
    else
        (write ? op_wrmsr : op_rdmsr)(cpu, &d);
    if (!write)
        *val = (uint32_t)cpu->regs[R_EAX] | (uint64_t)(uint32_t)cpu->regs[R_EDX] << 32;
    free(cpu);
    return exc;
}

START_TEST(test_max_is_implemented_set)
{
    X86CPUModel m;
    ck_assert_int_eq(tcg("max", &m), 0);
    ck_assert(m.resolved);
    ck_assert(!m.host_identity);
    for (int w = 0; w < CPUID_NWORDS; w++)
        ck_assert_uint_eq(m.feat[w], impl[w]);
    /* The software CPU does these; a test that they stay advertised. */
    ck_assert_uint_eq(impl[CPUID_W_1_ECX] & (ECX_SSE3 | ECX_CX16 | ECX_SSE42 | ECX_POPCNT),
                      ECX_SSE3 | ECX_CX16 | ECX_SSE42 | ECX_POPCNT);
    ck_assert_uint_eq(impl[CPUID_W_1_ECX] & ECX_AVX, 0);
    /* CPUID of the default model (no model pointer) equals max's. */
    for (uint32_t leaf = 0; leaf <= 0xd; leaf++) {
        Regs a = cpuid_of(&m, leaf, 0), b = cpuid_of(NULL, leaf, 0);
        ck_assert(!memcmp(&a, &b, sizeof(a)));
    }
    Regs r = cpuid_of(&m, 1, 0);
    ck_assert_uint_eq(r.a, MAX_VERSION);
    ck_assert_uint_eq(r.a >> 8 & 0xf, 6);
    ck_assert_uint_ge((r.a >> 4 & 0xf) | (r.a >> 12 & 0xf0), 15);
    ck_assert_uint_eq(r.c & ECX_CX16, ECX_CX16);
    ck_assert_uint_eq(r.d & (EDX_SSE2 | CPUID_PAE | CPUID_PAT), EDX_SSE2 | CPUID_PAE | CPUID_PAT);
    ck_assert_uint_eq(r.c & impl[CPUID_W_1_ECX] & ~ECX_OSXSAVE, r.c & ~ECX_OSXSAVE);
    r = cpuid_of(&m, 0x80000001u, 0);
    ck_assert_uint_eq(r.d & (EXT_SYSCALL | EXT_NX | EXT_LM | EXT_PAGE1GB | EXT_RDTSCP),
                      EXT_SYSCALL | EXT_NX | EXT_LM | EXT_PAGE1GB | EXT_RDTSCP);
    r = cpuid_of(&m, 7, 0);
    ck_assert_uint_eq(r.a | r.b | r.c, 0);
    ck_assert_uint_eq(r.d, EDX7_ARCH_CAP);
}
END_TEST

/* max advertises IA32_ARCH_CAPABILITIES with the "not affected" bits of a
 * CPU that does not speculate; the MSR exists only with the CPUID bit. */
START_TEST(test_arch_capabilities)
{
    /* RDCL_NO SKIP_L1DFL SSB_NO MDS_NO PSCHANGE_MC_NO TAA_NO SBDR_SSDP_NO
     * FBSDP_NO PSDP_NO BHI_NO PBRSB_NO GDS_NO RFDS_NO ITS_NO */
    const uint64_t want = 0x1 | 0x8 | 0x10 | 0x20 | 0x40 | 0x100 | B(13) | B(14) | B(15)
                          | B(20) | B(24) | B(26) | B(27) | 1ull << 62;
    /* IBRS_ALL RSBA TSX_CTRL MCU_CONTROL FB_CLEAR RRSBA GDS_CTRL RFDS_CLEAR:
     * promises of MSRs or mechanisms the software CPU lacks. */
    const uint64_t never = 0x2 | 0x4 | 0x80 | 0x200 | B(17) | B(19) | B(25) | B(28);
    X86CPUModel m;
    uint64_t v = 0;
    ck_assert_int_eq(tcg("max", &m), 0);
    ck_assert_uint_eq(m.feat[CPUID_W_7_EDX], EDX7_ARCH_CAP);
    ck_assert_int_eq(msr_of(&m, false, 0x10a, &v), -1);
    ck_assert_uint_eq(v, want);
    ck_assert_uint_eq(v & never, 0);
    v = 0;
    ck_assert_int_eq(msr_of(NULL, false, 0x10a, &v), -1);   /* the default model */
    ck_assert_uint_eq(v, want);
    ck_assert_int_eq(msr_of(&m, true, 0x10a, &v), EXC_GP);   /* read-only */
    v = 0;
    ck_assert_int_eq(msr_of(&m, true, 0x10a, &v), EXC_GP);
    /* Only sub-leaf 0 has the bit; leaf 7 has no other sub-leaf. */
    Regs r = cpuid_sub(&m, 7, 1, 0);
    ck_assert_uint_eq(r.a | r.b | r.c | r.d, 0);
    /* Without the CPUID bit there is no MSR. */
    static const char *const without[] = { "max,-arch_capabilities", "qemu64", "x86-64-v1" };
    for (size_t i = 0; i < sizeof(without) / sizeof(without[0]); i++) {
        ck_assert_int_eq(tcg(without[i], &m), 0);
        ck_assert_uint_eq(cpuid_of(&m, 7, 0).d, 0);
        ck_assert_int_eq(msr_of(&m, false, 0x10a, &v), EXC_GP);
    }
    ck_assert_int_eq(tcg("qemu64,+arch_capabilities", &m), 0);
    ck_assert_int_eq(msr_of(&m, false, 0x10a, &v), -1);
    ck_assert_uint_eq(v, want);
}
END_TEST

START_TEST(test_modifiers)
{
    X86CPUModel m;
    static const char *const off[] = { "max,-sse4.2", "max,-sse4_2", "max,sse4.2=off",
                                       "max,sse4-2=off" };
    for (size_t i = 0; i < sizeof(off) / sizeof(off[0]); i++) {
        ck_assert_int_eq(tcg(off[i], &m), 0);
        ck_assert_uint_eq(m.feat[CPUID_W_1_ECX], impl[CPUID_W_1_ECX] & ~ECX_SSE42);
        Regs r = cpuid_of(&m, 1, 0);
        ck_assert_uint_eq(r.c & ECX_SSE42, 0);
        ck_assert_uint_eq(r.c & ECX_POPCNT, ECX_POPCNT);
    }
    /* Left to right: the last word wins. */
    ck_assert_int_eq(tcg("max,-popcnt,+popcnt,-lm,pni=off,lzcnt=off", &m), 0);
    Regs r = cpuid_of(&m, 1, 0);
    ck_assert_uint_eq(r.c & (ECX_POPCNT | ECX_SSE3), ECX_POPCNT);
    r = cpuid_of(&m, 0x80000001u, 0);
    ck_assert_uint_eq(r.d & (EXT_LM | EXT_NX), EXT_NX);
    ck_assert_uint_eq(r.c & B(5), 0);
    /* OSXSAVE mirrors CR4.OSXSAVE, and disappears with XSAVE. */
    ck_assert_uint_eq(cpuid_of(NULL, 1, CR4_OSXSAVE).c & ECX_OSXSAVE, ECX_OSXSAVE);
    ck_assert_int_eq(tcg("max,-xsave", &m), 0);
    ck_assert_uint_eq(cpuid_of(&m, 1, CR4_OSXSAVE).c & (ECX_OSXSAVE | ECX_XSAVE), 0);
}
END_TEST

/* x86-64-v1 is the psABI baseline: no CMPXCHG16B (that is v2).  qemu64
 * adds what QEMU's qemu64 has and the software CPU implements. */
static void check_baseline(const char *name, uint32_t ecx, uint32_t ext_ecx, const char *id)
{
    X86CPUModel m;
    ck_assert_int_eq(tcg(name, &m), 0);
    Regs r = cpuid_of(&m, 1, CR4_OSXSAVE);
    ck_assert_uint_eq(r.a, 0x6f6);      /* family 6 model 15 stepping 6 */
    ck_assert_uint_eq(r.d, V1_EDX & ~CPUID_APIC);   /* no APIC without a machine */
    ck_assert_uint_eq(r.c, ecx);
    r = cpuid_of(&m, 0x80000001u, 0);
    ck_assert_uint_eq(r.d, EXT_SYSCALL | EXT_NX | EXT_LM);
    ck_assert_uint_eq(r.c, ext_ecx);
    r = cpuid_of(&m, 7, 0);
    ck_assert_uint_eq(r.b | r.c | r.d, 0);
    r = cpuid_of(&m, 0, 0);
    ck_assert(!memcmp(&r.b, "Genu", 4) && !memcmp(&r.d, "ineI", 4) && !memcmp(&r.c, "ntel", 4));
    char brand[49] = { 0 };
    for (int k = 0; k < 3; k++) {
        r = cpuid_of(&m, 0x80000002u + k, 0);
        memcpy(brand + 16 * k, &r, 16);
    }
    ck_assert_str_eq(brand, id);
}

START_TEST(test_baseline)
{
    check_baseline("x86-64-v1", 0, 0, "Yinglong x86-64-v1 CPU");
    check_baseline("qemu64", ECX_SSE3 | ECX_CX16, EXT_LAHF_LM, "Yinglong qemu64 CPU");
    /* Adding back what the software CPU implements is fine. */
    X86CPUModel m;
    ck_assert_int_eq(tcg("x86-64-v1,+popcnt,+pdpe1gb,+cx16", &m), 0);
    ck_assert_uint_eq(cpuid_of(&m, 1, 0).c, ECX_POPCNT | ECX_CX16);
    ck_assert_uint_eq(cpuid_of(&m, 0x80000001u, 0).d, EXT_SYSCALL | EXT_NX | EXT_LM | EXT_PAGE1GB);
    ck_assert_int_eq(tcg("max,-cx16", &m), 0);
    ck_assert_uint_eq(cpuid_of(&m, 1, 0).c & (ECX_CX16 | ECX_SSE42), ECX_SSE42);
}
END_TEST

START_TEST(test_errors)
{
    X86CPUModel m;
    ck_assert_int_eq(tcg("nonsense", &m), -1);
    ck_err_has("unknown CPU model 'nonsense'");
    ck_assert_int_eq(tcg("max,-sse9", &m), -1);
    ck_err_has("unknown CPU flag 'sse9'");
    ck_assert_int_eq(tcg("max,", &m), -1);
    ck_err_has("unknown CPU flag ''");
    ck_assert_int_eq(tcg("max,sse=maybe", &m), -1);
    ck_err_has("must be on or off");
    ck_assert_int_eq(tcg("max,+avx", &m), -1);
    ck_err_has("'avx'");
    ck_err_has("software CPU does not implement");
    ck_assert_int_eq(tcg("x86-64-v1,vmx=on", &m), -1);
    ck_err_has("'vmx'");
    ck_assert_int_eq(tcg("host", &m), -1);
    ck_err_has("-cpu host needs -accel kvm");
    ck_assert(!m.resolved);
    /* The command line only checks names: flags any accelerator might have. */
    ck_assert_int_eq(x86_cpu_model_check("max,+avx2,-sse4.1", err, sizeof(err)), 0);
    ck_assert_int_eq(x86_cpu_model_check("host,-avx", err, sizeof(err)), 0);
    ck_assert_int_eq(x86_cpu_model_check("max,+bogus", err, sizeof(err)), -1);
    ck_err_has("'bogus'");
}
END_TEST

/* What KVM_GET_SUPPORTED_CPUID might say: host and max take all of it,
 * the baseline its part, and +flag only what is there. */
START_TEST(test_kvm_filter)
{
    uint32_t kvm[CPUID_NWORDS] = { V1_EDX | B(1), ECX_SSE3 | ECX_AVX | B(31), B(5) | B(3),
                                   0, 0, EXT_SYSCALL | EXT_NX | EXT_LM, B(0) };
    X86CPUModel m;
    ck_assert_int_eq(x86_cpu_model_resolve("host", kvm, true, &m, err, sizeof(err)), 0);
    ck_assert(m.host_identity);
    ck_assert(!memcmp(m.feat, kvm, sizeof(kvm)));
    ck_assert_int_eq(x86_cpu_model_resolve("max,-avx2", kvm, true, &m, err, sizeof(err)), 0);
    ck_assert(m.host_identity);
    ck_assert_uint_eq(m.feat[CPUID_W_7_EBX], B(3));
    ck_assert_int_eq(x86_cpu_model_resolve("x86-64-v1", kvm, true, &m, err, sizeof(err)), 0);
    ck_assert(!m.host_identity);
    ck_assert_uint_eq(m.feat[CPUID_W_1_EDX], V1_EDX);
    ck_assert_uint_eq(m.feat[CPUID_W_1_ECX] | m.feat[CPUID_W_7_EBX] | m.feat[CPUID_W_81_ECX], 0);
    /* qemu64's sse3 and lahf_lm are there, its cx16 is not. */
    ck_assert_int_eq(x86_cpu_model_resolve("qemu64", kvm, true, &m, err, sizeof(err)), 0);
    ck_assert_uint_eq(m.feat[CPUID_W_1_ECX], ECX_SSE3);
    ck_assert_uint_eq(m.feat[CPUID_W_81_ECX], EXT_LAHF_LM);
    ck_assert_int_eq(x86_cpu_model_resolve("x86-64-v1,+avx,+bmi1", kvm, true, &m, err,
                                           sizeof(err)), 0);
    ck_assert_uint_eq(m.feat[CPUID_W_1_ECX], ECX_AVX);
    ck_assert_uint_eq(m.feat[CPUID_W_7_EBX], B(3));
    ck_assert_int_eq(x86_cpu_model_resolve("host,+sse4.2", kvm, true, &m, err, sizeof(err)), -1);
    ck_err_has("'sse4_2'");
    ck_err_has("KVM does not support it");
}
END_TEST

START_TEST(test_version_and_names)
{
    X86CPUModel m = { .family = 0x17, .model = 0x31, .stepping = 0 };
    ck_assert_uint_eq(x86_cpu_model_version(&m), 0x00830f10);
    ck_assert_uint_eq(x86_cpu_model_version(NULL), MAX_VERSION);
    ck_assert_str_eq(x86_cpu_flag_name(CPUID_W_1_ECX, 20), "sse4_2");
    ck_assert_str_eq(x86_cpu_flag_name(CPUID_W_81_EDX, 26), "pdpe1gb");
    ck_assert_ptr_null(x86_cpu_flag_name(CPUID_W_1_EDX, 10));
    /* Every implemented bit has a name, so -cpu can remove each of them. */
    for (int w = 0; w < CPUID_NWORDS; w++)
        for (int b = 0; b < 32; b++)
            if (impl[w] & B(b))
                ck_assert_msg(x86_cpu_flag_name(w, b), "word %d bit %d has no name", w, b);
}
END_TEST

START_TEST(test_options_and_setup)
{
    Options o;
    char *help[] = { "yinglong", "-cpu", "help" };
    ck_assert_int_eq(options_parse(&o, 3, help, err, sizeof(err)), 0);
    ck_assert_int_eq(o.action, OPT_CPU_HELP);
    char *bad[] = { "yinglong", "-cpu", "nonsense" };
    ck_assert_int_eq(options_parse(&o, 3, bad, err, sizeof(err)), -1);
    ck_err_has("nonsense");
    char *good[] = { "yinglong", "-cpu", "x86-64-v1,+sse3" };
    ck_assert_int_eq(options_parse(&o, 3, good, err, sizeof(err)), 0);
    ck_assert_str_eq(o.machine.cpu, "x86-64-v1,+sse3");

    Machine *mc = calloc(1, sizeof(*mc));
    mc->opt.cpu = "x86-64-v1,+sse3";
    ck_assert_int_eq(x86_cpu_model_setup(mc, err, sizeof(err)), 0);
    ck_assert(mc->cpu_model.resolved);
    ck_assert_uint_eq(mc->cpu_model.feat[CPUID_W_1_ECX], ECX_SSE3);
    memset(mc, 0, sizeof(*mc));
    mc->opt.cpu = "host";
    ck_assert_int_eq(x86_cpu_model_setup(mc, err, sizeof(err)), -1);
    ck_err_has("needs -accel kvm");
    memset(mc, 0, sizeof(*mc));     /* no -cpu: max */
    ck_assert_int_eq(x86_cpu_model_setup(mc, err, sizeof(err)), 0);
    ck_assert_str_eq(mc->cpu_model.name, "max");
    free(mc);
}
END_TEST

/* The bits that depend on the machine (APIC present and enabled, the
 * TSC-deadline timer) go too when the model removes them. */
START_TEST(test_apic_bits)
{
    static const char *const specs[] = { "max", "max,-apic,-tsc_deadline_timer" };
    for (int i = 0; i < 2; i++) {
        Machine *mc = calloc(1, sizeof(*mc));
        machine_init(mc);
        clock_stop(&mc->clock);
        mc->opt.cpu = specs[i];
        ck_assert_int_eq(x86_cpu_model_setup(mc, err, sizeof(err)), 0);
        X86CPU *cpu = calloc(1, sizeof(*cpu));
        x86_cpu_init(cpu, mc, &mc->as, &mc->io, &mc->log);
        cpu->model = &mc->cpu_model;
        x86_cpu_reset(cpu);
        mc->cpus[mc->ncpus++] = cpu;
        ck_assert_ptr_nonnull(machine_create_device(mc, "apic", "cpu=0", err, sizeof(err)));
        Regs r;
        x86_cpuid(cpu, 1, &r.a, &r.b, &r.c, &r.d);
        uint32_t want = i == 0;
        ck_assert_uint_eq(!!(r.d & CPUID_APIC), want);
        ck_assert_uint_eq(!!(r.c & B(24)), want);
        ck_assert_uint_eq(r.d & EDX_SSE2, EDX_SSE2);
        machine_destroy(mc);
        free(cpu);
        free(mc);
    }
}
END_TEST

static Suite *cpumodel_suite(void)
{
    Suite *s = suite_create("cpumodel");
    TCase *tc = tcase_create("core");
    tcase_add_checked_fixture(tc, setup, NULL);
    tcase_add_test(tc, test_max_is_implemented_set);
    tcase_add_test(tc, test_arch_capabilities);
    tcase_add_test(tc, test_modifiers);
    tcase_add_test(tc, test_baseline);
    tcase_add_test(tc, test_errors);
    tcase_add_test(tc, test_kvm_filter);
    tcase_add_test(tc, test_version_and_names);
    tcase_add_test(tc, test_options_and_setup);
    tcase_add_test(tc, test_apic_bits);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(cpumodel_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
