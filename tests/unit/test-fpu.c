/* The x87 FPU: conversions between the stack and m32/m64/m80/integer/BCD
 * memory operands (round trips and known encodings), rounding and
 * precision control, special values, stack faults, exception masking, and
 * the handlers' #NM/#MF and EFLAGS behaviour.  Expected values are
 * constants worked out from the manuals' formats, not recomputed by the
 * host. */
#include <check.h>
#include <setjmp.h>
#include <stdlib.h>

#include "cpu/x86/fpu.h"
#include "yl/machine.h"

/* Handlers under test (declared by the decoder from ops-x87.def). */
void op_fpu_reg(X86CPU *cpu, const Insn *d);
void op_fpu_reg_flags(X86CPU *cpu, const Insn *d);
void op_fwait(X86CPU *cpu, const Insn *d);
void op_fninit(X86CPU *cpu, const Insn *d);
void op_fnclex(X86CPU *cpu, const Insn *d);
void op_fnstsw_ax(X86CPU *cpu, const Insn *d);

/* Opcode and ModRM.reg of the memory forms used here. */
enum {
    FLD_M32 = 0xd900, FSTP_M32 = 0xd903, FLD_M64 = 0xdd00, FSTP_M64 = 0xdd03,
    FLD_M80 = 0xdb05, FSTP_M80 = 0xdb07, FILD_M16 = 0xdf00, FISTP_M16 = 0xdf03,
    FILD_M32 = 0xdb00, FIST_M32 = 0xdb02, FISTP_M32 = 0xdb03,
    FILD_M64 = 0xdf05, FISTP_M64 = 0xdf07, FBLD = 0xdf04, FBSTP = 0xdf06,
    FADD_M32 = 0xd800,
};

static X87State fresh(uint16_t fcw)
{
    X87State s;
    memset(&s, 0, sizeof(s));
    x87_init_state(&s);
    s.fcw = fcw;
    return s;
}

static void mem_op(X87State *s, int opreg, void *buf)
{
    uint8_t tmp[10] = { 0 };
    memcpy(tmp, buf, 10);
    x87_host_exec(s, (uint8_t)(opreg >> 8), (uint8_t)((opreg & 7) << 3), tmp, 0);
    memcpy(buf, tmp, 10);
}

static uint32_t reg_op(X87State *s, uint8_t op, uint8_t modrm, uint32_t fl)
{
    return x87_host_exec(s, op, modrm, NULL, fl);
}

static const FPReg *st(const X87State *s, int i)
{
    return &s->st[(s->top + i) & 7];
}

static int tag(const X87State *s, int phys)
{
    return (s->ftw >> (2 * phys)) & 3;
}

/* ---- m32 / m64 / m80 ---- */

static const uint32_t f32_cases[] = {
    0x00000000, 0x80000000, 0x3f800000, 0xbf800000, 0x00000001, 0x807fffff,
    0x00800000, 0x7f7fffff, 0x7f800000, 0xff800000, 0x7fc00000, 0xffc12345,
    0x40490fdb,
};

START_TEST(m32_round_trip)
{
    uint32_t v = f32_cases[_i];
    X87State s = fresh(FCW_INIT);
    uint8_t buf[10] = { 0 };
    memcpy(buf, &v, 4);
    mem_op(&s, FLD_M32, buf);
    ck_assert_int_eq(s.top, 7);
    ck_assert_int_ne(tag(&s, 7), TAG_EMPTY);
    memset(buf, 0xaa, sizeof(buf));
    mem_op(&s, FSTP_M32, buf);
    uint32_t out;
    memcpy(&out, buf, 4);
    ck_assert_uint_eq(out, v);
    ck_assert_int_eq(s.top, 0);
    ck_assert_int_eq(tag(&s, 7), TAG_EMPTY);
    ck_assert_int_eq(s.fsw & (FSW_IE | FSW_SF), 0);
}
END_TEST

START_TEST(m32_to_extended)
{
    X87State s = fresh(FCW_INIT);
    uint32_t one = 0x3f800000, tiny = 0x00000001;
    uint8_t buf[10] = { 0 };
    memcpy(buf, &one, 4);
    mem_op(&s, FLD_M32, buf);
    ck_assert_uint_eq(st(&s, 0)->mant, 0x8000000000000000ull);
    ck_assert_uint_eq(st(&s, 0)->exp, 0x3fff);
    ck_assert_int_eq(tag(&s, 7), TAG_VALID);
    ck_assert_int_eq(s.fsw & FSW_DE, 0);
    memcpy(buf, &tiny, 4);
    mem_op(&s, FLD_M32, buf);       /* 2^-149, normalised, DE flagged */
    ck_assert_uint_eq(st(&s, 0)->mant, 0x8000000000000000ull);
    ck_assert_uint_eq(st(&s, 0)->exp, 0x3fff - 149);
    ck_assert_int_ne(s.fsw & FSW_DE, 0);
}
END_TEST

static const uint64_t f64_cases[] = {
    0, 0x8000000000000000ull, 0x3ff0000000000000ull, 0x0000000000000001ull,
    0x000fffffffffffffull, 0x7fefffffffffffffull, 0x7ff0000000000000ull,
    0xfff8000000000000ull, 0x400921fb54442d18ull, 0xc1d2345678abcdefull,
};

