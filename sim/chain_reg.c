/* chain_reg.c -- neuron and subnet registration (economics.md §6, §7):
 * append/replace, burned and POW registration with their limits, the
 * state-loading chain_register, register_network with the lock auction,
 * the subnet limit, pruning and remove_network.
 */
#include <stdlib.h>
#include <string.h>

#include "chain_int.h"
#include "taosim/econ.h"

/* ---- neurons -------------------------------------------------------------------- */

uint32_t chain_neuron_append(chain *c, chain_subnet *s, uint32_t id)
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
    chain_hk_add_member(&c->hk[id], s->netuid, (uint16_t)uid);
    return uid;
}

void chain_neuron_replace(chain *c, chain_subnet *s, uint32_t uid, uint32_t id)
{
    uint32_t old = s->hotkey[uid];
    chain_hk_remove_member(&c->hk[old], s->netuid);
    if (!chain_hk_registered_anywhere(c, &c->hk[old])) chain_unstake_all(c, old);
    s->hotkey[uid] = id;
    chain_hk_add_member(&c->hk[id], s->netuid, (uint16_t)uid);
    s->block_at_registration[uid] = c->block;
    s->active[uid] = true;
    if (s->hp.yuma.version == YUMA_V3) s->bonds[uid].len = 0; /* v3.2.7 clear_neuron */
}

/* RegistrationsThisBlock (reset at every block's start). */
static uint16_t regs_this_block(const chain *c, const chain_subnet *s)
{
    return s->regs_block == c->block ? s->regs_this_block : 0;
}

static uint16_t sat_inc16(uint16_t v)
{
    return v == UINT16_MAX ? v : (uint16_t)(v + 1);
}

static void count_registration(chain *c, chain_subnet *s)
{
    s->regs_this_block = sat_inc16(regs_this_block(c, s));
    s->regs_block = c->block;
    s->regs_this_interval = sat_inc16(s->regs_this_interval);
}

/* Append when there is room, else replace the uid get_neuron_to_prune
 * chooses (its PruningScore becomes 65535). Room is reserved by the caller. */
static uint32_t place_neuron(chain *c, chain_subnet *s, uint32_t id, uint32_t *replaced)
{
    *replaced = CHAIN_NONE;
    if (s->n < s->hp.max_allowed_uids) return chain_neuron_append(c, s, id);
    uint32_t uid = econ_neuron_to_prune(s->n, s->pruning_score, s->block_at_registration, c->block,
                                        s->hp.immunity_period);
    s->pruning_score[uid] = 65535;
    *replaced = s->hotkey[uid];
    chain_neuron_replace(c, s, uid, id);
    return uid;
}

/* Allocate everything a registration of `hotkey` (owned by cold) may need. */
static chain_err reg_reserve(chain *c, chain_subnet *s, const char *hotkey, uint32_t cold, uint32_t *id,
                             io_err *err)
{
    if (s->n < s->hp.max_allowed_uids && chain_subnet_reserve(s, s->n + 1) != 0) return chain_fail_nomem(err);
    chain_err e = chain_hk_get(c, hotkey, cold, id, err);
    if (e != CHAIN_OK) return e;
    if (chain_hk_reserve_member(&c->hk[*id]) != 0) return chain_fail_nomem(err);
    return CHAIN_OK;
}

/* The checks burned_register and register share, in the chain's order
 * (registration.rs do_burned_registration / do_registration). */
