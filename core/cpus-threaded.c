/* The main loop for an accelerator that runs each vCPU in a host thread of
 * its own (AccelOps.thread_per_vcpu: KVM).
 *
 * One machine-wide lock serializes everything but the guest itself: the
 * main loop holds it except while it waits for input, and each vCPU thread
 * holds it except inside the accelerator's guest run (machine_guest_enter
 * / machine_guest_exit), so devices, timers, chardevs and the monitor see
 * one caller at a time, as with the single-threaded round robin.
 *
 * A vCPU thread parks (waits on m->cond) while the machine is stopping
 * (reset, shutdown, `stop`) or the CPU has no work (halted or waiting for
 * a start-up IPI with the userspace irqchip).  The main loop kicks the
 * vCPUs out of the guest and waits until every thread is parked before it
 * resets the machine, so a reset never races a running vCPU.  The main
 * loop sleeps until the next timer; a vCPU thread wakes it (m->wake_fd)
 * when it armed an earlier timer or asked for a reset or shutdown. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "core/cpus_int.h"
#include "yl/accel.h"
#include "yl/machine.h"

/* How long a vCPU thread's vcpu_run goes on at most before the thread
 * looks at the machine again; kicks end it sooner. */
#define THREAD_SLICE_NS 100000000

static void wake_main(Machine *m)
{
    uint64_t one = 1;
    if (write(m->wake_fd, &one, sizeof(one)) < 0 && errno != EAGAIN)
        return;     /* a full counter wakes the loop just as well */
}

void machine_changed(Machine *m)
{
    if (m->threaded)
        pthread_cond_broadcast(&m->cond);
}

static void wait_on(Machine *m, pthread_cond_t *c)
{
    X86CPU *cur = m->current_cpu;
    m->current_cpu = NULL;
    pthread_cond_wait(c, &m->lock);
    m->current_cpu = cur;
}

void machine_wait(Machine *m)
{
    wait_on(m, &m->cond);
}

void machine_cpu_answered(Machine *m)
{
    if (m->threaded)
        pthread_cond_broadcast(&m->answer);
}

void machine_wait_for_cpus(Machine *m)
{
    wait_on(m, &m->answer);
}

/* What the sleeping main loop must hear of now: a request for it, or a
 * timer armed before it wakes by itself.  Once is enough. */
static void tell_main(Machine *m)
{
    if (m->shutdown_requested || m->reset_requested
        || clock_next_deadline(&m->clock) < m->loop_wake_ns) {
        m->loop_wake_ns = INT64_MIN;
        wake_main(m);
    }
}

static void kick(Machine *m, X86CPU *cpu)
{
    if (m->accel->vcpu_kick)
        m->accel->vcpu_kick(cpu);
}

void cpus_threaded_notify(Machine *m, X86CPU *cpu)
{
    if (cpu != m->current_cpu) {
        m->cpu_irq_known[cpu->cpu_index] = true;
        kick(m, cpu);
    }
    machine_changed(m);
}

/* With the userspace irqchip, raising a CPU's INTR (the PIC, a timer)
 * does not reach a thread inside the guest: kick each CPU whose thread
 * has not yet seen its pending interrupt. */
static void notify_pending(Machine *m)
{
    bool any = false;
    for (int i = 0; i < m->ncpus; i++) {
        X86CPU *cpu = m->cpus[i];
        if (cpu == m->current_cpu || m->cpu_irq_known[i]
            || !(cpu->irq_line || cpu->nmi_pending))
            continue;
        m->cpu_irq_known[i] = true;
        kick(m, cpu);
        any = true;
    }
    if (any)
        machine_changed(m);
}

void machine_guest_enter(Machine *m, X86CPU *cpu)
{
    if (!m->threaded)
        return;
    notify_pending(m);
    tell_main(m);
    /* Entered with it pending, the accelerator asks for an exit as soon
     * as the guest can take it: no kick needed for this one. */
    m->cpu_irq_known[cpu->cpu_index] = cpu->irq_line || cpu->nmi_pending;
    m->current_cpu = NULL;
    pthread_mutex_unlock(&m->lock);
}

void machine_guest_exit(Machine *m, X86CPU *cpu)
{
    if (!m->threaded)
        return;
    pthread_mutex_lock(&m->lock);
    m->current_cpu = cpu;
}

