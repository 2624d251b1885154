/* Internal contract of the x86 CPU: decoded instructions, the handler type,
 * memory access through segmentation and the softmmu TLB, exceptions, lazy
 * flags, and the services the instruction handlers share.
 *
 * Conventions every handler follows:
 *  - cpu->rip is the address of the instruction being executed and
 *    cpu->next_rip the address after it; a handler that transfers control
 *    sets next_rip (or rip/next_rip both for far transfers).  The exec loop
 *    copies next_rip to rip after the handler returns.
 *  - A fault is raised with raise_exception*() which longjmps out; the
 *    instruction must be restartable, so a handler does every access that
 *    can fault before it changes any register, flag or memory (for a
 *    read-modify-write: read, compute, store, then set registers/flags).
 *  - Operand size is d->opsize in bytes (2 or 4; 1 for byte forms is chosen
 *    by the handler), address size d->adsize (2 or 4).
 */
#ifndef YL_X86_H
#define YL_X86_H

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "yl/cpu.h"
#include "yl/memory.h"

#if __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
#error "Yinglong assumes a little-endian host"
#endif

#define likely(x) __builtin_expect(!!(x), 1)
#define unlikely(x) __builtin_expect(!!(x), 0)

/* ---- decoded instructions ------------------------------------------- */

typedef struct Insn Insn;
typedef void (*InsnFn)(X86CPU *cpu, const Insn *d);

#define REG_NONE 0xff
#define REG_RIP 0x10        /* base of a RIP-relative operand (64-bit mode) */

struct Insn {
    InsnFn fn;
    uint8_t len;
    uint8_t map;        /* MAP_1, MAP_0F, MAP_0F38 or MAP_0F3A */
    uint8_t op;         /* opcode byte */
    uint8_t mod;        /* ModRM.mod; 3 means a register operand */
    uint8_t reg;        /* ModRM.reg as encoded (0..7): group selector */
    uint8_t rm;         /* ModRM.rm as encoded (0..7) */
    uint8_t rreg;       /* the register ModRM.reg names, with REX.R (0..15) */
    uint8_t rrm;        /* the register ModRM.rm names when mod == 3, with REX.B */
    uint8_t opreg;      /* register in the opcode's low bits, with REX.B */
    uint8_t opsize;     /* 2, 4 or 8 */
    uint8_t adsize;     /* 2, 4 or 8 */
    uint8_t seg;        /* segment of the memory operand (default or override) */
    uint8_t seg_ovr;    /* override prefix's segment, or SEG_NONE */
    uint8_t rep;        /* 0, PFX_REPZ (F3) or PFX_REPNZ (F2) */
    uint8_t lock;
    uint8_t rex;        /* the REX prefix (0x40..0x4f), or 0 */
    uint8_t mode;       /* code size: 16, 32 or 64 */
    uint8_t base, index, scale;   /* REG_NONE when absent; base may be REG_RIP */
    uint16_t flags;     /* F_* from the opcode table */
    int64_t disp;
    uint64_t imm;       /* immediate; sign-extended to 64 bits where the
                           form is signed, zero-extended otherwise */
    uint32_t imm2;      /* far pointer selector; ENTER nesting level */
};

enum { MAP_1 = 0, MAP_0F = 1, MAP_0F38 = 2, MAP_0F3A = 3, MAP_COUNT };
enum { PFX_REPZ = 1, PFX_REPNZ = 2 };
#define REX_W 8
#define REX_R 4
#define REX_X 2
#define REX_B 1

/* Operand forms in the opcode tables: what follows the opcode byte. */
enum {
    FORM_NONE,
    FORM_IB,        /* imm8 */
    FORM_IBS,       /* imm8 sign-extended to the operand size */
    FORM_IW,        /* imm16 */
    FORM_IZ,        /* imm16 or imm32 by operand size */
    FORM_JB,        /* rel8 (imm = sign-extended displacement) */
    FORM_JZ,        /* rel16/rel32 by operand size */
    FORM_AP,        /* far pointer: offset16/32 then selector16 (imm, imm2) */
    FORM_O,         /* moffs: address-size offset (in disp) */
    FORM_IW_IB,     /* ENTER: imm16, imm8 (imm, imm2) */
    FORM_M,         /* ModRM */
    FORM_M_IB,      /* ModRM, imm8 */
    FORM_M_IBS,     /* ModRM, imm8 sign-extended */
    FORM_M_IZ,      /* ModRM, imm16/32 */
    FORM_M_GRP3,    /* F6/F7: ModRM, plus imm8/imm16/32 only when reg is 0 or 1 */
    FORM_IV,        /* imm16/32, or imm64 with 64-bit operand size (MOV r, imm) */
};

