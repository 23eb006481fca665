/* chain_block.c -- the per-block pipeline (economics.md §4, §11), run block
 * by block only where something happens.
 *
 * Block b, in the chain's order: (1) adjust_registration_terms for every
 * netuid whose interval elapsed (§7.3); (2) the root epoch when the root's
 * schedule says so (§5.3): new EmissionValues, used from this block on;
 * (3) PendingEmission += EmissionValues for every user subnet that allows
 * registration (§4.3); (4) for every subnet whose epoch falls on b
 * (§4.2): drain PendingEmission, pay the owner cut (§4.4), run the Yuma
 * epoch and accumulate each hotkey's server and validator amounts (§4.7,
 * no childkeys); (5) drain every hotkey whose phase falls on b (§4.8, §4.9).
 *
 * Idle blocks: a block in which no adjustment, root epoch, epoch or drain
 * falls changes only PendingEmission (by the constant EmissionValues,
 * saturating), RegistrationsThisBlock (reset) and BlocksSinceLastStep (+1).
 * All three are kept lazily -- pending as (pending_base, pending_block),
 * the per-block registration count stamped with its block, the step counter
 * as the block of the last epoch -- so jumping to the next busy block is
 * exact: min(MAX, base + k*E) is what k saturating additions of E give.
 */
#include <stdlib.h>
#include <string.h>

#include "chain_int.h"
#include "taosim/econ.h"

/* ---- pending emission -------------------------------------------------------------- */

static bool accumulates(const chain_subnet *s)
{
    return s->netuid != 0 && s->hp.registration_allowed;
}

uint64_t chain_pending_at(const chain_subnet *s, uint64_t upto)
{
    if (!accumulates(s) || upto <= s->pending_block || s->emission_value == 0) return s->pending_base;
    fx_u128 v = (fx_u128)s->emission_value * (upto - s->pending_block) + s->pending_base;
    return v > UINT64_MAX ? UINT64_MAX : (uint64_t)v;
}

void chain_pending_sync(const chain *c, chain_subnet *s, uint64_t upto)
{
    (void)c;
    if (upto <= s->pending_block) return;
    s->pending_base = chain_pending_at(s, upto);
    s->pending_block = upto;
}

/* ---- the drain queue: a binary min-heap of (block, hotkey id) ------------------------- */

static bool dq_less(const chain *c, uint32_t a, uint32_t b)
{
    return c->dq_block[a] != c->dq_block[b] ? c->dq_block[a] < c->dq_block[b] : c->dq_id[a] < c->dq_id[b];
}

static void dq_swap(chain *c, uint32_t a, uint32_t b)
{
    uint64_t tb = c->dq_block[a];
    uint32_t ti = c->dq_id[a];
    c->dq_block[a] = c->dq_block[b];
    c->dq_id[a] = c->dq_id[b];
    c->dq_block[b] = tb;
    c->dq_id[b] = ti;
}

static void dq_down(chain *c, uint32_t i)
{
    for (;;) {
        uint32_t l = 2 * i + 1, r = l + 1, m = i;
        if (l < c->ndq && dq_less(c, l, m)) m = l;
        if (r < c->ndq && dq_less(c, r, m)) m = r;
        if (m == i) return;
        dq_swap(c, i, m);
        i = m;
    }
}

static int dq_push(chain *c, uint64_t block, uint32_t id)
{
    if (c->ndq == c->capdq) {
        uint32_t cap = c->capdq ? 2 * c->capdq : 256;
        uint64_t *b = realloc(c->dq_block, cap * sizeof *b);
        if (!b) return -1;
        c->dq_block = b;
        uint32_t *d = realloc(c->dq_id, cap * sizeof *d);
        if (!d) return -1;
        c->dq_id = d;
        c->capdq = cap;
    }
    uint32_t i = c->ndq++;
    c->dq_block[i] = block;
    c->dq_id[i] = id;
    while (i > 0) {
        uint32_t p = (i - 1) / 2;
        if (!dq_less(c, i, p)) break;
        dq_swap(c, i, p);
        i = p;
    }
    return 0;
}

static void dq_pop(chain *c)
{
    c->dq_block[0] = c->dq_block[c->ndq - 1];
    c->dq_id[0] = c->dq_id[c->ndq - 1];
    c->ndq--;
    dq_down(c, 0);
}

