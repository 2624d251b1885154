/* Direct Linux boot: a fake bzImage (a setup header and a recognisable
 * protected-mode part) loaded by pc_init, then boot_params, e820, command
 * line, initrd, ACPI pointer and the CPU's entry state checked in guest
 * memory (nothing runs). */
#include "hw/acpi/acpi_build.h"
#include "hw/linux_boot.h"
#include "tests/unit/kernel-fixture.h"

#define SETUP_SECTS 2
#define PM_SIZE 8192
#define IMG_SIZE ((SETUP_SECTS + 1) * 512 + PM_SIZE)

/* Setup header of protocol `version`; the protected-mode part counts up. */
static void make_bzimage(uint8_t *img, uint16_t version, uint32_t initrd_max)
{
    memset(img, 0, IMG_SIZE);
    img[HDR_SETUP_SECTS] = SETUP_SECTS;
    put16(img + HDR_BOOT_FLAG, 0xaa55);
    img[HDR_JUMP] = 0xeb;
    img[HDR_JUMP + 1] = 0x6a;           /* header ends at 0x26c */
    memcpy(img + HDR_MAGIC, "HdrS", 4);
    put16(img + HDR_VERSION, version);
    img[HDR_LOADFLAGS] = LOADED_HIGH | 0x20;    /* QUIET: must survive */
    put32(img + HDR_CODE32_START, 0x100000);
    put32(img + HDR_INITRD_ADDR_MAX, initrd_max);
    put32(img + HDR_KERNEL_ALIGN, 0x200000);
    put32(img + HDR_CMDLINE_SIZE, 255);
    put32(img + HDR_INIT_SIZE, 0x40000);
    img[0x268] = 0x5a;                  /* last header byte: copied */
    img[0x26c] = 0x77;                  /* past the header: not copied */
    uint8_t *pm = img + (SETUP_SECTS + 1) * 512;
    for (int i = 0; i < PM_SIZE; i++)
        pm[i] = i * 7 + 3;
}

static Machine *boot(const char *kernel, const char *initrd, const char *append,
                     char *err, int errlen)
{
    return boot_ram(kernel, initrd, append, 64 << 20, err, errlen);
}

static uint64_t rd(Machine *m, uint64_t a, unsigned n) { return phys_read(&m->as, a, n); }
static uint64_t bp(Machine *m, unsigned off, unsigned n) { return rd(m, LINUX_ZERO_PAGE + off, n); }

typedef struct E820Entry { uint64_t base, len; uint32_t type; } E820Entry;

static int read_e820(Machine *m, E820Entry *e)
{
    int n = bp(m, BP_E820_ENTRIES, 1);
    for (int i = 0; i < n; i++) {
        e[i].base = bp(m, BP_E820_TABLE + 20 * i, 8);
        e[i].len = bp(m, BP_E820_TABLE + 20 * i + 8, 8);
        e[i].type = bp(m, BP_E820_TABLE + 20 * i + 16, 4);
    }
    return n;
}

static uint8_t sum(Machine *m, uint64_t a, unsigned n)
{
    uint8_t s = 0;
    for (unsigned i = 0; i < n; i++)
        s += rd(m, a + i, 1);
    return s;
}

/* The MTRRs firmware would leave: enabled, default write-back, fixed
 * ranges on with the VGA window uncacheable, the PCI hole from `hole` to
 * 4 GiB uncacheable through variable range 0, the other ranges off. */
