/* Data movement: MOV forms, LEA, MOVZX/MOVSX, CBW/CWDE/CWD/CDQ, CMOVcc,
 * SETcc, BSWAP, XLAT, BOUND, and the no-ops (NOP, PAUSE, hint NOPs, UD2). */
#include "cpu/x86/int.h"

/* 88 89: MOV Eb,Gb / Ev,Gv */
void op_mov_E_G(X86CPU *cpu, const Insn *d)
{
    int size = insn_size_w(d);
    rm_set(cpu, d, size, reg_get(cpu, d->reg, size));
}

/* 8A 8B: MOV Gb,Eb / Gv,Ev */
void op_mov_G_E(X86CPU *cpu, const Insn *d)
{
    int size = insn_size_w(d);
    reg_set(cpu, d->reg, size, rm_get(cpu, d, size));
}

/* C6 C7 /0: MOV Eb,Ib / Ev,Iz */
void op_mov_E_I(X86CPU *cpu, const Insn *d)
{
    rm_set(cpu, d, insn_size_w(d), d->imm);
}

/* B0-B7: MOV r8,Ib; B8-BF: MOV r16/32,Iz */
void op_mov_r_I(X86CPU *cpu, const Insn *d)
{
    reg_set(cpu, d->op & 7, d->op & 8 ? d->opsize : 1, d->imm);
}

static uint32_t moffs(const Insn *d)
{
    return d->adsize == 2 ? (uint16_t)d->disp : (uint32_t)d->disp;
}

/* A0 A1: MOV AL/eAX,moffs */
void op_mov_A_O(X86CPU *cpu, const Insn *d)
{
    int size = insn_size_w(d);
    reg_set(cpu, R_EAX, size, mem_ld(cpu, d->seg, moffs(d), size));
}

/* A2 A3: MOV moffs,AL/eAX */
void op_mov_O_A(X86CPU *cpu, const Insn *d)
{
    int size = insn_size_w(d);
    mem_st(cpu, d->seg, moffs(d), size, reg_get(cpu, R_EAX, size));
}

/* 8D: LEA Gv,M (the address size truncates, then the operand size) */
void op_lea(X86CPU *cpu, const Insn *d)
{
    reg_set(cpu, d->reg, d->opsize, insn_ea(cpu, d));
}

/* 0F B6 B7: MOVZX Gv,Eb/Ew;  0F BE BF: MOVSX Gv,Eb/Ew */
void op_movzx(X86CPU *cpu, const Insn *d)
{
    int ssize = (d->op & 1) ? 2 : 1;
    reg_set(cpu, d->reg, d->opsize, rm_get(cpu, d, ssize));
}

void op_movsx(X86CPU *cpu, const Insn *d)
{
    int ssize = (d->op & 1) ? 2 : 1;
    reg_set(cpu, d->reg, d->opsize, (uint32_t)sext(rm_get(cpu, d, ssize), ssize));
}

/* 98: CBW / CWDE */
void op_cbw(X86CPU *cpu, const Insn *d)
{
    int half = d->opsize / 2;
    reg_set(cpu, R_EAX, d->opsize, (uint32_t)sext(reg_get(cpu, R_EAX, half), half));
}

/* 99: CWD / CDQ */
void op_cwd(X86CPU *cpu, const Insn *d)
{
    int size = d->opsize;
    bool neg = reg_get(cpu, R_EAX, size) & sign_of(size);
    reg_set(cpu, R_EDX, size, neg ? 0xffffffffu : 0);
}

/* 0F 40-4F: CMOVcc Gv,Ev; the source is read (and may fault) even when
 * the condition is false. */
void op_cmov(X86CPU *cpu, const Insn *d)
{
    uint32_t v = rm_get(cpu, d, d->opsize);
    if (cc_test(cpu, d->op & 15))
        reg_set(cpu, d->reg, d->opsize, v);
}

/* 0F 90-9F: SETcc Eb */
void op_setcc(X86CPU *cpu, const Insn *d)
{
    rm_set(cpu, d, 1, cc_test(cpu, d->op & 15));
}

/* 0F C8-CF: BSWAP r32; with a 16-bit operand (undefined) the low word
 * becomes 0 as on Intel CPUs. */
void op_bswap(X86CPU *cpu, const Insn *d)
{
    int r = d->op & 7;
    if (d->opsize == 2)
        reg_set(cpu, r, 2, 0);
    else
        reg_set(cpu, r, 4, __builtin_bswap32(reg_get(cpu, r, 4)));
}

/* D7: XLAT: AL = [seg:(E)BX + AL] */
void op_xlat(X86CPU *cpu, const Insn *d)
{
    uint32_t off = areg_get(cpu, R_EBX, d->adsize) + reg_get(cpu, R_EAX, 1);
    if (d->adsize == 2)
        off &= 0xffff;
    reg_set(cpu, R_EAX, 1, ld8(cpu, d->seg, off));
}

/* 62: BOUND Gv,Ma; #BR when the signed index lies outside [lo, hi]. */
void op_bound(X86CPU *cpu, const Insn *d)
{
    int size = d->opsize;
    uint32_t ea = insn_ea(cpu, d);
    int32_t lo = sext(mem_ld(cpu, d->seg, ea, size), size);
    uint32_t ea2 = ea + size;
    if (d->adsize == 2)
        ea2 &= 0xffff;
    int32_t hi = sext(mem_ld(cpu, d->seg, ea2, size), size);
    int32_t idx = sext(reg_get(cpu, d->reg, size), size);
    if (idx < lo || idx > hi)
        raise_exception(cpu, EXC_BR);
}

/* 90 NOP (and F3 90 PAUSE), 0F 0D / 0F 18-1F hint and multi-byte NOPs */
void op_nop(X86CPU *cpu, const Insn *d)
{
}

/* 0F 0B: UD2 */
void op_ud2(X86CPU *cpu, const Insn *d)
{
    raise_exception(cpu, EXC_UD);
}
