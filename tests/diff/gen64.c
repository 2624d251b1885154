/* The 64-bit case generator: random short sequences of user-level integer
 * instructions in 64-bit encodings - REX.W operands, r8-r15 through
 * REX.R/X/B, SPL..DIL and AH..BH byte registers, imm32 sign-extended and
 * imm64 (MOV r64, imm64), 32-bit address size (67), RIP-relative memory
 * operands into the data buffer (code and buffer lie within 2 GiB on both
 * sides: DIFF_CODE_ADDR), MOVSXD, CDQE/CQO, CMPXCHG16B, 64-bit strings.
 *
 * As in gen.c: registers used as pointers are pinned (a chosen initial
 * value, never written later); RSP is pinned and never written; each
 * instruction declares the flags it defines, leaves undefined and reads,
 * and a flag stays undefined from the instruction that leaves it so until
 * one that defines it (so the final comparison masks every flag whose
 * value some instruction left undefined and no later one redefined). */
#include <string.h>

#include "tests/diff/diff.h"
#include "yl/cpu.h"

#define F_CF 0x001
#define F_PF 0x004
#define F_AF 0x010
#define F_ZF 0x040
#define F_SF 0x080
#define F_OF 0x800
#define F_ALL (F_CF | F_PF | F_AF | F_ZF | F_SF | F_OF)
#define F_DF 0x400

typedef struct G64 {
    Rng *rng;
    DiffCase *c;
    uint16_t pinned, written;
    uint32_t undef;
    bool string_ran;        /* a REP string op counted RCX down */
} G64;

/* An r/m operand: register (0..15) or memory (ModRM with reg 0, SIB,
 * displacement; rex holds its REX.X/B bits). */
typedef struct Op64 {
    bool mem, riprel, a32;
    uint8_t reg, rex;
    uint8_t ea[6];
    int nea;
    uint64_t target;        /* RIP-relative: the address aimed at */
} Op64;

typedef struct I64 {
    uint8_t b[32];
    int n;
    int rip_disp;           /* position of a RIP-relative disp32, or -1 */
    uint64_t rip_target;
    uint16_t writes;        /* GPRs written */
    uint32_t freads, fdef, fundef;
} I64;

static uint32_t rnd(G64 *g, uint32_t n) { return rng_below(g->rng, n); }
static bool chance(G64 *g, uint32_t n) { return rnd(g, n) == 0; }
static void put(I64 *i, uint8_t b) { i->b[i->n++] = b; }

static void put_imm(I64 *i, uint64_t v, int bytes)
{
    for (int k = 0; k < bytes; k++)
        put(i, v >> (8 * k));
}

static bool is_free(G64 *g, int r) { return !((g->pinned | g->written) >> r & 1); }
static bool is_pinned(G64 *g, int r) { return g->pinned >> r & 1; }

static void pin(G64 *g, int r, uint64_t v)
{
    g->pinned |= 1u << r;
    g->c->init.r64[r] = v;
}

static uint64_t value64(G64 *g)
{
    switch (rnd(g, 8)) {
    case 0: return rnd(g, 4);
    case 1: return -(uint64_t)rnd(g, 4);
    case 2: return 1ull << rnd(g, 64);
    case 3: return 0x7fffffffffffffffull >> (chance(g, 2) ? 32 : 0);
    case 4: return (uint32_t)rng_next(g->rng);
    case 5: return (uint64_t)(int32_t)rng_next(g->rng);
    default: return rng_next(g->rng);
    }
}

/* ---- operands ---------------------------------------------------------- */

/* A register the instruction may write: its home is neither pinned nor
 * RSP.  Byte registers 4..7 without REX are AH..BH (home r & 3). */
static bool pick_wreg(G64 *g, uint8_t *out)
{
    for (int tries = 0; tries < 16; tries++) {
        int r = rnd(g, 16);
        if (!is_pinned(g, r)) {
            *out = r;
            return true;
        }
    }
    return false;
}

static int reg_home(int r, int size, bool rex) { return size == 1 && !rex && r >= 4 && r < 8 ? r & 3 : r; }

/* A pointer register's value so that value + idx + disp == target; pins
 * it if free. */
static bool base_value(G64 *g, int base, uint64_t want, bool a32, uint64_t *v)
{
    if (is_free(g, base)) {
        *v = want;
        if (a32)
            *v |= (uint64_t)(uint32_t)rng_next(g->rng) << 32;   /* ignored */
        pin(g, base, *v);
        return true;
    }
    if (!is_pinned(g, base))
        return false;
    *v = g->c->init.r64[base];
    return true;
}

