/* The machine: everything one guest is made of.  All mutable state of a
 * running emulator hangs from here. */
#ifndef YL_MACHINE_H
#define YL_MACHINE_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include "yl/chardev.h"
#include "yl/clock.h"
#include "yl/cpumodel.h"
#include "yl/cpu.h"
#include "yl/device.h"
#include "yl/input.h"
#include "yl/ioport.h"
#include "yl/irq.h"
#include "yl/log.h"
#include "yl/memory.h"

struct AccelOps;
struct PCIBus;
struct FWCfg;
struct DisplayConsole;
struct Monitor;
struct LAPIC;
struct IOAPIC;

#define MACHINE_MAX_CPUS 8
#define MACHINE_MAX_SERIAL 4
#define MACHINE_MAX_CHARDEVS 16
#define MACHINE_MAX_DEVICES 64
#define MACHINE_MAX_DRIVES 16

/* What the command line asked for.  Strings point into argv. */
typedef struct MachineOptions {
    uint64_t ram_size;
    /* -smp: CPUs present (0: 1), the most there could be, and the topology
     * (sockets * cores * threads = max_cpus). */
    int smp_cpus, smp_max_cpus;
    int smp_sockets, smp_cores, smp_threads;
    const char *bios;       /* NULL: none given */
    const char *kernel, *initrd, *append;
    bool no_reboot;
    bool nodefaults;
    bool nographic;
    bool display_none;
    /* -serial: "stdio", "null", "file:PATH", "chardev:ID"; "none" is NULL
     * (a port slot without a device, which still disables the default). */
    const char *serial[MACHINE_MAX_SERIAL];
    int nserial;
    const char *debugcon;   /* same syntax as -serial */
    const char *vga;        /* -vga: "std" or "none"; NULL: std unless -nodefaults */
    const char *monitor;    /* -monitor: same syntax as -serial, or "none" */
    const char *rtc;        /* -rtc base=utc|localtime|DATE[,clock=..][,driftfix=..] */
    const char *chardev[MACHINE_MAX_CHARDEVS];   /* -chardev option strings */
    int nchardev;
    const char *device[MACHINE_MAX_DEVICES];     /* -device NAME,props */
    int ndevice;
    /* -drive/-hda/-hdb/-hdc/-hdd/-cdrom in command-line order: the option
     * name without the dash and its argument (drive_parse_arg, yl/block.h). */
    struct { const char *opt, *arg; } drive[MACHINE_MAX_DRIVES];
    int ndrive;
    const char *boot;       /* -boot order=cd,menu=off / -boot c */
    bool snapshot;          /* -snapshot: writes go to a temporary overlay */
    /* -accel / -machine accel= / -enable-kvm: "tcg", "kvm", or a list
     * tried in order ("kvm:tcg"); NULL: tcg. */
    const char *accel;
    bool kernel_irqchip_off;    /* -machine kernel-irqchip=off */
    bool tcg_jit_off;       /* -accel tcg,jit=off: the software CPU interprets */
    bool perfmap;           /* -perfmap: /tmp/perf-PID.map for the JIT's code */
    /* Guest RAM backing (both accelerators): -mem-path DIR (a file there,
     * e.g. on hugetlbfs), -mem-prealloc, -machine mem-merge=on|off. */
    const char *mem_path;
    bool mem_prealloc;
    bool mem_merge_off;
    const char *cpu;        /* -cpu MODEL[,+flag|-flag|flag=on|off...]; NULL: max */
} MachineOptions;

