/* The HPET through its MMIO registers on a stopped clock: capabilities,
 * the main counter, one-shot/periodic/32-bit comparators, level interrupts
 * with the status register, and the legacy replacement route. */
#include <check.h>
#include <stdlib.h>

#include "yl/apic.h"
#include "yl/machine.h"

#define H HPET_ADDRESS
#define TCFG(n) (0x100 + 0x20 * (n))
#define TCMP(n) (0x108 + 0x20 * (n))

typedef struct Fixture {
    Machine m;
    int level[32], edges[32];   /* 0-15: ISA IRQs, 16+: GSI 16.. */
    int64_t stall_ns;           /* the next rising edge takes this long */
} Fixture;

static void line_cb(void *opaque, int n, int level)
{
    Fixture *f = opaque;
    if (level && !f->level[n]) {
        f->edges[n]++;
        clock_advance(&f->m.clock, f->stall_ns);
        f->stall_ns = 0;
    }
    f->level[n] = level;
}

static Fixture *setup(void)
{
    Fixture *f = calloc(1, sizeof(*f));
    char err[160];
    machine_init(&f->m);
    clock_stop(&f->m.clock);
    irq_init(&f->m.isa_irq[0], line_cb, f, 0);
    irq_init(&f->m.isa_irq[8], line_cb, f, 8);
    for (int i = 16; i < 24; i++)
        irq_init(&f->m.gsi[i], line_cb, f, i);
    ck_assert_ptr_nonnull(machine_create_device(&f->m, "hpet", "", err, sizeof(err)));
    return f;
}

static void teardown(Fixture *f)
{
    machine_destroy(&f->m);
    free(f);
}

static uint64_t rd64(Fixture *f, uint32_t off) { return phys_read(&f->m.as, H + off, 8); }
static uint32_t rd32(Fixture *f, uint32_t off) { return phys_read(&f->m.as, H + off, 4); }
static void wr64(Fixture *f, uint32_t off, uint64_t v) { phys_write(&f->m.as, H + off, v, 8); }
static void wr32(Fixture *f, uint32_t off, uint32_t v) { phys_write(&f->m.as, H + off, v, 4); }

static void advance(Fixture *f, int64_t ns)
{
    clock_advance(&f->m.clock, ns);
    clock_run_timers(&f->m.clock);
}

START_TEST(test_capabilities)
{
    Fixture *f = setup();
    ck_assert_uint_eq(rd32(f, 0x0), 0x8086a201u);
    ck_assert_uint_eq(rd32(f, 0x4), 100000000u);
    ck_assert_uint_eq(rd64(f, 0x0), 0x05f5e1008086a201ull);
    ck_assert_uint_eq(rd64(f, TCFG(0)), 0x00f0000000000030ull);
    ck_assert_uint_eq(rd64(f, TCFG(1)), 0x00f0000000000020ull);
    ck_assert_uint_eq(rd64(f, TCFG(2)), 0x00f0000000000020ull);
    ck_assert_uint_eq(rd64(f, TCMP(0)), UINT64_MAX);
    ck_assert_uint_eq(rd64(f, 0x10), 0);
    /* Capability bits do not change; timer 1 cannot be periodic */
    wr64(f, TCFG(1), ~0ull);
    ck_assert_uint_eq(rd64(f, TCFG(1)) & 0x18, 0);
    /* A route outside the capability mask is ignored */
    wr32(f, TCFG(2), 5 << 9);
    ck_assert_uint_eq(rd32(f, TCFG(2)) & (0x1f << 9), 0);
    wr32(f, TCFG(2), 22 << 9);
    ck_assert_uint_eq(rd32(f, TCFG(2)) & (0x1f << 9), 22 << 9);
    teardown(f);
}
END_TEST

