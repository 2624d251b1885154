/* The i440FX host bridge (82441FX PMC) at 00:00.0.  What firmware needs of
 * it: the PAM registers (0x59-0x5f) that decide whether 0xC0000-0xFFFFF
 * reads and writes go to DRAM or to PCI (the BIOS ROM), so the BIOS can
 * shadow itself in RAM and then write-protect it; SMRAM (0x72) stays
 * closed. */
#include <stdlib.h>
#include <string.h>

#include "yl/machine.h"
#include "yl/pci.h"

#define I440FX_PAM0     0x59
#define I440FX_NPAM     7
#define I440FX_SMRAM    0x72
#define SMRAM_DEFAULT   0x02
#define NSEGS           13      /* 0xF0000 (64 KiB) + 12 x 16 KiB */
#define PAM_PRIORITY    2       /* over RAM (0) and the ISA BIOS ROM (1) */

enum { PAM_PCI = 0, PAM_RO = 1, PAM_WO = 2, PAM_RW = 3 };

struct I440FX;
typedef struct PAMSeg {
    struct I440FX *h;
    uint32_t base, size;
    int mode;
    MemRegion *region;
} PAMSeg;

typedef struct I440FX {
    PCIDevice pci;
    Machine *m;
    PAMSeg segs[NSEGS];
    /* What "PCI" means below 1 MiB: the ISA BIOS ROM window, if any. */
    const uint8_t *rom_host;
    uint64_t rom_base, rom_size;
} I440FX;

/* Segment i: 0 is 0xF0000 (PAM0 high nibble), then PAM1 low/high ... */
static void seg_layout(PAMSeg *s, int i)
{
    if (i == 0) {
        s->base = 0xf0000;
        s->size = 0x10000;
    } else {
        s->base = 0xc0000 + (i - 1) * 0x4000;
        s->size = 0x4000;
    }
}

static int seg_mode(I440FX *h, int i)
{
    uint8_t *c = h->pci.config;
    if (i == 0)
        return c[I440FX_PAM0] >> 4 & 3;
    uint8_t v = c[I440FX_PAM0 + 1 + (i - 1) / 2];
    return ((i - 1) & 1 ? v >> 4 : v) & 3;
}

/* Reads that go to PCI: the BIOS ROM where it is decoded, else open bus. */
static uint64_t pci_side_read(I440FX *h, uint64_t addr, unsigned size)
{
    uint64_t v = 0;
    for (unsigned i = 0; i < size; i++) {
        uint64_t a = addr + i;
        uint8_t b = 0xff;
        if (h->rom_host && a >= h->rom_base && a - h->rom_base < h->rom_size)
            b = h->rom_host[a - h->rom_base];
        v |= (uint64_t)b << (8 * i);
    }
    return v;
}

static void dram_write(I440FX *h, uint64_t addr, uint64_t val, unsigned size)
{
    AddressSpace *as = &h->m->as;
    for (unsigned i = 0; i < size; i++)
        as->ram[addr + i] = val >> (8 * i);
    if ((as->page_flags[addr >> YL_PAGE_BITS] & PAGE_CODE) && as->code_write)
        as->code_write(as->code_write_opaque, addr, size);
}

/* Write-only segments: reads from PCI, writes to DRAM. */
static uint64_t wo_read(void *opaque, uint64_t off, unsigned size)
{
    PAMSeg *s = opaque;
    return pci_side_read(s->h, s->base + off, size);
}

static void wo_write(void *opaque, uint64_t off, uint64_t val, unsigned size)
{
    PAMSeg *s = opaque;
    dram_write(s->h, s->base + off, val, size);
}

static const MemOps wo_ops = { wo_read, wo_write };

/* Disabled segments below the ROM: PCI, where nothing answers. */
static uint64_t pci_read(void *opaque, uint64_t off, unsigned size)
{
    PAMSeg *s = opaque;
    return pci_side_read(s->h, s->base + off, size);
}

static void pci_write(void *opaque, uint64_t off, uint64_t val, unsigned size)
{
}

static const MemOps pci_ops = { pci_read, pci_write };

static bool dram_behind(I440FX *h, const PAMSeg *s)
{
    return h->m->as.ram && h->m->as.ram_size >= s->base + s->size;
}

