/* What the JIT's translators share: the translation context, the
 * instruction-level services (exits, helper calls, flag records, guest
 * register access) and the table of native emitters. */
#ifndef YL_JIT_INTERNAL_H
#define YL_JIT_INTERNAL_H

#include <stddef.h>

#include "accel/tcg/jit/emit.h"
#include "accel/tcg/jit/jit.h"
#include "accel/tcg/tb.h"

#define CPU_OFF(field) ((int32_t)offsetof(X86CPU, field))
#define GREG(r) ((int32_t)(offsetof(X86CPU, regs) + 8 * (r)))

#define JIT_NCACHE 5        /* host registers caching guest registers */

/* Out-of-line code emitted after the block's body. */
enum StubKind {
    STUB_EXIT,          /* return (cpu->rip is set) */
    STUB_LOAD,          /* slow load: value to a host register, jump back */
    STUB_STORE,         /* slow store, then jump back */
    STUB_INTERP,        /* run the instruction by its handler, then go on */
};

typedef struct Stub {
    uint8_t kind;
    uint8_t size;       /* load/store: access size */
    uint8_t seg;
    uint8_t reg;        /* load: destination; store: value register */
    uint16_t insn;      /* the instruction's index */
    bool sx;            /* load: sign-extend (unused by size 8) */
    uint64_t rip;
    Fixup from[3];      /* the branches to the stub (NULL: unused) */
    uint8_t cache[JIT_NCACHE];  /* the register cache at the branch */
    uint8_t dirty;              /* and its dirty slots (bit per slot) */
    uint8_t *back;      /* where a slow path resumes (writable view) */
} Stub;

#define JIT_MAX_STUBS (TB_MAX_INSNS * 4 + 8)

typedef struct JitCtx {
    Emit e;
    TB *tb;
    const Insn *d;      /* the instruction being translated */
    int i;              /* its index */
    uint64_t rip;       /* its address (EIP/RIP) */
    uint64_t next;      /* the address after it */
    uint64_t ip_mask;
    int mode;           /* 16, 32, 64 */
    int mmu;            /* MMU_KERNEL / MMU_USER: fixed by the block's CPL */
    bool flags_live;    /* this instruction's flag record is read later */
    bool rip_synced;    /* cpu->rip already holds rip */
    int cc_op_known;    /* what cpu->cc_op holds now, or -1 */
    /* The host's arithmetic flags equal the guest's for cc op host_cc
     * (-1: they mean nothing): a following Jcc may branch on them. */
    int host_cc;
    int host_cc_in;     /* host_cc as the instruction began (the driver
                           resets host_cc: emitters that keep the host's
                           flags copy this back) */
    bool ended;         /* the instruction's code leaves the block on
                           every path (a native branch) */
    uint8_t *epilogue;  /* shared exit (writable view) */
    /* Register cache: guest register per cache slot (0xff: none), valid
     * while e.calls equals cache_calls; last use for LRU; the slots whose
     * value cpu->regs does not have yet (bit per slot); off while an
     * instruction whose code has joining paths is re-emitted. */
    uint8_t cache_g[JIT_NCACHE];
    uint8_t cache_dirty;
    uint32_t cache_used[JIT_NCACHE];
    uint32_t cache_tick;
    unsigned cache_calls;
    bool cache_off;
    Stub stub[JIT_MAX_STUBS];
    int nstubs;
    bool fail;          /* out of stubs: give the block up */
} JitCtx;

/* A native emitter: returns false (having emitted nothing) when it does not
 * handle the form, and the instruction becomes a handler call. */
typedef bool (*JitEmitter)(JitCtx *c, const Insn *d);
/* Whether an instruction's native code writes every arithmetic flag and
 * can neither fault nor read a flag: it makes earlier records dead. */
bool jit_insn_kills_flags(const Insn *d, int mode);
/* Whether it neither reads nor writes flags and cannot fault (moves), or
 * reads the earlier flags only to carry them into its own record (a
 * native rotate): the earlier record is live exactly when its own is. */
