/* Keyboard and mouse input.  UIs (SDL, VNC, the monitor's sendkey) deliver
 * keys as qcodes -- QEMU's QKeyCode names, a public interface users type in
 * `sendkey ctrl-alt-delete` -- and mouse motion as relative steps.  Never as
 * SDL or other UI types.  The emulated keyboard (hw/input/ps2.c behind the
 * i8042) turns qcodes into scancodes. */
#ifndef YL_INPUT_H
#define YL_INPUT_H

#include <stdbool.h>

struct Machine;

/* QC_(ENUM, "qcode name"), in QEMU's QKeyCode order. */
#define INPUT_QCODES(QC_) \
    QC_(UNMAPPED, "unmapped") QC_(SHIFT, "shift") QC_(SHIFT_R, "shift_r") \
    QC_(ALT, "alt") QC_(ALT_R, "alt_r") QC_(CTRL, "ctrl") QC_(CTRL_R, "ctrl_r") \
    QC_(MENU, "menu") QC_(ESC, "esc") \
    QC_(1, "1") QC_(2, "2") QC_(3, "3") QC_(4, "4") QC_(5, "5") QC_(6, "6") QC_(7, "7") \
    QC_(8, "8") QC_(9, "9") QC_(0, "0") \
    QC_(MINUS, "minus") QC_(EQUAL, "equal") QC_(BACKSPACE, "backspace") QC_(TAB, "tab") \
    QC_(Q, "q") QC_(W, "w") QC_(E, "e") QC_(R, "r") QC_(T, "t") QC_(Y, "y") QC_(U, "u") \
    QC_(I, "i") QC_(O, "o") QC_(P, "p") \
    QC_(BRACKET_LEFT, "bracket_left") QC_(BRACKET_RIGHT, "bracket_right") QC_(RET, "ret") \
    QC_(A, "a") QC_(S, "s") QC_(D, "d") QC_(F, "f") QC_(G, "g") QC_(H, "h") QC_(J, "j") \
    QC_(K, "k") QC_(L, "l") \
    QC_(SEMICOLON, "semicolon") QC_(APOSTROPHE, "apostrophe") \
    QC_(GRAVE_ACCENT, "grave_accent") QC_(BACKSLASH, "backslash") \
    QC_(Z, "z") QC_(X, "x") QC_(C, "c") QC_(V, "v") QC_(B, "b") QC_(N, "n") QC_(M, "m") \
    QC_(COMMA, "comma") QC_(DOT, "dot") QC_(SLASH, "slash") QC_(ASTERISK, "asterisk") \
    QC_(SPC, "spc") QC_(CAPS_LOCK, "caps_lock") \
    QC_(F1, "f1") QC_(F2, "f2") QC_(F3, "f3") QC_(F4, "f4") QC_(F5, "f5") QC_(F6, "f6") \
    QC_(F7, "f7") QC_(F8, "f8") QC_(F9, "f9") QC_(F10, "f10") \
    QC_(NUM_LOCK, "num_lock") QC_(SCROLL_LOCK, "scroll_lock") \
    QC_(KP_DIVIDE, "kp_divide") QC_(KP_MULTIPLY, "kp_multiply") \
    QC_(KP_SUBTRACT, "kp_subtract") QC_(KP_ADD, "kp_add") QC_(KP_ENTER, "kp_enter") \
    QC_(KP_DECIMAL, "kp_decimal") QC_(SYSRQ, "sysrq") \
    QC_(KP_0, "kp_0") QC_(KP_1, "kp_1") QC_(KP_2, "kp_2") QC_(KP_3, "kp_3") \
    QC_(KP_4, "kp_4") QC_(KP_5, "kp_5") QC_(KP_6, "kp_6") QC_(KP_7, "kp_7") \
    QC_(KP_8, "kp_8") QC_(KP_9, "kp_9") \
    QC_(LESS, "less") QC_(F11, "f11") QC_(F12, "f12") QC_(PRINT, "print") \
    QC_(HOME, "home") QC_(PGUP, "pgup") QC_(PGDN, "pgdn") QC_(END, "end") \
    QC_(LEFT, "left") QC_(UP, "up") QC_(DOWN, "down") QC_(RIGHT, "right") \
    QC_(INSERT, "insert") QC_(DELETE, "delete") \
    QC_(STOP, "stop") QC_(AGAIN, "again") QC_(PROPS, "props") QC_(UNDO, "undo") \
    QC_(FRONT, "front") QC_(COPY, "copy") QC_(OPEN, "open") QC_(PASTE, "paste") \
    QC_(FIND, "find") QC_(CUT, "cut") QC_(LF, "lf") QC_(HELP, "help") \
    QC_(META_L, "meta_l") QC_(META_R, "meta_r") QC_(COMPOSE, "compose") \
    QC_(PAUSE, "pause") QC_(RO, "ro") QC_(HIRAGANA, "hiragana") QC_(HENKAN, "henkan") \
    QC_(YEN, "yen") QC_(MUHENKAN, "muhenkan") QC_(KATAKANAHIRAGANA, "katakanahiragana") \
    QC_(KP_COMMA, "kp_comma") QC_(KP_EQUALS, "kp_equals") QC_(POWER, "power") \
    QC_(SLEEP, "sleep") QC_(WAKE, "wake") QC_(AUDIONEXT, "audionext") \
    QC_(AUDIOPREV, "audioprev") QC_(AUDIOSTOP, "audiostop") QC_(AUDIOPLAY, "audioplay") \
    QC_(AUDIOMUTE, "audiomute") QC_(VOLUMEUP, "volumeup") QC_(VOLUMEDOWN, "volumedown") \
    QC_(MEDIASELECT, "mediaselect") QC_(MAIL, "mail") QC_(CALCULATOR, "calculator") \
    QC_(COMPUTER, "computer") QC_(AC_HOME, "ac_home") QC_(AC_BACK, "ac_back") \
    QC_(AC_FORWARD, "ac_forward") QC_(AC_REFRESH, "ac_refresh") \
    QC_(AC_BOOKMARKS, "ac_bookmarks") QC_(LANG1, "lang1") QC_(LANG2, "lang2") \
    QC_(F13, "f13") QC_(F14, "f14") QC_(F15, "f15") QC_(F16, "f16") QC_(F17, "f17") \
    QC_(F18, "f18") QC_(F19, "f19") QC_(F20, "f20") QC_(F21, "f21") QC_(F22, "f22") \
    QC_(F23, "f23") QC_(F24, "f24")

