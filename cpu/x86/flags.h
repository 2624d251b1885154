/* Lazy condition codes: the last flag-setting operation and its operands
 * are kept in cc_op/cc_dst/cc_src/cc_src2; flags are computed when read.
 *
 * What each operation keeps (all values zero-extended from the operand
 * size; B/W/L/Q = 8/16/32/64 bits, always in that order so that
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

#define CC_FAMILY(name) CC_OP_##name##B, CC_OP_##name##W, CC_OP_##name##L, CC_OP_##name##Q

enum CCOp {
    CC_OP_EFLAGS = 0,   /* cc_src holds the arithmetic flags themselves */
    CC_FAMILY(ADD), CC_FAMILY(ADC), CC_FAMILY(SUB), CC_FAMILY(SBB),
    CC_FAMILY(LOGIC), CC_FAMILY(INC), CC_FAMILY(DEC), CC_FAMILY(SHL),
    CC_FAMILY(SAR), CC_FAMILY(MUL),
    CC_OP_COUNT
};

#undef CC_FAMILY

/* Members per family and the size index (0..3) of an operand size. */
#define CC_SIZES 4
static inline int cc_size_index(int size)
{
    return size == 1 ? 0 : size == 2 ? 1 : size == 4 ? 2 : 3;
}

/* The B/W/L/Q member of a family for an operand size of 1, 2, 4 or 8. */
static inline int cc_op_sized(int op_b, int size)
{
    return op_b + cc_size_index(size);
}

/* Records a flag-setting operation (after every fault is behind us). */
static inline void cc_record(X86CPU *cpu, int op, uint64_t dst, uint64_t src,
                             uint64_t src2)
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
