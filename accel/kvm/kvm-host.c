/* Whether the host's KVM can run a PC: only one that VT-x or AMD-V backs.
 * PVM (the kvm_pvm module, for Linux hosts without either, such as cloud
 * VMs without nested virtualization) opens as /dev/kvm with the same API
 * and version, but it runs the guest at the host's CPL 3 and executes
 * only PVM-enabled 64-bit guest kernels: a PC's firmware, real mode and
 * plain protected-mode code end in emulation failures or never get
 * anywhere (measured on such a host: docs/kvm.md, "PVM"). So
 * -accel kvm is refused there, with one line, and kvm:tcg falls back. */
#include <cpuid.h>
#include <stdio.h>

#include "accel/kvm/kvm_int.h"

/* "PVM" as the low three bytes of a hypervisor leaf's EBX: PVM's vendor
 * signature (a leaf of its own or KVM's vendor-features leaf, by version). */
#define PVM_SIGNATURE 0x4d5650u

static bool names_pvm(const struct kvm_cpuid2 *c)
{
    for (unsigned i = 0; i < c->nent; i++)
        if ((c->entries[i].function >> 28) == 4
            && (c->entries[i].ebx & 0xffffffu) == PVM_SIGNATURE)
            return true;
    return false;
}

/* The host CPU as userspace sees it: a KVM on VT-x or AMD-V has the bit
 * (the kernel's module would not load without it). */
static bool cpu_has_virt(void)
{
    unsigned a, b, c, d;
    if (__get_cpuid(1, &a, &b, &c, &d) && (c & CPUID1_ECX_VMX))
        return true;
    return __get_cpuid(0x80000001u, &a, &b, &c, &d) && (c & CPUID81_ECX_SVM);
}

int kvm_hw_assist_check(const struct kvm_cpuid2 *supported, bool cpu_has_virt,
                        char *err, int errlen)
{
    if (names_pvm(supported)) {
        snprintf(err, errlen, "kvm: /dev/kvm is PVM, not hardware-assisted: it runs "
                 "only PVM guest kernels, not a PC");
        return -1;
    }
    if (!cpu_has_virt) {
        snprintf(err, errlen, "kvm: /dev/kvm is not hardware-assisted (this CPU has no "
                 "VT-x/AMD-V): it cannot run a PC");
        return -1;
    }
    return 0;
}

int kvm_host_check(KVMState *s, char *err, int errlen)
{
    if (kvm_supported_cpuid(s, err, errlen) < 0)
        return -1;
    return kvm_hw_assist_check(s->supported_cpuid, cpu_has_virt(), err, errlen);
}
