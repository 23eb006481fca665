/* emission.h -- block emission from TotalIssuance, the halving thresholds, the
 * root-epoch cadence and the TotalIssuance ledger (economics.md §2, §3.2, §4.1).
 *
 * Invariant: emission_for_issuance (the exact integer form of §2.2) and
 * emission_for_issuance_fx (the chain's I96F32 code, step by step through
 * fx.h) return the same value for every u64 issuance, and that value is
 * 1e9 >> k for the k-th halving step, 0 from T_30 on. The ledger never wraps:
 * every change is checked and reported. Leaf room besides fx; no floating
 * point, no state.
 *
 * Amounts are RAO (1 TAO = 1e9 RAO), u64.
 */
#ifndef TAOSIM_EMISSION_H
#define TAOSIM_EMISSION_H

#include <stdbool.h>
#include <stdint.h>

/* §2.1 */
#define EMISSION_TOTAL_SUPPLY 21000000000000000ull /* 21 M TAO */
#define EMISSION_DEFAULT_BLOCK 1000000000ull       /* 1 TAO per block before any halving */
#define EMISSION_BLOCKS_PER_DAY 7200ull            /* 12 s blocks */
#define EMISSION_BLOCKS_PER_YEAR 2629800ull        /* 365.25 days */
/* §4.1: the root epoch (and with it the block emission) runs at b mod 101 == 99. */
#define EMISSION_ROOT_PERIOD 101ull
#define EMISSION_ROOT_PHASE 99ull
/* k of §2.2 never exceeds 32 for TI < 21e15; 1e9 >> k == 0 from k == 30 on. */
#define EMISSION_MAX_K 32u
#define EMISSION_ZERO_STEP 30u
/* emission_for_issuance_fx's answer if the fixed-point code failed (unreachable
 * for every u64 issuance; the chain would keep its previous EmissionValues). */
#define EMISSION_FX_ERROR UINT64_MAX

/* §2.2, exact integer form: k = largest k with y·2^k <= 2^32 where
 * y = 2^32 − ⌊TI·2^32/21e15⌋; E = 1e9 >> k (0 for k >= 30, and 0 for TI >= 21e15). */
uint64_t emission_for_issuance(uint64_t ti);

/* §2.2, the chain's get_block_emission_for_issuance literally, in I96F32:
 * TI >= 21e15 → 0; x = TI / (2.0 · 10.5e15) (checked_div); 1/(1 − x) (checked);
 * log2; floor; to u64 → k; multiplier = 2^k by k saturating doublings;
 * 1 / multiplier (saturating_div); · 1e9 (saturating_mul); to u64. */
uint64_t emission_for_issuance_fx(uint64_t ti);

/* T_k = ⌈21e15 · (1 − 2^−k)⌉: the smallest issuance at which k halvings are in
 * effect, for 0 <= k <= 32; UINT64_MAX for k > 32 (never reached). */
uint64_t emission_threshold(unsigned k);

/* The halving step in effect at issuance ti: min(k, 30), and 30 when
 * TI >= 21e15. Emission is emission_of_step(emission_halvings(ti)). */
unsigned emission_halvings(uint64_t ti);
/* 1e9 >> k for k < 30, else 0. */
uint64_t emission_of_step(unsigned k);
/* The step index of an emission rate (inverse of emission_of_step over
 * 0..30); 31 when `e` is no rate of the schedule. */
unsigned emission_step_of(uint64_t e);

/* §4.1: does block b run the root epoch (and re-evaluate the emission)? */
bool emission_is_root_epoch(uint64_t b);
/* The first root-epoch block strictly after b (UINT64_MAX if none fits u64). */
uint64_t emission_next_root_epoch(uint64_t b);

/* ---- TotalIssuance ledger (§3.2) ------------------------------------------ */

typedef enum emission_status {
    EMISSION_OK = 0,
    EMISSION_EOVERFLOW = 1,  /* the sum does not fit u64: nothing changed */
    EMISSION_EUNDERFLOW = 2, /* burning more than the issuance: nothing changed */
    EMISSION_EINVAL = 3      /* unknown operation */
} emission_status;

const char *emission_strerror(emission_status st);

/* issuance = TotalIssuance; minted and burned count what went in and out
 * (so issuance == initial + minted − burned whenever no SET happened). */
typedef struct emission_ledger {
    uint64_t issuance;
    uint64_t minted;
    uint64_t burned;
} emission_ledger;

/* The operations of §3.2 and what each does to TotalIssuance. */
typedef enum emission_op {
    EMISSION_OP_ROOT_EPOCH = 0,      /* PendingEmission accumulation: unchanged (a promise) */
    EMISSION_OP_OWNER_CUT,           /* subnet owner cut paid: + cut */
    EMISSION_OP_HOTKEY_DRAIN,        /* pending hotkey emission drained to stake: + amount */
    EMISSION_OP_BURNED_REGISTRATION, /* neuron registration burn (recycled): − burn */
    EMISSION_OP_TX_FEE,              /* transaction fee: − fee */
    EMISSION_OP_KEY_SWAP,            /* swap_hotkey / swap_coldkey: − KeySwapCost */
    EMISSION_OP_STAKE_MOVE,          /* add_stake / remove_stake: unchanged */
    EMISSION_OP_NETWORK_LOCK,        /* register_network lock: unchanged */
    EMISSION_OP_LOCK_REFUND,         /* subnet removal refund: unchanged */
    EMISSION_OP_UNSTAKE_ALL,         /* unstake on deregistration / root eviction: unchanged */
    EMISSION_OP_POW_REGISTRATION,    /* POW registration: unchanged */
    EMISSION_OP_RESYNC,              /* runtime upgrade re-sync or sudo set_total_issuance: := amount */
    EMISSION_OP_COUNT
} emission_op;

/* +1 raises TotalIssuance by the amount, −1 lowers it, 0 leaves it unchanged,
 * 2 sets it (RESYNC); 0 for an unknown op. */
int emission_op_effect(emission_op op);
const char *emission_op_name(emission_op op);

/* Checked: on error the ledger is unchanged. */
emission_status emission_ledger_mint(emission_ledger *l, uint64_t rao);
emission_status emission_ledger_burn(emission_ledger *l, uint64_t rao);
/* Burn at most the issuance ("never below 0"); returns the RAO actually
 * removed, or EMISSION_EOVERFLOW via *st when the burned counter would wrap. */
uint64_t emission_ledger_burn_clamped(emission_ledger *l, uint64_t rao, emission_status *st);
/* Apply one §3.2 operation. RESYNC sets the issuance and counts neither
 * minted nor burned. */
emission_status emission_ledger_apply(emission_ledger *l, emission_op op, uint64_t amount);

#endif
