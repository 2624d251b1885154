/* Native code for the register forms of the integer ALU: ADD OR AND SUB
 * XOR CMP TEST, MOV, INC/DEC, NOT, NEG and shifts by a constant, for
 * 32- and 64-bit operands.  Guest registers stay in cpu->regs; RAX, RCX
 * and RDX hold the operands and the result.  Each form records the lazy
 * flags exactly as its interpreter handler does (fast.c), unless flag
 * liveness proved the record dead, and leaves the host's flags equal to
 * the guest's for a following Jcc. */
#include "accel/tcg/jit/jit-internal.h"

/* An ALU operation the host runs as it is (ADC and SBB read CF: not here). */
static bool alu_native(int op)
{
    return op != HA_ADC && op != HA_SBB;
}

static bool decodes_ok(const Insn *d)
{
    return !d->lock && (d->opsize == 4 || d->opsize == 8) && !x86_insn_always_faults(d);
}

static int alu_cc(int op, int size)
{
    int fam = op == HA_ADD ? CC_OP_ADDB : (op == HA_SUB || op == HA_CMP) ? CC_OP_SUBB : CC_OP_LOGICB;
    return cc_op_sized(fam, size);
}

/* The ALU forms this file runs: operation, destination register, and the
 * source register or an immediate.  Returns false for anything else. */
typedef struct AluForm {
    int op;             /* HA_*, or -1 for TEST */
    int dst, src;       /* guest registers; src -1: immediate */
    uint64_t imm;
} AluForm;

static bool alu_form(const Insn *d, AluForm *f)
{
    if (d->map != MAP_1)
        return false;
    uint8_t op = d->op;
    if (op < 0x40 && (op & 7) <= 5 && (op & 6) != 6) {
        f->op = op >> 3;
        if ((op & 7) == 5) {
            *f = (AluForm){ op >> 3, R_EAX, -1, d->imm };
            return alu_native(f->op);
        }
        if (d->mod != 3 || (op & 7) == 0 || (op & 7) == 2 || (op & 7) == 4)
            return false;
        if ((op & 7) == 1)
            *f = (AluForm){ op >> 3, d->rrm, d->rreg, 0 };
        else
            *f = (AluForm){ op >> 3, d->rreg, d->rrm, 0 };
        return alu_native(f->op);
    }
    if ((op == 0x81 || op == 0x83) && d->mod == 3) {
        *f = (AluForm){ d->reg, d->rrm, -1, d->imm };
        return alu_native(f->op);
    }
    if (op == 0x85 && d->mod == 3) {
        *f = (AluForm){ -1, d->rrm, d->rreg, 0 };
        return true;
    }
    if (op == 0xa9) {
        *f = (AluForm){ -1, R_EAX, -1, d->imm };
        return true;
    }
    if (op == 0xf7 && d->mod == 3 && d->reg <= 1) {
        *f = (AluForm){ -1, d->rrm, -1, d->imm };
        return true;
    }
    return false;
}

static bool is_incdec(const Insn *d)
{
    if (d->map != MAP_1)
        return false;
    if (d->op >= 0x40 && d->op <= 0x4f)
        return d->mode != 64;
    return d->op == 0xff && d->mod == 3 && d->reg <= 1;
}

static bool is_shift_imm(const Insn *d)
{
    if (d->map != MAP_1 || d->mod != 3 || (d->op != 0xc1 && d->op != 0xd1))
        return false;
    if (d->reg != 4 && d->reg != 5 && d->reg != 7)
        return false;
    int mask = d->opsize == 8 ? 63 : 31;
    return d->op == 0xd1 || (d->imm & mask) != 0;
}

bool jit_insn_kills_flags(const Insn *d, int mode)
{
    (void)mode;
    AluForm f;
    if (!decodes_ok(d))
        return jit_ext_kills_flags(d) || jit_ext2_kills_flags(d);
    if (alu_form(d, &f))
        return true;
    if (d->map == MAP_1 && d->op == 0xf7 && d->mod == 3 && d->reg == 3)
        return true;    /* NEG */
    return is_shift_imm(d) || jit_ext_kills_flags(d) || jit_ext2_kills_flags(d);
}

/* Register moves, LEA, NOT, XCHG, BSWAP, MOVZX/MOVSX: no flag is read or
 * written, nothing can fault. */
