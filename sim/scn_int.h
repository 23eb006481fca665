/* scn_int.h -- internals shared by the scn room's files (scn_value.c,
 * scn_dist.c, scn_load.c, scn_run.c) and nobody else.
 *
 * Invariant: a `why` buffer (SCN_WHY_MAX) holds a message WITHOUT location;
 * only scn_load.c / scn_run.c prefix "FILE:LINE: [section] key: ", so every
 * message is built once, in one place per location kind.
 */
#ifndef TAOSIM_SCN_INT_H
#define TAOSIM_SCN_INT_H

#include "taosim/scn.h"

#define SCN_WHY_MAX 640

/* Where an error happened: a file line, or the set-th override. */
typedef struct scn_loc {
    const char *path;
    uint32_t line; /* used when set == 0 */
    uint32_t set;  /* 1-based --set index, 0 = the file */
} scn_loc;

/* One key of one section as the file / --set wrote it. */
typedef struct scn_slot {
    uint32_t line;     /* file line that wrote the key, 0 = not in the file */
    uint32_t set;      /* --set that wrote the value, 0 = none */
    uint64_t order;    /* sweep order: the file line, or 2^32 + set for --set-only keys */
    bool swept;        /* written as ${...} */
    uint32_t nvalues;  /* 0 = the default applies */
    scn_value *values; /* owned, [nvalues] */
} scn_slot;

typedef struct scn_sec {
    uint32_t kind;            /* index into schema->kinds */
    char name[SCN_IDENT_MAX]; /* "" for a singleton */
    scn_origin where;         /* header line or creating --set; {0,0} = implicit */
    scn_slot *slots;          /* owned, [nkeys] */
} scn_sec;

typedef struct scn_dim {
    uint32_t sec, key; /* a swept slot */
} scn_dim;

struct scn_scenario {
    const scn_schema *schema;
    char path[SCN_PATH_MAX];
    char name[SCN_PATH_MAX];
    uint64_t hash;
    uint32_t nsecs;
    scn_sec secs[SCN_MAX_SECTIONS];
    scn_value *defaults[SCN_MAX_KINDS]; /* owned, [nkeys]; a required key's entry is unused */
    uint32_t ndims;
    scn_dim dims[SCN_MAX_SWEEPS];       /* sweep order */
    uint64_t points, repeats, runs, base_seed;
    int repeat_kind, repeat_key;        /* -1 = none */
    int seed_kind, seed_key;            /* -1 = none */
};

/* ---- scn_value.c ---------------------------------------------------------- */

/* "FILE:LINE: " or "--set:N: " then the formatted message. */
void scn_loc_errf(io_err *err, scn_loc loc, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

bool scn_is_ident(const char *s, bool allow_dash);
/* Strip blanks at both ends in place; returns the new start. */
char *scn_trim(char *s);
/* Decimal digits only (no sign) into a u64; false on overflow or a non-digit. */
bool scn_parse_u64(const char *t, uint64_t *out);
/* Levenshtein distance (capped: strings longer than 63 bytes compare as far). */
unsigned scn_distance(const char *a, const char *b);
/* Append "; did you mean 'X'?" (closest within distance 2) or, when none is
 * that close, "; expected one of: a, b, ..." to `why`. names[0..n-1]. */
void scn_suggest(char *why, size_t cap, const char *word, const char *const *names, size_t n);

/* Exact decimal parse into 10^-18 units. 0 or -1 with `why`. */
int scn_num_parse(const char *text, scn_num *out, char *why, size_t cap);
/* One value of key k (bounds checked). 0 or -1 with `why`. */
int scn_parse_one(const scn_key *k, const char *text, scn_value *out, char *why, size_t cap);
/* "[run]" / "[subnet alpha]" */
void scn_sec_label(char *buf, size_t cap, const char *kind, const char *name);

/* A value as written: a single value (*swept false, *n 1) or a sweep
 * ${a, b, ...} / ${a..b step s}. `runs_so_far` is the product of the sweeps
 * parsed before; a sweep that would push it over SCN_MAX_RUNS fails.
 * *vals is malloc'd (the caller frees it, also on failure: NULL then).
 * Returns 0, -1 with `why` (bad input), or -2 (out of memory). */
int scn_parse_written(const scn_key *k, const char *text, uint64_t runs_so_far, scn_value **vals,
                      uint32_t *n, bool *swept, char *why, size_t cap);

/* ---- scn_dist.c ----------------------------------------------------------- */

int scn_dist_parse_why(const char *text, scn_dist *d, char *why, size_t cap);

#endif /* TAOSIM_SCN_INT_H */
