/* run_int.h -- internals shared by the run room's files (run_schema.c,
 * run.c) and nobody else: the plan a resolved configuration becomes. */
#ifndef TAOSIM_RUN_INT_H
#define TAOSIM_RUN_INT_H

#include "taosim/agent.h"
#include "taosim/run.h"

#define RUN_MAX_EVENTS 256u
#define RUN_MAX_GLOBALS 64u

typedef enum run_action { RUN_ACT_SET = 0, RUN_ACT_JOIN, RUN_ACT_LEAVE, RUN_ACT_STAKE, RUN_ACT_YUMA } run_action;

typedef enum run_neurons { RUN_NEURONS_SAMPLE = 0, RUN_NEURONS_EPOCH, RUN_NEURONS_OFF } run_neurons;
typedef enum run_twin { RUN_TWIN_AUTO = 0, RUN_TWIN_ON, RUN_TWIN_OFF } run_twin;

/* One [event NAME] section. */
typedef struct run_event {
    char name[SCN_IDENT_MAX];
    uint64_t at;        /* block */
    run_action action;
    bool chain_target;  /* set on [chain] */
    uint32_t kind;      /* subnet kind (set/yuma on a subnet), or */
    uint32_t pop;       /* population (join/leave/stake) */
    const char *key;    /* hparam / global key (static name from the chain's tables) */
    uint64_t value;     /* chain units; stake: RAO per agent */
} run_event;

typedef struct run_plan {
    char name[SCN_PATH_MAX];
    uint64_t run, runs, seed, hash;
    uint64_t horizon;        /* last block */
    int64_t start_days;      /* date of block 0, days since 1970-01-01 */
    uint64_t sample_blocks;  /* supply/subnets samples */
    run_neurons neurons;
    uint64_t neurons_every;  /* neurons.csv samples (neurons = sample) */
    bool actions;            /* write actions.csv */
    run_neurons populations; /* populations.csv rows: per sample, per epoch, or none */
    run_twin twin;           /* run the no-attack twin for honest_miner_loss */
    bool bonds_settle;       /* track bonds_settle_blocks (a bond matrix comparison per epoch) */
    bool audit;              /* chain_audit at every sample */
    const char *preset;
    uint64_t world_rao;      /* genesis balance of the rest of the world */
    uint32_t nglobals;
    const char *gkey[RUN_MAX_GLOBALS];
    uint64_t gval[RUN_MAX_GLOBALS];
    agent_plan agents;
    uint32_t nevents;
    run_event events[RUN_MAX_EVENTS];
} run_plan;

/* ---- run_metrics.c: what each population gets -------------------------------------------- */

#include "taosim/trace.h"

#define RUN_POPULATIONS_HEADER                                                                            \
    "block,netuid,population,behaviour,stake_rao,stake_share,incentive_rao,dividends_rao,incentive_share," \
    "dividend_share,emission_share,retention"

typedef struct run_metrics run_metrics;
run_metrics *rm_new(const run_plan *plan, const agent_world *w);
void rm_free(run_metrics *m);
/* A scenario event at `block`: bonds settle after it. */
void rm_event(run_metrics *m, uint64_t block);
/* After subnet s ran its epoch: accumulate, write epoch rows (rows may be NULL). */
int rm_on_epoch(run_metrics *m, const chain *c, const chain_subnet *s, uint64_t block, trace_table *rows);
/* At a sample: stake shares, and rows for the interval since the last (rows may be NULL). */
void rm_sample(run_metrics *m, const chain *c, uint64_t block, trace_table *rows);
uint64_t rm_honest_miner_emission(const run_metrics *m);
uint64_t rm_emission_of(const run_metrics *m, uint32_t agent);
/* Blocks from the last scenario event (or block 0) to the last epoch that
 * moved any subnet's bonds by >= 1% (L1, relative); 0 if none did. */
uint64_t rm_bonds_settle_blocks(const run_metrics *m, uint64_t horizon);
/* ",POP.stake_share,POP.incentive_share,..." for every population. */
void rm_summary_header(const run_plan *plan, char *buf, size_t cap);
void rm_summary_fields(const run_metrics *m, const chain *c, uint64_t blocks, trace_table *t);

/* Build the plan of a resolved configuration; SCN_EINPUT with *err pointing
 * at the offending key (scn_config_errf) when it cannot be run. */
scn_status run_plan_build(const scn_config *cfg, run_plan *plan, io_err *err);

#endif
