/* test_chain_random.c -- thousands of seeded random extrinsics, many of them
 * invalid on purpose, applied twice: through the chain's API here (with
 * chain_audit after every call and inside every advanced block), and as a
 * replay file through `taosim replay` (TAOSIM_BIN). Checked:
 *   - no call breaks an invariant (conservation, stake totals, memberships);
 *   - the replay refuses exactly the rows the API refused, each logged in
 *     rejected.csv with the chain's error name first;
 *   - the replay's outputs are byte-identical on a second run;
 *   - the run does exercise the chain (registrations, prunings, drains,
 *     root epochs and refusals of many kinds happen).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "taosim/chain.h"

#pragma GCC diagnostic ignored "-Wformat-truncation"

#define TAO 1000000000ull
#define NROWS 5000
#define MAXLINES (NROWS + 64)

static char tmpdir[PATH_MAX], bin[PATH_MAX];

static uint64_t rs = 0x5eed5eedull;
static uint64_t rnd(uint64_t n)
{
    rs = rs * 6364136223846793005ull + 1442695040888963407ull;
    return n ? (rs >> 33) % n : 0;
}

typedef struct world {
    chain *c;
    FILE *f;
    int line;
    char refused[MAXLINES][48]; /* the API's error name per refused line, "" otherwise */
    int nrefused, napplied;
    uint64_t events[CHAIN_EV_COUNT];
    int kinds[CHAIN_ERR_COUNT];
} world;

static void count(void *ctx, const chain *c, const chain_event *ev)
{
    (void)c;
    ((world *)ctx)->events[ev->kind]++;
}

