/* SSE cases for the differential tester: legacy-SSE encodings (no VEX, no
 * REX, so xmm0-7) that mean the same in 32-bit and 64-bit code, with
 * register and memory operands, random MXCSR (rounding, DAZ/FTZ, masks)
 * and values rich in NaNs, infinities, denormals and zeros. */
#include <string.h>

#include "tests/diff/gen.h"

/* Operand shapes. */
enum {
    S_XX,       /* xmm, xmm/m */
    S_XM,       /* xmm, m (memory only) */
    S_MX,       /* xmm/m, xmm (store; r/m is the destination) */
    S_MXM,      /* m, xmm (memory-only store) */
    S_GX,       /* r32, xmm/m (GPR destination) */
    S_GXR,      /* r32, xmm (register source only) */
    S_XG,       /* xmm, r/m32 */
    S_GE,       /* r32, r/m32 (POPCNT/LZCNT/CRC32) */
    S_GM,       /* r32, m (MOVBE load) */
    S_MG,       /* m, r32 (MOVBE store) */
    S_EX,       /* r/m32, xmm (MOVD/PEXTR store) */
    S_SHI,      /* xmm register, imm8 (/r selects the shift) */
    S_FLAGS,    /* xmm, xmm/m, writes EFLAGS */
};

typedef struct SseForm {
    uint8_t pfx;        /* 0, 0x66, 0xf3, 0xf2 */
    uint8_t map;        /* 0: 0F, 1: 0F 38, 2: 0F 3A */
    uint8_t op;
    uint8_t shape;
    uint8_t msize;      /* memory operand bytes */
    uint8_t align;      /* memory must be 16-aligned */
    uint8_t imm;        /* 1: imm8 follows */
    int8_t reg;         /* fixed ModRM.reg, or -1 */
    uint8_t wsize;      /* GPR destination size (S_GE / S_GM), 0: 4 */
} SseForm;

#define X(p, o, sz) { p, 0, o, S_XX, sz, sz == 16, 0, -1, 0 }
#define XI(p, o, sz) { p, 0, o, S_XX, sz, sz == 16, 1, -1, 0 }
#define X38(o, sz) { 0x66, 1, o, S_XX, sz, sz == 16, 0, -1, 0 }
#define X3A(o, sz) { 0x66, 2, o, S_XX, sz, sz == 16, 1, -1, 0 }

