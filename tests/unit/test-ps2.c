/* PS/2 keyboard and mouse protocols through the i8042's ports, no CPU:
 * keyboard commands, scancode sets, the queue, every key's set-2 codes
 * translated to its set-1 codes; mouse reset, identify, the IntelliMouse
 * knock, packets (sign, overflow, wheel), status, remote and wrap modes. */
#include <check.h>
#include <stdlib.h>

#include "yl/machine.h"

typedef struct Fixture {
    Machine m;
} Fixture;

static uint8_t status(Fixture *f) { return ioport_read(&f->m.io, 0x64, 1); }
static uint8_t data(Fixture *f) { return ioport_read(&f->m.io, 0x60, 1); }
static void cmd(Fixture *f, uint8_t c) { ioport_write(&f->m.io, 0x64, c, 1); }
static void put(Fixture *f, uint8_t v) { ioport_write(&f->m.io, 0x60, v, 1); }

static void set_cb(Fixture *f, uint8_t v)
{
    cmd(f, 0x60);
    put(f, v);
}

/* Translation off, both interfaces on: bytes arrive as the devices send. */
static Fixture *setup(void)
{
    Fixture *f = calloc(1, sizeof(*f));
    char err[160];
    machine_init(&f->m);
    ck_assert_ptr_nonnull(machine_create_device(&f->m, "i8042", "", err, sizeof(err)));
    set_cb(f, 0x07);
    return f;
}

static void teardown(Fixture *f)
{
    machine_destroy(&f->m);
    free(f);
}

/* Reads everything waiting; returns the count. */
static int drain(Fixture *f, uint8_t *buf, int max)
{
    int n = 0;
    while ((status(f) & 1) && n < max)
        buf[n++] = data(f);
    return n;
}

#define EXPECT(f, ...) do { \
        const uint8_t want_[] = { __VA_ARGS__ }; \
        uint8_t got_[64]; \
        int n_ = drain(f, got_, 64); \
        ck_assert_int_eq(n_, (int)sizeof(want_)); \
        for (int i_ = 0; i_ < n_; i_++) \
            ck_assert_msg(got_[i_] == want_[i_], "byte %d: got 0x%02x, want 0x%02x", \
                          i_, got_[i_], want_[i_]); \
    } while (0)

static void mouse(Fixture *f, uint8_t b)
{
    cmd(f, 0xd4);
    put(f, b);
}

START_TEST(test_kbd_identify_echo_unknown)
{
    Fixture *f = setup();
    put(f, 0xf2);
    EXPECT(f, 0xfa, 0xab, 0x83);
    put(f, 0xee);
    EXPECT(f, 0xee);
    put(f, 0x12);                                /* not a command */
    EXPECT(f, 0xfe);
    put(f, 0xfe);                                /* resend the last byte */
    EXPECT(f, 0xfe);
    set_cb(f, 0x47);                             /* translated: the classic AB 41 */
    put(f, 0xf2);
    EXPECT(f, 0xfa, 0xab, 0x41);
    teardown(f);
}
END_TEST

START_TEST(test_kbd_reset_and_params)
{
    Fixture *f = setup();
    put(f, 0xff);
    EXPECT(f, 0xfa, 0xaa);
    put(f, 0xed);
    EXPECT(f, 0xfa);
    put(f, 0x07);
    EXPECT(f, 0xfa);
    put(f, 0xf3);
    put(f, 0x20);
    EXPECT(f, 0xfa, 0xfa);
    put(f, 0xed);                                /* a command instead of the LED byte */
    put(f, 0xf2);
    EXPECT(f, 0xfa, 0xfa, 0xab, 0x83);
    teardown(f);
}
END_TEST

START_TEST(test_kbd_scancode_sets)
{
    Fixture *f = setup();
    put(f, 0xf0);
    put(f, 0x00);
    EXPECT(f, 0xfa, 0xfa, 0x02);
    put(f, 0xf0);
    put(f, 0x01);
    EXPECT(f, 0xfa, 0xfa);
    put(f, 0xf0);
    put(f, 0x00);
    EXPECT(f, 0xfa, 0xfa, 0x01);
    input_key(&f->m, Q_KEY_A, true);
    input_key(&f->m, Q_KEY_A, false);
    input_key(&f->m, Q_KEY_RIGHT, true);
    input_key(&f->m, Q_KEY_RIGHT, false);
    EXPECT(f, 0x1e, 0x9e, 0xe0, 0x4d, 0xe0, 0xcd);
    put(f, 0xf0);
    put(f, 0x09);                                /* no such set */
    EXPECT(f, 0xfa, 0xfe);
    put(f, 0xf6);                                /* defaults: set 2 again */
    EXPECT(f, 0xfa);
    input_key(&f->m, Q_KEY_RIGHT, false);
    EXPECT(f, 0xe0, 0xf0, 0x74);
    teardown(f);
}
END_TEST

