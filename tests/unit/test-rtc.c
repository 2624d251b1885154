/* The MC146818 RTC/CMOS through ports 0x70/0x71 on a stepped clock. */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "hw/pc.h"
#include "yl/machine.h"

typedef struct Fixture {
    Machine m;
    int level, edges;
} Fixture;

static void irq8(void *opaque, int n, int level)
{
    Fixture *f = opaque;
    if (level && !f->level)
        f->edges++;
    f->level = level;
}

static Fixture *setup_props(const char *props, uint64_t ram)
{
    Fixture *f = calloc(1, sizeof(*f));
    char err[160];
    machine_init(&f->m);
    clock_stop(&f->m.clock);
    ck_assert_int_eq(as_alloc_ram(&f->m.as, ram), 0);
    irq_init(&f->m.isa_irq[8], irq8, f, 8);
    ck_assert_msg(machine_create_device(&f->m, "mc146818rtc", props, err, sizeof(err)),
                  "%s", err);
    return f;
}

static Fixture *setup(void)
{
    return setup_props("base=2006-06-17T16:01:21", 128 << 20);
}

static void teardown(Fixture *f)
{
    machine_destroy(&f->m);
    free(f);
}

static uint8_t cmos(Fixture *f, uint8_t idx)
{
    ioport_write(&f->m.io, 0x70, idx | 0x80, 1);    /* NMI masked, as BIOSes do */
    return ioport_read(&f->m.io, 0x71, 1);
}

static void cmos_w(Fixture *f, uint8_t idx, uint8_t v)
{
    ioport_write(&f->m.io, 0x70, idx, 1);
    ioport_write(&f->m.io, 0x71, v, 1);
}

static void step(Fixture *f, int64_t ns)
{
    clock_advance(&f->m.clock, ns);
    clock_run_timers(&f->m.clock);
}

START_TEST(test_base_date_bcd_24h)
{
    Fixture *f = setup();
    ck_assert_uint_eq(cmos(f, 0x0b) & 0x06, 0x02);     /* BCD, 24 hour */
    ck_assert_uint_eq(cmos(f, 0x09), 0x06);
    ck_assert_uint_eq(cmos(f, 0x32), 0x20);
    ck_assert_uint_eq(cmos(f, 0x08), 0x06);
    ck_assert_uint_eq(cmos(f, 0x07), 0x17);
    ck_assert_uint_eq(cmos(f, 0x06), 0x07);             /* a Saturday */
    ck_assert_uint_eq(cmos(f, 0x04), 0x16);
    ck_assert_uint_eq(cmos(f, 0x02), 0x01);
    ck_assert_uint_eq(cmos(f, 0x00), 0x21);
    step(f, 40 * 1000000000ll);
    ck_assert_uint_eq(cmos(f, 0x02), 0x02);
    ck_assert_uint_eq(cmos(f, 0x00), 0x01);
    ck_assert_uint_eq(cmos(f, 0x0d), 0x80);             /* VRT */
    teardown(f);
}
END_TEST

START_TEST(test_binary_and_12h)
{
    Fixture *f = setup();
    cmos_w(f, 0x0b, 0x04);              /* binary, 12 hour */
    ck_assert_uint_eq(cmos(f, 0x04), 0x80 | 4);         /* 4 PM */
    ck_assert_uint_eq(cmos(f, 0x00), 21);
    /* Set 09:30:00 AM through the SET bit. */
    cmos_w(f, 0x0b, 0x84);
    cmos_w(f, 0x04, 9);
    cmos_w(f, 0x02, 30);
    cmos_w(f, 0x00, 0);
    step(f, 5 * 1000000000ll);
    ck_assert_uint_eq(cmos(f, 0x00), 0);                /* frozen while SET */
    cmos_w(f, 0x0b, 0x06);              /* binary, 24 hour, running */
    step(f, 3 * 1000000000ll);
    ck_assert_uint_eq(cmos(f, 0x04), 9);
    ck_assert_uint_eq(cmos(f, 0x02), 30);
    ck_assert_uint_eq(cmos(f, 0x00), 3);
    teardown(f);
}
END_TEST

START_TEST(test_uip_before_update)
{
    Fixture *f = setup();
    ck_assert_uint_eq(cmos(f, 0x0a), 0x26);
    step(f, 1000000000ll - 100000);     /* inside the 244 us update window */
    ck_assert_uint_eq(cmos(f, 0x0a), 0xa6);
    step(f, 200000);
    ck_assert_uint_eq(cmos(f, 0x0a), 0x26);
    teardown(f);
}
END_TEST

