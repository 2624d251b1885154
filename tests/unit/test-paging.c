/* The memory side of the CPU without an exec loop: page tables built in
 * guest RAM and translated through lin_ld / lin_st (32-bit paging with
 * 4 KiB and 4 MiB pages, PAE with 2 MiB pages), A/D bits, every #PF error
 * code bit, CR0.WP, global pages across flushes, INVLPG, page-crossing
 * stores, self-modifying-code notification, MMIO, and segment limit and
 * rights checks, CR writes, RESET state and CPUID.  Faults are caught by
 * setjmp on cpu->jmp_env, where raise_exception longjmps. */
#include <check.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>

#include "cpu/x86/paging.h"
#include "cpu/x86/sysregs.h"
#include "yl/machine.h"

#define RAM_SIZE (16u << 20)

static Machine *m;
static X86CPU *cpu;

static void setup(void)
{
    m = calloc(1, sizeof(*m));
    cpu = calloc(1, sizeof(*cpu));
    ck_assert_ptr_nonnull(m);
    ck_assert_ptr_nonnull(cpu);
    machine_init(m);
    ck_assert_int_eq(as_alloc_ram(&m->as, RAM_SIZE), 0);
    ck_assert_ptr_nonnull(mem_add_ram(&m->as, "ram", 0, RAM_SIZE, m->as.ram, 0));
    x86_cpu_init(cpu, m, &m->as, &m->io, &m->log);
}

static void teardown(void)
{
    as_destroy(&m->as);
    free(cpu);
    free(m);
}

/* ---- helpers ----------------------------------------------------------- */

static void pw32(uint64_t pa, uint32_t v) { memcpy(m->as.ram + pa, &v, 4); }
static void pw64(uint64_t pa, uint64_t v) { memcpy(m->as.ram + pa, &v, 8); }
static uint32_t pr32(uint64_t pa) { uint32_t v; memcpy(&v, m->as.ram + pa, 4); return v; }
static uint64_t pr64(uint64_t pa) { uint64_t v; memcpy(&v, m->as.ram + pa, 8); return v; }

/* Returns -1, or the vector raised (error code in cpu->error_code). */
static int try_ld32(uint32_t lin, uint32_t *out)
{
    if (setjmp(cpu->jmp_env))
        return cpu->exception_index;
    *out = lin_ld32(cpu, lin);
    return -1;
}

static int try_st32(uint32_t lin, uint32_t v)
{
    if (setjmp(cpu->jmp_env))
        return cpu->exception_index;
    lin_st32(cpu, lin, v);
    return -1;
}

static int try_fetch(uint32_t lin)
{
    if (setjmp(cpu->jmp_env))
        return cpu->exception_index;
    x86_fetch_code8(cpu, lin);
    return -1;
}

static int try_cr(int n, uint64_t v)
{
    if (setjmp(cpu->jmp_env))
        return cpu->exception_index;
    x86_write_cr(cpu, n, v);
    return -1;
}

static void expect_pf(int vec, uint32_t err, uint32_t lin)
{
    ck_assert_int_eq(vec, EXC_PF);
    ck_assert_uint_eq(cpu->error_code, err);
    ck_assert_uint_eq(cpu->cr[2], lin);
}

static void enter_pm(void)
{
    cpu->cr[0] |= CR0_PE;
    x86_load_seg_raw(cpu, R_CS, 0x08, 0, 0xffffffff,
                     DESC_P_MASK | DESC_S_MASK | DESC_CS_MASK | DESC_R_MASK | DESC_B_MASK);
}

static void set_cpl(int cpl)
{
    cpu->cpl = cpl;
}

/* 32-bit paging: page directory at 0x10000, one page table at 0x11000
 * covering 0x00000000-0x003fffff. */
#define PD 0x10000u
#define PT 0x11000u

static void paging32_on(void)
{
    enter_pm();
    memset(m->as.ram + PD, 0, 0x2000);
    pw32(PD, PT | 0x7);
    ck_assert_int_eq(try_cr(3, PD), -1);
    ck_assert_int_eq(try_cr(0, (uint32_t)cpu->cr[0] | CR0_PG), -1);
}

static void map4k(uint32_t lin, uint32_t pa, uint32_t bits)
{
    pw32(PT + ((lin >> 12) & 0x3ff) * 4, pa | bits);
}

/* ---- RESET and basics ---------------------------------------------------- */

START_TEST(test_reset_state)
{
    ck_assert_uint_eq(cpu->seg[R_CS].sel, 0xf000);
    ck_assert_uint_eq(cpu->seg[R_CS].base, 0xffff0000u);
    ck_assert_uint_eq(cpu->seg[R_CS].limit, 0xffff);
    ck_assert_uint_eq(cpu->rip, 0xfff0);
    ck_assert_uint_eq(cpu->regs[R_EDX] >> 8 & 0xf, 6);
    ck_assert_uint_eq(cpu->cr[0], 0x60000010u);
    ck_assert_uint_eq(x86_get_eflags(cpu), 2);
    ck_assert_uint_eq(cpu->dr[6], 0xffff0ff0u);
    ck_assert_uint_eq(cpu->dr[7], 0x400);
    ck_assert_uint_eq(cpu->fpu.fcw, 0x40);
    ck_assert_uint_eq(cpu->a20_mask, 0xffffffffu);
    ck_assert_int_eq(cpu->exception_index, -1);
    ck_assert_uint_eq(cpu->gdt.limit, 0xffff);
    ck_assert_uint_eq(cpu->seg[R_DS].flags & DESC_P_MASK, DESC_P_MASK);
    /* The first instruction fetch reads the top of the 4 GiB space: open
     * bus here (no ROM mapped). */
    ck_assert_uint_eq(x86_fetch_code8(cpu, 0xfffffff0u), 0xff);
}
END_TEST

START_TEST(test_eflags_roundtrip)
{
    x86_set_eflags(cpu, 0xffffffffu, CC_ALL | DF_MASK | IF_MASK);
    ck_assert_uint_eq(x86_get_eflags(cpu), CC_ALL | DF_MASK | IF_MASK | 2);
    x86_set_eflags(cpu, 0, CC_C | IF_MASK);
    ck_assert_uint_eq(x86_get_eflags(cpu), (CC_ALL & ~CC_C) | DF_MASK | 2);
}
END_TEST

