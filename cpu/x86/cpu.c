/* CPU lifecycle: init, the RESET state (Intel SDM vol. 3, table 9-1),
 * the register dump, EFLAGS assembly and the A20 gate. */
#include <stdio.h>

#include "cpu/x86/sysregs.h"
#include "yl/cpumodel.h"

/* Attributes of the real-mode segments after RESET: present, accessed,
 * read/write data (CS: read/execute code). */
#define SEG_DATA_FLAGS (DESC_P_MASK | DESC_S_MASK | DESC_W_MASK | DESC_A_MASK)
#define SEG_CODE_FLAGS (DESC_P_MASK | DESC_S_MASK | DESC_CS_MASK | DESC_R_MASK | DESC_A_MASK)
#define SYS_LDT_FLAGS (DESC_P_MASK | (2 << DESC_TYPE_SHIFT))
#define SYS_TSS_FLAGS (DESC_P_MASK | (11 << DESC_TYPE_SHIFT))

void x86_cpu_init(X86CPU *cpu, struct Machine *m, struct AddressSpace *as,
                  struct IOSpace *io, const Log *log)
{
    memset(cpu, 0, sizeof(*cpu));
    cpu->machine = m;
    cpu->as = as;
    cpu->io = io;
    cpu->log = log;
    x86_cpu_reset(cpu);
}

static void seg_set(X86CPU *cpu, int seg, uint16_t sel, uint64_t base,
                    uint32_t limit, uint32_t flags)
{
    cpu->seg[seg] = (SegCache){ .sel = sel, .base = base, .limit = limit, .flags = flags };
}

static void fpu_reset(X87State *f)
{
    memset(f, 0, sizeof(*f));
    f->fcw = 0x0040;        /* RESET value; FINIT gives 0x037f */
    f->ftw = 0x5555;        /* every register tagged zero (+0.0) */
}

void x86_cpu_reset(X86CPU *cpu)
{
    memset(cpu->regs, 0, sizeof(cpu->regs));
    cpu->cpuid_version = x86_cpu_model_version(cpu->model);
    cpu->regs[R_EDX] = cpu->cpuid_version;
    cpu->rip = cpu->next_rip = 0xfff0;
    cpu->eflags = 0x2;
    cpu->cc_op = CC_OP_EFLAGS;
    cpu->cc_src = cpu->cc_dst = cpu->cc_src2 = 0;

    seg_set(cpu, R_CS, 0xf000, 0xffff0000u, 0xffff, SEG_CODE_FLAGS);
    for (int s = 0; s < R_LDTR; s++)
        if (s != R_CS)
            seg_set(cpu, s, 0, 0, 0xffff, SEG_DATA_FLAGS);
    seg_set(cpu, R_LDTR, 0, 0, 0xffff, SYS_LDT_FLAGS);
    seg_set(cpu, R_TR, 0, 0, 0xffff, SYS_TSS_FLAGS);
    cpu->gdt = (DescTable){ 0, 0xffff };
    cpu->idt = (DescTable){ 0, 0xffff };

    memset(cpu->cr, 0, sizeof(cpu->cr));
    cpu->cr[0] = CR0_CD | CR0_NW | CR0_ET;
    memset(cpu->dr, 0, sizeof(cpu->dr));
    cpu->dr[6] = DR6_FIXED;
    cpu->dr[7] = DR7_FIXED;
    memset(cpu->pdpte, 0, sizeof(cpu->pdpte));
    cpu->cpl = 0;

    fpu_reset(&cpu->fpu);
    memset(cpu->xmm, 0, sizeof(cpu->xmm));
    cpu->mxcsr = 0x1f80;

    cpu->halted = false;
    /* The MP initialization protocol made CPU 0 the bootstrap processor. */
    cpu->wait_for_sipi = cpu->cpu_index != 0;
    cpu->nmi_pending = false;
    cpu->inhibit_irq = false;
    cpu->exception_index = -1;
    cpu->error_code = 0;
    cpu->has_error_code = false;
    cpu->exception_is_sw = false;
    cpu->fault_nesting = 0;
    cpu->tb_invalidated = false;

    cpu->a20_mask = 0xffffffffu;
    x86_msr_reset(cpu);
    tlb_flush(cpu);
}

