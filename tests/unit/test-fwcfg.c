/* fw_cfg through its ports: selector/data, the file directory and the DMA
 * interface, with no CPU. */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "yl/fw_cfg.h"
#include "yl/machine.h"

typedef struct Fixture {
    Machine m;
    FWCfg *s;
} Fixture;

static Fixture *setup(void)
{
    Fixture *f = calloc(1, sizeof(*f));
    char err[160];
    machine_init(&f->m);
    ck_assert_int_eq(as_alloc_ram(&f->m.as, 64 << 20), 0);
    mem_add_ram(&f->m.as, "ram", 0, 64 << 20, f->m.as.ram, 0);
    ck_assert_msg(machine_create_device(&f->m, "fw_cfg_io", "", err, sizeof(err)), "%s", err);
    f->s = fw_cfg_of(&f->m);
    ck_assert_ptr_nonnull(f->s);
    return f;
}

static void teardown(Fixture *f)
{
    machine_destroy(&f->m);
    free(f);
}

static void sel(Fixture *f, uint16_t key) { ioport_write(&f->m.io, 0x510, key, 2); }
static uint8_t data(Fixture *f) { return ioport_read(&f->m.io, 0x511, 1); }

static void read_item(Fixture *f, uint16_t key, uint8_t *buf, int n)
{
    sel(f, key);
    for (int i = 0; i < n; i++)
        buf[i] = data(f);
}

static uint32_t be32(const uint8_t *p) { return p[0] << 24 | p[1] << 16 | p[2] << 8 | p[3]; }
static void put_be32(uint8_t *p, uint32_t v) { p[0] = v >> 24; p[1] = v >> 16; p[2] = v >> 8; p[3] = v; }

/* Finds NAME in the directory: its key and size. */
static int find_file(Fixture *f, const char *name, uint32_t *size)
{
    uint8_t cnt[4], e[64];
    read_item(f, FW_CFG_FILE_DIR, cnt, 4);
    for (uint32_t i = 0; i < be32(cnt); i++) {
        for (int j = 0; j < 64; j++)
            e[j] = data(f);
        if (!strcmp((char *)e + 8, name)) {
            *size = be32(e);
            return e[4] << 8 | e[5];
        }
    }
    return -1;
}

/* Starts a DMA transfer with the control structure at guest address 0x1000. */
static uint32_t dma(Fixture *f, uint32_t control, uint32_t len, uint64_t addr)
{
    uint8_t c[16];
    put_be32(c, control);
    put_be32(c + 4, len);
    put_be32(c + 8, addr >> 32);
    put_be32(c + 12, addr);
    phys_rw(&f->m.as, 0x1000, c, 16, true);
    /* The guest stores the big-endian address: high dword, then low. */
    ioport_write(&f->m.io, 0x514, __builtin_bswap32(0), 4);
    ioport_write(&f->m.io, 0x518, __builtin_bswap32(0x1000), 4);
    phys_rw(&f->m.as, 0x1000, c, 4, false);
    return be32(c);
}

START_TEST(test_signature_id_ramsize)
{
    Fixture *f = setup();
    uint8_t b[8];
    read_item(f, FW_CFG_SIGNATURE, b, 4);
    ck_assert_mem_eq(b, "QEMU", 4);
    ck_assert_uint_eq(data(f), 0);                  /* past the end */
    read_item(f, FW_CFG_ID, b, 4);
    ck_assert_uint_eq(b[0], 3);                     /* traditional + DMA */
    read_item(f, FW_CFG_RAM_SIZE, b, 8);
    uint64_t ram = 0;
    for (int i = 7; i >= 0; i--)
        ram = ram << 8 | b[i];
    ck_assert_uint_eq(ram, 64 << 20);
    read_item(f, FW_CFG_MAX_CPUS, b, 2);
    ck_assert_uint_eq(b[0] | b[1] << 8, 1);
    read_item(f, 0x7fff, b, 2);                     /* no such item */
    ck_assert_uint_eq(b[0] | b[1], 0);
    teardown(f);
}
END_TEST

START_TEST(test_directory_and_e820)
{
    Fixture *f = setup();
    uint32_t size;
    int key = find_file(f, "etc/e820", &size);
    ck_assert_int_ge(key, FW_CFG_FILE_FIRST);
    ck_assert_uint_eq(size, 20);
    uint8_t e[20];
    read_item(f, key, e, 20);
    uint64_t base = 0, len = 0;
    for (int i = 7; i >= 0; i--) {
        base = base << 8 | e[i];
        len = len << 8 | e[8 + i];
    }
    ck_assert_uint_eq(base, 0);
    ck_assert_uint_eq(len, 64 << 20);
    ck_assert_uint_eq(e[16], 1);
    /* Adding a file grows the directory; adding it again replaces it. */
    ck_assert_int_eq(fw_cfg_add_file(f->s, "bootorder", "/a\n", 3), 0);
    ck_assert_int_eq(fw_cfg_add_file(f->s, "bootorder", "/b/c\n", 5), 0);
    int k2 = find_file(f, "bootorder", &size);
    ck_assert_int_gt(k2, key);
    ck_assert_uint_eq(size, 5);
    uint8_t cnt[4];
    read_item(f, FW_CFG_FILE_DIR, cnt, 4);
    ck_assert_uint_eq(be32(cnt), 2);
    teardown(f);
}
END_TEST

START_TEST(test_dma)
{
    Fixture *f = setup();
    ck_assert_uint_eq(ioport_read(&f->m.io, 0x514, 4), 0x51454d55);   /* "QEMU" */
    ck_assert_uint_eq(ioport_read(&f->m.io, 0x518, 4), 0x20434647);   /* " CFG" */
    /* Select + read the signature into 0x2000. */
    memset(f->m.as.ram + 0x2000, 0xee, 16);
    ck_assert_uint_eq(dma(f, FW_CFG_SIGNATURE << 16 | 8 | 2, 6, 0x2000), 0);
    ck_assert_mem_eq(f->m.as.ram + 0x2000, "QEMU\0\0", 6);           /* zero-filled */
    ck_assert_uint_eq(f->m.as.ram[0x2006], 0xee);
    /* Skip then read continues from the offset, also mixing with the port. */
    ck_assert_uint_eq(dma(f, FW_CFG_SIGNATURE << 16 | 8 | 4, 1, 0), 0);
    ck_assert_uint_eq(dma(f, 2, 1, 0x3000), 0);
    ck_assert_uint_eq(f->m.as.ram[0x3000], 'E');
    ck_assert_uint_eq(data(f), 'M');
    /* Writes are refused with the error bit. */
    ck_assert_uint_eq(dma(f, FW_CFG_SIGNATURE << 16 | 8 | 16, 4, 0x2000), 1);
    ck_assert_mem_eq(f->m.as.ram + 0x2000, "QEMU", 4);
    teardown(f);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("fw_cfg");
    TCase *tc = tcase_create("fw_cfg");
    tcase_add_test(tc, test_signature_id_ramsize);
    tcase_add_test(tc, test_directory_and_e820);
    tcase_add_test(tc, test_dma);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_ENV);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
