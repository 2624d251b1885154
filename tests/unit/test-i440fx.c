/* The i440FX host bridge's PAM registers: 0xC0000-0xFFFFF as DRAM, ROM or
 * PCI, driven through configuration space. */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "yl/machine.h"
#include "yl/pci.h"

typedef struct Fixture {
    Machine m;
    uint8_t rom[128 << 10];     /* the ISA BIOS window 0xE0000-0xFFFFF */
} Fixture;

#define HOST PCI_DEVFN(0, 0)

static Fixture *setup(void)
{
    Fixture *f = calloc(1, sizeof(*f));
    char err[160];
    machine_init(&f->m);
    ck_assert_int_eq(as_alloc_ram(&f->m.as, 16 << 20), 0);
    /* As hw/pc.c lays it out: RAM around the VGA hole, BIOS ROM above. */
    mem_add_ram(&f->m.as, "ram", 0, 0xa0000, f->m.as.ram, 0);
    mem_add_ram(&f->m.as, "ram", 0xc0000, (16 << 20) - 0xc0000, f->m.as.ram + 0xc0000, 0);
    for (size_t i = 0; i < sizeof(f->rom); i++)
        f->rom[i] = 0xb0 | (i & 15);
    mem_add_rom(&f->m.as, "isa-bios", 0xe0000, sizeof(f->rom), f->rom, 1);
    ck_assert_ptr_nonnull(pci_bus_new(&f->m, err, sizeof(err)));
    ck_assert_msg(machine_create_device(&f->m, "i440FX-pcihost", "", err, sizeof(err)),
                  "%s", err);
    return f;
}

static void teardown(Fixture *f)
{
    machine_destroy(&f->m);
    pci_bus_free(f->m.pci);
    free(f);
}

static void pam(Fixture *f, int reg, uint8_t v)
{
    pci_config_write(f->m.pci, HOST, reg, v, 1);
}

static uint8_t rd(Fixture *f, uint32_t a) { return phys_read(&f->m.as, a, 1); }
static void wr(Fixture *f, uint32_t a, uint8_t v) { phys_write(&f->m.as, a, v, 1); }

START_TEST(test_ids)
{
    Fixture *f = setup();
    PCIBus *b = f->m.pci;
    ck_assert_uint_eq(pci_config_read(b, HOST, 0, 4), 0x12378086);
    ck_assert_uint_eq(pci_config_read(b, HOST, 0x0a, 2), 0x0600);
    ck_assert_uint_eq(pci_config_read(b, HOST, 0x2c, 4), 0x11001af4);
    ck_assert_uint_eq(pci_config_read(b, HOST, 0x72, 1), 0x02);          /* SMRAM */
    ck_assert_uint_eq(pci_config_read(b, HOST, 0x59, 1), 0x00);
    teardown(f);
}
END_TEST

START_TEST(test_power_on_reads_rom)
{
    Fixture *f = setup();
    ck_assert_uint_eq(rd(f, 0xffff5), 0xb5);
    wr(f, 0xffff5, 0x11);
    ck_assert_uint_eq(rd(f, 0xffff5), 0xb5);
    ck_assert_uint_eq(f->m.as.ram[0xffff5], 0);
    ck_assert_uint_eq(rd(f, 0xc0000), 0xff);        /* PCI: nothing there */
    teardown(f);
}
END_TEST

START_TEST(test_shadow_copy_then_protect)
{
    Fixture *f = setup();
    /* Write-only: reads still come from the ROM, writes land in DRAM, so
     * a BIOS can copy itself with one loop. */
    pam(f, 0x59, 0x20);
    for (uint32_t a = 0xf0000; a < 0x100000; a++)
        wr(f, a, rd(f, a) ^ 0x0f);
    ck_assert_uint_eq(rd(f, 0xf1234), 0xb4);
    /* Read/write. */
    pam(f, 0x59, 0x30);
    ck_assert_uint_eq(rd(f, 0xf1234), 0xbb);
    wr(f, 0xf1234, 0x42);
    ck_assert_uint_eq(rd(f, 0xf1234), 0x42);
    /* Read-only: DRAM contents, writes dropped. */
    pam(f, 0x59, 0x10);
    wr(f, 0xf1234, 0x43);
    ck_assert_uint_eq(rd(f, 0xf1234), 0x42);
    ck_assert_uint_eq(f->rom[0x11234], 0xb4);
    /* Off again: the ROM. */
    pam(f, 0x59, 0x00);
    ck_assert_uint_eq(rd(f, 0xf1234), 0xb4);
    teardown(f);
}
END_TEST

START_TEST(test_16k_segments)
{
    Fixture *f = setup();
    pam(f, 0x5a, 0x03);                 /* C0000-C3FFF RW, C4000-C7FFF PCI */
    wr(f, 0xc0010, 0x77);
    wr(f, 0xc4010, 0x77);
    ck_assert_uint_eq(rd(f, 0xc0010), 0x77);
    ck_assert_uint_eq(rd(f, 0xc4010), 0xff);
    ck_assert_uint_eq(f->m.as.ram[0xc4010], 0);
    pam(f, 0x5f, 0x30);                 /* EC000-EFFFF RW, E8000 still ROM */
    wr(f, 0xec000, 0x99);
    ck_assert_uint_eq(rd(f, 0xec000), 0x99);
    ck_assert_uint_eq(rd(f, 0xe8000), 0xb0);
    /* A dword write sets several PAM registers at once. */
    pci_config_write(f->m.pci, HOST, 0x5c, 0x33333333, 4);
    wr(f, 0xd0000, 0x12);
    ck_assert_uint_eq(rd(f, 0xd0000), 0x12);
    /* Reset puts everything back to PCI. */
    f->m.devices->cls->reset(f->m.devices);
    ck_assert_uint_eq(rd(f, 0xc0010), 0xff);
    ck_assert_uint_eq(rd(f, 0xec000), 0xb0);
    ck_assert_uint_eq(pci_config_read(f->m.pci, HOST, 0x5c, 4), 0);
    teardown(f);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("i440fx");
    TCase *tc = tcase_create("pam");
    tcase_add_test(tc, test_ids);
    tcase_add_test(tc, test_power_on_reads_rom);
    tcase_add_test(tc, test_shadow_copy_then_protect);
    tcase_add_test(tc, test_16k_segments);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_ENV);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
