/* cases_gen.c -- the known consensus cases as C data, written as replay files
 * (cases.h: the generator). scenarios/cases/ holds this file's output; change
 * a case here, run `taosim case --generate`, commit both.
 *
 * A case is a schedule of weight rows: segments of epochs [from, to] during
 * which validator v gives server j the weight w[v][j] in thousandths (the
 * reference's float weights, all multiples of 0.001), or noise: per epoch
 * and validator, server j scores perf_j + N(0, sigma_v), clamped to [0, 1]
 * (the reference's torch draws, here from taosim's PCG streams), either as
 * they are (proportional) or one-hot on the row's argmax (client-side WTA).
 * A row is written max-upscaled to u16 (round half up of w_j * 65535 /
 * max w), so the stored weights are the file's values.
 *
 * The only floating point is in the noisy rows (GSL's gaussian and the
 * clamp), done once here and committed as integers; nothing downstream
 * reads a float.
 */
#include "taosim/cases.h"

#include <math.h>
#include <string.h>

#include <gsl/gsl_randist.h>
#include <gsl/gsl_rng.h>

#include "taosim/rng.h"

#define NVAL 3
#define MAXSRV 3
#define EPOCHS 40
#define TAO 1000000000ull
#define EPOCH_RAO (82 * TAO) /* 100 TAO per epoch after the 18 % owner cut */

typedef struct segment {
    uint8_t from, to;              /* epochs, inclusive */
    uint16_t w[NVAL][MAXSRV];      /* thousandths */
} segment;

typedef struct noise_family {
    uint32_t key;                  /* entity base of its PCG streams */
    uint32_t nsrv;
    double perf[MAXSRV];           /* true performance of each server */
    double sigma[NVAL];            /* each validator's noise */
    const char *what;
} noise_family;

/* The reference's noise (cases.md): master 19/20, master 21/22 and the
 * interactive fork's 19/20. The cases sharing a family share its draws, as
 * the reference's share their torch seeds. */
static const noise_family families[] = {
    {1, 2, {0.60, 0.55, 0}, {0.05, 0.15, 0.15}, "2 servers, true performance 0.60 / 0.55, noise sigma 0.05 / 0.15 / 0.15"},
    {2, 3, {0.30, 0.35, 0.40}, {0.05, 0.10, 0.10}, "3 servers, true performance 0.30 / 0.35 / 0.40, noise sigma 0.05 / 0.10 / 0.10"},
    {3, 3, {0.345, 0.35, 0.36}, {0.010, 0.015, 0.015},
     "3 servers, true performance 0.345 / 0.35 / 0.36, noise sigma 0.010 / 0.015 / 0.015"},
};
#define NOISE_SEED 42u /* the reference's torch seed, as our master seed */

typedef struct case_def {
    const char *id, *file, *name;
    const char *source;            /* class in the reference's cases.py */
    const char *chain_test;        /* NULL: none */
    const char *shows;
    const char *aliases[2][2];     /* {id, name} */
    const char *vlabel[NVAL];
    uint32_t nsrv;
    uint64_t stake[NVAL];          /* TAO */
    int stake_epoch;               /* -1, or the epoch from which stake2 holds */
    uint64_t stake2[NVAL];
    int reset_epoch, reset_server; /* -1, or a bonds reset of server index at that epoch */
    bool wta;                      /* server-side WTA: incentive_wta */
    int noise;                     /* -1, or index of families[] */
    bool onehot;                   /* client-side WTA of the noisy rows */
    uint32_t nseg;
    segment seg[8];
} case_def;

