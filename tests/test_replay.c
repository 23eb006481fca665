/* test_replay.c -- `taosim replay` end to end, through the binary in
 * TAOSIM_BIN (the path a user takes).
 *
 *  - the epoch vectors: tests/replay/<case>.csv rebuild the state of each
 *    scenario of epoch_vectors.md with the rows a user would write; the
 *    expected outputs under tests/replay/<case>.expected/ are transcribed from
 *    its Appendix A (MODEL values, which agree with every upstream ASSERT).
 *    Comparison skips '#' lines; an expected field "*" matches anything and
 *    "X*" matches a field starting with X.
 *  - properties: per epoch Σ incentive and Σ dividends <= 65535, Σ emission
 *    <= the amount distributed; permuting rows of different uids within a
 *    block (weights, stake) changes nothing.
 *  - bad input: one case per error class, each "FILE:LINE: reason" on one
 *    stderr line, exit 2, and no output directory left behind.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <csv.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

/* Paths here are short (a mkdtemp directory under /tmp); GCC cannot see that. */
#pragma GCC diagnostic ignored "-Wformat-truncation"

static char tmpdir[PATH_MAX];
static char bin[PATH_MAX];

/* ---- running the binary -------------------------------------------------- */

/* Run `taosim replay ARGS` from `cwd` (NULL: here); stderr into errbuf. */
static int run_in(const char *cwd, const char *args, char *errbuf, size_t errn)
{
    char errpath[PATH_MAX + 32], cmd[4 * PATH_MAX];
    snprintf(errpath, sizeof errpath, "%s/stderr.txt", tmpdir);
    snprintf(cmd, sizeof cmd, "%s%s%s'%s' replay %s >/dev/null 2>'%s'", cwd ? "cd '" : "", cwd ? cwd : "",
             cwd ? "' && " : "", bin, args, errpath);
    int st = system(cmd);
    if (errbuf) {
        errbuf[0] = '\0';
        FILE *f = fopen(errpath, "r");
        if (f) {
            size_t n = fread(errbuf, 1, errn - 1, f);
            errbuf[n] = '\0';
            fclose(f);
        }
    }
    return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

static int run(const char *args, char *errbuf, size_t errn)
{
    return run_in(NULL, args, errbuf, errn);
}

static bool exists(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0;
}

static void write_file(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
}

/* ---- reading CSV (libcsv), '#' lines skipped ------------------------------ */

#define MAXF 20
typedef struct row {
    int nf;
    char *f[MAXF];
} row;
typedef struct table {
    int n, cap;
    row *rows;
    row cur;
} table;

static void t_field(void *s, size_t len, void *ctx)
{
    table *t = ctx;
    if (t->cur.nf < MAXF) {
        char *c = malloc(len + 1);
        memcpy(c, s, len);
        c[len] = '\0';
        t->cur.f[t->cur.nf] = c;
    }
    t->cur.nf++;
}

static void t_row(int c, void *ctx)
{
    (void)c;
    table *t = ctx;
    if (t->n == t->cap) {
        t->cap = t->cap ? 2 * t->cap : 64;
        t->rows = realloc(t->rows, (size_t)t->cap * sizeof *t->rows);
    }
    t->rows[t->n++] = t->cur;
    memset(&t->cur, 0, sizeof t->cur);
}

static table load(const char *path)
{
    table t;
    memset(&t, 0, sizeof t);
    FILE *f = fopen(path, "r");
    if (!f) fail_msg("cannot read %s", path);
    struct csv_parser p;
    csv_init(&p, CSV_APPEND_NULL);
    char line[65536];
    while (fgets(line, sizeof line, f))
        if (line[0] != '#') csv_parse(&p, line, strlen(line), t_field, t_row, &t);
    csv_fini(&p, t_field, t_row, &t);
    csv_free(&p);
    fclose(f);
    return t;
}

static void unload(table *t)
{
    for (int i = 0; i < t->n; i++)
        for (int k = 0; k < t->rows[i].nf && k < MAXF; k++) free(t->rows[i].f[k]);
    free(t->rows);
}

static bool field_matches(const char *want, const char *got)
{
    size_t n = strlen(want);
    if (n && want[n - 1] == '*') return strncmp(want, got, n - 1) == 0;
    return strcmp(want, got) == 0;
}

/* Compare an output CSV with an expected one (wildcards allowed). */
static void compare(const char *got_path, const char *want_path)
{
    table g = load(got_path), w = load(want_path);
    for (int i = 0; i < w.n && i < g.n; i++) {
        if (w.rows[i].nf != g.rows[i].nf)
            fail_msg("%s row %d: %d fields, expected %d (%s)", got_path, i + 1, g.rows[i].nf, w.rows[i].nf, want_path);
        for (int k = 0; k < w.rows[i].nf; k++)
            if (!field_matches(w.rows[i].f[k], g.rows[i].f[k]))
                fail_msg("%s data row %d field %d (%s): got '%s', expected '%s' (%s)", got_path, i, k + 1,
                         w.rows[0].f[k], g.rows[i].f[k], w.rows[i].f[k], want_path);
    }
    if (w.n != g.n) fail_msg("%s: %d rows, expected %d (%s)", got_path, g.n, w.n, want_path);
    unload(&g);
    unload(&w);
}

/* ---- properties over epochs.csv ------------------------------------------ */

/* The `value` of every epoch row of a replay file, in order. */
static int epoch_amounts(const char *replay_path, unsigned long long *amt, int max)
{
    table t = load(replay_path);
    int n = 0;
    for (int i = 1; i < t.n; i++)
        if (t.rows[i].nf == 6 && strcmp(t.rows[i].f[1], "epoch") == 0 && n < max)
            amt[n++] = strtoull(t.rows[i].f[5], NULL, 10);
    unload(&t);
    return n;
}

/* Σ incentive, Σ dividends <= 65535 and Σ emission (and its parts) <= E for
 * every epoch (a group of rows starting at uid 0). */
static void check_sums(const char *epochs_path, const char *replay_path)
{
    static unsigned long long amt[4096];
    int nep = epoch_amounts(replay_path, amt, 4096), ep = -1;
    table t = load(epochs_path);
    unsigned long long inc = 0, div = 0;
    unsigned __int128 em = 0, srv = 0, val = 0;
    for (int i = 1; i <= t.n; i++) {
        bool start = i == t.n || strcmp(t.rows[i].f[2], "0") == 0;
        if (start && ep >= 0) {
            assert_true(inc <= 65535);
            assert_true(div <= 65535);
            assert_true(em <= amt[ep]);
            assert_true(srv + val <= amt[ep]);
        }
        if (i == t.n) break;
        if (start) {
            ep++;
            inc = div = 0;
            em = srv = val = 0;
        }
        inc += strtoull(t.rows[i].f[10], NULL, 10);
        div += strtoull(t.rows[i].f[11], NULL, 10);
        em += strtoull(t.rows[i].f[13], NULL, 10);
        srv += strtoull(t.rows[i].f[14], NULL, 10);
        val += strtoull(t.rows[i].f[15], NULL, 10);
    }
    assert_int_equal(ep + 1, nep);
    unload(&t);
}

/* ---- the epoch vectors ---------------------------------------------------- */

/* Replay tests/replay/NAME.csv and compare every output that has an
 * expected file; `sums` checks the epoch properties against its epoch rows. */
static void run_case_opt(const char *name, bool sums)
{
    char args[2 * PATH_MAX], err[4096], got[PATH_MAX + 64], want[PATH_MAX + 64], src[PATH_MAX];
    snprintf(src, sizeof src, "tests/replay/%s.csv", name);
    snprintf(args, sizeof args, "'%s' --out '%s/%s'", src, tmpdir, name);
    int rc = run(args, err, sizeof err);
    if (rc != 0) fail_msg("taosim replay %s: exit %d: %s", src, rc, err);
    static const char *const files[] = {"epochs.csv", "bonds.csv", "rejected.csv",
                                        "blocks.csv", "subnets.csv", "accounts.csv"};
    for (int i = 0; i < 6; i++) {
        snprintf(want, sizeof want, "tests/replay/%s.expected/%s", name, files[i]);
        snprintf(got, sizeof got, "%s/%s/%s", tmpdir, name, files[i]);
        if (exists(want)) compare(got, want);
    }
    snprintf(got, sizeof got, "%s/%s/epochs.csv", tmpdir, name);
    if (sums) check_sums(got, src);
}

static void run_case(const char *name)
{
    run_case_opt(name, true);
}

/* The chain's economics vectors (economics_vectors.md), transcribed into
 * tests/replay/econ_*.expected: a "*" field is one the vector does not
 * assert. Scheduled epochs have no epoch rows, so no epoch sums here. */
static void test_econ_vectors(void **state)
{
    (void)state;
    static const char *const cases[] = {"econ_e1_lock_cost", "econ_e3_network_rate_limit", "econ_d1_root_weights",
                                        "econ_c1_coinbase",  "econ_f1_difficulty",         "econ_f2_burn",
                                        "econ_g_staking_limits", "econ_c6_add_stake"};
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) run_case_opt(cases[i], false);
}

