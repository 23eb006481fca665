/* test_run.c -- `taosim run`: the determinism contract, the replay of
 * actions.csv, conservation, studies (sweeps, repeats, -r, --list, --set),
 * timeline events, every class of scenario error, and a golden summary of
 * scenarios/baseline.ini.
 *
 * What is right here comes from the contracts, not from our output: two runs
 * in one process give the same bytes; the replay of a run's own actions.csv
 * through `taosim replay` gives the same final accounts (an independent path
 * through the chain: CSV parsing, op dispatch); the chain's ledger identity
 * issuance = balances + stake + locks (economics.md §3.1) and
 * issuance = endowed + minted - burned hold at every sample. The one
 * fingerprint of our own output (test_golden_baseline) is a regression guard,
 * labelled as such. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "support.h"
#include "taosim/run.h"
#include "taosim/scn.h"

#define TINY "tests/run/tiny.ini"

static const char *const trace_files[] = {"config.ini", "supply.csv", "subnets.csv", "neurons.csv", "events.csv",
                                          "actions.csv", "summary.csv", "accounts.csv"};
#define NTRACE (sizeof trace_files / sizeof trace_files[0])

/* Run run `r` of `path` (with overrides) in this process into dir. */
static run_status run_here(const char *path, const char *const *sets, size_t nsets, uint64_t r, const char *dir,
                           run_summary *sum, io_err *err)
{
    scn_scenario *s = NULL;
    if (scn_load(run_schema(), path, sets, nsets, &s, err) != SCN_OK) return RUN_EINPUT;
    scn_config *c = NULL;
    if (scn_resolve(s, r, &c, err) != SCN_OK) {
        scn_free(s);
        return RUN_EINPUT;
    }
    run_opts o = {.outdir = dir};
    run_status st = run_config(c, &o, sum, err);
    scn_config_free(c);
    scn_free(s);
    return st;
}

static char *file_in(const char *dir, const char *name)
{
    static char path[4][PATH_MAX];
    static int k;
    k = (k + 1) % 4;
    snprintf(path[k], sizeof path[k], "%s/%s", dir, name);
    return path[k];
}

/* The value of column `col` of the last data row of a CSV. */
static uint64_t last_u64(const char *path, int col)
{
    char *t = support_slurp(path, NULL);
    assert_non_null(t);
    char *end = t + strlen(t);
    while (end > t && end[-1] == '\n') *--end = '\0';
    char *line = strrchr(t, '\n');
    line = line ? line + 1 : t;
    for (int i = 0; i < col; i++) {
        line = strchr(line, ',');
        assert_non_null(line);
        line++;
    }
    uint64_t v = strtoull(line, NULL, 10);
    free(t);
    return v;
}

/* ---- the determinism contract ------------------------------------------------------ */

static void test_two_runs_in_one_process(void **state)
{
    (void)state;
    char a[64], b[64], c[64];
    support_tmpdir(a, "run-a");
    support_tmpdir(b, "run-b");
    support_tmpdir(c, "run-c");
    run_summary sa, sb, sc;
    io_err err;
    assert_int_equal(run_here(TINY, NULL, 0, 0, a, &sa, &err), RUN_OK);
    assert_int_equal(run_here(TINY, NULL, 0, 0, b, &sb, &err), RUN_OK);
    for (size_t i = 0; i < NTRACE; i++) {
        size_t la, lb;
        char *x = support_slurp(file_in(a, trace_files[i]), &la), *y = support_slurp(file_in(b, trace_files[i]), &lb);
        assert_non_null(x);
        assert_non_null(y);
        assert_int_equal(la, lb);
        assert_memory_equal(x, y, la);
        free(x);
        free(y);
    }
    assert_true(sa.digest == sb.digest);
    /* the seed matters: another seed gives another network */
    const char *set[] = {"run.seed=8"};
    assert_int_equal(run_here(TINY, set, 1, 0, c, &sc, &err), RUN_OK);
    assert_true(sc.digest != sa.digest);
    support_rmtree(a);
    support_rmtree(b);
    support_rmtree(c);
}

/* ---- actions.csv replays to the same chain ------------------------------------------ */

