/* chain_core.c -- the chain object: presets, global parameters, subnet
 * storage, the ledger's totals and the audit (see chain.h, chain_int.h).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "chain_int.h"
#include "taosim/econ.h"
#include "taosim/emission.h"

/* ---- small helpers ------------------------------------------------------------- */

chain_err chain_fail(io_err *err, chain_err code, const char *fmt, ...)
{
    if (err) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(err->msg, sizeof err->msg, fmt, ap);
        va_end(ap);
    }
    return code;
}

chain_err chain_fail_nomem(io_err *err)
{
    return chain_fail(err, CHAIN_ENOMEM, "out of memory");
}

bool chain_name_ok(const char *name)
{
    size_t len = name ? strlen(name) : 0;
    if (len == 0 || len >= CHAIN_HOTKEY_MAX) return false;
    for (size_t i = 0; i < len; i++)
        if ((unsigned char)name[i] < 0x20 || (unsigned char)name[i] == 0x7f) return false;
    return true;
}

int chain_grow(void **arr, uint32_t *cap, uint32_t want, size_t elem)
{
    if (want <= *cap) return 0;
    uint32_t nc = *cap ? *cap : 2;
    while (nc < want) nc = nc > UINT32_MAX / 2 ? want : 2 * nc;
    void *q = realloc(*arr, (size_t)nc * elem);
    if (!q) return -1;
    *arr = q;
    *cap = nc;
    return 0;
}

void chain_join_names(char *buf, size_t n, size_t count, const char *(*name)(size_t))
{
    if (n == 0) return;
    buf[0] = '\0';
    size_t len = 0;
    for (size_t i = 0; i < count && len < n; i++) {
        int w = snprintf(buf + len, n - len, "%s%s", i ? ", " : "", name(i));
        if (w < 0) break;
        len += (size_t)w;
    }
}

uint64_t chain_sat_add(uint64_t a, uint64_t b)
{
    uint64_t r;
    return __builtin_add_overflow(a, b, &r) ? UINT64_MAX : r;
}

uint64_t chain_sat_sub(uint64_t a, uint64_t b)
{
    return a > b ? a - b : 0;
}

void chain_emit(chain *c, chain_event_kind k, uint16_t netuid, uint32_t uid, uint32_t hotkey, uint32_t other,
                uint32_t coldkey, uint64_t amount, uint64_t amount2)
{
    if (!c->obs) return;
    chain_event ev;
    memset(&ev, 0, sizeof ev); /* padding too: observers may hash or write the bytes */
    ev.kind = k;
    ev.block = c->block;
    ev.netuid = netuid;
    ev.uid = uid;
    ev.hotkey = hotkey;
    ev.other = other;
    ev.coldkey = coldkey;
    ev.amount = amount;
    ev.amount2 = amount2;
    c->obs(c->obs_ctx, c, &ev);
}

static const char *const event_names[CHAIN_EV_COUNT] = {
    "adjust", "root_epoch", "epoch", "drain", "subnet_added", "subnet_removed", "neuron_added", "unstake_all",
};

const char *chain_event_name(chain_event_kind k)
{
    return (unsigned)k < CHAIN_EV_COUNT ? event_names[k] : "unknown";
}

void chain_set_observer(chain *c, chain_observer fn, void *ctx)
{
    c->obs = fn;
    c->obs_ctx = ctx;
}

/* ---- presets (economics.md §9; economics_vectors.md §0 for the mock) ------------- */

#define U64MAX UINT64_MAX
#define ALPHA_097 17893341751498265066ull /* 0.97 · (2^64 − 1), init_new_network */

