/* The PCI bus: configuration mechanism #1 (0xcf8 address, 0xcfc data),
 * configuration space with write masks, BAR sizing and mapping, and INTx
 * routed to the PIRQ router. */
#include <stdlib.h>
#include <string.h>

#include "yl/machine.h"
#include "yl/pci.h"

#define CONFIG_ENABLE 0x80000000u

static bool ranges_overlap(unsigned a, unsigned alen, unsigned b, unsigned blen)
{
    return a < b + blen && b < a + alen;
}

/* --- BAR mapping ------------------------------------------------------- */

static uint32_t bar_reg(int n)
{
    return n == PCI_ROM_SLOT ? PCI_ROM_ADDRESS : PCI_BAR0 + 4 * n;
}

static void bar_unmap(PCIDevice *d, int n)
{
    PCIBar *b = &d->bars[n];
    if (b->addr == PCI_BAR_UNMAPPED)
        return;
    if (b->type == PCI_BAR_IO)
        ioport_unregister(&d->machine->io, b->addr, b->size);
    else if (b->region)
        mem_del(&d->machine->as, b->region);
    b->region = NULL;
    b->addr = PCI_BAR_UNMAPPED;
    if (d->bar_mapped)
        d->bar_mapped(d, n, PCI_BAR_UNMAPPED);
}

/* Where BAR n decodes now, or PCI_BAR_UNMAPPED. */
static uint64_t bar_target(PCIDevice *d, int n)
{
    PCIBar *b = &d->bars[n];
    uint16_t cmd = pci_get_word(d->config + PCI_COMMAND);
    uint32_t v = pci_get_long(d->config + bar_reg(n));
    if (b->type == PCI_BAR_IO) {
        uint32_t a = v & ~3u & ~(b->size - 1);
        if (!(cmd & PCI_COMMAND_IO) || a == 0 || a + b->size > 0x10000)
            return PCI_BAR_UNMAPPED;
        return a;
    }
    uint32_t a = v & ~(b->size - 1) & ~0xfu;
    if (!(cmd & PCI_COMMAND_MEMORY) || a == 0 || a > 0xffffffffu - b->size + 1)
        return PCI_BAR_UNMAPPED;
    if (b->type == PCI_BAR_ROM && !(v & PCI_ROM_ENABLE))
        return PCI_BAR_UNMAPPED;
    return a;
}

/* BARs sit above RAM (priority 0) and the BIOS (1), below nothing. */
#define BAR_PRIORITY 4

static void bar_map(PCIDevice *d, int n, uint64_t addr)
{
    PCIBar *b = &d->bars[n];
    Machine *m = d->machine;
    const char *name = d->dev.cls ? d->dev.cls->name : "pci-bar";
    if (b->type == PCI_BAR_IO) {
        if (ioport_register(&m->io, addr, b->size, b->io_ops, b->opaque) < 0) {
            yl_log_mask(&m->log, LOG_GUEST_ERRORS,
                    "pci %02x.%x: BAR%d I/O 0x%llx overlaps another range\n",
                    PCI_SLOT(d->devfn), PCI_FUNC(d->devfn), n,
                    (unsigned long long)addr);
            return;
        }
    } else if (b->host && b->type == PCI_BAR_ROM) {
        b->region = mem_add_rom(&m->as, name, addr, b->size, b->host, BAR_PRIORITY);
    } else if (b->host) {
        b->region = mem_add_ram(&m->as, name, addr, b->size, b->host, BAR_PRIORITY);
        if (!b->region)     /* not in the RAM block: still readable */
            b->region = mem_add_rom(&m->as, name, addr, b->size, b->host,
                                    BAR_PRIORITY);
    } else {
        b->region = mem_add_mmio(&m->as, name, addr, b->size, b->mem_ops,
                                 b->opaque, BAR_PRIORITY);
    }
    if (b->type != PCI_BAR_IO && !b->region)
        return;
    b->addr = addr;
    if (d->bar_mapped)
        d->bar_mapped(d, n, addr);
}