static void mem_encode(Op64 *o, int mod, int base, int index, int scale, int32_t disp)
{
    bool sib = index >= 0 || base < 0 || (base & 7) == 4;
    if (sib) {
        o->ea[o->nea++] = mod << 6 | 4;
        o->ea[o->nea++] = scale << 6 | (index >= 0 ? index & 7 : 4) << 3
                          | (base >= 0 ? base & 7 : 5);
    } else {
        o->ea[o->nea++] = mod << 6 | (base & 7);
    }
    o->rex = (index >= 8 ? 2 : 0) | (base >= 8 ? 1 : 0);
    int dbytes = base < 0 ? 4 : mod == 1 ? 1 : mod == 2 ? 4 : 0;
    for (int k = 0; k < dbytes; k++)
        o->ea[o->nea++] = (uint32_t)disp >> (8 * k);
}

/* A memory operand of size bytes (aligned to align) in the target window. */
static bool pick_mem(G64 *g, int size, int align, Op64 *o)
{
    memset(o, 0, sizeof(*o));
    o->mem = true;
    uint32_t off = DIFF_TARGET_LO + rnd(g, DIFF_TARGET_HI - DIFF_TARGET_LO - size);
    uint64_t target = DIFF_BUF_ADDR + (off & ~(uint32_t)(align - 1));
    int form = rnd(g, 6);       /* 0-2 base+disp, 3 base+index, 4 index, 5 RIP */
    if (form == 5) {
        o->riprel = true;
        o->target = target;
        o->ea[o->nea++] = 0x05;
        return true;
    }
    o->a32 = chance(g, 8);
    int base = form < 4 ? (int)rnd(g, 16) : -1;
    int index = form >= 3 ? (int)rnd(g, 16) : -1, scale = rnd(g, 4);
    if (index == R_ESP || (base >= 0 && index == base))
        return false;
    uint64_t idx = 0;
    if (index >= 0) {
        if (is_free(g, index))
            pin(g, index, o->a32 ? rnd(g, 64) : (uint64_t)((int64_t)rnd(g, 64) - 32));
        else if (!is_pinned(g, index))
            return false;
        idx = g->c->init.r64[index] << scale;
    }
    int32_t want_disp = form == 0 ? 0 : form == 1 ? (int8_t)rnd(g, 256) : (int32_t)rnd(g, 0x200) - 0x100;
    uint64_t bv = 0;
    if (base >= 0 && !base_value(g, base, target - want_disp - idx, o->a32, &bv))
        return false;
    uint64_t disp64 = target - bv - idx;
    if (o->a32)
        disp64 = (uint64_t)(int64_t)(int32_t)disp64;
    if ((int64_t)disp64 != (int32_t)disp64)
        return false;
    int32_t disp = (int32_t)disp64;
    int mod = base < 0 ? 0 : (disp == 0 && (base & 7) != 5) ? 0
            : (disp >= -128 && disp <= 127) ? 1 : 2;
    mem_encode(o, mod, base, index, scale, disp);
    return true;
}

/* An r/m operand; dest: written (a register home must be writable). */
static bool pick_rm(G64 *g, int size, bool dest, Op64 *o)
{
    if (chance(g, 2))
        return pick_mem(g, size, 1, o);
    memset(o, 0, sizeof(*o));
    if (dest)
        return pick_wreg(g, &o->reg);
    o->reg = rnd(g, 16);
    return true;
}

/* Emits [LOCK] [67] [66] [REX] opcode ModRM... for an r/m operand and a
 * ModRM.reg value (register 0..15 or group selector).  byteregs: the
 * reg/rm fields name byte registers (REX changes 4..7).  Returns whether a
 * REX prefix was emitted (for the homes of byte registers). */
static bool emit(G64 *g, I64 *i, int size, int regf, const Op64 *o, const uint8_t *opc,
                 int nopc, bool lock)
{
    uint8_t rex = (size == 8 ? 8 : 0) | (regf >= 8 ? 4 : 0)
                  | (o->mem ? o->rex : (o->reg >= 8 ? 1 : 0));
    bool want_rex = rex || (size == 1 && chance(g, 2));
    if (lock && o->mem)
        put(i, 0xf0);
    if (o->mem && o->a32)
        put(i, 0x67);
    if (size == 2)
        put(i, 0x66);
    if (want_rex)
        put(i, 0x40 | rex);
    for (int k = 0; k < nopc; k++)
        put(i, opc[k]);
    if (!o->mem) {
        put(i, 0xc0 | (regf & 7) << 3 | (o->reg & 7));
        return want_rex;
    }
    put(i, o->ea[0] | (regf & 7) << 3);
    if (o->riprel) {
        i->rip_disp = i->n;
        i->rip_target = o->target;
        put_imm(i, 0, 4);
    }
    for (int k = 1; k < o->nea; k++)
        put(i, o->ea[k]);
    return want_rex;
}

