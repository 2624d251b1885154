/* The decoder against capstone: instruction lengths for every opcode form
 * in the tables (one-byte and 0F maps x every ModRM x SIB/displacement
 * forms x operand/address-size prefixes x 16/32-bit code), and the set of
 * forms that must decode once the CPU is complete (Pentium Pro integer ISA
 * plus x87). */
#include <capstone/capstone.h>
#include <check.h>
#include <stdio.h>

#include "tests/diff/harness.h"

#define CODE_ADDR 0x1000u

typedef struct Ctx {
    Harness h;
    csh cs16, cs32;
} Ctx;

static Ctx *ctx_new(void)
{
    Ctx *c = calloc(1, sizeof(*c));
    ck_assert_int_eq(harness_init(&c->h, 0, 1u << 20), 0);
    harness_flat32(&c->h);
    ck_assert_int_eq(cs_open(CS_ARCH_X86, CS_MODE_16, &c->cs16), CS_ERR_OK);
    ck_assert_int_eq(cs_open(CS_ARCH_X86, CS_MODE_32, &c->cs32), CS_ERR_OK);
    return c;
}

static void ctx_free(Ctx *c)
{
    cs_close(&c->cs16);
    cs_close(&c->cs32);
    harness_free(&c->h);
    free(c);
}

/* Decodes buf (copied to guest RAM) with our decoder; returns the length
 * and whether it is a real instruction (not #UD). */
static int our_decode(Ctx *c, const uint8_t *buf, int n, bool code32, bool *valid)
{
    Insn d;
    memcpy(harness_ram(&c->h, CODE_ADDR), buf, n);
    int len = x86_decode(c->h.cpu, CODE_ADDR, code32, &d);
    *valid = d.fn != op_ud;
    return len;
}

static int cs_length(Ctx *c, const uint8_t *buf, int n, bool code32)
{
    cs_insn *insn;
    size_t cnt = cs_disasm(code32 ? c->cs32 : c->cs16, buf, n, 0, 1, &insn);
    if (!cnt)
        return -1;
    int len = insn[0].size;
    cs_free(insn, cnt);
    return len;
}

/* Capstone quirks: encodings where its length (or validity) is known to
 * differ from the CPU manuals, so a difference there says nothing about
 * our decoder.  Keep this list small and explained. */
static bool capstone_quirk(const uint8_t *op, int map)
{
    if (map == MAP_0F) {
        switch (op[0]) {
        case 0x0d:          /* prefetch group (AMD 3DNow!): ModRM handling varies */
        case 0x0f:          /* 3DNow! prefix: not ours */
        case 0x18: case 0x19: case 0x1a: case 0x1b:
        case 0x1c: case 0x1d: case 0x1e: case 0x1f:  /* hint NOPs: capstone rejects some */
        case 0x20: case 0x21: case 0x22: case 0x23:  /* MOV CR/DR: always register form,
                                                        capstone decodes mod != 3 as memory */
            return true;
        }
        return false;
    }
    switch (op[0]) {
    case 0xd6:              /* SALC: undocumented */
    case 0xf1:              /* ICEBP/INT1 */
        return true;
    }
    return false;
}

static const uint8_t prefix_sets[4][2] = { { 0 }, { 0x66 }, { 0x67 }, { 0x66, 0x67 } };
static const int prefix_lens[4] = { 0, 1, 1, 2 };

static bool is_prefix(uint8_t b)
{
    switch (b) {
    case 0x26: case 0x2e: case 0x36: case 0x3e: case 0x64: case 0x65:
    case 0x66: case 0x67: case 0xf0: case 0xf2: case 0xf3: case 0x0f:
        return true;
    }
    return false;
}

/* One encoding: prefixes, opcode, ModRM, SIB, then filler bytes that any
 * displacement/immediate takes. */
static int build(uint8_t *buf, int pset, int map, int op, int modrm, int sib)
{
    int n = 0;
    for (int i = 0; i < prefix_lens[pset]; i++)
        buf[n++] = prefix_sets[pset][i];
    if (map != MAP_1)
        buf[n++] = 0x0f;
    if (map == MAP_0F38 || map == MAP_0F3A)
        buf[n++] = map == MAP_0F38 ? 0x38 : 0x3a;
    buf[n++] = op;
    buf[n++] = modrm;
    buf[n++] = sib;
    for (int i = 0; i < 10; i++)
        buf[n++] = 0x11 * (i + 1);
    return n;
}

