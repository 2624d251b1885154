/* The PC's pair of 8259A interrupt controllers: master at 0x20 (IRQ 0-7),
 * slave at 0xa0 (IRQ 8-15) cascaded on master input 2, and the PIIX edge/
 * level control registers (ELCR) at 0x4d0/0x4d1. */
#include <stdbool.h>
#include <stddef.h>
#include <string.h>

#include "yl/device.h"
#include "yl/ioport.h"
#include "yl/machine.h"

typedef struct PICChip {
    uint8_t irr, isr, imr;
    uint8_t lines;          /* input pin levels */
    uint8_t elcr, elcr_mask;
    uint8_t base;           /* ICW2: vector of input 0 */
    uint8_t icw3;
    uint8_t lowest;         /* the input with the lowest priority (rotation) */
    uint8_t init_step;      /* 0: ready; 2, 3, 4: waiting for that ICW */
    bool icw4_needed, single, ltim, aeoi, rotate_on_aeoi, sfnm;
    bool special_mask, read_isr, poll;
} PICChip;

typedef struct I8259 {
    Device dev;
    Machine *m;
    PICChip chip[2];        /* master, slave */
    bool intr;
} I8259;

#define CASCADE_IRQ 2

static uint8_t level_mask(const PICChip *c)
{
    return c->ltim ? 0xff : c->elcr;
}

/* Priority rank (0 highest) of the best input in mask, 8 if none. */
static int best_rank(const PICChip *c, uint8_t mask)
{
    for (int rank = 0; rank < 8; rank++)
        if (mask & (1 << ((c->lowest + 1 + rank) & 7)))
            return rank;
    return 8;
}

static int rank_to_irq(const PICChip *c, int rank)
{
    return (c->lowest + 1 + rank) & 7;
}

/* The input this chip would present now, or -1. */
static int chip_get_irq(const PICChip *c, bool is_master)
{
    int req = best_rank(c, c->irr & ~c->imr);
    if (req == 8)
        return -1;
    uint8_t in_service = c->isr;
    if (c->special_mask)
        in_service &= ~c->imr;
    /* Special fully nested: the slave may interrupt its own service. */
    if (is_master && c->sfnm)
        in_service &= ~(1 << CASCADE_IRQ);
    return req < best_rank(c, in_service) ? rank_to_irq(c, req) : -1;
}

static void pic_update(I8259 *p)
{
    PICChip *ms = &p->chip[0];
    /* The slave's INT output is the master's cascade input, as a level. */
    if (chip_get_irq(&p->chip[1], false) >= 0)
        ms->irr |= 1 << CASCADE_IRQ;
    else
        ms->irr &= ~(1 << CASCADE_IRQ);
    bool intr = chip_get_irq(ms, true) >= 0;
    if (intr != p->intr) {
        p->intr = intr;
        irq_set(p->m->cpu_intr, intr);
    }
}

static void chip_set_input(PICChip *c, int irq, int level)
{
    uint8_t bit = 1 << irq;
    bool was = c->lines & bit;
    if (level)
        c->lines |= bit;
    else
        c->lines &= ~bit;
    if (level_mask(c) & bit) {
        if (level)
            c->irr |= bit;
        else
            c->irr &= ~bit;
    } else if (level && !was) {
        c->irr |= bit;
    }
}

static void pic_set_irq(void *opaque, int n, int level)
{
    I8259 *p = opaque;
    if (n < 0 || n > 15 || n == CASCADE_IRQ)
        return;     /* IRQ2 is the cascade; ISA devices use IRQ9 */
    chip_set_input(&p->chip[n >> 3], n & 7, level);
    pic_update(p);
}

static void chip_ack(PICChip *c, int irq)
{
    if (c->aeoi) {
        if (c->rotate_on_aeoi)
            c->lowest = irq;
    } else {
        c->isr |= 1 << irq;
    }
    if (!(level_mask(c) & (1 << irq)))
        c->irr &= ~(1 << irq);
}

/* INTA cycle: the vector of the highest-priority request, or the spurious
 * IRQ7 (IRQ15 from the slave) when the request went away. */
static int pic_ack(void *opaque)
{
    I8259 *p = opaque;
    PICChip *ms = &p->chip[0], *sl = &p->chip[1];
    int vec;
    int irq = chip_get_irq(ms, true);
    if (irq < 0) {
        vec = ms->base + 7;
    } else if (irq == CASCADE_IRQ && !ms->single) {
        int irq2 = chip_get_irq(sl, false);
        if (irq2 >= 0)
            chip_ack(sl, irq2);
        else
            irq2 = 7;
        vec = sl->base + irq2;
        chip_ack(ms, irq);
    } else {
        vec = ms->base + irq;
        chip_ack(ms, irq);
    }
    pic_update(p);
    return vec;
}

static void chip_reset(PICChip *c)
{
    uint8_t lines = c->lines, elcr = c->elcr, elcr_mask = c->elcr_mask;
    memset(c, 0, sizeof(*c));
    c->lines = lines;
    c->elcr = elcr;
    c->elcr_mask = elcr_mask;
    c->lowest = 7;
    c->irr = lines & elcr;
}

static void chip_write_icw1(PICChip *c, uint8_t val)
{
    chip_reset(c);
    c->icw4_needed = val & 1;
    c->single = val & 2;
    c->ltim = val & 8;
    c->irr = c->lines & level_mask(c);
    c->init_step = 2;
}

