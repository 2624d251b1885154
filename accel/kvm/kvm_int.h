/* The KVM accelerator's own state (accel/kvm/): one VM per machine, one
 * vCPU per X86CPU, the memslots that mirror the machine's address map. */
#ifndef YL_ACCEL_KVM_INT_H
#define YL_ACCEL_KVM_INT_H

#include <linux/kvm.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>

#include "yl/machine.h"

#define KVM_MAX_SLOTS 32
#define KVM_RESET_MSRS 24   /* kvm-reset.c's list */
#define KVM_NR_CHIPS 3      /* 8259 master, slave, I/O APIC */
/* The virtualization bits: the host's say whether VT-x/AMD-V backs KVM
 * (kvm-host.c); the guest's are cleared (no nested virtualization). */
#define CPUID1_ECX_VMX (1u << 5)
#define CPUID81_ECX_SVM (1u << 2)

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
    bool bound;             /* thread is set: it has run the vCPU */
    bool in_run;            /* inside KVM_RUN, without the machine lock */
    bool sync_req;          /* another thread waits for its registers */
    bool state_valid;       /* X86CPU reflects the vCPU */
    bool state_dirty;       /* X86CPU is newer: put it before KVM_RUN */
    bool xcr0_reset;        /* put XCR0 even with CR4.OSXSAVE clear (after reset) */
    /* What KVM_SET_REGS and KVM_SET_SREGS would drop (a queued exception,
     * an interrupt KVM_INTERRUPT gave that is not yet delivered, NMI and
     * shadow state): taken with the registers, put back after them. */
    struct kvm_vcpu_events events;
    bool events_held;
    /* The MSRs a machine reset puts back (kvm-reset.c), as at creation. */
    struct kvm_msr_entry reset_msr[KVM_RESET_MSRS];
    unsigned nreset_msrs;
} KVMVcpu;

typedef struct KVMState {
    Machine *m;
    int sys_fd, vm_fd;
    int kick_signal;
    bool irqchip;           /* in-kernel PIC, I/O APIC and local APICs */
    bool pit;               /* in-kernel 8254 (with the irqchip) */
    bool pit_hpet_legacy;   /* what KVM was told of the HPET's legacy mode */
    struct kvm_irqchip reset_chip[KVM_NR_CHIPS];    /* as KVM created them */
    bool readonly_mem;      /* KVM_CAP_READONLY_MEM */
    int max_slots;
    KVMSlot slots[KVM_MAX_SLOTS];
    int nslots;
    uint32_t mem_generation;
    bool mem_ready;
    struct kvm_cpuid2 *supported_cpuid;
    KVMVcpu vcpu[MACHINE_MAX_CPUS];
} KVMState;

/* kvm.c: the signal mask KVM_RUN runs with, from the calling thread's. */
int kvm_set_run_sigmask(KVMState *s, KVMVcpu *v);

/* kvm-run.c: runs the vCPU in the calling thread (the machine lock held). */
int kvm_vcpu_run_loop(KVMState *s, KVMVcpu *v, int64_t budget_ns);

/* kvm-mem.c: make the memslots match m->as (after any map change). */
int kvm_mem_update(KVMState *s, char *err, int errlen);

/* kvm-state.c: X86CPU <-> the vCPU's registers. */
int kvm_state_put(KVMState *s, KVMVcpu *v, char *err, int errlen);
int kvm_state_get(KVMState *s, KVMVcpu *v, char *err, int errlen);

/* kvm-cpuid.c: what KVM supports (fetched once into s->supported_cpuid),
 * shaped for this machine. */
int kvm_supported_cpuid(KVMState *s, char *err, int errlen);
int kvm_cpuid_setup(KVMState *s, KVMVcpu *v, char *err, int errlen);

/* kvm-host.c: whether VT-x or AMD-V backs this KVM (a PC cannot run on
 * one that is not); the second is the decision alone, for tests. */
int kvm_host_check(KVMState *s, char *err, int errlen);
int kvm_hw_assist_check(const struct kvm_cpuid2 *supported, bool cpu_has_virt,
                        char *err, int errlen);

/* kvm-irq.c: the in-kernel irqchip and the userspace-PIC injection. */
int kvm_irqchip_create(KVMState *s, char *err, int errlen);
void kvm_irqchip_reset_lapic(KVMState *s, KVMVcpu *v);
void kvm_inject_userspace(KVMState *s, KVMVcpu *v);
/* CR8 and the userspace local APIC's TPR across a KVM_RUN (no irqchip). */
void kvm_tpr_to_kvm(KVMVcpu *v);
void kvm_tpr_from_kvm(KVMVcpu *v);

/* kvm-pit.c: the in-kernel PIT. */
int kvm_pit_create(KVMState *s, char *err, int errlen);
void kvm_pit_reset(KVMState *s);
void kvm_pit_mmio_written(KVMState *s, uint64_t gpa);

/* kvm-reset.c: machine reset of what the kernel holds. */
int kvm_reset_save_irqchip(KVMState *s);
void kvm_reset_save_vcpu(KVMVcpu *v);
void kvm_reset_vm(KVMState *s);
void kvm_reset_vcpu(KVMState *s, KVMVcpu *v);

#endif
