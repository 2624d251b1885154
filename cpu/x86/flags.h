/* Lazy condition codes: the last flag-setting operation and its operands
 * are kept in cc_op/cc_dst/cc_src/cc_src2; flags are computed when read. */
#ifndef YL_X86_FLAGS_H
#define YL_X86_FLAGS_H

#include <stdbool.h>
#include "yl/cpu.h"

enum CCOp {
    CC_OP_EFLAGS = 0,   /* cc_src holds the arithmetic flags themselves */
    /* ... each operation x size (B/W/L) is added by flags.c's owner ... */
    CC_OP_COUNT
};

/* CF PF AF ZF SF OF as EFLAGS bits. */
uint32_t cc_compute_all(X86CPU *cpu);
uint32_t cc_compute_c(X86CPU *cpu);
/* Jcc/SETcc/CMOVcc condition 0..15 (the low nibble of the opcode). */
bool cc_test(X86CPU *cpu, int cond);
/* Store the arithmetic flags (masked by mask, others kept). */
void cc_set_flags(X86CPU *cpu, uint32_t flags, uint32_t mask);

#endif
