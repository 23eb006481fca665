/* agent_act.c -- what each behaviour decides when it acts (agent.h). All
 * decisions are integer arithmetic on what the chain stores and the agent's
 * own traits; the chain calls and bookkeeping are agent.c's. */
#include <stdlib.h>
#include <string.h>

#include "agent_int.h"

/* ---- delegates ------------------------------------------------------------------------ */

bool ag_is_delegate_target(const agent_world *w, const agent_pop *p, const agent *v)
{
    (void)w;
    return v->role == AGENT_VALIDATOR && ((p->validator_pops >> v->pop) & 1) && v->active && v->hotkey != NONE &&
           !v->merged;
}

uint32_t ag_pick_delegate_random(agent_world *w, uint32_t idx)
{
    agent *ag = &w->a[idx];
    const agent_pop *p = ag_pop(w, ag);
    uint32_t m = 0;
    for (uint32_t j = 0; j < w->nvalidators; j++) m += ag_is_delegate_target(w, p, &w->a[w->validators[j]]);
    if (m == 0) return NONE;
    uint32_t k = rng_bounded_u32(&ag->rng, m);
    for (uint32_t j = 0; j < w->nvalidators; j++)
        if (ag_is_delegate_target(w, p, &w->a[w->validators[j]]) && k-- == 0) return w->validators[j];
    return NONE;
}

/* ---- cadence ---------------------------------------------------------------------------- */

static uint64_t cadence(const agent *ag, const agent_pop *p)
{
    uint64_t every = ag->role == AGENT_MINER || ag->role == AGENT_OWNER ? p->check_every
                     : ag->role == AGENT_NOMINATOR                      ? p->review_every
                     : p->weights_every                                 ? p->weights_every
                                                                        : 361;
    return every ? every : 1;
}

uint64_t agent_first_act(const agent_world *w, uint32_t a)
{
    const agent *ag = &w->a[a];
    const agent_pop *p = &w->plan.pops[ag->pop];
    /* a fixed stagger from the stable id (no draw: the stream stays the
     * agent's own) so that a population does not act in one block;
     * validators start within their first tempo whatever their cadence (a
     * validator without weights earns nothing and is the first pruned) */
    uint64_t span = cadence(ag, p);
    if (ag->role == AGENT_VALIDATOR && span > 361) span = 361;
    uint64_t off = 1 + rng_mix64(w->plan.seed ^ ((uint64_t)ag->sid << 20) ^ 0x737461676765ull) % span;
    return p->join_at + off;
}

/* ---- miners, the cabal's miners, sybils ---------------------------------------------------- */

/* Expected daily reward of quality q on instance in, RAO. */
static unsigned __int128 miner_daily(const agent_world *w, const inst *in, uint16_t q)
{
    const chain_subnet *s = chain_subnet_get(w->c, in->netuid);
    if (!s || q == 0) return 0;
    unsigned __int128 e = (unsigned __int128)s->emission_value * (BLOCKS_PER_DAY / 2);
    return e * q / ((uint64_t)q + in->qsum);
}

/* A cabal miner registers where its cabal's validators are. */
static bool cabal_has_validator_on(const agent_world *w, const agent *ag, uint16_t netuid)
{
    const agent_pop *p = ag_pop(w, ag);
    for (uint32_t k = 0; k < p->count; k++) {
        agent *v = &w->a[w->pop_first[ag->pop] + k];
        if (ag_reg_find(v, netuid)) return true;
    }
    return false;
}