START_TEST(m64_round_trip)
{
    uint64_t v = f64_cases[_i], out;
    X87State s = fresh(FCW_INIT);
    uint8_t buf[10] = { 0 };
    memcpy(buf, &v, 8);
    mem_op(&s, FLD_M64, buf);
    memset(buf, 0x55, sizeof(buf));
    mem_op(&s, FSTP_M64, buf);
    memcpy(&out, buf, 8);
    ck_assert_uint_eq(out, v);
    ck_assert_int_eq(s.fsw & FSW_IE, 0);
}
END_TEST

/* FLD m80 / FSTP m80 move any bit pattern unchanged, unsupported formats
 * (unnormals, pseudo-NaNs, pseudo-denormals) included. */
static const FPReg f80_cases[] = {
    { 0x8000000000000000ull, 0x3fff }, { 0, 0x8000 },
    { 0xc000000000000000ull, 0xffff }, { 0x8000000000000001ull, 0x7fff },
    { 0x4000000000000000ull, 0x0001 }, { 0x4000000000000000ull, 0x7fff },
    { 0x8000000000000000ull, 0x0000 }, { 0x0000000000000001ull, 0x0000 },
    { 0xffffffffffffffffull, 0x7ffe },
};

START_TEST(m80_round_trip)
{
    const FPReg *v = &f80_cases[_i];
    X87State s = fresh(FCW_INIT);
    uint8_t buf[10], out[10];
    x87_reg_to_bytes(v, buf);
    mem_op(&s, FLD_M80, buf);
    ck_assert_uint_eq(st(&s, 0)->mant, v->mant);
    ck_assert_uint_eq(st(&s, 0)->exp, v->exp);
    ck_assert_int_eq(s.fsw & FSW_EXC, 0);
    memset(out, 0, sizeof(out));
    mem_op(&s, FSTP_M80, out);
    ck_assert_int_eq(memcmp(out, buf, 10), 0);
}
END_TEST

/* ---- integers ---- */

START_TEST(int_round_trips)
{
    static const int16_t w[] = { 0, 1, -1, 32767, -32768, 1234 };
    static const int32_t l[] = { 0, -7, 2147483647, -2147483647 - 1 };
    static const int64_t q[] = { 0, INT64_MAX, INT64_MIN, 123456789012345678ll, -3 };
    uint8_t buf[10];
    for (unsigned i = 0; i < sizeof(w) / sizeof(w[0]); i++) {
        X87State s = fresh(FCW_INIT);
        int16_t out;
        memcpy(buf, &w[i], 2);
        mem_op(&s, FILD_M16, buf);
        memset(buf, 0, sizeof(buf));
        mem_op(&s, FISTP_M16, buf);
        memcpy(&out, buf, 2);
        ck_assert_int_eq(out, w[i]);
        ck_assert_int_eq(s.fsw & FSW_EXC, 0);
    }
    for (unsigned i = 0; i < sizeof(l) / sizeof(l[0]); i++) {
        X87State s = fresh(FCW_INIT);
        int32_t out;
        memcpy(buf, &l[i], 4);
        mem_op(&s, FILD_M32, buf);
        mem_op(&s, FISTP_M32, buf);
        memcpy(&out, buf, 4);
        ck_assert_int_eq(out, l[i]);
    }
    for (unsigned i = 0; i < sizeof(q) / sizeof(q[0]); i++) {
        X87State s = fresh(FCW_INIT);
        int64_t out;
        memcpy(buf, &q[i], 8);
        mem_op(&s, FILD_M64, buf);
        mem_op(&s, FISTP_M64, buf);
        memcpy(&out, buf, 8);
        ck_assert_int_eq(out, q[i]);
        ck_assert_int_eq(s.fsw & FSW_EXC, 0);
    }
}
END_TEST

START_TEST(fild_encoding)
{
    X87State s = fresh(FCW_INIT);
    int32_t v = -6;
    uint8_t buf[10] = { 0 };
    memcpy(buf, &v, 4);
    mem_op(&s, FILD_M32, buf);
    ck_assert_uint_eq(st(&s, 0)->mant, 0xc000000000000000ull);
    ck_assert_uint_eq(st(&s, 0)->exp, 0xc001);
    v = 0;
    memcpy(buf, &v, 4);
    mem_op(&s, FILD_M32, buf);
    ck_assert_int_eq(tag(&s, s.top), TAG_ZERO);
    ck_assert_uint_eq(st(&s, 0)->exp, 0);
}
END_TEST

/* FIST under the four rounding modes: nearest-even, down, up, chop. */
START_TEST(fist_rounding)
{
    static const struct { double in; int32_t out[4]; } c[] = {
        { 2.5, { 2, 2, 3, 2 } }, { -2.5, { -2, -3, -2, -2 } },
        { 3.5, { 4, 3, 4, 3 } }, { 0.25, { 0, 0, 1, 0 } },
        { -0.75, { -1, -1, 0, 0 } }, { 7.0, { 7, 7, 7, 7 } },
    };
    for (unsigned i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
        for (int rc = 0; rc < 4; rc++) {
            X87State s = fresh(FCW_INIT | rc << 10);
            uint8_t buf[10] = { 0 };
            int32_t out;
            memcpy(buf, &c[i].in, 8);
            mem_op(&s, FLD_M64, buf);
            mem_op(&s, FIST_M32, buf);
            memcpy(&out, buf, 4);
            ck_assert_msg(out == c[i].out[rc], "%g rc=%d: %d", c[i].in, rc, out);
            ck_assert_int_eq(!!(s.fsw & FSW_PE), c[i].in != 7.0);
            ck_assert_int_eq(s.top, 7);     /* FIST does not pop */
        }
    }
}
END_TEST

