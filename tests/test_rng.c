/* test_rng.c -- the rng room: PCG32, keyed streams and the GSL adapter.
 *
 * External reference values (transcribed, never produced by this code):
 *   - PCG32: the five rounds printed by pcg-c's check program for pcg32
 *     (imneme/pcg-c test-high/check-base.c + check-pcg32.c, expected output
 *     test-high/expected/check-pcg32.out), seeded pcg32_srandom_r(42, 54).
 *     pcg-c-basic's pcg32-demo.c prints the same rounds without the "Again"
 *     line (the "Again" line re-draws the six numbers after
 *     pcg32_advance_r(-6)). Each round: six raw 32-bit outputs, 65 coins
 *     (boundedrand(2)), 33 dice (boundedrand(6) + 1) and a 52-card
 *     Fisher-Yates shuffle (boundedrand(i) for i = 52 .. 2).
 *   - splitmix64 seeded 1234567: the five outputs published with Rosetta Code's
 *     "Pseudo-random numbers/Splitmix64" task; seeded 0: 0xe220a8397b1dcdaf.
 * Everything else is a property the header promises (draw counts, ranges,
 * jump-ahead == stepping, independence of streams), checked against states
 * built by hand, or, where labelled, a regression guard of our own output.
 *
 * Determinism note: no test reads the clock or the environment; every
 * generator here is seeded with constants.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <gsl/gsl_randist.h>
#include <gsl/gsl_rng.h>

#include "taosim/rng.h"

#define PCG32_MULT UINT64_C(6364136223846793005)
#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

static void assert_same_state(const rng_pcg32 *a, const rng_pcg32 *b)
{
    assert_int_equal(a->state, b->state);
    assert_int_equal(a->inc, b->inc);
}

static bool same_state(const rng_pcg32 *a, const rng_pcg32 *b)
{
    return a->state == b->state && a->inc == b->inc;
}

/* Step a copy `n` times with the one-draw primitive. */
static rng_pcg32 stepped(rng_pcg32 r, uint64_t n)
{
    for (uint64_t i = 0; i < n; i++)
        (void)rng_next_u32(&r);
    return r;
}

/* ---- hand-built states ----------------------------------------------------
 * A PCG32 output is ((s ^ s>>18) >> 27) rotated right by s>>59. With the top
 * five bits clear (no rotation), bits 27..58 of s ^ s>>18 are the output; we
 * solve for them from the top down (bit i needs bit i+18, already fixed).
 * Bits 0..26 of s do not reach the output; they are `low`. Two chosen outputs
 * in a row: the increment is free, so take inc = s2 - MULT*s1, odd because s1
 * is even and s2 odd. */
static uint64_t state_emitting(uint32_t out, uint64_t low)
{
    uint64_t s = low & ((UINT64_C(1) << 27) - 1);
    for (int i = 58; i >= 27; i--) {
        uint64_t want = (out >> (i - 27)) & 1u;
        uint64_t above = i + 18 <= 63 ? (s >> (i + 18)) & 1u : 0;
        s |= (want ^ above) << i;
    }
    return s;
}

static rng_pcg32 emitting(uint32_t first, uint32_t second)
{
    uint64_t s1 = state_emitting(first, 0), s2 = state_emitting(second, 1);
    rng_pcg32 r = {s1, s2 - s1 * PCG32_MULT};
    return r;
}

static void test_handbuilt_states_emit_what_they_are_built_for(void **state)
{
    (void)state;
    static const uint32_t pairs[][2] = {
        {0, 0}, {0xffffffffu, 0xffffffffu}, {0xdeadbeefu, 0x01234567u},
        {3, 10}, {0x7ffffffeu, 0x7fffffffu}, {1, 0x80000000u},
    };
    for (size_t i = 0; i < NELEM(pairs); i++) {
        rng_pcg32 r = emitting(pairs[i][0], pairs[i][1]);
        assert_true(r.inc & 1u);
        assert_int_equal(rng_next_u32(&r), pairs[i][0]);
        assert_int_equal(rng_next_u32(&r), pairs[i][1]);
    }
}

/* ---- the published PCG32 demo --------------------------------------------- */

struct demo_round {
    uint32_t u32[6];
    const char *coins, *rolls, *cards;
};

