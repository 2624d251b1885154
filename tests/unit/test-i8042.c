/* The i8042 through the port space with no CPU running: self test, command
 * byte, interface enables, keyboard data with set-2 -> set-1 translation on
 * IRQ 1, mouse data on IRQ 12, the output port (A20, reset) and 0xFE. */
#include <check.h>
#include <stdlib.h>

#include "yl/machine.h"

typedef struct Fixture {
    Machine m;
    X86CPU *cpu;
    int level[16], edges[16];
} Fixture;

static void irq_cb(void *opaque, int n, int level)
{
    Fixture *f = opaque;
    if (level && !f->level[n])
        f->edges[n]++;
    f->level[n] = level;
}

static uint8_t status(Fixture *f) { return ioport_read(&f->m.io, 0x64, 1); }
static uint8_t data(Fixture *f) { return ioport_read(&f->m.io, 0x60, 1); }
static void cmd(Fixture *f, uint8_t c) { ioport_write(&f->m.io, 0x64, c, 1); }
static void put(Fixture *f, uint8_t v) { ioport_write(&f->m.io, 0x60, v, 1); }

static Fixture *setup(void)
{
    Fixture *f = calloc(1, sizeof(*f));
    char err[160];
    machine_init(&f->m);
    clock_stop(&f->m.clock);
    irq_init(&f->m.isa_irq[1], irq_cb, f, 1);
    irq_init(&f->m.isa_irq[12], irq_cb, f, 12);
    f->cpu = calloc(1, sizeof(*f->cpu));
    x86_cpu_init(f->cpu, &f->m, &f->m.as, &f->m.io, &f->m.log);
    f->m.cpus[f->m.ncpus++] = f->cpu;
    ck_assert_ptr_nonnull(machine_create_device(&f->m, "i8042", "", err, sizeof(err)));
    return f;
}

static void teardown(Fixture *f)
{
    machine_destroy(&f->m);
    free(f->cpu);
    free(f);
}

/* Sends a controller command and returns its one-byte answer. */
static uint8_t query(Fixture *f, uint8_t c)
{
    cmd(f, c);
    ck_assert_uint_eq(status(f) & 0x21, 0x01);  /* a controller byte, not aux */
    return data(f);
}

static void set_cb(Fixture *f, uint8_t v)
{
    cmd(f, 0x60);
    put(f, v);
}

START_TEST(test_self_test_and_interface_tests)
{
    Fixture *f = setup();
    ck_assert_uint_eq(status(f) & 0x05, 0x00);  /* empty, SYS clear at power on */
    ck_assert_uint_eq(query(f, 0xaa), 0x55);
    ck_assert_uint_eq(status(f) & 0x05, 0x04);  /* SYS set, buffer empty */
    ck_assert_uint_eq(query(f, 0x20) & 0x34, 0x34);  /* and both interfaces off */
    ck_assert_uint_eq(query(f, 0xab), 0x00);
    ck_assert_uint_eq(query(f, 0xa9), 0x00);
    ck_assert_uint_eq(status(f) & 0x08, 0x08);  /* last write was a command */
    put(f, 0xee);                                /* echo to the keyboard */
    ck_assert_uint_eq(status(f) & 0x08, 0x00);
    ck_assert_uint_eq(data(f), 0xee);            /* replies pass translation unchanged */
    teardown(f);
}
END_TEST

START_TEST(test_command_byte)
{
    Fixture *f = setup();
    uint8_t cb = query(f, 0x20);
    ck_assert_uint_eq(cb & 0x40, 0x40);          /* translation on, as a BIOS leaves it */
    set_cb(f, 0x47);
    ck_assert_uint_eq(query(f, 0x20), 0x47);
    cmd(f, 0xad);
    ck_assert_uint_eq(query(f, 0x20), 0x57);
    cmd(f, 0xae);
    cmd(f, 0xa7);
    ck_assert_uint_eq(query(f, 0x20), 0x67);
    cmd(f, 0xa8);
    ck_assert_uint_eq(query(f, 0x20), 0x47);
    /* Other RAM bytes: 0x61..0x7f / 0x21..0x3f. */
    cmd(f, 0x65);
    put(f, 0x5a);
    ck_assert_uint_eq(query(f, 0x25), 0x5a);
    teardown(f);
}
END_TEST

