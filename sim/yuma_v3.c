/* yuma_v3.c -- the Yuma 3 epoch of subtensor v3.2.7 (YUMA_V3): the sparse
 * `epoch` with Yuma3On, step by step as yuma3.md §2 (a sibling of the
 * v1.2.4 driver in yuma.c, which it never changes).
 *
 * Invariant: for valid chain state every output equals, bit for bit, what
 * the chain writes (checked against yuma3_vectors.md through
 * tests/test_replay.c, and against a literal reading of §2 on random states
 * in tests/test_yuma_v3.c); input the chain would panic on (a bond column
 * >= n, a repeated column, stake sums beyond I64F64) returns YUMA_EINPUT.
 * Pure: memory comes from the caller's arena in one plan that
 * yuma_v3_arena_need() replays. No floating point.
 *
 * Quirks of §2.14 reproduced on purpose: Q1 (LA2 drops a bond whose column
 * is absent from the new weights row), Q2 (exp overflow in the sigmoid,
 * unless yuma3_sigmoid_clamp), Q3 (merge-scan of unsorted rows), Q4 (stored
 * bond rows in weights-for-bonds order), Q5 (permits need stake), Q6
 * (explicit zero weights kept only for β in {0, 1}), Q7 (inactive validators'
 * bonds follow their stale weights). Commit-reveal masking (§2.5 step 4) is
 * not modelled: taosim has no commit-reveal, as if it were disabled.
 *
 * Two implementations of 2.5-2.10.6 compute the same numbers, as for the
 * v1.2.4 epoch. The sparse passes fuse the steps over the stored rows as
 * yuma.c does -- weights (masks, row normalisation, preranks, column
 * maxima), the two consensus passes of ym_wmcol_hist, bonds (masking), one
 * EMA pass that also clips (VT, R; for 0 < β < 1 the interpolation pass
 * does) and, with Liquid Alpha 2, finds each cell's α, and one pass for the
 * dividends and the stored bonds. Entries are packed u64 (ym_pk); rows are
 * kept in stored order where the order matters (Q3/Q4), and the few rows
 * stored out of column order take the general primitives of
 * yuma_math_v3.c, so the fast kernels only ever see column-ordered rows.
 * The dense passes (section "the dense passes") run the same steps on
 * dense rows of np = n rounded to 4 cells in four-lane integer vectors,
 * with v1.2.4's row loader, normalisation and dense consensus (yuma_math.h)
 * and one fused clip/W4B/α/EMA kernel, compiled for the base ISA and, on
 * x86-64, AVX2 and AVX-512 (run-time choice). yuma_epoch takes them when
 * the rows are mostly full (at most 3/2 cells per stored entry), α is in
 * [0, ONE] and AVX2 or AVX-512 is there; they hand an LA2 epoch with a row
 * out of column order back to the sparse passes. ym_epoch_v3 pins either;
 * tests/test_yuma_v3.c compares them on random subnets.
 * Why the shortcuts are exact:
 *  - every weight, clipped weight, bond and EMA value is a proportion in
 *    [0, ONE] and every sum adds at most 4096 of them, so the chain's
 *    saturating adds and multiplications of non-negative values are the
 *    plain ones (ym_mul_pos; mul_u1 where not both factors can be ONE;
 *    ym_rdiv for a division by a column sum that contains the numerator);
 *    the one exception, a constant α outside [0, ONE] (bonds_moving_average
 *    > 10^6), takes the saturating primitives for every row;
 *  - zero weights add 0 to every sum and score like an absent entry in the
 *    consensus, so only the bonds read them;
 *  - α of a cell depends on its gap d only (ym3_sigmoid_d): with Bonds
 *    penalty 1, the runtime value, clipped weights never exceed consensus
 *    and most cells share d = 0, whose α is computed once; the sparse
 *    passes memoise the others on d, the dense ones compute a row's at
 *    once on lanes (ym3_alpha_batch).
 */
#include <string.h>

#include "taosim/yuma.h"
#include "taosim/yuma_math.h"

#define ONE I32F32_ONE_BITS

/* mul() of a and b in [0, ONE], not both ONE, by a 64-bit multiply: the
 * exact product is below 2^64, so its floor / 2^32 is exact (the same
 * helper as sim/yuma.c's, copied: that file is not shared). */
static inline int64_t mul_u1(int64_t a, int64_t b) { return (int64_t)(((uint64_t)a * (uint64_t)b) >> 32); }

/* mul() of proportions: mul_u1 when the caller knows not both are ONE. */
#define PMUL(u1, a, b) ((u1) ? mul_u1((a), (b)) : ym_mul_pos((a), (b)))

/* ---- memory plan -------------------------------------------------------- */

enum { MEMO_MAX_BITS = 12 };

typedef struct memo_slot {
    int64_t d, alpha; /* d = -1: empty */
} memo_slot;

/* Per column of the dividends: the reciprocal of the column sum of B' and
 * the incentive (32 bytes). */
typedef struct div_col {
    ym_rdiv s;
    int64_t inc;
} div_col;

/* Everything the epoch keeps across its passes. Per-column vectors hold
 * np = n rounded up to YM_LANES entries, 0 beyond n, for the lanes of the
 * dense passes. */
typedef struct v3_mem {
    uint32_t np;
    bool *forbid;
    i32f32 *stake, *a, *pre, *cons, *rank, *trust, *inc, *vt, *div, *comb, *ns, *nv;
    int64_t *u;       /* consensus stake by row (n + 1) */
    int64_t *wmax;    /* column maxima of the weights of voting rows (consensus buckets) */
    int64_t *colsum;  /* column sums of B' */
    uint64_t *bar;    /* block_at_registration (sparse: the current row's own entry set to the max;
                         dense: UINT64_MAX in the padding columns) */
    uint32_t *stamp;
    /* the cells of one LA2 row whose α is computed after the row (sparse:
     * those the memo does not know, by their entry in B', with their W4B
     * value and bond; dense: every cell with a gap, by column, with its α,
     * and the gaps the memo does not know in miss_x with their places in
     * miss_b) */
    uint32_t *miss_k;
    int64_t *miss_d, *miss_x, *miss_b, *miss_a;
    memo_slot *memo;
    unsigned memo_bits; /* the memo has 2^memo_bits slots: about 2 per weight, at most 4096 */
    uint64_t memo_rows, memo_probes, memo_hits; /* dense: the memo is left when it rarely knows a gap */
    /* sparse passes */
    bool *w_unsorted, *b_unsorted;
    div_col *dc;
    uint64_t *sortkey, *sorttmp;
    /* masked, row-normalised weights, packed, in column order, zero weights kept */
    uint32_t *w_off;
    uint64_t *w_pk;
    uint16_t *wst_col; /* the rows stored out of column order, in stored order (offsets w_off) */
    i32f32 *wst_val;
    uint32_t *x_off; /* weights for bonds when 0 < β < 1 (interpolated, packed, column order) */
    uint64_t *x_pk;
    uint32_t *b_off; /* masked bonds, stored order, as the stored u16 (read as b/65535) */
    yuma_entry *b_ent;
    /* one row for the general path: W4B in stored order, bonds, α, result */
    uint16_t *rcol, *bcol, *gcol;
    i32f32 *rval, *brow, *ralpha, *gval;
    /* B': packed (plain), or whole values in e_pk with columns in e_col (saturating) */
    uint32_t *e_off;
    uint64_t *e_pk;
    uint16_t *e_col;
    /* dense passes: the rows drow[0 .. nd) as np-wide rows of dw (weights,
     * then B') and db (bonds as stored; before them the consensus bucket
     * lists); zb: per row zw words of bits, the explicit zero weights of
     * the rows with zrow set */
    uint32_t nd, zw;
    uint32_t *drow;
    uint64_t *dw, *db, *zb;
    bool *zrow;
    bool unsorted_w, unsorted_b; /* some weight / bond row out of column order */
    ym_qd_cols qs;               /* divisors of the column sums of B' (YM_QDIVW: shifts qk, sums qd) */
    uint64_t *qk, *qd;
} v3_mem;

typedef ym_carver carver;
#define TAKE YM_CARVE

static size_t max2(size_t x, size_t y) { return x > y ? x : y; }

/* The vectors *vec[0 .. count), len entries each. */
static void take_vecs(carver *c, i32f32 **const *vec, size_t count, size_t len)
{
    for (size_t k = 0; k < count; k++) TAKE(c, *vec[k], len);
}

/* Outputs first (bonds_ent with YM_LANES spare entries for the dense
 * passes' compaction), then what both kinds of passes use; plan_sparse or
 * plan_dense follow once the epoch knows which run. */