static const SseForm forms[] = {
    /* arithmetic */
    X(0, 0x58, 16), X(0x66, 0x58, 16), X(0xf3, 0x58, 4), X(0xf2, 0x58, 8),
    X(0, 0x59, 16), X(0x66, 0x59, 16), X(0xf3, 0x59, 4), X(0xf2, 0x59, 8),
    X(0, 0x5c, 16), X(0x66, 0x5c, 16), X(0xf3, 0x5c, 4), X(0xf2, 0x5c, 8),
    X(0, 0x5d, 16), X(0x66, 0x5d, 16), X(0xf3, 0x5d, 4), X(0xf2, 0x5d, 8),
    X(0, 0x5e, 16), X(0x66, 0x5e, 16), X(0xf3, 0x5e, 4), X(0xf2, 0x5e, 8),
    X(0, 0x5f, 16), X(0x66, 0x5f, 16), X(0xf3, 0x5f, 4), X(0xf2, 0x5f, 8),
    X(0, 0x51, 16), X(0x66, 0x51, 16), X(0xf3, 0x51, 4), X(0xf2, 0x51, 8),
    X(0, 0x52, 16), X(0xf3, 0x52, 4), X(0, 0x53, 16), X(0xf3, 0x53, 4),
    XI(0, 0xc2, 16), XI(0x66, 0xc2, 16), XI(0xf3, 0xc2, 4), XI(0xf2, 0xc2, 8),
    X(0x66, 0x7c, 16), X(0xf2, 0x7c, 16), X(0x66, 0x7d, 16), X(0xf2, 0x7d, 16),
    X(0x66, 0xd0, 16), X(0xf2, 0xd0, 16),
    /* conversions */
    X(0, 0x5a, 8), X(0x66, 0x5a, 16), X(0xf3, 0x5a, 4), X(0xf2, 0x5a, 8),
    X(0, 0x5b, 16), X(0x66, 0x5b, 16), X(0xf3, 0x5b, 16),
    X(0x66, 0xe6, 16), X(0xf3, 0xe6, 8), X(0xf2, 0xe6, 16),
    { 0xf3, 0, 0x2a, S_XG, 4, 0, 0, -1, 0 }, { 0xf2, 0, 0x2a, S_XG, 4, 0, 0, -1, 0 },
    { 0xf3, 0, 0x2c, S_GX, 4, 0, 0, -1, 0 }, { 0xf3, 0, 0x2d, S_GX, 4, 0, 0, -1, 0 },
    { 0xf2, 0, 0x2c, S_GX, 8, 0, 0, -1, 0 }, { 0xf2, 0, 0x2d, S_GX, 8, 0, 0, -1, 0 },
    { 0, 0, 0x2e, S_FLAGS, 4, 0, 0, -1, 0 }, { 0, 0, 0x2f, S_FLAGS, 4, 0, 0, -1, 0 },
    { 0x66, 0, 0x2e, S_FLAGS, 8, 0, 0, -1, 0 }, { 0x66, 0, 0x2f, S_FLAGS, 8, 0, 0, -1, 0 },
    /* SSE4.1 float */
    X3A(0x08, 16), X3A(0x09, 16), X3A(0x0a, 4), X3A(0x0b, 8), X3A(0x40, 16), X3A(0x41, 16),
    /* moves */
    X(0, 0x10, 16), X(0x66, 0x10, 16), X(0xf3, 0x10, 4), X(0xf2, 0x10, 8),
    { 0, 0, 0x11, S_MX, 16, 0, 0, -1, 0 }, { 0xf3, 0, 0x11, S_MX, 4, 0, 0, -1, 0 },
    { 0xf2, 0, 0x11, S_MX, 8, 0, 0, -1, 0 }, { 0x66, 0, 0x11, S_MX, 16, 0, 0, -1, 0 },
    X(0, 0x12, 8), { 0x66, 0, 0x12, S_XM, 8, 0, 0, -1, 0 }, X(0xf3, 0x12, 16), X(0xf2, 0x12, 8),
    { 0, 0, 0x13, S_MXM, 8, 0, 0, -1, 0 }, { 0x66, 0, 0x13, S_MXM, 8, 0, 0, -1, 0 },
    X(0, 0x14, 16), X(0x66, 0x14, 16), X(0, 0x15, 16), X(0x66, 0x15, 16),
    X(0, 0x16, 8), { 0x66, 0, 0x16, S_XM, 8, 0, 0, -1, 0 }, X(0xf3, 0x16, 16),
    { 0, 0, 0x17, S_MXM, 8, 0, 0, -1, 0 }, { 0x66, 0, 0x17, S_MXM, 8, 0, 0, -1, 0 },
    X(0, 0x28, 16), X(0x66, 0x28, 16),
    { 0, 0, 0x29, S_MX, 16, 1, 0, -1, 0 }, { 0x66, 0, 0x29, S_MX, 16, 1, 0, -1, 0 },
    { 0, 0, 0x2b, S_MXM, 16, 1, 0, -1, 0 }, { 0x66, 0, 0xe7, S_MXM, 16, 1, 0, -1, 0 },
    { 0, 0, 0x50, S_GXR, 0, 0, 0, -1, 0 }, { 0x66, 0, 0x50, S_GXR, 0, 0, 0, -1, 0 },
    X(0, 0x54, 16), X(0, 0x55, 16), X(0, 0x56, 16), X(0, 0x57, 16),
    X(0x66, 0x54, 16), X(0x66, 0x55, 16), X(0x66, 0x56, 16), X(0x66, 0x57, 16),
    { 0x66, 0, 0x6e, S_XG, 4, 0, 0, -1, 0 }, { 0x66, 0, 0x7e, S_EX, 4, 0, 0, -1, 0 },
    X(0xf3, 0x7e, 8), { 0x66, 0, 0xd6, S_MX, 8, 0, 0, -1, 0 },
    X(0x66, 0x6f, 16), { 0xf3, 0, 0x6f, S_XX, 16, 0, 0, -1, 0 },
    { 0x66, 0, 0x7f, S_MX, 16, 1, 0, -1, 0 }, { 0xf3, 0, 0x7f, S_MX, 16, 0, 0, -1, 0 },
    { 0xf2, 0, 0xf0, S_XM, 16, 0, 0, -1, 0 },
    /* shuffles */
    XI(0x66, 0x70, 16), XI(0xf3, 0x70, 16), XI(0xf2, 0x70, 16),
    XI(0, 0xc6, 16), XI(0x66, 0xc6, 16),
    { 0x66, 0, 0xc4, S_XG, 2, 0, 1, -1, 0 }, { 0x66, 0, 0xc5, S_GXR, 0, 0, 1, -1, 0 },
    { 0x66, 0, 0xd7, S_GXR, 0, 0, 0, -1, 0 },
    { 0x66, 0, 0x71, S_SHI, 0, 0, 1, 2, 0 }, { 0x66, 0, 0x71, S_SHI, 0, 0, 1, 4, 0 },
    { 0x66, 0, 0x71, S_SHI, 0, 0, 1, 6, 0 }, { 0x66, 0, 0x72, S_SHI, 0, 0, 1, 2, 0 },
    { 0x66, 0, 0x72, S_SHI, 0, 0, 1, 4, 0 }, { 0x66, 0, 0x72, S_SHI, 0, 0, 1, 6, 0 },
    { 0x66, 0, 0x73, S_SHI, 0, 0, 1, 2, 0 }, { 0x66, 0, 0x73, S_SHI, 0, 0, 1, 3, 0 },
    { 0x66, 0, 0x73, S_SHI, 0, 0, 1, 6, 0 }, { 0x66, 0, 0x73, S_SHI, 0, 0, 1, 7, 0 },
    X3A(0x0c, 16), X3A(0x0d, 16), X3A(0x0e, 16), X3A(0x0f, 16), X3A(0x42, 16),
    X38(0x10, 16), X38(0x14, 16), X38(0x15, 16),
    { 0x66, 2, 0x14, S_EX, 1, 0, 1, -1, 0 }, { 0x66, 2, 0x15, S_EX, 2, 0, 1, -1, 0 },
    { 0x66, 2, 0x16, S_EX, 4, 0, 1, -1, 0 }, { 0x66, 2, 0x17, S_EX, 4, 0, 1, -1, 0 },
    { 0x66, 2, 0x20, S_XG, 1, 0, 1, -1, 0 }, { 0x66, 2, 0x22, S_XG, 4, 0, 1, -1, 0 },
    X3A(0x21, 4),
    { 0x66, 1, 0x17, S_FLAGS, 16, 1, 0, -1, 0 },
    { 0x66, 1, 0x2a, S_XM, 16, 1, 0, -1, 0 },                   /* MOVNTDQA */
    /* general-register instructions */
    { 0xf3, 0, 0xb8, S_GE, 4, 0, 0, -1, 0 }, { 0xf3, 0, 0xbd, S_GE, 4, 0, 0, -1, 0 },
    { 0xf2, 1, 0xf0, S_GE, 1, 0, 0, -1, 0 }, { 0xf2, 1, 0xf1, S_GE, 4, 0, 0, -1, 0 },
    { 0, 1, 0xf0, S_GM, 4, 0, 0, -1, 0 }, { 0, 1, 0xf1, S_MG, 4, 0, 0, -1, 0 },
};

