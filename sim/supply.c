/* supply.c -- the TotalIssuance trajectory, exact per block, computed in jumps.
 *
 * Invariant: every row supply_run reports is the state the per-block loop
 * supply_run_oracle reaches at that block (see supply.h for the model).
 *
 * Why the jumps are exact. Between two events the emission E and the burn
 * rate c are constant, so one block maps TI to max(TI + E − c, 0) and n blocks
 * to TI + n(E − c) (E >= c) or max(TI − n(c − E), 0) (E < c): linear,
 * monotone. Events are: a root epoch whose re-evaluation changes E, a change
 * of the burn schedule, a sample row, the horizon. A root epoch r reads
 * TI_{r−1}; E stays E as long as that read stays inside the step interval
 * [T_s, T_{s+1}) of E. Because TI is monotone, once the first root epoch of a
 * stretch reads inside, every later one does until TI leaves the interval in
 * its direction of travel — at a block computed by one division. So a stretch
 * of any number of root epochs costs O(1).
 *
 * Pinned stretches. With a constant burn c strictly between two adjacent rates
 * E_lo = E_k < c < E_hi = E_{k−1}, the issuance rises below T_k and falls
 * above it: the reads u of successive root epochs obey u ↦ u + A (u < T_k),
 * u ↦ u − B (u >= T_k) with A = P(E_hi − c), B = P(c − E_lo), P the period.
 * Once u is in [T_k − B, T_k + A) it stays there, and v = u − (T_k − B)
 * rotates: v_n = (v_0 + nA) mod (A + B), a "lo" (E_lo) root epoch being one
 * that wraps. So after n root epochs: #lo = ⌊(v_0 + nA)/(A + B)⌋, which gives
 * the minted sum, the issuance and (since either every lo run or every hi
 * run has length 1) the exact number of emission changes, all in O(1).
 *
 * No floating point; 128-bit intermediates only where a product could exceed
 * u64, every narrowing checked.
 */
#include "taosim/supply.h"

#include <csv.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "taosim/emission.h"

__extension__ typedef unsigned __int128 u128;

#define NEVER UINT64_MAX

/* ---- parameters ------------------------------------------------------------- */

void supply_params_init(supply_params *p)
{
    memset(p, 0, sizeof *p);
    p->blocks = 256 * EMISSION_BLOCKS_PER_YEAR;
    p->sample_every = EMISSION_BLOCKS_PER_DAY;
    p->period = EMISSION_ROOT_PERIOD;
    p->phase = EMISSION_ROOT_PHASE;
    p->burn.kind = SUPPLY_BURN_NONE;
}

uint64_t supply_burn_at(const supply_burn *burn, uint64_t b, uint64_t e)
{
    switch (burn->kind) {
    case SUPPLY_BURN_CONST: return burn->rao_per_block;
    case SUPPLY_BURN_SHARE: return (uint64_t)((u128)e * burn->ppm / SUPPLY_PPM);
    case SUPPLY_BURN_SCHEDULE: {
        /* last step with from_block <= b */
        size_t lo = 0, hi = burn->nsteps;
        while (lo < hi) {
            size_t mid = lo + (hi - lo) / 2;
            if (burn->steps[mid].from_block <= b) lo = mid + 1;
            else hi = mid;
        }
        return lo ? burn->steps[lo - 1].rao_per_block : 0;
    }
    case SUPPLY_BURN_NONE: break;
    }
    return 0;
}

