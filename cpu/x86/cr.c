/* Control and debug registers: MOV to/from CR0/2/3/4 and DR0-7, with the
 * side effects on paging and the TLB; INVD/WBINVD (no caches to manage). */
#include "cpu/x86/paging.h"
#include "cpu/x86/sysregs.h"

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

/* Reserved CR0 bits are ignored in 32-bit operation (SDM: only CR0[63:32]
 * faults); ET is hardwired to 1 since the 486. */
static void write_cr0(X86CPU *cpu, uint32_t val)
{
    uint64_t old = cpu->cr[0];
    val = (val & CR0_VALID) | CR0_ET;
    if ((val & CR0_PG) && !(val & CR0_PE))
        gp0(cpu);
    if ((val & CR0_NW) && !(val & CR0_CD))
        gp0(cpu);
    if (pae_paging(val, cpu->cr[4]) && !(old & CR0_PG) &&
        !x86_load_pdptes(cpu, cpu->cr[3]))
        gp0(cpu);
    cpu->cr[0] = val;
    if ((old ^ val) & (CR0_PG | CR0_PE | CR0_WP))
        tlb_flush(cpu);
}

static void write_cr3(X86CPU *cpu, uint32_t val)
{
    if (pae_paging(cpu->cr[0], cpu->cr[4]) && !x86_load_pdptes(cpu, val))
        gp0(cpu);
    cpu->cr[3] = val;
    tlb_flush_nonglobal(cpu);
}

static void write_cr4(X86CPU *cpu, uint32_t val)
{
    uint64_t old = cpu->cr[4];
    uint64_t changed = old ^ val;
    if (val & ~(uint32_t)X86_CR4_VALID)
        gp0(cpu);
    if ((changed & (CR4_PAE | CR4_PGE | CR4_PSE)) && pae_paging(cpu->cr[0], val) &&
        !x86_load_pdptes(cpu, cpu->cr[3]))
        gp0(cpu);
    cpu->cr[4] = val;
    if (changed & (CR4_PAE | CR4_PGE | CR4_PSE))
        tlb_flush(cpu);
}

void x86_write_cr(X86CPU *cpu, int n, uint64_t val)
{
    switch (n) {
    case 0: write_cr0(cpu, (uint32_t)val); break;
    case 2: cpu->cr[2] = (uint32_t)val; break;
    case 3: write_cr3(cpu, (uint32_t)val); break;
    case 4: write_cr4(cpu, (uint32_t)val); break;
    default: raise_exception(cpu, EXC_UD);
    }
}

static bool cr_exists(int n)
{
    return n == 0 || n == 2 || n == 3 || n == 4;
}

/* 0F 20: MOV r32, CRn (the mod field is taken as 3). */
void op_mov_r_cr(X86CPU *cpu, const Insn *d)
{
    if (!cr_exists(d->reg))
        raise_exception(cpu, EXC_UD);
    x86_require_cpl0(cpu);
    reg_set(cpu, d->rm, 4, (uint32_t)cpu->cr[d->reg]);
}

/* 0F 22: MOV CRn, r32 */
void op_mov_cr_r(X86CPU *cpu, const Insn *d)
{
    if (!cr_exists(d->reg))
        raise_exception(cpu, EXC_UD);
    x86_require_cpl0(cpu);
    x86_write_cr(cpu, d->reg, reg_get(cpu, d->rm, 4));
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

/* 0F 21: MOV r32, DRn */
void op_mov_r_dr(X86CPU *cpu, const Insn *d)
{
    int n = dr_access(cpu, d->reg);
    reg_set(cpu, d->rm, 4, (uint32_t)cpu->dr[n]);
}

/* 0F 23: MOV DRn, r32 */
void op_mov_dr_r(X86CPU *cpu, const Insn *d)
{
    int n = dr_access(cpu, d->reg);
    uint32_t v = reg_get(cpu, d->rm, 4);
    switch (n) {
    case 6: cpu->dr[6] = (v & 0x0000e00fu) | DR6_FIXED; break;
    case 7:
        cpu->dr[7] = (v & 0xffff27ffu) | DR7_FIXED;
        if (v & 0xff)
            yl_log_mask(cpu->log, LOG_UNIMP, "mov dr7: hardware breakpoints "
                        "are not implemented (dr7=0x%08x)\n", v);
        break;
    default: cpu->dr[n] = v; break;
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