/* Records a register write (reg field or rm register) of size bytes. */
static void wrote(I64 *i, int r, int size, bool rex)
{
    i->writes |= 1u << reg_home(r, size, rex);
}

static int pick_size(G64 *g, bool bytes_ok)
{
    int r = rnd(g, bytes_ok ? 7 : 5);
    return r < 2 ? 8 : r < 4 ? 4 : r == 4 ? 2 : 1;
}

static int imm_bytes(int size) { return size == 8 ? 4 : size; }

/* ---- instruction groups ------------------------------------------------- */

static bool gen_alu(G64 *g, I64 *i)
{
    int k = rnd(g, 8), size = pick_size(g, true), w = size != 1;
    bool logic = k == 1 || k == 4 || k == 6, cmp = k == 7;
    i->fdef = logic ? F_ALL & ~F_AF : F_ALL;
    i->fundef = logic ? F_AF : 0;
    i->freads = (k == 2 || k == 3) ? F_CF : 0;
    Op64 o;
    uint8_t r = rnd(g, 16);
    switch (rnd(g, 4)) {
    case 0: {                   /* r/m, reg */
        if (!pick_rm(g, size, !cmp, &o))
            return false;
        uint8_t opc = k * 8 + w;
        bool rex = emit(g, i, size, r, &o, &opc, 1, !cmp && chance(g, 8));
        if (!cmp && !o.mem)
            wrote(i, o.reg, size, rex);
        return true;
    }
    case 1: {                   /* reg, r/m */
        if (!cmp && !pick_wreg(g, &r))
            return false;
        if (!pick_rm(g, size, false, &o))
            return false;
        uint8_t opc = k * 8 + 2 + w;
        bool rex = emit(g, i, size, r, &o, &opc, 1, false);
        if (!cmp)
            wrote(i, r, size, rex);
        return true;
    }
    case 2:                     /* AL/eAX/RAX, imm */
        if (!cmp && is_pinned(g, R_EAX))
            return false;
        if (!cmp)
            i->writes |= 1;
        if (size == 2)
            put(i, 0x66);
        if (size == 8)
            put(i, 0x48);
        put(i, k * 8 + 4 + w);
        put_imm(i, value64(g), imm_bytes(size));
        return true;
    default: {                  /* 80/81/83 /k */
        if (!pick_rm(g, size, !cmp, &o))
            return false;
        bool sx = size != 1 && chance(g, 2);
        uint8_t opc = size == 1 ? 0x80 : sx ? 0x83 : 0x81;
        bool rex = emit(g, i, size, k, &o, &opc, 1, !cmp && chance(g, 8));
        put_imm(i, value64(g), sx ? 1 : imm_bytes(size));
        if (!cmp && !o.mem)
            wrote(i, o.reg, size, rex);
        return true;
    }
    }
}

static bool gen_test_unary(G64 *g, I64 *i)
{
    int size = pick_size(g, true), w = size != 1, k = rnd(g, 6);
    Op64 o;
    bool dest = k >= 2;
    if (!pick_rm(g, size, dest, &o))
        return false;
    bool rex;
    if (k == 0) {               /* TEST r/m, reg */
        uint8_t opc = 0x84 + w;
        emit(g, i, size, rnd(g, 16), &o, &opc, 1, false);
        i->fdef = F_ALL & ~F_AF;
        i->fundef = F_AF;
        return true;
    }
    if (k == 1) {               /* TEST r/m, imm */
        uint8_t opc = 0xf6 + w;
        emit(g, i, size, 0, &o, &opc, 1, false);
        put_imm(i, value64(g), imm_bytes(size));
        i->fdef = F_ALL & ~F_AF;
        i->fundef = F_AF;
        return true;
    }
    if (k < 4) {                /* INC DEC */
        uint8_t opc = 0xfe + w;
        rex = emit(g, i, size, k - 2, &o, &opc, 1, chance(g, 8));
        i->fdef = F_ALL & ~F_CF;
    } else {                    /* NOT NEG */
        uint8_t opc = 0xf6 + w;
        rex = emit(g, i, size, k - 2, &o, &opc, 1, chance(g, 8));
        i->fdef = k == 5 ? F_ALL : 0;
    }
    if (!o.mem)
        wrote(i, o.reg, size, rex);
    return true;
}

