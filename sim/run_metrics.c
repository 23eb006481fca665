/* run_metrics.c -- what each population gets (run_int.h): shares of stake
 * and of emission (incentive and dividends separately), return on stake,
 * retention (emission share / stake share), the honest miners' emission for
 * the no-attack twin, and how long bonds take to settle.
 *
 * Everything is accumulated in RAO (u64, per agent and per population) from
 * the chain's own epoch outputs (server_emission, validator_emission); the
 * ratios are computed only when a row is written (doubles: reporting only).
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "run_int.h"
#include "taosim/chain.h"

#define NONE CHAIN_NONE
#define BLOCKS_PER_YEAR 2629800.0
#define SETTLED 0.01 /* bonds have settled when an epoch moves them by less than 1% (L1, relative) */

/* The stored bond matrix of a subnet after its last epoch, as CSR rows
 * (entries in column order), double-buffered: the comparison with the new
 * bonds writes the next snapshot, then the two swap. */
typedef struct bond_csr {
    uint32_t n, len, cap, offcap;
    uint32_t *off;   /* n + 1 */
    yuma_entry *ent; /* the chain's own layout: an unchanged row compares in one tight loop */
} bond_csr;

typedef struct bond_snap {
    bond_csr cur, next;
    uint64_t last_move;   /* block of the last epoch that moved the bonds by >= SETTLED */
    bool moved_since_ref; /* such an epoch happened after the reference block */
} bond_snap;

struct run_metrics {
    const run_plan *plan;
    const agent_world *w;
    uint32_t n, npops;
    uint64_t *inc, *div;         /* per agent, RAO since block 0 */
    uint64_t iv_inc[AGENT_MAX_POPS], iv_div[AGENT_MAX_POPS]; /* per population since the last sample */
    double stake_share_sum[AGENT_MAX_POPS];                  /* Σ over samples of the stake share */
    unsigned __int128 stake_sum[AGENT_MAX_POPS];             /* Σ over samples of the stake, RAO */
    uint64_t samples;
    uint64_t ref_block;          /* the last scenario event (bonds settle after it) */
    bond_snap *bonds;            /* per netuid, allocated on first use */
    uint32_t nbonds;
    uint32_t *pop_of;            /* per agent: its population (fixed) */
    yuma_entry *row_buf;         /* a row sorted by column when the chain's is not */
    uint32_t row_cap;
};

run_metrics *rm_new(const run_plan *plan, const agent_world *w)
{
    run_metrics *m = calloc(1, sizeof *m);
    if (!m) return NULL;
    m->plan = plan;
    m->w = w;
    m->n = agent_count(w);
    m->npops = plan->agents.npops;
    m->inc = calloc(m->n + 1, sizeof *m->inc);
    m->div = calloc(m->n + 1, sizeof *m->div);
    m->pop_of = calloc(m->n + 1, sizeof *m->pop_of);
    if (!m->inc || !m->div || !m->pop_of) {
        rm_free(m);
        return NULL;
    }
    for (uint32_t a = 0; a < m->n; a++) {
        agent_view v;
        agent_get(w, a, &v);
        m->pop_of[a] = v.pop;
    }
    return m;
}

void rm_free(run_metrics *m)
{
    if (!m) return;
    for (uint32_t i = 0; i < m->nbonds; i++) {
        bond_csr *c[2] = {&m->bonds[i].cur, &m->bonds[i].next};
        for (int k = 0; k < 2; k++) {
            free(c[k]->off);
            free(c[k]->ent);
        }
    }
    free(m->bonds);
    free(m->pop_of);
    free(m->row_buf);
    free(m->inc);
    free(m->div);
    free(m);
}

void rm_event(run_metrics *m, uint64_t block)
{
    m->ref_block = block;
    for (uint32_t i = 0; i < m->nbonds; i++) m->bonds[i].moved_since_ref = false;
}

static int cmp_col(const void *a, const void *b)
{
    uint16_t x = ((const yuma_entry *)a)->col, y = ((const yuma_entry *)b)->col;
    return x < y ? -1 : x > y;
}

