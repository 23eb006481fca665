/* support_yuma.h -- random subnets for the yuma tests and benchmarks
 * (tests/support_yuma.c): the varied subnets on which the implementations
 * of an epoch are compared (test_yuma_math.c for v1.2.4, test_yuma_v3.c for
 * Yuma 3), several epochs each with the chain's write-back in between; the
 * dense subnets the benchmarks time (bench_yuma.c, bench_yuma3.c), with
 * the timing loop and the digest of the outputs. Fixed seeds: the same
 * draws everywhere (splitmix64). */
#ifndef TAOSIM_TESTS_SUPPORT_YUMA_H
#define TAOSIM_TESTS_SUPPORT_YUMA_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "taosim/yuma.h"
#include "taosim/yuma_math.h"

/* splitmix64, and a draw below k */
uint64_t sy_rnd(uint64_t *g);
uint64_t sy_below(uint64_t *g, uint64_t k);

/* A subnet of up to SY_MAXN uids: small ones and up to 300 uids (lane
 * tails: n mod 4 != 0), with complete weight rows (the dense case),
 * sparse and shuffled rows, columns >= n, zero and full weights, outdated
 * entries, duplicates and out-of-range bond columns (refused), single
 * validators (a_i = ONE), liquid alpha on and off, α = 0, α = 1 and α < 0
 * (bma > 10^6). The arrays are the caller's (SY_MAXN entries, rows of up
 * to SY_MAXN + 3 weight and SY_MAXN bond entries each). */
enum { SY_MAXN = 300 };
typedef struct sy_sub {
    uint32_t n;
    uint64_t block, rao;
    yuma_params p;
    uint64_t *stake, *lu, *bar;
    bool *permit;
    uint32_t *w_off, *b_off;
    yuma_entry *w_ent, *b_ent;
} sy_sub;

/* One random row of distinct columns (bonds: below n) into e. */
void sy_row(yuma_entry *e, uint32_t *len, uint32_t n, uint64_t *g, bool bonds);
/* A new random subnet (the v1.2.4 parameters; version YUMA_V2). */
void sy_sub_init(sy_sub *s, uint64_t *g);
yuma_input sy_sub_input(const sy_sub *s);
/* The chain's write-back of permits and bonds from o, then time passes
 * and some validators set weights again (new rows go last). */
void sy_sub_step(sy_sub *s, const yuma_output *o, uint64_t *g);
/* s on arrays of this file (one such subnet at a time). */
void sy_sub_storage(sy_sub *s);
/* NULL when the outputs of an epoch on n uids are the same bytes, else
 * the name of the first field that differs. */
const char *sy_outputs_differ(const yuma_output *a, const yuma_output *b, uint32_t n);

/* Every implementation of an epoch (ym_epoch_v2 or ym_epoch_v3) against
 * its sparse passes: the dense ones on the portable lanes, AVX2 and
 * AVX-512 where the CPU has them, and the automatic choice, each on its
 * own arena. */
typedef yuma_status (*sy_epoch_fn)(const yuma_params *, const yuma_input *, yuma_output *, yuma_arena *, ym_impl);
enum { SY_NIMPL = 4 };
typedef struct sy_impls {
    sy_epoch_fn epoch;
    yuma_arena ref, other[SY_NIMPL];
    int ran[SY_NIMPL]; /* epochs each implementation ran */
} sy_impls;
/* cap: bytes of every arena (the forced dense passes' need). */
void sy_impls_init(sy_impls *h, sy_epoch_fn epoch, size_t cap);
void sy_impls_free(sy_impls *h);
/* One epoch of s: the sparse passes' outputs in *want and status in *st,
 * then every other available implementation; NULL when each gives the same
 * status and, on success, the same bytes, else what differs. */
const char *sy_impls_epoch(sy_impls *h, const sy_sub *s, yuma_output *want, yuma_status *st);

/* ---- the benchmarks' dense subnets --------------------------------------
 * State (seed per case): V validators with large random stakes, N - V
 * miners with small random stakes, no permits yet; every validator has set
 * dense random u16 weights on all N uids (its own one included, as the
 * chain stores it) at block 100, one uid in 64 re-registered at block 150
 * (so some weights and bonds are outdated); the epoch runs at block 200.
 * Every failure (memory, an epoch's status, two repeats of one epoch with
 * different outputs) exits with a message. */
typedef struct sy_dense {
    uint32_t n, v;
    uint64_t *stake, *lu, *bar;
    bool *permit;
    uint32_t *w_off, *b_off;
    yuma_entry *w_ent, *b_ent;
    size_t b_cap;
} sy_dense;

void *sy_xmalloc(size_t n);
void sy_dense_make(sy_dense *s, uint32_t v, uint32_t n, uint64_t seed);
void sy_dense_free(sy_dense *s);
yuma_input sy_dense_input(const sy_dense *s);
/* The chain's write-back of permits and bond rows (yuma-epoch.md §4.16). */
void sy_dense_write_back(sy_dense *s, const yuma_output *o);
/* a holds at least yuma_arena_need bytes for s (grown when not); returns
 * that need. */
size_t sy_arena_fit(yuma_arena *a, const sy_dense *s);
/* One yuma_epoch on s. */
void sy_dense_epoch(const yuma_params *p, const sy_dense *s, yuma_output *o, yuma_arena *a);
/* FNV-1a of every output of an epoch on n uids. */
uint64_t sy_digest(const yuma_output *o, uint32_t n);
/* The epoch on s repeated (at least 5 times and until 1.5 s, at most 400):
 * the median microseconds of one, with the fastest (*best), the repeats
 * and the digest of the outputs (every repeat must give the same). */
double sy_time_epochs(const yuma_params *p, const sy_dense *s, yuma_output *o, yuma_arena *a, double *best,
                      int *reps, uint64_t *digest);

#endif
