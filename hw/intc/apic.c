/* The local APIC in xAPIC mode (Intel SDM vol. 3, chapter 10): its MMIO
 * registers, IA32_APIC_BASE, interrupt acceptance and priorities, IPIs
 * over the APIC bus, the LVT, and the CPU's INTR/INTA.
 *
 * At reset LINT0 of the BSP is an unmasked ExtINT input (virtual wire
 * mode), so the 8259 reaches the CPU through the APIC as it did without
 * one; with the APIC globally disabled the 8259's INTR passes through. */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "hw/intc/apic_int.h"

#define APIC_VERSION (0x14u | ((LVT_NUM - 1u) << 16))
#define APIC_MMIO_SIZE 0x1000
#define APIC_MMIO_PRIORITY 10
/* IA32_APIC_BASE: base bits 12-35 (36-bit physical addresses), BSP,
 * enable; x2APIC (bit 10) is not implemented, so it is reserved. */
#define APIC_BASE_ADDR_MASK 0x0000000ffffff000ull
#define APIC_BASE_VALID (APIC_BASE_ADDR_MASK | MSR_APIC_BASE_BSP | MSR_APIC_BASE_ENABLE)

/* Registers by offset >> 4. */
enum {
    REG_ID = 0x02, REG_VERSION = 0x03, REG_TPR = 0x08, REG_APR = 0x09,
    REG_PPR = 0x0a, REG_EOI = 0x0b, REG_RRD = 0x0c, REG_LDR = 0x0d,
    REG_DFR = 0x0e, REG_SVR = 0x0f, REG_ISR = 0x10, REG_TMR = 0x18,
    REG_IRR = 0x20, REG_ESR = 0x28, REG_ICR_LO = 0x30, REG_ICR_HI = 0x31,
    REG_LVT = 0x32, REG_TIMER_INITIAL = 0x38, REG_TIMER_CURRENT = 0x39,
    REG_TIMER_DCR = 0x3e,
};

/* Writable bits of each LVT entry (delivery status and remote IRR are
 * read-only). */
static const uint32_t lvt_writable[LVT_NUM] = {
    [LVT_TIMER] = 0x000700ff, [LVT_THERMAL] = 0x000107ff,
    [LVT_PERF] = 0x000107ff, [LVT_LINT0] = 0x0001a7ff,
    [LVT_LINT1] = 0x0001a7ff, [LVT_ERROR] = 0x000100ff,
};

/* ---- the 256-bit registers and priorities ------------------------------ */

static void bit_set(uint32_t *r, int v) { r[v >> 5] |= 1u << (v & 31); }
static void bit_clear(uint32_t *r, int v) { r[v >> 5] &= ~(1u << (v & 31)); }
static bool bit_test(const uint32_t *r, int v) { return r[v >> 5] >> (v & 31) & 1; }

/* The highest vector set, or -1. */
static int highest(const uint32_t *r)
{
    for (int i = 7; i >= 0; i--)
        if (r[i])
            return i * 32 + 31 - __builtin_clz(r[i]);
    return -1;
}

static uint8_t ppr(const LAPIC *s)
{
    int isrv = highest(s->isr);
    uint8_t isr_class = isrv < 0 ? 0 : isrv & 0xf0;
    return (s->tpr & 0xf0) >= isr_class ? s->tpr : isr_class;
}

/* Arbitration priority, for lowest-priority delivery. */
static uint8_t apr(const LAPIC *s)
{
    int irrv = highest(s->irr), isrv = highest(s->isr);
    int v = irrv > isrv ? irrv : isrv;
    uint8_t cls = v < 0 ? 0 : v & 0xf0;
    return (s->tpr & 0xf0) >= cls ? s->tpr : cls;
}

/* The vector the CPU would get now from IRR, or -1. */
static int deliverable(const LAPIC *s)
{
    int v = highest(s->irr);
    if (v < 0 || !apic_sw_enabled(s) || (v & 0xf0) <= (ppr(s) & 0xf0))
        return -1;
    return v;
}

static bool extint_active(const LAPIC *s)
{
    uint32_t l0 = s->lvt[LVT_LINT0];
    return s->extint_req || (s->lint_level[0] && !(l0 & LVT_MASKED)
                             && ((l0 >> 8) & 7) == APIC_DM_EXTINT);
}

