/* Port I/O: the IOPL / I/O permission bitmap check and IN, OUT, INS, OUTS. */
#include "cpu/x86/prot.h"
#include "yl/ioport.h"

/* SDM Vol 1 §19.5: with CPL > IOPL (or in v86 mode) every bit of the
 * port range must be clear in the bitmap of a 32-bit TSS. */
void x86_check_io(X86CPU *cpu, uint16_t port, int size)
{
    if (!cpu_pe(cpu) || (!cpu_vm86(cpu) && cpu->cpl <= cpu_iopl(cpu)))
        return;
    const SegCache *tr = &cpu->seg[R_TR];
    int type = (tr->flags >> DESC_TYPE_SHIFT) & 15;
    if (!(tr->flags & DESC_P_MASK) || (type != SYS_TSS32_BUSY && type != SYS_TSS32_AVAIL) ||
        tr->limit < 0x67)
        raise_exception_err(cpu, EXC_GP, 0);
    uint32_t off = sys_ld16(cpu, tr->base + 0x66) + port / 8u;
    if (off + 1 > tr->limit)
        raise_exception_err(cpu, EXC_GP, 0);
    uint16_t bits = sys_ld16(cpu, tr->base + off);
    if ((bits >> (port & 7)) & ((1u << size) - 1))
        raise_exception_err(cpu, EXC_GP, 0);
}

static int io_size(const Insn *d)
{
    return (d->op & 1) ? (d->opsize == 8 ? 4 : d->opsize) : 1;
}

static uint32_t io_in(X86CPU *cpu, uint16_t port, int size)
{
    x86_check_io(cpu, port, size);
    return ioport_read(cpu->io, port, size);
}

static void io_out(X86CPU *cpu, uint16_t port, int size, uint32_t v)
{
    x86_check_io(cpu, port, size);
    ioport_write(cpu->io, port, v, size);
}

/* E4 E5 / EC ED */
void op_in_imm(X86CPU *cpu, const Insn *d)
{
    int size = io_size(d);
    reg_set(cpu, R_EAX, size, io_in(cpu, d->imm & 0xff, size));
}

void op_in_dx(X86CPU *cpu, const Insn *d)
{
    int size = io_size(d);
    reg_set(cpu, R_EAX, size, io_in(cpu, (uint16_t)cpu->regs[R_EDX], size));
}

/* E6 E7 / EE EF */
void op_out_imm(X86CPU *cpu, const Insn *d)
{
    int size = io_size(d);
    io_out(cpu, d->imm & 0xff, size, reg_get(cpu, R_EAX, size));
}

void op_out_dx(X86CPU *cpu, const Insn *d)
{
    int size = io_size(d);
    io_out(cpu, (uint16_t)cpu->regs[R_EDX], size, reg_get(cpu, R_EAX, size));
}

/* Steps a register by the address size: 16-bit steps keep the upper
 * bits, 32-bit ones zero-extend (as every 32-bit register write does). */
static void reg_step(X86CPU *cpu, int r, int32_t delta, uint64_t amask)
{
    uint64_t v = cpu->regs[r];
    if (amask == 0xffff)
        cpu->regs[r] = (uint32_t)((v & ~amask) | ((v + delta) & amask));
    else
        cpu->regs[r] = (v + delta) & amask;
}

/* INS/OUTS with or without REP.  Each iteration completes (registers
 * included) before the next may fault, so a fault restarts the
 * instruction with the remaining count. */
static void string_io(X86CPU *cpu, const Insn *d, bool out)
{
    int size = io_size(d);
    uint64_t amask = d->adsize == 2 ? 0xffffu : d->adsize == 4 ? 0xffffffffu : UINT64_MAX;
    uint16_t port = (uint16_t)cpu->regs[R_EDX];
    int32_t step = (cpu->eflags & DF_MASK) ? -size : size;
    x86_check_io(cpu, port, size);
    for (int n = 0;; n++) {
        if (d->rep && (cpu->regs[R_ECX] & amask) == 0)
            break;
        /* A long REP yields to the loop (timers, interrupts) and resumes:
         * the registers already describe the iterations done. */
        if (n == REP_BURST) {
            cpu->next_rip = cpu->rip;
            break;
        }
        if (out) {
            uint32_t v = mem_ld(cpu, d->seg, cpu->regs[R_ESI] & amask, size);
            ioport_write(cpu->io, port, v, size);
            reg_step(cpu, R_ESI, step, amask);
        } else {
            uint64_t off = cpu->regs[R_EDI] & amask;
            probe_write(cpu, R_ES, off, size);
            mem_st(cpu, R_ES, off, size, ioport_read(cpu->io, port, size));
            reg_step(cpu, R_EDI, step, amask);
        }
        if (!d->rep)
            break;
        reg_step(cpu, R_ECX, -1, amask);
    }
}

/* 6C 6D */
void op_ins(X86CPU *cpu, const Insn *d)
{
    string_io(cpu, d, false);
}

/* 6E 6F */
void op_outs(X86CPU *cpu, const Insn *d)
{
    string_io(cpu, d, true);
}