START_TEST(test_kbd_scanning_and_pause)
{
    Fixture *f = setup();
    put(f, 0xf5);
    EXPECT(f, 0xfa);
    input_key(&f->m, Q_KEY_A, true);
    EXPECT(f);
    put(f, 0xf4);
    EXPECT(f, 0xfa);
    input_key(&f->m, Q_KEY_PAUSE, true);
    input_key(&f->m, Q_KEY_PAUSE, false);        /* no break code */
    EXPECT(f, 0xe1, 0x14, 0x77, 0xe1, 0xf0, 0x14, 0xf0, 0x77);
    set_cb(f, 0x47);
    input_key(&f->m, Q_KEY_PAUSE, true);
    EXPECT(f, 0xe1, 0x1d, 0x45, 0xe1, 0x9d, 0xc5);
    input_key(&f->m, Q_KEY_UNMAPPED, true);
    input_key(&f->m, 9999, true);
    EXPECT(f);
    teardown(f);
}
END_TEST

START_TEST(test_kbd_queue_overrun)
{
    Fixture *f = setup();
    cmd(f, 0xad);                                /* hold data in the keyboard */
    for (int i = 0; i < 20; i++)
        input_key(&f->m, Q_KEY_A, true);
    cmd(f, 0xae);
    uint8_t got[32];
    int n = drain(f, got, 32);
    ck_assert_int_eq(n, 16);
    for (int i = 0; i < 15; i++)
        ck_assert_uint_eq(got[i], 0x1c);
    ck_assert_uint_eq(got[15], 0x00);            /* set-2 overrun code */
    teardown(f);
}
END_TEST

/* For every key: set 2 through the translator equals set 1 as sent. */
START_TEST(test_translation_matches_set1)
{
    Fixture *f = setup();
    int keys = 0;
    for (int q = 1; q < Q_KEY__MAX; q++) {
        if (q == Q_KEY_PAUSE)
            continue;
        uint8_t s1[16], s2[16];
        set_cb(f, 0x07);
        put(f, 0xf0);
        put(f, 0x01);
        drain(f, s1, 16);
        input_key(&f->m, q, true);
        input_key(&f->m, q, false);
        int n1 = drain(f, s1, 16);
        put(f, 0xf0);
        put(f, 0x02);
        drain(f, s2, 16);
        set_cb(f, 0x47);
        input_key(&f->m, q, true);
        input_key(&f->m, q, false);
        int n2 = drain(f, s2, 16);
        ck_assert_msg(n1 == n2, "%s: %d set-1 bytes, %d translated",
                      input_qcode_name(q), n1, n2);
        for (int i = 0; i < n1; i++)
            ck_assert_msg(s1[i] == s2[i], "%s byte %d: set 1 0x%02x, translated 0x%02x",
                          input_qcode_name(q), i, s1[i], s2[i]);
        keys += n1 > 0;
    }
    ck_assert_int_gt(keys, 120);
    teardown(f);
}
END_TEST

START_TEST(test_qcode_names)
{
    ck_assert_int_eq(input_qcode_from_name("ctrl"), Q_KEY_CTRL);
    ck_assert_int_eq(input_qcode_from_name("delete"), Q_KEY_DELETE);
    ck_assert_int_eq(input_qcode_from_name("f1"), Q_KEY_F1);
    ck_assert_int_eq(input_qcode_from_name("x"), Q_KEY_X);
    ck_assert_int_eq(input_qcode_from_name("nosuchkey"), -1);
    ck_assert_str_eq(input_qcode_name(Q_KEY_RET), "ret");
    ck_assert_ptr_null(input_qcode_name(Q_KEY__MAX));
}
END_TEST

START_TEST(test_mouse_reset_identify_status)
{
    Fixture *f = setup();
    mouse(f, 0xff);
    EXPECT(f, 0xfa, 0xaa, 0x00);
    mouse(f, 0xf2);
    EXPECT(f, 0xfa, 0x00);
    mouse(f, 0xe9);
    EXPECT(f, 0xfa, 0x00, 0x02, 100);            /* stream, off, 1:1; 4 c/mm; 100/s */
    mouse(f, 0xe8);
    mouse(f, 0x03);
    mouse(f, 0xe7);
    mouse(f, 0xf4);
    mouse(f, 0xf3);
    mouse(f, 40);
    EXPECT(f, 0xfa, 0xfa, 0xfa, 0xfa, 0xfa, 0xfa);
    mouse(f, 0xe9);
    EXPECT(f, 0xfa, 0x30, 0x03, 40);
    mouse(f, 0x42);                              /* unknown */
    EXPECT(f, 0xfe);
    teardown(f);
}
END_TEST

