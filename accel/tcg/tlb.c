/* The softmmu TLB: a direct-mapped cache per privilege class (supervisor,
 * user) from linear pages to host memory.  A hit costs one tag compare and
 * an add; everything else (misses, MMIO, ROM writes, writes to pages that
 * hold translated code, accesses crossing a page) takes the slow path.
 *
 * Tags hold the page address with TLB_* flags in the low bits, so a flagged
 * entry never matches on the fast path.  The low bits of TLBEntry.phys hold
 * what only the flush code needs (TLBP_*). */
#include "accel/tcg/tlb.h"
#include "cpu/x86/paging.h"

#define PAGE_OFF TLB_PAGE_OFF
#define TLBP_GLOBAL 0x1
#define TLBP_LARGE 0x2

static const TLBEntry tlb_empty = {
    TLB_INVALID, TLB_INVALID, TLB_INVALID, 0, 0
};

static inline uint64_t entry_tag(const TLBEntry *e, int acc)
{
    return acc == ACC_READ ? e->addr_read
         : acc == ACC_WRITE ? e->addr_write : e->addr_code;
}

/* Outside IA-32e mode linear addresses are 32 bits and wrap. */
static inline uint64_t lin_wrap(const X86CPU *cpu, uint64_t lin)
{
    return (cpu->msr.efer & EFER_LMA) ? lin : (uint32_t)lin;
}

/* ---- flushes ----------------------------------------------------------- */

/* An entry from a large page at page: INVLPG must look for it. */
static void large_note(X86CPU *cpu, uint64_t page)
{
    if (!cpu->tlb_has_large || page < cpu->tlb_large_lo)
        cpu->tlb_large_lo = page;
    if (!cpu->tlb_has_large || page > cpu->tlb_large_hi)
        cpu->tlb_large_hi = page;
    cpu->tlb_has_large = true;
}

static void tlb_flush_filtered(X86CPU *cpu, bool keep_global)
{
    cpu->tlb_has_large = false;
    for (int m = 0; m < MMU_NMODES; m++) {
        for (int i = 0; i < TLB_SIZE; i++) {
            TLBEntry *e = &cpu->tlb[m][i];
            if (keep_global && (e->phys & TLBP_GLOBAL) && e->addr_read != TLB_INVALID) {
                if (e->phys & TLBP_LARGE)
                    large_note(cpu, e->addr_read & ~(uint64_t)PAGE_OFF);
                continue;
            }
            *e = tlb_empty;
        }
    }
    cpu->tlb_generation = cpu->as ? cpu->as->generation : 0;
    tb_flush_jmp_cache(cpu);
}

void tlb_flush(X86CPU *cpu)
{
    tlb_flush_filtered(cpu, false);
}

void tlb_flush_nonglobal(X86CPU *cpu)
{
    tlb_flush_filtered(cpu, true);
}

void tlb_check_generation(X86CPU *cpu)
{
    if (unlikely(cpu->as && cpu->tlb_generation != cpu->as->generation))
        tlb_flush(cpu);
}

/* INVLPG: the 4 KiB entry, and if large pages are cached, every entry that
 * came from the large page containing lin. */
void tlb_flush_page(X86CPU *cpu, uint64_t lin)
{
    uint64_t page = lin & ~(uint64_t)PAGE_OFF;
    for (int m = 0; m < MMU_NMODES; m++) {
        TLBEntry *e = tlb_entry(cpu, m, page);
        if ((e->addr_read & ~(uint64_t)PAGE_OFF) == page)
            *e = tlb_empty;
    }
    bool large = false;
    /* The largest page the current paging mode has (1 GiB in IA-32e). */
    uint64_t mask = (cpu->msr.efer & EFER_LMA) ? ~(uint64_t)0x3fffffff
                  : (cpu->cr[4] & CR4_PAE) ? ~(uint64_t)0x1fffff : ~(uint64_t)0x3fffff;
    if (cpu->tlb_has_large && (page & mask) <= cpu->tlb_large_hi &&
        (page | ~mask) >= cpu->tlb_large_lo) {
        for (int m = 0; m < MMU_NMODES; m++) {
            for (int i = 0; i < TLB_SIZE; i++) {
                TLBEntry *e = &cpu->tlb[m][i];
                if ((e->phys & TLBP_LARGE) && e->addr_read != TLB_INVALID &&
                    (e->addr_read & mask) == (page & mask)) {
                    *e = tlb_empty;
                    large = true;
                }
            }
        }
    }
    /* Blocks found through a dropped large page may lie anywhere in it. */
    if (large)
        tb_flush_jmp_cache(cpu);
    else
        tb_flush_jmp_cache_page(cpu, page);
}

