/* The decoder: guest bytes -> Insn, driven by the opcode tables (ops-*.def),
 * which are the single truth about instruction forms.  It runs once per
 * instruction per translation block, so it favours clarity over speed. */
#include <pthread.h>
#include <stdlib.h>

#include "cpu/x86/x86.h"

#define OP(map, op, sel, form, flags, fn, name) void fn(X86CPU *cpu, const Insn *d);
#include "cpu/x86/ops-int.def"
#include "cpu/x86/ops-sys.def"
#include "cpu/x86/ops-x87.def"
#undef OP

static const OpDef op_defs[] = {
#define OP(map, op, sel, form, flags, fn, name) { map, op, sel, form, flags, fn, name },
#include "cpu/x86/ops-int.def"
#include "cpu/x86/ops-sys.def"
#include "cpu/x86/ops-x87.def"
#undef OP
};

/* Index of the table: per opcode, entries by [register form][ModRM.reg],
 * and for the few opcodes that dispatch on the whole ModRM byte in the
 * register form (x87, 0F 01), a table by reg*8+rm.  Built once, constant
 * afterwards. */
#define MAX_RM_TABLES 24
typedef struct OpSlot {
    const OpDef *by_reg[2][8];
    int8_t rm_table;        /* index into OpIndex.rm, or -1 */
    bool has_modrm;
    bool modreg;            /* F_MODREG: mod is read as 3 */
    bool used;
} OpSlot;

typedef struct OpIndex {
    OpSlot slot[MAP_COUNT][256];
    const OpDef *rm[MAX_RM_TABLES][64];
    int nrm;
} OpIndex;

static OpIndex op_index;
static pthread_once_t op_index_once = PTHREAD_ONCE_INIT;

static bool form_has_modrm(int form)
{
    return form >= FORM_M;
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
    if (e->sel >= 8) {
        if (s->rm_table < 0) {
            if (ix->nrm == MAX_RM_TABLES)
                abort();
            s->rm_table = ix->nrm++;
        }
        ix->rm[s->rm_table][e->sel - 8] = e;
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
            if (s->by_reg[isreg][r] && e->sel == SEL_ANY)
                continue;
            s->by_reg[isreg][r] = e;
        }
    }
}

static void index_build(void)
{
    OpIndex *ix = &op_index;
    size_t ndefs = sizeof(op_defs) / sizeof(op_defs[0]);
    for (int m = 0; m < MAP_COUNT; m++)
        for (int o = 0; o < 256; o++)
            ix->slot[m][o].rm_table = -1;
    /* Specific entries first so SEL_ANY never shadows them. */
    for (size_t i = 0; i < ndefs; i++)
        if (op_defs[i].sel != SEL_ANY)
            index_add(ix, &op_defs[i]);
    for (size_t i = 0; i < ndefs; i++)
        if (op_defs[i].sel == SEL_ANY)
            index_add(ix, &op_defs[i]);
}

static const OpIndex *index_get(void)
{
    pthread_once(&op_index_once, index_build);
    return &op_index;
}

