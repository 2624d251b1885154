/* The monitor's command table and its simple commands: machine control,
 * screendump, sendkey and help. */
#include <stdlib.h>
#include <string.h>

#include "monitor/monitor_int.h"
#include "yl/accel.h"
#include "yl/display.h"
#include "yl/input.h"

const MonitorCmd monitor_cmds[] = {
    { "help", "[cmd]", "show the help", hmp_help },
    { "?", "[cmd]", "same as help", hmp_help },
    { "info", "registers|pci|mtree", "show machine state", hmp_info },
    { "x", "/fmt addr", "virtual memory dump starting at addr", hmp_x },
    { "xp", "/fmt addr", "physical memory dump starting at addr", hmp_x },
    { "screendump", "filename", "save the screen as a PNG image", hmp_screendump },
    { "sendkey", "keys [hold_ms]", "send keys to the guest (e.g. ctrl-alt-delete)",
      hmp_sendkey },
    { "system_reset", "", "reset the machine", hmp_system_reset },
    { "stop", "", "stop emulation", hmp_stop },
    { "cont", "", "resume emulation", hmp_cont },
    { "c", "", "same as cont", hmp_cont },
    { "quit", "", "quit the emulator", hmp_quit },
    { "q", "", "same as quit", hmp_quit },
};
const int monitor_ncmds = sizeof(monitor_cmds) / sizeof(monitor_cmds[0]);

int hmp_help(Monitor *mon, const char *name, const char *args)
{
    for (int i = 0; i < monitor_ncmds; i++) {
        const MonitorCmd *c = &monitor_cmds[i];
        if (*args && strcmp(args, c->name))
            continue;
        monitor_printf(mon, "%s %s -- %s\n", c->name, c->args, c->help);
    }
    return 0;
}

static int no_args(Monitor *mon, const char *name, const char *args)
{
    if (*args) {
        monitor_printf(mon, "%s: too many arguments\n", name);
        return -1;
    }
    return 0;
}

int hmp_system_reset(Monitor *mon, const char *name, const char *args)
{
    if (no_args(mon, name, args) < 0)
        return -1;
    machine_request_reset(mon->m);
    return 0;
}

int hmp_stop(Monitor *mon, const char *name, const char *args)
{
    if (no_args(mon, name, args) < 0)
        return -1;
    if (!mon->m->paused) {
        mon->m->paused = true;
        clock_stop(&mon->m->clock);
    }
    return 0;
}

int hmp_cont(Monitor *mon, const char *name, const char *args)
{
    if (no_args(mon, name, args) < 0)
        return -1;
    if (mon->m->paused) {
        mon->m->paused = false;
        clock_start(&mon->m->clock);
    }
    return 0;
}

int hmp_quit(Monitor *mon, const char *name, const char *args)
{
    if (no_args(mon, name, args) < 0)
        return -1;
    machine_request_shutdown(mon->m, 0);
    return 0;
}

int hmp_screendump(Monitor *mon, const char *name, const char *args)
{
    char err[256];
    if (!*args || strchr(args, ' ')) {
        monitor_printf(mon, "screendump: usage: screendump FILENAME\n");
        return -1;
    }
    DisplaySurface *s = display_console_update(mon->m->console);
    if (!s) {
        monitor_printf(mon, "screendump: there is no display\n");
        return -1;
    }
    if (screendump_png(s, args, err, sizeof(err)) < 0) {
        monitor_printf(mon, "screendump: %s\n", err);
        return -1;
    }
    return 0;
}

#define SENDKEY_MAX 16

/* "ctrl-alt-delete": every key goes down in order, then up in reverse. */
int hmp_sendkey(Monitor *mon, const char *name, const char *args)
{
    int codes[SENDKEY_MAX], n = 0;
    size_t len = strcspn(args, " ");
    if (len == 0) {
        monitor_printf(mon, "sendkey: usage: sendkey KEYS [hold_ms]\n");
        return -1;
    }
    /* The hold time only matters to a UI with auto-repeat; accept it. */
    const char *hold = args + len + strspn(args + len, " ");
    char *end;
    if (*hold && (strtol(hold, &end, 10) < 0 || *end)) {
        monitor_printf(mon, "sendkey: bad hold time '%s'\n", hold);
        return -1;
    }
    for (const char *p = args; p < args + len;) {
        size_t k = strcspn(p, "- ");
        if (k == 0)
            k = 1;      /* "-" alone or "ctrl--": the minus key */
        char key[32];
        snprintf(key, sizeof(key), "%.*s", (int)k, p);
        int q = !strcmp(key, "-") ? Q_KEY_MINUS : input_qcode_from_name(key);
        if (q < 0 || k >= sizeof(key)) {
            monitor_printf(mon, "sendkey: unknown key '%s'\n", key);
            return -1;
        }
        if (n == SENDKEY_MAX) {
            monitor_printf(mon, "sendkey: too many keys\n");
            return -1;
        }
        codes[n++] = q;
        p += k;
        if (p < args + len && *p == '-')
            p++;
    }
    for (int i = 0; i < n; i++)
        input_key(mon->m, codes[i], true);
    for (int i = n - 1; i >= 0; i--)
        input_key(mon->m, codes[i], false);
    return 0;
}
