/* supply.h -- the TotalIssuance trajectory over a long horizon, exact per block
 * but computed in jumps (the engine behind `taosim supply`).
 *
 * The model (one rule, applied in this order for b = 1, 2, …, blocks):
 *   start: block 0, issuance I0, emission E = E(I0) (emission.h);
 *   if b mod period == phase (chain: 101, 99):  E := E(issuance)
 *   issuance += E;                               (minted)
 *   issuance −= min(burn(b, E), issuance)        (burned; never below 0)
 * burn(b, E) is 0, a constant, ⌊E·ppm/1e6⌋, or a piecewise-constant schedule
 * of b.
 *
 * Invariant: supply_run reports, for every block it reports, exactly the state
 * the naive per-block loop supply_run_oracle reaches (issuance, emission,
 * minted and burned so far), and the same final result; it reaches it in
 * O(rows + emission changes + schedule steps) steps, not O(blocks). Between
 * events the issuance moves linearly, so the engine jumps; while burns pin
 * the issuance at a halving threshold (emission alternating between two
 * adjacent rates at root epochs) it jumps whole runs of root epochs in closed
 * form and, unless every_change is set, reports the alternation once (row
 * flag SUPPLY_ROW_PIN) instead of once per change.
 *
 * Library room: no printing, no clock, no floating point. Errors come back as
 * a status plus a one-line io_err.
 */
#ifndef TAOSIM_SUPPLY_H
#define TAOSIM_SUPPLY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "taosim/io.h"

typedef enum supply_status {
    SUPPLY_OK = 0,
    SUPPLY_EINVAL = 1,    /* bad parameters (message in io_err) */
    SUPPLY_EOVERFLOW = 2, /* a u64 quantity would wrap (absurd inputs only) */
    SUPPLY_ESTOPPED = 3,  /* the sink returned non-zero */
    SUPPLY_EINPUT = 4,    /* malformed burn CSV ("FILE:LINE: reason") */
    SUPPLY_EFAIL = 5      /* cannot read a file, out of memory */
} supply_status;

/* Longest supported horizon: 1e10 blocks (≈ 3802 years) keeps every
 * cumulative RAO counter inside u64. */
#define SUPPLY_MAX_BLOCKS 10000000000ull
#define SUPPLY_PPM 1000000u

typedef enum supply_burn_kind {
    SUPPLY_BURN_NONE = 0,
    SUPPLY_BURN_CONST,    /* rao_per_block every block */
    SUPPLY_BURN_SHARE,    /* ⌊E·ppm/1e6⌋ of the block's emission, ppm <= 1e6 */
    SUPPLY_BURN_SCHEDULE  /* steps[i].rao_per_block for blocks >= steps[i].from_block (0 before the first) */
} supply_burn_kind;

typedef struct supply_burn_step {
    uint64_t from_block;
    uint64_t rao_per_block;
} supply_burn_step;

typedef struct supply_burn {
    supply_burn_kind kind;
    uint64_t rao_per_block;         /* CONST */
    uint32_t ppm;                   /* SHARE */
    const supply_burn_step *steps;  /* SCHEDULE: strictly increasing from_block, borrowed */
    size_t nsteps;
} supply_burn;

/* The burn asked for at block b when the block's emission is e. */
uint64_t supply_burn_at(const supply_burn *burn, uint64_t b, uint64_t e);

typedef struct supply_params {
    uint64_t issuance;     /* at block 0, RAO */
    uint64_t blocks;       /* horizon: blocks 1..blocks are applied (<= SUPPLY_MAX_BLOCKS) */
    uint64_t sample_every; /* a SAMPLE row at every block multiple of this (0: none) */
    uint64_t period;       /* emission re-evaluated at b mod period == phase (>= 1) */
    uint64_t phase;        /* < period */
    supply_burn burn;
    bool every_change;     /* report each emission change, also while pinned (slower) */
} supply_params;

/* The chain's defaults: issuance 0, 256 years, one sample per day, root
 * epochs (101, 99), no burn, pinned stretches summarised. */
void supply_params_init(supply_params *p);