/* test-high/expected/check-pcg32.out (the three card lines joined by spaces). */
static const struct demo_round demo[5] = {
    {{0xa15c02b7, 0x7b47f409, 0xba1d3330, 0x83d2f293, 0xbfa4784b, 0xcbed606e},
     "HHTTTHTHHHTHTTTHHHHHTTTHHHTHTHTHTTHTTTHHHHHHTTTTHHTTTTTHTTTTTTTHT",
     "3 4 1 1 2 2 3 2 4 3 2 4 3 3 5 2 3 1 3 1 5 1 4 1 5 6 4 6 6 2 6 3 3",
     "Qd Ks 6d 3s 3d 4c 3h Td Kc 5c Jh Kd Jd As 4s 4h Ad Th Ac Jc 7s Qs "
     "2s 7h Kh 2d 6c Ah 4d Qh 9h 6s 5s 2c 9c Ts 8d 9s 3c 8c Js 5d 2h 6h "
     "7d 8s 9d 5h 8h Qc 7c Tc"},
    {{0x74ab93ad, 0x1c1da000, 0x494ff896, 0x34462f2f, 0xd308a3e5, 0x0fa83bab},
     "HHHHHHHHHHTHHHTHTHTHTHTTTTHHTTTHHTHHTHTTHHTTTHHHHHHTHTTHTHTTTTTTT",
     "5 1 1 3 3 2 4 5 3 2 2 6 4 3 2 4 2 4 3 2 3 6 3 2 3 4 2 4 1 1 5 4 4",
     "7d 2s 7h Td 8s 3c 3d Js 2d Tc 4h Qs 5c 9c Th 2c Jc Qd 9d Qc 7s 3s "
     "5s 6h 4d Jh 4c Ac 4s 5h 5d Kc 8h 8d Jd 9s Ad 6s 6c Kd 2h 3h Kh Ts "
     "Qh 9h 6d As 7c Ks Ah 8c"},
    {{0x39af5f9f, 0x04196b18, 0xc3c3eb28, 0xc076c60c, 0xc693e135, 0xf8f63932},
     "HTTHHTTTTTHTTHHHTHTTHHTTHTHHTHTHTTTTHHTTTHHTHHTTHTTHHHTHHHTHTTTHT",
     "5 1 5 3 2 2 4 5 3 3 1 3 4 6 3 2 3 4 2 2 3 1 5 2 4 6 6 4 2 4 3 3 6",
     "Kd Jh Kc Qh 4d Qc 4h 9d 3c Kh Qs 8h 5c Jd 7d 8d 3h 7c 8s 3s 2h Ks "
     "9c 9h 2c 8c Ad 7s 4s 2s 5h 6s 4c Ah 7h 5s Ac 3d 5d Qd As Tc 6h 9s "
     "2d 6c 6d Td Jc Ts Th Js"},
    {{0x55ce6851, 0x97a7726d, 0x17e10815, 0x58007d43, 0x962fb148, 0xb9bb55bd},
     "HHTHHTTTTHTHHHHHTTHHHTTTHHTHTHTHTHHTTHTHHHHHHTHHTHHTHHTTTTHHTHHTT",
     "6 6 3 2 3 4 2 6 4 2 6 3 2 3 5 5 3 4 4 6 6 2 6 5 4 4 6 1 6 1 3 6 5",
     "Qd 8h 5d 8s 8d Ts 7h Th Qs Js 7s Kc 6h 5s 4d Ac Jd 7d 7c Td 2c 6s "
     "5h 6d 3s Kd 9s Jh Kh As Ah 9h 3c Qh 9c 2d Tc 9d 2s 3d Ks 4h Qc Ad "
     "Jc 8c 2h 3h 4s 4c 5c 6c"},
    {{0xfcef7cd6, 0x1b488b5a, 0xd0daf7ea, 0x1d9a70f7, 0x241a37cf, 0x9a3857b7},
     "HHHHTHHTTHTTHHHTTTHHTHTHTTTTHTTHTHTTTHHHTHTHTTHTTHTHHTHTHHHTHTHTT",
     "5 4 1 2 6 1 3 1 5 6 3 6 2 1 4 4 5 2 1 5 6 5 6 4 4 4 5 2 6 4 3 5 6",
     "4d 9s Qc 9h As Qs 7s 4c Kd 6h 6s 2c 8c 5d 7h 5h Jc 3s 7c Jh Js Ks "
     "Tc Jd Kc Th 3h Ts Qh Ad Td 3c Ah 2d 3d 5c Ac 8s 5s 9c 2h 6c 6d Kh "
     "Qd 8d 7d 2s 8h 4h 9d 4s"},
};