static bool gen_shift(G64 *g, I64 *i)
{
    static const uint8_t kinds[] = { 0, 1, 2, 3, 4, 5, 7 };
    int size = pick_size(g, true), w = size != 1, bits = 8 * size;
    int k = kinds[rnd(g, 7)];
    bool rot = k < 4, shlr = k == 4 || k == 5;
    Op64 o;
    if (!pick_rm(g, size, true, &o))
        return false;
    if (k == 2 || k == 3)
        i->freads = F_CF;
    int how = rnd(g, 3), count = -1;
    uint8_t opc = how == 0 ? 0xd0 + w : how == 1 ? 0xc0 + w : 0xd2 + w;
    bool rex = emit(g, i, size, k, &o, &opc, 1, false);
    if (how == 0) {
        count = 1;
    } else if (how == 1) {
        count = chance(g, 4) ? (int)rnd(g, 256) : (int)rnd(g, bits + 2);
        put(i, count);
    }
    if (!o.mem)
        wrote(i, o.reg, size, rex);
    int c = count & (size == 8 ? 63 : 31);
    if (count < 0) {
        i->fundef = F_OF | (rot ? 0 : F_AF) | (shlr && size < 4 ? F_CF : 0);
    } else if (c == 0) {
        return true;
    } else if (rot) {
        i->fdef = F_CF | (c == 1 ? F_OF : 0);
        i->fundef = c == 1 ? 0 : F_OF;
    } else {
        i->fdef = F_CF | F_SF | F_ZF | F_PF | (c == 1 ? F_OF : 0);
        i->fundef = F_AF | (c == 1 ? 0 : F_OF);
        if (shlr && c >= bits) {
            i->fdef &= ~F_CF;
            i->fundef |= F_CF;
        }
    }
    return true;
}

/* A shift or rotate after AND CL, 0xC0: by CL, its masked count is 0,
 * which keeps the flags of the AND (the JIT tests the count at run
 * time; both of its paths must leave what the interpreter leaves). */
static bool gen_shift_cl0(G64 *g, I64 *i, I64 *prep)
{
    if (is_pinned(g, R_ECX))
        return gen_shift(g, i);
    put(prep, 0x80);            /* and cl, 0xc0 */
    put(prep, 0xe1);
    put(prep, 0xc0);
    prep->writes = 1u << R_ECX;
    prep->fdef = F_ALL & ~F_AF;
    prep->fundef = F_AF;
    return gen_shift(g, i);
}

/* SHLD/SHRD r/m32/64, reg, imm8 */
static bool gen_shld(G64 *g, I64 *i)
{
    int size = chance(g, 2) ? 8 : 4;
    Op64 o;
    if (!pick_rm(g, size, true, &o))
        return false;
    uint8_t opc[2] = { 0x0f, chance(g, 2) ? 0xac : 0xa4 };
    emit(g, i, size, rnd(g, 16), &o, opc, 2, false);
    int count = rnd(g, 2 * size * 8 + 2), c = count & (size == 8 ? 63 : 31);
    put(i, count);
    if (!o.mem)
        wrote(i, o.reg, size, true);
    if (c == 0)
        return true;
    i->fdef = F_CF | F_SF | F_ZF | F_PF | (c == 1 ? F_OF : 0);
    i->fundef = F_AF | (c == 1 ? 0 : F_OF);
    return true;
}

static bool gen_muldiv(G64 *g, I64 *i, I64 *prep)
{
    int size = pick_size(g, true), w = size != 1, k = 4 + rnd(g, 4);
    Op64 o;
    int form = rnd(g, 5);
    if (form >= 3) {            /* IMUL r, r/m [, imm] */
        uint8_t r;
        if (size == 1)
            size = 8;
        if (!pick_wreg(g, &r) || !pick_rm(g, size, false, &o))
            return false;
        i->fdef = F_CF | F_OF;
        i->fundef = F_SF | F_ZF | F_AF | F_PF;
        if (form == 3) {
            uint8_t opc[2] = { 0x0f, 0xaf };
            emit(g, i, size, r, &o, opc, 2, false);
        } else {
            uint8_t opc = chance(g, 2) ? 0x6b : 0x69;
            emit(g, i, size, r, &o, &opc, 1, false);
            put_imm(i, value64(g), opc == 0x6b ? 1 : imm_bytes(size));
        }
        wrote(i, r, size, true);
        return true;
    }
    if (!pick_rm(g, size, false, &o))
        return false;
    i->writes = size == 1 ? 1 : (1u << R_EAX | 1u << R_EDX);
    i->fdef = k < 6 ? F_CF | F_OF : 0;
    i->fundef = k < 6 ? F_SF | F_ZF | F_AF | F_PF : F_ALL;
    if (k >= 6 && size > 1 && !chance(g, 4)) {
        /* Mostly a zero- or sign-extended dividend so most cases complete. */
        if (size == 2)
            put(prep, 0x66);
        if (size == 8)
            put(prep, 0x48);
        if (k == 7) {
            put(prep, 0x99);                    /* cwd/cdq/cqo */
        } else {
            put(prep, 0x31), put(prep, 0xd2);   /* xor rdx, rdx */
            prep->fdef = F_ALL & ~F_AF;
            prep->fundef = F_AF;
        }
        prep->writes = 1u << R_EDX;
    }
    uint8_t opc = 0xf6 + w;
    emit(g, i, size, k, &o, &opc, 1, false);
    return true;
}

