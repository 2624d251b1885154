/* Machine reset under KVM (system_reset, port 0xcf9 or 0x92, a triple
 * fault): what the kernel holds must come back to its power-on state as
 * the userspace devices and the X86CPU do.
 *
 * - VM-wide, with the in-kernel irqchip: both 8259s and the I/O APIC get
 *   the state KVM gave them when they were created (saved then), the PIT
 *   its power-on state (kvm-pit.c).
 * - Per vCPU: the local APIC (kvm-irq.c), no pending or injected event
 *   (exception, interrupt, NMI, interrupt shadow), and the MSRs that
 *   X86CPU does not carry back to the values KVM gave the vCPU at creation
 *   (saved then): the paravirtual clock, steal time, async page faults
 *   and PV EOI, which would otherwise go on writing into the rebooted
 *   guest's memory, MTRRs, MISC_ENABLE and the like.  The registers, the
 *   MSRs X86CPU keeps, XCR0 and the MP state follow from the X86CPU's
 *   reset state (kvm_state_put before the next run). */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>

#include "accel/kvm/kvm_int.h"

/* MSRs reset to their creation value: those KVM may have that X86CPU
 * does not keep.  The ones a vCPU lacks are left out (saved at creation). */
static const uint32_t reset_msrs[] = {
    0x11, 0x12,                                 /* kvmclock (old) */
    0x4b564d00, 0x4b564d01, 0x4b564d02,         /* wall clock, system time, async PF */
    0x4b564d03, 0x4b564d04, 0x4b564d05,         /* steal time, PV EOI, poll control */
    0x4b564d06,                                 /* async PF interrupt */
    0x3a, 0x3b, 0x48,                           /* FEATURE_CONTROL, TSC_ADJUST, SPEC_CTRL */
    0x17a, 0x17b, 0x1a0,                        /* MCG_STATUS, MCG_CTL, MISC_ENABLE */
    0xda0,                                      /* XSS */
    0xc0010015, 0xc001011f,                     /* HWCR, VIRT_SPEC_CTRL */
};

_Static_assert(sizeof(reset_msrs) / sizeof(reset_msrs[0]) <= KVM_RESET_MSRS,
               "KVM_RESET_MSRS too small");

static int msr_xfer(KVMVcpu *v, unsigned long op, uint32_t index, uint64_t *val)
{
    struct { struct kvm_msrs h; struct kvm_msr_entry e; } b;
    memset(&b, 0, sizeof(b));
    b.h.nmsrs = 1;
    b.e.index = index;
    b.e.data = *val;
    if (ioctl(v->fd, op, &b) != 1)
        return -1;
    *val = b.e.data;
    return 0;
}

/* At vCPU creation: what the reset MSRs are before the guest touches them.
 * Only those KVM both reads and takes back (which depends on the vCPU:
 * PV EOI, for one, wants the in-kernel local APIC) are kept, since
 * KVM_SET_MSRS stops at the first it refuses. */
void kvm_reset_save_vcpu(KVMVcpu *v)
{
    v->nreset_msrs = 0;
    for (size_t i = 0; i < sizeof(reset_msrs) / sizeof(reset_msrs[0]); i++) {
        uint64_t val = 0;
        if (msr_xfer(v, KVM_GET_MSRS, reset_msrs[i], &val) == 0
            && msr_xfer(v, KVM_SET_MSRS, reset_msrs[i], &val) == 0) {
            v->reset_msr[v->nreset_msrs].index = reset_msrs[i];
            v->reset_msr[v->nreset_msrs].data = val;
            v->nreset_msrs++;
        }
    }
}

/* At irqchip creation: KVM's own power-on state of the 8259s and I/O APIC. */
int kvm_reset_save_irqchip(KVMState *s)
{
    static const int chips[KVM_NR_CHIPS] = {
        KVM_IRQCHIP_PIC_MASTER, KVM_IRQCHIP_PIC_SLAVE, KVM_IRQCHIP_IOAPIC,
    };
    for (int i = 0; i < KVM_NR_CHIPS; i++) {
        memset(&s->reset_chip[i], 0, sizeof(s->reset_chip[i]));
        s->reset_chip[i].chip_id = chips[i];
        if (ioctl(s->vm_fd, KVM_GET_IRQCHIP, &s->reset_chip[i]) < 0)
            return -1;
    }
    return 0;
}

static void put_irqchips(KVMState *s)
{
    for (int i = 0; i < KVM_NR_CHIPS; i++) {
        struct kvm_irqchip c = s->reset_chip[i];
        if (ioctl(s->vm_fd, KVM_SET_IRQCHIP, &c) < 0)
            fprintf(stderr, "yinglong: kvm: KVM_SET_IRQCHIP %u: %s\n", c.chip_id,
                    strerror(errno));
    }
}

/* The VM-wide part, once per machine reset (with CPU 0's reset, which
 * comes after every device's): the PIT first, whose parking may still
 * move IRQ0, then the interrupt controllers, which forget every edge. */
void kvm_reset_vm(KVMState *s)
{
    if (!s->irqchip)
        return;
    kvm_pit_reset(s);
    put_irqchips(s);
}

static void clear_events(KVMState *s, KVMVcpu *v)
{
    struct kvm_vcpu_events ev;
    memset(&ev, 0, sizeof(ev));
    /* Without the flags, KVM would keep the NMI-pending count and the
     * interrupt shadow as they are; SIPI vector 0 is what RESET leaves. */
    ev.flags = KVM_VCPUEVENT_VALID_NMI_PENDING | KVM_VCPUEVENT_VALID_SHADOW
        | KVM_VCPUEVENT_VALID_SIPI_VECTOR;
    if (ioctl(v->fd, KVM_SET_VCPU_EVENTS, &ev) < 0)
        yl_log_mask(&s->m->log, LOG_GUEST_ERRORS, "kvm: KVM_SET_VCPU_EVENTS: %s\n",
                    strerror(errno));
}

static void put_reset_msrs(KVMState *s, KVMVcpu *v)
{
    struct { struct kvm_msrs h; struct kvm_msr_entry e[KVM_RESET_MSRS]; } b;
    memset(&b, 0, sizeof(b));
    b.h.nmsrs = v->nreset_msrs;
    memcpy(b.e, v->reset_msr, v->nreset_msrs * sizeof(b.e[0]));
    int n = ioctl(v->fd, KVM_SET_MSRS, &b);
    if (n != (int)v->nreset_msrs)
        yl_log_mask(&s->m->log, LOG_GUEST_ERRORS, "kvm: reset MSRs: %d of %u set "
                    "(stopped at %#x)\n", n, v->nreset_msrs,
                    n >= 0 && n < (int)v->nreset_msrs ? v->reset_msr[n].index : 0);
}

/* The per-vCPU part (the X86CPU has its reset state already). */
void kvm_reset_vcpu(KVMState *s, KVMVcpu *v)
{
    if (v->cpu->cpu_index == 0)
        kvm_reset_vm(s);
    clear_events(s, v);
    v->events_held = false;
    put_reset_msrs(s, v);
    kvm_irqchip_reset_lapic(s, v);
    v->xcr0_reset = true;
}