/* Table flags */
enum {
    F_MEM = 1 << 0,     /* only the memory form (mod != 3) */
    F_REG = 1 << 1,     /* only the register form (mod == 3) */
    F_END = 1 << 2,     /* ends the translation block (control transfer,
                           mode change, IF change, HLT ...) */
    F_LOCKABLE = 1 << 3,    /* LOCK prefix allowed (with a memory operand) */
    F_BYTE = 1 << 4,    /* byte operand (informational) */
    F_D64 = 1 << 5,     /* default operand size 64 in 64-bit mode (PUSH,
                           POP ...); 66 makes it 16, 32 is not encodable */
    F_MODREG = 1 << 6,  /* ModRM always names registers, whatever mod says
                           (MOV CR/DR): no displacement follows */
    F_NO64 = 1 << 7,    /* invalid in 64-bit mode (#UD) */
    F_ONLY64 = 1 << 8,  /* exists only in 64-bit mode */
    F_F64 = 1 << 9,     /* operand size is 64 in 64-bit mode, prefixes or
                           not (near branches) */
};

/* Selectors for ModRM-dispatched table entries. */
#define SEL_ANY (-1)
#define SEL_REG(r) (r)                       /* ModRM.reg == r */
#define SEL_RM(r, m) (8 + (r) * 8 + (m))     /* mod == 3, reg == r, rm == m */

/* Mandatory prefixes (SSE): an entry may require none, 66, F3 or F2. */
enum { PFXSEL_ANY, PFXSEL_NONE, PFXSEL_66, PFXSEL_F3, PFXSEL_F2, PFXSEL_COUNT };

typedef struct OpDef {
    uint8_t map, op;
    uint8_t pfx;        /* PFXSEL_* */
    int8_t sel;
    uint8_t form;
    uint16_t flags;
    InsnFn fn;
    const char *name;
} OpDef;

/* ---- decoder (decode.c) ----------------------------------------------- */

/* Decodes one instruction at linear address lin into d.  Fetches through
 * x86_fetch_code (which may raise #PF).  An invalid encoding decodes to an
 * instruction whose handler raises #UD; more than 15 bytes raises #GP(0)
 * when executed.  Returns the length. */
int x86_decode(X86CPU *cpu, uint64_t lin, bool code32, Insn *d);
/* The same for a code size of 16, 32 or 64 (long mode) bits. */
int x86_decode_mode(X86CPU *cpu, uint64_t lin, int mode, Insn *d);
/* The same, but returns -1 without raising anything if the instruction
 * needs bytes at or beyond limit (the TB builder ends blocks at pages). */
int x86_decode_bounded(X86CPU *cpu, uint64_t lin, uint64_t limit, int mode, Insn *d);
/* Replaces d->fn by a specialised handler for the hottest forms (fast.c;
 * same behaviour, fewer switches), if there is one. */
void x86_insn_specialize(Insn *d);
/* The handler that raises #UD, for comparisons in tests. */
void op_ud(X86CPU *cpu, const Insn *d);
/* The instruction raises #UD or #GP (too long) whatever the state: the
 * JIT leaves it to its handler. */
bool x86_insn_always_faults(const Insn *d);
/* The table entry for an encoding (pfx: PFXSEL_NONE/66/F3/F2 as the last
 * of those prefixes seen), or NULL. */
const OpDef *x86_opdef_lookup_mode(int mode, int pfx, int map, int op, int mod, int reg, int rm);
const OpDef *x86_opdef_lookup(int map, int op, int mod, int reg, int rm);

/* ---- code fetch and memory access (accel/tcg/tlb.c) -------------------- */

