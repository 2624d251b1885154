/* A small x86-64 assembler for the JIT: just the instruction forms the
 * translators use, each a short function that appends its encoding.
 *
 * Registers are host register numbers (H_RAX..H_R15).  Memory operands are
 * always [base + disp] or [base + index * scale + disp] with a base
 * register: the translators address the CPU state through H_CPU and never
 * need absolute or RIP-relative forms.  Sizes are in bytes (1, 2, 4, 8);
 * a 4-byte operation zero-extends its destination register, as on the
 * host, which is also what the guest's 32-bit operations need. */
#ifndef YL_JIT_EMIT_H
#define YL_JIT_EMIT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum {
    H_RAX, H_RCX, H_RDX, H_RBX, H_RSP, H_RBP, H_RSI, H_RDI,
    H_R8, H_R9, H_R10, H_R11, H_R12, H_R13, H_R14, H_R15,
};
#define H_NONE 0xff

/* The register that holds the X86CPU pointer for the whole block. */
#define H_CPU H_RBX

/* Host ALU operations in their opcode-extension order (same as the
 * guest's: /0 ADD, /1 OR, /2 ADC, /3 SBB, /4 AND, /5 SUB, /6 XOR, /7 CMP). */
enum { HA_ADD, HA_OR, HA_ADC, HA_SBB, HA_AND, HA_SUB, HA_XOR, HA_CMP };
/* Shift group /n. */
enum { HS_ROL, HS_ROR, HS_RCL, HS_RCR, HS_SHL, HS_SHR, HS_SAL, HS_SAR };

typedef struct Emit {
    uint8_t *p;         /* next byte to write (writable view) */
    uint8_t *start, *end;
    ptrdiff_t exec_delta;   /* executable address - writable address */
    bool overflow;      /* ran past end: the block is abandoned */
    unsigned calls;     /* e_call()s so far: caller-saved registers died */
    unsigned merges;    /* e_patch_here()s: paths joined inside the code */
} Emit;

/* A forward branch whose rel32 is patched when its target is known. */
typedef uint8_t *Fixup;

void e_bytes(Emit *e, const void *b, size_t n);
void e_u8(Emit *e, uint8_t b);
void e_u32(Emit *e, uint32_t v);
void e_u64(Emit *e, uint64_t v);
static inline bool fits_s32(int64_t v) { return v == (int32_t)v; }
static inline bool fits_s8(int64_t v) { return v == (int8_t)v; }

/* Generic forms: opcode bytes (after REX) with a ModRM naming reg and a
 * register rm / a memory operand.  w: 8-byte operand size (REX.W); size 2
 * adds the 66 prefix; byte forms need the caller's opcode. */
void e_op_rr(Emit *e, int size, const uint8_t *op, int nop, int reg, int rm);
void e_op_rm(Emit *e, int size, const uint8_t *op, int nop, int reg,
             int base, int index, int scale, int32_t disp);

/* mov */
void e_mov_rr(Emit *e, int size, int dst, int src);
void e_mov_ri(Emit *e, int dst, uint64_t imm);          /* shortest form */
void e_load(Emit *e, int size, int dst, int base, int32_t disp);   /* zero-extends */
void e_load_x(Emit *e, int size, int dst, int base, int index);   /* [base + index] */
void e_load_sx(Emit *e, int from, int dst, int base, int32_t disp); /* sign-extends to 64 */
void e_store(Emit *e, int size, int base, int32_t disp, int src);
void e_store_imm(Emit *e, int size, int base, int32_t disp, int32_t imm);
void e_lea(Emit *e, int size, int dst, int base, int index, int scale, int32_t disp);
void e_movzx_rr(Emit *e, int from, int dst, int src);   /* from 1 or 2 */
void e_movsx_rr(Emit *e, int from, int size, int dst, int src);

/* ALU: op dst, src / imm / [mem].  Byte forms use registers 0..3 only. */
void e_alu_rr(Emit *e, int op, int size, int dst, int src);
void e_alu_ri(Emit *e, int op, int size, int dst, int32_t imm);
void e_alu_rm(Emit *e, int op, int size, int dst, int base, int32_t disp);
void e_alu_mi(Emit *e, int op, int size, int base, int32_t disp, int32_t imm);
void e_test_rr(Emit *e, int size, int a, int b);
void e_test_ri(Emit *e, int size, int a, int32_t imm);
void e_test_mi8(Emit *e, int base, int32_t disp, uint8_t imm);
void e_shift_ri(Emit *e, int op, int size, int dst, uint8_t count);
void e_shift_rcl(Emit *e, int op, int size, int dst);   /* by CL */
void e_unary(Emit *e, int ext, int size, int dst);      /* F7 /ext: 2 NOT, 3 NEG */
void e_incdec(Emit *e, bool dec, int size, int dst);
void e_imul_rr(Emit *e, int size, int dst, int src);
void e_setcc(Emit *e, int cond, int dst8);
void e_cmov(Emit *e, int cond, int size, int dst, int src);
void e_bswap(Emit *e, int size, int reg);

/* Control flow.  Branches to unknown targets return a Fixup to patch. */
void e_call(Emit *e, const void *fn);       /* through RAX: any distance */
Fixup e_jcc(Emit *e, int cond);             /* rel32, target later */
Fixup e_jmp(Emit *e);
void e_jcc_to(Emit *e, int cond, const uint8_t *target);
void e_jmp_to(Emit *e, const uint8_t *target);
void e_patch(Fixup f, const uint8_t *target);   /* target: writable view */
/* Patches f to the current position where two paths of one instruction's
 * code join (counted: the register cache must not differ between them). */
void e_patch_here(Emit *e, Fixup f);
void e_push(Emit *e, int r);
void e_pop(Emit *e, int r);
void e_ret(Emit *e);

/* ---- appended forms ------------------------------------------------------ */

/* PUSHFQ: the host's flags onto the stack (pop them into a register). */
void e_pushf(Emit *e);

#endif
