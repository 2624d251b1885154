/* Specialised handlers for the hottest instruction forms, chosen once at
 * decode time (x86_insn_specialize) instead of on every execution: the
 * register-register and register-immediate ALU forms, MOV between
 * registers and to/from memory, LEA, MOVZX, NOT/NEG, INC/DEC, shifts and
 * rotates by a constant, each for a 32- or 64-bit operand; and Jcc, with JZ/JNZ testing ZF alone.
 *
 * Each one does exactly what the general handler it replaces does - the
 * same register writes and the same lazy-flag record (cc_op, dst, src,
 * src2) - only without the switches on size, mod and operation.  The
 * differential tests run through them like through any other handler. */
#include "cpu/x86/int.h"

void op_alu_E_G(X86CPU *cpu, const Insn *d);
void op_alu_G_E(X86CPU *cpu, const Insn *d);
void op_grp1(X86CPU *cpu, const Insn *d);
void op_test_E_G(X86CPU *cpu, const Insn *d);
void op_mov_E_G(X86CPU *cpu, const Insn *d);
void op_mov_G_E(X86CPU *cpu, const Insn *d);
void op_incdec_r(X86CPU *cpu, const Insn *d);
void op_inc_E(X86CPU *cpu, const Insn *d);
void op_dec_E(X86CPU *cpu, const Insn *d);
void op_grp2_E_I(X86CPU *cpu, const Insn *d);
void op_grp2_E_1(X86CPU *cpu, const Insn *d);
void op_jcc(X86CPU *cpu, const Insn *d);
void op_lea(X86CPU *cpu, const Insn *d);
void op_movzx(X86CPU *cpu, const Insn *d);
void op_not_E(X86CPU *cpu, const Insn *d);
void op_neg_E(X86CPU *cpu, const Insn *d);

/* ---- ALU: dst op= src, with the flags alu_flags() records ----------------
 * T: the operand type, CC: the cc_op family member, W: whether the result
 * is written (not for CMP/TEST).  32-bit results zero-extend the register
 * (64-bit mode); outside 64-bit mode the upper half is invisible. */
#define ALU_BODY(T, CC, EXPR, W, DST, B)                            \
    T a = (T)cpu->regs[DST], b = (B);                               \
    T r = (T)(EXPR);                                                \
    if (W)                                                          \
        cpu->regs[DST] = r;                                         \
    cc_record(cpu, CC, r, b, a);

#define DEF_ALU(name, T, CC, EXPR, W)                                           \
    static void fast_##name##_EG(X86CPU *cpu, const Insn *d)                    \
    {                                                                           \
        ALU_BODY(T, CC, EXPR, W, d->rrm, (T)cpu->regs[d->rreg])                 \
    }                                                                           \
    static void fast_##name##_GE(X86CPU *cpu, const Insn *d)                    \
    {                                                                           \
        ALU_BODY(T, CC, EXPR, W, d->rreg, (T)cpu->regs[d->rrm])                 \
    }                                                                           \
    static void fast_##name##_EI(X86CPU *cpu, const Insn *d)                    \
    {                                                                           \
        ALU_BODY(T, CC, EXPR, W, d->rrm, (T)d->imm)                             \
    }

DEF_ALU(addl, uint32_t, CC_OP_ADDL, a + b, 1)
DEF_ALU(orl, uint32_t, CC_OP_LOGICL, a | b, 1)
DEF_ALU(andl, uint32_t, CC_OP_LOGICL, a & b, 1)
DEF_ALU(subl, uint32_t, CC_OP_SUBL, a - b, 1)
DEF_ALU(xorl, uint32_t, CC_OP_LOGICL, a ^ b, 1)
DEF_ALU(cmpl, uint32_t, CC_OP_SUBL, a - b, 0)
DEF_ALU(addq, uint64_t, CC_OP_ADDQ, a + b, 1)
DEF_ALU(orq, uint64_t, CC_OP_LOGICQ, a | b, 1)
DEF_ALU(andq, uint64_t, CC_OP_LOGICQ, a & b, 1)
DEF_ALU(subq, uint64_t, CC_OP_SUBQ, a - b, 1)
DEF_ALU(xorq, uint64_t, CC_OP_LOGICQ, a ^ b, 1)
DEF_ALU(cmpq, uint64_t, CC_OP_SUBQ, a - b, 0)