/* Translate a linear address for an instruction fetch (may raise #PF). */
uint64_t x86_code_phys(X86CPU *cpu, uint64_t lin);
uint8_t x86_fetch_code8(X86CPU *cpu, uint64_t lin);

/* Linear-address accesses with the current privilege (CPL 3 is a user
 * access) - what the segment-relative accessors below end in. */
uint8_t lin_ld8(X86CPU *cpu, uint64_t lin);
uint16_t lin_ld16(X86CPU *cpu, uint64_t lin);
uint32_t lin_ld32(X86CPU *cpu, uint64_t lin);
uint64_t lin_ld64(X86CPU *cpu, uint64_t lin);
void lin_st8(X86CPU *cpu, uint64_t lin, uint8_t v);
void lin_st16(X86CPU *cpu, uint64_t lin, uint16_t v);
void lin_st32(X86CPU *cpu, uint64_t lin, uint32_t v);
void lin_st64(X86CPU *cpu, uint64_t lin, uint64_t v);
/* Supervisor (implicit) accesses: descriptor tables, TSS, IDT, whatever
 * the CPL - they check supervisor rights only. */
uint8_t sys_ld8(X86CPU *cpu, uint64_t lin);
uint16_t sys_ld16(X86CPU *cpu, uint64_t lin);
uint32_t sys_ld32(X86CPU *cpu, uint64_t lin);
uint64_t sys_ld64(X86CPU *cpu, uint64_t lin);
void sys_st8(X86CPU *cpu, uint64_t lin, uint8_t v);
void sys_st16(X86CPU *cpu, uint64_t lin, uint16_t v);
void sys_st32(X86CPU *cpu, uint64_t lin, uint32_t v);
void sys_st64(X86CPU *cpu, uint64_t lin, uint64_t v);
/* Checks that [lin, lin+len) is writable (raises #PF if not) without
 * writing: for instructions that must not half-complete. */
void lin_probe_write(X86CPU *cpu, uint64_t lin, uint32_t len);

void tlb_flush(X86CPU *cpu);                     /* CR3 write, mode change */
void tlb_flush_page(X86CPU *cpu, uint64_t lin);  /* INVLPG */
/* Makes writes to this physical page take the slow path (it holds code). */
void tlb_protect_code(X86CPU *cpu, uint64_t phys_page);
/* Forgets the linear-address lookups of translated blocks (accel/tcg);
 * tlb_flush calls it, tlb_flush_page the one for the page at lin (blocks
 * starting there or on the page before). */
void tb_flush_jmp_cache(X86CPU *cpu);
void tb_flush_jmp_cache_page(X86CPU *cpu, uint64_t lin);
/* CR3 load with CR4.PGE: drops every entry but those of global pages. */
void tlb_flush_nonglobal(X86CPU *cpu);
/* Flushes the TLB if the physical memory map changed since it was filled
 * (cheap; the slow paths call it, the exec loop may too). */
void tlb_check_generation(X86CPU *cpu);

/* ---- segmentation (seg.c) ----------------------------------------------- */

/* Segment-relative data accesses: limit and rights checks (#GP, or #SS for
 * the stack segment), then the linear access.  In protected mode a segment
 * register holding a null selector has DESC_P_MASK clear in its cache:
 * accesses through it raise #GP(0).  In real mode only the (cached) limit
 * is checked, so "unreal mode" works.  Outside 64-bit mode the offset is
 * taken modulo 2^32 (as a 32-bit offset always was).  In 64-bit mode CS,
 * DS, ES and SS have base 0 and no limit, FS and GS add their base, and the
 * linear address must be canonical (#GP(0), #SS(0) for SS). */
uint8_t ld8(X86CPU *cpu, int seg, uint64_t off);
uint16_t ld16(X86CPU *cpu, int seg, uint64_t off);
uint32_t ld32(X86CPU *cpu, int seg, uint64_t off);
uint64_t ld64(X86CPU *cpu, int seg, uint64_t off);
void st8(X86CPU *cpu, int seg, uint64_t off, uint8_t v);
void st16(X86CPU *cpu, int seg, uint64_t off, uint16_t v);
void st32(X86CPU *cpu, int seg, uint64_t off, uint32_t v);
void st64(X86CPU *cpu, int seg, uint64_t off, uint64_t v);
/* Checks a write of len bytes at seg:off (limit, rights, paging) without
 * writing. */
