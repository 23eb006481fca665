/* replay.c -- read a replay CSV (libcsv) and dispatch each row to its op.
 *
 * The file is fed to libcsv one line at a time so that every row knows the
 * line it started on. libcsv runs in its lenient mode, so a comment may hold
 * quotes; since no field of a replay can contain a line break, a field that
 * does (a quote left open) is reported instead of silently eating rows.
 * Rows are handled in the row callback, in file order; the first malformed
 * row stops everything (the caller then discards the outputs). Ops are rows
 * of `ops[]` below: a name, a handler and which columns the op takes; the
 * column rules are checked here once, so handlers only parse what they use.
 */
#include "taosim/replay.h"

#include <csv.h>
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>

#include "replay_int.h"

static const char *const col_names[NCOLS] = {"block", "op", "netuid", "uid", "key", "value"};

/* ---- stopping ---------------------------------------------------------------- */

static void stop_at(replay *r, replay_status st, size_t line, const char *msg)
{
    if (line)
        io_errf(r->err, "%s:%zu: %s", r->path, line, msg);
    else
        io_errf(r->err, "%s: %s", r->path, msg);
    r->status = st;
    r->stop = true;
}

__attribute__((format(printf, 3, 4))) static void stop_input(replay *r, size_t line, const char *fmt, ...)
{
    char msg[sizeof r->err->msg];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    stop_at(r, REPLAY_EINPUT, line, msg);
}

/* ---- field parsing ----------------------------------------------------------- */

/* Decimal digits only (no sign, no spaces), value <= max. */
static int parse_u64(const char *s, size_t len, uint64_t max, uint64_t *out)
{
    if (len == 0) return -1;
    uint64_t v = 0;
    for (size_t i = 0; i < len; i++) {
        if (s[i] < '0' || s[i] > '9') return -1;
        unsigned d = (unsigned)(s[i] - '0');
        if (v > (UINT64_MAX - d) / 10) return -1;
        v = v * 10 + d;
    }
    if (v > max) return -1;
    *out = v;
    return 0;
}

/* Column `col` as an integer in 0..max; MALFORMED message in *why. */
static int field_u64(const char *col, const char *s, uint64_t max, uint64_t *out, io_err *why)
{
    if (parse_u64(s, strlen(s), max, out) == 0) return 0;
    if (max == UINT64_MAX)
        io_errf(why, "column %s: '%.40s' is not an unsigned 64-bit integer (0..18446744073709551615)", col, s);
    else
        io_errf(why, "column %s: '%.40s' is not an integer in 0..%llu", col, s, (unsigned long long)max);
    return -1;
}

/* An optional '-' then decimal digits, in the int64 range. */
static int field_i64(const char *col, const char *s, int64_t *out, io_err *why)
{
    const bool neg = s[0] == '-';
    uint64_t v;
    if (parse_u64(s + neg, strlen(s + neg), neg ? (uint64_t)INT64_MAX + 1 : (uint64_t)INT64_MAX, &v) != 0) {
        io_errf(why, "column %s: '%.40s' is not a signed 64-bit integer", col, s);
        return -1;
    }
    *out = neg ? (int64_t)(0 - v) : (int64_t)v;
    return 0;
}

static int field_u16(const char *col, const char *s, uint16_t *out, io_err *why)
{
    uint64_t v;
    if (field_u64(col, s, UINT16_MAX, &v, why) != 0) return -1;
    *out = (uint16_t)v;
    return 0;
}

static int push_pair(replay *r, uint16_t d, uint16_t v)
{
    if (r->npairs == r->cappairs) {
        size_t cap = r->cappairs ? 2 * r->cappairs : 64;
        uint16_t *a = realloc(r->dests, cap * sizeof *a);
        if (!a) return -1;
        r->dests = a;
        uint16_t *b = realloc(r->vals, cap * sizeof *b);
        if (!b) return -1;
        r->vals = b;
        r->cappairs = cap;
    }
    r->dests[r->npairs] = d;
    r->vals[r->npairs] = v;
    r->npairs++;
    return 0;
}

/* One "dest:value" token of u16 integers. */
static int parse_pair(const char *tok, size_t len, uint16_t *d, uint16_t *v)
{
    const char *colon = memchr(tok, ':', len);
    uint64_t a, b;
    if (!colon) return -1;
    size_t la = (size_t)(colon - tok);
    if (parse_u64(tok, la, UINT16_MAX, &a) != 0 || parse_u64(colon + 1, len - la - 1, UINT16_MAX, &b) != 0)
        return -1;
    *d = (uint16_t)a;
    *v = (uint16_t)b;
    return 0;
}