/* One round of the demo program; `again` adds pcg-c's advance(-6) replay. */
static void play_demo_round(rng_pcg32 *r, const struct demo_round *want, bool again)
{
    for (int pass = 0; pass < (again ? 2 : 1); pass++) {
        if (pass == 1)
            rng_advance(r, (uint64_t)0 - 6);
        for (size_t i = 0; i < 6; i++)
            assert_int_equal(rng_next_u32(r), want->u32[i]);
    }

    char coins[66];
    for (int i = 0; i < 65; i++)
        coins[i] = rng_bounded_u32(r, 2) ? 'H' : 'T';
    coins[65] = '\0';
    assert_string_equal(coins, want->coins);

    char rolls[2 * 33];
    for (int i = 0; i < 33; i++) {
        rolls[2 * i] = (char)('1' + rng_bounded_u32(r, 6));
        rolls[2 * i + 1] = i + 1 < 33 ? ' ' : '\0';
    }
    assert_string_equal(rolls, want->rolls);

    enum { SUITS = 4, CARDS = 52 };
    static const char number[] = "A23456789TJQK", suit[] = "hcds";
    int cards[CARDS];
    for (int i = 0; i < CARDS; i++)
        cards[i] = i;
    for (int i = CARDS; i > 1; i--) {
        uint32_t chosen = rng_bounded_u32(r, (uint32_t)i);
        int card = cards[chosen];
        cards[chosen] = cards[i - 1];
        cards[i - 1] = card;
    }
    char dealt[3 * CARDS];
    for (int i = 0; i < CARDS; i++) {
        dealt[3 * i] = number[cards[i] / SUITS];
        dealt[3 * i + 1] = suit[cards[i] % SUITS];
        dealt[3 * i + 2] = i + 1 < CARDS ? ' ' : '\0';
    }
    assert_string_equal(dealt, want->cards);
}

static void test_pcg32_demo_rounds(void **state)
{
    (void)state;
    rng_pcg32 r;
    rng_seed(&r, 42, 54);
    for (size_t i = 0; i < NELEM(demo); i++)
        play_demo_round(&r, &demo[i], false);
}

static void test_pcg32_check_rounds_with_advance_back(void **state)
{
    (void)state;
    rng_pcg32 r;
    rng_seed(&r, 42, 54);
    for (size_t i = 0; i < NELEM(demo); i++)
        play_demo_round(&r, &demo[i], true);
}

/* pcg32_srandom_r's recipe, spelled out: inc = 2*54 + 1 = 109; state 0 is
 * stepped to 109, 42 is added, and it is stepped once more. */
static void test_seed_recipe(void **state)
{
    (void)state;
    rng_pcg32 r;
    rng_seed(&r, 42, 54);
    assert_int_equal(r.inc, 109);
    uint64_t s = (0 * PCG32_MULT + 109) + 42;
    assert_int_equal(r.state, s * PCG32_MULT + 109);
    /* The top bit of initseq is shifted out. */
    rng_pcg32 a, b;
    rng_seed(&a, 7, 5);
    rng_seed(&b, 7, 5 | (UINT64_C(1) << 63));
    assert_same_state(&a, &b);
}

/* ---- wider and bounded draws ---------------------------------------------- */

static void test_next_u64_is_high_then_low(void **state)
{
    (void)state;
    rng_pcg32 r = emitting(0xdeadbeefu, 0x01234567u);
    rng_pcg32 start = r;
    assert_int_equal(rng_next_u64(&r), UINT64_C(0xdeadbeef01234567));
    rng_pcg32 two = stepped(start, 2);
    assert_same_state(&r, &two);
}

/* Bound 6: threshold 2^32 mod 6 = 4. A 3 is rejected, a 4 is accepted. */
static void test_bounded_u32_threshold_edge(void **state)
{
    (void)state;
    rng_pcg32 r = emitting(3, 10), start = r;
    assert_int_equal(rng_bounded_u32(&r, 6), 10 % 6);
    rng_pcg32 after = stepped(start, 2);
    assert_same_state(&r, &after);

    r = emitting(4, 10), start = r;
    assert_int_equal(rng_bounded_u32(&r, 6), 4);
    after = stepped(start, 1);
    assert_same_state(&r, &after);

    /* Bound 2^31 + 1: threshold 2^31 - 1, the worst case (half rejected). */
    r = emitting(0x7ffffffeu, 0x7fffffffu), start = r;
    assert_int_equal(rng_bounded_u32(&r, 0x80000001u), 0x7fffffffu);
    after = stepped(start, 2);
    assert_same_state(&r, &after);
    r = emitting(0xffffffffu, 0);
    assert_int_equal(rng_bounded_u32(&r, 0x80000001u), 0x7ffffffeu);

    /* Bound 2^32 - 1: threshold 1, only a 0 is rejected. */
    r = emitting(0, 0xfffffffeu);
    assert_int_equal(rng_bounded_u32(&r, UINT32_MAX), 0xfffffffeu);
    r = emitting(1, 0);
    assert_int_equal(rng_bounded_u32(&r, UINT32_MAX), 1);
    r = emitting(0xffffffffu, 5);
    assert_int_equal(rng_bounded_u32(&r, UINT32_MAX), 0);

    /* Bound 0 means 2^32: one draw, returned unchanged. */
    r = emitting(0xffffffffu, 0), start = r;
    assert_int_equal(rng_bounded_u32(&r, 0), 0xffffffffu);
    after = stepped(start, 1);
    assert_same_state(&r, &after);
}

