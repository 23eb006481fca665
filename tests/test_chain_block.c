/* test_chain_block.c -- the chain block by block (economics.md §4-§8):
 * the epoch schedule and BlocksSinceLastStep (vectors B1, B2), idle jumps
 * equal to stepping every block, the owner cut and the emission the chain
 * never mints, subnet pruning with its tie rules and the removal quirks,
 * neuron replacement and unstake-all, root membership by stake, the drain's
 * take and viable-stake split, the mining-emission shares of vector C5, the
 * registration and staking checks in the chain's order.
 *
 * Expected values come from the spec's rules and vectors; where a value is
 * a floor of a proportion, the numbers are chosen so that the proportion is
 * exact in I64F64/I96F32 and the expected RAO can be written down by hand.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "taosim/chain.h"
#include "taosim/econ.h"
#include "taosim/io.h"

#define TAO 1000000000ull

static chain *mk(const char *preset)
{
    io_err err;
    chain *c = chain_new_preset(preset, &err);
    if (!c) fail_msg("chain_new_preset: %s", err.msg);
    chain_set_audit(c, 2);
    return c;
}

#define OK(call)                                                                                  \
    do {                                                                                          \
        io_err err_;                                                                              \
        err_.msg[0] = '\0';                                                                       \
        chain_err e_ = (call);                                                                    \
        (void)err_;                                                                               \
        if (e_ != CHAIN_OK) fail_msg("%s: %s", #call, chain_strerror(e_));                        \
    } while (0)

#define REFUSED(code, call)                                                                       \
    do {                                                                                          \
        chain_err e_ = (call);                                                                    \
        if (e_ != (code)) fail_msg("%s: %s, expected %s", #call, chain_strerror(e_), chain_strerror(code)); \
    } while (0)

static void advance(chain *c, uint64_t b)
{
    io_err err;
    chain_err e = chain_advance_to(c, b, &err);
    if (e != CHAIN_OK) fail_msg("advance to %llu: %s: %s", (unsigned long long)b, chain_strerror(e), err.msg);
    if (chain_audit(c, &err) != 0) fail_msg("audit at %llu: %s", (unsigned long long)b, err.msg);
}

static void global(chain *c, const char *k, uint64_t v)
{
    io_err err;
    if (chain_set_global(c, k, v, &err) != CHAIN_OK) fail_msg("global %s: %s", k, err.msg);
}

static void hparam(chain *c, uint16_t netuid, const char *k, uint64_t v)
{
    io_err err;
    if (chain_set_hparam(c, netuid, k, v, &err) != CHAIN_OK) fail_msg("hparam %s: %s", k, err.msg);
}

/* ---- observers ------------------------------------------------------------------- */

typedef struct log {
    uint64_t epoch_block[64];
    uint16_t epoch_netuid[64];
    int nepochs;
    uint64_t hash, events[CHAIN_EV_COUNT];
    uint64_t drained, cut, distributed, removed_refund;
    uint16_t removed_netuid;
} log_t;

static void record(void *ctx, const chain *c, const chain_event *ev)
{
    (void)c;
    log_t *l = ctx;
    uint64_t f[8] = {(uint64_t)ev->kind, ev->block, ev->netuid, ev->uid, ev->hotkey, ev->other, ev->amount,
                     ev->amount2};
    l->hash = io_fnv1a64(f, sizeof f, l->hash);
    l->events[ev->kind]++;
    if (ev->kind == CHAIN_EV_EPOCH) {
        if (l->nepochs < 64) {
            l->epoch_block[l->nepochs] = ev->block;
            l->epoch_netuid[l->nepochs] = ev->netuid;
        }
        l->nepochs++;
        l->cut += ev->amount2;
        l->distributed += ev->amount;
    }
    if (ev->kind == CHAIN_EV_DRAIN) l->drained += ev->amount;
    if (ev->kind == CHAIN_EV_SUBNET_REMOVED) {
        l->removed_netuid = ev->netuid;
        l->removed_refund = ev->amount;
    }
}

/* ---- B1, B2: the epoch schedule ------------------------------------------------------ */

