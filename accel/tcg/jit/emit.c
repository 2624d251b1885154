/* x86-64 instruction encodings for the JIT (see emit.h).  Encodings from
 * the Intel SDM vol. 2: legacy prefix, REX, opcode, ModRM, SIB, disp, imm. */
#include <string.h>

#include "accel/tcg/jit/emit.h"

void e_bytes(Emit *e, const void *b, size_t n)
{
    if (e->overflow || (size_t)(e->end - e->p) < n) {
        e->overflow = true;
        return;
    }
    memcpy(e->p, b, n);
    e->p += n;
}

void e_u8(Emit *e, uint8_t b) { e_bytes(e, &b, 1); }
void e_u32(Emit *e, uint32_t v) { e_bytes(e, &v, 4); }
void e_u64(Emit *e, uint64_t v) { e_bytes(e, &v, 8); }

/* 66 for 16-bit operands, then REX when any of its bits is needed.  A
 * byte operation on registers 4..7 needs a REX (SPL..DIL, not AH..BH). */
static void e_prefixes(Emit *e, int size, int reg, int index, int base, bool byte_regs)
{
    if (size == 2)
        e_u8(e, 0x66);
    uint8_t rex = 0x40;
    if (size == 8)
        rex |= 8;
    if (reg != H_NONE && (reg & 8))
        rex |= 4;
    if (index != H_NONE && (index & 8))
        rex |= 2;
    if (base != H_NONE && (base & 8))
        rex |= 1;
    bool force = byte_regs && ((reg != H_NONE && (reg & 7) >= 4 && reg < 8) ||
                               (base != H_NONE && (base & 7) >= 4 && base < 8));
    if (rex != 0x40 || force)
        e_u8(e, rex);
}

void e_op_rr(Emit *e, int size, const uint8_t *op, int nop, int reg, int rm)
{
    e_prefixes(e, size, reg, H_NONE, rm, size == 1);
    e_bytes(e, op, nop);
    e_u8(e, 0xc0 | (reg & 7) << 3 | (rm & 7));
}

/* ModRM (+ SIB, + displacement) for [base + index << scale + disp]. */
static void e_modrm_mem(Emit *e, int reg, int base, int index, int scale, int32_t disp)
{
    reg &= 7;
    if (base == H_NONE) {
        /* No base: mod 00 with SIB base 101 means disp32 alone. */
        e_u8(e, reg << 3 | 4);
        e_u8(e, (index == H_NONE ? 4 << 3 : (scale << 6 | (index & 7) << 3)) | 5);
        e_u32(e, (uint32_t)disp);
        return;
    }
    int mod = (disp == 0 && (base & 7) != 5) ? 0 : fits_s8(disp) ? 1 : 2;
    if (index == H_NONE && (base & 7) != 4) {
        e_u8(e, mod << 6 | reg << 3 | (base & 7));
    } else {
        e_u8(e, mod << 6 | reg << 3 | 4);
        int idx = index == H_NONE ? 4 : (index & 7);
        e_u8(e, (index == H_NONE ? 0 : scale << 6) | idx << 3 | (base & 7));
    }
    if (mod == 1)
        e_u8(e, (uint8_t)disp);
    else if (mod == 2)
        e_u32(e, (uint32_t)disp);
}

void e_op_rm(Emit *e, int size, const uint8_t *op, int nop, int reg,
             int base, int index, int scale, int32_t disp)
{
    if (size == 2)
        e_u8(e, 0x66);
    uint8_t rex = 0x40 | (size == 8 ? 8 : 0) | ((reg & 8) ? 4 : 0) |
                  (index != H_NONE && (index & 8) ? 2 : 0) |
                  (base != H_NONE && (base & 8) ? 1 : 0);
    bool force = size == 1 && (reg & 7) >= 4 && reg < 8;
    if (rex != 0x40 || force)
        e_u8(e, rex);
    e_bytes(e, op, nop);
    e_modrm_mem(e, reg, base, index, scale, disp);
}

