/* run.c -- one run of a scenario: genesis, the event loop, the traces (run.h). */
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "run_int.h"
#include "taosim/chain.h"
#include "taosim/emission.h"
#include "taosim/replay.h"
#include "taosim/sim.h"
#include "taosim/trace.h"

#define BLOCKS_PER_YEAR 2629800ull
#define BLOCKS_PER_DAY 7200ull
#define NONE CHAIN_NONE

enum { T_SUPPLY, T_SUBNETS, T_NEURONS, T_EVENTS, T_ACTIONS, T_POPS, T_SUMMARY, T_COUNT };

typedef struct run_ctx {
    const scn_config *cfg;
    run_plan *plan;
    run_opts o;
    chain *c;
    agent_world *w;
    sim_engine e;
    io_outdir od;
    trace_table t[T_COUNT];
    bool open[T_COUNT];
    uint64_t epochs;
    uint64_t last_emission; /* block emission seen at the last root epoch */
    uint32_t halvings;
    run_metrics *m;         /* what each population gets */
    bool twin_done;         /* the no-attack twin ran: honest_twin holds its honest miners' emission */
    uint64_t honest_twin;
    char summary_header[AGENT_MAX_POPS * 6 * 72 + 512];
    uint64_t next_progress;
    int failed;             /* a handler failed: err holds why (RUN_EFAIL or RUN_EINPUT) */
    io_err err;
    char *line;             /* scratch for rows */
    run_profile prof;
} run_ctx;

static uint64_t tick(const run_ctx *r) { return r->o.clock_ns ? r->o.clock_ns() : 0; }

/* ---- dates --------------------------------------------------------------------- */

/* Civil date of `days` since 1970-01-01 (H. Hinnant's algorithm). */
static void civil(int64_t days, char *buf, size_t cap)
{
    int64_t z = days + 719468, era = (z >= 0 ? z : z - 146096) / 146097;
    int64_t doe = z - era * 146097, yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int64_t y = yoe + era * 400, doy = doe - (365 * yoe + yoe / 4 - yoe / 100), mp = (5 * doy + 2) / 153;
    int64_t d = doy - (153 * mp + 2) / 5 + 1, m = mp < 10 ? mp + 3 : mp - 9;
    snprintf(buf, cap, "%04" PRId64 "-%02" PRId64 "-%02" PRId64, y + (m <= 2), m, d);
}

static void block_date(const run_ctx *r, uint64_t block, char *buf, size_t cap)
{
    civil(r->plan->start_days + (int64_t)(block / BLOCKS_PER_DAY), buf, cap);
}

/* ---- the action log ------------------------------------------------------------------ */

static void log_action(void *ctx, uint64_t block, const char *op, int netuid, int64_t uid, const char *key,
                       const char *value, chain_err result)
{
    run_ctx *r = ctx;
    (void)result;
    if (!r->open[T_ACTIONS]) return;
    trace_table *t = &r->t[T_ACTIONS];
    trace_u64(t, block);
    trace_text(t, op);
    trace_opt_u64(t, netuid >= 0, (uint64_t)netuid);
    trace_opt_u64(t, uid >= 0, (uint64_t)uid);
    trace_text(t, key ? key : "");
    trace_text(t, value ? value : "");
    trace_end(t);
}

/* ---- events.csv ----------------------------------------------------------------------- */

static void event_row(run_ctx *r, uint64_t block, const char *what, int netuid, uint32_t uid, uint32_t hotkey,
                      uint64_t amount, const char *detail)
{
    trace_table *t = &r->t[T_EVENTS];
    trace_u64(t, block);
    trace_text(t, what);
    trace_opt_u64(t, netuid >= 0, (uint64_t)netuid);
    trace_opt_u64(t, uid != NONE, uid);
    const char *hk = hotkey != NONE ? chain_hotkey_name(r->c, hotkey) : NULL;
    trace_text(t, hk ? hk : "");
    uint32_t a = hotkey != NONE ? agent_of_hotkey(r->w, hotkey) : NONE;
    trace_opt_u64(t, a != NONE, a);
    trace_u64(t, amount);
    trace_text(t, detail ? detail : "");
    trace_end(t);
}

/* ---- samples ---------------------------------------------------------------------------- */

static uint32_t halvings_of(uint64_t e)
{
    uint32_t k = 0;
    while (k < 30 && (1000000000ull >> k) > e) k++;
    return e == 0 ? 30 : k;
}

