/* Input routing: UIs hand qcodes and mouse steps to whichever keyboard and
 * mouse devices the machine registered. */
#include <stddef.h>
#include <string.h>

#include "yl/input.h"
#include "yl/machine.h"

#define INPUT_QCODE_NAME_(e, s) [Q_KEY_##e] = s,
static const char *const qcode_names[Q_KEY__MAX] = { INPUT_QCODES(INPUT_QCODE_NAME_) };
#undef INPUT_QCODE_NAME_

int input_qcode_from_name(const char *name)
{
    if (!name)
        return -1;
    for (int i = 0; i < Q_KEY__MAX; i++)
        if (!strcmp(qcode_names[i], name))
            return i;
    return -1;
}

const char *input_qcode_name(int qcode)
{
    return qcode >= 0 && qcode < Q_KEY__MAX ? qcode_names[qcode] : NULL;
}

void input_key(Machine *m, int qcode, bool down)
{
    if (qcode <= Q_KEY_UNMAPPED || qcode >= Q_KEY__MAX || !m->input.key)
        return;
    m->input.key(m->input.key_opaque, qcode, down);
}

void input_mouse_rel(Machine *m, int dx, int dy, int dz, unsigned buttons)
{
    if (m->input.mouse)
        m->input.mouse(m->input.mouse_opaque, dx, dy, dz, buttons);
}

void input_register_keyboard(Machine *m, void (*key)(void *, int, bool), void *opaque)
{
    m->input.key = key;
    m->input.key_opaque = opaque;
}

void input_register_mouse(Machine *m, void (*mouse)(void *, int, int, int, unsigned),
                          void *opaque)
{
    m->input.mouse = mouse;
    m->input.mouse_opaque = opaque;
}
