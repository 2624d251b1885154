/* Device instances and their properties (-device NAME,prop=value,...). */
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "yl/device.h"

static const PropDesc *prop_find(const DeviceClass *cls, const char *name, size_t n)
{
    for (const PropDesc *p = cls->props; p && p->name; p++)
        if (strlen(p->name) == n && !strncmp(p->name, name, n))
            return p;
    return NULL;
}

/* Numbers are decimal, or hex with 0x (a leading 0 is not octal). */
static int parse_u64(const char *s, uint64_t *v)
{
    int base = 10;
    if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
        s += 2;
        base = 16;
    }
    if (!*s || *s == '-' || *s == '+' || *s == ' ')
        return -1;
    char *end;
    errno = 0;
    unsigned long long x = strtoull(s, &end, base);
    if (errno || *end)
        return -1;
    *v = x;
    return 0;
}

static int parse_bool(const char *s, bool *b)
{
    static const char *const yes[] = { "on", "true", "yes", "1" };
    static const char *const no[] = { "off", "false", "no", "0" };
    for (int i = 0; i < 4; i++) {
        if (!strcmp(s, yes[i])) { *b = true; return 0; }
        if (!strcmp(s, no[i])) { *b = false; return 0; }
    }
    return -1;
}

static int prop_set(Device *dev, const PropDesc *p, const char *value,
                    char *err, int errlen)
{
    void *field = (char *)dev + p->offset;
    uint64_t v;
    switch (p->type) {
    case PROP_U32:
    case PROP_U64:
        if (parse_u64(value, &v) < 0 || (p->type == PROP_U32 && v > UINT32_MAX)) {
            snprintf(err, errlen, "%s: bad value '%s' for property '%s' (a number)",
                     dev->cls->name, value, p->name);
            return -1;
        }
        if (p->type == PROP_U32)
            *(uint32_t *)field = (uint32_t)v;
        else
            *(uint64_t *)field = v;
        return 0;
    case PROP_BOOL:
        if (parse_bool(value, field) < 0) {
            snprintf(err, errlen, "%s: bad value '%s' for property '%s' (on or off)",
                     dev->cls->name, value, p->name);
            return -1;
        }
        return 0;
    case PROP_STR:
    case PROP_CHARDEV: {
        char *copy = strdup(value);
        if (!copy) {
            snprintf(err, errlen, "out of memory");
            return -1;
        }
        free(*(char **)field);
        *(char **)field = copy;
        return 0;
    }
    }
    return -1;
}

int device_set_prop(Device *dev, const char *name, const char *value,
                    char *err, int errlen)
{
    if (!strcmp(name, "id")) {
        char *copy = strdup(value);
        if (!copy)
            return -1;
        free(dev->id);
        dev->id = copy;
        return 0;
    }
    const PropDesc *p = prop_find(dev->cls, name, strlen(name));
    if (!p) {
        snprintf(err, errlen, "%s: no property '%s' (try -device %s,help)",
                 dev->cls->name, name, dev->cls->name);
        return -1;
    }
    return prop_set(dev, p, value, err, errlen);
}

static int apply_props(Device *dev, const char *props, char *err, int errlen)
{
    const char *p = props;
    while (p && *p) {
        size_t len = strcspn(p, ",");
        char *item = strndup(p, len);
        if (!item)
            return -1;
        char *eq = strchr(item, '=');
        int r;
        if (!eq) {
            snprintf(err, errlen, "%s: '%s' is not of the form prop=value",
                     dev->cls->name, item);
            r = -1;
        } else {
            *eq = 0;
            r = device_set_prop(dev, item, eq + 1, err, errlen);
        }
        free(item);
        if (r < 0)
            return -1;
        p += len;
        if (*p == ',')
            p++;
    }
    return 0;
}

Device *device_new(const DeviceClass *cls, const char *props, char *err, int errlen)
{
    if (cls->instance_size < sizeof(Device)) {
        snprintf(err, errlen, "%s: broken device class", cls->name);
        return NULL;
    }
    Device *dev = calloc(1, cls->instance_size);
    if (!dev) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    dev->cls = cls;
    for (const PropDesc *p = cls->props; p && p->name; p++) {
        if (p->defval && prop_set(dev, p, p->defval, err, errlen) < 0)
            goto fail;
    }
    if (apply_props(dev, props, err, errlen) < 0)
        goto fail;
    return dev;
fail:
    device_free(dev);
    return NULL;
}

void device_free(Device *dev)
{
    if (!dev)
        return;
    if (dev->cls->destroy)
        dev->cls->destroy(dev);
    for (const PropDesc *p = dev->cls->props; p && p->name; p++)
        if (p->type == PROP_STR || p->type == PROP_CHARDEV)
            free(*(char **)((char *)dev + p->offset));
    free(dev->id);
    free(dev);
}

void device_print_props(const DeviceClass *cls, FILE *f)
{
    static const char *const type_names[] = {
        [PROP_U32] = "uint32", [PROP_U64] = "uint64", [PROP_BOOL] = "bool",
        [PROP_STR] = "str", [PROP_CHARDEV] = "chardev",
    };
    fprintf(f, "%s options:\n", cls->name);
    for (const PropDesc *p = cls->props; p && p->name; p++) {
        fprintf(f, "  %s=<%s>", p->name, type_names[p->type]);
        if (p->defval)
            fprintf(f, " (default: %s)", p->defval);
        fputc('\n', f);
    }
}
