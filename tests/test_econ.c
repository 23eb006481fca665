/* test_econ.c -- the pure economic rules against economics.md and
 * economics_vectors.md (section in each test's comment). Expected numbers are
 * transcribed from the spec; the few marked "by hand" follow directly from the
 * spec's formula on small integers. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "taosim/econ.h"

/* economics_vectors B1: first block with blocks_until_next_epoch == 0. */
static void test_epoch_schedule(void **state)
{
    (void)state;
    static const struct { uint16_t tempo, netuid; uint64_t first; } t[] = {
        {1, 0, 0}, {1, 1, 1}, {2, 0, 1}, {2, 1, 0}, {100, 0, 99}, {100, 1, 98},
    };
    for (size_t i = 0; i < 6; i++) {
        uint64_t b = 0;
        while (!econ_should_run_epoch(t[i].netuid, t[i].tempo, b)) b++;
        assert_int_equal(b, t[i].first);
        /* and then every tempo+1 blocks */
        assert_true(econ_should_run_epoch(t[i].netuid, t[i].tempo, b + t[i].tempo + 1u));
        assert_false(econ_should_run_epoch(t[i].netuid, t[i].tempo, b + t[i].tempo));
    }
    assert_true(econ_blocks_until_next_epoch(3, 0, 12345) == UINT64_MAX);
    /* economics.md §4.2: a user subnet (tempo 360) fires at b ≡ 359 − n (mod 361) */
    assert_true(econ_should_run_epoch(7, 360, 352));
    assert_true(econ_should_run_epoch(7, 360, 352 + 361 * 1000));
}

/* economics.md §4.4: q = ⌊11796·2^32/65535⌋ = 773 074 452. */
static void test_owner_cut(void **state)
{
    (void)state;
    assert_int_equal(econ_owner_cut(4294967296ull, 11796), 773074452);
    assert_int_equal(econ_owner_cut(1000000000, 11796), 179995422); /* ⌊1e9·q/2^32⌋ */
    assert_int_equal(econ_owner_cut(1000000000, 0), 0);
    assert_int_equal(econ_owner_cut(1000000000, 65535), 1000000000);
}

/* economics_vectors E1 (mock: min = initial last lock = 1e11, interval 2). */
static void test_lock_cost_sequence(void **state)
{
    (void)state;
    const uint64_t MIN = 100000000000ull, I = 2;
    uint64_t last = MIN, last_block = 0;
#define REGISTER(b) do { last = econ_lock_cost(last, last_block, I, MIN, (b)); last_block = (b); } while (0)
#define COST(b) econ_lock_cost(last, last_block, I, MIN, (b))
    REGISTER(0);
    assert_int_equal(COST(0), 100000000000ull); /* last_lock_block still 0 ⇒ mult 1 */
    REGISTER(1);
    assert_int_equal(COST(1), 200000000000ull);
    assert_int_equal(COST(2), 150000000000ull);
    assert_int_equal(COST(3), 100000000000ull);
    assert_int_equal(COST(4), 100000000000ull);
    REGISTER(4);
    assert_int_equal(COST(4), 200000000000ull);
    REGISTER(5);
    assert_int_equal(last, 150000000000ull);
    assert_int_equal(COST(5), 300000000000ull);
    REGISTER(6);
    assert_int_equal(last, 225000000000ull);
    assert_int_equal(COST(6), 450000000000ull);
    REGISTER(7);
    assert_int_equal(last, 337500000000ull);
    assert_int_equal(COST(7), 675000000000ull);
    REGISTER(7);
    assert_int_equal(COST(7), 1350000000000ull);
    REGISTER(7);
    assert_int_equal(last, 1350000000000ull);
    assert_int_equal(COST(7), 2700000000000ull);
    assert_int_equal(COST(8), 2025000000000ull);
    assert_int_equal(COST(9), 1350000000000ull);
    assert_int_equal(COST(10), 675000000000ull);
    assert_int_equal(COST(11), 100000000000ull);
#undef REGISTER
#undef COST
}

