/* Control and debug registers: MOV to/from CR0/2/3/4/8 and DR0-7, EFER, with the
 * side effects on paging and the TLB; INVD/WBINVD (no caches to manage). */
#include "cpu/x86/paging.h"
#include "cpu/x86/sysregs.h"
#include "yl/apic.h"

#define CR0_VALID (CR0_PE | CR0_MP | CR0_EM | CR0_TS | CR0_ET | CR0_NE | \
                   CR0_WP | CR0_AM | CR0_NW | CR0_CD | CR0_PG)

void x86_require_cpl0(X86CPU *cpu)
{
    if (cpu->cpl != 0 || cpu_vm86(cpu))
        raise_exception_err(cpu, EXC_GP, 0);
}

static _Noreturn void gp0(X86CPU *cpu)
{
    raise_exception_err(cpu, EXC_GP, 0);
}

static bool pae_paging(uint64_t cr0, uint64_t cr4)
{
    return (cr0 & CR0_PG) && (cr4 & CR4_PAE);
}

static bool in_64bit_mode(const X86CPU *cpu)
{
    return x86_code_mode(cpu) == 64;
}

/* Reserved CR0 bits 31:0 are ignored (SDM: only CR0[63:32] faults); ET
 * is hardwired to 1 since the 486.  Paging on with EFER.LME enters IA-32e
 * mode (LMA), which needs PAE; paging off leaves it, except from 64-bit
 * code. */
static void write_cr0(X86CPU *cpu, uint64_t val64)
{
    uint64_t old = cpu->cr[0];
    if (val64 >> 32)
        gp0(cpu);
    uint32_t val = ((uint32_t)val64 & CR0_VALID) | CR0_ET;
    bool pg_on = (val & CR0_PG) && !(old & CR0_PG);
    bool pg_off = !(val & CR0_PG) && (old & CR0_PG);
    if ((val & CR0_PG) && !(val & CR0_PE))
        gp0(cpu);
    if ((val & CR0_NW) && !(val & CR0_CD))
        gp0(cpu);
    if (pg_on && (cpu->msr.efer & EFER_LME)) {
        if (!(cpu->cr[4] & CR4_PAE))
            gp0(cpu);
    } else if (pg_on && pae_paging(val, cpu->cr[4]) && !x86_load_pdptes(cpu, cpu->cr[3])) {
        gp0(cpu);
    }
    if (pg_off && in_64bit_mode(cpu))
        gp0(cpu);
    cpu->cr[0] = val;
    if (pg_on && (cpu->msr.efer & EFER_LME))
        cpu->msr.efer |= EFER_LMA;
    if (pg_off)
        cpu->msr.efer &= ~(uint64_t)EFER_LMA;
    if ((old ^ val) & (CR0_PG | CR0_PE | CR0_WP))
        tlb_flush(cpu);
}

/* In IA-32e mode CR3 holds the PML4 address (bits above MAXPHYADDR are
 * reserved); with PAE paging it names the PDPT, whose entries load now. */
static void write_cr3(X86CPU *cpu, uint64_t val)
{
    if (x86_lma(cpu)) {
        if (val & 0xffffff0000000000ull)
            gp0(cpu);
    } else {
        val = (uint32_t)val;
        if (pae_paging(cpu->cr[0], cpu->cr[4]) && !x86_load_pdptes(cpu, val))
            gp0(cpu);
    }
    cpu->cr[3] = val;
    tlb_flush_nonglobal(cpu);
}

static void write_cr4(X86CPU *cpu, uint64_t val)
{
    uint64_t old = cpu->cr[4];
    uint64_t changed = old ^ val;
    if (val & ~(uint64_t)X86_CR4_VALID)
        gp0(cpu);
    if (x86_lma(cpu) && !(val & CR4_PAE))
        gp0(cpu);
    if (!x86_lma(cpu) && (changed & (CR4_PAE | CR4_PGE | CR4_PSE)) &&
        pae_paging(cpu->cr[0], val) && !x86_load_pdptes(cpu, cpu->cr[3]))
        gp0(cpu);
    cpu->cr[4] = val;
    if (changed & (CR4_PAE | CR4_PGE | CR4_PSE))
        tlb_flush(cpu);
}

/* CR8 is the task-priority class: TPR bits 7:4 of the local APIC. */
static void write_cr8(X86CPU *cpu, uint64_t val)
{
    if (val & ~0xfull)
        gp0(cpu);
    struct LAPIC *apic = apic_of_cpu(cpu);
    if (apic)
        apic_set_tpr(apic, (uint8_t)(val << 4));
    cpu->cr[8] = val;
}

static uint64_t read_cr8(X86CPU *cpu)
{
    struct LAPIC *apic = apic_of_cpu(cpu);
    return apic ? apic_get_tpr(apic) >> 4 : cpu->cr[8];
}

