/* test_emission.c -- block emission, halving thresholds, root-epoch cadence and
 * the TotalIssuance ledger against economics.md §2, §3.2, §4.1 and
 * economics_vectors.md §A. Expected numbers are transcribed from the spec (the
 * section is named at each test); "by hand" marks values that follow from the
 * spec's formula on small integers. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "taosim/emission.h"

/* economics_vectors.md A1 (root::test_halving): every (TI, emission) pair. */
static const struct {
    uint64_t ti, e;
} A1[] = {
    {0ull, 1000000000ull},
    {1776000ull, 1000000000ull},
    {1776000000ull, 1000000000ull},
    {1776000000000ull, 1000000000ull},
    {10500000000000000ull, 500000000ull},
    {10999999000000000ull, 500000000ull},
    {11000000000000000ull, 500000000ull},
    {12000999000000000ull, 500000000ull},
    {15749999000000000ull, 500000000ull},
    {15800000000000000ull, 250000000ull},
    {16400999000000000ull, 250000000ull},
    {16499999000000000ull, 250000000ull},
    {17624999000000000ull, 250000000ull},
    {18400000000000000ull, 125000000ull},
    {19312500000000000ull, 125000000ull},
    {19700000000000000ull, 62500000ull},
    {19906249000000000ull, 62500000ull},
    {20400000000000000ull, 31250000ull},
    {20500000000000000ull, 31250000ull},
    {20700000000000000ull, 15625000ull},
    {20800000000000000ull, 15625000ull},
    {20900000000000000ull, 7812500ull},
    {20917970000000000ull, 3906250ull},
    {20958985000000000ull, 1953125ull},
    {20979493000000000ull, 976562ull},
    {20989747000000000ull, 488281ull},
    {20994874000000000ull, 244140ull},
    {20997437000000000ull, 122070ull},
    {20998719000000000ull, 61035ull},
    {20999360000000000ull, 30517ull},
    {20999680000000000ull, 15258ull},
    {20999840000000000ull, 7629ull},
    {20999920000000000ull, 3814ull},
    {20999960000000000ull, 1907ull},
    {20999980000000000ull, 953ull},
    {20999990000000000ull, 476ull},
    {20999990500000000ull, 476ull},
    {20999995000000000ull, 238ull},
    {20999998000000000ull, 119ull},
    {20999999000000000ull, 59ull},
    {21000000000000000ull, 0ull},
    {21100000000000000ull, 0ull},
    {18446744073709551615ull, 0ull},
};

/* economics.md §2.3: k, E_k, T_k for k = 0..32. */
static const struct {
    unsigned k;
    uint64_t e, t;
} HALVING[] = {
    {0, 1000000000ull, 0ull},
    {1, 500000000ull, 10500000000000000ull},
    {2, 250000000ull, 15750000000000000ull},
    {3, 125000000ull, 18375000000000000ull},
    {4, 62500000ull, 19687500000000000ull},
    {5, 31250000ull, 20343750000000000ull},
    {6, 15625000ull, 20671875000000000ull},
    {7, 7812500ull, 20835937500000000ull},
    {8, 3906250ull, 20917968750000000ull},
    {9, 1953125ull, 20958984375000000ull},
    {10, 976562ull, 20979492187500000ull},
    {11, 488281ull, 20989746093750000ull},
    {12, 244140ull, 20994873046875000ull},
    {13, 122070ull, 20997436523437500ull},
    {14, 61035ull, 20998718261718750ull},
    {15, 30517ull, 20999359130859375ull},
    {16, 15258ull, 20999679565429688ull},
    {17, 7629ull, 20999839782714844ull},
    {18, 3814ull, 20999919891357422ull},
    {19, 1907ull, 20999959945678711ull},
    {20, 953ull, 20999979972839356ull},
    {21, 476ull, 20999989986419678ull},
    {22, 238ull, 20999994993209839ull},
    {23, 119ull, 20999997496604920ull},
    {24, 59ull, 20999998748302460ull},
    {25, 29ull, 20999999374151230ull},
    {26, 14ull, 20999999687075615ull},
    {27, 7ull, 20999999843537808ull},
    {28, 3ull, 20999999921768904ull},
    {29, 1ull, 20999999960884452ull},
    {30, 0ull, 20999999980442226ull},
    {31, 0ull, 20999999990221113ull},
    {32, 0ull, 20999999995110557ull},
};
#define NHALVING (sizeof HALVING / sizeof HALVING[0])

