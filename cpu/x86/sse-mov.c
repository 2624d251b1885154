/* SSE data movement: full, scalar, half and GPR moves, non-temporal
 * stores, MOVMSK, MASKMOVDQU. */
#include "cpu/x86/sse.h"

/* 0F 10 / 66 0F 10 and 0F 28 / 66 0F 28, 66/F3 0F 6F, F2 0F F0 (LDDQU):
 * xmm <- xmm/m128. */
static void mov_load(X86CPU *cpu, const Insn *d, bool aligned)
{
    XMMReg v;
    sse_enter(cpu);
    sse_get_rm(cpu, d, &v, 16, aligned);
    *sse_reg(cpu, d) = v;
}
void op_movups_load(X86CPU *cpu, const Insn *d) { mov_load(cpu, d, false); }
void op_movaps_load(X86CPU *cpu, const Insn *d) { mov_load(cpu, d, true); }

/* 0F 11 / 0F 29 / 66 0F 7F / 0F 2B / 66 0F E7: xmm/m128 <- xmm. */
static void mov_store(X86CPU *cpu, const Insn *d, bool aligned)
{
    sse_enter(cpu);
    XMMReg v = *sse_reg(cpu, d);
    sse_put_rm(cpu, d, &v, 16, aligned);
}
void op_movups_store(X86CPU *cpu, const Insn *d) { mov_store(cpu, d, false); }
void op_movaps_store(X86CPU *cpu, const Insn *d) { mov_store(cpu, d, true); }

/* F3 0F 10 / F2 0F 10: MOVSS/MOVSD load: memory zero-extends, a register
 * source replaces only the low element. */
static void movs_load(X86CPU *cpu, const Insn *d, int size)
{
    XMMReg v;
    sse_enter(cpu);
    sse_get_rm(cpu, d, &v, size, false);
    if (d->mod == 3)
        memcpy(sse_reg(cpu, d), &v, size);
    else
        *sse_reg(cpu, d) = v;
}
void op_movss_load(X86CPU *cpu, const Insn *d) { movs_load(cpu, d, 4); }
void op_movsd_load(X86CPU *cpu, const Insn *d) { movs_load(cpu, d, 8); }

/* F3 0F 11 / F2 0F 11, 0F 13 / 66 0F 13 (MOVLPS/MOVLPD store),
 * 66 0F D6 (MOVQ xmm/m64, xmm; a register destination is zero-extended). */
static void movs_store(X86CPU *cpu, const Insn *d, int size)
{
    sse_enter(cpu);
    XMMReg v = *sse_reg(cpu, d);
    sse_put_rm(cpu, d, &v, size, false);
}
void op_movss_store(X86CPU *cpu, const Insn *d) { movs_store(cpu, d, 4); }
void op_movsd_store(X86CPU *cpu, const Insn *d) { movs_store(cpu, d, 8); }

void op_movq_store(X86CPU *cpu, const Insn *d)
{
    sse_enter(cpu);
    XMMReg v = *sse_reg(cpu, d);
    v.q[1] = 0;
    sse_put_rm(cpu, d, &v, d->mod == 3 ? 16 : 8, false);
}

/* F3 0F 7E: MOVQ xmm, xmm/m64 (zero-extends). */
void op_movq_load(X86CPU *cpu, const Insn *d)
{
    XMMReg v;
    sse_enter(cpu);
    sse_get_rm(cpu, d, &v, 8, false);
    v.q[1] = 0;
    *sse_reg(cpu, d) = v;
}

/* 0F 12 / 66 0F 12 memory: MOVLPS/MOVLPD; 0F 12 register: MOVHLPS. */
void op_movlps_load(X86CPU *cpu, const Insn *d)
{
    XMMReg v;
    sse_enter(cpu);
    sse_get_rm(cpu, d, &v, 8, false);
    sse_reg(cpu, d)->q[0] = d->mod == 3 ? v.q[1] : v.q[0];
}

/* 0F 16 / 66 0F 16 memory: MOVHPS/MOVHPD; 0F 16 register: MOVLHPS. */
void op_movhps_load(X86CPU *cpu, const Insn *d)
{
    XMMReg v;
    sse_enter(cpu);
    sse_get_rm(cpu, d, &v, 8, false);
    sse_reg(cpu, d)->q[1] = v.q[0];
}

