/* The interrupt platform of a PC with APICs: one local APIC per CPU
 * (hw/intc/apic.c), the I/O APIC (hw/intc/ioapic.c) and the HPET
 * (hw/timer/hpet.c).
 *
 * Interrupt messages travel over a virtual APIC bus: apic_deliver() offers
 * one to every CPU's local APIC, which accepts it when the destination
 * matches.  The local APIC drives its CPU's INTR (x86_cpu_set_irq) and
 * answers the CPU's INTA (X86CPU.irq_ack); with the APIC globally disabled
 * (IA32_APIC_BASE bit 11 clear) the 8259's INTR passes straight through. */
#ifndef YL_APIC_H
#define YL_APIC_H

#include <stdbool.h>
#include <stdint.h>

struct Machine;
struct LAPIC;
struct X86CPU;

/* Where the ACPI tables (MADT, HPET) say things are. */
#define APIC_DEFAULT_ADDRESS 0xfee00000u
#define IOAPIC_ADDRESS 0xfec00000u
#define IOAPIC_ID 0
#define IOAPIC_NUM_PINS 24
#define HPET_ADDRESS 0xfed00000u
/* The HPET's general capabilities register, low 32 bits: the MADT-like
 * "event timer block ID" of the ACPI HPET table. */
#define HPET_BLOCK_ID 0x8086a201u
#define HPET_NUM_TIMERS 3

/* The local APIC's timer counts this clock divided by its divide
 * configuration (one tick per virtual nanosecond). */
#define APIC_BUS_HZ 1000000000ull

/* IA32_APIC_BASE bits */
#define MSR_APIC_BASE_BSP (1u << 8)
#define MSR_APIC_BASE_ENABLE (1u << 11)

/* Delivery modes (ICR, LVT and I/O APIC redirection entries). */
enum {
    APIC_DM_FIXED = 0, APIC_DM_LOWEST = 1, APIC_DM_SMI = 2, APIC_DM_NMI = 4,
    APIC_DM_INIT = 5, APIC_DM_SIPI = 6, APIC_DM_EXTINT = 7,
};

/* Offers an interrupt message to every local APIC on the bus.  dest is
 * an APIC ID (0xff: broadcast) when !logical, else an MDA matched against
 * each LDR/DFR.  Lowest priority goes to the one matching APIC with the
 * lowest arbitration priority.  level: level-triggered (sets the TMR bit,
 * and the EOI is broadcast to the I/O APIC). */
void apic_deliver(struct Machine *m, uint8_t dest, bool logical, int mode,
                  uint8_t vector, bool level);

/* The local APIC of a CPU, or NULL (no machine, or a board without). */
struct LAPIC *apic_of_cpu(struct X86CPU *cpu);
/* LINT0/LINT1 input pins (the 8259's INTR goes to LINT0). */
void apic_set_lint(struct LAPIC *s, int pin, int level);
/* IA32_APIC_BASE (MSR 0x1b).  set returns false for a value that must
 * raise #GP (reserved bits, or x2APIC mode which is not implemented). */
uint64_t apic_get_base(struct LAPIC *s);
bool apic_set_base(struct LAPIC *s, uint64_t val);
/* IA32_TSC_DEADLINE (MSR 0x6e0); tsc_now is the TSC at the access. */
uint64_t apic_get_tsc_deadline(struct LAPIC *s);
void apic_set_tsc_deadline(struct LAPIC *s, uint64_t deadline, uint64_t tsc_now);
/* TPR bits 7:0 (CR8 is bits 7:4 of it). */
uint8_t apic_get_tpr(struct LAPIC *s);
void apic_set_tpr(struct LAPIC *s, uint8_t tpr);
uint8_t apic_get_id(struct LAPIC *s);
/* INIT and SIPI messages this APIC received, for the SMP start-up code:
 * returns true and the SIPI vector (or -1 after only an INIT) once per
 * message, oldest state first. */
bool apic_take_startup(struct LAPIC *s, bool *init, int *sipi_vector);

/* The EOI of a level-triggered vector, broadcast by a local APIC to the
 * I/O APIC (clears the remote IRR of entries with that vector). */
void ioapic_eoi_broadcast(struct Machine *m, uint8_t vector);

#endif
