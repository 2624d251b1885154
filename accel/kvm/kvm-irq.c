/* Interrupts under KVM.  In-kernel irqchip: the 8259 pair, I/O APIC and
 * local APICs live in the kernel and the machine's lines become
 * KVM_IRQ_LINE calls.  Userspace irqchip (kernel-irqchip=off): the
 * machine's own PIC/APIC raise X86CPU.irq_line and the vector goes in
 * with KVM_INTERRUPT once the guest can take it. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>

#include "accel/kvm/kvm_int.h"
#include "yl/apic.h"

static void kvm_irq_set(Machine *m, int gsi, int level)
{
    KVMState *s = m->accel_state;
    struct kvm_irq_level l = { .irq = gsi, .level = level };
    yl_log_mask(&m->log, LOG_INT, "kvm: GSI %d level %d\n", gsi, level);
    if (s && s->vm_fd >= 0 && ioctl(s->vm_fd, KVM_IRQ_LINE, &l) < 0)
        yl_log_mask(&m->log, LOG_GUEST_ERRORS, "kvm: KVM_IRQ_LINE %d: %s\n", gsi,
                    strerror(errno));
}

static void route(struct kvm_irq_routing_entry *e, int gsi, int chip, int pin)
{
    memset(e, 0, sizeof(*e));
    e->gsi = gsi;
    e->type = KVM_IRQ_ROUTING_IRQCHIP;
    e->u.irqchip.irqchip = chip;
    e->u.irqchip.pin = pin;
}

/* ISA IRQ n is GSI n on both 8259s and the I/O APIC, except that IRQ0
 * (the PIT) arrives at I/O APIC pin 2 (the MADT's source override).  GSI
 * 2, the cascade, has no route: no device drives it (the HPET's routes
 * are GSI 20-23), and KVM maps an acknowledged pin back to the last GSI
 * routed to it, so a GSI 2 entry would take pin 2's EOIs from GSI 0 and
 * the in-kernel PIT, which waits for its tick's EOI before the next
 * (reinjection), would stop after one tick through the I/O APIC.
 * GSI 16-23: PCI, I/O APIC. */
static int set_routing(KVMState *s)
{
    enum { MAXR = 16 + IOAPIC_NUM_PINS };
    struct kvm_irq_routing *r = calloc(1, sizeof(*r) + MAXR * sizeof(r->entries[0]));
    if (!r)
        return -1;
    int n = 0;
    for (int gsi = 0; gsi < 16; gsi++)
        if (gsi != 2)
            route(&r->entries[n++], gsi, gsi < 8 ? KVM_IRQCHIP_PIC_MASTER :
                  KVM_IRQCHIP_PIC_SLAVE, gsi & 7);
    for (int gsi = 0; gsi < IOAPIC_NUM_PINS; gsi++)
        if (gsi != 2)
            route(&r->entries[n++], gsi, KVM_IRQCHIP_IOAPIC, gsi == 0 ? 2 : gsi);
    r->nr = n;
    int rc = ioctl(s->vm_fd, KVM_SET_GSI_ROUTING, r);
    free(r);
    return rc;
}

int kvm_irqchip_create(KVMState *s, char *err, int errlen)
{
    if (ioctl(s->sys_fd, KVM_CHECK_EXTENSION, KVM_CAP_IRQCHIP) <= 0
        || ioctl(s->sys_fd, KVM_CHECK_EXTENSION, KVM_CAP_IRQ_ROUTING) <= 0) {
        snprintf(err, errlen, "kvm: this KVM has no in-kernel irqchip "
                 "(use -machine kernel-irqchip=off)");
        return -1;
    }
    if (ioctl(s->vm_fd, KVM_CREATE_IRQCHIP) < 0 || set_routing(s) < 0
        || kvm_reset_save_irqchip(s) < 0) {
        snprintf(err, errlen, "kvm: cannot create the in-kernel irqchip: %s",
                 strerror(errno));
        return -1;
    }
    if (kvm_pit_create(s, err, errlen) < 0)
        return -1;
    s->irqchip = true;
    s->m->kernel_irqchip = true;
    s->m->kernel_irq_set = kvm_irq_set;
    return 0;
}

