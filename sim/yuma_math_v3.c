/* yuma_math_v3.c -- the primitives of math.rs at subtensor v3.2.7 that Yuma 3
 * adds to the v1.2.4 set (yuma3.md §1.3, §2), on raw fixed-point integers.
 *
 * Invariant: every function returns the bits the chain's function returns
 * for the same inputs; tests/test_yuma_v3.c checks them against the math
 * vectors of yuma3_vectors.md §10 and the worked example of yuma3.md §5.
 * No floating point; scratch comes from the caller's arena and is given back
 * before returning (the stack discipline of yuma_math.h).
 */
#include "taosim/yuma_math.h"

#include <string.h>
#ifdef YM_X86_DISPATCH
#include <immintrin.h>
#endif

#define ONE I32F32_ONE_BITS
#define HALF ((int64_t)1 << 31)

/* ---- pieces every epoch driver needs -------------------------------------- */

void *ym_carve(ym_carver *c, size_t bytes)
{
    if (!c->a) {
        c->bytes += ym_round16(bytes);
        return NULL;
    }
    void *p = ym_alloc(c->a, bytes);
    if (!p) c->failed = true;
    return p;
}

void ym_carve_outputs(ym_carver *c, uint32_t n, size_t nnz_bonds, yuma_output *o)
{
    YM_CARVE(c, o->active, n);
    YM_CARVE(c, o->permit_new, n);
    uint16_t **u16s[] = {&o->stake_weight, &o->rank,     &o->trust,           &o->consensus,
                         &o->incentive,    &o->dividends, &o->validator_trust, &o->pruning_score};
    for (size_t k = 0; k < sizeof u16s / sizeof u16s[0]; k++) YM_CARVE(c, *u16s[k], n);
    YM_CARVE(c, o->emission, n);
    YM_CARVE(c, o->server_emission, n);
    YM_CARVE(c, o->validator_emission, n);
    YM_CARVE(c, o->bonds_action, n);
    YM_CARVE(c, o->bonds_off, (size_t)n + 1);
    YM_CARVE(c, o->bonds_ent, nnz_bonds);
}

bool ym_csr_ok(const yuma_csr *m, uint32_t n)
{
    if (!m->off || m->off[0] != 0) return false;
    for (uint32_t i = 0; i < n; i++)
        if (m->off[i + 1] < m->off[i]) return false;
    return m->off[n] == 0 || m->ent != NULL;
}

/* I96F32(x) * I96F32(E), saturating_to_num::<u64>: floor(x * E / 2^32). */
static uint64_t rao_share(i32f32 x, uint64_t e)
{
    if (x.bits <= 0) return 0;
    const fx_u128 p = ((fx_u128)(uint64_t)x.bits * e) >> 32;
    return p > UINT64_MAX ? UINT64_MAX : (uint64_t)p;
}

void ym_emission(uint32_t n, const i32f32 *inc, const i32f32 *div, const i32f32 *a, const i32f32 *stake, uint64_t rao,
                 i32f32 *ns, i32f32 *nv, i32f32 *nc, yuma_output *out)
{
    for (uint32_t i = 0; i < n; i++) nc[i] = i32f32_sat_add(inc[i], div[i]);
    const i32f32 esum = ym_sum(nc, n);
    memcpy(ns, inc, n * sizeof *ns);
    memcpy(nv, div, n * sizeof *nv);
    ym_normalize_using_sum(ns, n, esum);
    ym_normalize_using_sum(nv, n, esum);
    ym_normalize(nc, n);
    if (esum.bits == 0) { /* no weights, only self weights, all outdated, ... */
        bool zero_active = true;
        for (uint32_t i = 0; i < n && zero_active; i++) zero_active = a[i].bits == 0;
        const i32f32 *src = zero_active ? stake : a; /* the full stake: inactive not masked */
        memcpy(nv, src, n * sizeof *nv);
        memcpy(nc, src, n * sizeof *nc);
    }
    for (uint32_t i = 0; i < n; i++) {
        out->server_emission[i] = rao_share(ns[i], rao);
        out->validator_emission[i] = rao_share(nv[i], rao);
        out->emission[i] = rao_share(nc[i], rao);
    }
    ym_vec_max_upscale_to_u16(nc, n, out->pruning_score);
}

/* ---- opt-in variant, NOT a chain rule: server-side winner-takes-all --------
 * yuma_params.incentive_wta (yuma.h): the whole incentive to the top miner.
 * Off by default; the drivers call it only when the subnet opted in. */

void ym_incentive_wta(i32f32 *inc, uint32_t n)
{
    uint32_t w = 0;
    for (uint32_t j = 1; j < n; j++)
        if (inc[j].bits > inc[w].bits) w = j; /* strict: the lowest uid wins a tie */
    if (n == 0 || inc[w].bits <= 0) return;  /* no incentive at all: nothing to give */
    for (uint32_t j = 0; j < n; j++) inc[j].bits = j == w ? ONE : 0;
}

/* ---- conversions -------------------------------------------------------- */

i32f32 ym3_u16_proportion(uint16_t x)
{
    return i32f32_safe_div(i32f32_from_u16(x), i32f32_from_u16(UINT16_MAX));
}

uint16_t ym3_fixed_to_u16(i32f32 x)
{
    const int64_t f = x.bits >> 32;
    return f < 0 ? 0 : f > UINT16_MAX ? UINT16_MAX : (uint16_t)f;
}