static void plan_common(carver *c, uint32_t n, size_t nnz_w, size_t nnz_b, yuma_output *o, v3_mem *m)
{
    const size_t n1 = (size_t)n + 1, np = ym_padded(n), nnz_e = nnz_w + nnz_b; /* constant-α EMA: union of W4B and B rows */
    ym_carve_outputs(c, n, nnz_e + YM_LANES, o);
    TAKE(c, m->forbid, n);
    i32f32 **vec[] = {&m->stake, &m->a, &m->pre, &m->cons, &m->rank, &m->trust,
                      &m->inc,   &m->vt, &m->div, &m->comb, &m->ns,   &m->nv};
    take_vecs(c, vec, sizeof vec / sizeof vec[0], np);
    TAKE(c, m->u, n1);
    TAKE(c, m->wmax, np);
    TAKE(c, m->colsum, np);
    TAKE(c, m->bar, np);
    TAKE(c, m->stamp, n);
    TAKE(c, m->miss_k, np); /* the dense queue writes every lane of a row */
    TAKE(c, m->miss_d, np);
    TAKE(c, m->miss_x, np);
    TAKE(c, m->miss_b, np);
    TAKE(c, m->miss_a, np);
    m->memo_bits = 1;
    while (m->memo_bits < MEMO_MAX_BITS && ((size_t)1 << m->memo_bits) < 2 * nnz_w) m->memo_bits++;
    TAKE(c, m->memo, (size_t)1 << m->memo_bits);
}

static void plan_sparse(carver *c, uint32_t n, size_t nnz_w, size_t nnz_b, v3_mem *m)
{
    const size_t n1 = (size_t)n + 1, nnz_e = nnz_w + nnz_b;
    TAKE(c, m->w_unsorted, n);
    TAKE(c, m->b_unsorted, n);
    i32f32 **vec[] = {&m->rval, &m->brow, &m->ralpha, &m->gval};
    take_vecs(c, vec, sizeof vec / sizeof vec[0], n);
    TAKE(c, m->dc, n);
    TAKE(c, m->sortkey, n);
    TAKE(c, m->sorttmp, n);
    TAKE(c, m->w_off, n1);
    TAKE(c, m->w_pk, nnz_w);
    TAKE(c, m->wst_col, nnz_w);
    TAKE(c, m->wst_val, nnz_w);
    TAKE(c, m->x_off, n1);
    TAKE(c, m->x_pk, nnz_w); /* an interpolated row has at most the row's columns */
    TAKE(c, m->b_off, n1);
    TAKE(c, m->b_ent, nnz_b);
    TAKE(c, m->rcol, n);
    TAKE(c, m->bcol, n);
    TAKE(c, m->gcol, n);
    TAKE(c, m->e_off, n1);
    TAKE(c, m->e_pk, max2(nnz_e, nnz_w + n)); /* also the consensus bucket lists */
    TAKE(c, m->e_col, nnz_e);
}

/* cells = nd * np; db also holds the consensus bucket lists (at most one
 * key per cell and one zero block per column). */
static void plan_dense(carver *c, uint32_t n, size_t cells, v3_mem *m)
{
    const size_t np = ym_padded(n), rows = np ? cells / np : 0;
    m->zw = (uint32_t)((np + 63) / 64);
    TAKE(c, m->drow, n);
    TAKE(c, m->dw, cells);
    TAKE(c, m->db, cells + np);
    TAKE(c, m->zrow, rows);
    TAKE(c, m->zb, rows * m->zw);
    TAKE(c, m->qs.sh, np);
    TAKE(c, m->qs.v, np);
    TAKE(c, m->qs.dn, np);
    TAKE(c, m->qk, np);
    TAKE(c, m->qd, np);
}

/* Scratch of the primitives, pushed and popped on top of the plan. */
static size_t scratch_need(uint32_t n)
{
    size_t s = ym_topk_need(n);
    s = max2(s, ym_wmcol_hist_need(n, n));
    s = max2(s, ym_wmcol_dense_need(n, n));
    s = max2(s, ym3_alpha_need(n) + ym3_ema_alpha_need(n));
    s = max2(s, ym_ema_need(n));
    return s;
}

/* Bytes of an epoch whose dense passes may hold `cells` cells. */
static size_t v3_need(uint32_t n, size_t nnz_w, size_t nnz_b, size_t cells)
{
    carver common = {NULL, 0, false}, sparse = {NULL, 0, false}, dense = {NULL, 0, false};
    yuma_output o;
    v3_mem m;
    plan_common(&common, n, nnz_w, nnz_b, &o, &m);
    plan_sparse(&sparse, n, nnz_w, nnz_b, &m);
    plan_dense(&dense, n, cells, &m);
    return 16 + common.bytes + max2(sparse.bytes, dense.bytes) + scratch_need(n);
}

size_t yuma_v3_arena_need(uint32_t n, size_t nnz_weights, size_t nnz_bonds)
{
    return v3_need(n, nnz_weights, nnz_bonds, ym_dense_cells_auto(n, nnz_weights, nnz_bonds));
}

size_t ym_epoch_v3_dense_need(uint32_t n, size_t nnz_weights, size_t nnz_bonds)
{
    return v3_need(n, nnz_weights, nnz_bonds, (size_t)n * ym_padded(n));
}

/* ---- helpers ------------------------------------------------------------ */

/* Sort a packed row by column (distinct columns: the order changes no sum
 * and no median). */
static void sort_pk(uint64_t *pk, uint32_t len, v3_mem *m)
{
    const uint64_t low48 = ((uint64_t)1 << 48) - 1;
    for (uint32_t k = 0; k < len; k++) m->sortkey[k] = (uint64_t)ym_pk_col(pk[k]) << 48 | ym_pk_val(pk[k]);
    ym_radix_sort_u64(m->sortkey, NULL, len, m->sorttmp, NULL);
    for (uint32_t k = 0; k < len; k++) pk[k] = ym_pk(m->sortkey[k] & low48, (uint16_t)(m->sortkey[k] >> 48));
}

static inline size_t memo_hash(const v3_mem *m, int64_t d)
{
    return (size_t)(((uint64_t)d * 0x9E3779B97F4A7C15ull) >> (64 - m->memo_bits));
}

/* u16_proportion: floor(b * 2^32 / 65535), one high multiply (yuma_math.h). */
static inline int64_t bond_prop(ym_u16div d65535, uint16_t b) { return ym_u16div_apply(d65535, b); }

/* ---- the passes --------------------------------------------------------- */

/* §2.2: T_i = 0 when S_i < StakeThreshold, then normalised as I64F64 and
 * narrowed: stake_i = floor(S_i * 2^32 / Σ') (yuma-epoch.md §4.3 closed
 * form: floor(floor(S*2^64/T) / 2^32) = floor(S*2^32/T)); S_i <= Σ' < 2^63
 * for the stakes that count: ym_rdiv's domain. */
static void stake_weights(const uint64_t *s, uint32_t n, uint64_t thr, uint64_t total, i32f32 *out)
{
    if (total == 0) {
        for (uint32_t i = 0; i < n; i++) out[i] = i32f32_zero();
        return;
    }
    const ym_rdiv r = ym_rdiv_make(total);
    for (uint32_t i = 0; i < n; i++) out[i].bits = s[i] >= thr ? ym_rdiv_apply(&r, s[i]) : 0;
}

/* Row normalisation of a row (integers u16 divided by their sum), with the
 * preranks and the column maxima of a voting row (a_i > 0); w <= ONE, so
 * mul(a_i, w) is mul_u1 unless a_i = ONE. */
static inline __attribute__((always_inline)) void weights_row(v3_mem *m, uint32_t qb, uint32_t qe, ym_u16div r,
                                                              int64_t ai, const bool u1)
{
    uint64_t *restrict pk = m->w_pk;
    int64_t *restrict pre = &m->pre[0].bits, *restrict wmax = m->wmax;
    for (uint32_t q = qb; q < qe; q++) {
        const uint64_t x = pk[q];
        const uint16_t j = ym_pk_col(x);
        const int64_t w = ym_u16div_apply(r, ym_pk_val(x));
        pk[q] = ym_pk((uint64_t)w, j);
        pre[j] += PMUL(u1, ai, w);
        const int64_t mx = wmax[j];
        wmax[j] = w > mx ? w : mx;
    }
}

/* §2.5-2.6 (P): masks (forbidden rows, the column range of
 * get_weights_sparse, the diagonal except the owner's, outdated weights),
 * row normalisation, preranks, and the column maxima of the voting rows for
 * the consensus buckets. The diagonal is masked through the copy of the
 * registration blocks: while row i (not the owner's) is read, bar[i] is the
 * largest block, so lu_i > bar[i] fails. Zero weights are kept (the bonds
 * read them, Q6). Rows out of column order are checked for duplicates, kept
 * in stored order in wst and sorted in w_pk. */