/* Space-separated "dest:value" pairs of column value into r->dests/vals.
 * Returns APPLIED, MALFORMED or FAILED (out of memory). */
static replay_result parse_pairs(replay *r, const char *s, const char *what, io_err *why)
{
    r->npairs = 0;
    for (const char *p = s; *p;) {
        while (*p == ' ' || *p == '\t') p++;
        if (!*p) break;
        const char *tok = p;
        while (*p && *p != ' ' && *p != '\t') p++;
        size_t len = (size_t)(p - tok);
        uint16_t d, v;
        if (parse_pair(tok, len, &d, &v) != 0) {
            io_errf(why, "column value: '%.*s' is not a %s pair of integers in 0..65535", (int)(len < 40 ? len : 40),
                    tok, what);
            return REPLAY_MALFORMED;
        }
        if (r->npairs >= REPLAY_MAX_PAIRS) {
            io_errf(why, "column value: more than %u %s pairs", REPLAY_MAX_PAIRS, what);
            return REPLAY_MALFORMED;
        }
        if (push_pair(r, d, v) != 0) {
            io_errf(why, "out of memory");
            return REPLAY_FAILED;
        }
    }
    return REPLAY_APPLIED;
}

/* ---- chain results ------------------------------------------------------------- */

/* A call to the chain (register, set_weights): the chain's errors are refusals. */
static replay_result as_call(chain_err e, io_err *why)
{
    if (e == CHAIN_OK) return REPLAY_APPLIED;
    if (chain_err_is_refusal(e)) {
        char detail[sizeof why->msg];
        memcpy(detail, why->msg, sizeof detail);
        io_errf(why, "%s: %s", chain_strerror(e), detail);
        return REPLAY_REFUSED;
    }
    return e == CHAIN_EINVAL || e == CHAIN_ELIMIT ? REPLAY_MALFORMED : REPLAY_FAILED;
}

/* State loading (subnet, hparam, stake, bonds): anything refused is malformed. */
static replay_result as_setter(chain_err e, const char *what, io_err *why)
{
    if (e == CHAIN_OK) return REPLAY_APPLIED;
    if (chain_err_is_refusal(e)) {
        char detail[sizeof why->msg];
        memcpy(detail, why->msg, sizeof detail);
        io_errf(why, "%s is refused by the chain's setter: %s (%s)", what, chain_strerror(e), detail);
        return REPLAY_MALFORMED;
    }
    return e == CHAIN_EINVAL || e == CHAIN_ELIMIT ? REPLAY_MALFORMED : REPLAY_FAILED;
}

int replay_field_u64(const char *col, const char *s, uint64_t max, uint64_t *out, io_err *why)
{
    return field_u64(col, s, max, out, why);
}

int replay_parse_u64(const char *s, size_t len, uint64_t max, uint64_t *out)
{
    return parse_u64(s, len, max, out);
}

replay_result replay_as_call(chain_err e, io_err *why)
{
    return as_call(e, why);
}

replay_result replay_parse_pairs(replay *r, const char *s, const char *what, io_err *why)
{
    return parse_pairs(r, s, what, why);
}

/* The row's netuid, which must name an existing subnet. */
static const chain_subnet *row_subnet(replay *r, const replay_row *row, io_err *why)
{
    uint16_t netuid;
    if (field_u16("netuid", row->netuid, &netuid, why) != 0) return NULL;
    const chain_subnet *s = chain_subnet_get(r->chain, netuid);
    if (!s) io_errf(why, "subnet %u does not exist (create it with a 'subnet' row)", netuid);
    return s;
}

/* The row's uid, which must hold a neuron of s. */
static int row_uid(const chain_subnet *s, const replay_row *row, uint16_t *uid, io_err *why)
{
    if (field_u16("uid", row->uid, uid, why) != 0) return -1;
    if (*uid >= s->n) {
        io_errf(why, "uid %u is not registered on netuid %u (it has %u uids)", *uid, s->netuid, s->n);
        return -1;
    }
    return 0;
}

/* ---- outputs ----------------------------------------------------------------- */

