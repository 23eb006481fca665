/* test_chain_yuma3.c -- the chain room's Yuma 3 additions: the new hparam
 * keys and their defaults and encodings (yuma3.md §3), the chain-wide
 * stake_threshold, bond rows kept in the order given, replace_neuron clearing
 * the bond row on a Yuma 3 subnet, do_reset_bonds (§2.12), the subnet owner,
 * and what switching yuma_version does to stored bonds (nothing: §2.10.6).
 * Expected values are transcribed from those sections or follow from their
 * rules on small integers ("by hand"). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdbool.h>
#include <string.h>

#include "support_chain.h"
#include "taosim/chain.h"

static void row_is(const chain_row *r, const uint16_t *cols, const uint16_t *vals, uint32_t len)
{
    assert_int_equal(r->len, len);
    for (uint32_t k = 0; k < len; k++) {
        assert_int_equal(r->ent[k].col, cols[k]);
        if (vals) assert_int_equal(r->ent[k].val, vals[k]);
    }
}

/* yuma3.md §3, the runtime column: BondsPenalty 65535, AlphaSigmoidSteepness
 * 1000, BondsResetOn false, StakeThreshold 0; the Q2 fix off. */
static void test_defaults(void **state)
{
    (void)state;
    chain *c = tc_new();
    assert_int_equal(chain_subnet_add(c, 1, NULL), CHAIN_OK);
    static const struct { const char *key; uint64_t v; } want[] = {
        {"bonds_penalty", 65535}, {"bonds_reset_enabled", 0}, {"yuma3_sigmoid_clamp", 0}, {"yuma_version", 2},
    };
    for (size_t i = 0; i < sizeof want / sizeof want[0]; i++) {
        uint64_t v = 99;
        assert_int_equal(chain_get_hparam(c, 1, want[i].key, &v), CHAIN_OK);
        if (v != want[i].v) fail_msg("%s = %llu, expected %llu", want[i].key, (unsigned long long)v,
                                     (unsigned long long)want[i].v);
    }
    int64_t s = 0;
    assert_int_equal(chain_get_hparam_i64(c, 1, "alpha_sigmoid_steepness", &s), CHAIN_OK);
    assert_int_equal(s, 1000);
    uint64_t thr = 99;
    assert_int_equal(chain_get_global(c, "stake_threshold", &thr), CHAIN_OK);
    assert_int_equal(thr, 0);
    chain_free(c);
}

/* AlphaSigmoidSteepness is an i16 (v3.1.6+): root may set any i16. */
static void test_signed_hparam(void **state)
{
    (void)state;
    chain *c = tc_new();
    io_err err;
    int64_t s = 0;
    assert_int_equal(chain_subnet_add(c, 1, NULL), CHAIN_OK);
    assert_true(chain_hparam_signed("alpha_sigmoid_steepness"));
    assert_false(chain_hparam_signed("kappa"));
    assert_false(chain_hparam_signed("nope"));
    assert_int_equal(chain_set_hparam_i64(c, 1, "alpha_sigmoid_steepness", -32768, &err), CHAIN_OK);
    assert_int_equal(chain_get_hparam_i64(c, 1, "alpha_sigmoid_steepness", &s), CHAIN_OK);
    assert_int_equal(s, -32768);
    assert_int_equal(chain_subnet_get(c, 1)->hp.yuma.alpha_sigmoid_steepness, -32768);
    assert_int_equal(chain_set_hparam_i64(c, 1, "alpha_sigmoid_steepness", 32767, &err), CHAIN_OK);
    assert_int_equal(chain_set_hparam_i64(c, 1, "alpha_sigmoid_steepness", 32768, &err), CHAIN_EINVAL);
    assert_int_equal(chain_set_hparam_i64(c, 1, "alpha_sigmoid_steepness", -32769, &err), CHAIN_EINVAL);
    assert_non_null(strstr(err.msg, "-32768..32767"));
    assert_int_equal(chain_get_hparam_i64(c, 1, "alpha_sigmoid_steepness", &s), CHAIN_OK);
    assert_int_equal(s, 32767); /* refused calls changed nothing */
    assert_int_equal(chain_set_hparam_i64(c, 1, "kappa", -1, &err), CHAIN_EINVAL);
    assert_non_null(strstr(err.msg, "out of range 0..65535"));
    assert_int_equal(chain_set_hparam_i64(c, 1, "kappa", 7, &err), CHAIN_OK);
    chain_free(c);
}

/* StakeThreshold is one chain-wide value: the global parameter
 * "stake_threshold", also behind chain_set_stake_threshold. */
