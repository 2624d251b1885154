/* x87 FPU: instruction entry (#NM, #MF), the instruction and data
 * pointers, the control instructions, and the register forms that run on
 * the host FPU. */
#include "cpu/x86/fpu.h"

static void fpu_check_nm(X86CPU *cpu)
{
    if (cpu->cr[0] & (CR0_EM | CR0_TS))
        raise_exception(cpu, EXC_NM);
}

/* A pending unmasked exception.  With CR0.NE=1 it is #MF.  With NE=0 a PC
 * would signal FERR# to IRQ13 through the interrupt controller; that path
 * is not modelled: the guest gets #MF as well, and the log says so. */
static _Noreturn void fpu_raise_mf(X86CPU *cpu)
{
    if (!(cpu->cr[0] & CR0_NE))
        yl_log_mask(cpu->log, LOG_UNIMP,
                    "x87: CR0.NE=0, FERR#/IRQ13 not modelled: delivering #MF\n");
    raise_exception(cpu, EXC_MF);
}

void fpu_enter_nowait(X86CPU *cpu)
{
    fpu_check_nm(cpu);
}

void fpu_enter(X86CPU *cpu)
{
    fpu_check_nm(cpu);
    if (cpu->fpu.fsw & FSW_ES)
        fpu_raise_mf(cpu);
}

void fpu_note_insn(X86CPU *cpu, const Insn *d, bool mem, uint64_t off)
{
    X87State *s = &cpu->fpu;
    s->fop = (uint16_t)(((d->op & 7) << 8) | (d->mod << 6) | (d->reg << 3) | d->rm);
    s->fip = cpu->rip;
    s->fcs = cpu->seg[R_CS].sel;
    if (mem) {
        s->fdp = off;
        s->fds = cpu->seg[d->seg].sel;
    }
}

static uint8_t insn_modrm(const Insn *d)
{
    return (uint8_t)((d->mod << 6) | (d->reg << 3) | d->rm);
}

/* ---- register forms computed by the host ---- */

void op_fpu_reg(X86CPU *cpu, const Insn *d)
{
    fpu_enter(cpu);
    fpu_note_insn(cpu, d, false, 0);
    x87_host_exec(&cpu->fpu, d->op, insn_modrm(d), NULL, 0);
}

/* FCMOVcc reads and FCOMI/FUCOMI(P) write CF, PF and ZF (and clear OF, SF,
 * AF): the host instruction sees the guest's flags and hands back its own. */
void op_fpu_reg_flags(X86CPU *cpu, const Insn *d)
{
    fpu_enter(cpu);
    fpu_note_insn(cpu, d, false, 0);
    uint32_t fl = x86_get_eflags(cpu);
    fl = x87_host_exec(&cpu->fpu, d->op, insn_modrm(d), NULL, fl);
    x86_set_eflags(cpu, fl, CC_ALL);
}

/* ---- control instructions ---- */

void op_fwait(X86CPU *cpu, const Insn *d)
{
    if ((cpu->cr[0] & (CR0_MP | CR0_TS)) == (CR0_MP | CR0_TS))
        raise_exception(cpu, EXC_NM);
    if (cpu->fpu.fsw & FSW_ES)
        fpu_raise_mf(cpu);
}

void op_fninit(X86CPU *cpu, const Insn *d)
{
    fpu_enter_nowait(cpu);
    x87_init_state(&cpu->fpu);
}

void op_fnclex(X86CPU *cpu, const Insn *d)
{
    fpu_enter_nowait(cpu);
    cpu->fpu.fsw &= ~(FSW_EXC | FSW_SF | FSW_ES | FSW_B);
}

/* FENI, FDISI, FSETPM: 8087/80287 controls the 387 and later ignore. */
void op_fnop_legacy(X86CPU *cpu, const Insn *d)
{
    fpu_enter_nowait(cpu);
}

void op_fnstsw_ax(X86CPU *cpu, const Insn *d)
{
    fpu_enter_nowait(cpu);
    reg_set(cpu, R_EAX, 2, x87_fsw(&cpu->fpu));
}

void op_fnstsw_m(X86CPU *cpu, const Insn *d)
{
    fpu_enter_nowait(cpu);
    st16(cpu, d->seg, insn_ea(cpu, d), x87_fsw(&cpu->fpu));
}

void op_fnstcw(X86CPU *cpu, const Insn *d)
{
    fpu_enter_nowait(cpu);
    st16(cpu, d->seg, insn_ea(cpu, d), cpu->fpu.fcw);
}

void op_fldcw(X86CPU *cpu, const Insn *d)
{
    fpu_enter(cpu);
    uint16_t v = ld16(cpu, d->seg, insn_ea(cpu, d));
    cpu->fpu.fcw = (v & FCW_KEEP) | FCW_ONE;
    x87_update_es(&cpu->fpu);
}
