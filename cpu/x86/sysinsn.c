/* System instructions: flags and interrupt control (PUSHF POPF CLI STI
 * HLT), descriptor tables (SGDT ... LTR), segment inspection (ARPL LAR LSL
 * VERR VERW) and CR0 bits (SMSW LMSW CLTS), INVLPG, SWAPGS. */
#include "cpu/x86/prot.h"

static void need_cpl0(X86CPU *cpu)
{
    if (cpu_pe(cpu) && (cpu_vm86(cpu) || cpu->cpl != 0))
        raise_exception_err(cpu, EXC_GP, 0);
}

/* #UD outside protected mode (real and v86). */
static void need_prot(X86CPU *cpu)
{
    if (!cpu_prot(cpu))
        raise_exception(cpu, EXC_UD);
}

static void v86_iopl_check(X86CPU *cpu)
{
    if (cpu_vm86(cpu) && cpu_iopl(cpu) < 3)
        raise_exception_err(cpu, EXC_GP, 0);
}

/* 9C */
void op_pushf(X86CPU *cpu, const Insn *d)
{
    v86_iopl_check(cpu);
    x86_push(cpu, d->opsize, x86_get_eflags(cpu) & ~(VM_MASK | RF_MASK));
}

/* 9D: VM and RF never change; IOPL only at CPL 0; IF only at CPL <= IOPL. */
void op_popf(X86CPU *cpu, const Insn *d)
{
    v86_iopl_check(cpu);
    uint32_t v = x86_peek(cpu, d->opsize, 0);
    int cpl = cpu_vm86(cpu) ? 3 : cpu_pe(cpu) ? cpu->cpl : 0;
    (void)x86_pop(cpu, d->opsize);
    eflags_load(cpu, v, d->opsize, cpl);
}

static void check_if_change(X86CPU *cpu)
{
    if (cpu_vm86(cpu) ? cpu_iopl(cpu) < 3 : cpu_pe(cpu) && cpu->cpl > cpu_iopl(cpu))
        raise_exception_err(cpu, EXC_GP, 0);
}

/* FA */
void op_cli(X86CPU *cpu, const Insn *d)
{
    check_if_change(cpu);
    cpu->eflags &= ~IF_MASK;
}

/* FB: interrupts stay blocked for one more instruction. */
void op_sti(X86CPU *cpu, const Insn *d)
{
    check_if_change(cpu);
    if (!(cpu->eflags & IF_MASK)) {
        cpu->inhibit_irq = true;
        if (cpu->irq_line)
            x86_cpu_stop_chain(cpu);
    }
    cpu->eflags |= IF_MASK;
}

/* F4 */
void op_hlt(X86CPU *cpu, const Insn *d)
{
    need_cpl0(cpu);
    cpu->halted = true;
}

/* 63 */
void op_arpl(X86CPU *cpu, const Insn *d)
{
    need_prot(cpu);
    uint16_t dst = rm_get(cpu, d, 2);
    uint16_t src = reg_get(cpu, d->rreg, 2);
    if ((dst & 3) < (src & 3)) {
        rm_set(cpu, d, 2, (dst & ~3) | (src & 3));
        cc_set_flags(cpu, CC_Z, CC_Z);
    } else {
        cc_set_flags(cpu, 0, CC_Z);
    }
}

/* The descriptor LAR/LSL/VERR/VERW may look at: NULL-free, in bounds and
 * visible at CPL/RPL (conforming code is visible everywhere). */
static bool visible_desc(X86CPU *cpu, uint16_t sel, Desc *d)
{
    if ((sel & ~3) == 0 || !desc_read(cpu, sel, d))
        return false;
    if (desc_conforming(d))
        return true;
    return desc_dpl(d) >= cpu->cpl && desc_dpl(d) >= (sel & 3);
}

