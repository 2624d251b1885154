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
        printf("Accelerators supported in this build:\ntcg\n");
        break;
    case OPT_RUN:
        break;
    }
    return 0;
}

static int machine_start(Machine *m, const Options *o, char *err, int errlen)
{
    m->opt = o->machine;
    m->log.mask = o->log_mask;
    if (o->log_file && !(m->log.file = fopen(o->log_file, "w"))) {
        snprintf(err, errlen, "-D %s: cannot open log file", o->log_file);
        return -1;
    }
    if (pc_init(m, err, errlen) < 0)
        return -1;
    if (monitor_open(m, m->opt.monitor, err, errlen) < 0)
        return -1;
    m->accel = &tcg_accel_ops;
    if (m->accel->init && m->accel->init(m, err, errlen) < 0)
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
