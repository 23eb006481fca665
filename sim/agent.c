/* agent.c -- the world of a run's agents (agent.h): creation and traits,
 * bookkeeping of who holds which uid, the chain calls (each logged as a
 * replay row), genesis, the scenario's timeline, the chain's events. What
 * the agents decide is agent_act.c.
 *
 * Layout: the world owns the agents (one array, population order), the
 * subnet instances the scenario knows about (one per registered netuid of a
 * scenario kind), and indexes from chain hotkey / coldkey ids to agents.
 * Decisions read the chain through chain.h accessors only.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "agent_int.h"

static const char *const role_names[AGENT_ROLE_COUNT] = {"miner", "validator", "nominator", "owner"};
static const char *const behaviour_names[AGENT_BEHAVIOUR_COUNT] = {"honest", "cabal", "copier",
                                                                   "lazy",   "whale", "sybil"};

const char *agent_role_name(agent_role r) { return r < AGENT_ROLE_COUNT ? role_names[r] : "?"; }
const char *agent_behaviour_name(agent_behaviour b) { return b < AGENT_BEHAVIOUR_COUNT ? behaviour_names[b] : "?"; }

static const uint32_t role_purpose[AGENT_ROLE_COUNT] = {RNG_PURPOSE_MINER, RNG_PURPOSE_VALIDATOR,
                                                        RNG_PURPOSE_NOMINATOR, RNG_PURPOSE_OWNER};

/* ---- small helpers -------------------------------------------------------------- */

int ag_grow(void **p, uint32_t *cap, uint32_t need, size_t elem)
{
    if (need <= *cap) return 0;
    uint32_t nc = *cap ? *cap : 4;
    while (nc < need) nc *= 2;
    void *q = realloc(*p, (size_t)nc * elem);
    if (!q) return -1;
    memset((char *)q + (size_t)*cap * elem, 0, (size_t)(nc - *cap) * elem);
    *p = q;
    *cap = nc;
    return 0;
}

static int index_set(uint32_t **map, uint32_t *n, uint32_t id, uint32_t val)
{
    if (id >= *n) {
        uint32_t nn = *n ? *n : 64;
        while (nn <= id) nn *= 2;
        uint32_t *m = realloc(*map, (size_t)nn * sizeof *m);
        if (!m) return -1;
        for (uint32_t i = *n; i < nn; i++) m[i] = NONE;
        *map = m;
        *n = nn;
    }
    (*map)[id] = val;
    return 0;
}

static uint16_t to_u16_unit(double x) /* [0,1] -> u16, saturating */
{
    if (!(x > 0)) return 0;
    if (x >= 1) return 65535;
    return (uint16_t)(x * 65535.0);
}

static uint64_t tao_to_rao(double tao)
{
    if (!(tao > 0)) return 0;
    if (tao >= 1.8e10) return UINT64_MAX / 2; /* far beyond any supply; saturate */
    return (uint64_t)(tao * (double)RAO_PER_TAO);
}

/* A draw from the agent's own stream through the GSL adapter. */
static double draw(agent_world *w, agent *ag, const scn_dist *d)
{
    *rng_gsl_stream(w->gsl) = ag->rng;
    double x = scn_dist_sample(d, w->gsl);
    ag->rng = *rng_gsl_stream(w->gsl);
    return x;
}

int32_t agent_perception_z(uint64_t seed, uint64_t a, uint64_t b, uint64_t c)
{
    uint64_t h = rng_mix64(seed ^ 0x7065726365707421ull); /* "percept!" */
    h = rng_mix64(h ^ a);
    h = rng_mix64(h ^ b);
    h = rng_mix64(h ^ c);
    int64_t s = (int64_t)(h & 0xffff) + (int64_t)((h >> 16) & 0xffff) + (int64_t)((h >> 32) & 0xffff) +
                (int64_t)(h >> 48);
    /* (S - 2) * sqrt(3) in 2^-16 units: S is in 2^-16 units (u16 sums, max 4*65535) */
    return (int32_t)(((s - 131070) * 113512) / 65536);
}

uint16_t ag_perceive(uint16_t q, uint16_t sigma, int32_t z)
{
    int64_t v = (int64_t)q + ((int64_t)sigma * z) / 65536;
    return v < 0 ? 0 : v > 65535 ? 65535 : (uint16_t)v;
}

const char *ag_cold(const agent_world *w, const agent *ag) { return chain_coldkey_name(w->c, ag->coldkey); }

const agent_pop *ag_pop(const agent_world *w, const agent *ag) { return &w->plan.pops[ag->pop]; }

uint32_t agent_pop_first(const agent_world *w, uint32_t pop) { return w->pop_first[pop]; }

inst *ag_inst_of(agent_world *w, uint16_t netuid)
{
    uint32_t i = w->inst_of_netuid[netuid];
    return i == NONE ? NULL : &w->inst[i];
}

bool ag_inst_allowed(const agent_pop *p, const inst *in) { return in->live && ((p->kinds >> in->kind) & 1); }

/* What a caller reads from storage before paying: is burned registration
 * open on s in this block (allowed, under the per-block and per-interval
 * limits)? */
bool ag_reg_open(const chain_subnet *s, uint64_t block)
{
    if (!s->hp.registration_allowed) return false;
    uint32_t this_block = s->regs_block == block ? s->regs_this_block : 0;
    if (this_block >= s->hp.max_registrations_per_block) return false;
    uint32_t lim = 3u * s->hp.target_registrations_per_interval;
    if (lim > UINT16_MAX) lim = UINT16_MAX;
    return s->regs_this_interval < lim;
}

