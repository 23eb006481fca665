/* yuma_math.c -- math.rs of subtensor v1.2.4 on raw fixed-point integers.
 *
 * Invariant: every primitive returns the bits the chain's function returns
 * for the same inputs (yuma-epoch.md §3, §5). The fast paths (weighted
 * radix select, the per-column histogram consensus, 64-bit exp with
 * multiplier division and four series in lockstep, radix sort, the division
 * shortcuts and reciprocals of yuma_math.h) are exact replacements, each
 * compared with the literal definition in tests/test_yuma_math.c. No
 * floating point; scratch comes from the caller's arena and is given back
 * before returning.
 */
#include "taosim/yuma_math.h"

#include <string.h>

#define ONE I32F32_ONE_BITS

/* ---- scratch ------------------------------------------------------------ */

void *ym_alloc(yuma_arena *a, size_t bytes)
{
    if (!a || !a->base || a->used > a->cap) return NULL;
    size_t pad = (size_t)(-(uintptr_t)(a->base + a->used) & 15);
    size_t need = ym_round16(bytes);
    if (need < bytes || pad > a->cap - a->used || need > a->cap - a->used - pad) return NULL;
    void *r = a->base + a->used + pad;
    a->used += pad + need;
    return r;
}

/* ---- division helpers --------------------------------------------------- */

/* div(a, d), d != 0, any signs. fx.h's fast path covers 0 <= a < ONE; this
 * one also covers a >= ONE without the 128-by-128 library division. */
static inline int64_t div1(int64_t a, int64_t d)
{
    if (a >= 0 && d > 0 && ((uint64_t)a >> 32) < (uint64_t)d) {
        uint64_t q = (uint64_t)((((fx_u128)(uint64_t)a) << 32) / (uint64_t)d);
        return q > (uint64_t)INT64_MAX ? INT64_MAX : (int64_t)q;
    }
    i32f32 q = i32f32_zero(); /* set unless d == 0, which callers exclude */
    (void)i32f32_sat_div(i32f32_from_bits(a), i32f32_from_bits(d), &q);
    return q.bits;
}

void ym_div_all(i32f32 *x, size_t n, i32f32 s)
{
    if (s.bits <= 0) {
        for (size_t i = 0; i < n; i++) x[i].bits = div1(x[i].bits, s.bits);
        return;
    }
    /* 0 <= x_i <= s, the usual case of a normalisation: ym_rdiv is div1 there */
    const ym_rdiv r = ym_rdiv_make((uint64_t)s.bits);
    for (size_t i = 0; i < n; i++)
        x[i].bits = x[i].bits >= 0 && x[i].bits <= s.bits ? ym_rdiv_apply(&r, (uint64_t)x[i].bits) : div1(x[i].bits, s.bits);
}

/* ---- exp ---------------------------------------------------------------- */

/* floor(p / i) for 0 <= p < 2^63 and 2 <= i <= 31 by one high multiply
 * (Granlund & Montgomery, PLDI 1994, Thm 4.2 with N = 63): with
 * l = ceil(log2 i) and m = ceil(2^(63+l) / i), 2^(63+l) <= m*i < 2^(63+l) + 2^l,
 * so floor(p / i) = floor(p * m / 2^(63+l)) = (p * m >> 64) >> (l - 1); m < 2^64
 * (i = 2^l gives m = 2^63, otherwise i > 2^(l-1)). The table is m and l - 1;
 * tests/test_yuma_math.c recomputes every row and checks ym_div_small. */
static const struct {
    uint64_t m;
    unsigned sh;
} DIV_SMALL[32] = {
    {0, 0},
    {0, 0},
    {0x8000000000000000u, 0}, /*  2 */
    {0xaaaaaaaaaaaaaaabu, 1}, /*  3 */
    {0x8000000000000000u, 1}, /*  4 */
    {0xcccccccccccccccdu, 2}, /*  5 */
    {0xaaaaaaaaaaaaaaabu, 2}, /*  6 */
    {0x924924924924924au, 2}, /*  7 */
    {0x8000000000000000u, 2}, /*  8 */
    {0xe38e38e38e38e38fu, 3}, /*  9 */
    {0xcccccccccccccccdu, 3}, /* 10 */
    {0xba2e8ba2e8ba2e8cu, 3}, /* 11 */
    {0xaaaaaaaaaaaaaaabu, 3}, /* 12 */
    {0x9d89d89d89d89d8au, 3}, /* 13 */
    {0x924924924924924au, 3}, /* 14 */
    {0x8888888888888889u, 3}, /* 15 */
    {0x8000000000000000u, 3}, /* 16 */
    {0xf0f0f0f0f0f0f0f1u, 4}, /* 17 */
    {0xe38e38e38e38e38fu, 4}, /* 18 */
    {0xd79435e50d79435fu, 4}, /* 19 */
    {0xcccccccccccccccdu, 4}, /* 20 */
    {0xc30c30c30c30c30du, 4}, /* 21 */
    {0xba2e8ba2e8ba2e8cu, 4}, /* 22 */
    {0xb21642c8590b2165u, 4}, /* 23 */
    {0xaaaaaaaaaaaaaaabu, 4}, /* 24 */
    {0xa3d70a3d70a3d70bu, 4}, /* 25 */
    {0x9d89d89d89d89d8au, 4}, /* 26 */
    {0x97b425ed097b425fu, 4}, /* 27 */
    {0x924924924924924au, 4}, /* 28 */
    {0x8d3dcb08d3dcb08eu, 4}, /* 29 */
    {0x8888888888888889u, 4}, /* 30 */
    {0x8421084210842109u, 4}, /* 31 */
};

uint64_t ym_div_small(uint64_t p, unsigned i)
{
    return (uint64_t)(((fx_u128)p * DIV_SMALL[i].m) >> 64) >> DIV_SMALL[i].sh;
}

void ym_div_small_row(unsigned i, uint64_t *m, unsigned *sh)
{
    *m = DIV_SMALL[i].m;
    *sh = DIV_SMALL[i].sh;
}

/* ym_exp on up to EXP_LANES arguments at once: the series are independent,
 * so running four in lockstep (in registers, without branches: a finished
 * series adds terms of 0, an overflowed one is only flagged) overlaps their
 * multiply chains. Lane k gives exactly ym_exp(x[k]): st[k] and out[k]. */
enum { EXP_LANES = 4 };

static inline void exp_step(uint64_t *term, uint64_t ax, uint64_t *result, bool *ovf, unsigned i)
{
    const fx_u128 pr = (fx_u128)*term * ax;
    const uint64_t hi = (uint64_t)(pr >> 64), lo = (uint64_t)pr;
    /* p = pr >> 32 = hi * 2^32 + (lo >> 32); p > INT64_MAX iff hi >= 2^31 */
    *ovf |= hi >> 31 != 0;
    *term = ym_div_small((hi << 32 | lo >> 32) & (uint64_t)INT64_MAX, i); /* p <= INT64_MAX unless flagged */
    *result += *term;
    *ovf |= *result > (uint64_t)INT64_MAX;
}

