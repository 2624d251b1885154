/* The I/O APIC through IOREGSEL/IOWIN with a local APIC behind it and no
 * CPU running: redirection, edge and level pins, polarity, masks and the
 * remote IRR cleared by the local APIC's EOI broadcast. */
#include <check.h>
#include <stdlib.h>

#include "yl/apic.h"
#include "yl/machine.h"

typedef struct Fixture {
    Machine m;
    X86CPU *cpu;
} Fixture;

static int fake_pic_ack(void *opaque)
{
    return 0x77;
}

static Fixture *setup(void)
{
    Fixture *f = calloc(1, sizeof(*f));
    char err[160];
    machine_init(&f->m);
    clock_stop(&f->m.clock);
    f->cpu = calloc(1, sizeof(*f->cpu));
    x86_cpu_init(f->cpu, &f->m, &f->m.as, &f->m.io, &f->m.log);
    f->m.cpus[f->m.ncpus++] = f->cpu;
    f->m.pic_ack = fake_pic_ack;
    ck_assert_ptr_nonnull(machine_create_device(&f->m, "apic", "", err, sizeof(err)));
    ck_assert_ptr_nonnull(machine_create_device(&f->m, "ioapic", "", err, sizeof(err)));
    phys_write(&f->m.as, APIC_DEFAULT_ADDRESS + 0xf0, 0x1ff, 4);   /* SVR: on */
    return f;
}

static void teardown(Fixture *f)
{
    machine_destroy(&f->m);
    free(f->cpu);
    free(f);
}

static uint32_t io_rd(Fixture *f, uint8_t reg)
{
    phys_write(&f->m.as, IOAPIC_ADDRESS, reg, 4);
    return phys_read(&f->m.as, IOAPIC_ADDRESS + 0x10, 4);
}

static void io_wr(Fixture *f, uint8_t reg, uint32_t v)
{
    phys_write(&f->m.as, IOAPIC_ADDRESS, reg, 4);
    phys_write(&f->m.as, IOAPIC_ADDRESS + 0x10, v, 4);
}

static void route(Fixture *f, int pin, uint32_t lo, uint8_t dest)
{
    io_wr(f, 0x11 + 2 * pin, (uint32_t)dest << 24);
    io_wr(f, 0x10 + 2 * pin, lo);
}

static uint32_t lapic_rd(Fixture *f, uint32_t off)
{
    return phys_read(&f->m.as, APIC_DEFAULT_ADDRESS + off, 4);
}

static void lapic_eoi(Fixture *f) { phys_write(&f->m.as, APIC_DEFAULT_ADDRESS + 0xb0, 0, 4); }
static bool intr(Fixture *f) { return f->cpu->irq_line; }

static int take(Fixture *f)
{
    ck_assert(intr(f));
    return f->cpu->irq_ack(f->cpu->irq_ack_opaque);
}

static bool tmr(Fixture *f, int v) { return lapic_rd(f, 0x180 + (v >> 5) * 0x10) >> (v & 31) & 1; }

START_TEST(test_registers)
{
    Fixture *f = setup();
    ck_assert_uint_eq(io_rd(f, 0x00), IOAPIC_ID << 24);
    ck_assert_uint_eq(io_rd(f, 0x01), 0x00170020u);
    io_wr(f, 0x00, 0x05000000);
    ck_assert_uint_eq(io_rd(f, 0x00), 0x05000000u);
    ck_assert_uint_eq(io_rd(f, 0x02), 0x05000000u);
    io_wr(f, 0x01, 0);                                      /* read-only */
    ck_assert_uint_eq(io_rd(f, 0x01), 0x00170020u);
    for (int pin = 0; pin < IOAPIC_NUM_PINS; pin++) {
        ck_assert_uint_eq(io_rd(f, 0x10 + 2 * pin), 0x10000);
        ck_assert_uint_eq(io_rd(f, 0x11 + 2 * pin), 0);
    }
    ck_assert_uint_eq(io_rd(f, 0x40), 0);                   /* past the table */
    /* Delivery status and remote IRR are read-only */
    io_wr(f, 0x10, 0x1ffff);
    ck_assert_uint_eq(io_rd(f, 0x10), 0x1afff);
    io_wr(f, 0x11, 0xff00ffff);
    ck_assert_uint_eq(io_rd(f, 0x11), 0xff000000u);
    ck_assert_uint_eq(phys_read(&f->m.as, IOAPIC_ADDRESS, 4), 0x11);  /* IOREGSEL */
    teardown(f);
}
END_TEST

