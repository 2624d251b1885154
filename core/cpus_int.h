/* What the round-robin main loop (core/cpus.c) and the threaded one
 * (core/cpus-threaded.c) share. */
#ifndef YL_CORE_CPUS_INT_H
#define YL_CORE_CPUS_INT_H

#include <stdbool.h>
#include <stdint.h>

#include "yl/machine.h"

#define MAX_SLEEP_NS 1000000000

/* SIGINT/SIGTERM/SIGHUP blocked and readable as a descriptor (or -1). */
int cpus_signals_open(void);
void cpus_poll_events(Machine *m, int sfd, int64_t timeout_ns);
int64_t cpus_ns_until_deadline(Machine *m, int64_t cap);
bool cpus_cpu_has_work(Machine *m, X86CPU *cpu);
bool cpus_machine_stopping(const Machine *m);

/* core/cpus-threaded.c: the main loop for a thread_per_vcpu accelerator
 * (sfd: cpus_signals_open's), and machine_cpu_notify's part there. */
int cpus_run_threaded(Machine *m, int sfd);
void cpus_threaded_notify(Machine *m, X86CPU *cpu);

#endif
