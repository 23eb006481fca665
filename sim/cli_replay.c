/* cli_replay.c -- `taosim replay FILE.csv [--out DIR]`.
 *
 * Reads a replay file (replay.h), writes epochs.csv, bonds.csv and
 * rejected.csv atomically into DIR (default out/replay-NAME/). The input is
 * hashed before anything is created, so a missing file leaves nothing behind;
 * a malformed row aborts the output directory (temporaries removed,
 * directories we created removed).
 */
#include <stdio.h>
#include <string.h>

#include "taosim/chain.h"
#include "taosim/cli.h"
#include "taosim/io.h"
#include "taosim/replay.h"

static void replay_help(FILE *out)
{
    fprintf(out,
            "usage: taosim replay FILE.csv [--out DIR]\n"
            "\n"
            "Replays a log of chain operations under the rules of subtensor v1.2.4 (Yuma 3\n"
            "of v3.2.7 on subnets with yuma_version 3) and writes what the chain stores\n"
            "after every epoch. FILE.csv has the header\n"
            "  block,op,netuid,uid,key,value\n"
            "then one operation per row, applied in file order; block never decreases;\n"
            "a row whose first field starts with '#' is a comment (also before the header,\n"
            "so taosim's own actions.csv replays as it is). Integers are unsigned\n"
            "64-bit (netuid and uid 16-bit; alpha_sigmoid_steepness is a signed i16);\n"
            "stake and emission are in RAO (1 TAO = 1e9).\n"
            "\n"
            "ops (columns: * required, ? optional, - must be empty; netuid uid key value):\n");
    for (size_t i = 0; i < replay_op_count(); i++) {
        const replay_op_def *d = replay_op_at(i);
        static const char mark[] = {'-', '?', '*'};
        fprintf(out, "  %-16s %c%c%c%c  %s\n", d->name, mark[d->netuid], mark[d->uid], mark[d->key], mark[d->value],
                d->summary);
    }
    char keys[1024], globals[1024];
    chain_hparam_list(keys, sizeof keys);
    chain_global_list(globals, sizeof globals);
    fprintf(out,
            "\n"
            "hparam keys: %s\n"
            "\n"
            "A new subnet starts with the values init_new_network writes: tempo 360,\n"
            "kappa 32767, bonds_moving_average 900000, activity_cutoff 5000,\n"
            "max_allowed_validators 64, max_allowed_uids 256, immunity_period 5000,\n"
            "min_allowed_weights 1, max_weight_limit 65535, weights_set_rate_limit 100,\n"
            "weights_version 0, liquid_alpha_enabled 0, alpha_low 45875, alpha_high 58982,\n"
            "yuma_version 2, and for Yuma 3 bonds_penalty 65535, alpha_sigmoid_steepness\n"
            "1000, bonds_reset_enabled 0, yuma3_sigmoid_clamp 0. yuma_version 2 = the\n"
            "epoch of v1.2.4, 3 = Yuma 3 of v3.2.7; it may change at any block (stored\n"
            "bonds are kept, as on the chain). Stake is per hotkey (pre-dTAO): seen on\n"
            "every subnet where the hotkey holds a uid.\n"
            "\n"
            "The chain replay: extrinsics are signed by the coldkey in key and take\n"
            "name=value arguments in value, e.g. 120,add_stake,,,alice,hotkey=hk7 amount=1000000000.\n"
            "Before the first genesis or run row, a row's block only sets the block and\n"
            "epochs run only on 'epoch' rows; from then on the chain runs every block's\n"
            "pipeline (root epochs, scheduled epochs with the owner cut, drains) up to\n"
            "each later row. hparam with an empty netuid sets a global parameter\n"
            "(stake_threshold, 0 by default, also filters a Yuma 3 epoch's stakes):\n"
            "  %s\n"
            "\n"
            "example (two validators, one miner):\n"
            "  block,op,netuid,uid,key,value\n"
            "  0,subnet,1,,,\n"
            "  0,register,1,,alice,\n"
            "  0,register,1,,bob,\n"
            "  0,register,1,,miner,\n"
            "  0,stake,1,0,,3000000000\n"
            "  0,stake,1,1,,1000000000\n"
            "  0,epoch,1,,,1000000000\n"
            "  # the first epoch hands out validator permits; then the validators vote\n"
            "  1,weights,1,0,,2:65535\n"
            "  1,weights,1,1,,2:65535\n"
            "  2,weights,1,0,,1:65535 2:65535\n"
            "  2,epoch,1,,,1000000000\n"
            "(alice's second call is refused, SettingWeightsTooFast: the rate limit is 100 blocks)\n"
            "\n"
            "outputs in DIR (default out/replay-NAME/, NAME = FILE without .csv), each\n"
            "starting with '#' provenance lines:\n"
            "  epochs.csv    per epoch op, one row per uid: " REPLAY_EPOCHS_HEADER "\n"
            "  bonds.csv     stored non-zero bonds after each epoch: " REPLAY_BONDS_HEADER "\n"
            "  rejected.csv  calls the chain refuses (nothing changes): " REPLAY_REJECTED_HEADER "\n"
            "  blocks.csv    at each run sample, one row per subnet: " REPLAY_BLOCKS_HEADER "\n"
            "  subnets.csv   subnet registrations and removals: " REPLAY_SUBNETS_HEADER "\n"
            "  accounts.csv  final balances and stakes: " REPLAY_ACCOUNTS_HEADER "\n"
            "\n"
            "A call the chain would refuse (an extrinsic, set_weights, register) is logged to\n"
            "rejected.csv with the chain's error name. A row taosim cannot read stops\n"
            "the replay with 'FILE:LINE: reason', exit status 2, and writes nothing.\n",
            keys, globals);
}