START_TEST(test_edge)
{
    Fixture *f = setup();
    route(f, 4, 0x34, 0);                   /* fixed, physical, edge, high */
    irq_raise(&f->m.gsi[4]);
    ck_assert_int_eq(take(f), 0x34);
    ck_assert(!tmr(f, 0x34));
    ck_assert_uint_eq(io_rd(f, 0x18) & 0x4000, 0);  /* no remote IRR */
    lapic_eoi(f);
    irq_raise(&f->m.gsi[4]);                /* no new edge */
    ck_assert(!intr(f));
    irq_lower(&f->m.gsi[4]);
    irq_raise(&f->m.gsi[4]);
    ck_assert_int_eq(take(f), 0x34);
    lapic_eoi(f);
    irq_lower(&f->m.gsi[4]);
    /* An edge on a masked pin is lost */
    route(f, 4, 0x10034, 0);
    irq_raise(&f->m.gsi[4]);
    route(f, 4, 0x34, 0);
    ck_assert(!intr(f));
    irq_lower(&f->m.gsi[4]);
    /* Another destination: nobody takes it */
    route(f, 5, 0x35, 3);
    irq_raise(&f->m.gsi[5]);
    ck_assert(!intr(f));
    /* Logical destination matching the LDR */
    phys_write(&f->m.as, APIC_DEFAULT_ADDRESS + 0xd0, 0x02000000, 4);
    route(f, 6, 0x936, 0x02);               /* lowest priority, logical */
    irq_raise(&f->m.gsi[6]);
    ck_assert_int_eq(take(f), 0x36);
    lapic_eoi(f);
    teardown(f);
}
END_TEST

START_TEST(test_level_remote_irr)
{
    Fixture *f = setup();
    route(f, 9, 0x8039, 0);                 /* level, active high */
    irq_raise(&f->m.gsi[9]);
    ck_assert(tmr(f, 0x39));
    ck_assert_uint_eq(io_rd(f, 0x22) & 0x4000, 0x4000);
    ck_assert_int_eq(take(f), 0x39);
    /* Still asserted at the EOI: sent again */
    lapic_eoi(f);
    ck_assert_uint_eq(io_rd(f, 0x22) & 0x4000, 0x4000);
    ck_assert_int_eq(take(f), 0x39);
    irq_lower(&f->m.gsi[9]);
    lapic_eoi(f);
    ck_assert_uint_eq(io_rd(f, 0x22) & 0x4000, 0);
    ck_assert(!intr(f));
    /* Masked while asserted: delivered at unmask */
    route(f, 9, 0x18039, 0);
    irq_raise(&f->m.gsi[9]);
    ck_assert(!intr(f));
    route(f, 9, 0x8039, 0);
    ck_assert_int_eq(take(f), 0x39);
    /* The EOI register of version 0x20 clears the remote IRR too */
    irq_lower(&f->m.gsi[9]);
    phys_write(&f->m.as, IOAPIC_ADDRESS + 0x40, 0x39, 4);
    ck_assert_uint_eq(io_rd(f, 0x22) & 0x4000, 0);
    lapic_eoi(f);
    teardown(f);
}
END_TEST

START_TEST(test_polarity)
{
    Fixture *f = setup();
    irq_raise(&f->m.gsi[10]);               /* idle high */
    route(f, 10, 0xa03a, 0);                /* level, active low */
    ck_assert(!intr(f));
    irq_lower(&f->m.gsi[10]);
    ck_assert_int_eq(take(f), 0x3a);
    irq_raise(&f->m.gsi[10]);
    lapic_eoi(f);
    ck_assert(!intr(f));
    /* Edge, active low: the falling edge counts */
    route(f, 11, 0x203b, 0);
    irq_raise(&f->m.gsi[11]);
    ck_assert(!intr(f));
    irq_lower(&f->m.gsi[11]);
    ck_assert_int_eq(take(f), 0x3b);
    lapic_eoi(f);
    teardown(f);
}
END_TEST

START_TEST(test_nmi_extint)
{
    Fixture *f = setup();
    route(f, 12, 0x400, 0);                 /* NMI */
    irq_raise(&f->m.gsi[12]);
    ck_assert(f->cpu->nmi_pending);
    route(f, 13, 0x700, 0);                 /* ExtINT: INTA goes to the 8259 */
    irq_raise(&f->m.gsi[13]);
    ck_assert_int_eq(take(f), 0x77);
    ck_assert(!intr(f));
    teardown(f);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("ioapic");
    TCase *tc = tcase_create("ioapic");
    tcase_add_test(tc, test_registers);
    tcase_add_test(tc, test_edge);
    tcase_add_test(tc, test_level_remote_irr);
    tcase_add_test(tc, test_polarity);
    tcase_add_test(tc, test_nmi_extint);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_ENV);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
