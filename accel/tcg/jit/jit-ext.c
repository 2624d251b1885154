/* Native code for more register forms: ROL/ROR by a constant, ADC/SBB,
 * IMUL r, r/m [, imm], SETcc, CMOVcc, XCHG, BSWAP, MOVZX/MOVSX/MOVSXD;
 * and the services that read the guest's flags natively (the carry into
 * the host's CF, the flags a rotate keeps, a condition).  Each form
 * leaves the record its handler leaves (fast.c, alu.c, muldiv.c,
 * datamov.c), or CC_OP_EFLAGS with the same flags where the handler does. */
#include "accel/tcg/jit/jit-internal.h"

static bool ext_ok(const Insn *d)
{
    return !d->lock && !x86_insn_always_faults(d);
}

/* ---- operands of any size ------------------------------------------------ */

/* The guest register that holds operand r of size bytes: byte registers
 * 4..7 without REX are AH, CH, DH, BH. */
static int whole_reg(const Insn *d, int r, int size)
{
    return size == 1 && !d->rex && r >= 4 && r < 8 ? r - 4 : r;
}

int32_t jit_reg_flushed_off(JitCtx *c, const Insn *d, int r, int size)
{
    int w = whole_reg(d, r, size);
    jit_reg_flush(c, w);
    return GREG(w) + (w != r);      /* AH..BH: the second byte */
}

void jit_get_sized(JitCtx *c, const Insn *d, int size, int h, int r)
{
    e_load(&c->e, size, h, H_CPU, jit_reg_flushed_off(c, d, r, size));
}

/* A 4-byte value must be zero-extended in h (the guest register is). */
void jit_set_sized(JitCtx *c, const Insn *d, int size, int r, int h)
{
    if (size >= 4) {
        jit_set_reg(c, size, r, h);
    } else {
        e_store(&c->e, size, H_CPU, jit_reg_flushed_off(c, d, r, size), h);
        jit_reg_written(c, whole_reg(d, r, size));
    }
}

/* ---- the guest's flags, natively ----------------------------------------- */

void jit_flags_to_reg(JitCtx *c, int h, uint32_t keep)
{
    Emit *e = &c->e;
    int cc = c->host_cc_in, known = c->cc_op_known;
    if (cc < 0 && known == CC_OP_EFLAGS) {
        e_load(e, 4, h, H_CPU, CPU_OFF(cc_src));
    } else {
        /* The redone record's flags are exact, AF included; the host's
         * after LOGIC or a shift have AF undefined (the guest's is 0). */
        if (cc >= 0 && !jit_host_af_ok(cc))
            keep &= ~(uint32_t)CC_A;
        if (cc < 0 && !jit_flags_redo(c, known, false))
            jit_flags_dispatch(c, false);
        e_pushf(e);
        e_pop(e, h);
    }
    e_alu_ri(e, HA_AND, 4, h, (int32_t)keep);
}

/* An INC or DEC whose own record is dead needs no carry: the carry only
 * goes into that record. */
static bool carry_unused(const JitCtx *c)
{
    const Insn *d = c->d;
    if (c->flags_live || d->map != MAP_1)
        return false;
    if (d->op >= 0x40 && d->op <= 0x4f)
        return c->mode != 64;
    return (d->op == 0xfe || d->op == 0xff) && d->reg <= 1;
}

/* The host's CF = the guest's CF; only MOVs may come between this and
 * the instruction that reads it.  Clobbers the caller-saved registers. */
void jit_carry_to_host(JitCtx *c)
{
    if (c->host_cc_in >= 0 || carry_unused(c))
        return;
    if (!jit_flags_redo(c, c->cc_op_known, true))
        jit_flags_dispatch(c, true);
}

/* Makes condition cond (0..15) testable by the host: returns the host
 * condition to use.  Only MOVs may come between.  Clobbers the
 * caller-saved registers when the flags are not the host's. */
int jit_cond_to_host(JitCtx *c, int cond)
{
    if (c->host_cc_in >= 0)
        return cond;
    if (!jit_flags_redo(c, c->cc_op_known, false))
        jit_flags_dispatch(c, false);
    return cond;
}

/* ---- ROL/ROR r, 1 / imm ---------------------------------------------------- */