#define NFORMS (sizeof(forms) / sizeof(forms[0]))

/* Packed integer ops: every 66 0F / 66 0F 38 "xmm, xmm/m128" opcode. */
static const uint8_t int_0f[] = {
    0x60, 0x61, 0x62, 0x63, 0x64, 0x65, 0x66, 0x67, 0x68, 0x69, 0x6a, 0x6b, 0x6c, 0x6d,
    0x74, 0x75, 0x76, 0xd1, 0xd2, 0xd3, 0xd4, 0xd5, 0xd8, 0xd9, 0xda, 0xdb, 0xdc, 0xdd,
    0xde, 0xdf, 0xe0, 0xe1, 0xe2, 0xe3, 0xe4, 0xe5, 0xe8, 0xe9, 0xea, 0xeb, 0xec, 0xed,
    0xee, 0xef, 0xf1, 0xf2, 0xf3, 0xf4, 0xf5, 0xf6, 0xf8, 0xf9, 0xfa, 0xfb, 0xfc, 0xfd, 0xfe,
};
static const uint8_t int_0f38[] = {
    0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x09, 0x0a, 0x0b, 0x1c, 0x1d,
    0x1e, 0x20, 0x21, 0x22, 0x23, 0x24, 0x25, 0x28, 0x29, 0x2b, 0x30, 0x31, 0x32, 0x33,
    0x34, 0x35, 0x37, 0x38, 0x39, 0x3a, 0x3b, 0x3c, 0x3d, 0x3e, 0x3f, 0x40, 0x41,
};

