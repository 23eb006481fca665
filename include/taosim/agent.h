/* agent.h -- the synthetic participants of a run: populations of miners,
 * validators, nominators and subnet owners, honest or not, and what each of
 * them does.
 *
 * What this room is for. A run's scenario names populations; this room turns
 * each into agents with traits drawn from the population's distributions
 * (GSL, fed by the agent's own PCG stream), and gives every agent a
 * behaviour: at its own cadence it looks at the chain (chain.h accessors
 * only: what a participant could read from chain storage, plus its own
 * traits and, for a weight copier, the weights other validators revealed)
 * and makes extrinsic calls. Every call goes through the world's action log,
 * in `taosim replay` format, so a run can be replayed.
 *
 * Honest behaviours:
 *   miner      latent quality q in [0,1]. Unregistered, every check_every
 *              blocks it estimates its daily reward on each subnet it may join,
 *              E_s * 3600 * q / (q + Q_s) RAO (E_s the subnet's EmissionValue
 *              per block, half of it to miners, Q_s the quality already
 *              registered there), and burned-registers on the best one when
 *              burn <= reward * payback_days and it can pay. A registered miner
 *              sleeps until the chain prunes it; it comes back if `reregister`.
 *   validator  stake and observation noise sigma. Registers on every subnet
 *              instance of its kinds (or one, join = one), becomes a delegate
 *              with its take, stakes its own TAO, and every weights_every
 *              blocks sets weights on each subnet where it holds a permit: for
 *              each uid held by a miner, clamp(q + sigma * z) as u16, where z
 *              is its fixed perception error of that (validator, hotkey,
 *              registration) -- an Irwin-Hall(4) variate from a counter-based
 *              hash, so a validator scores a miner consistently. weighting =
 *              wta: all weight on its best-perceived miner. Root validators
 *              also root-register and weight subnets by their latent value.
 *   nominator  delegates its stake to a validator; every review_every blocks,
 *              with probability 1 - inertia, moves it to the delegate with the
 *              best last-epoch dividends per staked RAO.
 *   owner      registers a subnet of its kind when the lock cost is at most
 *              what it is willing to pay; again after a pruning if `retry`.
 * Attacks and other strategies (issue 8):
 *   cabal      validators holding stake_share of all validator stake, and their
 *              own miners (low quality). The validators put self_weight of
 *              their weight mass on the cabal's miners and the rest on their
 *              honest scoring: the split-graph collusion model. coordinated:
 *              the cabal's miners register together on the cabal's subnets and
 *              come back the next block when pruned. merge_at: a coordinated
 *              stake move -- its validators give their own stake to the
 *              largest of them, as whales do.
 *   copier     a validator that does not score miners: it copies chain-visible
 *              data with a lag -- the subnet's stored Consensus vector as of
 *              `lag` blocks ago (source = consensus), or the stake-weighted
 *              mean of the other validators' weights revealed `conceal`
 *              blocks after they were set, as of `lag` blocks ago (source =
 *              weights; conceal models commit-reveal).
 *   lazy       an honest scorer that is slow: mode = rare (sets weights only
 *              every weights_every blocks), replay (from freeze_at on it
 *              resubmits the weights it had then), shifted (it sees a new
 *              miner only `shift` blocks after its registration).
 *   whale      a validator that accumulates stake (accumulate_tao_per_day,
 *              funded from outside the chain and staked), and whose population
 *              merges: at merge_at every other whale moves its own stake to the
 *              largest one.
 *   sybil      one coldkey with a budget and `count` identities that register
 *              along the burn curve whenever the burn is at most max_burn_tao,
 *              farming whatever incentive their (low) quality earns; its
 *              burns (which lower the issuance) and its emission are tracked.
 * Genesis: populations that join at block 0 find the network already
 * running -- their registrations and stakes are loaded as chain state
 * (no burn, no limits), not paid for; later joiners pay the chain's prices.
 *
 * Invariants. Agents are indices (population order); each agent's random
 * stream and perception errors are keyed by its stable id (population
 * index, index within the population), so adding an agent, or removing a
 * population (a no-attack twin run), never changes another agent's numbers.
 * Nothing here iterates in hash order, reads the clock or prints. Doubles
 * appear only in trait sampling (GSL); traits become integers (RAO, u16) at
 * creation, and every decision after that is integer arithmetic.
 */
#ifndef TAOSIM_AGENT_H
#define TAOSIM_AGENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "taosim/chain.h"
#include "taosim/io.h"
#include "taosim/scn.h"

#define AGENT_MAX_KINDS 64u   /* subnet kinds ([subnet NAME] sections) */
#define AGENT_MAX_POPS 64u    /* populations */
#define AGENT_MAX_AGENTS (1u << 20)
#define AGENT_HISTORY 32u     /* revealed weight rows / consensus vectors a copier can look back on */

