/* The PS/2 keyboard (scancode sets 1 and 2) and mouse (with the IntelliMouse
 * wheel extension), written from the IBM PS/2 technical reference command
 * lists.  Both answer each command byte at once: there is no wire timing. */
#include <string.h>

#include "hw/input/ps2.h"

#define PS2_ACK 0xfa
#define PS2_RESEND 0xfe
#define PS2_BAT_OK 0xaa
#define PS2_ECHO 0xee

/* ---- byte queue ------------------------------------------------------- */

static int queue_room(const PS2Queue *q)
{
    return PS2_QUEUE_SIZE - q->count;
}

static void queue_push(PS2Queue *q, uint8_t b)
{
    if (q->count == PS2_QUEUE_SIZE)
        return;
    q->data[(q->rptr + q->count++) % PS2_QUEUE_SIZE] = b;
}

static uint8_t queue_pop(PS2Queue *q)
{
    if (!q->count)
        return 0;
    uint8_t b = q->data[q->rptr];
    q->rptr = (q->rptr + 1) % PS2_QUEUE_SIZE;
    q->count--;
    return b;
}

static void queue_clear(PS2Queue *q)
{
    q->rptr = q->count = 0;
}

/* ---- keyboard --------------------------------------------------------- */

static void kbd_defaults(PS2Kbd *k)
{
    k->scancode_set = 2;
    k->typematic = 0x2b;    /* 10.9 characters/s after 500 ms */
    k->leds = 0;
    k->pending_cmd = 0;
}

void ps2_kbd_reset(PS2Kbd *k)
{
    queue_clear(&k->q);
    kbd_defaults(k);
    k->scanning = true;
    k->last = 0;
}

void ps2_kbd_init(PS2Kbd *k, PS2Notify notify, void *opaque)
{
    memset(k, 0, sizeof(*k));
    k->notify = notify;
    k->opaque = opaque;
    ps2_kbd_reset(k);
}

static void kbd_reply(PS2Kbd *k, const uint8_t *bytes, int n)
{
    for (int i = 0; i < n; i++)
        queue_push(&k->q, bytes[i]);
    if (n && k->notify)
        k->notify(k->opaque);
}

static void kbd_ack(PS2Kbd *k)
{
    kbd_reply(k, (const uint8_t[]){ PS2_ACK }, 1);
}

/* The parameter byte of ED (LEDs), F3 (typematic) or F0 (scancode set). */
static void kbd_param(PS2Kbd *k, uint8_t cmd, uint8_t b)
{
    k->pending_cmd = 0;
    switch (cmd) {
    case 0xed:
        k->leds = b & 7;
        kbd_ack(k);
        break;
    case 0xf3:
        k->typematic = b & 0x7f;
        kbd_ack(k);
        break;
    case 0xf0:
        if (b == 0) {
            kbd_reply(k, (const uint8_t[]){ PS2_ACK, k->scancode_set }, 2);
        } else if (b <= 3) {
            k->scancode_set = b;
            kbd_ack(k);
        } else {
            kbd_reply(k, (const uint8_t[]){ PS2_RESEND }, 1);
        }
        break;
    default:    /* set-3 key lists (FB-FD): every key byte is acknowledged */
        k->pending_cmd = cmd;
        kbd_ack(k);
        break;
    }
}