static void check_mtrrs(X86CPU *cpu, uint64_t hole)
{
    const MSRState *s = &cpu->msr;
    ck_assert_uint_eq(s->mtrr_deftype & 0x800, 0x800);          /* E */
    ck_assert_uint_eq(s->mtrr_deftype & 0x400, 0x400);          /* FE */
    ck_assert_uint_eq(s->mtrr_deftype & 0xff, 6);               /* WB */
    ck_assert_uint_eq(s->mtrr_fixed[0], 0x0606060606060606ull);
    ck_assert_uint_eq(s->mtrr_fixed[1], 0x0606060606060606ull);
    ck_assert_uint_eq(s->mtrr_fixed[2], 0);
    ck_assert_uint_eq(s->mtrr_var[0], hole);                     /* UC */
    ck_assert_uint_eq(s->mtrr_var[1] & 0x800, 0x800);            /* valid */
    /* The mask matches exactly the addresses from hole to 4 GiB. */
    uint64_t mask = s->mtrr_var[1] & ~0xfffull;
#define IN_HOLE(a) (((a) & mask) == (hole & mask))
    ck_assert(IN_HOLE(hole) && IN_HOLE(0xfffff000ull));
    ck_assert(!IN_HOLE(hole - 0x1000) && !IN_HOLE(0x100000000ull) && !IN_HOLE(0));
#undef IN_HOLE
    for (int i = 2; i < 16; i++)
        ck_assert_uint_eq(s->mtrr_var[i], 0);
}

START_TEST(test_entry_state)
{
    static uint8_t img[IMG_SIZE];
    char err[256];
    make_bzimage(img, 0x20f, 0x37ffffff);
    const char *k = write_file("bz", img, IMG_SIZE);
    ck_assert(linux_is_bzimage(k));
    Machine *m = boot(k, NULL, NULL, err, sizeof(err));
    ck_assert_msg(m, "%s", err);
    X86CPU *cpu = m->cpus[0];
    ck_assert_uint_eq(cpu->rip, 0x100000);
    ck_assert_uint_eq(cpu->regs[R_ESI], LINUX_ZERO_PAGE);
    ck_assert_uint_eq(cpu->regs[R_EBX] | cpu->regs[R_EBP] | cpu->regs[R_EDI], 0);
    ck_assert_uint_eq(cpu->cr[0] & (CR0_PE | CR0_PG), CR0_PE);
    ck_assert_uint_eq(x86_get_eflags(cpu) & (IF_MASK | VM_MASK | 2), 2);
    ck_assert_uint_eq(cpu->seg[R_CS].sel, 0x10);
    ck_assert(cpu->seg[R_CS].flags & DESC_B_MASK);
    ck_assert(cpu->seg[R_CS].flags & DESC_CS_MASK);
    ck_assert_uint_eq(cpu->seg[R_CS].limit, 0xffffffff);
    ck_assert_uint_eq(cpu->seg[R_DS].sel, 0x18);
    ck_assert_uint_eq(cpu->seg[R_ES].sel, 0x18);
    ck_assert_uint_eq(cpu->seg[R_SS].sel, 0x18);
    ck_assert(!(cpu->seg[R_SS].flags & DESC_CS_MASK));
    /* The GDT in guest RAM holds what the caches were loaded with. */
    ck_assert_uint_ge(cpu->gdt.limit, 0x1f);
    ck_assert_uint_eq(rd(m, cpu->gdt.base + 0x10, 8), 0x00cf9b000000ffffull);
    ck_assert_uint_eq(rd(m, cpu->gdt.base + 0x18, 8), 0x00cf93000000ffffull);
    /* The protected-mode part at 1 MiB, exactly. */
    for (int i = 0; i < PM_SIZE; i += 997)
        ck_assert_uint_eq(rd(m, 0x100000 + i, 1), (uint8_t)(i * 7 + 3));
    /* An empty command line is still a string. */
    ck_assert_uint_eq(bp(m, HDR_CMD_LINE_PTR, 4), LINUX_CMDLINE_ADDR);
    ck_assert_uint_eq(rd(m, LINUX_CMDLINE_ADDR, 1), 0);
    ck_assert_uint_eq(bp(m, HDR_RAMDISK_IMAGE, 4), 0);
    ck_assert_uint_eq(bp(m, HDR_RAMDISK_SIZE, 4), 0);
    check_mtrrs(cpu, 0x80000000ull);
    done(m);
}
END_TEST

