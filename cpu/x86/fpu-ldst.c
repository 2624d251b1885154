/* x87 memory forms that compute: loads (FLD, FILD, FBLD), arithmetic and
 * comparisons with a memory operand, and stores (FST(P), FIST(P), FBSTP).
 * The guest's memory is read (or checked writable) through its
 * segmentation and paging before the FPU state changes; the operation
 * itself runs on the host against a copy of the operand. */
#include "cpu/x86/fpu.h"

static uint8_t insn_modrm(const Insn *d)
{
    return (uint8_t)((d->mod << 6) | (d->reg << 3) | d->rm);
}

static void mem_read(X86CPU *cpu, const Insn *d, uint64_t off, uint8_t *buf, int n)
{
    switch (n) {
    case 2: {
        uint16_t v = ld16(cpu, d->seg, off);
        memcpy(buf, &v, 2);
        break;
    }
    case 4: {
        uint32_t v = ld32(cpu, d->seg, off);
        memcpy(buf, &v, 4);
        break;
    }
    case 8: {
        uint64_t v = ld64(cpu, d->seg, off);
        memcpy(buf, &v, 8);
        break;
    }
    default: {              /* m80: significand, then sign and exponent */
        uint64_t m = ld64(cpu, d->seg, off);
        uint16_t e = ld16(cpu, d->seg, off + 8);
        memcpy(buf, &m, 8);
        memcpy(buf + 8, &e, 2);
        break;
    }
    }
}

static void mem_write(X86CPU *cpu, const Insn *d, uint64_t off, const uint8_t *buf, int n)
{
    uint64_t q;
    uint32_t l;
    uint16_t w;
    switch (n) {
    case 2:
        memcpy(&w, buf, 2);
        st16(cpu, d->seg, off, w);
        break;
    case 4:
        memcpy(&l, buf, 4);
        st32(cpu, d->seg, off, l);
        break;
    case 8:
        memcpy(&q, buf, 8);
        st64(cpu, d->seg, off, q);
        break;
    default:
        memcpy(&q, buf, 8);
        memcpy(&w, buf + 8, 2);
        st64(cpu, d->seg, off, q);
        st16(cpu, d->seg, off + 8, w);
        break;
    }
}

static void fpu_mem_load(X86CPU *cpu, const Insn *d, int n)
{
    uint8_t buf[10] = { 0 };
    fpu_enter(cpu);
    uint64_t off = insn_ea(cpu, d);
    mem_read(cpu, d, off, buf, n);
    fpu_note_insn(cpu, d, true, off);
    x87_host_exec(&cpu->fpu, d->op, insn_modrm(d), buf, 0);
}

/* A store whose instruction raised an unmasked invalid, denormal,
 * zero-divide, overflow or underflow exception writes nothing (only an
 * unmasked precision exception lets the result through), as the hardware
 * does; TOP and the register are the host's business. */
static void fpu_mem_store(X86CPU *cpu, const Insn *d, int n)
{
    uint8_t buf[10] = { 0 };
    X87State *s = &cpu->fpu;
    fpu_enter(cpu);
    uint64_t off = insn_ea(cpu, d);
    probe_write(cpu, d->seg, off, n);
    fpu_note_insn(cpu, d, true, off);
    x87_host_exec(s, d->op, insn_modrm(d), buf, 0);
    if (!(s->fsw & ~s->fcw & (FSW_EXC & ~FSW_PE)))
        mem_write(cpu, d, off, buf, n);
}

void op_fpu_ld_m16(X86CPU *cpu, const Insn *d) { fpu_mem_load(cpu, d, 2); }
void op_fpu_ld_m32(X86CPU *cpu, const Insn *d) { fpu_mem_load(cpu, d, 4); }
void op_fpu_ld_m64(X86CPU *cpu, const Insn *d) { fpu_mem_load(cpu, d, 8); }
void op_fpu_ld_m80(X86CPU *cpu, const Insn *d) { fpu_mem_load(cpu, d, 10); }
void op_fpu_st_m16(X86CPU *cpu, const Insn *d) { fpu_mem_store(cpu, d, 2); }
void op_fpu_st_m32(X86CPU *cpu, const Insn *d) { fpu_mem_store(cpu, d, 4); }
void op_fpu_st_m64(X86CPU *cpu, const Insn *d) { fpu_mem_store(cpu, d, 8); }
void op_fpu_st_m80(X86CPU *cpu, const Insn *d) { fpu_mem_store(cpu, d, 10); }
