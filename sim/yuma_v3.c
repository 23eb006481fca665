/* yuma_v3.c -- the Yuma 3 epoch of subtensor v3.2.7 (YUMA_V3): the sparse
 * `epoch` with Yuma3On, step by step as yuma3.md §2 (a sibling of the
 * v1.2.4 driver in yuma.c, which it never changes).
 *
 * Invariant: for valid chain state every output equals, bit for bit, what
 * the chain writes (checked against yuma3_vectors.md through
 * tests/test_replay.c and tests/test_yuma_v3.c); input the chain would
 * panic on (a bond column >= n, a repeated column, stake sums beyond I64F64)
 * returns YUMA_EINPUT. Pure: memory comes from the caller's arena in one plan
 * that yuma_v3_arena_need() replays. No floating point.
 *
 * Quirks of §2.14 reproduced on purpose: Q1 (LA2 drops a bond whose column
 * is absent from the new weights row), Q2 (exp overflow in the sigmoid,
 * unless yuma3_sigmoid_clamp), Q3 (merge-scan of unsorted rows), Q4 (stored
 * bond rows in weights-for-bonds order), Q5 (permits need stake), Q6
 * (explicit zero weights kept only for β in {0, 1}), Q7 (inactive validators'
 * bonds follow their stale weights). Commit-reveal masking (§2.5 step 4) is
 * not modelled: taosim has no commit-reveal, as if it were disabled.
 */
#include <string.h>

#include "taosim/yuma.h"
#include "taosim/yuma_math.h"

#define ONE I32F32_ONE_BITS

/* ---- memory plan -------------------------------------------------------- */

typedef struct v3_mem {
    bool *forbid;
    i32f32 *stake, *a, *pre, *cons, *rank, *trust, *inc, *vt, *div, *comb, *ns, *nv, *colsum, *tbv, *alpha;
    uint32_t *stamp;
    ym_sparse w, wc, w4b, b, e; /* weights, clipped, weights for bonds, bonds, EMA bonds */
} v3_mem;

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

static void take_sparse(carver *c, ym_sparse *m, uint32_t n, size_t nnz)
{
    m->rows = n;
    TAKE(c, m->off, (size_t)n + 1);
    TAKE(c, m->col, nnz);
    TAKE(c, m->val, nnz);
}

static void plan(carver *c, uint32_t n, size_t nnz_w, size_t nnz_b, yuma_output *o, v3_mem *m)
{
    const size_t n1 = (size_t)n + 1, nnz_e = nnz_w + nnz_b; /* constant-α EMA: union of W4B and B rows */
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
    TAKE(c, o->bonds_ent, nnz_e);

    TAKE(c, m->forbid, n);
    i32f32 **vec[] = {&m->stake, &m->a, &m->pre, &m->cons, &m->rank, &m->trust, &m->inc, &m->vt,
                      &m->div, &m->comb, &m->ns, &m->nv, &m->colsum, &m->tbv};
    for (size_t k = 0; k < sizeof vec / sizeof vec[0]; k++) TAKE(c, *vec[k], n);
    TAKE(c, m->alpha, nnz_w);
    TAKE(c, m->stamp, n);
    take_sparse(c, &m->w, n, nnz_w);
    take_sparse(c, &m->wc, n, nnz_w);
    take_sparse(c, &m->w4b, n, nnz_w); /* the clipped row's columns are among the row's own */
    take_sparse(c, &m->b, n, nnz_b);
    take_sparse(c, &m->e, n, nnz_e);
}

static size_t max2(size_t x, size_t y) { return x > y ? x : y; }

/* Scratch of the primitives, pushed and popped on top of the plan. */
static size_t scratch_need(uint32_t n, size_t nnz_w)
{
    size_t s = ym_topk_need(n);
    s = max2(s, ym_wmcol_need(n, n, nnz_w));
    s = max2(s, ym3_interpolate_need(n));
    s = max2(s, ym3_alpha_need(n));
    s = max2(s, ym3_ema_alpha_need(n));
    s = max2(s, ym_ema_need(n));
    return s;
}

