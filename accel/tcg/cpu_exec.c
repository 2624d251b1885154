/* The execution loop of the software CPU: find a block, run its decoded
 * instructions, and between blocks serve exceptions, interrupts, halts and
 * the main loop's deadline. */
#include <inttypes.h>

#include "accel/tcg/tb.h"
#include "yl/accel.h"
#include "yl/machine.h"

/* How many blocks run between looks at the virtual clock: adapted so
 * that the looks come about every CLOCK_CHECK_NS (reading the host clock
 * costs as much as a few hundred guest instructions in a VM, while timer
 * deadlines need only microseconds). */
#define CLOCK_CHECK_MIN 64
#define CLOCK_CHECK_MAX 8192
#define CLOCK_CHECK_NS 20000

static void tune_check_interval(X86CPU *cpu, int64_t elapsed)
{
    if (elapsed < CLOCK_CHECK_NS / 2 && cpu->clock_check_blocks < CLOCK_CHECK_MAX)
        cpu->clock_check_blocks *= 2;
    else if (elapsed > CLOCK_CHECK_NS * 2 && cpu->clock_check_blocks > CLOCK_CHECK_MIN)
        cpu->clock_check_blocks /= 2;
}

_Noreturn void raise_exception_err(X86CPU *cpu, int vec, uint32_t err)
{
    cpu->exception_index = vec;
    cpu->error_code = err;
    cpu->has_error_code = true;
    cpu->exception_is_sw = false;
    longjmp(cpu->jmp_env, 1);
}

_Noreturn void raise_exception(X86CPU *cpu, int vec)
{
    cpu->exception_index = vec;
    cpu->error_code = 0;
    cpu->has_error_code = false;
    cpu->exception_is_sw = false;
    longjmp(cpu->jmp_env, 1);
}

_Noreturn void raise_interrupt_sw(X86CPU *cpu, int vec)
{
    cpu->exception_index = vec;
    cpu->error_code = 0;
    cpu->has_error_code = false;
    cpu->exception_is_sw = true;
    longjmp(cpu->jmp_env, 1);
}

/* Runs the block's instructions in order.  One instruction only when an
 * interrupt shadow (STI, MOV SS) is active, so the shadow ends exactly one
 * instruction later.  The loop keeps RIP in a local and counts retired
 * instructions once at the end (a block left by an exception does not add
 * its partial count to the statistics). */
static inline void tb_exec(X86CPU *cpu, TB *tb)
{
    /* The block's host code, where it has some; the shadow case stays
     * with the interpreter, which knows to stop after one instruction. */
    if (likely(tb->host && !cpu->inhibit_irq && !cpu->tcg_nojit)) {
        cpu->tb_jmp->current = tb;
        cpu->tb_invalidated = false;
        tb->host(cpu);
        cpu->tb_jmp->current = NULL;
        return;
    }
    const Insn *d = tb->insn;
    const Insn *end = d + tb->n;
    bool shadow = cpu->inhibit_irq;
    uint64_t ip_mask = (tb->flags & TBF_CODE64) ? UINT64_MAX : UINT32_MAX;
    uint64_t rip = cpu->rip;

    if (unlikely(shadow))
        end = d + 1;
    cpu->tb_jmp->current = tb;
    cpu->tb_invalidated = false;
    do {
        /* Straight-line execution does not wrap IP in 16-bit code: running
         * past the CS limit faults instead (tb_gen checks the limit). */
        uint64_t fallthrough = (rip + d->len) & ip_mask;
        cpu->next_rip = fallthrough;
        d->fn(cpu, d);
        rip = cpu->next_rip;
        cpu->rip = rip;
        d++;
        /* Any change of flow leaves the block, even from an instruction not
         * marked F_END (a REP that yields re-executes itself). */
        if (unlikely(rip != fallthrough))
            break;
    } while (likely(!cpu->tb_invalidated) && d < end);
    if (unlikely(shadow))
        cpu->inhibit_irq = false;
    cpu->tb_jmp->current = NULL;
}

/* TF was set when the instruction started: a single-step trap follows it. */
static void single_step_trap(X86CPU *cpu)
{
    cpu->dr[6] |= 0x4000;   /* BS */
    cpu->exception_index = EXC_DB;
    cpu->has_error_code = false;
    cpu->exception_is_sw = false;
}

/* -d exec: each block as it runs; -d cpu: the registers before it. */
static void log_block(X86CPU *cpu, const TB *tb)
{
    if (cpu->log->mask & LOG_EXEC)
        yl_log(cpu->log, "Trace: %04x:%08" PRIx64 " [%08" PRIx64 "] n=%u\n",
               cpu->seg[R_CS].sel, cpu->rip, tb->phys_pc, tb->n);
    if (cpu->log->mask & LOG_CPU)
        x86_cpu_dump(cpu, cpu->log->file ? cpu->log->file : stderr);
}