#define S1 {1000, 0, 0}
#define S2 {0, 1000, 0}
#define ROW(a, b) {a, 0, b}   /* the stable miner S3 keeps b, the rest a */
#define ROW2(a, b) {0, a, b}
#define ALL(x) x, x, x
#define SEG(a, b, ...) {a, b, {__VA_ARGS__}}
#define STAKE_881 {800000, 100000, 100000}
#define MASTER "yuma-simulation src/yuma_simulation/_internal/cases.py @ 2b976fd5, class "
#define FORK "yuma-simulation interactive fork app/src/project/yuma_simulation/_internal/cases.py @ 6d7726e7, "
#define NOALIAS {{NULL, NULL}, {NULL, NULL}}
#define V_BIG_EAGER_LAZY {"Big vali. (0.8)", "Small eager vali. (0.1)", "Small lazy vali. (0.1)"}
#define V_NOISE2 {"Big vali. 1 (low noise)", "Big vali. 2 (high noise)", "Small vali. (high noise)"}
#define V_NOISE3 {"Big vali. 1 (low noise)", "Big vali. 2 (high noise)", "Big vali. 3 (high noise)"}
#define V_LOW3 {"Vali. 1 (sigma 0.010)", "Vali. 2 (sigma 0.015)", "Vali. 3 (sigma 0.015)"}
/* Cases 15-18: three servers, S3 keeps b, the a share moves S1 -> S2 with B
 * first, A second, C last. */
#define STABLE(id_, file_, name_, cls, a, b)                                                                        \
    {id_, file_, name_, MASTER cls, "the family of test_yuma_3_stable_miner",                                        \
     "a stable server keeps its share while the rest moves from S1 to S2, B first, A second, C last: the stable "   \
     "server's bonds and the movers' bonds side by side",                                                           \
     NOALIAS, V_BIG_EAGER_LAZY, 3, STAKE_881, -1, {0}, -1, 0, false, -1, false, 4,                                   \
     {SEG(0, 0, ALL(ROW(a, b))), SEG(1, 1, ROW(a, b), ROW2(a, b), ROW(a, b)),                                        \
      SEG(2, 2, ROW2(a, b), ROW2(a, b), ROW(a, b)), SEG(3, 39, ALL(ROW2(a, b)))}}

