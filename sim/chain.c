/* chain.c -- the chain's state and the calls that change it (see chain.h).
 *
 * Layout: subnets are heap objects referenced from an array sorted by netuid
 * (binary search, stable pointers); each subnet keeps one vector per storage
 * item, indexed by uid, grown together. Hotkeys live in an array in creation
 * order (ids are stable) with an index sorted by name for lookups.
 *
 * Every mutating call validates and allocates first, then mutates, so a
 * refused or failed call leaves the state as it was.
 */
#include "taosim/chain.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "taosim/econ.h"
#include "taosim/fx.h"

typedef struct chain_hotkey {
    char name[CHAIN_HOTKEY_MAX];
    uint64_t stake;  /* TotalHotkeyStake (RAO) */
    uint32_t nregs;  /* uids held over all subnets */
} chain_hotkey;

struct chain {
    uint64_t block;
    uint64_t stake_threshold;
    chain_subnet **subnets; /* ascending netuid */
    uint32_t nsubnets, capsubnets;
    chain_hotkey *hk;       /* creation order: the id is the index */
    uint32_t *hk_index;     /* ids sorted by name (strcmp) */
    uint32_t nhk, caphk;
    unsigned char *scratch; /* epoch inputs (CSR arrays, stakes) */
    size_t scratch_cap;
    yuma_arena arena;       /* yuma_epoch scratch, kept between epochs */
};

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

/* Fill *err (if any) with the detail and return `code`. */
__attribute__((format(printf, 3, 4))) static chain_err fail(io_err *err, chain_err code, const char *fmt, ...)
{
    if (err) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(err->msg, sizeof err->msg, fmt, ap);
        va_end(ap);
    }
    return code;
}

static chain_err fail_nomem(io_err *err)
{
    return fail(err, CHAIN_ENOMEM, "out of memory");
}

/* ---- chain ----------------------------------------------------------------- */

chain *chain_new(void)
{
    return calloc(1, sizeof(chain));
}

static void row_free(chain_row *r)
{
    free(r->ent);
    r->ent = NULL;
    r->len = r->cap = 0;
}

static void subnet_free(chain_subnet *s)
{
    if (!s) return;
    for (uint32_t i = 0; i < s->cap; i++) {
        row_free(&s->weights[i]);
        row_free(&s->bonds[i]);
    }
    free(s->hotkey);
    free(s->block_at_registration);
    free(s->last_update);
    free(s->active);
    free(s->permit);
    free(s->stake_weight);
    free(s->rank);
    free(s->trust);
    free(s->consensus);
    free(s->incentive);
    free(s->dividends);
    free(s->validator_trust);
    free(s->pruning_score);
    free(s->emission);
    free(s->server_emission);
    free(s->validator_emission);
    free(s->epoch_stake);
    free(s->weights);
    free(s->bonds);
    free(s);
}

void chain_free(chain *c)
{
    if (!c) return;
    for (uint32_t i = 0; i < c->nsubnets; i++) subnet_free(c->subnets[i]);
    free(c->subnets);
    free(c->hk);
    free(c->hk_index);
    free(c->scratch);
    free(c->arena.base);
    free(c);
}

uint64_t chain_block(const chain *c)
{
    return c->block;
}

chain_err chain_set_block(chain *c, uint64_t block, io_err *err)
{
    if (block < c->block)
        return fail(err, CHAIN_EINVAL, "block %llu is before the current block %llu (blocks never go back)",
                    (unsigned long long)block, (unsigned long long)c->block);
    c->block = block;
    return CHAIN_OK;
}

void chain_set_stake_threshold(chain *c, uint64_t rao)
{
    c->stake_threshold = rao;
}

/* ---- subnets --------------------------------------------------------------- */

chain_hparams chain_hparams_new_subnet(void)
{
    chain_hparams h;
    memset(&h, 0, sizeof h);
    h.yuma = yuma_params_default();
    h.yuma.version = YUMA_V2;
    h.yuma.kappa = 32767;
    h.yuma.bonds_moving_average = 900000;
    h.yuma.activity_cutoff = 5000;
    h.yuma.max_allowed_validators = 64;
    h.yuma.liquid_alpha_enabled = false;
    h.yuma.alpha_low = 45875;
    h.yuma.alpha_high = 58982;
    h.yuma.owner_uid = -1;
    h.tempo = 360;
    h.min_allowed_weights = 1;
    h.max_weight_limit = 65535;
    h.weights_set_rate_limit = 100;
    h.weights_version = 0;
    h.immunity_period = 5000;
    h.max_allowed_uids = 256;
    return h;
}