START_TEST(fist_overflow)
{
    X87State s = fresh(FCW_INIT);
    double big = 1e10;
    uint8_t buf[10] = { 0 };
    uint16_t w;
    memcpy(buf, &big, 8);
    mem_op(&s, FLD_M64, buf);
    mem_op(&s, FISTP_M16, buf);
    memcpy(&w, buf, 2);
    ck_assert_uint_eq(w, 0x8000);           /* integer indefinite */
    ck_assert_int_ne(s.fsw & FSW_IE, 0);
    ck_assert_int_eq(s.fsw & FSW_ES, 0);    /* masked */

    /* Unmasked: nothing stored, nothing popped, exception pending. */
    s = fresh(FCW_INIT & ~FSW_IE);
    memcpy(buf, &big, 8);
    mem_op(&s, FLD_M64, buf);
    memset(buf, 0x11, sizeof(buf));
    mem_op(&s, FISTP_M16, buf);
    ck_assert_int_eq(s.top, 7);
    ck_assert_uint_eq(buf[0], 0x11);
    ck_assert_int_ne(s.fsw & FSW_ES, 0);
    ck_assert_int_ne(s.fsw & FSW_B, 0);
    ck_assert(x87_pending(&s));
}
END_TEST

/* ---- packed BCD ---- */

START_TEST(bcd)
{
    static const uint8_t neg[10] = { 0x78, 0x56, 0x34, 0x12, 0, 0, 0, 0, 0, 0x80 };
    static const uint8_t pos[10] = { 0x21, 0x43, 0x65, 0x87, 0x09, 0, 0, 0, 0, 0 };
    static const uint8_t indef[10] = { 0, 0, 0, 0, 0, 0, 0, 0xc0, 0xff, 0xff };
    X87State s = fresh(FCW_INIT);
    uint8_t buf[10];
    int32_t v;
    memcpy(buf, neg, 10);
    mem_op(&s, FBLD, buf);
    mem_op(&s, FISTP_M32, buf);
    memcpy(&v, buf, 4);
    ck_assert_int_eq(v, -12345678);

    v = 987654321;
    memcpy(buf, &v, 4);
    mem_op(&s, FILD_M32, buf);
    memset(buf, 0xee, 10);
    mem_op(&s, FBSTP, buf);
    ck_assert_int_eq(memcmp(buf, pos, 10), 0);

    /* 2.5 rounds to even; 1e18 does not fit in 18 digits. */
    double d = 2.5;
    memcpy(buf, &d, 8);
    mem_op(&s, FLD_M64, buf);
    mem_op(&s, FBSTP, buf);
    ck_assert_uint_eq(buf[0], 0x02);
    ck_assert_uint_eq(buf[9], 0x00);
    d = 1e18;
    memcpy(buf, &d, 8);
    mem_op(&s, FLD_M64, buf);
    mem_op(&s, FBSTP, buf);
    ck_assert_int_eq(memcmp(buf, indef, 10), 0);
    ck_assert_int_ne(s.fsw & FSW_IE, 0);
}
END_TEST

/* ---- special values, stack faults, masks ---- */

START_TEST(snan_load)
{
    X87State s = fresh(FCW_INIT);
    uint32_t snan = 0x7f800001, out;
    uint8_t buf[10] = { 0 };
    memcpy(buf, &snan, 4);
    mem_op(&s, FLD_M32, buf);
    ck_assert_int_ne(s.fsw & FSW_IE, 0);
    ck_assert_int_eq(s.fsw & FSW_SF, 0);
    mem_op(&s, FSTP_M32, buf);
    memcpy(&out, buf, 4);
    ck_assert_uint_eq(out, 0x7fc00001);     /* quieted */
}
END_TEST

START_TEST(stack_overflow)
{
    X87State s = fresh(FCW_INIT);
    for (int i = 0; i < 8; i++)
        reg_op(&s, 0xd9, 0xe8, 0);          /* FLD1 */
    ck_assert_int_eq(s.fsw & FSW_EXC, 0);
    reg_op(&s, 0xd9, 0xe8, 0);
    ck_assert_uint_eq(s.fsw & (FSW_IE | FSW_SF | FSW_C1), FSW_IE | FSW_SF | FSW_C1);
    ck_assert_uint_eq(st(&s, 0)->mant, 0xc000000000000000ull);   /* indefinite */
    ck_assert_uint_eq(st(&s, 0)->exp, 0xffff);
}
END_TEST

START_TEST(stack_underflow)
{
    X87State s = fresh(FCW_INIT);
    reg_op(&s, 0xd9, 0xe8, 0);              /* FLD1 */
    reg_op(&s, 0xd8, 0xc1, 0);              /* FADD ST, ST(1): ST(1) empty */
    ck_assert_uint_eq(s.fsw & (FSW_IE | FSW_SF | FSW_C1), FSW_IE | FSW_SF);
    ck_assert_uint_eq(st(&s, 0)->exp, 0xffff);
}
END_TEST

/* 1/3 under single, double and extended precision control. */
START_TEST(precision_control)
{
    static const struct { int pc; uint64_t mant; } c[] = {
        { 0, 0xaaaaab0000000000ull }, { 2, 0xaaaaaaaaaaaaa800ull },
        { 3, 0xaaaaaaaaaaaaaaabull },
    };
    for (unsigned i = 0; i < 3; i++) {
        X87State s = fresh((FCW_INIT & ~0x300) | c[i].pc << 8);
        int32_t three = 3;
        uint8_t buf[10] = { 0 };
        memcpy(buf, &three, 4);
        mem_op(&s, FILD_M32, buf);
        reg_op(&s, 0xd9, 0xe8, 0);          /* FLD1 */
        reg_op(&s, 0xd8, 0xf1, 0);          /* FDIV ST, ST(1) */
        ck_assert_uint_eq(st(&s, 0)->mant, c[i].mant);
        ck_assert_uint_eq(st(&s, 0)->exp, 0x3ffd);
        ck_assert_int_ne(s.fsw & FSW_PE, 0);
    }
}
END_TEST