static void update_mappings(PCIDevice *d)
{
    if (!d->machine)
        return;
    for (int n = 0; n <= PCI_ROM_SLOT; n++) {
        if (d->bars[n].type == PCI_BAR_NONE)
            continue;
        uint64_t want = bar_target(d, n);
        if (want == d->bars[n].addr)
            continue;
        bar_unmap(d, n);
        if (want != PCI_BAR_UNMAPPED)
            bar_map(d, n, want);
    }
}

static uint32_t pow2_at_least(uint32_t v, uint32_t min)
{
    uint32_t s = min;
    while (s < v && s < 0x80000000u)
        s <<= 1;
    return s;
}

static void bar_declare(PCIDevice *d, int n, PCIBarType type, uint32_t size)
{
    PCIBar *b = &d->bars[n];
    b->type = type;
    b->size = pow2_at_least(size, type == PCI_BAR_IO ? 4 : type == PCI_BAR_ROM ? 2048 : 16);
    b->addr = PCI_BAR_UNMAPPED;
    uint32_t reg = bar_reg(n);
    uint32_t low = 0, mask = ~(b->size - 1);
    if (type == PCI_BAR_IO)
        low = 1;
    else if (type == PCI_BAR_MEM_PREFETCH)
        low = 8;
    else if (type == PCI_BAR_ROM)
        mask |= PCI_ROM_ENABLE, mask &= ~0x7feu;
    if (type != PCI_BAR_ROM)
        mask &= type == PCI_BAR_IO ? ~3u : ~0xfu;
    pci_set_long(d->config + reg, low);
    pci_set_long(d->wmask + reg, mask);
}

void pci_register_bar(PCIDevice *d, int n, PCIBarType type, uint32_t size,
                      const IOPortOps *io_ops, const MemOps *mem_ops, void *opaque)
{
    if (n < 0 || n >= PCI_NUM_BARS || type == PCI_BAR_ROM || type == PCI_BAR_NONE)
        return;
    bar_declare(d, n, type, size);
    d->bars[n].io_ops = io_ops;
    d->bars[n].mem_ops = mem_ops;
    d->bars[n].opaque = opaque;
}

void pci_register_bar_host(PCIDevice *d, int n, uint32_t size, uint8_t *host)
{
    if (n < 0 || n >= PCI_NUM_BARS)
        return;
    bar_declare(d, n, PCI_BAR_MEM, size);
    d->bars[n].host = host;
}

void pci_register_rom(PCIDevice *d, uint8_t *image, uint32_t size)
{
    bar_declare(d, PCI_ROM_SLOT, PCI_BAR_ROM, size);
    /* The image may be smaller than the power-of-two window; a ROM region
     * must not reach past the host buffer, so map only what exists. */
    d->bars[PCI_ROM_SLOT].host = image;
    d->bars[PCI_ROM_SLOT].size = size;
    uint32_t win = pow2_at_least(size, 2048);
    pci_set_long(d->wmask + PCI_ROM_ADDRESS, ~(win - 1) | PCI_ROM_ENABLE);
}

/* --- configuration space --------------------------------------------- */

uint32_t pci_default_config_read(PCIDevice *d, uint8_t addr, unsigned len)
{
    uint32_t v = 0;
    for (unsigned i = 0; i < len; i++)
        v |= (uint32_t)d->config[(uint8_t)(addr + i)] << (8 * i);
    return v;
}

void pci_default_config_write(PCIDevice *d, uint8_t addr, uint32_t val, unsigned len)
{
    for (unsigned i = 0; i < len; i++) {
        uint8_t a = addr + i, b = val >> (8 * i);
        uint8_t wm = d->wmask[a], w1c = d->w1cmask[a];
        d->config[a] = (d->config[a] & ~wm) | (b & wm);
        d->config[a] &= ~(b & w1c);
    }
    if (ranges_overlap(addr, len, PCI_COMMAND, 2)
        || ranges_overlap(addr, len, PCI_BAR0, 4 * PCI_NUM_BARS)
        || ranges_overlap(addr, len, PCI_ROM_ADDRESS, 4))
        update_mappings(d);
    if (ranges_overlap(addr, len, PCI_COMMAND, 2) && d->irq_level)
        pci_set_irq(d, d->irq_level);   /* INTx disable may have changed */
}

/* --- interrupts -------------------------------------------------------- */

