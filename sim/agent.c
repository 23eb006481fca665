/* agent.c -- populations, traits and the baseline behaviours (agent.h).
 *
 * Layout: the world owns the agents (one array, population order), the
 * subnet instances the scenario knows about (one per registered netuid of a
 * scenario kind), and an index from chain hotkey / coldkey ids to agents.
 * Every chain call goes through one of the call_* wrappers at the bottom of
 * the "calls" section, which formats the replay row, makes the call and
 * logs both. Decisions read the chain through chain.h accessors only.
 */
#include "taosim/agent.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_rng.h>

#include "taosim/rng.h"

#define RAO_PER_TAO 1000000000ull
#define BLOCKS_PER_DAY 7200ull
#define NONE CHAIN_NONE

/* One registration of an agent's hotkey. */
typedef struct reg {
    uint16_t netuid;
    uint32_t uid;
} reg;

/* A validator's cached weight vector on one instance. */
typedef struct wcache {
    uint16_t netuid;
    uint64_t gen;      /* instance generation the vector was built for */
    uint64_t last_set; /* block of the last accepted set_weights */
    uint32_t len, cap;
    uint16_t *dests, *vals;
    /* per uid: who held it and since when, and what this validator sees */
    uint32_t *holder_hk;
    uint64_t *holder_bar;
    uint16_t *seen;
} wcache;

typedef struct agent {
    uint32_t pop;
    uint32_t coldkey, hotkey; /* chain ids; hotkey NONE until created (never for nominators/owners) */
    char hk[CHAIN_HOTKEY_MAX]; /* the hotkey's name ("" for nominators/owners) */
    uint16_t quality;         /* miners: q * 65535 */
    uint16_t sigma;           /* validators: noise * 65535 (saturated) */
    uint64_t endowed;         /* RAO funded at creation */
    uint64_t stake;           /* validators/nominators: RAO to stake */
    uint64_t max_lock;        /* owners: RAO */
    uint32_t delegate;        /* nominators: agent index of the delegate, NONE */
    uint32_t owned;           /* owners: instance index, NONE */
    bool active;              /* joined and not left */
    bool pruned_out;          /* lost a registration and may not come back */
    bool asleep;              /* no act scheduled: waits for agent_wake */
    uint64_t last_root_set;
    rng_pcg32 rng;
    uint32_t nreg, capreg;
    reg *regs;
    uint32_t nw, capw;
    wcache *w;
} agent;

typedef struct inst {
    uint32_t kind;
    uint16_t netuid;
    bool live;
    uint16_t value;     /* latent value * 65535 */
    uint64_t qsum;      /* Σ quality of the miners registered on it */
    uint64_t gen;       /* bumped whenever a uid changes hands */
    uint32_t owner;     /* owner agent, NONE for the scenario's own */
    uint64_t due;       /* scenario instance not yet registered: its block; 0 = done */
} inst;

struct agent_world {
    agent_plan plan;
    chain *c;
    agent_log_fn log;
    void *log_ctx;
    uint32_t n;
    agent *a;
    uint32_t ninst, capinst;
    inst *inst;
    uint32_t *by_hotkey, nby_hotkey; /* hotkey id -> agent */
    uint32_t *by_coldkey, nby_coldkey;
    uint32_t *inst_of_netuid;        /* netuid -> instance, NONE */
    uint32_t *validators, nvalidators; /* agents with the validator role, in index order */
    gsl_rng *gsl;                    /* adapter; state swapped per agent */
    agent_stats st;
    char *buf;                       /* row value buffer */
    size_t bufcap;
    bool genesis;                    /* inside agent_genesis: load state, pay nothing */
    agent_wake_fn wake;
    void *wake_ctx;
};

void agent_set_waker(agent_world *w, agent_wake_fn wake, void *ctx)
{
    w->wake = wake;
    w->wake_ctx = ctx;
}

/* Wake a sleeping agent for its next decision: within its own cadence, at
 * a fixed offset from its index, so that the agents pruned in one block do
 * not all act in the same later block. */
static void wake_up(agent_world *w, uint32_t idx, uint64_t every)
{
    agent *ag = &w->a[idx];
    if (!ag->asleep || !ag->active || !w->wake) return;
    ag->asleep = false;
    if (every == 0) every = 1;
    w->wake(w->wake_ctx, idx, chain_block(w->c) + 1 + idx % every);
}

static const char *const role_names[AGENT_ROLE_COUNT] = {"miner", "validator", "nominator", "owner"};

const char *agent_role_name(agent_role r) { return r < AGENT_ROLE_COUNT ? role_names[r] : "?"; }

static const uint32_t role_purpose[AGENT_ROLE_COUNT] = {RNG_PURPOSE_MINER, RNG_PURPOSE_VALIDATOR,
                                                        RNG_PURPOSE_NOMINATOR, RNG_PURPOSE_OWNER};

/* ---- small helpers -------------------------------------------------------------- */

static int grow(void **p, uint32_t *cap, uint32_t need, size_t elem)
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

/* q + sigma * z, clamped to [0, 65535]. */
static uint16_t perceive(uint16_t q, uint16_t sigma, int32_t z)
{
    int64_t v = (int64_t)q + ((int64_t)sigma * z) / 65536;
    return v < 0 ? 0 : v > 65535 ? 65535 : (uint16_t)v;
}

