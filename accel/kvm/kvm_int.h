/* The KVM accelerator's own state (accel/kvm/): one VM per machine, one
 * vCPU per X86CPU, the memslots that mirror the machine's address map. */
#ifndef YL_ACCEL_KVM_INT_H
#define YL_ACCEL_KVM_INT_H

#include <linux/kvm.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <time.h>

#include "yl/machine.h"

#define KVM_MAX_SLOTS 32

/* One piece of RAM or ROM of the address map, as KVM sees it. */
typedef struct KVMSlot {
    uint64_t gpa, size;
    uint8_t *host;
    bool readonly;
    int id;                 /* KVM slot number */
} KVMSlot;

typedef struct KVMVcpu {
    int fd;
    struct kvm_run *run;
    size_t run_size;
    X86CPU *cpu;
    pthread_t thread;       /* the thread that runs it (kicks signal it) */
    timer_t slice_timer;    /* ends a slice: signals the thread */
    bool have_timer;
    bool state_valid;       /* X86CPU reflects the vCPU */
    bool state_dirty;       /* X86CPU is newer: put it before KVM_RUN */
    uint32_t mp_state;      /* in-kernel irqchip: KVM_MP_STATE_* after its last turn */
} KVMVcpu;

typedef struct KVMState {
    Machine *m;
    int sys_fd, vm_fd;
    int kick_signal;
    bool irqchip;           /* in-kernel PIC, I/O APIC and local APICs */
    bool readonly_mem;      /* KVM_CAP_READONLY_MEM */
    int max_slots;
    KVMSlot slots[KVM_MAX_SLOTS];
    int nslots;
    uint32_t mem_generation;
    bool mem_ready;
    struct kvm_cpuid2 *supported_cpuid;
    KVMVcpu vcpu[MACHINE_MAX_CPUS];
} KVMState;

/* kvm-mem.c: make the memslots match m->as (after any map change). */
int kvm_mem_update(KVMState *s, char *err, int errlen);

/* kvm-state.c: X86CPU <-> the vCPU's registers. */
int kvm_state_put(KVMState *s, KVMVcpu *v, char *err, int errlen);
int kvm_state_get(KVMState *s, KVMVcpu *v, char *err, int errlen);

/* kvm-cpuid.c: what KVM supports, shaped for this machine. */
int kvm_cpuid_setup(KVMState *s, KVMVcpu *v, char *err, int errlen);

/* kvm-irq.c: the in-kernel irqchip and the userspace-PIC injection. */
int kvm_irqchip_create(KVMState *s, char *err, int errlen);
void kvm_irqchip_reset_lapic(KVMState *s, KVMVcpu *v);
void kvm_inject_userspace(KVMState *s, KVMVcpu *v);

#endif
