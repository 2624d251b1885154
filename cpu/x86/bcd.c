/* Decimal adjust: DAA DAS AAA AAS AAM AAD.  Flags the manuals leave
 * undefined follow the 80286 test vectors where those say. */
#include "cpu/x86/int.h"

static uint32_t pzs8(uint8_t v)
{
    uint32_t f = 0;
    if (!__builtin_parity(v))
        f |= CC_P;
    if (v == 0)
        f |= CC_Z;
    if (v & 0x80)
        f |= CC_S;
    return f;
}

/* 27 DAA */
void op_daa(X86CPU *cpu, const Insn *d)
{
    uint32_t f = int_flags(cpu);
    uint8_t al = reg_get(cpu, R_EAX, 1), old = al;
    bool cf = f & CC_C, af = false;
    if ((al & 0xf) > 9 || (f & CC_A)) {
        al += 6;
        af = true;
    }
    if (old > 0x99 || cf) {
        al += 0x60;
        cf = true;
    }
    reg_set(cpu, R_EAX, 1, al);
    /* OF: set when the adjustment turned a positive AL negative. */
    bool of = !(old & 0x80) && (al & 0x80);
    cc_set_flags(cpu, pzs8(al) | (cf ? CC_C : 0) | (af ? CC_A : 0) | (of ? CC_O : 0),
                 CC_ALL);
}

/* 2F DAS */
void op_das(X86CPU *cpu, const Insn *d)
{
    uint32_t f = int_flags(cpu);
    uint8_t al = reg_get(cpu, R_EAX, 1), old = al;
    bool cf = false, af = false;
    if ((al & 0xf) > 9 || (f & CC_A)) {
        cf = (f & CC_C) || al < 6;
        al -= 6;
        af = true;
    }
    if (old > 0x99 || (f & CC_C)) {
        al -= 0x60;
        cf = true;
    }
    reg_set(cpu, R_EAX, 1, al);
    bool of = (old & 0x80) && !(al & 0x80);
    cc_set_flags(cpu, pzs8(al) | (cf ? CC_C : 0) | (af ? CC_A : 0) | (of ? CC_O : 0),
                 CC_ALL);
}

/* 37 AAA / 3F AAS: adjust AL and carry into AH */
static void aaa_aas(X86CPU *cpu, bool sub)
{
    uint32_t f = int_flags(cpu);
    uint16_t ax = reg_get(cpu, R_EAX, 2);
    bool adj = (ax & 0xf) > 9 || (f & CC_A);
    if (adj) {
        /* The +-6 carries into AH (AX arithmetic), as on 286 and later. */
        if (sub)
            ax = (uint16_t)(ax - 6 - 0x100);
        else
            ax = (uint16_t)(ax + 0x106);
    }
    ax &= 0xff0f;
    reg_set(cpu, R_EAX, 2, ax);
    cc_set_flags(cpu, pzs8(ax & 0xff) | (adj ? CC_A | CC_C : 0), CC_ALL);
}

void op_aaa(X86CPU *cpu, const Insn *d)
{
    aaa_aas(cpu, false);
}

void op_aas(X86CPU *cpu, const Insn *d)
{
    aaa_aas(cpu, true);
}

/* D4 ib: AAM; a zero base raises #DE. */
void op_aam(X86CPU *cpu, const Insn *d)
{
    uint8_t base = d->imm, al = reg_get(cpu, R_EAX, 1);
    if (base == 0)
        raise_exception(cpu, EXC_DE);
    uint8_t q = al / base, r = al % base;
    reg_set(cpu, R_EAX, 2, ((uint16_t)q << 8) | r);
    cc_record(cpu, CC_OP_LOGICB, r, 0, 0);
}

/* D5 ib: AAD; the flags are those of the 8-bit addition AL + AH*base. */
void op_aad(X86CPU *cpu, const Insn *d)
{
    uint8_t base = d->imm, al = reg_get(cpu, R_EAX, 1), ah = reg_get(cpu, 4, 1);
    uint8_t prod = (uint8_t)(ah * base), r = (uint8_t)(al + prod);
    reg_set(cpu, R_EAX, 2, r);
    cc_record(cpu, CC_OP_ADDB, r, prod, al);
}