enum {
    SUPPLY_ROW_START = 1u,  /* block 0 */
    SUPPLY_ROW_SAMPLE = 2u, /* block is a multiple of sample_every */
    SUPPLY_ROW_CHANGE = 4u, /* the emission was re-evaluated here to a different rate */
    SUPPLY_ROW_PIN = 8u,    /* from this root epoch on the issuance is pinned at a threshold */
    SUPPLY_ROW_END = 16u    /* block == blocks */
};

/* The state after block `block` (for block 0: the start). */
typedef struct supply_row {
    uint64_t block;
    unsigned flags;
    uint64_t issuance;      /* TotalIssuance after this block */
    uint64_t emission;      /* the rate that minted this block (block 0: E(I0)) */
    unsigned halvings;      /* emission_step_of(emission): 0..30 */
    uint64_t minted;        /* cumulative since block 0 */
    uint64_t burned;        /* cumulative, what was actually removed */
    /* CHANGE: */
    uint64_t prev_emission; /* rate before this root epoch */
    uint64_t read_issuance; /* issuance the re-evaluation read (after block-1) */
    /* PIN: issuance held in [pin_lo, pin_hi) at threshold T_k = pin_threshold;
     * emission alternates between emission_of_step(pin_k-1) (below) and
     * emission_of_step(pin_k) (at or above), until the burn rate changes or
     * the horizon; pin_until = last block of the stretch. */
    unsigned pin_k;
    uint64_t pin_threshold, pin_lo, pin_hi, pin_until;
} supply_row;

/* Called once per reported block, in increasing block order; non-zero stops
 * the run with SUPPLY_ESTOPPED. */
typedef int (*supply_sink)(void *ctx, const supply_row *row);

typedef struct supply_result {
    uint64_t blocks;
    uint64_t issuance, emission, minted, burned; /* at the horizon */
    unsigned halvings;                           /* step of `emission` */
    uint64_t changes;        /* emission changes, all counted (also inside pinned stretches) */
    uint64_t max_halvings;   /* highest step reached */
    uint64_t zero_block;     /* first block that pays 0 (0 if E(I0) == 0); UINT64_MAX if never */
    uint64_t rows;           /* rows handed to the sink */
    uint64_t pins;           /* pinned stretches entered */
    supply_row last_pin;     /* the last PIN row (valid if pins > 0) */
    uint64_t steps;          /* engine iterations (diagnostics) */
} supply_result;

/* The jump engine. sink may be NULL. */
supply_status supply_run(const supply_params *p, supply_sink sink, void *ctx, supply_result *res, io_err *err);
/* The naive per-block loop (test oracle, benchmark baseline): reports every
 * change (never PIN) through the same row type, with a checked
 * emission_ledger. */
supply_status supply_run_oracle(const supply_params *p, supply_sink sink, void *ctx, supply_result *res,
                                io_err *err);

/* Read a burn schedule CSV: optional '#' comment rows, the header
 * `from_block,rao_per_block`, then rows of two unsigned decimal integers with
 * strictly increasing from_block. On success *steps is malloc'ed (free() it;
 * may be NULL when *n == 0) and *hash is the FNV-1a of the file's bytes.
 * Errors: SUPPLY_EINPUT with "FILE:LINE: reason", SUPPLY_EFAIL. */
supply_status supply_burn_csv_read(const char *path, supply_burn_step **steps, size_t *n, uint64_t *hash,
                                   io_err *err);

/* ---- reporting helpers (integers only, byte-identical everywhere) --------- */

/* b / 2 629 800 truncated to 6 decimals, e.g. "3.992699". Returns length. */
int supply_format_year(uint64_t block, char *buf, size_t n);
/* "YYYY-MM-DD" (proleptic Gregorian) -> days since 1970-01-01; -1 if malformed
 * or not a real date (years 0001..9999). */
int supply_parse_date(const char *s, int64_t *days);
/* The date of block b (12 s blocks: day = days0 + ⌊b/7200⌋) as YYYY-MM-DD. */
int supply_format_date(int64_t days0, uint64_t block, char *buf, size_t n);
/* rao as TAO with 9 decimals, "20999999.980442226". */
int supply_format_tao(uint64_t rao, char *buf, size_t n);

#endif
