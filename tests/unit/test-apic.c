/* The local APIC driven through its MMIO page with no CPU running: the
 * CPU's INTR level and INTA are observed directly, time is a stopped
 * clock advanced in steps. */
#include <check.h>
#include <stdlib.h>

#include "yl/accel.h"
#include "yl/apic.h"
#include "yl/machine.h"

#define BASE APIC_DEFAULT_ADDRESS

typedef struct Fixture {
    Machine m;
    X86CPU *cpu;
    struct LAPIC *apic;
    int pic_acks;
} Fixture;

/* The 8259 stand-in: INTA answers vector 0x08 + number of acks. */
static int fake_pic_ack(void *opaque)
{
    Fixture *f = opaque;
    return 0x08 + f->pic_acks++;
}

static Fixture *setup(void)
{
    Fixture *f = calloc(1, sizeof(*f));
    char err[160];
    machine_init(&f->m);
    clock_stop(&f->m.clock);
    f->cpu = calloc(1, sizeof(*f->cpu));
    x86_cpu_init(f->cpu, &f->m, &f->m.as, &f->m.io, &f->m.log);
    f->m.cpus[f->m.ncpus++] = f->cpu;
    f->m.pic = f;
    f->m.pic_ack = fake_pic_ack;
    ck_assert_ptr_nonnull(machine_create_device(&f->m, "apic", "cpu=0", err, sizeof(err)));
    f->apic = f->m.lapic[0];
    ck_assert_ptr_nonnull(f->apic);
    ck_assert_ptr_eq(apic_of_cpu(f->cpu), f->apic);
    return f;
}

static void teardown(Fixture *f)
{
    machine_destroy(&f->m);
    free(f->cpu);
    free(f);
}

static uint32_t rd(Fixture *f, uint32_t off) { return phys_read(&f->m.as, BASE + off, 4); }
static void wr(Fixture *f, uint32_t off, uint32_t v) { phys_write(&f->m.as, BASE + off, v, 4); }
static bool intr(Fixture *f) { return f->cpu->irq_line; }
static int inta(Fixture *f) { return f->cpu->irq_ack(f->cpu->irq_ack_opaque); }

static void advance(Fixture *f, int64_t ns)
{
    clock_advance(&f->m.clock, ns);
    clock_run_timers(&f->m.clock);
}

static bool irr(Fixture *f, int v) { return rd(f, 0x200 + (v >> 5) * 0x10) >> (v & 31) & 1; }
static bool isr(Fixture *f, int v) { return rd(f, 0x100 + (v >> 5) * 0x10) >> (v & 31) & 1; }

static void sw_enable(Fixture *f) { wr(f, 0xf0, 0x1ff); }

/* A fixed IPI to self through the shorthand. */
static void self_ipi(Fixture *f, uint8_t vec) { wr(f, 0x300, 0x40000 | vec); }

/* Takes the interrupt the CPU would take now and returns its vector. */
static int take(Fixture *f)
{
    ck_assert(intr(f));
    return inta(f);
}

START_TEST(test_reset_state)
{
    Fixture *f = setup();
    ck_assert_uint_eq(apic_get_base(f->apic), 0xfee00900u);
    ck_assert_uint_eq(rd(f, 0x20), 0);
    ck_assert_uint_eq(rd(f, 0x30), 0x00050014u);
    ck_assert_uint_eq(rd(f, 0xf0), 0xff);
    ck_assert_uint_eq(rd(f, 0xe0), 0xffffffffu);
    ck_assert_uint_eq(rd(f, 0x320), 0x10000);
    ck_assert_uint_eq(rd(f, 0x350), 0x700);     /* LINT0: ExtINT, virtual wire */
    ck_assert_uint_eq(rd(f, 0x360), 0x10000);
    ck_assert_uint_eq(rd(f, 0x370), 0x10000);
    ck_assert(!intr(f));
    /* Read-only and narrow accesses */
    wr(f, 0x30, 0);
    ck_assert_uint_eq(rd(f, 0x30), 0x00050014u);
    ck_assert_uint_eq(phys_read(&f->m.as, BASE + 0x30, 1), 0x14);
    ck_assert_uint_eq(phys_read(&f->m.as, BASE + 0x32, 1), 0x05);
    wr(f, 0x20, 0x05000000);
    ck_assert_uint_eq(rd(f, 0x20), 0x05000000);
    ck_assert_uint_eq(apic_get_id(f->apic), 5);
    teardown(f);
}
END_TEST

