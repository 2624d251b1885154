/* The MC146818 real-time clock and CMOS RAM at ports 0x70 (index, bit 7
 * masks NMI) and 0x71 (data), interrupting on ISA IRQ 8.
 *
 * Time is kept as "guest seconds at virtual time base_ns" and the time
 * registers are computed from it when read, so nothing ticks while nobody
 * looks.  Timers run only for enabled interrupts; the flags of disabled
 * ones are worked out when register C is read. */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "hw/pc.h"
#include "yl/machine.h"

#define NS_PER_SEC 1000000000ll
#define UIP_NS     244000ll     /* update cycle length (datasheet: 244 us) */

enum { R_SEC, R_SEC_ALARM, R_MIN, R_MIN_ALARM, R_HOUR, R_HOUR_ALARM, R_WDAY,
       R_MDAY, R_MONTH, R_YEAR, R_A, R_B, R_C, R_D };
#define R_CENTURY 0x32

#define A_UIP  0x80
#define B_SET  0x80
#define B_PIE  0x40
#define B_AIE  0x20
#define B_UIE  0x10
#define B_DM   0x04     /* binary, not BCD */
#define B_24H  0x02
#define C_IRQF 0x80
#define C_PF   0x40
#define C_AF   0x20
#define C_UF   0x10
#define D_VRT  0x80

typedef struct RTC {
    Device dev;
    Machine *m;
    char *base;             /* property: utc, localtime or a date */
    char *clock_opt, *driftfix; /* -rtc clock=, driftfix=: accepted */
    uint8_t cmos[128];
    uint8_t index;
    int64_t base_s;         /* guest time (seconds, broken down as UTC) ... */
    int64_t base_ns;        /* ... at this virtual time */
    int64_t last_c_ns;      /* last read of register C */
    Timer periodic, second;
} RTC;

/* --- time ------------------------------------------------------------- */

static int64_t now_ns(RTC *r) { return clock_ns(&r->m->clock); }

static int64_t guest_secs(RTC *r, int64_t ns)
{
    int64_t d = ns - r->base_ns;
    return r->base_s + (d >= 0 ? d / NS_PER_SEC : -((-d + NS_PER_SEC - 1) / NS_PER_SEC));
}

static uint8_t to_reg(RTC *r, int v)
{
    return r->cmos[R_B] & B_DM ? v : (v / 10) << 4 | v % 10;
}

static int from_reg(RTC *r, uint8_t v)
{
    return r->cmos[R_B] & B_DM ? v : (v >> 4) * 10 + (v & 15);
}

static uint8_t hour_to_reg(RTC *r, int h)
{
    if (r->cmos[R_B] & B_24H)
        return to_reg(r, h);
    int h12 = h % 12 ? h % 12 : 12;
    return to_reg(r, h12) | (h >= 12 ? 0x80 : 0);
}

static int hour_from_reg(RTC *r, uint8_t v)
{
    if (r->cmos[R_B] & B_24H)
        return from_reg(r, v);
    int h = from_reg(r, v & 0x7f) % 12;
    return v & 0x80 ? h + 12 : h;
}

/* Writes the time registers for guest time t. */
static void time_to_regs(RTC *r, int64_t t)
{
    time_t tt = t;
    struct tm tm;
    gmtime_r(&tt, &tm);
    r->cmos[R_SEC] = to_reg(r, tm.tm_sec);
    r->cmos[R_MIN] = to_reg(r, tm.tm_min);
    r->cmos[R_HOUR] = hour_to_reg(r, tm.tm_hour);
    r->cmos[R_WDAY] = to_reg(r, tm.tm_wday + 1);
    r->cmos[R_MDAY] = to_reg(r, tm.tm_mday);
    r->cmos[R_MONTH] = to_reg(r, tm.tm_mon + 1);
    r->cmos[R_YEAR] = to_reg(r, tm.tm_year % 100);
    r->cmos[R_CENTURY] = to_reg(r, (tm.tm_year + 1900) / 100);
}

