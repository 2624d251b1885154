/* Shuffles, blends, inserts and extracts, and the bitwise float ops:
 * data rearrangement, no arithmetic, no MXCSR. */
#include <stdlib.h>

#include "cpu/x86/sse.h"

static void src128(X86CPU *cpu, const Insn *d, XMMReg *b)
{
    sse_enter(cpu);
    sse_get_rm(cpu, d, b, 16, true);
}

/* 0F 14/15 (ps) and 66 0F 14/15 (pd): unpack low/high. */
static void unpck(X86CPU *cpu, const Insn *d, int sz)
{
    XMMReg b, r, *a = sse_reg(cpu, d);
    src128(cpu, d, &b);
    int off = d->op == 0x15 ? 8 : 0;
    for (int i = 0; i < 16 / (2 * sz); i++) {
        memcpy(r.b + 2 * i * sz, a->b + off + i * sz, sz);
        memcpy(r.b + (2 * i + 1) * sz, b.b + off + i * sz, sz);
    }
    *a = r;
}
void op_unpckps(X86CPU *cpu, const Insn *d) { unpck(cpu, d, 4); }
void op_unpckpd(X86CPU *cpu, const Insn *d) { unpck(cpu, d, 8); }

/* 0F 54-57: ANDPS ANDNPS ORPS XORPS (and the PD forms). */
void op_logicps(X86CPU *cpu, const Insn *d)
{
    XMMReg b, *a = sse_reg(cpu, d);
    src128(cpu, d, &b);
    for (int i = 0; i < 2; i++) {
        switch (d->op) {
        case 0x54: a->q[i] &= b.q[i]; break;
        case 0x55: a->q[i] = ~a->q[i] & b.q[i]; break;
        case 0x56: a->q[i] |= b.q[i]; break;
        default: a->q[i] ^= b.q[i]; break;
        }
    }
}

/* 66/F3/F2 0F 70: PSHUFD, PSHUFHW, PSHUFLW. */
void op_pshufd(X86CPU *cpu, const Insn *d)
{
    XMMReg b, r;
    src128(cpu, d, &b);
    for (int i = 0; i < 4; i++)
        r.d[i] = b.d[(d->imm >> (2 * i)) & 3];
    *sse_reg(cpu, d) = r;
}

static void pshufw_half(X86CPU *cpu, const Insn *d, int half)
{
    XMMReg b, r;
    src128(cpu, d, &b);
    r = b;
    for (int i = 0; i < 4; i++)
        r.w[half * 4 + i] = b.w[half * 4 + ((d->imm >> (2 * i)) & 3)];
    *sse_reg(cpu, d) = r;
}
void op_pshufhw(X86CPU *cpu, const Insn *d) { pshufw_half(cpu, d, 1); }
void op_pshuflw(X86CPU *cpu, const Insn *d) { pshufw_half(cpu, d, 0); }

/* 0F C6: SHUFPS; 66 0F C6: SHUFPD. */
void op_shufps(X86CPU *cpu, const Insn *d)
{
    XMMReg b, r, *a = sse_reg(cpu, d);
    src128(cpu, d, &b);
    uint8_t s = d->imm;
    r.d[0] = a->d[s & 3];
    r.d[1] = a->d[(s >> 2) & 3];
    r.d[2] = b.d[(s >> 4) & 3];
    r.d[3] = b.d[(s >> 6) & 3];
    *a = r;
}

void op_shufpd(X86CPU *cpu, const Insn *d)
{
    XMMReg b, r, *a = sse_reg(cpu, d);
    src128(cpu, d, &b);
    r.q[0] = a->q[d->imm & 1];
    r.q[1] = b.q[(d->imm >> 1) & 1];
    *a = r;
}

/* 66 0F C4: PINSRW xmm, r32/m16, ib. */
void op_pinsrw_66(X86CPU *cpu, const Insn *d)
{
    sse_enter(cpu);
    uint16_t v = d->mod == 3 ? (uint16_t)cpu->regs[d->rrm]
                             : ld16(cpu, d->seg, insn_ea(cpu, d));
    sse_reg(cpu, d)->w[d->imm & 7] = v;
}

/* 66 0F C5: PEXTRW r32, xmm, ib. */
void op_pextrw_66(X86CPU *cpu, const Insn *d)
{
    sse_enter(cpu);
    reg_set(cpu, d->rreg, 4, cpu->xmm[d->rrm & 15].w[d->imm & 7]);
}

