/* Hardware task switching (SDM Vol 3 ch. 7): JMP/CALL to a TSS or task
 * gate, interrupts through task gates, IRET with NT=1. */
#include "cpu/x86/prot.h"

/* The state kept in a TSS (as much as one TSS format holds). */
typedef struct TaskState {
    uint32_t cr3, eip, eflags;
    uint32_t regs[8];
    uint16_t segs[6];       /* ES CS SS DS FS GS */
    uint16_t ldt;
} TaskState;

static void tss_read(X86CPU *cpu, uint64_t b, bool is32, TaskState *t)
{
    if (is32) {
        t->cr3 = sys_ld32(cpu, b + 0x1c);
        t->eip = sys_ld32(cpu, b + 0x20);
        t->eflags = sys_ld32(cpu, b + 0x24);
        for (int i = 0; i < 8; i++)
            t->regs[i] = sys_ld32(cpu, b + 0x28 + 4 * i);
        for (int i = 0; i < 6; i++)
            t->segs[i] = sys_ld16(cpu, b + 0x48 + 4 * i);
        t->ldt = sys_ld16(cpu, b + 0x60);
        return;
    }
    t->cr3 = 0;
    t->eip = sys_ld16(cpu, b + 0x0e);
    t->eflags = sys_ld16(cpu, b + 0x10);
    /* a 16-bit TSS holds the low halves: the high halves stay */
    for (int i = 0; i < 8; i++)
        t->regs[i] = ((uint32_t)cpu->regs[i] & 0xffff0000u) | sys_ld16(cpu, b + 0x12 + 2 * i);
    for (int i = 0; i < 4; i++)
        t->segs[i] = sys_ld16(cpu, b + 0x22 + 2 * i);
    t->segs[R_FS] = t->segs[R_GS] = 0;
    t->ldt = sys_ld16(cpu, b + 0x2a);
}

static void tss_save(X86CPU *cpu, uint32_t eip, uint32_t eflags)
{
    const SegCache *tr = &cpu->seg[R_TR];
    uint64_t b = tr->base;
    if ((tr->flags >> DESC_TYPE_SHIFT) & 8) {
        sys_st32(cpu, b + 0x20, eip);
        sys_st32(cpu, b + 0x24, eflags);
        for (int i = 0; i < 8; i++)
            sys_st32(cpu, b + 0x28 + 4 * i, (uint32_t)cpu->regs[i]);
        for (int i = 0; i < 6; i++)
            sys_st16(cpu, b + 0x48 + 4 * i, cpu->seg[i].sel);
        return;
    }
    sys_st16(cpu, b + 0x0e, eip);
    sys_st16(cpu, b + 0x10, eflags);
    for (int i = 0; i < 8; i++)
        sys_st16(cpu, b + 0x12 + 2 * i, (uint16_t)cpu->regs[i]);
    for (int i = 0; i < 4; i++)
        sys_st16(cpu, b + 0x22 + 2 * i, cpu->seg[i].sel);
}

/* The new task's TSS descriptor: type, busy state, presence, limit. */
static void check_new_tss(X86CPU *cpu, uint16_t sel, int reason, bool ext, Desc *d)
{
    int bad = reason == TASK_IRET ? EXC_TS : EXC_GP;
    uint32_t err = sel_err(sel, ext);
    if ((sel & 4) || (sel & ~3) == 0 || !desc_read(cpu, sel, d) || desc_is_seg(d))
        raise_exception_err(cpu, bad, err);
    int type = desc_type(d);
    bool busy = type & 2;
    if ((type & ~10) != 1 || busy != (reason == TASK_IRET))
        raise_exception_err(cpu, bad, err);
    if (!desc_present(d))
        raise_exception_err(cpu, EXC_NP, err);
    if (desc_limit(d) < ((type & 8) ? 0x67u : 0x2bu))
        raise_exception_err(cpu, EXC_TS, err);
}

static void set_busy(X86CPU *cpu, uint16_t sel, bool busy)
{
    Desc d;
    if (!desc_read(cpu, sel, &d))
        return;
    d.hi = busy ? d.hi | (2 << DESC_TYPE_SHIFT) : d.hi & ~(2 << DESC_TYPE_SHIFT);
    desc_write_hi(cpu, sel, &d);
}

static void load_task_cs(X86CPU *cpu, uint16_t sel, bool ext)
{
    Desc d;
    int rpl = sel & 3;
    uint32_t err = sel_err(sel, ext);
    if ((sel & ~3) == 0 || !desc_read(cpu, sel, &d) || !desc_is_code(&d))
        raise_exception_err(cpu, EXC_TS, err);
    if (desc_conforming(&d) ? desc_dpl(&d) > rpl : desc_dpl(&d) != rpl)
        raise_exception_err(cpu, EXC_TS, err);
    if (!desc_present(&d))
        raise_exception_err(cpu, EXC_NP, err);
    desc_set_accessed(cpu, sel, &d);
    seg_load_cs(cpu, sel, &d, rpl);
}

