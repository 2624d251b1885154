/* Translation blocks: runs of decoded instructions, cached by the physical
 * address of their first byte, the CS base and the mode flags.
 *
 * One TBCache serves every CPU of a machine: a block decoded by one CPU is
 * run by the others, and a write to guest code (the address space's one
 * code_write hook) invalidates it for all.  What depends on the CPU's
 * linear view, the jump cache by linear PC, and the block a CPU is running
 * are per CPU (TBJmpCache). */
#ifndef YL_TCG_TB_H
#define YL_TCG_TB_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "accel/tcg/jit/jit.h"
#include "cpu/x86/x86.h"
#include "yl/machine.h"

#define TB_MAX_INSNS 64
#define TB_HASH_BITS 18
#define TB_JMP_CACHE_BITS 12
#define TB_NO_PAGE UINT64_MAX

/* Mode bits that change how bytes decode or which pages may be fetched. */
enum {
    TBF_CODE32 = 1 << 0,
    TBF_USER = 1 << 1,      /* fetched with CPL 3 rights */
    TBF_STEP = 1 << 2,      /* one instruction (TF single-step) */
    TBF_CODE64 = 1 << 3,    /* 64-bit mode */
    /* 32-bit code with CS, DS, ES and SS flat: base 0, limit 4 GiB, the
     * data segments present and writable, SS 32-bit (the JIT skips their
     * checks).  Only instructions that end their block load them. */
    TBF_FLAT = 1 << 4,
};

typedef struct TB TB;
struct TB {
    uint64_t pc;            /* linear address of the first instruction */
    uint64_t cs_base;
    uint32_t flags;
    bool valid;
    uint16_t n;             /* instructions */
    uint16_t size;          /* bytes of guest code */
    uint64_t phys_pc;
    /* Guest RAM offsets covered, per page (TB_NO_PAGE when the bytes are
     * not in the RAM block, e.g. ROM, which needs no invalidation). */
    uint64_t ram_start[2], ram_end[2];
    uint64_t phys_page2;    /* second page's physical address, or TB_NO_PAGE */
    JitCode host;           /* its host code (jit.h), or NULL */
    uint32_t chain_entry;   /* offset of the chained entry in host */
    uint32_t chain_bad;     /* offset of its way back to the exec loop */
    uint32_t host_size;     /* bytes of host code */
    TB *hash_next;
    TB *page_next[2];
    Insn insn[];
};

/* Per CPU: blocks by linear PC (valid for this CPU's paging and CS), and
 * the block being executed, which an invalidation must stop. */
typedef struct TBJmpCache {
    TB *current;
    TB *fresh;              /* tcg_nocache: the block made last, dropped next */
    TB *entry[1 << TB_JMP_CACHE_BITS];
} TBJmpCache;

typedef struct TBCache {
    uint8_t *arena;
    JitBuffer *jit;         /* host code of the blocks; NULL: interpreter only */
    FILE *perfmap;          /* -perfmap: one line per block's host code */
    size_t arena_size, arena_used;
    TB *hash[1 << TB_HASH_BITS];
    TB **page_tbs;          /* per RAM page: TBs with code there */
    uint64_t ram_pages;
    AddressSpace *as;
    struct X86CPU *cpus[MACHINE_MAX_CPUS];  /* the CPUs attached */
    int ncpus;
    uint64_t generated, flushes, invalidated;
} TBCache;

TBCache *tb_cache_new(AddressSpace *as, size_t arena_bytes);
void tb_cache_free(TBCache *c);
/* Gives cpu its jump cache and makes it a user of c (cpu->tbc).  -1: out
 * of memory or of slots. */
int tb_cache_attach(TBCache *c, struct X86CPU *cpu);
/* Undoes attach; returns how many CPUs still use c. */
int tb_cache_detach(TBCache *c, struct X86CPU *cpu);
static inline bool seg_flat(const SegCache *s, uint32_t need)
{
    uint32_t mask = DESC_P_MASK | DESC_CS_MASK | DESC_E_MASK | DESC_W_MASK | need;
    return s->base == 0 && s->limit == 0xffffffffu &&
           (s->flags & mask) == (DESC_P_MASK | DESC_W_MASK | need);
}

/* What a block is keyed by besides its address: the CPU's mode now. */
static inline uint32_t tb_mode_flags(const X86CPU *cpu)
{
    uint32_t f = 0;
    int mode = x86_code_mode(cpu);
    if (mode == 64)
        f |= TBF_CODE64;
    else if (mode == 32)
        f |= TBF_CODE32;
    if (mode == 32 && cpu->seg[R_CS].base == 0 && cpu->seg[R_CS].limit == 0xffffffffu &&
        seg_flat(&cpu->seg[R_DS], 0) && seg_flat(&cpu->seg[R_ES], 0) &&
        seg_flat(&cpu->seg[R_SS], DESC_B_MASK))
        f |= TBF_FLAT;
    if (cpu->cpl == 3)
        f |= TBF_USER;
    if (cpu->eflags & TF_MASK)
        f |= TBF_STEP;
    return f;
}

/* The jump cache index: the high half from the page number, the low half
 * from the offset in the page, so that the blocks of one page share one
 * bucket of TB_JMP_BUCKET entries and INVLPG clears only that bucket (and
 * the previous page's, whose blocks may reach into this one). */
#define TB_JMP_BUCKET_BITS (TB_JMP_CACHE_BITS / 2)
#define TB_JMP_BUCKET (1 << TB_JMP_BUCKET_BITS)
static inline uint32_t tb_jmp_bucket(uint64_t pc)
{
    return (uint32_t)((pc >> YL_PAGE_BITS) & (TB_JMP_BUCKET - 1)) << TB_JMP_BUCKET_BITS;
}

static inline uint32_t tb_jmp_index(uint64_t pc)
{
    return tb_jmp_bucket(pc) | (uint32_t)((pc ^ (pc >> TB_JMP_BUCKET_BITS)) & (TB_JMP_BUCKET - 1));
}

/* tb_find past the jump cache: the hash by physical PC, else a new block. */
TB *tb_find_slow(struct X86CPU *cpu, uint64_t pc, uint64_t cs_base, uint32_t flags);
/* tb_find with cpu->tcg_nocache: always a newly decoded block. */
TB *tb_find_fresh(struct X86CPU *cpu, uint64_t pc, uint32_t flags);

/* The block to run at the CPU's current CS:EIP, translating if needed.
 * May raise #PF/#GP for the fetch of its first instruction.  Inline: the
 * jump-cache hit is what runs between almost every two blocks. */
static inline TB *tb_find(struct X86CPU *cpu)
{
    uint64_t cs_base = cpu->seg[R_CS].base;
    uint32_t flags = tb_mode_flags(cpu);
    uint64_t pc = cs_base + cpu->rip;
    if (!(flags & TBF_CODE64))
        pc = (uint32_t)pc;
    if (unlikely(cpu->tcg_nocache))
        return tb_find_fresh(cpu, pc, flags);
    TB *tb = cpu->tb_jmp->entry[tb_jmp_index(pc)];
    if (likely(tb && tb->pc == pc && tb->flags == flags && tb->cs_base == cs_base && tb->valid))
        return tb;
    return tb_find_slow(cpu, pc, cs_base, flags);
}
/* Drops every block (arena full, or on request). */
void tb_flush_all(TBCache *c);
/* Invalidates the blocks overlapping [ram_offset, ram_offset + len). */
void tb_invalidate_ram(TBCache *c, uint64_t ram_offset, uint64_t len);

#endif