static bool needs_sib(bool code32, int pset, int modrm)
{
    bool a32 = code32 ^ (pset >= 2);
    return a32 && (modrm >> 6) != 3 && (modrm & 7) == 4;
}

typedef struct LenStats {
    long compared, mismatched;
    char first[8][160];
} LenStats;

static void check_one(Ctx *c, LenStats *st, bool code32, int pset, int map, int op,
                      int modrm, int sib)
{
    uint8_t buf[32];
    int n = build(buf, pset, map, op, modrm, sib);
    bool valid;
    int ours = our_decode(c, buf, n, code32, &valid);
    if (!valid)
        return;
    int theirs = cs_length(c, buf, n, code32);
    if (theirs < 0)
        return;
    st->compared++;
    if (ours == theirs || capstone_quirk(buf + prefix_lens[pset] + (map == MAP_0F), map))
        return;
    if (st->mismatched < 8) {
        char *s = st->first[st->mismatched];
        int k = snprintf(s, 160, "%s code: ", code32 ? "32-bit" : "16-bit");
        for (int i = 0; i < theirs + 2 && i < n && k < 140; i++)
            k += snprintf(s + k, 160 - k, "%02x ", buf[i]);
        snprintf(s + k, 160 - k, "-> ours %d, capstone %d", ours, theirs);
    }
    st->mismatched++;
}

START_TEST(test_lengths)
{
    static const uint8_t sibs[] = { 0x00, 0x05, 0x25, 0x24, 0xfd, 0x65 };
    Ctx *c = ctx_new();
    LenStats st = { 0 };
    for (int code32 = 0; code32 < 2; code32++)
        for (int pset = 0; pset < 4; pset++)
            for (int map = 0; map < MAP_COUNT; map++)
                for (int op = 0; op < 256; op++) {
                    if (map == MAP_1 && is_prefix(op))
                        continue;
                    for (int modrm = 0; modrm < 256; modrm++) {
                        if (!needs_sib(code32, pset, modrm)) {
                            check_one(c, &st, code32, pset, map, op, modrm, 0x90);
                            continue;
                        }
                        for (size_t s = 0; s < sizeof(sibs); s++)
                            check_one(c, &st, code32, pset, map, op, modrm, sibs[s]);
                    }
                }
    for (int i = 0; i < st.mismatched && i < 8; i++)
        fprintf(stderr, "length mismatch: %s\n", st.first[i]);
    fprintf(stderr, "test-decoder: %ld encodings compared with capstone, %ld differ\n",
            st.compared, st.mismatched);
    ck_assert_int_gt(st.compared, 100000);
    ck_assert_int_eq(st.mismatched, 0);
    ctx_free(c);
}
END_TEST

/* ---- completeness ------------------------------------------------------------ */

enum { MEM = 1, REG = 2, BOTH = 3 };

/* A form that must decode: map, opcode range, ModRM.reg range (-1: the
 * opcode has no ModRM), which ModRM forms. */
typedef struct Must {
    uint8_t map, op_lo, op_hi;
    int8_t reg_lo, reg_hi;
    uint8_t forms;
} Must;

#define NOM -1, -1, 0
#define ALLR 0, 7

