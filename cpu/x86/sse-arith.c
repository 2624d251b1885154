/* SSE floating point: arithmetic, compares, conversions and MXCSR.  The
 * computation is the host's (sse-host.c); here are operand fetch, the
 * exception decision and the write-back. */
#include "cpu/x86/sse.h"

enum { P_NONE, P_66, P_F3, P_F2 };

typedef struct FpForm {
    int8_t hop;         /* SseHostOp, or -1 */
    uint8_t size;       /* source operand bytes in memory */
} FpForm;

/* The host operation and memory operand size of opcode op in map 0F. */
static FpForm fp_form(int pfx, int op)
{
    static const uint8_t scalar[4] = { 16, 16, 4, 8 };
    int sz = scalar[pfx];
#define F4(a, b, c, d) { static const int8_t t[4] = { HOP_##a, HOP_##b, HOP_##c, HOP_##d }; \
        return (FpForm){ t[pfx], sz }; }
    switch (op) {
    case 0x51: F4(SQRTPS, SQRTPD, SQRTSS, SQRTSD)
    case 0x58: F4(ADDPS, ADDPD, ADDSS, ADDSD)
    case 0x59: F4(MULPS, MULPD, MULSS, MULSD)
    case 0x5c: F4(SUBPS, SUBPD, SUBSS, SUBSD)
    case 0x5d: F4(MINPS, MINPD, MINSS, MINSD)
    case 0x5e: F4(DIVPS, DIVPD, DIVSS, DIVSD)
    case 0x5f: F4(MAXPS, MAXPD, MAXSS, MAXSD)
    case 0xc2: F4(CMPPS, CMPPD, CMPSS, CMPSD)
    case 0x52: return (FpForm){ pfx == P_NONE ? HOP_RSQRTPS : HOP_RSQRTSS, sz };
    case 0x53: return (FpForm){ pfx == P_NONE ? HOP_RCPPS : HOP_RCPSS, sz };
    case 0x5a: {
        static const int8_t t[4] = { HOP_CVTPS2PD, HOP_CVTPD2PS, HOP_CVTSS2SD, HOP_CVTSD2SS };
        static const uint8_t s[4] = { 8, 16, 4, 8 };
        return (FpForm){ t[pfx], s[pfx] };
    }
    case 0x5b: {
        static const int8_t t[4] = { HOP_CVTDQ2PS, HOP_CVTPS2DQ, HOP_CVTTPS2DQ, -1 };
        return (FpForm){ t[pfx], 16 };
    }
    case 0xe6: {
        static const int8_t t[4] = { -1, HOP_CVTTPD2DQ, HOP_CVTDQ2PD, HOP_CVTPD2DQ };
        return (FpForm){ t[pfx], pfx == P_F3 ? 8 : 16 };
    }
    case 0x7c: return (FpForm){ pfx == P_66 ? HOP_HADDPD : HOP_HADDPS, 16 };
    case 0x7d: return (FpForm){ pfx == P_66 ? HOP_HSUBPD : HOP_HSUBPS, 16 };
    case 0xd0: return (FpForm){ pfx == P_66 ? HOP_ADDSUBPD : HOP_ADDSUBPS, 16 };
    }
#undef F4
    return (FpForm){ -1, 0 };
}

static void fp_exec(X86CPU *cpu, const Insn *d, SseHostOp hop, int size, uint32_t mx,
                    uint8_t imm)
{
    XMMReg b, a = *sse_reg(cpu, d), orig = a;
    sse_enter(cpu);
    sse_get_rm(cpu, d, &b, size, size == 16);
    uint32_t exc = sse_host_run(hop, &a, &b, mx, imm);
    /* An unmasked underflow traps on a tiny result even when it is exact,
     * which the masked host run does not flag; flush-to-zero does (it
     * reports UE for every tiny result), so a second run with FTZ tells. */
    if (!(mx & (MXCSR_UE << MXCSR_MASK_SHIFT)) && !(exc & MXCSR_UE) &&
        (sse_host_run(hop, &orig, &b, mx | MXCSR_FZ, imm) & MXCSR_UE))
        exc |= MXCSR_UE;
    sse_fp_exceptions(cpu, exc);
    *sse_reg(cpu, d) = a;
}

static void fp_op(X86CPU *cpu, const Insn *d, int pfx)
{
    FpForm f = fp_form(pfx, d->op);
    if (f.hop < 0)
        raise_exception(cpu, EXC_UD);
    fp_exec(cpu, d, f.hop, f.size, cpu->mxcsr, (uint8_t)d->imm);
}
void op_fp_none(X86CPU *cpu, const Insn *d) { fp_op(cpu, d, P_NONE); }
void op_fp_66(X86CPU *cpu, const Insn *d) { fp_op(cpu, d, P_66); }
void op_fp_f3(X86CPU *cpu, const Insn *d) { fp_op(cpu, d, P_F3); }
void op_fp_f2(X86CPU *cpu, const Insn *d) { fp_op(cpu, d, P_F2); }

/* 66 0F 3A 08-0B: ROUNDPS/PD/SS/SD.  An immediate rounding mode (bit 2
 * clear) is folded into the MXCSR the host runs under. */
