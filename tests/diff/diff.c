/* diff: runs generated cases natively and in Yinglong and compares.
 *
 *   diff [-n CASES] [-s SEED] [-t SECONDS] [-m 32|64] [-v] [-H]
 *        [--no-cache] [--no-chain] [--no-jit] [--modes]
 *
 * --no-cache, --no-chain and --no-jit turn on the software CPU's switches
 * (X86CPU.tcg_*) in the Yinglong CPU.  --modes leaves the host out: each
 * case runs in a Yinglong CPU in the default configuration and in one with
 * the switches given (all three when none is), and the two results must be
 * identical - every register, all EFLAGS bits, memory, x87/SSE state and
 * the exception - whatever the manuals leave undefined.
 *
 * -m 64 generates 64-bit integer code (long mode in Yinglong) instead of
 * the 32-bit integer/x87/SSE mix.  -s 0 takes a seed from the clock (make fuzz); -t runs for that long
 * instead of a number of cases.  A failing case is shrunk to the first
 * instruction whose prefix of the sequence already differs, and failures
 * are counted per mnemonic of that instruction. */
#include <capstone/capstone.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "tests/diff/diff.h"

#define SHOW_MAX 5
#define GROUPS_MAX 256

typedef struct Group {
    char name[32];
    uint64_t count;
    uint64_t example;
} Group;

typedef struct Diff {
    struct DiffGuest *guest;
    struct DiffGuest *ref;  /* --modes: the default configuration, else NULL */
    const char *side_a, *side_b;    /* "host" / "Yinglong", or "A" / "B" */
    char config[48];        /* the switches of guest, e.g. "nocache+nochain" */
    csh cs;
    uint64_t seed;
    Group groups[GROUPS_MAX];
    int ngroups;
    int shown;
    bool verbose;
    bool histogram;         /* -H: count generated mnemonics (coverage) */
    bool mode64;            /* -m 64 */
    Group hist[GROUPS_MAX];
    int nhist;
    DiffCase c, prefix;     /* large: kept off the stack */
    DiffResult h, y, ph, py;
} Diff;

static const char *reg_names[8] = { "eax", "ecx", "edx", "ebx", "esp", "ebp", "esi", "edi" };
static const char *reg_names64[16] = {
    "rax", "rcx", "rdx", "rbx", "rsp", "rbp", "rsi", "rdi",
    "r8", "r9", "r10", "r11", "r12", "r13", "r14", "r15",
};
static const char *fault_names[] = { "none", "#DE", "#UD", "#GP/#SS/#PF", "other", "#XM" };

#define F_ARITH 0x8d5u
#define F_DF 0x400u
#define FSW_CMASK 0x4700u

static uint16_t rd16(const uint8_t *p) { uint16_t v; memcpy(&v, p, 2); return v; }

static bool fp_close(const uint8_t *a, const uint8_t *b, bool inexact)
{
    if (!memcmp(a, b, 10))
        return true;
    if (!inexact || memcmp(a + 8, b + 8, 2))
        return false;
    uint64_t ma, mb;
    memcpy(&ma, a, 8);
    memcpy(&mb, b, 8);
    return ma - mb + 1 <= 2;    /* within one unit in the last place */
}

/* The general registers: 8 x 32 bits, or 16 x 64 bits in 64-bit mode. */
static bool compare_regs(const DiffCase *c, const DiffResult *h, const DiffResult *y,
                         char *why, size_t n)
{
    if (c->mode64) {
        for (int r = 0; r < 16; r++)
            if (h->st.r64[r] != y->st.r64[r])
                return snprintf(why, n, "%s: host %016" PRIx64 " Yinglong %016" PRIx64,
                                reg_names64[r], h->st.r64[r], y->st.r64[r]), false;
        return true;
    }
    for (int r = 0; r < 8; r++)
        if (h->st.r[r] != y->st.r[r])
            return snprintf(why, n, "%s: host %08x Yinglong %08x", reg_names[r],
                            h->st.r[r], y->st.r[r]), false;
    return true;
}