static const case_def defs[] = {
    {"1", "case-01.csv", "Case 1 \u2013 kappa moves first", MASTER "Case1", "test_yuma_3_kappa_moves_first",
     "the big validator (0.8, alone above kappa) moves to S2 first, the small ones one and two epochs later: the "
     "consensus follows the big validator at once, the late movers keep bonds on the abandoned S1",
     NOALIAS, {"Big vali. (0.8)", "Small lazy vali. (0.1)", "Small lazier vali. (0.1)"}, 2, STAKE_881, -1, {0}, -1, 0,
     false, -1, false, 4,
     {SEG(0, 0, ALL(S1)), SEG(1, 1, S2, S1, S1), SEG(2, 2, S2, S2, S1), SEG(3, 39, ALL(S2))}},
    {"2", "case-02.csv", "Case 2 \u2013 kappa moves second", MASTER "Case2", "test_yuma_3_kappa_moves_second",
     "a small validator moves to S2 first, the big one second, the other small one last: the first mover weights a "
     "server without consensus until the big one joins, then holds the oldest bonds on it",
     NOALIAS, V_BIG_EAGER_LAZY, 2, STAKE_881, -1, {0}, -1, 0, false, -1, false, 4,
     {SEG(0, 0, ALL(S1)), SEG(1, 1, S1, S2, S1), SEG(2, 2, S2, S2, S1), SEG(3, 39, ALL(S2))}},
    {"3", "case-03.csv", "Case 3 \u2013 kappa moves third", MASTER "Case3", "test_yuma_3_kappa_moves_last",
     "both small validators move to S2 before the big one (together still below kappa): S2 has no consensus until "
     "the big validator moves last",
     NOALIAS, V_BIG_EAGER_LAZY, 2, STAKE_881, -1, {0}, -1, 0, false, -1, false, 4,
     {SEG(0, 0, ALL(S1)), SEG(1, 1, S1, S2, S1), SEG(2, 2, S1, S2, S2), SEG(3, 39, ALL(S2))}},
    {"4", "case-04.csv", "Case 4 \u2013 all validators switch", MASTER "Case4", NULL,
     "every validator switches from S1 to S2 in the same epoch: the reference picture of a clean switch (S2 takes "
     "all the incentive at once; dividends per stake stay equal)",
     NOALIAS, {"Big vali. (0.8)", "Small vali. (0.1)", "Small vali 2. (0.1)"}, 2, STAKE_881, -1, {0}, -1, 0, false,
     -1, false, 2, {SEG(0, 0, ALL(S1)), SEG(1, 39, ALL(S2))}},
    {"5", "case-05.csv", "Case 5 \u2013 kappa moves second, then third", MASTER "Case5", NULL,
     "the small validators move to S2 an epoch before the big one; after epoch 20 they move back to S1 one after "
     "the other, the big validator last; S2's bonds are reset at epoch 20",
     NOALIAS, {"Big vali. (0.8)", "Small eager-eager vali. (0.1)", "Small eager-lazy vali. (0.1)"}, 2, STAKE_881, -1,
     {0}, 20, 1, false, -1, false, 6,
     {SEG(0, 0, ALL(S1)), SEG(1, 1, S1, S2, S2), SEG(2, 20, ALL(S2)), SEG(21, 21, S2, S1, S2),
      SEG(22, 22, S2, S1, S1), SEG(23, 39, ALL(S1))}},
    {"6", "case-06.csv", "Case 6 \u2013 kappa moves second, then all validators switch", MASTER "Case6", NULL,
     "a small validator leads the move to S2, the big one follows, the lazy one last; at epoch 21 everyone returns "
     "to S1 at once, whose bonds are reset then",
     NOALIAS, V_BIG_EAGER_LAZY, 2, STAKE_881, -1, {0}, 21, 0, false, -1, false, 5,
     {SEG(0, 0, ALL(S1)), SEG(1, 1, S1, S2, S1), SEG(2, 2, S2, S2, S1), SEG(3, 20, ALL(S2)), SEG(21, 39, ALL(S1))}},
    {"7", "case-07.csv", "Case 7 \u2013 big vali moves late, then all but one small vali moves late", MASTER "Case7",
     NULL,
     "the small validators move to S2 first and the big one follows; at epoch 21 only one small validator returns "
     "to S1, the others an epoch later; S1's bonds are reset at epoch 21",
     NOALIAS, {"Big vali. (0.8)", "Small eager-lazy vali. (0.1)", "Small eager-eager vali. (0.1)"}, 2, STAKE_881, -1,
     {0}, 21, 0, false, -1, false, 5,
     {SEG(0, 0, ALL(S1)), SEG(1, 1, S1, S2, S2), SEG(2, 20, ALL(S2)), SEG(21, 21, S2, S2, S1), SEG(22, 39, ALL(S1))}},
    {"8", "case-08.csv", "Case 8 \u2013 big vali moves late, then late (\"big dishonest lazy vali\")", MASTER "Case8",
     "test_yuma_3_bonds_reset",
     "a big lazy validator copies the small ones an epoch late, both ways (S1 to S2 at epoch 2, back at epoch 22): "
     "what copying late earns; S2's bonds are reset at epoch 20",
     NOALIAS, {"Big dishonest lazy vali. (0.8)", "Small eager-eager vali. (0.1)", "Small eager-eager vali 2. (0.1)"},
     2, STAKE_881, -1, {0}, 20, 1, false, -1, false, 5,
     {SEG(0, 0, ALL(S1)), SEG(1, 1, S1, S2, S2), SEG(2, 20, ALL(S2)), SEG(21, 21, S2, S1, S1), SEG(22, 39, ALL(S1))}},
    {"9", "case-09.csv", "Case 9 \u2013 small validators merged in e5", MASTER "Case9", NULL,
     "every validator weights S2 throughout; after epoch 5 the third validator's stake moves to the second (0.8 / "
     "0.2 / 0): do the merged validator's dividends follow its new stake at once?",
     NOALIAS, {"Big vali. (0.8)", "Small vali. (0.1/0.2)", "Small vali 2. (0.1/0.0)"}, 2, STAKE_881, 6,
     {800000, 200000, 0}, -1, 0, false, -1, false, 1, {SEG(0, 39, ALL(S2))}},
    {"10", "case-10.csv", "Case 10 \u2013 kappa delayed", MASTER "Case10", NULL,
     "a small validator moves to S2 at epoch 1 but the big one only at epoch 10 (the other small one at 11): a "
     "long stretch of weight without consensus",
     NOALIAS, {"Big delayed vali. (0.8)", "Small eager vali. (0.1)", "Small lazy vali. (0.1)"}, 2, STAKE_881, -1, {0},
     -1, 0, false, -1, false, 4,
     {SEG(0, 0, ALL(S1)), SEG(1, 9, S1, S2, S1), SEG(10, 10, S2, S2, S1), SEG(11, 39, ALL(S2))}},
    {"11", "case-11.csv", "Case 11 \u2013 clipping demo", MASTER "Case11", NULL,
     "fractional weights that disagree: consensus clips every weight above the kappa-majority's, and the small "
     "validator's change at epoch 20 shows what clipping costs",
     NOALIAS, {"Big vali. 1 (0.49)", "Big vali. 2 (0.49)", "Small vali. (0.02)"}, 2, {490000, 490000, 20000}, -1, {0},
     -1, 0, false, -1, false, 2,
     {SEG(0, 19, {300, 700}, {600, 400}, {610, 390}), SEG(20, 39, {300, 700}, {600, 400}, {300, 610})}},
    {"12", "case-12.csv",
     "Case 12 \u2013 all validators switch, but small validator/s support alt miner with minimal weight",
     MASTER "Case12", NULL,
     "everyone switches S1 to S2 and back at epoch 21, but one small validator keeps 0.001 on the other server: "
     "what a minimal dissenting weight does to its bonds; S2's bonds are reset at epoch 20",
     NOALIAS, {"Big vali. (0.8)", "Small dishonest vali. (0.1)", "Small vali. (0.1)"}, 2, STAKE_881, -1, {0}, 20, 1,
     false, -1, false, 3,
     {SEG(0, 0, S1, {999, 1}, S1), SEG(1, 20, S2, {1, 999}, S2), SEG(21, 39, S1, {999, 1}, S1)}},
    {"13", "case-13.csv", "Case 13 \u2013 Big vali supports server 2, small validator/s support server 1",
     MASTER "Case13", NULL,
     "the big validator weights only S2 while one small validator splits 0.5 / 0.5, the other joining the split at "
     "epoch 21: minority support for a server below consensus; S1's bonds are reset at epoch 20",
     NOALIAS, {"Big vali. (0.8)", "Small vali. (0.1)", "Small vali 2. (0.1)"}, 2, STAKE_881, -1, {0}, 20, 0, false,
     -1, false, 2, {SEG(0, 20, S2, {500, 500}, S2), SEG(21, 39, S2, {500, 500}, {500, 500})}},
    {"14", "case-14.csv",
     "Case 14 \u2013 All validators support Server 1, one of them switches to Server 2 for one epoch",
     MASTER "Case14", "test_yuma_3_one_epoch_switch (and ..._liquid_alpha_disabled; the chain test switches at epoch 2)",
     "three near-equal validators on S1; the largest weights S2 for epoch 20 only: how long one deviating epoch "
     "costs it dividends",
     NOALIAS, {"Vali. 1 (0.33)", "Vali. 2 (0.33)", "Vali. 3 (0.34)"}, 2, {330000, 330000, 340000}, -1, {0}, -1, 0,
     false, -1, false, 3, {SEG(0, 19, ALL(S1)), SEG(20, 20, S1, S1, S2), SEG(21, 39, ALL(S1))}},
    STABLE("15", "case-15.csv", "Case 15 \u2013 big vali moves second, stable miner gets 0.25", "Case15", 750, 250),
    STABLE("16", "case-16.csv", "Case 16 \u2013 big vali moves second, stable miner gets 0.5", "Case16", 500, 500),
    STABLE("17", "case-17.csv", "Case 17 \u2013 big vali moves second, stable miner gets 0.75", "Case17", 250, 750),
    STABLE("18", "case-18.csv", "Case 18 \u2013 big vali moves second, stable miner gets 0.9", "Case18", 100, 900),
    {"19", "case-19.csv", "Case 19 \u2013 Client-side WTA", MASTER "Case19", NULL,
     "noisy scores of two close servers, each validator one-hotting its argmax (client-side winner-takes-all): "
     "the validators disagree from epoch to epoch and the consensus breaks",
     {{"i21", "Case 21 \u2013 Client-side WTA high noise"}, {NULL, NULL}}, V_NOISE2, 2, {490000, 490000, 20000}, -1,
     {0}, -1, 0, false, 0, true, 0, {{0}}},
    {"20", "case-20.csv", "Case 20 \u2013 Server-side WTA", MASTER "Case20", NULL,
     "the same noisy scores set as they are, the chain taking the argmax of the incentive (server-side "
     "winner-takes-all, taosim's opt-in incentive_wta): one coherent winner",
     {{"i22", "Case 22 \u2013 Server-side WTA high noise"}, {NULL, NULL}}, V_NOISE2, 2, {490000, 490000, 20000}, -1,
     {0}, -1, 0, true, 0, false, 0, {{0}}},
    {"21", "case-21.csv", "Case 21 \u2013 3 servers Client-side WTA", MASTER "Case21", NULL,
     "three close servers, noisy one-hot weights and server-side WTA on top (as the reference runs it)",
     {{"i23", "Case 23 \u2013 3 servers Client-side WTA high noise"}, {NULL, NULL}}, V_NOISE3, 3,
     {340000, 330000, 330000}, -1, {0}, -1, 0, true, 1, true, 0, {{0}}},
    {"22", "case-22.csv", "Case 22 \u2013 3 servers Server-side WTA", MASTER "Case22", NULL,
     "three close servers, the noisy scores set as they are, server-side WTA picks the winner",
     {{"i24", "Case 24 \u2013 3 servers Server-side WTA high noise"}, {NULL, NULL}}, V_NOISE3, 3,
     {340000, 330000, 330000}, -1, {0}, -1, 0, true, 1, false, 0, {{0}}},
    {"i19", "case-i19.csv", "Case 19 \u2013 3 servers Client-side WTA low noise", FORK "Case 19", NULL,
     "three servers within 0.015 of each other, low noise, one-hot weights and server-side WTA",
     NOALIAS, V_LOW3, 3, {340000, 330000, 330000}, -1, {0}, -1, 0, true, 2, true, 0, {{0}}},
    {"i20", "case-i20.csv", "Case 20 \u2013 3 servers Server-side WTA low noise", FORK "Case 20", NULL,
     "the same low-noise scores set as they are, server-side WTA picks the winner",
     NOALIAS, V_LOW3, 3, {340000, 330000, 330000}, -1, {0}, -1, 0, true, 2, false, 0, {{0}}},
};
static const size_t ndefs = sizeof defs / sizeof defs[0];