/* The APs wait for SIPI with the MTRRs firmware gave every CPU. */
START_TEST(test_mtrrs_smp)
{
    static uint8_t img[IMG_SIZE];
    char err[256];
    make_bzimage(img, 0x20f, 0x37ffffff);
    Machine *m = calloc(1, sizeof(*m));
    machine_init(m);
    m->opt.ram_size = 0xb0000000ull;
    m->opt.nodefaults = true;
    m->opt.smp_cpus = 2;
    m->opt.kernel = write_file("bz", img, IMG_SIZE);
    ck_assert_msg(pc_init(m, err, sizeof(err)) == 0, "%s", err);
    ck_assert_int_eq(m->ncpus, 2);
    check_mtrrs(m->cpus[0], 0xc0000000ull);
    check_mtrrs(m->cpus[1], 0xc0000000ull);
    ck_assert(m->cpus[1]->wait_for_sipi);
    done(m);
}
END_TEST

START_TEST(test_boot_params)
{
    static uint8_t img[IMG_SIZE];
    static uint8_t rd_img[10000];
    char err[256], s[64];
    make_bzimage(img, 0x20f, 0x37ffffff);
    for (size_t i = 0; i < sizeof(rd_img); i++)
        rd_img[i] = i ^ 0x5a;
    const char *k = write_file("bz", img, IMG_SIZE);
    const char *initrd = write_file("initrd", rd_img, sizeof(rd_img));
    Machine *m = boot(k, initrd, "console=ttyS0 quiet", err, sizeof(err));
    ck_assert_msg(m, "%s", err);
    /* The header copy, with the loader's fields filled in. */
    ck_assert_uint_eq(bp(m, HDR_MAGIC, 4), 0x53726448);
    ck_assert_uint_eq(bp(m, HDR_VERSION, 2), 0x20f);
    ck_assert_uint_eq(bp(m, 0x268, 1), 0x5a);
    ck_assert_uint_eq(bp(m, 0x26c, 1), 0);
    ck_assert_uint_eq(bp(m, HDR_TYPE_OF_LOADER, 1), 0xff);
    ck_assert_uint_eq(bp(m, HDR_LOADFLAGS, 1), LOADED_HIGH | CAN_USE_HEAP | 0x20);
    ck_assert_uint_eq(bp(m, HDR_HEAP_END_PTR, 2), 0xfe00 - 0x200);
    ck_assert_uint_eq(bp(m, HDR_CODE32_START, 4), 0x100000);
    phys_rw(&m->as, bp(m, HDR_CMD_LINE_PTR, 4), s, sizeof(s), false);
    ck_assert_str_eq(s, "console=ttyS0 quiet");
    /* initrd: page-aligned, as high as it goes below the ACPI tables. */
    uint32_t at = bp(m, HDR_RAMDISK_IMAGE, 4);
    uint64_t acpi = (64 << 20) - LINUX_ACPI_SIZE;
    ck_assert_uint_eq(bp(m, HDR_RAMDISK_SIZE, 4), sizeof(rd_img));
    ck_assert_uint_eq(at & 0xfff, 0);
    ck_assert_uint_le(at + sizeof(rd_img), acpi);
    ck_assert_uint_gt(at + 0x1000 + sizeof(rd_img), acpi);
    ck_assert_uint_eq(rd(m, at + 9999, 1), (uint8_t)(9999 ^ 0x5a));
    ck_assert_uint_eq(rd(m, at, 1), 0x5a);
    /* e820: low RAM, the EBDA and BIOS holes, RAM, ACPI, the BIOS ROM. */
    E820Entry e[BP_E820_MAX];
    int n = read_e820(m, e);
    ck_assert_int_ge(n, 5);
    ck_assert(e[0].base == 0 && e[0].len == 0x9fc00 && e[0].type == E820_RAM);
    ck_assert(e[1].base == 0x9fc00 && e[1].len == 0x400 && e[1].type == E820_RESERVED);
    ck_assert(e[2].base == 0xf0000 && e[2].len == 0x10000 && e[2].type == E820_RESERVED);
    ck_assert(e[3].base == 0x100000 && e[3].base + e[3].len == acpi && e[3].type == E820_RAM);
    ck_assert(e[4].base == acpi && e[4].len == LINUX_ACPI_SIZE && e[4].type == E820_ACPI);
    if (n > 5)  /* with the BIOS image loaded: reserved up to 4 GiB */
        ck_assert(e[5].base + e[5].len == 0x100000000ull && e[5].type == E820_RESERVED);
    ck_assert_uint_eq(bp(m, BP_ALT_MEM_K, 4), 63 * 1024);
    /* The RSDP inside the ACPI range, checksummed. */
    uint64_t rsdp = bp(m, BP_ACPI_RSDP_ADDR, 8);
    ck_assert_uint_ge(rsdp, acpi);
    ck_assert_uint_lt(rsdp, 64 << 20);
    ck_assert_uint_eq(rd(m, rsdp, 8), 0x2052545020445352ull);   /* "RSD PTR " */
    ck_assert_uint_eq(sum(m, rsdp, 20), 0);
    ck_assert_uint_eq(sum(m, rsdp, 36), 0);
    uint32_t rsdt = rd(m, rsdp + 16, 4);
    ck_assert_uint_eq(rd(m, rsdt, 4), 0x54445352);                /* "RSDT" */
    ck_assert_uint_eq(sum(m, rsdt, rd(m, rsdt + 4, 4)), 0);
    /* Like firmware: the PM block decoded where the FADT says. */
    uint32_t t0 = ioport_read(&m->io, ACPI_PM_BASE + 8, 4);
    ck_assert_uint_ne(t0, 0xffffffff);
    ck_assert_uint_eq(ioport_read(&m->io, ACPI_PM_BASE + 4, 2) & 1, 1);  /* SCI_EN */
    done(m);
}
END_TEST

