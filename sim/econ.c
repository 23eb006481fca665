/* econ.c -- pure economic rules of subtensor v1.2.4 (economics.md §4-§8).
 *
 * Invariant: every function is a literal transcription of one chain rule on
 * the chain's number types; where the chain computes in I64F64/I96F32/I110F18
 * we do too (through fx.h), so floors and truncations land on the same RAO.
 */
#include "taosim/econ.h"

#include <stdlib.h>
#include <string.h>

uint64_t econ_blocks_until_next_epoch(uint16_t netuid, uint16_t tempo, uint64_t block)
{
    if (tempo == 0) return UINT64_MAX;
    /* (block + netuid + 1) cannot overflow for any block a simulation reaches */
    return (uint64_t)tempo - ((block + netuid + 1) % ((uint64_t)tempo + 1));
}

bool econ_should_run_epoch(uint16_t netuid, uint16_t tempo, uint64_t block)
{
    return econ_blocks_until_next_epoch(netuid, tempo, block) == 0;
}

uint64_t econ_owner_cut(uint64_t e_sub, uint16_t owner_cut)
{
    i96f32 q, cut;
    uint64_t out = 0;
    (void)i96f32_checked_div(i96f32_from_u64(owner_cut), i96f32_from_u64(UINT16_MAX), &q);
    if (i96f32_checked_mul(i96f32_from_u64(e_sub), q, &cut) == FX_OK) (void)i96f32_to_u64(cut, &out);
    return out;
}

static uint64_t sat_mul_u64(uint64_t a, uint64_t b)
{
    uint64_t r;
    return __builtin_mul_overflow(a, b, &r) ? UINT64_MAX : r;
}

static uint64_t sat_sub_u64(uint64_t a, uint64_t b) { return a > b ? a - b : 0; }

uint64_t econ_lock_cost(uint64_t last_lock, uint64_t last_block, uint64_t reduction_interval,
                        uint64_t min_lock, uint64_t block)
{
    uint64_t mult = last_block == 0 ? 1 : 2;
    uint64_t per_block = reduction_interval ? last_lock / reduction_interval : 0;
    uint64_t decay = sat_mul_u64(per_block, sat_sub_u64(block, last_block));
    uint64_t cost = sat_sub_u64(sat_mul_u64(last_lock, mult), decay);
    return cost < min_lock ? min_lock : cost;
}

static uint16_t sat_add_u16(uint16_t a, uint16_t b) { return (uint16_t)(a + b > UINT16_MAX ? UINT16_MAX : a + b); }

uint64_t econ_adjust_value(uint64_t v, uint16_t regs, uint16_t target, uint64_t alpha, uint64_t min,
                           uint64_t max)
{
    if (target == 0) return v; /* the chain divides by 2t: a zero target is refused by its setter */
    i110f18 a, target_v, num, next, one_minus_a, a_v, rest;
    (void)i110f18_checked_div(i110f18_from_u64(alpha), i110f18_from_u64(UINT64_MAX), &a);
    /* v·(r+t) < 2^81 and /(2t): exact products, one truncating division */
    (void)i110f18_checked_mul(i110f18_from_u64(v), i110f18_from_u64(sat_add_u16(regs, target)), &num);
    (void)i110f18_checked_div(num, i110f18_from_u64(sat_add_u16(target, target)), &target_v);
    one_minus_a = i110f18_sat_sub(i110f18_one(), a);
    (void)i110f18_checked_mul(a, i110f18_from_u64(v), &a_v);
    (void)i110f18_checked_mul(one_minus_a, target_v, &rest);
    next = i110f18_sat_add(a_v, rest);
    if (i110f18_cmp(next, i110f18_from_u64(max)) >= 0) return max;
    if (i110f18_cmp(next, i110f18_from_u64(min)) <= 0) return min;
    uint64_t out = max;
    (void)i110f18_to_u64(next, &out);
    return out;
}

