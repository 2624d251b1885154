/* x87 environment and state images: FLDENV, FNSTENV, FRSTOR, FNSAVE, in
 * the four layouts of the manuals (16- or 32-bit operand size, real or
 * virtual-8086 mode versus protected mode).
 *
 * Real-mode layouts hold 20/32-bit linear instruction and data pointers
 * instead of selector:offset; they are formed as selector * 16 + offset,
 * and a real-mode FLDENV keeps the linear pointer as the offset with a
 * zero selector, so both layouts round-trip.  Reserved halves of the
 * 32-bit layouts are stored as 0xffff, as the host CPU does. */
#include "cpu/x86/fpu.h"

typedef struct FPUEnv {
    uint16_t fcw, fsw, ftw, fop, fcs, fds;
    uint32_t fip, fdp;
} FPUEnv;

static int env_size(const Insn *d)
{
    return d->opsize == 4 ? 28 : 14;
}

static void put16(uint8_t *p, uint16_t v) { memcpy(p, &v, 2); }
static void put32(uint8_t *p, uint32_t v) { memcpy(p, &v, 4); }
static uint16_t get16(const uint8_t *p) { uint16_t v; memcpy(&v, p, 2); return v; }
static uint32_t get32(const uint8_t *p) { uint32_t v; memcpy(&v, p, 4); return v; }

static void env_encode(const FPUEnv *e, bool real, bool o32, uint8_t *b)
{
    uint32_t ip = real ? (uint32_t)e->fcs * 16 + e->fip : e->fip;
    uint32_t dp = real ? (uint32_t)e->fds * 16 + e->fdp : e->fdp;
    if (!o32) {
        put16(b + 0, e->fcw);
        put16(b + 2, e->fsw);
        put16(b + 4, e->ftw);
        put16(b + 6, (uint16_t)ip);
        put16(b + 8, real ? (uint16_t)(((ip >> 16) & 0xf) << 12 | (e->fop & 0x7ff)) : e->fcs);
        put16(b + 10, (uint16_t)dp);
        put16(b + 12, real ? (uint16_t)(((dp >> 16) & 0xf) << 12) : e->fds);
        return;
    }
    put32(b + 0, 0xffff0000u | e->fcw);
    put32(b + 4, 0xffff0000u | e->fsw);
    put32(b + 8, 0xffff0000u | e->ftw);
    if (real) {
        put32(b + 12, 0xffff0000u | (ip & 0xffff));
        put32(b + 16, (ip >> 16) << 12 | (e->fop & 0x7ff));
        put32(b + 20, 0xffff0000u | (dp & 0xffff));
        put32(b + 24, (dp >> 16) << 12);
    } else {
        put32(b + 12, ip);
        put32(b + 16, (uint32_t)(e->fop & 0x7ff) << 16 | e->fcs);
        put32(b + 20, dp);
        put32(b + 24, 0xffff0000u | e->fds);
    }
}

static void env_decode(FPUEnv *e, bool real, bool o32, const uint8_t *b)
{
    memset(e, 0, sizeof(*e));
    e->fcw = get16(b + 0);
    e->fsw = get16(b + o32 * 2 + 2);
    e->ftw = get16(b + o32 * 4 + 4);
    if (!o32) {
        e->fip = get16(b + 6);
        e->fdp = get16(b + 10);
        if (real) {
            e->fip |= (uint32_t)(get16(b + 8) >> 12) << 16;
            e->fop = get16(b + 8) & 0x7ff;
            e->fdp |= (uint32_t)(get16(b + 12) >> 12) << 16;
        } else {
            e->fcs = get16(b + 8);
            e->fds = get16(b + 12);
        }
        return;
    }
    if (real) {
        e->fip = (get32(b + 12) & 0xffff) | ((get32(b + 16) >> 12) & 0xffff) << 16;
        e->fop = get32(b + 16) & 0x7ff;
        e->fdp = (get32(b + 20) & 0xffff) | ((get32(b + 24) >> 12) & 0xffff) << 16;
    } else {
        e->fip = get32(b + 12);
        e->fcs = (uint16_t)get32(b + 16);
        e->fop = (get32(b + 16) >> 16) & 0x7ff;
        e->fdp = get32(b + 20);
        e->fds = (uint16_t)get32(b + 24);
    }
}

