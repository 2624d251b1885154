/* The PCI bus through configuration mechanism #1: masks, BAR sizing and
 * mapping, the ROM BAR, INTx through the PIIX3 PIRQ router, 0xcf9. */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "yl/machine.h"
#include "yl/pci.h"

typedef struct Fixture {
    Machine m;
    PCIDevice dev;
    int io_reads, irq_level[16];
    uint32_t mmio_last;
    uint8_t rom[4096];
} Fixture;

static uint32_t bar_io_read(void *opaque, uint16_t off, unsigned size)
{
    Fixture *f = opaque;
    f->io_reads++;
    return 0x40 + off;
}
static void bar_io_write(void *opaque, uint16_t off, uint32_t val, unsigned size) {}
static const IOPortOps bar_io = { bar_io_read, bar_io_write };

static uint64_t bar_mem_read(void *opaque, uint64_t off, unsigned size) { return 0xabc0 + off; }
static void bar_mem_write(void *opaque, uint64_t off, uint64_t val, unsigned size)
{
    Fixture *f = opaque;
    f->mmio_last = val;
}
static const MemOps bar_mem = { bar_mem_read, bar_mem_write };

static void isa_irq(void *opaque, int n, int level)
{
    Fixture *f = opaque;
    f->irq_level[n] = level;
}

static uint32_t cfg_read(Fixture *f, int devfn, int reg, unsigned size)
{
    ioport_write(&f->m.io, 0xcf8, 0x80000000u | devfn << 8 | (reg & 0xfc), 4);
    return ioport_read(&f->m.io, 0xcfc + (reg & 3), size);
}

static void cfg_write(Fixture *f, int devfn, int reg, uint32_t v, unsigned size)
{
    ioport_write(&f->m.io, 0xcf8, 0x80000000u | devfn << 8 | (reg & 0xfc), 4);
    ioport_write(&f->m.io, 0xcfc + (reg & 3), v, size);
}

#define DEVFN PCI_DEVFN(3, 0)

static Fixture *setup(void)
{
    Fixture *f = calloc(1, sizeof(*f));
    char err[160];
    machine_init(&f->m);
    ck_assert_int_eq(as_alloc_ram(&f->m.as, 16 << 20), 0);
    mem_add_ram(&f->m.as, "ram", 0, 16 << 20, f->m.as.ram, 0);
    for (int i = 0; i < 16; i++)
        irq_init(&f->m.isa_irq[i], isa_irq, f, i);
    ck_assert_ptr_nonnull(pci_bus_new(&f->m, err, sizeof(err)));
    ck_assert_msg(machine_create_device(&f->m, "PIIX3", "", err, sizeof(err)), "%s", err);
    f->dev.addr = "3";
    ck_assert_int_eq(pci_device_init(&f->dev, &f->m, 0x1234, 0x5678, 0x010180,
                                     err, sizeof(err)), 0);
    f->dev.config[PCI_INTERRUPT_PIN] = 1;
    pci_register_bar(&f->dev, 0, PCI_BAR_IO, 16, &bar_io, NULL, f);
    pci_register_bar(&f->dev, 1, PCI_BAR_MEM, 4096, NULL, &bar_mem, f);
    memset(f->rom, 0x55, sizeof(f->rom));
    f->rom[0] = 0xaa;
    pci_register_rom(&f->dev, f->rom, sizeof(f->rom));
    return f;
}

static void teardown(Fixture *f)
{
    f->dev.addr = NULL;
    pci_device_unrealize(&f->dev);
    machine_destroy(&f->m);
    pci_bus_free(f->m.pci);
    free(f);
}