econ_adjust_which econ_adjust_choice(uint16_t r, uint16_t rp, uint16_t rb, uint16_t t)
{
    econ_adjust_which w = {true, true}; /* a tie (0 = 0 included) moves both */
    if (rp > rb) {
        w.burn = r <= t;       /* too few and POW dominates: burn falls */
        w.difficulty = r > t;  /* too many and POW dominates: difficulty rises */
    } else if (rp < rb) {
        w.burn = r > t;
        w.difficulty = r <= t;
    }
    return w;
}

/* I64F64 helpers for the root epoch; every failure makes the epoch fail. */
static bool div64(i64f64 a, i64f64 b, i64f64 *out) { return i64f64_checked_div(a, b, out) == FX_OK; }

int econ_root_epoch(uint32_t n, uint32_t k, const uint64_t *stake, const uint16_t *weights, uint16_t kappa,
                    uint16_t rho, uint64_t block_emission, uint64_t *emission_values)
{
    if (n == 0 || k == 0) return -1;
    i64f64 *s = calloc(n, sizeof *s), *rank = calloc(k, sizeof *rank), *trust = calloc(k, sizeof *trust);
    int rc = -1;
    if (!s || !rank || !trust) goto out;
    /* 4. stake normalised (I64F64, ⌊S·2^64/ΣS⌋) */
    i64f64 total = i64f64_from_bits(0);
    for (uint32_t i = 0; i < n; i++)
        if (i64f64_checked_add(total, i64f64_from_u64(stake[i]), &total) != FX_OK) goto out;
    for (uint32_t i = 0; i < n; i++) {
        s[i] = i64f64_from_bits(0);
        if (total.bits != 0 && !div64(i64f64_from_u64(stake[i]), total, &s[i])) goto out;
    }
    /* 5-7. row-normalised weights, rank R_j = Σ S_i W_ij, support T_j = Σ_{W_ij>0} S_i */
    i64f64 tot = i64f64_from_bits(0);
    for (uint32_t i = 0; i < n; i++) {
        const uint16_t *row = weights + (size_t)i * k;
        uint64_t row_sum = 0;
        for (uint32_t j = 0; j < k; j++) row_sum += row[j];
        tot = i64f64_sat_add(tot, s[i]);
        if (row_sum == 0) continue;
        for (uint32_t j = 0; j < k; j++) {
            if (row[j] == 0) continue;
            i64f64 w;
            if (!div64(i64f64_from_u64(row[j]), i64f64_from_u64(row_sum), &w)) goto out;
            rank[j] = i64f64_sat_add(rank[j], i64f64_sat_mul(s[i], w));
            trust[j] = i64f64_sat_add(trust[j], s[i]);
        }
    }
    if (tot.bits == 0) goto out;
    /* 8. consensus C_j = 1 / (1 + exp(-ρ (T_j - κ))), κ = I32F32(kappa/65535) widened */
    i32f32 kappa32 = i32f32_zero();
    (void)i32f32_checked_div(i32f32_from_u16(kappa), i32f32_from_u16(UINT16_MAX), &kappa32);
    const i64f64 kap = i32f32_to_i64f64(kappa32), r = i64f64_from_u64(rho), one = i64f64_one();
    i64f64 sum_x = i64f64_from_bits(0);
    for (uint32_t j = 0; j < k; j++) {
        i64f64 t, x, e, c;
        if (!div64(trust[j], tot, &t)) goto out;
        if (i64f64_checked_mul(r, i64f64_sat_sub(t, kap), &x) != FX_OK) goto out;
        if (i64f64_exp(i64f64_from_bits(-x.bits), &e) != FX_OK) goto out;
        if (!div64(one, i64f64_sat_add(one, e), &c)) goto out;
        /* 9. X_j = C_j R_j (reuse rank[] for X) */
        rank[j] = i64f64_sat_mul(c, rank[j]);
        sum_x = i64f64_sat_add(sum_x, rank[j]);
    }
    /* 9-10. X normalised, EmissionValues = ⌊X_j · E⌋ */
    for (uint32_t j = 0; j < k; j++) {
        i64f64 x = rank[j], ev;
        if (sum_x.bits != 0 && !div64(rank[j], sum_x, &x)) goto out;
        uint64_t v = 0;
        if (i64f64_checked_mul(x, i64f64_from_u64(block_emission), &ev) == FX_OK) (void)i64f64_to_u64(ev, &v);
        emission_values[j] = v;
    }
    rc = 0;
out:
    free(s);
    free(rank);
    free(trust);
    return rc;
}

