/* The local APIC's state, shared by apic.c (registers, CPU side) and
 * apic_timer.c (the LVT timer). */
#ifndef YL_HW_APIC_INT_H
#define YL_HW_APIC_INT_H

#include "yl/apic.h"
#include "yl/machine.h"

enum { LVT_TIMER, LVT_THERMAL, LVT_PERF, LVT_LINT0, LVT_LINT1, LVT_ERROR, LVT_NUM };

#define LVT_MASKED (1u << 16)
#define LVT_LEVEL (1u << 15)
#define LVT_TIMER_MODE_SHIFT 17
enum { TIMER_ONESHOT, TIMER_PERIODIC, TIMER_TSC_DEADLINE };

#define SVR_ENABLE (1u << 8)

/* ESR bits */
#define ESR_SEND_ILLEGAL_VECTOR (1u << 5)
#define ESR_RECV_ILLEGAL_VECTOR (1u << 6)
#define ESR_ILLEGAL_REGISTER (1u << 7)

typedef struct LAPIC {
    Device dev;
    uint32_t cpu_index;     /* property "cpu" */
    Machine *m;
    X86CPU *cpu;
    MemRegion *mmio;        /* NULL while globally disabled */

    uint64_t base;          /* IA32_APIC_BASE */
    uint8_t id;
    uint8_t tpr;
    uint32_t ldr, dfr, svr;
    uint32_t irr[8], isr[8], tmr[8];
    uint32_t esr, esr_pending;  /* ESR reads esr; a write latches esr_pending */
    uint32_t icr_lo, icr_hi;
    uint32_t lvt[LVT_NUM];

    /* The timer: the count started at count_start (virtual ns). */
    uint32_t dcr, initial_count;
    int64_t count_start;
    uint64_t tsc_deadline;
    Timer timer;

    bool lint_level[2];
    bool extint_req;        /* an ExtINT message: INTA goes to the 8259 */
    bool init_received, sipi_received;
    int sipi_vector;
} LAPIC;

static inline bool apic_hw_enabled(const LAPIC *s)
{
    return s->base & MSR_APIC_BASE_ENABLE;
}

static inline bool apic_sw_enabled(const LAPIC *s)
{
    return s->svr & SVR_ENABLE;
}

/* apic.c: a local source (LVT entry idx) fires. */
void apic_lvt_fire(LAPIC *s, int idx);

/* apic_timer.c */
int apic_timer_mode(const LAPIC *s);
void apic_timer_reset(LAPIC *s);
uint32_t apic_timer_current(LAPIC *s);
void apic_timer_set_initial(LAPIC *s, uint32_t val);
void apic_timer_set_dcr(LAPIC *s, uint32_t val);
/* The LVT timer entry is about to change to val. */
void apic_timer_lvt_write(LAPIC *s, uint32_t val);
void apic_timer_expired(void *opaque);

#endif
