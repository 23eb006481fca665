/* test_yuma_v3.c -- the Yuma 3 room at function level (subtensor v3.2.7):
 *
 *  - the math vectors of yuma3_vectors.md §10 (interpolation, the Liquid
 *    Alpha 2 EMAs, vec_mul / mat_vec_mul, the owner and outdated masks, the
 *    saturating conversions) and §8 (compute_bonds, dense, LA on vs off),
 *    inputs built from the same f32/f64 literals as tests/math.rs;
 *  - alpha_sigmoid at the numbers of the worked example (yuma3.md §5) and of
 *    quirk Q2 (§2.14), and the merge-scan of quirk Q3;
 *  - the epoch against an independent literal reference written from
 *    yuma3.md §2 (dense per-row scans, the chain's full j = 0..n-1 merge-scan,
 *    the literal weighted median), on random states with every switch.
 * Expected values come from the spec; the reference is a second reading of
 * it, never a recording of yuma_epoch's output. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "support_yuma.h"
#include "taosim/fx.h"
#include "taosim/yuma.h"
#include "taosim/yuma_math.h"

#define ONE I32F32_ONE_BITS
#define HALF_ONE (ONE / 2)

static i32f32 F(float v) { return i32f32_from_float(v); }   /* I32F32::from_num(f32) */
static i32f32 D(double v) { return i32f32_from_double(v); } /* I32F32::from_num(f64) */

static yuma_arena scratch(void)
{
    static unsigned char buf[1 << 20];
    yuma_arena a = {buf, sizeof buf, 0};
    return a;
}

static void near(i32f32 got, i32f32 want, i32f32 eps, const char *what, size_t k)
{
    int64_t d = got.bits - want.bits;
    if (d < 0) d = -d;
    if (d > eps.bits)
        fail_msg("%s[%zu]: got %lld, expected %lld (eps %lld)", what, k, (long long)got.bits, (long long)want.bits,
                 (long long)eps.bits);
}

/* ---- sparse matrices built like vec_to_sparse_mat_fixed ------------------- */

#define MAXR 16
#define MAXE 256
typedef struct sp {
    uint32_t off[MAXR + 1];
    uint16_t col[MAXE];
    i32f32 val[MAXE];
    ym_sparse m;
} sp;

static void sp_init(sp *s, uint32_t rows)
{
    s->m.rows = rows;
    s->m.off = s->off;
    s->m.col = s->col;
    s->m.val = s->val;
    memset(s->off, 0, sizeof s->off);
}

/* Row-major floats (rows x cols) -> entries > 0 in increasing column. */
static void sp_from_f32(sp *s, const float *v, uint32_t rows, uint32_t cols)
{
    sp_init(s, rows);
    uint32_t k = 0;
    for (uint32_t i = 0; i < rows; i++) {
        for (uint32_t j = 0; j < cols; j++)
            if (v[i * cols + j] > 0) {
                s->col[k] = (uint16_t)j;
                s->val[k++] = F(v[i * cols + j]);
            }
        s->off[i + 1] = k;
    }
}

/* Explicit rows: lens[i] entries of (cols, vals as f64). */
static void sp_rows(sp *s, uint32_t rows, const uint32_t *lens, const uint16_t *cols, const double *vals)
{
    sp_init(s, rows);
    uint32_t k = 0;
    for (uint32_t i = 0; i < rows; i++) {
        for (uint32_t t = 0; t < lens[i]; t++, k++) {
            s->col[k] = cols[k];
            s->val[k] = D(vals[k]);
        }
        s->off[i + 1] = k;
    }
}

/* assert_sparse_mat_compare against the sparse form of a dense f32 target. */
static void sp_expect(const ym_sparse *got, const float *want, uint32_t rows, uint32_t cols, i32f32 eps)
{
    sp w;
    sp_from_f32(&w, want, rows, cols);
    assert_int_equal(got->rows, rows);
    for (uint32_t i = 0; i < rows; i++) {
        assert_int_equal(got->off[i + 1] - got->off[i], w.off[i + 1] - w.off[i]);
        for (uint32_t q = got->off[i], r = w.off[i]; q < got->off[i + 1]; q++, r++) {
            assert_int_equal(got->col[q], w.col[r]);
            near(got->val[q], w.val[r], eps, "sparse", q);
        }
    }
}

/* ---- §10.1, §10.2 interpolation -------------------------------------------- */

static const float ZEROS[12], ONES[12] = {1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1};

static void test_interpolate_dense(void **state)
{
    (void)state;
    i32f32 out[12], a[12], b[12];
    /* [[0]] vs [[1]] */
    a[0] = F(0);
    b[0] = F(1);
    ym3_interpolate_dense(a, b, 1, D(0), out);
    assert_int_equal(out[0].bits, 0);
    ym3_interpolate_dense(a, b, 1, D(1), out);
    assert_int_equal(out[0].bits, ONE);
    ym3_interpolate_dense(a, b, 0, D(0.5), out); /* [[]] -> [[]]: nothing to write */
    /* zeros vs zeros, ratio 0 and 1 */
    for (int k = 0; k < 12; k++) a[k] = b[k] = F(0);
    for (int r = 0; r <= 1; r++) {
        ym3_interpolate_dense(a, b, 12, D(r), out);
        for (int k = 0; k < 12; k++) assert_int_equal(out[k].bits, 0);
    }
    /* 3x2: ratio 0 -> m1, 0.9 -> [9.1, 91, 910, 9100, 91000, 910000] (eps 0.0001) */
    static const float m1[6] = {1, 10, 100, 1000, 10000, 100000}, m2[6] = {10, 100, 1000, 10000, 100000, 1000000};
    static const float t9[6] = {9.1f, 91, 910, 9100, 91000, 910000};
    for (int k = 0; k < 6; k++) {
        a[k] = F(m1[k]);
        b[k] = F(m2[k]);
    }
    ym3_interpolate_dense(a, b, 6, D(0), out);
    for (int k = 0; k < 6; k++) assert_int_equal(out[k].bits, a[k].bits);
    ym3_interpolate_dense(a, b, 6, D(0.9), out);
    for (int k = 0; k < 6; k++) near(out[k], F(t9[k]), D(0.0001), "interpolate 0.9", (size_t)k);
    /* zeros vs ones at 0 / 1e-9 / 0.5 / 0.9999998808 / 1, exactly */
    static const double rs[5] = {0, 0.000000001, 0.5, 0.9999998808, 1};
    static const float ts[5] = {0, 0.000000001f, 0.5f, 0.9999999f, 1};
    for (int k = 0; k < 12; k++) {
        a[k] = F(ZEROS[k]);
        b[k] = F(ONES[k]);
    }
    for (int r = 0; r < 5; r++) {
        ym3_interpolate_dense(a, b, 12, D(rs[r]), out);
        for (int k = 0; k < 12; k++) assert_int_equal(out[k].bits, F(ts[r]).bits);
    }
}

static void test_interpolate_sparse(void **state)
{
    (void)state;
    yuma_arena ar = scratch();
    sp a, b, out;
    /* [[]] [[]] cols 0 -> [[]] */
    sp_init(&a, 1);
    sp_init(&b, 1);
    sp_init(&out, 1);
    assert_true(ym3_interpolate_sparse(&a.m, &b.m, 0, D(0), &out.m, &ar));
    assert_int_equal(out.m.rows, 1);
    assert_int_equal(ym_nnz(&out.m), 0);
    /* [0.] (an empty row) vs [1.], cols 1: 0 -> empty, 0.5 -> [0.5], 1 -> [1] */
    static const float z1[1] = {0}, o1[1] = {1}, h1[1] = {0.5f};
    sp_from_f32(&a, z1, 1, 1);
    sp_from_f32(&b, o1, 1, 1);
    assert_true(ym3_interpolate_sparse(&a.m, &b.m, 1, D(0), &out.m, &ar));
    sp_expect(&out.m, z1, 1, 1, i32f32_zero());
    assert_true(ym3_interpolate_sparse(&a.m, &b.m, 1, D(0.5), &out.m, &ar));
    sp_expect(&out.m, h1, 1, 1, i32f32_zero());
    assert_true(ym3_interpolate_sparse(&a.m, &b.m, 1, D(1), &out.m, &ar));
    sp_expect(&out.m, o1, 1, 1, i32f32_zero());
    /* zeros 4x3 vs zeros, ratio 0 and 1 -> empty rows */
    sp_from_f32(&a, ZEROS, 4, 3);
    sp_from_f32(&b, ZEROS, 4, 3);
    for (int r = 0; r <= 1; r++) {
        assert_true(ym3_interpolate_sparse(&a.m, &b.m, 3, D(r), &out.m, &ar));
        sp_expect(&out.m, ZEROS, 4, 3, i32f32_zero());
    }
    /* 3x2 with zeros: 0 -> m1 verbatim, 0.9 -> [9.1, 90, 910, 9100, 91000, 10000] */
    static const float m1[6] = {1, 0, 100, 1000, 10000, 100000}, m2[6] = {10, 100, 1000, 10000, 100000, 0};
    static const float t9[6] = {9.1f, 90, 910, 9100, 91000, 10000};
    sp_from_f32(&a, m1, 3, 2);
    sp_from_f32(&b, m2, 3, 2);
    assert_true(ym3_interpolate_sparse(&a.m, &b.m, 2, D(0), &out.m, &ar));
    sp_expect(&out.m, m1, 3, 2, i32f32_zero());
    assert_true(ym3_interpolate_sparse(&a.m, &b.m, 2, D(0.9), &out.m, &ar));
    sp_expect(&out.m, t9, 3, 2, D(0.0001));
    /* zeros vs ones, cols 3, as in 10.1 */
    static const double rs[5] = {0, 0.000000001, 0.5, 0.9999998808, 1};
    static const float ts[5] = {0, 0.000000001f, 0.5f, 0.9999999f, 1};
    sp_from_f32(&a, ZEROS, 4, 3);
    sp_from_f32(&b, ONES, 4, 3);
    for (int r = 0; r < 5; r++) {
        float t[12];
        for (int k = 0; k < 12; k++) t[k] = ts[r];
        assert_true(ym3_interpolate_sparse(&a.m, &b.m, 3, D(rs[r]), &out.m, &ar));
        sp_expect(&out.m, t, 4, 3, i32f32_zero());
    }
    assert_int_equal(ar.used, 0); /* scratch given back */
}