static void test_epoch_schedule(void **state)
{
    (void)state;
    static const struct { uint16_t tempo; uint64_t first, second; } cases[] = {
        {1, 1, 3},    /* B1 (1, 1) -> 1 */
        {2, 3, 6},    /* B1 (2, 1) -> 0, then every 3 */
        {100, 98, 199} /* B1 (100, 1) -> 98 */
    };
    for (size_t i = 0; i < 3; i++) {
        chain *c = mk("finney-v1.2.4");
        log_t l;
        memset(&l, 0, sizeof l);
        chain_set_observer(c, record, &l);
        OK(chain_subnet_add(c, 1, NULL));
        hparam(c, 1, "tempo", cases[i].tempo);
        advance(c, cases[i].second);
        assert_true(l.nepochs >= 2);
        assert_int_equal(l.epoch_block[0], cases[i].first);
        assert_int_equal(l.epoch_block[1], cases[i].second);
        chain_free(c);
    }
    /* B2: add_network(1, tempo 7200) at block 0 */
    chain *c = mk("mock-v1.2.4");
    OK(chain_subnet_add(c, 1, NULL));
    hparam(c, 1, "tempo", 7200);
    advance(c, 5);
    assert_int_equal(chain_blocks_since_last_step(c, 1), 5);
    advance(c, 5 + econ_blocks_until_next_epoch(1, 7200, 5) + 10);
    assert_int_equal(chain_blocks_since_last_step(c, 1), 10);
    advance(c, chain_block(c) + econ_blocks_until_next_epoch(1, 7200, chain_block(c)) + 20);
    assert_int_equal(chain_blocks_since_last_step(c, 1), 20);
    advance(c, chain_block(c) + 7);
    assert_int_equal(chain_blocks_since_last_step(c, 1), 27);
    chain_free(c);
}

/* ---- idle jumps ------------------------------------------------------------------------ */

/* A small living network: root validators weighting two owned subnets, a
 * nominator, miners, weights, drains every 31 blocks. */
static chain *living(log_t *l)
{
    chain *c = mk("finney-v1.2.4");
    chain_set_observer(c, record, l);
    global(c, "network_rate_limit", 0);
    global(c, "hotkey_emission_tempo", 30);
    global(c, "tx_rate_limit", 0);
    hparam(c, 0, "max_registrations_per_block", 8);
    hparam(c, 0, "target_registrations_per_interval", 8);
    OK(chain_fund(c, "owner", 5000 * TAO, NULL));
    OK(chain_register_network(c, "owner", NULL, NULL));
    advance(c, 1);
    OK(chain_register_network(c, "owner", NULL, NULL));
    static const char *const hk[4] = {"va", "vb", "ma", "mb"};
    for (uint16_t n = 1; n <= 2; n++) {
        hparam(c, n, "tempo", n == 1 ? 20 : 33);
        hparam(c, n, "max_registrations_per_block", 4);
        hparam(c, n, "target_registrations_per_interval", 4);
        hparam(c, n, "weights_set_rate_limit", 0);
    }
    for (int i = 0; i < 4; i++) {
        char ck[16];
        snprintf(ck, sizeof ck, "c%s", hk[i]);
        OK(chain_fund(c, ck, 100 * TAO, NULL));
        OK(chain_burned_register(c, ck, 1, hk[i], NULL, NULL));
        OK(chain_burned_register(c, ck, 2, hk[i], NULL, NULL));
        OK(chain_add_stake(c, ck, hk[i], (uint64_t)(40 - 9 * i) * TAO, NULL));
    }
    OK(chain_become_delegate(c, "cva", "va", CHAIN_TAKE_DEFAULT, NULL));
    OK(chain_fund(c, "nom", 50 * TAO, NULL));
    OK(chain_add_stake(c, "nom", "va", 25 * TAO, NULL));
    OK(chain_root_register(c, "cva", "va", NULL, NULL));
    OK(chain_root_register(c, "cvb", "vb", NULL, NULL));
    const uint16_t nets[3] = {0, 1, 2}, wa[3] = {100, 65535, 30000}, wb[3] = {0, 20000, 65535};
    hparam(c, 0, "weights_set_rate_limit", 0);
    OK(chain_set_root_weights(c, "cva", 0, "va", nets, 3, wa, 3, 0, NULL));
    OK(chain_set_root_weights(c, "cvb", 0, "vb", nets + 1, 2, wb + 1, 2, 0, NULL));
    return c;
}

/* Weights at fixed blocks, the same for every way of advancing. */
static void living_calls(chain *c, uint64_t b)
{
    if (b % 50 != 7) return;
    const uint16_t d[4] = {0, 1, 2, 3}, w[4] = {(uint16_t)(b % 1000), 5000, 65535, (uint16_t)(b % 777)};
    for (uint16_t n = 1; n <= 2; n++) {
        (void)chain_set_weights(c, n, "va", d, 4, w, 4, 0, NULL);
        (void)chain_set_weights(c, n, "vb", d + 1, 3, w + 1, 3, 0, NULL);
    }
}