static bool gen_bitops(G64 *g, I64 *i)
{
    int size = chance(g, 4) ? 2 : chance(g, 2) ? 4 : 8, k = rnd(g, 4);
    Op64 o;
    if (chance(g, 4)) {         /* BSF/BSR */
        uint8_t r;
        if (!pick_wreg(g, &r) || !pick_rm(g, size, false, &o))
            return false;
        uint8_t opc[2] = { 0x0f, chance(g, 2) ? 0xbc : 0xbd };
        emit(g, i, size, r, &o, opc, 2, false);
        wrote(i, r, size, true);
        i->fdef = F_ZF;
        i->fundef = F_ALL & ~F_ZF;
        return true;
    }
    if (!pick_rm(g, size, k != 0, &o))
        return false;
    i->fdef = F_CF;
    i->fundef = F_OF | F_SF | F_AF | F_PF;
    if (!o.mem)
        wrote(i, o.reg, size, true);
    if (chance(g, 2)) {
        uint8_t opc[2] = { 0x0f, 0xba };
        emit(g, i, size, 4 + k, &o, opc, 2, k != 0 && chance(g, 8));
        put(i, rng_next(g->rng));
        return true;
    }
    uint8_t r = rnd(g, 16);
    if (o.mem) {
        /* The offset register addresses memory: pinned, small, signed. */
        if (is_free(g, r))
            pin(g, r, (uint64_t)((int64_t)rnd(g, 1024) - 512));
        else if (!is_pinned(g, r))
            return false;
        int64_t v = (int64_t)g->c->init.r64[r];
        if (size == 2)
            v = (int16_t)v;
        else if (size == 4)
            v = (int32_t)v;
        if (v < -1024 || v > 1024)
            return false;
    }
    uint8_t opc[2] = { 0x0f, 0xa3 + 8 * k };
    emit(g, i, size, r, &o, opc, 2, k != 0 && chance(g, 8));
    return true;
}

static bool gen_xchg(G64 *g, I64 *i)
{
    int size = pick_size(g, true), w = size != 1, k = rnd(g, 6);
    Op64 o;
    uint8_t r;
    if (k == 5) {               /* CMPXCHG8B / CMPXCHG16B */
        int wide = chance(g, 2) ? 16 : 8;
        if (!pick_mem(g, wide, wide, &o))
            return false;
        uint8_t opc[2] = { 0x0f, 0xc7 };
        emit(g, i, wide == 16 ? 8 : 4, 1, &o, opc, 2, chance(g, 4));
        i->writes = 1u << R_EAX | 1u << R_EDX;
        i->fdef = F_ZF;
        return true;
    }
    if (k == 4) {               /* 90+r: XCHG rAX, r (r8..r15 with REX.B) */
        if (size == 1)
            size = 8;
        if (!pick_wreg(g, &r) || is_pinned(g, R_EAX))
            return false;
        if (size == 2)
            put(i, 0x66);
        if (size == 8 || r >= 8)
            put(i, 0x40 | (size == 8 ? 8 : 0) | (r >= 8 ? 1 : 0));
        put(i, 0x90 + (r & 7));
        /* 90 without REX.B is NOP: RAX unchanged even at size 4. */
        i->writes = 1u << r | 1;
        return true;
    }
    if (!pick_rm(g, size, true, &o) || !pick_wreg(g, &r))
        return false;
    static const uint8_t ops[4][2] = { { 0x0f, 0xc0 }, { 0x0f, 0xb0 }, { 0, 0x86 }, { 0, 0x86 } };
    uint8_t opc[2] = { ops[k][0], ops[k][1] + w };
    bool rex = ops[k][0] ? emit(g, i, size, r, &o, opc, 2, chance(g, 8))
                         : emit(g, i, size, r, &o, opc + 1, 1, false);
    if (k <= 1)
        i->fdef = F_ALL;
    if (k == 1)
        i->writes |= 1;
    wrote(i, r, size, rex);
    if (!o.mem)
        wrote(i, o.reg, size, rex);
    return true;
}

