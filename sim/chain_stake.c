/* chain_stake.c -- staking and delegation (economics.md §8) and the hotkey
 * emission drain (§4.9): add/remove stake with the staking rate limit and the
 * nominator minimum, become_delegate / decrease_take / increase_take with
 * their bounds and rate limits, and drain_hotkey_emission's split between
 * owner take and viable nominator stake (econ_drain_split, I64F64).
 */
#include <stdlib.h>
#include <string.h>

#include "chain_int.h"
#include "taosim/econ.h"

/* Delegates[h] as a ValueQuery: the default take for a non-delegate. */
static uint16_t take_of(const chain *c, const chain_hotkey *h)
{
    return h->is_delegate ? h->take : c->g.default_delegate_take;
}

static fx_i128 delta_add(fx_i128 d, fx_i128 x)
{
    fx_i128 r;
    if (__builtin_add_overflow(d, x, &r)) r = x < 0 ? FX_I128_MIN : FX_I128_MAX;
    return r;
}

/* The staking counter of (cold, h) tried at the current block, on copies. */
static bool counter_allows(const chain *c, const chain_stake_ent *e, uint64_t *count, uint64_t *first)
{
    *count = e ? e->count : 0;
    *first = e ? e->first : 0;
    return econ_stake_counter(count, first, c->block, c->g.stake_interval, c->g.target_stakes_per_interval);
}

static chain_err stake_names(const char *coldkey, const char *hotkey, io_err *err)
{
    if (!chain_name_ok(coldkey) || !chain_name_ok(hotkey))
        return chain_fail(err, CHAIN_EINVAL, "coldkey and hotkey names must be 1..%u printable bytes",
                          CHAIN_HOTKEY_MAX - 1);
    return CHAIN_OK;
}

chain_err chain_add_stake(chain *c, const char *coldkey, const char *hotkey, uint64_t amount, io_err *err)
{
    chain_err e = stake_names(coldkey, hotkey, err);
    if (e != CHAIN_OK) return e;
    int64_t cold = chain_ck_find(c, coldkey);
    uint64_t have = cold < 0 ? 0 : c->ck[cold].balance;
    if (have < amount)
        return chain_fail(err, CHAIN_E_NOT_ENOUGH_BALANCE, "balance %llu, stake %llu", (unsigned long long)have,
                          (unsigned long long)amount);
    int64_t id = chain_hk_find(c, hotkey);
    if (id < 0) return chain_fail(err, CHAIN_E_HOTKEY_NOT_EXIST, "hotkey %s does not exist", hotkey);
    chain_hotkey *h = &c->hk[id];
    bool owner = cold >= 0 && h->owner == (uint32_t)cold;
    if (!h->is_delegate && !owner)
        return chain_fail(err, CHAIN_E_NOT_DELEGATE_NOT_OWNER, "hotkey %s is not a delegate and not the caller's",
                          hotkey);
    chain_stake_ent *ent = cold < 0 ? NULL : chain_ent_find(h, (uint32_t)cold);
    if (!owner && chain_sat_add(ent ? ent->stake : 0, amount) < c->g.nominator_min_required_stake)
        return chain_fail(err, CHAIN_E_NOM_STAKE_BELOW_MIN, "nomination below NominatorMinRequiredStake %llu",
                          (unsigned long long)c->g.nominator_min_required_stake);
    uint64_t count, first;
    if (!counter_allows(c, ent, &count, &first))
        return chain_fail(err, CHAIN_E_STAKING_RATE_LIMIT, "%llu stake operations since block %llu (limit %llu per %llu)",
                          (unsigned long long)count, (unsigned long long)first,
                          (unsigned long long)c->g.target_stakes_per_interval,
                          (unsigned long long)c->g.stake_interval);
    uint32_t cid;
    e = chain_ck_get(c, coldkey, &cid, err);
    if (e != CHAIN_OK) return e;
    ent = chain_ent_get(h, cid);
    if (!ent) return chain_fail_nomem(err);
    chain_move_balance_to_stake(c, cid, h, ent, amount);
    ent->delta = delta_add(ent->delta, (fx_i128)amount);
    ent->count = count;
    ent->first = first;
    c->ck[cid].last_tx_block = c->block;
    return CHAIN_OK;
}

