/* SYSENTER / SYSEXIT: fast ring 0 <-> ring 3 transitions through flat
 * segments derived from IA32_SYSENTER_CS (SDM Vol 2, SYSENTER/SYSEXIT).
 * In IA-32e mode SYSENTER always enters 64-bit code; SYSEXIT with REX.W
 * returns to 64-bit code (CS = SYSENTER_CS + 32), without to compatibility
 * mode. */
#include "cpu/x86/prot.h"

/* 0F 34 */
void op_sysenter(X86CPU *cpu, const Insn *d)
{
    uint16_t cs = cpu->msr.sysenter_cs & 0xfffc;
    bool lma = x86_lma(cpu);
    if (!cpu_pe(cpu) || cs == 0)
        raise_exception_err(cpu, EXC_GP, 0);
    cpu->eflags &= ~(VM_MASK | IF_MASK | RF_MASK);
    seg_load_flat(cpu, R_CS, cs, 0, true, lma);
    seg_load_flat(cpu, R_SS, cs + 8, 0, false, false);
    cpu->cpl = 0;
    if (lma) {
        cpu->regs[R_ESP] = cpu->msr.sysenter_esp;
        cpu->next_rip = cpu->msr.sysenter_eip;
    } else {
        cpu->regs[R_ESP] = (uint32_t)cpu->msr.sysenter_esp;
        cpu->next_rip = (uint32_t)cpu->msr.sysenter_eip;
    }
}

/* 0F 35 */
void op_sysexit(X86CPU *cpu, const Insn *d)
{
    uint16_t cs = cpu->msr.sysenter_cs & 0xfffc;
    if (!cpu_prot(cpu) || cpu->cpl != 0 || cs == 0)
        raise_exception_err(cpu, EXC_GP, 0);
    if (d->opsize == 8) {
        if (!x86_canonical(cpu->regs[R_EDX]) || !x86_canonical(cpu->regs[R_ECX]))
            raise_exception_err(cpu, EXC_GP, 0);
        seg_load_flat(cpu, R_CS, (cs + 32) | 3, 3, true, true);
        seg_load_flat(cpu, R_SS, (cs + 40) | 3, 3, false, false);
        cpu->cpl = 3;
        cpu->regs[R_ESP] = cpu->regs[R_ECX];
        cpu->next_rip = cpu->regs[R_EDX];
        return;
    }
    seg_load_flat(cpu, R_CS, (cs + 16) | 3, 3, true, false);
    seg_load_flat(cpu, R_SS, (cs + 24) | 3, 3, false, false);
    cpu->cpl = 3;
    cpu->regs[R_ESP] = (uint32_t)cpu->regs[R_ECX];
    cpu->next_rip = (uint32_t)cpu->regs[R_EDX];
}