static void test_1_graph(void **state)
{
    (void)state;
    run_case("test_1_graph");
}

static void test_10_graph(void **state)
{
    (void)state;
    run_case("test_10_graph");
}

static void test_bonds(void **state)
{
    (void)state;
    run_case("test_bonds");
}

static void test_active_stake(void **state)
{
    (void)state;
    run_case("test_active_stake");
}

static void test_zero_weights(void **state)
{
    (void)state;
    run_case("test_zero_weights");
}

/* Every refusal reachable from a replay, with the chain's error name. */
static void test_refusals(void **state)
{
    (void)state;
    run_case("refusals");
}

/* epoch_vectors.md §12: accepted alpha values. */
static void test_alpha_accepted(void **state)
{
    (void)state;
    run_case("alpha_values");
}

/* ---- Yuma 3 (yuma3_vectors.md, yuma3.md) -------------------------------------- */

/* yuma3_vectors.md §1 / Appendix A.1 and §2 / A.2: every epoch's u16 dividends,
 * combined emission and stored bond rows at the MODEL's exact values. */
static void test_yuma3_kappa_moves_first(void **state)
{
    (void)state;
    run_case("yuma3_kappa_moves_first");
}

static void test_yuma3_kappa_moves_second(void **state)
{
    (void)state;
    run_case("yuma3_kappa_moves_second");
}

/* yuma3.md §5: the worked micro-example. */
static void test_yuma3_micro_example(void **state)
{
    (void)state;
    run_case("yuma3_micro_example");
}

/* The chain-wide StakeThreshold: refusals and the Yuma 3 stake filter. */
static void test_yuma3_stake_threshold(void **state)
{
    (void)state;
    run_case("yuma3_stake_threshold");
}

/* The owner keeps its self-weight under Yuma 3, not under v1.2.4. */
static void test_yuma3_owner(void **state)
{
    (void)state;
    run_case("yuma3_owner");
}

