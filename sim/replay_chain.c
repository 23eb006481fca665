/* replay_chain.c -- the chain replay: the chain's extrinsics as replay ops,
 * the advance of blocks (genesis, run, later rows), and the chain
 * outputs (blocks.csv samples, subnets.csv events, accounts.csv).
 *
 * Every extrinsic row is signed by the coldkey in `key` and takes its
 * arguments in `value` as space-separated name=value pairs; an argument that
 * is not the op's, a missing one, a repeated one, a non-integer amount or an
 * unknown signing coldkey make the row malformed (FILE:LINE, exit 2); what
 * the chain refuses goes to rejected.csv with the chain's error name.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "replay_int.h"
#include "taosim/io.h"

/* ---- name=value arguments ------------------------------------------------------- */

#define MAX_ARGS 4

typedef struct argspec {
    const char *name;
    bool required;
} argspec;

typedef struct args {
    const char *v[MAX_ARGS]; /* into the row's value field; NULL when absent */
    size_t len[MAX_ARGS];
} args;

/* Split `value` into the op's arguments (spec[0..n)). */
static int get_args(const char *op, const char *value, const argspec *spec, size_t n, args *a, io_err *why)
{
    memset(a, 0, sizeof *a);
    for (const char *p = value; *p;) {
        while (*p == ' ' || *p == '\t') p++;
        if (!*p) break;
        const char *tok = p;
        while (*p && *p != ' ' && *p != '\t') p++;
        size_t len = (size_t)(p - tok);
        const char *eq = memchr(tok, '=', len);
        size_t k = 0, nl = eq ? (size_t)(eq - tok) : len;
        while (k < n && !(strlen(spec[k].name) == nl && strncmp(spec[k].name, tok, nl) == 0)) k++;
        if (!eq || k == n) {
            char list[256] = "";
            size_t w = 0;
            for (size_t j = 0; j < n && w < sizeof list; j++)
                w += (size_t)snprintf(list + w, sizeof list - w, "%s%s=...%s", j ? " " : "", spec[j].name,
                                      spec[j].required ? "" : " (optional)");
            io_errf(why, "op %s: '%.*s' is not one of its arguments (%s)", op, (int)(len < 40 ? len : 40), tok,
                    n ? list : "it takes none");
            return -1;
        }
        if (a->v[k]) {
            io_errf(why, "op %s: argument %s given twice", op, spec[k].name);
            return -1;
        }
        a->v[k] = eq + 1;
        a->len[k] = len - nl - 1;
    }
    for (size_t k = 0; k < n; k++)
        if (spec[k].required && !a->v[k]) {
            io_errf(why, "op %s needs argument %s=... in column value", op, spec[k].name);
            return -1;
        }
    return 0;
}

static int arg_u64(const args *a, size_t k, const char *name, uint64_t max, uint64_t *out, io_err *why)
{
    if (replay_parse_u64(a->v[k], a->len[k], max, out) == 0) return 0;
    io_errf(why, "argument %s: '%.*s' is not an integer in 0..%llu", name, (int)(a->len[k] < 40 ? a->len[k] : 40),
            a->v[k], (unsigned long long)max);
    return -1;
}

/* A name argument, copied NUL-terminated. */
static int arg_name(const args *a, size_t k, const char *name, char out[CHAIN_HOTKEY_MAX], io_err *why)
{
    if (a->len[k] == 0 || a->len[k] >= CHAIN_HOTKEY_MAX) {
        io_errf(why, "argument %s: a name of 1..%u bytes is expected", name, CHAIN_HOTKEY_MAX - 1);
        return -1;
    }
    memcpy(out, a->v[k], a->len[k]);
    out[a->len[k]] = '\0';
    return 0;
}

/* The signing coldkey (column key) must be an account the replay created. */
static int signer(replay *r, const replay_row *row, io_err *why)
{
    if (chain_coldkey_id(r->chain, row->key) >= 0 && *row->key) return 0;
    io_errf(why, "coldkey '%.40s' is unknown (create it with a 'balance' row or a 'transfer' to it first)", row->key);
    return -1;
}

