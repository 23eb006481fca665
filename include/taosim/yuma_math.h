/* yuma_math.h -- the epoch's vector and matrix primitives (math.rs of
 * subtensor v1.2.4), bit for bit. Internal header of the yuma room: the v2
 * driver (sim/yuma.c), a future v3 sibling and the tests use it; the replay
 * and chain rooms talk to yuma.h only.
 *
 * Every function returns exactly the raw bits the chain's function computes
 * for the same raw inputs (../shared/spec/yuma-epoch.md §3, §5); where a
 * faster algorithm replaces the chain's, the comment states why the result is
 * identical and a test compares the two. Values are I32F32 (fx.h) unless
 * stated; "mul" is saturating_mul (floor), "div" is saturating_div (trunc).
 * Division by zero never happens: every divisor is tested first, as the chain
 * does. No floating point, no globals. Scratch memory comes from a
 * yuma_arena used as a stack: a function restores `used` before returning.
 *
 * Overflow policy: where the chain's plain `+`/`to_num` would overflow (debug
 * panic, release wrap) the functions wrap like the production (release)
 * runtime; with valid chain state these never overflow (yuma-epoch.md §1.7).
 */
#ifndef TAOSIM_YUMA_MATH_H
#define TAOSIM_YUMA_MATH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "taosim/fx.h"
#include "taosim/yuma.h"

/* ---- scratch ------------------------------------------------------------ */

/* 16-byte aligned block of `bytes` from the arena, NULL when it does not fit.
 * A sequence of allocations b_1..b_k fits in 16 + Σ ym_round16(b_i) bytes
 * whatever the alignment of the base. */
void *ym_alloc(yuma_arena *a, size_t bytes);
static inline size_t ym_round16(size_t bytes) { return (bytes + 15) & ~(size_t)15; }

/* ---- division ------------------------------------------------------------ */

/* div() of the normalisations, floor(num * 2^32 / den), for
 * 0 <= num <= den, den > 0 (a non-negative term divided by a sum of
 * non-negative terms that contains it): the quotient is <= ONE, so it never
 * saturates, and below ONE the shifted numerator fits 64 bits and one
 * hardware division does it. Where many values share the divisor, ym_rdiv
 * below gives the same quotient without a divide instruction. */
static inline int64_t ym_div_le(int64_t num, int64_t den)
{
    if (num < I32F32_ONE_BITS) return (int64_t)(((uint64_t)num << 32) / (uint64_t)den);
    return (int64_t)((((fx_u128)(uint64_t)num) << 32) / (uint64_t)den);
}

/* div() of a stored u16 value by a sum of such values (row normalisation of
 * weights, column normalisation of bonds): floor(b * 2^32 / d) for
 * b <= 65535 and 1 <= d < 2^32, by one high multiply. Granlund & Montgomery
 * (PLDI 1994, Thm 4.2): for n < 2^N, l = ceil(log2 d) and
 * m = ceil(2^(N+l) / d), m*d = 2^(N+l) + e with 0 <= e < d <= 2^l, so
 * n*m / 2^(N+l) exceeds n/d by less than 1/d and floor(n/d) =
 * floor(n*m / 2^(N+l)). With n = b * 2^32 (N = 48, m < 2^49) that is
 * floor(b*m / 2^(16+l)) = floor((b << (48-l)) * m / 2^64), b << (48-l) < 2^64.
 * tests/test_yuma_math.c checks every b against division. */
typedef struct ym_u16div {
    uint64_t m;
    unsigned pre; /* 48 - l */
} ym_u16div;

static inline ym_u16div ym_u16div_make(uint64_t d)
{
    const unsigned l = d > 1 ? 64u - (unsigned)__builtin_clzll(d - 1) : 0u;
    const fx_u128 p = (fx_u128)1 << (48 + l);
    ym_u16div r = {(uint64_t)(p / d + (p % d != 0)), 48 - l};
    return r;
}

static inline int64_t ym_u16div_apply(ym_u16div r, uint64_t b)
{
    return (int64_t)(((fx_u128)(b << r.pre) * r.m) >> 64);
}

/* ym_div_le by an invariant divisor, exact: floor(x * 2^32 / d) for
 * 0 <= x <= d and 1 <= d < 2^63, by a precomputed reciprocal, one high
 * multiply and one correction step (Granlund & Montgomery, PLDI 1994;
 * Möller & Granlund, IEEE TC 2011, in the form "estimate, then fix by the
 * remainder").
 *
 * Proof. Let p = clz(d) - 1, D = d * 2^p in [2^62, 2^63), X = x * 2^p <= D
 * (so x << p cannot overflow) and m = floor((2^126 - 1) / D), which is below
 * 2^64 because D >= 2^62. Write m * D = 2^126 - e; since m is the floor of
 * (2^126 - 1) / D, 1 <= e <= D. The wanted quotient is q = floor(Q) with
 * Q = x * 2^32 / d = X * 2^32 / D <= 2^32, and
 *     X * m / 2^94 = Q - X * e / (D * 2^94),   0 <= X * e / D <= X < 2^63,
 * so Q - 2^-31 < X * m / 2^94 <= Q and t = floor(X * m / 2^94) is q or q - 1.
 * The remainder r = x * 2^32 - t * d = d * (Q - t) lies in [0, 2d), below
 * 2^64, so computing it modulo 2^64 (unsigned wrap) gives it exactly, and
 * q = t + (r >= d). Most of the time the fix is not needed and is skipped:
 * with hi = floor(X * m / 2^64), t = hi >> 30 and the fraction
 * f = (X * m mod 2^94) / 2^94 < ((hi mod 2^30) + 1) / 2^30; if
 * hi mod 2^30 != 2^30 - 1 then f <= 1 - 2^-30, so Q < t + f + 2^-31 < t + 1
 * and q = t. tests/test_yuma_math.c compares this with the 128-bit
 * division on random and edge operands (d = 1, powers of two and their
 * neighbours, d near 2^63, x = 0, x = d, x = d - 1). */
typedef struct ym_rdiv {
    uint64_t m; /* floor((2^126 - 1) / (d << p)) */
    uint64_t d; /* the divisor */
    unsigned p; /* clz(d) - 1 */
} ym_rdiv;

static inline ym_rdiv ym_rdiv_make(uint64_t d)
{
    ym_rdiv r;
    r.p = (unsigned)__builtin_clzll(d) - 1u;
    r.d = d;
    r.m = (uint64_t)(((((fx_u128)1) << 126) - 1) / (d << r.p));
    return r;
}

static inline int64_t ym_rdiv_apply(const ym_rdiv *r, uint64_t x)
{
    const uint64_t hi = (uint64_t)((((fx_u128)(x << r->p)) * r->m) >> 64), t = hi >> 30;
    if (__builtin_expect((hi & 0x3FFFFFFFu) != 0x3FFFFFFFu, 1)) return (int64_t)t; /* see below */
    return (int64_t)(t + ((x << 32) - t * r->d >= r->d));
}

/* mul() of non-negative operands whose exact product is below 2^95
 * (proportions and their sums): the floor, which cannot saturate. */
static inline int64_t ym_mul_pos(int64_t a, int64_t b)
{
    return (int64_t)(((fx_u128)(uint64_t)a * (uint64_t)b) >> 32);
}

/* div() of the dense epoch, floor(x * 2^32 / d) for 0 <= x <= d and
 * 1 <= d <= 2^32 (every divisor of the v1.2.4 epoch is a proportion sum,
 * at most ONE, or a sum of u16 values), in 64-bit products only, so that
 * the same formula runs in vector lanes (YM_QDIV below).
 *
 * Proof. For d < 2^32 let s = clz32(d), D = d << s in [2^31, 2^32),
 * V = floor((2^64 - 1) / D) in [2^32, 2^33) and v = V - 2^32 < 2^32;
 * X = x << s <= D < 2^32. The wanted q = floor(Q), Q = X * 2^32 / D. With
 * t = X + floor(X * v / 2^32) = floor(X * V / 2^32) (X * v < 2^64):
 * V <= (2^64 - 1) / D gives t <= floor((2^64 - 1) * X / D / 2^32) <= q and
 * t <= 2^32 - 1; V >= (2^64 - D) / D gives t >= floor(Q - X / 2^32) >= q - 1
 * since X < 2^32. So t * D < 2^64, the remainder r = X * 2^32 - t * D lies
 * in [0, 2D) (computed modulo 2^64 it is exact), and q = t + (r >= D).
 * d = 2^32 is encoded as s = 0, v = 0, D = 2^32: t = x, and X * 2^32 and
 * t * D agree modulo 2^64 (both are x * 2^32, 0 for x = 2^32), so r = 0 < D
 * and q = x. tests/test_yuma_math.c compares it with the 128-bit division
 * on edge and random operands, and the lanes with the scalar form. */
typedef struct ym_qd {
    uint64_t sh, v, dn; /* s, v, D */
} ym_qd;

