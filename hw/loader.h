/* Reading the images that -kernel, -initrd and multiboot modules name. */
#ifndef YL_HW_LOADER_H
#define YL_HW_LOADER_H

#include <stddef.h>
#include <stdint.h>

typedef struct Blob {
    uint8_t *data;
    size_t len;
} Blob;

/* Reads the whole regular file at path into b (malloc'ed).  On failure
 * returns -1 with "could not load WHAT 'PATH': why" in err. */
int loader_read_file(const char *what, const char *path, Blob *b, char *err, int errlen);

#endif
