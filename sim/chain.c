/* chain.c -- the chain room's errors, the per-subnet hyperparameter table
 * and the Yuma epoch's input assembly and write-back (see chain.h). The rest
 * of the room: chain_core.c (object, presets, globals, subnet storage,
 * ledger), chain_acct.c (accounts and RAO movements), chain_reg.c
 * (registrations), chain_root.c (root network), chain_stake.c (staking,
 * delegation, drains), chain_weights.c (set_weights), chain_block.c (the
 * per-block pipeline), chain_params.c (the registration-term keys).
 */
#include "taosim/chain.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "chain_int.h"
#include "taosim/econ.h"
#include "taosim/fx.h"

/* ---- errors ---------------------------------------------------------------- */

#define CHAIN_NAME_(code, name) name,
static const char *const chain_err_names[] = {CHAIN_ERRORS(CHAIN_NAME_)};
#undef CHAIN_NAME_

const char *chain_strerror(chain_err e)
{
    return (unsigned)e < CHAIN_ERR_COUNT ? chain_err_names[e] : "UnknownError";
}

bool chain_err_is_refusal(chain_err e)
{
    return e >= CHAIN_E_ROOT_WEIGHTS && e < CHAIN_ERR_COUNT;
}

/* The room's failure helpers (chain_core.c) under the names this file uses. */
#define fail chain_fail
#define fail_nomem chain_fail_nomem

static chain_subnet *subnet_find(const chain *c, uint16_t netuid)
{
    return chain_find(c, netuid);
}

/* ---- epoch ----------------------------------------------------------------- */

static size_t align8(size_t x)
{
    return (x + 7) & ~(size_t)7;
}

/* Carve the epoch's input arrays out of c->scratch (grown as needed). */
static int epoch_scratch(chain *c, uint32_t n, size_t nnz_w, size_t nnz_b, uint64_t **stake, uint32_t **w_off,
                         uint32_t **b_off, yuma_entry **w_ent, yuma_entry **b_ent)
{
    size_t sz[5] = {align8((size_t)n * sizeof(uint64_t)), align8(((size_t)n + 1) * sizeof(uint32_t)),
                    align8(((size_t)n + 1) * sizeof(uint32_t)), align8(nnz_w * sizeof(yuma_entry)),
                    align8(nnz_b * sizeof(yuma_entry))};
    size_t total = sz[0] + sz[1] + sz[2] + sz[3] + sz[4] + 8;
    if (total > c->scratch_cap) {
        unsigned char *q = realloc(c->scratch, total);
        if (!q) return -1;
        c->scratch = q;
        c->scratch_cap = total;
    }
    unsigned char *p = c->scratch;
    *stake = (uint64_t *)(void *)p;
    p += sz[0];
    *w_off = (uint32_t *)(void *)p;
    p += sz[1];
    *b_off = (uint32_t *)(void *)p;
    p += sz[2];
    *w_ent = (yuma_entry *)(void *)p;
    p += sz[3];
    *b_ent = (yuma_entry *)(void *)p;
    return 0;
}

/* Flatten stored rows into CSR (stored order). */
static void rows_to_csr(const chain_row *rows, uint32_t n, uint32_t *off, yuma_entry *ent)
{
    off[0] = 0;
    for (uint32_t i = 0; i < n; i++) {
        if (rows[i].len) memcpy(ent + off[i], rows[i].ent, rows[i].len * sizeof *ent);
        off[i + 1] = off[i] + rows[i].len;
    }
}

static int arena_reserve(yuma_arena *a, size_t need)
{
    if (need <= a->cap) return 0;
    unsigned char *q = malloc(need);
    if (!q) return -1;
    free(a->base);
    a->base = q;
    a->cap = need;
    a->used = 0;
    return 0;
}

/* Write the epoch's outputs into storage (yuma-epoch.md §4.16); bond rows to
 * SET are reserved first so that a failure changes nothing. */
