/* test_agent.c -- every behaviour does what it says, on a tiny network.
 *
 * Each test runs a small scenario in this process and reads what the agents
 * did from the run's own record of their calls (actions.csv: every extrinsic
 * with its arguments) and from the chain's outputs (neurons.csv, events.csv,
 * accounts.csv, summary.csv). What is expected comes from the behaviour's
 * definition in agent.h, not from a previous run: a wta validator's weight
 * rows have one entry; a copier's rows are the consensus vector it saw; a
 * lazy validator's rows are weights_every apart, frozen, or blind to
 * newcomers; a whale's stake grows by its accumulation and merges into the
 * leader; a sybil registers only under its burn ceiling; a cabal keeps less
 * than its stake share below kappa and more above it (over seeds). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "support.h"
#include "taosim/agent.h"
#include "taosim/run.h"
#include "taosim/scn.h"

/* The network every test starts from: one subnet of 32 uids, honest
 * validators and miners; each test appends its population. */
static const char base[] = "[run]\n"
                           "seed = 5\n"
                           "blocks = 20000\n"
                           "sample_blocks = 2000\n"
                           "neurons = epoch\n"
                           "twin = off\n"
                           "[chain]\n"
                           "world_tao = 100000\n"
                           "subnet_limit = 2\n"
                           "[subnet s]\n"
                           "tempo = 99\n"
                           "max_allowed_uids = 32\n"
                           "max_allowed_validators = 8\n"
                           "immunity_period = 500\n"
                           "[validators honest]\n"
                           "count = 3\n"
                           "stake_tao = lognormal(9, 0.2)\n"
                           "noise = 0.05\n"
                           "weights_every = 200\n"
                           "[miners m]\n"
                           "count = 40\n"
                           "check_every = 100\n";

static char dir[64];

/* Run base + extra (+ overrides) into dir/NAME; returns the output directory. */
static const char *run_extra(const char *name, const char *extra, const char *const *sets, size_t nsets,
                             run_summary *sum)
{
    static char out[256];
    char ini[256];
    snprintf(ini, sizeof ini, "%s/%s.ini", dir, name);
    size_t n = strlen(base) + strlen(extra) + 2;
    char *text = malloc(n);
    snprintf(text, n, "%s%s", base, extra);
    support_write(ini, text);
    free(text);
    snprintf(out, sizeof out, "%s/%s", dir, name);
    scn_scenario *s = NULL;
    scn_config *c = NULL;
    io_err err;
    if (scn_load(run_schema(), ini, sets, nsets, &s, &err) != SCN_OK || scn_resolve(s, 0, &c, &err) != SCN_OK)
        fail_msg("%s", err.msg);
    run_opts o = {.outdir = out};
    run_summary local;
    if (run_config(c, &o, sum ? sum : &local, &err) != RUN_OK) fail_msg("%s", err.msg);
    scn_config_free(c);
    scn_free(s);
    return out;
}

static void load(const char *out, const char *file, support_table *t)
{
    char path[512];
    snprintf(path, sizeof path, "%s/%s", out, file);
    if (support_table_load(path, t) != 0) fail_msg("cannot read %s", path);
}

/* The uid a hotkey holds on netuid 1 at the end (from events.csv). */
static int uid_of(const support_table *ev, const char *hotkey)
{
    int cu = support_col(ev, "uid"), ch = support_col(ev, "hotkey"), ce = support_col(ev, "event");
    int uid = -1;
    for (size_t i = 1; i < ev->nrows; i++)
        if (strcmp(ev->rows[i].f[ch], hotkey) == 0 && strcmp(ev->rows[i].f[ce], "register") == 0)
            uid = atoi(ev->rows[i].f[cu]);
    return uid;
}

/* Parse "d:v d:v ..." into arrays; returns the count. */
static size_t pairs(const char *s, unsigned *d, unsigned *v, size_t cap)
{
    size_t n = 0;
    while (*s && n < cap) {
        char *end;
        d[n] = (unsigned)strtoul(s, &end, 10);
        if (*end != ':') break;
        v[n++] = (unsigned)strtoul(end + 1, &end, 10);
        s = end;
        while (*s == ' ' || *s == ';') s++;
    }
    return n;
}

/* ---- perception errors ------------------------------------------------------------------- */