bool jit_insn_passes_flags(const Insn *d);
bool jit_ext_passes_flags(const Insn *d);
/* ADC/SBB that jit-ext.c emits, taking CF by jit_carry_to_host. */
bool jit_ext_reads_host_cf(const Insn *d);
/* Whether d, right after prev, takes CF from the host's flags, which
 * prev leaves equal to the guest's, so prev's record is not read. */
bool jit_cf_from_host(const Insn *prev, const Insn *d);

bool jit_emit_alu(JitCtx *c, const Insn *d);       /* jit-alu.c */
/* ra = ra op rb for an ALU operation (HA_*, CMP computes SUB; -1: TEST
 * computes AND), copying ra to rcopy first where the record needs it;
 * returns the cc op.  jit_alu_record then stores the record. */
int jit_alu_compute(JitCtx *c, int op, int size, int ra, int rb, int rcopy);
void jit_alu_record(JitCtx *c, int op, int cc, int ra, int rb, int rcopy);
bool jit_emit_branch(JitCtx *c, const Insn *d);    /* jit-branch.c */
bool jit_emit_mem(JitCtx *c, const Insn *d);       /* jit-mem.c */
bool jit_emit_ext(JitCtx *c, const Insn *d);       /* jit-ext.c */
/* Whether a form jit-ext*.c runs natively kills the flags (see
 * jit_insn_kills_flags). */
bool jit_ext_kills_flags(const Insn *d);
/* Guest register r of d at size 1, 2, 4 or 8 (byte registers 4..7 are
 * AH..BH without REX): its offset in X86CPU once the cache has written it
 * back, a load (zero-extending) and a store (a 4-byte value must be
 * zero-extended in h). */
int32_t jit_reg_flushed_off(JitCtx *c, const Insn *d, int r, int size);
void jit_get_sized(JitCtx *c, const Insn *d, int size, int h, int r);
void jit_set_sized(JitCtx *c, const Insn *d, int size, int r, int h);
/* The host's CF = the guest's, or host condition for guest condition
 * cond: only MOVs may come between this and the instruction that reads
 * it; both may call helpers (clobbering the caller-saved registers). */
void jit_carry_to_host(JitCtx *c);
int jit_cond_to_host(JitCtx *c, int cond);
/* jit-mem.c: the operand's offset into R12 (false: a form left to the
 * handler, nothing emitted); an access of size bytes at seg:R12, a load
 * into reg (zero-extended) or a store of reg (R13-R15 across the slow
 * path's call). */
bool emit_ea(JitCtx *c, const Insn *d);
void emit_access(JitCtx *c, bool write, int size, int seg, int reg);
bool jit_emit_ext2(JitCtx *c, const Insn *d);      /* jit-ext2.c */
bool jit_ext2_kills_flags(const Insn *d);

/* ---- services (jit.c) ---------------------------------------------------- */

Stub *jit_stub(JitCtx *c, int kind);
/* Leaves the block: cpu->rip = rip. */
void jit_exit_static(JitCtx *c, uint64_t rip);
/* Leaves the block: cpu->rip already set (by
 * a near transfer): on to the next block if the jump cache has it. */
void jit_exit_dynamic(JitCtx *c);
/* Back to the exec loop, whatever follows (after a store changed code
 * or the memory map). */
void jit_exit_plain(JitCtx *c, uint64_t rip);
/* Host flags NE when the memory map changed under the TLB. */
void jit_check_generation(JitCtx *c);
/* cpu field at off = v (64 bits); clobbers RAX. */
void jit_store_u64(JitCtx *c, int32_t off, uint64_t v);
/* Outside 64-bit mode a near branch's target must lie within the CS
 * limit: if not, the instruction's handler runs and raises #GP. */
void jit_cs_limit_check(JitCtx *c, uint64_t target);
/* Stores rip into cpu->rip if it is not there yet (before anything that
 * can fault or read it). */
void jit_sync_rip(JitCtx *c);
/* Emits the call of d's handler with the interpreter's conventions. */
void jit_emit_call_insn(JitCtx *c, const Insn *d);
/* Records the lazy flags the interpreter would (registers hold the
 * values, zero-extended; H_NONE: not stored). */
