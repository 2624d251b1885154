/* The 8254 programmable interval timer (ports 0x40-0x43) and port 0x61
 * (counter 2 gate, speaker enable, counter 2 output, refresh toggle).
 * Counters are not stepped: their state follows from the virtual clock and
 * the time they were loaded. */
#include <stdbool.h>
#include <stddef.h>
#include <string.h>

#include "yl/clock.h"
#include "yl/device.h"
#include "yl/ioport.h"
#include "yl/machine.h"

#define PIT_HZ 1193182

enum { RW_LATCH, RW_LSB, RW_MSB, RW_WORD };

typedef struct PITCounter {
    uint32_t count;         /* reload value in ticks, 1..65536 */
    int64_t load_ns;        /* when counting began */
    uint8_t mode, rw, bcd;
    bool gate, triggered;   /* modes 1 and 5 wait for a gate edge */
    bool loaded;            /* a count was written since the control word */
    int64_t held_ticks;     /* modes 0 and 4 with the gate low: counting paused */
    bool write_msb_next, read_msb_next;
    uint8_t write_lsb;
    uint16_t latch;
    uint8_t latch_state;    /* 0: none; RW_LSB / RW_MSB / RW_WORD left to read */
    uint8_t status;
    bool status_latched;
} PITCounter;

typedef struct I8254 {
    Device dev;
    Machine *m;
    uint32_t iobase, irq;
    PITCounter c[3];
    bool speaker;           /* port 0x61 bit 1 */
    Timer timer;            /* counter 0 output changes */
    int64_t next_tick;      /* ... at this tick of counter 0 */
} I8254;

static int64_t now_ns(I8254 *p) { return clock_ns(&p->m->clock); }

static int64_t ticks_since(const PITCounter *c, int64_t now)
{
    if (now <= c->load_ns)
        return 0;
    return (int64_t)((__int128)(now - c->load_ns) * PIT_HZ / 1000000000);
}

static int64_t tick_to_ns(const PITCounter *c, int64_t tick)
{
    return c->load_ns + (int64_t)(((__int128)tick * 1000000000 + PIT_HZ - 1) / PIT_HZ);
}

static bool gate_pauses(const PITCounter *c)
{
    return (c->mode == 0 || c->mode == 4) && !c->gate;
}

/* Ticks counted since loading, as the counter sees them. */
static int64_t counter_ticks(I8254 *p, const PITCounter *c)
{
    return gate_pauses(c) ? c->held_ticks : ticks_since(c, now_ns(p));
}

static bool counting(const PITCounter *c)
{
    if (!c->loaded)
        return false;
    if (c->mode == 1 || c->mode == 5)
        return c->triggered;
    return c->gate;
}

/* Counter value (in binary) d ticks after loading. */
static uint32_t counter_value(const PITCounter *c, int64_t d)
{
    uint32_t n = c->count;
    switch (c->mode) {
    case 2: return n - (uint32_t)(d % n);
    case 3: return (n - (uint32_t)((2 * d) % n)) & ~1u;
    default: {
        uint32_t wrap = c->bcd ? 10000 : 65536;
        return (uint32_t)(((int64_t)n - d % wrap + wrap) % wrap);
    }
    }
}

static bool counter_out(const PITCounter *c, int64_t d)
{
    uint32_t n = c->count;
    if (!c->loaded)
        return c->mode != 0;
    switch (c->mode) {
    case 0: return d >= n;
    case 1: return !c->triggered || d >= n;
    case 2: return !c->gate || d % n != n - 1;
    case 3: return !c->gate || d % n < (n + 1) / 2;
    default: return !(c->mode == 4 ? c->gate : c->triggered) || d != n;
    }
}

/* Tick (after d) at which the output next changes, or -1. */
static int64_t next_change(const PITCounter *c, int64_t d)
{
    int64_t n = c->count, base = d - d % n;
    switch (c->mode) {
    case 0: case 1: return d < n ? n : -1;
    case 2: return d % n < n - 1 ? base + n - 1 : base + n;
    case 3: return d % n < (n + 1) / 2 ? base + (n + 1) / 2 : base + n;
    default: return d < n ? n : d == n ? n + 1 : -1;
    }
}

static void pit_arm(I8254 *p, int64_t tick)
{
    p->next_tick = tick;
    if (tick < 0)
        timer_del(&p->timer);
    else
        timer_mod(&p->timer, tick_to_ns(&p->c[0], tick));
}

