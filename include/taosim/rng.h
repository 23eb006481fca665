/* rng.h -- every random number taosim draws: PCG32 streams keyed by
 * (master seed, purpose, entity), and a GSL adapter over them.
 *
 * What the room is for. The simulator must give byte-identical traces for the
 * same input, seed and build. So randomness never comes from rand(), the clock,
 * GSL's built-in generators or its global defaults: it comes from a caller-owned
 * rng_pcg32 that was derived, by rng_stream(), from the run's master seed, what
 * the draws are for (a purpose) and who draws them (an entity: a uid, a hotkey
 * index, a scenario step). The GSL adapter makes every gsl_ran_* distribution
 * draw from such a stream.
 *
 * Invariant. A stream's numbers are a pure function of its key and of the
 * number of draws taken from that stream before. No stream reads or writes
 * another one, so adding an agent, or a purpose, never shifts anybody else's
 * draws. There is no global or hidden state (the GSL type descriptor is a
 * const static).
 *
 * The generator. PCG32 ("XSH RR": 64-bit LCG state, multiplier
 * 6364136223846793005, odd increment chosen by the sequence selector, 32-bit
 * output by xorshift-high then random rotation) -- M. E. O'Neill, "PCG: A Family
 * of Simple Fast Space-Efficient Statistically Good Algorithms for Random
 * Number Generation" (2014), www.pcg-random.org. rng_seed / rng_next_u32 /
 * rng_bounded_u32 / rng_advance give the same numbers as pcg-c-basic's
 * pcg32_srandom_r / pcg32_random_r / pcg32_boundedrand_r and pcg-c's
 * pcg32_advance_r (tests/test_rng.c checks the published demo output).
 *
 * Determinism contract (changing any of these changes every trace):
 *   - the draw count of each function, stated below, and the order of draws;
 *   - the derivation in rng_stream() and its constants;
 *   - the numeric values of enum rng_purpose.
 * Everything is integer arithmetic except the final scaling to double in
 * rng_uniform and the GSL get_double, which are exact (a 53-bit or 32-bit
 * integer times a power of two).
 */
#ifndef TAOSIM_RNG_H
#define TAOSIM_RNG_H

#include <stdint.h>

#include <gsl/gsl_rng.h>

/* One PCG32 generator. `inc` is always odd (the stream's LCG increment).
 * Plain data: copying the struct forks an identical generator. */
typedef struct rng_pcg32 {
    uint64_t state;
    uint64_t inc;
} rng_pcg32;

/* What a stream is for. The numeric values are mixed into the stream key, so
 * they are part of the determinism contract: never reorder, renumber or reuse
 * a value; add new purposes at the end with the next free number. 0 is left
 * unused on purpose. */
typedef enum rng_purpose {
    RNG_PURPOSE_ENGINE = 1,    /* the event engine itself (tie breaks, scheduling) */
    RNG_PURPOSE_MINER = 2,     /* a miner's behaviour; entity = the miner */
    RNG_PURPOSE_VALIDATOR = 3, /* a validator's weights and noise; entity = the validator */
    RNG_PURPOSE_NOMINATOR = 4, /* a nominator's staking decisions; entity = the nominator */
    RNG_PURPOSE_OWNER = 5,     /* a subnet owner's decisions; entity = the subnet */
    RNG_PURPOSE_SCENARIO = 6,  /* scenario generation (populations, schedules) */
    RNG_PURPOSE_BENCH = 7,     /* benchmarks */
    RNG_PURPOSE_TEST = 8       /* unit tests */
} rng_purpose;

/* ---- the generator -------------------------------------------------------- */

/* pcg32_srandom_r: state = 0; inc = (initseq << 1) | 1; step; state +=
 * initstate; step. The top bit of initseq is shifted out, so initseq and
 * initseq ^ 2^63 select the same sequence. Draws nothing from any stream. */
void rng_seed(rng_pcg32 *r, uint64_t initstate, uint64_t initseq);

/* One output of pcg32_random_r, uniform on [0, 2^32). Exactly one draw. */
uint32_t rng_next_u32(rng_pcg32 *r);

/* Uniform on [0, bound), unbiased (pcg32_boundedrand_r): draws x until
 * x >= threshold = 2^32 mod bound, returns x mod bound. Draw count: at least
 * one, variable (each draw is rejected with probability threshold / 2^32 < 1/2;
 * none for a power of two). bound == 0 means 2^32: exactly one draw, returned
 * as is. */
