/* The JIT's register cache: guest registers held in host registers for
 * the length of a block, so that an instruction reads the value the one
 * before it computed without a round trip through memory.
 *
 * Written back: a register the block changed is marked dirty and stored
 * to cpu->regs only where something else may look at cpu->regs - before
 * a call (a handler, a slow memory access, the flags helpers; a fault
 * longjmps out of those), on every way out of the block, when its slot
 * is taken for another register, and before an instruction touches the
 * register in memory (byte and word forms).  A call makes the cache
 * forget (the cache registers are caller-saved); a slow path writes back
 * what was dirty where it branched off and reloads the cache it left. */
#include <string.h>

#include "accel/tcg/jit/jit-internal.h"

static const uint8_t cache_host[JIT_NCACHE] = { H_RSI, H_RDI, H_R9, H_R10, H_R11 };

void jit_cache_drop(JitCtx *c)
{
    memset(c->cache_g, 0xff, sizeof(c->cache_g));
    c->cache_dirty = 0;
    c->cache_calls = c->e.calls;
}

/* A call since the cache was filled clobbered it (jit_cache_writeback
 * came before the call: nothing dirty is lost). */
static void cache_sync(JitCtx *c)
{
    if (c->cache_calls != c->e.calls)
        jit_cache_drop(c);
}

static void store_slot(JitCtx *c, int k)
{
    e_store(&c->e, 8, H_CPU, GREG(c->cache_g[k]), cache_host[k]);
}

/* Slot k's register in cpu->regs from now on, the slot no longer dirty. */
static void clean_slot(JitCtx *c, int k)
{
    if (c->cache_dirty & (1u << k))
        store_slot(c, k);
    c->cache_dirty &= ~(1u << k);
}

void jit_cache_writeback(JitCtx *c)
{
    cache_sync(c);
    for (int k = 0; k < JIT_NCACHE; k++)
        if (c->cache_dirty & (1u << k))
            store_slot(c, k);
}

static int cache_find(JitCtx *c, int r)
{
    cache_sync(c);
    for (int k = 0; k < JIT_NCACHE; k++) {
        if (c->cache_g[k] == r) {
            c->cache_used[k] = ++c->cache_tick;
            return k;
        }
    }
    return -1;
}

/* The least recently used slot, now for r (its value is the caller's to
 * put there); a dirty register there is written back first. */
static int cache_alloc(JitCtx *c, int r)
{
    int best = 0;
    for (int k = 1; k < JIT_NCACHE; k++)
        if (c->cache_g[k] == 0xff || (c->cache_g[best] != 0xff &&
                                      c->cache_used[k] < c->cache_used[best]))
            best = k;
    clean_slot(c, best);
    c->cache_g[best] = (uint8_t)r;
    c->cache_used[best] = ++c->cache_tick;
    return best;
}

static int slot_loaded(JitCtx *c, int r)
{
    int k = cache_find(c, r);
    if (k < 0) {
        k = cache_alloc(c, r);
        e_load(&c->e, 8, cache_host[k], H_CPU, GREG(r));
    }
    return k;
}

void jit_get_reg(JitCtx *c, int size, int h, int r)
{
    if (c->cache_off) {
        e_load(&c->e, size, h, H_CPU, GREG(r));
        return;
    }
    int hr = cache_host[slot_loaded(c, r)];
    if (size >= 4)
        e_mov_rr(&c->e, size, h, hr);
    else
        e_movzx_rr(&c->e, size, h, hr);
}

int jit_reg_host(JitCtx *c, int r)
{
    if (c->cache_off)
        return H_NONE;
    return cache_host[slot_loaded(c, r)];
}

int jit_reg_host_w(JitCtx *c, int r)
{
    if (c->cache_off)
        return H_NONE;
    int k = cache_find(c, r);
    if (k < 0)
        k = cache_alloc(c, r);
    return cache_host[k];
}

void jit_reg_store(JitCtx *c, int r, int h)
{
    for (int k = 0; k < JIT_NCACHE; k++) {
        if (c->cache_g[k] == r && cache_host[k] == h) {
            c->cache_dirty |= 1u << k;
            return;
        }
    }
    e_store(&c->e, 8, H_CPU, GREG(r), h);   /* not (or no longer) cached */
}

void jit_set_reg(JitCtx *c, int size, int r, int h)
{
    (void)size;
    if (c->cache_off) {
        e_store(&c->e, 8, H_CPU, GREG(r), h);
        return;
    }
    int k = cache_find(c, r);
    if (k < 0)
        k = cache_alloc(c, r);
    e_mov_rr(&c->e, 8, cache_host[k], h);
    c->cache_dirty |= 1u << k;
}

void jit_reg_flush(JitCtx *c, int r)
{
    if (c->cache_off)
        return;
    cache_sync(c);
    for (int k = 0; k < JIT_NCACHE; k++)
        if (c->cache_g[k] == r)
            clean_slot(c, k);
}

void jit_reg_written(JitCtx *c, int r)
{
    for (int k = 0; k < JIT_NCACHE; k++) {
        if (c->cache_g[k] == r) {
            c->cache_g[k] = 0xff;
            c->cache_dirty &= ~(1u << k);
        }
    }
}

void jit_cache_snapshot(JitCtx *c, uint8_t *snap, uint8_t *dirty)
{
    cache_sync(c);
    memcpy(snap, c->cache_g, JIT_NCACHE);
    *dirty = c->cache_dirty;
}

void jit_cache_restore(JitCtx *c, const uint8_t *snap, uint8_t dirty)
{
    memcpy(c->cache_g, snap, JIT_NCACHE);
    c->cache_dirty = dirty;
    c->cache_calls = c->e.calls;
}

void jit_cache_reload(JitCtx *c, const uint8_t *snap)
{
    for (int k = 0; k < JIT_NCACHE; k++)
        if (snap[k] != 0xff)
            e_load(&c->e, 8, cache_host[k], H_CPU, GREG(snap[k]));
}
