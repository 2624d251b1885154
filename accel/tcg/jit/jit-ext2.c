/* Native code for byte and word operands: the ALU (ADD OR AND SUB XOR
 * CMP TEST) and MOV with registers (AH..BH without REX), immediates and
 * memory; and the memory forms of MOVSX/MOVSXD, SETcc and CMOVcc.  The
 * records are alu.c's at the operand's size (values zero-extended). */
#include "accel/tcg/jit/jit-internal.h"

static uint64_t mask_to(uint64_t v, int size)
{
    return size == 8 ? v : v & ((1ull << (8 * size)) - 1);
}

/* An ALU form: op (HA_*, -1 TEST; not ADC/SBB), size, the r/m operand
 * (register rm, or memory when mem), the other operand (register reg,
 * or an immediate when reg < 0) and whether r/m is the destination. */
typedef struct NarrowAlu {
    int op, size;
    bool mem, rm_dst;
    int rm, reg;
    uint64_t imm;
} NarrowAlu;

static bool narrow_size(const Insn *d, int *size)
{
    *size = (d->op & 1) ? d->opsize : 1;
    return *size <= 2;
}

static bool narrow_alu(const Insn *d, NarrowAlu *f)
{
    uint8_t op = d->op;
    int size;
    if (d->map != MAP_1 || !narrow_size(d, &size))
        return false;
    *f = (NarrowAlu){ .size = size, .mem = d->mod != 3, .rm_dst = true,
                      .rm = d->rrm, .reg = d->rreg, .imm = d->imm };
    if (op < 0x40 && (op & 7) <= 5 && (op & 6) != 6) {
        f->op = op >> 3;
        if ((op & 7) >= 4)
            *f = (NarrowAlu){ op >> 3, size, false, true, R_EAX, -1, d->imm };
        else if (op & 2)
            f->rm_dst = false;
    } else if (op == 0x80 || op == 0x81 || op == 0x83) {
        f->op = d->reg;
        f->reg = -1;
    } else if (op == 0x84 || op == 0x85) {
        f->op = -1;
    } else if (op == 0xa8 || op == 0xa9) {
        *f = (NarrowAlu){ -1, size, false, true, R_EAX, -1, d->imm };
    } else if ((op == 0xf6 || op == 0xf7) && d->reg <= 1) {
        f->op = -1;
        f->reg = -1;
    } else {
        return false;
    }
    return f->op != HA_ADC && f->op != HA_SBB;
}

/* The other operand into h. */
static void other_operand(JitCtx *c, const Insn *d, const NarrowAlu *f, int h)
{
    if (f->reg < 0)
        e_mov_ri(&c->e, h, mask_to(f->imm, f->size));
    else
        jit_get_sized(c, d, f->size, h, f->reg);
}

static void emit_alu_reg(JitCtx *c, const Insn *d, const NarrowAlu *f)
{
    bool writes = f->op >= 0 && f->op != HA_CMP;
    int a = f->rm_dst ? f->rm : f->reg, b = f->rm_dst ? f->reg : f->rm;
    jit_get_sized(c, d, f->size, H_RAX, a);
    if (b < 0)
        e_mov_ri(&c->e, H_RCX, mask_to(f->imm, f->size));
    else
        jit_get_sized(c, d, f->size, H_RCX, b);
    int cc = jit_alu_compute(c, f->op, f->size, H_RAX, H_RCX, H_RDX);
    if (writes)
        jit_set_sized(c, d, f->size, a, H_RAX);
    jit_alu_record(c, f->op, cc, H_RAX, H_RCX, H_RDX);
    c->host_cc = cc;
}

/* As jit-mem.c's: read, compute, store, then the flags (a faulting store
 * changes nothing). */
static void emit_alu_mem(JitCtx *c, const Insn *d, const NarrowAlu *f)
{
    bool writes = f->op >= 0 && f->op != HA_CMP;
    if (f->rm_dst)
        other_operand(c, d, f, H_R14);
    emit_ea(c, d);
    emit_access(c, false, f->size, d->seg, H_R13);
    if (!f->rm_dst) {
        jit_get_sized(c, d, f->size, H_RAX, f->reg);
        int cc = jit_alu_compute(c, f->op, f->size, H_RAX, H_R13, H_RDX);
        if (writes)
            jit_set_sized(c, d, f->size, f->reg, H_RAX);
        jit_alu_record(c, f->op, cc, H_RAX, H_R13, H_RDX);
        c->host_cc = cc;
        return;
    }
    int cc = jit_alu_compute(c, f->op, f->size, H_R13, H_R14, H_R15);
    c->host_cc = cc;
    if (writes) {
        emit_access(c, true, f->size, d->seg, H_R13);
        c->host_cc = -1;
    }
    jit_alu_record(c, f->op, cc, H_R13, H_R14, H_R15);
}

/* ---- MOV of bytes and words ----------------------------------------------- */