static chain_hparams storage_finney(void)
{
    chain_hparams h;
    memset(&h, 0, sizeof h);
    h.yuma = yuma_params_default();
    h.yuma.version = YUMA_V2;
    h.yuma.kappa = 32767;
    h.yuma.bonds_moving_average = 900000;
    h.yuma.activity_cutoff = 5000;
    h.yuma.max_allowed_validators = 128;
    h.yuma.liquid_alpha_enabled = false;
    h.yuma.alpha_low = 45875;
    h.yuma.alpha_high = 58982;
    h.yuma.owner_uid = -1;
    h.tempo = 99;
    h.min_allowed_weights = 1024;
    h.max_weight_limit = 1000;
    h.weights_set_rate_limit = 100;
    h.weights_version = 0;
    h.immunity_period = 4096;
    h.max_allowed_uids = 4096;
    h.rho = 10;
    h.target_registrations_per_interval = 2;
    h.adjustment_interval = 100;
    h.adjustment_alpha = 0;
    h.max_registrations_per_block = 1;
    h.min_burn = 1000000000ull;
    h.max_burn = 100000000000ull;
    h.min_difficulty = 10000000ull;
    h.max_difficulty = U64MAX / 4;
    h.registration_allowed = false;
    h.pow_registration_allowed = false;
    h.network_max_stake = U64MAX;
    return h;
}

static chain_hparams storage_mock(void)
{
    chain_hparams h = storage_finney();
    h.yuma.max_allowed_validators = 100;
    h.tempo = 0;
    h.min_allowed_weights = 0;
    h.max_weight_limit = 65535;
    h.immunity_period = 2;
    h.max_allowed_uids = 2;
    h.rho = 30;
    h.target_registrations_per_interval = 2;
    h.max_registrations_per_block = 3;
    h.min_burn = 0;
    h.max_burn = 1000000000ull;
    h.min_difficulty = 1;
    h.max_difficulty = U64MAX;
    return h;
}

static chain_preset presets[2];
static bool presets_ready;

static void presets_init(void)
{
    if (presets_ready) return;
    chain_globals f = {
        .subnet_owner_cut = 11796, .subnet_limit = 12, .network_immunity_period = 50400,
        .network_min_lock_cost = 1000000000000ull, .network_last_lock_cost = 1000000000000ull,
        .network_lock_reduction_interval = 100800, .network_rate_limit = 7200, .network_last_registered = 0,
        .hotkey_emission_tempo = 7200, .default_delegate_take = 11796, .max_delegate_take = 11796,
        .min_delegate_take = 0, .tx_rate_limit = 1000, .tx_delegate_take_rate_limit = 216000,
        .target_stakes_per_interval = 1, .stake_interval = 360, .stake_threshold = 0,
        .nominator_min_required_stake = 0, .removal_keeps_pending = true, .removal_keeps_params = true,
        .stale_network_member = true,
    };
    chain_globals m = f;
    m.subnet_owner_cut = 0;
    m.subnet_limit = 10;
    m.network_min_lock_cost = m.network_last_lock_cost = 100000000000ull;
    m.network_lock_reduction_interval = 2;
    m.network_rate_limit = 0;
    m.hotkey_emission_tempo = 0;
    m.min_delegate_take = 5898;
    m.tx_rate_limit = 0;
    m.tx_delegate_take_rate_limit = 1;
    m.target_stakes_per_interval = 2;
    presets[0] = (chain_preset){"finney-v1.2.4", f, storage_finney(), 1000000000ull, 10000000ull};
    presets[1] = (chain_preset){"mock-v1.2.4", m, storage_mock(), 0, 10000};
    presets_ready = true;
}

size_t chain_preset_count(void)
{
    return sizeof presets / sizeof presets[0];
}

const char *chain_preset_name(size_t i)
{
    presets_init();
    return i < chain_preset_count() ? presets[i].name : NULL;
}

const chain_preset *chain_preset_find(const char *name)
{
    presets_init();
    for (size_t i = 0; i < chain_preset_count(); i++)
        if (strcmp(presets[i].name, name) == 0) return &presets[i];
    return NULL;
}

/* init_new_network's explicit writes (economics.md §6.1 step 5). */
static void init_new_network(chain_hparams *h)
{
    h->tempo = 360;
    h->registration_allowed = true;
    h->max_allowed_uids = 256;
    h->yuma.max_allowed_validators = 64;
    h->min_allowed_weights = 1;
    h->max_weight_limit = 65535;
    h->adjustment_interval = 360;
    h->target_registrations_per_interval = 1;
    h->adjustment_alpha = ALPHA_097;
    h->immunity_period = 5000;
    h->min_burn = 1;
    h->min_difficulty = U64MAX;
    h->max_difficulty = U64MAX;
}