void tlb_protect_code(X86CPU *cpu, uint64_t phys_page)
{
    phys_page &= YL_PAGE_MASK;
    for (int m = 0; m < MMU_NMODES; m++) {
        for (int i = 0; i < TLB_SIZE; i++) {
            TLBEntry *e = &cpu->tlb[m][i];
            if (e->addr_write != TLB_INVALID && !(e->addr_write & TLB_MMIO) &&
                (e->phys & YL_PAGE_MASK) == phys_page)
                e->addr_write |= TLB_NOTDIRTY;
        }
    }
}

/* ---- fill -------------------------------------------------------------- */

/* The region that backs all of [page, page + 4 KiB) with host memory, or
 * NULL when the page needs per-access dispatch (MMIO, open bus, several
 * regions sharing the page). */
static const MemRegion *page_region(AddressSpace *as, uint64_t page)
{
    return mem_find_page(as, page);
}

static bool ram_page_has_code(const AddressSpace *as, uintptr_t host)
{
    if (!as->page_flags || host < (uintptr_t)as->ram ||
        host - (uintptr_t)as->ram >= as->ram_size)
        return false;
    return as->page_flags[(host - (uintptr_t)as->ram) >> YL_PAGE_BITS] & PAGE_CODE;
}

static void entry_set(X86CPU *cpu, TLBEntry *e, uint64_t page, const PageResult *pr,
                      bool want_write)
{
    AddressSpace *as = cpu->as;
    const MemRegion *r = page_region(as, pr->phys);
    uint64_t wtag = TLB_INVALID;
    bool writable = pr->writable && (pr->dirty || want_write);

    e->phys = pr->phys | (pr->global ? TLBP_GLOBAL : 0) | (pr->large ? TLBP_LARGE : 0);
    if (pr->large)
        large_note(cpu, page);
    if (!r) {
        e->addend = 0;
        e->addr_read = page | TLB_MMIO;
        e->addr_code = pr->exec ? (page | TLB_MMIO) : TLB_INVALID;
        e->addr_write = writable ? (page | TLB_MMIO) : TLB_INVALID;
        return;
    }
    uintptr_t host = (uintptr_t)(r->host + (pr->phys - r->base));
    e->addend = host - page;
    e->addr_read = page;
    e->addr_code = pr->exec ? page : TLB_INVALID;
    if (writable) {
        if (r->kind == MEM_ROM)
            wtag = page | TLB_MMIO;     /* phys_write drops it */
        else if (ram_page_has_code(as, host))
            wtag = page | TLB_NOTDIRTY;
        else
            wtag = page;
    }
    e->addr_write = wtag;
}

/* Makes the entry for lin valid for acc in set mmu (its tag may still carry
 * flags); raises #PF when the access is not allowed. */
static TLBEntry *tlb_fill(X86CPU *cpu, uint64_t lin, int acc, int mmu)
{
    uint64_t page = lin & ~(uint64_t)PAGE_OFF;
    tlb_check_generation(cpu);
    TLBEntry *e = tlb_entry(cpu, mmu, lin);
    if ((entry_tag(e, acc) & ~(uint64_t)PAGE_OFF) == page)
        return e;
    PageResult pr;
    x86_page_walk(cpu, lin, acc, mmu == MMU_USER, &pr);
    entry_set(cpu, e, page, &pr, acc == ACC_WRITE);
    return e;
}

/* ---- slow paths ------------------------------------------------------- */

