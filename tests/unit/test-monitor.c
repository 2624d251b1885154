/* The human monitor against a machine whose CPU never runs: info mtree,
 * x/xp in every format, bad commands and arguments (it keeps serving),
 * stop/cont, quit, sendkey, screendump, and a session over a unix socket. */
#include <check.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "yl/display.h"
#include "yl/input.h"
#include "yl/machine.h"
#include "yl/monitor.h"

typedef struct Fixture {
    Machine m;
    Monitor *mon;
    char out[16384];
    size_t len;
    int keys[16][2];
    int nkeys;
} Fixture;

static void capture(void *opaque, const char *s, size_t len)
{
    Fixture *f = opaque;
    size_t room = sizeof(f->out) - 1 - f->len;
    if (len > room)
        len = room;
    memcpy(f->out + f->len, s, len);
    f->len += len;
    f->out[f->len] = 0;
}

static Fixture *setup(void)
{
    Fixture *f = calloc(1, sizeof(*f));
    machine_init(&f->m);
    clock_stop(&f->m.clock);
    ck_assert_int_eq(as_alloc_ram(&f->m.as, 1 << 20), 0);
    mem_add_ram(&f->m.as, "pc.ram", 0, 0xa0000, f->m.as.ram, 0);
    f->mon = monitor_new(&f->m, NULL);
    ck_assert_ptr_nonnull(f->mon);
    ck_assert_ptr_eq(f->m.monitor, f->mon);
    monitor_set_output(f->mon, capture, f);
    return f;
}

static void teardown(Fixture *f)
{
    machine_destroy(&f->m);
    ck_assert_ptr_null(f->m.monitor);
    free(f);
}

/* Runs a command; returns its output. */
static const char *cmd(Fixture *f, const char *line, int want_rc)
{
    f->len = 0;
    f->out[0] = 0;
    ck_assert_int_eq(monitor_command(f->mon, line), want_rc);
    return f->out;
}

START_TEST(test_info_mtree)
{
    Fixture *f = setup();
    char err[128];
    ck_assert_ptr_nonnull(machine_create_device(&f->m, "isa-vga", "romfile=", err, sizeof(err)));
    const char *o = cmd(f, "info mtree", 0);
    ck_assert_ptr_nonnull(strstr(o, "0000000000000000-000000000009ffff (prio 0, ram): pc.ram"));
    ck_assert_ptr_nonnull(strstr(o, "00000000000a0000-00000000000bffff (prio 1, i/o): vga-lowmem"));
    ck_assert(strstr(o, "pc.ram") < strstr(o, "vga-lowmem"));     /* address order */
    teardown(f);
}
END_TEST

START_TEST(test_xp_formats)
{
    Fixture *f = setup();
    static const uint8_t bytes[] = { 0x53, 0x65, 0x61, 0x42, 0xfe, 0xff, 0x00, 0x80,
                                     0x41, 0x27, 0x07 };
    phys_rw(&f->m.as, 0x7c00, (void *)bytes, sizeof(bytes), true);
    ck_assert_str_eq(cmd(f, "xp/4bx 0x7c00", 0),
                     "0000000000007c00: 0x53 0x65 0x61 0x42\n");
    ck_assert_str_eq(cmd(f, "xp/2xw 0x7c00", 0),
                     "0000000000007c00: 0x42616553 0x8000fffe\n");
    ck_assert_str_eq(cmd(f, "xp/1g 0x7c00", 0),
                     "0000000000007c00: 0x8000fffe42616553\n");
    ck_assert_str_eq(cmd(f, "xp/2dh 0x7c04", 0),
                     "0000000000007c04:      -2  -32768\n");
    ck_assert_str_eq(cmd(f, "xp/1uh 0x7c04", 0), "0000000000007c04:   65534\n");
    ck_assert_str_eq(cmd(f, "xp/3c 0x7c08", 0), "0000000000007c08: 'A' '\\'' '\\x07'\n");
    ck_assert_str_eq(cmd(f, "xp 0x7c00", 0), "0000000000007c00: 0x42616553\n");
    /* more than a line: the address starts every line */
    const char *o = cmd(f, "xp/20bx 0x7c00", 0);
    ck_assert_ptr_nonnull(strstr(o, "\n0000000000007c10: "));
    /* open bus reads as all ones */
    ck_assert_str_eq(cmd(f, "xp/1bx 0xfff00000", 0), "00000000fff00000: 0xff\n");
    teardown(f);
}
END_TEST

