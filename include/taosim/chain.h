/* chain.h -- the chain's state: subnets, neurons, hotkeys, and the calls that
 * change them (subtensor v1.2.4 rules, pre-dTAO).
 *
 * What this room is for: it holds what the chain stores (per subnet its
 * hyperparameters and per-uid vectors, per hotkey its stake) and applies the
 * chain's own acceptance rules to the calls a user can make (register,
 * set_weights, ...), in the chain's order of checks, refusing with the chain's
 * error name. The consensus math itself is yuma.h; the economic formulas are
 * econ.h; this room decides when they run and writes their results back.
 *
 * Invariants:
 *   - Deterministic: subnets are kept in ascending netuid order, hotkeys in
 *     creation order (with a name index sorted by bytes); nothing iterates in
 *     hash or address order.
 *   - A refused call changes nothing. Every call either returns CHAIN_OK or
 *     leaves the state exactly as it was.
 *   - Uids are dense 0..n-1 and n never shrinks; stored weight and bond
 *     destinations are always < n.
 *   - Explicit limits: at most CHAIN_MAX_SUBNETS subnets, YUMA_MAX_UIDS uids
 *     per subnet, CHAIN_MAX_HOTKEYS hotkeys, hotkey names of at most
 *     CHAIN_HOTKEY_MAX - 1 printable bytes.
 *   - Never prints; a failure fills an io_err with a one-line detail (no
 *     file:line prefix: the caller knows where the call came from).
 *
 * Stake is per hotkey, as on the pre-dTAO chain: one TotalHotkeyStake seen on
 * every subnet where the hotkey holds a uid (economics.md §8.1). No child or
 * parent keys yet, so a uid's epoch stake is its hotkey's stake (yuma-epoch.md
 * §2.1 with empty ChildKeys/ParentKeys).
 *
 * Not modelled yet (later issues): the root network (netuid 0), registration
 * burn and per-block/interval limits, coldkeys and nominators, emission
 * scheduling by tempo, commit-reveal.
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
#define CHAIN_HOTKEY_MAX 64u /* bytes including the terminating NUL */
#define CHAIN_UID_AUTO UINT32_MAX /* chain_register: let the chain choose the uid */

/* Status of a call. CHAIN_OK, then taosim's own failures (the call cannot be
 * expressed on the chain: bad argument, limit, memory), then the chain's
 * errors, named exactly as the pallet's Error<T> variants. */
#define CHAIN_ERRORS(X)                                                                 \
    X(CHAIN_OK, "Ok")                                                                   \
    X(CHAIN_EINVAL, "InvalidArgument")               /* taosim: argument not valid */   \
    X(CHAIN_ELIMIT, "TaosimLimitExceeded")           /* taosim: size limit */           \
    X(CHAIN_ENOMEM, "OutOfMemory")                   /* taosim: allocation failed */    \
    X(CHAIN_EEPOCH, "EpochFailed")                   /* taosim: yuma_epoch failed */    \
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
    X(CHAIN_E_ALPHA_LOW_OUT_OF_RANGE, "AlphaLowOutOfRange")

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
 * liquid alpha, version). */
typedef struct chain_hparams {
    yuma_params yuma;
    uint16_t tempo;
    uint16_t min_allowed_weights;
    uint16_t max_weight_limit;
    uint64_t weights_set_rate_limit;
    uint64_t weights_version;
    uint16_t immunity_period;
    uint16_t max_allowed_uids;
    bool bonds_reset_enabled; /* BondsResetOn: gates chain_reset_bonds (yuma3.md §2.12) */
} chain_hparams;

/* What init_new_network writes for a user subnet (yuma-epoch.md §9 "new
 * subnet" column; "—" entries take the finney runtime value): tempo 360,
 * kappa 32767, bonds_moving_average 900000, activity_cutoff 5000,
 * max_allowed_validators 64, max_allowed_uids 256, immunity_period 5000,
 * min_allowed_weights 1, max_weight_limit 65535, weights_set_rate_limit 100,
 * weights_version 0, liquid alpha off with (45875, 58982), Yuma v2. */
chain_hparams chain_hparams_new_subnet(void);

/* A stored sparse row (weights or bonds): entries in stored order. */
typedef struct chain_row {
    yuma_entry *ent;
    uint32_t len, cap;
} chain_row;

/* One subnet, struct-of-arrays like the chain's storage (one vector per
 * storage item, indexed by uid). Read-only outside chain.c; pointers stay
 * valid until the next call that changes this subnet. */
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
    bool has_owner;          /* SubnetOwnerHotkey is set (chain_set_owner) */
    uint32_t owner_hotkey;   /* its hotkey id; the owner's uid is looked up at each epoch */
} chain_subnet;

typedef struct chain chain; /* opaque */

/* A new, empty chain at block 0. NULL when out of memory. */
chain *chain_new(void);
void chain_free(chain *c);

/* The current block; chain_set_block moves it forward (CHAIN_EINVAL if it
 * would go back). */
uint64_t chain_block(const chain *c);
chain_err chain_set_block(chain *c, uint64_t block, io_err *err);