static chain_err reg_checks(const chain *c, uint16_t netuid, const char *hotkey, bool pow, chain_subnet **sp,
                            io_err *err)
{
    if (netuid == 0) return chain_fail(err, CHAIN_E_REGISTRATION_ON_ROOT, "netuid 0 is the root network");
    chain_subnet *s = chain_find(c, netuid);
    if (!s) return chain_fail(err, CHAIN_E_SUBNET_NOT_EXIST, "netuid %u does not exist", netuid);
    if (pow ? !s->hp.pow_registration_allowed : !s->hp.registration_allowed)
        return chain_fail(err, CHAIN_E_REGISTRATION_DISABLED, "%s registration is disabled on netuid %u",
                          pow ? "POW" : "burned", netuid);
    if (regs_this_block(c, s) >= s->hp.max_registrations_per_block)
        return chain_fail(err, CHAIN_E_TOO_MANY_REGS_BLOCK, "%u registrations this block, max %u",
                          regs_this_block(c, s), s->hp.max_registrations_per_block);
    uint32_t lim = 3u * s->hp.target_registrations_per_interval;
    if (lim > UINT16_MAX) lim = UINT16_MAX; /* saturating_mul(3) in u16 */
    if (s->regs_this_interval >= lim)
        return chain_fail(err, CHAIN_E_TOO_MANY_REGS_INTERVAL, "%u registrations this interval, max %u",
                          s->regs_this_interval, lim);
    int64_t id = chain_hk_find(c, hotkey);
    int64_t held = id < 0 ? -1 : chain_hk_uid(c, (uint32_t)id, netuid);
    if (held >= 0)
        return chain_fail(err, CHAIN_E_HOTKEY_ALREADY_REGISTERED, "hotkey %s already holds uid %lld on netuid %u",
                          hotkey, (long long)held, netuid);
    *sp = s;
    return CHAIN_OK;
}

/* create_account_if_non_existent + coldkey_owns_hotkey, then NoNeuronIdAvailable. */
static chain_err reg_owner_checks(const chain *c, const chain_subnet *s, const char *hotkey, int64_t cold,
                                  io_err *err)
{
    int64_t id = chain_hk_find(c, hotkey);
    if (id >= 0 && (cold < 0 || c->hk[id].owner != (uint32_t)cold))
        return chain_fail(err, CHAIN_E_NON_ASSOCIATED_COLDKEY, "hotkey %s is owned by coldkey '%s'", hotkey,
                          c->ck[c->hk[id].owner].name);
    if (s->hp.max_allowed_uids == 0)
        return chain_fail(err, CHAIN_E_NO_NEURON_ID, "max_allowed_uids of netuid %u is 0", s->netuid);
    return CHAIN_OK;
}

static chain_err names_ok(const char *coldkey, const char *hotkey, io_err *err)
{
    if (!chain_name_ok(coldkey))
        return chain_fail(err, CHAIN_EINVAL, "coldkey name must be 1..%u printable bytes", CHAIN_HOTKEY_MAX - 1);
    if (hotkey && !chain_name_ok(hotkey))
        return chain_fail(err, CHAIN_EINVAL, "hotkey name must be 1..%u printable bytes", CHAIN_HOTKEY_MAX - 1);
    return CHAIN_OK;
}

static chain_err neuron_register(chain *c, const char *coldkey, uint16_t netuid, const char *hotkey, bool pow,
                                 uint32_t *uid_out, io_err *err)
{
    chain_err e = names_ok(coldkey, hotkey, err);
    if (e != CHAIN_OK) return e;
    chain_subnet *s = NULL;
    e = reg_checks(c, netuid, hotkey, pow, &s, err);
    if (e != CHAIN_OK) return e;
    int64_t known = chain_ck_find(c, coldkey);
    uint64_t burn = pow ? 0 : s->burn;
    uint64_t have = known < 0 ? 0 : c->ck[known].balance;
    if (!pow && have < burn)
        return chain_fail(err, CHAIN_E_NOT_ENOUGH_BALANCE, "balance %llu, burn %llu", (unsigned long long)have,
                          (unsigned long long)burn);
    e = reg_owner_checks(c, s, hotkey, known, err);
    if (e != CHAIN_OK) return e;
    uint32_t cold, id;
    e = chain_ck_get(c, coldkey, &cold, err);
    if (e == CHAIN_OK) e = reg_reserve(c, s, hotkey, cold, &id, err);
    if (e != CHAIN_OK) return e;
    if (burn) chain_burn_balance(c, cold, burn);
    uint32_t replaced;
    uint32_t uid = place_neuron(c, s, id, &replaced);
    if (pow)
        s->pow_regs_this_interval = sat_inc16(s->pow_regs_this_interval);
    else
        s->burn_regs_this_interval = sat_inc16(s->burn_regs_this_interval);
    count_registration(c, s);
    s->rao_recycled = chain_sat_add(s->rao_recycled, burn);
    chain_emit(c, CHAIN_EV_NEURON_ADDED, netuid, uid, id, replaced, cold, burn, 0);
    if (uid_out) *uid_out = uid;
    return CHAIN_OK;
}

