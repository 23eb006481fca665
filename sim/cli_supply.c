/* cli_supply.c -- `taosim supply`: the TAO supply, block emission and halvings
 * over a long horizon (default 256 years), with an optional burn model.
 *
 * Invariant: every option is checked (and a burn CSV fully read) before the
 * output directory is created, so bad usage or input writes nothing; the CSVs
 * are committed only when the whole run succeeded. The numbers come from the
 * supply room (exact per block); this file only parses, formats and prints,
 * with integer formatting only (byte-identical everywhere).
 */
#include <inttypes.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "taosim/cli.h"
#include "taosim/emission.h"
#include "taosim/io.h"
#include "taosim/supply.h"

#define CMD "supply"
#define SUPPLY_HEADER "block,year,date,issuance_rao,block_emission_rao,burned_cum_rao,halvings"
#define HALVINGS_HEADER "k,block,year,date,issuance_rao,block_emission_rao"
#define MAX_SAMPLE_ROWS 20000000ull

static void supply_help(FILE *out)
{
    fprintf(out,
            "usage: taosim supply [--issuance RAO] [--years Y | --blocks N]\n"
            "                     [--burn-rao-per-block N | --burn-share PPM | --burn-csv FILE]\n"
            "                     [--sample-blocks N] [--start-date YYYY-MM-DD] [--out DIR]\n"
            "                     [--every-change] [--quiet]\n"
            "\n"
            "Projects TotalIssuance (the TAO supply), the block emission and the halvings\n"
            "under the rules of subtensor v1.2.4, exactly as a per-block loop would:\n"
            "\n"
            "  block 0:       issuance = --issuance (default 0), E = E(issuance)\n"
            "  block b >= 1:  if b mod 101 == 99 (a root epoch): E := E(issuance)\n"
            "                 issuance += E\n"
            "                 issuance -= min(burn(b), issuance)     (never below 0)\n"
            "\n"
            "E(TI) = 1e9 >> k RAO per block, k = floor(log2(1 / (1 - TI/21e15))), and 0\n"
            "from TI = 20999999980442226 on: the k-th halving starts when a root epoch\n"
            "reads an issuance >= T_k = ceil(21e15 * (1 - 2^-k)) RAO. Burns lower the\n"
            "issuance and so re-open emission. The run is computed in jumps (milliseconds\n"
            "for 256 years) but equals the per-block loop block for block.\n"
            "\n"
            "options:\n"
            "  --issuance RAO          issuance at block 0 (default 0; 1 TAO = 1e9 RAO)\n"
            "  --years Y               horizon in years of 2629800 blocks (default 256)\n"
            "  --blocks N              horizon in blocks, instead of --years (at most 1e10)\n"
            "  --burn-rao-per-block N  burn N RAO every block\n"
            "  --burn-share PPM        burn floor(E * PPM / 1e6) of every block's emission\n"
            "                          (0..1000000 parts per million)\n"
            "  --burn-csv FILE         piecewise-constant burn: the header from_block,rao_per_block\n"
            "                          then rows with strictly increasing from_block; a row's\n"
            "                          rate applies from its block until the next row's (0\n"
            "                          before the first row); lines starting with '#' are comments\n"
            "  --sample-blocks N       a supply.csv row every N blocks (default 7200 = one day)\n"
            "  --start-date YYYY-MM-DD the date of block 0: block b falls on that date plus\n"
            "                          floor(b * 12 s) (proleptic Gregorian); without it the\n"
            "                          date columns are empty\n"
            "  --out DIR               output directory (default out/supply)\n"
            "  --every-change          one row per emission change, also where burns pin the\n"
            "                          issuance at a threshold (can be millions of rows)\n"
            "  --quiet                 no summary on stdout\n"
            "At most one burn model; without one nothing is burned.\n"
            "\n"
            "outputs in DIR, written atomically, each starting with '#' provenance lines:\n"
            "  supply.csv    " SUPPLY_HEADER "\n"
            "                rows at block 0, every --sample-blocks block, every block where\n"
            "                the emission changes, and the last block. Values are after the\n"
            "                block's mint and burn; block_emission_rao is the rate that minted\n"
            "                the block; halvings is its step k (0..30, 30 = zero emission);\n"
            "                year = block / 2629800, truncated to 6 decimals.\n"
            "  halvings.csv  " HALVINGS_HEADER "\n"
            "                block 0, then one row per emission change: block is the first\n"
            "                block paying the new rate, issuance_rao the issuance its root\n"
            "                epoch read (k goes down again when burns re-open emission).\n"
            "\n"
            "Pinned issuance: a constant burn c with E_k < c < E_(k-1) holds the issuance at\n"
            "T_k (it climbs below T_k and falls above it), so the emission alternates between\n"
            "E_(k-1) and E_k at root epochs until the burn changes. Such a stretch is listed\n"
            "by its first change only, counted in the summary, and sampled exactly;\n"
            "--every-change lists every alternation.\n"
            "\n"
            "examples:\n"
            "  taosim supply --start-date 2025-01-07\n"
            "      no burn: 30 halvings, emission stops in year ~124.9 and about 0.0196 TAO\n"
            "      of the 21M cap is never minted\n"
            "  taosim supply --burn-share 100000\n"
            "      10%% of every block's emission is recycled: the halvings come later\n"
            "  printf 'from_block,rao_per_block\\n2629800,200000000\\n' > burn.csv\n"
            "  taosim supply --burn-csv burn.csv --years 50\n"
            "      0.2 TAO recycled per block from year 1 on\n"
            "\n"
            "Exit status: 0 ok; 1 I/O failure; 2 bad option or bad burn CSV (one line on\n"
            "stderr, nothing written).\n");
}