static void exp_lanes(const int64_t *x, size_t m, int64_t *out, fx_status *st)
{
    uint64_t ax[EXP_LANES] = {0}, result[EXP_LANES] = {0};
    bool series[EXP_LANES] = {false};
    for (size_t k = 0; k < m; k++) {
        st[k] = FX_OK;
        if (x[k] == 0) { /* 1 */
            out[k] = ONE;
        } else if (x[k] == ONE) { /* the library returns its constant, not the series */
            out[k] = (int64_t)FX_E_I9F23 << 9;
        } else if (x[k] == INT64_MIN || (uint64_t)(x[k] < 0 ? -x[k] : x[k]) > (uint64_t)(INT64_MAX - ONE)) {
            st[k] = FX_EOVERFLOW; /* -MIN does not fit; x + 1 overflows */
        } else {
            ax[k] = (uint64_t)(x[k] < 0 ? -x[k] : x[k]);
            result[k] = ax[k] + (uint64_t)ONE;
            series[k] = true;
        }
    }
    /* Terms i = 2..31: term = floor(term*x / 2^32), then trunc(term*2^32 /
     * (i*2^32)) which is floor(term / i) for term >= 0. Once a term is 0 the
     * remaining ones are 0 and add nothing (lanes without a series have
     * x = 0: every term is 0). */
    uint64_t t0 = ax[0], t1 = ax[1], t2 = ax[2], t3 = ax[3];
    uint64_t r0 = result[0], r1 = result[1], r2 = result[2], r3 = result[3];
    bool o0 = false, o1 = false, o2 = false, o3 = false;
    for (unsigned i = 2; i < 32 && (t0 | t1 | t2 | t3); i++) {
        exp_step(&t0, ax[0], &r0, &o0, i);
        exp_step(&t1, ax[1], &r1, &o1, i);
        exp_step(&t2, ax[2], &r2, &o2, i);
        exp_step(&t3, ax[3], &r3, &o3, i);
    }
    const uint64_t r[EXP_LANES] = {r0, r1, r2, r3};
    const bool o[EXP_LANES] = {o0, o1, o2, o3};
    for (size_t k = 0; k < m; k++) {
        if (!series[k]) continue;
        if (o[k]) {
            st[k] = FX_EOVERFLOW;
            continue;
        }
        /* neg: div(ONE, result), result > ONE: the quotient is below ONE */
        out[k] = x[k] < 0 ? (int64_t)ym_one_over(r[k]) : (int64_t)r[k];
    }
}

fx_status ym_exp(i32f32 x, i32f32 *out)
{
    int64_t r = 0;
    fx_status st;
    exp_lanes(&x.bits, 1, &r, &st);
    if (st == FX_OK) out->bits = r;
    return st;
}

/* ---- sorting ------------------------------------------------------------ */

void ym_radix_sort_u64(uint64_t *key, uint32_t *payload, size_t n, uint64_t *tmp_key, uint32_t *tmp_pay)
{
    if (n < 2) return;
    uint32_t cnt[8][256];
    memset(cnt, 0, sizeof cnt);
    for (size_t i = 0; i < n; i++)
        for (int b = 0; b < 8; b++) cnt[b][(key[i] >> (8 * b)) & 255]++;
    uint64_t *sk = key, *dk = tmp_key;
    uint32_t *sp = payload, *dp = tmp_pay;
    for (int b = 0; b < 8; b++) {
        if (cnt[b][(key[0] >> (8 * b)) & 255] == n) continue; /* every key has this byte */
        uint32_t pos[256], acc = 0;
        for (int d = 0; d < 256; d++) {
            pos[d] = acc;
            acc += cnt[b][d];
        }
        for (size_t i = 0; i < n; i++) {
            uint32_t t = pos[(sk[i] >> (8 * b)) & 255]++;
            dk[t] = sk[i];
            if (sp) dp[t] = sp[i];
        }
        uint64_t *tk = sk; sk = dk; dk = tk;
        uint32_t *tp = sp; sp = dp; dp = tp;
    }
    if (sk != key) {
        memcpy(key, sk, n * sizeof *key);
        if (payload) memcpy(payload, sp, n * sizeof *payload);
    }
}

size_t ym_sort_need(size_t n) { return 2 * ym_round16(n * sizeof(uint64_t)); }

bool ym_sort_i32f32(i32f32 *x, size_t n, yuma_arena *scratch)
{
    size_t mark = scratch ? scratch->used : 0;
    uint64_t *k = ym_alloc(scratch, n * sizeof *k), *t = ym_alloc(scratch, n * sizeof *t);
    if (!k || !t) {
        if (scratch) scratch->used = mark;
        return false;
    }
    for (size_t i = 0; i < n; i++) k[i] = ym_key_i64(x[i].bits);
    ym_radix_sort_u64(k, NULL, n, t, NULL);
    for (size_t i = 0; i < n; i++) x[i].bits = (int64_t)(k[i] ^ ((uint64_t)1 << 63));
    scratch->used = mark;
    return true;
}

/* ---- vectors ------------------------------------------------------------ */

i32f32 ym_sum(const i32f32 *x, size_t n)
{
    uint64_t s = 0;
    for (size_t i = 0; i < n; i++) s += (uint64_t)x[i].bits;
    return i32f32_from_bits((int64_t)s);
}

void ym_normalize(i32f32 *x, size_t n)
{
    i32f32 s = ym_sum(x, n);
    if (s.bits != 0) ym_div_all(x, n, s);
}

void ym_normalize_using_sum(i32f32 *x, size_t n, i32f32 s)
{
    if (s.bits != 0) ym_div_all(x, n, s);
}

void ym_normalize_64(i64f64 *x, size_t n)
{
    fx_u128 s = 0;
    for (size_t i = 0; i < n; i++) s += (fx_u128)x[i].bits;
    if (s == 0) return;
    for (size_t i = 0; i < n; i++) (void)i64f64_sat_div(x[i], i64f64_from_bits((fx_i128)s), &x[i]);
}

void ym_vecdiv(const i32f32 *x, const i32f32 *y, size_t n, i32f32 *out)
{
    for (size_t i = 0; i < n; i++) out[i].bits = y[i].bits != 0 ? div1(x[i].bits, y[i].bits) : 0;
}

size_t ym_topk_need(size_t n) { return 2 * ym_round16(n * sizeof(uint64_t)) + 2 * ym_round16(n * sizeof(uint32_t)); }

/* The r-th smallest (0-based, r < n) of the keys a[0 .. n), by an MSD
 * radix select: each level counts an 8-bit digit of the keys still in
 * play, keeps those in the bucket where the count passes r (their order
 * does not matter) and moves on to the next 8 bits. The first digit ends at
 * the highest bit where the keys differ (a byte-aligned one would put most
 * keys in a few buckets, whose counters then wait on each other); the last
 * level is at shift 0, after which the keys left are equal. a is
 * reordered; tmp: n keys of scratch. */
static uint64_t select_u64(uint64_t *a, size_t n, size_t r, uint64_t *tmp)
{
    uint64_t diff = 0;
    for (size_t i = 1; i < n; i++) diff |= a[i] ^ a[0];
    if (!diff) return a[0];
    const int top = 63 - __builtin_clzll(diff);
    int shift = top > 7 ? top - 7 : 0;
    for (;;) {
        uint32_t cnt[256];
        memset(cnt, 0, sizeof cnt);
        for (size_t i = 0; i < n; i++) cnt[(a[i] >> shift) & 255]++;
        unsigned b = 0;
        while (r >= cnt[b]) r -= cnt[b++];
        if (cnt[b] != n) {
            size_t m = 0;
            for (size_t i = 0; i < n; i++) {
                tmp[m] = a[i];
                m += ((a[i] >> shift) & 255) == b;
            }
            uint64_t *t = a;
            a = tmp;
            tmp = t;
            n = m;
        }
        if (n == 1 || shift == 0) return a[0]; /* shift 0: the keys left are equal */
        shift = shift > 8 ? shift - 8 : 0;
    }
}

bool ym_is_topk(const i32f32 *v, size_t n, size_t k, bool *out, yuma_arena *scratch)
{
    for (size_t i = 0; i < n; i++) out[i] = true;
    if (n <= k) return true; /* n < k: the chain returns early; n == k: nothing to drop */
    if (k == 0) {
        for (size_t i = 0; i < n; i++) out[i] = false;
        return true;
    }
    size_t mark = scratch ? scratch->used : 0;
    uint64_t *key = ym_alloc(scratch, n * sizeof *key), *tk = ym_alloc(scratch, n * sizeof *tk);
    if (!key || !tk) {
        if (scratch) scratch->used = mark;
        return false;
    }
    /* The stable ascending sort puts position n - k at the value t: values
     * below t come first (false), above it last (true), and the values
     * equal to t in index order from position `below`, so the first
     * n - k - below of them are false. */
    for (size_t i = 0; i < n; i++) key[i] = ym_key_i64(v[i].bits);
    const uint64_t t = select_u64(key, n, n - k, tk);
    size_t below = 0;
    for (size_t i = 0; i < n; i++) below += ym_key_i64(v[i].bits) < t;
    size_t drop = n - k - below;
    for (size_t i = 0; i < n; i++) {
        const uint64_t x = ym_key_i64(v[i].bits);
        if (x < t) {
            out[i] = false;
        } else if (x == t && drop) {
            out[i] = false;
            drop--;
        }
    }
    scratch->used = mark;
    return true;
}

