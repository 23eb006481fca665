/* econ.h -- the chain's economic rules around the epoch, as pure functions.
 *
 * Each function is one rule of subtensor v1.2.4 (../shared/spec/economics.md,
 * section in brackets) on plain values and arrays, with the chain's integer
 * and fixed-point rounding. The chain state (chain.h) decides *when* a rule
 * applies; this room decides *what it computes*. No state, no allocation
 * beyond what a caller passes in, no floating point.
 */
#ifndef TAOSIM_ECON_H
#define TAOSIM_ECON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "taosim/fx.h"

/* [§4.2] Blocks until the next epoch of `netuid`; UINT64_MAX when tempo == 0 (never). */
uint64_t econ_blocks_until_next_epoch(uint16_t netuid, uint16_t tempo, uint64_t block);
bool econ_should_run_epoch(uint16_t netuid, uint16_t tempo, uint64_t block);
/* [§4.1] Root epochs run where the root subnet (netuid 0, tempo 100) would run an epoch. */
#define ECON_ROOT_TEMPO 100

/* [§4.4 step 5] ⌊E · q / 2^32⌋ with q = ⌊cut·2^32/65535⌋ (I96F32). */
uint64_t econ_owner_cut(uint64_t e_sub, uint16_t owner_cut);

/* [§6.2] The lock-cost Dutch auction:
 * max(min_lock, last_lock·mult ⊖ ⌊last_lock/interval⌋·(b ⊖ last_block)),
 * mult = 1 if never registered (last_block == 0) else 2; saturating u64. */
uint64_t econ_lock_cost(uint64_t last_lock, uint64_t last_block, uint64_t reduction_interval,
                        uint64_t min_lock, uint64_t block);

/* [§7.3] The update rule up(v) in I110F18: α = alpha/(2^64−1),
 * target = v·(r+t)/(2t), next = α·v + (1−α)·target, clamped to [min, max]
 * (r+t and 2t are u16 saturating sums; t >= 1 required: t == 0 returns v). */
uint64_t econ_adjust_value(uint64_t v, uint16_t regs, uint16_t target, uint64_t alpha, uint64_t min,
                           uint64_t max);

/* [§7.3] Which of burn and difficulty an adjustment moves, from the interval's
 * counts (r total, rp POW, rb burned) and the target t. */
typedef struct econ_adjust_which {
    bool burn, difficulty;
} econ_adjust_which;
econ_adjust_which econ_adjust_choice(uint16_t r, uint16_t rp, uint16_t rb, uint16_t t);

/* [§5.3] The root epoch, all in I64F64. n root members with TotalHotkeyStake
 * stake[n]; k columns (existing netuids in ascending order, root included);
 * weights: n*k row-major stored u16 values (0 = none). Writes
 * emission_values[k] = ⌊X_j · E⌋. Returns 0, or -1 when the chain's root
 * epoch fails (n == 0, k == 0, no stake, or an exp overflow): the caller then
 * keeps the previous EmissionValues. */
int econ_root_epoch(uint32_t n, uint32_t k, const uint64_t *stake, const uint16_t *weights, uint16_t kappa,
                    uint16_t rho, uint64_t block_emission, uint64_t *emission_values);

/* [§6.4] The subnet pruned by a registration when the limit is reached:
 * among netuids >= 1 outside network immunity, the lowest emission value,
 * then earliest registration, then the highest netuid. Returns -1 if none. */
int econ_subnet_to_prune(uint32_t count, const uint16_t *netuid, const uint64_t *emission_value,
                         const uint64_t *registered_at, uint64_t block, uint64_t immunity_period);

/* [§7.5] The uid replaced when a subnet is full: the non-immune uid with the
 * lowest pruning score (ties: earliest registration, then lowest uid); if all
 * are immune, the immune one chosen by the same order. n >= 1. */
uint32_t econ_neuron_to_prune(uint32_t n, const uint16_t *pruning_score, const uint64_t *block_at_registration,
                              uint64_t block, uint64_t immunity_period);

/* [§4.9] drain_hotkey_emission. pending P, untouchable U, take (u16), and
 * per nominator (the owner's own entry included) its stake and its stake delta
 * since the last drain (i128, positive = added). Fills credit[m] with what each
 * nominator receives and returns what the owner receives on top (take,
 * remainders and the untouchable part). Σ credit + owner == P, except where a
 * recorded delta exceeds the stake it was added to (then rest ⊖ paid floors at 0). */
uint64_t econ_drain_split(uint64_t pending, uint64_t untouchable, uint16_t take, uint32_t m,
                          const uint64_t *stake, const fx_i128 *delta, uint64_t *credit);

/* [§4.8] hash64(h): the first 8 bytes (little-endian) of keccak-256 of the
 * 32-byte account id followed by 32 zero bytes; a hotkey drains at blocks
 * with b mod (H+1) == hash64 mod (H+1), H = HotkeyEmissionTempo. */
uint64_t econ_hotkey_hash64(const uint8_t account[32]);
bool econ_should_drain(uint64_t hash64, uint64_t block, uint64_t emission_tempo);
/* Keccak-256 (the original padding, as Substrate's keccak_256). */
void econ_keccak256(const uint8_t *data, size_t len, uint8_t out[32]);

/* [§8.2] try_increase_staking_counter on a (count, first_block) pair. */
bool econ_stake_counter(uint64_t *count, uint64_t *first_block, uint64_t block, uint64_t interval,
                        uint64_t target);

#endif