const uint32_t *ag_open_instances(agent_world *w, uint32_t *n)
{
    uint64_t now = chain_block(w->c);
    if (!w->open_valid || w->open_block != now) {
        if (ag_grow((void **)&w->open, &w->capopen, w->ninst + 1, sizeof *w->open)) return NULL;
        w->nopen = 0;
        for (uint32_t i = 0; i < w->ninst; i++) {
            const inst *in = &w->inst[i];
            const chain_subnet *s = in->live ? chain_subnet_get(w->c, in->netuid) : NULL;
            if (s && ag_reg_open(s, now)) w->open[w->nopen++] = i;
        }
        w->open_block = now;
        w->open_valid = true;
    }
    *n = w->nopen;
    return w->open;
}

bool ag_root_member(const agent_world *w, const agent *ag)
{
    const chain_subnet *root = chain_subnet_get(w->c, 0);
    for (uint32_t uid = 0; root && ag->hotkey != NONE && uid < root->n; uid++)
        if (root->hotkey[uid] == ag->hotkey) return true;
    return false;
}

int ag_ring_push(row_ring *r, uint64_t block, const uint16_t *d, const uint16_t *v, uint32_t len)
{
    uint32_t at = (r->head + r->n) % AGENT_HISTORY;
    if (r->n == AGENT_HISTORY) {
        at = r->head;
        r->head = (r->head + 1) % AGENT_HISTORY;
    } else {
        r->n++;
    }
    row_snap *s = &r->s[at];
    if (len > s->cap) {
        uint16_t *nd = realloc(s->d, len * sizeof *nd);
        if (nd) s->d = nd;
        uint16_t *nv = realloc(s->v, len * sizeof *nv);
        if (nv) s->v = nv;
        if (!nd || !nv) return -1;
        s->cap = len;
    }
    s->block = block;
    s->len = len;
    if (len) {
        if (d)
            memcpy(s->d, d, len * sizeof *d);
        else
            for (uint32_t i = 0; i < len; i++) s->d[i] = (uint16_t)i; /* a dense vector indexed by uid */
        memcpy(s->v, v, len * sizeof *v);
    }
    return 0;
}

const row_snap *ag_ring_at(const row_ring *r, uint64_t at)
{
    for (uint32_t k = r->n; k-- > 0;) {
        const row_snap *s = &r->s[(r->head + k) % AGENT_HISTORY];
        if (s->block <= at) return s;
    }
    return NULL;
}

static void ring_free(row_ring *r)
{
    for (uint32_t i = 0; i < AGENT_HISTORY; i++) {
        free(r->s[i].d);
        free(r->s[i].v);
    }
}

/* ---- sleeping and waking ----------------------------------------------------------- */

void agent_set_waker(agent_world *w, agent_wake_fn wake, void *ctx)
{
    w->wake = wake;
    w->wake_ctx = ctx;
}

/* Wake a sleeping agent for its next decision: within its own cadence, at
 * a fixed offset from its stable id, so that the agents pruned in one block
 * do not all act in the same later block. every == 1: the next block. */
void ag_wake_up(agent_world *w, uint32_t idx, uint64_t every)
{
    agent *ag = &w->a[idx];
    if (!ag->asleep || !ag->active || !w->wake) return;
    ag->asleep = false;
    if (every == 0) every = 1;
    w->wake(w->wake_ctx, idx, chain_block(w->c) + 1 + ag->sid % every);
}

/* ---- registrations bookkeeping ------------------------------------------------ */

reg *ag_reg_find(agent *ag, uint16_t netuid)
{
    for (uint32_t i = 0; i < ag->nreg; i++)
        if (ag->regs[i].netuid == netuid) return &ag->regs[i];
    return NULL;
}

static int reg_add(agent *ag, uint16_t netuid, uint32_t uid)
{
    reg *r = ag_reg_find(ag, netuid);
    if (r) {
        r->uid = uid;
        return 0;
    }
    if (ag_grow((void **)&ag->regs, &ag->capreg, ag->nreg + 1, sizeof *ag->regs)) return -1;
    ag->regs[ag->nreg++] = (reg){netuid, uid};
    return 0;
}

static void reg_drop(agent *ag, uint16_t netuid)
{
    for (uint32_t i = 0; i < ag->nreg; i++)
        if (ag->regs[i].netuid == netuid) {
            ag->regs[i] = ag->regs[--ag->nreg]; /* order irrelevant: lookups are by netuid */
            return;
        }
}

/* How soon a pruned agent reconsiders: coordinated cabal miners at once. */
static uint64_t wake_every(const agent_world *w, const agent *ag)
{
    const agent_pop *p = ag_pop(w, ag);
    return p->behaviour == AGENT_CABAL && p->coordinated ? 1 : p->check_every;
}

/* Agent idx lost its uid on netuid (replaced, or the subnet removed). */
static void lost_uid(agent_world *w, uint32_t idx, uint16_t netuid, inst *in)
{
    agent *o = &w->a[idx];
    if (!ag_reg_find(o, netuid)) return;
    reg_drop(o, netuid);
    w->st.prunings++;
    if (in && o->role == AGENT_MINER) in->qsum -= o->quality;
    if (!ag_pop(w, o)->reregister)
        o->pruned_out = true;
    else
        ag_wake_up(w, idx, wake_every(w, o));
}