/* out/replay-NAME with NAME = basename of path without a ".csv" suffix. */
static int default_outdir(const char *path, char *buf, size_t n)
{
    const char *base = strrchr(path, '/');
    base = base ? base + 1 : path;
    size_t len = strlen(base);
    if (len > 4 && strcmp(base + len - 4, ".csv") == 0) len -= 4;
    int w = snprintf(buf, n, "out/replay-%.*s", (int)len, base);
    return w < 0 || (size_t)w >= n ? -1 : 0;
}

static int parse_args(int argc, char **argv, const char **file, const char **outdir)
{
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
            replay_help(stdout);
            return 1;
        } else if (strcmp(a, "--out") == 0) {
            if (i + 1 >= argc) {
                fprintf(stderr, "taosim replay: option --out needs a directory\n");
                return -1;
            }
            *outdir = argv[++i];
        } else if (strncmp(a, "--out=", 6) == 0) {
            *outdir = a + 6;
        } else if (a[0] == '-' && a[1] != '\0') {
            fprintf(stderr, "taosim replay: unknown option '%s' (try 'taosim replay --help')\n", a);
            return -1;
        } else if (*file) {
            fprintf(stderr, "taosim replay: unexpected argument '%s' (one FILE.csv only)\n", a);
            return -1;
        } else {
            *file = a;
        }
    }
    if (!*file) {
        fprintf(stderr, "taosim replay: missing FILE.csv (try 'taosim replay --help')\n");
        return -1;
    }
    return 0;
}

/* Open the six outputs with their provenance and header lines. */
static int open_outputs(io_outdir *od, const char *file, uint64_t hash, replay_out *out, io_err *err)
{
    FILE **slot[6] = {&out->epochs, &out->bonds, &out->rejected, &out->blocks, &out->subnets, &out->accounts};
    static const char *const names[6] = {"epochs.csv", "bonds.csv", "rejected.csv",
                                         "blocks.csv", "subnets.csv", "accounts.csv"};
    for (int i = 0; i < 6; i++) {
        *slot[i] = io_outdir_file(od, names[i], err);
        if (!*slot[i]) return -1;
        io_provenance(*slot[i], "replay", file, hash, 0);
    }
    replay_write_headers(out);
    return 0;
}

int cli_replay(int argc, char **argv)
{
    const char *file = NULL, *outdir = NULL;
    int a = parse_args(argc, argv, &file, &outdir);
    if (a != 0) return a > 0 ? CLI_OK : CLI_USAGE;
    char dir[1024];
    if (!outdir) {
        if (default_outdir(file, dir, sizeof dir) != 0) {
            fprintf(stderr, "taosim replay: %s: file name too long for the default output directory\n", file);
            return CLI_USAGE;
        }
        outdir = dir;
    }
    io_err err;
    uint64_t hash;
    if (io_hash_file(file, &hash, &err) != 0) {
        fprintf(stderr, "%s\n", err.msg);
        return CLI_USAGE;
    }
    io_outdir od;
    replay_out out = {NULL, NULL, NULL, NULL, NULL, NULL};
    if (io_outdir_open(&od, outdir, &err) != 0) {
        fprintf(stderr, "taosim replay: %s\n", err.msg);
        return CLI_FAIL;
    }
    if (open_outputs(&od, file, hash, &out, &err) != 0) {
        io_outdir_abort(&od);
        fprintf(stderr, "taosim replay: %s\n", err.msg);
        return CLI_FAIL;
    }
    replay_stats stats;
    replay_status st = replay_file(file, &out, &stats, &err);
    if (st != REPLAY_OK) {
        io_outdir_abort(&od);
        fprintf(stderr, "%s\n", err.msg);
        return st == REPLAY_EINPUT ? CLI_USAGE : CLI_FAIL;
    }
    if (io_outdir_commit(&od, &err) != 0) {
        fprintf(stderr, "taosim replay: %s\n", err.msg);
        return CLI_FAIL;
    }
    printf("taosim replay: %zu rows, %zu epochs, %zu rejected, block %llu -> "
           "%s/{epochs,bonds,rejected,blocks,subnets,accounts}.csv\n",
           stats.rows, stats.epochs, stats.rejected, (unsigned long long)stats.block, od.dir);
    return CLI_OK;
}