static uint32_t f32_special(Gen *g)
{
    static const uint32_t v[] = {
        0x00000000, 0x80000000, 0x7f800000, 0xff800000, 0x7fc00000, 0xffc00000,
        0x7f800001, 0x7fa00000, 0x00000001, 0x807fffff, 0x00400000, 0x3f800000,
        0xbf800000, 0x7f7fffff, 0x00800000, 0x4f000000, 0xcf000000, 0x5f000000,
    };
    switch (rnd(g, 4)) {
    case 0: return v[rnd(g, sizeof(v) / sizeof(v[0]))];
    case 1: return (uint32_t)rng_next(g->rng);
    case 2: {                   /* near 1.0 or small integers */
        float f = (float)((int)rnd(g, 2001) - 1000) / (float)(1 << rnd(g, 8));
        uint32_t u;
        memcpy(&u, &f, 4);
        return u;
    }
    default:                    /* a normal number of moderate exponent */
        return ((uint32_t)rng_next(g->rng) & 0x807fffffu) | (uint32_t)(100 + rnd(g, 56)) << 23;
    }
}

static uint64_t f64_special(Gen *g)
{
    static const uint64_t v[] = {
        0, 1ull << 63, 0x7ff0000000000000ull, 0xfff0000000000000ull,
        0x7ff8000000000000ull, 0xfff8000000000000ull, 0x7ff0000000000001ull,
        0x7ff4000000000000ull, 1, 0x800fffffffffffffull, 0x3ff0000000000000ull,
        0x7fefffffffffffffull, 0x0010000000000000ull, 0x41e0000000000000ull,
        0xc1e0000000000000ull, 0x43e0000000000000ull,
    };
    switch (rnd(g, 4)) {
    case 0: return v[rnd(g, sizeof(v) / sizeof(v[0]))];
    case 1: return rng_next(g->rng);
    case 2: {
        double f = (double)((int)rnd(g, 200001) - 100000) / (double)(1 << rnd(g, 12));
        uint64_t u;
        memcpy(&u, &f, 8);
        return u;
    }
    default:
        return (rng_next(g->rng) & 0x800fffffffffffffull) | (uint64_t)(900 + rnd(g, 250)) << 52;
    }
}

static void fill_vec(Gen *g, uint8_t *p, int bytes)
{
    int kind = rnd(g, 4);
    for (int k = 0; k < bytes; k += kind == 2 ? 8 : 4) {
        if (kind == 1 || (kind == 3 && chance(g, 2))) {
            uint32_t v = f32_special(g);
            memcpy(p + k, &v, 4);
        } else if (kind == 2) {
            uint64_t v = f64_special(g);
            memcpy(p + k, &v, 8);
        } else {
            uint32_t v = (uint32_t)rng_next(g->rng);
            if (chance(g, 4))
                v &= 0x80ff00ffu;
            memcpy(p + k, &v, 4);
        }
    }
}