#define INPUT_QCODE_ENUM_(e, s) Q_KEY_##e,
typedef enum QKeyCode { INPUT_QCODES(INPUT_QCODE_ENUM_) Q_KEY__MAX } QKeyCode;
#undef INPUT_QCODE_ENUM_

/* "ctrl" -> Q_KEY_CTRL; -1 for an unknown name.  Case-sensitive, as QEMU. */
int input_qcode_from_name(const char *name);
/* Q_KEY_CTRL -> "ctrl"; NULL when out of range. */
const char *input_qcode_name(int qcode);

/* Mouse buttons, as the `buttons` bit mask of input_mouse_rel(). */
#define INPUT_BTN_LEFT   0x01
#define INPUT_BTN_RIGHT  0x02
#define INPUT_BTN_MIDDLE 0x04

/* Where input goes: the machine's keyboard and mouse devices register
 * these in m->input at realize (one of each; the last one wins). */
typedef struct InputHandlers {
    void (*key)(void *opaque, int qcode, bool down);
    void *key_opaque;
    void (*mouse)(void *opaque, int dx, int dy, int dz, unsigned buttons);
    void *mouse_opaque;
} InputHandlers;

/* A key went down or up.  Unknown qcodes and a machine without a keyboard
 * are ignored.  Auto-repeat is the caller's business: send more downs. */
void input_key(struct Machine *m, int qcode, bool down);
/* Relative mouse motion: dx > 0 right, dy > 0 down (screen direction),
 * dz > 0 wheel turned toward the user (scroll down); buttons is the full
 * current INPUT_BTN_* state, not a change. */
void input_mouse_rel(struct Machine *m, int dx, int dy, int dz, unsigned buttons);

void input_register_keyboard(struct Machine *m,
                             void (*key)(void *opaque, int qcode, bool down),
                             void *opaque);
void input_register_mouse(struct Machine *m,
                          void (*mouse)(void *opaque, int dx, int dy, int dz,
                                        unsigned buttons),
                          void *opaque);

#endif