size_t cases_builtin_count(void)
{
    return ndefs;
}

const char *cases_builtin_file(size_t i)
{
    return i < ndefs ? defs[i].file : NULL;
}

/* ---- weight rows ---------------------------------------------------------- */

/* Max-upscale thousandths to u16, round half up: the stored row. */
static void upscale_thousandths(const uint16_t *t, uint32_t n, uint16_t *out)
{
    uint32_t max = 0;
    for (uint32_t j = 0; j < n; j++)
        if (t[j] > max) max = t[j];
    for (uint32_t j = 0; j < n; j++)
        out[j] = max ? (uint16_t)(((uint64_t)t[j] * 2 * 65535 + max) / (2 * (uint64_t)max)) : 0;
}

/* The noisy score of (validator v, epoch e, server j): one gaussian from its
 * own stream, entity ((family key * 16 + v) * 4096 + e * 16 + j), so every
 * cell is independent of the others' draw counts. */
static double noisy_score(const noise_family *f, uint32_t v, uint32_t e, uint32_t j)
{
    const uint64_t entity = ((uint64_t)f->key * 16 + v) * 4096 + (uint64_t)e * 16 + j;
    gsl_rng *g = rng_gsl_alloc(rng_stream(NOISE_SEED, RNG_PURPOSE_SCENARIO, entity));
    if (!g) return f->perf[j];
    const double x = f->perf[j] + gsl_ran_gaussian(g, f->sigma[v]);
    gsl_rng_free(g);
    return x < 0 ? 0 : x > 1 ? 1 : x;
}

