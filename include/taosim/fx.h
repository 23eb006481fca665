/* fx.h -- the chain's fixed-point numbers, bit for bit (substrate-fixed 0.5.9).
 *
 * A value of type IaFb is a two's-complement integer `bits` of a+b bits whose
 * value is bits / 2^b. Every operation here is stated on those raw integers
 * exactly as ../shared/spec/yuma-epoch.md §1 and economics.md §1 describe:
 *
 *   mul   floor(a*b / 2^F)            rounding toward -inf, exact 2N-bit product
 *   div   trunc(a*2^F / b)            rounding toward zero
 *   sat_* clamp to [MIN, MAX]; mul: MAX if both operands have the same sign
 *         (0 counts as non-negative) else MIN; div: MIN if exactly one operand
 *         is negative else MAX
 *   checked_* report FX_EOVERFLOW instead of clamping
 *
 * Division by zero is never undefined behaviour: every division returns a
 * status (FX_EDIVZERO), the caller decides. The chain panics there even for
 * saturating_div, so a caller that mirrors the chain must guard first.
 *
 * Types are distinct structs so that an I32F32 cannot be passed where an
 * I64F64 is expected. Leaf room: depends on nothing of ours. No floating point
 * reaches any result except through the explicitly named *_from_double /
 * *_to_double helpers (test vectors and reporting only).
 *
 * Assumes GCC/Clang: __int128 and arithmetic right shift of negative values.
 */
#ifndef TAOSIM_FX_H
#define TAOSIM_FX_H

#include <stdbool.h>
#include <stdint.h>

__extension__ typedef __int128 fx_i128;
__extension__ typedef unsigned __int128 fx_u128;

typedef enum fx_status {
    FX_OK = 0,
    FX_EDIVZERO = 1,  /* division by zero (the chain panics) */
    FX_EOVERFLOW = 2, /* result does not fit the type (debug build panics, release wraps) */
    FX_EDOMAIN = 3    /* argument outside the function's domain (ln of x <= 0) */
} fx_status;

const char *fx_strerror(fx_status st);

typedef struct { int64_t bits; } i32f32;  /* 32 fractional bits, epoch internals     */
typedef struct { fx_i128 bits; } i64f64;  /* 64 fractional bits, stake / root epoch  */
typedef struct { fx_i128 bits; } i96f32;  /* 32 fractional bits, RAO-scale products  */
typedef struct { fx_i128 bits; } i110f18; /* 18 fractional bits, burn adjustment     */

#define FX_I128_MAX ((fx_i128)(((fx_u128)1 << 127) - 1))
#define FX_I128_MIN (-FX_I128_MAX - 1)

/* ---- I32F32 ------------------------------------------------------------ */

#define I32F32_ONE_BITS ((int64_t)1 << 32)

static inline i32f32 i32f32_from_bits(int64_t b) { i32f32 r = {b}; return r; }
static inline i32f32 i32f32_zero(void) { return i32f32_from_bits(0); }
static inline i32f32 i32f32_one(void) { return i32f32_from_bits(I32F32_ONE_BITS); }
static inline i32f32 i32f32_max(void) { return i32f32_from_bits(INT64_MAX); }
static inline i32f32 i32f32_min(void) { return i32f32_from_bits(INT64_MIN); }
/* Exact for every 32-bit integer (u16 weights and bonds go through here). */
static inline i32f32 i32f32_from_i32(int32_t n) { return i32f32_from_bits((int64_t)n * I32F32_ONE_BITS); }
static inline i32f32 i32f32_from_u16(uint16_t n) { return i32f32_from_bits((int64_t)n << 32); }
/* Integer -> I32F32; FX_EOVERFLOW when n does not fit 32 integer bits. */
fx_status i32f32_from_int(int64_t n, i32f32 *out);

static inline int i32f32_cmp(i32f32 a, i32f32 b) { return (a.bits > b.bits) - (a.bits < b.bits); }

static inline i32f32 i32f32_sat_add(i32f32 a, i32f32 b)
{
    int64_t r;
    if (__builtin_add_overflow(a.bits, b.bits, &r)) r = a.bits < 0 ? INT64_MIN : INT64_MAX;
    return i32f32_from_bits(r);
}
static inline i32f32 i32f32_sat_sub(i32f32 a, i32f32 b)
{
    int64_t r;
    if (__builtin_sub_overflow(a.bits, b.bits, &r)) r = a.bits < 0 ? INT64_MIN : INT64_MAX;
    return i32f32_from_bits(r);
}
static inline i32f32 i32f32_sat_neg(i32f32 a)
{
    return i32f32_from_bits(a.bits == INT64_MIN ? INT64_MAX : -a.bits);
}
/* Plain `+` of the chain's release build: wraps on overflow. */
static inline i32f32 i32f32_wrap_add(i32f32 a, i32f32 b)
{
    return i32f32_from_bits((int64_t)((uint64_t)a.bits + (uint64_t)b.bits));
}
static inline fx_status i32f32_checked_add(i32f32 a, i32f32 b, i32f32 *out)
{
    int64_t r;
    if (__builtin_add_overflow(a.bits, b.bits, &r)) return FX_EOVERFLOW;
    out->bits = r;
    return FX_OK;
}

