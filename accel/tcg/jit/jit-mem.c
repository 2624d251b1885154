/* Native code for memory operands: the effective address, the segment's
 * fast check, the inline TLB lookup and the access; and the instructions
 * built on them: MOV loads and stores, LEA, MOVZX, the ALU with a memory
 * operand, PUSH/POP of a register, CALL rel and RET.
 *
 * The fast path handles what seg.c's and tlb.h's fast paths handle (a
 * present expand-up data segment and an offset within its limit; a TLB
 * hit within one page); everything else calls the same ld/st functions
 * the handlers call, which check, fault or go to MMIO as usual.  Register
 * use: R12 holds the offset of the operand, R13-R15 values that must live
 * across an access (the slow path is a call); RAX, RCX, RDX and R8 are
 * scratch. */
#include "accel/tcg/jit/jit-internal.h"

#define SEG_FAST_MASK (DESC_P_MASK | DESC_CS_MASK | DESC_E_MASK)

_Static_assert(sizeof(TLBEntry) == 40, "the TLB index is scaled by 5 * 8");

static bool decodes_ok(const Insn *d)
{
    return !d->lock && !x86_insn_always_faults(d);
}

static int32_t seg_base_off(int seg) { return CPU_OFF(seg) + seg * (int32_t)sizeof(SegCache) + (int32_t)offsetof(SegCache, base); }
static int32_t seg_flags_off(int seg) { return CPU_OFF(seg) + seg * (int32_t)sizeof(SegCache) + (int32_t)offsetof(SegCache, flags); }
static int32_t seg_limit_off(int seg) { return CPU_OFF(seg) + seg * (int32_t)sizeof(SegCache) + (int32_t)offsetof(SegCache, limit); }

/* 16-bit addressing and 64-bit displacements are left to the handlers. */
static int64_t ea_disp(const Insn *d)
{
    return d->adsize == 4 ? (int32_t)(uint32_t)d->disp : d->disp;
}

static bool ea_ok(const Insn *d)
{
    return d->adsize != 2 && fits_s32(ea_disp(d));
}

/* The operand's offset (its effective address) into R12. */
bool emit_ea(JitCtx *c, const Insn *d)
{
    Emit *e = &c->e;
    if (!ea_ok(d))
        return false;
    int64_t disp = ea_disp(d);
    if (d->base == REG_RIP) {
        uint64_t ea = c->next + (uint64_t)disp;
        e_mov_ri(e, H_R12, d->adsize == 4 ? (uint32_t)ea : ea);
        return true;
    }
    /* Base and index straight from the register cache where it has them. */
    int base = H_NONE, index = H_NONE;
    if (d->base != REG_NONE) {
        base = jit_reg_host(c, d->base);
        if (base == H_NONE) {
            jit_get_reg(c, 8, H_R12, d->base);
            base = H_R12;
        }
    }
    if (d->index != REG_NONE) {
        index = jit_reg_host(c, d->index);
        if (index == H_NONE) {
            jit_get_reg(c, 8, H_RCX, d->index);
            index = H_RCX;
        }
    }
    if (base == H_NONE && index == H_NONE)
        e_mov_ri(e, H_R12, d->adsize == 4 ? (uint32_t)disp : (uint64_t)disp);
    else
        e_lea(e, d->adsize, H_R12, base, index, d->scale, (int32_t)disp);
    return true;
}

/* The register holding the linear address of seg:R12: R12 itself in
 * 64-bit mode without FS/GS and for a flat DS, ES or SS (TBF_FLAT), else
 * RAX; outside 64-bit mode, a branch to s unless seg.c's fast check
 * passes. */