/* A uid of `netuid` changed hands: `newh` took it from `oldh` (NONE). */
static void on_uid_change(agent_world *w, uint16_t netuid, uint32_t uid, uint32_t newh, uint32_t oldh)
{
    inst *in = ag_inst_of(w, netuid);
    if (in) ag_inst_changed(in, uid);
    w->open_valid = false; /* a registration moved the subnet's counters */
    if (oldh != NONE && oldh < w->nby_hotkey && w->by_hotkey[oldh] != NONE) lost_uid(w, w->by_hotkey[oldh], netuid, in);
    if (newh != NONE && newh < w->nby_hotkey && w->by_hotkey[newh] != NONE) {
        agent *nw = &w->a[w->by_hotkey[newh]];
        if (!ag_reg_find(nw, netuid) && in && nw->role == AGENT_MINER) in->qsum += nw->quality;
        (void)reg_add(nw, netuid, uid);
    }
}

/* ---- the action log and the calls ------------------------------------------------ */

static void vlog(agent_world *w, const char *op, int netuid, int64_t uid, const char *key, const char *value,
                 chain_err e)
{
    if (e != CHAIN_OK && chain_err_is_refusal(e)) w->st.refused++;
    if (w->log) w->log(w->log_ctx, chain_block(w->c), op, netuid, uid, key, value, e);
}

/* A failure outside the chain's rules (memory, internal): stop the run. */
static int hard(chain_err e, io_err *err, const io_err *why)
{
    if (e == CHAIN_OK || chain_err_is_refusal(e)) return 0;
    io_errf(err, "chain: %s: %s", chain_strerror(e), why->msg);
    return -1;
}

int ag_fund(agent_world *w, agent *ag, const char *cold, uint64_t rao, io_err *err)
{
    io_err why = {{0}};
    chain_err e = chain_fund(w->c, cold, rao, &why);
    char v[64];
    snprintf(v, sizeof v, "amount=%" PRIu64, rao);
    vlog(w, "balance", -1, -1, cold, v, e);
    if (e != CHAIN_OK) {
        io_errf(err, "cannot fund %s with %" PRIu64 " RAO: %s", cold, rao, why.msg);
        return -1;
    }
    if (ag) ag->endowed += rao;
    return 0;
}

/* The agent's hotkey id, once the chain has created it (its first accepted
 * registration). */
static int note_hotkey(agent_world *w, uint32_t idx, io_err *err)
{
    agent *ag = &w->a[idx];
    if (ag->hotkey != NONE) return 0;
    int64_t id = chain_hotkey_id(w->c, ag->hk);
    if (id < 0) return 0;
    ag->hotkey = (uint32_t)id;
    if (index_set(&w->by_hotkey, &w->nby_hotkey, ag->hotkey, idx)) {
        io_errf(err, "out of memory");
        return -1;
    }
    return 0;
}

/* After an accepted registration of agent idx on netuid. The observer has
 * already seen the event; this covers the case where the hotkey was created
 * by the call itself (not yet indexed when the observer ran). */
static int registered(agent_world *w, uint32_t idx, uint16_t netuid, uint32_t uid, io_err *err)
{
    if (note_hotkey(w, idx, err)) return -1;
    on_uid_change(w, netuid, uid, w->a[idx].hotkey, NONE);
    return 0;
}

int ag_paid_register(agent_world *w, uint32_t idx, uint16_t netuid, io_err *err)
{
    agent *ag = &w->a[idx];
    io_err why = {{0}};
    const chain_subnet *s = chain_subnet_get(w->c, netuid);
    uint64_t burn = s ? s->burn : 0;
    uint32_t uid = NONE;
    chain_err e = chain_burned_register(w->c, ag_cold(w, ag), netuid, ag->hk, &uid, &why);
    char v[96];
    snprintf(v, sizeof v, "hotkey=%s", ag->hk);
    vlog(w, "burned_register", netuid, -1, ag_cold(w, ag), v, e);
    if (hard(e, err, &why)) return -1;
    if (e != CHAIN_OK) return 0;
    w->st.registrations++;
    w->st.burned_rao += burn;
    ag->burned += burn;
    return registered(w, idx, netuid, uid, err);
}

/* Genesis: a registration loaded as state (no burn, no limits), only while
 * the subnet has room -- a full subnet at block 0 would prune someone who
 * was loaded a moment earlier; the agent registers later, paying. */
int ag_load_register(agent_world *w, uint32_t idx, uint16_t netuid, io_err *err)
{
    agent *ag = &w->a[idx];
    const chain_subnet *sub = chain_subnet_get(w->c, netuid);
    if (!sub || sub->n >= sub->hp.max_allowed_uids) return 0;
    io_err why = {{0}};
    uint32_t uid = NONE;
    chain_err e = chain_register_owned(w->c, netuid, ag_cold(w, ag), ag->hk, &uid, &why);
    char v[96];
    snprintf(v, sizeof v, "coldkey=%s", ag_cold(w, ag));
    vlog(w, "register", netuid, -1, ag->hk, v, e);
    if (hard(e, err, &why)) return -1;
    if (e != CHAIN_OK) return 0;
    w->st.registrations++;
    return registered(w, idx, netuid, uid, err);
}

