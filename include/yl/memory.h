/* Guest physical address map: RAM, ROM and MMIO regions.
 *
 * One lookup (mem_find) serves the TCG TLB fill, later KVM memslot setup and
 * KVM MMIO exits alike.  Regions may overlap; the one with the highest
 * priority wins (so the BIOS ROM or VGA window can sit over RAM). */
#ifndef YL_MEMORY_H
#define YL_MEMORY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define YL_PAGE_BITS 12
#define YL_PAGE_SIZE (1u << YL_PAGE_BITS)
#define YL_PAGE_MASK (~(uint64_t)(YL_PAGE_SIZE - 1))

typedef struct MemOps {
    /* addr is the offset from the region's base; size is 1, 2, 4 or 8. */
    uint64_t (*read)(void *opaque, uint64_t addr, unsigned size);
    void (*write)(void *opaque, uint64_t addr, uint64_t val, unsigned size);
} MemOps;

typedef enum MemKind { MEM_RAM, MEM_ROM, MEM_MMIO } MemKind;

typedef struct MemRegion {
    const char *name;
    MemKind kind;
    uint64_t base, size;
    uint8_t *host;          /* RAM/ROM: host memory backing base..base+size */
    const MemOps *ops;      /* MMIO */
    void *opaque;
    int priority;
} MemRegion;

/* Per-page flags of guest RAM (indexed by guest physical page number of the
 * RAM block, see AddressSpace.ram_pages). */
enum {
    PAGE_CODE = 1 << 0,     /* holds translated code: writes must invalidate */
};

#define MEM_MAX_REGIONS 64

typedef struct AddressSpace {
    MemRegion regions[MEM_MAX_REGIONS];
    int nregions;
    /* The machine's RAM block: one MAP_NORESERVE mapping. */
    uint8_t *ram;
    uint64_t ram_size;
    uint8_t *page_flags;    /* one byte per 4 KiB page of the RAM block */
    /* Bumped whenever the map changes, so TLBs know to flush. */
    uint32_t generation;
    /* The last extents lookups found (core/memory.c): [start, end) is
     * served by regions[index] (-1: nothing), while generation holds. */
    struct {
        uint64_t start, end;
        int index;
        uint32_t generation;
        bool valid;
    } find_cache[4];
    unsigned find_next;     /* the entry the next miss replaces */
    /* Called for writes that do not go through the CPU TLB (DMA, loaders,
     * phys_write) into pages flagged PAGE_CODE. */
    void (*code_write)(void *opaque, uint64_t ram_offset, uint64_t len);
    void *code_write_opaque;
} AddressSpace;

void as_init(AddressSpace *as);
/* Reserves the RAM block.  Returns 0, or -1 with errno set. */
int as_alloc_ram(AddressSpace *as, uint64_t size);
/* How the RAM block is backed: -mem-path, -mem-prealloc, -machine mem-merge. */
typedef struct RamBacking {
    const char *mem_path;   /* a directory (e.g. hugetlbfs); NULL: anonymous */
    bool prealloc;          /* touch every page now */
    bool merge;             /* MADV_MERGEABLE: KSM may share identical pages */
} RamBacking;
/* as_alloc_ram with a backing.  Returns 0, or -1 with a one-line reason
 * in err. */
int as_alloc_ram_backed(AddressSpace *as, uint64_t size, const RamBacking *b,
                        char *err, int errlen);
void as_destroy(AddressSpace *as);

/* host must point into as->ram for RAM regions (ram_offset = host - as->ram). */
MemRegion *mem_add_ram(AddressSpace *as, const char *name, uint64_t base,
                       uint64_t size, uint8_t *host, int priority);
MemRegion *mem_add_rom(AddressSpace *as, const char *name, uint64_t base,
                       uint64_t size, uint8_t *host, int priority);
MemRegion *mem_add_mmio(AddressSpace *as, const char *name, uint64_t base,
                        uint64_t size, const MemOps *ops, void *opaque,
                        int priority);
void mem_del(AddressSpace *as, MemRegion *r);

/* The highest-priority region containing addr, or NULL (open bus). */
const MemRegion *mem_find(const AddressSpace *as, uint64_t addr);

/* Accesses by physical address from devices, loaders and the page walker.
 * Unassigned addresses read as all ones and ignore writes; ROM ignores
 * writes; writes to RAM pages with translated code call code_write. */
uint64_t phys_read(AddressSpace *as, uint64_t addr, unsigned size);
void phys_write(AddressSpace *as, uint64_t addr, uint64_t val, unsigned size);
void phys_rw(AddressSpace *as, uint64_t addr, void *buf, uint64_t len,
             bool is_write);
/* Loaders write into ROM too (the image must get there somehow). */
void phys_load(AddressSpace *as, uint64_t addr, const void *buf, uint64_t len);

/* The RAM or ROM region that alone serves the whole page at page (page
 * aligned), or NULL (MMIO, open bus, several regions in the page). */
const MemRegion *mem_find_page(AddressSpace *as, uint64_t page);
/* Host pointer for [addr, addr+len) if it lies in one RAM/ROM region. */
uint8_t *phys_host_ptr(AddressSpace *as, uint64_t addr, uint64_t len);

#endif