START_TEST(test_no_paging_and_a20)
{
    uint32_t v = 0;
    ck_assert_int_eq(try_st32(0x1000, 0x12345678), -1);
    ck_assert_uint_eq(pr32(0x1000), 0x12345678);
    ck_assert_int_eq(try_ld32(0x101000, &v), -1);
    ck_assert_uint_eq(v, 0);
    x86_cpu_set_a20(cpu, false);
    ck_assert_int_eq(try_ld32(0x101000, &v), -1);
    ck_assert_uint_eq(v, 0x12345678);
    x86_cpu_set_a20(cpu, true);
    ck_assert_int_eq(try_ld32(0x101000, &v), -1);
    ck_assert_uint_eq(v, 0);
}
END_TEST

/* ---- 32-bit paging --------------------------------------------------- */

START_TEST(test_4k_translate_and_ad)
{
    paging32_on();
    map4k(0x5000, 0x200000, 0x3);
    pw32(0x200010, 0xcafef00d);
    uint32_t v = 0;
    ck_assert_int_eq(try_ld32(0x5010, &v), -1);
    ck_assert_uint_eq(v, 0xcafef00d);
    ck_assert_uint_eq(pr32(PD) & 0x20, 0x20);          /* A on the PDE */
    ck_assert_uint_eq(pr32(PT + 5 * 4) & 0x60, 0x20);  /* A, no D */
    ck_assert_int_eq(try_st32(0x5014, 0x11223344), -1);
    ck_assert_uint_eq(pr32(PT + 5 * 4) & 0x60, 0x60);  /* D now */
    ck_assert_uint_eq(pr32(0x200014), 0x11223344);
    ck_assert_uint_eq(x86_code_phys(cpu, 0x5abc), 0x200abc);
}
END_TEST

START_TEST(test_4k_fault_codes)
{
    paging32_on();
    map4k(0x6000, 0x300000, 0x1);           /* supervisor, read-only */
    map4k(0x7000, 0x301000, 0x5);           /* user, read-only */
    uint32_t v;

    /* not present: P=0 */
    expect_pf(try_ld32(0x8000, &v), 0, 0x8000);
    expect_pf(try_st32(0x8004, 1), PF_W, 0x8004);
    set_cpl(3);
    expect_pf(try_st32(0x8008, 1), PF_W | PF_U, 0x8008);
    expect_pf(try_fetch(0x8009), PF_U, 0x8009);
    /* user access to a supervisor page */
    expect_pf(try_ld32(0x6000, &v), PF_P | PF_U, 0x6000);
    ck_assert_uint_eq(pr32(PT + 6 * 4) & 0x20, 0);     /* no A on a fault */
    /* user write to a read-only user page */
    ck_assert_int_eq(try_ld32(0x7000, &v), -1);
    expect_pf(try_st32(0x7000, 1), PF_P | PF_W | PF_U, 0x7000);
    set_cpl(0);
    /* supervisor write to a read-only page: allowed without CR0.WP */
    ck_assert_int_eq(try_st32(0x6000, 0xabcd), -1);
    ck_assert_uint_eq(pr32(0x300000), 0xabcd);
    ck_assert_int_eq(try_cr(0, (uint32_t)cpu->cr[0] | CR0_WP), -1);
    expect_pf(try_st32(0x6004, 1), PF_P | PF_W, 0x6004);
    ck_assert_uint_eq(pr32(0x300004), 0);
    /* a user-writable page still needs U=1 and W=1 in the PDE too */
    map4k(0x9000, 0x302000, 0x7);
    pw32(PD, PT | 0x5);
    tlb_flush(cpu);
    set_cpl(3);
    expect_pf(try_st32(0x9000, 1), PF_P | PF_W | PF_U, 0x9000);
}
END_TEST

START_TEST(test_4m_pages)
{
    paging32_on();
    ck_assert_int_eq(try_cr(4, CR4_PSE), -1);
    pw32(PD + 2 * 4, 0x00c00000u | 0x83);   /* 8 MiB -> 12 MiB, 4 MiB page */
    pw32(0xc12344, 0x5a5a5a5a);
    uint32_t v = 0;
    ck_assert_int_eq(try_ld32(0x812344, &v), -1);
    ck_assert_uint_eq(v, 0x5a5a5a5a);
    ck_assert_uint_eq(pr32(PD + 8) & 0x60, 0x20);
    ck_assert_int_eq(try_st32(0x812348, 7), -1);
    ck_assert_uint_eq(pr32(PD + 8) & 0x60, 0x60);
    ck_assert_uint_eq(pr32(0xc12348), 7);
    /* bit 21 of a 4 MiB PDE is reserved */
    pw32(PD + 3 * 4, 0x00c00000u | (1u << 21) | 0x83);
    expect_pf(try_ld32(0xc00000, &v), PF_P | PF_RSVD, 0xc00000);
    /* INVLPG anywhere in the large page drops all of it */
    pw32(PD + 2 * 4, 0x00800000u | 0x83);
    ck_assert_int_eq(try_ld32(0x812344, &v), -1);
    ck_assert_uint_eq(v, 0x5a5a5a5a);       /* still the cached mapping */
    tlb_flush_page(cpu, 0xb00000);
    pw32(0x812344, 0x77777777);
    ck_assert_int_eq(try_ld32(0x812344, &v), -1);
    ck_assert_uint_eq(v, 0x77777777);
    /* without CR4.PSE the PS bit is ignored: the PDE points to a table */
    ck_assert_int_eq(try_cr(4, 0), -1);
    memset(m->as.ram + 0x800000, 0, 0x1000);
    pw32(0x800000 + 0x12 * 4, 0x400000 | 0x3);
    pw32(0x400344, 0x99);
    ck_assert_int_eq(try_ld32(0x812344, &v), -1);
    ck_assert_uint_eq(v, 0x99);
}
END_TEST

START_TEST(test_global_pages)
{
    paging32_on();
    ck_assert_int_eq(try_cr(4, CR4_PGE), -1);
    map4k(0x1000, 0x100000, 0x103);         /* global */
    map4k(0x2000, 0x101000, 0x003);
    pw32(0x100000, 1);
    pw32(0x101000, 2);
    pw32(0x102000, 3);
    uint32_t v;
    ck_assert_int_eq(try_ld32(0x1000, &v), -1);
    ck_assert_int_eq(try_ld32(0x2000, &v), -1);
    /* remap both to 0x102000 and reload CR3 */
    map4k(0x1000, 0x102000, 0x103);
    map4k(0x2000, 0x102000, 0x003);
    ck_assert_int_eq(try_cr(3, PD), -1);
    ck_assert_int_eq(try_ld32(0x1000, &v), -1);
    ck_assert_uint_eq(v, 1);                /* global entry survived */
    ck_assert_int_eq(try_ld32(0x2000, &v), -1);
    ck_assert_uint_eq(v, 3);
    /* toggling PGE flushes everything */
    ck_assert_int_eq(try_cr(4, 0), -1);
    ck_assert_int_eq(try_ld32(0x1000, &v), -1);
    ck_assert_uint_eq(v, 3);
}
END_TEST

