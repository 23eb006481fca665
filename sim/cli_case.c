/* cli_case.c -- `taosim case NAME|ID [--yuma 2|3] [--out DIR]`, `--list`,
 * `--generate [DIR]`: the known consensus cases (cases.h).
 *
 * The case is looked up before anything is created, so an unknown name
 * writes nothing. The CSVs are committed atomically into DIR (default
 * out/case-ID-yumaV/); then gnuplot draws DIR/case.png from them with
 * analysis/case.gp (written under a temporary name and renamed), when both
 * are there -- without gnuplot the picture is skipped with a note.
 */
#include <errno.h>
#include <spawn.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "taosim/cases.h"
#include "taosim/cli.h"
#include "taosim/io.h"

extern char **environ;

#define GNUPLOT_SCRIPT "analysis/case.gp"
#define DEFAULT_CASES "scenarios/cases"

static void case_help(FILE *out)
{
    fprintf(out,
            "usage: taosim case NAME|ID [--yuma 2|3] [--out DIR] [--cases DIR] [--no-plot]\n"
            "       taosim case --list [--cases DIR]\n"
            "       taosim case --generate [DIR]\n"
            "\n"
            "Runs one of the known consensus cases (../shared/spec/cases.md: yuma-simulation's\n"
            "Case 1 ... 22 and its interactive fork's WTA cases) on a Yuma variant and writes\n"
            "per-epoch dividends, incentives and bonds, and the picture researchers know.\n"
            "\n"
            "  NAME|ID      an id (8, 08, i19), 'Case ' + id, or a prefix of one case's name\n"
            "               ('Case 8 - big vali'; '-' matches the names' en dash). 'Case 19' and\n"
            "               19 are the master's; the interactive fork's own are i19 and i20, its\n"
            "               21-24 are aliases of the master's 19-22 (i21 ... i24)\n"
            "  --yuma V     2 = the epoch of subtensor v1.2.4, 3 = Yuma 3 of v3.2.7 (default 3):\n"
            "               the subnet's yuma_version flag, set just before the first epoch\n"
            "  --out DIR    output directory (default out/case-ID-yumaV, e.g. out/case-08-yuma3)\n"
            "  --cases DIR  the case files (default " DEFAULT_CASES ", one case-*.csv per case)\n"
            "  --no-plot    do not run gnuplot\n"
            "  --list       every case: id and name\n"
            "  --generate   rewrite the shipped case files from their definitions\n"
            "               (sim/cases_gen.c) into DIR (default " DEFAULT_CASES ")\n"
            "\n"
            "Each case file is a taosim replay file (taosim replay --help) in the layout of the\n"
            "chain's Yuma 3 tests: tempo 1, 3 validator permits, bonds_penalty 0,\n"
            "bonds_moving_average 975000, Liquid Alpha 2 (0.1, 0.3), kappa 32767, an empty\n"
            "setup epoch, then 40 epochs of 82 TAO with the case's weights.\n"
            "\n"
            "outputs in DIR:\n"
            "  case.csv      one row per case epoch: epoch,block, stake_X, w_X_S (weights),\n"
            "                inc_S (Incentive u16), div_X (Dividends u16), em_X (validator\n"
            "                emission, RAO), dpk_X (dividends per 1,000 TAO of stake, TAO),\n"
            "                bond_X_S (stored bonds u16); X = validators A, B, C, S = servers\n"
            "  case.png      weights, dividends per 1,000 TAO, bonds (gnuplot, " GNUPLOT_SCRIPT ")\n"
            "  epochs.csv, bonds.csv, rejected.csv   as taosim replay writes them\n"
            "\n"
            "examples:\n"
            "  taosim case \"Case 8\" --yuma 2\n"
            "  taosim case 14            # -> out/case-14-yuma3/\n"
            "  taosim case --list\n");
}

typedef struct case_args {
    const char *query, *outdir, *cases, *generate_dir;
    int yuma;
    bool list, generate, no_plot;
} case_args;

static int need_value(int argc, char **argv, int *i, const char **out)
{
    if (*i + 1 >= argc) {
        fprintf(stderr, "taosim case: option %s needs a value (try 'taosim case --help')\n", argv[*i]);
        return -1;
    }
    *out = argv[++*i];
    return 0;
}

