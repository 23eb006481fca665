/* sweep.h -- a study's run directories, which of them are finished, and the
 * study's table, sweep.csv.
 *
 * What this room is for. `taosim run` writes every run of a study (scn.h)
 * into its own directory, through run_config (run.h). This room names those
 * directories, tells whether one holds a finished run (for --resume), and
 * assembles sweep.csv from the runs' own summary.csv files. It runs nothing
 * and knows no processes: the CLI (sim/cli_sweep.c) owns the workers (fork)
 * and the MPI ranks.
 *
 * Invariants.
 *   - sweep.csv is a pure function of (scenario, selection, the selected
 *     runs' summary.csv bytes): it does not depend on which process ran which
 *     run, nor in which order they finished. It takes its summary columns
 *     from the files, so a new summary.csv column needs no change here.
 *   - sweep.csv is written atomically (io_outdir): the previous file or the
 *     new complete one, never a part.
 *   - Never prints, never reads the clock.
 *
 * sweep.csv: provenance lines (io_provenance: version and commit, the command
 * "run sweep (K of R runs)", the scenario's path and hash, the base seed),
 * then the header
 *     run,seed,<one column per swept key>,<summary.csv's columns after run,seed>
 * where a swept key is named KIND.NAME.KEY for a named section and KIND.KEY
 * for a singleton (as --set and --list write them), in sweep (file) order;
 * then one row per selected run, in run order: its number, its seed, the
 * value text of each swept key (scn_value.text, quoted by libcsv when
 * needed), and the fields of its summary.csv row after run and seed.
 */
#ifndef TAOSIM_SWEEP_H
#define TAOSIM_SWEEP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "taosim/io.h"
#include "taosim/scn.h"

#define SWEEP_CSV "sweep.csv"
#define SWEEP_SUMMARY "summary.csv" /* the run's file sweep.csv is made of */
#define SWEEP_POINTS "points.csv"

/* The directory of run `run` of a scenario with `runs` runs: base itself when
 * runs == 1, base/run-NNNN (at least four digits) otherwise. 0, or -1 when
 * it does not fit in buf[cap]. */
int sweep_run_dir(const char *base, uint64_t run, uint64_t runs, char *buf, size_t cap);

/* Whether dir holds the finished outputs of run `run` with seed `seed` of the
 * scenario whose hash (scn_hash) is `hash`: its summary.csv exists, its
 * provenance names that hash and seed, its one row starts with that run and
 * seed, and no temporary (.NAME.tmp, io.h) of an unfinished commit is left
 * in dir (run_config renames its files one by one; summary.csv is not the
 * last). Anything else -- missing, unreadable, another scenario -- is false. */
bool sweep_run_complete(const char *dir, uint64_t run, uint64_t hash, uint64_t seed);

/* Remove the temporaries (.NAME.tmp) an interrupted run left in dir -- and,
 * when there were any, its summary.csv (a commit cut short may have renamed
 * it already), so that the directory never reads as finished -- then, when
 * remove_dir, dir itself if it is now empty. A missing dir is fine. 0, or -1
 * with *err. */
int sweep_discard_partial(const char *dir, bool remove_dir, io_err *err);

/* points.csv, written with sweep.csv: one row per parameter point of the
 * selection, in point order,
 *     point,<the swept keys>,runs,<C.mean,C.sd for every summary column C after run,seed>
 * the mean and sample standard deviation over the point's selected runs
 * (its repeats) of each column, empty fields (undefined ratios) left out of
 * that column's count; %.9g doubles (reporting only). What the study
 * pictures plot.
 *
 * Write base/sweep.csv (and base/points.csv) for the runs sel[0..n-1] (ascending, each
 * < scn_runs_count(s), n >= 1) of s, whose outputs are in
 * sweep_run_dir(base, r, scn_runs_count(s)). Every run's summary.csv must be
 * that run's (sweep_run_complete) and have the same header, starting
 * run,seed. 0, or -1 with *err (nothing written). */
int sweep_write(const scn_scenario *s, const char *base, const uint64_t *sel, size_t n, io_err *err);

#endif
