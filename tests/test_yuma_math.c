/* test_yuma_math.c -- the epoch's primitives (yuma_math.h) against math.rs.
 *
 * Expected values are transcribed from ../shared/spec/math_vectors.md (§1,
 * §2, §4-§11: the upstream math.rs tests and the liquid-alpha helper tests,
 * with their tolerances) or follow from the definitions in yuma-epoch.md by
 * exact integer arithmetic worked out in the comment next to them. The fast
 * algorithms (division shortcuts, weighted radix select, 64-bit exp, radix
 * sort, rational quantile) are also compared with their literal definitions
 * on large seeded random samples.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "support_yuma.h"
#include "taosim/fx.h"
#include "taosim/yuma_math.h"

#define ONE I32F32_ONE_BITS
#define NEL(a) (sizeof(a) / sizeof((a)[0]))

static i32f32 B(int64_t bits) { return i32f32_from_bits(bits); }
static i32f32 F(float x) { return i32f32_from_float(x); }  /* upstream vec_to_fixed: f32 literals */
static i32f32 D(double x) { return i32f32_from_double(x); } /* upstream I32F32::from_num(f64) */
static i32f32 I(int32_t x) { return i32f32_from_i32(x); }

static const int64_t EPS4 = 429497; /* I32F32::from_num(0.0001) */
static const int64_t EPS6 = 4295;   /* I32F32::from_num(0.000001) */

static uint64_t rnd(uint64_t *g) /* splitmix64: a fixed seed, the same draws everywhere */
{
    uint64_t z = (*g += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}
static uint64_t below(uint64_t *g, uint64_t k) { return rnd(g) % k; }

static yuma_arena arena(size_t cap)
{
    yuma_arena a = {malloc(cap + 16), cap + 16, 0};
    assert_non_null(a.base);
    return a;
}

static void assert_near(i32f32 got, i32f32 want, int64_t eps)
{
    int64_t d = got.bits - want.bits;
    if (d < -eps || d > eps) fail_msg("got raw %lld, want %lld (eps %lld)", (long long)got.bits, (long long)want.bits, (long long)eps);
}

/* ---- sparse matrices from the upstream literal lists -------------------- */

typedef struct tmat {
    uint32_t off[17];
    uint16_t col[128];
    i32f32 val[128];
    ym_sparse m;
} tmat;

/* smat(v, r) / smat(v, r, T) of math_vectors.md §0: entries > 0 only. */
static void smat_raw(tmat *t, const i32f32 *v, uint32_t r, uint32_t c, bool transpose)
{
    uint32_t rows = transpose ? c : r, cols = transpose ? r : c, k = 0;
    t->off[0] = 0;
    for (uint32_t i = 0; i < rows; i++) {
        for (uint32_t j = 0; j < cols; j++) {
            i32f32 x = transpose ? v[j * c + i] : v[i * c + j];
            if (x.bits > 0) {
                t->col[k] = (uint16_t)j;
                t->val[k++] = x;
            }
        }
        t->off[i + 1] = k;
    }
    t->m = (ym_sparse){rows, t->off, t->col, t->val};
}

static void smat(tmat *t, const float *v, uint32_t len, uint32_t r, bool transpose)
{
    i32f32 x[128];
    for (uint32_t k = 0; k < len; k++) x[k] = F(v[k]);
    smat_raw(t, x, r, len / r, transpose);
}

/* A dense matrix as a sparse one with every cell present (dense tests). */
static void full_raw(tmat *t, const i32f32 *v, uint32_t r, uint32_t c)
{
    t->off[0] = 0;
    for (uint32_t i = 0; i < r; i++) {
        for (uint32_t j = 0; j < c; j++) {
            t->col[i * c + j] = (uint16_t)j;
            t->val[i * c + j] = v[i * c + j];
        }
        t->off[i + 1] = (i + 1) * c;
    }
    t->m = (ym_sparse){r, t->off, t->col, t->val};
}

static void assert_smat(const ym_sparse *got, const ym_sparse *want, int64_t eps)
{
    assert_int_equal(got->rows, want->rows);
    for (uint32_t i = 0; i <= got->rows; i++) assert_int_equal(got->off[i], want->off[i]);
    for (uint32_t k = 0; k < ym_nnz(got); k++) {
        assert_int_equal(got->col[k], want->col[k]);
        assert_near(got->val[k], want->val[k], eps);
    }
}

static const float X20[20] = {0, 1, 2, 3, 4, 0, 10, 100, 1000, 10000, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1};
static const float X42[42] = {0, 1, 0, 2,    0, 3,     4, 0, 1, 0, 2,   0, 3, 0, 1, 0, 0, 2, 0, 3, 4,
                              0, 10, 0, 100, 1000, 0, 10000, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 1};
static const float T42[42] = {0, 0.1f, 0, 0.2f, 0, 0.3f, 0.4f, 0, 0.166666f, 0, 0.333333f, 0, 0.5f, 0,
                              0.1f, 0, 0, 0.2f, 0, 0.3f, 0.4f, 0, 0.0009f, 0, 0.009f, 0.09f, 0, 0.9f,
                              0, 0, 0, 0, 0, 0, 0, 0.142857f, 0.142857f, 0.142857f, 0.142857f, 0.142857f,
                              0.142857f, 0.142857f};
static const float U42[42] = {0, 0.25f, 0, 0.5f, 0, 0.75f, 1, 0, 0.333333f, 0, 0.666666f, 0, 1, 0,
                              0.25f, 0, 0, 0.5f, 0, 0.75f, 1, 0, 0.001f, 0, 0.01f, 0.1f, 0, 1,
                              0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 1};
static const float M12[12] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12};
static const float Z12[12] = {0};

/* ---- the driver's division and product ---------------------------------- */

/* ym_div_le is div() for 0 <= num <= den (every normalisation), ym_mul_pos
 * is mul() for non-negative operands with a product below 2^95: checked
 * against fx.h on millions of random operands of every size and at ONE. */
static void test_div_le_mul_pos(void **state)
{
    (void)state;
    uint64_t g = 1;
    for (int t = 0; t < 3000000; t++) {
        int64_t den = (int64_t)(rnd(&g) >> (1 + below(&g, 63)));
        if (den <= 0) den = 1;
        int64_t num;
        switch (below(&g, 4)) {
        case 0: num = den; break;
        case 1: num = den < ONE ? den : ONE; break;
        default: num = (int64_t)below(&g, (uint64_t)den + 1); break;
        }
        i32f32 want = B(0);
        assert_int_equal(i32f32_sat_div(B(num), B(den), &want), FX_OK);
        if (ym_div_le(num, den) != want.bits)
            fail_msg("div(%lld, %lld) = %lld, fx %lld", (long long)num, (long long)den, (long long)ym_div_le(num, den),
                     (long long)want.bits);
        int64_t x = (int64_t)(rnd(&g) >> (16 + below(&g, 48))), y = (int64_t)(rnd(&g) >> (30 + below(&g, 34)));
        assert_int_equal(ym_mul_pos(x, y), i32f32_sat_mul(B(x), B(y)).bits);
    }
    assert_int_equal(ym_div_le(ONE, ONE), ONE);
    assert_int_equal(ym_div_le(ONE, ONE + 1), i32f32_from_bits(4294967295).bits);
    assert_int_equal(ym_div_le(INT64_MAX, INT64_MAX), ONE);
    assert_int_equal(ym_mul_pos(ONE, ONE), ONE);
    assert_int_equal(ym_mul_pos(2 * ONE, ONE + 1), 2 * ONE + 2);
}

/* ym_u16div: every u16 numerator against division, for divisors of every
 * size (all up to 2^12, powers of two and their neighbours, random ones up
 * to 2^32 - 1, the largest sum of 4096 u16 values). */
static void check_u16div(uint64_t d)
{
    const ym_u16div r = ym_u16div_make(d);
    for (uint64_t b = 0; b <= 65535 && b <= d; b++)
        if (ym_u16div_apply(r, b) != (int64_t)((b << 32) / d))
            fail_msg("u16div %llu / %llu", (unsigned long long)b, (unsigned long long)d);
}

static void test_u16div(void **state)
{
    (void)state;
    for (uint64_t d = 1; d <= 4096; d++) check_u16div(d);
    for (unsigned k = 12; k < 32; k++)
        for (int e = -1; e <= 1; e++) check_u16div(((uint64_t)1 << k) + (uint64_t)e);
    check_u16div(4096ull * 65535);
    check_u16div(UINT32_MAX);
    uint64_t g = 12;
    for (int t = 0; t < 2000; t++) check_u16div(1 + below(&g, UINT32_MAX));
}

/* ym_rdiv: the reciprocal quotient equals the 128-bit division
 * floor(x * 2^32 / d) for random divisors of every magnitude with x = 0, 1,
 * d - 1, d and random x <= d, and at the edges of the proof: d = 1, powers
 * of two and their neighbours (where the normalising shift changes), d near
 * 2^63 with x near d (the top of the numerator range), and every x <= d for
 * small d. */
/* A numerator 0 <= x <= d for a division test: d, d - 1, 0 or 1, near d,
 * or uniform. */
static uint64_t num_upto(uint64_t *g, uint64_t d)
{
    switch (below(g, 6)) {
    case 0: return d;
    case 1: return d - 1;
    case 2: return below(g, 2);
    case 3: return d - below(g, d < 1000 ? d + 1 : 1000);
    default: return below(g, d + 1);
    }
}

static void check_rdiv(uint64_t x, uint64_t d)
{
    const ym_rdiv r = ym_rdiv_make(d);
    const uint64_t want = (uint64_t)((((fx_u128)x) << 32) / d);
    if ((uint64_t)ym_rdiv_apply(&r, x) != want)
        fail_msg("rdiv %llu / %llu = %lld, want %llu", (unsigned long long)x, (unsigned long long)d,
                 (long long)ym_rdiv_apply(&r, x), (unsigned long long)want);
}

static void test_rdiv(void **state)
{
    (void)state;
    uint64_t g = 31;
    for (int t = 0; t < 4000000; t++) {
        uint64_t d = rnd(&g) >> (1 + below(&g, 63));
        if (d == 0) d = 1;
        check_rdiv(num_upto(&g, d), d);
    }
    for (unsigned k = 0; k < 63; k++)
        for (int e = -3; e <= 3; e++) {
            const uint64_t d = ((uint64_t)1 << k) + (uint64_t)(int64_t)e;
            if (d == 0 || d >= (uint64_t)1 << 63) continue;
            for (unsigned f = 0; f < 64; f++) {
                check_rdiv(d >> f, d);
                check_rdiv(d - (d >> f), d);
            }
        }
    const uint64_t top = ((uint64_t)1 << 63) - 1;
    for (uint64_t x = top - 200000; x <= top; x++) check_rdiv(x, top);
    for (uint64_t x = 0; x < 200000; x++) check_rdiv(x, top - x);
    for (uint64_t d = 1; d <= 1500; d++)
        for (uint64_t x = 0; x <= d; x++) check_rdiv(x, d);
    check_rdiv(ONE, ONE);
    check_rdiv(ONE, ONE + 1);
    check_rdiv(1, 1);
}

/* ym_qd: floor(x * 2^32 / d) for 0 <= x <= d <= 2^32 against the 128-bit
 * division, on random divisors of every size with x = 0, 1, d - 1, d and
 * random x, at the edges of the proof (d = 1, powers of two and their
 * neighbours where the normalising shift changes, d = 2^32 - 1 and 2^32),
 * and every x for small d; the lanes (YM_QDIV, here the portable build)
 * against the scalar form. */