static inline ym_qd ym_qd_make(uint64_t d)
{
    ym_qd r;
    if (d >= ((uint64_t)1 << 32)) { /* d = 2^32 */
        r.sh = 0;
        r.v = 0;
        r.dn = d;
        return r;
    }
    r.sh = (uint64_t)__builtin_clzll(d) - 32u;
    r.dn = d << r.sh;
    r.v = UINT64_MAX / r.dn - ((uint64_t)1 << 32);
    return r;
}

static inline uint64_t ym_qd_apply(uint64_t x, uint64_t sh, uint64_t v, uint64_t dn)
{
    const uint64_t xs = x << sh, t = xs + ((xs * v) >> 32), r = (xs << 32) - t * dn;
    return t + (r >= dn);
}

/* Lanes: four u64 in a GCC/Clang vector (the compiler maps them onto
 * SSE2, AVX2, AVX-512VL or NEON registers; the arithmetic is the C
 * arithmetic of each lane, wrapping modulo 2^64, so any mapping gives the
 * same bits). YM_LD / YM_ST access four u64 of an array at any 8-byte
 * alignment. The helpers are statement-expression macros rather than
 * functions: a vector argument of a non-AVX function draws GCC's and
 * Clang's ABI warnings. Their operands are single evaluations. */
#if defined(__GNUC__) || defined(__clang__)
#define YM_LANES 4
typedef uint64_t ym_v4 __attribute__((vector_size(32)));
typedef int64_t ym_v4i __attribute__((vector_size(32)));
typedef uint64_t ym_v4m __attribute__((vector_size(32), aligned(8), may_alias));
/* Eight lanes, for the AVX-512 build's main loops (one zmm register per
 * vector); the other builds never run them (YM_LANE_LOOP). */
