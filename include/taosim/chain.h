/* chain.h -- the chain, block by block: subnets, neurons, accounts, the root
 * network and the calls that change them (subtensor v1.2.4 rules, pre-dTAO).
 *
 * What this room is for: it holds what the chain stores (per subnet its
 * hyperparameters and per-uid vectors; per hotkey its owner, take, stake per
 * coldkey and pending emission; per coldkey its free balance; the root
 * network's members and weights; TotalIssuance), applies the chain's own
 * acceptance rules to every extrinsic a user can make, in the chain's order
 * of checks, refusing with the chain's error name, and runs the per-block
 * pipeline of economics.md §4 (registration-term adjustment, root epoch,
 * pending-emission accumulation, the Yuma epochs with the owner cut, hotkey
 * emission drains). The consensus math is yuma.h, the economic formulas are
 * econ.h, block emission is emission.h; this room decides when they run and
 * writes their results back.
 *
 * Invariants:
 *   - Deterministic: subnets are kept in ascending netuid order, hotkeys and
 *     coldkeys in creation order (ids are stable, with name indexes sorted by
 *     bytes); within a block, drains run in ascending hotkey id; nothing
 *     iterates in hash or address order.
 *   - A refused call changes nothing. Every call either returns CHAIN_OK or
 *     leaves the state exactly as it was.
 *   - Conservation (economics.md §3.1): TotalIssuance == Σ free balances +
 *     Σ stake + Σ SubnetLocked, and TotalIssuance == endowed + minted −
 *     burned, after every call and every block. Emission is minted only where
 *     the chain mints it (owner cut, hotkey drain); what the chain never mints
 *     (§4.10: weight on root, registration-disabled subnets, tempo 0, floor
 *     remainders, epochs that return nothing) is never minted here either.
 *     chain_audit() recomputes every total from scratch; debug and test builds
 *     (no NDEBUG) check the running totals after every processed block.
 *   - Uids are dense 0..n-1 and n never shrinks; stored weight and bond
 *     destinations are always < n.
 *   - Explicit limits: at most CHAIN_MAX_SUBNETS subnets, YUMA_MAX_UIDS uids
 *     per subnet, CHAIN_MAX_HOTKEYS hotkeys and CHAIN_MAX_COLDKEYS coldkeys,
 *     names of at most CHAIN_HOTKEY_MAX - 1 printable bytes.
 *   - Never prints; a failure fills an io_err with a one-line detail (no
 *     file:line prefix: the caller knows where the call came from).
 *   - No floating point: RAO are u64 with checked arithmetic, fixed point
 *     comes from fx.h exactly as economics.md states.
 *
 * Accounts. Coldkeys hold free balances; hotkeys are owned by one coldkey
 * (Owner), created on their first registration with the caller as owner.
 * Coldkeys and hotkeys are two name spaces. Stake is Stake[hotkey][coldkey]
 * (u64) with the totals TotalHotkeyStake, TotalColdkeyStake and TotalStake;
 * it is global per hotkey, as on the pre-dTAO chain: one TotalHotkeyStake
 * seen on every subnet where the hotkey holds a uid and on root
 * (economics.md §8.1). Hotkeys created by the state-loading chain_register
 * are owned by the reserved coldkey CHAIN_COLDKEY_UNOWNED (name "").
 * Money enters only through chain_fund (a genesis endowment: balance and
 * TotalIssuance rise together) and through emission.
 *
 * Time. chain_advance_to(B) runs the per-block pipeline of every block up to
 * and including B (economics.md §4, §11 steps 1-5); the calls made after it
 * are that block's extrinsics (step 6). Blocks in which no adjustment, root
 * epoch, subnet epoch, drain or sampling point falls are not stepped: their
 * only effect (PendingEmission += EmissionValues, saturating) is applied in
 * aggregate, with the same result bit for bit. chain_set_block moves the
 * block without running anything (state loading only).
 *
 * Not modelled (see README "The chain model"): governance (senate,
 * triumvirate, sudo calls other than the parameter setters), transaction
 * fees, the existential deposit, childkeys (set_children, ChildkeyTake,
 * parent/child stake), key swaps, scheduled subnet dissolution,
 * commit-reveal, axon/prometheus serving, the POW work itself (a POW
 * registration is a cost model: the caller is assumed to have done the
 * expected Difficulty hashes).
 */
#ifndef TAOSIM_CHAIN_H
#define TAOSIM_CHAIN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "taosim/io.h"
#include "taosim/yuma.h"

#define CHAIN_MAX_SUBNETS 4096u
#define CHAIN_MAX_HOTKEYS (1u << 22)
#define CHAIN_MAX_COLDKEYS (1u << 22)
#define CHAIN_HOTKEY_MAX 64u /* bytes including the terminating NUL (hotkey and coldkey names) */
#define CHAIN_UID_AUTO UINT32_MAX /* chain_register: let the chain choose the uid */
#define CHAIN_NONE UINT32_MAX     /* "no account / no uid" in ids and event fields */
#define CHAIN_COLDKEY_UNOWNED 0u  /* owner of hotkeys created by chain_register (name "") */
#define CHAIN_TAKE_DEFAULT UINT32_MAX /* chain_become_delegate: the default take */
#define CHAIN_ROOT_NETUID 0u

/* Status of a call. CHAIN_OK, then taosim's own failures (the call cannot be
 * expressed on the chain: bad argument, limit, memory), then the chain's
 * errors, named exactly as the pallet's Error<T> variants (pallet_balances'
 * InsufficientBalance for transfers). New errors are appended at the end. */