static int emit_lin(JitCtx *c, int seg, int size, bool write, Stub *s)
{
    Emit *e = &c->e;
    if (c->mode == 64) {
        if (seg != R_FS && seg != R_GS)
            return H_R12;
        e_mov_rr(e, 8, H_RAX, H_R12);
        e_alu_rm(e, HA_ADD, 8, H_RAX, H_CPU, seg_base_off(seg));
        return H_RAX;
    }
    if ((c->tb->flags & TBF_FLAT) && (seg == R_DS || seg == R_ES || seg == R_SS))
        return H_R12;   /* base 0, 4 GiB: a 32-bit offset is its own address */
    uint32_t want = DESC_P_MASK | (write ? DESC_W_MASK : 0);
    e_load(e, 4, H_RCX, H_CPU, seg_flags_off(seg));
    e_alu_ri(e, HA_AND, 4, H_RCX, (int32_t)(SEG_FAST_MASK | (write ? DESC_W_MASK : 0)));
    e_alu_ri(e, HA_CMP, 4, H_RCX, (int32_t)want);
    s->from[1] = e_jcc(e, HC_NE);
    e_mov_rr(e, 4, H_RAX, H_R12);
    e_lea(e, 8, H_RDX, H_RAX, H_NONE, 0, size - 1);
    e_load(e, 4, H_RCX, H_CPU, seg_limit_off(seg));
    e_alu_rr(e, HA_CMP, 8, H_RDX, H_RCX);
    s->from[2] = e_jcc(e, HC_A);
    e_alu_rm(e, HA_ADD, 4, H_RAX, H_CPU, seg_base_off(seg));
    return H_RAX;
}

/* The TLB entry's tag compare for the linear address in lin (R12 or
 * RAX, left as it is).  On a hit, RAX + (lin == R12 ? R12 : 0) is the
 * host address. */
static void emit_tlb(JitCtx *c, int lin, int size, bool write, Stub *s)
{
    Emit *e = &c->e;
    int32_t base = CPU_OFF(tlb) + c->mmu * (int32_t)sizeof(((X86CPU *)0)->tlb[0]);
    int32_t tag = base + (int32_t)(write ? offsetof(TLBEntry, addr_write)
                                         : offsetof(TLBEntry, addr_read));
    int32_t addend = base + (int32_t)offsetof(TLBEntry, addend);
    static const uint8_t cmp[] = { 0x3b }, add[] = { 0x03 }, mov[] = { 0x8b };
    e_mov_rr(e, 8, H_RCX, lin);
    e_shift_ri(e, HS_SHR, 8, H_RCX, YL_PAGE_BITS);
    e_alu_ri(e, HA_AND, 4, H_RCX, TLB_SIZE - 1);
    e_lea(e, 8, H_RCX, H_RCX, H_RCX, 2, 0);
    /* The last byte's page: a tag match also proves no page is crossed. */
    e_lea(e, 8, H_R8, lin, H_NONE, 0, size - 1);
    e_alu_ri(e, HA_AND, 8, H_R8, -(int32_t)YL_PAGE_SIZE);
    e_op_rm(e, 8, cmp, 1, H_R8, H_CPU, H_RCX, 3, tag);
    s->from[0] = e_jcc(e, HC_NE);
    e_op_rm(e, 8, lin == H_RAX ? add : mov, 1, H_RAX, H_CPU, H_RCX, 3, addend);
}

/* A guest access of size bytes at seg:R12: a load into reg (zero-extended)
 * or a store of reg (one of R13-R15).  R12 is left as it is. */
void emit_access(JitCtx *c, bool write, int size, int seg, int reg)
{
    Emit *e = &c->e;
    Stub *s = jit_stub(c, write ? STUB_STORE : STUB_LOAD);
    if (!s)
        return;
    s->size = (uint8_t)size;
    s->seg = (uint8_t)seg;
    s->reg = (uint8_t)reg;
    int lin = emit_lin(c, seg, size, write, s);
    emit_tlb(c, lin, size, write, s);
    int index = lin == H_R12 ? H_R12 : H_NONE;
    if (write) {
        uint8_t op = size == 1 ? 0x88 : 0x89;
        e_op_rm(e, size, &op, 1, reg, H_RAX, index, 0, 0);
    } else {
        e_load_x(e, size, reg, H_RAX, index);
    }
    s->back = e->p;
}