static uint64_t fingerprint(const chain *c)
{
    chain_totals t;
    chain_get_totals(c, &t);
    uint64_t h = io_fnv1a64(&t, sizeof t, IO_FNV_INIT);
    for (uint16_t n = 0; n <= 2; n++) {
        const chain_subnet *s = chain_subnet_get(c, n);
        uint64_t x[6] = {s->emission_value, chain_pending_emission(c, n), s->burn, s->difficulty,
                         chain_blocks_since_last_step(c, n), s->regs_this_interval};
        h = io_fnv1a64(x, sizeof x, h);
        for (uint32_t u = 0; u < s->n; u++) {
            uint64_t y[4] = {s->emission[u], s->incentive[u], s->dividends[u], s->pruning_score[u]};
            h = io_fnv1a64(y, sizeof y, h);
        }
    }
    for (uint32_t id = 0; id < chain_hotkey_count(c); id++) {
        chain_hotkey_view v;
        assert_int_equal(chain_hotkey_get(c, id, &v), CHAIN_OK);
        uint64_t y[3] = {v.stake, v.pending, v.untouchable};
        h = io_fnv1a64(y, sizeof y, h);
    }
    return h;
}

static void test_idle_jumps_are_exact(void **state)
{
    (void)state;
    const uint64_t end = 2500;
    log_t la, lb, lc;
    memset(&la, 0, sizeof la);
    memset(&lb, 0, sizeof lb);
    memset(&lc, 0, sizeof lc);
    chain *a = living(&la), *b = living(&lb), *c = living(&lc);
    for (uint64_t blk = chain_block(a) + 1; blk <= end; blk++) { /* a: every block */
        advance(a, blk);
        living_calls(a, blk);
    }
    for (uint64_t blk = chain_block(b) + 1; blk <= end; blk++) /* b: only where calls happen */
        if (blk % 50 == 7 || blk == end) {
            advance(b, blk);
            living_calls(b, blk);
        }
    uint64_t blk = chain_block(c); /* c: one busy block at a time */
    while (blk < end) {
        uint64_t nb = chain_next_busy_block(c), call = blk + 1;
        while (call % 50 != 7) call++;
        blk = nb < call ? nb : call;
        if (blk > end) blk = end;
        advance(c, blk);
        living_calls(c, blk);
    }
    assert_true(la.events[CHAIN_EV_DRAIN] > 50 && la.events[CHAIN_EV_ROOT_EPOCH] >= 24 && la.nepochs > 100);
    assert_true(la.drained > 0);
    assert_int_equal(fingerprint(a), fingerprint(b));
    assert_int_equal(fingerprint(a), fingerprint(c));
    assert_int_equal(la.hash, lb.hash);
    assert_int_equal(la.hash, lc.hash);
    chain_free(a);
    chain_free(b);
    chain_free(c);
}

/* ---- owner cut, un-minted emission ------------------------------------------------------ */

static void test_owner_cut_and_unminted(void **state)
{
    (void)state;
    log_t l;
    memset(&l, 0, sizeof l);
    chain *c = living(&l);
    hparam(c, 2, "network_registration_allowed", 0); /* §4.10 case 2 */
    chain_totals t0, t1;
    chain_get_totals(c, &t0);
    uint64_t owner0 = chain_balance(c, "owner");
    advance(c, 3000);
    chain_get_totals(c, &t1);
    assert_int_equal(chain_pending_emission(c, 2), 0);
    /* the owner is paid the cut (§4.4 step 5) and nothing else */
    assert_int_equal(chain_balance(c, "owner") - owner0, l.cut);
    /* TotalIssuance rises by exactly the cuts and the drains */
    assert_int_equal(t1.issuance - t0.issuance, l.cut + l.drained);
    assert_int_equal(t1.minted - t0.minted, l.cut + l.drained);
    /* and never by more than was handed to epochs: floors, root's share and the
     * registration-disabled subnet are never minted */
    assert_true(l.drained <= l.distributed);
    const chain_subnet *root = chain_subnet_get(c, 0), *s2 = chain_subnet_get(c, 2);
    assert_true(root->emission_value > 0 && s2->emission_value > 0);
    assert_true(t1.issuance - t0.issuance < (3000 - 1) * t1.block_emission);
    /* economics.md §4.4: for SubnetOwnerCut 11796, q = 773074452 */
    assert_int_equal(econ_owner_cut(1000000000, 11796), (uint64_t)(((unsigned __int128)1000000000 * 773074452) >> 32));
    chain_free(c);
}

/* ---- subnet registration: limit, immunity, pruning, removal --------------------------------- */