chain_err chain_burned_register(chain *c, const char *coldkey, uint16_t netuid, const char *hotkey,
                                uint32_t *uid_out, io_err *err)
{
    return neuron_register(c, coldkey, netuid, hotkey, false, uid_out, err);
}

chain_err chain_pow_register(chain *c, const char *coldkey, uint16_t netuid, const char *hotkey, uint32_t *uid_out,
                             io_err *err)
{
    return neuron_register(c, coldkey, netuid, hotkey, true, uid_out, err);
}

/* ---- state loading ------------------------------------------------------------------ */

/* Validate an explicit uid (state loading). */
static chain_err register_check_uid(const chain_subnet *s, uint32_t uid, io_err *err)
{
    if (uid == CHAIN_UID_AUTO || uid < s->n) return CHAIN_OK;
    if (uid > s->n)
        return chain_fail(err, CHAIN_EINVAL,
                          "uid %u is beyond the subnet size %u of netuid %u (the next new uid is %u)", uid, s->n,
                          s->netuid, s->n);
    if (s->n >= s->hp.max_allowed_uids)
        return chain_fail(err, CHAIN_EINVAL, "uid %u would grow netuid %u past max_allowed_uids %u", uid, s->netuid,
                          s->hp.max_allowed_uids);
    return CHAIN_OK;
}

/* State-loading registration; a new hotkey is owned by `owner`. */
static chain_err register_loaded(chain *c, uint16_t netuid, const char *hotkey, uint32_t owner, uint32_t uid,
                                 uint32_t *uid_out, io_err *err)
{
    if (!chain_name_ok(hotkey))
        return chain_fail(err, CHAIN_EINVAL, "hotkey name must be 1..%u printable bytes", CHAIN_HOTKEY_MAX - 1);
    if (netuid == 0) return chain_fail(err, CHAIN_E_REGISTRATION_ON_ROOT, "netuid 0 is the root network");
    chain_subnet *s = chain_find(c, netuid);
    if (!s) return chain_fail(err, CHAIN_E_SUBNET_NOT_EXIST, "netuid %u does not exist", netuid);
    chain_err e = register_check_uid(s, uid, err);
    if (e != CHAIN_OK) return e;
    int64_t known = chain_hk_find(c, hotkey);
    int64_t held = known < 0 ? -1 : chain_hk_uid(c, (uint32_t)known, netuid);
    if (held >= 0)
        return chain_fail(err, CHAIN_E_HOTKEY_ALREADY_REGISTERED, "hotkey %s already holds uid %lld on netuid %u",
                          hotkey, (long long)held, netuid);
    bool auto_prune = uid == CHAIN_UID_AUTO && s->n >= s->hp.max_allowed_uids;
    if (uid == CHAIN_UID_AUTO)
        uid = auto_prune ? econ_neuron_to_prune(s->n, s->pruning_score, s->block_at_registration, c->block,
                                                s->hp.immunity_period)
                         : s->n;
    if (uid == s->n && chain_subnet_reserve(s, s->n + 1) != 0) return chain_fail_nomem(err);
    if (known >= 0 && owner != CHAIN_COLDKEY_UNOWNED && c->hk[known].owner != owner)
        return chain_fail(err, CHAIN_E_NON_ASSOCIATED_COLDKEY, "hotkey %s is owned by %s", hotkey,
                          chain_coldkey_name(c, c->hk[known].owner));
    uint32_t id = 0;
    e = chain_hk_get(c, hotkey, owner, &id, err);
    if (e != CHAIN_OK) return e;
    if (chain_hk_reserve_member(&c->hk[id]) != 0) return chain_fail_nomem(err);
    uint32_t replaced = CHAIN_NONE;
    if (uid == s->n) {
        chain_neuron_append(c, s, id);
    } else {
        if (auto_prune) s->pruning_score[uid] = 65535; /* get_neuron_to_prune marks its choice */
        replaced = s->hotkey[uid];
        chain_neuron_replace(c, s, uid, id);
    }
    chain_emit(c, CHAIN_EV_NEURON_ADDED, netuid, uid, id, replaced, c->hk[id].owner, 0, 0);
    if (uid_out) *uid_out = uid;
    return CHAIN_OK;
}