/* economics.md §6.2 worked values with the runtime constants. */
static void test_lock_cost_runtime(void **state)
{
    (void)state;
    const uint64_t MIN = 1000000000000ull, I = 100800, P = 1000000000000ull, B = 5000000;
    assert_int_equal(econ_lock_cost(P, B, I, MIN, B), 2000000000000ull);
    assert_int_equal(econ_lock_cost(P, B, I, MIN, B + 7200), 1928571435200ull);
    assert_int_equal(econ_lock_cost(P, B, I, MIN, B + 50400), 1500000046400ull);
    assert_int_equal(econ_lock_cost(P, B, I, MIN, B + 100800), 1000000092800ull);
    assert_int_equal(econ_lock_cost(P, B, I, MIN, B + 100801), MIN);
    const uint64_t P3 = 3000000000000ull;
    assert_int_equal(econ_lock_cost(P3, B, I, MIN, B), 6000000000000ull);
    assert_int_equal(econ_lock_cost(P3, B, I, MIN, B + 100800), 3000000076800ull);
    assert_int_equal(econ_lock_cost(P3, B, I, MIN, B + 168000), 1000000128000ull);
    assert_int_equal(econ_lock_cost(P3, B, I, MIN, B + 168001), MIN);
}

/* economics_vectors F1/F2 and economics.md §7.3 (user subnets, α_bits 254 279). */
static void test_adjust_value(void **state)
{
    (void)state;
    assert_int_equal(econ_adjust_value(20000, 3, 1, 58000, 1, UINT64_MAX), 40000);
    assert_int_equal(econ_adjust_value(40000, 6, 3, 58000, 1, UINT64_MAX), 60000);
    assert_int_equal(econ_adjust_value(4, 0, 1, 58000, 1, UINT64_MAX), 2);
    assert_int_equal(econ_adjust_value(2, 0, 1, 58000, 1, UINT64_MAX), 1);
    assert_int_equal(econ_adjust_value(1, 0, 1, 58000, 1, UINT64_MAX), 1); /* clamped at min */
    assert_int_equal(econ_adjust_value(5000, 4, 3, 0, 1, 10000), 5833);   /* ⌊5000·7/6⌋ */
    assert_int_equal(econ_adjust_value(1000, 2, 1, 58000, 0, 1000000000), 1500);
    const uint64_t A = 17893341751498265066ull, TAO = 1000000000ull;
    const uint64_t want[4] = {984998703, 1000000000, 1015001296, 1030002593};
    for (uint16_t r = 0; r < 4; r++) assert_int_equal(econ_adjust_value(TAO, r, 1, A, 1, 100 * TAO), want[r]);
    /* from MaxBurn (100 TAO), 305 intervals without registrations fall below 1 TAO */
    uint64_t v = 100 * TAO;
    int n = 0;
    while (v >= TAO) { v = econ_adjust_value(v, 0, 1, A, 1, 100 * TAO); n++; }
    assert_int_equal(n, 305);
    assert_int_equal(econ_adjust_value(90 * TAO, 3, 1, 0, 1, 100 * TAO), 100 * TAO); /* clamped at max */
}

/* economics.md §7.3 branch table. */
static void test_adjust_choice(void **state)
{
    (void)state;
    econ_adjust_which w;
    w = econ_adjust_choice(3, 3, 0, 1); assert_true(w.difficulty && !w.burn); /* r>t, pow */
    w = econ_adjust_choice(3, 0, 3, 1); assert_true(w.burn && !w.difficulty); /* r>t, burn */
    w = econ_adjust_choice(4, 2, 2, 1); assert_true(w.burn && w.difficulty);
    w = econ_adjust_choice(1, 1, 0, 2); assert_true(w.burn && !w.difficulty); /* r<=t, pow */
    w = econ_adjust_choice(1, 0, 1, 2); assert_true(w.difficulty && !w.burn); /* r<=t, burn */
    w = econ_adjust_choice(0, 0, 0, 1); assert_true(w.burn && w.difficulty);  /* no registrations */
    /* F1 max test: 3 = target, rp > rb → burn adjusted, not difficulty */
    w = econ_adjust_choice(3, 3, 0, 3); assert_true(w.burn && !w.difficulty);
}

/* economics_vectors D1: ten equal members, diagonal weights → ⌊⌊2^64/10⌋·1e9/2^64⌋. */
static void test_root_epoch_d1(void **state)
{
    (void)state;
    uint64_t stake[10];
    uint16_t w[100] = {0};
    for (int i = 0; i < 10; i++) {
        stake[i] = 1000;
        w[i * 10 + i] = 65535;
    }
    uint64_t ev[10];
    assert_int_equal(econ_root_epoch(10, 10, stake, w, 32767, 30, 1000000000, ev), 0);
    for (int j = 0; j < 10; j++) assert_int_equal(ev[j], 99999999);
    assert_int_equal(econ_root_epoch(0, 10, stake, w, 32767, 30, 1000000000, ev), -1);
    uint64_t zero[10] = {0};
    assert_int_equal(econ_root_epoch(10, 10, zero, w, 32767, 30, 1000000000, ev), -1);
}