typedef struct opts {
    uint64_t issuance, years, blocks, burn_rao, sample;
    uint32_t ppm;
    const char *burn_csv, *start_date, *out;
    bool have_years, have_blocks, have_burn_rao, have_ppm, every_change, quiet;
    const char *burn_opt; /* the option that chose the burn model */
    int64_t days0;
} opts;

static int need_value(int argc, char **argv, int *i, const char *opt, const char **val)
{
    const char *a = argv[*i];
    size_t n = strlen(opt);
    if (strncmp(a, opt, n) == 0 && a[n] == '=') {
        *val = a + n + 1;
        return 0;
    }
    if (*i + 1 >= argc || strncmp(argv[*i + 1], "--", 2) == 0) {
        fprintf(stderr, "taosim " CMD ": option %s: missing value (try 'taosim supply --help')\n", opt);
        return -1;
    }
    *val = argv[++*i];
    return 0;
}

/* Does argv element a name option opt (as "--opt" or "--opt=...")? */
static bool is_opt(const char *a, const char *opt)
{
    size_t n = strlen(opt);
    return strncmp(a, opt, n) == 0 && (a[n] == '\0' || a[n] == '=');
}

static int set_burn(opts *o, const char *opt)
{
    if (o->burn_opt) {
        if (strcmp(o->burn_opt, opt) == 0)
            fprintf(stderr, "taosim " CMD ": option %s: given twice\n", opt);
        else
            fprintf(stderr, "taosim " CMD ": option %s: conflicts with %s (choose one burn model)\n", opt, o->burn_opt);
        return -1;
    }
    o->burn_opt = opt;
    return 0;
}

static int once(bool *seen, const char *opt)
{
    if (*seen) {
        fprintf(stderr, "taosim " CMD ": option %s: given twice\n", opt);
        return -1;
    }
    *seen = true;
    return 0;
}

