/* The JIT's register cache: guest registers held in host registers for
 * the length of a block, so that an instruction reads the value the one
 * before it computed without a round trip through memory.
 *
 * Writes go through to cpu->regs as well (a store costs little and is
 * off the dependency chain), which keeps the design simple: memory is
 * always current, so handler calls, faults and exits need no write-back;
 * a call only makes the cache forget (caller-saved registers), and a slow
 * path reloads the cache it branched away with before it returns. */
#include <string.h>

#include "accel/tcg/jit/jit-internal.h"

static const uint8_t cache_host[JIT_NCACHE] = { H_RSI, H_RDI, H_R9, H_R10, H_R11 };

void jit_cache_drop(JitCtx *c)
{
    memset(c->cache_g, 0xff, sizeof(c->cache_g));
    c->cache_calls = c->e.calls;
}

/* A call since the cache was filled clobbered it. */
static void cache_sync(JitCtx *c)
{
    if (c->cache_calls != c->e.calls)
        jit_cache_drop(c);
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
 * put there). */
static int cache_alloc(JitCtx *c, int r)
{
    int best = 0;
    for (int k = 1; k < JIT_NCACHE; k++)
        if (c->cache_g[k] == 0xff || (c->cache_g[best] != 0xff &&
                                      c->cache_used[k] < c->cache_used[best]))
            best = k;
    c->cache_g[best] = (uint8_t)r;
    c->cache_used[best] = ++c->cache_tick;
    return best;
}

void jit_get_reg(JitCtx *c, int size, int h, int r)
{
    if (c->cache_off) {
        e_load(&c->e, size, h, H_CPU, GREG(r));
        return;
    }
    int k = cache_find(c, r);
    if (k < 0) {
        k = cache_alloc(c, r);
        e_load(&c->e, 8, cache_host[k], H_CPU, GREG(r));
    }
    int hr = cache_host[k];
    if (size >= 4)
        e_mov_rr(&c->e, size, h, hr);
    else
        e_movzx_rr(&c->e, size, h, hr);
}

int jit_reg_host(JitCtx *c, int r)
{
    if (c->cache_off)
        return H_NONE;
    int k = cache_find(c, r);
    if (k < 0) {
        k = cache_alloc(c, r);
        e_load(&c->e, 8, cache_host[k], H_CPU, GREG(r));
    }
    return cache_host[k];
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
    e_store(&c->e, 8, H_CPU, GREG(r), h);
}

void jit_set_reg(JitCtx *c, int size, int r, int h)
{
    (void)size;
    e_store(&c->e, 8, H_CPU, GREG(r), h);
    if (c->cache_off)
        return;
    int k = cache_find(c, r);
    if (k < 0)
        k = cache_alloc(c, r);
    e_mov_rr(&c->e, 8, cache_host[k], h);
}

void jit_reg_written(JitCtx *c, int r)
{
    for (int k = 0; k < JIT_NCACHE; k++)
        if (c->cache_g[k] == r)
            c->cache_g[k] = 0xff;
}

void jit_cache_snapshot(JitCtx *c, uint8_t *snap)
{
    cache_sync(c);
    memcpy(snap, c->cache_g, JIT_NCACHE);
}

void jit_cache_reload(JitCtx *c, const uint8_t *snap)
{
    for (int k = 0; k < JIT_NCACHE; k++)
        if (snap[k] != 0xff)
            e_load(&c->e, 8, cache_host[k], H_CPU, GREG(snap[k]));
}