static replay_result call(chain_err e, io_err *why)
{
    return replay_as_call(e, why);
}

/* `register` with value coldkey=NAME: state loading with an owner (the
 * hotkey is created owned by NAME, which must exist). */
static const argspec register_args[] = {{"coldkey", true}};

replay_result replay_register_owned(replay *r, const replay_row *row, uint16_t netuid, io_err *why)
{
    args a;
    char cold[CHAIN_HOTKEY_MAX];
    if (get_args("register", row->value, register_args, 1, &a, why) != 0 ||
        arg_name(&a, 0, "coldkey", cold, why) != 0)
        return REPLAY_MALFORMED;
    if (chain_coldkey_id(r->chain, cold) < 0) {
        io_errf(why, "coldkey '%s' is unknown (create it with a 'balance' row first)", cold);
        return REPLAY_MALFORMED;
    }
    return call(chain_register_owned(r->chain, netuid, cold, row->key, NULL, why), why);
}

/* ---- outputs ------------------------------------------------------------------------ */

static void write_name(FILE *f, const chain *c, uint32_t cold)
{
    if (cold != CHAIN_NONE) io_csv_text(f, chain_coldkey_name(c, cold));
}

static void on_event(void *ctx, const chain *c, const chain_event *ev)
{
    replay *r = ctx;
    if (ev->kind == CHAIN_EV_EPOCH) {
        replay_write_epoch(r, chain_subnet_get(c, ev->netuid));
        r->stats.epochs++;
    } else if ((ev->kind == CHAIN_EV_SUBNET_ADDED || ev->kind == CHAIN_EV_SUBNET_REMOVED) && r->out->subnets) {
        FILE *f = r->out->subnets;
        fprintf(f, "%llu,%s,%u,", (unsigned long long)ev->block,
                ev->kind == CHAIN_EV_SUBNET_ADDED ? "registered" : "removed", ev->netuid);
        write_name(f, c, ev->coldkey);
        fprintf(f, ",%llu,%llu\n", (unsigned long long)ev->amount, (unsigned long long)chain_lock_cost(c));
    }
}

void replay_observe(replay *r)
{
    chain_set_observer(r->chain, on_event, r);
#ifndef NDEBUG
    chain_set_audit(r->chain, 2);
#endif
}

static void sample_row(replay *r, const chain_totals *t, const chain_subnet *s)
{
    const chain *c = r->chain;
    fprintf(r->out->blocks, "%llu,%llu,%llu,%llu,%llu,%llu,%llu,%u,%llu,%llu,%llu,%llu,%u\n",
            (unsigned long long)chain_block(c), (unsigned long long)t->issuance,
            (unsigned long long)t->block_emission, (unsigned long long)t->balances, (unsigned long long)t->stake,
            (unsigned long long)t->locked, (unsigned long long)chain_lock_cost(c), s->netuid,
            (unsigned long long)s->emission_value, (unsigned long long)chain_pending_emission(c, s->netuid),
            (unsigned long long)s->burn, (unsigned long long)s->difficulty, s->n);
}

static void sample(replay *r)
{
    if (!r->out->blocks) return;
    chain_totals t;
    chain_get_totals(r->chain, &t);
    sample_row(r, &t, chain_subnet_get(r->chain, 0));
    for (uint32_t i = 0; i < chain_subnet_count(r->chain); i++) sample_row(r, &t, chain_subnet_at(r->chain, i));
}

typedef struct stake_row {
    const char *cold, *hot;
    uint64_t stake;
} stake_row;

static int cmp_stake_row(const void *a, const void *b)
{
    const stake_row *x = a, *y = b;
    int k = strcmp(x->cold, y->cold);
    return k ? k : strcmp(x->hot ? x->hot : "", y->hot ? y->hot : "");
}

void replay_write_accounts(replay *r)
{
    if (r->out->accounts) replay_accounts_rows(r->out->accounts, r->chain);
}