START_TEST(test_cross_page_store)
{
    paging32_on();
    map4k(0x3000, 0x103000, 0x3);
    map4k(0x4000, 0x104000, 0x1);           /* read-only */
    ck_assert_int_eq(try_cr(0, (uint32_t)cpu->cr[0] | CR0_WP), -1);
    expect_pf(try_st32(0x3ffe, 0xffffffff), PF_P | PF_W, 0x4000);
    ck_assert_uint_eq(pr32(0x103ffc), 0);   /* nothing written */
    map4k(0x4000, 0x104000, 0x3);
    tlb_flush_page(cpu, 0x4000);
    ck_assert_int_eq(try_st32(0x3ffe, 0xa1b2c3d4), -1);
    ck_assert_uint_eq(pr32(0x103ffc) >> 16, 0xc3d4);
    ck_assert_uint_eq(pr32(0x104000) & 0xffff, 0xa1b2);
    uint32_t v;
    ck_assert_int_eq(try_ld32(0x3ffe, &v), -1);
    ck_assert_uint_eq(v, 0xa1b2c3d4);
}
END_TEST

static int try_sys_st32(uint32_t lin, uint32_t v)
{
    if (setjmp(cpu->jmp_env))
        return cpu->exception_index;
    sys_st32(cpu, lin, v);
    return -1;
}

static int try_probe(uint32_t lin, uint32_t len)
{
    if (setjmp(cpu->jmp_env))
        return cpu->exception_index;
    lin_probe_write(cpu, lin, len);
    return -1;
}

START_TEST(test_implicit_and_probe)
{
    paging32_on();
    map4k(0x1000, 0x101000, 0x3);           /* supervisor RW */
    map4k(0x2000, 0x102000, 0x7);           /* user RW */
    map4k(0x3000, 0x103000, 0x5);           /* user RO */
    set_cpl(3);
    /* implicit supervisor accesses at CPL 3: supervisor rights, U=0 */
    ck_assert_int_eq(try_sys_st32(0x1000, 0x5555), -1);
    ck_assert_uint_eq(pr32(0x101000), 0x5555);
    expect_pf(try_sys_st32(0x4000, 1), PF_W, 0x4000);
    /* the user set did not inherit the supervisor entry */
    uint32_t v;
    expect_pf(try_ld32(0x1000, &v), PF_P | PF_U, 0x1000);
    /* probe: all pages checked, nothing written, D set only on success */
    expect_pf(try_probe(0x2ff0, 0x20), PF_P | PF_W | PF_U, 0x3000);
    ck_assert_uint_eq(pr32(0x102ff0), 0);
    ck_assert_int_eq(try_probe(0x2000, 0x1000), -1);
    ck_assert_uint_eq(pr32(PT + 2 * 4) & 0x40, 0x40);
}
END_TEST

START_TEST(test_dump)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    ck_assert_ptr_nonnull(f);
    x86_cpu_dump(cpu, f);
    fclose(f);
    ck_assert_ptr_nonnull(strstr(buf, "EIP=0000fff0 EFL=00000002 [-------] CPL=0"));
    ck_assert_ptr_nonnull(strstr(buf, "CS =f000 ffff0000 0000ffff 00009b00"));
    ck_assert_ptr_nonnull(strstr(buf, "CR0=60000010"));
    ck_assert_ptr_nonnull(strstr(buf, "DR6=ffff0ff0 DR7=00000400"));
    free(buf);
}
END_TEST

/* ---- PAE ---------------------------------------------------------------- */

#define PDPT 0x20000u
#define PAE_PD 0x21000u
#define PAE_PT 0x22000u

static void pae_on(void)
{
    enter_pm();
    memset(m->as.ram + PDPT, 0, 0x3000);
    pw64(PDPT, PAE_PD | 1);
    pw64(PAE_PD, PAE_PT | 7);
    ck_assert_int_eq(try_cr(3, PDPT), -1);
    ck_assert_int_eq(try_cr(4, CR4_PAE), -1);
    ck_assert_int_eq(try_cr(0, (uint32_t)cpu->cr[0] | CR0_PG), -1);
}

START_TEST(test_pae)
{
    pae_on();
    pw64(PAE_PT + 3 * 8, 0x205000 | 3);
    pw32(0x205008, 0x31415926);
    uint32_t v = 0;
    ck_assert_int_eq(try_ld32(0x3008, &v), -1);
    ck_assert_uint_eq(v, 0x31415926);
    ck_assert_uint_eq(pr64(PAE_PT + 3 * 8) & 0x60, 0x20);
    ck_assert_uint_eq(pr64(PAE_PD) & 0x20, 0x20);
    /* 2 MiB page: PDE 1 maps 0x200000.. to 0xa00000.. */
    pw64(PAE_PD + 8, 0xa00000 | 0x83);
    pw32(0xa54320, 0x27182818);
    ck_assert_int_eq(try_ld32(0x254320, &v), -1);
    ck_assert_uint_eq(v, 0x27182818);
    ck_assert_int_eq(try_st32(0x254324, 5), -1);
    ck_assert_uint_eq(pr64(PAE_PD + 8) & 0x60, 0x60);
    /* reserved bits: 2 MiB page bit 13, PTE bit 63 (no NX), bits 36+ */
    pw64(PAE_PD + 16, 0xa00000 | (1u << 13) | 0x83);
    expect_pf(try_ld32(0x400000, &v), PF_P | PF_RSVD, 0x400000);
    pw64(PAE_PT + 4 * 8, 0x206000 | (1ull << 63) | 3);
    expect_pf(try_ld32(0x4000, &v), PF_P | PF_RSVD, 0x4000);
    pw64(PAE_PT + 5 * 8, 0x206000 | (1ull << 40) | 3);
    set_cpl(3);
    expect_pf(try_st32(0x5000, 1), PF_P | PF_RSVD | PF_W | PF_U, 0x5000);
    set_cpl(0);
    /* a not-present PDPTE faults at use; a bad one faults at the MOV CR3 */
    expect_pf(try_ld32(0x40000000, &v), 0, 0x40000000);
    pw64(PDPT + 8, PAE_PD | 1 | (1u << 5));
    ck_assert_int_eq(try_cr(3, PDPT), EXC_GP);
    ck_assert_uint_eq(cpu->cr[3], PDPT);
    pw64(PDPT + 8, 0);
    /* PDPTEs are cached: changing memory has no effect until CR3 reload */
    pw64(PDPT, 0);
    ck_assert_int_eq(try_ld32(0x254320, &v), -1);
    tlb_flush(cpu);
    ck_assert_int_eq(try_ld32(0x254320, &v), -1);
    ck_assert_int_eq(try_cr(3, PDPT), -1);
    expect_pf(try_ld32(0x254320, &v), 0, 0x254320);
}
END_TEST

