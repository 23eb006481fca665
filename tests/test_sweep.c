/* test_sweep.c -- studies at scale: `taosim run -j N`, sweep.csv, --resume,
 * a failing run among workers, bad -j values.
 *
 * What is right here comes from the contracts (README, cli_sweep.h,
 * sweep.h), not from our output: every run is a pure function of (scenario,
 * run number), so the plain sequential path, -j 1, -j 2 and more workers than
 * runs must give the same bytes in every file of every run directory and in
 * sweep.csv; sweep.csv's swept columns must hold the values the scenario
 * file assigns to each run (point p = r / N, last swept key fastest) and its
 * other columns the runs' own summary rows; a resumed study must end with the
 * files of an uninterrupted one; the failure reported is the first in run
 * order, the one a sequential study reports. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <inttypes.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "support.h"
#include "taosim/run.h"
#include "taosim/scn.h"
#include "taosim/sweep.h"

#define STUDY "tests/run/study.ini" /* 2 kappa points x 2 repeats, 2000 blocks */

static char *path_in(const char *dir, const char *name)
{
    static char path[8][PATH_MAX];
    static int k;
    char tmp[PATH_MAX]; /* dir may be an earlier result */
    snprintf(tmp, sizeof tmp, "%.2000s/%.1000s", dir, name);
    k = (k + 1) % 8;
    memcpy(path[k], tmp, sizeof tmp);
    return path[k];
}

/* `taosim run FILE --out D/out ARGS` with stdout to D/NAME.stdout, then
 * D/out renamed to D/NAME (so every variant writes under the same name and
 * their stdout compares byte for byte). Returns the exit status. */
static int study_as(const char *d, const char *name, const char *file, const char *args, char *err, size_t errn)
{
    char cmd[2048], out[PATH_MAX], stdout_path[PATH_MAX];
    snprintf(out, sizeof out, "%s/out", d);
    snprintf(stdout_path, sizeof stdout_path, "%s/%s.stdout", d, name);
    snprintf(cmd, sizeof cmd, "run %.300s --out %.1000s %.600s", file, out, args);
    int rc = support_taosim(NULL, cmd, stdout_path, err, errn);
    if (support_exists(out) && rename(out, path_in(d, name)) != 0) fail_msg("rename %s", out);
    return rc;
}

static void assert_same_tree(const char *a, const char *b)
{
    char why[2 * PATH_MAX];
    if (!support_same_tree(a, b, why, sizeof why)) fail_msg("%s", why);
}

static void assert_same_file(const char *a, const char *b)
{
    size_t la, lb;
    char *x = support_slurp(a, &la), *y = support_slurp(b, &lb);
    assert_non_null(x);
    assert_non_null(y);
    if (la != lb || memcmp(x, y, la)) fail_msg("%s and %s differ:\n%s\n---\n%s", a, b, x, y);
    free(x);
    free(y);
}

static int count_lines(const char *text)
{
    int n = 0;
    for (; *text; text++) n += *text == '\n';
    return n;
}

static int count_of(const char *text, const char *needle)
{
    int n = 0;
    for (const char *p = text; (p = strstr(p, needle)); p += strlen(needle)) n++;
    return n;
}

static scn_scenario *load(const char *file, const char *const *sets, size_t nsets)
{
    scn_scenario *s = NULL;
    io_err err;
    if (scn_load(run_schema(), file, sets, nsets, &s, &err) != SCN_OK) fail_msg("%s", err.msg);
    return s;
}

/* ---- byte-identical for any number of workers ---------------------------------------------------- */

