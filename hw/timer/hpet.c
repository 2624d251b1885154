/* The HPET (IA-PC HPET specification 1.0a): a 10 MHz 64-bit main counter
 * from the virtual clock and three comparators (timer 0 periodic-capable)
 * with edge or level interrupts.  In legacy replacement mode timer 0
 * takes ISA IRQ0 (the PIT's) and timer 1 IRQ8 (the RTC's); otherwise a
 * timer drives the I/O APIC input its route field names.  No FSB. */
#include <inttypes.h>

#include "yl/apic.h"
#include "yl/machine.h"

#define HPET_MMIO_SIZE 0x400
#define HPET_MMIO_PRIORITY 10
#define HPET_PERIOD_FS 100000000ull         /* 10 MHz */
#define HPET_NS_PER_TICK 100
#define HPET_CAP (((uint64_t)HPET_PERIOD_FS << 32) | HPET_BLOCK_ID)
/* Timers may go to I/O APIC inputs 20-23, away from the ISA IRQs. */
#define HPET_ROUTE_CAP 0x00f00000ull

/* General configuration */
#define CFG_ENABLE (1ull << 0)
#define CFG_LEGACY (1ull << 1)
/* Timer configuration */
#define TN_LEVEL (1ull << 1)
#define TN_INT_ENB (1ull << 2)
#define TN_PERIODIC (1ull << 3)
#define TN_PER_CAP (1ull << 4)
#define TN_SIZE_CAP (1ull << 5)
#define TN_VAL_SET (1ull << 6)
#define TN_32MODE (1ull << 8)
#define TN_ROUTE_SHIFT 9
#define TN_ROUTE_MASK (0x1full << TN_ROUTE_SHIFT)
#define TN_WRITABLE (TN_LEVEL | TN_INT_ENB | TN_PERIODIC | TN_VAL_SET | TN_32MODE | TN_ROUTE_MASK)

enum { R_CAP = 0x000, R_CONFIG = 0x010, R_ISR = 0x020, R_COUNTER = 0x0f0, R_TIMER0 = 0x100 };

struct HPET;

typedef struct HPETTimer {
    struct HPET *h;
    int n;
    uint64_t config, cmp, period;
    Timer timer;
} HPETTimer;

typedef struct HPET {
    Device dev;
    Machine *m;
    MemRegion *mmio;
    uint64_t config, isr;
    uint64_t counter_base;  /* main counter at base_ns (frozen while disabled) */
    int64_t base_ns;
    HPETTimer t[HPET_NUM_TIMERS];
    /* IRQ0 and IRQ8 as they were before the HPET sat in front of them;
     * the PIT and the RTC reach them only outside legacy mode. */
    IRQLine legacy_out[2];
    int legacy_in[2];
} HPET;

static bool hpet_enabled(const HPET *h) { return h->config & CFG_ENABLE; }
static bool timer_32bit(const HPETTimer *t) { return t->config & TN_32MODE; }
static bool timer_periodic(const HPETTimer *t) { return t->config & TN_PERIODIC; }

static uint64_t hpet_counter(const HPET *h)
{
    if (!hpet_enabled(h))
        return h->counter_base;
    return h->counter_base + (uint64_t)(clock_ns(&h->m->clock) - h->base_ns) / HPET_NS_PER_TICK;
}

static IRQLine *timer_line(HPETTimer *t)
{
    HPET *h = t->h;
    if ((h->config & CFG_LEGACY) && t->n < 2)
        return &h->legacy_out[t->n];
    return &h->m->gsi[(t->config & TN_ROUTE_MASK) >> TN_ROUTE_SHIFT];
}

/* A level-mode timer's line follows its status bit. */
static void timer_update_level(HPETTimer *t)
{
    if (t->config & TN_LEVEL)
        irq_set(timer_line(t), (t->config & TN_INT_ENB) && (t->h->isr >> t->n & 1));
}

static void timer_interrupt(HPETTimer *t)
{
    if (t->config & TN_LEVEL) {
        t->h->isr |= 1ull << t->n;
        timer_update_level(t);
    } else if (t->config & TN_INT_ENB) {
        irq_pulse(timer_line(t));
    }
}

/* Arms the host timer for the next time the counter, read as now,
 * equals the comparator; a 64-bit comparator behind the counter matches
 * only after the counter wraps, which is never in practice. */
static void timer_schedule_from(HPETTimer *t, uint64_t now)
{
    HPET *h = t->h;
    uint64_t delta;
    if (timer_32bit(t)) {
        delta = (uint32_t)((uint32_t)t->cmp - (uint32_t)now);
        if (delta == 0)
            delta = 1ull << 32;     /* matched just now: next at the wrap */
    } else {
        delta = t->cmp - now;
        if (t->cmp <= now || delta > (1ull << 40)) {
            timer_del(&t->timer);
            return;
        }
    }
    /* The first nanosecond at which the counter has reached cmp. */
    int64_t at = h->base_ns + (int64_t)((now - h->counter_base + delta) * HPET_NS_PER_TICK);
    timer_mod(&t->timer, at);
}