static bool machine_wants_exit(X86CPU *cpu)
{
    Machine *m = cpu->machine;
    return m && (m->shutdown_requested || m->reset_requested);
}

/* Between two blocks of a chain: anything the outer loop must see first
 * (interrupts it could take, exits, halts, single-stepping, a shadow). */
static inline bool chain_must_stop(X86CPU *cpu)
{
    return cpu->exception_index >= 0 || cpu->inhibit_irq || cpu->halted ||
           cpu->exit_request || cpu->nmi_pending ||
           (cpu->irq_line && (cpu->eflags & IF_MASK)) || (cpu->eflags & TF_MASK) ||
           machine_wants_exit(cpu);
}

/* Whether the exit the last block took may become a direct jump to tb:
 * not when blocks are logged one by one, decoded afresh or unchained. */
static inline bool may_chain(const X86CPU *cpu, const TB *tb)
{
    return cpu->jit_chain_from && tb->host && !cpu->tcg_nojit && !cpu->tcg_nocache &&
           !cpu->tcg_nochain && !(cpu->log && (cpu->log->mask & (LOG_CPU | LOG_EXEC)));
}

/* Runs tb and the blocks that follow it, at most max of them, while
 * nothing needs the outer loop (tcg_nochain: never); returns how many ran.
 * Host code may run further blocks by chained jumps within the budget it
 * is given, which counts them.  Not inlined: in cpu_exec, the function
 * that calls setjmp, the compiler keeps locals in memory. */
static __attribute__((noinline)) unsigned tb_run(X86CPU *cpu, TB *tb, unsigned max)
{
    unsigned n = 0;
    for (;;) {
        int32_t budget = (int32_t)(max - n - 1);
        cpu->jit_chain_budget = budget;
        cpu->jit_chain_from = NULL;
        tb_exec(cpu, tb);
        int32_t left = cpu->jit_chain_budget;
        n += 1 + (unsigned)(budget - (left < 0 ? 0 : left));
        if (n >= max || cpu->tcg_nochain || chain_must_stop(cpu))
            return n;
        tlb_check_generation(cpu);
        tb = tb_find(cpu);
        if (may_chain(cpu, tb))
            jit_chain(cpu->tbc->jit, cpu->jit_chain_from, tb);
        if (unlikely(cpu->log && (cpu->log->mask & (LOG_CPU | LOG_EXEC))))
            log_block(cpu, tb);
    }
}

int cpu_exec(X86CPU *cpu, int64_t deadline_ns)
{
    Clock *clock = cpu->machine ? &cpu->machine->clock : NULL;
    volatile unsigned blocks = 0;
    volatile int64_t last_check = -1;   /* this call's last look */

    if (cpu->clock_check_blocks < CLOCK_CHECK_MIN)
        cpu->clock_check_blocks = CLOCK_CHECK_MIN;

    if (setjmp(cpu->jmp_env)) {
        /* An exception left a handler or a delivery early.  It counts as a
         * block, so a guest that faults over and over still reaches the
         * deadline check. */
        if (cpu->tb_jmp)
            cpu->tb_jmp->current = NULL;
        blocks++;
    }
    for (;;) {
        while (cpu->exception_index >= 0) {
            x86_exception_deliver(cpu);
            cpu->exception_index = -1;
        }
        if (machine_wants_exit(cpu))
            return ACCEL_RUN_EXIT;
        if (cpu->exit_request) {
            cpu->exit_request = 0;
            return ACCEL_RUN_OK;
        }
        /* x86_irq_check does nothing unless one of these holds. */
        if (cpu->halted || (cpu->irq_line && (cpu->eflags & IF_MASK)) || cpu->nmi_pending)
            x86_irq_check(cpu);
        if (cpu->halted)
            return ACCEL_RUN_HALTED;
        if (blocks >= cpu->clock_check_blocks) {
            blocks = 0;
            if (clock) {
                int64_t now = clock_ns(clock);
                if (last_check >= 0)
                    tune_check_interval(cpu, now - last_check);
                last_check = now;
                if (now >= deadline_ns)
                    return ACCEL_RUN_OK;
            }
        }

        /* A remapped region (PAM, BARs) must not be reached through
         * stale TLB entries or jump-cache hits. */
        tlb_check_generation(cpu);
        bool stepping = cpu->eflags & TF_MASK;
        TB *tb = tb_find(cpu);
        if (unlikely(cpu->log && (cpu->log->mask & (LOG_CPU | LOG_EXEC))))
            log_block(cpu, tb);
        if (stepping) {
            tb_exec(cpu, tb);
            single_step_trap(cpu);
            blocks++;
        } else {
            blocks += tb_run(cpu, tb, cpu->clock_check_blocks - blocks);
        }
    }
}
