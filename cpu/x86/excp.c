/* Exception and interrupt delivery: the IVT in real mode, the IDT in
 * protected and virtual-8086 mode and in IA-32e mode (16-byte gates, 8-byte
 * frames with SS:RSP always, IST stacks; SDM Vol 3 ch. 6), and the
 * double-fault rules of §6.15. */
#include <inttypes.h>

#include "cpu/x86/prot.h"
#include "yl/machine.h"

typedef struct Event {
    int vec;
    bool sw;            /* INT n / INT3 / INTO: gate DPL checked */
    bool ext;           /* not caused by the program: EXT in error codes */
    bool has_err;
    uint32_t err;
    uint64_t ret_eip;
} Event;

enum { CLASS_BENIGN, CLASS_CONTRIB, CLASS_PF };

static int excp_class(int vec)
{
    switch (vec) {
    case EXC_DE: case EXC_TS: case EXC_NP: case EXC_SS: case EXC_GP:
        return CLASS_CONTRIB;
    case EXC_PF:
        return CLASS_PF;
    default:
        return CLASS_BENIGN;
    }
}

/* Table 6-5: which second exception, raised while delivering the first,
 * turns into a double fault. */
static bool makes_double_fault(int first, int second)
{
    int c1 = first < 0 ? CLASS_BENIGN : excp_class(first);
    int c2 = excp_class(second);
    if (c1 == CLASS_CONTRIB)
        return c2 == CLASS_CONTRIB;
    if (c1 == CLASS_PF)
        return c2 != CLASS_BENIGN;
    return false;
}

static void triple_fault(X86CPU *cpu)
{
    yl_log_mask(cpu->log, LOG_INT, "int: triple fault at eip=0x%08" PRIx64 "\n", cpu->rip);
    cpu->fault_nesting = 0;
    cpu->exception_index = -1;
    cpu->halted = true;
    cpu->exit_request = 1;
    if (cpu->machine)
        machine_triple_fault(cpu->machine);
}

void eflags_load(X86CPU *cpu, uint32_t val, int opsize, int cpl)
{
    uint32_t mask = CC_ALL | TF_MASK | DF_MASK | NT_MASK | AC_MASK | ID_MASK;
    if (cpl == 0)
        mask |= IOPL_MASK;
    if (cpl <= cpu_iopl(cpu))
        mask |= IF_MASK;
    if (opsize == 2)
        mask &= 0xffff;
    x86_set_eflags(cpu, val, mask);
}

static void deliver_real(X86CPU *cpu, const Event *e)
{
    uint32_t a = e->vec * 4;
    if (a + 3 > cpu->idt.limit)
        raise_exception(cpu, EXC_GP);
    uint16_t ip = sys_ld16(cpu, cpu->idt.base + a);
    uint16_t cs = sys_ld16(cpu, cpu->idt.base + a + 2);
    Stack s;
    stack_from_ss(cpu, &s);
    stack_push(cpu, &s, 2, x86_get_eflags(cpu));
    stack_push(cpu, &s, 2, cpu->seg[R_CS].sel);
    stack_push(cpu, &s, 2, e->ret_eip);
    set_esp(cpu, s.esp, s.mask);
    cpu->eflags &= ~(IF_MASK | TF_MASK | AC_MASK | RF_MASK);
    seg_load_real(cpu, R_CS, cs);
    cpu->rip = cpu->next_rip = ip;
}

/* Interrupt or trap gate: the target code segment and, for an inner
 * level, the stack from the TSS. */
