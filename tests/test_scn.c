/* test_scn.c -- the scn room: scenario files, types, sweeps, runs, seeds,
 * --set overrides, the resolved echo and distributions.
 *
 * Inputs are the files under tests/scn/ (paths relative to the repository root,
 * where `make test` runs the binaries). Expected values are worked out by hand
 * from the rules in include/taosim/scn.h: exact decimals, the run numbering
 * (p = r / N, i = r % N, last sweep fastest) and error texts. External
 * references: splitmix64 seeded 1234567 (Rosetta Code "Pseudo-random
 * numbers/Splitmix64") and seeded 0 (Vigna's splitmix64.c, first output
 * 0xe220a8397b1dcdaf); days since 1970 of 2000-01-01 (10957). Distribution
 * samples are compared with direct gsl_ran_* calls on a twin generator, never
 * with numbers this code printed.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <gsl/gsl_randist.h>
#include <gsl/gsl_rng.h>

#include "taosim/io.h"
#include "taosim/scn.h"

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))
#define TEN18 ((scn_i128)1000000000000000000LL)

/* ---- the test schema --------------------------------------------------------- */

static const char *const policies[] = {"honest", "lazy", "colluding", NULL};
static const char *const happenings[] = {"register", "deregister", "halt", NULL};

static const scn_key run_keys[] = {
    {.name = "seed", .type = SCN_U64, .def = "1", .doc = "base seed"},
    {.name = "repeat", .type = SCN_U64, .def = "1", .min = "1", .max = "1000", .unit = "runs"},
    {.name = "blocks", .type = SCN_U64, .def = "7200", .min = "1", .unit = "blocks"},
    {.name = "start", .type = SCN_BLOCK_OR_DATE, .def = "0"},
    {.name = "date", .type = SCN_DATE, .def = "2025-02-13", .min = "2020-01-01", .max = "2100-12-31"},
    {.name = "fee", .type = SCN_NUMBER, .def = "0.18", .min = "0", .max = "1", .unit = "fraction"},
    {.name = "offset", .type = SCN_INT, .def = "-5", .min = "-100", .max = "100", .unit = "blocks"},
    {.name = "label", .type = SCN_STRING, .def = "baseline"},
    {.name = "trace", .type = SCN_BOOL, .def = "true"},
};
static const scn_key chain_keys[] = {
    {.name = "issuance", .type = SCN_NUMBER, .def = "0", .min = "0", .unit = "TAO"},
    {.name = "halving", .type = SCN_BOOL, .def = "yes"},
};
static const scn_key subnet_keys[] = {
    {.name = "tempo", .type = SCN_INT, .def = "360", .min = "1", .max = "65535", .unit = "blocks"},
    {.name = "kappa", .type = SCN_NUMBER, .def = "0.5", .min = "0", .max = "1"},
    {.name = "owner", .type = SCN_STRING}, /* required */
};
static const scn_key agent_keys[] = {
    {.name = "subnet", .type = SCN_STRING, .def = "alpha"},
    {.name = "count", .type = SCN_U64, .def = "10", .max = "4096", .unit = "agents"},
    {.name = "policy", .type = SCN_ENUM, .def = "honest", .words = policies},
    {.name = "skill", .type = SCN_DIST, .def = "beta(2, 5)"},
};
static const scn_key event_keys[] = {
    {.name = "at", .type = SCN_BLOCK_OR_DATE}, /* required */
    {.name = "what", .type = SCN_ENUM, .def = "halt", .words = happenings},
};
static const scn_kind kinds[] = {
    {"run", false, run_keys, NELEM(run_keys), "the run"},
    {"chain", false, chain_keys, NELEM(chain_keys), "the chain"},
    {"subnet", true, subnet_keys, NELEM(subnet_keys), "a subnet"},
    {"miners", true, agent_keys, NELEM(agent_keys), "a miner population"},
    {"validators", true, agent_keys, NELEM(agent_keys), "a validator population"},
    {"event", true, event_keys, NELEM(event_keys), "a scheduled event"},
};
static const scn_schema schema = {kinds, NELEM(kinds), "run.repeat", "run.seed", NULL, NULL};

/* ---- helpers ------------------------------------------------------------------ */

static scn_scenario *load_sets(const char *path, const char *const *sets, size_t nsets)
{
    scn_scenario *s = NULL;
    io_err err = {{0}};
    scn_status st = scn_load(&schema, path, sets, nsets, &s, &err);
    if (st != SCN_OK) fail_msg("%s: unexpected error: %s", path, err.msg);
    assert_non_null(s);
    return s;
}

static scn_scenario *load(const char *path)
{
    return load_sets(path, NULL, 0);
}

static void expect_with(const scn_schema *sc, const char *path, const char *const *sets, size_t nsets,
                        scn_status want, const char *msg)
{
    scn_scenario *s = (scn_scenario *)&s; /* must be reset to NULL */
    io_err err = {{0}};
    scn_status st = scn_load(sc, path, sets, nsets, &s, &err);
    if (st != want || strcmp(err.msg, msg) != 0)
        fail_msg("%s: status %d, message\n  got:  %s\n  want: %s", path, (int)st, err.msg, msg);
    assert_null(s);
}

/* Load `path` and expect exactly `msg` (bad input). */
static void expect(const char *path, const char *const *sets, size_t nsets, const char *msg)
{
    expect_with(&schema, path, sets, nsets, SCN_EINPUT, msg);
}

#define EXPECT_FILE(name, msg) expect("tests/scn/" name ".ini", NULL, 0, "tests/scn/" name ".ini:" msg)

static scn_config *resolve(const scn_scenario *s, uint64_t run)
{
    scn_config *c = NULL;
    io_err err = {{0}};
    if (scn_resolve(s, run, &c, &err) != SCN_OK) fail_msg("resolve %llu: %s", (unsigned long long)run, err.msg);
    return c;
}

static const scn_value *val(const scn_config *c, const char *kind, const char *name, const char *key)
{
    const scn_section *sec = scn_config_section(c, kind, name);
    assert_non_null(sec);
    const scn_value *v = scn_config_value(sec, key);
    assert_non_null(v);
    return v;
}

static const char *text(const scn_config *c, const char *kind, const char *name, const char *key)
{
    return val(c, kind, name, key)->text;
}

static char *echo(const scn_config *c)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    assert_non_null(f);
    assert_int_equal(scn_config_write(c, f), SCN_OK);
    fclose(f);
    return buf;
}

static char *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    char *buf = malloc(1 << 16);
    *len = fread(buf, 1, 1 << 16, f);
    fclose(f);
    return buf;
}

/* ---- parsing of every type ------------------------------------------------------ */

