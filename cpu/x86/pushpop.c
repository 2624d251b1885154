/* PUSH/POP of general registers, immediates and memory; PUSHA/POPA.
 * In 64-bit mode the operand size is 8 (F_D64), or 2 with 66. */
#include "cpu/x86/int.h"

/* 50-57: PUSH r (PUSH rSP pushes the value before the push) */
void op_push_r(X86CPU *cpu, const Insn *d)
{
    x86_push(cpu, d->opsize, reg_get(cpu, d->opreg, d->opsize));
}

/* 58-5F: POP r (POP rSP loads rSP with the popped value) */
void op_pop_r(X86CPU *cpu, const Insn *d)
{
    uint64_t v = x86_pop(cpu, d->opsize);
    reg_set(cpu, d->opreg, d->opsize, v);
}

/* 68 / 6A: PUSH Iz / Ib (sign-extended) */
void op_push_I(X86CPU *cpu, const Insn *d)
{
    x86_push(cpu, d->opsize, d->imm & size_mask_of(d->opsize));
}

/* FF /6: PUSH Ev */
void op_push_E(X86CPU *cpu, const Insn *d)
{
    x86_push(cpu, d->opsize, rm_get(cpu, d, d->opsize));
}

/* 8F /0: POP Ev.  An rSP-based address uses rSP after the pop; the store
 * happens before rSP moves so a faulting store restarts cleanly. */
void op_pop_E(X86CPU *cpu, const Insn *d)
{
    int size = d->opsize;
    uint64_t v = x86_peek(cpu, size, 0);
    if (d->mod == 3) {
        x86_pop(cpu, size);
        opreg_set(cpu, d, d->rrm, size, v);
        return;
    }
    uint64_t ea = insn_ea(cpu, d);
    if (d->base == R_ESP && d->adsize != 2)
        ea = addr_mask(d->adsize, ea + size);
    mem_st(cpu, d->seg, ea, size, v);
    sp_set(cpu, sp_get(cpu) + size);
}

/* 60: PUSHA/PUSHAD: EAX ECX EDX EBX (original) ESP EBP ESI EDI.  All
 * stores go first; ESP moves only when none faulted. */
void op_pusha(X86CPU *cpu, const Insn *d)
{
    int size = d->opsize;
    uint64_t sp = sp_get(cpu), m = stack_width_mask(cpu);
    for (int r = R_EAX; r <= R_EDI; r++)
        mem_st(cpu, R_SS, (sp - (r + 1) * size) & m, size, reg_get(cpu, r, size));
    sp_set(cpu, sp - 8 * size);
}

/* 61: POPA/POPAD (the saved eSP is skipped) */
void op_popa(X86CPU *cpu, const Insn *d)
{
    int size = d->opsize;
    uint64_t sp = sp_get(cpu), m = stack_width_mask(cpu), v[8];
    for (int r = R_EDI; r >= R_EAX; r--)
        v[r] = mem_ld(cpu, R_SS, (sp + (R_EDI - r) * size) & m, size);
    for (int r = R_EAX; r <= R_EDI; r++)
        if (r != R_ESP)
            reg_set(cpu, r, size, v[r]);
    sp_set(cpu, sp + 8 * size);
}
