/* test_supply.c -- the supply jump engine against the per-block oracle, the
 * halving table of economics.md §2.3, the burn-CSV reader, the reporting
 * helpers and the `taosim supply` command line ($TAOSIM_BIN).
 *
 * Golden numbers come from economics.md (§2.3 table, §4.1 cadence) or are
 * worked out by hand from the model stated in supply.h; the per-block oracle
 * (supply_run_oracle, a plain loop over emission_ledger) is the reference for
 * every burn model. */
#define _GNU_SOURCE 1 /* mkdtemp */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "taosim/emission.h"
#include "taosim/supply.h"

/* ---- row recorder ------------------------------------------------------------ */

typedef struct rec {
    supply_row *r;
    size_t n, cap;
} rec;

static int rec_sink(void *ctx, const supply_row *row)
{
    rec *rc = ctx;
    if (rc->n == rc->cap) {
        rc->cap = rc->cap ? rc->cap * 2 : 1024;
        rc->r = realloc(rc->r, rc->cap * sizeof *rc->r);
        assert_non_null(rc->r);
    }
    rc->r[rc->n++] = *row;
    return 0;
}

static void rec_free(rec *rc)
{
    free(rc->r);
    memset(rc, 0, sizeof *rc);
}

static void row_eq(const supply_row *a, const supply_row *b, bool mask_pin)
{
    unsigned fa = a->flags, fb = b->flags;
    if (mask_pin) {
        fa &= ~(unsigned)SUPPLY_ROW_PIN;
        fb &= ~(unsigned)SUPPLY_ROW_PIN;
    }
    if (a->block != b->block || fa != fb || a->issuance != b->issuance || a->emission != b->emission ||
        a->halvings != b->halvings || a->minted != b->minted || a->burned != b->burned ||
        a->prev_emission != b->prev_emission || a->read_issuance != b->read_issuance)
        fail_msg("row mismatch at block %llu / %llu: flags %u/%u issuance %llu/%llu emission %llu/%llu "
                 "minted %llu/%llu burned %llu/%llu prev %llu/%llu read %llu/%llu",
                 (unsigned long long)a->block, (unsigned long long)b->block, fa, fb,
                 (unsigned long long)a->issuance, (unsigned long long)b->issuance, (unsigned long long)a->emission,
                 (unsigned long long)b->emission, (unsigned long long)a->minted, (unsigned long long)b->minted,
                 (unsigned long long)a->burned, (unsigned long long)b->burned, (unsigned long long)a->prev_emission,
                 (unsigned long long)b->prev_emission, (unsigned long long)a->read_issuance,
                 (unsigned long long)b->read_issuance);
    if (!mask_pin)
        assert_true(a->pin_k == b->pin_k && a->pin_threshold == b->pin_threshold && a->pin_until == b->pin_until);
}

static void result_eq(const supply_result *a, const supply_result *b)
{
    assert_int_equal(a->issuance, b->issuance);
    assert_int_equal(a->emission, b->emission);
    assert_int_equal(a->halvings, b->halvings);
    assert_int_equal(a->minted, b->minted);
    assert_int_equal(a->burned, b->burned);
    assert_int_equal(a->changes, b->changes);
    assert_int_equal(a->max_halvings, b->max_halvings);
    assert_int_equal(a->zero_block, b->zero_block);
}

typedef struct cmp_stats {
    uint64_t oracle_rows, engine_rows, changes, rises, pins;
} cmp_stats;

/* Run the oracle and the engine (every_change, then summarised) on p and
 * check they agree; returns what happened so callers can assert coverage. */
static cmp_stats compare(const supply_params *p0)
{
    cmp_stats cs = {0, 0, 0, 0, 0};
    supply_params p = *p0;
    io_err err;
    rec o = {0}, e = {0}, s = {0};
    supply_result ro, re, rs;
    assert_int_equal(supply_run_oracle(&p, rec_sink, &o, &ro, &err), SUPPLY_OK);
    /* 1. every_change: the very same rows */
    p.every_change = true;
    assert_int_equal(supply_run(&p, rec_sink, &e, &re, &err), SUPPLY_OK);
    result_eq(&re, &ro);
    if (e.n != o.n) fail_msg("every_change: %zu rows, oracle %zu", e.n, o.n);
    for (size_t i = 0; i < o.n; i++) row_eq(&e.r[i], &o.r[i], false);
    assert_int_equal(re.rows, e.n);
    /* 2. summarised: same result; its rows are oracle rows (PIN aside); the
     * oracle rows it leaves out are changes inside a pinned stretch */
    p.every_change = false;
    assert_int_equal(supply_run(&p, rec_sink, &s, &rs, &err), SUPPLY_OK);
    result_eq(&rs, &ro);
    size_t j = 0;
    uint64_t pin_from = 0, pin_until = 0;
    bool pinned = false;
    for (size_t i = 0; i < o.n; i++) {
        if (j < s.n && s.r[j].block == o.r[i].block) {
            row_eq(&s.r[j], &o.r[i], true);
            if (s.r[j].flags & SUPPLY_ROW_PIN) {
                pinned = true;
                pin_from = s.r[j].block;
                pin_until = s.r[j].pin_until;
                assert_true(pin_until <= p.blocks && pin_until > pin_from);
                cs.pins++;
            }
            j++;
            continue;
        }
        /* left out: a change only, inside a pinned stretch */
        if (o.r[i].flags != SUPPLY_ROW_CHANGE || !pinned || o.r[i].block <= pin_from || o.r[i].block > pin_until)
            fail_msg("summarised run is missing the row of block %llu (flags %u)", (unsigned long long)o.r[i].block,
                     o.r[i].flags);
    }
    if (j != s.n) fail_msg("summarised run has a row at block %llu the oracle lacks", (unsigned long long)s.r[j].block);
    assert_int_equal(rs.pins, cs.pins);
    for (size_t i = 0; i < o.n; i++)
        if ((o.r[i].flags & SUPPLY_ROW_CHANGE) && o.r[i].emission > o.r[i].prev_emission) cs.rises++;
    cs.oracle_rows = o.n;
    cs.engine_rows = s.n;
    cs.changes = ro.changes;
    /* the engine's work is bounded by what it reports, not by the blocks */
    assert_true(rs.steps <= 3 * (s.n + 2 * (p.burn.kind == SUPPLY_BURN_SCHEDULE ? p.burn.nsteps : 0) + 4));
    rec_free(&o);
    rec_free(&e);
    rec_free(&s);
    return cs;
}