/* add_stake / remove_stake of `amount` on hotkey, signed by ag's coldkey. */
static chain_err call_stake(agent_world *w, agent *ag, uint32_t hotkey, uint64_t amount, bool add, io_err *err,
                            int *fail)
{
    io_err why = {{0}};
    const char *hk = chain_hotkey_name(w->c, hotkey);
    chain_err e = add ? chain_add_stake(w->c, ag_cold(w, ag), hk, amount, &why)
                      : chain_remove_stake(w->c, ag_cold(w, ag), hk, amount, &why);
    char v[128];
    snprintf(v, sizeof v, "hotkey=%s amount=%" PRIu64, hk, amount);
    vlog(w, add ? "add_stake" : "remove_stake", -1, -1, ag_cold(w, ag), v, e);
    if (hard(e, err, &why)) *fail = 1;
    return e;
}

int ag_stake_to(agent_world *w, uint32_t idx, uint32_t target, uint64_t amount, io_err *err)
{
    if (amount == 0 || w->a[target].hotkey == NONE) return 0;
    int fail = 0;
    chain_err e = call_stake(w, &w->a[idx], w->a[target].hotkey, amount, true, err, &fail);
    if (fail) return -1;
    if (e == CHAIN_OK && idx != target) w->a[idx].delegate = target;
    return 0;
}

chain_err ag_remove_stake(agent_world *w, agent *ag, uint32_t hotkey, uint64_t amount, io_err *err, int *fail)
{
    return call_stake(w, ag, hotkey, amount, false, err, fail);
}

chain_err ag_become_delegate(agent_world *w, agent *ag, io_err *err, int *fail)
{
    io_err why = {{0}};
    uint16_t take = ag_pop(w, ag)->take;
    chain_err e = chain_become_delegate(w->c, ag_cold(w, ag), ag->hk, take, &why);
    char v[128];
    snprintf(v, sizeof v, "hotkey=%s take=%u", ag->hk, (unsigned)take);
    vlog(w, "become_delegate", -1, -1, ag_cold(w, ag), v, e);
    if (hard(e, err, &why)) *fail = 1;
    return e;
}

chain_err ag_root_register(agent_world *w, agent *ag, io_err *err, int *fail)
{
    io_err why = {{0}};
    uint32_t uid = NONE;
    chain_err e = chain_root_register(w->c, ag_cold(w, ag), ag->hk, &uid, &why);
    char v[96];
    snprintf(v, sizeof v, "hotkey=%s", ag->hk);
    vlog(w, "root_register", -1, -1, ag_cold(w, ag), v, e);
    if (hard(e, err, &why)) *fail = 1;
    return e;
}

/* " d:v" pairs into the row buffer, after prefix. */
static int pairs_text(agent_world *w, const char *prefix, const uint16_t *d, const uint16_t *v, uint32_t n,
                      char sep)
{
    size_t need = strlen(prefix) + (size_t)n * 13 + 1;
    if (need > w->bufcap) {
        char *b = realloc(w->buf, need);
        if (!b) return -1;
        w->buf = b;
        w->bufcap = need;
    }
    size_t at = (size_t)snprintf(w->buf, w->bufcap, "%s", prefix);
    for (uint32_t i = 0; i < n; i++) {
        if (i) w->buf[at++] = sep;
        at += (size_t)snprintf(w->buf + at, w->bufcap - at, "%u:%u", (unsigned)d[i], (unsigned)v[i]);
    }
    w->buf[at] = '\0';
    return 0;
}

chain_err ag_set_weights(agent_world *w, agent *ag, const reg *r, wcache *wc, io_err *err, int *fail)
{
    io_err why = {{0}};
    const chain_subnet *s = chain_subnet_get(w->c, r->netuid);
    uint64_t version = s ? s->hp.weights_version : 0;
    chain_err e = chain_set_weights(w->c, r->netuid, ag->hk, wc->dests, wc->len, wc->vals, wc->len, version, &why);
    if (e == CHAIN_OK) {
        wc->last_set = chain_block(w->c);
        if (w->has_copier && ag_ring_push(&wc->sent, wc->last_set, wc->dests, wc->vals, wc->len)) {
            io_errf(err, "out of memory");
            *fail = 1;
            return CHAIN_ENOMEM;
        }
    }
    if (!w->log) {
        vlog(w, "weights", r->netuid, r->uid, NULL, NULL, e);
    } else {
        char key[24] = "";
        if (version) snprintf(key, sizeof key, "%" PRIu64, version);
        if (pairs_text(w, "", wc->dests, wc->vals, wc->len, ' ')) {
            io_errf(err, "out of memory");
            *fail = 1;
            return CHAIN_ENOMEM;
        }
        vlog(w, "weights", r->netuid, r->uid, key, w->buf, e);
    }
    if (hard(e, err, &why)) *fail = 1;
    return e;
}

chain_err ag_set_root_weights(agent_world *w, agent *ag, const uint16_t *netuids, const uint16_t *vals, uint32_t n,
                              io_err *err, int *fail)
{
    io_err why = {{0}};
    chain_err e = chain_set_root_weights(w->c, ag_cold(w, ag), 0, ag->hk, netuids, n, vals, n, 0, &why);
    if (!w->log) {
        vlog(w, "set_root_weights", 0, -1, NULL, NULL, e);
    } else {
        char prefix[96];
        snprintf(prefix, sizeof prefix, "hotkey=%s weights=", ag->hk);
        /* the weights list is one name=value pair: its pairs are joined by ';' */
        if (pairs_text(w, prefix, netuids, vals, n, ';')) {
            io_errf(err, "out of memory");
            *fail = 1;
            return CHAIN_ENOMEM;
        }
        vlog(w, "set_root_weights", 0, -1, ag_cold(w, ag), w->buf, e);
    }
    if (hard(e, err, &why)) *fail = 1;
    return e;
}