uint16_t ym3_proportion_to_u16(i32f32 x)
{
    return ym3_fixed_to_u16(i32f32_sat_mul(x, i32f32_from_u16(UINT16_MAX)));
}

uint64_t ym3_fixed_to_u64(i32f32 x)
{
    return x.bits < 0 ? 0 : (uint64_t)(x.bits >> 32);
}

uint64_t ym3_fixed64_to_u64(i64f64 x)
{
    const fx_i128 f = x.bits >> 64;
    return f < 0 ? 0 : (uint64_t)f; /* I64F64 holds at most 2^63 - 1 */
}

i32f32 ym3_fixed64_to_fixed32(i64f64 x)
{
    const fx_i128 f = x.bits >> 32;
    if (f > INT64_MAX) return i32f32_max();
    if (f < INT64_MIN) return i32f32_min();
    return i32f32_from_bits((int64_t)f);
}

bool ym3_bma_alpha(uint64_t bma, i32f32 *alpha)
{
    if (bma > (uint64_t)INT64_MAX) return false; /* I64F64 from_num overflows */
    /* floor(floor(bma*2^64/10^6) / 2^32) = floor(bma*2^32/10^6) */
    const fx_u128 m = ((fx_u128)bma << 32) / 1000000u;
    if (m > (fx_u128)INT64_MAX) return false;
    *alpha = i32f32_sat_sub(i32f32_one(), i32f32_from_bits((int64_t)m));
    return true;
}

/* ---- permits ------------------------------------------------------------ */

bool ym3_is_topk_nonzero(const i32f32 *v, size_t n, size_t k, bool *out, yuma_arena *scratch)
{
    if (!ym_is_topk(v, n, k, out, scratch)) return false;
    for (size_t i = 0; i < n; i++) out[i] = out[i] && v[i].bits != 0;
    return true;
}

/* ---- masks ---------------------------------------------------------------- */

/* Keep the entries of m for which keep(i, j) holds, in order. */
#define YM3_FILTER(m, keep)                                                  \
    do {                                                                     \
        uint32_t w_ = 0, rd_ = 0;                                            \
        for (uint32_t i = 0; i < (m)->rows; i++) {                           \
            const uint32_t end_ = (m)->off[i + 1];                           \
            for (; rd_ < end_; rd_++) {                                      \
                const uint32_t j = (m)->col[rd_];                            \
                if (!(keep)) continue;                                       \
                (m)->col[w_] = (m)->col[rd_];                                \
                (m)->val[w_] = (m)->val[rd_];                                \
                w_++;                                                        \
            }                                                                \
            (m)->off[i + 1] = w_;                                            \
        }                                                                    \
    } while (0)

void ym3_mask_diag_sparse_except(ym_sparse *m, int64_t except)
{
    YM3_FILTER(m, j != i || (int64_t)i == except);
}

void ym3_mask_diag_dense_except(i32f32 *m, uint32_t rows, uint32_t cols, int64_t except)
{
    for (uint32_t i = 0; i < rows && i < cols; i++)
        if ((int64_t)i != except) m[(size_t)i * cols + i] = i32f32_zero();
}

static bool cmp_holds(ym3_cmp op, uint64_t a, uint64_t b)
{
    switch (op) {
    case YM3_EQ: return a == b;
    case YM3_LT: return a < b;
    case YM3_LE: return a <= b;
    }
    return false;
}

void ym3_mask_vec_sparse(ym_sparse *m, const uint64_t *first, const uint64_t *second, ym3_cmp op)
{
    YM3_FILTER(m, !cmp_holds(op, first[i], second[j]));
}

void ym3_mask_scalar_sparse(ym_sparse *m, uint64_t scalar, const uint64_t *second)
{
    YM3_FILTER(m, !(scalar <= second[j]));
}

#undef YM3_FILTER

/* ---- interpolation ---------------------------------------------------------- */

static void sparse_copy(const ym_sparse *src, ym_sparse *out)
{
    const size_t nnz = ym_nnz(src);
    out->rows = src->rows;
    memcpy(out->off, src->off, ((size_t)src->rows + 1) * sizeof *out->off);
    if (nnz) {
        memcpy(out->col, src->col, nnz * sizeof *out->col);
        memcpy(out->val, src->val, nnz * sizeof *out->val);
    }
}

size_t ym3_interpolate_need(uint32_t ncols)
{
    return 2 * ym_round16((size_t)ncols * sizeof(int64_t)) + ym_round16(((size_t)ncols + 63) / 64 * sizeof(uint64_t));
}

