/* run_schema.c -- the scenario schema of `taosim run` and the plan a resolved
 * configuration becomes (run_int.h).
 *
 * The tables below are the single source of the scenario keys: scn parses
 * and validates against them, `taosim run --help` and the README list them.
 * Chain keys use the chain's own names and units (chain.h); their defaults
 * are the finney-v1.2.4 values a new user subnet gets, and a key is applied
 * to the chain only when its value differs from what the chain already
 * holds, so the defaults never fight the chain's own setters.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "run_int.h"
#include "taosim/chain.h"

#define BLOCKS_PER_YEAR 2629800ull
#define BLOCKS_PER_DAY 7200ull
#define MAX_HORIZON (256ull * BLOCKS_PER_YEAR)
#define E18 1000000000000000000ll

/* ---- tables ------------------------------------------------------------------- */

static const char *const neurons_words[] = {"sample", "epoch", "off", NULL};
static const char *const twin_words[] = {"auto", "on", "off", NULL};
static const char *const join_words[] = {"one", "all", NULL};
static const char *const action_words[] = {"set", "join", "leave", "stake", "yuma", NULL};

#define U64K(n, d, lo, hi, u, txt) {.name = n, .type = SCN_U64, .def = d, .min = lo, .max = hi, .unit = u, .doc = txt}
#define BOOLK(n, d, txt) {.name = n, .type = SCN_BOOL, .def = d, .doc = txt}
#define DISTK(n, d, u, txt) {.name = n, .type = SCN_DIST, .def = d, .unit = u, .doc = txt}
#define STRK(n, d, txt) {.name = n, .type = SCN_STRING, .def = d, .doc = txt}

static const scn_key run_keys[] = {
    U64K("seed", "1", NULL, NULL, NULL, "base seed of every random stream (run r of a study: a mix of seed and r)"),
    U64K("repeat", "1", "1", "100000", "runs", "independent repeats of every parameter point, each with its own seed"),
    {.name = "years", .type = SCN_NUMBER, .def = "1", .min = "0", .max = "256", .unit = "years",
     .doc = "horizon in years of 2629800 blocks (12 s)"},
    U64K("blocks", "0", "0", "673228800", "blocks", "horizon in blocks, instead of years (0: use years)"),
    {.name = "start_date", .type = SCN_DATE, .def = "2025-01-07", .min = "2000-01-01", .max = "2999-12-31",
     .doc = "calendar date of block 0 (dates in the scenario and the traces count from it)"},
    U64K("sample_blocks", "7200", "1", NULL, "blocks", "supply.csv and subnets.csv sampling period"),
    {.name = "neurons", .type = SCN_ENUM, .def = "sample", .words = neurons_words,
     .doc = "neurons.csv rows: every neurons_every blocks, after every epoch, or none"},
    U64K("neurons_every", "0", NULL, NULL, "blocks", "neurons.csv sampling period (0: sample_blocks)"),
    BOOLK("actions", "true", "write actions.csv (every extrinsic, in replay format)"),
    {.name = "populations", .type = SCN_ENUM, .def = "sample", .words = neurons_words,
     .doc = "populations.csv rows: every sample_blocks blocks, after every epoch (per subnet), or none"},
    BOOLK("bonds_settle", "true",
          "track bonds_settle_blocks: every epoch compares the bond matrix with the last (about a tenth of a big run)"),
    {.name = "twin", .type = SCN_ENUM, .def = "auto", .words = twin_words,
     .doc = "also run the no-attack twin (same seed, attacking populations removed) for honest_miner_loss; "
            "auto: when the scenario has cabal, copier, lazy, whales or sybil agents"},
    BOOLK("audit", "true", "check the chain's conservation invariants at every sample"),
    STRK("preset", "finney-v1.2.4", "the chain's parameter set (finney-v1.2.4; mock-v1.2.4 = the chain's unit tests)"),
    STRK("out", "", "output directory (empty: out/NAME, NAME = the file name without .ini)"),
};

static const scn_key chain_keys[] = {
    {.name = "world_tao", .type = SCN_NUMBER, .def = "0", .min = "0", .max = "21000000", .unit = "TAO",
     .doc = "genesis balance held outside the simulated agents (part of the issuance)"},
    U64K("subnet_owner_cut", "11796", "0", "65535", "u16 prop", "share of each epoch's emission minted to the owner"),
    U64K("subnet_limit", "12", "0", "4096", "subnets", "user subnets before a registration prunes one"),
    U64K("network_immunity_period", "50400", NULL, NULL, "blocks", "a new subnet cannot be pruned"),
    U64K("network_min_lock_cost", "1000000000000", NULL, NULL, "RAO", "floor of the lock-cost auction"),
    U64K("network_lock_reduction_interval", "100800", NULL, NULL, "blocks", "the lock falls to the floor over it"),
    U64K("network_rate_limit", "7200", NULL, NULL, "blocks", "between two subnet registrations"),
    U64K("hotkey_emission_tempo", "7200", NULL, NULL, "blocks", "hotkey emission drain cadence"),
    U64K("default_delegate_take", "11796", "0", "65535", "u16 prop", "take of a new delegate"),
    U64K("max_delegate_take", "11796", "0", "65535", "u16 prop", "upper bound of a take"),
    U64K("min_delegate_take", "0", "0", "65535", "u16 prop", "lower bound of a take"),
    U64K("tx_rate_limit", "1000", NULL, NULL, "blocks", "become_delegate spacing per coldkey"),
    U64K("tx_delegate_take_rate_limit", "216000", NULL, NULL, "blocks", "increase_take spacing"),
    U64K("target_stakes_per_interval", "1", NULL, NULL, "calls", "stake calls per (coldkey, hotkey) per interval"),
    U64K("stake_interval", "360", NULL, NULL, "blocks", "the staking rate limit's interval"),
    U64K("stake_threshold", "0", NULL, NULL, "RAO", "minimum stake to set weights (Yuma 3: smaller stakes count as 0)"),
    U64K("nominator_min_required_stake", "0", NULL, NULL, "RAO", "smallest nomination kept"),
    BOOLK("removal_keeps_pending", "true", "quirk: a pruned subnet's pending emission is inherited by its netuid"),
    BOOLK("removal_keeps_params", "true", "quirk: burn and other keys survive a subnet's removal"),
    BOOLK("stale_network_member", "true", "quirk: membership entries survive a subnet's removal"),
};

