/* SSE family internals shared by the sse*.c, fxsave.c and xsave.c files.
 *
 * How SSE is emulated: integer SIMD, moves and shuffles are plain C.  The
 * floating-point instructions run as themselves on the host's SSE unit
 * (sse-host.c) with the guest's MXCSR loaded - rounding, DAZ and FTZ - but
 * every exception masked, so the host never traps; the exception flags it
 * raised then decide, against the guest's masks, whether the guest takes
 * #XM (or #UD when CR4.OSXMMEXCPT is clear) with its destination untouched.
 * Results and flags are thus bit-for-bit the hardware's, which is what the
 * differential tester compares against. */
#ifndef YL_X86_SSE_H
#define YL_X86_SSE_H

#include "cpu/x86/x86.h"

/* MXCSR */
#define MXCSR_IE 0x0001
#define MXCSR_DE 0x0002
#define MXCSR_ZE 0x0004
#define MXCSR_OE 0x0008
#define MXCSR_UE 0x0010
#define MXCSR_PE 0x0020
#define MXCSR_FLAGS 0x003f
#define MXCSR_DAZ 0x0040
#define MXCSR_MASKS 0x1f80
#define MXCSR_MASK_SHIFT 7
#define MXCSR_RC 0x6000
#define MXCSR_RC_SHIFT 13
#define MXCSR_FZ 0x8000
#define MXCSR_RESET 0x1f80
/* Writable MXCSR bits (FXSAVE's MXCSR_MASK): DAZ is supported. */
#define MXCSR_WRITABLE 0xffffu

/* XCR0 components this CPU supports: x87 and SSE. */
#define XCR0_X87 1u
#define XCR0_SSE 2u
#define XCR0_SUPPORTED (XCR0_X87 | XCR0_SSE)
/* The XSAVE area: legacy region (512) + header (64). */
#define XSAVE_AREA_SIZE 576u

/* Entry checks of an SSE instruction: #UD when CR0.EM is set or
 * CR4.OSFXSR clear, #NM when CR0.TS is set. */
void sse_enter(X86CPU *cpu);
/* The same for instructions that need no OSFXSR (MOVNTI, fences,
 * CLFLUSH, POPCNT ...): nothing, kept for symmetry. */

/* An SIMD floating-point exception: #XM, or #UD with CR4.OSXMMEXCPT = 0. */
_Noreturn void sse_raise_xm(X86CPU *cpu);

/* Memory operand of d: linear alignment check (#GP(0)) for align bytes. */
void sse_check_align(X86CPU *cpu, const Insn *d, uint64_t off, int align);

/* The r/m operand of d as an XMM value: the whole register for mod == 3,
 * else size bytes (4, 8 or 16) of memory into the low bytes, the rest
 * zero.  align16: a 16-byte operand that must be aligned (#GP(0)). */
void sse_get_rm(X86CPU *cpu, const Insn *d, XMMReg *v, int size, bool align16);
/* Stores the low size bytes of v to the r/m operand (register: the whole
 * XMMReg is written only when size == 16, else merged into the low bytes).
 * Memory is probed first so a fault leaves it unchanged. */
void sse_put_rm(X86CPU *cpu, const Insn *d, const XMMReg *v, int size, bool align16);

/* 128-bit memory access at d->seg:off (no alignment check). */
void sse_ld128(X86CPU *cpu, int seg, uint64_t off, XMMReg *v);
void sse_st128(X86CPU *cpu, int seg, uint64_t off, const XMMReg *v);

static inline XMMReg *sse_reg(X86CPU *cpu, const Insn *d)
{
    return &cpu->xmm[d->rreg & 15];
}

/* ---- mmx.c: the MMX registers, aliased onto the x87 registers ----
 *
 * MMi is the significand of physical x87 register Ri.  Every MMX
 * instruction but EMMS sets TOP to 0 and tags every register valid, and
 * a write to MMi sets Ri's sign and exponent to all ones.  The state
 * changes only once the instruction can no longer fault. */

/* Entry of an MMX instruction: #UD with CR0.EM, #NM with CR0.TS, #MF with
 * an unmasked x87 exception pending. */
void mmx_check(X86CPU *cpu);
/* The same for the SSE forms with an MMX operand (CVTPI2PS xmm, mm ...):
 * the SSE entry checks, then #MF. */
void mmx_sse_check(X86CPU *cpu);
/* x87 -> MMX transition: TOP = 0, all tags valid. */
void mmx_transition(X86CPU *cpu);
static inline uint64_t mmx_get(X86CPU *cpu, int i)
{
    return cpu->fpu.st[i & 7].mant;
}
/* Writes MMi (with the transition). */
void mmx_set(X86CPU *cpu, int i, uint64_t v);
/* The r/m operand of d: MMrm (mod == 3) or size (4 or 8) bytes of memory,
 * zero-extended. */
uint64_t mmx_get_rm(X86CPU *cpu, const Insn *d, int size);

/* ---- sse-host.c: the host executor ---- */

/* Floating-point operations run on the host.  Each names one encoding:
 * the guest's prefix and opcode, with the destination in xmm0 and the
 * source in xmm1. */
typedef enum SseHostOp {
#define HOP(name, bytes) HOP_##name,
#define HOPX(name) HOP_##name,
#include "cpu/x86/sse-hostops.def"
#undef HOP
#undef HOPX
    HOP_COUNT
} SseHostOp;

/* Runs op with a in xmm0 and b in xmm1 under the guest MXCSR mx (masks
 * forced on): a receives xmm0, the return value is the exception flags
 * raised.  imm: the immediate of CMPxx (0-7), ROUNDxx (4 or 12) or DPxx. */
uint32_t sse_host_run(SseHostOp op, XMMReg *a, const XMMReg *b, uint32_t mx, uint8_t imm);
/* COMIS/UCOMIS: returns the flags (CF/PF/ZF) and sets *exc. */
uint32_t sse_host_comi(SseHostOp op, const XMMReg *a, const XMMReg *b, uint32_t mx,
                       uint32_t *exc);
/* Conversions with a general register: CVT(T)SS2SI/CVT(T)SD2SI (to a
 * 32- or 64-bit integer) and CVTSI2SS/SD (from one). */
uint64_t sse_host_cvt2si(SseHostOp op, const XMMReg *b, uint32_t mx, bool q, uint32_t *exc);
uint32_t sse_host_cvtsi(SseHostOp op, XMMReg *a, uint64_t v, uint32_t mx, bool q);

/* Merges the flags of a host run into MXCSR; raises #XM/#UD when one is
 * unmasked (the caller has not written its destination yet). */
void sse_fp_exceptions(X86CPU *cpu, uint32_t exc);

/* ---- CMPXCHG16B (sse-misc.c), for the 0F C7 /1 handler in 64-bit mode
 * with REX.W. ---- */
void x86_cmpxchg16b(X86CPU *cpu, const Insn *d);

/* ---- fxsave.c: the legacy FXSAVE image, shared with XSAVE ---- */
void fx_save_image(X86CPU *cpu, uint8_t img[512], bool rexw);
/* Checks MXCSR (reserved bits: #GP(0)), then loads; with_sse false loads
 * only the x87 part (XRSTOR of component 0 alone). */
void fx_check_mxcsr(X86CPU *cpu, uint32_t mxcsr);
void fx_load_x87(X86CPU *cpu, const uint8_t img[512], bool rexw);
void fx_load_sse(X86CPU *cpu, const uint8_t img[512]);
/* x87 and SSE initial states (XRSTOR with XSTATE_BV bits clear). */
void fx_init_x87(X86CPU *cpu);
void fx_init_sse(X86CPU *cpu);

#endif