void replay_write_headers(const replay_out *out)
{
    FILE *const f[6] = {out->epochs, out->bonds, out->rejected, out->blocks, out->subnets, out->accounts};
    static const char *const h[6] = {REPLAY_EPOCHS_HEADER, REPLAY_BONDS_HEADER, REPLAY_REJECTED_HEADER,
                                     REPLAY_BLOCKS_HEADER, REPLAY_SUBNETS_HEADER, REPLAY_ACCOUNTS_HEADER};
    for (int i = 0; i < 6; i++)
        if (f[i]) fprintf(f[i], "%s\n", h[i]);
}

static int entry_by_dest(const void *a, const void *b)
{
    const yuma_entry *x = a, *y = b;
    return (x->col > y->col) - (x->col < y->col);
}

static void write_epoch_rows(replay *r, const chain_subnet *s);

void replay_write_epoch(replay *r, const chain_subnet *s)
{
    write_epoch_rows(r, s);
    if (r->opts->on_epoch) r->opts->on_epoch(r->opts->ctx, r->chain, s);
}

static void write_epoch_rows(replay *r, const chain_subnet *s)
{
    FILE *f = r->out->epochs;
    if (!f || !r->out->bonds) return;
    unsigned long long b = (unsigned long long)chain_block(r->chain);
    for (uint32_t i = 0; i < s->n; i++) {
        fprintf(f, "%llu,%u,%u,", b, s->netuid, i);
        io_csv_text(f, chain_hotkey_name(r->chain, s->hotkey[i]));
        fprintf(f, ",%llu,%d,%d,%u,%u,%u,%u,%u,%u,%llu,%llu,%llu,%u\n", (unsigned long long)s->epoch_stake[i],
                s->active[i], s->permit[i], s->rank[i], s->trust[i], s->consensus[i], s->incentive[i],
                s->dividends[i], s->validator_trust[i], (unsigned long long)s->emission[i],
                (unsigned long long)s->server_emission[i], (unsigned long long)s->validator_emission[i],
                s->pruning_score[i]);
    }
    FILE *g = r->out->bonds;
    for (uint32_t i = 0; i < s->n; i++) {
        /* rows are written in dest order; a stored row may be in another
         * (a Yuma 3 row follows its weights, a loaded row the order given) */
        const chain_row *row = &s->bonds[i];
        const yuma_entry *e = row->ent;
        yuma_entry sorted[YUMA_MAX_UIDS]; /* a row never names a dest twice, dests < n */
        bool in_order = true;
        for (uint32_t k = 1; k < row->len && in_order; k++) in_order = e[k].col > e[k - 1].col;
        if (!in_order && row->len <= YUMA_MAX_UIDS) {
            memcpy(sorted, e, row->len * sizeof *e);
            qsort(sorted, row->len, sizeof *sorted, entry_by_dest);
            e = sorted;
        }
        for (uint32_t k = 0; k < row->len; k++)
            if (e[k].val) fprintf(g, "%llu,%u,%u,%u,%u\n", b, s->netuid, i, e[k].col, e[k].val);
    }
}

/* An integer column of a refused row (already parsed by the op), or empty. */
static void write_int_field(FILE *f, const char *s)
{
    uint64_t v;
    if (parse_u64(s, strlen(s), UINT64_MAX, &v) == 0) fprintf(f, "%llu", (unsigned long long)v);
}

static void write_rejected(replay *r, const replay_row *row, const char *reason)
{
    FILE *f = r->out->rejected;
    r->stats.rejected++;
    if (!f) return;
    fprintf(f, "%zu,%llu,", row->line, (unsigned long long)row->block);
    io_csv_text(f, row->op);
    fputc(',', f);
    write_int_field(f, row->netuid);
    fputc(',', f);
    write_int_field(f, row->uid);
    fputc(',', f);
    io_csv_text(f, reason);
    fputc('\n', f);
}

/* ---- ops --------------------------------------------------------------------- */

static replay_result op_subnet(replay *r, const replay_row *row, io_err *why)
{
    uint16_t netuid;
    if (field_u16("netuid", row->netuid, &netuid, why) != 0) return REPLAY_MALFORMED;
    return as_setter(chain_subnet_add(r->chain, netuid, why), "subnet", why);
}

/* An empty netuid sets a global parameter (replay_global_hparam: chain_set_global,
 * stake_threshold among them); a signed key (alpha_sigmoid_steepness, i16)
 * accepts a '-'. */
