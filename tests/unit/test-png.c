/* screendump: a surface written as PNG, then parsed back here chunk by
 * chunk (CRCs checked with zlib) and its IDAT inflated and compared with
 * the surface pixel by pixel. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>

#include "yl/display.h"

static uint32_t be32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | p[1] << 16 | p[2] << 8 | p[3];
}

typedef struct Png {
    uint32_t w, h;
    uint8_t depth, ctype;
    uint8_t *idat;
    size_t idat_len;
    int nchunks;
    char order[8][5];
} Png;

static uint8_t *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    ck_assert_ptr_nonnull(f);
    fseek(f, 0, SEEK_END);
    *len = ftell(f);
    rewind(f);
    uint8_t *b = malloc(*len);
    ck_assert_uint_eq(fread(b, 1, *len, f), *len);
    fclose(f);
    return b;
}

static void parse_png(const uint8_t *b, size_t len, Png *png)
{
    static const uint8_t sig[8] = { 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n' };
    memset(png, 0, sizeof(*png));
    ck_assert_uint_ge(len, 8);
    ck_assert_mem_eq(b, sig, 8);
    size_t pos = 8;
    while (pos < len) {
        ck_assert_uint_le(pos + 12, len);
        uint32_t clen = be32(b + pos);
        ck_assert_uint_le(pos + 12 + clen, len);
        const uint8_t *type = b + pos + 4, *data = b + pos + 8;
        uint32_t crc = crc32(crc32(0, Z_NULL, 0), type, 4 + clen);
        ck_assert_uint_eq(crc, be32(data + clen));
        ck_assert_int_lt(png->nchunks, 8);
        memcpy(png->order[png->nchunks++], type, 4);
        if (!memcmp(type, "IHDR", 4)) {
            ck_assert_uint_eq(clen, 13);
            png->w = be32(data);
            png->h = be32(data + 4);
            png->depth = data[8];
            png->ctype = data[9];
            ck_assert_uint_eq(data[10] | data[11] | data[12], 0);
        } else if (!memcmp(type, "IDAT", 4)) {
            png->idat = realloc(png->idat, png->idat_len + clen);
            memcpy(png->idat + png->idat_len, data, clen);
            png->idat_len += clen;
        }
        pos += 12 + clen;
    }
    ck_assert_uint_eq(pos, len);
}

static uint32_t test_color(int x, int y)
{
    return display_rgb(x * 7, y * 13, (x ^ y) & 0xff);
}

START_TEST(test_png_roundtrip)
{
    DisplaySurface *s = display_surface_new(37, 23);
    ck_assert_ptr_nonnull(s);
    for (int y = 0; y < 23; y++)
        for (int x = 0; x < 37; x++)
            display_surface_data(s)[y * display_surface_stride(s) / 4 + x] = test_color(x, y);
    char path[64], err[128];
    snprintf(path, sizeof(path), "/tmp/yl-test-png-%d.png", (int)getpid());
    ck_assert_int_eq(screendump_png(s, path, err, sizeof(err)), 0);
    size_t len;
    uint8_t *b = slurp(path, &len);
    unlink(path);
    Png png;
    parse_png(b, len, &png);
    ck_assert_str_eq(png.order[0], "IHDR");
    ck_assert_str_eq(png.order[png.nchunks - 1], "IEND");
    ck_assert_uint_eq(png.w, 37);
    ck_assert_uint_eq(png.h, 23);
    ck_assert_uint_eq(png.depth, 8);
    ck_assert_uint_eq(png.ctype, 2);
    uLongf rawlen = 23 * (1 + 37 * 3);
    uint8_t *raw = malloc(rawlen + 1);
    uLongf got = rawlen + 1;
    ck_assert_int_eq(uncompress(raw, &got, png.idat, png.idat_len), Z_OK);
    ck_assert_uint_eq(got, rawlen);
    for (int y = 0; y < 23; y++) {
        const uint8_t *row = raw + y * (1 + 37 * 3);
        ck_assert_uint_eq(row[0], 0);
        for (int x = 0; x < 37; x++) {
            uint32_t c = test_color(x, y);
            ck_assert_uint_eq(row[1 + 3 * x], (c >> 16) & 0xff);
            ck_assert_uint_eq(row[2 + 3 * x], (c >> 8) & 0xff);
            ck_assert_uint_eq(row[3 + 3 * x], c & 0xff);
        }
    }
    free(raw);
    free(png.idat);
    free(b);
    display_surface_free(s);
}
END_TEST

START_TEST(test_png_errors)
{
    char err[128];
    DisplaySurface *s = display_surface_new(4, 4);
    ck_assert_int_eq(screendump_png(s, "/nonexistent-dir/x.png", err, sizeof(err)), -1);
    ck_assert_ptr_nonnull(strstr(err, "/nonexistent-dir/x.png"));
    ck_assert_int_eq(screendump_png(NULL, "/tmp/x.png", err, sizeof(err)), -1);
    ck_assert_ptr_null(display_surface_new(0, 10));
    display_surface_free(s);
}
END_TEST

START_TEST(test_surface_dirty)
{
    DisplaySurface *s = display_surface_new(100, 50);
    DisplayRect r = display_surface_take_dirty(s);
    ck_assert_int_eq(r.w, 100);                     /* a new surface is all dirty */
    r = display_surface_take_dirty(s);
    ck_assert_int_eq(r.w * r.h, 0);
    display_surface_dirty(s, 10, 10, 5, 5);
    display_surface_dirty(s, 90, 40, 20, 20);       /* clipped at the edge */
    r = display_surface_take_dirty(s);
    ck_assert_int_eq(r.x, 10);
    ck_assert_int_eq(r.y, 10);
    ck_assert_int_eq(r.w, 90);
    ck_assert_int_eq(r.h, 40);
    display_surface_free(s);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("png");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, test_png_roundtrip);
    tcase_add_test(tc, test_png_errors);
    tcase_add_test(tc, test_surface_dirty);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_ENV);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? 1 : 0;
}