static yuma_status weights_pass(const yuma_params *p, const yuma_input *in, v3_mem *m)
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
        m->w_unsorted[i] = false;
        if (!m->forbid[i]) {
            const uint64_t lu = in->last_update[i], own = bar[i];
            const uint32_t row = k, qb = in->weights.off[i], qe = in->weights.off[i + 1];
            uint64_t sum = 0;
            int64_t prev = -1;
            bool increasing = true;
            if ((int64_t)i != p->owner_uid) bar[i] = UINT64_MAX;
            for (uint32_t q = qb; q < qe; q++) {
                const uint32_t j = ent[q].col;
                const bool keep = j < n && lu > bar[j < n ? j : i];
                increasing &= !keep || (int64_t)j > prev;
                prev = keep ? (int64_t)j : prev;
                pk[k] = ym_pk(ent[q].val, (uint16_t)j);
                sum += keep ? ent[q].val : 0;
                k += keep;
            }
            bar[i] = own;
            if (!increasing) {
                for (uint32_t q = row; q < k; q++) {
                    const uint16_t j = ym_pk_col(pk[q]);
                    if (m->stamp[j] == i + 1) return YUMA_EINPUT; /* set_weights rejects duplicates */
                    m->stamp[j] = i + 1;
                }
                m->w_unsorted[i] = true;
            }
            if (sum) { /* div(w<<32, sum<<32) = floor(w*2^32/sum) */
                const ym_u16div r = ym_u16div_make(sum);
                const int64_t ai = m->a[i].bits;
                if (ai == ONE) {
                    weights_row(m, row, k, r, ai, false);
                } else if (ai > 0) {
                    weights_row(m, row, k, r, ai, true);
                } else {
                    for (uint32_t q = row; q < k; q++)
                        pk[q] = ym_pk((uint64_t)ym_u16div_apply(r, ym_pk_val(pk[q])), ym_pk_col(pk[q]));
                }
            }
            if (!increasing) {
                for (uint32_t q = row; q < k; q++) {
                    m->wst_col[q] = ym_pk_col(pk[q]);
                    m->wst_val[q].bits = (int64_t)ym_pk_val(pk[q]);
                }
                sort_pk(pk + row, k - row, m);
            }
        }
        m->w_off[i + 1] = k;
    }
    return YUMA_OK;
}

/* §2.6 consensus (yuma-epoch.md §3.15): per column the stake-weighted
 * κ-median over the positive-stake rows (rows without an entry, or with a
 * zero weight, score 0), by the two-pass bucket selection of ym_wmcol_hist
 * (the chain's partition result depends on the multiset of (score, stake)
 * only, not on the order of the entries). u: a_i renormalised by the sum
 * of the positive a_i (a_i <= s: ym_rdiv's domain); u_i > 0 iff a_i > 0
 * since s <= ONE, so wmax holds exactly the column maxima over the rows
 * with u_i > 0. */
static bool consensus_stakes(uint32_t n, i32f32 kappa, v3_mem *m, i32f32 *minority)
{
    uint64_t s = 0;
    for (uint32_t i = 0; i < n; i++)
        if (m->a[i].bits > 0) s += (uint64_t)m->a[i].bits;
    if (s == 0) {
        for (uint32_t c = 0; c < n; c++) m->cons[c] = i32f32_zero();
        return false;
    }
    const ym_rdiv r = ym_rdiv_make(s);
    int64_t sigma = 0;
    for (uint32_t i = 0; i < n; i++) {
        m->u[i] = m->a[i].bits > 0 ? ym_rdiv_apply(&r, (uint64_t)m->a[i].bits) : 0;
        sigma += m->u[i];
    }
    *minority = i32f32_sat_sub(i32f32_from_bits(sigma), kappa);
    return true;
}

static bool consensus_pass(uint32_t n, i32f32 kappa, v3_mem *m, yuma_arena *arena)
{
    i32f32 minority;
    if (!consensus_stakes(n, kappa, m, &minority)) return true;
    /* the bucket lists go where B' will be written: nothing is there yet */
    return ym_wmcol_hist(m->w_off, m->w_pk, n, m->u, m->wmax, n, minority, m->cons, m->e_pk, arena);
}

/* Where the weights for bonds come from (§2.7): β = 0 the weights, β = ONE
 * the clipped weights (col_clip_sparse, dropped entries removed), otherwise
 * the interpolated rows of x_pk. */
enum { W4B_WEIGHTS, W4B_CLIPPED, W4B_INTERPOLATED };

/* §2.6 for one row: W̄ = min(w, C_j) (C_j >= 0; an entry col_clip drops,
 * C_j = 0 < w, adds min = 0 like the dropped one), VT_i = Σ W̄, R_j +=
 * mul(a_i, W̄). */
static void clip_row(v3_mem *m, uint32_t i)
{
    const int64_t ai = m->a[i].bits, *restrict cons = &m->cons[0].bits;
    int64_t *restrict rank = &m->rank[0].bits, vt = 0;
    for (uint32_t q = m->w_off[i]; q < m->w_off[i + 1]; q++) {
        const uint64_t x = m->w_pk[q];
        const uint16_t j = ym_pk_col(x);
        const int64_t w = (int64_t)ym_pk_val(x), c = cons[j], wc = w < c ? w : c;
        vt += wc;
        rank[j] += ym_mul_pos(ai, wc);
    }
    m->vt[i].bits = vt;
}

/* §2.7 for 0 < β < 1: x = sat_add(w, mul(β, sat_sub(W̄, w))) with W̄ the
 * clipped weight (0 where col_clip drops it), kept when > 0, in column order
 * (interpolate_sparse); the sorted rows of W are read. x <= w <= ONE, so it
 * packs. VT and R on the way. */
static void interpolate_pass(uint32_t n, i32f32 beta, v3_mem *m)
{
    uint32_t k = 0;
    m->x_off[0] = 0;
    for (uint32_t i = 0; i < n; i++) {
        clip_row(m, i);
        for (uint32_t q = m->w_off[i]; q < m->w_off[i + 1]; q++) {
            const uint16_t j = ym_pk_col(m->w_pk[q]);
            const int64_t w = (int64_t)ym_pk_val(m->w_pk[q]), c = m->cons[j].bits, wc = c < w ? c : w;
            const int64_t x = i32f32_sat_add(i32f32_from_bits(w), i32f32_sat_mul(beta, i32f32_from_bits(wc - w))).bits;
            if (x <= 0) continue;
            m->x_pk[k++] = ym_pk((uint64_t)x, j);
        }
        m->x_off[i + 1] = k;
    }
}

/* §2.10.1, §2.8: bonds towards a uid registered at or after blk - tempo
 * dropped; stored order and explicit zeros kept (the merge-scan of LA2 sees
 * them). Rows whose kept columns do not increase are checked for
 * duplicates. */
static yuma_status bonds_pass(const yuma_input *in, uint64_t last_tempo, v3_mem *m)
{
    const uint32_t n = in->n;
    const yuma_entry *restrict ent = in->bonds.ent;
    const uint64_t *restrict bar = in->block_at_registration;
    yuma_entry *restrict out = m->b_ent;
    uint32_t k = 0;
    m->b_off[0] = 0;
    for (uint32_t i = 0; i < n; i++) {
        const uint32_t row = k;
        int64_t prev = -1;
        bool increasing = true;
        for (uint32_t q = in->bonds.off[i]; q < in->bonds.off[i + 1]; q++) {
            const uint32_t j = ent[q].col;
            if (j >= n) return YUMA_EINPUT; /* the mask indexes BlockAtRegistration by j: panic */
            const bool keep = last_tempo > bar[j];
            increasing &= !keep || (int64_t)j > prev;
            prev = keep ? (int64_t)j : prev;
            out[k] = ent[q];
            k += keep;
        }
        m->b_unsorted[i] = !increasing;
        if (!increasing) {
            const uint32_t mark = n + i + 1; /* distinct from the weights pass stamps */
            for (uint32_t q = row; q < k; q++) {
                if (m->stamp[out[q].col] == mark) return YUMA_EINPUT; /* the epoch never writes duplicates */
                m->stamp[out[q].col] = mark;
            }
        }
        m->b_off[i + 1] = k;
    }
    return YUMA_OK;
}

/* The EMA's constants for one epoch. */
typedef struct ema_ctx {
    ym3_sigmoid sg;
    ym_u16div d65535;
    i32f32 alpha, om; /* constant α and 1 - α */
    bool liquid, sat; /* LA2; constant α outside [0, ONE] */
    bool inner;       /* every α and 1 - α the EMA multiplies by is below ONE (mul_u1) */
    int mode;         /* W4B_* */
    i32f32 beta;      /* the bonds penalty (interpolation) */
    int64_t alpha0;   /* LA2: α of the gap d = 0 */
    ym_impl isa;      /* the dense passes' lanes (ym3_alpha_batch) */
} ema_ctx;

/* The W4B value of a W entry (w, C_j) in the fast kernels: β = ONE clips,
 * and drops the entry where C_j = 0 < w (col_clip_sparse). */
#define W4B_DROPPED(mode, w, c) ((mode) == W4B_CLIPPED && (c) == 0 && (w) > 0)

/* One entry p of a fast kernel's W4B source: its column j, the consensus
 * *c of j and the W4B value *x; false when col_clip drops it. From W
 * (β = 0 or ONE) the clip's VT_i and R_j are added on the way (R by
 * mul(a_i, W̄), mul_u1 when u1). */
