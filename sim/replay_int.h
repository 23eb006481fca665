/* replay_int.h -- the replay run's state, shared by sim/replay.c (the CSV
 * reader, the state-loading ops) and sim/replay_chain.c (the chain's
 * extrinsics, time and the chain outputs).
 */
#ifndef TAOSIM_REPLAY_INT_H
#define TAOSIM_REPLAY_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "taosim/chain.h"
#include "taosim/replay.h"

#define NCOLS 6

typedef struct field_buf {
    char *s;
    size_t cap;
} field_buf;

struct replay {
    const char *path;
    const replay_out *out;
    replay_stats stats;
    chain *chain;
    io_err *err;
    replay_status status;
    bool stop;          /* an error ended the run: ignore the rest */
    bool header_done;
    bool nul_in_row;    /* a field held a NUL byte */
    bool nl_in_row;     /* a field held a line break (a quote left open) */
    size_t line;        /* line being fed to the parser */
    size_t row_line;    /* line where the current row started */
    size_t nfields;     /* fields seen in the current row */
    field_buf f[NCOLS];
    uint64_t prev_block;
    uint16_t *dests, *vals; /* dest:value pairs of the current row */
    size_t npairs, cappairs;
    const replay_opts *opts; /* never NULL (zeroed defaults) */
    uint8_t *yuma_done;      /* bitset over netuids: the yuma override was applied */
    bool clock;             /* a genesis or run row started the chain's clock */
    bool data_seen;         /* a data row was applied (genesis must come first) */
};


/* replay.c */
int replay_field_u64(const char *col, const char *s, uint64_t max, uint64_t *out, io_err *why);
int replay_parse_u64(const char *s, size_t len, uint64_t max, uint64_t *out);
replay_result replay_as_call(chain_err e, io_err *why);
replay_result replay_parse_pairs(replay *r, const char *s, const char *what, io_err *why);
void replay_write_epoch(replay *r, const chain_subnet *s);

/* replay_chain.c */
replay_result replay_register_owned(replay *r, const replay_row *row, uint16_t netuid, io_err *why);
extern const replay_op_def replay_chain_ops[];
extern const size_t replay_chain_nops;
/* Install the observer that writes epochs.csv and subnets.csv rows. */
void replay_observe(replay *r);
/* Move the chain to the row's block: set it (before the clock starts) or
 * advance through the pipeline. REPLAY_APPLIED or FAILED/MALFORMED. */
replay_result replay_move_to(replay *r, uint64_t block, io_err *why);
/* accounts.csv at the end of a successful replay. */
void replay_write_accounts(replay *r);
/* The global parameter row of `hparam` (netuid empty). */
replay_result replay_global_hparam(replay *r, const replay_row *row, io_err *why);

#endif