void op_round(X86CPU *cpu, const Insn *d)
{
    static const int8_t t[4] = { HOP_ROUNDPS, HOP_ROUNDPD, HOP_ROUNDSS, HOP_ROUNDSD };
    static const uint8_t s[4] = { 16, 16, 4, 8 };
    uint8_t imm = d->imm;
    uint32_t mx = cpu->mxcsr;
    if (!(imm & 4))
        mx = (mx & ~(uint32_t)MXCSR_RC) | (uint32_t)(imm & 3) << MXCSR_RC_SHIFT;
    fp_exec(cpu, d, t[d->op & 3], s[d->op & 3], mx, 4 | (imm & 8));
}

/* 66 0F 3A 40/41: DPPS, DPPD. */
void op_dpp(X86CPU *cpu, const Insn *d)
{
    fp_exec(cpu, d, d->op == 0x40 ? HOP_DPPS : HOP_DPPD, 16, cpu->mxcsr, (uint8_t)d->imm);
}

/* 0F 2E/2F, 66 0F 2E/2F: (U)COMISS/(U)COMISD: ZF PF CF, OF SF AF clear. */
void op_comis_66(X86CPU *cpu, const Insn *d)
{
    XMMReg b, a = *sse_reg(cpu, d);
    uint32_t exc;
    sse_enter(cpu);
    sse_get_rm(cpu, d, &b, 8, false);
    uint32_t fl = sse_host_comi(d->op & 1 ? HOP_COMISD : HOP_UCOMISD, &a, &b, cpu->mxcsr, &exc);
    sse_fp_exceptions(cpu, exc);
    x86_set_eflags(cpu, fl, CC_ALL);
}
void op_comis_none(X86CPU *cpu, const Insn *d)
{
    XMMReg b, a = *sse_reg(cpu, d);
    uint32_t exc;
    sse_enter(cpu);
    sse_get_rm(cpu, d, &b, 4, false);
    uint32_t fl = sse_host_comi(d->op & 1 ? HOP_COMISS : HOP_UCOMISS, &a, &b, cpu->mxcsr, &exc);
    sse_fp_exceptions(cpu, exc);
    x86_set_eflags(cpu, fl, CC_ALL);
}

/* F3/F2 0F 2A: CVTSI2SS/CVTSI2SD xmm, r/m32 (r/m64 with REX.W). */
static void cvtsi(X86CPU *cpu, const Insn *d, SseHostOp hop)
{
    sse_enter(cpu);
    int size = d->opsize == 8 ? 8 : 4;
    uint64_t v = d->mod == 3 ? reg_get(cpu, d->rrm, size)
                             : mem_ld(cpu, d->seg, insn_ea(cpu, d), size);
    XMMReg a = *sse_reg(cpu, d);
    uint32_t exc = sse_host_cvtsi(hop, &a, v, cpu->mxcsr, size == 8);
    sse_fp_exceptions(cpu, exc);
    *sse_reg(cpu, d) = a;
}
void op_cvtsi2ss(X86CPU *cpu, const Insn *d) { cvtsi(cpu, d, HOP_CVTSI2SS); }
void op_cvtsi2sd(X86CPU *cpu, const Insn *d) { cvtsi(cpu, d, HOP_CVTSI2SD); }

/* F3/F2 0F 2C/2D: CVT(T)SS2SI / CVT(T)SD2SI r32 (r64), xmm/m32 (m64). */
static void cvt2si(X86CPU *cpu, const Insn *d, bool sd)
{
    static const int8_t t[2][2] = { { HOP_CVTTSS2SI, HOP_CVTSS2SI },
                                    { HOP_CVTTSD2SI, HOP_CVTSD2SI } };
    XMMReg b;
    uint32_t exc;
    sse_enter(cpu);
    sse_get_rm(cpu, d, &b, sd ? 8 : 4, false);
    bool q = d->opsize == 8;
    uint64_t v = sse_host_cvt2si(t[sd][d->op & 1], &b, cpu->mxcsr, q, &exc);
    sse_fp_exceptions(cpu, exc);
    reg_set(cpu, d->rreg, q ? 8 : 4, v);
}
void op_cvtss2si(X86CPU *cpu, const Insn *d) { cvt2si(cpu, d, false); }
void op_cvtsd2si(X86CPU *cpu, const Insn *d) { cvt2si(cpu, d, true); }

/* 0F AE /2: LDMXCSR m32 (#GP(0) for reserved bits); /3: STMXCSR m32. */
void op_ldmxcsr(X86CPU *cpu, const Insn *d)
{
    sse_enter(cpu);
    uint32_t v = ld32(cpu, d->seg, insn_ea(cpu, d));
    if (v & ~MXCSR_WRITABLE)
        raise_exception_err(cpu, EXC_GP, 0);
    cpu->mxcsr = v;
}

void op_stmxcsr(X86CPU *cpu, const Insn *d)
{
    sse_enter(cpu);
    st32(cpu, d->seg, insn_ea(cpu, d), cpu->mxcsr);
}

/* LFENCE, MFENCE, SFENCE: one CPU, sequential memory: nothing to order. */
void op_fence(X86CPU *cpu, const Insn *d)
{
}

/* 0F AE /7 memory: CLFLUSH: no caches to flush; the access is checked
 * like a byte read. */
void op_clflush(X86CPU *cpu, const Insn *d)
{
    (void)ld8(cpu, d->seg, insn_ea(cpu, d));
}
