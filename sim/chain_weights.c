/* chain_weights.c -- set_weights with the chain's checks in its order
 * (yuma-epoch.md §2.3), the max-upscale and max-weight rules it shares with
 * set_root_weights, and the stored rows (weights, bonds; Yuma 3's subnet owner
 * hotkey and bonds reset).
 */
#include <stdlib.h>
#include <string.h>

#include "chain_int.h"

/* ---- stored rows ----------------------------------------------------------- */

int chain_row_reserve(chain_row *r, size_t len)
{
    if (len <= r->cap) return 0;
    if (len > UINT32_MAX) return -1;
    yuma_entry *q = realloc(r->ent, len * sizeof *q);
    if (!q) return -1;
    r->ent = q;
    r->cap = (uint32_t)len;
    return 0;
}

/* Store (dests[k], vals[k]); the row must have been reserved for len. */
void chain_row_store(chain_row *r, const uint16_t *dests, const uint16_t *vals, size_t len)
{
    for (size_t k = 0; k < len; k++) {
        r->ent[k].col = dests[k];
        r->ent[k].val = vals[k];
    }
    r->len = (uint32_t)len;
}

/* ---- set_weights ----------------------------------------------------------- */

/* vec_u16_max_upscale_to_u16 on the raw I32F32 bits, in u64: every step is
 * exact in 64 bits for u16 inputs, so this equals the fixed-point sequence
 * (sat_mul, sat_div, round half away from zero, to_num::<u16>) bit for bit:
 *   m > 32768:  ratio = trunc(65535*2^32 / m); out = round(in*ratio / 2^32)
 *   m <= 32768: q = trunc(in*65535*2^32 / m);  out = round(q / 2^32)
 * (in*65535*2^32 < 2^63 because in <= m <= 32768.)
 *
 * set_weights runs this on every row a validator sets (256 values a call,
 * millions of calls a simulated year), so the usual case, m > 32768, runs
 * on eight u32 lanes: with ratio = r2*2^32 + r1*2^16 + r0 (r2 <= 1, since
 * ratio < 2^33; r1, r0 < 2^16), A = in*r1 and B = in*r0 (< 2^32),
 *   floor((in*ratio + 2^31) / 2^32) = in*r2 + floor((A*2^16 + B + 2^31) / 2^32)
 *                                   = in*r2 + ((A + (B >> 16) + 2^15) >> 16),
 * the last by nested floor division (2^31 is a multiple of 2^16); the sum
 * stays below 2^32 (A <= 65535^2, B >> 16 < 2^16). */
#if (defined(__GNUC__) || defined(__clang__)) && defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
#define UP_LANES 8 /* an entry is then the u32 col | val << 16 */
#define UP_AI __attribute__((always_inline))
_Static_assert(sizeof(yuma_entry) == 4, "an entry is two u16");
typedef uint16_t up_u16 __attribute__((vector_size(16), aligned(2), may_alias)); /* any 2-byte alignment */
typedef int16_t up_i16 __attribute__((vector_size(16)));
typedef uint32_t up_u32 __attribute__((vector_size(32)));
#define UP_LD(p) (*(const up_u16 *)(const void *)(p))
#else
#define UP_AI
#endif

static uint16_t up_max(const uint16_t *in, size_t n)
{
    size_t i = 0;
    uint16_t m = 0;
#ifdef UP_LANES
    up_u16 ma = {0}, mb = {0}; /* two chains of max, for the latency of one */
    for (; i + 2 * UP_LANES <= n; i += 2 * UP_LANES) {
        const up_u16 x = UP_LD(in + i), y = UP_LD(in + i + UP_LANES), gx = (up_u16)(x > ma), gy = (up_u16)(y > mb);
        ma = (x & gx) | (ma & ~gx);
        mb = (y & gy) | (mb & ~gy);
    }
    for (int l = 0; l < UP_LANES; l++) {
        if (ma[l] > m) m = ma[l];
        if (mb[l] > m) m = mb[l];
    }
#endif
    for (; i < n; i++)
        if (in[i] > m) m = in[i];
    return m;
}

static inline uint16_t up_big1(uint16_t x, uint64_t ratio)
{
    return (uint16_t)(((uint64_t)x * ratio + ((uint64_t)1 << 31)) >> 32);
}

static inline uint16_t up_small1(uint16_t x, uint16_t m)
{
    const uint64_t q = (((uint64_t)x * 65535u) << 32) / m;
    return (uint16_t)((q + ((uint64_t)1 << 31)) >> 32);
}

/* Value k of an upscale: into out[k] (ent NULL) or as the entry
 * (dests[k], v). */