static bool is_rot(const Insn *d)
{
    if (d->map != MAP_1 || d->mod != 3 || (d->op != 0xc1 && d->op != 0xd1) || d->reg > 1)
        return false;
    if (d->opsize != 4 && d->opsize != 8)
        return false;
    return d->op == 0xd1 || (d->imm & (d->opsize == 8 ? 63 : 31)) != 0;
}

/* fast.c's rotate: CF and OF from the result, the other flags kept, the
 * whole folded into an EFLAGS record. */
static void do_rot(Emit *e, int size, int h, const void *arg)
{
    const uint8_t *a = arg;     /* left, count */
    e_shift_ri(e, a[0] ? HS_ROL : HS_ROR, size, h, a[1]);
}

static void emit_rot(JitCtx *c, const Insn *d)
{
    Emit *e = &c->e;
    int size = d->opsize, bits = 8 * size;
    bool left = d->reg == 0;
    uint8_t cnt = d->op == 0xd1 ? 1 : (uint8_t)(d->imm & (bits - 1));
    if (size >= 4 && jit_unary_inplace(c, d->rrm, size, true, do_rot, (uint8_t[]){ left, cnt }))
        return;
    if (c->flags_live)
        jit_flags_to_reg(c, H_RDX, CC_ALL & ~(uint32_t)(CC_C | CC_O));
    jit_get_reg(c, size, H_RAX, d->rrm);
    e_shift_ri(e, left ? HS_ROL : HS_ROR, size, H_RAX, cnt);
    jit_set_reg(c, size, d->rrm, H_RAX);
    c->host_cc = -1;
    if (!c->flags_live)
        return;
    /* R8 = CF, ECX = OF (left: top ^ CF; right: the top two bits differ). */
    e_mov_rr(e, 8, H_RCX, H_RAX);
    if (left) {
        e_shift_ri(e, HS_SHR, size, H_RCX, (uint8_t)(bits - 1));
        e_mov_rr(e, 4, H_R8, H_RAX);
        e_alu_ri(e, HA_AND, 4, H_R8, 1);
        e_alu_rr(e, HA_XOR, 4, H_RCX, H_R8);
    } else {
        e_shift_ri(e, HS_SHR, size, H_RCX, (uint8_t)(bits - 2));
        e_mov_rr(e, 4, H_R8, H_RCX);
        e_shift_ri(e, HS_SHR, 4, H_R8, 1);
        e_alu_rr(e, HA_XOR, 4, H_RCX, H_R8);
        e_alu_ri(e, HA_AND, 4, H_RCX, 1);
    }
    e_shift_ri(e, HS_SHL, 4, H_RCX, 11);
    e_alu_rr(e, HA_OR, 4, H_RDX, H_RCX);
    e_alu_rr(e, HA_OR, 4, H_RDX, H_R8);
    jit_record_flags(c, CC_OP_EFLAGS, H_NONE, H_RDX, H_NONE);
}

/* ---- ADC/SBB of registers and immediates, any size ------------------------ */

typedef struct CarryForm {
    int op;             /* HA_ADC or HA_SBB */
    int size;
    int dst, src;       /* src -1: immediate */
    uint64_t imm;
} CarryForm;

static bool carry_form(const Insn *d, CarryForm *f)
{
    if (d->map != MAP_1)
        return false;
    uint8_t op = d->op;
    int wsize = (op & 1) ? d->opsize : 1;
    if (op >= 0x10 && op <= 0x1d && (op & 7) <= 5) {
        *f = (CarryForm){ op >= 0x18 ? HA_SBB : HA_ADC, wsize, R_EAX, -1, d->imm };
        if ((op & 7) >= 4)
            return true;
        if (d->mod != 3)
            return false;
        if (op & 2)
            f->dst = d->rreg, f->src = d->rrm;
        else
            f->dst = d->rrm, f->src = d->rreg;
        return true;
    }
    if ((op == 0x80 || op == 0x81 || op == 0x83) && d->mod == 3 &&
        (d->reg == HA_ADC || d->reg == HA_SBB)) {
        *f = (CarryForm){ d->reg, op == 0x80 ? 1 : d->opsize, d->rrm, -1, d->imm };
        return true;
    }
    return false;
}

static uint64_t imm_of(uint64_t imm, int size)
{
    return size == 8 ? imm : imm & (size == 4 ? 0xffffffffu : size == 2 ? 0xffffu : 0xffu);
}