START_TEST(zero_divide)
{
    X87State s = fresh(FCW_INIT);
    reg_op(&s, 0xd9, 0xee, 0);              /* FLDZ */
    reg_op(&s, 0xd9, 0xe8, 0);              /* FLD1 */
    reg_op(&s, 0xd8, 0xf1, 0);              /* 1/0 masked: +inf */
    ck_assert_uint_eq(st(&s, 0)->exp, 0x7fff);
    ck_assert_uint_eq(st(&s, 0)->mant, 0x8000000000000000ull);
    ck_assert_uint_eq(s.fsw & FSW_EXC, FSW_ZE);

    s = fresh(FCW_INIT & ~FSW_ZE);
    reg_op(&s, 0xd9, 0xee, 0);
    reg_op(&s, 0xd9, 0xe8, 0);
    reg_op(&s, 0xd8, 0xf1, 0);              /* unmasked: ST(0) keeps 1.0 */
    ck_assert_uint_eq(st(&s, 0)->exp, 0x3fff);
    ck_assert_uint_eq(s.fsw & (FSW_ZE | FSW_ES | FSW_B), FSW_ZE | FSW_ES | FSW_B);
}
END_TEST

START_TEST(mem_arith)
{
    X87State s = fresh(FCW_INIT);
    float half = 0.5f;
    uint8_t buf[10] = { 0 };
    reg_op(&s, 0xd9, 0xe8, 0);              /* FLD1 */
    memcpy(buf, &half, 4);
    mem_op(&s, FADD_M32, buf);
    ck_assert_uint_eq(st(&s, 0)->mant, 0xc000000000000000ull);
    ck_assert_uint_eq(st(&s, 0)->exp, 0x3fff);
    ck_assert_int_eq(s.top, 7);
}
END_TEST

START_TEST(fxam_fprem_fsqrt)
{
    X87State s = fresh(FCW_INIT);
    reg_op(&s, 0xd9, 0xe5, 0);              /* FXAM, empty: C3=1 C0=1 */
    ck_assert_uint_eq(s.fsw & (FSW_C0 | FSW_C1 | FSW_C2 | FSW_C3), FSW_C3 | FSW_C0);

    int32_t three = 3, ten = 10;
    uint8_t buf[10] = { 0 };
    memcpy(buf, &three, 4);
    mem_op(&s, FILD_M32, buf);
    memcpy(buf, &ten, 4);
    mem_op(&s, FILD_M32, buf);
    reg_op(&s, 0xd9, 0xf8, 0);              /* FPREM: 10 rem 3, quotient 3 */
    ck_assert_uint_eq(st(&s, 0)->mant, 0x8000000000000000ull);
    ck_assert_uint_eq(st(&s, 0)->exp, 0x3fff);
    ck_assert_uint_eq(s.fsw & (FSW_C0 | FSW_C1 | FSW_C2 | FSW_C3), FSW_C3 | FSW_C1);

    s = fresh(FCW_INIT);
    int32_t two = 2;
    memcpy(buf, &two, 4);
    mem_op(&s, FILD_M32, buf);
    reg_op(&s, 0xd9, 0xfa, 0);              /* FSQRT */
    ck_assert_uint_eq(st(&s, 0)->mant, 0xb504f333f9de6484ull);
    ck_assert_uint_eq(st(&s, 0)->exp, 0x3fff);
}
END_TEST

START_TEST(fcomi_fcmov)
{
    X87State s = fresh(FCW_INIT);
    reg_op(&s, 0xd9, 0xe8, 0);              /* FLD1 */
    reg_op(&s, 0xd9, 0xee, 0);              /* FLDZ: ST0=0 ST1=1 */
    uint32_t fl = reg_op(&s, 0xdb, 0xf1, CC_S | CC_O | CC_A | CC_Z);  /* FCOMI */
    ck_assert_uint_eq(fl, CC_C);
    fl = reg_op(&s, 0xdb, 0xe9, 0);         /* FUCOMI ST, ST(1) */
    ck_assert_uint_eq(fl, CC_C);
    reg_op(&s, 0xda, 0xc1, 0);              /* FCMOVB, CF=0: no move */
    ck_assert_uint_eq(st(&s, 0)->exp, 0);
    reg_op(&s, 0xda, 0xc1, CC_C);           /* CF=1: ST0 = ST1 = 1.0 */
    ck_assert_uint_eq(st(&s, 0)->exp, 0x3fff);
    fl = reg_op(&s, 0xdf, 0xe9, 0);         /* FUCOMIP: equal, pops */
    ck_assert_uint_eq(fl, CC_Z);
    ck_assert_int_eq(s.top, 7);
    reg_op(&s, 0xd9, 0xee, 0);              /* FLDZ */
    reg_op(&s, 0xdc, 0xf9, 0);              /* FDIV ST(1), ST: 1/0 */
    reg_op(&s, 0xdd, 0xd8, 0);              /* FSTP ST(0) */
    reg_op(&s, 0xd9, 0xee, 0);              /* FLDZ */
    reg_op(&s, 0xd8, 0xf0, 0);              /* FDIV ST, ST: 0/0 = NaN */
    fl = reg_op(&s, 0xdb, 0xf1, 0);         /* FCOMI with NaN: unordered */
    ck_assert_uint_eq(fl, CC_Z | CC_P | CC_C);
    ck_assert_int_ne(s.fsw & FSW_IE, 0);
}
END_TEST

