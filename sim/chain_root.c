/* chain_root.c -- the root network (economics.md §5): root_register with
 * stake-based eviction, set_root_weights, and the root epoch that turns root
 * weights into per-subnet EmissionValues (econ_root_epoch, I64F64).
 */
#include <stdlib.h>
#include <string.h>

#include "chain_int.h"
#include "taosim/econ.h"
#include "taosim/emission.h"

#define ROOT_TAKE 11796u /* root.rs: delegate_hotkey(&hotkey, 11_796), hard-coded */

static uint16_t regs_now(const chain *c, const chain_subnet *s)
{
    return s->regs_block == c->block ? s->regs_this_block : 0;
}

chain_err chain_root_register(chain *c, const char *coldkey, const char *hotkey, uint32_t *uid_out, io_err *err)
{
    if (!chain_name_ok(coldkey) || !chain_name_ok(hotkey))
        return chain_fail(err, CHAIN_EINVAL, "coldkey and hotkey names must be 1..%u printable bytes",
                          CHAIN_HOTKEY_MAX - 1);
    chain_subnet *r = c->root;
    if (regs_now(c, r) >= r->hp.max_registrations_per_block)
        return chain_fail(err, CHAIN_E_TOO_MANY_REGS_BLOCK, "%u root registrations this block, max %u",
                          regs_now(c, r), r->hp.max_registrations_per_block);
    uint32_t lim = 3u * r->hp.target_registrations_per_interval;
    if (r->regs_this_interval >= lim)
        return chain_fail(err, CHAIN_E_TOO_MANY_REGS_INTERVAL, "%u root registrations this interval, max %u",
                          r->regs_this_interval, lim);
    int64_t known = chain_hk_find(c, hotkey);
    if (known >= 0 && chain_hk_uid(c, (uint32_t)known, 0) >= 0)
        return chain_fail(err, CHAIN_E_HOTKEY_ALREADY_REGISTERED, "hotkey %s is already a root member", hotkey);
    uint64_t new_stake = known < 0 ? 0 : c->hk[known].stake;
    bool append = r->n < r->hp.max_allowed_uids;
    uint32_t low_uid = 0;
    if (!append) {
        uint64_t low = UINT64_MAX; /* Keys::iter_prefix(root).fold((u64::MAX, 0), strictly lower) */
        for (uint32_t u = 0; u < r->n; u++)
            if (c->hk[r->hotkey[u]].stake < low) {
                low = c->hk[r->hotkey[u]].stake;
                low_uid = u;
            }
        if (!(low < new_stake))
            return chain_fail(err, CHAIN_E_STAKE_TOO_LOW_FOR_ROOT,
                              "stake %llu does not exceed the lowest root member's %llu",
                              (unsigned long long)new_stake, (unsigned long long)low);
    }
    uint32_t cold, id;
    chain_err e = chain_ck_get(c, coldkey, &cold, err);
    if (e == CHAIN_OK) e = chain_hk_get(c, hotkey, cold, &id, err);
    if (e != CHAIN_OK) return e;
    if (chain_hk_reserve_member(&c->hk[id]) != 0 || (append && chain_subnet_reserve(r, r->n + 1) != 0))
        return chain_fail_nomem(err);
    uint32_t uid, replaced = CHAIN_NONE;
    if (append) {
        uid = chain_neuron_append(c, r, id);
    } else {
        uid = low_uid;
        replaced = r->hotkey[uid];
        chain_neuron_replace(c, r, uid, id);
    }
    chain_hotkey *h = &c->hk[id];
    if (!h->is_delegate) {
        h->is_delegate = true;
        h->take = ROOT_TAKE;
    }
    r->regs_this_interval = r->regs_this_interval == UINT16_MAX ? UINT16_MAX : (uint16_t)(r->regs_this_interval + 1);
    r->regs_this_block = (uint16_t)(regs_now(c, r) + (regs_now(c, r) < UINT16_MAX));
    r->regs_block = c->block;
    chain_emit(c, CHAIN_EV_NEURON_ADDED, 0, uid, id, replaced, cold, 0, 0);
    if (uid_out) *uid_out = uid;
    return CHAIN_OK;
}

static bool netuid_exists(const chain *c, uint16_t netuid)
{
    return chain_find(c, netuid) != NULL;
}

