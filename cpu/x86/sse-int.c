/* Packed integer SIMD (SSE2, SSSE3, SSE4.1): plain C on the register
 * bytes.  One handler per map takes every two-operand form "xmm, xmm/m128"
 * and picks the operation by opcode; n is the operand width in bytes. */
#include <stdlib.h>

#include "cpu/x86/sse.h"

static int8_t ssb(int v) { return v > 127 ? 127 : v < -128 ? -128 : v; }
static uint8_t usb(int v) { return v > 255 ? 255 : v < 0 ? 0 : v; }
static int16_t ssw(int32_t v) { return v > 32767 ? 32767 : v < -32768 ? -32768 : v; }
static uint16_t usw(int32_t v) { return v > 65535 ? 65535 : v < 0 ? 0 : v; }

/* Interleave the low (hi = 0) or high halves of a and b in units of sz. */
static void unpack(XMMReg *r, const XMMReg *a, const XMMReg *b, int sz, bool hi, int n)
{
    int half = n / 2, units = half / sz;
    for (int i = 0; i < units; i++) {
        memcpy(r->b + 2 * i * sz, a->b + (hi ? half : 0) + i * sz, sz);
        memcpy(r->b + (2 * i + 1) * sz, b->b + (hi ? half : 0) + i * sz, sz);
    }
}

/* Shift counts from the low 64 bits of a register or memory operand. */
static void shift(XMMReg *r, uint64_t cnt, int sz, int kind, int n)
{
    int bits = sz * 8;
    for (int i = 0; i < n / sz; i++) {
        uint64_t v = 0;
        memcpy(&v, r->b + i * sz, sz);
        if (kind == 0)          /* logical right */
            v = cnt >= (uint64_t)bits ? 0 : v >> cnt;
        else if (kind == 1)     /* left */
            v = cnt >= (uint64_t)bits ? 0 : v << cnt;
        else {                  /* arithmetic right */
            int64_t s = (int64_t)(v << (64 - bits)) >> (64 - bits);
            v = (uint64_t)(s >> (cnt >= (uint64_t)bits ? (uint64_t)bits - 1 : cnt));
        }
        memcpy(r->b + i * sz, &v, sz);
    }
}

static void byte_shift(XMMReg *r, unsigned cnt, bool left)
{
    XMMReg t = { .q = { 0, 0 } };
    if (cnt > 16)
        cnt = 16;
    for (int i = 0; i < 16; i++) {
        int src = left ? i - (int)cnt : i + (int)cnt;
        if (src >= 0 && src < 16)
            t.b[i] = r->b[src];
    }
    *r = t;
}