/* The slow paths: the handlers' own ld/st functions (seg.c). */
static const void *const ld_fn[] = { NULL, (const void *)ld8, (const void *)ld16, NULL,
                                     (const void *)ld32, NULL, NULL, NULL, (const void *)ld64 };
static const void *const st_fn[] = { NULL, (const void *)st8, (const void *)st16, NULL,
                                     (const void *)st32, NULL, NULL, NULL, (const void *)st64 };

void jit_emit_mem_stub(JitCtx *c, const Stub *s)
{
    Emit *e = &c->e;
    const Insn *d = &c->tb->insn[s->insn];
    uint64_t rip = s->rip;
    jit_cache_writeback(c);     /* the callee may fault: cpu->regs complete */
    jit_store_u64(c, CPU_OFF(rip), rip);
    e_mov_rr(e, 8, H_RDI, H_CPU);
    e_mov_ri(e, H_RSI, s->seg);
    e_mov_rr(e, 8, H_RDX, H_R12);
    if (s->kind == STUB_STORE) {
        e_mov_rr(e, 8, H_RCX, s->reg);
        e_call(e, st_fn[s->size]);
        jit_cache_reload(c, s->cache);
        /* A store into this block's own code, or one that remapped
         * memory (MMIO), ends the block after the store. */
        e_test_mi8(e, H_CPU, CPU_OFF(tb_invalidated), 0xff);
        Fixup out = e_jcc(e, HC_NE);
        jit_check_generation(c);
        e_jcc_to(e, HC_E, s->back);
        e_patch(out, e->p);
        jit_exit_plain(c, (rip + d->len) & c->ip_mask);
        return;
    }
    e_call(e, ld_fn[s->size]);
    /* The reload first: the destination may be a cache register. */
    jit_cache_reload(c, s->cache);
    if (s->size <= 2)
        e_movzx_rr(e, s->size, s->reg, H_RAX);
    else
        e_mov_rr(e, s->size, s->reg, H_RAX);
    e_jmp_to(e, s->back);
}

/* ---- instructions ---------------------------------------------------------- */

static bool emit_lea(JitCtx *c, const Insn *d)
{
    if (!emit_ea(c, d))
        return false;
    c->host_cc = c->host_cc_in;     /* LEA and MOV keep the host's flags */
    int hd = jit_reg_host_w(c, d->rreg);
    if (hd != H_NONE) {
        e_mov_rr(&c->e, d->opsize == 8 ? 8 : 4, hd, H_R12);
        jit_reg_store(c, d->rreg, hd);
        return true;
    }
    e_mov_rr(&c->e, d->opsize == 8 ? 8 : 4, H_RAX, H_R12);
    jit_set_reg(c, d->opsize, d->rreg, H_RAX);
    return true;
}

/* MOV r, [m]; MOVZX r, byte/word [m]. */
static bool emit_load(JitCtx *c, const Insn *d, int size)
{
    if (!emit_ea(c, d))
        return false;
    /* Straight into the cache register (the slow path reloads the cache
     * before it moves the value there). */
    int hd = d->opsize >= 4 ? jit_reg_host_w(c, d->rreg) : H_NONE;
    if (hd != H_NONE) {
        emit_access(c, false, size, d->seg, hd);
        jit_reg_store(c, d->rreg, hd);
        return true;
    }
    emit_access(c, false, size, d->seg, H_RAX);
    jit_set_reg(c, d->opsize, d->rreg, H_RAX);
    return true;
}

/* MOV [m], r / imm. */
static bool emit_store(JitCtx *c, const Insn *d, bool imm)
{
    int size = d->opsize;
    if (imm)
        e_mov_ri(&c->e, H_R13, size == 8 ? d->imm : (uint32_t)d->imm);
    else
        jit_get_reg(c, size, H_R13, d->rreg);
    emit_ea(c, d);
    emit_access(c, true, size, d->seg, H_R13);
    return true;
}