/* StakeThreshold, the global minimum stake for set_weights (default 0); in a
 * Yuma 3 epoch smaller stakes also count as 0 (yuma3.md §2.2). Also settable
 * as the chain-wide hparam "stake_threshold". */
void chain_set_stake_threshold(chain *c, uint64_t rao);

/* ---- subnets ---------------------------------------------------------- */

/* Create subnet `netuid` with chain_hparams_new_subnet() (loading a state:
 * the chain's register_network would pick the netuid itself). CHAIN_EINVAL
 * for netuid 0 (root, not modelled yet) or an existing netuid, CHAIN_ELIMIT
 * beyond CHAIN_MAX_SUBNETS. */
chain_err chain_subnet_add(chain *c, uint16_t netuid, io_err *err);
/* NULL if the subnet does not exist. */
const chain_subnet *chain_subnet_get(const chain *c, uint16_t netuid);
/* Subnets in ascending netuid order: i in 0..chain_subnet_count()-1. */
uint32_t chain_subnet_count(const chain *c);
const chain_subnet *chain_subnet_at(const chain *c, uint32_t i);

/* ---- hyperparameters ---------------------------------------------------- */

/* The settable per-subnet keys, in table order: kappa, bonds_moving_average,
 * activity_cutoff, max_allowed_validators, max_allowed_uids,
 * liquid_alpha_enabled, alpha_low, alpha_high, tempo, min_allowed_weights,
 * max_weight_limit, weights_set_rate_limit, weights_version, immunity_period,
 * yuma_version, bonds_penalty, alpha_sigmoid_steepness, bonds_reset_enabled,
 * yuma3_sigmoid_clamp.
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

/* Set hyperparameter `key` of `netuid` to `value` as the chain's admin
 * setter does (called by root). Returns CHAIN_EINVAL for an unknown key or a
 * value outside the storage type's range (err names the valid keys / the
 * range), CHAIN_E_SUBNET_NOT_EXIST, or the setter's own refusal
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

/* Chain-wide hyperparameters (StorageValues, no netuid): stake_threshold.
 * CHAIN_EINVAL for an unknown key (a per-subnet key is named as such). */
void chain_global_hparam_list(char *buf, size_t n);
bool chain_global_hparam_known(const char *key);
chain_err chain_set_global_hparam(chain *c, const char *key, uint64_t value, io_err *err);
chain_err chain_get_global_hparam(const chain *c, const char *key, uint64_t *value);

/* ---- hotkeys ------------------------------------------------------------ */

/* Name of hotkey id `id` (ids come from chain_subnet.hotkey). */
const char *chain_hotkey_name(const chain *c, uint32_t id);
/* TotalHotkeyStake of the named hotkey; 0 if unknown. */
uint64_t chain_hotkey_stake(const chain *c, const char *hotkey);
/* Set TotalHotkeyStake of a known hotkey (CHAIN_EINVAL if it was never
 * registered anywhere). */
chain_err chain_set_stake(chain *c, const char *hotkey, uint64_t rao, io_err *err);
/* The stake uid `uid` of `netuid` has in the epoch (yuma-epoch.md §2.1). */
uint64_t chain_uid_stake(const chain *c, const chain_subnet *s, uint32_t uid);
/* Hotkey name at (netuid, uid), or NULL if that uid is not occupied. */
const char *chain_uid_hotkey(const chain *c, uint16_t netuid, uint32_t uid);

/* ---- calls -------------------------------------------------------------- */

/* Register `hotkey` on `netuid` at the current block.
 *   uid == CHAIN_UID_AUTO: as burned_register (economics.md §7.1 step 3):
 *     append while n < max_allowed_uids, else replace the uid chosen by
 *     get_neuron_to_prune (§7.5, whose PruningScore becomes 65535);
 *   uid < n: replace that neuron (state loading: replace_neuron, §7.6);
 *   uid == n: append (CHAIN_EINVAL if the subnet is full);
 *   uid > n: CHAIN_EINVAL.
 * Append: Active true, LastUpdate = BlockAtRegistration = block, everything
 * else 0 / empty. replace_neuron: the new hotkey takes the uid with
 * BlockAtRegistration = block and Active true; the old hotkey leaves and, if
 * it holds no other uid, is unstaked (stake 0); everything else (Rank, ...,
 * ValidatorPermit, LastUpdate, Weights and Bonds rows) is kept; on a
 * yuma_version 3 subnet the uid's Bonds row is cleared, as replace_neuron
 * does at v3.2.7 (clear_neuron).
 * Chain refusals, in order: RegistrationNotPermittedOnRootSubnet,
 * SubNetworkDoesNotExist, HotKeyAlreadyRegisteredInSubNet. Burn and
 * registration limits are not modelled yet. *uid_out (may be NULL) gets the uid. */
chain_err chain_register(chain *c, uint16_t netuid, const char *hotkey, uint32_t uid, uint32_t *uid_out,
                         io_err *err);

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
 * KEEP/CLEAR/SET). CHAIN_EINVAL if the subnet does not exist; CHAIN_EEPOCH
 * (err says why) if yuma_epoch fails, state unchanged. */
chain_err chain_run_epoch(chain *c, uint16_t netuid, uint64_t rao, io_err *err);

#endif