static inline __attribute__((always_inline)) bool w4b_entry(uint64_t p, const int64_t *cons, int64_t ai, int64_t *vt,
                                                            int64_t *rank, uint16_t *j, int64_t *c, int64_t *x,
                                                            const int mode, const bool u1)
{
    *j = ym_pk_col(p);
    const int64_t w = (int64_t)ym_pk_val(p);
    *c = cons[*j];
    *x = w;
    if (mode == W4B_INTERPOLATED) return true;
    const int64_t wc = w < *c ? w : *c;
    *vt += wc;
    rank[*j] += PMUL(u1, ai, wc);
    if (W4B_DROPPED(mode, w, *c)) return false;
    if (mode == W4B_CLIPPED) *x = wc;
    return true;
}

/* §2.10.3-2.10.4 for one row with both rows in column order. The chain's
 * merge-scan finds b where the old row has j (else 0); α = σ(d) of the gap
 * d (ym3_sigmoid_d, here on proportions: x, b, C in [0, ONE], so
 * sat_sub/clamp are max(., 0)); dec = mul(ONE - α, b), v = dec + mul(α, x)
 * (the chain's min(sat_add(dec, max(inc, 0)), ONE) is this sum: it is at
 * most (1 - α)b + αx <= max(b, x) <= ONE), kept when > 0. The α the memo
 * does not know are computed after the row, four at a time, and their
 * cells filled in; zeros are removed then (rare). W4B from W (β = 0 or ONE)
 * also gives VT_i and R here. u1: α, 1 - α and a_i below ONE. */
static inline __attribute__((always_inline)) uint32_t la2_row(const ema_ctx *cx, uint32_t i, uint32_t k,
                                                              v3_mem *m, const int mode, const bool u1)
{
    const bool fromw = mode != W4B_INTERPOLATED;
    const uint64_t *restrict src = fromw ? m->w_pk : m->x_pk;
    const uint32_t qb = fromw ? m->w_off[i] : m->x_off[i], qe = fromw ? m->w_off[i + 1] : m->x_off[i + 1];
    const yuma_entry *restrict b = m->b_ent + m->b_off[i], *const be = m->b_ent + m->b_off[i + 1];
    const int64_t *restrict cons = &m->cons[0].bits, ai = m->a[i].bits;
    int64_t *restrict rank = &m->rank[0].bits, *restrict colsum = m->colsum;
    uint64_t *restrict e = m->e_pk;
    const memo_slot *restrict memo = m->memo;
    const uint32_t k0 = k;
    uint32_t nmiss = 0;
    int64_t vt = 0, last_d = -1, last_alpha = 0; /* neighbouring cells often share d */
    bool zero = false;
    for (uint32_t q = qb; q < qe; q++) {
        uint16_t j;
        int64_t c, x;
        if (!w4b_entry(src[q], cons, ai, &vt, rank, &j, &c, &x, mode, u1)) continue;
        while (b < be && b->col < j) b++;
        const int64_t bv = b < be && b->col == j ? bond_prop(cx->d65535, b->val) : 0;
        int64_t d;
        if (mode == W4B_CLIPPED) d = x >= bv ? 0 : bv - x; /* x <= C: the buy gap is 0 */
        else d = x >= bv ? (x > c ? x - c : 0) : bv - x;
        int64_t al = last_alpha;
        if (d != last_d) {
            const memo_slot *slot = &memo[memo_hash(m, d)];
            if (slot->d != d) { /* filled in after the row */
                m->miss_k[nmiss] = k;
                m->miss_d[nmiss] = d;
                m->miss_x[nmiss] = x;
                m->miss_b[nmiss++] = bv;
                e[k++] = ym_pk(0, j);
                continue;
            }
            last_d = d;
            last_alpha = al = slot->alpha;
        }
        const int64_t v = PMUL(u1, ONE - al, bv) + PMUL(u1, al, x);
        zero |= v == 0;
        colsum[j] += v;
        e[k++] = ym_pk((uint64_t)v, j);
    }
    if (fromw) m->vt[i].bits = vt;
    for (uint32_t t = 0; t < nmiss; t += 4) {
        int64_t d4[4];
        i32f32 a4[4];
        for (uint32_t l = 0; l < 4; l++) d4[l] = m->miss_d[t + l < nmiss ? t + l : t];
        ym3_alpha_of_d4(&cx->sg, d4, a4);
        for (uint32_t l = 0; l < 4 && t + l < nmiss; l++) {
            memo_slot *slot = &m->memo[memo_hash(m, d4[l])];
            const int64_t al = a4[l].bits, bv = m->miss_b[t + l], x = m->miss_x[t + l];
            const uint32_t kk = m->miss_k[t + l];
            const uint16_t j = ym_pk_col(e[kk]);
            slot->d = d4[l];
            slot->alpha = al;
            const int64_t v = PMUL(u1, ONE - al, bv) + PMUL(u1, al, x);
            zero |= v == 0;
            colsum[j] += v;
            e[kk] = ym_pk((uint64_t)v, j);
        }
    }
    if (zero) { /* keep v > 0, in order */
        uint32_t w = k0;
        for (uint32_t q = k0; q < k; q++) {
            e[w] = e[q];
            w += ym_pk_val(e[q]) != 0;
        }
        k = w;
    }
    return k;
}

/* §2.10.2 constant α in [0, ONE] with both rows in column order: the union
 * of the columns, mul(α, x) + mul(ONE - α, b) (each term where its row has
 * the column; at most αx + (1 - α)b <= ONE: the saturating adds are plain),
 * kept when > 0. W4B from W also gives VT_i and R here. u1: α, 1 - α and
 * a_i below ONE. */
static inline __attribute__((always_inline)) uint32_t const_row(const ema_ctx *cx, uint32_t i, uint32_t k,
                                                                v3_mem *m, const int mode, const bool u1)
{
    const bool fromw = mode != W4B_INTERPOLATED;
    const uint64_t *restrict src = fromw ? m->w_pk : m->x_pk;
    uint32_t q = fromw ? m->w_off[i] : m->x_off[i];
    const uint32_t qe = fromw ? m->w_off[i + 1] : m->x_off[i + 1];
    const yuma_entry *restrict b = m->b_ent + m->b_off[i], *const be = m->b_ent + m->b_off[i + 1];
    const int64_t *restrict cons = &m->cons[0].bits, ai = m->a[i].bits, al = cx->alpha.bits, om = cx->om.bits;
    int64_t *restrict rank = &m->rank[0].bits, *restrict colsum = m->colsum;
    uint64_t *restrict e = m->e_pk;
    int64_t vt = 0;
    for (;;) {
        /* the next kept W4B entry (jw, x) */
        uint32_t jw = UINT32_MAX;
        int64_t x = 0;
        for (; q < qe; q++) {
            uint16_t j;
            int64_t c;
            if (!w4b_entry(src[q], cons, ai, &vt, rank, &j, &c, &x, mode, u1)) continue;
            jw = j;
            q++;
            break;
        }
        /* the bond entries before jw, then the one at jw */
        for (; b < be && b->col < jw; b++) {
            const int64_t v = PMUL(u1, om, bond_prop(cx->d65535, b->val));
            if (v > 0) {
                colsum[b->col] += v;
                e[k++] = ym_pk((uint64_t)v, b->col);
            }
        }
        if (jw == UINT32_MAX) break;
        int64_t v = PMUL(u1, al, x);
        if (b < be && b->col == jw) v += PMUL(u1, om, bond_prop(cx->d65535, (b++)->val));
        if (v > 0) {
            colsum[jw] += v;
            e[k++] = ym_pk((uint64_t)v, (uint16_t)jw);
        }
    }
    if (fromw) m->vt[i].bits = vt;
    return k;
}

/* Emit a general-path row (gcol, gval, len) into B' at k. */
static uint32_t emit_row(v3_mem *m, uint32_t k, uint32_t len, bool sat)
{
    for (uint32_t q = 0; q < len; q++, k++) {
        const uint16_t j = m->gcol[q];
        const int64_t v = m->gval[q].bits; /* > 0 */
        if (sat) {
            m->e_pk[k] = (uint64_t)v;
            m->e_col[k] = j;
        } else {
            m->e_pk[k] = ym_pk((uint64_t)v, j);
            m->colsum[j] += v;
        }
    }
    return k;
}

/* §2.6-2.10.4 for a row stored out of column order (or any row when α is
 * outside [0, ONE]): VT_i and R from W, its weights for bonds in stored
 * order through the general primitives (the chain's merge-scan and dense
 * accumulators). */
