/* yuma.c -- the Yuma consensus epoch of subtensor v1.2.4 (YUMA_V2), the
 * sparse `epoch` the chain runs, step by step as yuma-epoch.md §4-§5.
 *
 * Invariant: for valid chain state every output equals, bit for bit, what
 * the chain writes (checked against epoch_vectors.md in tests/test_yuma.c);
 * for input the chain would panic on (a bond column >= n, a row naming a
 * column twice, stake sums beyond I64F64) the call returns YUMA_EINPUT and
 * writes nothing the caller may use. Pure: all memory is carved from the
 * caller's arena by one plan (plan_common, then plan_sparse or plan_dense)
 * that yuma_arena_need() replays, so the bound cannot drift from the
 * allocations. No floating point.
 *
 * Two implementations of §4.6-4.13 and 4.16 compute the same numbers. The
 * sparse passes fuse the steps of §4 over the stored rows (each pass says
 * which steps and why the fusion keeps every number): six passes over the
 * weight-sized data -- weights (row normalisation, preranks, column
 * maxima), the two consensus passes (histogram, bucket entries), clip
 * (ranks, ΔB numerators), bonds (masking, column sums), EMA, then
 * dividends with the stored bonds; every division by a value shared by a
 * row or a column through a precomputed exact reciprocal (ym_u16div,
 * ym_rdiv), products below 2^64 in 64 bits (mul_u1), entries one packed u64
 * (ym_pk). The dense passes (section "the dense passes") hold the rows as
 * dense rows of np = n rounded to 4 cells and run the same passes on
 * four-lane integer vectors (YM_QDIV, YM_MUL01 of yuma_math.h), compiled
 * for the base ISA and, on x86-64, for AVX2 and AVX-512 (run-time choice).
 * yuma_epoch takes the dense passes when the rows are mostly full (at most
 * 3/2 cells per stored entry), α is in [0, 1] and AVX2 or AVX-512 is there;
 * ym_epoch_v2 pins either. The arithmetic and the consensus selection come
 * from yuma_math.c, which a v3 driver in a sibling file reuses without
 * touching this one. tests/test_yuma.c compares this driver with a dense
 * reference epoch written directly from the spec, tests/test_yuma_math.c
 * every implementation with the others.
 */
#include "taosim/yuma.h"

#include <string.h>

#include "taosim/yuma_math.h"

#define ONE I32F32_ONE_BITS

const char *yuma_strerror(yuma_status st)
{
    switch (st) {
    case YUMA_OK: return "ok";
    case YUMA_ETOOBIG: return "subnet larger than YUMA_MAX_UIDS";
    case YUMA_ENOMEM: return "yuma arena too small (see yuma_arena_need)";
    case YUMA_EINPUT: return "inconsistent epoch input";
    }
    return "unknown yuma status";
}

yuma_params yuma_params_default(void)
{
    yuma_params p;
    memset(&p, 0, sizeof p);
    p.version = YUMA_V2;
    p.kappa = 32767;
    p.bonds_moving_average = 900000;
    p.activity_cutoff = 5000;
    p.max_allowed_validators = 128; /* InitialMaxAllowedValidators (finney) */
    p.liquid_alpha_enabled = false;
    p.alpha_low = 45875;
    p.alpha_high = 58982;
    p.bonds_penalty = 65535;
    p.alpha_sigmoid_steepness = 1000;
    p.stake_threshold = 0;
    p.yuma3_sigmoid_clamp = false;
    p.owner_uid = -1;
    p.incentive_wta = false; /* not a chain rule: opt-in only */
    return p;
}

/* ---- memory plan -------------------------------------------------------- */

/* Per-column block of the EMA (ema_row), 64 bytes: ΔB_ij = mul(W̄_ij, a_i) /
 * R_j by the reciprocal (rm, rd, rp) of R_j, B_ij = b_ij / colb_j by the u16
 * reciprocal (bm, bpre) of colb_j, the column's α and β = 1 - α, and the
 * column sum and maximum of E as the EMA accumulates them. */
typedef struct ema_col {
    uint64_t rm, rd, bm;
    int64_t alpha, beta;
    int64_t sum, max;
    uint32_t rp, bpre;
} ema_col;

/* Per-column constants of the dividends and the stored bonds (out_pass):
 * the reciprocals of the column sum of E and of the column maximum of E
 * normalised, and the incentive. */
typedef struct out_col {
    ym_rdiv s, x;
    int64_t inc;
    int64_t pad; /* 64 bytes: an index is one shift */
} out_col;

/* Everything the epoch keeps across its passes. The per-column vectors hold
 * np = n rounded up to YM_LANES entries, the padding columns 0, so that the
 * dense passes read whole lane vectors. Sparse passes: the weight and E
 * matrices are row-compressed with packed entries ym_pk(value, column),
 * every row in increasing column order once loaded (weights_pass); values
 * are at most ONE (E in the saturating EMA keeps whole values in e_pk,
 * columns in e_col). Dense passes: the rows drow[0 .. nd) as np-wide rows
 * of dw (weights, then ΔB numerators, then E) and db (the bonds; before
 * them, the consensus bucket lists). */
typedef struct epoch_mem {
    uint32_t np, nd;
    bool *forbid;
    i32f32 *stake, *a, *u, *pre, *cons, *rank, *trust, *inc, *vt, *div, *comb, *ns, *nv, *alpha;
    i32f32 *colmax;                /* saturating path: column maxima of E normalised */
    int64_t *colb;                 /* integer column sums of the stored bonds (outdated masked) */
    int64_t *wmax;                 /* column maxima of the weights of voting rows (consensus buckets) */
    uint64_t *bar;                 /* block_at_registration (sparse: the current row's own entry set to the max;
                                      dense: the padding columns at the max) */
    uint32_t *stamp;
    uint64_t *sortkey, *sorttmp;   /* for rows stored out of column order */
    /* sparse passes */
    ema_col *ec;
    out_col *oc;
    uint32_t *w_off, *b_off, *e_off;
    uint64_t *w_pk, *e_pk;
    yuma_entry *b_ent;             /* the bond rows with outdated entries zeroed, in column order */
    uint16_t *e_col;               /* saturating path: the columns of E */
    /* dense passes */
    uint32_t *drow;
    uint64_t *dw, *db;
    ym_qd_cols qr, qb, qs, qx;        /* divisors: R_j, colb_j, S_j (Σ_i E_ij), max_i E_ij / S_j */
    uint64_t *beta, *csum, *cmax;
} epoch_mem;

/* One allocator for both the real carve and the byte count of
 * yuma_arena_need: without an arena it only adds up. */
typedef struct carver {
    yuma_arena *a;
    size_t bytes;
    bool failed;
} carver;

static void *take(carver *c, size_t bytes)
{
    if (!c->a) {
        c->bytes += ym_round16(bytes);
        return NULL;
    }
    void *p = ym_alloc(c->a, bytes);
    if (!p) c->failed = true;
    return p;
}

#define TAKE(c, ptr, count) ((ptr) = take((c), (size_t)(count) * sizeof *(ptr)))

static size_t max2(size_t x, size_t y) { return x > y ? x : y; }

/* Outputs first, then what both kinds of passes use; plan_sparse or
 * plan_dense follow once the epoch knows which run. The scratch of the
 * primitives (top-k, sort, consensus) is pushed and popped on top
 * (scratch_need). bonds_ent has YM_LANES spare entries for the dense
 * passes' branch-free compaction. */
