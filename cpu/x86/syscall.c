/* SYSCALL / SYSRET (SDM Vol 2): the 64-bit fast system call through
 * IA32_STAR (selectors), IA32_LSTAR (target) and IA32_FMASK (RFLAGS bits
 * to clear).  As on Intel processors both exist only in 64-bit mode, and
 * only with EFER.SCE. */
#include "cpu/x86/prot.h"

static void need_syscall(X86CPU *cpu)
{
    if (!(cpu->msr.efer & EFER_SCE) || x86_code_mode(cpu) != 64)
        raise_exception(cpu, EXC_UD);
}

/* 0F 05: RCX = return RIP, R11 = RFLAGS; CS = STAR[47:32], SS = that + 8,
 * both flat ring 0 (CS 64-bit). */
void op_syscall(X86CPU *cpu, const Insn *d)
{
    need_syscall(cpu);
    uint16_t sel = (uint16_t)(cpu->msr.star >> 32);
    uint32_t fl = x86_get_eflags(cpu);
    cpu->regs[R_ECX] = cpu->next_rip;
    cpu->regs[11] = fl & ~RF_MASK;
    x86_set_eflags(cpu, fl & ~((uint32_t)cpu->msr.sfmask | RF_MASK), 0xffffffffu);
    seg_load_flat(cpu, R_CS, sel & 0xfffc, 0, true, true);
    seg_load_flat(cpu, R_SS, (sel + 8) & 0xfffc, 0, false, false);
    cpu->cpl = 0;
    cpu->next_rip = cpu->msr.lstar;
}

/* 0F 07: back to ring 3, 64-bit code with REX.W (CS = STAR[63:48] + 16),
 * compatibility mode without (CS = STAR[63:48]); SS = STAR[63:48] + 8.
 * RFLAGS from R11.  A non-canonical RCX faults here, in ring 0. */
void op_sysret(X86CPU *cpu, const Insn *d)
{
    need_syscall(cpu);
    if (cpu->cpl != 0)
        raise_exception_err(cpu, EXC_GP, 0);
    uint16_t sel = (uint16_t)(cpu->msr.star >> 48);
    bool to64 = d->opsize == 8;
    uint64_t rip = to64 ? cpu->regs[R_ECX] : (uint32_t)cpu->regs[R_ECX];
    if (!x86_canonical(rip))
        raise_exception_err(cpu, EXC_GP, 0);
    x86_set_eflags(cpu, ((uint32_t)cpu->regs[11] & 0x3c7fd7u) | 2, 0xffffffffu);
    seg_load_flat(cpu, R_CS, (to64 ? sel + 16 : sel) | 3, 3, true, to64);
    seg_load_flat(cpu, R_SS, (sel + 8) | 3, 3, false, false);
    cpu->cpl = 3;
    cpu->next_rip = rip;
}
