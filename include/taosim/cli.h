/* cli.h -- the subcommands of the `taosim` binary.
 *
 * Each subcommand lives in sim/cli_<name>.c (linked into the binary only, not
 * into libtaosim.a) and is listed once in the table of sim/main.c. The CLI is
 * the only layer that prints: library rooms return errors in an io_err.
 *
 * Exit codes: 0 success; 1 a run failed for a reason outside the input
 * (I/O error); 2 bad usage or bad input (one line "file:line: reason" on
 * stderr, nothing written).
 */
#ifndef TAOSIM_CLI_H
#define TAOSIM_CLI_H

enum { CLI_OK = 0, CLI_FAIL = 1, CLI_USAGE = 2 };

/* argv[0] is the subcommand name; argv[argc] == NULL. */
typedef int (*cli_fn)(int argc, char **argv);

int cli_version(int argc, char **argv);
int cli_case(int argc, char **argv);
int cli_replay(int argc, char **argv);
int cli_run(int argc, char **argv);
int cli_supply(int argc, char **argv);

/* Shared option parsing helpers (sim/main.c). Return 0 or print one line
 * "taosim CMD: option OPT: ..." to stderr and return -1. */
int cli_parse_u64(const char *cmd, const char *opt, const char *s, unsigned long long *out);
int cli_parse_f64(const char *cmd, const char *opt, const char *s, double *out);

#endif