/* Many bounds, many draws: always in range; the draw count matches the
 * rejection rule replayed on a copy with the threshold written out by hand. */
static void test_bounded_u32_range_and_draw_count(void **state)
{
    (void)state;
    static const struct { uint32_t bound, threshold; } t[] = {
        {1, 0}, {2, 0}, {3, 1}, {6, 4}, {7, 4}, {52, 48}, {1000, 296},
        {0x80000000u, 0}, {0x80000001u, 0x7fffffffu}, {0xc0000000u, 0x40000000u},
        {UINT32_MAX, 1},
    };
    for (size_t i = 0; i < NELEM(t); i++) {
        rng_pcg32 r = rng_stream(1, RNG_PURPOSE_TEST, i), replay = r;
        unsigned rejected = 0;
        for (int n = 0; n < 4000; n++) {
            uint32_t v = rng_bounded_u32(&r, t[i].bound);
            assert_true(v < t[i].bound);
            uint32_t x;
            while ((x = rng_next_u32(&replay)) < t[i].threshold)
                rejected++;
            assert_int_equal(v, x % t[i].bound);
            assert_same_state(&r, &replay);
        }
        if (t[i].threshold >= 0x40000000u)
            assert_true(rejected > 1000); /* about 4000 and 1300 expected */
        if (t[i].threshold == 0)
            assert_int_equal(rejected, 0);
    }
}

static void test_bounded_u32_small_bounds_cover_all_values(void **state)
{
    (void)state;
    rng_pcg32 r = rng_stream(2, RNG_PURPOSE_TEST, 0);
    for (uint32_t bound = 1; bound <= 12; bound++) {
        unsigned seen[12] = {0};
        for (int n = 0; n < 1200; n++)
            seen[rng_bounded_u32(&r, bound)]++;
        for (uint32_t v = 0; v < bound; v++)
            assert_true(seen[v] > 0);
    }
    unsigned faces[6] = {0};
    for (int n = 0; n < 6000; n++)
        faces[rng_bounded_u32(&r, 6)]++;
    for (int v = 0; v < 6; v++)
        assert_in_range(faces[v], 800, 1200); /* 1000 +- 6.9 sigma */
}

static void test_bounded_u64(void **state)
{
    (void)state;
    /* Bound 2^63 + 1: threshold 2^63 - 1, accepted exactly at the threshold. */
    rng_pcg32 r = emitting(0x7fffffffu, 0xffffffffu), start = r;
    assert_int_equal(rng_bounded_u64(&r, (UINT64_C(1) << 63) + 1), (UINT64_C(1) << 63) - 1);
    rng_pcg32 after = stepped(start, 2);
    assert_same_state(&r, &after);
    /* One below: rejected, so at least two more draws are taken. */
    r = emitting(0x7fffffffu, 0xfffffffeu), start = r;
    assert_true(rng_bounded_u64(&r, (UINT64_C(1) << 63) + 1) <= (UINT64_C(1) << 63));
    after = stepped(start, 2);
    assert_false(same_state(&r, &after));
    /* Bound 0 means 2^64: two draws, returned unchanged. */
    r = emitting(0xffffffffu, 0xfffffffeu), start = r;
    assert_int_equal(rng_bounded_u64(&r, 0), UINT64_C(0xfffffffffffffffe));
    after = stepped(start, 2);
    assert_same_state(&r, &after);

    static const struct { uint64_t bound, threshold; } t[] = {
        {1, 0}, {2, 0}, {3, 1}, {6, 4}, {UINT64_C(0x100000000), 0},
        {UINT64_C(0x100000001), 1}, /* 2^64 = (2^32 + 1)(2^32 - 1) + 1 */
        {(UINT64_C(1) << 63) + 1, (UINT64_C(1) << 63) - 1}, {UINT64_MAX, 1},
    };
    for (size_t i = 0; i < NELEM(t); i++) {
        rng_pcg32 g = rng_stream(3, RNG_PURPOSE_TEST, i), replay = g;
        bool high_half = false;
        for (int n = 0; n < 2000; n++) {
            uint64_t v = rng_bounded_u64(&g, t[i].bound);
            assert_true(v < t[i].bound);
            uint64_t x;
            while ((x = rng_next_u64(&replay)) < t[i].threshold)
                ;
            assert_int_equal(v, x % t[i].bound);
            assert_same_state(&g, &replay);
            if (t[i].bound > 4 && v >= t[i].bound / 2)
                high_half = true;
        }
        if (t[i].bound > 4)
            assert_true(high_half);
    }
    unsigned faces[6] = {0};
    rng_pcg32 d = rng_stream(4, RNG_PURPOSE_TEST, 0);
    for (int n = 0; n < 600; n++)
        faces[rng_bounded_u64(&d, 6)]++;
    for (int v = 0; v < 6; v++)
        assert_true(faces[v] > 0);
}