bool ym3_interpolate_sparse(const ym_sparse *a, const ym_sparse *b, uint32_t ncols, i32f32 r, ym_sparse *out,
                            yuma_arena *scratch)
{
    if (r.bits == 0 || r.bits == ONE) {
        if (a->rows == 0 && b->rows == 0) {
            out->rows = 0;
            out->off[0] = 0;
            return true;
        }
        sparse_copy(r.bits == 0 ? a : b, out);
        return true;
    }
    const size_t mark = scratch ? scratch->used : 0, words = ((size_t)ncols + 63) / 64;
    int64_t *r1 = ym_alloc(scratch, (size_t)ncols * sizeof *r1), *r2 = ym_alloc(scratch, (size_t)ncols * sizeof *r2);
    uint64_t *bits = ym_alloc(scratch, words * sizeof *bits);
    if (!r1 || !r2 || !bits) {
        if (scratch) scratch->used = mark;
        return false;
    }
    memset(r1, 0, (size_t)ncols * sizeof *r1);
    memset(r2, 0, (size_t)ncols * sizeof *r2);
    memset(bits, 0, words * sizeof *bits);
    uint32_t k = 0;
    out->rows = a->rows;
    out->off[0] = 0;
    for (uint32_t i = 0; i < a->rows; i++) {
        /* densify both rows (j < ncols; a later duplicate overwrites) */
        for (uint32_t q = a->off[i]; q < a->off[i + 1]; q++)
            if (a->col[q] < ncols) {
                r1[a->col[q]] = a->val[q].bits;
                bits[a->col[q] >> 6] |= (uint64_t)1 << (a->col[q] & 63);
            }
        for (uint32_t q = b->off[i]; q < b->off[i + 1]; q++)
            if (b->col[q] < ncols) {
                r2[b->col[q]] = b->val[q].bits;
                bits[b->col[q] >> 6] |= (uint64_t)1 << (b->col[q] & 63);
            }
        /* columns absent from both rows interpolate 0 and are not kept */
        for (size_t w = 0; w < words; w++) {
            uint64_t m = bits[w];
            while (m) {
                const uint32_t j = (uint32_t)(w * 64 + (size_t)__builtin_ctzll(m));
                m &= m - 1;
                const i32f32 u = i32f32_from_bits(r1[j]), v = i32f32_from_bits(r2[j]);
                const i32f32 x = i32f32_sat_add(u, i32f32_sat_mul(r, i32f32_sat_sub(v, u)));
                if (x.bits > 0) {
                    out->col[k] = (uint16_t)j;
                    out->val[k++] = x;
                }
                r1[j] = r2[j] = 0;
            }
            bits[w] = 0;
        }
        out->off[i + 1] = k;
    }
    scratch->used = mark;
    return true;
}

void ym3_interpolate_dense(const i32f32 *a, const i32f32 *b, size_t cells, i32f32 r, i32f32 *out)
{
    for (size_t c = 0; c < cells; c++) {
        if (r.bits == 0) out[c] = a[c];
        else if (r.bits == ONE) out[c] = b[c];
        else out[c] = i32f32_sat_add(a[c], i32f32_sat_mul(r, i32f32_sat_sub(b[c], a[c])));
    }
}

/* ---- Liquid Alpha 2 --------------------------------------------------------- */

ym3_sigmoid ym3_sigmoid_make(uint16_t alpha_low, uint16_t alpha_high, int16_t steepness, bool clamp)
{
    ym3_sigmoid s;
    s.a_lo = ym3_u16_proportion(alpha_low);
    s.a_hi = ym3_u16_proportion(alpha_high);
    s.k = i32f32_zero(); /* the divisor is the constant -100 */
    (void)i32f32_sat_div(i32f32_from_i32(steepness), i32f32_from_i32(-100), &s.k);
    s.clamp = clamp;
    return s;
}

/* clamp(v, lo, hi) = max(min(v, hi), lo), as clamp_value does. */
static inline int64_t clamp_value(int64_t v, int64_t lo, int64_t hi)
{
    if (v > hi) v = hi;
    if (v < lo) v = lo;
    return v;
}

/* exp of substrate-fixed, the same steps as ym_exp with the divisions by the
 * term index unrolled (constant divisors), so the same bits. */
fx_status ym3_exp(i32f32 x, i32f32 *out)
{
    if (x.bits == 0) {
        *out = i32f32_one();
        return FX_OK;
    }
    if (x.bits == ONE) { /* the library's constant E, not the series */
        *out = i32f32_from_bits((int64_t)FX_E_I9F23 << 9);
        return FX_OK;
    }
    const bool neg = x.bits < 0;
    if (x.bits == INT64_MIN) return FX_EOVERFLOW;
    const uint64_t ax = (uint64_t)(neg ? -x.bits : x.bits);
    if (ax > (uint64_t)(INT64_MAX - ONE)) return FX_EOVERFLOW;
    uint64_t result = ax + (uint64_t)ONE, term = ax;
#define TERM(i)                                                        \
    do {                                                               \
        const fx_u128 p_ = ((fx_u128)term * ax) >> 32;                 \
        if (p_ > (fx_u128)INT64_MAX) return FX_EOVERFLOW;              \
        term = (uint64_t)p_ / (i);                                     \
        result += term;                                                \
        if (result > (uint64_t)INT64_MAX) return FX_EOVERFLOW;         \
        if (!term) goto done;                                          \
    } while (0)
    TERM(2); TERM(3); TERM(4); TERM(5); TERM(6); TERM(7); TERM(8); TERM(9); TERM(10); TERM(11);
    TERM(12); TERM(13); TERM(14); TERM(15); TERM(16); TERM(17); TERM(18); TERM(19); TERM(20); TERM(21);
    TERM(22); TERM(23); TERM(24); TERM(25); TERM(26); TERM(27); TERM(28); TERM(29); TERM(30); TERM(31);
#undef TERM
done:
    if (neg) result = ym_one_over(result); /* ONE / result, result > ONE */
    out->bits = (int64_t)result;
    return FX_OK;
}