static int act_miner(agent_world *w, uint32_t idx, io_err *err)
{
    agent *ag = &w->a[idx];
    const agent_pop *p = ag_pop(w, ag);
    if (ag->pruned_out) return 0;
    if (ag->nreg > 0 && !ag_joins_all(p, ag)) return 0;
    int best = -1;
    unsigned __int128 best_net = 0;
    uint32_t nopen = 0;
    const uint32_t *open = ag_open_instances(w, &nopen); /* usually few: the interval limits close most */
    if (!open) {
        io_errf(err, "out of memory");
        return -1;
    }
    if (nopen == 0) return 0;
    uint64_t bal = chain_balance_of(w->c, ag->coldkey);
    for (uint32_t k = 0; k < nopen; k++) {
        uint32_t i = open[k];
        const inst *in = &w->inst[i];
        if (!ag_inst_allowed(p, in) || ag_reg_find(ag, in->netuid)) continue;
        const chain_subnet *s = chain_subnet_get(w->c, in->netuid);
        if (!s || s->burn > bal) continue;
        unsigned __int128 net;
        if (p->behaviour == AGENT_SYBIL) { /* along the burn curve, cheapest first */
            if (s->burn > p->max_burn_rao) continue;
            net = ~(unsigned __int128)0 - s->burn;
        } else if (p->behaviour == AGENT_CABAL) { /* with its validators, whatever the price */
            if (!cabal_has_validator_on(w, ag, in->netuid)) continue;
            net = ~(unsigned __int128)0 - s->burn;
        } else {
            unsigned __int128 gain = miner_daily(w, in, ag->quality) * p->payback_days;
            if (gain < s->burn) continue;
            net = gain - s->burn;
        }
        if (best < 0 || net > best_net) {
            best = (int)i;
            best_net = net;
        }
    }
    return best < 0 ? 0 : ag_paid_register(w, idx, w->inst[best].netuid, err);
}

/* ---- validators' weights ---------------------------------------------------------------------- */

static int wcache_reserve(wcache *wc, uint32_t n)
{
    if (n <= wc->cap) return 0;
    uint32_t cap = wc->cap;
    if (ag_grow((void **)&wc->dests, &cap, n, sizeof *wc->dests)) return -1;
    void *v = realloc(wc->vals, (size_t)cap * sizeof *wc->vals);
    if (v) wc->vals = v;
    void *h = realloc(wc->holder_hk, (size_t)cap * sizeof *wc->holder_hk);
    if (h) wc->holder_hk = h;
    void *b = realloc(wc->holder_bar, (size_t)cap * sizeof *wc->holder_bar);
    if (b) wc->holder_bar = b;
    void *sn = realloc(wc->seen, (size_t)cap * sizeof *wc->seen);
    if (sn) wc->seen = sn;
    if (!v || !h || !b || !sn) return -1;
    for (uint32_t u = wc->cap; u < cap; u++) wc->holder_hk[u] = NONE;
    wc->cap = cap;
    return 0;
}

/* What validator idx sees of every uid of s: its perception of each miner
 * (0 for other validators, nobody, or -- shifted -- a miner registered in
 * the last `shift` blocks). Updated only for uids whose occupant changed. */
/* What validator idx sees of the occupant of uid: its perception of a miner
 * (0 for other validators or nobody), looked at once per occupant.
 * Returns whether the value changed. */
static bool perceive_uid(agent_world *w, uint32_t idx, const chain_subnet *s, wcache *wc, uint32_t uid)
{
    agent *ag = &w->a[idx];
    uint32_t hk = s->hotkey[uid];
    uint64_t bar = s->block_at_registration[uid];
    if (wc->holder_hk[uid] == hk && wc->holder_bar[uid] == bar) return false;
    uint32_t holder = agent_of_hotkey(w, hk);
    uint16_t v = 0;
    if (holder != NONE && w->a[holder].role == AGENT_MINER)
        v = ag_perceive(w->a[holder].quality, ag->sigma, agent_perception_z(w->plan.seed, ag->sid, hk, bar));
    wc->holder_hk[uid] = hk;
    wc->holder_bar[uid] = bar;
    bool changed = wc->seen[uid] != v;
    wc->seen[uid] = v;
    return changed;
}

/* ... for every uid of s (a new occupant is looked at once). */
static void perceive_uids(agent_world *w, uint32_t idx, const chain_subnet *s, wcache *wc)
{
    for (uint32_t uid = 0; uid < s->n; uid++) (void)perceive_uid(w, idx, s, wc, uid);
}

/* Patch the proportional vector (dests increasing) for a new seen[uid]. */
static void patch_vector(wcache *wc, uint32_t uid)
{
    uint32_t lo = 0, hi = wc->len;
    while (lo < hi) {
        uint32_t mid = (lo + hi) / 2;
        if (wc->dests[mid] < uid)
            lo = mid + 1;
        else
            hi = mid;
    }
    bool present = lo < wc->len && wc->dests[lo] == uid;
    uint16_t v = wc->seen[uid];
    if (v && present) {
        wc->vals[lo] = v;
    } else if (v) {
        memmove(wc->dests + lo + 1, wc->dests + lo, (wc->len - lo) * sizeof *wc->dests);
        memmove(wc->vals + lo + 1, wc->vals + lo, (wc->len - lo) * sizeof *wc->vals);
        wc->dests[lo] = (uint16_t)uid;
        wc->vals[lo] = v;
        wc->len++;
    } else if (present) {
        memmove(wc->dests + lo, wc->dests + lo + 1, (wc->len - lo - 1) * sizeof *wc->dests);
        memmove(wc->vals + lo, wc->vals + lo + 1, (wc->len - lo - 1) * sizeof *wc->vals);
        wc->len--;
    }
}