/* ---- moves ---------------------------------------------------------------- */

void e_mov_rr(Emit *e, int size, int dst, int src)
{
    uint8_t op = size == 1 ? 0x88 : 0x89;
    e_op_rr(e, size, &op, 1, src, dst);
}

void e_mov_ri(Emit *e, int dst, uint64_t imm)
{
    if (imm <= UINT32_MAX) {
        if (dst & 8)
            e_u8(e, 0x41);
        e_u8(e, 0xb8 + (dst & 7));
        e_u32(e, (uint32_t)imm);
    } else if (fits_s32((int64_t)imm)) {
        uint8_t op = 0xc7;
        e_op_rr(e, 8, &op, 1, 0, dst);
        e_u32(e, (uint32_t)imm);
    } else {
        e_u8(e, 0x48 | ((dst & 8) ? 1 : 0));
        e_u8(e, 0xb8 + (dst & 7));
        e_u64(e, imm);
    }
}

static void load_rm(Emit *e, int size, int dst, int base, int index, int32_t disp)
{
    static const uint8_t movzb[] = { 0x0f, 0xb6 }, movzw[] = { 0x0f, 0xb7 };
    static const uint8_t mov[] = { 0x8b };
    switch (size) {
    case 1: e_op_rm(e, 4, movzb, 2, dst, base, index, 0, disp); break;
    case 2: e_op_rm(e, 4, movzw, 2, dst, base, index, 0, disp); break;
    default: e_op_rm(e, size, mov, 1, dst, base, index, 0, disp); break;
    }
}

void e_load(Emit *e, int size, int dst, int base, int32_t disp)
{
    load_rm(e, size, dst, base, H_NONE, disp);
}

void e_load_x(Emit *e, int size, int dst, int base, int index)
{
    load_rm(e, size, dst, base, index, 0);
}

void e_load_sx(Emit *e, int from, int dst, int base, int32_t disp)
{
    static const uint8_t sb[] = { 0x0f, 0xbe }, sw[] = { 0x0f, 0xbf }, sd[] = { 0x63 };
    const uint8_t *op = from == 1 ? sb : from == 2 ? sw : sd;
    e_op_rm(e, 8, op, from == 4 ? 1 : 2, dst, base, H_NONE, 0, disp);
}

void e_store(Emit *e, int size, int base, int32_t disp, int src)
{
    uint8_t op = size == 1 ? 0x88 : 0x89;
    e_op_rm(e, size, &op, 1, src, base, H_NONE, 0, disp);
}

void e_store_imm(Emit *e, int size, int base, int32_t disp, int32_t imm)
{
    uint8_t op = size == 1 ? 0xc6 : 0xc7;
    e_op_rm(e, size == 1 ? 4 : size, &op, 1, 0, base, H_NONE, 0, disp);
    if (size == 1)
        e_u8(e, (uint8_t)imm);
    else if (size == 2)
        e_bytes(e, &imm, 2);
    else
        e_u32(e, (uint32_t)imm);
}

void e_lea(Emit *e, int size, int dst, int base, int index, int scale, int32_t disp)
{
    uint8_t op = 0x8d;
    e_op_rm(e, size, &op, 1, dst, base, index, scale, disp);
}

void e_movzx_rr(Emit *e, int from, int dst, int src)
{
    uint8_t op[] = { 0x0f, from == 1 ? 0xb6 : 0xb7 };
    /* The source is the byte register: it decides whether REX is forced. */
    e_prefixes(e, 4, dst, H_NONE, src, false);
    if (from == 1 && src >= 4 && src < 8 && !(dst & 8))
        e_u8(e, 0x40);
    e_bytes(e, op, 2);
    e_u8(e, 0xc0 | (dst & 7) << 3 | (src & 7));
}