static int csr_reserve(bond_csr *c, uint32_t n, uint32_t nnz)
{
    if (n + 1 > c->offcap) {
        uint32_t *o = realloc(c->off, ((size_t)n + 1) * sizeof *o);
        if (!o) return -1;
        c->off = o;
        c->offcap = n + 1;
    }
    if (nnz > c->cap) {
        yuma_entry *e = realloc(c->ent, (size_t)nnz * sizeof *e);
        if (!e) return -1;
        c->ent = e;
        c->cap = nnz;
    }
    return 0;
}

/* Compare the subnet's bonds with those after its previous epoch, row by
 * row (both in column order), writing the new snapshot as it goes. */
static int bonds_epoch(run_metrics *m, const chain_subnet *s, uint64_t block)
{
    if (s->netuid >= m->nbonds) {
        uint32_t nn = m->nbonds ? m->nbonds : 16;
        while (nn <= s->netuid) nn *= 2;
        bond_snap *b = realloc(m->bonds, (size_t)nn * sizeof *b);
        if (!b) return -1;
        memset(b + m->nbonds, 0, (size_t)(nn - m->nbonds) * sizeof *b);
        m->bonds = b;
        m->nbonds = nn;
    }
    bond_snap *bs = &m->bonds[s->netuid];
    bond_csr *old = &bs->cur, *nw = &bs->next;
    uint32_t nnz = 0;
    for (uint32_t i = 0; i < s->n; i++) nnz += s->bonds[i].len;
    if (csr_reserve(nw, s->n, nnz)) return -1;
    uint64_t diff = 0, mass = 0;
    uint32_t at = 0;
    for (uint32_t i = 0; i < s->n; i++) {
        const yuma_entry *e = s->bonds[i].ent;
        uint32_t len = s->bonds[i].len;
        for (uint32_t q = 1; q < len; q++)
            if (e[q].col <= e[q - 1].col) { /* rows the epoch writes are sorted; a loaded one may not be */
                if (len > m->row_cap) {
                    yuma_entry *rb = realloc(m->row_buf, (size_t)len * sizeof *rb);
                    if (!rb) return -1;
                    m->row_buf = rb;
                    m->row_cap = len;
                }
                memcpy(m->row_buf, e, (size_t)len * sizeof *e);
                qsort(m->row_buf, len, sizeof *e, cmp_col);
                e = m->row_buf;
                break;
            }
        nw->off[i] = at;
        uint32_t p = i < old->n ? old->off[i] : 0, pe = i < old->n ? old->off[i + 1] : 0;
        const yuma_entry *o = old->ent + p;
        if (pe - p == len) { /* the usual case: the same columns, new values */
            uint32_t mism = 0;
            uint64_t d = 0, ms = 0;
            for (uint32_t q = 0; q < len; q++) {
                mism |= (uint32_t)(e[q].col ^ o[q].col);
                d += (uint64_t)(e[q].val > o[q].val ? e[q].val - o[q].val : o[q].val - e[q].val);
                ms += e[q].val;
            }
            if (!mism) {
                diff += d;
                mass += ms;
                if (len) memcpy(nw->ent + at, e, (size_t)len * sizeof *e); /* an empty row may have no buffer */
                at += len;
                continue;
            }
        }
        uint32_t q = 0;
        while (p < pe || q < len) { /* columns differ: merge */
            if (q == len || (p < pe && old->ent[p].col < e[q].col)) {
                diff += old->ent[p++].val;
                continue;
            }
            uint16_t v = e[q].val;
            if (p < pe && old->ent[p].col == e[q].col) {
                diff += old->ent[p].val > v ? old->ent[p].val - v : v - old->ent[p].val;
                p++;
            } else {
                diff += v;
            }
            mass += v;
            nw->ent[at++] = e[q++];
        }
    }
    nw->off[s->n] = at;
    nw->n = s->n;
    nw->len = at;
    if ((diff || mass) && (double)diff >= SETTLED * (double)(mass ? mass : 1)) {
        bs->last_move = block;
        bs->moved_since_ref = block > m->ref_block;
    }
    bond_csr t = *old; /* swap: the new snapshot becomes the current one */
    *old = *nw;
    *nw = t;
    return 0;
}

