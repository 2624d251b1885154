/* X86CPU: the architectural state both accelerators agree on. */
#ifndef YL_CPU_H
#define YL_CPU_H

#include <setjmp.h>
#include <stdbool.h>
#include <stdint.h>

#include "yl/log.h"

struct Machine;
struct AddressSpace;
struct IOSpace;
struct TBCache;
struct TBJmpCache;

enum { R_EAX, R_ECX, R_EDX, R_EBX, R_ESP, R_EBP, R_ESI, R_EDI };
enum { R_ES, R_CS, R_SS, R_DS, R_FS, R_GS, R_LDTR, R_TR, R_NSEG };
#define SEG_NONE 0xff

/* EFLAGS bits */
#define CC_C 0x0001
#define CC_P 0x0004
#define CC_A 0x0010
#define CC_Z 0x0040
#define CC_S 0x0080
#define CC_O 0x0800
#define CC_ALL (CC_C | CC_P | CC_A | CC_Z | CC_S | CC_O)
#define TF_MASK 0x00000100
#define IF_MASK 0x00000200
#define DF_MASK 0x00000400
#define IOPL_MASK 0x00003000
#define IOPL_SHIFT 12
#define NT_MASK 0x00004000
#define RF_MASK 0x00010000
#define VM_MASK 0x00020000
#define AC_MASK 0x00040000
#define VIF_MASK 0x00080000
#define VIP_MASK 0x00100000
#define ID_MASK 0x00200000

/* CR0/CR4 bits */
#define CR0_PE 0x00000001
#define CR0_MP 0x00000002
#define CR0_EM 0x00000004
#define CR0_TS 0x00000008
#define CR0_ET 0x00000010
#define CR0_NE 0x00000020
#define CR0_WP 0x00010000
#define CR0_AM 0x00040000
#define CR0_NW 0x20000000
#define CR0_CD 0x40000000
#define CR0_PG 0x80000000
#define CR4_VME 0x0001
#define CR4_PVI 0x0002
#define CR4_TSD 0x0004
#define CR4_DE 0x0008
#define CR4_PSE 0x0010
#define CR4_PAE 0x0020
#define CR4_MCE 0x0040
#define CR4_PGE 0x0080
#define CR4_PCE 0x0100
#define CR4_OSFXSR 0x0200
#define CR4_OSXMMEXCPT 0x0400
#define CR4_OSXSAVE 0x40000

/* EFER bits */
#define EFER_SCE (1u << 0)
#define EFER_LME (1u << 8)
#define EFER_LMA (1u << 10)
#define EFER_NXE (1u << 11)

/* Exception vectors */
enum {
    EXC_DE = 0, EXC_DB = 1, EXC_NMI = 2, EXC_BP = 3, EXC_OF = 4, EXC_BR = 5,
    EXC_UD = 6, EXC_NM = 7, EXC_DF = 8, EXC_TS = 10, EXC_NP = 11, EXC_SS = 12,
    EXC_GP = 13, EXC_PF = 14, EXC_MF = 16, EXC_AC = 17, EXC_MC = 18, EXC_XM = 19,
};

/* Segment descriptor cache.  flags holds bits 8..23 of the descriptor's
 * high dword in place (type, S, DPL, P, AVL, L, D/B, G), as KVM does. */
typedef struct SegCache {
    uint16_t sel;
    uint64_t base;
    uint32_t limit;         /* byte granular, already scaled by G */
    uint32_t flags;
} SegCache;
#define DESC_TYPE_SHIFT 8
#define DESC_TYPE_MASK (15 << 8)
#define DESC_A_MASK (1 << 8)
#define DESC_W_MASK (1 << 9)    /* data: writable */
#define DESC_R_MASK (1 << 9)    /* code: readable */
#define DESC_E_MASK (1 << 10)   /* data: expand down */
#define DESC_C_MASK (1 << 10)   /* code: conforming */
#define DESC_CS_MASK (1 << 11)  /* code (vs data) */
#define DESC_S_MASK (1 << 12)
#define DESC_DPL_SHIFT 13
#define DESC_DPL_MASK (3 << 13)
#define DESC_P_MASK (1 << 15)
#define DESC_AVL_MASK (1 << 20)
#define DESC_L_MASK (1 << 21)
#define DESC_B_MASK (1 << 22)
#define DESC_G_MASK (1 << 23)

typedef struct DescTable {
    uint64_t base;
    uint32_t limit;
} DescTable;

