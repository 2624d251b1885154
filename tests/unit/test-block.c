/* The block layer: raw images read and written through a BlockBackend,
 * flush, bounds, read-only, OFD image locks, -snapshot overlays, O_DIRECT
 * and the -drive parser. */
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "yl/block.h"

#define IMG_SIZE (64 * 1024)

static char path[64];
static char err[256];

static void pattern(uint8_t *buf, size_t len, uint64_t off)
{
    for (size_t i = 0; i < len; i++)
        buf[i] = (uint8_t)((off + i) * 7 + ((off + i) >> 9));
}

static void make_image(void)
{
    static uint8_t buf[IMG_SIZE];
    snprintf(path, sizeof(path), "yl-test-block-%d.img", (int)getpid());
    pattern(buf, IMG_SIZE, 0);
    int fd = open(path, O_CREAT | O_TRUNC | O_WRONLY, 0644);
    ck_assert_int_ge(fd, 0);
    ck_assert_int_eq(write(fd, buf, IMG_SIZE), IMG_SIZE);
    close(fd);
}

static void file_read(uint64_t off, void *buf, size_t len)
{
    int fd = open(path, O_RDONLY);
    ck_assert_int_ge(fd, 0);
    ck_assert_int_eq(pread(fd, buf, len, off), (ssize_t)len);
    close(fd);
}

static BlockBackend *open_img(bool ro, bool snap, BlockCacheMode cache)
{
    BlockOptions o = { .filename = path, .read_only = ro, .snapshot = snap, .cache = cache };
    return blk_open(&o, err, sizeof(err));
}

START_TEST(test_raw_read_write_flush)
{
    make_image();
    BlockBackend *b = open_img(false, false, BLK_CACHE_WRITEBACK);
    ck_assert_ptr_nonnull(b);
    ck_assert_uint_eq(blk_length(b), IMG_SIZE);
    uint8_t buf[1500], want[1500];
    ck_assert_int_eq(blk_pread(b, 1000, buf, sizeof(buf)), 0);
    pattern(want, sizeof(want), 1000);
    ck_assert_mem_eq(buf, want, sizeof(buf));
    memset(buf, 0xa5, sizeof(buf));
    ck_assert_int_eq(blk_pwrite(b, 777, buf, sizeof(buf)), 0);
    ck_assert_int_eq(blk_flush(b), 0);
    file_read(777, want, sizeof(want));
    ck_assert_mem_eq(buf, want, sizeof(buf));
    /* past the end */
    ck_assert_int_eq(blk_pread(b, IMG_SIZE - 10, buf, 11), -EIO);
    ck_assert_int_eq(blk_pwrite(b, IMG_SIZE, buf, 1), -EIO);
    ck_assert_int_eq(blk_pread(b, IMG_SIZE - 10, buf, 10), 0);
    blk_close(b);
    unlink(path);
}
END_TEST

START_TEST(test_read_only)
{
    make_image();
    BlockBackend *b = open_img(true, false, BLK_CACHE_WRITEBACK);
    ck_assert_ptr_nonnull(b);
    ck_assert(blk_is_read_only(b));
    uint8_t buf[16] = { 0 };
    ck_assert_int_eq(blk_pwrite(b, 0, buf, sizeof(buf)), -EROFS);
    ck_assert_int_eq(blk_flush(b), 0);
    blk_close(b);
    unlink(path);
}
END_TEST

START_TEST(test_lock)
{
    make_image();
    BlockBackend *rw = open_img(false, false, BLK_CACHE_WRITEBACK);
    ck_assert_ptr_nonnull(rw);
    char want[160];
    snprintf(want, sizeof(want), "%s: image is locked by another process", path);
    ck_assert_ptr_null(open_img(false, false, BLK_CACHE_WRITEBACK));
    ck_assert_str_eq(err, want);
    ck_assert_ptr_null(open_img(true, false, BLK_CACHE_WRITEBACK));
    ck_assert_str_eq(err, want);
    blk_close(rw);
    /* readers share; a writer is refused while they hold it */
    BlockBackend *r1 = open_img(true, false, BLK_CACHE_WRITEBACK);
    BlockBackend *r2 = open_img(true, false, BLK_CACHE_WRITEBACK);
    ck_assert_ptr_nonnull(r1);
    ck_assert_ptr_nonnull(r2);
    ck_assert_ptr_null(open_img(false, false, BLK_CACHE_WRITEBACK));
    blk_close(r1);
    blk_close(r2);
    rw = open_img(false, false, BLK_CACHE_WRITEBACK);
    ck_assert_ptr_nonnull(rw);
    blk_close(rw);
    unlink(path);
}
END_TEST