static supply_status check_params(const supply_params *p, io_err *err)
{
    if (p->blocks > SUPPLY_MAX_BLOCKS) {
        io_errf(err, "horizon of %llu blocks is beyond the supported %llu blocks", (unsigned long long)p->blocks,
                (unsigned long long)SUPPLY_MAX_BLOCKS);
        return SUPPLY_EINVAL;
    }
    if (p->period == 0 || p->phase >= p->period) {
        io_errf(err, "re-evaluation cadence period %llu phase %llu: need period >= 1 and phase < period",
                (unsigned long long)p->period, (unsigned long long)p->phase);
        return SUPPLY_EINVAL;
    }
    const supply_burn *bu = &p->burn;
    switch (bu->kind) {
    case SUPPLY_BURN_NONE:
    case SUPPLY_BURN_CONST: break;
    case SUPPLY_BURN_SHARE:
        if (bu->ppm > SUPPLY_PPM) {
            io_errf(err, "burn share %u ppm is above 1000000 (100%%)", bu->ppm);
            return SUPPLY_EINVAL;
        }
        break;
    case SUPPLY_BURN_SCHEDULE:
        if (bu->nsteps && !bu->steps) {
            io_errf(err, "burn schedule of %zu steps without data", bu->nsteps);
            return SUPPLY_EINVAL;
        }
        for (size_t i = 1; i < bu->nsteps; i++)
            if (bu->steps[i].from_block <= bu->steps[i - 1].from_block) {
                io_errf(err, "burn schedule step %zu: from_block %llu is not after %llu", i,
                        (unsigned long long)bu->steps[i].from_block, (unsigned long long)bu->steps[i - 1].from_block);
                return SUPPLY_EINVAL;
            }
        break;
    default: io_errf(err, "unknown burn model %d", (int)bu->kind); return SUPPLY_EINVAL;
    }
    return SUPPLY_OK;
}

/* ---- the jump engine ---------------------------------------------------------- */

typedef struct eng {
    const supply_params *p;
    supply_sink sink;
    void *ctx;
    supply_result *res;
    io_err *err;
    uint64_t H;
    uint64_t T[EMISSION_ZERO_STEP + 1]; /* T_0 .. T_30 */
    /* state after block b; e = the rate in force (minted block b) */
    uint64_t b, ti, e, minted;
    size_t si; /* schedule cursor: steps with from_block <= b + 1 */
    /* pinned stretch */
    bool pinned;
    uint64_t pr0, pv0, pminted0, puntil, pchanges0;
    uint64_t pA, pB, pQ, pT, pc, ehi, elo;
} eng;

/* Upper end of the step interval of rate e (NEVER for the zero step). */
static uint64_t step_hi(const eng *g, unsigned s) { return s < EMISSION_ZERO_STEP ? g->T[s + 1] : NEVER; }

static uint64_t next_multiple(uint64_t b, uint64_t every)
{
    if (every == 0) return NEVER;
    u128 n = ((u128)b / every + 1) * every;
    return n > NEVER ? NEVER : (uint64_t)n;
}

/* First block r > b with r mod P == phase. */
static uint64_t next_root(const supply_params *p, uint64_t b)
{
    u128 r = (u128)b + 1;
    r += (p->phase + p->period - (uint64_t)(r % p->period)) % p->period;
    return r > NEVER ? NEVER : (uint64_t)r;
}

/* Burn rate for block b + 1 (the schedule cursor already points there). */
static uint64_t rate(const eng *g, uint64_t e)
{
    const supply_burn *bu = &g->p->burn;
    switch (bu->kind) {
    case SUPPLY_BURN_CONST: return bu->rao_per_block;
    case SUPPLY_BURN_SHARE: return (uint64_t)((u128)e * bu->ppm / SUPPLY_PPM);
    case SUPPLY_BURN_SCHEDULE: return g->si ? bu->steps[g->si - 1].rao_per_block : 0;
    case SUPPLY_BURN_NONE: break;
    }
    return 0;
}

/* Last block (<= H) with the burn rate of block b + 1. */
static uint64_t seg_last(eng *g)
{
    const supply_burn *bu = &g->p->burn;
    if (bu->kind != SUPPLY_BURN_SCHEDULE) return g->H;
    while (g->si < bu->nsteps && bu->steps[g->si].from_block <= g->b + 1) g->si++;
    if (g->si < bu->nsteps && bu->steps[g->si].from_block - 1 < g->H) return bu->steps[g->si].from_block - 1;
    return g->H;
}

/* TI after n blocks at rate e and burn c (no re-evaluation changes E meanwhile). */
static supply_status lin(uint64_t ti, uint64_t n, uint64_t e, uint64_t c, uint64_t *out)
{
    if (c <= e) {
        u128 x = (u128)ti + (u128)n * (e - c);
        if (x > UINT64_MAX) return SUPPLY_EOVERFLOW;
        *out = (uint64_t)x;
    } else {
        u128 dec = (u128)n * (c - e);
        *out = dec >= ti ? 0 : ti - (uint64_t)dec;
    }
    return SUPPLY_OK;
}

