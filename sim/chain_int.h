/* chain_int.h -- the chain room's private state, shared by sim/chain*.c.
 *
 * Layout: subnets are heap objects referenced from an array sorted by netuid
 * (binary search, stable pointers), the root network is one more such object
 * kept apart; each subnet keeps one vector per storage item, indexed by uid,
 * grown together. Hotkeys and coldkeys live in arrays in creation order (the
 * id is the index, stable) with indexes sorted by name for lookups. A hotkey
 * knows its memberships (netuid, uid), its stake entries per coldkey and its
 * pending emission; hotkeys with pending emission sit in a min-heap ordered by
 * (next drain block, id).
 *
 * Every mutating call validates and allocates first, then mutates, so a
 * refused or failed call leaves the state as it was. The ledger totals
 * (issuance, balances, stake, locked) are updated by the same helpers that
 * move RAO (chain_acct.c), never by hand.
 */
#ifndef TAOSIM_CHAIN_INT_H
#define TAOSIM_CHAIN_INT_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "taosim/chain.h"
#include "taosim/fx.h"

/* ---- accounts ---------------------------------------------------------------- */

/* Stake[hotkey][cold] with the per-pair state the chain keys the same way. */
typedef struct chain_stake_ent {
    uint32_t cold;
    uint64_t stake;
    fx_i128 delta;           /* StakeDeltaSinceLastEmissionDrain (saturating) */
    uint64_t count, first;   /* try_increase_staking_counter state */
} chain_stake_ent;

typedef struct chain_member {
    uint16_t netuid;
    uint16_t uid;
} chain_member;

typedef struct chain_hotkey {
    char name[CHAIN_HOTKEY_MAX];
    uint32_t owner;            /* Owner: coldkey id */
    uint16_t take;             /* Delegates[h] (ValueQuery default when not a delegate) */
    bool is_delegate;
    bool in_heap;              /* queued for a drain */
    uint64_t stake;            /* TotalHotkeyStake */
    uint64_t pending, untouchable;
    uint64_t hash64, last_drain;
    chain_stake_ent *ents;
    uint32_t nents, capents;
    chain_member *mem;         /* live Uids entries, root included */
    uint32_t nmem, capmem;
    uint16_t *stale;           /* netuids of IsNetworkMember left by subnet removal */
    uint32_t nstale, capstale;
} chain_hotkey;

typedef struct chain_coldkey {
    char name[CHAIN_HOTKEY_MAX];
    uint64_t balance;          /* free balance */
    uint64_t stake;            /* TotalColdkeyStake */
    uint64_t last_tx_block;    /* LastTxBlock */
    uint64_t last_tx_take;     /* LastTxBlockDelegateTake */
} chain_coldkey;

/* ---- parameters ----------------------------------------------------------------- */

typedef struct chain_globals {
    uint16_t subnet_owner_cut;
    uint16_t subnet_limit;
    uint64_t network_immunity_period;
    uint64_t network_min_lock_cost;
    uint64_t network_last_lock_cost;   /* NetworkLastLockCost (state) */
    uint64_t network_lock_reduction_interval;
    uint64_t network_rate_limit;
    uint64_t network_last_registered;  /* NetworkLastRegistered (state) */
    uint64_t hotkey_emission_tempo;
    uint16_t default_delegate_take, max_delegate_take, min_delegate_take;
    uint64_t tx_rate_limit, tx_delegate_take_rate_limit;
    uint64_t target_stakes_per_interval, stake_interval;
    uint64_t stake_threshold, nominator_min_required_stake;
    bool removal_keeps_pending, removal_keeps_params, stale_network_member;
} chain_globals;

typedef struct chain_preset {
    const char *name;
    chain_globals g;
    chain_hparams storage;   /* what a never-written per-subnet key reads */
    uint64_t burn, difficulty; /* storage defaults of Burn and Difficulty */
} chain_preset;

const chain_preset *chain_preset_find(const char *name);
/* Whether key names a global parameter (chain_core.c) / a per-subnet hparam
 * (chain.c, chain_params.c): each setter names the other kind's keys. */
bool chain_global_known(const char *key);
bool chain_hparam_known(const char *key);

/* ---- the chain -------------------------------------------------------------------- */