START_TEST(test_virtual_wire)
{
    Fixture *f = setup();
    /* Software-disabled after reset, the 8259 still gets through LINT0. */
    apic_set_lint(f->apic, 0, 1);
    ck_assert(intr(f));
    ck_assert_int_eq(inta(f), 0x08);
    apic_set_lint(f->apic, 0, 0);
    ck_assert(!intr(f));
    /* An APIC vector goes before the ExtINT. */
    sw_enable(f);
    wr(f, 0x350, 0x700);
    self_ipi(f, 0x40);
    apic_set_lint(f->apic, 0, 1);
    ck_assert_int_eq(take(f), 0x40);
    ck_assert_int_eq(take(f), 0x09);
    /* Masking LINT0 cuts the 8259 off. */
    wr(f, 0x350, 0x10700);
    ck_assert(!intr(f));
    wr(f, 0x350, 0x700);
    ck_assert(intr(f));
    /* Software disable masks every LVT entry, for good. */
    wr(f, 0xf0, 0xff);
    ck_assert_uint_eq(rd(f, 0x350), 0x10700);
    ck_assert(!intr(f));
    wr(f, 0x350, 0x700);
    ck_assert_uint_eq(rd(f, 0x350), 0x10700);
    teardown(f);
}
END_TEST

START_TEST(test_global_disable_passes_pic)
{
    Fixture *f = setup();
    sw_enable(f);
    wr(f, 0x350, 0x10700);                      /* LINT0 masked */
    apic_set_lint(f->apic, 0, 1);
    ck_assert(!intr(f));
    ck_assert(apic_set_base(f->apic, BASE));    /* enable bit clear */
    ck_assert(intr(f));                         /* INTR straight through */
    ck_assert_int_eq(inta(f), 0x08);
    ck_assert_uint_eq(rd(f, 0x30), 0xffffffffu);   /* the page is gone */
    apic_set_lint(f->apic, 0, 0);
    /* Re-enabled at another base: power-up state, software-disabled. */
    ck_assert(apic_set_base(f->apic, 0xfe000000u | MSR_APIC_BASE_ENABLE));
    ck_assert_uint_eq(apic_get_base(f->apic), 0xfe000900u);
    ck_assert_uint_eq(phys_read(&f->m.as, 0xfe0000f0u, 4), 0xff);
    ck_assert_uint_eq(phys_read(&f->m.as, 0xfe000030u, 4), 0x00050014u);
    /* x2APIC and reserved bits: #GP */
    ck_assert(!apic_set_base(f->apic, BASE | 0xc00));
    ck_assert(!apic_set_base(f->apic, BASE | 0x900 | 1));
    teardown(f);
}
END_TEST

START_TEST(test_irr_isr_eoi)
{
    Fixture *f = setup();
    sw_enable(f);
    self_ipi(f, 0x50);
    ck_assert(irr(f, 0x50));
    ck_assert(!rd(f, 0x180 + 2 * 0x10));        /* edge: TMR clear */
    ck_assert_int_eq(take(f), 0x50);
    ck_assert(!irr(f, 0x50));
    ck_assert(isr(f, 0x50));
    ck_assert_uint_eq(rd(f, 0xa0), 0x50);       /* PPR follows the ISR */
    ck_assert(!intr(f));
    wr(f, 0xb0, 0);
    ck_assert(!isr(f, 0x50));
    ck_assert_uint_eq(rd(f, 0xa0), 0);
    /* Two of a kind: one IRR bit */
    self_ipi(f, 0x60);
    self_ipi(f, 0x60);
    ck_assert_int_eq(take(f), 0x60);
    ck_assert(!intr(f));
    wr(f, 0xb0, 0);
    teardown(f);
}
END_TEST