/* `taosim replay D/run/actions.csv` into D/replay ends with the run's accounts.csv. */
static void replay_gives_same_accounts(const char *d)
{
    char args[512], err[4096];
    snprintf(args, sizeof args, "replay %s/run/actions.csv --out %s/replay", d, d);
    int rc = support_taosim(NULL, args, NULL, err, sizeof err);
    if (rc != 0) fail_msg("replay of actions.csv failed (%d): %s", rc, err);
    char *x = support_slurp(file_in(d, "run/accounts.csv"), NULL), *y = support_slurp(file_in(d, "replay/accounts.csv"), NULL);
    assert_non_null(x);
    assert_non_null(y);
    assert_true(strlen(support_body(x)) > 100);
    assert_string_equal(support_body(x), support_body(y));
    free(x);
    free(y);
}

static void test_actions_replay_reproduces_the_chain(void **state)
{
    (void)state;
    char d[64], args[512], err[4096];
    support_tmpdir(d, "run-replay");
    snprintf(args, sizeof args, "run %s --out %s/run --quiet", TINY, d);
    assert_int_equal(support_taosim(NULL, args, NULL, err, sizeof err), 0);
    replay_gives_same_accounts(d);
    /* the same number of refusals: every refused call refused again, for the same reason */
    char *rej = support_slurp(file_in(d, "replay/rejected.csv"), NULL);
    assert_non_null(rej);
    uint64_t lines = 0;
    for (const char *p = support_body(rej); *p; p++) lines += *p == '\n';
    free(rej);
    assert_true(lines >= 1);
    assert_int_equal(lines - 1, last_u64(file_in(d, "run/summary.csv"), 15)); /* refused */
    /* and the same final issuance */
    assert_int_equal(last_u64(file_in(d, "replay/blocks.csv"), 1), last_u64(file_in(d, "run/supply.csv"), 2));
    support_rmtree(d);
}

/* Yuma 3 subnet keys reach the chain in an order its setters accept (the
 * variant before the alpha bounds, whose checks depend on it: yuma3.md §3,
 * (6553, 19660) is refused under v1.2.4), a signed key is written to
 * actions.csv as a signed value, and that log replays to the same chain. */
static void test_yuma3_subnet_keys(void **state)
{
    (void)state;
    char d[64], args[1024], err[4096];
    support_tmpdir(d, "run-yuma3");
    snprintf(args, sizeof args,
             "run %s --out %s/run --quiet --set run.blocks=20001 --set subnet.s.yuma_version=3 "
             "--set subnet.s.liquid_alpha_enabled=true --set subnet.s.alpha_low=6553 --set subnet.s.alpha_high=19660 "
             "--set subnet.s.alpha_sigmoid_steepness=-500 --set subnet.s.bonds_penalty=0",
             TINY, d);
    int rc = support_taosim(NULL, args, NULL, err, sizeof err);
    if (rc != 0) fail_msg("run failed (%d): %s", rc, err);
    char *cfg = support_slurp(file_in(d, "run/config.ini"), NULL);
    assert_non_null(cfg);
    assert_non_null(strstr(cfg, "alpha_sigmoid_steepness = -500"));
    free(cfg);
    char *act = support_slurp(file_in(d, "run/actions.csv"), NULL);
    assert_non_null(act);
    for (int net = 1; net <= 2; net++) {
        static const char *const want[] = {"yuma_version,3", "bonds_penalty,0", "alpha_sigmoid_steepness,-500",
                                           "liquid_alpha_enabled,1", "alpha_low,6553", "alpha_high,19660"};
        for (size_t i = 0; i < sizeof want / sizeof want[0]; i++) {
            char row[96];
            snprintf(row, sizeof row, "0,hparam,%d,,%s\n", net, want[i]);
            if (!strstr(act, row)) fail_msg("actions.csv lacks '%s'", row);
        }
    }
    free(act);
    replay_gives_same_accounts(d);
    support_rmtree(d);
}

/* ---- conservation --------------------------------------------------------------------- */

