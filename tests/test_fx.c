/* test_fx.c -- the fixed-point room against the chain's own numbers.
 *
 * Every expected value below is transcribed from ../shared/spec/math_vectors.md
 * (upstream math.rs tests and the MODEL raw values), yuma-epoch.md §1 and
 * yuma3.md §1.2, or is an exact identity of the definitions (floor/trunc on
 * small integers worked by hand). None comes from running this code.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "taosim/fx.h"

#define ONE I32F32_ONE_BITS

static i32f32 B(int64_t bits) { return i32f32_from_bits(bits); }

/* math_vectors.md §0: literal -> raw, via f32 and via f64. */
static void test_literal_table(void **state)
{
    (void)state;
    static const struct { double lit; int64_t via_f32, via_f64; } t[] = {
        {0.000000001, 4, 4}, {0.0000000019, 8, 8}, {0.0000001, 429, 429},
        {0.000001, 4295, 4295}, {0.000006, 25770, 25770}, {0.000007, 30065, 30065},
        {0.000016, 68719, 68719}, {0.0001, 429497, 429497}, {0.001, 4294968, 4294967},
        {0.01, 42949672, 42949673}, {0.1, 429496736, 429496730}, {0.2, 858993472, 858993459},
        {0.24, 1030792128, 1030792151}, {0.25, 1073741824, 1073741824},
        {0.26, 1116691456, 1116691497}, {0.3, 1288490240, 1288490189},
        {0.4, 1717986944, 1717986918}, {0.49, 2104534016, 2104533975},
        {0.5, 2147483648, 2147483648}, {0.51, 2190433280, 2190433321},
        {0.6, 2576980480, 2576980378}, {0.7, 3006477056, 3006477107},
        {0.75, 3221225472, 3221225472}, {0.76, 3264175104, 3264175145},
        {0.8, 3435973888, 3435973837}, {0.9, 3865470464, 3865470566},
        {0.9999999, 4294966784, 4294966867}, {1.5, 6442450944, 6442450944},
        {3.64, 15633681408, 15633680957},
    };
    for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
        assert_int_equal(i32f32_from_float((float)t[i].lit).bits, t[i].via_f32);
        assert_int_equal(i32f32_from_double(t[i].lit).bits, t[i].via_f64);
    }
    static const struct { double lit; int64_t raw; } f64only[] = {
        {0.0000003057, 1313}, {0.0474258729, 203692573}, {0.952574127, 4091274722},
        {0.9999996943, 4294965983}, {0.9999999981, 4294967288}, {0.0000001125, 483},
        {0.0000061442, 26389}, {0.0003353502, 1440318}, {0.017986214, 77250201},
        {0.9820138067, 4217717184}, {0.9996646498, 4293526978}, {0.9999938558, 4294940907},
        {0.9999998875, 4294966813},
    };
    for (size_t i = 0; i < sizeof f64only / sizeof f64only[0]; i++)
        assert_int_equal(i32f32_from_double(f64only[i].lit).bits, f64only[i].raw);
}

/* math_vectors.md §3 MODEL raws and yuma-epoch.md §1.8. */
static void test_exp_values(void **state)
{
    (void)state;
    i32f32 r;
    assert_int_equal(i32f32_exp(B(0), &r), FX_OK);
    assert_int_equal(r.bits, 4294967296);
    assert_int_equal(i32f32_exp(B(ONE), &r), FX_OK);
    assert_int_equal(r.bits, 11674931200); /* the I9F23 constant e, not the series */
    assert_int_equal(i32f32_exp(i32f32_from_i32(-20), &r), FX_OK);
    assert_int_equal(r.bits, 8);
    assert_int_equal(i32f32_exp(i32f32_from_i32(20), &r), FX_OK);
    assert_int_equal(r.bits, 2066907302758576256);
}