/* yuma3.md §2.7 (Q6): explicit zero weights survive only β ∈ {0, 1}. */
static void test_interpolate_keeps_zeros_only_at_ends(void **state)
{
    (void)state;
    yuma_arena ar = scratch();
    sp a, b, out;
    static const uint32_t len[1] = {2};
    static const uint16_t cols[2] = {4, 1};
    static const double va[2] = {0.0, 0.5}, vb[2] = {0.0, 0.25};
    sp_rows(&a, 1, len, cols, va);
    sp_rows(&b, 1, len, cols, vb);
    sp_init(&out, 1);
    assert_true(ym3_interpolate_sparse(&a.m, &b.m, 5, D(0), &out.m, &ar));
    assert_int_equal(ym_nnz(&out.m), 2); /* verbatim: order and the zero kept */
    assert_int_equal(out.col[0], 4);
    assert_true(ym3_interpolate_sparse(&a.m, &b.m, 5, D(1), &out.m, &ar));
    assert_int_equal(ym_nnz(&out.m), 2);
    assert_int_equal(out.val[1].bits, D(0.25).bits);
    assert_true(ym3_interpolate_sparse(&a.m, &b.m, 5, D(0.5), &out.m, &ar));
    assert_int_equal(ym_nnz(&out.m), 1); /* the zero is gone, the row is in column order */
    assert_int_equal(out.col[0], 1);
    assert_int_equal(out.val[0].bits, D(0.375).bits);
}

/* ---- §10.3-§10.5 the EMAs ------------------------------------------------------ */

static const float OLD1[12] = {0.1f, 0.2f, 3.f, 0.04f, 0.05f, 0.06f, 0.07f, 0.08f, 0.09f, 0.10f, 0.11f, 0.12f};
static const float OLD2[12] = {0.001f, 0.002f, 0.003f, 0.004f, 0.05f, 0.006f,
                               0.007f, 0.008f, 0.009f, 0.010f, 0.011f, 0.012f};
static const float T_ALPHA1[12] = {0.19f, 0.38f, 1.f, 0.436f, 0.545f, 0.6539f, 0.763f, 0.8719f, 0.981f, 1.f, 1.f, 1.f};
static const float T_OLD1_CLAMPED[12] = {0.10f, 0.2f, 1.f, 0.0399f, 0.05f, 0.0599f,
                                         0.07f, 0.07999f, 0.09f, 0.1f, 0.10999f, 0.11999f};

static void fill(i32f32 *dst, const float *src, size_t n)
{
    for (size_t k = 0; k < n; k++) dst[k] = F(src[k]);
}

static void test_mat_ema_alpha_dense(void **state)
{
    (void)state;
    i32f32 nw[12], old[12], al[12], out[12];
    float seq[12], seq10[12];
    for (int k = 0; k < 12; k++) {
        seq[k] = (float)(k + 1);
        seq10[k] = (float)(10 * (k + 1));
    }
    fill(old, OLD1, 12);
    fill(nw, seq, 12);
    for (int k = 0; k < 12; k++) al[k] = F(0.1f);
    ym3_mat_ema_alpha_dense(nw, old, al, 12, out);
    for (int k = 0; k < 12; k++) near(out[k], F(T_ALPHA1[k]), D(1e-4), "alpha 0.1", (size_t)k);
    fill(nw, seq10, 12);
    for (int k = 0; k < 12; k++) al[k] = F(0);
    ym3_mat_ema_alpha_dense(nw, old, al, 12, out);
    for (int k = 0; k < 12; k++) near(out[k], F(T_OLD1_CLAMPED[k]), D(1e-4), "alpha 0", (size_t)k);
    fill(old, OLD2, 12);
    fill(nw, OLD1, 12);
    for (int k = 0; k < 12; k++) al[k] = F(1);
    ym3_mat_ema_alpha_dense(nw, old, al, 12, out);
    for (int k = 0; k < 12; k++) near(out[k], F(T_OLD1_CLAMPED[k]), D(1e-4), "alpha 1", (size_t)k);
    /* §10.5 dense: basic (exact), varying alpha (1e-6), single element (exact) */
    static const double bn[6] = {1, 2, 3, 4, 5, 6}, bo[6] = {0.5, 1.5, 2.5, 3.5, 4.5, 5.5};
    static const double ba[6] = {0.2, 0.5, 0.8, 0.2, 0.5, 0.8};
    static const double t_basic[6] = {0.75, 1, 1, 1, 1, 1}, t_vary[6] = {0.6, 1, 1, 1, 1, 1};
    for (int k = 0; k < 6; k++) {
        nw[k] = D(bn[k]);
        old[k] = D(bo[k]);
        al[k] = D(0.5);
    }
    ym3_mat_ema_alpha_dense(nw, old, al, 6, out);
    for (int k = 0; k < 6; k++) assert_int_equal(out[k].bits, D(t_basic[k]).bits);
    for (int k = 0; k < 6; k++) al[k] = D(ba[k]);
    ym3_mat_ema_alpha_dense(nw, old, al, 6, out);
    for (int k = 0; k < 6; k++) near(out[k], D(t_vary[k]), D(1e-6), "varying", (size_t)k);
    nw[0] = D(1.0);
    old[0] = D(0.5);
    al[0] = D(0.5);
    ym3_mat_ema_alpha_dense(nw, old, al, 1, out);
    assert_int_equal(out[0].bits, D(0.75).bits);
}

/* α per entry of the new matrix from a dense alpha (rows x acols). */
static void alpha_of(const ym_sparse *nw, const i32f32 *dense, uint32_t acols, i32f32 *out)
{
    for (uint32_t i = 0; i < nw->rows; i++)
        for (uint32_t q = nw->off[i]; q < nw->off[i + 1]; q++) out[q] = dense[i * acols + nw->col[q]];
}

static void test_mat_ema_alpha_sparse(void **state)
{
    (void)state;
    yuma_arena ar = scratch();
    sp nw, old, out;
    i32f32 dense_alpha[12], al[MAXE];
    float seq[12];
    for (int k = 0; k < 12; k++) {
        seq[k] = (float)(k + 1);
        dense_alpha[k] = F(0.1f);
    }
    static const float T2[12] = {0.0109f, 0.0218f, 0.30270f, 0.007599f, 0.05f, 0.01139f,
                                 0.0133f, 0.01519f, 0.017f, 0.01899f, 0.02089f, 0.0227f};
    static const float T3[12] = {0.01f, 0.02f, 0.3f, 0.00399f, 0.005f, 0.00599f,
                                 0.007f, 0.00799f, 0.009f, 0.01f, 0.011f, 0.01199f};
    static const float T1[12] = {0.19f, 0.38f, 1.f, 0.43599f, 0.545f, 0.65399f, 0.763f, 0.87199f, 0.981f, 1.f, 1.f, 1.f};
    struct { const float *old, *nw, *want; float eps; } cases[] = {
        {OLD1, seq, T1, 1e-4f}, {OLD2, OLD1, T2, 1e-4f}, {ZEROS, OLD1, T3, 1e-4f}, {ZEROS, ZEROS, ZEROS, 1e-4f},
    };
    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
        sp_from_f32(&old, cases[c].old, 4, 3);
        sp_from_f32(&nw, cases[c].nw, 4, 3);
        sp_init(&out, 4);
        alpha_of(&nw.m, dense_alpha, 3, al);
        assert_true(ym3_mat_ema_alpha_sparse(&nw.m, &old.m, al, 3, &out.m, &ar));
        sp_expect(&out.m, cases[c].want, 4, 3, F(cases[c].eps));
    }
    /* Q1: the old bond (0,0) without a new entry is dropped, (1,1) = 0.1 * 2 */
    static const float o5[12] = {1}, n5[12] = {0, 0, 0, 0, 2}, t5[12] = {0, 0, 0, 0, 0.2f};
    sp_from_f32(&old, o5, 4, 3);
    sp_from_f32(&nw, n5, 4, 3);
    alpha_of(&nw.m, dense_alpha, 3, al);
    assert_true(ym3_mat_ema_alpha_sparse(&nw.m, &old.m, al, 3, &out.m, &ar));
    sp_expect(&out.m, t5, 4, 3, D(1e-1));
    assert_int_equal(out.off[1], 0); /* row 0 empty */

    /* §10.5 test_mat_ema_alpha_sparse_* (f64 literals) */
    static const struct {
        uint32_t rows, len[2];
        uint16_t cols[4];
        double nw[4], old[4], alpha[4], want[4], eps;
        uint32_t acols;
    } s5[] = {
        {1, {1}, {0}, {1.0}, {2.0}, {0.5}, {1.0}, 0, 1},                                       /* single */
        {2, {2, 2}, {0, 1, 0, 1}, {1, 2, 3, 4}, {5, 6, 7, 8}, {0.1, 0.2, 0.1, 0.2}, {1, 1, 1, 1}, 1e-6, 2}, /* multiple */
        {1, {1}, {0}, {1.0}, {2.0}, {0.1, 0.0}, {1.0}, 0, 2},                                  /* zero alpha */
        {1, {1}, {0}, {1.0}, {2.0}, {1.0, 0.0}, {1.0}, 0, 2},                                  /* one alpha */
        {2, {2, 2}, {0, 1, 0, 1}, {1, 2, 3, 4}, {5, 6, 7, 8}, {0.3, 0.7, 0.3, 0.7}, {1, 1, 1, 1}, 1e-6, 2}, /* mixed */
        {2, {1, 1}, {0, 1}, {1.0, 4.0}, {5.0, 8.0}, {0.5, 0.5, 0.5, 0.5}, {1, 1}, 0, 2},       /* sparse matrix */
        {2, {2, 2}, {0, 1, 0, 1}, {0.1, 0.2, 0.3, 0.4}, {0.5, 0.6, 0.7, 0.8}, {0.9, 0.8, 0.5, 0.7},
         {0.14, 0.28, 0.499999, 0.519999}, 1e-6, 2},                                           /* varying */
    };
    for (size_t c = 0; c < sizeof s5 / sizeof s5[0]; c++) {
        sp_rows(&nw, s5[c].rows, s5[c].len, s5[c].cols, s5[c].nw);
        sp_rows(&old, s5[c].rows, s5[c].len, s5[c].cols, s5[c].old);
        i32f32 da[4];
        for (int k = 0; k < 4; k++) da[k] = D(s5[c].alpha[k]);
        alpha_of(&nw.m, da, s5[c].acols, al);
        sp_init(&out, s5[c].rows);
        assert_true(ym3_mat_ema_alpha_sparse(&nw.m, &old.m, al, 2, &out.m, &ar));
        assert_int_equal(ym_nnz(&out.m), ym_nnz(&nw.m));
        for (size_t q = 0; q < ym_nnz(&out.m); q++) {
            assert_int_equal(out.col[q], nw.col[q]);
            near(out.val[q], D(s5[c].want[q]), D(s5[c].eps), "mat_ema_alpha_sparse_*", q);
        }
    }
    sp_init(&nw, 0); /* sparse_empty */
    sp_init(&old, 0);
    sp_init(&out, 0);
    assert_true(ym3_mat_ema_alpha_sparse(&nw.m, &old.m, al, 0, &out.m, &ar));
    assert_int_equal(out.m.rows, 0);
    assert_int_equal(ar.used, 0);
}