static void test_global_hparam(void **state)
{
    (void)state;
    chain *c = tc_new();
    io_err err;
    uint64_t v = 0;
    char list[1024];
    assert_int_equal(chain_subnet_add(c, 1, NULL), CHAIN_OK);
    chain_global_list(list, sizeof list);
    assert_non_null(strstr(list, ", stake_threshold, "));
    assert_int_equal(chain_set_global(c, "stake_threshold", UINT64_MAX, &err), CHAIN_OK);
    assert_int_equal(chain_get_global(c, "stake_threshold", &v), CHAIN_OK);
    assert_true(v == UINT64_MAX);
    chain_set_stake_threshold(c, 5);
    assert_int_equal(chain_get_global(c, "stake_threshold", &v), CHAIN_OK);
    assert_int_equal(v, 5);
    assert_int_equal(chain_set_global(c, "kappa", 1, &err), CHAIN_EINVAL);
    assert_non_null(strstr(err.msg, "per subnet"));
    assert_int_equal(chain_set_hparam(c, 1, "stake_threshold", 1, &err), CHAIN_EINVAL);
    assert_non_null(strstr(err.msg, "chain-wide"));
    assert_int_equal(chain_get_global(c, "kappa", &v), CHAIN_EINVAL);
    assert_int_equal(chain_get_hparam(c, 1, "stake_threshold", &v), CHAIN_EINVAL);
    chain_free(c);
}

/* A loaded bond row keeps the order given (Liquid Alpha 2 depends on it). */
static void test_set_bonds_order(void **state)
{
    (void)state;
    chain *c = tc_new();
    io_err err;
    assert_int_equal(chain_subnet_add(c, 1, NULL), CHAIN_OK);
    tc_register(c, 1, "a");
    tc_register(c, 1, "b");
    tc_register(c, 1, "c");
    const uint16_t d[] = {2, 0, 1}, v[] = {5, 6, 0};
    assert_int_equal(chain_set_bonds(c, 1, 0, d, v, 3, &err), CHAIN_OK);
    row_is(&chain_subnet_get(c, 1)->bonds[0], d, v, 3);
    chain_free(c);
}

/* replace_neuron at v3.2.7 clears the uid's bond row (clear_neuron); a v1.2.4
 * subnet keeps it (economics.md §7.6, tests/test_chain.c). */
static void test_replace_clears_bonds_on_yuma3(void **state)
{
    (void)state;
    chain *c = tc_new();
    io_err err;
    uint32_t uid = 9;
    for (uint16_t net = 1; net <= 2; net++) {
        assert_int_equal(chain_subnet_add(c, net, NULL), CHAIN_OK);
        tc_register(c, net, net == 1 ? "a1" : "a2");
        tc_register(c, net, net == 1 ? "b1" : "b2");
    }
    tc_set(c, 2, "yuma_version", 3);
    const uint16_t d[] = {1, 0}, v[] = {7, 8};
    for (uint16_t net = 1; net <= 2; net++) {
        assert_int_equal(chain_set_bonds(c, net, 0, d, v, 2, &err), CHAIN_OK);
        assert_int_equal(chain_set_bonds(c, net, 1, d, v, 2, &err), CHAIN_OK);
    }
    tc_at(c, 5);
    assert_int_equal(chain_register(c, 1, "n1", 0, &uid, &err), CHAIN_OK);
    assert_int_equal(chain_register(c, 2, "n2", 0, &uid, &err), CHAIN_OK);
    assert_int_equal(uid, 0);
    row_is(&chain_subnet_get(c, 1)->bonds[0], d, v, 2); /* v1.2.4: kept */
    assert_int_equal(chain_subnet_get(c, 2)->bonds[0].len, 0);
    row_is(&chain_subnet_get(c, 2)->bonds[1], d, v, 2); /* other rows untouched */
    chain_free(c);
}

/* do_reset_bonds: with BondsResetOn every row loses its entries towards the
 * committing uid; its own row stays; without it nothing happens. */
static void test_reset_bonds(void **state)
{
    (void)state;
    chain *c = tc_new();
    io_err err;
    assert_int_equal(chain_subnet_add(c, 1, NULL), CHAIN_OK);
    tc_set(c, 1, "yuma_version", 3);
    for (int i = 0; i < 4; i++) tc_register(c, 1, (const char *[]){"a", "b", "c", "d"}[i]);
    const uint16_t d0[] = {3, 2, 1}, v0[] = {30, 20, 10}, d1[] = {2}, v1[] = {21}, d2[] = {0, 3}, v2[] = {1, 3};
    assert_int_equal(chain_set_bonds(c, 1, 0, d0, v0, 3, &err), CHAIN_OK);
    assert_int_equal(chain_set_bonds(c, 1, 1, d1, v1, 1, &err), CHAIN_OK);
    assert_int_equal(chain_set_bonds(c, 1, 2, d2, v2, 2, &err), CHAIN_OK);
    const chain_subnet *s = chain_subnet_get(c, 1);
    assert_int_equal(chain_reset_bonds(c, 1, 2, &err), CHAIN_OK); /* disabled: nothing */
    row_is(&s->bonds[0], d0, v0, 3);
    row_is(&s->bonds[1], d1, v1, 1);
    tc_set(c, 1, "bonds_reset_enabled", 1);
    assert_int_equal(chain_reset_bonds(c, 1, 2, &err), CHAIN_OK);
    row_is(&s->bonds[0], (const uint16_t[]){3, 1}, (const uint16_t[]){30, 10}, 2);
    assert_int_equal(s->bonds[1].len, 0);
    row_is(&s->bonds[2], d2, v2, 2); /* uid 2's own row */
    assert_int_equal(chain_reset_bonds(c, 1, 4, &err), CHAIN_EINVAL);
    assert_int_equal(chain_reset_bonds(c, 2, 0, &err), CHAIN_EINVAL);
    chain_free(c);
}

