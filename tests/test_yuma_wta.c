/* test_yuma_wta.c -- the opt-in server-side winner-takes-all of the yuma room
 * (yuma_params.incentive_wta, the per-subnet hparam `incentive_wta`). It is
 * NOT a chain rule, so there is no chain vector: the expected values follow
 * from its definition in yuma.h on small networks, run twice -- once as the
 * chain does (the reference) and once with the option -- on both variants:
 *   - the incentive becomes one-hot on the reference's top miner (lowest uid
 *     on a tie), 65535 stored, 0 elsewhere;
 *   - rank, trust, consensus, dividends, validator trust and the stored bonds
 *     are bit for bit the reference's (the option acts after the dividends);
 *   - the top miner receives the whole server share of the emission;
 *   - with no incentive at all (no weights) nothing changes;
 *   - off (the default), the outputs are the reference's (by construction:
 *     every chain vector of the suite runs with it off).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "support_chain.h"
#include "taosim/chain.h"

#define NV 3 /* validators: uids 0..2; miners from uid 3 */

/* A subnet on variant v: NV validators with stakes, nm miners, every
 * validator's weight row over the miners, then the permit epoch and one
 * epoch with the weights. wta: the option. */
static chain *run(int v, bool wta, const uint64_t *stake, uint32_t nm, const uint16_t (*w)[4], bool with_weights)
{
    chain *c = tc_new();
    assert_int_equal(chain_subnet_add(c, 1, NULL), CHAIN_OK);
    tc_set(c, 1, "yuma_version", (uint64_t)v);
    tc_set(c, 1, "weights_set_rate_limit", 0);
    tc_set(c, 1, "max_allowed_validators", NV);
    tc_set(c, 1, "incentive_wta", wta);
    tc_at(c, 1);
    char hk[16];
    for (uint32_t i = 0; i < NV + nm; i++) {
        snprintf(hk, sizeof hk, "hk%u", i);
        tc_register(c, 1, hk);
        if (i < NV) tc_stake(c, hk, stake[i]);
    }
    tc_at(c, 2);
    tc_epoch(c, 1); /* permits to the validators */
    if (with_weights) {
        uint16_t dests[4];
        for (uint32_t j = 0; j < nm; j++) dests[j] = (uint16_t)(NV + j);
        for (uint32_t i = 0; i < NV; i++) {
            snprintf(hk, sizeof hk, "hk%u", i);
            tc_weights(c, 1, hk, dests, w[i], nm);
        }
    }
    tc_at(c, 3);
    tc_epoch(c, 1);
    return c;
}

static void same_u16(const uint16_t *a, const uint16_t *b, uint32_t n, const char *what)
{
    for (uint32_t i = 0; i < n; i++)
        if (a[i] != b[i]) fail_msg("%s[%u]: %u with the option, %u without", what, i, a[i], b[i]);
}

static void same_bonds(const chain_subnet *a, const chain_subnet *b)
{
    for (uint32_t i = 0; i < a->n; i++) {
        assert_int_equal(a->bonds[i].len, b->bonds[i].len);
        for (uint32_t k = 0; k < a->bonds[i].len; k++) {
            assert_int_equal(a->bonds[i].ent[k].col, b->bonds[i].ent[k].col);
            assert_int_equal(a->bonds[i].ent[k].val, b->bonds[i].ent[k].val);
        }
    }
}

