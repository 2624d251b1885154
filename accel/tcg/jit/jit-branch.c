/* Native code for the direct near branches: Jcc and JMP with a relative
 * target, in 32- and 64-bit code.  A Jcc right after a native ALU
 * operation branches on the host's flags, which are the guest's; otherwise
 * jit_cond_to_host makes them the guest's first.  Both ways out of the block
 * are exits with the target known at translation time. */
#include "accel/tcg/jit/jit-internal.h"

/* The branch target, or false when the interpreter must take it: 16-bit
 * operand size (IP wraps at 64 KiB) or a target that is not canonical. */
static bool near_target(const JitCtx *c, const Insn *d, uint64_t *t)
{
    if (c->mode == 16 || d->opsize == 2)
        return false;
    uint64_t target = c->next + d->imm;
    if (c->mode == 64) {
        if (!x86_canonical(target))
            return false;
    } else {
        target = (uint32_t)target;
    }
    *t = target;
    return true;
}

/* Leaves toward target (the branch is taken). */
static void taken(JitCtx *c, uint64_t target)
{
    jit_cs_limit_check(c, target);
    jit_exit_static(c, target);
}

static bool is_jcc(const Insn *d)
{
    return (d->map == MAP_1 && d->op >= 0x70 && d->op <= 0x7f) ||
           (d->map == MAP_0F && d->op >= 0x80 && d->op <= 0x8f);
}

bool jit_emit_branch(JitCtx *c, const Insn *d)
{
    uint64_t target;
    bool jmp = d->map == MAP_1 && (d->op == 0xe9 || d->op == 0xeb);
    if (c->i != c->tb->n - 1 || (!jmp && !is_jcc(d)) || x86_insn_always_faults(d) || !near_target(c, d, &target))
        return false;
    Emit *e = &c->e;
    if (jmp) {
        taken(c, target);
        c->ended = true;
        return true;
    }
    int cond = d->op & 15;
    Fixup t = e_jcc(e, jit_cond_to_host(c, cond));
    jit_exit_static(c, c->next);
    e_patch_here(e, t);
    taken(c, target);
    c->ended = true;
    return true;
}
