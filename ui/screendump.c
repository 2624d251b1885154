/* screendump: a DisplaySurface written as a PNG (RFC 2083 / PNG spec):
 * signature, IHDR (8-bit RGB, no interlace), one IDAT holding the zlib
 * stream of the filtered scanlines (filter type 0 on each), IEND.  Chunk
 * CRCs come from zlib's crc32. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "yl/display.h"

static void put_be32(uint8_t *p, uint32_t v)
{
    p[0] = v >> 24;
    p[1] = v >> 16;
    p[2] = v >> 8;
    p[3] = v;
}

static int write_chunk(FILE *f, const char type[4], const uint8_t *data, uint32_t len)
{
    uint8_t hdr[8], crcb[4];
    put_be32(hdr, len);
    memcpy(hdr + 4, type, 4);
    uLong crc = crc32(0L, Z_NULL, 0);
    crc = crc32(crc, (const Bytef *)type, 4);
    if (len)
        crc = crc32(crc, data, len);
    put_be32(crcb, crc);
    return fwrite(hdr, 1, 8, f) == 8 && (len == 0 || fwrite(data, 1, len, f) == len)
        && fwrite(crcb, 1, 4, f) == 4 ? 0 : -1;
}

/* The raw image data: each row a filter byte (0) then R,G,B per pixel. */
static uint8_t *png_raw_rows(DisplaySurface *s, size_t *len)
{
    size_t row = 1 + (size_t)s->width * 3;
    uint8_t *raw = malloc(row * s->height);
    if (!raw)
        return NULL;
    const uint8_t *base = (const uint8_t *)display_surface_data(s);
    int stride = display_surface_stride(s);
    for (int y = 0; y < s->height; y++) {
        const uint32_t *src = (const uint32_t *)(base + (size_t)y * stride);
        uint8_t *d = raw + row * y;
        *d++ = 0;
        for (int x = 0; x < s->width; x++) {
            *d++ = src[x] >> 16;
            *d++ = src[x] >> 8;
            *d++ = src[x];
        }
    }
    *len = row * s->height;
    return raw;
}

static uint8_t *png_deflate(DisplaySurface *s, uLongf *zlen)
{
    size_t rawlen;
    uint8_t *raw = png_raw_rows(s, &rawlen);
    if (!raw)
        return NULL;
    *zlen = compressBound(rawlen);
    uint8_t *z = malloc(*zlen);
    if (z && compress2(z, zlen, raw, rawlen, 6) != Z_OK) {
        free(z);
        z = NULL;
    }
    free(raw);
    return z;
}

int screendump_png(DisplaySurface *s, const char *path, char *err, int errlen)
{
    static const uint8_t sig[8] = { 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n' };
    if (!s) {
        snprintf(err, errlen, "no display to dump");
        return -1;
    }
    uLongf zlen;
    uint8_t *z = png_deflate(s, &zlen);
    if (!z) {
        snprintf(err, errlen, "out of memory compressing the image");
        return -1;
    }
    FILE *f = fopen(path, "wb");
    if (!f) {
        snprintf(err, errlen, "could not open '%s': %s", path, strerror(errno));
        free(z);
        return -1;
    }
    uint8_t ihdr[13];
    put_be32(ihdr, s->width);
    put_be32(ihdr + 4, s->height);
    ihdr[8] = 8;        /* bit depth */
    ihdr[9] = 2;        /* colour type: truecolour */
    ihdr[10] = ihdr[11] = ihdr[12] = 0;     /* deflate, adaptive filter, no interlace */
    int bad = fwrite(sig, 1, 8, f) != 8 || write_chunk(f, "IHDR", ihdr, 13) < 0
        || write_chunk(f, "IDAT", z, zlen) < 0 || write_chunk(f, "IEND", NULL, 0) < 0;
    free(z);
    if (fclose(f) != 0 || bad) {
        snprintf(err, errlen, "could not write '%s': %s", path, strerror(errno));
        return -1;
    }
    return 0;
}
