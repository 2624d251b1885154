/* The i8042 keyboard controller at ports 0x60 (data) and 0x64 (status /
 * command), with a PS/2 keyboard (IRQ 1) and mouse (IRQ 12) behind it.
 * It also owns the output port lines that gate A20 and reset the CPU.
 * Written from the IBM PC AT / PS/2 keyboard controller descriptions. */
#include <stddef.h>
#include <string.h>

#include "hw/input/ps2.h"
#include "yl/device.h"
#include "yl/ioport.h"
#include "yl/machine.h"

/* Status register */
#define ST_OBF      0x01    /* output buffer full */
#define ST_SYS      0x04    /* system flag: self test passed */
#define ST_CMD      0x08    /* last write went to port 0x64 */
#define ST_UNLOCKED 0x10    /* keyboard not inhibited by the key lock */
#define ST_AUX_OBF  0x20    /* the output buffer holds mouse data */

/* Command byte (controller RAM byte 0) */
#define CB_KBD_INT  0x01
#define CB_AUX_INT  0x02
#define CB_SYS      0x04
#define CB_KBD_DIS  0x10
#define CB_AUX_DIS  0x20
#define CB_XLAT     0x40

/* Output port */
#define OP_RESET    0x01    /* low: CPU held in reset */
#define OP_A20      0x02
#define OP_KBD_OBF  0x10
#define OP_AUX_OBF  0x20

enum { SRC_KBD, SRC_AUX };

#define CTRL_QUEUE 4

typedef struct I8042 {
    Device dev;
    Machine *m;
    uint32_t kbd_irq, aux_irq;
    PS2Kbd kbd;
    PS2Mouse mouse;
    uint8_t ram[32];        /* ram[0] is the command byte */
    uint8_t out;            /* output buffer */
    bool obf;
    int out_src;
    bool last_write_cmd;
    uint8_t pending;        /* controller command awaiting its data byte */
    uint8_t outport;
    bool xlat_break;        /* translation saw F0: the next code is a break */
    bool in_update;
    /* The controller's own replies, and bytes injected with D2/D3. */
    uint8_t cq[CTRL_QUEUE], cq_src[CTRL_QUEUE];
    int cq_n;
} I8042;

static void i8042_irqs(I8042 *c)
{
    bool kbd = c->obf && c->out_src == SRC_KBD && (c->ram[0] & CB_KBD_INT);
    bool aux = c->obf && c->out_src == SRC_AUX && (c->ram[0] & CB_AUX_INT);
    irq_set(&c->m->isa_irq[c->kbd_irq], kbd);
    irq_set(&c->m->isa_irq[c->aux_irq], aux);
}

static void i8042_fill(I8042 *c, uint8_t b, int src)
{
    c->out = b;
    c->out_src = src;
    c->obf = true;
}

/* With translation on, set-2 bytes become set-1 bytes and F0 xx becomes
 * xx | 0x80.  Returns false when only an F0 was available. */
static bool i8042_pull_kbd(I8042 *c)
{
    while (ps2_kbd_pending(&c->kbd)) {
        uint8_t b = ps2_kbd_read(&c->kbd);
        if (!(c->ram[0] & CB_XLAT)) {
            i8042_fill(c, b, SRC_KBD);
            return true;
        }
        if (b == 0xf0) {
            c->xlat_break = true;
            continue;
        }
        b = ps2_translate(b) | (c->xlat_break ? 0x80 : 0);
        c->xlat_break = false;
        i8042_fill(c, b, SRC_KBD);
        return true;
    }
    return false;
}

static void i8042_pull(I8042 *c)
{
    if (c->cq_n) {
        i8042_fill(c, c->cq[0], c->cq_src[0]);
        c->cq_n--;
        memmove(c->cq, c->cq + 1, c->cq_n);
        memmove(c->cq_src, c->cq_src + 1, c->cq_n);
        return;
    }
    if (!(c->ram[0] & CB_KBD_DIS) && i8042_pull_kbd(c))
        return;
    if (!(c->ram[0] & CB_AUX_DIS) && ps2_mouse_pending(&c->mouse))
        i8042_fill(c, ps2_mouse_read(&c->mouse), SRC_AUX);
}