static supply_status add_minted(eng *g, u128 add)
{
    u128 m = (u128)g->minted + add;
    if (m > UINT64_MAX) return SUPPLY_EOVERFLOW;
    g->minted = (uint64_t)m;
    return SUPPLY_OK;
}

static void note_rate(eng *g, uint64_t b)
{
    unsigned s = emission_step_of(g->e);
    if (s > g->res->max_halvings) g->res->max_halvings = s;
    if (g->e == 0 && g->res->zero_block == NEVER) g->res->zero_block = b;
}

/* Hand the state after block g->b to the sink. */
static supply_status emit(eng *g, supply_row *row)
{
    u128 burned = (u128)g->p->issuance + g->minted - g->ti; /* conservation: TI = I0 + minted − burned */
    if (burned > UINT64_MAX) return SUPPLY_EOVERFLOW;
    row->block = g->b;
    row->issuance = g->ti;
    row->emission = g->e;
    row->halvings = emission_step_of(g->e);
    row->minted = g->minted;
    row->burned = (uint64_t)burned;
    g->res->rows++;
    if (g->sink && g->sink(g->ctx, row) != 0) return SUPPLY_ESTOPPED;
    return SUPPLY_OK;
}

static unsigned base_flags(const eng *g)
{
    unsigned f = 0;
    if (g->p->sample_every && g->b % g->p->sample_every == 0) f |= SUPPLY_ROW_SAMPLE;
    if (g->b == g->H) f |= SUPPLY_ROW_END;
    return f;
}

/* After root epoch r == g->b read u and set g->e: enter a pinned stretch if
 * the constant burn c holds the issuance at a threshold (see the top). */
static bool maybe_pin(eng *g, uint64_t u, uint64_t c, uint64_t until)
{
    const supply_params *p = g->p;
    if (p->burn.kind != SUPPLY_BURN_CONST && p->burn.kind != SUPPLY_BURN_SCHEDULE) return false;
    if (c == 0 || c >= EMISSION_DEFAULT_BLOCK) return false;
    if ((u128)until < (u128)g->b + p->period) return false; /* no further root epoch to compress */
    unsigned k = 1;
    while (k <= EMISSION_ZERO_STEP && !(emission_of_step(k) < c && c < emission_of_step(k - 1))) k++;
    if (k > EMISSION_ZERO_STEP) return false; /* c equals a rate: no alternation */
    uint64_t ehi = emission_of_step(k - 1), elo = emission_of_step(k);
    u128 A = (u128)p->period * (ehi - c), B = (u128)p->period * (c - elo);
    uint64_t T = g->T[k];
    if (A + B > UINT64_MAX / 2 || B > T) return false;
    if (T - (uint64_t)B < g->T[k - 1]) return false;            /* band must stay within the two steps */
    if (k < EMISSION_ZERO_STEP && T + A > g->T[k + 1]) return false;
    if (u < T - (uint64_t)B || (u128)u >= T + A) return false; /* not (yet) inside the band */
    g->pinned = true;
    g->pr0 = g->b;
    g->pv0 = u - (T - (uint64_t)B);
    g->pminted0 = g->minted - g->e;
    g->puntil = until;
    g->pchanges0 = g->res->changes;
    g->pA = (uint64_t)A;
    g->pB = (uint64_t)B;
    g->pQ = (uint64_t)(A + B);
    g->pT = T;
    g->pc = c;
    g->ehi = ehi;
    g->elo = elo;
    g->res->pins++;
    supply_row *lp = &g->res->last_pin;
    memset(lp, 0, sizeof *lp);
    lp->block = g->b;
    lp->flags = SUPPLY_ROW_PIN;
    lp->pin_k = k;
    lp->pin_threshold = T;
    lp->pin_lo = T - (uint64_t)B;
    lp->pin_hi = T + (uint64_t)A;
    lp->pin_until = until;
    return true;
}