/* One row: written to the file, and its API result recorded. */
static void row(world *w, chain_err e, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void row(world *w, chain_err e, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vfprintf(w->f, fmt, ap);
    va_end(ap);
    fputc('\n', w->f);
    w->line++;
    if (e != CHAIN_OK && !chain_err_is_refusal(e)) fail_msg("line %d: %s is not a refusal", w->line, chain_strerror(e));
    if (e != CHAIN_OK) {
        snprintf(w->refused[w->line], sizeof w->refused[0], "%s", chain_strerror(e));
        w->nrefused++;
        w->kinds[e]++;
    } else {
        w->napplied++;
    }
    io_err err;
    if (chain_audit(w->c, &err) != 0) fail_msg("line %d: invariant: %s", w->line, err.msg);
}

static void setg(world *w, const char *k, uint64_t v)
{
    assert_int_equal(chain_set_global(w->c, k, v, NULL), CHAIN_OK);
    fprintf(w->f, "%llu,hparam,,,%s,%llu\n", (unsigned long long)chain_block(w->c), k, (unsigned long long)v);
    w->line++;
}

static void seth(world *w, uint16_t n, const char *k, uint64_t v)
{
    assert_int_equal(chain_set_hparam(w->c, n, k, v, NULL), CHAIN_OK);
    fprintf(w->f, "%llu,hparam,%u,,%s,%llu\n", (unsigned long long)chain_block(w->c), n, k, (unsigned long long)v);
    w->line++;
}

static void generate(world *w, const char *path)
{
    w->f = fopen(path, "w");
    assert_non_null(w->f);
    fputs("block,op,netuid,uid,key,value\n0,genesis,,,,preset=finney-v1.2.4\n", w->f);
    w->line = 2;
    w->c = chain_new();
    assert_non_null(w->c);
    chain_set_audit(w->c, 2);
    chain_set_observer(w->c, count, w);
    setg(w, "subnet_limit", 4);
    setg(w, "network_rate_limit", 0);
    setg(w, "network_immunity_period", 20000);
    setg(w, "network_min_lock_cost", 10 * TAO);
    setg(w, "network_last_lock_cost", 10 * TAO);
    setg(w, "network_lock_reduction_interval", 50);
    setg(w, "hotkey_emission_tempo", 40);
    setg(w, "tx_rate_limit", 20);
    setg(w, "tx_delegate_take_rate_limit", 100);
    setg(w, "target_stakes_per_interval", 3);
    seth(w, 0, "max_registrations_per_block", 4);
    seth(w, 0, "target_registrations_per_interval", 4);
    seth(w, 0, "max_allowed_uids", 6);
    seth(w, 0, "tempo", 20);
    seth(w, 0, "weights_set_rate_limit", 5);
    char ck[16], hk[40], to[16] = "0";
    int ncold = 3;
    /* a living core: three funded coldkeys, two subnets, staked root validators weighting them */
    for (int k = 0; k < 3; k++) {
        snprintf(ck, sizeof ck, "c%d", k);
        snprintf(hk, sizeof hk, "h%d_0", k);
        row(w, chain_fund(w->c, ck, 5000 * TAO, NULL), "0,balance,,,%s,amount=%llu", ck, 5000 * TAO);
        if (k < 2) row(w, chain_register_network(w->c, ck, NULL, NULL), "0,register_network,,,%s,", ck);
        row(w, chain_burned_register(w->c, ck, 1, hk, NULL, NULL), "0,burned_register,1,,%s,hotkey=%s", ck, hk);
        row(w, chain_add_stake(w->c, ck, hk, (100 + 50 * (uint64_t)k) * TAO, NULL),
            "0,add_stake,,,%s,hotkey=%s amount=%llu", ck, hk, (100 + 50 * (unsigned long long)k) * TAO);
        row(w, chain_root_register(w->c, ck, hk, NULL, NULL), "0,root_register,,,%s,hotkey=%s", ck, hk);
        const uint16_t nets[2] = {1, 2}, vals[2] = {(uint16_t)(20000 + 10000 * k), 30000};
        row(w, chain_set_root_weights(w->c, ck, 0, hk, nets, 2, vals, 2, 0, NULL),
            "0,set_root_weights,,,%s,hotkey=%s weights=1:%u;2:30000", ck, hk, vals[0]);
    }
    for (int i = 0; i < NROWS; i++) {
        uint64_t b = chain_block(w->c);
        uint64_t p = rnd(100);
        snprintf(ck, sizeof ck, "c%llu", (unsigned long long)rnd((uint64_t)ncold + 1));
        if (ncold == 0 || p < 6) { /* balance: a new or known coldkey */
            int idx = rnd(4) ? ncold : (int)rnd((uint64_t)ncold + 1);
            snprintf(ck, sizeof ck, "c%d", idx);
            if (idx == ncold) ncold++;
            uint64_t amount = rnd(3000) * TAO + rnd(TAO);
            row(w, chain_fund(w->c, ck, amount, NULL), "%llu,balance,,,%s,amount=%llu", (unsigned long long)b, ck,
                (unsigned long long)amount);
            continue;
        }
        if (chain_coldkey_id(w->c, ck) < 0) snprintf(ck, sizeof ck, "c0");
        /* mostly the signer's own hotkeys, sometimes someone else's or a new one */
        snprintf(hk, sizeof hk, "h%s_%llu", rnd(5) ? ck + 1 : to, (unsigned long long)rnd(3));
        if (rnd(5) == 0) snprintf(hk, sizeof hk, "h%llu_%llu", (unsigned long long)rnd((uint64_t)ncold + 1),
                                  (unsigned long long)rnd(3));
        uint16_t netuid = (uint16_t)rnd(7);
        uint64_t amount = rnd(6) == 0 ? 0 : rnd(400) * TAO / (1 + rnd(10));
        if (p < 10) {
            snprintf(to, sizeof to, "c%llu", (unsigned long long)rnd((uint64_t)ncold + 2));
            row(w, chain_transfer(w->c, ck, to, amount, NULL), "%llu,transfer,,,%s,to=%s amount=%llu",
                (unsigned long long)b, ck, to, (unsigned long long)amount);
            if (atoi(to + 1) >= ncold && chain_coldkey_id(w->c, to) >= 0) ncold = atoi(to + 1) + 1;
        } else if (p < 11) {
            row(w, chain_register_network(w->c, ck, NULL, NULL), "%llu,register_network,,,%s,", (unsigned long long)b, ck);
        } else if (p < 30) {
            row(w, chain_burned_register(w->c, ck, netuid, hk, NULL, NULL), "%llu,burned_register,%u,,%s,hotkey=%s",
                (unsigned long long)b, netuid, ck, hk);
        } else if (p < 32) {
            row(w, chain_pow_register(w->c, ck, netuid, hk, NULL, NULL), "%llu,pow_register,%u,,%s,hotkey=%s",
                (unsigned long long)b, netuid, ck, hk);
        } else if (p < 37) {
            row(w, chain_root_register(w->c, ck, hk, NULL, NULL), "%llu,root_register,,,%s,hotkey=%s",
                (unsigned long long)b, ck, hk);
        } else if (p < 42) {
            uint16_t nets[4], vals[4];
            size_t n = rnd(5);
            char list[96] = "";
            size_t len = 0;
            for (size_t k = 0; k < n; k++) {
                nets[k] = (uint16_t)rnd(6);
                vals[k] = (uint16_t)rnd(65536);
                len += (size_t)snprintf(list + len, sizeof list - len, "%s%u:%u", k ? ";" : "", nets[k], vals[k]);
            }
            uint16_t rn = rnd(10) ? 0 : 1;
            row(w, chain_set_root_weights(w->c, ck, rn, hk, nets, n, vals, n, 0, NULL),
                "%llu,set_root_weights,%u,,%s,hotkey=%s weights=%s", (unsigned long long)b, rn, ck, hk, list);
        } else if (p < 57) {
            row(w, chain_add_stake(w->c, ck, hk, amount, NULL), "%llu,add_stake,,,%s,hotkey=%s amount=%llu",
                (unsigned long long)b, ck, hk, (unsigned long long)amount);
        } else if (p < 65) {
            row(w, chain_remove_stake(w->c, ck, hk, amount, NULL), "%llu,remove_stake,,,%s,hotkey=%s amount=%llu",
                (unsigned long long)b, ck, hk, (unsigned long long)amount);
        } else if (p < 69) {
            uint64_t take = rnd(3) ? 11796 : rnd(13000);
            row(w, chain_become_delegate(w->c, ck, hk, (uint32_t)take, NULL), "%llu,become_delegate,,,%s,hotkey=%s take=%llu",
                (unsigned long long)b, ck, hk, (unsigned long long)take);
        } else if (p < 74) {
            uint16_t take = (uint16_t)rnd(13000);
            bool up = rnd(2);
            row(w, up ? chain_increase_take(w->c, ck, hk, take, NULL) : chain_decrease_take(w->c, ck, hk, take, NULL),
                "%llu,%s,,,%s,hotkey=%s take=%u", (unsigned long long)b, up ? "increase_take" : "decrease_take", ck, hk,
                take);
        } else if (p < 86) { /* set_weights by a uid of an existing subnet */
            uint32_t ns = chain_subnet_count(w->c);
            if (ns == 0) continue;
            const chain_subnet *s = chain_subnet_at(w->c, (uint32_t)rnd(ns));
            uint32_t uid = (uint32_t)rnd(s->n + 1); /* uid == n: no hotkey (refused) */
            uint16_t d[6], v[6];
            size_t n = rnd(6);
            char list[96] = "";
            size_t len = 0;
            for (size_t k = 0; k < n; k++) {
                d[k] = (uint16_t)rnd(s->n + 2);
                v[k] = (uint16_t)rnd(65536);
                len += (size_t)snprintf(list + len, sizeof list - len, "%s%u:%u", k ? " " : "", d[k], v[k]);
            }
            const char *signer = chain_uid_hotkey(w->c, s->netuid, uid);
            row(w, chain_set_weights(w->c, s->netuid, signer, d, n, v, n, 0, NULL), "%llu,weights,%u,%u,,%s",
                (unsigned long long)b, s->netuid, uid, list);
        } else { /* run */
            uint64_t to_b = b + 1 + rnd(rnd(4) ? 60 : 600);
            io_err err;
            chain_err e = chain_advance_to(w->c, to_b, &err);
            if (e != CHAIN_OK) fail_msg("advance: %s: %s", chain_strerror(e), err.msg);
            row(w, CHAIN_OK, "%llu,run,,,,", (unsigned long long)to_b);
        }
    }
    fclose(w->f);
}

/* ---- checking the replay -------------------------------------------------------------- */

static char *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f) fail_msg("cannot read %s", path);
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *s = malloc((size_t)n + 1);
    assert_non_null(s);
    assert_int_equal(fread(s, 1, (size_t)n, f), (size_t)n);
    s[n] = '\0';
    fclose(f);
    *len = (size_t)n;
    return s;
}