/* 0 ok, 1 --help printed, -1 error printed. */
static int parse_args(int argc, char **argv, opts *o)
{
    bool seen_iss = false, seen_sample = false, seen_date = false, seen_out = false, seen_ec = false,
         seen_q = false;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *v = NULL;
        unsigned long long u;
        if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
            supply_help(stdout);
            return 1;
        } else if (is_opt(a, "--issuance")) {
            if (once(&seen_iss, "--issuance") || need_value(argc, argv, &i, "--issuance", &v) ||
                cli_parse_u64(CMD, "--issuance", v, &u))
                return -1;
            o->issuance = u;
        } else if (is_opt(a, "--years")) {
            if (once(&o->have_years, "--years") || need_value(argc, argv, &i, "--years", &v) ||
                cli_parse_u64(CMD, "--years", v, &u))
                return -1;
            o->years = u;
        } else if (is_opt(a, "--blocks")) {
            if (once(&o->have_blocks, "--blocks") || need_value(argc, argv, &i, "--blocks", &v) ||
                cli_parse_u64(CMD, "--blocks", v, &u))
                return -1;
            o->blocks = u;
        } else if (is_opt(a, "--burn-rao-per-block")) {
            if (set_burn(o, "--burn-rao-per-block") || need_value(argc, argv, &i, "--burn-rao-per-block", &v) ||
                cli_parse_u64(CMD, "--burn-rao-per-block", v, &u))
                return -1;
            o->burn_rao = u;
            o->have_burn_rao = true;
        } else if (is_opt(a, "--burn-share")) {
            if (set_burn(o, "--burn-share") || need_value(argc, argv, &i, "--burn-share", &v) ||
                cli_parse_u64(CMD, "--burn-share", v, &u))
                return -1;
            if (u > SUPPLY_PPM) {
                fprintf(stderr, "taosim " CMD ": option --burn-share: %llu ppm is more than the whole emission "
                                "(expected 0..1000000 parts per million)\n", u);
                return -1;
            }
            o->ppm = (uint32_t)u;
            o->have_ppm = true;
        } else if (is_opt(a, "--burn-csv")) {
            if (set_burn(o, "--burn-csv") || need_value(argc, argv, &i, "--burn-csv", &v)) return -1;
            if (!*v) {
                fprintf(stderr, "taosim " CMD ": option --burn-csv: empty file name\n");
                return -1;
            }
            o->burn_csv = v;
        } else if (is_opt(a, "--sample-blocks")) {
            if (once(&seen_sample, "--sample-blocks") || need_value(argc, argv, &i, "--sample-blocks", &v) ||
                cli_parse_u64(CMD, "--sample-blocks", v, &u))
                return -1;
            if (u == 0) {
                fprintf(stderr, "taosim " CMD ": option --sample-blocks: 0 is not a step (expected N >= 1 blocks)\n");
                return -1;
            }
            o->sample = u;
        } else if (is_opt(a, "--start-date")) {
            if (once(&seen_date, "--start-date") || need_value(argc, argv, &i, "--start-date", &v)) return -1;
            if (supply_parse_date(v, &o->days0) != 0) {
                fprintf(stderr, "taosim " CMD ": option --start-date: '%s' is not a date (expected YYYY-MM-DD, "
                                "a real day of years 0001..9999)\n", v);
                return -1;
            }
            o->start_date = v;
        } else if (is_opt(a, "--out")) {
            if (once(&seen_out, "--out") || need_value(argc, argv, &i, "--out", &v)) return -1;
            if (!*v) {
                fprintf(stderr, "taosim " CMD ": option --out: empty directory name\n");
                return -1;
            }
            o->out = v;
        } else if (strcmp(a, "--every-change") == 0) {
            if (once(&seen_ec, "--every-change")) return -1;
            o->every_change = true;
        } else if (strcmp(a, "--quiet") == 0 || strcmp(a, "-q") == 0) {
            if (once(&seen_q, "--quiet")) return -1;
            o->quiet = true;
        } else if (a[0] == '-') {
            fprintf(stderr, "taosim " CMD ": unknown option '%s' (try 'taosim supply --help')\n", a);
            return -1;
        } else {
            fprintf(stderr, "taosim " CMD ": unexpected argument '%s' (supply takes options only)\n", a);
            return -1;
        }
    }
    if (o->have_years && o->have_blocks) {
        fprintf(stderr, "taosim " CMD ": option --blocks: conflicts with --years (give one horizon)\n");
        return -1;
    }
    if (o->have_years) {
        if (o->years > SUPPLY_MAX_BLOCKS / EMISSION_BLOCKS_PER_YEAR) {
            fprintf(stderr, "taosim " CMD ": option --years: %" PRIu64 " is beyond the longest horizon "
                            "(at most %llu years = 1e10 blocks)\n",
                    o->years, SUPPLY_MAX_BLOCKS / EMISSION_BLOCKS_PER_YEAR);
            return -1;
        }
        o->blocks = o->years * EMISSION_BLOCKS_PER_YEAR;
    } else if (!o->have_blocks) {
        o->blocks = 256 * EMISSION_BLOCKS_PER_YEAR;
    } else if (o->blocks > SUPPLY_MAX_BLOCKS) {
        fprintf(stderr, "taosim " CMD ": option --blocks: %" PRIu64 " is beyond the longest horizon "
                        "(at most 10000000000 blocks)\n", o->blocks);
        return -1;
    }
    if (o->blocks / o->sample > MAX_SAMPLE_ROWS) {
        fprintf(stderr, "taosim " CMD ": option --sample-blocks: %" PRIu64 " gives %" PRIu64
                        " rows (at most %llu); choose a larger step\n",
                o->sample, o->blocks / o->sample + 1, MAX_SAMPLE_ROWS);
        return -1;
    }
    return 0;
}