static void check_qd(uint64_t x, uint64_t d)
{
    const ym_qd r = ym_qd_make(d);
    const uint64_t want = (uint64_t)((((fx_u128)x) << 32) / d), got = ym_qd_apply(x, r.sh, r.v, r.dn);
    if (got != want)
        fail_msg("qd %llu / %llu = %llu, want %llu", (unsigned long long)x, (unsigned long long)d,
                 (unsigned long long)got, (unsigned long long)want);
}

static void test_qd(void **state)
{
    (void)state;
    uint64_t g = 32;
    for (int t = 0; t < 4000000; t++) {
        uint64_t d = below(&g, 100) == 0 ? (uint64_t)1 << 32 : rnd(&g) >> (32 + below(&g, 32));
        if (d == 0) d = 1;
        check_qd(num_upto(&g, d), d);
    }
    for (unsigned k = 0; k <= 32; k++)
        for (int e = -3; e <= 3; e++) {
            const uint64_t d = ((uint64_t)1 << k) + (uint64_t)(int64_t)e;
            if (d == 0 || d > (uint64_t)1 << 32) continue;
            for (unsigned f = 0; f < 64; f++) {
                check_qd(d >> f, d);
                check_qd(d - (d >> f), d);
            }
        }
    const uint64_t top = (uint64_t)1 << 32;
    for (uint64_t x = top - 100000; x <= top; x++) {
        check_qd(x, top);
        check_qd(x - 1, top - 1);
        check_qd(x - 100000, x);
    }
    for (uint64_t d = 1; d <= 1500; d++)
        for (uint64_t x = 0; x <= d; x++) check_qd(x, d);
    /* lanes: four independent divisions, and mul() of proportions */
    for (int t = 0; t < 200000; t++) {
        uint64_t x[YM_LANES], sh[YM_LANES], v[YM_LANES], dn[YM_LANES], a[YM_LANES], b[YM_LANES], q[YM_LANES],
            p[YM_LANES];
        for (int l = 0; l < YM_LANES; l++) {
            uint64_t d = below(&g, 8) == 0 ? top - below(&g, 2) : 1 + (rnd(&g) >> (32 + below(&g, 32)));
            x[l] = below(&g, 4) == 0 ? d : below(&g, d + 1);
            const ym_qd r = ym_qd_make(d);
            sh[l] = r.sh;
            v[l] = r.v;
            dn[l] = r.dn;
            a[l] = below(&g, 6) == 0 ? (uint64_t)ONE : below(&g, (uint64_t)ONE + 1);
            b[l] = below(&g, 6) == 0 ? (uint64_t)ONE : below(&g, (uint64_t)ONE + 1);
        }
        YM_ST(q, YM_QDIV((ym_v4)YM_LD(x), (ym_v4)YM_LD(sh), (ym_v4)YM_LD(v), (ym_v4)YM_LD(dn)));
        YM_ST(p, YM_MUL01((ym_v4)YM_LD(a), (ym_v4)YM_LD(b)));
        for (int l = 0; l < YM_LANES; l++) {
            assert_int_equal(q[l], ym_qd_apply(x[l], sh[l], v[l], dn[l]));
            assert_int_equal(p[l], (uint64_t)ym_mul_pos((int64_t)a[l], (int64_t)b[l]));
        }
    }
}

/* YM_QDIVW: floor(x * 2^32 / d) for x <= d < 2^46 in lanes, against the
 * 128-bit division: random divisors of every size, the shifted divisor at
 * both ends of [2^31, 2^32) with the dropped bits all 0 or all 1 (the
 * estimate 2 off either way), numerators at 0, d and the ends of their
 * shifted classes. */
static void test_qdw(void **state)
{
    (void)state;
    uint64_t g = 46;
    static uint64_t sh[YM_LANES], v[YM_LANES], dn[YM_LANES], k[YM_LANES], dd[YM_LANES];
    ym_qd_cols cols = {sh, v, dn};
    for (int t = 0; t < 1000000; t++) {
        uint64_t x[YM_LANES], q[YM_LANES];
        for (uint32_t l = 0; l < YM_LANES; l++) {
            uint64_t d;
            const unsigned kind = (unsigned)below(&g, 4);
            if (kind == 0) { /* random size */
                d = rnd(&g) >> (18 + below(&g, 46));
            } else { /* d' at an end of [2^31, 2^32), the low k bits all 0, all 1 or random */
                const unsigned s = 1 + (unsigned)below(&g, 14);
                const uint64_t hi = below(&g, 2) ? ((uint64_t)1 << 31) + below(&g, 3) : ((uint64_t)1 << 32) - 1 - below(&g, 3);
                const uint64_t lo = kind == 1 ? 0 : kind == 2 ? ((uint64_t)1 << s) - 1 : below(&g, (uint64_t)1 << s);
                d = hi << s | lo;
            }
            if (d == 0) d = 1;
            const unsigned s = 64u - (unsigned)__builtin_clzll(d) > 32 ? 64u - (unsigned)__builtin_clzll(d) - 32 : 0;
            const uint64_t xs = (d >> s) - below(&g, 3); /* a shifted numerator at the top */
            switch (below(&g, 6)) {
            case 0: x[l] = 0; break;
            case 1: x[l] = d; break;
            case 2: x[l] = xs << s; break;                               /* the low bits 0 */
            case 3: x[l] = xs << s | (((uint64_t)1 << s) - 1); break;   /* the low bits 1 */
            default: x[l] = below(&g, d + 1); break;
            }
            if (x[l] > d) x[l] = d;
            ym_qdw_set(&cols, k, dd, l, d);
        }
        YM_ST(q, YM_QDIVW((ym_v4)YM_LD(x), (ym_v4)YM_LD(sh), (ym_v4)YM_LD(v), (ym_v4)YM_LD(dn), (ym_v4)YM_LD(k),
                          (ym_v4)YM_LD(dd)));
        for (uint32_t l = 0; l < YM_LANES; l++) {
            const uint64_t want = (uint64_t)(((fx_u128)x[l] << 32) / dd[l]);
            if (q[l] != want)
                fail_msg("floor(%llu * 2^32 / %llu): got %llu, want %llu", (unsigned long long)x[l],
                         (unsigned long long)dd[l], (unsigned long long)q[l], (unsigned long long)want);
        }
    }
}

/* ym_div_all is div() element-wise for every sign and size. */
static void test_div_all(void **state)
{
    (void)state;
    uint64_t g = 2;
    for (int t = 0; t < 20000; t++) {
        i32f32 x[9], y[9];
        size_t n = below(&g, 9);
        int64_t s = (int64_t)rnd(&g) >> below(&g, 64);
        if (s == 0) s = 1;
        for (size_t i = 0; i < n; i++) x[i] = y[i] = B((int64_t)rnd(&g) >> below(&g, 64));
        ym_div_all(x, n, B(s));
        for (size_t i = 0; i < n; i++) {
            i32f32 want = B(0);
            assert_int_equal(i32f32_sat_div(y[i], B(s), &want), FX_OK);
            assert_int_equal(x[i].bits, want.bits);
        }
    }
}

/* ---- §1 u16 conversions and max-upscaling ------------------------------- */

static void test_vec_max_upscale_to_u16(void **state)
{
    (void)state;
    static const struct {
        size_t n;
        float in[10];
        uint16_t out[10];
    } c[] = {
        {0, {0}, {0}},
        {1, {0}, {0}},
        {2, {0, 0}, {0, 0}},
        {2, {0, 1}, {0, 65535}},
        {2, {0, 0.000000001f}, {0, 65535}},
        {3, {0, 0.000016f, 1}, {0, 1, 65535}},
        {2, {0.000000001f, 0.000000001f}, {65535, 65535}},
        {10, {0.000001f, 0.000006f, 0.000007f, 0.0001f, 0.001f, 0.01f, 0.1f, 0.2f, 0.3f, 0.4f},
         {0, 1, 1, 16, 164, 1638, 16384, 32768, 49151, 65535}},
        {3, {0, 1, 65535}, {0, 1, 65535}},
        {6, {0, 0.5f, 1, 1.5f, 2, 32768}, {0, 1, 2, 3, 4, 65535}},
        {7, {0, 0.5f, 1, 1.5f, 2, 32768, 32769}, {0, 1, 2, 3, 4, 65533, 65535}},
    };
    for (size_t t = 0; t < NEL(c); t++) {
        i32f32 v[10];
        uint16_t out[10] = {0};
        for (size_t i = 0; i < c[t].n; i++) v[i] = F(c[t].in[i]);
        ym_vec_max_upscale_to_u16(v, c[t].n, out);
        for (size_t i = 0; i < c[t].n; i++) assert_int_equal(out[i], c[t].out[i]);
    }
    const int32_t singles[4] = {16384, 32768, 32769, 65535};
    for (int k = 0; k < 4; k++) {
        i32f32 v = I(singles[k]);
        uint16_t o = 0;
        ym_vec_max_upscale_to_u16(&v, 1, &o);
        assert_int_equal(o, 65535);
    }
    i32f32 mx = i32f32_max();
    uint16_t o = 0;
    ym_vec_max_upscale_to_u16(&mx, 1, &o);
    assert_int_equal(o, 65535);
    i32f32 v5[5] = {I(0), I(1), I(32768), I(32769), i32f32_max()};
    uint16_t o5[5];
    ym_vec_max_upscale_to_u16(v5, 5, o5);
    const uint16_t w5[5] = {0, 0, 1, 1, 65535};
    for (int i = 0; i < 5; i++) assert_int_equal(o5[i], w5[i]);
}

static void test_vec_u16_max_upscale_to_u16(void **state)
{
    (void)state;
    static const struct {
        size_t n;
        uint16_t in[7], out[7];
    } c[] = {
        {0, {0}, {0}},
        {1, {0}, {0}},
        {2, {0, 0}, {0, 0}},
        {1, {1}, {65535}},
        {2, {0, 1}, {0, 65535}},
        {1, {65534}, {65535}},
        {1, {65535}, {65535}},
        {2, {65535, 65535}, {65535, 65535}},
        {3, {0, 1, 65534}, {0, 1, 65535}},
        {7, {0, 1, 2, 3, 4, 65533, 65535}, {0, 1, 2, 3, 4, 65533, 65535}},
        /* set_weights examples of yuma-epoch.md §2.3 */
        {4, {16383, 32767, 49149, 65535}, {16383, 32767, 49149, 65535}},
        {2, {43690, 21845}, {65535, 32768}},
        {2, {32767, 32767}, {65535, 65535}},
    };
    for (size_t t = 0; t < NEL(c); t++) {
        uint16_t out[7] = {0};
        ym_vec_u16_max_upscale_to_u16(c[t].in, c[t].n, out);
        for (size_t i = 0; i < c[t].n; i++) assert_int_equal(out[i], c[t].out[i]);
    }
}

static void test_proportion_to_u16(void **state)
{
    (void)state;
    assert_int_equal(ym_proportion_to_u16(B(0)), 0); /* test_fixed_proportion_to_u16 */
    assert_int_equal(ym_proportion_to_u16(B(ONE)), 65535);
    /* floor(x*65535): 0.5 -> 32767 (32767.5), the stake weight 1/10 -> 6553 (A.2) */
    assert_int_equal(ym_proportion_to_u16(B(ONE / 2)), 32767);
    assert_int_equal(ym_proportion_to_u16(B(429496729)), 6553);
    /* the 64-bit path in [0, 1] and the release wrap outside: the literal
     * saturating product, floor, low 16 bits */
    uint64_t g = 404;
    for (int t = 0; t < 1000000; t++) {
        const int64_t x = t < 4 ? (int64_t[]){ONE - 1, ONE + 1, -1, 2 * ONE}[t]
                          : below(&g, 8) ? (int64_t)below(&g, (uint64_t)ONE + 1)
                                         : (int64_t)(rnd(&g) >> below(&g, 40));
        assert_int_equal(ym_proportion_to_u16(B(x)), i32f32_to_u16_wrap(i32f32_sat_mul(B(x), i32f32_from_u16(65535))));
    }
}

