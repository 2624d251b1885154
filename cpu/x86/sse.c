/* What every SSE handler shares: the entry checks, operand access with
 * the alignment rule, and the SIMD floating-point exception decision. */
#include "cpu/x86/sse.h"

void sse_enter(X86CPU *cpu)
{
    if ((cpu->cr[0] & CR0_EM) || !(cpu->cr[4] & CR4_OSFXSR))
        raise_exception(cpu, EXC_UD);
    if (cpu->cr[0] & CR0_TS)
        raise_exception(cpu, EXC_NM);
}

_Noreturn void sse_raise_xm(X86CPU *cpu)
{
    raise_exception(cpu, (cpu->cr[4] & CR4_OSXMMEXCPT) ? EXC_XM : EXC_UD);
}

/* The host ran with every exception masked.  When the guest unmasks one
 * that happened, the destination stays as it was; the pre-computation
 * exceptions (IE, DE, ZE) then hide the post-computation ones (OE, UE,
 * PE), which the hardware never gets to. */
void sse_fp_exceptions(X86CPU *cpu, uint32_t exc)
{
    uint32_t masks = (cpu->mxcsr >> MXCSR_MASK_SHIFT) & MXCSR_FLAGS;
    uint32_t unmasked = exc & ~masks;
    if (!unmasked) {
        cpu->mxcsr |= exc;
        return;
    }
    if (unmasked & (MXCSR_IE | MXCSR_DE | MXCSR_ZE))
        exc &= MXCSR_IE | MXCSR_DE | MXCSR_ZE;
    cpu->mxcsr |= exc;
    sse_raise_xm(cpu);
}

void sse_check_align(X86CPU *cpu, const Insn *d, uint64_t off, int align)
{
    uint64_t lin = cpu->seg[d->seg].base + off;
    if (lin & (uint64_t)(align - 1))
        raise_exception_err(cpu, EXC_GP, 0);
}

void sse_ld128(X86CPU *cpu, int seg, uint64_t off, XMMReg *v)
{
    uint64_t lo = ld64(cpu, seg, off);
    uint64_t hi = ld64(cpu, seg, off + 8);
    v->q[0] = lo;
    v->q[1] = hi;
}

void sse_st128(X86CPU *cpu, int seg, uint64_t off, const XMMReg *v)
{
    probe_write(cpu, seg, off, 16);
    st64(cpu, seg, off, v->q[0]);
    st64(cpu, seg, off + 8, v->q[1]);
}

void sse_get_rm(X86CPU *cpu, const Insn *d, XMMReg *v, int size, bool align16)
{
    if (d->mod == 3) {
        *v = cpu->xmm[d->rrm & 15];
        return;
    }
    uint64_t off = insn_ea(cpu, d);
    v->q[0] = v->q[1] = 0;
    switch (size) {
    case 2: v->w[0] = ld16(cpu, d->seg, off); break;
    case 4: v->d[0] = ld32(cpu, d->seg, off); break;
    case 8: v->q[0] = ld64(cpu, d->seg, off); break;
    default:
        if (align16)
            sse_check_align(cpu, d, off, 16);
        sse_ld128(cpu, d->seg, off, v);
        break;
    }
}

void sse_put_rm(X86CPU *cpu, const Insn *d, const XMMReg *v, int size, bool align16)
{
    if (d->mod == 3) {
        XMMReg *r = &cpu->xmm[d->rrm & 15];
        memcpy(r, v, size);
        return;
    }
    uint64_t off = insn_ea(cpu, d);
    switch (size) {
    case 2: st16(cpu, d->seg, off, v->w[0]); break;
    case 4: st32(cpu, d->seg, off, v->d[0]); break;
    case 8: st64(cpu, d->seg, off, v->q[0]); break;
    default:
        if (align16)
            sse_check_align(cpu, d, off, 16);
        sse_st128(cpu, d->seg, off, v);
        break;
    }
}