static void test_conservation_every_sample(void **state)
{
    (void)state;
    char d[64];
    support_tmpdir(d, "run-cons");
    run_summary s;
    io_err err;
    assert_int_equal(run_here(TINY, NULL, 0, 0, d, &s, &err), RUN_OK);
    assert_true(s.issuance == s.endowed + s.minted - s.burned);
    assert_true(s.minted > 0 && s.burned > 0 && s.epochs > 0);
    char *t = support_slurp(file_in(d, "supply.csv"), NULL);
    assert_non_null(t);
    const char *p = strchr(support_body(t), '\n') + 1; /* skip the header */
    int rows = 0;
    while (*p) {
        uint64_t v[13];
        const char *q = p;
        for (int k = 0; k < 13; k++) {
            v[k] = strtoull(q, NULL, 10);
            q = strchr(q, ',') + 1;
        }
        /* block,date,issuance,emission,halvings,balances,stake,locked,minted,burned,endowed,... */
        assert_true(v[2] == v[5] + v[6] + v[7]);
        assert_true(v[2] == v[10] + v[8] - v[9]);
        rows++;
        p = strchr(p, '\n') + 1;
    }
    assert_true(rows >= 9); /* blocks 0, 3600, ..., 28800 and the horizon */
    free(t);
    support_rmtree(d);
}

/* ---- studies ----------------------------------------------------------------------------- */

static void test_sweep_list_select(void **state)
{
    (void)state;
    char d[64], args[512], err[4096];
    const char *ini = "tests/run/study.ini";
    support_tmpdir(d, "run-sweep");
    char listpath[128];
    snprintf(listpath, sizeof listpath, "%s/list.txt", d);
    snprintf(args, sizeof args, "run %s --list", ini);
    assert_int_equal(support_taosim(NULL, args, listpath, err, sizeof err), 0);
    char *list = support_slurp(listpath, NULL);
    assert_non_null(list);
    assert_non_null(strstr(list, "4 runs (2 points x 2 repeats)"));
    assert_non_null(strstr(list, "run    0"));
    assert_non_null(strstr(list, "subnet.s.kappa=16384"));
    assert_non_null(strstr(list, "run    3"));
    assert_non_null(strstr(list, "subnet.s.kappa=32767"));
    free(list);

    snprintf(args, sizeof args, "run %s -r 1,3 --out %s/study --quiet", ini, d);
    if (support_taosim(NULL, args, NULL, err, sizeof err) != 0) fail_msg("%s", err);
    assert_false(support_exists(file_in(d, "study/run-0000")));
    assert_true(support_exists(file_in(d, "study/run-0001/summary.csv")));
    assert_false(support_exists(file_in(d, "study/run-0002")));
    assert_true(support_exists(file_in(d, "study/run-0003/summary.csv")));
    /* run 1 = point 0, repeat 1; run 3 = point 1, repeat 1: the config says so */
    char *c1 = support_slurp(file_in(d, "study/run-0001/config.ini"), NULL);
    char *c3 = support_slurp(file_in(d, "study/run-0003/config.ini"), NULL);
    assert_non_null(strstr(c1, "kappa = 16384"));
    assert_non_null(strstr(c3, "kappa = 32767"));
    assert_non_null(strstr(c1, "repeat = 1")); /* the echo reproduces the single run */
    free(c1);
    free(c3);
    assert_true(last_u64(file_in(d, "study/run-0001/summary.csv"), 1) !=
                last_u64(file_in(d, "study/run-0003/summary.csv"), 1)); /* own seeds */

    /* a resolved config.ini reruns its run exactly */
    snprintf(args, sizeof args, "run %s/study/run-0001/config.ini --out %s/again --quiet", d, d);
    if (support_taosim(NULL, args, NULL, err, sizeof err) != 0) fail_msg("%s", err);
    char *x = support_slurp(file_in(d, "study/run-0001/accounts.csv"), NULL), *y = support_slurp(file_in(d, "again/accounts.csv"), NULL);
    assert_string_equal(support_body(x), support_body(y));
    free(x);
    free(y);

    /* a bad selection */
    snprintf(args, sizeof args, "run %s -r 4 --out %s/bad", ini, d);
    assert_int_equal(support_taosim(NULL, args, NULL, err, sizeof err), 2);
    assert_non_null(strstr(err, "-r"));
    assert_false(support_exists(file_in(d, "bad")));
    support_rmtree(d);
}

