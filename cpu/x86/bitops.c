/* Bit tests BT BTS BTR BTC and bit scans BSF BSR. */
#include "cpu/x86/int.h"

enum { BT_TEST, BT_SET, BT_RESET, BT_COMPLEMENT };

/* CF = the bit; ZF is kept, the other flags (undefined) too. */
static void bt_commit_cf(X86CPU *cpu, uint64_t v, int bit)
{
    cc_set_flags(cpu, (v >> bit) & 1 ? CC_C : 0, CC_C);
}

static uint64_t bt_apply(int kind, uint64_t v, int bit)
{
    switch (kind) {
    case BT_SET: return v | (1ull << bit);
    case BT_RESET: return v & ~(1ull << bit);
    case BT_COMPLEMENT: return v ^ (1ull << bit);
    default: return v;
    }
}

/* With a memory operand and a register offset, the offset is a signed bit
 * index from the operand's address: it may reach far beyond it. */
static uint64_t bt_mem_ea(X86CPU *cpu, const Insn *d, int size, uint64_t offset)
{
    uint64_t ea = insn_ea(cpu, d);
    int64_t units = sext(offset, size) >> bits_log2(size);
    return addr_mask(d->adsize, ea + (uint64_t)units * size);
}

static void bt_common(X86CPU *cpu, const Insn *d, int kind, uint64_t offset, bool reg_offset)
{
    int size = d->opsize;
    int bit = offset & (8 * size - 1);
    if (d->mod == 3) {
        uint64_t v = opreg_get(cpu, d, d->rrm, size);
        if (kind != BT_TEST)
            opreg_set(cpu, d, d->rrm, size, bt_apply(kind, v, bit));
        bt_commit_cf(cpu, v, bit);
        return;
    }
    uint64_t ea = reg_offset ? bt_mem_ea(cpu, d, size, offset) : insn_ea(cpu, d);
    uint64_t v = mem_ld(cpu, d->seg, ea, size);
    if (kind != BT_TEST)
        mem_st(cpu, d->seg, ea, size, bt_apply(kind, v, bit));
    bt_commit_cf(cpu, v, bit);
}

/* 0F A3 AB B3 BB: BT BTS BTR BTC Ev,Gv */
void op_bt_E_G(X86CPU *cpu, const Insn *d)
{
    static const uint8_t kind_of[4] = { BT_TEST, BT_SET, BT_RESET, BT_COMPLEMENT };
    bt_common(cpu, d, kind_of[(d->op >> 3) & 3], greg_get(cpu, d, d->opsize), true);
}

/* 0F BA /4-/7: BT BTS BTR BTC Ev,Ib */
void op_bt_E_I(X86CPU *cpu, const Insn *d)
{
    bt_common(cpu, d, d->reg & 3, d->imm & 0xff, false);
}

/* 0F BC BSF / 0F BD BSR: a zero source sets ZF and leaves the
 * destination alone.  The other flags are undefined; they follow the
 * CPUs we compare with: CF OF SF AF clear, PF from the index (set with a
 * zero source). */
static void bit_scan(X86CPU *cpu, const Insn *d, bool reverse)
{
    int size = d->opsize;
    uint64_t v = rm_get(cpu, d, size);
    if (v == 0) {
        cc_set_flags(cpu, CC_Z | CC_P, CC_ALL);
        return;
    }
    int idx = reverse ? 63 - __builtin_clzll(v) : __builtin_ctzll(v);
    reg_set(cpu, d->rreg, size, idx);
    cc_set_flags(cpu, __builtin_parity(idx) ? 0 : CC_P, CC_ALL);
}

void op_bsf(X86CPU *cpu, const Insn *d)
{
    bit_scan(cpu, d, false);
}

void op_bsr(X86CPU *cpu, const Insn *d)
{
    bit_scan(cpu, d, true);
}
