/* bench_supply.c -- wall time of the 256-year supply projection, per burn model.
 *
 * Times (median of repeats, CLOCK_MONOTONIC — allowed in benchmarks only):
 *   1. the library jump engine, 256 years, each burn model;
 *   2. the whole command `$TAOSIM_BIN supply --years 256 --out DIR` per model
 *      (fork/exec, outputs written), target <= 50 ms each;
 *   3. the per-block oracle for 10 years against the engine for 10 years, as
 *      a ratio (and the oracle's time extrapolated to 256 years).
 * Prints a digest of the engine's rows and of the CSVs (without their '#'
 * provenance lines) so that a change of numbers is visible between runs.
 */
#define _GNU_SOURCE 1 /* mkdtemp */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "taosim/emission.h"
#include "taosim/io.h"
#include "taosim/supply.h"
#include "support.h"

static double now_ms(void) { return 1e3 * support_now_s(); }

#define REPEATS 9
#define CLI_REPEATS 5

typedef struct digest {
    uint64_t h, rows;
} digest;

static int digest_sink(void *ctx, const supply_row *r)
{
    digest *d = ctx;
    uint64_t v[6] = {r->block, r->issuance, r->emission, r->burned, r->minted, r->flags};
    d->h = io_fnv1a64(v, sizeof v, d->h);
    d->rows++;
    return 0;
}

/* FNV-1a of a file's lines that do not start with '#'. */
static uint64_t hash_data(const char *path, uint64_t h)
{
    FILE *f = fopen(path, "rb");
    if (!f) return 0;
    char *line = NULL;
    size_t cap = 0;
    ssize_t n;
    while ((n = getline(&line, &cap, f)) != -1)
        if (line[0] != '#') h = io_fnv1a64(line, (size_t)n, h);
    free(line);
    fclose(f);
    return h;
}

static int run_cli(const char *bin, char *const argv[])
{
    fflush(stdout); /* or the child's freopen would write our buffer again */
    pid_t pid = fork();
    if (pid < 0) return -1;
    if (pid == 0) {
        if (!freopen("/dev/null", "w", stdout)) _exit(127);
        execv(bin, argv);
        _exit(127);
    }
    int st;
    if (waitpid(pid, &st, 0) != pid) return -1;
    return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

static void rm_dir(const char *dir)
{
    DIR *d = opendir(dir);
    if (!d) return;
    struct dirent *de;
    while ((de = readdir(d))) {
        if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, "..")) continue;
        char p[1024];
        snprintf(p, sizeof p, "%s/%s", dir, de->d_name);
        struct stat st;
        if (lstat(p, &st) == 0 && S_ISDIR(st.st_mode))
            rm_dir(p);
        else
            unlink(p);
    }
    closedir(d);
    rmdir(dir);
}

/* A burn schedule: 0.2 TAO/block from year 1, 2 TAO/block in year 20
 * (issuance falls back, emission rises again), then 0.05 TAO/block and
 * from block 2e8 on 700 RAO/block (pinned at T_21). */
static const supply_burn_step SCHEDULE[] = {
    {0, 0}, {2629800, 200000000}, {52596000, 2000000000}, {60000000, 50000000}, {200000000, 700},
};
#define NSCHEDULE (sizeof SCHEDULE / sizeof SCHEDULE[0])

typedef struct model {
    const char *name, *opt, *val;
    supply_burn burn;
} model;