static void env_from_state(FPUEnv *e, const X87State *s)
{
    e->fcw = s->fcw;
    e->fsw = x87_fsw(s);
    e->ftw = x87_tag_word(s);
    e->fop = s->fop;
    e->fip = (uint32_t)s->fip;
    e->fcs = s->fcs;
    e->fdp = (uint32_t)s->fdp;
    e->fds = s->fds;
}

/* Only "empty" counts in a loaded tag word; the others are derived from
 * the registers' contents whenever they are stored. */
static void env_to_state(const FPUEnv *e, X87State *s)
{
    s->fcw = (e->fcw & FCW_KEEP) | FCW_ONE;
    x87_set_fsw(s, e->fsw);
    s->ftw = 0;
    for (int i = 0; i < 8; i++)
        if (((e->ftw >> (2 * i)) & 3) == TAG_EMPTY)
            s->ftw |= TAG_EMPTY << (2 * i);
    s->fop = e->fop;
    s->fip = e->fip;
    s->fcs = e->fcs;
    s->fdp = e->fdp;
    s->fds = e->fds;
    x87_update_es(s);
}

/* Guest memory as a run of bytes: dwords for the 32-bit layouts, words
 * for the 16-bit ones (the segment checks see the accesses the CPU does). */
static void mem_put(X86CPU *cpu, int seg, uint64_t off, const uint8_t *b, int n)
{
    int i = 0;
    for (; i + 4 <= n; i += 4)
        st32(cpu, seg, off + i, get32(b + i));
    for (; i < n; i += 2)
        st16(cpu, seg, off + i, get16(b + i));
}

static void mem_get(X86CPU *cpu, int seg, uint64_t off, uint8_t *b, int n)
{
    int i = 0;
    for (; i + 4 <= n; i += 4)
        put32(b + i, ld32(cpu, seg, off + i));
    for (; i < n; i += 2)
        put16(b + i, ld16(cpu, seg, off + i));
}

static void env_store(X86CPU *cpu, const Insn *d, uint64_t off)
{
    uint8_t b[28];
    FPUEnv e;
    env_from_state(&e, &cpu->fpu);
    env_encode(&e, !cpu_prot(cpu), d->opsize == 4, b);
    mem_put(cpu, d->seg, off, b, env_size(d));
}

void op_fnstenv(X86CPU *cpu, const Insn *d)
{
    fpu_enter_nowait(cpu);
    uint64_t off = insn_ea(cpu, d);
    probe_write(cpu, d->seg, off, env_size(d));
    env_store(cpu, d, off);
    /* FNSTENV then masks every exception, so nothing stays pending. */
    cpu->fpu.fcw |= FCW_EXC_MASKS;
    x87_update_es(&cpu->fpu);
}

void op_fldenv(X86CPU *cpu, const Insn *d)
{
    uint8_t b[28];
    FPUEnv e;
    fpu_enter(cpu);
    uint64_t off = insn_ea(cpu, d);
    mem_get(cpu, d->seg, off, b, env_size(d));
    env_decode(&e, !cpu_prot(cpu), d->opsize == 4, b);
    env_to_state(&e, &cpu->fpu);
}

void op_fnsave(X86CPU *cpu, const Insn *d)
{
    X87State *s = &cpu->fpu;
    fpu_enter_nowait(cpu);
    uint64_t off = insn_ea(cpu, d);
    int n = env_size(d);
    probe_write(cpu, d->seg, off, n + 80);
    env_store(cpu, d, off);
    for (int i = 0; i < 8; i++) {
        const FPReg *r = &s->st[(s->top + i) & 7];
        st64(cpu, d->seg, off + n + 10 * i, r->mant);
        st16(cpu, d->seg, off + n + 10 * i + 8, r->exp);
    }
    x87_init_state(s);
}

void op_frstor(X86CPU *cpu, const Insn *d)
{
    uint8_t b[28];
    FPReg regs[8];
    FPUEnv e;
    X87State *s = &cpu->fpu;
    fpu_enter(cpu);
    uint64_t off = insn_ea(cpu, d);
    int n = env_size(d);
    mem_get(cpu, d->seg, off, b, n);
    for (int i = 0; i < 8; i++) {
        regs[i].mant = ld64(cpu, d->seg, off + n + 10 * i);
        regs[i].exp = ld16(cpu, d->seg, off + n + 10 * i + 8);
    }
    env_decode(&e, !cpu_prot(cpu), d->opsize == 4, b);
    env_to_state(&e, s);
    for (int i = 0; i < 8; i++)
        s->st[(s->top + i) & 7] = regs[i];
}