static yuma_status ema_row_general(const ema_ctx *cx, uint32_t i, uint32_t n, uint32_t *k, v3_mem *m,
                                   yuma_arena *arena)
{
    uint32_t len = 0;
    if (cx->mode == W4B_INTERPOLATED) { /* interpolate_pass did VT and R */
        for (uint32_t q = m->x_off[i]; q < m->x_off[i + 1]; q++) {
            m->rcol[len] = ym_pk_col(m->x_pk[q]);
            m->rval[len++].bits = (int64_t)ym_pk_val(m->x_pk[q]);
        }
    } else {
        clip_row(m, i);
        const bool st = m->w_unsorted[i];
        for (uint32_t q = m->w_off[i]; q < m->w_off[i + 1]; q++) {
            const uint16_t j = st ? m->wst_col[q] : ym_pk_col(m->w_pk[q]);
            const int64_t w = st ? m->wst_val[q].bits : (int64_t)ym_pk_val(m->w_pk[q]), c = m->cons[j].bits;
            if (W4B_DROPPED(cx->mode, w, c)) continue;
            m->rcol[len] = j;
            m->rval[len++].bits = cx->mode == W4B_CLIPPED && c < w ? c : w;
        }
    }
    const uint32_t bb = m->b_off[i], blen = m->b_off[i + 1] - bb;
    for (uint32_t q = 0; q < blen; q++) {
        m->bcol[q] = m->b_ent[bb + q].col;
        m->brow[q].bits = bond_prop(cx->d65535, m->b_ent[bb + q].val);
    }
    uint32_t wo[2] = {0, len}, bo[2] = {0, blen}, eo[2];
    const ym_sparse wr = {1, wo, m->rcol, m->rval}, br = {1, bo, m->bcol, m->brow};
    ym_sparse er = {1, eo, m->gcol, m->gval};
    bool ok;
    if (cx->liquid)
        ok = ym3_alpha_values_sparse(&cx->sg, &wr, &br, m->cons, n, m->ralpha, arena) &&
             ym3_mat_ema_alpha_sparse(&wr, &br, m->ralpha, n, &er, arena);
    else
        ok = ym_mat_ema_sparse(&wr, &br, cx->alpha, n, &er, arena);
    if (!ok) return YUMA_ENOMEM;
    *k = emit_row(m, *k, eo[1], cx->sat);
    return YUMA_OK;
}

/* One fast row in the kernel the mode and the flags select. */
static inline __attribute__((always_inline)) uint32_t fast_row(const ema_ctx *cx, uint32_t i, uint32_t k,
                                                               v3_mem *m, const int mode)
{
    const bool u1 = cx->inner && m->a[i].bits < ONE;
    if (cx->liquid) return u1 ? la2_row(cx, i, k, m, mode, true) : la2_row(cx, i, k, m, mode, false);
    return u1 ? const_row(cx, i, k, m, mode, true) : const_row(cx, i, k, m, mode, false);
}

static inline __attribute__((always_inline)) yuma_status ema_rows(const ema_ctx *cx, uint32_t n, v3_mem *m,
                                                                  yuma_arena *arena, const int mode)
{
    uint32_t k = 0;
    m->e_off[0] = 0;
    for (uint32_t i = 0; i < n; i++) {
        const bool in_order = (mode == W4B_INTERPOLATED || !m->w_unsorted[i]) && !m->b_unsorted[i];
        if (in_order && !cx->sat) {
            k = fast_row(cx, i, k, m, mode);
        } else {
            const yuma_status st = ema_row_general(cx, i, n, &k, m, arena);
            if (st != YUMA_OK) return st;
        }
        m->e_off[i + 1] = k;
    }
    return YUMA_OK;
}

/* The EMA's constants (both kinds of passes). */
static ema_ctx ema_ctx_make(const yuma_params *p, int mode, i32f32 beta, bool liquid, i32f32 alpha_bma)
{
    ema_ctx cx;
    cx.beta = beta;
    cx.sg = ym3_sigmoid_make(p->alpha_low, p->alpha_high, p->alpha_sigmoid_steepness, p->yuma3_sigmoid_clamp);
    cx.d65535 = ym_u16div_make(UINT16_MAX);
    cx.alpha = alpha_bma;
    cx.om = i32f32_sat_sub(i32f32_one(), alpha_bma);
    cx.liquid = liquid;
    cx.sat = !liquid && (alpha_bma.bits < 0 || alpha_bma.bits > ONE);
    /* LA2: α in [a_lo, a_hi] (u16 proportions, so in [0, ONE]) */
    cx.inner = liquid ? cx.sg.a_lo.bits > 0 && cx.sg.a_hi.bits < ONE : alpha_bma.bits > 0 && alpha_bma.bits < ONE;
    cx.mode = mode;
    cx.alpha0 = ym3_alpha_of_d(&cx.sg, 0).bits;
    cx.isa = YM_IMPL_SPARSE;
    return cx;
}

/* §2.6 (clipping, VT, R) and §2.7-2.10.4 (weights for bonds, EMA) in one
 * pass over the rows. */
static yuma_status ema_pass(const ema_ctx *cx, uint32_t n, v3_mem *m, yuma_arena *arena)
{
    for (uint32_t j = 0; j < n; j++) m->colsum[j] = 0; /* R was zeroed before interpolate_pass */
    if (cx->liquid)
        for (size_t s = 0; s < ((size_t)1 << m->memo_bits); s++) m->memo[s].d = -1;
    if (cx->mode == W4B_CLIPPED) return ema_rows(cx, n, m, arena, W4B_CLIPPED);
    if (cx->mode == W4B_WEIGHTS) return ema_rows(cx, n, m, arena, W4B_WEIGHTS);
    return ema_rows(cx, n, m, arena, W4B_INTERPOLATED);
}

/* §2.10.5 and §2.10.6 in one pass: t_i = Σ_j mul(B'_ij / colsum_j, I_j),
 * D_i = checked_mul(t_i, a_i), and the stored bonds B' as u16 proportions
 * floor(v * 65535 / 2^32) (fixed_proportion_to_u16 of v <= ONE), in B' row
 * order. Every B'_ij is in (0, ONE] and colsum_j sums them (exactly), so
 * the division is ym_rdiv's; mul(en, I_j) is mul_u1 unless some I_j = ONE. */
static inline __attribute__((always_inline)) void out_rows(const yuma_input *in, v3_mem *m, yuma_output *out,
                                                           const bool wide)
{
    const div_col *restrict dc = m->dc;
    const uint64_t *restrict ep = m->e_pk;
    yuma_entry *restrict be = out->bonds_ent;
    uint32_t k = 0;
    out->bonds_off[0] = 0;
    for (uint32_t i = 0; i < in->n; i++) {
        int64_t t = 0;
        const uint32_t qb = m->e_off[i], qe = m->e_off[i + 1];
        if (out->permit_new[i]) {
            out->bonds_action[i] = YUMA_BONDS_SET;
            for (uint32_t q = qb; q < qe; q++, k++) {
                const uint64_t x = ep[q];
                const div_col *c = &dc[ym_pk_col(x)];
                const int64_t en = ym_rdiv_apply(&c->s, ym_pk_val(x));
                t += wide ? ym_mul_pos(en, c->inc) : mul_u1(en, c->inc);
                be[k].col = ym_pk_col(x);
                be[k].val = (uint16_t)((ym_pk_val(x) * UINT16_MAX) >> 32); /* v <= ONE */
            }
        } else {
            out->bonds_action[i] = in->permit_old[i] ? YUMA_BONDS_CLEAR : YUMA_BONDS_KEEP;
            for (uint32_t q = qb; q < qe; q++) {
                const uint64_t x = ep[q];
                const div_col *c = &dc[ym_pk_col(x)];
                const int64_t en = ym_rdiv_apply(&c->s, ym_pk_val(x));
                t += wide ? ym_mul_pos(en, c->inc) : mul_u1(en, c->inc);
            }
        }
        out->bonds_off[i + 1] = k;
        if (i32f32_checked_mul(i32f32_from_bits(t), m->a[i], &m->div[i]) != FX_OK) m->div[i] = i32f32_zero();
    }
}

static void out_pass(const yuma_input *in, v3_mem *m, yuma_output *out)
{
    bool wide = false;
    for (uint32_t j = 0; j < in->n; j++) {
        m->dc[j].s = ym_rdiv_make(m->colsum[j] > 0 ? (uint64_t)m->colsum[j] : 1u); /* 0: no entry reads it */
        m->dc[j].inc = m->inc[j].bits;
        wide |= m->inc[j].bits >= ONE;
    }
    if (wide) out_rows(in, m, out, true);
    else out_rows(in, m, out, false);
}

/* The same with a constant α outside [0, ONE] (values stored whole in
 * e_pk, columns in e_col): the chain's saturating column sums and
 * operations, and fixed_proportion_to_u16 on values that may exceed ONE. */
