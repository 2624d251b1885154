/* Helpers shared by the general integer instruction handlers (alu.c,
 * shift.c, muldiv.c, bcd.c, string.c, bitops.c, datamov.c, branch.c). */
#ifndef YL_X86_INT_H
#define YL_X86_INT_H

#include "cpu/x86/x86.h"

/* Operand size of a form whose opcode bit 0 selects byte vs. full size. */
static inline int insn_size_w(const Insn *d)
{
    return (d->op & 1) ? d->opsize : 1;
}

static inline uint32_t size_mask_of(int size)
{
    return size == 4 ? 0xffffffffu : (1u << (8 * size)) - 1;
}

static inline uint32_t sign_of(int size)
{
    return 1u << (8 * size - 1);
}

static inline int32_t sext(uint32_t v, int size)
{
    int shift = 32 - 8 * size;
    return (int32_t)(v << shift) >> shift;
}

/* The arithmetic flags as they are now (lazy part folded in). */
static inline uint32_t int_flags(X86CPU *cpu)
{
    return cc_compute_all(cpu);
}

/* A register that the address size selects: CX/ECX, SI/ESI, DI/EDI. */
static inline uint32_t areg_get(X86CPU *cpu, int r, int adsize)
{
    return adsize == 2 ? (uint16_t)cpu->regs[r] : (uint32_t)cpu->regs[r];
}

static inline void areg_set(X86CPU *cpu, int r, int adsize, uint32_t v)
{
    reg_set(cpu, r, adsize == 2 ? 2 : 4, v);
}

/* Stack pointer arithmetic with the SS B bit. */
static inline uint32_t sp_get(X86CPU *cpu)
{
    return (uint32_t)cpu->regs[R_ESP] & sp_mask(cpu);
}

static inline void sp_set(X86CPU *cpu, uint32_t v)
{
    uint32_t m = sp_mask(cpu);
    cpu->regs[R_ESP] = ((uint32_t)cpu->regs[R_ESP] & ~m) | (v & m);
}

/* ALU operation numbers as in the opcode's bits 5:3 and group 1's reg. */
enum { ALU_ADD, ALU_OR, ALU_ADC, ALU_SBB, ALU_AND, ALU_SUB, ALU_XOR, ALU_CMP };
uint32_t alu_calc(X86CPU *cpu, int op, int size, uint32_t a, uint32_t b);
void alu_flags(X86CPU *cpu, int op, int size, uint32_t a, uint32_t b, uint32_t r);

/* A near control transfer to target (already masked to the operand size):
 * #GP(0) beyond the CS limit. */
static inline void near_jump_check(X86CPU *cpu, uint32_t target)
{
    if (target > cpu->seg[R_CS].limit)
        raise_exception_err(cpu, EXC_GP, 0);
}

#endif
