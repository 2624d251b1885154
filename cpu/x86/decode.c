/* The decoder: guest bytes -> Insn, driven by the opcode tables (ops-*.def),
 * which are the single truth about instruction forms.  It runs once per
 * instruction per translation block, so it favours clarity over speed. */
#include <pthread.h>
#include <stdlib.h>

#include "cpu/x86/x86.h"

/* OP(...) lines take any mandatory prefix; OPP(..., pfx, ...) lines require
 * one (PFXSEL_NONE/66/F3/F2): SSE forms that share an opcode. */
#define OP(map, op, sel, form, flags, fn, name) void fn(X86CPU *cpu, const Insn *d);
#define OPP(map, op, pfx, sel, form, flags, fn, name) void fn(X86CPU *cpu, const Insn *d);
#include "cpu/x86/ops-all.def"
#undef OP
#undef OPP

static const OpDef op_defs[] = {
#define OP(map, op, sel, form, flags, fn, name) { map, op, PFXSEL_ANY, sel, form, flags, fn, name },
#define OPP(map, op, pfx, sel, form, flags, fn, name) { map, op, pfx, sel, form, flags, fn, name },
#include "cpu/x86/ops-all.def"
#undef OP
#undef OPP
};

/* Index of the table, one per code mode (legacy, 64-bit): per opcode and
 * mandatory-prefix selector, entries by [register form][ModRM.reg], and for
 * the few opcodes that dispatch on the whole ModRM byte in the register
 * form (x87, 0F 01), a table by reg*8+rm.  Built once, constant after. */
#define MAX_RM_TABLES 48
typedef struct OpSlot {
    const OpDef *by_reg[PFXSEL_COUNT][2][8];
    int8_t rm_table[PFXSEL_COUNT];  /* index into OpIndex.rm, or -1 */
    bool has_modrm;
    bool modreg;            /* F_MODREG: mod is read as 3 */
    bool has_pfx;           /* some entry needs a mandatory prefix */
    bool used;
} OpSlot;

typedef struct OpIndex {
    OpSlot slot[MAP_COUNT][256];
    const OpDef *rm[MAX_RM_TABLES][64];
    int nrm;
} OpIndex;

enum { IX_LEGACY, IX_64, IX_COUNT };
static OpIndex op_index[IX_COUNT];
static pthread_once_t op_index_once = PTHREAD_ONCE_INIT;

static bool form_has_modrm(int form)
{
    return form >= FORM_M && form != FORM_IV;
}

static void index_add(OpIndex *ix, const OpDef *e)
{
    OpSlot *s = &ix->slot[e->map][e->op];
    if (s->used && s->has_modrm != form_has_modrm(e->form))
        abort();            /* the tables contradict themselves */
    s->used = true;
    s->has_modrm = form_has_modrm(e->form);
    if (e->flags & F_MODREG)
        s->modreg = true;
    if (e->pfx != PFXSEL_ANY)
        s->has_pfx = true;
    if (e->sel >= 8) {
        if (s->rm_table[e->pfx] < 0) {
            if (ix->nrm == MAX_RM_TABLES)
                abort();
            s->rm_table[e->pfx] = ix->nrm++;
        }
        ix->rm[s->rm_table[e->pfx]][e->sel - 8] = e;
        return;
    }
    for (int isreg = 0; isreg < 2; isreg++) {
        if ((e->flags & F_MEM) && isreg)
            continue;
        if ((e->flags & F_REG) && !isreg)
            continue;
        for (int r = 0; r < 8; r++) {
            if (e->sel != SEL_ANY && e->sel != r)
                continue;
            /* A specific /r entry beats a catch-all one. */
            if (s->by_reg[e->pfx][isreg][r] && e->sel == SEL_ANY)
                continue;
            s->by_reg[e->pfx][isreg][r] = e;
        }
    }
}

static void index_build_mode(OpIndex *ix, bool mode64)
{
    size_t ndefs = sizeof(op_defs) / sizeof(op_defs[0]);
    for (int m = 0; m < MAP_COUNT; m++)
        for (int o = 0; o < 256; o++)
            memset(ix->slot[m][o].rm_table, -1, sizeof(ix->slot[m][o].rm_table));
    /* Specific entries first so SEL_ANY never shadows them. */
    for (int pass = 0; pass < 2; pass++) {
        for (size_t i = 0; i < ndefs; i++) {
            const OpDef *e = &op_defs[i];
            if ((e->sel == SEL_ANY) != (pass == 1))
                continue;
            if ((e->flags & F_NO64) && mode64)
                continue;
            if ((e->flags & F_ONLY64) && !mode64)
                continue;
            index_add(ix, e);
        }
    }
}

