/* Lazy flags and the flag results of the integer instructions: hand-made
 * cases, and random operands checked against the host CPU (x86-64) through
 * inline assembly.  Only the flags the manuals define are compared with
 * the host; the instructions run on register operands, so no memory or
 * exec loop is needed. */
#include <check.h>
#include <stdlib.h>

#include "cpu/x86/x86.h"

/* ---- the emulated side --------------------------------------------- */

static X86CPU *new_cpu(void)
{
    X86CPU *cpu = calloc(1, sizeof(*cpu));
    ck_assert_ptr_nonnull(cpu);
    cpu->eflags = 2;
    cc_set_flags(cpu, 0, CC_ALL);
    return cpu;
}

/* A register-form instruction: r/m = EAX/AL, reg = EBX/BL, CL counts. */
static Insn rr_insn(uint8_t map, uint8_t op, uint8_t reg, int opsize)
{
    Insn d;
    memset(&d, 0, sizeof(d));
    d.map = map;
    d.op = op;
    d.mod = 3;
    d.rm = R_EAX;
    d.rrm = d.rm;
    d.reg = reg;
    d.rreg = d.reg;
    d.opsize = opsize;
    d.adsize = 4;
    d.base = d.index = REG_NONE;
    d.seg_ovr = SEG_NONE;
    return d;
}

typedef struct EmuOut {
    uint32_t res, res2, flags;
} EmuOut;

static EmuOut emu_run(void (*fn)(X86CPU *, const Insn *), const Insn *d,
                      uint32_t a, uint32_t b, uint32_t c, uint32_t fin)
{
    X86CPU *cpu = new_cpu();
    cpu->regs[R_EAX] = a;
    cpu->regs[R_EBX] = b;
    cpu->regs[R_ECX] = c;
    cpu->regs[R_EDX] = 0;
    cc_set_flags(cpu, fin, CC_ALL);
    fn(cpu, d);
    EmuOut o = { (uint32_t)cpu->regs[R_EAX], (uint32_t)cpu->regs[R_EDX], cc_compute_all(cpu) };
    free(cpu);
    return o;
}

/* Handlers under test (declared by the decoder from ops-int.def too). */
void op_alu_E_G(X86CPU *cpu, const Insn *d);
void op_incdec_r(X86CPU *cpu, const Insn *d);
void op_neg_E(X86CPU *cpu, const Insn *d);
void op_grp2_E_CL(X86CPU *cpu, const Insn *d);
void op_mul_E(X86CPU *cpu, const Insn *d);
void op_imul1_E(X86CPU *cpu, const Insn *d);
void op_imul_G_E(X86CPU *cpu, const Insn *d);
void op_shld_CL(X86CPU *cpu, const Insn *d);
void op_shrd_CL(X86CPU *cpu, const Insn *d);
void op_bsf(X86CPU *cpu, const Insn *d);
void op_bt_E_G(X86CPU *cpu, const Insn *d);
void op_daa(X86CPU *cpu, const Insn *d);
void op_aam(X86CPU *cpu, const Insn *d);

/* ---- the host side --------------------------------------------------- */

/* The red zone is skipped before pushing, and flags go in and out
 * through the stack. */
#define FLAGS_IN "sub $128, %%rsp\n\tpush %[fl]\n\tpopf\n\t"
#define FLAGS_OUT "\n\tpushf\n\tpop %[fl]\n\tadd $128, %%rsp"

/* 16- and 32-bit forms; HOST_BIN adds the byte form (two-operand IMUL has
 * none: at -O0 even an unreachable "imulb" would reach the assembler). */
#define HOST_BIN_WL(name, insn)                                               \
static uint32_t host_wl_##name(int size, uint32_t *a, uint32_t b, uint32_t fin) \
{                                                                             \
    uint64_t fl = fin;                                                        \
    if (size == 2) {                                                          \
        uint16_t x = *a, y = b;                                               \
        asm(FLAGS_IN insn "w %[y], %[x]" FLAGS_OUT                            \
            : [x] "+r"(x), [fl] "+r"(fl) : [y] "r"(y) : "cc", "memory");      \
        *a = x;                                                               \
    } else {                                                                  \
        uint32_t x = *a, y = b;                                               \
        asm(FLAGS_IN insn "l %[y], %[x]" FLAGS_OUT                            \
            : [x] "+r"(x), [fl] "+r"(fl) : [y] "r"(y) : "cc", "memory");      \
        *a = x;                                                               \
    }                                                                         \
    return (uint32_t)fl;                                                      \
}