/* 0F 17 / 66 0F 17: MOVHPS/MOVHPD m64, xmm. */
void op_movhps_store(X86CPU *cpu, const Insn *d)
{
    sse_enter(cpu);
    st64(cpu, d->seg, insn_ea(cpu, d), sse_reg(cpu, d)->q[1]);
}

/* F3 0F 12 / F3 0F 16: MOVSLDUP / MOVSHDUP; F2 0F 12: MOVDDUP (m64). */
static void movdup(X86CPU *cpu, const Insn *d, int hi)
{
    XMMReg v, r;
    sse_enter(cpu);
    sse_get_rm(cpu, d, &v, 16, true);
    r.d[0] = r.d[1] = v.d[hi];
    r.d[2] = r.d[3] = v.d[2 + hi];
    *sse_reg(cpu, d) = r;
}
void op_movsldup(X86CPU *cpu, const Insn *d) { movdup(cpu, d, 0); }
void op_movshdup(X86CPU *cpu, const Insn *d) { movdup(cpu, d, 1); }

void op_movddup(X86CPU *cpu, const Insn *d)
{
    XMMReg v;
    sse_enter(cpu);
    sse_get_rm(cpu, d, &v, 8, false);
    v.q[1] = v.q[0];
    *sse_reg(cpu, d) = v;
}

/* 66 0F 6E: MOVD/MOVQ xmm, r/m32 (r/m64 with REX.W). */
void op_movd_load(X86CPU *cpu, const Insn *d)
{
    sse_enter(cpu);
    int size = d->opsize == 8 ? 8 : 4;
    uint64_t v = d->mod == 3 ? reg_get(cpu, d->rrm, size)
                             : mem_ld(cpu, d->seg, insn_ea(cpu, d), size);
    XMMReg *r = sse_reg(cpu, d);
    r->q[0] = v;
    r->q[1] = 0;
}

/* 66 0F 7E: MOVD/MOVQ r/m32 (r/m64), xmm. */
void op_movd_store(X86CPU *cpu, const Insn *d)
{
    sse_enter(cpu);
    int size = d->opsize == 8 ? 8 : 4;
    uint64_t v = sse_reg(cpu, d)->q[0];
    if (d->mod == 3)
        reg_set(cpu, d->rrm, size, v);
    else
        mem_st(cpu, d->seg, insn_ea(cpu, d), size, v);
}

/* 0F 50 / 66 0F 50: MOVMSKPS/MOVMSKPD r32, xmm. */
void op_movmskps(X86CPU *cpu, const Insn *d)
{
    sse_enter(cpu);
    const XMMReg *s = &cpu->xmm[d->rrm & 15];
    uint32_t m = 0;
    for (int i = 0; i < 4; i++)
        m |= (s->d[i] >> 31) << i;
    reg_set(cpu, d->rreg, 4, m);
}

void op_movmskpd(X86CPU *cpu, const Insn *d)
{
    sse_enter(cpu);
    const XMMReg *s = &cpu->xmm[d->rrm & 15];
    reg_set(cpu, d->rreg, 4, (s->q[0] >> 63) | (s->q[1] >> 63) << 1);
}

/* 0F C3: MOVNTI m32/m64, r: a general-register store (no CR4 checks). */
void op_movnti(X86CPU *cpu, const Insn *d)
{
    int size = d->opsize == 8 ? 8 : 4;
    mem_st(cpu, d->seg, insn_ea(cpu, d), size, reg_get(cpu, d->rreg, size));
}

/* 66 0F F7: MASKMOVDQU xmm1, xmm2: bytes of xmm1 whose xmm2 byte has its
 * top bit set go to DS:[E/R]DI (a segment override applies). */
void op_maskmovdqu(X86CPU *cpu, const Insn *d)
{
    sse_enter(cpu);
    const XMMReg *v = sse_reg(cpu, d), *m = &cpu->xmm[d->rrm & 15];
    uint64_t off = cpu->regs[R_EDI];
    int seg = d->seg_ovr != SEG_NONE ? d->seg_ovr : R_DS;
    if (d->adsize == 2)
        off = (uint16_t)off;
    else if (d->adsize == 4)
        off = (uint32_t)off;
    for (int i = 0; i < 16; i++)
        if (m->b[i] & 0x80)
            probe_write(cpu, seg, off + i, 1);
    for (int i = 0; i < 16; i++)
        if (m->b[i] & 0x80)
            st8(cpu, seg, off + i, v->b[i]);
}