/* The CPU's INTR input follows what the APIC has to offer. */
static void apic_update(LAPIC *s)
{
    bool line;
    if (!apic_hw_enabled(s))
        line = s->lint_level[0];
    else
        line = deliverable(s) >= 0 || extint_active(s);
    x86_cpu_set_irq(s->cpu, line);
}

static int pic_inta(LAPIC *s)
{
    Machine *m = s->m;
    return m->pic_ack ? m->pic_ack(m->pic) : -1;
}

/* INTA from the CPU: the APIC's vector moves from IRR to ISR; else an
 * ExtINT takes the vector from the 8259. */
static int apic_irq_ack(void *opaque)
{
    LAPIC *s = opaque;
    if (!apic_hw_enabled(s))
        return pic_inta(s);
    int vec = deliverable(s);
    if (vec >= 0) {
        bit_clear(s->irr, vec);
        bit_set(s->isr, vec);
    } else if (extint_active(s)) {
        s->extint_req = false;
        vec = pic_inta(s);
    }
    apic_update(s);
    return vec;
}

/* ---- accepting interrupts ---------------------------------------------- */

static void apic_error(LAPIC *s, uint32_t bits);
static void apic_regs_reset(LAPIC *s);

/* INIT resets every register but the APIC ID (SDM 10.4.7.3); the CPU
 * itself is reset by the start-up code (apic_take_startup). */
static void apic_init_received(LAPIC *s)
{
    uint8_t id = s->id;
    apic_regs_reset(s);
    s->id = id;
    s->init_received = true;
    apic_update(s);
}

static void accept_fixed(LAPIC *s, uint8_t vector, bool level)
{
    if (!apic_sw_enabled(s))
        return;     /* only NMI, INIT, SIPI and SMI reach a disabled APIC */
    if (vector < 16) {
        apic_error(s, ESR_RECV_ILLEGAL_VECTOR);
        return;
    }
    bit_set(s->irr, vector);
    if (level)
        bit_set(s->tmr, vector);
    else
        bit_clear(s->tmr, vector);
    apic_update(s);
}

static void apic_accept(LAPIC *s, int mode, uint8_t vector, bool level)
{
    switch (mode) {
    case APIC_DM_FIXED:
    case APIC_DM_LOWEST:
        accept_fixed(s, vector, level);
        break;
    case APIC_DM_NMI:
        s->cpu->nmi_pending = true;
        x86_cpu_stop_chain(s->cpu);
        break;
    case APIC_DM_INIT:
        apic_init_received(s);
        break;
    case APIC_DM_SIPI:
        s->sipi_received = true;
        s->sipi_vector = vector;
        break;
    case APIC_DM_EXTINT:
        s->extint_req = true;
        apic_update(s);
        break;
    default:
        yl_log_mask(&s->m->log, LOG_UNIMP, "apic: delivery mode %d ignored\n", mode);
        return;
    }
    /* A halted CPU, or one waiting for SIPI, may have work now. */
    machine_cpu_notify(s->m, s->cpu);
}

static void apic_error(LAPIC *s, uint32_t bits)
{
    s->esr_pending |= bits;
    uint32_t lvt = s->lvt[LVT_ERROR];
    /* An illegal error vector is not reported again through itself. */
    if (!(lvt & LVT_MASKED) && (lvt & 0xff) >= 16)
        accept_fixed(s, lvt & 0xff, false);
}

void apic_lvt_fire(LAPIC *s, int idx)
{
    uint32_t lvt = s->lvt[idx];
    if (!apic_hw_enabled(s) || (lvt & LVT_MASKED))
        return;
    int mode = (idx == LVT_TIMER || idx == LVT_ERROR) ? APIC_DM_FIXED : (lvt >> 8) & 7;
    if (mode == APIC_DM_EXTINT)
        return;     /* LINT0 as ExtINT is a level, see extint_active() */
    apic_accept(s, mode, lvt & 0xff, (lvt & LVT_LEVEL) && idx >= LVT_LINT0);
}

void apic_set_lint(LAPIC *s, int pin, int level)
{
    bool rising = level && !s->lint_level[pin];
    s->lint_level[pin] = level;
    if (rising)
        apic_lvt_fire(s, LVT_LINT0 + pin);
    apic_update(s);
}

/* ---- the APIC bus ------------------------------------------------------ */

static bool match_logical(const LAPIC *s, uint8_t mda)
{
    uint8_t ldr = s->ldr >> 24;
    if (mda == 0xff)
        return true;
    if ((s->dfr >> 28) == 0xf)              /* flat model */
        return ldr & mda;
    return (mda >> 4) == (ldr >> 4) && (mda & ldr & 0xf);   /* cluster */
}

