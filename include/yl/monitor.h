/* The human monitor (HMP): QEMU's text commands on a chardev (-monitor
 * stdio | unix:PATH,server,nowait).  It runs in the main loop between CPU
 * slices, so commands see a consistent machine. */
#ifndef YL_MONITOR_H
#define YL_MONITOR_H

#include <stddef.h>

#include "yl/chardev.h"

struct Machine;
typedef struct Monitor Monitor;

/* A monitor serving chr (may be NULL: commands only through
 * monitor_command, output through monitor_set_output).  Stored in
 * m->monitor. */
Monitor *monitor_new(struct Machine *m, Chardev *chr);
void monitor_free(Monitor *mon);
/* -monitor SPEC ("stdio", "unix:PATH,server,nowait", "chardev:ID", "none"):
 * makes the chardev and the monitor.  Returns 0, or -1 with err. */
int monitor_open(struct Machine *m, const char *spec, char *err, int errlen);
/* Sends output to fn instead of the chardev (tests, QMP's human-monitor-command). */
void monitor_set_output(Monitor *mon, void (*fn)(void *opaque, const char *s, size_t len),
                        void *opaque);
/* Runs one command line.  Returns 0, or -1 when the command failed (the
 * error line has been printed). */
int monitor_command(Monitor *mon, const char *line);
void monitor_printf(Monitor *mon, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

#endif