static void index_build(void)
{
    index_build_mode(&op_index[IX_LEGACY], false);
    index_build_mode(&op_index[IX_64], true);
}

static const OpIndex *index_get(int mode)
{
    pthread_once(&op_index_once, index_build);
    return &op_index[mode == 64 ? IX_64 : IX_LEGACY];
}

static const OpDef *slot_lookup(const OpIndex *ix, const OpSlot *s, int pfx, int mod,
                                int reg, int rm)
{
    if (mod == 3 && s->rm_table[pfx] >= 0) {
        const OpDef *e = ix->rm[s->rm_table[pfx]][reg * 8 + rm];
        if (e)
            return e;
    }
    return s->by_reg[pfx][mod == 3][reg];
}

const OpDef *x86_opdef_lookup_mode(int mode, int pfx, int map, int op, int mod, int reg, int rm)
{
    const OpIndex *ix = index_get(mode);
    const OpSlot *s = &ix->slot[map][op];
    if (!s->used)
        return NULL;
    if (!s->has_modrm)
        mod = 3, reg = 0, rm = 0;
    const OpDef *e = NULL;
    if (s->has_pfx && pfx != PFXSEL_ANY)
        e = slot_lookup(ix, s, pfx, mod, reg, rm);
    if (!e)
        e = slot_lookup(ix, s, PFXSEL_ANY, mod, reg, rm);
    if (!e && !s->has_modrm)
        e = slot_lookup(ix, s, PFXSEL_ANY, 0, 0, 0);
    return e;
}

const OpDef *x86_opdef_lookup(int map, int op, int mod, int reg, int rm)
{
    return x86_opdef_lookup_mode(32, PFXSEL_NONE, map, op, mod, reg, rm);
}

void op_ud(X86CPU *cpu, const Insn *d)
{
    raise_exception(cpu, EXC_UD);
}

/* More than 15 bytes: #GP(0), as on every CPU since the 386. */
static void op_too_long(X86CPU *cpu, const Insn *d)
{
    raise_exception_err(cpu, EXC_GP, 0);
}

/* Byte source for one instruction.  limit bounds how far it may fetch
 * (the TB builder stops a block at a page end); past it, fetch fails. */
typedef struct Fetch {
    X86CPU *cpu;
    uint64_t lin, limit;
    int n;
    bool short_of_bytes;
} Fetch;

static uint8_t fetch8(Fetch *f)
{
    uint64_t a = f->lin + f->n;
    if (f->n >= 15 || a >= f->limit) {
        if (a >= f->limit)
            f->short_of_bytes = true;
        f->n++;
        return 0;
    }
    f->n++;
    return x86_fetch_code8(f->cpu, a);
}

static uint64_t fetch_n(Fetch *f, int bytes)
{
    uint64_t v = 0;
    for (int i = 0; i < bytes; i++)
        v |= (uint64_t)fetch8(f) << (8 * i);
    return v;
}

static void decode_ea16(Fetch *f, Insn *d)
{
    static const uint8_t base16[8] = { R_EBX, R_EBX, R_EBP, R_EBP, R_ESI, R_EDI, R_EBP, R_EBX };
    static const uint8_t index16[8] = { R_ESI, R_EDI, R_ESI, R_EDI,
                                        REG_NONE, REG_NONE, REG_NONE, REG_NONE };
    d->base = base16[d->rm];
    d->index = index16[d->rm];
    d->scale = 0;
    if (d->mod == 0 && d->rm == 6) {
        d->base = REG_NONE;
        d->disp = (int16_t)fetch_n(f, 2);
    } else if (d->mod == 1) {
        d->disp = (int8_t)fetch8(f);
    } else if (d->mod == 2) {
        d->disp = (int16_t)fetch_n(f, 2);
    }
    d->seg = d->base == R_EBP ? R_SS : R_DS;
}

/* 32- and 64-bit addressing: SIB, REX.B/X, and in 64-bit mode RIP-relative
 * for mod 0, r/m 5 without SIB. */