/* economics.md §5.3 properties: the logistic suppresses weakly supported
 * subnets, and the floors never mint more than the block emission. */
static void test_root_epoch_logistic(void **state)
{
    (void)state;
    /* 10 members: 9 weight subnet 1 only, 1 weights subnet 2 only; ρ = 10 */
    uint64_t stake[10];
    uint16_t w[30] = {0};
    for (int i = 0; i < 10; i++) {
        stake[i] = 1000000000000ull;
        w[i * 3 + (i < 9 ? 1 : 2)] = 65535;
    }
    uint64_t ev[3];
    assert_int_equal(econ_root_epoch(10, 3, stake, w, 32767, 10, 1000000000, ev), 0);
    assert_int_equal(ev[0], 0);
    /* support 90% → C ≈ 0.982, 10% → C ≈ 0.018; rank 0.9 vs 0.1: share ≈ 0.998 vs 0.002 */
    assert_true(ev[1] > 997000000 && ev[1] < 999000000);
    assert_true(ev[2] > 1000000 && ev[2] < 3000000);
    assert_true(ev[0] + ev[1] + ev[2] <= 1000000000);
    assert_true(ev[0] + ev[1] + ev[2] >= 1000000000 - 3);
}

/* economics.md §6.4 by hand: lowest emission, then earliest, then highest netuid. */
static void test_subnet_to_prune(void **state)
{
    (void)state;
    const uint16_t netuid[5] = {0, 1, 2, 3, 4};
    uint64_t ev[5] = {0, 50, 10, 10, 10};
    uint64_t reg[5] = {0, 100, 300, 200, 200};
    const uint64_t IMM = 50400;
    assert_int_equal(econ_subnet_to_prune(5, netuid, ev, reg, 100000, IMM), 4); /* ties → highest */
    reg[4] = 250;
    assert_int_equal(econ_subnet_to_prune(5, netuid, ev, reg, 100000, IMM), 3); /* earliest */
    ev[2] = 9;
    assert_int_equal(econ_subnet_to_prune(5, netuid, ev, reg, 100000, IMM), 2); /* lowest emission */
    reg[2] = 60000; /* subnet 2 immune at block 100000 (100000-60000 < 50400) */
    assert_int_equal(econ_subnet_to_prune(5, netuid, ev, reg, 100000, IMM), 3);
    assert_int_equal(econ_subnet_to_prune(5, netuid, ev, reg, 1000, IMM), -1); /* all immune */
}

/* economics.md §7.5 by hand. */
static void test_neuron_to_prune(void **state)
{
    (void)state;
    uint16_t ps[5] = {300, 100, 100, 0, 65535};
    uint64_t bar[5] = {10, 30, 20, 990, 5};
    /* block 1000, immunity 100: uid 3 immune; non-immune min score 100 → uids 1, 2 → earliest bar → 2 */
    assert_int_equal(econ_neuron_to_prune(5, ps, bar, 1000, 100), 2);
    bar[1] = 20; /* full tie → lower uid */
    assert_int_equal(econ_neuron_to_prune(5, ps, bar, 1000, 100), 1);
    /* everyone immune → immune winner (uid 3 score 0) */
    assert_int_equal(econ_neuron_to_prune(5, ps, bar, 50, 10000), 3);
    /* non-immune chosen even at 65535 */
    uint16_t ps2[2] = {0, 65535};
    uint64_t bar2[2] = {990, 0};
    assert_int_equal(econ_neuron_to_prune(2, ps2, bar2, 1000, 100), 1);
}

/* economics.md §4.9 / §8.4 by hand: take, pro-rata viable stake, remainders. */
static void test_drain_split(void **state)
{
    (void)state;
    /* owner entry 0 (stake 100), nominator 1 (stake 300); take 0; P = 1000, U = 200 */
    uint64_t stake[2] = {100, 300}, credit[2];
    fx_i128 delta[2] = {0, 0};
    uint64_t owner = econ_drain_split(1000, 200, 0, 2, stake, delta, credit);
    assert_int_equal(credit[0], 200); /* ⌊(100/400)·800⌋ */
    assert_int_equal(credit[1], 600);
    assert_int_equal(owner, 200);     /* untouchable only */
    /* 18% take: take = ⌊⌊11796·2^64/65535⌋·1000/2^64⌋ = 179; rest 821 */
    owner = econ_drain_split(1000, 0, 11796, 2, stake, delta, credit);
    assert_int_equal(credit[0], 205); /* ⌊821/4⌋ */
    assert_int_equal(credit[1], 615); /* ⌊821·3/4⌋ */
    assert_int_equal(owner, 179 + 1);
    assert_int_equal(credit[0] + credit[1] + owner, 1000);
    /* stake added since the last drain earns nothing: nominator 1 added 300 */
    delta[1] = 300;
    owner = econ_drain_split(1000, 0, 0, 2, stake, delta, credit);
    assert_int_equal(credit[0], 1000);
    assert_int_equal(credit[1], 0);
    assert_int_equal(owner, 0);
    /* a net removal makes all remaining stake viable */
    delta[1] = -50;
    owner = econ_drain_split(1000, 0, 0, 2, stake, delta, credit);
    assert_int_equal(credit[0], 250);
    assert_int_equal(credit[1], 750);
}

