/* test_chain.c -- the chain state room: set_weights refusals in the chain's
 * order of checks (yuma-epoch.md §2.3, weights.rs do_set_weights), the
 * max-upscale on storage (§3.12 and the examples of epoch_vectors.md §0),
 * registration and replace_neuron (economics.md §7.1, §7.5, §7.6), the admin
 * setters (epoch_vectors.md §12) and the epoch write-back (yuma-epoch.md §7,
 * §4.16). Expected values are transcribed from those sections or follow from
 * their rules on small integers ("by hand"). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "support_yuma.h"
#include "taosim/chain.h"
#include "taosim/fx.h"

static chain *mk(void)
{
    chain *c = chain_new();
    assert_non_null(c);
    return c;
}

static void set(chain *c, uint16_t netuid, const char *key, uint64_t v)
{
    io_err err;
    chain_err e = chain_set_hparam(c, netuid, key, v, &err);
    if (e != CHAIN_OK) fail_msg("hparam %s=%llu: %s: %s", key, (unsigned long long)v, chain_strerror(e), err.msg);
}

static uint32_t reg(chain *c, uint16_t netuid, const char *hk)
{
    uint32_t uid = 0;
    io_err err;
    chain_err e = chain_register(c, netuid, hk, CHAIN_UID_AUTO, &uid, &err);
    if (e != CHAIN_OK) fail_msg("register %s: %s: %s", hk, chain_strerror(e), err.msg);
    return uid;
}

static chain_err weights(chain *c, uint16_t netuid, const char *hk, const uint16_t *d, size_t nd, const uint16_t *v,
                         size_t nv, uint64_t key)
{
    io_err err;
    return chain_set_weights(c, netuid, hk, d, nd, v, nv, key, &err);
}

static void at(chain *c, uint64_t block)
{
    assert_int_equal(chain_set_block(c, block, NULL), CHAIN_OK);
}

static void epoch(chain *c, uint16_t netuid)
{
    io_err err;
    chain_err e = chain_run_epoch(c, netuid, 1000000000, &err);
    if (e != CHAIN_OK) fail_msg("epoch: %s: %s", chain_strerror(e), err.msg);
}

/* ---- basics -------------------------------------------------------------- */

static void test_error_names(void **state)
{
    (void)state;
    assert_string_equal(chain_strerror(CHAIN_E_SETTING_WEIGHTS_TOO_FAST), "SettingWeightsTooFast");
    assert_string_equal(chain_strerror(CHAIN_E_NO_VALIDATOR_PERMIT), "NeuronNoValidatorPermit");
    assert_string_equal(chain_strerror(CHAIN_E_DUPLICATE_UIDS), "DuplicateUids");
    assert_string_equal(chain_strerror(CHAIN_EINVAL), "InvalidArgument");
    assert_true(chain_err_is_refusal(CHAIN_E_MAX_WEIGHT_EXCEEDED));
    assert_false(chain_err_is_refusal(CHAIN_OK));
    assert_false(chain_err_is_refusal(CHAIN_EINVAL));
    assert_false(chain_err_is_refusal(CHAIN_ENOMEM));
}

/* Subnets iterate in ascending netuid whatever the creation order. */
static void test_subnets_ordered(void **state)
{
    (void)state;
    chain *c = mk();
    io_err err;
    static const uint16_t add[] = {9, 2, 65535, 5, 1};
    for (int i = 0; i < 5; i++) assert_int_equal(chain_subnet_add(c, add[i], &err), CHAIN_OK);
    static const uint16_t want[] = {1, 2, 5, 9, 65535};
    assert_int_equal(chain_subnet_count(c), 5);
    for (uint32_t i = 0; i < 5; i++) assert_int_equal(chain_subnet_at(c, i)->netuid, want[i]);
    assert_int_equal(chain_subnet_add(c, 5, &err), CHAIN_EINVAL);
    assert_non_null(strstr(err.msg, "already exists"));
    assert_int_equal(chain_subnet_add(c, 0, &err), CHAIN_EINVAL);
    assert_null(chain_subnet_get(c, 3));
    assert_null(chain_subnet_at(c, 5));
    assert_int_equal(chain_set_block(c, 10, &err), CHAIN_OK);
    assert_int_equal(chain_set_block(c, 9, &err), CHAIN_EINVAL);
    assert_int_equal(chain_block(c), 10);
    chain_free(c);
    /* the explicit limit on the number of subnets */
    c = mk();
    for (uint32_t i = 1; i <= CHAIN_MAX_SUBNETS; i++) assert_int_equal(chain_subnet_add(c, (uint16_t)i, NULL), CHAIN_OK);
    assert_int_equal(chain_subnet_add(c, 60000, &err), CHAIN_ELIMIT);
    assert_int_equal(chain_subnet_at(c, CHAIN_MAX_SUBNETS - 1)->netuid, CHAIN_MAX_SUBNETS);
    chain_free(c);
}

/* yuma-epoch.md §9, "new subnet (init_new_network)" column; economics.md
 * §6.1 step 5 for the registration terms, §9.1 finney runtime for the keys
 * init_new_network leaves at their storage default. */