static int64_t regs_to_time(RTC *r)
{
    struct tm tm = { 0 };
    tm.tm_sec = from_reg(r, r->cmos[R_SEC]);
    tm.tm_min = from_reg(r, r->cmos[R_MIN]);
    tm.tm_hour = hour_from_reg(r, r->cmos[R_HOUR]);
    tm.tm_mday = from_reg(r, r->cmos[R_MDAY]);
    tm.tm_mon = from_reg(r, r->cmos[R_MONTH]) - 1;
    tm.tm_year = from_reg(r, r->cmos[R_YEAR]) + from_reg(r, r->cmos[R_CENTURY]) * 100 - 1900;
    return timegm(&tm);
}

static bool running(RTC *r)
{
    return !(r->cmos[R_B] & B_SET) && (r->cmos[R_A] & 0x70) == 0x20;
}

/* --- interrupts ------------------------------------------------------ */

static void update_irq(RTC *r)
{
    uint8_t c = r->cmos[R_C] & 0x70, en = r->cmos[R_B] & 0x70;
    if (c & en) {
        if (!(r->cmos[R_C] & C_IRQF)) {
            r->cmos[R_C] |= C_IRQF;
            irq_raise(&r->m->isa_irq[8]);
        }
    }
}

static int64_t period_ns(RTC *r)
{
    int rs = r->cmos[R_A] & 15;
    if (!rs)
        return 0;
    if (rs <= 2)
        rs += 7;
    return (NS_PER_SEC << (rs - 1)) / 32768;
}

static bool alarm_matches(RTC *r)
{
    static const int pairs[3][2] = { { R_SEC_ALARM, R_SEC }, { R_MIN_ALARM, R_MIN },
                                     { R_HOUR_ALARM, R_HOUR } };
    for (int i = 0; i < 3; i++) {
        uint8_t a = r->cmos[pairs[i][0]];
        if ((a & 0xc0) != 0xc0 && a != r->cmos[pairs[i][1]])
            return false;
    }
    return true;
}

static void rearm(RTC *r)
{
    int64_t now = now_ns(r), p = period_ns(r);
    if ((r->cmos[R_B] & B_PIE) && p && (r->cmos[R_A] & 0x70) == 0x20)
        timer_mod(&r->periodic, now - (now - r->base_ns) % p + p);
    else
        timer_del(&r->periodic);
    if ((r->cmos[R_B] & (B_UIE | B_AIE)) && running(r)) {
        int64_t frac = (now - r->base_ns) % NS_PER_SEC;
        if (frac < 0)
            frac += NS_PER_SEC;
        timer_mod(&r->second, now - frac + NS_PER_SEC);
    } else {
        timer_del(&r->second);
    }
}

static void periodic_cb(void *opaque)
{
    RTC *r = opaque;
    r->cmos[R_C] |= C_PF;
    update_irq(r);
    rearm(r);
}

/* The end of an update cycle: a new second. */
static void second_cb(void *opaque)
{
    RTC *r = opaque;
    r->cmos[R_C] |= C_UF;
    time_to_regs(r, guest_secs(r, now_ns(r)));
    if (alarm_matches(r))
        r->cmos[R_C] |= C_AF;
    update_irq(r);
    rearm(r);
}

/* Flags of interrupts without a timer: did their event happen since C
 * was last read? */
static void lazy_flags(RTC *r, int64_t now)
{
    int64_t p = period_ns(r), last = r->last_c_ns;
    if (p && (r->cmos[R_A] & 0x70) == 0x20
        && (now - r->base_ns) / p != (last - r->base_ns) / p)
        r->cmos[R_C] |= C_PF;
    if (running(r) && guest_secs(r, now) != guest_secs(r, last)) {
        r->cmos[R_C] |= C_UF;
        if (alarm_matches(r))
            r->cmos[R_C] |= C_AF;
    }
}

/* --- registers ------------------------------------------------------- */