static const Must must_decode[] = {
    /* one-byte map: ALU */
    { MAP_1, 0x00, 0x03, ALLR, BOTH }, { MAP_1, 0x04, 0x05, NOM },
    { MAP_1, 0x08, 0x0b, ALLR, BOTH }, { MAP_1, 0x0c, 0x0e, NOM },
    { MAP_1, 0x10, 0x13, ALLR, BOTH }, { MAP_1, 0x14, 0x17, NOM },
    { MAP_1, 0x18, 0x1b, ALLR, BOTH }, { MAP_1, 0x1c, 0x1f, NOM },
    { MAP_1, 0x20, 0x23, ALLR, BOTH }, { MAP_1, 0x24, 0x25, NOM }, { MAP_1, 0x27, 0x27, NOM },
    { MAP_1, 0x28, 0x2b, ALLR, BOTH }, { MAP_1, 0x2c, 0x2d, NOM }, { MAP_1, 0x2f, 0x2f, NOM },
    { MAP_1, 0x30, 0x33, ALLR, BOTH }, { MAP_1, 0x34, 0x35, NOM }, { MAP_1, 0x37, 0x37, NOM },
    { MAP_1, 0x38, 0x3b, ALLR, BOTH }, { MAP_1, 0x3c, 0x3d, NOM }, { MAP_1, 0x3f, 0x3f, NOM },
    { MAP_1, 0x40, 0x61, NOM }, { MAP_1, 0x62, 0x62, ALLR, MEM }, { MAP_1, 0x63, 0x63, ALLR, BOTH },
    { MAP_1, 0x68, 0x68, NOM }, { MAP_1, 0x69, 0x69, ALLR, BOTH }, { MAP_1, 0x6a, 0x6a, NOM },
    { MAP_1, 0x6b, 0x6b, ALLR, BOTH }, { MAP_1, 0x6c, 0x7f, NOM },
    { MAP_1, 0x80, 0x8b, ALLR, BOTH }, { MAP_1, 0x8c, 0x8c, 0, 5, BOTH },
    { MAP_1, 0x8d, 0x8d, ALLR, MEM }, { MAP_1, 0x8e, 0x8e, 0, 0, BOTH },
    { MAP_1, 0x8e, 0x8e, 2, 5, BOTH }, { MAP_1, 0x8f, 0x8f, 0, 0, BOTH },
    { MAP_1, 0x90, 0xbf, NOM },
    { MAP_1, 0xc0, 0xc1, 0, 5, BOTH }, { MAP_1, 0xc0, 0xc1, 7, 7, BOTH },
    { MAP_1, 0xc2, 0xc3, NOM }, { MAP_1, 0xc4, 0xc5, ALLR, MEM },
    { MAP_1, 0xc6, 0xc7, 0, 0, BOTH }, { MAP_1, 0xc8, 0xcf, NOM },
    { MAP_1, 0xd0, 0xd3, 0, 5, BOTH }, { MAP_1, 0xd0, 0xd3, 7, 7, BOTH },
    { MAP_1, 0xd4, 0xd7, NOM }, { MAP_1, 0xe0, 0xef, NOM }, { MAP_1, 0xf1, 0xf1, NOM },
    { MAP_1, 0xf4, 0xf5, NOM }, { MAP_1, 0xf6, 0xf7, 0, 0, BOTH },
    { MAP_1, 0xf6, 0xf7, 2, 7, BOTH }, { MAP_1, 0xf8, 0xfd, NOM },
    { MAP_1, 0xfe, 0xfe, 0, 1, BOTH }, { MAP_1, 0xff, 0xff, 0, 2, BOTH },
    { MAP_1, 0xff, 0xff, 3, 3, MEM }, { MAP_1, 0xff, 0xff, 4, 4, BOTH },
    { MAP_1, 0xff, 0xff, 5, 5, MEM }, { MAP_1, 0xff, 0xff, 6, 6, BOTH },
    /* x87 memory forms */
    { MAP_1, 0xd8, 0xd8, ALLR, MEM }, { MAP_1, 0xd9, 0xd9, 0, 0, MEM },
    { MAP_1, 0xd9, 0xd9, 2, 7, MEM }, { MAP_1, 0xda, 0xda, ALLR, MEM },
    { MAP_1, 0xdb, 0xdb, 0, 0, MEM }, { MAP_1, 0xdb, 0xdb, 2, 3, MEM },
    { MAP_1, 0xdb, 0xdb, 5, 5, MEM }, { MAP_1, 0xdb, 0xdb, 7, 7, MEM },
    { MAP_1, 0xdc, 0xdc, ALLR, MEM }, { MAP_1, 0xdd, 0xdd, 0, 0, MEM },
    { MAP_1, 0xdd, 0xdd, 2, 4, MEM }, { MAP_1, 0xdd, 0xdd, 6, 7, MEM },
    { MAP_1, 0xde, 0xde, ALLR, MEM }, { MAP_1, 0xdf, 0xdf, 0, 0, MEM },
    { MAP_1, 0xdf, 0xdf, 2, 7, MEM },
    /* 0F map */
    { MAP_0F, 0x00, 0x00, 0, 5, BOTH }, { MAP_0F, 0x01, 0x01, 0, 3, MEM },
    { MAP_0F, 0x01, 0x01, 4, 4, BOTH }, { MAP_0F, 0x01, 0x01, 6, 6, BOTH },
    { MAP_0F, 0x01, 0x01, 7, 7, MEM }, { MAP_0F, 0x02, 0x03, ALLR, BOTH },
    { MAP_0F, 0x06, 0x06, NOM }, { MAP_0F, 0x08, 0x09, NOM }, { MAP_0F, 0x0b, 0x0b, NOM },
    { MAP_0F, 0x1f, 0x1f, 0, 0, BOTH }, { MAP_0F, 0x20, 0x20, 0, 0, REG },
    { MAP_0F, 0x20, 0x20, 2, 4, REG }, { MAP_0F, 0x22, 0x22, 0, 0, REG },
    { MAP_0F, 0x22, 0x22, 2, 4, REG }, { MAP_0F, 0x21, 0x21, ALLR, REG },
    { MAP_0F, 0x23, 0x23, ALLR, REG }, { MAP_0F, 0x30, 0x33, NOM },
    { MAP_0F, 0x40, 0x4f, ALLR, BOTH }, { MAP_0F, 0x80, 0x8f, NOM },
    { MAP_0F, 0x90, 0x9f, ALLR, BOTH }, { MAP_0F, 0xa0, 0xa2, NOM },
    { MAP_0F, 0xa3, 0xa5, ALLR, BOTH }, { MAP_0F, 0xa8, 0xa9, NOM },
    { MAP_0F, 0xab, 0xad, ALLR, BOTH }, { MAP_0F, 0xaf, 0xb1, ALLR, BOTH },
    { MAP_0F, 0xb2, 0xb2, ALLR, MEM }, { MAP_0F, 0xb3, 0xb3, ALLR, BOTH },
    { MAP_0F, 0xb4, 0xb5, ALLR, MEM }, { MAP_0F, 0xb6, 0xb7, ALLR, BOTH },
    { MAP_0F, 0xba, 0xba, 4, 7, BOTH }, { MAP_0F, 0xbb, 0xc1, ALLR, BOTH },
    { MAP_0F, 0xc7, 0xc7, 1, 1, MEM }, { MAP_0F, 0xc8, 0xcf, NOM },
};