static void seg_apply(I440FX *h, int i)
{
    PAMSeg *s = &h->segs[i];
    AddressSpace *as = &h->m->as;
    int mode = dram_behind(h, s) ? seg_mode(h, i) : PAM_PCI;
    if (mode == s->mode)
        return;
    mem_del(as, s->region);
    s->region = NULL;
    s->mode = mode;
    uint8_t *dram = as->ram + s->base;
    switch (mode) {
    case PAM_RW:
        s->region = mem_add_ram(as, "pam-ram", s->base, s->size, dram, PAM_PRIORITY);
        break;
    case PAM_RO:
        s->region = mem_add_rom(as, "pam-rom", s->base, s->size, dram, PAM_PRIORITY);
        break;
    case PAM_WO:
        s->region = mem_add_mmio(as, "pam-wo", s->base, s->size, &wo_ops, s,
                                 PAM_PRIORITY);
        break;
    default:
        /* Where the ISA BIOS ROM is decoded it shows through by itself. */
        if (!h->rom_host || s->base < h->rom_base)
            s->region = mem_add_mmio(as, "pam-pci", s->base, s->size, &pci_ops, s,
                                     PAM_PRIORITY);
        break;
    }
}

static void pam_update(I440FX *h)
{
    for (int i = 0; i < NSEGS; i++)
        seg_apply(h, i);
}

static void i440fx_config_write(PCIDevice *d, uint8_t addr, uint32_t val, unsigned len)
{
    I440FX *h = (I440FX *)d;
    pci_default_config_write(d, addr, val, len);
    if (addr < I440FX_PAM0 + I440FX_NPAM && addr + len > I440FX_PAM0)
        pam_update(h);
}

static void i440fx_reset(Device *dev)
{
    I440FX *h = (I440FX *)dev;
    pci_device_reset(&h->pci);
    memset(h->pci.config + I440FX_PAM0, 0, I440FX_NPAM);
    h->pci.config[I440FX_SMRAM] = SMRAM_DEFAULT;
    pam_update(h);
}

static int i440fx_realize(Device *dev, Machine *m, char *err, int errlen)
{
    I440FX *h = (I440FX *)dev;
    h->m = m;
    if (!h->pci.addr)
        h->pci.addr = strdup("0");
    if (pci_device_init(&h->pci, m, 0x8086, 0x1237, 0x060000, err, errlen) < 0)
        return -1;
    uint8_t *c = h->pci.config;
    c[PCI_REVISION_ID] = 0x02;
    /* The subsystem IDs firmware uses to recognise the virtual i440FX
     * board (SeaBIOS' QEMU detection). */
    pci_set_word(c + PCI_SUBSYSTEM_VENDOR_ID, 0x1af4);
    pci_set_word(c + PCI_SUBSYSTEM_ID, 0x1100);
    /* PAM0's low nibble is reserved. */
    h->pci.wmask[I440FX_PAM0] = 0xf0;
    memset(h->pci.wmask + I440FX_PAM0 + 1, 0xff, I440FX_NPAM - 1);
    h->pci.wmask[I440FX_SMRAM] = 0x78;  /* D_OPEN, D_CLS, D_LCK, G_SMRAME */
    h->pci.config_write = i440fx_config_write;

    const MemRegion *rom = mem_find(&m->as, 0xfffff);
    if (rom && rom->kind == MEM_ROM && rom->base <= 0xc0000 + 0x40000) {
        h->rom_host = rom->host;
        h->rom_base = rom->base;
        h->rom_size = rom->size;
    } else {
        h->rom_base = 0x100000;
    }
    for (int i = 0; i < NSEGS; i++) {
        h->segs[i].h = h;
        seg_layout(&h->segs[i], i);
        h->segs[i].mode = -1;
    }
    i440fx_reset(dev);
    return 0;
}

static void i440fx_destroy(Device *dev)
{
    I440FX *h = (I440FX *)dev;
    for (int i = 0; i < NSEGS; i++)
        if (h->segs[i].region)
            mem_del(&h->m->as, h->segs[i].region);
    pci_device_unrealize(&h->pci);
}

static const PropDesc i440fx_props[] = {
    PCI_DEVICE_PROPS(I440FX, pci),
    { NULL },
};

const DeviceClass i440fx_class = {
    .name = "i440FX-pcihost",
    .desc = "Intel 82441FX host bridge with PAM shadow RAM control",
    .instance_size = sizeof(I440FX),
    .props = i440fx_props,
    .realize = i440fx_realize,
    .reset = i440fx_reset,
    .destroy = i440fx_destroy,
};
