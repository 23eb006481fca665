/* chain_params.c -- the per-subnet keys beyond the epoch's table in chain.c:
 * registration terms (economics.md §7.3, §9.1) and the subnet state a
 * snapshot may load (Burn, Difficulty, EmissionValues). Same contract as the
 * table in chain.c: a range per key, then the value is stored. Keys that
 * change what a subnet accumulates fold the pending emission first, so that
 * the lazy accumulation of chain_block.c stays exact.
 */
#include <stdio.h>
#include <string.h>

#include "chain_int.h"

typedef struct param_def {
    const char *name;
    uint64_t min, max;
    const char *range_why;
    void (*set)(chain *c, chain_subnet *s, uint64_t v);
    uint64_t (*get)(const chain_subnet *s);
} param_def;

#define PARAM(fn, field, type)                                                                          \
    static void ps_##fn(chain *c, chain_subnet *s, uint64_t v) { (void)c; s->field = (type)v; }        \
    static uint64_t pg_##fn(const chain_subnet *s) { return (uint64_t)s->field; }
PARAM(rho, hp.rho, uint16_t)
PARAM(target, hp.target_registrations_per_interval, uint16_t)
PARAM(interval, hp.adjustment_interval, uint16_t)
PARAM(alpha, hp.adjustment_alpha, uint64_t)
PARAM(max_regs, hp.max_registrations_per_block, uint16_t)
PARAM(min_burn, hp.min_burn, uint64_t)
PARAM(max_burn, hp.max_burn, uint64_t)
PARAM(min_diff, hp.min_difficulty, uint64_t)
PARAM(max_diff, hp.max_difficulty, uint64_t)
PARAM(pow, hp.pow_registration_allowed, bool)
PARAM(max_stake, hp.network_max_stake, uint64_t)
PARAM(burn, burn, uint64_t)
PARAM(difficulty, difficulty, uint64_t)
#undef PARAM

/* Accumulation depends on these: fold what accrued under the old value. */
static void ps_reg(chain *c, chain_subnet *s, uint64_t v)
{
    chain_pending_sync(c, s, c->block);
    s->hp.registration_allowed = v != 0;
}
static uint64_t pg_reg(const chain_subnet *s) { return s->hp.registration_allowed; }

static void ps_ev(chain *c, chain_subnet *s, uint64_t v)
{
    chain_pending_sync(c, s, c->block);
    s->emission_value = v;
}
static uint64_t pg_ev(const chain_subnet *s) { return s->emission_value; }

#define U16 0, 65535, "a u16"
#define U64 0, UINT64_MAX, "a u64"
#define BOOL 0, 1, "a boolean 0/1"
static const param_def params[] = {
    {"rho", U16, ps_rho, pg_rho},
    {"target_registrations_per_interval", 1, 65535, "a u16 >= 1: the chain divides by 2 * target", ps_target,
     pg_target},
    {"adjustment_interval", U16, ps_interval, pg_interval},
    {"adjustment_alpha", U64, ps_alpha, pg_alpha},
    {"max_registrations_per_block", U16, ps_max_regs, pg_max_regs},
    {"min_burn", U64, ps_min_burn, pg_min_burn},
    {"max_burn", U64, ps_max_burn, pg_max_burn},
    {"min_difficulty", U64, ps_min_diff, pg_min_diff},
    {"max_difficulty", U64, ps_max_diff, pg_max_diff},
    {"network_registration_allowed", BOOL, ps_reg, pg_reg},
    {"network_pow_registration_allowed", BOOL, ps_pow, pg_pow},
    {"network_max_stake", U64, ps_max_stake, pg_max_stake},
    {"burn", U64, ps_burn, pg_burn},
    {"difficulty", U64, ps_difficulty, pg_difficulty},
    {"emission_value", U64, ps_ev, pg_ev},
};
#undef U16
#undef U64
#undef BOOL
static const size_t nparams = sizeof params / sizeof params[0];

size_t chain_params_count(void)
{
    return nparams;
}

const char *chain_params_name(size_t i)
{
    return i < nparams ? params[i].name : NULL;
}

static const param_def *param_find(const char *key)
{
    for (size_t i = 0; key && i < nparams; i++)
        if (strcmp(params[i].name, key) == 0) return &params[i];
    return NULL;
}

bool chain_params_known(const char *key)
{
    return param_find(key) != NULL;
}

chain_err chain_params_set(chain *c, chain_subnet *s, const char *key, uint64_t value, io_err *err)
{
    const param_def *d = param_find(key);
    if (!d) return chain_fail(err, CHAIN_EINVAL, "unknown hparam key '%s'", key ? key : "");
    if (value < d->min || value > d->max)
        return chain_fail(err, CHAIN_EINVAL, "hparam %s = %llu is out of range %llu..%llu (%s)", key,
                          (unsigned long long)value, (unsigned long long)d->min, (unsigned long long)d->max,
                          d->range_why);
    d->set(c, s, value);
    return CHAIN_OK;
}

chain_err chain_params_get(const chain_subnet *s, const char *key, uint64_t *value)
{
    const param_def *d = param_find(key);
    if (!d) return CHAIN_EINVAL;
    *value = d->get(s);
    return CHAIN_OK;
}
