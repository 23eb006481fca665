/* bench_yuma3.c -- time of one Yuma 3 epoch (yuma_epoch, YUMA_V3, subtensor
 * v3.2.7) with Liquid Alpha 2 on and off, next to the v1.2.4 epoch (YUMA_V2)
 * on the very same state, with a digest of every output so that a faster
 * version can prove it computes the same bits.
 *
 * State: the random dense subnets of bench_yuma.c (same generator, sizes and
 * seeds; copied here because that file is being reworked -- to be shared in
 * a tests/support_*.c later). Yuma 3 runs with the chain's runtime values
 * (bonds penalty 65535, steepness 1000, alpha bounds (45875, 58982)) and
 * tempo 100, so that the bonds towards the uids re-registered at block 150
 * are the only ones the outdated-bond rule drops at block 200. Two epochs run
 * first (permits, then the bonds the timed epoch starts from), in the variant
 * timed. Figure: the median of repeats. Target (issue 5): Yuma 3 with liquid
 * alpha within 1.5x of the v1.2.4 epoch at each size.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "taosim/yuma.h"

static uint64_t rnd(uint64_t *g) /* splitmix64 */
{
    uint64_t z = (*g += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

typedef struct subnet {
    uint32_t n, v;
    uint64_t *stake, *lu, *bar;
    bool *permit;
    uint32_t *w_off, *b_off;
    yuma_entry *w_ent, *b_ent;
    size_t b_cap;
} subnet;

static void *xmalloc(size_t n)
{
    void *p = malloc(n ? n : 1);
    if (!p) {
        fprintf(stderr, "bench_yuma3: out of memory\n");
        exit(1);
    }
    return p;
}

static void make_subnet(subnet *s, uint32_t v, uint32_t n, uint64_t seed)
{
    uint64_t g = seed;
    s->n = n;
    s->v = v;
    s->stake = xmalloc(n * sizeof *s->stake);
    s->lu = xmalloc(n * sizeof *s->lu);
    s->bar = xmalloc(n * sizeof *s->bar);
    s->permit = xmalloc(n * sizeof *s->permit);
    s->w_off = xmalloc((n + 1) * sizeof *s->w_off);
    s->b_off = xmalloc((n + 1) * sizeof *s->b_off);
    s->w_ent = xmalloc((size_t)v * n * sizeof *s->w_ent);
    s->b_cap = (size_t)v * n;
    s->b_ent = xmalloc(s->b_cap * sizeof *s->b_ent);
    s->w_off[0] = s->b_off[0] = 0;
    for (uint32_t i = 0; i < n; i++) {
        bool val = i < v;
        s->stake[i] = val ? 1000000000000ull + rnd(&g) % 100000000000000ull : rnd(&g) % 1000000000ull;
        s->lu[i] = 100;
        s->bar[i] = rnd(&g) % 64 == 0 ? 150 : rnd(&g) % 100; /* 1 in 64 re-registered after the weights */
        s->permit[i] = false;
        s->b_off[i + 1] = 0;
        s->w_off[i + 1] = s->w_off[i] + (val ? n : 0);
        if (val)
            for (uint32_t j = 0; j < n; j++) s->w_ent[s->w_off[i] + j] = (yuma_entry){(uint16_t)j, (uint16_t)rnd(&g)};
    }
}

static void free_subnet(subnet *s)
{
    free(s->stake);
    free(s->lu);
    free(s->bar);
    free(s->permit);
    free(s->w_off);
    free(s->b_off);
    free(s->w_ent);
    free(s->b_ent);
}

static yuma_input input_of(const subnet *s)
{
    yuma_input in = {
        .n = s->n, .current_block = 200, .rao_emission = 1000000000, .stake = s->stake, .last_update = s->lu,
        .block_at_registration = s->bar, .permit_old = s->permit, .weights = {s->w_off, s->w_ent},
        .bonds = {s->b_off, s->b_ent}, .bonds_reset = NULL,
    };
    return in;
}

/* The chain's write-back of permits and bond rows (yuma-epoch.md §4.16). */
static void write_back(subnet *s, const yuma_output *o)
{
    /* rebuild the bond CSR: SET rows from the output, KEEP rows as they were */
    yuma_entry *nb = xmalloc(s->b_cap * sizeof *nb);
    uint32_t *noff = xmalloc((s->n + 1) * sizeof *noff);
    size_t k = 0;
    noff[0] = 0;
    for (uint32_t i = 0; i < s->n; i++) {
        const yuma_entry *src = NULL;
        uint32_t len = 0;
        if (o->bonds_action[i] == YUMA_BONDS_SET) {
            src = o->bonds_ent + o->bonds_off[i];
            len = o->bonds_off[i + 1] - o->bonds_off[i];
        } else if (o->bonds_action[i] == YUMA_BONDS_KEEP) {
            src = s->b_ent + s->b_off[i];
            len = s->b_off[i + 1] - s->b_off[i];
        }
        if (k + len > s->b_cap) {
            fprintf(stderr, "bench_yuma3: bond rows beyond V*N\n");
            exit(1);
        }
        if (len) memcpy(nb + k, src, len * sizeof *nb);
        k += len;
        noff[i + 1] = (uint32_t)k;
        s->permit[i] = o->permit_new[i];
    }
    free(s->b_ent);
    free(s->b_off);
    s->b_ent = nb;
    s->b_off = noff;
}

static uint64_t fnv(uint64_t h, const void *p, size_t n)
{
    const unsigned char *c = p;
    for (size_t i = 0; i < n; i++) h = (h ^ c[i]) * 0x100000001b3ull;
    return h;
}

static uint64_t digest(const yuma_output *o, uint32_t n)
{
    uint64_t h = 0xcbf29ce484222325ull;
    h = fnv(h, o->active, n * sizeof *o->active);
    h = fnv(h, o->permit_new, n * sizeof *o->permit_new);
    const uint16_t *u16s[] = {o->stake_weight, o->rank, o->trust, o->consensus, o->incentive,
                              o->dividends, o->validator_trust, o->pruning_score};
    for (size_t k = 0; k < sizeof u16s / sizeof u16s[0]; k++) h = fnv(h, u16s[k], n * sizeof(uint16_t));
    h = fnv(h, o->emission, n * sizeof(uint64_t));
    h = fnv(h, o->server_emission, n * sizeof(uint64_t));
    h = fnv(h, o->validator_emission, n * sizeof(uint64_t));
    h = fnv(h, o->bonds_action, n);
    h = fnv(h, o->bonds_off, (n + 1) * sizeof(uint32_t));
    h = fnv(h, o->bonds_ent, o->bonds_off[n] * sizeof(yuma_entry));
    return h;
}

static double now_us(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec * 1e6 + (double)t.tv_nsec / 1e3;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static void run_epoch(const yuma_params *p, const subnet *s, yuma_output *o, yuma_arena *a)
{
    yuma_input in = input_of(s);
    yuma_status st = yuma_epoch(p, &in, o, a);
    if (st != YUMA_OK) {
        fprintf(stderr, "bench_yuma3: epoch failed: %s\n", yuma_strerror(st));
        exit(1);
    }
}

/* Median microseconds per epoch of case (v, n, version, liquid, bonds
 * penalty); *best gets the fastest repeat (steadier on a shared machine). */
static double bench_case(uint32_t v, uint32_t n, int version, bool liquid, uint16_t penalty, double *best)
{
    subnet s;
    make_subnet(&s, v, n, 0x5eed0000u + v * 7919u + n);
    yuma_params p = yuma_params_default();
    p.version = version;
    p.max_allowed_validators = (uint16_t)v;
    p.liquid_alpha_enabled = liquid;
    p.tempo = 100;
    p.bonds_penalty = penalty;
    yuma_arena a = {NULL, 0, 0};
    yuma_output o;
    for (int warm = 0; warm < 3; warm++) { /* permits, bonds, then the timed state's arena */
        yuma_input in = input_of(&s);
        size_t need = yuma_arena_need(n, in.weights.off[n], in.bonds.off[n]);
        if (need > a.cap) {
            free(a.base);
            a.base = xmalloc(need);
            a.cap = need;
        }
        if (warm == 2) break;
        run_epoch(&p, &s, &o, &a);
        write_back(&s, &o);
    }
    yuma_input in = input_of(&s);
    enum { MAXREP = 400 };
    static double t[MAXREP];
    int reps = 0;
    double spent = 0;
    uint64_t h0 = 0;
    while (reps < MAXREP && (reps < 5 || spent < 1.5e6)) {
        double t0 = now_us();
        run_epoch(&p, &s, &o, &a);
        t[reps] = now_us() - t0;
        spent += t[reps];
        uint64_t h = digest(&o, n);
        if (reps == 0) h0 = h;
        if (h != h0) {
            fprintf(stderr, "bench_yuma3: the same epoch gave two digests\n");
            exit(1);
        }
        reps++;
    }
    qsort(t, (size_t)reps, sizeof t[0], cmp_double);
    double med = t[reps / 2];
    if (best) *best = t[0];
    char pen[24] = "";
    if (version == YUMA_V3 && penalty != 65535) snprintf(pen, sizeof pen, " penalty %u", penalty);
    printf("yuma_epoch v%d  %4u x %-4u  liquid %-3s%-14s nnz w %8u b %8u  %10.1f us/epoch (min %10.1f)  %8.1f "
           "epochs/s  (median of %3d)  digest %016llx\n",
           version, v, n, liquid ? "on" : "off", pen, in.weights.off[n], in.bonds.off[n], med, t[0], 1e6 / med, reps,
           (unsigned long long)h0);
    free(a.base);
    free_subnet(&s);
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