typedef uint64_t ym_v8 __attribute__((vector_size(64)));
typedef int64_t ym_v8i __attribute__((vector_size(64)));
typedef uint64_t ym_v8m __attribute__((vector_size(64), aligned(8), may_alias));
/* The helpers for W lanes, W = 4 or 8 (a literal: it names the type). */
#define YMW_LD(W, p) ((ym_v##W)*(const ym_v##W##m *)(const void *)(p))
#define YMW_ST(W, p, x) (*(ym_v##W##m *)(void *)(p) = (x))
#define YMW_SPLAT(W, x) ((ym_v##W){0} + (uint64_t)(x))
#define YMW_HSUM(W, x) ({ const ym_v##W h_ = (x); uint64_t s_ = 0; for (int l_ = 0; l_ < (W); l_++) s_ += h_[l_]; s_; })
/* max / min of lanes below 2^63 */
#define YMW_MAX(W, a, b) ({ const ym_v##W xa_ = (a), xb_ = (b); const ym_v##W gt_ = (ym_v##W)((ym_v##W##i)xa_ > (ym_v##W##i)xb_); (xa_ & gt_) | (xb_ & ~gt_); })
#define YMW_MIN(W, a, b) ({ const ym_v##W na_ = (a), nb_ = (b); const ym_v##W lt_ = (ym_v##W)((ym_v##W##i)na_ < (ym_v##W##i)nb_); (na_ & lt_) | (nb_ & ~lt_); })
/* ym_qd_apply lane by lane: x (lanes <= d), the divisor's s, v and D */
#define YMW_QDIV(W, x, sh, v, dn) ({ \
    const ym_v##W qs_ = (x) << (sh), qd_ = (dn); \
    const ym_v##W qt_ = qs_ + ((qs_ * (v)) >> 32), qr_ = (qs_ << 32) - qt_ * qd_; \
    qt_ + 1 + (ym_v##W)((ym_v##W##i)qd_ > (ym_v##W##i)qr_); })
/* mul() of proportions a, b in [0, ONE]: the product is below 2^64 unless
 * a = b = ONE, where it wraps to 0 and bit 32 of a & b restores ONE */
#define YMW_MUL01(W, a, b) ({ const ym_v##W ma_ = (a), mb_ = (b); ((ma_ * mb_) >> 32) | (ma_ & mb_ & YMW_SPLAT(W, I32F32_ONE_BITS)); })
/* mul() where one operand is below ONE and the other at most ONE: the
 * product is below 2^64 */
#define YM_MUL1(a, b) (((a) * (b)) >> 32)
#define YM_LD(p) YMW_LD(4, p)
#define YM_ST(p, x) YMW_ST(4, p, x)
#define YM_V4(x) ((ym_v4){(x), (x), (x), (x)})
#define YM_HSUM(x) YMW_HSUM(4, x)
#define YM_MAX(a, b) YMW_MAX(4, a, b)
#define YM_MIN(a, b) YMW_MIN(4, a, b)
#define YM_QDIV(x, sh, v, dn) YMW_QDIV(4, x, sh, v, dn)
#define YM_MUL01(a, b) YMW_MUL01(4, a, b)
/* for (j = 0; j < np; ): BODY(8) while eight columns remain where w8 (the
 * AVX-512 build: a constant there), then BODY(4) (np is a multiple of 4).
 * The arithmetic of a lane does not depend on the width, and the sums and
 * maxima across lanes are integer ones: either width gives the same bits. */
#define YM_LANE_LOOP(w8, j, np, BODY, A, B)                                                          \
    do {                                                                                             \
        uint32_t j = 0;                                                                              \
        if (w8)                                                                                      \
            for (; j + 8 <= (np); j += 8) BODY(8, A, B);                                             \
        for (; j < (np); j += 4) BODY(4, A, B);                                                      \
    } while (0)
/* The same with four lanes only (a pass whose lane expressions exist for
 * four). */
#define YM_LANE_LOOP4(w8, j, np, BODY, A, B)                                                         \
    do {                                                                                             \
        (void)(w8);                                                                                  \
        for (uint32_t j = 0; j < (np); j += 4) BODY(4, A, B);                                        \
    } while (0)
#define YM_IOTA4 ((ym_v4){0, 1, 2, 3})
#define YM_IOTA8 ((ym_v8){0, 1, 2, 3, 4, 5, 6, 7})
/* A sum kept in both widths' lanes across a YM_LANE_LOOP (name4, name8),
 * and its total. */
#define YM_ACC(name) ym_v8 name##8 = {0}; ym_v4 name##4 = {0}
#define YM_ACC_TOTAL(name) (YMW_HSUM(8, name##8) + YMW_HSUM(4, name##4))
#endif

/* Builds of the lane code: the base ISA (portable, always compiled) and,
 * on x86-64 with GCC or Clang, AVX2 and AVX-512F/VL/DQ, chosen at run time
 * (ym_impl_available). */
typedef enum ym_impl {
    YM_IMPL_AUTO,
    YM_IMPL_SPARSE,
    YM_IMPL_DENSE,        /* portable lanes (the fallback), compiled for the base ISA */
    YM_IMPL_DENSE_AVX2,   /* the same source compiled for AVX2 (x86-64) */
    YM_IMPL_DENSE_AVX512, /* ... for AVX-512F/VL/DQ */
} ym_impl;
#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#define YM_X86_DISPATCH 1
#define YM_TARGET_AVX2 __attribute__((target("avx2")))
#define YM_TARGET_AVX512 __attribute__((target("avx512f,avx512vl,avx512dq")))
#endif

/* ---- dense rows: the lane passes of both drivers --------------------------
 * A dense row is one uid's row of np cells (n rounded up to YM_LANES), 0
 * where the sparse row has no entry; the per-column vectors the lanes read
 * hold np entries, 0 beyond n, and the registration blocks UINT64_MAX
 * there (no padding column is ever kept). Static inline and always inlined:
 * each driver's lane pass compiles them for the ISA of its build (the base
 * one, AVX2, AVX-512). */
/* The duplicate check of a row whose columns do not increase: among the
 * kept entries (column < n, not outdated for lu, not the column `diag`;
 * -1: none) no column twice. stamp: n u32 that hold no `mark` yet. */
bool ym_no_duplicates(const yuma_entry *ent, uint32_t qb, uint32_t qe, uint32_t n, uint64_t lu, const uint64_t *bar,
                      int64_t diag, uint32_t mark, uint32_t *stamp);

#if defined(__GNUC__) || defined(__clang__)
#define YM_AI __attribute__((always_inline))

/* Little-endian: an entry is the u32 col | val << 16, four or eight of
 * them one lane vector. */
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
typedef uint32_t ym_ent4 __attribute__((vector_size(16), aligned(2), may_alias));
typedef uint32_t ym_ent8 __attribute__((vector_size(32), aligned(2), may_alias));
typedef int32_t ym_ent8i __attribute__((vector_size(32), aligned(2), may_alias));
#define YM_COMPLETE_ROWS 1
#endif
typedef int8_t ym_z4 __attribute__((vector_size(4))); /* a lane mask narrowed to bytes */

/* mul() in the lane passes: YM_MUL01, or YM_MUL1 where no product can be
 * ONE * ONE (`wide` false: a flag the caller checked, a compile-time
 * constant of each instance). */
#define YM_MUL(wide, a, b) ((wide) ? YM_MUL01(a, b) : YM_MUL1(a, b))
#define YMW_MUL(W, wide, a, b) ((wide) ? YMW_MUL01(W, a, b) : YM_MUL1(a, b))
/* Whether a lane pass of build isa runs eight lanes. */
#define YM_W8(isa) ((isa) == YM_IMPL_DENSE_AVX512)

/* Whether uid i has a dense row: a weight row it may use (forbid: no
 * permit before the call) or a bond row. Every other uid has no entry
 * anywhere. */
static inline bool ym_dense_row(const yuma_input *in, const bool *forbid, uint32_t i)
{
    return (!forbid[i] && in->weights.off[i + 1] > in->weights.off[i]) || in->bonds.off[i + 1] > in->bonds.off[i];
}

/* Cells of row r whose column is outdated for last_update lu (lu <= bar_j;
 * the padding columns have bar_j = UINT64_MAX) set to 0; returns the sum. */
static inline YM_AI uint64_t ym_mask_outdated(uint64_t *restrict r, uint32_t np, uint64_t lu,
                                              const uint64_t *restrict bar, const bool w8)
{
    YM_ACC(acc);
#define MASK_OUTDATED(W, A_, B_)                                                                             \
    {                                                                                                \
        const ym_v##W x = YMW_LD(W, r + j) & (ym_v##W)(YMW_SPLAT(W, lu) > YMW_LD(W, bar + j));       \
        YMW_ST(W, r + j, x);                                                                         \
        acc##W += x;                                                                                 \
    }
    YM_LANE_LOOP(w8, j, np, MASK_OUTDATED, 0, 0);
#undef MASK_OUTDATED
    return YM_ACC_TOTAL(acc);
}

/* Row qb..qe of ent into the dense row r of np cells, 0 where the row
 * has no entry (a later duplicate overwrites), then with the outdated
 * cells (for last_update lu) set to 0 and the sum of the row in *sum.
 * Columns >= n are dropped (drop: the range of get_weights_sparse) or
 * refused (false). *inc: whether the columns below n strictly increase
 * (then no column repeats). A row that lists every column in order, the
 * usual validator row, is read straight across on lanes; a row in
 * increasing column order below n is checked on lanes and scattered
 * without branches; any other is scattered with the checks. */
static inline YM_AI bool ym_load_row(const yuma_entry *restrict ent, uint32_t qb, uint32_t qe, uint32_t n,
                                     uint32_t np, uint64_t *restrict r, bool drop, bool *inc, uint64_t lu,
                                     const uint64_t *restrict bar, uint64_t *sum, const bool w8)
{
#ifdef YM_COMPLETE_ROWS
    if (qe - qb == n && ent[qb].col == 0 && ent[qe - 1].col == n - 1) {
        const yuma_entry *restrict e = ent + qb;
        YM_ACC(bad);
        YM_ACC(acc);
        uint32_t j = 0;
        /* the values of entries j.. (outdated ones 0), and bad nonzero
         * where an entry is not column j.. */
#define COMPLETE_ROW(W)                                                                              \
    {                                                                                                \
        const ym_v##W x = __builtin_convertvector(*(const ym_ent##W *)(const void *)(e + j), ym_v##W); \
        const ym_v##W v = (x >> 16) & (ym_v##W)(YMW_SPLAT(W, lu) > YMW_LD(W, bar + j));              \
        bad##W |= (x & 0xFFFFu) ^ (YMW_SPLAT(W, j) + YM_IOTA##W);                                   \
        acc##W += v;                                                                                 \
        YMW_ST(W, r + j, v);                                                                         \
    }
        if (w8)
            for (; j + 8 <= n; j += 8) COMPLETE_ROW(8);
        for (; j + 4 <= n; j += 4) COMPLETE_ROW(4);
#undef COMPLETE_ROW
        uint64_t off = YM_ACC_TOTAL(bad), s = YM_ACC_TOTAL(acc);
        for (; j < n; j++) {
            off |= e[j].col ^ j;
            r[j] = lu > bar[j] ? e[j].val : 0;
            s += r[j];
        }
        if (!off) {
            for (; j < np; j++) r[j] = 0;
            *inc = true;
            *sum = s;
            return true;
        }
    }
    /* sorted (a row the epoch wrote, a chain-sorted one): check on lanes,
     * then scatter without branches */
    if (qe > qb && ent[qe - 1].col < n) {
        const yuma_entry *restrict e = ent + qb;
        const uint32_t len = qe - qb;
        ym_ent8i bad = {0};
        uint32_t k = 0;
        for (; k + 8 < len; k += 8) { /* the columns, the low halves, as i32 lanes */
            const ym_ent8i x = *(const ym_ent8i *)(const void *)(e + k) & 0xFFFF,
                           y = *(const ym_ent8i *)(const void *)(e + k + 1) & 0xFFFF;
            bad |= y <= x;
        }
        uint64_t down = 0;
        for (int l = 0; l < 8; l++) down |= (uint32_t)bad[l];
        for (; k + 1 < len; k++) down |= e[k + 1].col <= e[k].col;
        if (!down) {
            memset(r, 0, np * sizeof *r);
            k = 0;
            for (; k + 4 <= len; k += 4) {
                r[e[k].col] = e[k].val;
                r[e[k + 1].col] = e[k + 1].val;
                r[e[k + 2].col] = e[k + 2].val;
                r[e[k + 3].col] = e[k + 3].val;
            }
            for (; k < len; k++) r[e[k].col] = e[k].val;
            *inc = true;
            *sum = ym_mask_outdated(r, np, lu, bar, w8);
            return true;
        }
    }
#endif
    memset(r, 0, np * sizeof *r);
    int64_t prev = -1;
    uint64_t down = 0;
    for (uint32_t q = qb; q < qe; q++) {
        const uint32_t j = ent[q].col;
        if (j >= n) {
            if (drop) continue;
            return false;
        }
        down |= (uint64_t)((int64_t)j - prev - 1); /* the sign bit: j <= prev */
        prev = j;
        r[j] = ent[q].val;
    }
    *inc = !(down >> 63);
    *sum = ym_mask_outdated(r, np, lu, bar, w8);
    return true;
}

/* Row i of rows (weights or bonds) into the dense row r, as ym_load_row
 * (weights: columns >= n dropped; bonds: refused), and the check that no
 * kept column repeats where the columns do not increase (kept: not
 * outdated for lu, not the column diag; -1: none), with the marks i + 1
 * (weights) or n + i + 1 (bonds) in stamp (n u32 cleared at the start of
 * the epoch). false: the chain refuses the row (the epoch is YUMA_EINPUT);
 * *inc and *sum as ym_load_row. */
static inline YM_AI bool ym_dense_load(const yuma_csr *rows, uint32_t i, uint32_t n, uint32_t np,
                                       uint64_t *restrict r, bool weights, uint64_t lu, const uint64_t *restrict bar,
                                       int64_t diag, uint32_t *stamp, bool *inc, uint64_t *sum, const bool w8)
{
    const uint32_t qb = rows->off[i], qe = rows->off[i + 1];
    *inc = true;
    if (!ym_load_row(rows->ent, qb, qe, n, np, r, weights, inc, lu, bar, sum, w8)) return false;
    return *inc || ym_no_duplicates(rows->ent, qb, qe, n, lu, bar, diag, weights ? i + 1 : n + i + 1, stamp);
}

/* A voting row normalised by the divisor r (integer values: div(w<<32,
 * sum<<32) = floor(w*2^32/sum)), its preranks mul(a_i, w) added to pre and
 * its column maxima to wmax; wide: a_i = ONE. */
static inline YM_AI void ym_dense_weights_row(uint64_t *restrict wr, uint32_t np, ym_qd r, uint64_t ai,
                                              uint64_t *restrict pre, uint64_t *restrict wmax, const bool wide,
                                              const bool w8)
{
#define WEIGHTS_ROW(W, A_, B_)                                                                               \
    {                                                                                                \
        const ym_v##W w = YMW_QDIV(W, YMW_LD(W, wr + j), YMW_SPLAT(W, r.sh), YMW_SPLAT(W, r.v), YMW_SPLAT(W, r.dn)); \
        YMW_ST(W, wr + j, w);                                                                        \
        YMW_ST(W, pre + j, YMW_LD(W, pre + j) + YMW_MUL(W, wide, YMW_SPLAT(W, ai), w));              \
        YMW_ST(W, wmax + j, YMW_MAX(W, YMW_LD(W, wmax + j), w));                                     \
    }
    YM_LANE_LOOP(w8, j, np, WEIGHTS_ROW, 0, 0);
#undef WEIGHTS_ROW
}

/* The start of a dense weights pass: no duplicate marks yet (stamp, n),
 * preranks and column maxima 0 (np). */
static inline void ym_dense_weights_begin(uint32_t n, uint32_t np, uint32_t *stamp, uint64_t *pre, uint64_t *wmax)
{
    memset(stamp, 0, n * sizeof *stamp);
    memset(pre, 0, np * sizeof *pre);
    memset(wmax, 0, np * sizeof *wmax);
}

/* Row normalisation of a loaded weight row of integers whose sum is sum
 * (0: left as is), with the preranks and column maxima of a voting row
 * (a_i > 0: ym_dense_weights_row). */
static inline YM_AI void ym_dense_normalize_row(uint64_t *restrict wr, uint32_t np, uint64_t sum, uint64_t ai,
                                                uint64_t *restrict pre, uint64_t *restrict wmax, const bool w8)
{
    if (!sum) return;
    const ym_qd r = ym_qd_make(sum);
    if (ai >= (uint64_t)I32F32_ONE_BITS) {
        ym_dense_weights_row(wr, np, r, ai, pre, wmax, true, w8);
    } else if (ai > 0) {
        ym_dense_weights_row(wr, np, r, ai, pre, wmax, false, w8);
    } else {
#define NORMALIZE_ROW(W, A_, B_) YMW_ST(W, wr + j, YMW_QDIV(W, YMW_LD(W, wr + j), YMW_SPLAT(W, r.sh), YMW_SPLAT(W, r.v), YMW_SPLAT(W, r.dn)))
        YM_LANE_LOOP(w8, j, np, NORMALIZE_ROW, 0, 0);
#undef NORMALIZE_ROW
    }
}

/* Per-column divisors of YM_QDIV, one array per field so that four
 * columns load as one lane vector each; YM_QDIV_AT divides x by the
 * divisors of columns j .. j+3. */
typedef struct ym_qd_cols {
    uint64_t *sh, *v, *dn;
} ym_qd_cols;

static inline void ym_qd_set(ym_qd_cols *q, uint32_t j, uint64_t d)
{
    const ym_qd r = ym_qd_make(d ? d : 1u); /* d = 0: every numerator is 0 */
    q->sh[j] = r.sh;
    q->v[j] = r.v;
    q->dn[j] = r.dn;
}

#define YMW_QDIV_AT(W, x, q, j) ({ const ym_v##W qx_ = (x); YMW_QDIV(W, qx_, YMW_LD(W, (q).sh + (j)), YMW_LD(W, (q).v + (j)), YMW_LD(W, (q).dn + (j))); })
#define YM_QDIV_AT(x, q, j) YMW_QDIV_AT(4, x, q, j)

/* div() of a proportion sum by a larger sum in lanes: floor(x * 2^32 / d)
 * for 0 <= x <= d and 1 <= d < 2^46 (the column sums of Yuma 3 bonds reach
 * 4096 * ONE), YM_QDIV's divisor domain widened. Per divisor (ym_qdw_set):
 * k = 0 when d < 2^32, else the shift that brings d' = d >> k into
 * [2^31, 2^32); the YM_QDIV constants of d'; d itself (1 for d = 0: no
 * numerator but 0 then). Lanes: q = YM_QDIV(x >> k, d') (x >> k <= d'),
 * then fixed by the remainder.
 *
 * Proof. With x' = floor(x / 2^k), x'/(d' + 1) < x/d < (x' + 1)/d', and
 * 2^32/d' <= 2, so the wanted quotient lies within 2 of q (exactly q when
 * k = 0). The remainder r = x * 2^32 - q * d is then in [-2d, 3d), below
 * 2^63 in magnitude: computed modulo 2^64 (wrapping lanes) and read as
 * signed it is exact, and at most two steps each way (q -= 1, r += d
 * while r < 0; q += 1, r -= d while r >= d) give q. tests/test_yuma_math.c
 * compares it with the 128-bit division, the extreme cases included. */
static inline void ym_qdw_set(ym_qd_cols *q, uint64_t *k, uint64_t *dd, uint32_t j, uint64_t d)
{
    const unsigned bits = 64u - (unsigned)__builtin_clzll(d | 1u), s = bits > 32 ? bits - 32 : 0;
    ym_qd_set(q, j, d >> s);
    k[j] = s;
    dd[j] = d ? d : 1u;
}

#define YM_QDIVW(x, sh, v, dn, k, d) ({                                                                \
    const ym_v4 wx_ = (x), wd_ = (d);                                                                  \
    ym_v4 wq_ = YM_QDIV(wx_ >> (k), sh, v, dn), wr_ = (wx_ << 32) - wq_ * wd_, wt_;                   \
    wt_ = (ym_v4)((ym_v4i)wr_ < 0); wq_ += wt_; wr_ += wd_ & wt_;                                     \
    wt_ = (ym_v4)((ym_v4i)wr_ < 0); wq_ += wt_; wr_ += wd_ & wt_;                                     \
    wt_ = (ym_v4)((ym_v4i)wr_ >= (ym_v4i)wd_); wq_ -= wt_; wr_ -= wd_ & wt_;                          \
    wq_ - (ym_v4)((ym_v4i)wr_ >= (ym_v4i)wd_); })