/* Indexed by the ALU operation (opcode bits 5:3, group 1's reg); NULL for
 * ADC and SBB, which stay general. */
typedef struct AluFast {
    InsnFn eg, ge, ei;
} AluFast;

#define ALU_ENTRY(n) { fast_##n##_EG, fast_##n##_GE, fast_##n##_EI }
static const AluFast alu_fast[2][8] = {
    { ALU_ENTRY(addl), ALU_ENTRY(orl), { 0 }, { 0 },
      ALU_ENTRY(andl), ALU_ENTRY(subl), ALU_ENTRY(xorl), ALU_ENTRY(cmpl) },
    { ALU_ENTRY(addq), ALU_ENTRY(orq), { 0 }, { 0 },
      ALU_ENTRY(andq), ALU_ENTRY(subq), ALU_ENTRY(xorq), ALU_ENTRY(cmpq) },
};

static void fast_testl(X86CPU *cpu, const Insn *d)
{
    uint32_t r = (uint32_t)cpu->regs[d->rrm] & (uint32_t)cpu->regs[d->rreg];
    cc_record(cpu, CC_OP_LOGICL, r, 0, 0);
}

static void fast_testq(X86CPU *cpu, const Insn *d)
{
    cc_record(cpu, CC_OP_LOGICQ, cpu->regs[d->rrm] & cpu->regs[d->rreg], 0, 0);
}

/* ---- MOV ------------------------------------------------------------------ */

static void fast_mov_EG_l(X86CPU *cpu, const Insn *d)
{
    cpu->regs[d->rrm] = (uint32_t)cpu->regs[d->rreg];
}

static void fast_mov_GE_l(X86CPU *cpu, const Insn *d)
{
    cpu->regs[d->rreg] = (uint32_t)cpu->regs[d->rrm];
}

static void fast_mov_EG_q(X86CPU *cpu, const Insn *d)
{
    cpu->regs[d->rrm] = cpu->regs[d->rreg];
}

static void fast_mov_GE_q(X86CPU *cpu, const Insn *d)
{
    cpu->regs[d->rreg] = cpu->regs[d->rrm];
}

/* The store reads its source before the access, as op_mov_E_G does. */
static void fast_store_l(X86CPU *cpu, const Insn *d)
{
    st32(cpu, d->seg, insn_ea(cpu, d), (uint32_t)cpu->regs[d->rreg]);
}

static void fast_store_q(X86CPU *cpu, const Insn *d)
{
    st64(cpu, d->seg, insn_ea(cpu, d), cpu->regs[d->rreg]);
}

static void fast_load_l(X86CPU *cpu, const Insn *d)
{
    cpu->regs[d->rreg] = ld32(cpu, d->seg, insn_ea(cpu, d));
}

static void fast_load_q(X86CPU *cpu, const Insn *d)
{
    cpu->regs[d->rreg] = ld64(cpu, d->seg, insn_ea(cpu, d));
}

/* ---- LEA, MOVZX ------------------------------------------------------------ */

static void fast_lea_l(X86CPU *cpu, const Insn *d)
{
    cpu->regs[d->rreg] = (uint32_t)insn_ea(cpu, d);
}

static void fast_lea_q(X86CPU *cpu, const Insn *d)
{
    cpu->regs[d->rreg] = insn_ea(cpu, d);
}

/* A 32-bit destination zero-extends, so both operand sizes store the same. */
static void fast_movzx_mb(X86CPU *cpu, const Insn *d)
{
    cpu->regs[d->rreg] = ld8(cpu, d->seg, insn_ea(cpu, d));
}

static void fast_movzx_mw(X86CPU *cpu, const Insn *d)
{
    cpu->regs[d->rreg] = ld16(cpu, d->seg, insn_ea(cpu, d));
}

/* Byte source AL..BL (or any with REX): the low byte of the register. */
static void fast_movzx_rb(X86CPU *cpu, const Insn *d)
{
    cpu->regs[d->rreg] = (uint8_t)cpu->regs[d->rrm];
}

