/* The guest physical address map: RAM, ROM and MMIO regions that may
 * overlap, the highest priority winning. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "yl/memory.h"

void as_init(AddressSpace *as)
{
    memset(as, 0, sizeof(*as));
}

int as_alloc_ram(AddressSpace *as, uint64_t size)
{
    char err[128];
    RamBacking def = { .merge = true };
    return as_alloc_ram_backed(as, size, &def, err, sizeof(err));
}

/* An unlinked file in DIR: the mapping is all that keeps it. */
static void *ram_map_file(const char *dir, uint64_t size, bool prealloc,
                          char *err, int errlen)
{
    char path[4096];
    snprintf(path, sizeof(path), "%s/yinglong-ram.XXXXXX", dir);
    int fd = mkstemp(path);
    if (fd < 0) {
        snprintf(err, errlen, "-mem-path %s: cannot create a file there: %s", dir,
                 strerror(errno));
        return MAP_FAILED;
    }
    unlink(path);
    void *p = MAP_FAILED;
    if (ftruncate(fd, size) < 0)
        snprintf(err, errlen, "-mem-path %s: cannot size the file: %s", dir, strerror(errno));
    else if ((p = mmap(NULL, size, PROT_READ | PROT_WRITE,
                       MAP_SHARED | (prealloc ? MAP_POPULATE : 0), fd, 0)) == MAP_FAILED)
        snprintf(err, errlen, "-mem-path %s: cannot map %llu MiB: %s", dir,
                 (unsigned long long)(size >> 20), strerror(errno));
    int e = errno;
    close(fd);
    errno = e;
    return p;
}

int as_alloc_ram_backed(AddressSpace *as, uint64_t size, const RamBacking *b,
                        char *err, int errlen)
{
    if (size == 0 || (size & (YL_PAGE_SIZE - 1)) || as->ram) {
        errno = EINVAL;
        snprintf(err, errlen, "bad RAM size");
        return -1;
    }
    void *p;
    if (b->mem_path) {
        p = ram_map_file(b->mem_path, size, b->prealloc, err, errlen);
    } else {
        /* NORESERVE: a big guest costs nothing until it touches its memory. */
        p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS |
                 (b->prealloc ? MAP_POPULATE : MAP_NORESERVE), -1, 0);
        if (p == MAP_FAILED)
            snprintf(err, errlen, "%s", strerror(errno));
    }
    if (p == MAP_FAILED)
        return -1;
    if (b->merge && !b->mem_path)
        madvise(p, size, MADV_MERGEABLE);   /* without KSM: harmless EINVAL */
    uint64_t npages = size >> YL_PAGE_BITS;
    void *flags = mmap(NULL, npages, PROT_READ | PROT_WRITE,
                       MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (flags == MAP_FAILED) {
        int e = errno;
        snprintf(err, errlen, "%s", strerror(e));
        munmap(p, size);
        errno = e;
        return -1;
    }
    as->ram = p;
    as->ram_size = size;
    as->page_flags = flags;
    return 0;
}

void as_destroy(AddressSpace *as)
{
    if (as->ram) {
        munmap(as->ram, as->ram_size);
        munmap(as->page_flags, as->ram_size >> YL_PAGE_BITS);
    }
    memset(as, 0, sizeof(*as));
}

/* A free slot has size 0; slots are reused so that returned pointers stay
 * valid across mem_del of other regions. */
static MemRegion *mem_add(AddressSpace *as, const char *name, MemKind kind,
                          uint64_t base, uint64_t size, int priority)
{
    if (size == 0 || base + size - 1 < base)
        return NULL;
    MemRegion *r = NULL;
    for (int i = 0; i < as->nregions; i++) {
        if (as->regions[i].size == 0) {
            r = &as->regions[i];
            break;
        }
    }
    if (!r) {
        if (as->nregions == MEM_MAX_REGIONS)
            return NULL;
        r = &as->regions[as->nregions++];
    }
    memset(r, 0, sizeof(*r));
    r->name = name;
    r->kind = kind;
    r->base = base;
    r->size = size;
    r->priority = priority;
    as->generation++;
    return r;
}

MemRegion *mem_add_ram(AddressSpace *as, const char *name, uint64_t base,
                       uint64_t size, uint8_t *host, int priority)
{
    if (!host || host < as->ram || host + size > as->ram + as->ram_size
        || size > as->ram_size)
        return NULL;
    MemRegion *r = mem_add(as, name, MEM_RAM, base, size, priority);
    if (r)
        r->host = host;
    return r;
}