static int epoch_write_back(chain_subnet *s, const yuma_output *o, const uint64_t *stake)
{
    for (uint32_t i = 0; i < s->n; i++)
        if (o->bonds_action[i] == YUMA_BONDS_SET && chain_row_reserve(&s->bonds[i], o->bonds_off[i + 1] - o->bonds_off[i]) != 0)
            return -1;
    for (uint32_t i = 0; i < s->n; i++) {
        s->active[i] = o->active[i];
        s->permit[i] = o->permit_new[i];
        s->stake_weight[i] = o->stake_weight[i];
        s->rank[i] = o->rank[i];
        s->trust[i] = o->trust[i];
        s->consensus[i] = o->consensus[i];
        s->incentive[i] = o->incentive[i];
        s->dividends[i] = o->dividends[i];
        s->validator_trust[i] = o->validator_trust[i];
        s->pruning_score[i] = o->pruning_score[i];
        s->emission[i] = o->emission[i];
        s->server_emission[i] = o->server_emission[i];
        s->validator_emission[i] = o->validator_emission[i];
        s->epoch_stake[i] = stake[i];
        chain_row *r = &s->bonds[i];
        if (o->bonds_action[i] == YUMA_BONDS_CLEAR) {
            r->len = 0;
        } else if (o->bonds_action[i] == YUMA_BONDS_SET) {
            uint32_t len = o->bonds_off[i + 1] - o->bonds_off[i];
            if (len) memcpy(r->ent, o->bonds_ent + o->bonds_off[i], len * sizeof *r->ent);
            r->len = len;
        }
    }
    return 0;
}

chain_err chain_epoch_exec(chain *c, chain_subnet *s, uint64_t rao, io_err *err)
{
    uint16_t netuid = s->netuid;
    uint32_t n = s->n;
    size_t nnz_w = 0, nnz_b = 0;
    for (uint32_t i = 0; i < n; i++) {
        nnz_w += s->weights[i].len;
        nnz_b += s->bonds[i].len;
    }
    uint64_t *stake;
    uint32_t *w_off, *b_off;
    yuma_entry *w_ent, *b_ent;
    if (epoch_scratch(c, n, nnz_w, nnz_b, &stake, &w_off, &b_off, &w_ent, &b_ent) != 0 ||
        arena_reserve(&c->arena, yuma_arena_need(n, nnz_w, nnz_b)) != 0)
        return fail_nomem(err);
    for (uint32_t i = 0; i < n; i++) stake[i] = chain_uid_stake(c, s, i);
    rows_to_csr(s->weights, n, w_off, w_ent);
    rows_to_csr(s->bonds, n, b_off, b_ent);
    yuma_params p = s->hp.yuma; /* the Yuma 3 inputs below are ignored by the v1.2.4 epoch */
    int64_t owner = s->has_owner_hotkey ? chain_hk_uid(c, s->owner_hotkey, netuid) : -1;
    p.owner_uid = (int32_t)owner; /* -1 when the owner's hotkey holds no uid here */
    p.tempo = s->hp.tempo;
    p.stake_threshold = c->g.stake_threshold; /* the global parameter (chain_set_global) */
    yuma_input in = {
        .n = n, .current_block = c->block, .rao_emission = rao, .stake = stake,
        .last_update = s->last_update, .block_at_registration = s->block_at_registration,
        .permit_old = s->permit, .weights = {w_off, w_ent}, .bonds = {b_off, b_ent}, .bonds_reset = NULL,
    };
    yuma_output out;
    memset(&out, 0, sizeof out);
    yuma_status st = yuma_epoch(&p, &in, &out, &c->arena);
    if (st != YUMA_OK)
        return fail(err, CHAIN_EEPOCH, "the epoch of netuid %u failed: %s", netuid, yuma_strerror(st));
    if (epoch_write_back(s, &out, stake) != 0) return fail_nomem(err);
    return CHAIN_OK;
}

chain_err chain_run_epoch(chain *c, uint16_t netuid, uint64_t rao, io_err *err)
{
    chain_subnet *s = netuid ? subnet_find(c, netuid) : NULL;
    if (!s) return fail(err, CHAIN_EINVAL, "netuid %u does not exist", netuid);
    return chain_epoch_exec(c, s, rao, err);
}

/* ---- hyperparameters ------------------------------------------------------- */

typedef struct hparam_def {
    const char *name;
    uint64_t min, max;
    const char *range_why; /* why the range is what it is */
    /* The chain setter's own refusals (after the range), or NULL. */
    chain_err (*check)(const chain_subnet *s, uint64_t v, io_err *err);
    void (*set)(chain_hparams *h, uint64_t v);
    uint64_t (*get)(const chain_hparams *h);
} hparam_def;

