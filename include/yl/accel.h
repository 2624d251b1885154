/* The machine does not know which accelerator runs it. */
#ifndef YL_ACCEL_H
#define YL_ACCEL_H

#include <stdbool.h>
#include <stdint.h>

struct Machine;
struct X86CPU;

enum { ACCEL_RUN_OK, ACCEL_RUN_HALTED, ACCEL_RUN_EXIT };

typedef struct AccelOps {
    const char *name;
    int (*init)(struct Machine *m, char *err, int errlen);
    int (*vcpu_create)(struct Machine *m, struct X86CPU *cpu);
    /* Runs the vCPU until an exit is requested, it halts, or about
     * budget_ns of virtual time passed.  Returns ACCEL_RUN_*. */
    int (*vcpu_run)(struct Machine *m, struct X86CPU *cpu, int64_t budget_ns);
    void (*vcpu_kick)(struct X86CPU *cpu);
    /* Makes X86CPU reflect the vCPU (KVM copies registers; TCG no-op). */
    void (*sync_state)(struct X86CPU *cpu);
    /* Frees what vcpu_create made (may be NULL); called by machine_destroy. */
    void (*vcpu_destroy)(struct Machine *m, struct X86CPU *cpu);
    /* After machine_reset put the X86CPU in its reset (and boot loader)
     * state: the accelerator takes it from there (may be NULL). */
    void (*vcpu_reset)(struct Machine *m, struct X86CPU *cpu);
    /* Each vCPU runs in a host thread of its own (core/cpus.c): vcpu_run
     * is called there with the machine lock held and must drop it while
     * the guest runs (machine_guest_enter/exit); vcpu_kick and sync_state
     * may come from any thread holding the lock.  Unset: one thread runs
     * every vCPU in turn and nothing is locked. */
    bool thread_per_vcpu;
} AccelOps;

extern const AccelOps tcg_accel_ops;
extern const AccelOps kvm_accel_ops;    /* only with CONFIG_KVM */

#endif
