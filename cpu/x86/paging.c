/* The page walk: no paging, 32-bit paging (4 KiB and, with CR4.PSE, 4 MiB
 * pages), PAE paging (4 KiB and 2 MiB pages) and IA-32e 4-level paging
 * (4 KiB, 2 MiB and 1 GiB pages) with execute-disable (EFER.NXE), as Intel
 * SDM vol. 3 chapter 4 describes them.  Rights are checked over all levels
 * before any accessed/dirty bit is set, so a faulting access leaves the
 * tables alone. */
#include "cpu/x86/paging.h"

#define PTE_P 0x001
#define PTE_W 0x002
#define PTE_U 0x004
#define PTE_A 0x020
#define PTE_D 0x040
#define PTE_PS 0x080
#define PTE_G 0x100
#define PTE_XD (1ull << 63)

/* MAXPHYADDR is 40 (CPUID 0x80000008). */
#define PAE_ADDR_MASK 0x000000fffffff000ull
#define RSVD_PAE_HIGH 0x7fffff0000000000ull     /* bits 62:40 */
#define RSVD_LM_HIGH 0x000fff0000000000ull      /* bits 51:40 */
#define PDPTE_RSVD (0xffffff0000000000ull | 0x1e6ull)   /* 63:40, 2:1, 8:5 */

/* One paging-structure entry as the walk saw it, for the A/D update. */
typedef struct WalkEntry {
    uint64_t addr;          /* physical address of the entry */
    uint64_t val;
    bool wide;              /* 8 bytes (PAE) */
} WalkEntry;

typedef struct Walk {
    WalkEntry ent[4];
    int n;
    uint32_t rights;        /* AND of W and U over the levels */
    bool xd;                /* execute-disable at some level (NXE) */
} Walk;

static _Noreturn void page_fault(X86CPU *cpu, uint64_t lin, uint32_t err)
{
    cpu->cr[2] = lin;
    raise_exception_err(cpu, EXC_PF, err);
}

static uint64_t read_entry(X86CPU *cpu, Walk *w, uint64_t addr, bool wide)
{
    addr = a20_apply(cpu, addr);
    uint64_t v = phys_read(cpu->as, addr, wide ? 8 : 4);
    w->ent[w->n++] = (WalkEntry){ addr, v, wide };
    return v;
}

/* Sets A on every level and D on the last one for a write.  phys_write
 * keeps self-modifying-code tracking right for page tables holding code. */
static void set_accessed(X86CPU *cpu, Walk *w, bool write)
{
    for (int i = 0; i < w->n; i++) {
        WalkEntry *e = &w->ent[i];
        uint64_t nv = e->val | PTE_A | ((write && i == w->n - 1) ? PTE_D : 0);
        if (nv != e->val)
            phys_write(cpu->as, e->addr, (uint32_t)nv, 4);
    }
}

static bool nxe(const X86CPU *cpu)
{
    return (cpu->msr.efer & EFER_NXE) && (cpu->cr[4] & CR4_PAE);
}

/* I/D reports an instruction fetch where execute-disable exists. */
static uint32_t fault_err(X86CPU *cpu, int acc, bool user)
{
    uint32_t err = 0;
    if (acc == ACC_WRITE)
        err |= PF_W;
    if (user)
        err |= PF_U;
    if (acc == ACC_FETCH && nxe(cpu))
        err |= PF_I;
    return err;
}

/* Present at every level: now the rights of the combined walk. */
static void check_rights(X86CPU *cpu, uint64_t lin, int acc, bool user, Walk *w)
{
    bool ok;
    if (user)
        ok = (w->rights & PTE_U) && (acc != ACC_WRITE || (w->rights & PTE_W));
    else
        ok = acc != ACC_WRITE || (w->rights & PTE_W) || !(cpu->cr[0] & CR0_WP);
    if (acc == ACC_FETCH && w->xd)
        ok = false;
    if (!ok)
        page_fault(cpu, lin, fault_err(cpu, acc, user) | PF_P);
}

static void finish(X86CPU *cpu, uint64_t lin, int acc, bool user, Walk *w,
                   uint64_t frame, bool large, bool global, PageResult *r)
{
    check_rights(cpu, lin, acc, user, w);
    set_accessed(cpu, w, acc == ACC_WRITE);
    r->phys = a20_apply(cpu, frame) & YL_PAGE_MASK;
    r->dirty = acc == ACC_WRITE || (w->ent[w->n - 1].val & PTE_D);
    r->writable = user ? (w->rights & PTE_W) != 0
                       : ((w->rights & PTE_W) || !(cpu->cr[0] & CR0_WP));
    r->exec = !w->xd && (!user || (w->rights & PTE_U));
    r->large = large;
    r->global = global && (cpu->cr[4] & CR4_PGE);
}

/* Bits of a PAE / IA-32e entry that must be zero. */
static uint64_t rsvd_high(const X86CPU *cpu, bool lm)
{
    uint64_t r = lm ? RSVD_LM_HIGH : RSVD_PAE_HIGH;
    if (!(cpu->msr.efer & EFER_NXE))
        r |= PTE_XD;
    return r;
}

static void note_xd(const X86CPU *cpu, Walk *w, uint64_t e)
{
    if ((e & PTE_XD) && (cpu->msr.efer & EFER_NXE))
        w->xd = true;
}

