/* -cpu: the model table, the flag names and the resolution of
 * "MODEL[,+flag|-flag|flag=on|off...]" against what the accelerator can
 * really offer.  Only CPUID changes: the software CPU still executes every
 * instruction it implements when a model hides the feature, as hardware
 * and other emulators mostly do (a guest must not rely on #UD there). */
#include <stdlib.h>
#include <string.h>

#include "yl/cpumodel.h"
#include "yl/machine.h"

typedef struct CPUFlag {
    const char *name;       /* as in Linux's /proc/cpuinfo */
    const char *alias;      /* the CPUID/QEMU spelling, or NULL */
    uint8_t word, bit;
} CPUFlag;

#define F(n, a, w, b) { n, a, CPUID_W_##w, b }
static const CPUFlag cpu_flags[] = {
    F("fpu", NULL, 1_EDX, 0), F("vme", NULL, 1_EDX, 1), F("de", NULL, 1_EDX, 2),
    F("pse", NULL, 1_EDX, 3), F("tsc", NULL, 1_EDX, 4), F("msr", NULL, 1_EDX, 5),
    F("pae", NULL, 1_EDX, 6), F("mce", NULL, 1_EDX, 7), F("cx8", NULL, 1_EDX, 8),
    F("apic", NULL, 1_EDX, 9), F("sep", NULL, 1_EDX, 11), F("mtrr", NULL, 1_EDX, 12),
    F("pge", NULL, 1_EDX, 13), F("mca", NULL, 1_EDX, 14), F("cmov", NULL, 1_EDX, 15),
    F("pat", NULL, 1_EDX, 16), F("pse36", NULL, 1_EDX, 17),
    F("clflush", NULL, 1_EDX, 19), F("mmx", NULL, 1_EDX, 23), F("fxsr", NULL, 1_EDX, 24),
    F("sse", NULL, 1_EDX, 25), F("sse2", NULL, 1_EDX, 26), F("ss", NULL, 1_EDX, 27),
    F("ht", NULL, 1_EDX, 28),
    F("pni", "sse3", 1_ECX, 0), F("pclmulqdq", NULL, 1_ECX, 1),
    F("monitor", NULL, 1_ECX, 3), F("vmx", NULL, 1_ECX, 5), F("ssse3", NULL, 1_ECX, 9),
    F("fma", NULL, 1_ECX, 12), F("cx16", NULL, 1_ECX, 13), F("pcid", NULL, 1_ECX, 17),
    F("sse4_1", "sse4.1", 1_ECX, 19), F("sse4_2", "sse4.2", 1_ECX, 20),
    F("x2apic", NULL, 1_ECX, 21), F("movbe", NULL, 1_ECX, 22),
    F("popcnt", NULL, 1_ECX, 23), F("tsc_deadline_timer", "tsc-deadline", 1_ECX, 24),
    F("aes", NULL, 1_ECX, 25), F("xsave", NULL, 1_ECX, 26), F("avx", NULL, 1_ECX, 28),
    F("f16c", NULL, 1_ECX, 29), F("rdrand", NULL, 1_ECX, 30),
    F("hypervisor", NULL, 1_ECX, 31),
    F("fsgsbase", NULL, 7_EBX, 0), F("bmi1", NULL, 7_EBX, 3), F("hle", NULL, 7_EBX, 4),
    F("avx2", NULL, 7_EBX, 5), F("smep", NULL, 7_EBX, 7), F("bmi2", NULL, 7_EBX, 8),
    F("erms", NULL, 7_EBX, 9), F("invpcid", NULL, 7_EBX, 10), F("rtm", NULL, 7_EBX, 11),
    F("avx512f", NULL, 7_EBX, 16), F("avx512dq", NULL, 7_EBX, 17),
    F("rdseed", NULL, 7_EBX, 18), F("adx", NULL, 7_EBX, 19), F("smap", NULL, 7_EBX, 20),
    F("clflushopt", NULL, 7_EBX, 23), F("clwb", NULL, 7_EBX, 24),
    F("avx512cd", NULL, 7_EBX, 28), F("sha_ni", "sha-ni", 7_EBX, 29),
    F("avx512bw", NULL, 7_EBX, 30), F("avx512vl", NULL, 7_EBX, 31),
    F("avx512vbmi", NULL, 7_ECX, 1), F("umip", NULL, 7_ECX, 2), F("pku", NULL, 7_ECX, 3),
    F("vaes", NULL, 7_ECX, 9), F("vpclmulqdq", NULL, 7_ECX, 10),
    F("rdpid", NULL, 7_ECX, 22),
    F("md_clear", NULL, 7_EDX, 10), F("serialize", NULL, 7_EDX, 14),
    F("flush_l1d", NULL, 7_EDX, 28), F("arch_capabilities", NULL, 7_EDX, 29),
    F("syscall", NULL, 81_EDX, 11), F("nx", NULL, 81_EDX, 20),
    F("mmxext", NULL, 81_EDX, 22), F("fxsr_opt", NULL, 81_EDX, 25),
    F("pdpe1gb", "page1gb", 81_EDX, 26), F("rdtscp", NULL, 81_EDX, 27),
    F("lm", NULL, 81_EDX, 29),
    F("lahf_lm", NULL, 81_ECX, 0), F("cmp_legacy", NULL, 81_ECX, 1),
    F("svm", NULL, 81_ECX, 2), F("abm", "lzcnt", 81_ECX, 5), F("sse4a", NULL, 81_ECX, 6),
    F("misalignsse", NULL, 81_ECX, 7), F("3dnowprefetch", "prefetchw", 81_ECX, 8),
};
#undef F
#define NFLAGS (sizeof(cpu_flags) / sizeof(cpu_flags[0]))