#define CHAIN_ERRORS(X)                                                                 \
    X(CHAIN_OK, "Ok")                                                                   \
    X(CHAIN_EINVAL, "InvalidArgument")               /* taosim: argument not valid */   \
    X(CHAIN_ELIMIT, "TaosimLimitExceeded")           /* taosim: size limit */           \
    X(CHAIN_ENOMEM, "OutOfMemory")                   /* taosim: allocation failed */    \
    X(CHAIN_EEPOCH, "EpochFailed")                   /* taosim: yuma_epoch failed */    \
    X(CHAIN_EINVARIANT, "InvariantBroken")           /* taosim: a chain_audit failed */ \
    X(CHAIN_E_ROOT_WEIGHTS, "CanNotSetRootNetworkWeights")                              \
    X(CHAIN_E_WEIGHT_VEC_NOT_EQUAL_SIZE, "WeightVecNotEqualSize")                       \
    X(CHAIN_E_SUBNET_NOT_EXIST, "SubNetworkDoesNotExist")                               \
    X(CHAIN_E_UIDS_LENGTH_EXCEED, "UidsLengthExceedUidsInSubNet")                       \
    X(CHAIN_E_HOTKEY_NOT_REGISTERED, "HotKeyNotRegisteredInSubNet")                     \
    X(CHAIN_E_NOT_ENOUGH_STAKE_WEIGHTS, "NotEnoughStakeToSetWeights")                   \
    X(CHAIN_E_INCORRECT_VERSION_KEY, "IncorrectWeightVersionKey")                       \
    X(CHAIN_E_SETTING_WEIGHTS_TOO_FAST, "SettingWeightsTooFast")                        \
    X(CHAIN_E_NO_VALIDATOR_PERMIT, "NeuronNoValidatorPermit")                           \
    X(CHAIN_E_DUPLICATE_UIDS, "DuplicateUids")                                          \
    X(CHAIN_E_INVALID_UID, "UidVecContainInvalidOne")                                   \
    X(CHAIN_E_WEIGHT_VEC_LENGTH_LOW, "WeightVecLengthIsLow")                            \
    X(CHAIN_E_MAX_WEIGHT_EXCEEDED, "MaxWeightExceeded")                                 \
    X(CHAIN_E_REGISTRATION_ON_ROOT, "RegistrationNotPermittedOnRootSubnet")             \
    X(CHAIN_E_HOTKEY_ALREADY_REGISTERED, "HotKeyAlreadyRegisteredInSubNet")             \
    X(CHAIN_E_MAX_VALIDATORS_GT_MAX_UIDS, "MaxValidatorsLargerThanMaxUIds")             \
    X(CHAIN_E_MAX_UIDS_LT_CURRENT, "MaxAllowedUIdsLessThanCurrentUIds")                 \
    X(CHAIN_E_LIQUID_ALPHA_DISABLED, "LiquidAlphaDisabled")                             \
    X(CHAIN_E_ALPHA_HIGH_TOO_LOW, "AlphaHighTooLow")                                    \
    X(CHAIN_E_ALPHA_LOW_OUT_OF_RANGE, "AlphaLowOutOfRange")                             \
    X(CHAIN_E_REGISTRATION_DISABLED, "SubNetRegistrationDisabled")                      \
    X(CHAIN_E_TOO_MANY_REGS_BLOCK, "TooManyRegistrationsThisBlock")                     \
    X(CHAIN_E_TOO_MANY_REGS_INTERVAL, "TooManyRegistrationsThisInterval")               \
    X(CHAIN_E_NOT_ENOUGH_BALANCE, "NotEnoughBalanceToStake")                            \
    X(CHAIN_E_NON_ASSOCIATED_COLDKEY, "NonAssociatedColdKey")                           \
    X(CHAIN_E_NO_NEURON_ID, "NoNeuronIdAvailable")                                      \
    X(CHAIN_E_NETWORK_RATE_LIMIT, "NetworkTxRateLimitExceeded")                         \
    X(CHAIN_E_ALL_NETWORKS_IMMUNE, "AllNetworksInImmunity")                             \
    X(CHAIN_E_STAKE_TOO_LOW_FOR_ROOT, "StakeTooLowForRoot")                             \
    X(CHAIN_E_HOTKEY_NOT_EXIST, "HotKeyAccountNotExists")                               \
    X(CHAIN_E_NOT_DELEGATE_NOT_OWNER, "HotKeyNotDelegateAndSignerNotOwnHotKey")         \
    X(CHAIN_E_NOM_STAKE_BELOW_MIN, "NomStakeBelowMinimumThreshold")                     \
    X(CHAIN_E_STAKING_RATE_LIMIT, "StakingRateLimitExceeded")                           \
    X(CHAIN_E_STAKE_TO_WITHDRAW_ZERO, "StakeToWithdrawIsZero")                          \
    X(CHAIN_E_NOT_ENOUGH_STAKE_TO_WITHDRAW, "NotEnoughStakeToWithdraw")                 \
    X(CHAIN_E_HOTKEY_ALREADY_DELEGATE, "HotKeyAlreadyDelegate")                         \
    X(CHAIN_E_DELEGATE_TX_RATE_LIMIT, "DelegateTxRateLimitExceeded")                    \
    X(CHAIN_E_DELEGATE_TAKE_TOO_LOW, "DelegateTakeTooLow")                              \
    X(CHAIN_E_DELEGATE_TAKE_TOO_HIGH, "DelegateTakeTooHigh")                            \
    X(CHAIN_E_NOT_ROOT_SUBNET, "NotRootSubnet")                                         \
    X(CHAIN_E_INSUFFICIENT_BALANCE, "InsufficientBalance")

#define CHAIN_ENUM_(code, name) code,
typedef enum chain_err { CHAIN_ERRORS(CHAIN_ENUM_) CHAIN_ERR_COUNT } chain_err;
#undef CHAIN_ENUM_

/* The error's name ("SettingWeightsTooFast", "InvalidArgument", ...). */
const char *chain_strerror(chain_err e);
/* True for the chain's own errors (a refusal the chain would give), false for
 * CHAIN_OK and taosim's failures. */