static int noisy_row(const case_def *d, uint32_t v, uint32_t e, uint16_t *out)
{
    const noise_family *f = &families[d->noise];
    double x[MAXSRV], max = 0;
    uint32_t arg = 0;
    for (uint32_t j = 0; j < d->nsrv; j++) {
        x[j] = noisy_score(f, v, e, j);
        if (x[j] > x[arg]) arg = j; /* the first maximum, as torch.argmax */
        if (x[j] > max) max = x[j];
    }
    if (max <= 0) return -1;
    for (uint32_t j = 0; j < d->nsrv; j++)
        out[j] = d->onehot ? (uint16_t)(j == arg ? 65535 : 0) : (uint16_t)floor(x[j] / max * 65535.0 + 0.5);
    return 0;
}

static int weight_row(const case_def *d, uint32_t v, uint32_t e, uint16_t *out)
{
    if (d->noise >= 0) return noisy_row(d, v, e, out);
    for (uint32_t k = 0; k < d->nseg; k++)
        if (e >= d->seg[k].from && e <= d->seg[k].to) {
            upscale_thousandths(d->seg[k].w[v], d->nsrv, out);
            return 0;
        }
    return -1;
}

/* ---- the file ------------------------------------------------------------- */

static const char *const vtag[NVAL] = {"A", "B", "C"};