/* to_num::<u16>(round(x)) with the release build's wrap: round half away
 * from zero (§1.6), keep the low 16 bits of the integer. */
static inline uint16_t round_to_u16(i32f32 x)
{
    int64_t ip = x.bits >> 32;
    uint32_t fr = (uint32_t)x.bits;
    ip += x.bits >= 0 ? fr >= 0x80000000u : fr > 0x80000000u;
    return (uint16_t)ip;
}

void ym_vec_max_upscale_to_u16(const i32f32 *v, size_t n, uint16_t *out)
{
    if (n == 0) return;
    const i32f32 u16max = i32f32_from_u16(UINT16_MAX);
    int64_t m = v[0].bits;
    for (size_t i = 1; i < n; i++)
        if (v[i].bits > m) m = v[i].bits;
    if (m == 0) {
        for (size_t i = 0; i < n; i++) out[i] = i32f32_to_u16_wrap(i32f32_sat_mul(v[i], u16max));
    } else if (m > ((int64_t)32768 << 32)) {
        i32f32 f = i32f32_from_bits(div1(u16max.bits, m));
        for (size_t i = 0; i < n; i++) out[i] = round_to_u16(i32f32_sat_mul(v[i], f));
    } else {
        for (size_t i = 0; i < n; i++) {
            i32f32 scaled = i32f32_sat_mul(v[i], u16max);
            out[i] = round_to_u16(i32f32_from_bits(div1(scaled.bits, m)));
        }
    }
}

void ym_vec_u16_max_upscale_to_u16(const uint16_t *v, size_t n, uint16_t *out)
{
    if (n == 0) return;
    const i32f32 u16max = i32f32_from_u16(UINT16_MAX);
    uint16_t m = 0;
    for (size_t i = 0; i < n; i++)
        if (v[i] > m) m = v[i];
    const int64_t mb = (int64_t)m << 32;
    if (m == 0) {
        for (size_t i = 0; i < n; i++) out[i] = 0;
    } else if (m > 32768) {
        i32f32 f = i32f32_from_bits(div1(u16max.bits, mb));
        for (size_t i = 0; i < n; i++) out[i] = round_to_u16(i32f32_sat_mul(i32f32_from_u16(v[i]), f));
    } else {
        for (size_t i = 0; i < n; i++)
            out[i] = round_to_u16(i32f32_from_bits(div1(i32f32_sat_mul(i32f32_from_u16(v[i]), u16max).bits, mb)));
    }
}

/* pos = q * (len - 1) = lo + r / q_den (len > 0, q_den > 0). */
static size_t quantile_lo(size_t len, uint32_t q_num, uint32_t q_den, uint64_t *r)
{
    const fx_u128 p = (fx_u128)q_num * (len - 1);
    *r = (uint64_t)(p % q_den);
    return (size_t)(p / q_den);
}

/* a + (b - a) * w with w = from_num(r / q_den): the nearest multiple of
 * 2^-32, ties to even. */
static i32f32 quantile_mix(i32f32 a, i32f32 b, uint64_t r, uint32_t q_den)
{
    const fx_u128 t = (fx_u128)r << 32;
    uint64_t w = (uint64_t)(t / q_den), wr = (uint64_t)(t % q_den);
    if (2 * (fx_u128)wr > q_den || (2 * (fx_u128)wr == q_den && (w & 1))) w++;
    return i32f32_sat_add(a, i32f32_sat_mul(i32f32_sat_sub(b, a), i32f32_from_bits((int64_t)w)));
}

i32f32 ym_quantile_sorted(const i32f32 *sorted, size_t len, uint32_t q_num, uint32_t q_den)
{
    if (len == 0 || q_den == 0) return i32f32_zero();
    uint64_t r;
    const size_t lo = quantile_lo(len, q_num, q_den, &r);
    return r == 0 ? sorted[lo] : quantile_mix(sorted[lo], sorted[lo + 1], r, q_den);
}

bool ym_quantile_select(const i32f32 *x, size_t len, uint32_t q_num, uint32_t q_den, i32f32 *out,
                        yuma_arena *scratch)
{
    *out = i32f32_zero();
    if (len == 0 || q_den == 0) return true;
    size_t mark = scratch ? scratch->used : 0;
    uint64_t *key = ym_alloc(scratch, len * sizeof *key), *tk = ym_alloc(scratch, len * sizeof *tk);
    if (!key || !tk) {
        if (scratch) scratch->used = mark;
        return false;
    }
    uint64_t r;
    const size_t lo = quantile_lo(len, q_num, q_den, &r);
    for (size_t i = 0; i < len; i++) key[i] = ym_key_i64(x[i].bits);
    const uint64_t a = select_u64(key, len, lo, tk);
    const i32f32 va = i32f32_from_bits((int64_t)(a ^ ((uint64_t)1 << 63)));
    if (r == 0) {
        *out = va;
    } else { /* sorted[lo + 1]: a again if more than lo + 1 keys are <= a, else the next larger key */
        size_t upto = 0;
        uint64_t next = UINT64_MAX;
        for (size_t i = 0; i < len; i++) {
            const uint64_t k = ym_key_i64(x[i].bits);
            upto += k <= a;
            if (k > a && k < next) next = k;
        }
        const uint64_t b = upto > lo + 1 ? a : next;
        *out = quantile_mix(va, i32f32_from_bits((int64_t)(b ^ ((uint64_t)1 << 63))), r, q_den);
    }
    scratch->used = mark;
    return true;
}

/* ---- sparse ------------------------------------------------------------- */

yuma_status ym_sparse_load(const yuma_csr *src, uint32_t rows, uint32_t ncols, const bool *row_mask,
                           bool drop_out_of_range, bool mask_diag, const uint64_t *last_update,
                           const uint64_t *reg, uint32_t *stamp, ym_sparse *out)
{
    memset(stamp, 0, ncols * sizeof *stamp);
    uint32_t k = 0;
    out->rows = rows;
    out->off[0] = 0;
    for (uint32_t i = 0; i < rows; i++) {
        if (!(row_mask && row_mask[i])) {
            const uint64_t lu = last_update ? last_update[i] : 0;
            for (uint32_t q = src->off[i]; q < src->off[i + 1]; q++) {
                uint32_t j = src->ent[q].col;
                if (j >= ncols) {
                    if (drop_out_of_range) continue;
                    return YUMA_EINPUT;
                }
                if (mask_diag && j == i) continue;
                if (last_update && lu <= reg[j]) continue;
                if (stamp[j] == i + 1) return YUMA_EINPUT;
                stamp[j] = i + 1;
                out->col[k] = (uint16_t)j;
                out->val[k] = i32f32_from_u16(src->ent[q].val);
                k++;
            }
        }
        out->off[i + 1] = k;
    }
    return YUMA_OK;
}

uint32_t ym_dense_rows(const yuma_input *in, const bool *forbid, uint32_t *drow)
{
    uint32_t nd = 0;
    for (uint32_t i = 0; i < in->n; i++) {
        if (!ym_dense_row(in, forbid, i)) continue;
        if (drow) drow[nd] = i;
        nd++;
    }
    return nd;
}

bool ym_no_duplicates(const yuma_entry *ent, uint32_t qb, uint32_t qe, uint32_t n, uint64_t lu, const uint64_t *bar,
                      int64_t diag, uint32_t mark, uint32_t *stamp)
{
    for (uint32_t q = qb; q < qe; q++) {
        const uint32_t j = ent[q].col;
        if (j >= n || lu <= bar[j] || (int64_t)j == diag) continue;
        if (stamp[j] == mark) return false;
        stamp[j] = mark;
    }
    return true;
}

