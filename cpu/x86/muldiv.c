/* MUL, IMUL (one-, two- and three-operand forms), DIV, IDIV.
 * MUL/IMUL set CF = OF = "the high half is significant"; SF ZF PF follow
 * the low half, AF is 0 (undefined in the manuals).  Products and
 * dividends are double width: up to 128 bits for 64-bit operands. */
#include "cpu/x86/int.h"

typedef unsigned __int128 u128;
typedef __int128 s128;

static void mul_flags(X86CPU *cpu, int size, uint64_t lo, bool overflow)
{
    cc_record(cpu, cc_op_sized(CC_OP_MULB, size), lo & size_mask_of(size), overflow, 0);
}

static uint64_t high_half(u128 p, int size)
{
    return (uint64_t)(p >> (8 * size)) & size_mask_of(size);
}

/* Writes the double-width product to AX, DX:AX, EDX:EAX or RDX:RAX. */
static void store_wide(X86CPU *cpu, int size, u128 p)
{
    if (size == 1) {
        reg_set(cpu, R_EAX, 2, (uint16_t)p);
    } else {
        reg_set(cpu, R_EAX, size, (uint64_t)p);
        reg_set(cpu, R_EDX, size, high_half(p, size));
    }
}

/* The signed product fits the operand size. */
static bool fits(s128 p, int size)
{
    return p == (s128)sext((uint64_t)p, size);
}

/* F6 F7 /4: MUL */
void op_mul_E(X86CPU *cpu, const Insn *d)
{
    int size = insn_size_w(d);
    u128 p = (u128)rm_get(cpu, d, size) * reg_get(cpu, R_EAX, size);
    store_wide(cpu, size, p);
    mul_flags(cpu, size, (uint64_t)p, high_half(p, size) != 0);
}

/* F6 F7 /5: IMUL (one operand) */
void op_imul1_E(X86CPU *cpu, const Insn *d)
{
    int size = insn_size_w(d);
    s128 p = (s128)sext(rm_get(cpu, d, size), size) * sext(reg_get(cpu, R_EAX, size), size);
    store_wide(cpu, size, (u128)p);
    mul_flags(cpu, size, (uint64_t)p, !fits(p, size));
}

static void imul_to_reg(X86CPU *cpu, const Insn *d, uint64_t b)
{
    int size = d->opsize;
    s128 p = (s128)sext(rm_get(cpu, d, size), size) * sext(b, size);
    reg_set(cpu, d->rreg, size, (uint64_t)p & size_mask_of(size));
    mul_flags(cpu, size, (uint64_t)p, !fits(p, size));
}

/* 0F AF: IMUL Gv,Ev */
void op_imul_G_E(X86CPU *cpu, const Insn *d)
{
    imul_to_reg(cpu, d, reg_get(cpu, d->rreg, d->opsize));
}

/* 69 / 6B: IMUL Gv,Ev,Iz / Ib */
void op_imul_G_E_I(X86CPU *cpu, const Insn *d)
{
    imul_to_reg(cpu, d, d->imm);
}

/* The dividend: AX, DX:AX, EDX:EAX or RDX:RAX. */
static u128 load_wide(X86CPU *cpu, int size)
{
    if (size == 1)
        return reg_get(cpu, R_EAX, 2);
    return ((u128)reg_get(cpu, R_EDX, size) << (8 * size)) | reg_get(cpu, R_EAX, size);
}

static void store_divres(X86CPU *cpu, int size, uint64_t q, uint64_t r)
{
    if (size == 1) {
        reg_set(cpu, R_EAX, 1, q);
        reg_set(cpu, 4, 1, r);          /* AH */
    } else {
        reg_set(cpu, R_EAX, size, q);
        reg_set(cpu, R_EDX, size, r);
    }
}

/* F6 F7 /6: DIV; #DE on a zero divisor or a quotient that does not fit.
 * Flags are left alone (undefined). */
void op_div_E(X86CPU *cpu, const Insn *d)
{
    int size = insn_size_w(d);
    uint64_t div = rm_get(cpu, d, size);
    u128 n = load_wide(cpu, size);
    if (div == 0)
        raise_exception(cpu, EXC_DE);
    u128 q = n / div;
    if (q > size_mask_of(size))
        raise_exception(cpu, EXC_DE);
    store_divres(cpu, size, (uint64_t)q, (uint64_t)(n % div));
}

/* The dividend as a signed number of 2*size bytes. */
static s128 load_wide_signed(X86CPU *cpu, int size)
{
    int shift = 128 - 16 * size;
    return (s128)(load_wide(cpu, size) << shift) >> shift;
}

/* F6 F7 /7: IDIV; the quotient rounds toward zero, the remainder takes
 * the dividend's sign. */
void op_idiv_E(X86CPU *cpu, const Insn *d)
{
    int size = insn_size_w(d);
    int64_t div = sext(rm_get(cpu, d, size), size);
    s128 n = load_wide_signed(cpu, size);
    if (div == 0)
        raise_exception(cpu, EXC_DE);
    /* Dividing by -1 is a negation: no host division, which could trap
     * on the most negative 128-bit dividend. */
    s128 q = div == -1 ? (s128)-(u128)n : n / div;
    s128 r = div == -1 ? 0 : n % div;
    if (!fits(q, size))
        raise_exception(cpu, EXC_DE);
    store_divres(cpu, size, (uint64_t)q & size_mask_of(size), (uint64_t)r & size_mask_of(size));
}