START_TEST(tag_word)
{
    X87State s = fresh(FCW_INIT);
    s.ftw = 0;
    s.st[0] = (FPReg){ 0x8000000000000000ull, 0x3fff };   /* valid */
    s.st[1] = (FPReg){ 0, 0x8000 };                       /* zero */
    s.st[2] = (FPReg){ 1, 0 };                            /* denormal */
    s.st[3] = (FPReg){ 0x4000000000000000ull, 0x4000 };   /* unnormal */
    s.st[4] = (FPReg){ 0x8000000000000000ull, 0x7fff };   /* infinity */
    s.st[5] = (FPReg){ 0, 0 };
    s.ftw = 3 << 10 | 3 << 12 | 3 << 14;                  /* 5-7 empty */
    ck_assert_uint_eq(x87_tag_word(&s), 0xfc00 | 2 << 8 | 2 << 6 | 2 << 4 | 1 << 2 | 0);
}
END_TEST

/* ---- handlers on a CPU ---- */

static X86CPU *new_cpu(void)
{
    X86CPU *cpu = calloc(1, sizeof(*cpu));
    ck_assert_ptr_nonnull(cpu);
    cpu->eflags = 2;
    cpu->cr[0] = CR0_PE | CR0_ET | CR0_NE;
    cpu->exception_index = -1;
    x87_init_state(&cpu->fpu);
    return cpu;
}

static Insn reg_insn(uint8_t op, uint8_t modrm)
{
    Insn d;
    memset(&d, 0, sizeof(d));
    d.op = op;
    d.mod = modrm >> 6;
    d.reg = (modrm >> 3) & 7;
    d.rreg = d.reg;
    d.rm = modrm & 7;
    d.rrm = d.rm;
    d.opsize = d.adsize = 4;
    d.base = d.index = REG_NONE;
    d.seg_ovr = SEG_NONE;
    return d;
}

/* Runs a handler; returns the exception it raised or -1. */
static int run(X86CPU *cpu, void (*fn)(X86CPU *, const Insn *), uint8_t op, uint8_t modrm)
{
    Insn d = reg_insn(op, modrm);
    cpu->exception_index = -1;
    if (setjmp(cpu->jmp_env))
        return cpu->exception_index;
    fn(cpu, &d);
    return -1;
}

START_TEST(nm_and_mf)
{
    X86CPU *cpu = new_cpu();
    cpu->cr[0] |= CR0_TS;
    ck_assert_int_eq(run(cpu, op_fpu_reg, 0xd9, 0xe8), EXC_NM);
    ck_assert_int_eq(run(cpu, op_fninit, 0xdb, 0xe3), EXC_NM);
    ck_assert_int_eq(run(cpu, op_fwait, 0x9b, 0), -1);     /* MP clear */
    cpu->cr[0] |= CR0_MP;
    ck_assert_int_eq(run(cpu, op_fwait, 0x9b, 0), EXC_NM);
    cpu->cr[0] &= ~(CR0_TS | CR0_MP);
    cpu->cr[0] |= CR0_EM;
    ck_assert_int_eq(run(cpu, op_fpu_reg, 0xd9, 0xe8), EXC_NM);
    ck_assert_int_eq(run(cpu, op_fwait, 0x9b, 0), -1);     /* EM alone */
    cpu->cr[0] &= ~CR0_EM;

    /* Unmasked 0/0: pending, #MF on the next waiting instruction. */
    cpu->fpu.fcw = FCW_INIT & ~FSW_IE;
    cpu->rip = 0x1234;
    ck_assert_int_eq(run(cpu, op_fpu_reg, 0xd9, 0xee), -1);   /* FLDZ */
    ck_assert_int_eq(run(cpu, op_fpu_reg, 0xd8, 0xf0), -1);   /* FDIV ST, ST */
    ck_assert_uint_eq(cpu->fpu.fip, 0x1234);
    ck_assert_uint_eq(cpu->fpu.fop, 0x0f0);
    ck_assert_int_eq(run(cpu, op_fwait, 0x9b, 0), EXC_MF);
    ck_assert_int_eq(run(cpu, op_fpu_reg, 0xd9, 0xe8), EXC_MF);
    ck_assert_int_eq(run(cpu, op_fnstsw_ax, 0xdf, 0xe0), -1); /* no wait */
    ck_assert_uint_eq(cpu->regs[R_EAX] & 0xffff, 0xb881);
    ck_assert_int_eq(run(cpu, op_fnclex, 0xdb, 0xe2), -1);
    ck_assert_int_eq(run(cpu, op_fwait, 0x9b, 0), -1);
    free(cpu);
}
END_TEST

START_TEST(fcomi_eflags)
{
    X86CPU *cpu = new_cpu();
    x86_set_eflags(cpu, CC_S | CC_O | CC_A, CC_ALL);
    ck_assert_int_eq(run(cpu, op_fpu_reg, 0xd9, 0xe8), -1);        /* FLD1 */
    ck_assert_int_eq(run(cpu, op_fpu_reg, 0xd9, 0xe8), -1);        /* FLD1 */
    ck_assert_int_eq(run(cpu, op_fpu_reg_flags, 0xdf, 0xf1), -1);  /* FCOMIP */
    ck_assert_uint_eq(x86_get_eflags(cpu) & CC_ALL, CC_Z);
    ck_assert_int_eq(cpu->fpu.top, 7);
    free(cpu);
}
END_TEST


