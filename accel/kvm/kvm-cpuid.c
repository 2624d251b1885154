/* CPUID under KVM: what the host's KVM can virtualize
 * (KVM_GET_SUPPORTED_CPUID), less what this machine cannot back: nested
 * virtualization, and with the userspace irqchip x2APIC, the TSC-deadline
 * timer and the paravirtual features that need an in-kernel local APIC;
 * then filtered by the -cpu model (yl/cpumodel.h). */
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

int kvm_supported_cpuid(KVMState *s, char *err, int errlen)
{
    if (!s->supported_cpuid && !(s->supported_cpuid = supported_cpuid(s->sys_fd))) {
        snprintf(err, errlen, "kvm: KVM_GET_SUPPORTED_CPUID: %s", strerror(errno));
        return -1;
    }
    return 0;
}

static const struct kvm_cpuid_entry2 *find_entry(const struct kvm_cpuid2 *c, uint32_t fn)
{
    for (unsigned i = 0; i < c->nent; i++)
        if (c->entries[i].function == fn && c->entries[i].index == 0)
            return &c->entries[i];
    return NULL;
}

static void copy_str(char *dst, const uint32_t *regs, int n)
{
    memcpy(dst, regs, 4 * n);
    dst[4 * n] = 0;
}

/* -cpu host and max take the host's identity: recorded in the model for
 * the X86CPU's RESET EDX and `info registers`. */
static void host_identity(const struct kvm_cpuid2 *c, X86CPUModel *m)
{
    const struct kvm_cpuid_entry2 *e = find_entry(c, 0);
    if (e)
        copy_str(m->vendor, (const uint32_t[]){ e->ebx, e->edx, e->ecx }, 3);
    if ((e = find_entry(c, 1))) {
        m->stepping = e->eax & 0xf;
        m->family = (e->eax >> 8) & 0xf;
        if (m->family == 0xf)
            m->family += (e->eax >> 20) & 0xff;
        m->model = ((e->eax >> 4) & 0xf) | ((e->eax >> 12) & 0xf0);
    }
    uint32_t brand[12] = { 0 };
    for (int i = 0; i < 3; i++)
        if ((e = find_entry(c, 0x80000002u + i)))
            memcpy(brand + 4 * i, (const uint32_t[]){ e->eax, e->ebx, e->ecx, e->edx }, 16);
    copy_str(m->model_id, brand, 12);
}

/* What this machine can offer a guest in the model's words: KVM's set less
 * nested virtualization, and x2APIC/TSC-deadline only with the in-kernel
 * local APIC (KVM reports TSC-deadline as a capability, not a bit). */
static void kvm_avail(const KVMState *s, const struct kvm_cpuid2 *c, uint32_t *avail)
{
    static const uint32_t fns[CPUID_NWORDS] = { 1, 1, 7, 7, 7, 0x80000001u, 0x80000001u };
    for (int w = 0; w < CPUID_NWORDS; w++) {
        const struct kvm_cpuid_entry2 *e = find_entry(c, fns[w]);
        avail[w] = 0;
        if (!e)
            continue;
        switch (w) {
        case CPUID_W_1_EDX: case CPUID_W_7_EDX: case CPUID_W_81_EDX: avail[w] = e->edx; break;
        case CPUID_W_7_EBX: avail[w] = e->ebx; break;
        default: avail[w] = e->ecx; break;
        }
    }
    avail[CPUID_W_1_ECX] &= ~((1u << 5) | (1u << 21) | (1u << 24));
    avail[CPUID_W_1_ECX] |= 1u << 31;
    if (s->irqchip)
        avail[CPUID_W_1_ECX] |= (1u << 21) | (1u << 24);
    avail[CPUID_W_81_ECX] &= ~(1u << 2);
}

int kvm_cpu_model_init(KVMState *s, char *err, int errlen)
{
    if (kvm_supported_cpuid(s, err, errlen) < 0)
        return -1;
    uint32_t avail[CPUID_NWORDS];
    X86CPUModel *m = &s->m->cpu_model;
    kvm_avail(s, s->supported_cpuid, avail);
    if (x86_cpu_model_resolve(s->m->opt.cpu ? s->m->opt.cpu : "max", avail, true, m,
                              err, errlen) < 0)
        return -1;
    if (m->host_identity)
        host_identity(s->supported_cpuid, m);
    return 0;
}

static void set_str(const char *str, uint32_t *a, uint32_t *b, uint32_t *c, uint32_t *d)
{
    uint32_t *regs[4] = { a, b, c, d };
    for (int i = 0; i < 4 && regs[i]; i++)
        memcpy(regs[i], str + 4 * i, 4);
}

/* The -cpu model: its feature words, and unless it takes the host's
 * identity, its vendor, signature and model-id string. */
static void model_entry(const X86CPUModel *m, struct kvm_cpuid_entry2 *e)
{
    const uint32_t *f = m->feat;
    uint32_t fn = e->function;
    if (fn == 1) {
        e->edx &= f[CPUID_W_1_EDX];
        e->ecx &= f[CPUID_W_1_ECX];
        if (!m->host_identity)
            e->eax = x86_cpu_model_version(m);
    } else if (fn == 7 && e->index == 0) {
        e->ebx &= f[CPUID_W_7_EBX];
        e->ecx &= f[CPUID_W_7_ECX];
        e->edx &= f[CPUID_W_7_EDX];
    } else if (fn == 0x80000001u) {
        e->edx &= f[CPUID_W_81_EDX];
        e->ecx &= f[CPUID_W_81_ECX];
    } else if (fn == 0xd && e->index == 0) {
        if (!(f[CPUID_W_1_ECX] & (1u << 28)))
            e->eax &= ~(1u << 2);               /* AVX state */
        if (!(f[CPUID_W_7_EBX] & (1u << 16)))
            e->eax &= ~0xe0u;                   /* AVX-512 state */
    } else if (!m->host_identity && fn == 0) {
        set_str(m->vendor, &e->ebx, &e->edx, &e->ecx, NULL);
    } else if (!m->host_identity && fn >= 0x80000002u && fn <= 0x80000004u) {
        const char *s = m->model_id + 16 * (fn - 0x80000002u);
        set_str(s, &e->eax, &e->ebx, &e->ecx, &e->edx);
    }
}

static void shape_entry(const KVMState *s, const X86CPU *cpu, struct kvm_cpuid_entry2 *e)
{
    model_entry(&s->m->cpu_model, e);
    switch (e->function) {
    case 1:
        e->ebx = (e->ebx & 0x00ffffffu) | (uint32_t)cpu->cpu_index << 24;
        e->ecx &= ~CPUID1_ECX_VMX;
        e->ecx |= 1u << 31;                     /* running under a hypervisor */
        if (s->irqchip && (s->m->cpu_model.feat[CPUID_W_1_ECX] & (1u << 24)))
            e->ecx |= 1u << 24;                 /* TSC-deadline (in-kernel LAPIC) */
        else
            e->ecx &= ~((1u << 21) | (1u << 24));   /* x2APIC, TSC-deadline */
        break;
    case 0xb:
    case 0x1f:
        e->edx = cpu->cpu_index;                /* x2APIC ID */
        break;
    case 0x80000001:
        e->ecx &= ~CPUID81_ECX_SVM;
        break;
    case 0x8000000a:                            /* SVM revision and features */
        e->eax = e->ebx = e->ecx = e->edx = 0;
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
    if (kvm_supported_cpuid(s, err, errlen) < 0)
        return -1;
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