/* First the scenario's own keys, then the chain's hyperparameters (names and
 * units of chain_set_hparam, in an order the chain's setters accept). */
#define SUBNET_OWN_KEYS 3
static const scn_key subnet_keys[] = {
    U64K("count", "1", "0", "4096", "subnets", "instances the scenario registers itself (owners add more)"),
    {.name = "register_at", .type = SCN_BLOCK_OR_DATE, .def = "0",
     .doc = "block or date of the registration (0: the network starts with them)"},
    DISTK("value", "beta(2, 2)", "[0,1]", "latent value of an instance, what root validators weight"),
    U64K("tempo", "360", "0", "65535", "blocks", "epoch every tempo + 1 blocks (0: never)"),
    U64K("immunity_period", "5000", "0", "65535", "blocks", "a new uid cannot be pruned"),
    U64K("max_allowed_uids", "256", "1", "4096", "uids", "subnet size"),
    U64K("max_allowed_validators", "64", "0", "65535", "uids", "validator permits (top-k by stake)"),
    U64K("min_allowed_weights", "1", "0", "65535", "weights", "shortest weight vector accepted"),
    U64K("max_weight_limit", "65535", "0", "65535", "u16 prop", "largest normalised weight accepted"),
    U64K("weights_set_rate_limit", "100", NULL, NULL, "blocks", "between two set_weights of a uid"),
    U64K("weights_version", "0", NULL, NULL, NULL, "version key set_weights must match"),
    U64K("activity_cutoff", "5000", "0", "65535", "blocks", "weights older than this: inactive"),
    U64K("kappa", "32767", "0", "65535", "u16 prop", "consensus majority"),
    U64K("bonds_moving_average", "900000", "0", "1000000", "millionths", "bonds EMA memory"),
    /* the variant first: the alpha bounds' checks depend on it (chain.h) */
    U64K("yuma_version", "2", "2", "3", NULL, "2: the v1.2.4 epoch, 3: Yuma 3 (v3.2.7)"),
    U64K("bonds_penalty", "65535", "0", "65535", "u16 prop", "Yuma 3: bonds from clipped weights (65535 = 1.0)"),
    {.name = "alpha_sigmoid_steepness", .type = SCN_INT, .def = "1000", .min = "-32768", .max = "32767",
     .doc = "Yuma 3: steepness of Liquid Alpha 2's sigmoid (an i16)"},
    BOOLK("bonds_reset_enabled", "false", "Yuma 3: a uid's commitment may reset the bonds towards it"),
    BOOLK("yuma3_sigmoid_clamp", "false", "Yuma 3: clamp the sigmoid's exponent (the v3.3.2 fix of quirk Q2)"),
    BOOLK("liquid_alpha_enabled", "false", "liquid alpha bonds EMA"),
    U64K("alpha_low", "45875", "0", "65535", "u16 prop", "liquid alpha lower bound (needs liquid alpha)"),
    U64K("alpha_high", "58982", "0", "65535", "u16 prop", "liquid alpha upper bound (needs liquid alpha)"),
    U64K("target_registrations_per_interval", "1", "0", "65535", "regs", "the burn adjusts toward it"),
    U64K("adjustment_interval", "360", "0", "65535", "blocks", "burn/difficulty adjustment period"),
    U64K("adjustment_alpha", "17893341751498265066", NULL, NULL, "u64 prop", "adjustment memory (0.97)"),
    U64K("max_registrations_per_block", "1", "0", "65535", "regs", "per block"),
    U64K("min_burn", "1", NULL, NULL, "RAO", "floor of the registration burn"),
    U64K("max_burn", "100000000000", NULL, NULL, "RAO", "ceiling of the registration burn"),
    BOOLK("incentive_wta", "false", "NOT a chain rule (opt-in): the top miner takes all the incentive (server-side WTA)"),
    BOOLK("network_registration_allowed", "true", "burned registration open (and emission received)"),
    BOOLK("network_pow_registration_allowed", "false", "POW registration open"),
    U64K("network_max_stake", "18446744073709551615", NULL, NULL, "RAO", "caps a uid's epoch stake"),
};

#define POP_COMMON(cnt_doc)                                                                             \
    U64K("count", "0", "0", "1000000", "agents", cnt_doc),                                              \
        {.name = "join_at", .type = SCN_BLOCK_OR_DATE, .def = "0", .doc = "block or date the population joins"}