START_TEST(test_mouse_packets)
{
    Fixture *f = setup();
    input_mouse_rel(&f->m, 3, 3, 0, 0);          /* reporting off: nothing */
    EXPECT(f);
    mouse(f, 0xf4);
    EXPECT(f, 0xfa);
    input_mouse_rel(&f->m, -2, -7, 0, INPUT_BTN_RIGHT | INPUT_BTN_MIDDLE);
    EXPECT(f, 0x1e, 0xfe, 0x07);                 /* X negative, Y up */
    input_mouse_rel(&f->m, 0, 0, 0, 0);          /* buttons released */
    EXPECT(f, 0x08, 0x00, 0x00);
    input_mouse_rel(&f->m, 0, 0, 0, 0);          /* nothing changed */
    EXPECT(f);
    input_mouse_rel(&f->m, 300, -1000, 5, 0);    /* counters overflow; no wheel yet */
    EXPECT(f, 0xc8, 0xff, 0xff);
    mouse(f, 0xe7);                              /* 2:1 scaling */
    EXPECT(f, 0xfa);
    input_mouse_rel(&f->m, 4, 0, 0, 0);
    EXPECT(f, 0x08, 0x06, 0x00);
    teardown(f);
}
END_TEST

START_TEST(test_mouse_intellimouse)
{
    Fixture *f = setup();
    const uint8_t wrong[] = { 200, 100, 60 }, knock[] = { 200, 100, 80 };
    for (int i = 0; i < 3; i++) {
        mouse(f, 0xf3);
        mouse(f, wrong[i]);
    }
    mouse(f, 0xf2);
    EXPECT(f, 0xfa, 0xfa, 0xfa, 0xfa, 0xfa, 0xfa, 0xfa, 0x00);
    for (int i = 0; i < 3; i++) {
        mouse(f, 0xf3);
        mouse(f, knock[i]);
    }
    mouse(f, 0xf2);
    EXPECT(f, 0xfa, 0xfa, 0xfa, 0xfa, 0xfa, 0xfa, 0xfa, 0x03);
    mouse(f, 0xf4);
    EXPECT(f, 0xfa);
    input_mouse_rel(&f->m, 1, 0, -2, INPUT_BTN_LEFT);
    EXPECT(f, 0x09, 0x01, 0x00, 0xfe);
    input_mouse_rel(&f->m, 0, 0, 20, INPUT_BTN_LEFT);
    EXPECT(f, 0x09, 0x00, 0x00, 0x07);           /* Z saturates at +7 */
    mouse(f, 0xff);                              /* reset drops the wheel */
    mouse(f, 0xf2);
    EXPECT(f, 0xfa, 0xaa, 0x00, 0xfa, 0x00);
    teardown(f);
}
END_TEST

START_TEST(test_mouse_remote_and_wrap)
{
    Fixture *f = setup();
    mouse(f, 0xf0);                              /* remote mode */
    EXPECT(f, 0xfa);
    input_mouse_rel(&f->m, 7, 0, 0, 0);
    input_mouse_rel(&f->m, 1, 0, 0, 0);
    EXPECT(f);                                   /* nothing until asked */
    mouse(f, 0xeb);
    EXPECT(f, 0xfa, 0x08, 0x08, 0x00);
    mouse(f, 0xee);                              /* wrap: echo */
    mouse(f, 0x42);
    mouse(f, 0xf2);
    mouse(f, 0xec);
    mouse(f, 0xf2);
    EXPECT(f, 0xfa, 0x42, 0xf2, 0xfa, 0xfa, 0x00);
    teardown(f);
}
END_TEST

START_TEST(test_mouse_queue_refills)
{
    Fixture *f = setup();
    mouse(f, 0xf4);
    EXPECT(f, 0xfa);
    cmd(f, 0xa7);                                /* hold packets in the mouse */
    for (int i = 0; i < 6; i++)
        input_mouse_rel(&f->m, 1, 0, 0, 0);
    cmd(f, 0xa8);
    uint8_t got[32];
    int n = drain(f, got, 32);
    /* Five packets fit the 16-byte queue; the sixth step follows once read. */
    ck_assert_int_eq(n, 18);
    for (int i = 0; i < n; i += 3)
        ck_assert_uint_eq(got[i + 1], 1);
    teardown(f);
}
END_TEST

static Suite *ps2_suite(void)
{
    Suite *s = suite_create("ps2");
    TCase *tk = tcase_create("keyboard");
    tcase_add_test(tk, test_kbd_identify_echo_unknown);
    tcase_add_test(tk, test_kbd_reset_and_params);
    tcase_add_test(tk, test_kbd_scancode_sets);
    tcase_add_test(tk, test_kbd_scanning_and_pause);
    tcase_add_test(tk, test_kbd_queue_overrun);
    tcase_add_test(tk, test_translation_matches_set1);
    tcase_add_test(tk, test_qcode_names);
    suite_add_tcase(s, tk);
    TCase *tm = tcase_create("mouse");
    tcase_add_test(tm, test_mouse_reset_identify_status);
    tcase_add_test(tm, test_mouse_packets);
    tcase_add_test(tm, test_mouse_intellimouse);
    tcase_add_test(tm, test_mouse_remote_and_wrap);
    tcase_add_test(tm, test_mouse_queue_refills);
    suite_add_tcase(s, tm);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(ps2_suite());
    srunner_run_all(sr, CK_ENV);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