/* Counter 0 was (re)programmed: drive IRQ0 from its output now. */
static void pit_schedule(I8254 *p)
{
    PITCounter *c = &p->c[0];
    int64_t d = ticks_since(c, now_ns(p));
    irq_set(&p->m->isa_irq[p->irq], counter_out(c, d));
    pit_arm(p, counting(c) ? next_change(c, d) : -1);
}

/* Replays each output change at the tick it happened, even when the main
 * loop comes late, so that short pulses (mode 2) still reach the PIC as
 * edges.  Far behind (a stalled host), it skips to the current period. */
static void pit_timer_cb(void *opaque)
{
    I8254 *p = opaque;
    PITCounter *c = &p->c[0];
    int64_t t = p->next_tick;
    irq_set(&p->m->isa_irq[p->irq], counter_out(c, t));
    int64_t next = next_change(c, t);
    int64_t d = ticks_since(c, now_ns(p));
    if (next >= 0 && d - next > 2 * (int64_t)c->count)
        next = next_change(c, d - c->count);
    pit_arm(p, next);
}

static uint16_t to_bcd(uint32_t v)
{
    v %= 10000;
    return (v / 1000) << 12 | (v / 100 % 10) << 8 | (v / 10 % 10) << 4 | v % 10;
}

static uint32_t from_bcd(uint16_t v)
{
    return (v >> 12) * 1000 + ((v >> 8) & 15) * 100 + ((v >> 4) & 15) * 10 + (v & 15);
}

static uint16_t read_count(I8254 *p, PITCounter *c)
{
    uint32_t v = c->count;     /* not started: it holds its initial count */
    if (counting(c) || (c->loaded && gate_pauses(c)))
        v = counter_value(c, counter_ticks(p, c));
    return c->bcd ? to_bcd(v) : (uint16_t)v;
}

static void load_count(I8254 *p, int i, uint16_t raw)
{
    PITCounter *c = &p->c[i];
    uint32_t v = c->bcd ? from_bcd(raw) : raw;
    if (v == 0)
        v = c->bcd ? 10000 : 65536;
    if ((c->mode == 2 || c->mode == 3) && v == 1)
        v = 2;      /* 1 is illegal in modes 2 and 3; keep the arithmetic sane */
    c->count = v;
    c->loaded = true;
    c->load_ns = now_ns(p);
    c->held_ticks = 0;
    c->triggered = false;
    if (i == 0)
        pit_schedule(p);
}

static void write_control(I8254 *p, uint8_t val)
{
    int sel = val >> 6;
    if (sel == 3) {                     /* read-back */
        for (int i = 0; i < 3; i++) {
            if (!(val & (2 << i)))
                continue;
            PITCounter *c = &p->c[i];
            if (!(val & 0x20) && !c->latch_state) {
                c->latch = read_count(p, c);
                c->latch_state = c->rw;
            }
            if (!(val & 0x10) && !c->status_latched) {
                bool out = counter_out(c, counter_ticks(p, c));
                c->status = out << 7 | !c->loaded << 6 | c->rw << 4 | c->mode << 1 | c->bcd;
                c->status_latched = true;
            }
        }
        return;
    }
    PITCounter *c = &p->c[sel];
    int rw = (val >> 4) & 3;
    if (rw == RW_LATCH) {
        if (!c->latch_state) {
            c->latch = read_count(p, c);
            c->latch_state = c->rw;
        }
        return;
    }
    c->rw = rw;
    c->mode = (val >> 1) & 7;
    if (c->mode > 5)
        c->mode -= 4;
    c->bcd = val & 1;
    c->loaded = false;
    c->write_msb_next = c->read_msb_next = false;
    c->latch_state = 0;
    c->status_latched = false;
    if (sel == 0)
        pit_schedule(p);
}

static uint8_t read_counter(I8254 *p, int i)
{
    PITCounter *c = &p->c[i];
    if (c->status_latched) {
        c->status_latched = false;
        return c->status;
    }
    if (c->latch_state) {
        uint8_t v;
        switch (c->latch_state) {
        case RW_LSB: v = c->latch; c->latch_state = 0; break;
        case RW_MSB: v = c->latch >> 8; c->latch_state = 0; break;
        default: v = c->latch; c->latch_state = RW_MSB; break;
        }
        return v;
    }
    uint16_t v = read_count(p, c);
    switch (c->rw) {
    case RW_LSB: return v;
    case RW_MSB: return v >> 8;
    default:
        c->read_msb_next = !c->read_msb_next;
        return c->read_msb_next ? v & 0xff : v >> 8;
    }
}