static bool moves_only(const Insn *d)
{
    uint8_t op = d->op;
    bool reg = d->mod == 3;
    if (d->map == MAP_0F)
        return (op >= 0xc8 && op <= 0xcf) || ((op == 0xb6 || op == 0xb7 || op == 0xbe || op == 0xbf) && reg);
    if (d->map != MAP_1)
        return false;
    switch (op) {
    case 0x88: case 0x89: case 0x8a: case 0x8b: case 0x86: case 0x87:
        return reg;
    case 0x8d:
        return !reg;
    case 0x90 ... 0x97: case 0xb0 ... 0xbf:
        return true;
    case 0xc6: case 0xc7:
        return reg && d->reg == 0;
    case 0xf6: case 0xf7:
        return reg && d->reg == 2;
    case 0x63:
        return reg && d->mode == 64;
    default:
        return false;
    }
}

/* Native ALU register forms (emit_alu) and NEG leave the guest's flags
 * in the host's (c->host_cc), whatever the liveness. */
static bool leaves_host_flags(const Insn *d)
{
    AluForm f;
    return d->map == MAP_1 && decodes_ok(d) &&
           (alu_form(d, &f) || (d->op == 0xf7 && d->mod == 3 && d->reg == 3));
}

bool jit_cf_from_host(const Insn *prev, const Insn *d)
{
    if (!leaves_host_flags(prev))
        return false;
    return (d->map == MAP_1 && decodes_ok(d) && is_incdec(d)) || jit_ext_reads_host_cf(d);
}

/* Besides moves: INC/DEC of a register, whose native form reads CF only
 * to pass it on, so dead flags after it are dead before it too. */
bool jit_insn_passes_flags(const Insn *d)
{
    if (d->lock || x86_insn_always_faults(d) || d->rep)
        return false;
    return moves_only(d) || (decodes_ok(d) && is_incdec(d)) || jit_ext_passes_flags(d);
}

int jit_alu_compute(JitCtx *c, int op, int size, int ra, int rb, int rcopy)
{
    Emit *e = &c->e;
    int hop = op < 0 ? HA_AND : op == HA_CMP ? HA_SUB : op;
    bool arith = hop == HA_ADD || hop == HA_SUB;
    if (arith && c->flags_live)
        e_mov_rr(e, 8, rcopy, ra);
    e_alu_rr(e, hop, size, ra, rb);
    c->host_cc = op < 0 ? cc_op_sized(CC_OP_LOGICB, size) : alu_cc(op, size);
    return c->host_cc;
}

void jit_alu_record(JitCtx *c, int op, int cc, int ra, int rb, int rcopy)
{
    bool arith = op == HA_ADD || op == HA_SUB || op == HA_CMP;
    if (op < 0 || !arith)
        jit_record_flags(c, cc, ra, H_NONE, H_NONE);
    else
        jit_record_flags(c, cc, ra, rb, rcopy);
}

/* The operation on the cache registers themselves, when no record
 * needs the operands it overwrites (a logical operation's record is its
 * result).  False when that cannot be. */
static bool emit_alu_inplace(JitCtx *c, const AluForm *f, int size)
{
    bool logic = f->op == HA_AND || f->op == HA_OR || f->op == HA_XOR;
    if (c->cache_off || (c->flags_live && !logic) || (f->op < 0 && f->src < 0))
        return false;
    int hd = jit_reg_host(c, f->dst);
    if (f->src < 0) {
        e_alu_ri(&c->e, f->op, size, hd, (int32_t)f->imm);
    } else {
        int hs = jit_reg_host(c, f->src);
        hd = jit_reg_host(c, f->dst);   /* still there: just used */
        if (f->op < 0)
            e_test_rr(&c->e, size, hd, hs);
        else
            e_alu_rr(&c->e, f->op, size, hd, hs);
    }
    if (f->op >= 0 && f->op != HA_CMP)
        jit_reg_store(c, f->dst, hd);
    int cc = f->op < 0 ? cc_op_sized(CC_OP_LOGICB, size) : alu_cc(f->op, size);
    jit_record_flags(c, cc, hd, H_NONE, H_NONE);
    c->host_cc = cc;
    return true;
}