/* ---- §2 fixed-point normalisation of stakes and the EMA coefficient ------ */

/* test_math_u64_normalization: I64F64 quotient raws by 21e15, and the
 * closed form floor(S*2^32/T) that yuma.c uses equals their I32F32 floor. */
static void test_u64_normalization(void **state)
{
    (void)state;
    const uint64_t T = 21000000000000000ull;
    const struct {
        uint64_t num;
        fx_i128 raw64;
        int64_t raw32;
    } c[] = {
        {1, 878, 0},
        {4889444, 4294967720, 1},
        {10500000000000000ull, (fx_i128)1 << 63, ONE / 2},
        {21000000000000000ull, (fx_i128)1 << 64, ONE},
    };
    for (size_t k = 0; k < NEL(c); k++) {
        i64f64 q;
        assert_int_equal(i64f64_sat_div(i64f64_from_u64(c[k].num), i64f64_from_u64(T), &q), FX_OK);
        assert_true(q.bits == c[k].raw64);
        i32f32 q32 = B(0);
        assert_int_equal(i64f64_to_i32f32(q, &q32), FX_OK);
        assert_int_equal(q32.bits, c[k].raw32);
        assert_int_equal((int64_t)((((fx_u128)c[k].num) << 32) / T), c[k].raw32); /* yuma.c's closed form */
    }
    /* The same identity on random stakes: sums up to 2^63 - 1. */
    uint64_t g = 3;
    for (int t = 0; t < 200000; t++) {
        uint64_t tot = rnd(&g) >> (1 + below(&g, 63));
        if (tot == 0) continue;
        uint64_t s = below(&g, tot + 1);
        i64f64 q;
        i32f32 q32 = B(0);
        assert_int_equal(i64f64_sat_div(i64f64_from_u64(s), i64f64_from_u64(tot), &q), FX_OK);
        assert_int_equal(i64f64_to_i32f32(q, &q32), FX_OK);
        assert_int_equal((int64_t)((((fx_u128)s) << 32) / tot), q32.bits);
    }
    /* test_math_fixed_overflow: α = 1 - I32F32(I64F64(900000)/I64F64(10^6)) = I32F32(0.1 f64) */
    i64f64 m;
    i32f32 m32;
    assert_int_equal(i64f64_sat_div(i64f64_from_u64(900000), i64f64_from_u64(1000000), &m), FX_OK);
    assert_int_equal(i64f64_to_i32f32(m, &m32), FX_OK);
    assert_int_equal(i32f32_sat_sub(i32f32_one(), m32).bits, D(0.1).bits);
    assert_int_equal(D(0.1).bits, 429496730);
}

/* ---- §4 selection and sums ---------------------------------------------- */

static void test_is_topk(void **state)
{
    (void)state;
    yuma_arena a = arena(ym_topk_need(16));
    bool out[10];
    assert_true(ym_is_topk(NULL, 0, 5, out, &a));
    i32f32 v[10];
    for (int i = 0; i < 10; i++) v[i] = I(i);
    const struct {
        size_t k;
        const char *want;
    } c1[] = {{0, "FFFFFFFFFF"}, {5, "FFFFFTTTTT"}, {10, "TTTTTTTTTT"}, {100, "TTTTTTTTTT"}};
    for (size_t t = 0; t < NEL(c1); t++) {
        assert_true(ym_is_topk(v, 10, c1[t].k, out, &a));
        for (int i = 0; i < 10; i++) assert_int_equal(out[i], c1[t].want[i] == 'T');
    }
    static const struct {
        float v[10];
        const char *want;
    } c2[] = {
        {{9, 8, 7, 6, 5, 4, 3, 2, 1, 0}, "TTTTTFFFFF"},
        {{9, 0, 8, 1, 7, 2, 6, 3, 5, 4}, "TFTFTFTFTF"},
        {{0.9f, 0, 0.8f, 0.1f, 0.7f, 0.2f, 0.6f, 0.3f, 0.5f, 0.4f}, "TFTFTFTFTF"},
        {{0, 1, 2, 3, 4, 5, 5, 5, 5, 6}, "FFFFFTTTTT"},
    };
    for (size_t t = 0; t < NEL(c2); t++) {
        for (int i = 0; i < 10; i++) v[i] = F(c2[t].v[i]);
        assert_true(ym_is_topk(v, 10, 5, out, &a));
        for (int i = 0; i < 10; i++) assert_int_equal(out[i], c2[t].want[i] == 'T');
    }
    /* ties: the stable sort puts the lower uid first, so it loses (§3.13) */
    i32f32 tie[4] = {I(1), I(1), I(1), I(1)};
    assert_true(ym_is_topk(tie, 4, 2, out, &a));
    assert_false(out[0]);
    assert_false(out[1]);
    assert_true(out[2]);
    assert_true(out[3]);
    /* random: the rank rule of the definition */
    uint64_t g = 4;
    for (int t = 0; t < 3000; t++) {
        size_t n = 1 + below(&g, 16), k = below(&g, 18);
        i32f32 x[16];
        bool o[16];
        for (size_t i = 0; i < n; i++) x[i] = B((int64_t)below(&g, 4) - 1 + (below(&g, 2) ? INT64_MIN / 2 : 0));
        assert_true(ym_is_topk(x, n, k, o, &a));
        for (size_t i = 0; i < n; i++) {
            size_t rank = 0;
            for (size_t j = 0; j < n; j++) rank += x[j].bits < x[i].bits || (x[j].bits == x[i].bits && j < i);
            assert_int_equal(o[i], n < k || rank + k >= n);
        }
    }
    /* large n with heavy ties and values of every size (the radix select
     * from the highest differing bit, several levels, equal runs) */
    static i32f32 xl[600];
    static bool ol[600];
    yuma_arena big = arena(ym_topk_need(600));
    for (int t = 0; t < 400; t++) {
        size_t n = 1 + below(&g, 600), k = below(&g, n + 2);
        const uint64_t span = (uint64_t)1 << below(&g, 64), vals = 1 + below(&g, below(&g, 2) ? 4 : 1000);
        for (size_t i = 0; i < n; i++) /* any bits, shifted into negative values some of the time (modulo 2^64) */
            xl[i] = B((int64_t)(below(&g, vals) * (span / vals + 1) - (below(&g, 3) ? 0 : span / 2)));
        assert_true(ym_is_topk(xl, n, k, ol, &big));
        assert_int_equal(big.used, 0);
        for (size_t i = 0; i < n; i++) {
            size_t rank = 0;
            for (size_t j = 0; j < n; j++) rank += xl[j].bits < xl[i].bits || (xl[j].bits == xl[i].bits && j < i);
            assert_int_equal(ol[i], n < k || rank + k >= n);
        }
    }
    free(big.base);
    yuma_arena tiny = {a.base, 8, 0};
    assert_false(ym_is_topk(v, 10, 5, out, &tiny));
    free(a.base);
}

static void test_sum(void **state)
{
    (void)state;
    assert_int_equal(ym_sum(NULL, 0).bits, 0);
    i32f32 a[3] = {D(1.0), D(10.0), D(30.0)}, b[3] = {D(-1.0), D(10.0), D(30.0)};
    assert_int_equal(ym_sum(a, 3).bits, 41 * ONE);
    assert_int_equal(ym_sum(b, 3).bits, 39 * ONE);
}

/* Radix sort against insertion sort, with payload stability. */
static void test_radix_sort(void **state)
{
    (void)state;
    uint64_t g = 5;
    static uint64_t k[600], tk[600], ref[600];
    static uint32_t p[600], tp[600];
    for (int t = 0; t < 500; t++) {
        size_t n = below(&g, 600);
        int shift = (int)below(&g, 64);
        for (size_t i = 0; i < n; i++) {
            k[i] = ref[i] = rnd(&g) >> shift;
            p[i] = (uint32_t)i;
        }
        ym_radix_sort_u64(k, p, n, tk, tp);
        for (size_t i = 1; i < n; i++) {
            assert_true(k[i - 1] <= k[i]);
            if (k[i - 1] == k[i]) assert_true(p[i - 1] < p[i]);
        }
        for (size_t i = 0; i < n; i++) assert_true(ref[p[i]] == k[i]);
    }
}

/* ---- §5 normalisation ---------------------------------------------------- */

static void test_normalize(void **state)
{
    (void)state;
    ym_normalize(NULL, 0);
    i32f32 x[3] = {D(1.0), D(10.0), D(30.0)};
    ym_normalize(x, 3);
    assert_near(x[0], D(0.0243902437), EPS4);
    assert_near(x[1], D(0.243902439), EPS4);
    assert_near(x[2], D(0.7317073171), EPS4);
    assert_near(ym_sum(x, 3), D(1.0), EPS4);
    /* MODEL exact raws */
    assert_int_equal(x[0].bits, 104755299);
    assert_int_equal(x[1].bits, 1047552999);
    assert_int_equal(x[2].bits, 3142658997);
    assert_int_equal(ym_sum(x, 3).bits, 4294967295);
    i32f32 y[3] = {D(-1.0), D(10.0), D(30.0)};
    ym_normalize(y, 3);
    assert_near(y[0], D(-0.0256410255), EPS4);
    assert_near(y[1], D(0.2564102563), EPS4);
    assert_near(y[2], D(0.769230769), EPS4);
    assert_int_equal(y[0].bits, -110127366);
    assert_int_equal(y[1].bits, 1101273665);
    assert_int_equal(y[2].bits, 3303820996);
    assert_int_equal(ym_sum(y, 3).bits, 4294967295);
    /* normalize_using_sum: by the given sum, unchanged for 0 */
    i32f32 z[2] = {I(1), I(3)};
    ym_normalize_using_sum(z, 2, I(0));
    assert_int_equal(z[0].bits, ONE);
    ym_normalize_using_sum(z, 2, I(4));
    assert_int_equal(z[0].bits, ONE / 4);
    assert_int_equal(z[1].bits, 3 * (ONE / 4));
}

static void test_normalize_64(void **state)
{
    (void)state;
    const fx_i128 eps = (fx_i128)1844674407370955ll; /* I64F64::from_num(0.0001) = round(0.0001*2^64) */
    const fx_i128 one64 = (fx_i128)1 << 64;
    const double want[2][3] = {{0.0243902437, 0.243902439, 0.7317073171}, {-0.0256410255, 0.2564102563, 0.769230769}};
    const int64_t in[2][3] = {{1, 10, 30}, {-1, 10, 30}};
    for (int t = 0; t < 2; t++) {
        i64f64 x[3];
        for (int i = 0; i < 3; i++) x[i] = i64f64_from_bits((fx_i128)in[t][i] * one64);
        ym_normalize_64(x, 3);
        fx_i128 s = 0;
        for (int i = 0; i < 3; i++) {
            fx_i128 w = (fx_i128)ldexp(want[t][i], 64);
            fx_i128 d = x[i].bits - w;
            assert_true(d <= eps && d >= -eps);
            s += x[i].bits;
        }
        assert_true(s - one64 <= eps && one64 - s <= eps);
    }
    /* [1,10,30]: raw floor(2^64/41) exactly */
    i64f64 x[3] = {i64f64_from_u64(1), i64f64_from_u64(10), i64f64_from_u64(30)};
    ym_normalize_64(x, 3);
    assert_true(x[0].bits == (fx_i128)(((fx_u128)1 << 64) / 41));
    ym_normalize_64(NULL, 0);
}