/* The v3.2.7 setters accept what v1.2.4 refuses (and signed values). */
static void test_yuma3_alpha_accepted(void **state)
{
    (void)state;
    run_case("yuma3_alpha_values");
}

/* ---- bad input -------------------------------------------------------------- */

/* Run a replay that must fail: exit 2, one stderr line "PREFIX...", that
 * contains `has`, and the --out directory must not exist afterwards. */
static void expect_bad(const char *path, const char *prefix, const char *has)
{
    char out[PATH_MAX + 32], args[3 * PATH_MAX], err[4096];
    static int seq;
    snprintf(out, sizeof out, "%s/bad-out-%d/nested", tmpdir, ++seq);
    snprintf(args, sizeof args, "'%s' --out '%s'", path, out);
    int rc = run(args, err, sizeof err);
    if (rc != 2) fail_msg("%s: exit %d, expected 2 (%s)", path, rc, err);
    if (strncmp(err, prefix, strlen(prefix)) != 0) fail_msg("%s: stderr '%s' does not start with '%s'", path, err, prefix);
    if (!strstr(err, has)) fail_msg("%s: stderr '%s' does not mention '%s'", path, err, has);
    char *nl = strchr(err, '\n');
    assert_non_null(nl);
    assert_int_equal(nl[1], '\0'); /* exactly one line */
    assert_false(exists(out));
    *strrchr(out, '/') = '\0';
    assert_false(exists(out)); /* parents we created are gone too */
}

static const char HDR[] = "block,op,netuid,uid,key,value\n";
static const char SETUP[] = "block,op,netuid,uid,key,value\n"
                            "0,subnet,1,,,\n"
                            "0,register,1,,a,\n"
                            "0,register,1,,b,\n"; /* lines 1-4 */

