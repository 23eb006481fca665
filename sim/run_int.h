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

/* Build the plan of a resolved configuration; SCN_EINPUT with *err pointing
 * at the offending key (scn_config_errf) when it cannot be run. */
scn_status run_plan_build(const scn_config *cfg, run_plan *plan, io_err *err);

#endif