static const scn_key miner_keys[] = {
    POP_COMMON("miners in the population"),
    STRK("subnets", "all", "subnet kinds it may register on: names separated by commas, or all"),
    {.name = "join", .type = SCN_ENUM, .def = "one", .words = join_words,
     .doc = "register on the one most rewarding subnet, or on all of them"},
    DISTK("quality", "beta(2, 5)", "[0,1]", "latent quality: what honest validators measure"),
    DISTK("balance_tao", "lognormal(2, 1)", "TAO", "free TAO at creation (registration budget)"),
    U64K("check_every", "360", "1", NULL, "blocks", "an unregistered miner reconsiders this often"),
    U64K("payback_days", "30", "0", "36500", "days", "registers when burn <= expected reward over this many days"),
    BOOLK("reregister", "true", "registers again after being pruned"),
};

static const char *const weighting_words[] = {"proportional", "wta", NULL};
static const char *const source_words[] = {"consensus", "weights", NULL};
static const char *const lazy_words[] = {"rare", "replay", "shifted", NULL};

/* The keys every validator-like population has (stake_tao aside). */
#define VALIDATOR_KEYS(root_def)                                                                          \
    STRK("subnets", "all", "subnet kinds it validates: names separated by commas, or all"),                 \
        {.name = "join", .type = SCN_ENUM, .def = "all", .words = join_words,                               \
         .doc = "register on every subnet of its kinds, or on one"},                                        \
        DISTK("balance_tao", "100", "TAO", "free TAO at creation (registration burns)"),                    \
        DISTK("noise", "0.1", "quality units", "perception error sigma when scoring miners and subnets"),   \
        U64K("weights_every", "0", NULL, NULL, "blocks", "set_weights cadence (0: every tempo + 1 blocks)"), \
        {.name = "take_percent", .type = SCN_NUMBER, .def = "18", .min = "0", .max = "100", .unit = "%",    \
         .doc = "delegate take (18% = 11796/65535)"},                                                       \
        BOOLK("root", root_def, "joins the root network and weights subnets by their value"),               \
        U64K("root_every", "7200", "1", NULL, "blocks", "root weights cadence"),                            \
        BOOLK("reregister", "true", "registers again after being pruned")

#define STAKE_KEY DISTK("stake_tao", "lognormal(9, 1)", "TAO", "own stake")
#define WEIGHTING_KEY                                                                                      \
    {.name = "weighting", .type = SCN_ENUM, .def = "proportional", .words = weighting_words,               \
     .doc = "weights proportional to perceived quality, or wta: all on the best-perceived miner"}

static const scn_key validator_keys[] = {
    POP_COMMON("validators in the population"), STAKE_KEY, VALIDATOR_KEYS("true"), WEIGHTING_KEY,
};

static const scn_key cabal_keys[] = {
    POP_COMMON("the cabal's validators"),
    U64K("miners", "0", "0", "1000000", "agents", "the cabal's own miners"),
    {.name = "stake_share", .type = SCN_NUMBER, .def = "0.3", .min = "0", .max = "0.99", .unit = "fraction",
     .doc = "the cabal validators' share of all validator stake at genesis"},
    {.name = "self_weight", .type = SCN_NUMBER, .def = "1", .min = "0", .max = "1", .unit = "fraction",
     .doc = "weight mass the cabal's validators put on its own miners (the rest: honest scoring)"},
    DISTK("quality", "beta(1, 9)", "[0,1]", "the cabal miners' latent quality"),
    BOOLK("coordinated", "true", "its miners register with its validators and come back the next block when pruned"),
    {.name = "merge_at", .type = SCN_BLOCK_OR_DATE, .def = "0",
     .doc = "a coordinated stake move: from then on its validators move their own stake to the largest (0: never)"},
    VALIDATOR_KEYS("false"),
};

static const scn_key copier_keys[] = {
    POP_COMMON("weight copiers"), STAKE_KEY, VALIDATOR_KEYS("false"),
    {.name = "source", .type = SCN_ENUM, .def = "weights", .words = source_words,
     .doc = "what it copies: the last Consensus vector, or the other validators' revealed weights"},
    U64K("lag", "0", NULL, NULL, "blocks", "copies the data as it was this many blocks ago"),
    U64K("conceal", "0", NULL, NULL, "blocks", "source = weights: rows are revealed this long after they are set"),
};

static const scn_key lazy_keys[] = {
    POP_COMMON("lazy or stale validators"), STAKE_KEY, VALIDATOR_KEYS("false"), WEIGHTING_KEY,
    {.name = "mode", .type = SCN_ENUM, .def = "rare", .words = lazy_words,
     .doc = "rare: weights only every weights_every blocks; replay: resubmits the weights it had at freeze_at; "
            "shifted: sees a new miner only shift blocks late"},
    {.name = "freeze_at", .type = SCN_BLOCK_OR_DATE, .def = "0", .doc = "mode = replay: when its weights freeze"},
    U64K("shift", "720", NULL, NULL, "blocks", "mode = shifted: its delay"),
};

static const scn_key whale_keys[] = {
    POP_COMMON("whales"), STAKE_KEY, VALIDATOR_KEYS("true"), WEIGHTING_KEY,
    {.name = "accumulate_tao_per_day", .type = SCN_NUMBER, .def = "0", .min = "0", .max = "1000000", .unit = "TAO",
     .doc = "bought from outside the chain and staked, per day each"},
    {.name = "merge_at", .type = SCN_BLOCK_OR_DATE, .def = "0",
     .doc = "from then on every other whale moves its own stake to the largest (0: never)"},
};