chain_err ag_register_network(agent_world *w, const char *cold, uint16_t *netuid, io_err *err, int *fail)
{
    io_err why = {{0}};
    uint64_t lock = chain_lock_cost(w->c);
    chain_err e = chain_register_network(w->c, cold, netuid, &why);
    vlog(w, "register_network", -1, -1, cold, "", e);
    if (e == CHAIN_OK) {
        w->st.subnets_registered++;
        w->st.locked_rao += lock;
    }
    if (hard(e, err, &why)) *fail = 1;
    return e;
}

/* A signed key (alpha_sigmoid_steepness) holds the two's complement of its value. */
static int call_hparam(agent_world *w, uint16_t netuid, const char *key, uint64_t value, io_err *err)
{
    io_err why = {{0}};
    const bool sgn = chain_hparam_signed(key);
    chain_err e = sgn ? chain_set_hparam_i64(w->c, netuid, key, (int64_t)value, &why)
                      : chain_set_hparam(w->c, netuid, key, value, &why);
    char v[32];
    if (sgn)
        snprintf(v, sizeof v, "%" PRId64, (int64_t)value);
    else
        snprintf(v, sizeof v, "%" PRIu64, value);
    vlog(w, "hparam", netuid, -1, key, v, e);
    if (e != CHAIN_OK) {
        io_errf(err, "subnet %u: cannot set %s = %s: %s", (unsigned)netuid, key, v, why.msg);
        return -1;
    }
    return 0;
}

/* ---- creation ---------------------------------------------------------------- */

/* Agent idx is the k-th of population pop, with role `role`. */
static int make_agent(agent_world *w, uint32_t idx, uint32_t pop, uint32_t k, agent_role role, io_err *err)
{
    const agent_pop *p = &w->plan.pops[pop];
    agent *ag = &w->a[idx];
    memset(ag, 0, sizeof *ag);
    ag->pop = pop;
    ag->sid = (pop << 24) | k;
    ag->role = role;
    ag->hotkey = NONE;
    ag->delegate = NONE;
    ag->owned = NONE;
    ag->rng = rng_stream(w->plan.seed, role_purpose[role], ag->sid);
    char name[CHAIN_HOTKEY_MAX - 1];
    snprintf(name, sizeof name, "%s-%u", p->name, (unsigned)k);
    uint64_t balance = tao_to_rao(draw(w, ag, &p->balance_tao));
    switch (role) {
    case AGENT_MINER: ag->quality = to_u16_unit(draw(w, ag, &p->quality)); break;
    case AGENT_VALIDATOR:
        ag->stake = p->behaviour == AGENT_CABAL ? 0 : tao_to_rao(draw(w, ag, &p->stake_tao));
        ag->sigma = to_u16_unit(draw(w, ag, &p->noise));
        break;
    case AGENT_NOMINATOR: ag->stake = tao_to_rao(draw(w, ag, &p->stake_tao)); break;
    case AGENT_OWNER: ag->max_lock = tao_to_rao(draw(w, ag, &p->max_lock_tao)); break;
    default: break;
    }
    if (role == AGENT_MINER || role == AGENT_VALIDATOR) snprintf(ag->hk, sizeof ag->hk, "%sh", name);
    /* a sybil's identities share the population's one coldkey and budget */
    const char *cold = name;
    char shared[CHAIN_HOTKEY_MAX];
    if (p->behaviour == AGENT_SYBIL) {
        snprintf(shared, sizeof shared, "%s", p->name);
        cold = shared;
        if (k > 0) balance = 0;
    }
    if (chain_coldkey_id(w->c, cold) < 0 || balance + ag->stake > 0) {
        if (ag_fund(w, ag, cold, balance + ag->stake, err)) return -1;
    }
    int64_t cid = chain_coldkey_id(w->c, cold);
    if (cid < 0) {
        io_errf(err, "coldkey %s was not created", cold);
        return -1;
    }
    ag->coldkey = (uint32_t)cid;
    if ((p->behaviour != AGENT_SYBIL || k == 0) && index_set(&w->by_coldkey, &w->nby_coldkey, ag->coldkey, idx)) {
        io_errf(err, "out of memory");
        return -1;
    }
    return 0;
}

/* The cabal holds stake_share of all validator stake: its validators get
 * equal parts of share / (1 - share) times the other validators' total,
 * funded now (after every other trait is drawn). */
static int cabal_stakes(agent_world *w, io_err *err)
{
    unsigned __int128 others = 0;
    for (uint32_t i = 0; i < w->n; i++)
        if (w->a[i].role == AGENT_VALIDATOR && ag_pop(w, &w->a[i])->behaviour != AGENT_CABAL) others += w->a[i].stake;
    for (uint32_t p = 0; p < w->plan.npops; p++) {
        const agent_pop *pp = &w->plan.pops[p];
        if (pp->behaviour != AGENT_CABAL || pp->count == 0) continue;
        uint64_t share = pp->stake_share_ppm >= 1000000 ? 999999 : pp->stake_share_ppm;
        unsigned __int128 total = others * share / (1000000 - share);
        uint64_t each = (uint64_t)(total / pp->count);
        for (uint32_t k = 0; k < pp->count; k++) {
            agent *ag = &w->a[w->pop_first[p] + k];
            ag->stake = each;
            if (each && ag_fund(w, ag, ag_cold(w, ag), each, err)) return -1;
        }
    }
    return 0;
}

