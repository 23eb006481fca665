/* test_sim.c -- the event core: total order, rescheduling, tombstones, limits.
 * Expected orders are worked out by hand from the (block, phase, seq) rule. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "taosim/sim.h"

typedef struct {
    int log[64];
    uint64_t at[64];
    int n;
    sim_event_id victim;
    int repeats;
} trace;

static int64_t record(sim_engine *e, void *ctx, uint64_t block, void *data)
{
    (void)e;
    trace *t = ctx;
    t->at[t->n] = block;
    t->log[t->n++] = (int)(intptr_t)data;
    return SIM_NOMORE;
}

static void test_total_order(void **state)
{
    (void)state;
    sim_engine e;
    trace t = {0};
    assert_int_equal(sim_init(&e, 16, &t), SIM_OK);
    /* inserted out of order; ties on (block, phase) keep insertion order */
    sim_schedule(&e, 5, SIM_PHASE_EXTRINSIC, record, (void *)1, NULL);
    sim_schedule(&e, 5, SIM_PHASE_BLOCK, record, (void *)2, NULL);
    sim_schedule(&e, 3, SIM_PHASE_OBSERVE, record, (void *)3, NULL);
    sim_schedule(&e, 5, SIM_PHASE_EXTRINSIC, record, (void *)4, NULL);
    sim_schedule(&e, 5, SIM_PHASE_BLOCK, record, (void *)5, NULL);
    sim_schedule(&e, 4, SIM_PHASE_BLOCK, record, (void *)6, NULL);
    assert_int_equal(sim_run_until(&e, 100), SIM_OK);
    const int want[] = {3, 6, 2, 5, 1, 4};
    assert_int_equal(t.n, 6);
    for (int i = 0; i < 6; i++) assert_int_equal(t.log[i], want[i]);
    assert_int_equal(sim_now(&e), 5);
    sim_free(&e);
}

static int64_t every_10(sim_engine *e, void *ctx, uint64_t block, void *data)
{
    (void)e;
    (void)data;
    trace *t = ctx;
    t->at[t->n] = block;
    t->log[t->n++] = 10;
    return --t->repeats > 0 ? 10 : SIM_NOMORE;
}

static void test_reschedule_and_horizon(void **state)
{
    (void)state;
    sim_engine e;
    trace t = {.repeats = 5};
    sim_init(&e, 4, &t);
    sim_schedule(&e, 7, SIM_PHASE_BLOCK, every_10, NULL, NULL);
    assert_int_equal(sim_run_until(&e, 30), SIM_OK); /* runs at 7, 17, 27 */
    assert_int_equal(t.n, 3);
    assert_int_equal(t.at[2], 27);
    uint64_t next;
    assert_true(sim_peek(&e, &next));
    assert_int_equal(next, 37);
    assert_int_equal(sim_run_until(&e, 1000), SIM_OK); /* 37, 47, then NOMORE */
    assert_int_equal(t.n, 5);
    assert_false(sim_peek(&e, &next));
    assert_int_equal(e.processed, 5);
    sim_free(&e);
}

static int64_t canceller(sim_engine *e, void *ctx, uint64_t block, void *data)
{
    trace *t = ctx;
    (void)data;
    t->log[t->n] = 99;
    t->at[t->n++] = block;
    assert_int_equal(sim_cancel(e, t->victim), SIM_OK);
    return SIM_NOMORE;
}

static void test_tombstones(void **state)
{
    (void)state;
    sim_engine e;
    trace t = {0};
    sim_init(&e, 8, &t);
    sim_event_id a, b;
    sim_schedule(&e, 2, SIM_PHASE_BLOCK, record, (void *)1, &a);
    sim_schedule(&e, 3, SIM_PHASE_BLOCK, record, (void *)2, &b);
    sim_schedule(&e, 1, SIM_PHASE_BLOCK, canceller, NULL, NULL);
    t.victim = b;
    assert_int_equal(sim_cancel(&e, a), SIM_OK);
    assert_int_equal(sim_cancel(&e, a), SIM_ENOENT); /* twice */
    assert_int_equal(sim_run_until(&e, 10), SIM_OK);
    assert_int_equal(t.n, 1); /* only the canceller ran */
    assert_int_equal(t.log[0], 99);
    assert_int_equal(sim_cancel(&e, b), SIM_ENOENT);
    /* a stale id must not cancel the event that reuses its slot */
    sim_event_id c;
    sim_schedule(&e, 20, SIM_PHASE_BLOCK, record, (void *)3, &c);
    assert_true(c != a && c != b);
    assert_int_equal(sim_cancel(&e, a), SIM_ENOENT);
    assert_int_equal(sim_cancel(&e, 0), SIM_ENOENT);
    assert_int_equal(sim_run_until(&e, 20), SIM_OK);
    assert_int_equal(t.log[t.n - 1], 3);
    sim_free(&e);
}

static void test_limits(void **state)
{
    (void)state;
    sim_engine e;
    trace t = {0};
    sim_init(&e, 2, &t);
    assert_int_equal(sim_schedule(&e, 5, 0, record, NULL, NULL), SIM_OK);
    assert_int_equal(sim_schedule(&e, 6, 0, record, NULL, NULL), SIM_OK);
    assert_int_equal(sim_schedule(&e, 7, 0, record, NULL, NULL), SIM_ENOMEM);
    assert_int_equal(sim_run_until(&e, 5), SIM_OK);
    assert_int_equal(sim_schedule(&e, 4, 0, record, NULL, NULL), SIM_EPAST);
    assert_int_equal(sim_schedule(&e, 7, 0, record, NULL, NULL), SIM_OK); /* slot freed */
    assert_int_equal(sim_schedule(&e, 8, SIM_PHASE_COUNT, record, NULL, NULL), SIM_EINVAL);
    sim_free(&e);
}

static int64_t failing(sim_engine *e, void *ctx, uint64_t block, void *data)
{
    (void)e; (void)ctx; (void)block; (void)data;
    return -1;
}

static void test_two_engines_are_independent(void **state)
{
    (void)state;
    sim_engine e1, e2;
    trace t1 = {0}, t2 = {0};
    sim_init(&e1, 4, &t1);
    sim_init(&e2, 4, &t2);
    sim_schedule(&e1, 1, 0, record, (void *)1, NULL);
    sim_schedule(&e2, 2, 0, record, (void *)2, NULL);
    sim_schedule(&e2, 3, 0, failing, NULL, NULL);
    assert_int_equal(sim_run_until(&e1, 10), SIM_OK);
    assert_int_equal(sim_run_until(&e2, 10), SIM_EHANDLER);
    assert_int_equal(t1.n, 1);
    assert_int_equal(t1.log[0], 1);
    assert_int_equal(t2.n, 1);
    assert_int_equal(t2.log[0], 2);
    sim_free(&e1);
    sim_free(&e2);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_total_order),
        cmocka_unit_test(test_reschedule_and_horizon),
        cmocka_unit_test(test_tombstones),
        cmocka_unit_test(test_limits),
        cmocka_unit_test(test_two_engines_are_independent),
    };
    return cmocka_run_group_tests_name("sim", tests, NULL, NULL);
}