START_TEST(test_config_mechanism)
{
    Fixture *f = setup();
    ck_assert_uint_eq(cfg_read(f, DEVFN, 0, 4), 0x56781234);
    ck_assert_uint_eq(cfg_read(f, DEVFN, 2, 2), 0x5678);
    ck_assert_uint_eq(cfg_read(f, DEVFN, 0xb, 1), 0x01);
    ck_assert_uint_eq(cfg_read(f, DEVFN, 0x9, 2), 0x0180);
    ck_assert_uint_eq(cfg_read(f, PCI_DEVFN(9, 0), 0, 4), 0xffffffff);   /* empty slot */
    ck_assert_uint_eq(cfg_read(f, PCI_DEVFN(1, 0), 0, 4), 0x70008086);   /* PIIX3 */
    ioport_write(&f->m.io, 0xcf8, 0x80001800, 4);
    ck_assert_uint_eq(ioport_read(&f->m.io, 0xcf8, 4), 0x80001800);
    ioport_write(&f->m.io, 0xcf8, 0x00001800, 4);                        /* disabled */
    ck_assert_uint_eq(ioport_read(&f->m.io, 0xcfc, 4), 0xffffffff);
    ioport_write(&f->m.io, 0xcf8, 0x80011800, 4);                        /* bus 1 */
    ck_assert_uint_eq(ioport_read(&f->m.io, 0xcfc, 4), 0xffffffff);
    teardown(f);
}
END_TEST

START_TEST(test_write_masks)
{
    Fixture *f = setup();
    cfg_write(f, DEVFN, 0, 0xffffffff, 4);
    ck_assert_uint_eq(cfg_read(f, DEVFN, 0, 4), 0x56781234);             /* IDs RO */
    cfg_write(f, DEVFN, 0x3c, 0x0b, 1);
    ck_assert_uint_eq(cfg_read(f, DEVFN, 0x3c, 1), 0x0b);
    cfg_write(f, DEVFN, 0x3d, 0x04, 1);
    ck_assert_uint_eq(cfg_read(f, DEVFN, 0x3d, 1), 0x01);                /* pin RO */
    cfg_write(f, DEVFN, PCI_COMMAND, 0xffff, 2);
    ck_assert_uint_eq(cfg_read(f, DEVFN, PCI_COMMAND, 2), 0x0407);
    f->dev.config[PCI_STATUS + 1] = 0x20;                                /* an error bit */
    cfg_write(f, DEVFN, PCI_STATUS, 0x2000, 2);
    ck_assert_uint_eq(cfg_read(f, DEVFN, PCI_STATUS, 2) & 0x2000, 0);    /* RW1C */
    teardown(f);
}
END_TEST

START_TEST(test_bar_sizing)
{
    Fixture *f = setup();
    ck_assert_uint_eq(cfg_read(f, DEVFN, 0x10, 4), 0x1);
    cfg_write(f, DEVFN, 0x10, 0xffffffff, 4);
    ck_assert_uint_eq(cfg_read(f, DEVFN, 0x10, 4), 0xfffffff1);
    cfg_write(f, DEVFN, 0x14, 0xffffffff, 4);
    ck_assert_uint_eq(cfg_read(f, DEVFN, 0x14, 4), 0xfffff000);
    cfg_write(f, DEVFN, 0x18, 0xffffffff, 4);
    ck_assert_uint_eq(cfg_read(f, DEVFN, 0x18, 4), 0);                   /* no BAR 2 */
    cfg_write(f, DEVFN, 0x30, 0xfffffffe, 4);
    ck_assert_uint_eq(cfg_read(f, DEVFN, 0x30, 4), 0xfffff000);
    teardown(f);
}
END_TEST

START_TEST(test_bar_mapping_follows_command)
{
    Fixture *f = setup();
    cfg_write(f, DEVFN, 0x10, 0xc000, 4);
    cfg_write(f, DEVFN, 0x14, 0xfe000000, 4);
    ck_assert_uint_eq(ioport_read(&f->m.io, 0xc004, 1), 0xff);           /* not decoded */
    ck_assert_uint_eq(phys_read(&f->m.as, 0xfe000010, 4), 0xffffffff);
    cfg_write(f, DEVFN, PCI_COMMAND, PCI_COMMAND_IO | PCI_COMMAND_MEMORY, 2);
    ck_assert_uint_eq(ioport_read(&f->m.io, 0xc004, 1), 0x44);
    ck_assert_uint_eq(phys_read(&f->m.as, 0xfe000010, 4), 0xabd0);
    phys_write(&f->m.as, 0xfe000000, 0x1234, 4);
    ck_assert_uint_eq(f->mmio_last, 0x1234);
    /* Moving a BAR moves the decode. */
    cfg_write(f, DEVFN, 0x10, 0xd000, 4);
    ck_assert_uint_eq(ioport_read(&f->m.io, 0xc004, 1), 0xff);
    ck_assert_uint_eq(ioport_read(&f->m.io, 0xd004, 1), 0x44);
    /* Decoding off unmaps both. */
    cfg_write(f, DEVFN, PCI_COMMAND, 0, 2);
    ck_assert_uint_eq(ioport_read(&f->m.io, 0xd004, 1), 0xff);
    ck_assert_uint_eq(phys_read(&f->m.as, 0xfe000010, 4), 0xffffffff);
    teardown(f);
}
END_TEST