static const scn_key sybil_keys[] = {
    POP_COMMON("identities of one sybil registrant"),
    STRK("subnets", "all", "subnet kinds it may register on: names separated by commas, or all"),
    DISTK("balance_tao", "1000", "TAO", "the registrant's whole budget (one coldkey)"),
    DISTK("quality", "beta(1, 9)", "[0,1]", "its identities' latent quality"),
    {.name = "max_burn_tao", .type = SCN_NUMBER, .def = "1", .min = "0", .max = "21000000", .unit = "TAO",
     .doc = "registers an identity whenever the burn is at most this"},
    U64K("check_every", "360", "1", NULL, "blocks", "an unregistered identity reconsiders this often"),
    BOOLK("reregister", "true", "an identity registers again after being pruned"),
};

static const scn_key nominator_keys[] = {
    POP_COMMON("nominators in the population"),
    DISTK("stake_tao", "lognormal(4, 1.5)", "TAO", "TAO delegated"),
    DISTK("balance_tao", "0", "TAO", "free TAO kept aside"),
    STRK("validators", "all", "validator populations it delegates to: names separated by commas, or all"),
    U64K("review_every", "7200", "1", NULL, "blocks", "how often it reconsiders its delegate"),
    {.name = "inertia", .type = SCN_NUMBER, .def = "0.9", .min = "0", .max = "1", .unit = "probability",
     .doc = "probability of keeping its delegate at a review"},
};

static const scn_key owner_keys[] = {
    POP_COMMON("would-be subnet owners"),
    {.name = "subnet", .type = SCN_STRING, .def = NULL, .doc = "the subnet kind they register (required)"},
    DISTK("max_lock_tao", "lognormal(8, 0.5)", "TAO", "highest lock cost an owner pays"),
    DISTK("balance_tao", "lognormal(8.5, 0.5)", "TAO", "free TAO at creation"),
    U64K("check_every", "7200", "1", NULL, "blocks", "how often an owner looks at the lock cost"),
    BOOLK("retry", "true", "registers again after its subnet was pruned"),
};

static const scn_key event_keys[] = {
    {.name = "at", .type = SCN_BLOCK_OR_DATE, .def = NULL, .doc = "block or date (required)"},
    {.name = "action", .type = SCN_ENUM, .def = NULL, .words = action_words,
     .doc = "set (a chain or subnet key), join / leave (a population), stake (TAO per agent), yuma (variant)"},
    STRK("target", NULL, "chain, subnet.NAME, or KIND.NAME of a population (miners.NAME, ...)"),
    STRK("key", "", "set: the key to change"),
    STRK("value", "", "set: the new value (chain units); stake: TAO per agent; yuma: 2 or 3"),
};

#define KIND(n, named, keys, txt) {n, named, keys, sizeof keys / sizeof keys[0], txt}
static const scn_kind kinds[] = {
    KIND("run", false, run_keys, "the run: seed, horizon, sampling, outputs"),
    KIND("chain", false, chain_keys, "chain-wide parameters (chain units)"),
    KIND("subnet", true, subnet_keys, "a kind of subnet: how many, when, and its hyperparameters"),
    KIND("miners", true, miner_keys, "a population of miners"),
    KIND("validators", true, validator_keys, "a population of validators"),
    KIND("nominators", true, nominator_keys, "a population of nominators"),
    KIND("owners", true, owner_keys, "a population of would-be subnet owners"),
    KIND("cabal", true, cabal_keys, "colluding validators and their own miners (split-graph collusion)"),
    KIND("copier", true, copier_keys, "validators that copy chain-visible weights or consensus with a lag"),
    KIND("lazy", true, lazy_keys, "validators that set weights rarely, replay old ones, or see miners late"),
    KIND("whales", true, whale_keys, "validators that accumulate stake and merge it"),
    KIND("sybil", true, sybil_keys, "one registrant farming emission with many identities along the burn curve"),
    KIND("event", true, event_keys, "a timeline entry"),
};

static scn_status check_hook(const scn_config *c, void *ctx, io_err *err);

static const scn_schema schema = {
    .kinds = kinds,
    .nkinds = sizeof kinds / sizeof kinds[0],
    .repeat_key = "run.repeat",
    .seed_key = "run.seed",
    .check = check_hook,
    .check_ctx = NULL,
};

const scn_schema *run_schema(void) { return &schema; }

/* ---- plan building --------------------------------------------------------------- */

static const scn_value *val(const scn_section *s, const char *key)
{
    const scn_value *v = scn_config_value(s, key);
    return v; /* every key exists in a resolved section */
}

static uint64_t u64v(const scn_section *s, const char *key) { return val(s, key)->u; }
static bool boolv(const scn_section *s, const char *key) { return val(s, key)->b; }

/* Written (in the file or by --set) with a value other than the default.
 * A resolved config.ini writes every key, so "written" alone would make an
 * echo contradict itself; a default value never contradicts anything. */
static bool set_to_non_default(const scn_section *s, const char *key)
{
    scn_origin o = scn_config_origin(s, key);
    if (!o.line && !o.set) return false;
    for (size_t i = 0; i < s->kind->nkeys; i++)
        if (strcmp(s->kind->keys[i].name, key) == 0)
            return !s->kind->keys[i].def || strcmp(s->values[i].text, s->kind->keys[i].def) != 0;
    return true;
}