static void test_vectors_a1(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof A1 / sizeof A1[0]; i++) {
        assert_int_equal(emission_for_issuance(A1[i].ti), A1[i].e);
        assert_int_equal(emission_for_issuance_fx(A1[i].ti), A1[i].e);
    }
}

/* economics_vectors.md A2 (root::test_issuance_bounds). */
static void test_vectors_a2(void **state)
{
    (void)state;
    uint64_t ti = 0, tf = 0;
    for (int i = 0; i < 100; i++) {
        ti += emission_for_issuance(ti) * 10500000ull;
        tf += emission_for_issuance_fx(tf) * 10500000ull;
    }
    assert_int_equal(ti, 20999999989500000ull);
    assert_int_equal(tf, 20999999989500000ull);
}

/* economics.md §2.3: thresholds, the rate of every step, both sides of each
 * threshold, in both forms; §2.2: T_30 = 20 999 999 980 442 226 is where emission stops. */
static void test_halving_table(void **state)
{
    (void)state;
    for (size_t i = 0; i < NHALVING; i++) {
        unsigned k = HALVING[i].k;
        uint64_t t = HALVING[i].t;
        assert_int_equal(emission_threshold(k), t);
        assert_int_equal(emission_of_step(k), HALVING[i].e);
        assert_int_equal(emission_for_issuance(t), HALVING[i].e);
        assert_int_equal(emission_for_issuance_fx(t), HALVING[i].e);
        assert_int_equal(emission_halvings(t), k < EMISSION_ZERO_STEP ? k : EMISSION_ZERO_STEP);
        if (k > 0) {
            /* T_k − 1 still pays E_{k−1}: T_k is the *smallest* issuance of step k */
            assert_int_equal(emission_for_issuance(t - 1), HALVING[i - 1].e);
            assert_int_equal(emission_for_issuance_fx(t - 1), HALVING[i - 1].e);
            assert_int_equal(emission_halvings(t - 1), k - 1 < EMISSION_ZERO_STEP ? k - 1 : EMISSION_ZERO_STEP);
        }
    }
    assert_int_equal(emission_threshold(33), UINT64_MAX);
    assert_int_equal(emission_threshold(30), 20999999980442226ull);
    assert_int_equal(emission_for_issuance(20999999980442225ull), 1);
    assert_int_equal(emission_for_issuance(20999999980442226ull), 0);
    /* the first inexact halving is k = 10 (976 562, not 976 562.5) */
    assert_int_equal(emission_of_step(10), 976562);
    assert_int_equal(emission_step_of(976562), 10);
    assert_int_equal(emission_step_of(0), EMISSION_ZERO_STEP);
    assert_int_equal(emission_step_of(976563), EMISSION_ZERO_STEP + 1);
    for (unsigned k = 0; k <= EMISSION_ZERO_STEP; k++) assert_int_equal(emission_step_of(emission_of_step(k)), k);
    assert_int_equal(emission_halvings(21000000000000000ull), EMISSION_ZERO_STEP);
    assert_int_equal(emission_halvings(UINT64_MAX), EMISSION_ZERO_STEP);
}

