/* support_chain.h -- small helpers for tests that drive the chain room: each
 * fails the current cmocka test with the chain's error on a refusal. */
#ifndef TAOSIM_TESTS_SUPPORT_CHAIN_H
#define TAOSIM_TESTS_SUPPORT_CHAIN_H

#include <stddef.h>
#include <stdint.h>

#include "taosim/chain.h"

chain *tc_new(void);
void tc_set(chain *c, uint16_t netuid, const char *key, uint64_t v);
uint32_t tc_register(chain *c, uint16_t netuid, const char *hotkey);
void tc_stake(chain *c, const char *hotkey, uint64_t rao);
void tc_weights(chain *c, uint16_t netuid, const char *hotkey, const uint16_t *dests, const uint16_t *vals,
                size_t len);
void tc_at(chain *c, uint64_t block);
void tc_epoch(chain *c, uint16_t netuid);

#endif
