/* PIIX4 power management: PMBA mapping, the ACPI PM timer, PM1a
 * status/enable/control with SCI on IRQ 9, and S5 power-off. */
#include <check.h>
#include <stdlib.h>

#include "yl/machine.h"
#include "yl/pci.h"

typedef struct Fixture {
    Machine m;
    int sci;
} Fixture;

#define PM PCI_DEVFN(1, 3)
#define BASE 0xb000

static void irq9(void *opaque, int n, int level)
{
    Fixture *f = opaque;
    f->sci = level;
}

static Fixture *setup(void)
{
    Fixture *f = calloc(1, sizeof(*f));
    char err[160];
    machine_init(&f->m);
    clock_stop(&f->m.clock);
    irq_init(&f->m.isa_irq[9], irq9, f, 9);
    ck_assert_ptr_nonnull(pci_bus_new(&f->m, err, sizeof(err)));
    ck_assert_msg(machine_create_device(&f->m, "PIIX4_PM", "", err, sizeof(err)), "%s", err);
    return f;
}

static void enable(Fixture *f)
{
    pci_config_write(f->m.pci, PM, 0x40, BASE | 1, 4);
    pci_config_write(f->m.pci, PM, 0x80, 1, 1);
}

static void teardown(Fixture *f)
{
    machine_destroy(&f->m);
    pci_bus_free(f->m.pci);
    free(f);
}

START_TEST(test_config)
{
    Fixture *f = setup();
    ck_assert_uint_eq(pci_config_read(f->m.pci, PM, 0, 4), 0x71138086);
    ck_assert_uint_eq(pci_config_read(f->m.pci, PM, 0x40, 4), 1);       /* I/O space */
    pci_config_write(f->m.pci, PM, 0x40, 0xffffffff, 4);
    ck_assert_uint_eq(pci_config_read(f->m.pci, PM, 0x40, 4), 0xffc1);  /* 64 bytes */
    ck_assert_uint_eq(pci_config_read(f->m.pci, PM, 0x5b, 1) & 2, 2);   /* APMC_EN */
    teardown(f);
}
END_TEST

START_TEST(test_io_only_when_enabled)
{
    Fixture *f = setup();
    pci_config_write(f->m.pci, PM, 0x40, BASE | 1, 4);
    ck_assert_uint_eq(ioport_read(&f->m.io, BASE + 2, 2), 0xffff);      /* PMIOSE off */
    pci_config_write(f->m.pci, PM, 0x80, 1, 1);
    ioport_write(&f->m.io, BASE + 2, 0x0121, 2);
    ck_assert_uint_eq(ioport_read(&f->m.io, BASE + 2, 2), 0x0121);
    pci_config_write(f->m.pci, PM, 0x40, 0xc001, 4);                    /* move it */
    ck_assert_uint_eq(ioport_read(&f->m.io, BASE + 2, 2), 0xffff);
    ck_assert_uint_eq(ioport_read(&f->m.io, 0xc002, 2), 0x0121);
    teardown(f);
}
END_TEST

START_TEST(test_pm_timer)
{
    Fixture *f = setup();
    enable(f);
    uint32_t t0 = ioport_read(&f->m.io, BASE + 8, 4);
    ck_assert_uint_eq(t0 >> 24, 0);
    clock_advance(&f->m.clock, 1000000000);
    uint32_t t1 = ioport_read(&f->m.io, BASE + 8, 4);
    ck_assert_uint_eq((t1 - t0) & 0xffffff, 3579545 & 0xffffff);
    clock_advance(&f->m.clock, 1000);                                   /* 1 us */
    uint32_t t2 = ioport_read(&f->m.io, BASE + 8, 4);
    ck_assert_uint_le((t2 - t1) & 0xffffff, 4);
    ck_assert_uint_ge((t2 - t1) & 0xffffff, 3);
    ioport_write(&f->m.io, BASE + 8, 0, 4);                             /* read-only */
    ck_assert_uint_eq(ioport_read(&f->m.io, BASE + 8, 4), t2);
    teardown(f);
}
END_TEST

START_TEST(test_s5_powers_off)
{
    Fixture *f = setup();
    enable(f);
    ioport_write(&f->m.io, BASE + 4, 0x0001, 2);                        /* SCI_EN */
    ck_assert_uint_eq(ioport_read(&f->m.io, BASE + 4, 2), 0x0001);
    ck_assert(!f->m.shutdown_requested);
    ioport_write(&f->m.io, BASE + 4, 0x1401, 2);                        /* S3: refused */
    ck_assert(!f->m.shutdown_requested);
    ioport_write(&f->m.io, BASE + 4, 0x2001, 2);                        /* SLP_TYP 0 */
    ck_assert(f->m.shutdown_requested);
    ck_assert_int_eq(f->m.exit_status, 0);
    ck_assert_uint_eq(ioport_read(&f->m.io, BASE + 4, 2) & 0x2000, 0);  /* SLP_EN reads 0 */
    teardown(f);
}
END_TEST

START_TEST(test_sts_w1c_and_reset)
{
    Fixture *f = setup();
    enable(f);
    ioport_write(&f->m.io, BASE + 2, 0x0100, 2);
    ioport_write(&f->m.io, BASE + 0, 0xffff, 2);
    ck_assert_uint_eq(ioport_read(&f->m.io, BASE, 2), 0);
    ck_assert_int_eq(f->sci, 0);
    f->m.devices->cls->reset(f->m.devices);
    ck_assert_uint_eq(ioport_read(&f->m.io, BASE + 2, 2), 0xffff);      /* unmapped */
    ck_assert_uint_eq(pci_config_read(f->m.pci, PM, 0x80, 1), 0);
    teardown(f);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("piix4_pm");
    TCase *tc = tcase_create("pm");
    tcase_add_test(tc, test_config);
    tcase_add_test(tc, test_io_only_when_enabled);
    tcase_add_test(tc, test_pm_timer);
    tcase_add_test(tc, test_s5_powers_off);
    tcase_add_test(tc, test_sts_w1c_and_reset);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_ENV);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