/* The first block >= from with b mod (H+1) == hash mod (H+1); UINT64_MAX if none. */
static uint64_t next_drain_at(uint64_t hash, uint64_t from, uint64_t tempo)
{
    if (tempo == UINT64_MAX) return hash >= from ? hash : UINT64_MAX; /* H + 1 wraps to 0: b == hash */
    uint64_t m = tempo + 1, phase = hash % m, r = from % m;
    uint64_t d = phase >= r ? phase - r : m - (r - phase);
    return chain_sat_add(from, d);
}

chain_err chain_drain_queue(chain *c, uint32_t id, uint64_t from, io_err *err)
{
    chain_hotkey *h = &c->hk[id];
    if (h->in_heap || h->pending == 0) return CHAIN_OK;
    uint64_t at = next_drain_at(h->hash64, from, c->g.hotkey_emission_tempo);
    if (at == UINT64_MAX) return CHAIN_OK;
    if (dq_push(c, at, id) != 0) return chain_fail_nomem(err);
    h->in_heap = true;
    return CHAIN_OK;
}

chain_err chain_drain_requeue(chain *c, io_err *err)
{
    c->dq_tempo = c->g.hotkey_emission_tempo;
    for (uint32_t i = 0; i < c->ndq; i++) c->hk[c->dq_id[i]].in_heap = false;
    c->ndq = 0;
    for (uint32_t id = 0; id < c->nhk; id++) {
        chain_err e = chain_drain_queue(c, id, c->block + 1, err);
        if (e != CHAIN_OK) return e;
    }
    return CHAIN_OK;
}

/* ---- scheduling ---------------------------------------------------------------------- */

static bool adjust_due(const chain_subnet *s, uint64_t b)
{
    return chain_sat_sub(b, s->last_adjustment_block) >= s->hp.adjustment_interval;
}

static uint64_t next_adjust(const chain_subnet *s, uint64_t from)
{
    uint64_t at = chain_sat_add(s->last_adjustment_block, s->hp.adjustment_interval);
    return at < from ? from : at;
}

static uint64_t next_epoch(const chain_subnet *s, uint64_t from)
{
    if (s->hp.tempo == 0) return UINT64_MAX;
    return chain_sat_add(from, econ_blocks_until_next_epoch(s->netuid, s->hp.tempo, from));
}

static uint64_t min64(uint64_t a, uint64_t b)
{
    return a < b ? a : b;
}

uint64_t chain_next_busy_block(const chain *c)
{
    if (c->block == UINT64_MAX) return UINT64_MAX;
    uint64_t from = c->block + 1;
    uint64_t at = min64(next_adjust(c->root, from), next_epoch(c->root, from));
    for (uint32_t i = 0; i < c->nsubnets; i++) {
        at = min64(at, next_adjust(c->subnets[i], from));
        at = min64(at, next_epoch(c->subnets[i], from));
    }
    if (c->ndq) at = min64(at, c->dq_block[0]);
    return at;
}

/* ---- the steps of one block ------------------------------------------------------------ */

static void adjust_terms(chain *c, chain_subnet *s)
{
    const chain_hparams *h = &s->hp;
    uint16_t r = s->regs_this_interval, t = h->target_registrations_per_interval;
    econ_adjust_which w = econ_adjust_choice(r, s->pow_regs_this_interval, s->burn_regs_this_interval, t);
    if (w.difficulty)
        s->difficulty = econ_adjust_value(s->difficulty, r, t, h->adjustment_alpha, h->min_difficulty,
                                          h->max_difficulty);
    if (w.burn) s->burn = econ_adjust_value(s->burn, r, t, h->adjustment_alpha, h->min_burn, h->max_burn);
    s->last_adjustment_block = c->block;
    s->regs_this_interval = s->pow_regs_this_interval = s->burn_regs_this_interval = 0;
    chain_emit(c, CHAIN_EV_ADJUST, s->netuid, CHAIN_NONE, CHAIN_NONE, CHAIN_NONE, CHAIN_NONE, s->burn, s->difficulty);
}