void ym_row_normalize_sparse(ym_sparse *m)
{
    for (uint32_t i = 0; i < m->rows; i++) {
        uint32_t b = m->off[i], e = m->off[i + 1];
        i32f32 s = ym_sum(m->val + b, e - b);
        if (s.bits > 0) ym_div_all(m->val + b, e - b, s);
    }
}

void ym_col_normalize_sparse(ym_sparse *m, uint32_t ncols, i32f32 *colsum)
{
    size_t nnz = ym_nnz(m);
    for (uint32_t j = 0; j < ncols; j++) colsum[j] = i32f32_zero();
    for (size_t k = 0; k < nnz; k++) colsum[m->col[k]] = i32f32_sat_add(colsum[m->col[k]], m->val[k]);
    for (size_t k = 0; k < nnz; k++) {
        int64_t c = colsum[m->col[k]].bits;
        if (c != 0) m->val[k].bits = div1(m->val[k].bits, c);
    }
}

void ym_col_max_upscale_sparse(ym_sparse *m, uint32_t ncols, i32f32 *colmax)
{
    size_t nnz = ym_nnz(m);
    for (uint32_t j = 0; j < ncols; j++) colmax[j] = i32f32_zero(); /* max(0, max_i m_ij) */
    for (size_t k = 0; k < nnz; k++)
        if (m->val[k].bits > colmax[m->col[k]].bits) colmax[m->col[k]] = m->val[k];
    for (size_t k = 0; k < nnz; k++) {
        int64_t c = colmax[m->col[k]].bits;
        if (c > 0) m->val[k].bits = div1(m->val[k].bits, c);
    }
}

void ym_matmul_sparse(const ym_sparse *m, const i32f32 *x, uint32_t ncols, i32f32 *out)
{
    for (uint32_t j = 0; j < ncols; j++) out[j] = i32f32_zero();
    for (uint32_t i = 0; i < m->rows; i++)
        for (uint32_t k = m->off[i]; k < m->off[i + 1]; k++)
            out[m->col[k]] = i32f32_sat_add(out[m->col[k]], i32f32_sat_mul(x[i], m->val[k]));
}

void ym_matmul_transpose_sparse(const ym_sparse *m, const i32f32 *x, i32f32 *out)
{
    for (uint32_t i = 0; i < m->rows; i++) {
        i32f32 d = i32f32_zero();
        for (uint32_t k = m->off[i]; k < m->off[i + 1]; k++)
            d = i32f32_sat_add(d, i32f32_sat_mul(x[m->col[k]], m->val[k]));
        out[i] = d;
    }
}

void ym_row_sum_sparse(const ym_sparse *m, i32f32 *out)
{
    for (uint32_t i = 0; i < m->rows; i++) out[i] = ym_sum(m->val + m->off[i], m->off[i + 1] - m->off[i]);
}

void ym_col_sum_sparse(const ym_sparse *m, uint32_t ncols, i32f32 *out)
{
    for (uint32_t j = 0; j < ncols; j++) out[j] = i32f32_zero();
    size_t nnz = ym_nnz(m);
    for (size_t k = 0; k < nnz; k++) out[m->col[k]] = i32f32_wrap_add(out[m->col[k]], m->val[k]);
}

void ym_row_hadamard_sparse(ym_sparse *m, const i32f32 *x)
{
    for (uint32_t i = 0; i < m->rows; i++)
        for (uint32_t k = m->off[i]; k < m->off[i + 1]; k++) m->val[k] = i32f32_sat_mul(m->val[k], x[i]);
}

void ym_col_clip_sparse(ym_sparse *m, const i32f32 *c)
{
    uint32_t w = 0, rd = 0;
    for (uint32_t i = 0; i < m->rows; i++) {
        uint32_t end = m->off[i + 1];
        for (; rd < end; rd++) {
            uint16_t j = m->col[rd];
            int64_t v = m->val[rd].bits, cj = c[j].bits;
            if (cj < v) {
                if (cj <= 0) continue; /* clipped to nothing: the entry is dropped */
                v = cj;
            }
            m->col[w] = j;
            m->val[w].bits = v;
            w++;
        }
        m->off[i + 1] = w;
    }
}

size_t ym_ema_need(uint32_t ncols)
{
    return ym_round16((size_t)ncols * sizeof(int64_t)) + ym_round16(((size_t)ncols + 63) / 64 * sizeof(uint64_t));
}

/* Shared by both EMAs: accumulate a row densely, then emit the positive
 * entries in increasing column through a bitmap of touched columns. */
static bool ema_rows(const ym_sparse *nw, const ym_sparse *old, i32f32 alpha, bool per_col, const i32f32 *av,
                     size_t alen, uint32_t ncols, ym_sparse *out, yuma_arena *scratch)
{
    size_t mark = scratch ? scratch->used : 0;
    size_t words = ((size_t)ncols + 63) / 64;
    int64_t *acc = ym_alloc(scratch, (size_t)ncols * sizeof *acc);
    uint64_t *bits = ym_alloc(scratch, words * sizeof *bits);
    if (!acc || !bits) {
        if (scratch) scratch->used = mark;
        return false;
    }
    memset(acc, 0, (size_t)ncols * sizeof *acc);
    memset(bits, 0, words * sizeof *bits);
    const i32f32 beta = i32f32_sat_sub(i32f32_one(), alpha);
    uint32_t k = 0;
    out->rows = nw->rows;
    out->off[0] = 0;
    for (uint32_t i = 0; i < nw->rows; i++) {
        size_t wlo = words, whi = 0;
        for (uint32_t q = nw->off[i]; q < nw->off[i + 1]; q++) {
            uint32_t j = nw->col[q];
            if (per_col) { /* mat_ema_alpha_vec_sparse assigns the new term */
                i32f32 a = j < alen ? av[j] : i32f32_zero();
                acc[j] = i32f32_sat_mul(a, nw->val[q]).bits;
            } else {
                acc[j] = i32f32_sat_add(i32f32_from_bits(acc[j]), i32f32_sat_mul(alpha, nw->val[q])).bits;
            }
            bits[j >> 6] |= (uint64_t)1 << (j & 63);
            if (j >> 6 < wlo) wlo = j >> 6;
            if (j >> 6 > whi) whi = j >> 6;
        }
        for (uint32_t q = old->off[i]; q < old->off[i + 1]; q++) {
            uint32_t j = old->col[q];
            i32f32 b = beta;
            if (per_col) b = i32f32_sat_sub(i32f32_one(), j < alen ? av[j] : i32f32_zero());
            acc[j] = i32f32_sat_add(i32f32_from_bits(acc[j]), i32f32_sat_mul(b, old->val[q])).bits;
            bits[j >> 6] |= (uint64_t)1 << (j & 63);
            if (j >> 6 < wlo) wlo = j >> 6;
            if (j >> 6 > whi) whi = j >> 6;
        }
        for (size_t w = wlo; w <= whi && w < words; w++) {
            uint64_t b = bits[w];
            while (b) {
                uint32_t j = (uint32_t)(w * 64 + (size_t)__builtin_ctzll(b));
                b &= b - 1;
                if (acc[j] > 0) {
                    out->col[k] = (uint16_t)j;
                    out->val[k].bits = acc[j];
                    k++;
                }
                acc[j] = 0;
            }
            bits[w] = 0;
        }
        out->off[i + 1] = k;
    }
    scratch->used = mark;
    return true;
}

bool ym_mat_ema_sparse(const ym_sparse *nw, const ym_sparse *old, i32f32 alpha, uint32_t ncols, ym_sparse *out,
                       yuma_arena *scratch)
{
    return ema_rows(nw, old, alpha, false, NULL, 0, ncols, out, scratch);
}

bool ym_mat_ema_alpha_vec_sparse(const ym_sparse *nw, const ym_sparse *old, const i32f32 *alpha, size_t alen,
                                 uint32_t ncols, ym_sparse *out, yuma_arena *scratch)
{
    return ema_rows(nw, old, i32f32_zero(), true, alpha, alpha ? alen : 0, ncols, out, scratch);
}

/* ---- weighted median ---------------------------------------------------- */

