/* The case generator: random short sequences of user-level integer and
 * x87 instructions with random operands, deterministic for a seed.
 *
 * Only encodings that mean the same in 64-bit and 32-bit mode are used
 * (no 40-4F, no push/pop/call/ret, no moffs, no ModRM disp32-only form,
 * which is RIP-relative in 64-bit mode, no 0x67).
 *
 * Registers the sequence uses as pointers (memory operand bases and
 * indexes, string pointers, bit offsets, counts) are "pinned": given a
 * chosen initial value and never written by a later instruction, so every
 * memory access stays inside the data buffer on both sides.  Registers
 * already written have unknown values and cannot be pinned.
 *
 * Flags: each instruction says which flags it writes with defined values,
 * which it leaves undefined (per the SDM) and which it reads; a sequence
 * never reads a flag that is undefined at that point, and the final
 * comparison skips flags still undefined at the end.  The same for the x87
 * condition codes C0-C3. */
#include <string.h>

#include "tests/diff/diff.h"
#include "yl/cpu.h"

#include "tests/diff/gen.h"

uint32_t rnd(Gen *g, uint32_t n) { return rng_below(g->rng, n); }
bool chance(Gen *g, uint32_t n) { return rnd(g, n) == 0; }

void put(Ins *i, uint8_t b) { i->b[i->n++] = b; }

void put_imm(Ins *i, uint32_t v, int bytes)
{
    for (int k = 0; k < bytes; k++)
        put(i, v >> (8 * k));
}

static void put_opsize(Ins *i, int size)
{
    if (size == 2)
        put(i, 0x66);
}

void put_modrm(Ins *i, const Opnd *o, int regfield)
{
    if (!o->mem) {
        put(i, 0xc0 | regfield << 3 | o->reg);
        return;
    }
    put(i, o->ea[0] | regfield << 3);
    for (int k = 1; k < o->nea; k++)
        put(i, o->ea[k]);
}

/* The full register a sized register number lives in. */
static int reg_home(int r, int size) { return size == 1 ? (r & 3) : r; }
uint8_t reg_bit(int r, int size) { return 1u << reg_home(r, size); }
static bool is_free(Gen *g, int r) { return !((g->pinned | g->written) >> r & 1); }

static void pin(Gen *g, int r, uint32_t v)
{
    g->pinned |= 1u << r;
    g->c->init.r[r] = v;
}

static uint32_t imm_value(Gen *g)
{
    switch (rnd(g, 6)) {
    case 0: return rnd(g, 4);
    case 1: return -rnd(g, 4);
    case 2: return 0x80000000u >> rnd(g, 32);
    case 3: return 0x7fffffffu;
    default: return (uint32_t)rng_next(g->rng);
    }
}

static uint32_t reg_value(Gen *g)
{
    uint32_t v = imm_value(g);
    if (chance(g, 3))
        v = (v & 0xffff0000u) | (imm_value(g) & 0xffff);
    return v;
}

/* A register the instruction may write (its home not pinned). */
bool pick_wreg(Gen *g, int size, uint8_t *out)
{
    for (int tries = 0; tries < 16; tries++) {
        int r = rnd(g, 8);
        if (!(g->pinned & reg_bit(r, size))) {
            *out = r;
            return true;
        }
    }
    return false;
}

/* Memory operand of `size` bytes inside the target window. */
bool pick_mem(Gen *g, int size, Opnd *o)
{
    return pick_mem_aligned(g, size, 1, o);
}

bool pick_mem_aligned(Gen *g, int size, int align, Opnd *o)
{
    memset(o, 0, sizeof(*o));
    o->mem = true;
    uint32_t off = DIFF_TARGET_LO + rnd(g, DIFF_TARGET_HI - DIFF_TARGET_LO - size);
    off &= ~(uint32_t)(align - 1);
    int64_t target = DIFF_BUF_ADDR + off;
    int form = rnd(g, 5);       /* 0-2: base(+disp); 3: SIB base+index; 4: SIB index only */
    int base = form < 4 ? (int)rnd(g, 8) : -1;
    int index = form >= 3 ? (int)rnd(g, 8) : -1;
    int scale = form >= 3 ? (int)rnd(g, 4) : 0;
    if (index == R_ESP)
        return false;
    if (base >= 0 && index == base)
        return false;
    int64_t idxv = 0;
    if (index >= 0) {
        if (is_free(g, index))
            pin(g, index, rnd(g, 64));
        else if (!(g->pinned >> index & 1))
            return false;
        idxv = (int64_t)g->c->init.r[index] << scale;
    }
    int64_t disp;
    if (base >= 0) {
        if (is_free(g, base)) {
            disp = form == 0 ? 0 : form == 1 ? (int8_t)rnd(g, 256)
                                             : (int32_t)rnd(g, 0x200) - 0x100;
            int64_t bv = target - disp - idxv;
            if (bv < 0 || bv > 0xffffffffll)
                return false;
            pin(g, base, (uint32_t)bv);
        } else if (!(g->pinned >> base & 1)) {
            return false;
        }
        disp = target - idxv - g->c->init.r[base];
    } else {
        disp = target - idxv;
    }
    if (disp < INT32_MIN || disp > INT32_MAX)
        return false;

    int mod;
    if (base < 0)
        mod = 0;
    else if (disp == 0 && base != R_EBP && !chance(g, 8))
        mod = 0;
    else if (disp >= -128 && disp <= 127 && !chance(g, 8))
        mod = 1;
    else
        mod = 2;
    bool sib = index >= 0 || base == R_ESP || base < 0;
    if (sib) {
        o->ea[o->nea++] = mod << 6 | 4;
        o->ea[o->nea++] = scale << 6 | (index >= 0 ? index : 4) << 3 | (base >= 0 ? base : 5);
    } else {
        o->ea[o->nea++] = mod << 6 | base;
    }
    int dbytes = base < 0 ? 4 : mod == 1 ? 1 : mod == 2 ? 4 : 0;
    for (int k = 0; k < dbytes; k++)
        o->ea[o->nea++] = (uint32_t)disp >> (8 * k);
    o->buf_off = off;
    return true;
}

