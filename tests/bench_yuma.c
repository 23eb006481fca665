/* bench_yuma.c -- time of one v1.2.4 epoch (yuma_epoch, YUMA_V2) on random
 * dense subnets, with a digest of every output so that a faster version can
 * prove it computes the same bits.
 *
 * State: the dense subnets of tests/support_yuma.c (fixed seed per case):
 * V validators with large random stakes and permits, N - V miners with
 * small random stakes; every validator has set dense random u16 weights on
 * all N uids (its own one included, as the chain stores it) at block 100,
 * a few uids re-registered after that (so some weights and bonds are
 * outdated). Two epochs run first: the first grants the permits, the
 * second writes the bonds the timed epoch starts from. The timed epoch is
 * then repeated on that same state; the figure is the median.
 * Targets (issue): <= 100 us at 64x256, <= 20 ms at 1024x1024, one core.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "support_yuma.h"
#include "taosim/yuma.h"

/* Median microseconds per epoch of case (v, n, liquid). */
static double bench_case(uint32_t v, uint32_t n, bool liquid)
{
    sy_dense s;
    sy_dense_make(&s, v, n, 0x5eed0000u + v * 7919u + n);
    yuma_params p = yuma_params_default();
    p.max_allowed_validators = (uint16_t)v;
    p.liquid_alpha_enabled = liquid;
    yuma_arena a = {NULL, 0, 0};
    yuma_output o;
    for (int warm = 0; warm < 2; warm++) { /* permits, then the bonds the timed epoch reads */
        sy_arena_fit(&a, &s);
        sy_dense_epoch(&p, &s, &o, &a);
        sy_dense_write_back(&s, &o);
    }
    const size_t need = sy_arena_fit(&a, &s);
    double best;
    int reps;
    uint64_t h0;
    const double med = sy_time_epochs(&p, &s, &o, &a, &best, &reps, &h0);
    printf("yuma_epoch v2  %4u x %-4u  liquid %-3s  nnz w %8u b %8u  %10.1f us/epoch (min %10.1f)  %8.1f epochs/s  "
           "(median of %3d)  digest %016llx  arena %.1f MiB\n",
           v, n, liquid ? "on" : "off", s.w_off[n], s.b_off[n], med, best, 1e6 / med, reps, (unsigned long long)h0,
           (double)need / (1 << 20));
    free(a.base);
    sy_dense_free(&s);
    return med;
}

/* `bench_yuma` runs every case; `bench_yuma VxN` only that one (profiling). */
int main(int argc, char **argv)
{
    static const uint32_t cases[4][2] = {{64, 256}, {256, 1024}, {1024, 1024}, {1024, 4096}};
    double res[4][2];
    if (argc == 2) {
        unsigned v = 0, n = 0;
        if (sscanf(argv[1], "%ux%u", &v, &n) != 2 || v == 0 || v > n || n > YUMA_MAX_UIDS) {
            fprintf(stderr, "usage: bench_yuma [VxN]\n");
            return 2;
        }
        bench_case(v, n, false);
        bench_case(v, n, true);
        return 0;
    }
    printf("bench_yuma: one core, random dense subnets, fixed seeds; V validators x N uids\n");
    for (int c = 0; c < 4; c++)
        for (int l = 0; l < 2; l++) res[c][l] = bench_case(cases[c][0], cases[c][1], l == 1);
    printf("targets: 64x256 <= 100 us: off %.1f us %s, on %.1f us %s; "
           "1024x1024 <= 20 ms: off %.2f ms %s, on %.2f ms %s\n",
           res[0][0], res[0][0] <= 100 ? "MET" : "MISSED", res[0][1], res[0][1] <= 100 ? "MET" : "MISSED",
           res[2][0] / 1e3, res[2][0] <= 20000 ? "MET" : "MISSED", res[2][1] / 1e3,
           res[2][1] <= 20000 ? "MET" : "MISSED");
    return 0;
}