void x86_cpu_init_ipi(X86CPU *cpu)
{
    X87State fpu = cpu->fpu;
    XMMReg xmm[16];
    memcpy(xmm, cpu->xmm, sizeof(xmm));
    uint32_t mxcsr = cpu->mxcsr;
    MSRState msr = cpu->msr;
    uint64_t tsc_base = cpu->tsc_base;
    x86_cpu_reset(cpu);
    cpu->fpu = fpu;
    memcpy(cpu->xmm, xmm, sizeof(xmm));
    cpu->mxcsr = mxcsr;
    cpu->tsc_base = tsc_base;
    cpu->msr.tsc_offset = msr.tsc_offset;
    cpu->msr.mtrr_deftype = msr.mtrr_deftype;
    memcpy(cpu->msr.mtrr_fixed, msr.mtrr_fixed, sizeof(msr.mtrr_fixed));
    memcpy(cpu->msr.mtrr_var, msr.mtrr_var, sizeof(msr.mtrr_var));
}

void x86_cpu_sipi(X86CPU *cpu, uint8_t vector)
{
    if (!cpu->wait_for_sipi)
        return;
    cpu->wait_for_sipi = false;
    cpu->halted = false;
    seg_set(cpu, R_CS, (uint16_t)(vector << 8), (uint32_t)vector << 12, 0xffff, SEG_CODE_FLAGS);
    cpu->rip = cpu->next_rip = 0;
}

/* ---- EFLAGS ------------------------------------------------------------ */

uint32_t x86_get_eflags(X86CPU *cpu)
{
    return (cpu->eflags & ~(uint32_t)CC_ALL) | cc_compute_all(cpu) | 0x2;
}

/* Bits 1 is always set; 3, 5 and 15 always clear. */
void x86_set_eflags(X86CPU *cpu, uint32_t val, uint32_t mask)
{
    uint32_t sys = mask & ~(uint32_t)CC_ALL;
    if (cpu->irq_line && (sys & val & ~cpu->eflags & IF_MASK))
        x86_cpu_stop_chain(cpu);
    cpu->eflags = (cpu->eflags & ~sys) | (val & sys);
    cpu->eflags = (cpu->eflags & ~(uint32_t)(CC_ALL | 0x8028)) | 0x2;
    if (mask & CC_ALL)
        cc_set_flags(cpu, val, mask & CC_ALL);
}

/* ---- segments, interrupts, A20 ---------------------------------------- */

void x86_load_seg_raw(X86CPU *cpu, int seg, uint16_t sel, uint64_t base,
                      uint32_t limit, uint32_t flags)
{
    if (!cpu_prot(cpu) && seg < R_LDTR) {
        base = (uint32_t)sel << 4;
        if (cpu_vm86(cpu)) {
            limit = 0xffff;
            flags = SEG_DATA_FLAGS | DESC_DPL_MASK;
        }
    }
    seg_set(cpu, seg, sel, base, limit, flags);
    if (seg == R_CS)
        cpu->cpl = cpu_vm86(cpu) ? 3 : cpu_pe(cpu) ? (sel & 3) : 0;
}

void x86_cpu_set_irq(X86CPU *cpu, bool level)
{
    cpu->irq_line = level;
    if (level)
        x86_cpu_stop_chain(cpu);
}

void x86_cpu_stop_chain(X86CPU *cpu)
{
    cpu->jit_chain_budget = 0;
}

void x86_cpu_set_a20(X86CPU *cpu, bool enabled)
{
    uint32_t mask = enabled ? 0xffffffffu : ~(1u << 20);
    if (mask != cpu->a20_mask) {
        cpu->a20_mask = mask;
        tlb_flush(cpu);
    }
}