static const uint32_t cond_reads[8] = {
    F_OF, F_CF, F_ZF, F_CF | F_ZF, F_SF, F_PF, F_SF | F_OF, F_ZF | F_SF | F_OF,
};

/* MOV forms, MOV r64 imm64, MOVZX/MOVSX/MOVSXD, LEA */
static bool gen_mov(G64 *g, I64 *i)
{
    int size = pick_size(g, true), w = size != 1;
    Op64 o;
    uint8_t r;
    bool rex;
    switch (rnd(g, 6)) {
    case 0:                     /* MOV r/m, r */
        if (!pick_rm(g, size, true, &o))
            return false;
        rex = emit(g, i, size, rnd(g, 16), &o, (uint8_t[]){ 0x88 + w }, 1, false);
        if (!o.mem)
            wrote(i, o.reg, size, rex);
        return true;
    case 1:                     /* MOV r, r/m */
        if (!pick_wreg(g, &r) || !pick_rm(g, size, false, &o))
            return false;
        rex = emit(g, i, size, r, &o, (uint8_t[]){ 0x8a + w }, 1, false);
        wrote(i, r, size, rex);
        return true;
    case 2:                     /* MOV r, imm (imm64 with REX.W), C7 /0 */
        if (chance(g, 2)) {
            if (!pick_wreg(g, &r))
                return false;
            bool want_rex = size == 8 || r >= 8 || (size == 1 && chance(g, 2));
            if (size == 2)
                put(i, 0x66);
            if (want_rex)
                put(i, 0x40 | (size == 8 ? 8 : 0) | (r >= 8 ? 1 : 0));
            put(i, (size == 1 ? 0xb0 : 0xb8) + (r & 7));
            put_imm(i, value64(g), size);
            wrote(i, r, size, want_rex);
            return true;
        }
        if (!pick_rm(g, size, true, &o))
            return false;
        rex = emit(g, i, size, 0, &o, (uint8_t[]){ 0xc6 + w }, 1, false);
        put_imm(i, value64(g), imm_bytes(size));
        if (!o.mem)
            wrote(i, o.reg, size, rex);
        return true;
    case 3: {                   /* MOVZX/MOVSX r16/32/64, r/m8/16 */
        int dsize = size == 1 ? 4 : size, ssize = 1 + rnd(g, 2);
        if (dsize == 2)
            ssize = 1;
        if (!pick_wreg(g, &r) || !pick_rm(g, ssize, false, &o))
            return false;
        uint8_t opc[2] = { 0x0f, (chance(g, 2) ? 0xb6 : 0xbe) + (ssize == 2) };
        emit(g, i, dsize, r, &o, opc, 2, ssize == 1 && chance(g, 2));
        wrote(i, r, dsize, true);
        return true;
    }
    case 4:                     /* MOVSXD r, r/m32 */
        if (size == 1)
            size = 8;
        if (!pick_wreg(g, &r) || !pick_rm(g, size == 8 ? 4 : size, false, &o))
            return false;
        emit(g, i, size, r, &o, (uint8_t[]){ 0x63 }, 1, false);
        wrote(i, r, size, true);
        return true;
    default: {                  /* LEA with any registers: no access */
        if (size == 1)
            size = 8;
        if (!pick_wreg(g, &r))
            return false;
        memset(&o, 0, sizeof(o));
        o.mem = true;
        o.a32 = chance(g, 4);
        int base = rnd(g, 16), index = rnd(g, 16), mod = 1 + rnd(g, 2);
        if (chance(g, 4)) {
            o.riprel = true;
            o.ea[o.nea++] = 0x05;
        } else {
            mem_encode(&o, mod, base, index == 4 ? -1 : index, rnd(g, 4),
                       (int32_t)rng_next(g->rng));
        }
        emit(g, i, size, r, &o, (uint8_t[]){ 0x8d }, 1, false);
        if (o.riprel)
            i->rip_target = DIFF_BUF_ADDR + rnd(g, DIFF_BUF_SIZE);
        wrote(i, r, size, true);
        return true;
    }
    }
}

