/* A bare CPU on a Machine with one RAM region, run by the TCG accelerator:
 * shared by the differential tester, the 80286 vector runner and the
 * decoder tests.  Everything goes through the real APIs (machine_init,
 * as_alloc_ram/mem_add_ram, x86_cpu_init, x86_load_seg_raw, tcg_accel_ops),
 * so these tests exercise exactly what the emulator runs. */
#ifndef YL_TESTS_HARNESS_H
#define YL_TESTS_HARNESS_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cpu/x86/x86.h"
#include "yl/accel.h"
#include "yl/machine.h"

typedef struct Harness {
    Machine *m;
    X86CPU *cpu;
    uint64_t ram_base, ram_size;
} Harness;

/* Segment descriptor cache flags (bits 8..23 of the descriptor high dword). */
#define HARNESS_CODE32 (0xB00u | DESC_S_MASK | DESC_P_MASK | DESC_B_MASK | DESC_G_MASK)
#define HARNESS_DATA32 (0x300u | DESC_S_MASK | DESC_P_MASK | DESC_B_MASK | DESC_G_MASK)
#define HARNESS_CODE16 (0xB00u | DESC_S_MASK | DESC_P_MASK)
#define HARNESS_DATA16 (0x300u | DESC_S_MASK | DESC_P_MASK)
/* 64-bit code: L set, D clear. */
#define HARNESS_CODE64 (0xB00u | DESC_S_MASK | DESC_P_MASK | DESC_L_MASK | DESC_G_MASK)

/* Returns 0, or -1 after printing why.  RAM covers [ram_base, ram_base+size). */
static inline int harness_init(Harness *h, uint64_t ram_base, uint64_t ram_size)
{
    memset(h, 0, sizeof(*h));
    h->m = calloc(1, sizeof(Machine));
    h->cpu = calloc(1, sizeof(X86CPU));
    if (!h->m || !h->cpu)
        return -1;
    machine_init(h->m);
    if (as_alloc_ram(&h->m->as, ram_size) < 0) {
        perror("as_alloc_ram");
        return -1;
    }
    mem_add_ram(&h->m->as, "ram", ram_base, ram_size, h->m->as.ram, 0);
    h->ram_base = ram_base;
    h->ram_size = ram_size;
    x86_cpu_init(h->cpu, h->m, &h->m->as, &h->m->io, &h->m->log);
    h->m->cpus[0] = h->cpu;
    h->m->ncpus = 1;
    h->m->accel = &tcg_accel_ops;
    char err[256] = "";
    if (tcg_accel_ops.init && tcg_accel_ops.init(h->m, err, sizeof(err)) < 0) {
        fprintf(stderr, "tcg init: %s\n", err);
        return -1;
    }
    if (tcg_accel_ops.vcpu_create(h->m, h->cpu) < 0) {
        fprintf(stderr, "tcg vcpu_create failed\n");
        return -1;
    }
    x86_cpu_reset(h->cpu);
    return 0;
}

/* Frees what harness_init made (the sanitizer build checks for leaks). */
static inline void harness_free(Harness *h)
{
    machine_destroy(h->m);
    free(h->cpu);
    free(h->m);
    h->m = NULL;
    h->cpu = NULL;
}

static inline uint8_t *harness_ram(Harness *h, uint64_t phys)
{
    return h->m->as.ram + (phys - h->ram_base);
}

/* Real mode, all segments at sel << 4 with 64 KiB limits. */
static inline void harness_real_mode(Harness *h)
{
    X86CPU *cpu = h->cpu;
    cpu->cr[0] &= ~(uint64_t)(CR0_PE | CR0_PG);
    cpu->msr.efer &= ~(uint64_t)(EFER_LME | EFER_LMA);
    for (int s = R_ES; s <= R_GS; s++)
        x86_load_seg_raw(cpu, s, 0, 0, 0xffff,
                         s == R_CS ? HARNESS_CODE16 : HARNESS_DATA16);
    cpu->cpl = 0;
    tlb_flush(cpu);
}

/* Flat 32-bit protected mode, CPL 0, paging off.  Selectors 0x08 (code)
 * and 0x10 (data) match the GDT harness_flat_tables() writes. */
static inline void harness_flat32(Harness *h)
{
    X86CPU *cpu = h->cpu;
    cpu->cr[0] = (cpu->cr[0] | CR0_PE) & ~(uint64_t)CR0_PG;
    cpu->msr.efer &= ~(uint64_t)(EFER_LME | EFER_LMA);
    x86_load_seg_raw(cpu, R_CS, 0x08, 0, 0xffffffff, HARNESS_CODE32);
    for (int s = R_ES; s <= R_GS; s++)
        if (s != R_CS)
            x86_load_seg_raw(cpu, s, 0x10, 0, 0xffffffff, HARNESS_DATA32);
    cpu->cpl = 0;
    tlb_flush(cpu);
}

static inline void harness_put_desc(uint8_t *p, uint32_t base, uint32_t limit_pages,
                                    uint8_t access, uint8_t flags_hi)
{
    p[0] = limit_pages;
    p[1] = limit_pages >> 8;
    p[2] = base;
    p[3] = base >> 8;
    p[4] = base >> 16;
    p[5] = access;
    p[6] = (flags_hi & 0xf0) | ((limit_pages >> 16) & 0x0f);
    p[7] = base >> 24;
}

/* Writes a GDT (null, flat code 0x08, flat data 0x10) at gdt and a 32-entry
 * IDT at idt whose interrupt gates point at handlers + vector, where each
 * handler is a HLT: after an exception the CPU halts with EIP =
 * handlers + vector + 1, which tells the vector.  All in guest RAM. */