static supply_params base(uint64_t issuance, uint64_t blocks, uint64_t sample)
{
    supply_params p;
    supply_params_init(&p);
    p.issuance = issuance;
    p.blocks = blocks;
    p.sample_every = sample;
    return p;
}

#define T(k) emission_threshold(k)

/* ---- economics.md §2.3 ------------------------------------------------------- */

/* §2.3 halving table: E re-evaluated every block (period 1), no burns, from 0.
 * N_k + 1 = first block paying E_k; "TI at start" = the issuance it read. */
static const struct {
    unsigned k;
    uint64_t e, ti_start, n;
} TABLE23[] = {
    {1, 500000000ull, 10500000000000000ull, 10500000ull},
    {2, 250000000ull, 15750000000000000ull, 21000000ull},
    {3, 125000000ull, 18375000000000000ull, 31500000ull},
    {4, 62500000ull, 19687500000000000ull, 42000000ull},
    {5, 31250000ull, 20343750000000000ull, 52500000ull},
    {6, 15625000ull, 20671875000000000ull, 63000000ull},
    {7, 7812500ull, 20835937500000000ull, 73500000ull},
    {8, 3906250ull, 20917968750000000ull, 84000000ull},
    {9, 1953125ull, 20958984375000000ull, 94500000ull},
    {10, 976562ull, 20979492187500000ull, 105000000ull},
    {11, 488281ull, 20989746094359372ull, 115500006ull},
    {12, 244140ull, 20994873047300777ull, 126000011ull},
    {13, 122070ull, 20997436523648417ull, 136500037ull},
    {14, 61035ull, 20998718261822237ull, 147000063ull},
    {15, 30517ull, 20999359130909147ull, 157500089ull},
    {16, 15258ull, 20999679565451513ull, 168000287ull},
    {17, 7629ull, 20999839782721349ull, 178500829ull},
    {18, 3814ull, 20999919891363896ull, 189001372ull},
    {19, 1907ull, 20999959945679148ull, 199503290ull},
    {20, 953ull, 20999979972840588ull, 210005210ull},
    {21, 476ull, 20999989986420425ull, 220512639ull},
    {22, 238ull, 20999994993210241ull, 231031105ull},
    {23, 119ull, 20999997496605149ull, 241549571ull},
    {24, 59ull, 20999998748302484ull, 252068036ull},
    {25, 29ull, 20999999374151238ull, 262675642ull},
    {26, 14ull, 20999999687075622ull, 273466138ull},
    {27, 7ull, 20999999843537816ull, 284642009ull},
    {28, 3ull, 20999999921768906ull, 295817879ull},
    {29, 1ull, 20999999960884454ull, 308856395ull},
    {30, 0ull, 20999999980442226ull, 328414167ull},
};

static void test_halving_table_23(void **state)
{
    (void)state;
    supply_params p = base(0, 328414167ull + 5000, 0);
    p.period = 1;
    p.phase = 0;
    rec r = {0};
    supply_result res;
    io_err err;
    assert_int_equal(supply_run(&p, rec_sink, &r, &res, &err), SUPPLY_OK);
    size_t nc = 0;
    for (size_t i = 0; i < r.n; i++) {
        if (!(r.r[i].flags & SUPPLY_ROW_CHANGE)) continue;
        assert_true(nc < 30);
        assert_int_equal(r.r[i].halvings, TABLE23[nc].k);
        assert_int_equal(r.r[i].emission, TABLE23[nc].e);
        assert_int_equal(r.r[i].read_issuance, TABLE23[nc].ti_start);
        assert_int_equal(r.r[i].block, TABLE23[nc].n + 1);
        nc++;
    }
    assert_int_equal(nc, 30);
    assert_int_equal(res.changes, 30);
    assert_int_equal(res.zero_block, 328414168ull);
    assert_int_equal(res.issuance, 20999999980442226ull); /* nothing is minted at rate 0 */
    assert_int_equal(res.minted, 20999999980442226ull);
    assert_int_equal(res.max_halvings, 30);
    rec_free(&r);

    /* the oracle agrees on the first two rows of the table */
    p.blocks = 21000000ull + 10;
    assert_int_equal(supply_run_oracle(&p, rec_sink, &r, &res, &err), SUPPLY_OK);
    assert_int_equal(res.changes, 2);
    nc = 0;
    for (size_t i = 0; i < r.n; i++)
        if (r.r[i].flags & SUPPLY_ROW_CHANGE) {
            assert_int_equal(r.r[i].block, TABLE23[nc].n + 1);
            assert_int_equal(r.r[i].read_issuance, TABLE23[nc].ti_start);
            nc++;
        }
    assert_int_equal(nc, 2);
    rec_free(&r);
}

/* §4.1 / §2.3 realism note 1: at the chain's cadence every change happens at a
 * root epoch (b mod 101 == 99) that read an issuance in [T_k, T_k + 101·E_{k−1});
 * 256 years without burns: 30 changes, emission ends at 0 within T_30 + 100 RAO. */
static void test_chain_cadence_256y(void **state)
{
    (void)state;
    supply_params p = base(0, 256 * EMISSION_BLOCKS_PER_YEAR, EMISSION_BLOCKS_PER_DAY);
    rec r = {0};
    supply_result res;
    io_err err;
    assert_int_equal(supply_run(&p, rec_sink, &r, &res, &err), SUPPLY_OK);
    unsigned k = 0;
    uint64_t samples = 0, prev_block = 0;
    for (size_t i = 0; i < r.n; i++) {
        const supply_row *w = &r.r[i];
        assert_true(i == 0 || w->block > prev_block);
        prev_block = w->block;
        if (w->flags & SUPPLY_ROW_SAMPLE) {
            assert_int_equal(w->block % 7200, 0);
            samples++;
        }
        if (!(w->flags & SUPPLY_ROW_CHANGE)) continue;
        k++;
        assert_int_equal(w->block % 101, 99);
        assert_int_equal(w->halvings, k);
        assert_int_equal(w->emission, emission_of_step(k));
        assert_true(w->read_issuance >= T(k));
        assert_true(w->read_issuance < T(k) + 101 * emission_of_step(k - 1));
        /* issuance after the block = read + the new rate */
        assert_int_equal(w->issuance, w->read_issuance + w->emission);
    }
    assert_int_equal(k, 30);
    assert_int_equal(samples, 256 * EMISSION_BLOCKS_PER_YEAR / 7200 + 1);
    assert_true(res.issuance >= T(30) && res.issuance < T(30) + 101);
    assert_int_equal(res.emission, 0);
    assert_int_equal(res.burned, 0);
    assert_true(r.r[r.n - 1].flags & SUPPLY_ROW_END);
    /* it is computed in jumps: ~one step per reported row */
    assert_true(res.steps < 2 * r.n);
    rec_free(&r);
}

