/* Shifts and rotates: group 2 (C0 C1 D0-D3) and SHLD/SHRD.  Counts are
 * masked to 5 bits; a masked count of 0 changes neither operand nor flags. */
#include "cpu/x86/int.h"

enum { SH_ROL, SH_ROR, SH_RCL, SH_RCR, SH_SHL, SH_SHR, SH_SAL, SH_SAR };

/* Rotates change only CF and OF; the rest of the flags are folded in.
 * An RCL/RCR by a multiple of bits+1 leaves the value and CF alone but
 * still sets OF from the formula, as the CPUs do. */
static uint32_t rotate(X86CPU *cpu, int op, int size, uint32_t v, int cnt,
                       uint32_t *flags)
{
    int bits = 8 * size;
    uint32_t m = size_mask_of(size), sign = sign_of(size);
    uint32_t f = int_flags(cpu) & ~(CC_C | CC_O);
    uint32_t cf = cc_compute_c(cpu) ? 1 : 0;
    uint32_t r = v;
    switch (op) {
    case SH_ROL: {
        int c = cnt % bits;
        r = c ? ((v << c) | (v >> (bits - c))) & m : v;
        cf = r & 1;
        f |= ((r & sign) ? 1 : 0) ^ cf ? CC_O : 0;
        break;
    }
    case SH_ROR: {
        int c = cnt % bits;
        r = c ? ((v >> c) | (v << (bits - c))) & m : v;
        cf = (r & sign) ? 1 : 0;
        f |= (((r >> (bits - 2)) ^ (r >> (bits - 1))) & 1) ? CC_O : 0;
        break;
    }
    case SH_RCL: {
        int c = size == 4 ? cnt : cnt % (bits + 1);
        uint64_t wide = ((uint64_t)cf << bits) | v;       /* bits+1 bits */
        wide = (wide << c) | (wide >> (bits + 1 - c));
        r = wide & m;
        cf = (wide >> bits) & 1;
        f |= ((r & sign) ? 1 : 0) ^ cf ? CC_O : 0;
        break;
    }
    default: {  /* RCR */
        int c = size == 4 ? cnt : cnt % (bits + 1);
        uint64_t wide = ((uint64_t)cf << bits) | v;
        wide = (wide >> c) | (wide << (bits + 1 - c));
        r = wide & m;
        cf = (wide >> bits) & 1;
        f |= (((r >> (bits - 2)) ^ (r >> (bits - 1))) & 1) ? CC_O : 0;
        break;
    }
    }
    *flags = f | cf;
    return r;
}

/* Returns the result; *cc_src receives what the lazy flags need. */
static uint32_t shift(int op, int size, uint32_t v, int cnt, uint32_t *cc_src)
{
    uint32_t m = size_mask_of(size);
    switch (op) {
    case SH_SHL: case SH_SAL:
        *cc_src = (uint32_t)((uint64_t)v << (cnt - 1)) & m;
        return (uint32_t)((uint64_t)v << cnt) & m;
    case SH_SHR:
        *cc_src = (uint32_t)((uint64_t)v >> (cnt - 1));
        return (uint32_t)((uint64_t)v >> cnt);
    default: {  /* SAR */
        int64_t s = sext(v, size);
        *cc_src = (uint32_t)(s >> (cnt - 1)) & m;
        return (uint32_t)(s >> cnt) & m;
    }
    }
}

static void grp2(X86CPU *cpu, const Insn *d, int size, int cnt)
{
    int op = d->reg;
    uint32_t v, r, src = 0, f = 0, ea = 0;
    cnt &= 31;
    if (d->mod != 3) {
        ea = insn_ea(cpu, d);
        v = mem_ld(cpu, d->seg, ea, size);
    } else {
        v = reg_get(cpu, d->rm, size);
    }
    if (cnt == 0)
        return;     /* the memory operand is still read (it may fault) */
    if (op <= SH_RCR) {
        r = rotate(cpu, op, size, v, cnt, &f);
    } else {
        r = shift(op, size, v, cnt, &src);
    }
    if (d->mod != 3)
        mem_st(cpu, d->seg, ea, size, r);
    else
        reg_set(cpu, d->rm, size, r);
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

/* SHLD/SHRD.  The 16-bit forms with a count above 16 are undefined; they
 * shift through dest:src:dest as a 48-bit value, as Intel CPUs do. */
static void shxd(X86CPU *cpu, const Insn *d, int cnt, bool right)
{
    int size = d->opsize;
    uint32_t v, s = reg_get(cpu, d->reg, size), r, src, ea = 0;
    uint64_t wide;
    cnt &= 31;
    if (d->mod != 3) {
        ea = insn_ea(cpu, d);
        v = mem_ld(cpu, d->seg, ea, size);
    } else {
        v = reg_get(cpu, d->rm, size);
    }
    if (cnt == 0)
        return;
    if (size == 2) {
        wide = ((uint64_t)v << 32) | ((uint64_t)s << 16) | v;
        if (right) {
            r = (wide >> cnt) & 0xffff;
            src = (wide >> (cnt - 1)) & 0xffff;
        } else {
            r = (wide << cnt) >> 32 & 0xffff;
            src = (wide << (cnt - 1)) >> 32 & 0xffff;
        }
    } else if (right) {
        wide = ((uint64_t)s << 32) | v;
        r = (uint32_t)(wide >> cnt);
        src = (uint32_t)(wide >> (cnt - 1));
    } else {
        wide = ((uint64_t)v << 32) | s;
        r = (uint32_t)((wide << cnt) >> 32);
        src = (uint32_t)((wide << (cnt - 1)) >> 32);
    }
    if (d->mod != 3)
        mem_st(cpu, d->seg, ea, size, r);
    else
        reg_set(cpu, d->rm, size, r);
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
