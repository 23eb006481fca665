/* scn_dist.c -- distributions in scenario values: "beta(2, 5)", "normal(0, 1)",
 * a plain number for a constant, and one GSL variate per call.
 *
 * Invariant: a parsed scn_dist always has the parameter count of its kind and
 * satisfies the kind's conditions (checked on the exact decimals, so
 * "beta(0.0000000001, 1)" is accepted and "beta(0, 1)" is not), so
 * scn_dist_sample never hands GSL a parameter it would reject.
 *
 * Floats are allowed here, and only here in the room: samples feed agent
 * traits, never consensus math. They are deterministic for a given GSL build
 * and generator state; the draw counts are in scn.h.
 */
#include <ctype.h>
#include <string.h>

#include <gsl/gsl_randist.h>

#include "scn_int.h"

enum { POS0 = 1, POS1 = 2 }; /* which parameters must be > 0 */

static const struct {
    const char *name;
    int nparams;
    const char *params;  /* parameter names, for messages */
    unsigned positive;   /* POS0 | POS1 */
} kinds[SCN_DIST_COUNT] = {
    [SCN_DIST_CONST] = {"const", 1, "x", 0},
    [SCN_DIST_UNIFORM] = {"uniform", 2, "a, b", 0},
    [SCN_DIST_NORMAL] = {"normal", 2, "mu, sigma", POS1},
    [SCN_DIST_LOGNORMAL] = {"lognormal", 2, "mu, sigma", POS1},
    [SCN_DIST_BETA] = {"beta", 2, "a, b", POS0 | POS1},
    [SCN_DIST_GAMMA] = {"gamma", 2, "k, theta", POS0 | POS1},
    [SCN_DIST_EXPONENTIAL] = {"exponential", 1, "mean", POS0},
    [SCN_DIST_PARETO] = {"pareto", 2, "a, b", POS0 | POS1},
};

static int bad_form(const char *text, char *why, size_t cap)
{
    snprintf(why, cap, "expected distribution (such as beta(2, 5), normal(0, 1) or a plain number), got '%s'",
             text);
    return -1;
}

static int find_kind(const char *name, char *why, size_t cap)
{
    const char *names[SCN_DIST_COUNT];
    for (int i = 0; i < SCN_DIST_COUNT; i++) {
        if (!strcmp(name, kinds[i].name)) return i;
        names[i] = kinds[i].name;
    }
    snprintf(why, cap, "unknown distribution '%s'", name);
    scn_suggest(why, cap, name, names, SCN_DIST_COUNT);
    return -1;
}

/* Name of parameter i of kind k ("sigma" from "mu, sigma"). */
static void param_name(int k, int i, char *buf, size_t cap)
{
    const char *p = kinds[k].params;
    for (int j = 0; j < i; j++) p = strchr(p, ' ') + 1;
    size_t n = strcspn(p, ",");
    snprintf(buf, cap, "%.*s", (int)n, p);
}

static int check_params(const scn_dist *d, char *why, size_t cap)
{
    const char *name = kinds[d->kind].name, *params = kinds[d->kind].params;
    char a[SCN_TEXT_MAX], b[SCN_TEXT_MAX], pn[16];
    scn_num_format(d->exact[0], a, sizeof a);
    if (d->nparams > 1) scn_num_format(d->exact[1], b, sizeof b);
    if (d->kind == SCN_DIST_UNIFORM && d->exact[0].units >= d->exact[1].units) {
        snprintf(why, cap, "uniform(a, b) needs a < b, got a = %s, b = %s", a, b);
        return -1;
    }
    for (int i = 0; i < d->nparams; i++) {
        if (!(kinds[d->kind].positive & (1u << i)) || d->exact[i].units > 0) continue;
        param_name(d->kind, i, pn, sizeof pn);
        snprintf(why, cap, "%s(%s) needs %s > 0, got %s = %s", name, params, pn, pn, i ? b : a);
        return -1;
    }
    return 0;
}