#define HP_ACCESS(fn, field, type)                                                   \
    static void hp_set_##fn(chain_hparams *h, uint64_t v) { h->field = (type)v; }    \
    static uint64_t hp_get_##fn(const chain_hparams *h) { return (uint64_t)h->field; }
HP_ACCESS(kappa, yuma.kappa, uint16_t)
HP_ACCESS(bma, yuma.bonds_moving_average, uint64_t)
HP_ACCESS(activity_cutoff, yuma.activity_cutoff, uint64_t)
HP_ACCESS(max_validators, yuma.max_allowed_validators, uint16_t)
HP_ACCESS(max_uids, max_allowed_uids, uint16_t)
HP_ACCESS(liquid, yuma.liquid_alpha_enabled, bool)
HP_ACCESS(alpha_low, yuma.alpha_low, uint16_t)
HP_ACCESS(alpha_high, yuma.alpha_high, uint16_t)
HP_ACCESS(tempo, tempo, uint16_t)
HP_ACCESS(min_weights, min_allowed_weights, uint16_t)
HP_ACCESS(max_weight, max_weight_limit, uint16_t)
HP_ACCESS(rate_limit, weights_set_rate_limit, uint64_t)
HP_ACCESS(version_key, weights_version, uint64_t)
HP_ACCESS(immunity, immunity_period, uint16_t)
HP_ACCESS(yuma_version, yuma.version, int)
HP_ACCESS(bonds_penalty, yuma.bonds_penalty, uint16_t)
HP_ACCESS(bonds_reset, bonds_reset_enabled, bool)
HP_ACCESS(sigmoid_clamp, yuma.yuma3_sigmoid_clamp, bool)
HP_ACCESS(incentive_wta, yuma.incentive_wta, bool)
#undef HP_ACCESS

/* Signed keys travel as the two's complement of an int64 (chain_set_hparam_i64). */
static void hp_set_steepness(chain_hparams *h, uint64_t v) { h->yuma.alpha_sigmoid_steepness = (int16_t)(int64_t)v; }
static uint64_t hp_get_steepness(const chain_hparams *h) { return (uint64_t)(int64_t)h->yuma.alpha_sigmoid_steepness; }

static chain_err check_i16(const chain_subnet *s, uint64_t v, io_err *err)
{
    (void)s;
    const int64_t x = (int64_t)v;
    if (x < INT16_MIN || x > INT16_MAX)
        return fail(err, CHAIN_EINVAL, "hparam alpha_sigmoid_steepness = %lld is out of range -32768..32767 (an i16)",
                    (long long)x);
    return CHAIN_OK;
}

static chain_err check_max_validators(const chain_subnet *s, uint64_t v, io_err *err)
{
    if (v > s->hp.max_allowed_uids)
        return fail(err, CHAIN_E_MAX_VALIDATORS_GT_MAX_UIDS, "max_allowed_validators must be <= max_allowed_uids (%u)",
                    s->hp.max_allowed_uids);
    return CHAIN_OK;
}

static chain_err check_max_uids(const chain_subnet *s, uint64_t v, io_err *err)
{
    (void)v;
    if (!(s->n < v))
        return fail(err, CHAIN_E_MAX_UIDS_LT_CURRENT, "max_allowed_uids must be greater than the %u uids registered",
                    s->n);
    return CHAIN_OK;
}

/* do_set_alpha_values(low, high) with the checks of the subnet's variant:
 * v1.2.4 (epoch_vectors.md §12) or v3.2.7 (yuma3.md §3), in the chain's order. */
static chain_err check_alpha_values(const chain_subnet *s, uint64_t low, uint64_t high, io_err *err)
{
    if (!s->hp.yuma.liquid_alpha_enabled)
        return fail(err, CHAIN_E_LIQUID_ALPHA_DISABLED, "set liquid_alpha_enabled 1 first");
    if (s->hp.yuma.version == YUMA_V3) {
        if (high < 1638)
            return fail(err, CHAIN_E_ALPHA_HIGH_TOO_LOW, "alpha_high %llu must be >= 1638 (Yuma 3, v3.2.7)",
                        (unsigned long long)high);
        if (low < 1638 || low > high)
            return fail(err, CHAIN_E_ALPHA_LOW_OUT_OF_RANGE,
                        "alpha_low %llu must satisfy 1638 <= alpha_low <= alpha_high (%llu) (Yuma 3, v3.2.7)",
                        (unsigned long long)low, (unsigned long long)high);
        return CHAIN_OK;
    }
    if (high < 52428)
        return fail(err, CHAIN_E_ALPHA_HIGH_TOO_LOW, "alpha_high %llu must be >= 52428 (0.8)", (unsigned long long)high);
    if (low == 0 || low >= 52428)
        return fail(err, CHAIN_E_ALPHA_LOW_OUT_OF_RANGE, "alpha_low %llu must satisfy 0 < alpha_low < 52428",
                    (unsigned long long)low);
    return CHAIN_OK;
}

