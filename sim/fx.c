/* fx.c -- exact fixed-point arithmetic of substrate-fixed 0.5.9.
 *
 * Invariant: every function returns the raw bits the chain's code computes for
 * the same raw inputs, or a status where the chain would panic or where the
 * release build would silently wrap. The 128-bit types use a 256-bit product
 * and a 256-by-128 division on magnitudes with the sign applied afterwards, as
 * the library's fallback path does (yuma-epoch.md §1.3-1.4).
 *
 * The transcendentals (exp, log2, ln) share one implementation over
 * (bits, fractional bits, total bits) so the I32F32 and I64F64 versions cannot
 * drift apart; they are not on any hot path.
 */
#include "taosim/fx.h"

#include <math.h>

const char *fx_strerror(fx_status st)
{
    switch (st) {
    case FX_OK: return "ok";
    case FX_EDIVZERO: return "division by zero";
    case FX_EOVERFLOW: return "fixed-point overflow";
    case FX_EDOMAIN: return "argument outside the function's domain";
    }
    return "unknown fixed-point status";
}

/* ---- 256-bit helpers on magnitudes -------------------------------------- */

typedef struct { fx_u128 hi, lo; } u256;

static fx_u128 mag(fx_i128 v) { return v < 0 ? (fx_u128)0 - (fx_u128)v : (fx_u128)v; }

static u256 mul_u128(fx_u128 a, fx_u128 b)
{
    const fx_u128 m64 = ((fx_u128)1 << 64) - 1;
    fx_u128 a0 = a & m64, a1 = a >> 64, b0 = b & m64, b1 = b >> 64;
    fx_u128 p00 = a0 * b0, p01 = a0 * b1, p10 = a1 * b0, p11 = a1 * b1;
    fx_u128 mid = (p00 >> 64) + (p01 & m64) + (p10 & m64);
    u256 r;
    r.lo = (p00 & m64) | (mid << 64);
    r.hi = p11 + (p01 >> 64) + (p10 >> 64) + (mid >> 64);
    return r;
}

static u256 shr256(u256 v, int s) /* 0 < s < 128 */
{
    u256 r = {v.hi >> s, (v.lo >> s) | (v.hi << (128 - s))};
    return r;
}

static u256 shl256(u256 v, int s) /* 0 < s < 128 */
{
    u256 r = {(v.hi << s) | (v.lo >> (128 - s)), v.lo << s};
    return r;
}

/* Quotient of a 256-bit magnitude by a non-zero 128-bit one; *quot_fits is
 * false when the quotient needs more than 128 bits. */
static fx_u128 div256(u256 n, fx_u128 d, bool *quot_fits)
{
    *quot_fits = true;
    if (n.hi == 0) return n.lo / d;
    if (n.hi >= d) { *quot_fits = false; return 0; }
    /* Restoring division: the high half stays below d, so the quotient fits. */
    fx_u128 rem = n.hi, q = 0;
    for (int i = 127; i >= 0; i--) {
        bool carry = (rem >> 127) != 0;
        rem = (rem << 1) | ((n.lo >> i) & 1);
        q <<= 1;
        if (carry || rem >= d) { rem -= d; q |= 1; }
    }
    return q;
}

/* Does a signed value of magnitude m (negative if neg) fit `nbits` bits? */
static bool fits(fx_u128 m, bool neg, int nbits)
{
    fx_u128 lim = (fx_u128)1 << (nbits - 1);
    return neg ? m <= lim : m < lim;
}

static fx_i128 apply_sign(fx_u128 m, bool neg) { return neg ? (fx_i128)((fx_u128)0 - m) : (fx_i128)m; }

/* floor(a*b / 2^frac) into an nbits-wide signed type. */
static fx_status wide_mul(fx_i128 a, fx_i128 b, int frac, int nbits, fx_i128 *out)
{
    bool neg = (a < 0) != (b < 0);
    u256 p = mul_u128(mag(a), mag(b));
    u256 q = frac ? shr256(p, frac) : p;
    if (neg && frac) { /* floor of a negative value: round the magnitude up */
        fx_u128 lost = p.lo & (((fx_u128)1 << frac) - 1);
        if (lost) { q.lo++; if (q.lo == 0) q.hi++; }
    }
    if (q.hi != 0 || !fits(q.lo, neg, nbits)) return FX_EOVERFLOW;
    *out = apply_sign(q.lo, neg && q.lo);
    return FX_OK;
}

