/* agent_int.h -- internals shared by the agent room's files: agent.c (the
 * world, its bookkeeping, the chain calls, genesis, the chain's events) and
 * agent_act.c (what each behaviour decides). Nobody else includes it. */
#ifndef TAOSIM_AGENT_INT_H
#define TAOSIM_AGENT_INT_H

#include <gsl/gsl_rng.h>

#include "taosim/agent.h"
#include "taosim/rng.h"

#define RAO_PER_TAO 1000000000ull
#define BLOCKS_PER_DAY 7200ull
#define NONE CHAIN_NONE

/* One registration of an agent's hotkey. */
typedef struct reg {
    uint16_t netuid;
    uint32_t uid;
} reg;

/* A weight row kept for later: a validator's revealed rows (copiers read
 * them) or a subnet's consensus vectors. */
typedef struct row_snap {
    uint64_t block;
    uint32_t len, cap;
    uint16_t *d, *v;
} row_snap;

/* A ring of the last AGENT_HISTORY rows, newest at (head + n - 1) % H. */
typedef struct row_ring {
    uint32_t head, n;
    row_snap s[AGENT_HISTORY];
} row_ring;

/* A validator's weights on one instance: the vector it sends, and what it
 * knows of each uid's occupant. */
typedef struct wcache {
    uint16_t netuid;
    uint64_t gen;      /* instance generation the vector was built for */
    uint64_t last_set; /* block of the last accepted set_weights */
    uint32_t len, cap;
    uint16_t *dests, *vals;
    uint32_t *holder_hk;  /* per uid: who held it, since when, what this validator sees */
    uint64_t *holder_bar;
    uint16_t *seen;
    bool frozen;          /* lazy replay: the vector no longer changes */
    row_ring sent;        /* rows accepted by the chain (kept when a copier exists) */
} wcache;

typedef struct agent {
    uint32_t pop;
    uint32_t sid;             /* stable id: pop << 24 | index in the population */
    agent_role role;
    uint32_t coldkey, hotkey; /* chain ids; hotkey NONE until created (never for nominators/owners) */
    char hk[CHAIN_HOTKEY_MAX]; /* the hotkey's name ("" for nominators/owners) */
    uint16_t quality;         /* miners: q * 65535 */
    uint16_t sigma;           /* validators: noise * 65535 (saturated) */
    uint64_t endowed;         /* RAO funded from outside */
    uint64_t burned;          /* RAO paid as registration burns */
    uint64_t stake;           /* validators/nominators: RAO to stake */
    uint64_t max_lock;        /* owners: RAO */
    uint32_t delegate;        /* nominators: agent index of the delegate, NONE */
    uint32_t owned;           /* owners: instance index, NONE */
    bool active;              /* joined and not left */
    bool pruned_out;          /* lost a registration and may not come back */
    bool asleep;              /* no act scheduled: waits for agent_wake */
    bool merged;              /* whale: its stake went to the leader */
    uint64_t last_root_set, last_accumulate;
    uint64_t unstaked;        /* whale: bought, not yet staked (the staking rate limit) */
    rng_pcg32 rng;
    uint32_t nreg, capreg;
    reg *regs;
    uint32_t nw, capw;
    wcache *w;
} agent;

#define AGENT_CHANGES 32u     /* uid changes an instance remembers, for incremental weights */
#define AGENT_CHANGE_ALL 0xffffffffu

typedef struct inst {
    uint32_t kind;
    uint16_t netuid;
    bool live;
    uint16_t value;     /* latent value * 65535 */
    uint64_t qsum;      /* Σ quality of the miners registered on it */
    uint64_t gen;       /* bumped whenever a uid changes hands */
    uint32_t owner;     /* owner agent, NONE for the scenario's own */
    uint64_t due;       /* scenario instance not yet registered: its block; 0 = done */
    row_ring consensus; /* Consensus after recent epochs (kept when a copier exists) */
    /* what each recent generation changed: the uid whose occupant changed, or
     * AGENT_CHANGE_ALL (the whole subnet); entry g % AGENT_CHANGES is for gen g */
    uint64_t chg_gen[AGENT_CHANGES];
    uint32_t chg_uid[AGENT_CHANGES];
} inst;

/* Bump the instance's generation, remembering what changed. */
static inline void ag_inst_changed(inst *in, uint32_t uid)
{
    in->gen++;
    in->chg_gen[in->gen % AGENT_CHANGES] = in->gen;
    in->chg_uid[in->gen % AGENT_CHANGES] = uid;
}