static void neuron_rows(run_ctx *r, const chain_subnet *s)
{
    trace_table *t = &r->t[T_NEURONS];
    uint64_t b = chain_block(r->c);
    for (uint32_t uid = 0; uid < s->n; uid++) {
        uint32_t a = agent_of_hotkey(r->w, s->hotkey[uid]);
        agent_view v = {0};
        if (a != NONE) agent_get(r->w, a, &v);
        trace_u64(t, b);
        trace_u64(t, s->netuid);
        trace_u64(t, uid);
        const char *hk = chain_hotkey_name(r->c, s->hotkey[uid]);
        trace_text(t, hk ? hk : "");
        if (a != NONE) {
            trace_u64(t, a);
            trace_text(t, r->plan->agents.pops[v.pop].name);
            trace_text(t, agent_role_name(v.role));
        } else {
            trace_empty(t);
            trace_empty(t);
            trace_empty(t);
        }
        trace_u64(t, chain_uid_stake(r->c, s, uid));
        trace_u64(t, s->incentive[uid]);
        trace_u64(t, s->dividends[uid]);
        trace_u64(t, s->emission[uid]);
        trace_u64(t, s->trust[uid]);
        trace_u64(t, s->consensus[uid]);
        trace_u64(t, s->validator_trust[uid]);
        trace_u64(t, s->permit[uid]);
        trace_end(t);
    }
}

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

/* Gini of v[0..n) (sorted in place), and the share of the largest `top`. */
static double gini(uint64_t *v, size_t n, size_t top, double *top_share)
{
    qsort(v, n, sizeof *v, cmp_u64);
    double sum = 0, weighted = 0;
    for (size_t i = 0; i < n; i++) {
        sum += (double)v[i];
        weighted += (double)(i + 1) * (double)v[i];
    }
    double ts = 0;
    for (size_t i = n > top ? n - top : 0; i < n; i++) ts += (double)v[i];
    if (top_share) *top_share = sum > 0 ? ts / sum : 0;
    if (n == 0 || sum <= 0) return 0;
    return (2 * weighted) / ((double)n * sum) - (double)(n + 1) / (double)n;
}

/* Gini and top-10 share of the validators' TotalHotkeyStake now. */
static int validator_concentration(run_ctx *r, double *g, double *top10)
{
    uint32_t n = agent_count(r->w);
    uint64_t *v = malloc((n + 1) * sizeof *v);
    if (!v) return -1;
    size_t m = 0;
    for (uint32_t a = 0; a < n; a++) {
        agent_view av;
        agent_get(r->w, a, &av);
        if (av.role != AGENT_VALIDATOR || av.hotkey == NONE) continue;
        chain_hotkey_view hv;
        if (chain_hotkey_get(r->c, av.hotkey, &hv) == CHAIN_OK) v[m++] = hv.stake;
    }
    *g = gini(v, m, 10, top10);
    free(v);
    return 0;
}

static int64_t sample_supply_rows(run_ctx *r, uint64_t block);

static int64_t sample_supply(sim_engine *e, void *ctx, uint64_t block, void *data)
{
    (void)e;
    (void)data;
    run_ctx *r = ctx;
    uint64_t t0 = tick(r);
    int64_t d = sample_supply_rows(r, block);
    r->prof.traces_ns += tick(r) - t0;
    return d;
}

