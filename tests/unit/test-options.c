/* Command lines, good and bad. */
#include <check.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "core/options.h"

static char err[256];

/* Parses a NULL-terminated list of arguments after the program name. */
static int parse(Options *o, ...)
{
    char *argv[64] = { "yinglong" };
    int argc = 1;
    va_list ap;
    va_start(ap, o);
    for (char *a; (a = va_arg(ap, char *)); )
        argv[argc++] = a;
    va_end(ap);
    err[0] = 0;
    return options_parse(o, argc, argv, err, sizeof(err));
}

#define ck_err_has(s) ck_assert_msg(strstr(err, s), "error '%s' lacks '%s'", err, s)

START_TEST(test_defaults)
{
    Options o;
    ck_assert_int_eq(parse(&o, NULL), 0);
    ck_assert_int_eq(o.action, OPT_RUN);
    ck_assert_uint_eq(o.machine.ram_size, 128ull << 20);
    ck_assert_int_eq(o.machine.nserial, 0);
    ck_assert(!o.machine.nodefaults);
}
END_TEST

START_TEST(test_typical)
{
    Options o;
    ck_assert_int_eq(parse(&o, "-nodefaults", "-machine", "pc", "-m", "64", "-display",
                           "none", "-serial", "stdio", "-device",
                           "isa-debug-exit,iobase=0xf4,iosize=0x04", "-kernel", "k.bin",
                           "-append", "console=ttyS0", "-initrd", "a x,b", "-no-reboot",
                           "-d", "int,guest_errors", "-D", "log.txt", NULL), 0);
    ck_assert(o.machine.nodefaults);
    ck_assert(o.machine.no_reboot);
    ck_assert(o.machine.display_none);
    ck_assert_uint_eq(o.machine.ram_size, 64ull << 20);
    ck_assert_int_eq(o.machine.nserial, 1);
    ck_assert_str_eq(o.machine.serial[0], "stdio");
    ck_assert_int_eq(o.machine.ndevice, 1);
    ck_assert_str_eq(o.machine.device[0], "isa-debug-exit,iobase=0xf4,iosize=0x04");
    ck_assert_str_eq(o.machine.kernel, "k.bin");
    ck_assert_str_eq(o.machine.append, "console=ttyS0");
    ck_assert_str_eq(o.machine.initrd, "a x,b");
    ck_assert_uint_eq(o.log_mask, LOG_INT | LOG_GUEST_ERRORS);
    ck_assert_str_eq(o.log_file, "log.txt");
}
END_TEST

START_TEST(test_machine_variants)
{
    Options o;
    ck_assert_int_eq(parse(&o, "-M", "pc", NULL), 0);
    ck_assert_int_eq(parse(&o, "-machine", "type=pc", NULL), 0);
    ck_assert_int_eq(parse(&o, "-machine", "pc,accel=tcg", NULL), 0);
    ck_assert_int_eq(parse(&o, "--machine", "pc", NULL), 0);
    ck_assert_int_eq(parse(&o, "-machine", "q35", NULL), -1);
    ck_err_has("unsupported machine type");
    ck_assert_int_eq(parse(&o, "-machine", "pc,accel=kvm:tcg,kernel-irqchip=off", NULL), 0);
    ck_assert_str_eq(o.machine.accel, "kvm:tcg");
    ck_assert(o.machine.kernel_irqchip_off);
    ck_assert_int_eq(parse(&o, "-machine", "pc,accel=hax", NULL), -1);
    ck_err_has("hax");
    ck_assert_int_eq(parse(&o, "-machine", "pc,mem-merge=off", NULL), 0);
    ck_assert(o.machine.mem_merge_off);
    ck_assert_int_eq(parse(&o, "-machine", "pc,mem-merge=maybe", NULL), -1);
    ck_err_has("on or off");
    ck_assert_int_eq(parse(&o, "-machine", "pc,usb=on", NULL), -1);
    ck_err_has("usb");
    ck_assert_int_eq(parse(&o, "-machine", "help", NULL), 0);
    ck_assert_int_eq(o.action, OPT_MACHINE_HELP);
}
END_TEST

START_TEST(test_memory_sizes)
{
    Options o;
    ck_assert_int_eq(parse(&o, "-m", "1G", NULL), 0);
    ck_assert_uint_eq(o.machine.ram_size, 1ull << 30);
    ck_assert_int_eq(parse(&o, "-m", "512k", NULL), 0);
    ck_assert_uint_eq(o.machine.ram_size, 512ull << 10);
    ck_assert_int_eq(parse(&o, "-m", "size=2G", NULL), 0);
    ck_assert_uint_eq(o.machine.ram_size, 2ull << 30);
    ck_assert_int_eq(parse(&o, "-m", "1.5G", NULL), 0);
    ck_assert_uint_eq(o.machine.ram_size, 3ull << 29);
    ck_assert_int_eq(parse(&o, "-m", "0", NULL), -1);
    ck_assert_int_eq(parse(&o, "-m", "lots", NULL), -1);
    ck_err_has("-m lots");
    ck_assert_int_eq(parse(&o, "-m", "12X", NULL), -1);
    ck_assert_int_eq(parse(&o, "-m", "-5", NULL), -1);
    ck_assert_int_eq(parse(&o, "-m", "99999999T", NULL), -1);
    ck_assert_int_eq(parse(&o, "-m", NULL), -1);
    ck_err_has("requires an argument");
}
END_TEST

