/* Interrupt lines: a level travels from a device to whoever listens. */
#include <stddef.h>

#include "yl/irq.h"

void irq_init(IRQLine *line, IRQHandler handler, void *opaque, int n)
{
    line->handler = handler;
    line->opaque = opaque;
    line->n = n;
}

void irq_set(IRQLine *line, int level)
{
    if (line && line->handler)
        line->handler(line->opaque, line->n, level != 0);
}
