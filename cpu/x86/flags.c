/* Lazy flags: computes EFLAGS' arithmetic bits from the operation that
 * last set them (see flags.h for what each cc_op keeps). */
#include "cpu/x86/x86.h"

/* sz: the size index, 0 B, 1 W, 2 L, 3 Q */
static inline uint64_t size_mask(int sz)
{
    return sz == 3 ? UINT64_MAX : (1ull << (8 << sz)) - 1;
}

static inline uint64_t sign_bit(int sz)
{
    return 1ull << ((8 << sz) - 1);
}

static inline int64_t sext_sz(uint64_t v, int sz)
{
    int shift = 64 - (8 << sz);
    return (int64_t)(v << shift) >> shift;
}

static inline int op_family(uint32_t op) { return (op - 1) / CC_SIZES; }
static inline int op_size(uint32_t op) { return (op - 1) % CC_SIZES; }

/* PF ZF SF of a result. */
static uint32_t flags_pzs(uint64_t res, int sz)
{
    uint32_t f = 0;
    res &= size_mask(sz);
    if (!__builtin_parity(res & 0xff))
        f |= CC_P;
    if (res == 0)
        f |= CC_Z;
    if (res & sign_bit(sz))
        f |= CC_S;
    return f;
}

static uint32_t flags_add(uint64_t res, uint64_t b, uint64_t a, int sz, bool adc)
{
    bool cin = adc && ((res - a - b) & size_mask(sz));
    uint32_t f = flags_pzs(res, sz);
    if (res < a || (cin && res == a))
        f |= CC_C;
    if ((a ^ b ^ res) & 0x10)
        f |= CC_A;
    if ((a ^ res) & (b ^ res) & sign_bit(sz))
        f |= CC_O;
    return f;
}

static uint32_t flags_sub(uint64_t res, uint64_t b, uint64_t a, int sz, bool sbb)
{
    bool bin = sbb && ((a - b - res) & size_mask(sz));
    uint32_t f = flags_pzs(res, sz);
    if (a < b || (bin && a == b))
        f |= CC_C;
    if ((a ^ b ^ res) & 0x10)
        f |= CC_A;
    if ((a ^ b) & (a ^ res) & sign_bit(sz))
        f |= CC_O;
    return f;
}

static uint32_t flags_incdec(uint64_t dst, uint64_t cf, int sz, bool dec)
{
    uint32_t f = flags_pzs(dst, sz) | (cf & CC_C);
    uint64_t m = size_mask(sz);
    if ((dst & 0xf) == (dec ? 0xf : 0))
        f |= CC_A;
    if ((dst & m) == (dec ? sign_bit(sz) - 1 : sign_bit(sz)))
        f |= CC_O;
    return f;
}

static uint32_t flags_shift(uint64_t dst, uint64_t src, int sz, bool left)
{
    uint32_t f = flags_pzs(dst, sz);
    if (src & (left ? sign_bit(sz) : 1))
        f |= CC_C;
    if ((src ^ dst) & sign_bit(sz))
        f |= CC_O;
    return f;
}

enum { FAM_ADD, FAM_ADC, FAM_SUB, FAM_SBB, FAM_LOGIC, FAM_INC, FAM_DEC, FAM_SHL,
       FAM_SAR, FAM_MUL };

uint32_t cc_compute_all(X86CPU *cpu)
{
    uint32_t op = cpu->cc_op;
    uint64_t dst = cpu->cc_dst, src = cpu->cc_src, src2 = cpu->cc_src2;
    if (op == CC_OP_EFLAGS)
        return src & CC_ALL;
    int sz = op_size(op);
    switch (op_family(op)) {
    case FAM_ADD: return flags_add(dst, src, src2, sz, false);
    case FAM_ADC: return flags_add(dst, src, src2, sz, true);
    case FAM_SUB: return flags_sub(dst, src, src2, sz, false);
    case FAM_SBB: return flags_sub(dst, src, src2, sz, true);
    case FAM_LOGIC: return flags_pzs(dst, sz);
    case FAM_INC: return flags_incdec(dst, src, sz, false);
    case FAM_DEC: return flags_incdec(dst, src, sz, true);
    case FAM_SHL: return flags_shift(dst, src, sz, true);
    case FAM_SAR: return flags_shift(dst, src, sz, false);
    case FAM_MUL: return flags_pzs(dst, sz) | (src ? CC_C | CC_O : 0);
    }
    return 0;
}

