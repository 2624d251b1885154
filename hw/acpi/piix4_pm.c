/* The PIIX4 power management function (82371AB function 3, 8086:7113) at
 * 00:01.3: a 64-byte I/O block at PMBA (config 0x40, enabled by PMIOSE in
 * 0x80) with the PM1a event and control registers and the 24-bit ACPI PM
 * timer at 3.579545 MHz; SCI on IRQ 9.  Sleep type 0 with SLP_EN is
 * soft-off (S5, the sleep type the firmware's ACPI tables give _S5) and
 * powers the machine off. */
#include <stdlib.h>
#include <string.h>

#include "yl/machine.h"
#include "yl/pci.h"

#define PM_PMBA         0x40
#define PM_PMREGMISC    0x80
#define PMIOSE          0x01
#define PM_DEVACTB      0x58
#define PM_IO_LEN       64
#define PM_SCI_IRQ      9
#define PM_TIMER_HZ     3579545ll

#define PM1_STS         0x00
#define PM1_EN          0x02
#define PM1_CNT         0x04
#define PM_TMR          0x08
#define STS_TMR         0x0001
#define STS_GBL         0x0020
#define STS_PWRBTN      0x0100
#define STS_WAK         0x8000
#define CNT_SCI_EN      0x0001
#define CNT_SLP_EN      0x2000
#define CNT_SLP_TYP(v)  (((v) >> 10) & 7)

typedef struct PIIX4PM {
    PCIDevice pci;
    Machine *m;
    uint16_t io_base;           /* 0: not decoded */
    uint16_t sts, en, cnt;
    uint8_t regs[PM_IO_LEN];    /* the rest of the block: plain storage */
    int sci;
} PIIX4PM;

static void pm_update_sci(PIIX4PM *p)
{
    int level = (p->sts & p->en & (STS_TMR | STS_GBL | STS_PWRBTN))
                && (p->cnt & CNT_SCI_EN);
    if (level != p->sci) {
        p->sci = level;
        irq_set(&p->m->isa_irq[PM_SCI_IRQ], level);
    }
}

static uint32_t pm_timer(PIIX4PM *p)
{
    int64_t ns = clock_ns(&p->m->clock);
    /* ns * 3579545 / 1e9 without overflow for centuries of uptime. */
    int64_t ticks = (ns / 1000000000ll) * PM_TIMER_HZ
                    + (ns % 1000000000ll) * PM_TIMER_HZ / 1000000000ll;
    return ticks & 0xffffff;
}

static uint32_t pm_reg_read(PIIX4PM *p, uint16_t off)
{
    switch (off) {
    case PM1_STS: return p->sts;
    case PM1_EN: return p->en;
    case PM1_CNT: return p->cnt & ~CNT_SLP_EN;
    default: return p->regs[off];
    }
}

static uint32_t pm_io_read(void *opaque, uint16_t off, unsigned size)
{
    PIIX4PM *p = opaque;
    if (off >= PM_TMR && off < PM_TMR + 4)
        return pm_timer(p) >> (8 * (off - PM_TMR));
    if (off < 6 && size >= 2 && !(off & 1)) {
        uint32_t v = pm_reg_read(p, off);
        if (size == 4)
            v |= pm_reg_read(p, off + 2) << 16;
        return v;
    }
    uint32_t v = 0;
    for (unsigned i = 0; i < size; i++) {
        uint16_t o = off + i;
        uint32_t b = o < 6 ? pm_reg_read(p, o & ~1) >> (8 * (o & 1)) : p->regs[o];
        v |= (b & 0xff) << (8 * i);
    }
    return v;
}

static void pm_cnt_write(PIIX4PM *p, uint16_t v)
{
    p->cnt = v & ~CNT_SLP_EN;
    if (!(v & CNT_SLP_EN))
        return;
    if (CNT_SLP_TYP(v) == 0) {
        machine_request_shutdown(p->m, 0);
        return;
    }
    yl_log_mask(&p->m->log, LOG_UNIMP, "piix4-pm: sleep type %d not supported\n",
                CNT_SLP_TYP(v));
}

static void pm_write16(PIIX4PM *p, uint16_t off, uint16_t v)
{
    switch (off) {
    case PM1_STS: p->sts &= ~v; break;     /* write 1 to clear */
    case PM1_EN: p->en = v; break;
    case PM1_CNT: pm_cnt_write(p, v); break;
    }
}

