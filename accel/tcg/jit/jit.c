/* The JIT's driver: the code buffer (W^X through two views of one memfd),
 * the translation of a block instruction by instruction, flag liveness,
 * the calls of decoded handlers for what has no native emitter, and the
 * exits. */
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "accel/tcg/jit/jit-internal.h"

struct JitBuffer {
    uint8_t *rw, *rx;
    size_t size, used;
    size_t unmapped;    /* the writable view holds no pages below this */
};

/* Both views map the same pages, and the kernel counts them in the
 * resident size once per view: drop the writable view's mappings of code
 * that is written (a chain patch maps a page back for a moment). */
#define JIT_UNMAP_STEP (1u << 20)

static void unmap_written(JitBuffer *j)
{
    size_t upto = j->used & ~(size_t)(JIT_UNMAP_STEP - 1);
    if (upto <= j->unmapped)
        return;
    madvise(j->rw + j->unmapped, upto - j->unmapped, MADV_DONTNEED);
    j->unmapped = upto;
}

JitBuffer *jit_buffer_new(size_t bytes)
{
    JitBuffer *j = calloc(1, sizeof(*j));
    int fd = memfd_create("yinglong-jit", MFD_CLOEXEC);
    if (!j || fd < 0 || ftruncate(fd, (off_t)bytes) < 0)
        goto fail;
    j->rw = mmap(NULL, bytes, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    /* Near the program's own code if the kernel agrees: then calls of the
     * handlers are direct (rel32) instead of through a register. */
    uintptr_t text = (uintptr_t)jit_buffer_new & ~(uintptr_t)0xfffff;
    void *hint = text > (1ul << 30) ? (void *)(text - (1ul << 30)) : NULL;
    j->rx = mmap(hint, bytes, PROT_READ | PROT_EXEC, MAP_SHARED, fd, 0);
    if (j->rw == MAP_FAILED || j->rx == MAP_FAILED) {
        if (j->rw != MAP_FAILED)
            munmap(j->rw, bytes);
        if (j->rx != MAP_FAILED)
            munmap(j->rx, bytes);
        goto fail;
    }
    close(fd);
    j->size = bytes;
    return j;
fail:
    if (fd >= 0)
        close(fd);
    free(j);
    return NULL;
}

void jit_buffer_free(JitBuffer *j)
{
    if (!j)
        return;
    munmap(j->rw, j->size);
    munmap(j->rx, j->size);
    free(j);
}

void jit_buffer_reset(JitBuffer *j)
{
    /* Pages a chain patch mapped again go too. */
    madvise(j->rw, j->used, MADV_DONTNEED);
    j->used = 0;
    j->unmapped = 0;
}

/* Below this much room a block is not started: the cache is flushed. */
#define JIT_BLOCK_ROOM (64 * 1024)

bool jit_buffer_full(const JitBuffer *j)
{
    return j->size - j->used < JIT_BLOCK_ROOM;
}

/* ---- services ------------------------------------------------------------ */

Stub *jit_stub(JitCtx *c, int kind)
{
    if (c->nstubs == JIT_MAX_STUBS) {
        c->fail = true;
        return NULL;
    }
    Stub *s = &c->stub[c->nstubs++];
    *s = (Stub){ .kind = kind, .insn = (uint16_t)c->i, .rip = c->rip };
    jit_cache_snapshot(c, s->cache, &s->dirty);
    return s;
}

/* cpu->field = v (64 bits); clobbers RAX. */
void jit_store_u64(JitCtx *c, int32_t off, uint64_t v)
{
    if (v <= INT32_MAX) {
        e_store_imm(&c->e, 8, H_CPU, off, (int32_t)v);
    } else {
        e_mov_ri(&c->e, H_RAX, v);
        e_store(&c->e, 8, H_CPU, off, H_RAX);
    }
}

void jit_cs_limit_check(JitCtx *c, uint64_t target)
{
    if (c->mode == 64 || (c->tb->flags & TBF_FLAT))
        return;
    e_alu_mi(&c->e, HA_CMP, 4, H_CPU, CPU_OFF(seg[R_CS].limit), (int32_t)(uint32_t)target);
    Stub *s = jit_stub(c, STUB_INTERP);
    if (s)
        s->from[0] = e_jcc(&c->e, HC_B);
}

void jit_sync_rip(JitCtx *c)
{
    if (!c->rip_synced)
        jit_store_u64(c, CPU_OFF(rip), c->rip);
    c->rip_synced = true;
}

/* The block's frame: RBX holds the CPU, R12-R15 values that live across
 * helper calls; five pushes also keep the stack 16-byte aligned. */
static const uint8_t saved_regs[] = { H_RBX, H_R12, H_R13, H_R14, H_R15 };

static void emit_prologue(JitCtx *c)
{
    for (size_t k = 0; k < sizeof(saved_regs); k++)
        e_push(&c->e, saved_regs[k]);
    e_mov_rr(&c->e, 8, H_CPU, H_RDI);
}

/* Every exit ends in the one epilogue at the start of the buffer. */
static void emit_pop_ret(JitCtx *c)
{
    e_jmp_to(&c->e, c->epilogue);
}

static void emit_epilogue(JitCtx *c)
{
    for (size_t k = sizeof(saved_regs); k-- > 0;)
        e_pop(&c->e, saved_regs[k]);
    e_ret(&c->e);
}

static void emit_return(JitCtx *c)
{
    jit_cache_writeback(c);
    emit_pop_ret(c);
}

/* The linear address of the block at EIP/RIP in RAX (cs_base is fixed
 * for the block and whatever it jumps to nearby). */
static void rip_to_pc(JitCtx *c)
{
    uint64_t base = c->tb->cs_base;
    if (base) {
        e_mov_ri(&c->e, H_RCX, base);
        e_alu_rr(&c->e, HA_ADD, 8, H_RAX, H_RCX);
    }
    if (c->mode != 64)
        e_mov_rr(&c->e, 4, H_RAX, H_RAX);
}

/* Goes on at the block for the linear address in RAX if this CPU's jump
 * cache has it, with host code, for the same CS base and mode (the exits
 * that come here keep both); else back to the exec loop.  cpu->rip is
 * already stored.  The chained entry makes the remaining checks. */
static void emit_lookup(JitCtx *c)
{
    Emit *e = &c->e;
    const TB *tb = c->tb;
    static const uint8_t mov[] = { 0x8b }, cmp[] = { 0x3b };
    if (tb->flags & TBF_STEP) {
        emit_pop_ret(c);
        return;
    }
    /* tb_jmp_index(pc) */
    e_mov_rr(e, 8, H_RCX, H_RAX);
    e_shift_ri(e, HS_SHR, 8, H_RCX, TB_JMP_BUCKET_BITS);
    e_mov_rr(e, 4, H_RDX, H_RCX);
    e_alu_rr(e, HA_XOR, 4, H_RCX, H_RAX);
    e_alu_ri(e, HA_AND, 4, H_RCX, TB_JMP_BUCKET - 1);
    e_alu_ri(e, HA_AND, 4, H_RDX, (TB_JMP_BUCKET - 1) << TB_JMP_BUCKET_BITS);
    e_alu_rr(e, HA_OR, 4, H_RCX, H_RDX);
    e_load(e, 8, H_RDX, H_CPU, CPU_OFF(tb_jmp));
    e_op_rm(e, 8, mov, 1, H_RDX, H_RDX, H_RCX, 3, (int32_t)offsetof(TBJmpCache, entry));
    Fixup miss[5];
    e_test_rr(e, 8, H_RDX, H_RDX);
    miss[0] = e_jcc(e, HC_E);
    e_op_rm(e, 8, cmp, 1, H_RAX, H_RDX, H_NONE, 0, (int32_t)offsetof(TB, pc));
    miss[1] = e_jcc(e, HC_NE);
    e_alu_mi(e, HA_CMP, 4, H_RDX, (int32_t)offsetof(TB, flags), (int32_t)tb->flags);
    miss[2] = e_jcc(e, HC_NE);
    e_mov_ri(e, H_RCX, tb->cs_base);
    e_op_rm(e, 8, cmp, 1, H_RCX, H_RDX, H_NONE, 0, (int32_t)offsetof(TB, cs_base));
    miss[3] = e_jcc(e, HC_NE);
    e_load(e, 8, H_RAX, H_RDX, (int32_t)offsetof(TB, host));
    e_test_rr(e, 8, H_RAX, H_RAX);
    miss[4] = e_jcc(e, HC_E);
    e_load(e, 4, H_RCX, H_RDX, (int32_t)offsetof(TB, chain_entry));
    e_alu_rr(e, HA_ADD, 8, H_RAX, H_RCX);
    e_u8(e, 0xff);      /* jmp rax */
    e_u8(e, 0xe0);
    for (int k = 0; k < 5; k++)
        e_patch(miss[k], e->p);
    emit_pop_ret(c);
}

void jit_exit_plain(JitCtx *c, uint64_t rip)
{
    jit_store_u64(c, CPU_OFF(rip), rip);
    emit_return(c);
}

/* cpu->rip holds the next address, which a near transfer or a plain
 * instruction chose: CS, CPL and mode are the block's. */
void jit_exit_dynamic(JitCtx *c)
{
    jit_cache_writeback(c);
    e_load(&c->e, 8, H_RAX, H_CPU, CPU_OFF(rip));
    rip_to_pc(c);
    emit_lookup(c);
}

/* A direct jump may replace the exit toward rip: the target lies on the
 * block's first page, whose mapping every block reached from it shares
 * (blocks are entered from the exec loop under the current mapping). */
static bool chainable(const JitCtx *c, uint64_t rip)
{
    const TB *tb = c->tb;
    uint64_t lin = (tb->cs_base + rip) & c->ip_mask;
    return !(tb->flags & TBF_STEP) && (lin >> YL_PAGE_BITS) == (tb->pc >> YL_PAGE_BITS);
}

void jit_exit_static(JitCtx *c, uint64_t rip)
{
    jit_cache_writeback(c);
    if (chainable(c, rip)) {
        /* Falls through until jit_chain points it at the next block. */
        Fixup slot = e_jmp(&c->e);
        jit_store_u64(c, CPU_OFF(rip), rip);
        if (slot) {
            e_mov_ri(&c->e, H_RAX, (uint64_t)(uintptr_t)(slot + c->e.exec_delta));
            e_store(&c->e, 8, H_CPU, CPU_OFF(jit_chain_from), H_RAX);
        }
        emit_pop_ret(c);
        return;
    }
    jit_store_u64(c, CPU_OFF(rip), rip);
    e_mov_ri(&c->e, H_RAX, (c->tb->cs_base + rip) & c->ip_mask);
    emit_lookup(c);
}

void jit_chain(JitBuffer *j, void *from, const TB *tb)
{
    uint8_t *rw = (uint8_t *)from - (j->rx - j->rw);
    const uint8_t *target = (const uint8_t *)(uintptr_t)tb->host + tb->chain_entry;
    int32_t rel = (int32_t)(target - ((const uint8_t *)from + 4));
    memcpy(rw, &rel, 4);
}

/* A conditional way out to the exec loop, cpu->rip already set (by a
 * handler).  Consecutive ones share a stub. */
static void exit_dynamic_if(JitCtx *c, int cond)
{
    if (c->nstubs) {
        Stub *p = &c->stub[c->nstubs - 1];
        if (p->kind == STUB_EXIT && !p->from[2]) {
            p->from[p->from[1] ? 2 : 1] = e_jcc(&c->e, cond);
            return;
        }
    }
    Stub *s = jit_stub(c, STUB_EXIT);
    if (s)
        s->from[0] = e_jcc(&c->e, cond);
}

/* RAX == v (64-bit compare); clobbers RCX. */
static void cmp_rax(JitCtx *c, uint64_t v)
{
    if (fits_s32((int64_t)v)) {
        e_alu_ri(&c->e, HA_CMP, 8, H_RAX, (int32_t)v);
    } else {
        e_mov_ri(&c->e, H_RCX, v);
        e_alu_rr(&c->e, HA_CMP, 8, H_RAX, H_RCX);
    }
}

/* What tb_exec does around d->fn: next_rip = the fall-through, the call,
 * rip = next_rip, and a way out if the flow changed or the block's code
 * was overwritten. */
static void call_handler(JitCtx *c, const Insn *d, uint64_t rip, uint64_t next, bool last)
{
    (void)rip;
    jit_cache_writeback(c);
    jit_store_u64(c, CPU_OFF(next_rip), next);
    e_mov_rr(&c->e, 8, H_RDI, H_CPU);
    e_mov_ri(&c->e, H_RSI, (uint64_t)(uintptr_t)d);
    e_call(&c->e, (const void *)d->fn);
    e_load(&c->e, 8, H_RAX, H_CPU, CPU_OFF(next_rip));
    e_store(&c->e, 8, H_CPU, CPU_OFF(rip), H_RAX);
    if (last)
        return;
    cmp_rax(c, next);
    exit_dynamic_if(c, HC_NE);
    e_test_mi8(&c->e, H_CPU, CPU_OFF(tb_invalidated), 0xff);
    exit_dynamic_if(c, HC_NE);
    jit_check_generation(c);
    exit_dynamic_if(c, HC_NE);
}

/* Flags NE when the memory map changed since the TLB was filled (a
 * port or MMIO write remapped something): the exec loop must refill. */
void jit_check_generation(JitCtx *c)
{
    e_load(&c->e, 8, H_RAX, H_CPU, CPU_OFF(as));
    e_load(&c->e, 4, H_RAX, H_RAX, (int32_t)offsetof(AddressSpace, generation));
    e_alu_rm(&c->e, HA_CMP, 4, H_RAX, H_CPU, CPU_OFF(tlb_generation));
}

/* Whether the exec loop may be skipped after this instruction's handler
 * ended the block: near transfers and instructions that do not end
 * blocks keep CS, CPL, mode and the interrupt state; the chained entry
 * checks the rest. */
static bool lookup_after(const Insn *d)
{
    if (d->map == MAP_0F)
        return (d->op >= 0x80 && d->op <= 0x8f) || !(d->flags & F_END);
    if (d->map != MAP_1)
        return !(d->flags & F_END);
    switch (d->op) {
    case 0x70 ... 0x7f:
    case 0xc2: case 0xc3: case 0xe0 ... 0xe3: case 0xe8: case 0xe9: case 0xeb:
    case 0xa4 ... 0xa7: case 0xaa ... 0xaf:     /* string operations */
        return true;
    case 0xff:
        return d->reg == 2 || d->reg == 4;
    default:
        return !(d->flags & F_END);
    }
}

void jit_emit_call_insn(JitCtx *c, const Insn *d)
{
    jit_sync_rip(c);
    call_handler(c, d, c->rip, c->next, c->i == c->tb->n - 1);
    c->cc_op_known = -1;
    c->host_cc = -1;
    c->rip_synced = true;   /* cpu->rip = next_rip: the next instruction's */
}

void jit_record_flags(JitCtx *c, int cc_op, int dst, int src, int src2)
{
    if (!c->flags_live)
        return;
    if (c->cc_op_known != cc_op) {
        e_store_imm(&c->e, 4, H_CPU, CPU_OFF(cc_op), cc_op);
        c->cc_op_known = cc_op;
    }
    if (dst != H_NONE)
        e_store(&c->e, 8, H_CPU, CPU_OFF(cc_dst), dst);
    if (src != H_NONE)
        e_store(&c->e, 8, H_CPU, CPU_OFF(cc_src), src);
    if (src2 != H_NONE)
        e_store(&c->e, 8, H_CPU, CPU_OFF(cc_src2), src2);
}

/* ---- out-of-line code ---------------------------------------------------- */

void jit_emit_mem_stub(JitCtx *c, const Stub *s);   /* jit-mem.c */

static void emit_interp_stub(JitCtx *c, const Stub *s)
{
    const Insn *d = &c->tb->insn[s->insn];
    uint64_t next = (s->rip + d->len) & c->ip_mask;
    jit_store_u64(c, CPU_OFF(rip), s->rip);
    call_handler(c, d, s->rip, next, true);
    emit_return(c);
}

static void emit_stubs(JitCtx *c)
{
    for (int k = 0; k < c->nstubs && !c->e.overflow; k++) {
        const Stub *s = &c->stub[k];
        for (int f = 0; f < 3; f++)
            e_patch(s->from[f], c->e.p);
        jit_cache_restore(c, s->cache, s->dirty);
        switch (s->kind) {
        case STUB_EXIT:
            emit_return(c);
            break;
        case STUB_INTERP:
            emit_interp_stub(c, s);
            break;
        default:
            jit_emit_mem_stub(c, s);
            break;
        }
    }
}

/* ---- translation ---------------------------------------------------------- */

_Static_assert(YL_PAGE_BITS == 2 * TB_JMP_BUCKET_BITS, "emit_lookup computes tb_jmp_index so");

/* Where a chained jump enters: the budget must allow one more block;
 * otherwise the exec loop takes over at the block's start.  Whatever
 * raises an interrupt the guest may take, or an exit request, sets the
 * budget to 0 (x86_cpu_stop_chain), so one test covers all.  The entry
 * from the exec loop jumps over it (tb_find made its checks).  A block
 * that becomes invalid gets a jump to that way out written over its entry
 * (jit_unchain), so valid blocks pay nothing for the check. */
static uint32_t emit_chain_entry(JitCtx *c, uint32_t *bad_off)
{
    Emit *e = &c->e;
    TB *tb = c->tb;
    Fixup over = e_jmp(e);
    /* Out of line, before the entry: the way out. */
    *bad_off = (uint32_t)(e->p - e->start);
    uint8_t *bad = e->p;
    jit_store_u64(c, CPU_OFF(rip), (tb->pc - tb->cs_base) & c->ip_mask);
    emit_pop_ret(c);
    uint32_t entry = (uint32_t)(e->p - e->start);
    /* 7 bytes: room for jit_unchain's jmp */
    e_alu_mi(e, HA_SUB, 4, H_CPU, CPU_OFF(jit_chain_budget), 1);
    e_jcc_to(e, HC_S, bad);
    e_patch(over, e->p);
    /* A chained entry finds cpu->rip behind: store it before it is read. */
    c->rip_synced = false;
    return entry;
}

void jit_unchain(JitBuffer *j, const TB *tb)
{
    const uint8_t *entry = (const uint8_t *)(uintptr_t)tb->host + tb->chain_entry;
    const uint8_t *bad = (const uint8_t *)(uintptr_t)tb->host + tb->chain_bad;
    uint8_t *rw = (uint8_t *)entry - (j->rx - j->rw);
    int32_t rel = (int32_t)(bad - (entry + 5));
    rw[0] = 0xe9;
    memcpy(rw + 1, &rel, 4);
}

static const JitEmitter emitters[] = {
    jit_emit_alu,
    jit_emit_mem,
    jit_emit_branch,
    jit_emit_ext,
    jit_emit_ext2,
    jit_emit_ext3,
};

/* live[i]: whether the flags instruction i leaves are read later (by an
 * instruction, a fault's EFLAGS image, or whatever follows the block). */
static void flag_liveness(const TB *tb, int mode, bool *live)
{
    bool cur = true;
    for (int i = tb->n - 1; i >= 0; i--) {
        live[i] = cur;
        const Insn *d = &tb->insn[i];
        if (jit_insn_kills_flags(d, mode))
            cur = false;
        else if (i > 0 && jit_cf_from_host(&tb->insn[i - 1], d))
            cur = false;    /* its own record holds the CF it took */
        else if (!jit_insn_passes_flags(d))
            cur = true;
    }
}

/* What an emitter may change, to run it again. */
typedef struct EmitState {
    uint8_t *p;
    unsigned calls, merges;
    int nstubs, cc_op_known, host_cc;
    bool rip_synced, ended;
    uint8_t cache_g[JIT_NCACHE], cache_dirty;
    uint32_t cache_used[JIT_NCACHE], cache_tick;
    unsigned cache_calls;
} EmitState;

static void state_save(const JitCtx *c, EmitState *s)
{
    *s = (EmitState){ c->e.p, c->e.calls, c->e.merges, c->nstubs, c->cc_op_known, c->host_cc,
                      c->rip_synced, c->ended, { 0 }, c->cache_dirty, { 0 }, c->cache_tick,
                      c->cache_calls };
    memcpy(s->cache_g, c->cache_g, sizeof(s->cache_g));
    memcpy(s->cache_used, c->cache_used, sizeof(s->cache_used));
}

static void state_restore(JitCtx *c, const EmitState *s)
{
    c->e.p = s->p;
    c->e.calls = s->calls;
    c->e.merges = s->merges;
    c->nstubs = s->nstubs;
    c->cc_op_known = s->cc_op_known;
    c->host_cc = s->host_cc;
    c->rip_synced = s->rip_synced;
    c->ended = s->ended;
    memcpy(c->cache_g, s->cache_g, sizeof(c->cache_g));
    memcpy(c->cache_used, s->cache_used, sizeof(c->cache_used));
    c->cache_tick = s->cache_tick;
    c->cache_calls = s->cache_calls;
    c->cache_dirty = s->cache_dirty;
}

/* An instruction whose code has paths that join (a run-time count of 0,
 * say) may have left the cache different on each: it is emitted again
 * without the cache, which is empty after it. */
static bool run_emitter(JitCtx *c, JitEmitter fn, const Insn *d)
{
    EmitState s;
    state_save(c, &s);
    if (!fn(c, d))
        return false;
    if (c->e.merges == s.merges)
        return true;
    state_restore(c, &s);
    jit_cache_writeback(c);
    jit_cache_drop(c);
    c->cache_off = true;
    bool ok = fn(c, d);
    c->cache_off = false;
    jit_cache_drop(c);
    return ok;
}

static void translate_insn(JitCtx *c, const Insn *d)
{
    for (size_t k = 0; k < sizeof(emitters) / sizeof(emitters[0]); k++) {
        uint8_t *before = c->e.p;
        if (run_emitter(c, emitters[k], d)) {
            if (c->e.p != before)
                c->rip_synced = false;
            return;
        }
    }
    jit_emit_call_insn(c, d);
}

JitCode jit_translate(JitBuffer *j, TB *tb)
{
    if (jit_buffer_full(j) || tb->n == 0)
        return NULL;
    JitCtx *c = malloc(sizeof(*c));
    if (!c)
        return NULL;
    int mode = (tb->flags & TBF_CODE64) ? 64 : (tb->flags & TBF_CODE32) ? 32 : 16;
    *c = (JitCtx){
        .e = { .p = j->rw + j->used, .start = j->rw + j->used, .end = j->rw + j->size,
               .exec_delta = j->rx - j->rw },
        .tb = tb, .mode = mode, .mmu = (tb->flags & TBF_USER) ? MMU_USER : MMU_KERNEL,
        .ip_mask = mode == 64 ? UINT64_MAX : UINT32_MAX,
        .rip_synced = true, .cc_op_known = -1, .host_cc = -1,
    };
    if (j->used == 0) {
        emit_epilogue(c);
        j->used = (size_t)(c->e.p - j->rw + 15) & ~(size_t)15;
        c->e.p = c->e.start = j->rw + j->used;
    }
    c->epilogue = j->rw;
    jit_cache_drop(c);
    bool live[TB_MAX_INSNS];
    flag_liveness(tb, mode, live);

    emit_prologue(c);
    uint32_t chain_bad;
    uint32_t chain_entry = emit_chain_entry(c, &chain_bad);
    uint64_t rip = (tb->pc - tb->cs_base) & c->ip_mask;
    bool ended = false;
    for (int i = 0; i < tb->n && !ended; i++) {
        const Insn *d = &tb->insn[i];
        c->d = d;
        c->i = i;
        c->rip = rip;
        c->next = (rip + d->len) & c->ip_mask;
        c->flags_live = live[i];
        c->host_cc_in = c->host_cc;
        c->host_cc = -1;
        c->ended = false;
        translate_insn(c, d);
        ended = c->ended;
        rip = c->next;
    }
    if (!ended) {
        if (!c->rip_synced)
            jit_exit_static(c, rip);
        else if (lookup_after(&tb->insn[tb->n - 1])) {
            jit_check_generation(c);
            exit_dynamic_if(c, HC_NE);
            jit_exit_dynamic(c);
        }
        else
            emit_return(c);
    }
    emit_stubs(c);

    JitCode code = NULL;
    if (!c->e.overflow && !c->fail) {
        code = (JitCode)(void *)(c->e.start + c->e.exec_delta);
        tb->chain_entry = chain_entry;
        tb->chain_bad = chain_bad;
        tb->host_size = (uint32_t)(c->e.p - c->e.start);
        j->used = (size_t)(c->e.p - j->rw + 15) & ~(size_t)15;
        unmap_written(j);
    }
    free(c);
    return code;
}