MemRegion *mem_add_rom(AddressSpace *as, const char *name, uint64_t base,
                       uint64_t size, uint8_t *host, int priority)
{
    if (!host)
        return NULL;
    MemRegion *r = mem_add(as, name, MEM_ROM, base, size, priority);
    if (r)
        r->host = host;
    return r;
}

MemRegion *mem_add_mmio(AddressSpace *as, const char *name, uint64_t base,
                        uint64_t size, const MemOps *ops, void *opaque,
                        int priority)
{
    if (!ops)
        return NULL;
    MemRegion *r = mem_add(as, name, MEM_MMIO, base, size, priority);
    if (r) {
        r->ops = ops;
        r->opaque = opaque;
    }
    return r;
}

void mem_del(AddressSpace *as, MemRegion *r)
{
    if (!r || r < as->regions || r >= as->regions + as->nregions)
        return;
    memset(r, 0, sizeof(*r));
    while (as->nregions > 0 && as->regions[as->nregions - 1].size == 0)
        as->nregions--;
    as->generation++;
}

static bool region_contains(const MemRegion *r, uint64_t addr)
{
    return r->size && addr >= r->base && addr - r->base < r->size;
}

/* Does a (at index ia) win over b (at index ib)?  Ties: the later slot. */
static bool region_beats(const MemRegion *a, int ia, const MemRegion *b, int ib)
{
    return a->priority > b->priority || (a->priority == b->priority && ia > ib);
}

static int mem_find_index(const AddressSpace *as, uint64_t addr)
{
    int best = -1;
    for (int i = 0; i < as->nregions; i++) {
        const MemRegion *r = &as->regions[i];
        if (region_contains(r, addr)
            && (best < 0 || region_beats(r, i, &as->regions[best], best)))
            best = i;
    }
    return best;
}

const MemRegion *mem_find(const AddressSpace *as, uint64_t addr)
{
    int i = mem_find_index(as, addr);
    return i < 0 ? NULL : &as->regions[i];
}

/* The region serving addr and how many bytes from addr it keeps serving
 * (until it ends or a region that beats it begins). */
static const MemRegion *mem_find_extent_slow(AddressSpace *as, uint64_t addr,
                                             uint64_t *avail)
{
    int w = mem_find_index(as, addr);
    const MemRegion *win = w < 0 ? NULL : &as->regions[w];
    uint64_t span = win ? win->size - (addr - win->base) : UINT64_MAX - addr + 1;
    if (span == 0)      /* addr == 0 with nothing mapped: whole space */
        span = UINT64_MAX;
    for (int i = 0; i < as->nregions; i++) {
        const MemRegion *r = &as->regions[i];
        if (!r->size || r->base <= addr || r->base - addr >= span)
            continue;
        if (!win || region_beats(r, i, win, w))
            span = r->base - addr;
    }
    *avail = span;
    unsigned k = as->find_next++ % 4;
    as->find_cache[k].start = addr;
    as->find_cache[k].end = addr + span < addr ? UINT64_MAX : addr + span;
    as->find_cache[k].index = w;
    as->find_cache[k].generation = as->generation;
    as->find_cache[k].valid = true;
    return win;
}

/* Page walks and TLB fills look up the same few extents (low RAM, high
 * RAM, a device) over and over: the answers hold until the map changes. */
static const MemRegion *mem_find_extent(AddressSpace *as, uint64_t addr, uint64_t *avail)
{
    for (int k = 0; k < 4; k++) {
        const typeof(as->find_cache[0]) *f = &as->find_cache[k];
        if (f->valid && f->generation == as->generation && addr >= f->start && addr < f->end) {
            *avail = f->end - addr;
            return f->index < 0 ? NULL : &as->regions[f->index];
        }
    }
    return mem_find_extent_slow(as, addr, avail);
}

static void ram_written(AddressSpace *as, const uint8_t *host, uint64_t len)
{
    if (!as->ram || host < as->ram || host >= as->ram + as->ram_size)
        return;
    uint64_t off = host - as->ram;
    uint64_t first = off >> YL_PAGE_BITS, last = (off + len - 1) >> YL_PAGE_BITS;
    for (uint64_t p = first; p <= last; p++) {
        if (as->page_flags[p] & PAGE_CODE) {
            if (as->code_write)
                as->code_write(as->code_write_opaque, off, len);
            return;
        }
    }
}