/* x87 register forms that must decode: opcode and ModRM byte range. */
static const struct { uint8_t op, lo, hi; } must_x87[] = {
    { 0xd8, 0xc0, 0xff },
    { 0xd9, 0xc0, 0xd0 }, { 0xd9, 0xe0, 0xe1 }, { 0xd9, 0xe4, 0xe5 }, { 0xd9, 0xe8, 0xee },
    { 0xd9, 0xf0, 0xff },
    { 0xda, 0xc0, 0xdf }, { 0xda, 0xe9, 0xe9 },
    { 0xdb, 0xc0, 0xdf }, { 0xdb, 0xe2, 0xe3 }, { 0xdb, 0xe8, 0xf7 },
    { 0xdc, 0xc0, 0xcf }, { 0xdc, 0xe0, 0xff },
    { 0xdd, 0xc0, 0xc7 }, { 0xdd, 0xd0, 0xef },
    { 0xde, 0xc0, 0xcf }, { 0xde, 0xd9, 0xd9 }, { 0xde, 0xe0, 0xff },
    { 0xdf, 0xe0, 0xe0 }, { 0xdf, 0xe8, 0xf7 },
};

static bool decodes(Ctx *c, int map, int op, int modrm, bool code32)
{
    uint8_t buf[32];
    int n = 0;
    if (map != MAP_1)
        buf[n++] = 0x0f;
    if (map == MAP_0F38 || map == MAP_0F3A)
        buf[n++] = map == MAP_0F38 ? 0x38 : 0x3a;
    buf[n++] = op;
    buf[n++] = modrm;
    memset(buf + n, 0, sizeof(buf) - n);
    bool valid;
    our_decode(c, buf, sizeof(buf), code32, &valid);
    return valid;
}