/* An r/m operand; dest: the instruction writes it. */
static bool pick_rm(Gen *g, int size, bool dest, Opnd *o, Ins *i)
{
    if (chance(g, 2))
        return pick_mem(g, size, o) && (!dest || (i->memw = true));
    memset(o, 0, sizeof(*o));
    if (!dest) {
        o->reg = rnd(g, 8);
        return true;
    }
    if (!pick_wreg(g, size, &o->reg))
        return false;
    i->writes |= reg_bit(o->reg, size);
    return true;
}

static int pick_size(Gen *g, bool bytes_ok)
{
    int r = rnd(g, bytes_ok ? 5 : 3);
    return r < 2 ? 4 : r == 2 ? 2 : 1;
}

static int imm_bytes(int size) { return size == 1 ? 1 : size; }

static void maybe_lock(Gen *g, Ins *i, const Opnd *o)
{
    if (o->mem && chance(g, 8))
        put(i, 0xf0);
}

/* ES/CS/SS/DS overrides are no-ops natively and flat in the guest; but a
 * write through CS is #GP in the guest (code is not writable). */
void maybe_segovr(Gen *g, Ins *i, const Opnd *o)
{
    static const uint8_t ovr[] = { 0x26, 0x36, 0x3e, 0x2e };
    if (o->mem && chance(g, 16))
        put(i, ovr[rnd(g, i->memw ? 3 : 4)]);
}

/* ---- integer instruction groups ---------------------------------------- */

/* ADD OR ADC SBB AND SUB XOR CMP in all forms. */
static bool gen_alu(Gen *g, Ins *i)
{
    int k = rnd(g, 8), size = pick_size(g, true), w = size == 1 ? 0 : 1;
    bool logic = k == 1 || k == 4 || k == 6, cmp = k == 7;
    i->fdef = logic ? F_ALL & ~F_AF : F_ALL;
    i->fundef = logic ? F_AF : 0;
    i->freads = (k == 2 || k == 3) ? F_CF : 0;
    Opnd o;
    int form = rnd(g, 4);
    if (form == 0) {            /* r/m, reg */
        if (!pick_rm(g, size, !cmp, &o, i))
            return false;
        if (!cmp)
            maybe_lock(g, i, &o);
        maybe_segovr(g, i, &o);
        put_opsize(i, size);
        put(i, k * 8 + w);
        put_modrm(i, &o, rnd(g, 8));
    } else if (form == 1) {     /* reg, r/m */
        uint8_t r = rnd(g, 8);
        if (!cmp && !pick_wreg(g, size, &r))
            return false;
        if (!cmp)
            i->writes |= reg_bit(r, size);
        if (!pick_rm(g, size, false, &o, i))
            return false;
        maybe_segovr(g, i, &o);
        put_opsize(i, size);
        put(i, k * 8 + 2 + w);
        put_modrm(i, &o, r);
    } else if (form == 2) {     /* AL/eAX, imm */
        if (!cmp)
            i->writes |= 1;
        put_opsize(i, size);
        put(i, k * 8 + 4 + w);
        put_imm(i, imm_value(g), imm_bytes(size));
    } else {                    /* 80/81/83 /k */
        if (!pick_rm(g, size, !cmp, &o, i))
            return false;
        if (!cmp)
            maybe_lock(g, i, &o);
        put_opsize(i, size);
        bool sx = size != 1 && chance(g, 2);
        put(i, size == 1 ? 0x80 : sx ? 0x83 : 0x81);
        put_modrm(i, &o, k);
        put_imm(i, imm_value(g), sx ? 1 : imm_bytes(size));
    }
    return true;
}

static bool gen_test(Gen *g, Ins *i)
{
    int size = pick_size(g, true), w = size != 1;
    i->fdef = F_ALL & ~F_AF;
    i->fundef = F_AF;
    Opnd o;
    if (!pick_rm(g, size, false, &o, i))
        return false;
    put_opsize(i, size);
    switch (rnd(g, 3)) {
    case 0:
        put(i, 0x84 + w);
        put_modrm(i, &o, rnd(g, 8));
        break;
    case 1:
        put(i, 0xa8 + w);
        put_imm(i, imm_value(g), imm_bytes(size));
        break;
    default:
        put(i, 0xf6 + w);
        put_modrm(i, &o, 0);
        put_imm(i, imm_value(g), imm_bytes(size));
        break;
    }
    return true;
}

/* INC DEC NEG NOT */
static bool gen_unary(Gen *g, Ins *i)
{
    int size = pick_size(g, true), w = size != 1, k = rnd(g, 4);
    Opnd o;
    if (!pick_rm(g, size, true, &o, i))
        return false;
    maybe_lock(g, i, &o);
    put_opsize(i, size);
    if (k < 2) {
        i->fdef = F_ALL & ~F_CF;
        put(i, 0xfe + w);
        put_modrm(i, &o, k);
    } else {
        i->fdef = k == 3 ? F_ALL : 0;
        put(i, 0xf6 + w);
        put_modrm(i, &o, k);
    }
    return true;
}