/* ---- jump engine = per-block oracle ------------------------------------------------ */

static void test_oracle_no_burn(void **state)
{
    (void)state;
    supply_params p = base(T(1) - 300000000000ull, 200000, 7200); /* crosses T_1 after 300 blocks */
    cmp_stats cs = compare(&p);
    assert_int_equal(cs.changes, 1);
    p = base(T(20) - 100000000ull, 300000, 1000); /* E_19 = 1907: crosses after ~52 000 blocks */
    cs = compare(&p);
    assert_int_equal(cs.changes, 1);
    p = base(0, 50000, 1); /* every block a sample row */
    cs = compare(&p);
    assert_int_equal(cs.oracle_rows, 50001);
    p = base(T(30) - 5, 20000, 0); /* last RAO of emission, then 0 */
    cs = compare(&p);
    assert_int_equal(cs.changes, 1);
    p = base(UINT64_MAX, 1000, 7); /* far above the cap: emission 0 from the start */
    compare(&p);
    p = base(0, 0, 7200); /* horizon 0: the start row only */
    cs = compare(&p);
    assert_int_equal(cs.oracle_rows, 1);
}

/* Constant burn: between two rates (pinned at a threshold), above 1 TAO (falls
 * to 0, clamped), equal to a rate (no alternation), falling across many
 * thresholds (emission rises again at each). */
static void test_oracle_const_burn(void **state)
{
    (void)state;
    supply_params p = base(T(1) - 100000000000ull, 2000000, 7200);
    p.burn.kind = SUPPLY_BURN_CONST;
    p.burn.rao_per_block = 700000000; /* 5e8 < c < 1e9: pinned at T_1 */
    cmp_stats cs = compare(&p);
    assert_true(cs.pins >= 1);
    assert_true(cs.changes > 5000);          /* alternating at root epochs */
    assert_true(cs.rises > 2000);            /* emission rises again every time */
    assert_true(cs.engine_rows * 10 < cs.oracle_rows);

    p = base(5000000000000ull, 100000, 7200);
    p.burn.rao_per_block = 3000000000ull; /* more than any emission: falls to 0 and stays */
    p.burn.kind = SUPPLY_BURN_CONST;
    cs = compare(&p);
    assert_int_equal(cs.changes, 0);

    p = base(T(25) + 10000000000ull, 600000, 7200);
    p.burn.kind = SUPPLY_BURN_CONST;
    p.burn.rao_per_block = 1000000000ull; /* = E_0: falls through T_25 … T_1 */
    cs = compare(&p);
    assert_true(cs.rises >= 10);
    assert_int_equal(cs.pins, 0);

    p = base(T(3) - 200000000000ull, 400000, 7200);
    p.burn.kind = SUPPLY_BURN_CONST;
    p.burn.rao_per_block = 125000000ull; /* = E_3: climbs to T_3, then flat */
    cs = compare(&p);
    assert_int_equal(cs.changes, 1);

    /* a long cadence (25e6 blocks) makes the would-be band [T_29 − B, T_29 + A)
     * reach past T_30 (A = 25e6 > T_30 − T_29 = 19 557 774): no closed-form
     * pinning there, reads above T_30 pay 0 */
    p = base(T(29) - 1000, 100000000, 0);
    p.period = 25000000;
    p.phase = 0;
    p.burn.kind = SUPPLY_BURN_CONST;
    p.burn.rao_per_block = 2;
    cs = compare(&p);
    assert_int_equal(cs.pins, 0);
    assert_true(cs.changes >= 2);

    p = base(T(29) - 1000, 3000000, 7200);
    p.burn.kind = SUPPLY_BURN_CONST;
    p.burn.rao_per_block = 2; /* 1 < 2 < 3: pinned at T_29, tiny band */
    cs = compare(&p);
    assert_true(cs.pins >= 1 && cs.rises > 100);
}

static void test_oracle_share_burn(void **state)
{
    (void)state;
    static const uint32_t ppm[] = {0, 1, 250000, 500000, 999999, 1000000};
    for (size_t i = 0; i < sizeof ppm / sizeof ppm[0]; i++) {
        supply_params p = base(T(1) - 100000000000ull, 400000, 7200);
        p.burn.kind = SUPPLY_BURN_SHARE;
        p.burn.ppm = ppm[i];
        cmp_stats cs = compare(&p);
        assert_int_equal(cs.changes, ppm[i] >= 999999 ? 0 : 1);
        assert_int_equal(cs.pins, 0);
    }
    /* share of a 1-RAO emission floors to 0 */
    supply_params p = base(T(29), 20000, 100);
    p.burn.kind = SUPPLY_BURN_SHARE;
    p.burn.ppm = 999999;
    compare(&p);
}

static void test_oracle_schedule(void **state)
{
    (void)state;
    static const supply_burn_step steps[] = {
        {1000, 3000000000ull}, /* falls back across T_1: emission rises again */
        {60000, 0},
        {70000, 700000000ull}, /* pinned at T_1 */
        {400000, 1},
        {500000, 700000000ull}, /* pinned again */
        {800000, 2000000000ull},
        {900000, 600000000ull},
        {900001, 600000001ull},
    };
    supply_params p = base(T(1) + 50000000000000ull, 1200000, 7200);
    p.burn.kind = SUPPLY_BURN_SCHEDULE;
    p.burn.steps = steps;
    p.burn.nsteps = sizeof steps / sizeof steps[0];
    cmp_stats cs = compare(&p);
    assert_true(cs.rises >= 1);
    assert_true(cs.pins >= 2);
    /* the same schedule at other cadences and sample steps */
    p.period = 1;
    p.phase = 0;
    compare(&p);
    p.period = 7;
    p.phase = 3;
    p.sample_every = 997;
    compare(&p);
    p.period = 101;
    p.phase = 0;
    p.sample_every = 0;
    compare(&p);
}