/* One root-epoch block b + 1 whose re-evaluation changes E (or may pin). */
static supply_status eval_block(eng *g, uint64_t until)
{
    supply_row row;
    memset(&row, 0, sizeof row);
    uint64_t u = g->ti, prev = g->e;
    g->e = emission_for_issuance(u);
    uint64_t c = rate(g, g->e);
    supply_status st = lin(g->ti, 1, g->e, c, &g->ti);
    if (st == SUPPLY_OK) st = add_minted(g, g->e);
    if (st != SUPPLY_OK) return st;
    g->b++;
    unsigned flags = base_flags(g);
    if (g->e != prev) {
        flags |= SUPPLY_ROW_CHANGE;
        row.prev_emission = prev;
        row.read_issuance = u;
        g->res->changes++;
        note_rate(g, g->b);
    }
    if (maybe_pin(g, u, c, until) && !g->p->every_change) {
        flags |= SUPPLY_ROW_PIN;
        row.pin_k = g->res->last_pin.pin_k;
        row.pin_threshold = g->res->last_pin.pin_threshold;
        row.pin_lo = g->res->last_pin.pin_lo;
        row.pin_hi = g->res->last_pin.pin_hi;
        row.pin_until = until;
    }
    if (!flags) return SUPPLY_OK;
    row.flags = flags;
    return emit(g, &row);
}

/* v_n and the number of lo root epochs among indices 0..n−1 of the pinned stretch. */
static void pin_rot(const eng *g, uint64_t n, uint64_t *v, u128 *lo)
{
    u128 x = (u128)g->pv0 + (u128)n * g->pA;
    *lo = x / g->pQ;
    *v = (uint64_t)(x % g->pQ);
}

/* Emission changes between root epochs i and i+1 for i in [0, n) of the stretch. */
static u128 pin_changes(const eng *g, uint64_t n)
{
    if (n == 0) return 0;
    uint64_t vn;
    u128 wn; /* #lo among indices 0..n-1 */
    pin_rot(g, n, &vn, &wn);
    u128 wn1 = wn + (vn >= g->pB); /* #lo among 0..n */
    bool lo0 = g->pv0 >= g->pB;
    if (g->pA <= g->pB) /* every lo run has length 1 */
        return wn + wn1 - lo0;
    /* every hi run has length 1 */
    return ((u128)n - wn) + ((u128)n + 1 - wn1) - !lo0;
}

/* Root-epoch index (from the stretch's origin) of the next emission change after index n. */
static u128 pin_next_change(const eng *g, uint64_t n)
{
    uint64_t v;
    u128 lo;
    pin_rot(g, n, &v, &lo);
    if (v < g->pB) return (u128)n + (g->pB - v + g->pA - 1) / g->pA; /* hi: climbs by A until >= B */
    return (u128)n + v / g->pB;                                       /* lo: falls by B until < B */
}

/* Advance a pinned stretch to the next reported block, in closed form. */
static supply_status pinned_step(eng *g)
{
    const supply_params *p = g->p;
    uint64_t t = g->puntil;
    uint64_t ns = next_multiple(g->b, p->sample_every);
    if (ns < t) t = ns;
    if (p->every_change) {
        uint64_t ncur = (g->b - g->pr0) / p->period;
        u128 nc = (u128)g->pr0 + pin_next_change(g, ncur) * p->period;
        if (nc < t) t = (uint64_t)nc;
    }
    uint64_t n = (t - g->pr0) / p->period, i = (t - g->pr0) % p->period;
    uint64_t v;
    u128 lo;
    pin_rot(g, n, &v, &lo);
    uint64_t en = v < g->pB ? g->ehi : g->elo;
    uint64_t un = g->pT - g->pB + v;
    u128 minted = (u128)g->pminted0 + (u128)p->period * (((u128)n - lo) * g->ehi + lo * g->elo) + (u128)(i + 1) * en;
    if (minted > UINT64_MAX) return SUPPLY_EOVERFLOW;
    supply_status st = lin(un, i + 1, en, g->pc, &g->ti);
    if (st != SUPPLY_OK) return st;
    g->minted = (uint64_t)minted;
    g->b = t;
    g->e = en;
    g->res->changes = g->pchanges0 + (uint64_t)pin_changes(g, n);
    supply_row row;
    memset(&row, 0, sizeof row);
    unsigned flags = base_flags(g);
    if (i == 0 && n > 0) {
        uint64_t vp;
        u128 lop;
        pin_rot(g, n - 1, &vp, &lop);
        uint64_t ep = vp < g->pB ? g->ehi : g->elo;
        if (ep != en) {
            flags |= SUPPLY_ROW_CHANGE;
            row.prev_emission = ep;
            row.read_issuance = un;
        }
    }
    if (g->b == g->puntil) g->pinned = false;
    if (!flags) return SUPPLY_OK;
    row.flags = flags;
    return emit(g, &row);
}

