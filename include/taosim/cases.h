/* cases.h -- the known consensus cases: the synthetic Yuma scenarios of
 * yuma-simulation (Case 1 ... 22) and its interactive fork's WTA cases
 * (../shared/spec/cases.md), as replay files, found by number or name and
 * run on either Yuma variant.
 *
 * What the room is for. Researchers compare Yuma variants on these cases by
 * name ("Case 8 - big vali moves late"). Each case is data: one `taosim
 * replay` file under scenarios/cases/ (case-08.csv) whose '#' header names
 * it, says where it comes from and what it shows, and maps its uids to the
 * validators A, B, C and the servers S1, S2(, S3) of the reference. The
 * files follow the chain's Yuma 3 test harness (yuma3_vectors.md §0.2):
 * block 1 the subnet (tempo 1, 3 validator permits, bonds_penalty 0,
 * bonds_moving_average 975000, Liquid Alpha 2 with (0.1, 0.3), steepness
 * 1000, kappa 32767), the uids and their stakes (of a 1,000,000 TAO subnet,
 * as yuma-simulation's total_subnet_stake), block 2 the harness's empty
 * setup epoch, then case epoch e: weights at block 2 + e (every server
 * listed, zeros included, as the chain tests and the reference's dense
 * matrices do), the epoch at block 3 + e, each distributing 82 TAO (the
 * reference's 100 TAO per epoch after the 18 % owner cut: 41 TAO to the
 * validators, its validator_emission_ratio 0.41).
 *
 * Two halves:
 *   generator  the cases' definitions as C data (sim/cases_gen.c) written as
 *              those files (cases_generate); the shipped files are its
 *              output, committed, and a test checks them byte for byte. The
 *              noisy WTA cases draw their noise from taosim's own PCG streams
 *              (rng.h), not torch's: same means and sigmas, other numbers.
 *   runner     reads a directory of case files (their '# key: value'
 *              header lines), finds one (cases_find), replays it with the
 *              Yuma variant override of replay_file_opts and writes the
 *              per-epoch table case.csv beside the replay's outputs.
 *
 * Library room: never prints, never exits; errors are one line in an io_err.
 */
#ifndef TAOSIM_CASES_H
#define TAOSIM_CASES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "taosim/io.h"

#define CASES_MAX 64         /* case files in a directory */
#define CASES_MAX_ROLES 8    /* validators, and servers, per case */
#define CASES_MAX_ALIASES 4  /* other ids and names of one case */
#define CASES_ID_MAX 8
#define CASES_NAME_MAX 192
#define CASES_LABEL_MAX 96

typedef enum cases_status {
    CASES_OK = 0,
    CASES_EINPUT = 1, /* unknown case, malformed case file: one line in err */
    CASES_EFAIL = 2   /* failure outside the input (I/O, memory) */
} cases_status;

/* A validator or a server of a case: its uid, the tag the table's columns
 * use (A, B, C / S1, S2, S3) and the reference's label. */
typedef struct cases_role {
    uint16_t uid;
    char tag[8];
    char label[CASES_LABEL_MAX];
} cases_role;

typedef struct cases_alias {
    char id[CASES_ID_MAX];
    char name[CASES_NAME_MAX];
} cases_alias;

/* One case file's header. Lines "# key: value" before the CSV header:
 *   case: ID               "8" (yuma-simulation master), "i19" (the fork)
 *   name: NAME             as cases.md names it
 *   alias: ID NAME         another id and name of the same case (repeatable)
 *   validator: TAG UID LABEL   (repeatable, in column order)
 *   server: TAG UID LABEL      (repeatable)
 *   setup epochs: K        leading epoch rows that are not case epochs
 * Other "# key: value" lines (source, chain test, shows, ...) are prose. */
typedef struct cases_info {
    char id[CASES_ID_MAX];
    char name[CASES_NAME_MAX];
    char path[1024];
    uint32_t nval, nsrv, nalias;
    cases_role val[CASES_MAX_ROLES], srv[CASES_MAX_ROLES];
    cases_alias alias[CASES_MAX_ALIASES];
    uint32_t setup_epochs;
} cases_info;

typedef struct cases_index {
    uint32_t n;
    cases_info c[CASES_MAX];
} cases_index;

/* Read the header of one case file into *ci. CASES_EINPUT with
 * "PATH:LINE: reason" (or "PATH: missing ...") when a known key is
 * malformed or a required one (case, name, validator, server) is missing. */
cases_status cases_read_info(const char *path, cases_info *ci, io_err *err);

/* Every DIR/case-*.csv, in byte order of the file names (never readdir
 * order). Ids must be unique across files and aliases. */
cases_status cases_load(const char *dir, cases_index *ix, io_err *err);

/* The case a user means by `query`, in this order:
 *   1. an id, or "Case " + id (case-insensitive; leading zeros ignored:
 *      "8", "08", "Case 8", "i19"; aliases' ids count);
 *   2. a prefix of exactly one name (aliases' names count), compared
 *      case-insensitively, '-' matching the en dash of the names; a prefix
 *      ending in a digit must not continue with one ("Case 1" is not a
 *      prefix of "Case 10 ...").
 * Returns the index in ix; -1 unknown (err: "no case 'QUERY'"), -2
 * ambiguous (err lists the matches), err one line either way. */
int cases_find(const cases_index *ix, const char *query, io_err *err);

/* Every id and name, aliases included: "1 'Case 1 - ...', 2 '...', ..."
 * (one line, truncated to n - 1 bytes). */
void cases_names(const cases_index *ix, char *buf, size_t n);

/* The directory tag of a case: "08" for a number, the id otherwise ("i19"). */
void cases_slug(const cases_info *ci, char *buf, size_t n);

/* ---- running ------------------------------------------------------------ */

/* case.csv's header for the case: epoch,block, then per validator X (tag)
 * stake_X (RAO the epoch saw), per validator and server w_X_S (the weight
 * the epoch used, stored u16 / row sum), per server inc_S (stored Incentive
 * u16), per validator div_X (stored Dividends u16), em_X (validator emission
 * RAO), dpk_X (dividends per 1,000 TAO of stake: em_X * 1000 / stake_X, TAO),
 * per validator and server bond_X_S (stored bond u16). */
void cases_table_header(const cases_info *ci, char *buf, size_t n);

typedef struct cases_result {
    size_t epochs;   /* case epochs written to case.csv */
    size_t rejected; /* rows the chain refused (rejected.csv) */
} cases_result;

/* Replay the case on Yuma variant `yuma` (2 or 3: replay_opts.yuma_version)
 * into od (temporaries; the caller commits or aborts): epochs.csv,
 * bonds.csv, rejected.csv as taosim replay writes them, and case.csv (the
 * provenance lines, '# key: value' lines naming the case, the variant and
 * every tag, then cases_table_header and one row per case epoch). `command`
 * is the provenance's command line. res may be NULL. */
cases_status cases_run(const cases_info *ci, int yuma, const char *command, io_outdir *od, cases_result *res,
                       io_err *err);

/* ---- generator ---------------------------------------------------------- */

/* The built-in definitions: how many, and the file name of the i-th
 * ("case-08.csv"). */
size_t cases_builtin_count(void);
const char *cases_builtin_file(size_t i);

/* Write the i-th case file (what scenarios/cases/ ships) to f. Deterministic:
 * a pure function of i and the build (the noisy cases use GSL's gaussian). */
cases_status cases_generate(size_t i, FILE *f, io_err *err);

#endif
