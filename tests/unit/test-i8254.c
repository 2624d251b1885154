/* The 8254 PIT driven through the port space on a stepped clock. */
#include <check.h>
#include <stdlib.h>

#include "yl/machine.h"

typedef struct Fixture {
    Machine m;
    int level, edges;
} Fixture;

static void irq0(void *opaque, int n, int level)
{
    Fixture *f = opaque;
    if (level && !f->level)
        f->edges++;
    f->level = level;
}

static uint8_t in(Fixture *f, uint16_t port) { return ioport_read(&f->m.io, port, 1); }
static void out(Fixture *f, uint16_t port, uint8_t v) { ioport_write(&f->m.io, port, v, 1); }

/* Just enough nanoseconds for exactly `ticks` PIT clocks to pass. */
static void advance_ticks(Fixture *f, int64_t ticks)
{
    clock_advance(&f->m.clock, (ticks * 1000000000 + 1193181) / 1193182);
    clock_run_timers(&f->m.clock);
}

static Fixture *setup(void)
{
    Fixture *f = calloc(1, sizeof(*f));
    char err[128];
    machine_init(&f->m);
    clock_stop(&f->m.clock);
    irq_init(&f->m.isa_irq[0], irq0, f, 0);
    ck_assert_ptr_nonnull(machine_create_device(&f->m, "i8254", "iobase=0x40,irq=0",
                                                err, sizeof(err)));
    return f;
}

static void teardown(Fixture *f)
{
    machine_destroy(&f->m);
    free(f);
}

static uint16_t latch_read(Fixture *f, int ch)
{
    out(f, 0x43, ch << 6);              /* counter latch command */
    uint8_t lo = in(f, 0x40 + ch);
    return lo | in(f, 0x40 + ch) << 8;
}

START_TEST(test_mode2_counts_and_irqs)
{
    Fixture *f = setup();
    out(f, 0x43, 0x34);                 /* ch0, lo/hi, mode 2, binary */
    out(f, 0x40, 1000 & 0xff);
    out(f, 0x40, 1000 >> 8);
    f->edges = 0;
    ck_assert_uint_eq(latch_read(f, 0), 1000);
    advance_ticks(f, 250);
    ck_assert_uint_eq(latch_read(f, 0), 750);
    for (int i = 0; i < 43; i++)        /* the first period and 10 more */
        advance_ticks(f, 250);
    ck_assert_int_eq(f->edges, 11);
    ck_assert_uint_eq(latch_read(f, 0), 1000);
    /* A main loop far behind gets the pulses it missed coalesced, as the
     * PIC's one IRR bit would, but never none. */
    f->edges = 0;
    advance_ticks(f, 100 * 1000);
    ck_assert_int_ge(f->edges, 1);
    ck_assert_int_le(f->edges, 3);
    teardown(f);
}
END_TEST

START_TEST(test_latch_freezes_value)
{
    Fixture *f = setup();
    out(f, 0x43, 0x34);
    out(f, 0x40, 0x00);
    out(f, 0x40, 0x80);                 /* 0x8000 */
    advance_ticks(f, 0x100);
    out(f, 0x43, 0x00);
    advance_ticks(f, 0x200);            /* the latch keeps the old value */
    ck_assert_uint_eq(in(f, 0x40), 0x00);
    ck_assert_uint_eq(in(f, 0x40), 0x7f);
    /* Without a latch, lo/hi reads alternate on the live count. */
    uint8_t lo = in(f, 0x40), hi = in(f, 0x40);
    ck_assert_uint_eq(lo | hi << 8, 0x8000 - 0x300);
    teardown(f);
}
END_TEST

START_TEST(test_mode0_one_shot)
{
    Fixture *f = setup();
    out(f, 0x43, 0x30);                 /* ch0, lo/hi, mode 0 */
    f->edges = 0;
    out(f, 0x40, 100);
    out(f, 0x40, 0);
    ck_assert_int_eq(f->level, 0);
    advance_ticks(f, 99);
    ck_assert_int_eq(f->level, 0);
    advance_ticks(f, 1);
    ck_assert_int_eq(f->level, 1);
    advance_ticks(f, 100000);
    ck_assert_int_eq(f->edges, 1);      /* once only */
    ck_assert_int_eq(f->level, 1);
    teardown(f);
}
END_TEST