struct chain {
    uint64_t block;
    const chain_preset *preset;
    chain_globals g;
    chain_subnet *root;
    chain_subnet **subnets;    /* user subnets, ascending netuid */
    uint32_t nsubnets, capsubnets;
    chain_subnet **by_netuid;  /* [65536]: the live subnet of each netuid, NULL if none (lookups) */
    chain_subnet **ghost;      /* by netuid: what remove_network left behind (or NULL) */
    uint32_t nghost;
    chain_hotkey *hk;
    uint32_t *hk_index;
    uint32_t nhk, caphk;
    chain_coldkey *ck;
    uint32_t *ck_index;
    uint32_t nck, capck;
    /* ledger */
    uint64_t issuance, balances, stake, locked;
    uint64_t endowed, minted, burned, unbacked;
    uint64_t block_emission;
    int audit_level;           /* chain_set_audit */
    /* drain queue: min-heap of (block, hotkey id) */
    uint64_t *dq_block;
    uint32_t *dq_id;
    uint32_t ndq, capdq;
    uint64_t dq_tempo;         /* hotkey_emission_tempo the queue was built for */
    /* observer */
    chain_observer obs;
    void *obs_ctx;
    /* scratch */
    unsigned char *scratch;    /* epoch inputs (CSR arrays, stakes) */
    size_t scratch_cap;
    yuma_arena arena;          /* yuma_epoch scratch, kept between epochs */
    uint16_t *wbuf;            /* set_weights scratch */
    size_t wbuf_cap;
    void *dscratch;            /* drain scratch */
    size_t dscratch_cap;
};

/* ---- helpers (chain_core.c) ---------------------------------------------------------- */

__attribute__((format(printf, 3, 4))) chain_err chain_fail(io_err *err, chain_err code, const char *fmt, ...);
chain_err chain_fail_nomem(io_err *err);
bool chain_name_ok(const char *name);

uint64_t chain_sat_add(uint64_t a, uint64_t b);
/* Grow *arr (elements of `elem` bytes) to hold `want`, doubling; -1 on no memory. */
int chain_grow(void **arr, uint32_t *cap, uint32_t want, size_t elem);
/* "a, b, c" of name(0..count) into buf (truncated to n bytes). */
void chain_join_names(char *buf, size_t n, size_t count, const char *(*name)(size_t));
/* First position among the user subnets whose netuid is >= netuid. */
uint32_t chain_subnet_pos(const chain *c, uint16_t netuid);
uint64_t chain_sat_sub(uint64_t a, uint64_t b);

/* Subnet by netuid, root (0) included; NULL if none. */
chain_subnet *chain_find(const chain *c, uint16_t netuid);
/* Make room for `want` uids in every per-uid vector (new slots zeroed). */
int chain_subnet_reserve(chain_subnet *s, uint32_t want);
chain_subnet *chain_subnet_alloc(uint16_t netuid);
void chain_subnet_destroy(chain_subnet *s);
/* Insert a created subnet into the sorted array (room checked by caller). */
chain_err chain_subnet_insert(chain *c, chain_subnet *s, io_err *err);
/* init_new_network over the preset storage (and what a removed subnet on the
 * same netuid left behind, per the quirk options) for a new subnet. */
chain_subnet *chain_subnet_create(chain *c, uint16_t netuid, io_err *err, chain_err *code);
void chain_subnet_init(chain *c, chain_subnet *s); /* the same on an allocated subnet */
/* Room for one more subnet in the sorted array and a ghost slot for netuid. */
int chain_subnet_room(chain *c, uint16_t netuid);
/* Free per-uid vectors (n = 0), keeping the scalar state. */
void chain_subnet_clear_uids(chain_subnet *s);

void chain_emit(chain *c, chain_event_kind k, uint16_t netuid, uint32_t uid, uint32_t hotkey, uint32_t other,
                uint32_t coldkey, uint64_t amount, uint64_t amount2);

/* ---- pending emission (chain_block.c) -------------------------------------------- */

/* Fold the accumulation of blocks pending_block+1 .. upto into pending_base. */
void chain_pending_sync(const chain *c, chain_subnet *s, uint64_t upto);
/* Pending after all accumulations through block `upto`. */
uint64_t chain_pending_at(const chain_subnet *s, uint64_t upto);
/* Queue hotkey id for its next drain at or after `from` (if pending != 0). */
chain_err chain_drain_queue(chain *c, uint32_t id, uint64_t from, io_err *err);
/* Rebuild the drain queue after HotkeyEmissionTempo changed. */
chain_err chain_drain_requeue(chain *c, io_err *err);
/* drain_hotkey_emission of hotkey id at the current block (chain_stake.c). */
chain_err chain_drain(chain *c, uint32_t id, io_err *err);

/* ---- accounts (chain_acct.c) --------------------------------------------------------- */