static void fast_movzx_rw(X86CPU *cpu, const Insn *d)
{
    cpu->regs[d->rreg] = (uint16_t)cpu->regs[d->rrm];
}

/* ---- NOT/NEG of a register (NEG records a SUB from 0, as op_neg_E) -------- */

static void fast_not_l(X86CPU *cpu, const Insn *d)
{
    cpu->regs[d->rrm] = (uint32_t)~cpu->regs[d->rrm];
}

static void fast_not_q(X86CPU *cpu, const Insn *d)
{
    cpu->regs[d->rrm] = ~cpu->regs[d->rrm];
}

static void fast_neg_l(X86CPU *cpu, const Insn *d)
{
    uint32_t a = (uint32_t)cpu->regs[d->rrm], r = 0u - a;
    cpu->regs[d->rrm] = r;
    cc_record(cpu, CC_OP_SUBL, r, a, 0);
}

static void fast_neg_q(X86CPU *cpu, const Insn *d)
{
    uint64_t a = cpu->regs[d->rrm], r = 0 - a;
    cpu->regs[d->rrm] = r;
    cc_record(cpu, CC_OP_SUBQ, r, a, 0);
}

/* ---- INC/DEC of a register: CF survives (saved in cc_src) ----------------- */

#define DEF_INCDEC(name, T, CC, DELTA, REG)                         \
    static void fast_##name(X86CPU *cpu, const Insn *d)             \
    {                                                               \
        T a = (T)cpu->regs[REG];                                    \
        T r = (T)(a + (DELTA));                                     \
        uint32_t cf = cc_compute_c(cpu);                            \
        cpu->regs[REG] = r;                                         \
        cc_record(cpu, CC, r, cf, a);                               \
    }

DEF_INCDEC(inc_r_l, uint32_t, CC_OP_INCL, 1, d->opreg)
DEF_INCDEC(dec_r_l, uint32_t, CC_OP_DECL, -1, d->opreg)
DEF_INCDEC(inc_E_l, uint32_t, CC_OP_INCL, 1, d->rrm)
DEF_INCDEC(dec_E_l, uint32_t, CC_OP_DECL, -1, d->rrm)
DEF_INCDEC(inc_E_q, uint64_t, CC_OP_INCQ, 1, d->rrm)
DEF_INCDEC(dec_E_q, uint64_t, CC_OP_DECQ, -1, d->rrm)

/* ---- shifts of a register by a constant count (1..31 / 1..63) ------------
 * The records are grp2's: SHL keeps the value shifted by count-1, SHR and
 * SAR too (both in the SAR family). */
#define DEF_SHIFT(name, T, ST, CC, OP, CNT)                             \
    static void fast_##name(X86CPU *cpu, const Insn *d)                 \
    {                                                                   \
        int cnt = (CNT);                                                \
        T v = (T)cpu->regs[d->rrm];                                     \
        T src = (T)((ST)v OP (cnt - 1));                                \
        T r = (T)((ST)v OP cnt);                                        \
        cpu->regs[d->rrm] = r;                                          \
        cc_record(cpu, CC, r, src, v);                                  \
    }

DEF_SHIFT(shl_I_l, uint32_t, uint32_t, CC_OP_SHLL, <<, d->imm & 31)
DEF_SHIFT(shr_I_l, uint32_t, uint32_t, CC_OP_SARL, >>, d->imm & 31)
DEF_SHIFT(sar_I_l, uint32_t, int32_t, CC_OP_SARL, >>, d->imm & 31)
DEF_SHIFT(shl_1_l, uint32_t, uint32_t, CC_OP_SHLL, <<, 1)
DEF_SHIFT(shr_1_l, uint32_t, uint32_t, CC_OP_SARL, >>, 1)
DEF_SHIFT(sar_1_l, uint32_t, int32_t, CC_OP_SARL, >>, 1)
DEF_SHIFT(shl_I_q, uint64_t, uint64_t, CC_OP_SHLQ, <<, d->imm & 63)
DEF_SHIFT(shr_I_q, uint64_t, uint64_t, CC_OP_SARQ, >>, d->imm & 63)
DEF_SHIFT(sar_I_q, uint64_t, int64_t, CC_OP_SARQ, >>, d->imm & 63)
DEF_SHIFT(shl_1_q, uint64_t, uint64_t, CC_OP_SHLQ, <<, 1)
DEF_SHIFT(shr_1_q, uint64_t, uint64_t, CC_OP_SARQ, >>, 1)
DEF_SHIFT(sar_1_q, uint64_t, int64_t, CC_OP_SARQ, >>, 1)