static void test_set_and_events(void **state)
{
    (void)state;
    char d[64];
    support_tmpdir(d, "run-set");
    run_summary s;
    io_err err;
    const char *set[] = {"run.blocks=25000", "subnet.s.max_allowed_uids=12"};
    assert_int_equal(run_here(TINY, set, 2, 0, d, &s, &err), RUN_OK);
    assert_int_equal(s.blocks, 25000);
    char *cfg = support_slurp(file_in(d, "config.ini"), NULL);
    assert_non_null(strstr(cfg, "max_allowed_uids = 12"));
    free(cfg);
    char *ev = support_slurp(file_in(d, "events.csv"), NULL);
    assert_non_null(strstr(ev, "15000,scenario,,,,,100000000000,more_stake: stake"));
    assert_non_null(strstr(ev, "20000,scenario,,,,,0,slower: set"));
    free(ev);
    char *act = support_slurp(file_in(d, "actions.csv"), NULL);
    assert_non_null(strstr(act, "20000,hparam,1,,tempo,199\n"));
    assert_non_null(strstr(act, "20000,hparam,2,,tempo,199\n"));
    assert_non_null(strstr(act, "15000,balance,,,v-0,amount=100000000000\n"));
    assert_non_null(strstr(act, "0,hparam,1,,max_allowed_uids,12\n"));
    free(act);
    support_rmtree(d);
}

/* A timeline event switches a subnet kind to Yuma 3 mid-run, as the chain
 * switched subnets one by one: the switch is an admin call at that block on
 * every instance of the kind, the run goes on, and its actions replay. */
static void test_yuma_switch_event(void **state)
{
    (void)state;
    char d[64];
    support_tmpdir(d, "run-yuma");
    run_summary s;
    io_err err;
    const char *set[] = {"event.y3.at=12000", "event.y3.action=yuma", "event.y3.target=subnet.s",
                         "event.y3.value=3"};
    assert_int_equal(run_here(TINY, set, 4, 0, d, &s, &err), RUN_OK);
    char *act = support_slurp(file_in(d, "actions.csv"), NULL);
    assert_non_null(strstr(act, "12000,hparam,1,,yuma_version,3\n"));
    assert_non_null(strstr(act, "12000,hparam,2,,yuma_version,3\n"));
    free(act);
    char *ev = support_slurp(file_in(d, "events.csv"), NULL);
    assert_non_null(strstr(ev, "12000,scenario,,,,,0,y3: yuma"));
    free(ev);
    assert_true(s.epochs > 0);
    support_rmtree(d);
}

/* Server-side winner-takes-all (the opt-in incentive_wta, not a chain rule)
 * as a scenario key: after every epoch of such a subnet one uid holds the
 * whole incentive (65535) and every other uid none. */
static void test_incentive_wta_key(void **state)
{
    (void)state;
    char d[64];
    support_tmpdir(d, "run-wta");
    run_summary s;
    io_err err;
    const char *set[] = {"subnet.s.incentive_wta=true", "run.neurons=epoch"};
    assert_int_equal(run_here(TINY, set, 2, 0, d, &s, &err), RUN_OK);
    support_table t;
    assert_int_equal(support_table_load(file_in(d, "neurons.csv"), &t), 0);
    int cb = support_col(&t, "block"), cn = support_col(&t, "netuid"), ci = support_col(&t, "incentive");
    /* per (block, netuid): the incentives' count of non-zero and their sum */
    size_t epochs = 0;
    for (size_t i = 1; i < t.nrows;) {
        size_t j = i;
        unsigned nonzero = 0, full = 0;
        while (j < t.nrows && !strcmp(t.rows[j].f[cb], t.rows[i].f[cb]) && !strcmp(t.rows[j].f[cn], t.rows[i].f[cn])) {
            unsigned v = (unsigned)atoi(t.rows[j].f[ci]);
            nonzero += v != 0;
            full += v == 65535;
            j++;
        }
        if (nonzero) {
            assert_int_equal(nonzero, 1);
            assert_int_equal(full, 1);
            epochs++;
        }
        i = j;
    }
    assert_true(epochs >= 20);
    support_table_free(&t);
    support_rmtree(d);
}