void replay_accounts_rows(FILE *f, const chain *c)
{
    size_t n = chain_coldkey_count(c), cap = n + 1;
    for (uint32_t h = 0; h < chain_hotkey_count(c); h++) {
        chain_hotkey_view v;
        (void)chain_hotkey_get(c, h, &v);
        cap += v.nstakers;
    }
    stake_row *rows = malloc(cap * sizeof *rows);
    if (!rows) return;
    size_t m = 0;
    for (uint32_t k = 0; k < n; k++) { /* one row per coldkey: balance and TotalColdkeyStake */
        const char *name = chain_coldkey_name(c, k);
        if (!*name && chain_balance(c, name) == 0 && chain_coldkey_stake(c, name) == 0) continue;
        rows[m++] = (stake_row){name, NULL, 0};
    }
    for (uint32_t h = 0; h < chain_hotkey_count(c); h++) {
        chain_hotkey_view v;
        (void)chain_hotkey_get(c, h, &v);
        for (uint32_t i = 0; i < v.nstakers; i++) {
            uint32_t cold;
            uint64_t st;
            (void)chain_hotkey_staker(c, h, i, &cold, &st);
            if (st) rows[m++] = (stake_row){chain_coldkey_name(c, cold), v.name, st};
        }
    }
    qsort(rows, m, sizeof *rows, cmp_stake_row);
    for (size_t i = 0; i < m; i++) {
        io_csv_text(f, rows[i].cold);
        fputc(',', f);
        if (rows[i].hot) {
            io_csv_text(f, rows[i].hot);
            fprintf(f, ",,%llu\n", (unsigned long long)rows[i].stake);
        } else {
            fprintf(f, ",%llu,%llu\n", (unsigned long long)chain_balance(c, rows[i].cold),
                    (unsigned long long)chain_coldkey_stake(c, rows[i].cold));
        }
    }
    free(rows);
}

/* ---- time ----------------------------------------------------------------------------- */

static replay_result advance(replay *r, uint64_t block, io_err *why)
{
    io_err e;
    chain_err st = chain_advance_to(r->chain, block, &e);
    if (st == CHAIN_OK) return REPLAY_APPLIED;
    io_errf(why, "the chain failed while advancing to block %llu: %s: %s", (unsigned long long)block,
            chain_strerror(st), e.msg);
    return REPLAY_FAILED;
}

replay_result replay_move_to(replay *r, uint64_t block, io_err *why)
{
    if (r->clock) return advance(r, block, why);
    if (chain_set_block(r->chain, block, why) != CHAIN_OK) return REPLAY_MALFORMED;
    return REPLAY_APPLIED;
}

static const argspec run_args[] = {{"every", false}};

static replay_result op_run(replay *r, const replay_row *row, io_err *why)
{
    args a;
    uint64_t every = 0;
    if (get_args("run", row->value, run_args, 1, &a, why) != 0 ||
        (a.v[0] && arg_u64(&a, 0, "every", UINT64_MAX, &every, why) != 0))
        return REPLAY_MALFORMED;
    r->clock = true;
    if (every) {
        uint64_t cur = chain_block(r->chain);
        for (uint64_t b = cur - cur % every + every; b > cur && b < row->block; b += every) {
            replay_result res = advance(r, b, why);
            if (res != REPLAY_APPLIED) return res;
            sample(r);
            if (b > UINT64_MAX - every) break;
        }
    }
    replay_result res = advance(r, row->block, why);
    if (res != REPLAY_APPLIED) return res;
    sample(r);
    io_err e;
    if (chain_audit(r->chain, &e) != 0) {
        io_errf(why, "internal error: a chain invariant broke: %s", e.msg);
        return REPLAY_FAILED;
    }
    return REPLAY_APPLIED;
}

static const argspec genesis_args[] = {{"preset", false}};