#define HOST_BIN(name, insn)                                                  \
HOST_BIN_WL(name, insn)                                                       \
static uint32_t host_##name(int size, uint32_t *a, uint32_t b, uint32_t fin) \
{                                                                             \
    uint64_t fl = fin;                                                        \
    if (size != 1)                                                            \
        return host_wl_##name(size, a, b, fin);                               \
    uint8_t x = *a, y = b;                                                    \
    asm(FLAGS_IN insn "b %[y], %[x]" FLAGS_OUT                                \
        : [x] "+q"(x), [fl] "+r"(fl) : [y] "q"(y) : "cc", "memory");          \
    *a = x;                                                                   \
    return (uint32_t)fl;                                                      \
}

HOST_BIN(add, "add")
HOST_BIN(or, "or")
HOST_BIN(adc, "adc")
HOST_BIN(sbb, "sbb")
HOST_BIN(and, "and")
HOST_BIN(sub, "sub")
HOST_BIN(xor, "xor")
HOST_BIN(cmp, "cmp")
HOST_BIN_WL(imul2, "imul")
#define host_imul2 host_wl_imul2

/* Shifts and rotates by CL. */
#define HOST_SHIFT(name, insn)                                                \
static uint32_t host_##name(int size, uint32_t *a, uint32_t cnt, uint32_t fin) \
{                                                                             \
    uint64_t fl = fin;                                                        \
    uint8_t c = cnt;                                                          \
    if (size == 1) {                                                          \
        uint8_t x = *a;                                                       \
        asm(FLAGS_IN insn "b %%cl, %[x]" FLAGS_OUT                            \
            : [x] "+q"(x), [fl] "+r"(fl) : "c"(c) : "cc", "memory");          \
        *a = x;                                                               \
    } else if (size == 2) {                                                   \
        uint16_t x = *a;                                                      \
        asm(FLAGS_IN insn "w %%cl, %[x]" FLAGS_OUT                            \
            : [x] "+r"(x), [fl] "+r"(fl) : "c"(c) : "cc", "memory");          \
        *a = x;                                                               \
    } else {                                                                  \
        uint32_t x = *a;                                                      \
        asm(FLAGS_IN insn "l %%cl, %[x]" FLAGS_OUT                            \
            : [x] "+r"(x), [fl] "+r"(fl) : "c"(c) : "cc", "memory");          \
        *a = x;                                                               \
    }                                                                         \
    return (uint32_t)fl;                                                      \
}

HOST_SHIFT(rol, "rol")
HOST_SHIFT(ror, "ror")
HOST_SHIFT(rcl, "rcl")
HOST_SHIFT(rcr, "rcr")
HOST_SHIFT(shl, "shl")
HOST_SHIFT(shr, "shr")
HOST_SHIFT(sar, "sar")

#define HOST_UN(name, insn)                                                   \
static uint32_t host_##name(int size, uint32_t *a, uint32_t fin)              \
{                                                                             \
    uint64_t fl = fin;                                                        \
    if (size == 1) {                                                          \
        uint8_t x = *a;                                                       \
        asm(FLAGS_IN insn "b %[x]" FLAGS_OUT                                  \
            : [x] "+q"(x), [fl] "+r"(fl) : : "cc", "memory");                 \
        *a = x;                                                               \
    } else if (size == 2) {                                                   \
        uint16_t x = *a;                                                      \
        asm(FLAGS_IN insn "w %[x]" FLAGS_OUT                                  \
            : [x] "+r"(x), [fl] "+r"(fl) : : "cc", "memory");                 \
        *a = x;                                                               \
    } else {                                                                  \
        uint32_t x = *a;                                                      \
        asm(FLAGS_IN insn "l %[x]" FLAGS_OUT                                  \
            : [x] "+r"(x), [fl] "+r"(fl) : : "cc", "memory");                 \
        *a = x;                                                               \
    }                                                                         \
    return (uint32_t)fl;                                                      \
}