static void kbd_command(PS2Kbd *k, uint8_t cmd)
{
    switch (cmd) {
    case 0xff:      /* reset: self test passed */
        ps2_kbd_reset(k);
        kbd_reply(k, (const uint8_t[]){ PS2_ACK, PS2_BAT_OK }, 2);
        break;
    case 0xfe:
        kbd_reply(k, &k->last, 1);
        break;
    case 0xf6:      /* defaults; scanning goes on as it was */
    case 0xf5:      /* defaults and stop scanning */
        queue_clear(&k->q);
        kbd_defaults(k);
        k->scanning = cmd == 0xf6 ? k->scanning : false;
        kbd_ack(k);
        break;
    case 0xf4:
        queue_clear(&k->q);
        k->scanning = true;
        kbd_ack(k);
        break;
    case 0xf2:
        kbd_reply(k, (const uint8_t[]){ PS2_ACK, 0xab, 0x83 }, 3);
        break;
    case 0xee:
        kbd_reply(k, (const uint8_t[]){ PS2_ECHO }, 1);
        break;
    case 0xed: case 0xf3: case 0xf0: case 0xfb: case 0xfc: case 0xfd:
        k->pending_cmd = cmd;
        kbd_ack(k);
        break;
    case 0xf7: case 0xf8: case 0xf9: case 0xfa:     /* set-3 key types */
        kbd_ack(k);
        break;
    default:
        kbd_reply(k, (const uint8_t[]){ PS2_RESEND }, 1);
        break;
    }
}

void ps2_kbd_write(PS2Kbd *k, uint8_t b)
{
    /* Parameters are below 0xED; a command byte there starts a new command. */
    if (k->pending_cmd && b < 0xed)
        kbd_param(k, k->pending_cmd, b);
    else {
        k->pending_cmd = 0;
        kbd_command(k, b);
    }
}

/* Fills seq with the bytes of a key's make or break code; returns the count. */
static int kbd_sequence(const PS2Kbd *k, int qcode, bool down, uint8_t *seq)
{
    int set = k->scancode_set == 1 ? 1 : 2;
    int n = 0;
    if (qcode == Q_KEY_PAUSE) {
        static const uint8_t p1[] = { 0xe1, 0x1d, 0x45, 0xe1, 0x9d, 0xc5 };
        static const uint8_t p2[] = { 0xe1, 0x14, 0x77, 0xe1, 0xf0, 0x14, 0xf0, 0x77 };
        if (!down)
            return 0;   /* Pause has no break code */
        memcpy(seq, set == 1 ? p1 : p2, set == 1 ? sizeof(p1) : sizeof(p2));
        return set == 1 ? sizeof(p1) : sizeof(p2);
    }
    uint16_t code = ps2_keymap_code(qcode, set);
    if (!code)
        return 0;
    if (code >> 8)
        seq[n++] = code >> 8;
    if (set == 1) {
        seq[n++] = (code & 0xff) | (down ? 0 : 0x80);
    } else {
        if (!down)
            seq[n++] = 0xf0;
        seq[n++] = code & 0xff;
    }
    return n;
}

void ps2_kbd_key(PS2Kbd *k, int qcode, bool down)
{
    uint8_t seq[8];
    if (!k->scanning)
        return;
    int n = kbd_sequence(k, qcode, down, seq);
    if (!n)
        return;
    if (queue_room(&k->q) >= n + 1) {
        kbd_reply(k, seq, n);
    } else if (queue_room(&k->q) >= 1) {
        /* Buffer overrun: one error code in place of everything lost. */
        uint8_t overrun = k->scancode_set == 1 ? 0xff : 0x00;
        kbd_reply(k, &overrun, 1);
    }
}

bool ps2_kbd_pending(const PS2Kbd *k)
{
    return k->q.count > 0;
}

uint8_t ps2_kbd_read(PS2Kbd *k)
{
    if (k->q.count)
        k->last = queue_pop(&k->q);
    return k->last;
}

/* ---- mouse ------------------------------------------------------------ */

static void mouse_defaults(PS2Mouse *ms)
{
    ms->sample_rate = 100;
    ms->resolution = 2;     /* 4 counts/mm */
    ms->scaling21 = false;
    ms->remote = false;
    ms->reporting = false;
    ms->dx = ms->dy = ms->dz = 0;
    ms->buttons_changed = false;
}