static bool apic_match(const LAPIC *s, uint8_t dest, bool logical)
{
    if (!apic_hw_enabled(s))
        return false;
    return logical ? match_logical(s, dest) : (dest == 0xff || dest == s->id);
}

void apic_deliver(Machine *m, uint8_t dest, bool logical, int mode,
                  uint8_t vector, bool level)
{
    LAPIC *lowest = NULL;
    for (int i = 0; i < MACHINE_MAX_CPUS; i++) {
        LAPIC *s = m->lapic[i];
        if (!s || !apic_match(s, dest, logical))
            continue;
        if (mode != APIC_DM_LOWEST)
            apic_accept(s, mode, vector, level);
        else if (!lowest || apr(s) < apr(lowest))
            lowest = s;
    }
    if (lowest)
        apic_accept(lowest, APIC_DM_FIXED, vector, level);
}

/* ICR low written: send the IPI it describes. */
static void apic_send_ipi(LAPIC *s)
{
    uint32_t lo = s->icr_lo;
    int mode = (lo >> 8) & 7;
    uint8_t vector = lo & 0xff;
    bool logical = lo & (1u << 11), assert = lo & (1u << 14);
    bool level = lo & (1u << 15);
    if (mode == APIC_DM_INIT && level && !assert)
        return;     /* INIT level de-assert: only old APICs care */
    if ((mode == APIC_DM_FIXED || mode == APIC_DM_LOWEST) && vector < 16) {
        apic_error(s, ESR_SEND_ILLEGAL_VECTOR);
        return;
    }
    switch ((lo >> 18) & 3) {
    case 0:
        apic_deliver(s->m, s->icr_hi >> 24, logical, mode, vector, level);
        break;
    case 1:                                 /* self */
        apic_accept(s, mode, vector, level);
        break;
    default:                                /* all, including / excluding self */
        for (int i = 0; i < MACHINE_MAX_CPUS; i++) {
            LAPIC *t = s->m->lapic[i];
            if (t && apic_hw_enabled(t) && (t != s || ((lo >> 18) & 3) == 2))
                apic_accept(t, mode == APIC_DM_LOWEST ? APIC_DM_FIXED : mode,
                            vector, level);
        }
        break;
    }
}

static void apic_eoi(LAPIC *s)
{
    int v = highest(s->isr);
    if (v < 0)
        return;
    bit_clear(s->isr, v);
    if (bit_test(s->tmr, v))
        ioapic_eoi_broadcast(s->m, v);
    apic_update(s);
}

/* ---- registers --------------------------------------------------------- */

static uint32_t apic_reg_read(LAPIC *s, unsigned reg)
{
    if (reg >= REG_ISR && reg < REG_ISR + 8)
        return s->isr[reg - REG_ISR];
    if (reg >= REG_TMR && reg < REG_TMR + 8)
        return s->tmr[reg - REG_TMR];
    if (reg >= REG_IRR && reg < REG_IRR + 8)
        return s->irr[reg - REG_IRR];
    if (reg >= REG_LVT && reg < REG_LVT + LVT_NUM)
        return s->lvt[reg - REG_LVT];
    switch (reg) {
    case REG_ID: return (uint32_t)s->id << 24;
    case REG_VERSION: return APIC_VERSION;
    case REG_TPR: return s->tpr;
    case REG_APR: return apr(s);
    case REG_PPR: return ppr(s);
    case REG_EOI: return 0;
    case REG_LDR: return s->ldr;
    case REG_DFR: return s->dfr;
    case REG_SVR: return s->svr;
    case REG_ESR: return s->esr;
    case REG_ICR_LO: return s->icr_lo;      /* delivery status: always idle */
    case REG_ICR_HI: return s->icr_hi;
    case REG_TIMER_INITIAL: return s->initial_count;
    case REG_TIMER_CURRENT: return apic_timer_current(s);
    case REG_TIMER_DCR: return s->dcr;
    default:
        apic_error(s, ESR_ILLEGAL_REGISTER);
        return 0;
    }
}

static void apic_lvt_write(LAPIC *s, int idx, uint32_t val)
{
    val &= lvt_writable[idx];
    if (!apic_sw_enabled(s))
        val |= LVT_MASKED;
    if (idx == LVT_TIMER) {
        if (((val >> LVT_TIMER_MODE_SHIFT) & 3) == 3)
            val &= ~(3u << LVT_TIMER_MODE_SHIFT);   /* reserved mode */
        apic_timer_lvt_write(s, val);
    }
    s->lvt[idx] = (s->lvt[idx] & ~lvt_writable[idx]) | val;
    apic_update(s);
}