static void test_perception_z(void **state)
{
    (void)state;
    /* Irwin-Hall(4) standardised: mean 0, variance 1, |z| <= 2 * sqrt(3) */
    double sum = 0, sq = 0;
    int32_t lo = 0, hi = 0;
    const int n = 200000;
    for (int i = 0; i < n; i++) {
        int32_t z = agent_perception_z(42, (uint64_t)i, 7, 9);
        sum += z / 65536.0;
        sq += (z / 65536.0) * (z / 65536.0);
        lo = z < lo ? z : lo;
        hi = z > hi ? z : hi;
    }
    double mean = sum / n, var = sq / n - mean * mean;
    assert_true(fabs(mean) < 0.01);
    assert_true(fabs(var - 1.0) < 0.02);
    assert_true(hi <= (int32_t)(3.4642 * 65536) && lo >= -(int32_t)(3.4642 * 65536));
    assert_true(hi > 3 * 65536 && lo < -3 * 65536); /* the tails are reached */
    /* a pure function of its key */
    assert_int_equal(agent_perception_z(1, 2, 3, 4), agent_perception_z(1, 2, 3, 4));
    assert_int_not_equal(agent_perception_z(1, 2, 3, 4), agent_perception_z(1, 2, 3, 5));
}

/* ---- validators ---------------------------------------------------------------------------- */

static void test_wta_validator(void **state)
{
    (void)state;
    const char *out = run_extra("wta", "[validators one]\ncount = 1\nstake_tao = 20000\nweighting = wta\n"
                                       "weights_every = 200\nroot = false\n",
                                NULL, 0, NULL);
    support_table ev, act;
    load(out, "events.csv", &ev);
    load(out, "actions.csv", &act);
    int uid = uid_of(&ev, "one-0h");
    assert_true(uid >= 0);
    int cop = support_col(&act, "op"), cuid = support_col(&act, "uid"), cval = support_col(&act, "value");
    size_t rows = 0;
    for (size_t i = 1; i < act.nrows; i++) {
        if (strcmp(act.rows[i].f[cop], "weights") || atoi(act.rows[i].f[cuid]) != uid) continue;
        unsigned d[64], v[64];
        assert_int_equal(pairs(act.rows[i].f[cval], d, v, 64), 1);
        assert_int_equal(v[0], 65535);
        rows++;
    }
    assert_true(rows >= 50); /* every 200 blocks over 20 000 */
    support_table_free(&ev);
    support_table_free(&act);
}

/* The copier (source = consensus, lag 0) sends the Consensus vector of the
 * subnet's last epoch before its call, max-upscaled, without its own uid. */
static void test_copier_consensus(void **state)
{
    (void)state;
    const char *out = run_extra("copier", "[copier c]\ncount = 1\nstake_tao = 20000\nsource = consensus\n"
                                          "weights_every = 150\n",
                                NULL, 0, NULL);
    support_table ev, act, nr;
    load(out, "events.csv", &ev);
    load(out, "actions.csv", &act);
    load(out, "neurons.csv", &nr);
    int uid = uid_of(&ev, "c-0h");
    assert_true(uid >= 0);
    int cop = support_col(&act, "op"), cuid = support_col(&act, "uid"), cval = support_col(&act, "value"),
        cblk = support_col(&act, "block");
    int nb = support_col(&nr, "block"), nu = support_col(&nr, "uid"), nc = support_col(&nr, "consensus");
    size_t checked = 0;
    for (size_t i = 1; i < act.nrows; i++) {
        if (strcmp(act.rows[i].f[cop], "weights") || atoi(act.rows[i].f[cuid]) != uid) continue;
        uint64_t b = strtoull(act.rows[i].f[cblk], NULL, 10);
        /* the last epoch at or before b */
        uint64_t epoch = 0;
        for (size_t k = 1; k < nr.nrows; k++) {
            uint64_t eb = strtoull(nr.rows[k].f[nb], NULL, 10);
            if (eb <= b && eb > epoch) epoch = eb;
        }
        unsigned cons[64] = {0}, mx = 0;
        for (size_t k = 1; k < nr.nrows; k++)
            if (strtoull(nr.rows[k].f[nb], NULL, 10) == epoch && atoi(nr.rows[k].f[nu]) != uid) {
                cons[atoi(nr.rows[k].f[nu])] = (unsigned)atoi(nr.rows[k].f[nc]);
                mx = cons[atoi(nr.rows[k].f[nu])] > mx ? cons[atoi(nr.rows[k].f[nu])] : mx;
            }
        unsigned d[64], v[64];
        size_t n = pairs(act.rows[i].f[cval], d, v, 64);
        size_t want = 0;
        for (int u = 0; u < 64; u++) want += cons[u] > 0 && (unsigned)(((uint64_t)cons[u] * 65535 + mx / 2) / mx) > 0;
        assert_int_equal(n, want);
        for (size_t k = 0; k < n; k++) {
            assert_true(d[k] != (unsigned)uid);
            assert_int_equal(v[k], (unsigned)(((uint64_t)cons[d[k]] * 65535 + mx / 2) / mx));
        }
        checked++;
    }
    assert_true(checked >= 20);
    support_table_free(&ev);
    support_table_free(&act);
    support_table_free(&nr);
}