/* Four independent ym3_exp at once, the same bits and statuses. The four
 * series run in lockstep, in registers and without branches in the lanes
 * (the scheme of yuma_math.c's exp_lanes), so that their multiply chains
 * overlap; a lane whose term reached 0 adds 0 from then on, as ym3_exp
 * stops. Lanes without a series (x = 0, ONE, out of range) run with a = 0:
 * every term is 0.
 *
 * Step i is term = floor(floor(term * a / 2^32) / i). While a product may
 * reach 2^64 it is taken in 128 bits and the quotient of p masked to 63 bits
 * (p <= INT64_MAX unless the lane overflows), which the compiler divides by
 * one multiply. Once every term is at most L = floor((2^64 - 1) / a_max)
 * and a_max <= i * ONE, every later product fits 64 bits: term * a < 2^64
 * gives p < 2^32, the next term < 2^32 / i, and its product with a <=
 * i * ONE < (i + 1) * ONE is below 2^64 again -- so the rest of the series
 * runs on 64-bit products (p < 2^32 cannot overflow). Overflow (p >
 * INT64_MAX, or a sum above INT64_MAX) is only flagged: before it a lane's
 * steps are ym3_exp's, sums only grow (the top bit of the OR of the sums is
 * sticky), and any flag sends the four lanes to ym3_exp itself (rare: |x|
 * near 21 and beyond). */
#define EXP_WIDE(t, a, r, i)                                        \
    do {                                                            \
        const fx_u128 p_ = ((fx_u128)(t) * (a)) >> 32;              \
        ovf |= (uint64_t)(p_ >> 63);                                \
        (t) = ((uint64_t)p_ & (uint64_t)INT64_MAX) / (i);           \
        (r) += (t);                                                 \
        sums |= (r);                                                \
    } while (0)
#define EXP_NARROW(t, a, r, i)                                      \
    do {                                                            \
        (t) = (uint64_t)(uint32_t)(((t) * (a)) >> 32) / (i);        \
        (r) += (t);                                                 \
    } while (0)
#define TERM4(i)                                                    \
    do {                                                            \
        if ((t0 | t1 | t2 | t3) <= lim && amax <= (uint64_t)(i) * (uint64_t)ONE) goto narrow##i; \
        EXP_WIDE(t0, a0, r0, i);                                    \
        EXP_WIDE(t1, a1, r1, i);                                    \
        EXP_WIDE(t2, a2, r2, i);                                    \
        EXP_WIDE(t3, a3, r3, i);                                    \
        if (!(t0 | t1 | t2 | t3)) goto done;                        \
    } while (0)
#define NARROW4(i)                                                  \
    narrow##i:                                                      \
    do {                                                            \
        EXP_NARROW(t0, a0, r0, i);                                  \
        EXP_NARROW(t1, a1, r1, i);                                  \
        EXP_NARROW(t2, a2, r2, i);                                  \
        EXP_NARROW(t3, a3, r3, i);                                  \
        if (!(t0 | t1 | t2 | t3)) goto done;                        \
    } while (0)

void ym3_exp4(const i32f32 x[4], i32f32 out[4], fx_status st[4])
{
    uint64_t ax[4];
    bool series[4];
    for (int l = 0; l < 4; l++) {
        const int64_t xb = x[l].bits;
        st[l] = FX_OK;
        series[l] = false;
        ax[l] = 0;
        if (xb == 0) out[l] = i32f32_one();
        else if (xb == ONE) out[l] = i32f32_from_bits((int64_t)FX_E_I9F23 << 9);
        else if (xb == INT64_MIN || (uint64_t)(xb < 0 ? -xb : xb) > (uint64_t)(INT64_MAX - ONE)) st[l] = FX_EOVERFLOW;
        else {
            series[l] = true;
            ax[l] = (uint64_t)(xb < 0 ? -xb : xb);
        }
    }
    const uint64_t a0 = ax[0], a1 = ax[1], a2 = ax[2], a3 = ax[3];
    uint64_t amax = a0 > a1 ? a0 : a1;
    amax = amax > a2 ? amax : a2;
    amax = amax > a3 ? amax : a3;
    if (amax == 0) return;
    const uint64_t lim = UINT64_MAX / amax;
    uint64_t t0 = a0, t1 = a1, t2 = a2, t3 = a3, ovf = 0, sums = 0;
    uint64_t r0 = a0 + (uint64_t)ONE, r1 = a1 + (uint64_t)ONE, r2 = a2 + (uint64_t)ONE, r3 = a3 + (uint64_t)ONE;
    TERM4(2); TERM4(3); TERM4(4); TERM4(5); TERM4(6); TERM4(7); TERM4(8); TERM4(9); TERM4(10); TERM4(11);
    TERM4(12); TERM4(13); TERM4(14); TERM4(15); TERM4(16); TERM4(17); TERM4(18); TERM4(19); TERM4(20); TERM4(21);
    TERM4(22); TERM4(23); TERM4(24); TERM4(25); TERM4(26); TERM4(27); TERM4(28); TERM4(29); TERM4(30); TERM4(31);
    goto done;
    NARROW4(2); NARROW4(3); NARROW4(4); NARROW4(5); NARROW4(6); NARROW4(7); NARROW4(8); NARROW4(9); NARROW4(10);
    NARROW4(11); NARROW4(12); NARROW4(13); NARROW4(14); NARROW4(15); NARROW4(16); NARROW4(17); NARROW4(18);
    NARROW4(19); NARROW4(20); NARROW4(21); NARROW4(22); NARROW4(23); NARROW4(24); NARROW4(25); NARROW4(26);
    NARROW4(27); NARROW4(28); NARROW4(29); NARROW4(30); NARROW4(31);
done:
    if (ovf || (sums | r0 | r1 | r2 | r3) >> 63) {
        for (int l = 0; l < 4; l++)
            if (series[l]) st[l] = ym3_exp(x[l], &out[l]);
        return;
    }
    const uint64_t r[4] = {r0, r1, r2, r3};
    for (int l = 0; l < 4; l++) {
        if (!series[l]) continue;
        out[l].bits = (int64_t)(x[l].bits < 0 ? ym_one_over(r[l]) : r[l]); /* ONE / result, result > ONE */
    }
}
#undef NARROW4
#undef TERM4
#undef EXP_NARROW
#undef EXP_WIDE