bool chain_err_is_refusal(chain_err e);

/* Per-subnet hyperparameters, in chain units. The epoch's own ones live in
 * `yuma` (kappa, bonds_moving_average, activity_cutoff, max_allowed_validators,
 * liquid alpha, version). Settable by key with chain_set_hparam. */
typedef struct chain_hparams {
    yuma_params yuma;
    uint16_t tempo;
    uint16_t min_allowed_weights;
    uint16_t max_weight_limit;
    uint64_t weights_set_rate_limit;
    uint64_t weights_version;
    uint16_t immunity_period;
    uint16_t max_allowed_uids;
    bool bonds_reset_enabled;                 /* BondsResetOn: gates chain_reset_bonds (yuma3.md §2.12) */
    /* registration terms and the rest of economics.md §9.1 */
    uint16_t rho;                             /* root epoch only (netuid 0) */
    uint16_t target_registrations_per_interval;
    uint16_t adjustment_interval;
    uint64_t adjustment_alpha;                /* u64 proportion of 2^64 - 1 */
    uint16_t max_registrations_per_block;
    uint64_t min_burn, max_burn;              /* RAO */
    uint64_t min_difficulty, max_difficulty;
    bool registration_allowed;                /* NetworkRegistrationAllowed */
    bool pow_registration_allowed;            /* NetworkPowRegistrationAllowed */
    uint64_t network_max_stake;               /* caps a uid's epoch stake (RAO) */
} chain_hparams;

/* What init_new_network writes for a user subnet over the finney-v1.2.4
 * storage defaults (yuma-epoch.md §9 "new subnet" column, economics.md §6.1
 * step 5): tempo 360, kappa 32767, bonds_moving_average 900000,
 * activity_cutoff 5000, max_allowed_validators 64, max_allowed_uids 256,
 * immunity_period 5000, min_allowed_weights 1, max_weight_limit 65535,
 * weights_set_rate_limit 100, weights_version 0, liquid alpha off with
 * (45875, 58982), Yuma v2 (for Yuma 3: bonds_penalty 65535,
 * alpha_sigmoid_steepness 1000, bonds reset and the sigmoid clamp off);
 * rho 10, target_registrations_per_interval 1, adjustment_interval 360,
 * adjustment_alpha 17893341751498265066, max_registrations_per_block 1,
 * min_burn 1, max_burn 100e9, min_difficulty = max_difficulty = 2^64-1,
 * registration allowed, POW not allowed, network_max_stake 2^64-1. */
chain_hparams chain_hparams_new_subnet(void);

/* A stored sparse row (weights or bonds): entries in stored order. On the
 * root network a weight entry's col is a netuid. */
typedef struct chain_row {
    yuma_entry *ent;
    uint32_t len, cap;
} chain_row;

/* One subnet, struct-of-arrays like the chain's storage (one vector per
 * storage item, indexed by uid). Read-only outside the chain room; pointers
 * stay valid until the next call that changes this subnet. The root network
 * (netuid 0) is a chain_subnet too: its uids are the root members, its weight
 * rows point at netuids; its per-uid epoch vectors stay 0. */
typedef struct chain_subnet {
    uint16_t netuid;
    chain_hparams hp;
    uint32_t n;   /* SubnetworkN */
    uint32_t cap; /* allocated slots */
    uint32_t *hotkey; /* Keys: hotkey id (chain_hotkey_name) */
    uint64_t *block_at_registration, *last_update;
    bool *active, *permit; /* Active, ValidatorPermit */
    uint16_t *stake_weight, *rank, *trust, *consensus, *incentive, *dividends, *validator_trust;
    uint16_t *pruning_score;
    uint64_t *emission;                          /* Emission (stored, combined) */
    uint64_t *server_emission, *validator_emission; /* returned by the last epoch */
    uint64_t *epoch_stake;                       /* stake the last epoch saw (RAO) */
    chain_row *weights, *bonds;
    /* subnet state of economics.md §4-§7 */
    uint32_t owner;                 /* SubnetOwner coldkey id; CHAIN_NONE if unset (no owner cut) */
    uint64_t registered_at;         /* NetworkRegisteredAt */
    uint64_t locked;                /* SubnetLocked (RAO) */
    uint64_t emission_value;        /* EmissionValues: RAO per block, set by the root epoch */
    uint64_t burn, difficulty;      /* current registration price / POW difficulty */
    uint64_t last_adjustment_block; /* LastAdjustmentBlock */
    uint16_t regs_this_interval, pow_regs_this_interval, burn_regs_this_interval;
    uint16_t regs_this_block;       /* RegistrationsThisBlock, valid while regs_block == block */
    uint64_t regs_block;
    uint64_t rao_recycled;          /* RAORecycledForRegistration (bookkeeping) */
    uint64_t last_epoch_block;      /* block of the last epoch (LastMechansimStepBlock), or of the
                                       subnet's creation before its first: BlocksSinceLastStep */
    uint64_t pending_base, pending_block; /* internal: read chain_pending_emission() */
    bool has_owner_hotkey;          /* SubnetOwnerHotkey is set (chain_set_owner; Yuma 3's owner exceptions) */
    uint32_t owner_hotkey;          /* its hotkey id; the owner's uid is looked up at each epoch */
} chain_subnet;

typedef struct chain chain; /* opaque */

/* ---- creation, presets, global parameters -------------------------------- */

/* Presets: the parameter sets a chain starts from (economics.md §9).
 *   "finney-v1.2.4"  the production runtime of v1.2.4 (the default; for keys
 *                    whose pallet default forwards to a Config constant the
 *                    code default *is* this runtime value)
 *   "mock-v1.2.4"    the pallet's unit-test runtime (tests/mock.rs), to read
 *                    the chain's own test vectors
 * A preset fixes the global parameters and the storage defaults a subnet sees
 * for keys init_new_network does not write (kappa, rho, burn, max_burn,
 * difficulty, max_registrations_per_block, ...). */