int econ_subnet_to_prune(uint32_t count, const uint16_t *netuid, const uint64_t *emission_value,
                         const uint64_t *registered_at, uint64_t block, uint64_t immunity_period)
{
    int best = -1;
    for (uint32_t i = 0; i < count; i++) {
        if (netuid[i] == 0 || sat_sub_u64(block, registered_at[i]) < immunity_period) continue;
        if (best < 0) { best = (int)i; continue; }
        uint32_t b = (uint32_t)best;
        bool better = emission_value[i] != emission_value[b] ? emission_value[i] < emission_value[b]
                      : registered_at[i] != registered_at[b] ? registered_at[i] < registered_at[b]
                                                             : netuid[i] > netuid[b];
        if (better) best = (int)i;
    }
    return best < 0 ? -1 : netuid[best];
}

uint32_t econ_neuron_to_prune(uint32_t n, const uint16_t *pruning_score, const uint64_t *block_at_registration,
                              uint64_t block, uint64_t immunity_period)
{
    int64_t best[2] = {-1, -1}; /* [0] non-immune, [1] immune */
    for (uint32_t uid = 0; uid < n; uid++) {
        int g = sat_sub_u64(block, block_at_registration[uid]) < immunity_period;
        int64_t b = best[g];
        if (b < 0 || pruning_score[uid] < pruning_score[b] ||
            (pruning_score[uid] == pruning_score[b] && block_at_registration[uid] < block_at_registration[b]))
            best[g] = uid;
    }
    return (uint32_t)(best[0] >= 0 ? best[0] : best[1]);
}

/* ⌊ ⌊p·2^64/q⌋ · x / 2^64 ⌋: an I64F64 proportion p/q applied to an integer x. */
static uint64_t prop_of(uint64_t p, uint64_t q, uint64_t x)
{
    i64f64 ratio, prod;
    uint64_t out = 0;
    if (i64f64_checked_div(i64f64_from_u64(p), i64f64_from_u64(q), &ratio) != FX_OK) return 0;
    if (i64f64_checked_mul(ratio, i64f64_from_u64(x), &prod) == FX_OK) (void)i64f64_to_u64(prod, &out);
    return out;
}

uint64_t econ_drain_split(uint64_t pending, uint64_t untouchable, uint16_t take, uint32_t m,
                          const uint64_t *stake, const fx_i128 *delta, uint64_t *credit)
{
    uint64_t d = sat_sub_u64(pending, untouchable);
    uint64_t take_amt = prop_of(take, UINT16_MAX, d);
    uint64_t rest = d - take_amt, paid = 0;
    fx_u128 total = 0, nonviable_sum = 0;
    for (uint32_t i = 0; i < m; i++) {
        total += stake[i];
        nonviable_sum += delta[i] > 0 ? (fx_u128)delta[i] : 0;
    }
    uint64_t total64 = total > UINT64_MAX ? UINT64_MAX : (uint64_t)total;
    uint64_t nv64 = nonviable_sum > UINT64_MAX ? UINT64_MAX : (uint64_t)nonviable_sum;
    uint64_t v = sat_sub_u64(total64, nv64);
    for (uint32_t i = 0; i < m; i++) {
        uint64_t nonviable = delta[i] <= 0 ? 0 : delta[i] > (fx_i128)UINT64_MAX ? UINT64_MAX : (uint64_t)delta[i];
        uint64_t viable = sat_sub_u64(stake[i], nonviable);
        credit[i] = v != 0 ? prop_of(viable, v, rest) : 0;
        paid += credit[i];
    }
    /* Σ credit ≤ rest whenever every delta is covered by its stake (Σ viable = V). */
    return take_amt + sat_sub_u64(rest, paid) + (pending - d);
}