START_TEST(test_readback_status)
{
    Fixture *f = setup();
    out(f, 0x43, 0x36);                 /* ch0, lo/hi, mode 3 */
    out(f, 0x40, 0x10);
    out(f, 0x40, 0x00);                 /* 16 */
    out(f, 0x43, 0xe2);                 /* read-back: status of ch0 only */
    ck_assert_uint_eq(in(f, 0x40), 0x80 | 0x30 | 0x06);    /* OUT high, lo/hi, mode 3 */
    advance_ticks(f, 4);                /* mode 3 counts by two */
    out(f, 0x43, 0xc2);                 /* count and status */
    ck_assert_uint_eq(in(f, 0x40), 0x80 | 0x36);   /* status first */
    ck_assert_uint_eq(in(f, 0x40), 8);
    ck_assert_uint_eq(in(f, 0x40), 0);
    advance_ticks(f, 4);                /* second half of the period: OUT low */
    out(f, 0x43, 0xe2);
    ck_assert_uint_eq(in(f, 0x40) & 0x80, 0);
    /* Null count right after a control word, before the count is written. */
    out(f, 0x43, 0x74);                 /* ch1, lo/hi, mode 2 */
    out(f, 0x43, 0xe4);
    ck_assert_uint_eq(in(f, 0x41), 0x40 | 0x80 | 0x34);
    teardown(f);
}
END_TEST

START_TEST(test_bcd)
{
    Fixture *f = setup();
    out(f, 0x43, 0x31);                 /* ch0, lo/hi, mode 0, BCD */
    out(f, 0x40, 0x00);
    out(f, 0x40, 0x10);                 /* 1000 */
    advance_ticks(f, 123);
    ck_assert_uint_eq(latch_read(f, 0), 0x0877);
    teardown(f);
}
END_TEST

START_TEST(test_lsb_only_and_msb_only)
{
    Fixture *f = setup();
    out(f, 0x43, 0x14);                 /* ch0, LSB only, mode 2 */
    out(f, 0x40, 200);
    advance_ticks(f, 50);
    ck_assert_uint_eq(in(f, 0x40), 150);
    out(f, 0x43, 0x24);                 /* MSB only */
    out(f, 0x40, 0x02);                 /* 0x200 */
    advance_ticks(f, 0x100);
    ck_assert_uint_eq(in(f, 0x40), 0x01);
    teardown(f);
}
END_TEST

START_TEST(test_port61_channel2)
{
    Fixture *f = setup();
    out(f, 0x61, 0x00);                 /* gate off */
    out(f, 0x43, 0xb0);                 /* ch2, lo/hi, mode 0 */
    out(f, 0x42, 50);
    out(f, 0x42, 0);
    advance_ticks(f, 100);
    ck_assert_uint_eq(in(f, 0x61) & 0x20, 0);   /* gate low: not counting */
    ck_assert_uint_eq(latch_read(f, 2), 50);
    out(f, 0x61, 0x01);                 /* gate on */
    ck_assert_uint_eq(in(f, 0x61) & 0x03, 0x01);
    advance_ticks(f, 20);
    out(f, 0x61, 0x00);                 /* paused at 30 */
    advance_ticks(f, 1000);
    ck_assert_uint_eq(latch_read(f, 2), 30);
    out(f, 0x61, 0x01);
    advance_ticks(f, 29);
    ck_assert_uint_eq(in(f, 0x61) & 0x20, 0);
    advance_ticks(f, 1);
    ck_assert_uint_eq(in(f, 0x61) & 0x20, 0x20); /* OUT2 at terminal count */
    /* The refresh bit toggles with time. */
    int t0 = in(f, 0x61) & 0x10;
    clock_advance(&f->m.clock, 15085);
    ck_assert_int_ne(in(f, 0x61) & 0x10, t0);
    teardown(f);
}
END_TEST

START_TEST(test_reset_runs_ch0)
{
    Fixture *f = setup();
    f->edges = 0;
    advance_ticks(f, 65536 * 3);        /* mode 3, 65536: 18.2 Hz */
    ck_assert_int_eq(f->edges, 3);
    teardown(f);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("i8254");
    TCase *tc = tcase_create("i8254");
    tcase_add_test(tc, test_mode2_counts_and_irqs);
    tcase_add_test(tc, test_latch_freezes_value);
    tcase_add_test(tc, test_mode0_one_shot);
    tcase_add_test(tc, test_readback_status);
    tcase_add_test(tc, test_bcd);
    tcase_add_test(tc, test_lsb_only_and_msb_only);
    tcase_add_test(tc, test_port61_channel2);
    tcase_add_test(tc, test_reset_runs_ch0);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_ENV);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
