/* PUSH/POP of general registers, immediates and memory; PUSHA/POPA. */
#include "cpu/x86/int.h"

/* 50-57: PUSH r (PUSH eSP pushes the value before the push) */
void op_push_r(X86CPU *cpu, const Insn *d)
{
    x86_push(cpu, d->opsize, reg_get(cpu, d->op & 7, d->opsize));
}

/* 58-5F: POP r (POP eSP loads eSP with the popped value) */
void op_pop_r(X86CPU *cpu, const Insn *d)
{
    uint32_t v = x86_pop(cpu, d->opsize);
    reg_set(cpu, d->op & 7, d->opsize, v);
}

/* 68 / 6A: PUSH Iz / Ib (sign-extended) */
void op_push_I(X86CPU *cpu, const Insn *d)
{
    x86_push(cpu, d->opsize, d->imm);
}

/* FF /6: PUSH Ev */
void op_push_E(X86CPU *cpu, const Insn *d)
{
    x86_push(cpu, d->opsize, rm_get(cpu, d, d->opsize));
}

/* 8F /0: POP Ev.  An ESP-based address uses ESP after the pop; the store
 * happens before ESP moves so a faulting store restarts cleanly. */
void op_pop_E(X86CPU *cpu, const Insn *d)
{
    int size = d->opsize;
    uint32_t v = x86_peek(cpu, size, 0);
    if (d->mod == 3) {
        x86_pop(cpu, size);
        reg_set(cpu, d->rm, size, v);
        return;
    }
    uint32_t ea = insn_ea(cpu, d);
    if (d->base == R_ESP && d->adsize == 4)
        ea += size;
    mem_st(cpu, d->seg, ea, size, v);
    sp_set(cpu, sp_get(cpu) + size);
}

/* 60: PUSHA/PUSHAD: EAX ECX EDX EBX (original) ESP EBP ESI EDI.  All
 * stores go first; ESP moves only when none faulted. */
void op_pusha(X86CPU *cpu, const Insn *d)
{
    int size = d->opsize;
    uint32_t sp = sp_get(cpu), m = sp_mask(cpu);
    for (int r = R_EAX; r <= R_EDI; r++)
        mem_st(cpu, R_SS, (sp - (r + 1) * size) & m, size, reg_get(cpu, r, size));
    sp_set(cpu, sp - 8 * size);
}

/* 61: POPA/POPAD (the saved eSP is skipped) */
void op_popa(X86CPU *cpu, const Insn *d)
{
    int size = d->opsize;
    uint32_t sp = sp_get(cpu), m = sp_mask(cpu), v[8];
    for (int r = R_EDI; r >= R_EAX; r--)
        v[r] = mem_ld(cpu, R_SS, (sp + (R_EDI - r) * size) & m, size);
    for (int r = R_EAX; r <= R_EDI; r++)
        if (r != R_ESP)
            reg_set(cpu, r, size, v[r]);
    sp_set(cpu, sp + 8 * size);
}