/* ---- whole instructions: decoded from guest RAM, run with memory ---- */

#define RAM_SIZE (1u << 20)
#define DATA_RW (DESC_P_MASK | DESC_S_MASK | DESC_W_MASK | DESC_A_MASK)

static Machine *m;
static X86CPU *mcpu;

static void machine_setup(void)
{
    m = calloc(1, sizeof(*m));
    mcpu = calloc(1, sizeof(*mcpu));
    ck_assert_ptr_nonnull(m);
    ck_assert_ptr_nonnull(mcpu);
    machine_init(m);
    ck_assert_int_eq(as_alloc_ram(&m->as, RAM_SIZE), 0);
    ck_assert_ptr_nonnull(mem_add_ram(&m->as, "ram", 0, RAM_SIZE, m->as.ram, 0));
    x86_cpu_init(mcpu, m, &m->as, &m->io, &m->log);
    mcpu->cr[0] |= CR0_NE;
    x87_init_state(&mcpu->fpu);
}

static void machine_teardown(void)
{
    as_destroy(&m->as);
    free(mcpu);
    free(m);
}

static uint16_t pr16(uint32_t pa) { uint16_t v; memcpy(&v, m->as.ram + pa, 2); return v; }
static uint32_t pr32(uint32_t pa) { uint32_t v; memcpy(&v, m->as.ram + pa, 4); return v; }

/* Real mode, CS=0100 (code at 0x1000), DS=0200 (data at 0x2000). */
static void real_mode(void)
{
    x86_load_seg_raw(mcpu, R_CS, 0x100, 0x1000, 0xffff, mcpu->seg[R_CS].flags);
    x86_load_seg_raw(mcpu, R_DS, 0x200, 0x2000, 0xffff, mcpu->seg[R_DS].flags);
    mcpu->rip = 0x10;
}

/* Flat 32-bit protected mode, CS=08, DS=10. */
static void prot_mode(void)
{
    mcpu->cr[0] |= CR0_PE;
    x86_load_seg_raw(mcpu, R_CS, 0x08, 0, 0xffffffff,
                     DESC_P_MASK | DESC_S_MASK | DESC_CS_MASK | DESC_R_MASK | DESC_B_MASK);
    x86_load_seg_raw(mcpu, R_DS, 0x10, 0, 0xffffffff, DATA_RW | DESC_B_MASK);
    mcpu->rip = 0x1000;
}

/* Decodes the instruction bytes at CS:rip and runs them; returns the
 * exception raised, or -1 (and then rip moves on). */
static int exec(const uint8_t *code, int n)
{
    uint64_t lin = mcpu->seg[R_CS].base + mcpu->rip;
    Insn d;
    memcpy(m->as.ram + lin, code, n);
    mcpu->exception_index = -1;
    if (setjmp(mcpu->jmp_env))
        return mcpu->exception_index;
    int len = x86_decode(mcpu, lin, cs_32(mcpu), &d);
    ck_assert_int_eq(len, n);
    mcpu->next_rip = mcpu->rip + len;
    d.fn(mcpu, &d);
    mcpu->rip = mcpu->next_rip;
    return -1;
}

#define EXEC(...) ({ static const uint8_t c_[] = { __VA_ARGS__ }; exec(c_, sizeof(c_)); })

START_TEST(env_real_mode)
{
    real_mode();
    uint32_t one = 0x3f800000;
    memcpy(m->as.ram + 0x2040, &one, 4);
    ck_assert_int_eq(EXEC(0xd9, 0x06, 0x40, 0x00), -1);        /* fld dword [0x40] */
    ck_assert_int_eq(EXEC(0xd9, 0x36, 0x80, 0x00), -1);        /* fnstenv [0x80] */
    ck_assert_uint_eq(pr16(0x2080), 0x037f);
    ck_assert_uint_eq(pr16(0x2082), 0x3800);
    ck_assert_uint_eq(pr16(0x2084), 0x3fff);
    ck_assert_uint_eq(pr16(0x2086), 0x1010);                   /* linear FIP */
    ck_assert_uint_eq(pr16(0x2088), 0x0106);                   /* FIP 19..16, FOP */
    ck_assert_uint_eq(pr16(0x208a), 0x2040);                   /* linear FDP */
    ck_assert_uint_eq(pr16(0x208c), 0x0000);
    ck_assert_int_eq(EXEC(0x66, 0xd9, 0x36, 0xa0, 0x00), -1);  /* fnstenv 32-bit */
    ck_assert_uint_eq(pr32(0x20a0), 0xffff037f);
    ck_assert_uint_eq(pr32(0x20a4), 0xffff3800);
    ck_assert_uint_eq(pr32(0x20a8), 0xffff3fff);
    ck_assert_uint_eq(pr32(0x20ac) & 0xffff, 0x1010);
    ck_assert_uint_eq(pr32(0x20b0), 0x00000106);
    ck_assert_uint_eq(pr32(0x20b4) & 0xffff, 0x2040);
    ck_assert_uint_eq(pr32(0x20b8), 0);

    /* FLDENV takes a new control word and an empty stack. */
    memcpy(m->as.ram + 0x2080, (uint16_t[]){ 0x0c7f, 0x0000, 0xffff }, 6);
    ck_assert_int_eq(EXEC(0xd9, 0x26, 0x80, 0x00), -1);        /* fldenv [0x80] */
    ck_assert_uint_eq(mcpu->fpu.fcw, 0x0c7f);
    ck_assert_uint_eq(mcpu->fpu.top, 0);
    ck_assert_uint_eq(x87_tag_word(&mcpu->fpu), 0xffff);
    ck_assert_uint_eq(mcpu->fpu.fip, 0x1010);
    ck_assert_uint_eq(mcpu->fpu.fop, 0x106);
}
END_TEST