static int64_t sample_supply_rows(run_ctx *r, uint64_t block)
{
    chain_totals tot;
    chain_get_totals(r->c, &tot);
    char date[64];
    block_date(r, block, date, sizeof date);
    trace_table *t = &r->t[T_SUPPLY];
    trace_u64(t, block);
    trace_text(t, date);
    trace_u64(t, tot.issuance);
    trace_u64(t, tot.block_emission);
    trace_u64(t, halvings_of(tot.block_emission));
    trace_u64(t, tot.balances);
    trace_u64(t, tot.stake);
    trace_u64(t, tot.locked);
    trace_u64(t, tot.minted);
    trace_u64(t, tot.burned);
    trace_u64(t, tot.endowed);
    trace_u64(t, chain_lock_cost(r->c));
    trace_u64(t, chain_subnet_count(r->c));
    double g, top10;
    if (validator_concentration(r, &g, &top10)) {
        io_errf(&r->err, "out of memory");
        r->failed = RUN_EFAIL;
        return -1;
    }
    trace_ratio(t, g);
    trace_ratio(t, top10);
    trace_end(t);
    rm_sample(r->m, r->c, block, r->plan->populations == RUN_NEURONS_SAMPLE ? &r->t[T_POPS] : NULL);
    t = &r->t[T_SUBNETS];
    uint64_t ev_sum = 0;
    for (uint32_t i = 0; i < chain_subnet_count(r->c); i++) ev_sum += chain_subnet_at(r->c, i)->emission_value;
    for (uint32_t i = 0; i < chain_subnet_count(r->c); i++) {
        const chain_subnet *s = chain_subnet_at(r->c, i);
        uint32_t k = agent_kind_of_netuid(r->w, s->netuid);
        trace_u64(t, block);
        trace_u64(t, s->netuid);
        trace_text(t, k != NONE ? r->plan->agents.kinds[k].name : "");
        trace_u64(t, s->emission_value);
        trace_u64(t, chain_pending_emission(r->c, s->netuid));
        trace_u64(t, s->burn);
        trace_u64(t, s->difficulty);
        trace_u64(t, s->n);
        trace_u64(t, s->hp.max_allowed_uids);
        const char *owner = s->owner != NONE ? chain_coldkey_name(r->c, s->owner) : NULL;
        trace_text(t, owner ? owner : "");
        trace_u64(t, s->registered_at);
        trace_u64(t, s->locked);
        trace_u64(t, agent_netuid_value(r->w, s->netuid));
        trace_ratio(t, ev_sum ? (double)s->emission_value / (double)ev_sum : 0.0);
        trace_end(t);
    }
    if (r->plan->audit && chain_audit(r->c, &r->err) != 0) {
        char why[sizeof r->err.msg];
        snprintf(why, sizeof why, "%s", r->err.msg);
        io_errf(&r->err, "block %" PRIu64 ": conservation audit failed: %s", block, why);
        r->failed = 1;
        return -1;
    }
    return (int64_t)r->plan->sample_blocks;
}

static int64_t sample_neurons(sim_engine *e, void *ctx, uint64_t block, void *data)
{
    (void)e;
    (void)block;
    (void)data;
    run_ctx *r = ctx;
    uint64_t t0 = tick(r);
    for (uint32_t i = 0; i < chain_subnet_count(r->c); i++) neuron_rows(r, chain_subnet_at(r->c, i));
    r->prof.traces_ns += tick(r) - t0;
    return (int64_t)r->plan->neurons_every;
}

/* ---- the chain's events -------------------------------------------------------------------- */

static void on_chain(void *ctx, const chain *c, const chain_event *ev)
{
    run_ctx *r = ctx;
    (void)c;
    agent_on_chain_event(r->w, ev);
    char detail[160] = "";
    switch (ev->kind) {
    case CHAIN_EV_EPOCH: {
        r->epochs++;
        const chain_subnet *s = chain_subnet_get(r->c, ev->netuid);
        if (!s) break;
        if (rm_on_epoch(r->m, r->c, s, ev->block, r->plan->populations == RUN_NEURONS_EPOCH ? &r->t[T_POPS] : NULL) &&
            !r->failed) {
            io_errf(&r->err, "out of memory");
            r->failed = RUN_EFAIL;
        }
        if (r->plan->neurons == RUN_NEURONS_EPOCH) neuron_rows(r, s);
        break;
    }
    case CHAIN_EV_ROOT_EPOCH:
        if (ev->amount != r->last_emission) {
            uint32_t k = halvings_of(ev->amount);
            snprintf(detail, sizeof detail, "k=%u", (unsigned)k);
            event_row(r, ev->block, "emission_change", -1, NONE, NONE, ev->amount, detail);
            r->last_emission = ev->amount;
            r->halvings = k;
        }
        break;
    case CHAIN_EV_NEURON_ADDED:
        if (ev->other != NONE) {
            snprintf(detail, sizeof detail, "replaced by %s", chain_hotkey_name(r->c, ev->hotkey));
            event_row(r, ev->block, "pruned", ev->netuid, ev->uid, ev->other, 0, detail);
        }
        event_row(r, ev->block, ev->netuid == 0 ? "root_register" : "register", ev->netuid, ev->uid, ev->hotkey,
                  ev->amount, "");
        break;
    case CHAIN_EV_SUBNET_ADDED:
    case CHAIN_EV_SUBNET_REMOVED: {
        const char *owner = ev->coldkey != NONE ? chain_coldkey_name(r->c, ev->coldkey) : NULL;
        snprintf(detail, sizeof detail, "owner %s", owner ? owner : "");
        event_row(r, ev->block, ev->kind == CHAIN_EV_SUBNET_ADDED ? "subnet_registered" : "subnet_pruned", ev->netuid,
                  NONE, NONE, ev->amount, detail);
        break;
    }
    case CHAIN_EV_UNSTAKE_ALL:
        event_row(r, ev->block, "unstake_all", -1, NONE, ev->hotkey, ev->amount, "");
        break;
    default: break;
    }
}