/* floor(a*b / 2^32), exact; FX_EOVERFLOW when it does not fit. */
static inline fx_status i32f32_checked_mul(i32f32 a, i32f32 b, i32f32 *out)
{
    fx_i128 p = ((fx_i128)a.bits * b.bits) >> 32;
    if (p > INT64_MAX || p < INT64_MIN) return FX_EOVERFLOW;
    out->bits = (int64_t)p;
    return FX_OK;
}
static inline i32f32 i32f32_sat_mul(i32f32 a, i32f32 b)
{
    i32f32 r;
    if (i32f32_checked_mul(a, b, &r) != FX_OK)
        r.bits = ((a.bits < 0) == (b.bits < 0)) ? INT64_MAX : INT64_MIN;
    return r;
}

/* trunc(a*2^32 / b). FX_EDIVZERO when b == 0, FX_EOVERFLOW when the quotient
 * does not fit. The non-negative case with a < 2^32 (every proportion) stays
 * in 64-bit division. */
static inline fx_status i32f32_checked_div(i32f32 a, i32f32 b, i32f32 *out)
{
    if (b.bits == 0) return FX_EDIVZERO;
    if (a.bits >= 0 && a.bits < I32F32_ONE_BITS && b.bits > 0) {
        uint64_t q = ((uint64_t)a.bits << 32) / (uint64_t)b.bits;
        if (q > (uint64_t)INT64_MAX) return FX_EOVERFLOW;
        out->bits = (int64_t)q;
        return FX_OK;
    }
    fx_i128 q = ((fx_i128)a.bits * I32F32_ONE_BITS) / b.bits; /* C division truncates */
    if (q > INT64_MAX || q < INT64_MIN) return FX_EOVERFLOW;
    out->bits = (int64_t)q;
    return FX_OK;
}
/* Saturating division; division by zero is still an error (FX_EDIVZERO) and
 * leaves *out untouched. */
static inline fx_status i32f32_sat_div(i32f32 a, i32f32 b, i32f32 *out)
{
    fx_status st = i32f32_checked_div(a, b, out);
    if (st == FX_EOVERFLOW) {
        out->bits = ((a.bits < 0) != (b.bits < 0)) ? INT64_MIN : INT64_MAX;
        return FX_OK;
    }
    return st;
}
/* `safe_div` of later chain tags: the quotient, or 0 on division by zero or overflow. */
static inline i32f32 i32f32_safe_div(i32f32 a, i32f32 b)
{
    i32f32 r;
    return i32f32_checked_div(a, b, &r) == FX_OK ? r : i32f32_zero();
}

/* Round to the nearest integer, ties away from zero. FX_EOVERFLOW near MAX/MIN. */
fx_status i32f32_round(i32f32 x, i32f32 *out);
/* floor(x) as an integer, then the range check of to_num::<u16>/<u64>. */
fx_status i32f32_to_u16(i32f32 x, uint16_t *out);
fx_status i32f32_to_u64(i32f32 x, uint64_t *out);
/* The chain's release build: floor, then two's-complement truncation. */
static inline uint16_t i32f32_to_u16_wrap(i32f32 x) { return (uint16_t)(x.bits >> 32); }

/* fixed_proportion_to_u16(x) = to_num::<u16>(sat_mul(x, 65535)) for x in [0, 1]. */
fx_status i32f32_proportion_to_u16(i32f32 x, uint16_t *out);

/* Transcendentals with the chain's algorithm and constants (yuma-epoch.md §1.8). */
fx_status i32f32_exp(i32f32 x, i32f32 *out);   /* 30-term series; FX_EOVERFLOW on overflow */
fx_status i32f32_log2(i32f32 x, i32f32 *out);  /* FX_EDOMAIN for x <= 0; FX_EOVERFLOW for bits 1, 2 */
fx_status i32f32_ln(i32f32 x, i32f32 *out);    /* log2(x) / LOG2_E (trunc) */
/* safe_exp / safe_ln of math.rs: the value, or 0 on any error. */
i32f32 i32f32_safe_exp(i32f32 x);
i32f32 i32f32_safe_ln(i32f32 x);
/* exp_safe of math.rs: clamp x to [-20, 20], exp, error -> 0 if x <= 0 else MAX. */
i32f32 i32f32_exp_safe(i32f32 x);
/* sigmoid_safe(x, rho, kappa) = 1 / (1 + exp_safe(-rho*(x-kappa))), saturating. */
i32f32 i32f32_sigmoid_safe(i32f32 x, i32f32 rho, i32f32 kappa);

