/* Two-operand arithmetic and logic (ADD OR ADC SBB AND SUB XOR CMP, TEST),
 * INC/DEC, NOT/NEG, and the instructions that set single flags. */
#include "cpu/x86/int.h"

uint64_t alu_calc(X86CPU *cpu, int op, int size, uint64_t a, uint64_t b)
{
    uint64_t r;
    switch (op) {
    case ALU_ADD: r = a + b; break;
    case ALU_OR: r = a | b; break;
    case ALU_ADC: r = a + b + (cc_compute_c(cpu) ? 1 : 0); break;
    case ALU_SBB: r = a - b - (cc_compute_c(cpu) ? 1 : 0); break;
    case ALU_AND: r = a & b; break;
    case ALU_XOR: r = a ^ b; break;
    default: r = a - b; break;          /* SUB, CMP */
    }
    return r & size_mask_of(size);
}

void alu_flags(X86CPU *cpu, int op, int size, uint64_t a, uint64_t b, uint64_t r)
{
    static const uint8_t family[8] = {
        CC_OP_ADDB, CC_OP_LOGICB, CC_OP_ADCB, CC_OP_SBBB,
        CC_OP_LOGICB, CC_OP_SUBB, CC_OP_LOGICB, CC_OP_SUBB,
    };
    cc_record(cpu, cc_op_sized(family[op], size), r, b, a);
}

/* dest(r/m) op= src; CMP does not write. */
static void alu_rm(X86CPU *cpu, const Insn *d, int op, int size, uint64_t b)
{
    uint64_t ea = 0;
    b &= size_mask_of(size);
    uint64_t a = rmw_load(cpu, d, size, &ea);
    uint64_t r = alu_calc(cpu, op, size, a, b);
    if (op != ALU_CMP)
        rmw_store(cpu, d, size, ea, r);
    alu_flags(cpu, op, size, a, b, r);
}

/* reg op= src; reg is a register operand of d (REX byte-register rules). */
static void alu_reg(X86CPU *cpu, const Insn *d, int reg, int op, int size, uint64_t b)
{
    uint64_t a = opreg_get(cpu, d, reg, size);
    uint64_t r = alu_calc(cpu, op, size, a, b);
    if (op != ALU_CMP)
        opreg_set(cpu, d, reg, size, r);
    alu_flags(cpu, op, size, a, b, r);
}

/* 00 01 08 09 ... 38 39: Eb,Gb / Ev,Gv */
void op_alu_E_G(X86CPU *cpu, const Insn *d)
{
    int size = insn_size_w(d);
    alu_rm(cpu, d, (d->op >> 3) & 7, size, greg_get(cpu, d, size));
}

/* 02 03 0A 0B ... 3A 3B: Gb,Eb / Gv,Ev */
void op_alu_G_E(X86CPU *cpu, const Insn *d)
{
    int size = insn_size_w(d);
    uint64_t b = rm_get(cpu, d, size);
    alu_reg(cpu, d, d->rreg, (d->op >> 3) & 7, size, b);
}

/* 04 05 0C 0D ... 3C 3D: AL,Ib / eAX,Iz (imm32 sign-extended for REX.W) */
void op_alu_A_I(X86CPU *cpu, const Insn *d)
{
    int size = insn_size_w(d);
    alu_reg(cpu, d, R_EAX, (d->op >> 3) & 7, size, d->imm & size_mask_of(size));
}

/* 80 81 82 83: group 1, Eb,Ib / Ev,Iz / Eb,Ib / Ev,Ib sign-extended */
void op_grp1(X86CPU *cpu, const Insn *d)
{
    int size = (d->op == 0x81 || d->op == 0x83) ? d->opsize : 1;
    alu_rm(cpu, d, d->reg, size, d->imm);
}

static void test_flags(X86CPU *cpu, int size, uint64_t r)
{
    cc_record(cpu, cc_op_sized(CC_OP_LOGICB, size), r & size_mask_of(size), 0, 0);
}

/* 84 85: TEST Eb,Gb / Ev,Gv */
void op_test_E_G(X86CPU *cpu, const Insn *d)
{
    int size = insn_size_w(d);
    uint64_t a = rm_get(cpu, d, size);
    test_flags(cpu, size, a & greg_get(cpu, d, size));
}

/* A8 A9: TEST AL,Ib / eAX,Iz */
void op_test_A_I(X86CPU *cpu, const Insn *d)
{
    int size = insn_size_w(d);
    test_flags(cpu, size, reg_get(cpu, R_EAX, size) & d->imm);
}