/* ---- the engine's handlers ------------------------------------------------------------------ */

static int64_t act(sim_engine *e, void *ctx, uint64_t block, void *data)
{
    (void)e;
    (void)block;
    run_ctx *r = ctx;
    int64_t d = agent_act(r->w, (uint32_t)(uintptr_t)data, &r->err);
    if (d < 0) r->failed = 1;
    return d;
}

static void wake(void *ctx, uint32_t agent, uint64_t block)
{
    run_ctx *r = ctx;
    if (block > r->plan->horizon) return;
    if (sim_schedule(&r->e, block, SIM_PHASE_EXTRINSIC, act, (void *)(uintptr_t)agent, NULL) != SIM_OK && !r->failed) {
        io_errf(&r->err, "event engine: out of event slots");
        r->failed = RUN_EFAIL;
    }
}

static int schedule_pop(run_ctx *r, uint32_t pop)
{
    uint32_t first = agent_pop_first(r->w, pop), n = agent_pop_size(&r->plan->agents.pops[pop]);
    for (uint32_t a = first; a < first + n; a++) {
        uint64_t at = agent_first_act(r->w, a);
        if (at < chain_block(r->c) + 1) at = chain_block(r->c) + 1;
        if (at <= r->plan->horizon &&
            sim_schedule(&r->e, at, SIM_PHASE_EXTRINSIC, act, (void *)(uintptr_t)a, NULL) != SIM_OK) {
            io_errf(&r->err, "event engine: out of event slots");
            return -1;
        }
    }
    return 0;
}

static int64_t kinds_due(sim_engine *e, void *ctx, uint64_t block, void *data)
{
    (void)e;
    (void)data;
    run_ctx *r = ctx;
    int failed = 0;
    uint64_t next = agent_kinds_due(r->w, &r->err, &failed);
    if (failed) {
        r->failed = 1;
        return -1;
    }
    return next == UINT64_MAX ? SIM_NOMORE : (int64_t)(next - block);
}

static int apply_set(run_ctx *r, const run_event *ev)
{
    io_err why = {{0}};
    char v[32];
    snprintf(v, sizeof v, "%" PRIu64, ev->value);
    if (ev->chain_target) {
        chain_err ce = chain_set_global(r->c, ev->key, ev->value, &why);
        log_action(r, chain_block(r->c), "hparam", -1, -1, ev->key, v, ce);
        if (ce != CHAIN_OK) goto refused;
        return 0;
    }
    uint16_t netuids[CHAIN_MAX_SUBNETS];
    uint32_t m = agent_kind_netuids(r->w, ev->kind, netuids, CHAIN_MAX_SUBNETS);
    for (uint32_t i = 0; i < m && i < CHAIN_MAX_SUBNETS; i++) {
        chain_err ce = chain_set_hparam(r->c, netuids[i], ev->key, ev->value, &why);
        log_action(r, chain_block(r->c), "hparam", netuids[i], -1, ev->key, v, ce);
        if (ce != CHAIN_OK) goto refused;
    }
    return 0;
refused:
    io_errf(&r->err, "%s: [event %s] at block %" PRIu64 ": the chain refuses %s = %" PRIu64 ": %s", r->cfg->path,
            ev->name, chain_block(r->c), ev->key, ev->value, why.msg);
    r->failed = RUN_EINPUT;
    return -1;
}