void gen_sse_init(Gen *g)
{
    DiffCase *c = g->c;
    for (int i = 0; i < 8; i++)
        fill_vec(g, c->init.xmm[i], 16);
    uint32_t mx = 0x1f80 | (uint32_t)rnd(g, 4) << 13;
    if (chance(g, 4))
        mx |= 0x40;             /* DAZ */
    if (chance(g, 4))
        mx |= 0x8000;           /* FTZ */
    if (chance(g, 4))
        mx &= ~((uint32_t)rnd(g, 64) << 7);     /* some exceptions unmasked */
    if (chance(g, 4))
        mx |= rnd(g, 64);       /* sticky flags already set */
    c->init.mxcsr = mx;
}

/* Floating-point values into the memory operand's bytes now and then
 * (random bytes are mostly ordinary numbers). */
static void poke_vec(Gen *g, const Opnd *o, int size)
{
    if (!o->mem || g->mem_written || chance(g, 2))
        return;
    fill_vec(g, g->c->mem + o->buf_off, size < 4 ? 4 : size);
}

static void put_prefix_op(Ins *i, const SseForm *f)
{
    if (f->pfx)
        put(i, f->pfx);
    put(i, 0x0f);
    if (f->map == 1)
        put(i, 0x38);
    else if (f->map == 2)
        put(i, 0x3a);
    put(i, f->op);
}

static bool pick_xmm_rm(Gen *g, const SseForm *f, bool reg_ok, bool mem_ok, Opnd *o)
{
    if (mem_ok && (!reg_ok || chance(g, 2))) {
        int align = f->align ? 16 : 1;
        if (f->align && chance(g, 32))
            align = 1;          /* and see the #GP */
        if (!pick_mem_aligned(g, f->msize ? f->msize : 4, align, o))
            return false;
        poke_vec(g, o, f->msize);
        return true;
    }
    memset(o, 0, sizeof(*o));
    o->reg = rnd(g, 8);
    return true;
}

static uint8_t sse_imm(Gen *g, const SseForm *f)
{
    if (f->map == 2 && f->op >= 0x08 && f->op <= 0x0b)
        return rnd(g, 16);
    if (f->shape == S_SHI)
        return chance(g, 4) ? rnd(g, 256) : rnd(g, 70);
    return rnd(g, 256);
}

/* ---- SSE4.2 string compares ---------------------------------------------- */

/* Bytes from a small alphabet, so that characters match, with zeros now
 * and then to end implicit-length strings. */
static void fill_str(Gen *g, uint8_t *p)
{
    static const uint8_t abc[] = { 'a', 'b', 'c', 'd', 'a', 'b', 0x80, 0xff, 0x7f, 0x01 };
    int zero_at = chance(g, 2) ? (int)rnd(g, 20) : 99;
    for (int k = 0; k < 16; k++) {
        p[k] = chance(g, 8) ? (uint8_t)rnd(g, 256) : abc[rnd(g, sizeof(abc))];
        if (k == zero_at || (k == zero_at + 1 && chance(g, 2)))
            p[k] = 0;
    }
}

/* An explicit length: mostly within reach, sometimes negative, large or
 * the most negative integer. */
static uint32_t str_len_value(Gen *g)
{
    switch (rnd(g, 8)) {
    case 0: return 0x80000000u;
    case 1: return (uint32_t)rng_next(g->rng);
    case 2: return (uint32_t)-(int32_t)rnd(g, 20);
    default: return rnd(g, 20);
    }
}

static void pin_len(Gen *g, int r)
{
    if ((g->pinned | g->written) >> r & 1)
        return;
    g->c->init.r[r] = str_len_value(g);
    g->pinned |= 1u << r;
}

