/* The virtual clock follows CLOCK_MONOTONIC while running; timers wait on
 * it in a list sorted by deadline. */
#include <time.h>

#include "yl/clock.h"

static int64_t host_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

void clock_init(Clock *c)
{
    c->offset = -host_ns();     /* virtual time starts at 0 */
    c->stopped_at = -1;
    c->active = NULL;
}

int64_t clock_ns(const Clock *c)
{
    if (c->stopped_at >= 0)
        return c->stopped_at;
    return host_ns() + c->offset;
}

void clock_stop(Clock *c)
{
    if (c->stopped_at < 0)
        c->stopped_at = host_ns() + c->offset;
}

void clock_start(Clock *c)
{
    if (c->stopped_at >= 0) {
        c->offset = c->stopped_at - host_ns();
        c->stopped_at = -1;
    }
}

void clock_advance(Clock *c, int64_t ns)
{
    if (c->stopped_at >= 0 && ns > 0)
        c->stopped_at += ns;
}

void timer_init(Timer *t, Clock *c, TimerCb cb, void *opaque)
{
    t->clock = c;
    t->deadline = 0;
    t->cb = cb;
    t->opaque = opaque;
    t->next = NULL;
    t->pending = false;
}

void timer_del(Timer *t)
{
    if (!t->pending)
        return;
    for (Timer **pp = &t->clock->active; *pp; pp = &(*pp)->next) {
        if (*pp == t) {
            *pp = t->next;
            break;
        }
    }
    t->next = NULL;
    t->pending = false;
}

void timer_mod(Timer *t, int64_t deadline_ns)
{
    timer_del(t);
    Timer **pp = &t->clock->active;
    /* Equal deadlines run in the order they were armed. */
    while (*pp && (*pp)->deadline <= deadline_ns)
        pp = &(*pp)->next;
    t->deadline = deadline_ns;
    t->next = *pp;
    *pp = t;
    t->pending = true;
}

int64_t clock_next_deadline(const Clock *c)
{
    return c->active ? c->active->deadline : INT64_MAX;
}

int clock_run_timers(Clock *c)
{
    int n = 0;
    int64_t now = clock_ns(c);
    while (c->active && c->active->deadline <= now) {
        Timer *t = c->active;
        c->active = t->next;
        t->next = NULL;
        t->pending = false;
        t->cb(t->opaque);
        n++;
    }
    return n;
}
