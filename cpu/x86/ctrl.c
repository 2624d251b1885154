/* Far control transfers: JMP/CALL far (direct, call gates, task gates,
 * TSS descriptors), RETF and IRET in every mode, IA-32e mode included:
 * 64-bit call gates, 8-byte frames, no task switches (SDM Vol 3 ch. 5.8
 * and 6.14, and the instruction pages of Vol 2). */
#include "cpu/x86/prot.h"

static _Noreturn void gp_sel(X86CPU *cpu, uint16_t sel)
{
    raise_exception_err(cpu, EXC_GP, sel & 0xfffc);
}

/* Target code segment of a direct JMP/CALL (not through a gate). */
static void check_direct_cs(X86CPU *cpu, uint16_t sel, const Desc *d)
{
    int rpl = sel & 3;
    if (!desc_is_code(d))
        gp_sel(cpu, sel);
    if (desc_conforming(d) ? desc_dpl(d) > cpu->cpl
                           : (rpl > cpu->cpl || desc_dpl(d) != cpu->cpl))
        gp_sel(cpu, sel);
    if (!desc_present(d))
        raise_exception_err(cpu, EXC_NP, sel & 0xfffc);
}

/* Target code segment of a call gate (for JMP: same level only).  A
 * 64-bit gate (IA-32e mode) must lead to 64-bit code. */
static void gate_target(X86CPU *cpu, const Desc *gate, uint32_t upper, bool is_jmp,
                        uint16_t *tsel, Desc *cs, uint64_t *off)
{
    *tsel = gate_sel(gate);
    *off = desc_type(gate) & 8 ? gate_off(gate) : gate_off(gate) & 0xffff;
    if (x86_lma(cpu))
        *off |= (uint64_t)upper << 32;
    if ((*tsel & ~3) == 0)
        raise_exception_err(cpu, EXC_GP, 0);
    if (!desc_read(cpu, *tsel, cs) || !desc_is_code(cs) || desc_dpl(cs) > cpu->cpl)
        gp_sel(cpu, *tsel);
    if (x86_lma(cpu) && (!(cs->hi & DESC_L_MASK) || (cs->hi & DESC_B_MASK)))
        gp_sel(cpu, *tsel);
    if (is_jmp && !desc_conforming(cs) && desc_dpl(cs) != cpu->cpl)
        gp_sel(cpu, *tsel);
    if (!desc_present(cs))
        raise_exception_err(cpu, EXC_NP, *tsel & 0xfffc);
}

/* The new RIP: canonical for 64-bit code, within the limit otherwise. */
static void check_offset(X86CPU *cpu, uint64_t off, const Desc *cs)
{
    if (desc_long_code(cpu, cs) ? !x86_canonical(off) : off > desc_limit(cs))
        raise_exception_err(cpu, EXC_GP, 0);
}

/* Reads the descriptor JMP/CALL name: 16 bytes for IA-32e call gates. */
static void read_far_target(X86CPU *cpu, uint16_t sel, Desc *d, uint32_t *upper)
{
    if ((sel & ~3) == 0)
        raise_exception_err(cpu, EXC_GP, 0);
    if (!desc_read(cpu, sel, d))
        gp_sel(cpu, sel);
    *upper = 0;
    if (x86_lma(cpu) && !desc_is_seg(d)) {
        if (desc_type(d) != SYS_CALLGATE64 || !desc_read16(cpu, sel, d, upper))
            gp_sel(cpu, sel);
    }
}

/* Checks common to the system descriptors JMP/CALL may name. */
static void check_sys_target(X86CPU *cpu, uint16_t sel, const Desc *d)
{
    if (desc_dpl(d) < cpu->cpl || desc_dpl(d) < (sel & 3))
        gp_sel(cpu, sel);
    if (!desc_present(d))
        raise_exception_err(cpu, EXC_NP, sel & 0xfffc);
}

static void real_far_target(X86CPU *cpu, uint16_t sel, uint64_t off)
{
    if (off > cpu->seg[R_CS].limit)
        raise_exception_err(cpu, EXC_GP, 0);
    if (cpu_vm86(cpu))
        seg_load_v86(cpu, R_CS, sel);
    else
        seg_load_real(cpu, R_CS, sel);
    cpu->next_rip = off;
}

/* Task gate or TSS descriptor named by JMP/CALL: returns true when it did
 * the task switch. */
static bool far_task(X86CPU *cpu, uint16_t sel, const Desc *d, int reason)
{
    int type = desc_type(d);
    if (type == SYS_TASKGATE) {
        check_sys_target(cpu, sel, d);
        task_switch(cpu, gate_sel(d), reason, cpu->next_rip, false);
        return true;
    }
    if (type == SYS_TSS16_AVAIL || type == SYS_TSS32_AVAIL) {
        check_sys_target(cpu, sel, d);
        task_switch(cpu, sel, reason, cpu->next_rip, false);
        return true;
    }
    return false;
}

