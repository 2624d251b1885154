/* Helpers shared by the general integer instruction handlers (alu.c,
 * shift.c, muldiv.c, bcd.c, string.c, bitops.c, datamov.c, branch.c,
 * pushpop.c, xchg.c).  Sizes are 1, 2, 4 or 8 bytes throughout; values
 * travel as uint64_t zero-extended from their size. */
#ifndef YL_X86_INT_H
#define YL_X86_INT_H

#include "cpu/x86/x86.h"

/* Operand size of a form whose opcode bit 0 selects byte vs. full size. */
static inline int insn_size_w(const Insn *d)
{
    return (d->op & 1) ? d->opsize : 1;
}

static inline uint64_t size_mask_of(int size)
{
    return size == 8 ? UINT64_MAX : (1ull << (8 * size)) - 1;
}

static inline uint64_t sign_of(int size)
{
    return 1ull << (8 * size - 1);
}

static inline int64_t sext(uint64_t v, int size)
{
    int shift = 64 - 8 * size;
    return (int64_t)(v << shift) >> shift;
}

/* log2 of the operand size in bits (3..6). */
static inline int bits_log2(int size)
{
    return size == 1 ? 3 : size == 2 ? 4 : size == 4 ? 5 : 6;
}

/* The arithmetic flags as they are now (lazy part folded in). */
static inline uint32_t int_flags(X86CPU *cpu)
{
    return cc_compute_all(cpu);
}

/* The register operand ModRM.reg names (REX.R applied; byte registers
 * follow the REX rules). */
static inline uint64_t greg_get(X86CPU *cpu, const Insn *d, int size)
{
    return opreg_get(cpu, d, d->rreg, size);
}

static inline void greg_set(X86CPU *cpu, const Insn *d, int size, uint64_t v)
{
    opreg_set(cpu, d, d->rreg, size, v);
}

/* Read-modify-write of the r/m operand: the load returns the effective
 * address for the store (unused for a register). */
static inline uint64_t rmw_load(X86CPU *cpu, const Insn *d, int size, uint64_t *ea)
{
    if (d->mod == 3)
        return opreg_get(cpu, d, d->rrm, size);
    *ea = insn_ea(cpu, d);
    return mem_ld(cpu, d->seg, *ea, size);
}

static inline void rmw_store(X86CPU *cpu, const Insn *d, int size, uint64_t ea, uint64_t v)
{
    if (d->mod == 3)
        opreg_set(cpu, d, d->rrm, size, v);
    else
        mem_st(cpu, d->seg, ea, size, v);
}

/* An offset masked to the address size. */
static inline uint64_t addr_mask(int adsize, uint64_t a)
{
    return adsize == 8 ? a : a & size_mask_of(adsize);
}

/* A register that the address size selects: CX/ECX/RCX, SI/ESI/RSI ... */
static inline uint64_t areg_get(X86CPU *cpu, int r, int adsize)
{
    return addr_mask(adsize, cpu->regs[r]);
}

static inline void areg_set(X86CPU *cpu, int r, int adsize, uint64_t v)
{
    reg_set(cpu, r, adsize, v);
}

/* The stack pointer's width: all of RSP in 64-bit mode, else SS.B. */
static inline uint64_t stack_width_mask(X86CPU *cpu)
{
    return x86_code_mode(cpu) == 64 ? UINT64_MAX : sp_mask(cpu);
}

static inline uint64_t sp_get(X86CPU *cpu)
{
    return cpu->regs[R_ESP] & stack_width_mask(cpu);
}

static inline void sp_set(X86CPU *cpu, uint64_t v)
{
    uint64_t m = stack_width_mask(cpu);
    cpu->regs[R_ESP] = (cpu->regs[R_ESP] & ~m) | (v & m);
}

/* ALU operation numbers as in the opcode's bits 5:3 and group 1's reg. */
enum { ALU_ADD, ALU_OR, ALU_ADC, ALU_SBB, ALU_AND, ALU_SUB, ALU_XOR, ALU_CMP };
uint64_t alu_calc(X86CPU *cpu, int op, int size, uint64_t a, uint64_t b);
void alu_flags(X86CPU *cpu, int op, int size, uint64_t a, uint64_t b, uint64_t r);

/* A near control transfer to target (already masked to the operand size):
 * in 64-bit mode #GP(0) unless canonical, elsewhere beyond the CS limit. */
static inline void near_jump_check(X86CPU *cpu, const Insn *d, uint64_t target)
{
    if (d->mode == 64 ? !x86_canonical(target) : target > cpu->seg[R_CS].limit)
        raise_exception_err(cpu, EXC_GP, 0);
}

#endif