START_TEST(test_priorities)
{
    Fixture *f = setup();
    sw_enable(f);
    wr(f, 0x80, 0x65);
    ck_assert_uint_eq(rd(f, 0xa0), 0x65);
    self_ipi(f, 0x61);                          /* same class as the TPR */
    ck_assert(!intr(f));
    self_ipi(f, 0x50);
    ck_assert(!intr(f));
    self_ipi(f, 0x71);
    ck_assert_uint_eq(rd(f, 0x90), 0x70);       /* APR: highest IRR class */
    ck_assert_int_eq(take(f), 0x71);
    /* Nested: a higher class interrupts, the same class waits. */
    self_ipi(f, 0x7f);
    ck_assert(!intr(f));
    self_ipi(f, 0x85);
    ck_assert_int_eq(take(f), 0x85);
    ck_assert_uint_eq(rd(f, 0xa0), 0x80);
    wr(f, 0xb0, 0);                             /* EOI: 0x85, the highest */
    ck_assert(!isr(f, 0x85));
    ck_assert(isr(f, 0x71));
    ck_assert(!intr(f));
    wr(f, 0xb0, 0);
    ck_assert_int_eq(take(f), 0x7f);
    wr(f, 0xb0, 0);
    wr(f, 0x80, 0);                             /* TPR down: 0x61, then 0x50 */
    ck_assert_int_eq(take(f), 0x61);
    wr(f, 0xb0, 0);
    ck_assert_int_eq(take(f), 0x50);
    wr(f, 0xb0, 0);
    ck_assert(!intr(f));
    apic_set_tpr(f->apic, 0x20);
    ck_assert_uint_eq(rd(f, 0x80), 0x20);
    ck_assert_uint_eq(apic_get_tpr(f->apic), 0x20);
    teardown(f);
}
END_TEST

START_TEST(test_errors)
{
    Fixture *f = setup();
    sw_enable(f);
    wr(f, 0x370, 0xee);                         /* error interrupts on 0xee */
    self_ipi(f, 0x05);                          /* an illegal vector */
    ck_assert(!irr(f, 0x05));
    ck_assert_uint_eq(rd(f, 0x280), 0);         /* not latched yet */
    wr(f, 0x280, 0);
    ck_assert_uint_eq(rd(f, 0x280), 0x20);      /* send illegal vector */
    ck_assert_int_eq(take(f), 0xee);
    wr(f, 0xb0, 0);
    rd(f, 0x400);                               /* no register there */
    wr(f, 0x280, 0);
    ck_assert_uint_eq(rd(f, 0x280), 0x80);
    wr(f, 0x280, 0);
    ck_assert_uint_eq(rd(f, 0x280), 0);
    teardown(f);
}
END_TEST

START_TEST(test_nmi_init_sipi)
{
    Fixture *f = setup();
    sw_enable(f);
    wr(f, 0x300, 0x40400);                      /* NMI to self */
    ck_assert(f->cpu->nmi_pending);
    f->cpu->nmi_pending = false;
    wr(f, 0x360, 0x400);                        /* LINT1: NMI */
    apic_set_lint(f->apic, 1, 1);
    ck_assert(f->cpu->nmi_pending);
    f->cpu->nmi_pending = false;
    apic_set_lint(f->apic, 1, 1);               /* no new edge */
    ck_assert(!f->cpu->nmi_pending);
    /* INIT and SIPI are recorded for the start-up code. */
    bool init;
    int vec;
    ck_assert(!apic_take_startup(f->apic, &init, &vec));
    wr(f, 0x310, 0);
    wr(f, 0x300, 0x4500);                       /* INIT, assert, to APIC 0 */
    wr(f, 0x300, 0x8500);                       /* INIT level de-assert: nothing */
    wr(f, 0x300, 0x4612);                       /* SIPI, vector 0x12 */
    ck_assert(apic_take_startup(f->apic, &init, &vec));
    ck_assert(init);
    ck_assert_int_eq(vec, 0x12);
    ck_assert(!apic_take_startup(f->apic, &init, &vec));
    /* All-excluding-self reaches nobody on a one-CPU machine. */
    wr(f, 0x300, 0xc4500);
    ck_assert(!apic_take_startup(f->apic, &init, &vec));
    ck_assert_uint_eq(rd(f, 0x300) & 0x1000, 0);    /* delivery status idle */
    teardown(f);
}
END_TEST