int64_t chain_hk_find(const chain *c, const char *name);
int64_t chain_ck_find(const chain *c, const char *name);
/* Get or create (owner = `owner` for a new hotkey). */
chain_err chain_hk_get(chain *c, const char *name, uint32_t owner, uint32_t *id, io_err *err);
chain_err chain_ck_get(chain *c, const char *name, uint32_t *id, io_err *err);
/* The hotkey's uid on netuid, or -1. */
int64_t chain_hk_uid(const chain *c, uint32_t id, uint16_t netuid);
/* Memberships: add (room ensured by chain_hk_reserve_member) / remove. */
int chain_hk_reserve_member(chain_hotkey *h);
void chain_hk_add_member(chain_hotkey *h, uint16_t netuid, uint16_t uid);
void chain_hk_remove_member(chain_hotkey *h, uint16_t netuid);
/* is_hotkey_registered_on_any_network (with the stale IsNetworkMember option). */
bool chain_hk_registered_anywhere(const chain *c, const chain_hotkey *h);
/* Stake entry of (hotkey, cold), or NULL; _get creates it (NULL: no memory). */
chain_stake_ent *chain_ent_find(chain_hotkey *h, uint32_t cold);
chain_stake_ent *chain_ent_get(chain_hotkey *h, uint32_t cold);

/* Every RAO movement: these keep the ledger totals in step. */
void chain_move_balance_to_stake(chain *c, uint32_t cold, chain_hotkey *h, chain_stake_ent *e, uint64_t amount);
void chain_move_stake_to_balance(chain *c, uint32_t cold, chain_hotkey *h, chain_stake_ent *e, uint64_t amount);
/* Mint `amount` as stake of (h, e) / as free balance; CHAIN_ELIMIT when
 * TotalIssuance would exceed 2^64-1 (nothing changes). */
chain_err chain_mint_stake(chain *c, chain_hotkey *h, chain_stake_ent *e, uint64_t amount, io_err *err);
chain_err chain_mint_balance(chain *c, uint32_t cold, uint64_t amount, io_err *err);
/* Burn from a free balance (caller checked the balance). */
void chain_burn_balance(chain *c, uint32_t cold, uint64_t amount);
void chain_lock_balance(chain *c, uint32_t cold, chain_subnet *s, uint64_t amount);
void chain_unlock_to(chain *c, chain_subnet *s, uint32_t cold);
/* Unstake every entry of hotkey id (replace_neuron's unstake-all). */
void chain_unstake_all(chain *c, uint32_t id);

/* ---- registration (chain_reg.c) ---------------------------------------------------- */

/* Append hotkey id at uid n (room reserved, membership room reserved). */
uint32_t chain_neuron_append(chain *c, chain_subnet *s, uint32_t id);
/* replace_neuron: id takes `uid`, the old hotkey leaves (unstake-all if it is
 * registered nowhere else). */
void chain_neuron_replace(chain *c, chain_subnet *s, uint32_t uid, uint32_t id);
/* Refund the lock, zero root weights on it, keep the ghost; frees nothing
 * the caller still references. */
void chain_network_remove(chain *c, uint16_t netuid);

/* ---- weights (chain_weights.c) ----------------------------------------------------- */

/* The shared tail of set_weights / set_root_weights after their own checks:
 * WeightVecLengthIsLow (unless a self weight), max-upscale, MaxWeightExceeded,
 * then store the row in the caller's order and LastUpdate = block. */
chain_err chain_weights_store(chain *c, chain_subnet *s, uint32_t uid, const uint16_t *dests, const uint16_t *vals,
                              size_t len, io_err *err);
/* The checks both make on the caller: stake >= StakeThreshold, version key, rate limit. */
chain_err chain_weights_gate(const chain *c, const chain_subnet *s, uint32_t uid, uint64_t stake, uint64_t version_key,
                             io_err *err);
bool chain_has_duplicates(const uint16_t *v, size_t n, uint16_t *dup);
/* The same, also giving the largest value (one pass). */
bool chain_has_duplicates_top(const uint16_t *v, size_t n, uint16_t *dup, uint16_t *top);
/* chain_max_upscale_u16 of in[0..n) written with dests[] as the row's entries. */
void chain_max_upscale_row(const uint16_t *in, const uint16_t *dests, size_t n, yuma_entry *out);
int chain_row_reserve(chain_row *r, size_t len);
void chain_row_store(chain_row *r, const uint16_t *dests, const uint16_t *vals, size_t len);
uint16_t *chain_wbuf(chain *c, size_t n);

/* ---- epochs (chain.c) -------------------------------------------------------------- */

/* Run yuma_epoch on s at the current block distributing rao and write back. */
chain_err chain_epoch_exec(chain *c, chain_subnet *s, uint64_t rao, io_err *err);
/* Root epoch (chain_root.c): recompute every EmissionValues (kept when the
 * chain's root epoch fails); CHAIN_ENOMEM only. Pending must be folded first. */
chain_err chain_root_epoch(chain *c, io_err *err);

/* Per-subnet keys beyond the epoch's table (chain_params.c): the
 * registration terms and the subnet state a snapshot may load. */
bool chain_params_known(const char *key);
chain_err chain_params_set(chain *c, chain_subnet *s, const char *key, uint64_t value, io_err *err);
chain_err chain_params_get(const chain_subnet *s, const char *key, uint64_t *value);
size_t chain_params_count(void);
const char *chain_params_name(size_t i);

#endif
