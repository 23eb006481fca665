/* scn.h -- scenario files for `taosim run`: schema-driven INI loading, strict
 * validation, parameter sweeps, run numbering and the resolved configuration.
 *
 * What the room is for. A scenario is an INI file (read with libinih) whose
 * sections and keys are described by a SCHEMA the caller passes in, so the run
 * room owns the concrete keys and this room owns the generic machinery: types,
 * defaults, ranges, sweeps (`${...}`), `--set` overrides, run numbering and
 * seeds, errors with did-you-mean suggestions, and a canonical INI echo of the
 * configuration one run actually used.
 *
 * Invariant. A loaded scenario is fully validated: every value written in the
 * file or by --set parsed into its type and lies in its range, every sweep
 * expanded, the run count is within SCN_MAX_RUNS. scn_resolve(s, r) is then a
 * pure function of (scenario bytes, overrides, schema, r): the same inputs give
 * the same config and, through scn_config_write, the same bytes. Nothing here
 * iterates in hash order, reads the clock or the environment, prints, or keeps
 * global state; errors are one line in an io_err.
 *
 * Errors. Every function that can fail returns an scn_status and, when not
 * SCN_OK, fills *err with ONE line "WHERE: what is wrong and what is expected",
 * where WHERE is "FILE:LINE" for a file, "--set:N" for the Nth override
 * (1-based) and "-r" for a run selection. The statuses equal the CLI exit
 * codes: SCN_EINPUT (2) bad input, SCN_EIO (1) I/O or memory. SCN_ESCHEMA (3)
 * means the caller's schema itself is wrong (a programming error).
 *
 * Exact numbers. SCN_NUMBER values are decimals parsed exactly into an integer
 * count of 10^-18 units (scn_num.units, an __int128): value = units / 10^18,
 * i.e. the rational units / 10^18. At most 18 decimal places and |value| <
 * 1.7e20 (2^127 / 10^18); anything else is an error, never a rounding. Sweep
 * ranges are stepped in those units, so ${0.1..0.5 step 0.1} is exactly 0.1,
 * 0.2, 0.3, 0.4, 0.5. No float is stored in an scn_value except the
 * distribution parameters' sampling copies (scn_dist.p), which feed agent
 * traits only, never consensus math.
 *
 * Runs. P = product of the sizes of all sweeps (1 without sweeps), N = the
 * designated repeat key (1 without one), R = P * N <= SCN_MAX_RUNS. Run r in
 * 0..R-1 is parameter point p = r / N, repeat index i = r % N. Point p picks
 * one value per sweep in mixed radix: the sweeps in FILE ORDER (the line where
 * the key is written; a key that only a --set writes comes after every file
 * key, in --set order), the LAST one varying fastest. Seed of run r:
 *   R == 1:  the base seed itself (so a resolved config, which has repeat = 1
 *            and no sweep, reproduces its run when run on its own);
 *   R >  1:  scn_seed_mix(base, r) = the (r+1)-th output of splitmix64 seeded
 *            with the base seed (distinct for every r: a bijection of r).
 * The base seed is the designated seed key (0 without one).
 */
#ifndef TAOSIM_SCN_H
#define TAOSIM_SCN_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <gsl/gsl_rng.h>

#include "taosim/io.h"

/* ---- limits (each one is checked, with an error naming it) ------------- */

#define SCN_MAX_KINDS 32           /* section kinds in a schema */
#define SCN_MAX_KEYS 64            /* keys per section kind */
#define SCN_MAX_SECTIONS 256       /* sections in a scenario, implicit singletons included */
#define SCN_MAX_SWEEPS 16          /* swept keys in a scenario */
#define SCN_MAX_SWEEP_VALUES 10000 /* values in one sweep */
#define SCN_MAX_RUNS 1000000       /* points x repeats */
#define SCN_MAX_SETS 64            /* --set overrides */
#define SCN_MAX_FILE_BYTES (1u << 20)
#define SCN_LINE_MAX 198           /* characters per line, line end excluded (inih holds 200 with "\n\0") */
#define SCN_IDENT_MAX 48           /* kind, key and section names, NUL included */
#define SCN_TEXT_MAX 200           /* canonical text of one value, NUL included */
#define SCN_PATH_MAX 512           /* scenario path, NUL included */
#define SCN_NUM_DECIMALS 18        /* scn_num.units = value * 10^18 */

typedef enum scn_status {
    SCN_OK = 0,
    SCN_EIO = 1,     /* cannot read / write, out of memory */
    SCN_EINPUT = 2,  /* bad scenario, --set or -r: the user's to fix */
    SCN_ESCHEMA = 3  /* the caller's schema is inconsistent: a bug */
} scn_status;

