/* The host executor for SSE floating point (see sse.h for why).  Each
 * encoding is its own asm statement: the opcode, ModRM and immediate are
 * assembled in as bytes, the operands travel through xmm0/xmm1, and the
 * guest's MXCSR (all exceptions masked) is live only around the one
 * instruction, the host's own MXCSR being restored after it. */
#include "cpu/x86/sse.h"

#ifndef __x86_64__
#error "the SSE emulation runs the guest's SSE arithmetic on an x86-64 host"
#endif

/* The host MXCSR for the guest's: flags cleared, every exception masked. */
static uint32_t host_mxcsr(uint32_t mx)
{
    return (mx & ~(uint32_t)MXCSR_FLAGS) | MXCSR_MASKS;
}

#define RUN(bytes, imm)                                                 \
    asm volatile("stmxcsr %[sv]\n\t"                                    \
                 "ldmxcsr %[mx]\n\t"                                    \
                 "movdqu %[a], %%xmm0\n\t"                              \
                 "movdqu %[b], %%xmm1\n\t"                              \
                 ".byte " bytes ", 0xc1" imm "\n\t"                     \
                 "movdqu %%xmm0, %[a]\n\t"                              \
                 "stmxcsr %[mx]\n\t"                                    \
                 "ldmxcsr %[sv]"                                        \
                 : [a] "+m"(*a), [mx] "+m"(m), [sv] "=m"(sv)            \
                 : [b] "m"(*b), [i] "i"(0)                              \
                 : "xmm0", "xmm1")

#define RUN_IMM(bytes, val)                                             \
    asm volatile("stmxcsr %[sv]\n\t"                                    \
                 "ldmxcsr %[mx]\n\t"                                    \
                 "movdqu %[a], %%xmm0\n\t"                              \
                 "movdqu %[b], %%xmm1\n\t"                              \
                 ".byte " bytes ", 0xc1, %c[i]\n\t"                     \
                 "movdqu %%xmm0, %[a]\n\t"                              \
                 "stmxcsr %[mx]\n\t"                                    \
                 "ldmxcsr %[sv]"                                        \
                 : [a] "+m"(*a), [mx] "+m"(m), [sv] "=m"(sv)            \
                 : [b] "m"(*b), [i] "i"(val)                            \
                 : "xmm0", "xmm1")

#define R4(f, b) f(b) f((b) + 1) f((b) + 2) f((b) + 3)
#define R16(f, b) R4(f, b) R4(f, (b) + 4) R4(f, (b) + 8) R4(f, (b) + 12)
#define R64(f, b) R16(f, b) R16(f, (b) + 16) R16(f, (b) + 32) R16(f, (b) + 48)
#define R256(f) R64(f, 0) R64(f, 64) R64(f, 128) R64(f, 192)

static void run_cmp(SseHostOp op, XMMReg *a, const XMMReg *b, uint32_t *mp, uint8_t imm)
{
    uint32_t m = *mp, sv;
#define CMP_CASE(n) case n: \
        switch (op) { \
        case HOP_CMPPS: RUN_IMM("0x0f, 0xc2", n); break; \
        case HOP_CMPPD: RUN_IMM("0x66, 0x0f, 0xc2", n); break; \
        case HOP_CMPSS: RUN_IMM("0xf3, 0x0f, 0xc2", n); break; \
        default: RUN_IMM("0xf2, 0x0f, 0xc2", n); break; \
        } break;
    switch (imm & 7) {
        R4(CMP_CASE, 0) R4(CMP_CASE, 4)
    }
#undef CMP_CASE
    *mp = m;
}

/* ROUNDxx with imm bit 2 set (MXCSR.RC, which the caller folded the
 * immediate's rounding mode into) and bit 3 (suppress PE) as given. */