/* Block of a BLOCK_OR_DATE value. */
static scn_status when_block(const scn_config *c, const scn_section *s, const char *key, int64_t start_days,
                             uint64_t *out, io_err *err)
{
    const scn_when *w = &val(s, key)->when;
    if (!w->is_date) {
        *out = w->block;
        return SCN_OK;
    }
    if (w->date.days < start_days)
        return scn_config_errf(c, s, key, err, "date %s is before run.start_date; expected a later date",
                               val(s, key)->text);
    *out = (uint64_t)(w->date.days - start_days) * BLOCKS_PER_DAY;
    return SCN_OK;
}

/* The name list of `key` ("a, b" or "all") as a bitmask over names[0..n). */
static scn_status name_mask(const scn_config *c, const scn_section *s, const char *key, const char *const *names,
                            uint32_t n, uint64_t *mask, io_err *err)
{
    const char *text = val(s, key)->text;
    *mask = 0;
    if (strcmp(text, "all") == 0) {
        *mask = n >= 64 ? UINT64_MAX : ((uint64_t)1 << n) - 1;
        return SCN_OK;
    }
    char buf[SCN_TEXT_MAX];
    snprintf(buf, sizeof buf, "%s", text);
    char *save = NULL;
    for (char *t = strtok_r(buf, ", ", &save); t; t = strtok_r(NULL, ", ", &save)) {
        uint32_t i = 0;
        while (i < n && strcmp(names[i], t) != 0) i++;
        if (i == n) {
            char list[1024] = "";
            for (uint32_t k = 0; k < n; k++)
                snprintf(list + strlen(list), sizeof list - strlen(list), "%s%s", k ? ", " : "", names[k]);
            return scn_config_errf(c, s, key, err, "unknown name '%s'; expected 'all' or names among: %s", t,
                                   n ? list : "(none defined)");
        }
        *mask |= (uint64_t)1 << i;
    }
    if (*mask == 0) return scn_config_errf(c, s, key, err, "empty list; expected 'all' or names");
    return SCN_OK;
}

/* Decimal digits into a u64 (no sign, no blanks); false otherwise. */
static bool parse_u64_text(const char *t, uint64_t *out)
{
    if (!*t) return false;
    uint64_t v = 0;
    for (; *t; t++) {
        if (*t < '0' || *t > '9') return false;
        unsigned d = (unsigned)(*t - '0');
        if (v > (UINT64_MAX - d) / 10) return false;
        v = v * 10 + d;
    }
    *out = v;
    return true;
}

/* floor(x * mul) for an exact decimal x >= 0 (10^-18 units). */
static uint64_t num_times(scn_num x, uint64_t mul)
{
    unsigned __int128 u = (unsigned __int128)x.units;
    return (uint64_t)(u / E18 * mul + (u % E18) * mul / E18);
}

/* Population section kinds: their role and behaviour. */
static const struct {
    const char *kind;
    agent_role role;
    agent_behaviour behaviour;
} pop_kinds[] = {
    {"miners", AGENT_MINER, AGENT_HONEST},      {"validators", AGENT_VALIDATOR, AGENT_HONEST},
    {"nominators", AGENT_NOMINATOR, AGENT_HONEST}, {"owners", AGENT_OWNER, AGENT_HONEST},
    {"cabal", AGENT_VALIDATOR, AGENT_CABAL},    {"copier", AGENT_VALIDATOR, AGENT_COPIER},
    {"lazy", AGENT_VALIDATOR, AGENT_LAZY},      {"whales", AGENT_VALIDATOR, AGENT_WHALE},
    {"sybil", AGENT_MINER, AGENT_SYBIL},
};
#define NPOPKINDS (sizeof pop_kinds / sizeof pop_kinds[0])

static int pop_kind_index(const char *kind)
{
    for (size_t i = 0; i < NPOPKINDS; i++)
        if (strcmp(pop_kinds[i].kind, kind) == 0) return (int)i;
    return -1;
}

static bool is_pop_kind(const char *kind) { return pop_kind_index(kind) >= 0; }

static scn_status build_kind(const scn_config *c, const scn_section *s, run_plan *p, io_err *err)
{
    if (p->agents.nkinds >= AGENT_MAX_KINDS)
        return scn_config_errf(c, s, NULL, err, "more than %u [subnet] sections", AGENT_MAX_KINDS);
    agent_kind *k = &p->agents.kinds[p->agents.nkinds++];
    memset(k, 0, sizeof *k);
    snprintf(k->name, sizeof k->name, "%s", s->name);
    k->count = (uint32_t)u64v(s, "count");
    scn_status st = when_block(c, s, "register_at", p->start_days, &k->register_at, err);
    if (st) return st;
    k->value = val(s, "value")->dist;
    for (size_t i = SUBNET_OWN_KEYS; i < s->kind->nkeys; i++) {
        const scn_key *key = &s->kind->keys[i];
        k->hparam_key[k->nhparams] = key->name;
        k->hparam_value[k->nhparams++] = key->type == SCN_BOOL  ? (uint64_t)s->values[i].b
                                         : key->type == SCN_INT ? (uint64_t)s->values[i].i /* two's complement */
                                                                : s->values[i].u;
    }
    if (u64v(s, "max_allowed_validators") > u64v(s, "max_allowed_uids"))
        return scn_config_errf(c, s, "max_allowed_validators", err,
                               "%" PRIu64 " is larger than max_allowed_uids (%" PRIu64 "); expected at most that",
                               u64v(s, "max_allowed_validators"), u64v(s, "max_allowed_uids"));
    if (!boolv(s, "liquid_alpha_enabled") && (set_to_non_default(s, "alpha_low") || set_to_non_default(s, "alpha_high")))
        return scn_config_errf(c, s, set_to_non_default(s, "alpha_low") ? "alpha_low" : "alpha_high", err,
                               "needs liquid_alpha_enabled = true (the chain refuses it otherwise)");
    return SCN_OK;
}