static void emit_alu(JitCtx *c, const AluForm *f, int size)
{
    if (emit_alu_inplace(c, f, size))
        return;
    jit_get_reg(c, size, H_RAX, f->dst);
    bool arith = f->op == HA_ADD || f->op == HA_SUB || f->op == HA_CMP;
    if (f->src < 0 && (!c->flags_live || !arith)) {
        /* No record needs the immediate in a register: the host's
         * immediate form (sign-extended like the guest's). */
        int hop = f->op < 0 ? HA_AND : f->op == HA_CMP ? HA_SUB : f->op;
        e_alu_ri(&c->e, hop, size, H_RAX, (int32_t)f->imm);
        int cc = f->op < 0 ? cc_op_sized(CC_OP_LOGICB, size) : alu_cc(f->op, size);
        if (f->op >= 0 && f->op != HA_CMP)
            jit_set_reg(c, size, f->dst, H_RAX);
        jit_record_flags(c, cc, H_RAX, H_NONE, H_NONE);
        c->host_cc = cc;
        return;
    }
    if (f->src < 0)
        e_mov_ri(&c->e, H_RCX, size == 8 ? f->imm : (uint32_t)f->imm);
    else
        jit_get_reg(c, size, H_RCX, f->src);
    int cc = jit_alu_compute(c, f->op, size, H_RAX, H_RCX, H_RDX);
    if (f->op >= 0 && f->op != HA_CMP)
        jit_set_reg(c, size, f->dst, H_RAX);
    jit_alu_record(c, f->op, cc, H_RAX, H_RCX, H_RDX);
    c->host_cc = cc;
}

/* CF of the instruction before, as 0/1 in EDX, and in the host's CF for
 * the INC/DEC that follows (which keeps it). */
static void carry_in(JitCtx *c)
{
    jit_carry_to_host(c);
    e_setcc(&c->e, HC_B, H_RDX);
    e_movzx_rr(&c->e, 1, H_RDX, H_RDX);
}

/* A one-operand instruction (INC, DEC, NOT, NEG, a shift by a constant)
 * on guest register r's cache register itself, when its flags are dead
 * or it has none.  False when the cache is off or a record is needed. */
bool jit_unary_inplace(JitCtx *c, int r, int size, bool flags, InplaceFn fn,
                       const void *arg)
{
    if (c->cache_off || (flags && c->flags_live))
        return false;
    int h = jit_reg_host(c, r);
    fn(&c->e, size, h, arg);
    jit_reg_store(c, r, h);
    c->host_cc = flags ? -1 : c->host_cc_in;
    return true;
}

static void do_incdec(Emit *e, int size, int h, const void *dec)
{
    e_incdec(e, *(const bool *)dec, size, h);
}

static void do_unary(Emit *e, int size, int h, const void *ext)
{
    e_unary(e, *(const int *)ext, size, h);
}

typedef struct ShiftArg {
    int op, cnt;
} ShiftArg;

static void do_shift(Emit *e, int size, int h, const void *arg)
{
    const ShiftArg *a = arg;
    e_shift_ri(e, a->op, size, h, (uint8_t)a->cnt);
}

static void emit_incdec(JitCtx *c, const Insn *d, int size)
{
    Emit *e = &c->e;
    bool dec = d->op == 0xff ? d->reg == 1 : (d->op & 8) != 0;
    int r = d->op == 0xff ? d->rrm : d->opreg;
    if (jit_unary_inplace(c, r, size, true, do_incdec, &dec))
        return;
    carry_in(c);
    jit_get_reg(c, size, H_RAX, r);
    if (c->flags_live)
        e_mov_rr(e, 8, H_RCX, H_RAX);
    e_incdec(e, dec, size, H_RAX);
    jit_set_reg(c, size, r, H_RAX);
    int cc = cc_op_sized(dec ? CC_OP_DECB : CC_OP_INCB, size);
    jit_record_flags(c, cc, H_RAX, H_RDX, H_RCX);
    c->host_cc = cc;
}