/* ---- uniform doubles -------------------------------------------------------- */

static void test_uniform_extremes(void **state)
{
    (void)state;
    rng_pcg32 r = emitting(0, 0);
    assert_true(rng_uniform(&r) == 0.0);
    r = emitting(0xffffffffu, 0xffffffffu);
    double top = rng_uniform(&r);
    assert_true(top < 1.0);
    assert_true(top == 1.0 - 0x1p-53);
    /* The low 11 bits of the second draw are dropped, the rest kept. */
    r = emitting(0, 0x7ffu);
    assert_true(rng_uniform(&r) == 0.0);
    r = emitting(0, 0x800u);
    assert_true(rng_uniform(&r) == 0x1p-53);
    r = emitting(0x80000000u, 0);
    assert_true(rng_uniform(&r) == 0.5);
}

static void test_uniform_range_draws_and_resolution(void **state)
{
    (void)state;
    rng_pcg32 r = rng_stream(5, RNG_PURPOSE_TEST, 0);
    double lo = 1.0, hi = 0.0;
    bool finer_than_32_bits = false;
    for (int n = 0; n < 100000; n++) {
        rng_pcg32 before = r;
        double u = rng_uniform(&r);
        assert_true(u >= 0.0 && u < 1.0);
        rng_pcg32 after = stepped(before, 2);
        assert_same_state(&r, &after);
        double scaled = u * 0x1p53; /* an integer below 2^53, exactly */
        assert_true(scaled == (double)(uint64_t)scaled);
        if ((uint64_t)scaled & 0x1fffffu)
            finer_than_32_bits = true;
        lo = u < lo ? u : lo;
        hi = u > hi ? u : hi;
    }
    assert_true(finer_than_32_bits);
    assert_true(lo < 1e-3);
    assert_true(hi > 1.0 - 1e-3);
}

/* ---- jump-ahead ------------------------------------------------------------ */

static void test_advance_equals_stepping(void **state)
{
    (void)state;
    static const uint64_t ks[] = {0, 1, 2, 3, 5, 6, 7, 64, 255, 1000, 12345, 65536};
    rng_pcg32 base = rng_stream(6, RNG_PURPOSE_TEST, 0);
    for (size_t i = 0; i < NELEM(ks); i++) {
        rng_pcg32 jumped = base;
        rng_advance(&jumped, ks[i]);
        rng_pcg32 walked = stepped(base, ks[i]);
        assert_same_state(&jumped, &walked);
        assert_int_equal(rng_next_u32(&jumped), rng_next_u32(&walked));
    }
}

static void test_advance_wraps_with_period_2_64(void **state)
{
    (void)state;
    rng_pcg32 base = rng_stream(7, RNG_PURPOSE_TEST, 0);
    rng_pcg32 r = base;
    rng_advance(&r, UINT64_MAX); /* one step back */
    (void)rng_next_u32(&r);
    assert_same_state(&r, &base);

    r = stepped(base, 1000);
    rng_advance(&r, (uint64_t)0 - 1000);
    assert_same_state(&r, &base);

    r = base;
    rng_advance(&r, UINT64_C(1) << 63);
    assert_false(same_state(&r, &base));
    rng_advance(&r, UINT64_C(1) << 63);
    assert_same_state(&r, &base);

    /* Composition: a then b == a + b, for large a and b. */
    uint64_t a = UINT64_C(0x0123456789abcdef), b = UINT64_C(0xfedcba9876543210);
    rng_pcg32 ab = base, sum = base;
    rng_advance(&ab, a);
    rng_advance(&ab, b);
    rng_advance(&sum, a + b);
    assert_same_state(&ab, &sum);
}

/* ---- keyed streams ---------------------------------------------------------- */

static void test_mix64_is_splitmix64(void **state)
{
    (void)state;
    static const uint64_t want[] = {
        UINT64_C(6457827717110365317), UINT64_C(3203168211198807973),
        UINT64_C(9817491932198370423), UINT64_C(4593380528125082431),
        UINT64_C(16408922859458223821),
    };
    uint64_t s = 1234567;
    for (size_t i = 0; i < NELEM(want); i++) {
        s += UINT64_C(0x9e3779b97f4a7c15);
        assert_int_equal(rng_mix64(s), want[i]);
    }
    assert_int_equal(rng_mix64(UINT64_C(0x9e3779b97f4a7c15)), UINT64_C(0xe220a8397b1dcdaf));
}