HOST_UN(inc, "inc")
HOST_UN(dec, "dec")
HOST_UN(neg, "neg")

/* One-operand MUL/IMUL: *a is eAX in, low half out; *hi the high half. */
#define HOST_MUL(name, insn)                                                  \
static uint32_t host_##name(int size, uint32_t *a, uint32_t *hi, uint32_t b, \
                            uint32_t fin)                                     \
{                                                                             \
    uint64_t fl = fin;                                                        \
    if (size == 1) {                                                          \
        uint16_t ax = (uint8_t)*a;                                            \
        uint8_t y = b;                                                        \
        asm(FLAGS_IN insn "b %[y]" FLAGS_OUT                                  \
            : "+a"(ax), [fl] "+r"(fl) : [y] "q"(y) : "cc", "memory");         \
        *a = ax & 0xff;                                                       \
        *hi = ax >> 8;                                                        \
    } else if (size == 2) {                                                   \
        uint16_t ax = *a, dx = 0, y = b;                                      \
        asm(FLAGS_IN insn "w %[y]" FLAGS_OUT                                  \
            : "+a"(ax), "+d"(dx), [fl] "+r"(fl) : [y] "r"(y) : "cc", "memory"); \
        *a = ax;                                                              \
        *hi = dx;                                                             \
    } else {                                                                  \
        uint32_t ax = *a, dx = 0, y = b;                                      \
        asm(FLAGS_IN insn "l %[y]" FLAGS_OUT                                  \
            : "+a"(ax), "+d"(dx), [fl] "+r"(fl) : [y] "r"(y) : "cc", "memory"); \
        *a = ax;                                                              \
        *hi = dx;                                                             \
    }                                                                         \
    return (uint32_t)fl;                                                      \
}

HOST_MUL(mul, "mul")
HOST_MUL(imul1, "imul")

/* ---- random operands biased to the edges ------------------------------ */

static uint32_t rng_state = 12345;

static uint32_t rnd(void)
{
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 17;
    rng_state ^= rng_state << 5;
    return rng_state;
}

static uint32_t operand(void)
{
    static const uint32_t edge[] = {
        0, 1, 2, 0x7f, 0x80, 0xff, 0x7fff, 0x8000, 0xffff,
        0x7fffffff, 0x80000000, 0xffffffff, 0x0f, 0x10, 0x100,
    };
    uint32_t r = rnd();
    if ((r & 3) == 0)
        return edge[(r >> 2) % (sizeof(edge) / sizeof(edge[0]))];
    return rnd();
}

/* 64-bit operands: edges in either half, or anything. */
static uint64_t operand64(void)
{
    uint64_t v = (uint64_t)operand() << 32 | operand();
    switch (rnd() & 3) {
    case 0: return (int64_t)(int32_t)operand();
    case 1: return operand();
    default: return v;
    }
}

static uint32_t flags_in(void)
{
    return (rnd() & CC_ALL) | 2;
}

static uint32_t msk(int size)
{
    return size == 4 ? 0xffffffffu : (1u << (8 * size)) - 1;
}

static const int sizes[3] = { 1, 2, 4 };

#define ITER 3000

static void check_flags(const char *what, int size, uint32_t a, uint32_t b, uint32_t fin,
                        uint32_t got_res, uint32_t want_res, uint32_t got_f,
                        uint32_t want_f, uint32_t defined)
{
    ck_assert_msg((got_res & msk(size)) == (want_res & msk(size)),
                  "%s size %d a=%#x b=%#x fin=%#x: result %#x, host %#x",
                  what, size, a, b, fin, got_res & msk(size), want_res & msk(size));
    ck_assert_msg((got_f & defined) == (want_f & defined),
                  "%s size %d a=%#x b=%#x fin=%#x: flags %#x, host %#x (mask %#x)",
                  what, size, a, b, fin, got_f & defined, want_f & defined, defined);
}