static void test_every_type(void **state)
{
    (void)state;
    scn_scenario *s = load("tests/scn/ok.ini");
    assert_string_equal(scn_name(s), "ok");
    assert_string_equal(scn_path(s), "tests/scn/ok.ini");
    assert_int_equal(scn_runs_count(s), 1);
    assert_int_equal(scn_sweeps_count(s), 0);
    scn_config *c = resolve(s, 0);

    assert_int_equal(val(c, "run", NULL, "seed")->u, 42);
    assert_int_equal(val(c, "run", NULL, "blocks")->u, 1000); /* inline comment cut */
    const scn_value *start = val(c, "run", NULL, "start");
    assert_true(start->when.is_date);
    assert_int_equal(start->when.date.year, 2025);
    assert_int_equal(start->when.date.month, 3);
    assert_int_equal(start->when.date.day, 1);
    assert_true(val(c, "run", NULL, "fee")->num.units == TEN18 / 4);
    assert_int_equal(val(c, "run", NULL, "offset")->i, -7);
    assert_string_equal(text(c, "run", NULL, "label"), "two words here");
    assert_false(val(c, "run", NULL, "trace")->b);
    assert_string_equal(text(c, "run", NULL, "trace"), "false");
    /* defaults fill what the file leaves out */
    assert_string_equal(text(c, "run", NULL, "date"), "2025-02-13");
    assert_int_equal(val(c, "run", NULL, "repeat")->u, 1);

    assert_int_equal(val(c, "subnet", "alpha", "tempo")->i, 99);
    assert_string_equal(text(c, "subnet", "alpha", "tempo"), "99"); /* "+099" made canonical */
    assert_true(val(c, "subnet", "alpha", "kappa")->num.units == TEN18 / 10);
    assert_string_equal(text(c, "subnet", "alpha", "kappa"), "0.1");
    assert_string_equal(text(c, "subnet", "alpha", "owner"), "alice");

    assert_int_equal(val(c, "miners", "honest", "count")->u, 3);
    assert_int_equal(val(c, "miners", "honest", "policy")->word, 1);
    const scn_value *skill = val(c, "miners", "honest", "skill");
    assert_int_equal(skill->dist.kind, SCN_DIST_LOGNORMAL);
    assert_true(skill->dist.exact[1].units == 12 * TEN18 / 10);
    assert_string_equal(skill->text, "lognormal(5, 1.2)");
    assert_string_equal(text(c, "miners", "honest", "subnet"), "alpha");

    const scn_value *at = val(c, "event", "halt1", "at");
    assert_false(at->when.is_date);
    assert_int_equal(at->when.block, 5000);
    assert_string_equal(text(c, "event", "halt1", "what"), "halt");

    /* [chain] is not in the file: present anyway, all defaults, after the file's sections */
    assert_int_equal(c->nsections, 5);
    assert_string_equal(c->sections[0].kind->name, "run");
    assert_string_equal(c->sections[1].name, "alpha");
    assert_string_equal(c->sections[2].name, "honest");
    assert_string_equal(c->sections[3].name, "halt1");
    assert_string_equal(c->sections[4].kind->name, "chain");
    assert_int_equal(c->sections[4].where.line, 0);
    assert_true(val(c, "chain", NULL, "halving")->b);
    assert_int_equal(c->sections[2].where.line, 16); /* indented header */
    assert_int_equal(scn_config_origin(&c->sections[1], "tempo").line, 13);
    assert_int_equal(scn_config_origin(&c->sections[1], "kappa").line, 14);
    scn_config_free(c);
    scn_free(s);
}

static void test_line_ends_bom_and_header_comment(void **state)
{
    (void)state;
    scn_scenario *s = load("tests/scn/crlf.ini");
    scn_config *c = resolve(s, 0);
    assert_int_equal(val(c, "run", NULL, "seed")->u, 9);
    assert_string_equal(text(c, "subnet", "alpha", "owner"), "x");
    assert_int_equal(scn_config_origin(scn_config_section(c, "subnet", "alpha"), "owner").line, 5);
    scn_config_free(c);
    scn_free(s);
    s = load("tests/scn/header_comment.ini");
    assert_int_equal(scn_base_seed(s), 5);
    scn_free(s);
}

static scn_status parse_as(scn_type t, const char *txt, scn_value *v, io_err *err)
{
    static const scn_key keys[] = {
        [SCN_INT] = {.name = "k", .type = SCN_INT},       [SCN_U64] = {.name = "k", .type = SCN_U64},
        [SCN_NUMBER] = {.name = "k", .type = SCN_NUMBER}, [SCN_BOOL] = {.name = "k", .type = SCN_BOOL},
        [SCN_STRING] = {.name = "k", .type = SCN_STRING}, [SCN_ENUM] = {.name = "k", .type = SCN_ENUM, .words = policies},
        [SCN_DATE] = {.name = "k", .type = SCN_DATE},     [SCN_DIST] = {.name = "k", .type = SCN_DIST},
        [SCN_BLOCK_OR_DATE] = {.name = "k", .type = SCN_BLOCK_OR_DATE},
    };
    return scn_value_parse(&keys[t], txt, v, err);
}

static void num_is(const char *txt, scn_i128 units, const char *canon)
{
    scn_value v;
    io_err err = {{0}};
    if (parse_as(SCN_NUMBER, txt, &v, &err)) fail_msg("%s: %s", txt, err.msg);
    if (v.num.units != units) fail_msg("%s: wrong units", txt);
    assert_string_equal(v.text, canon);
}

static void bad(scn_type t, const char *txt, const char *msg)
{
    scn_value v;
    io_err err = {{0}};
    assert_int_equal(parse_as(t, txt, &v, &err), SCN_EINPUT);
    assert_string_equal(err.msg, msg);
}

static void test_numbers_are_exact(void **state)
{
    (void)state;
    num_is("0.1", TEN18 / 10, "0.1");
    num_is("-3", -3 * TEN18, "-3");
    num_is("+1.50", 15 * TEN18 / 10, "1.5");
    num_is("-0", 0, "0");
    num_is("0.000", 0, "0");
    num_is("1e9", TEN18 * 1000000000, "1000000000");
    num_is("2.5e-3", 25 * TEN18 / 10000, "0.0025");
    num_is("0.000000000000000001", 1, "0.000000000000000001");
    num_is("1E2", 100 * TEN18, "100");
    num_is("0012.3400", 1234 * TEN18 / 100, "12.34");
    num_is("1.0000000000000000000000000000000000000000000000000000000000000000000000000000", TEN18, "1");
    num_is("100000000000000000000", TEN18 * 100000000 * 1000000000000, "100000000000000000000"); /* 1e20 */
    bad(SCN_NUMBER, "0.0000000000000000001", "k: '0.0000000000000000001' has more than 18 decimal places");
    bad(SCN_NUMBER, "1e-19", "k: '1e-19' has more than 18 decimal places");
    bad(SCN_NUMBER, "200000000000000000000",
        "k: '200000000000000000000' is too large: numbers must lie between -1.7e20 and 1.7e20");
    bad(SCN_NUMBER, "1.", "k: expected number (a decimal such as 0.25, -3 or 1e9), got '1.'");
    bad(SCN_NUMBER, ".5", "k: expected number (a decimal such as 0.25, -3 or 1e9), got '.5'");
    bad(SCN_NUMBER, "1e", "k: expected number (a decimal such as 0.25, -3 or 1e9), got '1e'");
    bad(SCN_NUMBER, "nan", "k: expected number (a decimal such as 0.25, -3 or 1e9), got 'nan'");
    /* the double view, for traits and reports only */
    scn_value v;
    io_err err;
    assert_int_equal(parse_as(SCN_NUMBER, "0.1", &v, &err), SCN_OK);
    assert_true(scn_num_to_double(v.num) == 0.1);
    assert_int_equal(parse_as(SCN_NUMBER, "-2.75", &v, &err), SCN_OK);
    assert_true(scn_num_to_double(v.num) == -2.75);
}