/* Describes the first difference into why; returns true if equal. */
static bool compare(const DiffCase *c, int ninsns, const DiffResult *h,
                    const DiffResult *y, char *why, size_t n)
{
    uint32_t undef = ninsns ? c->undef_after[ninsns - 1] : 0;
    uint16_t cundef = ninsns ? c->cundef_after[ninsns - 1] : 0;
    if (y->hang)
        return snprintf(why, n, "Yinglong did not halt (rip ran away or looped)"), false;
    if (h->fault || y->fault) {
        if (h->fault == y->fault && h->fault_off == y->fault_off)
            return true;
        snprintf(why, n, "fault: host %s at +%d, Yinglong %s (vector %d) at +%d",
                 fault_names[h->fault], h->fault_off, fault_names[y->fault],
                 y->guest_vec, y->fault_off);
        return false;
    }
    if (!compare_regs(c, h, y, why, n))
        return false;
    uint32_t fm = (F_ARITH | F_DF) & ~undef;
    if ((h->st.eflags ^ y->st.eflags) & fm)
        return snprintf(why, n, "eflags (mask %03x): host %03x Yinglong %03x", fm,
                        (unsigned)h->st.eflags & fm, (unsigned)y->st.eflags & fm), false;
    for (uint32_t k = 0; k < DIFF_BUF_SIZE; k++)
        if (h->mem[k] != y->mem[k])
            return snprintf(why, n, "memory at %08x: host %02x Yinglong %02x",
                            DIFF_BUF_ADDR + k, h->mem[k], y->mem[k]), false;
    if (h->st.mxcsr != y->st.mxcsr)
        return snprintf(why, n, "mxcsr: host %08x Yinglong %08x", h->st.mxcsr,
                        y->st.mxcsr), false;
    for (int r = 0; r < 8; r++)
        if (memcmp(h->st.xmm[r], y->st.xmm[r], 16)) {
            uint64_t hv[2], yv[2];
            memcpy(hv, h->st.xmm[r], 16);
            memcpy(yv, y->st.xmm[r], 16);
            return snprintf(why, n, "xmm%d: host %016" PRIx64 "%016" PRIx64
                            " Yinglong %016" PRIx64 "%016" PRIx64, r, hv[1], hv[0],
                            yv[1], yv[0]), false;
        }
    const uint8_t *hf = h->st.fpu, *yf = y->st.fpu;
    if (rd16(hf + FPU_FCW) != rd16(yf + FPU_FCW))
        return snprintf(why, n, "fcw: host %04x Yinglong %04x", rd16(hf + FPU_FCW),
                        rd16(yf + FPU_FCW)), false;
    uint16_t sm = 0xffff & ~(FSW_CMASK & cundef);
    if ((rd16(hf + FPU_FSW) ^ rd16(yf + FPU_FSW)) & sm)
        return snprintf(why, n, "fsw (mask %04x): host %04x Yinglong %04x", sm,
                        rd16(hf + FPU_FSW), rd16(yf + FPU_FSW)), false;
    uint16_t htw = rd16(hf + FPU_FTW), ytw = rd16(yf + FPU_FTW);
    int top = (rd16(hf + FPU_FSW) >> 11) & 7;
    for (int i = 0; i < 8; i++) {
        int phys = (top + i) & 7;
        bool he = ((htw >> (2 * phys)) & 3) == 3, ye = ((ytw >> (2 * phys)) & 3) == 3;
        if (he != ye)
            return snprintf(why, n, "st(%d) empty: host %d Yinglong %d", i, he, ye), false;
        if (!he && !fp_close(hf + FPU_ST0 + 10 * i, yf + FPU_ST0 + 10 * i, c->fp_inexact)) {
            uint64_t hm, ym;
            memcpy(&hm, hf + FPU_ST0 + 10 * i, 8);
            memcpy(&ym, yf + FPU_ST0 + 10 * i, 8);
            return snprintf(why, n, "st(%d): host %04x:%016" PRIx64 " Yinglong %04x:%016" PRIx64,
                            i, rd16(hf + FPU_ST0 + 10 * i + 8), hm,
                            rd16(yf + FPU_ST0 + 10 * i + 8), ym), false;
        }
    }
    return true;
}

