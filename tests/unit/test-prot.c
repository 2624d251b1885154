/* Protection without an exec loop: exception delivery through the IDT with
 * the double-fault rules and triple fault, the EXT bit, the I/O permission
 * bitmap, and SYSENTER/SYSEXIT.  Descriptor tables are built in guest RAM;
 * faults are caught on cpu->jmp_env as the exec loop would. */
#include <check.h>
#include <setjmp.h>
#include <stdlib.h>

#include "cpu/x86/prot.h"
#include "yl/machine.h"

#define RAM_SIZE (4u << 20)
#define GDT 0x1000
#define IDT 0x2000
#define TSS 0x3000
#define HANDLER 0x10000
#define KSTACK 0x80000

void op_sysenter(X86CPU *cpu, const Insn *d);
void op_sysexit(X86CPU *cpu, const Insn *d);

static Machine *m;
static X86CPU *cpu;

static void pw32(uint64_t pa, uint32_t v) { memcpy(m->as.ram + pa, &v, 4); }
static uint32_t pr32(uint64_t pa) { uint32_t v; memcpy(&v, m->as.ram + pa, 4); return v; }

static void set_seg_desc(int idx, uint32_t base, uint32_t limit, uint32_t access, uint32_t fl)
{
    pw32(GDT + idx * 8, (base << 16) | (limit & 0xffff));
    pw32(GDT + idx * 8 + 4, (base & 0xff000000) | (fl << 20) | (limit & 0xf0000) |
                            (access << 8) | ((base >> 16) & 0xff));
}

static void set_gate(int vec, uint16_t sel, uint32_t off, uint32_t access)
{
    pw32(IDT + vec * 8, ((uint32_t)sel << 16) | (off & 0xffff));
    pw32(IDT + vec * 8 + 4, (off & 0xffff0000) | (access << 8));
}

/* Flat protected mode at CPL 0: GDT 1 code, 2 data, 3 TSS, 4 DPL3 code,
 * 5 DPL3 data; an IDT of 256 empty entries. */
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
    x86_cpu_reset(cpu);

    set_seg_desc(1, 0, 0xfffff, 0x9a, 0xc);
    set_seg_desc(2, 0, 0xfffff, 0x92, 0xc);
    set_seg_desc(3, TSS, 0x67 + 8192, 0x8b, 0);
    set_seg_desc(4, 0, 0xfffff, 0xfa, 0xc);
    set_seg_desc(5, 0, 0xfffff, 0xf2, 0xc);
    cpu->gdt = (DescTable){ GDT, 8 * 8 - 1 };
    cpu->idt = (DescTable){ IDT, 256 * 8 - 1 };
    cpu->cr[0] |= CR0_PE;
    Desc d;
    ck_assert(desc_read(cpu, 0x08, &d));
    seg_load_cs(cpu, 0x08, &d, 0);
    ck_assert(desc_read(cpu, 0x10, &d));
    for (int s = R_ES; s <= R_GS; s++)
        if (s != R_CS)
            seg_load_desc(cpu, s, 0x10, &d);
    ck_assert(desc_read(cpu, 0x18, &d));
    seg_load_desc(cpu, R_TR, 0x18, &d);
    pw32(TSS + 4, KSTACK);
    pw32(TSS + 8, 0x10);
    pw32(TSS + 0x64, 0x68u << 16);      /* I/O bitmap right after the TSS */
    cpu->regs[R_ESP] = 0x70000;
    cpu->rip = 0x5000;
    cpu->next_rip = 0x5002;
}

static void teardown(void)
{
    as_destroy(&m->as);
    free(cpu);
    free(m);
}

/* What the exec loop does with a raised exception. */
static void run_delivery(void)
{
    volatile int guard = 0;
    setjmp(cpu->jmp_env);
    ck_assert_int_lt(guard++, 10);
    while (cpu->exception_index >= 0) {
        x86_exception_deliver(cpu);
        cpu->exception_index = -1;
    }
}

static void raise_now(int vec, bool has_err, uint32_t err)
{
    cpu->exception_index = vec;
    cpu->has_error_code = has_err;
    cpu->error_code = err;
    cpu->exception_is_sw = false;
    run_delivery();
}

START_TEST(gp_through_interrupt_gate)
{
    set_gate(EXC_GP, 0x08, HANDLER, 0x8e);
    cpu->eflags |= IF_MASK;
    raise_now(EXC_GP, true, 0x1234);
    ck_assert_uint_eq(cpu->rip, HANDLER);
    ck_assert_uint_eq(cpu->regs[R_ESP], 0x70000 - 16);
    ck_assert_uint_eq(pr32(0x70000 - 16), 0x1234);
    ck_assert_uint_eq(pr32(0x70000 - 12), 0x5000);
    ck_assert_uint_eq(pr32(0x70000 - 8), 0x08);
    ck_assert(!(cpu->eflags & IF_MASK));
    ck_assert_int_eq(cpu->fault_nesting, 0);
}
END_TEST

/* #GP whose gate is missing: #GP(vec*8+2+EXT), contributory on
 * contributory -> #DF with error code 0. */
START_TEST(contributory_twice_is_double_fault)
{
    set_gate(EXC_DF, 0x08, HANDLER + 0x100, 0x8e);
    raise_now(EXC_GP, true, 0);
    ck_assert_uint_eq(cpu->rip, HANDLER + 0x100);
    ck_assert_uint_eq(pr32(0x70000 - 16), 0);
    ck_assert_uint_eq(pr32(0x70000 - 12), 0x5000);
}
END_TEST

/* A benign exception whose gate is not present: #NP with the IDT bit and
 * EXT in its error code, delivered normally. */