static void pm_io_write(void *opaque, uint16_t off, uint32_t val, unsigned size)
{
    PIIX4PM *p = opaque;
    if (off < 6) {
        if (size == 1) {
            /* Merge the byte into the word (status bits still clear by 1s). */
            uint16_t w = off & 1 ? val << 8 : val;
            if ((off & ~1) != PM1_STS)
                w |= pm_reg_read(p, off & ~1) & (off & 1 ? 0x00ff : 0xff00);
            pm_write16(p, off & ~1, w);
        } else {
            pm_write16(p, off, val);
            if (size == 4 && off + 2 < 6)
                pm_write16(p, off + 2, val >> 16);
        }
    } else if (off < PM_TMR || off >= PM_TMR + 4) {
        for (unsigned i = 0; i < size && off + i < PM_IO_LEN; i++)
            p->regs[off + i] = val >> (8 * i);
    }
    pm_update_sci(p);
}

static const IOPortOps pm_io_ops = { pm_io_read, pm_io_write };

static void pm_map_io(PIIX4PM *p)
{
    uint8_t *c = p->pci.config;
    uint16_t base = pci_get_long(c + PM_PMBA) & 0xffc0;
    if (!(c[PM_PMREGMISC] & PMIOSE))
        base = 0;
    if (base == p->io_base)
        return;
    if (p->io_base)
        ioport_unregister(&p->m->io, p->io_base, PM_IO_LEN);
    p->io_base = 0;
    if (base && ioport_register(&p->m->io, base, PM_IO_LEN, &pm_io_ops, p) == 0)
        p->io_base = base;
}

static void pm_config_write(PCIDevice *d, uint8_t addr, uint32_t val, unsigned len)
{
    pci_default_config_write(d, addr, val, len);
    pm_map_io((PIIX4PM *)d);
}

static void pm_reset(Device *dev)
{
    PIIX4PM *p = (PIIX4PM *)dev;
    uint8_t *c = p->pci.config;
    pci_device_reset(&p->pci);
    pci_set_long(c + PM_PMBA, 1);       /* I/O space indicator */
    c[PM_PMREGMISC] = 0;
    /* There is no SMM: DEVACTB's APMC_EN comes up set, which firmware
     * (SeaBIOS) takes as "SMM already initialised" and so never waits for
     * an SMI handler to answer on the APM ports. */
    c[PM_DEVACTB + 3] = 0x02;
    p->sts = p->en = p->cnt = 0;
    memset(p->regs, 0, sizeof(p->regs));
    pm_map_io(p);
    pm_update_sci(p);
}

static int pm_realize(Device *dev, Machine *m, char *err, int errlen)
{
    PIIX4PM *p = (PIIX4PM *)dev;
    p->m = m;
    if (!p->pci.addr)
        p->pci.addr = strdup("1.3");
    if (pci_device_init(&p->pci, m, 0x8086, 0x7113, 0x068000, err, errlen) < 0)
        return -1;
    uint8_t *c = p->pci.config;
    c[PCI_REVISION_ID] = 0x03;
    c[PCI_INTERRUPT_PIN] = 1;
    pci_set_long(p->pci.wmask + PM_PMBA, 0xffc0);
    p->pci.wmask[PM_PMREGMISC] = PMIOSE;
    /* SMBus base and host configuration: stored, no controller behind. */
    pci_set_long(p->pci.wmask + 0x90, 0xfff0);
    p->pci.wmask[0xd2] = 0x0f;
    p->pci.config_write = pm_config_write;
    pm_reset(dev);
    return 0;
}

static void pm_destroy(Device *dev)
{
    PIIX4PM *p = (PIIX4PM *)dev;
    if (p->io_base)
        ioport_unregister(&p->m->io, p->io_base, PM_IO_LEN);
    p->io_base = 0;
    pci_device_unrealize(&p->pci);
}

static const PropDesc pm_props[] = {
    PCI_DEVICE_PROPS(PIIX4PM, pci),
    { NULL },
};

const DeviceClass piix4_pm_class = {
    .name = "PIIX4_PM",
    .desc = "Intel 82371AB power management (ACPI PM timer, S5 power off)",
    .instance_size = sizeof(PIIX4PM),
    .props = pm_props,
    .realize = pm_realize,
    .reset = pm_reset,
    .destroy = pm_destroy,
};
