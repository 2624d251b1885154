/* The Yinglong side: the same bytes as flat 32-bit protected-mode code,
 * or for 64-bit cases as 64-bit code in long mode with the RAM region
 * identity-mapped, followed by HLT, run by the TCG accelerator until the
 * CPU halts. */
#include <stdlib.h>

#include "tests/diff/diff.h"
#include "tests/diff/harness.h"

/* One RAM region starting at the data buffer: code, descriptor tables,
 * exception handlers and the stack lie above the buffer. */
#define G_RAM_SIZE 0x100000u
#define G_CODE DIFF_CODE_ADDR
#define G_GDT (DIFF_BUF_ADDR + 0x20000u)
#define G_IDT (DIFF_BUF_ADDR + 0x20100u)
#define G_HANDLERS (DIFF_BUF_ADDR + 0x21000u)
#define G_PT (DIFF_BUF_ADDR + 0x30000u)         /* PML4, PDPT, PD */
#define G_RUN_NS 2000000000ll

struct DiffGuest {
    Harness h;
    bool mode64;
};

void diff_guest_free(struct DiffGuest *g)
{
    if (!g)
        return;
    harness_free(&g->h);
    free(g);
}

struct DiffGuest *diff_guest_new(bool mode64)
{
    struct DiffGuest *g = calloc(1, sizeof(*g));
    if (!g || harness_init(&g->h, DIFF_BUF_ADDR, G_RAM_SIZE) < 0)
        return NULL;
    g->mode64 = mode64;
    if (mode64) {
        harness_long_tables(&g->h, G_GDT, G_IDT, G_HANDLERS);
        harness_identity_2m(&g->h, G_PT, DIFF_BUF_ADDR);
    } else {
        harness_flat_tables(&g->h, G_GDT, G_IDT, G_HANDLERS);
    }
    return g;
}

void diff_guest_set_tcg(struct DiffGuest *g, DiffTcg t)
{
    g->h.cpu->tcg_nocache = t.nocache;
    g->h.cpu->tcg_nochain = t.nochain;
    g->h.cpu->tcg_nojit = t.nojit;
}

static void fpu_to_guest(X86CPU *cpu, const uint8_t *img)
{
    X87State *f = &cpu->fpu;
    uint16_t fsw;
    memcpy(&f->fcw, img + FPU_FCW, 2);
    memcpy(&fsw, img + FPU_FSW, 2);
    memcpy(&f->ftw, img + FPU_FTW, 2);
    f->top = (fsw >> 11) & 7;
    f->fsw = fsw & ~0x3800;
    for (int i = 0; i < 8; i++) {
        FPReg *r = &f->st[(f->top + i) & 7];
        memcpy(&r->mant, img + FPU_ST0 + 10 * i, 8);
        memcpy(&r->exp, img + FPU_ST0 + 10 * i + 8, 2);
    }
    f->fop = 0;
    f->fip = f->fdp = 0;
    f->fcs = f->fds = 0;
}

static void fpu_from_guest(const X86CPU *cpu, uint8_t *img)
{
    const X87State *f = &cpu->fpu;
    uint16_t fsw = (f->fsw & ~0x3800) | (f->top & 7) << 11;
    memset(img, 0, 108);
    memcpy(img + FPU_FCW, &f->fcw, 2);
    memcpy(img + FPU_FSW, &fsw, 2);
    memcpy(img + FPU_FTW, &f->ftw, 2);
    for (int i = 0; i < 8; i++) {
        const FPReg *r = &f->st[(f->top + i) & 7];
        memcpy(img + FPU_ST0 + 10 * i, &r->mant, 8);
        memcpy(img + FPU_ST0 + 10 * i + 8, &r->exp, 2);
    }
}

static int vec_fault(int vec)
{
    switch (vec) {
    case EXC_DE: return FAULT_DE;
    case EXC_UD: return FAULT_UD;
    case EXC_GP: case EXC_SS: case EXC_PF: return FAULT_GP;
    case EXC_XM: return FAULT_XM;
    default: return FAULT_OTHER;
    }
}

static bool vec_has_error_code(int vec)
{
    return vec == EXC_DF || (vec >= EXC_TS && vec <= EXC_PF) || vec == EXC_AC;
}