int main(void)
{
    const char *bin = getenv("TAOSIM_BIN");
    const char *tmpbase = getenv("TMPDIR");
    char tmp[512];
    snprintf(tmp, sizeof tmp, "%s/taosim-bench-supply-XXXXXX", tmpbase && *tmpbase ? tmpbase : "/tmp");
    if (!mkdtemp(tmp)) {
        perror("bench_supply: mkdtemp");
        return 1;
    }
    char csv[600];
    snprintf(csv, sizeof csv, "%s/burn.csv", tmp);
    FILE *f = fopen(csv, "w");
    if (!f) {
        perror("bench_supply: burn.csv");
        return 1;
    }
    fprintf(f, "from_block,rao_per_block\n");
    for (size_t i = 0; i < NSCHEDULE; i++)
        fprintf(f, "%llu,%llu\n", (unsigned long long)SCHEDULE[i].from_block,
                (unsigned long long)SCHEDULE[i].rao_per_block);
    fclose(f);

    model models[4] = {
        {"no burn", NULL, NULL, {SUPPLY_BURN_NONE, 0, 0, NULL, 0}},
        {"constant 0.1 TAO/block", "--burn-rao-per-block", "100000000", {SUPPLY_BURN_CONST, 100000000, 0, NULL, 0}},
        {"share 10% of emission", "--burn-share", "100000", {SUPPLY_BURN_SHARE, 0, 100000, NULL, 0}},
        {"schedule (burn CSV)", "--burn-csv", csv, {SUPPLY_BURN_SCHEDULE, 0, 0, SCHEDULE, NSCHEDULE}},
    };

    printf("bench_supply: taosim supply, 256 years = %llu blocks, one sample row per day\n",
           (unsigned long long)(256 * EMISSION_BLOCKS_PER_YEAR));
    printf("  %-24s %10s %10s %9s %9s %10s  %s\n", "burn model", "engine ms", "cli ms", "rows", "changes", "steps",
           "digest (engine rows / CSVs)");
    int fail = 0, slow = 0;
    for (int m = 0; m < 4; m++) {
        supply_params p;
        supply_params_init(&p);
        p.burn = models[m].burn;
        double t[REPEATS];
        digest d = {IO_FNV_INIT, 0};
        supply_result res;
        io_err err;
        for (int r = 0; r < REPEATS; r++) {
            d.h = IO_FNV_INIT;
            d.rows = 0;
            double t0 = now_ms();
            if (supply_run(&p, digest_sink, &d, &res, &err) != SUPPLY_OK) {
                fprintf(stderr, "bench_supply: %s\n", err.msg);
                return 1;
            }
            t[r] = now_ms() - t0;
        }
        double eng = support_median(t, REPEATS);

        double cli = -1;
        uint64_t fh = 0;
        if (bin && *bin) {
            char out[600];
            snprintf(out, sizeof out, "%s/out-%d", tmp, m);
            char *argv[12];
            int n = 0;
            argv[n++] = (char *)bin;
            argv[n++] = "supply";
            argv[n++] = "--years";
            argv[n++] = "256";
            argv[n++] = "--out";
            argv[n++] = out;
            if (models[m].opt) {
                argv[n++] = (char *)models[m].opt;
                argv[n++] = (char *)models[m].val;
            }
            argv[n] = NULL;
            double tc[CLI_REPEATS];
            for (int r = 0; r < CLI_REPEATS; r++) {
                double t0 = now_ms();
                int rc = run_cli(bin, argv);
                tc[r] = now_ms() - t0;
                if (rc != 0) {
                    fprintf(stderr, "bench_supply: %s supply exited with %d\n", bin, rc);
                    return 1;
                }
            }
            cli = support_median(tc, CLI_REPEATS);
            char path[700];
            snprintf(path, sizeof path, "%s/supply.csv", out);
            fh = hash_data(path, IO_FNV_INIT);
            snprintf(path, sizeof path, "%s/halvings.csv", out);
            fh = hash_data(path, fh);
            if (cli > 50.0) slow = 1;
        }
        printf("  %-24s %10.2f %10.2f %9llu %9llu %10llu  %016llx / %016llx\n", models[m].name, eng, cli,
               (unsigned long long)d.rows, (unsigned long long)res.changes, (unsigned long long)res.steps,
               (unsigned long long)d.h, (unsigned long long)fh);
    }
    if (!bin || !*bin) printf("  (TAOSIM_BIN not set: command-line timings skipped, shown as -1)\n");

    /* oracle vs engine, 10 years, every burn model summed */
    printf("bench_supply: per-block oracle vs jump engine, 10 years = %llu blocks (same rows, checked)\n",
           (unsigned long long)(10 * EMISSION_BLOCKS_PER_YEAR));
    double to_sum = 0, te_sum = 0;
    for (int m = 0; m < 4; m++) {
        supply_params p;
        supply_params_init(&p);
        p.blocks = 10 * EMISSION_BLOCKS_PER_YEAR;
        p.burn = models[m].burn;
        supply_result ro, re;
        io_err err;
        digest dor = {IO_FNV_INIT, 0}, den = {IO_FNV_INIT, 0};
        double t0 = now_ms();
        if (supply_run_oracle(&p, digest_sink, &dor, &ro, &err) != SUPPLY_OK) return 1;
        double to = now_ms() - t0;
        p.every_change = true; /* row for row comparable with the oracle */
        double t[REPEATS];
        for (int r = 0; r < REPEATS; r++) {
            den.h = IO_FNV_INIT;
            den.rows = 0;
            t0 = now_ms();
            if (supply_run(&p, digest_sink, &den, &re, &err) != SUPPLY_OK) return 1;
            t[r] = now_ms() - t0;
        }
        double te = support_median(t, REPEATS);
        bool same = dor.h == den.h && dor.rows == den.rows && ro.issuance == re.issuance && ro.burned == re.burned;
        if (!same) fail = 1;
        to_sum += to;
        te_sum += te;
        printf("  %-24s oracle %9.2f ms  engine %7.3f ms  ratio %8.0fx  %s\n", models[m].name, to, te,
               te > 0 ? to / te : 0.0, same ? "identical" : "DIFFERENT");
    }
    printf("  all models: oracle %.1f ms, engine %.3f ms, ratio %.0fx; oracle extrapolated to 256 years: ~%.1f s "
           "per model\n",
           to_sum, te_sum, te_sum > 0 ? to_sum / te_sum : 0.0, to_sum / 4 * 25.6 / 1e3);
    rm_dir(tmp);
    if (slow) printf("bench_supply: note: a command-line run took more than the 50 ms target\n");
    if (fail) {
        printf("bench_supply: FAILED: the engine and the per-block oracle disagree\n");
        return 1;
    }
    return 0;
}