/* 66 0F 3A 60-63: PCMPESTRM, PCMPESTRI, PCMPISTRM, PCMPISTRI. */
static bool gen_sse_str(Gen *g, Ins *i)
{
    uint8_t op = 0x60 + rnd(g, 4);
    Opnd o;
    if (op & 1) {
        if ((g->pinned | g->written) >> 1 & 1)
            return false;
        i->writes |= reg_bit(1, 4);
    }
    if (!(op & 2)) {
        pin_len(g, 0);
        pin_len(g, 2);
    }
    uint8_t r = rnd(g, 8);
    fill_str(g, g->c->init.xmm[r]);
    if (chance(g, 2)) {
        if (!pick_mem(g, 16, &o))
            return false;
        if (!g->mem_written)
            fill_str(g, g->c->mem + o.buf_off);
    } else {
        memset(&o, 0, sizeof(o));
        o.reg = rnd(g, 8);
        fill_str(g, g->c->init.xmm[o.reg]);
    }
    i->fdef = F_ALL;
    maybe_segovr(g, i, &o);
    put(i, 0x66);
    put(i, 0x0f);
    put(i, 0x3a);
    put(i, op);
    put_modrm(i, &o, r);
    put(i, rnd(g, 128));
    return true;
}

/* ---- MMX ------------------------------------------------------------------- */

/* Operand shapes of the MMX forms. */
enum {
    M_MM,       /* mm, mm/m64 */
    M_ST,       /* mm/m64, mm */
    M_STM,      /* m64, mm (MOVNTQ) */
    M_SHI,      /* mm register, imm8 (/r selects the shift) */
    M_LD32,     /* mm, r/m32 (MOVD; PINSRW reads m16) */
    M_ST32,     /* r/m32, mm (MOVD) */
    M_GR,       /* r32, mm register (PEXTRW, PMOVMSKB) */
    M_XM,       /* xmm, mm/m64 (CVTPI2PS/PD) */
    M_XMR,      /* xmm, mm register (MOVQ2DQ) */
    M_MX,       /* mm, xmm/m (CVT(T)PS2PI m64, CVT(T)PD2PI m128) */
    M_MXR,      /* mm, xmm register (MOVDQ2Q) */
    M_NONE,     /* EMMS */
};

typedef struct MmxForm {
    uint8_t pfx, map, op, shape, msize, imm;
    int8_t reg;
} MmxForm;

static const MmxForm mmx_forms[] = {
    { 0, 0, 0x6e, M_LD32, 4, 0, -1 }, { 0, 0, 0x7e, M_ST32, 4, 0, -1 },
    { 0, 0, 0x6f, M_MM, 8, 0, -1 }, { 0, 0, 0x7f, M_ST, 8, 0, -1 },
    { 0, 0, 0xe7, M_STM, 8, 0, -1 }, { 0, 0, 0x77, M_NONE, 0, 0, -1 },
    { 0, 0, 0x70, M_MM, 8, 1, -1 }, { 0, 0, 0xc4, M_LD32, 2, 1, -1 },
    { 0, 0, 0xc5, M_GR, 0, 1, -1 }, { 0, 0, 0xd7, M_GR, 0, 0, -1 },
    { 0, 2, 0x0f, M_MM, 8, 1, -1 },
    { 0, 0, 0x71, M_SHI, 0, 1, 2 }, { 0, 0, 0x71, M_SHI, 0, 1, 4 }, { 0, 0, 0x71, M_SHI, 0, 1, 6 },
    { 0, 0, 0x72, M_SHI, 0, 1, 2 }, { 0, 0, 0x72, M_SHI, 0, 1, 4 }, { 0, 0, 0x72, M_SHI, 0, 1, 6 },
    { 0, 0, 0x73, M_SHI, 0, 1, 2 }, { 0, 0, 0x73, M_SHI, 0, 1, 6 },
    { 0xf3, 0, 0xd6, M_XMR, 0, 0, -1 }, { 0xf2, 0, 0xd6, M_MXR, 0, 0, -1 },
    { 0, 0, 0x2a, M_XM, 8, 0, -1 }, { 0x66, 0, 0x2a, M_XM, 8, 0, -1 },
    { 0, 0, 0x2c, M_MX, 8, 0, -1 }, { 0, 0, 0x2d, M_MX, 8, 0, -1 },
    { 0x66, 0, 0x2c, M_MX, 16, 0, -1 }, { 0x66, 0, 0x2d, M_MX, 16, 0, -1 },
};
#define NMMX (sizeof(mmx_forms) / sizeof(mmx_forms[0]))

