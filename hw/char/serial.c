/* 16550A UART on the ISA bus (isa-serial).  Transmission is immediate: the
 * transmitter is always empty again by the time the guest looks. */
#include <stdbool.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "yl/chardev.h"
#include "yl/clock.h"
#include "yl/device.h"
#include "yl/ioport.h"
#include "yl/machine.h"

enum { RBR_THR, IER, IIR_FCR, LCR, MCR, LSR, MSR, SCR };

#define IER_RDA 0x01
#define IER_THRE 0x02
#define IER_RLS 0x04
#define IER_MS 0x08
#define IIR_NONE 0x01
#define IIR_MS 0x00
#define IIR_THRE 0x02
#define IIR_RDA 0x04
#define IIR_RLS 0x06
#define IIR_TIMEOUT 0x0c
#define IIR_FIFO 0xc0
#define FCR_ENABLE 0x01
#define FCR_CLR_RX 0x02
#define LCR_DLAB 0x80
#define MCR_LOOP 0x10
#define LSR_DR 0x01
#define LSR_OE 0x02
#define LSR_PE 0x04
#define LSR_FE 0x08
#define LSR_BI 0x10
#define LSR_THRE 0x20
#define LSR_TEMT 0x40
#define LSR_RXERR 0x80
#define MSR_DELTAS 0x0f
#define MSR_CTS 0x10
#define MSR_DSR 0x20
#define MSR_RI 0x40
#define MSR_DCD 0x80

#define FIFO_SIZE 16

typedef struct Serial {
    Device dev;
    uint32_t iobase, irq;
    char *chardev_id;
    Machine *m;
    Chardev *chr;
    uint16_t divisor;
    uint8_t ier, lcr, mcr, lsr, msr, scr, fcr;
    uint8_t rx[FIFO_SIZE];
    int rx_head, rx_count;
    bool thre_pending;      /* THR empty interrupt, cleared by IIR read/THR write */
    bool timeout_pending;   /* FIFO character timeout */
    bool irq_level;
    Timer timeout_timer;
} Serial;

static bool fifo_on(const Serial *s) { return s->fcr & FCR_ENABLE; }

static int rx_trigger(const Serial *s)
{
    static const int levels[4] = { 1, 4, 8, 14 };
    return fifo_on(s) ? levels[s->fcr >> 6] : 1;
}

/* The highest-priority pending interrupt as IIR bits 3:0. */
static uint8_t serial_iir_id(const Serial *s)
{
    if ((s->ier & IER_RLS) && (s->lsr & (LSR_OE | LSR_PE | LSR_FE | LSR_BI)))
        return IIR_RLS;
    if ((s->ier & IER_RDA) && s->rx_count >= rx_trigger(s))
        return IIR_RDA;
    if ((s->ier & IER_RDA) && s->timeout_pending && s->rx_count)
        return IIR_TIMEOUT;
    if ((s->ier & IER_THRE) && s->thre_pending)
        return IIR_THRE;
    if ((s->ier & IER_MS) && (s->msr & MSR_DELTAS))
        return IIR_MS;
    return IIR_NONE;
}

static void serial_update_irq(Serial *s)
{
    bool level = serial_iir_id(s) != IIR_NONE;
    if (level != s->irq_level) {
        s->irq_level = level;
        irq_set(&s->m->isa_irq[s->irq], level);
    }
}

/* Four character times at the programmed speed and frame format. */
static int64_t char_time_ns(const Serial *s)
{
    int bits = 1 + 5 + (s->lcr & 3) + ((s->lcr & 8) ? 1 : 0) + ((s->lcr & 4) ? 2 : 1);
    uint32_t div = s->divisor ? s->divisor : 1;
    return (int64_t)bits * div * 16 * 1000000000 / 1843200;
}

static void serial_arm_timeout(Serial *s)
{
    s->timeout_pending = false;
    if (fifo_on(s) && s->rx_count)
        timer_mod(&s->timeout_timer, clock_ns(&s->m->clock) + 4 * char_time_ns(s));
    else
        timer_del(&s->timeout_timer);
}

