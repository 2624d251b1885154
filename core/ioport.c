/* The 64 KiB port space.  map[] gives each port its range in one step. */
#include <string.h>

#include "yl/ioport.h"

void ioport_init(IOSpace *io)
{
    memset(io, 0, sizeof(*io));
}

/* map[] stores index + 1 in a byte, so at most 255 ranges can be live. */
static int free_slot(IOSpace *io)
{
    for (int i = 0; i < io->nranges; i++)
        if (!io->ranges[i].ops)
            return i;
    if (io->nranges < IOPORT_MAX_RANGES && io->nranges < 255)
        return io->nranges++;
    return -1;
}

int ioport_register(IOSpace *io, uint16_t base, uint32_t len,
                    const IOPortOps *ops, void *opaque)
{
    if (!ops || len == 0 || base + len > 65536)
        return -1;
    for (uint32_t p = base; p < base + len; p++)
        if (io->map[p])
            return -1;
    int i = free_slot(io);
    if (i < 0)
        return -1;
    io->ranges[i] = (IOPortRange){ base, len, ops, opaque };
    memset(&io->map[base], i + 1, len);
    return 0;
}

void ioport_unregister(IOSpace *io, uint16_t base, uint32_t len)
{
    for (uint32_t p = base; p < base + len && p < 65536; p++) {
        int i = io->map[p];
        if (!i)
            continue;
        IOPortRange *r = &io->ranges[i - 1];
        memset(&io->map[r->base], 0, r->len);
        memset(r, 0, sizeof(*r));
    }
    while (io->nranges > 0 && !io->ranges[io->nranges - 1].ops)
        io->nranges--;
}

/* The range that holds all of [port, port+size), or NULL. */
static IOPortRange *range_for(IOSpace *io, uint16_t port, unsigned size)
{
    int i = io->map[port];
    if (!i)
        return NULL;
    IOPortRange *r = &io->ranges[i - 1];
    if ((uint32_t)port + size > (uint32_t)r->base + r->len)
        return NULL;
    return r;
}

uint32_t ioport_read(IOSpace *io, uint16_t port, unsigned size)
{
    IOPortRange *r = range_for(io, port, size);
    if (r) {
        uint32_t v = r->ops->read ? r->ops->read(r->opaque, port - r->base, size)
                                  : 0xffffffffu;
        return size >= 4 ? v : v & ((1u << (size * 8)) - 1);
    }
    if (size == 1)
        return 0xff;
    /* Straddles ranges or holes: byte by byte, little endian. */
    uint32_t v = 0;
    for (unsigned i = 0; i < size; i++)
        v |= ioport_read(io, (uint16_t)(port + i), 1) << (8 * i);
    return v;
}

void ioport_write(IOSpace *io, uint16_t port, uint32_t val, unsigned size)
{
    IOPortRange *r = range_for(io, port, size);
    if (r) {
        if (r->ops->write)
            r->ops->write(r->opaque, port - r->base, val, size);
        return;
    }
    if (size == 1)
        return;
    for (unsigned i = 0; i < size; i++)
        ioport_write(io, (uint16_t)(port + i), (val >> (8 * i)) & 0xff, 1);
}