/* F6 F7 /0 /1: TEST Eb,Ib / Ev,Iz */
void op_test_E_I(X86CPU *cpu, const Insn *d)
{
    int size = insn_size_w(d);
    test_flags(cpu, size, rm_get(cpu, d, size) & d->imm);
}

/* INC/DEC keep CF: it is saved into cc_src before cc_op changes. */
static void incdec_commit(X86CPU *cpu, int size, bool dec, uint64_t a, uint64_t r)
{
    uint32_t cf = cc_compute_c(cpu);
    cc_record(cpu, cc_op_sized(dec ? CC_OP_DECB : CC_OP_INCB, size), r, cf, a);
}

static void incdec_rm(X86CPU *cpu, const Insn *d, int size, bool dec)
{
    uint64_t ea = 0;
    uint64_t a = rmw_load(cpu, d, size, &ea);
    uint64_t r = (dec ? a - 1 : a + 1) & size_mask_of(size);
    rmw_store(cpu, d, size, ea, r);
    incdec_commit(cpu, size, dec, a, r);
}

/* 40-4F: INC/DEC r16/r32 (REX prefixes in 64-bit mode) */
void op_incdec_r(X86CPU *cpu, const Insn *d)
{
    int size = d->opsize, reg = d->opreg;
    bool dec = d->op & 8;
    uint64_t a = reg_get(cpu, reg, size);
    uint64_t r = (dec ? a - 1 : a + 1) & size_mask_of(size);
    reg_set(cpu, reg, size, r);
    incdec_commit(cpu, size, dec, a, r);
}

/* FE FF /0: INC Eb/Ev */
void op_inc_E(X86CPU *cpu, const Insn *d)
{
    incdec_rm(cpu, d, insn_size_w(d), false);
}

/* FE FF /1: DEC Eb/Ev */
void op_dec_E(X86CPU *cpu, const Insn *d)
{
    incdec_rm(cpu, d, insn_size_w(d), true);
}

/* F6 F7 /2: NOT (no flags) */
void op_not_E(X86CPU *cpu, const Insn *d)
{
    int size = insn_size_w(d);
    uint64_t ea = 0;
    uint64_t a = rmw_load(cpu, d, size, &ea);
    rmw_store(cpu, d, size, ea, ~a & size_mask_of(size));
}

/* F6 F7 /3: NEG = 0 - x; CF = (x != 0) falls out of the SUB flags. */
void op_neg_E(X86CPU *cpu, const Insn *d)
{
    int size = insn_size_w(d);
    uint64_t ea = 0;
    uint64_t a = rmw_load(cpu, d, size, &ea);
    uint64_t r = (0 - a) & size_mask_of(size);
    rmw_store(cpu, d, size, ea, r);
    cc_record(cpu, cc_op_sized(CC_OP_SUBB, size), r, a, 0);
}

/* F5 CMC, F8 CLC, F9 STC */
void op_cmc(X86CPU *cpu, const Insn *d)
{
    cc_set_flags(cpu, cc_compute_c(cpu) ^ CC_C, CC_C);
}

void op_clc(X86CPU *cpu, const Insn *d)
{
    cc_set_flags(cpu, 0, CC_C);
}

void op_stc(X86CPU *cpu, const Insn *d)
{
    cc_set_flags(cpu, CC_C, CC_C);
}

/* FC CLD, FD STD */
void op_cld(X86CPU *cpu, const Insn *d)
{
    cpu->eflags &= ~DF_MASK;
}

void op_std(X86CPU *cpu, const Insn *d)
{
    cpu->eflags |= DF_MASK;
}

/* 9F LAHF: AH = SF ZF 0 AF 0 PF 1 CF (always AH, REX or not; valid in
 * 64-bit mode as on every CPU with CPUID LAHF_LM) */
void op_lahf(X86CPU *cpu, const Insn *d)
{
    reg_set(cpu, 4, 1, (int_flags(cpu) & (CC_S | CC_Z | CC_A | CC_P | CC_C)) | 0x02);
}

/* 9E SAHF */
void op_sahf(X86CPU *cpu, const Insn *d)
{
    cc_set_flags(cpu, reg_get(cpu, 4, 1), CC_S | CC_Z | CC_A | CC_P | CC_C);
}

/* D6 SALC: AL = CF ? FF : 00 */
void op_salc(X86CPU *cpu, const Insn *d)
{
    reg_set(cpu, R_EAX, 1, cc_compute_c(cpu) ? 0xff : 0);
}
