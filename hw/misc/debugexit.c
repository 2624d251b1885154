/* isa-debug-exit: a guest write of V ends the emulator with status
 * (V << 1) | 1, so a test can never be mistaken for a clean 0 exit. */
#include <stddef.h>

#include "yl/device.h"
#include "yl/ioport.h"
#include "yl/machine.h"

typedef struct DebugExit {
    Device dev;
    uint32_t iobase, iosize;
    Machine *m;
} DebugExit;

static uint32_t debugexit_read(void *opaque, uint16_t off, unsigned size)
{
    return 0xffffffff;
}

static void debugexit_write(void *opaque, uint16_t off, uint32_t val, unsigned size)
{
    DebugExit *d = opaque;
    machine_request_shutdown(d->m, (int)((val << 1) | 1));
}

static const IOPortOps debugexit_ops = { debugexit_read, debugexit_write };

static int debugexit_realize(Device *dev, Machine *m, char *err, int errlen)
{
    DebugExit *d = (DebugExit *)dev;
    d->m = m;
    if (d->iosize == 0 || d->iosize > 4 || d->iobase + d->iosize > 0x10000) {
        snprintf(err, errlen, "isa-debug-exit: iobase 0x%x / iosize %u out of range",
                 d->iobase, d->iosize);
        return -1;
    }
    if (ioport_register(&m->io, d->iobase, d->iosize, &debugexit_ops, d) < 0) {
        snprintf(err, errlen, "isa-debug-exit: I/O port 0x%x already in use", d->iobase);
        return -1;
    }
    return 0;
}

static const PropDesc debugexit_props[] = {
    { "iobase", PROP_U32, offsetof(DebugExit, iobase), "0x501" },
    { "iosize", PROP_U32, offsetof(DebugExit, iosize), "2" },
    { NULL },
};

const DeviceClass isa_debug_exit_class = {
    .name = "isa-debug-exit",
    .desc = "ISA debug exit device (exits with (value << 1) | 1)",
    .instance_size = sizeof(DebugExit),
    .props = debugexit_props,
    .realize = debugexit_realize,
    .user_creatable = 1,
};