static void plan_common(carver *c, uint32_t n, size_t nnz_e, yuma_output *o, epoch_mem *m)
{
    const size_t n1 = (size_t)n + 1, np = ym_padded(n);
    TAKE(c, o->active, n);
    TAKE(c, o->permit_new, n);
    TAKE(c, o->stake_weight, n);
    TAKE(c, o->rank, n);
    TAKE(c, o->trust, n);
    TAKE(c, o->consensus, n);
    TAKE(c, o->incentive, n);
    TAKE(c, o->dividends, n);
    TAKE(c, o->validator_trust, n);
    TAKE(c, o->pruning_score, n);
    TAKE(c, o->emission, n);
    TAKE(c, o->server_emission, n);
    TAKE(c, o->validator_emission, n);
    TAKE(c, o->bonds_action, n);
    TAKE(c, o->bonds_off, n1);
    TAKE(c, o->bonds_ent, nnz_e + YM_LANES);

    TAKE(c, m->forbid, n);
    TAKE(c, m->u, n1);
    i32f32 **vec[] = {&m->stake, &m->a, &m->pre, &m->cons, &m->rank, &m->trust, &m->inc, &m->vt,
                      &m->div, &m->comb, &m->ns, &m->nv, &m->alpha, &m->colmax};
    for (size_t k = 0; k < sizeof vec / sizeof vec[0]; k++) TAKE(c, *vec[k], np);
    TAKE(c, m->colb, np);
    TAKE(c, m->wmax, np);
    TAKE(c, m->bar, np);
    TAKE(c, m->stamp, n);
    TAKE(c, m->sortkey, n);
    TAKE(c, m->sorttmp, n);
}

static void plan_sparse(carver *c, uint32_t n, size_t nnz_w, size_t nnz_b, epoch_mem *m)
{
    const size_t n1 = (size_t)n + 1, nnz_e = nnz_w + nnz_b; /* EMA rows: union of ΔB and B rows */
    TAKE(c, m->ec, n);
    TAKE(c, m->oc, n);
    TAKE(c, m->w_off, n1);
    TAKE(c, m->b_off, n1);
    TAKE(c, m->e_off, n1);
    TAKE(c, m->w_pk, nnz_w);
    TAKE(c, m->e_pk, max2(nnz_e, nnz_w + n)); /* also the consensus bucket lists */
    TAKE(c, m->b_ent, nnz_b);
    TAKE(c, m->e_col, nnz_e);
}

/* cells = nd * np; db also holds the consensus bucket lists (at most one
 * key per cell and one zero block per column). */
static void plan_dense(carver *c, uint32_t n, size_t cells, epoch_mem *m)
{
    const size_t np = ym_padded(n);
    TAKE(c, m->drow, n);
    TAKE(c, m->dw, cells);
    TAKE(c, m->db, cells + np);
    ym_qd_cols *q[] = {&m->qr, &m->qb, &m->qs, &m->qx};
    for (size_t k = 0; k < sizeof q / sizeof q[0]; k++) {
        TAKE(c, q[k]->sh, np);
        TAKE(c, q[k]->v, np);
        TAKE(c, q[k]->dn, np);
    }
    TAKE(c, m->beta, np);
    TAKE(c, m->csum, np);
    TAKE(c, m->cmax, np);
}

static size_t scratch_need(uint32_t n)
{
    return max2(max2(ym_topk_need(n), ym_sort_need(n)), max2(ym_wmcol_hist_need(n, n), ym_wmcol_dense_need(n, n)));
}

/* Bytes of an epoch whose dense passes may hold `cells` cells. */
static size_t v2_need(uint32_t n, size_t nnz_w, size_t nnz_b, size_t cells)
{
    yuma_output o;
    epoch_mem m;
    carver common = {NULL, 0, false}, sparse = {NULL, 0, false}, dense = {NULL, 0, false};
    plan_common(&common, n, nnz_w + nnz_b, &o, &m);
    plan_sparse(&sparse, n, nnz_w, nnz_b, &m);
    plan_dense(&dense, n, cells, &m);
    return 16 /* alignment of the base */ + common.bytes + max2(sparse.bytes, dense.bytes) + scratch_need(n);
}

size_t yuma_arena_need(uint32_t n, size_t nnz_weights, size_t nnz_bonds)
{
    return max2(v2_need(n, nnz_weights, nnz_bonds, ym_dense_cells_auto(n, nnz_weights, nnz_bonds)),
                yuma_v3_arena_need(n, nnz_weights, nnz_bonds));
}

size_t ym_epoch_v2_dense_need(uint32_t n, size_t nnz_weights, size_t nnz_bonds)
{
    return v2_need(n, nnz_weights, nnz_bonds, (size_t)n * ym_padded(n));
}

/* ---- input checks ------------------------------------------------------- */

static bool csr_ok(const yuma_csr *m, uint32_t n)
{
    if (!m->off) return false;
    if (m->off[0] != 0) return false;
    for (uint32_t i = 0; i < n; i++)
        if (m->off[i + 1] < m->off[i]) return false;
    return m->off[n] == 0 || m->ent != NULL;
}

/* α = 1 - I32F32(I64F64(bma) / I64F64(10^6)) (§2.2). false where the chain's
 * I64F64 or the narrowing to I32F32 would overflow. */
static bool bma_alpha(uint64_t bma, i32f32 *alpha)
{
    if (bma > (uint64_t)INT64_MAX) return false;
    /* floor(floor(bma*2^64/10^6) / 2^32) = floor(bma*2^32/10^6) */
    fx_u128 m = ((fx_u128)bma << 32) / 1000000u;
    if (m > (fx_u128)INT64_MAX) return false;
    *alpha = i32f32_sat_sub(i32f32_one(), i32f32_from_bits((int64_t)m));
    return true;
}

/* I32F32(x) / I32F32(65535) for the u16 hyper-parameters (κ, alpha values). */
static i32f32 u16_proportion(uint16_t x)
{
    i32f32 r;
    (void)i32f32_sat_div(i32f32_from_u16(x), i32f32_from_u16(UINT16_MAX), &r);
    return r;
}

/* ---- the epoch ---------------------------------------------------------- */

/* Every division and product in the driver has non-negative operands and
 * every division 0 <= numerator <= divisor: a term divided by a sum of
 * non-negative terms that contains it (row, column and vector
 * normalisations), R <= P for trust, en <= colmax for the upscale. So the
 * plain ym_div_le / ym_rdiv / ym_mul_pos / mul_u1 give div() / mul() exactly.
 * Every sum adds at most 4096 terms below 2^34 (u16 integers, proportions,
 * EMA terms below 2), far from 2^63: the chain's saturating adds are plain
 * adds here. The one exception, an EMA with α outside [0, 1] (bma > 10^6),
 * keeps the saturating signed operations (ema_row). */

/* §4.3: s64 = inplace_normalize_64(I64F64(S)), stake = floor32(s64). With
 * T = Σ S < 2^63 the I64F64 quotient raw is floor(S*2^128 / (T*2^64)) =
 * floor(S*2^64/T) and its floor to 32 fractional bits is floor(S*2^32/T)
 * (floor(floor(x)/k) = floor(x/k) for integer k); tests/test_yuma_math.c and
 * the dense reference of tests/test_yuma.c check this against the I64F64
 * path. S <= T < 2^63 keeps the quotient <= ONE and in ym_rdiv's domain. */
static void stake_weights(const uint64_t *s, uint32_t n, uint64_t total, i32f32 *out)
{
    if (total == 0) {
        for (uint32_t i = 0; i < n; i++) out[i] = i32f32_zero();
        return;
    }
    const ym_rdiv r = ym_rdiv_make(total);
    for (uint32_t i = 0; i < n; i++) out[i].bits = ym_rdiv_apply(&r, s[i]);
}

/* Liquid alpha (§5): 1 with the per-column α in m->alpha, 0 when the
 * constant α applies, -1 when the arena runs out (cannot happen: planned). */
static int liquid_alpha(const yuma_params *p, uint32_t n, epoch_mem *m, yuma_arena *arena)
{
    if (!p->liquid_alpha_enabled || n == 0) return 0;
    bool any = false;
    for (uint32_t j = 0; j < n && !any; j++) any = m->cons[j].bits != 0;
    if (!any) return 0;
    i32f32 c_hi, c_lo;
    if (!ym_quantile_select(m->cons, n, 3, 4, &c_hi, arena) || !ym_quantile_select(m->cons, n, 1, 4, &c_lo, arena))
        return -1;
    if (!(c_hi.bits > c_lo.bits || c_hi.bits != 0 || c_lo.bits < 0)) return 0;
    i32f32 a_lo = u16_proportion(p->alpha_low), a_hi = u16_proportion(p->alpha_high), la, lb;
    ym_logistic_params(a_hi, a_lo, c_hi, c_lo, &la, &lb);
    ym_alpha_values(m->cons, n, la, lb, m->alpha);
    ym_clamp_alpha(m->alpha, n, a_hi, a_lo);
    return 1;
}