/* ---- §8 compute_bonds (dense): equal alpha bounds vs liquid alpha off ------------ */

static void test_liquid_alpha_equal_values_against_itself(void **state)
{
    (void)state;
    static const float w[12] = {0., 0.1f, 0., 0., 0.2f, 0.4f, 0., 0.3f, 0.1f, 0., 0.4f, 0.5f};
    static const float b[12] = {0.1f, 0.1f, 0.5f, 0., 0., 0.4f, 0.5f, 0.1f, 0.1f, 0., 0.4f, 0.2f};
    static const float cons[4] = {0.3f, 0.2f, 0.1f, 0.4f};
    static const int64_t on_want[12] = {386550339, 429496735, 1932751667, 0, 85892793, 1717986943,
                                        1932751667, 515389532, 429496735, 0, 1717986943, 987832658};
    static const int64_t off_want[12] = {386547062, 429496735, 1932735283, 0, 85899347, 1717986943,
                                         1932735283, 515396086, 429496735, 0, 1717986943, 987842489};
    i32f32 W[12], B[12], C[4], al[12], on[12], off[12], a;
    fill(W, w, 12);
    fill(B, b, 12);
    fill(C, cons, 4);
    /* AlphaValues (6553, 6553), steepness 1000 (mock default): every α is a_lo = a_hi */
    const ym3_sigmoid sg = ym3_sigmoid_make(6553, 6553, 1000, false);
    assert_int_equal(sg.a_lo.bits, 429463961);
    for (int i = 0; i < 4; i++)
        for (int j = 0; j < 3; j++) al[i * 3 + j] = ym3_alpha_sigmoid(&sg, C[j], W[i * 3 + j], B[i * 3 + j]);
    for (int k = 0; k < 12; k++) assert_int_equal(al[k].bits, 429463961);
    ym3_mat_ema_alpha_dense(W, B, al, 12, on);
    assert_true(ym3_bma_alpha(900000, &a));
    assert_int_equal(a.bits, 429496730);
    ym3_mat_ema_dense(W, B, a, 12, off);
    for (int k = 0; k < 12; k++) {
        assert_int_equal(on[k].bits, on_want[k]);
        assert_int_equal(off[k].bits, off_want[k]);
        near(on[k], off[k], D(1e-3), "on vs off", (size_t)k); /* the upstream assertion */
    }
}

/* ---- §10.6 vec_mul, mat_vec_mul ------------------------------------------------- */

static void test_vec_mul(void **state)
{
    (void)state;
    i32f32 a[8], b[4], out[8];
    for (int k = 0; k < 4; k++) a[k] = b[k] = F((float)(k + 1));
    assert_int_equal(ym3_vec_mul(a, 4, b, 4, out), 4);
    for (int k = 0; k < 4; k++) assert_int_equal(out[k].bits, (int64_t)(k + 1) * (k + 1) * ONE);
    assert_int_equal(ym3_vec_mul(a, 0, b, 4, out), 0);
    for (int k = 0; k < 8; k++) a[k] = F(0);
    assert_int_equal(ym3_vec_mul(a, 8, b, 4, out), 4);
    for (int k = 0; k < 4; k++) assert_int_equal(out[k].bits, 0);
    /* checked_mul(..).unwrap_or_default(): an overflowing product is 0 */
    a[0] = i32f32_from_i32(1 << 20);
    b[0] = i32f32_from_i32(1 << 20);
    assert_int_equal(ym3_vec_mul(a, 1, b, 1, out), 1);
    assert_int_equal(out[0].bits, 0);
}

static void test_mat_vec_mul(void **state)
{
    (void)state;
    float m[12];
    for (int k = 0; k < 12; k++) m[k] = (float)(k + 1);
    static const float v1[3] = {1, 2, 3}, v2[3] = {1, 0, 0};
    static const float t1[12] = {1, 4, 9, 4, 10, 18, 7, 16, 27, 10, 22, 36}, t2[12] = {1, 0, 0, 4, 0, 0, 7, 0, 0, 10, 0, 0};
    i32f32 row[3], v[3], out[3];
    /* dense: mat_vec_mul = vec_mul of every row */
    const float *vs[2] = {v1, v2}, *ts[2] = {t1, t2};
    for (int c = 0; c < 2; c++) {
        fill(v, vs[c], 3);
        for (int i = 0; i < 4; i++) {
            fill(row, m + 3 * i, 3);
            assert_int_equal(ym3_vec_mul(row, 3, v, 3, out), 3);
            for (int j = 0; j < 3; j++) assert_int_equal(out[j].bits, F(ts[c][3 * i + j]).bits);
        }
        fill(row, m, 3);
        assert_int_equal(ym3_vec_mul(row, 3, v, 0, out), 0); /* with []: empty rows */
    }
    /* sparse: zero products dropped; with [] every row is empty */
    sp s;
    for (int c = 0; c < 2; c++) {
        sp_from_f32(&s, m, 4, 3);
        fill(v, vs[c], 3);
        ym3_mat_vec_mul_sparse(&s.m, v, 3);
        sp_expect(&s.m, ts[c], 4, 3, i32f32_zero());
    }
    sp_from_f32(&s, m, 4, 3);
    ym3_mat_vec_mul_sparse(&s.m, v, 0);
    assert_int_equal(s.m.rows, 4);
    assert_int_equal(ym_nnz(&s.m), 0);
}

/* ---- §10.7 masks --------------------------------------------------------------- */

static void test_masks(void **state)
{
    (void)state;
    float m9[9], d9[9] = {1, 0, 0, 0, 5, 0, 0, 0, 9};
    for (int k = 0; k < 9; k++) m9[k] = (float)(k + 1);
    for (int except = 0; except < 3; except++) {
        float t[9] = {0, 2, 3, 4, 0, 6, 7, 8, 0}, only[9] = {0};
        t[4 * except] = m9[4 * except];
        only[4 * except] = d9[4 * except];
        i32f32 dense[9];
        fill(dense, m9, 9);
        ym3_mask_diag_dense_except(dense, 3, 3, except);
        for (int k = 0; k < 9; k++) assert_int_equal(dense[k].bits, F(t[k]).bits);
        sp s;
        sp_from_f32(&s, m9, 3, 3);
        ym3_mask_diag_sparse_except(&s.m, except);
        sp_expect(&s.m, t, 3, 3, i32f32_zero());
        sp_from_f32(&s, d9, 3, 3);
        ym3_mask_diag_sparse_except(&s.m, except);
        sp_expect(&s.m, only, 3, 3, i32f32_zero());
        float z[9] = {0};
        sp_from_f32(&s, z, 3, 3);
        ym3_mask_diag_sparse_except(&s.m, except);
        assert_int_equal(ym_nnz(&s.m), 0);
    }
    sp s; /* except < 0: the plain inplace_mask_diag */
    static const float nodiag[9] = {0, 2, 3, 4, 0, 6, 7, 8, 0};
    sp_from_f32(&s, m9, 3, 3);
    ym3_mask_diag_sparse_except(&s.m, -1);
    sp_expect(&s.m, nodiag, 3, 3, i32f32_zero());
    /* vec_mask_sparse_matrix(M, [1,2,3], [1,2,3], op) */
    static const uint64_t first[3] = {1, 2, 3}, second[3] = {1, 2, 3};
    static const float t_lt[9] = {1, 0, 0, 4, 5, 0, 7, 8, 9}, t_le[9] = {0, 0, 0, 4, 0, 0, 7, 8, 0};
    sp_from_f32(&s, m9, 3, 3);
    ym3_mask_vec_sparse(&s.m, first, second, YM3_EQ);
    sp_expect(&s.m, nodiag, 3, 3, i32f32_zero());
    sp_from_f32(&s, m9, 3, 3);
    ym3_mask_vec_sparse(&s.m, first, second, YM3_LT);
    sp_expect(&s.m, t_lt, 3, 3, i32f32_zero());
    sp_from_f32(&s, m9, 3, 3); /* <= is the outdated rule lu_i <= bar_j (follows from = and <) */
    ym3_mask_vec_sparse(&s.m, first, second, YM3_LE);
    sp_expect(&s.m, t_le, 3, 3, i32f32_zero());
    float z[9] = {0};
    sp_from_f32(&s, z, 3, 3);
    ym3_mask_vec_sparse(&s.m, first, second, YM3_LT);
    assert_int_equal(ym_nnz(&s.m), 0);
    /* scalar_vec_mask_sparse_matrix(M, 2, [1,2,3], <=): columns 1 and 2 go */
    static const float t_sc[9] = {1, 0, 0, 4, 0, 0, 7, 0, 0};
    sp_from_f32(&s, m9, 3, 3);
    ym3_mask_scalar_sparse(&s.m, 2, second);
    sp_expect(&s.m, t_sc, 3, 3, i32f32_zero());
}