/* The I9F23 constants of substrate-fixed's transcendental module, as I32F32 bits. */
#define FX_LOG2_E_I9F23 12102203
#define FX_E_I9F23 22802600

/* Round-to-nearest-even from a binary float (Rust's from_num(f32/f64)); for
 * test vectors and configuration only, never on a consensus path.
 * Out-of-range input saturates. */
i32f32 i32f32_from_double(double v);
i32f32 i32f32_from_float(float v);
double i32f32_to_double(i32f32 x);

/* ---- 128-bit types: I64F64, I96F32, I110F18 ---------------------------- */
/* One implementation over (bits, F), wrapped per type below. */
fx_status fx128_checked_mul(fx_i128 a, fx_i128 b, int frac, fx_i128 *out);
fx_status fx128_checked_div(fx_i128 a, fx_i128 b, int frac, fx_i128 *out);
fx_i128 fx128_sat_mul(fx_i128 a, fx_i128 b, int frac);
fx_status fx128_sat_div(fx_i128 a, fx_i128 b, int frac, fx_i128 *out);
fx_i128 fx128_sat_add(fx_i128 a, fx_i128 b);
fx_i128 fx128_sat_sub(fx_i128 a, fx_i128 b);
fx_status fx128_checked_add(fx_i128 a, fx_i128 b, fx_i128 *out);
fx_status fx128_log2(fx_i128 x, int frac, fx_i128 *out);
fx_status fx128_exp(fx_i128 x, int frac, fx_i128 *out);
fx_status fx128_to_u64(fx_i128 x, int frac, uint64_t *out);
fx_status fx128_from_int(fx_i128 n, int frac, fx_i128 *out);

#define FX_DEFINE_WIDE(T, F)                                                                   \
    static inline T T##_from_bits(fx_i128 b) { T r = {b}; return r; }                            \
    static inline T T##_one(void) { return T##_from_bits((fx_i128)1 << (F)); }                   \
    static inline T T##_from_u64(uint64_t n) { return T##_from_bits((fx_i128)n << (F)); }        \
    static inline fx_status T##_from_int(fx_i128 n, T *out)                                      \
    { return fx128_from_int(n, F, &out->bits); }                                                 \
    static inline int T##_cmp(T a, T b) { return (a.bits > b.bits) - (a.bits < b.bits); }        \
    static inline T T##_sat_add(T a, T b) { return T##_from_bits(fx128_sat_add(a.bits, b.bits)); } \
    static inline T T##_sat_sub(T a, T b) { return T##_from_bits(fx128_sat_sub(a.bits, b.bits)); } \
    static inline fx_status T##_checked_add(T a, T b, T *out)                                    \
    { return fx128_checked_add(a.bits, b.bits, &out->bits); }                                    \
    static inline fx_status T##_checked_mul(T a, T b, T *out)                                    \
    { return fx128_checked_mul(a.bits, b.bits, F, &out->bits); }                                 \
    static inline T T##_sat_mul(T a, T b) { return T##_from_bits(fx128_sat_mul(a.bits, b.bits, F)); } \
    static inline fx_status T##_checked_div(T a, T b, T *out)                                    \
    { return fx128_checked_div(a.bits, b.bits, F, &out->bits); }                                 \
    static inline fx_status T##_sat_div(T a, T b, T *out)                                        \
    { return fx128_sat_div(a.bits, b.bits, F, &out->bits); }                                     \
    static inline fx_status T##_to_u64(T x, uint64_t *out) { return fx128_to_u64(x.bits, F, out); } \
    static inline fx_status T##_log2(T x, T *out) { return fx128_log2(x.bits, F, &out->bits); }  \
    static inline fx_status T##_exp(T x, T *out) { return fx128_exp(x.bits, F, &out->bits); }

FX_DEFINE_WIDE(i64f64, 64)
FX_DEFINE_WIDE(i96f32, 32)
FX_DEFINE_WIDE(i110f18, 18)

/* Conversions between types. Widening is exact; narrowing floors the
 * fraction and reports FX_EOVERFLOW when the integer part does not fit. */
static inline i64f64 i32f32_to_i64f64(i32f32 x) { return i64f64_from_bits((fx_i128)x.bits * ((fx_i128)1 << 32)); }
static inline i96f32 i32f32_to_i96f32(i32f32 x) { return i96f32_from_bits((fx_i128)x.bits); }
fx_status i64f64_to_i32f32(i64f64 x, i32f32 *out);
fx_status i96f32_to_i32f32(i96f32 x, i32f32 *out);
/* The release build's narrowing: floor, keep the low 64 bits. */
static inline i32f32 i64f64_to_i32f32_wrap(i64f64 x)
{
    return i32f32_from_bits((int64_t)(uint64_t)(fx_u128)(x.bits >> 32));
}

double i64f64_to_double(i64f64 x);

#endif