/* yuma3.md §1.2: exp(x) succeeds iff |x_raw| <= 89 715 445 397. */
static void test_exp_overflow_boundary(void **state)
{
    (void)state;
    i32f32 r;
    assert_int_equal(i32f32_exp(B(89715445397), &r), FX_OK);
    assert_int_equal(i32f32_exp(B(89715445398), &r), FX_EOVERFLOW);
    assert_int_equal(i32f32_exp(B(-89715445397), &r), FX_OK);
    assert_int_equal(i32f32_exp(B(-89715445398), &r), FX_EOVERFLOW);
    assert_int_equal(i32f32_exp(i32f32_max(), &r), FX_EOVERFLOW);
    assert_int_equal(i32f32_exp(i32f32_min(), &r), FX_EOVERFLOW);
    /* safe_exp maps every error to 0, whatever the sign (the v1.2.4 quirk). */
    assert_int_equal(i32f32_safe_exp(B(89715445398)).bits, 0);
    assert_int_equal(i32f32_safe_exp(B(-89715445398)).bits, 0);
}

/* math_vectors.md §3 test_math_exp_safe. */
static void test_exp_safe_clamps(void **state)
{
    (void)state;
    i32f32 e20, em20;
    assert_int_equal(i32f32_exp(i32f32_from_i32(20), &e20), FX_OK);
    assert_int_equal(i32f32_exp(i32f32_from_i32(-20), &em20), FX_OK);
    assert_int_equal(i32f32_exp_safe(B(0)).bits, ONE);
    assert_int_equal(i32f32_exp_safe(B(ONE)).bits, 11674931200);
    assert_int_equal(i32f32_exp_safe(i32f32_from_i32(-21)).bits, em20.bits);
    assert_int_equal(i32f32_exp_safe(i32f32_min()).bits, em20.bits);
    assert_int_equal(i32f32_exp_safe(i32f32_from_i32(21)).bits, e20.bits);
    assert_int_equal(i32f32_exp_safe(i32f32_max()).bits, e20.bits);
}

/* math_vectors.md §3 test_math_sigmoid_safe: exact raws. */
static void test_sigmoid_safe(void **state)
{
    (void)state;
    const int64_t trust[7] = {INT64_MIN, 0, 1717986918, 2147483648, 2576980378, 4294967296, INT64_MAX};
    const int64_t exp_maxmax[7] = {8, 8, 8, 8, 8, 8, 2147483648};
    const int64_t exp_minmin[7] = {2147483648, 8, 8, 8, 8, 8, 8};
    const int64_t exp_30[7] = {8, 1313, 203692573, 2147483648, 4091274722, 4294965983, 4294967288};
    for (int i = 0; i < 7; i++) {
        assert_int_equal(i32f32_sigmoid_safe(B(trust[i]), i32f32_max(), i32f32_max()).bits, exp_maxmax[i]);
        assert_int_equal(i32f32_sigmoid_safe(B(trust[i]), i32f32_min(), i32f32_min()).bits, exp_minmin[i]);
        assert_int_equal(i32f32_sigmoid_safe(B(trust[i]), i32f32_from_i32(30), i32f32_from_double(0.5)).bits,
                         exp_30[i]);
    }
    const int64_t exp_40[11] = {8, 483, 26389, 1440318, 77250201, 2147483648,
                                4217717184, 4293526978, 4294940907, 4294966813, 4294967288};
    for (int i = 0; i <= 10; i++) {
        i32f32 x = i32f32_from_float((float)(i / 10.0));
        if (i == 0) x = B(0);
        if (i == 10) x = B(ONE);
        assert_int_equal(i32f32_sigmoid_safe(x, i32f32_from_i32(40), i32f32_from_double(0.5)).bits, exp_40[i]);
    }
}

