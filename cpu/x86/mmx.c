/* MMX: the register file aliased onto the x87 registers, the entry rules,
 * and the MMX forms of moves, shuffles and conversions.  The packed
 * arithmetic shares its code with the SSE2/SSSE3 forms (sse-int.c). */
#include "cpu/x86/sse.h"

#define FSW_ES 0x0080
#define MMX_EXP 0xffff      /* sign and exponent of a written MMX register */
#define FTW_ALL_VALID 0x0000
#define FTW_ALL_EMPTY 0xffff

static void mmx_check_mf(X86CPU *cpu)
{
    if (cpu->fpu.fsw & FSW_ES)
        raise_exception(cpu, EXC_MF);
}

void mmx_check(X86CPU *cpu)
{
    if (cpu->cr[0] & CR0_EM)
        raise_exception(cpu, EXC_UD);
    if (cpu->cr[0] & CR0_TS)
        raise_exception(cpu, EXC_NM);
    mmx_check_mf(cpu);
}

void mmx_sse_check(X86CPU *cpu)
{
    sse_enter(cpu);
    mmx_check_mf(cpu);
}

void mmx_transition(X86CPU *cpu)
{
    cpu->fpu.top = 0;
    cpu->fpu.ftw = FTW_ALL_VALID;
}

void mmx_set(X86CPU *cpu, int i, uint64_t v)
{
    mmx_transition(cpu);
    cpu->fpu.st[i & 7].mant = v;
    cpu->fpu.st[i & 7].exp = MMX_EXP;
}

uint64_t mmx_get_rm(X86CPU *cpu, const Insn *d, int size)
{
    if (d->mod == 3)
        return mmx_get(cpu, d->rm);
    return mem_ld(cpu, d->seg, insn_ea(cpu, d), size);
}

/* 0F 77: EMMS: every tag empty.  It is an MMX instruction too: the host
 * leaves TOP = 0 after it, whatever TOP was. */
void op_emms(X86CPU *cpu, const Insn *d)
{
    mmx_check(cpu);
    cpu->fpu.top = 0;
    cpu->fpu.ftw = FTW_ALL_EMPTY;
}

/* 0F 6E: MOVD mm, r/m32 (MOVQ mm, r/m64 with REX.W). */
void op_movd_mm_load(X86CPU *cpu, const Insn *d)
{
    int size = (d->rex & REX_W) ? 8 : 4;
    mmx_check(cpu);
    uint64_t v = d->mod == 3 ? reg_get(cpu, d->rrm, size)
                             : mem_ld(cpu, d->seg, insn_ea(cpu, d), size);
    mmx_set(cpu, d->reg, v);
}

/* 0F 7E: MOVD r/m32, mm (MOVQ r/m64, mm with REX.W). */
void op_movd_mm_store(X86CPU *cpu, const Insn *d)
{
    int size = (d->rex & REX_W) ? 8 : 4;
    mmx_check(cpu);
    uint64_t v = mmx_get(cpu, d->reg);
    if (d->mod == 3)
        reg_set(cpu, d->rrm, size, v);
    else
        mem_st(cpu, d->seg, insn_ea(cpu, d), size, v);
    mmx_transition(cpu);
}

/* 0F 6F: MOVQ mm, mm/m64. */
void op_movq_mm_load(X86CPU *cpu, const Insn *d)
{
    mmx_check(cpu);
    mmx_set(cpu, d->reg, mmx_get_rm(cpu, d, 8));
}

/* 0F 7F: MOVQ mm/m64, mm; 0F E7: MOVNTQ m64, mm. */
void op_movq_mm_store(X86CPU *cpu, const Insn *d)
{
    mmx_check(cpu);
    uint64_t v = mmx_get(cpu, d->reg);
    if (d->mod == 3) {
        mmx_set(cpu, d->rm, v);
        return;
    }
    mem_st(cpu, d->seg, insn_ea(cpu, d), 8, v);
    mmx_transition(cpu);
}

/* 0F 70: PSHUFW mm, mm/m64, imm8. */
void op_pshufw(X86CPU *cpu, const Insn *d)
{
    mmx_check(cpu);
    uint64_t b = mmx_get_rm(cpu, d, 8), r = 0;
    for (int i = 0; i < 4; i++)
        r |= ((b >> (16 * ((d->imm >> (2 * i)) & 3))) & 0xffff) << (16 * i);
    mmx_set(cpu, d->reg, r);
}

/* 0F C4: PINSRW mm, r32/m16, imm8. */
void op_pinsrw_mmx(X86CPU *cpu, const Insn *d)
{
    mmx_check(cpu);
    uint64_t v = d->mod == 3 ? (uint16_t)cpu->regs[d->rrm]
                             : ld16(cpu, d->seg, insn_ea(cpu, d));
    int sh = 16 * (d->imm & 3);
    uint64_t r = (mmx_get(cpu, d->reg) & ~(0xffffull << sh)) | v << sh;
    mmx_set(cpu, d->reg, r);
}

/* 0F C5: PEXTRW r32, mm, imm8. */
void op_pextrw_mmx(X86CPU *cpu, const Insn *d)
{
    mmx_check(cpu);
    reg_set(cpu, d->rreg, 4, (mmx_get(cpu, d->rm) >> (16 * (d->imm & 3))) & 0xffff);
    mmx_transition(cpu);
}

/* 0F D7: PMOVMSKB r32, mm. */
void op_pmovmskb_mmx(X86CPU *cpu, const Insn *d)
{
    mmx_check(cpu);
    uint64_t v = mmx_get(cpu, d->rm);
    uint32_t m = 0;
    for (int i = 0; i < 8; i++)
        m |= (uint32_t)((v >> (8 * i + 7)) & 1) << i;
    reg_set(cpu, d->rreg, 4, m);
    mmx_transition(cpu);
}