/* The chain's cadence, one year, every burn model (issuance crosses T_1 inside). */
static void test_oracle_one_year_each_model(void **state)
{
    (void)state;
    /* schedule: climbs across T_1 (~block 1.11M), falls back below it from
     * 1.2M (emission rises again), climbs again from 1.5M and gets pinned */
    static const supply_burn_step steps[] = {{0, 100000000ull}, {1200000, 2500000000ull}, {1500000, 600000000ull}};
    for (int m = 0; m < 4; m++) {
        supply_params p = base(T(1) - 1000000000000000ull, EMISSION_BLOCKS_PER_YEAR, EMISSION_BLOCKS_PER_DAY);
        p.burn.kind = (supply_burn_kind)m;
        p.burn.rao_per_block = 300000000ull;
        p.burn.ppm = 100000;
        p.burn.steps = steps;
        p.burn.nsteps = 3;
        cmp_stats cs = compare(&p);
        assert_true(cs.changes >= 1);
        if (m == SUPPLY_BURN_SCHEDULE) assert_true(cs.rises >= 1 && cs.pins >= 1);
    }
}

/* 300 random scenarios: issuance near a random threshold, random burn model,
 * cadence, sample step and horizon. */
static uint64_t mix(uint64_t *s)
{
    uint64_t z = (*s += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

static void test_oracle_random(void **state)
{
    (void)state;
    uint64_t s = 2024;
    uint64_t rises = 0, pins = 0, changes = 0;
    for (int it = 0; it < 300; it++) {
        unsigned k = (unsigned)(mix(&s) % 31);
        uint64_t e = emission_of_step(k ? k - 1 : 0);
        uint64_t span = e * (1 + mix(&s) % 20000);
        uint64_t iss = T(k);
        if (mix(&s) % 2) iss += span;
        else iss = iss >= span ? iss - span : 0;
        static const uint64_t periods[] = {1, 2, 7, 101, 101, 101};
        supply_params p = base(iss, 1 + mix(&s) % 120000, 0);
        p.period = periods[mix(&s) % 6];
        p.phase = mix(&s) % p.period;
        static const uint64_t samples[] = {0, 1, 997, 7200};
        p.sample_every = samples[mix(&s) % 4];
        if (p.sample_every == 1 && p.blocks > 20000) p.blocks = 20000;
        supply_burn_step steps[12];
        p.burn.kind = (supply_burn_kind)(mix(&s) % 4);
        /* burns around the current rates so thresholds get crossed both ways */
        uint64_t lo = emission_of_step(k < 30 ? k + 1 : 30), hi = emission_of_step(k ? k - 1 : 0) * 3 + 2;
        p.burn.rao_per_block = lo + mix(&s) % (hi - lo + 1);
        p.burn.ppm = (uint32_t)(mix(&s) % 1000001);
        size_t n = (size_t)(mix(&s) % 12);
        uint64_t fb = mix(&s) % 5;
        for (size_t i = 0; i < n; i++) {
            steps[i].from_block = fb;
            steps[i].rao_per_block = mix(&s) % 3 ? lo + mix(&s) % (hi - lo + 1) : 0;
            fb += 1 + mix(&s) % (p.blocks / 4 + 1);
        }
        p.burn.steps = steps;
        p.burn.nsteps = n;
        cmp_stats cs = compare(&p);
        rises += cs.rises;
        pins += cs.pins;
        changes += cs.changes;
    }
    /* the random set exercises what it should */
    assert_true(rises > 100);
    assert_true(pins > 10);
    assert_true(changes > 1000);
}

/* Checked arithmetic: an absurd start (u64::MAX) with a burn drives the
 * cumulative burned counter past 2^64 − 1: both report overflow. */
static void test_overflow_and_params(void **state)
{
    (void)state;
    io_err err;
    supply_result res;
    supply_params p = base(UINT64_MAX, 100000, 0);
    p.burn.kind = SUPPLY_BURN_CONST;
    p.burn.rao_per_block = 1000000000000000000ull;
    assert_int_equal(supply_run_oracle(&p, NULL, NULL, &res, &err), SUPPLY_EOVERFLOW);
    assert_int_equal(supply_run(&p, NULL, NULL, &res, &err), SUPPLY_EOVERFLOW);
    assert_non_null(strstr(err.msg, "2^64"));

    p = base(0, SUPPLY_MAX_BLOCKS + 1, 0);
    assert_int_equal(supply_run(&p, NULL, NULL, &res, &err), SUPPLY_EINVAL);
    p = base(0, 10, 0);
    p.period = 0;
    assert_int_equal(supply_run(&p, NULL, NULL, &res, &err), SUPPLY_EINVAL);
    p.period = 5;
    p.phase = 5;
    assert_int_equal(supply_run_oracle(&p, NULL, NULL, &res, &err), SUPPLY_EINVAL);
    p = base(0, 10, 0);
    p.burn.kind = SUPPLY_BURN_SHARE;
    p.burn.ppm = 1000001;
    assert_int_equal(supply_run(&p, NULL, NULL, &res, &err), SUPPLY_EINVAL);
    static const supply_burn_step bad[] = {{5, 1}, {5, 2}};
    p.burn.kind = SUPPLY_BURN_SCHEDULE;
    p.burn.steps = bad;
    p.burn.nsteps = 2;
    assert_int_equal(supply_run(&p, NULL, NULL, &res, &err), SUPPLY_EINVAL);
    assert_non_null(strstr(err.msg, "not after"));
    /* the longest horizon runs (and fast): 1e10 blocks */
    p = base(0, SUPPLY_MAX_BLOCKS, 0);
    assert_int_equal(supply_run(&p, NULL, NULL, &res, &err), SUPPLY_OK);
    assert_int_equal(res.emission, 0);
    p.burn.kind = SUPPLY_BURN_CONST;
    p.burn.rao_per_block = 999999999;
    assert_int_equal(supply_run(&p, NULL, NULL, &res, &err), SUPPLY_OK);
}

static int stop_at_3(void *ctx, const supply_row *row)
{
    (void)row;
    return ++*(int *)ctx >= 3;
}

static void test_sink_stops(void **state)
{
    (void)state;
    supply_params p = base(0, 100000, 7200);
    io_err err;
    int n = 0;
    assert_int_equal(supply_run(&p, stop_at_3, &n, NULL, &err), SUPPLY_ESTOPPED);
    assert_int_equal(n, 3);
    n = 0;
    assert_int_equal(supply_run_oracle(&p, stop_at_3, &n, NULL, &err), SUPPLY_ESTOPPED);
    assert_int_equal(n, 3);
}

/* supply_burn_at: the model's burn(b, E). */
static void test_burn_at(void **state)
{
    (void)state;
    static const supply_burn_step st[] = {{10, 5}, {20, 0}, {30, 7}};
    supply_burn b = {SUPPLY_BURN_SCHEDULE, 0, 0, st, 3};
    assert_int_equal(supply_burn_at(&b, 9, 1), 0);
    assert_int_equal(supply_burn_at(&b, 10, 1), 5);
    assert_int_equal(supply_burn_at(&b, 19, 1), 5);
    assert_int_equal(supply_burn_at(&b, 20, 1), 0);
    assert_int_equal(supply_burn_at(&b, 1000, 1), 7);
    supply_burn sh = {SUPPLY_BURN_SHARE, 0, 333333, NULL, 0};
    assert_int_equal(supply_burn_at(&sh, 1, 1000000000), 333333000);
    assert_int_equal(supply_burn_at(&sh, 1, 7), 2); /* floor(7·0.333333) */
    supply_burn c = {SUPPLY_BURN_CONST, 42, 0, NULL, 0};
    assert_int_equal(supply_burn_at(&c, 1, 0), 42);
}

/* ---- burn CSV reader ------------------------------------------------------------- */

static char tmpdir[256];

static int make_tmp(void **state)
{
    (void)state;
    const char *base_dir = getenv("TMPDIR");
    snprintf(tmpdir, sizeof tmpdir, "%s/taosim-test-supply-XXXXXX", base_dir && *base_dir ? base_dir : "/tmp");
    return mkdtemp(tmpdir) ? 0 : -1;
}

static int rm_tree(const char *path)
{
    struct stat st;
    if (lstat(path, &st) != 0) return 0;
    if (S_ISDIR(st.st_mode)) {
        DIR *d = opendir(path);
        if (d) {
            struct dirent *de;
            while ((de = readdir(d))) {
                if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, "..")) continue;
                char sub[1024];
                snprintf(sub, sizeof sub, "%s/%s", path, de->d_name);
                rm_tree(sub);
            }
            closedir(d);
        }
        return rmdir(path);
    }
    return unlink(path);
}