size_t chain_preset_count(void);
const char *chain_preset_name(size_t i);

/* A new chain at block 0 with the finney-v1.2.4 preset: the root network
 * (netuid 0, as migrate_create_root_network leaves it) and no subnet,
 * account or issuance. NULL when out of memory. */
chain *chain_new(void);
/* The same with a named preset; NULL with *err (unknown name: the valid ones
 * are listed) or when out of memory. */
chain *chain_new_preset(const char *preset, io_err *err);
void chain_free(chain *c);

/* Global parameters (economics.md §9.2), by key, in chain units:
 *   subnet_owner_cut (u16 prop) 11796    subnet_limit 12
 *   network_immunity_period 50400        network_min_lock_cost 1e12 RAO
 *   network_last_lock_cost 1e12 RAO      network_lock_reduction_interval 100800
 *   network_rate_limit 7200              network_last_registered 0
 *   hotkey_emission_tempo 7200           default_delegate_take 11796
 *   max_delegate_take 11796              min_delegate_take 0
 *   tx_rate_limit 1000                   tx_delegate_take_rate_limit 216000
 *   target_stakes_per_interval 1         stake_interval 360
 *   stake_threshold 0                    nominator_min_required_stake 0
 *   removal_keeps_pending 1              removal_keeps_params 1
 *   stale_network_member 1
 * (finney-v1.2.4 values shown). The last three are the quirks of
 * economics.md §4.11/§6.5/§12.4-5, 1 = the chain's behaviour:
 *   removal_keeps_pending  a removed subnet's PendingEmission is kept and
 *                          inherited by the next subnet on that netuid
 *   removal_keeps_params   Burn, MaxBurn, LastAdjustmentBlock and the other
 *                          keys remove_network leaves are inherited likewise
 *                          (0: the netuid starts from the preset)
 *   stale_network_member   IsNetworkMember entries survive subnet removal, so
 *                          a hotkey whose subnet was removed still counts as
 *                          registered somewhere (no unstake-all on a later
 *                          replacement). */
size_t chain_global_count(void);
const char *chain_global_name(size_t i);
void chain_global_list(char *buf, size_t n);
/* CHAIN_EINVAL for an unknown key (err lists the valid ones, or says that a
 * per-subnet hparam key needs a netuid) or a value out of the key's range
 * (err says the range). */
chain_err chain_set_global(chain *c, const char *key, uint64_t value, io_err *err);
chain_err chain_get_global(const chain *c, const char *key, uint64_t *value);

/* StakeThreshold, the global minimum stake for set_weights (default 0); in a
 * Yuma 3 epoch smaller stakes also count as 0 (yuma3.md §2.2). The same as
 * chain_set_global(c, "stake_threshold", rao). */
void chain_set_stake_threshold(chain *c, uint64_t rao);

/* ---- time ------------------------------------------------------------------ */

/* The current block: the last block whose pipeline ran (or was set). */
uint64_t chain_block(const chain *c);

/* State loading: move the block forward without running any pipeline
 * (CHAIN_EINVAL if it would go back). */
chain_err chain_set_block(chain *c, uint64_t block, io_err *err);

/* Run the per-block pipeline of blocks chain_block()+1 .. block (economics.md
 * §4), idle stretches in aggregate, calling the observer for what happens.
 * block == chain_block() does nothing; CHAIN_EINVAL if block is before it.
 * Fails only outside the chain's rules (CHAIN_ENOMEM, CHAIN_EEPOCH: the
 * chain is then left at the failing block with that block partly run). */
chain_err chain_advance_to(chain *c, uint64_t block, io_err *err);

/* The first block after chain_block() at which the pipeline does more than
 * accumulate pending emission (an adjustment, root epoch, subnet epoch or
 * drain), or UINT64_MAX if none. Advancing to any block before it is O(1)
 * in the number of blocks. */
uint64_t chain_next_busy_block(const chain *c);

/* ---- observing the pipeline -------------------------------------------------- */

typedef enum chain_event_kind {
    CHAIN_EV_ADJUST = 0,       /* netuid's burn/difficulty adjusted: amount = new burn, amount2 = new difficulty */
    CHAIN_EV_ROOT_EPOCH,       /* root epoch: amount = block emission, amount2 = Σ EmissionValues;
                                  uid = 0 ok, 1 failed (EmissionValues kept) */
    CHAIN_EV_EPOCH,            /* netuid ran its epoch: amount = E distributed (after the cut),
                                  amount2 = owner cut minted to coldkey; the subnet's per-uid
                                  vectors hold the outputs (server/validator_emission, ...) */
    CHAIN_EV_DRAIN,            /* hotkey drained: amount = pending P minted as stake, amount2 = its
                                  untouchable part; coldkey = owner */
    CHAIN_EV_SUBNET_ADDED,     /* netuid registered: coldkey = owner, amount = lock paid */
    CHAIN_EV_SUBNET_REMOVED,   /* netuid pruned by a registration: coldkey = old owner, amount = lock refunded */
    CHAIN_EV_NEURON_ADDED,     /* hotkey took uid on netuid (root included): amount = burn paid,
                                  other = the replaced hotkey or CHAIN_NONE */
    CHAIN_EV_UNSTAKE_ALL,      /* hotkey left its last network: amount = stake returned to balances */
    CHAIN_EV_COUNT
} chain_event_kind;

typedef struct chain_event {
    chain_event_kind kind;
    uint64_t block;
    uint16_t netuid;
    uint32_t uid;     /* CHAIN_NONE if not about a uid */
    uint32_t hotkey;  /* hotkey id or CHAIN_NONE */
    uint32_t other;   /* a second hotkey id or CHAIN_NONE */
    uint32_t coldkey; /* coldkey id or CHAIN_NONE */
    uint64_t amount, amount2;
} chain_event;