chain_hparams chain_hparams_new_subnet(void)
{
    chain_hparams h = storage_finney();
    init_new_network(&h);
    return h;
}

/* ---- subnet storage --------------------------------------------------------------- */

uint32_t chain_subnet_pos(const chain *c, uint16_t netuid)
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

chain_subnet *chain_find(const chain *c, uint16_t netuid)
{
    return netuid == 0 ? c->root : c->by_netuid[netuid];
}

const chain_subnet *chain_subnet_get(const chain *c, uint16_t netuid)
{
    return chain_find(c, netuid);
}

uint32_t chain_subnet_count(const chain *c)
{
    return c->nsubnets;
}

const chain_subnet *chain_subnet_at(const chain *c, uint32_t i)
{
    return i < c->nsubnets ? c->subnets[i] : NULL;
}

int chain_subnet_reserve(chain_subnet *s, uint32_t want)
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

static void row_free(chain_row *r)
{
    free(r->ent);
    r->ent = NULL;
    r->len = r->cap = 0;
}

/* Free the per-uid vectors (n becomes 0); the scalar state stays. */
void chain_subnet_clear_uids(chain_subnet *s)
{
    for (uint32_t i = 0; i < s->cap; i++) {
        if (s->weights) row_free(&s->weights[i]);
        if (s->bonds) row_free(&s->bonds[i]);
    }
    void **v[] = {(void **)&s->hotkey, (void **)&s->block_at_registration, (void **)&s->last_update,
                  (void **)&s->active, (void **)&s->permit, (void **)&s->stake_weight, (void **)&s->rank,
                  (void **)&s->trust, (void **)&s->consensus, (void **)&s->incentive, (void **)&s->dividends,
                  (void **)&s->validator_trust, (void **)&s->pruning_score, (void **)&s->emission,
                  (void **)&s->server_emission, (void **)&s->validator_emission, (void **)&s->epoch_stake,
                  (void **)&s->weights, (void **)&s->bonds};
    for (size_t k = 0; k < sizeof v / sizeof v[0]; k++) {
        free(*v[k]);
        *v[k] = NULL;
    }
    s->n = s->cap = 0;
}

void chain_subnet_destroy(chain_subnet *s)
{
    if (!s) return;
    chain_subnet_clear_uids(s);
    free(s);
}

chain_subnet *chain_subnet_alloc(uint16_t netuid)
{
    chain_subnet *s = calloc(1, sizeof *s);
    if (!s || chain_subnet_reserve(s, 1) != 0) { /* per-uid vectors are never NULL, even when n == 0 */
        chain_subnet_destroy(s);
        return NULL;
    }
    s->netuid = netuid;
    s->owner = CHAIN_NONE;
    return s;
}

int chain_subnet_room(chain *c, uint16_t netuid)
{
    if (c->nsubnets == c->capsubnets) {
        uint32_t cap = c->capsubnets ? 2 * c->capsubnets : 16;
        chain_subnet **q = realloc(c->subnets, cap * sizeof *q);
        if (!q) return -1;
        c->subnets = q;
        c->capsubnets = cap;
    }
    if (netuid >= c->nghost) {
        uint32_t n = (uint32_t)netuid + 1;
        if (n < 2 * c->nghost) n = 2 * c->nghost;
        if (n > 65536) n = 65536;
        chain_subnet **g = realloc(c->ghost, n * sizeof *g);
        if (!g) return -1;
        memset(g + c->nghost, 0, (n - c->nghost) * sizeof *g);
        c->ghost = g;
        c->nghost = n;
    }
    return 0;
}

chain_err chain_subnet_insert(chain *c, chain_subnet *s, io_err *err)
{
    if (c->nsubnets == c->capsubnets) {
        uint32_t cap = c->capsubnets ? 2 * c->capsubnets : 16;
        chain_subnet **q = realloc(c->subnets, cap * sizeof *q);
        if (!q) return chain_fail_nomem(err);
        c->subnets = q;
        c->capsubnets = cap;
    }
    uint32_t p = chain_subnet_pos(c, s->netuid);
    memmove(c->subnets + p + 1, c->subnets + p, (c->nsubnets - p) * sizeof *c->subnets);
    c->subnets[p] = s;
    c->nsubnets++;
    c->by_netuid[s->netuid] = s;
    return CHAIN_OK;
}