/* ---- §10.8 saturating conversions ---------------------------------------------------- */

static void test_conversions(void **state)
{
    (void)state;
    assert_int_equal(ym3_fixed_to_u16(i32f32_from_i32(0)), 0);
    assert_int_equal(ym3_fixed_to_u16(i32f32_from_i32(32767)), 32767);
    assert_int_equal(ym3_fixed_to_u16(i32f32_from_i32(65535)), 65535);
    i32f32 x;
    assert_int_equal(i32f32_from_int(UINT32_MAX, &x), FX_EOVERFLOW); /* from_num(u32::MAX) overflows */
    assert_int_equal(ym3_fixed_to_u64(i32f32_from_i32(0)), 0);
    assert_int_equal(ym3_fixed_to_u64(i32f32_from_i32(-1)), 0);
    assert_true(ym3_fixed64_to_u64(i64f64_from_u64(0)) == 0);
    assert_true(ym3_fixed64_to_u64(i64f64_from_u64(INT64_MAX / 2)) == INT64_MAX / 2);
    assert_true(ym3_fixed64_to_u64(i64f64_from_u64(INT64_MAX)) == INT64_MAX);
    assert_true(ym3_fixed64_to_u64(i64f64_from_bits(-((fx_i128)1 << 64))) == 0);
    assert_int_equal(ym3_fixed64_to_fixed32(i64f64_from_u64(0)).bits, 0);
    assert_int_equal(ym3_fixed64_to_fixed32(i64f64_from_u64(UINT32_MAX / 2)).bits, (int64_t)2147483647 << 32);
    assert_int_equal(ym3_fixed64_to_fixed32(i64f64_from_u64(UINT32_MAX)).bits, INT64_MAX);
    assert_int_equal(ym3_fixed64_to_fixed32(i64f64_from_bits((fx_i128)INT32_MIN * ((fx_i128)1 << 64))).bits,
                     (int64_t)INT32_MIN * ONE);
    assert_int_equal(ym3_fixed64_to_fixed32(i64f64_from_u64(INT32_MAX)).bits, (int64_t)INT32_MAX * ONE);
    assert_int_equal(ym3_fixed64_to_fixed32(i64f64_from_u64(INT64_MAX)).bits, INT64_MAX);
    assert_int_equal(ym3_u16_proportion(0).bits, 0);
    assert_int_equal(ym3_proportion_to_u16(i32f32_zero()), 0);
    assert_int_equal(ym3_proportion_to_u16(i32f32_from_i32(65535)), 65535); /* saturates (v1.2.4 panicked) */
    assert_int_equal(ym3_proportion_to_u16(i32f32_from_i32(-1)), 0);
    /* the encodings of yuma3.md §3 */
    assert_int_equal(ym3_u16_proportion(6553).bits, 429463961);
    assert_int_equal(ym3_u16_proportion(19660).bits, 1288457420);
    assert_int_equal(ym3_u16_proportion(65535).bits, ONE);
    assert_int_equal(ym3_u16_proportion(32767).bits, 2147450879);
    i32f32 a;
    assert_true(ym3_bma_alpha(975000, &a));
    assert_int_equal(a.bits, 107374183);
    assert_true(ym3_bma_alpha(900000, &a));
    assert_int_equal(a.bits, 429496730);
    assert_false(ym3_bma_alpha((uint64_t)1000000 << 31, &a));
}

/* ---- alpha_sigmoid: yuma3.md §5 and quirk Q2 -------------------------------------- */

static void test_alpha_sigmoid_worked_example(void **state)
{
    (void)state;
    const ym3_sigmoid s = ym3_sigmoid_make(6553, 19660, 1000, false);
    assert_int_equal(s.a_lo.bits, 429463961);
    assert_int_equal(s.a_hi.bits, 1288457420);
    assert_int_equal(s.k.bits, -42949672960); /* k = -10 */
    const i32f32 one = i32f32_one(), zero = i32f32_zero(), b = i32f32_from_bits(826224959);
    /* the exp and σ values of step 4 */
    i32f32 e;
    assert_int_equal(ym_exp(i32f32_from_i32(5), &e), FX_OK);
    assert_int_equal(e.bits, 637429664624);
    assert_int_equal(ym_exp(i32f32_from_bits(13212586890), &e), FX_OK);
    assert_int_equal(e.bits, 93106039264);
    assert_int_equal(ym_exp(i32f32_from_i32(-5), &e), FX_OK);
    assert_int_equal(e.bits, 28939262);
    assert_int_equal(ym3_alpha_sigmoid(&s, one, one, b).bits, 435213075);   /* cells (0,3), (1,3) */
    assert_int_equal(ym3_alpha_sigmoid(&s, zero, zero, zero).bits, 435213075); /* every d = 0 cell */
    assert_int_equal(ym3_alpha_sigmoid(&s, one, zero, b).bits, 467341893);  /* cell (2,3): selling */
    assert_int_equal(ym3_alpha_sigmoid(&s, zero, one, zero).bits, 1282708304); /* cell (2,4) */
    /* the Yuma 3 tests' steepness 1000 gives the same α with the clamp (|x| <= 5) */
    const ym3_sigmoid c = ym3_sigmoid_make(6553, 19660, 1000, true);
    assert_int_equal(ym3_alpha_sigmoid(&c, one, one, b).bits, 435213075);
    assert_int_equal(ym3_alpha_sigmoid(&c, zero, one, zero).bits, 1282708304);
}

/* Q2: for a d = 0 cell x = s/200; exp fails beyond raw 89715445397 and
 * safe_exp returns 0, so σ = 1 and α = a_hi (model: s = 4177 -> a_lo,
 * s = 4178 -> a_hi). With the v3.3.2 clamp x = 20: e = exp(20) ≈ 2.0838e18 raw,
 * σ = floor(2^64 / (2^32 + e)) = 8 (2^64/e ≈ 8.85, e far from 2^64/8 and
 * 2^64/9), α = a_lo + floor(8 * 858993459 / 2^32) = a_lo + 1. */
static void test_alpha_sigmoid_q2(void **state)
{
    (void)state;
    const i32f32 z = i32f32_zero();
    const ym3_sigmoid s4177 = ym3_sigmoid_make(6553, 19660, 4177, false);
    const ym3_sigmoid s4178 = ym3_sigmoid_make(6553, 19660, 4178, false);
    const ym3_sigmoid c4178 = ym3_sigmoid_make(6553, 19660, 4178, true);
    assert_int_equal(ym3_alpha_sigmoid(&s4177, z, z, z).bits, 429463961);
    assert_int_equal(ym3_alpha_sigmoid(&s4178, z, z, z).bits, 1288457420);
    assert_int_equal(ym3_alpha_sigmoid(&c4178, z, z, z).bits, 429463962);
    i32f32 e;
    assert_int_equal(ym_exp(i32f32_from_bits(89715445397), &e), FX_OK); /* the boundary of yuma3.md §1.2 */
    assert_int_equal(ym_exp(i32f32_from_bits(89715445398), &e), FX_EOVERFLOW);
    /* the negative side fails on the same magnitude and gives σ = 1 too (the right limit) */
    const ym3_sigmoid neg = ym3_sigmoid_make(6553, 19660, -4178, false);
    assert_int_equal(ym3_alpha_sigmoid(&neg, z, z, z).bits, 1288457420);
}

/* Q3: the chain looks w and b up by a forward merge-scan; in a row stored out
 * of column order the scan passes entries it has not matched. */