START_TEST(test_high_memory_and_64bit_entry)
{
    static uint8_t img[IMG_SIZE];
    char err[256];
    make_bzimage(img, 0x20f, 0x7fffffff);
    const char *k = write_file("bz", img, IMG_SIZE);
    const char *initrd = write_file("initrd", "INITRD", 6);
    Machine *m = boot_ram(k, initrd, NULL, 0x100000000ull, err, sizeof(err));  /* 4 GiB */
    ck_assert_msg(m, "%s", err);
    E820Entry e[BP_E820_MAX];
    int n = read_e820(m, e);
    ck_assert(e[n - 1].base == 0x100000000ull && e[n - 1].len == 0x20000000ull);
    ck_assert_uint_eq(e[n - 1].type, E820_RAM);
    /* initrd_addr_max is the limit, not the end of low RAM. */
    uint32_t at = bp(m, HDR_RAMDISK_IMAGE, 4);
    ck_assert_uint_eq(at, 0x80000000u - 0x1000);
    ck_assert_uint_eq(rd(m, at, 4), 0x54494e49);     /* "INIT" */
    /* The 64-bit entry: long mode, identity map, startup_64. */
    X86CPU *cpu = m->cpus[0];
    ck_assert_int_eq(linux_boot_load(m, cpu, true, err, sizeof(err)), 0);
    ck_assert_uint_eq(cpu->rip, 0x100200);
    ck_assert_uint_eq(cpu->cr[0] & (CR0_PE | CR0_PG), CR0_PE | CR0_PG);
    ck_assert(cpu->cr[4] & CR4_PAE);
    ck_assert_uint_eq(cpu->msr.efer & 0x500, 0x500);     /* LME, LMA */
    ck_assert(cpu->seg[R_CS].flags & DESC_L_MASK);
    ck_assert(!(cpu->seg[R_CS].flags & DESC_B_MASK));
    ck_assert_uint_eq(cpu->regs[R_ESI], LINUX_ZERO_PAGE);
    /* Walk the tables for 0xc0323456 (PML4 0, PDPT 3, PD 1, 2 MiB page). */
    uint64_t pml4e = rd(m, cpu->cr[3], 8);
    uint64_t pdpte = rd(m, (pml4e & ~0xfffull) + 3 * 8, 8);
    uint64_t pde = rd(m, (pdpte & ~0xfffull) + 1 * 8, 8);
    ck_assert(pml4e & pdpte & 1);
    ck_assert_uint_eq(pde & 0x83, 0x83);
    ck_assert_uint_eq((pde & ~0x1fffffull) | (0xc0323456 & 0x1fffff), 0xc0323456);
    check_mtrrs(cpu, 0xe0000000ull);
    done(m);
}
END_TEST

