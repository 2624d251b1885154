/* The main loop: run the vCPUs in short slices, then timers, then input.
 * A slice is at most 10 ms so that typed characters reach the guest soon.
 *
 * Several CPUs take turns in this one thread (round-robin): each CPU with
 * work runs a slice of virtual time; halted CPUs and APs waiting for a
 * start-up IPI are skipped, and the loop sleeps only when no CPU has work.
 * With more than one CPU the slice is shorter, and an interrupt for another
 * CPU ends the running CPU's slice (machine_cpu_notify), so that an IPI and
 * its answer (TLB shootdowns, spinlocks) cost little.
 *
 * An accelerator with thread_per_vcpu (KVM) gets one host thread per vCPU
 * instead, and this loop keeps only timers, input and the machine's
 * requests (core/cpus-threaded.c). */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <sys/signalfd.h>
#include <time.h>
#include <unistd.h>

#include "yl/accel.h"
#include "yl/apic.h"
#include "core/cpus_int.h"
#include "yl/machine.h"

#define SLICE_NS 10000000
#define SMP_SLICE_NS 1000000
#define MAX_POLLFDS 16

int machine_reset(Machine *m, char *err, int errlen)
{
    m->reset_requested = false;
    for (Device *d = m->devices; d; d = d->next)
        if (d->cls->reset)
            d->cls->reset(d);
    for (int i = 0; i < m->ncpus; i++)
        x86_cpu_reset(m->cpus[i]);
    int r = m->board_reset ? m->board_reset(m, err, errlen) : 0;
    for (int i = 0; i < m->ncpus; i++)
        if (m->accel && m->accel->vcpu_reset)
            m->accel->vcpu_reset(m, m->cpus[i]);
    return r;
}

/* Termination signals arrive as a descriptor, so that they end the loop
 * cleanly (the terminal gets restored) instead of killing the process. */
int cpus_signals_open(void)
{
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGHUP);
    if (sigprocmask(SIG_BLOCK, &set, NULL) < 0)
        return -1;
    return signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);
}

static void signal_received(Machine *m, int sfd)
{
    struct signalfd_siginfo si;
    if (read(sfd, &si, sizeof(si)) == (ssize_t)sizeof(si)) {
        fprintf(stderr, "yinglong: terminating on signal %u\n", si.ssi_signo);
        machine_request_shutdown(m, 0);
    }
}

/* The vCPU threads' wake-up calls (threaded only): read and forget. */
static void wake_drain(Machine *m)
{
    uint64_t n;
    if (read(m->wake_fd, &n, sizeof(n)) < 0 && errno != EAGAIN)
        return;
}

/* Waits up to timeout_ns for input, a signal or (threaded) a vCPU
 * thread's wake-up call and serves what came.  Threaded, the machine
 * lock is dropped only for the wait itself. */
void cpus_poll_events(Machine *m, int sfd, int64_t timeout_ns)
{
    struct pollfd fds[MAX_POLLFDS + 2];
    Chardev *who[MAX_POLLFDS];
    int n = chardev_pollfds(m->chardevs, fds, who, MAX_POLLFDS);
    int nfds = n;
    if (sfd >= 0)
        fds[nfds++] = (struct pollfd){ .fd = sfd, .events = POLLIN };
    if (m->threaded)
        fds[nfds++] = (struct pollfd){ .fd = m->wake_fd, .events = POLLIN };
    struct timespec ts = { timeout_ns / 1000000000, timeout_ns % 1000000000 };
    if (nfds == 0) {
        if (timeout_ns > 0)
            nanosleep(&ts, NULL);
        return;
    }
    if (m->threaded)
        pthread_mutex_unlock(&m->lock);
    int r = ppoll(fds, nfds, &ts, NULL);
    if (m->threaded)
        pthread_mutex_lock(&m->lock);
    if (r <= 0)
        return;
    for (int i = 0; i < n; i++)
        if (fds[i].revents)
            chardev_read_input(who[i]);
    if (sfd >= 0 && fds[n].revents)
        signal_received(m, sfd);
    if (m->threaded && fds[nfds - 1].revents)
        wake_drain(m);
}

int64_t cpus_ns_until_deadline(Machine *m, int64_t cap)
{
    int64_t left = clock_next_deadline(&m->clock) - clock_ns(&m->clock);
    if (left < 0)
        return 0;
    return left < cap ? left : cap;
}