/* --modes: two configurations of the same CPU must agree bit for bit. */
static bool compare_exact(const DiffCase *c, const DiffResult *a, const DiffResult *b,
                          char *why, size_t n)
{
    if (a->hang != b->hang)
        return snprintf(why, n, "halted: A %d B %d", !a->hang, !b->hang), false;
    if (a->fault != b->fault || a->fault_off != b->fault_off || a->guest_vec != b->guest_vec)
        return snprintf(why, n, "fault: A vector %d at +%d, B vector %d at +%d",
                        a->guest_vec, a->fault_off, b->guest_vec, b->fault_off), false;
    int nregs = c->mode64 ? 16 : 8;
    for (int r = 0; r < nregs; r++) {
        uint64_t va = c->mode64 ? a->st.r64[r] : a->st.r[r];
        uint64_t vb = c->mode64 ? b->st.r64[r] : b->st.r[r];
        if (va != vb)
            return snprintf(why, n, "%s: A %016" PRIx64 " B %016" PRIx64,
                            c->mode64 ? reg_names64[r] : reg_names[r], va, vb), false;
    }
    if (a->st.eflags != b->st.eflags)
        return snprintf(why, n, "eflags: A %08x B %08x", (unsigned)a->st.eflags,
                        (unsigned)b->st.eflags), false;
    for (uint32_t k = 0; k < DIFF_BUF_SIZE; k++)
        if (a->mem[k] != b->mem[k])
            return snprintf(why, n, "memory at %08x: A %02x B %02x", DIFF_BUF_ADDR + k,
                            a->mem[k], b->mem[k]), false;
    if (a->st.mxcsr != b->st.mxcsr || memcmp(a->st.xmm, b->st.xmm, sizeof(a->st.xmm)))
        return snprintf(why, n, "SSE state (mxcsr A %08x B %08x, or an xmm register)",
                        a->st.mxcsr, b->st.mxcsr), false;
    for (size_t k = 0; k < sizeof(a->st.fpu); k++)
        if (a->st.fpu[k] != b->st.fpu[k])
            return snprintf(why, n, "x87 state, byte %zu of the FNSAVE image: A %02x B %02x",
                            k, a->st.fpu[k], b->st.fpu[k]), false;
    return true;
}

/* Runs c on both sides: host and Yinglong, or (--modes) the default
 * configuration and the switched one. */
static void run_sides(Diff *d, const DiffCase *c, DiffResult *a, DiffResult *b)
{
    if (d->ref)
        diff_guest_run(d->ref, c, a);
    else
        diff_native_run(c, a);
    diff_guest_run(d->guest, c, b);
}

static bool compare_sides(Diff *d, const DiffCase *c, int ninsns, const DiffResult *a,
                          const DiffResult *b, char *why, size_t n)
{
    return d->ref ? compare_exact(c, a, b, why, n) : compare(c, ninsns, a, b, why, n);
}

/* Runs the first k instructions of c on both sides. */
static bool run_prefix(Diff *d, const DiffCase *c, int k, DiffResult *h, DiffResult *y,
                       char *why, size_t n)
{
    DiffCase *p = &d->prefix;
    *p = *c;
    p->code_len = c->insn_off[k];
    p->ninsns = k;
    run_sides(d, p, h, y);
    return compare_sides(d, p, k, h, y, why, n);
}

static void disasm_one(Diff *d, const uint8_t *code, int len, char *out, size_t n,
                       char *mnem, size_t mn)
{
    cs_insn *insn;
    size_t cnt = cs_disasm(d->cs, code, len, 0, 1, &insn);
    if (cnt) {
        snprintf(out, n, "%.31s %.90s", insn[0].mnemonic, insn[0].op_str);
        if (mnem)
            snprintf(mnem, mn, "%s", insn[0].mnemonic);
        cs_free(insn, cnt);
    } else {
        snprintf(out, n, "(bad)");
        if (mnem)
            snprintf(mnem, mn, "(bad)");
    }
}

static void print_regs(const DiffCase *c, const char *who, const DiffState *s)
{
    printf("  %-9s", who);
    if (!c->mode64) {
        for (int r = 0; r < 8; r++)
            printf(" %s=%08x", reg_names[r], s->r[r]);
        return;
    }
    for (int r = 0; r < 16; r++)
        printf("%s %s=%016" PRIx64, r && r % 4 == 0 ? "\n           " : "",
               reg_names64[r], s->r64[r]);
    printf("\n           ");
}

static void print_state(const DiffCase *c, const char *who, const DiffState *s)
{
    print_regs(c, who, s);
    printf(" efl=%08x\n  %-9s fcw=%04x fsw=%04x ftw=%04x", (unsigned)s->eflags, "",
           rd16(s->fpu + FPU_FCW), rd16(s->fpu + FPU_FSW), rd16(s->fpu + FPU_FTW));
    for (int i = 0; i < 8; i++) {
        uint64_t m;
        memcpy(&m, s->fpu + FPU_ST0 + 10 * i, 8);
        printf("%s st%d=%04x:%016" PRIx64, i % 3 == 2 ? "\n           " : "", i,
               rd16(s->fpu + FPU_ST0 + 10 * i + 8), m);
    }
    printf("\n  %-9s mxcsr=%08x", "", s->mxcsr);
    for (int i = 0; i < 8; i++) {
        uint64_t v[2];
        memcpy(v, s->xmm[i], 16);
        printf("%s xmm%d=%016" PRIx64 "%016" PRIx64, i % 2 == 0 ? "\n           " : "", i,
               v[1], v[0]);
    }
    printf("\n");
}