/* m->alpha: the liquid α_j, or the constant α of every column; false when
 * the arena runs out (cannot happen: planned). */
static bool alpha_of_columns(const yuma_params *p, uint32_t n, epoch_mem *m, yuma_arena *arena, i32f32 alpha_bma)
{
    const int liquid = liquid_alpha(p, n, m, arena);
    if (liquid < 0) return false;
    if (!liquid)
        for (uint32_t j = 0; j < n; j++) m->alpha[j] = alpha_bma;
    return true;
}

/* §4.10 trust = vecdiv(R, P): R <= P. */
static void trust_of_ranks(uint32_t n, epoch_mem *m)
{
    for (uint32_t j = 0; j < n; j++) m->trust[j].bits = m->pre[j].bits ? ym_div_le(m->rank[j].bits, m->pre[j].bits) : 0;
}

/* mul() of a and b in [0, ONE], not both ONE, by a 64-bit multiply: the
 * exact product is below 2^64 (a < ONE: a*b <= (2^32 - 1) * 2^32; a = ONE:
 * a*b = b * 2^32 with b < ONE), so its floor / 2^32 is exact. The callers
 * keep to this by flags: `wide` rows (a_i = ONE) and epochs where an
 * incentive is ONE take ym_mul_pos instead; the EMA takes it only when every
 * α_j and β_j is below ONE. */
static inline int64_t mul_u1(int64_t a, int64_t b) { return (int64_t)(((uint64_t)a * (uint64_t)b) >> 32); }

/* Sort a row by column. The columns are distinct (duplicates were refused),
 * so the order of a row changes no number: sums are exact and the median
 * ignores order. Only rows stored out of column order get here. */
static void sort_pk(uint64_t *pk, uint32_t len, epoch_mem *m)
{
    const uint64_t low48 = ((uint64_t)1 << 48) - 1;
    for (uint32_t k = 0; k < len; k++) m->sortkey[k] = (uint64_t)ym_pk_col(pk[k]) << 48 | ym_pk_val(pk[k]);
    ym_radix_sort_u64(m->sortkey, NULL, len, m->sorttmp, NULL);
    for (uint32_t k = 0; k < len; k++) pk[k] = ym_pk(m->sortkey[k] & low48, (uint16_t)(m->sortkey[k] >> 48));
}

static void sort_entries(yuma_entry *e, uint32_t len, epoch_mem *m)
{
    for (uint32_t k = 0; k < len; k++) m->sortkey[k] = (uint64_t)e[k].col << 16 | e[k].val;
    ym_radix_sort_u64(m->sortkey, NULL, len, m->sorttmp, NULL);
    for (uint32_t k = 0; k < len; k++) {
        e[k].col = (uint16_t)(m->sortkey[k] >> 16);
        e[k].val = (uint16_t)m->sortkey[k];
    }
}

/* Row normalisation of a voting row (a_i > 0) with its preranks and column
 * maxima; w <= ONE, so mul(a_i, w) is mul_u1 unless a_i = ONE (wide). */
static inline __attribute__((always_inline)) void weights_row(epoch_mem *m, uint32_t qb, uint32_t qe, ym_u16div r,
                                                              int64_t ai, const bool wide)
{
    uint64_t *restrict pk = m->w_pk;
    int64_t *restrict pre = &m->pre[0].bits, *restrict wmax = m->wmax;
    for (uint32_t q = qb; q < qe; q++) {
        const uint64_t x = pk[q];
        const uint16_t j = ym_pk_col(x);
        const int64_t w = ym_u16div_apply(r, ym_pk_val(x));
        pk[q] = ym_pk((uint64_t)w, j);
        pre[j] += wide ? ym_mul_pos(ai, w) : mul_u1(ai, w);
        const int64_t mx = wmax[j];
        wmax[j] = w > mx ? w : mx;
    }
}

/* §4.6-4.7 and the column maxima for §4.8, in one pass over the stored
 * rows: masks (forbidden rows, the range of get_weights_sparse, diagonal,
 * outdated), row normalisation, preranks P, and per column the largest
 * weight of a positive-stake row. The diagonal is masked through the copy of
 * the registration blocks: while row i is read, bar[i] is the largest
 * block, so lu_i > bar[i] fails. Zero weights are dropped once the
 * duplicate check has seen them: they add 0 to every sum and score 0 in the
 * consensus, exactly like an absent entry. A row whose kept columns
 * strictly increase cannot repeat one; any other row is checked for
 * duplicates, then sorted. */
static yuma_status weights_pass(const yuma_input *in, epoch_mem *m)
{
    const uint32_t n = in->n;
    const yuma_entry *restrict ent = in->weights.ent;
    uint64_t *restrict bar = m->bar, *restrict pk = m->w_pk;
    uint32_t k = 0;
    memset(m->stamp, 0, n * sizeof *m->stamp);
    for (uint32_t j = 0; j < n; j++) {
        m->pre[j] = i32f32_zero();
        m->wmax[j] = 0;
        bar[j] = in->block_at_registration[j];
    }
    m->w_off[0] = 0;
    for (uint32_t i = 0; i < n; i++) {
        if (!m->forbid[i]) {
            const uint64_t lu = in->last_update[i], own = bar[i];
            const uint32_t row = k, qb = in->weights.off[i], qe = in->weights.off[i + 1];
            uint64_t sum = 0;
            int64_t prev = -1;
            bool increasing = true;
            bar[i] = UINT64_MAX;
            for (uint32_t q = qb; q < qe; q++) {
                const uint32_t j = ent[q].col;
                if (j >= n || lu <= bar[j]) continue;
                increasing &= (int64_t)j > prev;
                prev = j;
                const uint16_t v = ent[q].val;
                if (!v) continue;
                pk[k++] = ym_pk(v, (uint16_t)j);
                sum += v;
            }
            if (!increasing) {
                for (uint32_t q = qb; q < qe; q++) {
                    const uint32_t j = ent[q].col;
                    if (j >= n || lu <= bar[j]) continue;
                    if (m->stamp[j] == i + 1) return YUMA_EINPUT; /* set_weights rejects duplicates */
                    m->stamp[j] = i + 1;
                }
                sort_pk(pk + row, k - row, m);
            }
            bar[i] = own;
            if (sum) { /* integer values: div(w<<32, sum<<32) = floor(w*2^32/sum) */
                const ym_u16div r = ym_u16div_make(sum);
                const int64_t ai = m->a[i].bits;
                if (ai == ONE) {
                    weights_row(m, row, k, r, ai, true);
                } else if (ai > 0) {
                    weights_row(m, row, k, r, ai, false);
                } else {
                    for (uint32_t q = row; q < k; q++)
                        pk[q] = ym_pk((uint64_t)ym_u16div_apply(r, ym_pk_val(pk[q])), ym_pk_col(pk[q]));
                }
            }
        }
        m->w_off[i + 1] = k;
    }
    return YUMA_OK;
}

/* §4.8 stakes: u = the positive active stakes renormalised by their own
 * sum, and the minority Σu - κ. false when no row votes. */
static bool consensus_stakes(uint32_t n, i32f32 kappa, epoch_mem *m, i32f32 *minority)
{
    uint64_t s = 0;
    for (uint32_t i = 0; i < n; i++)
        if (m->a[i].bits > 0) s += (uint64_t)m->a[i].bits;
    if (s == 0) {
        for (uint32_t c = 0; c < n; c++) m->cons[c] = i32f32_zero();
        return false;
    }
    const ym_rdiv r = ym_rdiv_make(s); /* a_i <= s */
    int64_t sigma = 0;
    for (uint32_t i = 0; i < n; i++) {
        m->u[i].bits = m->a[i].bits > 0 ? ym_rdiv_apply(&r, (uint64_t)m->a[i].bits) : 0;
        sigma += m->u[i].bits;
    }
    *minority = i32f32_sat_sub(i32f32_from_bits(sigma), kappa);
    return true;
}

