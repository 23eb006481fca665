/* cli_sweep.h -- how `taosim run` executes the selected runs of a scenario
 * (sim/cli_sweep.c; the CLI layer only: it forks, and under -DTAOSIM_MPI it
 * talks MPI -- the library rooms do neither).
 *
 * Every run is a pure function of (scenario, run number), written by
 * run_config into its own directory (sweep.h names it), so the way runs are
 * spread -- in this process, over N forked workers, over MPI ranks -- changes
 * no output byte. What the spreading must keep the same is everything else:
 *   - stdout: the runs' summary lines in run order, each printed once the
 *     runs before it are done (never interleaved);
 *   - a failure: the first failing run in run order is the one reported
 *     (one line on stderr, its exit status: 2 input, 1 anything else). Every
 *     run before it still runs, those after it are stopped; finished run
 *     directories stay, an interrupted one is discarded (its temporaries,
 *     and the directory if that leaves it empty);
 *   - sweep.csv (a study of more than one run): written last, from the run
 *     directories, only when every selected run succeeded.
 */
#ifndef TAOSIM_CLI_SWEEP_H
#define TAOSIM_CLI_SWEEP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "taosim/scn.h"

#define STUDY_MAX_JOBS 256u

typedef struct study {
    const scn_scenario *s;
    const char *base;    /* the output directory (a study: base/run-NNNN/ and base/sweep.csv) */
    const uint64_t *sel; /* the selected runs, ascending */
    size_t nsel;
    unsigned jobs;       /* 0: in this process; 1..STUDY_MAX_JOBS: that many worker processes */
    bool resume;         /* skip the runs whose directory is complete (sweep_run_complete) */
    bool quiet;          /* no progress and no summary lines */
    int rank, ranks;     /* MPI: this process is rank `rank` of `ranks` (0 of 1 without MPI);
                            rank k runs selection index i when i % ranks == k */
} study;

/* Run the study; the CLI exit code (identical on every rank). Only rank 0
 * prints. */
int study_run(const study *st);

/* MPI. Under mpirun (a TAOSIM_MPI build launched by an MPI launcher):
 * MPI_Init and *rank, *ranks of MPI_COMM_WORLD; otherwise 0 of 1, and no MPI.
 * study_end finalizes what study_begin started. */
void study_begin(int *rank, int *ranks);
void study_end(void);

#endif
