/* cli_run.c -- `taosim run FILE [--out DIR] [--list] [-r RUNS] [--set k=v ...]`.
 *
 * Loads the scenario (every parameter point checked before anything runs),
 * then runs the selected runs one after the other, each into its own
 * directory (DIR itself for a single run, DIR/run-NNNN for a study). The
 * progress line on stderr (simulated date, blocks per second, time left) is
 * the only place the wall clock is read, and only when stderr is a terminal.
 */
#define _POSIX_C_SOURCE 200809L
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "taosim/cli.h"
#include "taosim/run.h"
#include "taosim/scn.h"

#define MAX_SELECT 1000000u

static void print_keys(FILE *out, const scn_kind *k)
{
    fprintf(out, "  [%s%s]  %s\n", k->name, k->named ? " NAME" : "", k->doc);
    for (size_t i = 0; i < k->nkeys; i++) {
        const scn_key *key = &k->keys[i];
        char range[96] = "";
        if (key->min || key->max)
            snprintf(range, sizeof range, " [%s..%s]", key->min ? key->min : "", key->max ? key->max : "");
        if (key->words) {
            size_t at = (size_t)snprintf(range, sizeof range, " {");
            for (size_t w = 0; key->words[w]; w++)
                at += (size_t)snprintf(range + at, sizeof range - at, "%s%s", w ? "|" : "", key->words[w]);
            snprintf(range + at, sizeof range - at, "}");
        }
        fprintf(out, "      %-34s %s%s%s%s; %s\n", key->name, scn_type_name(key->type), range,
                key->unit ? " " : "", key->unit ? key->unit : "", key->doc ? key->doc : "");
        fprintf(out, "      %-34s default %s\n", "", key->def ? (*key->def ? key->def : "(empty)") : "(required)");
    }
}

/* The key reference as Markdown tables: what the README shows (a test checks
 * that the README holds exactly this text). */
static void print_keys_md(FILE *out)
{
    const scn_schema *s = run_schema();
    for (size_t i = 0; i < s->nkinds; i++) {
        const scn_kind *k = &s->kinds[i];
        fprintf(out, "#### `[%s%s]` — %s\n\n| key | type | unit | default | range | meaning |\n|---|---|---|---|---|---|\n",
                k->name, k->named ? " NAME" : "", k->doc);
        for (size_t j = 0; j < k->nkeys; j++) {
            const scn_key *key = &k->keys[j];
            char range[128] = "";
            if (key->min || key->max)
                snprintf(range, sizeof range, "%s..%s", key->min ? key->min : "", key->max ? key->max : "");
            if (key->words) {
                size_t at = 0;
                for (size_t w = 0; key->words[w]; w++)
                    at += (size_t)snprintf(range + at, sizeof range - at, "%s`%s`", w ? ", " : "", key->words[w]);
            }
            const char *def = key->def ? (*key->def ? key->def : "(empty)") : "(required)";
            fprintf(out, "| `%s` | %s | %s | `%s` | %s | %s |\n", key->name, scn_type_name(key->type),
                    key->unit ? key->unit : "", def, range, key->doc ? key->doc : "");
        }
        fprintf(out, "\n");
    }
}