static void walk32(X86CPU *cpu, uint32_t lin, int acc, bool user, PageResult *r)
{
    Walk w = { .n = 0, .rights = PTE_W | PTE_U };
    uint32_t err = fault_err(cpu, acc, user);
    uint64_t pde = read_entry(cpu, &w, (cpu->cr[3] & 0xfffff000u) + ((lin >> 22) << 2), false);
    if (!(pde & PTE_P))
        page_fault(cpu, lin, err);
    w.rights &= pde;
    if ((pde & PTE_PS) && (cpu->cr[4] & CR4_PSE)) {
        /* Bits 20:13 would be PSE-36 address bits (not offered); 21 is
         * reserved. */
        if (pde & (1u << 21))
            page_fault(cpu, lin, err | PF_P | PF_RSVD);
        uint64_t frame = (pde & 0xffc00000u) | (lin & 0x003ff000u);
        finish(cpu, lin, acc, user, &w, frame, true, pde & PTE_G, r);
        return;
    }
    uint64_t pte = read_entry(cpu, &w, (pde & 0xfffff000u) + (((lin >> 12) & 0x3ff) << 2), false);
    if (!(pte & PTE_P))
        page_fault(cpu, lin, err);
    w.rights &= pte;
    finish(cpu, lin, acc, user, &w, pte & 0xfffff000u, false, pte & PTE_G, r);
}

static void walk_pae(X86CPU *cpu, uint32_t lin, int acc, bool user, PageResult *r)
{
    Walk w = { .n = 0, .rights = PTE_W | PTE_U };
    uint32_t err = fault_err(cpu, acc, user);
    uint64_t rsvd = rsvd_high(cpu, false);
    uint64_t pdpte = cpu->pdpte[lin >> 30];
    if (!(pdpte & PTE_P))
        page_fault(cpu, lin, err);
    uint64_t pde = read_entry(cpu, &w, (pdpte & PAE_ADDR_MASK) + (((lin >> 21) & 0x1ff) << 3), true);
    if (!(pde & PTE_P))
        page_fault(cpu, lin, err);
    if (pde & rsvd)
        page_fault(cpu, lin, err | PF_P | PF_RSVD);
    w.rights &= pde;
    note_xd(cpu, &w, pde);
    if (pde & PTE_PS) {
        if (pde & 0x1fe000u)    /* bits 20:13 */
            page_fault(cpu, lin, err | PF_P | PF_RSVD);
        uint64_t frame = (pde & PAE_ADDR_MASK & ~0x1fffffull) | (lin & 0x001ff000u);
        finish(cpu, lin, acc, user, &w, frame, true, pde & PTE_G, r);
        return;
    }
    uint64_t pte = read_entry(cpu, &w, (pde & PAE_ADDR_MASK) + (((lin >> 12) & 0x1ff) << 3), true);
    if (!(pte & PTE_P))
        page_fault(cpu, lin, err);
    if (pte & rsvd)
        page_fault(cpu, lin, err | PF_P | PF_RSVD);
    w.rights &= pte;
    note_xd(cpu, &w, pte);
    finish(cpu, lin, acc, user, &w, pte & PAE_ADDR_MASK, false, pte & PTE_G, r);
}

/* Reserved bits of an IA-32e entry at level (4: PML4E ... 1: PTE). */
static uint64_t rsvd_lm(const X86CPU *cpu, int level, uint64_t e)
{
    uint64_t r = rsvd_high(cpu, true);
    if (level == 4)
        r |= PTE_PS;
    else if (level == 3 && (e & PTE_PS))
        r |= 0x3fffe000ull;     /* 1 GiB page: bits 29:13 */
    else if (level == 2 && (e & PTE_PS))
        r |= 0x1fe000ull;       /* 2 MiB page: bits 20:13 */
    return r;
}

static void walk_long(X86CPU *cpu, uint64_t lin, int acc, bool user, PageResult *r)
{
    Walk w = { .n = 0, .rights = PTE_W | PTE_U };
    uint32_t err = fault_err(cpu, acc, user);
    uint64_t table = cpu->cr[3] & PAE_ADDR_MASK;
    for (int level = 4;; level--) {
        int shift = 12 + 9 * (level - 1);
        uint64_t e = read_entry(cpu, &w, table + (((lin >> shift) & 0x1ff) << 3), true);
        if (!(e & PTE_P))
            page_fault(cpu, lin, err);
        if (e & rsvd_lm(cpu, level, e))
            page_fault(cpu, lin, err | PF_P | PF_RSVD);
        w.rights &= e;
        note_xd(cpu, &w, e);
        if (level == 1 || (level <= 3 && (e & PTE_PS))) {
            uint64_t off_mask = (1ull << shift) - 1;
            uint64_t frame = (e & PAE_ADDR_MASK & ~off_mask) | (lin & off_mask & ~0xfffull);
            finish(cpu, lin, acc, user, &w, frame, level > 1, e & PTE_G, r);
            return;
        }
        table = e & PAE_ADDR_MASK;
    }
}

void x86_page_walk(X86CPU *cpu, uint64_t lin, int acc, bool user, PageResult *r)
{
    if (cpu->msr.efer & EFER_LMA) {
        walk_long(cpu, lin, acc, user, r);
        return;
    }
    lin = (uint32_t)lin;
    if (!(cpu->cr[0] & CR0_PG)) {
        r->phys = a20_apply(cpu, lin) & YL_PAGE_MASK;
        r->writable = r->exec = r->dirty = true;
        r->global = r->large = false;
        return;
    }
    if (cpu->cr[4] & CR4_PAE)
        walk_pae(cpu, lin, acc, user, r);
    else
        walk32(cpu, lin, acc, user, r);
}

bool x86_load_pdptes(X86CPU *cpu, uint64_t cr3)
{
    uint64_t p[4];
    uint64_t base = (uint32_t)cr3 & ~0x1fu;
    for (int i = 0; i < 4; i++) {
        p[i] = phys_read(cpu->as, a20_apply(cpu, base + 8 * i), 8);
        if ((p[i] & PTE_P) && (p[i] & PDPTE_RSVD))
            return false;
    }
    memcpy(cpu->pdpte, p, sizeof(p));
    return true;
}