/* 0 ok, 1 help printed, -1 usage error (printed). */
static int parse_args(int argc, char **argv, case_args *a)
{
    for (int i = 1; i < argc; i++) {
        const char *s = argv[i], *v = NULL;
        if (strcmp(s, "--help") == 0 || strcmp(s, "-h") == 0) {
            case_help(stdout);
            return 1;
        } else if (strcmp(s, "--yuma") == 0) {
            if (need_value(argc, argv, &i, &v) != 0) return -1;
            if (strcmp(v, "2") != 0 && strcmp(v, "3") != 0) {
                fprintf(stderr, "taosim case: option --yuma: '%s' is not a Yuma variant (expected 2 or 3)\n", v);
                return -1;
            }
            a->yuma = v[0] - '0';
        } else if (strcmp(s, "--out") == 0) {
            if (need_value(argc, argv, &i, &a->outdir) != 0) return -1;
        } else if (strcmp(s, "--cases") == 0) {
            if (need_value(argc, argv, &i, &a->cases) != 0) return -1;
        } else if (strcmp(s, "--no-plot") == 0) {
            a->no_plot = true;
        } else if (strcmp(s, "--list") == 0) {
            a->list = true;
        } else if (strcmp(s, "--generate") == 0) {
            a->generate = true;
            if (i + 1 < argc && argv[i + 1][0] != '-') a->generate_dir = argv[++i];
        } else if (s[0] == '-' && s[1] != '\0') {
            fprintf(stderr, "taosim case: unknown option '%s' (try 'taosim case --help')\n", s);
            return -1;
        } else if (a->query) {
            fprintf(stderr, "taosim case: unexpected argument '%s' (one case only; quote a name with spaces)\n", s);
            return -1;
        } else {
            a->query = s;
        }
    }
    const int modes = (a->query != NULL) + a->list + a->generate;
    if (modes != 1) {
        fprintf(stderr, "taosim case: %s (try 'taosim case --help')\n",
                modes ? "give one of NAME, --list or --generate" : "missing the case: NAME, ID or --list");
        return -1;
    }
    return 0;
}

static int list_cases(const cases_index *ix)
{
    for (uint32_t k = 0; k < ix->n; k++) {
        printf("%-4s %s\n", ix->c[k].id, ix->c[k].name);
        for (uint32_t a = 0; a < ix->c[k].nalias; a++)
            printf("%-4s %s (= case %s)\n", ix->c[k].alias[a].id, ix->c[k].alias[a].name, ix->c[k].id);
    }
    return CLI_OK;
}

static int generate(const char *dir)
{
    io_err err;
    io_outdir od;
    if (io_outdir_open(&od, dir, &err) != 0) {
        fprintf(stderr, "taosim case: %s\n", err.msg);
        return CLI_FAIL;
    }
    for (size_t i = 0; i < cases_builtin_count(); i++) {
        FILE *f = io_outdir_file(&od, cases_builtin_file(i), &err);
        if (!f || cases_generate(i, f, &err) != CASES_OK) {
            io_outdir_abort(&od);
            fprintf(stderr, "taosim case: %s\n", err.msg);
            return CLI_FAIL;
        }
    }
    if (io_outdir_commit(&od, &err) != 0) {
        fprintf(stderr, "taosim case: %s\n", err.msg);
        return CLI_FAIL;
    }
    printf("taosim case: %zu case files -> %s/\n", cases_builtin_count(), dir);
    return CLI_OK;
}

/* gnuplot -e "dir='D'; out='D/.case.png.tmp'" analysis/case.gp, then the
 * rename. CLI_OK also when the picture is skipped (no gnuplot, no script). */
