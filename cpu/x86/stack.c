/* PUSH/POP on SS:ESP with the stack-size attribute of SS (B bit): a 16-bit
 * stack uses and updates SP only.  In 64-bit mode the stack pointer is all
 * of RSP (SS's attributes do not matter).  Memory is accessed before ESP
 * moves, so a faulting push or pop can be restarted. */
#include "cpu/x86/x86.h"

static inline uint64_t stack_mask(const X86CPU *cpu)
{
    if (x86_code_mode(cpu) == 64)
        return UINT64_MAX;
    return sp_mask(cpu);
}

static inline void rsp_set(X86CPU *cpu, uint64_t rsp, uint64_t mask)
{
    if (mask == UINT64_MAX)
        cpu->regs[R_ESP] = rsp;
    else
        cpu->regs[R_ESP] = (uint32_t)((cpu->regs[R_ESP] & ~mask) | (rsp & mask));
}

static void stack_st(X86CPU *cpu, uint64_t off, int size, uint64_t v)
{
    switch (size) {
    case 2: st16(cpu, R_SS, off, v); break;
    case 4: st32(cpu, R_SS, off, v); break;
    default: st64(cpu, R_SS, off, v); break;
    }
}

static uint64_t stack_ld(X86CPU *cpu, uint64_t off, int size)
{
    switch (size) {
    case 2: return ld16(cpu, R_SS, off);
    case 4: return ld32(cpu, R_SS, off);
    default: return ld64(cpu, R_SS, off);
    }
}

void x86_push(X86CPU *cpu, int size, uint64_t v)
{
    uint64_t mask = stack_mask(cpu);
    uint64_t rsp = (cpu->regs[R_ESP] - size) & mask;
    stack_st(cpu, rsp, size, v);
    rsp_set(cpu, rsp, mask);
}

uint64_t x86_pop(X86CPU *cpu, int size)
{
    uint64_t mask = stack_mask(cpu);
    uint64_t rsp = cpu->regs[R_ESP] & mask;
    uint64_t v = stack_ld(cpu, rsp, size);
    rsp_set(cpu, rsp + size, mask);
    return v;
}

uint64_t x86_peek(X86CPU *cpu, int size, uint32_t offset)
{
    uint64_t rsp = (cpu->regs[R_ESP] + offset) & stack_mask(cpu);
    return stack_ld(cpu, rsp, size);
}
