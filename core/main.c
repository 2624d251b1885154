/* yinglong: parse the command line, build the PC, run it. */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "core/options.h"
#include "yl/accel.h"
#include "yl/machine.h"
#include "yl/monitor.h"

static int print_help(const Options *o)
{
    switch (o->action) {
    case OPT_HELP:
        options_usage(stdout);
        break;
    case OPT_VERSION:
        printf("Yinglong emulator version %s\n", YL_VERSION);
        break;
    case OPT_DEVICE_HELP:
        if (o->help_arg)
            device_print_props(device_class_find(o->help_arg), stdout);
        else
            device_list_classes(stdout);
        break;
    case OPT_LOG_HELP:
        log_print_items(stdout);
        break;
    case OPT_MACHINE_HELP:
        printf("Supported machines are:\npc                   Standard PC (default)\n");
        break;
    case OPT_ACCEL_HELP:
        printf("Accelerators supported in this build:\ntcg\n%s", CONFIG_KVM ? "kvm\n" : "");
        break;
    case OPT_CPU_HELP:
        x86_cpu_model_help(stdout);
        break;
    case OPT_RUN:
        break;
    }
    return 0;
}

static const AccelOps *accel_by_name(const char *name, size_t len)
{
    if (len == 3 && !strncmp(name, "tcg", 3))
        return &tcg_accel_ops;
#if CONFIG_KVM
    if (len == 3 && !strncmp(name, "kvm", 3))
        return &kvm_accel_ops;
#endif
    return NULL;
}

/* The accelerators asked for, in order (-accel kvm:tcg): the first whose
 * init succeeds runs the machine; each failure before the last is a note.
 * This comes before the board is built, which asks m->kernel_irqchip. */
static int accel_start(Machine *m, char *err, int errlen)
{
    const char *p = m->opt.accel ? m->opt.accel : "tcg";
    for (;;) {
        size_t n = strcspn(p, ":");
        const AccelOps *ops = accel_by_name(p, n);
        if (!ops) {
            snprintf(err, errlen, "-accel %.*s: this build has no such accelerator "
                     "(configured without it)", (int)n, p);
        } else {
            m->accel = ops;
            if (!ops->init || ops->init(m, err, errlen) == 0)
                return 0;
            m->accel = NULL;
            m->kernel_irqchip = false;
        }
        if (!p[n])
            return -1;
        p += n + 1;
        fprintf(stderr, "yinglong: note: %s; falling back to %.*s\n", err,
                (int)strcspn(p, ":"), p);
    }
}

static int machine_start(Machine *m, const Options *o, char *err, int errlen)
{
    m->opt = o->machine;
    m->log.mask = o->log_mask;
    if (o->log_file && !(m->log.file = fopen(o->log_file, "w"))) {
        snprintf(err, errlen, "-D %s: cannot open log file", o->log_file);
        return -1;
    }
    if (accel_start(m, err, errlen) < 0 || pc_init(m, err, errlen) < 0)
        return -1;
    if (monitor_open(m, m->opt.monitor, err, errlen) < 0)
        return -1;
    for (int i = 0; i < m->ncpus; i++) {
        if (m->accel->vcpu_create && m->accel->vcpu_create(m, m->cpus[i]) < 0) {
            snprintf(err, errlen, "%s: cannot create vCPU %d", m->accel->name, i);
            return -1;
        }
    }
    return 0;
}

int main(int argc, char **argv)
{
    Options o;
    char err[512];
    if (options_parse(&o, argc, argv, err, sizeof(err)) < 0) {
        fprintf(stderr, "yinglong: %s\n", err);
        return 1;
    }
    if (o.action != OPT_RUN)
        return print_help(&o);
    signal(SIGPIPE, SIG_IGN);   /* a closed output pipe must not kill us */
    Machine *m = calloc(1, sizeof(*m));
    if (!m) {
        fprintf(stderr, "yinglong: out of memory\n");
        return 1;
    }
    machine_init(m);
    int status;
    if (machine_start(m, &o, err, sizeof(err)) < 0) {
        fprintf(stderr, "yinglong: %s\n", err);
        status = 1;
    } else {
        status = machine_run(m);
    }
    if (m->log.file)
        fflush(m->log.file);
    machine_destroy(m);
    free(m);
    return status;
}
