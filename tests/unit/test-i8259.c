/* The 8259A pair driven through the port space, with no CPU. */
#include <check.h>
#include <stdlib.h>

#include "yl/machine.h"

typedef struct Fixture {
    Machine m;
    IRQLine intr;
    int intr_level;
} Fixture;

static void intr_cb(void *opaque, int n, int level)
{
    ((Fixture *)opaque)->intr_level = level;
}

static uint8_t in(Fixture *f, uint16_t port) { return ioport_read(&f->m.io, port, 1); }
static void out(Fixture *f, uint16_t port, uint8_t v) { ioport_write(&f->m.io, port, v, 1); }
static int inta(Fixture *f) { return f->m.pic_ack(f->m.pic); }

/* The BIOS's usual setup: vectors 0x08 / 0x70, cascade on IR2, 8086 mode. */
static Fixture *setup(uint8_t icw4)
{
    Fixture *f = calloc(1, sizeof(*f));
    char err[128];
    machine_init(&f->m);
    irq_init(&f->intr, intr_cb, f, 0);
    f->m.cpu_intr = &f->intr;
    ck_assert_ptr_nonnull(machine_create_device(&f->m, "i8259", "", err, sizeof(err)));
    out(f, 0x20, 0x11); out(f, 0x21, 0x08); out(f, 0x21, 0x04); out(f, 0x21, icw4);
    out(f, 0xa0, 0x11); out(f, 0xa1, 0x70); out(f, 0xa1, 0x02); out(f, 0xa1, icw4);
    out(f, 0x21, 0x00);
    out(f, 0xa1, 0x00);
    return f;
}

static void teardown(Fixture *f)
{
    machine_destroy(&f->m);
    free(f);
}

START_TEST(test_irr_isr_eoi)
{
    Fixture *f = setup(0x01);
    ck_assert_int_eq(f->intr_level, 0);
    irq_raise(&f->m.isa_irq[1]);
    ck_assert_int_eq(f->intr_level, 1);
    ck_assert_uint_eq(in(f, 0x20), 0x02);          /* IRR by default */
    ck_assert_int_eq(inta(f), 0x09);
    ck_assert_int_eq(f->intr_level, 0);
    out(f, 0x20, 0x0b);                             /* OCW3: read ISR */
    ck_assert_uint_eq(in(f, 0x20), 0x02);
    out(f, 0x20, 0x0a);                             /* back to IRR */
    ck_assert_uint_eq(in(f, 0x20), 0x00);           /* edge: IRR cleared by INTA */
    out(f, 0x20, 0x20);                             /* non-specific EOI */
    out(f, 0x20, 0x0b);
    ck_assert_uint_eq(in(f, 0x20), 0x00);
    /* Edge triggered: a line held high does not interrupt again. */
    ck_assert_int_eq(f->intr_level, 0);
    irq_lower(&f->m.isa_irq[1]);
    irq_raise(&f->m.isa_irq[1]);
    ck_assert_int_eq(f->intr_level, 1);
    teardown(f);
}
END_TEST

START_TEST(test_priority_and_nesting)
{
    Fixture *f = setup(0x01);
    irq_raise(&f->m.isa_irq[5]);
    ck_assert_int_eq(inta(f), 0x0d);
    irq_raise(&f->m.isa_irq[6]);                    /* lower priority: waits */
    ck_assert_int_eq(f->intr_level, 0);
    irq_raise(&f->m.isa_irq[3]);                    /* higher: nests */
    ck_assert_int_eq(f->intr_level, 1);
    ck_assert_int_eq(inta(f), 0x0b);
    out(f, 0x20, 0x20);                             /* EOI clears IR3 (highest) */
    out(f, 0x20, 0x0b);
    ck_assert_uint_eq(in(f, 0x20), 1 << 5);
    ck_assert_int_eq(f->intr_level, 0);
    out(f, 0x20, 0x65);                             /* specific EOI for IR5 */
    ck_assert_int_eq(f->intr_level, 1);
    ck_assert_int_eq(inta(f), 0x0e);
    teardown(f);
}
END_TEST

START_TEST(test_mask)
{
    Fixture *f = setup(0x01);
    out(f, 0x21, 0x01);
    ck_assert_uint_eq(in(f, 0x21), 0x01);
    irq_raise(&f->m.isa_irq[0]);
    ck_assert_int_eq(f->intr_level, 0);
    ck_assert_uint_eq(in(f, 0x20), 0x01);           /* still requested */
    out(f, 0x21, 0x00);
    ck_assert_int_eq(f->intr_level, 1);
    ck_assert_int_eq(inta(f), 0x08);
    teardown(f);
}
END_TEST