static void test_integers_bools_dates_words(void **state)
{
    (void)state;
    scn_value v;
    io_err err;
    assert_int_equal(parse_as(SCN_INT, "-9223372036854775808", &v, &err), SCN_OK);
    assert_true(v.i == INT64_MIN);
    bad(SCN_INT, "9223372036854775808", "k: expected int (an integer such as -3 or 360), got '9223372036854775808'");
    bad(SCN_INT, "1.0", "k: expected int (an integer such as -3 or 360), got '1.0'");
    assert_int_equal(parse_as(SCN_U64, "18446744073709551615", &v, &err), SCN_OK);
    assert_true(v.u == UINT64_MAX);
    bad(SCN_U64, "18446744073709551616",
        "k: expected u64 (a non-negative integer such as 0 or 7200), got '18446744073709551616'");
    bad(SCN_U64, "+1", "k: expected u64 (a non-negative integer such as 0 or 7200), got '+1'");

    static const char *const yes[] = {"true", "yes", "1"}, *const no[] = {"false", "no", "0"};
    for (size_t i = 0; i < 3; i++) {
        assert_int_equal(parse_as(SCN_BOOL, yes[i], &v, &err), SCN_OK);
        assert_true(v.b);
        assert_string_equal(v.text, "true");
        assert_int_equal(parse_as(SCN_BOOL, no[i], &v, &err), SCN_OK);
        assert_false(v.b);
        assert_string_equal(v.text, "false");
    }
    bad(SCN_BOOL, "TRUE", "k: expected bool (true or false; also yes/no, 1/0), got 'TRUE'");

    assert_int_equal(parse_as(SCN_DATE, "1970-01-01", &v, &err), SCN_OK);
    assert_int_equal(v.date.days, 0);
    assert_int_equal(parse_as(SCN_DATE, "2000-01-01", &v, &err), SCN_OK);
    assert_int_equal(v.date.days, 10957);
    assert_int_equal(parse_as(SCN_DATE, "2000-02-29", &v, &err), SCN_OK); /* divisible by 400 */
    assert_int_equal(parse_as(SCN_DATE, "2024-02-29", &v, &err), SCN_OK);
    assert_int_equal(v.date.days, 19782);
    assert_int_equal(parse_as(SCN_DATE, "1969-12-31", &v, &err), SCN_OK);
    assert_int_equal(v.date.days, -1);
    bad(SCN_DATE, "1900-02-29", "k: '1900-02-29' is not a date: 1900-02 has 28 days");
    bad(SCN_DATE, "2025-13-01", "k: '2025-13-01' is not a date: the year must be 0001..9999 and the month 01..12");
    bad(SCN_DATE, "2025-04-31", "k: '2025-04-31' is not a date: 2025-04 has 30 days");
    bad(SCN_DATE, "25-04-01", "k: expected date (a date YYYY-MM-DD such as 2025-02-13), got '25-04-01'");

    assert_int_equal(parse_as(SCN_BLOCK_OR_DATE, "7200", &v, &err), SCN_OK);
    assert_false(v.when.is_date);
    assert_int_equal(v.when.block, 7200);
    assert_int_equal(parse_as(SCN_BLOCK_OR_DATE, "2025-02-13", &v, &err), SCN_OK);
    assert_true(v.when.is_date);
    bad(SCN_BLOCK_OR_DATE, "2025-02-30", "k: '2025-02-30' is not a date: 2025-02 has 28 days");

    assert_int_equal(parse_as(SCN_ENUM, "colluding", &v, &err), SCN_OK);
    assert_int_equal(v.word, 2);
    bad(SCN_ENUM, "Honest", "k: expected enum (one of: honest, lazy, colluding), got 'Honest'; did you mean 'honest'?");
    assert_int_equal(parse_as(SCN_STRING, "any text, even ${ is fine here", &v, &err), SCN_OK);
    bad(SCN_STRING, "tab\there", "k: text contains a control character (byte 0x09)");
}

/* ---- errors, one file per class ------------------------------------------------- */

static void test_unknown_names_suggest(void **state)
{
    (void)state;
    EXPECT_FILE("unknown_kind", "3: unknown section kind 'subnett'; did you mean 'subnet'?");
    EXPECT_FILE("unknown_kind_far",
                "1: unknown section kind 'zzzzzz'; expected one of: run, chain, subnet, miners, validators, event");
    EXPECT_FILE("unknown_key", "3: unknown key 'tempoo' in [subnet alpha]; did you mean 'tempo'?");
    EXPECT_FILE("unknown_key_far", "2: unknown key 'qqqqqqqq' in [chain]; expected one of: issuance, halving");
}

static void test_duplicates_and_names(void **state)
{
    (void)state;
    EXPECT_FILE("dup_key", "5: duplicate key 'tempo' in [subnet alpha] (first at line 3)");
    EXPECT_FILE("dup_section", "4: duplicate section [subnet alpha] (first at line 1)");
    EXPECT_FILE("dup_singleton", "4: duplicate section [run] (first at line 1)");
    EXPECT_FILE("singleton_named", "1: [run] takes no name (got 'fast'); expected [run]");
    EXPECT_FILE("named_unnamed", "2: [subnet] needs a name, as in [subnet NAME]");
    EXPECT_FILE("missing_required", "4: [subnet beta] owner is required (it has no default): add 'owner = ...'");
    EXPECT_FILE("missing_required_event", "1: [event e1] at is required (it has no default): add 'at = ...'");
    EXPECT_FILE("bad_name", "1: section name 'a.b' may only contain letters, digits, '_' and '-' (at most 47)");
}

static void test_syntax(void **state)
{
    (void)state;
    EXPECT_FILE("header_words", "1: section header '[subnet alpha beta]' must be [KIND] or [KIND NAME]");
    EXPECT_FILE("header_noclose", "2: section header '[subnet alpha' has no closing ']'");
    EXPECT_FILE("header_trailing", "1: unexpected text 'extra' after the section header");
    EXPECT_FILE("before_section", "2: 'seed' comes before any section header; put it under one, as in [run]");
    EXPECT_FILE("colon", "2: expected 'key = value'; ':' is not a separator in scenario files");
    /* inih's own syntax error on line 2 comes before our type error on line 3 */
    EXPECT_FILE("syntax_first", "2: expected 'key = value', a [section] header or a comment, got 'garbage line'");
    EXPECT_FILE("noequals", "3: expected 'key = value', a [section] header or a comment, got 'just some words'");
    /* inih would glue an indented line onto the previous value; we refuse it */
    EXPECT_FILE("continuation", "3: expected 'key = value', a [section] header or a comment, got 'continued value'");
}

static void test_wrong_types(void **state)
{
    (void)state;
    EXPECT_FILE("bad_int", "3: [subnet alpha] tempo: expected int (an integer such as -3 or 360), got 'abc'");
    EXPECT_FILE("bad_u64", "2: [miners m] count: expected u64 (a non-negative integer such as 0 or 7200), got '-1'");
    EXPECT_FILE("bad_number", "2: [run] fee: expected number (a decimal such as 0.25, -3 or 1e9), got '0.1.2'");
    EXPECT_FILE("bad_bool", "2: [run] trace: expected bool (true or false; also yes/no, 1/0), got 'True'");
    EXPECT_FILE("bad_date", "2: [run] date: '2023-02-29' is not a date: 2023-02 has 28 days");
    EXPECT_FILE("bad_date_form", "2: [run] date: expected date (a date YYYY-MM-DD such as 2025-02-13), got '2023-2-28'");
    EXPECT_FILE("bad_enum",
                "2: [miners m] policy: expected enum (one of: honest, lazy, colluding), got 'lazzy'; did you mean 'lazy'?");
    EXPECT_FILE("bad_enum_far", "2: [miners m] policy: expected enum (one of: honest, lazy, colluding), got 'qqqqqqq'");
    EXPECT_FILE("bad_when", "2: [event e] at: expected block-or-date (a block number such as 7200 or a date "
                            "YYYY-MM-DD), got 'tomorrow'");
    EXPECT_FILE("decimals", "2: [run] fee: '0.0000000000000000001' has more than 18 decimal places");
}

static void test_out_of_range(void **state)
{
    (void)state;
    EXPECT_FILE("range_int", "3: [subnet alpha] tempo: 0 is out of range: expected 1..65535 blocks");
    EXPECT_FILE("range_number", "2: [run] fee: 1.5 is out of range: expected 0..1 fraction");
    EXPECT_FILE("range_date", "2: [run] date: 2019-12-31 is out of range: expected 2020-01-01..2100-12-31");
    EXPECT_FILE("range_min_only", "2: [chain] issuance: -0.5 is out of range: expected at least 0 TAO");
    EXPECT_FILE("range_max_only", "2: [miners m] count: 5000 is out of range: expected at most 4096 agents");
}