int64_t ym3_sigmoid_d(i32f32 consensus, i32f32 weight, i32f32 bond)
{
    const int64_t d_buy = clamp_value(i32f32_sat_sub(weight, consensus).bits, 0, ONE);
    const int64_t d_sell = clamp_value(i32f32_sat_sub(bond, weight).bits, 0, ONE);
    return weight.bits >= bond.bits ? d_buy : d_sell;
}

/* The exponent of alpha_sigmoid for gap d, clamped to [-20, 20] with the fix. */
static inline i32f32 sigmoid_x(const ym3_sigmoid *s, int64_t d)
{
    i32f32 x = i32f32_sat_mul(s->k, i32f32_sat_sub(i32f32_from_bits(d), i32f32_from_bits(HALF)));
    if (s->clamp) x.bits = clamp_value(x.bits, -20 * ONE, 20 * ONE);
    return x;
}

/* α from exp(x) (or its failure): safe_exp gives 0 on an error whatever the
 * sign (quirk Q2); exp_safe, on its clamped argument, 0 if x <= 0 else MAX. */
static inline i32f32 sigmoid_alpha(const ym3_sigmoid *s, i32f32 x, i32f32 e, fx_status st)
{
    if (st != FX_OK) e = s->clamp && x.bits > 0 ? i32f32_max() : i32f32_zero();
    /* σ = saturating_div(ONE, 1 + e) = trunc(2^64 / D) with D = sat_add(ONE, e)
     * >= ONE (e >= 0), a quotient <= ONE */
    const i32f32 sigma = i32f32_from_bits((int64_t)ym_one_over((uint64_t)i32f32_sat_add(i32f32_one(), e).bits));
    const i32f32 alpha = i32f32_sat_add(s->a_lo, i32f32_sat_mul(sigma, i32f32_sat_sub(s->a_hi, s->a_lo)));
    return i32f32_from_bits(clamp_value(alpha.bits, s->a_lo.bits, s->a_hi.bits));
}

i32f32 ym3_alpha_of_d(const ym3_sigmoid *s, int64_t d)
{
    const i32f32 x = sigmoid_x(s, d);
    i32f32 e = i32f32_zero();
    const fx_status st = ym3_exp(x, &e);
    return sigmoid_alpha(s, x, e, st);
}

void ym3_alpha_of_d4(const ym3_sigmoid *s, const int64_t d[4], i32f32 alpha[4])
{
    i32f32 x[4], e[4];
    fx_status st[4];
    for (int l = 0; l < 4; l++) x[l] = sigmoid_x(s, d[l]);
    ym3_exp4(x, e, st);
    for (int l = 0; l < 4; l++) alpha[l] = sigmoid_alpha(s, x[l], e[l], st[l]);
}

/* Many gaps at once, on lanes: ym3_exp's series for sixteen arguments in
 * four lane vectors, one instruction per step for four of them (32 x
 * 32-bit products, which every ISA's lanes have), the four vectors
 * interleaved so that their dependency chains overlap (ym3_exp4's four
 * scalar chains do the same one lane at a time).
 *
 * Step i is term = floor(p / i), p = floor(term * a / 2^32), a = |x|. The
 * lanes take |x| <= 20 ONE only (the others go to ym3_exp): there the
 * chain's checks never fire -- term <= max_i a^i / (i! 2^(32(i-1))), p <=
 * max_i a^i / ((i-1)! 2^(32(i-1))) <= 20^20 / 19! ONE < 2^62 and the sum
 * <= e^20 ONE < 2^61 -- so the lanes skip them, and a lane whose term
 * reached 0 adds 0 from then on, as ym3_exp stops. With a = ah 2^32 + al
 * and term = th 2^32 + tl (ah <= 20, th < 2^26), p = floor(tl al / 2^32) +
 * tl ah + th al + th ah 2^32 exactly (the first term carries the whole low
 * part); while every th is 0 the last two vanish. The division by the
 * step's constant i (2 <= i <= 31, l = ceil(log2 i); Granlund & Montgomery,
 * PLDI 1994, Thm 4.2: for n < 2^N and m = ceil(2^(N+l) / i), floor(n / i) =
 * floor(n m / 2^(N+l))): a shift for a power of two; for p < 2^62 (N = 62,
 * m < 2^64) the high half of the 128-bit p m from four 32 x 32-bit
 * products, shifted by l - 2; while every p < 2^32 (N = 32, m in [2^32,
 * 2^33)) (floor(p (m - 2^32) / 2^32) + p) >> l. Which of the forms a step
 * takes is decided for all sixteen lanes at once (each is exact wherever
 * it is taken). tests/test_yuma_v3.c compares every lane with
 * ym3_alpha_of_d. */
