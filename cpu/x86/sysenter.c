/* SYSENTER / SYSEXIT: fast ring 0 <-> ring 3 transitions through flat
 * segments derived from IA32_SYSENTER_CS (SDM Vol 2, SYSENTER/SYSEXIT). */
#include "cpu/x86/prot.h"

/* Flat 4 GiB segment with the given DPL, code or data, accessed. */
static void load_flat(X86CPU *cpu, int seg, uint16_t sel, int dpl, bool code)
{
    SegCache *s = &cpu->seg[seg];
    s->sel = sel;
    s->base = 0;
    s->limit = 0xffffffffu;
    s->flags = DESC_P_MASK | DESC_S_MASK | ((uint32_t)dpl << DESC_DPL_SHIFT) |
               DESC_B_MASK | DESC_G_MASK | DESC_A_MASK | DESC_W_MASK |
               (code ? DESC_CS_MASK : 0);
}

/* 0F 34 */
void op_sysenter(X86CPU *cpu, const Insn *d)
{
    uint16_t cs = cpu->msr.sysenter_cs & 0xfffc;
    if (!cpu_pe(cpu) || cs == 0)
        raise_exception_err(cpu, EXC_GP, 0);
    cpu->eflags &= ~(VM_MASK | IF_MASK | RF_MASK);
    load_flat(cpu, R_CS, cs, 0, true);
    load_flat(cpu, R_SS, cs + 8, 0, false);
    cpu->cpl = 0;
    cpu->regs[R_ESP] = (uint32_t)cpu->msr.sysenter_esp;
    cpu->next_rip = (uint32_t)cpu->msr.sysenter_eip;
}

/* 0F 35 */
void op_sysexit(X86CPU *cpu, const Insn *d)
{
    uint16_t cs = cpu->msr.sysenter_cs & 0xfffc;
    if (!cpu_prot(cpu) || cpu->cpl != 0 || cs == 0)
        raise_exception_err(cpu, EXC_GP, 0);
    load_flat(cpu, R_CS, (cs + 16) | 3, 3, true);
    load_flat(cpu, R_SS, (cs + 24) | 3, 3, false);
    cpu->cpl = 3;
    cpu->regs[R_ESP] = (uint32_t)cpu->regs[R_ECX];
    cpu->next_rip = (uint32_t)cpu->regs[R_EDX];
}