static void test_malformed_sweeps(void **state)
{
    (void)state;
    EXPECT_FILE("sweep_empty", "2: [run] fee: empty sweep ${}: list at least one value, as in ${a, b}");
    EXPECT_FILE("sweep_empty_item", "2: [run] fee: value 2 of the sweep list is empty");
    EXPECT_FILE("sweep_step0", "2: [run] fee: the step of a range must not be 0");
    EXPECT_FILE("sweep_sign", "2: [run] fee: step -0.1 goes away from the end 0.5: use a positive step");
    EXPECT_FILE("sweep_nostep", "2: [run] blocks: a range needs a step: ${1..10 step S}");
    EXPECT_FILE("sweep_malformed", "2: [run] blocks: malformed range; expected ${A..B step S}");
    EXPECT_FILE("sweep_unclosed", "2: [run] fee: the sweep '${0.1, 0.2' has no closing '}'");
    EXPECT_FILE("sweep_embedded",
                "2: [run] label: '${' may only start a sweep such as ${a, b} or ${a..b step s}, got 'run-${x}'");
    EXPECT_FILE("sweep_dup", "2: [run] fee: value 0.1 appears twice in the sweep list (values 1 and 2)");
    EXPECT_FILE("sweep_item_range", "2: [run] fee: value 4 of the range: 1.25 is out of range: expected 0..1 fraction");
    EXPECT_FILE("sweep_intstep", "3: [subnet alpha] tempo: expected an integer step, got '0.5'");
    EXPECT_FILE("sweep_seed", "2: [run] seed cannot be swept: use run.repeat for more seeds");
    EXPECT_FILE("sweep_repeat", "2: [run] repeat cannot be swept: it multiplies the runs itself");
}

static void test_run_limits(void **state)
{
    (void)state;
    EXPECT_FILE("sweep_values", "2: [run] blocks: the sweep has 10001 values; at most 10000 (SCN_MAX_SWEEP_VALUES)");
    EXPECT_FILE("sweep_runs", "3: [run] fee: too many runs: with this sweep (1001 values) the scenario has "
                              "10010000 points; at most 1000000 runs (SCN_MAX_RUNS)");
    EXPECT_FILE("sweep_repeat_runs", "3: too many runs: 1001 points x 1000 repeats; at most 1000000 runs (SCN_MAX_RUNS)");
}

static void test_bad_distributions(void **state)
{
    (void)state;
    EXPECT_FILE("dist_unknown", "2: [miners m] skill: unknown distribution 'betta'; did you mean 'beta'?");
    EXPECT_FILE("dist_count", "2: [miners m] skill: beta takes 2 parameters (a, b), got 1");
    EXPECT_FILE("dist_param", "2: [miners m] skill: beta(a, b) needs b > 0, got b = -5");
    EXPECT_FILE("dist_uniform", "2: [miners m] skill: uniform(a, b) needs a < b, got a = 5, b = 1");
    EXPECT_FILE("dist_form", "2: [miners m] skill: expected distribution (such as beta(2, 5), normal(0, 1) or a "
                             "plain number), got 'beta 2 5'");
}

static void test_long_lines(void **state)
{
    (void)state;
    scn_scenario *s = load("tests/scn/long_ok.ini"); /* exactly SCN_LINE_MAX characters */
    scn_config *c = resolve(s, 0);
    assert_int_equal(strlen(text(c, "run", NULL, "label")), SCN_LINE_MAX - strlen("label = "));
    scn_config_free(c);
    scn_free(s);
    EXPECT_FILE("long_line", "3: the line has 199 characters; at most 198 are allowed (SCN_LINE_MAX)");
}

static void test_bytes_and_io(void **state)
{
    (void)state;
    static const char nul[] = "[run]\nseed = 1\nlabel = a\0b\n";
    scn_scenario *s = NULL;
    io_err err;
    assert_int_equal(scn_load_mem(&schema, "mem.ini", nul, sizeof nul - 1, NULL, 0, &s, &err), SCN_EINPUT);
    assert_string_equal(err.msg, "mem.ini:3: the line contains a NUL byte; scenario files are text");
    assert_null(s);
    assert_int_equal(scn_load(&schema, "tests/scn/no_such_file.ini", NULL, 0, &s, &err), SCN_EIO);
    assert_string_equal(err.msg, "tests/scn/no_such_file.ini: cannot read: No such file or directory");
    /* an empty file is a scenario of defaults (every singleton present) */
    assert_int_equal(scn_load_mem(&schema, "dir/empty.ini", "", 0, NULL, 0, &s, &err), SCN_OK);
    assert_string_equal(scn_name(s), "empty");
    assert_int_equal(scn_base_seed(s), 1);
    scn_config *c = resolve(s, 0);
    assert_int_equal(c->nsections, 2);
    scn_config_free(c);
    scn_free(s);
}

/* ---- sweeps and runs --------------------------------------------------------------- */

static void test_sweep_values(void **state)
{
    (void)state;
    scn_scenario *s = load("tests/scn/sweep_kinds.ini");
    /* fee 5 values x offset 4 values x skill 3 x policy 2 */
    assert_int_equal(scn_points_count(s), 5 * 4 * 3 * 2);
    assert_int_equal(scn_sweeps_count(s), 4);
    static const char *const fees[] = {"0.1", "0.2", "0.3", "0.4", "0.5"};
    static const int64_t offsets[] = {1, 4, 7, 10};
    static const char *const skills[] = {"beta(2, 5)", "normal(0.5, 0.1)", "const(0.3)"};
    for (uint64_t r = 0; r < scn_runs_count(s); r++) {
        scn_config *c = resolve(s, r);
        /* last sweep fastest: policy, then skill, then offset, then fee */
        assert_string_equal(text(c, "run", NULL, "fee"), fees[r / 24]);
        assert_true(val(c, "run", NULL, "fee")->num.units == (scn_i128)(r / 24 + 1) * TEN18 / 10);
        assert_int_equal(val(c, "run", NULL, "offset")->i, offsets[r / 6 % 4]);
        assert_string_equal(text(c, "miners", "m", "skill"), skills[r / 2 % 3]);
        assert_string_equal(text(c, "miners", "m", "policy"), r % 2 ? "colluding" : "honest");
        scn_config_free(c);
    }
    scn_free(s);

    s = load("tests/scn/sweep_ranges.ini");
    assert_int_equal(scn_points_count(s), 5 * 3 * 1); /* 0.1..0.55 stops at 0.5; 7..7 is one value */
    scn_config *c = resolve(s, 3 * 4 + 2);
    assert_string_equal(text(c, "run", NULL, "fee"), "0.5");
    assert_int_equal(val(c, "run", NULL, "offset")->i, -5);
    assert_int_equal(val(c, "run", NULL, "blocks")->u, 7);
    assert_int_equal(c->nswept, 3);
    assert_int_equal(c->swept[0].count, 5);
    assert_int_equal(c->swept[0].index, 4);
    assert_int_equal(c->swept[1].index, 2);
    scn_config_free(c);
    scn_free(s);
}