i32f32 ym_weighted_median_literal(const i32f32 *stake, const i32f32 *score, uint32_t *idx, size_t m,
                                  i32f32 minority, i32f32 lo, i32f32 hi, uint32_t *scratch)
{
    /* The recursion is a tail call into L or U: iterate, rotating three
     * buffers (the current list and two free ones for L and U). */
    uint32_t *buf[3] = {idx, scratch, scratch + m};
    int p = 0;
    for (;;) {
        uint32_t *P = buf[p], *L = buf[(p + 1) % 3], *U = buf[(p + 2) % 3];
        if (m == 0) return i32f32_zero();
        if (m == 1) return score[P[0]];
        i32f32 pivot = score[P[m / 2]], ls = i32f32_zero(), us = i32f32_zero();
        size_t nl = 0, nu = 0;
        for (size_t k = 0; k < m; k++) {
            uint32_t x = P[k];
            if (score[x].bits == pivot.bits) continue;
            if (score[x].bits < pivot.bits) {
                L[nl++] = x;
                ls = i32f32_sat_add(ls, stake[x]);
            } else {
                U[nu++] = x;
                us = i32f32_sat_add(us, stake[x]);
            }
        }
        i32f32 lo_ls = i32f32_sat_add(lo, ls), hi_us = i32f32_sat_sub(hi, us);
        if (lo_ls.bits <= minority.bits && minority.bits < hi_us.bits) return pivot;
        if (minority.bits < lo_ls.bits && nl > 0) {
            p = (p + 1) % 3;
            m = nl;
            hi = lo_ls;
        } else if (hi_us.bits <= minority.bits && nu > 0) {
            p = (p + 2) % 3;
            m = nu;
            lo = hi_us;
        } else {
            return pivot;
        }
    }
}

#define WM_MASK (((uint64_t)1 << YM_WM_IDX_BITS) - 1)

static void wm_insertion_sort(uint64_t *a, size_t m)
{
    for (size_t i = 1; i < m; i++) {
        uint64_t x = a[i];
        size_t j = i;
        while (j > 0 && a[j - 1] > x) {
            a[j] = a[j - 1];
            j--;
        }
        a[j] = x;
    }
}

/* 0 <= target < Σ stake: the unique v with C⁻(v) <= target < C(v), by a
 * weighted MSD radix select. Each level spreads the scores of the current
 * range [lo, lo + span] over at most 256 buckets of equal width, adds the
 * stakes per bucket, and keeps the bucket where the cumulative stake (from
 * base, the stake below the range) passes target: v lies in it, since C⁻
 * and C are monotone. A level divides the span by at least 16, so there are
 * at most 16 levels; with equal scores the span reaches 0 and v is the
 * common score. dst: scratch for m keys. */
static int64_t wm_select(uint64_t *src, size_t m, const int64_t *st, int64_t target, uint64_t *dst)
{
    uint64_t lo = src[0] >> YM_WM_IDX_BITS, hi = lo;
    for (size_t k = 1; k < m; k++) {
        const uint64_t s = src[k] >> YM_WM_IDX_BITS;
        if (s < lo) lo = s;
        if (s > hi) hi = s;
    }
    uint64_t span = hi - lo;
    int64_t base = 0, hist[256];
    for (;;) {
        if (span == 0) return (int64_t)lo;
        if (m <= 16) { /* sorted keys are in score order: the first to pass target */
            wm_insertion_sort(src, m);
            for (size_t k = 0;; k++) {
                base += st[src[k] & WM_MASK];
                if (target < base || k + 1 == m) return (int64_t)(src[k] >> YM_WM_IDX_BITS);
            }
        }
        const unsigned lg = 63u - (unsigned)__builtin_clzll((unsigned long long)m); /* log2 m */
        const unsigned lb = lg < 6 ? 4 : lg > 10 ? 8 : lg - 2;                        /* ~m/4 buckets */
        const unsigned bits = 64u - (unsigned)__builtin_clzll(span);
        const unsigned shift = bits > lb ? bits - lb : 0;
        const size_t nb = (size_t)(span >> shift) + 1;
        memset(hist, 0, nb * sizeof *hist);
        for (size_t k = 0; k < m; k++) hist[((src[k] >> YM_WM_IDX_BITS) - lo) >> shift] += st[src[k] & WM_MASK];
        size_t b = 0;
        while (target >= base + hist[b]) base += hist[b++];
        if (shift == 0) return (int64_t)(lo + b);
        size_t kept = 0;
        for (size_t k = 0; k < m; k++) {
            dst[kept] = src[k];
            kept += (((src[k] >> YM_WM_IDX_BITS) - lo) >> shift) == b;
        }
        uint64_t *t = src;
        src = dst;
        dst = t;
        m = kept;
        lo += (uint64_t)b << shift;
        const uint64_t width = ((uint64_t)1 << shift) - 1, rest = span - ((uint64_t)b << shift);
        span = rest < width ? rest : width;
    }
}

i32f32 ym_weighted_median_fast(uint64_t *key, size_t m, const int64_t *stake_of, i32f32 minority, i32f32 hi,
                               uint64_t *tmp)
{
    if (m == 0) return i32f32_zero();
    if (m == 1) return i32f32_from_bits((int64_t)(key[0] >> YM_WM_IDX_BITS));
    if (minority.bits < 0 || minority.bits >= hi.bits) { /* the smallest / the largest score present */
        uint64_t v = key[0];
        for (size_t k = 1; k < m; k++)
            if (minority.bits < 0 ? key[k] < v : key[k] > v) v = key[k];
        return i32f32_from_bits((int64_t)(v >> YM_WM_IDX_BITS));
    }
    return i32f32_from_bits(wm_select(key, m, stake_of, minority.bits, tmp));
}

size_t ym_wmcol_need(uint32_t rows, uint32_t ncols, size_t nnz)
{
    return ym_round16((size_t)rows * sizeof(int64_t))                  /* compacted stakes */
           + ym_round16(((size_t)rows + 1) * sizeof(int64_t))          /* stake by row, then the zero block */
           + ym_round16(((size_t)ncols + 1) * sizeof(uint32_t))        /* column offsets */
           + ym_round16((size_t)ncols * sizeof(int64_t))               /* listed stake by column */
           + ym_round16((nnz + ncols) * sizeof(uint64_t))              /* keys + one zero block per column */
           + ym_round16(((size_t)rows + 1) * sizeof(uint64_t));        /* select buffer */
}

bool ym_weighted_median_col_sparse(const i32f32 *stake, const ym_sparse *w, uint32_t ncols, i32f32 majority,
                                   i32f32 *out, yuma_arena *scratch)
{
    const uint32_t rows = w->rows;
    const size_t nnz = ym_nnz(w);
    size_t mark = scratch ? scratch->used : 0;
    i32f32 *up = ym_alloc(scratch, (size_t)rows * sizeof *up);
    int64_t *urow = ym_alloc(scratch, ((size_t)rows + 1) * sizeof *urow);
    uint32_t *coff = ym_alloc(scratch, ((size_t)ncols + 1) * sizeof *coff);
    int64_t *listed = ym_alloc(scratch, (size_t)ncols * sizeof *listed);
    uint64_t *keys = ym_alloc(scratch, (nnz + ncols) * sizeof *keys);
    uint64_t *tmp = ym_alloc(scratch, ((size_t)rows + 1) * sizeof *tmp);
    if (!up || !urow || !coff || !listed || !keys || !tmp || rows >= ((uint32_t)1 << YM_WM_IDX_BITS)) {
        if (scratch) scratch->used = mark;
        return false;
    }
    /* u: the positive stakes in uid order, normalised by their own sum. */
    size_t npos = 0;
    for (uint32_t i = 0; i < rows; i++)
        if (stake[i].bits > 0) up[npos++] = stake[i];
    ym_normalize(up, npos);
    const i32f32 sigma = ym_sum(up, npos);
    const i32f32 minority = i32f32_sat_sub(sigma, majority);
    for (uint32_t i = 0, k = 0; i < rows; i++) urow[i] = stake[i].bits > 0 ? up[k++].bits : 0;
    if (npos == 0) {
        for (uint32_t c = 0; c < ncols; c++) out[c] = i32f32_zero();
        scratch->used = mark;
        return true;
    }
    /* Column lists of (score, row) over the positive-stake rows; a row without
     * an entry in column c scores 0 there: those rows form one zero block. */
    memset(coff, 0, ((size_t)ncols + 1) * sizeof *coff);
    for (uint32_t i = 0; i < rows; i++)
        if (urow[i] > 0)
            for (uint32_t k = w->off[i]; k < w->off[i + 1]; k++) coff[w->col[k] + 1]++;
    uint32_t acc = 0;
    for (uint32_t c = 0; c < ncols; c++) {
        uint32_t t = coff[c + 1];
        coff[c] = acc; /* becomes the fill position of column c */
        acc += t + 1;
        listed[c] = 0;
    }
    for (uint32_t i = 0; i < rows; i++) {
        if (urow[i] <= 0) continue;
        for (uint32_t k = w->off[i]; k < w->off[i + 1]; k++) {
            uint16_t c = w->col[k];
            keys[coff[c]++] = ym_wm_key(w->val[k].bits, i);
            listed[c] += urow[i];
        }
    }
    uint32_t start = 0;
    for (uint32_t c = 0; c < ncols; c++) {
        uint32_t end = coff[c];
        size_t m = end - start;
        if (m < npos) { /* some positive-stake row has no entry here */
            urow[rows] = sigma.bits - listed[c];
            keys[end] = ym_wm_key(0, rows);
            m++;
        }
        out[c] = ym_weighted_median_fast(keys + start, m, urow, minority, sigma, tmp);
        start = end + 1; /* past the slot reserved for the zero block */
    }
    scratch->used = mark;
    return true;
}