typedef enum scn_type {
    SCN_INT,          /* int64_t, decimal digits with an optional sign */
    SCN_U64,          /* uint64_t, decimal digits */
    SCN_NUMBER,       /* exact decimal: 0.25, -3, 1e9, 2.5e-3 -> scn_num */
    SCN_BOOL,         /* true/false, yes/no, 1/0 (lower case) -> canonical true/false */
    SCN_STRING,       /* the text as written (inih trims it and cuts " ;" comments) */
    SCN_ENUM,         /* one of scn_key.words */
    SCN_DATE,         /* YYYY-MM-DD, a real Gregorian date, years 0001..9999 */
    SCN_DIST,         /* beta(2, 5), normal(0, 1), ..., or a plain number = const */
    SCN_BLOCK_OR_DATE /* a block number (u64) or a date */
} scn_type;

__extension__ typedef __int128 scn_i128;

typedef struct scn_num {
    scn_i128 units; /* value * 10^18, exactly */
} scn_num;

typedef struct scn_date {
    int32_t year;
    uint8_t month, day;
    int64_t days; /* since 1970-01-01 (proleptic Gregorian), for comparisons */
} scn_date;

typedef struct scn_when {
    bool is_date;
    uint64_t block; /* when !is_date */
    scn_date date;  /* when is_date */
} scn_when;

typedef enum scn_dist_kind {
    SCN_DIST_CONST,       /* const(x)            draws 0 */
    SCN_DIST_UNIFORM,     /* uniform(a, b), a<b  flat on [a, b)  draws 1 */
    SCN_DIST_NORMAL,      /* normal(mu, sigma), sigma>0          draws 2k, variable */
    SCN_DIST_LOGNORMAL,   /* lognormal(mu, sigma), sigma>0       draws 2k, variable */
    SCN_DIST_BETA,        /* beta(a, b), a>0, b>0                draws >= 2, variable */
    SCN_DIST_GAMMA,       /* gamma(k, theta), k>0, theta>0       draws >= 2, variable */
    SCN_DIST_EXPONENTIAL, /* exponential(mean), mean>0           draws 1 */
    SCN_DIST_PARETO,      /* pareto(a, b), a>0 shape, b>0 scale  draws 1 */
    SCN_DIST_COUNT
} scn_dist_kind;

typedef struct scn_dist {
    scn_dist_kind kind;
    int nparams;     /* 1 or 2 */
    scn_num exact[2];/* the parameters as written, exactly */
    double p[2];     /* the same, as doubles, for sampling only */
} scn_dist;

/* One concrete value. `text` is canonical (numbers without redundant zeros or
 * sign, bool as true/false, distributions as "beta(2, 5)"): it is what
 * scn_config_write prints and what two equal values share. */
typedef struct scn_value {
    scn_type type;
    char text[SCN_TEXT_MAX];
    union {
        int64_t i;     /* SCN_INT */
        uint64_t u;    /* SCN_U64 */
        scn_num num;   /* SCN_NUMBER */
        bool b;        /* SCN_BOOL */
        uint32_t word; /* SCN_ENUM: index into scn_key.words */
        scn_date date; /* SCN_DATE */
        scn_dist dist; /* SCN_DIST */
        scn_when when; /* SCN_BLOCK_OR_DATE */
    };
} scn_value;

/* ---- schema (the caller's static tables; borrowed for the scenario's life) */

typedef struct scn_key {
    const char *name;         /* [A-Za-z0-9_]+ */
    scn_type type;
    const char *def;          /* default, written as in a file (no sweep); NULL = required */
    const char *min, *max;    /* inclusive bounds in the key's type, NULL = none;
                                 only for INT, U64, NUMBER and DATE */
    const char *unit;         /* for messages ("blocks", "TAO"); NULL = none */
    const char *const *words; /* SCN_ENUM: the allowed words, NULL-terminated */
    const char *doc;
} scn_key;

typedef struct scn_kind {
    const char *name;    /* [A-Za-z0-9_]+, e.g. "run", "subnet" */
    bool named;          /* [subnet NAME] (true) or the singleton [run] (false) */
    const scn_key *keys; /* schema order: the order of scn_section.values and of the echo */
    size_t nkeys;
    const char *doc;
} scn_kind;

struct scn_config;
/* Cross-key consistency check, run by scn_resolve on every resolved config.
 * Return SCN_OK, or report through scn_config_errf (which points at the
 * offending key's line) and return its result. */
typedef scn_status (*scn_check_fn)(const struct scn_config *c, void *ctx, io_err *err);

typedef struct scn_schema {
    const scn_kind *kinds;
    size_t nkinds;
    const char *repeat_key; /* "kind.key" of a singleton INT/U64 key whose bounds admit 1:
                               the repeat count (>= 1, never swept); NULL = always 1 */
    const char *seed_key;   /* "kind.key" of a singleton U64 key without bounds: the base
                               seed (never swept); NULL = base seed 0 */
    scn_check_fn check;     /* NULL = none */
    void *check_ctx;
} scn_schema;