/* log2 / ln: identities of the algorithm (yuma-epoch.md §1.8) and its error cases. */
static void test_log2_ln(void **state)
{
    (void)state;
    i32f32 r;
    assert_int_equal(i32f32_log2(i32f32_from_i32(8), &r), FX_OK);
    assert_int_equal(r.bits, 3 * ONE); /* powers of two hit the x == 1 early exit */
    assert_int_equal(i32f32_log2(B(ONE / 2), &r), FX_OK);
    assert_int_equal(r.bits, -ONE);
    assert_int_equal(i32f32_ln(B(ONE), &r), FX_OK);
    assert_int_equal(r.bits, 0);
    assert_int_equal(i32f32_ln(B(0), &r), FX_EDOMAIN);
    assert_int_equal(i32f32_ln(B(-ONE), &r), FX_EDOMAIN);
    assert_int_equal(i32f32_ln(B(1), &r), FX_EOVERFLOW); /* 1/x overflows: the chain panics */
    assert_int_equal(i32f32_ln(B(2), &r), FX_EOVERFLOW);
    assert_int_equal(i32f32_ln(B(3), &r), FX_OK);
    assert_int_equal(i32f32_safe_ln(B(1)).bits, 0);
    /* log2(3): integer part 1, then squaring bits of 1.5: 1.5^2 = 2.25 -> bit 1, 1.125 ... */
    assert_int_equal(i32f32_log2(i32f32_from_i32(3), &r), FX_OK);
    assert_true(r.bits > ONE + ONE / 2 && r.bits < ONE + ONE * 6 / 10); /* log2 3 = 1.58496 */
    /* ln(1/0.9 - 1) ~ -2.1972 (the logistic parameter of math_vectors §11 edge case 2). */
    i32f32 ninth = {0};
    assert_int_equal(i32f32_sat_div(B(ONE), i32f32_from_double(0.9), &ninth), FX_OK);
    assert_int_equal(i32f32_ln(i32f32_sat_sub(ninth, B(ONE)), &r), FX_OK);
    assert_true(r.bits < -(int64_t)(2.1962 * 4294967296.0) && r.bits > -(int64_t)(2.1982 * 4294967296.0));
}

/* math_vectors.md §2: the EMA coefficient and the u64 normalisation (I64F64). */
static void test_i64f64_normalisation(void **state)
{
    (void)state;
    i64f64 m;
    i32f32 m32;
    assert_int_equal(i64f64_checked_div(i64f64_from_u64(900000), i64f64_from_u64(1000000), &m), FX_OK);
    assert_int_equal(i64f64_to_i32f32(m, &m32), FX_OK);
    assert_int_equal(i32f32_sat_sub(B(ONE), m32).bits, 429496730);
    i64f64 mx = i32f32_to_i64f64(i32f32_max());
    assert_int_equal(i64f64_checked_div(mx, mx, &m), FX_OK);
    assert_int_equal(i64f64_to_i32f32(m, &m32), FX_OK);
    assert_int_equal(i32f32_sat_sub(B(ONE), m32).bits, 0);

    const uint64_t max = 21000000000000000ull;
    static const struct { uint64_t num; fx_i128 q64; int64_t q32; } t[] = {
        {1, 878, 0},
        {4889444, 4294967720, 1},
        {10500000000000000ull, (fx_i128)1 << 63, ONE / 2},
        {21000000000000000ull, (fx_i128)1 << 64, ONE},
    };
    for (size_t i = 0; i < 4; i++) {
        assert_int_equal(i64f64_checked_div(i64f64_from_u64(t[i].num), i64f64_from_u64(max), &m), FX_OK);
        assert_true(m.bits == t[i].q64);
        assert_int_equal(i64f64_to_i32f32(m, &m32), FX_OK);
        assert_int_equal(m32.bits, t[i].q32);
    }
}