static const char *const word_names[CPUID_NWORDS] = {
    "1.EDX", "1.ECX", "7.0.EBX", "7.0.ECX", "7.0.EDX", "80000001h.EDX", "80000001h.ECX",
};

#define B(n) (1u << (n))
#define ALL { ~0u, ~0u, ~0u, ~0u, ~0u, ~0u, ~0u }

typedef struct ModelDef {
    const char *name;
    const char *help;
    bool kvm_only;
    X86CPUModel m;
} ModelDef;

/* x86-64-v1 (the psABI's baseline level) with the basics every 64-bit
 * kernel expects: fpu de pse tsc msr pae cx8 apic sep mtrr pge cmov pat
 * clflush mmx fxsr sse sse2, syscall nx lm. */
#define V1_EDX (B(0) | B(2) | B(3) | B(4) | B(5) | B(6) | B(8) | B(9) | B(11) | B(12) | \
                B(13) | B(15) | B(16) | B(19) | B(23) | B(24) | B(25) | B(26))
#define V1_81_EDX (B(11) | B(20) | B(29))
/* Family 6 model 15 (the first Intel 64 Core generation); from model 14 on
 * Linux trusts the TSC to be constant. */
#define BASE_MODEL(n, id, ecx, edx, ext_ecx) \
    { n, "GenuineIntel", 6, 15, 6, id, { edx, ecx, 0, 0, 0, V1_81_EDX, ext_ecx }, false, false }
/* QEMU's qemu64 adds to that baseline sse3 (pni), cx16 and lahf_lm, and
 * mce, mca and pse36 (hidden where the accelerator lacks them); its svm is
 * left out: neither accelerator offers nested virtualization here. */
#define QEMU64_ECX (B(0) | B(13))
#define QEMU64_EDX (V1_EDX | B(7) | B(14) | B(17))
#define QEMU64_81_ECX B(0)

/* max: Intel family 6 model 26 stepping 5 (Nehalem, the first generation
 * with SSE4.2 and POPCNT, as max has).  Not lower than model 15: Linux
 * clears PAT on Intel family 6 models below 15 (the Pentium Pro to Core
 * Duo "Yonah" WC erratum) and would map everything without it.  Not a
 * newer generation either: those carry more model-keyed errata tables
 * (TSC-deadline microcode checks, speculation bugs) that would key on
 * microcode revisions a virtual CPU does not have. */
#define MAX_FAMILY 6
#define MAX_MODEL 26
#define MAX_STEPPING 5