static void test_subnet_pruning(void **state)
{
    (void)state;
    for (int keep = 0; keep <= 1; keep++) {
        log_t l;
        memset(&l, 0, sizeof l);
        chain *c = mk("finney-v1.2.4");
        chain_set_observer(c, record, &l);
        global(c, "subnet_limit", 2);
        global(c, "network_rate_limit", 0);
        global(c, "network_immunity_period", 100);
        global(c, "removal_keeps_pending", (uint64_t)keep);
        global(c, "removal_keeps_params", (uint64_t)keep);
        OK(chain_fund(c, "a", 10000 * TAO, NULL));
        OK(chain_fund(c, "b", 10000 * TAO, NULL));
        advance(c, 10);
        uint16_t n1, n2, n3;
        OK(chain_register_network(c, "a", &n1, NULL)); /* 1000 TAO */
        OK(chain_register_network(c, "b", &n2, NULL)); /* same block: 2000 TAO */
        assert_int_equal(n1, 1);
        assert_int_equal(n2, 2);
        assert_int_equal(chain_balance(c, "b"), 8000 * TAO);
        assert_int_equal(chain_subnet_get(c, 2)->locked, 2000 * TAO);
        REFUSED(CHAIN_E_ALL_NETWORKS_IMMUNE, chain_register_network(c, "a", NULL, NULL));
        hparam(c, 2, "emission_value", 7); /* pending accrues on netuid 2 */
        hparam(c, 2, "burn", 12345);
        advance(c, 110);
        /* both outside immunity, equal EmissionValues (0 on 1, 7 on 2): netuid 1 has less */
        assert_int_equal(chain_pending_emission(c, 2), 7 * 100);
        hparam(c, 2, "emission_value", 0);
        /* equal emission and registration block: the highest netuid goes (§6.4) */
        uint64_t b_before = chain_balance(c, "b");
        OK(chain_register_network(c, "a", &n3, NULL));
        assert_int_equal(n3, 2);
        assert_int_equal(l.removed_netuid, 2);
        assert_int_equal(l.removed_refund, 2000 * TAO);
        assert_int_equal(chain_balance(c, "b"), b_before + 2000 * TAO); /* the lock goes back to its owner */
        const chain_subnet *s = chain_subnet_get(c, 2);
        assert_int_equal(chain_coldkey_id(c, "a"), s->owner);
        assert_int_equal(s->n, 0);
        assert_int_equal(chain_pending_emission(c, 2), keep ? 700 : 0); /* §4.11 */
        assert_int_equal(s->burn, keep ? 12345 : 1000000000);           /* §6.5: Burn is not cleared */
        assert_int_equal(chain_subnet_count(c), 2);
        chain_free(c);
    }
    /* earlier registration loses the tie on emission */
    chain *c = mk("finney-v1.2.4");
    global(c, "subnet_limit", 2);
    global(c, "network_rate_limit", 0);
    global(c, "network_immunity_period", 0);
    OK(chain_fund(c, "a", 10000 * TAO, NULL));
    advance(c, 5);
    OK(chain_register_network(c, "a", NULL, NULL));
    advance(c, 6);
    OK(chain_register_network(c, "a", NULL, NULL));
    hparam(c, 1, "emission_value", 5);
    hparam(c, 2, "emission_value", 5);
    uint16_t n;
    OK(chain_register_network(c, "a", &n, NULL));
    assert_int_equal(n, 1);
    chain_free(c);
}

/* ---- neuron replacement, unstake-all, stale membership ----------------------------------- */