/* "# KEY: TEXT" wrapped at 100 columns, continuation lines "#   ...". */
static void wrapped(FILE *f, const char *key, const char *text)
{
    size_t col = (size_t)fprintf(f, "# %s:", key);
    for (const char *p = text; *p;) {
        const char *sp = strchr(p, ' ');
        size_t len = sp ? (size_t)(sp - p) : strlen(p);
        if (col + 1 + len > 100) col = (size_t)fprintf(f, "\n#  ");
        col += (size_t)fprintf(f, " %.*s", (int)len, p);
        p += len;
        while (*p == ' ') p++;
    }
    fputc('\n', f);
}

static void header(const case_def *d, FILE *f)
{
    fprintf(f, "# %s\n#\n", d->name);
    fprintf(f, "# case: %s\n# name: %s\n", d->id, d->name);
    for (int k = 0; k < 2; k++)
        if (d->aliases[k][0]) fprintf(f, "# alias: %s %s\n", d->aliases[k][0], d->aliases[k][1]);
    fprintf(f, "# source: %s (../shared/spec/cases.md)\n", d->source);
    if (d->chain_test) fprintf(f, "# chain test: %s (subtensor v3.2.7)\n", d->chain_test);
    wrapped(f, "shows", d->shows);
    for (uint32_t v = 0; v < NVAL; v++) fprintf(f, "# validator: %s %u %s\n", vtag[v], v, d->vlabel[v]);
    for (uint32_t j = 0; j < d->nsrv; j++) fprintf(f, "# server: S%u %u Server %u\n", j + 1, NVAL + j, j + 1);
    fprintf(f, "# setup epochs: 1\n");
    if (d->noise >= 0) {
        char text[512];
        snprintf(text, sizeof text,
                 "%s. The reference draws it from torch (seed 42), which C cannot reproduce: these are taosim's "
                 "own draws, one GSL gaussian per (validator, epoch, server) on the PCG stream "
                 "rng_stream(42, RNG_PURPOSE_SCENARIO, cell), added to the server's performance and clamped to "
                 "[0, 1]%s",
                 families[d->noise].what, d->onehot ? "; then one-hot on each row's argmax (client-side WTA)" : "");
        wrapped(f, "noise", text);
    }
    if (d->wta)
        wrapped(f, "server-side WTA",
                "incentive_wta 1, taosim's opt-in (not a chain rule): the whole incentive to the top miner, "
                "after the dividends (the reference's winner_takes_all)");
    fprintf(f,
            "#\n"
            "# Generated by `taosim case --generate` (sim/cases_gen.c); tests/test_case.c checks this file is\n"
            "# its output. Layout of the chain's Yuma 3 tests (setup_yuma_3_scenario): block 1 the subnet and\n"
            "# its %u uids with stakes of a 1,000,000 TAO subnet; block 2 the empty setup epoch; case epoch e:\n"
            "# weights at block 2 + e (every server listed, zeros included), the epoch at block 3 + e, each\n"
            "# distributing 82 TAO (100 TAO after the 18%% owner cut). The rows are Yuma 3's configuration;\n"
            "# `taosim case %s --yuma 2|3` switches the variant flag just before the first epoch.\n",
            NVAL + d->nsrv, d->id);
}

