/* Devices created by name from a registry: -device NAME,prop=value,... */
#ifndef YL_DEVICE_H
#define YL_DEVICE_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

struct Machine;
typedef struct Device Device;

typedef enum PropType { PROP_U32, PROP_U64, PROP_BOOL, PROP_STR, PROP_CHARDEV } PropType;

/* Field types at offset: PROP_U32 uint32_t, PROP_U64 uint64_t, PROP_BOOL
 * bool, PROP_STR char * (malloc'ed), PROP_CHARDEV char * holding the chardev
 * id, resolved with machine_find_chardev() at realize. */
typedef struct PropDesc {
    const char *name;
    PropType type;
    size_t offset;          /* into the device instance */
    const char *defval;     /* parsed like a user value; NULL: zero */
} PropDesc;

/* Versioned state description, for savevm and migration (filled in later
 * per device; the field list names plain-data members). */
typedef struct StateField {
    const char *name;
    size_t offset, size;
} StateField;
typedef struct StateDesc {
    const char *name;
    int version;
    const StateField *fields;
} StateDesc;

typedef struct DeviceClass {
    const char *name;
    const char *desc;
    size_t instance_size;   /* starts with Device */
    const PropDesc *props;  /* terminated by a NULL name */
    /* Returns 0, or -1 with a one-line message in err. */
    int (*realize)(Device *dev, struct Machine *m, char *err, int errlen);
    void (*reset)(Device *dev);
    void (*destroy)(Device *dev);
    const StateDesc *state;
    int user_creatable;     /* may be named with -device */
} DeviceClass;

struct Device {
    const DeviceClass *cls;
    char *id;
    Device *next;
};

/* The registry (hw/devices.c). */
const DeviceClass *device_class_find(const char *name);
void device_list_classes(FILE *f);

/* Creates an instance with defaults applied, then applies "a=1,b=2". */
Device *device_new(const DeviceClass *cls, const char *props, char *err, int errlen);
int device_set_prop(Device *dev, const char *name, const char *value,
                    char *err, int errlen);
/* Lists a class's properties (-device NAME,help). */
void device_print_props(const DeviceClass *cls, FILE *f);
/* Calls destroy, frees string properties and the instance. */
void device_free(Device *dev);

#endif