static bool lar_type_ok(X86CPU *cpu, const Desc *d, bool lsl)
{
    if (desc_is_seg(d))
        return true;
    if (x86_lma(cpu)) {
        switch (desc_type(d)) {
        case SYS_LDT: case SYS_TSS64_AVAIL: case SYS_TSS64_BUSY:
            return true;
        case SYS_CALLGATE64:
            return !lsl;
        default:
            return false;
        }
    }
    switch (desc_type(d)) {
    case SYS_TSS16_AVAIL: case SYS_LDT: case SYS_TSS16_BUSY:
    case SYS_TSS32_AVAIL: case SYS_TSS32_BUSY:
        return true;
    case SYS_CALLGATE16: case SYS_TASKGATE: case SYS_CALLGATE32:
        return !lsl;
    default:
        return false;
    }
}

/* 0F 02 / 0F 03 */
static void lar_lsl(X86CPU *cpu, const Insn *d, bool lsl)
{
    need_prot(cpu);
    Desc desc;
    uint16_t sel = rm_get(cpu, d, 2);
    if (!visible_desc(cpu, sel, &desc) || !lar_type_ok(cpu, &desc, lsl)) {
        cc_set_flags(cpu, 0, CC_Z);
        return;
    }
    uint32_t v = lsl ? desc_limit(&desc) : desc.hi & (d->opsize != 2 ? 0x00f0ff00 : 0xff00);
    reg_set(cpu, d->rreg, d->opsize, v);
    cc_set_flags(cpu, CC_Z, CC_Z);
}

void op_lar(X86CPU *cpu, const Insn *d) { lar_lsl(cpu, d, false); }
void op_lsl(X86CPU *cpu, const Insn *d) { lar_lsl(cpu, d, true); }

/* 0F 00 /4 /5 */
static void verify(X86CPU *cpu, const Insn *d, bool write)
{
    need_prot(cpu);
    Desc desc;
    uint16_t sel = rm_get(cpu, d, 2);
    bool ok = visible_desc(cpu, sel, &desc) && desc_is_seg(&desc);
    if (ok && write)
        ok = desc_is_data(&desc) && (desc.hi & DESC_W_MASK);
    else if (ok)
        ok = desc_is_data(&desc) || (desc.hi & DESC_R_MASK);
    cc_set_flags(cpu, ok ? CC_Z : 0, CC_Z);
}

void op_verr(X86CPU *cpu, const Insn *d) { verify(cpu, d, false); }
void op_verw(X86CPU *cpu, const Insn *d) { verify(cpu, d, true); }

/* 0F 00 /0 /1: a register destination gets the zero-extended selector. */
static void store_sel(X86CPU *cpu, const Insn *d, uint16_t sel)
{
    need_prot(cpu);
    if (d->mod == 3)
        reg_set(cpu, d->rrm, d->opsize, sel);
    else
        st16(cpu, d->seg, insn_ea(cpu, d), sel);
}

void op_sldt(X86CPU *cpu, const Insn *d) { store_sel(cpu, d, cpu->seg[R_LDTR].sel); }
void op_str(X86CPU *cpu, const Insn *d) { store_sel(cpu, d, cpu->seg[R_TR].sel); }

/* 0F 00 /2 */
void op_lldt(X86CPU *cpu, const Insn *d)
{
    need_prot(cpu);
    need_cpl0(cpu);
    load_ldtr(cpu, rm_get(cpu, d, 2), EXC_GP, false);
}

static bool ltr_type_ok(X86CPU *cpu, const Desc *d)
{
    if (desc_is_seg(d))
        return false;
    if (x86_lma(cpu))
        return desc_type(d) == SYS_TSS64_AVAIL;
    return desc_type(d) == SYS_TSS16_AVAIL || desc_type(d) == SYS_TSS32_AVAIL;
}

/* 0F 00 /3: an available TSS (16 bytes, 64-bit, in IA-32e mode), marked
 * busy. */
void op_ltr(X86CPU *cpu, const Insn *d)
{
    need_prot(cpu);
    need_cpl0(cpu);
    uint16_t sel = rm_get(cpu, d, 2);
    Desc desc;
    uint32_t upper = 0;
    if ((sel & ~3) == 0)
        raise_exception_err(cpu, EXC_GP, 0);
    bool ok = !(sel & 4) && (x86_lma(cpu) ? desc_read16(cpu, sel, &desc, &upper)
                                          : desc_read(cpu, sel, &desc));
    if (!ok || !ltr_type_ok(cpu, &desc))
        raise_exception_err(cpu, EXC_GP, sel & 0xfffc);
    if (!desc_present(&desc))
        raise_exception_err(cpu, EXC_NP, sel & 0xfffc);
    desc.hi |= 2 << DESC_TYPE_SHIFT;
    desc_write_hi(cpu, sel, &desc);
    seg_load_desc16(cpu, R_TR, sel, &desc, upper);
}