/* The numbers are part of the determinism contract. */
static void test_purpose_values_are_pinned(void **state)
{
    (void)state;
    assert_int_equal(RNG_PURPOSE_ENGINE, 1);
    assert_int_equal(RNG_PURPOSE_MINER, 2);
    assert_int_equal(RNG_PURPOSE_VALIDATOR, 3);
    assert_int_equal(RNG_PURPOSE_NOMINATOR, 4);
    assert_int_equal(RNG_PURPOSE_OWNER, 5);
    assert_int_equal(RNG_PURPOSE_SCENARIO, 6);
    assert_int_equal(RNG_PURPOSE_BENCH, 7);
    assert_int_equal(RNG_PURPOSE_TEST, 8);
}

/* rng_stream is the derivation documented in rng.h, step by step. */
static void test_stream_follows_documented_derivation(void **state)
{
    (void)state;
    static const struct { uint64_t seed; uint32_t purpose; uint64_t entity; } keys[] = {
        {0, RNG_PURPOSE_ENGINE, 0}, {42, RNG_PURPOSE_MINER, 17},
        {UINT64_MAX, RNG_PURPOSE_TEST, UINT64_MAX}, {7, 0xffffffffu, 1},
    };
    const uint64_t G = UINT64_C(0x9e3779b97f4a7c15);
    for (size_t i = 0; i < NELEM(keys); i++) {
        uint64_t k0 = rng_mix64(keys[i].seed ^ UINT64_C(0x74616f73696d7267));
        uint64_t k1 = rng_mix64(k0 ^ (uint64_t)keys[i].purpose * G);
        uint64_t s = rng_mix64(k1 + keys[i].entity * G);
        rng_pcg32 want, got = rng_stream(keys[i].seed, keys[i].purpose, keys[i].entity);
        rng_seed(&want, s, rng_mix64(s ^ UINT64_C(0x73657175656e6365)));
        assert_same_state(&got, &want);
    }
}

/* Regression guard (our own output, recorded when the room was written): if
 * this changes, every seeded trace changes. */
static void test_stream_regression_guard(void **state)
{
    (void)state;
    rng_pcg32 r = rng_stream(42, RNG_PURPOSE_ENGINE, 0);
    static const uint32_t engine0[] = {0xde119bca, 0xe2429717, 0xbabd1666, 0xf180d84f};
    for (size_t i = 0; i < NELEM(engine0); i++)
        assert_int_equal(rng_next_u32(&r), engine0[i]);
    r = rng_stream(42, RNG_PURPOSE_VALIDATOR, 3);
    static const uint32_t validator3[] = {0xcaaf590e, 0x8689d197, 0x04e0606d, 0x0468d268};
    for (size_t i = 0; i < NELEM(validator3); i++)
        assert_int_equal(rng_next_u32(&r), validator3[i]);
}

static void test_stream_same_key_same_numbers(void **state)
{
    (void)state;
    rng_pcg32 a = rng_stream(99, RNG_PURPOSE_MINER, 5);
    rng_pcg32 b = rng_stream(99, RNG_PURPOSE_MINER, 5);
    assert_same_state(&a, &b);
    for (int n = 0; n < 1000; n++)
        assert_int_equal(rng_next_u32(&a), rng_next_u32(&b));
}

struct keyed {
    rng_pcg32 r;
    uint64_t first;
};

static int cmp_inc(const void *pa, const void *pb)
{
    const struct keyed *a = pa, *b = pb;
    return (a->r.inc > b->r.inc) - (a->r.inc < b->r.inc);
}

static int cmp_first(const void *pa, const void *pb)
{
    const struct keyed *a = pa, *b = pb;
    return (a->first > b->first) - (a->first < b->first);
}

/* Every key of a grid that differs in one or more of (seed, purpose, entity)
 * gets its own PCG sequence (distinct increments) and its own numbers. */