static void apic_svr_write(LAPIC *s, uint32_t val)
{
    s->svr = val & 0x3ff;
    if (!apic_sw_enabled(s))
        for (int i = 0; i < LVT_NUM; i++)
            s->lvt[i] |= LVT_MASKED;
    apic_update(s);
}

static void apic_reg_write(LAPIC *s, unsigned reg, uint32_t val)
{
    if (reg >= REG_LVT && reg < REG_LVT + LVT_NUM) {
        apic_lvt_write(s, reg - REG_LVT, val);
        return;
    }
    switch (reg) {
    case REG_ID: s->id = val >> 24; break;
    case REG_TPR: apic_set_tpr(s, val); break;
    case REG_EOI: apic_eoi(s); break;
    case REG_LDR: s->ldr = val & 0xff000000u; break;
    case REG_DFR: s->dfr = val | 0x0fffffffu; break;
    case REG_SVR: apic_svr_write(s, val); break;
    case REG_ESR:
        s->esr = s->esr_pending;
        s->esr_pending = 0;
        break;
    case REG_ICR_LO:
        s->icr_lo = val & 0x000ccfffu;
        apic_send_ipi(s);
        break;
    case REG_ICR_HI: s->icr_hi = val & 0xff000000u; break;
    case REG_TIMER_INITIAL: apic_timer_set_initial(s, val); break;
    case REG_TIMER_DCR: apic_timer_set_dcr(s, val); break;
    case REG_VERSION: case REG_APR: case REG_PPR: case REG_RRD:
    case REG_TIMER_CURRENT:
        break;      /* read-only */
    default:
        if (reg < REG_ISR || reg >= REG_IRR + 8)
            apic_error(s, ESR_ILLEGAL_REGISTER);
        break;
    }
}

/* Every CPU's local APIC is mapped at the same address, and each CPU
 * reaches its own there: an access goes to the APIC of the CPU making it
 * (m->current_cpu), or to the mapped one when no CPU makes it (device
 * tests).  NULL: the CPU's own APIC is disabled or mapped elsewhere. */
static LAPIC *apic_accessed(LAPIC *mapped)
{
    X86CPU *cpu = mapped->m->current_cpu;
    if (!cpu || cpu == mapped->cpu)
        return mapped;
    LAPIC *own = apic_of_cpu(cpu);
    if (!own || !own->mmio || own->mmio->base != mapped->mmio->base)
        return NULL;
    return own;
}

/* Registers are 32 bits at 16-byte strides; narrower reads see part of
 * one, narrower writes are ignored as the SDM leaves them undefined. */
static uint64_t apic_mmio_read(void *opaque, uint64_t addr, unsigned size)
{
    LAPIC *s = apic_accessed(opaque);
    if (!s || (addr & 0xf) >= 4)
        return 0;
    uint32_t v = apic_reg_read(s, addr >> 4) >> (8 * (addr & 3));
    return size >= 4 ? v : v & ((1u << (8 * size)) - 1);
}

static void apic_mmio_write(void *opaque, uint64_t addr, uint64_t val, unsigned size)
{
    LAPIC *s = apic_accessed(opaque);
    if (!s)
        return;
    if ((addr & 0xf) != 0 || size < 4) {
        yl_log_mask(&s->m->log, LOG_GUEST_ERRORS,
                    "apic: %u-byte write at offset 0x%" PRIx64 " ignored\n", size, addr);
        return;
    }
    apic_reg_write(s, addr >> 4, (uint32_t)val);
}

static const MemOps apic_mmio_ops = { apic_mmio_read, apic_mmio_write };

/* ---- IA32_APIC_BASE and the CPU's view --------------------------------- */

static void apic_map(LAPIC *s)
{
    mem_del(&s->m->as, s->mmio);
    s->mmio = NULL;
    if (apic_hw_enabled(s))
        s->mmio = mem_add_mmio(&s->m->as, "apic", s->base & APIC_BASE_ADDR_MASK,
                               APIC_MMIO_SIZE, &apic_mmio_ops, s, APIC_MMIO_PRIORITY);
}