/* alu.c's record: dst = result, src = second operand, src2 = first. */
static void emit_carry_op(JitCtx *c, const Insn *d, const CarryForm *f)
{
    Emit *e = &c->e;
    if (f->size == 8 && f->src < 0 && !fits_s32((int64_t)f->imm))
        return;
    jit_carry_to_host(c);
    int cc = cc_op_sized(f->op == HA_ADC ? CC_OP_ADCB : CC_OP_SBBB, f->size);
    if (!c->flags_live && f->size >= 4 && !c->cache_off) {
        /* On the cache register itself (loads from the cache are MOVs:
         * the host's CF survives them). */
        int hd = jit_reg_host(c, f->dst);
        if (f->src < 0) {
            e_alu_ri(e, f->op, f->size, hd, (int32_t)f->imm);
        } else {
            int hs = jit_reg_host(c, f->src);
            hd = jit_reg_host(c, f->dst);
            e_alu_rr(e, f->op, f->size, hd, hs);
        }
        jit_reg_store(c, f->dst, hd);
        c->host_cc = cc;
        return;
    }
    jit_get_sized(c, d, f->size, H_RAX, f->dst);
    if (f->src < 0)
        e_mov_ri(e, H_RCX, imm_of(f->imm, f->size));
    else
        jit_get_sized(c, d, f->size, H_RCX, f->src);
    if (c->flags_live)
        e_mov_rr(e, 8, H_RDX, H_RAX);
    e_alu_rr(e, f->op, f->size, H_RAX, H_RCX);
    jit_set_sized(c, d, f->size, f->dst, H_RAX);
    jit_record_flags(c, cc, H_RAX, H_RCX, H_RDX);
    c->host_cc = cc;
}

/* ---- IMUL r, r/m [, imm] (registers) --------------------------------------- */

static bool is_imul(const Insn *d)
{
    if (d->mod != 3 || (d->opsize != 4 && d->opsize != 8))
        return false;
    if (d->map == MAP_0F)
        return d->op == 0xaf;
    if (d->map == MAP_1 && (d->op == 0x69 || d->op == 0x6b))
        return d->opsize == 4 || fits_s32((int64_t)d->imm);
    return false;
}

/* muldiv.c's record: dst = the low half, src = whether the product does
 * not fit (the host's CF = OF). */
static void emit_imul(JitCtx *c, const Insn *d)
{
    Emit *e = &c->e;
    int size = d->opsize;
    jit_get_reg(c, size, H_RAX, d->rrm);
    if (d->map == MAP_0F)
        jit_get_reg(c, size, H_RCX, d->rreg);
    else
        e_mov_ri(e, H_RCX, imm_of(d->imm, size));
    e_imul_rr(e, size, H_RAX, H_RCX);
    jit_set_reg(c, size, d->rreg, H_RAX);
    if (c->flags_live) {
        e_setcc(e, HC_B, H_RDX);
        e_movzx_rr(e, 1, H_RDX, H_RDX);
        jit_record_flags(c, cc_op_sized(CC_OP_MULB, size), H_RAX, H_RDX, H_NONE);
    }
    c->host_cc = -1;    /* SF ZF PF: undefined on the host */
}

/* ---- SETcc r8, CMOVcc r, r ------------------------------------------------ */

static void emit_setcc_reg(JitCtx *c, const Insn *d)
{
    Emit *e = &c->e;
    int cond = jit_cond_to_host(c, d->op & 15);
    e_setcc(e, cond, H_RAX);
    jit_set_sized(c, d, 1, d->rrm, H_RAX);
    c->host_cc = c->host_cc_in;
}

static void emit_cmov_reg(JitCtx *c, const Insn *d)
{
    Emit *e = &c->e;
    int size = d->opsize;
    int cond = jit_cond_to_host(c, d->op & 15);
    jit_get_reg(c, size, H_RAX, d->rreg);
    jit_get_reg(c, size, H_RCX, d->rrm);
    /* A 32-bit CMOV zero-extends either way, on the host as in op_cmov. */
    e_cmov(e, cond, size, H_RAX, H_RCX);
    jit_set_reg(c, size, d->rreg, H_RAX);
    c->host_cc = c->host_cc_in;
}