static void test_vecdiv(void **state)
{
    (void)state;
    ym_vecdiv(NULL, NULL, 0, NULL);
    i32f32 x[4] = {F(0), F(1), F(0), F(1)}, y[4] = {F(0), F(1), F(1), F(0)}, o[4];
    ym_vecdiv(x, y, 4, o);
    const int64_t w[4] = {0, ONE, 0, 0};
    for (int i = 0; i < 4; i++) assert_int_equal(o[i].bits, w[i]);
    i32f32 a[3] = {F(1), F(1), F(10)}, b[3] = {F(2), F(3), F(2)};
    ym_vecdiv(a, b, 3, o);
    assert_int_equal(o[0].bits, 2147483648);
    assert_int_equal(o[1].bits, 1431655765);
    assert_int_equal(o[2].bits, 21474836480);
}

static void test_row_normalize_sparse(void **state)
{
    (void)state;
    tmat m, want;
    smat(&m, X42, 42, 6, false);
    smat(&want, T42, 42, 6, false);
    ym_row_normalize_sparse(&m.m);
    assert_smat(&m.m, &want.m, EPS4);
    smat(&m, Z12, 12, 3, false);
    smat(&want, Z12, 12, 3, false);
    ym_row_normalize_sparse(&m.m);
    assert_smat(&m.m, &want.m, 0);
    /* test_math_inplace_row_normalize (dense X20 -> T20) on full rows */
    const float T20[20] = {0, 0.1f, 0.2f, 0.3f, 0.4f, 0, 0.0009f, 0.009f, 0.09f, 0.9f,
                           0, 0, 0, 0, 0, 0.2f, 0.2f, 0.2f, 0.2f, 0.2f};
    i32f32 x[20], y[20];
    for (int k = 0; k < 20; k++) {
        x[k] = F(X20[k]);
        y[k] = F(T20[k]);
    }
    full_raw(&m, x, 4, 5);
    full_raw(&want, y, 4, 5);
    ym_row_normalize_sparse(&m.m);
    assert_smat(&m.m, &want.m, EPS4);
}

static void test_col_normalize_sparse(void **state)
{
    (void)state;
    i32f32 cs[8];
    tmat m, want;
    smat(&m, X42, 42, 6, true);
    smat(&want, T42, 42, 6, true);
    ym_col_normalize_sparse(&m.m, 6, cs);
    assert_smat(&m.m, &want.m, EPS4);
    smat(&m, Z12, 12, 3, false);
    smat(&want, Z12, 12, 3, false);
    ym_col_normalize_sparse(&m.m, 6, cs);
    assert_smat(&m.m, &want.m, 0);
    ym_sparse empty = {0, m.off, m.col, m.val};
    m.off[0] = 0;
    ym_col_normalize_sparse(&empty, 0, cs);
    /* test_math_inplace_col_normalize (dense, transposed X20 -> T20) */
    const float T20[20] = {0, 0.1f, 0.2f, 0.3f, 0.4f, 0, 0.0009f, 0.009f, 0.09f, 0.9f,
                           0, 0, 0, 0, 0, 0.2f, 0.2f, 0.2f, 0.2f, 0.2f};
    i32f32 x[20], y[20];
    for (int i = 0; i < 5; i++)
        for (int j = 0; j < 4; j++) {
            x[i * 4 + j] = F(X20[j * 5 + i]);
            y[i * 4 + j] = F(T20[j * 5 + i]);
        }
    full_raw(&m, x, 5, 4);
    full_raw(&want, y, 5, 4);
    ym_col_normalize_sparse(&m.m, 4, cs);
    assert_smat(&m.m, &want.m, EPS4);
}

static void test_col_max_upscale_sparse(void **state)
{
    (void)state;
    i32f32 cm[8];
    tmat m, want;
    smat(&m, X42, 42, 6, true);
    smat(&want, U42, 42, 6, true);
    ym_col_max_upscale_sparse(&m.m, 6, cm);
    assert_smat(&m.m, &want.m, EPS4);
    smat(&m, Z12, 12, 3, false);
    smat(&want, Z12, 12, 3, false);
    ym_col_max_upscale_sparse(&m.m, 6, cm);
    assert_smat(&m.m, &want.m, 0);
    /* [[(0, 0)]] with one column stays */
    m.off[0] = 0;
    m.off[1] = 1;
    m.col[0] = 0;
    m.val[0] = B(0);
    ym_sparse one = {1, m.off, m.col, m.val};
    ym_col_max_upscale_sparse(&one, 1, cm);
    assert_int_equal(m.val[0].bits, 0);
    /* dense X20 (transposed) -> U20 */
    const float U20[20] = {0, 0.25f, 0.5f, 0.75f, 1, 0, 0.001f, 0.01f, 0.1f, 1, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1};
    i32f32 x[20], y[20];
    for (int i = 0; i < 5; i++)
        for (int j = 0; j < 4; j++) {
            x[i * 4 + j] = F(X20[j * 5 + i]);
            y[i * 4 + j] = F(U20[j * 5 + i]);
        }
    full_raw(&m, x, 5, 4);
    full_raw(&want, y, 5, 4);
    ym_col_max_upscale_sparse(&m.m, 4, cm);
    assert_smat(&m.m, &want.m, EPS4);
}

/* ---- §6 masks: the fused loader ----------------------------------------- */

static void load_ints(const float *v, uint32_t r, uint32_t c, yuma_csr *src, uint32_t *off, yuma_entry *ent)
{
    uint32_t k = 0;
    off[0] = 0;
    for (uint32_t i = 0; i < r; i++) {
        for (uint32_t j = 0; j < c; j++)
            if (v[i * c + j] > 0) ent[k++] = (yuma_entry){(uint16_t)j, (uint16_t)v[i * c + j]};
        off[i + 1] = k;
    }
    src->off = off;
    src->ent = ent;
}

static void test_masks_sparse(void **state)
{
    (void)state;
    const float S9[9] = {1, 2, 3, 4, 5, 6, 7, 8, 9};
    uint32_t off[4], stamp[4];
    yuma_entry ent[9];
    yuma_csr src;
    tmat out, want;
    out.m = (ym_sparse){3, out.off, out.col, out.val};
    /* test_math_mask_rows_sparse */
    const bool masks[3][3] = {{false, false, false}, {true, true, true}, {true, false, true}};
    const float wants[3][9] = {{1, 2, 3, 4, 5, 6, 7, 8, 9}, {0}, {0, 0, 0, 4, 5, 6, 0, 0, 0}};
    load_ints(S9, 3, 3, &src, off, ent);
    for (int t = 0; t < 3; t++) {
        assert_int_equal(ym_sparse_load(&src, 3, 3, masks[t], true, false, NULL, NULL, stamp, &out.m), YUMA_OK);
        smat(&want, wants[t], 9, 3, false);
        assert_smat(&out.m, &want.m, 0);
    }
    load_ints(Z12, 3, 3, &src, off, ent);
    assert_int_equal(ym_sparse_load(&src, 3, 3, masks[0], true, false, NULL, NULL, stamp, &out.m), YUMA_OK);
    assert_int_equal(ym_nnz(&out.m), 0);
    /* test_math_mask_diag_sparse */
    load_ints(S9, 3, 3, &src, off, ent);
    assert_int_equal(ym_sparse_load(&src, 3, 3, NULL, true, true, NULL, NULL, stamp, &out.m), YUMA_OK);
    smat(&want, (const float[9]){0, 2, 3, 4, 0, 6, 7, 8, 0}, 9, 3, false);
    assert_smat(&out.m, &want.m, 0);
    load_ints((const float[9]){1, 0, 0, 0, 5, 0, 0, 0, 9}, 3, 3, &src, off, ent);
    assert_int_equal(ym_sparse_load(&src, 3, 3, NULL, true, true, NULL, NULL, stamp, &out.m), YUMA_OK);
    assert_int_equal(ym_nnz(&out.m), 0);
    /* the outdated rule (vec_mask_sparse_matrix with updated <= registered):
     * last_update = [1, 2, 3], registration = [1, 2, 3] masks j >= i, the
     * same cells as test_math_vec_mask_sparse_matrix's f = (a <= b). */
    const uint64_t lu[3] = {1, 2, 3}, reg[3] = {1, 2, 3};
    load_ints(S9, 3, 3, &src, off, ent);
    assert_int_equal(ym_sparse_load(&src, 3, 3, NULL, true, false, lu, reg, stamp, &out.m), YUMA_OK);
    smat(&want, (const float[9]){0, 0, 0, 4, 0, 0, 7, 8, 0}, 9, 3, false);
    assert_smat(&out.m, &want.m, 0);
    /* out of range columns: dropped for weights, refused for bonds */
    load_ints(S9, 3, 3, &src, off, ent);
    assert_int_equal(ym_sparse_load(&src, 3, 2, NULL, true, false, NULL, NULL, stamp, &out.m), YUMA_OK);
    smat(&want, (const float[6]){1, 2, 4, 5, 7, 8}, 6, 3, false);
    assert_smat(&out.m, &want.m, 0);
    assert_int_equal(ym_sparse_load(&src, 3, 2, NULL, false, false, NULL, NULL, stamp, &out.m), YUMA_EINPUT);
}

/* ---- §7 products, sums, clipping ---------------------------------------- */

static void assert_vec(const i32f32 *got, const float *want, size_t n)
{
    for (size_t i = 0; i < n; i++) assert_int_equal(got[i].bits, F(want[i]).bits);
}

