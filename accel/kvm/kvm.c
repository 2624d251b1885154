/* The KVM accelerator behind the AccelOps contract: /dev/kvm, the VM, its
 * vCPUs and the KVM_RUN loop that hands port I/O and MMIO exits to the
 * same dispatch the software CPU uses. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include "accel/kvm/kvm_int.h"
#include "yl/accel.h"

#define KVM_DEV "/dev/kvm"
#define KVM_API 12
/* Three pages below the BIOS that Intel's real-mode support needs (TSS)
 * and one for its identity page table; nothing else lives there. */
#define KVM_TSS_ADDR 0xfeffd000u
#define KVM_IDENTITY_ADDR 0xfeffc000u

static void kick_handler(int sig)
{
    (void)sig;      /* only to make KVM_RUN return EINTR */
}

static int open_kvm(char *err, int errlen)
{
    int fd = open(KVM_DEV, O_RDWR | O_CLOEXEC);
    if (fd >= 0)
        return fd;
    if (errno == ENOENT)
        snprintf(err, errlen, "kvm: %s does not exist: this host has no KVM (no kvm "
                 "module loaded, or no VT-x/AMD-V)", KVM_DEV);
    else if (errno == EACCES || errno == EPERM)
        snprintf(err, errlen, "kvm: %s: permission denied (join the 'kvm' group or "
                 "run as root)", KVM_DEV);
    else
        snprintf(err, errlen, "kvm: cannot open %s: %s", KVM_DEV, strerror(errno));
    return -1;
}

static bool has_cap(KVMState *s, int cap)
{
    return ioctl(s->sys_fd, KVM_CHECK_EXTENSION, cap) > 0;
}

static int check_caps(KVMState *s, char *err, int errlen)
{
    static const struct { int cap; const char *name; } need[] = {
        { KVM_CAP_USER_MEMORY, "KVM_CAP_USER_MEMORY" },
        { KVM_CAP_SET_TSS_ADDR, "KVM_CAP_SET_TSS_ADDR" },
        { KVM_CAP_EXT_CPUID, "KVM_CAP_EXT_CPUID" },
        { KVM_CAP_IMMEDIATE_EXIT, "KVM_CAP_IMMEDIATE_EXIT" },
    };
    int api = ioctl(s->sys_fd, KVM_GET_API_VERSION, 0);
    if (api != KVM_API) {
        snprintf(err, errlen, "kvm: API version %d, need %d", api, KVM_API);
        return -1;
    }
    for (size_t i = 0; i < sizeof(need) / sizeof(need[0]); i++) {
        if (!has_cap(s, need[i].cap)) {
            snprintf(err, errlen, "kvm: this KVM lacks %s", need[i].name);
            return -1;
        }
    }
    s->readonly_mem = has_cap(s, KVM_CAP_READONLY_MEM);
    s->max_slots = ioctl(s->sys_fd, KVM_CHECK_EXTENSION, KVM_CAP_NR_MEMSLOTS);
    if (s->max_slots <= 0)
        s->max_slots = KVM_MAX_SLOTS;
    return 0;
}

static int create_vm(KVMState *s, char *err, int errlen)
{
    do
        s->vm_fd = ioctl(s->sys_fd, KVM_CREATE_VM, 0);
    while (s->vm_fd < 0 && errno == EINTR);
    if (s->vm_fd < 0) {
        snprintf(err, errlen, "kvm: KVM_CREATE_VM failed: %s (is VT-x/AMD-V enabled "
                 "and usable: in the firmware, not taken by another hypervisor?)",
                 strerror(errno));
        return -1;
    }
    if (ioctl(s->vm_fd, KVM_SET_TSS_ADDR, KVM_TSS_ADDR) < 0) {
        snprintf(err, errlen, "kvm: KVM_SET_TSS_ADDR: %s", strerror(errno));
        return -1;
    }
    uint64_t ident = KVM_IDENTITY_ADDR;
    if (has_cap(s, KVM_CAP_SET_IDENTITY_MAP_ADDR))
        ioctl(s->vm_fd, KVM_SET_IDENTITY_MAP_ADDR, &ident);
    return 0;
}

static void kvm_free(KVMState *s)
{
    if (!s)
        return;
    if (s->vm_fd >= 0)
        close(s->vm_fd);
    if (s->sys_fd >= 0)
        close(s->sys_fd);
    free(s->supported_cpuid);
    free(s);
}