/* By ModRM.reg: SHL (4), SHR (5), SAL (6, = SHL), SAR (7); [imm, 1]. */
static const InsnFn shift_fast[2][4][2] = {
    { { fast_shl_I_l, fast_shl_1_l }, { fast_shr_I_l, fast_shr_1_l },
      { fast_shl_I_l, fast_shl_1_l }, { fast_sar_I_l, fast_sar_1_l } },
    { { fast_shl_I_q, fast_shl_1_q }, { fast_shr_I_q, fast_shr_1_q },
      { fast_shl_I_q, fast_shl_1_q }, { fast_sar_I_q, fast_sar_1_q } },
};

/* ---- ROL/ROR of a register by a constant count (1..31 / 1..63) -----------
 * As grp2's rotate(): only CF and OF change (OF by the count-1 formula for
 * every count, as rotate() computes it); the other flags are folded into
 * an EFLAGS record, as cc_set_flags(..., CC_ALL) leaves it. */
#define DEF_ROT(name, T, BITS, LEFT, CNT)                                       \
    static void fast_##name(X86CPU *cpu, const Insn *d)                         \
    {                                                                           \
        int c = (CNT);                                                          \
        T v = (T)cpu->regs[d->rrm];                                             \
        T r = LEFT ? (T)((v << c) | (v >> (BITS - c)))                          \
                   : (T)((v >> c) | (v << (BITS - c)));                         \
        uint32_t cf = LEFT ? (uint32_t)(r & 1) : (uint32_t)(r >> (BITS - 1)) & 1; \
        uint32_t top = (uint32_t)(r >> (BITS - 1)) & 1;                         \
        uint32_t of = LEFT ? top ^ cf : top ^ ((uint32_t)(r >> (BITS - 2)) & 1);  \
        uint32_t f = (cc_compute_all(cpu) & ~(CC_C | CC_O)) | cf | (of ? CC_O : 0); \
        cpu->regs[d->rrm] = r;                                                  \
        cc_record(cpu, CC_OP_EFLAGS, 0, f, 0);                                  \
    }

DEF_ROT(rol_I_l, uint32_t, 32, 1, d->imm & 31)
DEF_ROT(ror_I_l, uint32_t, 32, 0, d->imm & 31)
DEF_ROT(rol_1_l, uint32_t, 32, 1, 1)
DEF_ROT(ror_1_l, uint32_t, 32, 0, 1)
DEF_ROT(rol_I_q, uint64_t, 64, 1, d->imm & 63)
DEF_ROT(ror_I_q, uint64_t, 64, 0, d->imm & 63)
DEF_ROT(rol_1_q, uint64_t, 64, 1, 1)
DEF_ROT(ror_1_q, uint64_t, 64, 0, 1)

/* By ModRM.reg: ROL (0), ROR (1); [imm, 1]. */
static const InsnFn rot_fast[2][2][2] = {
    { { fast_rol_I_l, fast_rol_1_l }, { fast_ror_I_l, fast_ror_1_l } },
    { { fast_rol_I_q, fast_rol_1_q }, { fast_ror_I_q, fast_ror_1_q } },
};

/* ---- Jcc: the taken branch is op_jcc's ----------------------------------- */

static inline void fast_jump(X86CPU *cpu, const Insn *d)
{
    uint64_t t = (cpu->next_rip + d->imm) & size_mask_of(d->opsize);
    near_jump_check(cpu, d, t);
    cpu->next_rip = t;
}

/* ZF without building the other flags: the loop-closing JNZ after DEC,
 * SUB, CMP, TEST ... */
static inline bool fast_zf(const X86CPU *cpu)
{
    static const uint64_t mask[CC_SIZES] = { 0xff, 0xffff, 0xffffffff, UINT64_MAX };
    if (cpu->cc_op == CC_OP_EFLAGS)
        return cpu->cc_src & CC_Z;
    return (cpu->cc_dst & mask[(cpu->cc_op - 1) % CC_SIZES]) == 0;
}