static void test_merge_scan_q3(void **state)
{
    (void)state;
    yuma_arena ar = scratch();
    const ym3_sigmoid s = ym3_sigmoid_make(6553, 19660, 1000, false);
    i32f32 cons[5] = {{0}, {0}, {0}, {3 * (ONE / 4)}, {ONE / 8}}, al[4];
    const double w3 = 0.5, w4 = 0.25, b3 = 0.375, b4 = 0.0625;
    sp w, b;
    /* weights in descending column: at j = 3 the cursor stands on (4, ·): w = 0 */
    sp_rows(&w, 1, (const uint32_t[]){2}, (const uint16_t[]){4, 3}, (const double[]){w4, w3});
    sp_rows(&b, 1, (const uint32_t[]){1}, (const uint16_t[]){3}, (const double[]){b3});
    assert_true(ym3_alpha_values_sparse(&s, &w.m, &b.m, cons, 5, al, &ar));
    assert_int_equal(al[1].bits, ym3_alpha_sigmoid(&s, cons[3], i32f32_zero(), D(b3)).bits);
    assert_int_equal(al[0].bits, ym3_alpha_sigmoid(&s, cons[4], D(w4), i32f32_zero()).bits);
    assert_true(al[1].bits != ym3_alpha_sigmoid(&s, cons[3], D(w3), D(b3)).bits);
    /* sorted rows find every value */
    sp_rows(&w, 1, (const uint32_t[]){2}, (const uint16_t[]){3, 4}, (const double[]){w3, w4});
    sp_rows(&b, 1, (const uint32_t[]){2}, (const uint16_t[]){3, 4}, (const double[]){b3, b4});
    assert_true(ym3_alpha_values_sparse(&s, &w.m, &b.m, cons, 5, al, &ar));
    assert_int_equal(al[0].bits, ym3_alpha_sigmoid(&s, cons[3], D(w3), D(b3)).bits);
    assert_int_equal(al[1].bits, ym3_alpha_sigmoid(&s, cons[4], D(w4), D(b4)).bits);
    /* bonds in descending column: the bond on 3 is missed by the scan (b = 0) but
     * still decays in the EMA, which reads the old row by column */
    sp_rows(&b, 1, (const uint32_t[]){2}, (const uint16_t[]){4, 3}, (const double[]){b4, b3});
    assert_true(ym3_alpha_values_sparse(&s, &w.m, &b.m, cons, 5, al, &ar));
    assert_int_equal(al[0].bits, ym3_alpha_sigmoid(&s, cons[3], D(w3), i32f32_zero()).bits);
    assert_int_equal(al[1].bits, ym3_alpha_sigmoid(&s, cons[4], D(w4), D(b4)).bits);
    sp out;
    sp_init(&out, 1);
    assert_true(ym3_mat_ema_alpha_sparse(&w.m, &b.m, al, 5, &out.m, &ar));
    const i32f32 want3 = i32f32_sat_add(i32f32_sat_mul(i32f32_sat_sub(i32f32_one(), al[0]), D(b3)),
                                        i32f32_sat_mul(al[0], D(w3)));
    assert_int_equal(out.val[0].bits, want3.bits);
    assert_int_equal(ar.used, 0);
}

/* ---- the fast primitives against the ones they replace ------------------------------- */

static uint64_t rnd(uint64_t *g);

/* ym3_exp is ym_exp (substrate-fixed's exp, tested in test_yuma_math.c)
 * with unrolled divisions: the same bits and status for every input. */
static void test_exp_unrolled(void **state)
{
    (void)state;
    uint64_t g = 77;
    static const int64_t edge[] = {0, 1, -1, ONE, -ONE, ONE - 1, ONE + 1, 89715445397, 89715445398, -89715445397,
                                   -89715445398, 20 * ONE, -20 * ONE, INT64_MAX, INT64_MIN, INT64_MIN + 1,
                                   INT64_MAX - ONE, INT64_MAX - ONE + 1, 5 * ONE, -5 * ONE};
    for (size_t k = 0; k < sizeof edge / sizeof edge[0] + 400000; k++) {
        int64_t x;
        if (k < sizeof edge / sizeof edge[0]) x = edge[k];
        else if (k % 3 == 0) x = (int64_t)rnd(&g);
        else x = (int64_t)(rnd(&g) % (2 * 89715445400ull)) - 89715445400; /* where exp succeeds */
        i32f32 a = {0}, b = {0};
        const fx_status sa = ym_exp(i32f32_from_bits(x), &a), sb = ym3_exp(i32f32_from_bits(x), &b);
        if (sa != sb || (sa == FX_OK && a.bits != b.bits))
            fail_msg("exp(%lld): ym_exp %d/%lld, ym3_exp %d/%lld", (long long)x, sa, (long long)a.bits, sb,
                     (long long)b.bits);
        /* four lanes at once, this input in lane k % 4 beside three others */
        i32f32 x4[4], e4[4];
        fx_status s4[4];
        for (int l = 0; l < 4; l++) x4[l] = i32f32_from_bits(l == (int)(k % 4) ? x : (int64_t)(rnd(&g) % (30 * (uint64_t)ONE)) - 15 * ONE);
        ym3_exp4(x4, e4, s4);
        for (int l = 0; l < 4; l++) {
            i32f32 e1 = {0};
            const fx_status s1 = ym_exp(x4[l], &e1);
            if (s1 != s4[l] || (s1 == FX_OK && e1.bits != e4[l].bits))
                fail_msg("exp4 lane %d (%lld): %d/%lld, ym_exp %d/%lld", l, (long long)x4[l].bits, s4[l],
                         (long long)e4[l].bits, s1, (long long)e1.bits);
        }
    }
    /* α of four gaps at once, with and without the clamp, around Q2 too */
    for (int round = 0; round < 20000; round++) {
        const int16_t steep = round % 3 ? (int16_t)rnd(&g) : (int16_t)(4000 + rnd(&g) % 400);
        const ym3_sigmoid sg = ym3_sigmoid_make((uint16_t)rnd(&g), (uint16_t)rnd(&g), steep, round % 2);
        int64_t d[4];
        i32f32 a4[4];
        for (int l = 0; l < 4; l++) d[l] = rnd(&g) % 4 ? (int64_t)(rnd(&g) % ((uint64_t)ONE + 1)) : (l % 2) * ONE;
        ym3_alpha_of_d4(&sg, d, a4);
        for (int l = 0; l < 4; l++) assert_int_equal(a4[l].bits, ym3_alpha_of_d(&sg, d[l]).bits);
    }
    /* many gaps at once on the lanes of every ISA: random gaps and those
     * where the exponent is 0, ONE (steepness -200 at d = ONE) or at the
     * lanes' bound 20 ONE and beyond it */
    const ym_impl isa[3] = {YM_IMPL_DENSE, YM_IMPL_DENSE_AVX2, YM_IMPL_DENSE_AVX512};
    for (int round = 0; round < 4000; round++) {
        const int16_t steep = round % 5 == 0   ? -200
                              : round % 5 == 1 ? (int16_t)(4000 + rnd(&g) % 400)
                              : round % 5 == 2 ? 1000
                                               : (int16_t)rnd(&g);
        const ym3_sigmoid sg = ym3_sigmoid_make((uint16_t)rnd(&g), (uint16_t)rnd(&g), steep, round % 2);
        enum { M = 67 };
        int64_t d[M], a[M];
        for (int k = 0; k < M; k++) {
            switch (rnd(&g) % 6) {
            case 0: d[k] = (int64_t)(rnd(&g) % 3) * HALF_ONE; break;
            case 1: d[k] = ONE - (int64_t)(rnd(&g) % 3); break;
            case 2: d[k] = (int64_t)(rnd(&g) % ((uint64_t)1 << (rnd(&g) % 33))); break;
            default: d[k] = (int64_t)(rnd(&g) % ((uint64_t)ONE + 1)); break;
            }
        }
        if (sg.k.bits) { /* the gaps whose exponent is about +-20 ONE */
            for (int k = 0; k < 8; k++) {
                const int64_t target = (k & 1 ? 20 : -20) * ONE + (int64_t)(k / 2) - 2;
                const int64_t dd = HALF_ONE + (int64_t)((fx_i128)target * ONE / sg.k.bits);
                if (dd >= 0 && dd <= ONE) d[M - 1 - k] = dd;
            }
        }
        for (int z = 0; z < 3; z++) {
            if (!ym_impl_available(isa[z])) continue;
            const size_t m = (size_t)(rnd(&g) % (M + 1));
            ym3_alpha_batch(&sg, d, m, a, isa[z]);
            for (size_t k = 0; k < m; k++)
                if (a[k] != ym3_alpha_of_d(&sg, d[k]).bits)
                    fail_msg("alpha lanes (isa %d, steepness %d, clamp %d) of d = %lld: %lld, ym3_alpha_of_d %lld", z,
                             steep, sg.clamp, (long long)d[k], (long long)a[k], (long long)ym3_alpha_of_d(&sg, d[k]).bits);
        }
    }
}

/* ---- the epoch against a literal reference --------------------------------------------- */

#define MAXN 12

typedef struct row {
    uint32_t len;
    uint16_t col[MAXN + 2];
    uint16_t val[MAXN + 2];
} row;

typedef struct state {
    yuma_params p;
    uint32_t n;
    uint64_t block, emission;
    uint64_t stake[MAXN], lu[MAXN], bar[MAXN];
    bool permit[MAXN];
    row w[MAXN], b[MAXN];
} state;

typedef struct ref_out {
    bool active[MAXN], permit[MAXN];
    uint16_t sw[MAXN], rank[MAXN], trust[MAXN], cons[MAXN], inc[MAXN], div[MAXN], vt[MAXN], ps[MAXN];
    uint64_t em[MAXN], srv[MAXN], val[MAXN];
    uint8_t action[MAXN];
    row bonds[MAXN];
} ref_out;

/* a sparse row of I32F32 values in a given order */
typedef struct frow {
    uint32_t len;
    uint16_t col[MAXN + 2];
    i32f32 val[MAXN + 2];
} frow;

static void fpush(frow *r, uint16_t j, i32f32 v)
{
    r->col[r->len] = j;
    r->val[r->len++] = v;
}

static i32f32 rdiv(i32f32 a, i32f32 b) { return i32f32_safe_div(a, b); }

static void rnormalize(i32f32 *x, uint32_t n)
{
    i32f32 s = i32f32_zero();
    for (uint32_t i = 0; i < n; i++) s = i32f32_wrap_add(s, x[i]);
    if (s.bits)
        for (uint32_t i = 0; i < n; i++) x[i] = rdiv(x[i], s);
}