/* 66 0F 3A 0F: PALIGNR: (dst:src) >> imm*8, low 16 bytes. */
void op_palignr_66(X86CPU *cpu, const Insn *d)
{
    XMMReg b, r, *a = sse_reg(cpu, d);
    src128(cpu, d, &b);
    unsigned s = (uint8_t)d->imm;
    for (unsigned i = 0; i < 16; i++) {
        unsigned k = i + s;
        r.b[i] = k < 16 ? b.b[k] : k < 32 ? a->b[k - 16] : 0;
    }
    *a = r;
}

/* 66 0F 3A 0C/0D/0E: BLENDPS, BLENDPD, PBLENDW by immediate. */
void op_blend_imm(X86CPU *cpu, const Insn *d)
{
    XMMReg b, *a = sse_reg(cpu, d);
    src128(cpu, d, &b);
    int sz = d->op == 0x0c ? 4 : d->op == 0x0d ? 8 : 2;
    for (int i = 0; i < 16 / sz; i++)
        if (d->imm >> i & 1)
            memcpy(a->b + i * sz, b.b + i * sz, sz);
}

/* 66 0F 38 10/14/15: PBLENDVB, BLENDVPS, BLENDVPD by XMM0's sign bits. */
void op_blendv(X86CPU *cpu, const Insn *d)
{
    XMMReg b, *a = sse_reg(cpu, d);
    src128(cpu, d, &b);
    const XMMReg *m = &cpu->xmm[0];
    int sz = d->op == 0x10 ? 1 : d->op == 0x14 ? 4 : 8;
    for (int i = 0; i < 16 / sz; i++)
        if (m->b[i * sz + sz - 1] & 0x80)
            memcpy(a->b + i * sz, b.b + i * sz, sz);
}

/* 66 0F 3A 14-17: PEXTRB/PEXTRW/PEXTRD/PEXTRQ/EXTRACTPS to r/m. */
void op_pextr(X86CPU *cpu, const Insn *d)
{
    sse_enter(cpu);
    const XMMReg *s = sse_reg(cpu, d);
    int sz = d->op == 0x14 ? 1 : d->op == 0x15 ? 2 : (d->op == 0x16 && d->opsize == 8) ? 8 : 4;
    uint64_t v = 0;
    memcpy(&v, s->b + (d->imm & (16 / sz - 1)) * sz, sz);
    if (d->mod == 3)
        reg_set(cpu, d->rrm, sz == 8 ? 8 : 4, v);
    else
        mem_st(cpu, d->seg, insn_ea(cpu, d), sz, v);
}

/* 66 0F 3A 20/22: PINSRB, PINSRD/PINSRQ from r/m. */
void op_pinsr(X86CPU *cpu, const Insn *d)
{
    sse_enter(cpu);
    int sz = d->op == 0x20 ? 1 : d->opsize == 8 ? 8 : 4;
    uint64_t v = d->mod == 3 ? cpu->regs[d->rrm]
                             : mem_ld(cpu, d->seg, insn_ea(cpu, d), sz);
    memcpy(sse_reg(cpu, d)->b + (d->imm & (16 / sz - 1)) * sz, &v, sz);
}

/* 66 0F 3A 21: INSERTPS xmm, xmm/m32, ib. */
void op_insertps(X86CPU *cpu, const Insn *d)
{
    sse_enter(cpu);
    XMMReg *a = sse_reg(cpu, d);
    uint32_t v;
    uint8_t imm = d->imm;
    if (d->mod == 3)
        v = cpu->xmm[d->rrm & 15].d[(imm >> 6) & 3];
    else
        v = ld32(cpu, d->seg, insn_ea(cpu, d));
    a->d[(imm >> 4) & 3] = v;
    for (int i = 0; i < 4; i++)
        if (imm >> i & 1)
            a->d[i] = 0;
}

/* 66 0F 3A 42: MPSADBW. */
void op_mpsadbw(X86CPU *cpu, const Insn *d)
{
    XMMReg b, r, *a = sse_reg(cpu, d);
    src128(cpu, d, &b);
    int ao = ((d->imm >> 2) & 1) * 4, bo = (d->imm & 3) * 4;
    for (int i = 0; i < 8; i++) {
        int s = 0;
        for (int k = 0; k < 4; k++)
            s += abs(a->b[ao + i + k] - b.b[bo + k]);
        r.w[i] = s;
    }
    *a = r;
}
