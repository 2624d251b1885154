/* The raw format: the image file is the disk, byte for byte.
 *
 * The image is locked with an open-file-description lock (shared for
 * read-only, exclusive for read-write) so a second emulator cannot write
 * under the first one's feet.  With O_DIRECT (cache=none) requests go
 * through an aligned bounce buffer, widened to whole alignment blocks. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "yl/block.h"

#define DIRECT_ALIGN 4096u

typedef struct RawState {
    int fd;
    uint64_t size;
    bool direct;
} RawState;

static int raw_lock(int fd, bool write, const char *filename, char *err, int errlen)
{
    struct flock fl = { .l_type = write ? F_WRLCK : F_RDLCK, .l_whence = SEEK_SET };
    if (fcntl(fd, F_OFD_SETLK, &fl) == 0)
        return 0;
    if (errno == EAGAIN || errno == EACCES)
        snprintf(err, errlen, "%s: image is locked by another process", filename);
    else
        snprintf(err, errlen, "%s: cannot lock image: %s", filename, strerror(errno));
    return -1;
}

static int raw_open_fd(const char *filename, int flags, bool *direct)
{
    int oflags = O_CLOEXEC | ((flags & BDRV_O_RDWR) ? O_RDWR : O_RDONLY);
    *direct = false;
    if (flags & BDRV_O_NOCACHE) {
        int fd = open(filename, oflags | O_DIRECT);
        if (fd >= 0 || errno != EINVAL) {
            *direct = fd >= 0;
            return fd;
        }
        /* The file system cannot do O_DIRECT (tmpfs): use the page cache. */
    }
    return open(filename, oflags);
}

static int raw_open(BlockDriverState *bs, const char *filename, int flags,
                    char *err, int errlen)
{
    RawState *s = bs->opaque;
    struct stat st;
    s->fd = raw_open_fd(filename, flags, &s->direct);
    if (s->fd < 0) {
        snprintf(err, errlen, "%s: cannot open image: %s", filename, strerror(errno));
        return -1;
    }
    if (fstat(s->fd, &st) < 0) {
        snprintf(err, errlen, "%s: %s", filename, strerror(errno));
        goto fail;
    }
    if (S_ISDIR(st.st_mode)) {
        snprintf(err, errlen, "%s: is a directory, not a disk image", filename);
        goto fail;
    }
    off_t end = lseek(s->fd, 0, SEEK_END);   /* block devices report 0 in st_size */
    if (end <= 0) {
        snprintf(err, errlen, "%s: image is empty (size 0)", filename);
        goto fail;
    }
    s->size = end;
    if (raw_lock(s->fd, flags & BDRV_O_RDWR, filename, err, errlen) < 0)
        goto fail;
    return 0;
fail:
    close(s->fd);
    s->fd = -1;
    return -1;
}

/* Plain positional I/O, retried on short transfers; reads past EOF are
 * zeros (an image may have been truncated under us). */
static int raw_io(int fd, uint64_t off, void *buf, size_t len, bool write)
{
    uint8_t *p = buf;
    while (len) {
        ssize_t n = write ? pwrite(fd, p, len, off) : pread(fd, p, len, off);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            return -errno;
        }
        if (n == 0) {
            if (write)
                return -EIO;
            memset(p, 0, len);
            return 0;
        }
        p += n;
        off += n;
        len -= n;
    }
    return 0;
}

/* O_DIRECT: widen to aligned blocks, read-modify-write the edges. */
static int raw_io_direct(RawState *s, uint64_t off, void *buf, size_t len, bool write)
{
    uint64_t start = off & ~(uint64_t)(DIRECT_ALIGN - 1);
    uint64_t end = (off + len + DIRECT_ALIGN - 1) & ~(uint64_t)(DIRECT_ALIGN - 1);
    void *bounce;
    if (posix_memalign(&bounce, DIRECT_ALIGN, end - start))
        return -ENOMEM;
    int r = 0;
    if (!write || start != off || end != off + len)
        r = raw_io(s->fd, start, bounce, end - start, false);
    if (r == 0 && write) {
        memcpy((uint8_t *)bounce + (off - start), buf, len);
        r = raw_io(s->fd, start, bounce, end - start, true);
    } else if (r == 0) {
        memcpy(buf, (uint8_t *)bounce + (off - start), len);
    }
    free(bounce);
    return r;
}

static int raw_pread(BlockDriverState *bs, uint64_t off, void *buf, size_t len)
{
    RawState *s = bs->opaque;
    return s->direct ? raw_io_direct(s, off, buf, len, false)
                     : raw_io(s->fd, off, buf, len, false);
}

static int raw_pwrite(BlockDriverState *bs, uint64_t off, const void *buf, size_t len)
{
    RawState *s = bs->opaque;
    return s->direct ? raw_io_direct(s, off, (void *)buf, len, true)
                     : raw_io(s->fd, off, (void *)buf, len, true);
}

static int raw_flush(BlockDriverState *bs)
{
    RawState *s = bs->opaque;
    while (fdatasync(s->fd) < 0) {
        if (errno != EINTR)
            return -errno;
    }
    return 0;
}

static uint64_t raw_length(BlockDriverState *bs)
{
    return ((RawState *)bs->opaque)->size;
}

static void raw_close(BlockDriverState *bs)
{
    RawState *s = bs->opaque;
    if (s->fd >= 0)
        close(s->fd);   /* drops the OFD lock */
    s->fd = -1;
}

static int raw_create(const char *filename, uint64_t size, char *err, int errlen)
{
    int fd = open(filename, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0 || ftruncate(fd, (off_t)size) < 0) {
        snprintf(err, errlen, "%s: cannot create image: %s", filename, strerror(errno));
        if (fd >= 0)
            close(fd);
        return -1;
    }
    close(fd);
    return 0;
}

const BlockDriver bdrv_raw = {
    .name = "raw",
    .state_size = sizeof(RawState),
    .open = raw_open,
    .pread = raw_pread,
    .pwrite = raw_pwrite,
    .flush = raw_flush,
    .length = raw_length,
    .close = raw_close,
    .create = raw_create,
};