static void test_cross_product_and_repeat(void **state)
{
    (void)state;
    scn_scenario *s = load("tests/scn/sweeps.ini");
    assert_int_equal(scn_points_count(s), 6);
    assert_int_equal(scn_repeat_count(s), 2);
    assert_int_equal(scn_runs_count(s), 12);
    /* r -> (p = r / 2, i = r % 2); p -> (fee = p / 3, tempo = p % 3): fee is first in the file */
    static const char *const fee[12] = {"0.1", "0.1", "0.1", "0.1", "0.1", "0.1",
                                        "0.2", "0.2", "0.2", "0.2", "0.2", "0.2"};
    static const int64_t tempo[12] = {10, 10, 20, 20, 30, 30, 10, 10, 20, 20, 30, 30};
    for (uint64_t r = 0; r < 12; r++) {
        scn_config *c = resolve(s, r);
        assert_int_equal(c->point, r / 2);
        assert_int_equal(c->repeat_index, r % 2);
        assert_string_equal(text(c, "run", NULL, "fee"), fee[r]);
        assert_int_equal(val(c, "subnet", "alpha", "tempo")->i, tempo[r]);
        assert_int_equal(val(c, "run", NULL, "repeat")->u, 1); /* the echo is one run */
        scn_config_free(c);
    }
    io_err err;
    scn_config *c = (scn_config *)&c;
    assert_int_equal(scn_resolve(s, 12, &c, &err), SCN_EINPUT);
    assert_null(c);
    assert_string_equal(err.msg, "-r: run 12 is out of range: the scenario has 12 runs (0..11)");
    scn_free(s);
}

static void test_seeds(void **state)
{
    (void)state;
    /* splitmix64 reference outputs 1..5 seeded 1234567, and output 1 seeded 0 */
    static const uint64_t want[] = {UINT64_C(6457827717110365317), UINT64_C(3203168211198807973),
                                    UINT64_C(9817491932198370423), UINT64_C(4593380528125082431),
                                    UINT64_C(16408922859458223821)};
    for (uint64_t r = 0; r < NELEM(want); r++) assert_true(scn_seed_mix(1234567, r) == want[r]);
    assert_true(scn_seed_mix(0, 0) == UINT64_C(0xe220a8397b1dcdaf));

    scn_scenario *a = load("tests/scn/sweeps.ini"), *b = load("tests/scn/sweeps.ini");
    assert_int_equal(scn_base_seed(a), 1); /* the default */
    for (uint64_t r = 0; r < 12; r++) {
        assert_true(scn_run_seed(a, r) == scn_seed_mix(1, r));
        assert_true(scn_run_seed(a, r) == scn_run_seed(b, r)); /* stable */
        for (uint64_t q = 0; q < r; q++) assert_true(scn_run_seed(a, r) != scn_run_seed(a, q));
        scn_config *c = resolve(a, r);
        assert_true(c->seed == scn_seed_mix(1, r));
        assert_true(val(c, "run", NULL, "seed")->u == c->seed);
        scn_config_free(c);
    }
    scn_free(a);
    scn_free(b);
    /* one run: the base seed itself */
    a = load("tests/scn/ok.ini");
    assert_true(scn_run_seed(a, 0) == 42);
    scn_free(a);
    /* --set seed changes every run's seed */
    const char *sets[] = {"run.seed=2"};
    a = load_sets("tests/scn/sweeps.ini", sets, 1);
    assert_true(scn_run_seed(a, 5) == scn_seed_mix(2, 5));
    scn_free(a);
}

static void test_run_selection(void **state)
{
    (void)state;
    uint64_t out[16];
    size_t n;
    io_err err;
    assert_int_equal(scn_run_select("3", 10, out, 16, &n, &err), SCN_OK);
    assert_int_equal(n, 1);
    assert_int_equal(out[0], 3);
    assert_int_equal(scn_run_select("0..9", 10, out, 16, &n, &err), SCN_OK);
    assert_int_equal(n, 10);
    for (size_t i = 0; i < n; i++) assert_int_equal(out[i], i);
    assert_int_equal(scn_run_select("7,1,4", 10, out, 16, &n, &err), SCN_OK);
    assert_int_equal(n, 3);
    assert_int_equal(out[0], 1);
    assert_int_equal(out[1], 4);
    assert_int_equal(out[2], 7);
    assert_int_equal(scn_run_select(" 2 .. 4 , 8 ", 10, out, 16, &n, &err), SCN_OK);
    assert_int_equal(n, 4);
    assert_int_equal(out[3], 8);

    static const struct {
        const char *spec;
        const char *msg;
    } errs[] = {
        {"", "-r: empty item in the run selection; expected e.g. -r 3, -r 0..9 or -r 1,4,7"},
        {"1,,2", "-r: empty item in the run selection; expected e.g. -r 3, -r 0..9 or -r 1,4,7"},
        {"10", "-r: run 10 is out of range: the scenario has 10 runs (0..9)"},
        {"5..12", "-r: the range 5..12 is out of range: the scenario has 10 runs (0..9)"},
        {"9..3", "-r: the range 9..3 goes backwards; write 3..9"},
        {"1,x", "-r: 'x' is not a run number; expected e.g. -r 3, -r 0..9 or -r 1,4,7"},
        {"-1", "-r: '-1' is not a run number; expected e.g. -r 3, -r 0..9 or -r 1,4,7"},
        {"2..", "-r: '' is not a run number; expected e.g. -r 3, -r 0..9 or -r 1,4,7"},
        {"1,1", "-r: run 1 is selected twice"},
        {"0..3,2", "-r: run 2 is selected twice"},
        {"0..9", "-r: more than 5 runs selected"},
    };
    for (size_t i = 0; i < NELEM(errs); i++) {
        assert_int_equal(scn_run_select(errs[i].spec, 10, out, 5, &n, &err), SCN_EINPUT);
        assert_string_equal(err.msg, errs[i].msg);
        assert_int_equal(n, 0);
    }
    assert_int_equal(scn_run_select("0", 1, out, 1, &n, &err), SCN_OK);
    assert_int_equal(scn_run_select("1", 1, out, 1, &n, &err), SCN_EINPUT);
    assert_string_equal(err.msg, "-r: run 1 is out of range: the scenario has 1 run (0..0)");
}

/* ---- the resolved echo --------------------------------------------------------- */

static void test_echo_is_canonical_and_stable(void **state)
{
    (void)state;
    size_t len;
    char *bytes = slurp("tests/scn/echo.ini", &len);
    uint64_t hash = io_fnv1a64(bytes, len, IO_FNV_INIT);
    free(bytes);
    scn_scenario *s = load("tests/scn/echo.ini");
    assert_true(scn_hash(s) == hash);
    scn_config *c = resolve(s, 3); /* p = 1 (tempo 20), i = 1 */
    char want[2048];
    snprintf(want, sizeof want,
             "# taosim scenario echo, resolved\n"
             "# source tests/scn/echo.ini fnv1a64=%016llx\n"
             "# run 3/4, point 1/2, repeat 1/2 (0-based), seed %llu\n"
             "# sweep [subnet alpha] tempo = 20 (value 1/2)\n"
             "\n[subnet alpha]\ntempo = 20\nkappa = 0.5\nowner = alice\n"
             "\n[run]\nseed = %llu\nrepeat = 1\nblocks = 7200\nstart = 0\ndate = 2025-02-13\nfee = 0.18\n"
             "offset = -5\nlabel = baseline\ntrace = true\n"
             "\n[chain]\nissuance = 0\nhalving = true\n",
             (unsigned long long)hash, (unsigned long long)scn_seed_mix(7, 3),
             (unsigned long long)scn_seed_mix(7, 3));
    char *got = echo(c), *again = echo(c);
    assert_string_equal(got, want);
    assert_string_equal(again, got);
    scn_config *c2 = resolve(s, 3); /* a second resolve: same bytes */
    char *third = echo(c2);
    assert_string_equal(third, got);

    /* The echo is a one-run scenario that reproduces run 3: same seed, same body. */
    scn_scenario *e = NULL;
    io_err err;
    assert_int_equal(scn_load_mem(&schema, "echo3.ini", got, strlen(got), NULL, 0, &e, &err), SCN_OK);
    assert_int_equal(scn_runs_count(e), 1);
    scn_config *ce = resolve(e, 0);
    assert_true(ce->seed == c->seed);
    char *round = echo(ce);
    assert_string_equal(strstr(round, "\n\n"), strstr(got, "\n\n"));
    free(got), free(again), free(third), free(round);
    scn_config_free(ce), scn_config_free(c), scn_config_free(c2);
    scn_free(e);
    scn_free(s);
}