/* The packed integer "mm, mm/m64" opcodes of maps 0F and 0F 38. */
static const uint8_t mmx_0f[] = {
    0x60, 0x61, 0x62, 0x63, 0x64, 0x65, 0x66, 0x67, 0x68, 0x69, 0x6a, 0x6b, 0x74, 0x75,
    0x76, 0xd1, 0xd2, 0xd3, 0xd4, 0xd5, 0xd8, 0xd9, 0xda, 0xdb, 0xdc, 0xdd, 0xde, 0xdf,
    0xe0, 0xe1, 0xe2, 0xe3, 0xe4, 0xe5, 0xe8, 0xe9, 0xea, 0xeb, 0xec, 0xed, 0xee, 0xef,
    0xf1, 0xf2, 0xf3, 0xf4, 0xf5, 0xf6, 0xf8, 0xf9, 0xfa, 0xfb, 0xfc, 0xfd, 0xfe,
};
static const uint8_t mmx_0f38[] = {
    0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x09, 0x0a, 0x0b, 0x1c, 0x1d, 0x1e,
};

static bool mmx_rm(Gen *g, int msize, bool reg_ok, bool mem_ok, int align, Opnd *o)
{
    if (mem_ok && (!reg_ok || chance(g, 2)))
        return pick_mem_aligned(g, msize, align, o);
    memset(o, 0, sizeof(*o));
    o->reg = rnd(g, 8);
    return true;
}

static bool gen_mmx(Gen *g, Ins *i)
{
    MmxForm tmp;
    const MmxForm *f;
    uint32_t pick = rnd(g, NMMX + 30);
    if (pick < NMMX) {
        f = &mmx_forms[pick];
    } else {
        bool m38 = chance(g, 4);
        tmp = (MmxForm){ 0, m38, m38 ? mmx_0f38[rnd(g, sizeof(mmx_0f38))]
                                     : mmx_0f[rnd(g, sizeof(mmx_0f))], M_MM, 8, 0, -1 };
        f = &tmp;
    }
    Opnd o;
    uint8_t r = rnd(g, 8);
    memset(&o, 0, sizeof(o));
    switch (f->shape) {
    case M_MM: case M_XM: case M_MX:
        if (!mmx_rm(g, f->msize, true, true, f->msize == 16 ? 16 : 1, &o))
            return false;
        if (f->shape == M_MX)
            poke_vec(g, &o, f->msize);
        break;
    case M_ST: case M_STM:
        if (!mmx_rm(g, 8, f->shape == M_ST, true, 1, &o))
            return false;
        i->memw = o.mem;
        break;
    case M_LD32:
        if (!mmx_rm(g, f->msize, true, true, 1, &o))
            return false;
        break;
    case M_ST32:
        if (chance(g, 2)) {
            if (!pick_mem(g, 4, &o))
                return false;
            i->memw = true;
        } else {
            if (!pick_wreg(g, 4, &o.reg))
                return false;
            i->writes |= reg_bit(o.reg, 4);
        }
        break;
    case M_GR:
        if (!pick_wreg(g, 4, &r))
            return false;
        i->writes |= reg_bit(r, 4);
        o.reg = rnd(g, 8);
        break;
    case M_XMR: case M_MXR:
        o.reg = rnd(g, 8);
        break;
    case M_SHI:
        o.reg = rnd(g, 8);
        r = f->reg;
        break;
    default:
        break;
    }
    i->x87 = true;          /* the MMX registers are the x87 registers */
    maybe_segovr(g, i, &o);
    if (f->pfx)
        put(i, f->pfx);
    put(i, 0x0f);
    if (f->map == 1)
        put(i, 0x38);
    else if (f->map == 2)
        put(i, 0x3a);
    put(i, f->op);
    if (f->shape != M_NONE)
        put_modrm(i, &o, r);
    if (f->imm)
        put(i, f->shape == M_SHI ? (chance(g, 4) ? rnd(g, 256) : rnd(g, 70)) : rnd(g, 256));
    return true;
}

