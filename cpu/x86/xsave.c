/* XSAVE / XRSTOR (standard form) for the x87 and SSE components, and
 * XGETBV / XSETBV for XCR0.  The area is the FXSAVE image (legacy region)
 * followed by the 64-byte XSAVE header whose XSTATE_BV says which
 * components the area holds; a clear bit makes XRSTOR load the initial
 * state of that component. */
#include "cpu/x86/sse.h"
#include "cpu/x86/sysregs.h"

static uint64_t xcr0(const X86CPU *cpu)
{
    return cpu->msr.xcr0 | XCR0_X87;
}

/* #UD without CR4.OSXSAVE (checked first), #NM with CR0.TS. */
static void xs_enter(X86CPU *cpu)
{
    if (!(cpu->cr[4] & CR4_OSXSAVE))
        raise_exception(cpu, EXC_UD);
    if (cpu->cr[0] & CR0_TS)
        raise_exception(cpu, EXC_NM);
}

static uint64_t rfbm(X86CPU *cpu)
{
    uint64_t mask = (uint32_t)cpu->regs[R_EAX] | (uint64_t)(uint32_t)cpu->regs[R_EDX] << 32;
    return xcr0(cpu) & mask;
}

/* 0F AE /4: XSAVE mem (64-byte aligned). */
void op_xsave(X86CPU *cpu, const Insn *d)
{
    xs_enter(cpu);
    uint64_t off = insn_ea(cpu, d);
    sse_check_align(cpu, d, off, 64);
    uint64_t rf = rfbm(cpu);
    uint8_t img[512];
    memset(img, 0, sizeof(img));
    fx_save_image(cpu, img, d->rex & REX_W);
    probe_write(cpu, d->seg, off, XSAVE_AREA_SIZE);
    uint64_t bv = ld64(cpu, d->seg, off + 512);
    if (rf & XCR0_X87) {
        for (int i = 0; i < 160; i += 8) {
            if (i == 24)
                continue;       /* MXCSR belongs to the SSE component */
            uint64_t v;
            memcpy(&v, img + i, 8);
            st64(cpu, d->seg, off + i, v);
        }
    }
    if (rf & XCR0_SSE) {
        uint64_t v;
        memcpy(&v, img + 24, 8);
        st64(cpu, d->seg, off + 24, v);
        int n = x86_code_mode(cpu) == 64 ? 16 : 8;
        for (int i = 0; i < n; i++) {
            st64(cpu, d->seg, off + 160 + 16 * i, cpu->xmm[i].q[0]);
            st64(cpu, d->seg, off + 168 + 16 * i, cpu->xmm[i].q[1]);
        }
    }
    /* Every saved component counts as in use (XINUSE is not tracked). */
    st64(cpu, d->seg, off + 512, (bv & ~rf) | rf);
}

/* 0F AE /5 memory: XRSTOR mem. */
void op_xrstor(X86CPU *cpu, const Insn *d)
{
    xs_enter(cpu);
    uint64_t off = insn_ea(cpu, d);
    sse_check_align(cpu, d, off, 64);
    uint64_t rf = rfbm(cpu);
    uint64_t bv = ld64(cpu, d->seg, off + 512);
    uint64_t comp = ld64(cpu, d->seg, off + 520);
    uint64_t rsvd = ld64(cpu, d->seg, off + 528);
    /* The compacted form (XCOMP_BV bit 63) needs XSAVEC, not offered. */
    if ((bv & ~xcr0(cpu)) || comp || rsvd)
        raise_exception_err(cpu, EXC_GP, 0);
    uint8_t img[512];
    for (int i = 0; i < 512; i += 8) {
        uint64_t v = ld64(cpu, d->seg, off + i);
        memcpy(img + i, &v, 8);
    }
    uint32_t mx;
    memcpy(&mx, img + 24, 4);
    if (rf & XCR0_SSE)
        fx_check_mxcsr(cpu, mx);
    if (rf & XCR0_X87) {
        if (bv & XCR0_X87)
            fx_load_x87(cpu, img, d->rex & REX_W);
        else
            fx_init_x87(cpu);
    }
    if (rf & XCR0_SSE) {
        cpu->mxcsr = mx;
        if (bv & XCR0_SSE) {
            int n = x86_code_mode(cpu) == 64 ? 16 : 8;
            for (int i = 0; i < n; i++)
                memcpy(cpu->xmm[i].b, img + 160 + 16 * i, 16);
        } else {
            fx_init_sse(cpu);
        }
    }
}

/* 0F 01 D0: XGETBV: EDX:EAX = XCR[ECX]; only XCR0 exists. */
void op_xgetbv(X86CPU *cpu, const Insn *d)
{
    if (!(cpu->cr[4] & CR4_OSXSAVE))
        raise_exception(cpu, EXC_UD);
    if ((uint32_t)cpu->regs[R_ECX] != 0)
        raise_exception_err(cpu, EXC_GP, 0);
    uint64_t v = xcr0(cpu);
    cpu->regs[R_EAX] = (uint32_t)v;
    cpu->regs[R_EDX] = (uint32_t)(v >> 32);
}

/* 0F 01 D1: XSETBV: CPL 0; XCR0 must keep x87 and name only supported
 * components. */
void op_xsetbv(X86CPU *cpu, const Insn *d)
{
    if (!(cpu->cr[4] & CR4_OSXSAVE))
        raise_exception(cpu, EXC_UD);
    x86_require_cpl0(cpu);
    uint64_t v = (uint32_t)cpu->regs[R_EAX] | (uint64_t)(uint32_t)cpu->regs[R_EDX] << 32;
    if ((uint32_t)cpu->regs[R_ECX] != 0 || !(v & XCR0_X87) || (v & ~(uint64_t)XCR0_SUPPORTED))
        raise_exception_err(cpu, EXC_GP, 0);
    cpu->msr.xcr0 = v;
}