agent_world *agent_world_new(const agent_plan *plan, chain *c, agent_log_fn log, void *log_ctx, io_err *err)
{
    agent_world *w = calloc(1, sizeof *w);
    if (!w) goto nomem;
    w->plan = *plan;
    w->c = c;
    w->log = log;
    w->log_ctx = log_ctx;
    uint64_t total = 0;
    for (uint32_t p = 0; p < plan->npops; p++) {
        w->pop_first[p] = (uint32_t)(total < UINT32_MAX ? total : UINT32_MAX);
        total += agent_pop_size(&plan->pops[p]);
        w->has_copier |= plan->pops[p].behaviour == AGENT_COPIER && plan->pops[p].count > 0;
    }
    if (total > AGENT_MAX_AGENTS) {
        io_errf(err, "%" PRIu64 " agents: more than the limit %u", total, AGENT_MAX_AGENTS);
        free(w);
        return NULL;
    }
    w->pop_first[plan->npops] = (uint32_t)total;
    w->n = (uint32_t)total;
    w->a = calloc(total ? total : 1, sizeof *w->a);
    w->inst_of_netuid = malloc(65536 * sizeof *w->inst_of_netuid);
    w->validators = malloc((total ? total : 1) * sizeof *w->validators);
    w->gsl = rng_gsl_alloc(rng_stream(plan->seed, RNG_PURPOSE_SCENARIO, 0));
    if (!w->a || !w->inst_of_netuid || !w->validators || !w->gsl) goto nomem;
    for (uint32_t i = 0; i < 65536; i++) w->inst_of_netuid[i] = NONE;
    for (uint32_t p = 0; p < plan->npops; p++) {
        const agent_pop *pp = &plan->pops[p];
        for (uint32_t k = 0; k < agent_pop_size(pp); k++) {
            uint32_t idx = w->pop_first[p] + k;
            agent_role role = k < pp->count ? pp->role : AGENT_MINER; /* a cabal's miners follow its validators */
            if (make_agent(w, idx, p, k, role, err)) {
                agent_world_free(w);
                return NULL;
            }
            if (role == AGENT_VALIDATOR) w->validators[w->nvalidators++] = idx;
        }
    }
    if (cabal_stakes(w, err)) {
        agent_world_free(w);
        return NULL;
    }
    return w;
nomem:
    io_errf(err, "out of memory");
    agent_world_free(w);
    return NULL;
}

void agent_world_free(agent_world *w)
{
    if (!w) return;
    for (uint32_t i = 0; i < w->n && w->a; i++) {
        free(w->a[i].regs);
        for (uint32_t j = 0; j < w->a[i].nw; j++) {
            wcache *wc = &w->a[i].w[j];
            free(wc->dests);
            free(wc->vals);
            free(wc->holder_hk);
            free(wc->holder_bar);
            free(wc->seen);
            ring_free(&wc->sent);
        }
        free(w->a[i].w);
    }
    for (uint32_t i = 0; i < w->ninst; i++) ring_free(&w->inst[i].consensus);
    free(w->a);
    free(w->inst);
    free(w->by_hotkey);
    free(w->by_coldkey);
    free(w->inst_of_netuid);
    free(w->validators);
    free(w->open);
    if (w->gsl) gsl_rng_free(w->gsl);
    free(w->buf);
    free(w->acc);
    free(w);
}

uint32_t agent_count(const agent_world *w) { return w->n; }

void agent_get(const agent_world *w, uint32_t i, agent_view *v)
{
    const agent *ag = &w->a[i];
    *v = (agent_view){.pop = ag->pop,
                      .role = ag->role,
                      .behaviour = w->plan.pops[ag->pop].behaviour,
                      .coldkey = ag->coldkey,
                      .hotkey = ag->hotkey,
                      .quality = ag->quality,
                      .endowed = ag->endowed,
                      .burned = ag->burned,
                      .active = ag->active};
}

uint32_t agent_of_hotkey(const agent_world *w, uint32_t hotkey)
{
    return hotkey < w->nby_hotkey ? w->by_hotkey[hotkey] : NONE;
}

uint32_t agent_of_coldkey(const agent_world *w, uint32_t coldkey)
{
    return coldkey < w->nby_coldkey ? w->by_coldkey[coldkey] : NONE;
}

uint32_t agent_kind_of_netuid(const agent_world *w, uint16_t netuid)
{
    uint32_t i = w->inst_of_netuid[netuid];
    return i == NONE ? NONE : w->inst[i].kind;
}

uint16_t agent_netuid_value(const agent_world *w, uint16_t netuid)
{
    uint32_t i = w->inst_of_netuid[netuid];
    return i == NONE ? 0 : w->inst[i].value;
}

void agent_get_stats(const agent_world *w, agent_stats *s) { *s = w->st; }

uint32_t agent_kind_netuids(const agent_world *w, uint32_t kind, uint16_t *out, uint32_t cap)
{
    uint32_t m = 0;
    for (uint32_t i = 0; i < w->ninst; i++)
        if (w->inst[i].live && w->inst[i].kind == kind) {
            if (m < cap) out[m] = w->inst[i].netuid;
            m++;
        }
    return m;
}

/* ---- subnet instances --------------------------------------------------------- */