static int drop_tmp(void **state)
{
    (void)state;
    rm_tree(tmpdir);
    return 0;
}

static const char *write_file(const char *name, const char *text)
{
    static char path[512];
    snprintf(path, sizeof path, "%s/%s", tmpdir, name);
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    fwrite(text, 1, strlen(text), f);
    fclose(f);
    return path;
}

static void csv_bad(const char *text, int line, const char *why)
{
    const char *path = write_file("bad.csv", text);
    supply_burn_step *steps = (supply_burn_step *)1;
    size_t n = 99;
    io_err err;
    assert_int_equal(supply_burn_csv_read(path, &steps, &n, NULL, &err), SUPPLY_EINPUT);
    assert_null(steps);
    assert_int_equal(n, 0);
    char want[600];
    snprintf(want, sizeof want, "%s:%d: ", path, line);
    if (strncmp(err.msg, want, strlen(want)) != 0 || !strstr(err.msg, why))
        fail_msg("for %s expected '%s...%s', got '%s'", text, want, why, err.msg);
    assert_null(strchr(err.msg, '\n'));
}

static void test_burn_csv(void **state)
{
    (void)state;
    const char *path = write_file("ok.csv", "# a schedule\nfrom_block,rao_per_block\n0,5\n# later\n\n100,7\r\n"
                                            "\"200\",\"18446744073709551615\"\n  # indented comment\n300,0");
    supply_burn_step *steps;
    size_t n;
    uint64_t h;
    io_err err;
    assert_int_equal(supply_burn_csv_read(path, &steps, &n, &h, &err), SUPPLY_OK);
    assert_int_equal(n, 4);
    assert_int_equal(steps[0].from_block, 0);
    assert_int_equal(steps[0].rao_per_block, 5);
    assert_int_equal(steps[1].from_block, 100);
    assert_int_equal(steps[1].rao_per_block, 7);
    assert_int_equal(steps[2].from_block, 200);
    assert_int_equal(steps[2].rao_per_block, UINT64_MAX);
    assert_int_equal(steps[3].from_block, 300);
    assert_int_equal(steps[3].rao_per_block, 0);
    free(steps);
    /* the hash is the file's bytes */
    uint64_t h2;
    write_file("ok.csv", "from_block,rao_per_block\n0,5\n");
    assert_int_equal(supply_burn_csv_read(path, &steps, &n, &h2, &err), SUPPLY_OK);
    free(steps);
    assert_true(h2 != h);
    const char *body = "from_block,rao_per_block\n0,5\n";
    assert_int_equal(h2, io_fnv1a64(body, strlen(body), IO_FNV_INIT));

    csv_bad("", 1, "no header");
    csv_bad("# only a comment\n", 1, "no header");
    csv_bad("0,5\n", 1, "the first row must be the header 'from_block,rao_per_block'");
    csv_bad("block,rao\n0,5\n", 1, "header");
    csv_bad("from_block,rao_per_block\n", 1, "no schedule rows");
    csv_bad("from_block,rao_per_block\n0,5,6\n", 2, "expected 2 columns");
    csv_bad("from_block,rao_per_block\n0\n", 2, "expected 2 columns");
    csv_bad("from_block,rao_per_block\n0,5\nx,5\n", 3, "from_block 'x' is not an unsigned integer");
    csv_bad("from_block,rao_per_block\n0,-5\n", 2, "rao_per_block '-5' is not an unsigned integer");
    csv_bad("from_block,rao_per_block\n0,1e9\n", 2, "rao_per_block '1e9'");
    csv_bad("from_block,rao_per_block\n0,\n", 2, "rao_per_block '' is not");
    csv_bad("from_block,rao_per_block\n0,18446744073709551616\n", 2, "not an unsigned integer");
    csv_bad("from_block,rao_per_block\n0,99999999999999999999999999999999999\n", 2, "...");
    csv_bad("from_block,rao_per_block\n100,5\n# c\n100,6\n", 4, "from_block 100 is not after the previous row's 100");
    csv_bad("from_block,rao_per_block\n100,5\n50,6\n", 3, "strictly increase");
    csv_bad("from_block,rao_per_block\n\"100,5\n", 2, "unterminated quoted field");
    csv_bad("from_block,rao_per_block\n1\"00,5\n", 2, "CSV syntax error");
    const char nul[] = "from_block,rao_per_block\n1\0,5\n";
    FILE *f = fopen(write_file("bad.csv", ""), "wb");
    fwrite(nul, 1, sizeof nul - 1, f);
    fclose(f);
    snprintf(err.msg, sizeof err.msg, "x");
    char p2[512];
    snprintf(p2, sizeof p2, "%s/bad.csv", tmpdir);
    assert_int_equal(supply_burn_csv_read(p2, &steps, &n, NULL, &err), SUPPLY_EINPUT);
    assert_non_null(strstr(err.msg, ":2: "));

    snprintf(p2, sizeof p2, "%s/missing.csv", tmpdir);
    assert_int_equal(supply_burn_csv_read(p2, &steps, &n, NULL, &err), SUPPLY_EINPUT);
    assert_non_null(strstr(err.msg, "cannot read"));
}

