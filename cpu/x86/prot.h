/* Protection internals shared by desc.c, ctrl.c, task.c, excp.c, io.c and
 * sysinsn.c: raw descriptors, segment cache loads, stacks that are not (yet)
 * the current one, and the task switch. */
#ifndef YL_X86_PROT_H
#define YL_X86_PROT_H

#include "cpu/x86/x86.h"

/* A descriptor as it sits in the GDT/LDT/IDT: two little-endian dwords. */
typedef struct Desc {
    uint32_t lo, hi;
} Desc;

/* System descriptor types (S = 0). */
enum {
    SYS_TSS16_AVAIL = 1, SYS_LDT = 2, SYS_TSS16_BUSY = 3, SYS_CALLGATE16 = 4,
    SYS_TASKGATE = 5, SYS_INTGATE16 = 6, SYS_TRAPGATE16 = 7,
    SYS_TSS32_AVAIL = 9, SYS_TSS32_BUSY = 11, SYS_CALLGATE32 = 12,
    SYS_INTGATE32 = 14, SYS_TRAPGATE32 = 15,
};
/* In IA-32e mode the 32-bit types name the 64-bit forms (16 bytes). */
enum {
    SYS_TSS64_AVAIL = 9, SYS_TSS64_BUSY = 11, SYS_CALLGATE64 = 12,
    SYS_INTGATE64 = 14, SYS_TRAPGATE64 = 15,
};

static inline uint32_t desc_base(const Desc *d)
{
    return (d->lo >> 16) | ((d->hi & 0xff) << 16) | (d->hi & 0xff000000);
}

static inline uint32_t desc_limit(const Desc *d)
{
    uint32_t l = (d->lo & 0xffff) | (d->hi & 0xf0000);
    return (d->hi & DESC_G_MASK) ? (l << 12) | 0xfff : l;
}

/* The attribute bits in SegCache.flags layout. */
static inline uint32_t desc_flags(const Desc *d) { return d->hi & 0x00f0ff00; }
static inline int desc_type(const Desc *d) { return (d->hi >> 8) & 15; }
static inline int desc_dpl(const Desc *d) { return (d->hi >> 13) & 3; }
static inline bool desc_present(const Desc *d) { return d->hi & DESC_P_MASK; }
static inline bool desc_is_seg(const Desc *d) { return d->hi & DESC_S_MASK; }
static inline bool desc_is_code(const Desc *d)
{
    return desc_is_seg(d) && (d->hi & DESC_CS_MASK);
}
static inline bool desc_is_data(const Desc *d)
{
    return desc_is_seg(d) && !(d->hi & DESC_CS_MASK);
}
static inline bool desc_conforming(const Desc *d)
{
    return desc_is_code(d) && (d->hi & DESC_C_MASK);
}

/* Gates: selector, offset, parameter count. */
static inline uint16_t gate_sel(const Desc *d) { return d->lo >> 16; }
static inline uint32_t gate_off(const Desc *d)
{
    return (d->lo & 0xffff) | (d->hi & 0xffff0000);
}
static inline int gate_params(const Desc *d) { return d->hi & 0x1f; }

static inline uint32_t seg_dpl(const SegCache *s)
{
    return (s->flags & DESC_DPL_MASK) >> DESC_DPL_SHIFT;
}

static inline int cpu_iopl(const X86CPU *cpu)
{
    return (cpu->eflags & IOPL_MASK) >> IOPL_SHIFT;
}

/* Error code of a selector fault: the index and TI bits, plus EXT. */
static inline uint32_t sel_err(uint16_t sel, bool ext)
{
    return (sel & 0xfffc) | (ext ? 1 : 0);
}

/* ---- desc.c ---- */

/* Linear address of the descriptor sel names; false when its index is past
 * the table limit (or TI=1 with no LDT).  The caller picks the fault. */
bool desc_addr(X86CPU *cpu, uint16_t sel, uint64_t *addr);
bool desc_read(X86CPU *cpu, uint16_t sel, Desc *d);
/* IA-32e mode system descriptors and call gates: the 16-byte form; upper
 * gets bits 63:32 of the base/offset.  False when the second half is past
 * the limit, or its type field (bits 12:8 of the 4th dword) is not 0. */