int ag_inst_new(agent_world *w, uint32_t kind, uint32_t owner, uint64_t due, uint32_t *out)
{
    if (ag_grow((void **)&w->inst, &w->capinst, w->ninst + 1, sizeof *w->inst)) return -1;
    inst *in = &w->inst[w->ninst];
    memset(in, 0, sizeof *in);
    in->kind = kind;
    in->owner = owner;
    in->due = due;
    /* the latent value: from the scenario stream of (kind, instance number) */
    rng_pcg32 r = rng_stream(w->plan.seed, RNG_PURPOSE_SCENARIO, ((uint64_t)kind << 32) | w->ninst);
    *rng_gsl_stream(w->gsl) = r;
    in->value = to_u16_unit(scn_dist_sample(&w->plan.kinds[kind].value, w->gsl));
    *out = w->ninst++;
    return 0;
}

/* The subnet is registered as netuid: bind the instance, apply the kind's
 * hyperparameters (those the chain does not already hold). */
int ag_inst_bind(agent_world *w, uint32_t i, uint16_t netuid, io_err *err)
{
    inst *in = &w->inst[i];
    in->netuid = netuid;
    in->live = true;
    in->due = 0;
    in->qsum = 0;
    ag_inst_changed(in, AGENT_CHANGE_ALL);
    w->inst_of_netuid[netuid] = i;
    w->open_valid = false;
    const agent_kind *k = &w->plan.kinds[in->kind];
    for (uint32_t h = 0; h < k->nhparams; h++) {
        uint64_t now;
        if (chain_get_hparam(w->c, netuid, k->hparam_key[h], &now) == CHAIN_OK && now == k->hparam_value[h]) continue;
        if (call_hparam(w, netuid, k->hparam_key[h], k->hparam_value[h], err)) return -1;
    }
    return 0;
}

/* Register a scenario instance now, signed by its synthetic owner (funded
 * with exactly the lock cost). 1 = registered, 0 = refused (retry), -1 = error. */
static int inst_register_scenario(agent_world *w, uint32_t i, io_err *err)
{
    char cold[CHAIN_HOTKEY_MAX];
    snprintf(cold, sizeof cold, "owner-%s-%u", w->plan.kinds[w->inst[i].kind].name, (unsigned)i);
    uint64_t lock = chain_lock_cost(w->c);
    uint64_t have = chain_balance(w->c, cold);
    if (have < lock && ag_fund(w, NULL, cold, lock - have, err)) return -1;
    uint16_t netuid = 0;
    int fail = 0;
    chain_err e = ag_register_network(w, cold, &netuid, err, &fail);
    if (fail) return -1;
    if (e != CHAIN_OK) return 0;
    return ag_inst_bind(w, i, netuid, err) ? -1 : 1;
}

uint64_t agent_kinds_due(agent_world *w, io_err *err, int *failed)
{
    uint64_t now = chain_block(w->c), next = UINT64_MAX;
    *failed = 0;
    for (uint32_t i = 0; i < w->ninst; i++) {
        inst *in = &w->inst[i];
        if (!in->due || in->owner != NONE) continue;
        if (in->due <= now) {
            int r = inst_register_scenario(w, i, err);
            if (r < 0) {
                *failed = 1;
                return UINT64_MAX;
            }
            if (r == 0) in->due = now + 1; /* refused (rate limit, ...): try again next block */
        }
        if (in->due && in->due < next) next = in->due;
    }
    return next;
}

/* ---- genesis and the timeline ---------------------------------------------------- */

/* The k-th live allowed instance, round-robin for genesis placement. */
static int nth_allowed(const agent_world *w, const agent_pop *p, uint32_t k)
{
    uint32_t m = 0;
    for (uint32_t i = 0; i < w->ninst; i++) m += ag_inst_allowed(p, &w->inst[i]);
    if (m == 0) return -1;
    k %= m;
    for (uint32_t i = 0; i < w->ninst; i++)
        if (ag_inst_allowed(p, &w->inst[i]) && k-- == 0) return (int)i;
    return -1;
}

/* A validator's start: delegate first (TxRateLimit counts stake calls), then
 * its own stake, then root membership. */
int ag_validator_setup(agent_world *w, uint32_t idx, io_err *err)
{
    agent *ag = &w->a[idx];
    if (ag->hotkey == NONE || ag->merged) return 0; /* registered nowhere yet: later */
    int fail = 0;
    chain_hotkey_view v;
    if (chain_hotkey_get(w->c, ag->hotkey, &v) == CHAIN_OK && !v.is_delegate) {
        ag_become_delegate(w, ag, err, &fail);
        if (fail) return -1;
    }
    uint64_t bal = chain_balance_of(w->c, ag->coldkey);
    uint64_t amount = ag->stake < bal ? ag->stake : bal;
    if (amount && chain_stake_of(w->c, ag->hotkey, ag->coldkey) == 0 && ag_stake_to(w, idx, idx, amount, err)) return -1;
    if (ag_pop(w, ag)->root && !ag_root_member(w, ag)) {
        ag_root_register(w, ag, err, &fail);
        if (fail) return -1;
    }
    return 0;
}

/* Where a joining miner or validator registers at genesis: every allowed
 * instance (join all), or one, round-robin over the population (a cabal's
 * miners: the instances its validators chose). */
