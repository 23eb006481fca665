/* run.h -- `taosim run`: a scenario file driving the chain with synthetic
 * agents, on the discrete-event engine, writing CSV traces.
 *
 * What this room is for. It owns the scenario schema of `taosim run` (every
 * section and key, with type, unit, default and range: the README's
 * reference tables come from the same table), turns one resolved run of a
 * scenario (scn_config) into a plan, and executes it: a chain (chain.h) at
 * genesis, the agents (agent.h), an event engine (sim.h) whose events are
 * agent acts, scenario timeline events and trace samples, and the traces
 * (trace.h) in the run's output directory.
 *
 * Time. The engine's events are (block, phase, seq). Before the events of
 * block b run, the chain is advanced to b (chain_advance_to: the per-block
 * pipeline of every block up to b, idle stretches in aggregate); the events
 * of b are then b's extrinsics (SIM_PHASE_EXTRINSIC: timeline events first,
 * then agents in index order of scheduling) and samples (SIM_PHASE_OBSERVE).
 *
 * Determinism. A run is a pure function of (scenario bytes, overrides, run
 * number, build): one context holds everything (no globals), so two runs can
 * live in one process. Progress reporting is a callback the CLI provides;
 * this room never reads the clock and never prints.
 *
 * Outputs (all atomic: temporaries renamed at the end, nothing on failure),
 * each CSV starting with provenance lines (version, commit, scenario hash,
 * run number, seed):
 *   config.ini   the resolved configuration of the run (every key)
 *   supply.csv   per sample: issuance, emission, burns, locks, halvings
 *   subnets.csv  per sample per subnet: emission value, pending, lock cost, burn, uids, owner
 *   neurons.csv  per uid per sample (or per epoch): stake, incentive, dividends, ...
 *   events.csv   registrations, prunings, subnet churn, halvings, scenario events
 *   actions.csv  every extrinsic, in `taosim replay` format
 *   populations.csv  per sample (or per epoch) per population: stake, incentive,
 *                dividends, their shares, retention
 *   summary.csv  one row: the headline figures, then the same per population
 */
#ifndef TAOSIM_RUN_H
#define TAOSIM_RUN_H

#include <stdbool.h>
#include <stdint.h>

#include "taosim/io.h"
#include "taosim/scn.h"

/* The scenario schema of `taosim run` (static; valid for the program's life). */
const scn_schema *run_schema(void);

/* Column lists of the traces (the header lines). */
#define RUN_SUPPLY_HEADER                                                                                     \
    "block,date,issuance_rao,block_emission_rao,halvings,balances_rao,stake_rao,locked_rao,minted_rao,"  \
    "burned_rao,endowed_rao,lock_cost_rao,subnets,validator_stake_gini,validator_top10_share"
#define RUN_SUBNETS_HEADER                                                                                    \
    "block,netuid,kind,emission_value_rao,pending_rao,burn_rao,difficulty,uids,max_uids,owner,"            \
    "registered_at,locked_rao,value,emission_share"
#define RUN_NEURONS_HEADER                                                                                    \
    "block,netuid,uid,hotkey,agent,population,role,stake_rao,incentive,dividends,emission_rao,trust,"      \
    "consensus,validator_trust,validator_permit"
#define RUN_EVENTS_HEADER "block,event,netuid,uid,hotkey,agent,amount_rao,detail"
#define RUN_ACTIONS_HEADER "block,op,netuid,uid,key,value"
#define RUN_SUMMARY_HEADER                                                                                    \
    "run,seed,blocks,years,issuance_rao,minted_rao,burned_rao,locked_rao,endowed_rao,halvings,"            \
    "subnets_end,subnets_registered,subnets_pruned,registrations,prunings,refused,epochs,"                  \
    "validator_stake_gini,validator_top10_share,emission_gini,honest_miner_loss,bonds_settle_blocks"

typedef struct run_progress {
    uint64_t block, end; /* simulated block reached, horizon */
    uint64_t epochs;     /* subnet epochs so far */
} run_progress;

typedef struct run_opts {
    const char *outdir;                  /* the run's output directory (created if missing) */
    void (*progress)(void *ctx, const run_progress *p); /* NULL: none */
    void *progress_ctx;
    uint64_t progress_every;             /* blocks between callbacks (0: 72000) */
    /* Profiling (benchmarks): a monotonic clock in ns the caller provides --
     * this room never reads one itself. NULL: no profile. */
    uint64_t (*clock_ns)(void);
} run_opts;

/* Where the time went (run_opts.clock_ns given), in ns. */
typedef struct run_profile {
    uint64_t chain_ns;  /* chain_advance_to: the per-block pipeline, epochs included */
    uint64_t agents_ns; /* agents' acts and timeline events (their extrinsics) */
    uint64_t traces_ns; /* samples: supply, subnets, neurons rows and audits */
    uint64_t total_ns;  /* the whole run_config call */
} run_profile;

/* Headline figures of one run (also its summary.csv row). */
typedef struct run_summary {
    uint64_t run, seed, blocks;
    uint64_t issuance, minted, burned, locked, endowed;
    uint32_t halvings;
    uint64_t subnets_end, subnets_registered, subnets_pruned;
    uint64_t registrations, prunings, refused, epochs;
    double validator_stake_gini, validator_top10_share, emission_gini;
    double honest_miner_loss;     /* 1 - honest miners' emission / the no-attack twin's (NaN: no twin) */
    uint64_t bonds_settle_blocks; /* from the last scenario event to the last epoch moving bonds >= 1% */
    uint64_t digest; /* FNV-1a over every trace's header and rows */
    run_profile prof;
} run_summary;

typedef enum run_status { RUN_OK = 0, RUN_EFAIL = 1, RUN_EINPUT = 2 } run_status;

/* Run one resolved configuration (scn_resolve with run_schema()). RUN_EINPUT:
 * the configuration cannot be run (err: "FILE:LINE: ..."); RUN_EFAIL: a
 * failure outside the input (I/O, memory, an invariant breach -- err says
 * which). Nothing is left in outdir on failure. */
run_status run_config(const scn_config *cfg, const run_opts *o, run_summary *sum, io_err *err);

#endif