/* §4.8 (§3.15): per column the stake-weighted κ-median over the
 * positive-stake rows (rows without an entry form the zero block), by the
 * two-pass bucket selection of ym_wmcol_hist on the row-major weights (the
 * chain's partition result does not depend on the order of the entries). */
static bool consensus_pass(uint32_t n, i32f32 kappa, epoch_mem *m, yuma_arena *arena)
{
    i32f32 minority;
    if (!consensus_stakes(n, kappa, m, &minority)) return true;
    /* the bucket lists go where E will be written: nothing is there yet */
    return ym_wmcol_hist(m->w_off, m->w_pk, n, &m->u[0].bits, m->wmax, n, minority, m->cons, m->e_pk, arena);
}

/* §4.9-4.11: validator trust and ranks from the weights clipped at
 * consensus, min(w_ij, C_j), computed where used rather than stored (a
 * clipped-to-0 entry adds 0 everywhere, like the chain's dropped entry).
 * The unclipped weights are not needed after this pass: each entry of a
 * voting row becomes mul(W̄_ij, a_i) <= ONE, the numerator of ΔB_ij, which
 * the rank sums here and the EMA divides by the rank. */
static inline __attribute__((always_inline)) int64_t clip_row(epoch_mem *m, uint32_t qb, uint32_t qe, int64_t ai,
                                                              const bool wide)
{
    uint64_t *restrict pk = m->w_pk;
    const int64_t *restrict cons = &m->cons[0].bits;
    int64_t *restrict rank = &m->rank[0].bits;
    int64_t vt = 0;
    for (uint32_t q = qb; q < qe; q++) {
        const uint64_t x = pk[q];
        const uint16_t j = ym_pk_col(x);
        const int64_t w = (int64_t)ym_pk_val(x), c = cons[j], wc = w < c ? w : c;
        const int64_t d = wide ? ym_mul_pos(ai, wc) : mul_u1(ai, wc);
        vt += wc;
        rank[j] += d;
        pk[q] = ym_pk((uint64_t)d, j);
    }
    return vt;
}

static void clip_pass(uint32_t n, epoch_mem *m)
{
    const uint64_t *restrict pk = m->w_pk;
    const int64_t *restrict cons = &m->cons[0].bits;
    for (uint32_t j = 0; j < n; j++) m->rank[j] = i32f32_zero();
    for (uint32_t i = 0; i < n; i++) {
        const int64_t ai = m->a[i].bits;
        const uint32_t qb = m->w_off[i], qe = m->w_off[i + 1];
        int64_t vt = 0;
        if (ai == ONE) {
            vt = clip_row(m, qb, qe, ai, true);
        } else if (ai > 0) {
            vt = clip_row(m, qb, qe, ai, false);
        } else {
            for (uint32_t q = qb; q < qe; q++) {
                const int64_t w = (int64_t)ym_pk_val(pk[q]), c = cons[ym_pk_col(pk[q])];
                vt += w < c ? w : c;
            }
        }
        m->vt[i].bits = vt;
    }
}

/* §4.12 steps 1-2: the stored bond rows with outdated entries masked and
 * their integer column sums, for the column normalisation done inside the
 * EMA. A row whose stored columns increase is copied whole with its
 * outdated entries set to 0 (a zero bond adds 0 to every EMA term, like an
 * absent one); other rows are checked for duplicates among their kept
 * entries and copied, kept entries only, in column order. */
static yuma_status bonds_pass(const yuma_input *in, epoch_mem *m)
{
    const uint32_t n = in->n;
    const yuma_entry *restrict ent = in->bonds.ent;
    const uint64_t *restrict bar = m->bar;
    int64_t *restrict colb = m->colb;
    yuma_entry *restrict out = m->b_ent;
    uint32_t k = 0;
    for (uint32_t j = 0; j < n; j++) colb[j] = 0;
    m->b_off[0] = 0;
    for (uint32_t i = 0; i < n; i++) {
        const uint64_t lu = in->last_update[i];
        const uint32_t start = k, qb = in->bonds.off[i], qe = in->bonds.off[i + 1];
        int64_t prev = -1;
        bool increasing = true;
        for (uint32_t q = qb; q < qe; q++) {
            const uint32_t j = ent[q].col;
            if (j >= n) return YUMA_EINPUT; /* get_bonds_sparse would panic */
            increasing &= (int64_t)j > prev; /* the whole row: the copy keeps its order */
            prev = j;
            const uint16_t b = lu > bar[j] ? ent[q].val : 0;
            colb[j] += b;
            out[k].col = (uint16_t)j;
            out[k].val = b;
            k++;
        }
        if (!increasing) {
            const uint32_t mark = n + i + 1; /* distinct from the weights pass stamps */
            k = start;
            for (uint32_t q = qb; q < qe; q++) {
                const uint32_t j = ent[q].col;
                if (lu <= bar[j]) continue;
                if (m->stamp[j] == mark) return YUMA_EINPUT; /* the epoch never writes duplicates */
                m->stamp[j] = mark;
                out[k++] = ent[q];
            }
            sort_entries(out + start, k - start, m);
        }
        m->b_off[i + 1] = k;
    }
    return YUMA_OK;
}

/* One row of E = mat_ema(ΔB, B): a merge of the two column-ordered rows.
 * ΔB_ij = colnorm(mul(W̄_ij, a_i)) with column sums R_j (Σ_i mul(W̄_ij, a_i)
 * is exactly the unnormalised rank, so every numerator is at most its
 * divisor: ym_rdiv's domain), B_ij = colnorm(B) with the integer sums;
 * zero entries contribute mul(., 0) = 0 (ym_rdiv_apply and ym_u16div_apply
 * of 0 are 0). The new term is assigned (mat_ema_alpha_vec_sparse) or added
 * to 0 (mat_ema_sparse), which agree without duplicates; entries > 0 are
 * kept, with their column sums and maxima. With 0 <= α_j <= 1 (liquid alpha,
 * bma <= 10^6) every term is in [0, 1] and plain arithmetic is exact (in 64
 * bits when every α_j and β_j is below ONE); otherwise the saturating signed
 * operations are used, the values are stored whole and the columns apart. */
enum { EMA_SAT, EMA_PLAIN, EMA_PLAIN64 };

static inline int64_t ema_new(const ema_col *c, uint64_t d, const int mode)
{
    const int64_t dn = ym_rdiv_apply(&(const ym_rdiv){c->rm, c->rd, c->rp}, d);
    if (mode == EMA_PLAIN64) return mul_u1(c->alpha, dn);
    if (mode == EMA_PLAIN) return ym_mul_pos(c->alpha, dn);
    return i32f32_sat_mul(i32f32_from_bits(c->alpha), i32f32_from_bits(dn)).bits;
}

static inline int64_t ema_old(const ema_col *c, int64_t v, uint64_t b, const int mode)
{
    const int64_t bn = ym_u16div_apply((ym_u16div){c->bm, c->bpre}, b);
    if (mode == EMA_PLAIN64) return v + mul_u1(c->beta, bn);
    if (mode == EMA_PLAIN) return v + ym_mul_pos(c->beta, bn);
    return i32f32_sat_add(i32f32_from_bits(v), i32f32_sat_mul(i32f32_from_bits(c->beta), i32f32_from_bits(bn))).bits;
}

/* Keep E_ij = v if v > 0: packed at *e (on the saturating path the whole
 * value, the column at *col), with the column's sum and maximum. */