START_TEST(test_complete)
{
    Ctx *c = ctx_new();
    int missing = 0;
    char list[2048] = "";
    size_t len = 0;
    for (int code32 = 0; code32 < 2; code32++) {
        for (size_t i = 0; i < sizeof(must_decode) / sizeof(must_decode[0]); i++) {
            const Must *m = &must_decode[i];
            for (int op = m->op_lo; op <= m->op_hi; op++) {
                for (int reg = m->reg_lo < 0 ? 0 : m->reg_lo;
                     reg <= (m->reg_lo < 0 ? 0 : m->reg_hi); reg++) {
                    for (int form = MEM; form <= REG; form++) {
                        if (m->reg_lo >= 0 && !(m->forms & form))
                            continue;
                        int modrm = (form == REG ? 0xc0 : 0x00) | reg << 3 | (form == REG ? 1 : 3);
                        if (decodes(c, m->map, op, modrm, code32))
                            continue;
                        if (!code32 && len < sizeof(list) - 32)
                            len += snprintf(list + len, sizeof(list) - len, " %s%02x%s",
                                            m->map == MAP_0F ? "0f" : "", op,
                                            m->reg_lo < 0 ? "" : form == REG ? "/r(reg)" : "/m");
                        missing++;
                        if (m->reg_lo < 0)
                            break;
                    }
                }
            }
        }
        for (size_t i = 0; i < sizeof(must_x87) / sizeof(must_x87[0]); i++)
            for (int modrm = must_x87[i].lo; modrm <= must_x87[i].hi; modrm++) {
                if (decodes(c, MAP_1, must_x87[i].op, modrm, code32))
                    continue;
                if (!code32 && len < sizeof(list) - 32)
                    len += snprintf(list + len, sizeof(list) - len, " %02x%02x",
                                    must_x87[i].op, modrm);
                missing++;
            }
    }
    if (missing)
        fprintf(stderr, "forms that decode to #UD but must not (16-bit code):%s\n", list);
    ck_assert_int_eq(missing, 0);
    ctx_free(c);
}
END_TEST

/* Sanity: the checker itself rejects what must be #UD and measures length. */
START_TEST(test_known_encodings)
{
    Ctx *c = ctx_new();
    static const struct { uint8_t b[12]; int n, len; bool code32; } cases[] = {
        { { 0x0f, 0x0b }, 2, 2, true },                             /* UD2 */
        { { 0x8b, 0x84, 0x88, 1, 2, 3, 4 }, 7, 7, true },           /* mov eax,[eax+ecx*4+d32] */
        { { 0x8b, 0x05, 1, 2, 3, 4 }, 6, 6, true },                 /* mov eax,[d32] */
        { { 0x8b, 0x06, 1, 2 }, 4, 4, false },                      /* mov ax,[d16] */
        { { 0x67, 0x8b, 0x06, 1, 2 }, 5, 5, true },                 /* 16-bit addressing */
        { { 0x66, 0xb8, 1, 2 }, 4, 4, true },                       /* mov ax, imm16 */
        { { 0xc8, 1, 2, 3 }, 4, 4, true },                          /* enter */
        { { 0xf7, 0x05, 1, 2, 3, 4, 5, 6, 7, 8 }, 10, 10, true },   /* test [d32], imm32 */
        { { 0xf7, 0x15, 1, 2, 3, 4 }, 6, 6, true },                 /* not [d32] */
        { { 0x9a, 1, 2, 3, 4, 5, 6 }, 7, 7, true },                 /* call far ptr16:32 */
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        bool valid;
        int len = our_decode(c, cases[i].b, 12, cases[i].code32, &valid);
        ck_assert_msg(len == cases[i].len, "case %zu: length %d, expected %d", i, len,
                      cases[i].len);
    }
    ctx_free(c);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("decoder");
    TCase *tc = tcase_create("decoder");
    tcase_set_timeout(tc, 300);
    tcase_add_test(tc, test_known_encodings);
    tcase_add_test(tc, test_lengths);
    tcase_add_test(tc, test_complete);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_ENV);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