static void out_general(const yuma_input *in, v3_mem *m, yuma_output *out)
{
    const uint32_t n = in->n;
    const int64_t *ev = (const int64_t *)m->e_pk;
    for (uint32_t j = 0; j < n; j++) m->colsum[j] = 0;
    for (size_t q = 0; q < m->e_off[n]; q++)
        m->colsum[m->e_col[q]] =
            i32f32_sat_add(i32f32_from_bits(m->colsum[m->e_col[q]]), i32f32_from_bits(ev[q])).bits;
    uint32_t k = 0;
    out->bonds_off[0] = 0;
    for (uint32_t i = 0; i < n; i++) {
        i32f32 t = i32f32_zero();
        for (uint32_t q = m->e_off[i]; q < m->e_off[i + 1]; q++) {
            const uint16_t j = m->e_col[q];
            const i32f32 v = i32f32_from_bits(ev[q]), s = i32f32_from_bits(m->colsum[j]);
            const i32f32 nq = s.bits ? i32f32_safe_div(v, s) : v;
            const i32f32 pq = i32f32_sat_mul(nq, m->inc[j]);
            if (pq.bits) t = i32f32_wrap_add(t, pq);
        }
        if (i32f32_checked_mul(t, m->a[i], &m->div[i]) != FX_OK) m->div[i] = i32f32_zero();
        if (out->permit_new[i]) {
            out->bonds_action[i] = YUMA_BONDS_SET;
            for (uint32_t q = m->e_off[i]; q < m->e_off[i + 1]; q++, k++) {
                out->bonds_ent[k].col = m->e_col[q];
                out->bonds_ent[k].val = ym3_proportion_to_u16(i32f32_from_bits(ev[q]));
            }
        } else {
            out->bonds_action[i] = in->permit_old[i] ? YUMA_BONDS_CLEAR : YUMA_BONDS_KEEP;
        }
        out->bonds_off[i + 1] = k;
    }
}

/* The source of W4B for bonds penalty β. */
static int w4b_mode(i32f32 beta) { return beta.bits == 0 ? W4B_WEIGHTS : beta.bits == ONE ? W4B_CLIPPED : W4B_INTERPOLATED; }

/* §2.8: bonds towards uids registered at or after blk - tempo are dropped. */
static uint64_t last_tempo_of(const yuma_params *p, const yuma_input *in)
{
    return in->current_block > p->tempo ? in->current_block - p->tempo : 0;
}

/* §2.10.2: Liquid Alpha 2 when enabled and some C_j != 0. */
static bool liquid_on(const yuma_params *p, uint32_t n, const v3_mem *m)
{
    if (!p->liquid_alpha_enabled) return false;
    for (uint32_t j = 0; j < n; j++)
        if (m->cons[j].bits != 0) return true;
    return false;
}

/* T = vecdiv(R, P) (R <= P), I = R = normalize(R). */
static void trust_and_incentive(uint32_t n, v3_mem *m)
{
    for (uint32_t j = 0; j < n; j++)
        m->trust[j].bits = m->pre[j].bits ? ym_div_le(m->rank[j].bits, m->pre[j].bits) : 0;
    ym_normalize(m->rank, n);
    memcpy(m->inc, m->rank, n * sizeof *m->inc);
}

/* 2.5-2.10.6 on the sparse rows; the caller did 2.1-2.4 and does the rest. */
static yuma_status sparse_passes(const yuma_params *p, const yuma_input *in, yuma_output *out, v3_mem *m,
                                 yuma_arena *arena, i32f32 alpha_bma)
{
    const uint32_t n = in->n;
    /* 2.5 weights, 2.6 consensus */
    yuma_status st = weights_pass(p, in, m);
    if (st != YUMA_OK) return st;
    if (!consensus_pass(n, ym3_u16_proportion(p->kappa), m, arena)) return YUMA_ENOMEM;

    /* 2.7 weights for bonds, 2.10.1 / 2.8 bonds, 2.6 clipping with 2.10.2-2.10.4 EMA */
    const i32f32 beta = ym3_u16_proportion(p->bonds_penalty);
    const int mode = w4b_mode(beta);
    for (uint32_t j = 0; j < n; j++) m->rank[j] = i32f32_zero();
    if (mode == W4B_INTERPOLATED) interpolate_pass(n, beta, m);
    st = bonds_pass(in, last_tempo_of(p, in), m);
    if (st != YUMA_OK) return st;
    const bool liquid = liquid_on(p, n, m);
    const ema_ctx cx = ema_ctx_make(p, mode, beta, liquid, alpha_bma);
    st = ema_pass(&cx, n, m, arena);
    if (st != YUMA_OK) return st;
    trust_and_incentive(n, m);

    /* 2.10.5 dividends, 2.10.6 stored bonds: B' itself as u16 proportions, in B' row order */
    if (cx.sat) out_general(in, m, out);
    else out_pass(in, m, out);
    return YUMA_OK;
}

/* ---- the dense passes --------------------------------------------------- */

/* The same steps on dense rows of np cells, four columns per lane vector
 * (the shared row loads and normalisation: eight in the AVX-512 build),
 * for the uids with a weight row they may use or a bond row
 * (ym_dense_row); every other uid has no entry anywhere, so its validator
 * trust, dividends and B' row are 0 / empty, as in the sparse passes. The
 * loads, the row normalisation and the consensus are the v1.2.4 dense
 * passes' (yuma_math.h, ym_wmcol_dense). A cell without an entry holds 0,
 * which adds 0 to every sum and product and scores like an absent entry in
 * the consensus; the one place where an entry and its absence differ is
 * Liquid Alpha 2, which keeps a B' cell only where W4B has an entry (Q1):
 * there a W4B entry is a cell > 0 or, for β in {0, ONE}, an explicit zero
 * weight, which the rows that have one mark in a bit row (zb). Zero-valued
 * B' cells are the entries v > 0 leaves out (both EMAs keep v > 0 only).
 * The passes run with α in [0, ONE] only (the sparse passes' plain EMA),
 * and under LA2 with every W4B and bond row in column order (the order
 * the merge-scan Q3 and the stored row order Q4 read); otherwise they
 * hand the epoch to the sparse passes before the EMA. Every product is of
 * two values in [0, ONE] (YM_MUL01, YM_MUL1 where no pair can be ONE *
 * ONE), every division a proportion by a sum that contains it. */

#define AI YM_AI

/* Whether some entry of row qb..qe stores the value 0 (eight at a time on
 * little-endian lanes: the value is the high half of col | val << 16). */
static inline AI bool has_zero_value(const yuma_entry *restrict e, uint32_t qb, uint32_t qe)
{
    uint32_t q = qb;
    bool z = false;
#ifdef YM_COMPLETE_ROWS
    ym_ent8i acc = {0};
    for (; q + 8 <= qe; q += 8) acc |= (*(const ym_ent8i *)(const void *)(e + q) & -65536) == 0;
    for (int l = 0; l < 8; l++) z |= acc[l] != 0;
#endif
    for (; q < qe; q++) z |= e[q].val == 0;
    return z;
}

/* weights_pass: masks (the diagonal except the owner's), row normalisation,
 * preranks, column maxima of the voting rows; with `zeros` the explicit
 * zero weights the masks keep, as bits of zb. */
static inline AI yuma_status dense_weights(const yuma_params *p, const yuma_input *in, v3_mem *m, bool zeros,
                                          const bool w8)
{
    const uint32_t n = in->n, np = m->np;
    const uint64_t *restrict bar = m->bar;
    uint64_t *restrict pre = (uint64_t *)&m->pre[0].bits, *restrict wmax = (uint64_t *)m->wmax;
    ym_dense_weights_begin(n, np, m->stamp, pre, wmax);
    m->unsorted_w = false;
    for (uint32_t d = 0; d < m->nd; d++) {
        const uint32_t i = m->drow[d], qb = in->weights.off[i], qe = in->weights.off[i + 1];
        uint64_t *restrict wr = m->dw + (size_t)d * np;
        m->zrow[d] = false;
        if (m->forbid[i]) {
            memset(wr, 0, np * sizeof *wr);
            continue;
        }
        const uint64_t lu = in->last_update[i];
        const bool own = (int64_t)i == p->owner_uid;
        bool inc;
        uint64_t sum;
        if (!ym_dense_load(&in->weights, i, n, np, wr, true, lu, bar, own ? -1 : (int64_t)i, m->stamp, &inc, &sum, w8))
            return YUMA_EINPUT; /* set_weights rejects duplicates */
        m->unsorted_w |= !inc;
        if (!own) { /* the diagonal */
            sum -= wr[i];
            wr[i] = 0;
        }
        if (zeros && has_zero_value(in->weights.ent, qb, qe)) {
            uint64_t *restrict zr = m->zb + (size_t)d * m->zw;
            memset(zr, 0, m->zw * sizeof *zr);
            for (uint32_t q = qb; q < qe; q++) {
                const uint32_t j = in->weights.ent[q].col;
                if (in->weights.ent[q].val || j >= n || lu <= bar[j] || (j == i && !own)) continue;
                zr[j >> 6] |= (uint64_t)1 << (j & 63);
                m->zrow[d] = true;
            }
        }
        ym_dense_normalize_row(wr, np, sum, (uint64_t)m->a[i].bits, pre, wmax, w8);
    }
    return YUMA_OK;
}

/* bonds_pass: the stored bond rows (u16), entries towards uids registered
 * at or after last_tempo 0. */
static inline AI yuma_status dense_bonds(const yuma_input *in, uint64_t last_tempo, v3_mem *m, const bool w8)
{
    const uint32_t n = in->n, np = m->np;
    m->unsorted_b = false;
    for (uint32_t d = 0; d < m->nd; d++) {
        bool inc;
        uint64_t sum;
        if (!ym_dense_load(&in->bonds, m->drow[d], n, np, m->db + (size_t)d * np, false, last_tempo, m->bar, -1,
                           m->stamp, &inc, &sum, w8))
            return YUMA_EINPUT; /* the mask indexes BlockAtRegistration by j: panic; no duplicates are written */
        m->unsorted_b |= !inc;
    }
    return YUMA_OK;
}

