/* FXSAVE / FXRSTOR (0F AE /0 /1): the 512-byte x87+SSE image, in its
 * legacy layout (32-bit FIP/FDP with selectors) or, with REX.W, the 64-bit
 * one (64-bit FIP/FDP).  The x87 part goes through the FPU's own state
 * helpers (fpu.h); the tag word is the abridged one, a bit per physical
 * register that is not empty. */
#include "cpu/x86/fpu.h"
#include "cpu/x86/sse.h"

static void put16(uint8_t *p, uint16_t v) { memcpy(p, &v, 2); }
static void put32(uint8_t *p, uint32_t v) { memcpy(p, &v, 4); }
static void put64(uint8_t *p, uint64_t v) { memcpy(p, &v, 8); }
static uint16_t get16(const uint8_t *p) { uint16_t v; memcpy(&v, p, 2); return v; }
static uint32_t get32(const uint8_t *p) { uint32_t v; memcpy(&v, p, 4); return v; }
static uint64_t get64(const uint8_t *p) { uint64_t v; memcpy(&v, p, 8); return v; }

/* XMM registers the image holds: all 16 only in 64-bit mode. */
static int fx_nxmm(const X86CPU *cpu)
{
    return x86_code_mode(cpu) == 64 ? 16 : 8;
}

void fx_save_image(X86CPU *cpu, uint8_t img[512], bool rexw)
{
    const X87State *f = &cpu->fpu;
    uint8_t abridged = 0;
    for (int i = 0; i < 8; i++)
        if (((f->ftw >> (2 * i)) & 3) != TAG_EMPTY)
            abridged |= 1 << i;
    put16(img + 0, f->fcw);
    put16(img + 2, x87_fsw(f));
    img[4] = abridged;
    put16(img + 6, f->fop & 0x7ff);
    if (rexw) {
        put64(img + 8, f->fip);
        put64(img + 16, f->fdp);
    } else {
        put32(img + 8, (uint32_t)f->fip);
        put16(img + 12, f->fcs);
        put32(img + 16, (uint32_t)f->fdp);
        put16(img + 20, f->fds);
    }
    put32(img + 24, cpu->mxcsr);
    put32(img + 28, MXCSR_WRITABLE);
    for (int i = 0; i < 8; i++) {
        uint8_t *p = img + 32 + 16 * i;
        memset(p, 0, 16);
        x87_reg_to_bytes(&f->st[(f->top + i) & 7], p);
    }
    for (int i = 0; i < fx_nxmm(cpu); i++)
        memcpy(img + 160 + 16 * i, cpu->xmm[i].b, 16);
}

void fx_check_mxcsr(X86CPU *cpu, uint32_t mxcsr)
{
    if (mxcsr & ~MXCSR_WRITABLE)
        raise_exception_err(cpu, EXC_GP, 0);
}

void fx_load_x87(X86CPU *cpu, const uint8_t img[512], bool rexw)
{
    X87State *f = &cpu->fpu;
    f->fcw = get16(img + 0);
    x87_set_fsw(f, get16(img + 2));
    f->fop = get16(img + 6) & 0x7ff;
    if (rexw) {
        f->fip = get64(img + 8);
        f->fdp = get64(img + 16);
        f->fcs = f->fds = 0;
    } else {
        f->fip = get32(img + 8);
        f->fcs = get16(img + 12);
        f->fdp = get32(img + 16);
        f->fds = get16(img + 20);
    }
    for (int i = 0; i < 8; i++)
        x87_reg_from_bytes(&f->st[(f->top + i) & 7], img + 32 + 16 * i);
    uint16_t ftw = 0;
    for (int i = 0; i < 8; i++)
        if (!(img[4] >> i & 1))
            ftw |= TAG_EMPTY << (2 * i);
    f->ftw = ftw;
    f->ftw = x87_tag_word(f);
}

void fx_load_sse(X86CPU *cpu, const uint8_t img[512])
{
    cpu->mxcsr = get32(img + 24);
    for (int i = 0; i < fx_nxmm(cpu); i++)
        memcpy(cpu->xmm[i].b, img + 160 + 16 * i, 16);
}

void fx_init_x87(X86CPU *cpu)
{
    x87_init_state(&cpu->fpu);
    cpu->fpu.fop = 0;
    cpu->fpu.fip = cpu->fpu.fdp = 0;
    cpu->fpu.fcs = cpu->fpu.fds = 0;
}

void fx_init_sse(X86CPU *cpu)
{
    for (int i = 0; i < fx_nxmm(cpu); i++)
        memset(&cpu->xmm[i], 0, sizeof(XMMReg));
}

/* FXSAVE/FXRSTOR fault on CR0.EM or CR0.TS with #NM, on a misaligned
 * operand with #GP(0). */
static uint64_t fx_enter(X86CPU *cpu, const Insn *d)
{
    if (cpu->cr[0] & (CR0_EM | CR0_TS))
        raise_exception(cpu, EXC_NM);
    uint64_t off = insn_ea(cpu, d);
    sse_check_align(cpu, d, off, 16);
    return off;
}

/* Bytes the image defines: the x87 part, MXCSR and the XMM registers;
 * 288 or 416 onwards is reserved or available to software, untouched. */
static uint32_t fx_used(X86CPU *cpu)
{
    return 160 + 16 * fx_nxmm(cpu);
}

void op_fxsave(X86CPU *cpu, const Insn *d)
{
    uint64_t off = fx_enter(cpu, d);
    uint8_t img[512];
    memset(img, 0, sizeof(img));
    fx_save_image(cpu, img, d->rex & REX_W);
    uint32_t n = fx_used(cpu);
    probe_write(cpu, d->seg, off, n);
    for (uint32_t i = 0; i < n; i += 8)
        st64(cpu, d->seg, off + i, get64(img + i));
}

void op_fxrstor(X86CPU *cpu, const Insn *d)
{
    uint64_t off = fx_enter(cpu, d);
    uint8_t img[512];
    uint32_t n = fx_used(cpu);
    for (uint32_t i = 0; i < n; i += 8)
        put64(img + i, ld64(cpu, d->seg, off + i));
    fx_check_mxcsr(cpu, get32(img + 24));
    fx_load_x87(cpu, img, d->rex & REX_W);
    fx_load_sse(cpu, img);
}
