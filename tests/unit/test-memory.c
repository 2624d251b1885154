/* The physical address map: priorities, open bus, ROM, MMIO, big RAM. */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "yl/memory.h"

typedef struct MmioLog {
    uint64_t last_addr, last_val;
    unsigned last_size;
    int reads, writes;
} MmioLog;

static uint64_t mmio_read(void *opaque, uint64_t addr, unsigned size)
{
    MmioLog *l = opaque;
    l->reads++;
    l->last_addr = addr;
    l->last_size = size;
    return 0x1122334455667788ull + addr;
}

static void mmio_write(void *opaque, uint64_t addr, uint64_t val, unsigned size)
{
    MmioLog *l = opaque;
    l->writes++;
    l->last_addr = addr;
    l->last_val = val;
    l->last_size = size;
}

static const MemOps mmio_ops = { mmio_read, mmio_write };

static AddressSpace *new_as(uint64_t ram)
{
    AddressSpace *as = malloc(sizeof(*as));
    as_init(as);
    ck_assert_int_eq(as_alloc_ram(as, ram), 0);
    return as;
}

static void free_as(AddressSpace *as)
{
    as_destroy(as);
    free(as);
}

START_TEST(test_priority_overlap)
{
    AddressSpace *as = new_as(1 << 20);
    static uint8_t rom[0x10000];
    memset(rom, 0xab, sizeof(rom));
    MemRegion *ram = mem_add_ram(as, "ram", 0, 1 << 20, as->ram, 0);
    ck_assert_ptr_nonnull(ram);
    MemRegion *r = mem_add_rom(as, "rom", 0xf0000, sizeof(rom), rom, 1);
    ck_assert_ptr_nonnull(r);
    ck_assert_ptr_eq(mem_find(as, 0xeffff), ram);
    ck_assert_ptr_eq(mem_find(as, 0xf0000), r);
    ck_assert_ptr_eq(mem_find(as, 0xfffff), r);
    ck_assert_ptr_null(mem_find(as, 0x100000));
    /* A lower-priority region added later stays below. */
    MmioLog log = { 0 };
    MemRegion *low = mem_add_mmio(as, "low", 0xf8000, 0x1000, &mmio_ops, &log, -1);
    ck_assert_ptr_eq(mem_find(as, 0xf8000), r);
    mem_del(as, r);
    ck_assert_ptr_eq(mem_find(as, 0xf8000), ram);   /* RAM (0) beats -1 */
    mem_del(as, ram);
    ck_assert_ptr_eq(mem_find(as, 0xf8000), low);
    free_as(as);
}
END_TEST

START_TEST(test_open_bus)
{
    AddressSpace *as = new_as(1 << 16);
    mem_add_ram(as, "ram", 0, 1 << 16, as->ram, 0);
    ck_assert_uint_eq(phys_read(as, 0x20000, 4), 0xffffffffu);
    ck_assert_uint_eq(phys_read(as, 0x20000, 1), 0xff);
    ck_assert_uint_eq(phys_read(as, 0x20000, 8), ~0ull);
    phys_write(as, 0x20000, 0, 4);      /* ignored, no crash */
    ck_assert_uint_eq(phys_read(as, 0x20000, 4), 0xffffffffu);
    /* A read straddling RAM's end: low bytes from RAM, high bytes all ones. */
    phys_write(as, 0xfffe, 0x4142, 2);
    ck_assert_uint_eq(phys_read(as, 0xfffe, 4), 0xffff4142u);
    free_as(as);
}
END_TEST

START_TEST(test_rom_ignores_writes)
{
    AddressSpace *as = new_as(1 << 16);
    uint8_t rom[4096];
    memset(rom, 0x5a, sizeof(rom));
    mem_add_rom(as, "rom", 0x10000, sizeof(rom), rom, 0);
    phys_write(as, 0x10000, 0x12345678, 4);
    ck_assert_uint_eq(phys_read(as, 0x10000, 4), 0x5a5a5a5au);
    uint8_t img[4] = { 1, 2, 3, 4 };
    phys_load(as, 0x10010, img, 4);     /* loaders may write ROM */
    ck_assert_uint_eq(phys_read(as, 0x10010, 4), 0x04030201u);
    ck_assert_uint_eq(rom[0x13], 4);
    free_as(as);
}
END_TEST

START_TEST(test_rw_across_regions)
{
    AddressSpace *as = new_as(1 << 20);
    /* Two RAM windows of the one block, mapped apart, with a hole between. */
    mem_add_ram(as, "a", 0x0, 0x1000, as->ram, 0);
    mem_add_ram(as, "b", 0x2000, 0x1000, as->ram + 0x5000, 0);
    uint8_t buf[0x2010];
    for (size_t i = 0; i < sizeof(buf); i++)
        buf[i] = i * 7;
    phys_rw(as, 0xff8, buf, sizeof(buf), true);
    ck_assert_uint_eq(as->ram[0xff8], buf[0]);
    ck_assert_uint_eq(as->ram[0x5000], buf[8 + 0x1000]);
    ck_assert_uint_eq(as->ram[0x1000], 0);  /* the hole did not spill */
    uint8_t back[0x2010];
    phys_rw(as, 0xff8, back, sizeof(back), false);
    ck_assert_mem_eq(back, buf, 8);
    for (int i = 8; i < 8 + 0x1000; i++)
        ck_assert_uint_eq(back[i], 0xff);
    ck_assert_mem_eq(back + 8 + 0x1000, buf + 8 + 0x1000, 0x1000);
    ck_assert_ptr_eq(phys_host_ptr(as, 0x2000, 0x1000), as->ram + 0x5000);
    ck_assert_ptr_null(phys_host_ptr(as, 0xff0, 0x20));
    free_as(as);
}
END_TEST