/* ---- --set ----------------------------------------------------------------------- */

static void test_set_overrides(void **state)
{
    (void)state;
    const char *sets[] = {"subnet.alpha.tempo=77", "run.fee = ${0.1, 0.2}", "subnet.beta.owner=bob",
                          "chain.halving=false"};
    scn_scenario *s = load_sets("tests/scn/ok.ini", sets, NELEM(sets));
    assert_int_equal(scn_runs_count(s), 2);
    scn_config *c = resolve(s, 1);
    assert_int_equal(val(c, "subnet", "alpha", "tempo")->i, 77);
    scn_origin o = scn_config_origin(scn_config_section(c, "subnet", "alpha"), "tempo");
    assert_int_equal(o.set, 1);
    assert_int_equal(o.line, 13); /* the file line it replaced */
    assert_string_equal(text(c, "run", NULL, "fee"), "0.2");
    assert_string_equal(text(c, "subnet", "beta", "owner"), "bob");
    assert_false(val(c, "chain", NULL, "halving")->b);
    /* sections created by --set come after the file's, in --set order */
    assert_int_equal(c->nsections, 6);
    assert_string_equal(c->sections[4].name, "beta");
    assert_int_equal(c->sections[4].where.set, 3);
    assert_string_equal(c->sections[5].kind->name, "chain");
    scn_config_free(c);
    /* the hash covers the overrides, each followed by its NUL */
    size_t len;
    char *bytes = slurp("tests/scn/ok.ini", &len);
    uint64_t h = io_fnv1a64(bytes, len, IO_FNV_INIT);
    free(bytes);
    for (size_t i = 0; i < NELEM(sets); i++) h = io_fnv1a64(sets[i], strlen(sets[i]) + 1, h);
    assert_true(scn_hash(s) == h);
    scn_free(s);

    /* an override replaces a bad value before it is ever parsed */
    const char *fix[] = {"subnet.alpha.tempo=5"};
    s = load_sets("tests/scn/fixable.ini", fix, 1);
    c = resolve(s, 0);
    assert_int_equal(val(c, "subnet", "alpha", "tempo")->i, 5);
    scn_config_free(c);
    scn_free(s);
}

static void test_set_sweep_order(void **state)
{
    (void)state;
    /* a key only --set writes sweeps after every file key; a replaced file key keeps its place */
    const char *sets[] = {"chain.issuance=${1, 2}", "run.fee=${0.3, 0.4, 0.5}"};
    scn_scenario *s = load_sets("tests/scn/sweeps.ini", sets, NELEM(sets));
    assert_int_equal(scn_points_count(s), 3 * 3 * 2);
    scn_config *c = resolve(s, 2 * 7); /* p = 7: fee 7 / 6 = 1, tempo 7 / 2 % 3 = 0, issuance 7 % 2 = 1 */
    assert_string_equal(text(c, "run", NULL, "fee"), "0.4");
    assert_int_equal(val(c, "subnet", "alpha", "tempo")->i, 10);
    assert_string_equal(text(c, "chain", NULL, "issuance"), "2");
    assert_string_equal(c->sections[c->swept[2].section].kind->name, "chain");
    scn_config_free(c);
    scn_free(s);
}

static void test_set_errors(void **state)
{
    (void)state;
    static const struct {
        const char *sets[2];
        size_t n;
        const char *msg;
    } cases[] = {
        {{"subnet.alpha.tempoo=5"}, 1, "--set:1: unknown key 'tempoo' in [subnet alpha]; did you mean 'tempo'?"},
        /* a transposition is distance 2: still suggested; distance 3 lists the keys instead */
        {{"subnet.alpha.tmepo=5"}, 1, "--set:1: unknown key 'tmepo' in [subnet alpha]; did you mean 'tempo'?"},
        {{"subnet.alpha.xyzpo=5"}, 1,
         "--set:1: unknown key 'xyzpo' in [subnet alpha]; expected one of: tempo, kappa, owner"},
        {{"run.seed=1", "subnet.alpha.tempo=abc"}, 2,
         "--set:2: [subnet alpha] tempo: expected int (an integer such as -3 or 360), got 'abc'"},
        {{"run.seed"}, 1,
         "--set:1: expected KIND.KEY=VALUE or KIND.NAME.KEY=VALUE (e.g. run.seed=7, subnet.alpha.tempo=99), "
         "got 'run.seed'"},
        {{"seed=1"}, 1,
         "--set:1: expected KIND.KEY=VALUE or KIND.NAME.KEY=VALUE (e.g. run.seed=7, subnet.alpha.tempo=99), "
         "got 'seed=1'"},
        {{"run.seed=1", "run.seed=2"}, 2, "--set:2: [run] seed is already set by --set:1"},
        {{"run..seed=1"}, 1,
         "--set:1: expected KIND.KEY=VALUE or KIND.NAME.KEY=VALUE (e.g. run.seed=7, subnet.alpha.tempo=99), "
         "got 'run..seed=1'"},
        /* a span of 3.2e38 units does not fit a signed 128-bit integer: counted unsigned */
        {{"run.fee=${-160000000000000000000..160000000000000000000 step 0.5}"}, 1,
         "--set:1: [run] fee: the sweep has 640000000000000000001 values; at most 10000 (SCN_MAX_SWEEP_VALUES)"},
        {{"run.fast.seed=1"}, 1, "--set:1: [run] takes no name (got 'fast'); expected [run]"},
        {{"subnet.tempo=5"}, 1, "--set:1: [subnet] needs a name, as in [subnet NAME]"},
        {{"subnett.alpha.tempo=5"}, 1, "--set:1: unknown section kind 'subnett'; did you mean 'subnet'?"},
        {{"run.label=a ;b"}, 1, "--set:1: ';' here would start a comment in a scenario file; not allowed in a value"},
        {{"subnet.gamma.tempo=5"}, 1,
         "--set:1: [subnet gamma] owner is required (it has no default): add 'owner = ...'"},
        {{"run.blocks=${1..10000 step 1}", "run.offset=${-100..100 step 1}"}, 2,
         "--set:2: [run] offset: too many runs: with this sweep (201 values) the scenario has 2010000 points; "
         "at most 1000000 runs (SCN_MAX_RUNS)"},
        {{"run.repeat=0"}, 1, "--set:1: [run] repeat: 0 is out of range: expected 1..1000 runs"},
    };
    for (size_t i = 0; i < NELEM(cases); i++) expect("tests/scn/ok.ini", cases[i].sets, cases[i].n, cases[i].msg);
}

/* ---- the consistency hook --------------------------------------------------------- */

static scn_status tempo_within_blocks(const scn_config *c, void *ctx, io_err *err)
{
    ++*(int *)ctx;
    uint64_t blocks = val(c, "run", NULL, "blocks")->u;
    for (size_t i = 0; i < c->nsections; i++) {
        const scn_section *sec = &c->sections[i];
        if (strcmp(sec->kind->name, "subnet")) continue;
        int64_t tempo = scn_config_value(sec, "tempo")->i;
        if ((uint64_t)tempo > blocks)
            return scn_config_errf(c, sec, "tempo", err, "%lld exceeds [run] blocks = %llu", (long long)tempo,
                                   (unsigned long long)blocks);
    }
    return SCN_OK;
}