bool desc_read16(X86CPU *cpu, uint16_t sel, Desc *d, uint32_t *upper);
/* In IA-32e mode a code segment with L=1 (and D=0) is 64-bit code. */
static inline bool desc_long_code(const X86CPU *cpu, const Desc *d)
{
    return x86_lma(cpu) && (d->hi & DESC_L_MASK);
}
void desc_write_hi(X86CPU *cpu, uint16_t sel, Desc *d);
void desc_set_accessed(X86CPU *cpu, uint16_t sel, Desc *d);

/* Segment cache loads, no checks. */
void seg_load_desc(X86CPU *cpu, int seg, uint16_t sel, const Desc *d);
void seg_load_null(X86CPU *cpu, int seg, uint16_t sel);
/* The fixed flat 4 GiB segments SYSENTER/SYSEXIT/SYSCALL/SYSRET load:
 * code (64-bit code with long64) or writable data, accessed, DPL dpl. */
void seg_load_flat(X86CPU *cpu, int seg, uint16_t sel, int dpl, bool code, bool long64);
/* LDTR/TR from a 16-byte descriptor. */
void seg_load_desc16(X86CPU *cpu, int seg, uint16_t sel, const Desc *d, uint32_t upper);
/* Real mode: base = sel << 4, limit and attributes kept; v86: the fixed
 * 64 KiB ring-3 segment. */
void seg_load_real(X86CPU *cpu, int seg, uint16_t sel);
void seg_load_v86(X86CPU *cpu, int seg, uint16_t sel);
/* CS in protected mode, RPL forced to cpl; updates cpu->cpl. */
void seg_load_cs(X86CPU *cpu, uint16_t sel, const Desc *d, int cpl);
/* After a return to an outer level: data segment registers the new CPL may
 * not use become null. */
void seg_revalidate(X86CPU *cpu);

/* SS checks for a stack the CPU switches to (call gates, interrupts, task
 * switches): raises vec(sel) (#TS) or #SS(sel) for not-present. */
void check_new_ss(X86CPU *cpu, uint16_t sel, int cpl, Desc *d, int vec, bool ext);

/* LDTR/TR loads as LLDT/LTR do them (CPL and mode checked by the caller). */
void load_ldtr(X86CPU *cpu, uint16_t sel, int vec, bool ext);

/* ---- stacks that are not necessarily SS:ESP ---- */

typedef struct Stack {
    uint64_t base;
    uint32_t limit, flags;
    uint64_t esp, mask;
    bool user;              /* CPL-3 stack: user access rights */
    bool long64;            /* 64-bit stack: RSP, no limit, canonical */
    uint32_t fault_err;     /* #SS error code on a limit violation */
} Stack;

/* SS:ESP, or RSP in 64-bit mode. */
void stack_from_ss(X86CPU *cpu, Stack *s);
void stack_from_desc(Stack *s, const Desc *d, uint32_t esp, int cpl, uint16_t sel, bool ext);
/* A 64-bit stack at rsp for privilege level cpl (IA-32e transfers). */
void stack_long(Stack *s, uint64_t rsp, int cpl, uint32_t err);
/* size 2, 4 or 8 */
void stack_push(X86CPU *cpu, Stack *s, int size, uint64_t v);
uint64_t stack_read(X86CPU *cpu, Stack *s, uint32_t off, int size);
/* Sets ESP keeping the bits above the stack size (all of RSP for the
 * mask UINT64_MAX). */
void set_esp(X86CPU *cpu, uint64_t esp, uint64_t mask);

/* Reads SS:ESP for privilege level dpl from the current TSS. */
void tss_stack(X86CPU *cpu, int dpl, uint16_t *ss, uint32_t *esp, bool ext);
/* 64-bit TSS: RSPn (n 0..2) or, for ist 1..7, ISTn. */
uint64_t tss_rsp64(X86CPU *cpu, int n, int ist, bool ext);

/* ---- task.c ---- */

enum { TASK_JMP, TASK_CALL, TASK_IRET, TASK_INT };
/* Switches to the task whose TSS selector is sel (the selector of a TSS
 * descriptor, or the one in a task gate).  ret_eip is saved as the old
 * task's EIP. */
void task_switch(X86CPU *cpu, uint16_t sel, int reason, uint32_t ret_eip, bool ext);
/* After an exception through a task gate: its error code goes on the new
 * task's stack. */
void task_push_error(X86CPU *cpu, uint32_t err);

/* ---- excp.c ---- */

/* EFLAGS write by IRET/POPF-like loads with the privilege rules of cpl. */
void eflags_load(X86CPU *cpu, uint32_t val, int opsize, int cpl);

#endif
