/* BlockBackend: what a disk device sees.  It adds to the driver the
 * read-only check, the cache mode (which flushes happen) and -snapshot,
 * where writes go to an unlinked sparse temporary file and a bitmap of
 * written sectors says which sectors to read from there. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "yl/block.h"

#define OVL_SECTOR 512u
#define OVL_CHUNK_BITS 15                 /* sectors per bitmap chunk: 16 MiB */
#define OVL_CHUNK_SECTORS (1u << OVL_CHUNK_BITS)

typedef struct Overlay {
    int fd;
    uint64_t *chunks[];                   /* one bit per sector, lazily allocated */
} Overlay;

struct BlockBackend {
    BlockDriverState bs;
    uint64_t length;
    bool read_only;
    BlockCacheMode cache;
    Overlay *ovl;
    size_t nchunks;
};

const BlockDriver *bdrv_find_format(const char *name)
{
    if (!name || !strcmp(name, "raw"))
        return &bdrv_raw;
    return NULL;
}

int blk_parse_cache_mode(const char *s, BlockCacheMode *mode)
{
    static const char *const names[] = {
        [BLK_CACHE_WRITEBACK] = "writeback", [BLK_CACHE_NONE] = "none",
        [BLK_CACHE_WRITETHROUGH] = "writethrough", [BLK_CACHE_UNSAFE] = "unsafe",
        [BLK_CACHE_DIRECTSYNC] = "directsync",
    };
    for (int i = 0; i < (int)(sizeof(names) / sizeof(names[0])); i++)
        if (!strcmp(s, names[i])) {
            *mode = (BlockCacheMode)i;
            return 0;
        }
    return -1;
}

static int overlay_create(BlockBackend *blk, char *err, int errlen)
{
    const char *dir = getenv("TMPDIR");
    char path[512];
    snprintf(path, sizeof(path), "%s/yinglong-snapshot-XXXXXX", dir && *dir ? dir : "/tmp");
    blk->nchunks = (blk->length / OVL_SECTOR + OVL_CHUNK_SECTORS) >> OVL_CHUNK_BITS;
    blk->ovl = calloc(1, sizeof(Overlay) + blk->nchunks * sizeof(uint64_t *));
    if (!blk->ovl) {
        snprintf(err, errlen, "%s: out of memory for the snapshot", blk->bs.filename);
        return -1;
    }
    blk->ovl->fd = mkostemp(path, O_CLOEXEC);
    if (blk->ovl->fd < 0) {
        snprintf(err, errlen, "%s: cannot create snapshot file in %s: %s",
                 blk->bs.filename, dir && *dir ? dir : "/tmp", strerror(errno));
        free(blk->ovl);
        blk->ovl = NULL;
        return -1;
    }
    unlink(path);     /* discarded when we exit, however we exit */
    return 0;
}

static void overlay_free(BlockBackend *blk)
{
    if (!blk->ovl)
        return;
    for (size_t i = 0; i < blk->nchunks; i++)
        free(blk->ovl->chunks[i]);
    close(blk->ovl->fd);
    free(blk->ovl);
    blk->ovl = NULL;
}

static bool overlay_has(const BlockBackend *blk, uint64_t sector)
{
    const uint64_t *c = blk->ovl->chunks[sector >> OVL_CHUNK_BITS];
    uint64_t i = sector & (OVL_CHUNK_SECTORS - 1);
    return c && (c[i / 64] >> (i % 64) & 1);
}

static int overlay_mark(BlockBackend *blk, uint64_t sector)
{
    uint64_t **c = &blk->ovl->chunks[sector >> OVL_CHUNK_BITS];
    if (!*c && !(*c = calloc(OVL_CHUNK_SECTORS / 64, sizeof(uint64_t))))
        return -ENOMEM;
    uint64_t i = sector & (OVL_CHUNK_SECTORS - 1);
    (*c)[i / 64] |= 1ull << (i % 64);
    return 0;
}

static int fd_rw(int fd, uint64_t off, void *buf, size_t len, bool write)
{
    uint8_t *p = buf;
    while (len) {
        ssize_t n = write ? pwrite(fd, p, len, off) : pread(fd, p, len, off);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            return -errno;
        if (n == 0) {           /* a hole at the end of the sparse file */
            if (write)
                return -EIO;
            memset(p, 0, len);
            return 0;
        }
        p += n, off += n, len -= n;
    }
    return 0;
}

/* Reads runs of sectors from the overlay or the base image. */
static int overlay_read(BlockBackend *blk, uint64_t off, uint8_t *buf, size_t len)
{
    while (len) {
        uint64_t sector = off / OVL_SECTOR;
        bool in_ovl = overlay_has(blk, sector);
        size_t run = 0;
        do {
            size_t piece = OVL_SECTOR - (off + run) % OVL_SECTOR;
            run += piece < len - run ? piece : len - run;
            sector++;
        } while (run < len && overlay_has(blk, sector) == in_ovl);
        int r = in_ovl ? fd_rw(blk->ovl->fd, off, buf, run, false)
                       : blk->bs.drv->pread(&blk->bs, off, buf, run);
        if (r < 0)
            return r;
        off += run, buf += run, len -= run;
    }
    return 0;
}

