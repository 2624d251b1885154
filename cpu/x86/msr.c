/* Model-specific registers, the time stamp counter and RDPMC.
 * Only MSRs of advertised features exist; the rest raise #GP(0). */
#include <inttypes.h>

#include "cpu/x86/sysregs.h"
#include "yl/apic.h"
#include "yl/machine.h"

enum {
    MSR_TSC = 0x10,
    MSR_PLATFORM_ID = 0x17,
    MSR_APIC_BASE = 0x1b,
    MSR_BIOS_SIGN_ID = 0x8b,    /* microcode revision */
    MSR_SYSENTER_CS = 0x174,
    MSR_SYSENTER_ESP = 0x175,
    MSR_SYSENTER_EIP = 0x176,
    MSR_MISC_ENABLE = 0x1a0,
    MSR_TSC_DEADLINE = 0x6e0,
};

/* MISC_ENABLE: fast strings on; BTS and PEBS unavailable (read-only). */
#define MISC_ENABLE_RESET 0x1801ull
#define MISC_ENABLE_RO 0x1800ull

static int64_t virt_ns(X86CPU *cpu)
{
    return cpu->machine ? clock_ns(&cpu->machine->clock) : 0;
}

/* TSC = virtual ns since tsc_base (1 GHz) + tsc_offset. */
uint64_t x86_tsc_read(X86CPU *cpu)
{
    return (uint64_t)(virt_ns(cpu) - (int64_t)cpu->tsc_base) + cpu->msr.tsc_offset;
}

void x86_tsc_write(X86CPU *cpu, uint64_t val)
{
    cpu->msr.tsc_offset = val - (uint64_t)(virt_ns(cpu) - (int64_t)cpu->tsc_base);
}

void x86_msr_reset(X86CPU *cpu)
{
    MSRState *m = &cpu->msr;
    memset(m, 0, sizeof(*m));
    cpu->tsc_base = (uint64_t)virt_ns(cpu);
    m->misc_enable = MISC_ENABLE_RESET;
    m->pat = 0x0007040600070406ull;
}

/* IA32_APIC_BASE and IA32_TSC_DEADLINE exist with a local APIC. */
static bool apic_msr_read(X86CPU *cpu, uint32_t idx, uint64_t *val)
{
    struct LAPIC *apic = apic_of_cpu(cpu);
    if (!apic)
        return false;
    *val = idx == MSR_APIC_BASE ? apic_get_base(apic) : apic_get_tsc_deadline(apic);
    return true;
}

static bool apic_msr_write(X86CPU *cpu, uint32_t idx, uint64_t val)
{
    struct LAPIC *apic = apic_of_cpu(cpu);
    if (!apic)
        return false;
    if (idx == MSR_APIC_BASE)
        return apic_set_base(apic, val);
    apic_set_tsc_deadline(apic, val, x86_tsc_read(cpu));
    return true;
}

static bool msr_read(X86CPU *cpu, uint32_t idx, uint64_t *val)
{
    switch (idx) {
    case MSR_APIC_BASE:
    case MSR_TSC_DEADLINE:
        return apic_msr_read(cpu, idx, val);
    case MSR_TSC: *val = x86_tsc_read(cpu); return true;
    case MSR_PLATFORM_ID: *val = 0; return true;
    case MSR_BIOS_SIGN_ID: *val = 0; return true;
    case MSR_SYSENTER_CS: *val = cpu->msr.sysenter_cs; return true;
    case MSR_SYSENTER_ESP: *val = cpu->msr.sysenter_esp; return true;
    case MSR_SYSENTER_EIP: *val = cpu->msr.sysenter_eip; return true;
    case MSR_MISC_ENABLE: *val = cpu->msr.misc_enable; return true;
    default: return false;
    }
}

static bool msr_write(X86CPU *cpu, uint32_t idx, uint64_t val)
{
    switch (idx) {
    case MSR_APIC_BASE:
    case MSR_TSC_DEADLINE:
        return apic_msr_write(cpu, idx, val);
    case MSR_TSC: x86_tsc_write(cpu, val); return true;
    case MSR_BIOS_SIGN_ID: return true;     /* no microcode to report */
    /* 32-bit CPU: the upper halves do not exist. */
    case MSR_SYSENTER_CS: cpu->msr.sysenter_cs = val & 0xffff; return true;
    case MSR_SYSENTER_ESP: cpu->msr.sysenter_esp = (uint32_t)val; return true;
    case MSR_SYSENTER_EIP: cpu->msr.sysenter_eip = (uint32_t)val; return true;
    case MSR_MISC_ENABLE:
        cpu->msr.misc_enable = (val & ~MISC_ENABLE_RO) | (MISC_ENABLE_RESET & MISC_ENABLE_RO);
        return true;
    default: return false;
    }
}

void op_rdmsr(X86CPU *cpu, const Insn *d)
{
    x86_require_cpl0(cpu);
    uint32_t idx = (uint32_t)cpu->regs[R_ECX];
    uint64_t v;
    if (!msr_read(cpu, idx, &v)) {
        yl_log_mask(cpu->log, LOG_UNIMP, "rdmsr: unknown MSR 0x%08" PRIx32 "\n", idx);
        raise_exception_err(cpu, EXC_GP, 0);
    }
    cpu->regs[R_EAX] = (uint32_t)v;
    cpu->regs[R_EDX] = (uint32_t)(v >> 32);
}

void op_wrmsr(X86CPU *cpu, const Insn *d)
{
    x86_require_cpl0(cpu);
    uint32_t idx = (uint32_t)cpu->regs[R_ECX];
    uint64_t v = (uint32_t)cpu->regs[R_EAX] | ((uint64_t)(uint32_t)cpu->regs[R_EDX] << 32);
    if (!msr_write(cpu, idx, v)) {
        yl_log_mask(cpu->log, LOG_UNIMP, "wrmsr: unknown MSR 0x%08" PRIx32
                    " value 0x%016" PRIx64 "\n", idx, v);
        raise_exception_err(cpu, EXC_GP, 0);
    }
}

void op_rdtsc(X86CPU *cpu, const Insn *d)
{
    if ((cpu->cr[4] & CR4_TSD) && (cpu->cpl != 0 || cpu_vm86(cpu)) && cpu_pe(cpu))
        raise_exception_err(cpu, EXC_GP, 0);
    uint64_t t = x86_tsc_read(cpu);
    cpu->regs[R_EAX] = (uint32_t)t;
    cpu->regs[R_EDX] = (uint32_t)(t >> 32);
}

/* No performance counters are implemented, so every ECX is invalid. */
void op_rdpmc(X86CPU *cpu, const Insn *d)
{
    raise_exception_err(cpu, EXC_GP, 0);
}