chain_err chain_set_root_weights(chain *c, const char *coldkey, uint16_t netuid, const char *hotkey,
                                 const uint16_t *netuids, size_t nnetuids, const uint16_t *vals, size_t nvals,
                                 uint64_t version_key, io_err *err)
{
    if (!chain_name_ok(coldkey) || !chain_name_ok(hotkey))
        return chain_fail(err, CHAIN_EINVAL, "coldkey and hotkey names must be 1..%u printable bytes",
                          CHAIN_HOTKEY_MAX - 1);
    int64_t id = chain_hk_find(c, hotkey);
    if (id < 0) return chain_fail(err, CHAIN_E_HOTKEY_NOT_EXIST, "hotkey %s does not exist", hotkey);
    int64_t cold = chain_ck_find(c, coldkey);
    if (cold < 0 || c->hk[id].owner != (uint32_t)cold)
        return chain_fail(err, CHAIN_E_NON_ASSOCIATED_COLDKEY, "hotkey %s is owned by coldkey '%s'", hotkey,
                          c->ck[c->hk[id].owner].name);
    if (!netuid_exists(c, netuid)) return chain_fail(err, CHAIN_E_SUBNET_NOT_EXIST, "netuid %u does not exist", netuid);
    if (netuid != 0) return chain_fail(err, CHAIN_E_NOT_ROOT_SUBNET, "root weights go to netuid 0, not %u", netuid);
    if (nnetuids != nvals)
        return chain_fail(err, CHAIN_E_WEIGHT_VEC_NOT_EQUAL_SIZE, "%zu netuids but %zu values", nnetuids, nvals);
    for (size_t k = 0; k < nnetuids; k++)
        if (!netuid_exists(c, netuids[k]))
            return chain_fail(err, CHAIN_E_INVALID_UID, "netuid %u does not exist", netuids[k]);
    chain_subnet *r = c->root;
    int64_t uid = chain_hk_uid(c, (uint32_t)id, 0);
    if (uid < 0) return chain_fail(err, CHAIN_E_HOTKEY_NOT_REGISTERED, "hotkey %s is not a root member", hotkey);
    uint64_t stake = c->hk[id].stake;
    if (stake < c->g.stake_threshold)
        return chain_fail(err, CHAIN_E_NOT_ENOUGH_STAKE_WEIGHTS, "stake %llu is below StakeThreshold %llu",
                          (unsigned long long)stake, (unsigned long long)c->g.stake_threshold);
    uint64_t wvk = r->hp.weights_version;
    if (wvk != 0 && version_key < wvk)
        return chain_fail(err, CHAIN_E_INCORRECT_VERSION_KEY, "version key %llu is below WeightsVersionKey %llu",
                          (unsigned long long)version_key, (unsigned long long)wvk);
    uint64_t lu = r->last_update[uid], lim = r->hp.weights_set_rate_limit;
    if (lu != 0 && chain_sat_sub(c->block, lu) < lim)
        return chain_fail(err, CHAIN_E_SETTING_WEIGHTS_TOO_FAST, "last update at block %llu, now %llu, rate limit %llu",
                          (unsigned long long)lu, (unsigned long long)c->block, (unsigned long long)lim);
    uint16_t dup;
    if (chain_has_duplicates(netuids, nnetuids, &dup))
        return chain_fail(err, CHAIN_E_DUPLICATE_UIDS, "netuid %u appears twice", dup);
    return chain_weights_store(c, r, (uint32_t)uid, netuids, vals, nvals, err);
}

/* ---- the root epoch ---------------------------------------------------------------- */

/* Column of netuid in the root epoch's matrix: 0 for root, 1 + position
 * among the user subnets; -1 if the netuid does not exist. */
static int64_t column_of(const chain *c, uint16_t netuid)
{
    if (netuid == 0) return 0;
    uint32_t lo = 0, hi = c->nsubnets;
    while (lo < hi) {
        uint32_t mid = lo + (hi - lo) / 2;
        if (c->subnets[mid]->netuid < netuid)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo < c->nsubnets && c->subnets[lo]->netuid == netuid ? (int64_t)lo + 1 : -1;
}

chain_err chain_root_epoch(chain *c, io_err *err)
{
    chain_subnet *r = c->root;
    uint32_t n = r->n, k = c->nsubnets + 1;
    uint64_t ev_sum = 0;
    int rc = -1;
    if (n > 0) {
        c->block_emission = emission_for_issuance(c->issuance);
        uint64_t *stake = malloc((size_t)n * sizeof *stake), *ev = malloc((size_t)k * sizeof *ev);
        uint16_t *w = calloc((size_t)n * k, sizeof *w);
        if (!stake || !ev || !w) {
            free(stake);
            free(ev);
            free(w);
            return chain_fail_nomem(err);
        }
        for (uint32_t i = 0; i < n; i++) {
            stake[i] = c->hk[r->hotkey[i]].stake;
            const chain_row *row = &r->weights[i];
            for (uint32_t e = 0; e < row->len; e++) {
                int64_t j = column_of(c, row->ent[e].col);
                if (j >= 0) w[(size_t)i * k + (size_t)j] = row->ent[e].val;
            }
        }
        rc = econ_root_epoch(n, k, stake, w, r->hp.yuma.kappa, r->hp.rho, c->block_emission, ev);
        if (rc == 0) {
            r->emission_value = ev[0];
            ev_sum = ev[0];
            for (uint32_t j = 1; j < k; j++) {
                c->subnets[j - 1]->emission_value = ev[j];
                ev_sum += ev[j];
            }
        }
        free(stake);
        free(ev);
        free(w);
    }
    chain_emit(c, CHAIN_EV_ROOT_EPOCH, 0, rc == 0 ? 0 : 1, CHAIN_NONE, CHAIN_NONE, CHAIN_NONE, c->block_emission,
               ev_sum);
    return CHAIN_OK;
}