static void emit_shift(JitCtx *c, const Insn *d, int size)
{
    Emit *e = &c->e;
    int cnt = d->op == 0xd1 ? 1 : (int)(d->imm & (size == 8 ? 63 : 31));
    int hop = d->reg == 4 ? HS_SHL : d->reg == 5 ? HS_SHR : HS_SAR;
    if (jit_unary_inplace(c, d->rrm, size, true, do_shift, &(ShiftArg){ hop, cnt }))
        return;
    jit_get_reg(c, size, H_RAX, d->rrm);
    if (c->flags_live) {
        /* The record keeps the value shifted by count - 1 and the operand. */
        e_mov_rr(e, 8, H_RDX, H_RAX);
        e_mov_rr(e, 8, H_RCX, H_RAX);
        if (cnt > 1)
            e_shift_ri(e, hop, size, H_RCX, (uint8_t)(cnt - 1));
    }
    e_shift_ri(e, hop, size, H_RAX, (uint8_t)cnt);
    jit_set_reg(c, size, d->rrm, H_RAX);
    int cc = cc_op_sized(hop == HS_SHL ? CC_OP_SHLB : CC_OP_SARB, size);
    jit_record_flags(c, cc, H_RAX, H_RCX, H_RDX);
    /* The host's OF after a multi-bit shift is undefined: no Jcc on it.
     * By 1 every flag but AF (0 in the guest's record) is the guest's. */
    c->host_cc = cnt == 1 ? cc : -1;
}

static void emit_neg(JitCtx *c, const Insn *d, int size)
{
    Emit *e = &c->e;
    static const int neg = 3;
    int cc = cc_op_sized(CC_OP_SUBB, size);
    if (jit_unary_inplace(c, d->rrm, size, true, do_unary, &neg)) {
        c->host_cc = cc;    /* the host's NEG sets the guest's flags */
        return;
    }
    jit_get_reg(c, size, H_RAX, d->rrm);
    if (c->flags_live)
        e_mov_rr(e, 8, H_RCX, H_RAX);
    e_unary(e, 3, size, H_RAX);
    jit_set_reg(c, size, d->rrm, H_RAX);
    if (c->flags_live) {
        e_mov_ri(e, H_RDX, 0);      /* not XOR: the host's flags are the guest's */
        jit_record_flags(c, cc, H_RAX, H_RCX, H_RDX);
    }
    c->host_cc = cc;
}

/* MOV between registers, of an immediate, NOT: no flags. */
static bool emit_mov(JitCtx *c, const Insn *d, int size)
{
    Emit *e = &c->e;
    int dst, src = -1;
    uint64_t imm = 0;
    if (d->op == 0x89 && d->mod == 3) {
        dst = d->rrm;
        src = d->rreg;
    } else if (d->op == 0x8b && d->mod == 3) {
        dst = d->rreg;
        src = d->rrm;
    } else if (d->op >= 0xb8 && d->op <= 0xbf) {
        dst = d->opreg;
        imm = d->imm;
    } else if (d->op == 0xc7 && d->mod == 3) {
        dst = d->rrm;
        imm = d->imm;
    } else if (d->op == 0xf7 && d->mod == 3 && d->reg == 2) {
        static const int not = 2;
        if (jit_unary_inplace(c, d->rrm, size, false, do_unary, &not))
            return true;
        jit_get_reg(c, size, H_RAX, d->rrm);
        e_unary(e, 2, size, H_RAX);
        jit_set_reg(c, size, d->rrm, H_RAX);
        c->host_cc = c->host_cc_in;     /* NOT leaves the flags alone */
        return true;
    } else {
        return false;
    }
    c->host_cc = c->host_cc_in;
    if (!c->cache_off) {
        int hs = src >= 0 ? jit_reg_host(c, src) : H_NONE;
        int hd = jit_reg_host_w(c, dst);
        if (src >= 0)
            e_mov_rr(e, size, hd, hs);
        else
            e_mov_ri(e, hd, size == 8 ? imm : (uint32_t)imm);
        jit_reg_store(c, dst, hd);
        return true;
    }
    if (src >= 0)
        jit_get_reg(c, size, H_RAX, src);
    else
        e_mov_ri(e, H_RAX, size == 8 ? imm : (uint32_t)imm);
    jit_set_reg(c, size, dst, H_RAX);
    return true;
}

bool jit_emit_alu(JitCtx *c, const Insn *d)
{
    if (d->map != MAP_1 || !decodes_ok(d))
        return false;
    int size = d->opsize;
    AluForm f;
    if (alu_form(d, &f)) {
        emit_alu(c, &f, size);
        return true;
    }
    if (is_incdec(d)) {
        emit_incdec(c, d, size);
        return true;
    }
    if (is_shift_imm(d)) {
        emit_shift(c, d, size);
        return true;
    }
    if (d->op == 0xf7 && d->mod == 3 && d->reg == 3) {
        emit_neg(c, d, size);
        return true;
    }
    return emit_mov(c, d, size);
}
