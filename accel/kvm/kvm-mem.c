/* Memslots: the RAM and ROM the guest sees, flattened from the machine's
 * overlapping regions into pieces KVM maps directly.  MMIO, the VGA
 * window and unassigned space get no slot: accesses there exit. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>

#include "accel/kvm/kvm_int.h"

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

/* Every region edge, page-rounded: the winner of mem_find is constant
 * between two consecutive edges. */
static int region_edges(const AddressSpace *as, uint64_t *pts)
{
    int n = 0;
    for (int i = 0; i < as->nregions; i++) {
        const MemRegion *r = &as->regions[i];
        pts[n++] = r->base & YL_PAGE_MASK;
        pts[n++] = (r->base + r->size + YL_PAGE_SIZE - 1) & YL_PAGE_MASK;
    }
    qsort(pts, n, sizeof(*pts), cmp_u64);
    return n;
}

static int flatten(const KVMState *s, KVMSlot *out, char *err, int errlen)
{
    const AddressSpace *as = &s->m->as;
    uint64_t pts[2 * MEM_MAX_REGIONS];
    int npts = region_edges(as, pts), n = 0;
    for (int i = 0; i + 1 < npts; i++) {
        uint64_t start = pts[i], end = pts[i + 1];
        const MemRegion *r = start < end ? mem_find(as, start) : NULL;
        if (!r || r->kind == MEM_MMIO || !r->host)
            continue;
        uint8_t *host = r->host + (start - r->base);
        bool ro = r->kind == MEM_ROM && s->readonly_mem;
        KVMSlot *last = n ? &out[n - 1] : NULL;
        if (last && last->gpa + last->size == start && last->host + last->size == host
            && last->readonly == ro) {
            last->size += end - start;
            continue;
        }
        if (n == KVM_MAX_SLOTS || n == s->max_slots) {
            snprintf(err, errlen, "kvm: the memory map needs more than %d memslots", n);
            return -1;
        }
        out[n++] = (KVMSlot){ start, end - start, host, ro, -1 };
    }
    return n;
}

static int slot_set(KVMState *s, const KVMSlot *k, bool remove)
{
    struct kvm_userspace_memory_region r = {
        .slot = k->id,
        .flags = k->readonly ? KVM_MEM_READONLY : 0,
        .guest_phys_addr = k->gpa,
        .memory_size = remove ? 0 : k->size,
        .userspace_addr = (uintptr_t)k->host,
    };
    return ioctl(s->vm_fd, KVM_SET_USER_MEMORY_REGION, &r);
}

static bool slot_same(const KVMSlot *a, const KVMSlot *b)
{
    return a->gpa == b->gpa && a->size == b->size && a->host == b->host
        && a->readonly == b->readonly;
}

static int free_id(const KVMState *s, const KVMSlot *slots, int n)
{
    for (int id = 0;; id++) {
        bool used = false;
        for (int i = 0; i < n && !used; i++)
            used = slots[i].id == id;
        if (!used)
            return id;
    }
}

/* Slots that changed go (first, so nothing overlaps), new ones come. */
int kvm_mem_update(KVMState *s, char *err, int errlen)
{
    if (s->mem_ready && s->mem_generation == s->m->as.generation)
        return 0;
    KVMSlot want[KVM_MAX_SLOTS];
    int n = flatten(s, want, err, errlen);
    if (n < 0)
        return -1;
    int kept = 0;
    for (int i = 0; i < s->nslots; i++) {
        KVMSlot *old = &s->slots[i];
        bool stays = false;
        for (int j = 0; j < n && !stays; j++)
            if (want[j].id < 0 && slot_same(old, &want[j])) {
                want[j].id = old->id;
                stays = true;
            }
        if (stays)
            s->slots[kept++] = *old;
        else
            slot_set(s, old, true);
    }
    s->nslots = kept;
    for (int j = 0; j < n; j++) {
        if (want[j].id >= 0)
            continue;
        want[j].id = free_id(s, s->slots, s->nslots);
        if (slot_set(s, &want[j], false) < 0) {
            snprintf(err, errlen, "kvm: memslot %#llx+%#llx: %s",
                     (unsigned long long)want[j].gpa, (unsigned long long)want[j].size,
                     strerror(errno));
            return -1;
        }
        s->slots[s->nslots++] = want[j];
    }
    s->mem_generation = s->m->as.generation;
    s->mem_ready = true;
    return 0;
}
