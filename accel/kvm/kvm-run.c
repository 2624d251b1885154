/* The KVM_RUN loop of one vCPU, in the vCPU's own thread (core/
 * cpus-threaded.c): runs until the budget is spent, the guest halts
 * (userspace irqchip), or the machine stops (a kick: the kick signal or
 * immediate_exit ends KVM_RUN).  The machine lock is dropped only inside
 * KVM_RUN; exits are served under it by the machine's own dispatch. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>

#include "accel/kvm/kvm_int.h"
#include "yl/accel.h"

enum { RUN_CONTINUE = -1 };

static const char *const exit_names[] = {
    [KVM_EXIT_UNKNOWN] = "unknown", [KVM_EXIT_EXCEPTION] = "exception",
    [KVM_EXIT_IO] = "io", [KVM_EXIT_HYPERCALL] = "hypercall",
    [KVM_EXIT_DEBUG] = "debug", [KVM_EXIT_HLT] = "hlt", [KVM_EXIT_MMIO] = "mmio",
    [KVM_EXIT_IRQ_WINDOW_OPEN] = "irq-window", [KVM_EXIT_SHUTDOWN] = "shutdown",
    [KVM_EXIT_FAIL_ENTRY] = "fail-entry", [KVM_EXIT_INTR] = "intr",
    [KVM_EXIT_SET_TPR] = "set-tpr",
    [KVM_EXIT_INTERNAL_ERROR] = "internal-error",
    [KVM_EXIT_SYSTEM_EVENT] = "system-event",
};

static const char *exit_name(uint32_t r)
{
    if (r < sizeof(exit_names) / sizeof(exit_names[0]) && exit_names[r])
        return exit_names[r];
    return "?";
}

/* A kick that came outside KVM_RUN stays pending (blocked there): take it. */
static void eat_kicks(KVMState *s)
{
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, s->kick_signal);
    struct timespec zero = { 0, 0 };
    while (sigtimedwait(&set, NULL, &zero) > 0)
        ;
}

static void handle_io(Machine *m, struct kvm_run *run)
{
    uint8_t *p = (uint8_t *)run + run->io.data_offset;
    unsigned size = run->io.size;
    for (uint32_t i = 0; i < run->io.count; i++, p += size) {
        uint32_t val = 0;
        if (run->io.direction == KVM_EXIT_IO_OUT) {
            memcpy(&val, p, size);
            ioport_write(&m->io, run->io.port, val, size);
        } else {
            val = ioport_read(&m->io, run->io.port, size);
            memcpy(p, &val, size);
        }
    }
}

static void handle_mmio(KVMState *s, struct kvm_run *run)
{
    Machine *m = s->m;
    uint64_t addr = run->mmio.phys_addr;
    unsigned len = run->mmio.len;
    bool pow2 = len == 1 || len == 2 || len == 4 || len == 8;
    for (unsigned off = 0; off < len; off += pow2 ? len : 1) {
        unsigned n = pow2 ? len : 1;
        uint64_t val = 0;
        if (run->mmio.is_write) {
            memcpy(&val, run->mmio.data + off, n);
            phys_write(&m->as, addr + off, val, n);
        } else {
            val = phys_read(&m->as, addr + off, n);
            memcpy(run->mmio.data + off, &val, n);
        }
    }
    if (run->mmio.is_write)
        kvm_pit_mmio_written(s, addr);
}

/* A failure KVM cannot go on from: say what, show the guest, stop. */
static int fatal(KVMState *s, KVMVcpu *v, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static int fatal(KVMState *s, KVMVcpu *v, const char *fmt, ...)
{
    char err[256];
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "yinglong: kvm: ");
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
    if (kvm_state_get(s, v, err, sizeof(err)) == 0)
        x86_cpu_dump(v->cpu, stderr);
    machine_request_shutdown(s->m, 1);
    return ACCEL_RUN_EXIT;
}