uint32_t cc_compute_c(X86CPU *cpu)
{
    uint32_t op = cpu->cc_op;
    if (op == CC_OP_EFLAGS)
        return cpu->cc_src & CC_C;
    switch (op_family(op)) {
    case FAM_ADD: return cpu->cc_dst < cpu->cc_src2 ? CC_C : 0;
    case FAM_SUB: return cpu->cc_src2 < cpu->cc_src ? CC_C : 0;
    case FAM_LOGIC: return 0;
    case FAM_INC: case FAM_DEC: return cpu->cc_src & CC_C;
    /* INC/DEC after a shift or MUL save CF: no need for all flags. */
    case FAM_SHL: return (cpu->cc_src & sign_bit(op_size(op))) ? CC_C : 0;
    case FAM_SAR: return (cpu->cc_src & 1) ? CC_C : 0;
    case FAM_MUL: return cpu->cc_src ? CC_C : 0;
    default: return cc_compute_all(cpu) & CC_C;
    }
}

/* The common compare-and-branch cases (B BE S L LE after a SUB/CMP)
 * without building all flags. */
static bool cc_test_sub(X86CPU *cpu, int cond)
{
    int sz = op_size(cpu->cc_op);
    uint64_t a = cpu->cc_src2, b = cpu->cc_src;
    int64_t sa = sext_sz(a, sz), sb = sext_sz(b, sz);
    bool r;
    switch (cond >> 1) {
    case 1: r = a < b; break;                                   /* B */
    case 3: r = a <= b; break;                                  /* BE */
    case 4: r = (cpu->cc_dst & sign_bit(sz)) != 0; break;       /* S */
    case 6: r = sa < sb; break;                                 /* L */
    default: r = sa <= sb; break;                               /* LE */
    }
    return r ^ (cond & 1);
}

bool cc_test(X86CPU *cpu, int cond)
{
    int c = cond >> 1;
    bool r;
    if (cpu->cc_op != CC_OP_EFLAGS && op_family(cpu->cc_op) == FAM_SUB
        && c != 0 && c != 2 && c != 5)
        return cc_test_sub(cpu, cond);
    if (c == 2 && cpu->cc_op != CC_OP_EFLAGS)
        return ((cpu->cc_dst & size_mask(op_size(cpu->cc_op))) == 0) ^ (cond & 1);
    uint32_t f = cc_compute_all(cpu);
    switch (c) {
    case 0: r = f & CC_O; break;
    case 1: r = f & CC_C; break;
    case 2: r = f & CC_Z; break;
    case 3: r = f & (CC_C | CC_Z); break;
    case 4: r = f & CC_S; break;
    case 5: r = f & CC_P; break;
    case 6: r = !(f & CC_S) != !(f & CC_O); break;
    default: r = (f & CC_Z) || (!(f & CC_S) != !(f & CC_O)); break;
    }
    return r ^ (cond & 1);
}

void cc_set_flags(X86CPU *cpu, uint32_t flags, uint32_t mask)
{
    uint32_t f = mask == CC_ALL ? 0 : cc_compute_all(cpu);
    mask &= CC_ALL;
    f = (f & ~mask) | (flags & mask);
    cpu->cc_op = CC_OP_EFLAGS;
    cpu->cc_src = f;
    cpu->cc_dst = 0;
    cpu->cc_src2 = 0;
}