bool econ_stake_counter(uint64_t *count, uint64_t *first_block, uint64_t block, uint64_t interval,
                        uint64_t target)
{
    if (*count == 0 || *first_block + interval <= block) {
        *count = 1;
        *first_block = block;
        return true;
    }
    if (*count < target) {
        (*count)++;
        return true;
    }
    return false;
}

/* ---- Keccak-256, for the hotkey drain phase (§4.8) ---------------------- */

static uint64_t rotl64(uint64_t x, int s) { return s ? (x << s) | (x >> (64 - s)) : x; }

static void keccak_f1600(uint64_t a[25])
{
    static const uint64_t rc[24] = {
        0x0000000000000001ull, 0x0000000000008082ull, 0x800000000000808aull, 0x8000000080008000ull,
        0x000000000000808bull, 0x0000000080000001ull, 0x8000000080008081ull, 0x8000000000008009ull,
        0x000000000000008aull, 0x0000000000000088ull, 0x0000000080008009ull, 0x000000008000000aull,
        0x000000008000808bull, 0x800000000000008bull, 0x8000000000008089ull, 0x8000000000008003ull,
        0x8000000000008002ull, 0x8000000000000080ull, 0x000000000000800aull, 0x800000008000000aull,
        0x8000000080008081ull, 0x8000000000008080ull, 0x0000000080000001ull, 0x8000000080008008ull};
    static const int rot[25] = {0, 1, 62, 28, 27, 36, 44, 6, 55, 20, 3, 10, 43,
                                25, 39, 41, 45, 15, 21, 8, 18, 2, 61, 56, 14};
    for (int round = 0; round < 24; round++) {
        uint64_t c[5], d, b[25];
        for (int x = 0; x < 5; x++) c[x] = a[x] ^ a[x + 5] ^ a[x + 10] ^ a[x + 15] ^ a[x + 20];
        for (int x = 0; x < 5; x++) {
            d = c[(x + 4) % 5] ^ rotl64(c[(x + 1) % 5], 1);
            for (int y = 0; y < 25; y += 5) a[y + x] ^= d;
        }
        for (int x = 0; x < 5; x++)         /* rho and pi: B[y][2x+3y] = rot(A[x][y]) */
            for (int y = 0; y < 5; y++) b[((2 * x + 3 * y) % 5) * 5 + y] = rotl64(a[y * 5 + x], rot[y * 5 + x]);
        for (int y = 0; y < 25; y += 5)     /* chi */
            for (int x = 0; x < 5; x++) a[y + x] = b[y + x] ^ (~b[y + (x + 1) % 5] & b[y + (x + 2) % 5]);
        a[0] ^= rc[round];                  /* iota */
    }
}

void econ_keccak256(const uint8_t *data, size_t len, uint8_t out[32])
{
    enum { RATE = 136 };
    uint64_t a[25] = {0};
    uint8_t block[RATE];
    for (;;) {
        size_t take = len < RATE ? len : RATE;
        memset(block, 0, RATE);
        memcpy(block, data, take);
        if (take < RATE) { /* last block: keccak padding 0x01 ... 0x80 */
            block[take] ^= 0x01;
            block[RATE - 1] ^= 0x80;
        }
        for (int i = 0; i < RATE / 8; i++) {
            uint64_t w = 0;
            for (int j = 7; j >= 0; j--) w = (w << 8) | block[i * 8 + j];
            a[i] ^= w;
        }
        keccak_f1600(a);
        if (take < RATE) break;
        data += RATE;
        len -= RATE;
    }
    for (int i = 0; i < 32; i++) out[i] = (uint8_t)(a[i / 8] >> (8 * (i % 8)));
}

uint64_t econ_hotkey_hash64(const uint8_t account[32])
{
    uint8_t buf[64] = {0}, h[32];
    memcpy(buf, account, 32);
    econ_keccak256(buf, sizeof buf, h);
    uint64_t v = 0;
    for (int i = 7; i >= 0; i--) v = (v << 8) | h[i];
    return v;
}

bool econ_should_drain(uint64_t hash64, uint64_t block, uint64_t emission_tempo)
{
    uint64_t m = emission_tempo + 1;
    return m == 0 ? block == hash64 : block % m == hash64 % m;
}