static inline void harness_flat_tables(Harness *h, uint32_t gdt, uint32_t idt,
                                       uint32_t handlers)
{
    uint8_t *g = harness_ram(h, gdt);
    memset(g, 0, 24);
    harness_put_desc(g + 8, 0, 0xfffff, 0x9b, 0xc0);
    harness_put_desc(g + 16, 0, 0xfffff, 0x93, 0xc0);
    h->cpu->gdt.base = gdt;
    h->cpu->gdt.limit = 23;
    uint8_t *t = harness_ram(h, idt);
    for (int v = 0; v < 32; v++) {
        uint32_t off = handlers + v;
        uint8_t *e = t + v * 8;
        e[0] = off;
        e[1] = off >> 8;
        e[2] = 0x08;
        e[3] = 0;
        e[4] = 0;
        e[5] = 0x8e;        /* present, DPL 0, 32-bit interrupt gate */
        e[6] = off >> 16;
        e[7] = off >> 24;
        harness_ram(h, handlers)[v] = 0xf4;
    }
    h->cpu->idt.base = idt;
    h->cpu->idt.limit = 32 * 8 - 1;
}

/* ---- long mode ------------------------------------------------------- */

static inline void harness_put64(Harness *h, uint64_t phys, uint64_t v)
{
    memcpy(harness_ram(h, phys), &v, 8);
}

/* 4-level tables at pt (three 4 KiB pages of guest RAM: PML4, PDPT, PD)
 * that identity-map the 2 MiB-aligned [base, base + 2 MiB) with one
 * large page, writable, supervisor. */
static inline void harness_identity_2m(Harness *h, uint64_t pt, uint64_t base)
{
    memset(harness_ram(h, pt), 0, 3 * 4096);
    harness_put64(h, pt + ((base >> 39) & 511) * 8, (pt + 0x1000) | 3);
    harness_put64(h, pt + 0x1000 + ((base >> 30) & 511) * 8, (pt + 0x2000) | 3);
    harness_put64(h, pt + 0x2000 + ((base >> 21) & 511) * 8, base | 0x83);
}

/* The long-mode counterpart of harness_flat_tables: GDT (null, 64-bit
 * code 0x08, data 0x10) and a 32-entry IDT of 16-byte 64-bit interrupt
 * gates to handlers + vector, each a HLT.  After an exception RIP =
 * handlers + vector + 1 and the faulting RIP is at [RSP] (above the error
 * code for vectors that push one). */
static inline void harness_long_tables(Harness *h, uint32_t gdt, uint32_t idt,
                                       uint32_t handlers)
{
    uint8_t *g = harness_ram(h, gdt);
    memset(g, 0, 24);
    harness_put_desc(g + 8, 0, 0xfffff, 0x9b, 0xa0);
    harness_put_desc(g + 16, 0, 0xfffff, 0x93, 0xc0);
    h->cpu->gdt.base = gdt;
    h->cpu->gdt.limit = 23;
    uint8_t *t = harness_ram(h, idt);
    memset(t, 0, 32 * 16);
    for (int v = 0; v < 32; v++) {
        uint32_t off = handlers + v;
        uint8_t *e = t + v * 16;
        e[0] = off;
        e[1] = off >> 8;
        e[2] = 0x08;
        e[5] = 0x8e;        /* present, DPL 0, 64-bit interrupt gate */
        e[6] = off >> 16;
        e[7] = off >> 24;
        harness_ram(h, handlers)[v] = 0xf4;
    }
    h->cpu->idt.base = idt;
    h->cpu->idt.limit = 32 * 16 - 1;
}

/* 64-bit mode, CPL 0: CR4.PAE, EFER.LME/LMA, CR3 = pml4, CR0.PG, and a
 * 64-bit code segment (selectors as harness_long_tables writes them). */
static inline void harness_long64(Harness *h, uint64_t pml4)
{
    X86CPU *cpu = h->cpu;
    cpu->cr[4] |= CR4_PAE;
    cpu->cr[3] = pml4;
    cpu->msr.efer |= EFER_LME | EFER_LMA;
    cpu->cr[0] |= CR0_PE | CR0_PG;
    x86_load_seg_raw(cpu, R_CS, 0x08, 0, 0xffffffff, HARNESS_CODE64);
    for (int s = R_ES; s <= R_GS; s++)
        if (s != R_CS)
            x86_load_seg_raw(cpu, s, 0x10, 0, 0xffffffff, HARNESS_DATA32);
    cpu->cpl = 0;
    tlb_flush(cpu);
}

enum { HARNESS_HALTED, HARNESS_TIMEOUT, HARNESS_RESET };

/* Runs until the CPU halts, the machine asks for a reset/shutdown (triple
 * fault) or about max_ns of host time passed. */
static inline int harness_run(Harness *h, int64_t max_ns)
{
    X86CPU *cpu = h->cpu;
    int64_t start = clock_ns(&h->m->clock);
    cpu->halted = false;
    cpu->exception_index = -1;
    for (;;) {
        int64_t left = max_ns - (clock_ns(&h->m->clock) - start);
        if (left <= 0)
            return HARNESS_TIMEOUT;
        int r = tcg_accel_ops.vcpu_run(h->m, cpu, left);
        if (h->m->shutdown_requested || h->m->reset_requested) {
            h->m->shutdown_requested = h->m->reset_requested = false;
            return HARNESS_RESET;
        }
        if (r == ACCEL_RUN_HALTED || cpu->halted)
            return HARNESS_HALTED;
    }
}

#endif