static int install_kick_signal(KVMState *s)
{
    s->kick_signal = SIGRTMIN + 2;
    struct sigaction sa = { .sa_handler = kick_handler };
    sigemptyset(&sa.sa_mask);
    if (sigaction(s->kick_signal, &sa, NULL) < 0)
        return -1;
    /* Blocked except inside KVM_RUN (KVM_SET_SIGNAL_MASK), so a kick that
     * comes between two runs is not lost: the next entry returns at once. */
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, s->kick_signal);
    return pthread_sigmask(SIG_BLOCK, &set, NULL) == 0 ? 0 : -1;
}

/* kvm-cpuid.c: resolves -cpu into m->cpu_model against what KVM supports. */
int kvm_cpu_model_init(KVMState *s, char *err, int errlen);

static int kvm_init(Machine *m, char *err, int errlen)
{
    KVMState *s = calloc(1, sizeof(*s));
    if (!s) {
        snprintf(err, errlen, "kvm: out of memory");
        return -1;
    }
    s->m = m;
    s->vm_fd = -1;
    for (int i = 0; i < MACHINE_MAX_CPUS; i++)
        s->vcpu[i].fd = -1;
    if ((s->sys_fd = open_kvm(err, errlen)) < 0 || check_caps(s, err, errlen) < 0
        || kvm_host_check(s, err, errlen) < 0 || create_vm(s, err, errlen) < 0
        || (!m->opt.kernel_irqchip_off && kvm_irqchip_create(s, err, errlen) < 0)) {
        m->kernel_irqchip = false;
        m->kernel_irq_set = NULL;
        kvm_free(s);
        return -1;
    }
    if (install_kick_signal(s) < 0) {
        snprintf(err, errlen, "kvm: cannot set up the kick signal: %s", strerror(errno));
        kvm_free(s);
        return -1;
    }
    if (kvm_cpu_model_init(s, err, errlen) < 0) {    /* last: TCG resolves it on failure */
        m->kernel_irqchip = false;
        m->kernel_irq_set = NULL;
        kvm_free(s);
        return -1;
    }
    if (!s->readonly_mem)
        fprintf(stderr, "yinglong: kvm: no KVM_CAP_READONLY_MEM: ROM is writable\n");
    m->accel_state = s;
    return 0;
}

/* The signal mask during KVM_RUN: the thread's own, kick unblocked. */
int kvm_set_run_sigmask(KVMState *s, KVMVcpu *v)
{
    sigset_t cur;
    pthread_sigmask(SIG_BLOCK, NULL, &cur);
    sigdelset(&cur, s->kick_signal);
    struct { struct kvm_signal_mask h; uint8_t bits[8]; } mask = { .h.len = 8 };
    for (int sig = 1; sig <= 64; sig++)
        if (sigismember(&cur, sig) == 1)
            mask.bits[(sig - 1) / 8] |= 1 << ((sig - 1) % 8);
    return ioctl(v->fd, KVM_SET_SIGNAL_MASK, &mask);
}

static int vcpu_setup(KVMState *s, KVMVcpu *v, X86CPU *cpu, char *err, int errlen)
{
    v->cpu = cpu;
    v->fd = ioctl(s->vm_fd, KVM_CREATE_VCPU, cpu->cpu_index);
    if (v->fd < 0) {
        snprintf(err, errlen, "kvm: KVM_CREATE_VCPU: %s", strerror(errno));
        return -1;
    }
    int size = ioctl(s->sys_fd, KVM_GET_VCPU_MMAP_SIZE, 0);
    if (size <= 0) {
        snprintf(err, errlen, "kvm: KVM_GET_VCPU_MMAP_SIZE: %s", strerror(errno));
        return -1;
    }
    v->run_size = size;
    v->run = mmap(NULL, v->run_size, PROT_READ | PROT_WRITE, MAP_SHARED, v->fd, 0);
    if (v->run == MAP_FAILED) {
        v->run = NULL;
        snprintf(err, errlen, "kvm: mmap of kvm_run: %s", strerror(errno));
        return -1;
    }
    if (kvm_cpuid_setup(s, v, err, errlen) < 0)
        return -1;
    if (kvm_set_run_sigmask(s, v) < 0) {
        snprintf(err, errlen, "kvm: signal setup: %s", strerror(errno));
        return -1;
    }
    kvm_reset_save_vcpu(v);
    kvm_irqchip_reset_lapic(s, v);
    /* The machine's first reset came before this vCPU existed: the PIT's
     * and irqchip's part of it happens now. */
    if (cpu->cpu_index == 0)
        kvm_reset_vm(s);
    v->state_dirty = true;      /* the X86CPU's reset/boot state goes in first */
    return 0;
}

