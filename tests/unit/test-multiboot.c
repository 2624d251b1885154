/* The multiboot v1 loader: images written here, loaded by pc_init, then
 * checked in guest memory and CPU state (nothing runs). */
#include "tests/unit/kernel-fixture.h"

#define MB_MAGIC 0x1badb002u

/* a.out kludge kernel loaded at 1 MiB: header at offset 8, code "NOP HLT". */
static size_t make_aout(uint8_t *img, uint32_t flags, uint32_t load_addr, uint32_t checksum_adj)
{
    memset(img, 0, 64);
    uint8_t *h = img + 8;
    put32(h, MB_MAGIC);
    put32(h + 4, flags | 0x10000);
    put32(h + 8, -(MB_MAGIC + (flags | 0x10000)) + checksum_adj);
    put32(h + 12, load_addr + 8);       /* header_addr */
    put32(h + 16, load_addr);           /* load_addr */
    put32(h + 20, 0);                   /* load_end: whole file */
    put32(h + 24, load_addr + 0x3000);  /* bss_end */
    put32(h + 28, load_addr + 48);      /* entry */
    img[48] = 0x90;
    img[49] = 0xf4;
    img[50] = 0xaa;
    return 64;
}

/* ELF32 with one PT_LOAD: vaddr 0xc0100000 at paddr 0x200000. */
static size_t make_elf(uint8_t *img)
{
    memset(img, 0, 0x1100);
    memcpy(img, "\177ELF", 4);
    img[4] = 1; img[5] = 1; img[6] = 1;
    put16(img + 16, 2);                 /* ET_EXEC */
    put16(img + 18, 3);                 /* EM_386 */
    put32(img + 20, 1);
    put32(img + 24, 0xc0100010);        /* virtual entry */
    put32(img + 28, 52);                /* phoff */
    put16(img + 40, 52);
    put16(img + 42, 32);
    put16(img + 44, 1);
    uint8_t *ph = img + 52;
    put32(ph, 1);                       /* PT_LOAD */
    put32(ph + 4, 0x1000);
    put32(ph + 8, 0xc0100000);
    put32(ph + 12, 0x200000);
    put32(ph + 16, 0x100);
    put32(ph + 20, 0x2000);
    /* The multiboot header inside the first 8 KiB, in the segment. */
    put32(img + 0x1000, MB_MAGIC);
    put32(img + 0x1004, 0);
    put32(img + 0x1008, -MB_MAGIC);
    img[0x1010] = 0xf4;
    img[0x10ff] = 0x77;
    return 0x1100;
}

static uint32_t rd32(Machine *m, uint64_t a) { return phys_read(&m->as, a, 4); }

static void read_str(Machine *m, uint32_t a, char *buf, size_t n)
{
    phys_rw(&m->as, a, buf, n, false);
    buf[n - 1] = 0;
}

START_TEST(test_aout_with_modules)
{
    uint8_t img[64];
    char err[256], s[128];
    const char *k = write_file("k.bin", img, make_aout(img, 3, 0x100000, 0));
    const char *m0 = write_file("m0", "MODULE0", 7);
    write_file("m1", "x", 1);
    char initrd[300];
    snprintf(initrd, sizeof(initrd), "%s a1 a2,%s/m1", m0, dir);
    Machine *m = boot_ram(k, initrd, "console=ttyS0", 64 << 20, err, sizeof(err));
    ck_assert_msg(m, "%s", err);
    X86CPU *cpu = m->cpus[0];
    ck_assert_uint_eq(cpu->regs[R_EAX], 0x2badb002);
    ck_assert_uint_eq(cpu->rip, 0x100030);
    ck_assert_uint_eq(cpu->cr[0] & (CR0_PE | CR0_PG), CR0_PE);
    ck_assert_uint_eq(cpu->seg[R_CS].base, 0);
    ck_assert_uint_eq(cpu->seg[R_CS].limit, 0xffffffff);
    ck_assert(cpu->seg[R_CS].flags & DESC_B_MASK);
    ck_assert(cpu->seg[R_CS].flags & DESC_CS_MASK);
    ck_assert(!(cpu->seg[R_SS].flags & DESC_CS_MASK));
    ck_assert_uint_eq(cpu->seg[R_SS].limit, 0xffffffff);
    ck_assert_uint_eq(x86_get_eflags(cpu) & (IF_MASK | VM_MASK | 2), 2);
    ck_assert_uint_eq(cpu->cpl, 0);
    /* Image and zeroed bss. */
    ck_assert_uint_eq(phys_read(&m->as, 0x100030, 2), 0xf490);
    ck_assert_uint_eq(rd32(m, 0x102000), 0);
    uint32_t mbi = cpu->regs[R_EBX];
    ck_assert_uint_ge(mbi, 0x103000);   /* after the bss */
    ck_assert_uint_eq(rd32(m, mbi) & 0x24d, 0x24d);
    ck_assert_uint_eq(rd32(m, mbi + 4), 639);
    ck_assert_uint_eq(rd32(m, mbi + 8), 63 * 1024);
    read_str(m, rd32(m, mbi + 16), s, sizeof(s));
    char want[200];
    snprintf(want, sizeof(want), "%s console=ttyS0", k);
    ck_assert_str_eq(s, want);
    ck_assert_uint_eq(rd32(m, mbi + 20), 2);
    uint32_t mods = rd32(m, mbi + 24);
    uint32_t start0 = rd32(m, mods), end0 = rd32(m, mods + 4);
    ck_assert_uint_eq(start0 & 0xfff, 0);
    ck_assert_uint_ge(start0, 0x103000);
    ck_assert_uint_eq(end0 - start0, 7);
    ck_assert_uint_eq(phys_read(&m->as, start0, 4), 0x55444f4d);  /* "MODU" */
    read_str(m, rd32(m, mods + 8), s, sizeof(s));
    snprintf(want, sizeof(want), "%s a1 a2", m0);
    ck_assert_str_eq(s, want);
    ck_assert_uint_eq(rd32(m, mods + 16) & 0xfff, 0);
    ck_assert_uint_gt(rd32(m, mods + 16), end0);
    read_str(m, rd32(m, mbi + 64), s, sizeof(s));
    ck_assert_str_eq(s, "yinglong");
    /* Memory map: 0-9fc00 usable, then reserved, 1M..64M usable. */
    ck_assert_uint_eq(rd32(m, mbi + 44), 4 * 24);
    uint32_t mm = rd32(m, mbi + 48);
    ck_assert_uint_eq(rd32(m, mm), 20);
    ck_assert_uint_eq(phys_read(&m->as, mm + 12, 8), 0x9fc00);
    ck_assert_uint_eq(rd32(m, mm + 20), 1);
    ck_assert_uint_eq(rd32(m, mm + 24 + 20), 2);
    ck_assert_uint_eq(phys_read(&m->as, mm + 72 + 4, 8), 0x100000);
    ck_assert_uint_eq(phys_read(&m->as, mm + 72 + 12, 8), 63 << 20);
    done(m);
}
END_TEST