static void test_products(void **state)
{
    (void)state;
    const float H1[12] = {0, 2, 3, 4, 0, 6, 7, 8, 0, 10, 11, 12};
    const float x4[4] = {1, 2, 3, 4}, x3[3] = {1, 2, 3};
    i32f32 xv4[4], xv3[3], out[4];
    for (int i = 0; i < 4; i++) xv4[i] = F(x4[i]);
    for (int i = 0; i < 3; i++) xv3[i] = F(x3[i]);
    tmat m, want;
    /* test_math_row_hadamard_sparse */
    smat(&m, M12, 12, 4, false);
    ym_row_hadamard_sparse(&m.m, xv4);
    smat(&want, (const float[12]){1, 2, 3, 8, 10, 12, 21, 24, 27, 40, 44, 48}, 12, 4, false);
    assert_smat(&m.m, &want.m, 0);
    smat(&m, H1, 12, 4, false);
    ym_row_hadamard_sparse(&m.m, xv4);
    smat(&want, (const float[12]){0, 2, 3, 8, 0, 12, 21, 24, 0, 40, 44, 48}, 12, 4, false);
    assert_smat(&m.m, &want.m, 0);
    smat(&m, Z12, 12, 4, false);
    ym_row_hadamard_sparse(&m.m, xv4);
    assert_int_equal(ym_nnz(&m.m), 0);
    /* test_math_row_sum_sparse */
    const struct {
        float m[12], w[4];
    } rs[] = {
        {{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12}, {6, 15, 24, 33}},
        {{0, 2, 3, 4, 0, 6, 7, 8, 0, 10, 11, 12}, {5, 10, 15, 33}},
        {{1, 2, 3, 0, 0, 0, 7, 8, 9, 10, 11, 12}, {6, 0, 24, 33}},
        {{0}, {0, 0, 0, 0}},
    };
    for (size_t t = 0; t < NEL(rs); t++) {
        smat(&m, rs[t].m, 12, 4, false);
        ym_row_sum_sparse(&m.m, out);
        assert_vec(out, rs[t].w, 4);
    }
    /* test_math_col_sum_sparse */
    const struct {
        float m[12], w[3];
    } cs[] = {
        {{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12}, {22, 26, 30}},
        {{0, 2, 3, 4, 0, 6, 7, 8, 0, 10, 11, 12}, {21, 21, 21}},
        {{1, 0, 3, 4, 0, 6, 7, 0, 9, 10, 0, 12}, {22, 0, 30}},
        {{0}, {0, 0, 0}},
    };
    for (size_t t = 0; t < NEL(cs); t++) {
        smat(&m, cs[t].m, 12, 4, false);
        ym_col_sum_sparse(&m.m, 3, out);
        assert_vec(out, cs[t].w, 3);
    }
    /* test_math_sparse_matmul / test_math_matmul */
    const struct {
        float m[12], w[3];
    } mm[] = {
        {{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12}, {70, 80, 90}},
        {{0, 2, 3, 4, 0, 6, 7, 8, 0, 10, 11, 12}, {69, 70, 63}},
        {{0}, {0, 0, 0}},
    };
    for (size_t t = 0; t < NEL(mm); t++) {
        smat(&m, mm[t].m, 12, 4, false);
        ym_matmul_sparse(&m.m, xv4, 3, out);
        assert_vec(out, mm[t].w, 3);
    }
    /* test_math_sparse_matmul_transpose / test_math_matmul_transpose */
    const struct {
        float m[12], w[4];
    } mt[] = {
        {{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12}, {14, 32, 50, 68}},
        {{0, 2, 3, 4, 0, 6, 7, 8, 0, 10, 11, 12}, {13, 22, 23, 68}},
        {{0}, {0, 0, 0, 0}},
    };
    for (size_t t = 0; t < NEL(mt); t++) {
        smat(&m, mt[t].m, 12, 4, false);
        ym_matmul_transpose_sparse(&m.m, xv3, out);
        assert_vec(out, mt[t].w, 4);
    }
    /* test_math_matmul2 (ε 0.0001): signed weights and stakes, dense 3x3 */
    const struct {
        float w[9], x, want[3];
    } m2[] = {
        {{1, 1, 1, 1, 1, 1, 1, 1, 1}, 1, {3, 3, 3}},      {{1, 1, 1, 1, 1, 1, 1, 1, 1}, 2, {6, 6, 6}},
        {{1, 1, 1, 1, 1, 1, 1, 1, 1}, 3, {9, 9, 9}},      {{1, 1, 1, 1, 1, 1, 1, 1, 1}, -1, {-3, -3, -3}},
        {{-1, -1, -1, -1, -1, -1, -1, -1, -1}, 1, {-3, -3, -3}},
        {{-1, -1, -1, -1, -1, -1, -1, -1, -1}, 2, {-6, -6, -6}},
        {{-1, -1, -1, -1, -1, -1, -1, -1, -1}, 3, {-9, -9, -9}},
        {{-1, -1, -1, -1, -1, -1, -1, -1, -1}, -1, {3, 3, 3}},
        {{1, 1, 1, 2, 2, 2, 3, 3, 3}, 0, {0, 0, 0}},      {{1, 1, 1, 2, 2, 2, 3, 3, 3}, 2, {12, 12, 12}},
        {{1, 2, 3, 1, 2, 3, 1, 2, 3}, 0, {0, 0, 0}},      {{1, 2, 3, 1, 2, 3, 1, 2, 3}, 2, {6, 12, 18}},
    };
    for (size_t t = 0; t < NEL(m2); t++) {
        i32f32 w[9], x[3] = {F(m2[t].x), F(m2[t].x), F(m2[t].x)};
        for (int k = 0; k < 9; k++) w[k] = F(m2[t].w[k]);
        full_raw(&m, w, 3, 3);
        ym_matmul_sparse(&m.m, x, 3, out);
        for (int j = 0; j < 3; j++) assert_near(out[j], F(m2[t].want[j]), EPS4);
    }
    /* test_math_col_clip_sparse, thresholds f32[0, 5, 12] */
    const float MC[12] = {0, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12};
    i32f32 c[3] = {F(0), F(5), F(12)};
    smat(&m, MC, 12, 4, false);
    ym_col_clip_sparse(&m.m, c);
    smat(&want, (const float[12]){0, 2, 3, 0, 5, 6, 0, 5, 9, 0, 5, 12}, 12, 4, false);
    assert_smat(&m.m, &want.m, 0);
    smat(&m, (const float[12]){0, 2, 3, 4, 5, 6, 0, 0, 0, 10, 11, 12}, 12, 4, false);
    ym_col_clip_sparse(&m.m, c);
    smat(&want, (const float[12]){0, 2, 3, 0, 5, 6, 0, 0, 0, 0, 5, 12}, 12, 4, false);
    assert_smat(&m.m, &want.m, 0);
    smat(&m, Z12, 12, 4, false);
    ym_col_clip_sparse(&m.m, c);
    assert_int_equal(ym_nnz(&m.m), 0);
    /* test_math_inplace_col_clip (dense: clipped cells stay as zeros) */
    i32f32 mc[12];
    for (int k = 0; k < 12; k++) mc[k] = F(MC[k]);
    full_raw(&m, mc, 4, 3);
    ym_col_clip_sparse(&m.m, c);
    /* cells clipped to 0 leave the sparse matrix, the others keep their
     * place: the same numbers cell by cell */
    const float dense_want[12] = {0, 2, 3, 0, 5, 6, 0, 5, 9, 0, 5, 12};
    i32f32 cells[12] = {0};
    for (uint32_t i = 0; i < 4; i++)
        for (uint32_t k = m.off[i]; k < m.off[i + 1]; k++) cells[i * 3 + m.col[k]] = m.val[k];
    assert_vec(cells, dense_want, 12);
    assert_int_equal(m.off[1] - m.off[0], 3); /* (0, 0) had 0 <= c_0: kept */
    assert_int_equal(m.off[2] - m.off[1], 2); /* (1, 0) had 4 > c_0 = 0: dropped */
}

/* ---- §8 weighted median ------------------------------------------------- */

/* Both the literal partition and the radix select on one case. */
static i32f32 wmedian_both(const i32f32 *stake, const i32f32 *score, size_t m, i32f32 minority)
{
    uint32_t idx[128], scr[256];
    uint64_t key[128], tmp[128];
    int64_t st[128];
    const int64_t bias = (int64_t)1 << 40; /* the keys take scores >= 0: shift them, order kept */
    i32f32 hi = ym_sum(stake, m);
    for (size_t k = 0; k < m; k++) {
        idx[k] = (uint32_t)k;
        key[k] = ym_wm_key(score[k].bits + bias, (uint32_t)k);
        st[k] = stake[k].bits;
    }
    i32f32 lit = ym_weighted_median_literal(stake, score, idx, m, minority, B(0), hi, scr);
    i32f32 fast = ym_weighted_median_fast(key, m, st, minority, hi, tmp);
    assert_int_equal(lit.bits, m ? fast.bits - bias : fast.bits);
    return lit;
}

static void test_weighted_median_fixed(void **state)
{
    (void)state;
    const i32f32 minority = B(ONE - F(0.51f).bits); /* majority fixed(0.51) */
    assert_int_equal(minority.bits, 2104534016);
    static const struct {
        size_t n;
        float stake[10], score[10], want;
    } c[] = {
        {0, {0}, {0}, 0},
        {2, {0.49f, 0.51f}, {0.5f, 1}, 1},
        {2, {0.51f, 0.49f}, {0.5f, 1}, 0.5f},
        {3, {0.49f, 0, 0.51f}, {0.5f, 0.7f, 1}, 1},
        {3, {0.49f, 0.01f, 0.5f}, {0.5f, 0.7f, 1}, 0.7f},
        {3, {0.49f, 0.51f, 0}, {0.5f, 0.7f, 1}, 0.7f},
        {3, {0, 0.49f, 0.51f}, {0.5f, 0.7f, 1}, 1},
        {4, {0, 0.49f, 0, 0.51f}, {0.5f, 0.5f, 1, 1}, 1},
        {5, {0, 0.49f, 0, 0.51f, 0}, {0.5f, 0.5f, 1, 1, 0.5f}, 1},
        {5, {0.2f, 0.2f, 0.2f, 0.2f, 0.2f}, {0.8f, 0.2f, 1, 0.6f, 0.4f}, 0.6f},
        {10, {0.1f, 0.1f, 0.1f, 0.1f, 0.1f, 0.1f, 0.1f, 0.1f, 0.1f, 0.1f},
         {0.8f, 0.8f, 0.2f, 0.2f, 1, 1, 0.6f, 0.6f, 0.4f, 0.4f}, 0.6f},
    };
    for (size_t t = 0; t < NEL(c); t++) {
        i32f32 st[10], sc[10];
        for (size_t k = 0; k < c[t].n; k++) {
            st[k] = F(c[t].stake[k]);
            sc[k] = F(c[t].score[k]);
        }
        assert_int_equal(wmedian_both(st, sc, c[t].n, minority).bits, F(c[t].want).bits);
    }
    /* normalize(f32[0.51]) = [ONE], score f32[1] -> ONE */
    i32f32 st = F(0.51f), sc = F(1);
    ym_normalize(&st, 1);
    assert_int_equal(st.bits, ONE);
    assert_int_equal(wmedian_both(&st, &sc, 1, minority).bits, ONE);
}

/* The upstream randomised property (test_math_weighted_median, seeded here):
 * the result lies in the reference set of medians, also after permutation. */
static void test_weighted_median_property(void **state)
{
    (void)state;
    uint64_t g = 6;
    const float majorities[12] = {0, 0.0000001f, 0.25f, 0.49f, 0.49f, 0.49f, 0.5f, 0.51f, 0.51f, 0.51f, 0.9999999f, 1};
    for (int rep = 0; rep < 100; rep++) {
        for (int allow_equal = 0; allow_equal < 2; allow_equal++) {
            for (size_t mj = 0; mj < NEL(majorities); mj++) {
                const size_t n = 100;
                i32f32 stake[100], score[100];
                int64_t last = 0;
                for (size_t i = 0; i < n; i++) {
                    if (allow_equal) {
                        stake[i] = below(&g, 2) ? i32f32_one() : B(0);
                        if (below(&g, 2)) last++;
                        score[i] = I((int32_t)last);
                    } else {
                        stake[i] = i32f32_one();
                        score[i] = I((int32_t)i);
                    }
                }
                ym_normalize(stake, n);
                i32f32 total = ym_sum(stake, n);
                i32f32 minority = i32f32_sat_sub(total, F(majorities[mj]));
                if (minority.bits < 0) minority = B(0);
                /* reference set */
                int64_t medians[100];
                size_t nm = 0;
                int64_t cum = 0, mcum = -1;
                for (size_t i = 0; i < n; i++) {
                    cum += stake[i].bits;
                    if (mcum < 0) {
                        if (cum >= minority.bits) {
                            mcum = cum;
                            medians[nm++] = score[i].bits;
                        }
                    } else if (cum == mcum) {
                        medians[nm++] = score[i].bits;
                    } else {
                        if (mcum == minority.bits) medians[nm++] = score[i].bits;
                        break;
                    }
                }
                if (nm == 0) medians[nm++] = 0;
                for (int perm = 0; perm <= 10; perm++) {
                    if (perm) /* shuffle (stake, score) pairs */
                        for (size_t k = n; k > 1; k--) {
                            size_t q = below(&g, k);
                            i32f32 t = stake[k - 1]; stake[k - 1] = stake[q]; stake[q] = t;
                            t = score[k - 1]; score[k - 1] = score[q]; score[q] = t;
                        }
                    i32f32 r = wmedian_both(stake, score, n, minority);
                    bool found = false;
                    for (size_t k = 0; k < nm; k++) found |= medians[k] == r.bits;
                    if (!found) fail_msg("rep %d majority %zu: median %lld not in the reference set", rep, mj, (long long)r.bits);
                }
            }
        }
    }
}