/* The checks of the header on one network; returns the winner's uid. */
static uint32_t check_wta(int v, const uint64_t *stake, uint32_t nm, const uint16_t (*w)[4])
{
    chain *ref = run(v, false, stake, nm, w, true), *opt = run(v, true, stake, nm, w, true);
    const chain_subnet *r = chain_subnet_get(ref, 1), *o = chain_subnet_get(opt, 1);
    const uint32_t n = r->n;
    uint32_t top = NV;
    for (uint32_t j = NV; j < n; j++)
        if (r->incentive[j] > r->incentive[top]) top = j;
    assert_true(r->incentive[top] > 0);
    uint64_t ref_server = 0;
    for (uint32_t j = 0; j < n; j++) {
        assert_int_equal(o->incentive[j], j == top ? 65535 : 0);
        if (j != top) assert_int_equal(o->server_emission[j], 0);
        ref_server += r->server_emission[j];
    }
    /* the whole server share: the reference's total, up to its per-uid floors */
    assert_true(o->server_emission[top] + NV + nm >= ref_server && o->server_emission[top] <= ref_server + NV + nm);
    same_u16(o->rank, r->rank, n, "rank");
    same_u16(o->trust, r->trust, n, "trust");
    same_u16(o->consensus, r->consensus, n, "consensus");
    same_u16(o->dividends, r->dividends, n, "dividends");
    same_u16(o->validator_trust, r->validator_trust, n, "validator_trust");
    same_bonds(o, r);
    chain_free(ref);
    chain_free(opt);
    return top;
}

/* Proportional, noisy-looking weights: three miners, the middle one best. */
static const uint64_t stake_491 [NV] = {49000000000, 49000000000, 2000000000};
static const uint16_t w_spread[NV][4] = {{40000, 65535, 20000}, {65535, 60000, 10000}, {30000, 65535, 65535}};

static void test_one_hot_v2(void **state)
{
    (void)state;
    check_wta(2, stake_491, 3, w_spread);
}

static void test_one_hot_v3(void **state)
{
    (void)state;
    check_wta(3, stake_491, 3, w_spread);
}

/* Two miners with the same incentive (every validator weights both
 * equally): the lower uid takes it all. */
static void test_tie_lowest_uid(void **state)
{
    (void)state;
    static const uint16_t w_tie[NV][4] = {{65535, 65535}, {65535, 65535}, {65535, 65535}};
    for (int v = 2; v <= 3; v++) {
        chain *ref = run(v, false, stake_491, 2, w_tie, true);
        const chain_subnet *r = chain_subnet_get(ref, 1);
        assert_int_equal(r->incentive[NV], r->incentive[NV + 1]); /* a real tie in the reference */
        chain_free(ref);
        assert_int_equal(check_wta(v, stake_491, 2, w_tie), NV);
    }
}

/* No weights: no incentive, the zero-emission fallback; the option changes
 * nothing at all. */
static void test_no_incentive_unchanged(void **state)
{
    (void)state;
    for (int v = 2; v <= 3; v++) {
        chain *ref = run(v, false, stake_491, 2, w_spread, false), *opt = run(v, true, stake_491, 2, w_spread, false);
        const chain_subnet *r = chain_subnet_get(ref, 1), *o = chain_subnet_get(opt, 1);
        same_u16(o->incentive, r->incentive, r->n, "incentive");
        same_u16(o->dividends, r->dividends, r->n, "dividends");
        for (uint32_t i = 0; i < r->n; i++) {
            assert_int_equal(r->incentive[i], 0);
            assert_int_equal(o->emission[i], r->emission[i]);
        }
        chain_free(ref);
        chain_free(opt);
    }
}

/* The key: off by default on a new subnet, 0/1 only. */
static void test_hparam(void **state)
{
    (void)state;
    chain *c = tc_new();
    assert_int_equal(chain_subnet_add(c, 1, NULL), CHAIN_OK);
    uint64_t v = 9;
    assert_int_equal(chain_get_hparam(c, 1, "incentive_wta", &v), CHAIN_OK);
    assert_int_equal(v, 0);
    io_err err;
    assert_int_equal(chain_set_hparam(c, 1, "incentive_wta", 2, &err), CHAIN_EINVAL);
    assert_non_null(strstr(err.msg, "out of range 0..1"));
    chain_free(c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_one_hot_v2),
        cmocka_unit_test(test_one_hot_v3),
        cmocka_unit_test(test_tie_lowest_uid),
        cmocka_unit_test(test_no_incentive_unchanged),
        cmocka_unit_test(test_hparam),
    };
    return cmocka_run_group_tests_name("yuma_wta", tests, NULL, NULL);
}