chain_err chain_register(chain *c, uint16_t netuid, const char *hotkey, uint32_t uid, uint32_t *uid_out,
                         io_err *err)
{
    return register_loaded(c, netuid, hotkey, CHAIN_COLDKEY_UNOWNED, uid, uid_out, err);
}

chain_err chain_register_owned(chain *c, uint16_t netuid, const char *coldkey, const char *hotkey, uint32_t *uid_out,
                               io_err *err)
{
    if (!chain_name_ok(coldkey))
        return chain_fail(err, CHAIN_EINVAL, "coldkey name must be 1..%u printable bytes", CHAIN_HOTKEY_MAX - 1);
    int64_t cold = chain_ck_find(c, coldkey);
    if (cold < 0) return chain_fail(err, CHAIN_EINVAL, "coldkey %s is unknown", coldkey);
    return register_loaded(c, netuid, hotkey, (uint32_t)cold, CHAIN_UID_AUTO, uid_out, err);
}

/* ---- subnets ---------------------------------------------------------------------------- */

/* Room in the stale-membership lists of every hotkey of s (remove_network
 * leaves IsNetworkMember behind). */
static int reserve_stale(chain *c, const chain_subnet *s)
{
    for (uint32_t u = 0; u < s->n; u++) {
        chain_hotkey *h = &c->hk[s->hotkey[u]];
        if (chain_grow((void **)&h->stale, &h->capstale, h->nstale + 1, sizeof *h->stale) != 0) return -1;
    }
    return 0;
}

void chain_network_remove(chain *c, uint16_t netuid)
{
    chain_subnet *s = chain_find(c, netuid);
    uint32_t owner = s->owner;
    uint64_t refund = s->locked;
    if (owner != CHAIN_NONE) chain_unlock_to(c, s, owner);
    chain_pending_sync(c, s, c->block);
    for (uint32_t u = 0; u < s->n; u++) {
        chain_hotkey *h = &c->hk[s->hotkey[u]];
        chain_hk_remove_member(h, netuid);
        if (h->nstale < h->capstale) h->stale[h->nstale++] = netuid;
    }
    chain_subnet *root = c->root;
    for (uint32_t u = 0; u < root->n; u++)
        for (uint32_t k = 0; k < root->weights[u].len; k++)
            if (root->weights[u].ent[k].col == netuid) root->weights[u].ent[k].val = 0;
    uint32_t p = 0;
    while (c->subnets[p] != s) p++;
    memmove(c->subnets + p, c->subnets + p + 1, (c->nsubnets - p - 1) * sizeof *c->subnets);
    c->nsubnets--;
    c->by_netuid[netuid] = NULL;
    chain_subnet_clear_uids(s);
    s->emission_value = 0;
    chain_subnet_destroy(c->ghost[netuid]);
    c->ghost[netuid] = s;
    chain_emit(c, CHAIN_EV_SUBNET_REMOVED, netuid, CHAIN_NONE, CHAIN_NONE, CHAIN_NONE, owner, refund, 0);
}