/* miss_a[t] = α of the gap miss_d[t] for t < nq: those the memo knows
 * from it, the others on lanes (ym3_alpha_batch) and into the memo. The
 * memo pays where rows repeat gaps (validators with the same weights on
 * the miners); once two rows and 512 gaps have asked it and it knew fewer
 * than 1 in 16, it is no longer asked in this epoch (the values are the
 * same either way). */
static inline AI void alpha_of_gaps(const ema_ctx *cx, v3_mem *m, uint32_t nq)
{
    const int64_t *restrict qd = m->miss_d;
    int64_t *restrict qa = m->miss_a;
    if (m->memo_rows >= 2 && m->memo_probes >= 512 && m->memo_hits * 16 < m->memo_probes) {
        ym3_alpha_batch(&cx->sg, qd, nq, qa, cx->isa);
        return;
    }
    int64_t *restrict cd = m->miss_x, *restrict ct = m->miss_b;
    uint32_t nc = 0;
    for (uint32_t t = 0; t < nq; t++) {
        const memo_slot *slot = &m->memo[memo_hash(m, qd[t])];
        qa[t] = slot->alpha;
        cd[nc] = qd[t];
        ct[nc] = t;
        nc += slot->d != qd[t];
    }
    m->memo_rows++;
    m->memo_probes += nq;
    m->memo_hits += nq - nc;
    ym3_alpha_batch(&cx->sg, cd, nc, cd, cx->isa); /* in place: each α is written after its gap is read */
    for (uint32_t k = 0; k < nc; k++) {
        const int64_t t = ct[k];
        memo_slot *slot = &m->memo[memo_hash(m, qd[t])];
        slot->d = qd[t];
        slot->alpha = qa[t] = cd[k];
    }
}

/* §2.6 clipping (VT_i, R), §2.7 W4B and §2.10.2-2.10.4 the EMA of one
 * dense row, B' in place of the weights, with its column sums. W̄ =
 * min(w, C) (a weight col_clip drops, C = 0 < w, clips to 0 like it),
 * W4B x per mode (interpolated: w + mul(β, W̄ - w) = w - ceil(β(w - W̄) /
 * 2^32), at least W̄); B = b * 2^32 / 65535 = 65537 b + (b == 65535)
 * (2^32 / 65535 = 65537 + 1/65535). Constant α: v = mul(α, x) + mul(1 -
 * α, B). LA2 (la2_row's arithmetic): α(0) for the cells without a gap d
 * and for those without a W4B entry (left out anyway); the cells with a
 * gap keep x in place and are queued (column and d, written for every
 * lane, the cursor advanced for theirs), their α computed after the row
 * on lanes (ym3_alpha_batch) and their v filled in. wide: some α or 1 - α
 * may be ONE. */
static inline AI void dense_ema_row(const ema_ctx *cx, v3_mem *m, uint32_t d, const int mode, const bool liquid,
                                    const bool wide)
{
    const uint32_t np = m->np, i = m->drow[d];
    uint64_t *restrict wr = m->dw + (size_t)d * np, *restrict rank = (uint64_t *)&m->rank[0].bits;
    uint64_t *restrict colsum = (uint64_t *)m->colsum;
    const uint64_t *restrict br = m->db + (size_t)d * np, *restrict cons = (const uint64_t *)&m->cons[0].bits;
    const uint64_t *restrict zr = liquid && mode != W4B_INTERPOLATED && m->zrow[d] ? m->zb + (size_t)d * m->zw : NULL;
    uint32_t *restrict qk = m->miss_k;
    int64_t *restrict qd = m->miss_d;
    const bool vote = m->a[i].bits > 0;
    const ym_v4 av = YM_V4((uint64_t)m->a[i].bits), bv = YM_V4((uint64_t)cx->beta.bits);
    const ym_v4 alv = YM_V4((uint64_t)cx->alpha.bits), omv = YM_V4((uint64_t)cx->om.bits);
    const ym_v4 one = YM_V4((uint64_t)ONE), a0 = YM_V4((uint64_t)cx->alpha0), lane = {0, 1, 2, 3};
    ym_v4 vt = YM_V4(0);
    uint32_t nq = 0;
    for (uint32_t j = 0; j < np; j += YM_LANES) {
        const ym_v4 w = (ym_v4)YM_LD(wr + j), c = (ym_v4)YM_LD(cons + j), bu = (ym_v4)YM_LD(br + j);
        const ym_v4 wc = YM_MIN(w, c);
        vt += wc;
        if (vote) YM_ST(rank + j, (ym_v4)YM_LD(rank + j) + YM_MUL01(av, wc));
        ym_v4 x = mode == W4B_CLIPPED ? wc : w;
        if (mode == W4B_INTERPOLATED) x = w - ((bv * (w - wc) + (one - 1)) >> 32);
        const ym_v4 b = (bu << 16) + bu - (ym_v4)(bu == YM_V4(UINT16_MAX));
        ym_v4 v, out;
        if (!liquid) {
            v = out = YM_MUL(wide, alv, x) + YM_MUL(wide, omv, b);
        } else {
            ym_v4 keep = (ym_v4)(x != YM_V4(0)); /* a W4B entry */
            if (zr) keep |= YM_V4(0) - ((YM_V4(zr[j >> 6] >> (j & 63)) >> lane) & YM_V4(1));
            const ym_v4 ge = (ym_v4)((ym_v4i)x >= (ym_v4i)b), sell = ~ge & (b - x);
            const ym_v4 gap = keep & (mode == W4B_CLIPPED ? sell : (ge & YM_MAX(x - c, YM_V4(0))) | sell);
            v = out = (YM_MUL(wide, one - a0, b) + YM_MUL(wide, a0, x)) & keep;
            if (gap[0] | gap[1] | gap[2] | gap[3]) {
                const ym_v4 queued = (ym_v4)(gap != YM_V4(0));
                v &= ~queued;
                out = v | (x & queued);
                for (uint32_t l = 0; l < YM_LANES; l++) {
                    qk[nq] = j + l;
                    qd[nq] = (int64_t)gap[l];
                    nq += gap[l] != 0;
                }
            }
        }
        YM_ST(colsum + j, (ym_v4)YM_LD(colsum + j) + v);
        YM_ST(wr + j, out);
    }
    m->vt[i].bits = (int64_t)YM_HSUM(vt);
    if (!nq) return;
    alpha_of_gaps(cx, m, nq);
    for (uint32_t t = 0; t < nq; t++) {
        const uint32_t j = qk[t];
        const int64_t al = m->miss_a[t], x = (int64_t)wr[j];
        const uint64_t bu = br[j];
        const int64_t b = (int64_t)((bu << 16) + bu + (bu == UINT16_MAX));
        const int64_t v = PMUL(!wide, ONE - al, b) + PMUL(!wide, al, x);
        colsum[j] += (uint64_t)v;
        wr[j] = (uint64_t)v;
    }
}

static inline AI void dense_ema_rows(const ema_ctx *cx, v3_mem *m, const int mode, const bool liquid)
{
    if (!cx->inner)
        for (uint32_t d = 0; d < m->nd; d++) dense_ema_row(cx, m, d, mode, liquid, true);
    else
        for (uint32_t d = 0; d < m->nd; d++) dense_ema_row(cx, m, d, mode, liquid, false);
}

static inline AI void dense_ema(const ema_ctx *cx, uint32_t n, v3_mem *m)
{
    if (cx->liquid)
        for (size_t s = 0; s < ((size_t)1 << m->memo_bits); s++) m->memo[s].d = -1;
    m->memo_rows = m->memo_probes = m->memo_hits = 0;
    memset(m->rank, 0, m->np * sizeof *m->rank);
    memset(m->colsum, 0, m->np * sizeof *m->colsum);
    for (uint32_t i = 0; i < n; i++) m->vt[i] = i32f32_zero();
    if (cx->liquid) {
        if (cx->mode == W4B_CLIPPED) dense_ema_rows(cx, m, W4B_CLIPPED, true);
        else if (cx->mode == W4B_WEIGHTS) dense_ema_rows(cx, m, W4B_WEIGHTS, true);
        else dense_ema_rows(cx, m, W4B_INTERPOLATED, true);
    } else {
        if (cx->mode == W4B_CLIPPED) dense_ema_rows(cx, m, W4B_CLIPPED, false);
        else if (cx->mode == W4B_WEIGHTS) dense_ema_rows(cx, m, W4B_WEIGHTS, false);
        else dense_ema_rows(cx, m, W4B_INTERPOLATED, false);
    }
}

/* floor(x * 2^32 / S_j) for the cells x <= S_j of columns j .. j+3, S_j
 * the column sums of B' (YM_QDIVW; YM_QDIV when every S_j < 2^32). */
