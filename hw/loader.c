/* Reading the images that -kernel, -initrd and multiboot modules name. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "hw/loader.h"

static int read_all(int fd, Blob *b)
{
    size_t got = 0;
    while (got < b->len) {
        ssize_t n = read(fd, b->data + got, b->len - got);
        if (n < 0)
            return -1;
        if (n == 0) {
            errno = EIO;    /* the file shrank under us */
            return -1;
        }
        got += n;
    }
    return 0;
}

int loader_read_file(const char *what, const char *path, Blob *b, char *err, int errlen)
{
    struct stat st;
    b->data = NULL;
    b->len = 0;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0 || fstat(fd, &st) < 0) {
        snprintf(err, errlen, "could not load %s '%s': %s", what, path, strerror(errno));
        if (fd >= 0)
            close(fd);
        return -1;
    }
    if (!S_ISREG(st.st_mode)) {
        snprintf(err, errlen, "could not load %s '%s': not a regular file", what, path);
        close(fd);
        return -1;
    }
    b->len = st.st_size;
    b->data = malloc(b->len ? b->len : 1);
    if (!b->data) {
        snprintf(err, errlen, "could not load %s '%s': out of memory", what, path);
        close(fd);
        return -1;
    }
    if (read_all(fd, b) < 0) {
        snprintf(err, errlen, "could not read %s '%s': %s", what, path, strerror(errno));
        close(fd);
        free(b->data);
        b->data = NULL;
        return -1;
    }
    close(fd);
    return 0;
}