/* ---- tests ------------------------------------------------------------ */

typedef uint32_t (*HostBin)(int, uint32_t *, uint32_t, uint32_t);

START_TEST(alu_vs_host)
{
    static const HostBin host[8] = {
        host_add, host_or, host_adc, host_sbb, host_and, host_sub, host_xor, host_cmp,
    };
    static const char *names[8] = { "add", "or", "adc", "sbb", "and", "sub", "xor", "cmp" };
    for (int op = 0; op < 8; op++) {
        bool logic = op == 1 || op == 4 || op == 6;
        uint32_t defined = logic ? CC_ALL & ~CC_A : CC_ALL;
        for (int si = 0; si < 3; si++) {
            int size = sizes[si];
            for (int i = 0; i < ITER; i++) {
                uint32_t a = operand() & msk(size), b = operand() & msk(size), fin = flags_in();
                uint32_t h = a;
                uint32_t hf = host[op](size, &h, b, fin);
                Insn d = rr_insn(MAP_1, op * 8 + (size == 1 ? 0 : 1), R_EBX,
                                 size == 1 ? 4 : size);
                EmuOut e = emu_run(op_alu_E_G, &d, a, b, 0, fin);
                check_flags(names[op], size, a, b, fin, e.res, h, e.flags, hf, defined);
            }
        }
    }
}
END_TEST

START_TEST(incdec_neg_vs_host)
{
    for (int si = 1; si < 3; si++) {
        int size = sizes[si];
        for (int i = 0; i < ITER; i++) {
            uint32_t a = operand() & msk(size), fin = flags_in(), h;
            for (int dec = 0; dec < 2; dec++) {
                h = a;
                uint32_t hf = dec ? host_dec(size, &h, fin) : host_inc(size, &h, fin);
                Insn d = rr_insn(MAP_1, dec ? 0x48 : 0x40, 0, size);
                EmuOut e = emu_run(op_incdec_r, &d, a, 0, 0, fin);
                check_flags(dec ? "dec" : "inc", size, a, 0, fin, e.res, h, e.flags, hf, CC_ALL);
            }
        }
    }
    for (int si = 0; si < 3; si++) {
        int size = sizes[si];
        for (int i = 0; i < ITER; i++) {
            uint32_t a = operand() & msk(size), fin = flags_in(), h = a;
            uint32_t hf = host_neg(size, &h, fin);
            Insn d = rr_insn(MAP_1, size == 1 ? 0xf6 : 0xf7, 3, size == 1 ? 4 : size);
            EmuOut e = emu_run(op_neg_E, &d, a, 0, 0, fin);
            check_flags("neg", size, a, 0, fin, e.res, h, e.flags, hf, CC_ALL);
        }
    }
}
END_TEST

START_TEST(shift_rotate_vs_host)
{
    static const HostBin host[8] = {
        host_rol, host_ror, host_rcl, host_rcr, host_shl, host_shr, host_shl, host_sar,
    };
    static const char *names[8] = { "rol", "ror", "rcl", "rcr", "shl", "shr", "sal", "sar" };
    for (int op = 0; op < 8; op++) {
        for (int si = 0; si < 3; si++) {
            int size = sizes[si];
            for (int i = 0; i < ITER; i++) {
                uint32_t a = operand() & msk(size), fin = flags_in();
                uint32_t cnt = (i & 1) ? 1 : rnd() & 0xff;
                uint32_t masked = cnt & 31, h = a;
                uint32_t hf = host[op](size, &h, cnt, fin);
                Insn d = rr_insn(MAP_1, size == 1 ? 0xd2 : 0xd3, op, size == 1 ? 4 : size);
                EmuOut e = emu_run(op_grp2_E_CL, &d, a, 0, cnt, fin);
                uint32_t defined;
                if (masked == 0)
                    defined = CC_ALL;
                else if (op < 4)        /* rotates touch CF (and OF) only */
                    defined = masked == 1 ? CC_ALL : CC_ALL & ~CC_O;
                else
                    defined = (masked == 1 ? CC_ALL : CC_ALL & ~CC_O) & ~CC_A;
                /* CF is undefined when SHL/SHR shift by the width or more */
                if (op >= 4 && masked >= 8u * size)
                    defined &= ~CC_C;
                check_flags(names[op], size, a, cnt, fin, e.res, h, e.flags, hf, defined);
            }
        }
    }
}
END_TEST