/* math_vectors.md §1 conversions, §2 test_math_fixed_overflow. */
static void test_conversions(void **state)
{
    (void)state;
    uint16_t u16;
    uint64_t u64;
    i32f32 r;
    const int32_t ids[3] = {0, 32767, 65535};
    for (int i = 0; i < 3; i++) {
        assert_int_equal(i32f32_to_u16(i32f32_from_i32(ids[i]), &u16), FX_OK);
        assert_int_equal(u16, ids[i]);
        assert_int_equal(i32f32_from_u16((uint16_t)ids[i]).bits, (int64_t)ids[i] << 32);
    }
    assert_int_equal(i32f32_from_int(UINT32_MAX, &r), FX_EOVERFLOW);
    assert_int_equal(i32f32_from_int(INT32_MAX, &r), FX_OK);
    assert_int_equal(i32f32_to_u64(B(0), &u64), FX_OK);
    assert_int_equal(u64, 0);
    assert_int_equal(i32f32_to_u64(i32f32_from_i32(-1), &u64), FX_EOVERFLOW);
    assert_int_equal(i32f32_to_u64(i32f32_max(), &u64), FX_OK);
    assert_int_equal(u64, 2147483647);
    assert_int_equal(i32f32_to_u16(i32f32_from_i32(65536), &u16), FX_EOVERFLOW);
    assert_int_equal(i32f32_to_u16_wrap(i32f32_from_i32(65536)), 0);

    const int64_t ids64[3] = {0, INT64_MAX / 2, INT64_MAX};
    for (int i = 0; i < 3; i++) {
        i64f64 v;
        assert_int_equal(i64f64_from_int(ids64[i], &v), FX_OK);
        assert_int_equal(i64f64_to_u64(v, &u64), FX_OK);
        assert_true(u64 == (uint64_t)ids64[i]);
    }
    i64f64 neg1;
    assert_int_equal(i64f64_from_int(-1, &neg1), FX_OK);
    assert_int_equal(i64f64_to_u64(neg1, &u64), FX_EOVERFLOW);

    i64f64 v;
    assert_int_equal(i64f64_from_int(2147483647, &v), FX_OK);
    assert_int_equal(i64f64_to_i32f32(v, &r), FX_OK);
    assert_int_equal(r.bits, (int64_t)2147483647 << 32);
    assert_int_equal(i64f64_from_int(INT32_MIN, &v), FX_OK);
    assert_int_equal(i64f64_to_i32f32(v, &r), FX_OK);
    assert_int_equal(r.bits, (int64_t)INT32_MIN * ONE);
    assert_int_equal(i64f64_from_int(4294967295, &v), FX_OK);
    assert_int_equal(i64f64_to_i32f32(v, &r), FX_EOVERFLOW);
    assert_int_equal(i64f64_from_int(INT64_MAX, &v), FX_OK);
    assert_int_equal(i64f64_to_i32f32(v, &r), FX_EOVERFLOW);

    assert_int_equal(i32f32_proportion_to_u16(B(0), &u16), FX_OK);
    assert_int_equal(u16, 0);
    assert_int_equal(i32f32_proportion_to_u16(B(ONE), &u16), FX_OK);
    assert_int_equal(u16, 65535);
    assert_int_equal(i32f32_proportion_to_u16(i32f32_from_i32(65535), &u16), FX_EOVERFLOW);
    /* ⌊x·65535/2^32⌋: 0.5 -> 32767 */
    assert_int_equal(i32f32_proportion_to_u16(B(ONE / 2), &u16), FX_OK);
    assert_int_equal(u16, 32767);

    /* test_math_fixed_overflow: I96F32(I32F32::MAX)·I96F32(u64::MAX) fits, and in I110F18. */
    i96f32 p96;
    assert_int_equal(i96f32_checked_mul(i32f32_to_i96f32(i32f32_max()), i96f32_from_u64(UINT64_MAX), &p96), FX_OK);
    assert_true(p96.bits == (fx_i128)INT64_MAX * (fx_i128)UINT64_MAX);
    i110f18 a110 = i110f18_from_bits((fx_i128)INT64_MAX >> 14), p110; /* I32F32::MAX in 18 bits */
    assert_int_equal(i110f18_checked_mul(a110, i110f18_from_u64(UINT64_MAX), &p110), FX_OK);
    assert_true(p110.bits == a110.bits * (fx_i128)UINT64_MAX);
    assert_int_equal(i96f32_to_u64(i96f32_from_u64(UINT64_MAX), &u64), FX_OK);
    assert_true(u64 == UINT64_MAX);
}