/* 0F F7: MASKMOVQ mm1, mm2: bytes of mm1 whose mm2 byte has its top bit
 * set go to DS:[E/R]DI (a segment override applies). */
void op_maskmovq(X86CPU *cpu, const Insn *d)
{
    mmx_check(cpu);
    uint64_t v = mmx_get(cpu, d->reg), m = mmx_get(cpu, d->rm);
    uint64_t off = cpu->regs[R_EDI];
    int seg = d->seg_ovr != SEG_NONE ? d->seg_ovr : R_DS;
    if (d->adsize == 2)
        off = (uint16_t)off;
    else if (d->adsize == 4)
        off = (uint32_t)off;
    for (int i = 0; i < 8; i++)
        if ((m >> (8 * i + 7)) & 1)
            probe_write(cpu, seg, off + i, 1);
    for (int i = 0; i < 8; i++)
        if ((m >> (8 * i + 7)) & 1)
            st8(cpu, seg, off + i, (uint8_t)(v >> (8 * i)));
    mmx_transition(cpu);
}

/* 0F 3A 0F: PALIGNR mm, mm/m64, imm8: the 128-bit mm:src shifted right
 * by imm8 bytes, low 64 bits. */
void op_palignr_mmx(X86CPU *cpu, const Insn *d)
{
    mmx_check(cpu);
    uint64_t src = mmx_get_rm(cpu, d, 8), dst = mmx_get(cpu, d->reg), r = 0;
    unsigned n = (uint8_t)d->imm;
    for (int i = 0; i < 8; i++) {
        unsigned k = n + i;
        uint64_t byte = k < 8 ? src >> (8 * k) : k < 16 ? dst >> (8 * (k - 8)) : 0;
        r |= (byte & 0xff) << (8 * i);
    }
    mmx_set(cpu, d->reg, r);
}

/* F3 0F D6: MOVQ2DQ xmm, mm. */
void op_movq2dq(X86CPU *cpu, const Insn *d)
{
    mmx_sse_check(cpu);
    XMMReg *x = sse_reg(cpu, d);
    x->q[0] = mmx_get(cpu, d->rm);
    x->q[1] = 0;
    mmx_transition(cpu);
}

/* F2 0F D6: MOVDQ2Q mm, xmm. */
void op_movdq2q(X86CPU *cpu, const Insn *d)
{
    mmx_sse_check(cpu);
    mmx_set(cpu, d->reg, cpu->xmm[d->rrm & 15].q[0]);
}

/* ---- conversions between MMX integers and SSE floats ---- */

/* 0F 2A: CVTPI2PS xmm, mm/m64 (two int32 to the low two floats).  Only
 * the register form is an MMX instruction; the memory form neither takes
 * x87 exceptions nor makes the transition. */
void op_cvtpi2ps(X86CPU *cpu, const Insn *d)
{
    XMMReg a, b = { .q = { 0, 0 } };
    if (d->mod == 3)
        mmx_sse_check(cpu);
    else
        sse_enter(cpu);
    b.q[0] = mmx_get_rm(cpu, d, 8);
    uint32_t exc = sse_host_run(HOP_CVTDQ2PS, &a, &b, cpu->mxcsr, 0);
    sse_fp_exceptions(cpu, exc);
    sse_reg(cpu, d)->q[0] = a.q[0];
    if (d->mod == 3)
        mmx_transition(cpu);
}

/* 66 0F 2A: CVTPI2PD xmm, mm/m64 (exact). */
void op_cvtpi2pd(X86CPU *cpu, const Insn *d)
{
    XMMReg a, b = { .q = { 0, 0 } };
    if (d->mod == 3)
        mmx_sse_check(cpu);
    else
        sse_enter(cpu);
    b.q[0] = mmx_get_rm(cpu, d, 8);
    sse_fp_exceptions(cpu, sse_host_run(HOP_CVTDQ2PD, &a, &b, cpu->mxcsr, 0));
    *sse_reg(cpu, d) = a;
    if (d->mod == 3)
        mmx_transition(cpu);
}

/* Float(s) to two int32 in MMreg: hop converts the whole source, whose
 * unused lanes are zero (which raises nothing). */
static void cvt_to_pi(X86CPU *cpu, const Insn *d, SseHostOp hop, int size)
{
    XMMReg a, b = { .q = { 0, 0 } };
    mmx_sse_check(cpu);
    if (d->mod == 3) {
        b = cpu->xmm[d->rrm & 15];
        if (size == 8)
            b.q[1] = 0;
    } else {
        sse_get_rm(cpu, d, &b, size, true);
    }
    sse_fp_exceptions(cpu, sse_host_run(hop, &a, &b, cpu->mxcsr, 0));
    mmx_set(cpu, d->reg, a.q[0]);
}

/* 0F 2C / 0F 2D: CVTTPS2PI / CVTPS2PI mm, xmm/m64. */
void op_cvttps2pi(X86CPU *cpu, const Insn *d) { cvt_to_pi(cpu, d, HOP_CVTTPS2DQ, 8); }
void op_cvtps2pi(X86CPU *cpu, const Insn *d) { cvt_to_pi(cpu, d, HOP_CVTPS2DQ, 8); }
/* 66 0F 2C / 66 0F 2D: CVTTPD2PI / CVTPD2PI mm, xmm/m128. */
void op_cvttpd2pi(X86CPU *cpu, const Insn *d) { cvt_to_pi(cpu, d, HOP_CVTTPD2DQ, 16); }
void op_cvtpd2pi(X86CPU *cpu, const Insn *d) { cvt_to_pi(cpu, d, HOP_CVTPD2DQ, 16); }