static void test_new_subnet_defaults(void **state)
{
    (void)state;
    chain *c = mk();
    assert_int_equal(chain_subnet_add(c, 1, NULL), CHAIN_OK);
    static const struct { const char *key; uint64_t v; } want[] = {
        {"tempo", 360}, {"kappa", 32767}, {"bonds_moving_average", 900000}, {"activity_cutoff", 5000},
        {"max_allowed_validators", 64}, {"max_allowed_uids", 256}, {"immunity_period", 5000},
        {"min_allowed_weights", 1}, {"max_weight_limit", 65535}, {"weights_set_rate_limit", 100},
        {"weights_version", 0}, {"liquid_alpha_enabled", 0}, {"alpha_low", 45875}, {"alpha_high", 58982},
        {"yuma_version", 2}, {"bonds_penalty", 65535}, {"alpha_sigmoid_steepness", 1000},
        {"bonds_reset_enabled", 0}, {"yuma3_sigmoid_clamp", 0}, /* yuma3.md §3, runtime column */
        {"incentive_wta", 0}, /* not a chain key: taosim's opt-in server-side WTA, off */
        {"rho", 10}, {"target_registrations_per_interval", 1},
        {"adjustment_interval", 360}, {"adjustment_alpha", 17893341751498265066ull},
        {"max_registrations_per_block", 1}, {"min_burn", 1}, {"max_burn", 100000000000ull},
        {"min_difficulty", UINT64_MAX}, {"max_difficulty", UINT64_MAX}, {"network_registration_allowed", 1},
        {"network_pow_registration_allowed", 0}, {"network_max_stake", UINT64_MAX}, {"burn", 1000000000},
        {"difficulty", 10000000}, {"emission_value", 0},
    };
    assert_int_equal(chain_hparam_count(), sizeof want / sizeof want[0]);
    for (size_t i = 0; i < sizeof want / sizeof want[0]; i++) {
        uint64_t v = 0;
        assert_int_equal(chain_get_hparam(c, 1, want[i].key, &v), CHAIN_OK);
        if (v != want[i].v) fail_msg("%s = %llu, expected %llu", want[i].key, (unsigned long long)v,
                                     (unsigned long long)want[i].v);
    }
    chain_free(c);
}

/* epoch_vectors.md §12 and the admin setters' own checks. */
static void test_hparam_setters(void **state)
{
    (void)state;
    chain *c = mk();
    io_err err;
    uint64_t v;
    assert_int_equal(chain_subnet_add(c, 1, NULL), CHAIN_OK);
    assert_int_equal(chain_set_hparam(c, 1, "alpha_low", 12, &err), CHAIN_E_LIQUID_ALPHA_DISABLED);
    assert_int_equal(chain_set_hparam(c, 1, "alpha_high", 65535, &err), CHAIN_E_LIQUID_ALPHA_DISABLED);
    set(c, 1, "liquid_alpha_enabled", 1);
    set(c, 1, "alpha_low", 12);
    set(c, 1, "alpha_high", 65525);
    assert_int_equal(chain_get_hparam(c, 1, "alpha_low", &v), CHAIN_OK);
    assert_int_equal(v, 12);
    assert_int_equal(chain_get_hparam(c, 1, "alpha_high", &v), CHAIN_OK);
    assert_int_equal(v, 65525);
    assert_int_equal(chain_set_hparam(c, 1, "alpha_high", 52427, &err), CHAIN_E_ALPHA_HIGH_TOO_LOW);
    set(c, 1, "alpha_high", 52428);
    assert_int_equal(chain_set_hparam(c, 1, "alpha_low", 0, &err), CHAIN_E_ALPHA_LOW_OUT_OF_RANGE);
    assert_int_equal(chain_set_hparam(c, 1, "alpha_low", 52429, &err), CHAIN_E_ALPHA_LOW_OUT_OF_RANGE);
    assert_int_equal(chain_set_hparam(c, 1, "alpha_low", 52428, &err), CHAIN_E_ALPHA_LOW_OUT_OF_RANGE);
    set(c, 1, "alpha_low", 52427);
    assert_int_equal(chain_get_hparam(c, 1, "alpha_high", &v), CHAIN_OK);
    assert_int_equal(v, 52428); /* refused calls changed nothing */
    /* sudo_set_max_allowed_validators: <= max_allowed_uids */
    set(c, 1, "max_allowed_uids", 8);
    assert_int_equal(chain_set_hparam(c, 1, "max_allowed_validators", 9, &err), CHAIN_E_MAX_VALIDATORS_GT_MAX_UIDS);
    set(c, 1, "max_allowed_validators", 8);
    /* sudo_set_max_allowed_uids: SubnetworkN < value */
    reg(c, 1, "a");
    reg(c, 1, "b");
    assert_int_equal(chain_set_hparam(c, 1, "max_allowed_uids", 2, &err), CHAIN_E_MAX_UIDS_LT_CURRENT);
    set(c, 1, "max_allowed_uids", 3);
    assert_int_equal(chain_set_hparam(c, 1, "max_allowed_uids", 4097, &err), CHAIN_EINVAL);
    assert_int_equal(chain_set_hparam(c, 1, "kappa", 65536, &err), CHAIN_EINVAL);
    assert_non_null(strstr(err.msg, "out of range 0..65535"));
    assert_int_equal(chain_set_hparam(c, 1, "frob", 1, &err), CHAIN_EINVAL);
    assert_non_null(strstr(err.msg, "valid keys: kappa, "));
    assert_int_equal(chain_set_hparam(c, 1, "target_registrations_per_interval", 0, &err), CHAIN_EINVAL);
    assert_non_null(strstr(err.msg, "out of range 1..65535"));
    assert_int_equal(chain_set_hparam(c, 2, "kappa", 1, &err), CHAIN_E_SUBNET_NOT_EXIST);
    set(c, 1, "bonds_moving_average", UINT64_MAX);
    set(c, 1, "weights_version", UINT64_MAX);
    chain_free(c);
}