/* One 80-bit x87 register as the FPU stores it: 64-bit significand with
 * explicit integer bit, sign and 15-bit exponent in exp. */
typedef struct FPReg {
    uint64_t mant;
    uint16_t exp;
} FPReg;

typedef struct X87State {
    FPReg st[8];            /* physical registers R0..R7 */
    uint16_t fcw, fsw;      /* fsw without TOP; top is kept separately */
    uint16_t ftw;           /* full tag word, 2 bits per physical register */
    uint8_t top;
    uint16_t fop;
    uint64_t fip, fdp;
    uint16_t fcs, fds;
} X87State;

typedef union XMMReg {
    uint8_t b[16];
    uint16_t w[8];
    uint32_t d[4];
    uint64_t q[2];
} XMMReg;

/* Software TLB (softmmu).  Two sets: supervisor and user accesses. */
#define TLB_BITS 10      /* 1024 entries: a third of the page walks of 256 */
#define TLB_SIZE (1 << TLB_BITS)
enum { MMU_KERNEL, MMU_USER, MMU_NMODES };
typedef struct TLBEntry {
    /* Page-aligned linear address with the low bits as flags (TLB_*), or
     * TLB_INVALID.  A tag matches only when the flags are clear, so MMIO and
     * code pages fall to the slow path. */
    uint64_t addr_read, addr_write, addr_code;
    uintptr_t addend;       /* host = linear + addend for RAM */
    uint64_t phys;          /* page-aligned guest physical address */
} TLBEntry;
#define TLB_INVALID ((uint64_t)-1)
#define TLB_MMIO 0x1
#define TLB_NOTDIRTY 0x2    /* RAM page holding code: writes go slow */

typedef struct MSRState {
    uint64_t tsc_offset;
    uint64_t apic_base;
    uint64_t sysenter_cs, sysenter_esp, sysenter_eip;
    uint64_t efer;
    uint64_t pat;
    uint64_t misc_enable;
    uint64_t tsc_aux;       /* IA32_TSC_AUX (RDTSCP) */
    uint64_t xcr0;          /* XCR0 (XSETBV); bit 0 reads as 1 whatever is
                               stored, so the all-zero reset state is right */
    /* SYSCALL/SYSRET and SWAPGS (the FS/GS bases live in seg[].base) */
    uint64_t star, lstar, cstar, sfmask;
    uint64_t kernel_gs_base;
    /* MTRRs: storage only (caching is not modelled) */
    uint64_t mtrr_deftype;
    uint64_t mtrr_fixed[11];
    uint64_t mtrr_var[16];  /* PHYSBASE0, PHYSMASK0, ... PHYSMASK7 */
} MSRState;

/* The MTRRs one by one, k = 0 .. X86_NMTRRS-1 in MSRState's order
 * (MTRRdefType, the fixed ranges, the variable pairs): the MSR number in
 * *index and where the value lives.  KVM carries the same set. */
#define X86_NMTRRS (1 + 11 + 16)
uint64_t *x86_mtrr_msr(MSRState *m, int k, uint32_t *index);