void e_movsx_rr(Emit *e, int from, int size, int dst, int src)
{
    if (from == 4) {
        uint8_t op = 0x63;
        e_op_rr(e, 8, &op, 1, dst, src);
        return;
    }
    uint8_t op[] = { 0x0f, from == 1 ? 0xbe : 0xbf };
    e_prefixes(e, size, dst, H_NONE, src, false);
    if (from == 1 && size != 8 && src >= 4 && src < 8 && !(dst & 8) && !(src & 8))
        e_u8(e, 0x40);
    e_bytes(e, op, 2);
    e_u8(e, 0xc0 | (dst & 7) << 3 | (src & 7));
}

/* ---- arithmetic --------------------------------------------------------- */

void e_alu_rr(Emit *e, int op, int size, int dst, int src)
{
    uint8_t opc = (uint8_t)(op << 3 | (size == 1 ? 0 : 1));
    e_op_rr(e, size, &opc, 1, src, dst);
}

/* The immediate after a group-1 ModRM: imm8 where it fits. */
static uint8_t grp1_opcode(int size, int32_t imm)
{
    return size == 1 ? 0x80 : fits_s8(imm) ? 0x83 : 0x81;
}

static void e_imm_for(Emit *e, uint8_t opc, int size, int32_t imm)
{
    if (opc != 0x81)
        e_u8(e, (uint8_t)imm);
    else if (size == 2)
        e_bytes(e, &imm, 2);
    else
        e_u32(e, (uint32_t)imm);
}

void e_alu_ri(Emit *e, int op, int size, int dst, int32_t imm)
{
    uint8_t opc = grp1_opcode(size, imm);
    e_op_rr(e, size, &opc, 1, op, dst);
    e_imm_for(e, opc, size, imm);
}

void e_alu_rm(Emit *e, int op, int size, int dst, int base, int32_t disp)
{
    uint8_t opc = (uint8_t)(op << 3 | (size == 1 ? 2 : 3));
    e_op_rm(e, size, &opc, 1, dst, base, H_NONE, 0, disp);
}

void e_alu_mi(Emit *e, int op, int size, int base, int32_t disp, int32_t imm)
{
    uint8_t opc = grp1_opcode(size, imm);
    e_op_rm(e, size, &opc, 1, op, base, H_NONE, 0, disp);
    e_imm_for(e, opc, size, imm);
}

void e_test_rr(Emit *e, int size, int a, int b)
{
    uint8_t opc = size == 1 ? 0x84 : 0x85;
    e_op_rr(e, size, &opc, 1, b, a);
}

void e_test_ri(Emit *e, int size, int a, int32_t imm)
{
    uint8_t opc = size == 1 ? 0xf6 : 0xf7;
    e_op_rr(e, size, &opc, 1, 0, a);
    if (size == 1)
        e_u8(e, (uint8_t)imm);
    else if (size == 2)
        e_bytes(e, &imm, 2);
    else
        e_u32(e, (uint32_t)imm);
}

void e_test_mi8(Emit *e, int base, int32_t disp, uint8_t imm)
{
    uint8_t opc = 0xf6;
    e_op_rm(e, 4, &opc, 1, 0, base, H_NONE, 0, disp);
    e_u8(e, imm);
}

void e_shift_ri(Emit *e, int op, int size, int dst, uint8_t count)
{
    uint8_t opc = size == 1 ? (count == 1 ? 0xd0 : 0xc0) : (count == 1 ? 0xd1 : 0xc1);
    e_op_rr(e, size, &opc, 1, op, dst);
    if (count != 1)
        e_u8(e, count);
}

void e_shift_rcl(Emit *e, int op, int size, int dst)
{
    uint8_t opc = size == 1 ? 0xd2 : 0xd3;
    e_op_rr(e, size, &opc, 1, op, dst);
}