static void write_counter(I8254 *p, int i, uint8_t val)
{
    PITCounter *c = &p->c[i];
    switch (c->rw) {
    case RW_LSB: load_count(p, i, val); break;
    case RW_MSB: load_count(p, i, val << 8); break;
    default:
        if (!c->write_msb_next) {
            c->write_lsb = val;
            c->write_msb_next = true;
        } else {
            c->write_msb_next = false;
            load_count(p, i, c->write_lsb | val << 8);
        }
        break;
    }
}

static void set_gate(I8254 *p, int i, bool gate)
{
    PITCounter *c = &p->c[i];
    int64_t now = now_ns(p);
    if (c->mode == 0 || c->mode == 4) {
        if (!gate && c->gate)
            c->held_ticks = ticks_since(c, now);
        else if (gate && !c->gate)      /* resume where it paused */
            c->load_ns = now - (int64_t)(((__int128)c->held_ticks * 1000000000
                                          + PIT_HZ - 1) / PIT_HZ);
    } else if (gate && !c->gate && c->loaded) {
        c->load_ns = now;               /* a rising edge (re)starts counting */
        c->triggered = true;
    }
    c->gate = gate;
    if (i == 0)
        pit_schedule(p);
}

static uint32_t pit_read(void *opaque, uint16_t off, unsigned size)
{
    return off < 3 ? read_counter(opaque, off) : 0xff;
}

static void pit_write(void *opaque, uint16_t off, uint32_t val, unsigned size)
{
    if (off == 3)
        write_control(opaque, val);
    else
        write_counter(opaque, off, val);
}

static uint32_t port61_read(void *opaque, uint16_t off, unsigned size)
{
    I8254 *p = opaque;
    PITCounter *c = &p->c[2];
    int64_t now = now_ns(p);
    bool out = counter_out(c, counter_ticks(p, c));
    bool refresh = (now / 15085) & 1;   /* DRAM refresh toggles every 15 us */
    return c->gate | p->speaker << 1 | refresh << 4 | out << 5;
}

static void port61_write(void *opaque, uint16_t off, uint32_t val, unsigned size)
{
    I8254 *p = opaque;
    p->speaker = val & 2;
    set_gate(p, 2, val & 1);
}

static const IOPortOps pit_ops = { pit_read, pit_write };
static const IOPortOps port61_ops = { port61_read, port61_write };

/* Power-on: every counter in mode 3 with count 0 (65536); counter 0 runs
 * (18.2 Hz on IRQ0), counter 2 waits for its gate. */
static void i8254_reset(Device *dev)
{
    I8254 *p = (I8254 *)dev;
    p->speaker = false;
    for (int i = 0; i < 3; i++) {
        PITCounter *c = &p->c[i];
        memset(c, 0, sizeof(*c));
        c->mode = 3;
        c->rw = RW_WORD;
        c->gate = i != 2;
        load_count(p, i, 0);
    }
}

static void i8254_destroy(Device *dev)
{
    I8254 *p = (I8254 *)dev;
    if (p->m)
        timer_del(&p->timer);
}

static int i8254_realize(Device *dev, Machine *m, char *err, int errlen)
{
    I8254 *p = (I8254 *)dev;
    p->m = m;
    if (p->iobase + 4 > 0x10000 || p->irq > 15) {
        snprintf(err, errlen, "i8254: iobase 0x%x or irq %u out of range", p->iobase, p->irq);
        return -1;
    }
    timer_init(&p->timer, &m->clock, pit_timer_cb, p);
    if (ioport_register(&m->io, p->iobase, 4, &pit_ops, p) < 0
        || ioport_register(&m->io, 0x61, 1, &port61_ops, p) < 0) {
        snprintf(err, errlen, "i8254: I/O ports 0x%x or 0x61 already in use", p->iobase);
        return -1;
    }
    i8254_reset(dev);
    return 0;
}

static const PropDesc i8254_props[] = {
    { "iobase", PROP_U32, offsetof(I8254, iobase), "0x40" },
    { "irq", PROP_U32, offsetof(I8254, irq), "0" },
    { NULL },
};

const DeviceClass i8254_class = {
    .name = "i8254",
    .desc = "8254 programmable interval timer",
    .instance_size = sizeof(I8254),
    .props = i8254_props,
    .realize = i8254_realize,
    .reset = i8254_reset,
    .destroy = i8254_destroy,
};
