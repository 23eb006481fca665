/* support_yuma.c -- random subnets for the yuma tests (support_yuma.h). */
#include "support_yuma.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "support.h"

static double now_us(void) { return 1e6 * support_now_s(); }

uint64_t sy_rnd(uint64_t *g)
{
    uint64_t z = (*g += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

uint64_t sy_below(uint64_t *g, uint64_t k) { return sy_rnd(g) % k; }

void sy_row(yuma_entry *e, uint32_t *len, uint32_t n, uint64_t *g, bool bonds)
{
    static uint16_t perm[SY_MAXN + 8];
    const unsigned kind = (unsigned)sy_below(g, 6);
    uint32_t m = 0;
    if (kind == 0) { /* empty */
    } else if (kind <= 2) { /* complete, in order (the dense case), some columns dropped */
        for (uint32_t j = 0; j < n; j++)
            if (kind == 1 || sy_below(g, 8)) perm[m++] = (uint16_t)j;
    } else { /* a random subset, in order or shuffled, maybe beyond n (weights) */
        const uint32_t span = bonds ? n : n + 3;
        const uint64_t dens = 1 + sy_below(g, 4);
        for (uint32_t j = 0; j < span; j++)
            if (sy_below(g, 4) < dens) perm[m++] = (uint16_t)j;
        if (kind == 5)
            for (uint32_t k = m; k > 1; k--) {
                const uint32_t q = (uint32_t)sy_below(g, k);
                const uint16_t x = perm[k - 1];
                perm[k - 1] = perm[q];
                perm[q] = x;
            }
    }
    for (uint32_t k = 0; k < m; k++) {
        uint16_t v;
        switch (sy_below(g, 8)) {
        case 0: v = 0; break;
        case 1: v = 65535; break;
        case 2: v = (uint16_t)(1 + sy_below(g, 3)); break;
        default: v = (uint16_t)sy_rnd(g); break;
        }
        e[k] = (yuma_entry){perm[k], v};
    }
    if (m > 1 && sy_below(g, 150) == 0) e[m - 1].col = e[0].col;             /* a duplicate */
    if (bonds && m > 0 && sy_below(g, 200) == 0) e[m - 1].col = (uint16_t)n; /* beyond n */
    *len = m;
}

void sy_sub_init(sy_sub *s, uint64_t *g)
{
    const uint32_t n = sy_below(g, 3) ? 1 + (uint32_t)sy_below(g, 40) : 41 + (uint32_t)sy_below(g, SY_MAXN - 40);
    s->n = n;
    s->block = 50 + sy_below(g, 50);
    s->rao = sy_below(g, 4) ? 1000000000 : sy_rnd(g);
    s->p = yuma_params_default();
    s->p.kappa = sy_below(g, 2) ? 32767 : (uint16_t)sy_rnd(g);
    const uint64_t bmas[6] = {900000, 975000, 0, 1000000, 500000, 1500000};
    s->p.bonds_moving_average = sy_below(g, 2) ? bmas[sy_below(g, 6)] : sy_below(g, 1000001);
    s->p.activity_cutoff = sy_below(g, 4) ? 5000 : sy_below(g, 60);
    const uint32_t nv = sy_below(g, 6) == 0 ? 1 : 1 + (uint32_t)sy_below(g, n);
    s->p.max_allowed_validators = (uint16_t)(sy_below(g, 4) ? nv : sy_below(g, n + 2));
    s->p.liquid_alpha_enabled = sy_below(g, 2);
    if (sy_below(g, 3) == 0) {
        s->p.alpha_low = (uint16_t)sy_rnd(g);
        s->p.alpha_high = (uint16_t)sy_rnd(g);
    }
    s->w_off[0] = s->b_off[0] = 0;
    for (uint32_t i = 0; i < n; i++) {
        const bool val = i < nv;
        s->stake[i] = val ? 1000000000ull + sy_below(g, (uint64_t)1 << 50) : sy_below(g, 4) ? sy_below(g, 1000000) : 0;
        s->lu[i] = s->block - sy_below(g, 30);
        s->bar[i] = sy_below(g, 10) == 0 ? s->block - sy_below(g, 5) : sy_below(g, 20);
        s->permit[i] = val ? sy_below(g, 8) != 0 : sy_below(g, 8) == 0;
        uint32_t wl = 0, bl = 0;
        if (val || sy_below(g, 6) == 0) sy_row(s->w_ent + s->w_off[i], &wl, n, g, false);
        if (val || sy_below(g, 10) == 0) sy_row(s->b_ent + s->b_off[i], &bl, n, g, true);
        s->w_off[i + 1] = s->w_off[i] + wl;
        s->b_off[i + 1] = s->b_off[i] + bl;
    }
}

yuma_input sy_sub_input(const sy_sub *s)
{
    yuma_input in = {
        .n = s->n, .current_block = s->block, .rao_emission = s->rao, .stake = s->stake, .last_update = s->lu,
        .block_at_registration = s->bar, .permit_old = s->permit, .weights = {s->w_off, s->w_ent},
        .bonds = {s->b_off, s->b_ent},
    };
    return in;
}

void sy_sub_step(sy_sub *s, const yuma_output *o, uint64_t *g)
{
    static yuma_entry nb[SY_MAXN * SY_MAXN];
    static uint32_t noff[SY_MAXN + 1];
    uint32_t k = 0;
    noff[0] = 0;
    for (uint32_t i = 0; i < s->n; i++) {
        const yuma_entry *src = s->b_ent + s->b_off[i];
        uint32_t len = s->b_off[i + 1] - s->b_off[i];
        if (o->bonds_action[i] == YUMA_BONDS_CLEAR) len = 0;
        if (o->bonds_action[i] == YUMA_BONDS_SET) {
            src = o->bonds_ent + o->bonds_off[i];
            len = o->bonds_off[i + 1] - o->bonds_off[i];
        }
        memcpy(nb + k, src, len * sizeof *nb);
        k += len;
        noff[i + 1] = k;
        s->permit[i] = o->permit_new[i];
    }
    memcpy(s->b_ent, nb, k * sizeof *nb);
    memcpy(s->b_off, noff, (s->n + 1) * sizeof *noff);
    s->block += sy_below(g, 10);
    static yuma_entry nw[SY_MAXN * (SY_MAXN + 3)];
    k = 0;
    for (uint32_t i = 0; i < s->n; i++) {
        uint32_t len = s->w_off[i + 1] - s->w_off[i];
        if (sy_below(g, 3) == 0 && (s->stake[i] >= 1000000000ull || sy_below(g, 8) == 0)) {
            sy_row(nw + k, &len, s->n, g, false);
            s->lu[i] = s->block;
        } else {
            memcpy(nw + k, s->w_ent + s->w_off[i], len * sizeof *nw);
        }
        noff[i] = k;
        k += len;
    }
    noff[s->n] = k;
    memcpy(s->w_ent, nw, k * sizeof *nw);
    memcpy(s->w_off, noff, (s->n + 1) * sizeof *noff);
    for (uint32_t i = 0; i < s->n; i++)
        if (sy_below(g, 20) == 0) s->bar[i] = s->block; /* a replaced uid */
}

void sy_sub_storage(sy_sub *s)
{
    static uint64_t stake[SY_MAXN], lu[SY_MAXN], bar[SY_MAXN];
    static bool permit[SY_MAXN];
    static uint32_t w_off[SY_MAXN + 1], b_off[SY_MAXN + 1];
    static yuma_entry w_ent[SY_MAXN * (SY_MAXN + 3)], b_ent[SY_MAXN * SY_MAXN];
    *s = (sy_sub){.stake = stake, .lu = lu, .bar = bar, .permit = permit, .w_off = w_off, .b_off = b_off,
                  .w_ent = w_ent, .b_ent = b_ent};
}

#define DIFFERS(f, count)                                                        \
    if (memcmp(a->f, b->f, (size_t)(count) * sizeof *a->f) != 0) return #f;

const char *sy_outputs_differ(const yuma_output *a, const yuma_output *b, uint32_t n)
{
    DIFFERS(active, n)
    DIFFERS(permit_new, n)
    DIFFERS(stake_weight, n)
    DIFFERS(rank, n)
    DIFFERS(trust, n)
    DIFFERS(consensus, n)
    DIFFERS(incentive, n)
    DIFFERS(dividends, n)
    DIFFERS(validator_trust, n)
    DIFFERS(pruning_score, n)
    DIFFERS(emission, n)
    DIFFERS(server_emission, n)
    DIFFERS(validator_emission, n)
    DIFFERS(bonds_action, n)
    DIFFERS(bonds_off, n + 1)
    DIFFERS(bonds_ent, a->bonds_off[n])
    return NULL;
}
#undef DIFFERS

/* ---- every implementation against the sparse passes ---------------------- */

static const ym_impl impls[SY_NIMPL] = {YM_IMPL_DENSE, YM_IMPL_DENSE_AVX2, YM_IMPL_DENSE_AVX512, YM_IMPL_AUTO};
static const char *const impl_names[SY_NIMPL] = {"dense (portable)", "dense AVX2", "dense AVX-512", "auto"};

static yuma_arena arena_of(size_t cap)
{
    yuma_arena a = {sy_xmalloc(cap), cap, 0};
    return a;
}

void sy_impls_init(sy_impls *h, sy_epoch_fn epoch, size_t cap)
{
    h->epoch = epoch;
    h->ref = arena_of(cap);
    for (int k = 0; k < SY_NIMPL; k++) {
        h->other[k] = arena_of(cap);
        h->ran[k] = 0;
    }
}

void sy_impls_free(sy_impls *h)
{
    free(h->ref.base);
    for (int k = 0; k < SY_NIMPL; k++) free(h->other[k].base);
}

const char *sy_impls_epoch(sy_impls *h, const sy_sub *s, yuma_output *want, yuma_status *st)
{
    static char msg[160];
    const yuma_input in = sy_sub_input(s);
    *st = h->epoch(&s->p, &in, want, &h->ref, YM_IMPL_SPARSE);
    for (int k = 0; k < SY_NIMPL; k++) {
        if (!ym_impl_available(impls[k])) continue;
        h->ran[k]++;
        yuma_output got;
        const yuma_status st2 = h->epoch(&s->p, &in, &got, &h->other[k], impls[k]);
        const char *f = st2 == *st && *st == YUMA_OK ? sy_outputs_differ(want, &got, s->n) : NULL;
        if (st2 != *st) snprintf(msg, sizeof msg, "%s returns %d, the sparse passes %d", impl_names[k], st2, *st);
        else if (f) snprintf(msg, sizeof msg, "%s differs from the sparse passes in %s", impl_names[k], f);
        else continue;
        return msg;
    }
    return NULL;
}

/* ---- the benchmarks' dense subnets --------------------------------------- */

static void die(const char *what)
{
    fprintf(stderr, "support_yuma: %s\n", what);
    exit(1);
}

void *sy_xmalloc(size_t n)
{
    void *p = malloc(n ? n : 1);
    if (!p) die("out of memory");
    return p;
}

void sy_dense_make(sy_dense *s, uint32_t v, uint32_t n, uint64_t seed)
{
    uint64_t g = seed;
    s->n = n;
    s->v = v;
    s->stake = sy_xmalloc(n * sizeof *s->stake);
    s->lu = sy_xmalloc(n * sizeof *s->lu);
    s->bar = sy_xmalloc(n * sizeof *s->bar);
    s->permit = sy_xmalloc(n * sizeof *s->permit);
    s->w_off = sy_xmalloc((n + 1) * sizeof *s->w_off);
    s->b_off = sy_xmalloc((n + 1) * sizeof *s->b_off);
    s->w_ent = sy_xmalloc((size_t)v * n * sizeof *s->w_ent);
    s->b_cap = (size_t)v * n;
    s->b_ent = sy_xmalloc(s->b_cap * sizeof *s->b_ent);
    s->w_off[0] = s->b_off[0] = 0;
    for (uint32_t i = 0; i < n; i++) {
        bool val = i < v;
        s->stake[i] = val ? 1000000000000ull + sy_rnd(&g) % 100000000000000ull : sy_rnd(&g) % 1000000000ull;
        s->lu[i] = 100;
        s->bar[i] = sy_rnd(&g) % 64 == 0 ? 150 : sy_rnd(&g) % 100; /* 1 in 64 re-registered after the weights */
        s->permit[i] = false;
        s->b_off[i + 1] = 0;
        s->w_off[i + 1] = s->w_off[i] + (val ? n : 0);
        if (val)
            for (uint32_t j = 0; j < n; j++)
                s->w_ent[s->w_off[i] + j] = (yuma_entry){(uint16_t)j, (uint16_t)sy_rnd(&g)};
    }
}

void sy_dense_free(sy_dense *s)
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

yuma_input sy_dense_input(const sy_dense *s)
{
    yuma_input in = {
        .n = s->n, .current_block = 200, .rao_emission = 1000000000, .stake = s->stake, .last_update = s->lu,
        .block_at_registration = s->bar, .permit_old = s->permit, .weights = {s->w_off, s->w_ent},
        .bonds = {s->b_off, s->b_ent}, .bonds_reset = NULL,
    };
    return in;
}

void sy_dense_write_back(sy_dense *s, const yuma_output *o)
{
    /* rebuild the bond CSR: SET rows from the output, KEEP rows as they were */
    yuma_entry *nb = sy_xmalloc(s->b_cap * sizeof *nb);
    uint32_t *noff = sy_xmalloc((s->n + 1) * sizeof *noff);
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
        if (k + len > s->b_cap) die("bond rows beyond V*N");
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

size_t sy_arena_fit(yuma_arena *a, const sy_dense *s)
{
    const size_t need = yuma_arena_need(s->n, s->w_off[s->n], s->b_off[s->n]);
    if (need > a->cap) {
        free(a->base);
        a->base = sy_xmalloc(need);
        a->cap = need;
    }
    return need;
}

void sy_dense_epoch(const yuma_params *p, const sy_dense *s, yuma_output *o, yuma_arena *a)
{
    yuma_input in = sy_dense_input(s);
    yuma_status st = yuma_epoch(p, &in, o, a);
    if (st != YUMA_OK) {
        fprintf(stderr, "support_yuma: epoch failed: %s\n", yuma_strerror(st));
        exit(1);
    }
}

static uint64_t fnv(uint64_t h, const void *p, size_t n)
{
    const unsigned char *c = p;
    for (size_t i = 0; i < n; i++) h = (h ^ c[i]) * 0x100000001b3ull;
    return h;
}

uint64_t sy_digest(const yuma_output *o, uint32_t n)
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

double sy_time_epochs(const yuma_params *p, const sy_dense *s, yuma_output *o, yuma_arena *a, double *best,
                      int *reps, uint64_t *digest)
{
    enum { MAXREP = 400 };
    static double t[MAXREP];
    int r = 0;
    double spent = 0;
    uint64_t h0 = 0;
    while (r < MAXREP && (r < 5 || spent < 1.5e6)) {
        double t0 = now_us();
        sy_dense_epoch(p, s, o, a);
        t[r] = now_us() - t0;
        spent += t[r];
        uint64_t h = sy_digest(o, s->n);
        if (r == 0) h0 = h;
        if (h != h0) die("the same epoch gave two digests");
        r++;
    }
    const double med = support_median(t, r);
    *best = t[0];
    *reps = r;
    *digest = h0;
    return med;
}