START_TEST(test_main_counter)
{
    Fixture *f = setup();
    advance(f, 1000);
    ck_assert_uint_eq(rd64(f, 0xf0), 0);            /* halted */
    wr32(f, 0x10, 1);
    advance(f, 1000);
    ck_assert_uint_eq(rd64(f, 0xf0), 10);           /* 10 MHz */
    advance(f, 99);
    ck_assert_uint_eq(rd32(f, 0xf0), 10);
    advance(f, 1);
    ck_assert_uint_eq(rd32(f, 0xf0), 11);
    wr32(f, 0x10, 0);
    advance(f, 5000);
    ck_assert_uint_eq(rd64(f, 0xf0), 11);           /* frozen */
    wr64(f, 0xf0, 0x123456789ull);
    ck_assert_uint_eq(rd32(f, 0xf4), 0x1);
    wr32(f, 0x10, 1);
    advance(f, 200);
    ck_assert_uint_eq(rd64(f, 0xf0), 0x12345678bull);
    teardown(f);
}
END_TEST

START_TEST(test_oneshot)
{
    Fixture *f = setup();
    wr32(f, TCFG(2), (20 << 9) | 0x4);              /* GSI 20, edge, enabled */
    wr64(f, TCMP(2), 50);
    wr32(f, 0x10, 1);
    advance(f, 4999);
    ck_assert_int_eq(f->edges[20], 0);
    advance(f, 1);
    ck_assert_int_eq(f->edges[20], 1);
    ck_assert_int_eq(f->level[20], 0);              /* a pulse */
    advance(f, 1000000);
    ck_assert_int_eq(f->edges[20], 1);              /* 64-bit: once */
    /* A comparator behind the counter does not match */
    wr64(f, TCMP(2), 10);
    advance(f, 1000000);
    ck_assert_int_eq(f->edges[20], 1);
    /* Interrupts disabled: the comparator matches, nothing is sent */
    wr32(f, TCFG(2), 20 << 9);
    wr64(f, TCMP(2), rd64(f, 0xf0) + 10);
    advance(f, 2000);
    ck_assert_int_eq(f->edges[20], 1);       /* still the first one */
    teardown(f);
}
END_TEST

START_TEST(test_periodic_legacy)
{
    Fixture *f = setup();
    /* Legacy replacement: the PIT's IRQ0 and the RTC's IRQ8 are cut off */
    irq_raise(&f->m.isa_irq[0]);
    ck_assert_int_eq(f->level[0], 1);               /* passes before */
    wr32(f, 0x10, 0x2);
    ck_assert_int_eq(f->level[0], 0);
    irq_lower(&f->m.isa_irq[0]);
    irq_raise(&f->m.isa_irq[0]);
    irq_raise(&f->m.isa_irq[8]);
    ck_assert_int_eq(f->edges[0], 1);
    ck_assert_int_eq(f->edges[8], 0);
    irq_lower(&f->m.isa_irq[0]);
    irq_lower(&f->m.isa_irq[8]);
    /* Timer 0 periodic every 100 ticks (10 us), as Linux programs it:
     * 32-bit mode, so the upper half of the comparator plays no part */
    wr32(f, TCFG(0), 0x14c);                        /* 32MODE | INT_ENB | PERIODIC | VAL_SET */
    wr32(f, TCMP(0), 100);
    wr32(f, TCMP(0), 100);                          /* VAL_SET cleared: the period */
    ck_assert_uint_eq(rd32(f, TCFG(0)) & 0x40, 0);
    wr32(f, 0x10, 0x3);
    f->edges[0] = 0;
    for (int i = 0; i < 55; i++)
        advance(f, 1000);
    ck_assert_int_eq(f->edges[0], 5);
    ck_assert_uint_eq(rd64(f, TCMP(0)), 600);
    /* Far behind: one interrupt, the comparator moves ahead */
    f->edges[0] = 0;
    advance(f, 1000000);
    ck_assert_int_eq(f->edges[0], 1);
    ck_assert_uint_eq(rd64(f, TCMP(0)), 10600);
    /* Timer 1 goes to IRQ8 */
    wr32(f, TCFG(1), 0x4);
    wr64(f, TCMP(1), rd64(f, 0xf0) + 30);
    advance(f, 3000);
    ck_assert_int_eq(f->edges[8], 1);
    /* Leaving legacy mode: the PIT is back, timer 0 goes to its route */
    wr32(f, 0x10, 0x1);
    irq_raise(&f->m.isa_irq[0]);
    ck_assert_int_eq(f->level[0], 1);
    teardown(f);
}
END_TEST

