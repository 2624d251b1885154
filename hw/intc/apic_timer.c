/* The local APIC timer (Intel SDM vol. 3, 10.5.4): one-shot and periodic
 * counting of the bus clock through the divide configuration, and the
 * TSC-deadline mode armed through IA32_TSC_DEADLINE.  The count is not
 * stored: it is derived from the virtual clock and the time it started. */
#include "hw/intc/apic_int.h"

static int64_t now_ns(LAPIC *s)
{
    return clock_ns(&s->m->clock);
}

int apic_timer_mode(const LAPIC *s)
{
    return (s->lvt[LVT_TIMER] >> LVT_TIMER_MODE_SHIFT) & 3;
}

/* DCR bits 0, 1, 3: 0b111 divides by 1, the others by 2^(value+1). */
static unsigned div_shift(uint32_t dcr)
{
    unsigned v = (dcr & 3) | ((dcr >> 1) & 4);
    return (v + 1) & 7;
}

/* One bus tick is one nanosecond (APIC_BUS_HZ). */
static int64_t period_ns(const LAPIC *s)
{
    return (int64_t)s->initial_count << div_shift(s->dcr);
}

void apic_timer_reset(LAPIC *s)
{
    timer_del(&s->timer);
    s->dcr = 0;
    s->initial_count = 0;
    s->count_start = now_ns(s);
    s->tsc_deadline = 0;
}

uint32_t apic_timer_current(LAPIC *s)
{
    if (s->initial_count == 0 || apic_timer_mode(s) == TIMER_TSC_DEADLINE)
        return 0;
    uint64_t ticks = (uint64_t)(now_ns(s) - s->count_start) >> div_shift(s->dcr);
    if (apic_timer_mode(s) == TIMER_PERIODIC)
        return s->initial_count - (uint32_t)(ticks % s->initial_count);
    return ticks >= s->initial_count ? 0 : s->initial_count - (uint32_t)ticks;
}

void apic_timer_set_initial(LAPIC *s, uint32_t val)
{
    if (apic_timer_mode(s) == TIMER_TSC_DEADLINE)
        return;     /* ignored in TSC-deadline mode */
    s->initial_count = val;
    s->count_start = now_ns(s);
    if (val)
        timer_mod(&s->timer, s->count_start + period_ns(s));
    else
        timer_del(&s->timer);
}

/* A new divisor applies to what is left of the count. */
void apic_timer_set_dcr(LAPIC *s, uint32_t val)
{
    uint32_t cur = apic_timer_current(s);
    s->dcr = val & 0xb;
    if (!timer_pending(&s->timer) || apic_timer_mode(s) == TIMER_TSC_DEADLINE)
        return;
    unsigned sh = div_shift(s->dcr);
    int64_t now = now_ns(s);
    s->count_start = now - ((int64_t)(s->initial_count - cur) << sh);
    timer_mod(&s->timer, now + ((int64_t)cur << sh));
}

/* Changing the mode disarms the timer (SDM 10.5.4.1). */
void apic_timer_lvt_write(LAPIC *s, uint32_t val)
{
    int mode = (val >> LVT_TIMER_MODE_SHIFT) & 3;
    if (mode == apic_timer_mode(s))
        return;
    timer_del(&s->timer);
    s->initial_count = 0;
    s->tsc_deadline = 0;
}

void apic_timer_expired(void *opaque)
{
    LAPIC *s = opaque;
    int64_t now = now_ns(s);
    switch (apic_timer_mode(s)) {
    case TIMER_TSC_DEADLINE:
        s->tsc_deadline = 0;
        break;
    case TIMER_PERIODIC: {
        int64_t p = period_ns(s);
        if (p <= 0)
            return;
        s->count_start += p;
        /* A main loop far behind gets one interrupt, not a burst. */
        if (now - s->count_start >= p)
            s->count_start = now - (now - s->count_start) % p;
        timer_mod(&s->timer, s->count_start + p);
        break;
    }
    default:
        break;
    }
    apic_lvt_fire(s, LVT_TIMER);
}

uint64_t apic_get_tsc_deadline(LAPIC *s)
{
    return apic_timer_mode(s) == TIMER_TSC_DEADLINE ? s->tsc_deadline : 0;
}

void apic_set_tsc_deadline(LAPIC *s, uint64_t deadline, uint64_t tsc_now)
{
    if (apic_timer_mode(s) != TIMER_TSC_DEADLINE)
        return;     /* writes are ignored in the other modes */
    s->tsc_deadline = deadline;
    if (!deadline) {
        timer_del(&s->timer);
        return;
    }
    /* The TSC runs at 1 GHz of the virtual clock (cpu/x86/msr.c). */
    int64_t delta = (int64_t)(deadline - tsc_now);
    int64_t now = now_ns(s);
    timer_mod(&s->timer, delta > 0 ? now + delta : now);
}
