/* replay.h -- replay a CSV log of chain operations against a chain (chain.h).
 *
 * A replay file is CSV (read with libcsv) with the header
 *     block,op,netuid,uid,key,value
 * Rows are applied in file order; `block` never decreases. A row whose first
 * field starts with '#' is a comment (anywhere, also before the header, so that
 * files taosim writes with provenance lines replay as they are); blank lines
 * are ignored. Every integer is an unsigned 64-bit decimal unless the column
 * says otherwise (netuid and uid are u16).
 *
 * Two kinds of ops. State-loading ops (subnet, hparam, register, stake,
 * weights, bonds, epoch) rebuild a chain state for consensus regression; the
 * `value` column holds their raw argument. Extrinsics (register_network,
 * burned_register, pow_register, root_register, set_root_weights, add_stake,
 * remove_stake, become_delegate, decrease_take, increase_take, transfer) are
 * signed by the account in `key` (a coldkey) and take their arguments in
 * `value` as space-separated name=value pairs, e.g.
 *     120,add_stake,,,alice,hotkey=hk7 amount=1000000000
 * `balance` funds a coldkey (key) with amount= RAO (genesis endowment),
 * `genesis` (only as the first data row) picks the preset, `run` advances.
 *
 * Time. The chain's clock starts at the first `genesis` or `run` row. Before
 * it, a row's block only sets the current block (state loading). From then
 * on, a row whose block is later than the chain's first advances the chain to
 * that block, running the per-block pipeline of every block in between
 * (scheduled epochs, root epochs, drains; chain_advance_to) -- the row is then
 * an extrinsic of its block.
 *
 * Each op is one row of a table {name, handler, which columns it takes}. A
 * row is either
 *   applied  -- the chain accepted it;
 *   refused  -- a call the chain itself would refuse: nothing changes, the row
 *               goes to rejected.csv with the chain's error name as the reason;
 *   malformed -- taosim cannot read it (column count, non-integer, unknown op,
 *               argument or hparam key, value out of range or refused by an
 *               admin setter, bad dest:value pair, uid beyond the subnet,
 *               amount that would overflow the issuance, ...): the replay
 *               stops with "FILE:LINE: reason".
 *
 * Outputs go to caller-owned streams (the caller writes provenance first,
 * then replay_write_headers): one epochs.csv row per uid per epoch (`epoch`
 * ops and scheduled epochs), the stored non-zero bonds after every epoch, the
 * refused rows, blocks.csv samples (the end of every `run` row and every
 * `every=N` blocks within it), subnets.csv events (registrations, removals
 * with lock paid/refunded), and accounts.csv (the final balances and stakes,
 * written by replay_file at the end). Library code: never prints, never exits.
 */
#ifndef TAOSIM_REPLAY_H
#define TAOSIM_REPLAY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "taosim/chain.h"
#include "taosim/io.h"

#define REPLAY_HEADER "block,op,netuid,uid,key,value"
#define REPLAY_EPOCHS_HEADER                                                                            \
    "block,netuid,uid,hotkey,stake,active,validator_permit,rank,trust,consensus,incentive,dividends," \
    "validator_trust,emission,server_emission,validator_emission,pruning_score"
#define REPLAY_BONDS_HEADER "block,netuid,uid,dest,bond"
#define REPLAY_REJECTED_HEADER "row,block,op,netuid,uid,reason"
#define REPLAY_BLOCKS_HEADER                                                                          \
    "block,issuance,block_emission,balances,stake,locked,lock_cost,netuid,emission_value,"           \
    "pending_emission,burn,difficulty,n"
#define REPLAY_SUBNETS_HEADER "block,event,netuid,owner,amount,lock_cost"
#define REPLAY_ACCOUNTS_HEADER "coldkey,hotkey,balance,stake"

/* Largest number of dest:value pairs in one row. */
#define REPLAY_MAX_PAIRS 65536u

