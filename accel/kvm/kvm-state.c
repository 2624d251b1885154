/* X86CPU <-> KVM register state: regs, sregs, FPU/SSE, MSRs, debug
 * registers, XCR0.
 * The segment cache's flags hold descriptor bits 8..23 in place, which
 * maps field by field onto struct kvm_segment. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>

#include "accel/kvm/kvm_int.h"
#include "yl/apic.h"

static void seg_to_kvm(const SegCache *c, struct kvm_segment *k, bool usable)
{
    uint32_t f = c->flags;
    *k = (struct kvm_segment){
        .base = c->base, .limit = c->limit, .selector = c->sel,
        .type = (f >> 8) & 15, .s = (f >> 12) & 1, .dpl = (f >> 13) & 3,
        .present = (f >> 15) & 1, .avl = (f >> 20) & 1, .l = (f >> 21) & 1,
        .db = (f >> 22) & 1, .g = (f >> 23) & 1,
    };
    k->unusable = !usable;
}

static void seg_from_kvm(SegCache *c, const struct kvm_segment *k)
{
    c->sel = k->selector;
    c->base = k->base;
    c->limit = k->limit;
    c->flags = k->unusable ? 0 :
        (uint32_t)k->type << 8 | (uint32_t)k->s << 12 | (uint32_t)k->dpl << 13 |
        (uint32_t)k->present << 15 | (uint32_t)k->avl << 20 | (uint32_t)k->l << 21 |
        (uint32_t)k->db << 22 | (uint32_t)k->g << 23;
}

static const int kvm_seg_order[] = { R_ES, R_CS, R_SS, R_DS, R_FS, R_GS, R_LDTR, R_TR };

static struct kvm_segment *sreg_of(struct kvm_sregs *sr, int seg)
{
    switch (seg) {
    case R_ES: return &sr->es;
    case R_CS: return &sr->cs;
    case R_SS: return &sr->ss;
    case R_DS: return &sr->ds;
    case R_FS: return &sr->fs;
    case R_GS: return &sr->gs;
    case R_LDTR: return &sr->ldt;
    default: return &sr->tr;
    }
}

static void sregs_from_cpu(X86CPU *cpu, struct kvm_sregs *sr)
{
    bool pmode = cpu->cr[0] & CR0_PE;
    memset(sr, 0, sizeof(*sr));
    for (int i = 0; i < R_NSEG; i++) {
        int seg = kvm_seg_order[i];
        const SegCache *c = &cpu->seg[seg];
        /* A null data selector in protected mode is an unusable segment. */
        bool usable = !pmode || seg == R_CS || seg == R_TR || (c->flags & DESC_P_MASK);
        seg_to_kvm(c, sreg_of(sr, seg), usable);
    }
    sr->gdt.base = cpu->gdt.base;
    sr->gdt.limit = cpu->gdt.limit;
    sr->idt.base = cpu->idt.base;
    sr->idt.limit = cpu->idt.limit;
    sr->cr0 = cpu->cr[0];
    sr->cr2 = cpu->cr[2];
    sr->cr3 = cpu->cr[3];
    sr->cr4 = cpu->cr[4];
    sr->cr8 = cpu->cr[8];
    sr->efer = cpu->msr.efer;
    sr->apic_base = cpu->msr.apic_base ? cpu->msr.apic_base :
        APIC_DEFAULT_ADDRESS | MSR_APIC_BASE_ENABLE |
        (cpu->cpu_index == 0 ? MSR_APIC_BASE_BSP : 0);
}

static void sregs_to_cpu(X86CPU *cpu, const struct kvm_sregs *sr)
{
    for (int seg = 0; seg < R_NSEG; seg++)
        seg_from_kvm(&cpu->seg[seg], sreg_of((struct kvm_sregs *)sr, seg));
    cpu->gdt = (DescTable){ sr->gdt.base, sr->gdt.limit };
    cpu->idt = (DescTable){ sr->idt.base, sr->idt.limit };
    cpu->cr[0] = sr->cr0;
    cpu->cr[2] = sr->cr2;
    cpu->cr[3] = sr->cr3;
    cpu->cr[4] = sr->cr4;
    cpu->cr[8] = sr->cr8;
    cpu->msr.efer = sr->efer;
    cpu->msr.apic_base = sr->apic_base;
}