/* The ALU with a memory operand: op, whether memory is the destination,
 * and the other operand (a register, or an immediate when reg < 0). */
static bool emit_alu_mem(JitCtx *c, const Insn *d, int op, bool mem_dst, int reg)
{
    Emit *e = &c->e;
    int size = d->opsize;
    if (mem_dst && reg >= 0)
        jit_get_reg(c, size, H_R14, reg);
    else if (mem_dst)
        e_mov_ri(e, H_R14, size == 8 ? d->imm : (uint32_t)d->imm);
    emit_ea(c, d);
    emit_access(c, false, size, d->seg, H_R13);
    bool writes = op >= 0 && op != HA_CMP;
    if (!mem_dst) {
        /* r op= [m]: R13 is the second operand. */
        jit_get_reg(c, size, H_RAX, reg);
        int cc = jit_alu_compute(c, op, size, H_RAX, H_R13, H_RDX);
        if (writes)
            jit_set_reg(c, size, reg, H_RAX);
        jit_alu_record(c, op, cc, H_RAX, H_R13, H_RDX);
        c->host_cc = cc;
        return true;
    }
    e_mov_rr(e, 8, H_R15, H_R13);
    int cc = jit_alu_compute(c, op, size, H_R13, H_R14, H_R15);
    if (!writes) {
        jit_alu_record(c, op, cc, H_R13, H_R14, H_R15);
        c->host_cc = cc;
        return true;
    }
    /* Read, compute, store, then the flags: a faulting store changes
     * nothing. */
    emit_access(c, true, size, d->seg, H_R13);
    jit_alu_record(c, op, cc, H_R13, H_R14, H_R15);
    c->host_cc = -1;
    return true;
}

static bool emit_alu_form(JitCtx *c, const Insn *d)
{
    uint8_t op = d->op;
    if (op < 0x40 && (op & 7) <= 3 && (op & 1)) {
        int alu = op >> 3;
        if (alu == HA_ADC || alu == HA_SBB)
            return false;
        return emit_alu_mem(c, d, alu, !(op & 2), d->rreg);
    }
    if (op == 0x81 || op == 0x83) {
        if (d->reg == HA_ADC || d->reg == HA_SBB)
            return false;
        return emit_alu_mem(c, d, d->reg, true, -1);
    }
    if (op == 0x85)
        return emit_alu_mem(c, d, -1, true, d->rreg);
    if (op == 0xf7 && d->reg <= 1)
        return emit_alu_mem(c, d, -1, true, -1);
    return false;
}

/* ---- the stack ---------------------------------------------------------- */

/* Outside 64-bit mode: a 32-bit stack (SS.B) or the handler runs. */
static bool stack_ok(JitCtx *c, const Insn *d)
{
    if (c->mode == 64)
        return d->opsize == 8;
    if (d->opsize != 4)
        return false;
    if (c->tb->flags & TBF_FLAT)
        return true;
    e_test_mi8(&c->e, H_CPU, seg_flags_off(R_SS) + 2, DESC_B_MASK >> 16);
    Stub *s = jit_stub(c, STUB_INTERP);
    if (!s)
        return false;
    s->from[0] = e_jcc(&c->e, HC_E);
    return true;
}

static void set_sp_from_r12(JitCtx *c, int size, int32_t delta)
{
    e_lea(&c->e, size == 8 ? 8 : 4, H_RAX, H_R12, H_NONE, 0, delta);
    jit_set_reg(c, size, R_ESP, H_RAX);
}

/* PUSH of the value in R13: the store, then ESP moves. */
static void emit_push_r13(JitCtx *c, int size)
{
    jit_get_reg(c, size, H_R12, R_ESP);
    e_lea(&c->e, size, H_R12, H_R12, H_NONE, 0, -size);
    emit_access(c, true, size, R_SS, H_R13);
    set_sp_from_r12(c, size, 0);
}

/* POP into R13: the load, then ESP moves. */
static void emit_pop_r13(JitCtx *c, int size)
{
    jit_get_reg(c, size, H_R12, R_ESP);
    emit_access(c, false, size, R_SS, H_R13);
    set_sp_from_r12(c, size, size);
}