/* The first root epoch in (b, t] whose re-evaluation changes E, else NEVER. */
static supply_status next_change_root(eng *g, uint64_t c, uint64_t t, uint64_t *rstar)
{
    const supply_params *p = g->p;
    *rstar = NEVER;
    uint64_t r0 = next_root(p, g->b);
    if (r0 > t) return SUPPLY_OK;
    unsigned s = emission_step_of(g->e);
    uint64_t L = g->T[s], U = step_hi(g, s), u0;
    supply_status st = lin(g->ti, r0 - 1 - g->b, g->e, c, &u0);
    if (st != SUPPLY_OK) return st;
    if (u0 < L || u0 >= U) {
        *rstar = r0;
        return SUPPLY_OK;
    }
    /* r0 keeps E; TI is monotone, so later root epochs keep it until TI leaves [L, U). */
    u128 j; /* first block with TI_j outside [L, U) */
    if (g->e > c) {
        if (U == NEVER) return SUPPLY_OK;
        uint64_t d = g->e - c;
        j = (u128)g->b + (U - g->ti + d - 1) / d;
    } else if (g->e < c) {
        if (L == 0) return SUPPLY_OK;
        uint64_t d = c - g->e;
        j = (u128)g->b + (g->ti - L) / d + 1;
    } else {
        return SUPPLY_OK;
    }
    if (j >= t) return SUPPLY_OK; /* the first root epoch reading TI_j is after t */
    uint64_t r = next_root(p, (uint64_t)j);
    if (r <= t) *rstar = r;
    return SUPPLY_OK;
}

static supply_status engine_loop(eng *g)
{
    const supply_params *p = g->p;
    while (g->b < g->H) {
        g->res->steps++;
        supply_status st;
        if (g->pinned) {
            st = pinned_step(g);
            if (st != SUPPLY_OK) return st;
            continue;
        }
        uint64_t last = seg_last(g);
        uint64_t c = rate(g, g->e);
        uint64_t t = last, ns = next_multiple(g->b, p->sample_every), rstar;
        if (ns < t) t = ns;
        st = next_change_root(g, c, t, &rstar);
        if (st != SUPPLY_OK) return st;
        if (rstar == g->b + 1) {
            st = eval_block(g, last);
            if (st != SUPPLY_OK) return st;
            continue;
        }
        if (rstar != NEVER && rstar - 1 < t) t = rstar - 1;
        uint64_t n = t - g->b;
        st = lin(g->ti, n, g->e, c, &g->ti);
        if (st == SUPPLY_OK) st = add_minted(g, (u128)n * g->e);
        if (st != SUPPLY_OK) return st;
        g->b = t;
        unsigned flags = base_flags(g);
        if (flags) {
            supply_row row;
            memset(&row, 0, sizeof row);
            row.flags = flags;
            st = emit(g, &row);
            if (st != SUPPLY_OK) return st;
        }
    }
    return SUPPLY_OK;
}

static void result_init(supply_result *res, const supply_params *p)
{
    memset(res, 0, sizeof *res);
    res->blocks = p->blocks;
    res->zero_block = NEVER;
}

static supply_status finish(supply_status st, io_err *err, const char *who)
{
    if (st == SUPPLY_EOVERFLOW)
        io_errf(err, "%s: the issuance, or RAO minted or burned so far, would exceed 2^64 - 1 (start issuance too large)",
                who);
    if (st == SUPPLY_ESTOPPED && err->msg[0] == '\0') io_errf(err, "%s: stopped by the caller", who);
    return st;
}

supply_status supply_run(const supply_params *p, supply_sink sink, void *ctx, supply_result *res, io_err *err)
{
    supply_result local;
    if (!res) res = &local;
    result_init(res, p);
    err->msg[0] = '\0';
    supply_status st = check_params(p, err);
    if (st != SUPPLY_OK) return st;
    eng g;
    memset(&g, 0, sizeof g);
    g.p = p;
    g.sink = sink;
    g.ctx = ctx;
    g.res = res;
    g.err = err;
    g.H = p->blocks;
    for (unsigned k = 0; k <= EMISSION_ZERO_STEP; k++) g.T[k] = emission_threshold(k);
    g.ti = p->issuance;
    g.e = emission_for_issuance(p->issuance);
    note_rate(&g, 0);
    supply_row row;
    memset(&row, 0, sizeof row);
    row.flags = SUPPLY_ROW_START | base_flags(&g);
    st = emit(&g, &row);
    if (st == SUPPLY_OK) st = engine_loop(&g);
    if (st != SUPPLY_OK) return finish(st, err, "run");
    res->issuance = g.ti;
    res->emission = g.e;
    res->halvings = emission_step_of(g.e);
    res->minted = g.minted;
    res->burned = (uint64_t)((u128)p->issuance + g.minted - g.ti);
    return SUPPLY_OK;
}