static int join_genesis(agent_world *w, uint32_t idx, uint32_t k, io_err *err)
{
    agent *ag = &w->a[idx];
    const agent_pop *p = ag_pop(w, ag);
    switch (ag->role) {
    case AGENT_MINER:
    case AGENT_VALIDATOR:
        if (p->behaviour == AGENT_SYBIL) return 0; /* sybils pay their way in */
        if (ag_joins_all(p, ag)) {
            for (uint32_t i = 0; i < w->ninst; i++)
                if (ag_inst_allowed(p, &w->inst[i]) && ag_load_register(w, idx, w->inst[i].netuid, err)) return -1;
        } else {
            uint32_t slot = ag->role == AGENT_MINER && p->behaviour == AGENT_CABAL ? k - p->count : k;
            int i = nth_allowed(w, p, slot);
            if (i >= 0 && ag_load_register(w, idx, w->inst[i].netuid, err)) return -1;
        }
        return ag->role == AGENT_VALIDATOR ? ag_validator_setup(w, idx, err) : 0;
    case AGENT_NOMINATOR: {
        uint32_t t = ag_pick_delegate_random(w, idx);
        return t == NONE ? 0 : ag_stake_to(w, idx, t, chain_balance_of(w->c, ag->coldkey), err);
    }
    default: return 0;
    }
}

int agent_pop_join(agent_world *w, uint32_t pop, io_err *err)
{
    const agent_pop *p = &w->plan.pops[pop];
    for (uint32_t k = 0; k < agent_pop_size(p); k++) {
        uint32_t idx = w->pop_first[pop] + k;
        agent *ag = &w->a[idx];
        if (ag->active) continue;
        ag->active = true;
        ag->pruned_out = false;
        if (w->genesis && join_genesis(w, idx, k, err)) return -1;
    }
    return 0;
}

int agent_genesis(agent_world *w, io_err *err)
{
    w->genesis = true;
    int rc = -1;
    /* scenario subnets: those due at block 0 now, the others scheduled */
    for (uint32_t k = 0; k < w->plan.nkinds; k++)
        for (uint32_t i = 0; i < w->plan.kinds[k].count; i++) {
            uint32_t at;
            uint64_t due = w->plan.kinds[k].register_at;
            if (ag_inst_new(w, k, NONE, due ? due : 1, &at)) {
                io_errf(err, "out of memory");
                goto out;
            }
            if (due == 0) {
                int r = inst_register_scenario(w, at, err);
                if (r < 0) goto out;
                if (r == 0) {
                    io_errf(err, "subnet %s: the chain refused its genesis registration (subnet_limit?)",
                            w->plan.kinds[k].name);
                    goto out;
                }
            }
        }
    /* validators first (nominators need delegates), then everybody else */
    for (int pass = 0; pass < 2; pass++)
        for (uint32_t p = 0; p < w->plan.npops; p++)
            if (w->plan.pops[p].join_at == 0 && (w->plan.pops[p].role == AGENT_VALIDATOR) == (pass == 0) &&
                agent_pop_join(w, p, err))
                goto out;
    rc = 0;
out:
    w->genesis = false;
    return rc;
}

int agent_pop_leave(agent_world *w, uint32_t pop, io_err *err)
{
    for (uint32_t k = 0; k < agent_pop_size(&w->plan.pops[pop]); k++) {
        uint32_t idx = w->pop_first[pop] + k;
        agent *ag = &w->a[idx];
        if (!ag->active) continue;
        ag->active = false;
        ag->pruned_out = true;
        uint32_t target = ag->role == AGENT_VALIDATOR ? idx : ag->delegate;
        if (target == NONE || w->a[target].hotkey == NONE) continue;
        uint64_t have = chain_stake_of(w->c, w->a[target].hotkey, ag->coldkey);
        int fail = 0;
        if (have) ag_remove_stake(w, ag, w->a[target].hotkey, have, err, &fail);
        if (fail) return -1;
    }
    return 0;
}

int agent_pop_stake(agent_world *w, uint32_t pop, uint64_t rao_each, io_err *err)
{
    for (uint32_t k = 0; k < agent_pop_size(&w->plan.pops[pop]); k++) {
        uint32_t idx = w->pop_first[pop] + k;
        agent *ag = &w->a[idx];
        if (ag_fund(w, ag, ag_cold(w, ag), rao_each, err)) return -1;
        uint32_t target = ag->role == AGENT_VALIDATOR ? idx : ag->role == AGENT_NOMINATOR ? ag->delegate : NONE;
        if (target != NONE && ag_stake_to(w, idx, target, rao_each, err)) return -1;
    }
    return 0;
}

/* ---- the chain's events ---------------------------------------------------------- */

void agent_on_chain_event(agent_world *w, const chain_event *ev)
{
    switch (ev->kind) {
    case CHAIN_EV_NEURON_ADDED:
        if (ev->netuid != 0) on_uid_change(w, ev->netuid, ev->uid, ev->hotkey, ev->other);
        break;
    case CHAIN_EV_EPOCH: {
        inst *in = ag_inst_of(w, ev->netuid);
        const chain_subnet *s = chain_subnet_get(w->c, ev->netuid);
        if (w->has_copier && in && s) (void)ag_ring_push(&in->consensus, ev->block, NULL, s->consensus, s->n);
        break;
    }
    case CHAIN_EV_SUBNET_REMOVED: {
        inst *in = ag_inst_of(w, ev->netuid);
        for (uint32_t i = 0; i < w->n; i++) lost_uid(w, i, ev->netuid, NULL);
        if (in) {
            in->live = false;
            in->qsum = 0;
            ag_inst_changed(in, AGENT_CHANGE_ALL);
        }
        w->inst_of_netuid[ev->netuid] = NONE;
        w->st.subnets_pruned++;
        w->open_valid = false;
        break;
    }
    default: break;
    }
}