static replay_result op_genesis(replay *r, const replay_row *row, io_err *why)
{
    args a;
    if (get_args("genesis", row->value, genesis_args, 1, &a, why) != 0) return REPLAY_MALFORMED;
    if (r->data_seen) {
        io_errf(why, "genesis must be the first data row (it creates the chain)");
        return REPLAY_MALFORMED;
    }
    char preset[64] = "finney-v1.2.4";
    if (a.v[0]) snprintf(preset, sizeof preset, "%.*s", (int)(a.len[0] < 63 ? a.len[0] : 63), a.v[0]);
    chain *c = chain_new_preset(preset, why);
    if (!c) return REPLAY_MALFORMED;
    chain_free(r->chain);
    r->chain = c;
    (void)chain_set_block(c, row->block, NULL);
    replay_observe(r);
    r->clock = true;
    return REPLAY_APPLIED;
}

replay_result replay_global_hparam(replay *r, const replay_row *row, io_err *why)
{
    uint64_t v;
    if (replay_field_u64("value", row->value, UINT64_MAX, &v, why) != 0) return REPLAY_MALFORMED;
    chain_err e = chain_set_global(r->chain, row->key, v, why);
    if (e == CHAIN_OK) return REPLAY_APPLIED;
    return e == CHAIN_ENOMEM ? REPLAY_FAILED : REPLAY_MALFORMED;
}

/* ---- accounts ---------------------------------------------------------------------------- */

static const argspec amount_args[] = {{"amount", true}};

static replay_result op_balance(replay *r, const replay_row *row, io_err *why)
{
    args a;
    uint64_t amount;
    if (get_args("balance", row->value, amount_args, 1, &a, why) != 0 ||
        arg_u64(&a, 0, "amount", UINT64_MAX, &amount, why) != 0)
        return REPLAY_MALFORMED;
    chain_err e = chain_fund(r->chain, row->key, amount, why);
    return e == CHAIN_OK ? REPLAY_APPLIED : e == CHAIN_ENOMEM ? REPLAY_FAILED : REPLAY_MALFORMED;
}

static const argspec transfer_args[] = {{"to", true}, {"amount", true}};

static replay_result op_transfer(replay *r, const replay_row *row, io_err *why)
{
    args a;
    uint64_t amount;
    char to[CHAIN_HOTKEY_MAX];
    if (signer(r, row, why) != 0 || get_args("transfer", row->value, transfer_args, 2, &a, why) != 0 ||
        arg_name(&a, 0, "to", to, why) != 0 || arg_u64(&a, 1, "amount", UINT64_MAX, &amount, why) != 0)
        return REPLAY_MALFORMED;
    return call(chain_transfer(r->chain, row->key, to, amount, why), why);
}

/* ---- extrinsics ----------------------------------------------------------------------------- */

static replay_result op_register_network(replay *r, const replay_row *row, io_err *why)
{
    if (signer(r, row, why) != 0) return REPLAY_MALFORMED;
    return call(chain_register_network(r->chain, row->key, NULL, why), why);
}

static const argspec hotkey_args[] = {{"hotkey", true}};

/* netuid column + hotkey= argument. */
static int netuid_hotkey(replay *r, const replay_row *row, const char *op, uint16_t *netuid, char hk[CHAIN_HOTKEY_MAX],
                         io_err *why)
{
    uint64_t n;
    args a;
    if (signer(r, row, why) != 0 || replay_field_u64("netuid", row->netuid, UINT16_MAX, &n, why) != 0 ||
        get_args(op, row->value, hotkey_args, 1, &a, why) != 0 || arg_name(&a, 0, "hotkey", hk, why) != 0)
        return -1;
    *netuid = (uint16_t)n;
    return 0;
}

static replay_result op_burned_register(replay *r, const replay_row *row, io_err *why)
{
    uint16_t netuid;
    char hk[CHAIN_HOTKEY_MAX];
    if (netuid_hotkey(r, row, "burned_register", &netuid, hk, why) != 0) return REPLAY_MALFORMED;
    return call(chain_burned_register(r->chain, row->key, netuid, hk, NULL, why), why);
}

