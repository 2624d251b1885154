/* PS/2 keyboard and mouse, as the i8042 sees them: each takes bytes from
 * the controller (commands) and queues bytes for it (replies, scancodes,
 * packets).  The controller is told through notify() whenever a device's
 * queue gains bytes, and pulls them with ps2_*_read(). */
#ifndef YL_HW_PS2_H
#define YL_HW_PS2_H

#include <stdbool.h>
#include <stdint.h>

#include "yl/input.h"

#define PS2_QUEUE_SIZE 16

typedef struct PS2Queue {
    uint8_t data[PS2_QUEUE_SIZE];
    int rptr, count;
} PS2Queue;

typedef void (*PS2Notify)(void *opaque);

typedef struct PS2Kbd {
    PS2Queue q;
    PS2Notify notify;
    void *opaque;
    uint8_t pending_cmd;    /* command waiting for its parameter byte, or 0 */
    uint8_t last;           /* last byte sent, for Resend */
    uint8_t scancode_set;   /* 1, 2 or 3 (3 is accepted, sent as set 2) */
    uint8_t leds;
    uint8_t typematic;
    bool scanning;
} PS2Kbd;

typedef struct PS2Mouse {
    PS2Queue q;
    PS2Notify notify;
    void *opaque;
    uint8_t pending_cmd;
    uint8_t last;
    uint8_t id;             /* 0, or 3 for IntelliMouse (wheel) */
    uint8_t rate_hist[3];   /* last sample rates, for the IntelliMouse knock */
    uint8_t sample_rate, resolution;
    bool scaling21, remote, wrap, reporting;
    int dx, dy, dz;         /* motion not yet reported (PS/2 axes) */
    unsigned buttons;       /* INPUT_BTN_* */
    bool buttons_changed;
} PS2Mouse;

void ps2_kbd_init(PS2Kbd *k, PS2Notify notify, void *opaque);
void ps2_kbd_reset(PS2Kbd *k);
void ps2_kbd_write(PS2Kbd *k, uint8_t byte);
void ps2_kbd_key(PS2Kbd *k, int qcode, bool down);
bool ps2_kbd_pending(const PS2Kbd *k);
uint8_t ps2_kbd_read(PS2Kbd *k);

void ps2_mouse_init(PS2Mouse *ms, PS2Notify notify, void *opaque);
void ps2_mouse_reset(PS2Mouse *ms);
void ps2_mouse_write(PS2Mouse *ms, uint8_t byte);
void ps2_mouse_event(PS2Mouse *ms, int dx, int dy, int dz, unsigned buttons);
bool ps2_mouse_pending(const PS2Mouse *ms);
uint8_t ps2_mouse_read(PS2Mouse *ms);

/* ps2_keymap.c: the make code of qcode in set 1 or 2 (0xE0xx for E0 keys,
 * 0 for none), and the 8042's set-2 -> set-1 translation of one byte. */
uint16_t ps2_keymap_code(int qcode, int set);
uint8_t ps2_translate(uint8_t set2_byte);

#endif