static void replay(const char *file, const char *out)
{
    char cmd[4 * PATH_MAX];
    snprintf(cmd, sizeof cmd, "'%s' replay '%s' --out '%s' >/dev/null 2>'%s.err'", bin, file, out, out);
    int st = system(cmd);
    if (!WIFEXITED(st) || WEXITSTATUS(st) != 0) {
        char p[PATH_MAX + 8];
        snprintf(p, sizeof p, "%s.err", out);
        size_t n;
        char *e = slurp(p, &n);
        fail_msg("taosim replay %s: %s", file, e);
    }
}

static void test_random_replay(void **state)
{
    (void)state;
    static world w;
    memset(&w, 0, sizeof w);
    char file[PATH_MAX + 32], out1[PATH_MAX + 32], out2[PATH_MAX + 32], p[2 * PATH_MAX];
    snprintf(file, sizeof file, "%s/random.csv", tmpdir);
    snprintf(out1, sizeof out1, "%s/r1", tmpdir);
    snprintf(out2, sizeof out2, "%s/r2", tmpdir);
    generate(&w, file);
    replay(file, out1);
    replay(file, out2);
    static const char *const files[] = {"epochs.csv", "bonds.csv", "rejected.csv",
                                        "blocks.csv", "subnets.csv", "accounts.csv"};
    for (int i = 0; i < 6; i++) { /* byte-identical */
        size_t na, nb;
        snprintf(p, sizeof p, "%s/%s", out1, files[i]);
        char *a = slurp(p, &na);
        snprintf(p, sizeof p, "%s/%s", out2, files[i]);
        char *b = slurp(p, &nb);
        if (na != nb || memcmp(a, b, na) != 0) fail_msg("%s differs between two runs", files[i]);
        free(a);
        free(b);
    }
    /* rejected.csv: exactly the refused lines, each with the API's error name */
    snprintf(p, sizeof p, "%s/rejected.csv", out1);
    FILE *f = fopen(p, "r");
    assert_non_null(f);
    static char seen[MAXLINES];
    memset(seen, 0, sizeof seen);
    char lbuf[1024];
    int logged = 0;
    while (fgets(lbuf, sizeof lbuf, f)) {
        if (lbuf[0] == '#' || strncmp(lbuf, "row,", 4) == 0) continue;
        int line = atoi(lbuf);
        assert_true(line > 0 && line < MAXLINES);
        const char *reason = lbuf;
        for (int k = 0; k < 5; k++) reason = strchr(reason, ',') + 1;
        if (*reason == '"') reason++;
        if (!w.refused[line][0]) fail_msg("line %d refused by the replay but not by the API: %s", line, reason);
        size_t n = strlen(w.refused[line]);
        if (strncmp(reason, w.refused[line], n) != 0 || (reason[n] != ':' && reason[n] != '\n' && reason[n] != '"'))
            fail_msg("line %d: reason '%s', the API said %s", line, reason, w.refused[line]);
        seen[line] = 1;
        logged++;
    }
    fclose(f);
    assert_int_equal(logged, w.nrefused);
    /* the run exercised the chain */
    if (getenv("RANDOM_VERBOSE")) {
        for (int k = 0; k < CHAIN_EV_COUNT; k++) fprintf(stderr, "%s %llu\n", chain_event_name((chain_event_kind)k), (unsigned long long)w.events[k]);
        for (int k = 0; k < CHAIN_ERR_COUNT; k++) if (w.kinds[k]) fprintf(stderr, "  %s %d\n", chain_strerror((chain_err)k), w.kinds[k]);
        fprintf(stderr, "refused %d applied %d block %llu\n", w.nrefused, w.napplied, (unsigned long long)chain_block(w.c));
    }
    int kinds = 0;
    for (int k = 0; k < CHAIN_ERR_COUNT; k++) kinds += w.kinds[k] > 0;
    assert_true(w.nrefused > NROWS / 5 && w.napplied > NROWS / 5);
    assert_true(kinds >= 15);
    assert_true(w.events[CHAIN_EV_SUBNET_REMOVED] > 0 && w.events[CHAIN_EV_DRAIN] > 50);
    assert_true(w.events[CHAIN_EV_EPOCH] > 50 && w.events[CHAIN_EV_ROOT_EPOCH] > 10);
    assert_true(w.events[CHAIN_EV_UNSTAKE_ALL] > 0);
    chain_totals t;
    chain_get_totals(w.c, &t);
    assert_true(t.minted > 0 && t.burned > 0);
    chain_free(w.c);
}

static int setup(void **state)
{
    (void)state;
    const char *b = getenv("TAOSIM_BIN");
    if (!b) b = "out/bin/taosim";
    char cwd[PATH_MAX];
    if (b[0] == '/')
        snprintf(bin, sizeof bin, "%s", b);
    else if (getcwd(cwd, sizeof cwd))
        snprintf(bin, sizeof bin, "%.2047s/%.2047s", cwd, b);
    struct stat st;
    if (stat(bin, &st) != 0) {
        fprintf(stderr, "test_chain_random: TAOSIM_BIN '%s' not found (build it first)\n", b);
        return -1;
    }
    snprintf(tmpdir, sizeof tmpdir, "/tmp/taosim-test-random-XXXXXX");
    return mkdtemp(tmpdir) ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    char cmd[PATH_MAX + 32];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmpdir);
    return system(cmd) == 0 ? 0 : -1;
}

int main(void)
{
    const struct CMUnitTest tests[] = {cmocka_unit_test(test_random_replay)};
    return cmocka_run_group_tests(tests, setup, teardown);
}
