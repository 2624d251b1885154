/* The virtual nanosecond clock and its timers.  Devices never read the host
 * clock; they ask this one.  It runs with host time while the machine runs
 * and stands still while it is stopped. */
#ifndef YL_CLOCK_H
#define YL_CLOCK_H

#include <stdbool.h>
#include <stdint.h>

typedef struct Timer Timer;
typedef void (*TimerCb)(void *opaque);

typedef struct Clock {
    int64_t offset;         /* virtual = host_monotonic + offset while running */
    int64_t stopped_at;     /* virtual time when stopped, else -1 */
    Timer *active;          /* sorted by deadline */
} Clock;

struct Timer {
    Clock *clock;
    int64_t deadline;
    TimerCb cb;
    void *opaque;
    Timer *next;
    bool pending;
};

void clock_init(Clock *c);
int64_t clock_ns(const Clock *c);
void clock_stop(Clock *c);
void clock_start(Clock *c);
/* Moves a stopped clock forward by ns (device tests step time with this;
 * on a running clock it does nothing). */
void clock_advance(Clock *c, int64_t ns);

void timer_init(Timer *t, Clock *c, TimerCb cb, void *opaque);
void timer_mod(Timer *t, int64_t deadline_ns);   /* (re)arms */
void timer_del(Timer *t);
static inline bool timer_pending(const Timer *t) { return t->pending; }

/* Earliest deadline, or INT64_MAX if none. */
int64_t clock_next_deadline(const Clock *c);
/* Runs every timer whose deadline has passed; returns how many ran. */
int clock_run_timers(Clock *c);

#endif