static void test_lazy_modes(void **state)
{
    (void)state;
    /* rare: rows at least weights_every apart */
    const char *out = run_extra("lazy-rare", "[lazy l]\ncount = 1\nstake_tao = 20000\nmode = rare\nweights_every = 3000\n",
                                NULL, 0, NULL);
    support_table ev, act;
    load(out, "events.csv", &ev);
    load(out, "actions.csv", &act);
    int uid = uid_of(&ev, "l-0h"), cop = support_col(&act, "op"), cuid = support_col(&act, "uid"),
        cblk = support_col(&act, "block"), cval = support_col(&act, "value");
    uint64_t last = 0;
    size_t rows = 0;
    for (size_t i = 1; i < act.nrows; i++) {
        if (strcmp(act.rows[i].f[cop], "weights") || atoi(act.rows[i].f[cuid]) != uid) continue;
        uint64_t b = strtoull(act.rows[i].f[cblk], NULL, 10);
        if (rows) assert_true(b - last >= 3000);
        last = b;
        rows++;
    }
    assert_true(rows >= 5 && rows <= 7);
    support_table_free(&ev);
    support_table_free(&act);

    /* replay: every row from freeze_at on is the same */
    out = run_extra("lazy-replay", "[lazy l]\ncount = 1\nstake_tao = 20000\nmode = replay\nfreeze_at = 5000\n"
                                   "weights_every = 200\n",
                    NULL, 0, NULL);
    load(out, "events.csv", &ev);
    load(out, "actions.csv", &act);
    uid = uid_of(&ev, "l-0h");
    const char *frozen = NULL;
    rows = 0;
    for (size_t i = 1; i < act.nrows; i++) {
        if (strcmp(act.rows[i].f[cop], "weights") || atoi(act.rows[i].f[cuid]) != uid) continue;
        if (strtoull(act.rows[i].f[cblk], NULL, 10) < 5200) continue;
        if (!frozen) frozen = act.rows[i].f[cval];
        assert_string_equal(act.rows[i].f[cval], frozen);
        rows++;
    }
    assert_true(rows >= 50);
    support_table_free(&act);
    support_table_free(&ev);

    /* shifted: no weight on a uid registered less than `shift` blocks ago */
    out = run_extra("lazy-shift", "[lazy l]\ncount = 1\nstake_tao = 20000\nmode = shifted\nshift = 1000\n"
                                  "weights_every = 200\n",
                    NULL, 0, NULL);
    load(out, "events.csv", &ev);
    load(out, "actions.csv", &act);
    uid = uid_of(&ev, "l-0h");
    int eb = support_col(&ev, "block"), eu = support_col(&ev, "uid"), ee = support_col(&ev, "event");
    size_t blind = 0;
    for (size_t i = 1; i < act.nrows; i++) {
        if (strcmp(act.rows[i].f[cop], "weights") || atoi(act.rows[i].f[cuid]) != uid) continue;
        uint64_t b = strtoull(act.rows[i].f[cblk], NULL, 10);
        unsigned d[64], v[64];
        size_t n = pairs(act.rows[i].f[cval], d, v, 64);
        for (size_t k = 1; k < ev.nrows; k++) { /* every registration in (b - 1000, b] */
            if (strcmp(ev.rows[k].f[ee], "register")) continue;
            uint64_t rb = strtoull(ev.rows[k].f[eb], NULL, 10);
            if (rb == 0 || rb > b || rb + 1000 <= b) continue;
            unsigned ru = (unsigned)atoi(ev.rows[k].f[eu]);
            for (size_t q = 0; q < n; q++) assert_true(d[q] != ru);
            blind++;
        }
    }
    assert_true(blind > 0); /* the case happened */
    support_table_free(&act);
    support_table_free(&ev);
}

/* Whales: accumulation is funded and staked (its stake grows by it); after
 * merge_at the others' own stake sits on the leader. */
