/* main.c -- the `taosim` command line: dispatch to subcommands.
 *
 * The only room that talks to the outside world: it reads argv and the files
 * named there, prints, and chooses the exit code. Nothing here reads the wall
 * clock or the environment into simulation state.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "taosim/cli.h"
#include "taosim/version.h"

typedef struct {
    const char *name;
    cli_fn fn;
    const char *summary;
} cli_cmd;

static const cli_cmd commands[] = {
    {"run", cli_run, "run a scenario file: a synthetic network on the chain's rules, CSV traces"},
    {"supply", cli_supply, "project TAO supply, emission and halvings over 256 years, with burns"},
    {"replay", cli_replay, "replay a CSV log of chain operations; per-epoch outputs as CSV"},
    {"case", cli_case, "run a known consensus case (Case 1 ... 22) on a Yuma variant; CSV and picture"},
    {"version", cli_version, "print version, git commit and build flags"},
};
static const size_t ncommands = sizeof commands / sizeof commands[0];

static void usage(FILE *out)
{
    fprintf(out,
            "taosim %s -- deterministic simulator of Bittensor tokenomics and Yuma consensus\n"
            "\n"
            "usage: taosim COMMAND [OPTIONS]\n"
            "       taosim COMMAND --help     help for one command\n"
            "\n"
            "  taosim run scenarios/baseline.ini     a small living network for two years\n"
            "  taosim supply --start-date 2025-01-07 the 256-year supply projection\n"
            "  taosim case \"Case 8\" --yuma 2        a known consensus case on a Yuma variant\n"
            "\n"
            "commands:\n",
            taosim_version());
    for (size_t i = 0; i < ncommands; i++) fprintf(out, "  %-10s %s\n", commands[i].name, commands[i].summary);
    fprintf(out,
            "\n"
            "Everything taosim computes on chain quantities uses the chain's own fixed-point\n"
            "arithmetic (subtensor v1.2.4), in RAO (1 TAO = 1e9 RAO). The same inputs give\n"
            "byte-identical outputs. Exit status: 0 ok, 1 failure, 2 bad usage or bad input.\n");
}

int cli_version(int argc, char **argv)
{
    if (argc > 1) {
        if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
            printf("usage: taosim version\nPrints the version, the git commit and the build flags.\n");
            return CLI_OK;
        }
        fprintf(stderr, "taosim version: unexpected argument '%s' (it takes none)\n", argv[1]);
        return CLI_USAGE;
    }
    printf("taosim %s\ncommit %s\nbuild %s\n", taosim_version(), taosim_commit(), taosim_build_flags());
    return CLI_OK;
}

int cli_parse_u64(const char *cmd, const char *opt, const char *s, unsigned long long *out)
{
    char *end;
    errno = 0;
    if (!s || !*s || *s == '-' || *s == '+') goto bad;
    unsigned long long v = strtoull(s, &end, 10);
    if (errno || *end) goto bad;
    *out = v;
    return 0;
bad:
    fprintf(stderr, "taosim %s: option %s: '%s' is not an unsigned integer (expected 0..18446744073709551615)\n",
            cmd, opt, s ? s : "");
    return -1;
}

int cli_parse_f64(const char *cmd, const char *opt, const char *s, double *out)
{
    char *end;
    errno = 0;
    if (!s || !*s) goto bad;
    double v = strtod(s, &end);
    if (errno || *end || v != v) goto bad;
    *out = v;
    return 0;
bad:
    fprintf(stderr, "taosim %s: option %s: '%s' is not a number\n", cmd, opt, s ? s : "");
    return -1;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        usage(stderr);
        return CLI_USAGE;
    }
    const char *cmd = argv[1];
    if (strcmp(cmd, "--help") == 0 || strcmp(cmd, "-h") == 0 || strcmp(cmd, "help") == 0) {
        usage(stdout);
        return CLI_OK;
    }
    if (strcmp(cmd, "--version") == 0) return cli_version(1, argv + 1);
    for (size_t i = 0; i < ncommands; i++)
        if (strcmp(cmd, commands[i].name) == 0) return commands[i].fn(argc - 1, argv + 1);
    if (cmd[0] == '-')
        fprintf(stderr, "taosim: unknown option '%s' (try 'taosim --help')\n", cmd);
    else
        fprintf(stderr, "taosim: unknown command '%s' (try 'taosim --help')\n", cmd);
    return CLI_USAGE;
}