static int64_t timeline(sim_engine *e, void *ctx, uint64_t block, void *data)
{
    (void)e;
    run_ctx *r = ctx;
    const run_event *ev = &r->plan->events[(uintptr_t)data];
    static const char *const names[] = {"set", "join", "leave", "stake", "yuma"};
    char detail[200];
    snprintf(detail, sizeof detail, "%s: %s", ev->name, names[ev->action]);
    event_row(r, block, "scenario", -1, NONE, NONE, ev->action == RUN_ACT_STAKE ? ev->value : 0, detail);
    rm_event(r->m, block);
    int rc = 0;
    switch (ev->action) {
    case RUN_ACT_SET:
    case RUN_ACT_YUMA: rc = apply_set(r, ev); break;
    case RUN_ACT_JOIN: rc = agent_pop_join(r->w, ev->pop, &r->err) || schedule_pop(r, ev->pop); break;
    case RUN_ACT_LEAVE: rc = agent_pop_leave(r->w, ev->pop, &r->err); break;
    case RUN_ACT_STAKE: rc = agent_pop_stake(r->w, ev->pop, ev->value, &r->err); break;
    }
    if (rc) {
        if (!r->failed) r->failed = RUN_EFAIL;
        return -1;
    }
    return SIM_NOMORE;
}

static int64_t pop_join(sim_engine *e, void *ctx, uint64_t block, void *data)
{
    (void)e;
    (void)block;
    run_ctx *r = ctx;
    uint32_t pop = (uint32_t)(uintptr_t)data;
    if (agent_pop_join(r->w, pop, &r->err) || schedule_pop(r, pop)) {
        r->failed = 1;
        return -1;
    }
    return SIM_NOMORE;
}

/* ---- genesis ----------------------------------------------------------------------------------- */

static int genesis(run_ctx *r)
{
    io_err why = {{0}};
    r->c = chain_new_preset(r->plan->preset, &why);
    if (!r->c) {
        io_errf(&r->err, "chain: %s", why.msg);
        return -1;
    }
    char v[64];
    snprintf(v, sizeof v, "preset=%s", r->plan->preset);
    log_action(r, 0, "genesis", -1, -1, "", v, CHAIN_OK);
    for (uint32_t i = 0; i < r->plan->nglobals; i++) {
        uint64_t now;
        if (chain_get_global(r->c, r->plan->gkey[i], &now) == CHAIN_OK && now == r->plan->gval[i]) continue;
        chain_err ce = chain_set_global(r->c, r->plan->gkey[i], r->plan->gval[i], &why);
        snprintf(v, sizeof v, "%" PRIu64, r->plan->gval[i]);
        log_action(r, 0, "hparam", -1, -1, r->plan->gkey[i], v, ce);
        if (ce != CHAIN_OK) {
            io_errf(&r->err, "chain: %s = %" PRIu64 ": %s", r->plan->gkey[i], r->plan->gval[i], why.msg);
            return -1;
        }
    }
    chain_set_observer(r->c, on_chain, r);
    if (r->plan->world_rao) {
        chain_err ce = chain_fund(r->c, "world", r->plan->world_rao, &why);
        snprintf(v, sizeof v, "amount=%" PRIu64, r->plan->world_rao);
        log_action(r, 0, "balance", -1, -1, "world", v, ce);
        if (ce != CHAIN_OK) {
            io_errf(&r->err, "chain: funding the world: %s", why.msg);
            return -1;
        }
    }
    /* without actions.csv nothing is logged: the rows are not even formatted */
    r->w = agent_world_new(&r->plan->agents, r->c, r->plan->actions ? log_action : NULL, r, &r->err);
    if (!r->w) return -1;
    r->m = rm_new(r->plan, r->w);
    if (!r->m) {
        io_errf(&r->err, "out of memory");
        return -1;
    }
    agent_set_waker(r->w, wake, r);
    if (agent_genesis(r->w, &r->err)) return -1;
    r->last_emission = chain_block_emission(r->c);
    return 0;
}