static void serial_timeout_cb(void *opaque)
{
    Serial *s = opaque;
    s->timeout_pending = true;
    serial_update_irq(s);
}

static void rx_clear(Serial *s)
{
    s->rx_head = s->rx_count = 0;
    s->lsr &= ~(LSR_DR | LSR_RXERR);
    s->timeout_pending = false;
    timer_del(&s->timeout_timer);
}

static void rx_push(Serial *s, uint8_t b)
{
    int cap = fifo_on(s) ? FIFO_SIZE : 1;
    if (s->rx_count >= cap) {
        s->lsr |= LSR_OE;       /* the new character is lost */
        return;
    }
    s->rx[(s->rx_head + s->rx_count) % FIFO_SIZE] = b;
    s->rx_count++;
    s->lsr |= LSR_DR;
    serial_arm_timeout(s);
}

static uint8_t rx_pop(Serial *s)
{
    if (!s->rx_count)
        return 0;
    uint8_t b = s->rx[s->rx_head];
    s->rx_head = (s->rx_head + 1) % FIFO_SIZE;
    if (--s->rx_count == 0)
        s->lsr &= ~LSR_DR;
    serial_arm_timeout(s);
    return b;
}

static void transmit(Serial *s, uint8_t b)
{
    if (s->mcr & MCR_LOOP)
        rx_push(s, b);
    else
        chardev_write(s->chr, &b, 1);
    s->thre_pending = true;
}

/* In loopback the modem inputs follow the modem outputs. */
static void update_msr(Serial *s)
{
    uint8_t st;
    if (s->mcr & MCR_LOOP)
        st = (s->mcr & 2 ? MSR_CTS : 0) | (s->mcr & 1 ? MSR_DSR : 0)
           | (s->mcr & 4 ? MSR_RI : 0) | (s->mcr & 8 ? MSR_DCD : 0);
    else
        st = MSR_DCD | MSR_DSR | MSR_CTS;
    uint8_t old = s->msr & 0xf0, delta = 0;
    if ((old ^ st) & MSR_CTS) delta |= 1;
    if ((old ^ st) & MSR_DSR) delta |= 2;
    if ((old & MSR_RI) && !(st & MSR_RI)) delta |= 4;   /* trailing edge */
    if ((old ^ st) & MSR_DCD) delta |= 8;
    s->msr = st | (s->msr & MSR_DELTAS) | delta;
}

static void write_fcr(Serial *s, uint8_t val)
{
    if ((val ^ s->fcr) & FCR_ENABLE)
        rx_clear(s);        /* switching the FIFOs on or off empties them */
    else if (val & FCR_CLR_RX)
        rx_clear(s);
    s->fcr = val & 0xc9;
}

static uint32_t serial_read(void *opaque, uint16_t off, unsigned size)
{
    Serial *s = opaque;
    uint8_t v = 0xff;
    switch (off) {
    case RBR_THR:
        if (s->lcr & LCR_DLAB)
            return s->divisor & 0xff;
        v = rx_pop(s);
        break;
    case IER:
        return s->lcr & LCR_DLAB ? s->divisor >> 8 : s->ier;
    case IIR_FCR:
        v = serial_iir_id(s) | (fifo_on(s) ? IIR_FIFO : 0);
        if ((v & 0x0f) == IIR_THRE)
            s->thre_pending = false;
        break;
    case LCR: return s->lcr;
    case MCR: return s->mcr;
    case LSR:
        v = s->lsr;
        s->lsr &= ~(LSR_OE | LSR_PE | LSR_FE | LSR_BI | LSR_RXERR);
        break;
    case MSR:
        v = s->msr;
        s->msr &= ~MSR_DELTAS;
        break;
    case SCR: return s->scr;
    }
    serial_update_irq(s);
    return v;
}