START_TEST(test_controller_reply_raises_irq1)
{
    Fixture *f = setup();
    set_cb(f, 0x01);                             /* keyboard interrupt only */
    int e = f->edges[1];
    cmd(f, 0xaa);
    ck_assert_int_eq(f->edges[1], e + 1);
    ck_assert_int_eq(f->level[1], 1);
    ck_assert_uint_eq(data(f), 0x55);
    ck_assert_int_eq(f->level[1], 0);
    set_cb(f, 0x00);
    cmd(f, 0xaa);
    ck_assert_int_eq(f->level[1], 0);            /* interrupt disabled */
    ck_assert_uint_eq(status(f) & 1, 1);
    data(f);
    teardown(f);
}
END_TEST

START_TEST(test_keyboard_reset)
{
    Fixture *f = setup();
    set_cb(f, 0x01);                             /* no translation */
    put(f, 0xff);
    ck_assert_uint_eq(data(f), 0xfa);
    ck_assert_uint_eq(status(f) & 1, 1);
    ck_assert_uint_eq(data(f), 0xaa);
    ck_assert_uint_eq(status(f) & 1, 0);
    teardown(f);
}
END_TEST

START_TEST(test_key_translated_on_irq1)
{
    Fixture *f = setup();
    set_cb(f, 0x45);                             /* XLAT, SYS, kbd interrupt */
    int e = f->edges[1];
    input_key(&f->m, Q_KEY_A, true);
    ck_assert_int_eq(f->edges[1], e + 1);
    ck_assert_uint_eq(status(f) & 0x21, 0x01);
    ck_assert_uint_eq(data(f), 0x1e);            /* set 2 1C -> set 1 1E */
    ck_assert_int_eq(f->level[1], 0);
    input_key(&f->m, Q_KEY_A, false);            /* F0 1C -> 9E */
    ck_assert_uint_eq(data(f), 0x9e);
    input_key(&f->m, Q_KEY_DELETE, false);       /* E0 F0 71 -> E0 D3 */
    e = f->edges[1];
    ck_assert_uint_eq(data(f), 0xe0);
    ck_assert_int_eq(f->level[1], 1);            /* the next byte moved in */
    ck_assert_int_eq(f->edges[1], e + 1);        /* as a new edge for the PIC */
    ck_assert_uint_eq(data(f), 0xd3);
    ck_assert_uint_eq(status(f) & 1, 0);
    ck_assert_int_eq(f->level[1], 0);
    /* Without translation the keyboard's own set 2 comes through. */
    set_cb(f, 0x05);
    input_key(&f->m, Q_KEY_A, false);
    ck_assert_uint_eq(data(f), 0xf0);
    ck_assert_uint_eq(data(f), 0x1c);
    teardown(f);
}
END_TEST

START_TEST(test_keyboard_disable_holds_data)
{
    Fixture *f = setup();
    set_cb(f, 0x45);
    cmd(f, 0xad);
    input_key(&f->m, Q_KEY_ESC, true);
    ck_assert_uint_eq(status(f) & 1, 0);
    ck_assert_int_eq(f->level[1], 0);
    cmd(f, 0xae);
    ck_assert_uint_eq(status(f) & 1, 1);
    ck_assert_int_eq(f->level[1], 1);
    ck_assert_uint_eq(data(f), 0x01);
    teardown(f);
}
END_TEST

START_TEST(test_mouse_packet_on_irq12)
{
    Fixture *f = setup();
    set_cb(f, 0x47);                             /* both interrupts, both enabled */
    cmd(f, 0xd4);
    put(f, 0xf4);                                /* enable data reporting */
    ck_assert_uint_eq(status(f) & 0x21, 0x21);
    ck_assert_int_eq(f->level[12], 1);
    ck_assert_int_eq(f->level[1], 0);
    ck_assert_uint_eq(data(f), 0xfa);
    ck_assert_int_eq(f->level[12], 0);
    input_mouse_rel(&f->m, 5, 3, 0, INPUT_BTN_LEFT);
    ck_assert_int_eq(f->level[12], 1);
    ck_assert_uint_eq(data(f), 0x29);            /* left, bit 3, Y negative (moved down) */
    ck_assert_uint_eq(data(f), 0x05);
    ck_assert_uint_eq(data(f), 0xfd);
    ck_assert_uint_eq(status(f) & 0x21, 0x00);
    /* Mouse data does not pass the disabled aux interface. */
    cmd(f, 0xa7);
    input_mouse_rel(&f->m, 1, 0, 0, INPUT_BTN_LEFT);
    ck_assert_uint_eq(status(f) & 1, 0);
    cmd(f, 0xa8);
    ck_assert_uint_eq(status(f) & 0x21, 0x21);
    teardown(f);
}
END_TEST

