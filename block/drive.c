/* -drive option strings: "key=value,..." into a DriveOpts.  A value may
 * contain a comma written twice ("file=a,,b" is the file "a,b"). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "yl/block.h"

/* Copies the value at *p up to an unescaped ',' and advances *p. */
static char *take_value(const char **p)
{
    const char *s = *p;
    char *out = malloc(strlen(s) + 1), *o = out;
    if (!out)
        return NULL;
    while (*s) {
        if (*s == ',' && s[1] == ',') {
            *o++ = ',';
            s += 2;
        } else if (*s == ',') {
            break;
        } else {
            *o++ = *s++;
        }
    }
    *o = 0;
    *p = *s ? s + 1 : s;
    return out;
}

static int parse_onoff(const char *v, bool *b)
{
    if (!strcmp(v, "on") || !strcmp(v, "true") || !strcmp(v, "yes")) {
        *b = true;
        return 0;
    }
    if (!strcmp(v, "off") || !strcmp(v, "false") || !strcmp(v, "no")) {
        *b = false;
        return 0;
    }
    return -1;
}

static int drive_set(DriveOpts *d, const char *key, size_t klen, char *val,
                     char *err, int errlen)
{
#define KEY(k) (klen == strlen(k) && !strncmp(key, k, klen))
    char **str = KEY("file") ? &d->file : KEY("format") ? &d->format
        : KEY("id") ? &d->id : NULL;
    if (str) {
        free(*str);
        *str = val;
        return 0;
    }
    int r = 0;
    if (KEY("if")) {
        if (!strcmp(val, "ide"))
            d->iface = DRIVE_IF_IDE;
        else if (!strcmp(val, "none"))
            d->iface = DRIVE_IF_NONE;
        else
            r = snprintf(err, errlen, "if=%s: unsupported interface (ide or none)", val);
    } else if (KEY("media")) {
        if (!strcmp(val, "disk"))
            d->media = DRIVE_MEDIA_DISK;
        else if (!strcmp(val, "cdrom"))
            d->media = DRIVE_MEDIA_CDROM;
        else
            r = snprintf(err, errlen, "media=%s: must be disk or cdrom", val);
    } else if (KEY("index")) {
        char *end;
        long i = strtol(val, &end, 10);
        if (!*val || *end || i < 0 || i > 3)
            r = snprintf(err, errlen, "index=%s: must be 0 to 3", val);
        else
            d->index = (int)i;
    } else if (KEY("readonly")) {
        if (parse_onoff(val, &d->read_only) < 0)
            r = snprintf(err, errlen, "readonly=%s: must be on or off", val);
    } else if (KEY("snapshot")) {
        if (parse_onoff(val, &d->snapshot) < 0)
            r = snprintf(err, errlen, "snapshot=%s: must be on or off", val);
    } else if (KEY("cache")) {
        if (blk_parse_cache_mode(val, &d->cache) < 0)
            r = snprintf(err, errlen, "cache=%s: must be writeback, none, writethrough, "
                         "unsafe or directsync", val);
    } else {
        r = snprintf(err, errlen, "unsupported drive property '%.*s'", (int)klen, key);
    }
#undef KEY
    free(val);
    return r ? -1 : 0;
}

int drive_parse(const char *spec, DriveOpts *d, char *err, int errlen)
{
    memset(d, 0, sizeof(*d));
    d->index = -1;
    const char *p = spec;
    while (*p) {
        const char *key = p;
        size_t klen = strcspn(p, "=,");
        if (p[klen] != '=') {
            /* QEMU takes a bare first item as the file name. */
            if (p != spec) {
                snprintf(err, errlen, "'%.*s': expected key=value", (int)klen, p);
                goto fail;
            }
            key = "file";
            klen = 4;
        } else {
            p += klen + 1;
        }
        char *val = take_value(&p);
        if (!val) {
            snprintf(err, errlen, "out of memory");
            goto fail;
        }
        if (drive_set(d, key, klen, val, err, errlen) < 0)
            goto fail;
    }
    if (d->format && strcmp(d->format, "raw")) {
        snprintf(err, errlen, "format=%s: unsupported image format (only raw)", d->format);
        goto fail;
    }
    if (!d->file && d->media != DRIVE_MEDIA_CDROM) {
        snprintf(err, errlen, "a disk needs file=PATH (only a CD-ROM may be empty)");
        goto fail;
    }
    if (d->file && !*d->file) {
        free(d->file);
        d->file = NULL;
        if (d->media != DRIVE_MEDIA_CDROM) {
            snprintf(err, errlen, "file= is empty");
            goto fail;
        }
    }
    if (d->iface == DRIVE_IF_NONE && !d->id) {
        snprintf(err, errlen, "if=none needs id=NAME (for -device ide-hd,drive=NAME)");
        goto fail;
    }
    if (d->media == DRIVE_MEDIA_CDROM)
        d->read_only = true;
    return 0;
fail:
    drive_opts_free(d);
    return -1;
}

void drive_opts_free(DriveOpts *d)
{
    free(d->file);
    free(d->format);
    free(d->id);
    d->file = d->format = d->id = NULL;
}

int drive_parse_arg(const char *opt, const char *arg, DriveOpts *d, char *err, int errlen)
{
    if (!strcmp(opt, "drive"))
        return drive_parse(arg, d, err, errlen);
    memset(d, 0, sizeof(*d));
    if (!strcmp(opt, "cdrom")) {
        d->index = 2;
        d->media = DRIVE_MEDIA_CDROM;
        d->read_only = true;
    } else if (strlen(opt) == 3 && !strncmp(opt, "hd", 2) && opt[2] >= 'a' && opt[2] <= 'd') {
        d->index = opt[2] - 'a';
    } else {
        snprintf(err, errlen, "-%s: not a drive option", opt);
        return -1;
    }
    if (!*arg && d->media != DRIVE_MEDIA_CDROM) {
        snprintf(err, errlen, "-%s: needs a file name", opt);
        return -1;
    }
    d->file = *arg ? strdup(arg) : NULL;
    if (*arg && !d->file) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    return 0;
}