/* BSWAP, CBW..CQO, CMOVcc, SETcc, flag ops */
static bool gen_misc(G64 *g, I64 *i)
{
    int size = pick_size(g, false);
    Op64 o;
    uint8_t r;
    switch (rnd(g, 6)) {
    case 0:                     /* BSWAP r32/r64 */
        if (!pick_wreg(g, &r))
            return false;
        if (size == 8 || r >= 8)
            put(i, 0x40 | (size == 8 ? 8 : 0) | (r >= 8 ? 1 : 0));
        put(i, 0x0f);
        put(i, 0xc8 + (r & 7));
        i->writes = 1u << r;
        return true;
    case 1:                     /* CBW CWDE CDQE / CWD CDQ CQO */
        if (size == 2)
            put(i, 0x66);
        if (size == 8)
            put(i, 0x48);
        if (chance(g, 2)) {
            i->writes = 1;
            put(i, 0x98);
        } else {
            i->writes = 1u << R_EDX;
            put(i, 0x99);
        }
        return true;
    case 2: {                   /* CMOVcc: a 32-bit one zero-extends either way */
        int cc = rnd(g, 16);
        if (!pick_wreg(g, &r) || !pick_rm(g, size, false, &o))
            return false;
        i->freads = cond_reads[cc >> 1];
        emit(g, i, size, r, &o, (uint8_t[]){ 0x0f, 0x40 + cc }, 2, false);
        wrote(i, r, size, true);
        return true;
    }
    case 3: {                   /* SETcc r/m8 (SPL..DIL, r8b.. with REX) */
        int cc = rnd(g, 16);
        if (!pick_rm(g, 1, true, &o))
            return false;
        i->freads = cond_reads[cc >> 1];
        bool rex = emit(g, i, 1, 0, &o, (uint8_t[]){ 0x0f, 0x90 + cc }, 2, false);
        if (!o.mem)
            wrote(i, o.reg, 1, rex);
        return true;
    }
    default: {                  /* LAHF SAHF CMC CLC STC CLD STD */
        static const uint8_t ops[] = { 0x9f, 0x9e, 0xf5, 0xf8, 0xf9, 0xfc, 0xfd };
        int k = rnd(g, 7);
        put(i, ops[k]);
        if (k == 0) {
            i->writes = 1;
            i->freads = F_SF | F_ZF | F_AF | F_PF | F_CF;
        } else if (k == 1) {
            i->fdef = F_SF | F_ZF | F_AF | F_PF | F_CF;
        } else if (k <= 4) {
            i->fdef = F_CF;
            i->freads = k == 2 ? F_CF : 0;
        }
        return true;
    }
    }
}

/* r points into the target window (pinned if free). */
static bool string_ptr(G64 *g, int r)
{
    if (is_free(g, r)) {
        pin(g, r, DIFF_BUF_ADDR + DIFF_TARGET_LO + rnd(g, DIFF_TARGET_HI - DIFF_TARGET_LO));
        return true;
    }
    uint64_t v = g->c->init.r64[r];
    return is_pinned(g, r) && v >= DIFF_BUF_ADDR + DIFF_TARGET_LO &&
           v < DIFF_BUF_ADDR + DIFF_TARGET_HI;
}

/* MOVS's destination a few bytes from its source (EDI free, ESI in the
 * window): overlapping runs, where copying element by element differs from
 * a block copy. */
static bool string_near_dst(G64 *g)
{
    if (!is_free(g, R_EDI) || chance(g, 2))
        return string_ptr(g, R_EDI);
    uint64_t v = (uint64_t)g->c->init.r64[R_ESI] + rnd(g, 49) - 24;
    if (v < DIFF_BUF_ADDR + DIFF_TARGET_LO || v >= DIFF_BUF_ADDR + DIFF_TARGET_HI)
        return string_ptr(g, R_EDI);
    pin(g, R_EDI, v);
    return true;
}

/* MOVS CMPS STOS LODS SCAS with REX.W, REP and small counts */
static bool gen_string(G64 *g, I64 *i)
{
    static const uint8_t ops[] = { 0xa4, 0xa6, 0xaa, 0xac, 0xae };
    int k = rnd(g, 5), size = pick_size(g, true), w = size != 1;
    bool src = k <= 1 || k == 3, dst = k <= 2 || k == 4, cmp = k == 1 || k == 4;
    if ((src && !string_ptr(g, R_ESI)) ||
        (dst && !(k == 0 ? string_near_dst(g) : string_ptr(g, R_EDI))))
        return false;
    int rep = rnd(g, 3), count = -1;
    if (!cmp && rep == 2)
        rep = 1;
    if (rep) {
        if (is_free(g, R_ECX))
            pin(g, R_ECX, count = rnd(g, 16));
        else if (!is_pinned(g, R_ECX) || g->c->init.r64[R_ECX] > 15)
            return false;
        else if (!g->string_ran)
            count = g->c->init.r64[R_ECX];
    }
    if (k == 3) {
        if (is_pinned(g, R_EAX))
            return false;
        i->writes |= 1;
    }
    if (cmp && (!rep || count > 0))
        i->fdef = F_ALL;
    g->string_ran |= rep != 0;
    if (rep)
        put(i, rep == 1 ? 0xf3 : 0xf2);
    if (size == 2)
        put(i, 0x66);
    if (size == 8 || chance(g, 8))
        put(i, 0x40 | (size == 8 ? 8 : 0));
    put(i, ops[k] + w);
    return true;
}