/* A proportional honest vector built for generation wc->gen brought to
 * in->gen by the uids that changed since, if the instance still remembers
 * them all (none was a whole-subnet change). false: rebuild it whole. */
static bool weights_catch_up(agent_world *w, uint32_t idx, const chain_subnet *s, const inst *in, wcache *wc)
{
    if (wc->gen == UINT64_MAX || in->gen - wc->gen > AGENT_CHANGES) return false;
    for (uint64_t g = wc->gen + 1; g <= in->gen; g++)
        if (in->chg_gen[g % AGENT_CHANGES] != g || in->chg_uid[g % AGENT_CHANGES] == AGENT_CHANGE_ALL ||
            in->chg_uid[g % AGENT_CHANGES] >= s->n)
            return false;
    for (uint64_t g = wc->gen + 1; g <= in->gen; g++) {
        uint32_t uid = in->chg_uid[g % AGENT_CHANGES];
        if (perceive_uid(w, idx, s, wc, uid)) patch_vector(wc, uid);
    }
    return true;
}

/* Scale acc[0..n) (u64, any scale) to u16 by its maximum (round half up)
 * into the cache's vector, skipping zeros. */
static void vector_from(wcache *wc, const uint64_t *acc, uint32_t n)
{
    uint64_t mx = 0;
    for (uint32_t u = 0; u < n; u++) mx = acc[u] > mx ? acc[u] : mx;
    wc->len = 0;
    if (mx == 0) return;
    for (uint32_t u = 0; u < n; u++) {
        uint64_t v = (uint64_t)(((unsigned __int128)acc[u] * 65535 + mx / 2) / mx);
        if (v == 0) continue;
        wc->dests[wc->len] = (uint16_t)u;
        wc->vals[wc->len++] = (uint16_t)v;
    }
}

static uint64_t *scratch(agent_world *w, uint32_t n)
{
    if (n >= w->nacc) { /* one more than needed: never NULL, even for an empty subnet */
        uint64_t *a = realloc(w->acc, ((size_t)n + 1) * sizeof *a);
        if (!a) return NULL;
        w->acc = a;
        w->nacc = n + 1;
    }
    if (n) memset(w->acc, 0, (size_t)n * sizeof *w->acc);
    return w->acc;
}

/* Honest scoring: proportional to perception, or one-hot on the best (wta,
 * ties to the lowest uid); shifted: newcomers not seen yet. */
static void honest_vector(agent_world *w, const agent_pop *p, const chain_subnet *s, wcache *wc)
{
    uint64_t now = chain_block(w->c);
    bool shifted = p->behaviour == AGENT_LAZY && p->lazy_mode == AGENT_LAZY_SHIFTED;
    uint32_t best = NONE;
    wc->len = 0;
    for (uint32_t uid = 0; uid < s->n; uid++) {
        uint16_t v = wc->seen[uid];
        if (v == 0 || (shifted && s->block_at_registration[uid] + p->shift > now)) continue;
        if (p->wta) {
            if (best == NONE || v > wc->seen[best]) best = uid;
            continue;
        }
        wc->dests[wc->len] = (uint16_t)uid;
        wc->vals[wc->len++] = v;
    }
    if (p->wta && best != NONE) {
        wc->dests[0] = (uint16_t)best;
        wc->vals[0] = 65535;
        wc->len = 1;
    }
}

/* The cabal: self_weight of the mass on its own miners (equal parts), the
 * rest on its honest scoring (proportional), then max-upscaled. */