/* Shifts and rotates by 1, imm8 and CL. */
static bool gen_shift(Gen *g, Ins *i)
{
    static const uint8_t kinds[] = { 0, 1, 2, 3, 4, 5, 7 };
    int size = pick_size(g, true), w = size != 1, bits = size * 8;
    int k = kinds[rnd(g, 7)];
    bool rot = k < 4, shlr = k == 4 || k == 5;
    Opnd o;
    if (!pick_rm(g, size, true, &o, i))
        return false;
    if (k == 2 || k == 3)
        i->freads = F_CF;
    int how = rnd(g, 3);        /* 0: by 1, 1: imm8, 2: CL */
    put_opsize(i, size);
    int count = -1;
    if (how == 0) {
        put(i, 0xd0 + w);
        count = 1;
    } else if (how == 1) {
        put(i, 0xc0 + w);
        count = chance(g, 4) ? (int)rnd(g, 256) : (int)rnd(g, bits + 2);
    } else {
        put(i, 0xd2 + w);
    }
    put_modrm(i, &o, k);
    if (how == 1)
        put(i, count);
    if (count >= 0) {
        int c = count & 31;
        if (c == 0)
            return true;
        if (rot) {
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
    } else {
        /* Unknown count, maybe 0 (flags kept): only what may become
         * undefined changes state. */
        i->fundef = F_OF | (rot ? 0 : F_AF) | (shlr && size < 4 ? F_CF : 0);
    }
    return true;
}

/* A shift or rotate after AND CL, 0xE0: by CL, its masked count is 0,
 * which keeps the flags of the AND (the JIT tests the count at run
 * time; both of its paths must leave what the interpreter leaves). */
static bool gen_shift_cl0(Gen *g, Ins *i, Ins *prep)
{
    if (g->pinned >> R_ECX & 1)
        return gen_shift(g, i);
    put(prep, 0x80);            /* and cl, 0xe0 */
    put(prep, 0xe1);
    put(prep, 0xe0);
    prep->writes = 1u << R_ECX;
    prep->fdef = F_ALL & ~F_AF;
    prep->fundef = F_AF;
    return gen_shift(g, i);
}

/* SHLD/SHRD by imm8 or CL.  16-bit counts above 16 give undefined results,
 * so those stay out. */
static bool gen_shld(Gen *g, Ins *i, Ins *prep)
{
    int size = chance(g, 3) ? 2 : 4, bits = size * 8;
    bool cl = chance(g, 2);
    Opnd o;
    uint8_t src = rnd(g, 8);
    if (!pick_rm(g, size, true, &o, i))
        return false;
    int count = -1;
    if (cl && size == 2) {
        if (g->pinned >> R_ECX & 1) {
            if ((g->c->init.r[R_ECX] & 31) > 16)
                return false;
            /* A REP may have counted ECX down (to a value no larger). */
            count = g->string_ran ? -1 : (int)(g->c->init.r[R_ECX] & 31);
        } else if (!(g->written >> R_ECX & 1) && chance(g, 2)) {
            count = rnd(g, 17);
            pin(g, R_ECX, (reg_value(g) & ~31u) | count);
        } else {
            put(prep, 0x80);    /* and cl, 0x0f */
            put(prep, 0xe1);
            put(prep, 0x0f);
            prep->writes = 1u << R_ECX;
            prep->fdef = F_ALL & ~F_AF;
            prep->fundef = F_AF;
        }
    }
    put_opsize(i, size);
    put(i, 0x0f);
    int shrd = rnd(g, 2);
    if (cl) {
        put(i, shrd ? 0xad : 0xa5);
        put_modrm(i, &o, src);
    } else {
        count = size == 2 ? (int)rnd(g, 17) : (int)rnd(g, 34);
        if (chance(g, 8) && size == 4)
            count |= 0x20 << rnd(g, 3);
        put(i, shrd ? 0xac : 0xa4);
        put_modrm(i, &o, src);
        put(i, count);
    }
    if (count >= 0 && (count & 31) == 0)
        return true;
    if (count >= 0) {
        int c = count & 31;
        i->fdef = F_CF | F_SF | F_ZF | F_PF | (c == 1 ? F_OF : 0);
        i->fundef = F_AF | (c == 1 ? 0 : F_OF);
        if (c > bits) {
            i->fdef &= ~F_CF;
            i->fundef |= F_CF;
        }
    } else {
        i->fundef = F_AF | F_OF;
    }
    return true;
}

/* MUL IMUL DIV IDIV (F6/F7), IMUL r, r/m (0F AF), IMUL r, r/m, imm. */
static bool gen_muldiv(Gen *g, Ins *i, Ins *prep)
{
    int size = pick_size(g, true), w = size != 1;
    int k = 4 + rnd(g, 4);
    Opnd o;
    int form = rnd(g, 5);
    if (form >= 3) {            /* 2- and 3-operand IMUL */
        if (size == 1)
            size = 4;
        uint8_t r;
        if (!pick_wreg(g, size, &r) || !pick_rm(g, size, false, &o, i))
            return false;
        i->writes |= reg_bit(r, size);
        i->fdef = F_CF | F_OF;
        i->fundef = F_SF | F_ZF | F_AF | F_PF;
        put_opsize(i, size);
        if (form == 3) {
            put(i, 0x0f);
            put(i, 0xaf);
            put_modrm(i, &o, r);
        } else if (chance(g, 2)) {
            put(i, 0x6b);
            put_modrm(i, &o, r);
            put(i, imm_value(g));
        } else {
            put(i, 0x69);
            put_modrm(i, &o, r);
            put_imm(i, imm_value(g), size);
        }
        return true;
    }
    if (!pick_rm(g, size, false, &o, i))
        return false;
    i->writes = size == 1 ? 1 : (1u << R_EAX | 1u << R_EDX);
    if (k < 6) {
        i->fdef = F_CF | F_OF;
        i->fundef = F_SF | F_ZF | F_AF | F_PF;
    } else {
        i->fundef = F_ALL;
        /* Mostly divide a zero- or sign-extended dividend, so most cases
         * complete; the others check that both sides fault alike. */
        if (!chance(g, 4)) {
            bool sign = k == 7;
            if (size == 1) {
                if (sign)
                    put(prep, 0x66), put(prep, 0x98);           /* cbw */
                else
                    put(prep, 0x30), put(prep, 0xe4);           /* xor ah, ah */
                prep->writes = 1;
            } else {
                put_opsize(prep, size);
                if (sign)
                    put(prep, 0x99);                            /* cwd/cdq */
                else
                    put(prep, 0x31), put(prep, 0xd2);           /* xor edx, edx */
                prep->writes = 1u << R_EDX | (sign ? 0 : 0);
                if (!sign) {
                    prep->fdef = F_ALL & ~F_AF;
                    prep->fundef = F_AF;
                }
            }
            if (size == 1 && !sign) {
                prep->fdef = F_ALL & ~F_AF;
                prep->fundef = F_AF;
            }
        }
    }
    maybe_segovr(g, i, &o);
    put_opsize(i, size);
    put(i, 0xf6 + w);
    put_modrm(i, &o, k);
    return true;
}

/* BT BTS BTR BTC with a register offset (kept small for memory operands)
 * or imm8; BSF BSR. */
static bool gen_bitops(Gen *g, Ins *i)
{
    int size = chance(g, 3) ? 2 : 4, k = rnd(g, 4);
    Opnd o;
    if (chance(g, 4)) {         /* BSF/BSR */
        uint8_t r;
        if (!pick_wreg(g, size, &r) || !pick_rm(g, size, false, &o, i))
            return false;
        i->writes |= reg_bit(r, size);
        i->fdef = F_ZF;
        i->fundef = F_ALL & ~F_ZF;
        put_opsize(i, size);
        put(i, 0x0f);
        put(i, chance(g, 2) ? 0xbc : 0xbd);
        put_modrm(i, &o, r);
        return true;
    }
    if (!pick_rm(g, size, k != 0, &o, i))
        return false;
    i->fdef = F_CF;
    i->fundef = F_OF | F_SF | F_AF | F_PF;
    if (k != 0)
        maybe_lock(g, i, &o);
    if (chance(g, 2)) {
        put_opsize(i, size);
        put(i, 0x0f);
        put(i, 0xba);
        put_modrm(i, &o, 4 + k);
        put(i, rng_next(g->rng));
        return true;
    }
    uint8_t r = rnd(g, 8);
    if (o.mem) {
        /* The offset register addresses memory: pinned and small. */
        if (is_free(g, r))
            pin(g, r, (uint32_t)((int32_t)rnd(g, 1024) - 512));
        else if (!(g->pinned >> r & 1))
            return false;
        int32_t v = size == 2 ? (int16_t)g->c->init.r[r] : (int32_t)g->c->init.r[r];
        if (v < -1024 || v > 1024)
            return false;
    }
    put_opsize(i, size);
    put(i, 0x0f);
    put(i, 0xa3 + 8 * k);
    put_modrm(i, &o, r);
    return true;
}

/* XADD CMPXCHG CMPXCHG8B XCHG */
static bool gen_xchg(Gen *g, Ins *i)
{
    int size = pick_size(g, true), w = size != 1, k = rnd(g, 5);
    Opnd o;
    if (k == 4) {
        if (!pick_mem(g, 8, &o))
            return false;
        i->memw = true;
        i->writes = 1u << R_EAX | 1u << R_EDX;
        i->fdef = F_ZF;
        maybe_lock(g, i, &o);
        put(i, 0x0f);
        put(i, 0xc7);
        put_modrm(i, &o, 1);
        return true;
    }
    uint8_t r;
    if (!pick_rm(g, size, true, &o, i))
        return false;
    if (k != 1 || chance(g, 2)) {
        if (!pick_wreg(g, size, &r))
            return false;
        if (k != 1)
            i->writes |= reg_bit(r, size);
    } else {
        r = rnd(g, 8);
    }
    if (k < 3)
        maybe_lock(g, i, &o);
    put_opsize(i, size);
    if (k == 0) {               /* XADD */
        i->fdef = F_ALL;
        put(i, 0x0f);
        put(i, 0xc0 + w);
    } else if (k == 1) {        /* CMPXCHG */
        i->fdef = F_ALL;
        i->writes |= 1u << R_EAX;
        put(i, 0x0f);
        put(i, 0xb0 + w);
    } else if (k == 2 || o.mem || size == 1) {
        put(i, 0x86 + w);
    } else {                    /* 90+r: xchg eAX, r */
        i->writes |= 1;
        i->b[i->n++] = 0x90 + r;
        return true;
    }
    put_modrm(i, &o, r);
    return true;
}

/* MOV, MOVZX, MOVSX, LEA, BSWAP, CBW..CDQ, CMOVcc, SETcc */
static const uint32_t cond_reads[8] = {
    F_OF, F_CF, F_ZF, F_CF | F_ZF, F_SF, F_PF, F_SF | F_OF, F_ZF | F_SF | F_OF,
};

static bool gen_datamov(Gen *g, Ins *i)
{
    int size = pick_size(g, true), w = size != 1;
    Opnd o;
    uint8_t r;
    switch (rnd(g, 9)) {
    case 0:                     /* MOV r/m, r and r, r/m */
        if (chance(g, 2)) {
            if (!pick_rm(g, size, true, &o, i))
                return false;
            put_opsize(i, size);
            put(i, 0x88 + w);
            put_modrm(i, &o, rnd(g, 8));
        } else {
            if (!pick_wreg(g, size, &r) || !pick_rm(g, size, false, &o, i))
                return false;
            i->writes |= reg_bit(r, size);
            put_opsize(i, size);
            put(i, 0x8a + w);
            put_modrm(i, &o, r);
        }
        return true;
    case 1:                     /* MOV r, imm; MOV r/m, imm */
        if (chance(g, 2)) {
            if (!pick_wreg(g, size, &r))
                return false;
            i->writes |= reg_bit(r, size);
            put_opsize(i, size);
            put(i, (size == 1 ? 0xb0 : 0xb8) + r);
        } else {
            if (!pick_rm(g, size, true, &o, i))
                return false;
            put_opsize(i, size);
            put(i, 0xc6 + w);
            put_modrm(i, &o, 0);
        }
        put_imm(i, imm_value(g), imm_bytes(size));
        return true;
    case 2: {                   /* MOVZX/MOVSX */
        int dsize = chance(g, 3) ? 2 : 4, ssize = dsize == 2 ? 1 : 1 + rnd(g, 2);
        if (!pick_wreg(g, dsize, &r) || !pick_rm(g, ssize, false, &o, i))
            return false;
        i->writes |= reg_bit(r, dsize);
        put_opsize(i, dsize);
        put(i, 0x0f);
        put(i, (chance(g, 2) ? 0xb6 : 0xbe) + (ssize == 2));
        put_modrm(i, &o, r);
        return true;
    }
    case 3: {                   /* LEA with any registers: no access */
        if (size == 1)
            size = 4;
        if (!pick_wreg(g, size, &r))
            return false;
        i->writes |= reg_bit(r, size);
        put_opsize(i, size);
        put(i, 0x8d);
        int mod = rnd(g, 3), rm = rnd(g, 8);
        if (mod == 0 && rm == 5)
            mod = 1;
        put(i, mod << 6 | r << 3 | rm);
        if (rm == 4) {
            uint8_t sib = rnd(g, 256);
            if (mod == 0 && (sib & 7) == 5)
                sib &= ~1;      /* no disp32-only base */
            put(i, sib);
        }
        put_imm(i, (uint32_t)rng_next(g->rng), mod == 1 ? 1 : mod == 2 ? 4 : 0);
        return true;
    }
    case 4:                     /* BSWAP r32 */
        if (!pick_wreg(g, 4, &r))
            return false;
        i->writes |= 1u << r;
        put(i, 0x0f);
        put(i, 0xc8 + r);
        return true;
    case 5:                     /* CBW CWDE CWD CDQ */
        size = chance(g, 2) ? 2 : 4;
        put_opsize(i, size);
        if (chance(g, 2)) {
            i->writes = 1;
            put(i, 0x98);
        } else {
            i->writes = 1u << R_EDX;
            put(i, 0x99);
        }
        return true;
    case 6: {                   /* CMOVcc */
        int cc = rnd(g, 16);
        if (size == 1)
            size = 4;
        if (!pick_wreg(g, size, &r) || !pick_rm(g, size, false, &o, i))
            return false;
        i->writes |= reg_bit(r, size);
        i->freads = cond_reads[cc >> 1];
        put_opsize(i, size);
        put(i, 0x0f);
        put(i, 0x40 + cc);
        put_modrm(i, &o, r);
        return true;
    }
    case 7: {                   /* SETcc */
        int cc = rnd(g, 16);
        if (!pick_rm(g, 1, true, &o, i))
            return false;
        i->freads = cond_reads[cc >> 1];
        put(i, 0x0f);
        put(i, 0x90 + cc);
        put_modrm(i, &o, 0);
        return true;
    }
    default:                    /* NOPs */
        if (chance(g, 2)) {
            put(i, 0x90);
        } else {
            Opnd m;
            if (!pick_rm(g, 4, false, &m, i))
                return false;
            put_opsize(i, size == 2 ? 2 : 4);
            put(i, 0x0f);
            put(i, 0x1f);
            put_modrm(i, &m, 0);
        }
        return true;
    }
}

/* LAHF SAHF CMC CLC STC CLD STD */
static bool gen_flagops(Gen *g, Ins *i)
{
    switch (rnd(g, 7)) {
    case 0:
        if (g->pinned & 1)
            return false;
        i->writes = 1;
        i->freads = F_SF | F_ZF | F_AF | F_PF | F_CF;
        put(i, 0x9f);
        break;
    case 1:
        i->fdef = F_SF | F_ZF | F_AF | F_PF | F_CF;
        put(i, 0x9e);
        break;
    case 2: i->freads = i->fdef = F_CF; put(i, 0xf5); break;
    case 3: i->fdef = F_CF; put(i, 0xf8); break;
    case 4: i->fdef = F_CF; put(i, 0xf9); break;
    case 5: put(i, 0xfc); break;
    default: put(i, 0xfd); break;
    }
    return true;
}

/* Makes r hold a pointer into the target window, pinning it if free. */
static bool string_ptr(Gen *g, int r)
{
    if (is_free(g, r)) {
        pin(g, r, DIFF_BUF_ADDR + DIFF_TARGET_LO + rnd(g, DIFF_TARGET_HI - DIFF_TARGET_LO));
        return true;
    }
    uint32_t v = g->c->init.r[r];
    return (g->pinned >> r & 1) && v >= DIFF_BUF_ADDR + DIFF_TARGET_LO &&
           v < DIFF_BUF_ADDR + DIFF_TARGET_HI;
}

/* MOVS's destination a few bytes from its source (EDI free, ESI in the
 * window): overlapping runs, where copying element by element differs from
 * a block copy. */
static bool string_near_dst(Gen *g)
{
    if (!is_free(g, R_EDI) || chance(g, 2))
        return string_ptr(g, R_EDI);
    uint64_t v = (uint64_t)g->c->init.r[R_ESI] + rnd(g, 49) - 24;
    if (v < DIFF_BUF_ADDR + DIFF_TARGET_LO || v >= DIFF_BUF_ADDR + DIFF_TARGET_HI)
        return string_ptr(g, R_EDI);
    pin(g, R_EDI, v);
    return true;
}

/* MOVS CMPS STOS LODS SCAS, with REP/REPE/REPNE and small counts. */
static bool gen_string(Gen *g, Ins *i)
{
    static const uint8_t ops[] = { 0xa4, 0xa6, 0xaa, 0xac, 0xae };
    int k = rnd(g, 5), size = pick_size(g, true), w = size != 1;
    bool src = k <= 1 || k == 3, dst = k <= 2 || k == 4, cmp = k == 1 || k == 4;
    if ((src && !string_ptr(g, R_ESI)) ||
        (dst && !(k == 0 ? string_near_dst(g) : string_ptr(g, R_EDI))))
        return false;
    int rep = rnd(g, 3);        /* 0: none, 1: F3, 2: F2 */
    if (!cmp && rep == 2)
        rep = 1;
    int count = -1;
    if (rep) {
        if (is_free(g, R_ECX))
            pin(g, R_ECX, count = rnd(g, 16));
        else if (!(g->pinned >> R_ECX & 1) || g->c->init.r[R_ECX] > 15)
            return false;
        else if (!g->string_ran)    /* else earlier REPs counted it down */
            count = g->c->init.r[R_ECX];
    }
    if (k == 3)
        i->writes |= 1;
    /* REP with a zero count leaves the flags alone. */
    if (cmp && (!rep || count > 0))
        i->fdef = F_ALL;
    g->string_ran |= rep != 0;
    g->ptrs_moved = true;
    i->memw = k == 0 || k == 2;
    if (rep)
        put(i, rep == 1 ? 0xf3 : 0xf2);
    put_opsize(i, size);
    put(i, ops[k] + w);
    return true;
}

/* ---- x87 ------------------------------------------------------------------- */

enum { X_ARITH, X_CMP, X_LOAD, X_TRANS, X_TRANS2, X_FREE, X_NOP, X_CLEX,
       X_INIT, X_COMI, X_FCMOV, X_STSW };

static void x87_effects(Ins *i, int kind)
{
    i->x87 = true;
    switch (kind) {
    case X_ARITH: case X_LOAD:
        i->cdef = C1;
        i->cundef = C0 | C2 | C3;
        break;
    case X_CMP:
        i->cdef = C_ALL;
        break;
    case X_TRANS:               /* FSIN FCOS FPTAN FSINCOS: C2 defined */
        i->cdef = C2;
        i->cundef = C0 | C1 | C3;
        i->trans = true;
        break;
    case X_TRANS2:              /* F2XM1 FYL2X FYL2XP1 FPATAN */
        i->cundef = C_ALL;
        i->trans = true;
        break;
    case X_FREE: case X_NOP: case X_CLEX:
        i->cundef = C_ALL;
        break;
    case X_INIT:
        i->cdef = C_ALL;
        break;
    case X_COMI:
        i->cdef = C1;
        i->fdef = F_ALL;
        break;
    case X_FCMOV:
        i->cdef = C1;
        i->cundef = C0 | C2 | C3;
        i->freads = F_CF | F_ZF | F_PF;
        break;
    case X_STSW:
        i->creads = C_ALL;
        break;
    }
}

typedef struct X87Reg {
    uint8_t op, modrm;      /* modrm: base; +i when sti */
    bool sti;
    uint8_t kind;
} X87Reg;

static const X87Reg x87_regs[] = {
    { 0xd8, 0xc0, 1, X_ARITH }, { 0xd8, 0xc8, 1, X_ARITH }, { 0xd8, 0xd0, 1, X_CMP },
    { 0xd8, 0xd8, 1, X_CMP }, { 0xd8, 0xe0, 1, X_ARITH }, { 0xd8, 0xe8, 1, X_ARITH },
    { 0xd8, 0xf0, 1, X_ARITH }, { 0xd8, 0xf8, 1, X_ARITH },
    { 0xd9, 0xc0, 1, X_LOAD }, { 0xd9, 0xc8, 1, X_LOAD }, { 0xd9, 0xd0, 0, X_NOP },
    { 0xd9, 0xe0, 0, X_LOAD }, { 0xd9, 0xe1, 0, X_LOAD }, { 0xd9, 0xe4, 0, X_CMP },
    { 0xd9, 0xe5, 0, X_CMP }, { 0xd9, 0xe8, 0, X_LOAD }, { 0xd9, 0xe9, 0, X_LOAD },
    { 0xd9, 0xea, 0, X_LOAD }, { 0xd9, 0xeb, 0, X_LOAD }, { 0xd9, 0xec, 0, X_LOAD },
    { 0xd9, 0xed, 0, X_LOAD }, { 0xd9, 0xee, 0, X_LOAD },
    { 0xd9, 0xf0, 0, X_TRANS2 }, { 0xd9, 0xf1, 0, X_TRANS2 }, { 0xd9, 0xf2, 0, X_TRANS },
    { 0xd9, 0xf3, 0, X_TRANS2 }, { 0xd9, 0xf4, 0, X_ARITH }, { 0xd9, 0xf5, 0, X_CMP },
    { 0xd9, 0xf6, 0, X_LOAD }, { 0xd9, 0xf7, 0, X_LOAD }, { 0xd9, 0xf8, 0, X_CMP },
    { 0xd9, 0xf9, 0, X_TRANS2 }, { 0xd9, 0xfa, 0, X_ARITH }, { 0xd9, 0xfb, 0, X_TRANS },
    { 0xd9, 0xfc, 0, X_ARITH }, { 0xd9, 0xfd, 0, X_ARITH }, { 0xd9, 0xfe, 0, X_TRANS },
    { 0xd9, 0xff, 0, X_TRANS },
    { 0xda, 0xc0, 1, X_FCMOV }, { 0xda, 0xc8, 1, X_FCMOV }, { 0xda, 0xd0, 1, X_FCMOV },
    { 0xda, 0xd8, 1, X_FCMOV }, { 0xda, 0xe9, 0, X_CMP },
    { 0xdb, 0xc0, 1, X_FCMOV }, { 0xdb, 0xc8, 1, X_FCMOV }, { 0xdb, 0xd0, 1, X_FCMOV },
    { 0xdb, 0xd8, 1, X_FCMOV }, { 0xdb, 0xe2, 0, X_CLEX }, { 0xdb, 0xe3, 0, X_INIT },
    { 0xdb, 0xe8, 1, X_COMI }, { 0xdb, 0xf0, 1, X_COMI },
    { 0xdc, 0xc0, 1, X_ARITH }, { 0xdc, 0xc8, 1, X_ARITH }, { 0xdc, 0xe0, 1, X_ARITH },
    { 0xdc, 0xe8, 1, X_ARITH }, { 0xdc, 0xf0, 1, X_ARITH }, { 0xdc, 0xf8, 1, X_ARITH },
    { 0xdd, 0xc0, 1, X_FREE }, { 0xdd, 0xd0, 1, X_LOAD }, { 0xdd, 0xd8, 1, X_LOAD },
    { 0xdd, 0xe0, 1, X_CMP }, { 0xdd, 0xe8, 1, X_CMP },
    { 0xde, 0xc0, 1, X_ARITH }, { 0xde, 0xc8, 1, X_ARITH }, { 0xde, 0xd9, 0, X_CMP },
    { 0xde, 0xe0, 1, X_ARITH }, { 0xde, 0xe8, 1, X_ARITH }, { 0xde, 0xf0, 1, X_ARITH },
    { 0xde, 0xf8, 1, X_ARITH },
    { 0xdf, 0xe0, 0, X_STSW }, { 0xdf, 0xe8, 1, X_COMI }, { 0xdf, 0xf0, 1, X_COMI },
};

/* Memory forms: opcode, /reg, operand bytes, kind, stores to memory. */
typedef struct X87Mem {
    uint8_t op, reg, size, kind;
    bool store;
    uint8_t poke;           /* 1: a control word, 2: packed BCD */
} X87Mem;

static const X87Mem x87_mems[] = {
    { 0xd8, 0, 4, X_ARITH }, { 0xd8, 1, 4, X_ARITH }, { 0xd8, 2, 4, X_CMP },
    { 0xd8, 3, 4, X_CMP }, { 0xd8, 4, 4, X_ARITH }, { 0xd8, 5, 4, X_ARITH },
    { 0xd8, 6, 4, X_ARITH }, { 0xd8, 7, 4, X_ARITH },
    { 0xd9, 0, 4, X_LOAD }, { 0xd9, 2, 4, X_LOAD, 1 }, { 0xd9, 3, 4, X_LOAD, 1 },
    { 0xd9, 5, 2, X_NOP, 0, 1 }, { 0xd9, 7, 2, X_NOP, 1 },
    { 0xda, 0, 4, X_ARITH }, { 0xda, 1, 4, X_ARITH }, { 0xda, 2, 4, X_CMP },
    { 0xda, 3, 4, X_CMP }, { 0xda, 4, 4, X_ARITH }, { 0xda, 5, 4, X_ARITH },
    { 0xda, 6, 4, X_ARITH }, { 0xda, 7, 4, X_ARITH },
    { 0xdb, 0, 4, X_LOAD }, { 0xdb, 1, 4, X_LOAD, 1 }, { 0xdb, 2, 4, X_LOAD, 1 },
    { 0xdb, 3, 4, X_LOAD, 1 },
    { 0xdb, 5, 10, X_LOAD }, { 0xdb, 7, 10, X_LOAD, 1 },
    { 0xdc, 0, 8, X_ARITH }, { 0xdc, 1, 8, X_ARITH }, { 0xdc, 2, 8, X_CMP },
    { 0xdc, 3, 8, X_CMP }, { 0xdc, 4, 8, X_ARITH }, { 0xdc, 5, 8, X_ARITH },
    { 0xdc, 6, 8, X_ARITH }, { 0xdc, 7, 8, X_ARITH },
    { 0xdd, 0, 8, X_LOAD }, { 0xdd, 1, 8, X_LOAD, 1 }, { 0xdd, 2, 8, X_LOAD, 1 },
    { 0xdd, 3, 8, X_LOAD, 1 },
    { 0xdd, 7, 2, X_STSW, 1 },
    { 0xde, 0, 2, X_ARITH }, { 0xde, 1, 2, X_ARITH }, { 0xde, 2, 2, X_CMP },
    { 0xde, 3, 2, X_CMP }, { 0xde, 4, 2, X_ARITH }, { 0xde, 5, 2, X_ARITH },
    { 0xde, 6, 2, X_ARITH }, { 0xde, 7, 2, X_ARITH },
    { 0xdf, 0, 2, X_LOAD }, { 0xdf, 1, 2, X_LOAD, 1 }, { 0xdf, 2, 2, X_LOAD, 1 },
    { 0xdf, 3, 2, X_LOAD, 1 },
    { 0xdf, 4, 10, X_LOAD, 0, 2 }, { 0xdf, 5, 8, X_LOAD }, { 0xdf, 6, 10, X_LOAD, 1 },
    { 0xdf, 7, 8, X_LOAD, 1 },
};

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

/* A control word with every exception masked: an unmasked one would trap
 * differently natively (SIGFPE) and in the guest (#MF/FERR). */
static uint16_t gen_fcw(Gen *g)
{
    static const uint8_t pcs[] = { 3, 3, 3, 2, 0 };
    return (uint16_t)(0x007f | pcs[rnd(g, 5)] << 8 | (chance(g, 2) ? 0 : rnd(g, 4)) << 10);
}

static void poke(Gen *g, const Opnd *o, int what)
{
    uint8_t *p = g->c->mem + o->buf_off;
    if (what == 1) {
        uint16_t cw = gen_fcw(g);
        memcpy(p, &cw, 2);
        return;
    }
    for (int k = 0; k < 9; k++)
        p[k] = rnd(g, 10) | rnd(g, 10) << 4;
    p[9] = chance(g, 2) ? 0x80 : 0;
}

static bool gen_x87(Gen *g, Ins *i)
{
    if (g->fp_done)
        return false;
    if (chance(g, 3)) {
        const X87Mem *x = &x87_mems[rnd(g, NELEM(x87_mems))];
        /* The poked bytes must still be there, where the pinned registers
         * say. */
        if (x->poke && (g->mem_written || g->ptrs_moved))
            return false;
        Opnd o;
        if (!pick_mem(g, x->size, &o))
            return false;
        if (x->poke)
            poke(g, &o, x->poke);
        x87_effects(i, x->kind);
        i->memw = x->store;
        maybe_segovr(g, i, &o);
        put(i, x->op);
        put_modrm(i, &o, x->reg);
        return true;
    }
    if (chance(g, 32)) {
        put(i, 0x9b);           /* FWAIT: nothing pending, all masked */
        i->x87 = true;
        return true;
    }
    const X87Reg *x = &x87_regs[rnd(g, NELEM(x87_regs))];
    x87_effects(i, x->kind);
    if (x->kind == X_STSW) {
        if (g->pinned & 1)
            return false;
        i->writes = 1;
    }
    put(i, x->op);
    put(i, x->modrm + (x->sti ? rnd(g, 8) : 0));
    return true;
}

/* ---- initial state --------------------------------------------------------- */

static void gen_fpreg(Gen *g, uint8_t *out)
{
    uint64_t mant = rng_next(g->rng);
    uint16_t exp;
    switch (rnd(g, 16)) {
    case 0: mant = 0; exp = 0; break;
    case 1: mant = 1ull << 63; exp = 0x7fff; break;
    case 2: mant |= 3ull << 62; exp = 0x7fff; break;                /* QNaN */
    case 3: mant = (mant & ~(1ull << 62)) | 1ull << 63 | 1; exp = 0x7fff; break; /* SNaN */
    case 4: mant &= ~(1ull << 63); exp = 0; break;                  /* denormal */
    case 5: mant &= ~(1ull << 63); exp = 1 + rnd(g, 0x7ffe); break; /* unnormal */
    case 6: case 7: {           /* small integer */
        long double v = (int)rnd(g, 2001) - 1000;
        memcpy(out, &v, 10);
        return;
    }
    case 8: case 9: {           /* a double, exact in every precision */
        long double v = (long double)(int32_t)rng_next(g->rng) / (1 << rnd(g, 24));
        memcpy(out, &v, 10);
        return;
    }
    case 10: exp = chance(g, 2) ? 1 + rnd(g, 64) : 0x7ffe - rnd(g, 64);
        mant |= 1ull << 63; break;
    default: exp = 0x3fff - 70 + rnd(g, 140); mant |= 1ull << 63; break;
    }
    exp |= chance(g, 2) ? 0x8000 : 0;
    memcpy(out, &mant, 8);
    memcpy(out + 8, &exp, 2);
}

static int fp_tag(const uint8_t *v)
{
    uint64_t mant;
    uint16_t exp;
    memcpy(&mant, v, 8);
    memcpy(&exp, v + 8, 2);
    exp &= 0x7fff;
    if (exp == 0)
        return mant == 0 ? 1 : 2;
    if (exp == 0x7fff || !(mant >> 63))
        return 2;
    return 0;
}

static void gen_fpu(Gen *g, uint8_t *img)
{
    memset(img, 0, 108);
    int top = rnd(g, 8), depth = rnd(g, 9);
    uint16_t fcw = gen_fcw(g);
    uint16_t fsw = top << 11 | (chance(g, 4) ? rnd(g, 64) : 0);
    uint16_t ftw = 0;
    for (int i = 0; i < 8; i++) {
        uint8_t *v = img + FPU_ST0 + 10 * i;
        gen_fpreg(g, v);
        int tag = i < depth ? fp_tag(v) : 3;
        ftw |= tag << (2 * ((top + i) & 7));
    }
    memcpy(img + FPU_FCW, &fcw, 2);
    memcpy(img + FPU_FSW, &fsw, 2);
    memcpy(img + FPU_FTW, &ftw, 2);
}

static void gen_init(Gen *g)
{
    DiffCase *c = g->c;
    for (int r = 0; r < 8; r++)
        c->init.r[r] = reg_value(g);
    c->init.eflags = 0x202 | (rng_next(g->rng) & F_ALL) | (chance(g, 4) ? F_DF : 0);
    gen_fpu(g, c->init.fpu);
    gen_sse_init(g);
    for (uint32_t k = 0; k < DIFF_BUF_SIZE; k += 8) {
        uint64_t v = rng_next(g->rng);
        if (chance(g, 8))
            v &= 0x00ff00ff00ff00ffull >> rnd(g, 8);
        memcpy(c->mem + k, &v, 8);
    }
    pin(g, R_ESP, DIFF_ESP_PIN);
}

/* ---- sequences ----------------------------------------------------------- */

/* Appends i if its effects fit the sequence so far. */
static bool commit(Gen *g, const Ins *i)
{
    DiffCase *c = g->c;
    if ((i->writes & g->pinned) || (i->freads & g->undef) || (i->creads & g->cundef))
        return false;
    if (c->code_len + i->n > DIFF_MAX_CODE - 4 || c->ninsns == DIFF_MAX_INSNS)
        return false;
    if (i->x87 && g->fp_done)
        return false;
    c->insn_off[c->ninsns++] = c->code_len;
    memcpy(c->code + c->code_len, i->b, i->n);
    c->code_len += i->n;
    g->written |= i->writes;
    g->undef = (g->undef & ~i->fdef) | i->fundef;
    g->cundef = (g->cundef & ~i->cdef) | i->cundef;
    g->mem_written |= i->memw;
    c->undef_after[c->ninsns - 1] = g->undef;
    c->cundef_after[c->ninsns - 1] = g->cundef;
    if (i->trans) {
        g->fp_done = true;
        c->fp_inexact = true;
    }
    return true;
}

static bool gen_one(Gen *g)
{
    Ins i, prep;
    memset(&i, 0, sizeof(i));
    memset(&prep, 0, sizeof(prep));
    bool ok;
    uint32_t pick = rnd(g, 125);
    if (pick < 16) ok = gen_alu(g, &i);
    else if (pick < 20) ok = gen_test(g, &i);
    else if (pick < 26) ok = gen_unary(g, &i);
    else if (pick < 36) ok = chance(g, 6) ? gen_shift_cl0(g, &i, &prep) : gen_shift(g, &i);
    else if (pick < 41) ok = gen_shld(g, &i, &prep);
    else if (pick < 49) ok = gen_muldiv(g, &i, &prep);
    else if (pick < 55) ok = gen_bitops(g, &i);
    else if (pick < 60) ok = gen_xchg(g, &i);
    else if (pick < 68) ok = gen_datamov(g, &i);
    else if (pick < 71) ok = gen_flagops(g, &i);
    else if (pick < 76) ok = gen_string(g, &i);
    else if (pick < 100) ok = gen_x87(g, &i);
    else ok = gen_sse(g, &i);
    if (!ok)
        return false;
    if (prep.n) {
        Gen save = *g;
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
    return commit(g, &i);
}

void diff_gen_case(Rng *rng, DiffCase *c)
{
    uint64_t index = c->index;
    memset(c, 0, sizeof(*c));
    c->index = index;
    Gen g = { .rng = rng, .c = c };
    gen_init(&g);
    int want = 1 + rng_below(rng, 4);
    for (int tries = 0; tries < 64 && c->ninsns < want; tries++)
        gen_one(&g);
    c->insn_off[c->ninsns] = c->code_len;
    c->flags_undef = g.undef;
    c->fsw_undef = g.cundef;
}