static void deliver_gate(X86CPU *cpu, const Event *e, const Desc *g)
{
    bool ext = e->ext, vm = cpu_vm86(cpu);
    bool gate32 = desc_type(g) & 8;
    int sz = gate32 ? 4 : 2;
    uint16_t sel = gate_sel(g);
    uint32_t off = gate32 ? gate_off(g) : gate_off(g) & 0xffff;
    Desc cs, ssd;
    if ((sel & ~3) == 0)
        raise_exception_err(cpu, EXC_GP, ext);
    if (!desc_read(cpu, sel, &cs) || !desc_is_code(&cs) || desc_dpl(&cs) > cpu->cpl)
        raise_exception_err(cpu, EXC_GP, sel_err(sel, ext));
    if (!desc_present(&cs))
        raise_exception_err(cpu, EXC_NP, sel_err(sel, ext));

    int dpl = desc_dpl(&cs);
    bool inner = !desc_conforming(&cs) && dpl < cpu->cpl;
    uint16_t new_ss = 0;
    Stack s;
    if (inner) {
        uint32_t esp;
        if (vm && dpl != 0)
            raise_exception_err(cpu, EXC_GP, sel_err(sel, ext));
        tss_stack(cpu, dpl, &new_ss, &esp, ext);
        check_new_ss(cpu, new_ss, dpl, &ssd, EXC_TS, ext);
        stack_from_desc(&s, &ssd, esp, dpl, new_ss, ext);
    } else {
        if (vm)
            raise_exception_err(cpu, EXC_GP, sel_err(sel, ext));
        stack_from_ss(cpu, &s);
        s.fault_err = ext;
    }
    if (off > desc_limit(&cs))
        raise_exception_err(cpu, EXC_GP, ext);

    if (inner) {
        if (vm) {
            stack_push(cpu, &s, sz, cpu->seg[R_GS].sel);
            stack_push(cpu, &s, sz, cpu->seg[R_FS].sel);
            stack_push(cpu, &s, sz, cpu->seg[R_DS].sel);
            stack_push(cpu, &s, sz, cpu->seg[R_ES].sel);
        }
        stack_push(cpu, &s, sz, cpu->seg[R_SS].sel);
        stack_push(cpu, &s, sz, (uint32_t)cpu->regs[R_ESP]);
    }
    stack_push(cpu, &s, sz, x86_get_eflags(cpu));
    stack_push(cpu, &s, sz, cpu->seg[R_CS].sel);
    stack_push(cpu, &s, sz, e->ret_eip);
    if (e->has_err)
        stack_push(cpu, &s, sz, e->err);
    desc_set_accessed(cpu, sel, &cs);
    if (inner)
        desc_set_accessed(cpu, new_ss, &ssd);

    /* Nothing below can fault: commit. */
    if (inner) {
        seg_load_desc(cpu, R_SS, new_ss, &ssd);
        cpu->regs[R_ESP] = s.esp;
    } else {
        set_esp(cpu, s.esp, s.mask);
    }
    if (vm) {
        seg_load_null(cpu, R_ES, 0);
        seg_load_null(cpu, R_DS, 0);
        seg_load_null(cpu, R_FS, 0);
        seg_load_null(cpu, R_GS, 0);
    }
    uint32_t clear = TF_MASK | NT_MASK | RF_MASK | VM_MASK;
    if (!(desc_type(g) & 1))
        clear |= IF_MASK;
    cpu->eflags &= ~clear;
    seg_load_cs(cpu, sel, &cs, inner ? dpl : cpu->cpl);
    cpu->rip = cpu->next_rip = off;
}

/* IA-32e mode: the gate's target must be 64-bit code; the frame goes on
 * RSP (an inner level's RSPn or the gate's IST stack) aligned to 16. */
static void deliver_long(X86CPU *cpu, const Event *e)
{
    bool ext = e->ext;
    uint32_t idt_err = e->vec * 8 + 2 + ext;
    if ((uint32_t)e->vec * 16 + 15 > cpu->idt.limit)
        raise_exception_err(cpu, EXC_GP, idt_err);
    uint64_t ga = cpu->idt.base + e->vec * 16;
    Desc g, cs;
    g.lo = sys_ld32(cpu, ga);
    g.hi = sys_ld32(cpu, ga + 4);
    uint64_t off = gate_off(&g) | ((uint64_t)sys_ld32(cpu, ga + 8) << 32);
    int type = desc_type(&g);
    if (desc_is_seg(&g) || (type != SYS_INTGATE64 && type != SYS_TRAPGATE64))
        raise_exception_err(cpu, EXC_GP, idt_err);
    if (e->sw && desc_dpl(&g) < cpu->cpl)
        raise_exception_err(cpu, EXC_GP, e->vec * 8 + 2);
    if (!desc_present(&g))
        raise_exception_err(cpu, EXC_NP, idt_err);

    uint16_t sel = gate_sel(&g);
    if ((sel & ~3) == 0)
        raise_exception_err(cpu, EXC_GP, ext);
    if (!desc_read(cpu, sel, &cs) || !desc_is_code(&cs) || desc_dpl(&cs) > cpu->cpl ||
        !(cs.hi & DESC_L_MASK) || (cs.hi & DESC_B_MASK))
        raise_exception_err(cpu, EXC_GP, sel_err(sel, ext));
    if (!desc_present(&cs))
        raise_exception_err(cpu, EXC_NP, sel_err(sel, ext));
    int dpl = desc_conforming(&cs) ? cpu->cpl : desc_dpl(&cs);
    bool inner = dpl < cpu->cpl;
    int ist = g.hi & 7;
    uint64_t rsp = cpu->regs[R_ESP];
    if (ist)
        rsp = tss_rsp64(cpu, 0, ist, ext);
    else if (inner)
        rsp = tss_rsp64(cpu, dpl, 0, ext);
    if (!x86_canonical(off))
        raise_exception_err(cpu, EXC_GP, ext);

    Stack s;
    stack_long(&s, rsp & ~15ull, dpl, ext);
    stack_push(cpu, &s, 8, cpu->seg[R_SS].sel);
    stack_push(cpu, &s, 8, cpu->regs[R_ESP]);
    stack_push(cpu, &s, 8, x86_get_eflags(cpu));
    stack_push(cpu, &s, 8, cpu->seg[R_CS].sel);
    stack_push(cpu, &s, 8, e->ret_eip);
    if (e->has_err)
        stack_push(cpu, &s, 8, e->err);
    desc_set_accessed(cpu, sel, &cs);

    /* Nothing below can fault: commit. */
    if (inner)
        seg_load_null(cpu, R_SS, dpl);
    cpu->regs[R_ESP] = s.esp;
    uint32_t clear = TF_MASK | NT_MASK | RF_MASK | VM_MASK;
    if (type == SYS_INTGATE64)
        clear |= IF_MASK;
    cpu->eflags &= ~clear;
    seg_load_cs(cpu, sel, &cs, dpl);
    cpu->rip = cpu->next_rip = off;
}