static replay_result op_hparam(replay *r, const replay_row *row, io_err *why)
{
    if (!*row->netuid) return replay_global_hparam(r, row, why);
    const chain_subnet *s = row_subnet(r, row, why);
    if (!s) return REPLAY_MALFORMED;
    char what[128];
    if (chain_hparam_signed(row->key)) {
        int64_t x;
        if (field_i64("value", row->value, &x, why) != 0) return REPLAY_MALFORMED;
        snprintf(what, sizeof what, "hparam %.40s = %lld", row->key, (long long)x);
        return as_setter(chain_set_hparam_i64(r->chain, s->netuid, row->key, x, why), what, why);
    }
    uint64_t v;
    if (field_u64("value", row->value, UINT64_MAX, &v, why) != 0) return REPLAY_MALFORMED;
    snprintf(what, sizeof what, "hparam %.40s = %llu", row->key, (unsigned long long)v);
    return as_setter(chain_set_hparam(r->chain, s->netuid, row->key, v, why), what, why);
}

static replay_result op_register(replay *r, const replay_row *row, io_err *why)
{
    uint16_t netuid, uid16;
    if (field_u16("netuid", row->netuid, &netuid, why) != 0) return REPLAY_MALFORMED;
    uint32_t uid = CHAIN_UID_AUTO;
    if (*row->uid) {
        if (field_u16("uid", row->uid, &uid16, why) != 0) return REPLAY_MALFORMED;
        uid = uid16;
    }
    if (*row->value) {
        if (uid != CHAIN_UID_AUTO) {
            io_errf(why, "register with coldkey= takes no uid (the chain chooses it)");
            return REPLAY_MALFORMED;
        }
        return replay_register_owned(r, row, netuid, why);
    }
    return as_call(chain_register(r->chain, netuid, row->key, uid, NULL, why), why);
}

static replay_result op_stake(replay *r, const replay_row *row, io_err *why)
{
    const chain_subnet *s = row_subnet(r, row, why);
    uint16_t uid;
    uint64_t v;
    if (!s || row_uid(s, row, &uid, why) != 0 || field_u64("value", row->value, UINT64_MAX, &v, why) != 0)
        return REPLAY_MALFORMED;
    const char *hk = chain_hotkey_name(r->chain, s->hotkey[uid]);
    return as_setter(chain_set_stake(r->chain, hk, v, why), "stake", why);
}

static replay_result op_weights(replay *r, const replay_row *row, io_err *why)
{
    uint16_t netuid, uid;
    uint64_t version = 0;
    if (field_u16("netuid", row->netuid, &netuid, why) != 0 || field_u16("uid", row->uid, &uid, why) != 0 ||
        (*row->key && field_u64("key", row->key, UINT64_MAX, &version, why) != 0))
        return REPLAY_MALFORMED;
    replay_result res = parse_pairs(r, row->value, "dest:weight", why);
    if (res != REPLAY_APPLIED) return res;
    const chain_subnet *s = chain_subnet_get(r->chain, netuid);
    if (s && uid > s->n) {
        io_errf(why, "uid %u is beyond the subnet size %u of netuid %u", uid, s->n, netuid);
        return REPLAY_MALFORMED;
    }
    /* uid == n holds no hotkey: the chain refuses the caller as unregistered. */
    const char *hk = chain_uid_hotkey(r->chain, netuid, uid);
    chain_err e = chain_set_weights(r->chain, netuid, hk, r->dests, r->npairs, r->vals, r->npairs, version, why);
    return as_call(e, why);
}

static replay_result op_bonds(replay *r, const replay_row *row, io_err *why)
{
    const chain_subnet *s = row_subnet(r, row, why);
    uint16_t uid;
    if (!s || row_uid(s, row, &uid, why) != 0) return REPLAY_MALFORMED;
    replay_result res = parse_pairs(r, row->value, "dest:bond", why);
    if (res != REPLAY_APPLIED) return res;
    return as_setter(chain_set_bonds(r->chain, s->netuid, uid, r->dests, r->vals, r->npairs, why), "bonds", why);
}

static replay_result op_owner(replay *r, const replay_row *row, io_err *why)
{
    const chain_subnet *s = row_subnet(r, row, why);
    uint16_t uid;
    if (!s || row_uid(s, row, &uid, why) != 0) return REPLAY_MALFORMED;
    return as_setter(chain_set_owner(r->chain, s->netuid, uid, why), "owner", why);
}

