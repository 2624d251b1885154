/* Native code for read-modify-write forms of any size, on a register or
 * in memory: the shifts and rotates of group 2 (by 1, an immediate or CL;
 * ROL ROR SHL SHR SAR), INC/DEC/NOT/NEG, and ADC/SBB with memory.  Each
 * leaves the record its handler leaves (shift.c, alu.c).
 *
 * The operand lives in R13 (R12 holds a memory operand's offset), the
 * values the record needs in R14 and R15: only R12-R15 survive the slow
 * path of an access.  Memory forms read, compute, store, and only then
 * write registers and flags, so a faulting store changes nothing.
 *
 * A count in CL is masked and tested at run time: a zero count changes
 * neither the operand (but a 32-bit register is zero-extended) nor the
 * flags, so afterwards the cc op is known only when both paths agree. */
#include "accel/tcg/jit/jit-internal.h"

static bool ext3_ok(const Insn *d)
{
    return !d->lock && !x86_insn_always_faults(d);
}

/* Memory operands as jit-mem.c's emit_ea takes them. */
static bool mem_ok(const JitCtx *c, const Insn *d)
{
    int64_t disp = d->adsize == 4 ? (int32_t)(uint32_t)d->disp : d->disp;
    return c->mode != 16 && d->adsize != 2 && fits_s32(disp);
}

static uint64_t mask_to(uint64_t v, int size)
{
    return size == 8 ? v : v & ((1ull << (8 * size)) - 1);
}

static int size_w(const Insn *d)
{
    return (d->op & 1) ? d->opsize : 1;
}

/* ---- the r/m operand in R13 ------------------------------------------------- */

static void rm_load(JitCtx *c, const Insn *d, int size)
{
    if (d->mod == 3) {
        jit_get_sized(c, d, size, H_R13, d->rrm);
        return;
    }
    emit_ea(c, d);
    emit_access(c, false, size, d->seg, H_R13);
}

/* R13 holds the result, zero-extended from size. */
static void rm_store(JitCtx *c, const Insn *d, int size)
{
    if (d->mod == 3)
        jit_set_sized(c, d, size, d->rrm, H_R13);
    else
        emit_access(c, true, size, d->seg, H_R13);
}

/* The state after an instruction whose record depends on a run-time
 * test: what cpu->cc_op holds is known only if both paths leave it. */
static void merge_cc(JitCtx *c, int before)
{
    if (c->cc_op_known != before)
        c->cc_op_known = -1;
    c->host_cc = -1;
}

/* ---- the guest's flags before the instruction -------------------------------- */


/* R14 = the guest's CF as 0/1, first thing in the instruction. */
static void carry_to_r14(JitCtx *c)
{
    jit_carry_to_host(c);
    e_setcc(&c->e, HC_B, H_R14);
    e_movzx_rr(&c->e, 1, H_R14, H_R14);
}

/* ---- group 2: ROL ROR SHL SHR SAR by 1, imm8, CL ------------------------------ */

typedef struct Grp2 {
    int op;             /* HS_ROL, HS_ROR, HS_SHL, HS_SHR, HS_SAR */
    int size;
    int cnt;            /* the masked count; 0: CL, at run time */
} Grp2;

static bool grp2_form(const Insn *d, Grp2 *g)
{
    if (d->map != MAP_1 || d->reg == 2 || d->reg == 3)
        return false;
    int size = size_w(d), mask = size == 8 ? 63 : 31;
    *g = (Grp2){ d->reg == 6 ? HS_SHL : d->reg, size, 0 };
    switch (d->op) {
    case 0xd0: case 0xd1: g->cnt = 1; return true;
    case 0xd2: case 0xd3: return true;
    case 0xc0: case 0xc1:
        /* A zero count only reads: the handler's. */
        g->cnt = (int)(d->imm & (uint64_t)mask);
        return g->cnt != 0;
    default: return false;
    }
}

/* ECX = CL masked to the count's width; the branch taken when it is 0. */
static Fixup count_from_cl(JitCtx *c, int size)
{
    Emit *e = &c->e;
    jit_reg_flush(c, R_ECX);
    e_load(e, 1, H_RCX, H_CPU, GREG(R_ECX));
    e_alu_ri(e, HA_AND, 4, H_RCX, size == 8 ? 63 : 31);
    return e_jcc(e, HC_E);
}

static void shift_by(JitCtx *c, int op, int size, int h, int cnt)
{
    if (cnt)
        e_shift_ri(&c->e, op, size, h, (uint8_t)cnt);
    else
        e_shift_rcl(&c->e, op, size, h);
}

/* R13 = R13 shifted, R14 = R13 shifted by count - 1 (the record's src;
 * a shift of the native size leaves both zero-extended); the last host
 * shift is by 1, whose flags are the guest's. */