#define COLDIV(x, m, j, wide_s)                                                                         \
    ((wide_s) ? YM_QDIVW(x, (ym_v4)YM_LD((m)->qs.sh + (j)), (ym_v4)YM_LD((m)->qs.v + (j)),              \
                         (ym_v4)YM_LD((m)->qs.dn + (j)), (ym_v4)YM_LD((m)->qk + (j)),                   \
                         (ym_v4)YM_LD((m)->qd + (j)))                                                   \
              : YM_QDIV_AT(x, (m)->qs, j))

/* out_pass on the dense rows: t_i = Σ_j mul(B'_ij / S_j, I_j), D_i =
 * checked_mul(t_i, a_i), and for the new permits the stored bonds
 * floor(v * 65535 / 2^32) of the cells v > 0 in column order (the W4B row
 * order under LA2, rows in column order here). wide_s: some S_j >= 2^32;
 * wide_i: some I_j = ONE. */
static inline AI void dense_out_rows(const yuma_input *in, v3_mem *m, yuma_output *out, const bool wide_s,
                                     const bool wide_i)
{
#define OUT_EN(W, e, j) COLDIV(e, m, j, wide_s)
#define OUT_BONDS(W, e, en, j) (((e) << 16) - (e)) >> 32 /* v <= ONE */
    YM_DENSE_OUT_ROWS(in, out, m, wide_i, YM_LANE_LOOP4, false, OUT_EN, OUT_BONDS,
                      if (i32f32_checked_mul(i32f32_from_bits((int64_t)acc), m->a[i], &m->div[i]) != FX_OK)
                          m->div[i] = i32f32_zero());
#undef OUT_BONDS
#undef OUT_EN
}

static inline AI void dense_out(const yuma_input *in, v3_mem *m, yuma_output *out)
{
    bool wide_s = false, wide_i = false;
    for (uint32_t j = 0; j < m->np; j++) {
        ym_qdw_set(&m->qs, m->qk, m->qd, j, (uint64_t)m->colsum[j]);
        wide_s |= m->qk[j] > 0;
        wide_i |= m->inc[j].bits >= ONE;
    }
    if (wide_s) {
        if (wide_i) dense_out_rows(in, m, out, true, true);
        else dense_out_rows(in, m, out, true, false);
    } else {
        if (wide_i) dense_out_rows(in, m, out, false, true);
        else dense_out_rows(in, m, out, false, false);
    }
}

/* 2.5-2.10.6 on the dense rows; the caller did 2.1-2.4 and does the rest.
 * *sparse: the epoch needs the sparse passes (LA2 with a row out of
 * column order); nothing is output then. */
static inline AI yuma_status dense_passes(const yuma_params *p, const yuma_input *in, yuma_output *out, v3_mem *m,
                                         yuma_arena *arena, i32f32 alpha_bma, ym_impl isa, bool *sparse)
{
    const uint32_t n = in->n, np = m->np;
    const i32f32 beta = ym3_u16_proportion(p->bonds_penalty);
    const int mode = w4b_mode(beta);
    const bool w8 = YM_W8(isa); /* the shared loads and normalisation: eight lanes in the AVX-512 build */
    yuma_status st = dense_weights(p, in, m, p->liquid_alpha_enabled && mode != W4B_INTERPOLATED, w8);
    if (st != YUMA_OK) return st;
    i32f32 minority;
    for (uint32_t c = n; c < np; c++) m->cons[c] = i32f32_zero();
    if (consensus_stakes(n, ym3_u16_proportion(p->kappa), m, &minority) &&
        !ym_wmcol_dense(m->dw, np, m->drow, m->nd, n, m->u, m->wmax, n, minority, m->cons, m->db, arena, isa))
        return YUMA_ENOMEM;
    st = dense_bonds(in, last_tempo_of(p, in), m, w8);
    if (st != YUMA_OK) return st;
    const bool liquid = liquid_on(p, n, m);
    if (liquid && ((m->unsorted_w && mode != W4B_INTERPOLATED) || m->unsorted_b)) {
        *sparse = true;
        return YUMA_OK;
    }
    ema_ctx cx = ema_ctx_make(p, mode, beta, liquid, alpha_bma);
    cx.isa = isa;
    dense_ema(&cx, n, m);
    trust_and_incentive(n, m);
    for (uint32_t j = n; j < np; j++) m->inc[j] = i32f32_zero();
    dense_out(in, m, out);
    return YUMA_OK;
}

/* One source, compiled for each ISA: the base one (the portable fallback,
 * always built) and, on x86-64, AVX2 and AVX-512VL, chosen at run time. */
#define DENSE_CALL(isa) dense_passes(p, in, out, m, arena, alpha_bma, isa, sparse)
YM_LANE_BUILDS(yuma_status, dense,
               (const yuma_params *p, const yuma_input *in, yuma_output *out, v3_mem *m, yuma_arena *arena,
                i32f32 alpha_bma, bool *sparse),
               DENSE_CALL)
#undef DENSE_CALL

/* ---- the epoch ---------------------------------------------------------- */

yuma_status yuma_epoch_v3(const yuma_params *p, const yuma_input *in, yuma_output *out, yuma_arena *arena)
{
    return ym_epoch_v3(p, in, out, arena, YM_IMPL_AUTO);
}

yuma_status ym_epoch_v3(const yuma_params *p, const yuma_input *in, yuma_output *out, yuma_arena *arena, ym_impl impl)
{
    if (!p || !in || !out || !arena || p->version != YUMA_V3 || !ym_impl_available(impl)) return YUMA_EINPUT;
    if (in->n > YUMA_MAX_UIDS) return YUMA_ETOOBIG;
    const uint32_t n = in->n;
    if (n > 0 && (!in->stake || !in->last_update || !in->block_at_registration || !in->permit_old))
        return YUMA_EINPUT;
    if (!ym_csr_ok(&in->weights, n) || !ym_csr_ok(&in->bonds, n)) return YUMA_EINPUT;
    i32f32 alpha_bma;
    if (!ym3_bma_alpha(p->bonds_moving_average, &alpha_bma)) return YUMA_EINPUT;
    fx_u128 total = 0;
    for (uint32_t i = 0; i < n; i++)
        if (in->stake[i] >= p->stake_threshold) total += in->stake[i];
    if (total > (fx_u128)INT64_MAX) return YUMA_EINPUT; /* the I64F64 stake sum would overflow */

    const size_t nnz_w = in->weights.off[n], nnz_b = in->bonds.off[n];
    const bool forced = impl != YM_IMPL_AUTO && impl != YM_IMPL_SPARSE;
    arena->used = 0;
    const size_t need = forced ? ym_epoch_v3_dense_need(n, nnz_w, nnz_b) : yuma_v3_arena_need(n, nnz_w, nnz_b);
    if (!arena->base || need > arena->cap) return YUMA_ENOMEM;
    v3_mem m;
    carver c = {arena, 0, false};
    m.np = ym_padded(n);
    plan_common(&c, n, nnz_w, nnz_b, out, &m);
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

    /* 2.5-2.10.6: dense or sparse passes (the same numbers); auto: dense
     * only on AVX2 or AVX-512, as for the v1.2.4 epoch */
    size_t cells;
    ym_impl isa;
    const bool dense = ym_dense_choose(in, m.forbid, impl, alpha_bma, &isa, &cells);
    const size_t mark = arena->used;
    bool sparse = !dense;
    yuma_status st = YUMA_OK;
    if (dense) {
        plan_dense(&c, n, cells, &m);
        if (c.failed) return YUMA_ENOMEM;
        m.nd = ym_dense_rows(in, m.forbid, m.drow);
        ym_dense_bar(in, m.np, m.bar);
        st = YM_LANE_CALL(isa, dense, (p, in, out, &m, arena, alpha_bma, &sparse));
    }
    if (st == YUMA_OK && sparse) {
        arena->used = mark;
        plan_sparse(&c, n, nnz_w, nnz_b, &m);
        if (c.failed) return YUMA_ENOMEM;
        st = sparse_passes(p, in, out, &m, arena, alpha_bma);
    }
    if (st != YUMA_OK) return st;
    ym_normalize(m.div, n);
    if (p->incentive_wta) ym_incentive_wta(m.inc, n); /* opt-in, not a chain rule (yuma.h) */

    /* 2.11 emission split with the zero-emission fallback, pruning scores */
    ym_emission(n, m.inc, m.div, m.a, m.stake, in->rao_emission, m.ns, m.nv, m.comb, out);
    for (uint32_t i = 0; i < n; i++) {
        out->stake_weight[i] = ym3_proportion_to_u16(m.stake[i]);
        out->rank[i] = ym3_proportion_to_u16(m.rank[i]);
        out->trust[i] = ym3_proportion_to_u16(m.trust[i]);
        out->consensus[i] = ym3_proportion_to_u16(m.cons[i]);
        out->incentive[i] = ym3_proportion_to_u16(m.inc[i]);
        out->dividends[i] = ym3_proportion_to_u16(m.div[i]);
        out->validator_trust[i] = ym3_proportion_to_u16(m.vt[i]);
    }
    return YUMA_OK;
}