START_TEST(test_write_output_buffers)
{
    Fixture *f = setup();
    set_cb(f, 0x03);
    cmd(f, 0xd3);                                /* as if from the mouse */
    put(f, 0x5a);
    ck_assert_uint_eq(status(f) & 0x21, 0x21);
    ck_assert_int_eq(f->level[12], 1);
    ck_assert_uint_eq(data(f), 0x5a);
    cmd(f, 0xd2);                                /* as if from the keyboard */
    put(f, 0xa5);
    ck_assert_uint_eq(status(f) & 0x21, 0x01);
    ck_assert_int_eq(f->level[1], 1);
    ck_assert_uint_eq(data(f), 0xa5);
    teardown(f);
}
END_TEST

START_TEST(test_a20_via_output_port)
{
    Fixture *f = setup();
    ck_assert_uint_eq((f->cpu->a20_mask >> 20) & 1, 1);
    uint8_t op = query(f, 0xd0);
    ck_assert_uint_eq(op & 0x03, 0x03);
    cmd(f, 0xd1);
    put(f, op & ~0x02);
    ck_assert_uint_eq((f->cpu->a20_mask >> 20) & 1, 0);
    ck_assert_uint_eq(query(f, 0xd0) & 0x02, 0x00);
    ck_assert(!f->m.reset_requested);
    cmd(f, 0xd1);
    put(f, op | 0x02);
    ck_assert_uint_eq((f->cpu->a20_mask >> 20) & 1, 1);
    cmd(f, 0xdd);
    ck_assert_uint_eq((f->cpu->a20_mask >> 20) & 1, 0);
    cmd(f, 0xdf);
    ck_assert_uint_eq((f->cpu->a20_mask >> 20) & 1, 1);
    ck_assert(!f->m.reset_requested);
    /* Bit 0 low holds the CPU in reset. */
    cmd(f, 0xd1);
    put(f, 0xde);
    ck_assert(f->m.reset_requested);
    teardown(f);
}
END_TEST

START_TEST(test_pulse_reset)
{
    Fixture *f = setup();
    cmd(f, 0xff);                                /* pulses nothing */
    ck_assert(!f->m.reset_requested);
    cmd(f, 0xfe);
    ck_assert(f->m.reset_requested);
    teardown(f);
}
END_TEST

START_TEST(test_machine_reset_restores_state)
{
    Fixture *f = setup();
    char err[160];
    set_cb(f, 0x00);
    cmd(f, 0xaa);
    ck_assert_int_eq(machine_reset(&f->m, err, sizeof(err)), 0);
    ck_assert_uint_eq(status(f) & 0x05, 0x00);
    ck_assert_uint_eq(query(f, 0x20) & 0x41, 0x41);
    teardown(f);
}
END_TEST

static Suite *i8042_suite(void)
{
    Suite *s = suite_create("i8042");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, test_self_test_and_interface_tests);
    tcase_add_test(tc, test_command_byte);
    tcase_add_test(tc, test_controller_reply_raises_irq1);
    tcase_add_test(tc, test_keyboard_reset);
    tcase_add_test(tc, test_key_translated_on_irq1);
    tcase_add_test(tc, test_keyboard_disable_holds_data);
    tcase_add_test(tc, test_mouse_packet_on_irq12);
    tcase_add_test(tc, test_write_output_buffers);
    tcase_add_test(tc, test_a20_via_output_port);
    tcase_add_test(tc, test_pulse_reset);
    tcase_add_test(tc, test_machine_reset_restores_state);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(i8042_suite());
    srunner_run_all(sr, CK_ENV);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