/* Multiplication floors (toward -inf), division truncates (toward zero). */
static void test_rounding_directions(void **state)
{
    (void)state;
    i32f32 r;
    assert_int_equal(i32f32_sat_mul(B(-1), B(ONE / 2)).bits, -1);  /* floor(-0.5) */
    assert_int_equal(i32f32_sat_mul(B(1), B(ONE / 2)).bits, 0);    /* floor(0.5) */
    assert_int_equal(i32f32_sat_div(B(-1), i32f32_from_i32(2), &r), FX_OK);
    assert_int_equal(r.bits, 0);                                    /* trunc(-0.5) */
    assert_int_equal(i32f32_sat_div(B(-3), i32f32_from_i32(2), &r), FX_OK);
    assert_int_equal(r.bits, -1);
    assert_int_equal(i32f32_sat_div(B(ONE), i32f32_from_i32(3), &r), FX_OK);
    assert_int_equal(r.bits, 1431655765);                           /* math_vectors §5 vecdiv */

    i64f64 q;
    assert_int_equal(i64f64_sat_div(i64f64_from_bits(-1), i64f64_from_u64(2), &q), FX_OK);
    assert_true(q.bits == 0);
    assert_true(i64f64_sat_mul(i64f64_from_bits(-1), i64f64_from_bits((fx_i128)1 << 63)).bits == -1);
    assert_true(i64f64_sat_mul(i64f64_from_bits(1), i64f64_from_bits((fx_i128)1 << 63)).bits == 0);
    i96f32 q96;
    assert_int_equal(i96f32_sat_div(i96f32_from_bits(-3), i96f32_from_u64(2), &q96), FX_OK);
    assert_true(q96.bits == -1);
    i110f18 q110;
    assert_int_equal(i110f18_sat_div(i110f18_from_bits(7), i110f18_from_bits(-2), &q110), FX_OK);
    assert_true(q110.bits == -(7 << 18) / 2);
}

