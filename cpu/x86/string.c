/* String instructions MOVS CMPS STOS LODS SCAS with REP/REPE/REPNE.
 * The source is d->seg (DS or the override), the destination always ES.
 * Every iteration commits its registers before the next one starts, so a
 * fault in iteration k leaves k iterations done and rip at the
 * instruction.  A long REP runs at most STR_BURST iterations and then
 * re-executes itself (next_rip = rip) so the exec loop can serve
 * interrupts and timers in between. */
#include "cpu/x86/int.h"

#define STR_BURST 4096

typedef struct StrOp {
    int size;
    int adsize;
    int64_t step;       /* +size or -size by DF */
} StrOp;

static StrOp str_setup(X86CPU *cpu, const Insn *d)
{
    StrOp s = { .size = insn_size_w(d), .adsize = d->adsize };
    s.step = (cpu->eflags & DF_MASK) ? -s.size : s.size;
    return s;
}

/* rSI/rDI move within the address size (a 32-bit address size in 64-bit
 * mode zero-extends them). */
static void advance(X86CPU *cpu, const StrOp *s, int reg)
{
    areg_set(cpu, reg, s->adsize, areg_get(cpu, reg, s->adsize) + (uint64_t)s->step);
}

/* One iteration of each instruction; returns false for CMPS/SCAS when a
 * REPE/REPNE ends on the flags. */
typedef bool (*StrStep)(X86CPU *cpu, const Insn *d, const StrOp *s);

static bool rep_cond(X86CPU *cpu, const Insn *d)
{
    bool zf = cc_test(cpu, 4);
    return d->rep == PFX_REPZ ? zf : !zf;
}

static bool step_movs(X86CPU *cpu, const Insn *d, const StrOp *s)
{
    uint64_t v = mem_ld(cpu, d->seg, areg_get(cpu, R_ESI, s->adsize), s->size);
    mem_st(cpu, R_ES, areg_get(cpu, R_EDI, s->adsize), s->size, v);
    advance(cpu, s, R_ESI);
    advance(cpu, s, R_EDI);
    return true;
}

static bool step_stos(X86CPU *cpu, const Insn *d, const StrOp *s)
{
    mem_st(cpu, R_ES, areg_get(cpu, R_EDI, s->adsize), s->size,
           reg_get(cpu, R_EAX, s->size));
    advance(cpu, s, R_EDI);
    return true;
}

static bool step_lods(X86CPU *cpu, const Insn *d, const StrOp *s)
{
    uint64_t v = mem_ld(cpu, d->seg, areg_get(cpu, R_ESI, s->adsize), s->size);
    reg_set(cpu, R_EAX, s->size, v);
    advance(cpu, s, R_ESI);
    return true;
}

static bool step_cmps(X86CPU *cpu, const Insn *d, const StrOp *s)
{
    uint64_t a = mem_ld(cpu, d->seg, areg_get(cpu, R_ESI, s->adsize), s->size);
    uint64_t b = mem_ld(cpu, R_ES, areg_get(cpu, R_EDI, s->adsize), s->size);
    alu_flags(cpu, ALU_CMP, s->size, a, b, alu_calc(cpu, ALU_CMP, s->size, a, b));
    advance(cpu, s, R_ESI);
    advance(cpu, s, R_EDI);
    return !d->rep || rep_cond(cpu, d);
}

static bool step_scas(X86CPU *cpu, const Insn *d, const StrOp *s)
{
    uint64_t a = reg_get(cpu, R_EAX, s->size);
    uint64_t b = mem_ld(cpu, R_ES, areg_get(cpu, R_EDI, s->adsize), s->size);
    alu_flags(cpu, ALU_CMP, s->size, a, b, alu_calc(cpu, ALU_CMP, s->size, a, b));
    advance(cpu, s, R_EDI);
    return !d->rep || rep_cond(cpu, d);
}

static void run_string(X86CPU *cpu, const Insn *d, StrStep step)
{
    StrOp s = str_setup(cpu, d);
    if (!d->rep) {
        step(cpu, d, &s);
        return;
    }
    for (int n = 0; n < STR_BURST; n++) {
        uint64_t count = areg_get(cpu, R_ECX, s.adsize);
        if (count == 0)
            return;
        bool go_on = step(cpu, d, &s);
        areg_set(cpu, R_ECX, s.adsize, count - 1);
        if (!go_on || count == 1)
            return;
    }
    cpu->next_rip = cpu->rip;   /* more to do: come back after a check */
}

/* A4 A5 */
void op_movs(X86CPU *cpu, const Insn *d)
{
    run_string(cpu, d, step_movs);
}

/* A6 A7 */
void op_cmps(X86CPU *cpu, const Insn *d)
{
    run_string(cpu, d, step_cmps);
}

/* AA AB */
void op_stos(X86CPU *cpu, const Insn *d)
{
    run_string(cpu, d, step_stos);
}

/* AC AD */
void op_lods(X86CPU *cpu, const Insn *d)
{
    run_string(cpu, d, step_lods);
}

/* AE AF */
void op_scas(X86CPU *cpu, const Insn *d)
{
    run_string(cpu, d, step_scas);
}
