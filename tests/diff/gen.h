/* Internals of the case generator shared by its parts (gen.c: integer
 * and x87, gen-sse.c: SSE). */
#ifndef YL_TESTS_DIFF_GEN_H
#define YL_TESTS_DIFF_GEN_H

#include <stdbool.h>
#include <stdint.h>

#include "tests/diff/diff.h"

#define F_CF 0x001
#define F_PF 0x004
#define F_AF 0x010
#define F_ZF 0x040
#define F_SF 0x080
#define F_OF 0x800
#define F_ALL (F_CF | F_PF | F_AF | F_ZF | F_SF | F_OF)
#define F_DF 0x400

#define C0 0x0100
#define C1 0x0200
#define C2 0x0400
#define C3 0x4000
#define C_ALL (C0 | C1 | C2 | C3)

typedef struct Gen {
    Rng *rng;
    DiffCase *c;
    uint8_t pinned, written;
    uint32_t undef;
    uint16_t cundef;
    bool mem_written;       /* pokes into the buffer may have been overwritten */
    bool fp_done;           /* a transcendental ran: no more x87 */
    bool string_ran;        /* a REP string op changed ECX */
    bool ptrs_moved;        /* a string op moved ESI/EDI (or ECX) */
} Gen;

/* One instruction being built, with its effects. */
typedef struct Ins {
    uint8_t b[20];
    int n;
    uint8_t writes;         /* GPRs written */
    uint32_t freads, fdef, fundef;
    uint16_t creads, cdef, cundef;
    bool memw;              /* writes memory */
    bool x87, trans;
} Ins;

/* An r/m operand: a register, or a memory operand's ModRM (reg field 0),
 * SIB and displacement bytes, aimed at buf_off in the buffer. */
typedef struct Opnd {
    bool mem;
    uint8_t reg;
    uint8_t ea[6];
    int nea;
    uint32_t buf_off;
} Opnd;

uint32_t rnd(Gen *g, uint32_t n);
bool chance(Gen *g, uint32_t n);
void put(Ins *i, uint8_t b);
void put_imm(Ins *i, uint32_t v, int bytes);
void put_modrm(Ins *i, const Opnd *o, int regfield);
uint8_t reg_bit(int r, int size);
bool pick_wreg(Gen *g, int size, uint8_t *out);
/* A memory operand of size bytes whose address is a multiple of align. */
bool pick_mem_aligned(Gen *g, int size, int align, Opnd *o);
bool pick_mem(Gen *g, int size, Opnd *o);
void maybe_segovr(Gen *g, Ins *i, const Opnd *o);

/* gen-sse.c */
bool gen_sse(Gen *g, Ins *i);
void gen_sse_init(Gen *g);

#endif
