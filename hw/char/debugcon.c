/* isa-debugcon: bytes written to one port go to a chardev (Bochs' port
 * 0xe9 hack); reading the port answers 0xe9 so guests can detect it. */
#include <stddef.h>

#include "yl/chardev.h"
#include "yl/device.h"
#include "yl/ioport.h"
#include "yl/machine.h"

typedef struct Debugcon {
    Device dev;
    uint32_t iobase, readback;
    char *chardev_id;
    Chardev *chr;
} Debugcon;

static uint32_t debugcon_read(void *opaque, uint16_t off, unsigned size)
{
    Debugcon *d = opaque;
    return d->readback;
}

static void debugcon_write(void *opaque, uint16_t off, uint32_t val, unsigned size)
{
    Debugcon *d = opaque;
    uint8_t b = val;
    chardev_write(d->chr, &b, 1);
}

static const IOPortOps debugcon_ops = { debugcon_read, debugcon_write };

static int debugcon_realize(Device *dev, Machine *m, char *err, int errlen)
{
    Debugcon *d = (Debugcon *)dev;
    if (d->iobase > 0xffff) {
        snprintf(err, errlen, "isa-debugcon: iobase 0x%x out of range", d->iobase);
        return -1;
    }
    if (d->chardev_id && !(d->chr = machine_find_chardev(m, d->chardev_id))) {
        snprintf(err, errlen, "isa-debugcon: chardev '%s' not found", d->chardev_id);
        return -1;
    }
    if (ioport_register(&m->io, d->iobase, 1, &debugcon_ops, d) < 0) {
        snprintf(err, errlen, "isa-debugcon: I/O port 0x%x already in use", d->iobase);
        return -1;
    }
    return 0;
}

static const PropDesc debugcon_props[] = {
    { "iobase", PROP_U32, offsetof(Debugcon, iobase), "0xe9" },
    { "readback", PROP_U32, offsetof(Debugcon, readback), "0xe9" },
    { "chardev", PROP_CHARDEV, offsetof(Debugcon, chardev_id), NULL },
    { NULL },
};

const DeviceClass isa_debugcon_class = {
    .name = "isa-debugcon",
    .desc = "ISA debug console (port 0xe9)",
    .instance_size = sizeof(Debugcon),
    .props = debugcon_props,
    .realize = debugcon_realize,
    .user_creatable = 1,
};