/* Map 0F, prefix 66 (and, with n = 8, the MMX forms). */
static bool op_0f(int op, XMMReg *a, const XMMReg *b, int n)
{
    XMMReg r = *a;
    int nb = n, nw = n / 2, nd = n / 4, nq = n / 8;
    switch (op) {
    case 0x60: unpack(&r, a, b, 1, false, n); break;
    case 0x61: unpack(&r, a, b, 2, false, n); break;
    case 0x62: unpack(&r, a, b, 4, false, n); break;
    case 0x6c: unpack(&r, a, b, 8, false, n); break;
    case 0x68: unpack(&r, a, b, 1, true, n); break;
    case 0x69: unpack(&r, a, b, 2, true, n); break;
    case 0x6a: unpack(&r, a, b, 4, true, n); break;
    case 0x6d: unpack(&r, a, b, 8, true, n); break;
    case 0x63:          /* packsswb */
        for (int i = 0; i < nw; i++) {
            r.b[i] = ssb((int16_t)a->w[i]);
            r.b[i + nw] = ssb((int16_t)b->w[i]);
        }
        break;
    case 0x67:          /* packuswb */
        for (int i = 0; i < nw; i++) {
            r.b[i] = usb((int16_t)a->w[i]);
            r.b[i + nw] = usb((int16_t)b->w[i]);
        }
        break;
    case 0x6b:          /* packssdw */
        for (int i = 0; i < nd; i++) {
            r.w[i] = ssw((int32_t)a->d[i]);
            r.w[i + nd] = ssw((int32_t)b->d[i]);
        }
        break;
    case 0x64: for (int i = 0; i < nb; i++) r.b[i] = (int8_t)a->b[i] > (int8_t)b->b[i] ? 0xff : 0; break;
    case 0x65: for (int i = 0; i < nw; i++) r.w[i] = (int16_t)a->w[i] > (int16_t)b->w[i] ? 0xffff : 0; break;
    case 0x66: for (int i = 0; i < nd; i++) r.d[i] = (int32_t)a->d[i] > (int32_t)b->d[i] ? ~0u : 0; break;
    case 0x74: for (int i = 0; i < nb; i++) r.b[i] = a->b[i] == b->b[i] ? 0xff : 0; break;
    case 0x75: for (int i = 0; i < nw; i++) r.w[i] = a->w[i] == b->w[i] ? 0xffff : 0; break;
    case 0x76: for (int i = 0; i < nd; i++) r.d[i] = a->d[i] == b->d[i] ? ~0u : 0; break;
    case 0xd1: shift(&r, b->q[0], 2, 0, n); break;
    case 0xd2: shift(&r, b->q[0], 4, 0, n); break;
    case 0xd3: shift(&r, b->q[0], 8, 0, n); break;
    case 0xe1: shift(&r, b->q[0], 2, 2, n); break;
    case 0xe2: shift(&r, b->q[0], 4, 2, n); break;
    case 0xf1: shift(&r, b->q[0], 2, 1, n); break;
    case 0xf2: shift(&r, b->q[0], 4, 1, n); break;
    case 0xf3: shift(&r, b->q[0], 8, 1, n); break;
    case 0xd4: for (int i = 0; i < nq; i++) r.q[i] = a->q[i] + b->q[i]; break;
    case 0xfb: for (int i = 0; i < nq; i++) r.q[i] = a->q[i] - b->q[i]; break;
    case 0xd5: for (int i = 0; i < nw; i++) r.w[i] = (int16_t)a->w[i] * (int16_t)b->w[i]; break;
    case 0xe5: for (int i = 0; i < nw; i++) r.w[i] = ((int16_t)a->w[i] * (int16_t)b->w[i]) >> 16; break;
    case 0xe4: for (int i = 0; i < nw; i++) r.w[i] = ((uint32_t)a->w[i] * b->w[i]) >> 16; break;
    case 0xd8: for (int i = 0; i < nb; i++) r.b[i] = usb(a->b[i] - b->b[i]); break;
    case 0xd9: for (int i = 0; i < nw; i++) r.w[i] = usw(a->w[i] - b->w[i]); break;
    case 0xdc: for (int i = 0; i < nb; i++) r.b[i] = usb(a->b[i] + b->b[i]); break;
    case 0xdd: for (int i = 0; i < nw; i++) r.w[i] = usw(a->w[i] + b->w[i]); break;
    case 0xe8: for (int i = 0; i < nb; i++) r.b[i] = ssb((int8_t)a->b[i] - (int8_t)b->b[i]); break;
    case 0xe9: for (int i = 0; i < nw; i++) r.w[i] = ssw((int16_t)a->w[i] - (int16_t)b->w[i]); break;
    case 0xec: for (int i = 0; i < nb; i++) r.b[i] = ssb((int8_t)a->b[i] + (int8_t)b->b[i]); break;
    case 0xed: for (int i = 0; i < nw; i++) r.w[i] = ssw((int16_t)a->w[i] + (int16_t)b->w[i]); break;
    case 0xda: for (int i = 0; i < nb; i++) r.b[i] = a->b[i] < b->b[i] ? a->b[i] : b->b[i]; break;
    case 0xde: for (int i = 0; i < nb; i++) r.b[i] = a->b[i] > b->b[i] ? a->b[i] : b->b[i]; break;
    case 0xea: for (int i = 0; i < nw; i++) r.w[i] = (int16_t)a->w[i] < (int16_t)b->w[i] ? a->w[i] : b->w[i]; break;
    case 0xee: for (int i = 0; i < nw; i++) r.w[i] = (int16_t)a->w[i] > (int16_t)b->w[i] ? a->w[i] : b->w[i]; break;
    case 0xdb: for (int i = 0; i < nq; i++) r.q[i] = a->q[i] & b->q[i]; break;
    case 0xdf: for (int i = 0; i < nq; i++) r.q[i] = ~a->q[i] & b->q[i]; break;
    case 0xeb: for (int i = 0; i < nq; i++) r.q[i] = a->q[i] | b->q[i]; break;
    case 0xef: for (int i = 0; i < nq; i++) r.q[i] = a->q[i] ^ b->q[i]; break;
    case 0xe0: for (int i = 0; i < nb; i++) r.b[i] = (a->b[i] + b->b[i] + 1) >> 1; break;
    case 0xe3: for (int i = 0; i < nw; i++) r.w[i] = (a->w[i] + b->w[i] + 1) >> 1; break;
    case 0xf4:          /* pmuludq */
        for (int i = 0; i < nq; i++)
            r.q[i] = (uint64_t)a->d[2 * i] * b->d[2 * i];
        break;
    case 0xf5:          /* pmaddwd */
        for (int i = 0; i < nd; i++)
            r.d[i] = (uint32_t)((int32_t)(int16_t)a->w[2 * i] * (int16_t)b->w[2 * i] +
                                (int32_t)(int16_t)a->w[2 * i + 1] * (int16_t)b->w[2 * i + 1]);
        break;
    case 0xf6:          /* psadbw */
        for (int i = 0; i < nq; i++) {
            unsigned s = 0;
            for (int k = 0; k < 8; k++)
                s += abs(a->b[8 * i + k] - b->b[8 * i + k]);
            r.q[i] = s;
        }
        break;
    case 0xf8: for (int i = 0; i < nb; i++) r.b[i] = a->b[i] - b->b[i]; break;
    case 0xf9: for (int i = 0; i < nw; i++) r.w[i] = a->w[i] - b->w[i]; break;
    case 0xfa: for (int i = 0; i < nd; i++) r.d[i] = a->d[i] - b->d[i]; break;
    case 0xfc: for (int i = 0; i < nb; i++) r.b[i] = a->b[i] + b->b[i]; break;
    case 0xfd: for (int i = 0; i < nw; i++) r.w[i] = a->w[i] + b->w[i]; break;
    case 0xfe: for (int i = 0; i < nd; i++) r.d[i] = a->d[i] + b->d[i]; break;
    default: return false;
    }
    *a = r;
    return true;
}