static chain_err check_alpha_low(const chain_subnet *s, uint64_t v, io_err *err)
{
    return check_alpha_values(s, v, s->hp.yuma.alpha_high, err);
}

static chain_err check_alpha_high(const chain_subnet *s, uint64_t v, io_err *err)
{
    return check_alpha_values(s, s->hp.yuma.alpha_low, v, err);
}

/* Yuma 3 is accepted only when this build's yuma_epoch runs it. */
static chain_err check_yuma_version(const chain_subnet *s, uint64_t v, io_err *err)
{
    (void)s;
    if (v == YUMA_V2) return CHAIN_OK;
    yuma_params p = yuma_params_default();
    p.version = (int)v;
    static const uint32_t off0[1] = {0};
    static const uint64_t u64_0[1] = {0};
    static const bool b0[1] = {false};
    yuma_input in = {.n = 0, .stake = u64_0, .last_update = u64_0, .block_at_registration = u64_0,
                     .permit_old = b0, .weights = {off0, NULL}, .bonds = {off0, NULL}, .bonds_reset = NULL};
    yuma_arena a = {NULL, yuma_arena_need(0, 0, 0), 0};
    a.base = malloc(a.cap ? a.cap : 1);
    if (!a.base) return fail_nomem(err);
    yuma_output out;
    yuma_status st = yuma_epoch(&p, &in, &out, &a);
    free(a.base);
    if (st != YUMA_OK)
        return fail(err, CHAIN_EINVAL, "yuma_version %llu is not available in this build (yuma_epoch: %s); use 2",
                    (unsigned long long)v, yuma_strerror(st));
    return CHAIN_OK;
}

#define U16 0, 65535, "a u16"
#define U64 0, UINT64_MAX, "a u64"
static const hparam_def hparams[] = {
    {"kappa", U16, NULL, hp_set_kappa, hp_get_kappa},
    {"bonds_moving_average", U64, NULL, hp_set_bma, hp_get_bma},
    {"activity_cutoff", U16, NULL, hp_set_activity_cutoff, hp_get_activity_cutoff},
    {"max_allowed_validators", U16, check_max_validators, hp_set_max_validators, hp_get_max_validators},
    {"max_allowed_uids", 1, YUMA_MAX_UIDS, "u16 on the chain; taosim supports at most 4096 uids per subnet",
     check_max_uids, hp_set_max_uids, hp_get_max_uids},
    {"liquid_alpha_enabled", 0, 1, "a boolean 0/1", NULL, hp_set_liquid, hp_get_liquid},
    {"alpha_low", U16, check_alpha_low, hp_set_alpha_low, hp_get_alpha_low},
    {"alpha_high", U16, check_alpha_high, hp_set_alpha_high, hp_get_alpha_high},
    {"tempo", U16, NULL, hp_set_tempo, hp_get_tempo},
    {"min_allowed_weights", U16, NULL, hp_set_min_weights, hp_get_min_weights},
    {"max_weight_limit", U16, NULL, hp_set_max_weight, hp_get_max_weight},
    {"weights_set_rate_limit", U64, NULL, hp_set_rate_limit, hp_get_rate_limit},
    {"weights_version", U64, NULL, hp_set_version_key, hp_get_version_key},
    {"immunity_period", U16, NULL, hp_set_immunity, hp_get_immunity},
    {"yuma_version", YUMA_V2, YUMA_V3, "2 = Yuma of v1.2.4, 3 = Yuma 3", check_yuma_version, hp_set_yuma_version,
     hp_get_yuma_version},
    {"bonds_penalty", U16, NULL, hp_set_bonds_penalty, hp_get_bonds_penalty},
    {"alpha_sigmoid_steepness", 0, UINT64_MAX, "an i16", check_i16, hp_set_steepness, hp_get_steepness},
    {"bonds_reset_enabled", 0, 1, "a boolean 0/1", NULL, hp_set_bonds_reset, hp_get_bonds_reset},
    {"yuma3_sigmoid_clamp", 0, 1, "a boolean 0/1", NULL, hp_set_sigmoid_clamp, hp_get_sigmoid_clamp},
    /* not a chain rule: the opt-in server-side winner-takes-all (yuma.h), off by default */
    {"incentive_wta", 0, 1, "a boolean 0/1", NULL, hp_set_incentive_wta, hp_get_incentive_wta},
};
#undef U16
#undef U64
static const size_t nhparams = sizeof hparams / sizeof hparams[0];