/* Literal partition vs radix select on general inputs: ties, zero stakes,
 * negative scores, minority below 0 and at or above the total, narrow and
 * wide score ranges (one to many radix levels), sorted and reversed input
 * (the worst case of the chain's middle pivot). */
static void test_weighted_median_random(void **state)
{
    (void)state;
    uint64_t g = 7;
    static i32f32 stake[128], score[128];
    for (int t = 0; t < 200000; t++) {
        size_t m = below(&g, 5) ? below(&g, 24) : below(&g, 129);
        int64_t range = 1 + (int64_t)below(&g, below(&g, 2) ? 4 : 1000000);
        int64_t smax = (int64_t)1 << below(&g, 34);
        for (size_t k = 0; k < m; k++) {
            stake[k] = B(below(&g, 4) == 0 ? 0 : (int64_t)below(&g, (uint64_t)smax));
            score[k] = B((int64_t)below(&g, (uint64_t)range) - (below(&g, 8) == 0 ? range / 2 : 0));
        }
        if (below(&g, 10) == 0) /* sorted or reversed: bad for naive pivots */
            for (size_t k = 0; k < m; k++) score[k] = B(below(&g, 2) ? (int64_t)k : (int64_t)(m - k));
        int64_t total = ym_sum(stake, m).bits;
        int64_t minority;
        switch (below(&g, 6)) {
        case 0: minority = -1 - (int64_t)below(&g, 100); break;
        case 1: minority = total + (int64_t)below(&g, 3); break;
        default: minority = total ? (int64_t)below(&g, (uint64_t)total) : 0; break;
        }
        (void)wmedian_both(stake, score, m, B(minority));
    }
}

static void test_weighted_median_col_sparse(void **state)
{
    (void)state;
    yuma_arena a = arena(ym_wmcol_need(8, 8, 64));
    i32f32 out[4];
    tmat w;
    /* stake f32[], columns 0 */
    smat_raw(&w, NULL, 0, 0, false);
    assert_true(ym_weighted_median_col_sparse(NULL, &w.m, 0, F(0.5f), out, &a));
    /* stake [0, 0], 2x2 zeros */
    smat(&w, (const float[4]){0}, 4, 2, false);
    i32f32 z2[2] = {F(0), F(0)};
    assert_true(ym_weighted_median_col_sparse(z2, &w.m, 2, F(0.5f), out, &a));
    assert_int_equal(out[0].bits, 0);
    assert_int_equal(out[1].bits, 0);
    const float W1[12] = {0, 0.1f, 0, 0, 0.2f, 0.4f, 0, 0.3f, 0.1f, 0, 0.4f, 0.5f};
    i32f32 s1[4] = {F(0), F(0.75f), F(0.25f), F(0)};
    const struct {
        float maj, want[3];
    } c1[] = {{0.24f, {0, 0.3f, 0.4f}}, {0.26f, {0, 0.2f, 0.4f}}, {0.76f, {0, 0.2f, 0.1f}}};
    smat(&w, W1, 12, 4, false);
    for (size_t t = 0; t < NEL(c1); t++) {
        assert_true(ym_weighted_median_col_sparse(s1, &w.m, 3, F(c1[t].maj), out, &a));
        assert_vec(out, c1[t].want, 3);
    }
    const float W2[12] = {0, 0.1f, 0, 0, 0.2f, 0.4f, 0, 0.3f, 0.1f, 0, 0, 0.5f};
    i32f32 s2[4] = {F(0), F(0.3f), F(0.2f), F(0.5f)};
    smat(&w, W2, 12, 4, false);
    assert_true(ym_weighted_median_col_sparse(s2, &w.m, 3, F(0.51f), out, &a));
    assert_vec(out, (const float[3]){0, 0, 0.4f}, 3);
    assert_int_equal(a.used, 0); /* scratch given back */
    yuma_arena tiny = {a.base, 16, 0};
    assert_false(ym_weighted_median_col_sparse(s2, &w.m, 3, F(0.51f), out, &tiny));
    free(a.base);
}

/* ym_wmcol_hist against the chain's literal partition, column by column,
 * on random matrices up to 700 rows: voting and non-voting rows, empty rows
 * and columns, zero weights, ties, scores from a handful of values to the
 * whole range (one bucket level to many), minority below 0, inside and at or
 * above the stake sum; ym_wmcol_dense against it on the same entries. */
static void test_wmcol_hist(void **state)
{
    (void)state;
    enum { R = 700, C = 90 };
    static uint32_t off[R + 1], idx[R], scr[2 * R];
    static uint16_t col[R * C];
    static uint64_t pk[R * C];
    static i32f32 val[R * C], u[R], score[R], out[C], dout[C];
    static int64_t ub[R], colmax[C];
    uint64_t g = 41;
    static uint64_t keys[(R + 1) * C], dense[R * (C + 6)];
    static uint32_t uids[R];
    yuma_arena a = arena(ym_wmcol_dense_need(R, C));
    for (int t = 0; t < 600; t++) {
        const uint32_t rows = 1 + (uint32_t)below(&g, below(&g, 4) ? 64 : R), cols = 1 + (uint32_t)below(&g, C);
        const unsigned density = (unsigned)below(&g, 4);
        const uint64_t range = below(&g, 3) == 0 ? 1 + below(&g, 5) : (uint64_t)1 << below(&g, 34);
        uint32_t k = 0;
        off[0] = 0;
        for (uint32_t i = 0; i < rows; i++) {
            u[i] = B(below(&g, 4) == 0 ? 0 : (int64_t)below(&g, (uint64_t)1 << 24));
            for (uint32_t j = 0; j < cols; j++) {
                if (below(&g, 4) > density) continue; /* absent */
                col[k] = (uint16_t)j;
                val[k] = B(below(&g, 16) == 0 ? 0 : (int64_t)below(&g, range + 1));
                pk[k] = ym_pk((uint64_t)val[k].bits, (uint16_t)j);
                k++;
            }
            off[i + 1] = k;
        }
        ym_normalize(u, rows);
        int64_t sigma = 0;
        for (uint32_t i = 0; i < rows; i++) {
            ub[i] = u[i].bits;
            sigma += ub[i];
        }
        for (uint32_t j = 0; j < cols; j++) colmax[j] = 0;
        for (uint32_t i = 0; i < rows; i++)
            for (uint32_t q = off[i]; q < off[i + 1] && ub[i] > 0; q++)
                if (val[q].bits > colmax[col[q]]) colmax[col[q]] = val[q].bits;
        int64_t minority;
        switch (below(&g, 8)) {
        case 0: minority = -1 - (int64_t)below(&g, 1000); break;
        case 1: minority = sigma + (int64_t)below(&g, 3); break;
        case 2: minority = sigma - 1; break;
        case 3: minority = 0; break;
        default: minority = sigma ? (int64_t)below(&g, (uint64_t)sigma) : 0; break;
        }
        assert_true(ym_wmcol_hist(off, pk, rows, ub, colmax, cols, B(minority), out, keys, &a));
        assert_int_equal(a.used, 0);
        /* ym_wmcol_dense on the same entries as dense rows (padded stride):
         * every row with an entry listed, some empty ones too, in any order */
        uint32_t nl = 0;
        const size_t stride = (cols + 3) / 4 * 4 + below(&g, 3);
        for (uint32_t i = 0; i < rows; i++)
            if (off[i + 1] > off[i] || below(&g, 2)) uids[nl++] = i;
        for (uint32_t r = nl; r > 1; r--) {
            const uint32_t q = (uint32_t)below(&g, r), x = uids[r - 1];
            uids[r - 1] = uids[q];
            uids[q] = x;
        }
        for (uint32_t r = 0; r < nl; r++) {
            uint64_t *wr = dense + r * stride;
            for (size_t j = 0; j < stride; j++) wr[j] = j < cols ? 0 : rnd(&g); /* beyond ncols: not read */
            for (uint32_t q = off[uids[r]]; q < off[uids[r] + 1]; q++) wr[col[q]] = (uint64_t)val[q].bits;
        }
        for (int z = 0; z < 3; z++) {
            const ym_impl isa[3] = {YM_IMPL_DENSE, YM_IMPL_DENSE_AVX2, YM_IMPL_DENSE_AVX512};
            if (!ym_impl_available(isa[z])) continue;
            assert_true(ym_wmcol_dense(dense, stride, uids, nl, rows, ub, colmax, cols, B(minority), dout, keys, &a,
                                       isa[z]));
            assert_int_equal(a.used, 0);
            for (uint32_t j = 0; j < cols; j++)
                if (dout[j].bits != out[j].bits)
                    fail_msg("case %d column %u: dense (isa %d) %lld, sparse %lld", t, j, z, (long long)dout[j].bits,
                             (long long)out[j].bits);
        }
        for (uint32_t j = 0; j < cols; j++) {
            size_t m = 0;
            for (uint32_t i = 0; i < rows; i++) {
                if (ub[i] <= 0) continue;
                score[i] = B(0);
                for (uint32_t q = off[i]; q < off[i + 1]; q++)
                    if (col[q] == j) score[i] = val[q];
                idx[m++] = i;
            }
            const i32f32 want = ym_weighted_median_literal(u, score, idx, m, B(minority), B(0), B(sigma), scr);
            if (out[j].bits != want.bits)
                fail_msg("case %d column %u: %lld, literal %lld", t, j, (long long)out[j].bits, (long long)want.bits);
        }
    }
    free(a.base);
}

/* ---- §9 EMA -------------------------------------------------------------- */

static void test_mat_ema_sparse(void **state)
{
    (void)state;
    yuma_arena a = arena(ym_ema_need(8));
    const float N10[12] = {10, 20, 30, 40, 50, 60, 70, 80, 90, 100, 110, 120};
    const float N2[12] = {10, 20, 0, 40, 0, 60, 0, 80, 90, 100, 110, 120};
    const float O2[12] = {0, 2, 3, 4, 0, 6, 7, 8, 0, 10, 11, 12};
    const float O5[12] = {1}, N5[12] = {0, 0, 0, 0, 2};
    const struct {
        const float *old, *nw;
        float want[12];
    } c[] = {
        {M12, N10, {1.9f, 3.8f, 5.7f, 7.6f, 9.5f, 11.4f, 13.3f, 15.2f, 17.1f, 19, 20.9f, 22.8f}},
        {O2, N2, {1, 3.8f, 2.7f, 7.6f, 0, 11.4f, 6.3f, 15.2f, 9, 19, 20.9f, 22.8f}},
        {Z12, N2, {1, 2, 0, 4, 0, 6, 0, 8, 9, 10, 11, 12}},
        {Z12, Z12, {0}},
        {O5, N5, {0.9f, 0, 0, 0, 0.2f}},
    };
    tmat o, n, r, want;
    for (size_t t = 0; t < NEL(c); t++) {
        smat(&o, c[t].old, 12, 4, false);
        smat(&n, c[t].nw, 12, 4, false);
        smat(&want, c[t].want, 12, 4, false);
        r.m = (ym_sparse){4, r.off, r.col, r.val};
        assert_true(ym_mat_ema_sparse(&n.m, &o.m, D(0.1), 3, &r.m, &a));
        assert_smat(&r.m, &want.m, EPS6);
    }
    /* test_math_mat_ema (dense): α = 0.1, 0 -> old, 1 -> new */
    i32f32 om[12], nm[12];
    for (int k = 0; k < 12; k++) {
        om[k] = F(M12[k]);
        nm[k] = F(N10[k]);
    }
    full_raw(&o, om, 4, 3);
    full_raw(&n, nm, 4, 3);
    assert_true(ym_mat_ema_sparse(&n.m, &o.m, D(0), 3, &r.m, &a));
    assert_smat(&r.m, &o.m, EPS6);
    assert_true(ym_mat_ema_sparse(&n.m, &o.m, D(1), 3, &r.m, &a));
    assert_smat(&r.m, &n.m, EPS6);
    assert_true(ym_mat_ema_sparse(&n.m, &o.m, D(0.1), 3, &r.m, &a));
    smat(&want, c[0].want, 12, 4, false);
    assert_smat(&r.m, &want.m, EPS6);
    free(a.base);
}