/* ---- moves: XCHG, BSWAP, MOVZX/MOVSX/MOVSXD of registers ------------------ */

static bool emit_xchg(JitCtx *c, const Insn *d)
{
    int size = d->opsize, a, b;
    if (d->map == MAP_1 && d->op == 0x87 && d->mod == 3) {
        a = d->rreg;
        b = d->rrm;
    } else if (d->map == MAP_1 && d->op >= 0x91 && d->op <= 0x97) {
        a = R_EAX;
        b = d->opreg;
    } else if (d->map == MAP_1 && d->op == 0x90 && d->opreg != R_EAX) {
        a = R_EAX;      /* 90 with REX.B: XCHG rAX, r8 */
        b = d->opreg;
    } else {
        return false;
    }
    jit_get_reg(c, size, H_RAX, a);
    jit_get_reg(c, size, H_RCX, b);
    jit_set_reg(c, size, a, H_RCX);
    jit_set_reg(c, size, b, H_RAX);
    c->host_cc = c->host_cc_in;
    return true;
}

static bool emit_movx(JitCtx *c, const Insn *d)
{
    Emit *e = &c->e;
    int size = d->opsize;
    if (d->map == MAP_0F && d->op >= 0xc8 && d->op <= 0xcf) {
        jit_get_reg(c, size, H_RAX, d->opreg);
        e_bswap(e, size, H_RAX);
        jit_set_reg(c, size, d->opreg, H_RAX);
    } else if (d->map == MAP_0F && (d->op == 0xb6 || d->op == 0xb7 || d->op == 0xbe ||
                                    d->op == 0xbf) && d->mod == 3) {
        int from = (d->op & 1) ? 2 : 1;
        int32_t off = jit_reg_flushed_off(c, d, d->rrm, from);
        if (!(d->op & 8))
            e_load(e, from, H_RAX, H_CPU, off);
        else
            e_load_sx(e, from, H_RAX, H_CPU, off);
        if (size == 4)
            e_mov_rr(e, 4, H_RAX, H_RAX);   /* the guest zero-extends */
        jit_set_sized(c, d, size, d->rreg, H_RAX);
    } else if (d->map == MAP_1 && d->op == 0x63 && d->mode == 64 && size == 8 && d->mod == 3) {
        jit_reg_flush(c, d->rrm);
        e_load_sx(e, 4, H_RAX, H_CPU, GREG(d->rrm));
        jit_set_reg(c, 8, d->rreg, H_RAX);
    } else {
        return false;
    }
    c->host_cc = c->host_cc_in;
    return true;
}

/* ---- the emitter ------------------------------------------------------------ */

bool jit_ext_reads_host_cf(const Insn *d)
{
    CarryForm f;
    return ext_ok(d) && carry_form(d, &f) &&
           !(f.size == 8 && f.src < 0 && !fits_s32((int64_t)f.imm));
}

bool jit_ext_passes_flags(const Insn *d)
{
    return ext_ok(d) && is_rot(d);
}

bool jit_ext_kills_flags(const Insn *d)
{
    if (!ext_ok(d))
        return false;
    return is_imul(d);
}

bool jit_emit_ext(JitCtx *c, const Insn *d)
{
    if (!ext_ok(d))
        return false;
    CarryForm f;
    if (is_rot(d)) {
        emit_rot(c, d);
        return true;
    }
    if (carry_form(d, &f)) {
        uint8_t *before = c->e.p;
        emit_carry_op(c, d, &f);
        return c->e.p != before;
    }
    if (is_imul(d)) {
        emit_imul(c, d);
        return true;
    }
    bool wide = d->opsize == 4 || d->opsize == 8;
    if (d->map == MAP_0F && d->op >= 0x90 && d->op <= 0x9f && d->mod == 3) {
        emit_setcc_reg(c, d);
        return true;
    }
    if (d->map == MAP_0F && d->op >= 0x40 && d->op <= 0x4f && d->mod == 3 && wide) {
        emit_cmov_reg(c, d);
        return true;
    }
    bool movx16 = d->map == MAP_0F && d->mod == 3 && d->opsize == 2 &&
                  (d->op == 0xb6 || d->op == 0xb7 || d->op == 0xbe || d->op == 0xbf);
    if (!wide && !movx16)
        return false;
    return emit_xchg(c, d) || emit_movx(c, d);
}