static uint64_t ld_page(X86CPU *cpu, uint64_t lin, unsigned size, int mmu)
{
    TLBEntry *e = tlb_fill(cpu, lin, ACC_READ, mmu);
    if (e->addr_read & TLB_MMIO)
        return phys_read(cpu->as, (e->phys & YL_PAGE_MASK) | (lin & PAGE_OFF), size);
    uint64_t v = 0;
    memcpy(&v, (void *)(uintptr_t)(lin + e->addend), size);
    return v;
}

uint64_t tlb_ld_slow(X86CPU *cpu, uint64_t lin, unsigned size, int mmu)
{
    if ((lin & PAGE_OFF) + size <= YL_PAGE_SIZE)
        return ld_page(cpu, lin, size, mmu);
    /* Crossing pages: byte by byte, pages translated in address order. */
    uint64_t v = 0;
    for (unsigned i = 0; i < size; i++)
        v |= ld_page(cpu, lin_wrap(cpu, lin + i), 1, mmu) << (8 * i);
    return v;
}

/* Where a write within one page goes, decided before anything is written. */
typedef struct StTarget {
    TLBEntry *e;
    uint64_t tag;
    uint64_t phys;
    uintptr_t addend;
} StTarget;

static void st_target(X86CPU *cpu, uint64_t lin, int mmu, StTarget *t)
{
    t->e = tlb_fill(cpu, lin, ACC_WRITE, mmu);
    t->tag = t->e->addr_write;
    t->phys = t->e->phys & YL_PAGE_MASK;
    t->addend = t->e->addend;
}

static void st_do(X86CPU *cpu, const StTarget *t, uint64_t lin, unsigned size, uint64_t v)
{
    AddressSpace *as = cpu->as;
    if (t->tag & TLB_MMIO) {
        phys_write(as, t->phys | (lin & PAGE_OFF), v, size);
        return;
    }
    uintptr_t host = lin + t->addend;
    if (t->tag & TLB_NOTDIRTY) {
        uint64_t off = host - (uintptr_t)as->ram;
        if (ram_page_has_code(as, host) && as->code_write)
            as->code_write(as->code_write_opaque, off, size);
        /* The blocks may be gone now: later writes can go fast again. */
        if (!ram_page_has_code(as, host) && t->e->addr_write == t->tag)
            t->e->addr_write = t->tag & ~(uint64_t)TLB_NOTDIRTY;
    }
    memcpy((void *)host, &v, size);
}

void tlb_st_slow(X86CPU *cpu, uint64_t lin, unsigned size, uint64_t v, int mmu)
{
    StTarget t[2];
    unsigned first = YL_PAGE_SIZE - (lin & PAGE_OFF);
    if (first >= size) {
        st_target(cpu, lin, mmu, &t[0]);
        st_do(cpu, &t[0], lin, size, v);
        return;
    }
    uint64_t lin2 = lin_wrap(cpu, lin + first);
    st_target(cpu, lin, mmu, &t[0]);
    st_target(cpu, lin2, mmu, &t[1]);
    for (unsigned i = 0; i < size; i++) {
        uint64_t a = lin_wrap(cpu, lin + i);
        st_do(cpu, &t[i >= first], a, 1, (v >> (8 * i)) & 0xff);
    }
}

/* ---- fast paths -------------------------------------------------------- */

static inline uint64_t ld_mmu(X86CPU *cpu, uint64_t lin, unsigned size, int mmu)
{
    return tlb_ld(cpu, lin_wrap(cpu, lin), size, mmu);
}

static inline void st_mmu(X86CPU *cpu, uint64_t lin, unsigned size, uint64_t v, int mmu)
{
    tlb_st(cpu, lin_wrap(cpu, lin), size, v, mmu);
}

