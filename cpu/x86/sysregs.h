/* Shared by cpu.c, cr.c, msr.c and cpuid.c: what the CPU model offers and
 * the system-register helpers. */
#ifndef YL_X86_SYSREGS_H
#define YL_X86_SYSREGS_H

#include "cpu/x86/x86.h"

/* CPUID.1.EDX feature bits */
#define CPUID_FPU (1u << 0)
#define CPUID_VME (1u << 1)
#define CPUID_DE (1u << 2)
#define CPUID_PSE (1u << 3)
#define CPUID_TSC (1u << 4)
#define CPUID_MSR (1u << 5)
#define CPUID_PAE (1u << 6)
#define CPUID_CX8 (1u << 8)
#define CPUID_APIC (1u << 9)
#define CPUID_SEP (1u << 11)
#define CPUID_MTRR (1u << 12)
#define CPUID_PGE (1u << 13)
#define CPUID_CMOV (1u << 15)
#define CPUID_PAT (1u << 16)

/* Only what is implemented (DESIGN: never advertise the rest). */
#define X86_FEATURES_EDX (CPUID_FPU | CPUID_DE | CPUID_PSE | CPUID_TSC | \
                          CPUID_MSR | CPUID_PAE | CPUID_CX8 | CPUID_SEP | \
                          CPUID_PGE | CPUID_CMOV | CPUID_MTRR | CPUID_PAT)

/* CR4 bits that may be set: those of the features above. */
#define X86_CR4_VALID (CR4_TSD | CR4_DE | CR4_PSE | CR4_PAE | CR4_PGE | CR4_PCE | \
                       CR4_OSFXSR | CR4_OSXMMEXCPT | CR4_OSXSAVE)

/* DR6/DR7 fixed bits */
#define DR6_FIXED 0xffff0ff0u
#define DR6_BD (1u << 13)
#define DR7_FIXED 0x00000400u
#define DR7_GD (1u << 13)

/* The time stamp counter: 1 GHz of the machine's virtual clock. */
uint64_t x86_tsc_read(X86CPU *cpu);
void x86_tsc_write(X86CPU *cpu, uint64_t val);
/* MSR values at RESET. */
void x86_msr_reset(X86CPU *cpu);

/* CPUID leaf; leaves with sub-leaves (7, 0xD) take the sub-leaf from the
 * guest's ECX (cpu->regs). */
void x86_cpuid(X86CPU *cpu, uint32_t leaf, uint32_t *eax, uint32_t *ebx,
               uint32_t *ecx, uint32_t *edx);

/* WRMSR to EFER; false for a value that raises #GP(0). */
bool x86_write_efer(X86CPU *cpu, uint64_t val);

/* CPL 0 outside v86 mode, else #GP(0): the rule of the privileged
 * instructions. */
void x86_require_cpl0(X86CPU *cpu);

#endif