START_TEST(test_destinations)
{
    Fixture *f = setup();
    sw_enable(f);
    wr(f, 0x310, 0x01000000);
    wr(f, 0x300, 0x0051);                       /* physical 1: not us */
    ck_assert(!intr(f));
    wr(f, 0x310, 0xff000000);
    wr(f, 0x300, 0x0051);                       /* physical broadcast */
    ck_assert_int_eq(take(f), 0x51);
    wr(f, 0xb0, 0);
    /* Logical, flat model */
    wr(f, 0xd0, 0x04000000);
    apic_deliver(&f->m, 0x03, true, APIC_DM_FIXED, 0x52, false);
    ck_assert(!intr(f));
    apic_deliver(&f->m, 0x06, true, APIC_DM_LOWEST, 0x53, false);
    ck_assert_int_eq(take(f), 0x53);
    wr(f, 0xb0, 0);
    /* Cluster model: cluster 2, member bit 1 */
    wr(f, 0xe0, 0x0fffffff);
    ck_assert_uint_eq(rd(f, 0xe0), 0x0fffffffu);
    wr(f, 0xd0, 0x21000000);
    apic_deliver(&f->m, 0x11, true, APIC_DM_FIXED, 0x54, false);
    ck_assert(!intr(f));
    apic_deliver(&f->m, 0x23, true, APIC_DM_FIXED, 0x55, false);
    ck_assert_int_eq(take(f), 0x55);
    wr(f, 0xb0, 0);
    /* A software-disabled APIC takes no fixed interrupts. */
    wr(f, 0xf0, 0xff);
    apic_deliver(&f->m, 0, false, APIC_DM_FIXED, 0x56, false);
    ck_assert(!irr(f, 0x56));
    teardown(f);
}
END_TEST

/* A second CPU with its APIC: the page answers for the accessing CPU. */
static X86CPU *add_cpu1(Fixture *f)
{
    char err[160];
    X86CPU *c = calloc(1, sizeof(*c));
    x86_cpu_init(c, &f->m, &f->m.as, &f->m.io, &f->m.log);
    c->cpu_index = 1;
    x86_cpu_reset(c);
    f->m.cpus[f->m.ncpus++] = c;
    ck_assert_ptr_nonnull(machine_create_device(&f->m, "apic", "cpu=1", err, sizeof(err)));
    ck_assert_ptr_eq(apic_of_cpu(c), f->m.lapic[1]);
    return c;
}

START_TEST(test_smp_per_cpu_page)
{
    Fixture *f = setup();
    X86CPU *c1 = add_cpu1(f);
    f->m.current_cpu = f->cpu;
    ck_assert_uint_eq(rd(f, 0x20), 0);
    sw_enable(f);
    wr(f, 0x80, 0x20);                          /* TPR of CPU 0 */
    f->m.current_cpu = c1;
    ck_assert_uint_eq(rd(f, 0x20), 1u << 24);
    ck_assert_uint_eq(rd(f, 0x80), 0);          /* CPU 1's own TPR */
    ck_assert_uint_eq(rd(f, 0xf0), 0xff);       /* and SVR */
    ck_assert_uint_eq(apic_get_base(f->apic) & MSR_APIC_BASE_BSP, MSR_APIC_BASE_BSP);
    ck_assert_uint_eq(apic_get_base(f->m.lapic[1]) & MSR_APIC_BASE_BSP, 0);
    f->m.current_cpu = f->cpu;
    ck_assert_uint_eq(rd(f, 0x80), 0x20);
    /* CPU 1's APIC globally disabled: CPU 1 no longer reaches a page here. */
    ck_assert(apic_set_base(f->m.lapic[1], APIC_DEFAULT_ADDRESS));
    f->m.current_cpu = c1;
    ck_assert_uint_eq(rd(f, 0x20), 0);
    wr(f, 0x80, 0x30);
    f->m.current_cpu = f->cpu;
    ck_assert_uint_eq(rd(f, 0x80), 0x20);
    f->m.current_cpu = NULL;
    teardown(f);
    free(c1);
}
END_TEST