/* ---- the per-block oracle ------------------------------------------------------ */

supply_status supply_run_oracle(const supply_params *p, supply_sink sink, void *ctx, supply_result *res,
                                io_err *err)
{
    supply_result local;
    if (!res) res = &local;
    result_init(res, p);
    err->msg[0] = '\0';
    supply_status st = check_params(p, err);
    if (st != SUPPLY_OK) return st;
    emission_ledger L = {p->issuance, 0, 0};
    uint64_t e = emission_for_issuance(L.issuance);
    if (e == 0) res->zero_block = 0;
    res->max_halvings = emission_step_of(e);
    const supply_burn *bu = &p->burn;
    size_t si = 0;
    supply_row row;
    memset(&row, 0, sizeof row);
    for (uint64_t b = 0;; b++) {
        unsigned flags = 0;
        if (b == 0) {
            flags = SUPPLY_ROW_START;
        } else {
            if (b % p->period == p->phase) {
                uint64_t ne = emission_for_issuance(L.issuance);
                if (ne != e) {
                    flags |= SUPPLY_ROW_CHANGE;
                    row.prev_emission = e;
                    row.read_issuance = L.issuance;
                    res->changes++;
                    unsigned s = emission_step_of(ne);
                    if (s > res->max_halvings) res->max_halvings = s;
                    if (ne == 0 && res->zero_block == NEVER) res->zero_block = b;
                }
                e = ne;
            }
            uint64_t burn;
            switch (bu->kind) {
            case SUPPLY_BURN_CONST: burn = bu->rao_per_block; break;
            case SUPPLY_BURN_SHARE: burn = (uint64_t)((u128)e * bu->ppm / SUPPLY_PPM); break;
            case SUPPLY_BURN_SCHEDULE:
                while (si < bu->nsteps && bu->steps[si].from_block <= b) si++;
                burn = si ? bu->steps[si - 1].rao_per_block : 0;
                break;
            default: burn = 0; break;
            }
            emission_status es = emission_ledger_mint(&L, e);
            if (es == EMISSION_OK) emission_ledger_burn_clamped(&L, burn, &es);
            if (es != EMISSION_OK) return finish(SUPPLY_EOVERFLOW, err, "oracle run");
        }
        if (p->sample_every && b % p->sample_every == 0) flags |= SUPPLY_ROW_SAMPLE;
        if (b == p->blocks) flags |= SUPPLY_ROW_END;
        if (flags) {
            row.block = b;
            row.flags = flags;
            row.issuance = L.issuance;
            row.emission = e;
            row.halvings = emission_step_of(e);
            row.minted = L.minted;
            row.burned = L.burned;
            res->rows++;
            if (sink && sink(ctx, &row) != 0) return finish(SUPPLY_ESTOPPED, err, "oracle run");
            row.prev_emission = row.read_issuance = 0;
        }
        res->steps++;
        if (b == p->blocks) break;
    }
    res->issuance = L.issuance;
    res->emission = e;
    res->halvings = emission_step_of(e);
    res->minted = L.minted;
    res->burned = L.burned;
    return SUPPLY_OK;
}

/* ---- burn schedule CSV ------------------------------------------------------------ */

#define BURN_HEADER "from_block,rao_per_block"

typedef struct burn_reader {
    const char *path;
    io_err *err;
    supply_status st;
    size_t line, row_line;
    size_t nfields;
    char f[2][32];
    bool toolong[2], nul, header_done;
    supply_burn_step *steps;
    size_t n, cap;
} burn_reader;

__attribute__((format(printf, 3, 4))) static void burn_fail(burn_reader *r, size_t line, const char *fmt, ...)
{
    if (r->st != SUPPLY_OK) return;
    char msg[768];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    io_errf(r->err, "%s:%zu: %s", r->path, line, msg);
    r->st = SUPPLY_EINPUT;
}