/* The smallest positive netuid not in use, or 0 if all are. */
static uint16_t free_netuid(const chain *c)
{
    uint32_t want = 1;
    for (uint32_t i = 0; i < c->nsubnets && c->subnets[i]->netuid == want; i++) want++;
    return want <= UINT16_MAX ? (uint16_t)want : 0;
}

static int prune_candidate(const chain *c)
{
    uint32_t n = c->nsubnets;
    uint16_t *netuid = malloc((n ? n : 1) * sizeof *netuid);
    uint64_t *ev = malloc((n ? n : 1) * sizeof *ev), *reg = malloc((n ? n : 1) * sizeof *reg);
    int r = -2;
    if (netuid && ev && reg) {
        for (uint32_t i = 0; i < n; i++) {
            netuid[i] = c->subnets[i]->netuid;
            ev[i] = c->subnets[i]->emission_value;
            reg[i] = c->subnets[i]->registered_at;
        }
        r = econ_subnet_to_prune(n, netuid, ev, reg, c->block, c->g.network_immunity_period);
    }
    free(netuid);
    free(ev);
    free(reg);
    return r;
}

chain_err chain_register_network(chain *c, const char *coldkey, uint16_t *netuid_out, io_err *err)
{
    chain_err e = names_ok(coldkey, NULL, err);
    if (e != CHAIN_OK) return e;
    uint64_t last = c->g.network_last_registered, b = c->block;
    if (last != 0 && b - last < c->g.network_rate_limit)
        return chain_fail(err, CHAIN_E_NETWORK_RATE_LIMIT, "last subnet registered at block %llu, rate limit %llu",
                          (unsigned long long)last, (unsigned long long)c->g.network_rate_limit);
    uint64_t cost = chain_lock_cost(c);
    int64_t known = chain_ck_find(c, coldkey);
    uint64_t have = known < 0 ? 0 : c->ck[known].balance;
    if (have < cost)
        return chain_fail(err, CHAIN_E_NOT_ENOUGH_BALANCE, "balance %llu, lock cost %llu", (unsigned long long)have,
                          (unsigned long long)cost);
    uint16_t netuid;
    bool prune = c->nsubnets >= c->g.subnet_limit;
    if (!prune) {
        netuid = free_netuid(c);
        if (netuid == 0) return chain_fail(err, CHAIN_ELIMIT, "every netuid 1..65535 is in use");
    } else {
        int p = prune_candidate(c);
        if (p == -2) return chain_fail_nomem(err);
        if (p < 0)
            return chain_fail(err, CHAIN_E_ALL_NETWORKS_IMMUNE, "%u subnets (the limit) and all are immune",
                              c->nsubnets);
        netuid = (uint16_t)p;
    }
    if (!prune && c->nsubnets >= CHAIN_MAX_SUBNETS)
        return chain_fail(err, CHAIN_ELIMIT, "too many subnets (taosim's limit is %u)", CHAIN_MAX_SUBNETS);
    uint32_t cold;
    e = chain_ck_get(c, coldkey, &cold, err);
    if (e != CHAIN_OK) return e;
    chain_subnet *fresh = chain_subnet_alloc(netuid);
    if (!fresh || chain_subnet_room(c, netuid) != 0 || (prune && reserve_stale(c, chain_find(c, netuid)) != 0)) {
        chain_subnet_destroy(fresh);
        return chain_fail_nomem(err);
    }
    if (prune) chain_network_remove(c, netuid);
    chain_subnet_init(c, fresh);
    chain_lock_balance(c, cold, fresh, cost);
    c->g.network_last_lock_cost = cost;
    c->g.network_last_registered = b;
    fresh->owner = cold;
    (void)chain_subnet_insert(c, fresh, NULL); /* room reserved */
    chain_emit(c, CHAIN_EV_SUBNET_ADDED, netuid, CHAIN_NONE, CHAIN_NONE, CHAIN_NONE, cold, cost, 0);
    if (netuid_out) *netuid_out = netuid;
    return CHAIN_OK;
}
