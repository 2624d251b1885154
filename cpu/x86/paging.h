/* The page walk (paging.c) as the softmmu TLB (accel/tcg/tlb.c) and the
 * control-register code (cr.c) use it. */
#ifndef YL_X86_PAGING_H
#define YL_X86_PAGING_H

#include "cpu/x86/x86.h"

enum { ACC_READ, ACC_WRITE, ACC_FETCH };

/* #PF error code bits */
#define PF_P 0x01
#define PF_W 0x02
#define PF_U 0x04
#define PF_RSVD 0x08
#define PF_I 0x10

/* What one translation allows the mode it was done for. */
typedef struct PageResult {
    uint64_t phys;          /* 4 KiB page frame of the address, A20 applied */
    bool writable;          /* a write would be allowed (once D is set) */
    bool exec;
    bool dirty;             /* D already set: writes need no walk */
    bool global;
    bool large;             /* from a 2 MiB / 4 MiB / 1 GiB page */
} PageResult;

/* Translates lin for an access of kind acc (ACC_*) with user or supervisor
 * rights, setting A/D bits; raises #PF (CR2 = lin) when not allowed. */
void x86_page_walk(X86CPU *cpu, uint64_t lin, int acc, bool user, PageResult *r);

/* PAE paging: reads the four PDPTEs from cr3 into cpu->pdpte.  Returns
 * false (and changes nothing) if one that is present has reserved bits
 * set; the caller raises #GP(0). */
bool x86_load_pdptes(X86CPU *cpu, uint64_t cr3);

/* Clears the address bit 20 when the A20 gate is closed. */
static inline uint64_t a20_apply(const X86CPU *cpu, uint64_t pa)
{
    return pa & ~(uint64_t)(uint32_t)~cpu->a20_mask;
}

#endif
