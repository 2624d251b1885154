/* The 64 KiB x86 port space.  Devices receive offsets from their base. */
#ifndef YL_IOPORT_H
#define YL_IOPORT_H

#include <stdint.h>

typedef struct IOPortOps {
    uint32_t (*read)(void *opaque, uint16_t offset, unsigned size);
    void (*write)(void *opaque, uint16_t offset, uint32_t val, unsigned size);
} IOPortOps;

typedef struct IOPortRange {
    uint16_t base;
    uint32_t len;
    const IOPortOps *ops;
    void *opaque;
} IOPortRange;

#define IOPORT_MAX_RANGES 256

typedef struct IOSpace {
    IOPortRange ranges[IOPORT_MAX_RANGES];
    int nranges;
    uint8_t map[65536];     /* port -> index+1 into ranges, 0 = unassigned */
} IOSpace;

void ioport_init(IOSpace *io);
/* Returns 0, or -1 if the range overlaps one already registered. */
int ioport_register(IOSpace *io, uint16_t base, uint32_t len,
                    const IOPortOps *ops, void *opaque);
void ioport_unregister(IOSpace *io, uint16_t base, uint32_t len);
/* Unassigned ports read as all ones (open bus) and ignore writes. */
uint32_t ioport_read(IOSpace *io, uint16_t port, unsigned size);
void ioport_write(IOSpace *io, uint16_t port, uint32_t val, unsigned size);

#endif
