/* Shifts and rotates: group 2 (C0 C1 D0-D3) and SHLD/SHRD.  Counts are
 * masked to 5 bits (6 bits for 64-bit operands); a masked count of 0
 * changes neither operand nor flags. */
#include "cpu/x86/int.h"

enum { SH_ROL, SH_ROR, SH_RCL, SH_RCR, SH_SHL, SH_SHR, SH_SAL, SH_SAR };

typedef unsigned __int128 u128;

static int count_mask(int size)
{
    return size == 8 ? 63 : 31;
}

/* OF after a left rotate: top bit of the result ^ CF; after a right one:
 * the top two bits of the result differ. */
static uint32_t rot_of(uint64_t r, uint32_t cf, int size, bool left)
{
    int bits = 8 * size;
    uint64_t top = (r >> (bits - 1)) & 1;
    if (left)
        return (top ^ cf) ? CC_O : 0;
    return (top ^ ((r >> (bits - 2)) & 1)) ? CC_O : 0;
}

/* RCL/RCR rotate bits+1 bits (the operand and CF); counts are taken
 * modulo bits+1. */
static uint64_t rotate_carry(int size, uint64_t v, int cnt, bool left, uint32_t *cf)
{
    int bits = 8 * size, c = cnt % (bits + 1);
    u128 wide = ((u128)*cf << bits) | v;
    if (left)
        wide = (wide << c) | (wide >> (bits + 1 - c));
    else
        wide = (wide >> c) | (wide << (bits + 1 - c));
    *cf = (uint32_t)(wide >> bits) & 1;
    return (uint64_t)wide & size_mask_of(size);
}

/* Rotates change only CF and OF; the rest of the flags are folded in.
 * An RCL/RCR by a multiple of bits+1 leaves the value and CF alone but
 * still sets OF from the formula, as the CPUs do. */
static uint64_t rotate(X86CPU *cpu, int op, int size, uint64_t v, int cnt,
                       uint32_t *flags)
{
    int bits = 8 * size;
    uint64_t m = size_mask_of(size);
    uint32_t f = int_flags(cpu) & ~(CC_C | CC_O);
    uint32_t cf = cc_compute_c(cpu) ? 1 : 0;
    uint64_t r;
    int c = cnt % bits;
    switch (op) {
    case SH_ROL:
        r = c ? ((v << c) | (v >> (bits - c))) & m : v;
        cf = r & 1;
        break;
    case SH_ROR:
        r = c ? ((v >> c) | (v << (bits - c))) & m : v;
        cf = (r >> (bits - 1)) & 1;
        break;
    default:
        r = rotate_carry(size, v, cnt, op == SH_RCL, &cf);
        break;
    }
    f |= rot_of(r, cf, size, op == SH_ROL || op == SH_RCL);
    *flags = f | cf;
    return r;
}

/* Returns the result; *cc_src receives what the lazy flags need. */
static uint64_t shift(int op, int size, uint64_t v, int cnt, uint64_t *cc_src)
{
    uint64_t m = size_mask_of(size);
    switch (op) {
    case SH_SHL: case SH_SAL:
        *cc_src = (v << (cnt - 1)) & m;
        return (v << cnt) & m;
    case SH_SHR:
        *cc_src = v >> (cnt - 1);
        return v >> cnt;
    default: {  /* SAR */
        int64_t s = sext(v, size);
        *cc_src = (uint64_t)(s >> (cnt - 1)) & m;
        return (uint64_t)(s >> cnt) & m;
    }
    }
}

/* A masked count of 0 changes no flags and no value, and writes no memory
 * (the operand was still read: it may fault); but a 32-bit register is
 * written back, so its upper half is cleared as by any 32-bit result. */
static void count0(X86CPU *cpu, const Insn *d, int size, uint64_t v)
{
    if (d->mod == 3 && size == 4)
        rmw_store(cpu, d, size, 0, v);
}

