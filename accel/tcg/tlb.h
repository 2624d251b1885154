/* The softmmu TLB's fast paths, inline for the segment accessors (seg.c)
 * and tlb.c itself: one tag compare and an add on a hit; anything else
 * goes to the slow paths in tlb.c. */
#ifndef YL_TCG_TLB_H
#define YL_TCG_TLB_H

#include "cpu/x86/x86.h"

#define TLB_PAGE_OFF ((uint64_t)0xfff)

uint64_t tlb_ld_slow(X86CPU *cpu, uint64_t lin, unsigned size, int mmu);
void tlb_st_slow(X86CPU *cpu, uint64_t lin, unsigned size, uint64_t v, int mmu);

static inline int tlb_mmu_index(const X86CPU *cpu)
{
    return cpu->cpl == 3 ? MMU_USER : MMU_KERNEL;
}

static inline TLBEntry *tlb_entry(X86CPU *cpu, int mmu, uint64_t lin)
{
    return &cpu->tlb[mmu][(lin >> YL_PAGE_BITS) & (TLB_SIZE - 1)];
}

/* size is a constant 1, 2, 4 or 8 at every call site. */
static inline uint64_t tlb_ld(X86CPU *cpu, uint64_t lin, unsigned size, int mmu)
{
    TLBEntry *e = tlb_entry(cpu, mmu, lin);
    if (likely(e->addr_read == (lin & ~TLB_PAGE_OFF) &&
               (lin & TLB_PAGE_OFF) <= YL_PAGE_SIZE - size)) {
        uint64_t v = 0;
        memcpy(&v, (void *)(uintptr_t)(lin + e->addend), size);
        return v;
    }
    return tlb_ld_slow(cpu, lin, size, mmu);
}

static inline void tlb_st(X86CPU *cpu, uint64_t lin, unsigned size, uint64_t v, int mmu)
{
    TLBEntry *e = tlb_entry(cpu, mmu, lin);
    if (likely(e->addr_write == (lin & ~TLB_PAGE_OFF) &&
               (lin & TLB_PAGE_OFF) <= YL_PAGE_SIZE - size)) {
        memcpy((void *)(uintptr_t)(lin + e->addend), &v, size);
        return;
    }
    tlb_st_slow(cpu, lin, size, v, mmu);
}

/* The host address of lin when the TLB holds a plain RAM entry for the
 * access (read, or write without TLB_NOTDIRTY/TLB_MMIO), else NULL.  Valid
 * to the end of lin's page; fills nothing, so a miss is the caller's cue to
 * take the element path.  For bulk accesses (REP MOVS/STOS). */
static inline void *tlb_host_ptr(X86CPU *cpu, uint64_t lin, bool write, int mmu)
{
    const TLBEntry *e = tlb_entry(cpu, mmu, lin);
    uint64_t tag = write ? e->addr_write : e->addr_read;
    if (tag != (lin & ~TLB_PAGE_OFF))
        return NULL;
    return (void *)(uintptr_t)(lin + e->addend);
}

#endif