/* FXSAVE order: ST(i) is physical register (TOP + i) mod 8. */
static void fpu_from_cpu(X86CPU *cpu, struct kvm_fpu *f)
{
    memset(f, 0, sizeof(*f));
    for (int i = 0; i < 8; i++) {
        const FPReg *r = &cpu->fpu.st[(cpu->fpu.top + i) & 7];
        memcpy(f->fpr[i], &r->mant, 8);
        memcpy(f->fpr[i] + 8, &r->exp, 2);
    }
    f->fcw = cpu->fpu.fcw;
    f->fsw = (cpu->fpu.fsw & ~0x3800) | (cpu->fpu.top & 7) << 11;
    for (int i = 0; i < 8; i++)     /* abridged tag: 1 = not empty */
        if (((cpu->fpu.ftw >> (2 * i)) & 3) != 3)
            f->ftwx |= 1 << i;
    f->last_opcode = cpu->fpu.fop;
    f->last_ip = cpu->fpu.fip;
    f->last_dp = cpu->fpu.fdp;
    memcpy(f->xmm, cpu->xmm, sizeof(f->xmm));
    f->mxcsr = cpu->mxcsr;
}

static int fp_tag(const FPReg *r)
{
    int e = r->exp & 0x7fff;
    if (e == 0 && r->mant == 0)
        return 1;                       /* zero */
    if (e == 0 || e == 0x7fff || !(r->mant >> 63))
        return 2;                       /* special */
    return 0;                           /* valid */
}

static void fpu_to_cpu(X86CPU *cpu, const struct kvm_fpu *f)
{
    cpu->fpu.top = (f->fsw >> 11) & 7;
    for (int i = 0; i < 8; i++) {
        FPReg *r = &cpu->fpu.st[(cpu->fpu.top + i) & 7];
        memcpy(&r->mant, f->fpr[i], 8);
        memcpy(&r->exp, f->fpr[i] + 8, 2);
    }
    cpu->fpu.fcw = f->fcw;
    cpu->fpu.fsw = f->fsw & ~0x3800;
    cpu->fpu.ftw = 0;
    for (int i = 0; i < 8; i++)
        cpu->fpu.ftw |= ((f->ftwx >> i) & 1 ? fp_tag(&cpu->fpu.st[i]) : 3) << (2 * i);
    cpu->fpu.fop = f->last_opcode;
    cpu->fpu.fip = f->last_ip;
    cpu->fpu.fdp = f->last_dp;
    memcpy(cpu->xmm, f->xmm, sizeof(cpu->xmm));
    cpu->mxcsr = f->mxcsr;
}

/* The MSRs X86CPU keeps that KVM does not carry in sregs: the MTRRs
 * first, since KVM_SET_MSRS stops at the first one it refuses and TSC_AUX
 * (last) exists only where the host has RDTSCP.  (Direct boot sets the
 * MTRRs as firmware would, hw/linux_boot.c; KVM keeps its own copy, and
 * Linux turns PAT off where it finds them disabled.) */
#define NBASEMSRS 10
#define NMSRS (X86_NMTRRS + NBASEMSRS)
static uint64_t *msr_field(X86CPU *cpu, int i, uint32_t *index)
{
    static const uint32_t idx[NBASEMSRS] = {
        0x174, 0x175, 0x176, 0x277, 0xc0000081, 0xc0000082, 0xc0000083,
        0xc0000084, 0xc0000102, 0xc0000103,
    };
    if (i < X86_NMTRRS)
        return x86_mtrr_msr(&cpu->msr, i, index);
    i -= X86_NMTRRS;
    MSRState *m = &cpu->msr;
    uint64_t *f[NBASEMSRS] = {
        &m->sysenter_cs, &m->sysenter_esp, &m->sysenter_eip, &m->pat, &m->star,
        &m->lstar, &m->cstar, &m->sfmask, &m->kernel_gs_base, &m->tsc_aux,
    };
    *index = idx[i];
    return f[i];
}