bool gen_sse(Gen *g, Ins *i)
{
    SseForm tmp;
    const SseForm *f;
    if (chance(g, 12))
        return gen_sse_str(g, i);
    if (chance(g, 3))
        return gen_mmx(g, i);
    uint32_t pick = rnd(g, NFORMS + 40);
    if (pick < NFORMS) {
        f = &forms[pick];
    } else {
        bool m38 = chance(g, 3);
        tmp = (SseForm){ 0x66, m38, m38 ? int_0f38[rnd(g, sizeof(int_0f38))]
                                        : int_0f[rnd(g, sizeof(int_0f))],
                         S_XX, 16, 1, 0, -1, 0 };
        if (m38 && ((tmp.op >= 0x20 && tmp.op <= 0x25) || (tmp.op >= 0x30 && tmp.op <= 0x35))) {
            static const uint8_t sz[6] = { 8, 4, 2, 8, 4, 8 };
            tmp.msize = sz[tmp.op & 7];
            tmp.align = 0;
        }
        f = &tmp;
    }
    Opnd o;
    uint8_t r = rnd(g, 8);
    switch (f->shape) {
    case S_XX: case S_FLAGS:
        if (!pick_xmm_rm(g, f, true, true, &o))
            return false;
        if (f->shape == S_FLAGS)
            i->fdef = F_ALL;
        break;
    case S_XM:
        if (!pick_xmm_rm(g, f, false, true, &o))
            return false;
        break;
    case S_MX: case S_MXM:
        if (!pick_xmm_rm(g, f, f->shape == S_MX, true, &o))
            return false;
        i->memw = o.mem;
        break;
    case S_GX: case S_GXR:
        if (!pick_wreg(g, 4, &r))
            return false;
        i->writes |= reg_bit(r, 4);
        if (!pick_xmm_rm(g, f, true, f->shape == S_GX, &o))
            return false;
        break;
    case S_XG:
        if (chance(g, 2)) {
            if (!pick_mem(g, f->msize, &o))
                return false;
        } else {
            memset(&o, 0, sizeof(o));
            o.reg = rnd(g, 8);
        }
        break;
    case S_EX:
        if (chance(g, 2)) {
            if (!pick_mem(g, f->msize, &o))
                return false;
            i->memw = true;
        } else {
            memset(&o, 0, sizeof(o));
            if (!pick_wreg(g, 4, &o.reg))
                return false;
            i->writes |= reg_bit(o.reg, 4);
        }
        break;
    case S_GE: case S_GM:
        if (!pick_wreg(g, 4, &r))
            return false;
        i->writes |= reg_bit(r, 4);
        if (f->shape == S_GM || chance(g, 2)) {
            if (!pick_mem(g, f->msize, &o))
                return false;
        } else {
            memset(&o, 0, sizeof(o));
            o.reg = rnd(g, 8);
        }
        if (f->op == 0xb8)
            i->fdef = F_ALL;
        else if (f->op == 0xbd) {
            i->fdef = F_CF | F_ZF;
            i->fundef = F_OF | F_SF | F_AF | F_PF;
        }
        break;
    case S_MG:
        if (!pick_mem(g, f->msize, &o))
            return false;
        i->memw = true;
        break;
    default:        /* S_SHI */
        memset(&o, 0, sizeof(o));
        o.reg = rnd(g, 8);
        r = f->reg;
        break;
    }
    maybe_segovr(g, i, &o);
    put_prefix_op(i, f);
    put_modrm(i, &o, r);
    if (f->imm)
        put(i, sse_imm(g, f));
    return true;
}