START_TEST(test_level_status)
{
    Fixture *f = setup();
    wr32(f, TCFG(1), (21 << 9) | 0x6);              /* GSI 21, level, enabled */
    wr64(f, TCMP(1), 20);
    wr32(f, 0x10, 1);
    advance(f, 2000);
    ck_assert_int_eq(f->level[21], 1);
    ck_assert_uint_eq(rd32(f, 0x20), 0x2);
    wr32(f, 0x20, 0x1);                             /* other bits: no effect */
    ck_assert_int_eq(f->level[21], 1);
    wr32(f, 0x20, 0x2);                             /* write 1 to clear */
    ck_assert_uint_eq(rd32(f, 0x20), 0);
    ck_assert_int_eq(f->level[21], 0);
    /* With interrupts disabled the status is still set, the line quiet */
    wr32(f, TCFG(1), (21 << 9) | 0x2);
    wr64(f, TCMP(1), rd64(f, 0xf0) + 5);
    advance(f, 500);
    ck_assert_uint_eq(rd32(f, 0x20), 0x2);
    ck_assert_int_eq(f->level[21], 0);
    teardown(f);
}
END_TEST

START_TEST(test_32bit_mode)
{
    Fixture *f = setup();
    wr32(f, TCFG(0), (23 << 9) | 0x104);            /* 32-bit, GSI 23, enabled */
    wr64(f, TCMP(0), 0x500000010ull);
    ck_assert_uint_eq(rd64(f, TCMP(0)), 0x10);      /* upper half dropped */
    wr64(f, 0xf0, 0xfffffff0ull);
    wr32(f, 0x10, 1);
    advance(f, 3100);                               /* 31 ticks: 0x10000000f */
    ck_assert_int_eq(f->edges[23], 0);
    advance(f, 100);                                /* the low half wraps to 0x10 */
    ck_assert_int_eq(f->edges[23], 1);
    ck_assert_uint_eq(rd64(f, 0xf0), 0x100000010ull);
    /* Periodic in 32-bit mode */
    wr32(f, TCFG(0), (23 << 9) | 0x14c);
    wr32(f, TCMP(0), 0x20);
    wr32(f, TCMP(0), 0x10);
    for (int i = 0; i < 3; i++)
        advance(f, 1600);
    ck_assert_int_eq(f->edges[23], 1 + 3);
    /* A 64-bit comparator keeps its upper half on a 32-bit write */
    wr32(f, TCFG(1), 0);
    wr32(f, TCMP(1), 0x1234);
    ck_assert_uint_eq(rd64(f, TCMP(1)), 0xffffffff00001234ull);
    teardown(f);
}
END_TEST

/* The host stalls inside a pulse for longer than a period (nested KVM's
 * KVM_IRQ_LINE did): the 32-bit periodic timer goes on from where the
 * counter is, not from a comparator that a fresh reading finds behind. */
START_TEST(test_periodic_stalled_pulse)
{
    Fixture *f = setup();
    wr32(f, TCFG(0), (23 << 9) | 0x14c);            /* 32-bit, periodic, every 100 ticks */
    wr32(f, TCMP(0), 100);
    wr32(f, TCMP(0), 100);
    wr32(f, 0x10, 1);
    f->stall_ns = 15000;                            /* 1.5 periods */
    advance(f, 10000);
    ck_assert_int_eq(f->edges[23], 1);
    ck_assert_uint_eq(rd64(f, 0xf0), 250);
    advance(f, 10000);                              /* the tick due at 200 */
    ck_assert_int_eq(f->edges[23], 2);
    ck_assert_uint_eq(rd64(f, TCMP(0)), 400);
    advance(f, 10000);
    ck_assert_int_eq(f->edges[23], 3);
    teardown(f);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("hpet");
    TCase *tc = tcase_create("hpet");
    tcase_add_test(tc, test_capabilities);
    tcase_add_test(tc, test_main_counter);
    tcase_add_test(tc, test_oneshot);
    tcase_add_test(tc, test_periodic_legacy);
    tcase_add_test(tc, test_level_status);
    tcase_add_test(tc, test_32bit_mode);
    tcase_add_test(tc, test_periodic_stalled_pulse);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_ENV);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