static int cabal_vector(agent_world *w, const agent *ag, const agent_pop *p, const chain_subnet *s, wcache *wc)
{
    uint64_t *acc = scratch(w, s->n);
    if (!acc) return -1;
    uint64_t seen_sum = 0;
    uint32_t own = 0;
    for (uint32_t uid = 0; uid < s->n; uid++) {
        seen_sum += wc->seen[uid];
        uint32_t holder = agent_of_hotkey(w, s->hotkey[uid]);
        own += holder != NONE && w->a[holder].pop == ag->pop && w->a[holder].role == AGENT_MINER;
    }
    const uint64_t ONE = (uint64_t)1 << 40;
    uint64_t self = own ? p->self_weight_ppm : 0, honest = 1000000 - self;
    for (uint32_t uid = 0; uid < s->n; uid++) {
        uint64_t v = seen_sum ? (uint64_t)((unsigned __int128)ONE * wc->seen[uid] / seen_sum * honest / 1000000) : 0;
        uint32_t holder = agent_of_hotkey(w, s->hotkey[uid]);
        if (own && holder != NONE && w->a[holder].pop == ag->pop && w->a[holder].role == AGENT_MINER)
            v += ONE / own * self / 1000000;
        acc[uid] = v;
    }
    vector_from(wc, acc, s->n);
    return 0;
}

/* The copier: consensus as of `lag` blocks ago, or the stake-weighted mean of
 * the other validators' rows revealed by then (set at least conceal blocks
 * before it). Its own uid gets nothing. */
static int copier_vector(agent_world *w, uint32_t idx, const agent_pop *p, const chain_subnet *s, const reg *r,
                         wcache *wc)
{
    uint64_t now = chain_block(w->c);
    uint64_t *acc = scratch(w, s->n);
    if (!acc) return -1;
    if (p->copy_consensus) {
        const inst *in = ag_inst_of(w, r->netuid);
        const row_snap *c = in ? ag_ring_at(&in->consensus, now >= p->lag ? now - p->lag : 0) : NULL;
        for (uint32_t k = 0; c && k < c->len && k < s->n; k++) acc[c->d[k]] = c->v[k];
    } else {
        uint64_t seen_by = now >= p->lag + p->conceal ? now - p->lag - p->conceal : 0;
        for (uint32_t j = 0; j < w->nvalidators; j++) {
            uint32_t v = w->validators[j];
            if (v == idx) continue;
            const agent *va = &w->a[v];
            const wcache *vc = NULL;
            for (uint32_t k = 0; k < va->nw; k++)
                if (va->w[k].netuid == r->netuid) vc = &va->w[k];
            const row_snap *row = vc ? ag_ring_at(&vc->sent, seen_by) : NULL;
            if (!row || row->len == 0) continue;
            uint64_t sum = 0;
            for (uint32_t k = 0; k < row->len; k++) sum += row->v[k];
            uint64_t stake = chain_hotkey_stake_of(w->c, va->hotkey) >> 20; /* keeps stake * 2^32 in 96 bits */
            for (uint32_t k = 0; k < row->len && sum; k++)
                if (row->d[k] < s->n)
                    acc[row->d[k]] += (uint64_t)((((unsigned __int128)row->v[k] << 32) / sum * stake) >> 24);
        }
    }
    acc[r->uid] = 0;
    vector_from(wc, acc, s->n);
    return 0;
}