/* The owner exception follows the owner's hotkey: by hand, one validator
 * (stake 1) weighting itself and uid 1 equally, W_0 = [(0, 2^31), (1, 2^31)]
 * when its self-weight is kept (Consensus 32767 each), [(1, ONE)] when not
 * (0, 65535). v1.2.4 never keeps it. */
static void test_owner(void **state)
{
    (void)state;
    chain *c = tc_new();
    io_err err;
    assert_int_equal(chain_subnet_add(c, 1, NULL), CHAIN_OK);
    tc_set(c, 1, "yuma_version", 3);
    tc_register(c, 1, "v");
    tc_register(c, 1, "m");
    tc_stake(c, "v", 1);
    tc_epoch(c, 1); /* permit for uid 0 */
    tc_at(c, 1);
    tc_weights(c, 1, "v", (const uint16_t[]){0, 1}, (const uint16_t[]){65535, 65535}, 2);
    const chain_subnet *s = chain_subnet_get(c, 1);
    tc_epoch(c, 1);
    assert_int_equal(s->consensus[0], 0);
    assert_int_equal(s->consensus[1], 65535);
    assert_int_equal(chain_set_owner(c, 1, 1, &err), CHAIN_OK); /* the miner's hotkey: no effect on row 0 */
    tc_epoch(c, 1);
    assert_int_equal(s->consensus[0], 0);
    assert_int_equal(chain_set_owner(c, 1, 0, &err), CHAIN_OK);
    tc_epoch(c, 1);
    assert_int_equal(s->consensus[0], 32767);
    assert_int_equal(s->consensus[1], 32767);
    assert_int_equal(s->incentive[0], 32767);
    tc_set(c, 1, "yuma_version", 2);
    tc_epoch(c, 1);
    assert_int_equal(s->consensus[0], 0);
    assert_int_equal(s->consensus[1], 65535);
    assert_int_equal(chain_set_owner(c, 1, 2, &err), CHAIN_EINVAL);
    assert_int_equal(chain_set_owner(c, 3, 0, &err), CHAIN_EINVAL);
    chain_free(c);
}

/* yuma3.md §2.10.6 / §2.14 Q4: a Yuma 3 epoch stores B' in the order of the
 * weights-for-bonds row under Liquid Alpha 2 (here the caller's descending
 * order, clipping keeps it), in increasing column with the constant α; a
 * v1.2.4 epoch always in increasing column. Switching yuma_version touches
 * no stored row (sudo_set_yuma3_enabled only sets the flag). */
static void test_stored_order_and_switch(void **state)
{
    (void)state;
    static const uint16_t desc[] = {2, 1}, asc[] = {1, 2};
    for (int variant = 0; variant < 3; variant++) { /* v3 + LA2, v3 constant α, v1.2.4 */
        chain *c = tc_new();
        assert_int_equal(chain_subnet_add(c, 1, NULL), CHAIN_OK);
        if (variant < 2) tc_set(c, 1, "yuma_version", 3);
        tc_set(c, 1, "liquid_alpha_enabled", variant == 0);
        tc_register(c, 1, "v");
        tc_register(c, 1, "m1");
        tc_register(c, 1, "m2");
        tc_stake(c, "v", 1);
        tc_epoch(c, 1);
        tc_at(c, 1);
        tc_weights(c, 1, "v", desc, (const uint16_t[]){65535, 32767}, 2);
        tc_epoch(c, 1);
        const chain_subnet *s = chain_subnet_get(c, 1);
        row_is(&s->bonds[0], variant == 0 ? desc : asc, NULL, 2);
        assert_true(s->bonds[0].ent[0].val > 0 && s->bonds[0].ent[1].val > 0);
        chain_row before = s->bonds[0];
        yuma_entry saved[2];
        memcpy(saved, before.ent, sizeof saved);
        tc_set(c, 1, "yuma_version", variant < 2 ? 2 : 3);
        assert_int_equal(s->bonds[0].len, 2);
        assert_memory_equal(s->bonds[0].ent, saved, sizeof saved);
        chain_free(c);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_defaults),
        cmocka_unit_test(test_signed_hparam),
        cmocka_unit_test(test_global_hparam),
        cmocka_unit_test(test_set_bonds_order),
        cmocka_unit_test(test_replace_clears_bonds_on_yuma3),
        cmocka_unit_test(test_reset_bonds),
        cmocka_unit_test(test_owner),
        cmocka_unit_test(test_stored_order_and_switch),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