/* ---- set_weights ------------------------------------------------------------ */

/* netuid 1: v0 (stake 100), v1 (50), s2 (0); K = 2, so after the epoch at
 * block 0 the permits are [1, 1, 0]. Version key 5, rate limit 10, at least
 * 2 weights, max weight 40000/65535. */
static chain *weights_setup(void)
{
    chain *c = mk();
    assert_int_equal(chain_subnet_add(c, 1, NULL), CHAIN_OK);
    set(c, 1, "max_allowed_validators", 2);
    set(c, 1, "weights_version", 5);
    set(c, 1, "weights_set_rate_limit", 10);
    set(c, 1, "min_allowed_weights", 2);
    set(c, 1, "max_weight_limit", 40000);
    reg(c, 1, "v0");
    reg(c, 1, "v1");
    reg(c, 1, "s2");
    assert_int_equal(chain_set_stake(c, "v0", 100, NULL), CHAIN_OK);
    assert_int_equal(chain_set_stake(c, "v1", 50, NULL), CHAIN_OK);
    epoch(c, 1);
    const chain_subnet *s = chain_subnet_get(c, 1);
    assert_true(s->permit[0] && s->permit[1] && !s->permit[2]);
    return c;
}

/* Each call breaks the named check and (where it can) every later one, so
 * the refusal shows which check comes first. */
static void test_set_weights_order_of_checks(void **state)
{
    (void)state;
    chain *c = weights_setup();
    at(c, 1);
    const uint16_t dup4[] = {0, 0, 9, 2}, one[] = {7}, v4[] = {1, 1, 1, 1};
    assert_int_equal(weights(c, 0, "nobody", dup4, 4, v4, 1, 0), CHAIN_E_ROOT_WEIGHTS);
    assert_int_equal(weights(c, 9, "nobody", dup4, 4, v4, 1, 0), CHAIN_E_WEIGHT_VEC_NOT_EQUAL_SIZE);
    assert_int_equal(weights(c, 9, "nobody", dup4, 4, v4, 4, 0), CHAIN_E_SUBNET_NOT_EXIST);
    assert_int_equal(weights(c, 1, "nobody", dup4, 4, v4, 4, 0), CHAIN_E_UIDS_LENGTH_EXCEED);
    assert_int_equal(weights(c, 1, "nobody", dup4, 3, v4, 3, 0), CHAIN_E_HOTKEY_NOT_REGISTERED);
    assert_int_equal(weights(c, 1, NULL, dup4, 3, v4, 3, 0), CHAIN_E_HOTKEY_NOT_REGISTERED);
    chain_set_stake_threshold(c, 1);
    assert_int_equal(weights(c, 1, "s2", dup4, 3, v4, 3, 0), CHAIN_E_NOT_ENOUGH_STAKE_WEIGHTS);
    chain_set_stake_threshold(c, 50);
    assert_int_equal(weights(c, 1, "s2", dup4, 3, v4, 3, 4), CHAIN_E_NOT_ENOUGH_STAKE_WEIGHTS);
    assert_int_equal(weights(c, 1, "v1", dup4, 3, v4, 3, 4), CHAIN_E_INCORRECT_VERSION_KEY);
    chain_set_stake_threshold(c, 0);
    assert_int_equal(weights(c, 1, "s2", dup4, 3, v4, 3, 4), CHAIN_E_INCORRECT_VERSION_KEY);
    /* a version key >= WeightsVersionKey passes; no permit comes next */
    assert_int_equal(weights(c, 1, "s2", dup4, 3, v4, 3, 6), CHAIN_E_NO_VALIDATOR_PERMIT);
    assert_int_equal(weights(c, 1, "v1", dup4, 3, v4, 3, 5), CHAIN_E_DUPLICATE_UIDS);
    assert_int_equal(weights(c, 1, "v1", dup4 + 1, 3, v4, 3, 5), CHAIN_E_INVALID_UID);
    assert_int_equal(weights(c, 1, "v1", one, 1, v4, 1, 5), CHAIN_E_INVALID_UID);
    const uint16_t d02[] = {0, 2}, big[] = {65535, 1}, even[] = {30000, 30000};
    assert_int_equal(weights(c, 1, "v1", d02 + 1, 1, v4, 1, 5), CHAIN_E_WEIGHT_VEC_LENGTH_LOW);
    assert_int_equal(weights(c, 1, "v1", d02, 2, big, 2, 5), CHAIN_E_MAX_WEIGHT_EXCEEDED);
    const chain_subnet *s = chain_subnet_get(c, 1);
    assert_int_equal(s->weights[1].len, 0); /* every refusal changed nothing */
    assert_int_equal(s->last_update[1], 0);
    assert_int_equal(weights(c, 1, "v1", d02, 2, even, 2, 5), CHAIN_OK);
    assert_int_equal(s->weights[1].len, 2);
    assert_int_equal(s->weights[1].ent[0].col, 0);
    assert_int_equal(s->weights[1].ent[0].val, 65535);
    assert_int_equal(s->weights[1].ent[1].col, 2);
    assert_int_equal(s->weights[1].ent[1].val, 65535);
    assert_int_equal(s->last_update[1], 1);
    /* rate limit: 10 blocks after the last update, and it comes before the permit check */
    at(c, 10);
    assert_int_equal(weights(c, 1, "v1", dup4, 3, v4, 3, 5), CHAIN_E_SETTING_WEIGHTS_TOO_FAST);
    at(c, 11);
    assert_int_equal(weights(c, 1, "v1", dup4, 3, v4, 3, 5), CHAIN_E_DUPLICATE_UIDS);
    chain_free(c);
}