static void burn_field(void *data, size_t len, void *ctx)
{
    burn_reader *r = ctx;
    if (r->st != SUPPLY_OK) return;
    if (r->nfields == 0) {
        r->row_line = r->line;
        r->nul = false;
        r->toolong[0] = r->toolong[1] = false;
    }
    if (r->nfields < 2) {
        size_t k = r->nfields;
        if (len >= sizeof r->f[k]) {
            r->toolong[k] = true;
            len = sizeof r->f[k] - 1;
        }
        memcpy(r->f[k], data, len);
        r->f[k][len] = '\0';
        if (len && memchr(data, '\0', len)) r->nul = true;
    }
    r->nfields++;
}

static bool parse_u64_field(const char *s, bool toolong, uint64_t *out)
{
    if (toolong || !*s) return false;
    u128 v = 0;
    for (const char *q = s; *q; q++) {
        if (*q < '0' || *q > '9') return false;
        v = v * 10 + (unsigned)(*q - '0');
        if (v > UINT64_MAX) return false;
    }
    *out = (uint64_t)v;
    return true;
}

static void burn_row(int term, void *ctx)
{
    (void)term;
    burn_reader *r = ctx;
    size_t nf = r->nfields;
    r->nfields = 0;
    if (r->st != SUPPLY_OK || nf == 0) return;
    if (r->f[0][0] == '#') return; /* comment row */
    if (!r->header_done) {
        if (nf != 2 || strcmp(r->f[0], "from_block") != 0 || strcmp(r->f[1], "rao_per_block") != 0) {
            burn_fail(r, r->row_line, "the first row must be the header '" BURN_HEADER "'");
            return;
        }
        r->header_done = true;
        return;
    }
    if (nf != 2) {
        burn_fail(r, r->row_line, "expected 2 columns (" BURN_HEADER "), found %zu", nf);
        return;
    }
    if (r->nul) {
        burn_fail(r, r->row_line, "a field contains a NUL byte");
        return;
    }
    static const char *const names[2] = {"from_block", "rao_per_block"};
    uint64_t v[2];
    for (int k = 0; k < 2; k++)
        if (!parse_u64_field(r->f[k], r->toolong[k], &v[k])) {
            burn_fail(r, r->row_line, "%s '%.24s%s' is not an unsigned integer (expected 0..18446744073709551615)",
                      names[k], r->f[k], r->toolong[k] ? "..." : "");
            return;
        }
    if (r->n && v[0] <= r->steps[r->n - 1].from_block) {
        burn_fail(r, r->row_line,
                  "from_block %llu is not after the previous row's %llu (from_block must strictly increase)",
                  (unsigned long long)v[0], (unsigned long long)r->steps[r->n - 1].from_block);
        return;
    }
    if (r->n == r->cap) {
        size_t nc = r->cap ? 2 * r->cap : 64;
        supply_burn_step *q = realloc(r->steps, nc * sizeof *q);
        if (!q) {
            io_errf(r->err, "%s:%zu: out of memory", r->path, r->row_line);
            r->st = SUPPLY_EFAIL;
            return;
        }
        r->steps = q;
        r->cap = nc;
    }
    r->steps[r->n].from_block = v[0];
    r->steps[r->n].rao_per_block = v[1];
    r->n++;
}