/* Mode and general registers of the case. */
static void enter_case(struct DiffGuest *g, const DiffCase *c)
{
    X86CPU *cpu = g->h.cpu;
    if (c->mode64) {
        harness_long64(&g->h, G_PT);
        memcpy(cpu->regs, c->init.r64, sizeof(c->init.r64));
    } else {
        harness_flat32(&g->h);
        for (int i = 0; i < 8; i++)
            cpu->regs[i] = c->init.r[i];
    }
}

static void regs_from_guest(const X86CPU *cpu, const DiffCase *c, DiffState *st)
{
    if (c->mode64) {
        memcpy(st->r64, cpu->regs, sizeof(st->r64));
        return;
    }
    for (int i = 0; i < 8; i++)
        st->r[i] = (uint32_t)cpu->regs[i];
}

/* Halted in an exception handler: the vector and the faulting offset. */
static void guest_fault(const X86CPU *cpu, AddressSpace *as, const DiffCase *c,
                        uint64_t rip, DiffResult *out)
{
    int vec = (int)(rip - G_HANDLERS - 1);
    int slot = c->mode64 ? 8 : 4;
    uint64_t sp = c->mode64 ? cpu->regs[R_ESP] : (uint32_t)cpu->regs[R_ESP];
    uint64_t eip = phys_read(as, sp + (vec_has_error_code(vec) ? slot : 0), slot);
    out->guest_vec = vec;
    out->fault = vec_fault(vec);
    out->fault_off = (int)(eip - G_CODE);
}

void diff_guest_run(struct DiffGuest *g, const DiffCase *c, DiffResult *out)
{
    Harness *h = &g->h;
    X86CPU *cpu = h->cpu;
    AddressSpace *as = &h->m->as;
    uint8_t code[DIFF_MAX_CODE + 3];
    int n = c->code_len;

    memcpy(code, c->code, c->code_len);
    /* Half the cases end their block with a jump to the HLT, so that the
     * block leaves through a branch exit (the JIT's chained exit) rather
     * than the handler call of the HLT. */
    if (c->code_len & 1) {
        code[n++] = 0xeb;   /* jmp $+2 */
        code[n++] = 0x00;
    }
    code[n++] = 0xf4;
    phys_rw(as, DIFF_BUF_ADDR, (void *)c->mem, DIFF_BUF_SIZE, true);
    phys_rw(as, G_CODE, code, (size_t)n, true);

    enter_case(g, c);
    x86_set_eflags(cpu, (uint32_t)c->init.eflags, ~0u);
    fpu_to_guest(cpu, c->init.fpu);
    /* The native side runs under an OS that enabled SSE and #XM. */
    cpu->cr[4] |= CR4_OSFXSR | CR4_OSXMMEXCPT;
    cpu->mxcsr = c->init.mxcsr;
    for (int i = 0; i < 8; i++)
        memcpy(cpu->xmm[i].b, c->init.xmm[i], 16);
    cpu->rip = G_CODE;

    memset(out, 0, sizeof(*out));
    out->guest_vec = -1;
    int r = harness_run(h, G_RUN_NS);
    regs_from_guest(cpu, c, &out->st);
    out->st.eflags = x86_get_eflags(cpu);
    fpu_from_guest(cpu, out->st.fpu);
    out->st.mxcsr = cpu->mxcsr;
    for (int i = 0; i < 8; i++)
        memcpy(out->st.xmm[i], cpu->xmm[i].b, 16);
    phys_rw(as, DIFF_BUF_ADDR, out->mem, DIFF_BUF_SIZE, false);

    if (r != HARNESS_HALTED) {
        out->hang = true;
        return;
    }
    uint64_t rip = cpu->rip;
    if (rip == G_CODE + (uint64_t)n)    /* after the HLT */
        return;
    if (rip > G_HANDLERS && rip <= G_HANDLERS + 32) {
        guest_fault(cpu, as, c, rip, out);
        return;
    }
    /* Halted somewhere else: report it as a fault at a bogus offset. */
    out->fault = FAULT_OTHER;
    out->fault_off = (int)(rip - G_CODE);
}