static inline UP_AI void up_put(uint16_t *out, yuma_entry *ent, const uint16_t *dests, size_t k, uint16_t v)
{
    if (ent) ent[k] = (yuma_entry){dests[k], v};
    else out[k] = v;
}

/* in[0..n) upscaled for its maximum m, by up_put; inlined for each caller,
 * so that `ent` is a constant. */
static inline UP_AI void upscale(const uint16_t *in, const uint16_t *dests, size_t n, uint16_t *out, yuma_entry *ent)
{
    const uint16_t m = up_max(in, n);
    size_t i = 0;
    if (m == 0) {
        for (; i < n; i++) up_put(out, ent, dests, i, 0);
        return;
    }
    if (m <= 32768) {
        for (; i < n; i++) up_put(out, ent, dests, i, up_small1(in[i], m));
        return;
    }
    const uint64_t ratio = ((uint64_t)65535 << 32) / m;
#ifdef UP_LANES
    const uint32_t r2 = (uint32_t)(ratio >> 32), r1 = (uint32_t)(ratio >> 16) & 0xFFFFu, r0 = (uint32_t)ratio & 0xFFFFu;
    for (; i + UP_LANES <= n; i += UP_LANES) {
        const up_u32 x = __builtin_convertvector(UP_LD(in + i), up_u32);
        const up_u32 y = x * r2 + ((x * r1 + ((x * r0) >> 16) + 32768u) >> 16);
        if (ent) {
            const up_u32 e = __builtin_convertvector(UP_LD(dests + i), up_u32) | y << 16;
            memcpy(ent + i, &e, sizeof e);
        } else {
            const up_u16 v = __builtin_convertvector(y, up_u16);
            memcpy(out + i, &v, sizeof v);
        }
    }
#endif
    for (; i < n; i++) up_put(out, ent, dests, i, up_big1(in[i], ratio));
}

void chain_max_upscale_u16(const uint16_t *in, size_t n, uint16_t *out) { upscale(in, NULL, n, out, NULL); }

void chain_max_upscale_row(const uint16_t *in, const uint16_t *dests, size_t n, yuma_entry *out)
{
    upscale(in, dests, n, NULL, out);
}

bool chain_vec_max_limited(const uint16_t *w, size_t n, uint16_t limit)
{
    if (n == 0) return true;
    i32f32 lim = i32f32_zero();
    (void)i32f32_sat_div(i32f32_from_u16(limit), i32f32_from_u16(65535), &lim);
    i32f32 sum = i32f32_zero();
    uint16_t m = 0;
    for (size_t i = 0; i < n; i++) {
        sum = i32f32_wrap_add(sum, i32f32_from_u16(w[i])); /* plain `.sum()` */
        if (w[i] > m) m = w[i];
    }
    i32f32 top = i32f32_from_u16(m); /* inplace_normalize leaves x unchanged when the sum is 0 */
    if (sum.bits != 0) (void)i32f32_sat_div(top, sum, &top); /* normalising is monotonic: max of the quotients */
    return top.bits <= lim.bits;
}

chain_err chain_weights_gate(const chain *c, const chain_subnet *s, uint32_t uid, uint64_t stake, uint64_t version_key,
                             io_err *err)
{
    if (stake < c->g.stake_threshold)
        return chain_fail(err, CHAIN_E_NOT_ENOUGH_STAKE_WEIGHTS, "stake %llu is below StakeThreshold %llu",
                          (unsigned long long)stake, (unsigned long long)c->g.stake_threshold);
    uint64_t wvk = s->hp.weights_version;
    if (wvk != 0 && version_key < wvk)
        return chain_fail(err, CHAIN_E_INCORRECT_VERSION_KEY, "version key %llu is below WeightsVersionKey %llu",
                          (unsigned long long)version_key, (unsigned long long)wvk);
    uint64_t lu = s->last_update[uid], lim = s->hp.weights_set_rate_limit;
    if (lu != 0 && chain_sat_sub(c->block, lu) < lim) /* check_rate_limit: never set (0) passes */
        return chain_fail(err, CHAIN_E_SETTING_WEIGHTS_TOO_FAST, "last update at block %llu, now %llu, rate limit %llu",
                          (unsigned long long)lu, (unsigned long long)c->block, (unsigned long long)lim);
    return CHAIN_OK;
}