static void test_jobs_identical(void **state)
{
    (void)state;
    char d[64], err[4096];
    support_tmpdir(d, "sweep-j");
    static const char *const variants[][2] = {{"seq", ""}, {"j1", "-j 1"}, {"j2", "-j 2"}, {"j8", "--jobs 8"}};
    for (size_t i = 0; i < 4; i++)
        if (study_as(d, variants[i][0], STUDY, variants[i][1], err, sizeof err) != 0)
            fail_msg("%s: %s", variants[i][1], err);
    /* the run directories and sweep.csv: the same bytes */
    const char *want[] = {"run-0000", "run-0001", "run-0002", "run-0003", "sweep.csv"};
    for (size_t k = 0; k < 5; k++) assert_true(support_exists(path_in(path_in(d, "seq"), want[k])));
    for (size_t i = 1; i < 4; i++) {
        assert_same_tree(path_in(d, "seq"), path_in(d, variants[i][0]));
        /* stdout: one summary line per run, in run order, the same text */
        char a[PATH_MAX], b[PATH_MAX];
        snprintf(a, sizeof a, "%s/seq.stdout", d);
        snprintf(b, sizeof b, "%s/%s.stdout", d, variants[i][0]);
        assert_same_file(a, b);
    }
    char *lines = support_slurp(path_in(d, "j2.stdout"), NULL);
    assert_int_equal(count_lines(lines), 4);
    const char *p = lines;
    for (int r = 0; r < 4; r++) {
        char tag[64];
        snprintf(tag, sizeof tag, "taosim run: run %d seed ", r);
        assert_true(strncmp(p, tag, strlen(tag)) == 0);
        p = strchr(p, '\n') + 1;
    }
    free(lines);

    /* a single-run scenario: the directory itself, no sweep.csv, same bytes */
    assert_int_equal(study_as(d, "one-seq", STUDY, "--set run.repeat=1 --set subnet.s.kappa=100 --quiet", err,
                              sizeof err), 0);
    assert_int_equal(study_as(d, "one-j2", STUDY, "--set run.repeat=1 --set subnet.s.kappa=100 --quiet -j 2", err,
                              sizeof err), 0);
    assert_true(support_exists(path_in(path_in(d, "one-seq"), "summary.csv")));
    assert_false(support_exists(path_in(path_in(d, "one-seq"), "sweep.csv")));
    assert_same_tree(path_in(d, "one-seq"), path_in(d, "one-j2"));
    support_rmtree(d);
}

/* ---- sweep.csv ----------------------------------------------------------------------------------- */

/* The data row of a run's summary.csv after "run,seed,". */
static char *summary_tail(const char *dir)
{
    char *t = support_slurp(path_in(dir, "summary.csv"), NULL);
    assert_non_null(t);
    const char *row = strchr(support_body(t), '\n') + 1;
    row = strchr(strchr(row, ',') + 1, ',') + 1;
    char *tail = strdup(row);
    free(t);
    return tail;
}

/* Check sweep.csv of a study in dir: provenance, header, one row per run of
 * runs[0..n) with the swept values vals[i] (already joined by commas). */
static void check_sweep(const char *dir, const char *file, const char *const *sets, size_t nsets,
                        const char *columns, const uint64_t *runs, size_t n, const char *const *vals)
{
    scn_scenario *s = load(file, sets, nsets);
    char *t = support_slurp(path_in(dir, "sweep.csv"), NULL);
    assert_non_null(t);
    char want[4096];
    snprintf(want, sizeof want, "# command: run sweep (%zu of %" PRIu64 " runs)\n# input: %s fnv1a64=%016" PRIx64
                                " seed=%" PRIu64 "\n",
             n, scn_runs_count(s), file, scn_hash(s), scn_base_seed(s));
    assert_true(strncmp(t, "# taosim ", 9) == 0);
    if (!strstr(t, want)) fail_msg("sweep.csv provenance: want\n%s\ngot\n%s", want, t);
    const char *body = support_body(t);
    /* the header: run, seed, the swept keys, then summary.csv's columns after run,seed (the run's
     * own header: RUN_SUMMARY_HEADER and the per-population columns of this scenario) */
    char p0[1024];
    snprintf(p0, sizeof p0, "%s/run-%04" PRIu64 "/summary.csv", dir, runs[0]);
    char *sum0 = support_slurp(p0, NULL);
    assert_non_null(sum0);
    const char *h0 = support_body(sum0);
    assert_true(strncmp(h0, RUN_SUMMARY_HEADER, strlen(RUN_SUMMARY_HEADER)) == 0);
    snprintf(want, sizeof want, "run,seed,%s,%.*s\n", columns, (int)(strchr(h0, '\n') - h0 - strlen("run,seed,")),
             h0 + strlen("run,seed,"));
    free(sum0);
    if (strncmp(body, want, strlen(want))) fail_msg("sweep.csv header: want %s got %s", want, body);
    const char *row = body + strlen(want);
    for (size_t i = 0; i < n; i++) {
        char rd[32], line[4096];
        snprintf(rd, sizeof rd, "run-%04" PRIu64, runs[i]);
        char *tail = summary_tail(path_in(dir, rd));
        snprintf(line, sizeof line, "%" PRIu64 ",%" PRIu64 ",%s,%s", runs[i], scn_run_seed(s, runs[i]), vals[i], tail);
        free(tail);
        if (strncmp(row, line, strlen(line))) fail_msg("sweep.csv row %zu: want %s got %s", i, line, row);
        row += strlen(line);
    }
    assert_string_equal(row, ""); /* nothing else */
    free(t);
    scn_free(s);
}