static void show_case(Diff *d, const DiffCase *c, int bad, const DiffResult *h,
                      const DiffResult *y, const char *why)
{
    printf("mismatch in case %" PRIu64 " (seed %" PRIu64 ") at instruction %d: %s\n",
           c->index, d->seed, bad, why);
    if (d->ref)
        printf("  A: default configuration, B: %s\n", d->config);
    for (int k = 0; k < c->ninsns; k++) {
        char text[128];
        int off = c->insn_off[k], len = c->insn_off[k + 1] - off;
        disasm_one(d, c->code + off, len, text, sizeof(text), NULL, 0);
        printf("  %s +%02d:", k == bad ? "=>" : "  ", off);
        for (int b = 0; b < len; b++)
            printf(" %02x", c->code[off + b]);
        printf("%*s %s\n", 3 * (12 - len) > 0 ? 3 * (12 - len) : 1, "", text);
    }
    print_state(c, "initial", &c->init);
    print_state(c, d->side_a, &h->st);
    print_state(c, d->side_b, &y->st);
}

static void count_in(Group *groups, int *ngroups, const char *name, uint64_t index)
{
    for (int i = 0; i < *ngroups; i++) {
        if (!strcmp(groups[i].name, name)) {
            groups[i].count++;
            return;
        }
    }
    if (*ngroups == GROUPS_MAX)
        return;
    Group *g = &groups[(*ngroups)++];
    snprintf(g->name, sizeof(g->name), "%s", name);
    g->count = 1;
    g->example = index;
}

/* The first instruction whose prefix already differs. */
static void report_failure(Diff *d, const DiffCase *c)
{
    DiffResult *h = &d->ph, *y = &d->py;
    char why[256] = "";
    int bad = c->ninsns - 1;
    for (int k = 1; k <= c->ninsns; k++) {
        if (!run_prefix(d, c, k, h, y, why, sizeof(why))) {
            bad = k - 1;
            break;
        }
    }
    char text[128], mnem[32];
    int off = c->insn_off[bad];
    disasm_one(d, c->code + off, c->insn_off[bad + 1] - off, text, sizeof(text),
               mnem, sizeof(mnem));
    count_in(d->groups, &d->ngroups, mnem, c->index);
    if (d->shown++ < SHOW_MAX || d->verbose)
        show_case(d, c, bad, h, y, why);
}

static void count_mnemonics(Diff *d, const DiffCase *c)
{
    for (int k = 0; k < c->ninsns; k++) {
        char text[128], mnem[32];
        int off = c->insn_off[k];
        disasm_one(d, c->code + off, c->insn_off[k + 1] - off, text, sizeof(text),
                   mnem, sizeof(mnem));
        count_in(d->hist, &d->nhist, mnem, c->index);
    }
}

static int group_cmp(const void *a, const void *b)
{
    const Group *x = a, *y = b;
    return x->count < y->count ? 1 : x->count > y->count ? -1 : strcmp(x->name, y->name);
}

enum { OPT_NO_CACHE = 256, OPT_NO_CHAIN, OPT_NO_JIT, OPT_MODES };

static const struct option long_opts[] = {
    { "no-cache", no_argument, NULL, OPT_NO_CACHE },
    { "no-chain", no_argument, NULL, OPT_NO_CHAIN },
    { "no-jit", no_argument, NULL, OPT_NO_JIT },
    { "modes", no_argument, NULL, OPT_MODES },
    { NULL, 0, NULL, 0 },
};

static void describe_tcg(Diff *d, DiffTcg t)
{
    snprintf(d->config, sizeof(d->config), "%s%s%s", t.nocache ? "+nocache" : "",
             t.nochain ? "+nochain" : "", t.nojit ? "+nojit" : "");
    if (!d->config[0])
        snprintf(d->config, sizeof(d->config), "+default");
    memmove(d->config, d->config + 1, strlen(d->config));
}

/* The Yinglong CPU(s), and the host unless --modes.  Returns 0 or prints
 * the FAIL line. */
static int setup_sides(Diff *d, DiffTcg t, bool modes)
{
    if (modes && !t.nocache && !t.nochain && !t.nojit)
        t = (DiffTcg){ true, true, true };
    describe_tcg(d, t);
    d->side_a = modes ? "A" : "host";
    d->side_b = modes ? "B" : "Yinglong";
    if (!modes && diff_native_init() < 0) {
        printf("FAIL: diff (cannot set up the native side)\n");
        return -1;
    }
    d->guest = diff_guest_new(d->mode64);
    if (modes)
        d->ref = diff_guest_new(d->mode64);
    if (!d->guest || (modes && !d->ref)) {
        printf("FAIL: diff (cannot set up the Yinglong CPU)\n");
        return -1;
    }
    diff_guest_set_tcg(d->guest, t);
    return 0;
}