static void test_neuron_replacement(void **state)
{
    (void)state;
    {
        chain *c = mk("finney-v1.2.4");
        OK(chain_subnet_add(c, 1, NULL));
        hparam(c, 1, "max_allowed_uids", 2);
        hparam(c, 1, "immunity_period", 0);
        hparam(c, 1, "max_registrations_per_block", 10);
        hparam(c, 1, "target_registrations_per_interval", 10);
        OK(chain_fund(c, "x", 100 * TAO, NULL));
        OK(chain_fund(c, "nom", 10 * TAO, NULL));
        OK(chain_burned_register(c, "x", 1, "h0", NULL, NULL));
        OK(chain_burned_register(c, "x", 1, "h1", NULL, NULL));
        OK(chain_become_delegate(c, "x", "h0", CHAIN_TAKE_DEFAULT, NULL));
        OK(chain_add_stake(c, "nom", "h0", 10 * TAO, NULL));
        advance(c, 1);
        /* both score 0, registered at block 0: the lower uid is replaced */
        uint32_t uid;
        uint64_t ti = chain_issuance(c);
        OK(chain_burned_register(c, "x", 1, "h2", &uid, NULL));
        assert_int_equal(uid, 0);
        assert_int_equal(chain_issuance(c), ti - 1000000000); /* the burn (1 TAO) leaves the issuance */
        const chain_subnet *s = chain_subnet_get(c, 1);
        assert_int_equal(s->pruning_score[0], 65535);
        assert_int_equal(s->block_at_registration[0], 1);
        assert_int_equal(chain_hotkey_stake(c, "h0"), 0); /* registered nowhere else: unstaked */
        assert_int_equal(chain_balance(c, "nom"), 10 * TAO);
        chain_free(c);
    }
    /* the stale-membership quirk through a real removal */
    for (int stale = 0; stale <= 1; stale++) {
        chain *c = mk("finney-v1.2.4");
        global(c, "stale_network_member", (uint64_t)stale);
        global(c, "subnet_limit", 1);
        global(c, "network_rate_limit", 0);
        global(c, "network_immunity_period", 0);
        OK(chain_fund(c, "o", 10000 * TAO, NULL));
        OK(chain_fund(c, "x", 100 * TAO, NULL));
        advance(c, 1);
        OK(chain_register_network(c, "o", NULL, NULL)); /* netuid 1 */
        advance(c, 2);
        OK(chain_subnet_add(c, 3, NULL)); /* state loading, beyond the limit, registered later */
        hparam(c, 3, "max_allowed_uids", 1);
        hparam(c, 3, "immunity_period", 0);
        OK(chain_burned_register(c, "x", 1, "h", NULL, NULL));
        OK(chain_add_stake(c, "x", "h", 50 * TAO, NULL));
        OK(chain_burned_register(c, "x", 3, "h", NULL, NULL));
        advance(c, 3);
        uint16_t pruned;
        OK(chain_register_network(c, "o", &pruned, NULL)); /* prunes netuid 1 (emission 0, earliest) */
        assert_int_equal(pruned, 1);
        assert_int_equal(chain_hotkey_stake(c, "h"), 50 * TAO); /* still on netuid 3 */
        advance(c, 4);
        OK(chain_burned_register(c, "x", 3, "k", NULL, NULL)); /* replaces h on netuid 3 */
        /* h is on no subnet now; with the stale IsNetworkMember of netuid 1 the chain keeps its stake */
        assert_int_equal(chain_hotkey_stake(c, "h"), stale ? 50 * TAO : 0);
        chain_free(c);
    }
}

/* ---- root membership ---------------------------------------------------------------------- */

static void test_root_membership(void **state)
{
    (void)state;
    chain *c = mk("finney-v1.2.4");
    hparam(c, 0, "max_allowed_uids", 2);
    hparam(c, 0, "max_registrations_per_block", 10);
    hparam(c, 0, "target_registrations_per_interval", 10);
    OK(chain_subnet_add(c, 1, NULL));
    hparam(c, 1, "max_registrations_per_block", 10);
    hparam(c, 1, "target_registrations_per_interval", 10);
    const char *names[4] = {"r0", "r1", "r2", "r3"};
    const uint64_t st[4] = {300, 200, 200, 250};
    for (int i = 0; i < 4; i++) {
        char ck[16];
        snprintf(ck, sizeof ck, "c%d", i);
        OK(chain_fund(c, ck, 1000 * TAO, NULL));
        OK(chain_burned_register(c, ck, 1, names[i], NULL, NULL));
        OK(chain_add_stake(c, ck, names[i], st[i] * TAO, NULL));
    }
    OK(chain_fund(c, "nom", 10 * TAO, NULL));
    uint32_t uid;
    OK(chain_root_register(c, "c0", "r0", &uid, NULL));
    OK(chain_root_register(c, "c1", "r1", &uid, NULL));
    assert_int_equal(uid, 1);
    chain_hotkey_view v;
    OK(chain_hotkey_get(c, (uint32_t)chain_hotkey_id(c, "r1"), &v));
    assert_true(v.is_delegate);
    assert_int_equal(v.take, 11796);
    REFUSED(CHAIN_E_HOTKEY_ALREADY_REGISTERED, chain_root_register(c, "c1", "r1", NULL, NULL));
    /* full: r2's 200 is not strictly greater than r1's 200 */
    REFUSED(CHAIN_E_STAKE_TOO_LOW_FOR_ROOT, chain_root_register(c, "c2", "r2", NULL, NULL));
    OK(chain_add_stake(c, "nom", "r1", 1 * TAO, NULL)); /* r1 is a delegate now */
    OK(chain_root_register(c, "c3", "r3", &uid, NULL));  /* 250 > 201: replaces r1 (uid 1) */
    assert_int_equal(uid, 1);
    assert_string_equal(chain_uid_hotkey(c, 0, 1), "r3");
    assert_int_equal(chain_hotkey_stake(c, "r1"), 201 * TAO); /* still on netuid 1: keeps its stake */
    /* a root-only hotkey that is evicted is unstaked (§5.2, §7.6) */
    hparam(c, 0, "max_allowed_uids", 3);
    OK(chain_fund(c, "c5", 1000 * TAO, NULL));
    OK(chain_root_register(c, "c5", "solo", &uid, NULL)); /* appended with stake 0, made a delegate */
    assert_int_equal(uid, 2);
    OK(chain_add_stake(c, "nom", "solo", 5 * TAO, NULL));
    uint64_t nom = chain_balance(c, "nom");
    OK(chain_root_register(c, "c2", "r2", &uid, NULL)); /* 200 > solo's 5 */
    assert_int_equal(uid, 2);
    assert_int_equal(chain_hotkey_stake(c, "solo"), 0);
    assert_int_equal(chain_balance(c, "nom"), nom + 5 * TAO);
    chain_free(c);
}