START_TEST(test_mmio_dispatch)
{
    AddressSpace *as = new_as(1 << 16);
    MmioLog log = { 0 };
    mem_add_ram(as, "ram", 0, 1 << 16, as->ram, 0);
    mem_add_mmio(as, "dev", 0x8000, 0x100, &mmio_ops, &log, 1);
    ck_assert_uint_eq(phys_read(as, 0x8010, 4), (0x1122334455667788ull + 0x10) & 0xffffffff);
    ck_assert_uint_eq(log.last_addr, 0x10);
    ck_assert_uint_eq(log.last_size, 4);
    phys_write(as, 0x80f8, 0xdeadbeefcafef00dull, 8);
    ck_assert_uint_eq(log.last_addr, 0xf8);
    ck_assert_uint_eq(log.last_val, 0xdeadbeefcafef00dull);
    ck_assert_uint_eq(log.last_size, 8);
    /* A buffer write split into aligned pieces, RAM before the device. */
    uint8_t buf[8] = { 1, 2, 3, 4, 5, 6, 7, 8 };
    log.writes = 0;
    phys_rw(as, 0x7ffe, buf, 8, true);
    ck_assert_uint_eq(as->ram[0x7ffe], 1);
    ck_assert_uint_eq(as->ram[0x7fff], 2);
    ck_assert_int_eq(log.writes, 2);    /* offset 0 size 4, offset 4 size 2 */
    ck_assert_uint_eq(log.last_addr, 4);
    ck_assert_uint_eq(log.last_size, 2);
    ck_assert_uint_eq(log.last_val, 0x0807);
    ck_assert_ptr_null(phys_host_ptr(as, 0x8000, 1));
    free_as(as);
}
END_TEST

typedef struct CodeHit {
    uint64_t off, len;
    int n;
} CodeHit;

static void code_written(void *opaque, uint64_t off, uint64_t len)
{
    CodeHit *h = opaque;
    h->off = off;
    h->len = len;
    h->n++;
}

START_TEST(test_code_write_hook)
{
    AddressSpace *as = new_as(1 << 20);
    CodeHit hit = { 0 };
    as->code_write = code_written;
    as->code_write_opaque = &hit;
    mem_add_ram(as, "ram", 0x100000, 1 << 20, as->ram, 0);
    as->page_flags[3] |= PAGE_CODE;
    phys_write(as, 0x100000 + 0x2ffc, 0, 4);
    ck_assert_int_eq(hit.n, 0);
    phys_write(as, 0x100000 + 0x3004, 0x99, 1);
    ck_assert_int_eq(hit.n, 1);
    ck_assert_uint_eq(hit.off, 0x3004);
    ck_assert_uint_eq(hit.len, 1);
    free_as(as);
}
END_TEST

START_TEST(test_big_noreserve)
{
    AddressSpace *as = malloc(sizeof(*as));
    as_init(as);
    uint64_t size = 8ull << 30;
    ck_assert_int_eq(as_alloc_ram(as, size), 0);
    mem_add_ram(as, "low", 0, 0xe0000000ull, as->ram, 0);
    mem_add_ram(as, "high", 0x100000000ull, size - 0xe0000000ull, as->ram + 0xe0000000ull, 0);
    phys_write(as, 0x100000000ull + 0x12345678, 0xabcdef, 4);
    ck_assert_uint_eq(as->ram[0xe0000000ull + 0x12345678], 0xef);
    ck_assert_uint_eq(phys_read(as, 0xe0000000ull, 4), 0xffffffffu);   /* the PCI hole */
    free_as(as);
}
END_TEST

START_TEST(test_bad_args)
{
    AddressSpace *as = new_as(1 << 16);
    uint8_t other[16];
    ck_assert_ptr_null(mem_add_ram(as, "x", 0, 0x20000, as->ram, 0));   /* > block */
    ck_assert_ptr_null(mem_add_ram(as, "x", 0, 16, other, 0));          /* not the block */
    ck_assert_ptr_null(mem_add_ram(as, "x", 0, 0, as->ram, 0));
    ck_assert_int_ne(as_alloc_ram(as, 4096), 0);                        /* twice */
    free_as(as);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("memory");
    TCase *tc = tcase_create("memory");
    tcase_add_test(tc, test_priority_overlap);
    tcase_add_test(tc, test_open_bus);
    tcase_add_test(tc, test_rom_ignores_writes);
    tcase_add_test(tc, test_rw_across_regions);
    tcase_add_test(tc, test_mmio_dispatch);
    tcase_add_test(tc, test_code_write_hook);
    tcase_add_test(tc, test_big_noreserve);
    tcase_add_test(tc, test_bad_args);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_ENV);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