/* yuma3.md §2, read literally: vectors of rows, the chain's loops. */
static void ref_epoch(const state *s, ref_out *r)
{
    const uint32_t n = s->n;
    const yuma_params *p = &s->p;
    i32f32 stake[MAXN], a[MAXN];
    memset(r, 0, sizeof *r);
    /* 2.1 */
    for (uint32_t i = 0; i < n; i++) {
        uint64_t u = s->lu[i] + p->activity_cutoff;
        if (u < s->lu[i]) u = UINT64_MAX;
        r->active[i] = !(u < s->block);
    }
    /* 2.2: I64F64 T = S (or 0 below the threshold), inplace_normalize_64, narrowed */
    i64f64 t[MAXN];
    for (uint32_t i = 0; i < n; i++) t[i] = i64f64_from_u64(s->stake[i]);
    for (uint32_t i = 0; i < n; i++)
        if (ym3_fixed64_to_u64(t[i]) < p->stake_threshold) t[i] = i64f64_from_bits(0);
    ym_normalize_64(t, n);
    for (uint32_t i = 0; i < n; i++) stake[i] = ym3_fixed64_to_fixed32(t[i]);
    /* 2.3 is_topk_nonzero: stable ascending sort, the first n - K lose */
    for (uint32_t i = 0; i < n; i++) r->permit[i] = stake[i].bits != 0;
    if (n >= p->max_allowed_validators) {
        uint32_t idx[MAXN];
        for (uint32_t i = 0; i < n; i++) idx[i] = i;
        for (uint32_t i = 1; i < n; i++) /* insertion sort: stable */
            for (uint32_t k = i; k > 0 && stake[idx[k - 1]].bits > stake[idx[k]].bits; k--) {
                uint32_t tmp = idx[k];
                idx[k] = idx[k - 1];
                idx[k - 1] = tmp;
            }
        for (uint32_t k = 0; k < n - p->max_allowed_validators; k++) r->permit[idx[k]] = false;
    }
    /* 2.4 */
    for (uint32_t i = 0; i < n; i++) a[i] = r->active[i] && s->permit[i] ? stake[i] : i32f32_zero();
    rnormalize(a, n);
    /* 2.5 */
    frow W[MAXN], Wc[MAXN], W4B[MAXN], B[MAXN], E[MAXN];
    for (uint32_t i = 0; i < n; i++) {
        W[i].len = 0;
        if (!s->permit[i]) continue;
        for (uint32_t q = 0; q < s->w[i].len; q++) {
            const uint16_t j = s->w[i].col[q];
            if (j >= n) continue;
            if (j == i && (int64_t)i != p->owner_uid) continue;
            if (s->lu[i] <= s->bar[j]) continue;
            fpush(&W[i], j, i32f32_from_u16(s->w[i].val[q]));
        }
        i32f32 sum = i32f32_zero();
        for (uint32_t q = 0; q < W[i].len; q++) sum = i32f32_wrap_add(sum, W[i].val[q]);
        if (sum.bits > 0)
            for (uint32_t q = 0; q < W[i].len; q++) W[i].val[q] = rdiv(W[i].val[q], sum);
    }
    /* 2.6 */
    i32f32 P[MAXN] = {{0}}, C[MAXN], R[MAXN] = {{0}}, T[MAXN], VT[MAXN];
    for (uint32_t i = 0; i < n; i++)
        for (uint32_t q = 0; q < W[i].len; q++)
            P[W[i].col[q]] = i32f32_sat_add(P[W[i].col[q]], i32f32_sat_mul(a[i], W[i].val[q]));
    const i32f32 kappa = ym3_u16_proportion(p->kappa);
    i32f32 u[MAXN];
    uint32_t np = 0, who[MAXN];
    for (uint32_t i = 0; i < n; i++)
        if (a[i].bits > 0) {
            who[np] = i;
            u[np++] = a[i];
        }
    rnormalize(u, np);
    i32f32 sigma = i32f32_zero();
    for (uint32_t k = 0; k < np; k++) sigma = i32f32_wrap_add(sigma, u[k]);
    const i32f32 minority = i32f32_sat_sub(sigma, kappa);
    for (uint32_t j = 0; j < n; j++) {
        i32f32 score[MAXN];
        uint32_t idx[MAXN], scr[2 * MAXN];
        for (uint32_t k = 0; k < np; k++) {
            score[k] = i32f32_zero();
            for (uint32_t q = 0; q < W[who[k]].len; q++)
                if (W[who[k]].col[q] == j) score[k] = W[who[k]].val[q];
            idx[k] = k;
        }
        C[j] = np ? ym_weighted_median_literal(u, score, idx, np, minority, i32f32_zero(), sigma, scr) : i32f32_zero();
    }
    for (uint32_t i = 0; i < n; i++) {
        Wc[i].len = 0;
        VT[i] = i32f32_zero();
        for (uint32_t q = 0; q < W[i].len; q++) {
            const uint16_t j = W[i].col[q];
            i32f32 v = W[i].val[q];
            if (C[j].bits < v.bits) {
                if (C[j].bits <= 0) continue;
                v = C[j];
            }
            fpush(&Wc[i], j, v);
            VT[i] = i32f32_wrap_add(VT[i], v);
            R[j] = i32f32_sat_add(R[j], i32f32_sat_mul(a[i], v));
        }
    }
    for (uint32_t j = 0; j < n; j++) T[j] = P[j].bits ? rdiv(R[j], P[j]) : i32f32_zero();
    rnormalize(R, n);
    /* 2.7 */
    const i32f32 beta = ym3_u16_proportion(p->bonds_penalty);
    for (uint32_t i = 0; i < n; i++) {
        if (beta.bits == 0) W4B[i] = W[i];
        else if (beta.bits == ONE) W4B[i] = Wc[i];
        else {
            i32f32 r1[MAXN] = {{0}}, r2[MAXN] = {{0}};
            for (uint32_t q = 0; q < W[i].len; q++) r1[W[i].col[q]] = W[i].val[q];
            for (uint32_t q = 0; q < Wc[i].len; q++) r2[Wc[i].col[q]] = Wc[i].val[q];
            W4B[i].len = 0;
            for (uint32_t j = 0; j < n; j++) {
                const i32f32 x = i32f32_sat_add(r1[j], i32f32_sat_mul(beta, i32f32_sat_sub(r2[j], r1[j])));
                if (x.bits > 0) fpush(&W4B[i], (uint16_t)j, x);
            }
        }
    }
    /* 2.10.1, 2.8 */
    const uint64_t last_tempo = s->block > p->tempo ? s->block - p->tempo : 0;
    for (uint32_t i = 0; i < n; i++) {
        B[i].len = 0;
        for (uint32_t q = 0; q < s->b[i].len; q++) {
            const uint16_t j = s->b[i].col[q];
            if (last_tempo <= s->bar[j]) continue;
            fpush(&B[i], j, rdiv(i32f32_from_u16(s->b[i].val[q]), i32f32_from_u16(65535)));
        }
    }
    /* 2.10.2-2.10.4 */
    bool any = false;
    for (uint32_t j = 0; j < n; j++) any |= C[j].bits != 0;
    if (p->liquid_alpha_enabled && n > 0 && any) {
        const ym3_sigmoid sg = ym3_sigmoid_make(p->alpha_low, p->alpha_high, p->alpha_sigmoid_steepness,
                                                p->yuma3_sigmoid_clamp);
        for (uint32_t i = 0; i < n; i++) {
            i32f32 al[MAXN];
            uint32_t cw = 0, cb = 0; /* compute_liquid_alpha_values_sparse: every j, peekable cursors */
            for (uint32_t j = 0; j < n; j++) {
                i32f32 w = i32f32_zero(), b = i32f32_zero();
                while (cw < W4B[i].len && W4B[i].col[cw] < j) cw++;
                if (cw < W4B[i].len && W4B[i].col[cw] == j) w = W4B[i].val[cw];
                while (cb < B[i].len && B[i].col[cb] < j) cb++;
                if (cb < B[i].len && B[i].col[cb] == j) b = B[i].val[cb];
                al[j] = ym3_alpha_sigmoid(&sg, C[j], w, b);
            }
            i32f32 dec[MAXN] = {{0}}; /* mat_ema_alpha_sparse */
            for (uint32_t q = 0; q < B[i].len; q++)
                dec[B[i].col[q]] = i32f32_sat_mul(i32f32_sat_sub(i32f32_one(), al[B[i].col[q]]), B[i].val[q]);
            E[i].len = 0;
            for (uint32_t q = 0; q < W4B[i].len; q++) {
                const uint16_t j = W4B[i].col[q];
                i32f32 inc = i32f32_sat_mul(al[j], W4B[i].val[q]);
                if (inc.bits < 0) inc = i32f32_zero();
                i32f32 v = i32f32_sat_add(dec[j], inc);
                if (v.bits > ONE) v = i32f32_one();
                if (v.bits > 0) fpush(&E[i], j, v);
            }
        }
    } else {
        i32f32 alpha;
        assert_true(ym3_bma_alpha(p->bonds_moving_average, &alpha));
        const i32f32 om = i32f32_sat_sub(i32f32_one(), alpha);
        for (uint32_t i = 0; i < n; i++) { /* mat_ema_sparse */
            i32f32 acc[MAXN] = {{0}};
            for (uint32_t q = 0; q < W4B[i].len; q++)
                acc[W4B[i].col[q]] = i32f32_sat_add(acc[W4B[i].col[q]], i32f32_sat_mul(alpha, W4B[i].val[q]));
            for (uint32_t q = 0; q < B[i].len; q++)
                acc[B[i].col[q]] = i32f32_sat_add(acc[B[i].col[q]], i32f32_sat_mul(om, B[i].val[q]));
            E[i].len = 0;
            for (uint32_t j = 0; j < n; j++)
                if (acc[j].bits > 0) fpush(&E[i], (uint16_t)j, acc[j]);
        }
    }
    /* 2.10.5 */
    i32f32 colsum[MAXN] = {{0}}, Dv[MAXN];
    for (uint32_t i = 0; i < n; i++)
        for (uint32_t q = 0; q < E[i].len; q++) colsum[E[i].col[q]] = i32f32_sat_add(colsum[E[i].col[q]], E[i].val[q]);
    for (uint32_t i = 0; i < n; i++) {
        i32f32 tb = i32f32_zero();
        for (uint32_t q = 0; q < E[i].len; q++) {
            const uint16_t j = E[i].col[q];
            const i32f32 nv = colsum[j].bits ? rdiv(E[i].val[q], colsum[j]) : E[i].val[q];
            const i32f32 pv = i32f32_sat_mul(nv, R[j]);
            if (pv.bits) tb = i32f32_wrap_add(tb, pv);
        }
        if (i32f32_checked_mul(tb, a[i], &Dv[i]) != FX_OK) Dv[i] = i32f32_zero();
    }
    rnormalize(Dv, n);
    /* 2.11 */
    i32f32 X[MAXN], ns[MAXN], nv[MAXN], nc[MAXN], esum = i32f32_zero();
    for (uint32_t i = 0; i < n; i++) {
        X[i] = i32f32_sat_add(R[i], Dv[i]);
        esum = i32f32_wrap_add(esum, X[i]);
    }
    for (uint32_t i = 0; i < n; i++) {
        ns[i] = esum.bits ? rdiv(R[i], esum) : R[i];
        nv[i] = esum.bits ? rdiv(Dv[i], esum) : Dv[i];
        nc[i] = X[i];
    }
    rnormalize(nc, n);
    if (esum.bits == 0) {
        bool zero = true;
        for (uint32_t i = 0; i < n; i++) zero &= a[i].bits == 0;
        for (uint32_t i = 0; i < n; i++) nv[i] = nc[i] = zero ? stake[i] : a[i];
    }
    for (uint32_t i = 0; i < n; i++) {
        r->srv[i] = (uint64_t)(((fx_u128)(uint64_t)ns[i].bits * s->emission) >> 32);
        r->val[i] = (uint64_t)(((fx_u128)(uint64_t)nv[i].bits * s->emission) >> 32);
        r->em[i] = (uint64_t)(((fx_u128)(uint64_t)nc[i].bits * s->emission) >> 32);
        r->sw[i] = ym3_proportion_to_u16(stake[i]);
        r->rank[i] = r->inc[i] = ym3_proportion_to_u16(R[i]);
        r->trust[i] = ym3_proportion_to_u16(T[i]);
        r->cons[i] = ym3_proportion_to_u16(C[i]);
        r->div[i] = ym3_proportion_to_u16(Dv[i]);
        r->vt[i] = ym3_proportion_to_u16(VT[i]);
    }
    ym_vec_max_upscale_to_u16(nc, n, r->ps);
    /* 2.10.6 */
    for (uint32_t i = 0; i < n; i++) {
        r->action[i] = r->permit[i] ? YUMA_BONDS_SET : s->permit[i] ? YUMA_BONDS_CLEAR : YUMA_BONDS_KEEP;
        if (r->permit[i]) {
            r->bonds[i].len = E[i].len;
            for (uint32_t q = 0; q < E[i].len; q++) {
                r->bonds[i].col[q] = E[i].col[q];
                r->bonds[i].val[q] = ym3_proportion_to_u16(E[i].val[q]);
            }
        }
    }
}