/* ---- output ---------------------------------------------------------------- */

typedef struct writer {
    FILE *supply, *halvings;
    const opts *o;
    uint64_t nsupply, nhalvings;
    uint64_t pin_from, pin_until;
    bool in_pin;
    bool have_zero;
    uint64_t zero_block, zero_issuance;
    int64_t cached_day;
    char date[24];
    size_t datelen;
} writer;

static char *put_u64(char *p, uint64_t v)
{
    char tmp[20];
    int n = 0;
    do {
        tmp[n++] = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    while (n) *p++ = tmp[--n];
    return p;
}

static char *put_year(char *p, uint64_t b)
{
    uint64_t f = (uint64_t)((unsigned __int128)(b % EMISSION_BLOCKS_PER_YEAR) * 1000000u / EMISSION_BLOCKS_PER_YEAR);
    p = put_u64(p, b / EMISSION_BLOCKS_PER_YEAR);
    *p++ = '.';
    for (uint64_t d = 100000; d; d /= 10) *p++ = (char)('0' + f / d % 10);
    return p;
}

static char *put_date(writer *w, char *p, uint64_t b)
{
    if (!w->o->start_date) return p;
    int64_t day = (int64_t)(b / EMISSION_BLOCKS_PER_DAY);
    if (day != w->cached_day || w->datelen == 0) {
        int n = supply_format_date(w->o->days0, b, w->date, sizeof w->date);
        w->datelen = n > 0 && (size_t)n < sizeof w->date ? (size_t)n : 0;
        w->cached_day = day;
    }
    memcpy(p, w->date, w->datelen);
    return p + w->datelen;
}

static int on_row(void *ctx, const supply_row *r)
{
    writer *w = ctx;
    char buf[256], *p = buf;
    p = put_u64(p, r->block);
    *p++ = ',';
    p = put_year(p, r->block);
    *p++ = ',';
    p = put_date(w, p, r->block);
    *p++ = ',';
    p = put_u64(p, r->issuance);
    *p++ = ',';
    p = put_u64(p, r->emission);
    *p++ = ',';
    p = put_u64(p, r->burned);
    *p++ = ',';
    p = put_u64(p, r->halvings);
    *p++ = '\n';
    if (fwrite(buf, 1, (size_t)(p - buf), w->supply) != (size_t)(p - buf)) return -1;
    w->nsupply++;

    if (r->flags & SUPPLY_ROW_PIN) {
        w->in_pin = true;
        w->pin_from = r->block;
        w->pin_until = r->pin_until;
    }
    bool listed = (r->flags & SUPPLY_ROW_START) ||
                  ((r->flags & SUPPLY_ROW_CHANGE) &&
                   (w->o->every_change || !w->in_pin || r->block <= w->pin_from || r->block > w->pin_until));
    if (!listed) return 0;
    uint64_t iss = (r->flags & SUPPLY_ROW_START) ? r->issuance : r->read_issuance;
    if (r->emission == 0 && !w->have_zero) {
        w->have_zero = true;
        w->zero_block = r->block;
        w->zero_issuance = iss;
    }
    p = buf;
    p = put_u64(p, r->halvings);
    *p++ = ',';
    p = put_u64(p, r->block);
    *p++ = ',';
    p = put_year(p, r->block);
    *p++ = ',';
    p = put_date(w, p, r->block);
    *p++ = ',';
    p = put_u64(p, iss);
    *p++ = ',';
    p = put_u64(p, r->emission);
    *p++ = '\n';
    if (fwrite(buf, 1, (size_t)(p - buf), w->halvings) != (size_t)(p - buf)) return -1;
    w->nhalvings++;
    return 0;
}

/* The canonical option string: what the provenance hash covers. */
static void canonical(const opts *o, uint64_t csv_hash, char *buf, size_t n)
{
    char burn[96];
    if (o->burn_csv)
        snprintf(burn, sizeof burn, "csv:fnv1a64=%016" PRIx64, csv_hash);
    else if (o->have_ppm)
        snprintf(burn, sizeof burn, "share_ppm:%u", (unsigned)o->ppm);
    else if (o->have_burn_rao)
        snprintf(burn, sizeof burn, "rao_per_block:%" PRIu64, o->burn_rao);
    else
        snprintf(burn, sizeof burn, "none");
    snprintf(buf, n, "issuance=%" PRIu64 " blocks=%" PRIu64 " sample_blocks=%" PRIu64 " burn=%s start_date=%s%s",
             o->issuance, o->blocks, o->sample, burn, o->start_date ? o->start_date : "none",
             o->every_change ? " every_change" : "");
}

/* ---- summary ------------------------------------------------------------------ */

typedef struct para {
    char s[4096];
    size_t n;
} para;

__attribute__((format(printf, 2, 3))) static void say(para *pa, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int k = vsnprintf(pa->s + pa->n, sizeof pa->s - pa->n, fmt, ap);
    va_end(ap);
    if (k > 0) pa->n += (size_t)k < sizeof pa->s - pa->n ? (size_t)k : sizeof pa->s - pa->n - 1;
}

/* Print wrapped at 78 columns. */
static void print_wrapped(const char *s)
{
    size_t col = 0;
    while (*s) {
        size_t wl = strcspn(s, " ");
        if (col && col + 1 + wl > 78) {
            putchar('\n');
            col = 0;
        } else if (col) {
            putchar(' ');
            col++;
        }
        fwrite(s, 1, wl, stdout);
        col += wl;
        s += wl;
        while (*s == ' ') s++;
    }
    putchar('\n');
}

static void when(const opts *o, uint64_t b, char *buf, size_t n)
{
    char y[32], d[24];
    supply_format_year(b, y, sizeof y);
    if (o->start_date) {
        supply_format_date(o->days0, b, d, sizeof d);
        snprintf(buf, n, "block %" PRIu64 " (year %s, %s)", b, y, d);
    } else {
        snprintf(buf, n, "block %" PRIu64 " (year %s)", b, y);
    }
}

static void summary(const opts *o, const supply_result *res, const writer *w, const char *dir)
{
    para pa = {{0}, 0};
    char t1[48], t2[48], wh[96];
    say(&pa, "taosim supply: %" PRIu64 " blocks", o->blocks);
    char y[32];
    supply_format_year(o->blocks, y, sizeof y);
    say(&pa, " (%s years) from an issuance of %s TAO, ", y, (supply_format_tao(o->issuance, t1, sizeof t1), t1));
    if (o->burn_csv)
        say(&pa, "burning per the schedule in %s.", o->burn_csv);
    else if (o->have_ppm)
        say(&pa, "burning %u ppm of every block's emission.", (unsigned)o->ppm);
    else if (o->have_burn_rao)
        say(&pa, "burning %" PRIu64 " RAO every block.", o->burn_rao);
    else
        say(&pa, "with no burn.");
    if (res->zero_block == 0) {
        say(&pa, " Block emission is zero from the start (issuance at or above T_30 = 20999999.980442226 TAO).");
    } else if (res->zero_block != UINT64_MAX) {
        when(o, res->zero_block, wh, sizeof wh);
        say(&pa, " Block emission reaches zero at %s, when its root epoch reads an issuance of %s TAO.", wh,
            (supply_format_tao(w->zero_issuance, t1, sizeof t1), t1));
    } else {
        say(&pa, " Block emission never reaches zero within the horizon.");
    }
    if (res->zero_block != UINT64_MAX && res->emission != 0)
        say(&pa, " Burns re-open it: at the horizon it is %" PRIu64 " RAO per block.", res->emission);
    else if (res->zero_block == UINT64_MAX)
        say(&pa, " At the horizon it is %" PRIu64 " RAO per block (halving step %u; highest step reached %" PRIu64
                 ").",
            res->emission, res->halvings, res->max_halvings);
    say(&pa, " The emission changes %" PRIu64 " times in all.", res->changes);
    if (res->pins && !o->every_change) {
        const supply_row *lp = &res->last_pin;
        when(o, lp->block, wh, sizeof wh);
        if (res->pins > 1)
            say(&pa, " The burn pins the issuance at a threshold %" PRIu64 " times; the last time", res->pins);
        else
            say(&pa, " The burn pins the issuance at a threshold");
        say(&pa, " from %s: the issuance hovers at T_%u = %" PRIu64 " RAO and the emission alternates between %" PRIu64
                 " and %" PRIu64 " RAO at root epochs %s (halvings.csv lists a pinned stretch by its first change"
                 " only).",
            wh, lp->pin_k, lp->pin_threshold, emission_of_step(lp->pin_k - 1), emission_of_step(lp->pin_k),
            lp->pin_until == o->blocks ? "until the horizon" : "while that burn rate lasts");
    }
    say(&pa, " At the horizon the supply is %s TAO", (supply_format_tao(res->issuance, t1, sizeof t1), t1));
    if (res->issuance <= EMISSION_TOTAL_SUPPLY)
        say(&pa, ", so %s TAO of the 21M cap remains unissued", (supply_format_tao(EMISSION_TOTAL_SUPPLY - res->issuance, t2, sizeof t2), t2));
    else
        say(&pa, ", %s TAO above the 21M cap", (supply_format_tao(res->issuance - EMISSION_TOTAL_SUPPLY, t2, sizeof t2), t2));
    say(&pa, " (%s TAO minted", (supply_format_tao(res->minted, t1, sizeof t1), t1));
    say(&pa, " and %s TAO burned over the run).", (supply_format_tao(res->burned, t2, sizeof t2), t2));
    say(&pa, " Wrote %s/supply.csv (%" PRIu64 " rows) and %s/halvings.csv (%" PRIu64 " rows).", dir, w->nsupply,
        dir, w->nhalvings);
    print_wrapped(pa.s);
}

int cli_supply(int argc, char **argv)
{
    opts o;
    memset(&o, 0, sizeof o);
    o.sample = EMISSION_BLOCKS_PER_DAY;
    o.out = "out/supply";
    int a = parse_args(argc, argv, &o);
    if (a != 0) return a > 0 ? CLI_OK : CLI_USAGE;

    supply_params p;
    supply_params_init(&p);
    p.issuance = o.issuance;
    p.blocks = o.blocks;
    p.sample_every = o.sample;
    p.every_change = o.every_change;
    io_err err;
    supply_burn_step *steps = NULL;
    size_t nsteps = 0;
    uint64_t csv_hash = 0;
    if (o.burn_csv) {
        supply_status st = supply_burn_csv_read(o.burn_csv, &steps, &nsteps, &csv_hash, &err);
        if (st != SUPPLY_OK) {
            fprintf(stderr, "%s\n", err.msg);
            return st == SUPPLY_EINPUT ? CLI_USAGE : CLI_FAIL;
        }
        p.burn.kind = SUPPLY_BURN_SCHEDULE;
        p.burn.steps = steps;
        p.burn.nsteps = nsteps;
    } else if (o.have_ppm) {
        p.burn.kind = SUPPLY_BURN_SHARE;
        p.burn.ppm = o.ppm;
    } else if (o.have_burn_rao) {
        p.burn.kind = SUPPLY_BURN_CONST;
        p.burn.rao_per_block = o.burn_rao;
    }

    char canon[512], what[600];
    canonical(&o, csv_hash, canon, sizeof canon);
    snprintf(what, sizeof what, "supply %s", canon);
    uint64_t hash = io_fnv1a64(canon, strlen(canon), IO_FNV_INIT);

    io_outdir od;
    if (io_outdir_open(&od, o.out, &err) != 0) {
        free(steps);
        fprintf(stderr, "taosim " CMD ": %s\n", err.msg);
        return CLI_FAIL;
    }
    writer w;
    memset(&w, 0, sizeof w);
    w.o = &o;
    w.cached_day = -1;
    w.supply = io_outdir_file(&od, "supply.csv", &err);
    w.halvings = w.supply ? io_outdir_file(&od, "halvings.csv", &err) : NULL;
    if (!w.supply || !w.halvings) {
        io_outdir_abort(&od);
        free(steps);
        fprintf(stderr, "taosim " CMD ": %s\n", err.msg);
        return CLI_FAIL;
    }
    io_provenance(w.supply, what, "options", hash, 0);
    fputs(SUPPLY_HEADER "\n", w.supply);
    io_provenance(w.halvings, what, "options", hash, 0);
    fputs(HALVINGS_HEADER "\n", w.halvings);

    supply_result res;
    supply_status st = supply_run(&p, on_row, &w, &res, &err);
    free(steps);
    if (st != SUPPLY_OK) {
        io_outdir_abort(&od);
        if (st == SUPPLY_ESTOPPED) {
            fprintf(stderr, "taosim " CMD ": %s: write failed\n", od.dir);
            return CLI_FAIL;
        }
        fprintf(stderr, "taosim " CMD ": %s\n", err.msg);
        return st == SUPPLY_EINVAL || st == SUPPLY_EOVERFLOW ? CLI_USAGE : CLI_FAIL;
    }
    if (io_outdir_commit(&od, &err) != 0) {
        fprintf(stderr, "taosim " CMD ": %s\n", err.msg);
        return CLI_FAIL;
    }
    if (!o.quiet) summary(&o, &res, &w, od.dir);
    return CLI_OK;
}