/* ---- reporting helpers ------------------------------------------------------------- */

static void test_format(void **state)
{
    (void)state;
    char buf[64];
    /* §2.3 year column: N_1 = 10 500 000 → 3.9927, N_30 = 328 414 167 → 124.8818 (4 decimals, rounded) */
    supply_format_year(10500000, buf, sizeof buf);
    assert_string_equal(buf, "3.992699");
    supply_format_year(328414167, buf, sizeof buf);
    assert_string_equal(buf, "124.881803");
    supply_format_year(0, buf, sizeof buf);
    assert_string_equal(buf, "0.000000");
    supply_format_year(2629800ull * 256, buf, sizeof buf);
    assert_string_equal(buf, "256.000000");
    supply_format_year(2629799, buf, sizeof buf);
    assert_string_equal(buf, "0.999999"); /* truncated, never rounded up */
    supply_format_tao(20999999980442226ull, buf, sizeof buf);
    assert_string_equal(buf, "20999999.980442226");
    supply_format_tao(5, buf, sizeof buf);
    assert_string_equal(buf, "0.000000005");

    int64_t d;
    assert_int_equal(supply_parse_date("1970-01-01", &d), 0);
    assert_int_equal(d, 0);
    assert_int_equal(supply_parse_date("2000-03-01", &d), 0);
    assert_int_equal(d, 11017); /* 2000-01-01 is day 10957, + 31 + 29 */
    assert_int_equal(supply_parse_date("2024-02-29", &d), 0);
    assert_int_equal(supply_parse_date("0001-01-01", &d), 0);
    assert_int_equal(supply_parse_date("9999-12-31", &d), 0);
    static const char *bad[] = {"2023-02-29", "2025-13-01", "2025-00-10", "2025-01-00", "2025-01-32",
                                "2025-04-31", "1900-02-29", "0000-01-01", "2025-1-07",  "20250107",
                                "2025/01/07", "2025-01-07x", "",          "+025-01-07", "2025-01-0a"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) assert_int_equal(supply_parse_date(bad[i], &d), -1);
    assert_int_equal(supply_parse_date("2000-02-29", &d), 0); /* divisible by 400 */

    int64_t d0;
    assert_int_equal(supply_parse_date("2025-01-07", &d0), 0);
    supply_format_date(d0, 7199, buf, sizeof buf);
    assert_string_equal(buf, "2025-01-07");
    supply_format_date(d0, 7200, buf, sizeof buf); /* 7200 blocks of 12 s = one day */
    assert_string_equal(buf, "2025-01-08");
    /* 256 Julian years = 93 504 days; Gregorian 2025-01-07 → 2281-01-07 is
     * 256·365 + 62 leap days (2028…2280 but 2100, 2200) = 93 502 days */
    supply_format_date(d0, 256 * 2629800ull, buf, sizeof buf);
    assert_string_equal(buf, "2281-01-09");
    assert_int_equal(supply_parse_date("2023-02-28", &d0), 0);
    supply_format_date(d0, 7200, buf, sizeof buf);
    assert_string_equal(buf, "2023-03-01");
    assert_int_equal(supply_parse_date("2024-02-28", &d0), 0);
    supply_format_date(d0, 7200, buf, sizeof buf);
    assert_string_equal(buf, "2024-02-29");
    assert_int_equal(supply_parse_date("1999-12-31", &d0), 0);
    supply_format_date(d0, 7200 * 366, buf, sizeof buf);
    assert_string_equal(buf, "2000-12-31");
}

/* ---- the command line -------------------------------------------------------------- */

typedef struct run_out {
    int status;
    char out[16384], err[4096];
} run_out;

static char *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    size_t cap = 1 << 16, n = 0;
    char *b = malloc(cap + 1);
    size_t k;
    while ((k = fread(b + n, 1, cap - n, f)) > 0) {
        n += k;
        if (n == cap) b = realloc(b, (cap *= 2) + 1);
    }
    fclose(f);
    b[n] = '\0';
    if (len) *len = n;
    return b;
}

/* Run $TAOSIM_BIN supply ARGS..., capturing stdout and stderr. */
static void run_cli(run_out *ro, const char *const *args)
{
    const char *bin = getenv("TAOSIM_BIN");
    char so[512], se[512];
    snprintf(so, sizeof so, "%s/stdout", tmpdir);
    snprintf(se, sizeof se, "%s/stderr", tmpdir);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        if (!freopen(so, "w", stdout) || !freopen(se, "w", stderr)) _exit(127);
        const char *argv[40];
        int n = 0;
        argv[n++] = bin;
        argv[n++] = "supply";
        for (int i = 0; args[i] && n < 39; i++) argv[n++] = args[i];
        argv[n] = NULL;
        execv(bin, (char *const *)argv);
        _exit(127);
    }
    int st;
    assert_int_equal(waitpid(pid, &st, 0), pid);
    ro->status = WIFEXITED(st) ? WEXITSTATUS(st) : 128;
    char *o = slurp(so, NULL), *e = slurp(se, NULL);
    snprintf(ro->out, sizeof ro->out, "%s", o ? o : "");
    snprintf(ro->err, sizeof ro->err, "%s", e ? e : "");
    free(o);
    free(e);
}