void ps2_mouse_reset(PS2Mouse *ms)
{
    queue_clear(&ms->q);
    mouse_defaults(ms);
    ms->id = 0;
    ms->wrap = false;
    ms->pending_cmd = 0;
    ms->last = 0;
    memset(ms->rate_hist, 0, sizeof(ms->rate_hist));
}

void ps2_mouse_init(PS2Mouse *ms, PS2Notify notify, void *opaque)
{
    memset(ms, 0, sizeof(*ms));
    ms->notify = notify;
    ms->opaque = opaque;
    ps2_mouse_reset(ms);
}

static void mouse_reply(PS2Mouse *ms, const uint8_t *bytes, int n)
{
    for (int i = 0; i < n; i++)
        queue_push(&ms->q, bytes[i]);
    if (n && ms->notify)
        ms->notify(ms->opaque);
}

static void mouse_ack(PS2Mouse *ms)
{
    mouse_reply(ms, (const uint8_t[]){ PS2_ACK }, 1);
}

static int packet_size(const PS2Mouse *ms)
{
    return ms->id == 3 ? 4 : 3;
}

/* 2:1 scaling (stream mode only) as the reference gives it. */
static int scale21(int d)
{
    static const int small[6] = { 0, 1, 1, 3, 6, 9 };
    int a = d < 0 ? -d : d;
    int s = a < 6 ? small[a] : 2 * a;
    return d < 0 ? -s : s;
}

/* A 9-bit two's complement counter: out-of-range movement saturates and
 * sets the overflow bit; the counters restart after every packet. */
static int clamp9(int d, bool *overflow)
{
    *overflow = d > 255 || d < -256;
    return d > 255 ? 255 : d < -256 ? -256 : d;
}

static void mouse_packet(PS2Mouse *ms, bool stream)
{
    int dx = stream && ms->scaling21 ? scale21(ms->dx) : ms->dx;
    int dy = stream && ms->scaling21 ? scale21(ms->dy) : ms->dy;
    bool ox, oy;
    dx = clamp9(dx, &ox);
    dy = clamp9(dy, &oy);
    uint8_t p[4];
    p[0] = 0x08 | (ms->buttons & INPUT_BTN_LEFT ? 0x01 : 0)
        | (ms->buttons & INPUT_BTN_RIGHT ? 0x02 : 0)
        | (ms->buttons & INPUT_BTN_MIDDLE ? 0x04 : 0)
        | (dx < 0 ? 0x10 : 0) | (dy < 0 ? 0x20 : 0)
        | (ox ? 0x40 : 0) | (oy ? 0x80 : 0);
    p[1] = dx & 0xff;
    p[2] = dy & 0xff;
    p[3] = (ms->dz > 7 ? 7 : ms->dz < -8 ? -8 : ms->dz) & 0xff;
    ms->dx = ms->dy = ms->dz = 0;
    ms->buttons_changed = false;
    mouse_reply(ms, p, packet_size(ms));
}

/* Stream mode sends what has accumulated once the queue has room. */
static void mouse_flush(PS2Mouse *ms)
{
    if (!ms->reporting || ms->remote || ms->wrap)
        return;
    if (!(ms->dx || ms->dy || ms->dz || ms->buttons_changed))
        return;
    if (queue_room(&ms->q) >= packet_size(ms))
        mouse_packet(ms, true);
}

void ps2_mouse_event(PS2Mouse *ms, int dx, int dy, int dz, unsigned buttons)
{
    if (!ms->remote && !ms->reporting)
        return;     /* a disabled mouse in stream mode keeps no counts */
    ms->dx += dx;
    ms->dy -= dy;   /* PS/2 Y grows upward */
    ms->dz += ms->id == 3 ? dz : 0;
    if ((buttons & 7) != ms->buttons) {
        ms->buttons = buttons & 7;
        ms->buttons_changed = true;
    }
    mouse_flush(ms);
}

/* The IntelliMouse knock: sample rates 200, 100, 80 in a row turn on the
 * wheel, and Identify answers 3 from then on. */