typedef enum agent_role {
    AGENT_MINER = 0,
    AGENT_VALIDATOR = 1,
    AGENT_NOMINATOR = 2,
    AGENT_OWNER = 3,
    AGENT_ROLE_COUNT
} agent_role;

typedef enum agent_behaviour {
    AGENT_HONEST = 0,
    AGENT_CABAL = 1,
    AGENT_COPIER = 2,
    AGENT_LAZY = 3,
    AGENT_WHALE = 4,
    AGENT_SYBIL = 5,
    AGENT_BEHAVIOUR_COUNT
} agent_behaviour;

typedef enum agent_lazy_mode { AGENT_LAZY_RARE = 0, AGENT_LAZY_REPLAY = 1, AGENT_LAZY_SHIFTED = 2 } agent_lazy_mode;

const char *agent_role_name(agent_role r);           /* "miner", ... */
const char *agent_behaviour_name(agent_behaviour b); /* "honest", "cabal", ... */

/* One [subnet NAME] section. */
typedef struct agent_kind {
    char name[SCN_IDENT_MAX];
    uint32_t count;        /* instances registered by the scenario itself */
    uint64_t register_at;  /* block */
    scn_dist value;        /* latent value of an instance, seen by root validators */
    uint32_t nhparams;     /* hyperparameters applied to each instance */
    const char *hparam_key[64];
    uint64_t hparam_value[64]; /* chain units; a signed key (chain_hparam_signed): its two's complement */
} agent_kind;

/* One population section. Fields a behaviour does not use are ignored. */
typedef struct agent_pop {
    char name[SCN_IDENT_MAX];
    agent_role role;           /* the role of its `count` agents */
    agent_behaviour behaviour;
    uint32_t count;
    uint32_t count_miners;     /* cabal: its miners, after its validators */
    uint64_t join_at;          /* block */
    uint64_t kinds;            /* bitmask of agent_kind indices it may join */
    bool join_all;             /* every instance (validators' default) or the best one */
    scn_dist quality;          /* miners, sybils, the cabal's miners */
    scn_dist balance_tao;      /* free TAO at creation (registration budget); sybil: the budget */
    scn_dist stake_tao;        /* validators, nominators: TAO staked */
    scn_dist noise;            /* validators: perception sigma, in quality units */
    scn_dist max_lock_tao;     /* owners */
    uint64_t check_every;      /* miners, owners, sybils: blocks between decisions */
    uint64_t weights_every;    /* validators: 0 = the subnet's tempo */
    uint64_t root_every;       /* validators: root weights cadence */
    uint64_t review_every;     /* nominators; whales: accumulation cadence */
    uint32_t payback_days;     /* miners */
    uint32_t inertia_ppm;      /* nominators: probability of staying, ppm */
    uint16_t take;             /* validators: delegate take (u16 proportion) */
    bool root;                 /* validators: root network member */
    bool reregister;           /* miners, validators, owners: after being pruned */
    bool wta;                  /* validators: one-hot on the best miner */
    uint32_t owner_kind;       /* owners: the kind they register */
    uint64_t validator_pops;   /* nominators: bitmask of validator populations */
    /* cabal */
    uint32_t stake_share_ppm;  /* of all validator stake at genesis */
    uint32_t self_weight_ppm;  /* weight mass on the cabal's own miners */
    bool coordinated;
    /* copier */
    bool copy_consensus;       /* source = consensus, else revealed weights */
    uint64_t lag, conceal;     /* blocks */
    /* lazy */
    agent_lazy_mode lazy_mode;
    uint64_t freeze_at, shift; /* blocks */
    /* whale */
    uint64_t accumulate_rao_per_day;
    uint64_t merge_at;         /* block, 0 = never */
    /* sybil */
    uint64_t max_burn_rao;
} agent_pop;

/* Agents in population p: count, plus the cabal's miners. */
static inline uint32_t agent_pop_size(const agent_pop *p) { return p->count + p->count_miners; }

/* What agent_world_new needs: the scenario's kinds and populations. */
typedef struct agent_plan {
    uint64_t seed;
    uint32_t nkinds, npops;
    agent_kind kinds[AGENT_MAX_KINDS];
    agent_pop pops[AGENT_MAX_POPS];
} agent_plan;

/* The action log: every chain call an agent (or the scenario) makes, as one
 * `taosim replay` row, and whether the chain accepted it. netuid/uid < 0 =
 * empty column. NULL: nothing is logged (rows are not even formatted). */
typedef void (*agent_log_fn)(void *ctx, uint64_t block, const char *op, int netuid, int64_t uid, const char *key,
                             const char *value, chain_err result);

typedef struct agent_world agent_world; /* opaque */