size_t chain_hparam_count(void)
{
    return nhparams + chain_params_count();
}

const char *chain_hparam_name(size_t i)
{
    return i < nhparams ? hparams[i].name : chain_params_name(i - nhparams);
}

void chain_hparam_list(char *buf, size_t n)
{
    chain_join_names(buf, n, chain_hparam_count(), chain_hparam_name);
}

static const hparam_def *hparam_find(const char *key)
{
    for (size_t i = 0; i < nhparams; i++)
        if (strcmp(hparams[i].name, key) == 0) return &hparams[i];
    return NULL;
}

bool chain_hparam_known(const char *key)
{
    return hparam_find(key) || chain_params_known(key);
}

chain_err chain_set_hparam(chain *c, uint16_t netuid, const char *key, uint64_t value, io_err *err)
{
    const hparam_def *d = hparam_find(key);
    if (!d && !chain_params_known(key)) {
        if (chain_global_known(key))
            return fail(err, CHAIN_EINVAL, "hparam %s is chain-wide: leave netuid empty", key);
        char list[1024];
        chain_hparam_list(list, sizeof list);
        return fail(err, CHAIN_EINVAL, "unknown hparam key '%.40s' (valid keys: %s; chain-wide keys take an empty netuid)",
                    key, list);
    }
    chain_subnet *s = subnet_find(c, netuid);
    if (!s) return fail(err, CHAIN_E_SUBNET_NOT_EXIST, "netuid %u does not exist", netuid);
    if (!d) return chain_params_set(c, s, key, value, err);
    if (value < d->min || value > d->max)
        return fail(err, CHAIN_EINVAL, "hparam %s = %llu is out of range %llu..%llu (%s)", key,
                    (unsigned long long)value, (unsigned long long)d->min, (unsigned long long)d->max, d->range_why);
    if (d->check) {
        chain_err e = d->check(s, value, err);
        if (e != CHAIN_OK) return e;
    }
    d->set(&s->hp, value);
    return CHAIN_OK;
}

chain_err chain_get_hparam(const chain *c, uint16_t netuid, const char *key, uint64_t *value)
{
    const hparam_def *d = hparam_find(key);
    if (!d && !chain_params_known(key)) return CHAIN_EINVAL;
    const chain_subnet *s = subnet_find(c, netuid);
    if (!s) return CHAIN_E_SUBNET_NOT_EXIST;
    if (!d) return chain_params_get(s, key, value);
    *value = d->get(&s->hp);
    return CHAIN_OK;
}

static bool hparam_is_signed(const hparam_def *d)
{
    return d->check == check_i16;
}

bool chain_hparam_signed(const char *key)
{
    const hparam_def *d = hparam_find(key);
    return d && hparam_is_signed(d);
}

chain_err chain_set_hparam_i64(chain *c, uint16_t netuid, const char *key, int64_t value, io_err *err)
{
    const hparam_def *d = hparam_find(key);
    if (value < 0 && d && !hparam_is_signed(d))
        return fail(err, CHAIN_EINVAL, "hparam %s = %lld is out of range %llu..%llu (%s)", key, (long long)value,
                    (unsigned long long)d->min, (unsigned long long)d->max, d->range_why);
    if (value < 0 && chain_params_known(key))
        return fail(err, CHAIN_EINVAL, "hparam %s = %lld is out of range (an unsigned key)", key, (long long)value);
    return chain_set_hparam(c, netuid, key, (uint64_t)value, err);
}

chain_err chain_get_hparam_i64(const chain *c, uint16_t netuid, const char *key, int64_t *value)
{
    uint64_t v = 0;
    chain_err e = chain_get_hparam(c, netuid, key, &v);
    if (e == CHAIN_OK) *value = (int64_t)v;
    return e;
}