/* A timer that just ran may have raised an interrupt the halted CPU takes
 * at once: sleeping until the next deadline would deliver it a period late. */
static bool cpu_wakes_now(const X86CPU *cpu)
{
    return cpu->nmi_pending || (cpu->irq_line && (cpu->eflags & IF_MASK));
}

/* INIT and start-up IPIs the CPU's local APIC accepted since its last turn. */
static void cpu_take_startup(X86CPU *cpu)
{
    struct LAPIC *apic = apic_of_cpu(cpu);
    bool init;
    int vector;
    if (!apic || !apic_take_startup(apic, &init, &vector))
        return;
    const AccelOps *accel = cpu->machine ? cpu->machine->accel : NULL;
    if (init && accel && accel->sync_state)
        accel->sync_state(cpu);     /* INIT keeps the x87/SSE state: fetch it */
    if (init)
        x86_cpu_init_ipi(cpu);
    bool started = vector >= 0 && cpu->wait_for_sipi;  /* else SIPI is ignored */
    if (vector >= 0)
        x86_cpu_sipi(cpu, (uint8_t)vector);
    /* The X86CPU is the new state: KVM must load it before the next run. */
    if ((init || started) && accel && accel->vcpu_reset)
        accel->vcpu_reset(cpu->machine, cpu);
}

bool cpus_cpu_has_work(Machine *m, X86CPU *cpu)
{
    if (m->kernel_irqchip)
        return true;    /* halts, INIT and SIPI are the kernel's: KVM_RUN waits */
    cpu_take_startup(cpu);
    return !cpu->wait_for_sipi && (!cpu->halted || cpu_wakes_now(cpu));
}

bool cpus_machine_stopping(const Machine *m)
{
    return m->shutdown_requested || m->reset_requested || m->paused;
}

void machine_cpu_notify(Machine *m, X86CPU *cpu)
{
    if (m->threaded) {
        cpus_threaded_notify(m, cpu);
        return;
    }
    X86CPU *running = m->current_cpu;
    if (running && running != cpu && m->accel && m->accel->vcpu_kick)
        m->accel->vcpu_kick(running);
}

void machine_set_a20(Machine *m, bool enabled)
{
    for (int i = 0; i < m->ncpus; i++)
        x86_cpu_set_a20(m->cpus[i], enabled);
}

/* Every CPU with work runs one slice.  Returns whether some CPU still has
 * work (else the loop may sleep until the next timer or input). */
static bool cpus_run_round(Machine *m)
{
    int64_t slice = m->ncpus > 1 ? SMP_SLICE_NS : SLICE_NS;
    for (int i = 0; i < m->ncpus && !cpus_machine_stopping(m); i++) {
        X86CPU *cpu = m->cpus[i];
        if (!cpus_cpu_has_work(m, cpu))
            continue;
        int64_t budget = cpus_ns_until_deadline(m, slice);
        m->current_cpu = cpu;
        m->accel->vcpu_run(m, cpu, budget > 0 ? budget : 1);
        m->current_cpu = NULL;
        clock_run_timers(&m->clock);
    }
    for (int i = 0; i < m->ncpus; i++)
        if (cpus_cpu_has_work(m, m->cpus[i]))
            return true;
    return false;
}

int machine_run(Machine *m)
{
    char err[256];
    int sfd = cpus_signals_open();
    if (m->accel && m->accel->thread_per_vcpu) {
        int status = cpus_run_threaded(m, sfd);
        if (sfd >= 0)
            close(sfd);
        return status;
    }
    while (!m->shutdown_requested) {
        if (m->reset_requested && machine_reset(m, err, sizeof(err)) < 0) {
            fprintf(stderr, "yinglong: %s\n", err);
            machine_request_shutdown(m, 1);
            break;
        }
        if (m->paused) {    /* `stop`: only the monitor and signals are served */
            cpus_poll_events(m, sfd, MAX_SLEEP_NS);
            continue;
        }
        clock_run_timers(&m->clock);
        bool busy = cpus_run_round(m);
        int64_t wait = 0;
        if (!busy && !cpus_machine_stopping(m))
            wait = cpus_ns_until_deadline(m, MAX_SLEEP_NS);
        cpus_poll_events(m, sfd, wait);
    }
    if (sfd >= 0)
        close(sfd);
    return m->exit_status;
}