static void load_task_data(X86CPU *cpu, int seg, uint16_t sel, bool ext)
{
    Desc d;
    uint32_t err = sel_err(sel, ext);
    if ((sel & ~3) == 0) {
        seg_load_null(cpu, seg, sel);
        return;
    }
    if (!desc_read(cpu, sel, &d) || !desc_is_seg(&d) ||
        (desc_is_code(&d) && !(d.hi & DESC_R_MASK)))
        raise_exception_err(cpu, EXC_TS, err);
    if (!desc_conforming(&d) && (desc_dpl(&d) < cpu->cpl || desc_dpl(&d) < (sel & 3)))
        raise_exception_err(cpu, EXC_TS, err);
    if (!desc_present(&d))
        raise_exception_err(cpu, EXC_NP, err);
    desc_set_accessed(cpu, sel, &d);
    seg_load_desc(cpu, seg, sel, &d);
}

/* Segment registers of the new task.  Faults here are taken in the new
 * task's context, as on hardware. */
static void load_task_segs(X86CPU *cpu, const TaskState *t, bool ext)
{
    for (int i = 0; i < 6; i++) {
        cpu->seg[i].sel = t->segs[i];
        if (!(t->eflags & VM_MASK))
            cpu->seg[i].flags = 0;
    }
    load_ldtr(cpu, t->ldt, EXC_TS, ext);
    if (t->eflags & VM_MASK) {
        for (int i = 0; i < 6; i++)
            seg_load_v86(cpu, i, t->segs[i]);
        return;
    }
    load_task_cs(cpu, t->segs[R_CS], ext);
    Desc d;
    check_new_ss(cpu, t->segs[R_SS], cpu->cpl, &d, EXC_TS, ext);
    desc_set_accessed(cpu, t->segs[R_SS], &d);
    seg_load_desc(cpu, R_SS, t->segs[R_SS], &d);
    load_task_data(cpu, R_ES, t->segs[R_ES], ext);
    load_task_data(cpu, R_DS, t->segs[R_DS], ext);
    load_task_data(cpu, R_FS, t->segs[R_FS], ext);
    load_task_data(cpu, R_GS, t->segs[R_GS], ext);
}

void task_switch(X86CPU *cpu, uint16_t sel, int reason, uint32_t ret_eip, bool ext)
{
    Desc nd;
    TaskState t;
    check_new_tss(cpu, sel, reason, ext, &nd);
    bool new32 = desc_type(&nd) & 8;
    uint64_t nb = desc_base(&nd);
    tss_read(cpu, nb, new32, &t);

    uint32_t old_flags = x86_get_eflags(cpu);
    uint16_t old_tr = cpu->seg[R_TR].sel;
    if (reason == TASK_IRET)
        old_flags &= ~NT_MASK;
    tss_save(cpu, ret_eip, old_flags);
    if (reason == TASK_JMP || reason == TASK_IRET)
        set_busy(cpu, old_tr, false);
    if (reason == TASK_CALL || reason == TASK_INT) {
        sys_st16(cpu, nb, old_tr);
        t.eflags |= NT_MASK;
    }
    if (reason != TASK_IRET) {
        nd.hi |= 2 << DESC_TYPE_SHIFT;
        desc_write_hi(cpu, sel, &nd);
    }

    /* The old task is saved: from here on we are in the new one. */
    seg_load_desc(cpu, R_TR, sel, &nd);
    cpu->cr[0] |= CR0_TS;
    if (new32 && (cpu->cr[0] & CR0_PG))
        x86_write_cr(cpu, 3, t.cr3);
    x86_set_eflags(cpu, t.eflags | 2, 0x003f7fd7);
    for (int i = 0; i < 8; i++)
        cpu->regs[i] = t.regs[i];
    cpu->rip = cpu->next_rip = t.eip;
    load_task_segs(cpu, &t, ext);
    if (t.eip > cpu->seg[R_CS].limit)
        raise_exception_err(cpu, EXC_GP, 0);
}

void task_push_error(X86CPU *cpu, uint32_t err)
{
    Stack s;
    stack_from_ss(cpu, &s);
    stack_push(cpu, &s, ((cpu->seg[R_TR].flags >> DESC_TYPE_SHIFT) & 8) ? 4 : 2, err);
    set_esp(cpu, s.esp, s.mask);
}