int ag_weights_build(agent_world *w, uint32_t idx, const reg *r, wcache **out, io_err *err)
{
    agent *ag = &w->a[idx];
    const agent_pop *p = ag_pop(w, ag);
    const inst *in = ag_inst_of(w, r->netuid);
    wcache *wc = NULL;
    for (uint32_t i = 0; i < ag->nw; i++)
        if (ag->w[i].netuid == r->netuid) wc = &ag->w[i];
    if (!wc) {
        if (ag_grow((void **)&ag->w, &ag->capw, ag->nw + 1, sizeof *ag->w)) goto nomem;
        wc = &ag->w[ag->nw++];
        wc->netuid = r->netuid;
        wc->gen = UINT64_MAX;
    }
    *out = wc;
    const chain_subnet *s = chain_subnet_get(w->c, r->netuid);
    uint64_t now = chain_block(w->c);
    if (wcache_reserve(wc, s->n)) goto nomem;
    if (p->behaviour == AGENT_LAZY && p->lazy_mode == AGENT_LAZY_REPLAY && wc->frozen) return 0;
    bool fresh = p->behaviour == AGENT_COPIER || (p->behaviour == AGENT_LAZY && p->lazy_mode == AGENT_LAZY_SHIFTED);
    if (!fresh && in && wc->gen == in->gen) return 0;
    int rc = 0;
    /* the common case: an honest proportional scorer after a few registrations */
    bool proportional = !p->wta && (p->behaviour == AGENT_HONEST || p->behaviour == AGENT_WHALE ||
                                    (p->behaviour == AGENT_LAZY && p->lazy_mode != AGENT_LAZY_SHIFTED));
    if (proportional && in && weights_catch_up(w, idx, s, in, wc)) {
        wc->gen = in->gen;
        if (p->behaviour == AGENT_LAZY && p->lazy_mode == AGENT_LAZY_REPLAY && now >= p->freeze_at && wc->len)
            wc->frozen = true;
        return 0;
    }
    if (p->behaviour == AGENT_COPIER) {
        rc = copier_vector(w, idx, p, s, r, wc);
    } else {
        perceive_uids(w, idx, s, wc);
        if (p->behaviour == AGENT_CABAL)
            rc = cabal_vector(w, ag, p, s, wc);
        else
            honest_vector(w, p, s, wc);
    }
    if (rc) goto nomem;
    wc->gen = in ? in->gen : 0;
    if (p->behaviour == AGENT_LAZY && p->lazy_mode == AGENT_LAZY_REPLAY && now >= p->freeze_at && wc->len) wc->frozen = true;
    return 0;
nomem:
    io_errf(err, "out of memory");
    return -1;
}

static int validator_weights(agent_world *w, uint32_t idx, io_err *err)
{
    agent *ag = &w->a[idx];
    for (uint32_t i = 0; i < ag->nreg; i++) {
        reg r = ag->regs[i];
        const chain_subnet *s = chain_subnet_get(w->c, r.netuid);
        if (!s || r.uid >= s->n || !s->permit[r.uid]) continue; /* no permit: the chain would refuse */
        wcache *wc;
        if (ag_weights_build(w, idx, &r, &wc, err)) return -1;
        if (wc->len == 0 || wc->len < s->hp.min_allowed_weights) continue;
        int fail = 0;
        ag_set_weights(w, ag, &r, wc, err, &fail);
        if (fail) return -1;
    }
    return 0;
}

static int validator_root_weights(agent_world *w, uint32_t idx, io_err *err)
{
    agent *ag = &w->a[idx];
    const agent_pop *p = ag_pop(w, ag);
    uint64_t now = chain_block(w->c);
    if (!p->root || (ag->last_root_set && now - ag->last_root_set < p->root_every)) return 0;
    if (!ag_root_member(w, ag)) return 0; /* ag_validator_setup (re)joins root; weights from the next act on */
    uint32_t m = 0;
    uint16_t *d = malloc((w->ninst + 1) * sizeof *d), *v = malloc((w->ninst + 1) * sizeof *v);
    if (!d || !v) {
        free(d);
        free(v);
        io_errf(err, "out of memory");
        return -1;
    }
    for (uint32_t i = 0; i < w->ninst; i++) {
        const inst *in = &w->inst[i];
        if (!in->live) continue;
        const chain_subnet *s = chain_subnet_get(w->c, in->netuid);
        int32_t z = agent_perception_z(w->plan.seed, ag->sid, 0x10000u + in->netuid, s ? s->registered_at : 0);
        uint16_t val = ag_perceive(in->value, ag->sigma, z);
        if (val == 0) continue;
        d[m] = in->netuid;
        v[m++] = val;
    }
    int rc = 0;
    if (m > 0) {
        int fail = 0;
        if (ag_set_root_weights(w, ag, d, v, m, err, &fail) == CHAIN_OK) ag->last_root_set = now;
        rc = fail ? -1 : 0;
    }
    free(d);
    free(v);
    return rc;
}

/* Whales: fund and stake the accumulation since the last act; at merge_at
 * the others move their own stake to the largest of the population. */