const char *chain_event_name(chain_event_kind k);

/* Called synchronously when the event has happened (state already updated).
 * The observer may read the chain but must not change it. NULL: none. */
typedef void (*chain_observer)(void *ctx, const chain *c, const chain_event *ev);
void chain_set_observer(chain *c, chain_observer fn, void *ctx);

/* ---- the ledger ----------------------------------------------------------------- */

typedef struct chain_totals {
    uint64_t issuance;  /* TotalIssuance */
    uint64_t balances;  /* Σ free balances */
    uint64_t stake;     /* TotalStake */
    uint64_t locked;    /* Σ SubnetLocked */
    uint64_t endowed;   /* Σ chain_fund */
    uint64_t minted;    /* owner cuts + drains */
    uint64_t burned;    /* registration burns */
    uint64_t unbacked;  /* stake drains credited beyond the pending amount (economics.md §4.9: a
                           nominator's stake delta larger than its stake makes Σ credits exceed P;
                           the chain's TotalIssuance rises by P only). 0 in every normal run. */
    uint64_t block_emission; /* BlockEmission: the last value the root epoch evaluated (default 1e9) */
} chain_totals;

void chain_get_totals(const chain *c, chain_totals *t);
uint64_t chain_issuance(const chain *c);
uint64_t chain_block_emission(const chain *c);
/* Recompute every total from the accounts and subnets and check the
 * invariants of this header (conservation: TotalIssuance + unbacked ==
 * balances + stake + locked; TotalHotkeyStake = Σ stake entries, ...).
 * 0, or -1 with *err saying which broke. */
int chain_audit(const chain *c, io_err *err);
/* How much chain_advance_to checks after every processed block: 0 nothing,
 * 1 the running totals (O(1); the default unless built with NDEBUG),
 * 2 chain_audit (O(accounts); tests and replays). A failed check stops the
 * advance with CHAIN_EINVARIANT. */
void chain_set_audit(chain *c, int level);

/* ---- subnets --------------------------------------------------------------------- */

/* State loading: create subnet `netuid` as the test harness's add_network
 * does (init_new_network with chain_hparams_new_subnet(), registration
 * allowed, no owner, no lock), registered at the current block. CHAIN_EINVAL
 * for netuid 0 or an existing netuid, CHAIN_ELIMIT beyond CHAIN_MAX_SUBNETS. */
chain_err chain_subnet_add(chain *c, uint16_t netuid, io_err *err);
/* NULL if the subnet does not exist; netuid 0 is the root network. */
const chain_subnet *chain_subnet_get(const chain *c, uint16_t netuid);
/* User subnets (root excluded) in ascending netuid order: i in 0..count-1. */
uint32_t chain_subnet_count(const chain *c);
const chain_subnet *chain_subnet_at(const chain *c, uint32_t i);
/* PendingEmission[netuid] at the current block (0 for unknown netuids). */
uint64_t chain_pending_emission(const chain *c, uint16_t netuid);
/* BlocksSinceLastStep[netuid]. */
uint64_t chain_blocks_since_last_step(const chain *c, uint16_t netuid);
/* get_network_lock_cost() at the current block (economics.md §6.2). */
uint64_t chain_lock_cost(const chain *c);

/* ---- hyperparameters ------------------------------------------------------ */

/* The settable per-subnet keys, in table order: kappa, bonds_moving_average,
 * activity_cutoff, max_allowed_validators, max_allowed_uids,
 * liquid_alpha_enabled, alpha_low, alpha_high, tempo, min_allowed_weights,
 * max_weight_limit, weights_set_rate_limit, weights_version, immunity_period,
 * yuma_version, bonds_penalty, alpha_sigmoid_steepness, bonds_reset_enabled,
 * yuma3_sigmoid_clamp, incentive_wta (NOT a chain rule: the opt-in
 * server-side winner-takes-all of yuma.h, 0 by default), then rho, target_registrations_per_interval,
 * adjustment_interval, adjustment_alpha, max_registrations_per_block,
 * min_burn, max_burn, min_difficulty, max_difficulty,
 * network_registration_allowed, network_pow_registration_allowed,
 * network_max_stake, burn, difficulty, emission_value (the last three are
 * state: Burn, Difficulty, EmissionValues, for loading snapshots).
 * The global parameters (chain_set_global, stake_threshold among them) are
 * not among these: chain_set_hparam refuses one as chain-wide.
 *
 * yuma_version 2 runs the v1.2.4 epoch, 3 the Yuma 3 epoch of v3.2.7
 * (sudo_set_yuma3_enabled). Switching, at any block, changes only the flag,
 * as on the chain: the stored bond rows stay and are read by the new variant
 * in its own scale (v1.2.4 stores column-max-upscaled bonds, Yuma 3 reads
 * stored bonds as proportions b/65535, so switching to 3 turns each column's
 * largest bond into a full bond 1.0; switching to 2 is scale-free, the
 * v1.2.4 epoch column-normalises; yuma3.md §2.10.6).
 *
 * alpha_low / alpha_high: each row is one do_set_alpha_values call with the
 * other value as stored, checked with the bounds of the subnet's variant at
 * that moment: v1.2.4 alpha_high >= 52428 and 0 < alpha_low < 52428; v3.2.7
 * alpha_high >= 1638 and 1638 <= alpha_low <= alpha_high (yuma3.md §3).
 * alpha_sigmoid_steepness is signed (i16): set it with chain_set_hparam_i64
 * (chain_set_hparam takes its two's complement). */
size_t chain_hparam_count(void);
const char *chain_hparam_name(size_t i);
/* "kappa, bonds_moving_average, ..." into buf (truncated to n bytes). */
void chain_hparam_list(char *buf, size_t n);