/* The local APIC's RESET state: LVTs masked, flat model, SVR 0xff. */
void kvm_irqchip_reset_lapic(KVMState *s, KVMVcpu *v)
{
    struct kvm_lapic_state l;
    if (!s->irqchip || ioctl(v->fd, KVM_GET_LAPIC, &l) < 0)
        return;
    uint32_t version;
    memcpy(&version, l.regs + 0x30, 4);
    memset(l.regs, 0, sizeof(l.regs));
    uint32_t id = (uint32_t)v->cpu->cpu_index << 24, dfr = 0xffffffffu, svr = 0xff,
             masked = 1u << 16;
    memcpy(l.regs + 0x20, &id, 4);
    memcpy(l.regs + 0x30, &version, 4);
    memcpy(l.regs + 0xe0, &dfr, 4);
    memcpy(l.regs + 0xf0, &svr, 4);
    for (int off = 0x320; off <= 0x370; off += 0x10)
        memcpy(l.regs + off, &masked, 4);
    memcpy(l.regs + 0x2f0, &masked, 4);     /* LVT CMCI */
    /* The BSP's LINT0 as the firmware leaves it (virtual wire: ExtINT), so
     * that the 8259 reaches a CPU booted without firmware too. */
    uint32_t extint = 0x700;
    if (v->cpu->cpu_index == 0)
        memcpy(l.regs + 0x350, &extint, 4);
    ioctl(v->fd, KVM_SET_LAPIC, &l);
}

/* Userspace irqchip: the guest's MOV to CR8 stays inside KVM (it exits
 * only when CR8 drops: KVM_EXIT_SET_TPR), while TPR writes through the
 * APIC page reach our local APIC; kvm_run's cr8 carries the value into
 * each KVM_RUN and out of it, and our APIC must rank interrupts by it. */
void kvm_tpr_to_kvm(KVMVcpu *v)
{
    struct LAPIC *apic = apic_of_cpu(v->cpu);
    if (apic)
        v->cpu->cr[8] = apic_get_tpr(apic) >> 4;
    v->run->cr8 = v->cpu->cr[8];
}

void kvm_tpr_from_kvm(KVMVcpu *v)
{
    struct LAPIC *apic = apic_of_cpu(v->cpu);
    uint64_t cr8 = v->run->cr8 & 0xf;
    v->cpu->cr[8] = cr8;
    /* Only a changed class: TPR bits 3:0 set through the APIC stay. */
    if (apic && apic_get_tpr(apic) >> 4 != cr8)
        apic_set_tpr(apic, (uint8_t)(cr8 << 4));
}

/* Before each KVM_RUN with the userspace irqchip: NMI and INTR. */
void kvm_inject_userspace(KVMState *s, KVMVcpu *v)
{
    X86CPU *cpu = v->cpu;
    struct kvm_run *run = v->run;
    if (cpu->nmi_pending) {
        cpu->nmi_pending = false;
        ioctl(v->fd, KVM_NMI);
        yl_log_mask(&s->m->log, LOG_INT, "kvm: inject NMI\n");
    }
    if (cpu->irq_line && run->ready_for_interrupt_injection && cpu->irq_ack) {
        struct kvm_interrupt irq = { .irq = cpu->irq_ack(cpu->irq_ack_opaque) };
        if (ioctl(v->fd, KVM_INTERRUPT, &irq) < 0)
            yl_log_mask(&s->m->log, LOG_GUEST_ERRORS, "kvm: KVM_INTERRUPT %u: %s\n",
                        irq.irq, strerror(errno));
        else
            yl_log_mask(&s->m->log, LOG_INT, "kvm: inject vector %#x\n", irq.irq);
    }
    /* Still more to deliver: exit as soon as the guest can take it. */
    run->request_interrupt_window = cpu->irq_line;
}