static void deliver_prot(X86CPU *cpu, const Event *e)
{
    uint32_t idt_err = e->vec * 8 + 2 + e->ext;
    Desc g;
    if ((uint32_t)e->vec * 8 + 7 > cpu->idt.limit)
        raise_exception_err(cpu, EXC_GP, idt_err);
    g.lo = sys_ld32(cpu, cpu->idt.base + e->vec * 8);
    g.hi = sys_ld32(cpu, cpu->idt.base + e->vec * 8 + 4);
    int type = desc_type(&g);
    if (desc_is_seg(&g) ||
        (type != SYS_TASKGATE && type != SYS_INTGATE16 && type != SYS_TRAPGATE16 &&
         type != SYS_INTGATE32 && type != SYS_TRAPGATE32))
        raise_exception_err(cpu, EXC_GP, idt_err);
    if (e->sw && desc_dpl(&g) < cpu->cpl)
        raise_exception_err(cpu, EXC_GP, e->vec * 8 + 2);
    if (!desc_present(&g))
        raise_exception_err(cpu, EXC_NP, idt_err);
    if (type == SYS_TASKGATE) {
        task_switch(cpu, gate_sel(&g), TASK_INT, e->ret_eip, e->ext);
        if (e->has_err)
            task_push_error(cpu, e->err);
        return;
    }
    deliver_gate(cpu, e, &g);
}

static void deliver(X86CPU *cpu, const Event *e)
{
    if (cpu->log && (cpu->log->mask & LOG_INT))
        yl_log(cpu->log, "int: vec=0x%02x err=0x%04x eip=0x%08" PRIx64 " cpl=%d cs=0x%04x"
               " cr2=0x%" PRIx64 "%s%s\n",
               e->vec, e->has_err ? e->err : 0, e->ret_eip, cpu->cpl,
               cpu->seg[R_CS].sel, e->vec == EXC_PF ? cpu->cr[2] : 0,
               e->sw ? " sw" : "", cpu_vm86(cpu) ? " vm86" : "");
    if (x86_lma(cpu))
        deliver_long(cpu, e);
    else if (cpu_pe(cpu))
        deliver_prot(cpu, e);
    else
        deliver_real(cpu, e);
}

void x86_exception_deliver(X86CPU *cpu)
{
    if (cpu->exception_index < 0)
        return;
    Event e = {
        .vec = cpu->exception_index,
        .sw = cpu->exception_is_sw,
        .ext = !cpu->exception_is_sw,
        .has_err = cpu->has_error_code && cpu_pe(cpu),
        .err = cpu->error_code,
        .ret_eip = cpu->exception_is_sw ? cpu->next_rip : cpu->rip,
    };
    if (cpu->fault_nesting > 0 && !e.sw) {
        /* The previous delivery did not finish: this fault came from it. */
        if (cpu->delivering_vector == EXC_DF) {
            triple_fault(cpu);
            return;
        }
        if (makes_double_fault(cpu->delivering_vector, e.vec)) {
            e.vec = EXC_DF;
            e.has_err = cpu_pe(cpu);
            e.err = 0;
        }
    }
    cpu->fault_nesting++;
    /* INT n is no exception: a fault delivering it is just delivered. */
    cpu->delivering_vector = e.sw ? -1 : e.vec;
    cpu->halted = false;
    deliver(cpu, &e);
    cpu->fault_nesting = 0;
    cpu->exception_index = -1;
}

static void deliver_external(X86CPU *cpu, int vec)
{
    Event e = { .vec = vec, .ext = true, .ret_eip = cpu->rip };
    cpu->halted = false;
    cpu->fault_nesting = 1;
    cpu->delivering_vector = vec == EXC_NMI ? EXC_NMI : -1;
    deliver(cpu, &e);
    cpu->fault_nesting = 0;
}

bool x86_irq_check(X86CPU *cpu)
{
    /* A halted CPU has already run the instruction after STI/MOV SS. */
    if (cpu->halted)
        cpu->inhibit_irq = false;
    if (cpu->inhibit_irq)
        return false;
    if (cpu->nmi_pending && !cpu->nmi_blocked) {
        cpu->nmi_pending = false;
        cpu->nmi_blocked = true;
        deliver_external(cpu, EXC_NMI);
        return true;
    }
    if (cpu->irq_line && (cpu->eflags & IF_MASK) && cpu->irq_ack) {
        int vec = cpu->irq_ack(cpu->irq_ack_opaque);
        if (vec < 0)
            return false;
        deliver_external(cpu, vec & 0xff);
        return true;
    }
    return false;
}