/* Horizontal add/subtract of adjacent pairs (SSSE3 PHADD/PHSUB). */
static void hpair(XMMReg *r, const XMMReg *a, const XMMReg *b, int sz, bool sub, bool sat, int n)
{
    int units = n / sz, half = units / 2;
    for (int i = 0; i < units; i++) {
        const XMMReg *s = i < half ? a : b;
        int j = 2 * (i % half);
        if (sz == 2) {
            int32_t x = (int16_t)s->w[j], y = (int16_t)s->w[j + 1];
            int32_t v = sub ? x - y : x + y;
            r->w[i] = sat ? ssw(v) : (uint16_t)v;
        } else {
            r->d[i] = sub ? s->d[j] - s->d[j + 1] : s->d[j] + s->d[j + 1];
        }
    }
}

static void pmovx(XMMReg *r, const XMMReg *b, int from, int to, bool sx)
{
    XMMReg t;
    for (int i = 0; i < 16 / to; i++) {
        uint64_t v = 0;
        memcpy(&v, b->b + i * from, from);
        if (sx)
            v = (uint64_t)((int64_t)(v << (64 - 8 * from)) >> (64 - 8 * from));
        memcpy(t.b + i * to, &v, to);
    }
    *r = t;
}

/* Map 0F38, prefix 66 (SSSE3 with n = 8 is the MMX form). */
static bool op_0f38(int op, XMMReg *a, const XMMReg *b, int n)
{
    XMMReg r = *a;
    int nb = n, nw = n / 2, nd = n / 4;
    switch (op) {
    case 0x00:          /* pshufb */
        for (int i = 0; i < nb; i++)
            r.b[i] = (b->b[i] & 0x80) ? 0 : a->b[b->b[i] & (n - 1)];
        break;
    case 0x01: hpair(&r, a, b, 2, false, false, n); break;
    case 0x02: hpair(&r, a, b, 4, false, false, n); break;
    case 0x03: hpair(&r, a, b, 2, false, true, n); break;
    case 0x05: hpair(&r, a, b, 2, true, false, n); break;
    case 0x06: hpair(&r, a, b, 4, true, false, n); break;
    case 0x07: hpair(&r, a, b, 2, true, true, n); break;
    case 0x04:          /* pmaddubsw */
        for (int i = 0; i < nw; i++)
            r.w[i] = ssw(a->b[2 * i] * (int8_t)b->b[2 * i] +
                         a->b[2 * i + 1] * (int8_t)b->b[2 * i + 1]);
        break;
    case 0x08:
        for (int i = 0; i < nb; i++)
            r.b[i] = (int8_t)b->b[i] < 0 ? -a->b[i] : b->b[i] ? a->b[i] : 0;
        break;
    case 0x09:
        for (int i = 0; i < nw; i++)
            r.w[i] = (int16_t)b->w[i] < 0 ? -a->w[i] : b->w[i] ? a->w[i] : 0;
        break;
    case 0x0a:
        for (int i = 0; i < nd; i++)
            r.d[i] = (int32_t)b->d[i] < 0 ? -a->d[i] : b->d[i] ? a->d[i] : 0;
        break;
    case 0x0b:          /* pmulhrsw */
        for (int i = 0; i < nw; i++)
            r.w[i] = (uint16_t)((((int32_t)(int16_t)a->w[i] * (int16_t)b->w[i] >> 14) + 1) >> 1);
        break;
    case 0x1c: for (int i = 0; i < nb; i++) r.b[i] = abs((int8_t)b->b[i]); break;
    case 0x1d: for (int i = 0; i < nw; i++) r.w[i] = abs((int16_t)b->w[i]); break;
    case 0x1e:
        for (int i = 0; i < nd; i++)
            r.d[i] = (int32_t)b->d[i] < 0 ? -b->d[i] : b->d[i];
        break;
    default:
        if (n != 16)
            return false;
        switch (op) {
        case 0x20: pmovx(&r, b, 1, 2, true); break;
        case 0x21: pmovx(&r, b, 1, 4, true); break;
        case 0x22: pmovx(&r, b, 1, 8, true); break;
        case 0x23: pmovx(&r, b, 2, 4, true); break;
        case 0x24: pmovx(&r, b, 2, 8, true); break;
        case 0x25: pmovx(&r, b, 4, 8, true); break;
        case 0x30: pmovx(&r, b, 1, 2, false); break;
        case 0x31: pmovx(&r, b, 1, 4, false); break;
        case 0x32: pmovx(&r, b, 1, 8, false); break;
        case 0x33: pmovx(&r, b, 2, 4, false); break;
        case 0x34: pmovx(&r, b, 2, 8, false); break;
        case 0x35: pmovx(&r, b, 4, 8, false); break;
        case 0x28:
            for (int i = 0; i < 2; i++)
                r.q[i] = (uint64_t)((int64_t)(int32_t)a->d[2 * i] * (int32_t)b->d[2 * i]);
            break;
        case 0x29: for (int i = 0; i < 2; i++) r.q[i] = a->q[i] == b->q[i] ? ~0ull : 0; break;
        case 0x37: for (int i = 0; i < 2; i++) r.q[i] = (int64_t)a->q[i] > (int64_t)b->q[i] ? ~0ull : 0; break;
        case 0x2b:
            for (int i = 0; i < 4; i++) {
                r.w[i] = usw((int32_t)a->d[i]);
                r.w[i + 4] = usw((int32_t)b->d[i]);
            }
            break;
        case 0x38: for (int i = 0; i < 16; i++) r.b[i] = (int8_t)a->b[i] < (int8_t)b->b[i] ? a->b[i] : b->b[i]; break;
        case 0x3c: for (int i = 0; i < 16; i++) r.b[i] = (int8_t)a->b[i] > (int8_t)b->b[i] ? a->b[i] : b->b[i]; break;
        case 0x39: for (int i = 0; i < 4; i++) r.d[i] = (int32_t)a->d[i] < (int32_t)b->d[i] ? a->d[i] : b->d[i]; break;
        case 0x3d: for (int i = 0; i < 4; i++) r.d[i] = (int32_t)a->d[i] > (int32_t)b->d[i] ? a->d[i] : b->d[i]; break;
        case 0x3a: for (int i = 0; i < 8; i++) r.w[i] = a->w[i] < b->w[i] ? a->w[i] : b->w[i]; break;
        case 0x3e: for (int i = 0; i < 8; i++) r.w[i] = a->w[i] > b->w[i] ? a->w[i] : b->w[i]; break;
        case 0x3b: for (int i = 0; i < 4; i++) r.d[i] = a->d[i] < b->d[i] ? a->d[i] : b->d[i]; break;
        case 0x3f: for (int i = 0; i < 4; i++) r.d[i] = a->d[i] > b->d[i] ? a->d[i] : b->d[i]; break;
        case 0x40: for (int i = 0; i < 4; i++) r.d[i] = a->d[i] * b->d[i]; break;
        case 0x41: {        /* phminposuw */
            int best = 0;
            for (int i = 1; i < 8; i++)
                if (b->w[i] < b->w[best])
                    best = i;
            r.q[1] = 0;
            r.q[0] = b->w[best] | (uint64_t)best << 16;
            break;
        }
        default: return false;
        }
    }
    *a = r;
    return true;
}

