/* The in-kernel 8254 PIT (with the in-kernel irqchip).  KVM then serves
 * ports 0x40-0x43 and, with KVM_PIT_SPEAKER_DUMMY, port 0x61 (counter 2's
 * gate and output, the speaker bit, the refresh toggle) without exits,
 * and raises GSI 0 itself.  The board's userspace i8254 still exists but
 * no guest access reaches it any more: it is parked (its counter 0 output
 * held low), so that only the kernel's counter drives IRQ0.
 *
 * The HPET stays in userspace.  Its legacy replacement mode must cut the
 * PIT off IRQ0, which for the kernel's PIT is KVM_PIT_FLAGS_HPET_LEGACY:
 * after every guest write into the HPET's page the loop reads the
 * configuration register back and tells KVM when that bit changed. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>

#include "accel/kvm/kvm_int.h"
#include "yl/apic.h"

#define HPET_CONFIG 0x10
#define HPET_CFG_LEGACY 2u
#define HPET_PAGE 0x400

/* KVM's access states: rw_mode 3 is "LSB then MSB", read and write
 * states start at the first of the two bytes. */
#define PIT_RW_WORD 3

int kvm_pit_create(KVMState *s, char *err, int errlen)
{
    struct kvm_pit_config cfg = { .flags = KVM_PIT_SPEAKER_DUMMY };
    if (ioctl(s->sys_fd, KVM_CHECK_EXTENSION, KVM_CAP_PIT2) <= 0
        || ioctl(s->sys_fd, KVM_CHECK_EXTENSION, KVM_CAP_PIT_STATE2) <= 0) {
        snprintf(err, errlen, "kvm: this KVM has no in-kernel PIT "
                 "(use -machine kernel-irqchip=off)");
        return -1;
    }
    if (ioctl(s->vm_fd, KVM_CREATE_PIT2, &cfg) < 0) {
        snprintf(err, errlen, "kvm: cannot create the in-kernel PIT: %s",
                 strerror(errno));
        return -1;
    }
    s->pit = true;
    return 0;
}

/* The control word "counter 0, LSB then MSB, mode 0" leaves counter 0
 * waiting for a count with its output low: the userspace i8254 no longer
 * raises IRQ0.  Its ports are the kernel's now, so it stays that way
 * until the next machine reset (which restarts it: park it again). */
static void park_userspace_pit(KVMState *s)
{
    ioport_write(&s->m->io, 0x43, 0x30, 1);
}

static bool hpet_legacy(KVMState *s)
{
    if (!s->m->has_hpet)
        return false;
    return phys_read(&s->m->as, HPET_ADDRESS + HPET_CONFIG, 4) & HPET_CFG_LEGACY;
}

static void pit_set_flags(KVMState *s, struct kvm_pit_state2 *ps)
{
    ps->flags = s->pit_hpet_legacy ? KVM_PIT_FLAGS_HPET_LEGACY : 0;
    if (ioctl(s->vm_fd, KVM_SET_PIT2, ps) < 0)
        yl_log_mask(&s->m->log, LOG_GUEST_ERRORS, "kvm: KVM_SET_PIT2: %s\n",
                    strerror(errno));
}

/* Power-on, as the userspace i8254 has it: every counter in mode 3 with
 * count 0 (65536), LSB then MSB; counter 0 runs (18.2 Hz on IRQ0),
 * counter 2 waits for its gate (port 0x61 bit 0). */
void kvm_pit_reset(KVMState *s)
{
    if (!s->pit)
        return;
    park_userspace_pit(s);
    struct kvm_pit_state2 ps;
    memset(&ps, 0, sizeof(ps));
    for (int i = 0; i < 3; i++) {
        struct kvm_pit_channel_state *c = &ps.channels[i];
        c->count = 0x10000;
        c->rw_mode = c->read_state = c->write_state = PIT_RW_WORD;
        c->mode = 3;
        c->gate = i != 2;
    }
    s->pit_hpet_legacy = hpet_legacy(s);
    pit_set_flags(s, &ps);
}

/* After a guest MMIO write at gpa: follow the HPET's legacy replacement. */
void kvm_pit_mmio_written(KVMState *s, uint64_t gpa)
{
    if (!s->pit || gpa < HPET_ADDRESS || gpa >= HPET_ADDRESS + HPET_PAGE)
        return;
    bool legacy = hpet_legacy(s);
    if (legacy == s->pit_hpet_legacy)
        return;
    struct kvm_pit_state2 ps;
    if (ioctl(s->vm_fd, KVM_GET_PIT2, &ps) < 0)
        return;
    s->pit_hpet_legacy = legacy;
    yl_log_mask(&s->m->log, LOG_INT, "kvm: HPET legacy replacement %s: the "
                "in-kernel PIT is %s IRQ0\n", legacy ? "on" : "off",
                legacy ? "cut off" : "back on");
    pit_set_flags(s, &ps);
}
