/* x87 FPU internals shared by the fpu*.c files.
 *
 * How the FPU is emulated: the host is an x86 whose x87 is the reference
 * the guest expects (the differential tester compares against it), so every
 * computational x87 instruction runs as itself on the host FPU
 * (fpu-host.c): the guest's registers, tags, TOP, status and control word
 * (with the guest's rounding, precision and exception masks) are loaded
 * with FRSTOR, the instruction's own opcode and ModRM bytes execute (memory
 * operands redirected to a host buffer), and FNSAVE brings everything back.
 * Results, C0-C3, stack faults, tags and the exception flags are then
 * exactly the hardware's, including what an unmasked exception leaves
 * behind (no destination update for IE/ZE/DE, the scaled result of an
 * unmasked OE/UE).  An unmasked exception only leaves ES set in the image:
 * FNSAVE is a non-waiting instruction and re-initialises the host FPU, so
 * the host itself never traps.  What the host cannot do for us is done in C:
 * memory accesses through the guest's segmentation and paging, the
 * environment formats of real and protected mode, #NM and #MF, and the
 * instruction and data pointers. */
#ifndef YL_X86_FPU_H
#define YL_X86_FPU_H

#include "cpu/x86/x86.h"

#if !defined(__x86_64__) && !defined(__i386__)
#error "the x87 emulation runs the guest's x87 instructions on an x86 host FPU"
#endif

/* Status word */
#define FSW_IE 0x0001
#define FSW_DE 0x0002
#define FSW_ZE 0x0004
#define FSW_OE 0x0008
#define FSW_UE 0x0010
#define FSW_PE 0x0020
#define FSW_SF 0x0040
#define FSW_ES 0x0080
#define FSW_C0 0x0100
#define FSW_C1 0x0200
#define FSW_C2 0x0400
#define FSW_TOP_SHIFT 11
#define FSW_TOP 0x3800
#define FSW_C3 0x4000
#define FSW_B 0x8000
#define FSW_EXC 0x003f      /* the six exception flags */

/* Control word: what FLDCW keeps (bits 13-15 read as 0, bit 6 as 1). */
#define FCW_EXC_MASKS 0x003f
#define FCW_KEEP 0x1f3f
#define FCW_ONE 0x0040
#define FCW_INIT 0x037f

/* Tags */
enum { TAG_VALID = 0, TAG_ZERO = 1, TAG_SPECIAL = 2, TAG_EMPTY = 3 };

/* An FPReg as the 10 bytes of memory an m80 / FSAVE register slot holds. */
static inline void x87_reg_to_bytes(const FPReg *r, uint8_t b[10])
{
    memcpy(b, &r->mant, 8);
    memcpy(b + 8, &r->exp, 2);
}

static inline void x87_reg_from_bytes(FPReg *r, const uint8_t b[10])
{
    memcpy(&r->mant, b, 8);
    memcpy(&r->exp, b + 8, 2);
}

/* ---- fpu-host.c: the host executor (no dependency on the rest of the
 * CPU, so unit tests can drive it with a bare X87State) ---- */

/* Runs one x87 instruction on the host against s.  op is D8..DF.  For a
 * register form, modrm is the instruction's ModRM byte (mod == 3).  For a
 * memory form, mem points at a host copy of the operand (10 bytes are
 * always accessible) and only ModRM.reg of modrm counts.  eflags supplies
 * CF/PF/ZF for FCMOVcc.  Returns CF/PF/ZF after the instruction (FCOMI).
 * Only valid x87 encodings of computational instructions may be passed;
 * the control instructions (FLDCW, FLDENV, FNSTSW AX, FNINIT ...) are
 * emulated in C and rejected here. */
uint32_t x87_host_exec(X87State *s, uint8_t op, uint8_t modrm, void *mem,
                       uint32_t eflags);

/* Tag of a register's contents, and the full tag word of s (empty
 * registers keep TAG_EMPTY, the others are derived from their contents). */
int x87_tag_of(const FPReg *r);
uint16_t x87_tag_word(const X87State *s);
/* FSW with TOP merged in, and the reverse. */
static inline uint16_t x87_fsw(const X87State *s)
{
    return (s->fsw & ~FSW_TOP) | (uint16_t)((s->top & 7) << FSW_TOP_SHIFT);
}
void x87_set_fsw(X87State *s, uint16_t fsw);
/* ES and B follow the unmasked exception flags (FLDCW, FLDENV, FRSTOR). */
void x87_update_es(X87State *s);
/* FNINIT. */
void x87_init_state(X87State *s);
/* An unmasked exception is pending (the next waiting instruction takes
 * #MF). */
static inline bool x87_pending(const X87State *s)
{
    return (s->fsw & ~s->fcw & FSW_EXC) != 0;
}

/* ---- fpu.c: what every handler shares ---- */

/* Entry of a waiting x87 instruction: #NM for CR0.EM or CR0.TS, then #MF
 * for a pending unmasked exception. */
void fpu_enter(X86CPU *cpu);
/* Entry of a non-waiting one (FNINIT, FNCLEX, FNSTSW, FNSTCW, FNSTENV,
 * FNSAVE): only #NM. */
void fpu_enter_nowait(X86CPU *cpu);
/* Records FIP/FCS/FOP (and FDP/FDS for a memory operand at off) for a
 * non-control instruction. */
void fpu_note_insn(X86CPU *cpu, const Insn *d, bool mem, uint64_t off);

#endif