static uint8_t rtc_read_reg(RTC *r, uint8_t idx)
{
    int64_t now = now_ns(r);
    if (idx <= R_YEAR || idx == R_CENTURY) {
        if (running(r))
            time_to_regs(r, guest_secs(r, now));
        return r->cmos[idx];
    }
    if (idx == R_A) {
        int64_t frac = (now - r->base_ns) % NS_PER_SEC;
        bool uip = running(r) && frac >= NS_PER_SEC - UIP_NS;
        return (r->cmos[R_A] & 0x7f) | (uip ? A_UIP : 0);
    }
    if (idx == R_C) {
        lazy_flags(r, now);
        uint8_t v = r->cmos[R_C];
        r->cmos[R_C] = 0;
        r->last_c_ns = now;
        if (v & C_IRQF)
            irq_lower(&r->m->isa_irq[8]);
        return v;
    }
    return r->cmos[idx];
}

static void rtc_write_reg(RTC *r, uint8_t idx, uint8_t v)
{
    int64_t now = now_ns(r);
    switch (idx) {
    case R_A:
        r->cmos[R_A] = v & 0x7f;
        break;
    case R_B: {
        bool was_set = r->cmos[R_B] & B_SET;
        if (!was_set && (v & B_SET))
            time_to_regs(r, guest_secs(r, now));    /* freeze what is shown */
        if (v & B_SET)
            v &= ~B_UIE;
        r->cmos[R_B] = v;
        if (was_set && !(v & B_SET)) {
            r->base_s = regs_to_time(r);
            r->base_ns = now;
        }
        update_irq(r);
        break;
    }
    case R_C:
    case R_D:
        break;      /* read-only */
    default:
        if ((idx <= R_YEAR || idx == R_CENTURY) && running(r)) {
            /* A clock set without SET: takes effect at once. */
            time_to_regs(r, guest_secs(r, now));
            r->cmos[idx] = v;
            r->base_s = regs_to_time(r);
            r->base_ns = now;
        } else {
            r->cmos[idx] = v;
        }
    }
    rearm(r);
}

static uint32_t rtc_io_read(void *opaque, uint16_t off, unsigned size)
{
    RTC *r = opaque;
    if (off == 0)
        return 0xff;
    return rtc_read_reg(r, r->index);
}

static void rtc_io_write(void *opaque, uint16_t off, uint32_t val, unsigned size)
{
    RTC *r = opaque;
    if (off == 0)
        r->index = val & 0x7f;  /* bit 7 masks NMI, which we do not raise */
    else
        rtc_write_reg(r, r->index, val);
}

static const IOPortOps rtc_ops = { rtc_io_read, rtc_io_write };

/* --- the PC's CMOS contents ------------------------------------------ */

static void cmos_checksum(RTC *r)
{
    unsigned sum = 0;
    for (int i = 0x10; i <= 0x2d; i++)
        sum += r->cmos[i];
    r->cmos[0x2e] = sum >> 8;
    r->cmos[0x2f] = sum;
}

static void set16(uint8_t *p, uint32_t v)
{
    v = v > 0xffff ? 0xffff : v;
    p[0] = v;
    p[1] = v >> 8;
}

static void cmos_init_pc(RTC *r, Machine *m)
{
    uint8_t *c = r->cmos;
    uint64_t ram = m->as.ram_size, low = pc_lowmem_size(m);
    c[0x10] = 0;                /* no floppy drives */
    c[0x14] = 0x06;             /* FPU, PS/2 mouse; no floppy */
    set16(c + 0x15, 640);
    uint64_t ext_kb = ram > (1 << 20) ? (low - (1 << 20)) >> 10 : 0;
    set16(c + 0x17, ext_kb);
    set16(c + 0x30, ext_kb);
    set16(c + 0x34, low > (16 << 20) ? (low - (16 << 20)) >> 16 : 0);
    uint64_t high = ram > low ? (ram - low) >> 16 : 0;
    c[0x5b] = high;
    c[0x5c] = high >> 8;
    c[0x5d] = high >> 16;
    c[0x5f] = (m->ncpus > 0 ? m->ncpus : 1) - 1;
    c[0x3d] = 0x12;             /* boot: hard disk, then floppy ... */
    c[0x38] = 0x30;             /* ... then CD-ROM */
    cmos_checksum(r);
}