static void log_exit(Machine *m, struct kvm_run *run)
{
    if (!(m->log.mask & LOG_EXEC))
        return;
    if (run->exit_reason == KVM_EXIT_IO)
        yl_log(&m->log, "kvm: exit io %s port %#x size %u count %u\n",
               run->io.direction == KVM_EXIT_IO_OUT ? "out" : "in", run->io.port,
               run->io.size, run->io.count);
    else if (run->exit_reason == KVM_EXIT_MMIO)
        yl_log(&m->log, "kvm: exit mmio %s %#llx len %u\n",
               run->mmio.is_write ? "write" : "read",
               (unsigned long long)run->mmio.phys_addr, run->mmio.len);
    else
        yl_log(&m->log, "kvm: exit %s (%u)\n", exit_name(run->exit_reason),
               run->exit_reason);
}

/* A triple fault under -d int or guest_errors: which vCPU, the last
 * exception KVM queued and the registers.  On AMD, KVM INITs the vCPU at
 * the SHUTDOWN intercept (the VMCB is undefined after it), so there the
 * registers are the INIT state and only the exception tells anything. */
static void log_shutdown(KVMState *s, KVMVcpu *v)
{
    Log *log = &s->m->log;
    if (!(log->mask & (LOG_INT | LOG_GUEST_ERRORS)))
        return;
    yl_log(log, "kvm: triple fault on CPU %d\n", v->cpu->cpu_index);
    struct kvm_vcpu_events ev;
    if (ioctl(v->fd, KVM_GET_VCPU_EVENTS, &ev) == 0)
        yl_log(log, "kvm: events: exception %u nr %u error %#x, interrupt %u nr %u, "
               "nmi %u\n", ev.exception.injected | ev.exception.pending, ev.exception.nr,
               ev.exception.error_code, ev.interrupt.injected, ev.interrupt.nr,
               ev.nmi.injected | ev.nmi.pending);
    char err[256];
    if (kvm_state_get(s, v, err, sizeof(err)) == 0)
        x86_cpu_dump(v->cpu, log->file ? log->file : stderr);
}

static int handle_system_event(KVMState *s, struct kvm_run *run)
{
    switch (run->system_event.type) {
    case KVM_SYSTEM_EVENT_RESET:
        machine_request_reset(s->m);
        break;
    default:
        machine_request_shutdown(s->m, 0);
        break;
    }
    return ACCEL_RUN_EXIT;
}

static int handle_exit(KVMState *s, KVMVcpu *v)
{
    Machine *m = s->m;
    struct kvm_run *run = v->run;
    log_exit(m, run);
    switch (run->exit_reason) {
    case KVM_EXIT_IO:
        handle_io(m, run);
        return RUN_CONTINUE;
    case KVM_EXIT_MMIO:
        handle_mmio(s, run);
        return RUN_CONTINUE;
    case KVM_EXIT_IRQ_WINDOW_OPEN:
    case KVM_EXIT_INTR:
    case KVM_EXIT_SET_TPR:      /* CR8 dropped: run_once took it to the APIC */
        return RUN_CONTINUE;
    case KVM_EXIT_HLT:
        v->cpu->halted = true;
        return ACCEL_RUN_HALTED;
    case KVM_EXIT_SHUTDOWN:
        log_shutdown(s, v);
        v->state_valid = false;
        machine_triple_fault(m);
        return ACCEL_RUN_EXIT;
    case KVM_EXIT_SYSTEM_EVENT:
        return handle_system_event(s, run);
    case KVM_EXIT_FAIL_ENTRY:
        return fatal(s, v, "VM entry failed (hardware reason %#llx, cpu %u)",
                     (unsigned long long)run->fail_entry.hardware_entry_failure_reason,
                     run->fail_entry.cpu);
    case KVM_EXIT_INTERNAL_ERROR:
        return fatal(s, v, "internal error (suberror %u, %u data words): KVM "
                     "could not emulate an instruction", run->internal.suberror,
                     run->internal.ndata);
    default:
        return fatal(s, v, "unexpected exit reason %u (%s)", run->exit_reason,
                     exit_name(run->exit_reason));
    }
}

