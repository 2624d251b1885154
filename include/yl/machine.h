/* The machine: everything one guest is made of.  All mutable state of a
 * running emulator hangs from here. */
#ifndef YL_MACHINE_H
#define YL_MACHINE_H

#include <stdbool.h>
#include <stdint.h>

#include "yl/chardev.h"
#include "yl/clock.h"
#include "yl/cpu.h"
#include "yl/device.h"
#include "yl/ioport.h"
#include "yl/irq.h"
#include "yl/log.h"
#include "yl/memory.h"

struct AccelOps;

#define MACHINE_MAX_CPUS 1

typedef struct MachineOptions {
    uint64_t ram_size;
    const char *bios;       /* NULL: none given */
    const char *kernel, *initrd, *append;
    bool no_reboot;
    bool nodefaults;
} MachineOptions;

typedef struct Machine {
    MachineOptions opt;
    AddressSpace as;
    IOSpace io;
    Clock clock;
    Log log;
    X86CPU *cpus[MACHINE_MAX_CPUS];
    int ncpus;
    const struct AccelOps *accel;
    void *accel_state;
    Device *devices;        /* in creation order */
    Chardev *chardevs;
    IRQLine *cpu_intr;      /* INTR line into CPU 0 (from the PIC) */
    void *pic;              /* the i8259 pair, for INTA */

    /* Requests from devices and the CPU, served by the main loop. */
    bool shutdown_requested;
    bool reset_requested;
    int exit_status;
} Machine;

void machine_request_shutdown(Machine *m, int status);
void machine_request_reset(Machine *m);
/* A triple fault: reset, or with -no-reboot, exit with status 0. */
void machine_triple_fault(Machine *m);
Chardev *machine_find_chardev(Machine *m, const char *id);

#endif