/* A self weight (one weight, on oneself) needs no permit, may be shorter than
 * min_allowed_weights and ignores max_weight_limit. */
static void test_self_weight(void **state)
{
    (void)state;
    chain *c = weights_setup();
    at(c, 1);
    const uint16_t self[] = {2}, other[] = {1}, w[] = {65535};
    assert_int_equal(weights(c, 1, "s2", self, 1, w, 1, 5), CHAIN_OK);
    assert_int_equal(weights(c, 1, "s2", other, 1, w, 1, 5), CHAIN_E_SETTING_WEIGHTS_TOO_FAST);
    at(c, 20);
    assert_int_equal(weights(c, 1, "s2", other, 1, w, 1, 5), CHAIN_E_NO_VALIDATOR_PERMIT);
    const uint16_t empty[1] = {0};
    assert_int_equal(weights(c, 1, "v0", empty, 0, empty, 0, 5), CHAIN_E_WEIGHT_VEC_LENGTH_LOW);
    chain_free(c);
}

/* min(MinAllowedWeights, n): a subnet smaller than the minimum needs n weights. */
static void test_min_weights_capped_by_n(void **state)
{
    (void)state;
    chain *c = weights_setup();
    set(c, 1, "min_allowed_weights", 1000);
    at(c, 1);
    const uint16_t d[] = {0, 1, 2}, v[] = {1, 1, 1};
    assert_int_equal(weights(c, 1, "v0", d, 2, v, 2, 5), CHAIN_E_WEIGHT_VEC_LENGTH_LOW);
    set(c, 1, "max_weight_limit", 65535);
    assert_int_equal(weights(c, 1, "v0", d, 3, v, 3, 5), CHAIN_OK);
    chain_free(c);
}

/* ---- max-upscale ------------------------------------------------------------------ */

static void upscale_is(const uint16_t *in, size_t n, const uint16_t *want)
{
    uint16_t out[8];
    chain_max_upscale_u16(in, n, out);
    for (size_t i = 0; i < n; i++)
        if (out[i] != want[i]) fail_msg("element %zu: %u, expected %u", i, out[i], want[i]);
}

/* yuma-epoch.md §2.3 / epoch_vectors.md §0, then by hand on the §3.12 rule. */
static void test_max_upscale(void **state)
{
    (void)state;
    upscale_is((const uint16_t[]){16383, 32767, 49149, 65535}, 4, (const uint16_t[]){16383, 32767, 49149, 65535});
    upscale_is((const uint16_t[]){43690, 21845}, 2, (const uint16_t[]){65535, 32768});
    upscale_is((const uint16_t[]){32767, 32767}, 2, (const uint16_t[]){65535, 65535});
    upscale_is((const uint16_t[]){7, 7, 7}, 3, (const uint16_t[]){65535, 65535, 65535});
    upscale_is((const uint16_t[]){0, 0}, 2, (const uint16_t[]){0, 0});
    upscale_is((const uint16_t[]){1}, 1, (const uint16_t[]){65535});
    /* m <= 32768: e*65535/m then round half away: 50*65535/100 = 32767.5 -> 32768 */
    upscale_is((const uint16_t[]){100, 50, 0}, 3, (const uint16_t[]){65535, 32768, 0});
    upscale_is((const uint16_t[]){16384, 32768}, 2, (const uint16_t[]){32768, 65535});
    /* m > 32768: the truncated factor 65535/m first. 65534: factor raw 2^32 + 65538, so
     * 32767 -> 32767 + 2147483646/2^32 (just below .5) -> 32767, and 65534 -> 65535 */
    upscale_is((const uint16_t[]){65534, 32767}, 2, (const uint16_t[]){65535, 32767});
}

/* The u64 form of chain_max_upscale_u16 against the fixed-point sequence of
 * §3.12 (sat_mul, sat_div, round, to_num) spelled with fx.h, for every
 * maximum m and inputs around the rounding boundaries. */
static uint16_t upscale_ref(uint16_t x, uint16_t m)
{
    const i32f32 u16max = i32f32_from_u16(65535), mx = i32f32_from_u16(m);
    i32f32 q = i32f32_zero(), r;
    if (m > 32768) {
        i32f32 ratio = i32f32_zero();
        (void)i32f32_sat_div(u16max, mx, &ratio);
        q = i32f32_sat_mul(i32f32_from_u16(x), ratio);
    } else {
        (void)i32f32_sat_div(i32f32_sat_mul(i32f32_from_u16(x), u16max), mx, &q);
    }
    r = q;
    (void)i32f32_round(q, &r);
    return i32f32_to_u16_wrap(r);
}