static void chip_eoi(PICChip *c, uint8_t val)
{
    int cmd = val >> 5;
    int irq;
    switch (cmd) {
    case 0: c->rotate_on_aeoi = false; break;
    case 4: c->rotate_on_aeoi = true; break;
    case 1: /* non-specific EOI */
    case 5: /* ... and rotate */
        if (best_rank(c, c->isr) == 8)
            break;
        irq = rank_to_irq(c, best_rank(c, c->isr));
        c->isr &= ~(1 << irq);
        if (cmd == 5)
            c->lowest = irq;
        break;
    case 3: /* specific EOI */
    case 7: /* ... and rotate */
        c->isr &= ~(1 << (val & 7));
        if (cmd == 7)
            c->lowest = val & 7;
        break;
    case 6: c->lowest = val & 7; break;    /* set priority */
    default: break;
    }
}

static void chip_write_cmd(PICChip *c, uint8_t val)
{
    if (val & 0x10) {
        chip_write_icw1(c, val);
    } else if (val & 0x08) {            /* OCW3 */
        if (val & 0x04)
            c->poll = true;
        if (val & 0x02)
            c->read_isr = val & 1;
        if (val & 0x40)
            c->special_mask = val & 0x20;
    } else {                            /* OCW2 */
        chip_eoi(c, val);
    }
}

static void chip_write_data(PICChip *c, uint8_t val)
{
    switch (c->init_step) {
    case 2:
        c->base = val & 0xf8;
        c->init_step = !c->single ? 3 : c->icw4_needed ? 4 : 0;
        break;
    case 3:
        c->icw3 = val;
        c->init_step = c->icw4_needed ? 4 : 0;
        break;
    case 4:
        c->aeoi = val & 2;
        c->sfnm = val & 0x10;
        c->init_step = 0;
        break;
    default:
        c->imr = val;
        break;
    }
}

static uint8_t chip_poll(I8259 *p, int idx)
{
    PICChip *c = &p->chip[idx];
    c->poll = false;
    int irq = chip_get_irq(c, idx == 0);
    if (irq < 0)
        return 0;
    chip_ack(c, irq);
    return 0x80 | irq;
}

static uint32_t pic_read(I8259 *p, int idx, uint16_t off)
{
    PICChip *c = &p->chip[idx];
    uint32_t v;
    if (c->poll) {
        v = chip_poll(p, idx);
        pic_update(p);
    } else if (off == 0) {
        v = c->read_isr ? c->isr : c->irr;
    } else {
        v = c->imr;
    }
    return v;
}

static void pic_write(I8259 *p, int idx, uint16_t off, uint32_t val)
{
    if (off == 0)
        chip_write_cmd(&p->chip[idx], val);
    else
        chip_write_data(&p->chip[idx], val);
    pic_update(p);
}

static uint32_t master_read(void *o, uint16_t off, unsigned size) { return pic_read(o, 0, off); }
static uint32_t slave_read(void *o, uint16_t off, unsigned size) { return pic_read(o, 1, off); }
static void master_write(void *o, uint16_t off, uint32_t v, unsigned size) { pic_write(o, 0, off, v); }
static void slave_write(void *o, uint16_t off, uint32_t v, unsigned size) { pic_write(o, 1, off, v); }

static uint32_t elcr_read(void *opaque, uint16_t off, unsigned size)
{
    I8259 *p = opaque;
    return p->chip[off].elcr;
}

static void elcr_write(void *opaque, uint16_t off, uint32_t val, unsigned size)
{
    I8259 *p = opaque;
    PICChip *c = &p->chip[off];
    c->elcr = val & c->elcr_mask;
    uint8_t lvl = level_mask(c);
    c->irr = (c->irr & ~lvl) | (c->lines & lvl);
    pic_update(p);
}

static const IOPortOps master_ops = { master_read, master_write };
static const IOPortOps slave_ops = { slave_read, slave_write };
static const IOPortOps elcr_ops = { elcr_read, elcr_write };

static void i8259_reset(Device *dev)
{
    I8259 *p = (I8259 *)dev;
    for (int i = 0; i < 2; i++) {
        p->chip[i].elcr = 0;
        chip_reset(&p->chip[i]);
    }
    pic_update(p);
}

static int i8259_realize(Device *dev, Machine *m, char *err, int errlen)
{
    I8259 *p = (I8259 *)dev;
    p->m = m;
    p->chip[0].elcr_mask = 0xf8;    /* IRQ 0, 1, 2 are always edge */
    p->chip[1].elcr_mask = 0xde;    /* so are IRQ 8 and 13 */
    if (ioport_register(&m->io, 0x20, 2, &master_ops, p) < 0
        || ioport_register(&m->io, 0xa0, 2, &slave_ops, p) < 0
        || ioport_register(&m->io, 0x4d0, 2, &elcr_ops, p) < 0) {
        snprintf(err, errlen, "i8259: I/O ports 0x20/0xa0/0x4d0 already in use");
        return -1;
    }
    for (int i = 0; i < 16; i++)
        irq_init(&m->isa_irq[i], pic_set_irq, p, i);
    m->pic = p;
    m->pic_ack = pic_ack;
    i8259_reset(dev);
    return 0;
}

const DeviceClass i8259_class = {
    .name = "i8259",
    .desc = "8259A interrupt controller pair with ELCR",
    .instance_size = sizeof(I8259),
    .realize = i8259_realize,
    .reset = i8259_reset,
};