/* Set hyperparameter `key` of `netuid` (0 = root) to `value` as the chain's
 * admin setter does (called by root). Returns CHAIN_EINVAL for an unknown key
 * or a value outside the storage type's range (err names the valid keys /
 * the range), CHAIN_E_SUBNET_NOT_EXIST, or the setter's own refusal
 * (MaxValidatorsLargerThanMaxUIds, MaxAllowedUIdsLessThanCurrentUIds,
 * LiquidAlphaDisabled, AlphaHighTooLow, AlphaLowOutOfRange) with the reason. */
chain_err chain_set_hparam(chain *c, uint16_t netuid, const char *key, uint64_t value, io_err *err);
chain_err chain_get_hparam(const chain *c, uint16_t netuid, const char *key, uint64_t *value);
/* Whether a per-subnet key's chain type is signed (alpha_sigmoid_steepness). */
bool chain_hparam_signed(const char *key);
/* The same for a signed value: CHAIN_EINVAL for a negative value of an
 * unsigned key. chain_get_hparam_i64 reads a signed key back. */
chain_err chain_set_hparam_i64(chain *c, uint16_t netuid, const char *key, int64_t value, io_err *err);
chain_err chain_get_hparam_i64(const chain *c, uint16_t netuid, const char *key, int64_t *value);

/* ---- accounts ----------------------------------------------------------------- */

/* Ids are indexes in creation order; -1 / CHAIN_NONE when unknown. */
uint32_t chain_hotkey_count(const chain *c);
uint32_t chain_coldkey_count(const chain *c);
int64_t chain_hotkey_id(const chain *c, const char *hotkey);
int64_t chain_coldkey_id(const chain *c, const char *coldkey);
/* Name of hotkey id `id` (ids come from chain_subnet.hotkey), NULL if none. */
const char *chain_hotkey_name(const chain *c, uint32_t id);
const char *chain_coldkey_name(const chain *c, uint32_t id);

/* Free balance of a coldkey (0 if unknown); TotalColdkeyStake. */
uint64_t chain_balance(const chain *c, const char *coldkey);
uint64_t chain_coldkey_stake(const chain *c, const char *coldkey);
/* TotalHotkeyStake of the named hotkey; 0 if unknown. */
uint64_t chain_hotkey_stake(const chain *c, const char *hotkey);
/* The same by id (no name lookup; for callers holding ids): 0 for an
 * unknown id. */
uint64_t chain_balance_of(const chain *c, uint32_t coldkey);
uint64_t chain_hotkey_stake_of(const chain *c, uint32_t hotkey);
uint64_t chain_stake_of(const chain *c, uint32_t hotkey, uint32_t coldkey);
/* Stake[hotkey][coldkey]; 0 if either is unknown. */
uint64_t chain_stake(const chain *c, const char *hotkey, const char *coldkey);

/* What the chain stores for one hotkey. */
typedef struct chain_hotkey_view {
    const char *name;
    uint32_t owner;        /* coldkey id */
    bool is_delegate;      /* Delegates contains the key */
    uint16_t take;         /* Delegates[h] (ValueQuery: the default take when not a delegate) */
    uint64_t stake;        /* TotalHotkeyStake */
    uint64_t pending, untouchable; /* PendingdHotkeyEmission(Untouchable) */
    uint64_t drain_phase;  /* hash64(h) (economics.md §4.8) */
    uint64_t last_drain;   /* LastHotkeyEmissionDrain */
    uint32_t nstakers;     /* stake entries (coldkeys), see chain_hotkey_staker */
    uint32_t networks;     /* uids held, root included */
} chain_hotkey_view;
/* CHAIN_EINVAL for an unknown id. */
chain_err chain_hotkey_get(const chain *c, uint32_t id, chain_hotkey_view *v);
/* The i-th stake entry of hotkey `id` (in the order the entries were made):
 * coldkey id and Stake[h][cold]; CHAIN_EINVAL past the end. */
chain_err chain_hotkey_staker(const chain *c, uint32_t id, uint32_t i, uint32_t *coldkey, uint64_t *stake);

/* The 32-byte account id taosim gives a hotkey name, from which the drain
 * phase hash64 comes: a name that is a decimal integer < 2^64 is that
 * integer as a little-endian U256 (the test harness's accounts, so the
 * chain's vectors reproduce); any other name is keccak-256 of its bytes. */
void chain_account_id(const char *name, uint8_t out[32]);

/* Genesis endowment (or sudo set_balance adding funds): coldkey's free
 * balance and TotalIssuance rise by amount; creates the coldkey. CHAIN_EINVAL
 * for a bad name or if TotalIssuance would exceed 2^64 - 1. */
chain_err chain_fund(chain *c, const char *coldkey, uint64_t amount, io_err *err);
/* Balances::transfer (no fee, no existential deposit): InsufficientBalance;
 * creates `to`. */
chain_err chain_transfer(chain *c, const char *from, const char *to, uint64_t amount, io_err *err);

/* ---- extrinsics ------------------------------------------------------------------ */
/* Every extrinsic is signed by `coldkey` (a coldkey name, created with a zero
 * balance if new) unless stated, runs the chain's checks in the chain's order
 * and either applies completely or refuses with the chain's error and
 * changes nothing. Names must be 1..CHAIN_HOTKEY_MAX-1 printable bytes
 * (CHAIN_EINVAL otherwise). */

/* register_network (economics.md §6.1): NetworkTxRateLimitExceeded,
 * NotEnoughBalanceToStake (balance < chain_lock_cost()), then the netuid:
 * the smallest free one while fewer than SubnetLimit user subnets exist,
 * else the one get_subnet_to_prune chooses (AllNetworksInImmunity if none),
 * removed first with its lock refunded to its owner. The lock moves from the
 * balance to SubnetLocked; init_new_network; owner = coldkey. *netuid_out
 * (may be NULL) gets the netuid. (The v1.2.4 extrinsic takes no hotkey.) */