supply_status supply_burn_csv_read(const char *path, supply_burn_step **steps, size_t *n, uint64_t *hash,
                                   io_err *err)
{
    *steps = NULL;
    *n = 0;
    FILE *in = fopen(path, "rb");
    if (!in) {
        io_errf(err, "%s: cannot read: %s", path, strerror(errno));
        return SUPPLY_EINPUT;
    }
    burn_reader r;
    memset(&r, 0, sizeof r);
    r.path = path;
    r.err = err;
    struct csv_parser p;
    if (csv_init(&p, CSV_STRICT | CSV_STRICT_FINI | CSV_APPEND_NULL) != 0) {
        fclose(in);
        io_errf(err, "%s: out of memory", path);
        return SUPPLY_EFAIL;
    }
    uint64_t h = IO_FNV_INIT;
    char *line = NULL;
    size_t cap = 0;
    ssize_t len;
    /* One line at a time, each a complete CSV row (the fields are integers, so
     * a quoted field never spans lines): a '#' line is a comment, csv_fini
     * after each line flushes its row and rejects an unterminated quote. */
    while (r.st == SUPPLY_OK && (len = getline(&line, &cap, in)) != -1) {
        r.line++;
        h = io_fnv1a64(line, (size_t)len, h);
        size_t lead = strspn(line, " \t");
        if (line[lead] == '#') continue;
        if (csv_parse(&p, line, (size_t)len, burn_field, burn_row, &r) != (size_t)len)
            burn_fail(&r, r.line, "CSV syntax error (%s)", csv_strerror(csv_error(&p)));
        else if (csv_fini(&p, burn_field, burn_row, &r) != 0)
            burn_fail(&r, r.line, "unterminated quoted field");
    }
    free(line);
    if (r.st == SUPPLY_OK && ferror(in)) {
        io_errf(err, "%s: read error", path);
        r.st = SUPPLY_EFAIL;
    }
    if (r.st == SUPPLY_OK && !r.header_done)
        burn_fail(&r, r.line ? r.line : 1, "no header: expected the first row '" BURN_HEADER "'");
    if (r.st == SUPPLY_OK && r.n == 0)
        burn_fail(&r, r.line, "no schedule rows after the header (expected at least one '" BURN_HEADER "' row)");
    csv_free(&p);
    fclose(in);
    if (r.st != SUPPLY_OK) {
        free(r.steps);
        return r.st;
    }
    *steps = r.steps;
    *n = r.n;
    if (hash) *hash = h;
    return SUPPLY_OK;
}

/* ---- reporting helpers ---------------------------------------------------------- */

int supply_format_year(uint64_t block, char *buf, size_t n)
{
    uint64_t y = block / EMISSION_BLOCKS_PER_YEAR;
    uint64_t f = (uint64_t)((u128)(block % EMISSION_BLOCKS_PER_YEAR) * 1000000u / EMISSION_BLOCKS_PER_YEAR);
    return snprintf(buf, n, "%llu.%06llu", (unsigned long long)y, (unsigned long long)f);
}

/* Howard Hinnant's days_from_civil / civil_from_days (proleptic Gregorian). */
static int64_t days_from_civil(int64_t y, unsigned m, unsigned d)
{
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    unsigned yoe = (unsigned)(y - era * 400);
    unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + (int64_t)doe - 719468;
}

static void civil_from_days(int64_t z, int64_t *y, unsigned *m, unsigned *d)
{
    z += 719468;
    int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    unsigned doe = (unsigned)(z - era * 146097);
    unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int64_t yy = (int64_t)yoe + era * 400;
    unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    unsigned mp = (5 * doy + 2) / 153;
    *d = doy - (153 * mp + 2) / 5 + 1;
    *m = mp < 10 ? mp + 3 : mp - 9;
    *y = yy + (*m <= 2);
}

int supply_parse_date(const char *s, int64_t *days)
{
    if (!s || strlen(s) != 10 || s[4] != '-' || s[7] != '-') return -1;
    for (int i = 0; i < 10; i++)
        if (i != 4 && i != 7 && (s[i] < '0' || s[i] > '9')) return -1;
    int y = (s[0] - '0') * 1000 + (s[1] - '0') * 100 + (s[2] - '0') * 10 + (s[3] - '0');
    unsigned m = (unsigned)((s[5] - '0') * 10 + (s[6] - '0'));
    unsigned d = (unsigned)((s[8] - '0') * 10 + (s[9] - '0'));
    if (y < 1 || m < 1 || m > 12 || d < 1) return -1;
    static const unsigned mdays[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    unsigned maxd = mdays[m - 1] + (m == 2 && leap);
    if (d > maxd) return -1;
    *days = days_from_civil(y, m, d);
    return 0;
}

int supply_format_date(int64_t days0, uint64_t block, char *buf, size_t n)
{
    int64_t y;
    unsigned m, d;
    civil_from_days(days0 + (int64_t)(block / EMISSION_BLOCKS_PER_DAY), &y, &m, &d);
    return snprintf(buf, n, "%04lld-%02u-%02u", (long long)y, m, d);
}

int supply_format_tao(uint64_t rao, char *buf, size_t n)
{
    return snprintf(buf, n, "%llu.%09llu", (unsigned long long)(rao / 1000000000u),
                    (unsigned long long)(rao % 1000000000u));
}
