/* The PIIX3 PCI-to-ISA bridge (82371SB function 0) at 00:01.0: the PIRQ
 * router (registers 0x60-0x63 send PIRQA-D to an ISA IRQ, bit 7 disables)
 * and the reset control register at port 0xcf9.  Routed PCI interrupts
 * are level-triggered; firmware marks those IRQs in the i8259's ELCR
 * (ports 0x4d0/0x4d1, owned by the PIC), as on the real chip. */
#include <stdlib.h>
#include <string.h>

#include "yl/machine.h"
#include "yl/pci.h"

#define PIIX3_PIRQRC    0x60
#define PIRQ_DISABLE    0x80
#define RCR_SRST        0x02    /* system (not just CPU) reset */
#define RCR_RST_CPU     0x04    /* 0->1 starts the reset */
#define RCR_FULL_RST    0x08

typedef struct PIIX3 {
    PCIDevice pci;
    Machine *m;
    int pirq_level[PCI_NUM_PIRQS];
    uint16_t irq_driven;        /* ISA IRQs we last drove high */
    uint8_t rcr;
} PIIX3;

/* Recomputes every ISA IRQ fed by a PIRQ and drives the changed ones. */
static void piix3_update_irqs(PIIX3 *p)
{
    uint16_t high = 0, routed = 0;
    for (int i = 0; i < PCI_NUM_PIRQS; i++) {
        uint8_t r = p->pci.config[PIIX3_PIRQRC + i];
        if (r & PIRQ_DISABLE || (r & 0x0f) < 3)
            continue;
        routed |= 1u << (r & 0x0f);
        if (p->pirq_level[i])
            high |= 1u << (r & 0x0f);
    }
    uint16_t changed = (high ^ p->irq_driven) & (routed | p->irq_driven);
    for (int irq = 0; irq < 16; irq++)
        if (changed & (1u << irq))
            irq_set(&p->m->isa_irq[irq], (high >> irq) & 1);
    p->irq_driven = high;
}

static void piix3_set_pirq(void *opaque, int pirq, int level)
{
    PIIX3 *p = opaque;
    p->pirq_level[pirq] = level;
    piix3_update_irqs(p);
}

static void piix3_config_write(PCIDevice *d, uint8_t addr, uint32_t val, unsigned len)
{
    pci_default_config_write(d, addr, val, len);
    if (addr < PIIX3_PIRQRC + 4 && addr + len > PIIX3_PIRQRC)
        piix3_update_irqs((PIIX3 *)d);
}

static uint8_t piix3_rcr_read(void *opaque)
{
    PIIX3 *p = opaque;
    return p->rcr;
}

static void piix3_rcr_write(void *opaque, uint8_t val)
{
    PIIX3 *p = opaque;
    bool start = (val & RCR_RST_CPU) && !(p->rcr & RCR_RST_CPU);
    p->rcr = val & (RCR_SRST | RCR_FULL_RST);
    if (start)
        machine_request_reset(p->m);
}

static void piix3_reset(Device *dev)
{
    PIIX3 *p = (PIIX3 *)dev;
    uint8_t *c = p->pci.config;
    pci_device_reset(&p->pci);
    pci_set_word(c + PCI_COMMAND, 0x0007);
    memset(c + PIIX3_PIRQRC, PIRQ_DISABLE, 4);
    c[0x4c] = 0x4d;     /* ISA I/O recovery timer */
    c[0x4e] = 0x03;     /* X-bus chip select: BIOS ROM decoded */
    c[0x69] = 0x02;     /* top of memory */
    c[0x6a] = 0x00;
    c[0x70] = PIRQ_DISABLE;     /* motherboard device IRQ routing */
    c[0x71] = PIRQ_DISABLE;
    c[0x80] = 0x00;     /* APIC base relocation */
    c[0x82] = 0x00;     /* deterministic latency */
    p->rcr = 0;
    piix3_update_irqs(p);
}

static int piix3_realize(Device *dev, Machine *m, char *err, int errlen)
{
    PIIX3 *p = (PIIX3 *)dev;
    p->m = m;
    if (!p->pci.addr)
        p->pci.addr = strdup("1.0");
    if (pci_device_init(&p->pci, m, 0x8086, 0x7000, 0x060100, err, errlen) < 0)
        return -1;
    PCIBus *bus = m->pci;
    if (bus->set_pirq) {
        snprintf(err, errlen, "PIIX3: the PCI bus already has a PIRQ router");
        pci_device_unrealize(&p->pci);
        return -1;
    }
    p->pci.config[PCI_HEADER_TYPE] = PCI_HEADER_TYPE_MULTI;
    /* The bridge decodes I/O and memory for ISA whatever the guest says. */
    pci_set_word(p->pci.wmask + PCI_COMMAND, 0);
    p->pci.wmask[PCI_INTERRUPT_LINE] = 0;
    static const uint8_t rw[] = { 0x4c, 0x4e, 0x4f, 0x60, 0x61, 0x62, 0x63,
                                  0x69, 0x6a, 0x70, 0x71, 0x76, 0x77, 0x78,
                                  0x79, 0x80, 0x82, 0xa0, 0xa2, 0xa3 };
    for (size_t i = 0; i < sizeof(rw); i++)
        p->pci.wmask[rw[i]] = 0xff;
    p->pci.wmask[0x60] = p->pci.wmask[0x61] = p->pci.wmask[0x62] =
        p->pci.wmask[0x63] = 0x8f;
    p->pci.config_write = piix3_config_write;
    bus->set_pirq = piix3_set_pirq;
    bus->pirq_opaque = p;
    bus->rcr_read = piix3_rcr_read;
    bus->rcr_write = piix3_rcr_write;
    bus->rcr_opaque = p;
    piix3_reset(dev);
    return 0;
}

static void piix3_destroy(Device *dev)
{
    PIIX3 *p = (PIIX3 *)dev;
    PCIBus *bus = p->pci.bus;
    if (bus && bus->pirq_opaque == p) {
        bus->set_pirq = NULL;
        bus->rcr_read = NULL;
        bus->rcr_write = NULL;
    }
    pci_device_unrealize(&p->pci);
}

static const PropDesc piix3_props[] = {
    PCI_DEVICE_PROPS(PIIX3, pci),
    { NULL },
};

const DeviceClass piix3_class = {
    .name = "PIIX3",
    .desc = "Intel 82371SB PCI-to-ISA bridge (PIRQ router, reset control)",
    .instance_size = sizeof(PIIX3),
    .props = piix3_props,
    .realize = piix3_realize,
    .reset = piix3_reset,
    .destroy = piix3_destroy,
};