typedef struct X86CPU {
    /* General state */
    uint64_t regs[16];
    uint64_t rip;           /* EIP of the instruction being executed */
    uint64_t next_rip;      /* EIP after it (set by the exec loop) */
    uint32_t eflags;        /* without the lazy arithmetic flags */
    /* Lazy flags: the last flag-setting operation and its operands. */
    uint32_t cc_op;
    uint64_t cc_dst, cc_src, cc_src2;

    SegCache seg[R_NSEG];   /* ES CS SS DS FS GS LDTR TR */
    DescTable gdt, idt;
    uint64_t cr[9];
    uint64_t dr[8];
    int cpl;
    MSRState msr;
    uint64_t tsc_base;      /* virtual ns -> TSC conversion origin */

    X87State fpu;
    XMMReg xmm[16];
    uint32_t mxcsr;

    /* Events */
    bool halted;
    bool wait_for_sipi;     /* an AP after RESET or INIT: runs nothing until a
                               start-up IPI (x86_cpu_sipi) */
    bool irq_line;          /* INTR from the PIC */
    bool nmi_pending;
    bool inhibit_irq;       /* after STI / MOV SS / POP SS */
    int exception_index;    /* -1: none */
    uint32_t error_code;
    bool has_error_code;
    bool exception_is_sw;   /* INT n / INT3 / INTO: uses next_rip, DPL check */
    int fault_nesting;      /* for #DF / triple fault */
    int delivering_vector;  /* event being delivered while fault_nesting > 0
                               (-1: external interrupt) */
    bool nmi_blocked;       /* from NMI delivery to the next IRET */
    /* INTA: asks the interrupt controller for the vector. */
    int (*irq_ack)(void *opaque);
    void *irq_ack_opaque;

    /* Execution */
    jmp_buf jmp_env;
    volatile int exit_request;  /* leave cpu_exec at the next check */
    bool tb_invalidated;    /* a write hit the running block's code */
    /* Switches of the software CPU, for tests that compare its modes and
     * for debugging (all off: the normal, fastest configuration). */
    bool tcg_nocache;   /* translate every block afresh: nothing is reused */
    bool tcg_nochain;   /* back to the outer loop after every block (-d nochain) */
    bool tcg_nojit;     /* run decoded blocks in the interpreter, no host code */
    /* JIT block chaining (accel/tcg/jit): how many more blocks may follow
     * by direct jumps before the exec loop must look at its clock, and the
     * jump a block left through that may be pointed at the next block. */
    int32_t jit_chain_budget;
    uint32_t clock_check_blocks;    /* blocks between looks at the clock */
    void *jit_chain_from;
    TLBEntry tlb[MMU_NMODES][TLB_SIZE];
    uint32_t tlb_generation;    /* as->generation the TLB was filled under */
    bool tlb_has_large;         /* some entry came from a 2/4 MiB page */
    /* The lowest and highest page of those entries: INVLPG elsewhere need
     * not look for them (user pages vs the kernel's large direct map). */
    uint64_t tlb_large_lo, tlb_large_hi;
    uint64_t pdpte[4];          /* PAE: PDPTEs loaded with CR3 */
    uint32_t a20_mask;
    uint32_t cpuid_version; /* CPUID.1.EAX */
    /* -cpu: what CPUID shows (yl/cpumodel.h); NULL: the default model.
     * Set before x86_cpu_reset, which takes cpuid_version from it. */
    const struct X86CPUModel *model;
    int cpu_index;          /* 0 is the bootstrap processor; = initial APIC ID */
    int cpuid_logical;      /* logical processors per package, CPUID.1
                               EBX[23:16] (with EDX.HTT when > 1) */

    struct Machine *machine;
    struct AddressSpace *as;
    struct IOSpace *io;
    struct TBCache *tbc;    /* the translated blocks, shared by all CPUs */
    struct TBJmpCache *tb_jmp;  /* this CPU's jump cache and running block */
    const Log *log;
} X86CPU;

/* Lifecycle (cpu/x86/cpu.c). */
void x86_cpu_init(X86CPU *cpu, struct Machine *m, struct AddressSpace *as,
                  struct IOSpace *io, const Log *log);
void x86_cpu_reset(X86CPU *cpu);       /* power-on / RESET state, F000:FFF0 */
/* An INIT: the RESET state except x87/SSE registers, MTRRs and the TSC
 * (SDM vol. 3 table 9-1); an AP then waits for a SIPI. */
void x86_cpu_init_ipi(X86CPU *cpu);
/* A start-up IPI: a CPU waiting for one starts in real mode at
 * CS = vector << 8, IP = 0; any other CPU ignores it. */
void x86_cpu_sipi(X86CPU *cpu, uint8_t vector);
void x86_cpu_dump(X86CPU *cpu, FILE *f);   /* -d cpu and `info registers` */
/* INTR level from the interrupt controller. */
void x86_cpu_set_irq(X86CPU *cpu, bool level);
/* Something the exec loop must see happened (an interrupt the guest may
 * take, an exit request): host code chained from block to block stops at
 * the next block's entry. */
void x86_cpu_stop_chain(X86CPU *cpu);
void x86_cpu_set_a20(X86CPU *cpu, bool enabled);
/* All of EFLAGS with the lazy flags folded in; and the reverse. */
uint32_t x86_get_eflags(X86CPU *cpu);
void x86_set_eflags(X86CPU *cpu, uint32_t val, uint32_t mask);
/* Loads a segment register in a way consistent with the current mode
 * (real/v86: base = sel << 4), without checks: for loaders and harnesses. */
void x86_load_seg_raw(X86CPU *cpu, int seg, uint16_t sel, uint64_t base,
                      uint32_t limit, uint32_t flags);

#endif
