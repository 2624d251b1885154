/* Decoder and executor fuzzing: random byte strings decoded and executed in
 * a flat 32-bit protected-mode setup and in real mode, each with an
 * IDT/IVT whose handlers are HLTs.  Whatever the bytes do (fault, switch
 * modes, wander off, triple-fault), nothing may crash; run it under
 * `make check-asan` for memory errors.
 *
 * Environment: YL_FUZZ_SEED (0: from the clock), YL_FUZZ_CASES (per mode),
 * YL_FUZZ_SECONDS (run for that long instead).  `make fuzz` sets them. */
#include <check.h>
#include <stdio.h>
#include <time.h>

#include "tests/diff/diff.h"
#include "tests/diff/harness.h"
/* After x86.h: unistd.h's F_LOCK macro clashes with its table flag. */
#include <unistd.h>

#define RAM (1u << 20)
#define GDT 0x500u
#define IDT 0x600u
#define HANDLERS 0x800u
#define STACK 0x9000u
#define CODE 0x10000u
#define CODE_BYTES 48
#define RUN_NS 2000000ll

typedef struct Fuzz {
    uint64_t seed, cases;
    double seconds;
} Fuzz;

static uint64_t env_u64(const char *name, uint64_t dflt)
{
    const char *v = getenv(name);
    return v && *v ? strtoull(v, NULL, 0) : dflt;
}

static Fuzz fuzz_params(void)
{
    Fuzz f = {
        .seed = env_u64("YL_FUZZ_SEED", 12345),
        .cases = env_u64("YL_FUZZ_CASES", 3000),
        .seconds = (double)env_u64("YL_FUZZ_SECONDS", 0),
    };
    if (f.seed == 0)
        f.seed = (uint64_t)time(NULL) ^ (uint64_t)getpid() << 20;
    return f;
}

/* Bytes that make the decoder work: prefixes, escapes, groups, x87. */
static uint8_t fuzz_byte(Rng *r)
{
    static const uint8_t hot[] = {
        0x66, 0x67, 0xf0, 0xf2, 0xf3, 0x26, 0x2e, 0x36, 0x3e, 0x64, 0x65, 0x0f, 0x0f,
        0x80, 0x81, 0x83, 0x8f, 0xc0, 0xc1, 0xc6, 0xc7, 0xd0, 0xd3, 0xf6, 0xf7, 0xfe,
        0xff, 0xd8, 0xd9, 0xda, 0xdb, 0xdc, 0xdd, 0xde, 0xdf, 0x01, 0x00, 0xba, 0xc7,
        0x04, 0x05, 0x44, 0x84, 0x24, 0x25, 0xe4, 0xc4, 0xcc, 0xcd, 0xcf, 0x9d, 0xa5,
    };
    if (rng_below(r, 3))
        return (uint8_t)rng_next(r);
    return hot[rng_below(r, sizeof(hot))];
}

static void real_ivt(Harness *h)
{
    uint8_t *ivt = harness_ram(h, 0);
    for (int v = 0; v < 256; v++) {
        uint16_t off = HANDLERS + v;
        ivt[4 * v] = off;
        ivt[4 * v + 1] = off >> 8;
        ivt[4 * v + 2] = 0;
        ivt[4 * v + 3] = 0;
        harness_ram(h, HANDLERS)[v] = 0xf4;
    }
}

static int run_case(Harness *h, Rng *r, bool prot)
{
    X86CPU *cpu = h->cpu;
    x86_cpu_reset(cpu);
    if (prot) {
        harness_flat32(h);
        harness_flat_tables(h, GDT, IDT, HANDLERS);
    } else {
        harness_real_mode(h);
        real_ivt(h);
        cpu->idt.base = 0;
        cpu->idt.limit = 0x3ff;
        x86_load_seg_raw(cpu, R_CS, CODE >> 4, CODE, 0xffff, HARNESS_CODE16);
    }
    uint8_t *code = harness_ram(h, CODE);
    for (int i = 0; i < CODE_BYTES; i++)
        code[i] = fuzz_byte(r);
    memset(code + CODE_BYTES, 0xf4, 16);
    /* The last case's code may have written anywhere (handlers, tables)
     * and blocks of it may be cached; the harness rewrote RAM behind the
     * TLB, so every block must go. */
    if (h->m->as.code_write)
        h->m->as.code_write(h->m->as.code_write_opaque, 0, RAM);
    for (int i = 0; i < 8; i++)
        cpu->regs[i] = rng_below(r, 4) ? (uint32_t)rng_next(r) : rng_below(r, RAM);
    cpu->regs[R_ESP] = STACK;
    x86_set_eflags(cpu, 0x2 | (rng_next(r) & 0x8d5) | (rng_below(r, 8) ? 0 : 0x400), ~0u);
    cpu->rip = prot ? CODE : 0;
    return harness_run(h, RUN_NS);
}

static void fuzz_mode(bool prot)
{
    Fuzz f = fuzz_params();
    Harness h;
    ck_assert_int_eq(harness_init(&h, 0, RAM), 0);
    Rng r = { f.seed * 0x9E3779B97F4A7C15ull + (prot ? 1 : 2) };
    long outcome[3] = { 0 };
    time_t start = time(NULL);
    uint64_t n;
    for (n = 0; f.seconds > 0 ? difftime(time(NULL), start) < f.seconds : n < f.cases; n++)
        outcome[run_case(&h, &r, prot)]++;
    fprintf(stderr, "decoder fuzz (%s, seed %llu): %llu cases: %ld halted, %ld ran out of "
                    "time, %ld triple faults\n", prot ? "flat 32-bit" : "real mode",
            (unsigned long long)f.seed, (unsigned long long)n, outcome[HARNESS_HALTED],
            outcome[HARNESS_TIMEOUT], outcome[HARNESS_RESET]);
    /* Most random code faults or reaches a HLT quickly: if not, the setup
     * (not the CPU) is broken and the run tested nothing. */
    harness_free(&h);
    ck_assert_int_gt(outcome[HARNESS_HALTED], (long)n / 2);
}

START_TEST(test_fuzz_flat32)
{
    fuzz_mode(true);
}
END_TEST

START_TEST(test_fuzz_real)
{
    fuzz_mode(false);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("decoder-fuzz");
    TCase *tc = tcase_create("fuzz");
    Fuzz f = fuzz_params();
    tcase_set_timeout(tc, f.seconds > 0 ? f.seconds * 2 + 60 : 300);
    tcase_add_test(tc, test_fuzz_flat32);
    tcase_add_test(tc, test_fuzz_real);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_ENV);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