static void run_help(FILE *out, bool keys)
{
    fprintf(out,
            "usage: taosim run FILE.ini [--out DIR] [--list] [-r RUNS] [--set SECTION.KEY=VALUE ...]\n"
            "                  [--quiet] [--keys | --keys-md]\n"
            "\n"
            "Runs a scenario: a synthetic Bittensor network (subnets, miners, validators,\n"
            "nominators, subnet owners) on the chain's own rules (subtensor v1.2.4), block\n"
            "by block over up to 256 years, and writes CSV traces. Deterministic: the same\n"
            "file, overrides and run number give byte-identical outputs.\n"
            "\n"
            "options:\n"
            "  --out DIR          output directory (default: [run] out, else out/NAME where\n"
            "                     NAME is FILE without .ini); a study writes DIR/run-NNNN/\n"
            "  --list             print the runs of the study (number, seed, swept values) and exit\n"
            "  -r RUNS            run only these: 3, 0..9, 1,4,7 (default: all)\n"
            "  --set S.K=V        override a value without editing the file, e.g.\n"
            "                     --set run.years=2 --set subnet.apps.tempo=99 (repeatable;\n"
            "                     V may be a sweep: --set 'subnet.apps.kappa=${16384, 32767}')\n"
            "  --quiet            no progress line and no summary lines\n"
            "  --keys             list every section and key with type, range and default\n"
            "  --keys-md          the same as Markdown tables (the README's reference)\n"
            "\n"
            "A study: any value may be a list ${a, b, c} or a range ${lo..hi step s}; the\n"
            "cross product of all of them gives the parameter points (the last swept key in\n"
            "the file varies fastest) and [run] repeat = N runs each point N times with\n"
            "independent seeds. Run r is point r / N, repeat r %% N.\n"
            "\n"
            "outputs (in the run's directory, atomic; each CSV starts with '#' provenance):\n"
            "  config.ini   the resolved configuration of the run (every key)\n"
            "  supply.csv   " RUN_SUPPLY_HEADER "\n"
            "  subnets.csv  " RUN_SUBNETS_HEADER "\n"
            "  neurons.csv  " RUN_NEURONS_HEADER "\n"
            "  events.csv   " RUN_EVENTS_HEADER "\n"
            "  actions.csv  " RUN_ACTIONS_HEADER "  (taosim replay format)\n"
            "  summary.csv  " RUN_SUMMARY_HEADER "\n"
            "\n"
            "examples:\n"
            "  taosim run scenarios/baseline.ini\n"
            "  taosim run scenarios/baseline.ini --set run.years=0.1 --out out/quick\n"
            "  taosim run scenarios/mainnet-like.ini --list\n"
            "\n"
            "Exit status: 0 ok; 1 failure outside the input; 2 bad scenario, option or\n"
            "selection (one line 'FILE:LINE: what is wrong and what is expected', nothing\n"
            "written).\n");
    if (!keys) {
        fprintf(out, "\n'taosim run --keys' lists every scenario key.\n");
        return;
    }
    const scn_schema *s = run_schema();
    fprintf(out, "\nscenario sections and keys:\n");
    for (size_t i = 0; i < s->nkinds; i++) print_keys(out, &s->kinds[i]);
}

typedef struct progress {
    bool tty;
    struct timespec t0;
    uint64_t run_no, nruns;
    int64_t start_days;
} progress;

