/* Lazy condition codes: the last flag-setting operation and its operands
 * are kept in cc_op/cc_dst/cc_src/cc_src2; flags are computed when read.
 *
 * What each operation keeps (all values zero-extended from the operand
 * size; B/W/L = 8/16/32 bits, always in that order so that
 * cc_op_sized(CC_OP_xxxB, size) picks the right one):
 *   ADD, ADC, SUB, SBB: dst = result, src = second operand, src2 = first
 *                       operand (ADC/SBB recover their carry-in from these)
 *   LOGIC:              dst = result (CF = OF = AF = 0)
 *   INC, DEC:           dst = result, src = CF before the instruction
 *   SHL:                dst = result, src = operand shifted by count-1
 *                       (CF = its top bit, OF = top bit of src ^ dst)
 *   SAR:                dst = result, src = operand shifted right by
 *                       count-1 (CF = its bit 0, OF = top bit of src ^ dst);
 *                       also SHR and SHRD
 *   MUL:                dst = low half of the product, src = 1 if the
 *                       product does not fit (CF = OF = src)
 *   EFLAGS:             src = the arithmetic flags themselves
 */
#ifndef YL_X86_FLAGS_H
#define YL_X86_FLAGS_H

#include <stdbool.h>
#include "yl/cpu.h"

enum CCOp {
    CC_OP_EFLAGS = 0,   /* cc_src holds the arithmetic flags themselves */
    CC_OP_ADDB, CC_OP_ADDW, CC_OP_ADDL,
    CC_OP_ADCB, CC_OP_ADCW, CC_OP_ADCL,
    CC_OP_SUBB, CC_OP_SUBW, CC_OP_SUBL,
    CC_OP_SBBB, CC_OP_SBBW, CC_OP_SBBL,
    CC_OP_LOGICB, CC_OP_LOGICW, CC_OP_LOGICL,
    CC_OP_INCB, CC_OP_INCW, CC_OP_INCL,
    CC_OP_DECB, CC_OP_DECW, CC_OP_DECL,
    CC_OP_SHLB, CC_OP_SHLW, CC_OP_SHLL,
    CC_OP_SARB, CC_OP_SARW, CC_OP_SARL,
    CC_OP_MULB, CC_OP_MULW, CC_OP_MULL,
    CC_OP_COUNT
};

/* The B/W/L member of a family for an operand size of 1, 2 or 4 bytes. */
static inline int cc_op_sized(int op_b, int size)
{
    return op_b + (size == 1 ? 0 : size == 2 ? 1 : 2);
}

/* Records a flag-setting operation (after every fault is behind us). */
static inline void cc_record(X86CPU *cpu, int op, uint32_t dst, uint32_t src,
                             uint32_t src2)
{
    cpu->cc_op = op;
    cpu->cc_dst = dst;
    cpu->cc_src = src;
    cpu->cc_src2 = src2;
}

/* CF PF AF ZF SF OF as EFLAGS bits. */
uint32_t cc_compute_all(X86CPU *cpu);
uint32_t cc_compute_c(X86CPU *cpu);
/* Jcc/SETcc/CMOVcc condition 0..15 (the low nibble of the opcode). */
bool cc_test(X86CPU *cpu, int cond);
/* Store the arithmetic flags (masked by mask, others kept). */
void cc_set_flags(X86CPU *cpu, uint32_t flags, uint32_t mask);

#endif