static void test_max_upscale_exhaustive(void **state)
{
    (void)state;
    for (uint32_t m = 1; m <= 65535; m++) {
        uint16_t in[8] = {(uint16_t)m, 0, 1, (uint16_t)(m / 2), (uint16_t)((m + 1) / 2), (uint16_t)(m - 1),
                          (uint16_t)(m / 3), (uint16_t)(m * 2 / 3)};
        uint16_t out[8];
        chain_max_upscale_u16(in, 8, out);
        for (int i = 0; i < 8; i++)
            if (out[i] != upscale_ref(in[i], (uint16_t)m))
                fail_msg("m %u x %u: %u, expected %u", m, in[i], out[i], upscale_ref(in[i], (uint16_t)m));
    }
}

/* set_weights stores the upscaled values in the caller's order. */
static void test_upscale_on_storage(void **state)
{
    (void)state;
    chain *c = weights_setup();
    set(c, 1, "max_weight_limit", 65535);
    at(c, 1);
    const uint16_t d[] = {2, 0}, v[] = {43690, 21845};
    assert_int_equal(weights(c, 1, "v1", d, 2, v, 2, 5), CHAIN_OK);
    const chain_row *r = &chain_subnet_get(c, 1)->weights[1];
    assert_int_equal(r->len, 2);
    assert_int_equal(r->ent[0].col, 2);
    assert_int_equal(r->ent[0].val, 65535);
    assert_int_equal(r->ent[1].col, 0);
    assert_int_equal(r->ent[1].val, 32768);
    chain_free(c);
}

/* set_weights on rows of every length up to 70 (so across the lanes of the
 * duplicate scan and the upscale and their scalar tails), destinations
 * increasing, shuffled or with a repeat, values of every maximum class (0,
 * <= 32768, > 32768): the refusal against a quadratic scan for the first
 * repeat, the stored row against upscale_ref of each value. */
static void test_set_weights_rows_random(void **state)
{
    (void)state;
    enum { N = 80 };
    chain *c = mk();
    assert_int_equal(chain_subnet_add(c, 1, NULL), CHAIN_OK);
    set(c, 1, "max_allowed_uids", N);
    set(c, 1, "weights_set_rate_limit", 0);
    set(c, 1, "min_allowed_weights", 0);
    set(c, 1, "max_weight_limit", 65535);
    for (int u = 0; u < N; u++) {
        char hk[16];
        snprintf(hk, sizeof hk, "u%d", u);
        reg(c, 1, hk);
    }
    assert_int_equal(chain_set_stake(c, "u0", 1000, NULL), CHAIN_OK);
    epoch(c, 1);
    assert_true(chain_subnet_get(c, 1)->permit[0]);
    uint64_t seed = 42;
    for (int t = 0; t < 4000; t++) {
        const size_t len = (size_t)(sy_rnd(&seed) % 71);
        uint16_t d[N], v[N];
        /* increasing, with gaps of up to 2 while there is room */
        uint16_t next = 0;
        for (size_t k = 0; k < len; k++) {
            const unsigned room = (unsigned)(N - next - (len - k));
            next = (uint16_t)(next + (room ? sy_rnd(&seed) % (room < 3 ? room + 1 : 3) : 0));
            d[k] = next++;
        }
        const unsigned kind = (unsigned)(sy_rnd(&seed) % 4);
        if (kind == 1 && len > 1) { /* shuffled, still distinct */
            for (size_t k = len - 1; k > 0; k--) {
                const size_t r = (size_t)(sy_rnd(&seed) % (k + 1));
                const uint16_t x = d[k];
                d[k] = d[r];
                d[r] = x;
            }
        } else if (kind == 2 && len > 1) { /* one repeat */
            const size_t a = (size_t)(sy_rnd(&seed) % len), b = (size_t)(sy_rnd(&seed) % len);
            if (a != b) d[a] = d[b];
        }
        const unsigned vk = (unsigned)(sy_rnd(&seed) % 3);
        const uint32_t top = vk == 0 ? 1u : vk == 1 ? 32768u : 65535u;
        uint16_t m = 0;
        for (size_t k = 0; k < len; k++) {
            v[k] = vk == 0 ? 0 : (uint16_t)(sy_rnd(&seed) % (top + 1));
            if (v[k] > m) m = v[k];
        }
        int dup = -1; /* the first destination that repeats an earlier one */
        for (size_t k = 0; k < len && dup < 0; k++)
            for (size_t j = 0; j < k; j++)
                if (d[j] == d[k]) {
                    dup = d[k];
                    break;
                }
        at(c, chain_block(c) + 1);
        io_err err;
        const chain_err e = chain_set_weights(c, 1, "u0", d, len, v, len, 0, &err);
        if (dup >= 0) {
            assert_int_equal(e, CHAIN_E_DUPLICATE_UIDS);
            char want[64];
            snprintf(want, sizeof want, "uid %d appears twice", dup);
            assert_string_equal(err.msg, want);
            continue;
        }
        if (e != CHAIN_OK) fail_msg("case %d (len %zu): %s: %s", t, len, chain_strerror(e), err.msg);
        const chain_row *r = &chain_subnet_get(c, 1)->weights[0];
        assert_int_equal(r->len, len);
        for (size_t k = 0; k < len; k++) {
            assert_int_equal(r->ent[k].col, d[k]);
            const uint16_t want = m ? upscale_ref(v[k], m) : 0;
            if (r->ent[k].val != want) fail_msg("case %d: %u of max %u -> %u, expected %u", t, v[k], m, r->ent[k].val, want);
        }
    }
    chain_free(c);
}