static int schedule_all(run_ctx *r)
{
    uint32_t cap = agent_count(r->w) + r->plan->nevents + r->plan->agents.npops + 16;
    if (sim_init(&r->e, cap, r) != SIM_OK) {
        io_errf(&r->err, "out of memory");
        return -1;
    }
    for (uint32_t p = 0; p < r->plan->agents.npops; p++) {
        if (r->plan->agents.pops[p].join_at == 0) {
            if (schedule_pop(r, p)) return -1;
        } else if (r->plan->agents.pops[p].join_at <= r->plan->horizon) {
            sim_schedule(&r->e, r->plan->agents.pops[p].join_at, SIM_PHASE_EXTRINSIC, pop_join, (void *)(uintptr_t)p,
                         NULL);
        }
    }
    for (uint32_t i = 0; i < r->plan->nevents; i++)
        sim_schedule(&r->e, r->plan->events[i].at, SIM_PHASE_EXTRINSIC, timeline, (void *)(uintptr_t)i, NULL);
    int failed = 0;
    uint64_t due = agent_kinds_due(r->w, &r->err, &failed);
    if (failed) return -1;
    if (due != UINT64_MAX && due <= r->plan->horizon) sim_schedule(&r->e, due, SIM_PHASE_EXTRINSIC, kinds_due, NULL, NULL);
    sim_schedule(&r->e, 0, SIM_PHASE_OBSERVE, sample_supply, NULL, NULL);
    if (r->plan->neurons == RUN_NEURONS_SAMPLE)
        sim_schedule(&r->e, 0, SIM_PHASE_OBSERVE, sample_neurons, NULL, NULL);
    return 0;
}

/* ---- the summary ---------------------------------------------------------------------------------- */

/* accounts.csv: the final balances and stakes, exactly as `taosim replay`
 * writes them (so a run and the replay of its actions.csv compare). */
static int write_accounts(run_ctx *r)
{
    trace_table t;
    trace_prov prov = {"run", r->cfg->path, r->plan->hash, r->plan->seed, r->plan->run, r->plan->runs};
    if (trace_open(&t, &r->od, "accounts.csv", &prov, REPLAY_ACCOUNTS_HEADER, &r->err)) return -1;
    replay_accounts_rows(t.f, r->c);
    return trace_check(&t, &r->err);
}

static int summarize(run_ctx *r, run_summary *s)
{
    chain_totals tot;
    chain_get_totals(r->c, &tot);
    agent_stats st;
    agent_get_stats(r->w, &st);
    memset(s, 0, sizeof *s);
    s->run = r->plan->run;
    s->seed = r->plan->seed;
    s->blocks = chain_block(r->c);
    s->issuance = tot.issuance;
    s->minted = tot.minted;
    s->burned = tot.burned;
    s->locked = tot.locked;
    s->endowed = tot.endowed;
    s->halvings = halvings_of(tot.block_emission);
    s->subnets_end = chain_subnet_count(r->c);
    s->subnets_registered = st.subnets_registered;
    s->subnets_pruned = st.subnets_pruned;
    s->registrations = st.registrations;
    s->prunings = st.prunings;
    s->refused = st.refused;
    s->epochs = r->epochs;
    uint32_t n = agent_count(r->w);
    uint64_t *em = malloc((n + 1) * sizeof *em);
    if (!em) {
        io_errf(&r->err, "out of memory");
        return -1;
    }
    size_t ne = 0;
    for (uint32_t a = 0; a < n; a++) {
        agent_view av;
        agent_get(r->w, a, &av);
        if (av.role == AGENT_MINER || av.role == AGENT_VALIDATOR) em[ne++] = rm_emission_of(r->m, a);
    }
    if (validator_concentration(r, &s->validator_stake_gini, &s->validator_top10_share)) {
        free(em);
        io_errf(&r->err, "out of memory");
        return -1;
    }
    s->emission_gini = gini(em, ne, 0, NULL);
    free(em);
    trace_table *t = &r->t[T_SUMMARY];
    trace_u64(t, s->run);
    trace_u64(t, s->seed);
    trace_u64(t, s->blocks);
    trace_ratio(t, (double)s->blocks / (double)BLOCKS_PER_YEAR);
    trace_u64(t, s->issuance);
    trace_u64(t, s->minted);
    trace_u64(t, s->burned);
    trace_u64(t, s->locked);
    trace_u64(t, s->endowed);
    trace_u64(t, s->halvings);
    trace_u64(t, s->subnets_end);
    trace_u64(t, s->subnets_registered);
    trace_u64(t, s->subnets_pruned);
    trace_u64(t, s->registrations);
    trace_u64(t, s->prunings);
    trace_u64(t, s->refused);
    trace_u64(t, s->epochs);
    trace_ratio(t, s->validator_stake_gini);
    trace_ratio(t, s->validator_top10_share);
    trace_ratio(t, s->emission_gini);
    /* the honest miners' loss against the no-attack twin (same seed, attackers removed) */
    uint64_t honest = rm_honest_miner_emission(r->m);
    s->honest_miner_loss = r->twin_done && r->honest_twin ? 1.0 - (double)honest / (double)r->honest_twin : NAN;
    trace_ratio(t, s->honest_miner_loss);
    s->bonds_settle_blocks = rm_bonds_settle_blocks(r->m, r->plan->horizon);
    trace_opt_u64(t, r->plan->bonds_settle, s->bonds_settle_blocks); /* empty: not tracked */
    rm_summary_fields(r->m, r->c, s->blocks, t);
    trace_end(t);
    return 0;
}

