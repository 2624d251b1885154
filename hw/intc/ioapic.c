/* The I/O APIC (82093AA datasheet; version 0x20 with the EOI register):
 * 24 input pins, each with a redirection entry that turns an edge or a
 * level into an interrupt message on the APIC bus (apic_deliver). */
#include <inttypes.h>

#include "yl/apic.h"
#include "yl/machine.h"

#define IOAPIC_VERSION (0x20u | ((IOAPIC_NUM_PINS - 1u) << 16))
#define IOAPIC_MMIO_SIZE 0x1000
#define IOAPIC_MMIO_PRIORITY 10

/* Redirection entry bits */
#define RTE_VECTOR 0xffull
#define RTE_DELIVERY_STATUS (1ull << 12)
#define RTE_POLARITY_LOW (1ull << 13)
#define RTE_REMOTE_IRR (1ull << 14)
#define RTE_LEVEL (1ull << 15)
#define RTE_MASKED (1ull << 16)
#define RTE_RO (RTE_DELIVERY_STATUS | RTE_REMOTE_IRR)
#define RTE_WRITABLE (0xff00000000000000ull | 0x1ffffull)

enum { REG_ID = 0x00, REG_VERSION = 0x01, REG_ARB = 0x02, REG_RTE = 0x10 };
enum { MMIO_IOREGSEL = 0x00, MMIO_IOWIN = 0x10, MMIO_EOI = 0x40 };

typedef struct IOAPIC {
    Device dev;
    Machine *m;
    MemRegion *mmio;
    uint8_t id;
    uint8_t regsel;
    uint64_t rte[IOAPIC_NUM_PINS];
    uint32_t pins;          /* input levels as driven */
} IOAPIC;

static bool pin_asserted(const IOAPIC *s, int pin)
{
    bool high = s->pins >> pin & 1;
    return (s->rte[pin] & RTE_POLARITY_LOW) ? !high : high;
}

static void ioapic_send(IOAPIC *s, int pin)
{
    uint64_t e = s->rte[pin];
    bool level = e & RTE_LEVEL;
    if (level)
        s->rte[pin] |= RTE_REMOTE_IRR;
    apic_deliver(s->m, e >> 56, e & (1u << 11), (e >> 8) & 7, e & RTE_VECTOR, level);
}

/* A level-triggered pin sends again while it stays asserted and the
 * last message has been EOIed. */
static void ioapic_service_level(IOAPIC *s, int pin)
{
    uint64_t e = s->rte[pin];
    if ((e & RTE_LEVEL) && !(e & (RTE_MASKED | RTE_REMOTE_IRR)) && pin_asserted(s, pin))
        ioapic_send(s, pin);
}

static void ioapic_set_irq(void *opaque, int pin, int level)
{
    IOAPIC *s = opaque;
    if (pin < 0 || pin >= IOAPIC_NUM_PINS)
        return;
    bool was = pin_asserted(s, pin);
    if (level)
        s->pins |= 1u << pin;
    else
        s->pins &= ~(1u << pin);
    uint64_t e = s->rte[pin];
    if (e & RTE_LEVEL)
        ioapic_service_level(s, pin);
    else if (!was && pin_asserted(s, pin) && !(e & RTE_MASKED))
        ioapic_send(s, pin);    /* an edge on a masked pin is lost */
}

static void ioapic_eoi(IOAPIC *s, uint8_t vector)
{
    for (int pin = 0; pin < IOAPIC_NUM_PINS; pin++) {
        if ((s->rte[pin] & RTE_VECTOR) != vector || !(s->rte[pin] & RTE_REMOTE_IRR))
            continue;
        s->rte[pin] &= ~RTE_REMOTE_IRR;
        ioapic_service_level(s, pin);
    }
}

void ioapic_eoi_broadcast(Machine *m, uint8_t vector)
{
    if (m->ioapic)
        ioapic_eoi(m->ioapic, vector);
}

