/* Interrupt lines: a device drives a level; the handler at the other end
 * (PIC, IOAPIC, CPU) reacts. */
#ifndef YL_IRQ_H
#define YL_IRQ_H

typedef void (*IRQHandler)(void *opaque, int n, int level);

typedef struct IRQLine {
    IRQHandler handler;
    void *opaque;
    int n;
} IRQLine;

void irq_init(IRQLine *line, IRQHandler handler, void *opaque, int n);
void irq_set(IRQLine *line, int level);   /* NULL or unconnected: no-op */
static inline void irq_raise(IRQLine *l) { irq_set(l, 1); }
static inline void irq_lower(IRQLine *l) { irq_set(l, 0); }
static inline void irq_pulse(IRQLine *l) { irq_set(l, 1); irq_set(l, 0); }

#endif