static void timer_schedule(HPETTimer *t)
{
    if (!hpet_enabled(t->h)) {
        timer_del(&t->timer);
        return;
    }
    timer_schedule_from(t, hpet_counter(t->h));
}

/* A periodic comparator moves past the counter read here, and the next
 * deadline comes from that same reading: a fresh one, taken after a
 * host that stalled the loop for longer than a period (a pulse into the
 * kernel's irqchip can), would find the comparator behind again and, in
 * 32-bit mode, wait for the wrap (seven minutes) instead. */
static void timer_expired(void *opaque)
{
    HPETTimer *t = opaque;
    uint64_t now = hpet_counter(t->h);
    if (timer_periodic(t) && t->period) {
        /* Skip the periods a late main loop missed: one interrupt. */
        uint64_t behind = timer_32bit(t) ? (uint32_t)((uint32_t)now - (uint32_t)t->cmp)
                                         : now - t->cmp;
        uint64_t steps = behind / t->period + 1;
        t->cmp += steps * t->period;
        if (timer_32bit(t))
            t->cmp = (uint32_t)t->cmp;
    }
    timer_schedule_from(t, now);
    timer_interrupt(t);
}

static void timer_config_write(HPETTimer *t, uint64_t val)
{
    uint64_t old = t->config;
    uint64_t wr = TN_WRITABLE;
    if (!(old & TN_PER_CAP))
        wr &= ~TN_PERIODIC;
    uint64_t route = (val & TN_ROUTE_MASK) >> TN_ROUTE_SHIFT;
    if (!((old >> 32) >> route & 1))
        wr &= ~TN_ROUTE_MASK;       /* a route it cannot take is ignored */
    if (old & TN_LEVEL)
        irq_lower(timer_line(t));   /* the line may move or change kind */
    t->config = (old & ~wr) | (val & wr);
    if (timer_32bit(t)) {
        t->cmp = (uint32_t)t->cmp;
        t->period = (uint32_t)t->period;
    }
    timer_update_level(t);
    timer_schedule(t);
}

/* In periodic mode a write sets the period, and the comparator itself
 * only with VAL_SET (which then clears). */
static void timer_cmp_write(HPETTimer *t, uint64_t val)
{
    if (timer_32bit(t))
        val = (uint32_t)val;
    if (!timer_periodic(t) || (t->config & TN_VAL_SET))
        t->cmp = val;
    if (timer_periodic(t))
        t->period = val;
    t->config &= ~TN_VAL_SET;
    timer_schedule(t);
}

static void hpet_legacy_forward(HPET *h)
{
    bool legacy = h->config & CFG_LEGACY;
    for (int i = 0; i < 2; i++)
        irq_set(&h->legacy_out[i], legacy ? 0 : h->legacy_in[i]);
}

static void hpet_config_write(HPET *h, uint64_t val)
{
    uint64_t old = h->config;
    if ((old ^ val) & CFG_LEGACY)
        for (int i = 0; i < 2; i++)
            if (h->t[i].config & TN_LEVEL)
                irq_lower(timer_line(&h->t[i]));
    if ((old & CFG_ENABLE) && !(val & CFG_ENABLE))
        h->counter_base = hpet_counter(h);
    else if (!(old & CFG_ENABLE) && (val & CFG_ENABLE))
        h->base_ns = clock_ns(&h->m->clock);
    h->config = val & (CFG_ENABLE | CFG_LEGACY);
    if ((old ^ val) & CFG_LEGACY)
        hpet_legacy_forward(h);
    for (int i = 0; i < HPET_NUM_TIMERS; i++) {
        timer_update_level(&h->t[i]);
        timer_schedule(&h->t[i]);
    }
}

static uint64_t hpet_reg_read(HPET *h, uint64_t reg)
{
    if (reg >= R_TIMER0 && reg < R_TIMER0 + 0x20 * HPET_NUM_TIMERS) {
        HPETTimer *t = &h->t[(reg - R_TIMER0) / 0x20];
        switch (reg & 0x1f) {
        case 0x00: return t->config;
        case 0x08: return t->cmp;
        default: return 0;          /* FSB route: no FSB */
        }
    }
    switch (reg) {
    case R_CAP: return HPET_CAP;
    case R_CONFIG: return h->config;
    case R_ISR: return h->isr;
    case R_COUNTER: return hpet_counter(h);
    default: return 0;
    }
}