static inline __attribute__((always_inline)) uint64_t *ema_emit(uint64_t *e, uint16_t *col, ema_col *c, uint32_t j,
                                                                int64_t v, const int mode)
{
    if (v <= 0) return e;
    if (mode == EMA_SAT) {
        *e = (uint64_t)v;
        *col = (uint16_t)j;
        c->sum = i32f32_sat_add(i32f32_from_bits(c->sum), i32f32_from_bits(v)).bits;
    } else {
        *e = ym_pk((uint64_t)v, (uint16_t)j);
        c->sum += v;
        c->max = v > c->max ? v : c->max;
    }
    return e + 1;
}

static inline __attribute__((always_inline)) uint32_t ema_row(uint32_t i, uint32_t k, epoch_mem *m, const int mode)
{
    const int64_t ai = m->a[i].bits;
    const uint64_t *restrict w = m->w_pk + m->w_off[i]; /* mul(W̄_ij, a_i), see clip_pass */
    const uint64_t *const we = ai > 0 ? m->w_pk + m->w_off[i + 1] : w; /* ΔB_i = 0 when a_i = 0 */
    const yuma_entry *restrict b = m->b_ent + m->b_off[i], *const bend = m->b_ent + m->b_off[i + 1];
    ema_col *restrict cc = m->ec;
    uint64_t *restrict e = m->e_pk + k, *const e0 = m->e_pk;
    uint16_t *restrict ecol = m->e_col;
#define VAL (ecol + (e - e0)) /* the saturating path's column slot of *e */
    while (w < we && b < bend) {
        const uint64_t x = *w;
        const uint32_t jw = ym_pk_col(x), jb = b->col;
        if (jw == jb) {
            ema_col *c = &cc[jw];
            e = ema_emit(e, VAL, c, jw, ema_old(c, ema_new(c, ym_pk_val(x), mode), b->val, mode), mode);
            w++;
            b++;
        } else if (jw < jb) {
            e = ema_emit(e, VAL, &cc[jw], jw, ema_new(&cc[jw], ym_pk_val(x), mode), mode);
            w++;
        } else {
            e = ema_emit(e, VAL, &cc[jb], jb, ema_old(&cc[jb], 0, b->val, mode), mode);
            b++;
        }
    }
    for (; w < we; w++) {
        const uint32_t j = ym_pk_col(*w);
        e = ema_emit(e, VAL, &cc[j], j, ema_new(&cc[j], ym_pk_val(*w), mode), mode);
    }
    for (; b < bend; b++) e = ema_emit(e, VAL, &cc[b->col], b->col, ema_old(&cc[b->col], 0, b->val, mode), mode);
#undef VAL
    return (uint32_t)(e - e0);
}

static inline __attribute__((always_inline)) void ema_rows(const yuma_input *in, epoch_mem *m, const int mode)
{
    uint32_t k = 0;
    m->e_off[0] = 0;
    for (uint32_t i = 0; i < in->n; i++) {
        k = ema_row(i, k, m, mode);
        m->e_off[i + 1] = k;
    }
}

/* §4.12 steps 3-5: E row by row with its column sums and maxima. m->alpha
 * holds α_j (liquid) or the constant α in every column; m->rank the
 * unnormalised ranks. Returns the arithmetic that applied. */
static int ema_pass(const yuma_input *in, epoch_mem *m)
{
    const uint32_t n = in->n;
    bool plain = true, inner = true;
    for (uint32_t j = 0; j < n; j++) {
        ema_col *c = &m->ec[j];
        const ym_rdiv r = ym_rdiv_make(m->rank[j].bits > 0 ? (uint64_t)m->rank[j].bits : 1u); /* R_j = 0: every ΔB_ij is 0 */
        const ym_u16div b = ym_u16div_make(m->colb[j] ? (uint64_t)m->colb[j] : 1u);            /* colb_j = 0: every b_ij is 0 */
        c->rm = r.m;
        c->rd = r.d;
        c->rp = r.p;
        c->bm = b.m;
        c->bpre = b.pre;
        c->alpha = m->alpha[j].bits;
        c->beta = i32f32_sat_sub(i32f32_one(), m->alpha[j]).bits;
        c->sum = c->max = 0;
        plain &= m->alpha[j].bits >= 0 && m->alpha[j].bits <= ONE;
        inner &= m->alpha[j].bits > 0 && m->alpha[j].bits < ONE; /* then α_j, β_j < ONE: mul_u1 */
    }
    const int mode = !plain ? EMA_SAT : inner ? EMA_PLAIN64 : EMA_PLAIN;
    if (mode == EMA_PLAIN64) ema_rows(in, m, EMA_PLAIN64);
    else if (mode == EMA_PLAIN) ema_rows(in, m, EMA_PLAIN);
    else ema_rows(in, m, EMA_SAT);
    return mode;
}

/* §4.12 step 6 and §4.13 on the saturating path: E column-normalised in
 * place (every E_ij > 0 and the saturating column sums keep E_ij <= S_j, so
 * div is ym_div_le), dividends D_i = Σ_j mul(I_j, E_ij), the column maxima. */
static void dividends_pass(uint32_t n, epoch_mem *m)
{
    int64_t *restrict colmax = &m->colmax[0].bits, *restrict ev = (int64_t *)m->e_pk;
    const int64_t *restrict inc = &m->inc[0].bits;
    const uint16_t *restrict ec = m->e_col;
    const ema_col *restrict acc = m->ec;
    for (uint32_t j = 0; j < n; j++) colmax[j] = 0;
    for (uint32_t i = 0; i < n; i++) {
        int64_t d = 0;
        for (uint32_t q = m->e_off[i], qend = m->e_off[i + 1]; q < qend; q++) {
            const uint16_t j = ec[q];
            const int64_t en = ym_div_le(ev[q], acc[j].sum);
            ev[q] = en;
            d += ym_mul_pos(inc[j], en);
            if (en > colmax[j]) colmax[j] = en;
        }
        m->div[i].bits = d;
    }
}

/* The bonds written back on the saturating path, column max-upscaled
 * (inplace_col_max_upscale_sparse): SET for new permits, CLEAR for lost
 * ones, KEEP (storage untouched) for uids that never had one. */
static void bonds_out(const yuma_input *in, const epoch_mem *m, yuma_output *out)
{
    const uint32_t n = in->n;
    const int64_t *colmax = &m->colmax[0].bits;
    uint32_t k = 0;
    out->bonds_off[0] = 0;
    for (uint32_t i = 0; i < n; i++) {
        if (out->permit_new[i]) {
            out->bonds_action[i] = YUMA_BONDS_SET;
            for (uint32_t q = m->e_off[i], qend = m->e_off[i + 1]; q < qend; q++, k++) {
                const uint16_t j = m->e_col[q];
                int64_t v = (int64_t)m->e_pk[q];
                if (colmax[j] > 0) v = ym_div_le(v, colmax[j]);
                out->bonds_ent[k].col = j;
                out->bonds_ent[k].val = (uint16_t)(((uint64_t)v * UINT16_MAX) >> 32); /* v <= ONE */
            }
        } else {
            out->bonds_action[i] = in->permit_old[i] ? YUMA_BONDS_CLEAR : YUMA_BONDS_KEEP;
        }
        out->bonds_off[i + 1] = k;
    }
}

/* dividends_pass and bonds_out in one pass, when the EMA was plain: every E
 * entry is in (0, 1] and every column sum S_j in [E_ij, 1], so both
 * divisions are in ym_rdiv's domain, and the column maximum of the
 * normalised E is floor(max_i E_ij * 2^32 / S_j) (the floor of x * 2^32 / S
 * does not decrease with x), known before the pass. mul(I_j, en) is mul_u1
 * unless some I_j = ONE (wide). */