/* ---- self-modifying code, MMIO, ROM --------------------------------------- */

static uint64_t cw_off, cw_len;
static int cw_calls;

static void code_written(void *opaque, uint64_t off, uint64_t len)
{
    cw_off = off;
    cw_len = len;
    cw_calls++;
    m->as.page_flags[off >> YL_PAGE_BITS] &= ~PAGE_CODE;
}

START_TEST(test_code_write_notify)
{
    m->as.code_write = code_written;
    cw_calls = 0;
    ck_assert_int_eq(try_st32(0x7000, 1), -1);     /* fast entry exists */
    m->as.page_flags[7] |= PAGE_CODE;
    tlb_protect_code(cpu, 0x7000);
    ck_assert_int_eq(try_st32(0x7010, 0xdeadbeef), -1);
    ck_assert_int_eq(cw_calls, 1);
    ck_assert_uint_eq(cw_off, 0x7010);
    ck_assert_uint_eq(cw_len, 4);
    ck_assert_uint_eq(pr32(0x7010), 0xdeadbeef);
    /* the blocks are gone: later writes do not call again */
    ck_assert_int_eq(try_st32(0x7020, 2), -1);
    ck_assert_int_eq(cw_calls, 1);
    /* a fresh fill of a code page starts in the slow state too */
    m->as.page_flags[8] |= PAGE_CODE;
    ck_assert_int_eq(try_st32(0x8000, 3), -1);
    ck_assert_int_eq(cw_calls, 2);
}
END_TEST

static uint64_t mmio_last_addr, mmio_last_val;
static unsigned mmio_last_size;

static uint64_t mmio_read(void *opaque, uint64_t addr, unsigned size)
{
    mmio_last_addr = addr;
    mmio_last_size = size;
    return 0x1000 + addr;
}

static void mmio_write(void *opaque, uint64_t addr, uint64_t val, unsigned size)
{
    mmio_last_addr = addr;
    mmio_last_val = val;
    mmio_last_size = size;
}

static const MemOps mmio_ops = { mmio_read, mmio_write };

START_TEST(test_mmio_and_rom)
{
    ck_assert_ptr_nonnull(mem_add_mmio(&m->as, "dev", 0xfe000000u, 0x1000, &mmio_ops, NULL, 1));
    uint32_t v = 0;
    ck_assert_int_eq(try_ld32(0xfe000010u, &v), -1);
    ck_assert_uint_eq(v, 0x1010);
    ck_assert_uint_eq(mmio_last_size, 4);
    ck_assert_int_eq(try_st32(0xfe000020u, 0x55), -1);
    ck_assert_uint_eq(mmio_last_addr, 0x20);
    ck_assert_uint_eq(mmio_last_val, 0x55);
    /* ROM over RAM: reads see the ROM, writes are dropped */
    static uint8_t rom[0x1000];
    memset(rom, 0xab, sizeof(rom));
    ck_assert_int_eq(try_ld32(0xe0000, &v), -1);   /* RAM entry cached */
    ck_assert_ptr_nonnull(mem_add_rom(&m->as, "rom", 0xe0000, sizeof(rom), rom, 2));
    ck_assert_int_eq(try_ld32(0xe0000, &v), -1);   /* stale until checked */
    ck_assert_uint_eq(v, 0);
    tlb_check_generation(cpu);      /* what the exec loop does between blocks */
    ck_assert_int_eq(try_ld32(0xe0000, &v), -1);   /* map changed: refill */
    ck_assert_uint_eq(v, 0xabababab);
    ck_assert_int_eq(try_st32(0xe0000, 0), -1);
    ck_assert_uint_eq(rom[0], 0xab);
    ck_assert_uint_eq(x86_fetch_code8(cpu, 0xe0001), 0xab);
}
END_TEST

/* ---- segmentation and stack ---------------------------------------------- */

static int try_seg_ld16(int seg, uint32_t off, uint16_t *out)
{
    if (setjmp(cpu->jmp_env))
        return cpu->exception_index;
    *out = ld16(cpu, seg, off);
    return -1;
}

static int try_seg_st16(int seg, uint32_t off, uint16_t v)
{
    if (setjmp(cpu->jmp_env))
        return cpu->exception_index;
    st16(cpu, seg, off, v);
    return -1;
}

#define DATA_RW (DESC_P_MASK | DESC_S_MASK | DESC_W_MASK | DESC_A_MASK)