void x86_far_jmp(X86CPU *cpu, uint16_t sel, uint64_t off)
{
    Desc d, cs;
    uint32_t upper;
    if (!cpu_prot(cpu)) {
        real_far_target(cpu, sel, off);
        return;
    }
    read_far_target(cpu, sel, &d, &upper);
    if (desc_is_seg(&d)) {
        check_direct_cs(cpu, sel, &d);
        check_offset(cpu, off, &d);
        desc_set_accessed(cpu, sel, &d);
        seg_load_cs(cpu, sel, &d, cpu->cpl);
        cpu->next_rip = off;
        return;
    }
    if (far_task(cpu, sel, &d, TASK_JMP))
        return;
    int type = desc_type(&d);
    if (type != SYS_CALLGATE16 && type != SYS_CALLGATE32)
        gp_sel(cpu, sel);
    check_sys_target(cpu, sel, &d);
    uint16_t tsel;
    gate_target(cpu, &d, upper, true, &tsel, &cs, &off);
    check_offset(cpu, off, &cs);
    desc_set_accessed(cpu, tsel, &cs);
    seg_load_cs(cpu, tsel, &cs, cpu->cpl);
    cpu->next_rip = off;
}

/* Pushes the return address on the current stack and enters cs:off. */
static void call_same_level(X86CPU *cpu, uint16_t sel, const Desc *cs,
                            uint64_t off, int size)
{
    Stack s;
    stack_from_ss(cpu, &s);
    check_offset(cpu, off, cs);
    stack_push(cpu, &s, size, cpu->seg[R_CS].sel);
    stack_push(cpu, &s, size, cpu->next_rip);
    desc_set_accessed(cpu, sel, (Desc *)cs);
    set_esp(cpu, s.esp, s.mask);
    seg_load_cs(cpu, sel, cs, cpu->cpl);
    cpu->next_rip = off;
}

/* 64-bit call gate to an inner level: RSP from the TSS, SS null with
 * RPL = the new CPL, 8-byte slots, no parameters. */
static void call_inner64(X86CPU *cpu, uint16_t tsel, const Desc *cs, uint64_t off)
{
    int dpl = desc_dpl(cs);
    Stack s;
    stack_long(&s, tss_rsp64(cpu, dpl, 0, false), dpl, 0);
    check_offset(cpu, off, cs);
    stack_push(cpu, &s, 8, cpu->seg[R_SS].sel);
    stack_push(cpu, &s, 8, cpu->regs[R_ESP]);
    stack_push(cpu, &s, 8, cpu->seg[R_CS].sel);
    stack_push(cpu, &s, 8, cpu->next_rip);
    desc_set_accessed(cpu, tsel, (Desc *)cs);
    seg_load_null(cpu, R_SS, dpl);
    cpu->regs[R_ESP] = s.esp;
    seg_load_cs(cpu, tsel, cs, dpl);
    cpu->next_rip = off;
}

/* Call gate to a more privileged non-conforming segment: new stack from
 * the TSS, with the caller's SS:ESP and parameters copied over. */
static void call_inner(X86CPU *cpu, const Desc *gate, uint16_t tsel,
                       const Desc *cs, uint64_t off)
{
    int dpl = desc_dpl(cs), size = desc_type(gate) & 8 ? 4 : 2;
    int nparams = gate_params(gate);
    uint16_t ss_sel;
    uint32_t esp;
    Desc ssd;
    Stack old, s;
    tss_stack(cpu, dpl, &ss_sel, &esp, false);
    check_new_ss(cpu, ss_sel, dpl, &ssd, EXC_TS, false);
    stack_from_desc(&s, &ssd, esp, dpl, ss_sel, false);
    stack_from_ss(cpu, &old);
    check_offset(cpu, off, cs);

    stack_push(cpu, &s, size, cpu->seg[R_SS].sel);
    stack_push(cpu, &s, size, (uint32_t)cpu->regs[R_ESP]);
    for (int i = nparams - 1; i >= 0; i--)
        stack_push(cpu, &s, size, stack_read(cpu, &old, i * size, size));
    stack_push(cpu, &s, size, cpu->seg[R_CS].sel);
    stack_push(cpu, &s, size, (uint32_t)cpu->next_rip);
    desc_set_accessed(cpu, ss_sel, &ssd);
    desc_set_accessed(cpu, tsel, (Desc *)cs);

    seg_load_desc(cpu, R_SS, ss_sel, &ssd);
    cpu->regs[R_ESP] = s.esp;
    seg_load_cs(cpu, tsel, cs, dpl);
    cpu->next_rip = off;
}