START_TEST(test_elf_and_high_memory)
{
    static uint8_t img[0x1100];
    char err[256];
    const char *k = write_file("k.elf", img, make_elf(img));
    Machine *m = boot_ram(k, NULL, NULL, 0x100000000ull, err, sizeof(err));  /* 4 GiB */
    ck_assert_msg(m, "%s", err);
    X86CPU *cpu = m->cpus[0];
    ck_assert_uint_eq(cpu->rip, 0x200010);      /* entry made physical */
    ck_assert_uint_eq(phys_read(&m->as, 0x2000ff, 1), 0x77);
    ck_assert_uint_eq(phys_read(&m->as, 0x200100, 4), 0);
    uint32_t mbi = cpu->regs[R_EBX];
    ck_assert_uint_eq(rd32(m, mbi + 44), 5 * 24);
    uint32_t mm = rd32(m, mbi + 48);
    ck_assert_uint_eq(phys_read(&m->as, mm + 72 + 12, 8), 0xe0000000ull - 0x100000);
    ck_assert_uint_eq(phys_read(&m->as, mm + 96 + 4, 8), 0x100000000ull);
    ck_assert_uint_eq(phys_read(&m->as, mm + 96 + 12, 8), 0x20000000ull);
    char s[64];
    read_str(m, rd32(m, mbi + 16), s, sizeof(s));
    ck_assert_uint_eq(s[strlen(s) - 1], ' ');   /* "path " as QEMU passes it */
    done(m);
}
END_TEST

START_TEST(test_errors)
{
    uint8_t img[64];
    char err[256];
    const char *k = write_file("bad-sum.bin", img, make_aout(img, 0, 0x100000, 1));
    ck_assert_ptr_null(boot_ram(k, NULL, NULL, 64 << 20, err, sizeof(err)));
    ck_assert_msg(strstr(err, "checksum"), "%s", err);
    memset(img, 0, sizeof(img));
    k = write_file("zero.bin", img, sizeof(img));
    ck_assert_ptr_null(boot_ram(k, NULL, NULL, 64 << 20, err, sizeof(err)));
    ck_assert_msg(strstr(err, "not a multiboot kernel"), "%s", err);
    k = write_file("far.bin", img, make_aout(img, 0, 0x8000000, 0));   /* 128 MiB */
    ck_assert_ptr_null(boot_ram(k, NULL, NULL, 64 << 20, err, sizeof(err)));
    ck_assert_msg(strstr(err, "outside RAM"), "%s", err);
    k = write_file("rom.bin", img, make_aout(img, 0, 0xf0000, 0));
    ck_assert_ptr_null(boot_ram(k, NULL, NULL, 64 << 20, err, sizeof(err)));
    ck_assert_msg(strstr(err, "outside RAM"), "%s", err);
    k = write_file("video.bin", img, make_aout(img, 0x8, 0x100000, 0));  /* bit 3 */
    ck_assert_ptr_null(boot_ram(k, NULL, NULL, 64 << 20, err, sizeof(err)));
    ck_assert_msg(strstr(err, "unsupported multiboot"), "%s", err);
    k = write_file("ok.bin", img, make_aout(img, 0, 0x100000, 0));
    ck_assert_ptr_null(boot_ram(k, "/nonexistent-module", NULL, 64 << 20, err, sizeof(err)));
    ck_assert_msg(strstr(err, "/nonexistent-module"), "%s", err);
    ck_assert_ptr_null(boot_ram("/nonexistent-kernel", NULL, NULL, 64 << 20, err, sizeof(err)));
    ck_assert_msg(strstr(err, "/nonexistent-kernel"), "%s", err);
}
END_TEST

int main(void)
{
    const TTest *const tests[] = { test_aout_with_modules, test_elf_and_high_memory,
                                   test_errors };
    return kernel_test_main("mb", tests, sizeof(tests) / sizeof(tests[0]));
}