START_TEST(mul_vs_host)
{
    for (int si = 0; si < 3; si++) {
        int size = sizes[si];
        for (int i = 0; i < ITER; i++) {
            uint32_t a = operand() & msk(size), b = operand() & msk(size), fin = flags_in();
            for (int sgn = 0; sgn < 2; sgn++) {
                uint32_t lo = a, hi = 0;
                uint32_t hf = sgn ? host_imul1(size, &lo, &hi, b, fin)
                                  : host_mul(size, &lo, &hi, b, fin);
                /* r/m = EBX here: point rm at it */
                Insn d = rr_insn(MAP_1, size == 1 ? 0xf6 : 0xf7, sgn ? 5 : 4,
                                 size == 1 ? 4 : size);
                d.rm = R_EBX;
                d.rrm = d.rm;
                EmuOut e = emu_run(sgn ? op_imul1_E : op_mul_E, &d, a, b, 0, fin);
                uint32_t ehi = size == 1 ? (e.res >> 8) & 0xff : e.res2;
                check_flags(sgn ? "imul" : "mul", size, a, b, fin, e.res, lo, e.flags, hf,
                            CC_C | CC_O);
                ck_assert_uint_eq(ehi & msk(size), hi & msk(size));
            }
            if (size == 1)
                continue;
            uint32_t h = a;
            uint32_t hf = host_imul2(size, &h, b, fin);
            Insn d = rr_insn(MAP_0F, 0xaf, R_EAX, size);
            d.rm = R_EBX;
            d.rrm = d.rm;
            EmuOut e = emu_run(op_imul_G_E, &d, a, b, 0, fin);
            check_flags("imul2", size, a, b, fin, e.res, h, e.flags, hf, CC_C | CC_O);
        }
    }
}
END_TEST