static bool userspace_halt_wakes(const X86CPU *cpu)
{
    return cpu->nmi_pending || (cpu->irq_line && (cpu->eflags & IF_MASK));
}

/* Another thread asked for the registers while the guest ran. */
static void serve_sync(KVMState *s, KVMVcpu *v)
{
    char err[256];
    if (!v->sync_req)
        return;
    if (kvm_state_get(s, v, err, sizeof(err)) < 0)
        fprintf(stderr, "yinglong: %s\n", err);
    else
        v->state_dirty = true;      /* the asker may change them */
    v->sync_req = false;
    machine_cpu_answered(s->m);
}

/* The first run in a thread makes it the vCPU's: kicks signal it, and
 * KVM_RUN takes this thread's signal mask. */
static void bind_thread(KVMState *s, KVMVcpu *v)
{
    if (v->bound && pthread_equal(v->thread, pthread_self()))
        return;
    v->thread = pthread_self();
    v->bound = true;
    if (kvm_set_run_sigmask(s, v) < 0)
        fprintf(stderr, "yinglong: kvm: KVM_SET_SIGNAL_MASK: %s\n", strerror(errno));
}

static int put_state(KVMState *s, KVMVcpu *v)
{
    char err[256];
    if ((!v->state_dirty || kvm_state_put(s, v, err, sizeof(err)) == 0)
        && kvm_mem_update(s, err, sizeof(err)) == 0)
        return 0;
    fprintf(stderr, "yinglong: %s\n", err);
    machine_request_shutdown(s->m, 1);
    return -1;
}

static int run_once(KVMState *s, KVMVcpu *v)
{
    Machine *m = s->m;
    X86CPU *cpu = v->cpu;
    if (put_state(s, v) < 0)
        return ACCEL_RUN_EXIT;
    if (!s->irqchip) {
        kvm_tpr_to_kvm(v);
        kvm_inject_userspace(s, v);
    }
    v->state_valid = false;
    v->in_run = true;
    machine_guest_enter(m, cpu);
    int r = ioctl(v->fd, KVM_RUN, 0);
    int run_errno = errno;
    machine_guest_exit(m, cpu);
    v->in_run = false;
    v->run->immediate_exit = 0;
    if (!s->irqchip)
        kvm_tpr_from_kvm(v);
    serve_sync(s, v);
    if (r < 0) {
        if (run_errno == EINTR || run_errno == EAGAIN) {
            eat_kicks(s);
            return ACCEL_RUN_OK;    /* a kick: the caller looks at the machine */
        }
        return fatal(s, v, "KVM_RUN failed: %s", strerror(run_errno));
    }
    /* The halt wake-up test reads IF: keep that bit current. */
    cpu->eflags = (cpu->eflags & ~IF_MASK) | (v->run->if_flag ? IF_MASK : 0);
    return handle_exit(s, v);
}

static bool stopping(const Machine *m)
{
    return m->shutdown_requested || m->reset_requested || m->paused;
}

int kvm_vcpu_run_loop(KVMState *s, KVMVcpu *v, int64_t budget_ns)
{
    Machine *m = s->m;
    X86CPU *cpu = v->cpu;
    bind_thread(s, v);
    if (!s->irqchip && cpu->halted) {
        if (!userspace_halt_wakes(cpu))
            return ACCEL_RUN_HALTED;
        cpu->halted = false;
    }
    int64_t deadline = clock_ns(&m->clock) + budget_ns;
    int ret = ACCEL_RUN_OK;
    while (!stopping(m)) {
        int r = run_once(s, v);
        if (r != RUN_CONTINUE) {
            ret = r;
            break;
        }
        if (clock_ns(&m->clock) >= deadline)
            break;
    }
    return ret;
}
