/* Instructions on segment registers and far control transfers: PUSH/POP
 * Sreg, MOV Sreg, LxS, far JMP/CALL/RET, INT n/INT3/INTO/INT1, IRET. */
#include "cpu/x86/prot.h"

/* The segment register a PUSH/POP opcode names. */
static int sreg_of(const Insn *d)
{
    if (d->map == MAP_0F)
        return (d->op & 8) ? R_GS : R_FS;
    return (d->op >> 3) & 3;        /* 06 ES, 0E CS, 16 SS, 1E DS */
}

/* Modern Intel CPUs: a 32-bit push of a segment register moves ESP by 4
 * but writes only the low 16 bits.  A 64-bit push writes the selector
 * zero-extended (SDM, PUSH). */
void op_push_sreg(X86CPU *cpu, const Insn *d)
{
    if (d->opsize == 8) {
        x86_push(cpu, 8, cpu->seg[sreg_of(d)].sel);
        return;
    }
    Stack s;
    stack_from_ss(cpu, &s);
    uint64_t esp = (s.esp - d->opsize) & s.mask;
    st16(cpu, R_SS, esp, cpu->seg[sreg_of(d)].sel);
    set_esp(cpu, esp, s.mask);
}

/* The whole slot is read (it must be there) before the load. */
void op_pop_sreg(X86CPU *cpu, const Insn *d)
{
    int seg = sreg_of(d);
    uint16_t sel = (uint16_t)x86_peek(cpu, d->opsize, 0);
    x86_load_seg(cpu, seg, sel);
    (void)x86_pop(cpu, d->opsize);
    if (seg == R_SS)
        cpu->inhibit_irq = true;
}

/* 8C: to memory always 16 bits; to a 32-bit register zero-extended. */
void op_mov_ev_sreg(X86CPU *cpu, const Insn *d)
{
    if (d->reg > R_GS)
        raise_exception(cpu, EXC_UD);
    uint16_t sel = cpu->seg[d->reg].sel;
    if (d->mod == 3)
        reg_set(cpu, d->rrm, d->opsize, sel);
    else
        st16(cpu, d->seg, insn_ea(cpu, d), sel);
}

/* 8E */
void op_mov_sreg_ev(X86CPU *cpu, const Insn *d)
{
    if (d->reg > R_GS || d->reg == R_CS)
        raise_exception(cpu, EXC_UD);
    x86_load_seg(cpu, d->reg, (uint16_t)rm_get(cpu, d, 2));
    if (d->reg == R_SS)
        cpu->inhibit_irq = true;
}

/* C4 C5, 0F B2 B4 B5: offset then selector. */
void op_lxs(X86CPU *cpu, const Insn *d)
{
    int seg;
    if (d->map == MAP_1)
        seg = d->op == 0xc4 ? R_ES : R_DS;
    else
        seg = d->op == 0xb2 ? R_SS : d->op == 0xb4 ? R_FS : R_GS;
    uint64_t ea = insn_ea(cpu, d);
    uint64_t off = mem_ld(cpu, d->seg, ea, d->opsize);
    uint16_t sel = ld16(cpu, d->seg, ea + d->opsize);
    x86_load_seg(cpu, seg, sel);
    reg_set(cpu, d->rreg, d->opsize, off);
    if (seg == R_SS)
        cpu->inhibit_irq = true;
}

/* EA */
void op_jmp_far_ap(X86CPU *cpu, const Insn *d)
{
    x86_far_jmp(cpu, d->imm2, d->opsize == 2 ? d->imm & 0xffff : d->imm);
}

/* 9A */
void op_call_far_ap(X86CPU *cpu, const Insn *d)
{
    x86_far_call(cpu, d->imm2, d->opsize == 2 ? d->imm & 0xffff : d->imm, d->opsize);
}

/* m16:16, m16:32 or (REX.W) m16:64 */
static void far_ptr(X86CPU *cpu, const Insn *d, uint16_t *sel, uint64_t *off)
{
    uint64_t ea = insn_ea(cpu, d);
    *off = mem_ld(cpu, d->seg, ea, d->opsize);
    *sel = ld16(cpu, d->seg, ea + d->opsize);
}

/* FF /3 */
void op_call_far_ep(X86CPU *cpu, const Insn *d)
{
    uint16_t sel;
    uint64_t off;
    far_ptr(cpu, d, &sel, &off);
    x86_far_call(cpu, sel, off, d->opsize);
}

/* FF /5 */
void op_jmp_far_ep(X86CPU *cpu, const Insn *d)
{
    uint16_t sel;
    uint64_t off;
    far_ptr(cpu, d, &sel, &off);
    x86_far_jmp(cpu, sel, off);
}

/* CA CB */
void op_retf(X86CPU *cpu, const Insn *d)
{
    x86_far_ret(cpu, d->opsize, d->op == 0xca ? (uint16_t)d->imm : 0);
}

/* CF */
void op_iret(X86CPU *cpu, const Insn *d)
{
    x86_iret(cpu, d->opsize);
}

/* CD: IOPL-sensitive in v86 mode (no VME). */
void op_int_ib(X86CPU *cpu, const Insn *d)
{
    if (cpu_vm86(cpu) && cpu_iopl(cpu) < 3)
        raise_exception_err(cpu, EXC_GP, 0);
    raise_interrupt_sw(cpu, d->imm & 0xff);
}

/* CC */
void op_int3(X86CPU *cpu, const Insn *d)
{
    raise_interrupt_sw(cpu, EXC_BP);
}

/* CE */
void op_into(X86CPU *cpu, const Insn *d)
{
    if (cc_compute_all(cpu) & CC_O)
        raise_interrupt_sw(cpu, EXC_OF);
}

/* F1: a #DB trap that, like a hardware event, ignores the gate DPL. */
void op_int1(X86CPU *cpu, const Insn *d)
{
    cpu->rip = cpu->next_rip;
    raise_exception(cpu, EXC_DB);
}