static int kvm_vcpu_create(Machine *m, X86CPU *cpu)
{
    KVMState *s = m->accel_state;
    char err[256];
    if (!s || cpu->cpu_index < 0 || cpu->cpu_index >= MACHINE_MAX_CPUS)
        return -1;
    if (vcpu_setup(s, &s->vcpu[cpu->cpu_index], cpu, err, sizeof(err)) < 0) {
        fprintf(stderr, "yinglong: %s\n", err);
        return -1;
    }
    return 0;
}

static KVMVcpu *vcpu_of(X86CPU *cpu)
{
    KVMState *s = cpu->machine ? cpu->machine->accel_state : NULL;
    if (!s || cpu->cpu_index < 0 || cpu->cpu_index >= MACHINE_MAX_CPUS)
        return NULL;
    KVMVcpu *v = &s->vcpu[cpu->cpu_index];
    return v->fd >= 0 ? v : NULL;
}

static void kvm_vcpu_destroy(Machine *m, X86CPU *cpu)
{
    KVMState *s = m->accel_state;
    KVMVcpu *v = vcpu_of(cpu);
    if (v) {
        if (v->run)
            munmap(v->run, v->run_size);
        close(v->fd);
        v->fd = -1;
    }
    bool any = false;
    for (int i = 0; s && i < MACHINE_MAX_CPUS; i++)
        any |= s->vcpu[i].fd >= 0;
    if (s && !any) {
        m->accel_state = NULL;
        m->kernel_irq_set = NULL;
        kvm_free(s);
    }
}

/* Another thread (holding the machine lock) or the vCPU's own wants it
 * out of KVM_RUN: immediate_exit covers a thread about to enter, the
 * signal (blocked outside KVM_RUN, so never lost) one inside. */
static void kvm_vcpu_kick(X86CPU *cpu)
{
    KVMVcpu *v = vcpu_of(cpu);
    if (!v)
        return;
    v->run->immediate_exit = 1;
    if (v->bound && !pthread_equal(v->thread, pthread_self()))
        pthread_kill(v->thread, ((KVMState *)cpu->machine->accel_state)->kick_signal);
}

/* Called with the machine lock held.  A vCPU inside KVM_RUN is asked to
 * fetch its own registers (kvm-run.c serves sync_req as soon as it is out)
 * and waited for; one outside cannot enter while the lock is held, so its
 * registers are read here. */
static void kvm_sync_state(X86CPU *cpu)
{
    KVMVcpu *v = vcpu_of(cpu);
    char err[256];
    if (!v || v->state_valid || v->state_dirty)
        return;
    Machine *m = cpu->machine;
    if (v->in_run && !pthread_equal(v->thread, pthread_self())) {
        v->sync_req = true;
        kvm_vcpu_kick(cpu);
        while (v->sync_req)
            machine_wait_for_cpus(m);
        return;
    }
    if (kvm_state_get(m->accel_state, v, err, sizeof(err)) < 0) {
        fprintf(stderr, "yinglong: %s\n", err);
        return;
    }
    /* Whoever asked may change it: it goes back before the next run. */
    v->state_dirty = true;
}

static void kvm_vcpu_reset(Machine *m, X86CPU *cpu)
{
    KVMVcpu *v = vcpu_of(cpu);
    if (!v)
        return;
    kvm_reset_vcpu(m->accel_state, v);
    v->state_dirty = true;
    v->state_valid = true;
}

static int kvm_vcpu_run(Machine *m, X86CPU *cpu, int64_t budget_ns)
{
    KVMVcpu *v = vcpu_of(cpu);
    if (!v) {
        fprintf(stderr, "yinglong: kvm: no vCPU %d\n", cpu->cpu_index);
        machine_request_shutdown(m, 1);
        return ACCEL_RUN_EXIT;
    }
    return kvm_vcpu_run_loop(m->accel_state, v, budget_ns);
}

const AccelOps kvm_accel_ops = {
    .name = "kvm",
    .init = kvm_init,
    .vcpu_create = kvm_vcpu_create,
    .vcpu_run = kvm_vcpu_run,
    .vcpu_kick = kvm_vcpu_kick,
    .sync_state = kvm_sync_state,
    .vcpu_destroy = kvm_vcpu_destroy,
    .vcpu_reset = kvm_vcpu_reset,
    .thread_per_vcpu = true,
};