static replay_result op_reset_bonds(replay *r, const replay_row *row, io_err *why)
{
    const chain_subnet *s = row_subnet(r, row, why);
    uint16_t uid;
    if (!s || row_uid(s, row, &uid, why) != 0) return REPLAY_MALFORMED;
    return as_setter(chain_reset_bonds(r->chain, s->netuid, uid, why), "reset_bonds", why);
}

/* replay_opts.yuma_version: the variant flag, before the subnet's first epoch row. */
static replay_result yuma_override(replay *r, uint16_t netuid, io_err *why)
{
    const int v = r->opts->yuma_version;
    if (!v || (r->yuma_done[netuid >> 3] >> (netuid & 7)) & 1) return REPLAY_APPLIED;
    r->yuma_done[netuid >> 3] |= (uint8_t)(1u << (netuid & 7));
    return as_setter(chain_set_hparam(r->chain, netuid, "yuma_version", (uint64_t)v, why), "the yuma override",
                     why);
}

static replay_result op_epoch(replay *r, const replay_row *row, io_err *why)
{
    const chain_subnet *s = row_subnet(r, row, why);
    uint64_t rao;
    if (!s || field_u64("value", row->value, UINT64_MAX, &rao, why) != 0) return REPLAY_MALFORMED;
    replay_result ov = yuma_override(r, s->netuid, why);
    if (ov != REPLAY_APPLIED) return ov;
    chain_err e = chain_run_epoch(r->chain, s->netuid, rao, why);
    if (e != CHAIN_OK) return e == CHAIN_EINVAL ? REPLAY_MALFORMED : REPLAY_FAILED;
    replay_write_epoch(r, s);
    r->stats.epochs++;
    return REPLAY_APPLIED;
}

#define N REPLAY_COL_NONE
#define O REPLAY_COL_OPT
#define R REPLAY_COL_REQ
static const replay_op_def ops[] = {
    {"subnet", op_subnet, R, N, N, N, "create subnet netuid with the chain's defaults for a new network"},
    {"hparam", op_hparam, O, N, R, R,
     "set hyperparameter key of netuid (0 = root; empty = a global parameter) to the integer value"},
    {"register", op_register, R, O, R, O,
     "register hotkey key on netuid: append (full: the chain prunes a uid), or replace uid; "
     "value coldkey=NAME: owned by NAME"},
    {"stake", op_stake, R, R, N, R, "set the stake of the hotkey at (netuid,uid) to value RAO"},
    {"weights", op_weights, R, R, O, O,
     "uid calls set_weights: value = 'dest:weight ...' raw u16, key = version key (empty = 0)"},
    {"bonds", op_bonds, R, R, N, O, "overwrite the stored bond row of uid: value = 'dest:bond ...' u16"},
    {"epoch", op_epoch, R, N, N, R, "run the Yuma epoch of netuid at this block, distributing value RAO"},
    {"owner", op_owner, R, R, N, N, "the hotkey at (netuid,uid) becomes the subnet owner's hotkey (Yuma 3)"},
    {"reset_bonds", op_reset_bonds, R, R, N, N,
     "the hotkey at (netuid,uid) commits a bonds reset (if bonds_reset_enabled: bonds to uid deleted)"},
};
#undef N
#undef O
#undef R
static const size_t nops = sizeof ops / sizeof ops[0];

size_t replay_op_count(void)
{
    return nops + replay_chain_nops;
}

const replay_op_def *replay_op_at(size_t i)
{
    return i < nops ? &ops[i] : i < nops + replay_chain_nops ? &replay_chain_ops[i - nops] : NULL;
}

static const replay_op_def *op_find(const char *name)
{
    for (size_t i = 0; i < replay_op_count(); i++)
        if (strcmp(replay_op_at(i)->name, name) == 0) return replay_op_at(i);
    return NULL;
}

/* ---- rows -------------------------------------------------------------------- */