/* Buckets per column: about npos / 16, from 16 to YM_WMH_BUCKETS, and the
 * histograms within 512 KiB (they are updated at random). */
static unsigned wmh_lg(uint32_t npos, uint32_t ncols)
{
    unsigned lg = 4;
    while (lg < 6 && ((uint32_t)16 << lg) < npos && (size_t)ncols << (lg + 4) <= ((size_t)1 << 19)) lg++;
    return lg;
}
#define WMH_NONE ((uint32_t)1 << 8 | 63u) /* a selector no score < 2^63 matches */

size_t ym_wmcol_hist_need(uint32_t rows, uint32_t ncols)
{
    return ym_round16(((size_t)rows + 1) * sizeof(int64_t))                  /* stake by row, zero block */
           + ym_round16((size_t)ncols * YM_WMH_BUCKETS * sizeof(uint64_t))   /* histograms (at most) */
           + 3 * ym_round16((size_t)ncols * sizeof(uint32_t))               /* selector, start, fill */
           + ym_round16((size_t)ncols * sizeof(int64_t))                    /* target in the bucket */
           + ym_round16((size_t)ncols * sizeof(int64_t))                    /* zero block stake */
           + ym_round16(((size_t)rows + 1) * sizeof(uint64_t));             /* select buffer */
}

/* The matrix the consensus reads: packed rows (ent[off[i] .. off[i+1]) of
 * row i < rows) or dense rows (row r < nrows is uid uids[r], its score in
 * column c at w[r * stride + c], every column present). */
typedef struct wmh_src {
    const uint32_t *off;
    const uint64_t *ent;
    const uint64_t *w;
    const uint32_t *uids;
    size_t stride;
    uint32_t nrows;
} wmh_src;

/* WMH_ENTRIES(src, st, ncols, body) runs body for every entry of the rows
 * of src that vote (st > 0), with i, c and v bound to its uid, column and
 * score. */
#define WMH_ENTRIES(src, st, ncols, ...)                                                   \
    do {                                                                                  \
        if ((src)->w) {                                                                   \
            for (uint32_t r_ = 0; r_ < (src)->nrows; r_++) {                              \
                const uint32_t i = (src)->uids[r_];                                       \
                if ((st)[i] <= 0) continue;                                               \
                const uint64_t *restrict wr_ = (src)->w + (size_t)r_ * (src)->stride;     \
                for (uint32_t c = 0; c < (ncols); c++) {                                  \
                    const uint64_t v = wr_[c];                                            \
                    __VA_ARGS__;                                                          \
                }                                                                         \
            }                                                                             \
        } else {                                                                          \
            for (uint32_t i = 0; i < (src)->nrows; i++) {                                 \
                if ((st)[i] <= 0) continue;                                               \
                for (uint32_t q_ = (src)->off[i], qe_ = (src)->off[i + 1]; q_ < qe_; q_++) { \
                    const uint64_t x_ = (src)->ent[q_], v = ym_pk_val(x_);                 \
                    const uint16_t c = ym_pk_col(x_);                                     \
                    __VA_ARGS__;                                                          \
                }                                                                         \
            }                                                                             \
        }                                                                                 \
    } while (0)

/* One call of ym_wmcol_hist / ym_wmcol_dense: the stakes by uid (st[rows]:
 * the zero block), per column its bucket shift, then its selector, list
 * and target in the bucket. */
typedef struct wmh {
    int64_t *st, *target, *zstake;
    uint64_t *hist, *tmp;
    uint32_t *sel, *start, *fill;
    int64_t sigma;
    uint32_t rows, ncols, npos;
    unsigned lg;
} wmh;

/* Scratch for hcols columns of histograms (ncols rounded up for lanes). */
static bool wmh_begin(wmh *h, uint32_t rows, uint32_t ncols, uint32_t hcols, const int64_t *u, yuma_arena *scratch)
{
    h->st = ym_alloc(scratch, ((size_t)rows + 1) * sizeof *h->st);
    h->hist = ym_alloc(scratch, (size_t)hcols * YM_WMH_BUCKETS * sizeof *h->hist);
    h->sel = ym_alloc(scratch, (size_t)ncols * sizeof *h->sel);
    h->start = ym_alloc(scratch, (size_t)ncols * sizeof *h->start);
    h->fill = ym_alloc(scratch, (size_t)ncols * sizeof *h->fill);
    h->target = ym_alloc(scratch, (size_t)ncols * sizeof *h->target);
    h->zstake = ym_alloc(scratch, (size_t)ncols * sizeof *h->zstake);
    h->tmp = ym_alloc(scratch, ((size_t)rows + 1) * sizeof *h->tmp);
    if (!h->st || !h->hist || !h->sel || !h->start || !h->fill || !h->target || !h->zstake || !h->tmp ||
        rows >= ((uint32_t)1 << YM_WM_IDX_BITS))
        return false;
    h->rows = rows;
    h->ncols = ncols;
    h->sigma = 0;
    h->npos = 0;
    for (uint32_t i = 0; i < rows; i++) {
        h->st[i] = u[i] > 0 ? u[i] : 0;
        h->sigma += h->st[i];
        h->npos += u[i] > 0;
    }
    return true;
}

/* minority < 0 or >= Σ u: the smallest or the largest score present in each
 * column (the zero block counts, as in ym_weighted_median_fast). */
static void wmh_extreme(const wmh_src *src, const wmh *h, const int64_t *colmax, bool smallest, i32f32 *out)
{
    const uint32_t ncols = h->ncols;
    const int64_t *st = h->st;
    uint64_t *cnt = h->hist, *mn = h->hist + ncols;
    for (uint32_t c = 0; c < ncols; c++) {
        cnt[c] = 0;
        mn[c] = UINT64_MAX;
    }
    WMH_ENTRIES(src, st, ncols, {
        cnt[c]++;
        if (v < mn[c]) mn[c] = v;
    });
    for (uint32_t c = 0; c < ncols; c++) {
        if (!smallest) out[c].bits = colmax[c];
        else out[c].bits = cnt[c] < h->npos ? 0 : (int64_t)mn[c];
    }
}

/* No voter (all 0) or minority < 0 or >= Σ u (the extreme scores): true
 * with out set. */
static bool wmh_trivial(const wmh_src *src, const wmh *h, const int64_t *colmax, int64_t mino, i32f32 *out)
{
    if (h->npos == 0) {
        for (uint32_t c = 0; c < h->ncols; c++) out[c] = i32f32_zero();
        return true;
    }
    if (mino < 0 || mino >= h->sigma) {
        wmh_extreme(src, h, colmax, mino < 0, out);
        return true;
    }
    return false;
}