void x86_far_call(X86CPU *cpu, uint16_t sel, uint64_t off, int opsize)
{
    Desc d, cs;
    uint32_t upper;
    if (!cpu_prot(cpu)) {
        Stack s;
        stack_from_ss(cpu, &s);
        if (off > cpu->seg[R_CS].limit)
            raise_exception_err(cpu, EXC_GP, 0);
        stack_push(cpu, &s, opsize, cpu->seg[R_CS].sel);
        stack_push(cpu, &s, opsize, (uint32_t)cpu->next_rip);
        set_esp(cpu, s.esp, s.mask);
        real_far_target(cpu, sel, off);
        return;
    }
    read_far_target(cpu, sel, &d, &upper);
    if (desc_is_seg(&d)) {
        check_direct_cs(cpu, sel, &d);
        call_same_level(cpu, sel, &d, off, opsize);
        return;
    }
    if (far_task(cpu, sel, &d, TASK_CALL))
        return;
    int type = desc_type(&d);
    if (type != SYS_CALLGATE16 && type != SYS_CALLGATE32)
        gp_sel(cpu, sel);
    check_sys_target(cpu, sel, &d);
    uint16_t tsel;
    gate_target(cpu, &d, upper, false, &tsel, &cs, &off);
    bool inner = !desc_conforming(&cs) && desc_dpl(&cs) < cpu->cpl;
    if (x86_lma(cpu) && inner)
        call_inner64(cpu, tsel, &cs, off);
    else if (inner)
        call_inner(cpu, &d, tsel, &cs, off);
    else
        call_same_level(cpu, tsel, &cs, off,
                        x86_lma(cpu) ? 8 : type == SYS_CALLGATE32 ? 4 : 2);
}

/* The code segment RETF/IRET return to (selector popped from the stack). */
static void check_return_cs(X86CPU *cpu, uint16_t sel, Desc *d)
{
    int rpl = sel & 3;
    if ((sel & ~3) == 0)
        raise_exception_err(cpu, EXC_GP, 0);
    if (!desc_read(cpu, sel, d) || !desc_is_code(d) || rpl < cpu->cpl)
        gp_sel(cpu, sel);
    if (desc_conforming(d) ? desc_dpl(d) > rpl : desc_dpl(d) != rpl)
        gp_sel(cpu, sel);
    if (!desc_present(d))
        raise_exception_err(cpu, EXC_NP, sel & 0xfffc);
}

/* The stack RETF/IRET return to at an outer level. */
static void check_return_ss(X86CPU *cpu, uint16_t sel, int rpl, Desc *d)
{
    if ((sel & ~3) == 0)
        raise_exception_err(cpu, EXC_GP, 0);
    if ((sel & 3) != rpl || !desc_read(cpu, sel, d) || !desc_is_data(d) ||
        !(d->hi & DESC_W_MASK) || desc_dpl(d) != rpl)
        gp_sel(cpu, sel);
    if (!desc_present(d))
        raise_exception_err(cpu, EXC_SS, sel & 0xfffc);
}

/* Common tail of RETF and IRET in protected mode; frame is the size of
 * what was already popped (EIP, CS and for IRET EFLAGS).  An outer level
 * (or, for IRET in 64-bit mode, every return) pops SS:ESP too; returning to
 * 64-bit code below ring 3 may load a null SS.  Returns with the new CS
 * loaded; EFLAGS is the caller's business. */
static void return_to(X86CPU *cpu, Stack *s, uint16_t cs_sel, uint64_t eip,
                      int size, uint32_t frame, uint16_t pop_bytes, bool pop_ss)
{
    Desc cs, ssd;
    check_return_cs(cpu, cs_sel, &cs);
    check_offset(cpu, eip, &cs);
    int rpl = cs_sel & 3;
    if (rpl == cpu->cpl && !pop_ss) {
        desc_set_accessed(cpu, cs_sel, &cs);
        set_esp(cpu, s->esp + frame + pop_bytes, s->mask);
        seg_load_cs(cpu, cs_sel, &cs, rpl);
        cpu->next_rip = eip;
        return;
    }
    uint64_t new_esp = stack_read(cpu, s, frame + pop_bytes, size);
    uint16_t ss_sel = stack_read(cpu, s, frame + pop_bytes + size, size);
    bool null_ss = (ss_sel & ~3) == 0 && desc_long_code(cpu, &cs) && rpl != 3;
    if (!null_ss)
        check_return_ss(cpu, ss_sel, rpl, &ssd);
    int old_cpl = cpu->cpl;
    desc_set_accessed(cpu, cs_sel, &cs);
    if (!null_ss)
        desc_set_accessed(cpu, ss_sel, &ssd);
    seg_load_cs(cpu, cs_sel, &cs, rpl);
    if (null_ss)
        seg_load_null(cpu, R_SS, ss_sel);
    else
        seg_load_desc(cpu, R_SS, ss_sel, &ssd);
    if (x86_lma(cpu) && size != 2)
        cpu->regs[R_ESP] = new_esp + pop_bytes;
    else
        set_esp(cpu, new_esp + pop_bytes, ss_32(cpu) ? 0xffffffffu : 0xffffu);
    cpu->next_rip = eip;
    if (rpl > old_cpl)
        seg_revalidate(cpu);
}