/* Column presence rules of the op (netuid, uid, key, value). */
static int check_columns(const replay_op_def *d, const replay_row *row, io_err *why)
{
    const uint8_t want[4] = {d->netuid, d->uid, d->key, d->value};
    const char *have[4] = {row->netuid, row->uid, row->key, row->value};
    for (int k = 0; k < 4; k++) {
        if (want[k] == REPLAY_COL_REQ && !*have[k]) {
            io_errf(why, "op %s needs column %s", d->name, col_names[k + 2]);
            return -1;
        }
        if (want[k] == REPLAY_COL_NONE && *have[k]) {
            io_errf(why, "op %s takes no %s (found '%.40s'; leave the column empty)", d->name, col_names[k + 2],
                    have[k]);
            return -1;
        }
    }
    return 0;
}

static void check_header(replay *r, size_t nf)
{
    bool ok = nf == NCOLS;
    for (size_t k = 0; ok && k < NCOLS; k++) ok = strcmp(r->f[k].s, col_names[k]) == 0;
    if (!ok) stop_input(r, r->row_line, "the first line must be the header '" REPLAY_HEADER "'");
    r->header_done = true;
}

static void list_ops(char *buf, size_t n)
{
    size_t len = 0;
    buf[0] = '\0';
    for (size_t i = 0; i < replay_op_count() && len < n; i++) {
        int w = snprintf(buf + len, n - len, "%s%s", i ? ", " : "", replay_op_at(i)->name);
        if (w < 0) break;
        len += (size_t)w;
    }
}

/* Parse the block and the op of a data row; NULL (stopped) if malformed. */
static const replay_op_def *row_start(replay *r, replay_row *row)
{
    io_err why;
    if (field_u64("block", r->f[0].s, UINT64_MAX, &row->block, &why) != 0) {
        stop_input(r, row->line, "%s", why.msg);
        return NULL;
    }
    if (row->block < r->prev_block) {
        stop_input(r, row->line, "block %llu is before block %llu of an earlier row (blocks must never decrease)",
                   (unsigned long long)row->block, (unsigned long long)r->prev_block);
        return NULL;
    }
    r->prev_block = row->block;
    const replay_op_def *d = op_find(row->op);
    if (!d) {
        char list[512];
        list_ops(list, sizeof list);
        stop_input(r, row->line, "unknown op '%.40s' (valid ops: %s)", row->op, list);
        return NULL;
    }
    if (check_columns(d, row, &why) != 0) {
        stop_input(r, row->line, "%s", why.msg);
        return NULL;
    }
    /* genesis and run move the clock themselves */
    const bool clock_op = strcmp(d->name, "genesis") == 0 || strcmp(d->name, "run") == 0;
    if (clock_op && r->opts->yuma_version) {
        stop_input(r, row->line,
                   "op %s starts the chain's clock: a Yuma variant override (taosim case --yuma) applies only "
                   "to state-loading replays, before their epoch rows",
                   d->name);
        return NULL;
    }
    if (!clock_op) {
        replay_result mv = replay_move_to(r, row->block, &why);
        if (mv != REPLAY_APPLIED) {
            stop_at(r, mv == REPLAY_MALFORMED ? REPLAY_EINPUT : REPLAY_EFAIL, row->line, why.msg);
            return NULL;
        }
    }
    return d;
}

static void process_row(replay *r, size_t nf)
{
    if (r->nl_in_row) { /* no field of a replay may hold a line break: a quote was left open */
        stop_input(r, r->row_line, "a quoted field spans lines (unterminated quoted field?)");
        return;
    }
    if (r->f[0].s[0] == '#') return; /* comment (before the header too: provenance lines) */
    if (!r->header_done) {
        check_header(r, nf);
        return;
    }
    if (nf != NCOLS) {
        stop_input(r, r->row_line, "expected %d columns (" REPLAY_HEADER "), found %zu", NCOLS, nf);
        return;
    }
    if (r->nul_in_row) {
        stop_input(r, r->row_line, "a field contains a NUL byte");
        return;
    }
    replay_row row = {r->row_line, 0, r->f[1].s, r->f[2].s, r->f[3].s, r->f[4].s, r->f[5].s};
    const replay_op_def *d = row_start(r, &row);
    if (!d) return;
    io_err why;
    why.msg[0] = '\0';
    replay_result res = d->fn(r, &row, &why);
    r->stats.rows++;
    r->data_seen = true;
    if (res == REPLAY_REFUSED) write_rejected(r, &row, why.msg);
    if (res == REPLAY_MALFORMED) stop_at(r, REPLAY_EINPUT, row.line, why.msg);
    if (res == REPLAY_FAILED) stop_at(r, REPLAY_EFAIL, row.line, why.msg);
}

