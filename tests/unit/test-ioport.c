/* The port space: registration, overlap refusal, offsets, open bus. */
#include <check.h>
#include <stdlib.h>

#include "yl/ioport.h"

typedef struct Dev {
    uint16_t last_off;
    uint32_t last_val;
    unsigned last_size;
    uint8_t regs[8];
} Dev;

static uint32_t dev_read(void *opaque, uint16_t off, unsigned size)
{
    Dev *d = opaque;
    d->last_off = off;
    d->last_size = size;
    return 0xa0 + off;
}

static void dev_write(void *opaque, uint16_t off, uint32_t val, unsigned size)
{
    Dev *d = opaque;
    d->last_off = off;
    d->last_val = val;
    d->last_size = size;
}

static const IOPortOps dev_ops = { dev_read, dev_write };

static IOSpace *new_io(void)
{
    IOSpace *io = malloc(sizeof(*io));
    ioport_init(io);
    return io;
}

START_TEST(test_register_and_dispatch)
{
    IOSpace *io = new_io();
    Dev d = { 0 };
    ck_assert_int_eq(ioport_register(io, 0x3f8, 8, &dev_ops, &d), 0);
    ck_assert_uint_eq(ioport_read(io, 0x3fd, 1), 0xa5);
    ck_assert_uint_eq(d.last_off, 5);
    ioport_write(io, 0x3f9, 0x1234, 2);
    ck_assert_uint_eq(d.last_off, 1);
    ck_assert_uint_eq(d.last_val, 0x1234);
    ck_assert_uint_eq(d.last_size, 2);
    free(io);
}
END_TEST

START_TEST(test_overlap_refused)
{
    IOSpace *io = new_io();
    Dev a = { 0 }, b = { 0 };
    ck_assert_int_eq(ioport_register(io, 0x60, 4, &dev_ops, &a), 0);
    ck_assert_int_eq(ioport_register(io, 0x63, 2, &dev_ops, &b), -1);
    ck_assert_int_eq(ioport_register(io, 0x5f, 1, &dev_ops, &b), 0);
    ck_assert_int_eq(ioport_register(io, 0xfffe, 4, &dev_ops, &b), -1);  /* past 64K */
    ioport_read(io, 0x62, 1);
    ck_assert_uint_eq(a.last_off, 2);
    ioport_unregister(io, 0x60, 4);
    ck_assert_uint_eq(ioport_read(io, 0x62, 1), 0xff);
    ck_assert_int_eq(ioport_register(io, 0x63, 2, &dev_ops, &b), 0);
    free(io);
}
END_TEST

START_TEST(test_unassigned)
{
    IOSpace *io = new_io();
    ck_assert_uint_eq(ioport_read(io, 0x80, 1), 0xff);
    ck_assert_uint_eq(ioport_read(io, 0x80, 2), 0xffff);
    ck_assert_uint_eq(ioport_read(io, 0x80, 4), 0xffffffffu);
    ioport_write(io, 0x80, 0x12, 1);    /* ignored */
    /* A word read that straddles a device edge: device byte + open bus. */
    Dev d = { 0 };
    ioport_register(io, 0x100, 1, &dev_ops, &d);
    ck_assert_uint_eq(ioport_read(io, 0x100, 2), 0xffa0);
    ck_assert_uint_eq(ioport_read(io, 0xffff, 2), 0xffff);   /* wraps, no crash */
    free(io);
}
END_TEST

START_TEST(test_many_ranges)
{
    IOSpace *io = new_io();
    Dev d = { 0 };
    int ok = 0;
    for (int i = 0; i < 300; i++)
        ok += ioport_register(io, 0x1000 + i, 1, &dev_ops, &d) == 0;
    ck_assert_int_eq(ok, 255);  /* the map holds index+1 in a byte */
    ck_assert_uint_eq(ioport_read(io, 0x1000 + 254, 1), 0xa0);
    ck_assert_uint_eq(ioport_read(io, 0x1000 + 255, 1), 0xff);
    free(io);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("ioport");
    TCase *tc = tcase_create("ioport");
    tcase_add_test(tc, test_register_and_dispatch);
    tcase_add_test(tc, test_overlap_refused);
    tcase_add_test(tc, test_unassigned);
    tcase_add_test(tc, test_many_ranges);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_ENV);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
