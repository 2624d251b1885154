/* The virtual clock and timers. */
#include <check.h>
#include <stdlib.h>
#include <time.h>

#include "yl/clock.h"

typedef struct Rec {
    int order[8];
    int n;
} Rec;

typedef struct Tag {
    Rec *rec;
    int id;
    Timer *rearm;           /* re-arm this timer 100 ns later when run */
} Tag;

static void cb(void *opaque)
{
    Tag *t = opaque;
    t->rec->order[t->rec->n++] = t->id;
    if (t->rearm)
        timer_mod(t->rearm, t->rearm->clock->stopped_at + 100);
}

START_TEST(test_stopped_clock)
{
    Clock c;
    clock_init(&c);
    clock_stop(&c);
    int64_t t0 = clock_ns(&c);
    struct timespec ts = { 0, 2000000 };
    nanosleep(&ts, NULL);
    ck_assert_int_eq(clock_ns(&c), t0);
    clock_advance(&c, 500);
    ck_assert_int_eq(clock_ns(&c), t0 + 500);
    clock_start(&c);
    int64_t t1 = clock_ns(&c);
    ck_assert_int_ge(t1, t0 + 500);
    ck_assert_int_lt(t1, t0 + 500 + 1000000000);   /* no jump by the stop time */
    clock_advance(&c, 1000000000000ll);  /* running: no effect */
    ck_assert_int_lt(clock_ns(&c), t0 + 1000000000);
}
END_TEST

START_TEST(test_timer_order)
{
    Clock c;
    Rec rec = { 0 };
    Timer t[3];
    Tag tags[3];
    clock_init(&c);
    clock_stop(&c);
    int64_t now = clock_ns(&c);
    for (int i = 0; i < 3; i++) {
        tags[i] = (Tag){ &rec, i, NULL };
        timer_init(&t[i], &c, cb, &tags[i]);
    }
    timer_mod(&t[0], now + 300);
    timer_mod(&t[1], now + 100);
    timer_mod(&t[2], now + 200);
    ck_assert_int_eq(clock_next_deadline(&c), now + 100);
    ck_assert_int_eq(clock_run_timers(&c), 0);
    clock_advance(&c, 250);
    ck_assert_int_eq(clock_run_timers(&c), 2);
    ck_assert_int_eq(rec.order[0], 1);
    ck_assert_int_eq(rec.order[1], 2);
    ck_assert(!timer_pending(&t[1]));
    ck_assert(timer_pending(&t[0]));
    clock_advance(&c, 100);
    ck_assert_int_eq(clock_run_timers(&c), 1);
    ck_assert_int_eq(rec.order[2], 0);
    ck_assert_int_eq(clock_next_deadline(&c), INT64_MAX);
}
END_TEST

START_TEST(test_mod_and_del)
{
    Clock c;
    Rec rec = { 0 };
    Timer a, b;
    Tag ta = { &rec, 1, NULL }, tb = { &rec, 2, NULL };
    clock_init(&c);
    clock_stop(&c);
    int64_t now = clock_ns(&c);
    timer_init(&a, &c, cb, &ta);
    timer_init(&b, &c, cb, &tb);
    timer_mod(&a, now + 10);
    timer_mod(&b, now + 20);
    timer_mod(&a, now + 30);    /* moved behind b */
    ck_assert_int_eq(clock_next_deadline(&c), now + 20);
    timer_del(&b);
    timer_del(&b);              /* twice is harmless */
    ck_assert_int_eq(clock_next_deadline(&c), now + 30);
    clock_advance(&c, 100);
    ck_assert_int_eq(clock_run_timers(&c), 1);
    ck_assert_int_eq(rec.n, 1);
    ck_assert_int_eq(rec.order[0], 1);
}
END_TEST

START_TEST(test_rearm_in_callback)
{
    Clock c;
    Rec rec = { 0 };
    Timer a;
    Tag ta = { &rec, 7, &a };
    clock_init(&c);
    clock_stop(&c);
    timer_init(&a, &c, cb, &ta);
    timer_mod(&a, clock_ns(&c) + 50);
    clock_advance(&c, 60);
    ck_assert_int_eq(clock_run_timers(&c), 1);   /* re-armed into the future */
    ck_assert(timer_pending(&a));
    ck_assert_int_eq(clock_next_deadline(&c), clock_ns(&c) + 100);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("clock");
    TCase *tc = tcase_create("clock");
    tcase_add_test(tc, test_stopped_clock);
    tcase_add_test(tc, test_timer_order);
    tcase_add_test(tc, test_mod_and_del);
    tcase_add_test(tc, test_rearm_in_callback);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_ENV);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