START_TEST(test_errors)
{
    static uint8_t img[IMG_SIZE];
    static uint8_t big[1 << 20];
    char err[256], longline[300];
    make_bzimage(img, 0x205, 0x37ffffff);
    const char *k = write_file("old", img, IMG_SIZE);
    ck_assert_ptr_null(boot(k, NULL, NULL, err, sizeof(err)));
    ck_assert_msg(strstr(err, "boot protocol 2.05 is too old"), "%s", err);
    /* Not a bzImage and not multiboot: the message names both. */
    memset(img, 0, IMG_SIZE);
    k = write_file("zero", img, IMG_SIZE);
    ck_assert(!linux_is_bzimage(k));
    ck_assert_ptr_null(boot(k, NULL, NULL, err, sizeof(err)));
    ck_assert_msg(strstr(err, "not a multiboot kernel or Linux bzImage"), "%s", err);
    ck_assert_ptr_null(boot("/nonexistent-bz", NULL, NULL, err, sizeof(err)));
    ck_assert_msg(strstr(err, "/nonexistent-bz"), "%s", err);
    make_bzimage(img, 0x20f, 0x37ffffff);
    k = write_file("bz", img, IMG_SIZE);
    ck_assert_ptr_null(boot(k, "/nonexistent-initrd", NULL, err, sizeof(err)));
    ck_assert_msg(strstr(err, "/nonexistent-initrd"), "%s", err);
    /* An initrd above initrd_addr_max's reach: below 1.5 MiB won't do. */
    make_bzimage(img, 0x20f, 0x17ffff);
    k = write_file("bz-low", img, IMG_SIZE);
    const char *initrd = write_file("big", big, sizeof(big));
    ck_assert_ptr_null(boot(k, initrd, NULL, err, sizeof(err)));
    ck_assert_msg(strstr(err, "does not fit"), "%s", err);
    /* Longer than cmdline_size. */
    memset(longline, 'x', sizeof(longline) - 1);
    longline[sizeof(longline) - 1] = 0;
    make_bzimage(img, 0x20f, 0x37ffffff);
    k = write_file("bz", img, IMG_SIZE);
    ck_assert_ptr_null(boot(k, NULL, longline, err, sizeof(err)));
    ck_assert_msg(strstr(err, "at most 255"), "%s", err);
    /* A truncated image: the setup sectors are all there is. */
    k = write_file("short", img, (SETUP_SECTS + 1) * 512);
    ck_assert_ptr_null(boot(k, NULL, NULL, err, sizeof(err)));
    ck_assert_msg(strstr(err, "setup sectors"), "%s", err);
}
END_TEST

int main(void)
{
    const TTest *const tests[] = { test_entry_state, test_boot_params,
                                   test_high_memory_and_64bit_entry, test_mtrrs_smp,
                                   test_errors };
    return kernel_test_main("linux", tests, sizeof(tests) / sizeof(tests[0]));
}