/* SCN_ESCHEMA with "schema: ..." when names repeat or are not identifiers,
 * limits are exceeded, a default or bound does not parse in its key's type, a
 * default is out of its bounds, an enum has no words, or the repeat / seed key
 * is not as described above. scn_load calls it first. */
scn_status scn_schema_check(const scn_schema *schema, io_err *err);

/* ---- loading -------------------------------------------------------------- */

typedef struct scn_scenario scn_scenario; /* opaque: validated, immutable after load */

/* Read and validate the scenario at `path` with overrides sets[0..nsets-1]
 * ("kind.key=value" for a singleton, "kind.name.key=value" for a named
 * section; see README). On SCN_OK *out is owned by the caller (scn_free);
 * otherwise *out is NULL and *err says why. SCN_EIO when the file cannot be
 * read. The sets are borrowed for the call; the schema must outlive *out. */
scn_status scn_load(const scn_schema *schema, const char *path, const char *const *sets,
                    size_t nsets, scn_scenario **out, io_err *err);

/* The same from bytes in memory; `path` names them in messages and gives the
 * scenario name. */
scn_status scn_load_mem(const scn_schema *schema, const char *path, const char *bytes, size_t len,
                        const char *const *sets, size_t nsets, scn_scenario **out, io_err *err);

void scn_free(scn_scenario *s);

const char *scn_path(const scn_scenario *s);
/* The basename of the path without a trailing ".ini". */
const char *scn_name(const scn_scenario *s);
/* Provenance hash: h = io_fnv1a64(file bytes, IO_FNV_INIT), then for each
 * override in order h = io_fnv1a64(set, strlen(set) + 1, h) (the NUL
 * terminator separates overrides, so "a=1","b" and "a=1b" differ). */
uint64_t scn_hash(const scn_scenario *s);

uint64_t scn_runs_count(const scn_scenario *s);   /* R = P * N */
uint64_t scn_points_count(const scn_scenario *s); /* P */
uint64_t scn_repeat_count(const scn_scenario *s); /* N */
size_t scn_sweeps_count(const scn_scenario *s);   /* number of swept keys */
uint64_t scn_base_seed(const scn_scenario *s);
/* The seed of run r (see the top of this header). r < scn_runs_count. */
uint64_t scn_run_seed(const scn_scenario *s, uint64_t run);
/* splitmix64 seeded with `base`, output number run + 1:
 * z = base + (run + 1) * 0x9e3779b97f4a7c15; z = (z ^ z>>30) * 0xbf58476d1ce4e5b9;
 * z = (z ^ z>>27) * 0x94d049bb133111eb; return z ^ z>>31. */
uint64_t scn_seed_mix(uint64_t base, uint64_t run);

/* Parse a run selection against `count` runs: "3", "0..9" (inclusive), "1,4,7"
 * or a comma list mixing both; spaces around items are allowed. The selection
 * is a set: out[0..*n-1] receives it in ascending order. Errors ("-r: ..."):
 * empty selection or item, not a number, a run >= count, a backwards range,
 * a run selected twice, more than `cap` runs, count 0 or > SCN_MAX_RUNS. */
scn_status scn_run_select(const char *spec, uint64_t count, uint64_t *out, size_t cap, size_t *n,
                          io_err *err);

/* ---- the resolved configuration of one run ------------------------------ */

/* Where a value or a section came from: line > 0 in the file, or set > 0 for
 * the set-th override (set wins when both are non-zero: the file wrote the
 * key, --set replaced it). Both 0: a default / a section not in the file. */
typedef struct scn_origin {
    uint32_t line;
    uint32_t set;
} scn_origin;

typedef struct scn_section {
    const scn_kind *kind;      /* borrowed from the schema */
    char name[SCN_IDENT_MAX];  /* [A-Za-z0-9_-]+, "" for a singleton */
    scn_origin where;          /* the header line, or the --set that created it */
    scn_value *values;         /* [kind->nkeys], schema order, every key present */
    scn_origin *origins;       /* [kind->nkeys] */
} scn_section;

typedef struct scn_swept {
    uint32_t section, key;   /* indices into sections[] and kind->keys[] */
    uint32_t index, count;   /* this run uses value `index` of `count` */
} scn_swept;

typedef struct scn_config {
    const scn_schema *schema;
    char path[SCN_PATH_MAX];
    char name[SCN_PATH_MAX];
    uint64_t hash;                  /* scn_hash of the scenario */
    uint64_t run, runs;             /* r and R */
    uint64_t point, points;         /* p and P */
    uint64_t repeat_index, repeats; /* i and N */
    uint64_t seed;                  /* scn_run_seed(r); also the seed key's value */
    size_t nsections;
    scn_section *sections; /* file order, then sections only --set created (in --set
                              order), then singletons absent from both (schema order) */
    size_t nswept;
    scn_swept swept[SCN_MAX_SWEEPS]; /* in sweep (file) order */
} scn_config;