static void decode_ea32(Fetch *f, Insn *d)
{
    int rexb = (d->rex & REX_B) ? 8 : 0;
    int base = d->rm;
    d->index = REG_NONE;
    d->scale = 0;
    if (d->rm == 4) {
        uint8_t sib = fetch8(f);
        int idx = ((sib >> 3) & 7) | ((d->rex & REX_X) ? 8 : 0);
        d->scale = sib >> 6;
        d->index = idx == 4 ? REG_NONE : idx;
        base = sib & 7;
        if (base == 5 && d->mod == 0) {
            d->base = REG_NONE;
            d->disp = (int32_t)fetch_n(f, 4);
            d->seg = R_DS;
            return;
        }
    } else if (d->rm == 5 && d->mod == 0) {
        d->base = d->mode == 64 ? REG_RIP : REG_NONE;
        d->disp = (int32_t)fetch_n(f, 4);
        d->seg = R_DS;
        return;
    }
    d->base = base | rexb;
    if (d->mod == 1)
        d->disp = (int8_t)fetch8(f);
    else if (d->mod == 2)
        d->disp = (int32_t)fetch_n(f, 4);
    d->seg = (base == R_ESP || base == R_EBP) ? R_SS : R_DS;
}

static uint64_t sext(uint64_t v, int bytes)
{
    int shift = 64 - 8 * bytes;
    return (uint64_t)((int64_t)(v << shift) >> shift);
}

static void decode_imm(Fetch *f, Insn *d, int form)
{
    int osz = d->opsize;
    int isz = osz == 8 ? 4 : osz;   /* imm32 sign-extended for 64-bit ops */
    switch (form) {
    case FORM_IB: case FORM_M_IB:
        d->imm = fetch8(f);
        break;
    case FORM_IBS: case FORM_M_IBS: case FORM_JB:
        d->imm = sext(fetch8(f), 1);
        break;
    case FORM_IW:
        d->imm = fetch_n(f, 2);
        break;
    case FORM_IZ: case FORM_M_IZ:
        d->imm = osz == 8 ? sext(fetch_n(f, 4), 4) : fetch_n(f, isz);
        break;
    case FORM_IV:
        d->imm = fetch_n(f, osz);
        break;
    case FORM_JZ:
        d->imm = sext(fetch_n(f, isz), isz);
        break;
    case FORM_AP:
        d->imm = fetch_n(f, isz);
        d->imm2 = fetch_n(f, 2);
        break;
    case FORM_O:
        d->disp = (int64_t)fetch_n(f, d->adsize);
        break;
    case FORM_IW_IB:
        d->imm = fetch_n(f, 2);
        d->imm2 = fetch8(f);
        break;
    case FORM_M_GRP3:
        if (d->reg < 2) {
            if (d->op & 1)
                d->imm = osz == 8 ? sext(fetch_n(f, 4), 4) : fetch_n(f, isz);
            else
                d->imm = fetch8(f);
        }
        break;
    default:
        break;
    }
}

typedef struct Prefixes {
    bool osz, asz;
    int last_mandatory;     /* PFXSEL_NONE, _66, _F3, _F2 */
} Prefixes;

/* Prefixes; returns the first opcode byte.  In 64-bit mode a REX byte
 * counts only right before the opcode. */
static uint8_t decode_prefixes(Fetch *f, Insn *d, Prefixes *p)
{
    p->last_mandatory = PFXSEL_NONE;
    for (;;) {
        uint8_t b = fetch8(f);
        if (d->mode == 64 && (b & 0xf0) == 0x40) {
            d->rex = b;
            continue;
        }
        switch (b) {
        case 0x66: p->osz = true; break;
        case 0x67: p->asz = true; break;
        case 0xf0: d->lock = 1; break;
        case 0xf2: d->rep = PFX_REPNZ; p->last_mandatory = PFXSEL_F2; break;
        case 0xf3: d->rep = PFX_REPZ; p->last_mandatory = PFXSEL_F3; break;
        case 0x26: d->seg_ovr = R_ES; break;
        case 0x2e: d->seg_ovr = R_CS; break;
        case 0x36: d->seg_ovr = R_SS; break;
        case 0x3e: d->seg_ovr = R_DS; break;
        case 0x64: d->seg_ovr = R_FS; break;
        case 0x65: d->seg_ovr = R_GS; break;
        default:
            return b;
        }
        d->rex = 0;         /* a prefix after REX cancels it */
    }
}

/* Operand and address size from the mode, prefixes and table flags. */
static void decode_sizes(Insn *d, const Prefixes *p, uint16_t flags)
{
    if (d->mode == 64) {
        if (flags & F_F64)
            d->opsize = 8;
        else if (d->rex & REX_W)
            d->opsize = 8;
        else if (p->osz)
            d->opsize = 2;
        else
            d->opsize = (flags & F_D64) ? 8 : 4;
        d->adsize = p->asz ? 4 : 8;
        return;
    }
    bool code32 = d->mode == 32;
    d->opsize = (code32 ^ p->osz) ? 4 : 2;
    d->adsize = (code32 ^ p->asz) ? 4 : 2;
}

