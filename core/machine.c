/* Machine-wide services: requests to the main loop, chardevs, devices. */
#include <stdlib.h>
#include <string.h>

#include "yl/accel.h"
#include "yl/machine.h"
#include "yl/monitor.h"

void machine_init(Machine *m)
{
    memset(m, 0, sizeof(*m));
    as_init(&m->as);
    ioport_init(&m->io);
    clock_init(&m->clock);
}

/* Whatever runs the CPU must come back to the main loop now. */
static void machine_kick(Machine *m)
{
    for (int i = 0; i < m->ncpus; i++) {
        m->cpus[i]->exit_request = 1;
        if (m->accel && m->accel->vcpu_kick)
            m->accel->vcpu_kick(m->cpus[i]);
    }
}

void machine_request_shutdown(Machine *m, int status)
{
    if (!m->shutdown_requested)
        m->exit_status = status;
    m->shutdown_requested = true;
    machine_kick(m);
}

void machine_request_reset(Machine *m)
{
    if (m->opt.no_reboot) {
        machine_request_shutdown(m, 0);
        return;
    }
    m->reset_requested = true;
    machine_kick(m);
}

void machine_triple_fault(Machine *m)
{
    yl_log_mask(&m->log, LOG_GUEST_ERRORS | LOG_INT, "triple fault: %s\n",
                m->opt.no_reboot ? "exiting (-no-reboot)" : "resetting");
    machine_request_reset(m);
}

Chardev *machine_find_chardev(Machine *m, const char *id)
{
    for (Chardev *c = m->chardevs; c; c = c->next)
        if (!strcmp(c->id, id))
            return c;
    return NULL;
}

int machine_add_chardev(Machine *m, Chardev *c, char *err, int errlen)
{
    if (machine_find_chardev(m, c->id)) {
        snprintf(err, errlen, "duplicate chardev id '%s'", c->id);
        return -1;
    }
    Chardev **pp = &m->chardevs;
    while (*pp)
        pp = &(*pp)->next;
    *pp = c;
    return 0;
}

Device *machine_create_device(Machine *m, const char *name, const char *props,
                              char *err, int errlen)
{
    const DeviceClass *cls = device_class_find(name);
    if (!cls) {
        snprintf(err, errlen, "no device '%s' (try -device help)", name);
        return NULL;
    }
    Device *dev = device_new(cls, props, err, errlen);
    if (!dev)
        return NULL;
    if (cls->realize && cls->realize(dev, m, err, errlen) < 0) {
        device_free(dev);
        return NULL;
    }
    Device **pp = &m->devices;
    while (*pp)
        pp = &(*pp)->next;
    *pp = dev;
    return dev;
}

void machine_destroy(Machine *m)
{
    for (int i = 0; i < m->ncpus; i++)
        if (m->accel && m->accel->vcpu_destroy)
            m->accel->vcpu_destroy(m, m->cpus[i]);
    while (m->devices) {
        Device *d = m->devices;
        m->devices = d->next;
        device_free(d);
    }
    if (m->board_destroy)
        m->board_destroy(m);
    monitor_free(m->monitor);   /* before the chardev it reads */
    while (m->chardevs) {
        Chardev *c = m->chardevs;
        m->chardevs = c->next;
        chardev_free(c);
    }
    as_destroy(&m->as);
    if (m->log.file)
        fclose(m->log.file);
    m->log.file = NULL;
}