static bool exists(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0;
}

static bool have_bin(void)
{
    const char *bin = getenv("TAOSIM_BIN");
    return bin && *bin && access(bin, X_OK) == 0;
}

/* One line on stderr starting with `prefix`, exit 2, nothing written. */
static void cli_bad(const char *prefix, const char *const *args)
{
    char out[600];
    snprintf(out, sizeof out, "%s/never/made", tmpdir);
    const char *argv[40];
    int n = 0;
    for (int i = 0; args[i]; i++) argv[n++] = args[i];
    argv[n++] = "--out";
    argv[n++] = out;
    argv[n] = NULL;
    run_out ro;
    run_cli(&ro, argv);
    if (ro.status != 2 || strncmp(ro.err, prefix, strlen(prefix)) != 0)
        fail_msg("%s...: exit %d, stderr '%s'", args[0] ? args[0] : "", ro.status, ro.err);
    char *nl = strchr(ro.err, '\n');
    assert_non_null(nl);
    assert_int_equal(nl[1], '\0'); /* exactly one line */
    assert_string_equal(ro.out, "");
    char parent[600];
    snprintf(parent, sizeof parent, "%s/never", tmpdir);
    assert_false(exists(parent));
}

static void test_cli_errors(void **state)
{
    (void)state;
    if (!have_bin()) skip();
#define BAD(prefix, ...)                                      \
    do {                                                      \
        const char *const a_[] = {__VA_ARGS__, NULL};        \
        cli_bad(prefix, a_);                                  \
    } while (0)
    BAD("taosim supply: unknown option '--foo'", "--foo");
    BAD("taosim supply: unexpected argument 'x'", "x");
    BAD("taosim supply: option --years: missing value", "--years");
    BAD("taosim supply: option --years: 'abc' is not an unsigned integer", "--years", "abc");
    BAD("taosim supply: option --years: '-1' is not an unsigned integer", "--years=-1");
    BAD("taosim supply: option --blocks: conflicts with --years", "--years", "1", "--blocks", "5");
    BAD("taosim supply: option --years: given twice", "--years", "1", "--years", "2");
    BAD("taosim supply: option --years: 5000 is beyond", "--years", "5000");
    BAD("taosim supply: option --blocks: 10000000001 is beyond", "--blocks", "10000000001");
    BAD("taosim supply: option --burn-rao-per-block: conflicts with --burn-share", "--burn-share", "5",
        "--burn-rao-per-block", "3");
    BAD("taosim supply: option --burn-csv: conflicts with --burn-rao-per-block", "--burn-rao-per-block", "3",
        "--burn-csv", "x.csv");
    BAD("taosim supply: option --burn-share: 1000001 ppm", "--burn-share", "1000001");
    BAD("taosim supply: option --burn-share: '0.5' is not", "--burn-share", "0.5");
    BAD("taosim supply: option --issuance: '1e9' is not", "--issuance", "1e9");
    BAD("taosim supply: option --issuance: '18446744073709551616' is not", "--issuance", "18446744073709551616");
    BAD("taosim supply: option --start-date: '2025-02-30' is not a date", "--start-date", "2025-02-30");
    BAD("taosim supply: option --start-date: '07.01.2025' is not a date", "--start-date=07.01.2025");
    BAD("taosim supply: option --sample-blocks: 0 is not a step", "--sample-blocks", "0");
    BAD("taosim supply: option --sample-blocks: 1 gives", "--sample-blocks", "1");
    BAD("taosim supply: option --out: missing value", "--out");

    char csv[600];
    snprintf(csv, sizeof csv, "%s/b.csv", tmpdir);
    write_file("b.csv", "from_block,rao_per_block\n0,5\n10,x\n");
    char want[700];
    snprintf(want, sizeof want, "%s:3: rao_per_block 'x' is not an unsigned integer", csv);
    BAD(want, "--burn-csv", csv);
    write_file("b.csv", "from_block,rao_per_block\n10,5\n10,6\n");
    snprintf(want, sizeof want, "%s:3: from_block 10 is not after", csv);
    BAD(want, "--burn-csv", csv);
    write_file("b.csv", "rao_per_block,from_block\n");
    snprintf(want, sizeof want, "%s:1: the first row must be the header", csv);
    BAD(want, "--burn-csv", csv);
    snprintf(csv, sizeof csv, "%s/nope.csv", tmpdir);
    snprintf(want, sizeof want, "%s: cannot read", csv);
    BAD(want, "--burn-csv", csv);
#undef BAD
}

static void test_cli_help(void **state)
{
    (void)state;
    if (!have_bin()) skip();
    static const char *const a[] = {"--help", NULL};
    run_out ro;
    run_cli(&ro, a);
    assert_int_equal(ro.status, 0);
    assert_non_null(strstr(ro.out, "b mod 101 == 99"));
    assert_non_null(strstr(ro.out, "issuance += E"));
    assert_non_null(strstr(ro.out, "block,year,date,issuance_rao,block_emission_rao,burned_cum_rao,halvings"));
    assert_non_null(strstr(ro.out, "k,block,year,date,issuance_rao,block_emission_rao"));
    assert_non_null(strstr(ro.out, "example"));
    assert_string_equal(ro.err, "");
}

/* Lines of a CSV that are not '#' comments. */
static size_t data_lines(const char *text, char lines[][160], size_t max)
{
    size_t n = 0;
    while (*text) {
        size_t len = strcspn(text, "\n");
        if (text[0] != '#' && n < max) {
            snprintf(lines[n], 160, "%.*s", (int)len, text);
            n++;
        }
        text += len + (text[len] == '\n');
    }
    return n;
}

/* Worked by hand from the model: issuance T_1 − 1e12 at block 0, 1 TAO per
 * block, reaches T_1 after block 1000; the first root epoch reading it is the
 * first b ≡ 99 (mod 101) with b − 1 >= 1000: 1001 ≡ 92, so b = 1008, reading
 * T_1 − 1e12 + 1007e9 = 10 500 007 000 000 000 and paying 5e8 from there. */