static const char *cold_name(const agent_world *w, const agent *ag)
{
    return chain_coldkey_name(w->c, ag->coldkey);
}

static const char *hot_name(const agent_world *w, const agent *ag)
{
    (void)w;
    return ag->hk;
}

uint32_t agent_pop_first(const agent_world *w, uint32_t pop)
{
    uint32_t first = 0;
    for (uint32_t p = 0; p < pop; p++) first += w->plan.pops[p].count;
    return first;
}

static const agent_pop *pop_of(const agent_world *w, const agent *ag) { return &w->plan.pops[ag->pop]; }

/* ---- registrations bookkeeping ------------------------------------------------ */

static reg *reg_find(agent *ag, uint16_t netuid)
{
    for (uint32_t i = 0; i < ag->nreg; i++)
        if (ag->regs[i].netuid == netuid) return &ag->regs[i];
    return NULL;
}

static int reg_add(agent *ag, uint16_t netuid, uint32_t uid)
{
    reg *r = reg_find(ag, netuid);
    if (r) {
        r->uid = uid;
        return 0;
    }
    if (grow((void **)&ag->regs, &ag->capreg, ag->nreg + 1, sizeof *ag->regs)) return -1;
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

static inst *inst_of(agent_world *w, uint16_t netuid)
{
    uint32_t i = w->inst_of_netuid[netuid];
    return i == NONE ? NULL : &w->inst[i];
}

/* A uid of `netuid` changed hands: `newh` took it from `oldh` (NONE). */
static void on_uid_change(agent_world *w, uint16_t netuid, uint32_t uid, uint32_t newh, uint32_t oldh)
{
    inst *in = inst_of(w, netuid);
    if (in) in->gen++;
    if (oldh != NONE && oldh < w->nby_hotkey && w->by_hotkey[oldh] != NONE) {
        agent *o = &w->a[w->by_hotkey[oldh]];
        if (reg_find(o, netuid)) {
            reg_drop(o, netuid);
            w->st.prunings++;
            if (in && pop_of(w, o)->role == AGENT_MINER) in->qsum -= o->quality;
            if (!pop_of(w, o)->reregister) o->pruned_out = true;
            else wake_up(w, w->by_hotkey[oldh], pop_of(w, o)->check_every);
        }
    }
    if (newh != NONE && newh < w->nby_hotkey && w->by_hotkey[newh] != NONE) {
        agent *nw = &w->a[w->by_hotkey[newh]];
        if (!reg_find(nw, netuid)) {
            if (in && pop_of(w, nw)->role == AGENT_MINER) in->qsum += nw->quality;
        }
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

static int call_fund(agent_world *w, const char *cold, uint64_t rao, io_err *err)
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
    return 0;
}

static chain_err call_burned_register(agent_world *w, agent *ag, uint16_t netuid, io_err *err, int *fail)
{
    io_err why = {{0}};
    uint64_t burn = chain_subnet_get(w->c, netuid) ? chain_subnet_get(w->c, netuid)->burn : 0;
    uint32_t uid = NONE;
    chain_err e = chain_burned_register(w->c, cold_name(w, ag), netuid, hot_name(w, ag), &uid, &why);
    char v[96];
    snprintf(v, sizeof v, "hotkey=%s", hot_name(w, ag));
    vlog(w, "burned_register", netuid, -1, cold_name(w, ag), v, e);
    if (e == CHAIN_OK) {
        w->st.registrations++;
        w->st.burned_rao += burn;
    }
    if (hard(e, err, &why)) *fail = 1;
    return e;
}

/* Genesis: a registration loaded as state (no burn, no limits). */
static chain_err call_load_register(agent_world *w, agent *ag, uint16_t netuid, io_err *err, int *fail)
{
    io_err why = {{0}};
    uint32_t uid = NONE;
    chain_err e = chain_register_owned(w->c, netuid, cold_name(w, ag), hot_name(w, ag), &uid, &why);
    char v[96];
    snprintf(v, sizeof v, "coldkey=%s", cold_name(w, ag));
    vlog(w, "register", netuid, -1, hot_name(w, ag), v, e);
    if (e == CHAIN_OK) w->st.registrations++;
    if (hard(e, err, &why)) *fail = 1;
    return e;
}

static chain_err call_add_stake(agent_world *w, agent *ag, uint32_t hotkey, uint64_t amount, io_err *err,
                                int *fail)
{
    io_err why = {{0}};
    const char *hk = chain_hotkey_name(w->c, hotkey);
    chain_err e = chain_add_stake(w->c, cold_name(w, ag), hk, amount, &why);
    char v[128];
    snprintf(v, sizeof v, "hotkey=%s amount=%" PRIu64, hk, amount);
    vlog(w, "add_stake", -1, -1, cold_name(w, ag), v, e);
    if (hard(e, err, &why)) *fail = 1;
    return e;
}

static chain_err call_remove_stake(agent_world *w, agent *ag, uint32_t hotkey, uint64_t amount, io_err *err,
                                   int *fail)
{
    io_err why = {{0}};
    const char *hk = chain_hotkey_name(w->c, hotkey);
    chain_err e = chain_remove_stake(w->c, cold_name(w, ag), hk, amount, &why);
    char v[128];
    snprintf(v, sizeof v, "hotkey=%s amount=%" PRIu64, hk, amount);
    vlog(w, "remove_stake", -1, -1, cold_name(w, ag), v, e);
    if (hard(e, err, &why)) *fail = 1;
    return e;
}

static chain_err call_become_delegate(agent_world *w, agent *ag, io_err *err, int *fail)
{
    io_err why = {{0}};
    uint16_t take = pop_of(w, ag)->take;
    chain_err e = chain_become_delegate(w->c, cold_name(w, ag), hot_name(w, ag), take, &why);
    char v[128];
    snprintf(v, sizeof v, "hotkey=%s take=%u", hot_name(w, ag), (unsigned)take);
    vlog(w, "become_delegate", -1, -1, cold_name(w, ag), v, e);
    if (hard(e, err, &why)) *fail = 1;
    return e;
}

static chain_err call_root_register(agent_world *w, agent *ag, io_err *err, int *fail)
{
    io_err why = {{0}};
    uint32_t uid = NONE;
    chain_err e = chain_root_register(w->c, cold_name(w, ag), hot_name(w, ag), &uid, &why);
    char v[96];
    snprintf(v, sizeof v, "hotkey=%s", hot_name(w, ag));
    vlog(w, "root_register", -1, -1, cold_name(w, ag), v, e);
    if (hard(e, err, &why)) *fail = 1;
    return e;
}

/* Append " d:v" pairs to the row buffer. */
static int pairs_text(agent_world *w, const char *prefix, const uint16_t *d, const uint16_t *v, uint32_t n)
{
    size_t need = strlen(prefix) + (size_t)n * 13 + 1;
    if (need > w->bufcap) {
        char *b = realloc(w->buf, need);
        if (!b) return -1;
        w->buf = b;
        w->bufcap = need;
    }
    size_t at = (size_t)snprintf(w->buf, w->bufcap, "%s", prefix);
    for (uint32_t i = 0; i < n; i++)
        at += (size_t)snprintf(w->buf + at, w->bufcap - at, "%s%u:%u", i ? " " : "", (unsigned)d[i],
                               (unsigned)v[i]);
    return 0;
}

static chain_err call_set_weights(agent_world *w, agent *ag, const reg *r, const wcache *wc, io_err *err,
                                  int *fail)
{
    io_err why = {{0}};
    const chain_subnet *s = chain_subnet_get(w->c, r->netuid);
    uint64_t version = s ? s->hp.weights_version : 0;
    chain_err e = chain_set_weights(w->c, r->netuid, hot_name(w, ag), wc->dests, wc->len, wc->vals, wc->len,
                                    version, &why);
    if (!w->log) {
        vlog(w, "weights", r->netuid, r->uid, NULL, NULL, e);
        if (hard(e, err, &why)) *fail = 1;
        return e;
    }
    char key[24] = "";
    if (version) snprintf(key, sizeof key, "%" PRIu64, version);
    if (pairs_text(w, "", wc->dests, wc->vals, wc->len)) {
        io_errf(err, "out of memory");
        *fail = 1;
        return CHAIN_ENOMEM;
    }
    vlog(w, "weights", r->netuid, r->uid, key, w->buf, e);
    if (hard(e, err, &why)) *fail = 1;
    return e;
}

static chain_err call_set_root_weights(agent_world *w, agent *ag, const uint16_t *netuids, const uint16_t *vals,
                                       uint32_t n, io_err *err, int *fail)
{
    io_err why = {{0}};
    chain_err e = chain_set_root_weights(w->c, cold_name(w, ag), 0, hot_name(w, ag), netuids, n, vals, n, 0, &why);
    if (!w->log) {
        vlog(w, "set_root_weights", 0, -1, NULL, NULL, e);
        if (hard(e, err, &why)) *fail = 1;
        return e;
    }
    char prefix[96];
    snprintf(prefix, sizeof prefix, "hotkey=%s weights=", hot_name(w, ag));
    if (pairs_text(w, prefix, netuids, vals, n)) {
        io_errf(err, "out of memory");
        *fail = 1;
        return CHAIN_ENOMEM;
    }
    /* the weights list is one name=value pair: its pairs are joined by ';' */
    for (char *p = w->buf + strlen(prefix); *p; p++)
        if (*p == ' ') *p = ';';
    vlog(w, "set_root_weights", 0, -1, cold_name(w, ag), w->buf, e);
    if (hard(e, err, &why)) *fail = 1;
    return e;
}

static chain_err call_register_network(agent_world *w, const char *cold, uint16_t *netuid, io_err *err, int *fail)
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

static int make_agent(agent_world *w, uint32_t idx, uint32_t pop, uint32_t k, io_err *err)
{
    const agent_pop *p = &w->plan.pops[pop];
    agent *ag = &w->a[idx];
    memset(ag, 0, sizeof *ag);
    ag->pop = pop;
    ag->hotkey = NONE;
    ag->delegate = NONE;
    ag->owned = NONE;
    ag->rng = rng_stream(w->plan.seed, role_purpose[p->role], idx);
    char name[CHAIN_HOTKEY_MAX - 1];
    snprintf(name, sizeof name, "%s-%u", p->name, (unsigned)k);
    double bal = draw(w, ag, &p->balance_tao);
    switch (p->role) {
    case AGENT_MINER: ag->quality = to_u16_unit(draw(w, ag, &p->quality)); break;
    case AGENT_VALIDATOR:
        ag->stake = tao_to_rao(draw(w, ag, &p->stake_tao));
        ag->sigma = to_u16_unit(draw(w, ag, &p->noise));
        break;
    case AGENT_NOMINATOR: ag->stake = tao_to_rao(draw(w, ag, &p->stake_tao)); break;
    case AGENT_OWNER: ag->max_lock = tao_to_rao(draw(w, ag, &p->max_lock_tao)); break;
    default: break;
    }
    ag->endowed = tao_to_rao(bal) + ag->stake;
    if (ag->endowed && call_fund(w, name, ag->endowed, err)) return -1;
    if (!ag->endowed && call_fund(w, name, 0, err)) return -1; /* creates the coldkey */
    if (p->role == AGENT_MINER || p->role == AGENT_VALIDATOR) snprintf(ag->hk, sizeof ag->hk, "%sh", name);
    int64_t cid = chain_coldkey_id(w->c, name);
    if (cid < 0) {
        io_errf(err, "coldkey %s was not created", name);
        return -1;
    }
    ag->coldkey = (uint32_t)cid;
    if (index_set(&w->by_coldkey, &w->nby_coldkey, ag->coldkey, idx)) goto nomem;
    return 0;
nomem:
    io_errf(err, "out of memory");
    return -1;
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
    for (uint32_t p = 0; p < plan->npops; p++) total += plan->pops[p].count;
    if (total > AGENT_MAX_AGENTS) {
        io_errf(err, "%" PRIu64 " agents: more than the limit %u", total, AGENT_MAX_AGENTS);
        free(w);
        return NULL;
    }
    w->n = (uint32_t)total;
    w->a = calloc(total ? total : 1, sizeof *w->a);
    w->inst_of_netuid = malloc(65536 * sizeof *w->inst_of_netuid);
    w->gsl = rng_gsl_alloc(rng_stream(plan->seed, RNG_PURPOSE_SCENARIO, 0));
    if (!w->a || !w->inst_of_netuid || !w->gsl) goto nomem;
    for (uint32_t i = 0; i < 65536; i++) w->inst_of_netuid[i] = NONE;
    w->validators = malloc((total ? total : 1) * sizeof *w->validators);
    if (!w->validators) goto nomem;
    uint32_t idx = 0;
    for (uint32_t p = 0; p < plan->npops; p++)
        for (uint32_t k = 0; k < plan->pops[p].count; k++, idx++)
            if (make_agent(w, idx, p, k, err)) {
                agent_world_free(w);
                return NULL;
            } else if (plan->pops[p].role == AGENT_VALIDATOR) {
                w->validators[w->nvalidators++] = idx;
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
            free(w->a[i].w[j].dests);
            free(w->a[i].w[j].vals);
            free(w->a[i].w[j].holder_hk);
            free(w->a[i].w[j].holder_bar);
            free(w->a[i].w[j].seen);
        }
        free(w->a[i].w);
    }
    free(w->a);
    free(w->inst);
    free(w->by_hotkey);
    free(w->by_coldkey);
    free(w->inst_of_netuid);
    free(w->validators);
    if (w->gsl) gsl_rng_free(w->gsl);
    free(w->buf);
    free(w);
}

uint32_t agent_count(const agent_world *w) { return w->n; }

void agent_get(const agent_world *w, uint32_t i, agent_view *v)
{
    const agent *ag = &w->a[i];
    *v = (agent_view){.pop = ag->pop,
                      .role = w->plan.pops[ag->pop].role,
                      .coldkey = ag->coldkey,
                      .hotkey = ag->hotkey,
                      .quality = ag->quality,
                      .endowed = ag->endowed,
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

/* ---- subnet instances --------------------------------------------------------- */

static int inst_new(agent_world *w, uint32_t kind, uint32_t owner, uint64_t due, uint32_t *out)
{
    if (grow((void **)&w->inst, &w->capinst, w->ninst + 1, sizeof *w->inst)) return -1;
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
 * hyperparameters. */
static int inst_bind(agent_world *w, uint32_t i, uint16_t netuid, io_err *err)
{
    inst *in = &w->inst[i];
    in->netuid = netuid;
    in->live = true;
    in->due = 0;
    in->qsum = 0;
    in->gen++;
    w->inst_of_netuid[netuid] = i;
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
    if (have < lock && call_fund(w, cold, lock - have, err)) return -1;
    uint16_t netuid = 0;
    int fail = 0;
    chain_err e = call_register_network(w, cold, &netuid, err, &fail);
    if (fail) return -1;
    if (e != CHAIN_OK) return 0;
    return inst_bind(w, i, netuid, err) ? -1 : 1;
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

/* ---- genesis ------------------------------------------------------------------- */

static bool may_join_kind(const agent_pop *p, uint32_t kind) { return (p->kinds >> kind) & 1; }


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
static int registered(agent_world *w, uint32_t idx, uint16_t netuid, io_err *err)
{
    if (note_hotkey(w, idx, err)) return -1;
    agent *ag = &w->a[idx];
    const chain_subnet *s = chain_subnet_get(w->c, netuid);
    for (uint32_t uid = 0; s && uid < s->n; uid++)
        if (s->hotkey[uid] == ag->hotkey) {
            on_uid_change(w, netuid, uid, ag->hotkey, NONE);
            break;
        }
    return 0;
}

/* What a caller reads from storage before paying: is burned registration
 * open on s in this block (allowed, under the per-block and per-interval
 * limits)? */
static bool reg_open(const chain_subnet *s, uint64_t block)
{
    if (!s->hp.registration_allowed) return false;
    uint32_t this_block = s->regs_block == block ? s->regs_this_block : 0;
    if (this_block >= s->hp.max_registrations_per_block) return false;
    uint32_t lim = 3u * s->hp.target_registrations_per_interval;
    if (lim > UINT16_MAX) lim = UINT16_MAX;
    return s->regs_this_interval < lim;
}

static bool root_member(const agent_world *w, const agent *ag)
{
    const chain_subnet *root = chain_subnet_get(w->c, 0);
    for (uint32_t uid = 0; root && ag->hotkey != NONE && uid < root->n; uid++)
        if (root->hotkey[uid] == ag->hotkey) return true;
    return false;
}

/* Live instances agent idx may join, in instance order. */
static bool inst_allowed(const agent_world *w, const agent_pop *p, const inst *in)
{
    (void)w;
    return in->live && may_join_kind(p, in->kind);
}

static int load_register(agent_world *w, uint32_t idx, uint16_t netuid, io_err *err)
{
    int fail = 0;
    chain_err e = call_load_register(w, &w->a[idx], netuid, err, &fail);
    if (fail) return -1;
    return e == CHAIN_OK ? registered(w, idx, netuid, err) : 0;
}

static int paid_register(agent_world *w, uint32_t idx, uint16_t netuid, io_err *err)
{
    int fail = 0;
    chain_err e = call_burned_register(w, &w->a[idx], netuid, err, &fail);
    if (fail) return -1;
    return e == CHAIN_OK ? registered(w, idx, netuid, err) : 0;
}

/* The k-th live allowed instance, round-robin for genesis placement. */
static int nth_allowed(const agent_world *w, const agent_pop *p, uint32_t k)
{
    uint32_t m = 0;
    for (uint32_t i = 0; i < w->ninst; i++) m += inst_allowed(w, p, &w->inst[i]);
    if (m == 0) return -1;
    k %= m;
    for (uint32_t i = 0; i < w->ninst; i++)
        if (inst_allowed(w, p, &w->inst[i]) && k-- == 0) return (int)i;
    return -1;
}

/* The validator agents a nominator of population p may delegate to. */
static bool is_delegate_target(const agent_world *w, const agent_pop *p, const agent *v)
{
    return w->plan.pops[v->pop].role == AGENT_VALIDATOR && ((p->validator_pops >> v->pop) & 1) && v->active &&
           v->hotkey != NONE;
}

static uint32_t pick_delegate_random(agent_world *w, uint32_t idx)
{
    agent *ag = &w->a[idx];
    const agent_pop *p = pop_of(w, ag);
    uint32_t m = 0;
    for (uint32_t j = 0; j < w->nvalidators; j++) m += is_delegate_target(w, p, &w->a[w->validators[j]]);
    if (m == 0) return NONE;
    uint32_t k = rng_bounded_u32(&ag->rng, m);
    for (uint32_t j = 0; j < w->nvalidators; j++)
        if (is_delegate_target(w, p, &w->a[w->validators[j]]) && k-- == 0) return w->validators[j];
    return NONE;
}

static int stake_to(agent_world *w, uint32_t idx, uint32_t target, uint64_t amount, io_err *err)
{
    if (amount == 0 || w->a[target].hotkey == NONE) return 0;
    int fail = 0;
    chain_err e = call_add_stake(w, &w->a[idx], w->a[target].hotkey, amount, err, &fail);
    if (fail) return -1;
    if (e == CHAIN_OK && idx != target) w->a[idx].delegate = target;
    return 0;
}

/* A validator's start: delegate first (TxRateLimit counts stake calls), then
 * its own stake, then root membership. */
static int validator_setup(agent_world *w, uint32_t idx, io_err *err)
{
    agent *ag = &w->a[idx];
    if (ag->hotkey == NONE) return 0; /* registered nowhere yet: later */
    int fail = 0;
    chain_hotkey_view v;
    if (chain_hotkey_get(w->c, ag->hotkey, &v) == CHAIN_OK && !v.is_delegate) {
        call_become_delegate(w, ag, err, &fail);
        if (fail) return -1;
    }
    uint64_t bal = chain_balance(w->c, cold_name(w, ag));
    uint64_t amount = ag->stake < bal ? ag->stake : bal;
    if (amount && chain_stake(w->c, ag->hk, cold_name(w, ag)) == 0 && stake_to(w, idx, idx, amount, err)) return -1;
    if (pop_of(w, ag)->root && !root_member(w, ag)) {
        call_root_register(w, ag, err, &fail);
        if (fail) return -1;
    }
    return 0;
}

static int join_genesis(agent_world *w, uint32_t idx, uint32_t k, io_err *err)
{
    agent *ag = &w->a[idx];
    const agent_pop *p = pop_of(w, ag);
    switch (p->role) {
    case AGENT_MINER:
    case AGENT_VALIDATOR:
        if (p->join_all) {
            for (uint32_t i = 0; i < w->ninst; i++)
                if (inst_allowed(w, p, &w->inst[i]) && load_register(w, idx, w->inst[i].netuid, err)) return -1;
        } else {
            int i = nth_allowed(w, p, k);
            if (i >= 0 && load_register(w, idx, w->inst[i].netuid, err)) return -1;
        }
        if (p->role == AGENT_VALIDATOR) return validator_setup(w, idx, err);
        return 0;
    case AGENT_NOMINATOR: {
        uint32_t t = pick_delegate_random(w, idx);
        return t == NONE ? 0 : stake_to(w, idx, t, chain_balance(w->c, cold_name(w, ag)), err);
    }
    default: return 0;
    }
}

int agent_pop_join(agent_world *w, uint32_t pop, io_err *err)
{
    uint32_t first = agent_pop_first(w, pop);
    const agent_pop *p = &w->plan.pops[pop];
    for (uint32_t k = 0; k < p->count; k++) {
        agent *ag = &w->a[first + k];
        if (ag->active) continue;
        ag->active = true;
        ag->pruned_out = false;
        if (w->genesis && join_genesis(w, first + k, k, err)) return -1;
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
            if (inst_new(w, k, NONE, due ? due : 1, &at)) {
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
    for (uint32_t p = 0; p < w->plan.npops; p++)
        if (w->plan.pops[p].join_at == 0 && agent_pop_join(w, p, err)) goto out;
    rc = 0;
out:
    w->genesis = false;
    return rc;
}

/* ---- behaviours ------------------------------------------------------------------- */

uint64_t agent_first_act(const agent_world *w, uint32_t a)
{
    const agent *ag = &w->a[a];
    const agent_pop *p = &w->plan.pops[ag->pop];
    uint64_t every = p->role == AGENT_MINER || p->role == AGENT_OWNER ? p->check_every
                     : p->role == AGENT_NOMINATOR                      ? p->review_every
                     : p->weights_every                                ? p->weights_every
                                                                       : 360;
    if (every == 0) every = 1;
    /* a fixed stagger from the agent's index (no draw: the stream stays the
     * agent's own) so that a population does not act in one block */
    uint64_t off = 1 + rng_mix64(w->plan.seed ^ ((uint64_t)a << 20) ^ 0x737461676765ull) % every;
    return p->join_at + off;
}

/* Expected daily reward of miner q on instance in, RAO (u128 to be safe). */
static unsigned __int128 miner_daily(const agent_world *w, const inst *in, uint16_t q)
{
    const chain_subnet *s = chain_subnet_get(w->c, in->netuid);
    if (!s || q == 0) return 0;
    unsigned __int128 e = (unsigned __int128)s->emission_value * (BLOCKS_PER_DAY / 2);
    return e * q / ((uint64_t)q + in->qsum);
}

static int act_miner(agent_world *w, uint32_t idx, io_err *err)
{
    agent *ag = &w->a[idx];
    const agent_pop *p = pop_of(w, ag);
    if (ag->pruned_out) return 0;
    if (ag->nreg > 0 && !p->join_all) return 0;
    uint64_t bal = chain_balance(w->c, cold_name(w, ag));
    int best = -1;
    unsigned __int128 best_net = 0;
    for (uint32_t i = 0; i < w->ninst; i++) {
        const inst *in = &w->inst[i];
        if (!inst_allowed(w, p, in) || reg_find(ag, in->netuid)) continue;
        const chain_subnet *s = chain_subnet_get(w->c, in->netuid);
        if (!s || s->burn > bal || !reg_open(s, chain_block(w->c))) continue;
        unsigned __int128 gain = miner_daily(w, in, ag->quality) * p->payback_days;
        if (gain < s->burn) continue;
        unsigned __int128 net = gain - s->burn;
        if (best < 0 || net > best_net) {
            best = (int)i;
            best_net = net;
        }
    }
    return best < 0 ? 0 : paid_register(w, idx, w->inst[best].netuid, err);
}

/* Build (or reuse) the validator's weight vector on r->netuid. */
static int weights_build(agent_world *w, uint32_t idx, const reg *r, wcache **out, io_err *err)
{
    agent *ag = &w->a[idx];
    const inst *in = inst_of(w, r->netuid);
    wcache *wc = NULL;
    for (uint32_t i = 0; i < ag->nw; i++)
        if (ag->w[i].netuid == r->netuid) wc = &ag->w[i];
    if (!wc) {
        if (grow((void **)&ag->w, &ag->capw, ag->nw + 1, sizeof *ag->w)) goto nomem;
        wc = &ag->w[ag->nw++];
        wc->netuid = r->netuid;
        wc->gen = UINT64_MAX;
    }
    *out = wc;
    if (in && wc->gen == in->gen) return 0;
    const chain_subnet *s = chain_subnet_get(w->c, r->netuid);
    if (s->n > wc->cap) {
        uint32_t cap = wc->cap;
        if (grow((void **)&wc->dests, &cap, s->n, sizeof *wc->dests)) goto nomem;
        void *v = realloc(wc->vals, (size_t)cap * sizeof *wc->vals), *h = realloc(wc->holder_hk, (size_t)cap * sizeof *wc->holder_hk),
             *b = realloc(wc->holder_bar, (size_t)cap * sizeof *wc->holder_bar), *sn = realloc(wc->seen, (size_t)cap * sizeof *wc->seen);
        if (v) wc->vals = v;
        if (h) wc->holder_hk = h;
        if (b) wc->holder_bar = b;
        if (sn) wc->seen = sn;
        if (!v || !h || !b || !sn) goto nomem;
        for (uint32_t u = wc->cap; u < cap; u++) wc->holder_hk[u] = NONE;
        wc->cap = cap;
    }
    wc->len = 0;
    for (uint32_t uid = 0; uid < s->n; uid++) {
        uint32_t hk = s->hotkey[uid];
        uint64_t bar = s->block_at_registration[uid];
        if (wc->holder_hk[uid] != hk || wc->holder_bar[uid] != bar) { /* a new occupant: look at it once */
            uint32_t holder = agent_of_hotkey(w, hk);
            uint16_t v = 0;
            if (holder != NONE && pop_of(w, &w->a[holder])->role == AGENT_MINER)
                v = perceive(w->a[holder].quality, ag->sigma, agent_perception_z(w->plan.seed, idx, hk, bar));
            wc->holder_hk[uid] = hk;
            wc->holder_bar[uid] = bar;
            wc->seen[uid] = v;
        }
        if (wc->seen[uid] == 0) continue;
        wc->dests[wc->len] = (uint16_t)uid;
        wc->vals[wc->len++] = wc->seen[uid];
    }
    wc->gen = in ? in->gen : 0;
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
        if (weights_build(w, idx, &r, &wc, err)) return -1;
        if (wc->len == 0 || wc->len < s->hp.min_allowed_weights) continue;
        int fail = 0;
        if (call_set_weights(w, ag, &r, wc, err, &fail) == CHAIN_OK) wc->last_set = chain_block(w->c);
        if (fail) return -1;
    }
    return 0;
}

static int validator_root_weights(agent_world *w, uint32_t idx, io_err *err)
{
    agent *ag = &w->a[idx];
    const agent_pop *p = pop_of(w, ag);
    uint64_t now = chain_block(w->c);
    if (!p->root || (ag->last_root_set && now - ag->last_root_set < p->root_every)) return 0;
    if (!root_member(w, ag)) return 0; /* validator_setup (re)joins root; weights from the next act on */
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
        int32_t z = agent_perception_z(w->plan.seed, idx, 0x10000u + in->netuid, s ? s->registered_at : 0);
        uint16_t val = perceive(in->value, ag->sigma, z);
        if (val == 0) continue;
        d[m] = in->netuid;
        v[m++] = val;
    }
    int rc = 0;
    if (m > 0) {
        int fail = 0;
        if (call_set_root_weights(w, ag, d, v, m, err, &fail) == CHAIN_OK) ag->last_root_set = now;
        rc = fail ? -1 : 0;
    }
    free(d);
    free(v);
    return rc;
}

static int act_validator(agent_world *w, uint32_t idx, io_err *err)
{
    agent *ag = &w->a[idx];
    const agent_pop *p = pop_of(w, ag);
    if (!ag->pruned_out) {
        /* join instances it should be on (new subnets, lost uids) */
        uint64_t bal = chain_balance(w->c, cold_name(w, ag));
        for (uint32_t i = 0; i < w->ninst; i++) {
            const inst *in = &w->inst[i];
            if (!inst_allowed(w, p, in) || reg_find(ag, in->netuid)) continue;
            if (!p->join_all && ag->nreg > 0) break;
            const chain_subnet *s = chain_subnet_get(w->c, in->netuid);
            if (!s || s->burn > bal || !reg_open(s, chain_block(w->c))) continue;
            if (paid_register(w, idx, in->netuid, err)) return -1;
            bal = chain_balance(w->c, cold_name(w, ag));
        }
        if (validator_setup(w, idx, err)) return -1;
    }
    if (validator_weights(w, idx, err)) return -1;
    return validator_root_weights(w, idx, err);
}

/* Last-epoch dividends per staked RAO of validator v, scaled by 2^32. */
static unsigned __int128 delegate_return(const agent_world *w, const agent *v)
{
    uint64_t stake = chain_hotkey_stake(w->c, v->hk);
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
    const agent_pop *p = pop_of(w, ag);
    const char *cold = cold_name(w, ag);
    if (ag->delegate == NONE || !is_delegate_target(w, p, &w->a[ag->delegate])) {
        uint32_t t = pick_delegate_random(w, idx);
        if (t == NONE) return 0;
        ag->delegate = t;
    }
    uint32_t cur = ag->delegate;
    if (rng_bounded_u32(&ag->rng, 1000000) >= p->inertia_ppm) {
        uint32_t best = cur;
        unsigned __int128 best_r = delegate_return(w, &w->a[cur]);
        for (uint32_t j = 0; j < w->nvalidators; j++) {
            uint32_t i = w->validators[j];
            if (!is_delegate_target(w, p, &w->a[i])) continue;
            unsigned __int128 r = delegate_return(w, &w->a[i]);
            if (r > best_r) {
                best = i;
                best_r = r;
            }
        }
        if (best != cur) {
            uint64_t have = chain_stake(w->c, w->a[cur].hk, cold);
            int fail = 0;
            if (have && call_remove_stake(w, ag, w->a[cur].hotkey, have, err, &fail) != CHAIN_OK) {
                return fail ? -1 : 0; /* rate limit: try again next review */
            }
            ag->delegate = best;
        }
    }
    /* whatever is free (refunds, the moved stake) goes to the delegate */
    return stake_to(w, idx, ag->delegate, chain_balance(w->c, cold), err);
}

static int act_owner(agent_world *w, uint32_t idx, io_err *err)
{
    agent *ag = &w->a[idx];
    const agent_pop *p = pop_of(w, ag);
    if (ag->owned != NONE && (w->inst[ag->owned].live || !p->reregister)) return 0;
    uint64_t lock = chain_lock_cost(w->c);
    if (lock > ag->max_lock || lock > chain_balance(w->c, cold_name(w, ag))) return 0;
    uint16_t netuid = 0;
    int fail = 0;
    chain_err e = call_register_network(w, cold_name(w, ag), &netuid, err, &fail);
    if (fail) return -1;
    if (e != CHAIN_OK) return 0;
    uint32_t at;
    if (inst_new(w, p->owner_kind, idx, 0, &at)) {
        io_errf(err, "out of memory");
        return -1;
    }
    ag->owned = at;
    return inst_bind(w, at, netuid, err);
}

int64_t agent_act(agent_world *w, uint32_t a, io_err *err)
{
    agent *ag = &w->a[a];
    if (!ag->active) return 0;
    const agent_pop *p = pop_of(w, ag);
    int rc = 0;
    uint64_t every = 1;
    switch (p->role) {
    case AGENT_MINER:
        rc = act_miner(w, a, err);
        every = p->check_every;
        if (!rc && ag->nreg > 0 && !p->join_all && w->wake) { /* nothing to do until pruned */
            ag->asleep = true;
            return 0;
        }
        break;
    case AGENT_VALIDATOR:
        rc = act_validator(w, a, err);
        every = p->weights_every;
        if (every == 0) {
            every = UINT64_MAX;
            for (uint32_t i = 0; i < ag->nreg; i++) {
                const chain_subnet *s = chain_subnet_get(w->c, ag->regs[i].netuid);
                uint64_t t = s && s->hp.tempo ? (uint64_t)s->hp.tempo + 1 : 361;
                if (t < every) every = t;
            }
            if (every == UINT64_MAX) every = 361;
        }
        break;
    case AGENT_NOMINATOR:
        rc = act_nominator(w, a, err);
        every = p->review_every;
        break;
    case AGENT_OWNER:
        rc = act_owner(w, a, err);
        every = p->check_every;
        break;
    default: break;
    }
    if (rc) return -1;
    return (int64_t)(every ? every : 1);
}

int agent_pop_leave(agent_world *w, uint32_t pop, io_err *err)
{
    uint32_t first = agent_pop_first(w, pop);
    for (uint32_t k = 0; k < w->plan.pops[pop].count; k++) {
        agent *ag = &w->a[first + k];
        if (!ag->active) continue;
        ag->active = false;
        ag->pruned_out = true;
        uint32_t target = w->plan.pops[pop].role == AGENT_VALIDATOR ? first + k : ag->delegate;
        if (target == NONE || w->a[target].hotkey == NONE) continue;
        uint64_t have = chain_stake(w->c, w->a[target].hk, cold_name(w, ag));
        int fail = 0;
        if (have) call_remove_stake(w, ag, w->a[target].hotkey, have, err, &fail);
        if (fail) return -1;
    }
    return 0;
}

int agent_pop_stake(agent_world *w, uint32_t pop, uint64_t rao_each, io_err *err)
{
    uint32_t first = agent_pop_first(w, pop);
    agent_role role = w->plan.pops[pop].role;
    for (uint32_t k = 0; k < w->plan.pops[pop].count; k++) {
        uint32_t idx = first + k;
        agent *ag = &w->a[idx];
        if (call_fund(w, cold_name(w, ag), rao_each, err)) return -1;
        ag->endowed += rao_each;
        uint32_t target = role == AGENT_VALIDATOR ? idx : role == AGENT_NOMINATOR ? ag->delegate : NONE;
        if (target != NONE && stake_to(w, idx, target, rao_each, err)) return -1;
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
    case CHAIN_EV_SUBNET_REMOVED: {
        inst *in = inst_of(w, ev->netuid);
        for (uint32_t i = 0; i < w->n; i++)
            if (reg_find(&w->a[i], ev->netuid)) {
                reg_drop(&w->a[i], ev->netuid);
                w->st.prunings++;
                wake_up(w, i, pop_of(w, &w->a[i])->check_every);
            }
        if (in) {
            in->live = false;
            in->qsum = 0;
            in->gen++;
        }
        w->inst_of_netuid[ev->netuid] = NONE;
        w->st.subnets_pruned++;
        break;
    }
    default: break;
    }
}

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