static const struct bad_case {
    const char *name, *text;
    int line;
    const char *has;
} bad_cases[] = {
    {"columns", "block,op,netuid,uid,key,value\n0,subnet,1,,\n", 2, "expected 6 columns"},
    {"columns_more", "block,op,netuid,uid,key,value\n0,subnet,1,,,,\n", 2, "found 7"},
    {"non_integer_block", "block,op,netuid,uid,key,value\nx1,subnet,1,,,\n", 2, "column block: 'x1'"},
    {"non_integer_netuid", "block,op,netuid,uid,key,value\n0,subnet,-1,,,\n", 2, "column netuid: '-1'"},
    {"netuid_too_big", "block,op,netuid,uid,key,value\n0,subnet,65536,,,\n", 2, "0..65535"},
    {"non_integer_value", "block,op,netuid,uid,key,value\n0,subnet,1,,,\n# c\n0,epoch,1,,,1e9\n", 4,
     "column value: '1e9'"},
    {"u64_overflow", "block,op,netuid,uid,key,value\n18446744073709551616,subnet,1,,,\n", 2, "unsigned 64-bit"},
    {"unknown_op", "block,op,netuid,uid,key,value\n0,frobnicate,1,,,\n", 2,
     "unknown op 'frobnicate' (valid ops: subnet, hparam, register, stake, weights, bonds, epoch, owner, "
     "reset_bonds, genesis, run, balance, transfer, register_network, burned_register, pow_register, root_register, "
     "set_root_weights, add_stake, remove_stake, become_delegate, decrease_take, increase_take)"},
    {"unknown_hparam", "block,op,netuid,uid,key,value\n0,subnet,1,,,\n0,hparam,1,,frob,10\n", 3,
     "unknown hparam key 'frob' (valid keys: kappa, bonds_moving_average, activity_cutoff, max_allowed_validators, "
     "max_allowed_uids, liquid_alpha_enabled, alpha_low, alpha_high, tempo, min_allowed_weights, max_weight_limit, "
     "weights_set_rate_limit, weights_version, immunity_period, yuma_version, bonds_penalty, "
     "alpha_sigmoid_steepness, bonds_reset_enabled, yuma3_sigmoid_clamp, incentive_wta, rho, "},
    {"unknown_hparam_tail", "block,op,netuid,uid,key,value\n0,subnet,1,,,\n0,hparam,1,,frob,10\n", 3,
     "network_max_stake, burn, difficulty, emission_value; chain-wide keys take an empty netuid)"},
    {"hparam_global_with_netuid", "block,op,netuid,uid,key,value\n0,subnet,1,,,\n0,hparam,1,,stake_threshold,5\n", 3,
     "hparam stake_threshold is chain-wide: leave netuid empty"},
    {"hparam_subnet_key_without_netuid", "block,op,netuid,uid,key,value\n0,hparam,,,kappa,5\n", 2,
     "hparam kappa is per subnet: give a netuid"},
    {"hparam_unknown_global", "block,op,netuid,uid,key,value\n0,hparam,,,tao_weight,5\n", 2,
     "stake_interval, stake_threshold, nominator_min_required_stake, "}, /* listed among the global keys */
    {"hparam_global_range", "block,op,netuid,uid,key,value\n0,hparam,,,stake_threshold,-1\n", 2,
     "column value: '-1' is not an unsigned 64-bit integer"},
    {"hparam_i16_high", "block,op,netuid,uid,key,value\n0,subnet,1,,,\n0,hparam,1,,alpha_sigmoid_steepness,32768\n", 3,
     "hparam alpha_sigmoid_steepness = 32768 is out of range -32768..32767 (an i16)"},
    {"hparam_i16_low", "block,op,netuid,uid,key,value\n0,subnet,1,,,\n0,hparam,1,,alpha_sigmoid_steepness,-32769\n", 3,
     "out of range -32768..32767"},
    {"hparam_i16_syntax", "block,op,netuid,uid,key,value\n0,subnet,1,,,\n0,hparam,1,,alpha_sigmoid_steepness,--1\n", 3,
     "column value: '--1' is not a signed 64-bit integer"},
    {"hparam_unsigned_negative", "block,op,netuid,uid,key,value\n0,subnet,1,,,\n0,hparam,1,,bonds_penalty,-1\n", 3,
     "column value: '-1' is not an unsigned 64-bit integer"},
    {"hparam_bonds_penalty_range", "block,op,netuid,uid,key,value\n0,subnet,1,,,\n0,hparam,1,,bonds_penalty,65536\n", 3,
     "hparam bonds_penalty = 65536 is out of range 0..65535"},
    {"hparam_clamp_bool", "block,op,netuid,uid,key,value\n0,subnet,1,,,\n0,hparam,1,,yuma3_sigmoid_clamp,2\n", 3,
     "hparam yuma3_sigmoid_clamp = 2 is out of range 0..1"},
    {"hparam_reset_bool", "block,op,netuid,uid,key,value\n0,subnet,1,,,\n0,hparam,1,,bonds_reset_enabled,2\n", 3,
     "hparam bonds_reset_enabled = 2 is out of range 0..1"},
    {"owner_uid", NULL, 5, "uid 2 is not registered on netuid 1"},
    {"owner_columns", "block,op,netuid,uid,key,value\n0,subnet,1,,,\n0,register,1,,a,\n0,owner,1,0,,1\n", 4,
     "op owner takes no value"},
    {"reset_bonds_uid", NULL, 5, "uid 7 is not registered on netuid 1"},
    {"reset_bonds_no_subnet", "block,op,netuid,uid,key,value\n0,reset_bonds,4,0,,\n", 2, "subnet 4 does not exist"},
    {"hparam_range", "block,op,netuid,uid,key,value\n0,subnet,1,,,\n0,hparam,1,,kappa,65536\n", 3,
     "hparam kappa = 65536 is out of range 0..65535"},
    {"hparam_bool", "block,op,netuid,uid,key,value\n0,subnet,1,,,\n0,hparam,1,,liquid_alpha_enabled,2\n", 3,
     "out of range 0..1"},
    {"hparam_max_uids_limit", "block,op,netuid,uid,key,value\n0,subnet,1,,,\n0,hparam,1,,max_allowed_uids,4097\n", 3,
     "out of range 1..4096"},
    {"hparam_setter_validators",
     "block,op,netuid,uid,key,value\n0,subnet,1,,,\n0,hparam,1,,max_allowed_validators,257\n", 3,
     "refused by the chain's setter: MaxValidatorsLargerThanMaxUIds"},
    {"hparam_setter_uids", "block,op,netuid,uid,key,value\n0,subnet,1,,,\n0,register,1,,a,\n0,hparam,1,,max_allowed_uids,1\n",
     4, "MaxAllowedUIdsLessThanCurrentUIds"},
    {"yuma_version", "block,op,netuid,uid,key,value\n0,subnet,1,,,\n0,hparam,1,,yuma_version,1\n", 3,
     "out of range 2..3"},
    {"hparam_no_subnet", "block,op,netuid,uid,key,value\n0,hparam,1,,kappa,1\n", 2, "subnet 1 does not exist"},
    {"bad_pair", "block,op,netuid,uid,key,value\n0,subnet,1,,,\n0,register,1,,a,\n1,weights,1,0,,0:1 1-2\n", 4,
     "'1-2' is not a dest:weight pair"},
    {"bad_pair_range", "block,op,netuid,uid,key,value\n0,subnet,1,,,\n0,register,1,,a,\n1,weights,1,0,,0:65536\n", 4,
     "'0:65536' is not a dest:weight pair"},
    {"bad_pair_empty", "block,op,netuid,uid,key,value\n0,subnet,1,,,\n0,register,1,,a,\n1,bonds,1,0,,0:\n", 4,
     "'0:' is not a dest:bond pair"},
    {"bonds_range", NULL, 5, "bond destination 2 is out of range"},
    {"bonds_repeat", NULL, 5, "bond destination 1 appears twice"},
    {"uid_register", NULL, 5, "uid 3 is beyond the subnet size 2"},
    {"uid_weights", NULL, 5, "uid 3 is beyond the subnet size 2"},
    {"uid_stake", NULL, 5, "uid 2 is not registered on netuid 1"},
    {"decreasing_block", NULL, 6, "block 4 is before block 5"},
    {"bad_header", "block,op,netuid,uid,key\n0,subnet,1,,\n", 1, "header 'block,op,netuid,uid,key,value'"},
    {"junk_before_header", "hello\nblock,op,netuid,uid,key,value\n", 1, "header"},
    {"comment_then_bad_header", "# provenance\nblock,op\n", 2, "header"},
    {"empty_file", "", 1, "empty file"},
    {"unterminated_quote", "block,op,netuid,uid,key,value\n0,subnet,1,,,\n0,register,1,,\"abc,\n", 3,
     "unterminated quoted field"},
    {"comment_open_quote", "block,op,netuid,uid,key,value\n# a \"quoted\" word is fine\n# but, \"open\n0,subnet,1,,,\n", 3,
     "quoted field spans lines"},
    {"column_not_taken", "block,op,netuid,uid,key,value\n0,subnet,1,3,,\n", 2, "op subnet takes no uid"},
    {"column_missing", "block,op,netuid,uid,key,value\n0,subnet,1,,,\n0,epoch,1,,,\n", 3, "op epoch needs column value"},
    {"hotkey_name", "block,op,netuid,uid,key,value\n0,subnet,1,,,\n0,register,1,,a\tb,\n", 3, "hotkey name"},
    {"subnet_twice", "block,op,netuid,uid,key,value\n0,subnet,1,,,\n0,subnet,1,,,\n", 3, "subnet 1 already exists"},
    {"subnet_root", "block,op,netuid,uid,key,value\n0,subnet,0,,,\n", 2, "root network"},
    {"epoch_no_subnet", "block,op,netuid,uid,key,value\n0,epoch,3,,,1\n", 2, "subnet 3 does not exist"},
    /* the chain replay (issue 6) */
    {"chain_unknown_arg", "block,op,netuid,uid,key,value\n0,genesis,,,,\n0,balance,,,a,amount=5 colour=red\n", 3,
     "op balance: 'colour=red' is not one of its arguments (amount=...)"},
    {"chain_missing_arg", "block,op,netuid,uid,key,value\n0,balance,,,a,\n", 2, "op balance needs column value"},
    {"chain_missing_arg2", "block,op,netuid,uid,key,value\n0,balance,,,a,amount=5\n0,add_stake,,,a,amount=5\n", 3,
     "op add_stake needs argument hotkey=..."},
    {"chain_arg_twice", "block,op,netuid,uid,key,value\n0,balance,,,a,amount=5 amount=6\n", 2,
     "argument amount given twice"},
    {"chain_bad_amount", "block,op,netuid,uid,key,value\n0,balance,,,a,amount=12x\n", 2,
     "argument amount: '12x' is not an integer"},
    {"chain_unknown_coldkey", "block,op,netuid,uid,key,value\n0,genesis,,,,\n0,add_stake,,,ghost,hotkey=h amount=1\n", 3,
     "coldkey 'ghost' is unknown"},
    {"chain_overflow", "block,op,netuid,uid,key,value\n0,balance,,,a,amount=9223372036854775807\n"
                       "0,balance,,,b,amount=9223372036854775807\n", 3, "above 2^63 RAO"},
    {"chain_genesis_late", "block,op,netuid,uid,key,value\n0,subnet,1,,,\n0,genesis,,,,\n", 3,
     "genesis must be the first data row"},
    {"chain_unknown_preset", "block,op,netuid,uid,key,value\n0,genesis,,,,preset=kusama\n", 2,
     "unknown preset 'kusama' (valid presets: finney-v1.2.4, mock-v1.2.4)"},
    {"chain_unknown_global", "block,op,netuid,uid,key,value\n0,hparam,,,subnet_limits,3\n", 2,
     "unknown global parameter 'subnet_limits' (valid keys: subnet_owner_cut, "},
    {"chain_global_range", "block,op,netuid,uid,key,value\n0,hparam,,,subnet_limit,65536\n", 2,
     "global subnet_limit = 65536 is out of range 0..65535"},
    {"chain_run_column", "block,op,netuid,uid,key,value\n0,genesis,,,,\n5,run,1,,,\n", 3, "op run takes no netuid"},
    {"chain_name_too_long", "block,op,netuid,uid,key,value\n0,balance,,,a,amount=5\n"
                            "0,root_register,,,a,hotkey=aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\n", 3,
     "argument hotkey: a name of 1..63 bytes is expected"},
};