/* trunc(a*2^frac / b) into an nbits-wide signed type. */
static fx_status wide_div(fx_i128 a, fx_i128 b, int frac, int nbits, fx_i128 *out)
{
    if (b == 0) return FX_EDIVZERO;
    bool neg = (a < 0) != (b < 0);
    fx_u128 q, mb = mag(b);
    bool ok = true;
    if (frac && (mb & (((fx_u128)1 << frac) - 1)) == 0) {
        /* an integer divisor k: trunc(a*2^f / (k*2^f)) == trunc(a / k) exactly,
         * without the 256-bit numerator (the exp series, proportions p/q) */
        q = mag(a) / (mb >> frac);
    } else {
        u256 n = {0, mag(a)};
        if (frac) n = shl256(n, frac);
        q = div256(n, mb, &ok);
    }
    if (!ok || !fits(q, neg, nbits)) return FX_EOVERFLOW;
    *out = apply_sign(q, neg && q);
    return FX_OK;
}

static fx_status wide_add(fx_i128 a, fx_i128 b, int nbits, fx_i128 *out)
{
    fx_i128 r;
    if (__builtin_add_overflow(a, b, &r)) return FX_EOVERFLOW;
    if (!fits(mag(r), r < 0, nbits)) return FX_EOVERFLOW;
    *out = r;
    return FX_OK;
}

/* ---- the 128-bit types -------------------------------------------------- */

fx_status fx128_checked_mul(fx_i128 a, fx_i128 b, int frac, fx_i128 *out) { return wide_mul(a, b, frac, 128, out); }
fx_status fx128_checked_div(fx_i128 a, fx_i128 b, int frac, fx_i128 *out) { return wide_div(a, b, frac, 128, out); }

fx_i128 fx128_sat_mul(fx_i128 a, fx_i128 b, int frac)
{
    fx_i128 r;
    if (wide_mul(a, b, frac, 128, &r) != FX_OK) r = ((a < 0) == (b < 0)) ? FX_I128_MAX : FX_I128_MIN;
    return r;
}

fx_status fx128_sat_div(fx_i128 a, fx_i128 b, int frac, fx_i128 *out)
{
    fx_status st = wide_div(a, b, frac, 128, out);
    if (st == FX_EOVERFLOW) {
        *out = ((a < 0) != (b < 0)) ? FX_I128_MIN : FX_I128_MAX;
        return FX_OK;
    }
    return st;
}

fx_i128 fx128_sat_add(fx_i128 a, fx_i128 b)
{
    fx_i128 r;
    if (__builtin_add_overflow(a, b, &r)) r = a < 0 ? FX_I128_MIN : FX_I128_MAX;
    return r;
}

fx_i128 fx128_sat_sub(fx_i128 a, fx_i128 b)
{
    fx_i128 r;
    if (__builtin_sub_overflow(a, b, &r)) r = a < 0 ? FX_I128_MIN : FX_I128_MAX;
    return r;
}

fx_status fx128_checked_add(fx_i128 a, fx_i128 b, fx_i128 *out) { return wide_add(a, b, 128, out); }

fx_status fx128_to_u64(fx_i128 x, int frac, uint64_t *out)
{
    fx_i128 f = x >> frac; /* floor */
    if (f < 0 || (fx_u128)f > UINT64_MAX) return FX_EOVERFLOW;
    *out = (uint64_t)f;
    return FX_OK;
}

fx_status fx128_from_int(fx_i128 n, int frac, fx_i128 *out)
{
    fx_i128 lim = (fx_i128)1 << (127 - frac);
    if (n >= lim || n < -lim) return FX_EOVERFLOW;
    *out = (fx_i128)((fx_u128)n << frac);
    return FX_OK;
}

/* ---- transcendentals, shared by every width ----------------------------- */