START_TEST(test_segments)
{
    uint16_t v;
    /* real mode: limit only; word at 0xffff overruns */
    x86_load_seg_raw(cpu, R_DS, 0x100, 0, 0xffff, DATA_RW);
    ck_assert_uint_eq(cpu->seg[R_DS].base, 0x1000);
    ck_assert_int_eq(try_seg_st16(R_DS, 0x10, 0x4242), -1);
    ck_assert_uint_eq(pr32(0x1010) & 0xffff, 0x4242);
    ck_assert_int_eq(try_seg_ld16(R_DS, 0xffff, &v), EXC_GP);
    ck_assert_int_eq(try_seg_ld16(R_SS, 0xffff, &v), EXC_SS);
    /* unreal mode: a 4 GiB limit kept from protected mode */
    cpu->seg[R_DS].limit = 0xffffffffu;
    ck_assert_int_eq(try_seg_ld16(R_DS, 0x100000, &v), -1);
    /* real-mode writes through a segment whose cache says code: fine */
    ck_assert_int_eq(try_seg_st16(R_CS, 0x10, 1), -1);

    enter_pm();
    /* read-only data, code, execute-only code */
    x86_load_seg_raw(cpu, R_ES, 0x10, 0x2000, 0xfff, DESC_P_MASK | DESC_S_MASK);
    ck_assert_int_eq(try_seg_ld16(R_ES, 0, &v), -1);
    ck_assert_int_eq(try_seg_st16(R_ES, 0, 1), EXC_GP);
    ck_assert_uint_eq(cpu->error_code, 0);
    x86_load_seg_raw(cpu, R_FS, 0x18, 0x2000, 0xfff,
                     DESC_P_MASK | DESC_S_MASK | DESC_CS_MASK);
    ck_assert_int_eq(try_seg_ld16(R_FS, 0, &v), EXC_GP);
    x86_load_seg_raw(cpu, R_FS, 0x18, 0x2000, 0xfff,
                     DESC_P_MASK | DESC_S_MASK | DESC_CS_MASK | DESC_R_MASK);
    ck_assert_int_eq(try_seg_ld16(R_FS, 0, &v), -1);
    ck_assert_int_eq(try_seg_st16(R_FS, 0, 1), EXC_GP);
    /* null selector */
    x86_load_seg_raw(cpu, R_GS, 0, 0, 0, 0);
    ck_assert_int_eq(try_seg_ld16(R_GS, 0, &v), EXC_GP);
    /* limits: last byte counts */
    x86_load_seg_raw(cpu, R_DS, 0x20, 0x3000, 0xfff, DATA_RW);
    ck_assert_int_eq(try_seg_ld16(R_DS, 0xffe, &v), -1);
    ck_assert_int_eq(try_seg_ld16(R_DS, 0xfff, &v), EXC_GP);
    /* expand-down, 16-bit: valid offsets limit+1 .. 0xffff */
    x86_load_seg_raw(cpu, R_SS, 0x28, 0x10000, 0xfff, DATA_RW | DESC_E_MASK);
    ck_assert_int_eq(try_seg_ld16(R_SS, 0xfff, &v), EXC_SS);
    ck_assert_int_eq(try_seg_st16(R_SS, 0x1000, 9), -1);
    ck_assert_uint_eq(pr32(0x11000) & 0xffff, 9);
    ck_assert_int_eq(try_seg_ld16(R_SS, 0xfffe, &v), -1);
    ck_assert_int_eq(try_seg_ld16(R_SS, 0xffff, &v), EXC_SS);
    /* expand-down, big: up to 0xffffffff */
    x86_load_seg_raw(cpu, R_SS, 0x28, 0, 0xfff, DATA_RW | DESC_E_MASK | DESC_B_MASK);
    ck_assert_int_eq(try_seg_ld16(R_SS, 0x10000, &v), -1);
    /* linear address wraps at 4 GiB */
    x86_load_seg_raw(cpu, R_DS, 0x20, 0xfffff000u, 0xffffffffu, DATA_RW);
    ck_assert_int_eq(try_seg_st16(R_DS, 0x2000, 0x7777), -1);
    ck_assert_uint_eq(pr32(0x1000) & 0xffff, 0x7777);
}
END_TEST

START_TEST(test_stack)
{
    /* 16-bit stack: SP wraps, the upper half of ESP is kept */
    cpu->regs[R_ESP] = 0xabcd0000u;
    x86_load_seg_raw(cpu, R_SS, 0x200, 0, 0xffff, DATA_RW);
    if (setjmp(cpu->jmp_env))
        ck_abort_msg("unexpected exception %d", cpu->exception_index);
    x86_push(cpu, 2, 0x1234);
    ck_assert_uint_eq(cpu->regs[R_ESP], 0xabcdfffeu);
    ck_assert_uint_eq(pr32(0x11ffe) & 0xffff, 0x1234);
    x86_push(cpu, 4, 0xdeadbeef);
    ck_assert_uint_eq(x86_peek(cpu, 4, 0), 0xdeadbeef);
    ck_assert_uint_eq(x86_peek(cpu, 2, 4), 0x1234);
    ck_assert_uint_eq(x86_pop(cpu, 4), 0xdeadbeef);
    ck_assert_uint_eq(x86_pop(cpu, 2), 0x1234);
    ck_assert_uint_eq(cpu->regs[R_ESP], 0xabcd0000u);
}
END_TEST

START_TEST(test_push_fault_restarts)
{
    cpu->regs[R_ESP] = 1;       /* a word push at SP=0xffff overruns */
    x86_load_seg_raw(cpu, R_SS, 0, 0, 0xffff, DATA_RW);
    if (setjmp(cpu->jmp_env) == 0) {
        x86_push(cpu, 2, 5);
        ck_abort_msg("no fault");
    }
    ck_assert_int_eq(cpu->exception_index, EXC_SS);
    ck_assert_uint_eq(cpu->regs[R_ESP], 1);
}
END_TEST

/* ---- IA-32e 4-level paging ---------------------------------------------- */

#define PML4 0x30000u
#define LM_PDPT 0x31000u
#define LM_PD 0x32000u
#define LM_PT 0x33000u
#define LM_PDPT_HI 0x34000u
#define FLAGS64 (DESC_P_MASK | DESC_S_MASK | DESC_CS_MASK | DESC_R_MASK | DESC_L_MASK)

static int try_ld64(uint64_t lin, uint64_t *out)
{
    if (setjmp(cpu->jmp_env))
        return cpu->exception_index;
    *out = lin_ld64(cpu, lin);
    return -1;
}

static int try_st64(uint64_t lin, uint64_t v)
{
    if (setjmp(cpu->jmp_env))
        return cpu->exception_index;
    lin_st64(cpu, lin, v);
    return -1;
}

static int try_fetch64(uint64_t lin)
{
    if (setjmp(cpu->jmp_env))
        return cpu->exception_index;
    x86_fetch_code8(cpu, lin);
    return -1;
}

static int try_seg_ld(int seg, uint64_t off, uint32_t *out)
{
    if (setjmp(cpu->jmp_env))
        return cpu->exception_index;
    *out = ld32(cpu, seg, off);
    return -1;
}

static void expect_pf64(int vec, uint32_t err, uint64_t lin)
{
    ck_assert_int_eq(vec, EXC_PF);
    ck_assert_uint_eq(cpu->error_code, err);
    ck_assert_uint_eq(cpu->cr[2], lin);
}

/* Low 2 MiB through a page table (page 5 -> 0x205000), 0x200000 as a 2 MiB
 * page at 0x400000, 1 GiB..2 GiB as a 1 GiB page at 0, and the top 1 GiB
 * (0xffffffffc0000000) through the same page directory as the bottom. */
static void long_on(void)
{
    enter_pm();
    memset(m->as.ram + PML4, 0, 0x5000);
    pw64(PML4, LM_PDPT | 7);
    pw64(PML4 + 511 * 8, LM_PDPT_HI | 7);
    pw64(LM_PDPT, LM_PD | 7);
    pw64(LM_PDPT + 8, 0x00000000 | 0x87);
    pw64(LM_PDPT_HI + 511 * 8, LM_PD | 7);
    pw64(LM_PD, LM_PT | 7);
    pw64(LM_PD + 8, 0x400000 | 0x87);
    pw64(LM_PT + 5 * 8, 0x205000 | 7);
    ck_assert_int_eq(try_cr(3, PML4), -1);
    ck_assert_int_eq(try_cr(4, CR4_PAE), -1);
    ck_assert(x86_write_efer(cpu, EFER_LME | EFER_NXE));
    ck_assert_int_eq(try_cr(0, (uint32_t)cpu->cr[0] | CR0_PG), -1);
    ck_assert(cpu->msr.efer & EFER_LMA);
}