static replay_result op_pow_register(replay *r, const replay_row *row, io_err *why)
{
    uint16_t netuid;
    char hk[CHAIN_HOTKEY_MAX];
    if (netuid_hotkey(r, row, "pow_register", &netuid, hk, why) != 0) return REPLAY_MALFORMED;
    return call(chain_pow_register(r->chain, row->key, netuid, hk, NULL, why), why);
}

static replay_result op_root_register(replay *r, const replay_row *row, io_err *why)
{
    args a;
    char hk[CHAIN_HOTKEY_MAX];
    if (signer(r, row, why) != 0 || get_args("root_register", row->value, hotkey_args, 1, &a, why) != 0 ||
        arg_name(&a, 0, "hotkey", hk, why) != 0)
        return REPLAY_MALFORMED;
    return call(chain_root_register(r->chain, row->key, hk, NULL, why), why);
}

/* "netuid:value;netuid:value" into r->dests / r->vals (via the space-separated
 * parser; ';' keeps the CSV field free of commas). */
static replay_result root_pairs(replay *r, const char *s, size_t len, io_err *why)
{
    char *copy = malloc(len + 1);
    if (!copy) {
        io_errf(why, "out of memory");
        return REPLAY_FAILED;
    }
    for (size_t i = 0; i < len; i++) copy[i] = s[i] == ';' ? ' ' : s[i];
    copy[len] = '\0';
    replay_result res = replay_parse_pairs(r, copy, "netuid:weight", why);
    free(copy);
    return res;
}

static const argspec root_weight_args[] = {{"hotkey", true}, {"weights", true}, {"version", false}};

static replay_result op_set_root_weights(replay *r, const replay_row *row, io_err *why)
{
    args a;
    char hk[CHAIN_HOTKEY_MAX];
    uint64_t netuid = 0, version = 0;
    if (signer(r, row, why) != 0 || (*row->netuid && replay_field_u64("netuid", row->netuid, UINT16_MAX, &netuid, why)) ||
        get_args("set_root_weights", row->value, root_weight_args, 3, &a, why) != 0 ||
        arg_name(&a, 0, "hotkey", hk, why) != 0 ||
        (a.v[2] && arg_u64(&a, 2, "version", UINT64_MAX, &version, why) != 0))
        return REPLAY_MALFORMED;
    replay_result res = root_pairs(r, a.v[1], a.len[1], why);
    if (res != REPLAY_APPLIED) return res;
    return call(chain_set_root_weights(r->chain, row->key, (uint16_t)netuid, hk, r->dests, r->npairs, r->vals,
                                       r->npairs, version, why),
                why);
}

static const argspec stake_args[] = {{"hotkey", true}, {"amount", true}};

static int hotkey_amount(replay *r, const replay_row *row, const char *op, char hk[CHAIN_HOTKEY_MAX], uint64_t *amount,
                         io_err *why)
{
    args a;
    if (signer(r, row, why) != 0 || get_args(op, row->value, stake_args, 2, &a, why) != 0 ||
        arg_name(&a, 0, "hotkey", hk, why) != 0 || arg_u64(&a, 1, "amount", UINT64_MAX, amount, why) != 0)
        return -1;
    return 0;
}

static replay_result op_add_stake(replay *r, const replay_row *row, io_err *why)
{
    char hk[CHAIN_HOTKEY_MAX];
    uint64_t amount;
    if (hotkey_amount(r, row, "add_stake", hk, &amount, why) != 0) return REPLAY_MALFORMED;
    return call(chain_add_stake(r->chain, row->key, hk, amount, why), why);
}

static replay_result op_remove_stake(replay *r, const replay_row *row, io_err *why)
{
    char hk[CHAIN_HOTKEY_MAX];
    uint64_t amount;
    if (hotkey_amount(r, row, "remove_stake", hk, &amount, why) != 0) return REPLAY_MALFORMED;
    return call(chain_remove_stake(r->chain, row->key, hk, amount, why), why);
}

static const argspec take_args[] = {{"hotkey", true}, {"take", true}};
static const argspec delegate_args[] = {{"hotkey", true}, {"take", false}};