static void run_round(SseHostOp op, XMMReg *a, const XMMReg *b, uint32_t *mp, uint8_t imm)
{
    uint32_t m = *mp, sv;
#define ROUND_CASE(n) case n: \
        switch (op) { \
        case HOP_ROUNDPS: RUN_IMM("0x66, 0x0f, 0x3a, 0x08", n); break; \
        case HOP_ROUNDPD: RUN_IMM("0x66, 0x0f, 0x3a, 0x09", n); break; \
        case HOP_ROUNDSS: RUN_IMM("0x66, 0x0f, 0x3a, 0x0a", n); break; \
        default: RUN_IMM("0x66, 0x0f, 0x3a, 0x0b", n); break; \
        } break;
    switch (imm & 12) {
        ROUND_CASE(4) ROUND_CASE(12)
    }
#undef ROUND_CASE
    *mp = m;
}

static void run_dpps(XMMReg *a, const XMMReg *b, uint32_t *mp, uint8_t imm)
{
    uint32_t m = *mp, sv;
#define DP_CASE(n) case n: RUN_IMM("0x66, 0x0f, 0x3a, 0x40", n); break;
    switch (imm) {
        R256(DP_CASE)
    }
#undef DP_CASE
    *mp = m;
}

static void run_dppd(XMMReg *a, const XMMReg *b, uint32_t *mp, uint8_t imm)
{
    uint32_t m = *mp, sv;
    /* DPPD uses only imm bits 0, 1, 4 and 5. */
#define DPD_CASE(n) case n: RUN_IMM("0x66, 0x0f, 0x3a, 0x41", \
        ((n) & 3) | ((n) & 12) << 2); break;
    switch ((imm & 3) | (imm >> 2 & 12)) {
        R16(DPD_CASE, 0)
    }
#undef DPD_CASE
    *mp = m;
}

uint32_t sse_host_run(SseHostOp op, XMMReg *a, const XMMReg *b, uint32_t mx, uint8_t imm)
{
    uint32_t m = host_mxcsr(mx), sv;
    switch (op) {
#define HOP(name, bytes) case HOP_##name: RUN(bytes, ""); break;
#define HOPX(name)
#include "cpu/x86/sse-hostops.def"
#undef HOPX
#undef HOP
    case HOP_CMPPS: case HOP_CMPPD: case HOP_CMPSS: case HOP_CMPSD:
        run_cmp(op, a, b, &m, imm);
        break;
    case HOP_ROUNDPS: case HOP_ROUNDPD: case HOP_ROUNDSS: case HOP_ROUNDSD:
        run_round(op, a, b, &m, imm);
        break;
    case HOP_DPPS:
        run_dpps(a, b, &m, imm);
        break;
    case HOP_DPPD:
        run_dppd(a, b, &m, imm);
        break;
    default:
        return 0;
    }
    (void)sv;
    return m & MXCSR_FLAGS;
}

uint32_t sse_host_comi(SseHostOp op, const XMMReg *a, const XMMReg *b, uint32_t mx,
                       uint32_t *exc)
{
    uint32_t m = host_mxcsr(mx), sv;
    uint8_t zf, pf, cf;
#define COMI(bytes)                                                     \
    asm volatile("stmxcsr %[sv]\n\t"                                    \
                 "ldmxcsr %[mx]\n\t"                                    \
                 "movdqu %[a], %%xmm0\n\t"                              \
                 "movdqu %[b], %%xmm1\n\t"                              \
                 ".byte " bytes ", 0xc1\n\t"                            \
                 "setz %[zf]\n\t setp %[pf]\n\t setc %[cf]\n\t"         \
                 "stmxcsr %[mx]\n\t"                                    \
                 "ldmxcsr %[sv]"                                        \
                 : [mx] "+m"(m), [sv] "=m"(sv), [zf] "=q"(zf),          \
                   [pf] "=q"(pf), [cf] "=q"(cf)                         \
                 : [a] "m"(*a), [b] "m"(*b)                             \
                 : "xmm0", "xmm1", "cc")
    switch (op) {
    case HOP_COMISS: COMI("0x0f, 0x2f"); break;
    case HOP_UCOMISS: COMI("0x0f, 0x2e"); break;
    case HOP_COMISD: COMI("0x66, 0x0f, 0x2f"); break;
    default: COMI("0x66, 0x0f, 0x2e"); break;
    }
#undef COMI
    *exc = m & MXCSR_FLAGS;
    return (zf ? CC_Z : 0) | (pf ? CC_P : 0) | (cf ? CC_C : 0);
}