void probe_write(X86CPU *cpu, int seg, uint64_t off, uint32_t len);

/* Segment register loads with all protection checks of the current mode:
 * MOV Sreg, POP Sreg, LDS/LES/LFS/LGS/LSS. */
void x86_load_seg(X86CPU *cpu, int seg, uint16_t sel);

/* ---- control transfers and interrupts (excp.c, ctrl.c, task.c) ------ */

/* Raise an exception: records it and longjmps to the exec loop. */
_Noreturn void raise_exception(X86CPU *cpu, int vec);
_Noreturn void raise_exception_err(X86CPU *cpu, int vec, uint32_t err);
/* INT n / INT3 / INTO: a software interrupt returning to next_rip. */
_Noreturn void raise_interrupt_sw(X86CPU *cpu, int vec);

/* Delivers cpu->exception_index (and error code) through the IVT/IDT,
 * escalating to #DF and triple fault as the manuals say. */
void x86_exception_deliver(X86CPU *cpu);
/* Between blocks: takes a pending NMI or (IF=1, not inhibited) INTR.
 * Returns true if it delivered one. */
bool x86_irq_check(X86CPU *cpu);

/* opsize 2, 4 or 8 (REX.W forms in 64-bit mode). */
void x86_far_jmp(X86CPU *cpu, uint16_t sel, uint64_t off);
void x86_far_call(X86CPU *cpu, uint16_t sel, uint64_t off, int opsize);
void x86_far_ret(X86CPU *cpu, int opsize, uint16_t pop_bytes);
void x86_iret(X86CPU *cpu, int opsize);

/* I/O permission: IOPL and the TSS bitmap (raises #GP(0)). */
void x86_check_io(X86CPU *cpu, uint16_t port, int size);

/* CR0/CR3/CR4 writes with their side effects (TLB flush, mode change). */
void x86_write_cr(X86CPU *cpu, int n, uint64_t val);

/* ---- lazy flags (flags.c) ---------------------------------------------- */

/* cc_op values; see flags.h for the full list. */
#include "cpu/x86/flags.h"

/* ---- register helpers ------------------------------------------------ */

static inline uint64_t reg_get(X86CPU *cpu, int r, int size)
{
    switch (size) {
    case 1: return r < 4 ? (uint8_t)cpu->regs[r] : (uint8_t)(cpu->regs[r - 4] >> 8);
    case 2: return (uint16_t)cpu->regs[r];
    case 4: return (uint32_t)cpu->regs[r];
    default: return cpu->regs[r];
    }
}

/* Writes of 4 bytes zero-extend to 64 bits, as in 64-bit mode; outside
 * it the upper half is invisible. */
static inline void reg_set(X86CPU *cpu, int r, int size, uint64_t v)
{
    switch (size) {
    case 1:
        if (r < 4)
            cpu->regs[r] = (cpu->regs[r] & ~0xffull) | (uint8_t)v;
        else
            cpu->regs[r - 4] = (cpu->regs[r - 4] & ~0xff00ull) | ((uint64_t)(uint8_t)v << 8);
        break;
    case 2: cpu->regs[r] = (cpu->regs[r] & ~0xffffull) | (uint16_t)v; break;
    case 4: cpu->regs[r] = (uint32_t)v; break;
    default: cpu->regs[r] = v; break;
    }
}

/* A register operand r (0..15) of instruction d: byte registers 4..7 are
 * AH, CH, DH, BH without a REX prefix and SPL, BPL, SIL, DIL with one;
 * 8..15 exist only with REX. */
static inline uint64_t opreg_get(X86CPU *cpu, const Insn *d, int r, int size)
{
    if (size == 1 && (d->rex || r >= 8))
        return (uint8_t)cpu->regs[r];
    return reg_get(cpu, r, size);
}

static inline void opreg_set(X86CPU *cpu, const Insn *d, int r, int size, uint64_t v)
{
    if (size == 1 && (d->rex || r >= 8))
        cpu->regs[r] = (cpu->regs[r] & ~0xffull) | (uint8_t)v;
    else
        reg_set(cpu, r, size, v);
}

