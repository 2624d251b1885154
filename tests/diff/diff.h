/* Differential tester: the host CPU is the oracle for user-level 32-bit
 * integer and x87 instructions.  The same instruction bytes run natively
 * (as 64-bit code, using only encodings that mean the same there) and in
 * Yinglong as flat 32-bit protected-mode code; then registers, the flags
 * the manuals define, the data buffer and the x87 state are compared.
 * With -m 64 the cases are 64-bit integer code, run natively as such and
 * in Yinglong in 64-bit long mode (identity-mapped 4-level paging). */
#ifndef YL_TESTS_DIFF_H
#define YL_TESTS_DIFF_H

#include <stdbool.h>
#include <stdint.h>

/* The data buffer lives at the same address on both sides, so [ebx] means
 * the same thing natively (64-bit addressing with a zero-extended base) and
 * in the guest (flat segments, paging off). */
#define DIFF_BUF_ADDR 0x10000000u
#define DIFF_BUF_SIZE 4096u
/* Memory operands aim at this window of the buffer; the margins absorb
 * disp8 reach and string instructions moving ESI/EDI. */
#define DIFF_TARGET_LO 0x400u
#define DIFF_TARGET_HI 0xc00u
/* ESP is never written by generated code: a fixed value that is also the
 * guest's stack top, so the guest's exception frame lands where we can
 * read the faulting EIP. */
#define DIFF_ESP_PIN 0x10080000u

#define DIFF_MAX_CODE 128
#define DIFF_MAX_INSNS 8

/* Layout known to the native trampolines' assembly: r at 0, eflags at 32,
 * fpu (an FNSAVE image, 32-bit format) at 40, mxcsr at 148, xmm0-7 at 160,
 * r64 at 288. */
typedef struct DiffState {
    uint32_t r[8];
    uint64_t eflags;
    uint8_t fpu[108];
    uint32_t mxcsr;
    uint32_t pad[2];
    uint8_t xmm[8][16];
    uint64_t r64[16];       /* 64-bit mode: RAX..R15 (r[] unused) */
} DiffState;

/* In 64-bit mode the code lies at this fixed address on both sides, so
 * that RIP-relative operands reach the data buffer alike. */
#define DIFF_CODE_ADDR (DIFF_BUF_ADDR + 0x10000u)

/* FNSAVE image fields */
#define FPU_FCW 0
#define FPU_FSW 4
#define FPU_FTW 8
#define FPU_ST0 28

/* How a run ended: normally, or with a fault at an instruction. */
enum { FAULT_NONE, FAULT_DE, FAULT_UD, FAULT_GP, FAULT_OTHER, FAULT_XM };

typedef struct DiffResult {
    DiffState st;
    uint8_t mem[DIFF_BUF_SIZE];
    int fault;              /* FAULT_* */
    int fault_off;          /* offset of the faulting instruction in code */
    int guest_vec;          /* guest: the raw vector, or -1 */
    bool hang;
} DiffResult;

typedef struct DiffCase {
    uint64_t index;
    bool mode64;            /* 64-bit code (long mode in the guest) */
    DiffState init;
    uint8_t mem[DIFF_BUF_SIZE];
    uint8_t code[DIFF_MAX_CODE];
    int code_len;
    int ninsns;
    uint8_t insn_off[DIFF_MAX_INSNS + 1];
    uint32_t flags_undef;   /* EFLAGS bits whose final value is undefined */
    uint16_t fsw_undef;     /* C0-C3 bits whose final value is undefined */
    bool fp_inexact;        /* transcendentals ran: 1-ulp tolerance */
    /* The same after each instruction, to find the first bad one. */
    uint32_t undef_after[DIFF_MAX_INSNS];
    uint16_t cundef_after[DIFF_MAX_INSNS];
} DiffCase;

typedef struct Rng {
    uint64_t s;
} Rng;

static inline uint64_t rng_next(Rng *r)
{
    uint64_t x = r->s;
    x ^= x >> 12;
    x ^= x << 25;
    x ^= x >> 27;
    r->s = x;
    return x * 0x2545F4914F6CDD1Dull;
}

static inline uint32_t rng_below(Rng *r, uint32_t n)
{
    return (uint32_t)((rng_next(r) >> 32) % n);
}

/* gen.c */
void diff_gen_case(Rng *rng, DiffCase *c);
/* gen64.c: 64-bit integer code (REX forms, r8-r15, RIP-relative). */
void diff_gen_case64(Rng *rng, DiffCase *c);

/* native.c */
int diff_native_init(void);
void diff_native_run(const DiffCase *c, DiffResult *out);

/* guest.c */
struct DiffGuest;
/* mode64: set up for 64-bit cases (long mode) instead of 32-bit ones. */
struct DiffGuest *diff_guest_new(bool mode64);
void diff_guest_free(struct DiffGuest *g);
void diff_guest_run(struct DiffGuest *g, const DiffCase *c, DiffResult *out);

/* The software CPU's switches (X86CPU.tcg_*): all false is the default. */
typedef struct DiffTcg {
    bool nocache, nochain, nojit;
} DiffTcg;
void diff_guest_set_tcg(struct DiffGuest *g, DiffTcg t);

#endif