/* First position whose netuid is >= netuid. */
static uint32_t subnet_pos(const chain *c, uint16_t netuid)
{
    uint32_t lo = 0, hi = c->nsubnets;
    while (lo < hi) {
        uint32_t mid = lo + (hi - lo) / 2;
        if (c->subnets[mid]->netuid < netuid)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

static chain_subnet *subnet_find(const chain *c, uint16_t netuid)
{
    uint32_t p = subnet_pos(c, netuid);
    return p < c->nsubnets && c->subnets[p]->netuid == netuid ? c->subnets[p] : NULL;
}

const chain_subnet *chain_subnet_get(const chain *c, uint16_t netuid)
{
    return subnet_find(c, netuid);
}

uint32_t chain_subnet_count(const chain *c)
{
    return c->nsubnets;
}

const chain_subnet *chain_subnet_at(const chain *c, uint32_t i)
{
    return i < c->nsubnets ? c->subnets[i] : NULL;
}

/* Make room for `want` uids in every per-uid vector (new slots zeroed). */
static int subnet_reserve(chain_subnet *s, uint32_t want)
{
    if (want <= s->cap) return 0;
    uint32_t cap = s->cap ? s->cap : 16;
    while (cap < want) cap *= 2;
    if (cap > YUMA_MAX_UIDS) cap = YUMA_MAX_UIDS;
    if (cap < want) return -1;
#define GROW(field)                                                                            \
    do {                                                                                       \
        void *q_ = realloc(s->field, (size_t)cap * sizeof *s->field);                          \
        if (!q_) return -1;                                                                    \
        s->field = q_;                                                                         \
        memset(s->field + s->cap, 0, (size_t)(cap - s->cap) * sizeof *s->field);               \
    } while (0)
    GROW(hotkey);
    GROW(block_at_registration);
    GROW(last_update);
    GROW(active);
    GROW(permit);
    GROW(stake_weight);
    GROW(rank);
    GROW(trust);
    GROW(consensus);
    GROW(incentive);
    GROW(dividends);
    GROW(validator_trust);
    GROW(pruning_score);
    GROW(emission);
    GROW(server_emission);
    GROW(validator_emission);
    GROW(epoch_stake);
    GROW(weights);
    GROW(bonds);
#undef GROW
    s->cap = cap;
    return 0;
}

chain_err chain_subnet_add(chain *c, uint16_t netuid, io_err *err)
{
    if (netuid == 0)
        return fail(err, CHAIN_EINVAL, "netuid 0 is the root network, which taosim does not model yet "
                                       "(user subnets have netuid 1..65535)");
    uint32_t p = subnet_pos(c, netuid);
    if (p < c->nsubnets && c->subnets[p]->netuid == netuid)
        return fail(err, CHAIN_EINVAL, "subnet %u already exists", netuid);
    if (c->nsubnets >= CHAIN_MAX_SUBNETS)
        return fail(err, CHAIN_ELIMIT, "too many subnets (taosim's limit is %u)", CHAIN_MAX_SUBNETS);
    if (c->nsubnets == c->capsubnets) {
        uint32_t cap = c->capsubnets ? 2 * c->capsubnets : 16;
        chain_subnet **q = realloc(c->subnets, cap * sizeof *q);
        if (!q) return fail_nomem(err);
        c->subnets = q;
        c->capsubnets = cap;
    }
    chain_subnet *s = calloc(1, sizeof *s);
    if (!s || subnet_reserve(s, 1) != 0) { /* per-uid vectors are never NULL, even when n == 0 */
        subnet_free(s);
        return fail_nomem(err);
    }
    s->netuid = netuid;
    s->hp = chain_hparams_new_subnet();
    memmove(c->subnets + p + 1, c->subnets + p, (c->nsubnets - p) * sizeof *c->subnets);
    c->subnets[p] = s;
    c->nsubnets++;
    return CHAIN_OK;
}

/* ---- stored rows ----------------------------------------------------------- */

static int row_reserve(chain_row *r, size_t len)
{
    if (len <= r->cap) return 0;
    if (len > UINT32_MAX) return -1;
    yuma_entry *q = realloc(r->ent, len * sizeof *q);
    if (!q) return -1;
    r->ent = q;
    r->cap = (uint32_t)len;
    return 0;
}

/* Store (dests[k], vals[k]); the row must have been reserved for len. */
static void row_store(chain_row *r, const uint16_t *dests, const uint16_t *vals, size_t len)
{
    for (size_t k = 0; k < len; k++) {
        r->ent[k].col = dests[k];
        r->ent[k].val = vals[k];
    }
    r->len = (uint32_t)len;
}

/* ---- hotkeys --------------------------------------------------------------- */

static bool hotkey_name_ok(const char *name)
{
    size_t len = name ? strlen(name) : 0;
    if (len == 0 || len >= CHAIN_HOTKEY_MAX) return false;
    for (size_t i = 0; i < len; i++)
        if ((unsigned char)name[i] < 0x20 || (unsigned char)name[i] == 0x7f) return false;
    return true;
}

/* Binary search of the name index: 1 and *pos = index position if found,
 * else 0 and *pos = insertion position. */
static int hk_search(const chain *c, const char *name, uint32_t *pos)
{
    uint32_t lo = 0, hi = c->nhk;
    while (lo < hi) {
        uint32_t mid = lo + (hi - lo) / 2;
        int cmp = strcmp(c->hk[c->hk_index[mid]].name, name);
        if (cmp == 0) {
            *pos = mid;
            return 1;
        }
        if (cmp < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    *pos = lo;
    return 0;
}

/* Hotkey id by name, or -1. */
static int64_t hk_id(const chain *c, const char *name)
{
    uint32_t pos;
    if (!name || !hk_search(c, name, &pos)) return -1;
    return c->hk_index[pos];
}

static chain_err hk_get_or_add(chain *c, const char *name, uint32_t *id, io_err *err)
{
    uint32_t pos;
    if (hk_search(c, name, &pos)) {
        *id = c->hk_index[pos];
        return CHAIN_OK;
    }
    if (c->nhk >= CHAIN_MAX_HOTKEYS)
        return fail(err, CHAIN_ELIMIT, "too many hotkeys (taosim's limit is %u)", CHAIN_MAX_HOTKEYS);
    if (c->nhk == c->caphk) {
        uint32_t cap = c->caphk ? 2 * c->caphk : 64;
        chain_hotkey *h = realloc(c->hk, (size_t)cap * sizeof *h);
        if (!h) return fail_nomem(err);
        c->hk = h;
        uint32_t *ix = realloc(c->hk_index, (size_t)cap * sizeof *ix);
        if (!ix) return fail_nomem(err);
        c->hk_index = ix;
        c->caphk = cap;
    }
    uint32_t n = c->nhk;
    memset(&c->hk[n], 0, sizeof c->hk[n]);
    memcpy(c->hk[n].name, name, strlen(name) + 1);
    memmove(c->hk_index + pos + 1, c->hk_index + pos, (n - pos) * sizeof *c->hk_index);
    c->hk_index[pos] = n;
    c->nhk++;
    *id = n;
    return CHAIN_OK;
}

const char *chain_hotkey_name(const chain *c, uint32_t id)
{
    return id < c->nhk ? c->hk[id].name : NULL;
}

uint64_t chain_hotkey_stake(const chain *c, const char *hotkey)
{
    int64_t id = hk_id(c, hotkey);
    return id < 0 ? 0 : c->hk[id].stake;
}

chain_err chain_set_stake(chain *c, const char *hotkey, uint64_t rao, io_err *err)
{
    int64_t id = hk_id(c, hotkey);
    if (id < 0) return fail(err, CHAIN_EINVAL, "hotkey '%s' is not known to the chain", hotkey ? hotkey : "");
    c->hk[id].stake = rao;
    return CHAIN_OK;
}

uint64_t chain_uid_stake(const chain *c, const chain_subnet *s, uint32_t uid)
{
    /* yuma-epoch.md §2.1 without child/parent keys; NetworkMaxStake = u64::MAX. */
    return c->hk[s->hotkey[uid]].stake;
}

/* The uid of hotkey id `id` on subnet s, or -1. */
static int64_t subnet_uid_of(const chain_subnet *s, uint32_t id)
{
    for (uint32_t i = 0; i < s->n; i++)
        if (s->hotkey[i] == id) return i;
    return -1;
}

const char *chain_uid_hotkey(const chain *c, uint16_t netuid, uint32_t uid)
{
    const chain_subnet *s = subnet_find(c, netuid);
    return s && uid < s->n ? c->hk[s->hotkey[uid]].name : NULL;
}

/* ---- registration ---------------------------------------------------------- */

/* Append a neuron (economics.md §7.1 step 3); room reserved by the caller. */
static uint32_t neuron_append(chain *c, chain_subnet *s, uint32_t id)
{
    uint32_t uid = s->n++;
    s->hotkey[uid] = id;
    s->block_at_registration[uid] = s->last_update[uid] = c->block;
    s->active[uid] = true;
    s->permit[uid] = false;
    s->stake_weight[uid] = s->rank[uid] = s->trust[uid] = s->consensus[uid] = 0;
    s->incentive[uid] = s->dividends[uid] = s->validator_trust[uid] = s->pruning_score[uid] = 0;
    s->emission[uid] = s->server_emission[uid] = s->validator_emission[uid] = s->epoch_stake[uid] = 0;
    s->weights[uid].len = s->bonds[uid].len = 0;
    c->hk[id].nregs++;
    return uid;
}

/* replace_neuron (economics.md §7.6). */
static void neuron_replace(chain *c, chain_subnet *s, uint32_t uid, uint32_t id)
{
    chain_hotkey *old = &c->hk[s->hotkey[uid]];
    if (--old->nregs == 0) old->stake = 0; /* no uid left anywhere: unstaked */
    s->hotkey[uid] = id;
    c->hk[id].nregs++;
    s->block_at_registration[uid] = c->block;
    s->active[uid] = true;
    if (s->hp.yuma.version == YUMA_V3) s->bonds[uid].len = 0; /* v3.2.7 clear_neuron */
}

/* Validate an explicit uid (state loading). */
static chain_err register_check_uid(const chain_subnet *s, uint32_t uid, io_err *err)
{
    if (uid == CHAIN_UID_AUTO || uid < s->n) return CHAIN_OK;
    if (uid > s->n)
        return fail(err, CHAIN_EINVAL, "uid %u is beyond the subnet size %u of netuid %u (the next new uid is %u)",
                    uid, s->n, s->netuid, s->n);
    if (s->n >= s->hp.max_allowed_uids)
        return fail(err, CHAIN_EINVAL, "uid %u would grow netuid %u past max_allowed_uids %u", uid, s->netuid,
                    s->hp.max_allowed_uids);
    return CHAIN_OK;
}

chain_err chain_register(chain *c, uint16_t netuid, const char *hotkey, uint32_t uid, uint32_t *uid_out,
                         io_err *err)
{
    if (!hotkey_name_ok(hotkey))
        return fail(err, CHAIN_EINVAL, "hotkey name must be 1..%u printable bytes", CHAIN_HOTKEY_MAX - 1);
    if (netuid == 0) return fail(err, CHAIN_E_REGISTRATION_ON_ROOT, "netuid 0 is the root network");
    chain_subnet *s = subnet_find(c, netuid);
    if (!s) return fail(err, CHAIN_E_SUBNET_NOT_EXIST, "netuid %u does not exist", netuid);
    chain_err e = register_check_uid(s, uid, err);
    if (e != CHAIN_OK) return e;
    int64_t known = hk_id(c, hotkey);
    int64_t held = known < 0 ? -1 : subnet_uid_of(s, (uint32_t)known);
    if (held >= 0)
        return fail(err, CHAIN_E_HOTKEY_ALREADY_REGISTERED, "hotkey %s already holds uid %lld on netuid %u", hotkey,
                    (long long)held, netuid);
    bool auto_prune = uid == CHAIN_UID_AUTO && s->n >= s->hp.max_allowed_uids;
    if (uid == CHAIN_UID_AUTO)
        uid = auto_prune ? econ_neuron_to_prune(s->n, s->pruning_score, s->block_at_registration, c->block,
                                                s->hp.immunity_period)
                         : s->n;
    if (uid == s->n && subnet_reserve(s, s->n + 1) != 0) return fail_nomem(err);
    uint32_t id = 0;
    e = hk_get_or_add(c, hotkey, &id, err);
    if (e != CHAIN_OK) return e;
    if (uid == s->n) {
        neuron_append(c, s, id);
    } else {
        if (auto_prune) s->pruning_score[uid] = 65535; /* get_neuron_to_prune marks its choice */
        neuron_replace(c, s, uid, id);
    }
    if (uid_out) *uid_out = uid;
    return CHAIN_OK;
}

/* ---- set_weights ----------------------------------------------------------- */

/* round() then to_num::<u16>() of a value known to be in [0, 65535.5). */
static uint16_t round_to_u16(i32f32 x)
{
    i32f32 r = x;
    (void)i32f32_round(x, &r);
    return i32f32_to_u16_wrap(r);
}

void chain_max_upscale_u16(const uint16_t *in, size_t n, uint16_t *out)
{
    uint16_t m = 0;
    for (size_t i = 0; i < n; i++)
        if (in[i] > m) m = in[i];
    if (m == 0) {
        for (size_t i = 0; i < n; i++) out[i] = 0;
        return;
    }
    const i32f32 u16max = i32f32_from_u16(65535), mx = i32f32_from_u16(m);
    if (m > 32768) {
        i32f32 ratio = i32f32_zero();
        (void)i32f32_sat_div(u16max, mx, &ratio);
        for (size_t i = 0; i < n; i++) out[i] = round_to_u16(i32f32_sat_mul(i32f32_from_u16(in[i]), ratio));
    } else {
        for (size_t i = 0; i < n; i++) {
            i32f32 q = i32f32_zero();
            (void)i32f32_sat_div(i32f32_sat_mul(i32f32_from_u16(in[i]), u16max), mx, &q);
            out[i] = round_to_u16(q);
        }
    }
}

bool chain_vec_max_limited(const uint16_t *w, size_t n, uint16_t limit)
{
    if (n == 0) return true;
    i32f32 lim = i32f32_zero();
    (void)i32f32_sat_div(i32f32_from_u16(limit), i32f32_from_u16(65535), &lim);
    i32f32 sum = i32f32_zero();
    uint16_t m = 0;
    for (size_t i = 0; i < n; i++) {
        sum = i32f32_wrap_add(sum, i32f32_from_u16(w[i])); /* plain `.sum()` */
        if (w[i] > m) m = w[i];
    }
    i32f32 top = i32f32_from_u16(m); /* inplace_normalize leaves x unchanged when the sum is 0 */
    if (sum.bits != 0) (void)i32f32_sat_div(top, sum, &top); /* normalising is monotonic: max of the quotients */
    return top.bits <= lim.bits;
}

/* Checks 1-8 of do_set_weights: who may call, and when. *uid_out = caller. */
static chain_err weights_check_caller(const chain *c, chain_subnet **sp, uint16_t netuid, const char *hotkey,
                                      size_t ndests, size_t nvals, uint64_t version_key, uint32_t *uid_out,
                                      io_err *err)
{
    if (netuid == 0) return fail(err, CHAIN_E_ROOT_WEIGHTS, "netuid 0 is the root network");
    if (ndests != nvals) return fail(err, CHAIN_E_WEIGHT_VEC_NOT_EQUAL_SIZE, "%zu uids but %zu values", ndests, nvals);
    chain_subnet *s = subnet_find(c, netuid);
    if (!s) return fail(err, CHAIN_E_SUBNET_NOT_EXIST, "netuid %u does not exist", netuid);
    if (ndests > s->n)
        return fail(err, CHAIN_E_UIDS_LENGTH_EXCEED, "%zu weights for a subnet of %u uids", ndests, s->n);
    int64_t id = hk_id(c, hotkey);
    int64_t uid = id < 0 ? -1 : subnet_uid_of(s, (uint32_t)id);
    if (uid < 0) return fail(err, CHAIN_E_HOTKEY_NOT_REGISTERED, "the caller holds no uid on netuid %u", netuid);
    uint64_t stake = chain_uid_stake(c, s, (uint32_t)uid);
    if (stake < c->stake_threshold)
        return fail(err, CHAIN_E_NOT_ENOUGH_STAKE_WEIGHTS, "stake %llu is below StakeThreshold %llu",
                    (unsigned long long)stake, (unsigned long long)c->stake_threshold);
    uint64_t wvk = s->hp.weights_version;
    if (wvk != 0 && version_key < wvk)
        return fail(err, CHAIN_E_INCORRECT_VERSION_KEY, "version key %llu is below WeightsVersionKey %llu",
                    (unsigned long long)version_key, (unsigned long long)wvk);
    uint64_t lu = s->last_update[uid], lim = s->hp.weights_set_rate_limit;
    if (lu != 0 && (c->block > lu ? c->block - lu : 0) < lim)
        return fail(err, CHAIN_E_SETTING_WEIGHTS_TOO_FAST, "last update at block %llu, now %llu, rate limit %llu",
                    (unsigned long long)lu, (unsigned long long)c->block, (unsigned long long)lim);
    *sp = s;
    *uid_out = (uint32_t)uid;
    return CHAIN_OK;
}

/* Checks 9-12 of do_set_weights: what the caller sends. */
static chain_err weights_check_content(const chain_subnet *s, uint32_t uid, const uint16_t *dests, size_t len,
                                       bool self, io_err *err)
{
    if (!self && !s->permit[uid])
        return fail(err, CHAIN_E_NO_VALIDATOR_PERMIT, "uid %u has no validator permit", uid);
    uint64_t seen[65536 / 64];
    memset(seen, 0, sizeof seen);
    for (size_t k = 0; k < len; k++) {
        uint64_t bit = (uint64_t)1 << (dests[k] % 64);
        if (seen[dests[k] / 64] & bit) return fail(err, CHAIN_E_DUPLICATE_UIDS, "uid %u appears twice", dests[k]);
        seen[dests[k] / 64] |= bit;
    }
    for (size_t k = 0; k < len; k++)
        if (dests[k] >= s->n)
            return fail(err, CHAIN_E_INVALID_UID, "uid %u does not exist (netuid %u has %u uids)", dests[k],
                        s->netuid, s->n);
    uint32_t min = s->hp.min_allowed_weights < s->n ? s->hp.min_allowed_weights : s->n;
    if (!self && len < min)
        return fail(err, CHAIN_E_WEIGHT_VEC_LENGTH_LOW, "%zu weights, at least %u required", len, min);
    return CHAIN_OK;
}

chain_err chain_set_weights(chain *c, uint16_t netuid, const char *hotkey, const uint16_t *dests, size_t ndests,
                            const uint16_t *vals, size_t nvals, uint64_t version_key, io_err *err)
{
    chain_subnet *s = NULL;
    uint32_t uid = 0;
    chain_err e = weights_check_caller(c, &s, netuid, hotkey, ndests, nvals, version_key, &uid, err);
    if (e != CHAIN_OK) return e;
    bool self = nvals == 1 && dests[0] == uid; /* is_self_weight */
    e = weights_check_content(s, uid, dests, ndests, self, err);
    if (e != CHAIN_OK) return e;
    uint16_t up[YUMA_MAX_UIDS]; /* ndests <= n <= YUMA_MAX_UIDS */
    chain_max_upscale_u16(vals, nvals, up);
    uint16_t limit = s->hp.max_weight_limit;
    if (!self && limit != 65535 && !chain_vec_max_limited(up, nvals, limit))
        return fail(err, CHAIN_E_MAX_WEIGHT_EXCEEDED, "a weight exceeds max_weight_limit %u/65535 of the total",
                    limit);
    if (row_reserve(&s->weights[uid], ndests) != 0) return fail_nomem(err);
    row_store(&s->weights[uid], dests, up, ndests);
    s->last_update[uid] = c->block;
    return CHAIN_OK;
}

/* ---- bonds (snapshot loading) ---------------------------------------------- */

chain_err chain_set_bonds(chain *c, uint16_t netuid, uint32_t uid, const uint16_t *dests, const uint16_t *vals,
                          size_t len, io_err *err)
{
    chain_subnet *s = subnet_find(c, netuid);
    if (!s) return fail(err, CHAIN_EINVAL, "netuid %u does not exist", netuid);
    if (uid >= s->n) return fail(err, CHAIN_EINVAL, "uid %u does not exist (netuid %u has %u uids)", uid, netuid, s->n);
    bool seen[YUMA_MAX_UIDS];
    memset(seen, 0, sizeof seen);
    for (size_t k = 0; k < len; k++) {
        if (dests[k] >= s->n)
            return fail(err, CHAIN_EINVAL, "bond destination %u is out of range (netuid %u has %u uids)", dests[k],
                        netuid, s->n);
        if (seen[dests[k]]) return fail(err, CHAIN_EINVAL, "bond destination %u appears twice", dests[k]);
        seen[dests[k]] = true;
    }
    chain_row *r = &s->bonds[uid];
    if (row_reserve(r, len) != 0) return fail_nomem(err);
    row_store(r, dests, vals, len); /* the order given: it matters to Liquid Alpha 2 */
    return CHAIN_OK;
}

/* ---- subnet owner and bonds reset (Yuma 3) ---------------------------------- */

static chain_err subnet_uid_check(const chain *c, uint16_t netuid, uint32_t uid, chain_subnet **sp, io_err *err)
{
    chain_subnet *s = subnet_find(c, netuid);
    if (!s) return fail(err, CHAIN_EINVAL, "netuid %u does not exist", netuid);
    if (uid >= s->n) return fail(err, CHAIN_EINVAL, "uid %u does not exist (netuid %u has %u uids)", uid, netuid, s->n);
    *sp = s;
    return CHAIN_OK;
}

chain_err chain_set_owner(chain *c, uint16_t netuid, uint32_t uid, io_err *err)
{
    chain_subnet *s = NULL;
    chain_err e = subnet_uid_check(c, netuid, uid, &s, err);
    if (e != CHAIN_OK) return e;
    s->has_owner = true;
    s->owner_hotkey = s->hotkey[uid];
    return CHAIN_OK;
}

chain_err chain_reset_bonds(chain *c, uint16_t netuid, uint32_t uid, io_err *err)
{
    chain_subnet *s = NULL;
    chain_err e = subnet_uid_check(c, netuid, uid, &s, err);
    if (e != CHAIN_OK || !s->hp.bonds_reset_enabled) return e;
    for (uint32_t i = 0; i < s->n; i++) { /* drop (i, uid) from every row, order kept */
        chain_row *r = &s->bonds[i];
        uint32_t k = 0;
        for (uint32_t q = 0; q < r->len; q++)
            if (r->ent[q].col != uid) r->ent[k++] = r->ent[q];
        r->len = k;
    }
    return CHAIN_OK;
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
        if (o->bonds_action[i] == YUMA_BONDS_SET && row_reserve(&s->bonds[i], o->bonds_off[i + 1] - o->bonds_off[i]) != 0)
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

chain_err chain_run_epoch(chain *c, uint16_t netuid, uint64_t rao, io_err *err)
{
    chain_subnet *s = subnet_find(c, netuid);
    if (!s) return fail(err, CHAIN_EINVAL, "netuid %u does not exist", netuid);
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
    yuma_params p = s->hp.yuma;
    int64_t owner = s->has_owner ? subnet_uid_of(s, s->owner_hotkey) : -1;
    p.owner_uid = (int32_t)owner; /* -1 when the owner's hotkey holds no uid here */
    p.tempo = s->hp.tempo;
    p.stake_threshold = c->stake_threshold;
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
};
#undef U16
#undef U64
static const size_t nhparams = sizeof hparams / sizeof hparams[0];

size_t chain_hparam_count(void)
{
    return nhparams;
}

const char *chain_hparam_name(size_t i)
{
    return i < nhparams ? hparams[i].name : NULL;
}

/* "a, b, c" of names[0..count) (each name the first member of its row of
 * `stride` bytes) into buf, truncated to n bytes. */
static void list_names(char *buf, size_t n, const void *rows, size_t count, size_t stride)
{
    if (n == 0) return;
    buf[0] = '\0';
    size_t len = 0;
    for (size_t i = 0; i < count && len < n; i++) {
        const char *name;
        memcpy(&name, (const unsigned char *)rows + i * stride, sizeof name);
        int w = snprintf(buf + len, n - len, "%s%s", i ? ", " : "", name);
        if (w < 0) break;
        len += (size_t)w;
    }
}

void chain_hparam_list(char *buf, size_t n)
{
    list_names(buf, n, hparams, nhparams, sizeof hparams[0]);
}

static const hparam_def *hparam_find(const char *key)
{
    for (size_t i = 0; i < nhparams; i++)
        if (strcmp(hparams[i].name, key) == 0) return &hparams[i];
    return NULL;
}

chain_err chain_set_hparam(chain *c, uint16_t netuid, const char *key, uint64_t value, io_err *err)
{
    const hparam_def *d = hparam_find(key);
    if (!d) {
        if (chain_global_hparam_known(key))
            return fail(err, CHAIN_EINVAL, "hparam %s is chain-wide: leave netuid empty", key);
        char list[640], glob[128];
        chain_hparam_list(list, sizeof list);
        chain_global_hparam_list(glob, sizeof glob);
        return fail(err, CHAIN_EINVAL, "unknown hparam key '%.40s' (valid keys: %s; chain-wide, with an empty netuid: %s)",
                    key, list, glob);
    }
    chain_subnet *s = subnet_find(c, netuid);
    if (!s) return fail(err, CHAIN_E_SUBNET_NOT_EXIST, "netuid %u does not exist", netuid);
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
    if (!d) return CHAIN_EINVAL;
    const chain_subnet *s = subnet_find(c, netuid);
    if (!s) return CHAIN_E_SUBNET_NOT_EXIST;
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
    if (d && value < 0 && !hparam_is_signed(d))
        return fail(err, CHAIN_EINVAL, "hparam %s = %lld is out of range %llu..%llu (%s)", key, (long long)value,
                    (unsigned long long)d->min, (unsigned long long)d->max, d->range_why);
    return chain_set_hparam(c, netuid, key, (uint64_t)value, err);
}

chain_err chain_get_hparam_i64(const chain *c, uint16_t netuid, const char *key, int64_t *value)
{
    uint64_t v = 0;
    chain_err e = chain_get_hparam(c, netuid, key, &v);
    if (e == CHAIN_OK) *value = (int64_t)v;
    return e;
}

/* ---- chain-wide hyperparameters ---------------------------------------------- */

typedef struct global_def {
    const char *name;
    size_t off; /* of the uint64_t field in struct chain */
} global_def;

static const global_def globals[] = {
    {"stake_threshold", offsetof(struct chain, stake_threshold)}, /* StakeThreshold, u64 RAO (yuma3.md §3) */
};
static const size_t nglobals = sizeof globals / sizeof globals[0];

static const global_def *global_find(const char *key)
{
    for (size_t i = 0; i < nglobals; i++)
        if (strcmp(globals[i].name, key) == 0) return &globals[i];
    return NULL;
}

bool chain_global_hparam_known(const char *key)
{
    return global_find(key) != NULL;
}

void chain_global_hparam_list(char *buf, size_t n)
{
    list_names(buf, n, globals, nglobals, sizeof globals[0]);
}

chain_err chain_set_global_hparam(chain *c, const char *key, uint64_t value, io_err *err)
{
    const global_def *g = global_find(key);
    if (!g) {
        if (hparam_find(key)) return fail(err, CHAIN_EINVAL, "hparam %s is per subnet: give a netuid", key);
        char glob[128];
        chain_global_hparam_list(glob, sizeof glob);
        return fail(err, CHAIN_EINVAL, "unknown chain-wide hparam key '%.40s' (chain-wide keys: %s)", key, glob);
    }
    memcpy((unsigned char *)c + g->off, &value, sizeof value);
    return CHAIN_OK;
}

chain_err chain_get_global_hparam(const chain *c, const char *key, uint64_t *value)
{
    const global_def *g = global_find(key);
    if (!g) return CHAIN_EINVAL;
    memcpy(value, (const unsigned char *)c + g->off, sizeof *value);
    return CHAIN_OK;
}