START_TEST(test_serial_and_chardev)
{
    Options o;
    ck_assert_int_eq(parse(&o, "-chardev", "file,id=f,path=/tmp/x", "-serial", "chardev:f",
                           "-serial", "null", "-serial", "file:/tmp/y", "-serial", "none",
                           "-debugcon", "stdio", NULL), 0);
    ck_assert_int_eq(o.machine.nserial, 4);
    ck_assert_ptr_null(o.machine.serial[3]);
    ck_assert_str_eq(o.machine.debugcon, "stdio");
    ck_assert_int_eq(o.machine.nchardev, 1);
    ck_assert_int_eq(parse(&o, "-serial", "stdio", "-serial", "stdio", "-serial", "stdio",
                           "-serial", "stdio", "-serial", "stdio", NULL), -1);
    ck_assert_int_eq(parse(&o, "-serial", "pty", NULL), -1);
    ck_err_has("pty");
    ck_assert_int_eq(parse(&o, "-chardev", "socket,id=s", NULL), -1);
    ck_assert_int_eq(parse(&o, "-chardev", "stdio", NULL), -1);
    ck_err_has("id=");
    ck_assert_int_eq(parse(&o, "-chardev", "file,id=f", NULL), -1);
    ck_err_has("path");
    ck_assert_int_eq(parse(&o, "-chardev", "null,id=n,mux=on", NULL), -1);
    ck_assert_int_eq(parse(&o, "-debugcon", "null", "-debugcon", "null", NULL), -1);
}
END_TEST

START_TEST(test_devices)
{
    Options o;
    ck_assert_int_eq(parse(&o, "-device", "help", NULL), 0);
    ck_assert_int_eq(o.action, OPT_DEVICE_HELP);
    ck_assert_ptr_null(o.help_arg);
    ck_assert_int_eq(parse(&o, "-device", "isa-serial,help", NULL), 0);
    ck_assert_str_eq(o.help_arg, "isa-serial");
    ck_assert_int_eq(parse(&o, "-device", "e1000", NULL), -1);
    ck_err_has("e1000");
    ck_assert_int_eq(parse(&o, "-device", "i8259", NULL), -1);  /* not user creatable */
    ck_assert_int_eq(parse(&o, "-device", "isa-debugcon,iobase=0x402", NULL), 0);
}
END_TEST

START_TEST(test_smp)
{
    Options o;
    ck_assert_int_eq(parse(&o, "-smp", "2", NULL), 0);
    ck_assert_int_eq(o.machine.smp_cpus, 2);
    ck_assert_int_eq(o.machine.smp_max_cpus, 2);
    ck_assert_int_eq(o.machine.smp_sockets, 2);   /* sockets first, as QEMU's pc */
    ck_assert_int_eq(o.machine.smp_cores, 1);
    ck_assert_int_eq(o.machine.smp_threads, 1);
    ck_assert_int_eq(parse(&o, "-smp", "cpus=4,cores=2,threads=2", NULL), 0);
    ck_assert_int_eq(o.machine.smp_cpus, 4);
    ck_assert_int_eq(o.machine.smp_sockets, 1);
    ck_assert_int_eq(o.machine.smp_cores, 2);
    ck_assert_int_eq(o.machine.smp_threads, 2);
    ck_assert_int_eq(parse(&o, "-smp", "2,maxcpus=4", NULL), 0);
    ck_assert_int_eq(o.machine.smp_cpus, 2);
    ck_assert_int_eq(o.machine.smp_max_cpus, 4);
    ck_assert_int_eq(o.machine.smp_sockets, 4);
    ck_assert_int_eq(parse(&o, "-smp", "sockets=2,cores=2", NULL), 0);
    ck_assert_int_eq(o.machine.smp_cpus, 4);
    ck_assert_int_eq(parse(&o, "-smp", "4,sockets=2", NULL), 0);
    ck_assert_int_eq(o.machine.smp_cores, 2);
    ck_assert_int_eq(parse(&o, "-smp", "8", NULL), 0);
    ck_assert_int_eq(o.machine.smp_cpus, 8);
    ck_assert_int_eq(parse(&o, "-smp", "9", NULL), -1);
    ck_err_has("from 1 to 8");
    ck_assert_int_eq(parse(&o, "-smp", "0", NULL), -1);
    ck_assert_int_eq(parse(&o, "-smp", "2x", NULL), -1);
    ck_assert_int_eq(parse(&o, "-smp", "", NULL), -1);
    ck_assert_int_eq(parse(&o, "-smp", "2,cores=3", NULL), -1);
    ck_err_has("must be maxcpus");
    ck_assert_int_eq(parse(&o, "-smp", "1,cores=2", NULL), -1);
    ck_assert_int_eq(parse(&o, "-smp", "4,maxcpus=2", NULL), -1);
    ck_assert_int_eq(parse(&o, "-smp", "2,dies=1", NULL), -1);
    ck_err_has("unknown property 'dies'");
    ck_assert_int_eq(parse(&o, "-smp", "2,3", NULL), -1);
    ck_assert_int_eq(parse(&o, "-smp", "cpus=2,sockets=1,cores=2", NULL), 0);
    ck_assert_int_eq(o.machine.smp_cpus, 2);
}
END_TEST