/* ---- sequences ------------------------------------------------------------ */

static void gen_init(G64 *g)
{
    DiffCase *c = g->c;
    c->mode64 = true;
    for (int r = 0; r < 16; r++)
        c->init.r64[r] = value64(g);
    c->init.eflags = 0x202 | (rng_next(g->rng) & F_ALL) | (chance(g, 4) ? F_DF : 0);
    /* x87 and SSE state stay as the trampolines load them: empty x87, all
     * exceptions masked. */
    uint16_t fcw = 0x037f, ftw = 0xffff;
    memcpy(c->init.fpu, &fcw, 2);
    memcpy(c->init.fpu + 8, &ftw, 2);
    c->init.mxcsr = 0x1f80;
    for (uint32_t k = 0; k < DIFF_BUF_SIZE; k += 8) {
        uint64_t v = rng_next(g->rng);
        if (chance(g, 8))
            v &= 0x00ff00ff00ff00ffull >> rnd(g, 8);
        memcpy(c->mem + k, &v, 8);
    }
    pin(g, R_ESP, DIFF_ESP_PIN);
}

/* Appends i if its effects fit the sequence so far, fixing up a
 * RIP-relative displacement now that its address is known. */
static bool commit(G64 *g, I64 *i)
{
    DiffCase *c = g->c;
    if ((i->writes & g->pinned) || (i->freads & g->undef))
        return false;
    if (c->code_len + i->n > DIFF_MAX_CODE - 4 || c->ninsns == DIFF_MAX_INSNS)
        return false;
    if (i->rip_disp >= 0) {
        uint64_t next = DIFF_CODE_ADDR + c->code_len + i->n;
        uint32_t disp = (uint32_t)(i->rip_target - next);
        memcpy(i->b + i->rip_disp, &disp, 4);
    }
    c->insn_off[c->ninsns++] = c->code_len;
    memcpy(c->code + c->code_len, i->b, i->n);
    c->code_len += i->n;
    g->written |= i->writes;
    g->undef = (g->undef & ~i->fdef) | i->fundef;
    c->undef_after[c->ninsns - 1] = g->undef;
    return true;
}

static void ins_init(I64 *i)
{
    memset(i, 0, sizeof(*i));
    i->rip_disp = -1;
}

static bool gen_one(G64 *g)
{
    I64 i, prep;
    ins_init(&i);
    ins_init(&prep);
    bool ok;
    uint32_t pick = rnd(g, 100);
    if (pick < 18) ok = gen_alu(g, &i);
    else if (pick < 28) ok = gen_test_unary(g, &i);
    else if (pick < 40) ok = chance(g, 6) ? gen_shift_cl0(g, &i, &prep) : gen_shift(g, &i);
    else if (pick < 45) ok = gen_shld(g, &i);
    else if (pick < 55) ok = gen_muldiv(g, &i, &prep);
    else if (pick < 63) ok = gen_bitops(g, &i);
    else if (pick < 71) ok = gen_xchg(g, &i);
    else if (pick < 84) ok = gen_mov(g, &i);
    else if (pick < 93) ok = gen_misc(g, &i);
    else ok = gen_string(g, &i);
    if (!ok)
        return false;
    if (!prep.n)
        return commit(g, &i);
    G64 save = *g;
    DiffCase *c = g->c;
    int len = c->code_len, n = c->ninsns;
    if (!commit(g, &prep))
        return false;
    if (!commit(g, &i)) {
        *g = save;
        c->code_len = len;
        c->ninsns = n;
        return false;
    }
    return true;
}

void diff_gen_case64(Rng *rng, DiffCase *c)
{
    uint64_t index = c->index;
    memset(c, 0, sizeof(*c));
    c->index = index;
    G64 g = { .rng = rng, .c = c };
    gen_init(&g);
    int want = 1 + rng_below(rng, 4);
    for (int tries = 0; tries < 64 && c->ninsns < want; tries++)
        gen_one(&g);
    c->insn_off[c->ninsns] = c->code_len;
    c->flags_undef = g.undef;
}