chain_err chain_remove_stake(chain *c, const char *coldkey, const char *hotkey, uint64_t amount, io_err *err)
{
    chain_err e = stake_names(coldkey, hotkey, err);
    if (e != CHAIN_OK) return e;
    int64_t id = chain_hk_find(c, hotkey);
    if (id < 0) return chain_fail(err, CHAIN_E_HOTKEY_NOT_EXIST, "hotkey %s does not exist", hotkey);
    chain_hotkey *h = &c->hk[id];
    int64_t cold = chain_ck_find(c, coldkey);
    bool owner = cold >= 0 && h->owner == (uint32_t)cold;
    if (!h->is_delegate && !owner)
        return chain_fail(err, CHAIN_E_NOT_DELEGATE_NOT_OWNER, "hotkey %s is not a delegate and not the caller's",
                          hotkey);
    if (amount == 0) return chain_fail(err, CHAIN_E_STAKE_TO_WITHDRAW_ZERO, "amount is 0");
    chain_stake_ent *ent = cold < 0 ? NULL : chain_ent_find(h, (uint32_t)cold);
    uint64_t have = ent ? ent->stake : 0;
    if (have < amount)
        return chain_fail(err, CHAIN_E_NOT_ENOUGH_STAKE_TO_WITHDRAW, "stake %llu, remove %llu",
                          (unsigned long long)have, (unsigned long long)amount);
    uint64_t count, first;
    if (!counter_allows(c, ent, &count, &first))
        return chain_fail(err, CHAIN_E_STAKING_RATE_LIMIT, "%llu stake operations since block %llu (limit %llu per %llu)",
                          (unsigned long long)count, (unsigned long long)first,
                          (unsigned long long)c->g.target_stakes_per_interval,
                          (unsigned long long)c->g.stake_interval);
    uint32_t cid = (uint32_t)cold;
    chain_move_stake_to_balance(c, cid, h, ent, amount);
    ent->delta = delta_add(ent->delta, -(fx_i128)amount);
    ent->count = count;
    ent->first = first;
    /* clear_small_nomination_if_required */
    if (!owner && ent->stake < c->g.nominator_min_required_stake) chain_move_stake_to_balance(c, cid, h, ent, ent->stake);
    c->ck[cid].last_tx_block = c->block;
    return CHAIN_OK;
}

/* do_take_checks: the hotkey exists and the caller owns it. */
static chain_err take_checks(const chain *c, const char *coldkey, const char *hotkey, chain_hotkey **hp,
                             uint32_t *cold, io_err *err)
{
    chain_err e = stake_names(coldkey, hotkey, err);
    if (e != CHAIN_OK) return e;
    int64_t id = chain_hk_find(c, hotkey);
    if (id < 0) return chain_fail(err, CHAIN_E_HOTKEY_NOT_EXIST, "hotkey %s does not exist", hotkey);
    int64_t ck = chain_ck_find(c, coldkey);
    if (ck < 0 || c->hk[id].owner != (uint32_t)ck)
        return chain_fail(err, CHAIN_E_NON_ASSOCIATED_COLDKEY, "hotkey %s is owned by coldkey '%s'", hotkey,
                          c->ck[c->hk[id].owner].name);
    *hp = &c->hk[id];
    *cold = (uint32_t)ck;
    return CHAIN_OK;
}

/* exceeds_tx_rate_limit: within `limit` blocks of a previous transaction. */
static bool exceeds_rate_limit(uint64_t prev, uint64_t now, uint64_t limit)
{
    if (limit == 0 || prev == 0) return false;
    return chain_sat_sub(now, prev) <= limit;
}

chain_err chain_become_delegate(chain *c, const char *coldkey, const char *hotkey, uint32_t take, io_err *err)
{
    if (take != CHAIN_TAKE_DEFAULT && take > UINT16_MAX)
        return chain_fail(err, CHAIN_EINVAL, "take %u is not a u16", take);
    chain_hotkey *h;
    uint32_t cold;
    chain_err e = take_checks(c, coldkey, hotkey, &h, &cold, err);
    if (e != CHAIN_OK) return e;
    uint16_t t = take == CHAIN_TAKE_DEFAULT ? c->g.default_delegate_take : (uint16_t)take;
    if (h->is_delegate) return chain_fail(err, CHAIN_E_HOTKEY_ALREADY_DELEGATE, "hotkey %s is a delegate", hotkey);
    if (exceeds_rate_limit(c->ck[cold].last_tx_block, c->block, c->g.tx_rate_limit))
        return chain_fail(err, CHAIN_E_DELEGATE_TX_RATE_LIMIT, "last transaction at block %llu, TxRateLimit %llu",
                          (unsigned long long)c->ck[cold].last_tx_block, (unsigned long long)c->g.tx_rate_limit);
    if (t < c->g.min_delegate_take)
        return chain_fail(err, CHAIN_E_DELEGATE_TAKE_TOO_LOW, "take %u is below %u", t, c->g.min_delegate_take);
    if (t > c->g.max_delegate_take)
        return chain_fail(err, CHAIN_E_DELEGATE_TAKE_TOO_HIGH, "take %u is above %u", t, c->g.max_delegate_take);
    h->is_delegate = true;
    h->take = t;
    c->ck[cold].last_tx_block = c->block;
    c->ck[cold].last_tx_take = c->block;
    return CHAIN_OK;
}

