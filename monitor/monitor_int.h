/* Inside the human monitor: the Monitor, its command table and the
 * commands' files (hmp-cmds.c, hmp-info.c, hmp-memory.c). */
#ifndef YL_MONITOR_INT_H
#define YL_MONITOR_INT_H

#include <stdbool.h>
#include <stdint.h>

#include "yl/machine.h"
#include "yl/monitor.h"

#define MONITOR_LINE_MAX 1024

struct Monitor {
    Machine *m;
    Chardev *chr;
    char line[MONITOR_LINE_MAX];
    size_t len;
    bool overflow;          /* the line being typed was too long */
    bool last_cr;           /* swallow the \n of a \r\n */
    void (*out)(void *opaque, const char *s, size_t len);
    void *out_opaque;
};

/* A command gets the text after its name, without leading blanks. */
typedef struct MonitorCmd {
    const char *name;
    const char *args;       /* for help */
    const char *help;
    int (*fn)(Monitor *mon, const char *name, const char *args);
} MonitorCmd;

int hmp_info(Monitor *mon, const char *name, const char *args);
int hmp_x(Monitor *mon, const char *name, const char *args);
int hmp_screendump(Monitor *mon, const char *name, const char *args);
int hmp_sendkey(Monitor *mon, const char *name, const char *args);
int hmp_system_reset(Monitor *mon, const char *name, const char *args);
int hmp_stop(Monitor *mon, const char *name, const char *args);
int hmp_cont(Monitor *mon, const char *name, const char *args);
int hmp_quit(Monitor *mon, const char *name, const char *args);
int hmp_help(Monitor *mon, const char *name, const char *args);

extern const MonitorCmd monitor_cmds[];
extern const int monitor_ncmds;

/* Linear to physical without side effects (no A/D bits, no #PF): false
 * when the page is not present. */
bool monitor_lin_to_phys(X86CPU *cpu, uint64_t lin, uint64_t *phys);

#endif
