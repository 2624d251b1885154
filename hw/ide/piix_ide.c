/* PIIX3 IDE (82371SB function 1, 8086:7010): two channels at the legacy
 * ports 0x1f0/0x3f6 (IRQ 14) and 0x170/0x376 (IRQ 15), and the bus master
 * DMA registers at BAR4 (82371 datasheet, "Bus Master IDE"):
 *   +0 command (bit 0 start, bit 3 direction: 1 = write to memory)
 *   +2 status  (bit 0 active, bit 1 error, bit 2 interrupt, bits 5-6 capable)
 *   +4 physical region descriptor table address
 * for the primary channel, and the same at +8 for the secondary.
 * A PRD entry is a 32-bit buffer address and a byte count (0 = 64 KiB)
 * whose bit 31 marks the last entry. */
#include <stdlib.h>
#include <string.h>

#include "hw/ide/ide.h"
#include "yl/machine.h"
#include "yl/pci.h"

#define BM_CMD_START 0x01
#define BM_CMD_TO_MEM 0x08
#define BM_ST_ACTIVE 0x01
#define BM_ST_ERROR 0x02
#define BM_ST_IRQ 0x04
#define BM_ST_CAPABLE 0x60

typedef struct BMDMA {
    AddressSpace *as;
    IDEChannel *ch;
    uint8_t cmd, status;
    uint32_t prdt;
    /* The walk through the table since the start bit was set. */
    uint32_t next_prd, cur_addr, cur_left;
    bool last;
} BMDMA;

typedef struct PIIXIDE {
    PCIDevice pci;
    IDEChannel ch[2];
    BMDMA bm[2];
    bool ports_registered[2];
} PIIXIDE;

static const uint16_t cmd_base[2] = { 0x1f0, 0x170 };
static const uint16_t ctl_base[2] = { 0x3f6, 0x376 };
static const int ch_irq[2] = { 14, 15 };

/* Loads the next PRD entry; false when the table has ended. */
static bool bm_next_prd(BMDMA *bm)
{
    if (bm->last)
        return false;
    uint32_t addr = phys_read(bm->as, bm->next_prd, 4);
    uint32_t count = phys_read(bm->as, bm->next_prd + 4, 4);
    bm->next_prd += 8;
    bm->cur_addr = addr & ~1u;
    bm->cur_left = (count & 0xfffe) ? (count & 0xfffe) : 0x10000;
    bm->last = count >> 31;
    return true;
}

static uint32_t bm_rw(void *opaque, uint8_t *buf, uint32_t len, bool to_mem)
{
    BMDMA *bm = opaque;
    uint32_t done = 0;
    while (done < len) {
        if (!bm->cur_left && !bm_next_prd(bm))
            break;
        uint32_t n = len - done < bm->cur_left ? len - done : bm->cur_left;
        phys_rw(bm->as, bm->cur_addr, buf + done, n, to_mem);
        bm->cur_addr += n;
        bm->cur_left -= n;
        done += n;
    }
    return done;
}

static bool bm_active(void *opaque)
{
    return ((BMDMA *)opaque)->cmd & BM_CMD_START;
}

/* Transfer over: the engine stays active only if the table had room left
 * (the datasheet's "PRD larger than the transfer" case). */
static void bm_done(void *opaque, bool error)
{
    BMDMA *bm = opaque;
    if (error || bm->cur_left == 0)
        bm->status &= ~BM_ST_ACTIVE;
    if (error)
        bm->status |= BM_ST_ERROR;
}

static void bm_irq(void *opaque)
{
    ((BMDMA *)opaque)->status |= BM_ST_IRQ;
}

static const IDEDMAOps bm_ops = { bm_rw, bm_active, bm_done, bm_irq };

static void bm_write_cmd(BMDMA *bm, uint8_t val)
{
    bool was = bm->cmd & BM_CMD_START;
    bm->cmd = val & (BM_CMD_START | BM_CMD_TO_MEM);
    if (!was && (val & BM_CMD_START)) {
        bm->status |= BM_ST_ACTIVE;
        bm->next_prd = bm->prdt;
        bm->cur_left = 0;
        bm->last = false;
        ide_dma_kick(bm->ch);
    } else if (was && !(val & BM_CMD_START)) {
        bm->status &= ~BM_ST_ACTIVE;    /* stopping aborts a transfer */
    }
}

static uint32_t bm_read_reg(BMDMA *bm, unsigned off)
{
    switch (off) {
    case 0: return bm->cmd;
    case 2: return bm->status;
    case 4: case 5: case 6: case 7: return bm->prdt >> (8 * (off - 4)) & 0xff;
    default: return 0;
    }
}

static void bm_write_reg(BMDMA *bm, unsigned off, uint8_t v)
{
    switch (off) {
    case 0: bm_write_cmd(bm, v); break;
    case 2:
        bm->status = (bm->status & BM_ST_ACTIVE) | (v & BM_ST_CAPABLE)
            | (bm->status & (BM_ST_ERROR | BM_ST_IRQ) & ~v);
        break;
    case 4: case 5: case 6: case 7: {
        unsigned sh = 8 * (off - 4);
        bm->prdt = ((bm->prdt & ~(0xffu << sh)) | (uint32_t)v << sh) & ~3u;
        break;
    }
    default: break;
    }
}