/* xmm1 -> rax / eax (ModRM 0xc1: reg eax, rm xmm1). */
#define TO_SI(bytes)                                                    \
    asm volatile("stmxcsr %[sv]\n\t"                                    \
                 "ldmxcsr %[mx]\n\t"                                    \
                 "movdqu %[b], %%xmm1\n\t"                              \
                 ".byte " bytes "\n\t"                                  \
                 "stmxcsr %[mx]\n\t"                                    \
                 "ldmxcsr %[sv]"                                        \
                 : [mx] "+m"(m), [sv] "=m"(sv), "=a"(r)                 \
                 : [b] "m"(*b), "a"(0)                                  \
                 : "xmm1")

uint64_t sse_host_cvt2si(SseHostOp op, const XMMReg *b, uint32_t mx, bool q, uint32_t *exc)
{
    uint32_t m = host_mxcsr(mx), sv;
    uint64_t r;
    switch (op * 2 + q) {
    case HOP_CVTSS2SI * 2: TO_SI("0xf3, 0x0f, 0x2d, 0xc1"); break;
    case HOP_CVTSS2SI * 2 + 1: TO_SI("0xf3, 0x48, 0x0f, 0x2d, 0xc1"); break;
    case HOP_CVTTSS2SI * 2: TO_SI("0xf3, 0x0f, 0x2c, 0xc1"); break;
    case HOP_CVTTSS2SI * 2 + 1: TO_SI("0xf3, 0x48, 0x0f, 0x2c, 0xc1"); break;
    case HOP_CVTSD2SI * 2: TO_SI("0xf2, 0x0f, 0x2d, 0xc1"); break;
    case HOP_CVTSD2SI * 2 + 1: TO_SI("0xf2, 0x48, 0x0f, 0x2d, 0xc1"); break;
    case HOP_CVTTSD2SI * 2: TO_SI("0xf2, 0x0f, 0x2c, 0xc1"); break;
    default: TO_SI("0xf2, 0x48, 0x0f, 0x2c, 0xc1"); break;
    }
    *exc = m & MXCSR_FLAGS;
    return q ? r : (uint32_t)r;
}
#undef TO_SI

/* rax / eax -> xmm0 (ModRM 0xc0: reg xmm0, rm eax). */
#define FROM_SI(bytes)                                                  \
    asm volatile("stmxcsr %[sv]\n\t"                                    \
                 "ldmxcsr %[mx]\n\t"                                    \
                 "movdqu %[a], %%xmm0\n\t"                              \
                 ".byte " bytes "\n\t"                                  \
                 "movdqu %%xmm0, %[a]\n\t"                              \
                 "stmxcsr %[mx]\n\t"                                    \
                 "ldmxcsr %[sv]"                                        \
                 : [a] "+m"(*a), [mx] "+m"(m), [sv] "=m"(sv)            \
                 : "a"(v)                                               \
                 : "xmm0")

uint32_t sse_host_cvtsi(SseHostOp op, XMMReg *a, uint64_t v, uint32_t mx, bool q)
{
    uint32_t m = host_mxcsr(mx), sv;
    switch (op * 2 + q) {
    case HOP_CVTSI2SS * 2: FROM_SI("0xf3, 0x0f, 0x2a, 0xc0"); break;
    case HOP_CVTSI2SS * 2 + 1: FROM_SI("0xf3, 0x48, 0x0f, 0x2a, 0xc0"); break;
    case HOP_CVTSI2SD * 2: FROM_SI("0xf2, 0x0f, 0x2a, 0xc0"); break;
    default: FROM_SI("0xf2, 0x48, 0x0f, 0x2a, 0xc0"); break;
    }
    return m & MXCSR_FLAGS;
}
#undef FROM_SI