/* economics_vectors G1 and G2. */
static void test_stake_counter(void **state)
{
    (void)state;
    uint64_t c = 0, f = 0;
    assert_true(econ_stake_counter(&c, &f, 1, 3, 3)); assert_int_equal(c, 1); assert_int_equal(f, 1);
    assert_true(econ_stake_counter(&c, &f, 2, 3, 3)); assert_int_equal(c, 2); assert_int_equal(f, 1);
    assert_true(econ_stake_counter(&c, &f, 4, 3, 3)); assert_int_equal(c, 1); assert_int_equal(f, 4);
    c = f = 0;
    assert_true(econ_stake_counter(&c, &f, 1, 3, 3));
    assert_true(econ_stake_counter(&c, &f, 2, 3, 3));
    assert_true(econ_stake_counter(&c, &f, 2, 3, 3));
    assert_int_equal(c, 3);
    assert_false(econ_stake_counter(&c, &f, 3, 3, 3));
    assert_false(econ_stake_counter(&c, &f, 3, 3, 3));
    assert_int_equal(c, 3); assert_int_equal(f, 1);
    assert_true(econ_stake_counter(&c, &f, 4, 3, 3)); assert_int_equal(c, 1); assert_int_equal(f, 4);
    assert_true(econ_stake_counter(&c, &f, 5, 3, 3)); assert_int_equal(c, 2); assert_int_equal(f, 4);
}

/* economics_vectors B3: should_drain_hotkey(hotkey, block, tempo 1) and the
 * derived hash64 values; plus the well-known keccak-256("") digest. */
static void test_drain_phase(void **state)
{
    (void)state;
    uint8_t h[32];
    econ_keccak256((const uint8_t *)"", 0, h);
    static const uint8_t empty[32] = {0xc5, 0xd2, 0x46, 0x01, 0x86, 0xf7, 0x23, 0x3c, 0x92, 0x7e, 0x7d,
                                      0xb2, 0xdc, 0xc7, 0x03, 0xc0, 0xe5, 0x00, 0xb6, 0x53, 0xca, 0x82,
                                      0x27, 0x3b, 0x7b, 0xfa, 0xd8, 0x04, 0x5d, 0x85, 0xa4, 0x70};
    assert_memory_equal(h, empty, 32);
    static const uint64_t hash[8] = {14831470087095464621ull, 7863402264762231938ull, 7631373518459641014ull,
                                     5582643664538856980ull,  14161430395475608197ull, 15365393325553325542ull,
                                     16230461072166338649ull, 16080565077209415655ull};
    static const bool at0[8] = {false, true, true, true, false, true, false, false};
    for (int k = 0; k < 8; k++) {
        uint8_t acct[32] = {0};
        acct[0] = (uint8_t)k; /* U256 little-endian */
        uint64_t h64 = econ_hotkey_hash64(acct);
        assert_true(h64 == hash[k]);
        assert_int_equal(econ_should_drain(h64, 0, 1), at0[k]);
        assert_int_equal(econ_should_drain(h64, 1, 1), !at0[k]);
    }
    assert_int_equal(hash[0] % 3, 2); /* C1: hotkey 0 drains at block 5 with tempo 2 */
    assert_true(econ_should_drain(hash[0], 5, 2));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_epoch_schedule),   cmocka_unit_test(test_owner_cut),
        cmocka_unit_test(test_lock_cost_sequence), cmocka_unit_test(test_lock_cost_runtime),
        cmocka_unit_test(test_adjust_value),     cmocka_unit_test(test_adjust_choice),
        cmocka_unit_test(test_root_epoch_d1),    cmocka_unit_test(test_root_epoch_logistic),
        cmocka_unit_test(test_subnet_to_prune),  cmocka_unit_test(test_neuron_to_prune),
        cmocka_unit_test(test_drain_split),      cmocka_unit_test(test_stake_counter),
        cmocka_unit_test(test_drain_phase),
    };
    return cmocka_run_group_tests_name("econ", tests, NULL, NULL);
}
