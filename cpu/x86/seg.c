/* Segment-relative data accesses: the limit and rights checks of the
 * segment, then the linear access through the TLB.
 *
 * The fast path accepts what almost every access is: a present, expand-up
 * data segment (which is also what real mode and v86 mode run with) and an
 * offset within the limit.  Everything else - code segments, expand-down
 * and read-only data, null selectors, real mode with odd cached attributes,
 * limit violations - is sorted out by the slow check.  The TLB lookup that
 * follows is inlined from the softmmu (accel/tcg/tlb.h). */
#include "accel/tcg/tlb.h"

enum { SEG_READ, SEG_WRITE };

#define FAST_MASK (DESC_P_MASK | DESC_CS_MASK | DESC_E_MASK)

static _Noreturn void seg_fault(X86CPU *cpu, int seg)
{
    raise_exception_err(cpu, seg == R_SS ? EXC_SS : EXC_GP, 0);
}

static bool rights_ok(uint32_t flags, int kind)
{
    if (!(flags & DESC_P_MASK))
        return false;           /* null selector */
    if (flags & DESC_CS_MASK)
        return kind == SEG_READ && (flags & DESC_R_MASK);
    return kind == SEG_READ || (flags & DESC_W_MASK);
}

static bool limit_ok(const SegCache *s, uint32_t off, uint32_t len, bool prot)
{
    uint64_t last = (uint64_t)off + len - 1;
    bool expand_down = prot && (s->flags & (DESC_CS_MASK | DESC_E_MASK)) == DESC_E_MASK;
    if (!expand_down)
        return last <= s->limit;
    uint32_t upper = (s->flags & DESC_B_MASK) ? 0xffffffffu : 0xffffu;
    return off > s->limit && last <= upper;
}

/* The full check; returns the linear address or raises. */
static uint32_t seg_check_slow(X86CPU *cpu, int seg, uint32_t off, uint32_t len, int kind)
{
    const SegCache *s = &cpu->seg[seg];
    bool prot = cpu_prot(cpu);
    if (prot && !rights_ok(s->flags, kind))
        raise_exception_err(cpu, EXC_GP, 0);
    if (!limit_ok(s, off, len, prot))
        seg_fault(cpu, seg);
    return (uint32_t)(s->base + off);
}

/* 64-bit mode: no limits or rights; FS/GS add their base; the address
 * (first and last byte) must be canonical. */
static uint64_t seg_lin64(X86CPU *cpu, int seg, uint64_t off, uint32_t len)
{
    uint64_t lin = off;
    if (seg == R_FS || seg == R_GS)
        lin += cpu->seg[seg].base;
    if (unlikely(!x86_canonical(lin) || !x86_canonical(lin + len - 1)))
        seg_fault(cpu, seg);
    return lin;
}

static inline uint64_t seg_lin(X86CPU *cpu, int seg, uint64_t off64, uint32_t len, int kind)
{
    const SegCache *s = &cpu->seg[seg];
    if (unlikely(x86_lma(cpu)) && x86_code_mode(cpu) == 64)
        return seg_lin64(cpu, seg, off64, len);
    uint32_t off = (uint32_t)off64;
    if (likely((s->flags & FAST_MASK) == DESC_P_MASK &&
               (uint64_t)off + (len - 1) <= s->limit &&
               (kind == SEG_READ || (s->flags & DESC_W_MASK))))
        return (uint32_t)(s->base + off);
    return seg_check_slow(cpu, seg, off, len, kind);
}

uint8_t ld8(X86CPU *cpu, int seg, uint64_t off)
{
    return tlb_ld(cpu, seg_lin(cpu, seg, off, 1, SEG_READ), 1, tlb_mmu_index(cpu));
}

uint16_t ld16(X86CPU *cpu, int seg, uint64_t off)
{
    return tlb_ld(cpu, seg_lin(cpu, seg, off, 2, SEG_READ), 2, tlb_mmu_index(cpu));
}

uint32_t ld32(X86CPU *cpu, int seg, uint64_t off)
{
    return tlb_ld(cpu, seg_lin(cpu, seg, off, 4, SEG_READ), 4, tlb_mmu_index(cpu));
}

uint64_t ld64(X86CPU *cpu, int seg, uint64_t off)
{
    return tlb_ld(cpu, seg_lin(cpu, seg, off, 8, SEG_READ), 8, tlb_mmu_index(cpu));
}

void st8(X86CPU *cpu, int seg, uint64_t off, uint8_t v)
{
    tlb_st(cpu, seg_lin(cpu, seg, off, 1, SEG_WRITE), 1, v, tlb_mmu_index(cpu));
}

void st16(X86CPU *cpu, int seg, uint64_t off, uint16_t v)
{
    tlb_st(cpu, seg_lin(cpu, seg, off, 2, SEG_WRITE), 2, v, tlb_mmu_index(cpu));
}

void st32(X86CPU *cpu, int seg, uint64_t off, uint32_t v)
{
    tlb_st(cpu, seg_lin(cpu, seg, off, 4, SEG_WRITE), 4, v, tlb_mmu_index(cpu));
}

void st64(X86CPU *cpu, int seg, uint64_t off, uint64_t v)
{
    tlb_st(cpu, seg_lin(cpu, seg, off, 8, SEG_WRITE), 8, v, tlb_mmu_index(cpu));
}

void probe_write(X86CPU *cpu, int seg, uint64_t off, uint32_t len)
{
    if (len == 0)
        return;
    lin_probe_write(cpu, seg_lin(cpu, seg, off, len, SEG_WRITE), len);
}