/* A key of the section's kind, or NULL (kinds differ in their keys). */
static const scn_value *opt(const scn_section *s, const char *key)
{
    for (size_t i = 0; i < s->kind->nkeys; i++)
        if (strcmp(s->kind->keys[i].name, key) == 0) return &s->values[i];
    return NULL;
}

static uint32_t ppm(const scn_section *s, const char *key) { return (uint32_t)num_times(val(s, key)->num, 1000000); }

static scn_status build_validator(const scn_config *c, const scn_section *s, run_plan *p, agent_pop *a, io_err *err)
{
    if (opt(s, "stake_tao")) a->stake_tao = val(s, "stake_tao")->dist;
    a->noise = val(s, "noise")->dist;
    a->weights_every = u64v(s, "weights_every");
    a->take = (uint16_t)(num_times(val(s, "take_percent")->num, 65535) / 100);
    a->root = boolv(s, "root");
    a->root_every = u64v(s, "root_every");
    a->wta = opt(s, "weighting") && val(s, "weighting")->word == 1;
    scn_status st = SCN_OK;
    switch (a->behaviour) {
    case AGENT_CABAL:
        a->count_miners = (uint32_t)u64v(s, "miners");
        a->stake_share_ppm = ppm(s, "stake_share");
        a->self_weight_ppm = ppm(s, "self_weight");
        a->quality = val(s, "quality")->dist;
        a->coordinated = boolv(s, "coordinated");
        if ((st = when_block(c, s, "merge_at", p->start_days, &a->merge_at, err))) return st;
        a->check_every = 100; /* its miners retry this often; coordinated ones also the block after a pruning */
        break;
    case AGENT_COPIER:
        a->copy_consensus = val(s, "source")->word == 0;
        a->lag = u64v(s, "lag");
        a->conceal = u64v(s, "conceal");
        if (a->copy_consensus && set_to_non_default(s, "conceal"))
            return scn_config_errf(c, s, "conceal", err, "is for source = weights (consensus is public)");
        break;
    case AGENT_LAZY:
        a->lazy_mode = (agent_lazy_mode)val(s, "mode")->word;
        a->shift = u64v(s, "shift");
        st = when_block(c, s, "freeze_at", p->start_days, &a->freeze_at, err);
        if (st) return st;
        if (a->lazy_mode == AGENT_LAZY_RARE && a->weights_every == 0)
            return scn_config_errf(c, s, "weights_every", err,
                                   "mode = rare needs weights_every (how rarely it sets weights, in blocks)");
        break;
    case AGENT_WHALE:
        a->accumulate_rao_per_day = num_times(val(s, "accumulate_tao_per_day")->num, 1000000000ull);
        a->review_every = 7200;
        st = when_block(c, s, "merge_at", p->start_days, &a->merge_at, err);
        break;
    default: break;
    }
    return st;
}

static scn_status build_pop(const scn_config *c, const scn_section *s, run_plan *p, const char *const *kind_names,
                            io_err *err)
{
    if (p->agents.npops >= AGENT_MAX_POPS)
        return scn_config_errf(c, s, NULL, err, "more than %u populations", AGENT_MAX_POPS);
    agent_pop *a = &p->agents.pops[p->agents.npops++];
    memset(a, 0, sizeof *a);
    snprintf(a->name, sizeof a->name, "%s", s->name);
    int pk = pop_kind_index(s->kind->name);
    a->role = pop_kinds[pk].role;
    a->behaviour = pop_kinds[pk].behaviour;
    a->count = (uint32_t)u64v(s, "count");
    scn_status st = when_block(c, s, "join_at", p->start_days, &a->join_at, err);
    if (st) return st;
    a->balance_tao = val(s, "balance_tao")->dist;
    if (opt(s, "subnets") && (st = name_mask(c, s, "subnets", kind_names, p->agents.nkinds, &a->kinds, err)))
        return st;
    a->join_all = opt(s, "join") ? val(s, "join")->word == 1 : a->behaviour == AGENT_CABAL;
    if (opt(s, "reregister")) a->reregister = boolv(s, "reregister");
    switch (a->role) {
    case AGENT_MINER:
        a->quality = val(s, "quality")->dist;
        a->check_every = u64v(s, "check_every");
        if (a->behaviour == AGENT_SYBIL)
            a->max_burn_rao = num_times(val(s, "max_burn_tao")->num, 1000000000ull);
        else
            a->payback_days = (uint32_t)u64v(s, "payback_days");
        break;
    case AGENT_VALIDATOR:
        if ((st = build_validator(c, s, p, a, err))) return st;
        break;
    case AGENT_NOMINATOR:
        a->stake_tao = val(s, "stake_tao")->dist;
        a->review_every = u64v(s, "review_every");
        a->inertia_ppm = ppm(s, "inertia");
        break;
    case AGENT_OWNER: {
        a->max_lock_tao = val(s, "max_lock_tao")->dist;
        a->check_every = u64v(s, "check_every");
        a->reregister = boolv(s, "retry");
        uint64_t m;
        st = name_mask(c, s, "subnet", kind_names, p->agents.nkinds, &m, err);
        if (st) return st;
        if (m & (m - 1)) return scn_config_errf(c, s, "subnet", err, "names one subnet kind; got a list");
        a->owner_kind = (uint32_t)__builtin_ctzll(m);
        break;
    }
    default: break;
    }
    return SCN_OK;
}