START_TEST(hand_cases)
{
    Insn d;
    EmuOut e;
    /* 0x7f + 1 (byte): OF SF AF, no CF, result 0x80 */
    d = rr_insn(MAP_1, 0x00, R_EBX, 4);
    e = emu_run(op_alu_E_G, &d, 0x7f, 1, 0, 0);
    ck_assert_uint_eq(e.res & 0xff, 0x80);
    ck_assert_uint_eq(e.flags, CC_O | CC_S | CC_A);
    /* 0xff + 1 (byte): CF ZF AF PF */
    e = emu_run(op_alu_E_G, &d, 0xff, 1, 0, 0);
    ck_assert_uint_eq(e.flags, CC_C | CC_Z | CC_A | CC_P);
    /* ADC with CF in: 0xfffe + 1 + 1 = 0 (word): CF ZF AF PF */
    d = rr_insn(MAP_1, 0x11, R_EBX, 2);
    e = emu_run(op_alu_E_G, &d, 0xfffe, 1, 0, CC_C);
    ck_assert_uint_eq(e.res & 0xffff, 0);
    ck_assert_uint_eq(e.flags, CC_C | CC_Z | CC_A | CC_P);
    /* SBB with CF in: 0 - 0 - 1 (dword) = ffffffff: CF SF AF PF */
    d = rr_insn(MAP_1, 0x19, R_EBX, 4);
    e = emu_run(op_alu_E_G, &d, 0, 0, 0, CC_C);
    ck_assert_uint_eq(e.res, 0xffffffff);
    ck_assert_uint_eq(e.flags, CC_C | CC_S | CC_A | CC_P);
    /* INC keeps CF: 0x7fffffff + 1 with CF=1 -> OF SF AF CF */
    d = rr_insn(MAP_1, 0x40, 0, 4);
    e = emu_run(op_incdec_r, &d, 0x7fffffff, 0, 0, CC_C);
    ck_assert_uint_eq(e.flags, CC_O | CC_S | CC_A | CC_C | CC_P);
    /* NEG 0: CF clear; NEG 0x80 (byte): CF OF SF */
    d = rr_insn(MAP_1, 0xf6, 3, 4);
    e = emu_run(op_neg_E, &d, 0, 0, 0, CC_C);
    ck_assert_uint_eq(e.flags, CC_Z | CC_P);
    e = emu_run(op_neg_E, &d, 0x80, 0, 0, 0);
    ck_assert_uint_eq(e.flags & (CC_C | CC_O | CC_S), CC_C | CC_O | CC_S);
    /* SHL by 0 changes nothing, flags included */
    d = rr_insn(MAP_1, 0xd3, 4, 4);
    e = emu_run(op_grp2_E_CL, &d, 0x1234, 0, 32, CC_C | CC_O);
    ck_assert_uint_eq(e.res, 0x1234);
    ck_assert_uint_eq(e.flags, CC_C | CC_O);
    /* RCL byte by 9 == no change; by 10 == RCL by 1 */
    d = rr_insn(MAP_1, 0xd2, 2, 4);
    e = emu_run(op_grp2_E_CL, &d, 0x81, 0, 9, CC_C);
    ck_assert_uint_eq(e.res & 0xff, 0x81);
    e = emu_run(op_grp2_E_CL, &d, 0x81, 0, 10, 0);
    ck_assert_uint_eq(e.res & 0xff, 0x02);
    ck_assert_uint_eq(e.flags & CC_C, CC_C);
    /* SHLD eax, ebx, cl=4: 0x12345678,0x9abcdef0 -> 0x23456789 */
    d = rr_insn(MAP_0F, 0xa5, R_EBX, 4);
    e = emu_run(op_shld_CL, &d, 0x12345678, 0x9abcdef0, 4, 0);
    ck_assert_uint_eq(e.res, 0x23456789);
    ck_assert_uint_eq(e.flags & CC_C, CC_C);    /* bit 28 of 0x12345678 is 1 */
    d = rr_insn(MAP_0F, 0xad, R_EBX, 4);
    e = emu_run(op_shrd_CL, &d, 0x12345678, 0x9abcdef0, 4, CC_C);
    ck_assert_uint_eq(e.res, 0x01234567);
    ck_assert_uint_eq(e.flags & CC_C, CC_C);    /* bit 3 of 0x...78 is 1 */
    /* BSF with a zero source: ZF=1, destination kept */
    d = rr_insn(MAP_0F, 0xbc, R_EAX, 4);
    d.rm = R_EBX;
    d.rrm = d.rm;
    e = emu_run(op_bsf, &d, 0xdead, 0, 0, 0);
    ck_assert_uint_eq(e.res, 0xdead);
    ck_assert_uint_eq(e.flags & CC_Z, CC_Z);
    e = emu_run(op_bsf, &d, 0xdead, 0x100, 0, CC_Z);
    ck_assert_uint_eq(e.res, 8);
    ck_assert_uint_eq(e.flags & CC_Z, 0);
    /* BT eax, ebx=35: bit 3 (the register form masks the offset) */
    d = rr_insn(MAP_0F, 0xa3, R_EBX, 4);
    e = emu_run(op_bt_E_G, &d, 0x8, 35, 0, CC_Z);
    ck_assert_uint_eq(e.flags, CC_C | CC_Z);
    /* DAA: 0x15 + 0x27 = 0x3c -> 0x42 with AF */
    d = rr_insn(MAP_1, 0x27, 0, 4);
    e = emu_run(op_daa, &d, 0x3c, 0, 0, 0);
    ck_assert_uint_eq(e.res & 0xff, 0x42);
    ck_assert_uint_eq(e.flags & (CC_A | CC_C), CC_A);
    /* AAM 10: AL=0x4f (79) -> AH=7 AL=9 */
    d = rr_insn(MAP_1, 0xd4, 0, 4);
    d.imm = 10;
    e = emu_run(op_aam, &d, 0x4f, 0, 0, 0);
    ck_assert_uint_eq(e.res & 0xffff, 0x0709);
}
END_TEST