static void shift_value(JitCtx *c, const Grp2 *g)
{
    Emit *e = &c->e;
    if (!c->flags_live) {
        shift_by(c, g->op, g->size, H_R13, g->cnt);
        return;
    }
    if (g->cnt == 0) {
        e_incdec(e, true, 4, H_RCX);
        e_shift_rcl(e, g->op, g->size, H_R13);
    } else if (g->cnt > 1) {
        e_shift_ri(e, g->op, g->size, H_R13, (uint8_t)(g->cnt - 1));
    }
    e_mov_rr(e, 8, H_R14, H_R13);
    e_shift_ri(e, g->op, g->size, H_R13, 1);
}

/* R14 |= CF and OF after a rotate, from the result in R13 (left: CF is
 * bit 0, OF = top ^ CF; right: CF is the top bit, OF = the top two bits
 * differ). */
static void rot_flags(JitCtx *c, int size, bool left)
{
    Emit *e = &c->e;
    int bits = 8 * size;
    e_mov_rr(e, 8, H_RCX, H_R13);
    if (left) {
        e_shift_ri(e, HS_SHR, 8, H_RCX, (uint8_t)(bits - 1));
        e_mov_rr(e, 4, H_R8, H_R13);
        e_alu_ri(e, HA_AND, 4, H_R8, 1);
        e_alu_rr(e, HA_XOR, 4, H_RCX, H_R8);
    } else {
        e_shift_ri(e, HS_SHR, 8, H_RCX, (uint8_t)(bits - 2));
        e_mov_rr(e, 4, H_R8, H_RCX);
        e_shift_ri(e, HS_SHR, 4, H_R8, 1);
        e_alu_rr(e, HA_XOR, 4, H_RCX, H_R8);
        e_alu_ri(e, HA_AND, 4, H_RCX, 1);
    }
    e_shift_ri(e, HS_SHL, 4, H_RCX, 11);
    e_alu_rr(e, HA_OR, 4, H_R14, H_RCX);
    e_alu_rr(e, HA_OR, 4, H_R14, H_R8);
}

/* grp2 in shift.c: read; a zero count stops there (a 32-bit register is
 * still written back); else compute, store, record.  Shifts record SHL
 * or SAR (dst = result, src = shifted by count - 1, src2 = operand);
 * rotates fold CF and OF into an EFLAGS record of the other flags. */
static void emit_grp2(JitCtx *c, const Insn *d, const Grp2 *g)
{
    Emit *e = &c->e;
    bool rot = g->op <= HS_ROR, live = c->flags_live;
    int before = c->cc_op_known;
    if (rot && live)
        jit_flags_to_reg(c, H_R14, CC_ALL & ~(uint32_t)(CC_C | CC_O));
    rm_load(c, d, g->size);
    Fixup zero = g->cnt ? NULL : count_from_cl(c, g->size);
    if (rot) {
        shift_by(c, g->op, g->size, H_R13, g->cnt);
        if (live)
            rot_flags(c, g->size, g->op == HS_ROL);
    } else {
        if (live)
            e_mov_rr(e, 8, H_R15, H_R13);
        shift_value(c, g);
    }
    /* The host's flags are the guest's after a shift of a register by a
     * constant (the last host shift is by 1, or the count is 1). */
    bool host_ok = !rot && d->mod == 3 && g->cnt && (live || g->cnt == 1);
    rm_store(c, d, g->size);
    if (rot)
        jit_record_flags(c, CC_OP_EFLAGS, H_NONE, H_R14, H_NONE);
    else
        jit_record_flags(c, cc_op_sized(g->op == HS_SHL ? CC_OP_SHLB : CC_OP_SARB, g->size),
                         H_R13, H_R14, H_R15);
    if (!zero) {
        c->host_cc = host_ok ? cc_op_sized(g->op == HS_SHL ? CC_OP_SHLB : CC_OP_SARB, g->size)
                             : -1;
        return;
    }
    if (d->mod == 3 && g->size == 4) {
        Fixup done = e_jmp(e);
        e_patch_here(e, zero);
        jit_get_reg(c, 4, H_RAX, d->rrm);
        jit_set_reg(c, 4, d->rrm, H_RAX);
        e_patch_here(e, done);
    } else {
        e_patch_here(e, zero);
    }
    merge_cc(c, before);
}

/* ---- INC DEC NOT NEG ------------------------------------------------------------ */

/* alu.c: INC/DEC record dst = result, src = CF before, src2 = operand;
 * NEG a SUB from 0 (src = operand, src2 = 0); NOT no flags. */
