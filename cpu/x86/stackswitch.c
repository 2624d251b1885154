/* Stacks addressed apart from SS:ESP: the inner stack an interrupt or call
 * gate switches to is written before SS is loaded, so that a fault leaves
 * the old state intact.  Also the ring stacks kept in the TSS (32-bit and
 * the RSPn/IST slots of the 64-bit TSS). */
#include "cpu/x86/prot.h"

static void stack_set(Stack *s, uint64_t base, uint32_t limit, uint32_t flags,
                      uint32_t esp, bool user, uint32_t err)
{
    s->base = base;
    s->limit = limit;
    s->flags = flags;
    s->mask = (flags & DESC_B_MASK) ? 0xffffffffu : 0xffffu;
    s->esp = esp;
    s->user = user;
    s->long64 = false;
    s->fault_err = err;
}

void stack_long(Stack *s, uint64_t rsp, int cpl, uint32_t err)
{
    s->base = 0;
    s->limit = 0;
    s->flags = 0;
    s->mask = UINT64_MAX;
    s->esp = rsp;
    s->user = cpl == 3;
    s->long64 = true;
    s->fault_err = err;
}

void stack_from_ss(X86CPU *cpu, Stack *s)
{
    const SegCache *ss = &cpu->seg[R_SS];
    if (x86_code_mode(cpu) == 64) {
        stack_long(s, cpu->regs[R_ESP], cpu->cpl, 0);
        return;
    }
    stack_set(s, ss->base, ss->limit, ss->flags, (uint32_t)cpu->regs[R_ESP],
              cpu->cpl == 3, 0);
}

void stack_from_desc(Stack *s, const Desc *d, uint32_t esp, int cpl, uint16_t sel, bool ext)
{
    stack_set(s, desc_base(d), desc_limit(d), desc_flags(d), esp, cpl == 3,
              sel_err(sel, ext));
}

/* Offsets off..off+size-1 inside the segment limit (expand-up or down). */
static bool stack_ok(const Stack *s, uint32_t off, int size)
{
    uint32_t last = off + size - 1;
    if (last < off || (last & s->mask) != last)
        return false;
    if (s->flags & DESC_E_MASK)
        return off > s->limit;
    return last <= s->limit;
}

static uint64_t stack_lin(X86CPU *cpu, Stack *s, uint64_t off, int size)
{
    if (s->long64) {
        if (!x86_canonical(off) || !x86_canonical(off + size - 1))
            raise_exception_err(cpu, EXC_SS, s->fault_err);
        return off;
    }
    bool ok = cpu_pe(cpu) && !cpu_vm86(cpu) ? stack_ok(s, (uint32_t)off, size)
              : (uint64_t)(uint32_t)off + size - 1 <= s->limit;   /* real, v86: limit only */
    if (!ok)
        raise_exception_err(cpu, EXC_SS, s->fault_err);
    return (s->base + off) & 0xffffffffu;
}

void stack_push(X86CPU *cpu, Stack *s, int size, uint64_t v)
{
    uint64_t esp = (s->esp - size) & s->mask;
    uint64_t lin = stack_lin(cpu, s, esp, size);
    switch (size) {
    case 2: s->user ? lin_st16(cpu, lin, v) : sys_st16(cpu, lin, v); break;
    case 4: s->user ? lin_st32(cpu, lin, v) : sys_st32(cpu, lin, v); break;
    default: s->user ? lin_st64(cpu, lin, v) : sys_st64(cpu, lin, v); break;
    }
    s->esp = (s->esp & ~s->mask) | esp;
}

uint64_t stack_read(X86CPU *cpu, Stack *s, uint32_t off, int size)
{
    uint64_t a = (s->esp + off) & s->mask;
    uint64_t lin = stack_lin(cpu, s, a, size);
    switch (size) {
    case 2: return s->user ? lin_ld16(cpu, lin) : sys_ld16(cpu, lin);
    case 4: return s->user ? lin_ld32(cpu, lin) : sys_ld32(cpu, lin);
    default: return s->user ? lin_ld64(cpu, lin) : sys_ld64(cpu, lin);
    }
}

void set_esp(X86CPU *cpu, uint64_t esp, uint64_t mask)
{
    if (mask == UINT64_MAX)
        cpu->regs[R_ESP] = esp;
    else
        cpu->regs[R_ESP] = ((uint32_t)cpu->regs[R_ESP] & ~(uint32_t)mask) | (esp & mask);
}

void tss_stack(X86CPU *cpu, int dpl, uint16_t *ss, uint32_t *esp, bool ext)
{
    const SegCache *tr = &cpu->seg[R_TR];
    int type = (tr->flags >> DESC_TYPE_SHIFT) & 15;
    uint32_t tr_err = sel_err(tr->sel, ext);
    if (!(tr->flags & DESC_P_MASK))
        raise_exception_err(cpu, EXC_TS, tr_err);
    if (type & 8) {
        uint32_t off = 4 + 8 * dpl;
        if (off + 5 > tr->limit)
            raise_exception_err(cpu, EXC_TS, tr_err);
        *esp = sys_ld32(cpu, tr->base + off);
        *ss = sys_ld16(cpu, tr->base + off + 4);
    } else {
        uint32_t off = 2 + 4 * dpl;
        if (off + 3 > tr->limit)
            raise_exception_err(cpu, EXC_TS, tr_err);
        *esp = sys_ld16(cpu, tr->base + off);
        *ss = sys_ld16(cpu, tr->base + off + 2);
    }
}

uint64_t tss_rsp64(X86CPU *cpu, int n, int ist, bool ext)
{
    const SegCache *tr = &cpu->seg[R_TR];
    uint32_t off = ist ? 0x24 + 8 * (ist - 1) : 4 + 8 * n;
    if (!(tr->flags & DESC_P_MASK) || off + 7 > tr->limit)
        raise_exception_err(cpu, EXC_TS, sel_err(tr->sel, ext));
    return sys_ld64(cpu, tr->base + off);
}