START_TEST(test_xp_disassembly)
{
    Fixture *f = setup();
    static const uint8_t code[] = { 0xfa, 0x31, 0xc0, 0xcd, 0x10, 0xf4 };
    phys_rw(&f->m.as, 0x1000, (void *)code, sizeof(code), true);
    const char *o = cmd(f, "xp/4i 0x1000", 0);
    ck_assert_ptr_nonnull(strstr(o, "0x00001000:  cli\n"));
    ck_assert_ptr_nonnull(strstr(o, "0x00001001:  xor ax, ax\n"));     /* 16-bit: no CPU */
    ck_assert_ptr_nonnull(strstr(o, "0x00001003:  int 0x10\n"));
    ck_assert_ptr_nonnull(strstr(o, "0x00001005:  hlt\n"));
    teardown(f);
}
END_TEST

START_TEST(test_bad_input_keeps_serving)
{
    Fixture *f = setup();
    ck_assert_ptr_nonnull(strstr(cmd(f, "frobnicate 1 2", -1), "unknown command: 'frobnicate'"));
    ck_assert_ptr_nonnull(strstr(cmd(f, "xp/4q 0", -1), "usage"));
    ck_assert_ptr_nonnull(strstr(cmd(f, "xp/4bx nothex", -1), "usage"));
    ck_assert_ptr_nonnull(strstr(cmd(f, "xp/0bx 0", -1), "usage"));
    ck_assert_ptr_nonnull(strstr(cmd(f, "xp/2305843009213693952g 0", -1), "at most"));
    ck_assert_ptr_nonnull(strstr(cmd(f, "xp/99999999999999999999i 0", -1), "at most"));
    ck_assert_ptr_nonnull(strstr(cmd(f, "x/4bx 0x1000", -1), "Cannot access memory"));
    ck_assert_ptr_nonnull(strstr(cmd(f, "info registers", -1), "no CPU"));
    ck_assert_ptr_nonnull(strstr(cmd(f, "info pci", -1), "no PCI bus"));
    ck_assert_ptr_nonnull(strstr(cmd(f, "info bogus", -1), "unknown item"));
    ck_assert_ptr_nonnull(strstr(cmd(f, "screendump /tmp/x.png", -1), "no display"));
    ck_assert_ptr_nonnull(strstr(cmd(f, "stop now", -1), "too many arguments"));
    ck_assert_str_eq(cmd(f, "", 0), "");
    ck_assert_ptr_nonnull(strstr(cmd(f, "help", 0), "screendump"));
    ck_assert_str_eq(cmd(f, "xp/1bx 0", 0), "0000000000000000: 0x00\n");
    teardown(f);
}
END_TEST

START_TEST(test_stop_cont_quit_reset)
{
    Fixture *f = setup();
    clock_start(&f->m.clock);
    cmd(f, "stop", 0);
    ck_assert(f->m.paused);
    int64_t t = clock_ns(&f->m.clock);
    usleep(2000);
    ck_assert_int_eq(clock_ns(&f->m.clock), t);     /* time stands while stopped */
    cmd(f, "cont", 0);
    ck_assert(!f->m.paused);
    usleep(2000);
    ck_assert_int_gt(clock_ns(&f->m.clock), t);
    cmd(f, "system_reset", 0);
    ck_assert(f->m.reset_requested);
    ck_assert(!f->m.shutdown_requested);
    cmd(f, "quit", 0);
    ck_assert(f->m.shutdown_requested);
    ck_assert_int_eq(f->m.exit_status, 0);
    teardown(f);
}
END_TEST

static void key_sink(void *opaque, int qcode, bool down)
{
    Fixture *f = opaque;
    if (f->nkeys < 16) {
        f->keys[f->nkeys][0] = qcode;
        f->keys[f->nkeys++][1] = down;
    }
}

START_TEST(test_sendkey)
{
    Fixture *f = setup();
    input_register_keyboard(&f->m, key_sink, f);
    cmd(f, "sendkey ctrl-alt-delete", 0);
    const int want[6][2] = {
        { Q_KEY_CTRL, 1 }, { Q_KEY_ALT, 1 }, { Q_KEY_DELETE, 1 },
        { Q_KEY_DELETE, 0 }, { Q_KEY_ALT, 0 }, { Q_KEY_CTRL, 0 },
    };
    ck_assert_int_eq(f->nkeys, 6);
    ck_assert_mem_eq(f->keys, want, sizeof(want));
    f->nkeys = 0;
    cmd(f, "sendkey ret 100", 0);
    ck_assert_int_eq(f->nkeys, 2);
    ck_assert_int_eq(f->keys[0][0], Q_KEY_RET);
    f->nkeys = 0;
    ck_assert_ptr_nonnull(strstr(cmd(f, "sendkey ctrl-nosuchkey", -1), "unknown key"));
    ck_assert_int_eq(f->nkeys, 0);                  /* nothing half-pressed */
    teardown(f);
}
END_TEST