void pci_set_irq(PCIDevice *d, int level)
{
    d->irq_level = level;
    int pin = d->config[PCI_INTERRUPT_PIN];
    if (pin < 1 || pin > 4)
        return;
    uint16_t cmd = pci_get_word(d->config + PCI_COMMAND);
    bool assert = level && !(cmd & PCI_COMMAND_INTX_DISABLE);
    if (level)
        d->config[PCI_STATUS] |= PCI_STATUS_INTERRUPT;
    else
        d->config[PCI_STATUS] &= ~PCI_STATUS_INTERRUPT;
    if (assert == d->irq_asserted || !d->bus)
        return;
    d->irq_asserted = assert;
    PCIBus *bus = d->bus;
    int pirq = pci_pirq_of(PCI_SLOT(d->devfn), pin);
    int before = bus->pirq_count[pirq] > 0;
    bus->pirq_count[pirq] += assert ? 1 : -1;
    int after = bus->pirq_count[pirq] > 0;
    if (before != after && bus->set_pirq)
        bus->set_pirq(bus->pirq_opaque, pirq, after);
}

/* --- devices on the bus ----------------------------------------------- */

/* "slot" or "slot.fn", both hex (QEMU's addr= syntax). */
static int parse_devfn(const char *s)
{
    char *end;
    unsigned long slot = strtoul(s, &end, 16), fn = 0;
    if (end == s || slot > 31)
        return -1;
    if (*end == '.') {
        const char *f = end + 1;
        fn = strtoul(f, &end, 16);
        if (end == f || fn > 7)
            return -1;
    }
    return *end ? -1 : (int)PCI_DEVFN(slot, fn);
}

int pci_device_init(PCIDevice *d, Machine *m, uint16_t vendor, uint16_t device,
                    uint32_t class_code, char *err, int errlen)
{
    const char *name = d->dev.cls ? d->dev.cls->name : "pci device";
    PCIBus *bus = m->pci;
    if (!bus) {
        snprintf(err, errlen, "%s: this machine has no PCI bus", name);
        return -1;
    }
    int devfn = -1;
    if (d->addr) {
        devfn = parse_devfn(d->addr);
        if (devfn < 0) {
            snprintf(err, errlen, "%s: bad PCI address '%s' (want slot[.fn] in hex)",
                     name, d->addr);
            return -1;
        }
        if (bus->devices[devfn]) {
            snprintf(err, errlen, "%s: PCI address %s is already in use", name, d->addr);
            return -1;
        }
    } else {
        for (int slot = 0; slot < 32 && devfn < 0; slot++)
            if (!bus->devices[PCI_DEVFN(slot, 0)])
                devfn = PCI_DEVFN(slot, 0);
        if (devfn < 0) {
            snprintf(err, errlen, "%s: no free PCI slot", name);
            return -1;
        }
    }
    d->bus = bus;
    d->machine = m;
    d->devfn = devfn;
    pci_set_word(d->config + PCI_VENDOR_ID, vendor);
    pci_set_word(d->config + PCI_DEVICE_ID, device);
    d->config[PCI_REVISION_ID] = 0;
    d->config[PCI_CLASS_PROG] = class_code;
    pci_set_word(d->config + PCI_CLASS_DEVICE, class_code >> 8);
    pci_set_word(d->wmask + PCI_COMMAND, PCI_COMMAND_IO | PCI_COMMAND_MEMORY
                 | PCI_COMMAND_MASTER | PCI_COMMAND_INTX_DISABLE);
    pci_set_word(d->w1cmask + PCI_STATUS, 0xf900);  /* error bits */
    d->wmask[PCI_CACHE_LINE_SIZE] = 0xff;
    d->wmask[PCI_LATENCY_TIMER] = 0xff;
    d->wmask[PCI_INTERRUPT_LINE] = 0xff;
    for (int n = 0; n <= PCI_ROM_SLOT; n++)
        d->bars[n].addr = PCI_BAR_UNMAPPED;
    bus->devices[devfn] = d;
    d->realized = true;
    return 0;
}