/* Effective address (offset within d->seg) of the memory operand. */
static inline uint64_t insn_ea(X86CPU *cpu, const Insn *d)
{
    uint64_t a = (uint64_t)d->disp;
    if (d->base == REG_RIP)
        a += cpu->next_rip;
    else if (d->base != REG_NONE)
        a += cpu->regs[d->base];
    if (d->index != REG_NONE)
        a += cpu->regs[d->index] << d->scale;
    switch (d->adsize) {
    case 2: return (uint16_t)a;
    case 4: return (uint32_t)a;
    default: return a;
    }
}

static inline uint64_t mem_ld(X86CPU *cpu, int seg, uint64_t off, int size)
{
    switch (size) {
    case 1: return ld8(cpu, seg, off);
    case 2: return ld16(cpu, seg, off);
    case 4: return ld32(cpu, seg, off);
    default: return ld64(cpu, seg, off);
    }
}

static inline void mem_st(X86CPU *cpu, int seg, uint64_t off, int size, uint64_t v)
{
    switch (size) {
    case 1: st8(cpu, seg, off, v); break;
    case 2: st16(cpu, seg, off, v); break;
    case 4: st32(cpu, seg, off, v); break;
    default: st64(cpu, seg, off, v); break;
    }
}

/* The r/m operand: register (mod == 3) or memory. */
static inline uint64_t rm_get(X86CPU *cpu, const Insn *d, int size)
{
    if (d->mod == 3)
        return opreg_get(cpu, d, d->rrm, size);
    return mem_ld(cpu, d->seg, insn_ea(cpu, d), size);
}

static inline void rm_set(X86CPU *cpu, const Insn *d, int size, uint64_t v)
{
    if (d->mod == 3)
        opreg_set(cpu, d, d->rrm, size, v);
    else
        mem_st(cpu, d->seg, insn_ea(cpu, d), size, v);
}

static inline bool cpu_pe(const X86CPU *cpu) { return cpu->cr[0] & CR0_PE; }
static inline bool cpu_vm86(const X86CPU *cpu) { return cpu->eflags & VM_MASK; }
/* Protected mode and not virtual-8086. */
static inline bool cpu_prot(const X86CPU *cpu) { return cpu_pe(cpu) && !cpu_vm86(cpu); }
static inline bool cs_32(const X86CPU *cpu) { return cpu->seg[R_CS].flags & DESC_B_MASK; }
static inline bool ss_32(const X86CPU *cpu) { return cpu->seg[R_SS].flags & DESC_B_MASK; }
/* Code size of the current CS: 64 in 64-bit mode (EFER.LMA and CS.L). */
static inline int x86_code_mode(const X86CPU *cpu)
{
    if ((cpu->msr.efer & EFER_LMA) && (cpu->seg[R_CS].flags & DESC_L_MASK))
        return 64;
    return cs_32(cpu) ? 32 : 16;
}
/* Bits 63:47 all equal (48-bit linear addresses). */
static inline bool x86_canonical(uint64_t a)
{
    return (uint64_t)((int64_t)(a << 16) >> 16) == a;
}
/* IA-32e mode (EFER.LMA): 64-bit or compatibility mode. */
static inline bool x86_lma(const X86CPU *cpu) { return cpu->msr.efer & EFER_LMA; }
static inline uint32_t sp_mask(const X86CPU *cpu) { return ss_32(cpu) ? 0xffffffffu : 0xffffu; }

/* Iterations a REP string instruction runs before it lets the exec loop
 * serve timers and interrupts (it then restarts with the remaining count). */
#define REP_BURST 4096

/* ---- stack (stack.c) ------------------------------------------------- */

/* Push/pop of size 2 or 4 with the SS stack-size attribute, and of size
 * 2 or 8 on RSP in 64-bit mode. push writes before it moves ESP, pop reads
 * before it moves ESP, so faults restart. */
void x86_push(X86CPU *cpu, int size, uint64_t v);
uint64_t x86_pop(X86CPU *cpu, int size);
/* Read the value pop would return, without moving ESP. */
uint64_t x86_peek(X86CPU *cpu, int size, uint32_t offset);

#endif