static void serial_write(void *opaque, uint16_t off, uint32_t val, unsigned size)
{
    Serial *s = opaque;
    val &= 0xff;
    switch (off) {
    case RBR_THR:
        if (s->lcr & LCR_DLAB)
            s->divisor = (s->divisor & 0xff00) | val;
        else
            transmit(s, val);
        break;
    case IER:
        if (s->lcr & LCR_DLAB) {
            s->divisor = (s->divisor & 0xff) | val << 8;
        } else {
            /* Enabling the THRE interrupt with THR empty raises it. */
            if ((val & IER_THRE) && !(s->ier & IER_THRE))
                s->thre_pending = true;
            s->ier = val & 0x0f;
        }
        break;
    case IIR_FCR: write_fcr(s, val); break;
    case LCR: s->lcr = val; break;
    case MCR:
        s->mcr = val & 0x1f;
        update_msr(s);
        break;
    case SCR: s->scr = val; break;
    default: break;     /* LSR and MSR are read-only */
    }
    serial_update_irq(s);
}

static const IOPortOps serial_ops = { serial_read, serial_write };

static int serial_can_read(void *opaque)
{
    Serial *s = opaque;
    if (s->mcr & MCR_LOOP)
        return 0;
    return (fifo_on(s) ? FIFO_SIZE : 1) - s->rx_count;
}

static void serial_receive(void *opaque, const uint8_t *buf, int len)
{
    Serial *s = opaque;
    for (int i = 0; i < len; i++)
        rx_push(s, buf[i]);
    serial_update_irq(s);
}

static void serial_reset(Device *dev)
{
    Serial *s = (Serial *)dev;
    s->divisor = 12;        /* 9600 baud */
    s->ier = s->lcr = s->mcr = s->scr = s->fcr = 0;
    s->lsr = LSR_THRE | LSR_TEMT;
    s->msr = 0;
    update_msr(s);
    s->msr &= ~MSR_DELTAS;
    s->thre_pending = false;
    rx_clear(s);
    s->irq_level = true;    /* force the line low */
    serial_update_irq(s);
}

static void serial_destroy(Device *dev)
{
    Serial *s = (Serial *)dev;
    if (s->m)
        timer_del(&s->timeout_timer);
    if (s->chr)
        chardev_set_handlers(s->chr, NULL, NULL, NULL);
}

static int serial_realize(Device *dev, Machine *m, char *err, int errlen)
{
    Serial *s = (Serial *)dev;
    if (s->iobase + 8 > 0x10000 || s->irq > 15) {
        snprintf(err, errlen, "isa-serial: iobase 0x%x or irq %u out of range",
                 s->iobase, s->irq);
        return -1;
    }
    if (s->chardev_id) {
        s->chr = machine_find_chardev(m, s->chardev_id);
        if (!s->chr) {
            snprintf(err, errlen, "isa-serial: chardev '%s' not found", s->chardev_id);
            return -1;
        }
        if (s->chr->read) {
            snprintf(err, errlen, "isa-serial: chardev '%s' is already in use",
                     s->chardev_id);
            s->chr = NULL;
            return -1;
        }
    }
    if (ioport_register(&m->io, s->iobase, 8, &serial_ops, s) < 0) {
        snprintf(err, errlen, "isa-serial: I/O ports 0x%x-0x%x already in use",
                 s->iobase, s->iobase + 7);
        s->chr = NULL;
        return -1;
    }
    s->m = m;
    timer_init(&s->timeout_timer, &m->clock, serial_timeout_cb, s);
    if (s->chr)
        chardev_set_handlers(s->chr, serial_can_read, serial_receive, s);
    serial_reset(dev);
    return 0;
}

static const PropDesc serial_props[] = {
    { "iobase", PROP_U32, offsetof(Serial, iobase), "0x3f8" },
    { "irq", PROP_U32, offsetof(Serial, irq), "4" },
    { "chardev", PROP_CHARDEV, offsetof(Serial, chardev_id), NULL },
    { NULL },
};

const DeviceClass isa_serial_class = {
    .name = "isa-serial",
    .desc = "16550A UART",
    .instance_size = sizeof(Serial),
    .props = serial_props,
    .realize = serial_realize,
    .reset = serial_reset,
    .destroy = serial_destroy,
    .user_creatable = 1,
};