static void test_stream_distinct_keys_distinct_streams(void **state)
{
    (void)state;
    static const uint64_t seeds[] = {0, 1, 42, UINT64_MAX};
    enum { NPURPOSE = 8, NENTITY = 66 };
    size_t n = NELEM(seeds) * NPURPOSE * NENTITY, k = 0;
    struct keyed *all = calloc(n, sizeof *all);
    assert_non_null(all);
    for (size_t s = 0; s < NELEM(seeds); s++)
        for (uint32_t p = RNG_PURPOSE_ENGINE; p <= RNG_PURPOSE_TEST; p++)
            for (uint64_t e = 0; e < NENTITY; e++) {
                uint64_t entity = e < 64 ? e : e == 64 ? UINT64_C(1) << 32 : UINT64_MAX;
                all[k].r = rng_stream(seeds[s], p, entity);
                rng_pcg32 copy = all[k].r;
                all[k].first = rng_next_u64(&copy);
                k++;
            }
    assert_int_equal(k, n);
    qsort(all, n, sizeof *all, cmp_inc);
    for (size_t i = 1; i < n; i++)
        assert_true(all[i].r.inc != all[i - 1].r.inc);
    qsort(all, n, sizeof *all, cmp_first);
    for (size_t i = 1; i < n; i++)
        assert_true(all[i].first != all[i - 1].first);
    free(all);

    /* Neighbouring keys do not produce shifted copies of one another. */
    rng_pcg32 a = rng_stream(42, RNG_PURPOSE_MINER, 0);
    rng_pcg32 b = rng_stream(42, RNG_PURPOSE_MINER, 1);
    uint32_t xa[64], xb[64];
    for (int i = 0; i < 64; i++) {
        xa[i] = rng_next_u32(&a);
        xb[i] = rng_next_u32(&b);
    }
    for (int i = 0; i < 64; i++)
        for (int j = 0; j < 64; j++)
            assert_true(xa[i] != xb[j]);
}

/* A population of N agents drawing round-robin; then N + 1. Agent i's numbers
 * are the same in both runs, whatever the others draw. */
static void test_stream_adding_an_entity_shifts_nobody(void **state)
{
    (void)state;
    enum { N = 10, DRAWS = 50 };
    uint32_t before[N][DRAWS], after[N + 1][DRAWS];
    rng_pcg32 pop[N + 1];
    for (int i = 0; i < N; i++)
        pop[i] = rng_stream(2024, RNG_PURPOSE_VALIDATOR, (uint64_t)i);
    for (int d = 0; d < DRAWS; d++)
        for (int i = 0; i < N; i++)
            before[i][d] = rng_next_u32(&pop[i]);

    for (int i = N; i >= 0; i--) /* created in another order, too */
        pop[i] = rng_stream(2024, RNG_PURPOSE_VALIDATOR, (uint64_t)i);
    for (int d = 0; d < DRAWS; d++)
        for (int i = 0; i <= N; i++) {
            after[i][d] = rng_next_u32(&pop[i]);
            if (i == N) /* the newcomer draws more, in between */
                (void)rng_bounded_u32(&pop[i], 3);
        }
    for (int i = 0; i < N; i++)
        for (int d = 0; d < DRAWS; d++)
            assert_int_equal(after[i][d], before[i][d]);
    assert_memory_not_equal(after[N], after[N - 1], sizeof after[N]);
}

/* ---- GSL adapter ------------------------------------------------------------ */

static void test_gsl_type_descriptor(void **state)
{
    (void)state;
    const gsl_rng_type *t = rng_gsl_type();
    assert_string_equal(t->name, "taosim-pcg32");
    assert_int_equal(t->min, 0);
    assert_int_equal(t->max, 0xffffffffUL);
    assert_int_equal(t->size, sizeof(rng_pcg32));
    gsl_rng *g = rng_gsl_alloc(rng_stream(1, RNG_PURPOSE_TEST, 0));
    assert_non_null(g);
    assert_string_equal(gsl_rng_name(g), "taosim-pcg32");
    assert_int_equal(gsl_rng_max(g), 0xffffffffUL);
    assert_int_equal(gsl_rng_min(g), 0);
    gsl_rng_free(g);
}

static void test_gsl_draws_are_the_raw_draws(void **state)
{
    (void)state;
    rng_pcg32 raw = rng_stream(10, RNG_PURPOSE_TEST, 0), caller = raw;
    gsl_rng *g = rng_gsl_alloc(raw);
    assert_non_null(g);
    for (int n = 0; n < 1000; n++)
        assert_int_equal(gsl_rng_get(g), rng_next_u32(&raw));
    for (int n = 0; n < 1000; n++)
        assert_true(gsl_rng_uniform(g) == (double)rng_next_u32(&raw) * 0x1p-32);
    assert_same_state(rng_gsl_stream(g), &raw);
    /* The caller's copy was not advanced. */
    rng_pcg32 fresh = rng_stream(10, RNG_PURPOSE_TEST, 0);
    assert_same_state(&caller, &fresh);
    /* Direct draws through rng_gsl_stream continue the same stream. */
    assert_int_equal(rng_next_u32(rng_gsl_stream(g)), rng_next_u32(&raw));
    assert_int_equal(gsl_rng_get(g), rng_next_u32(&raw));
    gsl_rng_free(g);

    /* get_double of the largest output stays below 1. */
    g = rng_gsl_alloc(emitting(0xffffffffu, 0));
    assert_non_null(g);
    double top = gsl_rng_uniform(g);
    assert_true(top < 1.0);
    assert_true(top == 1.0 - 0x1p-32);
    gsl_rng_free(g);

    gsl_rng *mt = gsl_rng_alloc(gsl_rng_mt19937);
    assert_non_null(mt);
    assert_null(rng_gsl_stream(mt));
    gsl_rng_free(mt);
}