START_TEST(test_rom_bar)
{
    Fixture *f = setup();
    cfg_write(f, DEVFN, 0x30, 0xfeb00000, 4);
    cfg_write(f, DEVFN, PCI_COMMAND, PCI_COMMAND_MEMORY, 2);
    ck_assert_uint_eq(phys_read(&f->m.as, 0xfeb00000, 1), 0xff);         /* not enabled */
    cfg_write(f, DEVFN, 0x30, 0xfeb00001, 4);
    ck_assert_uint_eq(phys_read(&f->m.as, 0xfeb00000, 2), 0x55aa);
    phys_write(&f->m.as, 0xfeb00000, 0, 1);
    ck_assert_uint_eq(f->rom[0], 0xaa);                                  /* read-only */
    pci_device_reset(&f->dev);
    ck_assert_uint_eq(phys_read(&f->m.as, 0xfeb00000, 1), 0xff);
    teardown(f);
}
END_TEST

START_TEST(test_intx_through_pirq)
{
    Fixture *f = setup();
    /* Slot 3 INTA is PIRQD (register 0x63). */
    ck_assert_int_eq(pci_pirq_of(3, 1), 3);
    pci_set_irq(&f->dev, 1);
    for (int i = 0; i < 16; i++)
        ck_assert_int_eq(f->irq_level[i], 0);                            /* unrouted */
    ck_assert_uint_eq(cfg_read(f, DEVFN, PCI_STATUS, 2) & PCI_STATUS_INTERRUPT,
                      PCI_STATUS_INTERRUPT);
    cfg_write(f, PCI_DEVFN(1, 0), 0x63, 11, 1);
    ck_assert_int_eq(f->irq_level[11], 1);
    cfg_write(f, PCI_DEVFN(1, 0), 0x63, 10, 1);
    ck_assert_int_eq(f->irq_level[11], 0);
    ck_assert_int_eq(f->irq_level[10], 1);
    cfg_write(f, DEVFN, PCI_COMMAND, PCI_COMMAND_INTX_DISABLE, 2);
    ck_assert_int_eq(f->irq_level[10], 0);
    cfg_write(f, DEVFN, PCI_COMMAND, 0, 2);
    ck_assert_int_eq(f->irq_level[10], 1);
    pci_set_irq(&f->dev, 0);
    ck_assert_int_eq(f->irq_level[10], 0);
    pci_set_irq(&f->dev, 1);
    cfg_write(f, PCI_DEVFN(1, 0), 0x63, 0x80, 1);                        /* disabled */
    ck_assert_int_eq(f->irq_level[10], 0);
    teardown(f);
}
END_TEST

START_TEST(test_reset_control_cf9)
{
    Fixture *f = setup();
    ioport_write(&f->m.io, 0xcf9, 0x02, 1);
    ck_assert(!f->m.reset_requested);
    ck_assert_uint_eq(ioport_read(&f->m.io, 0xcf9, 1), 0x02);
    ioport_write(&f->m.io, 0xcf9, 0x06, 1);
    ck_assert(f->m.reset_requested);
    /* A dword at 0xcf8 is still the address register. */
    ioport_write(&f->m.io, 0xcf8, 0x80000000, 4);
    ck_assert_uint_eq(ioport_read(&f->m.io, 0xcf8, 4), 0x80000000);
    teardown(f);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("pci");
    TCase *tc = tcase_create("pci");
    tcase_add_test(tc, test_config_mechanism);
    tcase_add_test(tc, test_write_masks);
    tcase_add_test(tc, test_bar_sizing);
    tcase_add_test(tc, test_bar_mapping_follows_command);
    tcase_add_test(tc, test_rom_bar);
    tcase_add_test(tc, test_intx_through_pirq);
    tcase_add_test(tc, test_reset_control_cf9);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_ENV);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