START_TEST(test_accel_smp_display)
{
    Options o;
    ck_assert_int_eq(parse(&o, "-accel", "tcg", "-smp", "1", NULL), 0);
    ck_assert_int_eq(parse(&o, "-accel", "tcg,thread=single", "-smp", "cpus=1", NULL), 0);
    ck_assert_int_eq(parse(&o, "-accel", "kvm", "-accel", "tcg", NULL), 0);
    ck_assert_str_eq(o.machine.accel, "kvm:tcg");
    ck_assert_int_eq(parse(&o, "-accel", "kvm,kernel-irqchip=off", NULL), 0);
    ck_assert(o.machine.kernel_irqchip_off);
    ck_assert_int_eq(parse(&o, "-accel", "kvm,foo=1", NULL), -1);
    ck_err_has("foo");
    ck_assert_int_eq(parse(&o, "-accel", "tcg", NULL), 0);
    ck_assert(!o.machine.tcg_jit_off);
    ck_assert_int_eq(parse(&o, "-accel", "tcg,jit=off", NULL), 0);
    ck_assert(o.machine.tcg_jit_off);
    ck_assert_int_eq(parse(&o, "-accel", "tcg,jit=on", NULL), 0);
    ck_assert(!o.machine.tcg_jit_off);
    ck_assert_int_eq(parse(&o, "-accel", "tcg,jit=maybe", NULL), -1);
    ck_err_has("jit");
    ck_assert_int_eq(parse(&o, "-perfmap", NULL), 0);
    ck_assert(o.machine.perfmap);
    ck_assert_int_eq(parse(&o, "-enable-kvm", NULL), 0);
    ck_assert_str_eq(o.machine.accel, "kvm");
    ck_assert_int_eq(parse(&o, "-mem-path", "/dev/hugepages", "-mem-prealloc", NULL), 0);
    ck_assert_str_eq(o.machine.mem_path, "/dev/hugepages");
    ck_assert(o.machine.mem_prealloc);
    ck_assert_int_eq(parse(&o, "-display", "sdl", NULL), -1);
    ck_assert_int_eq(parse(&o, "-nographic", NULL), 0);
    ck_assert(o.machine.nographic);
}
END_TEST

START_TEST(test_unsupported_and_misc)
{
    Options o;
    ck_assert_int_eq(parse(&o, "-foo", NULL), -1);
    ck_assert_str_eq(err, "-foo: unsupported option");
    ck_assert_int_eq(parse(&o, "disk.img", NULL), -1);
    ck_assert_int_eq(parse(&o, "-", NULL), -1);
    ck_assert_int_eq(parse(&o, "-append", "x", NULL), -1);
    ck_err_has("-kernel");
    ck_assert_int_eq(parse(&o, "-initrd", "x", NULL), -1);
    ck_assert_int_eq(parse(&o, "-d", "int,bogus", NULL), -1);
    ck_err_has("bogus");
    ck_assert_int_eq(parse(&o, "-d", "help", NULL), 0);
    ck_assert_int_eq(o.action, OPT_LOG_HELP);
    ck_assert_int_eq(parse(&o, "-version", NULL), 0);
    ck_assert_int_eq(o.action, OPT_VERSION);
    ck_assert_int_eq(parse(&o, "-h", NULL), 0);
    ck_assert_int_eq(o.action, OPT_HELP);
    ck_assert_int_eq(parse(&o, "-S", NULL), -1);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("options");
    TCase *tc = tcase_create("options");
    tcase_add_test(tc, test_defaults);
    tcase_add_test(tc, test_typical);
    tcase_add_test(tc, test_machine_variants);
    tcase_add_test(tc, test_memory_sizes);
    tcase_add_test(tc, test_serial_and_chardev);
    tcase_add_test(tc, test_devices);
    tcase_add_test(tc, test_accel_smp_display);
    tcase_add_test(tc, test_smp);
    tcase_add_test(tc, test_unsupported_and_misc);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_ENV);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
