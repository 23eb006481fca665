/* emission.c -- block emission for a TotalIssuance, the halving thresholds, the
 * root-epoch cadence and the checked TotalIssuance ledger (economics.md §2,
 * §3.2, §4.1).
 *
 * Invariant: the integer form and the fixed-point form agree for every u64
 * issuance (tests/test_emission.c checks every threshold T_k, T_k ± 1 and a
 * spread of the whole range); the ledger never wraps.
 */
#include "taosim/emission.h"

#include "taosim/fx.h"

uint64_t emission_for_issuance(uint64_t ti)
{
    if (ti >= EMISSION_TOTAL_SUPPLY) return 0;
    /* x_bits = ⌊TI·2^32 / 21e15⌋ < 2^32, y = 2^32 − x_bits in [1, 2^32] */
    uint64_t x_bits = (uint64_t)(((fx_u128)ti << 32) / EMISSION_TOTAL_SUPPLY);
    uint64_t y = ((uint64_t)1 << 32) - x_bits;
    /* largest k with y·2^k <= 2^32, i.e. k = 32 − ⌈log2 y⌉ */
    unsigned ceil_log2 = y == 1 ? 0u : 64u - (unsigned)__builtin_clzll(y - 1);
    unsigned k = 32u - ceil_log2;
    return k < EMISSION_ZERO_STEP ? EMISSION_DEFAULT_BLOCK >> k : 0;
}

uint64_t emission_for_issuance_fx(uint64_t ti)
{
    /* let total_issuance: I96F32 = I96F32::from_num(issuance); */
    i96f32 total = i96f32_from_u64(ti);
    /* if total_issuance >= I96F32::from_num(TotalSupply) { return Ok(0) } */
    if (i96f32_cmp(total, i96f32_from_u64(EMISSION_TOTAL_SUPPLY)) >= 0) return 0;
    /* I96F32::from_num(2.0).saturating_mul(I96F32::from_num(10_500_000_000_000_000.0)) */
    i96f32 denom = i96f32_sat_mul(i96f32_from_u64(2), i96f32_from_u64(10500000000000000ull));
    i96f32 x, y, z, residual;
    if (i96f32_checked_div(total, denom, &x) != FX_OK) return EMISSION_FX_ERROR;
    /* 1.0.checked_sub(x) */
    if (i96f32_checked_add(i96f32_one(), i96f32_from_bits(-x.bits), &y) != FX_OK) return EMISSION_FX_ERROR;
    /* 1.0.checked_div(1 − x) */
    if (i96f32_checked_div(i96f32_one(), y, &z) != FX_OK) return EMISSION_FX_ERROR;
    if (i96f32_log2(z, &residual) != FX_OK) return EMISSION_FX_ERROR;
    /* residual.floor(), then to_num::<u64>() */
    i96f32 floored = i96f32_from_bits(residual.bits & ~(fx_i128)0xffffffff);
    uint64_t k;
    if (i96f32_to_u64(floored, &k) != FX_OK) return EMISSION_FX_ERROR;
    /* multiplier = 1; for _ in 0..k { multiplier = multiplier.saturating_mul(2) } */
    i96f32 multiplier = i96f32_one();
    for (uint64_t i = 0; i < k && i < 200; i++) multiplier = i96f32_sat_mul(multiplier, i96f32_from_u64(2));
    /* 1.saturating_div(multiplier) · DefaultBlockEmission (saturating), to u64 */
    i96f32 pct, e;
    if (i96f32_sat_div(i96f32_one(), multiplier, &pct) != FX_OK) return EMISSION_FX_ERROR;
    e = i96f32_sat_mul(pct, i96f32_from_u64(EMISSION_DEFAULT_BLOCK));
    uint64_t out;
    if (i96f32_to_u64(e, &out) != FX_OK) return EMISSION_FX_ERROR;
    return out;
}

uint64_t emission_threshold(unsigned k)
{
    if (k > EMISSION_MAX_K) return UINT64_MAX;
    /* ⌈S·(1 − 2^−k)⌉ = S − ⌊S / 2^k⌋ for an integer S */
    return EMISSION_TOTAL_SUPPLY - (EMISSION_TOTAL_SUPPLY >> k);
}

unsigned emission_halvings(uint64_t ti)
{
    if (ti >= EMISSION_TOTAL_SUPPLY) return EMISSION_ZERO_STEP;
    uint64_t x_bits = (uint64_t)(((fx_u128)ti << 32) / EMISSION_TOTAL_SUPPLY);
    uint64_t y = ((uint64_t)1 << 32) - x_bits;
    unsigned ceil_log2 = y == 1 ? 0u : 64u - (unsigned)__builtin_clzll(y - 1);
    unsigned k = 32u - ceil_log2;
    return k < EMISSION_ZERO_STEP ? k : EMISSION_ZERO_STEP;
}

