/* Lazy flags: computes EFLAGS' arithmetic bits from the operation that
 * last set them (see flags.h for what each cc_op keeps). */
#include "cpu/x86/x86.h"

static inline uint32_t size_bits(int sz)   /* sz: 0 B, 1 W, 2 L */
{
    return 8u << sz;
}

static inline uint32_t size_mask(int sz)
{
    return sz == 2 ? 0xffffffffu : (1u << size_bits(sz)) - 1;
}

static inline uint32_t sign_bit(int sz)
{
    return 1u << (size_bits(sz) - 1);
}

/* PF ZF SF of a result. */
static uint32_t flags_pzs(uint32_t res, int sz)
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

static uint32_t flags_add(uint32_t res, uint32_t b, uint32_t a, int sz, bool adc)
{
    uint32_t m = size_mask(sz);
    uint32_t cin = adc ? ((res - a - b) & m) : 0;
    uint32_t f = flags_pzs(res, sz);
    if (res < a || (cin && res == a))
        f |= CC_C;
    if ((a ^ b ^ res) & 0x10)
        f |= CC_A;
    if ((a ^ res) & (b ^ res) & sign_bit(sz))
        f |= CC_O;
    return f;
}

static uint32_t flags_sub(uint32_t res, uint32_t b, uint32_t a, int sz, bool sbb)
{
    uint32_t m = size_mask(sz);
    uint32_t bin = sbb ? ((a - b - res) & m) : 0;
    uint32_t f = flags_pzs(res, sz);
    if ((uint64_t)a < (uint64_t)b + bin)
        f |= CC_C;
    if ((a ^ b ^ res) & 0x10)
        f |= CC_A;
    if ((a ^ b) & (a ^ res) & sign_bit(sz))
        f |= CC_O;
    return f;
}

uint32_t cc_compute_all(X86CPU *cpu)
{
    uint32_t op = cpu->cc_op;
    uint32_t dst = cpu->cc_dst, src = cpu->cc_src, src2 = cpu->cc_src2;
    if (op == CC_OP_EFLAGS)
        return src & CC_ALL;
    int sz = (op - 1) % 3;
    uint32_t f;
    switch ((op - 1) / 3) {
    case 0: return flags_add(dst, src, src2, sz, false);
    case 1: return flags_add(dst, src, src2, sz, true);
    case 2: return flags_sub(dst, src, src2, sz, false);
    case 3: return flags_sub(dst, src, src2, sz, true);
    case 4: return flags_pzs(dst, sz);
    case 5:     /* INC */
        f = flags_pzs(dst, sz) | (src & CC_C);
        if ((dst & 0xf) == 0)
            f |= CC_A;
        if ((dst & size_mask(sz)) == sign_bit(sz))
            f |= CC_O;
        return f;
    case 6:     /* DEC */
        f = flags_pzs(dst, sz) | (src & CC_C);
        if ((dst & 0xf) == 0xf)
            f |= CC_A;
        if ((dst & size_mask(sz)) == sign_bit(sz) - 1)
            f |= CC_O;
        return f;
    case 7:     /* SHL */
        f = flags_pzs(dst, sz);
        if (src & sign_bit(sz))
            f |= CC_C;
        if ((src ^ dst) & sign_bit(sz))
            f |= CC_O;
        return f;
    case 8:     /* SAR, SHR, SHRD */
        f = flags_pzs(dst, sz);
        if (src & 1)
            f |= CC_C;
        if ((src ^ dst) & sign_bit(sz))
            f |= CC_O;
        return f;
    case 9:     /* MUL, IMUL */
        return flags_pzs(dst, sz) | (src ? CC_C | CC_O : 0);
    }
    return 0;
}

uint32_t cc_compute_c(X86CPU *cpu)
{
    uint32_t op = cpu->cc_op;
    switch (op) {
    case CC_OP_EFLAGS:
        return cpu->cc_src & CC_C;
    case CC_OP_ADDB: case CC_OP_ADDW: case CC_OP_ADDL:
        return (uint32_t)cpu->cc_dst < (uint32_t)cpu->cc_src2 ? CC_C : 0;
    case CC_OP_SUBB: case CC_OP_SUBW: case CC_OP_SUBL:
        return (uint32_t)cpu->cc_src2 < (uint32_t)cpu->cc_src ? CC_C : 0;
    case CC_OP_LOGICB: case CC_OP_LOGICW: case CC_OP_LOGICL:
        return 0;
    case CC_OP_INCB: case CC_OP_INCW: case CC_OP_INCL:
    case CC_OP_DECB: case CC_OP_DECW: case CC_OP_DECL:
        return cpu->cc_src & CC_C;
    default:
        return cc_compute_all(cpu) & CC_C;
    }
}

bool cc_test(X86CPU *cpu, int cond)
{
    uint32_t f;
    bool r;
    /* The common compare-and-branch cases without building all flags. */
    if (cpu->cc_op >= CC_OP_SUBB && cpu->cc_op <= CC_OP_SUBL && (cond >> 1) != 0
        && (cond >> 1) != 2 && (cond >> 1) != 5) {
        int sz = cpu->cc_op - CC_OP_SUBB;
        uint32_t a = cpu->cc_src2, b = cpu->cc_src;
        int shift = 32 - (int)size_bits(sz);
        int32_t sa = (int32_t)(a << shift) >> shift;
        int32_t sb = (int32_t)(b << shift) >> shift;
        switch (cond >> 1) {
        case 1: r = a < b; break;                   /* B */
        case 3: r = a <= b; break;                  /* BE */
        case 4: r = (cpu->cc_dst & sign_bit(sz)) != 0; break;  /* S */
        case 6: r = sa < sb; break;                 /* L */
        default: r = sa <= sb; break;               /* LE */
        }
        return r ^ (cond & 1);
    }
    if ((cond >> 1) == 2 && cpu->cc_op != CC_OP_EFLAGS) {
        int sz = (cpu->cc_op - 1) % 3;
        return ((cpu->cc_dst & size_mask(sz)) == 0) ^ (cond & 1);
    }
    f = cc_compute_all(cpu);
    switch (cond >> 1) {
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
