/* CPUID under KVM: what the host's KVM can virtualize
 * (KVM_GET_SUPPORTED_CPUID), less what this machine cannot back: nested
 * virtualization, and with the userspace irqchip x2APIC, the TSC-deadline
 * timer and the paravirtual features that need an in-kernel local APIC. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>

#include "accel/kvm/kvm_int.h"

#define KVM_CPUID_SIGNATURE_LEAF 0x40000000u
#define KVM_CPUID_FEATURES_LEAF 0x40000001u
/* Paravirtual features that need no in-kernel APIC: the clocksources,
 * NOP_IO_DELAY and the stable-clock bit. */
#define KVM_PV_USERSPACE_OK ((1u << 0) | (1u << 1) | (1u << 3) | (1u << 24))

static struct kvm_cpuid2 *supported_cpuid(int sys_fd)
{
    for (int n = 64; n <= 4096; n *= 2) {
        struct kvm_cpuid2 *c = calloc(1, sizeof(*c) + n * sizeof(c->entries[0]));
        if (!c)
            return NULL;
        c->nent = n;
        if (ioctl(sys_fd, KVM_GET_SUPPORTED_CPUID, c) == 0)
            return c;
        free(c);
        if (errno != E2BIG)
            return NULL;
    }
    return NULL;
}

static void shape_entry(const KVMState *s, const X86CPU *cpu, struct kvm_cpuid_entry2 *e)
{
    switch (e->function) {
    case 1:
        e->ebx = (e->ebx & 0x00ffffffu) | (uint32_t)cpu->cpu_index << 24;
        e->ecx &= ~(1u << 5);                   /* VMX */
        e->ecx |= 1u << 31;                     /* running under a hypervisor */
        if (s->irqchip)
            e->ecx |= 1u << 24;                 /* TSC-deadline (in-kernel LAPIC) */
        else
            e->ecx &= ~((1u << 21) | (1u << 24));   /* x2APIC, TSC-deadline */
        break;
    case 0xb:
    case 0x1f:
        e->edx = cpu->cpu_index;                /* x2APIC ID */
        break;
    case 0x80000001:
        e->ecx &= ~(1u << 2);                   /* SVM */
        break;
    case KVM_CPUID_FEATURES_LEAF:
        if (!s->irqchip)
            e->eax &= KVM_PV_USERSPACE_OK;
        break;
    default:
        break;
    }
}

int kvm_cpuid_setup(KVMState *s, KVMVcpu *v, char *err, int errlen)
{
    if (!s->supported_cpuid && !(s->supported_cpuid = supported_cpuid(s->sys_fd))) {
        snprintf(err, errlen, "kvm: KVM_GET_SUPPORTED_CPUID: %s", strerror(errno));
        return -1;
    }
    const struct kvm_cpuid2 *sup = s->supported_cpuid;
    size_t bytes = sizeof(*sup) + sup->nent * sizeof(sup->entries[0]);
    struct kvm_cpuid2 *c = malloc(bytes);
    if (!c) {
        snprintf(err, errlen, "kvm: out of memory");
        return -1;
    }
    memcpy(c, sup, bytes);
    for (unsigned i = 0; i < c->nent; i++)
        shape_entry(s, v->cpu, &c->entries[i]);
    int r = ioctl(v->fd, KVM_SET_CPUID2, c);
    if (r < 0)
        snprintf(err, errlen, "kvm: KVM_SET_CPUID2: %s", strerror(errno));
    free(c);
    return r < 0 ? -1 : 0;
}
