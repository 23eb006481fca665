/* rng.c -- PCG32 streams keyed by (master seed, purpose, entity) and their GSL
 * adapter. Contract, draw counts and references: include/taosim/rng.h.
 *
 * Invariant: every function is a pure function of its arguments and of the
 * rng_pcg32 it is handed; nothing here keeps state of its own (the GSL type
 * descriptor is const). All arithmetic is on uint64_t/uint32_t, where
 * wrap-around is defined; the two conversions to double are exact.
 */
#include "taosim/rng.h"

#include <string.h>

#define PCG32_MULT UINT64_C(6364136223846793005)
#define SPLITMIX_GAMMA UINT64_C(0x9e3779b97f4a7c15)
#define STREAM_DOMAIN UINT64_C(0x74616f73696d7267) /* "taosimrg" */
#define STREAM_SEQ_TWEAK UINT64_C(0x73657175656e6365) /* "sequence" */

/* ---- the generator -------------------------------------------------------- */

void rng_seed(rng_pcg32 *r, uint64_t initstate, uint64_t initseq)
{
    r->state = 0;
    r->inc = (initseq << 1) | 1u;
    (void)rng_next_u32(r);
    r->state += initstate;
    (void)rng_next_u32(r);
}

uint32_t rng_next_u32(rng_pcg32 *r)
{
    uint64_t old = r->state;
    r->state = old * PCG32_MULT + r->inc;
    uint32_t xorshifted = (uint32_t)(((old >> 18) ^ old) >> 27);
    uint32_t rot = (uint32_t)(old >> 59);
    return (xorshifted >> rot) | (xorshifted << ((0u - rot) & 31u));
}

uint32_t rng_bounded_u32(rng_pcg32 *r, uint32_t bound)
{
    if (bound == 0)
        return rng_next_u32(r);
    uint32_t threshold = (0u - bound) % bound; /* == 2^32 mod bound */
    for (;;) {
        uint32_t x = rng_next_u32(r);
        if (x >= threshold)
            return x % bound;
    }
}

uint64_t rng_next_u64(rng_pcg32 *r)
{
    uint64_t hi = rng_next_u32(r);
    uint64_t lo = rng_next_u32(r);
    return (hi << 32) | lo;
}

uint64_t rng_bounded_u64(rng_pcg32 *r, uint64_t bound)
{
    if (bound == 0)
        return rng_next_u64(r);
    uint64_t threshold = (0u - bound) % bound; /* == 2^64 mod bound */
    for (;;) {
        uint64_t x = rng_next_u64(r);
        if (x >= threshold)
            return x % bound;
    }
}

double rng_uniform(rng_pcg32 *r)
{
    return (double)(rng_next_u64(r) >> 11) * 0x1p-53;
}

/* x_{n+delta} = A x_n + C, with (A, C) the delta-fold composition of
 * x -> MULT x + inc, built by repeated squaring over the bits of delta. */
void rng_advance(rng_pcg32 *r, uint64_t delta)
{
    uint64_t cur_mult = PCG32_MULT, cur_plus = r->inc;
    uint64_t acc_mult = 1, acc_plus = 0;
    while (delta > 0) {
        if (delta & 1u) {
            acc_mult *= cur_mult;
            acc_plus = acc_plus * cur_mult + cur_plus;
        }
        cur_plus = (cur_mult + 1) * cur_plus;
        cur_mult *= cur_mult;
        delta >>= 1;
    }
    r->state = acc_mult * r->state + acc_plus;
}

/* ---- keyed streams -------------------------------------------------------- */

uint64_t rng_mix64(uint64_t z)
{
    z = (z ^ (z >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
    z = (z ^ (z >> 27)) * UINT64_C(0x94d049bb133111eb);
    return z ^ (z >> 31);
}

rng_pcg32 rng_stream(uint64_t master_seed, uint32_t purpose, uint64_t entity)
{
    uint64_t k0 = rng_mix64(master_seed ^ STREAM_DOMAIN);
    uint64_t k1 = rng_mix64(k0 ^ (uint64_t)purpose * SPLITMIX_GAMMA);
    uint64_t s = rng_mix64(k1 + entity * SPLITMIX_GAMMA);
    rng_pcg32 r;
    rng_seed(&r, s, rng_mix64(s ^ STREAM_SEQ_TWEAK));
    return r;
}

/* ---- GSL adapter ---------------------------------------------------------- */

static void gsl_pcg32_set(void *state, unsigned long int seed)
{
    rng_seed(state, (uint64_t)seed, 0);
}

static unsigned long int gsl_pcg32_get(void *state)
{
    return rng_next_u32(state);
}

static double gsl_pcg32_get_double(void *state)
{
    return (double)rng_next_u32(state) * 0x1p-32;
}

static const gsl_rng_type gsl_pcg32_type = {
    .name = "taosim-pcg32",
    .max = 0xffffffffUL,
    .min = 0,
    .size = sizeof(rng_pcg32),
    .set = gsl_pcg32_set,
    .get = gsl_pcg32_get,
    .get_double = gsl_pcg32_get_double,
};

const gsl_rng_type *rng_gsl_type(void)
{
    return &gsl_pcg32_type;
}

gsl_rng *rng_gsl_alloc(rng_pcg32 stream)
{
    gsl_rng *g = gsl_rng_alloc(&gsl_pcg32_type);
    if (g != NULL)
        memcpy(g->state, &stream, sizeof stream);
    return g;
}

rng_pcg32 *rng_gsl_stream(gsl_rng *g)
{
    return g->type == &gsl_pcg32_type ? g->state : NULL;
}
