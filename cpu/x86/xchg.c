/* Exchanges: XCHG, XADD, CMPXCHG, CMPXCHG8B.  Memory forms read, then
 * write memory, then update registers and flags (restartable). */
#include "cpu/x86/int.h"

/* 86 87: XCHG Eb,Gb / Ev,Gv */
void op_xchg_E_G(X86CPU *cpu, const Insn *d)
{
    int size = insn_size_w(d);
    uint32_t g = reg_get(cpu, d->reg, size);
    if (d->mod == 3) {
        uint32_t e = reg_get(cpu, d->rm, size);
        reg_set(cpu, d->rm, size, g);
        reg_set(cpu, d->reg, size, e);
        return;
    }
    uint32_t ea = insn_ea(cpu, d);
    uint32_t e = mem_ld(cpu, d->seg, ea, size);
    mem_st(cpu, d->seg, ea, size, g);
    reg_set(cpu, d->reg, size, e);
}

/* 91-97: XCHG eAX,r (90 is NOP) */
void op_xchg_A_r(X86CPU *cpu, const Insn *d)
{
    int size = d->opsize, r = d->op & 7;
    uint32_t a = reg_get(cpu, R_EAX, size);
    reg_set(cpu, R_EAX, size, reg_get(cpu, r, size));
    reg_set(cpu, r, size, a);
}

/* 0F C0 C1: XADD Eb,Gb / Ev,Gv: src = dest, dest = dest + src */
void op_xadd(X86CPU *cpu, const Insn *d)
{
    int size = insn_size_w(d);
    uint32_t s = reg_get(cpu, d->reg, size), e, r, ea = 0;
    e = d->mod == 3 ? reg_get(cpu, d->rm, size)
                    : mem_ld(cpu, d->seg, ea = insn_ea(cpu, d), size);
    r = alu_calc(cpu, ALU_ADD, size, e, s);
    if (d->mod == 3) {
        reg_set(cpu, d->reg, size, e);
        reg_set(cpu, d->rm, size, r);
    } else {
        mem_st(cpu, d->seg, ea, size, r);
        reg_set(cpu, d->reg, size, e);
    }
    alu_flags(cpu, ALU_ADD, size, e, s, r);
}

/* 0F B0 B1: CMPXCHG Eb,Gb / Ev,Gv.  The memory form always writes: the
 * new value if equal, the old one back if not. */
void op_cmpxchg(X86CPU *cpu, const Insn *d)
{
    int size = insn_size_w(d);
    uint32_t acc = reg_get(cpu, R_EAX, size), e, ea = 0;
    e = d->mod == 3 ? reg_get(cpu, d->rm, size)
                    : mem_ld(cpu, d->seg, ea = insn_ea(cpu, d), size);
    bool eq = acc == e;
    uint32_t store = eq ? reg_get(cpu, d->reg, size) : e;
    if (d->mod != 3)
        mem_st(cpu, d->seg, ea, size, store);
    else if (eq)
        reg_set(cpu, d->rm, size, store);
    if (!eq)
        reg_set(cpu, R_EAX, size, e);
    alu_flags(cpu, ALU_CMP, size, acc, e, alu_calc(cpu, ALU_CMP, size, acc, e));
}

/* 0F C7 /1: CMPXCHG8B Mq (the register form is #UD: no table entry) */
void op_cmpxchg8b(X86CPU *cpu, const Insn *d)
{
    uint32_t ea = insn_ea(cpu, d);
    uint64_t m = ld64(cpu, d->seg, ea);
    uint64_t cmp = ((uint64_t)(uint32_t)cpu->regs[R_EDX] << 32) | (uint32_t)cpu->regs[R_EAX];
    bool eq = m == cmp;
    uint64_t nv = eq ? ((uint64_t)(uint32_t)cpu->regs[R_ECX] << 32)
                       | (uint32_t)cpu->regs[R_EBX] : m;
    st64(cpu, d->seg, ea, nv);
    if (!eq) {
        cpu->regs[R_EAX] = (uint32_t)m;
        cpu->regs[R_EDX] = (uint32_t)(m >> 32);
    }
    cc_set_flags(cpu, eq ? CC_Z : 0, CC_Z);
}