static void test_sweep_csv(void **state)
{
    (void)state;
    char d[64], err[4096];
    support_tmpdir(d, "sweep-csv");
    /* study.ini: kappa = ${16384, 32767}, repeat = 2 -> run r has point r / 2 */
    assert_int_equal(study_as(d, "all", STUDY, "-j 2 --quiet", err, sizeof err), 0);
    const uint64_t all[] = {0, 1, 2, 3};
    const char *kappa[] = {"16384", "16384", "32767", "32767"};
    check_sweep(path_in(d, "all"), STUDY, NULL, 0, "subnet.s.kappa", all, 4, kappa);

    /* -r: only the selected runs */
    assert_int_equal(study_as(d, "some", STUDY, "-r 1,3 -j 2 --quiet", err, sizeof err), 0);
    const uint64_t some[] = {1, 3};
    const char *kappa13[] = {"16384", "32767"};
    check_sweep(path_in(d, "some"), STUDY, NULL, 0, "subnet.s.kappa", some, 2, kappa13);
    assert_false(support_exists(path_in(path_in(d, "some"), "run-0000")));

    /* two swept keys, one of them a singleton: columns in file order (sample_blocks is line 6 of the
     * file, kappa line 16), the last one varying fastest */
    const char *sets[] = {"run.repeat=1", "run.sample_blocks=${500, 1000}"};
    assert_int_equal(study_as(d, "two", STUDY, "--set run.repeat=1 --set 'run.sample_blocks=${500, 1000}' --quiet",
                              err, sizeof err), 0);
    const char *two[] = {"500,16384", "500,32767", "1000,16384", "1000,32767"};
    check_sweep(path_in(d, "two"), STUDY, sets, 2, "run.sample_blocks,subnet.s.kappa", all, 4, two);
    support_rmtree(d);
}

/* ---- --resume -------------------------------------------------------------------------------------- */

#define LONG_STUDY STUDY " --set run.blocks=300000 --set run.repeat=5" /* 10 runs of ~0.05-0.5 s */

/* Start `taosim ARGS...` in its own process group, wait until `file` exists,
 * SIGKILL the whole group (the parent and its workers at once). */
static void kill_when(const char *file, char *const argv[])
{
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        setpgid(0, 0);
        if (!freopen("/dev/null", "w", stdout) || !freopen("/dev/null", "w", stderr)) _exit(127);
        execv(support_bin(), argv);
        _exit(127);
    }
    setpgid(pid, pid);
    struct timespec nap = {0, 1000000};
    for (int i = 0; i < 120000 && !support_exists(file); i++) nanosleep(&nap, NULL);
    kill(-pid, SIGKILL);
    int st;
    assert_int_equal(waitpid(pid, &st, 0), pid);
}

static void test_resume_after_kill(void **state)
{
    (void)state;
    char d[64], err[4096], cut[PATH_MAX], first[PATH_MAX];
    support_tmpdir(d, "sweep-kill");
    assert_int_equal(study_as(d, "full", LONG_STUDY, "-j 2 --quiet", err, sizeof err), 0);
    snprintf(cut, sizeof cut, "%s/out", d);
    snprintf(first, sizeof first, "%.3000s/run-0000/summary.csv", cut);
    char *argv[] = {"taosim", "run", STUDY, "--set", "run.blocks=300000", "--set", "run.repeat=5", "-j", "2",
                    "--out", cut, "--quiet", NULL};
    kill_when(first, argv);
    /* it was stopped midway: run 0 finished, no sweep.csv yet */
    assert_true(support_exists(first));
    assert_false(support_exists(path_in(cut, "sweep.csv")));
    if (study_as(d, "cut", LONG_STUDY, "-j 2 --resume", err, sizeof err) != 0) fail_msg("--resume: %s", err);
    assert_same_tree(path_in(d, "full"), path_in(d, "cut"));
    /* run 0 was skipped, and not every run was (some were redone) */
    char *out = support_slurp(path_in(d, "cut.stdout"), NULL);
    assert_int_equal(count_lines(out), 10);
    assert_true(strncmp(out, "taosim run: run 0 seed ", 23) == 0);
    assert_non_null(strstr(out, ": complete, skipped (--resume) -> "));
    int skipped = count_of(out, "complete, skipped (--resume)");
    if (skipped < 1 || skipped > 9) fail_msg("%d of 10 runs skipped: the kill was not midway", skipped);
    free(out);
    support_rmtree(d);
}