void e_unary(Emit *e, int ext, int size, int dst)
{
    uint8_t opc = size == 1 ? 0xf6 : 0xf7;
    e_op_rr(e, size, &opc, 1, ext, dst);
}

void e_incdec(Emit *e, bool dec, int size, int dst)
{
    uint8_t opc = size == 1 ? 0xfe : 0xff;
    e_op_rr(e, size, &opc, 1, dec ? 1 : 0, dst);
}

void e_imul_rr(Emit *e, int size, int dst, int src)
{
    static const uint8_t op[] = { 0x0f, 0xaf };
    e_op_rr(e, size, op, 2, dst, src);
}

void e_setcc(Emit *e, int cond, int dst8)
{
    uint8_t op[] = { 0x0f, (uint8_t)(0x90 + cond) };
    e_op_rr(e, 1, op, 2, 0, dst8);
}

void e_cmov(Emit *e, int cond, int size, int dst, int src)
{
    uint8_t op[] = { 0x0f, (uint8_t)(0x40 + cond) };
    e_op_rr(e, size, op, 2, dst, src);
}

void e_bswap(Emit *e, int size, int reg)
{
    e_prefixes(e, size, H_NONE, H_NONE, reg, false);
    e_u8(e, 0x0f);
    e_u8(e, 0xc8 + (reg & 7));
}

/* ---- control flow ------------------------------------------------------- */

void e_call(Emit *e, const void *fn)
{
    e->calls++;
    /* rel32 from the executable view when the helper is within reach;
     * the buffer is usually mapped far from the binary, so often not. */
    int64_t rel = (int64_t)((intptr_t)fn - ((intptr_t)e->p + e->exec_delta + 5));
    if (fits_s32(rel)) {
        e_u8(e, 0xe8);
        e_u32(e, (uint32_t)rel);
        return;
    }
    e_mov_ri(e, H_RAX, (uint64_t)(uintptr_t)fn);
    e_u8(e, 0xff);
    e_u8(e, 0xd0);
}

Fixup e_jcc(Emit *e, int cond)
{
    e_u8(e, 0x0f);
    e_u8(e, (uint8_t)(0x80 + cond));
    Fixup f = e->p;
    e_u32(e, 0);
    return e->overflow ? NULL : f;
}

Fixup e_jmp(Emit *e)
{
    e_u8(e, 0xe9);
    Fixup f = e->p;
    e_u32(e, 0);
    return e->overflow ? NULL : f;
}

void e_patch(Fixup f, const uint8_t *target)
{
    if (!f)
        return;
    int32_t rel = (int32_t)(target - (f + 4));
    memcpy(f, &rel, 4);
}

void e_patch_here(Emit *e, Fixup f)
{
    e->merges++;
    e_patch(f, e->p);
}

void e_jcc_to(Emit *e, int cond, const uint8_t *target)
{
    int64_t rel8 = target - (e->p + 2);
    if (fits_s8(rel8)) {
        e_u8(e, (uint8_t)(0x70 + cond));
        e_u8(e, (uint8_t)rel8);
        return;
    }
    e_patch(e_jcc(e, cond), target);
}

void e_jmp_to(Emit *e, const uint8_t *target)
{
    int64_t rel8 = target - (e->p + 2);
    if (fits_s8(rel8)) {
        e_u8(e, 0xeb);
        e_u8(e, (uint8_t)rel8);
        return;
    }
    e_patch(e_jmp(e), target);
}

void e_push(Emit *e, int r)
{
    if (r & 8)
        e_u8(e, 0x41);
    e_u8(e, 0x50 + (r & 7));
}

void e_pop(Emit *e, int r)
{
    if (r & 8)
        e_u8(e, 0x41);
    e_u8(e, 0x58 + (r & 7));
}

void e_ret(Emit *e) { e_u8(e, 0xc3); }

/* ---- appended forms ------------------------------------------------------ */

void e_pushf(Emit *e) { e_u8(e, 0x9c); }