typedef struct csr_buf {
    uint32_t off[MAXN + 1];
    yuma_entry ent[MAXN * (MAXN + 2)];
} csr_buf;

static yuma_csr to_csr(const row *rows, uint32_t n, csr_buf *buf)
{
    buf->off[0] = 0;
    for (uint32_t i = 0; i < n; i++) {
        for (uint32_t q = 0; q < rows[i].len; q++)
            buf->ent[buf->off[i] + q] = (yuma_entry){rows[i].col[q], rows[i].val[q]};
        buf->off[i + 1] = buf->off[i] + rows[i].len;
    }
    yuma_csr c = {buf->off, buf->ent};
    return c;
}

static yuma_status run_epoch(const state *s, yuma_output *o, yuma_arena *a)
{
    static csr_buf wb, bb;
    yuma_input in = {.n = s->n, .current_block = s->block, .rao_emission = s->emission, .stake = s->stake,
                     .last_update = s->lu, .block_at_registration = s->bar, .permit_old = s->permit,
                     .weights = to_csr(s->w, s->n, &wb), .bonds = to_csr(s->b, s->n, &bb), .bonds_reset = NULL};
    return yuma_epoch(&s->p, &in, o, a);
}

static void compare(const state *s, const yuma_output *o, const ref_out *r, unsigned long long seed)
{
#define CMP(field, ref)                                                                                      \
    for (uint32_t i = 0; i < s->n; i++)                                                                      \
        if ((uint64_t)o->field[i] != (uint64_t)r->ref[i])                                                    \
            fail_msg("seed %llu: %s[%u] = %llu, reference %llu", seed, #field, i, (unsigned long long)o->field[i], \
                     (unsigned long long)r->ref[i]);
    CMP(active, active)
    CMP(permit_new, permit)
    CMP(stake_weight, sw)
    CMP(rank, rank)
    CMP(trust, trust)
    CMP(consensus, cons)
    CMP(incentive, inc)
    CMP(dividends, div)
    CMP(validator_trust, vt)
    CMP(pruning_score, ps)
    CMP(emission, em)
    CMP(server_emission, srv)
    CMP(validator_emission, val)
    CMP(bonds_action, action)
#undef CMP
    for (uint32_t i = 0; i < s->n; i++) {
        if (o->bonds_action[i] != YUMA_BONDS_SET) continue;
        const uint32_t len = o->bonds_off[i + 1] - o->bonds_off[i];
        if (len != r->bonds[i].len) fail_msg("seed %llu: bond row %u has %u entries, reference %u", seed, i, len,
                                             r->bonds[i].len);
        for (uint32_t q = 0; q < len; q++) {
            const yuma_entry e = o->bonds_ent[o->bonds_off[i] + q];
            if (e.col != r->bonds[i].col[q] || e.val != r->bonds[i].val[q])
                fail_msg("seed %llu: bond (%u, #%u) = (%u, %u), reference (%u, %u)", seed, i, q, e.col, e.val,
                         r->bonds[i].col[q], r->bonds[i].val[q]);
        }
    }
}