static void test_whales(void **state)
{
    (void)state;
    const char *out = run_extra("whales", "[whales w]\ncount = 3\nstake_tao = lognormal(7, 0.5)\n"
                                          "accumulate_tao_per_day = 10\nmerge_at = 10000\n",
                                NULL, 0, NULL);
    support_table acc, act;
    load(out, "accounts.csv", &acc);
    load(out, "actions.csv", &act);
    int cop = support_col(&act, "op"), ckey = support_col(&act, "key"), cval = support_col(&act, "value"),
        cblk = support_col(&act, "block");
    /* the merge: two whales each take their own stake back at or after merge_at and give it to the
     * same third one, the leader, which never does */
    char leader[64] = "";
    int merged = 0;
    for (int k = 0; k < 3; k++) {
        char cold[16], own[32];
        snprintf(cold, sizeof cold, "w-%d", k);
        snprintf(own, sizeof own, "hotkey=w-%dh ", k);
        uint64_t removed_at = 0;
        for (size_t i = 1; i < act.nrows; i++) {
            if (strcmp(act.rows[i].f[ckey], cold)) continue;
            if (!strcmp(act.rows[i].f[cop], "remove_stake") && strstr(act.rows[i].f[cval], own))
                removed_at = strtoull(act.rows[i].f[cblk], NULL, 10);
            if (removed_at && !strcmp(act.rows[i].f[cop], "add_stake") && !strstr(act.rows[i].f[cval], own)) {
                const char *h = strstr(act.rows[i].f[cval], "hotkey=") + 7;
                char to[64];
                snprintf(to, sizeof to, "%.*s", (int)strcspn(h, " "), h);
                if (!*leader) snprintf(leader, sizeof leader, "%s", to);
                assert_string_equal(to, leader);
                assert_true(removed_at >= 10000);
                merged++;
                break;
            }
        }
    }
    assert_int_equal(merged, 2);
    /* the two stakes are on the leader at the end */
    int cc = support_col(&acc, "coldkey"), ch = support_col(&acc, "hotkey"), cs = support_col(&acc, "stake");
    int on_leader = 0;
    for (size_t i = 1; i < acc.nrows; i++)
        if (!strncmp(acc.rows[i].f[cc], "w-", 2) && !strcmp(acc.rows[i].f[ch], leader) &&
            strncmp(leader, acc.rows[i].f[cc], strlen(acc.rows[i].f[cc])) != 0 &&
            strtoull(acc.rows[i].f[cs], NULL, 10) > 0)
            on_leader++;
    assert_int_equal(on_leader, 2);
    /* accumulation: 10 TAO a day funded to w-0 while it accumulates, and staked */
    uint64_t funded = 0;
    for (size_t i = 1; i < act.nrows; i++) {
        if (strcmp(act.rows[i].f[ckey], "w-0") || strtoull(act.rows[i].f[cblk], NULL, 10) == 0) continue;
        if (!strcmp(act.rows[i].f[cop], "balance")) funded += strtoull(act.rows[i].f[cval] + strlen("amount="), NULL, 10);
    }
    assert_true(funded >= 10ull * 1000000000 * (10000 / 7200));
    assert_true(funded <= 10ull * 1000000000 * 20000 / 7200 + 1);
    support_table_free(&acc);
    support_table_free(&act);
}

/* ---- sybil ------------------------------------------------------------------------------------ */

static void test_sybil(void **state)
{
    (void)state;
    const char *out = run_extra("sybil", "[sybil sy]\ncount = 10\nbalance_tao = 20\nmax_burn_tao = 3\n", NULL, 0, NULL);
    support_table ev, act;
    load(out, "events.csv", &ev);
    load(out, "actions.csv", &act);
    int ee = support_col(&ev, "event"), eh = support_col(&ev, "hotkey"), ea = support_col(&ev, "amount_rao");
    uint64_t burned = 0;
    size_t regs = 0;
    for (size_t i = 1; i < ev.nrows; i++) {
        if (strcmp(ev.rows[i].f[ee], "register") || strncmp(ev.rows[i].f[eh], "sy-", 3)) continue;
        uint64_t burn = strtoull(ev.rows[i].f[ea], NULL, 10);
        assert_true(burn <= 3000000000ull); /* never above its ceiling */
        burned += burn;
        regs++;
    }
    assert_true(regs > 0);
    assert_true(burned <= 20000000000ull); /* never more than its budget */
    /* one coldkey signs every sybil registration */
    int cop = support_col(&act, "op"), ckey = support_col(&act, "key"), cval = support_col(&act, "value");
    for (size_t i = 1; i < act.nrows; i++)
        if (!strcmp(act.rows[i].f[cop], "burned_register") && strstr(act.rows[i].f[cval], "hotkey=sy-"))
            assert_string_equal(act.rows[i].f[ckey], "sy");
    support_table_free(&ev);
    support_table_free(&act);
}