/* The keys remove_network deletes go back to the preset's storage; the rest
 * are what the previous subnet on this netuid left (economics.md §6.5). */
static void inherit_ghost(const chain *c, chain_subnet *s, const chain_subnet *g)
{
    const chain_hparams *st = &c->preset->storage;
    if (c->g.removal_keeps_params) {
        s->hp = g->hp;
        s->hp.tempo = st->tempo;
        s->hp.yuma.kappa = st->yuma.kappa;
        s->hp.max_allowed_uids = st->max_allowed_uids;
        s->hp.immunity_period = st->immunity_period;
        s->hp.yuma.activity_cutoff = st->yuma.activity_cutoff;
        s->hp.max_weight_limit = st->max_weight_limit;
        s->hp.min_allowed_weights = st->min_allowed_weights;
        s->burn = g->burn;
        s->last_adjustment_block = g->last_adjustment_block;
        s->rao_recycled = g->rao_recycled;
    }
    if (c->g.removal_keeps_pending) s->pending_base = g->pending_base;
}

void chain_subnet_init(chain *c, chain_subnet *s)
{
    s->hp = c->preset->storage;
    s->burn = c->preset->burn;
    s->difficulty = c->preset->difficulty;
    const chain_subnet *g = s->netuid < c->nghost ? c->ghost[s->netuid] : NULL;
    if (g) inherit_ghost(c, s, g);
    init_new_network(&s->hp);
    s->owner = CHAIN_NONE;
    s->registered_at = c->block;
    s->pending_block = c->block;
    s->last_epoch_block = c->block;
}

chain_subnet *chain_subnet_create(chain *c, uint16_t netuid, io_err *err, chain_err *code)
{
    chain_subnet *s = chain_subnet_alloc(netuid);
    if (!s) {
        *code = chain_fail_nomem(err);
        return NULL;
    }
    chain_subnet_init(c, s);
    *code = CHAIN_OK;
    return s;
}

chain_err chain_subnet_add(chain *c, uint16_t netuid, io_err *err)
{
    if (netuid == 0)
        return chain_fail(err, CHAIN_EINVAL, "netuid 0 is the root network, which always exists "
                                             "(user subnets have netuid 1..65535)");
    if (chain_find(c, netuid)) return chain_fail(err, CHAIN_EINVAL, "subnet %u already exists", netuid);
    if (c->nsubnets >= CHAIN_MAX_SUBNETS)
        return chain_fail(err, CHAIN_ELIMIT, "too many subnets (taosim's limit is %u)", CHAIN_MAX_SUBNETS);
    chain_err e;
    chain_subnet *s = chain_subnet_create(c, netuid, err, &e);
    if (!s) return e;
    e = chain_subnet_insert(c, s, err);
    if (e != CHAIN_OK) {
        chain_subnet_destroy(s);
        return e;
    }
    chain_emit(c, CHAIN_EV_SUBNET_ADDED, netuid, CHAIN_NONE, CHAIN_NONE, CHAIN_NONE, CHAIN_NONE, 0, 0);
    return CHAIN_OK;
}

/* ---- the chain ---------------------------------------------------------------------- */

/* The root network as migrate_create_root_network leaves it (economics.md §5.1). */
static chain_subnet *root_create(const chain *c)
{
    chain_subnet *s = chain_subnet_alloc(0);
    if (!s) return NULL;
    s->hp = c->preset->storage;
    s->hp.max_allowed_uids = 64;
    s->hp.yuma.max_allowed_validators = 64;
    s->hp.min_allowed_weights = 0;
    s->hp.max_weight_limit = 65535;
    s->hp.tempo = 100;
    s->hp.registration_allowed = true;
    s->hp.target_registrations_per_interval = 1;
    s->burn = c->preset->burn;
    s->difficulty = c->preset->difficulty;
    return s;
}