/* The mandatory-prefix selector for a lookup: F2/F3 win over 66. */
static int mandatory_prefix(const Prefixes *p)
{
    if (p->last_mandatory != PFXSEL_NONE)
        return p->last_mandatory;
    return p->osz ? PFXSEL_66 : PFXSEL_NONE;
}

static uint8_t decode_opcode(Fetch *f, Insn *d, uint8_t b)
{
    d->map = MAP_1;
    if (b != 0x0f)
        return b;
    b = fetch8(f);
    d->map = MAP_0F;
    if (b == 0x38 || b == 0x3a) {
        d->map = b == 0x38 ? MAP_0F38 : MAP_0F3A;
        b = fetch8(f);
    }
    return b;
}

static int decode_limited(X86CPU *cpu, uint64_t lin, uint64_t limit, int mode, Insn *d)
{
    Fetch f = { .cpu = cpu, .lin = lin, .limit = limit };
    Prefixes p = { 0 };
    memset(d, 0, sizeof(*d));
    d->mode = mode;
    d->seg_ovr = SEG_NONE;
    d->base = d->index = REG_NONE;
    d->seg = R_DS;

    uint8_t b = decode_opcode(&f, d, decode_prefixes(&f, d, &p));
    d->op = b;
    d->opreg = (b & 7) | ((d->rex & REX_B) ? 8 : 0);
    /* Sizes first by the plain rules; F_D64/F_F64 need the entry. */
    decode_sizes(d, &p, 0);

    const OpIndex *ix = index_get(mode);
    const OpSlot *s = &ix->slot[d->map][b];
    int pfx = mandatory_prefix(&p);
    const OpDef *e = NULL;
    if (s->used && s->has_modrm) {
        uint8_t modrm = fetch8(&f);
        d->mod = s->modreg ? 3 : modrm >> 6;
        d->reg = (modrm >> 3) & 7;
        d->rm = modrm & 7;
        d->rreg = d->reg | ((d->rex & REX_R) ? 8 : 0);
        e = x86_opdef_lookup_mode(mode, pfx, d->map, b, d->mod, d->reg, d->rm);
        if (e)
            decode_sizes(d, &p, e->flags);
        if (d->mod != 3) {
            if (d->adsize == 2)
                decode_ea16(&f, d);
            else
                decode_ea32(&f, d);
        } else {
            d->rrm = d->rm | ((d->rex & REX_B) ? 8 : 0);
        }
    } else if (s->used) {
        d->mod = 3;
        e = x86_opdef_lookup_mode(mode, pfx, d->map, b, 3, 0, 0);
        if (e)
            decode_sizes(d, &p, e->flags);
    }
    if (d->seg_ovr != SEG_NONE)
        d->seg = d->seg_ovr;

    if (e) {
        decode_imm(&f, d, e->form);
        d->fn = e->fn;
        d->flags = e->flags;
        if (d->lock && (!(e->flags & F_LOCKABLE) || d->mod == 3))
            d->fn = op_ud;
    } else {
        d->fn = op_ud;
    }
    if (f.short_of_bytes)
        return -1;
    if (f.n > 15) {
        d->fn = op_too_long;
        f.n = 15;
    }
    if (d->fn == op_ud || d->fn == op_too_long)
        d->flags |= F_END;
    else
        x86_insn_specialize(d);
    d->len = f.n;
    return f.n;
}

bool x86_insn_always_faults(const Insn *d)
{
    return d->fn == op_ud || d->fn == op_too_long;
}

int x86_decode_mode(X86CPU *cpu, uint64_t lin, int mode, Insn *d)
{
    return decode_limited(cpu, lin, UINT64_MAX, mode, d);
}

int x86_decode(X86CPU *cpu, uint64_t lin, bool code32, Insn *d)
{
    return decode_limited(cpu, lin, UINT64_MAX, code32 ? 32 : 16, d);
}

/* For the TB builder: decode only if every byte lies below limit; returns
 * -1 when the instruction would need bytes from beyond it. */
int x86_decode_bounded(X86CPU *cpu, uint64_t lin, uint64_t limit, int mode, Insn *d)
{
    return decode_limited(cpu, lin, limit, mode, d);
}