/* Resolve run `run` (< scn_runs_count): every key of every section gets its
 * concrete value, defaults included; swept keys take this run's point; the
 * seed key (if any) holds scn_run_seed(run) and the repeat key (if any) holds
 * 1, so the echo is a single-run scenario that reproduces this run. Then runs
 * the schema's check hook. On SCN_OK *out is owned (scn_config_free). */
scn_status scn_resolve(const scn_scenario *s, uint64_t run, scn_config **out, io_err *err);
void scn_config_free(scn_config *c);

/* Resolve the first run of every parameter point (r = p * N) and run the check
 * hook on each: catches an inconsistent point before anything runs. O(P). */
scn_status scn_check_points(const scn_scenario *s, io_err *err);

/* Lookups, linear in schema order (no hashing). name NULL or "" for a
 * singleton. NULL when absent. */
const scn_section *scn_config_section(const scn_config *c, const char *kind, const char *name);
const scn_value *scn_config_value(const scn_section *sec, const char *key);
/* The origin of key `key` of `sec`, for hooks that build their own messages. */
scn_origin scn_config_origin(const scn_section *sec, const char *key);

/* For check hooks: fill *err with "WHERE: [section] key: MESSAGE" where WHERE
 * is the key's file line or --set, or (a default) the section's header line
 * with " (default)" after the message; key NULL points at the section itself.
 * A section not in the file points at line 1. When the scenario has more than
 * one run, " (run R)" is appended. Returns SCN_EINPUT. */
scn_status scn_config_errf(const scn_config *c, const scn_section *sec, const char *key,
                           io_err *err, const char *fmt, ...) __attribute__((format(printf, 5, 6)));

/* The canonical INI echo of `c`: comment lines (scenario, path, hash, run,
 * point, repeat, seed, one line per sweep), then every section (file order,
 * as in c->sections) with every key in schema order, "key = text", a blank
 * line between sections. Byte-stable. SCN_EIO on a write error. */
scn_status scn_config_write(const scn_config *c, FILE *f);

/* ---- values and distributions (also usable without a scenario) --------- */

/* Parse `text` as one value of key `k` (no sweep), bounds included. The
 * message has no location ("expected int (...), got 'x'"). */
scn_status scn_value_parse(const scn_key *k, const char *text, scn_value *out, io_err *err);

const char *scn_type_name(scn_type t);

/* The nearest double (integer part and fraction converted separately, then
 * added: deterministic, within one ulp). For reporting and traits only. */
double scn_num_to_double(scn_num n);
/* Canonical decimal text of n (at most 41 characters + NUL). */
void scn_num_format(scn_num n, char *buf, size_t cap);

/* Parse a distribution: "kind(p1, p2)" with spaces allowed anywhere between
 * tokens, parameters as exact decimals, or a plain number = const(x). Errors
 * name the kind (with a did-you-mean), the parameter count expected, or the
 * violated condition. */
scn_status scn_dist_parse(const char *text, scn_dist *d, io_err *err);
/* Canonical text: "beta(2, 5)", "const(0.5)". */
void scn_dist_format(const scn_dist *d, char *buf, size_t cap);

/* One variate, using GSL 2.7 (floats are fine here: distributions feed agent
 * traits, never consensus math; the result is deterministic for a given GSL
 * build and generator state). Draws from r, counting each gsl_rng_get /
 * gsl_rng_uniform call (measured with GSL 2.7.1, tests/test_scn.c pins the
 * fixed ones and the lower bounds):
 *   const        0  returns x
 *   uniform      1  gsl_ran_flat(a, b)
 *   exponential  1  gsl_ran_exponential(mean)
 *   pareto       1  gsl_ran_pareto(a, b) (uniform_pos: one more only when the
 *                   generator returns exactly 0)
 *   normal       2 per attempt of the polar Box-Muller method, acceptance
 *                   pi/4, so 2, 4, 6, ... (mean 2.55): mu + gsl_ran_gaussian(sigma)
 *   lognormal    the same method and counts: gsl_ran_lognormal(mu, sigma)
 *   gamma        >= 2 (Marsaglia-Tsang: a ziggurat normal and a uniform per
 *                   attempt, mean ~2.1); k < 1 adds one uniform (>= 3):
 *                   gsl_ran_gamma(k, theta)
 *   beta         a, b <= 1: Johnk's method, 2 per attempt (>= 2); otherwise
 *                   two gammas (>= 4): gsl_ran_beta(a, b)
 * Variable counts are why every consumer needs its own stream. */
double scn_dist_sample(const scn_dist *d, gsl_rng *r);

#endif /* TAOSIM_SCN_H */