START_TEST(test_screendump)
{
    Fixture *f = setup();
    char err[128], path[64];
    ck_assert_ptr_nonnull(machine_create_device(&f->m, "isa-vga", "romfile=", err, sizeof(err)));
    snprintf(path, sizeof(path), "/tmp/yl-test-monitor-%d.png", (int)getpid());
    char line[96];
    snprintf(line, sizeof(line), "screendump %s", path);
    ck_assert_str_eq(cmd(f, line, 0), "");
    FILE *fp = fopen(path, "rb");
    ck_assert_ptr_nonnull(fp);
    uint8_t head[24];
    ck_assert_uint_eq(fread(head, 1, 24, fp), 24);
    fclose(fp);
    unlink(path);
    ck_assert_mem_eq(head + 1, "PNG", 3);
    ck_assert_mem_eq(head + 12, "IHDR", 4);
    ck_assert_ptr_nonnull(strstr(cmd(f, "screendump /nonexistent-dir/a.png", -1),
                                 "could not open"));
    teardown(f);
}
END_TEST

static int read_until(int fd, char *buf, size_t size, const char *want, Chardev *c)
{
    size_t len = 0;
    buf[0] = 0;
    for (int tries = 0; tries < 100 && !strstr(buf, want); tries++) {
        struct pollfd p = { .fd = c->fd_in, .events = POLLIN };
        if (poll(&p, 1, 0) > 0)
            chardev_read_input(c);      /* what the main loop does */
        p = (struct pollfd){ .fd = fd, .events = POLLIN };
        if (poll(&p, 1, 10) > 0) {
            ssize_t n = read(fd, buf + len, size - 1 - len);
            if (n <= 0)
                break;
            len += n;
            buf[len] = 0;
        }
    }
    return strstr(buf, want) != NULL;
}

START_TEST(test_unix_socket_session)
{
    Fixture *f = setup();
    monitor_free(f->mon);
    char spec[128], err[160], buf[4096];
    snprintf(spec, sizeof(spec), "unix:/tmp/yl-test-mon-%d.sock,server,nowait", (int)getpid());
    Chardev *c = chardev_new_spec(spec, "mon", err, sizeof(err));
    ck_assert_msg(c != NULL, "%s", err);
    ck_assert_int_eq(machine_add_chardev(&f->m, c, err, sizeof(err)), 0);
    f->mon = monitor_new(&f->m, c);
    struct sockaddr_un sa = { .sun_family = AF_UNIX };
    snprintf(sa.sun_path, sizeof(sa.sun_path), "/tmp/yl-test-mon-%d.sock", (int)getpid());
    int fd = socket(AF_UNIX, SOCK_STREAM, 0);
    ck_assert_int_eq(connect(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
    ck_assert(read_until(fd, buf, sizeof(buf), "(yinglong) ", c));
    ck_assert(write(fd, "bogus\r\nxp/2bx 0x10\n", 19) == 19);
    ck_assert(read_until(fd, buf, sizeof(buf), "0x00 0x00", c));
    ck_assert_ptr_nonnull(strstr(buf, "unknown command: 'bogus'"));
    close(fd);
    /* the client left: the server takes the next one */
    fd = socket(AF_UNIX, SOCK_STREAM, 0);
    struct pollfd p = { .fd = c->fd_in, .events = POLLIN };
    ck_assert_int_eq(poll(&p, 1, 1000), 1);
    chardev_read_input(c);                          /* sees the end of input */
    ck_assert_int_eq(c->fd_in, c->listen_fd);
    ck_assert_int_eq(connect(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
    ck_assert(read_until(fd, buf, sizeof(buf), "(yinglong) ", c));
    close(fd);
    teardown(f);
    ck_assert_int_ne(access(sa.sun_path, F_OK), 0); /* unlinked at exit */
}
END_TEST

int main(void)
{
    Suite *s = suite_create("monitor");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, test_info_mtree);
    tcase_add_test(tc, test_xp_formats);
    tcase_add_test(tc, test_xp_disassembly);
    tcase_add_test(tc, test_bad_input_keeps_serving);
    tcase_add_test(tc, test_stop_cont_quit_reset);
    tcase_add_test(tc, test_sendkey);
    tcase_add_test(tc, test_screendump);
    tcase_add_test(tc, test_unix_socket_session);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_ENV);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? 1 : 0;
}