/* Splits an MMIO access into naturally aligned pieces of 8, 4, 2 or 1. */
static void mmio_rw(const MemRegion *r, uint64_t addr, uint8_t *buf,
                    uint64_t len, bool is_write)
{
    uint64_t off = addr - r->base;
    while (len) {
        unsigned size = 8;
        while (size > len || (off & (size - 1)))
            size >>= 1;
        uint64_t v = 0;
        if (is_write) {
            memcpy(&v, buf, size);
            if (r->ops->write)
                r->ops->write(r->opaque, off, v, size);
        } else {
            v = r->ops->read ? r->ops->read(r->opaque, off, size) : ~0ull;
            memcpy(buf, &v, size);
        }
        off += size;
        buf += size;
        len -= size;
    }
}

static void phys_access(AddressSpace *as, uint64_t addr, uint8_t *buf,
                        uint64_t len, bool is_write, bool load)
{
    while (len) {
        uint64_t avail;
        const MemRegion *r = mem_find_extent(as, addr, &avail);
        uint64_t n = len < avail ? len : avail;
        if (!r) {
            if (!is_write)
                memset(buf, 0xff, n);
        } else if (r->kind == MEM_MMIO) {
            mmio_rw(r, addr, buf, n, is_write);
        } else {
            uint8_t *host = r->host + (addr - r->base);
            if (!is_write) {
                memcpy(buf, host, n);
            } else if (r->kind == MEM_RAM || load) {
                memcpy(host, buf, n);
                ram_written(as, host, n);
            }
        }
        addr += n;
        buf += n;
        len -= n;
    }
}

uint64_t phys_read(AddressSpace *as, uint64_t addr, unsigned size)
{
    uint64_t v = 0;
    if (size > 8)
        size = 8;
    uint64_t avail;
    const MemRegion *r = mem_find_extent(as, addr, &avail);
    /* Page walks read RAM 4 or 8 bytes at a time: no general copy. */
    if (r && r->kind != MEM_MMIO && avail >= size && (size == 8 || size == 4)) {
        const uint8_t *host = r->host + (addr - r->base);
        if (size == 8)
            memcpy(&v, host, 8);
        else
            memcpy(&v, host, 4);
        return v;
    }
    /* One access to one device keeps its size (MMIO registers care). */
    if (r && r->kind == MEM_MMIO && avail >= size) {
        v = r->ops->read ? r->ops->read(r->opaque, addr - r->base, size) : ~0ull;
        return size == 8 ? v : v & ((1ull << (size * 8)) - 1);
    }
    phys_access(as, addr, (uint8_t *)&v, size, false, false);
    return v;
}

void phys_write(AddressSpace *as, uint64_t addr, uint64_t val, unsigned size)
{
    if (size > 8)
        size = 8;
    uint64_t avail;
    const MemRegion *r = mem_find_extent(as, addr, &avail);
    /* Accessed and dirty bits of page tables in RAM: no general copy. */
    if (r && r->kind == MEM_RAM && avail >= size && (size == 8 || size == 4)) {
        uint8_t *host = r->host + (addr - r->base);
        if (size == 8)
            memcpy(host, &val, 8);
        else
            memcpy(host, &val, 4);
        ram_written(as, host, size);
        return;
    }
    if (r && r->kind == MEM_MMIO && avail >= size) {
        if (r->ops->write)
            r->ops->write(r->opaque, addr - r->base, val, size);
        return;
    }
    phys_access(as, addr, (uint8_t *)&val, size, true, false);
}

void phys_rw(AddressSpace *as, uint64_t addr, void *buf, uint64_t len,
             bool is_write)
{
    phys_access(as, addr, buf, len, is_write, false);
}

void phys_load(AddressSpace *as, uint64_t addr, const void *buf, uint64_t len)
{
    phys_access(as, addr, (uint8_t *)buf, len, true, true);
}

const MemRegion *mem_find_page(AddressSpace *as, uint64_t page)
{
    uint64_t avail;
    const MemRegion *r = mem_find_extent(as, page, &avail);
    if (!r || r->kind == MEM_MMIO || !r->host || avail < YL_PAGE_SIZE)
        return NULL;
    return r;
}

uint8_t *phys_host_ptr(AddressSpace *as, uint64_t addr, uint64_t len)
{
    uint64_t avail;
    const MemRegion *r = mem_find_extent(as, addr, &avail);
    if (!r || r->kind == MEM_MMIO || avail < len)
        return NULL;
    return r->host + (addr - r->base);
}