/* PMOVSX/PMOVZX read only what they widen from memory. */
static int src_size_0f38(int op)
{
    static const uint8_t sz[6] = { 8, 4, 2, 8, 4, 8 };
    if ((op >= 0x20 && op <= 0x25) || (op >= 0x30 && op <= 0x35))
        return sz[op & 7];
    return 16;
}

void op_pint_66(X86CPU *cpu, const Insn *d)
{
    XMMReg b, a = *sse_reg(cpu, d);
    sse_enter(cpu);
    sse_get_rm(cpu, d, &b, 16, true);
    if (!op_0f(d->op, &a, &b, 16))
        raise_exception(cpu, EXC_UD);
    *sse_reg(cpu, d) = a;
}

void op_pint38_66(X86CPU *cpu, const Insn *d)
{
    XMMReg b, a = *sse_reg(cpu, d);
    sse_enter(cpu);
    int size = src_size_0f38(d->op);
    sse_get_rm(cpu, d, &b, size, size == 16);
    if (!op_0f38(d->op, &a, &b, 16))
        raise_exception(cpu, EXC_UD);
    *sse_reg(cpu, d) = a;
}

/* 66 0F 71/72/73 ib: shifts of the r/m register by an immediate. */
void op_pshift_imm_66(X86CPU *cpu, const Insn *d)
{
    sse_enter(cpu);
    XMMReg *r = &cpu->xmm[d->rrm & 15];
    unsigned cnt = (uint8_t)d->imm;
    int sz = d->op == 0x71 ? 2 : d->op == 0x72 ? 4 : 8;
    switch (d->reg) {
    case 2: shift(r, cnt, sz, 0, 16); break;
    case 4: shift(r, cnt, sz, 2, 16); break;
    case 6: shift(r, cnt, sz, 1, 16); break;
    case 3: byte_shift(r, cnt, false); break;
    case 7: byte_shift(r, cnt, true); break;
    }
}