START_TEST(test_long_mode_switch)
{
    enter_pm();
    memset(m->as.ram + PML4, 0, 0x1000);
    ck_assert_int_eq(try_cr(3, PML4), -1);
    ck_assert(x86_write_efer(cpu, EFER_LME));
    /* LME with PAE clear: #GP, nothing changes */
    ck_assert_int_eq(try_cr(0, (uint32_t)cpu->cr[0] | CR0_PG), EXC_GP);
    ck_assert_uint_eq(cpu->cr[0] & CR0_PG, 0);
    ck_assert(!x86_write_efer(cpu, EFER_LME | (1u << 9)));    /* reserved */
    ck_assert_int_eq(try_cr(4, CR4_PAE), -1);
    /* PDPTEs are not loaded in IA-32e mode: a PML4 full of junk is fine */
    memset(m->as.ram + PML4, 0xff, 32);
    ck_assert_int_eq(try_cr(0, (uint32_t)cpu->cr[0] | CR0_PG), -1);
    ck_assert(cpu->msr.efer & EFER_LMA);
    ck_assert(!x86_write_efer(cpu, 0));                 /* LME with PG on */
    ck_assert(x86_write_efer(cpu, EFER_LME | EFER_LMA | EFER_SCE));
    ck_assert_uint_eq(cpu->msr.efer, EFER_LME | EFER_LMA | EFER_SCE);
    ck_assert_int_eq(try_cr(4, 0), EXC_GP);             /* PAE clear in IA-32e */
    ck_assert_int_eq(try_cr(3, 0x10000000000ull), EXC_GP);  /* above MAXPHYADDR */
    /* 64-bit code cannot turn paging off; compatibility mode can */
    x86_load_seg_raw(cpu, R_CS, 0x08, 0, 0xffffffff, FLAGS64);
    ck_assert_int_eq(try_cr(0, (uint32_t)cpu->cr[0] & ~CR0_PG), EXC_GP);
    enter_pm();
    ck_assert_int_eq(try_cr(0, (uint32_t)cpu->cr[0] & ~CR0_PG), -1);
    ck_assert_uint_eq(cpu->msr.efer & EFER_LMA, 0);
}
END_TEST

START_TEST(test_long_walk)
{
    uint64_t v = 0;
    long_on();
    pw64(0x205008, 0x0123456789abcdefull);
    ck_assert_int_eq(try_ld64(0x5008, &v), -1);
    ck_assert_uint_eq(v, 0x0123456789abcdefull);
    /* A set at every level, D only on the leaf of a write */
    ck_assert_uint_eq(pr64(PML4) & 0x60, 0x20);
    ck_assert_uint_eq(pr64(LM_PDPT) & 0x60, 0x20);
    ck_assert_uint_eq(pr64(LM_PD) & 0x60, 0x20);
    ck_assert_uint_eq(pr64(LM_PT + 5 * 8) & 0x60, 0x20);
    ck_assert_int_eq(try_st64(0x5010, 7), -1);
    ck_assert_uint_eq(pr64(LM_PT + 5 * 8) & 0x60, 0x60);
    ck_assert_uint_eq(pr64(LM_PD) & 0x40, 0);
    /* the same page through the top of the address space */
    ck_assert_int_eq(try_ld64(0xffffffffc0005008ull, &v), -1);
    ck_assert_uint_eq(v, 0x0123456789abcdefull);
    /* 2 MiB and 1 GiB pages */
    pw32(0x454320, 0x27182818);
    ck_assert_int_eq(try_ld64(0x254320, &v), -1);
    ck_assert_uint_eq((uint32_t)v, 0x27182818);
    pw32(0x123450, 0x31415926);
    ck_assert_int_eq(try_ld64(0x40123450, &v), -1);
    ck_assert_uint_eq((uint32_t)v, 0x31415926);
    ck_assert_int_eq(try_st64(0x40123458, 1), -1);
    ck_assert_uint_eq(pr64(LM_PDPT + 8) & 0x60, 0x60);
    ck_assert_uint_eq(pr32(0x123458), 1);
    /* not present at the PML4 level, with the full address in CR2 */
    expect_pf64(try_ld64(0x00007f0000001000ull, &v), 0, 0x00007f0000001000ull);
    set_cpl(3);
    expect_pf64(try_st64(0x00007f0000001000ull, 0), PF_W | PF_U, 0x00007f0000001000ull);
    set_cpl(0);
}
END_TEST

START_TEST(test_long_nx_rsvd)
{
    uint64_t v = 0;
    long_on();
    /* XD on the PDE: reads fine, fetches fault with I/D */
    pw64(LM_PT + 6 * 8, 0x206000 | 7);
    ck_assert_int_eq(try_fetch64(0x6000), -1);
    pw64(LM_PD, LM_PT | 7 | (1ull << 63));
    tlb_flush(cpu);
    ck_assert_int_eq(try_ld64(0x6000, &v), -1);
    expect_pf64(try_fetch64(0x6000), PF_P | PF_I, 0x6000);
    set_cpl(3);
    expect_pf64(try_fetch64(0x6000), PF_P | PF_I | PF_U, 0x6000);
    set_cpl(0);
    /* a fetch from a not-present page reports I/D too */
    expect_pf64(try_fetch64(0x7000), PF_I, 0x7000);
    /* without NXE the XD bit is reserved, and no I/D is reported */
    ck_assert(x86_write_efer(cpu, EFER_LME | EFER_LMA));
    expect_pf64(try_ld64(0x6000, &v), PF_P | PF_RSVD, 0x6000);
    expect_pf64(try_fetch64(0x7000), PF_P | PF_RSVD, 0x7000);
    pw64(LM_PD, LM_PT | 7);
    /* PS in a PML4E, bit 13 in a 1 GiB PDPTE, bits 51:40 */
    pw64(PML4 + 8, LM_PDPT | 0x87);
    expect_pf64(try_ld64(0x8000000000ull, &v), PF_P | PF_RSVD, 0x8000000000ull);
    pw64(LM_PDPT + 16, 0x40000000 | 0x87 | (1u << 13));
    expect_pf64(try_ld64(0x80000000ull, &v), PF_P | PF_RSVD, 0x80000000ull);
    pw64(LM_PT + 9 * 8, 0x209000 | 7 | (1ull << 40));
    expect_pf64(try_ld64(0x9000, &v), PF_P | PF_RSVD, 0x9000);
    /* INVLPG drops a 1 GiB mapping */
    ck_assert_int_eq(try_ld64(0x40200000, &v), -1);
    pw64(LM_PDPT + 8, 0);
    ck_assert_int_eq(try_ld64(0x40200000, &v), -1);     /* still cached */
    tlb_flush_page(cpu, 0x40001000);
    expect_pf64(try_ld64(0x40200000, &v), 0, 0x40200000);
}
END_TEST

