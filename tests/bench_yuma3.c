/* bench_yuma3.c -- time of one Yuma 3 epoch (yuma_epoch, YUMA_V3, subtensor
 * v3.2.7) with Liquid Alpha 2 on and off, next to the v1.2.4 epoch (YUMA_V2)
 * on the very same state, with a digest of every output so that a faster
 * version can prove it computes the same bits.
 *
 * State: the random dense subnets of bench_yuma.c (the same generator,
 * sizes and seeds: sy_dense of tests/support_yuma.c, shared by both). Yuma 3
 * runs with the chain's runtime values (bonds penalty 65535, steepness
 * 1000, alpha bounds (45875, 58982)) and tempo 100, so that the bonds
 * towards the uids re-registered at block 150 are the only ones the
 * outdated-bond rule drops at block 200. Two epochs run first (permits,
 * then the bonds the timed epoch starts from), in the variant timed.
 * Figure: the median of repeats. Target (issue 5): Yuma 3 with liquid
 * alpha within 1.5x of the v1.2.4 epoch at each size.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "support_yuma.h"
#include "taosim/yuma.h"

/* Median microseconds per epoch of case (v, n, version, liquid, bonds
 * penalty); *best gets the fastest repeat (steadier on a shared machine). */
static double bench_case(uint32_t v, uint32_t n, int version, bool liquid, uint16_t penalty, double *best)
{
    sy_dense s;
    sy_dense_make(&s, v, n, 0x5eed0000u + v * 7919u + n);
    yuma_params p = yuma_params_default();
    p.version = version;
    p.max_allowed_validators = (uint16_t)v;
    p.liquid_alpha_enabled = liquid;
    p.tempo = 100;
    p.bonds_penalty = penalty;
    yuma_arena a = {NULL, 0, 0};
    yuma_output o;
    for (int warm = 0; warm < 2; warm++) { /* permits, then the bonds the timed epoch starts from */
        sy_arena_fit(&a, &s);
        sy_dense_epoch(&p, &s, &o, &a);
        sy_dense_write_back(&s, &o);
    }
    sy_arena_fit(&a, &s);
    double fastest;
    int reps;
    uint64_t h0;
    const double med = sy_time_epochs(&p, &s, &o, &a, &fastest, &reps, &h0);
    if (best) *best = fastest;
    char pen[24] = "";
    if (version == YUMA_V3 && penalty != 65535) snprintf(pen, sizeof pen, " penalty %u", penalty);
    printf("yuma_epoch v%d  %4u x %-4u  liquid %-3s%-14s nnz w %8u b %8u  %10.1f us/epoch (min %10.1f)  %8.1f "
           "epochs/s  (median of %3d)  digest %016llx\n",
           version, v, n, liquid ? "on" : "off", pen, s.w_off[n], s.b_off[n], med, fastest, 1e6 / med, reps,
           (unsigned long long)h0);
    free(a.base);
    sy_dense_free(&s);
    return med;
}

/* `bench_yuma3` runs every case; `bench_yuma3 VxN` only that one (profiling). */
int main(int argc, char **argv)
{
    static const uint32_t cases[4][2] = {{64, 256}, {256, 1024}, {1024, 1024}, {1024, 4096}};
    if (argc == 2) {
        unsigned v = 0, n = 0;
        if (sscanf(argv[1], "%ux%u", &v, &n) != 2 || v == 0 || v > n || n > YUMA_MAX_UIDS) {
            fprintf(stderr, "usage: bench_yuma3 [VxN]\n");
            return 2;
        }
        bench_case(v, n, YUMA_V3, true, 65535, NULL);
        bench_case(v, n, YUMA_V3, false, 65535, NULL);
        bench_case(v, n, YUMA_V3, true, 0, NULL);
        return 0;
    }
    printf("bench_yuma3: one core, random dense subnets (bench_yuma's), fixed seeds; V validators x N uids\n");
    /* k: v3 on, v3 off, v2 on, v2 off; then v3 on with bonds penalty 0 (the
     * Yuma 3 tests' value: W4B = W, so every weight above consensus has its
     * own gap d and its own exp; for information, not the target) */
    double r[4][5], b[4][5];
    for (int c = 0; c < 4; c++)
        for (int k = 0; k < 5; k++)
            r[c][k] = bench_case(cases[c][0], cases[c][1], k < 2 || k == 4 ? YUMA_V3 : YUMA_V2, k % 2 == 0,
                                 k == 4 ? 0 : 65535, &b[c][k]);
    printf("ratios yuma3/v2 (same liquid switch), by median and [by fastest repeat]; target <= 1.5x:\n");
    for (int c = 0; c < 4; c++)
        printf("  %4u x %-4u: liquid on %.2fx [%.2fx] %s, off %.2fx [%.2fx]; penalty 0, liquid on: %.2fx [%.2fx]\n",
               cases[c][0], cases[c][1], r[c][0] / r[c][2], b[c][0] / b[c][2], r[c][0] <= 1.5 * r[c][2] ? "MET" : "MISSED",
               r[c][1] / r[c][3], b[c][1] / b[c][3], r[c][4] / r[c][2], b[c][4] / b[c][2]);
    return 0;
}