START_TEST(cc_conditions)
{
    X86CPU *cpu = new_cpu();
    /* CMP 1, 2 (signed and unsigned less) */
    cc_record(cpu, CC_OP_SUBL, (uint32_t)(1 - 2), 2, 1);
    ck_assert(cc_test(cpu, 0x2));       /* B */
    ck_assert(cc_test(cpu, 0x6));       /* BE */
    ck_assert(cc_test(cpu, 0xc));       /* L */
    ck_assert(cc_test(cpu, 0xe));       /* LE */
    ck_assert(!cc_test(cpu, 0x4));      /* E */
    ck_assert(cc_test(cpu, 0x8));       /* S */
    /* CMP 0x80, 1 as bytes: not below, but signed less; overflow */
    cc_record(cpu, CC_OP_SUBB, 0x7f, 1, 0x80);
    ck_assert(!cc_test(cpu, 0x2));
    ck_assert(cc_test(cpu, 0xc));
    ck_assert(cc_test(cpu, 0x0));       /* O */
    ck_assert(!cc_test(cpu, 0x8));
    /* 64-bit CMP 1, 2: below and less, as for 32 bits */
    cc_record(cpu, CC_OP_SUBQ, (uint64_t)1 - 2, 2, 1);
    ck_assert(cc_test(cpu, 0x2) && cc_test(cpu, 0xc) && cc_test(cpu, 0x8));
    ck_assert_uint_eq(cc_compute_all(cpu), CC_C | CC_S | CC_A | CC_P);
    /* 64-bit CMP INT64_MIN, 1: overflow, signed less, not below */
    cc_record(cpu, CC_OP_SUBQ, 0x7fffffffffffffffull, 1, 0x8000000000000000ull);
    ck_assert(!cc_test(cpu, 0x2) && cc_test(cpu, 0xc) && cc_test(cpu, 0x0));
    /* 64-bit ADD with a carry out of bit 63 and a zero result */
    cc_record(cpu, CC_OP_ADDQ, 0, 1, UINT64_MAX);
    ck_assert_uint_eq(cc_compute_all(cpu), CC_C | CC_Z | CC_P | CC_A);
    /* ADC Q: UINT64_MAX + UINT64_MAX + 1 = UINT64_MAX, carry */
    cc_record(cpu, CC_OP_ADCQ, UINT64_MAX, UINT64_MAX, UINT64_MAX);
    ck_assert_uint_eq(cc_compute_all(cpu) & (CC_C | CC_O), CC_C);
    /* Every condition agrees with the computed flags. */
    for (int i = 0; i < 2000; i++) {
        int op = 1 + rnd() % (CC_OP_COUNT - 1);
        /* Operands as the handlers record them: masked to the size, and
         * SUB's result consistent with its operands. */
        int sz = (op - 1) % CC_SIZES;
        uint64_t m = sz == 3 ? UINT64_MAX : msk(1 << sz);
        uint64_t a = operand64() & m, b = operand64() & m;
        bool sub = op >= CC_OP_SUBB && op <= CC_OP_SUBQ;
        uint64_t r = sub ? (a - b) & m : operand64() & m;
        cc_record(cpu, op, r, sub || (rnd() & 1) ? b : rnd() & 1, a);
        uint32_t f = cc_compute_all(cpu);
        bool s = f & CC_S, o = f & CC_O;
        bool want[8] = { f & CC_O, f & CC_C, f & CC_Z, f & (CC_C | CC_Z), s, f & CC_P,
                         s != o, (f & CC_Z) || s != o };
        for (int c = 0; c < 16; c++)
            ck_assert_msg(cc_test(cpu, c) == (want[c >> 1] ^ (c & 1)),
                          "op %d cond %d", op, c);
        ck_assert_uint_eq(cc_compute_c(cpu), f & CC_C);
    }
    free(cpu);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("flags");
    TCase *tc = tcase_create("flags");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, hand_cases);
    tcase_add_test(tc, cc_conditions);
    tcase_add_test(tc, alu_vs_host);
    tcase_add_test(tc, incdec_neg_vs_host);
    tcase_add_test(tc, shift_rotate_vs_host);
    tcase_add_test(tc, mul_vs_host);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? 1 : 0;
}
