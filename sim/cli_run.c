/* cli_run.c -- `taosim run FILE [--out DIR] [--list] [-r RUNS] [-j N] [--resume]
 * [--set k=v ...]`.
 *
 * Loads the scenario (every parameter point checked before anything runs),
 * selects the runs and hands them to sim/cli_sweep.c, which runs them (in
 * this process, on -j worker processes, or over MPI ranks), each into its own
 * directory (DIR itself for a single run, DIR/run-NNNN for a study), and
 * writes DIR/sweep.csv for a study.
 */
#define _POSIX_C_SOURCE 200809L
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli_sweep.h"
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
            "usage: taosim run FILE.ini [--out DIR] [--list] [-r RUNS] [-j N] [--resume]\n"
            "                  [--set SECTION.KEY=VALUE ...] [--quiet] [--keys | --keys-md]\n"
            "       mpirun -n K taosim run FILE.ini ...   (a build with make MPI=1)\n"
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
            "  -j N, --jobs N     run on N worker processes (1..%u); the outputs are the\n"
            "                     same bytes for any N (default: one run after the other)\n"
            "  --resume           skip the runs whose directory already holds their complete\n"
            "                     outputs (an interrupted study goes on where it stopped)\n"
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
            "independent seeds. Run r is point r / N, repeat r %% N. A study of more than one\n"
            "run also writes DIR/sweep.csv: one row per selected run, in run order --\n"
            "run,seed, the swept values (one column per swept key, KIND.NAME.KEY), then the\n"
            "summary.csv columns.\n"
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
            "  taosim run tests/run/study.ini -j 2 --out out/study    (then --resume if stopped)\n"
            "\n"
            "Exit status: 0 ok; 1 failure outside the input; 2 bad scenario, option or\n"
            "selection (one line 'FILE:LINE: what is wrong and what is expected', nothing\n"
            "written).\n",
            STUDY_MAX_JOBS);
    if (!keys) {
        fprintf(out, "\n'taosim run --keys' lists every scenario key.\n");
        return;
    }
    const scn_schema *s = run_schema();
    fprintf(out, "\nscenario sections and keys:\n");
    for (size_t i = 0; i < s->nkinds; i++) print_keys(out, &s->kinds[i]);
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

/* The study's output directory: --out, else [run] out, else out/NAME. A
 * swept [run] out would scatter one study over several directories: refused
 * (unless --out decides). */
static int study_base(const scn_scenario *s, const char *out, uint64_t first, char *buf, size_t cap, io_err *err)
{
    scn_config *c;
    if (scn_resolve(s, first, &c, err) != SCN_OK) return -1;
    const scn_section *run = scn_config_section(c, "run", NULL);
    int rc = 0;
    for (size_t i = 0; !out && i < c->nswept; i++) {
        const scn_section *sec = &c->sections[c->swept[i].section];
        if (sec == run && !strcmp(sec->kind->keys[c->swept[i].key].name, "out")) {
            scn_config_errf(c, run, "out", err, "cannot be swept: a study writes one directory (DIR/run-NNNN); "
                                                "expected one value, or --out DIR");
            rc = -1;
        }
    }
    const scn_value *o = scn_config_value(run, "out");
    if (rc == 0) {
        if (out)
            snprintf(buf, cap, "%s", out);
        else if (o && *o->text)
            snprintf(buf, cap, "%s", o->text);
        else
            snprintf(buf, cap, "out/%s", scn_name(s));
    }
    scn_config_free(c);
    return rc;
}

/* -j N: a worker count in 1..STUDY_MAX_JOBS. */
static int parse_jobs(const char *opt, const char *v, unsigned *jobs)
{
    char *end;
    unsigned long n = 0;
    if (v[0] >= '0' && v[0] <= '9') n = strtoul(v, &end, 10);
    if (!(v[0] >= '0' && v[0] <= '9') || *end || n < 1 || n > STUDY_MAX_JOBS) {
        fprintf(stderr, "taosim run: option %s: '%s' is not a worker count; expected 1..%u\n", opt, v,
                STUDY_MAX_JOBS);
        return -1;
    }
    *jobs = (unsigned)n;
    return 0;
}

int cli_run(int argc, char **argv)
{
    const char *file = NULL, *out = NULL, *sel = NULL;
    const char *sets[64];
    size_t nsets = 0;
    bool list = false, quiet = false, resume = false;
    unsigned jobs = 0;
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
        } else if (!strcmp(a, "--resume")) {
            resume = true;
        } else if (!strcmp(a, "--out") || !strcmp(a, "-r") || !strcmp(a, "--set") || !strcmp(a, "-j") ||
                   !strcmp(a, "--jobs")) {
            if (i + 1 >= argc) {
                fprintf(stderr, "taosim run: option %s needs a value (see taosim run --help)\n", a);
                return CLI_USAGE;
            }
            const char *v = argv[++i];
            if (!strcmp(a, "--out"))
                out = v;
            else if (!strcmp(a, "-r"))
                sel = v;
            else if (!strcmp(a, "-j") || !strcmp(a, "--jobs")) {
                if (parse_jobs(a, v, &jobs)) return CLI_USAGE;
            } else if (nsets == sizeof sets / sizeof sets[0]) {
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
    int rank = 0, ranks = 1;
    if (!list) study_begin(&rank, &ranks);
    FILE *say = rank == 0 ? stderr : NULL; /* only rank 0 speaks */
    scn_scenario *s = NULL;
    uint64_t *runs = NULL;
    io_err err;
    int rc = CLI_OK;
    scn_status st = scn_load(run_schema(), file, sets, nsets, &s, &err);
    if (st == SCN_OK) st = scn_check_points(s, &err);
    if (st != SCN_OK) {
        rc = st == SCN_EINPUT ? CLI_USAGE : CLI_FAIL;
        goto out;
    }
    if (list) {
        rc = list_runs(s);
        goto done;
    }
    uint64_t n = scn_runs_count(s);
    size_t cap = n < MAX_SELECT ? (size_t)n : MAX_SELECT, nsel = 0;
    runs = malloc(cap * sizeof *runs);
    if (!runs) {
        io_errf(&err, "taosim run: out of memory");
        rc = CLI_FAIL;
        goto out;
    }
    if (sel) {
        if (scn_run_select(sel, n, runs, cap, &nsel, &err) != SCN_OK) {
            rc = CLI_USAGE;
            goto out;
        }
    } else {
        for (uint64_t r = 0; r < n && nsel < cap; r++) runs[nsel++] = r;
    }
    char base[1024];
    if (study_base(s, out, runs[0], base, sizeof base, &err)) {
        rc = CLI_USAGE;
        goto out;
    }
    study stu = {.s = s, .base = base, .sel = runs, .nsel = nsel, .jobs = jobs, .resume = resume, .quiet = quiet,
                 .rank = rank, .ranks = ranks};
    rc = study_run(&stu);
    goto done;
out:
    if (say) fprintf(say, "%s\n", err.msg);
done:
    free(runs);
    scn_free(s);
    study_end();
    return rc;
}
