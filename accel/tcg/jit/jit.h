/* The JIT: translation blocks compiled to x86-64 host code.
 *
 * A block's host code does what tb_exec does with its decoded instructions:
 * the same register, flag and memory effects, the same cpu->rip at every
 * point where a fault can be raised, the same exits.  Common instructions
 * are emitted inline (ALU, moves, LEA, loads and stores through an inline
 * TLB lookup, branches); every other instruction is a call of its decoded
 * handler, so anything the interpreter runs, the JIT runs.  The
 * interpreter stays the reference: -accel tcg,jit=off and the tests' mode
 * comparisons run it.
 *
 * The code lives in one buffer mapped twice from a memfd, writable in one
 * view and executable in the other (W^X), and is dropped with the blocks
 * (tb_flush_all). */
#ifndef YL_JIT_H
#define YL_JIT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "yl/cpu.h"

struct TB;
typedef struct JitBuffer JitBuffer;

/* Host code of one block: runs it (and the blocks chained to it) for cpu,
 * cpu->rip then names the next one.  A fault longjmps out of it, as from the interpreter.
 *
 * Chaining: an exit toward a known address on the block's own page can
 * become a direct jump to the next block's chained entry, which skips the
 * prologue and checks that the block is still valid and that
 * cpu->jit_chain_budget allows one more block (whoever raises an interrupt
 * the guest may take sets the budget to 0: x86_cpu_stop_chain).  An
 * exit that may be chained leaves its address in cpu->jit_chain_from;
 * the exec loop calls jit_chain with the block it finds next. */
typedef void (*JitCode)(X86CPU *cpu);

/* NULL where the host refuses executable memory (the interpreter runs). */
JitBuffer *jit_buffer_new(size_t bytes);
void jit_buffer_free(JitBuffer *j);
/* Forgets every translation (the block cache was flushed). */
void jit_buffer_reset(JitBuffer *j);
/* Compiles tb; NULL when the buffer is full (flush and retry) or the
 * block is left to the interpreter. */
JitCode jit_translate(JitBuffer *j, struct TB *tb);
bool jit_buffer_full(const JitBuffer *j);
/* Points the exit at from (cpu->jit_chain_from) to tb's chained entry. */
void jit_chain(JitBuffer *j, void *from, const struct TB *tb);
/* tb is no longer valid: jumps into it go back to the exec loop. */
void jit_unchain(JitBuffer *j, const struct TB *tb);

#endif