/* Saturation with the chain's sign rules (yuma-epoch.md §1.3-1.4). */
static void test_saturation_corners(void **state)
{
    (void)state;
    i32f32 r;
    const i32f32 two = i32f32_from_i32(2), mtwo = i32f32_from_i32(-2);
    assert_int_equal(i32f32_sat_mul(i32f32_max(), two).bits, INT64_MAX);
    assert_int_equal(i32f32_sat_mul(i32f32_max(), mtwo).bits, INT64_MIN);
    assert_int_equal(i32f32_sat_mul(i32f32_min(), mtwo).bits, INT64_MAX);
    assert_int_equal(i32f32_sat_mul(i32f32_min(), i32f32_min()).bits, INT64_MAX);
    assert_int_equal(i32f32_checked_mul(i32f32_max(), two, &r), FX_EOVERFLOW);
    assert_int_equal(i32f32_sat_add(i32f32_max(), B(1)).bits, INT64_MAX);
    assert_int_equal(i32f32_sat_sub(i32f32_min(), B(1)).bits, INT64_MIN);
    assert_int_equal(i32f32_sat_neg(i32f32_min()).bits, INT64_MAX);
    assert_int_equal(i32f32_checked_add(i32f32_max(), B(1), &r), FX_EOVERFLOW);
    assert_int_equal(i32f32_wrap_add(i32f32_max(), B(1)).bits, INT64_MIN);
    /* division overflow: MIN iff exactly one operand is negative */
    assert_int_equal(i32f32_sat_div(i32f32_max(), B(1), &r), FX_OK);
    assert_int_equal(r.bits, INT64_MAX);
    assert_int_equal(i32f32_sat_div(i32f32_max(), B(-1), &r), FX_OK);
    assert_int_equal(r.bits, INT64_MIN);
    assert_int_equal(i32f32_sat_div(i32f32_min(), B(-1), &r), FX_OK);
    assert_int_equal(r.bits, INT64_MAX);
    assert_int_equal(i32f32_checked_div(B(ONE - 1), B(1), &r), FX_EOVERFLOW); /* fast path too */
    assert_int_equal(i32f32_safe_div(i32f32_max(), B(1)).bits, 0);

    /* 128-bit types, same rules */
    const fx_i128 MAX = FX_I128_MAX, MIN = FX_I128_MIN;
    assert_true(i64f64_sat_mul(i64f64_from_bits(MAX), i64f64_from_u64(2)).bits == MAX);
    assert_true(i64f64_sat_mul(i64f64_from_bits(MAX), i64f64_from_bits(-((fx_i128)2 << 64))).bits == MIN);
    assert_true(i64f64_sat_mul(i64f64_from_bits(MIN), i64f64_from_bits(MIN)).bits == MAX);
    assert_true(i96f32_sat_mul(i96f32_from_bits(MIN), i96f32_from_bits(-((fx_i128)2 << 32))).bits == MAX);
    i64f64 q;
    assert_int_equal(i64f64_sat_div(i64f64_from_bits(MAX), i64f64_from_bits(1), &q), FX_OK);
    assert_true(q.bits == MAX);
    assert_int_equal(i64f64_sat_div(i64f64_from_bits(MAX), i64f64_from_bits(-1), &q), FX_OK);
    assert_true(q.bits == MIN);
    assert_int_equal(i64f64_checked_div(i64f64_from_bits(MAX), i64f64_from_bits(1), &q), FX_EOVERFLOW);
    assert_true(i64f64_sat_add(i64f64_from_bits(MAX), i64f64_from_bits(1)).bits == MAX);
    assert_true(i64f64_sat_sub(i64f64_from_bits(MIN), i64f64_from_bits(1)).bits == MIN);
    i96f32 x96;
    assert_int_equal(i96f32_from_int(((fx_i128)1 << 95) - 1, &x96), FX_OK);
    assert_int_equal(i96f32_from_int((fx_i128)1 << 95, &x96), FX_EOVERFLOW);
}

static void test_division_by_zero(void **state)
{
    (void)state;
    i32f32 r = B(12345);
    assert_int_equal(i32f32_checked_div(B(ONE), B(0), &r), FX_EDIVZERO);
    assert_int_equal(i32f32_sat_div(B(ONE), B(0), &r), FX_EDIVZERO);
    assert_int_equal(r.bits, 12345); /* untouched */
    assert_int_equal(i32f32_safe_div(B(ONE), B(0)).bits, 0);
    i64f64 q;
    i96f32 q96;
    i110f18 q110;
    assert_int_equal(i64f64_checked_div(i64f64_one(), i64f64_from_bits(0), &q), FX_EDIVZERO);
    assert_int_equal(i64f64_sat_div(i64f64_one(), i64f64_from_bits(0), &q), FX_EDIVZERO);
    assert_int_equal(i96f32_sat_div(i96f32_one(), i96f32_from_bits(0), &q96), FX_EDIVZERO);
    assert_int_equal(i110f18_sat_div(i110f18_one(), i110f18_from_bits(0), &q110), FX_EDIVZERO);
    assert_string_equal(fx_strerror(FX_EDIVZERO), "division by zero");
}