static void fast_jz(X86CPU *cpu, const Insn *d)
{
    if (fast_zf(cpu))
        fast_jump(cpu, d);
}

static void fast_jnz(X86CPU *cpu, const Insn *d)
{
    if (!fast_zf(cpu))
        fast_jump(cpu, d);
}

static void fast_jcc(X86CPU *cpu, const Insn *d)
{
    if (cc_test(cpu, d->op & 15))
        fast_jump(cpu, d);
}

/* ---- the choice ------------------------------------------------------------ */

static InsnFn specialize_reg(const Insn *d, int q)
{
    InsnFn fn = d->fn;
    const AluFast *alu = NULL;
    if (fn == op_alu_E_G || fn == op_alu_G_E)
        alu = (d->op & 1) ? &alu_fast[q][(d->op >> 3) & 7] : NULL;
    else if (fn == op_grp1 && (d->op == 0x81 || d->op == 0x83))
        alu = &alu_fast[q][d->reg];
    if (alu)
        return fn == op_alu_E_G ? alu->eg : fn == op_alu_G_E ? alu->ge : alu->ei;
    if (fn == op_test_E_G && d->op == 0x85)
        return q ? fast_testq : fast_testl;
    if (fn == op_mov_E_G && d->op == 0x89)
        return q ? fast_mov_EG_q : fast_mov_EG_l;
    if (fn == op_mov_G_E && d->op == 0x8b)
        return q ? fast_mov_GE_q : fast_mov_GE_l;
    if (fn == op_not_E && d->op == 0xf7)
        return q ? fast_not_q : fast_not_l;
    if (fn == op_neg_E && d->op == 0xf7)
        return q ? fast_neg_q : fast_neg_l;
    if (fn == op_inc_E && d->op == 0xff)
        return q ? fast_inc_E_q : fast_inc_E_l;
    if (fn == op_dec_E && d->op == 0xff)
        return q ? fast_dec_E_q : fast_dec_E_l;
    if ((fn == op_grp2_E_I || fn == op_grp2_E_1) && (d->op & 1) &&
        (d->reg >= 4 || d->reg <= 1)) {
        bool one = fn == op_grp2_E_1;
        /* A zero count leaves flags alone: the general handler knows how. */
        if (!one && (d->imm & (q ? 63 : 31)) == 0)
            return NULL;
        return d->reg >= 4 ? shift_fast[q][d->reg - 4][one] : rot_fast[q][d->reg][one];
    }
    return NULL;
}

static InsnFn specialize_mem(const Insn *d, int q)
{
    if (d->fn == op_lea)
        return q ? fast_lea_q : fast_lea_l;
    if (d->fn == op_mov_E_G && d->op == 0x89)
        return q ? fast_store_q : fast_store_l;
    if (d->fn == op_mov_G_E && d->op == 0x8b)
        return q ? fast_load_q : fast_load_l;
    return NULL;
}

static InsnFn specialize_jcc(const Insn *d)
{
    int cond = d->op & 15;
    return cond == 4 ? fast_jz : cond == 5 ? fast_jnz : fast_jcc;
}

void x86_insn_specialize(Insn *d)
{
    InsnFn fast = NULL;
    if (d->fn == op_jcc) {
        d->fn = specialize_jcc(d);
        return;
    }
    if (d->lock || (d->opsize != 4 && d->opsize != 8))
        return;
    if (d->fn == op_movzx) {
        bool word = d->op & 1;
        if (d->mod != 3)
            d->fn = word ? fast_movzx_mw : fast_movzx_mb;
        else if (word)
            d->fn = fast_movzx_rw;
        else if (d->rex || d->rrm < 4)
            d->fn = fast_movzx_rb;
        return;
    }
    if (d->map != MAP_1)
        return;
    int q = d->opsize == 8;
    if (d->fn == op_incdec_r && !q)
        fast = (d->op & 8) ? fast_dec_r_l : fast_inc_r_l;
    else if (d->mod == 3)
        fast = specialize_reg(d, q);
    else
        fast = specialize_mem(d, q);
    if (fast)
        d->fn = fast;
}