static void park(Machine *m)
{
    tell_main(m);
    m->cpus_active--;
    machine_cpu_answered(m);
    machine_wait(m);
    m->cpus_active++;
}

static void *vcpu_thread(void *opaque)
{
    X86CPU *cpu = opaque;
    Machine *m = cpu->machine;
    char name[16];      /* what ps and /proc/PID/task/TID/comm show */
    snprintf(name, sizeof(name), "yl-vcpu%d", cpu->cpu_index);
    pthread_setname_np(pthread_self(), name);
    pthread_mutex_lock(&m->lock);
    while (!m->shutdown_requested) {
        if (cpus_machine_stopping(m) || !cpus_cpu_has_work(m, cpu)) {
            park(m);
            continue;
        }
        m->current_cpu = cpu;
        m->accel->vcpu_run(m, cpu, THREAD_SLICE_NS);
        m->current_cpu = NULL;
    }
    m->cpus_active--;
    tell_main(m);
    machine_cpu_answered(m);
    pthread_mutex_unlock(&m->lock);
    return NULL;
}

/* Every vCPU thread out of the guest and parked (or gone). */
static void cpus_stop(Machine *m)
{
    while (m->cpus_active > 0) {
        for (int i = 0; i < m->ncpus; i++)
            kick(m, m->cpus[i]);
        machine_wait_for_cpus(m);
    }
}

static int threads_start(Machine *m)
{
    m->wake_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
    if (m->wake_fd < 0)
        return -1;
    pthread_mutex_init(&m->lock, NULL);
    pthread_cond_init(&m->cond, NULL);
    pthread_cond_init(&m->answer, NULL);
    m->threaded = true;
    m->loop_wake_ns = INT64_MIN;
    pthread_mutex_lock(&m->lock);
    for (int i = 0; i < m->ncpus; i++) {
        int r = pthread_create(&m->cpu_thread[i], NULL, vcpu_thread, m->cpus[i]);
        if (r != 0) {
            fprintf(stderr, "yinglong: cannot start the thread of vCPU %d: %s\n", i,
                    strerror(r));
            machine_request_shutdown(m, 1);
            return i;
        }
        m->cpus_active++;
    }
    return m->ncpus;
}

static void threads_end(Machine *m, int nthreads)
{
    machine_request_shutdown(m, m->exit_status);    /* kicks them all */
    machine_changed(m);
    pthread_mutex_unlock(&m->lock);
    for (int i = 0; i < nthreads; i++)
        pthread_join(m->cpu_thread[i], NULL);
    m->threaded = false;
    pthread_cond_destroy(&m->cond);
    pthread_cond_destroy(&m->answer);
    pthread_mutex_destroy(&m->lock);
    close(m->wake_fd);
    m->wake_fd = -1;
}

/* Reset with every vCPU parked; false: the machine must shut down. */
static bool reset_stopped(Machine *m)
{
    char err[256];
    cpus_stop(m);
    if (m->shutdown_requested)
        return true;
    if (machine_reset(m, err, sizeof(err)) < 0) {
        fprintf(stderr, "yinglong: %s\n", err);
        machine_request_shutdown(m, 1);
        return false;
    }
    memset(m->cpu_irq_known, 0, sizeof(m->cpu_irq_known));
    return true;
}

int cpus_run_threaded(Machine *m, int sfd)
{
    int nthreads = threads_start(m);
    if (nthreads < 0) {
        fprintf(stderr, "yinglong: eventfd: %s\n", strerror(errno));
        return 1;
    }
    while (!m->shutdown_requested) {
        machine_changed(m);     /* parked threads look again (cont, reset, input) */
        if (m->reset_requested) {
            if (!reset_stopped(m))
                break;
            continue;
        }
        if (m->paused) {    /* `stop`: the vCPUs park, the monitor is served */
            cpus_stop(m);
            cpus_poll_events(m, sfd, MAX_SLEEP_NS);
            continue;
        }
        clock_run_timers(&m->clock);
        notify_pending(m);
        int64_t wait = cpus_ns_until_deadline(m, MAX_SLEEP_NS);
        m->loop_wake_ns = clock_ns(&m->clock) + wait;
        cpus_poll_events(m, sfd, wait);
        m->loop_wake_ns = INT64_MIN;
    }
    threads_end(m, nthreads);
    return m->exit_status;
}