/* Refills an empty output buffer.  Devices call back in here (notify) while
 * being read; those nested calls must not pull a second byte. */
static void i8042_update(I8042 *c)
{
    if (c->in_update)
        return;
    c->in_update = true;
    if (!c->obf)
        i8042_pull(c);
    c->in_update = false;
    i8042_irqs(c);
}

static void i8042_notify(void *opaque)
{
    i8042_update(opaque);
}

static void i8042_reply(I8042 *c, uint8_t b, int src)
{
    if (c->cq_n < CTRL_QUEUE) {
        c->cq[c->cq_n] = b;
        c->cq_src[c->cq_n++] = src;
    }
    i8042_update(c);
}

static void i8042_set_outport(I8042 *c, uint8_t val)
{
    c->outport = val;
    if (c->m->ncpus)
        machine_set_a20(c->m, val & OP_A20);
    if (!(val & OP_RESET))
        machine_request_reset(c->m);
}

static uint8_t i8042_read_outport(I8042 *c)
{
    uint8_t v = c->outport & ~(OP_KBD_OBF | OP_AUX_OBF);
    if (c->obf)
        v |= c->out_src == SRC_AUX ? OP_AUX_OBF : OP_KBD_OBF;
    return v;
}

static void i8042_command(I8042 *c, uint8_t cmd)
{
    if (cmd >= 0x20 && cmd < 0x40) {
        i8042_reply(c, c->ram[cmd & 0x1f], SRC_KBD);
        return;
    }
    if ((cmd >= 0x60 && cmd < 0x80) || (cmd >= 0xd1 && cmd <= 0xd4)) {
        c->pending = cmd;
        return;
    }
    if (cmd >= 0xf0) {
        /* Pulse output port bits 0-3 low where cmd has 0s: bit 0 resets. */
        if (!(cmd & 1))
            machine_request_reset(c->m);
        return;
    }
    switch (cmd) {
    case 0xa7: c->ram[0] |= CB_AUX_DIS; break;
    case 0xa8: c->ram[0] &= ~CB_AUX_DIS; break;
    case 0xa9: i8042_reply(c, 0x00, SRC_KBD); break;    /* aux lines OK */
    case 0xaa:      /* self test: passes, and leaves both interfaces inhibited */
        c->ram[0] |= CB_SYS | CB_KBD_DIS | CB_AUX_DIS;
        i8042_reply(c, 0x55, SRC_KBD);
        break;
    case 0xab: i8042_reply(c, 0x00, SRC_KBD); break;    /* kbd lines OK */
    case 0xad: c->ram[0] |= CB_KBD_DIS; break;
    case 0xae: c->ram[0] &= ~CB_KBD_DIS; break;
    case 0xc0: i8042_reply(c, 0x80, SRC_KBD); break;    /* input port: unlocked */
    case 0xd0: i8042_reply(c, i8042_read_outport(c), SRC_KBD); break;
    case 0xdd: i8042_set_outport(c, c->outport & ~OP_A20); break;
    case 0xdf: i8042_set_outport(c, c->outport | OP_A20); break;
    case 0xe0: i8042_reply(c, 0x00, SRC_KBD); break;    /* test inputs */
    default:
        yl_log_mask(&c->m->log, LOG_UNIMP, "i8042: unimplemented command 0x%02x\n", cmd);
        break;
    }
    i8042_update(c);    /* enabling an interface may let data through */
}

static void i8042_data(I8042 *c, uint8_t val)
{
    uint8_t cmd = c->pending;
    c->pending = 0;
    if (cmd >= 0x60 && cmd < 0x80) {
        c->ram[cmd & 0x1f] = val;
        i8042_update(c);
        return;
    }
    switch (cmd) {
    case 0xd1: i8042_set_outport(c, val); break;
    case 0xd2: i8042_reply(c, val, SRC_KBD); break;
    case 0xd3: i8042_reply(c, val, SRC_AUX); break;
    case 0xd4:
        c->ram[0] &= ~CB_AUX_DIS;   /* talking to the mouse enables its clock */
        ps2_mouse_write(&c->mouse, val);
        break;
    default:    /* no command pending: the byte goes to the keyboard */
        c->ram[0] &= ~CB_KBD_DIS;
        ps2_kbd_write(&c->kbd, val);
        break;
    }
    i8042_update(c);
}