static uint64_t hotkey_stake(const chain *c, uint32_t hotkey)
{
    chain_hotkey_view v;
    return hotkey != NONE && chain_hotkey_get(c, hotkey, &v) == CHAIN_OK ? v.stake : 0;
}

static double ratio(double a, double b) { return b > 0 ? a / b : NAN; }

/* One populations.csv row. */
static void pop_row(trace_table *t, uint64_t block, int netuid, const agent_pop *p, uint64_t stake, double stake_share,
                    uint64_t inc, uint64_t div, double inc_share, double div_share, double em_share)
{
    trace_u64(t, block);
    trace_opt_u64(t, netuid >= 0, (uint64_t)netuid);
    trace_text(t, p->name);
    trace_text(t, agent_behaviour_name(p->behaviour));
    trace_u64(t, stake);
    trace_ratio(t, stake_share);
    trace_u64(t, inc);
    trace_u64(t, div);
    trace_ratio(t, inc_share);
    trace_ratio(t, div_share);
    trace_ratio(t, em_share);
    trace_ratio(t, ratio(em_share, stake_share));
    trace_end(t);
}

int rm_on_epoch(run_metrics *m, const chain *c, const chain_subnet *s, uint64_t block, trace_table *rows)
{
    (void)c;
    uint64_t p_inc[AGENT_MAX_POPS] = {0}, p_div[AGENT_MAX_POPS] = {0}, p_stake[AGENT_MAX_POPS] = {0};
    uint64_t t_inc = 0, t_div = 0, t_stake = 0;
    for (uint32_t uid = 0; uid < s->n; uid++) {
        uint64_t inc = s->server_emission[uid], div = s->validator_emission[uid];
        t_inc += inc;
        t_div += div;
        t_stake += s->epoch_stake[uid];
        uint32_t a = agent_of_hotkey(m->w, s->hotkey[uid]);
        if (a == NONE) continue;
        m->inc[a] += inc;
        m->div[a] += div;
        uint32_t pop = m->pop_of[a];
        m->iv_inc[pop] += inc;
        m->iv_div[pop] += div;
        p_inc[pop] += inc;
        p_div[pop] += div;
        p_stake[pop] += s->epoch_stake[uid];
    }
    if (rows)
        for (uint32_t p = 0; p < m->npops; p++) {
            const agent_pop *pp = &m->plan->agents.pops[p];
            if (agent_pop_size(pp) == 0) continue;
            pop_row(rows, block, s->netuid, pp, p_stake[p], ratio((double)p_stake[p], (double)t_stake), p_inc[p],
                    p_div[p], ratio((double)p_inc[p], (double)t_inc), ratio((double)p_div[p], (double)t_div),
                    ratio((double)(p_inc[p] + p_div[p]), (double)(t_inc + t_div)));
        }
    return m->plan->bonds_settle ? bonds_epoch(m, s, block) : 0;
}

void rm_sample(run_metrics *m, const chain *c, uint64_t block, trace_table *rows)
{
    uint64_t p_stake[AGENT_MAX_POPS] = {0}, t_stake = 0;
    for (uint32_t a = 0; a < m->n; a++) {
        agent_view v;
        agent_get(m->w, a, &v);
        uint64_t st = hotkey_stake(c, v.hotkey);
        p_stake[v.pop] += st;
        t_stake += st;
    }
    uint64_t t_inc = 0, t_div = 0;
    for (uint32_t p = 0; p < m->npops; p++) {
        t_inc += m->iv_inc[p];
        t_div += m->iv_div[p];
    }
    for (uint32_t p = 0; p < m->npops; p++) {
        const agent_pop *pp = &m->plan->agents.pops[p];
        double share = ratio((double)p_stake[p], (double)t_stake);
        if (!isnan(share)) m->stake_share_sum[p] += share;
        m->stake_sum[p] += p_stake[p];
        if (rows && agent_pop_size(pp) > 0)
            pop_row(rows, block, -1, pp, p_stake[p], share, m->iv_inc[p], m->iv_div[p],
                    ratio((double)m->iv_inc[p], (double)t_inc), ratio((double)m->iv_div[p], (double)t_div),
                    ratio((double)(m->iv_inc[p] + m->iv_div[p]), (double)(t_inc + t_div)));
        m->iv_inc[p] = m->iv_div[p] = 0;
    }
    m->samples++;
}