size_t yuma_v3_arena_need(uint32_t n, size_t nnz_weights, size_t nnz_bonds)
{
    carver c = {NULL, 0, false};
    yuma_output o;
    v3_mem m;
    plan(&c, n, nnz_weights, nnz_bonds, &o, &m);
    return 16 + c.bytes + scratch_need(n, nnz_weights);
}

/* ---- helpers ------------------------------------------------------------ */

static bool csr_ok(const yuma_csr *m, uint32_t n)
{
    if (!m->off || m->off[0] != 0) return false;
    for (uint32_t i = 0; i < n; i++)
        if (m->off[i + 1] < m->off[i]) return false;
    return m->off[n] == 0 || m->ent != NULL;
}

static uint64_t rao_share(i32f32 x, uint64_t e)
{
    /* I96F32(x) * I96F32(E) saturating, to u64 saturating; x in [0, 1]. */
    if (x.bits <= 0) return 0;
    const fx_u128 p = ((fx_u128)(uint64_t)x.bits * e) >> 32;
    return p > UINT64_MAX ? UINT64_MAX : (uint64_t)p;
}

/* ---- the epoch ---------------------------------------------------------- */

/* §2.2: T_i = 0 when S_i < StakeThreshold, then normalised as I64F64 and
 * narrowed: stake_i = floor(S_i * 2^32 / Σ') (yuma-epoch.md §4.3 closed
 * form: floor(floor(S*2^64/T) / 2^32) = floor(S*2^32/T)). */
static void stake_weights(const uint64_t *s, uint32_t n, uint64_t thr, uint64_t total, i32f32 *out)
{
    for (uint32_t i = 0; i < n; i++)
        out[i].bits = total && s[i] >= thr ? (int64_t)((((fx_u128)s[i]) << 32) / total) : 0;
}