static int whale_moves(agent_world *w, uint32_t idx, io_err *err)
{
    agent *ag = &w->a[idx];
    const agent_pop *p = ag_pop(w, ag);
    uint64_t now = chain_block(w->c);
    bool merging = p->merge_at && now >= p->merge_at && !ag->merged;
    /* once a day: buy accumulate_rao_per_day per elapsed day (funded from outside the chain) and stake
     * it with whatever earlier purchases the staking rate limit held back; not once merging is due
     * (an add_stake would rate-limit the merge's remove_stake) */
    uint64_t since = ag->last_accumulate ? ag->last_accumulate : p->join_at;
    if (p->accumulate_rao_per_day && ag->hotkey != NONE && !ag->merged && !merging && now - since >= BLOCKS_PER_DAY) {
        unsigned __int128 amount = (unsigned __int128)p->accumulate_rao_per_day * (now - since) / BLOCKS_PER_DAY;
        if (amount >= UINT64_MAX / 4) amount = UINT64_MAX / 4;
        if (ag_fund(w, ag, ag_cold(w, ag), (uint64_t)amount, err)) return -1;
        ag->unstaked += (uint64_t)amount;
        ag->last_accumulate = now;
    }
    if (ag->unstaked && !ag->merged && !merging) {
        uint64_t before = chain_stake_of(w->c, ag->hotkey, ag->coldkey);
        if (ag_stake_to(w, idx, idx, ag->unstaked, err)) return -1;
        if (chain_stake_of(w->c, ag->hotkey, ag->coldkey) > before) ag->unstaked = 0; /* accepted */
    }
    if (merging) {
        uint32_t leader = NONE;
        uint64_t best = 0;
        for (uint32_t k = 0; k < p->count; k++) {
            uint32_t j = w->pop_first[ag->pop] + k;
            if (w->a[j].hotkey == NONE || w->a[j].merged) continue;
            uint64_t st = chain_hotkey_stake_of(w->c, w->a[j].hotkey);
            if (leader == NONE || st > best) {
                leader = j;
                best = st;
            }
        }
        if (leader != NONE && leader != idx) {
            uint64_t own = chain_stake_of(w->c, ag->hotkey, ag->coldkey);
            int fail = 0;
            if (own && ag_remove_stake(w, ag, ag->hotkey, own, err, &fail) != CHAIN_OK) return fail ? -1 : 0;
            ag->merged = true;
            if (ag_stake_to(w, idx, leader, chain_balance_of(w->c, ag->coldkey), err)) return -1;
        }
    }
    return 0;
}

static int act_validator(agent_world *w, uint32_t idx, io_err *err)
{
    agent *ag = &w->a[idx];
    const agent_pop *p = ag_pop(w, ag);
    if (!ag->pruned_out && !ag->merged) {
        /* join instances it should be on (new subnets, lost uids) */
        uint64_t bal = chain_balance_of(w->c, ag->coldkey);
        for (uint32_t i = 0; i < w->ninst; i++) {
            const inst *in = &w->inst[i];
            if (!ag_inst_allowed(p, in) || ag_reg_find(ag, in->netuid)) continue;
            if (!ag_joins_all(p, ag) && ag->nreg > 0) break;
            const chain_subnet *s = chain_subnet_get(w->c, in->netuid);
            if (!s || s->burn > bal || !ag_reg_open(s, chain_block(w->c))) continue;
            if (ag_paid_register(w, idx, in->netuid, err)) return -1;
            bal = chain_balance_of(w->c, ag->coldkey);
        }
        if (ag_validator_setup(w, idx, err)) return -1;
    }
    /* whales merge (and accumulate); a cabal may coordinate a merge of its stake too */
    if ((p->behaviour == AGENT_WHALE || p->behaviour == AGENT_CABAL) && whale_moves(w, idx, err)) return -1;
    if (ag->merged) return 0;
    if (validator_weights(w, idx, err)) return -1;
    return validator_root_weights(w, idx, err);
}

/* ---- nominators ------------------------------------------------------------------------------------- */

/* Last-epoch dividends per staked RAO of validator v, scaled by 2^32. */
static unsigned __int128 delegate_return(const agent_world *w, const agent *v)
{
    uint64_t stake = chain_hotkey_stake_of(w->c, v->hotkey);
    if (stake == 0) return 0;
    unsigned __int128 div = 0;
    for (uint32_t i = 0; i < v->nreg; i++) {
        const chain_subnet *s = chain_subnet_get(w->c, v->regs[i].netuid);
        if (s && v->regs[i].uid < s->n) div += s->validator_emission[v->regs[i].uid];
    }
    return (div << 32) / stake;
}

