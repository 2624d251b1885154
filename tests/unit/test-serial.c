/* The 16550A through the port space: output to a file chardev, input fed
 * through the chardev front end, interrupts, FIFO, loopback. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "yl/machine.h"

typedef struct Fixture {
    Machine m;
    int level;
    Chardev *chr;
    char path[64];
} Fixture;

static void irq4(void *opaque, int n, int level) { ((Fixture *)opaque)->level = level; }
static uint8_t in(Fixture *f, int reg) { return ioport_read(&f->m.io, 0x3f8 + reg, 1); }
static void out(Fixture *f, int reg, uint8_t v) { ioport_write(&f->m.io, 0x3f8 + reg, v, 1); }

static Fixture *setup(void)
{
    Fixture *f = calloc(1, sizeof(*f));
    char err[160], spec[80];
    machine_init(&f->m);
    clock_stop(&f->m.clock);
    irq_init(&f->m.isa_irq[4], irq4, f, 4);
    snprintf(f->path, sizeof(f->path), "/tmp/yl-test-serial-%d", (int)getpid());
    snprintf(spec, sizeof(spec), "file:%s", f->path);
    f->chr = chardev_new_spec(spec, "c0", err, sizeof(err));
    ck_assert_ptr_nonnull(f->chr);
    ck_assert_int_eq(machine_add_chardev(&f->m, f->chr, err, sizeof(err)), 0);
    ck_assert_ptr_nonnull(machine_create_device(&f->m, "isa-serial", "chardev=c0",
                                                err, sizeof(err)));
    return f;
}

static void teardown(Fixture *f)
{
    machine_destroy(&f->m);
    unlink(f->path);
    free(f);
}

static void feed(Fixture *f, const char *s)
{
    int room = f->chr->can_read(f->chr->opaque);
    int n = strlen(s) < (size_t)room ? (int)strlen(s) : room;
    f->chr->read(f->chr->opaque, (const uint8_t *)s, n);
}

START_TEST(test_transmit)
{
    Fixture *f = setup();
    ck_assert_uint_eq(in(f, 5) & 0x60, 0x60);   /* THRE and TEMT */
    out(f, 0, 'h');
    out(f, 0, 'i');
    char buf[8] = { 0 };
    FILE *fp = fopen(f->path, "r");
    ck_assert_ptr_nonnull(fp);
    ck_assert_int_eq(fread(buf, 1, sizeof(buf), fp), 2);
    fclose(fp);
    ck_assert_str_eq(buf, "hi");
    teardown(f);
}
END_TEST

START_TEST(test_divisor_and_scratch)
{
    Fixture *f = setup();
    out(f, 3, 0x83);                    /* DLAB, 8N1 */
    out(f, 0, 0x01);
    out(f, 1, 0x00);                    /* 115200 */
    ck_assert_uint_eq(in(f, 0), 0x01);
    ck_assert_uint_eq(in(f, 1), 0x00);
    out(f, 3, 0x03);
    ck_assert_uint_eq(in(f, 3), 0x03);
    ck_assert_uint_eq(in(f, 1), 0x00);  /* IER again */
    out(f, 7, 0x5a);
    ck_assert_uint_eq(in(f, 7), 0x5a);
    teardown(f);
}
END_TEST

START_TEST(test_receive_interrupts)
{
    Fixture *f = setup();
    out(f, 1, 0x01);                    /* RDA interrupt */
    ck_assert_uint_eq(in(f, 2), 0x01);  /* none pending */
    ck_assert_int_eq(f->level, 0);
    ck_assert_int_eq(f->chr->can_read(f->chr->opaque), 1);   /* no FIFO: one byte */
    feed(f, "a");
    ck_assert_int_eq(f->level, 1);
    ck_assert_uint_eq(in(f, 2), 0x04);
    ck_assert_uint_eq(in(f, 5) & 1, 1);
    ck_assert_uint_eq(in(f, 0), 'a');
    ck_assert_int_eq(f->level, 0);
    ck_assert_uint_eq(in(f, 5) & 1, 0);
    teardown(f);
}
END_TEST

START_TEST(test_thre_interrupt)
{
    Fixture *f = setup();
    out(f, 1, 0x02);                    /* enabling it with THR empty fires */
    ck_assert_int_eq(f->level, 1);
    ck_assert_uint_eq(in(f, 2), 0x02);  /* reading IIR clears it */
    ck_assert_int_eq(f->level, 0);
    ck_assert_uint_eq(in(f, 2), 0x01);
    out(f, 0, 'x');                     /* sent at once: empty again */
    ck_assert_int_eq(f->level, 1);
    teardown(f);
}
END_TEST

START_TEST(test_fifo_trigger_and_timeout)
{
    Fixture *f = setup();
    out(f, 2, 0x81);                    /* FIFO on, trigger 8 */
    out(f, 1, 0x01);
    ck_assert_int_eq(f->chr->can_read(f->chr->opaque), 16);
    feed(f, "abc");
    ck_assert_int_eq(f->level, 0);      /* below the trigger level */
    ck_assert_uint_eq(in(f, 2), 0xc1);
    clock_advance(&f->m.clock, 100000000);  /* 4 characters at 9600 baud passed */
    clock_run_timers(&f->m.clock);
    ck_assert_int_eq(f->level, 1);
    ck_assert_uint_eq(in(f, 2), 0xcc);  /* character timeout */
    feed(f, "defgh");
    ck_assert_uint_eq(in(f, 2), 0xc4);  /* 8 bytes: RDA */
    for (const char *p = "abcdefgh"; *p; p++)
        ck_assert_uint_eq(in(f, 0), *p);
    ck_assert_int_eq(f->level, 0);
    /* Overrun: the 17th byte is lost and LSR says so once. */
    for (int i = 0; i < 17; i++)
        f->chr->read(f->chr->opaque, (const uint8_t *)"z", 1);
    ck_assert_uint_eq(in(f, 5) & 0x03, 0x03);
    ck_assert_uint_eq(in(f, 5) & 0x02, 0x00);
    out(f, 2, 0x83);                    /* clear the receive FIFO */
    ck_assert_uint_eq(in(f, 5) & 1, 0);
    teardown(f);
}
END_TEST

START_TEST(test_loopback)
{
    Fixture *f = setup();
    out(f, 4, 0x10 | 0x0b);             /* loop, OUT2, RTS, DTR */
    ck_assert_uint_eq(in(f, 6) & 0xf0, 0x80 | 0x20 | 0x10);   /* DCD DSR CTS */
    out(f, 0, 'L');
    ck_assert_uint_eq(in(f, 5) & 1, 1);
    ck_assert_uint_eq(in(f, 0), 'L');
    FILE *fp = fopen(f->path, "r");
    fseek(fp, 0, SEEK_END);
    ck_assert_int_eq(ftell(fp), 0);     /* nothing went out */
    fclose(fp);
    teardown(f);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("serial");
    TCase *tc = tcase_create("serial");
    tcase_add_test(tc, test_transmit);
    tcase_add_test(tc, test_divisor_and_scratch);
    tcase_add_test(tc, test_receive_interrupts);
    tcase_add_test(tc, test_thre_interrupt);
    tcase_add_test(tc, test_fifo_trigger_and_timeout);
    tcase_add_test(tc, test_loopback);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_ENV);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