static const char *test_name(const Diff *d)
{
    if (d->ref)
        return d->mode64 ? "diff64-modes" : "diff-modes";
    return d->mode64 ? "diff64" : "diff";
}

int main(int argc, char **argv)
{
    Diff *d = calloc(1, sizeof(*d));
    uint64_t ncases = 100000;
    double seconds = 0;
    DiffTcg tcg = { false, false, false };
    bool modes = false;
    d->seed = 1;
    int opt;
    while ((opt = getopt_long(argc, argv, "n:s:t:m:vH", long_opts, NULL)) != -1) {
        switch (opt) {
        case 'n': ncases = strtoull(optarg, NULL, 0); break;
        case 's': d->seed = strtoull(optarg, NULL, 0); break;
        case 't': seconds = atof(optarg); break;
        case 'v': d->verbose = true; break;
        case 'H': d->histogram = true; break;
        case 'm': d->mode64 = atoi(optarg) == 64; break;
        case OPT_NO_CACHE: tcg.nocache = true; break;
        case OPT_NO_CHAIN: tcg.nochain = true; break;
        case OPT_NO_JIT: tcg.nojit = true; break;
        case OPT_MODES: modes = true; break;
        default:
            fprintf(stderr, "usage: %s [-n cases] [-s seed (0: from the clock)] "
                            "[-t seconds] [-m 32|64] [-v] [-H]\n"
                            "          [--no-cache] [--no-chain] [--no-jit] "
                            "[--modes (default vs the switches given, or all)]\n",
                    argv[0]);
            return 2;
        }
    }
    if (d->seed == 0)
        d->seed = (uint64_t)time(NULL) ^ (uint64_t)getpid() << 32;
    if (setup_sides(d, tcg, modes) < 0)
        return 1;
    if (cs_open(CS_ARCH_X86, d->mode64 ? CS_MODE_64 : CS_MODE_32, &d->cs) != CS_ERR_OK)
        return 1;
    setvbuf(stdout, NULL, _IOLBF, 0);
    printf("diff: seed %" PRIu64 ", Yinglong %s%s\n", d->seed, d->config,
           d->ref ? " against the default" : "");

    Rng rng = { d->seed * 0x9E3779B97F4A7C15ull | 1 };
    DiffCase *c = &d->c;
    uint64_t failed = 0, i;
    time_t start = time(NULL);
    for (i = 0; seconds > 0 ? difftime(time(NULL), start) < seconds : i < ncases; i++) {
        char why[256];
        c->index = i;
        if (d->mode64)
            diff_gen_case64(&rng, c);
        else
            diff_gen_case(&rng, c);
        if (d->histogram)
            count_mnemonics(d, c);
        run_sides(d, c, &d->h, &d->y);
        if (!compare_sides(d, c, c->ninsns, &d->h, &d->y, why, sizeof(why))) {
            failed++;
            report_failure(d, c);
        }
    }
    if (d->histogram) {
        qsort(d->hist, d->nhist, sizeof(Group), group_cmp);
        printf("generated instructions by mnemonic:\n");
        for (int g = 0; g < d->nhist; g++)
            printf("  %-12s %8" PRIu64 "%s", d->hist[g].name, d->hist[g].count,
                   g % 4 == 3 ? "\n" : "");
        printf("\n");
    }
    if (failed) {
        qsort(d->groups, d->ngroups, sizeof(Group), group_cmp);
        printf("failures by first differing instruction (mnemonic: count, example case):\n");
        for (int g = 0; g < d->ngroups; g++)
            printf("  %-12s %8" PRIu64 "  case %" PRIu64 "\n", d->groups[g].name,
                   d->groups[g].count, d->groups[g].example);
        printf("FAIL: %s (%" PRIu64 " of %" PRIu64 " cases differ; seed %" PRIu64 ")\n",
               test_name(d), failed, i, d->seed);
    } else {
        printf("PASS: %s (%" PRIu64 " cases, seed %" PRIu64 ", %s%s)\n",
               test_name(d), i, d->seed, d->config, d->ref ? " vs default" : "");
    }
    /* The sanitizer build checks for leaks at exit. */
    diff_guest_free(d->guest);
    diff_guest_free(d->ref);
    cs_close(&d->cs);
    free(d);
    return failed ? 1 : 0;
}
