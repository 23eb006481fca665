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

/* The stored bond matrix of a subnet after its last epoch, flattened. */
typedef struct bond_snap {
    uint32_t len, cap;
    uint32_t *key; /* row << 16 | col, increasing */
    uint16_t *val;
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
    uint32_t *key_buf;
    uint16_t *val_buf;
    uint32_t buf_cap;
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
    if (!m->inc || !m->div) {
        rm_free(m);
        return NULL;
    }
    return m;
}

void rm_free(run_metrics *m)
{
    if (!m) return;
    for (uint32_t i = 0; i < m->nbonds; i++) {
        free(m->bonds[i].key);
        free(m->bonds[i].val);
    }
    free(m->bonds);
    free(m->key_buf);
    free(m->val_buf);
    free(m->inc);
    free(m->div);
    free(m);
}

void rm_event(run_metrics *m, uint64_t block)
{
    m->ref_block = block;
    for (uint32_t i = 0; i < m->nbonds; i++) m->bonds[i].moved_since_ref = false;
}

static int cmp_u32_pair(const void *a, const void *b)
{
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    return x < y ? -1 : x > y;
}

/* The subnet's bonds, flattened and sorted, into the scratch buffers. */
static int flatten_bonds(run_metrics *m, const chain_subnet *s, uint32_t *len)
{
    uint32_t nnz = 0;
    for (uint32_t i = 0; i < s->n; i++) nnz += s->bonds[i].len;
    if (nnz > m->buf_cap) {
        uint32_t *k = realloc(m->key_buf, (size_t)nnz * 2 * sizeof *k);
        if (k) m->key_buf = k;
        uint16_t *v = realloc(m->val_buf, (size_t)nnz * sizeof *v);
        if (v) m->val_buf = v;
        if (!k || !v) return -1;
        m->buf_cap = nnz;
    }
    /* pairs (key, value) sorted by key; rows the epoch writes are already in column order */
    uint32_t *pairs = m->key_buf, at = 0;
    bool sorted = true;
    for (uint32_t i = 0; i < s->n; i++)
        for (uint32_t q = 0; q < s->bonds[i].len; q++) {
            uint32_t key = (i << 16) | s->bonds[i].ent[q].col;
            if (at && pairs[2 * (at - 1)] >= key) sorted = false;
            pairs[2 * at] = key;
            pairs[2 * at + 1] = s->bonds[i].ent[q].val;
            at++;
        }
    if (!sorted) qsort(pairs, at, 2 * sizeof *pairs, cmp_u32_pair);
    for (uint32_t k = 0; k < at; k++) m->val_buf[k] = (uint16_t)pairs[2 * k + 1];
    for (uint32_t k = 0; k < at; k++) pairs[k] = pairs[2 * k];
    *len = at;
    return 0;
}

/* Compare the subnet's bonds with those after its previous epoch. */
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
    bond_snap *old = &m->bonds[s->netuid];
    uint32_t len;
    if (flatten_bonds(m, s, &len)) return -1;
    uint64_t diff = 0, mass = 0;
    uint32_t i = 0, j = 0;
    while (i < old->len || j < len) {
        if (j == len || (i < old->len && old->key[i] < m->key_buf[j])) {
            diff += old->val[i++];
        } else if (i == old->len || m->key_buf[j] < old->key[i]) {
            diff += m->val_buf[j];
            mass += m->val_buf[j++];
        } else {
            diff += old->val[i] > m->val_buf[j] ? old->val[i] - m->val_buf[j] : m->val_buf[j] - old->val[i];
            mass += m->val_buf[j];
            i++;
            j++;
        }
    }
    if ((double)diff >= SETTLED * (double)(mass ? mass : 1) && (diff || mass)) {
        old->last_move = block;
        old->moved_since_ref = block > m->ref_block;
    }
    if (len > old->cap) {
        uint32_t *k = realloc(old->key, (size_t)len * sizeof *k);
        if (k) old->key = k;
        uint16_t *v = realloc(old->val, (size_t)len * sizeof *v);
        if (v) old->val = v;
        if (!k || !v) return -1;
        old->cap = len;
    }
    if (len) { /* an empty bond matrix has no buffers yet */
        memcpy(old->key, m->key_buf, (size_t)len * sizeof *old->key);
        memcpy(old->val, m->val_buf, (size_t)len * sizeof *old->val);
    }
    old->len = len;
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
    if (netuid >= 0)
        trace_u64(t, (uint64_t)netuid);
    else
        trace_empty(t);
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
        agent_view v;
        agent_get(m->w, a, &v);
        m->iv_inc[v.pop] += inc;
        m->iv_div[v.pop] += div;
        p_inc[v.pop] += inc;
        p_div[v.pop] += div;
        p_stake[v.pop] += s->epoch_stake[uid];
    }
    if (rows)
        for (uint32_t p = 0; p < m->npops; p++) {
            const agent_pop *pp = &m->plan->agents.pops[p];
            if (agent_pop_size(pp) == 0) continue;
            pop_row(rows, block, s->netuid, pp, p_stake[p], ratio((double)p_stake[p], (double)t_stake), p_inc[p],
                    p_div[p], ratio((double)p_inc[p], (double)t_inc), ratio((double)p_div[p], (double)t_div),
                    ratio((double)(p_inc[p] + p_div[p]), (double)(t_inc + t_div)));
        }
    return bonds_epoch(m, s, block);
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