static uint64_t rnd(uint64_t *g) /* splitmix64 */
{
    uint64_t z = (*g += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

static uint64_t below(uint64_t *g, uint64_t k) { return rnd(g) % k; }

static uint16_t rnd_u16(uint64_t *g)
{
    switch (below(g, 5)) {
    case 0: return 0;
    case 1: return 65535;
    case 2: return (uint16_t)below(g, 8);
    default: return (uint16_t)rnd(g);
    }
}

/* A row of distinct columns < n in a random order (sorted half the time). */
static void rnd_row(row *r, uint32_t n, uint64_t *g, uint32_t maxlen)
{
    uint16_t perm[MAXN];
    for (uint32_t j = 0; j < n; j++) perm[j] = (uint16_t)j;
    for (uint32_t j = n; j > 1; j--) {
        uint32_t k = (uint32_t)below(g, j), t = perm[j - 1];
        perm[j - 1] = perm[k];
        perm[k] = (uint16_t)t;
    }
    r->len = (uint32_t)below(g, (maxlen < n ? maxlen : n) + 1);
    if (below(g, 2)) /* sorted */
        for (uint32_t a = 1; a < r->len; a++)
            for (uint32_t b = a; b > 0 && perm[b - 1] > perm[b]; b--) {
                uint16_t t = perm[b];
                perm[b] = perm[b - 1];
                perm[b - 1] = t;
            }
    for (uint32_t q = 0; q < r->len; q++) {
        r->col[q] = perm[q];
        r->val[q] = rnd_u16(g);
    }
}

/* Bonds penalty 0, 65535 or any; steepness at the runtime value, around
 * Q2 or any; the sigmoid clamp or not. */
static void rnd_penalty_sigmoid(yuma_params *p, uint64_t *g)
{
    switch (below(g, 4)) {
    case 0: p->bonds_penalty = 0; break;
    case 1: p->bonds_penalty = 65535; break;
    default: p->bonds_penalty = (uint16_t)rnd(g); break;
    }
    switch (below(g, 4)) {
    case 0: p->alpha_sigmoid_steepness = 1000; break;
    case 1: p->alpha_sigmoid_steepness = (int16_t)(4000 + below(g, 400)); break; /* around Q2 */
    default: p->alpha_sigmoid_steepness = (int16_t)rnd(g); break;
    }
    p->yuma3_sigmoid_clamp = below(g, 2) != 0;
}

static void rnd_state(state *s, uint64_t *g)
{
    memset(s, 0, sizeof *s);
    s->p = yuma_params_default();
    s->p.version = YUMA_V3;
    s->n = 1 + (uint32_t)below(g, MAXN);
    const uint32_t n = s->n;
    s->block = 10 + below(g, 40);
    s->emission = below(g, 4) ? 1000000000 : rnd(g);
    s->p.kappa = below(g, 3) ? 32767 : (uint16_t)rnd(g);
    /* above 10^6: a constant α below 0 (the saturating path) */
    s->p.bonds_moving_average = below(g, 3) ? 975000 : below(g, 8) ? below(g, 1000001) : 1000001 + below(g, 3000000);
    s->p.activity_cutoff = below(g, 3) ? 5000 : below(g, 30);
    s->p.max_allowed_validators = (uint16_t)below(g, n + 3);
    s->p.liquid_alpha_enabled = below(g, 4) != 0;
    s->p.alpha_low = below(g, 2) ? 6553 : (uint16_t)(1638 + below(g, 40000));
    s->p.alpha_high = below(g, 2) ? 19660 : (uint16_t)(s->p.alpha_low + below(g, 65536u - s->p.alpha_low));
    rnd_penalty_sigmoid(&s->p, g);
    s->p.stake_threshold = below(g, 2) ? 0 : below(g, 2000);
    s->p.owner_uid = below(g, 2) ? -1 : (int32_t)below(g, n + 1);
    s->p.tempo = (uint16_t)below(g, 20);
    for (uint32_t i = 0; i < n; i++) {
        s->stake[i] = below(g, 4) ? below(g, 3000) : 0;
        s->lu[i] = below(g, s->block + 1);
        s->bar[i] = below(g, s->block + 1);
        s->permit[i] = below(g, 4) != 0;
        rnd_row(&s->w[i], n, g, n);
        rnd_row(&s->b[i], n, g, n);
    }
}

static void test_against_reference(void **state_)
{
    (void)state_;
    static unsigned char buf[4 << 20];
    yuma_arena a = {buf, sizeof buf, 0};
    static state s;
    static ref_out r;
    yuma_output o;
    for (unsigned long long seed = 1; seed <= 4000; seed++) {
        uint64_t g = seed * 0x2545F4914F6CDD1Dull;
        rnd_state(&s, &g);
        ref_epoch(&s, &r);
        yuma_status st = run_epoch(&s, &o, &a);
        if (st != YUMA_OK) fail_msg("seed %llu: %s", seed, yuma_strerror(st));
        compare(&s, &o, &r, seed);
    }
}

/* The v3 path refuses what the chain would panic on, and sizes its arena. */
static void test_refusals_and_arena(void **state_)
{
    (void)state_;
    static state s;
    memset(&s, 0, sizeof s);
    s.p = yuma_params_default();
    s.p.version = YUMA_V3;
    s.n = 3;
    s.block = 10;
    for (int i = 0; i < 3; i++) {
        s.stake[i] = 5;
        s.permit[i] = true;
        s.lu[i] = 5;
    }
    s.w[0] = (row){2, {1, 2}, {7, 9}};
    s.b[0] = (row){2, {2, 1}, {7, 9}};
    static unsigned char buf[1 << 16];
    yuma_output o;
    yuma_arena a = {buf, sizeof buf, 0};
    assert_int_equal(run_epoch(&s, &o, &a), YUMA_OK);
    const size_t need = yuma_v3_arena_need(3, 2, 2);
    assert_true(need <= yuma_arena_need(3, 2, 2)); /* the public bound covers both variants */
    for (int shift = 0; shift < 16; shift++) {
        yuma_arena b = {buf + shift, need, 0};
        assert_int_equal(run_epoch(&s, &o, &b), YUMA_OK);
        b.cap = need - 1;
        assert_int_equal(run_epoch(&s, &o, &b), YUMA_ENOMEM);
    }
    state t = s; /* a bond towards a uid that does not exist: the mask indexes bar by it */
    t.b[1] = (row){1, {3}, {1}};
    assert_int_equal(run_epoch(&t, &o, &a), YUMA_EINPUT);
    t = s; /* duplicate columns */
    t.w[1] = (row){3, {0, 2, 0}, {1, 2, 3}};
    assert_int_equal(run_epoch(&t, &o, &a), YUMA_EINPUT);
    t = s; /* Σ stake >= 2^63 over the stakes that pass the threshold */
    t.stake[0] = t.stake[1] = (uint64_t)1 << 62;
    assert_int_equal(run_epoch(&t, &o, &a), YUMA_EINPUT);
    t.p.stake_threshold = 6; /* ... uid 2 (stake 5) no longer counts: 2^63 still overflows */
    assert_int_equal(run_epoch(&t, &o, &a), YUMA_EINPUT);
    t.stake[1] = ((uint64_t)1 << 62) - 1; /* 2^63 - 1: fine */
    assert_int_equal(run_epoch(&t, &o, &a), YUMA_OK);
    t = s;
    t.p.bonds_moving_average = (uint64_t)1000000 << 31;
    assert_int_equal(run_epoch(&t, &o, &a), YUMA_EINPUT);
    t = s;
    t.n = 0;
    assert_int_equal(run_epoch(&t, &o, &a), YUMA_OK);
    assert_int_equal(o.bonds_off[0], 0);
}

/* ---- the implementations of the Yuma 3 epoch --------------------------------------------- */

/* Every row of a CSR in increasing column order (stable: a duplicate stays
 * a duplicate). */
static void sort_rows(const uint32_t *off, yuma_entry *ent, uint32_t n)
{
    for (uint32_t i = 0; i < n; i++)
        for (uint32_t a = off[i] + 1; a < off[i + 1]; a++)
            for (uint32_t b = a; b > off[i] && ent[b - 1].col > ent[b].col; b--) {
                const yuma_entry t = ent[b];
                ent[b] = ent[b - 1];
                ent[b - 1] = t;
            }
}

/* The Yuma 3 switches on a subnet of tests/support_yuma.c: bonds penalty
 * 0, 65535 and others, steepness at the runtime value, around Q2 and any,
 * the sigmoid clamp, alpha bounds at 0 and 1, a stake threshold
 * (validators filtered out), the owner's self-weight, the tempo of the
 * outdated-bond rule, subnets without any stake, and validators with the
 * same weights (the gaps repeat: the dense passes' memo). */
static void v3_switches(sy_sub *s, uint64_t *g)
{
    s->p.version = YUMA_V3;
    rnd_penalty_sigmoid(&s->p, g);
    if (sy_below(g, 8) == 0) s->p.alpha_low = 0;        /* α may be 0 ... */
    if (sy_below(g, 8) == 0) s->p.alpha_high = 65535;   /* ... or ONE: products of ONE by ONE */
    s->p.stake_threshold = sy_below(g, 2) ? 0 : sy_below(g, (uint64_t)1 << 50);
    s->p.owner_uid = sy_below(g, 2) ? -1 : (int32_t)sy_below(g, s->n);
    s->p.tempo = (uint16_t)sy_below(g, 40);
    if (sy_below(g, 12) == 0) memset(s->stake, 0, s->n * sizeof *s->stake);
    if (sy_below(g, 6) == 0) /* validators with the same weights: the rows as long as row 0 copy it */
        for (uint32_t i = 1; i < s->n; i++)
            if (s->w_off[i + 1] - s->w_off[i] == s->w_off[1] - s->w_off[0])
                memcpy(s->w_ent + s->w_off[i], s->w_ent, (s->w_off[1] - s->w_off[0]) * sizeof *s->w_ent);
}

/* ym_epoch_v3 with every implementation (the sparse passes; the dense ones
 * on the portable lanes, the fallback, and on AVX2 and AVX-512 where the
 * CPU has them; the automatic choice) on the same random subnets, three
 * epochs each with the bonds written back: the same status and the same
 * bytes in every output. Half the subnets keep every row in column order,
 * where the dense passes run Liquid Alpha 2 themselves (explicit zero
 * weights, cells with and without a gap, the memo); in the others a
 * shuffled row sends an LA2 epoch to the sparse passes. The sparse passes
 * are themselves checked against the literal reference above. */
static void test_epoch_impls(void **state_)
{
    (void)state_;
    sy_sub s;
    sy_sub_storage(&s);
    sy_impls h;
    sy_impls_init(&h, ym_epoch_v3, ym_epoch_v3_dense_need(SY_MAXN, SY_MAXN * (SY_MAXN + 3), SY_MAXN * SY_MAXN) + 64);
    uint64_t g = 31337;
    int refused = 0, big = 0, la2_sorted = 0, penalty[3] = {0};
    for (int t = 0; t < 3000; t++) {
        sy_sub_init(&s, &g);
        v3_switches(&s, &g);
        const bool sorted = sy_below(&g, 2);
        big += s.n > 64;
        penalty[s.p.bonds_penalty == 0 ? 0 : s.p.bonds_penalty == 65535 ? 1 : 2]++;
        for (int e = 0; e < 3; e++) {
            if (sorted) {
                sort_rows(s.w_off, s.w_ent, s.n);
                sort_rows(s.b_off, s.b_ent, s.n);
            }
            yuma_output want;
            yuma_status st;
            const char *why = sy_impls_epoch(&h, &s, &want, &st);
            if (why) fail_msg("case %d epoch %d: %s", t, e, why);
            refused += st != YUMA_OK;
            la2_sorted += sorted && s.p.liquid_alpha_enabled && st == YUMA_OK;
            if (st != YUMA_OK) break;
            sy_sub_step(&s, &want, &g);
        }
    }
    assert_true(h.ran[0] > 6000); /* the portable fallback always runs */
    assert_true(refused > 80 && big > 400 && la2_sorted > 1200);
    assert_true(penalty[0] > 400 && penalty[1] > 400 && penalty[2] > 400);
    sy_impls_free(&h);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_interpolate_dense),
        cmocka_unit_test(test_interpolate_sparse),
        cmocka_unit_test(test_interpolate_keeps_zeros_only_at_ends),
        cmocka_unit_test(test_mat_ema_alpha_dense),
        cmocka_unit_test(test_mat_ema_alpha_sparse),
        cmocka_unit_test(test_liquid_alpha_equal_values_against_itself),
        cmocka_unit_test(test_vec_mul),
        cmocka_unit_test(test_mat_vec_mul),
        cmocka_unit_test(test_masks),
        cmocka_unit_test(test_conversions),
        cmocka_unit_test(test_alpha_sigmoid_worked_example),
        cmocka_unit_test(test_alpha_sigmoid_q2),
        cmocka_unit_test(test_merge_scan_q3),
        cmocka_unit_test(test_exp_unrolled),
        cmocka_unit_test(test_against_reference),
        cmocka_unit_test(test_refusals_and_arena),
        cmocka_unit_test(test_epoch_impls),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