static const ModelDef models[] = {
    { "max", "every feature the accelerator offers (default); under KVM the host's",
      false, { "max", "GenuineIntel", MAX_FAMILY, MAX_MODEL, MAX_STEPPING,
               "Yinglong virtual CPU", ALL, true, false } },
    { "host", "KVM only: the host CPU as KVM supports it",
      true, { "host", "", 0, 0, 0, "", ALL, true, false } },
    { "x86-64-v1", "conservative 64-bit baseline (fpu..sse2, syscall, nx, lm)",
      false, BASE_MODEL("x86-64-v1", "Yinglong x86-64-v1 CPU", 0, V1_EDX, 0) },
    { "qemu64", "QEMU's default: x86-64-v1 + sse3 cx16 lahf_lm (mce mca pse36)",
      false, BASE_MODEL("qemu64", "Yinglong qemu64 CPU", QEMU64_ECX, QEMU64_EDX,
                        QEMU64_81_ECX) },
};
#define NMODELS (sizeof(models) / sizeof(models[0]))

const X86CPUModel *x86_cpu_model_default(void)
{
    return &models[0].m;
}

uint32_t x86_cpu_model_version(const X86CPUModel *m)
{
    if (!m)
        m = x86_cpu_model_default();
    uint32_t fam = m->family > 15 ? 15 : m->family;
    uint32_t ext_fam = m->family > 15 ? m->family - 15u : 0;
    return (m->stepping & 0xfu) | (m->model & 0xfu) << 4 | fam << 8
           | (uint32_t)(m->model >> 4) << 16 | ext_fam << 20;
}

const char *x86_cpu_flag_name(int word, int bit)
{
    for (size_t i = 0; i < NFLAGS; i++)
        if (cpu_flags[i].word == word && cpu_flags[i].bit == bit)
            return cpu_flags[i].name;
    return NULL;
}

/* Flag names match with '-' and '_' taken as the same character. */
static bool name_eq(const char *a, size_t len, const char *b)
{
    if (!b || strlen(b) != len)
        return false;
    for (size_t i = 0; i < len; i++) {
        char x = a[i] == '-' ? '_' : a[i], y = b[i] == '-' ? '_' : b[i];
        if (x != y)
            return false;
    }
    return true;
}

static const CPUFlag *flag_find(const char *s, size_t len)
{
    for (size_t i = 0; i < NFLAGS; i++)
        if (name_eq(s, len, cpu_flags[i].name) || name_eq(s, len, cpu_flags[i].alias))
            return &cpu_flags[i];
    return NULL;
}

static const ModelDef *model_find(const char *s, size_t len)
{
    for (size_t i = 0; i < NMODELS; i++)
        if (strlen(models[i].name) == len && !strncmp(s, models[i].name, len))
            return &models[i];
    return NULL;
}

/* One modifier: "+f", "-f", "f=on", "f=off" or a bare "f" (on).  Returns
 * 1 (on) or 0 (off) with the flag, or -1 with a message. */
static int modifier_parse(const char *spec, const char *p, size_t len,
                          const CPUFlag **flag, char *err, int errlen)
{
    int on = 1;
    size_t n = len;
    if (len && (*p == '+' || *p == '-')) {
        on = *p == '+';
        p++;
        n = --len;
    } else {
        const char *eq = memchr(p, '=', len);
        if (eq) {
            n = eq - p;
            size_t vl = len - n - 1;
            if (vl == 2 && !strncmp(eq + 1, "on", 2)) {
                on = 1;
            } else if (vl == 3 && !strncmp(eq + 1, "off", 3)) {
                on = 0;
            } else {
                snprintf(err, errlen, "-cpu %s: '%.*s' must be on or off", spec, (int)len, p);
                return -1;
            }
        }
    }
    if (!(*flag = flag_find(p, n))) {
        snprintf(err, errlen, "-cpu %s: unknown CPU flag '%.*s' (try -cpu help)",
                 spec, (int)n, p);
        return -1;
    }
    return on;
}

