/* bench_chain.c -- the whole network, block by block, for one simulated year
 * (issue 6): 32 subnets x 256 uids (64 validators, 192 miners), 4096
 * nominators delegating to validators, 64 root validators weighting the
 * subnets, tempo 360, the finney-v1.2.4 preset. Every validator sets dense
 * weights on all 256 uids once per tempo (the block after its subnet's
 * epoch); everything else is the chain's own pipeline (adjustments, root
 * epochs, epochs with the owner cut, hotkey drains), with idle stretches
 * jumped by chain_advance_to.
 *
 * Reported: simulated days per wall second, the wall time of the year, the
 * share of it spent inside epochs (timed from the event before each epoch to
 * the epoch's own event, so it includes the epoch's input assembly and
 * write-back), how many blocks the pipeline processed versus jumped, and a
 * digest of the final state (a regression guard for a faster version).
 * Target: one simulated year <= 60 s on one core.
 *
 * BENCH_CHAIN_DAYS (environment) shortens the horizon for a quick look.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "taosim/chain.h"
#include "taosim/emission.h"
#include "taosim/io.h"
#include "support.h"

#define NSUB 32u
#define NUID 256u
#define NVAL 64u
#define NNOM 4096u
#define TAO 1000000000ull

static uint64_t mix(uint64_t z) /* splitmix64 finaliser */
{
    z += 0x9E3779B97F4A7C15ull;
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

static void must(chain_err e, const io_err *err, const char *what)
{
    if (e == CHAIN_OK) return;
    fprintf(stderr, "bench_chain: %s: %s: %s\n", what, chain_strerror(e), err->msg);
    exit(1);
}

typedef struct timing {
    double last, in_epochs;
    uint64_t epochs, drains, root_epochs, processed;
    uint64_t last_block;
} timing;

static void observe(void *ctx, const chain *c, const chain_event *ev)
{
    (void)c;
    timing *t = ctx;
    double n = support_now_s();
    if (ev->kind == CHAIN_EV_EPOCH) {
        t->in_epochs += n - t->last;
        t->epochs++;
    }
    if (ev->kind == CHAIN_EV_DRAIN) t->drains++;
    if (ev->kind == CHAIN_EV_ROOT_EPOCH) t->root_epochs++;
    if (ev->block != t->last_block) {
        t->processed++;
        t->last_block = ev->block;
    }
    t->last = n;
}

static void name(char *buf, size_t n, const char *kind, unsigned a, unsigned b)
{
    snprintf(buf, n, "%s%u_%u", kind, a, b);
}

/* The network at block 1; returns the per-validator weight bases. */
static chain *build(uint16_t *base)
{
    io_err err;
    chain *c = chain_new();
    if (!c) exit(1);
    must(chain_set_global(c, "subnet_limit", NSUB, &err), &err, "subnet_limit");
    must(chain_set_global(c, "network_rate_limit", 0, &err), &err, "rate limit");
    must(chain_set_global(c, "network_lock_reduction_interval", 1, &err), &err, "reduction interval");
    must(chain_set_global(c, "tx_rate_limit", 0, &err), &err, "tx rate limit");
    must(chain_set_global(c, "target_stakes_per_interval", 1000000, &err), &err, "stakes per interval");
    must(chain_set_hparam(c, 0, "max_registrations_per_block", 64, &err), &err, "root regs");
    must(chain_set_hparam(c, 0, "target_registrations_per_interval", 64, &err), &err, "root target");
    must(chain_set_hparam(c, 0, "weights_set_rate_limit", 0, &err), &err, "root rate limit");
    must(chain_fund(c, "owner", 64000 * TAO, &err), &err, "fund owner");
    for (unsigned s = 0; s < NSUB; s++) {
        must(chain_advance_to(c, chain_block(c) + 1, &err), &err, "advance");
        uint16_t netuid;
        must(chain_register_network(c, "owner", &netuid, &err), &err, "register_network");
        must(chain_set_hparam(c, netuid, "max_registrations_per_block", NUID, &err), &err, "regs");
        must(chain_set_hparam(c, netuid, "target_registrations_per_interval", NUID, &err), &err, "target");
    }
    char hk[64], ck[64];
    uint64_t g = 42;
    for (unsigned s = 0; s < NSUB; s++)
        for (unsigned u = 0; u < NUID; u++) {
            name(hk, sizeof hk, u < NVAL ? "v" : "m", s + 1, u);
            name(ck, sizeof ck, u < NVAL ? "cv" : "cm", s + 1, u);
            must(chain_fund(c, ck, (u < NVAL ? 1000 : 2) * TAO, &err), &err, "fund");
            uint16_t netuid = (uint16_t)(s + 1);
            must(chain_burned_register(c, ck, netuid, hk, NULL, &err), &err, "burned_register");
            if (u < NVAL) {
                uint64_t own = (10 + mix(g++) % 990) * TAO;
                must(chain_add_stake(c, ck, hk, own, &err), &err, "own stake");
                must(chain_become_delegate(c, ck, hk, CHAIN_TAKE_DEFAULT, &err), &err, "delegate");
                for (unsigned j = 0; j < NUID; j++) base[((size_t)s * NVAL + u) * NUID + j] = (uint16_t)(mix(g++) & 0xffff);
            }
        }
    for (unsigned k = 0; k < NNOM; k++) { /* two nominators per validator */
        snprintf(ck, sizeof ck, "nom%u", k);
        unsigned v = k % (NSUB * NVAL);
        name(hk, sizeof hk, "v", v / NVAL + 1, v % NVAL);
        uint64_t amount = (10 + mix(g++) % 990) * TAO;
        must(chain_fund(c, ck, amount, &err), &err, "fund nominator");
        must(chain_add_stake(c, ck, hk, amount, &err), &err, "nominate");
    }
    for (unsigned r = 0; r < 64; r++) { /* root: validator r of every other subnet */
        name(hk, sizeof hk, "v", (r % NSUB) + 1, r / NSUB);
        name(ck, sizeof ck, "cv", (r % NSUB) + 1, r / NSUB);
        must(chain_root_register(c, ck, hk, NULL, &err), &err, "root_register");
        uint16_t nets[NSUB], vals[NSUB];
        for (unsigned s = 0; s < NSUB; s++) {
            nets[s] = (uint16_t)(s + 1);
            vals[s] = (uint16_t)(1 + mix(g++) % 65535);
        }
        must(chain_set_root_weights(c, ck, 0, hk, nets, NSUB, vals, NSUB, 0, &err), &err, "root weights");
    }
    return c;
}

/* Validators of subnet s set weights: rotated bases, so they vary by tempo. */
static void set_all_weights(chain *c, unsigned s, uint64_t tempo_ix, const uint16_t *base, uint16_t *w,
                            uint16_t *dests, uint64_t *refused)
{
    char hk[64];
    io_err err;
    for (unsigned v = 0; v < NVAL; v++) {
        const uint16_t *b = base + ((size_t)s * NVAL + v) * NUID;
        for (unsigned j = 0; j < NUID; j++) w[j] = b[(j + tempo_ix) % NUID];
        name(hk, sizeof hk, "v", s + 1, v);
        chain_err e = chain_set_weights(c, (uint16_t)(s + 1), hk, dests, NUID, w, NUID, 0, &err);
        if (e != CHAIN_OK && !chain_err_is_refusal(e)) must(e, &err, "set_weights");
        if (e != CHAIN_OK) (*refused)++;
    }
}

static uint64_t digest(const chain *c)
{
    chain_totals t;
    chain_get_totals(c, &t);
    uint64_t h = io_fnv1a64(&t, sizeof t, IO_FNV_INIT);
    for (uint32_t i = 0; i < chain_subnet_count(c); i++) {
        const chain_subnet *s = chain_subnet_at(c, i);
        uint64_t x[4] = {s->emission_value, chain_pending_emission(c, s->netuid), s->burn, s->n};
        h = io_fnv1a64(x, sizeof x, h);
        h = io_fnv1a64(s->emission, s->n * sizeof *s->emission, h);
    }
    for (uint32_t id = 0; id < chain_hotkey_count(c); id++) {
        chain_hotkey_view v;
        (void)chain_hotkey_get(c, id, &v);
        uint64_t x[3] = {v.stake, v.pending, v.untouchable};
        h = io_fnv1a64(x, sizeof x, h);
    }
    return h;
}

int main(void)
{
    const char *d = getenv("BENCH_CHAIN_DAYS");
    uint64_t days = d ? strtoull(d, NULL, 10) : 0;
    uint64_t horizon = days ? days * EMISSION_BLOCKS_PER_DAY : EMISSION_BLOCKS_PER_YEAR;
    uint16_t *base = malloc((size_t)NSUB * NVAL * NUID * sizeof *base);
    uint16_t w[NUID], dests[NUID];
    if (!base) return 1;
    for (unsigned j = 0; j < NUID; j++) dests[j] = (uint16_t)j;
    double t0 = support_now_s();
    chain *c = build(base);
    chain_set_audit(c, 0);
    double t1 = support_now_s();
    timing tm;
    memset(&tm, 0, sizeof tm);
    chain_set_observer(c, observe, &tm);
    io_err err;
    uint64_t start = chain_block(c), end = start + horizon, refused = 0, calls = 0;
    /* a subnet's validators vote in the block after its epoch (tempo 360: period 361) */
    while (chain_block(c) < end) {
        uint64_t next = end;
        for (unsigned s = 0; s < NSUB; s++) {
            uint64_t b = chain_block(c) + 1, netuid = s + 1, off = (359 + 361 - netuid) % 361 + 1;
            uint64_t at = b + (off + 361 - b % 361) % 361;
            if (at < next) next = at;
        }
        tm.last = support_now_s();
        must(chain_advance_to(c, next, &err), &err, "advance");
        for (unsigned s = 0; s < NSUB; s++) {
            uint64_t netuid = s + 1, off = (359 + 361 - netuid) % 361 + 1;
            if (next % 361 == off % 361 && next < end) {
                set_all_weights(c, s, next / 361, base, w, dests, &refused);
                calls += NVAL;
            }
        }
    }
    double t2 = support_now_s();
    if (chain_audit(c, &err) != 0) {
        fprintf(stderr, "bench_chain: invariant broken: %s\n", err.msg);
        return 1;
    }
    double year = t2 - t1, sim_days = (double)horizon / EMISSION_BLOCKS_PER_DAY;
    chain_totals t;
    chain_get_totals(c, &t);
    printf("bench_chain: %u subnets x %u uids (%u validators), %u nominators, 64 root validators, tempo 360, "
           "finney-v1.2.4\n",
           NSUB, NUID, NVAL, NNOM);
    printf("  horizon %.0f days (%llu blocks); setup %.2f s\n", sim_days, (unsigned long long)horizon, t1 - t0);
    printf("  wall %.2f s = %.1f simulated days per wall second; one year would take %.1f s (target <= 60 s)\n", year,
           sim_days / year, year * 365.25 / sim_days);
    printf("  in epochs %.2f s (%.1f%%): %llu epochs, %.1f us each; root epochs %llu; drains %llu; "
           "set_weights %llu (refused %llu)\n",
           tm.in_epochs, 100.0 * tm.in_epochs / year, (unsigned long long)tm.epochs,
           tm.epochs ? 1e6 * tm.in_epochs / (double)tm.epochs : 0.0, (unsigned long long)tm.root_epochs,
           (unsigned long long)tm.drains, (unsigned long long)calls, (unsigned long long)refused);
    printf("  blocks with pipeline work %llu of %llu (%.1f%%), the rest jumped\n", (unsigned long long)tm.processed,
           (unsigned long long)horizon, 100.0 * (double)tm.processed / (double)horizon);
    printf("  issuance %.3f TAO (minted %.3f, burned %.3f), block emission %llu RAO; digest %016llx\n",
           (double)t.issuance / 1e9, (double)t.minted / 1e9, (double)t.burned / 1e9,
           (unsigned long long)t.block_emission, (unsigned long long)digest(c));
    chain_free(c);
    free(base);
    return 0;
}
