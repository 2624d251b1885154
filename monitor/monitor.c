/* The human monitor: reads lines from its chardev, runs them as commands
 * and answers with text, a "(yinglong) " prompt before each command. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "monitor/monitor_int.h"

#define PROMPT "(yinglong) "

void monitor_printf(Monitor *mon, const char *fmt, ...)
{
    char buf[1024], *p = buf;
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(buf, sizeof(buf), fmt, ap);
    va_end(ap);
    if (n < 0)
        return;
    if ((size_t)n >= sizeof(buf)) {
        p = malloc(n + 1);
        if (!p)
            return;
        va_start(ap, fmt);
        vsnprintf(p, n + 1, fmt, ap);
        va_end(ap);
    }
    if (mon->out) {
        mon->out(mon->out_opaque, p, n);
    } else if (mon->chr) {
        /* A terminal in raw mode needs \r\n. */
        for (char *s = p, *nl; *s; s = nl + 1) {
            nl = strchr(s, '\n');
            if (!nl) {
                chardev_write(mon->chr, (const uint8_t *)s, strlen(s));
                break;
            }
            chardev_write(mon->chr, (const uint8_t *)s, nl - s);
            chardev_write(mon->chr, (const uint8_t *)"\r\n", 2);
        }
    }
    if (p != buf)
        free(p);
}

static const MonitorCmd *find_cmd(const char *name, size_t len)
{
    for (int i = 0; i < monitor_ncmds; i++)
        if (strlen(monitor_cmds[i].name) == len && !strncmp(monitor_cmds[i].name, name, len))
            return &monitor_cmds[i];
    return NULL;
}

int monitor_command(Monitor *mon, const char *line)
{
    while (*line == ' ' || *line == '\t')
        line++;
    size_t len = strcspn(line, " \t/");
    if (len == 0 && !*line)
        return 0;
    /* "x/4xb" is the command "x" with the format "/4xb". */
    const MonitorCmd *cmd = find_cmd(line, len);
    if (!cmd) {
        monitor_printf(mon, "unknown command: '%.*s'\n", (int)len, line);
        return -1;
    }
    const char *args = line + len;
    while (*args == ' ' || *args == '\t')
        args++;
    char buf[MONITOR_LINE_MAX];
    snprintf(buf, sizeof(buf), "%s", args);
    for (size_t n = strlen(buf); n && (buf[n - 1] == ' ' || buf[n - 1] == '\t'); n--)
        buf[n - 1] = 0;
    return cmd->fn(mon, cmd->name, buf);
}

static void prompt(Monitor *mon)
{
    monitor_printf(mon, PROMPT);
}

static void greet(void *opaque)
{
    Monitor *mon = opaque;
    mon->len = 0;
    mon->overflow = false;
    monitor_printf(mon, "Yinglong monitor - type 'help' for more information\n");
    prompt(mon);
}

static void end_of_line(Monitor *mon)
{
    if (mon->overflow) {
        monitor_printf(mon, "command line too long\n");
    } else {
        mon->line[mon->len] = 0;
        monitor_command(mon, mon->line);
    }
    mon->len = 0;
    mon->overflow = false;
    if (!mon->m->shutdown_requested)
        prompt(mon);
}

/* A terminal in raw mode shows only what we echo. */
static void echo(Monitor *mon, const char *s)
{
    if (mon->chr && mon->chr->kind == CHARDEV_STDIO && mon->chr->tty_saved)
        chardev_write(mon->chr, (const uint8_t *)s, strlen(s));
}

static void monitor_input(void *opaque, const uint8_t *buf, int n)
{
    Monitor *mon = opaque;
    for (int i = 0; i < n; i++) {
        uint8_t c = buf[i];
        char e[2] = { c, 0 };
        bool was_cr = mon->last_cr;
        mon->last_cr = c == '\r';
        if (c == '\n' && was_cr)
            continue;
        if (c == '\r' || c == '\n') {
            echo(mon, "\r\n");
            end_of_line(mon);
        } else if (c == 0x7f || c == 0x08) {
            if (mon->len) {
                mon->len--;
                echo(mon, "\b \b");
            }
        } else if (c >= 0x20 || c == '\t') {
            if (mon->len + 1 < sizeof(mon->line)) {
                mon->line[mon->len++] = c;
                echo(mon, e);
            } else
                mon->overflow = true;
        }
    }
}

static int monitor_can_read(void *opaque)
{
    return MONITOR_LINE_MAX;
}

Monitor *monitor_new(Machine *m, Chardev *chr)
{
    Monitor *mon = calloc(1, sizeof(*mon));
    if (!mon)
        return NULL;
    mon->m = m;
    mon->chr = chr;
    m->monitor = mon;
    if (chr) {
        chr->opened = greet;
        chardev_set_handlers(chr, monitor_can_read, monitor_input, mon);
        if (chr->kind != CHARDEV_SOCKET)
            greet(mon);
    }
    return mon;
}

void monitor_free(Monitor *mon)
{
    if (!mon)
        return;
    if (mon->m->monitor == mon)
        mon->m->monitor = NULL;
    if (mon->chr) {
        mon->chr->opened = NULL;
        chardev_set_handlers(mon->chr, NULL, NULL, NULL);
    }
    free(mon);
}

void monitor_set_output(Monitor *mon, void (*fn)(void *opaque, const char *s, size_t len),
                        void *opaque)
{
    mon->out = fn;
    mon->out_opaque = opaque;
}

/* -monitor SPEC: "none", "chardev:ID", or a back end made for it. */
int monitor_open(Machine *m, const char *spec, char *err, int errlen)
{
    char msg[256];
    Chardev *c;
    if (!spec || !strcmp(spec, "none"))
        return 0;
    if (!strncmp(spec, "chardev:", 8)) {
        c = machine_find_chardev(m, spec + 8);
        if (!c) {
            snprintf(err, errlen, "-monitor %s: no chardev with id '%s'", spec, spec + 8);
            return -1;
        }
    } else {
        for (Chardev *o = m->chardevs; o && !strcmp(spec, "stdio"); o = o->next) {
            if (o->kind == CHARDEV_STDIO) {
                snprintf(err, errlen, "-monitor stdio: stdio is already used by '%s' "
                         "(use -serial none or -nodefaults)", o->id);
                return -1;
            }
        }
        c = chardev_new_spec(spec, "monitor0", msg, sizeof(msg));
        if (!c || machine_add_chardev(m, c, msg, sizeof(msg)) < 0) {
            chardev_free(c);
            snprintf(err, errlen, "-monitor %s: %s", spec, msg);
            return -1;
        }
    }
    if (!monitor_new(m, c)) {
        snprintf(err, errlen, "-monitor %s: out of memory", spec);
        return -1;
    }
    return 0;
}
