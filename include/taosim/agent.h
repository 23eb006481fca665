/* agent.h -- the synthetic participants of a run: populations of miners,
 * validators, nominators and subnet owners, and what each of them does.
 *
 * What this room is for. A run's scenario names populations; this room turns
 * each into agents with traits drawn from the population's distributions
 * (GSL, fed by the agent's own PCG stream), and gives every agent a
 * behaviour: at its own cadence it looks at the chain (chain.h accessors
 * only: what a participant could read from chain storage, plus its own
 * traits) and makes extrinsic calls. Every call goes through agent_world's
 * action log, in `taosim replay` format, so a run can be replayed.
 *
 * Behaviours (baseline, honest):
 *   miner      latent quality q in [0,1]. Unregistered, every check_every
 *              blocks it estimates its daily reward on each subnet it may join,
 *              E_s * 3600 * q / (q + Q_s) RAO (E_s the subnet's EmissionValue
 *              per block, half of it to miners, Q_s the quality already
 *              registered there), and burned-registers on the best one when
 *              burn <= reward * payback_days and it can pay. Pruned by the
 *              chain's rules; re-registers later if `reregister`.
 *   validator  stake and observation noise sigma. Registers on every subnet
 *              instance of its kinds (or one, join = one), stakes its own
 *              TAO, becomes a delegate with its take, and every weights_every
 *              blocks sets weights on each subnet: for each uid held by a miner,
 *              clamp(q + sigma * z) scaled to u16, where z is its fixed
 *              perception error of that (validator, hotkey, registration) --
 *              an Irwin-Hall(4) variate from a counter-based hash, so a
 *              validator scores a miner consistently. Root validators also
 *              root-register and every root_every blocks weight subnets by
 *              their latent value, perceived the same way.
 *   nominator  delegates its stake to a validator; every review_every blocks,
 *              with probability 1 - inertia, moves it to the delegate with the
 *              best last-epoch dividends per staked RAO.
 *   owner      registers a subnet of its kind when the lock cost is at most
 *              what it is willing to pay; re-registers after a pruning if
 *              `retry`.
 * Genesis: populations that join at block 0 find the network already
 * running -- their registrations and stakes are loaded as chain state
 * (no burn, no limits), not paid for; later joiners pay the chain's prices.
 *
 * Invariants. Agents are indices (agent 0..n-1 in population order, then
 * index within the population); chain objects are chain ids. Each agent
 * draws only from rng_stream(seed, its role's purpose, agent index), and
 * perception errors only from a hash of (seed, ids), so adding an agent
 * never changes another's numbers. Nothing here iterates in hash order,
 * reads the clock or prints. Doubles appear only in trait sampling (GSL);
 * traits are converted to integers (RAO, u16) once, at creation, and every
 * decision after that is integer arithmetic.
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

typedef enum agent_role {
    AGENT_MINER = 0,
    AGENT_VALIDATOR = 1,
    AGENT_NOMINATOR = 2,
    AGENT_OWNER = 3,
    AGENT_ROLE_COUNT
} agent_role;

const char *agent_role_name(agent_role r); /* "miner", ... */

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

/* One population section. Fields a role does not use are ignored. */
typedef struct agent_pop {
    char name[SCN_IDENT_MAX];
    agent_role role;
    uint32_t count;
    uint64_t join_at;          /* block */
    uint64_t kinds;            /* bitmask of agent_kind indices it may join */
    bool join_all;             /* every instance (validators' default) or the best one */
    scn_dist quality;          /* miners */
    scn_dist balance_tao;      /* free TAO at creation (registration budget) */
    scn_dist stake_tao;        /* validators, nominators: TAO staked */
    scn_dist noise;            /* validators: perception sigma, in quality units */
    scn_dist max_lock_tao;     /* owners */
    uint64_t check_every;      /* miners, owners: blocks between decisions */
    uint64_t weights_every;    /* validators: 0 = the subnet's tempo */
    uint64_t root_every;       /* validators: root weights cadence */
    uint64_t review_every;     /* nominators */
    uint32_t payback_days;     /* miners */
    uint32_t inertia_ppm;      /* nominators: probability of staying, ppm */
    uint16_t take;             /* validators: delegate take (u16 proportion) */
    bool root;                 /* validators: root network member */
    bool reregister;           /* miners, validators: after being pruned */
    uint32_t owner_kind;       /* owners: the kind they register */
    uint64_t validator_pops;   /* nominators: bitmask of validator populations */
} agent_pop;

/* What agent_world_new needs: the scenario's kinds and populations. */
typedef struct agent_plan {
    uint64_t seed;
    uint32_t nkinds, npops;
    agent_kind kinds[AGENT_MAX_KINDS];
    agent_pop pops[AGENT_MAX_POPS];
} agent_plan;

/* The action log: every chain call an agent (or the scenario) makes, as one
 * `taosim replay` row, and whether the chain accepted it. netuid/uid < 0 =
 * empty column. */
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
    uint32_t coldkey;  /* chain coldkey id */
    uint32_t hotkey;   /* chain hotkey id, CHAIN_NONE for nominators/owners */
    uint16_t quality;  /* miners: q * 65535 */
    uint64_t endowed;  /* RAO funded at creation */
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
 * order; population p holds first .. first + count - 1). */
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

/* Kind instances due at `block` (register_at > 0): registered by their
 * synthetic owners; retried each block until the chain accepts. Returns the
 * next block with a due instance (UINT64_MAX: none). */
uint64_t agent_kinds_due(agent_world *w, io_err *err, int *failed);

/* The scenario's timeline: population `pop` joins now / leaves now (its
 * agents stop acting; stakers unstake, nothing re-registers); `tao` more TAO
 * funded to each agent of pop and staked (validators: to themselves,
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
