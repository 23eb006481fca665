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
 * The passes fuse the steps over the sparse rows as yuma.c does; rows are
 * kept in stored order (the order matters to Q3/Q4), and the few rows stored
 * out of column order take the general primitives of yuma_math_v3.c, so the
 * fast paths only ever see column-ordered rows. Why the shortcuts are exact:
 *  - every weight, clipped weight, bond and EMA value is a proportion in
 *    [0, ONE] and every sum adds at most 4096 of them, so the chain's
 *    saturating adds and multiplications of non-negative values are the
 *    plain ones (ym_mul_pos, ym_div_le with numerator <= divisor); the one
 *    exception, a constant α outside [0, ONE] (bonds_moving_average > 10^6),
 *    keeps the saturating operations;
 *  - zero weights add 0 to every sum and score like an absent entry in the
 *    consensus, so they are kept only where the bonds read them;
 *  - α of a cell depends on its gap d only (ym3_sigmoid_d), so it is
 *    memoised on d (with Bonds penalty 1, the runtime value, clipped weights
 *    never exceed consensus and most cells share d = 0).
 */
#include <string.h>

#include "taosim/yuma.h"
#include "taosim/yuma_math.h"

#define ONE I32F32_ONE_BITS

/* ---- memory plan -------------------------------------------------------- */

enum { MEMO_MAX_BITS = 12 };

typedef struct memo_slot {
    int64_t d, alpha; /* d = -1: empty */
} memo_slot;

typedef struct v3_mem {
    bool *forbid, *w_unsorted, *b_unsorted;
    i32f32 *stake, *a, *pre, *cons, *rank, *trust, *inc, *vt, *div, *comb, *ns, *nv, *colsum;
    uint32_t *stamp;
    uint64_t *sortkey, *sorttmp;
    ym_sparse w;   /* masked, row-normalised weights in column order, zero weights kept */
    ym_sparse wst; /* the rows stored out of column order, in stored order (same offsets) */
    ym_sparse x4;  /* weights for bonds when 0 < β < 1 (interpolated, column order) */
    uint16_t *rcol; /* one row of weights for bonds in stored order (rows out of column order) */
    i32f32 *rval;
    uint32_t *b_off; /* masked bonds, stored order, as the stored u16 (read as b/65535) */
    uint16_t *b_col, *b_u16;
    i32f32 *brow;    /* one bond row as proportions */
    int64_t *cd, *calpha; /* the gap d and α of each cell of one row (LA2) */
    uint32_t *miss;       /* the cells of one row whose α the memo does not know */
    ym_sparse e;   /* the EMA bonds B' */
    memo_slot *memo;
    unsigned memo_bits; /* the memo has 2^memo_bits slots: about 2 per weight, at most 4096 */
} v3_mem;

typedef ym_carver carver;
#define TAKE YM_CARVE

static void take_sparse(carver *c, ym_sparse *m, uint32_t n, size_t nnz, bool own_offsets)
{
    m->rows = n;
    if (own_offsets) TAKE(c, m->off, (size_t)n + 1);
    TAKE(c, m->col, nnz);
    TAKE(c, m->val, nnz);
}

static void plan(carver *c, uint32_t n, size_t nnz_w, size_t nnz_b, yuma_output *o, v3_mem *m)
{
    const size_t n1 = (size_t)n + 1, nnz_e = nnz_w + nnz_b; /* constant-α EMA: union of W4B and B rows */
    ym_carve_outputs(c, n, nnz_e, o);

    TAKE(c, m->forbid, n);
    TAKE(c, m->w_unsorted, n);
    TAKE(c, m->b_unsorted, n);
    i32f32 **vec[] = {&m->stake, &m->a, &m->pre, &m->cons, &m->rank, &m->trust, &m->inc,
                      &m->vt, &m->div, &m->comb, &m->ns, &m->nv, &m->colsum};
    for (size_t k = 0; k < sizeof vec / sizeof vec[0]; k++) TAKE(c, *vec[k], n);
    TAKE(c, m->stamp, n);
    TAKE(c, m->sortkey, n);
    TAKE(c, m->sorttmp, n);
    take_sparse(c, &m->w, n, nnz_w, true);
    take_sparse(c, &m->wst, n, nnz_w, false);
    take_sparse(c, &m->x4, n, nnz_w, true); /* an interpolated row has at most the row's columns */
    TAKE(c, m->rcol, n);
    TAKE(c, m->rval, n);
    TAKE(c, m->b_off, n1);
    TAKE(c, m->b_col, nnz_b);
    TAKE(c, m->b_u16, nnz_b);
    TAKE(c, m->brow, n);
    TAKE(c, m->cd, n);
    TAKE(c, m->calpha, n);
    TAKE(c, m->miss, n);
    take_sparse(c, &m->e, n, nnz_e, true);
    m->memo_bits = 1;
    while (m->memo_bits < MEMO_MAX_BITS && ((size_t)1 << m->memo_bits) < 2 * nnz_w) m->memo_bits++;
    TAKE(c, m->memo, (size_t)1 << m->memo_bits);
}