/* Resume on a directory whose runs are complete, missing, interrupted or
 * another scenario's: only the complete ones are kept. */
static void test_resume_which_runs(void **state)
{
    (void)state;
    char d[64], err[4096], cmd[512];
    support_tmpdir(d, "sweep-resume");
    assert_int_equal(study_as(d, "full", STUDY, "--quiet", err, sizeof err), 0);
    snprintf(cmd, sizeof cmd, "cp -r %s/full %s/out", d, d);
    assert_int_equal(system(cmd), 0);
    const char *out = path_in(d, "out");
    /* run 0 complete: a marker in one of its files survives only if it is skipped */
    char *ev = support_slurp(path_in(out, "run-0000/events.csv"), NULL);
    size_t evlen = strlen(ev);
    ev = realloc(ev, evlen + 16);
    strcpy(ev + evlen, "MARKER\n");
    support_write(path_in(out, "run-0000/events.csv"), ev);
    /* run 1: no summary.csv (it never finished) */
    assert_int_equal(unlink(path_in(out, "run-0001/summary.csv")), 0);
    /* run 2: a temporary left by an interrupted commit */
    support_write(path_in(out, "run-0002/.supply.csv.tmp"), "half a file");
    /* run 3: the summary of another scenario (another hash) */
    char *sum = support_slurp(path_in(out, "run-0003/summary.csv"), NULL);
    char *h = strstr(sum, "fnv1a64=");
    assert_non_null(h);
    h[8] = h[8] == '0' ? '1' : '0';
    support_write(path_in(out, "run-0003/summary.csv"), sum);
    free(sum);
    assert_int_equal(unlink(path_in(out, "sweep.csv")), 0);

    assert_int_equal(study_as(d, "out", STUDY, "-j 2 --resume", err, sizeof err), 0);
    out = path_in(d, "out");
    char *lines = support_slurp(path_in(d, "out.stdout"), NULL);
    assert_non_null(strstr(lines, "run 0 seed "));
    assert_int_equal(count_lines(lines), 4);
    assert_int_equal(count_of(lines, "complete, skipped (--resume)"), 1); /* run 0 only */
    assert_non_null(strstr(lines, "taosim run: run 0 seed 5833679380957638813: complete, skipped"));
    free(lines);
    char *again = support_slurp(path_in(out, "run-0000/events.csv"), NULL);
    assert_int_equal(strlen(again), evlen + 7); /* kept, not rerun */
    again[evlen] = '\0';
    support_write(path_in(out, "run-0000/events.csv"), again);
    free(again);
    free(ev);
    assert_false(support_exists(path_in(out, "run-0002/.supply.csv.tmp")));
    assert_same_tree(path_in(d, "full"), out);

    /* --resume with everything complete reruns nothing and rebuilds sweep.csv, here for -r 0,2 only:
     * the same file as a fresh -r 0,2 study writes */
    support_rmtree(out);
    assert_int_equal(study_as(d, "fresh02", STUDY, "-r 0,2 --quiet", err, sizeof err), 0);
    assert_int_equal(system(cmd), 0); /* cp -r full out */
    assert_int_equal(study_as(d, "resumed02", STUDY, "--resume -r 0,2", err, sizeof err), 0);
    lines = support_slurp(path_in(d, "resumed02.stdout"), NULL);
    assert_int_equal(count_lines(lines), 2);
    assert_non_null(strstr(lines, "run 2 seed "));
    assert_int_equal(count_of(lines, "complete, skipped (--resume)"), 2);
    free(lines);
    const uint64_t sel[] = {0, 2};
    const char *kappa[] = {"16384", "32767"};
    check_sweep(path_in(d, "resumed02"), STUDY, NULL, 0, "subnet.s.kappa", sel, 2, kappa);
    assert_same_file(path_in(path_in(d, "resumed02"), "sweep.csv"), path_in(path_in(d, "fresh02"), "sweep.csv"));
    support_rmtree(d);
}