chain_err chain_register_network(chain *c, const char *coldkey, uint16_t *netuid_out, io_err *err);

/* burned_register (economics.md §7.1): RegistrationNotPermittedOnRootSubnet,
 * SubNetworkDoesNotExist, SubNetRegistrationDisabled,
 * TooManyRegistrationsThisBlock, TooManyRegistrationsThisInterval,
 * HotKeyAlreadyRegisteredInSubNet, NotEnoughBalanceToStake,
 * NonAssociatedColdKey (the hotkey exists with another owner),
 * NoNeuronIdAvailable (max_allowed_uids 0). The burn leaves the balance and
 * TotalIssuance; append, or replace the uid get_neuron_to_prune chooses
 * (§7.5, §7.6). *uid_out (may be NULL) gets the uid. */
chain_err chain_burned_register(chain *c, const char *coldkey, uint16_t netuid, const char *hotkey,
                                uint32_t *uid_out, io_err *err);

/* register (POW, economics.md §7.2) as a cost model: the same checks with
 * NetworkPowRegistrationAllowed instead of NetworkRegistrationAllowed and no
 * balance check; the work is assumed valid (its expected cost is the
 * subnet's difficulty in hashes). Free: no TAO moves. */
chain_err chain_pow_register(chain *c, const char *coldkey, uint16_t netuid, const char *hotkey, uint32_t *uid_out,
                             io_err *err);

/* root_register (economics.md §5.2): TooManyRegistrationsThisBlock,
 * TooManyRegistrationsThisInterval (root's counters),
 * HotKeyAlreadyRegisteredInSubNet (the v1.2.4 code does not check who owns
 * an existing hotkey; a new one is owned by the caller); appends while fewer
 * than root's max_allowed_uids (64) members, else replaces the member with the
 * lowest TotalHotkeyStake (lowest uid among equals) if the newcomer's stake is
 * strictly greater (StakeTooLowForRoot otherwise); the hotkey becomes a
 * delegate with the default take if it is not one. */
chain_err chain_root_register(chain *c, const char *coldkey, const char *hotkey, uint32_t *uid_out, io_err *err);

/* set_root_weights(netuid 0, hotkey, netuids, values, version_key) signed by
 * the hotkey's owner (root.rs do_set_root_weights order):
 * HotKeyAccountNotExists, NonAssociatedColdKey, NotRootSubnet (netuid != 0),
 * WeightVecNotEqualSize, UidVecContainInvalidOne (a netuid that does not
 * exist; 0 is allowed), HotKeyNotRegisteredInSubNet,
 * NotEnoughStakeToSetWeights, IncorrectWeightVersionKey,
 * SettingWeightsTooFast, DuplicateUids, WeightVecLengthIsLow,
 * MaxWeightExceeded; stored max-upscaled in the caller's order. */
chain_err chain_set_root_weights(chain *c, const char *coldkey, uint16_t netuid, const char *hotkey,
                                 const uint16_t *netuids, size_t nnetuids, const uint16_t *vals, size_t nvals,
                                 uint64_t version_key, io_err *err);

/* add_stake (economics.md §8.2): NotEnoughBalanceToStake,
 * HotKeyAccountNotExists, HotKeyNotDelegateAndSignerNotOwnHotKey,
 * NomStakeBelowMinimumThreshold, StakingRateLimitExceeded. Balance -> stake,
 * StakeDeltaSinceLastEmissionDrain += amount, LastTxBlock = block. */
chain_err chain_add_stake(chain *c, const char *coldkey, const char *hotkey, uint64_t amount, io_err *err);
/* remove_stake: HotKeyAccountNotExists, HotKeyNotDelegateAndSignerNotOwnHotKey,
 * StakeToWithdrawIsZero, NotEnoughStakeToWithdraw, StakingRateLimitExceeded.
 * Stake -> balance, delta -= amount; a non-owner nomination left below
 * NominatorMinRequiredStake is removed entirely and refunded. */
chain_err chain_remove_stake(chain *c, const char *coldkey, const char *hotkey, uint64_t amount, io_err *err);

/* become_delegate (economics.md §8.3): HotKeyAccountNotExists,
 * NonAssociatedColdKey, HotKeyAlreadyDelegate, DelegateTxRateLimitExceeded
 * (TxRateLimit since the coldkey's last stake/delegate transaction),
 * DelegateTakeTooLow, DelegateTakeTooHigh. take: a u16 or
 * CHAIN_TAKE_DEFAULT (default_delegate_take, what the extrinsic passes). */
chain_err chain_become_delegate(chain *c, const char *coldkey, const char *hotkey, uint32_t take, io_err *err);
/* decrease_take: HotKeyAccountNotExists, NonAssociatedColdKey,
 * DelegateTakeTooLow (not below the current take, or below min); immediate. */
chain_err chain_decrease_take(chain *c, const char *coldkey, const char *hotkey, uint16_t take, io_err *err);
/* increase_take: HotKeyAccountNotExists, NonAssociatedColdKey,
 * DelegateTakeTooLow (not above the current take), DelegateTakeTooHigh,
 * DelegateTxRateLimitExceeded (TxDelegateTakeRateLimit). */
chain_err chain_increase_take(chain *c, const char *coldkey, const char *hotkey, uint16_t take, io_err *err);

/* set_weights(netuid, dests, vals, version_key) signed by `hotkey` (NULL: an
 * account that holds no uid) at the current block, commit-reveal off. The
 * chain's checks in its order (yuma-epoch.md §2.3, weights.rs do_set_weights):
 * CanNotSetRootNetworkWeights, WeightVecNotEqualSize, SubNetworkDoesNotExist,
 * UidsLengthExceedUidsInSubNet, HotKeyNotRegisteredInSubNet,
 * NotEnoughStakeToSetWeights, IncorrectWeightVersionKey,
 * SettingWeightsTooFast, NeuronNoValidatorPermit, DuplicateUids,
 * UidVecContainInvalidOne, WeightVecLengthIsLow, then max-upscale
 * (chain_max_upscale_u16), MaxWeightExceeded; then the row is stored in the
 * caller's order and LastUpdate = block. */