/* Build the agents (traits drawn now). The chain is borrowed for the
 * world's life. NULL with *err on a limit or out of memory. */
agent_world *agent_world_new(const agent_plan *plan, chain *c, agent_log_fn log, void *log_ctx, io_err *err);
void agent_world_free(agent_world *w);

uint32_t agent_count(const agent_world *w);

/* A read-only view of one agent. */
typedef struct agent_view {
    uint32_t pop;
    agent_role role;
    agent_behaviour behaviour;
    uint32_t coldkey;  /* chain coldkey id */
    uint32_t hotkey;   /* chain hotkey id, CHAIN_NONE for nominators/owners (and until created) */
    uint16_t quality;  /* miners: q * 65535 */
    uint64_t endowed;  /* RAO funded from outside the chain (creation, stake events, accumulation) */
    uint64_t burned;   /* RAO this agent paid as registration burns */
    bool active;       /* joined and not left */
} agent_view;
void agent_get(const agent_world *w, uint32_t agent, agent_view *v);
/* The agent holding hotkey id, or CHAIN_NONE. */
uint32_t agent_of_hotkey(const agent_world *w, uint32_t hotkey);
/* The agent that owns coldkey id (its own coldkey), or CHAIN_NONE. */
uint32_t agent_of_coldkey(const agent_world *w, uint32_t coldkey);
/* The subnet kind of netuid (CHAIN_NONE if not a scenario subnet). */
uint32_t agent_kind_of_netuid(const agent_world *w, uint16_t netuid);
/* Latent value (u16) of the scenario subnet on netuid, 0 if none. */
uint16_t agent_netuid_value(const agent_world *w, uint16_t netuid);
/* Index of the first agent of population `pop` (agents are in population
 * order; population p holds first .. first + agent_pop_size - 1). */
uint32_t agent_pop_first(const agent_world *w, uint32_t pop);
/* Live netuids of subnet kind `kind`, in instance order: writes up to cap,
 * returns how many there are. */
uint32_t agent_kind_netuids(const agent_world *w, uint32_t kind, uint16_t *out, uint32_t cap);

/* Genesis at block 0: fund accounts, register the kinds' instances due at
 * block 0, load the block-0 populations (registrations, stakes, delegates,
 * root membership). 0, or -1 with *err (a failure outside the chain's rules). */
int agent_genesis(agent_world *w, io_err *err);

/* Agents that have nothing to do sleep (a registered miner) and are woken
 * by the chain's events (its uid pruned). The world asks its owner to
 * schedule the wake-up: wake(ctx, agent, block) must arrange one
 * agent_act(agent) at `block` (>= the current block + 1). */
typedef void (*agent_wake_fn)(void *ctx, uint32_t agent, uint64_t block);
void agent_set_waker(agent_world *w, agent_wake_fn wake, void *ctx);

/* The first block at which agent `a` acts (UINT64_MAX: never), and its act:
 * calls at the chain's current block, returns the delay to its next act (0 =
 * none: the agent is done, or asleep until woken) or -1 with *err on a
 * failure outside the chain's rules. */
uint64_t agent_first_act(const agent_world *w, uint32_t a);
int64_t agent_act(agent_world *w, uint32_t a, io_err *err);

/* Kind instances due at the current block (register_at > 0): registered by
 * their synthetic owners; retried each block until the chain accepts.
 * Returns the next block with a due instance (UINT64_MAX: none). */
uint64_t agent_kinds_due(agent_world *w, io_err *err, int *failed);

/* The scenario's timeline: population `pop` joins now / leaves now (its
 * agents stop acting; stakers unstake, nothing re-registers); `rao_each`
 * more funded to each agent of pop and staked (validators: to themselves,
 * nominators: to their delegate). */
int agent_pop_join(agent_world *w, uint32_t pop, io_err *err);
int agent_pop_leave(agent_world *w, uint32_t pop, io_err *err);
int agent_pop_stake(agent_world *w, uint32_t pop, uint64_t rao_each, io_err *err);

/* Feed the chain's pipeline events (chain_set_observer forwards here). */
void agent_on_chain_event(agent_world *w, const chain_event *ev);

/* Counters for the summary. */
typedef struct agent_stats {
    uint64_t registrations, prunings, subnets_registered, subnets_pruned;
    uint64_t refused;       /* calls the chain refused */
    uint64_t burned_rao;    /* registration burns paid by agents */
    uint64_t locked_rao;    /* subnet locks paid */
} agent_stats;
void agent_get_stats(const agent_world *w, agent_stats *s);

/* Perception error: an Irwin-Hall(4) variate standardised to mean 0,
 * variance 1, in 2^-16 units (|z| <= 3.47 * 65536), from a hash of the key.
 * Pure. */
int32_t agent_perception_z(uint64_t seed, uint64_t a, uint64_t b, uint64_t c);

#endif