#define EXP_L(i) ((i) <= 2 ? 1 : (i) <= 4 ? 2 : (i) <= 8 ? 3 : (i) <= 16 ? 4 : 5)
#define EXP_POW2(i) (((i) & ((i) - 1)) == 0)
#define EXP_M62(i) ((uint64_t)((((fx_u128)1 << (62 + EXP_L(i))) + (i) - 1) / (i)))
#define EXP_M32(i) ((((uint64_t)1 << (32 + EXP_L(i))) + (i) - 1) / (i) - ((uint64_t)1 << 32))
#define LO32 YM_V4(0xFFFFFFFFu)
#define EXP_DIV32(MUL, n, i) (EXP_POW2(i) ? (n) >> EXP_L(i) : (((MUL(n, YM_V4(EXP_M32(i))) >> 32) + (n)) >> EXP_L(i)))
#define EXP_DIV62(MUL, n, i) ({                                                                        \
    const ym_v4 n_ = (n), n1_ = n_ >> 32, m0_ = YM_V4(EXP_M62(i) & 0xFFFFFFFFu), m1_ = YM_V4(EXP_M62(i) >> 32); \
    const ym_v4 ll_ = MUL(n_, m0_), lh_ = MUL(n_, m1_), hl_ = MUL(n1_, m0_), hh_ = MUL(n1_, m1_);      \
    const ym_v4 mid_ = (ll_ >> 32) + (lh_ & LO32) + (hl_ & LO32);                                      \
    EXP_POW2(i) ? n_ >> EXP_L(i) : (hh_ + (lh_ >> 32) + (hl_ >> 32) + (mid_ >> 32)) >> (EXP_L(i) - 2); })
#define EXP_P(MUL, t, a) ((MUL(t, a & LO32) >> 32) + MUL(t, a >> 32))
#define EXP_PWIDE(MUL, t, a) (MUL(t >> 32, a & LO32) + (MUL(t >> 32, a >> 32) << 32))
#define EXP_STEP16(i, MUL, ANY)                                                                       \
    do {                                                                                              \
        ym_v4 p0_ = EXP_P(MUL, t0, a0), p1_ = EXP_P(MUL, t1, a1), p2_ = EXP_P(MUL, t2, a2),            \
              p3_ = EXP_P(MUL, t3, a3);                                                               \
        if (ANY((t0 | t1 | t2 | t3) >> 32)) {                                                         \
            p0_ += EXP_PWIDE(MUL, t0, a0);                                                            \
            p1_ += EXP_PWIDE(MUL, t1, a1);                                                            \
            p2_ += EXP_PWIDE(MUL, t2, a2);                                                            \
            p3_ += EXP_PWIDE(MUL, t3, a3);                                                            \
        }                                                                                             \
        if (ANY((p0_ | p1_ | p2_ | p3_) >> 32)) {                                                     \
            t0 = EXP_DIV62(MUL, p0_, i);                                                              \
            t1 = EXP_DIV62(MUL, p1_, i);                                                              \
            t2 = EXP_DIV62(MUL, p2_, i);                                                              \
            t3 = EXP_DIV62(MUL, p3_, i);                                                              \
        } else {                                                                                      \
            t0 = EXP_DIV32(MUL, p0_, i);                                                              \
            t1 = EXP_DIV32(MUL, p1_, i);                                                              \
            t2 = EXP_DIV32(MUL, p2_, i);                                                              \
            t3 = EXP_DIV32(MUL, p3_, i);                                                              \
        }                                                                                             \
        r0 += t0;                                                                                     \
        r1 += t1;                                                                                     \
        r2 += t2;                                                                                     \
        r3 += t3;                                                                                     \
        if (!ANY(t0 | t1 | t2 | t3)) goto done;                                                       \
    } while (0)
/* The series sum ONE + a + Σ terms of sixteen lanes a16 (a <= 20 ONE; a =
 * 0: ONE) into r16. MUL(x, y): the product of the low 32-bit halves of the
 * lanes; ANY(x): some lane is not 0. */
#define EXP_SERIES16(MUL, ANY)                                                                        \
    const ym_v4 a0 = (ym_v4)YM_LD(a16), a1 = (ym_v4)YM_LD(a16 + 4), a2 = (ym_v4)YM_LD(a16 + 8),       \
                a3 = (ym_v4)YM_LD(a16 + 12), one_ = YM_V4((uint64_t)ONE);                             \
    ym_v4 t0 = a0, t1 = a1, t2 = a2, t3 = a3, r0 = a0 + one_, r1 = a1 + one_, r2 = a2 + one_, r3 = a3 + one_; \
    EXP_STEP16(2, MUL, ANY); EXP_STEP16(3, MUL, ANY); EXP_STEP16(4, MUL, ANY); EXP_STEP16(5, MUL, ANY); \
    EXP_STEP16(6, MUL, ANY); EXP_STEP16(7, MUL, ANY); EXP_STEP16(8, MUL, ANY); EXP_STEP16(9, MUL, ANY); \
    EXP_STEP16(10, MUL, ANY); EXP_STEP16(11, MUL, ANY); EXP_STEP16(12, MUL, ANY); EXP_STEP16(13, MUL, ANY); \
    EXP_STEP16(14, MUL, ANY); EXP_STEP16(15, MUL, ANY); EXP_STEP16(16, MUL, ANY); EXP_STEP16(17, MUL, ANY); \
    EXP_STEP16(18, MUL, ANY); EXP_STEP16(19, MUL, ANY); EXP_STEP16(20, MUL, ANY); EXP_STEP16(21, MUL, ANY); \
    EXP_STEP16(22, MUL, ANY); EXP_STEP16(23, MUL, ANY); EXP_STEP16(24, MUL, ANY); EXP_STEP16(25, MUL, ANY); \
    EXP_STEP16(26, MUL, ANY); EXP_STEP16(27, MUL, ANY); EXP_STEP16(28, MUL, ANY); EXP_STEP16(29, MUL, ANY); \
    EXP_STEP16(30, MUL, ANY); EXP_STEP16(31, MUL, ANY);                                                 \
    done:                                                                                             \
    YM_ST(r16, r0);                                                                                   \
    YM_ST(r16 + 4, r1);                                                                               \
    YM_ST(r16 + 8, r2);                                                                               \
    YM_ST(r16 + 12, r3)