int rtc_cmos_set(Machine *m, uint8_t addr, uint8_t val)
{
    for (Device *d = m->devices; d; d = d->next) {
        if (!strcmp(d->cls->name, "mc146818rtc") && addr < 128) {
            RTC *r = (RTC *)d;
            r->cmos[addr] = val;
            if (addr >= 0x10 && addr <= 0x2d)
                cmos_checksum(r);
            return 0;
        }
    }
    return -1;
}

/* base=utc|localtime|YYYY-MM-DD[THH:MM:SS]: the guest time at start. */
static int parse_base(const char *s, int64_t *out, char *err, int errlen)
{
    time_t host = time(NULL);
    if (!s || !strcmp(s, "utc")) {
        *out = host;
        return 0;
    }
    if (!strcmp(s, "localtime")) {
        struct tm tm;
        localtime_r(&host, &tm);
        *out = host + tm.tm_gmtoff;
        return 0;
    }
    struct tm tm = { 0 };
    const char *end = strptime(s, "%Y-%m-%dT%H:%M:%S", &tm);
    if (!end || *end) {
        memset(&tm, 0, sizeof(tm));
        end = strptime(s, "%Y-%m-%d", &tm);
    }
    if (!end || *end) {
        snprintf(err, errlen, "-rtc base=%s: want utc, localtime or "
                 "YYYY-MM-DD[THH:MM:SS]", s);
        return -1;
    }
    *out = timegm(&tm);
    return 0;
}

static void rtc_reset(Device *dev)
{
    RTC *r = (RTC *)dev;
    /* Reset clears the interrupt enables and flags, not the time. */
    r->cmos[R_B] &= ~(B_PIE | B_AIE | B_UIE);
    r->cmos[R_C] = 0;
    irq_lower(&r->m->isa_irq[8]);
    rearm(r);
}

static int rtc_realize(Device *dev, Machine *m, char *err, int errlen)
{
    RTC *r = (RTC *)dev;
    r->m = m;
    if (parse_base(r->base, &r->base_s, err, errlen) < 0)
        return -1;
    /* The guest clock always follows the virtual clock (clock=vm's
     * behaviour, which is host time while running); no drift to fix. */
    if (strcmp(r->clock_opt, "host") && strcmp(r->clock_opt, "rt")
        && strcmp(r->clock_opt, "vm")) {
        snprintf(err, errlen, "-rtc clock=%s: want host, rt or vm", r->clock_opt);
        return -1;
    }
    if (strcmp(r->driftfix, "none") && strcmp(r->driftfix, "slew")) {
        snprintf(err, errlen, "-rtc driftfix=%s: want none or slew", r->driftfix);
        return -1;
    }
    r->base_ns = clock_ns(&m->clock);
    r->last_c_ns = r->base_ns;
    if (ioport_register(&m->io, 0x70, 2, &rtc_ops, r) < 0) {
        snprintf(err, errlen, "mc146818rtc: I/O ports 0x70-0x71 already in use");
        return -1;
    }
    timer_init(&r->periodic, &m->clock, periodic_cb, r);
    timer_init(&r->second, &m->clock, second_cb, r);
    r->cmos[R_A] = 0x26;
    r->cmos[R_B] = B_24H;
    r->cmos[R_D] = D_VRT;
    time_to_regs(r, r->base_s);
    cmos_init_pc(r, m);
    return 0;
}

static void rtc_destroy(Device *dev)
{
    RTC *r = (RTC *)dev;
    if (!r->m)
        return;
    timer_del(&r->periodic);
    timer_del(&r->second);
    ioport_unregister(&r->m->io, 0x70, 2);
}

static const PropDesc rtc_props[] = {
    { "base", PROP_STR, offsetof(RTC, base), "utc" },
    { "clock", PROP_STR, offsetof(RTC, clock_opt), "host" },
    { "driftfix", PROP_STR, offsetof(RTC, driftfix), "none" },
    { NULL },
};

const DeviceClass mc146818rtc_class = {
    .name = "mc146818rtc",
    .desc = "MC146818 real-time clock and CMOS RAM (ports 0x70/0x71, IRQ 8)",
    .instance_size = sizeof(RTC),
    .props = rtc_props,
    .realize = rtc_realize,
    .reset = rtc_reset,
    .destroy = rtc_destroy,
};