/* ---- dump -------------------------------------------------------------- */

static void dump_seg(FILE *f, const char *name, const SegCache *s)
{
    fprintf(f, "%-3s=%04x %08x %08x %08x\n", name, s->sel, (uint32_t)s->base,
            s->limit, s->flags & 0x00ffff00);
}

static void dump_fpu(X86CPU *cpu, FILE *f)
{
    const X87State *x = &cpu->fpu;
    uint8_t abridged = 0;
    for (int i = 0; i < 8; i++)
        if (((x->ftw >> (2 * i)) & 3) != 3)
            abridged |= 1 << i;
    fprintf(f, "FCW=%04x FSW=%04x [ST=%d] FTW=%02x MXCSR=%08x\n", x->fcw,
            (uint16_t)((x->fsw & ~0x3800) | ((x->top & 7) << 11)), x->top & 7,
            abridged, cpu->mxcsr);
    for (int i = 0; i < 8; i++)
        fprintf(f, "FPR%d=%016llx %04x%c", i, (unsigned long long)x->st[i].mant,
                x->st[i].exp, (i & 1) ? '\n' : ' ');
}

void x86_cpu_dump(X86CPU *cpu, FILE *f)
{
    static const char *const seg_names[R_NSEG] = {
        "ES", "CS", "SS", "DS", "FS", "GS", "LDT", "TR"
    };
    uint32_t fl = x86_get_eflags(cpu);
    uint32_t r32[8];
    for (int i = 0; i < 8; i++)
        r32[i] = (uint32_t)cpu->regs[i];
    fprintf(f, "EAX=%08x EBX=%08x ECX=%08x EDX=%08x\n",
            r32[R_EAX], r32[R_EBX], r32[R_ECX], r32[R_EDX]);
    fprintf(f, "ESI=%08x EDI=%08x EBP=%08x ESP=%08x\n",
            r32[R_ESI], r32[R_EDI], r32[R_EBP], r32[R_ESP]);
    fprintf(f, "EIP=%08x EFL=%08x [%c%c%c%c%c%c%c] CPL=%d II=%d A20=%d SMM=0 HLT=%d\n",
            (uint32_t)cpu->rip, fl,
            fl & DF_MASK ? 'D' : '-', fl & CC_O ? 'O' : '-', fl & CC_S ? 'S' : '-',
            fl & CC_Z ? 'Z' : '-', fl & CC_A ? 'A' : '-', fl & CC_P ? 'P' : '-',
            fl & CC_C ? 'C' : '-', cpu->cpl, cpu->inhibit_irq,
            (cpu->a20_mask >> 20) & 1, cpu->halted);
    for (int s = 0; s < R_NSEG; s++)
        dump_seg(f, seg_names[s], &cpu->seg[s]);
    fprintf(f, "GDT=     %08x %08x\n", (uint32_t)cpu->gdt.base, cpu->gdt.limit);
    fprintf(f, "IDT=     %08x %08x\n", (uint32_t)cpu->idt.base, cpu->idt.limit);
    fprintf(f, "CR0=%08x CR2=%08x CR3=%08x CR4=%08x\n", (uint32_t)cpu->cr[0],
            (uint32_t)cpu->cr[2], (uint32_t)cpu->cr[3], (uint32_t)cpu->cr[4]);
    fprintf(f, "DR0=%08x DR1=%08x DR2=%08x DR3=%08x\n", (uint32_t)cpu->dr[0],
            (uint32_t)cpu->dr[1], (uint32_t)cpu->dr[2], (uint32_t)cpu->dr[3]);
    fprintf(f, "DR6=%08x DR7=%08x\n", (uint32_t)cpu->dr[6], (uint32_t)cpu->dr[7]);
    fprintf(f, "EFER=%016llx\n", (unsigned long long)cpu->msr.efer);
    dump_fpu(cpu, f);
}