/* check_vec_max_limited, by hand: limit raw = ⌊L·2^32/65535⌋, max raw = ⌊w·2^32/Σw⌋. */
static void test_vec_max_limited(void **state)
{
    (void)state;
    const uint16_t half[] = {65535, 65535}, skew[] = {65535, 1}, zero[] = {0, 0};
    assert_true(chain_vec_max_limited(half, 2, 40000));
    assert_false(chain_vec_max_limited(half, 2, 32767)); /* 2^31 > 2147450879 */
    assert_true(chain_vec_max_limited(half, 2, 32768));  /* 2^31 <= 2147516415 */
    assert_false(chain_vec_max_limited(skew, 2, 65534));
    assert_true(chain_vec_max_limited(zero, 2, 0));
    assert_true(chain_vec_max_limited(NULL, 0, 0));
}

/* ---- registration --------------------------------------------------------------- */

static void test_register_append_and_refusals(void **state)
{
    (void)state;
    chain *c = mk();
    io_err err;
    uint32_t uid = 99;
    assert_int_equal(chain_register(c, 0, "a", CHAIN_UID_AUTO, &uid, &err), CHAIN_E_REGISTRATION_ON_ROOT);
    assert_int_equal(chain_register(c, 1, "a", CHAIN_UID_AUTO, &uid, &err), CHAIN_E_SUBNET_NOT_EXIST);
    assert_int_equal(chain_subnet_add(c, 1, NULL), CHAIN_OK);
    at(c, 7);
    assert_int_equal(reg(c, 1, "a"), 0);
    assert_int_equal(reg(c, 1, "b"), 1);
    assert_int_equal(chain_register(c, 1, "a", CHAIN_UID_AUTO, &uid, &err), CHAIN_E_HOTKEY_ALREADY_REGISTERED);
    assert_int_equal(chain_register(c, 1, "b", 0, &uid, &err), CHAIN_E_HOTKEY_ALREADY_REGISTERED);
    assert_int_equal(chain_register(c, 1, "c", 3, &uid, &err), CHAIN_EINVAL); /* uid > n */
    assert_int_equal(chain_register(c, 1, "", CHAIN_UID_AUTO, &uid, &err), CHAIN_EINVAL);
    assert_int_equal(chain_register(c, 1, "tab\there", CHAIN_UID_AUTO, &uid, &err), CHAIN_EINVAL);
    char longname[CHAIN_HOTKEY_MAX + 1];
    memset(longname, 'x', CHAIN_HOTKEY_MAX);
    longname[CHAIN_HOTKEY_MAX] = '\0';
    assert_int_equal(chain_register(c, 1, longname, CHAIN_UID_AUTO, &uid, &err), CHAIN_EINVAL);
    longname[CHAIN_HOTKEY_MAX - 1] = '\0';
    assert_int_equal(chain_register(c, 1, longname, 2, &uid, &err), CHAIN_OK); /* uid == n appends */
    assert_int_equal(uid, 2);
    const chain_subnet *s = chain_subnet_get(c, 1);
    assert_int_equal(s->n, 3);
    for (uint32_t i = 0; i < 3; i++) {
        assert_int_equal(s->block_at_registration[i], 7);
        assert_int_equal(s->last_update[i], 7);
        assert_true(s->active[i]);
        assert_false(s->permit[i]);
        assert_int_equal(s->pruning_score[i], 0);
    }
    assert_string_equal(chain_uid_hotkey(c, 1, 1), "b");
    assert_null(chain_uid_hotkey(c, 1, 3));
    set(c, 1, "max_allowed_uids", 4);
    reg(c, 1, "d");
    assert_int_equal(chain_register(c, 1, "e", 4, &uid, &err), CHAIN_EINVAL); /* would exceed max_allowed_uids */
    chain_free(c);
}

/* Stake is per hotkey: seen on every subnet where the hotkey holds a uid. */
static void test_stake_is_global(void **state)
{
    (void)state;
    chain *c = mk();
    assert_int_equal(chain_subnet_add(c, 1, NULL), CHAIN_OK);
    assert_int_equal(chain_subnet_add(c, 2, NULL), CHAIN_OK);
    reg(c, 1, "x");
    reg(c, 2, "y");
    reg(c, 2, "x");
    assert_int_equal(chain_set_stake(c, "x", 123, NULL), CHAIN_OK);
    assert_int_equal(chain_uid_stake(c, chain_subnet_get(c, 1), 0), 123);
    assert_int_equal(chain_uid_stake(c, chain_subnet_get(c, 2), 1), 123);
    assert_int_equal(chain_uid_stake(c, chain_subnet_get(c, 2), 0), 0);
    assert_int_equal(chain_set_stake(c, "nobody", 1, NULL), CHAIN_EINVAL);
    chain_free(c);
}