chain_err chain_decrease_take(chain *c, const char *coldkey, const char *hotkey, uint16_t take, io_err *err)
{
    chain_hotkey *h;
    uint32_t cold;
    chain_err e = take_checks(c, coldkey, hotkey, &h, &cold, err);
    if (e != CHAIN_OK) return e;
    if (h->is_delegate && !(take < h->take))
        return chain_fail(err, CHAIN_E_DELEGATE_TAKE_TOO_LOW, "take %u is not below the current %u", take, h->take);
    if (take < c->g.min_delegate_take)
        return chain_fail(err, CHAIN_E_DELEGATE_TAKE_TOO_LOW, "take %u is below %u", take, c->g.min_delegate_take);
    h->is_delegate = true; /* Delegates::insert: a non-delegate becomes one */
    h->take = take;
    return CHAIN_OK;
}

chain_err chain_increase_take(chain *c, const char *coldkey, const char *hotkey, uint16_t take, io_err *err)
{
    chain_hotkey *h;
    uint32_t cold;
    chain_err e = take_checks(c, coldkey, hotkey, &h, &cold, err);
    if (e != CHAIN_OK) return e;
    if (h->is_delegate && !(take > h->take))
        return chain_fail(err, CHAIN_E_DELEGATE_TAKE_TOO_LOW, "take %u is not above the current %u", take, h->take);
    if (take > c->g.max_delegate_take)
        return chain_fail(err, CHAIN_E_DELEGATE_TAKE_TOO_HIGH, "take %u is above %u", take, c->g.max_delegate_take);
    if (exceeds_rate_limit(c->ck[cold].last_tx_take, c->block, c->g.tx_delegate_take_rate_limit))
        return chain_fail(err, CHAIN_E_DELEGATE_TX_RATE_LIMIT, "last take change at block %llu, limit %llu",
                          (unsigned long long)c->ck[cold].last_tx_take,
                          (unsigned long long)c->g.tx_delegate_take_rate_limit);
    c->ck[cold].last_tx_take = c->block;
    h->is_delegate = true;
    h->take = take;
    return CHAIN_OK;
}

/* ---- drain_hotkey_emission (economics.md §4.9) ----------------------------------------- */

chain_err chain_drain(chain *c, uint32_t id, io_err *err)
{
    chain_hotkey *h = &c->hk[id];
    uint64_t p = h->pending, u = h->untouchable;
    /* the owner's entry first, so that crediting it cannot move the others */
    if (!chain_ent_get(h, h->owner)) return chain_fail_nomem(err);
    uint32_t m = h->nents;
    uint64_t *st = malloc((size_t)m * sizeof *st), *credit = malloc((size_t)m * sizeof *credit);
    fx_i128 *dl = malloc((size_t)m * sizeof *dl);
    if (!st || !credit || !dl) {
        free(st);
        free(credit);
        free(dl);
        return chain_fail_nomem(err);
    }
    for (uint32_t k = 0; k < m; k++) {
        st[k] = h->ents[k].stake;
        dl[k] = h->ents[k].delta;
    }
    uint64_t owner_extra = econ_drain_split(p, u, take_of(c, h), m, st, dl, credit);
    fx_u128 total = owner_extra;
    for (uint32_t k = 0; k < m; k++) total += credit[k];
    /* TotalIssuance rises by P (the chain's `TI += drained`); what the split
     * credits beyond P (a delta larger than its stake) is unbacked stake. */
    chain_err e = CHAIN_OK;
    uint64_t tip;
    if (total > UINT64_MAX || __builtin_add_overflow(c->issuance, p, &tip) ||
        __builtin_add_overflow(c->stake, (uint64_t)total, &tip))
        e = chain_fail(err, CHAIN_ELIMIT, "draining %llu RAO would take TotalIssuance past 2^64 - 1",
                       (unsigned long long)p);
    if (e == CHAIN_OK) {
        h->pending = h->untouchable = 0;
        h->last_drain = c->block;
        chain_stake_ent *own = chain_ent_find(h, h->owner);
        for (uint32_t k = 0; k < m; k++) {
            chain_stake_ent *x = &h->ents[k];
            uint64_t add = credit[k] + (x == own ? owner_extra : 0);
            x->stake += add;
            h->stake += add;
            c->ck[x->cold].stake += add;
            c->stake += add;
            x->delta = 0;
        }
        c->issuance += p;
        c->minted += p;
        c->unbacked += (uint64_t)total - p;
        chain_emit(c, CHAIN_EV_DRAIN, 0, CHAIN_NONE, id, CHAIN_NONE, h->owner, p, u);
    }
    free(st);
    free(credit);
    free(dl);
    return e;
}