/* splitmix64: a fixed pseudo-random spread of test points. */
static uint64_t mix(uint64_t *s)
{
    uint64_t z = (*s += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

static void agree(uint64_t ti)
{
    uint64_t a = emission_for_issuance(ti), b = emission_for_issuance_fx(ti);
    if (a != b) fail_msg("TI %llu: integer form %llu, fixed-point form %llu", (unsigned long long)ti,
                         (unsigned long long)a, (unsigned long long)b);
    /* and the rate is always a rate of the schedule, the one of its step */
    assert_int_equal(a, emission_of_step(emission_halvings(ti)));
}

/* §2.2: the exact integer form equals the fixed-point code for every TI —
 * checked at every T_k + d for |d| <= 64, around 21e15 and u64::MAX, every
 * x_bits step boundary near the top, and 60 000 spread points. */
static void test_fx_equals_integer(void **state)
{
    (void)state;
    for (unsigned k = 0; k <= EMISSION_MAX_K; k++) {
        uint64_t t = emission_threshold(k);
        for (int64_t d = -64; d <= 64; d++)
            if ((int64_t)t + d >= 0) agree((uint64_t)((int64_t)t + d));
    }
    for (int64_t d = -64; d <= 64; d++) agree((uint64_t)(21000000000000000ll + d));
    for (uint64_t d = 0; d < 64; d++) agree(UINT64_MAX - d);
    for (uint64_t d = 0; d < 64; d++) agree(d);
    /* issuances just under 21e15 where y_bits is tiny: every y from 1 to 4096 */
    for (uint64_t y = 1; y <= 4096; y++) {
        /* smallest TI with x_bits = 2^32 − y: ⌈(2^32 − y)·21e15 / 2^32⌉ */
        unsigned __int128 num = (unsigned __int128)((1ull << 32) - y) * 21000000000000000ull;
        uint64_t ti = (uint64_t)((num + (1ull << 32) - 1) >> 32);
        agree(ti);
        agree(ti - 1);
    }
    uint64_t s = 42;
    for (int i = 0; i < 20000; i++) agree(mix(&s));                             /* the whole u64 range */
    for (int i = 0; i < 20000; i++) agree(mix(&s) % 21000000000000000ull);      /* below the supply */
    for (int i = 0; i < 20000; i++) {                                            /* dense near the top */
        unsigned sh = (unsigned)(mix(&s) % 55);
        agree(21000000000000000ull - 1 - (mix(&s) & ((1ull << sh) - 1)));
    }
}

/* economics_vectors.md A3: along TI = 0, TI += E(TI) while TI <= 20.9e15 the
 * chain's value equals the f64 formula (u64)(1e9·2^−⌊log2(1/(1 − TI/21e15))⌋).
 * Checked at every point within 4 000 steps of each rate change and every
 * 1 009th point elsewhere (the fixed-point form at every 50 021st). */
static uint64_t a3_f64(uint64_t ti)
{
    if (ti >= 21000000000000000ull) return 0;
    double x = (double)ti / (2.0 * 10500000000000000.0);
    double k = floor(log2(1.0 / (1.0 - x)));
    return (uint64_t)(1e9 * pow(2.0, -k));
}

static void test_vectors_a3(void **state)
{
    (void)state;
    uint64_t ti = 0, checked = 0, i = 0;
    uint64_t e = emission_for_issuance(0);
    while (ti <= 20900000000000000ull) {
        /* distance (in steps) to the next threshold */
        unsigned k = emission_halvings(ti);
        uint64_t next = emission_threshold(k + 1);
        uint64_t left = (next - ti) / e;
        if (i % 1009 == 0 || left < 4000 || i < 4000) {
            assert_int_equal(e, a3_f64(ti));
            checked++;
        }
        if (i % 50021 == 0) assert_int_equal(emission_for_issuance_fx(ti), e);
        ti += e;
        i++;
        e = emission_for_issuance(ti);
    }
    assert_true(checked > 100000);
    /* the path stops just above 20.9e15, still in step 7 (T_8 = 20.918e15) */
    assert_int_equal(emission_for_issuance(ti), 7812500);
}

/* §4.1 / vectors B1 (tempo 100, netuid 0): root epochs at b mod 101 == 99, first at 99. */
static void test_root_cadence(void **state)
{
    (void)state;
    assert_false(emission_is_root_epoch(0));
    assert_false(emission_is_root_epoch(98));
    assert_true(emission_is_root_epoch(99));
    assert_false(emission_is_root_epoch(100));
    assert_true(emission_is_root_epoch(200));
    assert_true(emission_is_root_epoch(99 + 101ull * 1000000));
    assert_int_equal(emission_next_root_epoch(0), 99);
    assert_int_equal(emission_next_root_epoch(98), 99);
    assert_int_equal(emission_next_root_epoch(99), 200);
    assert_int_equal(emission_next_root_epoch(199), 200);
    assert_int_equal(emission_next_root_epoch(200), 301);
    uint64_t b = 0;
    for (int i = 0; i < 1000; i++) {
        uint64_t r = emission_next_root_epoch(b);
        assert_true(r > b && emission_is_root_epoch(r));
        for (uint64_t x = b + 1; x < r; x++) assert_false(emission_is_root_epoch(x));
        b = r + (uint64_t)(i % 7);
    }
    /* near the top of u64 */
    uint64_t r = emission_next_root_epoch(UINT64_MAX - 300);
    assert_true(emission_is_root_epoch(r) && r > UINT64_MAX - 300);
}

/* §3.2: what raises, lowers and leaves TotalIssuance unchanged. */
static void test_ledger_ops(void **state)
{
    (void)state;
    static const struct {
        emission_op op;
        int effect;
    } t[] = {
        {EMISSION_OP_ROOT_EPOCH, 0},         {EMISSION_OP_OWNER_CUT, +1},     {EMISSION_OP_HOTKEY_DRAIN, +1},
        {EMISSION_OP_BURNED_REGISTRATION, -1}, {EMISSION_OP_TX_FEE, -1},      {EMISSION_OP_KEY_SWAP, -1},
        {EMISSION_OP_STAKE_MOVE, 0},         {EMISSION_OP_NETWORK_LOCK, 0},   {EMISSION_OP_LOCK_REFUND, 0},
        {EMISSION_OP_UNSTAKE_ALL, 0},        {EMISSION_OP_POW_REGISTRATION, 0}, {EMISSION_OP_RESYNC, 2},
    };
    for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
        emission_ledger l = {1000, 0, 0};
        assert_int_equal(emission_op_effect(t[i].op), t[i].effect);
        assert_int_equal(emission_ledger_apply(&l, t[i].op, 300), EMISSION_OK);
        uint64_t want = t[i].effect == 1 ? 1300 : t[i].effect == -1 ? 700 : t[i].effect == 2 ? 300 : 1000;
        assert_int_equal(l.issuance, want);
        assert_int_equal(l.minted, t[i].effect == 1 ? 300 : 0);
        assert_int_equal(l.burned, t[i].effect == -1 ? 300 : 0);
    }
    emission_ledger l = {0, 0, 0};
    assert_int_equal(emission_ledger_apply(&l, EMISSION_OP_COUNT, 1), EMISSION_EINVAL);
    assert_int_equal(emission_op_effect((emission_op)99), 0);
    assert_string_equal(emission_op_name(EMISSION_OP_KEY_SWAP), "key_swap");
    /* KeySwapCost 0.1 TAO (§3.2) on 1 TAO */
    l.issuance = 1000000000;
    assert_int_equal(emission_ledger_apply(&l, EMISSION_OP_KEY_SWAP, 100000000), EMISSION_OK);
    assert_int_equal(l.issuance, 900000000);
}

/* Checked arithmetic: no wrap, nothing changes on error; clamped burn. */
static void test_ledger_checked(void **state)
{
    (void)state;
    emission_ledger l = {UINT64_MAX - 5, 0, 0};
    assert_int_equal(emission_ledger_mint(&l, 5), EMISSION_OK);
    assert_int_equal(l.issuance, UINT64_MAX);
    assert_int_equal(emission_ledger_mint(&l, 1), EMISSION_EOVERFLOW);
    assert_int_equal(l.issuance, UINT64_MAX);
    assert_int_equal(l.minted, 5);
    l = (emission_ledger){10, 0, 0};
    assert_int_equal(emission_ledger_burn(&l, 11), EMISSION_EUNDERFLOW);
    assert_int_equal(l.issuance, 10);
    assert_int_equal(l.burned, 0);
    emission_status st;
    assert_int_equal(emission_ledger_burn_clamped(&l, 4, &st), 4);
    assert_int_equal(st, EMISSION_OK);
    assert_int_equal(emission_ledger_burn_clamped(&l, 100, &st), 6); /* never below 0 */
    assert_int_equal(l.issuance, 0);
    assert_int_equal(l.burned, 10);
    /* a burn re-opens emission: issuance falls below T_1 → 1 TAO per block again */
    l = (emission_ledger){10500000000000000ull, 0, 0};
    assert_int_equal(emission_for_issuance(l.issuance), 500000000);
    assert_int_equal(emission_ledger_apply(&l, EMISSION_OP_BURNED_REGISTRATION, 1), EMISSION_OK);
    assert_int_equal(emission_for_issuance(l.issuance), 1000000000);
    l = (emission_ledger){5, UINT64_MAX, UINT64_MAX};
    assert_int_equal(emission_ledger_burn(&l, 1), EMISSION_EOVERFLOW);
    assert_int_equal(l.issuance, 5);
    assert_int_equal(emission_ledger_mint(&l, 1), EMISSION_EOVERFLOW);
    assert_int_equal(l.issuance, 5);
    assert_string_equal(emission_strerror(EMISSION_EUNDERFLOW), "burning more than the TotalIssuance");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_vectors_a1),    cmocka_unit_test(test_vectors_a2),
        cmocka_unit_test(test_halving_table), cmocka_unit_test(test_fx_equals_integer),
        cmocka_unit_test(test_vectors_a3),    cmocka_unit_test(test_root_cadence),
        cmocka_unit_test(test_ledger_ops),    cmocka_unit_test(test_ledger_checked),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