chain *chain_new_preset(const char *preset, io_err *err)
{
    const chain_preset *p = chain_preset_find(preset ? preset : "");
    if (!p) {
        char list[256];
        chain_join_names(list, sizeof list, chain_preset_count(), chain_preset_name);
        io_errf(err, "unknown preset '%.64s' (valid presets: %s)", preset ? preset : "", list);
        return NULL;
    }
    chain *c = calloc(1, sizeof *c);
    if (!c) {
        io_errf(err, "out of memory");
        return NULL;
    }
    c->preset = p;
    c->g = p->g;
    c->block_emission = EMISSION_DEFAULT_BLOCK;
    c->by_netuid = calloc(65536, sizeof *c->by_netuid);
    if (!c->by_netuid) {
        free(c);
        io_errf(err, "out of memory");
        return NULL;
    }
#ifdef NDEBUG
    c->audit_level = 0;
#else
    c->audit_level = 1;
#endif
    c->dq_tempo = c->g.hotkey_emission_tempo;
    c->root = root_create(c);
    uint32_t unowned;
    if (!c->root || chain_ck_get(c, "", &unowned, err) != CHAIN_OK) {
        io_errf(err, "out of memory");
        chain_free(c);
        return NULL;
    }
    return c;
}

chain *chain_new(void)
{
    return chain_new_preset("finney-v1.2.4", NULL);
}

void chain_free(chain *c)
{
    if (!c) return;
    chain_subnet_destroy(c->root);
    for (uint32_t i = 0; i < c->nsubnets; i++) chain_subnet_destroy(c->subnets[i]);
    for (uint32_t i = 0; i < c->nghost; i++) chain_subnet_destroy(c->ghost[i]);
    free(c->subnets);
    free(c->by_netuid);
    free(c->ghost);
    for (uint32_t i = 0; i < c->nhk; i++) {
        free(c->hk[i].ents);
        free(c->hk[i].mem);
        free(c->hk[i].stale);
    }
    free(c->hk);
    free(c->hk_index);
    free(c->ck);
    free(c->ck_index);
    free(c->dq_block);
    free(c->dq_id);
    free(c->scratch);
    free(c->arena.base);
    free(c->wbuf);
    free(c->dscratch);
    free(c);
}

uint64_t chain_block(const chain *c)
{
    return c->block;
}

/* ---- global parameters ------------------------------------------------------------------ */

typedef struct global_def {
    const char *name;
    size_t off;
    uint8_t kind; /* 0 u64, 1 u16, 2 bool */
    uint64_t min;
} global_def;

#define G64(f) {#f, offsetof(chain_globals, f), 0, 0}
#define G16(f) {#f, offsetof(chain_globals, f), 1, 0}
#define GB(f) {#f, offsetof(chain_globals, f), 2, 0}
static const global_def globals[] = {
    G16(subnet_owner_cut), G16(subnet_limit), G64(network_immunity_period), G64(network_min_lock_cost),
    G64(network_last_lock_cost), G64(network_lock_reduction_interval), G64(network_rate_limit),
    G64(network_last_registered), G64(hotkey_emission_tempo), G16(default_delegate_take), G16(max_delegate_take),
    G16(min_delegate_take), G64(tx_rate_limit), G64(tx_delegate_take_rate_limit), G64(target_stakes_per_interval),
    G64(stake_interval), G64(stake_threshold), G64(nominator_min_required_stake), GB(removal_keeps_pending),
    GB(removal_keeps_params), GB(stale_network_member),
};
#undef G64
#undef G16
#undef GB
static const size_t nglobals = sizeof globals / sizeof globals[0];

size_t chain_global_count(void)
{
    return nglobals;
}

const char *chain_global_name(size_t i)
{
    return i < nglobals ? globals[i].name : NULL;
}

void chain_global_list(char *buf, size_t n)
{
    chain_join_names(buf, n, nglobals, chain_global_name);
}

static const global_def *global_find(const char *key)
{
    for (size_t i = 0; i < nglobals; i++)
        if (strcmp(globals[i].name, key) == 0) return &globals[i];
    return NULL;
}