/* A sparse matrix from (row, col, f64 value) triples, rows in order. */
static void trip(tmat *t, uint32_t rows, const double (*e)[3], size_t ne)
{
    size_t k = 0;
    t->off[0] = 0;
    for (uint32_t i = 0; i < rows; i++) {
        for (; k < ne && (uint32_t)e[k][0] == i; k++) {
            t->col[k] = (uint16_t)e[k][1];
            t->val[k] = D(e[k][2]);
        }
        t->off[i + 1] = (uint32_t)k;
    }
    t->m = (ym_sparse){rows, t->off, t->col, t->val};
}

static void test_mat_ema_alpha_vec_sparse(void **state)
{
    (void)state;
    yuma_arena a = arena(ym_ema_need(8));
    tmat n, o, r, want;
    r.m = (ym_sparse){0, r.off, r.col, r.val};
    /* empty */
    trip(&n, 0, NULL, 0);
    trip(&o, 0, NULL, 0);
    assert_true(ym_mat_ema_alpha_vec_sparse(&n.m, &o.m, NULL, 0, 0, &r.m, &a));
    assert_int_equal(r.m.rows, 0);
    const double one_n[][3] = {{0, 0, 1.0}}, one_o[][3] = {{0, 0, 2.0}};
    const struct {
        double alpha, want;
    } single[] = {{0.5, 1.5}, {0.0, 2.0}, {1.0, 1.0}};
    for (size_t t = 0; t < NEL(single); t++) { /* exact */
        trip(&n, 1, one_n, 1);
        trip(&o, 1, one_o, 1);
        i32f32 al = D(single[t].alpha);
        assert_true(ym_mat_ema_alpha_vec_sparse(&n.m, &o.m, &al, 1, 1, &r.m, &a));
        const double w[][3] = {{0, 0, single[t].want}};
        trip(&want, 1, w, 1);
        assert_smat(&r.m, &want.m, 0);
    }
    const double mn[][3] = {{0, 0, 1}, {0, 1, 2}, {1, 0, 3}, {1, 1, 4}};
    const double mo[][3] = {{0, 0, 5}, {0, 1, 6}, {1, 0, 7}, {1, 1, 8}};
    const struct {
        double a0, a1, w[4];
    } multi[] = {{0.1, 0.2, {4.6, 5.2, 6.6, 7.2}}, {0.3, 0.7, {3.8, 3.2, 5.8, 5.2}}};
    for (size_t t = 0; t < NEL(multi); t++) {
        trip(&n, 2, mn, 4);
        trip(&o, 2, mo, 4);
        i32f32 al[2] = {D(multi[t].a0), D(multi[t].a1)};
        assert_true(ym_mat_ema_alpha_vec_sparse(&n.m, &o.m, al, 2, 2, &r.m, &a));
        const double w[][3] = {
            {0, 0, multi[t].w[0]}, {0, 1, multi[t].w[1]}, {1, 0, multi[t].w[2]}, {1, 1, multi[t].w[3]}};
        trip(&want, 2, w, 4);
        assert_smat(&r.m, &want.m, EPS6);
    }
    /* sparse_matrix: [[(0,1)],[(1,4)]] and [[(0,5)],[(1,8)]], α 0.5 -> [[(0,3)],[(1,6)]] exactly */
    const double sn[][3] = {{0, 0, 1.0}, {1, 1, 4.0}}, so[][3] = {{0, 0, 5.0}, {1, 1, 8.0}};
    const double sw[][3] = {{0, 0, 3.0}, {1, 1, 6.0}};
    trip(&n, 2, sn, 2);
    trip(&o, 2, so, 2);
    trip(&want, 2, sw, 2);
    i32f32 half[2] = {D(0.5), D(0.5)};
    assert_true(ym_mat_ema_alpha_vec_sparse(&n.m, &o.m, half, 2, 2, &r.m, &a));
    assert_smat(&r.m, &want.m, 0);
    /* dense mat_ema_alpha_vec: basic (exact), varying (1e-6), single (exact) */
    const double dn[6] = {1, 2, 3, 4, 5, 6}, dold[6] = {0.5, 1.5, 2.5, 3.5, 4.5, 5.5};
    const struct {
        double al[3], w[6];
        int64_t eps;
    } dense[] = {
        {{0.5, 0.5, 0.5}, {0.75, 1.75, 2.75, 3.75, 4.75, 5.75}, 0},
        {{0.2, 0.5, 0.8}, {0.6, 1.75, 2.9, 3.6, 4.75, 5.9}, EPS6},
    };
    for (size_t t = 0; t < NEL(dense); t++) {
        i32f32 xn[6], xo[6], xw[6], al[3];
        for (int k = 0; k < 6; k++) {
            xn[k] = D(dn[k]);
            xo[k] = D(dold[k]);
            xw[k] = D(dense[t].w[k]);
        }
        for (int k = 0; k < 3; k++) al[k] = D(dense[t].al[k]);
        full_raw(&n, xn, 2, 3);
        full_raw(&o, xo, 2, 3);
        full_raw(&want, xw, 2, 3);
        assert_true(ym_mat_ema_alpha_vec_sparse(&n.m, &o.m, al, 3, 3, &r.m, &a));
        assert_smat(&r.m, &want.m, dense[t].eps);
    }
    i32f32 x1 = D(1.0), x05 = D(0.5), w1 = D(0.75);
    full_raw(&n, &x1, 1, 1);
    full_raw(&o, &x05, 1, 1);
    full_raw(&want, &w1, 1, 1);
    assert_true(ym_mat_ema_alpha_vec_sparse(&n.m, &o.m, &x05, 1, 1, &r.m, &a));
    assert_smat(&r.m, &want.m, 0);
    /* test_compute_ema_bonds_with_liquid_alpha_sparse: strict |diff| < 1e-6 */
    const double bd[][3] = {{0, 0, 0.1}, {0, 1, 0.2}, {1, 0, 0.3}, {1, 1, 0.4}};
    const double bo[][3] = {{0, 0, 0.5}, {0, 1, 0.6}, {1, 0, 0.7}, {1, 1, 0.8}};
    const double bw[][3] = {{0, 0, 0.14}, {0, 1, 0.28}, {1, 0, 0.34}, {1, 1, 0.48}};
    trip(&n, 2, bd, 4);
    trip(&o, 2, bo, 4);
    trip(&want, 2, bw, 4);
    i32f32 al2[2] = {D(0.9), D(0.8)};
    assert_true(ym_mat_ema_alpha_vec_sparse(&n.m, &o.m, al2, 2, 2, &r.m, &a));
    assert_smat(&r.m, &want.m, EPS6 - 1);
    free(a.base);
}

/* ---- §10 quantile -------------------------------------------------------- */

static void test_quantile(void **state)
{
    (void)state;
    i32f32 d[5] = {D(1.0), D(2.0), D(3.0), D(4.0), D(5.0)};
    assert_int_equal(ym_quantile_sorted(d, 5, 0, 4).bits, ONE);
    assert_int_equal(ym_quantile_sorted(d, 5, 1, 4).bits, 2 * ONE);
    assert_int_equal(ym_quantile_sorted(d, 5, 2, 4).bits, 3 * ONE);
    assert_int_equal(ym_quantile_sorted(d, 5, 66, 100).bits, 15633680957); /* I32F32(3.64 f64) */
    assert_int_equal(ym_quantile_sorted(d, 5, 3, 4).bits, 4 * ONE);
    assert_int_equal(ym_quantile_sorted(d, 5, 4, 4).bits, 5 * ONE);
    assert_int_equal(ym_quantile_sorted(d, 0, 1, 4).bits, 0);
    /* The epoch's q = 1/4, 3/4 (and 1/2): the rational weight equals math.rs's
     * f64 pos - floor(pos) for every length, on random sorted data. */
    uint64_t g = 8;
    static i32f32 v[300];
    yuma_arena a = arena(ym_sort_need(300));
    for (int t = 0; t < 3000; t++) {
        size_t len = 1 + below(&g, 300);
        for (size_t i = 0; i < len; i++) v[i] = B((int64_t)below(&g, (uint64_t)ONE + 1) - (below(&g, 9) ? 0 : ONE / 2));
        assert_true(ym_sort_i32f32(v, len, &a));
        for (size_t i = 1; i < len; i++) assert_true(v[i - 1].bits <= v[i].bits);
        const double qs[3] = {0.25, 0.5, 0.75};
        for (int k = 0; k < 3; k++) {
            double pos = qs[k] * (double)(len - 1);
            size_t lo = (size_t)floor(pos), hi = (size_t)ceil(pos);
            i32f32 want = v[lo];
            if (lo != hi)
                want = i32f32_sat_add(v[lo], i32f32_sat_mul(i32f32_sat_sub(v[hi], v[lo]), D(pos - (double)lo)));
            assert_int_equal(ym_quantile_sorted(v, len, (uint32_t)(k + 1), 4).bits, want.bits);
        }
    }
    free(a.base);
    /* ym_quantile_select = sort, then ym_quantile_sorted (ties, signs, every
     * q of the epoch and others) */
    static i32f32 x[700], sx[700];
    yuma_arena qa = arena(ym_sort_need(700));
    for (int t = 0; t < 3000; t++) {
        const size_t n = 1 + below(&g, below(&g, 2) ? 12 : 700);
        const uint64_t vals = 1 + below(&g, below(&g, 2) ? 3 : 100000);
        for (size_t i = 0; i < n; i++) x[i] = B((int64_t)(below(&g, vals) << below(&g, 20)) - (below(&g, 4) ? 0 : ONE));
        memcpy(sx, x, n * sizeof *x);
        assert_true(ym_sort_i32f32(sx, n, &qa));
        const uint32_t qn[5] = {1, 3, 0, 4, 66}, qd[5] = {4, 4, 4, 4, 100};
        for (int q = 0; q < 5; q++) {
            i32f32 got;
            assert_true(ym_quantile_select(x, n, qn[q], qd[q], &got, &qa));
            assert_int_equal(qa.used, 0);
            assert_int_equal(got.bits, ym_quantile_sorted(sx, n, qn[q], qd[q]).bits);
        }
    }
    i32f32 z;
    yuma_arena tiny = {qa.base, 8, 0};
    assert_false(ym_quantile_select(x, 10, 1, 4, &z, &tiny));
    assert_true(ym_quantile_select(x, 0, 1, 4, &z, &tiny));
    assert_int_equal(z.bits, 0);
    free(qa.base);
}

/* ---- §11 liquid alpha ---------------------------------------------------- */