/* The portable lanes: the plain products of the masked halves. */
#define PORT_MUL(x, y) (((x) & LO32) * ((y) & LO32))
#define PORT_ANY(x) ({ const ym_v4 z_ = (x); z_[0] | z_[1] | z_[2] | z_[3]; })
static void series_base(const uint64_t *a16, uint64_t *r16) { EXP_SERIES16(PORT_MUL, PORT_ANY); }
#ifdef YM_X86_DISPATCH
/* x86-64: one vpmuludq a product (GCC's lanes spell a 64-bit product as
 * three), one vptest a test. */
#define X86_MUL(x, y) ((ym_v4)_mm256_mul_epu32((__m256i)(x), (__m256i)(y)))
#define X86_ANY(x) (!_mm256_testz_si256((__m256i)(x), (__m256i)(x)))
YM_TARGET_AVX2 static void series_avx2(const uint64_t *a16, uint64_t *r16) { EXP_SERIES16(X86_MUL, X86_ANY); }
YM_TARGET_AVX512 static void series_avx512(const uint64_t *a16, uint64_t *r16) { EXP_SERIES16(X86_MUL, X86_ANY); }
#undef X86_ANY
#undef X86_MUL
#endif
#undef PORT_ANY
#undef PORT_MUL
#undef EXP_SERIES16
#undef EXP_STEP16
#undef EXP_PWIDE
#undef EXP_P
#undef EXP_DIV62
#undef EXP_DIV32
#undef LO32
#undef EXP_M32
#undef EXP_M62
#undef EXP_POW2
#undef EXP_L

void ym3_alpha_batch(const ym3_sigmoid *s, const int64_t *d, size_t m, int64_t *alpha, ym_impl isa)
{
    void (*series)(const uint64_t *, uint64_t *) = series_base;
#ifdef YM_X86_DISPATCH
    if (isa == YM_IMPL_DENSE_AVX512) series = series_avx512;
    else if (isa == YM_IMPL_DENSE_AVX2) series = series_avx2;
#endif
    (void)isa;
    enum { B = 16 };
    for (size_t k = 0; k < m; k += B) {
        i32f32 x[B], e[B];
        fx_status st[B];
        uint64_t a[B], r[B];
        const size_t nb = m - k < B ? m - k : B;
        for (size_t l = 0; l < B; l++) {
            x[l] = l < nb ? sigmoid_x(s, d[k + l]) : i32f32_zero();
            const int64_t xb = x[l].bits;
            const bool lane = xb != 0 && xb != ONE && xb >= -20 * ONE && xb <= 20 * ONE;
            a[l] = lane ? (uint64_t)(xb < 0 ? -xb : xb) : 0;
            st[l] = lane ? FX_OK : ym3_exp(x[l], &e[l]);
        }
        series(a, r);
        for (size_t l = 0; l < nb; l++) {
            if (a[l]) e[l].bits = (int64_t)(x[l].bits < 0 ? ym_one_over(r[l]) : r[l]); /* ONE / result, result > ONE */
            alpha[k + l] = sigmoid_alpha(s, x[l], e[l], st[l]).bits;
        }
    }
}

i32f32 ym3_alpha_sigmoid(const ym3_sigmoid *s, i32f32 consensus, i32f32 weight, i32f32 bond)
{
    return ym3_alpha_of_d(s, ym3_sigmoid_d(consensus, weight, bond));
}

size_t ym3_alpha_need(size_t max_row) { return 2 * ym_round16(max_row * sizeof(uint64_t)); }

bool ym3_alpha_values_sparse(const ym3_sigmoid *s, const ym_sparse *w, const ym_sparse *b, const i32f32 *cons,
                             uint32_t ncons, i32f32 *alpha, yuma_arena *scratch)
{
    size_t max_row = 0;
    for (uint32_t i = 0; i < w->rows; i++)
        if (w->off[i + 1] - w->off[i] > max_row) max_row = w->off[i + 1] - w->off[i];
    const size_t mark = scratch ? scratch->used : 0;
    uint64_t *key = ym_alloc(scratch, max_row * sizeof *key), *tmp = ym_alloc(scratch, max_row * sizeof *tmp);
    if (max_row && (!key || !tmp)) {
        if (scratch) scratch->used = mark;
        return false;
    }
    for (uint32_t i = 0; i < w->rows; i++) {
        const uint32_t wb = w->off[i], we = w->off[i + 1], bb = b->off[i], be = b->off[i + 1];
        const size_t len = we - wb;
        /* The chain scans j = 0, 1, ... and keeps one cursor per row, moving
         * it past entries with column < j. Stopping only at the columns the
         * EMA reads, in increasing order, leaves each cursor where the full
         * scan leaves it (the entries skipped on the way all have smaller
         * columns), so the values found are the same. */
        bool sorted = true;
        for (uint32_t q = wb + 1; q < we && sorted; q++) sorted = w->col[q] > w->col[q - 1];
        for (size_t t = 0; t < len; t++) key[t] = (uint64_t)w->col[wb + t] << 32 | t;
        if (!sorted) ym_radix_sort_u64(key, NULL, len, tmp, NULL);
        uint32_t cw = wb, cb = bb;
        for (size_t t = 0; t < len; t++) {
            const uint32_t j = (uint32_t)(key[t] >> 32), q = wb + (uint32_t)key[t];
            if (j >= ncons) {
                alpha[q] = i32f32_zero();
                continue;
            }
            while (cw < we && w->col[cw] < j) cw++;
            while (cb < be && b->col[cb] < j) cb++;
            const i32f32 wv = cw < we && w->col[cw] == j ? w->val[cw] : i32f32_zero();
            const i32f32 bv = cb < be && b->col[cb] == j ? b->val[cb] : i32f32_zero();
            alpha[q] = ym3_alpha_sigmoid(s, cons[j], wv, bv);
        }
    }
    if (scratch) scratch->used = mark;
    return true;
}