static inline __attribute__((always_inline)) void out_rows(const yuma_input *in, epoch_mem *m, yuma_output *out,
                                                           const bool wide)
{
    const uint32_t n = in->n;
    const out_col *restrict oc = m->oc;
    const uint64_t *restrict ep = m->e_pk;
    yuma_entry *restrict be = out->bonds_ent;
    uint32_t k = 0;
    out->bonds_off[0] = 0;
    for (uint32_t i = 0; i < n; i++) {
        int64_t d = 0;
        const uint32_t qb = m->e_off[i], qend = m->e_off[i + 1];
        if (out->permit_new[i]) {
            out->bonds_action[i] = YUMA_BONDS_SET;
            for (uint32_t q = qb; q < qend; q++, k++) {
                const uint64_t x = ep[q];
                const out_col *c = &oc[ym_pk_col(x)];
                const int64_t en = ym_rdiv_apply(&c->s, ym_pk_val(x));
                d += wide ? ym_mul_pos(c->inc, en) : mul_u1(c->inc, en);
                const uint64_t v = (uint64_t)ym_rdiv_apply(&c->x, (uint64_t)en);
                be[k].col = ym_pk_col(x);
                be[k].val = (uint16_t)((v * UINT16_MAX) >> 32); /* v <= ONE */
            }
        } else {
            out->bonds_action[i] = in->permit_old[i] ? YUMA_BONDS_CLEAR : YUMA_BONDS_KEEP;
            for (uint32_t q = qb; q < qend; q++) {
                const uint64_t x = ep[q];
                const out_col *c = &oc[ym_pk_col(x)];
                const int64_t en = ym_rdiv_apply(&c->s, ym_pk_val(x));
                d += wide ? ym_mul_pos(c->inc, en) : mul_u1(c->inc, en);
            }
        }
        out->bonds_off[i + 1] = k;
        m->div[i].bits = d;
    }
}

static void out_pass(const yuma_input *in, epoch_mem *m, yuma_output *out)
{
    const uint32_t n = in->n;
    out_col *restrict oc = m->oc;
    bool wide = false;
    for (uint32_t j = 0; j < n; j++) {
        if (m->ec[j].sum > 0) {
            oc[j].s = ym_rdiv_make((uint64_t)m->ec[j].sum);
            const int64_t x = ym_rdiv_apply(&oc[j].s, (uint64_t)m->ec[j].max);
            oc[j].x = ym_rdiv_make(x > 0 ? (uint64_t)x : 1u); /* x > 0: E > 0, S <= 1 */
        }
        oc[j].inc = m->inc[j].bits;
        wide |= oc[j].inc >= ONE;
    }
    if (wide) out_rows(in, m, out, true);
    else out_rows(in, m, out, false);
}

/* ---- the dense passes -------------------------------------------------- */

/* The same steps on dense rows of np cells, four columns per lane vector
 * (eight in the AVX-512 build's main loops, YM_LANE_LOOP; the tails four)
 * (YMW_QDIV, YMW_MUL01 and the dense-row helpers of yuma_math.h, shared
 * with the Yuma 3 driver), for the uids with a weight row they may use or
 * a bond row (ym_dense_row); every other uid has no entry anywhere,
 * so its validator trust, dividends and E row are 0 / empty, as in the
 * sparse passes. A cell without an entry holds 0, which adds 0 to every
 * sum and product and scores like an absent entry in the consensus
 * (ym_wmcol_dense). They run only with α in [0, 1] (the sparse passes'
 * plain EMA), where every divisor is at most ONE (R_j <= Σ a_i <= ONE,
 * S_j <= α + β = ONE, the normalised column maximum <= ONE) or a sum of
 * u16 values below 2^28, and every numerator at most its divisor, so
 * YM_QDIV is ym_div_le / ym_rdiv / ym_u16div there; every product is of
 * two values in [0, ONE], so YM_MUL01 is mul(). Each step below computes
 * the same numbers as the sparse step it names. */

#define AI YM_AI

/* weights_pass: masks, row normalisation, preranks, column maxima of the
 * voting rows. */
static inline AI yuma_status dense_weights(const yuma_input *in, epoch_mem *m, const bool w8)
{
    const uint32_t n = in->n, np = m->np;
    const uint64_t *restrict bar = m->bar;
    uint64_t *restrict pre = (uint64_t *)&m->pre[0].bits, *restrict wmax = (uint64_t *)m->wmax;
    ym_dense_weights_begin(n, np, m->stamp, pre, wmax);
    for (uint32_t d = 0; d < m->nd; d++) {
        const uint32_t i = m->drow[d];
        uint64_t *restrict wr = m->dw + (size_t)d * np;
        if (m->forbid[i]) {
            memset(wr, 0, np * sizeof *wr);
            continue;
        }
        bool inc;
        uint64_t sum;
        if (!ym_dense_load(&in->weights, i, n, np, wr, true, in->last_update[i], bar, i, m->stamp, &inc, &sum, w8))
            return YUMA_EINPUT; /* set_weights rejects duplicates */
        sum -= wr[i]; /* the diagonal */
        wr[i] = 0;
        ym_dense_normalize_row(wr, np, sum, (uint64_t)m->a[i].bits, pre, wmax, w8);
    }
    return YUMA_OK;
}

static inline AI uint64_t dense_clip_row(uint64_t *restrict wr, uint32_t np, const uint64_t *restrict cons,
                                        uint64_t *restrict rank, uint64_t ai, const bool wide, const bool w8)
{
    YM_ACC(acc);
#define CLIP_ROW(W, A_, B_)                                                                          \
    {                                                                                                \
        const ym_v##W wc = YMW_MIN(W, YMW_LD(W, wr + j), YMW_LD(W, cons + j));                       \
        const ym_v##W dd = YMW_MUL(W, wide, YMW_SPLAT(W, ai), wc);                                   \
        acc##W += wc;                                                                                \
        YMW_ST(W, rank + j, YMW_LD(W, rank + j) + dd);                                               \
        YMW_ST(W, wr + j, dd);                                                                       \
    }
    YM_LANE_LOOP(w8, j, np, CLIP_ROW, 0, 0);
#undef CLIP_ROW
    return YM_ACC_TOTAL(acc);
}

/* clip_pass: validator trust Σ_j min(w_ij, C_j) of every row, and for the
 * voting rows the ΔB numerators mul(min(w_ij, C_j), a_i) in place, summed
 * into the ranks. */
static inline AI void dense_clip(uint32_t n, epoch_mem *m, const bool w8)
{
    const uint32_t np = m->np;
    const uint64_t *restrict cons = (const uint64_t *)&m->cons[0].bits;
    uint64_t *restrict rank = (uint64_t *)&m->rank[0].bits;
    memset(rank, 0, np * sizeof *rank);
    for (uint32_t i = 0; i < n; i++) m->vt[i] = i32f32_zero();
    for (uint32_t d = 0; d < m->nd; d++) {
        const uint32_t i = m->drow[d];
        uint64_t *restrict wr = m->dw + (size_t)d * np;
        const uint64_t ai = (uint64_t)m->a[i].bits;
        uint64_t vt;
        if (ai >= (uint64_t)ONE) {
            vt = dense_clip_row(wr, np, cons, rank, ai, true, w8);
        } else if (ai > 0) {
            vt = dense_clip_row(wr, np, cons, rank, ai, false, w8);
        } else {
            YM_ACC(acc);
#define CLIP_VT(W, A_, B_) acc##W += YMW_MIN(W, YMW_LD(W, wr + j), YMW_LD(W, cons + j))
            YM_LANE_LOOP(w8, j, np, CLIP_VT, 0, 0);
#undef CLIP_VT
            vt = YM_ACC_TOTAL(acc);
        }
        m->vt[i].bits = (int64_t)vt;
    }
}

/* bonds_pass: the stored bond rows, outdated entries 0, column sums. */
static inline AI yuma_status dense_bonds(const yuma_input *in, epoch_mem *m, const bool w8)
{
    const uint32_t n = in->n, np = m->np;
    uint64_t *restrict colb = (uint64_t *)m->colb;
    memset(colb, 0, np * sizeof *colb);
    for (uint32_t d = 0; d < m->nd; d++) {
        const uint32_t i = m->drow[d];
        uint64_t *restrict br = m->db + (size_t)d * np;
        bool inc;
        uint64_t sum;
        if (!ym_dense_load(&in->bonds, i, n, np, br, false, in->last_update[i], m->bar, -1, m->stamp, &inc, &sum, w8))
            return YUMA_EINPUT; /* get_bonds_sparse would panic; the epoch never writes duplicates */
#define COLB(W, A_, B_) YMW_ST(W, colb + j, YMW_LD(W, colb + j) + YMW_LD(W, br + j))
        YM_LANE_LOOP(w8, j, np, COLB, 0, 0);
#undef COLB
    }
    return YUMA_OK;
}