/* Checks 1-8 of do_set_weights: who may call, and when. *uid_out = caller. */
static chain_err weights_check_caller(const chain *c, chain_subnet **sp, uint16_t netuid, const char *hotkey,
                                      size_t ndests, size_t nvals, uint64_t version_key, uint32_t *uid_out,
                                      io_err *err)
{
    if (netuid == 0) return chain_fail(err, CHAIN_E_ROOT_WEIGHTS, "netuid 0 is the root network");
    if (ndests != nvals) return chain_fail(err, CHAIN_E_WEIGHT_VEC_NOT_EQUAL_SIZE, "%zu uids but %zu values", ndests, nvals);
    chain_subnet *s = chain_find(c, netuid);
    if (!s) return chain_fail(err, CHAIN_E_SUBNET_NOT_EXIST, "netuid %u does not exist", netuid);
    if (ndests > s->n)
        return chain_fail(err, CHAIN_E_UIDS_LENGTH_EXCEED, "%zu weights for a subnet of %u uids", ndests, s->n);
    int64_t id = chain_hk_find(c, hotkey);
    int64_t uid = id < 0 ? -1 : chain_hk_uid(c, (uint32_t)id, netuid);
    if (uid < 0) return chain_fail(err, CHAIN_E_HOTKEY_NOT_REGISTERED, "the caller holds no uid on netuid %u", netuid);
    chain_err e = chain_weights_gate(c, s, (uint32_t)uid, chain_uid_stake(c, s, (uint32_t)uid), version_key, err);
    if (e != CHAIN_OK) return e;
    *sp = s;
    *uid_out = (uint32_t)uid;
    return CHAIN_OK;
}

bool chain_has_duplicates_top(const uint16_t *v, size_t n, uint16_t *dup, uint16_t *top_out)
{
    /* the common case: sorted destinations, no bitmap; the maximum is then
     * the last one */
    bool increasing = true;
    size_t k = 1;
#ifdef UP_LANES
    up_i16 down = {0};
    for (; k + UP_LANES <= n; k += UP_LANES) down |= UP_LD(v + k) <= UP_LD(v + k - 1);
    for (int l = 0; l < UP_LANES; l++) increasing &= down[l] == 0;
#endif
    for (; k < n; k++) increasing &= v[k] > v[k - 1];
    const uint16_t top = !n ? 0 : increasing ? v[n - 1] : up_max(v, n);
    if (top_out) *top_out = top;
    if (increasing) return false;
    uint64_t seen[65536 / 64];
    memset(seen, 0, ((size_t)top / 64 + 1) * sizeof seen[0]);
    for (k = 0; k < n; k++) {
        uint64_t bit = (uint64_t)1 << (v[k] % 64);
        if (seen[v[k] / 64] & bit) {
            *dup = v[k];
            return true;
        }
        seen[v[k] / 64] |= bit;
    }
    return false;
}

bool chain_has_duplicates(const uint16_t *v, size_t n, uint16_t *dup) { return chain_has_duplicates_top(v, n, dup, NULL); }

uint16_t *chain_wbuf(chain *c, size_t n)
{
    if (n > c->wbuf_cap) {
        uint16_t *q = realloc(c->wbuf, n * sizeof *q);
        if (!q) return NULL;
        c->wbuf = q;
        c->wbuf_cap = n;
    }
    return c->wbuf ? c->wbuf : (c->wbuf = malloc(sizeof *c->wbuf), c->wbuf_cap = 1, c->wbuf);
}

chain_err chain_weights_store(chain *c, chain_subnet *s, uint32_t uid, const uint16_t *dests, const uint16_t *vals,
                              size_t len, io_err *err)
{
    bool self = len == 1 && dests[0] == uid; /* is_self_weight */
    uint32_t min = s->hp.min_allowed_weights < s->n ? s->hp.min_allowed_weights : s->n;
    if (!self && len < min)
        return chain_fail(err, CHAIN_E_WEIGHT_VEC_LENGTH_LOW, "%zu weights, at least %u required", len, min);
    chain_row *row = &s->weights[uid];
    uint16_t limit = s->hp.max_weight_limit;
    if (self || limit == 65535) { /* no MaxWeightExceeded check: upscale straight into the row */
        if (chain_row_reserve(row, len) != 0) return chain_fail_nomem(err);
        chain_max_upscale_row(vals, dests, len, row->ent);
        row->len = (uint32_t)len;
        s->last_update[uid] = c->block;
        return CHAIN_OK;
    }
    uint16_t *up = chain_wbuf(c, len);
    if (!up || chain_row_reserve(row, len) != 0) return chain_fail_nomem(err);
    chain_max_upscale_u16(vals, len, up);
    if (!self && limit != 65535 && !chain_vec_max_limited(up, len, limit))
        return chain_fail(err, CHAIN_E_MAX_WEIGHT_EXCEEDED, "a weight exceeds max_weight_limit %u/65535 of the total",
                          limit);
    chain_row_store(row, dests, up, len);
    s->last_update[uid] = c->block;
    return CHAIN_OK;
}

