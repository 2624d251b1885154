/* The PCI bus (one bus, number 0) and the devices on it.
 *
 * A PCI device is a Device (device.h) that embeds PCIDevice first.  Its
 * 256-byte configuration space lives in config[]; wmask[] says which bits
 * software may change (the ID registers have a zero mask, so they are
 * read-only) and w1cmask[] which bits a 1 clears (the status register).
 *
 * BARs are declared by the device with their size and handlers; the core
 * answers the size probe (all ones written -> the size mask read back) and
 * maps a BAR into the machine's IOSpace or AddressSpace when the guest has
 * programmed it and enabled I/O or memory decoding in the command register;
 * it unmaps it when decoding is switched off or the BAR moves.
 *
 * Interrupts: pci_set_irq() drives the device's INTx pin (config 0x3d).
 * Pin INTA-D of slot s reaches PIRQ (s + pin - 1) & 3, as on the i440FX
 * boards firmware expects; the PIRQ router (PIIX3, registers 0x60-0x63)
 * turns PIRQA-D into ISA IRQs.
 *
 * Typical device:
 *     typedef struct MyDev { PCIDevice pci; ... } MyDev;
 *     props: PCI_DEVICE_PROPS(MyDev, pci), ...
 *     realize: pci_device_init(&d->pci, m, 0x8086, 0x1234, 0x010180, err, n);
 *              pci_register_bar(&d->pci, 0, PCI_BAR_IO, 16, &ops, NULL, d);
 *     reset:   pci_device_reset(&d->pci);
 *     destroy: pci_device_unrealize(&d->pci);
 */
#ifndef YL_PCI_H
#define YL_PCI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "yl/device.h"
#include "yl/ioport.h"
#include "yl/memory.h"

struct Machine;
typedef struct PCIBus PCIBus;
typedef struct PCIDevice PCIDevice;

/* Configuration space offsets (PCI Local Bus Specification 3.0, 6.1). */
#define PCI_VENDOR_ID       0x00
#define PCI_DEVICE_ID       0x02
#define PCI_COMMAND         0x04
#define  PCI_COMMAND_IO     0x0001
#define  PCI_COMMAND_MEMORY 0x0002
#define  PCI_COMMAND_MASTER 0x0004
#define  PCI_COMMAND_INTX_DISABLE 0x0400
#define PCI_STATUS          0x06
#define  PCI_STATUS_INTERRUPT 0x0008
#define PCI_REVISION_ID     0x08
#define PCI_CLASS_PROG      0x09
#define PCI_CLASS_DEVICE    0x0a    /* 16 bits: base class << 8 | subclass */
#define PCI_CACHE_LINE_SIZE 0x0c
#define PCI_LATENCY_TIMER   0x0d
#define PCI_HEADER_TYPE     0x0e
#define  PCI_HEADER_TYPE_MULTI 0x80
#define PCI_BAR0            0x10    /* BARs 0-5 at 0x10 + 4 * n */
#define PCI_SUBSYSTEM_VENDOR_ID 0x2c
#define PCI_SUBSYSTEM_ID    0x2e
#define PCI_ROM_ADDRESS     0x30
#define  PCI_ROM_ENABLE     0x1
#define PCI_INTERRUPT_LINE  0x3c
#define PCI_INTERRUPT_PIN   0x3d    /* 0 none, 1-4 INTA-INTD */

#define PCI_CONFIG_SIZE     256
#define PCI_NUM_BARS        6
#define PCI_ROM_SLOT        6       /* bars[6] is the expansion ROM */
#define PCI_NUM_PIRQS       4
#define PCI_BAR_UNMAPPED    UINT64_MAX

#define PCI_DEVFN(slot, fn) ((uint8_t)(((slot) << 3) | (fn)))
#define PCI_SLOT(devfn)     (((devfn) >> 3) & 0x1f)
#define PCI_FUNC(devfn)     ((devfn) & 7)

typedef enum PCIBarType {
    PCI_BAR_NONE = 0,
    PCI_BAR_IO,             /* I/O space; size a power of two >= 4 */
    PCI_BAR_MEM,            /* 32-bit memory; size a power of two >= 16 */
    PCI_BAR_MEM_PREFETCH,   /* the same, marked prefetchable */
    PCI_BAR_ROM,            /* only in bars[PCI_ROM_SLOT] */
} PCIBarType;

typedef struct PCIBar {
    PCIBarType type;
    uint32_t size;
    const IOPortOps *io_ops;    /* PCI_BAR_IO */
    const MemOps *mem_ops;      /* PCI_BAR_MEM*: MMIO handlers, or ... */
    uint8_t *host;              /* ... host memory (ROM BAR, or RAM-like) */
    void *opaque;
    uint64_t addr;              /* where it is mapped now, or PCI_BAR_UNMAPPED */
    MemRegion *region;          /* memory BARs while mapped */
} PCIBar;