static void test_check_hook(void **state)
{
    (void)state;
    int calls = 0;
    scn_schema hooked = schema;
    hooked.check = tempo_within_blocks;
    hooked.check_ctx = &calls;
    scn_scenario *s = NULL;
    io_err err;
    assert_int_equal(scn_load(&hooked, "tests/scn/hook.ini", NULL, 0, &s, &err), SCN_OK);
    scn_config *c = NULL;
    assert_int_equal(scn_resolve(s, 0, &c, &err), SCN_OK); /* tempo 100: fine */
    scn_config_free(c);
    assert_int_equal(scn_check_points(s, &err), SCN_EINPUT);
    assert_string_equal(err.msg, "tests/scn/hook.ini:6: [subnet alpha] tempo: 5000 exceeds [run] blocks = 1000 (run 1)");
    assert_int_equal(calls, 3);
    scn_free(s);

    /* a default points at the section header */
    assert_int_equal(scn_load(&hooked, "tests/scn/hook_default.ini", NULL, 0, &s, &err), SCN_OK);
    assert_int_equal(scn_resolve(s, 0, &c, &err), SCN_EINPUT);
    assert_null(c);
    assert_string_equal(err.msg, "tests/scn/hook_default.ini:4: [subnet alpha] tempo: 360 exceeds [run] blocks = 300 "
                                 "(default)");
    scn_free(s);
    /* an override points at its --set */
    const char *sets[] = {"run.seed=3", "subnet.alpha.tempo=400"};
    assert_int_equal(scn_load(&hooked, "tests/scn/hook_default.ini", sets, 2, &s, &err), SCN_OK);
    assert_int_equal(scn_check_points(s, &err), SCN_EINPUT);
    assert_string_equal(err.msg, "--set:2: [subnet alpha] tempo: 400 exceeds [run] blocks = 300");
    scn_free(s);
}

/* ---- schema checks ------------------------------------------------------------- */

static void test_schema_is_checked(void **state)
{
    (void)state;
    io_err err;
    assert_int_equal(scn_schema_check(&schema, &err), SCN_OK);
    static const scn_key bad_default[] = {{.name = "n", .type = SCN_INT, .def = "0", .min = "1", .max = "9"}};
    static const scn_key bad_bounds[] = {{.name = "n", .type = SCN_INT, .def = "5", .min = "9", .max = "1"}};
    static const scn_key bound_on_bool[] = {{.name = "b", .type = SCN_BOOL, .def = "true", .min = "0"}};
    static const scn_key twice[] = {{.name = "n", .type = SCN_INT, .def = "1"}, {.name = "n", .type = SCN_INT}};
    static const scn_key no_words[] = {{.name = "w", .type = SCN_ENUM, .def = "a"}};
    static const scn_key repeat_from_2[] = {{.name = "n", .type = SCN_U64, .def = "2", .min = "2"}};
    static const scn_key bounded_seed[] = {{.name = "s", .type = SCN_U64, .def = "2", .max = "100"}};
    static const struct {
        scn_kind kind;
        const char *repeat;
        const char *msg;
    } cases[] = {
        {{"k", false, bad_default, 1, ""}, NULL, "schema: [k] n: default '0': 0 is out of range: expected 1..9"},
        {{"k", false, bad_bounds, 1, ""}, NULL, "schema: [k] n: min 9 is above max 1"},
        {{"k", false, bound_on_bool, 1, ""}, NULL, "schema: [k] b: a bool key cannot have min/max"},
        {{"k", false, twice, 2, ""}, NULL, "schema: [k]: key 'n' is listed twice"},
        {{"k", false, no_words, 1, ""}, NULL, "schema: [k] w: an enum needs at least one word"},
        {{"k k", false, NULL, 0, ""}, NULL, "schema: kind name 'k k' is not an identifier"},
        {{"k", true, twice, 1, ""}, "k.n",
         "schema: repeat key 'k.n' must name an int or u64 (accepting 1) key of a singleton kind as \"kind.key\""},
        {{"k", false, repeat_from_2, 1, ""}, "k.n",
         "schema: repeat key 'k.n' must name an int or u64 (accepting 1) key of a singleton kind as \"kind.key\""},
        {{"k", false, bounded_seed, 1, ""}, NULL,
         "schema: seed key 'k.s' must name an unbounded u64 key of a singleton kind as \"kind.key\""},
    };
    for (size_t i = 0; i < NELEM(cases); i++) {
        bool seed_case = cases[i].kind.keys == bounded_seed;
        scn_schema sc = {&cases[i].kind, 1, cases[i].repeat, seed_case ? "k.s" : NULL, NULL, NULL};
        assert_int_equal(scn_schema_check(&sc, &err), SCN_ESCHEMA);
        assert_string_equal(err.msg, cases[i].msg);
        expect_with(&sc, "tests/scn/ok.ini", NULL, 0, SCN_ESCHEMA, cases[i].msg);
    }
}

/* ---- distributions ------------------------------------------------------------------ */

static void dist_ok(const char *txt, scn_dist_kind kind, double p0, double p1, const char *canon)
{
    scn_dist d;
    io_err err = {{0}};
    if (scn_dist_parse(txt, &d, &err)) fail_msg("%s: %s", txt, err.msg);
    assert_int_equal(d.kind, kind);
    assert_true(d.p[0] == p0);
    if (d.nparams > 1) assert_true(d.p[1] == p1);
    char buf[SCN_TEXT_MAX];
    scn_dist_format(&d, buf, sizeof buf);
    assert_string_equal(buf, canon);
}

static void dist_bad(const char *txt, const char *msg)
{
    scn_dist d;
    io_err err = {{0}};
    assert_int_equal(scn_dist_parse(txt, &d, &err), SCN_EINPUT);
    assert_string_equal(err.msg, msg);
}

static void test_distribution_parsing(void **state)
{
    (void)state;
    dist_ok("beta(2,5)", SCN_DIST_BETA, 2, 5, "beta(2, 5)");
    dist_ok("  normal ( -1.5 , 0.25 ) ", SCN_DIST_NORMAL, -1.5, 0.25, "normal(-1.5, 0.25)");
    dist_ok("lognormal(5, 1.2)", SCN_DIST_LOGNORMAL, 5, 1.2, "lognormal(5, 1.2)");
    dist_ok("uniform(0, 1)", SCN_DIST_UNIFORM, 0, 1, "uniform(0, 1)");
    dist_ok("gamma(2, 0.5)", SCN_DIST_GAMMA, 2, 0.5, "gamma(2, 0.5)");
    dist_ok("exponential(2.0)", SCN_DIST_EXPONENTIAL, 2, 0, "exponential(2)");
    dist_ok("pareto(3, 1)", SCN_DIST_PARETO, 3, 1, "pareto(3, 1)");
    dist_ok("const(7)", SCN_DIST_CONST, 7, 0, "const(7)");
    dist_ok("-0.5", SCN_DIST_CONST, -0.5, 0, "const(-0.5)");
    dist_ok("beta(0.000000001, 1)", SCN_DIST_BETA, 1e-9, 1, "beta(0.000000001, 1)");

    dist_bad("normall(0, 1)", "unknown distribution 'normall'; did you mean 'normal'?");
    dist_bad("weibull(1, 2)",
             "unknown distribution 'weibull'; expected one of: const, uniform, normal, lognormal, beta, gamma, "
             "exponential, pareto");
    dist_bad("exponential(1, 2)", "exponential takes 1 parameter (mean), got 2");
    dist_bad("beta()", "beta takes 2 parameters (a, b), got 1");
    dist_bad("normal(0, 0)", "normal(mu, sigma) needs sigma > 0, got sigma = 0");
    dist_bad("lognormal(0, -1)", "lognormal(mu, sigma) needs sigma > 0, got sigma = -1");
    dist_bad("gamma(0, 1)", "gamma(k, theta) needs k > 0, got k = 0");
    dist_bad("pareto(1, 0)", "pareto(a, b) needs b > 0, got b = 0");
    dist_bad("exponential(-2)", "exponential(mean) needs mean > 0, got mean = -2");
    dist_bad("uniform(1, 1)", "uniform(a, b) needs a < b, got a = 1, b = 1");
    dist_bad("beta(2, x)", "beta parameter b: expected number (a decimal such as 0.25, -3 or 1e9), got 'x'");
    dist_bad("beta(2, 5", "expected distribution (such as beta(2, 5), normal(0, 1) or a plain number), got 'beta(2, 5'");
}