static int plot(const char *dir, bool *drawn)
{
    *drawn = false;
    struct stat sb;
    if (stat(GNUPLOT_SCRIPT, &sb) != 0) {
        fprintf(stderr, "taosim case: note: no %s here (run from the taosim repository): case.png not drawn\n",
                GNUPLOT_SCRIPT);
        return CLI_OK;
    }
    if (strchr(dir, '\'')) {
        fprintf(stderr, "taosim case: note: the directory name holds a quote: case.png not drawn\n");
        return CLI_OK;
    }
    char tmp[1200], final[1200], expr[2600];
    snprintf(tmp, sizeof tmp, "%s/.case.png.tmp", dir);
    snprintf(final, sizeof final, "%s/case.png", dir);
    snprintf(expr, sizeof expr, "dir='%s'; out='%s'", dir, tmp);
    char *argv[] = {"gnuplot", "-e", expr, GNUPLOT_SCRIPT, NULL};
    pid_t pid;
    int rc = posix_spawnp(&pid, "gnuplot", NULL, NULL, argv, environ);
    if (rc == ENOENT) {
        fprintf(stderr, "taosim case: note: gnuplot not found: case.png not drawn (make plots draws it later)\n");
        return CLI_OK;
    }
    int status = 0;
    if (rc != 0 || waitpid(pid, &status, 0) < 0 || !WIFEXITED(status) || WEXITSTATUS(status) != 0 ||
        stat(tmp, &sb) != 0 || rename(tmp, final) != 0) {
        unlink(tmp);
        fprintf(stderr, "taosim case: gnuplot failed to draw %s (the CSVs are in %s)\n", final, dir);
        return CLI_FAIL;
    }
    *drawn = true;
    return CLI_OK;
}

int cli_case(int argc, char **argv)
{
    case_args a = {NULL, NULL, DEFAULT_CASES, DEFAULT_CASES, 3, false, false, false};
    int p = parse_args(argc, argv, &a);
    if (p != 0) return p > 0 ? CLI_OK : CLI_USAGE;
    if (a.generate) return generate(a.generate_dir);

    static cases_index ix;
    io_err err;
    cases_status st = cases_load(a.cases, &ix, &err);
    if (st != CASES_OK) {
        fprintf(stderr, "taosim case: %s\n", err.msg);
        return st == CASES_EINPUT ? CLI_USAGE : CLI_FAIL;
    }
    if (a.list) return list_cases(&ix);
    int k = cases_find(&ix, a.query, &err);
    if (k < 0) {
        static char names[CASES_MAX * (CASES_MAX_ALIASES + 1) * (CASES_NAME_MAX + 16)];
        if (k == -1) {
            cases_names(&ix, names, sizeof names);
            fprintf(stderr, "taosim case: %s in %s (the cases: %s)\n", err.msg, a.cases, names);
        } else {
            fprintf(stderr, "taosim case: %s\n", err.msg);
        }
        return CLI_USAGE;
    }
    const cases_info *ci = &ix.c[k];
    char dir[1024], slug[CASES_ID_MAX + 4], command[256];
    cases_slug(ci, slug, sizeof slug);
    if (!a.outdir) {
        snprintf(dir, sizeof dir, "out/case-%s-yuma%d", slug, a.yuma);
        a.outdir = dir;
    }
    snprintf(command, sizeof command, "case %s --yuma %d", ci->id, a.yuma);
    io_outdir od;
    if (io_outdir_open(&od, a.outdir, &err) != 0) {
        fprintf(stderr, "taosim case: %s\n", err.msg);
        return CLI_FAIL;
    }
    cases_result res;
    st = cases_run(ci, a.yuma, command, &od, &res, &err);
    if (st != CASES_OK) {
        io_outdir_abort(&od);
        fprintf(stderr, "%s\n", err.msg);
        return st == CASES_EINPUT ? CLI_USAGE : CLI_FAIL;
    }
    if (io_outdir_commit(&od, &err) != 0) {
        fprintf(stderr, "taosim case: %s\n", err.msg);
        return CLI_FAIL;
    }
    bool drawn = false;
    int rc = a.no_plot ? CLI_OK : plot(od.dir, &drawn);
    printf("taosim case: %s on Yuma %d: %zu epochs, %zu rejected -> %s/{case.csv%s,epochs.csv,bonds.csv,"
           "rejected.csv}\n",
           ci->name, a.yuma, res.epochs, res.rejected, od.dir, drawn ? ",case.png" : "");
    return rc;
}
