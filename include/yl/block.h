/* The block layer: image formats behind one driver interface, and the
 * BlockBackend that disk devices (IDE, later virtio) see.
 *
 * Devices never touch file descriptors.  They read and write byte ranges of
 * the virtual disk through blk_pread/blk_pwrite and make earlier writes
 * durable with blk_flush: once blk_flush returns 0, every write that
 * returned before it is on stable storage (cache modes may relax that only
 * where the user asked: cache=unsafe). */
#ifndef YL_BLOCK_H
#define YL_BLOCK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct BlockDriverState BlockDriverState;
typedef struct BlockBackend BlockBackend;

typedef enum BlockCacheMode {
    BLK_CACHE_WRITEBACK,    /* host page cache; flush -> fdatasync (default) */
    BLK_CACHE_NONE,         /* O_DIRECT; flush -> fdatasync */
    BLK_CACHE_WRITETHROUGH, /* every write is synced before it completes */
    BLK_CACHE_UNSAFE,       /* guest flushes are ignored */
    BLK_CACHE_DIRECTSYNC,   /* O_DIRECT and every write synced */
} BlockCacheMode;

/* Flags for BlockDriver.open. */
enum {
    BDRV_O_RDWR = 1 << 0,
    BDRV_O_NOCACHE = 1 << 1,    /* bypass the host page cache (O_DIRECT) */
};

/* One image format.  Byte-granular: the driver handles any alignment.
 * Functions returning int give 0 or -errno. */
typedef struct BlockDriver {
    const char *name;                   /* "raw" */
    size_t state_size;                  /* driver's part of a BlockDriverState */
    /* Opens filename; on failure -1 with a one-line message in err. */
    int (*open)(BlockDriverState *bs, const char *filename, int flags,
                char *err, int errlen);
    int (*pread)(BlockDriverState *bs, uint64_t off, void *buf, size_t len);
    int (*pwrite)(BlockDriverState *bs, uint64_t off, const void *buf, size_t len);
    int (*flush)(BlockDriverState *bs);
    uint64_t (*length)(BlockDriverState *bs);
    void (*close)(BlockDriverState *bs);
    /* Creates an empty image of size bytes; -1 with a message in err. */
    int (*create)(const char *filename, uint64_t size, char *err, int errlen);
} BlockDriver;

/* An open image: the driver and its private state. */
struct BlockDriverState {
    const BlockDriver *drv;
    char *filename;
    int flags;
    void *opaque;                       /* state_size bytes, zeroed */
};

extern const BlockDriver bdrv_raw;
const BlockDriver *bdrv_find_format(const char *name);

typedef struct BlockOptions {
    const char *filename;
    const char *format;                 /* NULL: raw */
    bool read_only;
    bool snapshot;                      /* writes go to a throw-away overlay */
    BlockCacheMode cache;
} BlockOptions;

/* Opens an image for a device.  Errors name the file: "FILE: reason". */
BlockBackend *blk_open(const BlockOptions *o, char *err, int errlen);
void blk_close(BlockBackend *blk);      /* flushes first; NULL is fine */

/* 0 or -errno (-EIO past the end, -EROFS on a read-only backend). */
int blk_pread(BlockBackend *blk, uint64_t off, void *buf, size_t len);
int blk_pwrite(BlockBackend *blk, uint64_t off, const void *buf, size_t len);
int blk_flush(BlockBackend *blk);
uint64_t blk_length(const BlockBackend *blk);
bool blk_is_read_only(const BlockBackend *blk);
const char *blk_filename(const BlockBackend *blk);

/* Parses "writeback|none|writethrough|unsafe|directsync"; -1 if unknown. */
int blk_parse_cache_mode(const char *s, BlockCacheMode *mode);

/* A -drive option string, parsed (core/options.c validates with it, the
 * board builds drives from it).  Strings are malloc'ed. */
typedef enum DriveIf { DRIVE_IF_IDE, DRIVE_IF_NONE } DriveIf;
typedef enum DriveMedia { DRIVE_MEDIA_DISK, DRIVE_MEDIA_CDROM } DriveMedia;

typedef struct DriveOpts {
    char *file;                         /* NULL: empty drive (CD-ROM only) */
    char *format;
    char *id;
    DriveIf iface;
    DriveMedia media;
    int index;                          /* -1: next free */
    bool read_only;
    bool snapshot;
    BlockCacheMode cache;
} DriveOpts;

/* "file=X,format=raw,if=ide,media=cdrom,index=2,readonly=on,cache=none,
 * snapshot=on,id=d0".  Returns 0, or -1 with a message in err. */
int drive_parse(const char *spec, DriveOpts *d, char *err, int errlen);
/* The same for opt "drive" (arg as above) or "hda".."hdd"/"cdrom" (arg is
 * the file, as -hda FILE says). */
int drive_parse_arg(const char *opt, const char *arg, DriveOpts *d, char *err, int errlen);
void drive_opts_free(DriveOpts *d);

#endif