/* ---- the drain: take, viable stake, untouchable ------------------------------------------------ */

static void test_drain_split(void **state)
{
    (void)state;
    chain *c = mk("finney-v1.2.4");
    global(c, "hotkey_emission_tempo", 0); /* drain in the epoch's block */
    global(c, "subnet_owner_cut", 0);
    global(c, "tx_rate_limit", 0);
    global(c, "target_stakes_per_interval", 100);
    OK(chain_subnet_add(c, 1, NULL));
    hparam(c, 1, "tempo", 9); /* epochs at (b + 1 + 2) mod 10 == 0: b = 7, 17, 27, ... */
    OK(chain_fund(c, "own", 10000, NULL));
    OK(chain_fund(c, "na", 10000, NULL));
    OK(chain_fund(c, "nb", 10000, NULL));
    hparam(c, 1, "burn", 0);
    OK(chain_burned_register(c, "own", 1, "h", NULL, NULL));
    OK(chain_become_delegate(c, "own", "h", 0, NULL)); /* take 0 */
    OK(chain_add_stake(c, "own", "h", 1000, NULL));
    OK(chain_add_stake(c, "na", "h", 3000, NULL));
    hparam(c, 1, "emission_value", 400);
    advance(c, 7); /* first drain: every delta is "added since the last drain": V = 0, owner gets all */
    assert_int_equal(chain_stake(c, "h", "na"), 3000);
    assert_int_equal(chain_stake(c, "h", "own"), 1000 + 7 * 400);
    advance(c, 17);
    /* now nb adds 2000 just before the next drain: non-viable at it */
    advance(c, 26);
    OK(chain_add_stake(c, "nb", "h", 2000, NULL));
    uint64_t own_before = chain_stake(c, "h", "own"), na_before = chain_stake(c, "h", "na");
    advance(c, 27);
    chain_hotkey_view v;
    OK(chain_hotkey_get(c, (uint32_t)chain_hotkey_id(c, "h"), &v));
    assert_int_equal(v.pending, 0);
    uint64_t gain = chain_stake(c, "h", "own") - own_before + chain_stake(c, "h", "na") - na_before;
    assert_int_equal(chain_stake(c, "h", "nb"), 2000); /* nothing for stake added since the last drain */
    /* the single uid gets the whole epoch as dividends (no weights: stake fallback): 10 blocks x 400 */
    assert_int_equal(gain, 4000);
    /* na's share: floor(floor(na * 2^64 / V) * 4000 / 2^64) with V = own + na (both viable) */
    uint64_t vsum = own_before + na_before;
    unsigned __int128 ratio = ((unsigned __int128)na_before << 64) / vsum;
    uint64_t want = (uint64_t)((ratio * 4000) >> 64);
    assert_int_equal(chain_stake(c, "h", "na") - na_before, want);
    chain_free(c);
}

/* ---- C5: mining emission is not shared with nominators ------------------------------------ */