START_TEST(test_smp_ipis)
{
    Fixture *f = setup();
    X86CPU *c1 = add_cpu1(f);
    f->m.accel = &tcg_accel_ops;                /* its kick: exit_request */
    f->m.current_cpu = c1;
    sw_enable(f);                               /* CPU 1's APIC */
    wr(f, 0xd0, 0x02000000);                    /* LDR: logical bit 1 */
    f->m.current_cpu = f->cpu;
    sw_enable(f);
    wr(f, 0x310, 1u << 24);
    wr(f, 0x300, 0x4031);                       /* fixed 31h to APIC 1 */
    ck_assert(c1->irq_line);
    ck_assert(!f->cpu->irq_line);
    ck_assert_int_eq(f->cpu->exit_request, 1);  /* CPU 0's slice ends */
    f->cpu->exit_request = 0;
    self_ipi(f, 0x32);                          /* to itself: no kick */
    ck_assert_int_eq(f->cpu->exit_request, 0);
    ck_assert(f->cpu->irq_line);
    wr(f, 0x310, 0x02000000);
    wr(f, 0x300, 0x4c00);                       /* NMI, logical MDA 02h */
    ck_assert(c1->nmi_pending);
    ck_assert(!f->cpu->nmi_pending);
    /* INIT resets CPU 1's APIC registers but its ID. */
    f->m.current_cpu = c1;
    wr(f, 0x20, 5u << 24);
    wr(f, 0x80, 0x40);
    f->m.current_cpu = f->cpu;
    wr(f, 0x310, 5u << 24);
    wr(f, 0x300, 0x4500);
    f->m.current_cpu = c1;
    ck_assert_uint_eq(rd(f, 0x20), 5u << 24);
    ck_assert_uint_eq(rd(f, 0x80), 0);
    ck_assert_uint_eq(rd(f, 0xf0), 0xff);
    ck_assert_uint_eq(rd(f, 0x200 + 0x10), 0);  /* IRR 20h-3Fh cleared */
    bool init;
    int vec;
    ck_assert(apic_take_startup(f->m.lapic[1], &init, &vec));
    ck_assert(init);
    ck_assert_int_eq(vec, -1);
    f->m.current_cpu = NULL;
    teardown(f);
    free(c1);
}
END_TEST

/* The CPU side of the start-up: RESET leaves APs waiting, SIPI starts
 * them in real mode at vector << 12, INIT keeps the x87 state. */
START_TEST(test_smp_cpu_startup)
{
    Fixture *f = setup();
    X86CPU *c1 = add_cpu1(f);
    ck_assert(!f->cpu->wait_for_sipi);
    ck_assert(c1->wait_for_sipi);
    x86_cpu_sipi(f->cpu, 0x12);                 /* not waiting: ignored */
    ck_assert_uint_eq(f->cpu->seg[R_CS].sel, 0xf000);
    x86_cpu_sipi(c1, 0x9f);
    ck_assert(!c1->wait_for_sipi);
    ck_assert_uint_eq(c1->seg[R_CS].sel, 0x9f00);
    ck_assert_uint_eq(c1->seg[R_CS].base, 0x9f000);
    ck_assert_uint_eq(c1->rip, 0);
    x86_cpu_sipi(c1, 0x10);                     /* running: ignored */
    ck_assert_uint_eq(c1->seg[R_CS].sel, 0x9f00);
    c1->fpu.fcw = 0x037f;
    c1->regs[R_EBX] = 0x1234;
    c1->cr[0] |= CR0_PE;
    x86_cpu_init_ipi(c1);
    ck_assert(c1->wait_for_sipi);
    ck_assert_uint_eq(c1->fpu.fcw, 0x037f);
    ck_assert_uint_eq(c1->regs[R_EBX], 0);
    ck_assert_uint_eq(c1->cr[0] & CR0_PE, 0);
    teardown(f);
    free(c1);
}
END_TEST

START_TEST(test_timer_oneshot)
{
    Fixture *f = setup();
    sw_enable(f);
    wr(f, 0x3e0, 0xb);                          /* divide by 1 */
    wr(f, 0x320, 0x40);                         /* one-shot, vector 0x40 */
    wr(f, 0x380, 1000);
    ck_assert_uint_eq(rd(f, 0x390), 1000);
    advance(f, 400);
    ck_assert_uint_eq(rd(f, 0x390), 600);
    ck_assert(!intr(f));
    advance(f, 600);
    ck_assert_uint_eq(rd(f, 0x390), 0);
    ck_assert_int_eq(take(f), 0x40);
    wr(f, 0xb0, 0);
    advance(f, 5000);
    ck_assert(!intr(f));                        /* once only */
    /* Divide by 16: 100 counts take 1600 ns */
    wr(f, 0x3e0, 0x3);
    ck_assert_uint_eq(rd(f, 0x3e0), 0x3);
    wr(f, 0x380, 100);
    advance(f, 800);
    ck_assert_uint_eq(rd(f, 0x390), 50);
    advance(f, 799);
    ck_assert(!intr(f));
    advance(f, 1);
    ck_assert_int_eq(take(f), 0x40);
    wr(f, 0xb0, 0);
    /* Masked: counts, but no interrupt */
    wr(f, 0x320, 0x10040);
    wr(f, 0x380, 100);
    advance(f, 10000);
    ck_assert(!intr(f));
    ck_assert(!irr(f, 0x40));
    /* Initial count 0 stops the timer */
    wr(f, 0x320, 0x40);
    wr(f, 0x380, 100);
    wr(f, 0x380, 0);
    advance(f, 10000);
    ck_assert(!intr(f));
    teardown(f);
}
END_TEST