const OpDef *x86_opdef_lookup(int map, int op, int mod, int reg, int rm)
{
    const OpSlot *s = &index_get()->slot[map][op];
    if (!s->used)
        return NULL;
    if (!s->has_modrm)
        return s->by_reg[0][0] ? s->by_reg[0][0] : s->by_reg[1][0];
    if (mod == 3 && s->rm_table >= 0) {
        const OpDef *e = index_get()->rm[s->rm_table][reg * 8 + rm];
        if (e)
            return e;
    }
    return s->by_reg[mod == 3][reg];
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

static uint32_t fetch_n(Fetch *f, int bytes)
{
    uint32_t v = 0;
    for (int i = 0; i < bytes; i++)
        v |= (uint32_t)fetch8(f) << (8 * i);
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

static void decode_ea32(Fetch *f, Insn *d)
{
    int base = d->rm;
    d->index = REG_NONE;
    d->scale = 0;
    if (d->rm == 4) {
        uint8_t sib = fetch8(f);
        int idx = (sib >> 3) & 7;
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
        d->base = REG_NONE;
        d->disp = (int32_t)fetch_n(f, 4);
        d->seg = R_DS;
        return;
    }
    d->base = base;
    if (d->mod == 1)
        d->disp = (int8_t)fetch8(f);
    else if (d->mod == 2)
        d->disp = (int32_t)fetch_n(f, 4);
    d->seg = (base == R_ESP || base == R_EBP) ? R_SS : R_DS;
}

static void decode_imm(Fetch *f, Insn *d, int form)
{
    int osz = d->opsize;
    switch (form) {
    case FORM_IB: case FORM_M_IB:
        d->imm = fetch8(f);
        break;
    case FORM_IBS: case FORM_M_IBS: case FORM_JB:
        d->imm = (uint32_t)(int32_t)(int8_t)fetch8(f);
        break;
    case FORM_IW:
        d->imm = fetch_n(f, 2);
        break;
    case FORM_IZ: case FORM_M_IZ:
        d->imm = fetch_n(f, osz);
        break;
    case FORM_JZ:
        d->imm = osz == 2 ? (uint32_t)(int32_t)(int16_t)fetch_n(f, 2) : fetch_n(f, 4);
        break;
    case FORM_AP:
        d->imm = fetch_n(f, osz);
        d->imm2 = fetch_n(f, 2);
        break;
    case FORM_O:
        d->disp = (int32_t)fetch_n(f, d->adsize);
        break;
    case FORM_IW_IB:
        d->imm = fetch_n(f, 2);
        d->imm2 = fetch8(f);
        break;
    case FORM_M_GRP3:
        if (d->reg < 2)
            d->imm = (d->op & 1) ? fetch_n(f, osz) : fetch8(f);
        break;
    default:
        break;
    }
}

/* Prefixes; returns the first opcode byte. */
static uint8_t decode_prefixes(Fetch *f, Insn *d, bool code32)
{
    bool osz = false, asz = false;
    for (;;) {
        uint8_t b = fetch8(f);
        switch (b) {
        case 0x66: osz = true; continue;
        case 0x67: asz = true; continue;
        case 0xf0: d->lock = 1; continue;
        case 0xf2: d->rep = PFX_REPNZ; continue;
        case 0xf3: d->rep = PFX_REPZ; continue;
        case 0x26: d->seg_ovr = R_ES; continue;
        case 0x2e: d->seg_ovr = R_CS; continue;
        case 0x36: d->seg_ovr = R_SS; continue;
        case 0x3e: d->seg_ovr = R_DS; continue;
        case 0x64: d->seg_ovr = R_FS; continue;
        case 0x65: d->seg_ovr = R_GS; continue;
        default:
            d->opsize = (code32 ^ osz) ? 4 : 2;
            d->adsize = (code32 ^ asz) ? 4 : 2;
            return b;
        }
    }
}

static int decode_limited(X86CPU *cpu, uint64_t lin, uint64_t limit, bool code32, Insn *d)
{
    Fetch f = { .cpu = cpu, .lin = lin, .limit = limit };
    memset(d, 0, sizeof(*d));
    d->seg_ovr = SEG_NONE;
    d->base = d->index = REG_NONE;
    d->seg = R_DS;

    uint8_t b = decode_prefixes(&f, d, code32);
    d->map = MAP_1;
    if (b == 0x0f) {
        d->map = MAP_0F;
        b = fetch8(&f);
    }
    d->op = b;

    const OpSlot *s = &index_get()->slot[d->map][b];
    const OpDef *e = NULL;
    if (s->used && s->has_modrm) {
        uint8_t modrm = fetch8(&f);
        d->mod = s->modreg ? 3 : modrm >> 6;
        d->reg = (modrm >> 3) & 7;
        d->rm = modrm & 7;
        if (d->mod != 3) {
            if (d->adsize == 2)
                decode_ea16(&f, d);
            else
                decode_ea32(&f, d);
        }
        e = x86_opdef_lookup(d->map, b, d->mod, d->reg, d->rm);
    } else if (s->used) {
        d->mod = 3;
        e = x86_opdef_lookup(d->map, b, 3, 0, 0);
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
    d->len = f.n;
    return f.n;
}

int x86_decode(X86CPU *cpu, uint64_t lin, bool code32, Insn *d)
{
    return decode_limited(cpu, lin, UINT64_MAX, code32, d);
}

/* For the TB builder: decode only if every byte lies below limit; returns
 * -1 when the instruction would need bytes from beyond it. */
int x86_decode_bounded(X86CPU *cpu, uint64_t lin, uint64_t limit, bool code32, Insn *d)
{
    return decode_limited(cpu, lin, limit, code32, d);
}