/* Append the stored bonds of four cells, columns cols, u16 values b, to
 * be at k (a variable, advanced), leaving out the lanes whose mask zero is
 * set: one entry at a time, the cursor advanced only for the kept ones
 * (be needs YM_LANES spare entries beyond the last), or one store of four
 * when no lane is left out. A macro like the lane helpers above (no
 * vector arguments). */
#ifdef YM_COMPLETE_ROWS
/* the usual case: no lane left out (any false), W entries, one store */
#define YMW_EMIT_ALL(W, any, be, k, cols, b)                                                         \
    if (!(any)) {                                                                                    \
        *(ym_ent##W *)(void *)((be) + (k)) = __builtin_convertvector((cols) | (b) << 16, ym_ent##W);  \
        (k) += (W);                                                                                  \
        break;                                                                                       \
    }
#else
#define YMW_EMIT_ALL(W, any, be, k, cols, b)
#endif
#define YM_EMIT4(be, k, cols, b, zero)                                                               \
    do {                                                                                             \
        /* the lanes to leave out as four bytes (one narrowing, one test) */                         \
        const ym_z4 z_ = __builtin_convertvector((ym_v4i)(zero), ym_z4);                             \
        uint32_t any_;                                                                               \
        memcpy(&any_, &z_, sizeof any_);                                                             \
        YMW_EMIT_ALL(4, any_, be, k, cols, b)                                                        \
        const ym_v4 c_ = (cols), b_ = (b);                                                           \
        (be)[k] = (yuma_entry){(uint16_t)c_[0], (uint16_t)b_[0]};                                    \
        (k) += !z_[0];                                                                               \
        (be)[k] = (yuma_entry){(uint16_t)c_[1], (uint16_t)b_[1]};                                    \
        (k) += !z_[1];                                                                               \
        (be)[k] = (yuma_entry){(uint16_t)c_[2], (uint16_t)b_[2]};                                    \
        (k) += !z_[2];                                                                               \
        (be)[k] = (yuma_entry){(uint16_t)c_[3], (uint16_t)b_[3]};                                    \
        (k) += !z_[3];                                                                               \
    } while (0)

/* YM_EMIT4 for eight cells: one store of eight when no lane is left out,
 * else the two halves. */
typedef int8_t ym_z8 __attribute__((vector_size(8)));
#define YM_EMIT8(be, k, cols, b, zero)                                                               \
    do {                                                                                             \
        const ym_v8 c8_ = (cols), b8_ = (b);                                                         \
        const ym_v8i zz8_ = (ym_v8i)(zero);                                                          \
        const ym_z8 z8_ = __builtin_convertvector(zz8_, ym_z8);                                      \
        uint64_t any8_;                                                                              \
        memcpy(&any8_, &z8_, sizeof any8_);                                                          \
        YMW_EMIT_ALL(8, any8_, be, k, c8_, b8_)                                                      \
        ym_v4 ch_[2], bh_[2], zh_[2];                                                                \
        memcpy(ch_, &c8_, sizeof ch_);                                                               \
        memcpy(bh_, &b8_, sizeof bh_);                                                               \
        memcpy(zh_, &zz8_, sizeof zh_);                                                              \
        YM_EMIT4(be, k, ch_[0], bh_[0], zh_[0]);                                                     \
        YM_EMIT4(be, k, ch_[1], bh_[1], zh_[1]);                                                     \
    } while (0)

/* The write-back pass of both drivers' dense passes: for every uid i its
 * bonds action (SET for a new permit, CLEAR for a lost one, KEEP for
 * neither) and bonds_off, its dividend 0; for a uid with a dense row (the
 * rows of m in increasing uid order: m->drow, m->nd, cells m->dw, width
 * m->np) Σ_j mul(I_j, EN(W, e, j)) over the row's lane vectors e of W
 * columns from j, EN a macro (wide: some I_j may be ONE), DIVIDEND run
 * with that sum in acc (a u64: m->div[i] from it), and for a
 * SET row the entries of the cells e > 0 in column order with the u16
 * values BONDS(W, e, en, j) (en = EN(W, e, j)) appended to bonds_ent.
 * LOOP: YM_LANE_LOOP (EN and BONDS exist for W = 4 and 8; eight where w8)
 * or YM_LANE_LOOP4. m->inc holds I (0 beyond n). The lane bodies (in the
 * macro's scope: er_, inc_, be_, k_, acc_4, acc_8, wide_) come first. */
#define YM_OUT_SET_(W, EN, BONDS)                                                                    \
    {                                                                                                \
        const ym_v##W e = YMW_LD(W, er_ + j), en = EN(W, e, j);                                      \
        acc_##W += YMW_MUL(W, wide_, YMW_LD(W, inc_ + j), en);                                     \
        YM_EMIT##W(be_, k_, YMW_SPLAT(W, j) + YM_IOTA##W, BONDS(W, e, en, j), e == 0);               \
    }
#define YM_OUT_SUM_(W, EN, BONDS)                                                                    \
    {                                                                                                \
        const ym_v##W e = YMW_LD(W, er_ + j);                                                        \
        acc_##W += YMW_MUL(W, wide_, YMW_LD(W, inc_ + j), EN(W, e, j));                             \
    }
#define YM_DENSE_OUT_ROWS(in, out, m, wide, LOOP, w8, EN, BONDS, DIVIDEND)                           \
    do {                                                                                             \
        const uint64_t *restrict inc_ = (const uint64_t *)&(m)->inc[0].bits;                         \
        const bool wide_ = (wide);                                                                   \
        yuma_entry *restrict be_ = (out)->bonds_ent;                                                 \
        uint32_t k_ = 0, d_ = 0;                                                                     \
        (out)->bonds_off[0] = 0;                                                                     \
        for (uint32_t i = 0; i < (in)->n; i++) {                                                     \
            const bool set_ = (out)->permit_new[i];                                                  \
            (out)->bonds_action[i] = set_ ? YUMA_BONDS_SET : (in)->permit_old[i] ? YUMA_BONDS_CLEAR : YUMA_BONDS_KEEP; \
            (m)->div[i] = i32f32_zero();                                                             \
            if (d_ < (m)->nd && (m)->drow[d_] == i) {                                                \
                const uint64_t *restrict er_ = (m)->dw + (size_t)d_ * (m)->np;                       \
                YM_ACC(acc_);                                                                        \
                if (set_) LOOP(w8, j, (m)->np, YM_OUT_SET_, EN, BONDS);                              \
                else LOOP(w8, j, (m)->np, YM_OUT_SUM_, EN, BONDS);                                   \
                const uint64_t acc = YM_ACC_TOTAL(acc_);                                             \
                DIVIDEND;                                                                            \
                d_++;                                                                                \
            }                                                                                        \
            (out)->bonds_off[i + 1] = k_;                                                            \
        }                                                                                            \
    } while (0)
#endif

/* The uids with a dense row (ym_dense_row) into drow, in increasing order
 * (NULL: only counted); returns how many. */
uint32_t ym_dense_rows(const yuma_input *in, const bool *forbid, uint32_t *drow);
/* n rounded up to whole lane vectors: the width np of a dense row. */
static inline uint32_t ym_padded(uint32_t n) { return (n + YM_LANES - 1) / YM_LANES * YM_LANES; }
/* The dense passes run by themselves (YM_IMPL_AUTO) when their rows hold at
 * most 3/2 cells per stored weight or bond entry (measured at 64x256 on
 * AVX-512: the dense passes cost about the same at any density, the sparse
 * ones about in proportion to the entries; they break even near 1.3 to 2
 * cells per entry); the arenas are planned for that many, at most n * np. */
static inline size_t ym_dense_cells_auto(uint32_t n, size_t nnz_w, size_t nnz_b)
{
    const size_t all = (size_t)n * ym_padded(n), k = (nnz_w + nnz_b) + (nnz_w + nnz_b) / 2;
    return k < all ? k : all;
}
/* Whether an epoch (either variant) takes its dense passes, on which lanes
 * (*isa) and over how many cells (*cells: the dense rows times np). A
 * pinned dense impl takes them whatever the density; YM_IMPL_AUTO takes
 * the widest lanes the CPU has among AVX-512 and AVX2 (none: the sparse
 * passes; the portable lanes are slower than them where the base ISA lacks
 * variable shifts and 64-bit products, as on SSE2) when the cells are at
 * most ym_dense_cells_auto; never for n = 0 or α outside [0, ONE] (the
 * dense passes' plain EMA). */
bool ym_dense_choose(const yuma_input *in, const bool *forbid, ym_impl impl, i32f32 alpha_bma, ym_impl *isa,
                     size_t *cells);
/* bar[0 .. np): block_at_registration, UINT64_MAX in the padding columns
 * (no entry there is ever outdated). */
void ym_dense_bar(const yuma_input *in, uint32_t np, uint64_t *bar);


/* One lane pass built for each ISA from one source: YM_LANE_BUILDS(ret,
 * name, (params), CALL) defines static functions name_base and, on
 * x86-64, name_avx2 and name_avx512 with parameters params, each returning
 * CALL(isa) for its ISA (CALL: a macro, typically the always-inlined pass
 * with its arguments and isa); YM_LANE_CALL(isa, name, (args)) calls the
 * one of isa (the base build for any other). */
#ifdef YM_X86_DISPATCH
#define YM_LANE_BUILDS(ret, name, params, CALL)                                                       \
    static ret name##_base params { return CALL(YM_IMPL_DENSE); }                                    \
    YM_TARGET_AVX2 static ret name##_avx2 params { return CALL(YM_IMPL_DENSE_AVX2); }               \
    YM_TARGET_AVX512 static ret name##_avx512 params { return CALL(YM_IMPL_DENSE_AVX512); }
#define YM_LANE_CALL(isa, name, args)                                                                 \
    ((isa) == YM_IMPL_DENSE_AVX512 ? name##_avx512 args : (isa) == YM_IMPL_DENSE_AVX2 ? name##_avx2 args : name##_base args)
#else
#define YM_LANE_BUILDS(ret, name, params, CALL) static ret name##_base params { return CALL(YM_IMPL_DENSE); }
#define YM_LANE_CALL(isa, name, args) ((void)(isa), name##_base args)
#endif

/* ---- small exact helpers ------------------------------------------------ */

/* fixed_proportion_to_u16 (§3.12): floor(x * 65535) as u16, release wrap for
 * x outside [0, 1] (the chain's test build panics there; never reached). In
 * [0, 1] the product x * 65535 is exact below 2^48 and its integer part is
 * the result. */
static inline uint16_t ym_proportion_to_u16(i32f32 x)
{
    if (x.bits >= 0 && x.bits <= I32F32_ONE_BITS) return (uint16_t)(((uint64_t)x.bits * UINT16_MAX) >> 32);
    return i32f32_to_u16_wrap(i32f32_sat_mul(x, i32f32_from_u16(UINT16_MAX)));
}

/* floor(2^64 / d) for d >= 2 in 64-bit arithmetic (the I32F32 quotient
 * ONE / d): floor((2^64 - 1) / d), plus one where d divides 2^64. */
static inline uint64_t ym_one_over(uint64_t d)
{
    uint64_t q = UINT64_MAX / d;
    if (UINT64_MAX - q * d == d - 1) q++;
    return q;
}

/* x_i <- div(x_i, s) for every i, s != 0 (any signs). */
void ym_div_all(i32f32 *x, size_t n, i32f32 s);

/* floor(p / i) for 0 <= p < 2^63 and 2 <= i <= 31 without a divide (the
 * series of ym_exp); ym_div_small_row exposes the multiplier table for the
 * test. */
uint64_t ym_div_small(uint64_t p, unsigned i);
void ym_div_small_row(unsigned i, uint64_t *m, unsigned *sh);

/* exp of substrate-fixed for I32F32 (§1.8) with the chain's 30-term series,
 * every step checked; equal to fx.h's i32f32_exp for every input (tested),
 * but in 64-bit arithmetic with an early exit once the terms vanish. */
fx_status ym_exp(i32f32 x, i32f32 *out);
static inline i32f32 ym_safe_exp(i32f32 x)
{
    i32f32 r;
    return ym_exp(x, &r) == FX_OK ? r : i32f32_zero();
}

/* ---- sorting and selection ---------------------------------------------- */

/* Stable LSD radix sort of u64 keys ascending, carrying an optional u32
 * payload. tmp_key / tmp_pay: n elements each (tmp_pay only with payload).
 * Byte positions where every key agrees are skipped. */
void ym_radix_sort_u64(uint64_t *key, uint32_t *payload, size_t n, uint64_t *tmp_key, uint32_t *tmp_pay);

/* Order-preserving map of a signed raw to an unsigned sort key. */
static inline uint64_t ym_key_i64(int64_t v) { return (uint64_t)v ^ ((uint64_t)1 << 63); }

/* ---- vectors ------------------------------------------------------------ */

/* inplace_normalize (§3.1): s = Σ x (plain add); if s != 0, x_i <- div(x_i, s). */
void ym_normalize(i32f32 *x, size_t n);
/* inplace_normalize_using_sum (§3.2). */
void ym_normalize_using_sum(i32f32 *x, size_t n, i32f32 s);
/* inplace_normalize_64 (§3.3) on I64F64. */
void ym_normalize_64(i64f64 *x, size_t n);
/* vecdiv (§3.11): out_i = y_i != 0 ? div(x_i, y_i) : 0. */
void ym_vecdiv(const i32f32 *x, const i32f32 *y, size_t n, i32f32 *out);
/* Plain sum (wrapping like the release build). */
i32f32 ym_sum(const i32f32 *x, size_t n);

/* is_topk (§3.13): out_i true iff i is among the k largest, ties broken by a
 * stable ascending sort (among equal values the lower index loses), here by
 * selecting the value at position n - k of that order (radix select) rather
 * than sorting. false on scratch exhaustion (needs ym_topk_need(n) bytes). */
bool ym_is_topk(const i32f32 *v, size_t n, size_t k, bool *out, yuma_arena *scratch);
size_t ym_topk_need(size_t n);

/* vec_max_upscale_to_u16 (§3.12) and its u16 twin used by set_weights. */
void ym_vec_max_upscale_to_u16(const i32f32 *v, size_t n, uint16_t *out);
void ym_vec_u16_max_upscale_to_u16(const uint16_t *v, size_t n, uint16_t *out);

/* quantile (§3.18) of ascending `sorted` at q = q_num/q_den (0 <= q <= 1).
 * The chain computes pos = q*(len-1) and the weight pos - floor(pos) in f64;
 * here both are exact rationals and the weight is rounded to I32F32 to
 * nearest, ties to even, as from_num(f64) does. Identical whenever the f64
 * arithmetic is exact, which it is for the epoch's q = 1/4 and 3/4 (weights
 * 0, 1/4, 1/2, 3/4). */
i32f32 ym_quantile_sorted(const i32f32 *sorted, size_t len, uint32_t q_num, uint32_t q_den);
/* ym_quantile_sorted of x sorted, without sorting (two order statistics by
 * radix select). false on scratch exhaustion (needs ym_sort_need(len)). */
bool ym_quantile_select(const i32f32 *x, size_t len, uint32_t q_num, uint32_t q_den, i32f32 *out,
                        yuma_arena *scratch);
/* Ascending sort of I32F32 values (radix, stable). false on scratch exhaustion
 * (needs ym_sort_need(n)). */
bool ym_sort_i32f32(i32f32 *x, size_t n, yuma_arena *scratch);
size_t ym_sort_need(size_t n);

/* ---- sparse matrices ---------------------------------------------------- */

/* Row-compressed: row i holds (col[k], val[k]) for k in off[i] .. off[i+1]-1,
 * in the chain's row order. Columns never repeat within a row. */
typedef struct ym_sparse {
    uint32_t rows;
    uint32_t *off; /* rows + 1 */
    uint16_t *col;
    i32f32 *val;
} ym_sparse;

static inline size_t ym_nnz(const ym_sparse *m) { return m->rows ? m->off[m->rows] : 0; }

/* get_weights_sparse / get_bonds_sparse with the masks of §4.6 / §4.12 fused:
 * values become the integers u16 (§3.19). For each row i < rows:
 *  - row_mask && row_mask[i]: the row is emptied (inplace_mask_rows);
 *  - entries with col >= ncols are dropped when drop_out_of_range, else the
 *    load fails with YUMA_EINPUT (the sparse bond getter would panic);
 *  - mask_diag: the entry (i, i) is dropped (inplace_mask_diag);
 *  - last_update && last_update[i] <= reg[j]: (i, j) is dropped ("outdated",
 *    vec_mask_sparse_matrix with updated <= registered);
 *  - a column repeated among the kept entries of a row is YUMA_EINPUT
 *    (set_weights rejects duplicates and the epoch never writes them).
 * out needs rows+1 offsets and room for src.off[rows] entries; stamp is
 * ncols u32 of scratch (any content). */
yuma_status ym_sparse_load(const yuma_csr *src, uint32_t rows, uint32_t ncols, const bool *row_mask,
                           bool drop_out_of_range, bool mask_diag, const uint64_t *last_update,
                           const uint64_t *reg, uint32_t *stamp, ym_sparse *out);

/* inplace_row_normalize_sparse (§3.4). */
void ym_row_normalize_sparse(ym_sparse *m);
/* inplace_col_normalize_sparse (§3.5); colsum: ncols of scratch (keeps the
 * column sums). */
void ym_col_normalize_sparse(ym_sparse *m, uint32_t ncols, i32f32 *colsum);
/* inplace_col_max_upscale_sparse (§3.6); colmax: ncols of scratch. */
void ym_col_max_upscale_sparse(ym_sparse *m, uint32_t ncols, i32f32 *colmax);
/* matmul_sparse (§3.7): out_j = Σ_i x_i m_ij, out has ncols entries. */
void ym_matmul_sparse(const ym_sparse *m, const i32f32 *x, uint32_t ncols, i32f32 *out);
/* matmul_transpose_sparse (§3.8): out_i = Σ_j x_j m_ij, out has rows entries. */
void ym_matmul_transpose_sparse(const ym_sparse *m, const i32f32 *x, i32f32 *out);
/* row_sum_sparse (§3.9, plain sums) and col_sum_sparse (plain sums). */
void ym_row_sum_sparse(const ym_sparse *m, i32f32 *out);
void ym_col_sum_sparse(const ym_sparse *m, uint32_t ncols, i32f32 *out);
/* row_hadamard_sparse: m_ij <- mul(m_ij, x_i). */
void ym_row_hadamard_sparse(ym_sparse *m, const i32f32 *x);
/* col_clip_sparse (§3.10), in place (entries clipped to 0 are removed). */
void ym_col_clip_sparse(ym_sparse *m, const i32f32 *c);

/* mat_ema_sparse (§3.16): out_ij = mul(α, new_ij) + mul(1-α, old_ij), keeping
 * entries > 0 in increasing column. mat_ema_alpha_vec_sparse (§3.17): α_j per
 * column (0 beyond alen), new assigned rather than added. new and old have the
 * same number of rows; out needs rows+1 offsets and room for nnz(new)+nnz(old)
 * entries. false on scratch exhaustion (needs ym_ema_need(ncols)). */
bool ym_mat_ema_sparse(const ym_sparse *nw, const ym_sparse *old, i32f32 alpha, uint32_t ncols, ym_sparse *out,
                       yuma_arena *scratch);
bool ym_mat_ema_alpha_vec_sparse(const ym_sparse *nw, const ym_sparse *old, const i32f32 *alpha, size_t alen,
                                 uint32_t ncols, ym_sparse *out, yuma_arena *scratch);
size_t ym_ema_need(uint32_t ncols);

/* ---- consensus ---------------------------------------------------------- */

/* weighted_median (§3.14), literally: the chain's recursive partition around
 * the middle element, iterated. idx: the ordered index list P (m entries,
 * consumed); scratch: 2*m u32. The test oracle for the fast version. */
i32f32 ym_weighted_median_literal(const i32f32 *stake, const i32f32 *score, uint32_t *idx, size_t m,
                                  i32f32 minority, i32f32 lo, i32f32 hi, uint32_t *scratch);

/* The same result in O(m) per level, at most 16 levels. §3.14: with lo = 0
 * and hi = Σ stake (no saturation) the chain returns, independently of the
 * order of the entries, the smallest score when minority < 0, the largest
 * when minority >= hi, and otherwise the unique score v with
 * C⁻(v) <= minority < C(v) (C, C⁻: stake with score <= v, < v). This finds
 * that v by a weighted radix select (stake histogram over the score range,
 * keep the bucket where the cumulative stake passes minority, repeat).
 * Entries are 8-byte keys, score << YM_WM_IDX_BITS | idx, with the stake of
 * an entry at stake_of[idx] (the epoch's stake by row, one extra slot for
 * the zero block): scores in [0, 2^50], idx < 2^13. key: m keys
 * (reordered); tmp: m keys of scratch. */
#define YM_WM_IDX_BITS 13
static inline uint64_t ym_wm_key(int64_t score, uint32_t idx) { return (uint64_t)score << YM_WM_IDX_BITS | idx; }
i32f32 ym_weighted_median_fast(uint64_t *key, size_t m, const int64_t *stake_of, i32f32 minority, i32f32 hi,
                               uint64_t *tmp);

/* weighted_median_col_sparse (§3.15): out_c for every column c < ncols.
 * stake: rows entries (>= 0), rows < 2^13; w: the (masked, row-normalised)
 * weights, values in [0, 2^50].
 * false on scratch exhaustion (needs ym_wmcol_need(rows, ncols, nnz)). */
bool ym_weighted_median_col_sparse(const i32f32 *stake, const ym_sparse *w, uint32_t ncols, i32f32 majority,
                                   i32f32 *out, yuma_arena *scratch);
size_t ym_wmcol_need(uint32_t rows, uint32_t ncols, size_t nnz);

/* Packed sparse entries: one u64 per entry, value << 16 | column, for
 * values below 2^48 (every weight, ΔB numerator and plain EMA value of the
 * driver is at most ONE). One load gives both halves. */
static inline uint64_t ym_pk(uint64_t value, uint16_t col) { return value << 16 | col; }
static inline uint16_t ym_pk_col(uint64_t x) { return (uint16_t)x; }
static inline uint64_t ym_pk_val(uint64_t x) { return x >> 16; }

/* The consensus of every column in two passes over the rows, without
 * building the column lists: a stake histogram of 16 to YM_WMH_BUCKETS
 * buckets per column (more for more voting rows), bucket = score >> sh_c
 * with sh_c fitting colmax_c, finds the
 * bucket holding the median (the bucket function is monotone in the score,
 * so the unique v of ym_weighted_median_fast lies in the bucket where the
 * cumulative stake passes minority); a second pass collects only the
 * entries of that bucket, which ym_weighted_median_fast's select finishes
 * with target minority minus the stake below the bucket. Rows without an
 * entry in a column form its zero block, in bucket 0.
 * Rows: entries ent[off[i] .. off[i+1]) packed as ym_pk(score, column),
 * scores in [0, 2^47], no column twice in a row, rows < 2^13;
 * u: stake of each row (rows with u <= 0 take no part), Σ u < 2^46;
 * colmax[c]: the largest score of column c over the rows with u > 0 (0 if
 * none) -- it sets the bucket width, so it must be exact or an upper bound.
 * out_c equals weighted_median(u, score_c, all rows with u > 0, minority, 0,
 * Σ u) of §3.14 (tests/test_yuma_math.c compares it with the literal one).
 * keys: room for nnz + ncols keys (the bucket lists; any content, the caller
 * may lend memory it fills later). false on scratch exhaustion (needs
 * ym_wmcol_hist_need(rows, ncols)). */
#define YM_WMH_BUCKETS 64
size_t ym_wmcol_hist_need(uint32_t rows, uint32_t ncols);
bool ym_wmcol_hist(const uint32_t *off, const uint64_t *ent, uint32_t rows, const int64_t *u, const int64_t *colmax,
                   uint32_t ncols, i32f32 minority, i32f32 *out, uint64_t *keys, yuma_arena *scratch);
/* The same on dense rows: row r < nrows is uid uids[r] (distinct uids),
 * its score in column c at w[r * stride + c] for every c < ncols (0 where
 * the sparse matrix has no entry: a zero scores like an absent entry);
 * uids not listed have no entry anywhere. stride >= ncols rounded up to
 * YM_LANES (the cells beyond ncols are read, not used). rows, u, colmax,
 * minority, out as above; keys: room for (listed rows with u > 0 + 1) *
 * ncols keys. The result is ym_wmcol_hist's on the sparse matrix with
 * the same non-zero entries (the median depends only on the stake at each
 * score). isa: the lanes' build (YM_IMPL_DENSE*, available on this CPU).
 * Scratch: ym_wmcol_dense_need(rows, ncols). */
size_t ym_wmcol_dense_need(uint32_t rows, uint32_t ncols);
bool ym_wmcol_dense(const uint64_t *w, size_t stride, const uint32_t *uids, uint32_t nrows, uint32_t rows,
                    const int64_t *u, const int64_t *colmax, uint32_t ncols, i32f32 minority, i32f32 *out,
                    uint64_t *keys, yuma_arena *scratch, ym_impl isa);

/* ---- the v1.2.4 epoch with its implementation pinned (tests, benchmarks) ---
 * yuma_epoch (YUMA_V2) is ym_epoch_v2(..., YM_IMPL_AUTO): the dense passes
 * when their rows hold at most 3/2 cells per stored weight or bond entry,
 * α is in [0, 1] and the CPU runs AVX-512VL or AVX2 (the widest is used;
 * the portable lanes, exact everywhere, are slower than the sparse passes
 * on SSE2), otherwise the sparse passes. Every
 * choice gives the same bits; tests/test_yuma_math.c runs them all on the
 * same subnets. YM_IMPL_SPARSE forces the sparse passes; YM_IMPL_DENSE_*
 * force the dense ones at any density (the arena must then hold their
 * matrices: ym_epoch_v2_dense_need), falling back to the sparse passes
 * where α is outside [0, 1]. An ISA the CPU lacks returns YUMA_EINPUT
 * (ym_impl_available tells). */
bool ym_impl_available(ym_impl impl);
yuma_status ym_epoch_v2(const yuma_params *p, const yuma_input *in, yuma_output *out, yuma_arena *arena,
                        ym_impl impl);
size_t ym_epoch_v2_dense_need(uint32_t n, size_t nnz_weights, size_t nnz_bonds);

/* ---- liquid alpha v1.2.4 (§5) ------------------------------------------- */

/* calculate_logistic_params: (a, b) = (0, 0) when c_hi <= c_lo or an alpha is 0. */
void ym_logistic_params(i32f32 a_hi, i32f32 a_lo, i32f32 c_hi, i32f32 c_lo, i32f32 *a, i32f32 *b);
/* compute_alpha_values: out_j = div(1, 1 + safe_exp(b - mul(a, c_j))). */
void ym_alpha_values(const i32f32 *c, size_t n, i32f32 a, i32f32 b, i32f32 *out);
/* clamp_alpha_values: α_j <- max(min(α_j, hi), lo). */
void ym_clamp_alpha(i32f32 *alpha, size_t n, i32f32 hi, i32f32 lo);

/* ==== Yuma 3 (subtensor v3.2.7, ../shared/spec/yuma3.md) ==================
 * Appended section: the primitives of math.rs at v3.2.7 that the v1.2.4 ones
 * above do not cover, the Yuma 3 driver's entry points, and the dense twins
 * (epoch_dense / tests/math.rs) kept as test oracles. Implemented in
 * sim/yuma_math_v3.c (primitives) and sim/yuma_v3.c (driver). At v3.2.7 the
 * pallet divides with safe_div (0 on division by zero or overflow) and
 * converts with saturating casts; on valid chain state these give the v1.2.4
 * numbers, so the v1.2.4 primitives above are reused where they apply. */

/* The Yuma 3 epoch (yuma3.md §2, sparse `epoch`): called by yuma_epoch for
 * YUMA_V3. yuma_v3_arena_need: bytes it needs (yuma_arena_need covers both).
 * yuma_epoch_v3 is ym_epoch_v3(..., YM_IMPL_AUTO); as for ym_epoch_v2 the
 * implementation can be pinned (tests, benchmarks), every choice giving the
 * same bits (tests/test_yuma_v3.c runs them all on the same subnets): the
 * sparse passes, or the dense ones (portable, AVX2, AVX-512 lanes) taken by
 * auto when their rows hold at most 3/2 cells per stored entry, α is in
 * [0, 1] and the CPU has AVX2 or AVX-512. Forced dense passes need
 * ym_epoch_v3_dense_need bytes and fall back to the sparse passes where α
 * is outside [0, 1] and, with Liquid Alpha 2, where a row the EMA reads is
 * stored out of column order. An ISA the CPU lacks returns YUMA_EINPUT. */
yuma_status yuma_epoch_v3(const yuma_params *p, const yuma_input *in, yuma_output *out, yuma_arena *arena);
size_t yuma_v3_arena_need(uint32_t n, size_t nnz_weights, size_t nnz_bonds);
yuma_status ym_epoch_v3(const yuma_params *p, const yuma_input *in, yuma_output *out, yuma_arena *arena,
                        ym_impl impl);
size_t ym_epoch_v3_dense_need(uint32_t n, size_t nnz_weights, size_t nnz_bonds);

/* ---- pieces every epoch driver needs ----------------------------------------
 * (sim/yuma.c has its own copies from before these existed; they compute the
 * same for valid state.) */

/* One carve of the arena that can also only count (a == NULL): the same plan
 * serves the allocation and the driver's arena_need, so they cannot drift. */
typedef struct ym_carver {
    yuma_arena *a;
    size_t bytes;
    bool failed;
} ym_carver;
void *ym_carve(ym_carver *c, size_t bytes);
#define YM_CARVE(c, ptr, count) ((ptr) = ym_carve((c), (size_t)(count) * sizeof *(ptr)))
/* Every vector of a yuma_output (n each, bonds_off n+1, bonds_ent nnz_bonds). */
void ym_carve_outputs(ym_carver *c, uint32_t n, size_t nnz_bonds, yuma_output *o);
/* CSR offsets start at 0 and never decrease; entries present if any. */
bool ym_csr_ok(const yuma_csr *m, uint32_t n);
/* The emission split (yuma-epoch.md §4.14-4.15, yuma3.md §2.11): X = I + D,
 * ns = I/ΣX, nv = D/ΣX, nc = normalize(X), the zero-emission fallback to a
 * (or the full stake when Σa = 0), the RAO amounts floor(x * E / 2^32)
 * saturated to u64, and PruningScores = vec_max_upscale_to_u16(nc). ns, nv,
 * nc: n of scratch. */
void ym_emission(uint32_t n, const i32f32 *inc, const i32f32 *div, const i32f32 *a, const i32f32 *stake, uint64_t rao,
                 i32f32 *ns, i32f32 *nv, i32f32 *nc, yuma_output *out);
/* NOT a chain rule: the opt-in server-side winner-takes-all of
 * yuma_params.incentive_wta (yuma.h). inc[w] = 1.0 (raw 2^32) for the lowest
 * w with the largest inc, every other entry 0; unchanged when every entry is
 * 0 (or n == 0). Called by both drivers after the dividends, before the
 * emission split, only when p->incentive_wta. */
void ym_incentive_wta(i32f32 *inc, uint32_t n);

/* ---- conversions (§1.3) ---------------------------------------------------- */

/* u16_proportion_to_fixed / get_float_kappa / get_float_bonds_penalty /
 * get_alpha_values_32: safe_div(I32F32(x), I32F32(65535)) = floor(x*2^32/65535). */
i32f32 ym3_u16_proportion(uint16_t x);
/* fixed_proportion_to_u16: saturating_mul by 65535, then saturating_to_num
 * (floor, clamped to 0..65535: 65535.0 -> 65535 where v1.2.4 panicked). */
uint16_t ym3_proportion_to_u16(i32f32 x);
/* saturating_to_num::<u16>() / ::<u64>(): floor, clamped to the type. */
uint16_t ym3_fixed_to_u16(i32f32 x);
uint64_t ym3_fixed_to_u64(i32f32 x);
uint64_t ym3_fixed64_to_u64(i64f64 x);
/* saturating_from_num(I64F64) -> I32F32: floor to 32 fractional bits, clamped. */
i32f32 ym3_fixed64_to_fixed32(i64f64 x);
/* compute_disabled_liquid_alpha: ONE - floor32(bma / 10^6) (bma in
 * millionths). false where I32F32 cannot hold bma/10^6 (bma >= 2^31 * 10^6). */
bool ym3_bma_alpha(uint64_t bma, i32f32 *alpha);

/* ---- permits (§2.3) --------------------------------------------------------- */

/* is_topk_nonzero: is_topk(v, k) and v_i != 0. Scratch: ym_topk_need(n). */
bool ym3_is_topk_nonzero(const i32f32 *v, size_t n, size_t k, bool *out, yuma_arena *scratch);

/* ---- masks (§2.5, §2.8), in place, entry order kept ------------------------ */

/* mask_diag_sparse_except_index: drop (i, i) for every row i != except
 * (except < 0: every diagonal entry, inplace_mask_diag). */
void ym3_mask_diag_sparse_except(ym_sparse *m, int64_t except);
/* inplace_mask_diag_except_index on a dense rows x cols matrix (row-major). */
void ym3_mask_diag_dense_except(i32f32 *m, uint32_t rows, uint32_t cols, int64_t except);
/* vec_mask_sparse_matrix: drop (i, j) when op(first[i], second[j]). */
typedef enum ym3_cmp { YM3_EQ, YM3_LT, YM3_LE } ym3_cmp;
void ym3_mask_vec_sparse(ym_sparse *m, const uint64_t *first, const uint64_t *second, ym3_cmp op);
/* scalar_vec_mask_sparse_matrix with <=: drop (i, j) when scalar <= second[j]
 * (the outdated-bond rule, last_tempo <= bar_j). */
void ym3_mask_scalar_sparse(ym_sparse *m, uint64_t scalar, const uint64_t *second);

/* ---- bonds penalty (§2.7) -------------------------------------------------- */

/* interpolate_sparse(a, b, ncols, r): r == 0 -> a verbatim, r == ONE -> b
 * verbatim (order and zero entries kept); otherwise per row
 * x_j = sat_add(a_j, mul(r, sat_sub(b_j, a_j))) for j < ncols (absent = 0,
 * a later duplicate overwrites), keeping x_j > 0 in increasing j. a and b
 * have the same rows; out needs rows+1 offsets and nnz(a)+nnz(b) entries.
 * false on scratch exhaustion (ym3_interpolate_need(ncols)). */
bool ym3_interpolate_sparse(const ym_sparse *a, const ym_sparse *b, uint32_t ncols, i32f32 r, ym_sparse *out,
                            yuma_arena *scratch);
size_t ym3_interpolate_need(uint32_t ncols);
/* interpolate (dense twin): out = a verbatim (r == 0), b (r == ONE), else
 * sat_add(a, mul(r, sat_sub(b, a))) cell by cell. */
void ym3_interpolate_dense(const i32f32 *a, const i32f32 *b, size_t cells, i32f32 r, i32f32 *out);

/* ---- Liquid Alpha 2 (§2.10.3-2.10.4) ----------------------------------------- */

/* The constants of alpha_sigmoid for one subnet: a_lo, a_hi as u16
 * proportions, k = saturating_div(s, -100) with s the i16 steepness, and
 * whether the exponent is clamped to [-20, 20] first (exp_safe, the fix of
 * v3.3.2; off = v3.2.7, quirk Q2). */
typedef struct ym3_sigmoid {
    i32f32 a_lo, a_hi, k;
    bool clamp;
} ym3_sigmoid;
ym3_sigmoid ym3_sigmoid_make(uint16_t alpha_low, uint16_t alpha_high, int16_t steepness, bool clamp);
/* alpha_sigmoid(consensus, weight, bond) exactly as yuma3.md §2.10.3. It
 * depends on its arguments only through the gap d in [0, ONE]
 * (ym3_sigmoid_d: the buy gap w - c when w >= b, else the sell gap b - w,
 * clamped), so alpha_sigmoid = ym3_alpha_of_d(s, ym3_sigmoid_d(c, w, b)). */
i32f32 ym3_alpha_sigmoid(const ym3_sigmoid *s, i32f32 consensus, i32f32 weight, i32f32 bond);
int64_t ym3_sigmoid_d(i32f32 consensus, i32f32 weight, i32f32 bond);
i32f32 ym3_alpha_of_d(const ym3_sigmoid *s, int64_t d);
/* Four gaps at once (four independent exps interleaved), the same values. */
void ym3_alpha_of_d4(const ym3_sigmoid *s, const int64_t d[4], i32f32 alpha[4]);
/* alpha[k] = ym3_alpha_of_d(s, d[k]).bits for k < m (alpha may be d), the
 * series on lanes of the ISA isa (YM_IMPL_DENSE*, available on this CPU;
 * others: the base ISA's lanes). */
void ym3_alpha_batch(const ym3_sigmoid *s, const int64_t *d, size_t m, int64_t *alpha, ym_impl isa);
/* ym_exp with the divisions by the term index unrolled: the same bits for
 * every input (tests/test_yuma_v3.c), about twice as fast; ym3_exp4 does four
 * at once (statuses per lane, out[l] set only where st[l] == FX_OK). */
fx_status ym3_exp(i32f32 x, i32f32 *out);
void ym3_exp4(const i32f32 x[4], i32f32 out[4], fx_status st[4]);
/* compute_liquid_alpha_values_sparse, evaluated where mat_ema_alpha_sparse
 * reads it: alpha[q] = α(i, col_q) for every entry q of w (row i), with w and
 * b looked up by the chain's forward merge-scan of the two rows in stored
 * order (an unsorted row hides entries: quirk Q3). Columns >= ncons get no
 * α (0). false on scratch exhaustion (ym3_alpha_need(max row length)). */
bool ym3_alpha_values_sparse(const ym3_sigmoid *s, const ym_sparse *w, const ym_sparse *b, const i32f32 *cons,
                             uint32_t ncons, i32f32 *alpha, yuma_arena *scratch);
size_t ym3_alpha_need(size_t max_row);
/* mat_ema_alpha_sparse(new, old, α) with α given per entry of new (alpha[q]
 * = α(i, col_q)): per row dec_j = mul(ONE - α_ij, old_ij) for the old
 * entries, then for every new entry in the new row's order
 * v = min(sat_add(dec_j, max(mul(α_ij, new_ij), 0)), ONE), kept if v > 0.
 * Old entries whose column is not in the new row are dropped (quirk Q1). out
 * needs rows+1 offsets and nnz(new) entries. false on scratch exhaustion
 * (ym3_ema_alpha_need(ncols)); columns must be < ncols. */
bool ym3_mat_ema_alpha_sparse(const ym_sparse *nw, const ym_sparse *old, const i32f32 *alpha, uint32_t ncols,
                              ym_sparse *out, yuma_arena *scratch);
size_t ym3_ema_alpha_need(uint32_t ncols);
/* Dense twins: mat_ema_alpha (per cell, clamped to [0, ONE]: min(sat_add(
 * mul(ONE - α, old), max(mul(α, new), 0)), ONE)) and mat_ema
 * (sat_add(mul(α, new), mul(ONE - α, old)), no clamp). */
void ym3_mat_ema_alpha_dense(const i32f32 *nw, const i32f32 *old, const i32f32 *alpha, size_t cells, i32f32 *out);
void ym3_mat_ema_dense(const i32f32 *nw, const i32f32 *old, i32f32 alpha, size_t cells, i32f32 *out);

/* ---- dividends (§2.10.5) ------------------------------------------------------- */

/* vec_mul: out_i = checked_mul(a_i, b_i) or 0, for i < min(na, nb); returns
 * that length. */
size_t ym3_vec_mul(const i32f32 *a, size_t na, const i32f32 *b, size_t nb, i32f32 *out);
/* mat_vec_mul_sparse, in place: m_ij <- sat_mul(m_ij, v_j); entries with
 * j >= nv or a zero product are removed (order kept). */
void ym3_mat_vec_mul_sparse(ym_sparse *m, const i32f32 *v, size_t nv);

#endif