void jit_record_flags(JitCtx *c, int cc_op, int dst, int src, int src2);
/* Guest register r <-> host register h (jit-regs.c).  get: size 1, 2, 4
 * or 8 bytes of r, zero-extended into h; set: all of r from h (a 4-byte
 * result is zero-extended in h already, as the guest's 32-bit writes).
 * Both go through the register cache: guest registers recently used sit
 * in host registers, and what the block wrote reaches cpu->regs only by
 * jit_cache_writeback (before calls and exits) or jit_reg_flush.
 * h must not be a cache register (RSI, RDI, R9-R11). */
void jit_get_reg(JitCtx *c, int size, int h, int r);
void jit_set_reg(JitCtx *c, int size, int r, int h);
/* The cache register holding all of guest register r (loaded now if it
 * was not there), valid until the next cache operation or call; H_NONE
 * when the cache is off.  For reading only. */
int jit_reg_host(JitCtx *c, int r);
/* The cache register that is to hold all of guest register r, for an
 * instruction that computes r in place there (not loaded first); H_NONE
 * when the cache is off.  jit_reg_store then marks it written. */
int jit_reg_host_w(JitCtx *c, int r);
void jit_reg_store(JitCtx *c, int r, int h);
/* fn(e, size, h, arg) emits a one-operand instruction on cache register
 * h, which holds guest register r (4 or 8 bytes); flags: it changes the
 * guest's flags.  Returns false, emitting nothing, when the cache is off
 * or its flags are live (a record would need the operand). */
typedef void (*InplaceFn)(Emit *e, int size, int h, const void *arg);
bool jit_unary_inplace(JitCtx *c, int r, int size, bool flags, InplaceFn fn,
                       const void *arg);
/* Before code reads or writes guest register r in cpu->regs itself (a
 * byte or word form): its cached value goes there first. */
void jit_reg_flush(JitCtx *c, int r);
/* Guest register r was written behind the cache's back (a byte or word
 * store into cpu->regs, after jit_reg_flush). */
void jit_reg_written(JitCtx *c, int r);
/* Stores every register the block changed and the cache holds, without
 * forgetting them: before every call and on every way out. */
void jit_cache_writeback(JitCtx *c);
/* The cache at a slow path's branch: what its stub writes back before
 * the call (restore makes it the cache again, for the stub's code) and
 * reloads after. */
void jit_cache_snapshot(JitCtx *c, uint8_t *snap, uint8_t *dirty);
void jit_cache_restore(JitCtx *c, const uint8_t *snap, uint8_t dirty);
void jit_cache_reload(JitCtx *c, const uint8_t *snap);
void jit_cache_drop(JitCtx *c);

/* Host condition codes (the low nibble of Jcc). */
enum { HC_O, HC_NO, HC_B, HC_AE, HC_E, HC_NE, HC_BE, HC_A,
       HC_S, HC_NS, HC_P, HC_NP, HC_L, HC_GE, HC_LE, HC_G };

/* jit-ext3.c: group 2 shifts and rotates (by 1, imm8, CL), INC DEC NOT
 * NEG of any size on registers and memory, ADC/SBB with memory. */
bool jit_emit_ext3(JitCtx *c, const Insn *d);

/* jit-flags.c: the host's flags made the guest's from the record in
 * memory: CF only (carry) or all six, AF included.  redo: for cc op cc
 * known at translation time (false, nothing emitted: a record it does
 * not redo, nothing emitted); dispatch: for the cc op cpu->cc_op holds at
 * run time, the paths joining with e_patch_here (a call of
 * cc_compute_c/_all for the records it does not redo, and for a known
 * record redo refused).  Both clobber the caller-saved registers. */
bool jit_flags_redo(JitCtx *c, int cc, bool carry);
void jit_flags_dispatch(JitCtx *c, bool carry);

/* jit-flags.c: a cc op's family (its B member; CC_OP_EFLAGS its own), and
 * whether the host's AF after a native operation of that family is the
 * guest's (after LOGIC and shifts the host's is undefined, the guest's 0). */
int jit_cc_family(int cc);
bool jit_host_af_ok(int cc);
/* jit-ext.c: host register h = the guest's arithmetic flags as the
 * instruction began, masked by keep; first thing in the instruction (it
 * may read the host's flags).  Clobbers the caller-saved registers. */
void jit_flags_to_reg(JitCtx *c, int h, uint32_t keep);

#endif