bool chain_global_known(const char *key)
{
    return global_find(key) != NULL;
}

chain_err chain_set_global(chain *c, const char *key, uint64_t value, io_err *err)
{
    const global_def *d = global_find(key ? key : "");
    if (!d) {
        if (key && chain_hparam_known(key))
            return chain_fail(err, CHAIN_EINVAL, "hparam %s is per subnet: give a netuid", key);
        char list[1024];
        chain_global_list(list, sizeof list);
        return chain_fail(err, CHAIN_EINVAL, "unknown global parameter '%.40s' (valid keys: %s)", key ? key : "", list);
    }
    uint64_t max = d->kind == 0 ? UINT64_MAX : d->kind == 1 ? UINT16_MAX : 1;
    if (value > max)
        return chain_fail(err, CHAIN_EINVAL, "global %s = %llu is out of range 0..%llu (%s)", key,
                          (unsigned long long)value, (unsigned long long)max,
                          d->kind == 0 ? "a u64" : d->kind == 1 ? "a u16" : "a boolean 0/1");
    unsigned char *base = (unsigned char *)&c->g + d->off;
    if (d->kind == 0) memcpy(base, &value, sizeof value);
    if (d->kind == 1) {
        uint16_t v = (uint16_t)value;
        memcpy(base, &v, sizeof v);
    }
    if (d->kind == 2) {
        bool v = value != 0;
        memcpy(base, &v, sizeof v);
    }
    if (c->g.hotkey_emission_tempo != c->dq_tempo) return chain_drain_requeue(c, err);
    return CHAIN_OK;
}

chain_err chain_get_global(const chain *c, const char *key, uint64_t *value)
{
    const global_def *d = global_find(key ? key : "");
    if (!d) return CHAIN_EINVAL;
    const unsigned char *base = (const unsigned char *)&c->g + d->off;
    if (d->kind == 0) memcpy(value, base, sizeof *value);
    if (d->kind == 1) {
        uint16_t v;
        memcpy(&v, base, sizeof v);
        *value = v;
    }
    if (d->kind == 2) {
        bool v;
        memcpy(&v, base, sizeof v);
        *value = v;
    }
    return CHAIN_OK;
}

void chain_set_audit(chain *c, int level)
{
    c->audit_level = level;
}

void chain_set_stake_threshold(chain *c, uint64_t rao)
{
    c->g.stake_threshold = rao;
}

/* ---- ledger ----------------------------------------------------------------------------- */

void chain_get_totals(const chain *c, chain_totals *t)
{
    t->issuance = c->issuance;
    t->balances = c->balances;
    t->stake = c->stake;
    t->locked = c->locked;
    t->endowed = c->endowed;
    t->minted = c->minted;
    t->burned = c->burned;
    t->unbacked = c->unbacked;
    t->block_emission = c->block_emission;
}

uint64_t chain_issuance(const chain *c)
{
    return c->issuance;
}

uint64_t chain_block_emission(const chain *c)
{
    return c->block_emission;
}

uint64_t chain_pending_emission(const chain *c, uint16_t netuid)
{
    const chain_subnet *s = chain_find(c, netuid);
    return s ? chain_pending_at(s, c->block) : 0;
}

uint64_t chain_blocks_since_last_step(const chain *c, uint16_t netuid)
{
    const chain_subnet *s = chain_find(c, netuid);
    return s ? c->block - s->last_epoch_block : 0;
}

uint64_t chain_lock_cost(const chain *c)
{
    return econ_lock_cost(c->g.network_last_lock_cost, c->g.network_last_registered,
                          c->g.network_lock_reduction_interval, c->g.network_min_lock_cost, c->block);
}

__attribute__((format(printf, 2, 3))) static int audit_fail(io_err *err, const char *fmt, ...)
{
    if (err) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(err->msg, sizeof err->msg, fmt, ap);
        va_end(ap);
    }
    return -1;
}