START_TEST(test_timer_periodic)
{
    Fixture *f = setup();
    sw_enable(f);
    wr(f, 0x3e0, 0x0);                          /* divide by 2 */
    wr(f, 0x320, 0x20041);                      /* periodic, vector 0x41 */
    wr(f, 0x380, 500);                          /* 1000 ns period */
    int n = 0;
    for (int i = 0; i < 35; i++) {
        advance(f, 100);
        if (intr(f)) {
            ck_assert_int_eq(inta(f), 0x41);
            wr(f, 0xb0, 0);
            n++;
        }
    }
    ck_assert_int_eq(n, 3);
    ck_assert_uint_eq(rd(f, 0x390), 250);       /* 500 ns into the period */
    /* Far behind: one interrupt, the count stays in phase */
    advance(f, 100500);
    ck_assert_int_eq(take(f), 0x41);
    ck_assert(!intr(f));
    ck_assert_uint_eq(rd(f, 0x390), 500);
    wr(f, 0xb0, 0);
    /* Changing the mode disarms the timer */
    wr(f, 0x320, 0x00041);
    ck_assert_uint_eq(rd(f, 0x380), 0);
    advance(f, 5000);
    ck_assert(!intr(f));
    teardown(f);
}
END_TEST

START_TEST(test_timer_tsc_deadline)
{
    Fixture *f = setup();
    sw_enable(f);
    apic_set_tsc_deadline(f->apic, 12345, 0);   /* not in deadline mode: ignored */
    ck_assert_uint_eq(apic_get_tsc_deadline(f->apic), 0);
    wr(f, 0x320, 0x40042);                      /* TSC-deadline, vector 0x42 */
    wr(f, 0x380, 10);                           /* ignored in this mode */
    ck_assert_uint_eq(rd(f, 0x380), 0);
    apic_set_tsc_deadline(f->apic, 1000000 + 5000, 1000000);
    ck_assert_uint_eq(apic_get_tsc_deadline(f->apic), 1005000);
    advance(f, 4999);
    ck_assert(!intr(f));
    advance(f, 1);
    ck_assert_int_eq(take(f), 0x42);
    ck_assert_uint_eq(apic_get_tsc_deadline(f->apic), 0);
    wr(f, 0xb0, 0);
    /* A deadline in the past fires at once; writing 0 disarms */
    apic_set_tsc_deadline(f->apic, 10, 500);
    advance(f, 0);
    ck_assert_int_eq(take(f), 0x42);
    wr(f, 0xb0, 0);
    apic_set_tsc_deadline(f->apic, 2000, 0);
    apic_set_tsc_deadline(f->apic, 0, 0);
    advance(f, 5000);
    ck_assert(!intr(f));
    teardown(f);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("apic");
    TCase *tc = tcase_create("apic");
    tcase_add_test(tc, test_reset_state);
    tcase_add_test(tc, test_virtual_wire);
    tcase_add_test(tc, test_global_disable_passes_pic);
    tcase_add_test(tc, test_irr_isr_eoi);
    tcase_add_test(tc, test_priorities);
    tcase_add_test(tc, test_errors);
    tcase_add_test(tc, test_nmi_init_sipi);
    tcase_add_test(tc, test_destinations);
    tcase_add_test(tc, test_smp_per_cpu_page);
    tcase_add_test(tc, test_smp_ipis);
    tcase_add_test(tc, test_smp_cpu_startup);
    tcase_add_test(tc, test_timer_oneshot);
    tcase_add_test(tc, test_timer_periodic);
    tcase_add_test(tc, test_timer_tsc_deadline);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_ENV);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