size_t ym3_ema_alpha_need(uint32_t ncols)
{
    return ym_round16((size_t)ncols * sizeof(int64_t)) + ym_round16((size_t)ncols * sizeof(uint32_t));
}

bool ym3_mat_ema_alpha_sparse(const ym_sparse *nw, const ym_sparse *old, const i32f32 *alpha, uint32_t ncols,
                              ym_sparse *out, yuma_arena *scratch)
{
    const size_t mark = scratch ? scratch->used : 0;
    int64_t *dec = ym_alloc(scratch, (size_t)ncols * sizeof *dec);
    uint32_t *slot = ym_alloc(scratch, (size_t)ncols * sizeof *slot); /* entry of the new row at column j, + 1 */
    if (ncols && (!dec || !slot)) {
        if (scratch) scratch->used = mark;
        return false;
    }
    if (ncols) memset(slot, 0, (size_t)ncols * sizeof *slot);
    const i32f32 one = i32f32_one();
    uint32_t k = 0;
    out->rows = nw->rows;
    out->off[0] = 0;
    for (uint32_t i = 0; i < nw->rows; i++) {
        const uint32_t nb = nw->off[i], ne = nw->off[i + 1];
        for (uint32_t q = nb; q < ne; q++) {
            slot[nw->col[q]] = q + 1;
            dec[nw->col[q]] = 0;
        }
        /* dec_j is read only at the new row's columns: compute it there (the
         * α of a cell is the same for its old and its new entry) */
        for (uint32_t q = old->off[i]; q < old->off[i + 1]; q++) {
            const uint32_t j = old->col[q];
            if (j < ncols && slot[j])
                dec[j] = i32f32_sat_mul(i32f32_sat_sub(one, alpha[slot[j] - 1]), old->val[q]).bits;
        }
        for (uint32_t q = nb; q < ne; q++) {
            const uint32_t j = nw->col[q];
            i32f32 inc = i32f32_sat_mul(alpha[q], nw->val[q]);
            if (inc.bits < 0) inc = i32f32_zero();
            i32f32 v = i32f32_sat_add(i32f32_from_bits(dec[j]), inc);
            if (v.bits > ONE) v = one;
            if (v.bits > 0) {
                out->col[k] = (uint16_t)j;
                out->val[k++] = v;
            }
        }
        for (uint32_t q = nb; q < ne; q++) slot[nw->col[q]] = 0;
        out->off[i + 1] = k;
    }
    if (scratch) scratch->used = mark;
    return true;
}

void ym3_mat_ema_alpha_dense(const i32f32 *nw, const i32f32 *old, const i32f32 *alpha, size_t cells, i32f32 *out)
{
    for (size_t c = 0; c < cells; c++) {
        const i32f32 dec = i32f32_sat_mul(i32f32_sat_sub(i32f32_one(), alpha[c]), old[c]);
        i32f32 inc = i32f32_sat_mul(alpha[c], nw[c]);
        if (inc.bits < 0) inc = i32f32_zero();
        i32f32 v = i32f32_sat_add(dec, inc);
        out[c] = v.bits > ONE ? i32f32_one() : v;
    }
}

void ym3_mat_ema_dense(const i32f32 *nw, const i32f32 *old, i32f32 alpha, size_t cells, i32f32 *out)
{
    const i32f32 beta = i32f32_sat_sub(i32f32_one(), alpha);
    for (size_t c = 0; c < cells; c++) out[c] = i32f32_sat_add(i32f32_sat_mul(alpha, nw[c]), i32f32_sat_mul(beta, old[c]));
}

/* ---- dividends ------------------------------------------------------------------ */

size_t ym3_vec_mul(const i32f32 *a, size_t na, const i32f32 *b, size_t nb, i32f32 *out)
{
    const size_t n = na < nb ? na : nb;
    for (size_t i = 0; i < n; i++)
        if (i32f32_checked_mul(a[i], b[i], &out[i]) != FX_OK) out[i] = i32f32_zero();
    return n;
}

void ym3_mat_vec_mul_sparse(ym_sparse *m, const i32f32 *v, size_t nv)
{
    uint32_t w = 0, rd = 0;
    for (uint32_t i = 0; i < m->rows; i++) {
        for (const uint32_t end = m->off[i + 1]; rd < end; rd++) {
            const uint32_t j = m->col[rd];
            if (j >= nv) continue;
            const i32f32 p = i32f32_sat_mul(m->val[rd], v[j]);
            if (p.bits == 0) continue;
            m->col[w] = (uint16_t)j;
            m->val[w++] = p;
        }
        m->off[i + 1] = w;
    }
}