START_TEST(test_open_errors)
{
    snprintf(path, sizeof(path), "/nonexistent/yl-no-such.img");
    ck_assert_ptr_null(open_img(false, false, BLK_CACHE_WRITEBACK));
    ck_assert_ptr_nonnull(strstr(err, "/nonexistent/yl-no-such.img: cannot open image"));
    snprintf(path, sizeof(path), "yl-test-empty-%d.img", (int)getpid());
    close(open(path, O_CREAT | O_TRUNC | O_WRONLY, 0644));
    ck_assert_ptr_null(open_img(false, false, BLK_CACHE_WRITEBACK));
    ck_assert_ptr_nonnull(strstr(err, "image is empty"));
    unlink(path);
    BlockOptions o = { .filename = "x", .format = "qcow2" };
    ck_assert_ptr_null(blk_open(&o, err, sizeof(err)));
    ck_assert_ptr_nonnull(strstr(err, "unknown image format"));
}
END_TEST

START_TEST(test_snapshot)
{
    make_image();
    BlockBackend *b = open_img(false, true, BLK_CACHE_WRITEBACK);
    ck_assert_ptr_nonnull(b);
    /* a snapshot holds only a shared lock: another reader may look */
    BlockBackend *other = open_img(true, false, BLK_CACHE_WRITEBACK);
    ck_assert_ptr_nonnull(other);
    blk_close(other);
    uint8_t w[3000], r[5000], want[5000];
    memset(w, 0x3c, sizeof(w));
    ck_assert_int_eq(blk_pwrite(b, 1100, w, sizeof(w)), 0);   /* partial sectors both ends */
    ck_assert_int_eq(blk_pwrite(b, 8192, w, 1024), 0);        /* whole sectors */
    ck_assert_int_eq(blk_pwrite(b, 1101, w, 1), 0);
    ck_assert_int_eq(blk_flush(b), 0);
    ck_assert_int_eq(blk_pread(b, 0, r, sizeof(r)), 0);
    pattern(want, sizeof(want), 0);
    memcpy(want + 1100, w, sizeof(w));
    ck_assert_mem_eq(r, want, sizeof(r));
    ck_assert_int_eq(blk_pread(b, 8000, r, 1500), 0);
    pattern(want, 1500, 8000);
    memset(want + 192, 0x3c, 1024);
    ck_assert_mem_eq(r, want, 1500);
    /* the image itself is untouched */
    file_read(0, r, sizeof(r));
    pattern(want, sizeof(want), 0);
    ck_assert_mem_eq(r, want, sizeof(r));
    blk_close(b);
    b = open_img(false, false, BLK_CACHE_WRITEBACK);
    ck_assert_ptr_nonnull(b);
    ck_assert_int_eq(blk_pread(b, 8192, r, 1024), 0);
    pattern(want, 1024, 8192);
    ck_assert_mem_eq(r, want, 1024);
    blk_close(b);
    unlink(path);
}
END_TEST

/* cache=none/directsync: O_DIRECT where the file system allows it,
 * unaligned requests still work. */