void x86_write_cr(X86CPU *cpu, int n, uint64_t val)
{
    switch (n) {
    case 0: write_cr0(cpu, val); break;
    case 2: cpu->cr[2] = x86_lma(cpu) ? val : (uint32_t)val; break;
    case 3: write_cr3(cpu, val); break;
    case 4: write_cr4(cpu, val); break;
    case 8: write_cr8(cpu, val); break;
    default: raise_exception(cpu, EXC_UD);
    }
}

/* EFER: SCE, LME and NXE are writable, LMA follows CR0.PG (SDM 9.8.5);
 * LME cannot change while paging is on. */
bool x86_write_efer(X86CPU *cpu, uint64_t val)
{
    uint64_t old = cpu->msr.efer;
    if (val & ~(uint64_t)(EFER_SCE | EFER_LME | EFER_LMA | EFER_NXE))
        return false;
    if (((old ^ val) & EFER_LME) && (cpu->cr[0] & CR0_PG))
        return false;
    cpu->msr.efer = (val & ~(uint64_t)EFER_LMA) | (old & EFER_LMA);
    if ((old ^ val) & EFER_NXE)
        tlb_flush(cpu);
    return true;
}

static bool cr_exists(const Insn *d)
{
    int n = d->rreg;
    return n == 0 || n == 2 || n == 3 || n == 4 || (n == 8 && d->mode == 64);
}

/* MOV CR/DR move 64 bits in 64-bit mode, 32 elsewhere. */
static int crdr_size(const Insn *d)
{
    return d->mode == 64 ? 8 : 4;
}

/* 0F 20: MOV r, CRn (the mod field is taken as 3). */
void op_mov_r_cr(X86CPU *cpu, const Insn *d)
{
    if (!cr_exists(d))
        raise_exception(cpu, EXC_UD);
    x86_require_cpl0(cpu);
    uint64_t v = d->rreg == 8 ? read_cr8(cpu) : cpu->cr[d->rreg];
    reg_set(cpu, d->rrm, crdr_size(d), v);
}

/* 0F 22: MOV CRn, r */
void op_mov_cr_r(X86CPU *cpu, const Insn *d)
{
    if (!cr_exists(d))
        raise_exception(cpu, EXC_UD);
    x86_require_cpl0(cpu);
    x86_write_cr(cpu, d->rreg, reg_get(cpu, d->rrm, crdr_size(d)));
}

/* The checks of MOV DR; returns the register number with DR4/DR5 folded
 * onto DR6/DR7. */
static int dr_access(X86CPU *cpu, int n)
{
    x86_require_cpl0(cpu);
    if ((n == 4 || n == 5) && (cpu->cr[4] & CR4_DE))
        raise_exception(cpu, EXC_UD);
    if (cpu->dr[7] & DR7_GD) {
        /* General detect: a fault, with GD cleared so the handler can
         * use the debug registers. */
        cpu->dr[6] |= DR6_BD;
        cpu->dr[7] &= ~(uint64_t)DR7_GD;
        raise_exception(cpu, EXC_DB);
    }
    return (n == 4 || n == 5) ? n + 2 : n;
}

/* 0F 21: MOV r, DRn (DR8-15 do not exist: #UD) */
void op_mov_r_dr(X86CPU *cpu, const Insn *d)
{
    if (d->rreg > 7)
        raise_exception(cpu, EXC_UD);
    int n = dr_access(cpu, d->reg);
    reg_set(cpu, d->rrm, crdr_size(d), cpu->dr[n]);
}

/* 0F 23: MOV DRn, r; DR6/DR7 bits 63:32 must be clear. */
void op_mov_dr_r(X86CPU *cpu, const Insn *d)
{
    if (d->rreg > 7)
        raise_exception(cpu, EXC_UD);
    int n = dr_access(cpu, d->reg);
    uint64_t v64 = reg_get(cpu, d->rrm, crdr_size(d));
    if (n >= 6 && (v64 >> 32))
        gp0(cpu);
    uint32_t v = (uint32_t)v64;
    switch (n) {
    case 6: cpu->dr[6] = (v & 0x0000e00fu) | DR6_FIXED; break;
    case 7:
        cpu->dr[7] = (v & 0xffff27ffu) | DR7_FIXED;
        if (v & 0xff)
            yl_log_mask(cpu->log, LOG_UNIMP, "mov dr7: hardware breakpoints "
                        "are not implemented (dr7=0x%08x)\n", v);
        break;
    default: cpu->dr[n] = x86_lma(cpu) ? v64 : v; break;
    }
}

/* 0F 08 / 0F 09: there are no caches to invalidate or write back. */
void op_invd(X86CPU *cpu, const Insn *d)
{
    x86_require_cpl0(cpu);
}

void op_wbinvd(X86CPU *cpu, const Insn *d)
{
    x86_require_cpl0(cpu);
}