/* Nominators name validator populations: resolved once every population is known. */
static scn_status link_nominators(const scn_config *c, run_plan *p, io_err *err)
{
    const char *names[AGENT_MAX_POPS];
    uint32_t idx[AGENT_MAX_POPS], nv = 0;
    for (uint32_t i = 0; i < p->agents.npops; i++)
        if (p->agents.pops[i].role == AGENT_VALIDATOR) {
            names[nv] = p->agents.pops[i].name;
            idx[nv++] = i;
        }
    uint32_t pi = 0;
    for (size_t i = 0; i < c->nsections; i++) {
        const scn_section *s = &c->sections[i];
        if (!is_pop_kind(s->kind->name)) continue;
        agent_pop *a = &p->agents.pops[pi++];
        if (a->role != AGENT_NOMINATOR) continue;
        uint64_t m;
        scn_status st = name_mask(c, s, "validators", names, nv, &m, err);
        if (st) return st;
        for (uint32_t k = 0; k < nv; k++)
            if ((m >> k) & 1) a->validator_pops |= (uint64_t)1 << idx[k];
    }
    return SCN_OK;
}

static const char *hparam_static_name(const char *key)
{
    for (size_t i = 0; i < chain_hparam_count(); i++)
        if (strcmp(chain_hparam_name(i), key) == 0) return chain_hparam_name(i);
    return NULL;
}

static const char *global_static_name(const char *key)
{
    for (size_t i = 0; i < chain_global_count(); i++)
        if (strcmp(chain_global_name(i), key) == 0) return chain_global_name(i);
    return NULL;
}

static scn_status build_event(const scn_config *c, const scn_section *s, run_plan *p, io_err *err)
{
    if (p->nevents >= RUN_MAX_EVENTS) return scn_config_errf(c, s, NULL, err, "more than %u events", RUN_MAX_EVENTS);
    run_event *e = &p->events[p->nevents++];
    memset(e, 0, sizeof *e);
    snprintf(e->name, sizeof e->name, "%s", s->name);
    scn_status st = when_block(c, s, "at", p->start_days, &e->at, err);
    if (st) return st;
    if (e->at > p->horizon)
        return scn_config_errf(c, s, "at", err, "block %" PRIu64 " is after the horizon (%" PRIu64 ")", e->at,
                               p->horizon);
    e->action = (run_action)val(s, "action")->word;
    const char *target = val(s, "target")->text, *key = val(s, "key")->text, *value = val(s, "value")->text;
    char kind[SCN_IDENT_MAX] = "", name[SCN_IDENT_MAX] = "";
    const char *dot = strchr(target, '.');
    if (dot && (size_t)(dot - target) < sizeof kind) {
        memcpy(kind, target, (size_t)(dot - target));
        snprintf(name, sizeof name, "%s", dot + 1);
    }
    bool want_subnet = e->action == RUN_ACT_SET || e->action == RUN_ACT_YUMA;
    if (e->action == RUN_ACT_SET && strcmp(target, "chain") == 0) {
        e->chain_target = true;
    } else if (want_subnet) {
        if (strcmp(kind, "subnet") != 0)
            return scn_config_errf(c, s, "target", err, "'%s': expected %ssubnet.NAME", target,
                                   e->action == RUN_ACT_SET ? "chain or " : "");
        uint32_t k = 0;
        while (k < p->agents.nkinds && strcmp(p->agents.kinds[k].name, name) != 0) k++;
        if (k == p->agents.nkinds)
            return scn_config_errf(c, s, "target", err, "no [subnet %s] in the scenario", name);
        e->kind = k;
    } else {
        if (!is_pop_kind(kind))
            return scn_config_errf(c, s, "target", err,
                                   "'%s': expected a population, KIND.NAME with KIND one of miners, validators, "
                                   "nominators, owners, cabal, copier, lazy, whales, sybil",
                                   target);
        uint32_t k = 0;
        while (k < p->agents.npops &&
               !(strcmp(p->agents.pops[k].name, name) == 0 && p->agents.pops[k].role == pop_kinds[pop_kind_index(kind)].role &&
                 p->agents.pops[k].behaviour == pop_kinds[pop_kind_index(kind)].behaviour))
            k++;
        if (k == p->agents.npops) return scn_config_errf(c, s, "target", err, "no [%s %s] in the scenario", kind, name);
        e->pop = k;
    }
    switch (e->action) {
    case RUN_ACT_SET:
        e->key = e->chain_target ? global_static_name(key) : hparam_static_name(key);
        if (!e->key) {
            char list[1024];
            if (e->chain_target)
                chain_global_list(list, sizeof list);
            else
                chain_hparam_list(list, sizeof list);
            return scn_config_errf(c, s, "key", err, "unknown %s key '%s'; expected one of: %s",
                                   e->chain_target ? "chain" : "subnet", key, list);
        }
        if (!parse_u64_text(value, &e->value))
            return scn_config_errf(c, s, "value", err, "'%s': expected an unsigned integer in chain units", value);
        break;
    case RUN_ACT_YUMA:
        e->key = hparam_static_name("yuma_version");
        if (!parse_u64_text(value, &e->value) || (e->value != 2 && e->value != 3))
            return scn_config_errf(c, s, "value", err, "'%s': expected 2 or 3", value);
        break;
    case RUN_ACT_STAKE: {
        scn_key k = {.name = "value", .type = SCN_NUMBER, .def = "0", .min = "0", .max = "21000000"};
        scn_value v;
        io_err why;
        if (scn_value_parse(&k, value, &v, &why) != SCN_OK)
            return scn_config_errf(c, s, "value", err, "'%s': expected TAO per agent (0..21000000)", value);
        e->value = num_times(v.num, 1000000000ull);
        break;
    }
    default:
        if (*key || *value) return scn_config_errf(c, s, *key ? "key" : "value", err, "not used by %s; leave it empty",
                                                   val(s, "action")->text);
        break;
    }
    return SCN_OK;
}

