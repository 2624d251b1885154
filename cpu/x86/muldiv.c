/* MUL, IMUL (one-, two- and three-operand forms), DIV, IDIV.
 * MUL/IMUL set CF = OF = "the high half is significant"; SF ZF PF follow
 * the low half, AF is 0 (undefined in the manuals). */
#include "cpu/x86/int.h"

static void mul_flags(X86CPU *cpu, int size, uint32_t lo, bool overflow)
{
    cc_record(cpu, cc_op_sized(CC_OP_MULB, size), lo & size_mask_of(size), overflow, 0);
}

/* Writes the double-width product to AX, DX:AX or EDX:EAX. */
static void store_wide(X86CPU *cpu, int size, uint64_t p)
{
    if (size == 1) {
        reg_set(cpu, R_EAX, 2, (uint16_t)p);
    } else {
        reg_set(cpu, R_EAX, size, (uint32_t)p);
        reg_set(cpu, R_EDX, size, (uint32_t)(p >> (8 * size)));
    }
}

/* F6 F7 /4: MUL */
void op_mul_E(X86CPU *cpu, const Insn *d)
{
    int size = insn_size_w(d);
    uint64_t p = (uint64_t)rm_get(cpu, d, size) * reg_get(cpu, R_EAX, size);
    store_wide(cpu, size, p);
    mul_flags(cpu, size, (uint32_t)p, (p >> (8 * size)) != 0);
}

/* F6 F7 /5: IMUL (one operand) */
void op_imul1_E(X86CPU *cpu, const Insn *d)
{
    int size = insn_size_w(d);
    int64_t p = (int64_t)sext(rm_get(cpu, d, size), size)
              * sext(reg_get(cpu, R_EAX, size), size);
    store_wide(cpu, size, (uint64_t)p);
    mul_flags(cpu, size, (uint32_t)p, p != sext((uint32_t)p, size));
}

static void imul_to_reg(X86CPU *cpu, const Insn *d, uint32_t b)
{
    int size = d->opsize;
    int64_t p = (int64_t)sext(rm_get(cpu, d, size), size) * sext(b, size);
    reg_set(cpu, d->reg, size, (uint32_t)p);
    mul_flags(cpu, size, (uint32_t)p, p != sext((uint32_t)p, size));
}

/* 0F AF: IMUL Gv,Ev */
void op_imul_G_E(X86CPU *cpu, const Insn *d)
{
    imul_to_reg(cpu, d, reg_get(cpu, d->reg, d->opsize));
}

/* 69 / 6B: IMUL Gv,Ev,Iz / Ib */
void op_imul_G_E_I(X86CPU *cpu, const Insn *d)
{
    imul_to_reg(cpu, d, d->imm);
}

/* The dividend: AX, DX:AX or EDX:EAX. */
static uint64_t load_wide(X86CPU *cpu, int size)
{
    if (size == 1)
        return reg_get(cpu, R_EAX, 2);
    return ((uint64_t)reg_get(cpu, R_EDX, size) << (8 * size)) | reg_get(cpu, R_EAX, size);
}

static void store_divres(X86CPU *cpu, int size, uint32_t q, uint32_t r)
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
    uint64_t n = load_wide(cpu, size);
    if (div == 0)
        raise_exception(cpu, EXC_DE);
    uint64_t q = n / div;
    if (q > size_mask_of(size))
        raise_exception(cpu, EXC_DE);
    store_divres(cpu, size, (uint32_t)q, (uint32_t)(n % div));
}

/* F6 F7 /7: IDIV; the quotient rounds toward zero, the remainder takes
 * the dividend's sign. */
void op_idiv_E(X86CPU *cpu, const Insn *d)
{
    int size = insn_size_w(d);
    int64_t div = sext(rm_get(cpu, d, size), size);
    uint64_t un = load_wide(cpu, size);
    int bits = 16 * size;
    int64_t n = bits == 64 ? (int64_t)un : (int64_t)(un << (64 - bits)) >> (64 - bits);
    if (div == 0)
        raise_exception(cpu, EXC_DE);
    /* INT64_MIN / -1 would trap on the host: it overflows anyway. */
    if (div == -1 && n == INT64_MIN)
        raise_exception(cpu, EXC_DE);
    int64_t q = n / div, r = n % div;
    if (q != sext((uint32_t)q, size) || (size == 4 && (q > INT32_MAX || q < INT32_MIN)))
        raise_exception(cpu, EXC_DE);
    store_divres(cpu, size, (uint32_t)q, (uint32_t)r);
}