chain_err chain_set_weights(chain *c, uint16_t netuid, const char *hotkey, const uint16_t *dests, size_t ndests,
                            const uint16_t *vals, size_t nvals, uint64_t version_key, io_err *err);

/* vec_u16_max_upscale_to_u16 (yuma-epoch.md §3.12): out[i] for in[0..n). */
void chain_max_upscale_u16(const uint16_t *in, size_t n, uint16_t *out);
/* check_vec_max_limited: max of the normalised vector <= limit/65535. */
bool chain_vec_max_limited(const uint16_t *w, size_t n, uint16_t limit);

/* ---- state loading (snapshots, consensus regression) ------------------------- */

/* Register `hotkey` on `netuid` at the current block without any cost, limit
 * or counter (state loading; the hotkey is owned by CHAIN_COLDKEY_UNOWNED
 * when new).
 *   uid == CHAIN_UID_AUTO: as burned_register (economics.md §7.1 step 3):
 *     append while n < max_allowed_uids, else replace the uid chosen by
 *     get_neuron_to_prune (§7.5, whose PruningScore becomes 65535);
 *   uid < n: replace that neuron (state loading: replace_neuron, §7.6);
 *   uid == n: append (CHAIN_EINVAL if the subnet is full);
 *   uid > n: CHAIN_EINVAL.
 * Append: Active true, LastUpdate = BlockAtRegistration = block, everything
 * else 0 / empty. replace_neuron: the new hotkey takes the uid with
 * BlockAtRegistration = block and Active true; the old hotkey leaves and, if
 * it is registered nowhere else, is unstaked (every stake entry returns to
 * its coldkey's balance); everything else (Rank, ..., ValidatorPermit,
 * LastUpdate, Weights and Bonds rows) is kept; on a yuma_version 3 subnet the
 * uid's Bonds row is cleared, as replace_neuron does at v3.2.7 (clear_neuron).
 * Chain refusals, in order: RegistrationNotPermittedOnRootSubnet,
 * SubNetworkDoesNotExist, HotKeyAlreadyRegisteredInSubNet. *uid_out (may be
 * NULL) gets the uid. */
chain_err chain_register(chain *c, uint16_t netuid, const char *hotkey, uint32_t uid, uint32_t *uid_out,
                         io_err *err);

/* The same as chain_register with uid == CHAIN_UID_AUTO (state loading: no
 * cost, limit or counter), but a new hotkey is owned by `coldkey` (created
 * if new), so that its owner can stake to it and make it a delegate.
 * NonAssociatedColdKey if the hotkey exists with another owner. */
chain_err chain_register_owned(chain *c, uint16_t netuid, const char *coldkey, const char *hotkey, uint32_t *uid_out,
                               io_err *err);

/* Set TotalHotkeyStake of a known hotkey by setting its owner's stake entry
 * (CHAIN_EINVAL if the hotkey is unknown or rao is below the other
 * coldkeys' stake on it). State loading: TotalIssuance moves by the same
 * delta (as a genesis endowment), the delta does not count as "added since
 * the last drain". */
chain_err chain_set_stake(chain *c, const char *hotkey, uint64_t rao, io_err *err);
/* The stake uid `uid` of `netuid` has in the epoch (yuma-epoch.md §2.1:
 * TotalHotkeyStake capped at network_max_stake; no childkeys). */
uint64_t chain_uid_stake(const chain *c, const chain_subnet *s, uint32_t uid);
/* Hotkey name at (netuid, uid), or NULL if that uid is not occupied. */
const char *chain_uid_hotkey(const chain *c, uint16_t netuid, uint32_t uid);

/* Overwrite the stored bond row of (netuid, uid) (loading a snapshot):
 * CHAIN_EINVAL if the subnet or uid does not exist, a destination is >= n or
 * repeated. Stored in the order given: with Liquid Alpha 2 the order of a row
 * changes the numbers (yuma3.md §2.14 Q3, Q4); the v1.2.4 epoch ignores it. */
chain_err chain_set_bonds(chain *c, uint16_t netuid, uint32_t uid, const uint16_t *dests, const uint16_t *vals,
                          size_t len, io_err *err);

/* SubnetOwnerHotkey of `netuid` := the hotkey at `uid` (CHAIN_EINVAL if the
 * subnet or uid does not exist). A Yuma 3 epoch keeps the self-weight of the
 * uid that hotkey holds then, if any (yuma3.md §2.5). */
chain_err chain_set_owner(chain *c, uint16_t netuid, uint32_t uid, io_err *err);

/* do_reset_bonds (yuma3.md §2.12): the hotkey at (netuid, uid) commits a
 * bonds reset. If bonds_reset_enabled, every stored bond row of the subnet
 * loses its entries towards uid (the uid's own row is untouched); otherwise
 * nothing happens. CHAIN_EINVAL if the subnet or uid does not exist. */
chain_err chain_reset_bonds(chain *c, uint16_t netuid, uint32_t uid, io_err *err);

/* Run the Yuma epoch of `netuid` at the current block distributing `rao`,
 * and write its outputs back (yuma-epoch.md §4.16; bond rows per
 * KEEP/CLEAR/SET). Nothing is minted or credited (a test hook; the pipeline's
 * epochs go through chain_advance_to). CHAIN_EINVAL if the subnet does not
 * exist or is root; CHAIN_EEPOCH (err says why) if yuma_epoch fails, state
 * unchanged. */
chain_err chain_run_epoch(chain *c, uint16_t netuid, uint64_t rao, io_err *err);

#endif