void pci_device_reset(PCIDevice *d)
{
    pci_set_irq(d, 0);
    pci_set_word(d->config + PCI_COMMAND, 0);
    pci_set_word(d->config + PCI_STATUS, pci_get_word(d->config + PCI_STATUS) & 0x06f0);
    d->config[PCI_INTERRUPT_LINE] = 0;
    for (int n = 0; n <= PCI_ROM_SLOT; n++) {
        if (d->bars[n].type == PCI_BAR_NONE)
            continue;
        uint32_t reg = bar_reg(n);
        uint32_t ro = pci_get_long(d->config + reg) & ~pci_get_long(d->wmask + reg);
        pci_set_long(d->config + reg, ro);
    }
    update_mappings(d);
}

void pci_device_unrealize(PCIDevice *d)
{
    if (!d->realized)
        return;
    pci_set_irq(d, 0);
    for (int n = 0; n <= PCI_ROM_SLOT; n++)
        if (d->bars[n].type != PCI_BAR_NONE)
            bar_unmap(d, n);
    if (d->bus && d->bus->devices[d->devfn] == d)
        d->bus->devices[d->devfn] = NULL;
    d->realized = false;
}

/* --- the bus and configuration mechanism #1 ------------------------- */

uint32_t pci_config_read(PCIBus *bus, uint8_t devfn, uint8_t addr, unsigned len)
{
    PCIDevice *d = bus->devices[devfn];
    if (!d)
        return len == 4 ? 0xffffffffu : (1u << (8 * len)) - 1;
    if (d->config_read)
        return d->config_read(d, addr, len);
    return pci_default_config_read(d, addr, len);
}

void pci_config_write(PCIBus *bus, uint8_t devfn, uint8_t addr, uint32_t val,
                      unsigned len)
{
    PCIDevice *d = bus->devices[devfn];
    if (!d)
        return;
    if (d->config_write)
        d->config_write(d, addr, val, len);
    else
        pci_default_config_write(d, addr, val, len);
}

/* The device/register 0xcfc+off addresses, or -1 (disabled, other bus,
 * or an access that crosses the dword). */
static int decode_address(PCIBus *bus, uint16_t off, unsigned size, uint8_t *reg)
{
    uint32_t a = bus->config_address;
    unsigned byte = (a & 0xfc) + (off - 4);
    if (!(a & CONFIG_ENABLE) || ((a >> 16) & 0xff) != 0 || (off - 4) + size > 4)
        return -1;
    *reg = byte;
    return (a >> 8) & 0xff;
}

static uint32_t pci_io_read(void *opaque, uint16_t off, unsigned size)
{
    PCIBus *bus = opaque;
    if (off == 0 && size == 4)
        return bus->config_address;
    if (off < 4) {
        if (off == 1 && size == 1)
            return bus->rcr_read ? bus->rcr_read(bus->rcr_opaque) : 0xff;
        return 0xffffffffu;
    }
    uint8_t reg;
    int devfn = decode_address(bus, off, size, &reg);
    if (devfn < 0)
        return 0xffffffffu;
    return pci_config_read(bus, devfn, reg, size);
}

static void pci_io_write(void *opaque, uint16_t off, uint32_t val, unsigned size)
{
    PCIBus *bus = opaque;
    if (off == 0 && size == 4) {
        bus->config_address = val & 0x80fffffcu;
        return;
    }
    if (off < 4) {
        if (off == 1 && size == 1 && bus->rcr_write)
            bus->rcr_write(bus->rcr_opaque, val);
        return;
    }
    uint8_t reg;
    int devfn = decode_address(bus, off, size, &reg);
    if (devfn >= 0)
        pci_config_write(bus, devfn, reg, val, size);
}

static const IOPortOps pci_io_ops = { pci_io_read, pci_io_write };

PCIBus *pci_bus_new(Machine *m, char *err, int errlen)
{
    PCIBus *bus = calloc(1, sizeof(*bus));
    if (!bus) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    bus->machine = m;
    if (ioport_register(&m->io, 0xcf8, 8, &pci_io_ops, bus) < 0) {
        snprintf(err, errlen, "PCI: ports 0xcf8-0xcff already in use");
        free(bus);
        return NULL;
    }
    m->pci = bus;
    return bus;
}

void pci_bus_free(PCIBus *bus)
{
    if (!bus)
        return;
    Machine *m = bus->machine;
    ioport_unregister(&m->io, 0xcf8, 8);
    if (m->pci == bus)
        m->pci = NULL;
    free(bus);
}