static int apply_modifiers(const char *spec, const char *p, const uint32_t *avail,
                           bool for_kvm, X86CPUModel *out, char *err, int errlen)
{
    while (*p == ',') {
        p++;
        size_t len = strcspn(p, ",");
        const CPUFlag *f;
        int on = modifier_parse(spec, p, len, &f, err, errlen);
        if (on < 0)
            return -1;
        uint32_t bit = 1u << f->bit;
        if (on && !(avail[f->word] & bit)) {
            snprintf(err, errlen, "-cpu %s: flag '%s' is not available: %s", spec, f->name,
                     for_kvm ? "KVM does not support it on this host"
                             : "the software CPU does not implement it");
            return -1;
        }
        if (on)
            out->feat[f->word] |= bit;
        else
            out->feat[f->word] &= ~bit;
        p += len;
    }
    return 0;
}

int x86_cpu_model_resolve(const char *spec, const uint32_t avail[CPUID_NWORDS],
                          bool for_kvm, X86CPUModel *out, char *err, int errlen)
{
    size_t len = strcspn(spec, ",");
    const ModelDef *d = model_find(spec, len);
    if (!d) {
        snprintf(err, errlen, "-cpu %s: unknown CPU model '%.*s' (try -cpu help)",
                 spec, (int)len, spec);
        return -1;
    }
    if (d->kvm_only && !for_kvm) {
        snprintf(err, errlen, "-cpu %s needs -accel kvm (the software CPU runs this machine)",
                 d->name);
        return -1;
    }
    *out = d->m;
    out->host_identity = d->m.host_identity && for_kvm;
    for (int w = 0; w < CPUID_NWORDS; w++)
        out->feat[w] &= avail[w];
    if (apply_modifiers(spec, spec + len, avail, for_kvm, out, err, errlen) < 0)
        return -1;
    out->resolved = true;
    return 0;
}

int x86_cpu_model_check(const char *spec, char *err, int errlen)
{
    static const uint32_t any[CPUID_NWORDS] = ALL;
    X86CPUModel m;
    return x86_cpu_model_resolve(spec, any, true, &m, err, errlen);
}

int x86_cpu_model_setup(Machine *m, char *err, int errlen)
{
    if (m->cpu_model.resolved)
        return 0;
    uint32_t avail[CPUID_NWORDS];
    x86_cpuid_implemented(avail);
    return x86_cpu_model_resolve(m->opt.cpu ? m->opt.cpu : "max", avail, false,
                                 &m->cpu_model, err, errlen);
}

static void print_word_flags(FILE *f, int w, const uint32_t *only)
{
    int col = 0;
    fprintf(f, "  %-14s", word_names[w]);
    for (size_t i = 0; i < NFLAGS; i++) {
        const CPUFlag *fl = &cpu_flags[i];
        if (fl->word != w || (only && !(only[w] & (1u << fl->bit))))
            continue;
        if (col > 50) {
            fprintf(f, "\n  %-14s", "");
            col = 0;
        }
        col += fprintf(f, " %s", fl->name);
    }
    fprintf(f, "%s\n", col ? "" : " (none)");
}

void x86_cpu_model_help(FILE *f)
{
    uint32_t impl[CPUID_NWORDS];
    x86_cpuid_implemented(impl);
    fprintf(f, "Available CPU models:\n");
    for (size_t i = 0; i < NMODELS; i++)
        fprintf(f, "  %-12s %s\n", models[i].name, models[i].help);
    fprintf(f, "\nRecognized CPUID flags (-cpu MODEL,+flag,-flag,flag=on|off; "
               "Linux /proc/cpuinfo names;\naliases: sse3 sse4.1 sse4.2 lzcnt page1gb "
               "tsc-deadline sha-ni prefetchw):\n");
    for (int w = 0; w < CPUID_NWORDS; w++)
        print_word_flags(f, w, NULL);
    fprintf(f, "\nImplemented by the software CPU (what TCG models can offer):\n");
    for (int w = 0; w < CPUID_NWORDS; w++)
        print_word_flags(f, w, impl);
    fprintf(f, "\nUnder KVM every model is limited to what KVM supports on the host.\n"
               "A hidden feature's instructions still execute: only CPUID changes.\n");
}