/* ---- bad scenarios: one line FILE:LINE, exit 2, nothing written ---------------------------- */

typedef struct bad_case {
    const char *name, *text;
    int line;
    const char *want;
} bad_case;

static const bad_case bad_cases[] = {
    {"unknown_key", "[run]\nblocks = 10\n[subnet s]\ntempoo = 99\n", 4, "did you mean 'tempo'"},
    {"unknown_section", "[run]\nblocks = 10\n[subnet s]\n[miner m]\ncount = 1\n", 4, "miners"},
    {"wrong_type", "[run]\nblocks = ten\n[subnet s]\n", 2, "blocks"},
    {"out_of_range", "[run]\nblocks = 10\n[subnet s]\nkappa = 70000\n", 4, "kappa"},
    {"no_subnet", "[run]\nblocks = 10\n", 1, "no [subnet NAME] section"},
    {"years_and_blocks", "[run]\nyears = 2\nblocks = 10\n[subnet s]\n", 3, "both blocks and years"},
    {"unknown_kind_ref", "[run]\nblocks = 10\n[subnet s]\n[miners m]\nsubnets = apps\n", 5, "unknown name 'apps'"},
    {"owner_needs_subnet", "[run]\nblocks = 10\n[subnet s]\n[owners o]\ncount = 1\n", 4, "subnet"},
    {"validators_gt_uids", "[run]\nblocks = 10\n[subnet s]\nmax_allowed_uids = 8\nmax_allowed_validators = 9\n", 5,
     "larger than max_allowed_uids"},
    {"alpha_without_liquid", "[run]\nblocks = 10\n[subnet s]\nalpha_low = 40000\n", 4, "liquid_alpha_enabled"},
    {"genesis_over_limit", "[run]\nblocks = 10\n[chain]\nsubnet_limit = 1\n[subnet s]\ncount = 2\n", 4,
     "subnet_limit"},
    {"event_target", "[run]\nblocks = 10\n[subnet s]\n[event e]\nat = 5\naction = set\ntarget = subnet.x\nkey = tempo\nvalue = 1\n",
     7, "no [subnet x]"},
    {"event_key", "[run]\nblocks = 10\n[subnet s]\n[event e]\nat = 5\naction = set\ntarget = subnet.s\nkey = tempoo\nvalue = 1\n",
     8, "unknown subnet key 'tempoo'"},
    {"event_after_horizon", "[run]\nblocks = 10\n[subnet s]\n[event e]\nat = 11\naction = leave\ntarget = miners.m\n[miners m]\n",
     5, "after the horizon"},
    {"event_date_before_start", "[run]\nblocks = 10\n[subnet s]\n[event e]\nat = 2020-01-01\naction = leave\ntarget = miners.m\n[miners m]\n",
     5, "before run.start_date"},
    {"bad_distribution", "[run]\nblocks = 10\n[subnet s]\n[miners m]\nquality = betta(2, 5)\n", 5, "beta"},
    {"bad_preset", "[run]\nblocks = 10\npreset = testnet\n[subnet s]\n", 3, "unknown preset 'testnet'"},
};

static void test_bad_scenarios(void **state)
{
    (void)state;
    char d[64];
    support_tmpdir(d, "run-bad");
    for (size_t i = 0; i < sizeof bad_cases / sizeof bad_cases[0]; i++) {
        const bad_case *b = &bad_cases[i];
        char ini[256], args[1024], err[4096], want[512];
        snprintf(ini, sizeof ini, "%s/%s.ini", d, b->name);
        support_write(ini, b->text);
        snprintf(args, sizeof args, "run %s --out %s/out-%s", ini, d, b->name);
        int rc = support_taosim(NULL, args, NULL, err, sizeof err);
        if (rc != 2) fail_msg("%s: exit %d, expected 2 (%s)", b->name, rc, err);
        snprintf(want, sizeof want, "%s:%d: ", ini, b->line);
        if (strncmp(err, want, strlen(want)) != 0) fail_msg("%s: '%s' does not start with '%s'", b->name, err, want);
        if (!strstr(err, b->want)) fail_msg("%s: '%s' does not mention '%s'", b->name, err, b->want);
        if (strchr(err, '\n') != err + strlen(err) - 1) fail_msg("%s: more than one line: '%s'", b->name, err);
        if (support_exists(file_in(d, "out-x")) || support_exists(file_in(d, b->name)))
            fail_msg("%s: something was written", b->name);
        char outdir[256];
        snprintf(outdir, sizeof outdir, "%s/out-%s", d, b->name);
        if (support_exists(outdir)) fail_msg("%s: the output directory exists", b->name);
    }
    support_rmtree(d);
}