/* ---- libcsv callbacks -------------------------------------------------------- */

static void on_field(void *data, size_t len, void *ctx)
{
    replay *r = ctx;
    if (r->stop) return;
    if (r->nfields == 0) {
        r->row_line = r->line;
        r->nul_in_row = r->nl_in_row = false;
    }
    if (r->nfields < NCOLS) {
        field_buf *fb = &r->f[r->nfields];
        if (len + 1 > fb->cap) {
            char *q = realloc(fb->s, len + 1);
            if (!q) {
                stop_at(r, REPLAY_EFAIL, r->line, "out of memory");
                return;
            }
            fb->s = q;
            fb->cap = len + 1;
        }
        if (len) memcpy(fb->s, data, len);
        fb->s[len] = '\0';
        if (len && memchr(data, '\0', len)) r->nul_in_row = true;
        if (len && (memchr(data, '\n', len) || memchr(data, '\r', len))) r->nl_in_row = true;
    }
    r->nfields++;
}

static void on_row(int term, void *ctx)
{
    (void)term;
    replay *r = ctx;
    size_t nf = r->nfields;
    r->nfields = 0;
    if (r->stop || nf == 0) return;
    process_row(r, nf);
}

/* ---- driver ------------------------------------------------------------------ */

static void replay_cleanup(replay *r)
{
    chain_free(r->chain);
    for (int k = 0; k < NCOLS; k++) free(r->f[k].s);
    free(r->dests);
    free(r->vals);
    free(r->yuma_done);
}

/* Feed the file to libcsv line by line. */
static void replay_feed(replay *r, FILE *in, struct csv_parser *p)
{
    char *line = NULL;
    size_t cap = 0;
    ssize_t len;
    while (!r->stop && (len = getline(&line, &cap, in)) != -1) {
        r->line++;
        if (csv_parse(p, line, (size_t)len, on_field, on_row, r) != (size_t)len && !r->stop)
            stop_input(r, r->line, "CSV syntax error (%s)", csv_strerror(csv_error(p)));
    }
    free(line);
    if (!r->stop && ferror(in)) stop_at(r, REPLAY_EFAIL, 0, "read error");
    if (!r->stop) (void)csv_fini(p, on_field, on_row, r); /* the last row may lack its newline */
    if (!r->stop && !r->header_done) stop_input(r, 1, "empty file: the first line must be the header '" REPLAY_HEADER "'");
}

replay_status replay_file(const char *path, const replay_out *out, replay_stats *stats, io_err *err)
{
    return replay_file_opts(path, NULL, out, stats, err);
}

replay_status replay_file_opts(const char *path, const replay_opts *opts, const replay_out *out,
                               replay_stats *stats, io_err *err)
{
    static const replay_opts defaults = {0, NULL, NULL};
    replay r;
    memset(&r, 0, sizeof r);
    r.path = path;
    r.out = out;
    r.err = err;
    r.opts = opts ? opts : &defaults;
    if (r.opts->yuma_version && r.opts->yuma_version != YUMA_V2 && r.opts->yuma_version != YUMA_V3) {
        io_errf(err, "%s: Yuma variant %d: expected 2 or 3", path, r.opts->yuma_version);
        return REPLAY_EINPUT;
    }
    FILE *in = fopen(path, "rb");
    if (!in) {
        io_errf(err, "%s: cannot read: %s", path, strerror(errno));
        return REPLAY_EINPUT;
    }
    struct csv_parser p;
    r.chain = chain_new();
    r.yuma_done = r.opts->yuma_version ? calloc(65536 / 8, 1) : NULL;
    if (!r.chain || (r.opts->yuma_version && !r.yuma_done) || csv_init(&p, CSV_APPEND_NULL) != 0) {
        io_errf(err, "%s: out of memory", path);
        fclose(in);
        chain_free(r.chain);
        free(r.yuma_done);
        return REPLAY_EFAIL;
    }
    replay_observe(&r);
    replay_feed(&r, in, &p);
    csv_free(&p);
    fclose(in);
    if (!r.stop) replay_write_accounts(&r);
    r.stats.block = chain_block(r.chain);
    replay_cleanup(&r);
    if (stats) *stats = r.stats;
    return r.stop ? r.status : REPLAY_OK;
}