/* ema_pass: E_ij = mul(α_j, ΔB_ij) + mul(β_j, B_ij) with ΔB_ij = W̄_ij a_i / R_j
 * (0 for a_i = 0) and B_ij = b_ij / colb_j, in place of the ΔB numerators,
 * with the column sums and maxima; wide: some α_j or β_j is ONE. */
#define EMA_STORE(W, e)                                                                              \
    {                                                                                                \
        YMW_ST(W, wr + j, e);                                                                        \
        YMW_ST(W, csum + j, YMW_LD(W, csum + j) + (e));                                              \
        YMW_ST(W, cmax + j, YMW_MAX(W, YMW_LD(W, cmax + j), e));                                     \
    }
#define EMA_VOTER(W, A_, B_)                                                                         \
    {                                                                                                \
        const ym_v##W dn = YMW_QDIV_AT(W, YMW_LD(W, wr + j), m->qr, j),                              \
                      bn = YMW_QDIV_AT(W, YMW_LD(W, br + j), m->qb, j);                              \
        const ym_v##W e = YMW_MUL(W, wide, YMW_LD(W, alpha + j), dn) + YMW_MUL(W, wide, YMW_LD(W, beta + j), bn); \
        EMA_STORE(W, e);                                                                             \
    }
#define EMA_OTHER(W, A_, B_)                                                                         \
    {                                                                                                \
        const ym_v##W e = YMW_MUL(W, wide, YMW_LD(W, beta + j), YMW_QDIV_AT(W, YMW_LD(W, br + j), m->qb, j)); \
        EMA_STORE(W, e);                                                                             \
    }
static inline AI void dense_ema_rows(epoch_mem *m, const bool wide, const bool w8)
{
    const uint32_t np = m->np;
    const uint64_t *restrict alpha = (const uint64_t *)&m->alpha[0].bits, *restrict beta = m->beta;
    uint64_t *restrict csum = m->csum, *restrict cmax = m->cmax;
    for (uint32_t d = 0; d < m->nd; d++) {
        uint64_t *restrict wr = m->dw + (size_t)d * np;
        const uint64_t *restrict br = m->db + (size_t)d * np;
        if (m->a[m->drow[d]].bits > 0) YM_LANE_LOOP(w8, j, np, EMA_VOTER, 0, 0);
        else YM_LANE_LOOP(w8, j, np, EMA_OTHER, 0, 0);
    }
}
#undef EMA_OTHER
#undef EMA_VOTER
#undef EMA_STORE

static inline AI void dense_ema(uint32_t n, epoch_mem *m, const bool w8)
{
    bool wide = false; /* α_j or β_j = ONE; the padding columns have B = 0 */
    for (uint32_t j = 0; j < m->np; j++) {
        ym_qd_set(&m->qr, j, (uint64_t)m->rank[j].bits);
        ym_qd_set(&m->qb, j, (uint64_t)m->colb[j]);
        m->beta[j] = (uint64_t)(ONE - m->alpha[j].bits); /* α in [0, ONE]: sat_sub is plain */
        m->csum[j] = m->cmax[j] = 0;
        wide |= j < n && (m->alpha[j].bits == 0 || m->alpha[j].bits == ONE);
    }
    if (wide) dense_ema_rows(m, true, w8);
    else dense_ema_rows(m, false, w8);
}

/* out_pass: dividends D_i = Σ_j mul(I_j, E_ij / S_j) and the stored bonds
 * of the new permits, E_ij / S_j upscaled by the column maximum (known
 * before the pass, see out_rows), as u16, the entries with E_ij > 0 in
 * column order (written one lane at a time, the cursor advanced only for
 * those: bonds_ent has spare entries for the last writes). */
#define OUT_EN(W, e, j) YMW_QDIV_AT(W, e, m->qs, j)
#define OUT_BONDS(W, e, en, j) ({ const ym_v##W v_ = YMW_QDIV_AT(W, en, m->qx, j); ((v_ << 16) - v_) >> 32; }) /* v <= ONE */
static inline AI void dense_out_rows(const yuma_input *in, epoch_mem *m, yuma_output *out, const bool wide,
                                     const bool w8)
{
    YM_DENSE_OUT_ROWS(in, out, m, wide, YM_LANE_LOOP, w8, OUT_EN, OUT_BONDS, m->div[i].bits = (int64_t)acc);
}
#undef OUT_BONDS
#undef OUT_EN

/* wide: some I_j = ONE */
static inline AI void dense_out(const yuma_input *in, epoch_mem *m, yuma_output *out, const bool w8)
{
    bool wide = false;
    for (uint32_t j = 0; j < m->np; j++) {
        const uint64_t s = m->csum[j];
        ym_qd_set(&m->qs, j, s);
        ym_qd_set(&m->qx, j, s ? ym_qd_apply(m->cmax[j], m->qs.sh[j], m->qs.v[j], m->qs.dn[j]) : 0); /* > 0: E > 0, S <= 1 */
        wide |= m->inc[j].bits >= ONE;
    }
    if (wide) dense_out_rows(in, m, out, true, w8);
    else dense_out_rows(in, m, out, false, w8);
}

/* 4.6-4.13 and 4.16 on the dense rows; the caller did 4.1-4.5 and does the
 * rest. Pads: the per-column vectors are 0 beyond n (csum, cmax and the
 * divisors set here), bar is UINT64_MAX there. */
static inline AI yuma_status dense_passes(const yuma_params *p, const yuma_input *in, yuma_output *out, epoch_mem *m,
                                         yuma_arena *arena, i32f32 alpha_bma, ym_impl isa)
{
    const uint32_t n = in->n, np = m->np;
    const bool w8 = YM_W8(isa); /* eight lanes in the AVX-512 build */
    yuma_status st = dense_weights(in, m, w8);
    if (st != YUMA_OK) return st;
    i32f32 minority;
    for (uint32_t c = n; c < np; c++) m->cons[c] = i32f32_zero();
    if (consensus_stakes(n, u16_proportion(p->kappa), m, &minority) &&
        !ym_wmcol_dense(m->dw, np, m->drow, m->nd, n, &m->u[0].bits, m->wmax, n, minority, m->cons, m->db, arena,
                        isa))
        return YUMA_ENOMEM;
    dense_clip(n, m, w8);
    trust_of_ranks(n, m);
    st = dense_bonds(in, m, w8);
    if (st != YUMA_OK) return st;
    if (!alpha_of_columns(p, n, m, arena, alpha_bma)) return YUMA_ENOMEM;
    for (uint32_t j = n; j < np; j++) m->alpha[j] = i32f32_zero();
    dense_ema(n, m, w8); /* reads m->rank before it is normalised */
    ym_normalize(m->rank, n);
    memcpy(m->inc, m->rank, n * sizeof *m->inc);
    for (uint32_t j = n; j < np; j++) m->inc[j] = i32f32_zero();
    dense_out(in, m, out, w8);
    return YUMA_OK;
}

/* One source, compiled for each ISA: the base one (the portable fallback,
 * always built) and, on x86-64, AVX2 and AVX-512VL, chosen at run time. */
#define DENSE_CALL(isa) dense_passes(p, in, out, m, arena, alpha_bma, isa)
YM_LANE_BUILDS(yuma_status, dense,
               (const yuma_params *p, const yuma_input *in, yuma_output *out, epoch_mem *m, yuma_arena *arena,
                i32f32 alpha_bma),
               DENSE_CALL)
#undef DENSE_CALL