void x86_far_ret(X86CPU *cpu, int opsize, uint16_t pop_bytes)
{
    Stack s;
    stack_from_ss(cpu, &s);
    uint64_t eip = stack_read(cpu, &s, 0, opsize);
    uint16_t cs = stack_read(cpu, &s, opsize, opsize);
    if (opsize == 2)
        eip &= 0xffff;
    if (!cpu_prot(cpu)) {
        if (eip > cpu->seg[R_CS].limit)
            raise_exception_err(cpu, EXC_GP, 0);
        set_esp(cpu, s.esp + 2 * opsize + pop_bytes, s.mask);
        real_far_target(cpu, cs, eip);
        return;
    }
    return_to(cpu, &s, cs, eip, opsize, 2 * opsize, pop_bytes, false);
}

/* IRET to virtual-8086 mode from CPL 0: the rest of the frame holds
 * ESP, SS, ES, DS, FS, GS. */
static void iret_to_v86(X86CPU *cpu, Stack *s, uint32_t eip, uint16_t cs, uint32_t fl)
{
    uint32_t v[6];
    for (int i = 0; i < 6; i++)
        v[i] = stack_read(cpu, s, 12 + 4 * i, 4);
    x86_set_eflags(cpu, fl | 2, 0x003f7fd7);
    seg_load_v86(cpu, R_CS, cs);
    seg_load_v86(cpu, R_SS, v[1]);
    seg_load_v86(cpu, R_ES, v[2]);
    seg_load_v86(cpu, R_DS, v[3]);
    seg_load_v86(cpu, R_FS, v[4]);
    seg_load_v86(cpu, R_GS, v[5]);
    cpu->regs[R_ESP] = v[0];
    cpu->next_rip = eip & 0xffff;
}

static void iret_prot(X86CPU *cpu, int opsize)
{
    if (cpu->eflags & NT_MASK) {
        if (x86_lma(cpu))       /* no task switches in IA-32e mode */
            raise_exception_err(cpu, EXC_GP, 0);
        uint16_t back = sys_ld16(cpu, cpu->seg[R_TR].base);
        task_switch(cpu, back, TASK_IRET, (uint32_t)cpu->next_rip, false);
        return;
    }
    Stack s;
    stack_from_ss(cpu, &s);
    uint64_t eip = stack_read(cpu, &s, 0, opsize);
    uint16_t cs = stack_read(cpu, &s, opsize, opsize);
    uint32_t fl = stack_read(cpu, &s, 2 * opsize, opsize);
    if (opsize == 2)
        eip &= 0xffff;
    if ((fl & VM_MASK) && opsize == 4 && cpu->cpl == 0 && !x86_lma(cpu)) {
        iret_to_v86(cpu, &s, eip, cs, fl);
        return;
    }
    int old_cpl = cpu->cpl;
    return_to(cpu, &s, cs, eip, opsize, 3 * opsize, 0, x86_code_mode(cpu) == 64);
    eflags_load(cpu, fl, opsize, old_cpl);
    if (opsize == 4) {
        uint32_t m = RF_MASK | (old_cpl == 0 ? VIF_MASK | VIP_MASK : 0);
        cpu->eflags = (cpu->eflags & ~m) | (fl & m);
    }
}

void x86_iret(X86CPU *cpu, int opsize)
{
    cpu->nmi_blocked = false;
    if (cpu_prot(cpu)) {
        iret_prot(cpu, opsize);
        return;
    }
    if (cpu_vm86(cpu) && cpu_iopl(cpu) < 3)
        raise_exception_err(cpu, EXC_GP, 0);
    Stack s;
    stack_from_ss(cpu, &s);
    uint32_t eip = stack_read(cpu, &s, 0, opsize);
    uint16_t cs = stack_read(cpu, &s, opsize, opsize);
    uint32_t fl = stack_read(cpu, &s, 2 * opsize, opsize);
    if (opsize == 2)
        eip &= 0xffff;
    if (eip > cpu->seg[R_CS].limit)
        raise_exception_err(cpu, EXC_GP, 0);
    set_esp(cpu, s.esp + 3 * opsize, s.mask);
    real_far_target(cpu, cs, eip);
    /* real mode: CPL 0 rules; v86: IOPL stays (CPL 3, IOPL 3) */
    eflags_load(cpu, fl, opsize, cpu_vm86(cpu) ? 3 : 0);
}
