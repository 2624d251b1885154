/* -d LOGITEMS and -D FILE. */
#include <stdarg.h>
#include <stdbool.h>
#include <string.h>

#include "yl/log.h"

static const struct {
    const char *name;
    uint32_t mask;
    const char *help;
} log_items[] = {
    { "in_asm", LOG_IN_ASM, "show guest code as it is translated" },
    { "int", LOG_INT, "show interrupts and exceptions" },
    { "cpu", LOG_CPU, "show CPU registers before each translation block runs" },
    { "guest_errors", LOG_GUEST_ERRORS, "log when the guest does something invalid" },
    { "unimp", LOG_UNIMP, "log unimplemented functionality" },
    { "exec", LOG_EXEC, "show each translation block as it runs" },
    { "out_asm", LOG_OUT_ASM, "show the host code generated for each block" },
    { "nochain", LOG_NOCHAIN, "do not chain translation blocks (debugging)" },
};

int log_parse_items(const char *s, uint32_t *mask, char *err, int errlen)
{
    uint32_t m = 0;
    const char *p = s;
    for (;;) {
        size_t n = strcspn(p, ",");
        bool found = false;
        for (size_t i = 0; i < sizeof(log_items) / sizeof(log_items[0]); i++) {
            if (strlen(log_items[i].name) == n && !strncmp(p, log_items[i].name, n)) {
                m |= log_items[i].mask;
                found = true;
            }
        }
        if (!found) {
            snprintf(err, errlen, "-d %s: unknown log item '%.*s' (see -d help)",
                     s, (int)n, p);
            return -1;
        }
        if (!p[n])
            break;
        p += n + 1;
    }
    *mask = m;
    return 0;
}

void log_print_items(FILE *f)
{
    fprintf(f, "Log items (comma separated):\n");
    for (size_t i = 0; i < sizeof(log_items) / sizeof(log_items[0]); i++)
        fprintf(f, "%-13s %s\n", log_items[i].name, log_items[i].help);
}

void yl_log(const Log *log, const char *fmt, ...)
{
    FILE *f = log && log->file ? log->file : stderr;
    va_list ap;
    va_start(ap, fmt);
    vfprintf(f, fmt, ap);
    va_end(ap);
}