START_TEST(test_cascade)
{
    Fixture *f = setup(0x01);
    irq_raise(&f->m.isa_irq[12]);
    ck_assert_int_eq(f->intr_level, 1);
    ck_assert_int_eq(inta(f), 0x74);
    out(f, 0xa0, 0x0b);
    ck_assert_uint_eq(in(f, 0xa0), 1 << 4);         /* slave ISR */
    out(f, 0x20, 0x0b);
    ck_assert_uint_eq(in(f, 0x20), 1 << 2);         /* master ISR: cascade */
    irq_raise(&f->m.isa_irq[14]);                   /* slave busy with IR4 */
    ck_assert_int_eq(f->intr_level, 0);
    out(f, 0xa0, 0x20);
    out(f, 0x20, 0x20);
    ck_assert_int_eq(f->intr_level, 1);
    ck_assert_int_eq(inta(f), 0x76);
    /* Masking the cascade input hides every slave request. */
    out(f, 0xa0, 0x20);
    out(f, 0x20, 0x20);
    irq_lower(&f->m.isa_irq[14]);
    out(f, 0x21, 0x04);
    irq_raise(&f->m.isa_irq[14]);
    ck_assert_int_eq(f->intr_level, 0);
    teardown(f);
}
END_TEST

START_TEST(test_aeoi)
{
    Fixture *f = setup(0x03);
    irq_raise(&f->m.isa_irq[4]);
    ck_assert_int_eq(inta(f), 0x0c);
    out(f, 0x20, 0x0b);
    ck_assert_uint_eq(in(f, 0x20), 0x00);           /* no ISR bit with AEOI */
    irq_raise(&f->m.isa_irq[6]);
    ck_assert_int_eq(f->intr_level, 1);             /* so lower ones get in */
    teardown(f);
}
END_TEST

START_TEST(test_spurious)
{
    Fixture *f = setup(0x01);
    ck_assert_int_eq(inta(f), 0x0f);                /* nothing pending: IRQ7 */
    out(f, 0x20, 0x0b);
    ck_assert_uint_eq(in(f, 0x20), 0x00);           /* and no ISR bit */
    teardown(f);
}
END_TEST

START_TEST(test_level_elcr)
{
    Fixture *f = setup(0x01);
    out(f, 0x4d1, 0xff);
    ck_assert_uint_eq(in(f, 0x4d1), 0xde);          /* IRQ 8 and 13 stay edge */
    irq_raise(&f->m.isa_irq[11]);
    ck_assert_int_eq(inta(f), 0x73);
    out(f, 0xa0, 0x20);
    out(f, 0x20, 0x20);
    /* Level: still high after EOI, so it asks again. */
    ck_assert_int_eq(f->intr_level, 1);
    irq_lower(&f->m.isa_irq[11]);
    ck_assert_int_eq(f->intr_level, 0);
    teardown(f);
}
END_TEST

START_TEST(test_poll_and_rotate)
{
    Fixture *f = setup(0x01);
    irq_raise(&f->m.isa_irq[3]);
    out(f, 0x20, 0x0c);                             /* OCW3 poll */
    ck_assert_uint_eq(in(f, 0x20), 0x83);
    out(f, 0x20, 0x0b);
    ck_assert_uint_eq(in(f, 0x20), 1 << 3);         /* poll acknowledged it */
    out(f, 0x20, 0xa0);                             /* rotate on non-specific EOI */
    /* IR3 is now lowest: IR4 beats IR2. */
    irq_raise(&f->m.isa_irq[4]);
    irq_raise(&f->m.isa_irq[0]);
    ck_assert_int_eq(inta(f), 0x0c);
    teardown(f);
}
END_TEST

START_TEST(test_special_mask)
{
    Fixture *f = setup(0x01);
    irq_raise(&f->m.isa_irq[2 + 1]);
    ck_assert_int_eq(inta(f), 0x0b);                /* IR3 in service */
    irq_raise(&f->m.isa_irq[5]);
    ck_assert_int_eq(f->intr_level, 0);
    out(f, 0x21, 0x08);                             /* mask IR3 */
    out(f, 0x20, 0x68);                             /* set special mask mode */
    ck_assert_int_eq(f->intr_level, 1);
    ck_assert_int_eq(inta(f), 0x0d);
    teardown(f);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("i8259");
    TCase *tc = tcase_create("i8259");
    tcase_add_test(tc, test_irr_isr_eoi);
    tcase_add_test(tc, test_priority_and_nesting);
    tcase_add_test(tc, test_mask);
    tcase_add_test(tc, test_cascade);
    tcase_add_test(tc, test_aeoi);
    tcase_add_test(tc, test_spurious);
    tcase_add_test(tc, test_level_elcr);
    tcase_add_test(tc, test_poll_and_rotate);
    tcase_add_test(tc, test_special_mask);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_ENV);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