/* economics.md §7.6: replace_neuron sets the hotkey, BlockAtRegistration and
 * Active; keeps Rank..Emission, ValidatorPermit, LastUpdate, Weights and Bonds
 * rows; the old hotkey is unstaked unless it holds a uid elsewhere. */
static void test_replace_neuron(void **state)
{
    (void)state;
    chain *c = mk();
    io_err err;
    assert_int_equal(chain_subnet_add(c, 1, NULL), CHAIN_OK);
    assert_int_equal(chain_subnet_add(c, 2, NULL), CHAIN_OK);
    set(c, 1, "min_allowed_weights", 0);
    set(c, 1, "weights_set_rate_limit", 0);
    at(c, 1);
    reg(c, 1, "h0");
    reg(c, 1, "h1");
    reg(c, 1, "h2");
    reg(c, 2, "h2"); /* h2 also lives on netuid 2 */
    assert_int_equal(chain_set_stake(c, "h0", 2, NULL), CHAIN_OK);
    assert_int_equal(chain_set_stake(c, "h1", 1, NULL), CHAIN_OK);
    assert_int_equal(chain_set_stake(c, "h2", 1, NULL), CHAIN_OK);
    epoch(c, 1); /* no weights: emission falls back to stake (yuma-epoch.md §4.14) */
    at(c, 3);
    const uint16_t d[] = {0, 2}, w[] = {65535, 65535}, b[] = {11, 22};
    assert_int_equal(weights(c, 1, "h1", d, 2, w, 2, 0), CHAIN_OK);
    assert_int_equal(chain_set_bonds(c, 1, 1, d, b, 2, &err), CHAIN_OK);
    const chain_subnet *s = chain_subnet_get(c, 1);
    uint64_t emission1 = s->emission[1];
    uint16_t ps1 = s->pruning_score[1];
    assert_true(emission1 > 0 && ps1 > 0 && s->permit[1]);
    at(c, 5);
    uint32_t uid = 0;
    assert_int_equal(chain_register(c, 1, "fresh", 1, &uid, &err), CHAIN_OK); /* explicit uid: replace */
    assert_int_equal(uid, 1);
    assert_string_equal(chain_uid_hotkey(c, 1, 1), "fresh");
    assert_int_equal(s->block_at_registration[1], 5);
    assert_true(s->active[1]);
    assert_int_equal(s->last_update[1], 3);
    assert_true(s->permit[1]);
    assert_int_equal(s->emission[1], emission1);
    assert_int_equal(s->pruning_score[1], ps1);
    assert_int_equal(s->weights[1].len, 2);
    assert_int_equal(s->bonds[1].len, 2);
    assert_int_equal(s->bonds[1].ent[1].val, 22);
    assert_int_equal(chain_hotkey_stake(c, "h1"), 0); /* held no other uid: unstaked */
    assert_int_equal(chain_uid_stake(c, s, 1), 0);     /* the new hotkey's stake */
    assert_int_equal(chain_register(c, 1, "fresh2", 2, &uid, &err), CHAIN_OK);
    assert_int_equal(chain_hotkey_stake(c, "h2"), 1); /* still on netuid 2: keeps its stake */
    assert_int_equal(chain_set_stake(c, "h1", 9, NULL), CHAIN_OK);
    assert_int_equal(chain_register(c, 1, "h1", 1, &uid, &err), CHAIN_OK); /* a returning hotkey brings its stake */
    assert_int_equal(chain_uid_stake(c, s, 1), 9);
    assert_int_equal(chain_hotkey_stake(c, "fresh"), 0);
    chain_free(c);
}

/* economics.md §7.5: a full subnet replaces the non-immune uid with the lowest
 * pruning score and marks it 65535. */
static void test_register_full_subnet_prunes(void **state)
{
    (void)state;
    chain *c = mk();
    assert_int_equal(chain_subnet_add(c, 1, NULL), CHAIN_OK);
    set(c, 1, "max_allowed_uids", 3);
    set(c, 1, "immunity_period", 10);
    at(c, 1);
    reg(c, 1, "a");
    reg(c, 1, "b");
    assert_int_equal(chain_set_stake(c, "a", 3, NULL), CHAIN_OK);
    assert_int_equal(chain_set_stake(c, "b", 1, NULL), CHAIN_OK);
    at(c, 12);
    reg(c, 1, "c");               /* immune until block 22, pruning score 0 */
    epoch(c, 1);                  /* fallback to stake: scores a 65535, b 21845, c 0 */
    const chain_subnet *s = chain_subnet_get(c, 1);
    assert_true(s->pruning_score[1] > 0 && s->pruning_score[1] < s->pruning_score[0]);
    assert_int_equal(s->pruning_score[2], 0);
    at(c, 13);
    assert_int_equal(reg(c, 1, "d"), 1); /* b: lowest score among the non-immune (c is immune) */
    assert_int_equal(s->pruning_score[1], 65535);
    assert_int_equal(s->block_at_registration[1], 13);
    assert_int_equal(s->n, 3);
    chain_free(c);
}

/* ---- bonds and the epoch ------------------------------------------------------ */