/* Cases built on SETUP (lines 1-4: subnet 1 with uids 0 and 1). */
static const char *bad_text(const struct bad_case *c, char *buf, size_t n)
{
    if (c->text) return c->text;
    const char *tail = "";
    if (!strcmp(c->name, "bonds_range")) tail = "1,bonds,1,0,,2:1\n";
    if (!strcmp(c->name, "bonds_repeat")) tail = "1,bonds,1,0,,1:1 1:2\n";
    if (!strcmp(c->name, "uid_register")) tail = "1,register,1,3,c,\n";
    if (!strcmp(c->name, "uid_weights")) tail = "1,weights,1,3,,0:1\n";
    if (!strcmp(c->name, "uid_stake")) tail = "1,stake,1,2,,5\n";
    if (!strcmp(c->name, "decreasing_block")) tail = "5,stake,1,0,,5\n4,stake,1,1,,5\n";
    if (!strcmp(c->name, "owner_uid")) tail = "1,owner,1,2,,\n";
    if (!strcmp(c->name, "reset_bonds_uid")) tail = "1,reset_bonds,1,7,,\n";
    snprintf(buf, n, "%s%s", SETUP, tail);
    return buf;
}

static void test_bad_input(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof bad_cases / sizeof bad_cases[0]; i++) {
        const struct bad_case *c = &bad_cases[i];
        char path[PATH_MAX + 64], prefix[PATH_MAX + 96], buf[1024];
        snprintf(path, sizeof path, "%s/bad-%s.csv", tmpdir, c->name);
        write_file(path, bad_text(c, buf, sizeof buf));
        snprintf(prefix, sizeof prefix, "%s:%d: ", path, c->line);
        expect_bad(path, prefix, c->has);
    }
}

static void test_missing_file(void **state)
{
    (void)state;
    char path[PATH_MAX + 32], prefix[PATH_MAX + 64];
    snprintf(path, sizeof path, "%s/no-such-file.csv", tmpdir);
    snprintf(prefix, sizeof prefix, "%s: cannot read: ", path);
    expect_bad(path, prefix, "No such file");
}

