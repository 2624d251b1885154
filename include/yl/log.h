/* -d LOGITEMS / -D logfile.  The log belongs to the machine. */
#ifndef YL_LOG_H
#define YL_LOG_H

#include <stdint.h>
#include <stdio.h>

enum {
    LOG_IN_ASM = 1 << 0,
    LOG_INT = 1 << 1,
    LOG_CPU = 1 << 2,
    LOG_GUEST_ERRORS = 1 << 3,
    LOG_UNIMP = 1 << 4,
    LOG_EXEC = 1 << 5,
    LOG_NOCHAIN = 1 << 6,   /* not a log: every block returns to the outer loop */
    LOG_OUT_ASM = 1 << 7,   /* the JIT's host code of each block */
};

typedef struct Log {
    uint32_t mask;
    FILE *file;             /* NULL means stderr */
} Log;

/* Parses "in_asm,int,..." into a mask; returns -1 naming the bad item in err. */
int log_parse_items(const char *s, uint32_t *mask, char *err, int errlen);
/* Lists the items for -d help. */
void log_print_items(FILE *f);

void yl_log(const Log *log, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
#define yl_log_mask(log, m, ...) \
    do { if ((log) && ((log)->mask & (m))) yl_log((log), __VA_ARGS__); } while (0)

#endif