typedef enum replay_status {
    REPLAY_OK = 0,
    REPLAY_EINPUT = 1, /* malformed row or unreadable input: "FILE:LINE: reason" */
    REPLAY_EFAIL = 2   /* failure outside the input (out of memory, internal) */
} replay_status;

/* Any stream may be NULL (that output is not written). */
typedef struct replay_out {
    FILE *epochs, *bonds, *rejected;
    FILE *blocks, *subnets, *accounts;
} replay_out;

/* Write the header line of every non-NULL stream (after the caller's
 * provenance lines). */
void replay_write_headers(const replay_out *out);

typedef struct replay_stats {
    size_t rows;     /* data rows applied or refused (comments not counted) */
    size_t epochs;   /* epoch ops run */
    size_t rejected; /* rows written to rejected.csv */
    uint64_t block;  /* the chain's block at the end */
} replay_stats;

/* The rows of accounts.csv (REPLAY_ACCOUNTS_HEADER, header not included) for
 * chain c: one row per coldkey (balance, TotalColdkeyStake) and one per
 * non-zero stake entry, sorted by (coldkey, hotkey) bytes. taosim run writes
 * the same file, so a run and the replay of its actions.csv compare. */
void replay_accounts_rows(FILE *f, const chain *c);

/* Replay the file at `path` on a fresh chain. err gets "PATH:LINE: reason"
 * (or "PATH: reason" when the file cannot be read). stats may be NULL. */
replay_status replay_file(const char *path, const replay_out *out, replay_stats *stats, io_err *err);

/* Options of replay_file_opts (taosim case). All zero = replay_file. */
typedef struct replay_opts {
    /* 0: every subnet runs the variant the file gives it. YUMA_V2 or YUMA_V3:
     * just before a subnet's first `epoch` row, its yuma_version is set to
     * this value -- after the file's own configuration rows, and only the
     * flag, as sudo_set_yuma3_enabled does (the values the file set under its
     * variant's setters stay). The file's later yuma_version rows still apply.
     * A file that starts the chain's clock (genesis, run) is malformed under
     * an override: its scheduled epochs have no row to apply it before. */
    int yuma_version;
    /* Called after every epoch's epochs.csv and bonds.csv rows (epoch rows
     * and scheduled epochs), with the subnet as the epoch left it. */
    void (*on_epoch)(void *ctx, const chain *c, const chain_subnet *s);
    void *ctx;
} replay_opts;

/* replay_file with options; opts may be NULL (= replay_file). */
replay_status replay_file_opts(const char *path, const replay_opts *opts, const replay_out *out,
                               replay_stats *stats, io_err *err);

/* ---- the op table (for handlers, and for `taosim replay --help`) ---------- */

enum replay_col { REPLAY_COL_NONE = 0, REPLAY_COL_OPT = 1, REPLAY_COL_REQ = 2 };

typedef enum replay_result {
    REPLAY_APPLIED = 0,
    REPLAY_REFUSED = 1,   /* *why = the chain's error name [": " detail] */
    REPLAY_MALFORMED = 2, /* *why = the reason (no file:line) */
    REPLAY_FAILED = 3     /* *why = the reason; not the input's fault */
} replay_result;

/* One data row, fields trimmed by libcsv; block already parsed and applied. */
typedef struct replay_row {
    size_t line; /* 1-based line in the file (the header is line 1) */
    uint64_t block;
    const char *op, *netuid, *uid, *key, *value;
} replay_row;

typedef struct replay replay; /* the run's state (chain, outputs, buffers) */

typedef replay_result (*replay_op_fn)(replay *r, const replay_row *row, io_err *why);

typedef struct replay_op_def {
    const char *name;
    replay_op_fn fn;
    uint8_t netuid, uid, key, value; /* enum replay_col */
    const char *summary;             /* one line for --help */
} replay_op_def;

size_t replay_op_count(void);
const replay_op_def *replay_op_at(size_t i);

#endif