/* The library side of an interrupted run: a temporary means unfinished, even
 * beside a summary.csv (a commit cut short renames its files one by one). */
static void test_discard_partial(void **state)
{
    (void)state;
    char d[64], err[4096];
    support_tmpdir(d, "sweep-discard");
    assert_int_equal(study_as(d, "one", STUDY, "-r 1 --quiet", err, sizeof err), 0);
    scn_scenario *s = load(STUDY, NULL, 0);
    const char *run = path_in(d, "one/run-0001");
    assert_true(sweep_run_complete(run, 1, scn_hash(s), scn_run_seed(s, 1)));
    assert_false(sweep_run_complete(run, 0, scn_hash(s), scn_run_seed(s, 1)));     /* another run */
    assert_false(sweep_run_complete(run, 1, scn_hash(s), scn_run_seed(s, 0)));     /* another seed */
    assert_false(sweep_run_complete(run, 1, scn_hash(s) ^ 1, scn_run_seed(s, 1))); /* another scenario */
    support_write(path_in(run, ".accounts.csv.tmp"), "half");
    assert_false(sweep_run_complete(run, 1, scn_hash(s), scn_run_seed(s, 1)));
    io_err e;
    assert_int_equal(sweep_discard_partial(run, true, &e), 0);
    assert_false(support_exists(path_in(run, ".accounts.csv.tmp")));
    assert_false(support_exists(path_in(run, "summary.csv"))); /* it reads as unfinished, as it is */
    assert_true(support_exists(path_in(run, "supply.csv")));   /* the rest is not ours to judge: kept */
    assert_true(support_exists(run));                          /* not empty: kept */
    /* a directory of temporaries only goes altogether; a missing one is fine */
    const char *lone = path_in(d, "lone");
    char cmd[256];
    snprintf(cmd, sizeof cmd, "mkdir %s", lone);
    assert_int_equal(system(cmd), 0);
    support_write(path_in(lone, ".supply.csv.tmp"), "half");
    assert_int_equal(sweep_discard_partial(lone, true, &e), 0);
    assert_false(support_exists(lone));
    assert_int_equal(sweep_discard_partial(lone, true, &e), 0);
    scn_free(s);
    support_rmtree(d);
}

/* ---- a failing run ------------------------------------------------------------------------------ */

/* study.ini with a timeline event the chain refuses at point 1 only
 * (max_registrations_per_block is a u16): runs 2 and 3 fail at block 1000,
 * runs 0 and 1 succeed. */
static const char failing_event[] = "\n[event e]\nat = 1000\naction = set\ntarget = subnet.s\n"
                                    "key = max_registrations_per_block\nvalue = ${1, 70000}\n";