static void grp2(X86CPU *cpu, const Insn *d, int size, int cnt)
{
    int op = d->reg;
    uint64_t ea = 0, r, src = 0;
    uint32_t f = 0;
    cnt &= count_mask(size);
    uint64_t v = rmw_load(cpu, d, size, &ea);
    if (cnt == 0) {
        count0(cpu, d, size, v);
        return;
    }
    if (op <= SH_RCR)
        r = rotate(cpu, op, size, v, cnt, &f);
    else
        r = shift(op, size, v, cnt, &src);
    rmw_store(cpu, d, size, ea, r);
    if (op <= SH_RCR)
        cc_set_flags(cpu, f, CC_ALL);
    else
        cc_record(cpu, cc_op_sized(op == SH_SHL || op == SH_SAL ? CC_OP_SHLB : CC_OP_SARB,
                                   size), r, src, v);
}

/* C0 C1: group 2 Eb,Ib / Ev,Ib */
void op_grp2_E_I(X86CPU *cpu, const Insn *d)
{
    grp2(cpu, d, insn_size_w(d), d->imm);
}

/* D0 D1: group 2 Eb,1 / Ev,1 */
void op_grp2_E_1(X86CPU *cpu, const Insn *d)
{
    grp2(cpu, d, insn_size_w(d), 1);
}

/* D2 D3: group 2 Eb,CL / Ev,CL */
void op_grp2_E_CL(X86CPU *cpu, const Insn *d)
{
    grp2(cpu, d, insn_size_w(d), reg_get(cpu, R_ECX, 1));
}

/* SHLD/SHRD of v by cnt with bits from s.  The 16-bit forms with a count
 * above 16 are undefined; they shift through dest:src:dest as a 48-bit
 * value, as Intel CPUs do.  *src gets the value shifted by cnt-1. */
static uint64_t shxd_calc(int size, uint64_t v, uint64_t s, int cnt, bool right,
                          uint64_t *src)
{
    int bits = 8 * size;
    uint64_t m = size_mask_of(size);
    u128 wide;
    if (size == 2) {
        wide = ((u128)v << 32) | (s << 16) | v;
        if (right) {
            *src = (uint64_t)(wide >> (cnt - 1)) & m;
            return (uint64_t)(wide >> cnt) & m;
        }
        *src = (uint64_t)((wide << (cnt - 1)) >> 32) & m;
        return (uint64_t)((wide << cnt) >> 32) & m;
    }
    if (right) {
        wide = ((u128)s << bits) | v;
        *src = (uint64_t)(wide >> (cnt - 1)) & m;
        return (uint64_t)(wide >> cnt) & m;
    }
    wide = ((u128)v << bits) | s;
    *src = (uint64_t)((wide << (cnt - 1)) >> bits) & m;
    return (uint64_t)((wide << cnt) >> bits) & m;
}

static void shxd(X86CPU *cpu, const Insn *d, int cnt, bool right)
{
    int size = d->opsize;
    uint64_t s = greg_get(cpu, d, size), ea = 0, src;
    cnt &= count_mask(size);
    uint64_t v = rmw_load(cpu, d, size, &ea);
    if (cnt == 0) {
        count0(cpu, d, size, v);
        return;
    }
    uint64_t r = shxd_calc(size, v, s, cnt, right, &src);
    rmw_store(cpu, d, size, ea, r);
    cc_record(cpu, cc_op_sized(right ? CC_OP_SARB : CC_OP_SHLB, size), r, src, v);
}

/* 0F A4 / 0F A5: SHLD Ev,Gv,Ib / CL */
void op_shld_I(X86CPU *cpu, const Insn *d)
{
    shxd(cpu, d, d->imm, false);
}

void op_shld_CL(X86CPU *cpu, const Insn *d)
{
    shxd(cpu, d, reg_get(cpu, R_ECX, 1), false);
}

/* 0F AC / 0F AD: SHRD Ev,Gv,Ib / CL */
void op_shrd_I(X86CPU *cpu, const Insn *d)
{
    shxd(cpu, d, d->imm, true);
}

void op_shrd_CL(X86CPU *cpu, const Insn *d)
{
    shxd(cpu, d, reg_get(cpu, R_ECX, 1), true);
}