/* epoch_vectors.md §12: what do_set_alpha_values refuses is a malformed row. */
static void test_alpha_refused(void **state)
{
    (void)state;
    expect_bad("tests/replay/alpha_disabled.csv", "tests/replay/alpha_disabled.csv:5: ",
               "hparam alpha_high = 65535 is refused by the chain's setter: LiquidAlphaDisabled");
    expect_bad("tests/replay/alpha_high_too_low.csv", "tests/replay/alpha_high_too_low.csv:5: ",
               "hparam alpha_high = 52427 is refused by the chain's setter: AlphaHighTooLow");
    expect_bad("tests/replay/alpha_low_zero.csv", "tests/replay/alpha_low_zero.csv:5: ",
               "hparam alpha_low = 0 is refused by the chain's setter: AlphaLowOutOfRange");
    expect_bad("tests/replay/alpha_low_52429.csv", "tests/replay/alpha_low_52429.csv:5: ",
               "hparam alpha_low = 52429 is refused by the chain's setter: AlphaLowOutOfRange");
}

/* yuma3.md §3: alpha_low / alpha_high are checked by the setter of the
 * subnet's variant when they are set (each row a do_set_alpha_values call with
 * the other value as stored). */
static void test_yuma3_alpha_refused(void **state)
{
    (void)state;
    static const struct {
        const char *rows;
        const char *has;
    } cases[] = {
        /* v3.2.7: alpha_high >= 1638, 1638 <= alpha_low <= alpha_high */
        {"0,hparam,1,,yuma_version,3\n0,hparam,1,,liquid_alpha_enabled,1\n0,hparam,1,,alpha_high,1637\n",
         "hparam alpha_high = 1637 is refused by the chain's setter: AlphaHighTooLow"},
        {"0,hparam,1,,yuma_version,3\n0,hparam,1,,liquid_alpha_enabled,1\n0,hparam,1,,alpha_low,1637\n",
         "hparam alpha_low = 1637 is refused by the chain's setter: AlphaLowOutOfRange"},
        {"0,hparam,1,,yuma_version,3\n0,hparam,1,,liquid_alpha_enabled,1\n0,hparam,1,,alpha_low,58983\n",
         "AlphaLowOutOfRange (alpha_low 58983 must satisfy 1638 <= alpha_low <= alpha_high (58982)"},
        {"0,hparam,1,,yuma_version,3\n0,hparam,1,,liquid_alpha_enabled,1\n0,hparam,1,,alpha_high,45874\n",
         "hparam alpha_high = 45874 is refused by the chain's setter: AlphaLowOutOfRange"},
        {"0,hparam,1,,yuma_version,3\n0,hparam,1,,alpha_low,6553\n",
         "hparam alpha_low = 6553 is refused by the chain's setter: LiquidAlphaDisabled"},
        /* the Yuma 3 tests' (6553, 19660) on a v1.2.4 subnet */
        {"0,hparam,1,,liquid_alpha_enabled,1\n0,hparam,1,,alpha_high,19660\n",
         "hparam alpha_high = 19660 is refused by the chain's setter: AlphaHighTooLow"},
        /* the bounds are the variant's at the moment of the call */
        {"0,hparam,1,,yuma_version,3\n0,hparam,1,,liquid_alpha_enabled,1\n0,hparam,1,,alpha_low,6553\n"
         "0,hparam,1,,alpha_high,19660\n0,hparam,1,,yuma_version,2\n0,hparam,1,,alpha_low,6553\n",
         "hparam alpha_low = 6553 is refused by the chain's setter: AlphaHighTooLow"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char path[PATH_MAX + 64], prefix[PATH_MAX + 96], text[1024];
        snprintf(path, sizeof path, "%s/yuma3-alpha-%zu.csv", tmpdir, i);
        snprintf(text, sizeof text, "block,op,netuid,uid,key,value\n0,subnet,1,,,\n%s", cases[i].rows);
        write_file(path, text);
        int line = 2;
        for (const char *q = cases[i].rows; *q; q++) line += *q == '\n';
        snprintf(prefix, sizeof prefix, "%s:%d: ", path, line);
        expect_bad(path, prefix, cases[i].has);
    }
}

/* A failed replay leaves the previous outputs of DIR untouched (and no
 * temporaries); a good one replaces them. */
static void test_atomic_outputs(void **state)
{
    (void)state;
    char args[3 * PATH_MAX], err[4096], path[PATH_MAX + 64], bad[PATH_MAX + 64], dir[PATH_MAX + 64];
    snprintf(dir, sizeof dir, "%s/atomic", tmpdir);
    snprintf(args, sizeof args, "tests/replay/test_1_graph.csv --out '%s'", dir);
    assert_int_equal(run(args, err, sizeof err), 0);
    snprintf(path, sizeof path, "%s/epochs.csv", dir);
    snprintf(bad, sizeof bad, "%s/atomic-bad.csv", tmpdir);
    write_file(bad, "block,op,netuid,uid,key,value\n0,subnet,1,,,\n0,register,1,,a,\n0,epoch,1,,,5\n0,nope,1,,,\n");
    snprintf(args, sizeof args, "'%s' --out '%s'", bad, dir);
    assert_int_equal(run(args, err, sizeof err), 2);
    compare(path, "tests/replay/test_1_graph.expected/epochs.csv");
    snprintf(path, sizeof path, "%s/.epochs.csv.tmp", dir);
    assert_false(exists(path));
    snprintf(args, sizeof args, "tests/replay/test_10_graph.csv --out '%s'", dir);
    assert_int_equal(run(args, err, sizeof err), 0);
    snprintf(path, sizeof path, "%s/epochs.csv", dir);
    compare(path, "tests/replay/test_10_graph.expected/epochs.csv");
}

/* ---- order independence ----------------------------------------------------- */

static uint64_t lcg(uint64_t *s)
{
    *s = *s * 6364136223846793005ull + 1442695040888963407ull;
    return *s >> 33;
}

typedef struct gen_row {
    unsigned long long block;
    char text[160];
    int group; /* rows of one group may be permuted among themselves */
} gen_row;

/* A replay with stake changes, weights (some refused), a replacement on a full
 * subnet and epochs of up to 2^64-1 RAO. */
static int gen_scenario(gen_row *rows, int max, uint64_t seed)
{
    int n = 0, group = 0;
    uint64_t s = seed;
#define ADD(b, g, ...) do { rows[n].block = (b); rows[n].group = (g); snprintf(rows[n].text, sizeof rows[n].text, __VA_ARGS__); n++; } while (0)
    ADD(0, group++, "0,subnet,1,,,");
    ADD(0, group++, "0,hparam,1,,max_allowed_uids,12");
    ADD(0, group++, "0,hparam,1,,max_allowed_validators,6");
    ADD(0, group++, "0,hparam,1,,weights_set_rate_limit,3");
    ADD(0, group++, "0,hparam,1,,min_allowed_weights,2");
    ADD(0, group++, "0,hparam,1,,immunity_period,10");
    for (int u = 0; u < 12; u++) ADD(0, group++, "0,register,1,,hk%d,", u);
    ADD(0, group++, "0,bonds,1,0,,3:100 5:65535");
    for (unsigned long long b = 1; b <= 60 && n < max - 40; b++) {
        int g = group++;
        for (int u = 0; u < 12; u++)
            if (lcg(&s) % 4 == 0) ADD(b, g, "%llu,stake,1,%d,,%llu", b, u, (unsigned long long)(lcg(&s) % 5000000000ull));
        g = group++;
        for (int u = 0; u < 12; u++) {
            if (lcg(&s) % 3) continue;
            char w[120] = "";
            for (int d = 0, k = 0; d < 12; d++)
                if (lcg(&s) % 2) k += snprintf(w + k, sizeof w - (size_t)k, "%s%d:%llu", k ? " " : "", d, (unsigned long long)(lcg(&s) % 65536));
            ADD(b, g, "%llu,weights,1,%d,,%s", b, u, w);
        }
        if (b == 30) ADD(b, group++, "%llu,register,1,,newcomer,", b);
        if (b % 5 == 0) {
            unsigned long long e = b % 20 == 0 ? 18446744073709551615ull : 1000000000ull * (b / 5);
            ADD(b, group++, "%llu,epoch,1,,,%llu", b, e);
        }
    }
#undef ADD
    return n;
}

static void write_rows(const char *path, const gen_row *rows, int n, const int *order)
{
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(HDR, f);
    for (int i = 0; i < n; i++) fprintf(f, "%s\n", rows[order[i]].text);
    fclose(f);
}

/* Shuffle the order within each group (Fisher-Yates on the group's span). */
static void permute_groups(const gen_row *rows, int n, int *order, uint64_t seed)
{
    uint64_t s = seed;
    for (int i = 0; i < n; i++) order[i] = i;
    for (int a = 0; a < n;) {
        int b = a;
        while (b < n && rows[b].group == rows[a].group) b++;
        for (int i = b - 1; i > a; i--) {
            int j = a + (int)(lcg(&s) % (uint64_t)(i - a + 1)), t = order[i];
            order[i] = order[j];
            order[j] = t;
        }
        a = b;
    }
}

/* rejected.csv without the row column, sorted: what was refused, not where. */
static void compare_rejected_unordered(const char *a, const char *b)
{
    table x = load(a), y = load(b);
    assert_int_equal(x.n, y.n);
    int matched = 0;
    for (int i = 1; i < x.n; i++)
        for (int j = 1; j < y.n; j++) {
            bool same = x.rows[i].nf == y.rows[j].nf;
            for (int k = 1; same && k < x.rows[i].nf; k++) same = strcmp(x.rows[i].f[k], y.rows[j].f[k]) == 0;
            if (same) {
                matched++;
                break;
            }
        }
    assert_int_equal(matched, x.n - 1);
    unload(&x);
    unload(&y);
}

static void test_order_independence(void **state)
{
    (void)state;
    static gen_row rows[4096];
    static int order[4096];
    int n = gen_scenario(rows, 4096, 42);
    char pa[PATH_MAX + 64], pb[PATH_MAX + 64], args[3 * PATH_MAX], err[4096], fa[PATH_MAX + 64], fb[PATH_MAX + 64];
    snprintf(pa, sizeof pa, "%s/perm-a.csv", tmpdir);
    snprintf(pb, sizeof pb, "%s/perm-b.csv", tmpdir);
    permute_groups(rows, n, order, 0);
    for (int i = 0; i < n; i++) order[i] = i;
    write_rows(pa, rows, n, order);
    permute_groups(rows, n, order, 7);
    write_rows(pb, rows, n, order);
    snprintf(args, sizeof args, "'%s' --out '%s/perm-a'", pa, tmpdir);
    if (run(args, err, sizeof err) != 0) fail_msg("%s", err);
    snprintf(args, sizeof args, "'%s' --out '%s/perm-b'", pb, tmpdir);
    if (run(args, err, sizeof err) != 0) fail_msg("%s", err);
    static const char *const files[] = {"epochs.csv", "bonds.csv"};
    for (int i = 0; i < 2; i++) {
        snprintf(fa, sizeof fa, "%s/perm-a/%s", tmpdir, files[i]);
        snprintf(fb, sizeof fb, "%s/perm-b/%s", tmpdir, files[i]);
        compare(fb, fa);
    }
    snprintf(fa, sizeof fa, "%s/perm-a/rejected.csv", tmpdir);
    snprintf(fb, sizeof fb, "%s/perm-b/rejected.csv", tmpdir);
    compare_rejected_unordered(fa, fb);
    table rej = load(fa);
    assert_true(rej.n > 1); /* the scenario does exercise refusals */
    unload(&rej);
    snprintf(fa, sizeof fa, "%s/perm-a/epochs.csv", tmpdir);
    check_sums(fa, pa);
}

/* ---- the CLI around it ---------------------------------------------------------- */

static void test_help_and_usage(void **state)
{
    (void)state;
    char cmd[2 * PATH_MAX], out[16384];
    snprintf(cmd, sizeof cmd, "'%s' replay --help", bin);
    FILE *p = popen(cmd, "r");
    assert_non_null(p);
    size_t n = fread(out, 1, sizeof out - 1, p);
    out[n] = '\0';
    assert_int_equal(pclose(p), 0);
    static const char *const must[] = {"block,op,netuid,uid,key,value", "subnet", "hparam", "register", "stake",
                                       "weights", "bonds", "epoch", "epochs.csv", "bonds.csv", "rejected.csv",
                                       "pruning_score", "kappa", "example", "owner", "reset_bonds",
                                       "stake_threshold", "alpha_sigmoid_steepness", "yuma_version"};
    for (size_t i = 0; i < sizeof must / sizeof must[0]; i++)
        if (!strstr(out, must[i])) fail_msg("--help does not mention '%s'", must[i]);
    char err[4096];
    assert_int_equal(run("", err, sizeof err), 2);
    assert_non_null(strstr(err, "missing FILE.csv"));
    assert_int_equal(run("--frob x.csv", err, sizeof err), 2);
    assert_non_null(strstr(err, "unknown option '--frob'"));
    assert_int_equal(run("a.csv b.csv", err, sizeof err), 2);
    assert_int_equal(run("a.csv --out", err, sizeof err), 2);
}

/* Without --out the outputs go to out/replay-NAME/ under the current directory. */
static void test_default_outdir_and_example(void **state)
{
    (void)state;
    char cwd[PATH_MAX], args[2 * PATH_MAX], err[4096], path[PATH_MAX + 96];
    assert_non_null(getcwd(cwd, sizeof cwd));
    snprintf(args, sizeof args, "'%s/scenarios/replay-example.csv'", cwd);
    if (run_in(tmpdir, args, err, sizeof err) != 0) fail_msg("%s", err);
    snprintf(path, sizeof path, "%s/out/replay-replay-example/rejected.csv", tmpdir);
    table t = load(path);
    assert_int_equal(t.n, 2);
    assert_string_equal(t.rows[1].f[0], "25");
    assert_true(strncmp(t.rows[1].f[5], "SettingWeightsTooFast", 21) == 0);
    unload(&t);
    snprintf(path, sizeof path, "%s/out/replay-replay-example/epochs.csv", tmpdir);
    snprintf(args, sizeof args, "%s/scenarios/replay-example.csv", cwd);
    check_sums(path, args);
}

/* ---- main ------------------------------------------------------------------- */

static int setup(void **state)
{
    (void)state;
    const char *b = getenv("TAOSIM_BIN");
    if (!b) b = "out/bin/taosim";
    char cwd[PATH_MAX];
    if (b[0] == '/')
        snprintf(bin, sizeof bin, "%s", b);
    else if (getcwd(cwd, sizeof cwd))
        snprintf(bin, sizeof bin, "%.2047s/%.2047s", cwd, b);
    if (!exists(bin)) {
        fprintf(stderr, "test_replay: TAOSIM_BIN '%s' not found (build it first)\n", b);
        return -1;
    }
    snprintf(tmpdir, sizeof tmpdir, "/tmp/taosim-test-replay-XXXXXX");
    return mkdtemp(tmpdir) ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    char cmd[PATH_MAX + 32];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmpdir);
    return system(cmd) == 0 ? 0 : -1;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_1_graph),
        cmocka_unit_test(test_10_graph),
        cmocka_unit_test(test_bonds),
        cmocka_unit_test(test_active_stake),
        cmocka_unit_test(test_zero_weights),
        cmocka_unit_test(test_refusals),
        cmocka_unit_test(test_alpha_accepted),
        cmocka_unit_test(test_econ_vectors),
        cmocka_unit_test(test_alpha_refused),
        cmocka_unit_test(test_yuma3_kappa_moves_first),
        cmocka_unit_test(test_yuma3_kappa_moves_second),
        cmocka_unit_test(test_yuma3_micro_example),
        cmocka_unit_test(test_yuma3_stake_threshold),
        cmocka_unit_test(test_yuma3_owner),
        cmocka_unit_test(test_yuma3_alpha_accepted),
        cmocka_unit_test(test_yuma3_alpha_refused),
        cmocka_unit_test(test_bad_input),
        cmocka_unit_test(test_missing_file),
        cmocka_unit_test(test_atomic_outputs),
        cmocka_unit_test(test_order_independence),
        cmocka_unit_test(test_help_and_usage),
        cmocka_unit_test(test_default_outdir_and_example),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