static int act_nominator(agent_world *w, uint32_t idx, io_err *err)
{
    agent *ag = &w->a[idx];
    const agent_pop *p = ag_pop(w, ag);
    if (ag->delegate == NONE || !ag_is_delegate_target(w, p, &w->a[ag->delegate])) {
        uint32_t t = ag_pick_delegate_random(w, idx);
        if (t == NONE) return 0;
        uint32_t old = ag->delegate;
        ag->delegate = t;
        /* a delegate that left or merged: take the stake back first */
        if (old != NONE && w->a[old].hotkey != NONE) {
            uint64_t have = chain_stake_of(w->c, w->a[old].hotkey, ag->coldkey);
            int fail = 0;
            if (have && ag_remove_stake(w, ag, w->a[old].hotkey, have, err, &fail) != CHAIN_OK && fail) return -1;
        }
    }
    uint32_t cur = ag->delegate;
    if (rng_bounded_u32(&ag->rng, 1000000) >= p->inertia_ppm) {
        uint32_t best = cur;
        unsigned __int128 best_r = delegate_return(w, &w->a[cur]);
        for (uint32_t j = 0; j < w->nvalidators; j++) {
            uint32_t i = w->validators[j];
            if (!ag_is_delegate_target(w, p, &w->a[i])) continue;
            unsigned __int128 r = delegate_return(w, &w->a[i]);
            if (r > best_r) {
                best = i;
                best_r = r;
            }
        }
        if (best != cur) {
            uint64_t have = chain_stake_of(w->c, w->a[cur].hotkey, ag->coldkey);
            int fail = 0;
            if (have && ag_remove_stake(w, ag, w->a[cur].hotkey, have, err, &fail) != CHAIN_OK)
                return fail ? -1 : 0; /* rate limit: try again next review */
            ag->delegate = best;
        }
    }
    /* whatever is free (refunds, the moved stake) goes to the delegate */
    return ag_stake_to(w, idx, ag->delegate, chain_balance_of(w->c, ag->coldkey), err);
}

/* ---- owners ------------------------------------------------------------------------------------------- */

static int act_owner(agent_world *w, uint32_t idx, io_err *err)
{
    agent *ag = &w->a[idx];
    const agent_pop *p = ag_pop(w, ag);
    if (ag->owned != NONE && (w->inst[ag->owned].live || !p->reregister)) return 0;
    uint64_t lock = chain_lock_cost(w->c);
    if (lock > ag->max_lock || lock > chain_balance_of(w->c, ag->coldkey)) return 0;
    uint16_t netuid = 0;
    int fail = 0;
    chain_err e = ag_register_network(w, ag_cold(w, ag), &netuid, err, &fail);
    if (fail) return -1;
    if (e != CHAIN_OK) return 0;
    uint32_t at;
    if (ag_inst_new(w, p->owner_kind, idx, 0, &at)) {
        io_errf(err, "out of memory");
        return -1;
    }
    ag->owned = at;
    return ag_inst_bind(w, at, netuid, err);
}

/* ---- dispatch ----------------------------------------------------------------------------------------- */

int64_t agent_act(agent_world *w, uint32_t a, io_err *err)
{
    agent *ag = &w->a[a];
    if (!ag->active) return 0;
    const agent_pop *p = ag_pop(w, ag);
    int rc = 0;
    uint64_t every = cadence(ag, p);
    switch (ag->role) {
    case AGENT_MINER:
        rc = act_miner(w, a, err);
        if (!rc && ag->nreg > 0 && !ag_joins_all(p, ag) && w->wake) { /* nothing to do until pruned */
            ag->asleep = true;
            return 0;
        }
        break;
    case AGENT_VALIDATOR:
        rc = act_validator(w, a, err);
        if (p->weights_every == 0) {
            every = UINT64_MAX;
            for (uint32_t i = 0; i < ag->nreg; i++) {
                const chain_subnet *s = chain_subnet_get(w->c, ag->regs[i].netuid);
                uint64_t t = s && s->hp.tempo ? (uint64_t)s->hp.tempo + 1 : 361;
                if (t < every) every = t;
            }
            if (every == UINT64_MAX) every = 361;
        }
        break;
    case AGENT_NOMINATOR: rc = act_nominator(w, a, err); break;
    case AGENT_OWNER: rc = act_owner(w, a, err); break;
    default: break;
    }
    if (rc) return -1;
    return (int64_t)every;
}
