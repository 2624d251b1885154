/* The general-register instructions of the SSE era: POPCNT, LZCNT,
 * MOVBE, CRC32 (SSE4.2), RDTSCP, CMPXCHG16B. */
#include "cpu/x86/sse.h"
#include "cpu/x86/sysregs.h"

static uint64_t rm_int(X86CPU *cpu, const Insn *d, int size)
{
    if (d->mod == 3)
        return reg_get(cpu, d->rrm, size);
    return mem_ld(cpu, d->seg, insn_ea(cpu, d), size);
}

/* F3 0F B8: POPCNT r, r/m: ZF for a zero source, the other flags clear. */
void op_popcnt(X86CPU *cpu, const Insn *d)
{
    uint64_t v = rm_int(cpu, d, d->opsize);
    reg_set(cpu, d->rreg, d->opsize, (uint64_t)__builtin_popcountll(v));
    x86_set_eflags(cpu, v ? 0 : CC_Z, CC_ALL);
}

/* F3 0F BD: LZCNT r, r/m: CF for a zero source, ZF for a zero result;
 * OF SF AF PF are undefined (cleared here). */
void op_lzcnt(X86CPU *cpu, const Insn *d)
{
    int bits = d->opsize * 8;
    uint64_t v = rm_int(cpu, d, d->opsize);
    uint64_t n = v ? (uint64_t)(__builtin_clzll(v) - (64 - bits)) : (uint64_t)bits;
    reg_set(cpu, d->rreg, d->opsize, n);
    x86_set_eflags(cpu, (v ? 0 : CC_C) | (n ? 0 : CC_Z), CC_ALL);
}

static uint64_t bswap(uint64_t v, int size)
{
    switch (size) {
    case 2: return __builtin_bswap16((uint16_t)v);
    case 4: return __builtin_bswap32((uint32_t)v);
    default: return __builtin_bswap64(v);
    }
}

/* 0F 38 F0: MOVBE r, m; 0F 38 F1: MOVBE m, r (memory forms only). */
void op_movbe_load(X86CPU *cpu, const Insn *d)
{
    uint64_t v = mem_ld(cpu, d->seg, insn_ea(cpu, d), d->opsize);
    reg_set(cpu, d->rreg, d->opsize, bswap(v, d->opsize));
}

void op_movbe_store(X86CPU *cpu, const Insn *d)
{
    uint64_t v = reg_get(cpu, d->rreg, d->opsize);
    mem_st(cpu, d->seg, insn_ea(cpu, d), d->opsize, bswap(v, d->opsize));
}

/* CRC-32C (Castagnoli), bit-reflected, as the CRC32 instruction does it:
 * no inversion before or after. */
static uint32_t crc32c(uint32_t crc, uint64_t data, int bytes)
{
    for (int i = 0; i < bytes; i++) {
        crc ^= (uint8_t)(data >> (8 * i));
        for (int k = 0; k < 8; k++)
            crc = (crc >> 1) ^ (0x82f63b78u & -(crc & 1));
    }
    return crc;
}

/* F2 0F 38 F0: CRC32 r32/r64, r/m8; F2 0F 38 F1: CRC32 r, r/m16/32/64. */
void op_crc32(X86CPU *cpu, const Insn *d)
{
    int size = d->op == 0xf0 ? 1 : d->opsize;
    uint64_t v = d->mod == 3 ? opreg_get(cpu, d, d->rrm, size)
                             : mem_ld(cpu, d->seg, insn_ea(cpu, d), size);
    uint32_t crc = crc32c((uint32_t)cpu->regs[d->rreg], v, size);
    reg_set(cpu, d->rreg, d->opsize == 8 ? 8 : 4, crc);
}

/* 0F 01 F9: RDTSCP: RDTSC plus IA32_TSC_AUX in ECX. */
void op_rdtscp(X86CPU *cpu, const Insn *d)
{
    if ((cpu->cr[4] & CR4_TSD) && (cpu->cpl != 0 || cpu_vm86(cpu)) && cpu_pe(cpu))
        raise_exception_err(cpu, EXC_GP, 0);
    uint64_t t = x86_tsc_read(cpu);
    cpu->regs[R_EAX] = (uint32_t)t;
    cpu->regs[R_EDX] = (uint32_t)(t >> 32);
    cpu->regs[R_ECX] = (uint32_t)cpu->msr.tsc_aux;
}

/* 0F C7 /1 with REX.W in 64-bit mode: CMPXCHG16B m128.  The operand must
 * be 16-byte aligned; memory is always written (the old value back when
 * the compare fails), as the locked read-modify-write does. */
void x86_cmpxchg16b(X86CPU *cpu, const Insn *d)
{
    uint64_t off = insn_ea(cpu, d);
    XMMReg m;
    sse_check_align(cpu, d, off, 16);
    probe_write(cpu, d->seg, off, 16);
    sse_ld128(cpu, d->seg, off, &m);
    bool eq = m.q[0] == cpu->regs[R_EAX] && m.q[1] == cpu->regs[R_EDX];
    if (eq) {
        XMMReg n = { .q = { cpu->regs[R_EBX], cpu->regs[R_ECX] } };
        sse_st128(cpu, d->seg, off, &n);
    } else {
        sse_st128(cpu, d->seg, off, &m);
        cpu->regs[R_EAX] = m.q[0];
        cpu->regs[R_EDX] = m.q[1];
    }
    x86_set_eflags(cpu, eq ? CC_Z : 0, CC_Z);
}