static bool emit_stack(JitCtx *c, const Insn *d)
{
    int size = d->opsize;
    if (d->op >= 0x50 && d->op <= 0x57) {
        jit_get_reg(c, size, H_R13, d->opreg);
        emit_push_r13(c, size);
        return true;
    }
    if (d->op >= 0x58 && d->op <= 0x5f) {
        emit_pop_r13(c, size);
        jit_set_reg(c, size, d->opreg, H_R13);
        return true;
    }
    return false;
}

/* RET's target in R13 must be canonical (64-bit mode) or within CS's
 * limit, else the handler runs and faults.  A flat CS reaches 4 GiB: any
 * 32-bit target is within it. */
static bool emit_ret_target_check(JitCtx *c)
{
    Emit *e = &c->e;
    if (c->tb->flags & TBF_FLAT)
        return true;
    Stub *s = jit_stub(c, STUB_INTERP);
    if (!s)
        return false;
    if (c->mode == 64) {
        e_mov_rr(e, 8, H_RAX, H_R13);
        e_shift_ri(e, HS_SHL, 8, H_RAX, 16);
        e_shift_ri(e, HS_SAR, 8, H_RAX, 16);
        e_alu_rr(e, HA_CMP, 8, H_RAX, H_R13);
        s->from[0] = e_jcc(e, HC_NE);
    } else {
        e_alu_rm(e, HA_CMP, 4, H_R13, H_CPU, seg_limit_off(R_CS));
        s->from[0] = e_jcc(e, HC_A);
    }
    return true;
}

/* CALL rel: push the return address, leave for the target.  RET: pop
 * the target, check it, leave for it. */
static bool emit_call_ret(JitCtx *c, const Insn *d)
{
    Emit *e = &c->e;
    int size = d->opsize;
    if (d->op == 0xe8) {
        uint64_t target = c->next + d->imm;
        if (c->mode != 64)
            target = (uint32_t)target;
        jit_cs_limit_check(c, target);
        e_mov_ri(e, H_R13, c->next);
        emit_push_r13(c, size);
        jit_exit_static(c, target);
        c->ended = true;
        return true;
    }
    /* RET: the target is checked before ESP moves. */
    jit_get_reg(c, size, H_R12, R_ESP);
    emit_access(c, false, size, R_SS, H_R13);
    if (!emit_ret_target_check(c))
        return false;
    set_sp_from_r12(c, size, size);
    e_store(e, 8, H_CPU, CPU_OFF(rip), H_R13);
    jit_exit_dynamic(c);
    c->ended = true;
    return true;
}

bool jit_emit_mem(JitCtx *c, const Insn *d)
{
    if (!decodes_ok(d) || c->mode == 16)
        return false;
    int size = d->opsize;
    bool wide = size == 4 || size == 8;
    if (d->map == MAP_0F && (d->op == 0xb6 || d->op == 0xb7) && d->mod != 3 && wide)
        return emit_load(c, d, d->op == 0xb6 ? 1 : 2);
    if (d->map != MAP_1)
        return false;
    bool mem = d->mod != 3 && wide && ea_ok(d);
    if (mem) {
        switch (d->op) {
        case 0x8d: return emit_lea(c, d);
        case 0x8b: return emit_load(c, d, size);
        case 0x89: return emit_store(c, d, false);
        case 0xc7: return emit_store(c, d, true);
        default: break;
        }
    }
    if (mem && emit_alu_form(c, d))
        return true;
    if (((d->op >= 0x50 && d->op <= 0x5f)) && stack_ok(c, d))
        return emit_stack(c, d);
    bool last = c->i == c->tb->n - 1;
    bool call_ok = d->op == 0xe8 && (c->mode != 64 || x86_canonical(c->next + d->imm));
    if (last && (call_ok || d->op == 0xc3) && stack_ok(c, d))
        return emit_call_ret(c, d);
    return false;
}