/* A gsl_rng that counts the draws it forwards to an inner generator. */
typedef struct counting {
    gsl_rng *inner;
    unsigned long draws;
} counting;

static void counting_set(void *st, unsigned long seed)
{
    (void)st, (void)seed;
}

static unsigned long counting_get(void *st)
{
    counting *c = st;
    c->draws++;
    return gsl_rng_get(c->inner);
}

static double counting_get_double(void *st)
{
    counting *c = st;
    c->draws++;
    return gsl_rng_uniform(c->inner);
}

static const gsl_rng_type counting_type = {"counting", 0xffffffffUL, 0, sizeof(counting),
                                           counting_set, counting_get, counting_get_double};

static gsl_rng *mt(unsigned long seed)
{
    gsl_rng *r = gsl_rng_alloc(gsl_rng_mt19937);
    gsl_rng_set(r, seed);
    return r;
}

static scn_dist parsed(const char *txt)
{
    scn_dist d;
    io_err err;
    assert_int_equal(scn_dist_parse(txt, &d, &err), SCN_OK);
    return d;
}

static void test_sampling_reproducible(void **state)
{
    (void)state;
    static const char *const all[] = {"const(3)", "uniform(-1, 2)", "normal(10, 2)", "lognormal(0.5, 0.25)",
                                      "beta(2, 5)", "gamma(2.5, 3)", "exponential(4)", "pareto(3, 2)"};
    for (size_t k = 0; k < NELEM(all); k++) {
        scn_dist d = parsed(all[k]);
        gsl_rng *a = mt(20250213), *b = mt(20250213);
        for (int i = 0; i < 200; i++) assert_true(scn_dist_sample(&d, a) == scn_dist_sample(&d, b));
        gsl_rng_free(a);
        gsl_rng_free(b);
    }
    /* each kind maps its parameters to the right gsl_ran_* call (a twin generator) */
    gsl_rng *a = mt(7), *b = mt(7);
    scn_dist d = parsed("normal(10, 2)");
    for (int i = 0; i < 50; i++) assert_true(scn_dist_sample(&d, a) == 10 + gsl_ran_gaussian(b, 2));
    d = parsed("uniform(-1, 2)");
    for (int i = 0; i < 50; i++) assert_true(scn_dist_sample(&d, a) == gsl_ran_flat(b, -1, 2));
    d = parsed("lognormal(0.5, 0.25)");
    for (int i = 0; i < 50; i++) assert_true(scn_dist_sample(&d, a) == gsl_ran_lognormal(b, 0.5, 0.25));
    d = parsed("beta(2, 5)");
    for (int i = 0; i < 50; i++) assert_true(scn_dist_sample(&d, a) == gsl_ran_beta(b, 2, 5));
    d = parsed("gamma(2.5, 3)");
    for (int i = 0; i < 50; i++) assert_true(scn_dist_sample(&d, a) == gsl_ran_gamma(b, 2.5, 3));
    d = parsed("exponential(4)");
    for (int i = 0; i < 50; i++) assert_true(scn_dist_sample(&d, a) == gsl_ran_exponential(b, 4));
    d = parsed("pareto(3, 2)");
    for (int i = 0; i < 50; i++) assert_true(scn_dist_sample(&d, a) == gsl_ran_pareto(b, 3, 2));
    d = parsed("7.25");
    assert_true(scn_dist_sample(&d, a) == 7.25);
    gsl_rng_free(a);
    gsl_rng_free(b);
    /* the mean of normal(10, 2) is 10, not 2: catches swapped parameters */
    a = mt(1);
    d = parsed("normal(10, 2)");
    double sum = 0;
    for (int i = 0; i < 4000; i++) sum += scn_dist_sample(&d, a);
    assert_true(sum / 4000 > 9.8 && sum / 4000 < 10.2);
    gsl_rng_free(a);
}

static unsigned long draws_for(const char *txt, int samples)
{
    gsl_rng *r = gsl_rng_alloc(&counting_type);
    counting *c = r->state;
    c->inner = mt(99);
    c->draws = 0;
    scn_dist d = parsed(txt);
    for (int i = 0; i < samples; i++) scn_dist_sample(&d, r);
    unsigned long n = c->draws;
    gsl_rng_free(c->inner);
    gsl_rng_free(r);
    return n;
}

static void test_draw_counts(void **state)
{
    (void)state;
    enum { N = 1000 };
    assert_int_equal(draws_for("const(1)", N), 0);
    assert_int_equal(draws_for("4", N), 0);
    assert_int_equal(draws_for("uniform(0, 1)", N), N);
    assert_int_equal(draws_for("exponential(2)", N), N);
    assert_int_equal(draws_for("pareto(3, 1)", N), N);
    unsigned long normal = draws_for("normal(0, 1)", N), lognormal = draws_for("lognormal(0, 1)", N);
    assert_int_equal(normal % 2, 0); /* polar method: pairs */
    assert_true(normal > 2 * N && normal < 3 * N); /* mean 4/pi per variate: ~2546 */
    assert_int_equal(lognormal % 2, 0);
    assert_true(lognormal > 2 * N && lognormal < 3 * N);
    assert_true(draws_for("gamma(2.5, 1)", N) >= 2 * N);
    assert_true(draws_for("gamma(0.5, 1)", N) >= 3 * N);
    assert_true(draws_for("beta(2, 5)", N) >= 4 * N);     /* two gammas */
    unsigned long johnk = draws_for("beta(0.5, 0.5)", N); /* Johnk's method: pairs */
    assert_int_equal(johnk % 2, 0);
    assert_true(johnk >= 2 * N);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_every_type),
        cmocka_unit_test(test_line_ends_bom_and_header_comment),
        cmocka_unit_test(test_numbers_are_exact),
        cmocka_unit_test(test_integers_bools_dates_words),
        cmocka_unit_test(test_unknown_names_suggest),
        cmocka_unit_test(test_duplicates_and_names),
        cmocka_unit_test(test_syntax),
        cmocka_unit_test(test_wrong_types),
        cmocka_unit_test(test_out_of_range),
        cmocka_unit_test(test_malformed_sweeps),
        cmocka_unit_test(test_run_limits),
        cmocka_unit_test(test_bad_distributions),
        cmocka_unit_test(test_long_lines),
        cmocka_unit_test(test_bytes_and_io),
        cmocka_unit_test(test_sweep_values),
        cmocka_unit_test(test_cross_product_and_repeat),
        cmocka_unit_test(test_seeds),
        cmocka_unit_test(test_run_selection),
        cmocka_unit_test(test_echo_is_canonical_and_stable),
        cmocka_unit_test(test_set_overrides),
        cmocka_unit_test(test_set_sweep_order),
        cmocka_unit_test(test_set_errors),
        cmocka_unit_test(test_check_hook),
        cmocka_unit_test(test_schema_is_checked),
        cmocka_unit_test(test_distribution_parsing),
        cmocka_unit_test(test_sampling_reproducible),
        cmocka_unit_test(test_draw_counts),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
