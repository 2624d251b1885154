/* Data movement: MOV forms, LEA, MOVZX/MOVSX/MOVSXD, CBW..CQO, CMOVcc,
 * SETcc, BSWAP, XLAT, BOUND, and the no-ops (NOP, PAUSE, hint NOPs, UD2). */
#include "cpu/x86/int.h"

/* 88 89: MOV Eb,Gb / Ev,Gv */
void op_mov_E_G(X86CPU *cpu, const Insn *d)
{
    int size = insn_size_w(d);
    rm_set(cpu, d, size, greg_get(cpu, d, size));
}

/* 8A 8B: MOV Gb,Eb / Gv,Ev */
void op_mov_G_E(X86CPU *cpu, const Insn *d)
{
    int size = insn_size_w(d);
    greg_set(cpu, d, size, rm_get(cpu, d, size));
}

/* C6 C7 /0: MOV Eb,Ib / Ev,Iz (imm32 sign-extended for REX.W) */
void op_mov_E_I(X86CPU *cpu, const Insn *d)
{
    int size = insn_size_w(d);
    rm_set(cpu, d, size, d->imm & size_mask_of(size));
}

/* B0-B7: MOV r8,Ib; B8-BF: MOV r16/32,Iz and, with REX.W, r64,imm64 */
void op_mov_r_I(X86CPU *cpu, const Insn *d)
{
    int size = d->op & 8 ? d->opsize : 1;
    opreg_set(cpu, d, d->opreg, size, d->imm & size_mask_of(size));
}

/* The moffs operand: an address-size offset (64 bits in 64-bit mode). */
static uint64_t moffs(const Insn *d)
{
    return addr_mask(d->adsize, (uint64_t)d->disp);
}

/* A0 A1: MOV AL/eAX/RAX,moffs */
void op_mov_A_O(X86CPU *cpu, const Insn *d)
{
    int size = insn_size_w(d);
    reg_set(cpu, R_EAX, size, mem_ld(cpu, d->seg, moffs(d), size));
}

/* A2 A3: MOV moffs,AL/eAX/RAX */
void op_mov_O_A(X86CPU *cpu, const Insn *d)
{
    int size = insn_size_w(d);
    mem_st(cpu, d->seg, moffs(d), size, reg_get(cpu, R_EAX, size));
}

/* 8D: LEA Gv,M (the address size truncates, then the operand size) */
void op_lea(X86CPU *cpu, const Insn *d)
{
    reg_set(cpu, d->rreg, d->opsize, insn_ea(cpu, d) & size_mask_of(d->opsize));
}

/* 0F B6 B7: MOVZX Gv,Eb/Ew;  0F BE BF: MOVSX Gv,Eb/Ew */
void op_movzx(X86CPU *cpu, const Insn *d)
{
    int ssize = (d->op & 1) ? 2 : 1;
    reg_set(cpu, d->rreg, d->opsize, rm_get(cpu, d, ssize));
}

void op_movsx(X86CPU *cpu, const Insn *d)
{
    int ssize = (d->op & 1) ? 2 : 1;
    uint64_t v = (uint64_t)sext(rm_get(cpu, d, ssize), ssize);
    reg_set(cpu, d->rreg, d->opsize, v & size_mask_of(d->opsize));
}

/* 63 (64-bit mode): MOVSXD Gv,Ed; without REX.W a plain 32- or 16-bit
 * move. */
void op_movsxd(X86CPU *cpu, const Insn *d)
{
    int size = d->opsize, ssize = size == 8 ? 4 : size;
    uint64_t v = (uint64_t)sext(rm_get(cpu, d, ssize), ssize);
    reg_set(cpu, d->rreg, size, v & size_mask_of(size));
}

/* 98: CBW / CWDE / CDQE */
void op_cbw(X86CPU *cpu, const Insn *d)
{
    int size = d->opsize, half = size / 2;
    uint64_t v = (uint64_t)sext(reg_get(cpu, R_EAX, half), half);
    reg_set(cpu, R_EAX, size, v & size_mask_of(size));
}

/* 99: CWD / CDQ / CQO */
void op_cwd(X86CPU *cpu, const Insn *d)
{
    int size = d->opsize;
    bool neg = reg_get(cpu, R_EAX, size) & sign_of(size);
    reg_set(cpu, R_EDX, size, neg ? size_mask_of(size) : 0);
}

/* 0F 40-4F: CMOVcc Gv,Ev; the source is read (and may fault) even when
 * the condition is false, and a 32-bit destination is zero-extended to
 * 64 bits either way. */
void op_cmov(X86CPU *cpu, const Insn *d)
{
    int size = d->opsize;
    uint64_t v = rm_get(cpu, d, size);
    if (!cc_test(cpu, d->op & 15))
        v = reg_get(cpu, d->rreg, size);
    reg_set(cpu, d->rreg, size, v);
}

/* 0F 90-9F: SETcc Eb */
void op_setcc(X86CPU *cpu, const Insn *d)
{
    rm_set(cpu, d, 1, cc_test(cpu, d->op & 15));
}

/* 0F C8-CF: BSWAP r32/r64; with a 16-bit operand (undefined) the low word
 * becomes 0 as on Intel CPUs. */
void op_bswap(X86CPU *cpu, const Insn *d)
{
    int r = d->opreg;
    if (d->opsize == 2)
        reg_set(cpu, r, 2, 0);
    else if (d->opsize == 8)
        reg_set(cpu, r, 8, __builtin_bswap64(cpu->regs[r]));
    else
        reg_set(cpu, r, 4, __builtin_bswap32(reg_get(cpu, r, 4)));
}

/* D7: XLAT: AL = [seg:rBX + AL] */
void op_xlat(X86CPU *cpu, const Insn *d)
{
    uint64_t off = addr_mask(d->adsize, cpu->regs[R_EBX] + reg_get(cpu, R_EAX, 1));
    reg_set(cpu, R_EAX, 1, ld8(cpu, d->seg, off));
}

/* 62: BOUND Gv,Ma; #BR when the signed index lies outside [lo, hi]. */
void op_bound(X86CPU *cpu, const Insn *d)
{
    int size = d->opsize;
    uint64_t ea = insn_ea(cpu, d);
    int64_t lo = sext(mem_ld(cpu, d->seg, ea, size), size);
    int64_t hi = sext(mem_ld(cpu, d->seg, addr_mask(d->adsize, ea + size), size), size);
    int64_t idx = sext(reg_get(cpu, d->rreg, size), size);
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