/* §4.4: drain PendingEmission, owner cut, epoch, accumulate per hotkey. */
static chain_err epoch_step(chain *c, chain_subnet *s, io_err *err)
{
    uint64_t b = c->block;
    uint64_t e_sub = chain_pending_at(s, b);
    s->pending_base = 0;
    s->pending_block = b;
    s->last_epoch_block = b;
    if (!s->hp.registration_allowed) return CHAIN_OK; /* discarded: never minted */
    uint64_t cut = 0;
    if (s->owner != CHAIN_NONE) {
        cut = econ_owner_cut(e_sub, c->g.subnet_owner_cut);
        chain_err e = chain_mint_balance(c, s->owner, cut, err);
        if (e != CHAIN_OK) return e;
        e_sub -= cut;
    }
    chain_err e = chain_epoch_exec(c, s, e_sub, err);
    if (e != CHAIN_OK) return e;
    for (uint32_t u = 0; u < s->n; u++) {
        uint32_t id = s->hotkey[u];
        chain_hotkey *h = &c->hk[id];
        uint64_t srv = s->server_emission[u], val = s->validator_emission[u];
        h->pending = chain_sat_add(h->pending, chain_sat_add(val, srv));
        h->untouchable = chain_sat_add(h->untouchable, srv);
        e = chain_drain_queue(c, id, b, err);
        if (e != CHAIN_OK) return e;
    }
    chain_emit(c, CHAIN_EV_EPOCH, s->netuid, CHAIN_NONE, CHAIN_NONE, CHAIN_NONE, s->owner, e_sub, cut);
    return CHAIN_OK;
}

static chain_err run_block(chain *c, io_err *err)
{
    uint64_t b = c->block;
    if (adjust_due(c->root, b)) adjust_terms(c, c->root);
    for (uint32_t i = 0; i < c->nsubnets; i++)
        if (adjust_due(c->subnets[i], b)) adjust_terms(c, c->subnets[i]);
    if (c->root->hp.tempo && econ_should_run_epoch(0, c->root->hp.tempo, b)) {
        for (uint32_t i = 0; i < c->nsubnets; i++) chain_pending_sync(c, c->subnets[i], b - 1);
        chain_err e = chain_root_epoch(c, err);
        if (e != CHAIN_OK) return e;
    }
    for (uint32_t i = 0; i < c->nsubnets; i++) {
        chain_subnet *s = c->subnets[i];
        if (s->hp.tempo && econ_should_run_epoch(s->netuid, s->hp.tempo, b)) {
            chain_err e = epoch_step(c, s, err);
            if (e != CHAIN_OK) return e;
        }
    }
    while (c->ndq && c->dq_block[0] == b) {
        uint32_t id = c->dq_id[0];
        dq_pop(c);
        c->hk[id].in_heap = false;
        chain_err e = chain_drain(c, id, err);
        if (e != CHAIN_OK) return e;
    }
    return CHAIN_OK;
}

static chain_err check_block(const chain *c, io_err *err)
{
    if (c->audit_level <= 0) return CHAIN_OK;
    if ((fx_u128)c->issuance + c->unbacked != (fx_u128)c->balances + c->stake + c->locked)
        return chain_fail(err, CHAIN_EINVARIANT, "block %llu: TotalIssuance %llu != balances + stake + locked",
                          (unsigned long long)c->block, (unsigned long long)c->issuance);
    if (c->audit_level >= 2) {
        io_err why;
        if (chain_audit(c, &why) != 0)
            return chain_fail(err, CHAIN_EINVARIANT, "block %llu: %s", (unsigned long long)c->block, why.msg);
    }
    return CHAIN_OK;
}

chain_err chain_advance_to(chain *c, uint64_t block, io_err *err)
{
    if (block < c->block)
        return chain_fail(err, CHAIN_EINVAL, "block %llu is before the current block %llu (blocks never go back)",
                          (unsigned long long)block, (unsigned long long)c->block);
    while (c->block < block) {
        uint64_t b = chain_next_busy_block(c);
        if (b > block) {
            c->block = block; /* the rest is idle: accumulation is lazy */
            break;
        }
        c->block = b;
        chain_err e = run_block(c, err);
        if (e == CHAIN_OK) e = check_block(c, err);
        if (e != CHAIN_OK) return e;
    }
    return CHAIN_OK;
}

chain_err chain_set_block(chain *c, uint64_t block, io_err *err)
{
    if (block < c->block)
        return chain_fail(err, CHAIN_EINVAL, "block %llu is before the current block %llu (blocks never go back)",
                          (unsigned long long)block, (unsigned long long)c->block);
    if (block == c->block) return CHAIN_OK;
    /* state loading: the skipped blocks run nothing, accumulate nothing */
    chain_pending_sync(c, c->root, c->block);
    for (uint32_t i = 0; i < c->nsubnets; i++) {
        chain_subnet *s = c->subnets[i];
        chain_pending_sync(c, s, c->block);
        s->pending_block = block;
    }
    c->block = block;
    return c->ndq ? chain_drain_requeue(c, err) : CHAIN_OK;
}