static size_t max2(size_t x, size_t y) { return x > y ? x : y; }

/* Scratch of the primitives, pushed and popped on top of the plan. */
static size_t scratch_need(uint32_t n, size_t nnz_w)
{
    size_t s = ym_topk_need(n);
    s = max2(s, ym3_wmcol_sorted_need(n, n, nnz_w));
    s = max2(s, ym3_alpha_need(n) + ym3_ema_alpha_need(n));
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

/* Sort entries [b, e) of m by column into (col, val) (distinct columns). */
static void sort_row_into(const ym_sparse *m, uint32_t b, uint32_t e, uint16_t *col, i32f32 *val, v3_mem *mem)
{
    const size_t len = e - b;
    for (size_t k = 0; k < len; k++) mem->sortkey[k] = (uint64_t)m->col[b + k] << 32 | (uint32_t)k;
    ym_radix_sort_u64(mem->sortkey, NULL, len, mem->sorttmp, NULL);
    for (size_t k = 0; k < len; k++) {
        const uint32_t q = b + (uint32_t)mem->sortkey[k];
        col[b + k] = m->col[q];
        val[b + k] = m->val[q];
    }
}

static inline size_t memo_hash(const v3_mem *m, int64_t d)
{
    return (size_t)(((uint64_t)d * 0x9E3779B97F4A7C15ull) >> (64 - m->memo_bits));
}

/* ---- the passes --------------------------------------------------------- */

/* §2.2: T_i = 0 when S_i < StakeThreshold, then normalised as I64F64 and
 * narrowed: stake_i = floor(S_i * 2^32 / Σ') (yuma-epoch.md §4.3 closed
 * form: floor(floor(S*2^64/T) / 2^32) = floor(S*2^32/T)). */
static void stake_weights(const uint64_t *s, uint32_t n, uint64_t thr, uint64_t total, i32f32 *out)
{
    for (uint32_t i = 0; i < n; i++)
        out[i].bits = total && s[i] >= thr ? (int64_t)((((fx_u128)s[i]) << 32) / total) : 0;
}

/* Whether stored weight (i, j) survives §2.5 steps 1-3 (row i not forbidden):
 * the column range of get_weights_sparse, the diagonal except the owner's,
 * outdated weights. */
static inline bool weight_kept(const yuma_input *in, int64_t owner, uint32_t i, uint64_t lu, uint32_t j)
{
    return j < in->n && (j != i || (int64_t)i == owner) && lu > in->block_at_registration[j];
}

/* §2.5-2.6 (P): masks, row normalisation (the integers u16 divided by their
 * sum), preranks. Rows out of column order are checked for duplicates, kept
 * in stored order in m->wst and sorted in m->w (sums and the consensus do not
 * depend on the order of a row without repeated columns). */
static yuma_status weights_pass(const yuma_params *p, const yuma_input *in, v3_mem *m)
{
    const uint32_t n = in->n;
    const yuma_entry *ent = in->weights.ent;
    uint32_t k = 0;
    memset(m->stamp, 0, n * sizeof *m->stamp);
    for (uint32_t j = 0; j < n; j++) m->pre[j] = i32f32_zero();
    m->w.off[0] = 0;
    for (uint32_t i = 0; i < n; i++) {
        m->w_unsorted[i] = false;
        if (!m->forbid[i]) {
            const uint64_t lu = in->last_update[i];
            const uint32_t row = k;
            uint64_t sum = 0;
            int64_t prev = -1;
            bool increasing = true;
            for (uint32_t q = in->weights.off[i]; q < in->weights.off[i + 1]; q++) {
                const uint32_t j = ent[q].col;
                if (!weight_kept(in, p->owner_uid, i, lu, j)) continue;
                increasing &= (int64_t)j > prev;
                prev = j;
                m->w.col[k] = (uint16_t)j;
                m->w.val[k].bits = ent[q].val;
                sum += ent[q].val;
                k++;
            }
            if (!increasing) {
                for (uint32_t q = row; q < k; q++) {
                    if (m->stamp[m->w.col[q]] == i + 1) return YUMA_EINPUT; /* set_weights rejects duplicates */
                    m->stamp[m->w.col[q]] = i + 1;
                }
                m->w_unsorted[i] = true;
            }
            if (sum) { /* div(w<<32, sum<<32) = floor(w*2^32/sum) */
                const ym_u16div r = ym_u16div_make(sum);
                const int64_t ai = m->a[i].bits;
                for (uint32_t q = row; q < k; q++) {
                    const int64_t w = ym_u16div_apply(r, (uint64_t)m->w.val[q].bits);
                    m->w.val[q].bits = w;
                    if (ai > 0) m->pre[m->w.col[q]].bits += ym_mul_pos(ai, w);
                }
            }
            if (!increasing) {
                memcpy(m->wst.col + row, m->w.col + row, (k - row) * sizeof *m->wst.col);
                memcpy(m->wst.val + row, m->w.val + row, (k - row) * sizeof *m->wst.val);
                sort_row_into(&m->wst, row, k, m->w.col, m->w.val, m);
            }
        }
        m->w.off[i + 1] = k;
    }
    return YUMA_OK;
}

/* §2.7 for 0 < β < 1: x = sat_add(w, mul(β, sat_sub(w̄, w))) with w̄ the
 * clipped weight (0 where col_clip drops it), kept when > 0, in column order
 * (interpolate_sparse); the sorted rows of W are read. */
static void interpolate_pass(uint32_t n, i32f32 beta, v3_mem *m)
{
    uint32_t k = 0;
    m->x4.off[0] = 0;
    for (uint32_t i = 0; i < n; i++) {
        for (uint32_t q = m->w.off[i]; q < m->w.off[i + 1]; q++) {
            const uint16_t j = m->w.col[q];
            const int64_t w = m->w.val[q].bits, c = m->cons[j].bits, wc = c < w ? (c > 0 ? c : 0) : w;
            const int64_t x = i32f32_sat_add(i32f32_from_bits(w), i32f32_sat_mul(beta, i32f32_from_bits(wc - w))).bits;
            if (x <= 0) continue;
            m->x4.col[k] = j;
            m->x4.val[k++].bits = x;
        }
        m->x4.off[i + 1] = k;
    }
}

/* §2.10.1, §2.8: bonds as proportions floor(b*2^32/65535), entries towards a
 * uid registered at or after blk - tempo dropped; stored order and explicit
 * zeros kept (the merge-scan of LA2 sees them). */
static yuma_status bonds_pass(const yuma_input *in, uint64_t last_tempo, v3_mem *m)
{
    const uint32_t n = in->n;
    const yuma_entry *ent = in->bonds.ent;
    uint32_t k = 0;
    m->b_off[0] = 0;
    for (uint32_t i = 0; i < n; i++) {
        const uint32_t row = k;
        int64_t prev = -1;
        bool increasing = true;
        for (uint32_t q = in->bonds.off[i]; q < in->bonds.off[i + 1]; q++) {
            const uint32_t j = ent[q].col;
            if (j >= n) return YUMA_EINPUT; /* the mask indexes BlockAtRegistration by j: panic */
            if (last_tempo <= in->block_at_registration[j]) continue;
            increasing &= (int64_t)j > prev;
            prev = j;
            m->b_col[k] = (uint16_t)j;
            m->b_u16[k++] = ent[q].val;
        }
        m->b_unsorted[i] = !increasing;
        if (!increasing) {
            const uint32_t mark = n + i + 1; /* distinct from the weights pass stamps */
            for (uint32_t q = row; q < k; q++) {
                if (m->stamp[m->b_col[q]] == mark) return YUMA_EINPUT; /* the epoch never writes duplicates */
                m->stamp[m->b_col[q]] = mark;
            }
        }
        m->b_off[i + 1] = k;
    }
    return YUMA_OK;
}

/* u16_proportion: floor(b * 2^32 / 65535), one high multiply (yuma_math.h). */
static inline int64_t bond_prop(ym_u16div d65535, uint16_t b) { return ym_u16div_apply(d65535, b); }

/* Emit (j, v) into row k of B' and add v to its column sum (wrapping: the
 * sums are exact for proportions; dividends_general redoes them otherwise). */
static inline uint32_t emit(v3_mem *m, uint32_t k, uint16_t j, int64_t v)
{
    m->e.col[k] = j;
    m->e.val[k].bits = v;
    m->colsum[j].bits = (int64_t)((uint64_t)m->colsum[j].bits + (uint64_t)v);
    return k + 1;
}

/* Where the weights for bonds come from (§2.7): β = 0 the weights, β = ONE
 * the clipped weights (col_clip_sparse, dropped entries removed), otherwise
 * the interpolated rows of m->x4. */
enum { W4B_WEIGHTS, W4B_CLIPPED, W4B_INTERPOLATED };

/* The entry (j, w) of a W row as a weights-for-bonds entry; false if dropped. */
static inline bool w4b_value(int mode, const i32f32 *cons, uint16_t j, int64_t w, int64_t *x)
{
    if (mode == W4B_CLIPPED) {
        const int64_t c = cons[j].bits;
        if (c < w) {
            if (c <= 0) return false;
            w = c;
        }
    }
    *x = w;
    return true;
}

typedef struct row_src {
    const uint16_t *col;
    const i32f32 *val;
    uint32_t b, e;
    int mode; /* W4B_CLIPPED: values still to clip */
} row_src;

/* §2.10.4 with both rows in column order: the merge-scan finds the stored
 * values; dec_j = mul(ONE - α, b) where the old row has j. The row is done in
 * three steps: the cells (x, b, d) with the α the memo knows, the α of the
 * other gaps four at a time, then the EMA. */
static uint32_t ema_alpha_row(const ym3_sigmoid *sg, ym_u16div d65535, row_src w, uint32_t i, uint32_t k, v3_mem *m)
{
    uint32_t r = m->b_off[i], len = 0, nmiss = 0;
    const uint32_t re = m->b_off[i + 1];
    int64_t last_d = -1, last_alpha = 0; /* neighbouring cells often share d */
    for (uint32_t q = w.b; q < w.e; q++) {
        const uint16_t j = w.col[q];
        int64_t x;
        if (!w4b_value(w.mode, m->cons, j, w.val[q].bits, &x)) continue;
        while (r < re && m->b_col[r] < j) r++;
        const bool has = r < re && m->b_col[r] == j;
        const int64_t b = has ? bond_prop(d65535, m->b_u16[r]) : 0;
        const int64_t d = ym3_sigmoid_d(m->cons[j], i32f32_from_bits(x), i32f32_from_bits(b));
        m->rcol[len] = j;
        m->rval[len].bits = x;
        m->brow[len].bits = has ? b : -1; /* -1: no old bond */
        m->cd[len] = d;
        if (d == last_d) {
            m->calpha[len++] = last_alpha;
            continue;
        }
        const memo_slot *slot = &m->memo[memo_hash(m, d)];
        if (slot->d == d) {
            last_d = d;
            last_alpha = m->calpha[len] = slot->alpha;
        } else {
            m->miss[nmiss++] = len;
        }
        len++;
    }
    for (uint32_t t = 0; t < nmiss; t += 4) {
        int64_t d4[4];
        i32f32 a4[4];
        for (uint32_t l = 0; l < 4; l++) d4[l] = m->cd[m->miss[t + l < nmiss ? t + l : t]];
        ym3_alpha_of_d4(sg, d4, a4);
        for (uint32_t l = 0; l < 4 && t + l < nmiss; l++) {
            memo_slot *slot = &m->memo[memo_hash(m, d4[l])];
            slot->d = d4[l];
            slot->alpha = m->calpha[m->miss[t + l]] = a4[l].bits;
        }
    }
    for (uint32_t c = 0; c < len; c++) {
        /* α in [a_lo, a_hi] (0 <= α <= ONE: u16 proportions), x and b in [0, ONE] */
        const int64_t al = m->calpha[c], b = m->brow[c].bits;
        const int64_t dec = b >= 0 ? ym_mul_pos(ONE - al, b) : 0;
        int64_t v = dec + ym_mul_pos(al, m->rval[c].bits);
        if (v > ONE) v = ONE;
        if (v > 0) k = emit(m, k, m->rcol[c], v);
    }
    return k;
}

/* §2.10.2 constant α with both rows in column order: the union of the
 * columns, sat_add(mul(α, x), mul(ONE - α, b)) kept when > 0. */
static uint32_t ema_const_row(i32f32 alpha, i32f32 om, ym_u16div d65535, row_src w, uint32_t i, uint32_t k,
                              v3_mem *m)
{
    uint32_t q = w.b, r = m->b_off[i];
    const uint32_t re = m->b_off[i + 1];
    for (;;) {
        int64_t x = 0;
        while (q < w.e && !w4b_value(w.mode, m->cons, w.col[q], w.val[q].bits, &x)) q++;
        const uint32_t jw = q < w.e ? w.col[q] : UINT32_MAX, jb = r < re ? m->b_col[r] : UINT32_MAX;
        if (jw == UINT32_MAX && jb == UINT32_MAX) break;
        const uint32_t j = jw < jb ? jw : jb;
        i32f32 v = i32f32_zero();
        if (jw == j) {
            v = i32f32_sat_mul(alpha, i32f32_from_bits(x));
            q++;
        }
        if (jb == j) v = i32f32_sat_add(v, i32f32_sat_mul(om, i32f32_from_bits(bond_prop(d65535, m->b_u16[r++]))));
        if (v.bits > 0) k = emit(m, k, (uint16_t)j, v.bits);
    }
    return k;
}

/* §2.10.2-2.10.4 for a row stored out of column order: its weights for bonds
 * in stored order through the general primitives (the chain's merge-scan and
 * dense accumulators). */
static yuma_status ema_row_general(const ym3_sigmoid *sg, bool liquid, i32f32 alpha_bma, ym_u16div d65535,
                                   row_src w, uint32_t i, uint32_t n, uint32_t *k, v3_mem *m, yuma_arena *arena)
{
    uint32_t len = 0;
    for (uint32_t q = w.b; q < w.e; q++) {
        int64_t x;
        if (!w4b_value(w.mode, m->cons, w.col[q], w.val[q].bits, &x)) continue;
        m->rcol[len] = w.col[q];
        m->rval[len++].bits = x;
    }
    const uint32_t bb = m->b_off[i], blen = m->b_off[i + 1] - bb;
    for (uint32_t q = 0; q < blen; q++) m->brow[q].bits = bond_prop(d65535, m->b_u16[bb + q]);
    uint32_t wo[2] = {0, len}, bo[2] = {0, blen}, eo[2];
    const ym_sparse wr = {1, wo, m->rcol, m->rval}, br = {1, bo, m->b_col + bb, m->brow};
    ym_sparse er = {1, eo, m->e.col + *k, m->e.val + *k};
    const size_t mark = arena->used;
    i32f32 *al = ym_alloc(arena, (size_t)(len ? len : 1) * sizeof *al);
    bool ok = al != NULL;
    if (liquid)
        ok = ok && ym3_alpha_values_sparse(sg, &wr, &br, m->cons, n, al, arena) &&
             ym3_mat_ema_alpha_sparse(&wr, &br, al, n, &er, arena);
    else
        ok = ok && ym_mat_ema_sparse(&wr, &br, alpha_bma, n, &er, arena);
    arena->used = mark;
    if (!ok) return YUMA_ENOMEM;
    for (uint32_t q = 0; q < eo[1]; q++) (void)emit(m, *k + q, er.col[q], er.val[q].bits);
    *k += eo[1];
    return YUMA_OK;
}

/* §2.6 (clipping, VT, R) and §2.7-2.10.4 (weights for bonds, EMA) in one
 * pass over the rows. */
static yuma_status ema_pass(const yuma_params *p, uint32_t n, int mode, bool liquid, i32f32 alpha_bma, v3_mem *m,
                            yuma_arena *arena)
{
    const ym3_sigmoid sg = ym3_sigmoid_make(p->alpha_low, p->alpha_high, p->alpha_sigmoid_steepness,
                                            p->yuma3_sigmoid_clamp);
    const i32f32 om = i32f32_sat_sub(i32f32_one(), alpha_bma);
    const ym_u16div d65535 = ym_u16div_make(UINT16_MAX);
    for (uint32_t j = 0; j < n; j++) {
        m->colsum[j] = i32f32_zero();
        m->rank[j] = i32f32_zero();
    }
    for (size_t s = 0; s < ((size_t)1 << m->memo_bits); s++) m->memo[s].d = -1;
    uint32_t k = 0;
    m->e.off[0] = 0;
    for (uint32_t i = 0; i < n; i++) {
        /* W̄ = min(w, C_j) (a dropped entry adds 0), VT_i, R_j */
        const int64_t ai = m->a[i].bits;
        int64_t vt = 0;
        for (uint32_t q = m->w.off[i]; q < m->w.off[i + 1]; q++) {
            const uint16_t j = m->w.col[q];
            const int64_t c = m->cons[j].bits, w = m->w.val[q].bits < c ? m->w.val[q].bits : c;
            vt += w;
            if (ai > 0) m->rank[j].bits += ym_mul_pos(ai, w);
        }
        m->vt[i].bits = vt;
        /* the weights-for-bonds row */
        row_src src = {m->w.col, m->w.val, m->w.off[i], m->w.off[i + 1], mode};
        bool in_order = !m->w_unsorted[i];
        if (mode == W4B_INTERPOLATED) {
            src = (row_src){m->x4.col, m->x4.val, m->x4.off[i], m->x4.off[i + 1], W4B_WEIGHTS};
            in_order = true;
        } else if (!in_order) {
            src.col = m->wst.col; /* the stored order */
            src.val = m->wst.val;
        }
        if (in_order && !m->b_unsorted[i]) {
            k = liquid ? ema_alpha_row(&sg, d65535, src, i, k, m) : ema_const_row(alpha_bma, om, d65535, src, i, k, m);
        } else {
            const yuma_status st = ema_row_general(&sg, liquid, alpha_bma, d65535, src, i, n, &k, m, arena);
            if (st != YUMA_OK) return st;
        }
        m->e.off[i + 1] = k;
    }
    return YUMA_OK;
}

/* §2.10.5: t_i = Σ_j mul(B'_ij / colsum_j, I_j), D_i = checked_mul(t_i, a_i). */
static void dividends_pass(uint32_t n, v3_mem *m)
{
    for (uint32_t i = 0; i < n; i++) {
        int64_t t = 0;
        for (uint32_t q = m->e.off[i]; q < m->e.off[i + 1]; q++) {
            const uint16_t j = m->e.col[q];
            const int64_t nq = ym_div_le(m->e.val[q].bits, m->colsum[j].bits); /* 0 < v <= colsum */
            t += ym_mul_pos(nq, m->inc[j].bits);
        }
        if (i32f32_checked_mul(i32f32_from_bits(t), m->a[i], &m->div[i]) != FX_OK) m->div[i] = i32f32_zero();
    }
}

/* The column sums above add values in (0, ONE] only when α is a proportion;
 * a constant α outside [0, ONE] takes the chain's saturating operations. */
static void dividends_general(uint32_t n, v3_mem *m)
{
    for (uint32_t j = 0; j < n; j++) m->colsum[j] = i32f32_zero();
    for (size_t q = 0; q < ym_nnz(&m->e); q++)
        m->colsum[m->e.col[q]] = i32f32_sat_add(m->colsum[m->e.col[q]], m->e.val[q]);
    for (uint32_t i = 0; i < n; i++) {
        i32f32 t = i32f32_zero();
        for (uint32_t q = m->e.off[i]; q < m->e.off[i + 1]; q++) {
            const uint16_t j = m->e.col[q];
            const i32f32 nq = m->colsum[j].bits ? i32f32_safe_div(m->e.val[q], m->colsum[j]) : m->e.val[q];
            const i32f32 pq = i32f32_sat_mul(nq, m->inc[j]);
            if (pq.bits) t = i32f32_wrap_add(t, pq);
        }
        if (i32f32_checked_mul(t, m->a[i], &m->div[i]) != FX_OK) m->div[i] = i32f32_zero();
    }
}

/* ---- the epoch ---------------------------------------------------------- */

yuma_status yuma_epoch_v3(const yuma_params *p, const yuma_input *in, yuma_output *out, yuma_arena *arena)
{
    if (!p || !in || !out || !arena || p->version != YUMA_V3) return YUMA_EINPUT;
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
    arena->used = 0;
    if (!arena->base || yuma_v3_arena_need(n, nnz_w, nnz_b) > arena->cap) return YUMA_ENOMEM;
    v3_mem m;
    carver c = {arena, 0, false};
    plan(&c, n, nnz_w, nnz_b, out, &m);
    if (c.failed) return YUMA_ENOMEM;
    m.wst.off = m.w.off;

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

    /* 2.5 weights, 2.6 consensus */
    yuma_status st = weights_pass(p, in, &m);
    if (st != YUMA_OK) return st;
    if (!ym3_weighted_median_col_sorted(m.a, &m.w, n, ym3_u16_proportion(p->kappa), m.cons, arena))
        return YUMA_ENOMEM;

    /* 2.7 weights for bonds, 2.10.1 / 2.8 bonds, 2.6 clipping with 2.10.2-2.10.4 EMA */
    const i32f32 beta = ym3_u16_proportion(p->bonds_penalty);
    const int mode = beta.bits == 0 ? W4B_WEIGHTS : beta.bits == ONE ? W4B_CLIPPED : W4B_INTERPOLATED;
    if (mode == W4B_INTERPOLATED) interpolate_pass(n, beta, &m);
    const uint64_t last_tempo = in->current_block > p->tempo ? in->current_block - p->tempo : 0;
    st = bonds_pass(in, last_tempo, &m);
    if (st != YUMA_OK) return st;
    bool liquid = p->liquid_alpha_enabled && n > 0;
    if (liquid) {
        bool any = false;
        for (uint32_t j = 0; j < n && !any; j++) any = m.cons[j].bits != 0;
        liquid = any;
    }
    st = ema_pass(p, n, mode, liquid, alpha_bma, &m, arena);
    if (st != YUMA_OK) return st;
    for (uint32_t j = 0; j < n; j++) /* vecdiv: R <= P */
        m.trust[j].bits = m.pre[j].bits ? ym_div_le(m.rank[j].bits, m.pre[j].bits) : 0;
    ym_normalize(m.rank, n);
    memcpy(m.inc, m.rank, n * sizeof *m.inc);

    /* 2.10.5 dividends */
    if (liquid || (alpha_bma.bits >= 0 && alpha_bma.bits <= ONE))
        dividends_pass(n, &m);
    else
        dividends_general(n, &m);
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

    /* 2.10.6 stored bonds: B' itself as u16 proportions, in B' row order */
    uint32_t k = 0;
    out->bonds_off[0] = 0;
    for (uint32_t i = 0; i < n; i++) {
        if (out->permit_new[i]) {
            out->bonds_action[i] = YUMA_BONDS_SET;
            for (uint32_t q = m.e.off[i]; q < m.e.off[i + 1]; q++, k++) {
                const int64_t v = m.e.val[q].bits; /* > 0; <= ONE unless α is outside [0, 1] */
                out->bonds_ent[k].col = m.e.col[q];
                out->bonds_ent[k].val = v <= ONE ? (uint16_t)(((uint64_t)v * UINT16_MAX) >> 32)
                                                 : ym3_proportion_to_u16(m.e.val[q]);
            }
        } else {
            out->bonds_action[i] = in->permit_old[i] ? YUMA_BONDS_CLEAR : YUMA_BONDS_KEEP;
        }
        out->bonds_off[i + 1] = k;
    }
    return YUMA_OK;
}