/* ---- the run --------------------------------------------------------------------------------------- */

static int open_traces(run_ctx *r)
{
    char *summary_header = r->summary_header;
    snprintf(summary_header, sizeof r->summary_header, "%s", RUN_SUMMARY_HEADER);
    rm_summary_header(r->plan, summary_header + strlen(summary_header), sizeof r->summary_header - strlen(summary_header));
    const char *const headers[T_COUNT] = {RUN_SUPPLY_HEADER,  RUN_SUBNETS_HEADER,     RUN_NEURONS_HEADER,
                                          RUN_EVENTS_HEADER,  RUN_ACTIONS_HEADER,     RUN_POPULATIONS_HEADER,
                                          summary_header};
    static const char *const names[T_COUNT] = {"supply.csv",  "subnets.csv",     "neurons.csv", "events.csv",
                                               "actions.csv", "populations.csv", "summary.csv"};
    trace_prov prov = {"run", r->cfg->path, r->plan->hash, r->plan->seed, r->plan->run, r->plan->runs};
    for (int i = 0; i < T_COUNT; i++) {
        if (i == T_NEURONS && r->plan->neurons == RUN_NEURONS_OFF) continue;
        if (i == T_ACTIONS && !r->plan->actions) continue;
        if (i == T_POPS && r->plan->populations == RUN_NEURONS_OFF) continue;
        if (trace_open(&r->t[i], &r->od, names[i], &prov, headers[i], &r->err)) return -1;
        r->open[i] = true;
    }
    FILE *f = io_outdir_file(&r->od, "config.ini", &r->err);
    if (!f) return -1;
    if (scn_config_write(r->cfg, f) != SCN_OK) {
        io_errf(&r->err, "config.ini: write error");
        return -1;
    }
    return 0;
}

static int loop(run_ctx *r)
{
    uint64_t end = r->plan->horizon, b;
    uint64_t every = r->o.progress_every ? r->o.progress_every : 72000;
    r->next_progress = every;
    io_err why = {{0}};
    while (!r->failed && sim_peek(&r->e, &b) && b <= end) {
        uint64_t t0 = tick(r);
        if (b > chain_block(r->c) && chain_advance_to(r->c, b, &why) != CHAIN_OK) {
            io_errf(&r->err, "chain: block %" PRIu64 ": %s", b, why.msg);
            return -1;
        }
        uint64_t t1 = tick(r), traces = r->prof.traces_ns;
        r->prof.chain_ns += t1 - t0;
        if (r->failed) break;
        if (sim_run_until(&r->e, b) != SIM_OK && !r->failed) {
            io_errf(&r->err, "event engine failed at block %" PRIu64, b);
            return -1;
        }
        r->prof.agents_ns += (tick(r) - t1) - (r->prof.traces_ns - traces);
        if (r->o.progress && b >= r->next_progress) {
            run_progress p = {b, end, r->epochs};
            r->o.progress(r->o.progress_ctx, &p);
            while (r->next_progress <= b) r->next_progress += every;
        }
    }
    if (r->failed) return -1;
    uint64_t t0 = tick(r);
    if (chain_block(r->c) < end && chain_advance_to(r->c, end, &why) != CHAIN_OK) {
        io_errf(&r->err, "chain: block %" PRIu64 ": %s", end, why.msg);
        return -1;
    }
    r->prof.chain_ns += tick(r) - t0;
    if (r->failed) return -1;
    /* the final state, unless a sample already fell on the horizon */
    if (end % r->plan->sample_blocks != 0 && sample_supply(&r->e, r, end, NULL) < 0) return -1;
    if (r->plan->neurons == RUN_NEURONS_SAMPLE && end % r->plan->neurons_every != 0) sample_neurons(&r->e, r, end, NULL);
    /* the replay of actions.csv runs to the same horizon */
    log_action(r, end, "run", -1, -1, "", "", CHAIN_OK);
    if (r->o.progress) {
        run_progress p = {end, end, r->epochs};
        r->o.progress(r->o.progress_ctx, &p);
    }
    return 0;
}