static bool emit_mov_narrow(JitCtx *c, const Insn *d)
{
    uint8_t op = d->op;
    int size;
    bool movri = op >= 0xb0 && op <= 0xbf;
    bool imm = op == 0xc6 || op == 0xc7 || movri;
    if (movri)
        size = op < 0xb8 ? 1 : d->opsize;
    else if (op == 0x88 || op == 0x89 || op == 0x8a || op == 0x8b || op == 0xc6 || op == 0xc7)
        size = (op & 1) ? d->opsize : 1;
    else
        return false;
    if (size > 2 || ((op == 0xc6 || op == 0xc7) && d->reg != 0))
        return false;
    bool to_rm = op == 0x88 || op == 0x89 || op == 0xc6 || op == 0xc7;
    if (movri) {
        e_mov_ri(&c->e, H_R13, mask_to(d->imm, size));
        jit_set_sized(c, d, size, d->opreg, H_R13);
    } else if (d->mod == 3) {
        if (imm)
            e_mov_ri(&c->e, H_R13, mask_to(d->imm, size));
        else
            jit_get_sized(c, d, size, H_R13, to_rm ? d->rreg : d->rrm);
        jit_set_sized(c, d, size, to_rm ? d->rrm : d->rreg, H_R13);
    } else if (to_rm) {
        if (imm)
            e_mov_ri(&c->e, H_R13, mask_to(d->imm, size));
        else
            jit_get_sized(c, d, size, H_R13, d->rreg);
        emit_ea(c, d);
        emit_access(c, true, size, d->seg, H_R13);
        return true;
    } else {
        emit_ea(c, d);
        emit_access(c, false, size, d->seg, H_R13);
        jit_set_sized(c, d, size, d->rreg, H_R13);
        return true;
    }
    c->host_cc = c->host_cc_in;
    return true;
}

/* ---- MOVSX/MOVSXD, SETcc, CMOVcc with memory ------------------------------ */

static bool emit_movsx_mem(JitCtx *c, const Insn *d)
{
    int size = d->opsize, from;
    if (d->map == MAP_0F && (d->op == 0xbe || d->op == 0xbf) && size >= 4)
        from = d->op == 0xbe ? 1 : 2;
    else if (d->map == MAP_1 && d->op == 0x63 && d->mode == 64 && size == 8)
        from = 4;
    else
        return false;
    emit_ea(c, d);
    emit_access(c, false, from, d->seg, H_RAX);
    e_movsx_rr(&c->e, from, 8, H_RAX, H_RAX);
    if (size == 4)
        e_mov_rr(&c->e, 4, H_RAX, H_RAX);
    jit_set_reg(c, size, d->rreg, H_RAX);
    return true;
}

static void emit_setcc_mem(JitCtx *c, const Insn *d)
{
    int cond = jit_cond_to_host(c, d->op & 15);
    e_setcc(&c->e, cond, H_R13);
    emit_ea(c, d);
    emit_access(c, true, 1, d->seg, H_R13);
}

/* The source is read even when the condition is false (op_cmov). */
static void emit_cmov_mem(JitCtx *c, const Insn *d)
{
    Emit *e = &c->e;
    int size = d->opsize;
    int cond = jit_cond_to_host(c, d->op & 15);
    e_setcc(e, cond, H_R14);
    emit_ea(c, d);
    emit_access(c, false, size, d->seg, H_R13);
    jit_get_reg(c, size, H_RAX, d->rreg);
    e_test_rr(e, 1, H_R14, H_R14);
    e_cmov(e, HC_NE, size, H_RAX, H_R13);
    jit_set_reg(c, size, d->rreg, H_RAX);
}

/* ---- the emitter ------------------------------------------------------------ */

/* Memory operands as jit-mem.c's emit_ea takes them: no 16-bit code or
 * addressing, a displacement within 32 bits. */
static bool mem_ok(const JitCtx *c, const Insn *d)
{
    int64_t disp = d->adsize == 4 ? (int32_t)(uint32_t)d->disp : d->disp;
    return c->mode != 16 && d->adsize != 2 && fits_s32(disp);
}

static bool ext2_ok(const Insn *d)
{
    return !d->lock && !x86_insn_always_faults(d);
}

bool jit_ext2_kills_flags(const Insn *d)
{
    NarrowAlu f;
    return ext2_ok(d) && narrow_alu(d, &f) && !f.mem;
}

bool jit_emit_ext2(JitCtx *c, const Insn *d)
{
    if (!ext2_ok(d))
        return false;
    bool mem = d->mod != 3;
    if (mem && !mem_ok(c, d))
        return false;
    NarrowAlu f;
    if (narrow_alu(d, &f)) {
        if (f.mem)
            emit_alu_mem(c, d, &f);
        else
            emit_alu_reg(c, d, &f);
        return true;
    }
    if (d->map == MAP_1 && emit_mov_narrow(c, d))
        return true;
    if (!mem)
        return false;
    if (emit_movsx_mem(c, d))
        return true;
    if (d->map == MAP_0F && d->op >= 0x90 && d->op <= 0x9f) {
        emit_setcc_mem(c, d);
        return true;
    }
    if (d->map == MAP_0F && d->op >= 0x40 && d->op <= 0x4f && d->opsize >= 4) {
        emit_cmov_mem(c, d);
        return true;
    }
    return false;
}