bool ym_dense_choose(const yuma_input *in, const bool *forbid, ym_impl impl, i32f32 alpha_bma, ym_impl *isa,
                     size_t *cells)
{
    const uint32_t n = in->n;
    *cells = (size_t)ym_dense_rows(in, forbid, NULL) * ym_padded(n);
    *isa = impl != YM_IMPL_AUTO                        ? impl
           : ym_impl_available(YM_IMPL_DENSE_AVX512) ? YM_IMPL_DENSE_AVX512
           : ym_impl_available(YM_IMPL_DENSE_AVX2)   ? YM_IMPL_DENSE_AVX2
                                                     : YM_IMPL_SPARSE;
    const size_t nnz_w = in->weights.off[n], nnz_b = in->bonds.off[n];
    return *isa != YM_IMPL_SPARSE && n > 0 && alpha_bma.bits >= 0 && alpha_bma.bits <= ONE &&
           (impl != YM_IMPL_AUTO || *cells <= ym_dense_cells_auto(n, nnz_w, nnz_b));
}

void ym_dense_bar(const yuma_input *in, uint32_t np, uint64_t *bar)
{
    for (uint32_t j = 0; j < np; j++) bar[j] = j < in->n ? in->block_at_registration[j] : UINT64_MAX;
}

bool ym_impl_available(ym_impl impl)
{
    switch (impl) {
    case YM_IMPL_AUTO:
    case YM_IMPL_SPARSE:
    case YM_IMPL_DENSE: return true;
#ifdef YM_X86_DISPATCH
    case YM_IMPL_DENSE_AVX2: return __builtin_cpu_supports("avx2");
    case YM_IMPL_DENSE_AVX512:
        return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512vl") &&
               __builtin_cpu_supports("avx512dq");
#else
    case YM_IMPL_DENSE_AVX2:
    case YM_IMPL_DENSE_AVX512: return false;
#endif
    }
    return false;
}

/* ---- the sparse passes, in order ------------------------------------------ */

static yuma_status sparse_passes(const yuma_params *p, const yuma_input *in, yuma_output *out, epoch_mem *m,
                                 yuma_arena *arena, i32f32 alpha_bma)
{
    const uint32_t n = in->n;
    /* 4.6-4.11 */
    yuma_status st = weights_pass(in, m);
    if (st != YUMA_OK) return st;
    if (!consensus_pass(n, u16_proportion(p->kappa), m, arena)) return YUMA_ENOMEM;
    clip_pass(n, m);
    trust_of_ranks(n, m);

    /* 4.12 bonds; ΔB needs the ranks before normalisation */
    st = bonds_pass(in, m);
    if (st != YUMA_OK) return st;
    if (!alpha_of_columns(p, n, m, arena, alpha_bma)) return YUMA_ENOMEM;
    const int mode = ema_pass(in, m); /* reads m->rank before it is normalised */
    ym_normalize(m->rank, n);
    memcpy(m->inc, m->rank, n * sizeof *m->inc);

    /* 4.13 dividends, 4.16 the bonds written back */
    if (mode == EMA_SAT) {
        dividends_pass(n, m);
        bonds_out(in, m, out);
    } else {
        out_pass(in, m, out);
    }
    return YUMA_OK;
}

yuma_status yuma_epoch(const yuma_params *p, const yuma_input *in, yuma_output *out, yuma_arena *arena)
{
    if (p && p->version == YUMA_V3) return in && out && arena ? yuma_epoch_v3(p, in, out, arena) : YUMA_EINPUT;
    return ym_epoch_v2(p, in, out, arena, YM_IMPL_AUTO);
}

yuma_status ym_epoch_v2(const yuma_params *p, const yuma_input *in, yuma_output *out, yuma_arena *arena, ym_impl impl)
{
    if (!p || !in || !out || !arena) return YUMA_EINPUT;
    if (p->version != YUMA_V2 || !ym_impl_available(impl)) return YUMA_EINPUT;
    if (in->n > YUMA_MAX_UIDS) return YUMA_ETOOBIG;
    const uint32_t n = in->n;
    if (n > 0 && (!in->stake || !in->last_update || !in->block_at_registration || !in->permit_old))
        return YUMA_EINPUT;
    if (!csr_ok(&in->weights, n) || !csr_ok(&in->bonds, n)) return YUMA_EINPUT;
    i32f32 alpha_bma;
    if (!bma_alpha(p->bonds_moving_average, &alpha_bma)) return YUMA_EINPUT;
    fx_u128 total = 0;
    for (uint32_t i = 0; i < n; i++) total += in->stake[i];
    if (total > (fx_u128)INT64_MAX) return YUMA_EINPUT; /* the I64F64 stake sum would overflow */

    const size_t nnz_w = in->weights.off[n], nnz_b = in->bonds.off[n];
    const bool forced = impl != YM_IMPL_AUTO && impl != YM_IMPL_SPARSE;
    arena->used = 0;
    const size_t need = forced ? ym_epoch_v2_dense_need(n, nnz_w, nnz_b) : yuma_arena_need(n, nnz_w, nnz_b);
    if (!arena->base || need > arena->cap) return YUMA_ENOMEM;
    epoch_mem m;
    carver c = {arena, 0, false};
    m.np = ym_padded(n);
    plan_common(&c, n, nnz_w + nnz_b, out, &m);
    if (c.failed) return YUMA_ENOMEM;

    /* 4.1 activity, 4.3 stake, 4.4 permits, 4.5 active stake */
    for (uint32_t i = 0; i < n; i++) {
        uint64_t lu = in->last_update[i], upto = lu + p->activity_cutoff;
        if (upto < lu) upto = UINT64_MAX; /* saturating_add */
        out->active[i] = !(upto < in->current_block);
        m.forbid[i] = !in->permit_old[i];
    }
    stake_weights(in->stake, n, (uint64_t)total, m.stake);
    if (!ym_is_topk(m.stake, n, p->max_allowed_validators, out->permit_new, arena)) return YUMA_ENOMEM;
    for (uint32_t i = 0; i < n; i++) m.a[i] = (out->active[i] && !m.forbid[i]) ? m.stake[i] : i32f32_zero();
    ym_normalize(m.a, n);

    /* 4.6-4.13, 4.16: dense or sparse passes (the same numbers) */
    size_t cells;
    ym_impl isa;
    const bool dense = ym_dense_choose(in, m.forbid, impl, alpha_bma, &isa, &cells);
    yuma_status st;
    if (dense) {
        plan_dense(&c, n, cells, &m);
        if (c.failed) return YUMA_ENOMEM;
        m.nd = ym_dense_rows(in, m.forbid, m.drow);
        ym_dense_bar(in, m.np, m.bar);
        st = YM_LANE_CALL(isa, dense, (p, in, out, &m, arena, alpha_bma));
    } else {
        plan_sparse(&c, n, nnz_w, nnz_b, &m);
        if (c.failed) return YUMA_ENOMEM;
        st = sparse_passes(p, in, out, &m, arena, alpha_bma);
    }
    if (st != YUMA_OK) return st;
    ym_normalize(m.div, n);
    if (p->incentive_wta) ym_incentive_wta(m.inc, n); /* opt-in, not a chain rule (yuma.h) */

    /* 4.14 emission split with the zero-emission fallback, 4.15 pruning scores */
    ym_emission(n, m.inc, m.div, m.a, m.stake, in->rao_emission, m.ns, m.nv, m.comb, out);

    /* 4.16 stored values */
    for (uint32_t i = 0; i < n; i++) {
        out->stake_weight[i] = ym_proportion_to_u16(m.stake[i]);
        out->rank[i] = ym_proportion_to_u16(m.rank[i]);
        out->trust[i] = ym_proportion_to_u16(m.trust[i]);
        out->consensus[i] = ym_proportion_to_u16(m.cons[i]);
        out->incentive[i] = ym_proportion_to_u16(m.inc[i]);
        out->dividends[i] = ym_proportion_to_u16(m.div[i]);
        out->validator_trust[i] = ym_proportion_to_u16(m.vt[i]);
    }

    return YUMA_OK;
}
