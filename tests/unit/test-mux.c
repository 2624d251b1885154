/* The -nographic mux (core/chardev.c): bytes typed on the console go to
 * the serial port or, after C-a c, to the human monitor opened there. */
#include <check.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "yl/chardev.h"
#include "yl/machine.h"
#include "yl/monitor.h"

typedef struct Fixture {
    Machine *m;
    Chardev *c;
    int out[2];             /* what the mux writes: help, monitor output */
    char serial[256];       /* what the serial front end received */
    size_t nserial;
} Fixture;

static int serial_can_read(void *opaque)
{
    return 16;
}

static void serial_read(void *opaque, const uint8_t *buf, int len)
{
    Fixture *f = opaque;
    ck_assert_uint_lt(f->nserial + len, sizeof(f->serial));
    memcpy(f->serial + f->nserial, buf, len);
    f->nserial += len;
}

/* As the board's: C-a x asks the machine to shut down. */
static void quit(void *opaque)
{
    machine_request_shutdown(opaque, 0);
}

static Fixture *setup(void)
{
    Fixture *f = calloc(1, sizeof(*f));
    char err[128];
    f->m = calloc(1, sizeof(*f->m));
    machine_init(f->m);
    clock_stop(&f->m->clock);
    f->c = chardev_new_spec("null", "serial0", err, sizeof(err));
    ck_assert_ptr_nonnull(f->c);
    ck_assert_int_eq(machine_add_chardev(f->m, f->c, err, sizeof(err)), 0);
    ck_assert_int_eq(pipe(f->out), 0);
    fcntl(f->out[0], F_SETFL, O_NONBLOCK);
    f->c->fd_out = f->out[1];
    f->c->mux_quit = quit;
    f->c->mux_opaque = f->m;
    chardev_set_handlers(f->c, serial_can_read, serial_read, f);
    return f;
}

static void teardown(Fixture *f)
{
    machine_destroy(f->m);
    close(f->out[0]);
    close(f->out[1]);
    free(f->m);
    free(f);
}

static void type(Fixture *f, const char *s)
{
    chardev_input(f->c, (const uint8_t *)s, strlen(s));
}

/* Everything the mux wrote since the last call. */
static const char *output(Fixture *f)
{
    static char buf[16384];
    ssize_t n = read(f->out[0], buf, sizeof(buf) - 1);
    buf[n > 0 ? n : 0] = 0;
    return buf;
}

#define ck_has(s, want) ck_assert_msg(strstr(s, want), "no '%s' in '%s'", want, s)

START_TEST(test_switch_to_monitor_and_back)
{
    Fixture *f = setup();
    type(f, "ab\001cbogus\r");
    ck_assert_uint_eq(f->nserial, 2);   /* only what came before C-a c */
    ck_assert_ptr_nonnull(f->m->monitor);
    const char *o = output(f);
    ck_has(o, "Yinglong monitor");
    ck_has(o, "unknown command: 'bogus'");
    /* Split across reads, C-a c still switches; then C-a C-a sends C-a. */
    type(f, "xp\001");
    type(f, "cz\001\001");
    ck_assert_uint_eq(f->nserial, 4);
    ck_assert(!memcmp(f->serial, "abz\001", 4));
    /* Back to the monitor: it greets again and forgot the half line. */
    type(f, "\001c");
    ck_has(output(f), "(yinglong) ");
    type(f, "q\r");
    ck_assert(f->m->shutdown_requested);
    ck_assert_uint_eq(f->nserial, 4);
    teardown(f);
}
END_TEST

START_TEST(test_help_and_quit)
{
    Fixture *f = setup();
    type(f, "\001h\001?");
    const char *o = output(f);
    ck_has(o, "C-a c    switch between console and monitor");
    ck_has(o, "C-a x    exit the emulator");
    ck_assert(!f->m->shutdown_requested);
    type(f, "\001q\001x");                  /* unknown escapes are dropped */
    ck_assert(f->m->shutdown_requested);
    ck_assert_uint_eq(f->nserial, 0);
    teardown(f);
}
END_TEST

/* A monitor elsewhere (-monitor unix:...): C-a c says so and the input
 * stays with the serial port. */
START_TEST(test_monitor_elsewhere)
{
    Fixture *f = setup();
    Monitor *mon = monitor_new(f->m, NULL);
    type(f, "\001cab");
    ck_has(output(f), "no monitor on this console");
    ck_assert_ptr_eq(f->m->monitor, mon);
    ck_assert_uint_eq(f->nserial, 2);
    teardown(f);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("mux");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, test_switch_to_monitor_and_back);
    tcase_add_test(tc, test_help_and_quit);
    tcase_add_test(tc, test_monitor_elsewhere);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_ENV);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