/* Partial sectors are completed from the current contents first, so the
 * overlay only ever holds whole sectors. */
static int overlay_write(BlockBackend *blk, uint64_t off, const uint8_t *buf, size_t len)
{
    uint8_t sec[OVL_SECTOR];
    while (len) {
        uint64_t sector = off / OVL_SECTOR;
        size_t in = off % OVL_SECTOR;
        size_t n, nsec = 1;
        int r;
        if (in == 0 && len >= OVL_SECTOR) {
            nsec = len / OVL_SECTOR;
            n = nsec * OVL_SECTOR;
            r = fd_rw(blk->ovl->fd, off, (void *)buf, n, true);
        } else {
            n = OVL_SECTOR - in < len ? OVL_SECTOR - in : len;
            r = overlay_read(blk, sector * OVL_SECTOR, sec, OVL_SECTOR);
            memcpy(sec + in, buf, n);
            if (r == 0)
                r = fd_rw(blk->ovl->fd, sector * OVL_SECTOR, sec, OVL_SECTOR, true);
        }
        for (size_t i = 0; r == 0 && i < nsec; i++)
            r = overlay_mark(blk, sector + i);
        if (r < 0)
            return r;
        off += n, buf += n, len -= n;
    }
    return 0;
}

BlockBackend *blk_open(const BlockOptions *o, char *err, int errlen)
{
    const BlockDriver *drv = bdrv_find_format(o->format);
    if (!drv) {
        snprintf(err, errlen, "%s: unknown image format '%s' (only raw)", o->filename,
                 o->format);
        return NULL;
    }
    BlockBackend *blk = calloc(1, sizeof(*blk));
    if (!blk || !(blk->bs.opaque = calloc(1, drv->state_size))
        || !(blk->bs.filename = strdup(o->filename))) {
        snprintf(err, errlen, "out of memory");
        goto fail;
    }
    blk->bs.drv = drv;
    blk->read_only = o->read_only;
    blk->cache = o->cache;
    /* A snapshot never writes the image: open it read-only (shared lock). */
    blk->bs.flags = (o->read_only || o->snapshot) ? 0 : BDRV_O_RDWR;
    if (o->cache == BLK_CACHE_NONE || o->cache == BLK_CACHE_DIRECTSYNC)
        blk->bs.flags |= BDRV_O_NOCACHE;
    if (drv->open(&blk->bs, o->filename, blk->bs.flags, err, errlen) < 0) {
        blk->bs.drv = NULL;
        goto fail;
    }
    blk->length = drv->length(&blk->bs);
    if (o->snapshot && !o->read_only && overlay_create(blk, err, errlen) < 0)
        goto fail;
    return blk;
fail:
    blk_close(blk);
    return NULL;
}

void blk_close(BlockBackend *blk)
{
    if (!blk)
        return;
    if (blk->bs.drv) {
        blk_flush(blk);
        blk->bs.drv->close(&blk->bs);
    }
    overlay_free(blk);
    free(blk->bs.opaque);
    free(blk->bs.filename);
    free(blk);
}

static bool blk_in_range(const BlockBackend *blk, uint64_t off, size_t len)
{
    return off <= blk->length && len <= blk->length - off;
}

int blk_pread(BlockBackend *blk, uint64_t off, void *buf, size_t len)
{
    if (!blk_in_range(blk, off, len))
        return -EIO;
    if (blk->ovl)
        return overlay_read(blk, off, buf, len);
    return blk->bs.drv->pread(&blk->bs, off, buf, len);
}

int blk_pwrite(BlockBackend *blk, uint64_t off, const void *buf, size_t len)
{
    if (blk->read_only)
        return -EROFS;
    if (!blk_in_range(blk, off, len))
        return -EIO;
    if (blk->ovl)
        return overlay_write(blk, off, buf, len);
    int r = blk->bs.drv->pwrite(&blk->bs, off, buf, len);
    if (r == 0 && (blk->cache == BLK_CACHE_WRITETHROUGH
                   || blk->cache == BLK_CACHE_DIRECTSYNC))
        r = blk->bs.drv->flush(&blk->bs);
    return r;
}

int blk_flush(BlockBackend *blk)
{
    /* The overlay is thrown away at exit: nothing in it needs to last. */
    if (blk->read_only || blk->ovl || blk->cache == BLK_CACHE_UNSAFE)
        return 0;
    return blk->bs.drv->flush(&blk->bs);
}

uint64_t blk_length(const BlockBackend *blk) { return blk->length; }
bool blk_is_read_only(const BlockBackend *blk) { return blk->read_only; }
const char *blk_filename(const BlockBackend *blk) { return blk->bs.filename; }