/* log2 for x >= 1 (yuma-epoch.md §1.8 step 2): integer part by "ceil-halving",
 * then `frac` bits by repeated squaring. */
static fx_status log2_inner(fx_i128 x, int frac, int nbits, fx_i128 *out)
{
    const fx_i128 one = (fx_i128)1 << frac, two = one << 1;
    fx_i128 result = 0;
    while (x >= two) {
        result += 1;
        x = (x >> 1) + (x & 1);
    }
    if (x == one) return wide_mul(result, (fx_i128)1 << frac, 0, nbits, out);
    for (int i = 0; i < frac; i++) {
        fx_status st = wide_mul(x, x, frac, 128, &x); /* x < 2: x*x < 4, never overflows */
        if (st != FX_OK) return st;
        result <<= 1;
        if (x >= two) {
            result |= 1;
            x = (x >> 1) + (x & 1);
        }
    }
    if (!fits(mag(result), result < 0, nbits)) return FX_EOVERFLOW;
    *out = result;
    return FX_OK;
}

static fx_status log2_any(fx_i128 x, int frac, int nbits, fx_i128 *out)
{
    const fx_i128 one = (fx_i128)1 << frac;
    if (x <= 0) return FX_EDOMAIN;
    if (x >= one) return log2_inner(x, frac, nbits, out);
    fx_i128 inv;
    fx_status st = wide_div(one, x, frac, nbits, &inv); /* overflow: the chain unwraps -> panic */
    if (st != FX_OK) return st;
    fx_i128 r;
    st = log2_inner(inv, frac, nbits, &r);
    if (st != FX_OK) return st;
    *out = -r;
    return FX_OK;
}

/* exp by the chain's series: terms i = 2 .. frac-1, every step checked. */
static fx_status exp_any(fx_i128 x, int frac, int nbits, fx_i128 *out)
{
    const fx_i128 one = (fx_i128)1 << frac;
    if (x == 0) { *out = one; return FX_OK; }
    if (x == one) { *out = (fx_i128)FX_E_I9F23 << (frac - 23); return FX_OK; }
    bool neg = x < 0;
    if (neg) {
        if (!fits(mag(x), false, nbits)) return FX_EOVERFLOW; /* -MIN: debug panic */
        x = -x;
    }
    fx_i128 result, term = x;
    fx_status st = wide_add(x, one, nbits, &result);
    if (st != FX_OK) return st;
    for (int i = 2; i < frac; i++) {
        if ((st = wide_mul(term, x, frac, nbits, &term)) != FX_OK) return st;
        if ((st = wide_div(term, (fx_i128)i << frac, frac, nbits, &term)) != FX_OK) return st;
        if ((st = wide_add(result, term, nbits, &result)) != FX_OK) return st;
    }
    if (neg) return wide_div(one, result, frac, nbits, out);
    *out = result;
    return FX_OK;
}

fx_status fx128_log2(fx_i128 x, int frac, fx_i128 *out) { return log2_any(x, frac, 128, out); }
fx_status fx128_exp(fx_i128 x, int frac, fx_i128 *out) { return exp_any(x, frac, 128, out); }

/* ---- I32F32 ------------------------------------------------------------- */

fx_status i32f32_from_int(int64_t n, i32f32 *out)
{
    if (n > INT32_MAX || n < INT32_MIN) return FX_EOVERFLOW;
    out->bits = n * I32F32_ONE_BITS;
    return FX_OK;
}

fx_status i32f32_round(i32f32 x, i32f32 *out)
{
    int64_t ip = x.bits >> 32;
    uint32_t fr = (uint32_t)x.bits;
    if (x.bits >= 0) ip += fr >= 0x80000000u;
    else ip += fr > 0x80000000u; /* a tie of a negative value goes down, away from zero */
    if (ip > INT32_MAX || ip < INT32_MIN) return FX_EOVERFLOW;
    out->bits = ip * I32F32_ONE_BITS;
    return FX_OK;
}

fx_status i32f32_to_u16(i32f32 x, uint16_t *out)
{
    int64_t f = x.bits >> 32;
    if (f < 0 || f > UINT16_MAX) return FX_EOVERFLOW;
    *out = (uint16_t)f;
    return FX_OK;
}