struct PCIDevice {
    Device dev;
    char *addr;                 /* property "addr": "slot[.fn]" in hex */
    PCIBus *bus;
    struct Machine *machine;
    uint8_t devfn;
    bool realized;
    uint8_t config[PCI_CONFIG_SIZE];
    uint8_t wmask[PCI_CONFIG_SIZE];
    uint8_t w1cmask[PCI_CONFIG_SIZE];
    PCIBar bars[PCI_NUM_BARS + 1];
    int irq_level;              /* what the device drives on its pin */
    bool irq_asserted;          /* counted in bus->pirq_count (not disabled) */

    /* Optional hooks.  A device that overrides config_write calls
     * pci_default_config_write() to keep BARs and masks working. */
    uint32_t (*config_read)(PCIDevice *d, uint8_t addr, unsigned len);
    void (*config_write)(PCIDevice *d, uint8_t addr, uint32_t val, unsigned len);
    /* Called after a BAR was mapped at addr or unmapped (PCI_BAR_UNMAPPED),
     * for devices that must know (e.g. a linear frame buffer). */
    void (*bar_mapped)(PCIDevice *d, int bar, uint64_t addr);
};

/* "addr" property for a device's PropDesc list; absent = first free slot. */
#define PCI_DEVICE_PROPS(Type, field) \
    { "addr", PROP_STR, offsetof(Type, field.addr), NULL }

struct PCIBus {
    struct Machine *machine;
    PCIDevice *devices[256];    /* by devfn */
    uint32_t config_address;    /* 0xcf8 */
    int pirq_count[PCI_NUM_PIRQS];  /* devices asserting each PIRQ */
    /* The PIRQ router (PIIX3): told whenever a PIRQ's level changes. */
    void (*set_pirq)(void *opaque, int pirq, int level);
    void *pirq_opaque;
    /* Port 0xcf9 shares the 0xcf8 dword: byte accesses go here (PIIX3's
     * reset control register); NULL reads 0xff. */
    uint8_t (*rcr_read)(void *opaque);
    void (*rcr_write)(void *opaque, uint8_t val);
    void *rcr_opaque;
};

/* The bus with configuration mechanism #1 at 0xcf8/0xcfc; stored in
 * m->pci.  Returns NULL with a message if the ports are taken. */
PCIBus *pci_bus_new(struct Machine *m, char *err, int errlen);
void pci_bus_free(PCIBus *bus);

/* Configuration accesses by bus address (what 0xcf8/0xcfc do); absent
 * devices read as all ones.  len is 1, 2 or 4; addr must be aligned. */
uint32_t pci_config_read(PCIBus *bus, uint8_t devfn, uint8_t addr, unsigned len);
void pci_config_write(PCIBus *bus, uint8_t devfn, uint8_t addr, uint32_t val,
                      unsigned len);

/* Puts d on m->pci at its "addr" property (or the first free slot), with
 * the given IDs and class (base class << 16 | subclass << 8 | prog-if).
 * Sets up the default write masks (command, latency, interrupt line,
 * status bits write-1-to-clear).  Returns 0, or -1 with a message. */
int pci_device_init(PCIDevice *d, struct Machine *m, uint16_t vendor,
                    uint16_t device, uint32_t class_code, char *err, int errlen);
/* Unmaps its BARs, lowers its interrupt and leaves the bus. */
void pci_device_unrealize(PCIDevice *d);
/* Power-on state: command 0, BARs 0 and unmapped, interrupt low. */
void pci_device_reset(PCIDevice *d);

/* Declares BAR n (0-5).  io_ops for PCI_BAR_IO, mem_ops for memory BARs;
 * size is rounded up to a power of two. */
void pci_register_bar(PCIDevice *d, int n, PCIBarType type, uint32_t size,
                      const IOPortOps *io_ops, const MemOps *mem_ops, void *opaque);
/* A memory BAR backed by host memory (reads and writes go straight there). */
void pci_register_bar_host(PCIDevice *d, int n, uint32_t size, uint8_t *host);
/* The expansion ROM BAR (config 0x30): image of size bytes, read-only. */
void pci_register_rom(PCIDevice *d, uint8_t *image, uint32_t size);

/* Default behaviour of configuration accesses: masks, BARs, command. */
uint32_t pci_default_config_read(PCIDevice *d, uint8_t addr, unsigned len);
void pci_default_config_write(PCIDevice *d, uint8_t addr, uint32_t val,
                              unsigned len);

/* Drives the device's interrupt pin (no-op without a pin). */
void pci_set_irq(PCIDevice *d, int level);
/* Which PIRQ (0-3 = A-D) pin (1-4) of slot reaches. */
static inline int pci_pirq_of(int slot, int pin) { return (slot + pin - 1) & 3; }

/* Little-endian helpers for config[]. */
static inline void pci_set_word(uint8_t *p, uint16_t v) { p[0] = v; p[1] = v >> 8; }
static inline void pci_set_long(uint8_t *p, uint32_t v)
{
    p[0] = v; p[1] = v >> 8; p[2] = v >> 16; p[3] = v >> 24;
}
static inline uint16_t pci_get_word(const uint8_t *p) { return p[0] | p[1] << 8; }
static inline uint32_t pci_get_long(const uint8_t *p)
{
    return p[0] | p[1] << 8 | p[2] << 16 | (uint32_t)p[3] << 24;
}

#endif