/* round: ties away from zero (yuma-epoch.md §1.6). */
static void test_round(void **state)
{
    (void)state;
    i32f32 r;
    static const struct { int64_t in, out; } t[] = {
        {5 * ONE / 2, 3 * ONE},  {-5 * ONE / 2, -3 * ONE}, {5 * ONE / 2 - 1, 2 * ONE},
        {-5 * ONE / 2 + 1, -2 * ONE}, {ONE / 2, ONE}, {-ONE / 2, -ONE}, {ONE / 2 - 1, 0},
        {0, 0}, {-1, 0}, {7 * ONE, 7 * ONE},
    };
    for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
        assert_int_equal(i32f32_round(B(t[i].in), &r), FX_OK);
        assert_int_equal(r.bits, t[i].out);
    }
    assert_int_equal(i32f32_round(i32f32_max(), &r), FX_EOVERFLOW);
}

/* The 128-bit path with F = 32 must agree with the 64-bit I32F32 path wherever
 * both fit (one definition, two implementations). Deterministic xorshift. */
static void test_wide_matches_narrow(void **state)
{
    (void)state;
    uint64_t s = 0x9e3779b97f4a7c15ull;
    for (int i = 0; i < 200000; i++) {
        s ^= s << 13; s ^= s >> 7; s ^= s << 17;
        int64_t a = (int64_t)s >> (s & 31);
        s ^= s << 13; s ^= s >> 7; s ^= s << 17;
        int64_t b = (int64_t)s >> (s & 31);
        i32f32 n1, n2;
        fx_i128 w;
        fx_status sn = i32f32_checked_mul(B(a), B(b), &n1);
        fx_status sw = fx128_checked_mul(a, b, 32, &w);
        if (sn == FX_OK) {
            assert_int_equal(sw, FX_OK);
            assert_true(w == n1.bits);
        }
        sn = i32f32_checked_div(B(a), B(b), &n2);
        sw = fx128_checked_div(a, b, 32, &w);
        if (sn == FX_OK) {
            assert_int_equal(sw, FX_OK);
            assert_true(w == n2.bits);
        }
    }
}

/* I64F64 exp (root epoch) against the same series on I32F32 where both are exact:
 * exp(0) = 1 and exp(1) = e (the I9F23 constant widened), and 1/r for negatives. */
static void test_i64f64_exp(void **state)
{
    (void)state;
    i64f64 r;
    assert_int_equal(i64f64_exp(i64f64_from_bits(0), &r), FX_OK);
    assert_true(r.bits == (fx_i128)1 << 64);
    assert_int_equal(i64f64_exp(i64f64_one(), &r), FX_OK);
    assert_true(r.bits == (fx_i128)FX_E_I9F23 << 41);
    i64f64 p, m, prod;
    assert_int_equal(i64f64_exp(i64f64_from_u64(3), &p), FX_OK);
    assert_int_equal(i64f64_exp(i64f64_from_bits(-((fx_i128)3 << 64)), &m), FX_OK);
    assert_int_equal(i64f64_checked_mul(p, m, &prod), FX_OK);
    /* e^3 * e^-3 = 1 up to the truncations of one division and one product */
    fx_i128 err = prod.bits - ((fx_i128)1 << 64);
    assert_true(err <= 0 && err > -((fx_i128)1 << 40));
    assert_true(i64f64_to_double(p) > 20.0855 && i64f64_to_double(p) < 20.0856);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_literal_table),
        cmocka_unit_test(test_exp_values),
        cmocka_unit_test(test_exp_overflow_boundary),
        cmocka_unit_test(test_exp_safe_clamps),
        cmocka_unit_test(test_sigmoid_safe),
        cmocka_unit_test(test_log2_ln),
        cmocka_unit_test(test_i64f64_normalisation),
        cmocka_unit_test(test_conversions),
        cmocka_unit_test(test_rounding_directions),
        cmocka_unit_test(test_saturation_corners),
        cmocka_unit_test(test_division_by_zero),
        cmocka_unit_test(test_round),
        cmocka_unit_test(test_wide_matches_narrow),
        cmocka_unit_test(test_i64f64_exp),
    };
    return cmocka_run_group_tests_name("fx", tests, NULL, NULL);
}