/* Pass 1 setup: buckets of width 2^sel_c fitting colmax_c, histograms 0. */
static void wmh_shifts(wmh *h, const int64_t *colmax, uint32_t hcols)
{
    h->lg = wmh_lg(h->npos, h->ncols);
    for (uint32_t c = 0; c < h->ncols; c++) {
        const unsigned bits = 64u - (unsigned)__builtin_clzll((uint64_t)colmax[c] | 1u);
        h->sel[c] = bits > h->lg ? bits - h->lg : 0; /* the shift, for now */
    }
    memset(h->hist, 0, ((size_t)hcols << h->lg) * sizeof *h->hist);
}

/* The bucket of each column's median from its histogram (stake << 16 |
 * count per bucket), and the room its list needs. Columns settled here get
 * out_c and sel_c = WMH_NONE. */
static void wmh_choose(wmh *h, int64_t mino, i32f32 *out)
{
    const unsigned nb = 1u << h->lg;
    uint32_t nkeys = 0;
    for (uint32_t c = 0; c < h->ncols; c++) {
        uint64_t *hc = h->hist + ((size_t)c << h->lg);
        uint64_t cnt = 0, listed = 0;
        for (unsigned b = 0; b < nb; b++) {
            cnt += hc[b] & 0xFFFFu;
            listed += hc[b] >> 16;
        }
        const bool zero = cnt < h->npos; /* some voting row has no entry here */
        const int64_t z = h->sigma - (int64_t)listed;
        if (zero) hc[0] += (uint64_t)z << 16 | 1u;
        int64_t base = 0;
        unsigned b = 0;
        while (mino >= base + (int64_t)(hc[b] >> 16)) base += (int64_t)(hc[b++] >> 16);
        const uint32_t sh = h->sel[c], inb = (uint32_t)(hc[b] & 0xFFFFu);
        h->sel[c] = WMH_NONE;
        if (sh == 0) { /* the bucket is one score */
            out[c].bits = (int64_t)b;
        } else if (b == 0 && zero && inb == 1) { /* the zero block alone */
            out[c] = i32f32_zero();
        } else {
            h->sel[c] = (uint32_t)b << 8 | sh;
            h->start[c] = h->fill[c] = nkeys;
            h->target[c] = mino - base;
            h->zstake[c] = b == 0 && zero ? z : 0;
            nkeys += inb;
        }
    }
}

/* The select within each chosen bucket, on its list (fill: its end). */
static void wmh_finish(wmh *h, uint64_t *keys, i32f32 *out)
{
    for (uint32_t c = 0; c < h->ncols; c++) {
        if (h->sel[c] == WMH_NONE) continue;
        size_t m = h->fill[c] - h->start[c];
        if (h->zstake[c]) {
            h->st[h->rows] = h->zstake[c];
            keys[h->start[c] + m++] = ym_wm_key(0, h->rows);
        }
        out[c].bits = wm_select(keys + h->start[c], m, h->st, h->target[c], h->tmp);
    }
}

bool ym_wmcol_hist(const uint32_t *off, const uint64_t *ent, uint32_t rows, const int64_t *u, const int64_t *colmax,
                   uint32_t ncols, i32f32 minority, i32f32 *out, uint64_t *keys, yuma_arena *scratch)
{
    const wmh_src src = {off, ent, NULL, NULL, 0, rows};
    const size_t mark = scratch ? scratch->used : 0;
    wmh h;
    if (!keys || !wmh_begin(&h, rows, ncols, ncols, u, scratch)) {
        if (scratch) scratch->used = mark;
        return false;
    }
    const int64_t mino = minority.bits, *st = h.st;
    if (!wmh_trivial(&src, &h, colmax, mino, out)) {
        /* Pass 1: per column, stake << 16 | count of each bucket. */
        wmh_shifts(&h, colmax, ncols);
        const unsigned lg = h.lg;
        const uint32_t *sel = h.sel;
        uint64_t *hist = h.hist;
        WMH_ENTRIES(&src, st, ncols, hist[((size_t)c << lg) + (v >> sel[c])] += (uint64_t)st[i] << 16 | 1u);
        wmh_choose(&h, mino, out);
        /* Pass 2: the entries of the selected buckets. */
        uint32_t *fill = h.fill;
        WMH_ENTRIES(&src, st, ncols, {
            const uint32_t s = sel[c];
            if ((v >> (s & 63u)) == (s >> 8)) keys[fill[c]++] = ym_wm_key((int64_t)v, i);
        });
        wmh_finish(&h, keys, out);
    }
    scratch->used = mark;
    return true;
}

/* The two passes of ym_wmcol_dense on lanes of four columns: pass 1 adds
 * each voting row's stake to hist[(c << lg) + (v >> sh_c)] (sh = 63 in
 * the padding columns keeps their index in their own histogram); pass 2
 * finds the entries in their column's chosen bucket (v >> sh_c == bk_c;
 * bk = 2 never matches) other than zeros, as one 64-bit mask per 64
 * columns of a row, and appends the keys of its set bits. The zeros of a
 * chosen bucket 0 (explicit cells, like the sparse matrix's absent
 * entries) become one zero-block key afterwards: the median depends only
 * on the stake at each score. */
typedef struct wmh_lanes {
    const uint64_t *w;
    const uint32_t *uids;
    size_t stride;
    uint32_t nrows, hcols;
    const int64_t *st;
    const uint64_t *sh, *base_bk;
    uint64_t *hist, *fill, *keys;
} wmh_lanes;

static inline __attribute__((always_inline)) void wmh_pass1_lanes(const wmh_lanes *L)
{
    uint64_t *restrict hist = L->hist;
    for (uint32_t r = 0; r < L->nrows; r++) {
        const int64_t s = L->st[L->uids[r]];
        if (s <= 0) continue;
        const uint64_t add = (uint64_t)s << 16 | 1u, *restrict wr = L->w + (size_t)r * L->stride;
        for (uint32_t c = 0; c < L->hcols; c += YM_LANES) {
            const ym_v4 ix = (ym_v4)YM_LD(L->base_bk + c) + ((ym_v4)YM_LD(wr + c) >> (ym_v4)YM_LD(L->sh + c));
            hist[ix[0]] += add;
            hist[ix[1]] += add;
            hist[ix[2]] += add;
            hist[ix[3]] += add;
        }
    }
}

static inline __attribute__((always_inline)) void wmh_pass2_lanes(const wmh_lanes *L)
{
    uint64_t *restrict keys = L->keys, *restrict fill = L->fill;
    for (uint32_t r = 0; r < L->nrows; r++) {
        const uint32_t i = L->uids[r];
        if (L->st[i] <= 0) continue;
        const uint64_t *restrict wr = L->w + (size_t)r * L->stride;
        for (uint32_t c0 = 0; c0 < L->hcols; c0 += 16 * YM_LANES) {
            const uint32_t nv = L->hcols - c0 < 16 * YM_LANES ? (L->hcols - c0) / YM_LANES : 16;
            ym_v4 acc = YM_V4(0); /* lane l, bit t: column c0 + 4t + l is a hit */
            for (uint32_t t = 0; t < nv; t++) {
                const uint32_t c = c0 + t * YM_LANES;
                const ym_v4 v = (ym_v4)YM_LD(wr + c);
                const ym_v4 hit = (ym_v4)((v >> (ym_v4)YM_LD(L->sh + c)) == (ym_v4)YM_LD(L->base_bk + c)) &
                                  (ym_v4)(v != YM_V4(0));
                acc |= (hit & YM_V4(1)) << t;
            }
            uint64_t bits = acc[0] | acc[1] << 16 | acc[2] << 32 | acc[3] << 48;
            while (bits) {
                const unsigned b = (unsigned)__builtin_ctzll(bits);
                const uint32_t c = c0 + (b & 15u) * YM_LANES + (b >> 4);
                bits &= bits - 1;
                keys[fill[c]++] = ym_wm_key((int64_t)wr[c], i);
            }
        }
    }
}