START_TEST(benign_then_np)
{
    set_gate(EXC_UD, 0x08, HANDLER, 0x0e);          /* P = 0 */
    set_gate(EXC_NP, 0x08, HANDLER + 0x200, 0x8e);
    raise_now(EXC_UD, false, 0);
    ck_assert_uint_eq(cpu->rip, HANDLER + 0x200);
    ck_assert_uint_eq(pr32(0x70000 - 16), EXC_UD * 8 + 2 + 1);
}
END_TEST

/* INT n is no exception: a DPL violation is a plain #GP(vec*8+2). */
START_TEST(int_n_dpl_check)
{
    set_gate(0x0e, 0x08, HANDLER, 0x8e);            /* DPL 0 */
    set_gate(EXC_GP, 0x08, HANDLER + 0x300, 0x8e);
    Desc d;
    ck_assert(desc_read(cpu, 0x23, &d));
    seg_load_cs(cpu, 0x23, &d, 3);
    ck_assert(desc_read(cpu, 0x2b, &d));
    seg_load_desc(cpu, R_SS, 0x2b, &d);
    cpu->exception_index = 0x0e;
    cpu->exception_is_sw = true;
    cpu->has_error_code = false;
    run_delivery();
    ck_assert_uint_eq(cpu->rip, HANDLER + 0x300);
    ck_assert_int_eq(cpu->cpl, 0);
    ck_assert_uint_eq(cpu->regs[R_ESP], KSTACK - 24);
    ck_assert_uint_eq(pr32(KSTACK - 24), 0x0e * 8 + 2);
    ck_assert_uint_eq(pr32(KSTACK - 20), 0x5000);   /* the INT itself */
    ck_assert_uint_eq(pr32(KSTACK - 16), 0x23);
    ck_assert_uint_eq(pr32(KSTACK - 8), 0x70000);
    ck_assert_uint_eq(pr32(KSTACK - 4), 0x2b);
}
END_TEST

START_TEST(fault_in_double_fault_is_triple)
{
    raise_now(EXC_GP, true, 0);
    ck_assert(m->reset_requested);
    ck_assert(cpu->halted);
    ck_assert_int_eq(cpu->fault_nesting, 0);
}
END_TEST

static int try_io(uint16_t port, int size)
{
    if (setjmp(cpu->jmp_env))
        return cpu->exception_index;
    x86_check_io(cpu, port, size);
    return -1;
}

START_TEST(io_bitmap)
{
    Desc d;
    ck_assert(desc_read(cpu, 0x23, &d));
    seg_load_cs(cpu, 0x23, &d, 3);
    memset(m->as.ram + TSS + 0x68, 0xff, 8192);
    m->as.ram[TSS + 0x68 + 0x80 / 8] = 0xf0;       /* ports 0x80-0x83 allowed */
    ck_assert_int_eq(try_io(0x80, 1), -1);
    ck_assert_int_eq(try_io(0x80, 4), -1);
    ck_assert_int_eq(try_io(0x82, 4), EXC_GP);      /* 0x84, 0x85 denied */
    ck_assert_int_eq(try_io(0x60, 1), EXC_GP);
    cpu->eflags |= 3 << IOPL_SHIFT;
    ck_assert_int_eq(try_io(0x60, 1), -1);          /* CPL <= IOPL */
    cpu->eflags &= ~IOPL_MASK;
    /* bitmap cut short: the CPU always reads two bytes of it */
    cpu->seg[R_TR].limit = 0x68 + 0x11;
    ck_assert_int_eq(try_io(0x80, 1), -1);
    cpu->seg[R_TR].limit = 0x68 + 0x10;
    ck_assert_int_eq(try_io(0x80, 1), EXC_GP);
    ck_assert_int_eq(try_io(0x100, 1), EXC_GP);
}
END_TEST

START_TEST(sysenter_sysexit)
{
    Insn d = { 0 };
    cpu->msr.sysenter_cs = 0x08;
    cpu->msr.sysenter_esp = 0x12345;
    cpu->msr.sysenter_eip = 0xabcde;
    Desc dd;
    ck_assert(desc_read(cpu, 0x23, &dd));
    seg_load_cs(cpu, 0x23, &dd, 3);
    cpu->eflags |= IF_MASK;
    op_sysenter(cpu, &d);
    ck_assert_int_eq(cpu->cpl, 0);
    ck_assert_uint_eq(cpu->seg[R_CS].sel, 0x08);
    ck_assert_uint_eq(cpu->seg[R_SS].sel, 0x10);
    ck_assert_uint_eq(cpu->regs[R_ESP], 0x12345);
    ck_assert_uint_eq(cpu->next_rip, 0xabcde);
    ck_assert(!(cpu->eflags & IF_MASK));
    ck_assert(cs_32(cpu));
    cpu->regs[R_ECX] = 0x7000;
    cpu->regs[R_EDX] = 0x4000;
    op_sysexit(cpu, &d);
    ck_assert_int_eq(cpu->cpl, 3);
    ck_assert_uint_eq(cpu->seg[R_CS].sel, 0x1b);
    ck_assert_uint_eq(cpu->seg[R_SS].sel, 0x23);
    ck_assert_uint_eq(cpu->regs[R_ESP], 0x7000);
    ck_assert_uint_eq(cpu->next_rip, 0x4000);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("prot");
    TCase *tc = tcase_create("core");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, gp_through_interrupt_gate);
    tcase_add_test(tc, contributory_twice_is_double_fault);
    tcase_add_test(tc, benign_then_np);
    tcase_add_test(tc, int_n_dpl_check);
    tcase_add_test(tc, fault_in_double_fault_is_triple);
    tcase_add_test(tc, io_bitmap);
    tcase_add_test(tc, sysenter_sysexit);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