static uint32_t i8042_status_read(void *opaque, uint16_t off, unsigned size)
{
    I8042 *c = opaque;
    uint8_t st = ST_UNLOCKED | (c->ram[0] & CB_SYS ? ST_SYS : 0)
        | (c->last_write_cmd ? ST_CMD : 0);
    if (c->obf)
        st |= ST_OBF | (c->out_src == SRC_AUX ? ST_AUX_OBF : 0);
    return st;
}

static void i8042_command_write(void *opaque, uint16_t off, uint32_t val, unsigned size)
{
    I8042 *c = opaque;
    c->last_write_cmd = true;
    i8042_command(c, val);
}

/* Reading takes the byte out; the next queued one moves in at once. */
static uint32_t i8042_data_read(void *opaque, uint16_t off, unsigned size)
{
    I8042 *c = opaque;
    uint8_t b = c->out;
    c->obf = false;
    i8042_irqs(c);      /* the line drops, so a refill is a new edge */
    i8042_update(c);
    return b;
}

static void i8042_data_write(void *opaque, uint16_t off, uint32_t val, unsigned size)
{
    I8042 *c = opaque;
    c->last_write_cmd = false;
    i8042_data(c, val);
}

static const IOPortOps i8042_data_ops = { i8042_data_read, i8042_data_write };
static const IOPortOps i8042_cmd_ops = { i8042_status_read, i8042_command_write };

static void i8042_key(void *opaque, int qcode, bool down)
{
    I8042 *c = opaque;
    ps2_kbd_key(&c->kbd, qcode, down);
}

static void i8042_mouse(void *opaque, int dx, int dy, int dz, unsigned buttons)
{
    I8042 *c = opaque;
    ps2_mouse_event(&c->mouse, dx, dy, dz, buttons);
}

static void i8042_reset(Device *dev)
{
    I8042 *c = (I8042 *)dev;
    memset(c->ram, 0, sizeof(c->ram));
    /* What a BIOS leaves: translation, keyboard interrupt, mouse off. */
    c->ram[0] = CB_XLAT | CB_AUX_DIS | CB_KBD_INT;
    c->obf = false;
    c->out = 0;
    c->last_write_cmd = false;
    c->pending = 0;
    c->outport = 0xc0 | OP_A20 | OP_RESET;
    c->xlat_break = false;
    c->cq_n = 0;
    ps2_kbd_reset(&c->kbd);
    ps2_mouse_reset(&c->mouse);
    i8042_irqs(c);
}

static int i8042_realize(Device *dev, Machine *m, char *err, int errlen)
{
    I8042 *c = (I8042 *)dev;
    c->m = m;
    if (c->kbd_irq > 15 || c->aux_irq > 15) {
        snprintf(err, errlen, "i8042: IRQ out of range (0-15)");
        return -1;
    }
    if (ioport_register(&m->io, 0x60, 1, &i8042_data_ops, c) < 0
        || ioport_register(&m->io, 0x64, 1, &i8042_cmd_ops, c) < 0) {
        snprintf(err, errlen, "i8042: I/O port 0x60 or 0x64 already in use");
        return -1;
    }
    ps2_kbd_init(&c->kbd, i8042_notify, c);
    ps2_mouse_init(&c->mouse, i8042_notify, c);
    input_register_keyboard(m, i8042_key, c);
    input_register_mouse(m, i8042_mouse, c);
    i8042_reset(dev);
    return 0;
}

static const PropDesc i8042_props[] = {
    { "kbd-irq", PROP_U32, offsetof(I8042, kbd_irq), "1" },
    { "aux-irq", PROP_U32, offsetof(I8042, aux_irq), "12" },
    { NULL },
};

const DeviceClass i8042_class = {
    .name = "i8042",
    .desc = "i8042 keyboard controller with PS/2 keyboard and mouse",
    .instance_size = sizeof(I8042),
    .props = i8042_props,
    .realize = i8042_realize,
    .reset = i8042_reset,
};