static void test_failing_run(void **state)
{
    (void)state;
    char d[64], err[4096], ini[PATH_MAX];
    support_tmpdir(d, "sweep-fail");
    char *text = support_slurp(STUDY, NULL);
    size_t len = strlen(text);
    text = realloc(text, len + sizeof failing_event);
    memcpy(text + len, failing_event, sizeof failing_event);
    snprintf(ini, sizeof ini, "%s/fail.ini", d);
    support_write(ini, text);
    free(text);
    static const char *const variants[][2] = {{"seq", "--quiet"}, {"j2", "-j 2"}, {"j4", "-j 4"}};
    char seq_err[4096];
    for (size_t i = 0; i < 3; i++) {
        int rc = study_as(d, variants[i][0], ini, variants[i][1], err, sizeof err);
        if (rc != 2) fail_msg("%s: exit %d, expected 2 (%s)", variants[i][1], rc, err);
        /* one line: the first failing run's error, the same whatever the workers */
        assert_int_equal(count_lines(err), 1);
        assert_non_null(strstr(err, "[event e] at block 1000: the chain refuses max_registrations_per_block = 70000"));
        if (i == 0)
            snprintf(seq_err, sizeof seq_err, "%s", err);
        else
            assert_string_equal(err, seq_err);
        const char *o = path_in(d, variants[i][0]);
        /* the runs before it are complete, the failed one left nothing, no sweep.csv */
        assert_true(support_exists(path_in(o, "run-0000/accounts.csv")));
        assert_true(support_exists(path_in(o, "run-0001/accounts.csv")));
        assert_false(support_exists(path_in(o, "run-0002")));
        assert_false(support_exists(path_in(o, "sweep.csv")));
        if (i > 0) {
            assert_same_tree(path_in(path_in(d, "seq"), "run-0000"), path_in(o, "run-0000"));
            assert_same_tree(path_in(path_in(d, "seq"), "run-0001"), path_in(o, "run-0001"));
        }
    }
    /* stdout with workers: the lines of runs 0 and 1 only, in order */
    char *lines = support_slurp(path_in(d, "j2.stdout"), NULL);
    assert_int_equal(count_lines(lines), 2);
    assert_true(strncmp(lines, "taosim run: run 0 seed ", 23) == 0);
    assert_non_null(strstr(lines, "\ntaosim run: run 1 seed "));
    free(lines);

    /* a failure outside the input (run 1's directory cannot be made): exit 1, run 0 complete */
    char blocked[128];
    snprintf(blocked, sizeof blocked, "%s/out", d);
    char cmd[512];
    snprintf(cmd, sizeof cmd, "mkdir -p %s && touch %s/run-0001", blocked, blocked);
    assert_int_equal(system(cmd), 0);
    char args[512];
    snprintf(args, sizeof args, "run %s --out %s -j 2 --quiet", STUDY, blocked);
    assert_int_equal(support_taosim(NULL, args, NULL, err, sizeof err), 1);
    assert_int_equal(count_lines(err), 1);
    assert_non_null(strstr(err, "run-0001: exists and is not a directory"));
    assert_true(support_exists(path_in(blocked, "run-0000/summary.csv")));
    assert_false(support_exists(path_in(blocked, "sweep.csv")));
    support_rmtree(d);
}

/* ---- bad -j and a swept output directory ------------------------------------------------------------ */

static void test_bad_jobs(void **state)
{
    (void)state;
    char d[64], err[4096], args[512];
    support_tmpdir(d, "sweep-badj");
    const char *bad[] = {"0", "-1", "abc", "257", "2x", "''", "1.5"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        snprintf(args, sizeof args, "run %s -j %s --out %s/out", STUDY, bad[i], d);
        int rc = support_taosim(NULL, args, NULL, err, sizeof err);
        if (rc != 2) fail_msg("-j %s: exit %d, expected 2", bad[i], rc);
        assert_int_equal(count_lines(err), 1);
        assert_non_null(strstr(err, "taosim run: option -j: "));
        assert_non_null(strstr(err, "expected 1..256"));
        assert_false(support_exists(path_in(d, "out")));
    }
    snprintf(args, sizeof args, "run %s --out %s/out -j", STUDY, d);
    assert_int_equal(support_taosim(NULL, args, NULL, err, sizeof err), 2);
    assert_non_null(strstr(err, "option -j needs a value"));
    /* the largest count is fine (no more workers than runs are started) */
    snprintf(args, sizeof args, "run %s --out %s/out -j 256 --quiet", STUDY, d);
    assert_int_equal(support_taosim(NULL, args, NULL, err, sizeof err), 0);
    assert_true(support_exists(path_in(d, "out/sweep.csv")));

    /* a swept [run] out would scatter the study: refused, nothing written; --out decides instead */
    snprintf(args, sizeof args, "run %s --set 'run.out=${%s/a, %s/b}'", STUDY, d, d);
    assert_int_equal(support_taosim(NULL, args, NULL, err, sizeof err), 2);
    assert_true(strncmp(err, "--set:1: [run] out: cannot be swept", 35) == 0);
    assert_false(support_exists(path_in(d, "a")));
    snprintf(args, sizeof args, "run %s --set 'run.out=${%s/a, %s/b}' --out %s/c --quiet", STUDY, d, d, d);
    assert_int_equal(support_taosim(NULL, args, NULL, err, sizeof err), 0);
    assert_true(support_exists(path_in(d, "c/sweep.csv")));
    support_rmtree(d);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_jobs_identical),
        cmocka_unit_test(test_sweep_csv),
        cmocka_unit_test(test_resume_after_kill),
        cmocka_unit_test(test_resume_which_runs),
        cmocka_unit_test(test_discard_partial),
        cmocka_unit_test(test_failing_run),
        cmocka_unit_test(test_bad_jobs),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