static int parse_params(scn_dist *d, char *inner, char *why, size_t cap)
{
    char *items[3];
    int n = 0;
    for (char *p = inner, *start = inner;; p++) {
        if (*p != ',' && *p != '\0') continue;
        bool end = *p == '\0';
        *p = '\0';
        if (n < 3) items[n] = start;
        n++;
        start = p + 1;
        if (end) break;
    }
    if (n != kinds[d->kind].nparams) {
        snprintf(why, cap, "%s takes %d parameter%s (%s), got %d", kinds[d->kind].name, kinds[d->kind].nparams,
                 kinds[d->kind].nparams > 1 ? "s" : "", kinds[d->kind].params, n);
        return -1;
    }
    d->nparams = n;
    for (int i = 0; i < n; i++) {
        char *t = scn_trim(items[i]), num_why[SCN_WHY_MAX], pn[16];
        if (scn_num_parse(t, &d->exact[i], num_why, sizeof num_why)) {
            param_name(d->kind, i, pn, sizeof pn);
            snprintf(why, cap, "%s parameter %s: %s", kinds[d->kind].name, pn, num_why);
            return -1;
        }
        d->p[i] = scn_num_to_double(d->exact[i]);
    }
    return check_params(d, why, cap);
}

int scn_dist_parse_why(const char *text, scn_dist *d, char *why, size_t cap)
{
    memset(d, 0, sizeof *d);
    char buf[SCN_LINE_MAX + 2];
    if (snprintf(buf, sizeof buf, "%s", text) >= (int)sizeof buf) return bad_form(text, why, cap);
    char *t = scn_trim(buf);
    if (isdigit((unsigned char)*t) || *t == '-' || *t == '+') { /* a plain number: const(x) */
        d->kind = SCN_DIST_CONST;
        d->nparams = 1;
        if (scn_num_parse(t, &d->exact[0], why, cap)) return -1;
        d->p[0] = scn_num_to_double(d->exact[0]);
        return 0;
    }
    char *name = t;
    while (isalnum((unsigned char)*t) || *t == '_') t++;
    char *open = t;
    while (isspace((unsigned char)*open)) open++;
    size_t len = strlen(open); /* the whole text is trimmed: ')' must be last */
    if (t == name || *open != '(' || len < 2 || open[len - 1] != ')') return bad_form(text, why, cap);
    *t = '\0';
    open[len - 1] = '\0';
    int k = find_kind(name, why, cap);
    if (k < 0) return -1;
    d->kind = (scn_dist_kind)k;
    return parse_params(d, open + 1, why, cap);
}

scn_status scn_dist_parse(const char *text, scn_dist *d, io_err *err)
{
    char why[SCN_WHY_MAX];
    if (scn_dist_parse_why(text, d, why, sizeof why) == 0) return SCN_OK;
    io_errf(err, "%s", why);
    return SCN_EINPUT;
}

void scn_dist_format(const scn_dist *d, char *buf, size_t cap)
{
    char a[SCN_TEXT_MAX], b[SCN_TEXT_MAX];
    scn_num_format(d->exact[0], a, sizeof a);
    if (d->nparams > 1) {
        scn_num_format(d->exact[1], b, sizeof b);
        snprintf(buf, cap, "%s(%s, %s)", kinds[d->kind].name, a, b);
    } else {
        snprintf(buf, cap, "%s(%s)", kinds[d->kind].name, a);
    }
}

double scn_dist_sample(const scn_dist *d, gsl_rng *r)
{
    const double a = d->p[0], b = d->p[1];
    switch (d->kind) {
    case SCN_DIST_CONST: return a;
    case SCN_DIST_UNIFORM: return gsl_ran_flat(r, a, b);
    case SCN_DIST_NORMAL: return a + gsl_ran_gaussian(r, b);
    case SCN_DIST_LOGNORMAL: return gsl_ran_lognormal(r, a, b);
    case SCN_DIST_BETA: return gsl_ran_beta(r, a, b);
    case SCN_DIST_GAMMA: return gsl_ran_gamma(r, a, b);
    case SCN_DIST_EXPONENTIAL: return gsl_ran_exponential(r, a);
    case SCN_DIST_PARETO: return gsl_ran_pareto(r, a, b);
    case SCN_DIST_COUNT: break;
    }
    return a; /* unreachable for a parsed scn_dist */
}