static void test_usage(void **state)
{
    (void)state;
    char err[4096];
    assert_int_equal(support_taosim(NULL, "run --help", NULL, err, sizeof err), 0);
    assert_int_equal(support_taosim(NULL, "run", NULL, err, sizeof err), 2);
    assert_non_null(strstr(err, "missing scenario file"));
    assert_int_equal(support_taosim(NULL, "run a.ini b.ini", NULL, err, sizeof err), 2);
    assert_int_equal(support_taosim(NULL, "run " TINY " --bogus", NULL, err, sizeof err), 2);
    assert_non_null(strstr(err, "unknown option '--bogus'"));
    assert_int_equal(support_taosim(NULL, "run /nonexistent.ini", NULL, err, sizeof err), 1);
    /* every section of the schema is listed by --keys */
    char d[64];
    support_tmpdir(d, "run-keys");
    assert_int_equal(support_taosim(NULL, "run --keys", file_in(d, "keys.txt"), err, sizeof err), 0);
    char *keys = support_slurp(file_in(d, "keys.txt"), NULL);
    const scn_schema *s = run_schema();
    for (size_t i = 0; i < s->nkinds; i++) {
        char sec[64];
        snprintf(sec, sizeof sec, "[%s", s->kinds[i].name);
        assert_non_null(strstr(keys, sec));
        for (size_t k = 0; k < s->kinds[i].nkeys; k++) assert_non_null(strstr(keys, s->kinds[i].keys[k].name));
    }
    free(keys);
    /* the README's key reference is exactly what --keys-md prints (docs match the code) */
    assert_int_equal(support_taosim(NULL, "run --keys-md", file_in(d, "keys.md"), err, sizeof err), 0);
    char *md = support_slurp(file_in(d, "keys.md"), NULL), *readme = support_slurp("README.md", NULL);
    assert_non_null(md);
    assert_non_null(readme);
    const char *begin = strstr(readme, "<!-- keys:begin -->\n"), *end = strstr(readme, "<!-- keys:end -->");
    assert_non_null(begin);
    assert_non_null(end);
    begin += strlen("<!-- keys:begin -->\n");
    if ((size_t)(end - begin) != strlen(md) || memcmp(begin, md, strlen(md)) != 0)
        fail_msg("README.md's scenario key reference is stale: paste the output of 'taosim run --keys-md' "
                 "between the keys markers");
    free(md);
    free(readme);
    support_rmtree(d);
}

/* ---- golden summary (a REGRESSION GUARD, not a truth) ---------------------------------------
 * The summary row of scenarios/baseline.ini as this build computes it. It
 * fails on any behavioural change of the chain, the agents or the traces.
 * When a change is intended, update it deliberately and say why in the
 * commit message. */
static const char golden_baseline[] =
    "0,1,5259600,2,10467656230544633,5256287108472489,922935823601496,8601652124442,6134304945673640,0,6,"
    "8,2,89104,88912,98,87064,0.758482794,0.999999349,0.82309707,,5259401,0.749744044,0,0.99948701,0.4999"
    "08467,0.916193661,0.666772175,2155905064397152,120224304742,0.00863468902,0,0.000485641882,0.0002429"
    "01095,0.0912139598,0.0281308446,1047535168607,12285012093291,0.241621267,1,2.73477982e-05,0.49984863"
    "2,2.75024571,2.0687278,2155647021989423,910530587203463,0,0,0,0,,,0,0,0,0,0,0,,,0,0\n";