/* 66 0F D7: PMOVMSKB r32, xmm. */
void op_pmovmskb_66(X86CPU *cpu, const Insn *d)
{
    sse_enter(cpu);
    const XMMReg *s = &cpu->xmm[d->rrm & 15];
    uint32_t m = 0;
    for (int i = 0; i < 16; i++)
        m |= (uint32_t)(s->b[i] >> 7) << i;
    reg_set(cpu, d->rreg, 4, m);
}

/* 66 0F 38 17: PTEST: ZF = (a AND b) == 0, CF = (NOT a AND b) == 0. */
void op_ptest(X86CPU *cpu, const Insn *d)
{
    XMMReg b, *a = sse_reg(cpu, d);
    sse_enter(cpu);
    sse_get_rm(cpu, d, &b, 16, true);
    bool z = !((a->q[0] & b.q[0]) | (a->q[1] & b.q[1]));
    bool c = !((~a->q[0] & b.q[0]) | (~a->q[1] & b.q[1]));
    x86_set_eflags(cpu, (z ? CC_Z : 0) | (c ? CC_C : 0), CC_ALL);
}

/* ---- the MMX forms (no prefix): the same operations on 64 bits ---- */

/* 0F 60-6B, 74-76, D1-FE: mm, mm/m64. */
void op_pint_mmx(X86CPU *cpu, const Insn *d)
{
    XMMReg a = { .q = { 0, 0 } }, b = { .q = { 0, 0 } };
    mmx_check(cpu);
    a.q[0] = mmx_get(cpu, d->reg);
    b.q[0] = mmx_get_rm(cpu, d, 8);
    if (!op_0f(d->op, &a, &b, 8))
        raise_exception(cpu, EXC_UD);
    mmx_set(cpu, d->reg, a.q[0]);
}

/* 0F 38 00-0B, 1C-1E: the SSSE3 MMX forms. */
void op_pint38_mmx(X86CPU *cpu, const Insn *d)
{
    XMMReg a = { .q = { 0, 0 } }, b = { .q = { 0, 0 } };
    mmx_check(cpu);
    a.q[0] = mmx_get(cpu, d->reg);
    b.q[0] = mmx_get_rm(cpu, d, 8);
    if (!op_0f38(d->op, &a, &b, 8))
        raise_exception(cpu, EXC_UD);
    mmx_set(cpu, d->reg, a.q[0]);
}

/* 0F 71/72/73 /2 /4 /6 ib: shifts of an MMX register by an immediate. */
void op_pshift_imm_mmx(X86CPU *cpu, const Insn *d)
{
    XMMReg r = { .q = { 0, 0 } };
    mmx_check(cpu);
    r.q[0] = mmx_get(cpu, d->rm);
    unsigned cnt = (uint8_t)d->imm;
    int sz = d->op == 0x71 ? 2 : d->op == 0x72 ? 4 : 8;
    shift(&r, cnt, sz, d->reg == 2 ? 0 : d->reg == 4 ? 2 : 1, 8);
    mmx_set(cpu, d->rm, r.q[0]);
}
