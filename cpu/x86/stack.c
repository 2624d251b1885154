/* PUSH/POP on SS:ESP with the stack-size attribute of SS (B bit): a 16-bit
 * stack uses and updates SP only.  Memory is accessed before ESP moves, so
 * a faulting push or pop can be restarted. */
#include "cpu/x86/x86.h"

static inline void esp_set(X86CPU *cpu, uint32_t esp, uint32_t mask)
{
    cpu->regs[R_ESP] = (uint32_t)((cpu->regs[R_ESP] & ~mask) | (esp & mask));
}

void x86_push(X86CPU *cpu, int size, uint32_t v)
{
    uint32_t mask = sp_mask(cpu);
    uint32_t esp = ((uint32_t)cpu->regs[R_ESP] - size) & mask;
    if (size == 4)
        st32(cpu, R_SS, esp, v);
    else
        st16(cpu, R_SS, esp, v);
    esp_set(cpu, esp, mask);
}

uint32_t x86_pop(X86CPU *cpu, int size)
{
    uint32_t mask = sp_mask(cpu);
    uint32_t esp = (uint32_t)cpu->regs[R_ESP] & mask;
    uint32_t v = size == 4 ? ld32(cpu, R_SS, esp) : ld16(cpu, R_SS, esp);
    esp_set(cpu, esp + size, mask);
    return v;
}

uint32_t x86_peek(X86CPU *cpu, int size, uint32_t offset)
{
    uint32_t esp = ((uint32_t)cpu->regs[R_ESP] + offset) & sp_mask(cpu);
    return size == 4 ? ld32(cpu, R_SS, esp) : ld16(cpu, R_SS, esp);
}
