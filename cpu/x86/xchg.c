/* Exchanges: XCHG, XADD, CMPXCHG, CMPXCHG8B/16B.  Memory forms read, then
 * write memory, then update registers and flags (restartable). */
#include "cpu/x86/int.h"
#include "cpu/x86/sse.h"

/* 86 87: XCHG Eb,Gb / Ev,Gv */
void op_xchg_E_G(X86CPU *cpu, const Insn *d)
{
    int size = insn_size_w(d);
    uint64_t g = greg_get(cpu, d, size), ea = 0;
    uint64_t e = rmw_load(cpu, d, size, &ea);
    rmw_store(cpu, d, size, ea, g);
    greg_set(cpu, d, size, e);
}

/* 90-97: XCHG rAX,r; 90 itself (without REX.B) is NOP / PAUSE, which
 * leaves RAX alone even though a 32-bit write would zero-extend it. */
void op_xchg_A_r(X86CPU *cpu, const Insn *d)
{
    int size = d->opsize, r = d->opreg;
    if (r == R_EAX)
        return;
    uint64_t a = reg_get(cpu, R_EAX, size);
    reg_set(cpu, R_EAX, size, reg_get(cpu, r, size));
    reg_set(cpu, r, size, a);
}

/* 0F C0 C1: XADD Eb,Gb / Ev,Gv: src = dest, dest = dest + src */
void op_xadd(X86CPU *cpu, const Insn *d)
{
    int size = insn_size_w(d);
    uint64_t s = greg_get(cpu, d, size), ea = 0;
    uint64_t e = rmw_load(cpu, d, size, &ea);
    uint64_t r = alu_calc(cpu, ALU_ADD, size, e, s);
    if (d->mod == 3) {
        greg_set(cpu, d, size, e);
        rmw_store(cpu, d, size, ea, r);
    } else {
        rmw_store(cpu, d, size, ea, r);
        greg_set(cpu, d, size, e);
    }
    alu_flags(cpu, ALU_ADD, size, e, s, r);
}

/* 0F B0 B1: CMPXCHG Eb,Gb / Ev,Gv.  The memory form always writes: the
 * new value if equal, the old one back if not.  A register destination is
 * written only when equal (a 32-bit one keeps its upper half otherwise, as
 * the host CPUs do), the accumulator only when not. */
void op_cmpxchg(X86CPU *cpu, const Insn *d)
{
    int size = insn_size_w(d);
    uint64_t acc = reg_get(cpu, R_EAX, size), ea = 0;
    uint64_t e = rmw_load(cpu, d, size, &ea);
    bool eq = acc == e;
    if (eq || d->mod != 3)
        rmw_store(cpu, d, size, ea, eq ? greg_get(cpu, d, size) : e);
    if (!eq)
        reg_set(cpu, R_EAX, size, e);
    alu_flags(cpu, ALU_CMP, size, acc, e, alu_calc(cpu, ALU_CMP, size, acc, e));
}

/* 0F C7 /1: CMPXCHG8B Mq (the register form is #UD: no table entry) */
static void cmpxchg8b(X86CPU *cpu, const Insn *d)
{
    uint64_t ea = insn_ea(cpu, d);
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

/* REX.W 0F C7 /1 is CMPXCHG16B Mdq, which sse-misc.c implements. */
void op_cmpxchg8b(X86CPU *cpu, const Insn *d)
{
    if (d->opsize == 8)
        x86_cmpxchg16b(cpu, d);
    else
        cmpxchg8b(cpu, d);
}