/* The divisor table of ym_exp's series: every row recomputed from its
 * definition, and the quotient against division at the ends of the range. */
static void test_div_small(void **state)
{
    (void)state;
    uint64_t g = 19;
    for (unsigned i = 2; i <= 31; i++) {
        unsigned l = 0;
        while (((uint64_t)1 << l) < i) l++; /* ceil(log2 i) */
        const fx_u128 p2 = (fx_u128)1 << (63 + l);
        const uint64_t want_m = (uint64_t)(p2 / i + (p2 % i != 0));
        uint64_t m;
        unsigned sh;
        ym_div_small_row(i, &m, &sh);
        assert_true(m == want_m);
        assert_int_equal(sh, l - 1);
        const uint64_t top = (uint64_t)INT64_MAX;
        const uint64_t edge[] = {0, 1, i - 1, i, i + 1, top, top - 1, top / i * i, top / i * i - 1};
        for (size_t k = 0; k < NEL(edge); k++) assert_true(ym_div_small(edge[k], i) == edge[k] / i);
        for (int t = 0; t < 100000; t++) {
            const uint64_t p = rnd(&g) >> (1 + below(&g, 63));
            if (ym_div_small(p, i) != p / i) fail_msg("%llu / %u", (unsigned long long)p, i);
        }
    }
}

static void test_exp_matches_fx(void **state)
{
    (void)state;
    uint64_t g = 9;
    const int64_t corners[] = {0, 1, -1, ONE, -ONE, 2 * ONE, 89715445397, 89715445398, -89715445397, -89715445398,
                               INT64_MAX, INT64_MIN, INT64_MAX - ONE, INT64_MAX - ONE + 1, 20 * ONE, -20 * ONE};
    for (size_t k = 0; k < NEL(corners); k++) {
        i32f32 a = B(0), b = B(0);
        fx_status sa = ym_exp(B(corners[k]), &a), sb = i32f32_exp(B(corners[k]), &b);
        assert_int_equal(sa, sb);
        if (sa == FX_OK) assert_int_equal(a.bits, b.bits);
        assert_int_equal(ym_safe_exp(B(corners[k])).bits, i32f32_safe_exp(B(corners[k])).bits);
    }
    for (int t = 0; t < 200000; t++) {
        int64_t x = (int64_t)rnd(&g) >> (20 + below(&g, 44));
        i32f32 a = B(0), b = B(0);
        fx_status sa = ym_exp(B(x), &a), sb = i32f32_exp(B(x), &b);
        assert_int_equal(sa, sb);
        if (sa == FX_OK && a.bits != b.bits) fail_msg("exp(%lld): %lld vs fx %lld", (long long)x, (long long)a.bits, (long long)b.bits);
    }
}

static void test_alpha_values(void **state)
{
    (void)state;
    /* test_compute_alpha_values (ε 1e-6) */
    i32f32 c[3] = {D(0.1), D(0.5), D(0.9)}, out[256];
    ym_alpha_values(c, 3, D(1.0), D(0.0), out);
    const double e[3] = {0.9048374180359595, 0.6065306597126334, 0.4065696597405991};
    for (int k = 0; k < 3; k++) {
        i32f32 w = B(0);
        assert_int_equal(i32f32_sat_div(i32f32_one(), i32f32_sat_add(i32f32_one(), D(e[k])), &w), FX_OK);
        assert_near(out[k], w, EPS6);
    }
    /* test_compute_alpha_values_256_miners: the same formula (fx's exp) */
    i32f32 c256[256];
    for (int i = 0; i < 256; i++) c256[i] = F((float)i / 255.0f);
    ym_alpha_values(c256, 256, D(1.0), D(0.0), out);
    for (int i = 0; i < 256; i++) {
        i32f32 w = B(0);
        i32f32 ex = i32f32_safe_exp(i32f32_sat_sub(D(0.0), i32f32_sat_mul(D(1.0), c256[i])));
        assert_int_equal(i32f32_sat_div(i32f32_one(), i32f32_sat_add(i32f32_one(), ex), &w), FX_OK);
        assert_near(out[i], w, EPS6);
        assert_int_equal(out[i].bits, w.bits); /* and in fact exactly */
    }
    /* groups of four exps with overflowing and ordinary lanes mixed (the
     * lanes share one overflow test, then fall back lane by lane): exactly
     * fx's formula, lane by lane */
    uint64_t g = 1337;
    for (int t = 0; t < 20000; t++) {
        const size_t n = 1 + below(&g, 13);
        const i32f32 a = B((int64_t)below(&g, 60 * (uint64_t)ONE) - 30 * ONE), b = B((int64_t)below(&g, 60 * (uint64_t)ONE) - 30 * ONE);
        for (size_t j = 0; j < n; j++) c256[j] = B((int64_t)below(&g, below(&g, 4) ? (uint64_t)ONE : 3 * (uint64_t)ONE));
        ym_alpha_values(c256, n, a, b, out);
        for (size_t j = 0; j < n; j++) {
            i32f32 w = B(0);
            i32f32 ex = i32f32_safe_exp(i32f32_sat_sub(b, i32f32_sat_mul(a, c256[j])));
            assert_int_equal(i32f32_sat_div(i32f32_one(), i32f32_sat_add(i32f32_one(), ex), &w), FX_OK);
            if (out[j].bits != w.bits) fail_msg("case %d lane %zu: %lld, fx %lld", t, j, (long long)out[j].bits, (long long)w.bits);
        }
    }
    /* safe_exp's quirk (§5): an overflowing exponent gives 0, so α = 1 */
    i32f32 big = I(100), one_out;
    ym_alpha_values(&big, 1, D(-1.0), D(0.0), &one_out);
    assert_int_equal(one_out.bits, ONE);
    /* test_clamp_alpha_values */
    i32f32 al[3] = {D(0.1), D(0.5), D(0.9)};
    ym_clamp_alpha(al, 3, D(0.8), D(0.2));
    assert_int_equal(al[0].bits, D(0.2).bits);
    assert_int_equal(al[1].bits, D(0.5).bits);
    assert_int_equal(al[2].bits, D(0.8).bits);
}

static void test_logistic_params(void **state)
{
    (void)state;
    const int64_t eps3 = 4294967; /* I32F32::from_num(0.001) */
    i32f32 a, b;
    ym_logistic_params(D(0.9), D(0.1), D(0.8), D(0.2), &a, &b);
    assert_near(a, D(7.324), eps3);
    assert_near(b, D(3.662), eps3);
    /* edge cases */
    ym_logistic_params(D(1.0), D(0.0), D(0.8), D(0.2), &a, &b);
    assert_int_equal(a.bits, 0);
    assert_int_equal(b.bits, 0);
    ym_logistic_params(D(0.9), D(0.1), D(1.0), D(0.0), &a, &b);
    assert_near(a, D(4.3944), eps3);
    assert_near(b, D(2.1972), eps3);
    ym_logistic_params(D(0.5), D(0.5), D(0.8), D(0.2), &a, &b);
    assert_int_equal(a.bits, 0);
    assert_int_equal(b.bits, 0);
    ym_logistic_params(D(0.9), D(0.1), D(0.5), D(0.5), &a, &b);
    assert_int_equal(a.bits, 0);
    assert_int_equal(b.bits, 0);
    /* epoch_vectors.md §12: get_alpha_values_32 of (12, 65525) */
    i32f32 lo = B(0), hi = B(0);
    assert_int_equal(i32f32_sat_div(I(12), I(65535), &lo), FX_OK);
    assert_int_equal(i32f32_sat_div(I(65525), I(65535), &hi), FX_OK);
    assert_int_equal(lo.bits, 786444);
    assert_int_equal(hi.bits, 4294311925);
}

/* ---- the implementations of the v1.2.4 epoch ------------------------------ */

/* ym_epoch_v2 with every implementation (the sparse passes; the dense ones
 * on the portable lanes, the fallback, and on AVX2 and AVX-512 where the CPU
 * has them; the automatic choice) on the same random subnets, several
 * epochs each with the bonds written back: the same status and the same
 * bytes in every output. The subnets are small and up to 300 uids (lane
 * tails: n mod 4 != 0), with complete weight rows (the dense case), sparse
 * and shuffled rows, columns >= n, zero and full weights, outdated entries,
 * duplicates and out-of-range bond columns (refused by all), single
 * validators (a_i = ONE), liquid alpha on and off, α = 0, α = 1 and α < 0
 * (bma > 10^6, where the dense choice falls back to the sparse passes):
 * the subnets of tests/support_yuma.c. The sparse passes are themselves checked against two references from the
 * spec in tests/test_yuma.c. */
static void test_epoch_impls(void **state)
{
    (void)state;
    sy_sub s;
    sy_sub_storage(&s);
    sy_impls h;
    sy_impls_init(&h, ym_epoch_v2, ym_epoch_v2_dense_need(SY_MAXN, SY_MAXN * (SY_MAXN + 3), SY_MAXN * SY_MAXN) + 64);
    uint64_t g = 5150;
    int refused = 0, big = 0, unit_alpha = 0;
    for (int t = 0; t < 700; t++) {
        sy_sub_init(&s, &g);
        big += s.n > 64;
        for (int e = 0; e < 3; e++) {
            yuma_output want;
            yuma_status st;
            const char *why = sy_impls_epoch(&h, &s, &want, &st);
            if (why) fail_msg("case %d epoch %d: %s", t, e, why);
            refused += st != YUMA_OK;
            unit_alpha += s.p.bonds_moving_average == 0 || s.p.bonds_moving_average == 1000000;
            if (st != YUMA_OK) break;
            sy_sub_step(&s, &want, &g);
        }
    }
    assert_true(h.ran[0] > 1500); /* the portable fallback always runs */
    assert_true(refused > 20 && big > 100 && unit_alpha > 100);
    sy_impls_free(&h);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_div_le_mul_pos),
        cmocka_unit_test(test_u16div),
        cmocka_unit_test(test_rdiv),
        cmocka_unit_test(test_qd),
        cmocka_unit_test(test_qdw),
        cmocka_unit_test(test_div_all),
        cmocka_unit_test(test_vec_max_upscale_to_u16),
        cmocka_unit_test(test_vec_u16_max_upscale_to_u16),
        cmocka_unit_test(test_proportion_to_u16),
        cmocka_unit_test(test_u64_normalization),
        cmocka_unit_test(test_is_topk),
        cmocka_unit_test(test_sum),
        cmocka_unit_test(test_radix_sort),
        cmocka_unit_test(test_normalize),
        cmocka_unit_test(test_normalize_64),
        cmocka_unit_test(test_vecdiv),
        cmocka_unit_test(test_row_normalize_sparse),
        cmocka_unit_test(test_col_normalize_sparse),
        cmocka_unit_test(test_col_max_upscale_sparse),
        cmocka_unit_test(test_masks_sparse),
        cmocka_unit_test(test_products),
        cmocka_unit_test(test_weighted_median_fixed),
        cmocka_unit_test(test_weighted_median_property),
        cmocka_unit_test(test_weighted_median_random),
        cmocka_unit_test(test_weighted_median_col_sparse),
        cmocka_unit_test(test_wmcol_hist),
        cmocka_unit_test(test_mat_ema_sparse),
        cmocka_unit_test(test_mat_ema_alpha_vec_sparse),
        cmocka_unit_test(test_quantile),
        cmocka_unit_test(test_div_small),
        cmocka_unit_test(test_exp_matches_fx),
        cmocka_unit_test(test_alpha_values),
        cmocka_unit_test(test_logistic_params),
        cmocka_unit_test(test_epoch_impls),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