static void test_set_bonds(void **state)
{
    (void)state;
    chain *c = mk();
    io_err err;
    assert_int_equal(chain_subnet_add(c, 1, NULL), CHAIN_OK);
    reg(c, 1, "a");
    reg(c, 1, "b");
    reg(c, 1, "c");
    const uint16_t d[] = {2, 0}, v[] = {5, 6}, bad[] = {3}, rep[] = {1, 1};
    assert_int_equal(chain_set_bonds(c, 1, 0, d, v, 2, &err), CHAIN_OK);
    const chain_row *r = &chain_subnet_get(c, 1)->bonds[0];
    assert_int_equal(r->len, 2);
    assert_int_equal(r->ent[0].col, 2); /* stored in the order given (issue 5: Liquid Alpha 2 reads it) */
    assert_int_equal(r->ent[0].val, 5);
    assert_int_equal(r->ent[1].col, 0);
    assert_int_equal(chain_set_bonds(c, 1, 0, bad, v, 1, &err), CHAIN_EINVAL);
    assert_int_equal(chain_set_bonds(c, 1, 0, rep, v, 2, &err), CHAIN_EINVAL);
    assert_int_equal(chain_set_bonds(c, 1, 3, d, v, 2, &err), CHAIN_EINVAL);
    assert_int_equal(chain_set_bonds(c, 2, 0, d, v, 2, &err), CHAIN_EINVAL);
    assert_int_equal(r->len, 2); /* unchanged */
    assert_int_equal(chain_set_bonds(c, 1, 0, d, v, 0, &err), CHAIN_OK);
    assert_int_equal(r->len, 0);
    chain_free(c);
}

/* epoch_vectors.md §9 test_zero_weights through the chain API, ending with the
 * worked example of yuma-epoch.md §7 (Appendix A.9 epoch 4). */
static void test_epoch_zero_weights(void **state)
{
    (void)state;
    chain *c = mk();
    assert_int_equal(chain_subnet_add(c, 1, NULL), CHAIN_OK);
    set(c, 1, "max_allowed_uids", 2);
    set(c, 1, "immunity_period", 2);
    set(c, 1, "min_allowed_weights", 0);
    set(c, 1, "weights_set_rate_limit", 0);
    at(c, 1);
    reg(c, 1, "h0");
    reg(c, 1, "h1");
    assert_int_equal(chain_set_stake(c, "h0", 1, NULL), CHAIN_OK);
    epoch(c, 1);
    const uint16_t one[] = {1}, full[] = {65535};
    assert_int_equal(weights(c, 1, "h1", one, 1, full, 1, 0), CHAIN_OK);
    epoch(c, 1);
    at(c, 2);
    assert_int_equal(weights(c, 1, "h0", one, 1, full, 1, 0), CHAIN_OK);
    assert_int_equal(reg(c, 1, "h2"), 1);
    epoch(c, 1);
    const chain_subnet *s = chain_subnet_get(c, 1);
    assert_int_equal(s->emission[0], 1000000000);
    assert_int_equal(s->emission[1], 0);
    at(c, 3);
    assert_int_equal(weights(c, 1, "h0", one, 1, full, 1, 0), CHAIN_OK);
    epoch(c, 1);
    assert_int_equal(s->emission[0], 500000000);
    assert_int_equal(s->emission[1], 500000000);
    assert_int_equal(s->server_emission[1], 500000000);
    assert_int_equal(s->validator_emission[0], 500000000);
    assert_int_equal(s->dividends[0], 65535);
    assert_int_equal(s->incentive[1], 65535);
    assert_int_equal(s->pruning_score[0], 65535);
    assert_int_equal(s->pruning_score[1], 65535);
    assert_int_equal(s->bonds[0].len, 1);
    assert_int_equal(s->bonds[0].ent[0].col, 1);
    assert_int_equal(s->bonds[0].ent[0].val, 65535);
    assert_int_equal(s->bonds[1].len, 0);
    assert_int_equal(s->epoch_stake[0], 1);
    io_err err;
    assert_int_equal(chain_run_epoch(c, 7, 1, &err), CHAIN_EINVAL);
    chain_free(c);
}

/* An empty subnet runs an epoch that writes nothing (yuma-epoch.md §8). */
static void test_epoch_empty_subnet(void **state)
{
    (void)state;
    chain *c = mk();
    assert_int_equal(chain_subnet_add(c, 4, NULL), CHAIN_OK);
    epoch(c, 4);
    assert_int_equal(chain_subnet_get(c, 4)->n, 0);
    chain_free(c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_error_names),
        cmocka_unit_test(test_subnets_ordered),
        cmocka_unit_test(test_new_subnet_defaults),
        cmocka_unit_test(test_hparam_setters),
        cmocka_unit_test(test_set_weights_order_of_checks),
        cmocka_unit_test(test_self_weight),
        cmocka_unit_test(test_min_weights_capped_by_n),
        cmocka_unit_test(test_max_upscale),
        cmocka_unit_test(test_max_upscale_exhaustive),
        cmocka_unit_test(test_set_weights_rows_random),
        cmocka_unit_test(test_upscale_on_storage),
        cmocka_unit_test(test_vec_max_limited),
        cmocka_unit_test(test_register_append_and_refusals),
        cmocka_unit_test(test_stake_is_global),
        cmocka_unit_test(test_replace_neuron),
        cmocka_unit_test(test_register_full_subnet_prunes),
        cmocka_unit_test(test_set_bonds),
        cmocka_unit_test(test_epoch_zero_weights),
        cmocka_unit_test(test_epoch_empty_subnet),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
