/* chain_acct.c -- hotkeys and coldkeys: names, memberships, stake entries,
 * and every movement of RAO between balances, stake, locks and the issuance
 * (economics.md §3, §8.1). The ledger totals change only here.
 */
#include <stdlib.h>
#include <string.h>

#include "chain_int.h"
#include "taosim/econ.h"

/* TotalIssuance never exceeds this through chain_fund, so that every later
 * mint (bounded by the emission schedule) stays exact in u64. */
#define CHAIN_MAX_ENDOWED_ISSUANCE ((uint64_t)1 << 63)

/* ---- name indexes ---------------------------------------------------------------- */

/* Binary search of an index of ids sorted by the name at the start of each
 * record (base + id * stride): 1 and *pos if found, else 0 and the insertion
 * position. */
static int idx_search(const void *base, size_t stride, const uint32_t *ix, uint32_t n, const char *name,
                      uint32_t *pos)
{
    uint32_t lo = 0, hi = n;
    while (lo < hi) {
        uint32_t mid = lo + (hi - lo) / 2;
        int cmp = strcmp((const char *)base + (size_t)ix[mid] * stride, name);
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

int64_t chain_hk_find(const chain *c, const char *name)
{
    uint32_t pos;
    if (!name || !idx_search(c->hk, sizeof *c->hk, c->hk_index, c->nhk, name, &pos)) return -1;
    return c->hk_index[pos];
}

int64_t chain_ck_find(const chain *c, const char *name)
{
    uint32_t pos;
    if (!name || !idx_search(c->ck, sizeof *c->ck, c->ck_index, c->nck, name, &pos)) return -1;
    return c->ck_index[pos];
}

/* Grow a record array and its index to hold one more. */
static int grow_pair(void **arr, size_t elem, uint32_t **ix, uint32_t *cap, uint32_t n)
{
    if (n < *cap) return 0;
    uint32_t nc = *cap ? 2 * *cap : 64;
    void *a = realloc(*arr, (size_t)nc * elem);
    if (!a) return -1;
    *arr = a;
    uint32_t *x = realloc(*ix, (size_t)nc * sizeof *x);
    if (!x) return -1;
    *ix = x;
    *cap = nc;
    return 0;
}

void chain_account_id(const char *name, uint8_t out[32])
{
    memset(out, 0, 32);
    size_t len = strlen(name);
    bool decimal = len > 0 && len <= 20 && (name[0] != '0' || len == 1);
    uint64_t v = 0;
    for (size_t i = 0; decimal && i < len; i++) {
        unsigned d = (unsigned)(name[i] - '0');
        if (name[i] < '0' || name[i] > '9' || v > (UINT64_MAX - d) / 10)
            decimal = false;
        else
            v = v * 10 + d;
    }
    if (decimal) {
        for (int i = 0; i < 8; i++) out[i] = (uint8_t)(v >> (8 * i));
        return;
    }
    econ_keccak256((const uint8_t *)name, len, out);
}

chain_err chain_hk_get(chain *c, const char *name, uint32_t owner, uint32_t *id, io_err *err)
{
    uint32_t pos;
    if (idx_search(c->hk, sizeof *c->hk, c->hk_index, c->nhk, name, &pos)) {
        *id = c->hk_index[pos];
        return CHAIN_OK;
    }
    if (c->nhk >= CHAIN_MAX_HOTKEYS)
        return chain_fail(err, CHAIN_ELIMIT, "too many hotkeys (taosim's limit is %u)", CHAIN_MAX_HOTKEYS);
    if (grow_pair((void **)&c->hk, sizeof *c->hk, &c->hk_index, &c->caphk, c->nhk) != 0)
        return chain_fail_nomem(err);
    uint32_t n = c->nhk;
    chain_hotkey *h = &c->hk[n];
    memset(h, 0, sizeof *h);
    memcpy(h->name, name, strlen(name) + 1);
    h->owner = owner;
    h->take = c->g.default_delegate_take;
    uint8_t acct[32];
    chain_account_id(name, acct);
    h->hash64 = econ_hotkey_hash64(acct);
    memmove(c->hk_index + pos + 1, c->hk_index + pos, (n - pos) * sizeof *c->hk_index);
    c->hk_index[pos] = n;
    c->nhk++;
    *id = n;
    return CHAIN_OK;
}

chain_err chain_ck_get(chain *c, const char *name, uint32_t *id, io_err *err)
{
    uint32_t pos;
    if (idx_search(c->ck, sizeof *c->ck, c->ck_index, c->nck, name, &pos)) {
        *id = c->ck_index[pos];
        return CHAIN_OK;
    }
    if (c->nck >= CHAIN_MAX_COLDKEYS)
        return chain_fail(err, CHAIN_ELIMIT, "too many coldkeys (taosim's limit is %u)", CHAIN_MAX_COLDKEYS);
    if (grow_pair((void **)&c->ck, sizeof *c->ck, &c->ck_index, &c->capck, c->nck) != 0)
        return chain_fail_nomem(err);
    uint32_t n = c->nck;
    memset(&c->ck[n], 0, sizeof c->ck[n]);
    memcpy(c->ck[n].name, name, strlen(name) + 1);
    memmove(c->ck_index + pos + 1, c->ck_index + pos, (n - pos) * sizeof *c->ck_index);
    c->ck_index[pos] = n;
    c->nck++;
    *id = n;
    return CHAIN_OK;
}

/* ---- memberships ------------------------------------------------------------------ */

int64_t chain_hk_uid(const chain *c, uint32_t id, uint16_t netuid)
{
    const chain_hotkey *h = &c->hk[id];
    for (uint32_t k = 0; k < h->nmem; k++)
        if (h->mem[k].netuid == netuid) return h->mem[k].uid;
    return -1;
}

int chain_hk_reserve_member(chain_hotkey *h)
{
    return chain_grow((void **)&h->mem, &h->capmem, h->nmem + 1, sizeof *h->mem);
}

void chain_hk_add_member(chain_hotkey *h, uint16_t netuid, uint16_t uid)
{
    h->mem[h->nmem++] = (chain_member){netuid, uid};
    for (uint32_t k = 0; k < h->nstale; k++) /* IsNetworkMember is live again */
        if (h->stale[k] == netuid) {
            h->stale[k] = h->stale[--h->nstale];
            break;
        }
}

void chain_hk_remove_member(chain_hotkey *h, uint16_t netuid)
{
    for (uint32_t k = 0; k < h->nmem; k++)
        if (h->mem[k].netuid == netuid) {
            memmove(h->mem + k, h->mem + k + 1, (h->nmem - k - 1) * sizeof *h->mem);
            h->nmem--;
            return;
        }
}

bool chain_hk_registered_anywhere(const chain *c, const chain_hotkey *h)
{
    return h->nmem > 0 || (c->g.stale_network_member && h->nstale > 0);
}

/* ---- stake entries ------------------------------------------------------------------ */

chain_stake_ent *chain_ent_find(chain_hotkey *h, uint32_t cold)
{
    for (uint32_t k = 0; k < h->nents; k++)
        if (h->ents[k].cold == cold) return &h->ents[k];
    return NULL;
}

chain_stake_ent *chain_ent_get(chain_hotkey *h, uint32_t cold)
{
    chain_stake_ent *e = chain_ent_find(h, cold);
    if (e) return e;
    if (chain_grow((void **)&h->ents, &h->capents, h->nents + 1, sizeof *h->ents) != 0) return NULL;
    e = &h->ents[h->nents++];
    memset(e, 0, sizeof *e);
    e->cold = cold;
    return e;
}

/* ---- RAO movements --------------------------------------------------------------------- */

void chain_move_balance_to_stake(chain *c, uint32_t cold, chain_hotkey *h, chain_stake_ent *e, uint64_t amount)
{
    c->ck[cold].balance -= amount;
    c->balances -= amount;
    e->stake += amount;
    h->stake += amount;
    c->ck[e->cold].stake += amount;
    c->stake += amount;
}

void chain_move_stake_to_balance(chain *c, uint32_t cold, chain_hotkey *h, chain_stake_ent *e, uint64_t amount)
{
    e->stake -= amount;
    h->stake -= amount;
    c->ck[e->cold].stake -= amount;
    c->stake -= amount;
    c->ck[cold].balance += amount;
    c->balances += amount;
}

static chain_err mint_check(const chain *c, uint64_t amount, io_err *err)
{
    uint64_t r;
    if (__builtin_add_overflow(c->issuance, amount, &r) || __builtin_add_overflow(c->minted, amount, &r))
        return chain_fail(err, CHAIN_ELIMIT, "minting %llu RAO would take TotalIssuance past 2^64 - 1",
                          (unsigned long long)amount);
    return CHAIN_OK;
}

chain_err chain_mint_stake(chain *c, chain_hotkey *h, chain_stake_ent *e, uint64_t amount, io_err *err)
{
    chain_err r = mint_check(c, amount, err);
    if (r != CHAIN_OK) return r;
    c->issuance += amount;
    c->minted += amount;
    e->stake += amount;
    h->stake += amount;
    c->ck[e->cold].stake += amount;
    c->stake += amount;
    return CHAIN_OK;
}

chain_err chain_mint_balance(chain *c, uint32_t cold, uint64_t amount, io_err *err)
{
    chain_err r = mint_check(c, amount, err);
    if (r != CHAIN_OK) return r;
    c->issuance += amount;
    c->minted += amount;
    c->ck[cold].balance += amount;
    c->balances += amount;
    return CHAIN_OK;
}

void chain_burn_balance(chain *c, uint32_t cold, uint64_t amount)
{
    c->ck[cold].balance -= amount;
    c->balances -= amount;
    c->issuance -= amount;
    c->burned += amount;
}

void chain_lock_balance(chain *c, uint32_t cold, chain_subnet *s, uint64_t amount)
{
    c->ck[cold].balance -= amount;
    c->balances -= amount;
    s->locked += amount;
    c->locked += amount;
}

void chain_unlock_to(chain *c, chain_subnet *s, uint32_t cold)
{
    uint64_t amount = s->locked;
    c->locked -= amount;
    s->locked = 0;
    c->ck[cold].balance += amount;
    c->balances += amount;
}

void chain_unstake_all(chain *c, uint32_t id)
{
    chain_hotkey *h = &c->hk[id];
    uint64_t total = 0;
    for (uint32_t k = 0; k < h->nents; k++) {
        chain_stake_ent *e = &h->ents[k];
        uint64_t amount = e->stake;
        total += amount;
        chain_move_stake_to_balance(c, e->cold, h, e, amount);
    }
    chain_emit(c, CHAIN_EV_UNSTAKE_ALL, 0, CHAIN_NONE, id, CHAIN_NONE, h->owner, total, 0);
}

/* ---- funding ------------------------------------------------------------------------------ */

chain_err chain_fund(chain *c, const char *coldkey, uint64_t amount, io_err *err)
{
    if (!chain_name_ok(coldkey))
        return chain_fail(err, CHAIN_EINVAL, "coldkey name must be 1..%u printable bytes", CHAIN_HOTKEY_MAX - 1);
    if (amount > CHAIN_MAX_ENDOWED_ISSUANCE - c->issuance || c->issuance > CHAIN_MAX_ENDOWED_ISSUANCE)
        return chain_fail(err, CHAIN_EINVAL,
                          "funding %llu RAO would raise TotalIssuance %llu above 2^63 RAO (taosim's bound for "
                          "endowments, 439 times the 21M TAO supply)",
                          (unsigned long long)amount, (unsigned long long)c->issuance);
    uint32_t id;
    chain_err e = chain_ck_get(c, coldkey, &id, err);
    if (e != CHAIN_OK) return e;
    c->ck[id].balance += amount;
    c->balances += amount;
    c->issuance += amount;
    c->endowed += amount;
    return CHAIN_OK;
}

chain_err chain_transfer(chain *c, const char *from, const char *to, uint64_t amount, io_err *err)
{
    if (!chain_name_ok(from) || !chain_name_ok(to))
        return chain_fail(err, CHAIN_EINVAL, "coldkey name must be 1..%u printable bytes", CHAIN_HOTKEY_MAX - 1);
    int64_t f = chain_ck_find(c, from);
    uint64_t have = f < 0 ? 0 : c->ck[f].balance;
    if (have < amount)
        return chain_fail(err, CHAIN_E_INSUFFICIENT_BALANCE, "balance %llu, transfer %llu",
                          (unsigned long long)have, (unsigned long long)amount);
    uint32_t fid, tid;
    chain_err e = chain_ck_get(c, from, &fid, err);
    if (e == CHAIN_OK) e = chain_ck_get(c, to, &tid, err);
    if (e != CHAIN_OK) return e;
    c->ck[fid].balance -= amount;
    c->ck[tid].balance += amount;
    return CHAIN_OK;
}

/* ---- reading -------------------------------------------------------------------------------- */

uint32_t chain_hotkey_count(const chain *c)
{
    return c->nhk;
}

uint32_t chain_coldkey_count(const chain *c)
{
    return c->nck;
}

int64_t chain_hotkey_id(const chain *c, const char *hotkey)
{
    return chain_hk_find(c, hotkey);
}

int64_t chain_coldkey_id(const chain *c, const char *coldkey)
{
    return chain_ck_find(c, coldkey);
}

const char *chain_hotkey_name(const chain *c, uint32_t id)
{
    return id < c->nhk ? c->hk[id].name : NULL;
}

const char *chain_coldkey_name(const chain *c, uint32_t id)
{
    return id < c->nck ? c->ck[id].name : NULL;
}

uint64_t chain_balance(const chain *c, const char *coldkey)
{
    int64_t id = chain_ck_find(c, coldkey);
    return id < 0 ? 0 : c->ck[id].balance;
}

uint64_t chain_coldkey_stake(const chain *c, const char *coldkey)
{
    int64_t id = chain_ck_find(c, coldkey);
    return id < 0 ? 0 : c->ck[id].stake;
}

uint64_t chain_hotkey_stake(const chain *c, const char *hotkey)
{
    int64_t id = chain_hk_find(c, hotkey);
    return id < 0 ? 0 : c->hk[id].stake;
}

uint64_t chain_stake(const chain *c, const char *hotkey, const char *coldkey)
{
    int64_t h = chain_hk_find(c, hotkey), k = chain_ck_find(c, coldkey);
    if (h < 0 || k < 0) return 0;
    return chain_stake_of(c, (uint32_t)h, (uint32_t)k);
}

uint64_t chain_balance_of(const chain *c, uint32_t coldkey) { return coldkey < c->nck ? c->ck[coldkey].balance : 0; }

uint64_t chain_hotkey_stake_of(const chain *c, uint32_t hotkey) { return hotkey < c->nhk ? c->hk[hotkey].stake : 0; }

uint64_t chain_stake_of(const chain *c, uint32_t hotkey, uint32_t coldkey)
{
    if (hotkey >= c->nhk || coldkey >= c->nck) return 0;
    const chain_stake_ent *e = chain_ent_find(&c->hk[hotkey], coldkey);
    return e ? e->stake : 0;
}

chain_err chain_hotkey_get(const chain *c, uint32_t id, chain_hotkey_view *v)
{
    if (id >= c->nhk) return CHAIN_EINVAL;
    const chain_hotkey *h = &c->hk[id];
    v->name = h->name;
    v->owner = h->owner;
    v->is_delegate = h->is_delegate;
    v->take = h->is_delegate ? h->take : c->g.default_delegate_take;
    v->stake = h->stake;
    v->pending = h->pending;
    v->untouchable = h->untouchable;
    v->drain_phase = h->hash64;
    v->last_drain = h->last_drain;
    v->nstakers = h->nents;
    v->networks = h->nmem;
    return CHAIN_OK;
}

chain_err chain_hotkey_staker(const chain *c, uint32_t id, uint32_t i, uint32_t *coldkey, uint64_t *stake)
{
    if (id >= c->nhk || i >= c->hk[id].nents) return CHAIN_EINVAL;
    *coldkey = c->hk[id].ents[i].cold;
    *stake = c->hk[id].ents[i].stake;
    return CHAIN_OK;
}

/* ---- state loading ----------------------------------------------------------------------------- */

chain_err chain_set_stake(chain *c, const char *hotkey, uint64_t rao, io_err *err)
{
    int64_t id = chain_hk_find(c, hotkey);
    if (id < 0)
        return chain_fail(err, CHAIN_EINVAL, "hotkey '%s' is not known to the chain", hotkey ? hotkey : "");
    chain_hotkey *h = &c->hk[id];
    chain_stake_ent *e = chain_ent_get(h, h->owner);
    if (!e) return chain_fail_nomem(err);
    uint64_t others = h->stake - e->stake;
    if (rao < others)
        return chain_fail(err, CHAIN_EINVAL, "stake %llu is below the %llu RAO other coldkeys stake on %s",
                          (unsigned long long)rao, (unsigned long long)others, hotkey);
    uint64_t want = rao - others;
    if (want >= e->stake) {
        uint64_t d = want - e->stake;
        if (d > CHAIN_MAX_ENDOWED_ISSUANCE - c->issuance || c->issuance > CHAIN_MAX_ENDOWED_ISSUANCE)
            return chain_fail(err, CHAIN_EINVAL, "stake %llu would raise TotalIssuance above 2^63 RAO",
                              (unsigned long long)rao);
        c->issuance += d;
        c->endowed += d;
        e->stake += d;
        h->stake += d;
        c->ck[e->cold].stake += d;
        c->stake += d;
    } else {
        uint64_t d = e->stake - want;
        /* a loaded stake going down: the endowment shrinks; stake that was
         * minted (drains) and is taken away by loading counts as burned */
        uint64_t from_endowed = d < c->endowed ? d : c->endowed;
        c->endowed -= from_endowed;
        c->burned += d - from_endowed;
        c->issuance -= d;
        e->stake -= d;
        h->stake -= d;
        c->ck[e->cold].stake -= d;
        c->stake -= d;
    }
    return CHAIN_OK;
}

uint64_t chain_uid_stake(const chain *c, const chain_subnet *s, uint32_t uid)
{
    /* yuma-epoch.md §2.1 without child/parent keys, capped at NetworkMaxStake */
    uint64_t st = c->hk[s->hotkey[uid]].stake;
    return st < s->hp.network_max_stake ? st : s->hp.network_max_stake;
}

const char *chain_uid_hotkey(const chain *c, uint16_t netuid, uint32_t uid)
{
    const chain_subnet *s = chain_find(c, netuid);
    return s && uid < s->n ? c->hk[s->hotkey[uid]].name : NULL;
}