uint32_t rng_bounded_u32(rng_pcg32 *r, uint32_t bound);

/* Uniform on [0, 2^64): exactly two draws, the first is the high 32 bits and
 * the second the low 32 bits. */
uint64_t rng_next_u64(rng_pcg32 *r);

/* Uniform on [0, bound), unbiased, the same threshold method on rng_next_u64:
 * threshold = 2^64 mod bound. Draw count: an even number, at least two,
 * variable -- always 64-bit candidates, even for small bounds. bound == 0 means
 * 2^64: exactly two draws, returned as is. */
uint64_t rng_bounded_u64(rng_pcg32 *r, uint64_t bound);

/* Uniform on [0, 1) in steps of 2^-53: the top 53 bits of rng_next_u64 (so
 * exactly two draws, high then low; the low 11 bits of the second draw are
 * discarded) times 2^-53. Largest value 1 - 2^-53; 0 is possible. Exact. */
double rng_uniform(rng_pcg32 *r);

/* Jump ahead by `delta` draws in O(log delta) (pcg32_advance_r, Brown's
 * "arbitrary stride" LCG jump): afterwards the generator is where `delta`
 * calls of rng_next_u32 would have left it. The period is 2^64, so
 * rng_advance(r, (uint64_t)0 - k) steps back k draws. Draws nothing. */
void rng_advance(rng_pcg32 *r, uint64_t delta);

/* ---- keyed streams -------------------------------------------------------- */

/* The splitmix64 output function (Steele, Lea & Flood 2014; Vigna's
 * splitmix64.c): z ^= z>>30; z *= 0xbf58476d1ce4e5b9; z ^= z>>27;
 * z *= 0x94d049bb133111eb; z ^= z>>31. A bijection on 64-bit words with full
 * avalanche. splitmix64 seeded with s returns rng_mix64(s + n*0x9e3779b97f4a7c15)
 * as its n-th output (n = 1, 2, ...). */
uint64_t rng_mix64(uint64_t z);

/* The stream for (master_seed, purpose, entity). With G = 0x9e3779b97f4a7c15:
 *
 *   k0 = rng_mix64(master_seed ^ 0x74616f73696d7267)   ("taosimrg": domain tag)
 *   k1 = rng_mix64(k0 ^ (uint64_t)purpose * G)
 *   s  = rng_mix64(k1 + entity * G)           (splitmix64 seeded k1, output entity)
 *   rng_seed(&r, s, rng_mix64(s ^ 0x73657175656e6365))   ("sequence")
 *
 * Each step is a bijection of its varying input, so changing any single one of
 * master_seed, purpose, entity always changes s, hence the start state, and
 * (except with probability 2^-63, the bit rng_seed drops) the sequence
 * selector: distinct keys give distinct, unrelated PCG sequences. A stream
 * depends on its own key only: creating stream N+1 never alters stream N.
 * Draws nothing. */
rng_pcg32 rng_stream(uint64_t master_seed, uint32_t purpose, uint64_t entity);

/* ---- GSL adapter ---------------------------------------------------------- */

/* The GSL generator type "taosim-pcg32": min 0, max 0xffffffff, state
 * rng_pcg32. get = rng_next_u32 (one draw); get_double = rng_next_u32 * 2^-32
 * (one draw, [0, 1), what GSL expects of get_double). set(state, seed) =
 * rng_seed(state, seed, 0): deterministic, but prefer rng_gsl_alloc, which
 * starts from a keyed stream. GSL's uniform_pos / uniform_int / ran_* call
 * these, so their draw counts are GSL's (version dependent: GSL 2.7 here);
 * pin the GSL version when pinning traces. */
const gsl_rng_type *rng_gsl_type(void);

/* A gsl_rng of type rng_gsl_type() whose state is a copy of `stream` (the
 * caller's copy is not advanced by GSL draws). gsl_rng_default_seed and the
 * GSL_RNG_SEED environment variable have no effect: the seeded state is
 * overwritten. Free with gsl_rng_free. On allocation failure GSL calls its
 * error handler (which aborts unless the program turned it off) and NULL is
 * returned. */
gsl_rng *rng_gsl_alloc(rng_pcg32 stream);

/* The stream inside a gsl_rng made by rng_gsl_alloc (or any gsl_rng of type
 * rng_gsl_type()), to mix direct draws with gsl_ran_* draws on one stream, or
 * to save it. NULL if `g` is of another type. */
rng_pcg32 *rng_gsl_stream(gsl_rng *g);

#endif /* TAOSIM_RNG_H */