uint8_t lin_ld8(X86CPU *cpu, uint64_t lin) { return ld_mmu(cpu, lin, 1, tlb_mmu_index(cpu)); }
uint16_t lin_ld16(X86CPU *cpu, uint64_t lin) { return ld_mmu(cpu, lin, 2, tlb_mmu_index(cpu)); }
uint32_t lin_ld32(X86CPU *cpu, uint64_t lin) { return ld_mmu(cpu, lin, 4, tlb_mmu_index(cpu)); }
uint64_t lin_ld64(X86CPU *cpu, uint64_t lin) { return ld_mmu(cpu, lin, 8, tlb_mmu_index(cpu)); }
void lin_st8(X86CPU *cpu, uint64_t lin, uint8_t v) { st_mmu(cpu, lin, 1, v, tlb_mmu_index(cpu)); }
void lin_st16(X86CPU *cpu, uint64_t lin, uint16_t v) { st_mmu(cpu, lin, 2, v, tlb_mmu_index(cpu)); }
void lin_st32(X86CPU *cpu, uint64_t lin, uint32_t v) { st_mmu(cpu, lin, 4, v, tlb_mmu_index(cpu)); }
void lin_st64(X86CPU *cpu, uint64_t lin, uint64_t v) { st_mmu(cpu, lin, 8, v, tlb_mmu_index(cpu)); }

uint8_t sys_ld8(X86CPU *cpu, uint64_t lin) { return ld_mmu(cpu, lin, 1, MMU_KERNEL); }
uint16_t sys_ld16(X86CPU *cpu, uint64_t lin) { return ld_mmu(cpu, lin, 2, MMU_KERNEL); }
uint32_t sys_ld32(X86CPU *cpu, uint64_t lin) { return ld_mmu(cpu, lin, 4, MMU_KERNEL); }
uint64_t sys_ld64(X86CPU *cpu, uint64_t lin) { return ld_mmu(cpu, lin, 8, MMU_KERNEL); }
void sys_st8(X86CPU *cpu, uint64_t lin, uint8_t v) { st_mmu(cpu, lin, 1, v, MMU_KERNEL); }
void sys_st16(X86CPU *cpu, uint64_t lin, uint16_t v) { st_mmu(cpu, lin, 2, v, MMU_KERNEL); }
void sys_st32(X86CPU *cpu, uint64_t lin, uint32_t v) { st_mmu(cpu, lin, 4, v, MMU_KERNEL); }
void sys_st64(X86CPU *cpu, uint64_t lin, uint64_t v) { st_mmu(cpu, lin, 8, v, MMU_KERNEL); }

void lin_probe_write(X86CPU *cpu, uint64_t lin, uint32_t len)
{
    if (len == 0)
        return;
    int mmu = tlb_mmu_index(cpu);
    /* Outside IA-32e mode linear addresses wrap at 4 GiB. */
    uint64_t wrap = (cpu->msr.efer & EFER_LMA) ? UINT64_MAX : UINT32_MAX;
    uint64_t a = lin & wrap;
    uint64_t last = (lin + len - 1) & wrap;
    uint64_t npages = (((last & ~(uint64_t)PAGE_OFF) - (a & ~(uint64_t)PAGE_OFF)) & wrap) / YL_PAGE_SIZE + 1;
    for (uint64_t i = 0; i < npages; i++) {
        uint64_t p = i == 0 ? a : ((a & ~(uint64_t)PAGE_OFF) + i * YL_PAGE_SIZE) & wrap;
        TLBEntry *e = tlb_entry(cpu, mmu, p);
        if (e->addr_write != (p & ~(uint64_t)PAGE_OFF))
            tlb_fill(cpu, p, ACC_WRITE, mmu);
    }
}

/* ---- code fetch -------------------------------------------------------- */

uint64_t x86_code_phys(X86CPU *cpu, uint64_t lin)
{
    TLBEntry *e = tlb_fill(cpu, lin, ACC_FETCH, tlb_mmu_index(cpu));
    return (e->phys & YL_PAGE_MASK) | (lin & PAGE_OFF);
}

uint8_t x86_fetch_code8(X86CPU *cpu, uint64_t lin)
{
    int mmu = tlb_mmu_index(cpu);
    TLBEntry *e = tlb_entry(cpu, mmu, lin);
    if (likely(e->addr_code == (lin & ~(uint64_t)PAGE_OFF)))
        return *(uint8_t *)(uintptr_t)(lin + e->addend);
    e = tlb_fill(cpu, lin, ACC_FETCH, mmu);
    if (e->addr_code & TLB_MMIO)
        return phys_read(cpu->as, (e->phys & YL_PAGE_MASK) | (lin & PAGE_OFF), 1);
    return *(uint8_t *)(uintptr_t)(lin + e->addend);
}