struct agent_world {
    agent_plan plan;
    chain *c;
    agent_log_fn log;
    void *log_ctx;
    uint32_t n;
    agent *a;
    uint32_t pop_first[AGENT_MAX_POPS + 1];
    uint32_t ninst, capinst;
    inst *inst;
    uint32_t *by_hotkey, nby_hotkey; /* hotkey id -> agent */
    uint32_t *by_coldkey, nby_coldkey;
    uint32_t *inst_of_netuid;        /* netuid -> instance, NONE */
    uint32_t *validators, nvalidators; /* agents with the validator role, in index order */
    bool has_copier;                 /* keep revealed rows and consensus history */
    gsl_rng *gsl;                    /* adapter; state swapped per agent */
    agent_stats st;
    char *buf;                       /* row value buffer */
    size_t bufcap;
    uint64_t *acc;                   /* copier scratch, one per uid */
    uint32_t nacc;
    bool genesis;                    /* inside agent_genesis: load state, pay nothing */
    /* instances where burned registration is open, for the block open_block
     * (recomputed when the block changes or a uid changes hands) */
    uint32_t *open, nopen, capopen;
    uint64_t open_block;
    bool open_valid;
    agent_wake_fn wake;
    void *wake_ctx;
};

/* Whether agent ag registers on every allowed instance: a population's
 * `join`, except that a cabal's miners spread one per subnet. */
static inline bool ag_joins_all(const agent_pop *p, const agent *ag)
{
    return p->join_all && !(p->behaviour == AGENT_CABAL && ag->role == AGENT_MINER);
}

/* ---- agent.c: helpers ----------------------------------------------------------------- */

int ag_grow(void **p, uint32_t *cap, uint32_t need, size_t elem);
const char *ag_cold(const agent_world *w, const agent *ag);
const agent_pop *ag_pop(const agent_world *w, const agent *ag);
inst *ag_inst_of(agent_world *w, uint16_t netuid);
reg *ag_reg_find(agent *ag, uint16_t netuid);
uint16_t ag_perceive(uint16_t q, uint16_t sigma, int32_t z);
bool ag_reg_open(const chain_subnet *s, uint64_t block);
bool ag_root_member(const agent_world *w, const agent *ag);
bool ag_inst_allowed(const agent_pop *p, const inst *in);
/* The live instances where burned registration is open now (ag_reg_open),
 * in instance order; *n gets their count. NULL on out of memory. */
const uint32_t *ag_open_instances(agent_world *w, uint32_t *n);
void ag_wake_up(agent_world *w, uint32_t idx, uint64_t every);
int ag_ring_push(row_ring *r, uint64_t block, const uint16_t *d, const uint16_t *v, uint32_t len);
/* The newest row of r with block <= at, or NULL. */
const row_snap *ag_ring_at(const row_ring *r, uint64_t at);

/* ---- agent.c: the chain calls (each logs its replay row) -------------------------------- */
/* They return the chain's status; *fail is set (and *err filled) only on a
 * failure outside the chain's rules. */

int ag_fund(agent_world *w, agent *ag, const char *cold, uint64_t rao, io_err *err);
int ag_paid_register(agent_world *w, uint32_t idx, uint16_t netuid, io_err *err);
int ag_load_register(agent_world *w, uint32_t idx, uint16_t netuid, io_err *err);
int ag_stake_to(agent_world *w, uint32_t idx, uint32_t target, uint64_t amount, io_err *err);
chain_err ag_remove_stake(agent_world *w, agent *ag, uint32_t hotkey, uint64_t amount, io_err *err, int *fail);
chain_err ag_root_register(agent_world *w, agent *ag, io_err *err, int *fail);
chain_err ag_become_delegate(agent_world *w, agent *ag, io_err *err, int *fail);
chain_err ag_set_weights(agent_world *w, agent *ag, const reg *r, wcache *wc, io_err *err, int *fail);
chain_err ag_set_root_weights(agent_world *w, agent *ag, const uint16_t *netuids, const uint16_t *vals, uint32_t n,
                              io_err *err, int *fail);
chain_err ag_register_network(agent_world *w, const char *cold, uint16_t *netuid, io_err *err, int *fail);
int ag_inst_new(agent_world *w, uint32_t kind, uint32_t owner, uint64_t due, uint32_t *out);
int ag_inst_bind(agent_world *w, uint32_t i, uint16_t netuid, io_err *err);
/* A validator's start (delegate, own stake, root); idempotent. */
int ag_validator_setup(agent_world *w, uint32_t idx, io_err *err);

/* ---- agent_act.c ------------------------------------------------------------------------ */

/* The weights validator idx sends on r->netuid now, in *out (its cache). */
int ag_weights_build(agent_world *w, uint32_t idx, const reg *r, wcache **out, io_err *err);
uint32_t ag_pick_delegate_random(agent_world *w, uint32_t idx);
bool ag_is_delegate_target(const agent_world *w, const agent_pop *p, const agent *v);

#endif