static int msrs_xfer(KVMVcpu *v, bool put)
{
    struct { struct kvm_msrs h; struct kvm_msr_entry e[NMSRS]; } b;
    memset(&b, 0, sizeof(b));
    b.h.nmsrs = NMSRS;
    for (int i = 0; i < NMSRS; i++)
        b.e[i].data = *msr_field(v->cpu, i, &b.e[i].index);
    int n = ioctl(v->fd, put ? KVM_SET_MSRS : KVM_GET_MSRS, &b);
    if (n < 0)
        return -1;
    for (int i = 0; !put && i < n; i++)
        *msr_field(v->cpu, i, &b.e[i].index) = b.e[i].data;
    return 0;
}

static int xcr0_xfer(KVMVcpu *v, bool put)
{
    struct kvm_xcrs x = { 0 };
    if (put) {
        x.nr_xcrs = 1;
        x.xcrs[0].xcr = 0;
        x.xcrs[0].value = v->cpu->msr.xcr0 | 1;
        return ioctl(v->fd, KVM_SET_XCRS, &x);
    }
    if (ioctl(v->fd, KVM_GET_XCRS, &x) < 0)
        return -1;
    for (unsigned i = 0; i < x.nr_xcrs; i++)
        if (x.xcrs[i].xcr == 0)
            v->cpu->msr.xcr0 = x.xcrs[i].value;
    return 0;
}

static int debugregs_xfer(KVMVcpu *v, bool put)
{
    X86CPU *cpu = v->cpu;
    struct kvm_debugregs d;
    memset(&d, 0, sizeof(d));
    if (put) {
        for (int i = 0; i < 4; i++)
            d.db[i] = cpu->dr[i];
        d.dr6 = cpu->dr[6];
        d.dr7 = cpu->dr[7];
        return ioctl(v->fd, KVM_SET_DEBUGREGS, &d);
    }
    if (ioctl(v->fd, KVM_GET_DEBUGREGS, &d) < 0)
        return -1;
    for (int i = 0; i < 4; i++)
        cpu->dr[i] = d.db[i];
    cpu->dr[6] = d.dr6;
    cpu->dr[7] = d.dr7;
    return 0;
}

int kvm_state_put(KVMState *s, KVMVcpu *v, char *err, int errlen)
{
    X86CPU *cpu = v->cpu;
    struct kvm_regs r = { 0 };
    r.rax = cpu->regs[0]; r.rcx = cpu->regs[1]; r.rdx = cpu->regs[2];
    r.rbx = cpu->regs[3]; r.rsp = cpu->regs[4]; r.rbp = cpu->regs[5];
    r.rsi = cpu->regs[6]; r.rdi = cpu->regs[7];
    r.r8 = cpu->regs[8]; r.r9 = cpu->regs[9]; r.r10 = cpu->regs[10];
    r.r11 = cpu->regs[11]; r.r12 = cpu->regs[12]; r.r13 = cpu->regs[13];
    r.r14 = cpu->regs[14]; r.r15 = cpu->regs[15];
    r.rip = cpu->rip;
    r.rflags = x86_get_eflags(cpu);
    struct kvm_sregs sr;
    sregs_from_cpu(cpu, &sr);
    struct kvm_fpu f;
    fpu_from_cpu(cpu, &f);
    const char *what = NULL;
    if (ioctl(v->fd, KVM_SET_SREGS, &sr) < 0)
        what = "KVM_SET_SREGS";
    else if (ioctl(v->fd, KVM_SET_REGS, &r) < 0)
        what = "KVM_SET_REGS";
    else if (ioctl(v->fd, KVM_SET_FPU, &f) < 0)
        what = "KVM_SET_FPU";
    else if (msrs_xfer(v, true) < 0)
        what = "KVM_SET_MSRS";
    else if (debugregs_xfer(v, true) < 0)
        what = "KVM_SET_DEBUGREGS";
    else if ((cpu->cr[4] & CR4_OSXSAVE) && xcr0_xfer(v, true) < 0)
        what = "KVM_SET_XCRS";
    else if (v->xcr0_reset && !(cpu->cr[4] & CR4_OSXSAVE))
        xcr0_xfer(v, true);     /* back to x87 only; fails where no XSAVE */
    if (!what && v->events_held && ioctl(v->fd, KVM_SET_VCPU_EVENTS, &v->events) < 0)
        what = "KVM_SET_VCPU_EVENTS";
    if (what) {
        snprintf(err, errlen, "kvm: %s: %s", what, strerror(errno));
        return -1;
    }
    if (s->irqchip) {
        /* An AP after RESET or INIT waits for a start-up IPI: the kernel's
         * local APIC then starts it (RUNNABLE would run it from f000:fff0). */
        struct kvm_mp_state mp = { cpu->wait_for_sipi ? KVM_MP_STATE_INIT_RECEIVED :
                                   cpu->halted ? KVM_MP_STATE_HALTED :
                                   KVM_MP_STATE_RUNNABLE };
        ioctl(v->fd, KVM_SET_MP_STATE, &mp);
    }
    v->state_dirty = false;
    v->xcr0_reset = false;
    v->events_held = false;
    return 0;
}