static double now_s(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

static void on_progress(void *ctx, const run_progress *p)
{
    progress *pg = ctx;
    if (!pg->tty) return;
    static double t0;
    if (p->block == 0 || t0 == 0) t0 = now_s();
    double el = now_s() - t0;
    double bps = el > 0 ? (double)p->block / el : 0;
    double left = bps > 0 ? (double)(p->end - p->block) / bps : 0;
    fprintf(stderr, "\r[run %" PRIu64 "/%" PRIu64 "] year %7.2f of %.2f  %5.1f%%  %10.0f blocks/s  %" PRIu64
                    " epochs  ETA %4.0f s ",
            pg->run_no, pg->nruns, (double)p->block / 2629800.0, (double)p->end / 2629800.0,
            p->end ? 100.0 * (double)p->block / (double)p->end : 100.0, bps, p->epochs, left);
    if (p->block >= p->end) fputc('\n', stderr);
    fflush(stderr);
}

static int list_runs(const scn_scenario *s)
{
    uint64_t n = scn_runs_count(s);
    printf("%s: %" PRIu64 " run%s (%" PRIu64 " point%s x %" PRIu64 " repeat%s)\n", scn_path(s), n, n == 1 ? "" : "s",
           scn_points_count(s), scn_points_count(s) == 1 ? "" : "s", scn_repeat_count(s),
           scn_repeat_count(s) == 1 ? "" : "s");
    for (uint64_t r = 0; r < n; r++) {
        scn_config *c;
        io_err err;
        if (scn_resolve(s, r, &c, &err) != SCN_OK) {
            fprintf(stderr, "%s\n", err.msg);
            return CLI_USAGE;
        }
        printf("  run %4" PRIu64 "  seed %20" PRIu64, r, c->seed);
        for (size_t i = 0; i < c->nswept; i++) {
            const scn_section *sec = &c->sections[c->swept[i].section];
            const scn_key *k = &sec->kind->keys[c->swept[i].key];
            printf("  %s%s%s.%s=%s", sec->kind->name, *sec->name ? "." : "", sec->name, k->name,
                   sec->values[c->swept[i].key].text);
        }
        printf("\n");
        scn_config_free(c);
    }
    return CLI_OK;
}

static void default_out(const scn_scenario *s, char *buf, size_t cap)
{
    snprintf(buf, cap, "out/%s", scn_name(s));
}

int cli_run(int argc, char **argv)
{
    const char *file = NULL, *out = NULL, *sel = NULL;
    const char *sets[64];
    size_t nsets = 0;
    bool list = false, quiet = false;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
            run_help(stdout, false);
            return CLI_OK;
        } else if (!strcmp(a, "--keys")) {
            run_help(stdout, true);
            return CLI_OK;
        } else if (!strcmp(a, "--keys-md")) {
            print_keys_md(stdout);
            return CLI_OK;
        } else if (!strcmp(a, "--list")) {
            list = true;
        } else if (!strcmp(a, "--quiet")) {
            quiet = true;
        } else if (!strcmp(a, "--out") || !strcmp(a, "-r") || !strcmp(a, "--set")) {
            if (i + 1 >= argc) {
                fprintf(stderr, "taosim run: option %s needs a value (see taosim run --help)\n", a);
                return CLI_USAGE;
            }
            const char *v = argv[++i];
            if (!strcmp(a, "--out"))
                out = v;
            else if (!strcmp(a, "-r"))
                sel = v;
            else if (nsets == sizeof sets / sizeof sets[0]) {
                fprintf(stderr, "taosim run: more than %zu --set options\n", sizeof sets / sizeof sets[0]);
                return CLI_USAGE;
            } else
                sets[nsets++] = v;
        } else if (a[0] == '-') {
            fprintf(stderr, "taosim run: unknown option '%s' (see taosim run --help)\n", a);
            return CLI_USAGE;
        } else if (file) {
            fprintf(stderr, "taosim run: more than one scenario file ('%s' and '%s'); expected one\n", file, a);
            return CLI_USAGE;
        } else {
            file = a;
        }
    }
    if (!file) {
        fprintf(stderr, "taosim run: missing scenario file (usage: taosim run FILE.ini; see taosim run --help)\n");
        return CLI_USAGE;
    }
    scn_scenario *s = NULL;
    io_err err;
    scn_status st = scn_load(run_schema(), file, sets, nsets, &s, &err);
    if (st == SCN_OK) st = scn_check_points(s, &err);
    if (st != SCN_OK) {
        fprintf(stderr, "%s\n", err.msg);
        scn_free(s);
        return st == SCN_EINPUT ? CLI_USAGE : CLI_FAIL;
    }
    if (list) {
        int rc = list_runs(s);
        scn_free(s);
        return rc;
    }
    uint64_t n = scn_runs_count(s);
    uint64_t *runs = malloc((n < MAX_SELECT ? n : MAX_SELECT) * sizeof *runs);
    size_t nsel = 0;
    if (!runs) {
        fprintf(stderr, "taosim run: out of memory\n");
        scn_free(s);
        return CLI_FAIL;
    }
    if (sel) {
        if (scn_run_select(sel, n, runs, n < MAX_SELECT ? n : MAX_SELECT, &nsel, &err) != SCN_OK) {
            fprintf(stderr, "%s\n", err.msg);
            free(runs);
            scn_free(s);
            return CLI_USAGE;
        }
    } else {
        for (uint64_t r = 0; r < n && nsel < MAX_SELECT; r++) runs[nsel++] = r;
    }
    progress pg = {.tty = !quiet && isatty(STDERR_FILENO), .nruns = nsel};
    int rc = CLI_OK;
    for (size_t i = 0; i < nsel && rc == CLI_OK; i++) {
        scn_config *c;
        if (scn_resolve(s, runs[i], &c, &err) != SCN_OK) {
            fprintf(stderr, "%s\n", err.msg);
            rc = CLI_USAGE;
            break;
        }
        char base[1024], dir[1100];
        const scn_value *o = scn_config_value(scn_config_section(c, "run", NULL), "out");
        if (out)
            snprintf(base, sizeof base, "%s", out);
        else if (o && *o->text)
            snprintf(base, sizeof base, "%s", o->text);
        else
            default_out(s, base, sizeof base);
        if (n > 1)
            snprintf(dir, sizeof dir, "%s/run-%04" PRIu64, base, runs[i]);
        else
            snprintf(dir, sizeof dir, "%s", base);
        pg.run_no = i + 1;
        run_opts opts = {.outdir = dir, .progress = on_progress, .progress_ctx = &pg, .progress_every = 7200};
        run_summary sum;
        run_status r = run_config(c, &opts, &sum, &err);
        scn_config_free(c);
        if (r != RUN_OK) {
            if (pg.tty) fputc('\n', stderr);
            fprintf(stderr, "%s\n", err.msg);
            rc = r == RUN_EINPUT ? CLI_USAGE : CLI_FAIL;
            break;
        }
        if (!quiet)
            printf("taosim run: run %" PRIu64 " seed %" PRIu64 ": %.2f years, %" PRIu64 " epochs, issuance %.3f TAO, "
                   "%" PRIu64 " registrations, %" PRIu64 " prunings, %" PRIu64 " subnets -> %s/\n",
                   sum.run, sum.seed, (double)sum.blocks / 2629800.0, sum.epochs, (double)sum.issuance / 1e9,
                   sum.registrations, sum.prunings, sum.subnets_end, dir);
    }
    free(runs);
    scn_free(s);
    return rc;
}