static void test_cli_run(void **state)
{
    (void)state;
    if (!have_bin()) skip();
    char out1[600], out2[600];
    snprintf(out1, sizeof out1, "%s/run1/deep", tmpdir);
    snprintf(out2, sizeof out2, "%s/run2", tmpdir);
    const char *a[] = {"--issuance", "10499000000000000", "--blocks", "20000", "--sample-blocks", "7200",
                       "--start-date", "2025-01-07", "--out", out1, NULL};
    run_out ro;
    run_cli(&ro, a);
    if (ro.status != 0) fail_msg("exit %d: %s", ro.status, ro.err);
    assert_string_equal(ro.err, "");
    assert_non_null(strstr(ro.out, "20000 blocks"));
    assert_non_null(strstr(ro.out, "never reaches zero"));

    char path[700];
    snprintf(path, sizeof path, "%s/supply.csv", out1);
    char *sup = slurp(path, NULL);
    assert_non_null(sup);
    assert_true(strncmp(sup, "# taosim ", 9) == 0);
    assert_non_null(strstr(sup, "\n# command: supply issuance=10499000000000000 blocks=20000"));
    assert_non_null(strstr(sup, "\n# input: options fnv1a64="));
    static char lines[64][160];
    size_t n = data_lines(sup, lines, 64);
    static const char *const want[] = {
        "block,year,date,issuance_rao,block_emission_rao,burned_cum_rao,halvings",
        "0,0.000000,2025-01-07,10499000000000000,1000000000,0,0",
        "1008,0.000383,2025-01-07,10500007500000000,500000000,0,1",
        "7200,0.002737,2025-01-08,10503103500000000,500000000,0,1",
        "14400,0.005475,2025-01-09,10506703500000000,500000000,0,1",
        "20000,0.007605,2025-01-09,10509503500000000,500000000,0,1",
    };
    assert_int_equal(n, 6);
    for (size_t i = 0; i < 6; i++) assert_string_equal(lines[i], want[i]);

    snprintf(path, sizeof path, "%s/halvings.csv", out1);
    char *hal = slurp(path, NULL);
    assert_non_null(hal);
    n = data_lines(hal, lines, 64);
    assert_int_equal(n, 3);
    assert_string_equal(lines[0], "k,block,year,date,issuance_rao,block_emission_rao");
    assert_string_equal(lines[1], "0,0,0.000000,2025-01-07,10499000000000000,1000000000");
    assert_string_equal(lines[2], "1,1008,0.000383,2025-01-07,10500007000000000,500000000");
    assert_true(strncmp(hal, "# taosim ", 9) == 0);
    /* no temporaries left */
    snprintf(path, sizeof path, "%s/.supply.csv.tmp", out1);
    assert_false(exists(path));

    /* same options → byte-identical outputs; --quiet prints nothing */
    const char *b[] = {"--issuance", "10499000000000000", "--blocks", "20000", "--sample-blocks", "7200",
                       "--start-date", "2025-01-07", "--out", out2, "--quiet", NULL};
    run_cli(&ro, b);
    assert_int_equal(ro.status, 0);
    assert_string_equal(ro.out, "");
    snprintf(path, sizeof path, "%s/supply.csv", out2);
    char *sup2 = slurp(path, NULL);
    assert_non_null(sup2);
    assert_string_equal(sup, sup2);
    free(sup);
    free(sup2);
    free(hal);
}

/* A burn schedule that pushes the issuance back below T_1: halvings.csv shows
 * k going 0 → 1 → 0; without --start-date the date column is empty; a
 * constant burn between two rates pins the issuance and says so. */
static void test_cli_burns(void **state)
{
    (void)state;
    if (!have_bin()) skip();
    char csv[600], out[600], path[700];
    snprintf(csv, sizeof csv, "%s/sched.csv", tmpdir);
    write_file("sched.csv", "# recycle 3 TAO per block from block 2000 on\nfrom_block,rao_per_block\n2000,3000000000\n");
    snprintf(out, sizeof out, "%s/run3", tmpdir);
    const char *a[] = {"--issuance", "10499000000000000", "--blocks", "20000", "--burn-csv", csv, "--out", out, NULL};
    run_out ro;
    run_cli(&ro, a);
    if (ro.status != 0) fail_msg("exit %d: %s", ro.status, ro.err);
    snprintf(path, sizeof path, "%s/halvings.csv", out);
    char *hal = slurp(path, NULL);
    static char lines[64][160];
    size_t n = data_lines(hal, lines, 64);
    assert_true(n >= 4);
    assert_true(strncmp(lines[1], "0,0,0.000000,,", 14) == 0);
    assert_true(strncmp(lines[2], "1,1008,0.000383,,10500007000000000,500000000", 44) == 0);
    assert_true(lines[3][0] == '0' && lines[3][1] == ','); /* emission rises again */
    assert_non_null(strstr(ro.out, "schedule"));
    free(hal);

    snprintf(out, sizeof out, "%s/run4", tmpdir);
    const char *b[] = {"--issuance", "10499000000000000", "--years", "2", "--burn-rao-per-block", "700000000",
                       "--out", out, NULL};
    run_cli(&ro, b);
    if (ro.status != 0) fail_msg("exit %d: %s", ro.status, ro.err);
    for (char *q = ro.out; *q; q++)
        if (*q == '\n') *q = ' '; /* the summary is word-wrapped */
    assert_non_null(strstr(ro.out, "T_1 = 10500000000000000"));
    assert_non_null(strstr(ro.out, "alternates between 1000000000 and 500000000"));
    snprintf(path, sizeof path, "%s/halvings.csv", out);
    hal = slurp(path, NULL);
    n = data_lines(hal, lines, 64);
    assert_true(n < 10); /* summarised, not one row per alternation */
    free(hal);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_halving_table_23),
        cmocka_unit_test(test_chain_cadence_256y),
        cmocka_unit_test(test_oracle_no_burn),
        cmocka_unit_test(test_oracle_const_burn),
        cmocka_unit_test(test_oracle_share_burn),
        cmocka_unit_test(test_oracle_schedule),
        cmocka_unit_test(test_oracle_one_year_each_model),
        cmocka_unit_test(test_oracle_random),
        cmocka_unit_test(test_overflow_and_params),
        cmocka_unit_test(test_sink_stops),
        cmocka_unit_test(test_burn_at),
        cmocka_unit_test(test_burn_csv),
        cmocka_unit_test(test_format),
        cmocka_unit_test(test_cli_errors),
        cmocka_unit_test(test_cli_help),
        cmocka_unit_test(test_cli_run),
        cmocka_unit_test(test_cli_burns),
    };
    return cmocka_run_group_tests(tests, make_tmp, drop_tmp);
}