static uint32_t bmdma_read(void *opaque, uint16_t off, unsigned size)
{
    PIIXIDE *s = opaque;
    uint32_t v = 0;
    for (unsigned i = 0; i < size; i++) {
        unsigned o = (off + i) & 15;
        v |= bm_read_reg(&s->bm[o >> 3], o & 7) << (8 * i);
    }
    return v;
}

static void bmdma_write(void *opaque, uint16_t off, uint32_t val, unsigned size)
{
    PIIXIDE *s = opaque;
    for (unsigned i = 0; i < size; i++) {
        unsigned o = (off + i) & 15;
        bm_write_reg(&s->bm[o >> 3], o & 7, val >> (8 * i));
    }
}

static const IOPortOps bmdma_ops = { bmdma_read, bmdma_write };

static uint32_t cmd_read(void *opaque, uint16_t off, unsigned size)
{
    return ide_cmd_read(opaque, off, size);
}

static void cmd_write(void *opaque, uint16_t off, uint32_t val, unsigned size)
{
    ide_cmd_write(opaque, off, val, size);
}

static uint32_t ctl_read(void *opaque, uint16_t off, unsigned size)
{
    return ide_ctl_read(opaque);
}

static void ctl_write(void *opaque, uint16_t off, uint32_t val, unsigned size)
{
    ide_ctl_write(opaque, val);
}

static const IOPortOps cmd_ops = { cmd_read, cmd_write };
static const IOPortOps ctl_ops = { ctl_read, ctl_write };

static int piix_ide_realize(Device *dev, Machine *m, char *err, int errlen)
{
    PIIXIDE *s = (PIIXIDE *)dev;
    if (pci_device_init(&s->pci, m, 0x8086, 0x7010, 0x010180, err, errlen) < 0)
        return -1;
    /* IDE timing registers (IDETIM 0x40-0x43, SIDETIM 0x44): storage only */
    memset(s->pci.wmask + 0x40, 0xff, 5);
    pci_register_bar(&s->pci, 4, PCI_BAR_IO, 16, &bmdma_ops, NULL, s);
    for (int i = 0; i < 2; i++) {
        if (ide_channel_init(&s->ch[i], &m->isa_irq[ch_irq[i]], &m->log) < 0) {
            snprintf(err, errlen, "piix3-ide: out of memory");
            return -1;
        }
        s->bm[i].as = &m->as;
        s->bm[i].ch = &s->ch[i];
        s->ch[i].dma = &bm_ops;
        s->ch[i].dma_opaque = &s->bm[i];
        if (ioport_register(&m->io, cmd_base[i], 8, &cmd_ops, &s->ch[i]) < 0
            || ioport_register(&m->io, ctl_base[i], 1, &ctl_ops, &s->ch[i]) < 0) {
            snprintf(err, errlen, "piix3-ide: I/O ports 0x%x/0x%x already in use",
                     cmd_base[i], ctl_base[i]);
            return -1;
        }
        s->ports_registered[i] = true;
    }
    return 0;
}

static void piix_ide_reset(Device *dev)
{
    PIIXIDE *s = (PIIXIDE *)dev;
    pci_device_reset(&s->pci);
    for (int i = 0; i < 2; i++) {
        BMDMA *bm = &s->bm[i];
        bm->cmd = 0;
        bm->prdt = 0;
        bm->status = (s->ch[i].drive[0].kind ? 0x20 : 0) | (s->ch[i].drive[1].kind ? 0x40 : 0);
        ide_reset(&s->ch[i]);
    }
}

static void piix_ide_destroy(Device *dev)
{
    PIIXIDE *s = (PIIXIDE *)dev;
    Machine *m = s->pci.machine;
    for (int i = 0; i < 2; i++) {
        if (s->ports_registered[i]) {
            ioport_unregister(&m->io, cmd_base[i], 8);
            ioport_unregister(&m->io, ctl_base[i], 1);
        }
        ide_channel_free(&s->ch[i]);
    }
    if (s->pci.realized)
        pci_device_unrealize(&s->pci);
}

static const PropDesc piix_ide_props[] = {
    PCI_DEVICE_PROPS(PIIXIDE, pci),
    { NULL },
};

const DeviceClass piix3_ide_class = {
    .name = "piix3-ide",
    .desc = "PIIX3 IDE controller (legacy ports, bus-master DMA)",
    .instance_size = sizeof(PIIXIDE),
    .props = piix_ide_props,
    .realize = piix_ide_realize,
    .reset = piix_ide_reset,
    .destroy = piix_ide_destroy,
};

IDEChannel *piix_ide_channel(Device *dev, int bus)
{
    return &((PIIXIDE *)dev)->ch[bus];
}
