/* The main loop: run the vCPU in short slices, then timers, then input.
 * A slice is at most 10 ms so that typed characters reach the guest soon. */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <sys/signalfd.h>
#include <time.h>
#include <unistd.h>

#include "yl/accel.h"
#include "yl/machine.h"

#define SLICE_NS 10000000
#define MAX_SLEEP_NS 1000000000
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
static int signals_open(void)
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

/* Waits up to timeout_ns for input or a signal and serves what came. */
static void poll_events(Machine *m, int sfd, int64_t timeout_ns)
{
    struct pollfd fds[MAX_POLLFDS + 1];
    Chardev *who[MAX_POLLFDS];
    int n = chardev_pollfds(m->chardevs, fds, who, MAX_POLLFDS);
    if (sfd >= 0)
        fds[n] = (struct pollfd){ .fd = sfd, .events = POLLIN };
    int nfds = n + (sfd >= 0);
    struct timespec ts = { timeout_ns / 1000000000, timeout_ns % 1000000000 };
    if (nfds == 0) {
        if (timeout_ns > 0)
            nanosleep(&ts, NULL);
        return;
    }
    if (ppoll(fds, nfds, &ts, NULL) <= 0)
        return;
    for (int i = 0; i < n; i++)
        if (fds[i].revents)
            chardev_read_input(who[i]);
    if (sfd >= 0 && fds[n].revents)
        signal_received(m, sfd);
}

static int64_t ns_until_deadline(Machine *m, int64_t cap)
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

int machine_run(Machine *m)
{
    X86CPU *cpu = m->cpus[0];
    char err[256];
    int sfd = signals_open();
    while (!m->shutdown_requested) {
        if (m->reset_requested && machine_reset(m, err, sizeof(err)) < 0) {
            fprintf(stderr, "yinglong: %s\n", err);
            machine_request_shutdown(m, 1);
            break;
        }
        if (m->paused) {    /* `stop`: only the monitor and signals are served */
            poll_events(m, sfd, MAX_SLEEP_NS);
            continue;
        }
        clock_run_timers(&m->clock);
        int64_t budget = ns_until_deadline(m, SLICE_NS);
        int r = m->accel->vcpu_run(m, cpu, budget > 0 ? budget : 1);
        clock_run_timers(&m->clock);
        int64_t wait = 0;
        if (r == ACCEL_RUN_HALTED && !m->shutdown_requested && !m->reset_requested &&
            !cpu_wakes_now(cpu))
            wait = ns_until_deadline(m, MAX_SLEEP_NS);
        poll_events(m, sfd, wait);
    }
    if (sfd >= 0)
        close(sfd);
    return m->exit_status;
}