static void hpet_reg_write(HPET *h, uint64_t reg, uint64_t val)
{
    if (reg >= R_TIMER0 && reg < R_TIMER0 + 0x20 * HPET_NUM_TIMERS) {
        HPETTimer *t = &h->t[(reg - R_TIMER0) / 0x20];
        if ((reg & 0x1f) == 0x00)
            timer_config_write(t, val);
        else if ((reg & 0x1f) == 0x08)
            timer_cmp_write(t, val);
        return;
    }
    switch (reg) {
    case R_CONFIG:
        hpet_config_write(h, val);
        break;
    case R_ISR:                     /* write 1 to clear */
        h->isr &= ~val;
        for (int i = 0; i < HPET_NUM_TIMERS; i++)
            timer_update_level(&h->t[i]);
        break;
    case R_COUNTER:
        h->counter_base = val;
        h->base_ns = clock_ns(&h->m->clock);
        for (int i = 0; i < HPET_NUM_TIMERS; i++)
            timer_schedule(&h->t[i]);
        break;
    default:
        break;
    }
}

/* 64-bit registers, also accessed as 32-bit halves. */
static uint64_t hpet_mmio_read(void *opaque, uint64_t addr, unsigned size)
{
    uint64_t v = hpet_reg_read(opaque, addr & ~7ull);
    if (size == 8)
        return v;
    v >>= 8 * (addr & 7);
    return size == 4 ? (uint32_t)v : v & ((1u << (8 * size)) - 1);
}

static void hpet_mmio_write(void *opaque, uint64_t addr, uint64_t val, unsigned size)
{
    HPET *h = opaque;
    uint64_t reg = addr & ~7ull;
    if (size == 4 && (addr & 3) == 0) {
        unsigned sh = 8 * (addr & 4);
        uint64_t old = hpet_reg_read(h, reg);
        if (reg == R_ISR)
            old = 0;                /* W1C: only the bits written count */
        val = (old & ~(0xffffffffull << sh)) | ((val & 0xffffffffull) << sh);
    } else if (size != 8 || (addr & 7)) {
        yl_log_mask(&h->m->log, LOG_GUEST_ERRORS,
                    "hpet: %u-byte write at 0x%" PRIx64 " ignored\n", size, addr);
        return;
    }
    hpet_reg_write(h, reg, val);
}

static const MemOps hpet_mmio_ops = { hpet_mmio_read, hpet_mmio_write };

/* IRQ0 from the PIT, IRQ8 from the RTC. */
static void hpet_legacy_in(void *opaque, int n, int level)
{
    HPET *h = opaque;
    int i = n == 0 ? 0 : 1;
    h->legacy_in[i] = level;
    if (!(h->config & CFG_LEGACY))
        irq_set(&h->legacy_out[i], level);
}

static void hpet_reset(Device *dev)
{
    HPET *h = (HPET *)dev;
    for (int i = 0; i < HPET_NUM_TIMERS; i++) {
        HPETTimer *t = &h->t[i];
        timer_del(&t->timer);
        t->config = (HPET_ROUTE_CAP << 32) | TN_SIZE_CAP | (i == 0 ? TN_PER_CAP : 0);
        t->cmp = UINT64_MAX;
        t->period = 0;
    }
    bool was_legacy = h->config & CFG_LEGACY;
    h->config = 0;
    h->isr = 0;
    h->counter_base = 0;
    h->base_ns = clock_ns(&h->m->clock);
    if (was_legacy)
        hpet_legacy_forward(h);
}

static int hpet_realize(Device *dev, Machine *m, char *err, int errlen)
{
    HPET *h = (HPET *)dev;
    h->m = m;
    h->mmio = mem_add_mmio(&m->as, "hpet", HPET_ADDRESS, HPET_MMIO_SIZE,
                           &hpet_mmio_ops, h, HPET_MMIO_PRIORITY);
    if (!h->mmio) {
        snprintf(err, errlen, "hpet: no room in the memory map");
        return -1;
    }
    for (int i = 0; i < HPET_NUM_TIMERS; i++) {
        h->t[i].h = h;
        h->t[i].n = i;
        timer_init(&h->t[i].timer, &m->clock, timer_expired, &h->t[i]);
    }
    h->legacy_out[0] = m->isa_irq[0];
    h->legacy_out[1] = m->isa_irq[8];
    irq_init(&m->isa_irq[0], hpet_legacy_in, h, 0);
    irq_init(&m->isa_irq[8], hpet_legacy_in, h, 8);
    hpet_reset(dev);
    return 0;
}

static void hpet_destroy(Device *dev)
{
    HPET *h = (HPET *)dev;
    for (int i = 0; i < HPET_NUM_TIMERS; i++)
        if (h->t[i].h)
            timer_del(&h->t[i].timer);
}

const DeviceClass hpet_class = {
    .name = "hpet",
    .desc = "HPET: 3 timers, 10 MHz, legacy replacement capable",
    .instance_size = sizeof(HPET),
    .realize = hpet_realize,
    .reset = hpet_reset,
    .destroy = hpet_destroy,
};