START_TEST(test_periodic_irq_and_reg_c)
{
    Fixture *f = setup();
    cmos_w(f, 0x0a, 0x26);              /* 1024 Hz */
    cmos(f, 0x0c);
    cmos_w(f, 0x0b, 0x42);              /* PIE */
    step(f, 1000000000ll / 1024 + 1000);
    ck_assert_int_eq(f->level, 1);
    ck_assert_int_eq(f->edges, 1);
    uint8_t c = cmos(f, 0x0c);
    ck_assert_uint_eq(c & 0xc0, 0xc0);
    ck_assert_int_eq(f->level, 0);      /* reading C acknowledges */
    ck_assert_uint_eq(cmos(f, 0x0c) & 0x80, 0);
    /* Ten more periods, acknowledged each time: ten more edges. */
    for (int i = 0; i < 10; i++) {
        step(f, 1000000000ll / 1024);
        cmos(f, 0x0c);
    }
    ck_assert_int_eq(f->edges, 11);
    cmos_w(f, 0x0b, 0x02);
    step(f, 1000000000ll / 100);
    ck_assert_int_eq(f->level, 0);
    ck_assert_uint_eq(cmos(f, 0x0c) & 0xc0, 0x40);      /* flag only */
    teardown(f);
}
END_TEST

START_TEST(test_update_and_alarm_irq)
{
    Fixture *f = setup();
    cmos(f, 0x0c);
    cmos_w(f, 0x01, 0x25);              /* alarm at hh:mm:25 (BCD), */
    cmos_w(f, 0x03, 0xc0);              /* any minute, */
    cmos_w(f, 0x05, 0xff);              /* any hour */
    cmos_w(f, 0x0b, 0x22);              /* AIE only */
    step(f, 3 * 1000000000ll);
    ck_assert_int_eq(f->edges, 0);
    step(f, 1000000000ll + 1000);       /* :25 */
    ck_assert_int_eq(f->edges, 1);
    ck_assert_uint_eq(cmos(f, 0x0c) & 0xb0, 0xb0);      /* IRQF, AF, UF */
    cmos_w(f, 0x0b, 0x12);              /* UIE */
    step(f, 1000000000ll);
    ck_assert_int_eq(f->edges, 2);
    ck_assert_uint_eq(cmos(f, 0x0c) & 0x90, 0x90);
    teardown(f);
}
END_TEST

START_TEST(test_nvram_pc_contents)
{
    Fixture *f = setup_props("", 32 << 20);
    ck_assert_uint_eq(cmos(f, 0x15) | cmos(f, 0x16) << 8, 640);
    ck_assert_uint_eq(cmos(f, 0x17) | cmos(f, 0x18) << 8, 31 * 1024);
    ck_assert_uint_eq(cmos(f, 0x30) | cmos(f, 0x31) << 8, 31 * 1024);
    ck_assert_uint_eq(cmos(f, 0x34) | cmos(f, 0x35) << 8, (16 << 20) >> 16);
    ck_assert_uint_eq(cmos(f, 0x5b) | cmos(f, 0x5c) << 8 | cmos(f, 0x5d) << 16, 0);
    ck_assert_uint_eq(cmos(f, 0x5f), 0);
    ck_assert_uint_eq(cmos(f, 0x3d), 0x12);             /* hard disk, floppy, */
    ck_assert_uint_eq(cmos(f, 0x38) & 0xf0, 0x30);      /* CD-ROM */
    ck_assert_uint_eq(cmos(f, 0x10), 0);
    unsigned sum = 0;
    for (int i = 0x10; i <= 0x2d; i++)
        sum += cmos(f, i);
    ck_assert_uint_eq(cmos(f, 0x2e) << 8 | cmos(f, 0x2f), sum);
    ck_assert_int_eq(rtc_cmos_set(&f->m, 0x12, 0xf0), 0);
    ck_assert_uint_eq(cmos(f, 0x2e) << 8 | cmos(f, 0x2f), sum + 0xf0);
    teardown(f);
}
END_TEST

START_TEST(test_nvram_high_memory)
{
    Fixture *f = setup_props("", 4ull << 30);   /* 3.5 GiB low, 512 MiB high */
    ck_assert_uint_eq(cmos(f, 0x34) | cmos(f, 0x35) << 8, (0xe0000000u - (16u << 20)) >> 16);
    ck_assert_uint_eq(cmos(f, 0x5b) | cmos(f, 0x5c) << 8 | cmos(f, 0x5d) << 16,
                      (512u << 20) >> 16);
    teardown(f);
}
END_TEST

START_TEST(test_bad_base_rejected)
{
    Machine m;
    char err[160];
    machine_init(&m);
    ck_assert_ptr_null(machine_create_device(&m, "mc146818rtc", "base=yesterday",
                                             err, sizeof(err)));
    ck_assert_ptr_nonnull(strstr(err, "base=yesterday"));
    machine_destroy(&m);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("mc146818rtc");
    TCase *tc = tcase_create("rtc");
    tcase_add_test(tc, test_base_date_bcd_24h);
    tcase_add_test(tc, test_binary_and_12h);
    tcase_add_test(tc, test_uip_before_update);
    tcase_add_test(tc, test_periodic_irq_and_reg_c);
    tcase_add_test(tc, test_update_and_alarm_irq);
    tcase_add_test(tc, test_nvram_pc_contents);
    tcase_add_test(tc, test_nvram_high_memory);
    tcase_add_test(tc, test_bad_base_rejected);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_ENV);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
