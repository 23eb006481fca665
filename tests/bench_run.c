/* bench_run.c -- `taosim run` on scenarios/mainnet-like.ini: simulated years
 * per wall minute, peak memory, and where the time goes.
 *
 * Runs the scenario in this process (run_config) for BENCH_RUN_YEARS years
 * (default 1; the target is stated for 10: set BENCH_RUN_YEARS=10 to
 * measure it whole) with the library's phase profile fed by CLOCK_MONOTONIC
 * (allowed in benchmarks only). Peak memory is the process's maximum
 * resident set (getrusage). The digest of every trace is printed so that a
 * faster version can show it computes the same bytes.
 * Target (issue 7): 10 simulated years in <= 10 minutes on one core, memory
 * <= 2 GiB.
 */
#define _GNU_SOURCE 1
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include "support.h"
#include "taosim/run.h"
#include "taosim/scn.h"

static uint64_t mono_ns(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (uint64_t)t.tv_sec * 1000000000ull + (uint64_t)t.tv_nsec;
}

int main(void)
{
    const char *years = getenv("BENCH_RUN_YEARS");
    if (!years || !*years) years = "1";
    char set[64], dir[64];
    snprintf(set, sizeof set, "run.years=%s", years);
    const char *sets[] = {set};
    support_tmpdir(dir, "bench-run");
    scn_scenario *s = NULL;
    scn_config *c = NULL;
    io_err err;
    if (scn_load(run_schema(), "scenarios/mainnet-like.ini", sets, 1, &s, &err) != SCN_OK ||
        scn_resolve(s, 0, &c, &err) != SCN_OK) {
        fprintf(stderr, "bench_run: %s\n", err.msg);
        return 1;
    }
    run_opts o = {.outdir = dir, .clock_ns = mono_ns};
    run_summary sum;
    run_status st = run_config(c, &o, &sum, &err);
    if (st != RUN_OK) {
        fprintf(stderr, "bench_run: %s\n", err.msg);
        return 1;
    }
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    double wall = (double)sum.prof.total_ns / 1e9;
    double sim_years = (double)sum.blocks / 2629800.0;
    double ypm = sim_years / (wall / 60.0);
    double other = (double)(sum.prof.total_ns - sum.prof.chain_ns - sum.prof.agents_ns - sum.prof.traces_ns);
    printf("bench_run: scenarios/mainnet-like.ini (32 subnets x 256 uids, 64 validators, 8000 miners, 4096 "
           "nominators), %s simulated year(s), one core\n",
           years);
    printf("  wall %.1f s for %.2f years = %.3f simulated years per wall minute; %" PRIu64 " epochs (%.0f per s)\n",
           wall, sim_years, ypm, sum.epochs, (double)sum.epochs / wall);
    printf("  peak memory (max RSS) %.1f MiB\n", (double)ru.ru_maxrss / 1024.0);
    printf("  time by phase: chain pipeline (epochs, root epochs, drains) %.1f%%, agents' extrinsics %.1f%%, "
           "traces %.1f%%, setup/commit %.1f%%\n",
           100.0 * (double)sum.prof.chain_ns / (double)sum.prof.total_ns,
           100.0 * (double)sum.prof.agents_ns / (double)sum.prof.total_ns,
           100.0 * (double)sum.prof.traces_ns / (double)sum.prof.total_ns, 100.0 * other / (double)sum.prof.total_ns);
    printf("  digest %016" PRIx64 "  issuance %" PRIu64 " RAO, %" PRIu64 " registrations\n", sum.digest, sum.issuance,
           sum.registrations);
    double ten = 10.0 / ypm;
    printf("  target: 10 simulated years <= 10 min: %.1f min at this rate (%s); memory <= 2 GiB: %s\n", ten,
           ten <= 10.0 ? "met" : "MISSED", ru.ru_maxrss <= 2l * 1024 * 1024 ? "met" : "MISSED");
    scn_config_free(c);
    scn_free(s);
    support_rmtree(dir);
    return 0;
}