START_TEST(save_restore_prot)
{
    prot_mode();
    uint32_t one = 0x3f800000;
    memcpy(m->as.ram + 0x3000, &one, 4);
    ck_assert_int_eq(EXEC(0xd9, 0x05, 0x00, 0x30, 0x00, 0x00), -1);   /* fld dword [0x3000] */
    ck_assert_int_eq(EXEC(0xdd, 0x35, 0x00, 0x40, 0x00, 0x00), -1);   /* fnsave [0x4000] */
    ck_assert_uint_eq(pr32(0x4000), 0xffff037f);
    ck_assert_uint_eq(pr32(0x4004), 0xffff3800);
    ck_assert_uint_eq(pr32(0x4008), 0xffff3fff);
    ck_assert_uint_eq(pr32(0x400c), 0x1000);
    ck_assert_uint_eq(pr32(0x4010), 0x105u << 16 | 0x08);
    ck_assert_uint_eq(pr32(0x4014), 0x3000);
    ck_assert_uint_eq(pr32(0x4018), 0xffff0010);
    ck_assert_uint_eq(pr32(0x401c), 0);
    ck_assert_uint_eq(pr32(0x4020), 0x80000000);
    ck_assert_uint_eq(pr16(0x4024), 0x3fff);
    /* FNSAVE ends with FNINIT. */
    ck_assert_uint_eq(mcpu->fpu.fcw, 0x037f);
    ck_assert_uint_eq(mcpu->fpu.ftw, 0xffff);
    ck_assert_uint_eq(mcpu->fpu.top, 0);
    ck_assert_int_eq(EXEC(0xdd, 0x25, 0x00, 0x40, 0x00, 0x00), -1);   /* frstor [0x4000] */
    ck_assert_uint_eq(mcpu->fpu.top, 7);
    ck_assert_uint_eq(mcpu->fpu.st[7].exp, 0x3fff);
    ck_assert_uint_eq(mcpu->fpu.fop, 0x105);
    ck_assert_uint_eq(mcpu->fpu.fdp, 0x3000);
    ck_assert_uint_eq(mcpu->fpu.fds, 0x10);
    /* 16-bit protected-mode environment. */
    ck_assert_int_eq(EXEC(0x66, 0xd9, 0x35, 0x00, 0x50, 0x00, 0x00), -1);
    ck_assert_uint_eq(pr16(0x5000), 0x037f);
    ck_assert_uint_eq(pr16(0x5002), 0x3800);
    ck_assert_uint_eq(pr16(0x5004), 0x3fff);
    ck_assert_uint_eq(pr16(0x5006), 0x1000);
    ck_assert_uint_eq(pr16(0x5008), 0x08);
    ck_assert_uint_eq(pr16(0x500a), 0x3000);
    ck_assert_uint_eq(pr16(0x500c), 0x10);
}
END_TEST

START_TEST(unmasked_store_and_mf)
{
    prot_mode();
    double big = 1e10;
    memcpy(m->as.ram + 0x3000, &big, 8);
    memcpy(m->as.ram + 0x6000, (uint16_t[]){ 0x1111 }, 2);
    ck_assert_int_eq(EXEC(0xdd, 0x05, 0x00, 0x30, 0x00, 0x00), -1);   /* fld qword */
    ck_assert_int_eq(EXEC(0xdf, 0x15, 0x00, 0x60, 0x00, 0x00), -1);   /* fist word: masked */
    ck_assert_uint_eq(pr16(0x6000), 0x8000);
    mcpu->fpu.fsw = 0;
    mcpu->fpu.fcw = FCW_INIT & ~FSW_IE;
    memcpy(m->as.ram + 0x6000, (uint16_t[]){ 0x1111 }, 2);
    ck_assert_int_eq(EXEC(0xdf, 0x1d, 0x00, 0x60, 0x00, 0x00), -1);   /* fistp word: unmasked */
    ck_assert_uint_eq(pr16(0x6000), 0x1111);
    ck_assert_uint_eq(mcpu->fpu.top, 7);
    uint64_t at = mcpu->rip;
    ck_assert_int_eq(EXEC(0x9b), EXC_MF);                              /* fwait */
    ck_assert_uint_eq(mcpu->rip, at);
    ck_assert_int_eq(EXEC(0xdf, 0xe0), -1);                            /* fnstsw ax */
    ck_assert_uint_eq(mcpu->regs[R_EAX] & 0xffff, 0xb881);
    ck_assert_int_eq(EXEC(0xd9, 0x3d, 0x00, 0x60, 0x00, 0x00), -1);   /* fnstcw */
    ck_assert_uint_eq(pr16(0x6000), 0x037e);
    /* FLDCW masking IE again clears ES. */
    memcpy(m->as.ram + 0x6000, (uint16_t[]){ 0xffff }, 2);
    ck_assert_int_eq(EXEC(0xd9, 0x2d, 0x00, 0x60, 0x00, 0x00), EXC_MF);
    ck_assert_int_eq(EXEC(0xdb, 0xe2), -1);                            /* fnclex */
    ck_assert_int_eq(EXEC(0xd9, 0x2d, 0x00, 0x60, 0x00, 0x00), -1);   /* fldcw */
    ck_assert_uint_eq(mcpu->fpu.fcw, 0x1f7f);
}
END_TEST