static void mouse_set_rate(PS2Mouse *ms, uint8_t rate)
{
    ms->sample_rate = rate;
    ms->rate_hist[0] = ms->rate_hist[1];
    ms->rate_hist[1] = ms->rate_hist[2];
    ms->rate_hist[2] = rate;
    if (ms->rate_hist[0] == 200 && ms->rate_hist[1] == 100 && ms->rate_hist[2] == 80)
        ms->id = 3;
}

static void mouse_param(PS2Mouse *ms, uint8_t cmd, uint8_t b)
{
    ms->pending_cmd = 0;
    if (cmd == 0xf3)
        mouse_set_rate(ms, b);
    else
        ms->resolution = b & 3;
    mouse_ack(ms);
}

static void mouse_status(PS2Mouse *ms)
{
    uint8_t st = (ms->remote ? 0x40 : 0) | (ms->reporting ? 0x20 : 0)
        | (ms->scaling21 ? 0x10 : 0)
        | (ms->buttons & INPUT_BTN_LEFT ? 0x04 : 0)
        | (ms->buttons & INPUT_BTN_MIDDLE ? 0x02 : 0)
        | (ms->buttons & INPUT_BTN_RIGHT ? 0x01 : 0);
    mouse_reply(ms, (const uint8_t[]){ PS2_ACK, st, ms->resolution, ms->sample_rate }, 4);
}

static void mouse_command(PS2Mouse *ms, uint8_t cmd)
{
    switch (cmd) {
    case 0xff:
        ps2_mouse_reset(ms);
        mouse_reply(ms, (const uint8_t[]){ PS2_ACK, PS2_BAT_OK, 0x00 }, 3);
        return;
    case 0xfe:
        mouse_reply(ms, &ms->last, 1);
        return;
    case 0xf6: mouse_defaults(ms); break;
    case 0xf5: ms->reporting = false; ms->dx = ms->dy = ms->dz = 0; break;
    case 0xf4: ms->reporting = true; ms->dx = ms->dy = ms->dz = 0; break;
    case 0xf3: case 0xe8: ms->pending_cmd = cmd; break;
    case 0xf2:
        ms->dx = ms->dy = ms->dz = 0;
        mouse_reply(ms, (const uint8_t[]){ PS2_ACK, ms->id }, 2);
        return;
    case 0xf0: ms->remote = true; ms->dx = ms->dy = ms->dz = 0; break;
    case 0xee: ms->wrap = true; ms->dx = ms->dy = ms->dz = 0; break;
    case 0xec: ms->wrap = false; ms->dx = ms->dy = ms->dz = 0; break;
    case 0xeb:
        mouse_ack(ms);
        mouse_packet(ms, false);
        return;
    case 0xea: ms->remote = false; ms->dx = ms->dy = ms->dz = 0; break;
    case 0xe9: mouse_status(ms); return;
    case 0xe7: ms->scaling21 = true; break;
    case 0xe6: ms->scaling21 = false; break;
    default:
        mouse_reply(ms, (const uint8_t[]){ PS2_RESEND }, 1);
        return;
    }
    mouse_ack(ms);
}

void ps2_mouse_write(PS2Mouse *ms, uint8_t b)
{
    if (ms->wrap && b != 0xec && b != 0xff) {
        mouse_reply(ms, &b, 1);     /* wrap mode echoes */
        return;
    }
    if (ms->pending_cmd)
        mouse_param(ms, ms->pending_cmd, b);
    else
        mouse_command(ms, b);
}

bool ps2_mouse_pending(const PS2Mouse *ms)
{
    return ms->q.count > 0;
}

uint8_t ps2_mouse_read(PS2Mouse *ms)
{
    if (ms->q.count)
        ms->last = queue_pop(&ms->q);
    if (!ms->q.count)
        mouse_flush(ms);
    return ms->last;
}
