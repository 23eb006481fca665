/* yuma.h -- the Yuma consensus epoch, bit-exact with subtensor.
 *
 * One pure function: chain state of one subnet in (plain arrays, stored u16
 * values, u64 RAO), everything the chain writes back out. Scratch memory comes
 * from an arena the caller owns; no globals, no floating point anywhere on
 * this path. Variants are selected per call by yuma_params.version:
 *   YUMA_V2  the v1.2.4 epoch (../shared/spec/yuma-epoch.md), the default
 *   YUMA_V3  Yuma 3 of v3.2.7 (../shared/spec/yuma3.md), a sibling that shares
 *            the primitives and never changes the v2 path
 *
 * Sparse matrices are CSR: row i holds entries ent[off[i] .. off[i+1]) in
 * stored order (the order the chain keeps them in storage).
 */
#ifndef TAOSIM_YUMA_H
#define TAOSIM_YUMA_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define YUMA_MAX_UIDS 4096u /* checked: larger subnets are rejected with YUMA_ETOOBIG */

enum { YUMA_V2 = 2, YUMA_V3 = 3 };

typedef enum yuma_status {
    YUMA_OK = 0,
    YUMA_ETOOBIG = 1, /* n > YUMA_MAX_UIDS */
    YUMA_ENOMEM = 2,  /* arena too small: ask yuma_arena_need() */
    YUMA_EINPUT = 3   /* inconsistent input (bond/weight column >= n where the chain would panic, ...) */
} yuma_status;

const char *yuma_strerror(yuma_status st);

typedef struct yuma_entry {
    uint16_t col; /* destination uid */
    uint16_t val; /* stored u16 weight or bond */
} yuma_entry;

typedef struct yuma_csr {
    const uint32_t *off;   /* n+1 offsets */
    const yuma_entry *ent; /* off[n] entries */
} yuma_csr;

/* Hyperparameters, in chain units (u16 proportions of 65535, millionths, blocks). */
typedef struct yuma_params {
    int version;                     /* YUMA_V2 (default) or YUMA_V3 */
    uint16_t kappa;                  /* 32767 */
    uint64_t bonds_moving_average;   /* 900000 */
    uint64_t activity_cutoff;        /* 5000 */
    uint16_t max_allowed_validators; /* K of the top-k permits */
    bool liquid_alpha_enabled;
    uint16_t alpha_low, alpha_high;  /* (45875, 58982) */
    /* Yuma 3 only (ignored by YUMA_V2; yuma3.md §2, §3): */
    uint16_t bonds_penalty;          /* BondsPenalty, 65535 = 1.0 (bonds from clipped weights) */
    int16_t alpha_sigmoid_steepness; /* AlphaSigmoidSteepness (i16), 1000 */
    uint64_t stake_threshold;        /* StakeThreshold (RAO): smaller stakes count as 0 */
    bool yuma3_sigmoid_clamp;        /* 0 = v3.2.7 (quirk Q2); 1 = exponent clamped to ±20 (v3.3.2) */
    int32_t owner_uid;               /* the subnet owner's uid keeps its self-weight; -1: none */
    uint16_t tempo;                  /* Tempo: bonds towards uids registered at or after
                                        current_block - tempo are dropped (§2.8); 0 by default */
    /* Opt-in, NOT a chain rule (no subtensor release has it; false by default,
     * and false leaves every output bit of both variants unchanged):
     * server-side winner-takes-all (the shelved BIT-0009; yuma-simulation's
     * `winner_takes_all` of its Cases 20-22). After the dividends are computed
     * and before the emission split, the normalised incentive vector I is
     * replaced by a one-hot vector: I_w = 1.0 for the lowest uid w holding the
     * largest I_j, 0 for every other uid; if every I_j is 0 it is left as is.
     * Rank, trust, consensus, dividends and bonds are the chain rule's; the
     * stored Incentive, the server emissions (the top miner gets the whole
     * server share of the split), Emission and PruningScores follow the
     * one-hot I. Both variants honour it (ym_incentive_wta, yuma_math.h). */
    bool incentive_wta;
} yuma_params;

/* The chain's defaults for a new subnet (yuma-epoch.md §9 "pallet default"). */
yuma_params yuma_params_default(void);

typedef struct yuma_input {
    uint32_t n;                             /* SubnetworkN */
    uint64_t current_block;
    uint64_t rao_emission;                  /* E, distributed by this epoch */
    const uint64_t *stake;                  /* S_raw[n], RAO */
    const uint64_t *last_update;            /* [n] */
    const uint64_t *block_at_registration;  /* [n] */
    const bool *permit_old;                 /* ValidatorPermit before the call [n] */
    yuma_csr weights;                       /* stored weight rows (already max-upscaled) */
    yuma_csr bonds;                         /* stored bond rows */
    const bool *bonds_reset;                /* not read: a bonds reset is a chain call, not part of
                                               the epoch (yuma3.md §2.12, chain_reset_bonds) */
} yuma_input;

enum { YUMA_BONDS_KEEP = 0, YUMA_BONDS_SET = 1, YUMA_BONDS_CLEAR = 2 };

/* Every vector has length n and is allocated from the arena. */
typedef struct yuma_output {
    bool *active;
    bool *permit_new;
    uint16_t *stake_weight, *rank, *trust, *consensus, *incentive, *dividends;
    uint16_t *validator_trust, *pruning_score;
    uint64_t *emission;           /* stored combined emission (RAO) */
    uint64_t *server_emission;    /* incentive part (RAO) */
    uint64_t *validator_emission; /* dividend part (RAO) */
    /* Bond rows to write back: per uid KEEP (leave storage untouched), CLEAR
     * (write an empty row) or SET (write bonds_new row i). */
    uint8_t *bonds_action;
    uint32_t *bonds_off;          /* n+1 */
    yuma_entry *bonds_ent;        /* increasing col within a row, except Yuma 3 with Liquid Alpha 2:
                                     the weights-for-bonds row order (yuma3.md §2.14 Q4) */
} yuma_output;

/* Scratch memory owned by the caller; reset by every yuma_epoch call. */
typedef struct yuma_arena {
    unsigned char *base;
    size_t cap;
    size_t used;
} yuma_arena;

/* Bytes an epoch of this size needs (outputs included). */
size_t yuma_arena_need(uint32_t n, size_t nnz_weights, size_t nnz_bonds);

yuma_status yuma_epoch(const yuma_params *p, const yuma_input *in, yuma_output *out, yuma_arena *arena);

#endif
