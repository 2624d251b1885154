/* SSE4.2 string compares: PCMPESTRI, PCMPESTRM, PCMPISTRI, PCMPISTRM
 * (66 0F 3A 60-63), from the SDM's description (Vol. 2, 4.1).
 *
 * The imm8 control byte: bits 1:0 the element format (unsigned/signed
 * bytes/words), 3:2 the aggregation (equal any, ranges, equal each, equal
 * ordered), 5:4 the polarity, 6 the output selection.  The first operand
 * (xmm1) holds the characters, sets or ranges; the second (xmm2/m128) the
 * text being searched.  Elements at or past an operand's length are
 * invalid, and each aggregation treats invalid pairs its own way. */
#include "cpu/x86/sse.h"

typedef struct StrOps {
    int n;              /* elements: 16 bytes or 8 words */
    int la, lb;         /* valid elements of xmm1 and of xmm2/m128 */
    int32_t a[16], b[16];
} StrOps;

static void str_elements(const XMMReg *v, uint8_t ctl, int32_t *out)
{
    for (int i = 0; i < 16; i++) {
        switch (ctl & 3) {
        case 0: out[i] = v->b[i]; break;
        case 1: out[i] = i < 8 ? v->w[i] : 0; break;
        case 2: out[i] = (int8_t)v->b[i]; break;
        default: out[i] = i < 8 ? (int16_t)v->w[i] : 0; break;
        }
    }
}

/* Implicit length: the index of the first zero element, or n. */
static int str_implicit_len(const int32_t *e, int n)
{
    for (int i = 0; i < n; i++)
        if (e[i] == 0)
            return i;
    return n;
}

/* Explicit length: the absolute value of EAX/EDX (RAX/RDX with REX.W),
 * saturated to n. */
static int str_explicit_len(X86CPU *cpu, const Insn *d, int r, int n)
{
    int64_t v = (d->rex & REX_W) ? (int64_t)cpu->regs[r] : (int32_t)cpu->regs[r];
    uint64_t mag = v < 0 ? -(uint64_t)v : (uint64_t)v;
    return mag > (uint64_t)n ? n : (int)mag;
}

/* Equal any: which text elements appear among the characters. */
static uint32_t agg_equal_any(const StrOps *s)
{
    uint32_t r = 0;
    for (int j = 0; j < s->lb; j++)
        for (int i = 0; i < s->la; i++)
            if (s->a[i] == s->b[j])
                r |= 1u << j;
    return r;
}

/* Ranges: which text elements fall inside one of the (low, high) pairs;
 * a pair with an invalid member matches nothing. */
static uint32_t agg_ranges(const StrOps *s)
{
    uint32_t r = 0;
    for (int j = 0; j < s->lb; j++)
        for (int i = 0; i + 1 < s->la; i += 2)
            if (s->b[j] >= s->a[i] && s->b[j] <= s->a[i + 1])
                r |= 1u << j;
    return r;
}

/* Equal each: element-wise equality; two invalid elements are equal, a
 * valid and an invalid one are not. */
static uint32_t agg_equal_each(const StrOps *s)
{
    uint32_t r = 0;
    for (int i = 0; i < s->n; i++) {
        bool va = i < s->la, vb = i < s->lb;
        bool eq = (va && vb) ? s->a[i] == s->b[i] : va == vb;
        r |= (uint32_t)eq << i;
    }
    return r;
}

/* Equal ordered: where the characters occur as a substring of the text.
 * Past the end of the characters everything matches; a valid character
 * against an invalid text element does not. */
static uint32_t agg_equal_ordered(const StrOps *s)
{
    uint32_t r = 0;
    for (int j = 0; j < s->n; j++) {
        bool m = true;
        for (int i = 0; i < s->n - j && m; i++) {
            if (i >= s->la)
                break;
            m = j + i < s->lb && s->a[i] == s->b[j + i];
        }
        r |= (uint32_t)m << j;
    }
    return r;
}

/* The aggregated, polarity-adjusted result (IntRes2) and the flags. */
static uint32_t str_compare(X86CPU *cpu, const Insn *d, bool explicit_len)
{
    XMMReg bv;
    uint8_t ctl = (uint8_t)d->imm;
    StrOps s;
    sse_enter(cpu);
    sse_get_rm(cpu, d, &bv, 16, false);
    s.n = (ctl & 1) ? 8 : 16;
    str_elements(sse_reg(cpu, d), ctl, s.a);
    str_elements(&bv, ctl, s.b);
    if (explicit_len) {
        s.la = str_explicit_len(cpu, d, R_EAX, s.n);
        s.lb = str_explicit_len(cpu, d, R_EDX, s.n);
    } else {
        s.la = str_implicit_len(s.a, s.n);
        s.lb = str_implicit_len(s.b, s.n);
    }
    uint32_t all = (1u << s.n) - 1, r;
    switch ((ctl >> 2) & 3) {
    case 0: r = agg_equal_any(&s); break;
    case 1: r = agg_ranges(&s); break;
    case 2: r = agg_equal_each(&s); break;
    default: r = agg_equal_ordered(&s); break;
    }
    switch ((ctl >> 4) & 3) {
    case 1: r ^= all; break;
    case 3: r ^= (1u << s.lb) - 1; break;
    }
    uint32_t fl = (r ? CC_C : 0) | (s.lb < s.n ? CC_Z : 0) | (s.la < s.n ? CC_S : 0) |
                  ((r & 1) ? CC_O : 0);
    x86_set_eflags(cpu, fl, CC_ALL);
    return r;
}

/* Index output: the least (imm8[6] = 0) or most significant set bit of
 * the result in ECX, or the element count when none is set. */
static void str_index(X86CPU *cpu, const Insn *d, bool explicit_len)
{
    uint32_t r = str_compare(cpu, d, explicit_len);
    int n = (d->imm & 1) ? 8 : 16, idx = n;
    if (r)
        idx = (d->imm & 0x40) ? 31 - __builtin_clz(r) : __builtin_ctz(r);
    cpu->regs[R_ECX] = (uint32_t)idx;
}

/* Mask output in XMM0: the result bits zero-extended (imm8[6] = 0), or
 * expanded to all-ones / all-zeros elements. */
static void str_mask(X86CPU *cpu, const Insn *d, bool explicit_len)
{
    uint32_t r = str_compare(cpu, d, explicit_len);
    XMMReg m;
    memset(&m, 0, sizeof(m));
    if (!(d->imm & 0x40))
        m.d[0] = r;
    else if (d->imm & 1)
        for (int i = 0; i < 8; i++)
            m.w[i] = (r >> i & 1) ? 0xffff : 0;
    else
        for (int i = 0; i < 16; i++)
            m.b[i] = (r >> i & 1) ? 0xff : 0;
    cpu->xmm[0] = m;
}

void op_pcmpestrm(X86CPU *cpu, const Insn *d) { str_mask(cpu, d, true); }
void op_pcmpestri(X86CPU *cpu, const Insn *d) { str_index(cpu, d, true); }
void op_pcmpistrm(X86CPU *cpu, const Insn *d) { str_mask(cpu, d, false); }
void op_pcmpistri(X86CPU *cpu, const Insn *d) { str_index(cpu, d, false); }