/* One execution of a plan into o->outdir. keep: commit the outputs (else
 * they are written and removed: the twin). The honest miners' emission goes
 * to *honest. */
static run_status run_plan_exec(const scn_config *cfg, run_plan *plan, const run_opts *o, bool keep,
                                const uint64_t *honest_twin, run_summary *sum, uint64_t *honest, io_err *err)
{
    run_ctx *r = calloc(1, sizeof *r);
    if (!r) {
        io_errf(err, "out of memory");
        return RUN_EFAIL;
    }
    run_status rc = RUN_EFAIL;
    r->cfg = cfg;
    r->o = *o;
    r->plan = plan;
    if (honest_twin) {
        r->twin_done = true;
        r->honest_twin = *honest_twin;
    }
    uint64_t t_start = tick(r);
    if (io_outdir_open(&r->od, o->outdir, err)) goto out;
    if (open_traces(r) || genesis(r) || schedule_all(r) || loop(r) || summarize(r, sum) || write_accounts(r)) goto fail;
    sum->digest = IO_FNV_INIT;
    for (int i = 0; i < T_COUNT; i++) {
        if (!r->open[i]) continue;
        if (trace_check(&r->t[i], &r->err)) goto fail;
        sum->digest = io_fnv1a64(&r->t[i].digest, sizeof r->t[i].digest, sum->digest);
    }
    *honest = rm_honest_miner_emission(r->m);
    if (!keep) {
        io_outdir_abort(&r->od);
    } else if (io_outdir_commit(&r->od, err)) {
        goto out;
    }
    r->prof.total_ns = tick(r) - t_start;
    sum->prof = r->prof;
    rc = RUN_OK;
    goto out;
fail:
    io_outdir_abort(&r->od);
    *err = r->err;
    if (r->failed == RUN_EINPUT) rc = RUN_EINPUT;
out:
    if (r->e.slots) sim_free(&r->e);
    agent_world_free(r->w);
    chain_free(r->c);
    rm_free(r->m);
    free(r->line);
    free(r);
    return rc;
}

/* The scenario has agents that do not play honestly. */
static bool has_attackers(const run_plan *p)
{
    for (uint32_t i = 0; i < p->agents.npops; i++)
        if (p->agents.pops[i].behaviour != AGENT_HONEST && agent_pop_size(&p->agents.pops[i]) > 0) return true;
    return false;
}

run_status run_config(const scn_config *cfg, const run_opts *o, run_summary *sum, io_err *err)
{
    run_plan *plan = malloc(sizeof *plan);
    run_plan *twin = NULL;
    if (!plan) {
        io_errf(err, "out of memory");
        return RUN_EFAIL;
    }
    run_status rc = RUN_EINPUT;
    if (run_plan_build(cfg, plan, err) != SCN_OK) goto out;
    uint64_t honest = 0, honest_twin = 0;
    bool with_twin = plan->twin == RUN_TWIN_ON || (plan->twin == RUN_TWIN_AUTO && has_attackers(plan));
    if (with_twin) {
        /* the same seed without the attacking populations: every honest agent keeps its numbers
         * (streams are keyed by stable population ids) */
        rc = RUN_EFAIL;
        twin = malloc(sizeof *twin);
        if (!twin) {
            io_errf(err, "out of memory");
            goto out;
        }
        *twin = *plan;
        for (uint32_t i = 0; i < twin->agents.npops; i++)
            if (twin->agents.pops[i].behaviour != AGENT_HONEST) twin->agents.pops[i].count = twin->agents.pops[i].count_miners = 0;
        twin->actions = false;
        twin->neurons = RUN_NEURONS_OFF;
        twin->populations = RUN_NEURONS_OFF;
        char dir[1100];
        snprintf(dir, sizeof dir, "%s/.twin", o->outdir);
        run_opts to = *o;
        to.outdir = dir;
        to.progress = NULL;
        run_summary ts;
        rc = run_plan_exec(cfg, twin, &to, false, NULL, &ts, &honest_twin, err);
        if (rc != RUN_OK) goto out;
    }
    rc = run_plan_exec(cfg, plan, o, true, with_twin ? &honest_twin : NULL, sum, &honest, err);
out:
    free(twin);
    free(plan);
    return rc;
}