/* 0F 01 /0 /1: the full 32-bit base whatever the operand size, as
 * current processors store it; 64 bits in 64-bit mode. */
static void store_dt(X86CPU *cpu, const Insn *d, const DescTable *t)
{
    uint64_t ea = insn_ea(cpu, d);
    if (d->mode == 64) {
        probe_write(cpu, d->seg, ea, 10);
        st16(cpu, d->seg, ea, t->limit);
        st64(cpu, d->seg, ea + 2, t->base);
        return;
    }
    probe_write(cpu, d->seg, ea, 6);
    st16(cpu, d->seg, ea, t->limit);
    st32(cpu, d->seg, ea + 2, (uint32_t)t->base);
}

void op_sgdt(X86CPU *cpu, const Insn *d) { store_dt(cpu, d, &cpu->gdt); }
void op_sidt(X86CPU *cpu, const Insn *d) { store_dt(cpu, d, &cpu->idt); }

/* 0F 01 /2 /3 */
static void load_dt(X86CPU *cpu, const Insn *d, DescTable *t)
{
    need_cpl0(cpu);
    uint64_t ea = insn_ea(cpu, d);
    uint16_t limit = ld16(cpu, d->seg, ea);
    if (d->mode == 64) {
        uint64_t base = ld64(cpu, d->seg, ea + 2);
        if (!x86_canonical(base))
            raise_exception_err(cpu, EXC_GP, 0);
        t->limit = limit;
        t->base = base;
        return;
    }
    uint32_t base = ld32(cpu, d->seg, ea + 2);
    t->limit = limit;
    t->base = d->opsize == 2 ? base & 0xffffff : base;
}

void op_lgdt(X86CPU *cpu, const Insn *d) { load_dt(cpu, d, &cpu->gdt); }
void op_lidt(X86CPU *cpu, const Insn *d) { load_dt(cpu, d, &cpu->idt); }

/* 0F 01 /4 */
void op_smsw(X86CPU *cpu, const Insn *d)
{
    if (d->mod == 3)
        reg_set(cpu, d->rrm, d->opsize, cpu->cr[0]);
    else
        st16(cpu, d->seg, insn_ea(cpu, d), (uint16_t)cpu->cr[0]);
}

/* 0F 01 /6: PE MP EM TS only, and PE cannot be cleared. */
void op_lmsw(X86CPU *cpu, const Insn *d)
{
    need_cpl0(cpu);
    uint32_t v = rm_get(cpu, d, 2);
    uint64_t cr0 = cpu->cr[0];
    uint64_t n = (cr0 & ~0xeull) | (v & 0xf) | (cr0 & CR0_PE);
    x86_write_cr(cpu, 0, n);
}

/* 0F 01 /7 */
void op_invlpg(X86CPU *cpu, const Insn *d)
{
    need_cpl0(cpu);
    uint64_t ea = insn_ea(cpu, d);
    if (d->mode != 64)
        ea = (cpu->seg[d->seg].base + ea) & 0xffffffffu;
    else if (d->seg == R_FS || d->seg == R_GS)
        ea += cpu->seg[d->seg].base;
    tlb_flush_page(cpu, ea);
}

/* 0F 01 F8 (64-bit mode only): exchanges GS.base with IA32_KERNEL_GS_BASE. */
void op_swapgs(X86CPU *cpu, const Insn *d)
{
    need_cpl0(cpu);
    uint64_t t = cpu->seg[R_GS].base;
    cpu->seg[R_GS].base = cpu->msr.kernel_gs_base;
    cpu->msr.kernel_gs_base = t;
}

/* 0F 06 */
void op_clts(X86CPU *cpu, const Insn *d)
{
    need_cpl0(cpu);
    x86_write_cr(cpu, 0, cpu->cr[0] & ~(uint64_t)CR0_TS);
}