static int hotkey_take(replay *r, const replay_row *row, const char *op, const argspec *spec, char hk[CHAIN_HOTKEY_MAX],
                       uint32_t *take, io_err *why)
{
    args a;
    uint64_t t = CHAIN_TAKE_DEFAULT;
    if (signer(r, row, why) != 0 || get_args(op, row->value, spec, 2, &a, why) != 0 ||
        arg_name(&a, 0, "hotkey", hk, why) != 0 || (a.v[1] && arg_u64(&a, 1, "take", UINT16_MAX, &t, why) != 0))
        return -1;
    *take = (uint32_t)t;
    return 0;
}

static replay_result op_become_delegate(replay *r, const replay_row *row, io_err *why)
{
    char hk[CHAIN_HOTKEY_MAX];
    uint32_t take;
    if (hotkey_take(r, row, "become_delegate", delegate_args, hk, &take, why) != 0) return REPLAY_MALFORMED;
    return call(chain_become_delegate(r->chain, row->key, hk, take, why), why);
}

static replay_result op_decrease_take(replay *r, const replay_row *row, io_err *why)
{
    char hk[CHAIN_HOTKEY_MAX];
    uint32_t take;
    if (hotkey_take(r, row, "decrease_take", take_args, hk, &take, why) != 0) return REPLAY_MALFORMED;
    return call(chain_decrease_take(r->chain, row->key, hk, (uint16_t)take, why), why);
}

static replay_result op_increase_take(replay *r, const replay_row *row, io_err *why)
{
    char hk[CHAIN_HOTKEY_MAX];
    uint32_t take;
    if (hotkey_take(r, row, "increase_take", take_args, hk, &take, why) != 0) return REPLAY_MALFORMED;
    return call(chain_increase_take(r->chain, row->key, hk, (uint16_t)take, why), why);
}

/* ---- the table ---------------------------------------------------------------------------------- */

#define N REPLAY_COL_NONE
#define O REPLAY_COL_OPT
#define R REPLAY_COL_REQ
const replay_op_def replay_chain_ops[] = {
    {"genesis", op_genesis, N, N, N, O, "first row only: create the chain (value: preset=finney-v1.2.4|mock-v1.2.4)"},
    {"run", op_run, N, N, N, O, "advance the chain to block, running every block's pipeline (value: every=N samples)"},
    {"balance", op_balance, N, N, R, R, "fund coldkey key with amount=RAO (genesis endowment: issuance rises)"},
    {"transfer", op_transfer, N, N, R, R, "key sends to=COLDKEY amount=RAO"},
    {"register_network", op_register_network, N, N, R, N, "key registers a subnet, locking the current lock cost"},
    {"burned_register", op_burned_register, R, N, R, R, "key registers hotkey=NAME on netuid, burning the burn"},
    {"pow_register", op_pow_register, R, N, R, R, "key registers hotkey=NAME on netuid by POW (cost model: free)"},
    {"root_register", op_root_register, N, N, R, R, "key registers hotkey=NAME on the root network"},
    {"set_root_weights", op_set_root_weights, O, N, R, R,
     "key sets hotkey=NAME's root weights=NETUID:W;NETUID:W... [version=K] (netuid column: 0 or empty)"},
    {"add_stake", op_add_stake, N, N, R, R, "key stakes hotkey=NAME amount=RAO from its balance"},
    {"remove_stake", op_remove_stake, N, N, R, R, "key unstakes hotkey=NAME amount=RAO to its balance"},
    {"become_delegate", op_become_delegate, N, N, R, R, "key makes hotkey=NAME a delegate [take=U16]"},
    {"decrease_take", op_decrease_take, N, N, R, R, "key lowers hotkey=NAME's take=U16"},
    {"increase_take", op_increase_take, N, N, R, R, "key raises hotkey=NAME's take=U16"},
};
#undef N
#undef O
#undef R
const size_t replay_chain_nops = sizeof replay_chain_ops / sizeof replay_chain_ops[0];