static void test_c5_mining_emission(void **state)
{
    (void)state;
    chain *c = mk("mock-v1.2.4");
    global(c, "hotkey_emission_tempo", 20);
    global(c, "min_delegate_take", 0);
    OK(chain_subnet_add(c, 1, NULL));
    hparam(c, 1, "tempo", 10);
    hparam(c, 1, "max_registrations_per_block", 10);
    hparam(c, 1, "target_registrations_per_interval", 10);
    hparam(c, 1, "weights_set_rate_limit", 0);
    hparam(c, 0, "tempo", 9);
    hparam(c, 0, "weights_set_rate_limit", 0);
    hparam(c, 0, "max_registrations_per_block", 10);
    hparam(c, 0, "target_registrations_per_interval", 10);
    OK(chain_fund(c, "cv", 200 * TAO, NULL));
    OK(chain_fund(c, "cm", 10 * TAO, NULL));
    OK(chain_fund(c, "cn", 200 * TAO, NULL));
    OK(chain_burned_register(c, "cv", 1, "val", NULL, NULL));
    OK(chain_burned_register(c, "cm", 1, "min", NULL, NULL));
    OK(chain_decrease_take(c, "cv", "val", 0, NULL));
    OK(chain_decrease_take(c, "cm", "min", 0, NULL));
    hparam(c, 1, "max_allowed_validators", 1); /* only the validator validates, as in the chain's test */
    OK(chain_add_stake(c, "cv", "val", 150 * TAO, NULL));
    OK(chain_add_stake(c, "cm", "min", 1 * TAO, NULL));
    OK(chain_add_stake(c, "cn", "min", 100 * TAO, NULL));
    OK(chain_root_register(c, "cv", "val", NULL, NULL));
    const uint16_t nets[2] = {0, 1}, rw[2] = {1, 65535};
    OK(chain_set_root_weights(c, "cv", 0, "val", nets, 2, rw, 2, 0, NULL));
    advance(c, 40); /* permits granted, stakes viable */
    const uint16_t d[1] = {1}, w[1] = {65535};
    OK(chain_set_weights(c, 1, "val", d, 1, w, 1, 0, NULL));
    advance(c, 400); /* bonds build up */
    /* what each account has or is owed: stake plus its share of pending (the
     * miner's pending is all untouchable server emission, owed to its owner) */
    chain_hotkey_view vv, vm;
    OK(chain_hotkey_get(c, (uint32_t)chain_hotkey_id(c, "val"), &vv));
    OK(chain_hotkey_get(c, (uint32_t)chain_hotkey_id(c, "min"), &vm));
    assert_int_equal(vm.pending, vm.untouchable);
    uint64_t v0 = vv.stake + vv.pending, m0 = chain_stake(c, "min", "cm") + vm.pending, n0 = chain_stake(c, "min", "cn");
    advance(c, 1840);
    OK(chain_hotkey_get(c, (uint32_t)chain_hotkey_id(c, "val"), &vv));
    OK(chain_hotkey_get(c, (uint32_t)chain_hotkey_id(c, "min"), &vm));
    assert_int_equal(vm.pending, vm.untouchable);
    uint64_t dv = vv.stake + vv.pending - v0, dm = chain_stake(c, "min", "cm") + vm.pending - m0;
    uint64_t dn = chain_stake(c, "min", "cn") - n0;
    assert_true(dv > 100 * TAO);
    assert_int_equal(dn, 0); /* the nominator of the miner: 0 */
    assert_int_equal(dv, dm); /* validator 1/2, the miner's owner 1/2 (each epoch splits 50/50) */
    chain_free(c);
}

/* ---- registration checks in order; counters across idle blocks --------------------------------- */