/* The power-up state of everything but IA32_APIC_BASE. */
static void apic_regs_reset(LAPIC *s)
{
    s->id = s->cpu_index;
    s->tpr = 0;
    s->ldr = 0;
    s->dfr = 0xffffffffu;
    s->svr = 0xff;
    memset(s->irr, 0, sizeof(s->irr));
    memset(s->isr, 0, sizeof(s->isr));
    memset(s->tmr, 0, sizeof(s->tmr));
    s->esr = s->esr_pending = 0;
    s->icr_lo = s->icr_hi = 0;
    for (int i = 0; i < LVT_NUM; i++)
        s->lvt[i] = LVT_MASKED;
    /* Virtual wire mode: the 8259 keeps working through LINT0. */
    if (s->cpu_index == 0)
        s->lvt[LVT_LINT0] = APIC_DM_EXTINT << 8;
    apic_timer_reset(s);
    s->extint_req = false;
    s->init_received = s->sipi_received = false;
    s->sipi_vector = -1;
}

LAPIC *apic_of_cpu(X86CPU *cpu)
{
    Machine *m = cpu->machine;
    if (!m || cpu->cpu_index < 0 || cpu->cpu_index >= MACHINE_MAX_CPUS)
        return NULL;
    return m->lapic[cpu->cpu_index];
}

uint64_t apic_get_base(LAPIC *s)
{
    return s->base;
}

bool apic_set_base(LAPIC *s, uint64_t val)
{
    if (val & ~APIC_BASE_VALID)
        return false;
    bool was_enabled = apic_hw_enabled(s);
    /* The BSP flag is the hardware's to say. */
    s->base = (val & ~(uint64_t)MSR_APIC_BASE_BSP) | (s->base & MSR_APIC_BASE_BSP);
    if (was_enabled && !apic_hw_enabled(s))
        apic_regs_reset(s);     /* state is lost; re-enabled it is soft-disabled */
    apic_map(s);
    apic_update(s);
    return true;
}

uint8_t apic_get_tpr(LAPIC *s)
{
    return s->tpr;
}

void apic_set_tpr(LAPIC *s, uint8_t tpr)
{
    s->tpr = tpr;
    apic_update(s);
}

uint8_t apic_get_id(LAPIC *s)
{
    return s->id;
}

bool apic_take_startup(LAPIC *s, bool *init, int *sipi_vector)
{
    if (!s->init_received && !s->sipi_received)
        return false;
    *init = s->init_received;
    *sipi_vector = s->sipi_received ? s->sipi_vector : -1;
    s->init_received = s->sipi_received = false;
    return true;
}

/* ---- the device -------------------------------------------------------- */

static void apic_reset(Device *dev)
{
    LAPIC *s = (LAPIC *)dev;
    s->base = APIC_DEFAULT_ADDRESS | MSR_APIC_BASE_ENABLE
              | (s->cpu_index == 0 ? MSR_APIC_BASE_BSP : 0);
    apic_regs_reset(s);
    apic_map(s);
    apic_update(s);
}

static int apic_realize(Device *dev, Machine *m, char *err, int errlen)
{
    LAPIC *s = (LAPIC *)dev;
    s->m = m;
    if (s->cpu_index >= (uint32_t)m->ncpus || m->lapic[s->cpu_index]) {
        snprintf(err, errlen, "apic: no CPU %u without a local APIC", s->cpu_index);
        return -1;
    }
    s->cpu = m->cpus[s->cpu_index];
    s->cpu->irq_ack = apic_irq_ack;
    s->cpu->irq_ack_opaque = s;
    m->lapic[s->cpu_index] = s;
    timer_init(&s->timer, &m->clock, apic_timer_expired, s);
    apic_reset(dev);
    return 0;
}

static void apic_destroy(Device *dev)
{
    LAPIC *s = (LAPIC *)dev;
    timer_del(&s->timer);
    if (s->m) {
        mem_del(&s->m->as, s->mmio);
        if (s->m->lapic[s->cpu_index] == s)
            s->m->lapic[s->cpu_index] = NULL;
    }
}

static const PropDesc apic_props[] = {
    { "cpu", PROP_U32, offsetof(LAPIC, cpu_index), "0" },
    { NULL },
};

const DeviceClass apic_class = {
    .name = "apic",
    .desc = "local APIC (xAPIC) of one CPU",
    .instance_size = sizeof(LAPIC),
    .props = apic_props,
    .realize = apic_realize,
    .reset = apic_reset,
    .destroy = apic_destroy,
};