static void test_gsl_seeding_is_deterministic(void **state)
{
    (void)state;
    /* GSL seeds a new generator with its global default seed; the stream
     * copied in afterwards must win. */
    unsigned long saved = gsl_rng_default_seed;
    gsl_rng_default_seed = 12345;
    rng_pcg32 want = rng_stream(11, RNG_PURPOSE_TEST, 0);
    gsl_rng *g = rng_gsl_alloc(want);
    gsl_rng_default_seed = saved;
    assert_non_null(g);
    assert_same_state(rng_gsl_stream(g), &want);

    /* gsl_rng_set(g, s) == rng_seed(s, 0). */
    gsl_rng_set(g, 42);
    rng_pcg32 r;
    rng_seed(&r, 42, 0);
    for (int n = 0; n < 100; n++)
        assert_int_equal(gsl_rng_get(g), rng_next_u32(&r));

    /* gsl_rng_clone copies the whole state (size is right). */
    gsl_rng *c = gsl_rng_clone(g);
    assert_non_null(c);
    for (int n = 0; n < 100; n++)
        assert_int_equal(gsl_rng_get(c), gsl_rng_get(g));
    gsl_rng_free(c);
    gsl_rng_free(g);
}

static void test_gsl_distributions_reproducible(void **state)
{
    (void)state;
    rng_pcg32 key = rng_stream(12, RNG_PURPOSE_MINER, 3);
    gsl_rng *a = rng_gsl_alloc(key), *b = rng_gsl_alloc(key);
    gsl_rng *other = rng_gsl_alloc(rng_stream(12, RNG_PURPOSE_MINER, 4));
    assert_non_null(a);
    assert_non_null(b);
    assert_non_null(other);
    int differ = 0;
    for (int n = 0; n < 1000; n++) {
        double x = gsl_ran_beta(a, 2.0, 5.0), y = gsl_ran_beta(b, 2.0, 5.0);
        assert_memory_equal(&x, &y, sizeof x);
        assert_true(x > 0.0 && x < 1.0);
        double z = gsl_ran_lognormal(a, 0.0, 0.5), w = gsl_ran_lognormal(b, 0.0, 0.5);
        assert_memory_equal(&z, &w, sizeof z);
        assert_true(z > 0.0);
        differ += gsl_ran_beta(other, 2.0, 5.0) != x;
    }
    assert_true(differ > 990);
    /* They consumed the stream, and both by the same amount. */
    assert_false(same_state(rng_gsl_stream(a), &key));
    assert_same_state(rng_gsl_stream(a), rng_gsl_stream(b));
    gsl_rng_free(a);
    gsl_rng_free(b);
    gsl_rng_free(other);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_handbuilt_states_emit_what_they_are_built_for),
        cmocka_unit_test(test_pcg32_demo_rounds),
        cmocka_unit_test(test_pcg32_check_rounds_with_advance_back),
        cmocka_unit_test(test_seed_recipe),
        cmocka_unit_test(test_next_u64_is_high_then_low),
        cmocka_unit_test(test_bounded_u32_threshold_edge),
        cmocka_unit_test(test_bounded_u32_range_and_draw_count),
        cmocka_unit_test(test_bounded_u32_small_bounds_cover_all_values),
        cmocka_unit_test(test_bounded_u64),
        cmocka_unit_test(test_uniform_extremes),
        cmocka_unit_test(test_uniform_range_draws_and_resolution),
        cmocka_unit_test(test_advance_equals_stepping),
        cmocka_unit_test(test_advance_wraps_with_period_2_64),
        cmocka_unit_test(test_mix64_is_splitmix64),
        cmocka_unit_test(test_purpose_values_are_pinned),
        cmocka_unit_test(test_stream_follows_documented_derivation),
        cmocka_unit_test(test_stream_regression_guard),
        cmocka_unit_test(test_stream_same_key_same_numbers),
        cmocka_unit_test(test_stream_distinct_keys_distinct_streams),
        cmocka_unit_test(test_stream_adding_an_entity_shifts_nobody),
        cmocka_unit_test(test_gsl_type_descriptor),
        cmocka_unit_test(test_gsl_draws_are_the_raw_draws),
        cmocka_unit_test(test_gsl_seeding_is_deterministic),
        cmocka_unit_test(test_gsl_distributions_reproducible),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