typedef struct Machine {
    MachineOptions opt;
    AddressSpace as;
    IOSpace io;
    Clock clock;
    Log log;
    X86CPU *cpus[MACHINE_MAX_CPUS];
    int ncpus;
    /* The resolved -cpu model every CPU points to (X86CPU.model): by the
     * accelerator's init (KVM) or when the board creates the CPUs. */
    X86CPUModel cpu_model;
    /* The CPU on whose behalf the machine is accessed right now (the one
     * the run loop is running), or NULL (main loop, device tests).  Per-CPU
     * devices such as the local APIC answer MMIO for this CPU. */
    X86CPU *current_cpu;
    const struct AccelOps *accel;
    void *accel_state;
    Device *devices;        /* in creation order */
    Chardev *chardevs;
    IRQLine *cpu_intr;      /* INTR line into CPU 0 (from the PIC) */
    void *pic;              /* the i8259 pair, for INTA */
    int (*pic_ack)(void *pic);  /* INTA: returns the vector */
    IRQLine isa_irq[16];    /* ISA IRQ 0-15 inputs of the interrupt controller */
    /* The APIC platform (yl/apic.h), which the ACPI tables describe: a
     * local APIC per CPU at APIC_DEFAULT_ADDRESS (IDs = CPU index), the
     * I/O APIC at IOAPIC_ADDRESS (GSI 0-23; ISA IRQ0 -> GSI2, other ISA
     * IRQs 1:1, active high edge; the PIC keeps its IRQs too) and the HPET
     * at HPET_ADDRESS. */
    bool has_apic, has_ioapic, has_hpet;
    struct LAPIC *lapic[MACHINE_MAX_CPUS];  /* by cpu_index, NULL: none */
    struct IOAPIC *ioapic;
    IRQLine gsi[24];        /* I/O APIC input pins (IOAPIC_NUM_PINS) */
    struct PCIBus *pci;     /* the PCI bus (yl/pci.h), NULL on an ISA-only board */
    struct FWCfg *fw_cfg;   /* the firmware configuration device (yl/fw_cfg.h) */
    InputHandlers input;    /* keyboard and mouse sinks (yl/input.h) */
    struct DisplayConsole *console; /* what the screen shows (yl/display.h), or NULL */
    struct Monitor *monitor;        /* the human monitor (yl/monitor.h), or NULL */
    bool paused;            /* `stop`: the vCPU does not run, the clock stands */

    /* Set by the accelerator's init, which runs before the board is built,
     * when an in-kernel interrupt controller (KVM: 8259 pair, I/O APIC,
     * local APICs) replaces the userspace models.  The board then creates
     * no i8259/apic/ioapic devices and routes m->isa_irq[] and m->gsi[]
     * to kernel_irq_set(m, gsi, level) (ISA IRQ n is GSI n; the
     * accelerator routes GSI 0 to I/O APIC pin 2 as the MADT says). */
    bool kernel_irqchip;
    void (*kernel_irq_set)(struct Machine *m, int gsi, int level);

    /* The board (hw/pc.c): its own state and what it does on reset. */
    void *board;
    int (*board_reset)(struct Machine *m, char *err, int errlen);
    void (*board_destroy)(struct Machine *m);

    /* Requests from devices and the CPU, served by the main loop. */
    bool shutdown_requested;
    bool reset_requested;
    int exit_status;

    /* A thread_per_vcpu accelerator (yl/accel.h): the machine lock that
     * serializes devices, timers, chardevs and the monitor between the
     * main loop and the vCPU threads, and the conditions they wait on.
     * Unused (threaded false) with one thread for all. */
    bool threaded;
    pthread_mutex_t lock;
    pthread_cond_t cond;    /* to the vCPU threads: machine_changed */
    pthread_cond_t answer;  /* to the main loop: machine_cpu_answered */
    pthread_t cpu_thread[MACHINE_MAX_CPUS];
    int cpus_active;        /* vCPU threads not parked in the main loop's sense */
    int wake_fd;            /* eventfd: wakes the main loop from its poll */
    int64_t loop_wake_ns;   /* when the sleeping main loop wakes by itself */
    /* Per CPU: its thread knows of its pending INTR/NMI (it entered the
     * guest with it or was kicked for it), so it need not be kicked again. */
    bool cpu_irq_known[MACHINE_MAX_CPUS];
} Machine;

void machine_request_shutdown(Machine *m, int status);
void machine_request_reset(Machine *m);
/* For a vCPU thread (thread_per_vcpu): drops the machine lock while the
 * guest runs and takes it back (m->current_cpu is cpu while it is held);
 * no-ops when not threaded. */
void machine_guest_enter(Machine *m, X86CPU *cpu);
void machine_guest_exit(Machine *m, X86CPU *cpu);
/* Threaded only, with the lock held (dropped while waiting): a vCPU
 * thread waits until machine_changed announces a change of the machine
 * (a request, an interrupt, `cont`); the main loop (or the monitor) waits
 * until a vCPU thread answers it with machine_cpu_answered (parked, or
 * did what it was asked). */
void machine_wait(Machine *m);
void machine_changed(Machine *m);
void machine_wait_for_cpus(Machine *m);
void machine_cpu_answered(Machine *m);
/* A triple fault: reset, or with -no-reboot, exit with status 0. */
void machine_triple_fault(Machine *m);
Chardev *machine_find_chardev(Machine *m, const char *id);

/* An empty machine: address space, port space, clock. */
void machine_init(Machine *m);
/* Frees devices, chardevs (restoring the terminal), RAM, the board. */
void machine_destroy(Machine *m);
/* Adds a chardev; fails (-1, err) on a duplicate id. */
int machine_add_chardev(Machine *m, Chardev *c, char *err, int errlen);
/* Creates device NAME with "a=1,b=2" props, realizes it and adds it to the
 * machine.  Returns NULL with a one-line message in err. */
Device *machine_create_device(Machine *m, const char *name, const char *props,
                              char *err, int errlen);
/* Machine reset: devices, CPUs, then the board (which reloads -kernel). */
int machine_reset(Machine *m, char *err, int errlen);

/* The main loop (core/cpus.c): runs the CPU, timers and chardev input
 * until shutdown; returns the exit status. */
int machine_run(Machine *m);

/* An interrupt or start-up event is now pending for cpu (core/cpus.c):
 * the scheduler gets to it soon, ending another CPU's slice if need be. */
void machine_cpu_notify(Machine *m, X86CPU *cpu);
/* The A20M# pin, which reaches every CPU. */
void machine_set_a20(Machine *m, bool enabled);

/* The PC board (hw/pc.c): builds everything from m->opt. */
int pc_init(Machine *m, char *err, int errlen);

#endif