static void test_golden_baseline(void **state)
{
    (void)state;
    char d[64];
    support_tmpdir(d, "run-golden");
    run_summary s;
    io_err err;
    assert_int_equal(run_here("scenarios/baseline.ini", NULL, 0, 0, d, &s, &err), RUN_OK);
    /* the ledger identity over the whole baseline (the run also audited every sample) */
    assert_true(s.issuance == s.endowed + s.minted - s.burned);
    char *t = support_slurp(file_in(d, "summary.csv"), NULL);
    const char *row = strchr(support_body(t), '\n') + 1;
    if (strcmp(row, golden_baseline) != 0)
        fail_msg("baseline summary changed (regression guard):\n  got  %s  want %s", row, golden_baseline);
    free(t);
    support_rmtree(d);
}

/* Every shipped scenario runs (CI runs them at a reduced size): a few
 * thousand blocks, actions off, the first runs of a study on two workers;
 * each writes its outputs, and its pictures are drawn when gnuplot is here. */
static void test_shipped_scenarios(void **state)
{
    (void)state;
    char d[64], cmd[1024], err[4096];
    support_tmpdir(d, "run-shipped");
    FILE *ls = popen("ls scenarios/*.ini", "r");
    assert_non_null(ls);
    char path[512];
    int seen = 0;
    bool have_gnuplot = system("command -v gnuplot >/dev/null 2>&1") == 0;
    while (fgets(path, sizeof path, ls)) {
        path[strcspn(path, "\n")] = '\0';
        const char *base = strrchr(path, '/') + 1;
        char name[128];
        snprintf(name, sizeof name, "%.*s", (int)(strlen(base) - 4), base);
        scn_scenario *s = NULL;
        io_err e;
        assert_int_equal(scn_load(run_schema(), path, NULL, 0, &s, &e), SCN_OK);
        bool study = scn_runs_count(s) > 1;
        scn_free(s);
        snprintf(cmd, sizeof cmd,
                 "run %s --set run.blocks=0 --set run.years=0.002 --set run.actions=false --out %s/%s --quiet%s", path, d,
                 name, study ? " -r 0..1 -j 2" : "");
        int rc = support_taosim(NULL, cmd, NULL, err, sizeof err);
        if (rc != 0) fail_msg("%s: exit %d: %s", path, rc, err);
        char out[256];
        snprintf(out, sizeof out, "%s/%s%s", d, name, study ? "/run-0001" : "");
        assert_true(support_exists(file_in(out, "summary.csv")));
        if (study) {
            snprintf(out, sizeof out, "%s/%s", d, name);
            assert_true(support_exists(file_in(out, "points.csv")));
            char gp[256];
            snprintf(gp, sizeof gp, "analysis/%s.gp", name);
            if (have_gnuplot && support_exists(gp)) {
                snprintf(cmd, sizeof cmd, "gnuplot -e \"dir='%s'\" %s 2>%s/gp.err", out, gp, d);
                if (system(cmd) != 0) fail_msg("%s failed on %s", gp, out);
            }
        } else if (have_gnuplot) {
            snprintf(cmd, sizeof cmd, "gnuplot -e \"dir='%s'\" analysis/run.gp 2>%s/gp.err", out, d);
            if (system(cmd) != 0) fail_msg("analysis/run.gp failed on %s", out);
            assert_true(support_exists(file_in(out, "emission_share.png")));
        }
        seen++;
    }
    pclose(ls);
    assert_true(seen >= 6); /* baseline, mainnet-like, supply-256y and the three studies */
    support_rmtree(d);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_two_runs_in_one_process),
        cmocka_unit_test(test_actions_replay_reproduces_the_chain),
        cmocka_unit_test(test_conservation_every_sample),
        cmocka_unit_test(test_sweep_list_select),
        cmocka_unit_test(test_set_and_events),
        cmocka_unit_test(test_yuma_switch_event),
        cmocka_unit_test(test_incentive_wta_key),
        cmocka_unit_test(test_bad_scenarios),
        cmocka_unit_test(test_usage),
        cmocka_unit_test(test_yuma3_subnet_keys),
        cmocka_unit_test(test_golden_baseline),
        cmocka_unit_test(test_shipped_scenarios),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