yuma_status yuma_epoch_v3(const yuma_params *p, const yuma_input *in, yuma_output *out, yuma_arena *arena)
{
    if (!p || !in || !out || !arena || p->version != YUMA_V3) return YUMA_EINPUT;
    if (in->n > YUMA_MAX_UIDS) return YUMA_ETOOBIG;
    const uint32_t n = in->n;
    if (n > 0 && (!in->stake || !in->last_update || !in->block_at_registration || !in->permit_old))
        return YUMA_EINPUT;
    if (!csr_ok(&in->weights, n) || !csr_ok(&in->bonds, n)) return YUMA_EINPUT;
    i32f32 alpha_bma;
    if (!ym3_bma_alpha(p->bonds_moving_average, &alpha_bma)) return YUMA_EINPUT;
    fx_u128 total = 0;
    for (uint32_t i = 0; i < n; i++)
        if (in->stake[i] >= p->stake_threshold) total += in->stake[i];
    if (total > (fx_u128)INT64_MAX) return YUMA_EINPUT; /* the I64F64 stake sum would overflow */

    const size_t nnz_w = in->weights.off[n], nnz_b = in->bonds.off[n];
    arena->used = 0;
    if (!arena->base || yuma_v3_arena_need(n, nnz_w, nnz_b) > arena->cap) return YUMA_ENOMEM;
    v3_mem m;
    carver c = {arena, 0, false};
    plan(&c, n, nnz_w, nnz_b, out, &m);
    if (c.failed) return YUMA_ENOMEM;

    /* 2.1 activity, 2.2 stake, 2.3 permits, 2.4 active stake */
    for (uint32_t i = 0; i < n; i++) {
        uint64_t lu = in->last_update[i], upto = lu + p->activity_cutoff;
        if (upto < lu) upto = UINT64_MAX; /* saturating_add */
        out->active[i] = !(upto < in->current_block);
        m.forbid[i] = !in->permit_old[i];
    }
    stake_weights(in->stake, n, p->stake_threshold, (uint64_t)total, m.stake);
    if (!ym3_is_topk_nonzero(m.stake, n, p->max_allowed_validators, out->permit_new, arena)) return YUMA_ENOMEM;
    for (uint32_t i = 0; i < n; i++) m.a[i] = (out->active[i] && !m.forbid[i]) ? m.stake[i] : i32f32_zero();
    ym_normalize(m.a, n);

    /* 2.5 weights: forbidden rows, diagonal except the owner's, outdated;
     * explicit zero weights are kept (they matter for the bonds) */
    yuma_status st = ym_sparse_load(&in->weights, n, n, m.forbid, true, false, in->last_update,
                                    in->block_at_registration, m.stamp, &m.w);
    if (st != YUMA_OK) return st;
    ym3_mask_diag_sparse_except(&m.w, p->owner_uid);
    ym_row_normalize_sparse(&m.w);

    /* 2.6 consensus, clipping, validator trust, ranks, trust, incentive */
    ym_matmul_sparse(&m.w, m.a, n, m.pre);
    if (!ym_weighted_median_col_sparse(m.a, &m.w, n, ym3_u16_proportion(p->kappa), m.cons, arena))
        return YUMA_ENOMEM;
    memcpy(m.wc.off, m.w.off, ((size_t)n + 1) * sizeof *m.wc.off);
    if (nnz_w) {
        memcpy(m.wc.col, m.w.col, ym_nnz(&m.w) * sizeof *m.wc.col);
        memcpy(m.wc.val, m.w.val, ym_nnz(&m.w) * sizeof *m.wc.val);
    }
    ym_col_clip_sparse(&m.wc, m.cons);
    ym_row_sum_sparse(&m.wc, m.vt);
    ym_matmul_sparse(&m.wc, m.a, n, m.rank);
    ym_vecdiv(m.rank, m.pre, n, m.trust);
    ym_normalize(m.rank, n);
    memcpy(m.inc, m.rank, n * sizeof *m.inc);

    /* 2.7 bonds penalty: weights for bonds */
    const i32f32 beta = ym3_u16_proportion(p->bonds_penalty);
    const ym_sparse *w4b = beta.bits == 0 ? &m.w : beta.bits == ONE ? &m.wc : &m.w4b;
    if (w4b == &m.w4b && !ym3_interpolate_sparse(&m.w, &m.wc, n, beta, &m.w4b, arena)) return YUMA_ENOMEM;

    /* 2.10.1 bonds as proportions, 2.8 outdated-bond mask */
    st = ym_sparse_load(&in->bonds, n, n, NULL, false, false, NULL, NULL, m.stamp, &m.b);
    if (st != YUMA_OK) return st;
    const i32f32 u16max = i32f32_from_u16(UINT16_MAX);
    for (size_t q = 0; q < ym_nnz(&m.b); q++) m.b.val[q] = i32f32_safe_div(m.b.val[q], u16max);
    const uint64_t last_tempo = in->current_block > p->tempo ? in->current_block - p->tempo : 0;
    ym3_mask_scalar_sparse(&m.b, last_tempo, in->block_at_registration);

    /* 2.10.2-2.10.4 the EMA: Liquid Alpha 2 or the constant α */
    bool liquid = p->liquid_alpha_enabled && n > 0;
    if (liquid) {
        bool any = false;
        for (uint32_t j = 0; j < n && !any; j++) any = m.cons[j].bits != 0;
        liquid = any;
    }
    if (liquid) {
        const ym3_sigmoid sg = ym3_sigmoid_make(p->alpha_low, p->alpha_high, p->alpha_sigmoid_steepness,
                                                p->yuma3_sigmoid_clamp);
        if (!ym3_alpha_values_sparse(&sg, w4b, &m.b, m.cons, n, m.alpha, arena) ||
            !ym3_mat_ema_alpha_sparse(w4b, &m.b, m.alpha, n, &m.e, arena))
            return YUMA_ENOMEM;
    } else if (!ym_mat_ema_sparse(w4b, &m.b, alpha_bma, n, &m.e, arena)) {
        return YUMA_ENOMEM;
    }

    /* 2.10.5 dividends: D = normalize(a ∘ rowsum(colnorm(B') ∘ I)) */
    const size_t nnz_e = ym_nnz(&m.e);
    for (uint32_t j = 0; j < n; j++) m.colsum[j] = i32f32_zero();
    for (size_t q = 0; q < nnz_e; q++) m.colsum[m.e.col[q]] = i32f32_sat_add(m.colsum[m.e.col[q]], m.e.val[q]);
    uint32_t k = 0;
    for (uint32_t i = 0; i < n; i++) {
        i32f32 t = i32f32_zero();
        for (uint32_t q = m.e.off[i]; q < m.e.off[i + 1]; q++) {
            const uint16_t j = m.e.col[q];
            const i32f32 nq = m.colsum[j].bits ? i32f32_safe_div(m.e.val[q], m.colsum[j]) : m.e.val[q];
            const i32f32 pq = i32f32_sat_mul(nq, m.inc[j]);
            if (pq.bits) t = i32f32_wrap_add(t, pq); /* row_sum_sparse: plain sum */
        }
        m.tbv[i] = t;
    }
    ym3_vec_mul(m.tbv, n, m.a, n, m.div);
    ym_normalize(m.div, n);

    /* 2.11 emission split with the zero-emission fallback, pruning scores */
    for (uint32_t i = 0; i < n; i++) m.comb[i] = i32f32_sat_add(m.inc[i], m.div[i]);
    const i32f32 esum = ym_sum(m.comb, n);
    memcpy(m.ns, m.inc, n * sizeof *m.ns);
    memcpy(m.nv, m.div, n * sizeof *m.nv);
    ym_normalize_using_sum(m.ns, n, esum);
    ym_normalize_using_sum(m.nv, n, esum);
    ym_normalize(m.comb, n);
    if (esum.bits == 0) {
        bool zero_active = true;
        for (uint32_t i = 0; i < n && zero_active; i++) zero_active = m.a[i].bits == 0;
        const i32f32 *src = zero_active ? m.stake : m.a;
        memcpy(m.nv, src, n * sizeof *m.nv);
        memcpy(m.comb, src, n * sizeof *m.comb);
    }
    for (uint32_t i = 0; i < n; i++) {
        out->server_emission[i] = rao_share(m.ns[i], in->rao_emission);
        out->validator_emission[i] = rao_share(m.nv[i], in->rao_emission);
        out->emission[i] = rao_share(m.comb[i], in->rao_emission);
    }
    ym_vec_max_upscale_to_u16(m.comb, n, out->pruning_score);
    for (uint32_t i = 0; i < n; i++) {
        out->stake_weight[i] = ym3_proportion_to_u16(m.stake[i]);
        out->rank[i] = ym3_proportion_to_u16(m.rank[i]);
        out->trust[i] = ym3_proportion_to_u16(m.trust[i]);
        out->consensus[i] = ym3_proportion_to_u16(m.cons[i]);
        out->incentive[i] = ym3_proportion_to_u16(m.inc[i]);
        out->dividends[i] = ym3_proportion_to_u16(m.div[i]);
        out->validator_trust[i] = ym3_proportion_to_u16(m.vt[i]);
    }

    /* 2.10.6 stored bonds: B' itself as u16 proportions, in B' row order */
    out->bonds_off[0] = 0;
    for (uint32_t i = 0; i < n; i++) {
        if (out->permit_new[i]) {
            out->bonds_action[i] = YUMA_BONDS_SET;
            for (uint32_t q = m.e.off[i]; q < m.e.off[i + 1]; q++, k++) {
                out->bonds_ent[k].col = m.e.col[q];
                out->bonds_ent[k].val = ym3_proportion_to_u16(m.e.val[q]);
            }
        } else {
            out->bonds_action[i] = in->permit_old[i] ? YUMA_BONDS_CLEAR : YUMA_BONDS_KEEP;
        }
        out->bonds_off[i + 1] = k;
    }
    return YUMA_OK;
}