START_TEST(test_long_segments)
{
    uint32_t v = 0;
    long_on();
    pw32(0x205010, 0xfeedface);
    /* compatibility mode: 32-bit segmentation, the offset wraps at 4 GiB */
    x86_load_seg_raw(cpu, R_DS, 0x10, 0x5000, 0xfff, DESC_P_MASK | DESC_S_MASK | DESC_W_MASK);
    ck_assert_int_eq(try_seg_ld(R_DS, 0x10, &v), -1);
    ck_assert_uint_eq(v, 0xfeedface);
    ck_assert_int_eq(try_seg_ld(R_DS, 0x1000, &v), EXC_GP);
    /* 64-bit mode: DS base and limit ignored, FS adds its base */
    x86_load_seg_raw(cpu, R_CS, 0x08, 0, 0xffffffff, FLAGS64);
    ck_assert_int_eq(x86_code_mode(cpu), 64);
    ck_assert_int_eq(try_seg_ld(R_DS, 0x5010, &v), -1);
    ck_assert_uint_eq(v, 0xfeedface);
    x86_load_seg_raw(cpu, R_DS, 0, 0, 0, 0);            /* null: still usable */
    ck_assert_int_eq(try_seg_ld(R_DS, 0xffffffffc0005010ull, &v), -1);
    ck_assert_uint_eq(v, 0xfeedface);
    cpu->seg[R_FS].base = 0xffffffffc0000000ull;
    ck_assert_int_eq(try_seg_ld(R_FS, 0x5010, &v), -1);
    ck_assert_uint_eq(v, 0xfeedface);
    /* non-canonical: #GP(0), #SS(0) through SS, also for the last byte */
    ck_assert_int_eq(try_seg_ld(R_DS, 0x0000800000000000ull, &v), EXC_GP);
    ck_assert_uint_eq(cpu->error_code, 0);
    ck_assert_int_eq(try_seg_ld(R_SS, 0xffff7fffffffffffull, &v), EXC_SS);
    ck_assert_int_eq(try_seg_ld(R_DS, 0x00007ffffffffffeull, &v), EXC_GP);
    cpu->seg[R_FS].base = 0x00007ffffffff000ull;
    ck_assert_int_eq(try_seg_ld(R_FS, 0x1000, &v), EXC_GP);
}
END_TEST

/* ---- control registers, CPUID, MSRs ------------------------------------- */

START_TEST(test_cr_checks)
{
    ck_assert_int_eq(try_cr(0, CR0_PG), EXC_GP);                  /* PG w/o PE */
    ck_assert_int_eq(try_cr(0, CR0_PE | CR0_NW), EXC_GP);         /* NW w/o CD */
    ck_assert_int_eq(try_cr(4, CR4_MCE), EXC_GP);                 /* not offered */
    ck_assert_int_eq(try_cr(4, CR4_PSE | CR4_TSD), -1);
    ck_assert_int_eq(try_cr(0, 0), -1);
    ck_assert_uint_eq(cpu->cr[0], CR0_ET);                       /* ET hardwired */
    ck_assert_int_eq(try_cr(1, 0), EXC_UD);
}
END_TEST

static int run_insn(void (*fn)(X86CPU *, const Insn *), int reg, int rm)
{
    Insn d;
    memset(&d, 0, sizeof(d));
    d.mod = 3;
    d.reg = reg;
    d.rreg = d.reg;
    d.rm = rm;
    d.rrm = d.rm;
    d.opsize = 4;
    if (setjmp(cpu->jmp_env))
        return cpu->exception_index;
    fn(cpu, &d);
    return -1;
}

void op_cpuid(X86CPU *cpu, const Insn *d);
void op_rdmsr(X86CPU *cpu, const Insn *d);
void op_wrmsr(X86CPU *cpu, const Insn *d);
void op_rdtsc(X86CPU *cpu, const Insn *d);
void op_mov_r_cr(X86CPU *cpu, const Insn *d);
void op_mov_dr_r(X86CPU *cpu, const Insn *d);
void op_mov_r_dr(X86CPU *cpu, const Insn *d);