static void wmh_pass1_base(const wmh_lanes *L) { wmh_pass1_lanes(L); }
static void wmh_pass2_base(const wmh_lanes *L) { wmh_pass2_lanes(L); }
#ifdef YM_X86_DISPATCH
YM_TARGET_AVX2 static void wmh_pass1_avx2(const wmh_lanes *L) { wmh_pass1_lanes(L); }
YM_TARGET_AVX2 static void wmh_pass2_avx2(const wmh_lanes *L) { wmh_pass2_lanes(L); }
YM_TARGET_AVX512 static void wmh_pass1_avx512(const wmh_lanes *L) { wmh_pass1_lanes(L); }
YM_TARGET_AVX512 static void wmh_pass2_avx512(const wmh_lanes *L) { wmh_pass2_lanes(L); }
#endif

static void wmh_pass(const wmh_lanes *L, int pass, ym_impl isa)
{
#ifdef YM_X86_DISPATCH
    if (isa == YM_IMPL_DENSE_AVX512) {
        if (pass == 1) wmh_pass1_avx512(L);
        else wmh_pass2_avx512(L);
        return;
    }
    if (isa == YM_IMPL_DENSE_AVX2) {
        if (pass == 1) wmh_pass1_avx2(L);
        else wmh_pass2_avx2(L);
        return;
    }
#endif
    (void)isa;
    if (pass == 1) wmh_pass1_base(L);
    else wmh_pass2_base(L);
}

size_t ym_wmcol_dense_need(uint32_t rows, uint32_t ncols)
{
    const size_t hcols = ((size_t)ncols + YM_LANES - 1) / YM_LANES * YM_LANES;
    return ym_wmcol_hist_need(rows, (uint32_t)hcols) + 3 * ym_round16(hcols * sizeof(uint64_t));
}

bool ym_wmcol_dense(const uint64_t *w, size_t stride, const uint32_t *uids, uint32_t nrows, uint32_t rows,
                    const int64_t *u, const int64_t *colmax, uint32_t ncols, i32f32 minority, i32f32 *out,
                    uint64_t *keys, yuma_arena *scratch, ym_impl isa)
{
    const wmh_src src = {NULL, NULL, w, uids, stride, nrows};
    const uint32_t hcols = (ncols + YM_LANES - 1) / YM_LANES * YM_LANES;
    const size_t mark = scratch ? scratch->used : 0;
    wmh h;
    const bool ok = keys && stride >= hcols && wmh_begin(&h, rows, ncols, hcols, u, scratch);
    uint64_t *sh = ok ? ym_alloc(scratch, hcols * sizeof *sh) : NULL;
    uint64_t *base_bk = sh ? ym_alloc(scratch, hcols * sizeof *base_bk) : NULL;
    uint64_t *fill = base_bk ? ym_alloc(scratch, hcols * sizeof *fill) : NULL;
    if (!fill) {
        if (scratch) scratch->used = mark;
        return false;
    }
    const int64_t mino = minority.bits;
    if (!wmh_trivial(&src, &h, colmax, mino, out)) {
        wmh_shifts(&h, colmax, hcols);
        for (uint32_t c = 0; c < hcols; c++) {
            sh[c] = c < ncols ? h.sel[c] : 63u;
            base_bk[c] = (uint64_t)c << h.lg;
        }
        wmh_lanes L = {w, uids, stride, nrows, hcols, h.st, sh, base_bk, h.hist, fill, keys};
        wmh_pass(&L, 1, isa);
        wmh_choose(&h, mino, out);
        for (uint32_t c = 0; c < hcols; c++) {
            const bool chosen = c < ncols && h.sel[c] != WMH_NONE;
            sh[c] = chosen ? (h.sel[c] & 63u) : 63u;
            base_bk[c] = chosen ? h.sel[c] >> 8 : 2u;
            fill[c] = chosen ? h.start[c] : 0;
        }
        wmh_pass(&L, 2, isa);
        for (uint32_t c = 0; c < ncols; c++) {
            h.fill[c] = (uint32_t)fill[c];
            if (h.sel[c] == WMH_NONE || (h.sel[c] >> 8) != 0) continue;
            /* bucket 0: its zero scores (cells, unlisted voting rows) as one
             * key with their stake, what the bucket holds beyond the keys */
            int64_t listed = 0;
            for (uint32_t k = h.start[c]; k < h.fill[c]; k++) listed += h.st[keys[k] & WM_MASK];
            h.zstake[c] = (int64_t)(h.hist[(size_t)c << h.lg] >> 16) - listed;
        }
        wmh_finish(&h, keys, out);
    }
    scratch->used = mark;
    return true;
}

/* ---- liquid alpha ------------------------------------------------------- */

void ym_logistic_params(i32f32 a_hi, i32f32 a_lo, i32f32 c_hi, i32f32 c_lo, i32f32 *a, i32f32 *b)
{
    if (c_hi.bits <= c_lo.bits || a_lo.bits == 0 || a_hi.bits == 0) {
        *a = *b = i32f32_zero();
        return;
    }
    const i32f32 one = i32f32_one();
    i32f32 inv_hi, inv_lo;
    (void)i32f32_sat_div(one, a_hi, &inv_hi); /* a_hi, a_lo != 0 */
    (void)i32f32_sat_div(one, a_lo, &inv_lo);
    i32f32 t_hi = i32f32_safe_ln(i32f32_sat_sub(inv_hi, one));
    i32f32 t_lo = i32f32_safe_ln(i32f32_sat_sub(inv_lo, one));
    (void)i32f32_sat_div(i32f32_sat_sub(t_hi, t_lo), i32f32_sat_sub(c_lo, c_hi), a); /* c_lo - c_hi < 0 */
    *b = i32f32_sat_add(t_lo, i32f32_sat_mul(*a, c_lo));
}

/* div(ONE, 1 + safe_exp(x)) for each lane of exp_lanes. */
static void alpha_lanes(const int64_t *x, size_t m, int64_t *alpha)
{
    int64_t e[EXP_LANES];
    fx_status st[EXP_LANES];
    exp_lanes(x, m, e, st);
    for (size_t k = 0; k < m; k++) {
        /* div(ONE, 1 + e) with a divisor >= ONE (e >= 0; safe_exp gives 0 on error) */
        const int64_t d = i32f32_sat_add(i32f32_one(), i32f32_from_bits(st[k] == FX_OK ? e[k] : 0)).bits;
        alpha[k] = d == ONE ? ONE : (int64_t)ym_one_over((uint64_t)d);
    }
}

void ym_alpha_values(const i32f32 *c, size_t n, i32f32 a, i32f32 b, i32f32 *out)
{
    /* Equal consensus values give equal alphas: a column equal to the one
     * before copies its α (most columns of a real subnet share the value 0);
     * the others are computed EXP_LANES at a time. */
    int64_t x[EXP_LANES], r[EXP_LANES];
    size_t idx[EXP_LANES], m = 0;
    for (size_t j = 0; j < n; j++) {
        if (j > 0 && c[j].bits == c[j - 1].bits) continue;
        idx[m] = j;
        x[m++] = i32f32_sat_sub(b, i32f32_sat_mul(a, c[j])).bits;
        if (m == EXP_LANES || j + 1 == n) {
            alpha_lanes(x, m, r);
            for (size_t k = 0; k < m; k++) out[idx[k]].bits = r[k];
            m = 0;
        }
    }
    if (m) {
        alpha_lanes(x, m, r);
        for (size_t k = 0; k < m; k++) out[idx[k]].bits = r[k];
    }
    for (size_t j = 1; j < n; j++)
        if (c[j].bits == c[j - 1].bits) out[j] = out[j - 1];
}

void ym_clamp_alpha(i32f32 *alpha, size_t n, i32f32 hi, i32f32 lo)
{
    for (size_t j = 0; j < n; j++) {
        int64_t v = alpha[j].bits;
        if (v > hi.bits) v = hi.bits;
        if (v < lo.bits) v = lo.bits;
        alpha[j].bits = v;
    }
}