static uint32_t ioapic_reg_read(IOAPIC *s)
{
    unsigned r = s->regsel;
    if (r >= REG_RTE && r < REG_RTE + 2 * IOAPIC_NUM_PINS) {
        uint64_t e = s->rte[(r - REG_RTE) / 2];
        return (r & 1) ? e >> 32 : (uint32_t)e;
    }
    switch (r) {
    case REG_ID:
    case REG_ARB:
        return (uint32_t)s->id << 24;
    case REG_VERSION:
        return IOAPIC_VERSION;
    default:
        return 0;
    }
}

static void ioapic_reg_write(IOAPIC *s, uint32_t val)
{
    unsigned r = s->regsel;
    if (r == REG_ID) {
        s->id = (val >> 24) & 0xf;
        return;
    }
    if (r < REG_RTE || r >= REG_RTE + 2 * IOAPIC_NUM_PINS)
        return;
    int pin = (r - REG_RTE) / 2;
    uint64_t e = s->rte[pin];
    uint64_t nv = (r & 1) ? (e & 0xffffffffull) | ((uint64_t)val << 32)
                          : (e & ~0xffffffffull) | val;
    s->rte[pin] = (nv & RTE_WRITABLE & ~RTE_RO) | (e & RTE_RO);
    /* Edge-triggered entries have no remote IRR. */
    if (!(s->rte[pin] & RTE_LEVEL))
        s->rte[pin] &= ~RTE_REMOTE_IRR;
    ioapic_service_level(s, pin);
}

static uint64_t ioapic_mmio_read(void *opaque, uint64_t addr, unsigned size)
{
    IOAPIC *s = opaque;
    switch (addr) {
    case MMIO_IOREGSEL: return s->regsel;
    case MMIO_IOWIN: return ioapic_reg_read(s);
    default: return 0;
    }
}

static void ioapic_mmio_write(void *opaque, uint64_t addr, uint64_t val, unsigned size)
{
    IOAPIC *s = opaque;
    switch (addr) {
    case MMIO_IOREGSEL: s->regsel = val; break;
    case MMIO_IOWIN: ioapic_reg_write(s, val); break;
    case MMIO_EOI: ioapic_eoi(s, val); break;
    default:
        yl_log_mask(&s->m->log, LOG_GUEST_ERRORS,
                    "ioapic: write at offset 0x%" PRIx64 " ignored\n", addr);
        break;
    }
}

static const MemOps ioapic_mmio_ops = { ioapic_mmio_read, ioapic_mmio_write };

static void ioapic_reset(Device *dev)
{
    IOAPIC *s = (IOAPIC *)dev;
    s->id = IOAPIC_ID;
    s->regsel = 0;
    for (int i = 0; i < IOAPIC_NUM_PINS; i++)
        s->rte[i] = RTE_MASKED;
}

static int ioapic_realize(Device *dev, Machine *m, char *err, int errlen)
{
    IOAPIC *s = (IOAPIC *)dev;
    if (m->ioapic) {
        snprintf(err, errlen, "ioapic: the machine has one already");
        return -1;
    }
    s->m = m;
    s->mmio = mem_add_mmio(&m->as, "ioapic", IOAPIC_ADDRESS, IOAPIC_MMIO_SIZE,
                           &ioapic_mmio_ops, s, IOAPIC_MMIO_PRIORITY);
    if (!s->mmio) {
        snprintf(err, errlen, "ioapic: no room in the memory map");
        return -1;
    }
    for (int i = 0; i < IOAPIC_NUM_PINS; i++)
        irq_init(&m->gsi[i], ioapic_set_irq, s, i);
    m->ioapic = s;
    ioapic_reset(dev);
    return 0;
}

static void ioapic_destroy(Device *dev)
{
    IOAPIC *s = (IOAPIC *)dev;
    if (s->m && s->m->ioapic == s)
        s->m->ioapic = NULL;
}

const DeviceClass ioapic_class = {
    .name = "ioapic",
    .desc = "I/O APIC, 24 pins",
    .instance_size = sizeof(IOAPIC),
    .realize = ioapic_realize,
    .reset = ioapic_reset,
    .destroy = ioapic_destroy,
};