/* Checks 9-11 of do_set_weights: permit, duplicates, destinations. */
static chain_err weights_check_content(const chain_subnet *s, uint32_t uid, const uint16_t *dests, size_t len,
                                       bool self, io_err *err)
{
    if (!self && !s->permit[uid])
        return chain_fail(err, CHAIN_E_NO_VALIDATOR_PERMIT, "uid %u has no validator permit", uid);
    uint16_t d, top = 0;
    if (chain_has_duplicates_top(dests, len, &d, &top))
        return chain_fail(err, CHAIN_E_DUPLICATE_UIDS, "uid %u appears twice", d);
    if (len && top >= s->n) /* some destination does not exist: name the first, as the scan would */
        for (size_t k = 0; k < len; k++)
            if (dests[k] >= s->n)
                return chain_fail(err, CHAIN_E_INVALID_UID, "uid %u does not exist (netuid %u has %u uids)", dests[k],
                                  s->netuid, s->n);
    return CHAIN_OK;
}

chain_err chain_set_weights(chain *c, uint16_t netuid, const char *hotkey, const uint16_t *dests, size_t ndests,
                            const uint16_t *vals, size_t nvals, uint64_t version_key, io_err *err)
{
    chain_subnet *s = NULL;
    uint32_t uid = 0;
    chain_err e = weights_check_caller(c, &s, netuid, hotkey, ndests, nvals, version_key, &uid, err);
    if (e != CHAIN_OK) return e;
    bool self = nvals == 1 && dests[0] == uid; /* is_self_weight */
    e = weights_check_content(s, uid, dests, ndests, self, err);
    if (e != CHAIN_OK) return e;
    return chain_weights_store(c, s, uid, dests, vals, nvals, err);
}

/* ---- bonds (snapshot loading), subnet owner and bonds reset (Yuma 3) ------- */

static chain_err subnet_uid_check(const chain *c, uint16_t netuid, uint32_t uid, chain_subnet **sp, io_err *err)
{
    chain_subnet *s = chain_find(c, netuid);
    if (!s) return chain_fail(err, CHAIN_EINVAL, "netuid %u does not exist", netuid);
    if (uid >= s->n) return chain_fail(err, CHAIN_EINVAL, "uid %u does not exist (netuid %u has %u uids)", uid, netuid, s->n);
    *sp = s;
    return CHAIN_OK;
}

chain_err chain_set_bonds(chain *c, uint16_t netuid, uint32_t uid, const uint16_t *dests, const uint16_t *vals,
                          size_t len, io_err *err)
{
    chain_subnet *s = NULL;
    chain_err e = subnet_uid_check(c, netuid, uid, &s, err);
    if (e != CHAIN_OK) return e;
    bool seen[YUMA_MAX_UIDS];
    memset(seen, 0, sizeof seen);
    for (size_t k = 0; k < len; k++) {
        if (dests[k] >= s->n)
            return chain_fail(err, CHAIN_EINVAL, "bond destination %u is out of range (netuid %u has %u uids)", dests[k],
                        netuid, s->n);
        if (seen[dests[k]]) return chain_fail(err, CHAIN_EINVAL, "bond destination %u appears twice", dests[k]);
        seen[dests[k]] = true;
    }
    chain_row *r = &s->bonds[uid];
    if (chain_row_reserve(r, len) != 0) return chain_fail_nomem(err);
    chain_row_store(r, dests, vals, len); /* the order given: it matters to Liquid Alpha 2 */
    return CHAIN_OK;
}

chain_err chain_set_owner(chain *c, uint16_t netuid, uint32_t uid, io_err *err)
{
    chain_subnet *s = NULL;
    chain_err e = subnet_uid_check(c, netuid, uid, &s, err);
    if (e != CHAIN_OK) return e;
    s->has_owner_hotkey = true;
    s->owner_hotkey = s->hotkey[uid];
    return CHAIN_OK;
}

chain_err chain_reset_bonds(chain *c, uint16_t netuid, uint32_t uid, io_err *err)
{
    chain_subnet *s = NULL;
    chain_err e = subnet_uid_check(c, netuid, uid, &s, err);
    if (e != CHAIN_OK || !s->hp.bonds_reset_enabled) return e;
    for (uint32_t i = 0; i < s->n; i++) { /* drop (i, uid) from every row, order kept */
        chain_row *r = &s->bonds[i];
        uint32_t k = 0;
        for (uint32_t q = 0; q < r->len; q++)
            if (r->ent[q].col != uid) r->ent[k++] = r->ent[q];
        r->len = k;
    }
    return CHAIN_OK;
}
