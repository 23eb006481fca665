/* support_chain.c -- see support_chain.h. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "support_chain.h"

chain *tc_new(void)
{
    chain *c = chain_new();
    assert_non_null(c);
    return c;
}

void tc_set(chain *c, uint16_t netuid, const char *key, uint64_t v)
{
    io_err err;
    chain_err e = chain_set_hparam(c, netuid, key, v, &err);
    if (e != CHAIN_OK) fail_msg("hparam %s=%llu: %s: %s", key, (unsigned long long)v, chain_strerror(e), err.msg);
}

uint32_t tc_register(chain *c, uint16_t netuid, const char *hotkey)
{
    uint32_t uid = 0;
    io_err err;
    chain_err e = chain_register(c, netuid, hotkey, CHAIN_UID_AUTO, &uid, &err);
    if (e != CHAIN_OK) fail_msg("register %s: %s: %s", hotkey, chain_strerror(e), err.msg);
    return uid;
}

void tc_stake(chain *c, const char *hotkey, uint64_t rao)
{
    io_err err;
    chain_err e = chain_set_stake(c, hotkey, rao, &err);
    if (e != CHAIN_OK) fail_msg("stake %s: %s: %s", hotkey, chain_strerror(e), err.msg);
}

void tc_weights(chain *c, uint16_t netuid, const char *hotkey, const uint16_t *dests, const uint16_t *vals,
                size_t len)
{
    io_err err;
    chain_err e = chain_set_weights(c, netuid, hotkey, dests, len, vals, len, 0, &err);
    if (e != CHAIN_OK) fail_msg("set_weights %s: %s: %s", hotkey, chain_strerror(e), err.msg);
}

void tc_at(chain *c, uint64_t block)
{
    assert_int_equal(chain_set_block(c, block, NULL), CHAIN_OK);
}

void tc_epoch(chain *c, uint16_t netuid)
{
    io_err err;
    chain_err e = chain_run_epoch(c, netuid, 1000000000, &err);
    if (e != CHAIN_OK) fail_msg("epoch: %s: %s", chain_strerror(e), err.msg);
}