static void test_registration_checks(void **state)
{
    (void)state;
    chain *c = mk("finney-v1.2.4");
    OK(chain_fund(c, "x", 5 * TAO, NULL));
    OK(chain_fund(c, "y", 5 * TAO, NULL));
    OK(chain_fund(c, "poor", 1, NULL));
    REFUSED(CHAIN_E_REGISTRATION_ON_ROOT, chain_burned_register(c, "x", 0, "h", NULL, NULL));
    REFUSED(CHAIN_E_SUBNET_NOT_EXIST, chain_burned_register(c, "x", 1, "h", NULL, NULL));
    OK(chain_subnet_add(c, 1, NULL));
    REFUSED(CHAIN_E_REGISTRATION_DISABLED, chain_pow_register(c, "x", 1, "h", NULL, NULL));
    hparam(c, 1, "network_registration_allowed", 0);
    REFUSED(CHAIN_E_REGISTRATION_DISABLED, chain_burned_register(c, "x", 1, "h", NULL, NULL));
    hparam(c, 1, "network_registration_allowed", 1);
    REFUSED(CHAIN_E_NOT_ENOUGH_BALANCE, chain_burned_register(c, "poor", 1, "h", NULL, NULL));
    OK(chain_burned_register(c, "x", 1, "h", NULL, NULL));
    REFUSED(CHAIN_E_TOO_MANY_REGS_BLOCK, chain_burned_register(c, "y", 1, "g", NULL, NULL)); /* 1 per block */
    advance(c, 1);
    REFUSED(CHAIN_E_HOTKEY_ALREADY_REGISTERED, chain_burned_register(c, "y", 1, "h", NULL, NULL));
    OK(chain_subnet_add(c, 2, NULL));
    REFUSED(CHAIN_E_NON_ASSOCIATED_COLDKEY, chain_burned_register(c, "y", 2, "h", NULL, NULL));
    OK(chain_burned_register(c, "y", 1, "g", NULL, NULL));
    advance(c, 2);
    OK(chain_burned_register(c, "y", 1, "f", NULL, NULL));
    advance(c, 7); /* an idle jump still resets the per-block count */
    REFUSED(CHAIN_E_TOO_MANY_REGS_INTERVAL, chain_burned_register(c, "y", 1, "e", NULL, NULL)); /* 3 * target 1 */
    assert_int_equal(chain_subnet_get(c, 1)->regs_this_interval, 3);
    advance(c, 360); /* the adjustment interval: counters reset, burn moves */
    assert_int_equal(chain_subnet_get(c, 1)->regs_this_interval, 0);
    assert_true(chain_subnet_get(c, 1)->burn > 1000000000); /* r = 3 > t = 1: burn up */
    chain_free(c);
}

/* ---- staking ----------------------------------------------------------------------------------- */

static void test_staking_rules(void **state)
{
    (void)state;
    chain *c = mk("finney-v1.2.4");
    global(c, "nominator_min_required_stake", 500);
    global(c, "target_stakes_per_interval", 10);
    global(c, "tx_rate_limit", 0);
    OK(chain_subnet_add(c, 1, NULL));
    OK(chain_fund(c, "o", 10 * TAO, NULL));
    OK(chain_fund(c, "n", 10000, NULL));
    REFUSED(CHAIN_E_HOTKEY_NOT_EXIST, chain_add_stake(c, "o", "h", 1, NULL));
    OK(chain_burned_register(c, "o", 1, "h", NULL, NULL));
    REFUSED(CHAIN_E_NOT_ENOUGH_BALANCE, chain_add_stake(c, "n", "h", 10001, NULL));
    REFUSED(CHAIN_E_NOT_DELEGATE_NOT_OWNER, chain_add_stake(c, "n", "h", 600, NULL));
    OK(chain_become_delegate(c, "o", "h", CHAIN_TAKE_DEFAULT, NULL));
    REFUSED(CHAIN_E_HOTKEY_ALREADY_DELEGATE, chain_become_delegate(c, "o", "h", CHAIN_TAKE_DEFAULT, NULL));
    REFUSED(CHAIN_E_NOM_STAKE_BELOW_MIN, chain_add_stake(c, "n", "h", 400, NULL));
    OK(chain_add_stake(c, "n", "h", 600, NULL));
    REFUSED(CHAIN_E_STAKE_TO_WITHDRAW_ZERO, chain_remove_stake(c, "n", "h", 0, NULL));
    REFUSED(CHAIN_E_NOT_ENOUGH_STAKE_TO_WITHDRAW, chain_remove_stake(c, "n", "h", 601, NULL));
    OK(chain_remove_stake(c, "n", "h", 200, NULL)); /* 400 left < 500: cleared and refunded */
    assert_int_equal(chain_stake(c, "h", "n"), 0);
    assert_int_equal(chain_balance(c, "n"), 10000);
    REFUSED(CHAIN_E_INSUFFICIENT_BALANCE, chain_transfer(c, "n", "m", 10001, NULL));
    OK(chain_transfer(c, "n", "m", 10000, NULL));
    assert_int_equal(chain_balance(c, "m"), 10000);
    io_err err;
    assert_int_equal(chain_fund(c, "big", UINT64_MAX, &err), CHAIN_EINVAL); /* overflowing amount */
    chain_free(c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_epoch_schedule),       cmocka_unit_test(test_idle_jumps_are_exact),
        cmocka_unit_test(test_owner_cut_and_unminted), cmocka_unit_test(test_subnet_pruning),
        cmocka_unit_test(test_neuron_replacement),   cmocka_unit_test(test_root_membership),
        cmocka_unit_test(test_drain_split),          cmocka_unit_test(test_c5_mining_emission),
        cmocka_unit_test(test_registration_checks),  cmocka_unit_test(test_staking_rules),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