/* A store that faults leaves the FPU as it was. */
START_TEST(store_fault_restartable)
{
    prot_mode();
    x86_load_seg_raw(mcpu, R_DS, 0x10, 0, 0xfff, DATA_RW | DESC_B_MASK);
    ck_assert_int_eq(EXEC(0xd9, 0xe8), -1);                            /* fld1 */
    uint16_t fip = (uint16_t)mcpu->fpu.fip;
    ck_assert_int_eq(EXEC(0xd9, 0x1d, 0xfe, 0x0f, 0x00, 0x00), EXC_GP); /* fstp [0xffe] */
    ck_assert_uint_eq(mcpu->fpu.top, 7);
    ck_assert_uint_eq(mcpu->fpu.fip, fip);
    ck_assert_int_eq(EXEC(0xdb, 0x2d, 0xf8, 0x0f, 0x00, 0x00), EXC_GP); /* fld tbyte [0xff8] */
    ck_assert_uint_eq(mcpu->fpu.top, 7);
    ck_assert_int_eq(EXEC(0xdd, 0x35, 0xa0, 0x0f, 0x00, 0x00), EXC_GP); /* fnsave [0xfa0] */
    ck_assert_uint_eq(mcpu->fpu.top, 7);
    ck_assert_uint_eq(mcpu->fpu.fcw, FCW_INIT);
}
END_TEST

START_TEST(invalid_encodings)
{
    static const uint8_t ud[][2] = {
        { 0xd9, 0xd1 }, { 0xd9, 0xd7 }, { 0xd9, 0xe2 }, { 0xd9, 0xe6 }, { 0xd9, 0xef },
        { 0xda, 0xe8 }, { 0xda, 0xf0 }, { 0xdb, 0xe5 }, { 0xdb, 0xf8 }, { 0xdd, 0xf0 },
        { 0xde, 0xd8 }, { 0xdf, 0xe1 }, { 0xdf, 0xf8 },
        { 0xd9, 0x08 }, { 0xdb, 0x20 }, { 0xdb, 0x30 }, { 0xdd, 0x28 },
    };
    static const uint8_t ok[][2] = {
        { 0xd9, 0xd0 }, { 0xd9, 0xd8 }, { 0xdc, 0xd3 }, { 0xdd, 0xc9 }, { 0xde, 0xd9 },
        { 0xdf, 0xc1 }, { 0xdf, 0xe0 }, { 0xda, 0xe9 }, { 0xdb, 0xe4 }, { 0xd9, 0x38 },
        { 0xdb, 0x08 }, { 0xdd, 0x08 }, { 0xdf, 0x08 },     /* FISTTP (SSE3) */
    };
    prot_mode();
    for (unsigned i = 0; i < sizeof(ud) / sizeof(ud[0]); i++) {
        Insn d;
        memcpy(m->as.ram + 0x1000, ud[i], 2);
        x86_decode(mcpu, 0x1000, true, &d);
        ck_assert_msg(d.fn == op_ud, "%02x %02x should be #UD", ud[i][0], ud[i][1]);
    }
    for (unsigned i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
        Insn d;
        memcpy(m->as.ram + 0x1000, ok[i], 2);
        x86_decode(mcpu, 0x1000, true, &d);
        ck_assert_msg(d.fn != op_ud, "%02x %02x should be valid", ok[i][0], ok[i][1]);
    }
}
END_TEST

static Suite *fpu_suite(void)
{
    Suite *s = suite_create("fpu");
    TCase *t = tcase_create("conv");
    tcase_add_loop_test(t, m32_round_trip, 0, sizeof(f32_cases) / sizeof(f32_cases[0]));
    tcase_add_test(t, m32_to_extended);
    tcase_add_loop_test(t, m64_round_trip, 0, sizeof(f64_cases) / sizeof(f64_cases[0]));
    tcase_add_loop_test(t, m80_round_trip, 0, sizeof(f80_cases) / sizeof(f80_cases[0]));
    tcase_add_test(t, int_round_trips);
    tcase_add_test(t, fild_encoding);
    tcase_add_test(t, fist_rounding);
    tcase_add_test(t, fist_overflow);
    tcase_add_test(t, bcd);
    suite_add_tcase(s, t);
    t = tcase_create("arith");
    tcase_add_test(t, snan_load);
    tcase_add_test(t, stack_overflow);
    tcase_add_test(t, stack_underflow);
    tcase_add_test(t, precision_control);
    tcase_add_test(t, zero_divide);
    tcase_add_test(t, mem_arith);
    tcase_add_test(t, fxam_fprem_fsqrt);
    tcase_add_test(t, fcomi_fcmov);
    tcase_add_test(t, tag_word);
    suite_add_tcase(s, t);
    t = tcase_create("handlers");
    tcase_add_test(t, nm_and_mf);
    tcase_add_test(t, fcomi_eflags);
    suite_add_tcase(s, t);
    t = tcase_create("memory");
    tcase_add_checked_fixture(t, machine_setup, machine_teardown);
    tcase_add_test(t, env_real_mode);
    tcase_add_test(t, save_restore_prot);
    tcase_add_test(t, unmasked_store_and_mf);
    tcase_add_test(t, store_fault_restartable);
    tcase_add_test(t, invalid_encodings);
    suite_add_tcase(s, t);
    return s;
}

int main(void)
{
    SRunner *r = srunner_create(fpu_suite());
    srunner_run_all(r, CK_ENV);
    int failed = srunner_ntests_failed(r);
    srunner_free(r);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