static void emit_unary(JitCtx *c, const Insn *d, int kind)
{
    Emit *e = &c->e;
    int size = size_w(d);
    bool live = c->flags_live, reg = d->mod == 3;
    if (kind <= 1 && live)
        carry_to_r14(c);
    rm_load(c, d, size);
    if (live && kind != 2)
        e_mov_rr(e, 8, H_R15, H_R13);
    if (kind <= 1)
        e_incdec(e, kind == 1, size, H_R13);
    else
        e_unary(e, kind, size, H_R13);
    rm_store(c, d, size);
    if (kind == 2) {
        c->host_cc = reg ? c->host_cc_in : -1;
        return;
    }
    if (kind == 3) {
        if (live)
            e_alu_rr(e, HA_XOR, 4, H_RDX, H_RDX);
        jit_record_flags(c, cc_op_sized(CC_OP_SUBB, size), H_R13, H_R15, H_RDX);
        c->host_cc = -1;
        return;
    }
    int cc = cc_op_sized(kind == 1 ? CC_OP_DECB : CC_OP_INCB, size);
    jit_record_flags(c, cc, H_R13, H_R14, H_R15);
    /* Registers: the host's INC kept the guest's CF from carry_to_r14. */
    c->host_cc = reg && live ? cc : -1;
}

/* FE/FF /0 /1, F6/F7 /2 /3: 0 INC, 1 DEC, 2 NOT, 3 NEG; -1 otherwise. */
static int unary_kind(const Insn *d)
{
    if (d->map != MAP_1)
        return -1;
    if ((d->op == 0xfe || d->op == 0xff) && d->reg <= 1)
        return d->reg;
    if ((d->op == 0xf6 || d->op == 0xf7) && (d->reg == 2 || d->reg == 3))
        return d->reg;
    return -1;
}

/* ---- ADC/SBB with memory ------------------------------------------------------ */

typedef struct CarryMem {
    int op;             /* HA_ADC or HA_SBB */
    int size;
    bool mem_dst;
    bool imm;           /* the other operand is d->imm, else register rreg */
} CarryMem;

static bool carry_mem_form(const Insn *d, CarryMem *f)
{
    uint8_t op = d->op;
    if (d->map != MAP_1 || d->mod == 3)
        return false;
    if ((op >= 0x10 && op <= 0x13) || (op >= 0x18 && op <= 0x1b)) {
        *f = (CarryMem){ op >= 0x18 ? HA_SBB : HA_ADC, size_w(d), !(op & 2), false };
        return true;
    }
    if ((op == 0x80 || op == 0x81 || op == 0x83) && (d->reg == HA_ADC || d->reg == HA_SBB)) {
        *f = (CarryMem){ d->reg, op == 0x80 ? 1 : d->opsize, true, true };
        return true;
    }
    return false;
}

/* The host's CF = R14 (0/1): only MOVs may follow before the ADC/SBB. */
static void r14_to_carry(JitCtx *c)
{
    e_alu_ri(&c->e, HA_ADD, 4, H_R14, -1);
}

/* alu.c's record: dst = result, src = second operand, src2 = first. */
static void emit_carry_mem(JitCtx *c, const Insn *d, const CarryMem *f)
{
    Emit *e = &c->e;
    int size = f->size;
    int cc = cc_op_sized(f->op == HA_ADC ? CC_OP_ADCB : CC_OP_SBBB, size);
    carry_to_r14(c);
    if (!f->mem_dst) {
        /* r op= [m] */
        emit_ea(c, d);
        emit_access(c, false, size, d->seg, H_R13);
        jit_get_sized(c, d, size, H_RAX, d->rreg);
        r14_to_carry(c);
        e_mov_rr(e, 8, H_RDX, H_RAX);
        e_alu_rr(e, f->op, size, H_RAX, H_R13);
        jit_set_sized(c, d, size, d->rreg, H_RAX);
        jit_record_flags(c, cc, H_RAX, H_R13, H_RDX);
        c->host_cc = cc;
        return;
    }
    if (f->imm)
        e_mov_ri(e, H_R15, mask_to(d->imm, size));
    else
        jit_get_sized(c, d, size, H_R15, d->rreg);
    emit_ea(c, d);
    emit_access(c, false, size, d->seg, H_R13);
    /* R14: carry, then the operand; R15: the other operand, then the
     * first operand's copy. */
    r14_to_carry(c);
    e_mov_rr(e, 8, H_R14, H_R15);
    e_mov_rr(e, 8, H_R15, H_R13);
    e_alu_rr(e, f->op, size, H_R13, H_R14);
    emit_access(c, true, size, d->seg, H_R13);
    jit_record_flags(c, cc, H_R13, H_R14, H_R15);
    c->host_cc = -1;
}

/* ---- the emitter ------------------------------------------------------------ */

bool jit_emit_ext3(JitCtx *c, const Insn *d)
{
    if (!ext3_ok(d) || d->map != MAP_1)
        return false;
    if (d->mod != 3 && !mem_ok(c, d))
        return false;
    Grp2 g;
    if (grp2_form(d, &g)) {
        emit_grp2(c, d, &g);
        return true;
    }
    int kind = unary_kind(d);
    if (kind >= 0) {
        emit_unary(c, d, kind);
        return true;
    }
    CarryMem f;
    if (carry_mem_form(d, &f)) {
        emit_carry_mem(c, d, &f);
        return true;
    }
    return false;
}