uint64_t rm_honest_miner_emission(const run_metrics *m)
{
    uint64_t e = 0;
    for (uint32_t a = 0; a < m->n; a++) {
        agent_view v;
        agent_get(m->w, a, &v);
        if (v.role == AGENT_MINER && v.behaviour == AGENT_HONEST) e += m->inc[a] + m->div[a];
    }
    return e;
}

uint64_t rm_emission_of(const run_metrics *m, uint32_t agent) { return m->inc[agent] + m->div[agent]; }

uint64_t rm_bonds_settle_blocks(const run_metrics *m, uint64_t horizon)
{
    uint64_t last = 0;
    bool any = false;
    for (uint32_t i = 0; i < m->nbonds; i++)
        if (m->bonds[i].moved_since_ref) {
            any = true;
            if (m->bonds[i].last_move > last) last = m->bonds[i].last_move;
        }
    (void)horizon;
    return any ? last - m->ref_block : 0;
}

/* Emission per staked RAO, annualised: (incentive + dividends) / mean stake
 * over the samples, times years per run. NaN without stake. */
static double rm_pop_return(const run_metrics *m, uint32_t p, uint64_t blocks)
{
    uint64_t e = 0;
    for (uint32_t a = 0; a < m->n; a++) {
        agent_view v;
        agent_get(m->w, a, &v);
        if (v.pop == p) e += m->inc[a] + m->div[a];
    }
    if (!m->samples || !blocks) return NAN;
    double mean = (double)m->stake_sum[p] / (double)m->samples;
    return ratio((double)e, mean) * BLOCKS_PER_YEAR / (double)blocks;
}

/* The per-population columns of summary.csv. */
void rm_summary_header(const run_plan *plan, char *buf, size_t cap)
{
    size_t at = 0;
    for (uint32_t p = 0; p < plan->agents.npops && at < cap; p++) {
        const char *n = plan->agents.pops[p].name;
        int w = snprintf(buf + at, cap - at,
                         ",%s.stake_share,%s.incentive_share,%s.dividend_share,%s.emission_share,%s.return_per_year,"
                         "%s.retention,%s.emission_rao,%s.burned_rao",
                         n, n, n, n, n, n, n, n);
        if (w < 0) break;
        at += (size_t)w;
    }
}

void rm_summary_fields(const run_metrics *m, const chain *c, uint64_t blocks, trace_table *t)
{
    (void)c;
    uint64_t p_inc[AGENT_MAX_POPS] = {0}, p_div[AGENT_MAX_POPS] = {0}, p_burn[AGENT_MAX_POPS] = {0}, t_inc = 0,
             t_div = 0;
    for (uint32_t a = 0; a < m->n; a++) {
        agent_view v;
        agent_get(m->w, a, &v);
        p_inc[v.pop] += m->inc[a];
        p_div[v.pop] += m->div[a];
        p_burn[v.pop] += v.burned;
        t_inc += m->inc[a];
        t_div += m->div[a];
    }
    for (uint32_t p = 0; p < m->npops; p++) {
        double share = m->samples ? m->stake_share_sum[p] / (double)m->samples : NAN;
        double em = ratio((double)(p_inc[p] + p_div[p]), (double)(t_inc + t_div));
        trace_ratio(t, share);
        trace_ratio(t, ratio((double)p_inc[p], (double)t_inc));
        trace_ratio(t, ratio((double)p_div[p], (double)t_div));
        trace_ratio(t, em);
        trace_ratio(t, rm_pop_return(m, p, blocks));
        trace_ratio(t, ratio(em, share));
        trace_u64(t, p_inc[p] + p_div[p]);
        trace_u64(t, p_burn[p]);
    }
}