START_TEST(test_cache_modes)
{
    static const BlockCacheMode modes[] = {
        BLK_CACHE_NONE, BLK_CACHE_DIRECTSYNC, BLK_CACHE_WRITETHROUGH, BLK_CACHE_UNSAFE,
    };
    for (size_t m = 0; m < sizeof(modes) / sizeof(modes[0]); m++) {
        make_image();
        BlockBackend *b = open_img(false, false, modes[m]);
        ck_assert_ptr_nonnull(b);
        uint8_t w[700], r[700];
        memset(w, 0x11 * (m + 1), sizeof(w));
        ck_assert_int_eq(blk_pwrite(b, 4000, w, sizeof(w)), 0);
        ck_assert_int_eq(blk_pread(b, 4000, r, sizeof(r)), 0);
        ck_assert_mem_eq(r, w, sizeof(w));
        ck_assert_int_eq(blk_flush(b), 0);
        blk_close(b);
        file_read(4000, r, sizeof(r));
        ck_assert_mem_eq(r, w, sizeof(w));
        unlink(path);
    }
    BlockCacheMode mode;
    ck_assert_int_eq(blk_parse_cache_mode("directsync", &mode), 0);
    ck_assert_int_eq(mode, BLK_CACHE_DIRECTSYNC);
    ck_assert_int_eq(blk_parse_cache_mode("fast", &mode), -1);
}
END_TEST

START_TEST(test_drive_parse)
{
    DriveOpts d;
    ck_assert_int_eq(drive_parse("file=a,,b.img,format=raw,if=ide,media=cdrom,index=3,"
                                 "cache=none", &d, err, sizeof(err)), 0);
    ck_assert_str_eq(d.file, "a,b.img");
    ck_assert_int_eq(d.media, DRIVE_MEDIA_CDROM);
    ck_assert_int_eq(d.index, 3);
    ck_assert(d.read_only);             /* a CD-ROM is read-only */
    ck_assert_int_eq(d.cache, BLK_CACHE_NONE);
    drive_opts_free(&d);
    ck_assert_int_eq(drive_parse("disk.img,readonly=on,snapshot=on", &d, err, sizeof(err)), 0);
    ck_assert_str_eq(d.file, "disk.img");
    ck_assert(d.read_only && d.snapshot);
    ck_assert_int_eq(d.index, -1);
    drive_opts_free(&d);
    ck_assert_int_eq(drive_parse("if=none,id=d0,file=x", &d, err, sizeof(err)), 0);
    ck_assert_str_eq(d.id, "d0");
    drive_opts_free(&d);
    ck_assert_int_eq(drive_parse("file=x,index=4", &d, err, sizeof(err)), -1);
    ck_assert_int_eq(drive_parse("file=x,format=qcow2", &d, err, sizeof(err)), -1);
    ck_assert_int_eq(drive_parse("file=x,if=scsi", &d, err, sizeof(err)), -1);
    ck_assert_int_eq(drive_parse("file=x,bogus=1", &d, err, sizeof(err)), -1);
    ck_assert_int_eq(drive_parse("if=ide", &d, err, sizeof(err)), -1);  /* disk without file */
    ck_assert_int_eq(drive_parse("if=none,file=x", &d, err, sizeof(err)), -1);
    ck_assert_int_eq(drive_parse("media=cdrom", &d, err, sizeof(err)), 0);    /* empty CD */
    ck_assert_ptr_null(d.file);
    drive_opts_free(&d);
    ck_assert_int_eq(drive_parse_arg("hdb", "b.img", &d, err, sizeof(err)), 0);
    ck_assert_int_eq(d.index, 1);
    ck_assert_int_eq(d.media, DRIVE_MEDIA_DISK);
    drive_opts_free(&d);
    ck_assert_int_eq(drive_parse_arg("cdrom", "c.iso", &d, err, sizeof(err)), 0);
    ck_assert_int_eq(d.index, 2);
    ck_assert_int_eq(d.media, DRIVE_MEDIA_CDROM);
    drive_opts_free(&d);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("block");
    TCase *tc = tcase_create("raw");
    tcase_add_test(tc, test_raw_read_write_flush);
    tcase_add_test(tc, test_read_only);
    tcase_add_test(tc, test_lock);
    tcase_add_test(tc, test_open_errors);
    tcase_add_test(tc, test_snapshot);
    tcase_add_test(tc, test_cache_modes);
    tcase_add_test(tc, test_drive_parse);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_ENV);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