START_TEST(test_cpuid_msr)
{
    cpu->regs[R_EAX] = 0;
    ck_assert_int_eq(run_insn(op_cpuid, 0, 0), -1);
    char vendor[13] = { 0 };
    memcpy(vendor, &cpu->regs[R_EBX], 4);
    memcpy(vendor + 4, &cpu->regs[R_EDX], 4);
    memcpy(vendor + 8, &cpu->regs[R_ECX], 4);
    ck_assert_str_eq(vendor, "GenuineIntel");
    cpu->regs[R_EAX] = 1;
    ck_assert_int_eq(run_insn(op_cpuid, 0, 0), -1);
    ck_assert_uint_eq((cpu->regs[R_EAX] >> 8) & 0xf, 6);
    ck_assert_uint_eq(cpu->regs[R_EDX] & (CPUID_PAE | CPUID_PGE | CPUID_TSC),
                      CPUID_PAE | CPUID_PGE | CPUID_TSC);
    ck_assert_uint_eq(cpu->regs[R_EDX] & CPUID_SEP, CPUID_SEP);  /* H-prot's */
    ck_assert_uint_eq(cpu->regs[R_EDX] & (CPUID_APIC | CPUID_VME), 0);
    ck_assert_uint_eq(cpu->regs[R_EDX] & (CPUID_MTRR | CPUID_PAT), CPUID_MTRR | CPUID_PAT);
    cpu->regs[R_EAX] = 0x80000000u;
    ck_assert_int_eq(run_insn(op_cpuid, 0, 0), -1);
    ck_assert_uint_eq(cpu->regs[R_EAX], 0x80000008u);
    cpu->regs[R_EAX] = 0x80000001u;     /* SYSCALL NX Page1GB LM; LAHF_LM */
    ck_assert_int_eq(run_insn(op_cpuid, 0, 0), -1);
    ck_assert_uint_eq(cpu->regs[R_EDX] & 0x24100800u, 0x24100800u);
    ck_assert_uint_eq(cpu->regs[R_ECX] & 1, 1);
    cpu->regs[R_EAX] = 0x80000008u;
    ck_assert_int_eq(run_insn(op_cpuid, 0, 0), -1);
    ck_assert_uint_eq(cpu->regs[R_EAX], 0x3028);
    cpu->regs[R_EAX] = 0x80000002u;
    ck_assert_int_eq(run_insn(op_cpuid, 0, 0), -1);
    ck_assert_mem_eq(&cpu->regs[R_EAX], "Yinglong", 4);

    cpu->regs[R_ECX] = 0x12345678;
    ck_assert_int_eq(run_insn(op_rdmsr, 0, 0), EXC_GP);
    cpu->regs[R_ECX] = 0x10;        /* TSC write then read back */
    cpu->regs[R_EAX] = 0;
    cpu->regs[R_EDX] = 5;
    ck_assert_int_eq(run_insn(op_wrmsr, 0, 0), -1);
    ck_assert_int_eq(run_insn(op_rdtsc, 0, 0), -1);
    ck_assert_uint_eq(cpu->regs[R_EDX], 5);
    cpu->regs[R_ECX] = 0x176;       /* SYSENTER_EIP: 64 bits, canonical */
    cpu->regs[R_EAX] = 0xc0001234u;
    ck_assert_int_eq(run_insn(op_wrmsr, 0, 0), -1);
    cpu->regs[R_EAX] = 0;
    cpu->regs[R_EDX] = 0;
    ck_assert_int_eq(run_insn(op_rdmsr, 0, 0), -1);
    ck_assert_uint_eq(cpu->regs[R_EAX], 0xc0001234u);
    ck_assert_uint_eq(cpu->regs[R_EDX], 5);
    cpu->regs[R_EDX] = 0x8000;      /* bit 47 set, 63:48 clear */
    ck_assert_int_eq(run_insn(op_wrmsr, 0, 0), EXC_GP);
    cpu->regs[R_ECX] = 0x277;       /* PAT: reset value, invalid type 2 */
    ck_assert_int_eq(run_insn(op_rdmsr, 0, 0), -1);
    ck_assert_uint_eq(cpu->regs[R_EAX], 0x00070406u);
    cpu->regs[R_EAX] = 0x00070402u;
    ck_assert_int_eq(run_insn(op_wrmsr, 0, 0), EXC_GP);
    cpu->regs[R_ECX] = 0xfe;        /* MTRRcap: 8 variable, fixed, WC */
    ck_assert_int_eq(run_insn(op_rdmsr, 0, 0), -1);
    ck_assert_uint_eq(cpu->regs[R_EAX], 0x508);
    cpu->regs[R_ECX] = 0x2ff;       /* MTRRdefType: E, FE, WB */
    cpu->regs[R_EAX] = 0xc06;
    cpu->regs[R_EDX] = 0;
    ck_assert_int_eq(run_insn(op_wrmsr, 0, 0), -1);
    cpu->regs[R_EAX] = 0;
    ck_assert_int_eq(run_insn(op_rdmsr, 0, 0), -1);
    ck_assert_uint_eq(cpu->regs[R_EAX], 0xc06);
    cpu->regs[R_ECX] = 0xc0000080;  /* EFER: LMA is read-only */
    cpu->regs[R_EAX] = 0x401;
    ck_assert_int_eq(run_insn(op_wrmsr, 0, 0), -1);
    ck_assert_uint_eq(cpu->msr.efer, 1);
    cpu->regs[R_ECX] = 0xc0000101;  /* GS_BASE: canonical only */
    cpu->regs[R_EAX] = 0;
    cpu->regs[R_EDX] = 0x8000;
    ck_assert_int_eq(run_insn(op_wrmsr, 0, 0), EXC_GP);
    cpu->regs[R_EDX] = 0xffff8000u;
    ck_assert_int_eq(run_insn(op_wrmsr, 0, 0), -1);
    ck_assert_uint_eq(cpu->seg[R_GS].base, 0xffff800000000000ull);
    cpu->regs[R_ECX] = 0x1b;        /* no APIC: no APIC_BASE */
    ck_assert_int_eq(run_insn(op_rdmsr, 0, 0), EXC_GP);
    enter_pm();
    set_cpl(3);
    ck_assert_int_eq(run_insn(op_rdmsr, 0, 0), EXC_GP);
    ck_assert_int_eq(run_insn(op_mov_r_cr, 0, 0), EXC_GP);
    ck_assert_int_eq(run_insn(op_rdtsc, 0, 0), -1);
    cpu->cr[4] |= CR4_TSD;
    ck_assert_int_eq(run_insn(op_rdtsc, 0, 0), EXC_GP);
}
END_TEST

START_TEST(test_debug_regs)
{
    cpu->regs[R_EAX] = 0x2000 | 1;  /* GD + L0 */
    ck_assert_int_eq(run_insn(op_mov_dr_r, 7, R_EAX), -1);
    ck_assert_uint_eq(cpu->dr[7], 0x2401);
    /* general detect: the next access faults with BD */
    ck_assert_int_eq(run_insn(op_mov_r_dr, 0, R_EAX), EXC_DB);
    ck_assert_uint_eq(cpu->dr[6] & DR6_BD, DR6_BD);
    ck_assert_uint_eq(cpu->dr[7] & DR7_GD, 0);
    /* DR4 aliases DR6 unless CR4.DE */
    ck_assert_int_eq(run_insn(op_mov_r_dr, 4, R_EBX), -1);
    ck_assert_uint_eq(cpu->regs[R_EBX], cpu->dr[6]);
    cpu->cr[4] |= CR4_DE;
    ck_assert_int_eq(run_insn(op_mov_r_dr, 4, R_EBX), EXC_UD);
}
END_TEST

static Suite *paging_suite(void)
{
    Suite *s = suite_create("paging");
    TCase *tc = tcase_create("mmu");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, test_reset_state);
    tcase_add_test(tc, test_eflags_roundtrip);
    tcase_add_test(tc, test_no_paging_and_a20);
    tcase_add_test(tc, test_4k_translate_and_ad);
    tcase_add_test(tc, test_4k_fault_codes);
    tcase_add_test(tc, test_4m_pages);
    tcase_add_test(tc, test_global_pages);
    tcase_add_test(tc, test_cross_page_store);
    tcase_add_test(tc, test_implicit_and_probe);
    tcase_add_test(tc, test_dump);
    tcase_add_test(tc, test_pae);
    tcase_add_test(tc, test_long_mode_switch);
    tcase_add_test(tc, test_long_walk);
    tcase_add_test(tc, test_long_nx_rsvd);
    tcase_add_test(tc, test_long_segments);
    tcase_add_test(tc, test_code_write_notify);
    tcase_add_test(tc, test_mmio_and_rom);
    tcase_add_test(tc, test_segments);
    tcase_add_test(tc, test_stack);
    tcase_add_test(tc, test_push_fault_restarts);
    tcase_add_test(tc, test_cr_checks);
    tcase_add_test(tc, test_cpuid_msr);
    tcase_add_test(tc, test_debug_regs);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(paging_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