int kvm_state_get(KVMState *s, KVMVcpu *v, char *err, int errlen)
{
    X86CPU *cpu = v->cpu;
    struct kvm_regs r;
    struct kvm_sregs sr;
    struct kvm_fpu f;
    const char *what = NULL;
    if (ioctl(v->fd, KVM_GET_REGS, &r) < 0)
        what = "KVM_GET_REGS";
    else if (ioctl(v->fd, KVM_GET_SREGS, &sr) < 0)
        what = "KVM_GET_SREGS";
    else if (ioctl(v->fd, KVM_GET_FPU, &f) < 0)
        what = "KVM_GET_FPU";
    else if (msrs_xfer(v, false) < 0)
        what = "KVM_GET_MSRS";
    else if (debugregs_xfer(v, false) < 0)
        what = "KVM_GET_DEBUGREGS";
    else if (xcr0_xfer(v, false) < 0)
        what = "KVM_GET_XCRS";
    else if (ioctl(v->fd, KVM_GET_VCPU_EVENTS, &v->events) < 0)
        what = "KVM_GET_VCPU_EVENTS";
    if (what) {
        snprintf(err, errlen, "kvm: %s: %s", what, strerror(errno));
        return -1;
    }
    uint64_t g[16] = { r.rax, r.rcx, r.rdx, r.rbx, r.rsp, r.rbp, r.rsi, r.rdi,
                       r.r8, r.r9, r.r10, r.r11, r.r12, r.r13, r.r14, r.r15 };
    memcpy(cpu->regs, g, sizeof(g));
    cpu->rip = cpu->next_rip = r.rip;
    x86_set_eflags(cpu, r.rflags, 0xffffffffu);
    sregs_to_cpu(cpu, &sr);
    fpu_to_cpu(cpu, &f);
    v->events_held = true;
    cpu->inhibit_irq = v->events.interrupt.shadow != 0;
    /* SVM's rule: the CPL is SS.DPL (0 in real mode, 3 in virtual-8086). */
    cpu->cpl = !(cpu->cr[0] & CR0_PE) ? 0 : (r.rflags & VM_MASK) ? 3 : sr.ss.dpl;
    if (s->irqchip) {
        struct kvm_mp_state mp;
        if (ioctl(v->fd, KVM_GET_MP_STATE, &mp) == 0) {
            cpu->halted = mp.mp_state == KVM_MP_STATE_HALTED;
            cpu->wait_for_sipi = mp.mp_state == KVM_MP_STATE_INIT_RECEIVED
                || mp.mp_state == KVM_MP_STATE_UNINITIALIZED;
        }
    }
    v->state_valid = true;
    return 0;
}