/* Membership consistency of one subnet: Keys and the hotkeys' Uids agree. */
static int audit_subnet(const chain *c, const chain_subnet *s, io_err *err)
{
    for (uint32_t u = 0; u < s->n; u++) {
        uint32_t id = s->hotkey[u];
        if (id >= c->nhk) return audit_fail(err, "netuid %u uid %u: hotkey id %u out of range", s->netuid, u, id);
        if (chain_hk_uid(c, id, s->netuid) != (int64_t)u)
            return audit_fail(err, "netuid %u uid %u: hotkey %s does not know it holds this uid", s->netuid, u,
                              c->hk[id].name);
        for (uint32_t k = 0; k < s->weights[u].len; k++)
            if (s->netuid != 0 && s->weights[u].ent[k].col >= s->n)
                return audit_fail(err, "netuid %u uid %u: weight destination out of range", s->netuid, u);
    }
    return 0;
}

int chain_audit(const chain *c, io_err *err)
{
    fx_u128 bal = 0, stk = 0, lck = 0;
    uint64_t nmem = 0;
    for (uint32_t i = 0; i < c->nck; i++) bal += c->ck[i].balance;
    fx_u128 *per_cold = calloc(c->nck ? c->nck : 1, sizeof *per_cold);
    if (!per_cold) return audit_fail(err, "out of memory");
    int rc = 0;
    for (uint32_t i = 0; i < c->nhk && rc == 0; i++) {
        const chain_hotkey *h = &c->hk[i];
        fx_u128 hs = 0;
        for (uint32_t k = 0; k < h->nents; k++) {
            hs += h->ents[k].stake;
            if (h->ents[k].cold < c->nck) per_cold[h->ents[k].cold] += h->ents[k].stake;
            else rc = audit_fail(err, "hotkey %s: stake entry of an unknown coldkey", h->name);
        }
        if (rc == 0 && hs != h->stake)
            rc = audit_fail(err, "hotkey %s: TotalHotkeyStake %llu != sum of its stake entries", h->name,
                            (unsigned long long)h->stake);
        if (rc == 0 && h->owner >= c->nck) rc = audit_fail(err, "hotkey %s: owner out of range", h->name);
        stk += hs;
        nmem += h->nmem;
    }
    for (uint32_t i = 0; i < c->nck && rc == 0; i++)
        if (per_cold[i] != c->ck[i].stake)
            rc = audit_fail(err, "coldkey '%s': TotalColdkeyStake %llu != its stake entries", c->ck[i].name,
                            (unsigned long long)c->ck[i].stake);
    free(per_cold);
    if (rc != 0) return rc;
    uint64_t nuids = c->root->n;
    if (audit_subnet(c, c->root, err) != 0) return -1;
    for (uint32_t i = 0; i < c->nsubnets; i++) {
        lck += c->subnets[i]->locked;
        nuids += c->subnets[i]->n;
        if (audit_subnet(c, c->subnets[i], err) != 0) return -1;
        if (i && c->subnets[i - 1]->netuid >= c->subnets[i]->netuid)
            return audit_fail(err, "subnets out of netuid order");
    }
    if (nuids != nmem) return audit_fail(err, "%llu uids but %llu hotkey memberships", (unsigned long long)nuids,
                                         (unsigned long long)nmem);
    if (bal != c->balances || stk != c->stake || lck != c->locked)
        return audit_fail(err, "running totals (balances %llu, stake %llu, locked %llu) differ from the accounts",
                          (unsigned long long)c->balances, (unsigned long long)c->stake,
                          (unsigned long long)c->locked);
    if (bal + stk + lck != (fx_u128)c->issuance + c->unbacked)
        return audit_fail(err, "TotalIssuance %llu (+ unbacked %llu) != balances + stake + locked = %llu",
                          (unsigned long long)c->issuance, (unsigned long long)c->unbacked,
                          (unsigned long long)(uint64_t)(bal + stk + lck));
    if ((fx_u128)c->endowed + c->minted != (fx_u128)c->issuance + c->burned)
        return audit_fail(err, "TotalIssuance %llu != endowed %llu + minted %llu - burned %llu",
                          (unsigned long long)c->issuance, (unsigned long long)c->endowed,
                          (unsigned long long)c->minted, (unsigned long long)c->burned);
    return 0;
}