uint64_t emission_of_step(unsigned k)
{
    return k < EMISSION_ZERO_STEP ? EMISSION_DEFAULT_BLOCK >> k : 0;
}

unsigned emission_step_of(uint64_t e)
{
    for (unsigned k = 0; k <= EMISSION_ZERO_STEP; k++)
        if (emission_of_step(k) == e) return k;
    return EMISSION_ZERO_STEP + 1;
}

bool emission_is_root_epoch(uint64_t b)
{
    return b % EMISSION_ROOT_PERIOD == EMISSION_ROOT_PHASE;
}

uint64_t emission_next_root_epoch(uint64_t b)
{
    if (b >= UINT64_MAX - EMISSION_ROOT_PERIOD) {
        /* near the top: search without overflowing */
        for (uint64_t r = b; r < UINT64_MAX;)
            if (emission_is_root_epoch(++r)) return r;
        return UINT64_MAX;
    }
    uint64_t r = b + 1;
    return r + (EMISSION_ROOT_PHASE + EMISSION_ROOT_PERIOD - r % EMISSION_ROOT_PERIOD) % EMISSION_ROOT_PERIOD;
}

/* ---- ledger --------------------------------------------------------------- */

const char *emission_strerror(emission_status st)
{
    switch (st) {
    case EMISSION_OK: return "ok";
    case EMISSION_EOVERFLOW: return "TotalIssuance or a counter would exceed 2^64 - 1 RAO";
    case EMISSION_EUNDERFLOW: return "burning more than the TotalIssuance";
    case EMISSION_EINVAL: return "unknown TotalIssuance operation";
    }
    return "unknown status";
}

static const struct {
    const char *name;
    int effect;
} op_table[EMISSION_OP_COUNT] = {
    [EMISSION_OP_ROOT_EPOCH] = {"root_epoch", 0},
    [EMISSION_OP_OWNER_CUT] = {"owner_cut", +1},
    [EMISSION_OP_HOTKEY_DRAIN] = {"hotkey_drain", +1},
    [EMISSION_OP_BURNED_REGISTRATION] = {"burned_registration", -1},
    [EMISSION_OP_TX_FEE] = {"tx_fee", -1},
    [EMISSION_OP_KEY_SWAP] = {"key_swap", -1},
    [EMISSION_OP_STAKE_MOVE] = {"stake_move", 0},
    [EMISSION_OP_NETWORK_LOCK] = {"network_lock", 0},
    [EMISSION_OP_LOCK_REFUND] = {"lock_refund", 0},
    [EMISSION_OP_UNSTAKE_ALL] = {"unstake_all", 0},
    [EMISSION_OP_POW_REGISTRATION] = {"pow_registration", 0},
    [EMISSION_OP_RESYNC] = {"resync", 2},
};

int emission_op_effect(emission_op op)
{
    return (unsigned)op < EMISSION_OP_COUNT ? op_table[op].effect : 0;
}

const char *emission_op_name(emission_op op)
{
    return (unsigned)op < EMISSION_OP_COUNT ? op_table[op].name : "unknown";
}

emission_status emission_ledger_mint(emission_ledger *l, uint64_t rao)
{
    uint64_t ti, m;
    if (__builtin_add_overflow(l->issuance, rao, &ti) || __builtin_add_overflow(l->minted, rao, &m))
        return EMISSION_EOVERFLOW;
    l->issuance = ti;
    l->minted = m;
    return EMISSION_OK;
}

emission_status emission_ledger_burn(emission_ledger *l, uint64_t rao)
{
    if (rao > l->issuance) return EMISSION_EUNDERFLOW;
    uint64_t bu;
    if (__builtin_add_overflow(l->burned, rao, &bu)) return EMISSION_EOVERFLOW;
    l->issuance -= rao;
    l->burned = bu;
    return EMISSION_OK;
}

uint64_t emission_ledger_burn_clamped(emission_ledger *l, uint64_t rao, emission_status *st)
{
    uint64_t take = rao < l->issuance ? rao : l->issuance;
    emission_status s = emission_ledger_burn(l, take);
    if (st) *st = s;
    return s == EMISSION_OK ? take : 0;
}

emission_status emission_ledger_apply(emission_ledger *l, emission_op op, uint64_t amount)
{
    if ((unsigned)op >= EMISSION_OP_COUNT) return EMISSION_EINVAL;
    switch (op_table[op].effect) {
    case +1: return emission_ledger_mint(l, amount);
    case -1: return emission_ledger_burn(l, amount);
    case 2: l->issuance = amount; return EMISSION_OK;
    default: return EMISSION_OK;
    }
}
