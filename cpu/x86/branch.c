/* Near control transfers: Jcc, JMP, CALL, RET, LOOP/LOOPE/LOOPNE, JrCXZ,
 * and ENTER/LEAVE.  A near target is masked to the operand size (16, 32;
 * 64 in 64-bit mode, where the table's F_F64 makes it so) and must lie
 * within the CS limit, or in 64-bit mode be canonical (#GP(0) otherwise). */
#include "cpu/x86/int.h"

static uint64_t rel_target(X86CPU *cpu, const Insn *d)
{
    return (cpu->next_rip + d->imm) & size_mask_of(d->opsize);
}

static void jump_to(X86CPU *cpu, const Insn *d, uint64_t t)
{
    near_jump_check(cpu, d, t);
    cpu->next_rip = t;
}

/* 70-7F, 0F 80-8F: Jcc rel8/rel16/rel32 */
void op_jcc(X86CPU *cpu, const Insn *d)
{
    if (cc_test(cpu, d->op & 15))
        jump_to(cpu, d, rel_target(cpu, d));
}

/* E9 EB: JMP rel */
void op_jmp_rel(X86CPU *cpu, const Insn *d)
{
    jump_to(cpu, d, rel_target(cpu, d));
}

/* FF /4: JMP Ev */
void op_jmp_E(X86CPU *cpu, const Insn *d)
{
    jump_to(cpu, d, rm_get(cpu, d, d->opsize));
}

static void call_to(X86CPU *cpu, const Insn *d, uint64_t t)
{
    near_jump_check(cpu, d, t);
    x86_push(cpu, d->opsize, cpu->next_rip & size_mask_of(d->opsize));
    cpu->next_rip = t;
}

/* E8: CALL rel */
void op_call_rel(X86CPU *cpu, const Insn *d)
{
    call_to(cpu, d, rel_target(cpu, d));
}

/* FF /2: CALL Ev */
void op_call_E(X86CPU *cpu, const Insn *d)
{
    call_to(cpu, d, rm_get(cpu, d, d->opsize));
}

static void ret_near(X86CPU *cpu, const Insn *d, uint16_t extra)
{
    uint64_t t = x86_peek(cpu, d->opsize, 0);
    near_jump_check(cpu, d, t);
    sp_set(cpu, sp_get(cpu) + d->opsize + extra);
    cpu->next_rip = t;
}

/* C2 iw: RET imm16;  C3: RET */
void op_ret_I(X86CPU *cpu, const Insn *d)
{
    ret_near(cpu, d, d->imm);
}

void op_ret(X86CPU *cpu, const Insn *d)
{
    ret_near(cpu, d, 0);
}

/* E0 E1 E2: LOOPNE LOOPE LOOP; the address size picks CX, ECX or RCX.
 * The count is written only after the branch target passed its check. */
void op_loop(X86CPU *cpu, const Insn *d)
{
    uint64_t count = addr_mask(d->adsize, areg_get(cpu, R_ECX, d->adsize) - 1);
    bool take = count != 0;
    if (d->op == 0xe0)
        take = take && !cc_test(cpu, 4);
    else if (d->op == 0xe1)
        take = take && cc_test(cpu, 4);
    if (take)
        jump_to(cpu, d, rel_target(cpu, d));
    areg_set(cpu, R_ECX, d->adsize, count);
}

/* E3: JCXZ / JECXZ / JRCXZ */
void op_jcxz(X86CPU *cpu, const Insn *d)
{
    if (areg_get(cpu, R_ECX, d->adsize) == 0)
        jump_to(cpu, d, rel_target(cpu, d));
}

/* C8 iw ib: ENTER size, level.  Everything is written to the stack first,
 * then rBP and rSP are committed. */
void op_enter(X86CPU *cpu, const Insn *d)
{
    int size = d->opsize, level = d->imm2 & 31;
    uint64_t m = stack_width_mask(cpu);
    uint64_t sp = sp_get(cpu), bp = cpu->regs[R_EBP] & m;
    sp = (sp - size) & m;
    mem_st(cpu, R_SS, sp, size, reg_get(cpu, R_EBP, size));
    uint64_t frame = sp;
    if (level > 0) {
        for (int i = 1; i < level; i++) {
            bp = (bp - size) & m;
            uint64_t v = mem_ld(cpu, R_SS, bp, size);
            sp = (sp - size) & m;
            mem_st(cpu, R_SS, sp, size, v);
        }
        sp = (sp - size) & m;
        mem_st(cpu, R_SS, sp, size, frame);
    }
    sp = (sp - (uint16_t)d->imm) & m;
    reg_set(cpu, R_EBP, size, frame & size_mask_of(size));
    sp_set(cpu, sp);
}

/* C9: LEAVE: rSP = rBP, then pop rBP */
void op_leave(X86CPU *cpu, const Insn *d)
{
    int size = d->opsize;
    uint64_t sp = cpu->regs[R_EBP] & stack_width_mask(cpu);
    uint64_t v = mem_ld(cpu, R_SS, sp, size);
    sp_set(cpu, sp + size);
    reg_set(cpu, R_EBP, size, v);
}
