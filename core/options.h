/* The command line: a compatible subset of qemu-system-x86_64's. */
#ifndef YL_CORE_OPTIONS_H
#define YL_CORE_OPTIONS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "yl/machine.h"

typedef enum OptAction {
    OPT_RUN,
    OPT_HELP,               /* -help */
    OPT_VERSION,            /* -version */
    OPT_DEVICE_HELP,        /* -device help, or -device NAME,help (help_arg) */
    OPT_LOG_HELP,           /* -d help */
    OPT_MACHINE_HELP,       /* -machine help */
    OPT_ACCEL_HELP,         /* -accel help */
    OPT_CPU_HELP,           /* -cpu help */
} OptAction;

typedef struct Options {
    OptAction action;
    const char *help_arg;   /* device name for -device NAME,help */
    MachineOptions machine;
    uint32_t log_mask;
    const char *log_file;   /* -D */
    char accel_buf[64];     /* machine.accel: the accelerators asked for, "a:b" */
} Options;

#define YL_DEFAULT_RAM (128ull << 20)

/* Returns 0, or -1 with a one-line message (without the program name). */
int options_parse(Options *o, int argc, char **argv, char *err, int errlen);
/* -m: "N" (MiB), "N[KMGT]", "size=N[KMGT]". */
int options_parse_size(const char *s, uint64_t *bytes, char *err, int errlen);
void options_usage(FILE *f);
/* -boot: the boot devices in order ("cd") and the menu switch. */
int options_parse_boot(const char *arg, char *order, size_t n, bool *menu,
                       char *err, int errlen);

#endif