scn_status run_plan_build(const scn_config *c, run_plan *p, io_err *err)
{
    memset(p, 0, sizeof *p);
    snprintf(p->name, sizeof p->name, "%s", c->name);
    p->run = c->run;
    p->runs = c->runs;
    p->seed = c->seed;
    p->hash = c->hash;
    p->agents.seed = c->seed;
    const scn_section *run = scn_config_section(c, "run", NULL), *ch = scn_config_section(c, "chain", NULL);
    p->start_days = val(run, "start_date")->date.days;
    /* blocks > 0 takes precedence over years; setting both to non-default
     * values is a contradiction (a resolved config.ini echoes both, with
     * years at its default, and must rerun as it is) */
    if (u64v(run, "blocks") && set_to_non_default(run, "years"))
        return scn_config_errf(c, run, "blocks", err, "both blocks and years are set; expected one of them");
    p->horizon = u64v(run, "blocks") ? u64v(run, "blocks") : num_times(val(run, "years")->num, BLOCKS_PER_YEAR);
    if (p->horizon == 0) return scn_config_errf(c, run, "years", err, "the horizon is 0 blocks; expected more");
    if (p->horizon > MAX_HORIZON)
        return scn_config_errf(c, run, "blocks", err, "more than 256 years; expected at most %llu",
                               (unsigned long long)MAX_HORIZON);
    p->sample_blocks = u64v(run, "sample_blocks");
    p->neurons = (run_neurons)val(run, "neurons")->word;
    p->neurons_every = u64v(run, "neurons_every") ? u64v(run, "neurons_every") : p->sample_blocks;
    p->actions = boolv(run, "actions");
    p->populations = (run_neurons)val(run, "populations")->word;
    p->twin = (run_twin)val(run, "twin")->word;
    p->bonds_settle = boolv(run, "bonds_settle");
    p->audit = boolv(run, "audit");
    p->preset = NULL;
    for (size_t i = 0; i < chain_preset_count(); i++)
        if (strcmp(chain_preset_name(i), val(run, "preset")->text) == 0) p->preset = chain_preset_name(i);
    if (!p->preset) {
        char list[256] = "";
        for (size_t i = 0; i < chain_preset_count(); i++)
            snprintf(list + strlen(list), sizeof list - strlen(list), "%s%s", i ? ", " : "", chain_preset_name(i));
        return scn_config_errf(c, run, "preset", err, "unknown preset '%s'; expected one of: %s",
                               val(run, "preset")->text, list);
    }
    p->world_rao = num_times(val(ch, "world_tao")->num, 1000000000ull);
    for (size_t i = 1; i < ch->kind->nkeys; i++) {
        const scn_key *k = &ch->kind->keys[i];
        const char *g = global_static_name(k->name);
        if (!g) return scn_config_errf(c, ch, k->name, err, "internal: the chain has no global '%s'", k->name);
        p->gkey[p->nglobals] = g;
        p->gval[p->nglobals++] = k->type == SCN_BOOL ? (uint64_t)ch->values[i].b : ch->values[i].u;
    }
    /* subnet kinds first (populations name them) */
    const char *kind_names[AGENT_MAX_KINDS];
    scn_status st;
    for (size_t i = 0; i < c->nsections; i++)
        if (strcmp(c->sections[i].kind->name, "subnet") == 0) {
            if ((st = build_kind(c, &c->sections[i], p, err))) return st;
            kind_names[p->agents.nkinds - 1] = p->agents.kinds[p->agents.nkinds - 1].name;
        }
    if (p->agents.nkinds == 0)
        return scn_config_errf(c, run, NULL, err, "no [subnet NAME] section; expected at least one");
    uint64_t genesis = 0;
    for (uint32_t k = 0; k < p->agents.nkinds; k++)
        if (p->agents.kinds[k].register_at == 0) genesis += p->agents.kinds[k].count;
    if (genesis > u64v(ch, "subnet_limit"))
        return scn_config_errf(c, ch, "subnet_limit", err,
                               "%" PRIu64 " subnets start the network but subnet_limit is %" PRIu64
                               "; expected at least %" PRIu64,
                               genesis, u64v(ch, "subnet_limit"), genesis);
    for (size_t i = 0; i < c->nsections; i++)
        if (is_pop_kind(c->sections[i].kind->name) && (st = build_pop(c, &c->sections[i], p, kind_names, err)))
            return st;
    if ((st = link_nominators(c, p, err))) return st;
    for (size_t i = 0; i < c->nsections; i++)
        if (strcmp(c->sections[i].kind->name, "event") == 0 && (st = build_event(c, &c->sections[i], p, err)))
            return st;
    return SCN_OK;
}

static scn_status check_hook(const scn_config *c, void *ctx, io_err *err)
{
    (void)ctx;
    run_plan *p = malloc(sizeof *p);
    if (!p) {
        io_errf(err, "out of memory");
        return SCN_EIO;
    }
    scn_status st = run_plan_build(c, p, err);
    free(p);
    return st;
}