/* ---- cabal ------------------------------------------------------------------------------------- */

static double summary_value(const char *out, const char *col)
{
    support_table t;
    load(out, "summary.csv", &t);
    int c = support_col(&t, col);
    assert_true(c >= 0);
    double v = atof(t.rows[1].f[c]);
    support_table_free(&t);
    return v;
}

/* A cabal below kappa (stake share 0.2 < 0.5) keeps less than its stake
 * share of the emission (retention < 1); above it (0.7) it keeps more, and
 * more than below. Over three seeds. */
static void test_cabal_retention(void **state)
{
    (void)state;
    for (int seed = 1; seed <= 3; seed++) {
        char s1[32], s2[32];
        snprintf(s1, sizeof s1, "run.seed=%d", seed);
        const char *low_sets[] = {s1, "cabal.evil.stake_share=0.2"};
        const char *high_sets[] = {s1, "cabal.evil.stake_share=0.7"};
        (void)s2;
        const char *cabal = "[cabal evil]\ncount = 2\nminers = 6\nstake_share = 0.2\nself_weight = 1\n";
        char name[32];
        snprintf(name, sizeof name, "cabal-low-%d", seed);
        const char *lo = run_extra(name, cabal, low_sets, 2, NULL);
        double r_lo = summary_value(lo, "evil.retention");
        snprintf(name, sizeof name, "cabal-high-%d", seed);
        const char *hi = run_extra(name, cabal, high_sets, 2, NULL);
        double r_hi = summary_value(hi, "evil.retention");
        if (!(r_lo < 1.0)) fail_msg("seed %d: retention below kappa %.3f, expected < 1", seed, r_lo);
        if (!(r_hi > 1.0 && r_hi > r_lo)) fail_msg("seed %d: retention above kappa %.3f (below %.3f)", seed, r_hi, r_lo);
    }
}

/* A cabal's coordinated stake move: at merge_at its validators but the
 * largest take their own stake back and stake it on the largest. */
static void test_cabal_merge(void **state)
{
    (void)state;
    const char *out = run_extra("cabal-merge", "[cabal evil]\ncount = 3\nminers = 4\nstake_share = 0.3\nmerge_at = 8000\n",
                                NULL, 0, NULL);
    support_table act;
    load(out, "actions.csv", &act);
    int cop = support_col(&act, "op"), ckey = support_col(&act, "key"), cval = support_col(&act, "value"),
        cblk = support_col(&act, "block");
    int moved = 0;
    for (size_t i = 1; i < act.nrows; i++) {
        const char *k = act.rows[i].f[ckey];
        if (strncmp(k, "evil-", 5) || strcmp(act.rows[i].f[cop], "remove_stake")) continue;
        char own[64];
        snprintf(own, sizeof own, "hotkey=%sh ", k);
        if (!strstr(act.rows[i].f[cval], own)) continue;
        assert_true(strtoull(act.rows[i].f[cblk], NULL, 10) >= 8000);
        moved++;
    }
    assert_int_equal(moved, 2); /* all but the largest */
    support_table_free(&act);
}

/* With the twin on, honest miners lose to a cabal above kappa. */
static void test_twin_loss(void **state)
{
    (void)state;
    const char *sets[] = {"run.twin=on"};
    const char *out = run_extra("twin", "[cabal evil]\ncount = 2\nminers = 6\nstake_share = 0.7\n", sets, 1, NULL);
    double loss = summary_value(out, "honest_miner_loss");
    assert_true(loss > 0.3 && loss <= 1.0);
    char twin[300];
    snprintf(twin, sizeof twin, "%s/.twin", out);
    assert_false(support_exists(twin)); /* the twin leaves nothing behind */
}

static int setup(void **state)
{
    (void)state;
    support_tmpdir(dir, "agent");
    return dir[0] ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    support_rmtree(dir);
    return 0;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_perception_z), cmocka_unit_test(test_wta_validator),
        cmocka_unit_test(test_copier_consensus), cmocka_unit_test(test_lazy_modes),
        cmocka_unit_test(test_whales), cmocka_unit_test(test_sybil),
        cmocka_unit_test(test_cabal_retention), cmocka_unit_test(test_cabal_merge), cmocka_unit_test(test_twin_loss),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