static void config(const case_def *d, FILE *f)
{
    fprintf(f,
            "block,op,netuid,uid,key,value\n"
            "1,subnet,1,,,\n"
            "1,hparam,1,,yuma_version,3\n"
            "1,hparam,1,,tempo,1\n"
            "1,hparam,1,,max_allowed_uids,%u\n"
            "1,hparam,1,,weights_set_rate_limit,0\n"
            "1,hparam,1,,min_allowed_weights,1\n"
            "1,hparam,1,,max_weight_limit,65535\n"
            "1,hparam,1,,bonds_penalty,0\n"
            "1,hparam,1,,alpha_sigmoid_steepness,1000\n"
            "1,hparam,1,,bonds_moving_average,975000\n"
            "1,hparam,1,,kappa,32767\n"
            "1,hparam,1,,liquid_alpha_enabled,1\n"
            "# set_alpha_values_32(0.1, 0.3) = (6553, 19660): values the Yuma 3 setter accepts\n"
            "1,hparam,1,,alpha_low,6553\n"
            "1,hparam,1,,alpha_high,19660\n"
            "1,hparam,1,,max_allowed_validators,3\n",
            NVAL + d->nsrv);
    if (d->reset_epoch >= 0) fprintf(f, "1,hparam,1,,bonds_reset_enabled,1\n");
    if (d->wta) fprintf(f, "1,hparam,1,,incentive_wta,1\n");
    fprintf(f, "1,hparam,,,stake_threshold,0\n");
    for (uint32_t v = 0; v < NVAL; v++) fprintf(f, "1,register,1,,%s,\n", vtag[v]);
    for (uint32_t j = 0; j < d->nsrv; j++) fprintf(f, "1,register,1,,S%u,\n", j + 1);
    for (uint32_t v = 0; v < NVAL; v++)
        fprintf(f, "1,stake,1,%u,,%llu\n", v, (unsigned long long)(d->stake[v] * TAO));
    fprintf(f, "# the setup epoch (run_epoch before any weights): no weights, the stake fallback, permits to A, B, C\n"
               "2,epoch,1,,,%llu\n", (unsigned long long)EPOCH_RAO);
}

cases_status cases_generate(size_t i, FILE *f, io_err *err)
{
    if (i >= ndefs) {
        io_errf(err, "no built-in case %zu (there are %zu)", i, ndefs);
        return CASES_EINPUT;
    }
    const case_def *d = &defs[i];
    header(d, f);
    config(d, f);
    for (uint32_t e = 0; e < EPOCHS; e++) {
        const unsigned long long b = 2 + e;
        fprintf(f, "# epoch %u\n", e);
        if (d->stake_epoch >= 0 && e == (uint32_t)d->stake_epoch)
            for (uint32_t v = 0; v < NVAL; v++)
                fprintf(f, "%llu,stake,1,%u,,%llu\n", b, v, (unsigned long long)(d->stake2[v] * TAO));
        if (d->reset_epoch >= 0 && e == (uint32_t)d->reset_epoch)
            fprintf(f, "%llu,reset_bonds,1,%u,,\n", b, NVAL + (uint32_t)d->reset_server);
        for (uint32_t v = 0; v < NVAL; v++) {
            /* a validator whose stake is gone sets no weights: it loses its
             * permit at the next epoch and the chain would refuse them */
            if (d->stake_epoch >= 0 && e >= (uint32_t)d->stake_epoch && d->stake2[v] == 0) {
                if (e == (uint32_t)d->stake_epoch) fprintf(f, "# %s holds no stake from now on: no permit, no weights\n", vtag[v]);
                continue;
            }
            uint16_t w[MAXSRV];
            if (weight_row(d, v, e, w) != 0) {
                io_errf(err, "%s: no weights for validator %s in epoch %u", d->file, vtag[v], e);
                return CASES_EFAIL;
            }
            fprintf(f, "%llu,weights,1,%u,,", b, v);
            for (uint32_t j = 0; j < d->nsrv; j++) fprintf(f, "%s%u:%u", j ? " " : "", NVAL + j, w[j]);
            fputc('\n', f);
        }
        fprintf(f, "%llu,epoch,1,,,%llu\n", b + 1, (unsigned long long)EPOCH_RAO);
    }
    if (ferror(f)) {
        io_errf(err, "%s: write error", d->file);
        return CASES_EFAIL;
    }
    return CASES_OK;
}