fx_status i32f32_to_u64(i32f32 x, uint64_t *out)
{
    int64_t f = x.bits >> 32;
    if (f < 0) return FX_EOVERFLOW;
    *out = (uint64_t)f;
    return FX_OK;
}

fx_status i32f32_proportion_to_u16(i32f32 x, uint16_t *out)
{
    return i32f32_to_u16(i32f32_sat_mul(x, i32f32_from_u16(UINT16_MAX)), out);
}

static fx_status narrow(fx_i128 v, int nbits, int64_t *out)
{
    if (!fits(mag(v), v < 0, nbits)) return FX_EOVERFLOW;
    *out = (int64_t)v;
    return FX_OK;
}

fx_status i32f32_exp(i32f32 x, i32f32 *out)
{
    fx_i128 r;
    fx_status st = exp_any(x.bits, 32, 64, &r);
    return st != FX_OK ? st : narrow(r, 64, &out->bits);
}

fx_status i32f32_log2(i32f32 x, i32f32 *out)
{
    fx_i128 r;
    fx_status st = log2_any(x.bits, 32, 64, &r);
    return st != FX_OK ? st : narrow(r, 64, &out->bits);
}

fx_status i32f32_ln(i32f32 x, i32f32 *out)
{
    i32f32 l2;
    fx_status st = i32f32_log2(x, &l2);
    if (st != FX_OK) return st;
    /* LOG2_E is an I9F23 constant widened to I32F32 (exact shift by 9). */
    return i32f32_checked_div(l2, i32f32_from_bits((int64_t)FX_LOG2_E_I9F23 << 9), out);
}

i32f32 i32f32_safe_exp(i32f32 x)
{
    i32f32 r;
    return i32f32_exp(x, &r) == FX_OK ? r : i32f32_zero();
}

i32f32 i32f32_safe_ln(i32f32 x)
{
    i32f32 r;
    return i32f32_ln(x, &r) == FX_OK ? r : i32f32_zero();
}

i32f32 i32f32_exp_safe(i32f32 x)
{
    const i32f32 lo = i32f32_from_i32(-20), hi = i32f32_from_i32(20);
    if (x.bits < lo.bits) x = lo;
    if (x.bits > hi.bits) x = hi;
    i32f32 r;
    if (i32f32_exp(x, &r) == FX_OK) return r;
    return x.bits <= 0 ? i32f32_zero() : i32f32_max();
}

i32f32 i32f32_sigmoid_safe(i32f32 x, i32f32 rho, i32f32 kappa)
{
    i32f32 e = i32f32_exp_safe(i32f32_sat_neg(i32f32_sat_mul(rho, i32f32_sat_sub(x, kappa))));
    i32f32 r = i32f32_zero();
    (void)i32f32_sat_div(i32f32_one(), i32f32_sat_add(i32f32_one(), e), &r); /* divisor >= 1 */
    return r;
}

i32f32 i32f32_from_double(double v)
{
    double s = rint(ldexp(v, 32)); /* exact scaling, then ties-to-even in the default mode */
    if (!(s < 9223372036854775808.0)) return i32f32_max();
    if (s < -9223372036854775808.0) return i32f32_min();
    return i32f32_from_bits((int64_t)s);
}

i32f32 i32f32_from_float(float v) { return i32f32_from_double((double)v); }

double i32f32_to_double(i32f32 x) { return ldexp((double)x.bits, -32); }

/* ---- conversions between widths ---------------------------------------- */

fx_status i64f64_to_i32f32(i64f64 x, i32f32 *out) { return narrow(x.bits >> 32, 64, &out->bits); }
fx_status i96f32_to_i32f32(i96f32 x, i32f32 *out) { return narrow(x.bits, 64, &out->bits); }

double i64f64_to_double(i64f64 x)
{
    bool neg = x.bits < 0;
    fx_u128 m = mag(x.bits);
    double v = ldexp((double)(uint64_t)(m >> 64), 0) + ldexp((double)(uint64_t)m, -64);
    return neg ? -v : v;
}
