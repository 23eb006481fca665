/* scn_run.c -- runs of a loaded scenario: numbering, seeds, -r selections,
 * the resolved configuration of one run and its canonical INI echo.
 *
 * Invariant: run r <-> (point p = r / N, repeat i = r % N) and point p <->
 * one index per sweep (mixed radix, the last sweep fastest) are bijections, so
 * every (point, repeat) is run exactly once and scn_resolve(r) depends on r and
 * the loaded scenario only. The echo is written from the config alone, in
 * section order then schema order: byte-stable.
 */
#include <ctype.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "scn_int.h"

const char *scn_path(const scn_scenario *s) { return s->path; }
const char *scn_name(const scn_scenario *s) { return s->name; }
uint64_t scn_hash(const scn_scenario *s) { return s->hash; }
uint64_t scn_runs_count(const scn_scenario *s) { return s->runs; }
uint64_t scn_points_count(const scn_scenario *s) { return s->points; }
uint64_t scn_repeat_count(const scn_scenario *s) { return s->repeats; }
size_t scn_sweeps_count(const scn_scenario *s) { return s->ndims; }
uint64_t scn_base_seed(const scn_scenario *s) { return s->base_seed; }

/* ---- seeds ------------------------------------------------------------------- */

uint64_t scn_seed_mix(uint64_t base, uint64_t run)
{
    uint64_t z = base + (run + 1) * 0x9e3779b97f4a7c15ull;
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

uint64_t scn_run_seed(const scn_scenario *s, uint64_t run)
{
    /* A single run keeps the base seed, so a resolved echo (one run, seed =
     * the run's seed) reproduces the run it came from. */
    return s->runs == 1 ? s->base_seed : scn_seed_mix(s->base_seed, run);
}

/* ---- -r selections ------------------------------------------------------------ */

static const char SELECT_EXAMPLE[] = "expected e.g. -r 3, -r 0..9 or -r 1,4,7";

/* One item "A" or "A..B" into [*lo, *hi]. */
static scn_status select_item(char *item, uint64_t count, uint64_t *lo, uint64_t *hi, io_err *err)
{
    char *t = scn_trim(item), *dots = strstr(t, "..");
    if (!*t) {
        io_errf(err, "-r: empty item in the run selection; %s", SELECT_EXAMPLE);
        return SCN_EINPUT;
    }
    if (dots) *dots = '\0';
    const char *a = scn_trim(t), *b = dots ? scn_trim(dots + 2) : a;
    bool a_ok = scn_parse_u64(a, lo);
    if (!a_ok || !scn_parse_u64(b, hi)) {
        io_errf(err, "-r: '%s' is not a run number; %s", a_ok ? b : a, SELECT_EXAMPLE);
        return SCN_EINPUT;
    }
    if (*lo > *hi) {
        io_errf(err, "-r: the range %s..%s goes backwards; write %s..%s", a, b, b, a);
        return SCN_EINPUT;
    }
    if (*hi >= count) {
        io_errf(err, "-r: %s %s%s%s is out of range: the scenario has %" PRIu64 " run%s (0..%" PRIu64 ")",
                dots ? "the range" : "run", a, dots ? ".." : "", dots ? b : "", count, count == 1 ? "" : "s",
                count - 1);
        return SCN_EINPUT;
    }
    return SCN_OK;
}

static scn_status select_mark(char *spec, uint64_t count, uint8_t *bits, size_t cap, size_t *total, io_err *err)
{
    char *item = spec;
    for (;;) {
        char *comma = strchr(item, ',');
        if (comma) *comma = '\0';
        uint64_t lo, hi;
        scn_status st = select_item(item, count, &lo, &hi, err);
        if (st) return st;
        for (uint64_t r = lo; r <= hi; r++) {
            if (bits[r / 8] & (1u << (r % 8))) {
                io_errf(err, "-r: run %" PRIu64 " is selected twice", r);
                return SCN_EINPUT;
            }
            bits[r / 8] |= (uint8_t)(1u << (r % 8));
            if (++*total > cap) {
                io_errf(err, "-r: more than %zu runs selected", cap);
                return SCN_EINPUT;
            }
        }
        if (!comma) return SCN_OK;
        item = comma + 1;
    }
}

scn_status scn_run_select(const char *spec, uint64_t count, uint64_t *out, size_t cap, size_t *n, io_err *err)
{
    *n = 0;
    if (count == 0 || count > SCN_MAX_RUNS) {
        io_errf(err, "-r: the scenario has %" PRIu64 " runs; cannot select", count);
        return SCN_EINPUT;
    }
    char *buf = malloc(strlen(spec) + 1);
    uint8_t *bits = calloc((size_t)(count + 7) / 8, 1);
    if (!buf || !bits) {
        free(buf), free(bits);
        io_errf(err, "-r: out of memory");
        return SCN_EIO;
    }
    memcpy(buf, spec, strlen(spec) + 1);
    size_t total = 0;
    scn_status st = select_mark(buf, count, bits, cap, &total, err);
    for (uint64_t r = 0; st == SCN_OK && r < count; r++)
        if (bits[r / 8] & (1u << (r % 8))) out[(*n)++] = r;
    free(buf);
    free(bits);
    return st;
}

/* ---- resolving one run --------------------------------------------------------- */

void scn_config_free(scn_config *c)
{
    if (!c) return;
    for (size_t i = 0; i < c->nsections; i++) {
        free(c->sections[i].values);
        free(c->sections[i].origins);
    }
    free(c->sections);
    free(c);
}

/* The sweep dimension of a slot, or -1. */
static int dim_of(const scn_scenario *s, uint32_t sec, uint32_t key)
{
    for (uint32_t d = 0; d < s->ndims; d++)
        if (s->dims[d].sec == sec && s->dims[d].key == key) return (int)d;
    return -1;
}

static void fill_section(const scn_scenario *s, const scn_config *c, uint32_t i, scn_section *out)
{
    const scn_sec *sec = &s->secs[i];
    out->kind = &s->schema->kinds[sec->kind];
    snprintf(out->name, sizeof out->name, "%s", sec->name);
    out->where = sec->where;
    for (uint32_t k = 0; k < out->kind->nkeys; k++) {
        const scn_slot *slot = &sec->slots[k];
        int d = dim_of(s, i, k);
        if (slot->nvalues) {
            out->values[k] = slot->values[d >= 0 ? c->swept[d].index : 0];
            out->origins[k] = (scn_origin){slot->line, slot->set};
        } else {
            out->values[k] = s->defaults[sec->kind][k];
            out->origins[k] = (scn_origin){0, 0};
        }
    }
}

/* Point p -> one index per sweep, the last sweep varying fastest. */
static void fill_point(const scn_scenario *s, scn_config *c)
{
    uint64_t p = c->point;
    c->nswept = s->ndims;
    for (uint32_t d = s->ndims; d-- > 0;) {
        const scn_slot *slot = &s->secs[s->dims[d].sec].slots[s->dims[d].key];
        c->swept[d] = (scn_swept){s->dims[d].sec, s->dims[d].key, (uint32_t)(p % slot->nvalues), slot->nvalues};
        p /= slot->nvalues;
    }
}

/* The seed and repeat keys describe this run alone (see scn_resolve). */
static void pin_designated(const scn_scenario *s, scn_config *c)
{
    for (size_t i = 0; i < c->nsections; i++) {
        const scn_sec *sec = &s->secs[i];
        if ((int)sec->kind == s->seed_kind) {
            scn_value *v = &c->sections[i].values[s->seed_key];
            v->u = c->seed;
            snprintf(v->text, sizeof v->text, "%" PRIu64, c->seed);
        }
        if ((int)sec->kind == s->repeat_kind) {
            scn_value *v = &c->sections[i].values[s->repeat_key];
            if (v->type == SCN_INT) v->i = 1;
            else v->u = 1;
            snprintf(v->text, sizeof v->text, "1");
        }
    }
}

static scn_config *build_config(const scn_scenario *s, uint64_t run)
{
    scn_config *c = calloc(1, sizeof *c);
    if (!c || !(c->sections = calloc(s->nsecs + 1, sizeof *c->sections))) {
        free(c);
        return NULL;
    }
    c->schema = s->schema;
    snprintf(c->path, sizeof c->path, "%s", s->path);
    snprintf(c->name, sizeof c->name, "%s", s->name);
    c->hash = s->hash;
    c->run = run, c->runs = s->runs;
    c->point = run / s->repeats, c->points = s->points;
    c->repeat_index = run % s->repeats, c->repeats = s->repeats;
    c->seed = scn_run_seed(s, run);
    fill_point(s, c);
    for (uint32_t i = 0; i < s->nsecs; i++, c->nsections++) {
        scn_section *out = &c->sections[i];
        size_t nkeys = s->schema->kinds[s->secs[i].kind].nkeys + 1;
        out->values = calloc(nkeys, sizeof *out->values);
        out->origins = calloc(nkeys, sizeof *out->origins);
        if (!out->values || !out->origins) {
            c->nsections++;
            scn_config_free(c);
            return NULL;
        }
        fill_section(s, c, i, out);
    }
    pin_designated(s, c);
    return c;
}

scn_status scn_resolve(const scn_scenario *s, uint64_t run, scn_config **out, io_err *err)
{
    *out = NULL;
    if (run >= s->runs) {
        io_errf(err, "-r: run %" PRIu64 " is out of range: the scenario has %" PRIu64 " runs (0..%" PRIu64 ")", run,
                s->runs, s->runs - 1);
        return SCN_EINPUT;
    }
    scn_config *c = build_config(s, run);
    if (!c) {
        io_errf(err, "%s: out of memory", s->path);
        return SCN_EIO;
    }
    if (s->schema->check) {
        scn_status st = s->schema->check(c, s->schema->check_ctx, err);
        if (st != SCN_OK) {
            scn_config_free(c);
            return st;
        }
    }
    *out = c;
    return SCN_OK;
}

scn_status scn_check_points(const scn_scenario *s, io_err *err)
{
    for (uint64_t p = 0; p < s->points; p++) {
        scn_config *c;
        scn_status st = scn_resolve(s, p * s->repeats, &c, err);
        if (st) return st;
        scn_config_free(c);
    }
    return SCN_OK;
}

/* ---- lookups and hook errors ------------------------------------------------- */

const scn_section *scn_config_section(const scn_config *c, const char *kind, const char *name)
{
    for (size_t i = 0; i < c->nsections; i++)
        if (!strcmp(c->sections[i].kind->name, kind) && !strcmp(c->sections[i].name, name ? name : ""))
            return &c->sections[i];
    return NULL;
}

static int key_index(const scn_section *sec, const char *key)
{
    for (size_t k = 0; key && k < sec->kind->nkeys; k++)
        if (!strcmp(sec->kind->keys[k].name, key)) return (int)k;
    return -1;
}

const scn_value *scn_config_value(const scn_section *sec, const char *key)
{
    int k = key_index(sec, key);
    return k < 0 ? NULL : &sec->values[k];
}

scn_origin scn_config_origin(const scn_section *sec, const char *key)
{
    int k = key_index(sec, key);
    return k < 0 ? (scn_origin){0, 0} : sec->origins[k];
}

scn_status scn_config_errf(const scn_config *c, const scn_section *sec, const char *key, io_err *err,
                           const char *fmt, ...)
{
    char msg[sizeof err->msg], label[2 * SCN_IDENT_MAX + 4];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    int k = key_index(sec, key);
    scn_origin o = k >= 0 ? sec->origins[k] : sec->where;
    bool is_default = k >= 0 && !o.line && !o.set;
    if (is_default) o = sec->where;
    scn_loc loc = {c->path, o.line ? o.line : 1, o.set};
    scn_sec_label(label, sizeof label, sec->kind->name, sec->name);
    char run[48] = "";
    if (c->runs > 1) snprintf(run, sizeof run, " (run %" PRIu64 ")", c->run);
    if (k >= 0)
        scn_loc_errf(err, loc, "%s %s: %s%s%s", label, key, msg, is_default ? " (default)" : "", run);
    else
        scn_loc_errf(err, loc, "%s: %s%s", label, msg, run);
    return SCN_EINPUT;
}

/* ---- the echo ------------------------------------------------------------------- */

static void write_header(const scn_config *c, FILE *f)
{
    fprintf(f, "# taosim scenario %s, resolved\n", c->name);
    fprintf(f, "# source %s fnv1a64=%016" PRIx64 "\n", c->path, c->hash);
    fprintf(f, "# run %" PRIu64 "/%" PRIu64 ", point %" PRIu64 "/%" PRIu64 ", repeat %" PRIu64 "/%" PRIu64
               " (0-based), seed %" PRIu64 "\n",
            c->run, c->runs, c->point, c->points, c->repeat_index, c->repeats, c->seed);
    for (size_t d = 0; d < c->nswept; d++) {
        const scn_swept *w = &c->swept[d];
        const scn_section *sec = &c->sections[w->section];
        char label[2 * SCN_IDENT_MAX + 4];
        scn_sec_label(label, sizeof label, sec->kind->name, sec->name);
        fprintf(f, "# sweep %s %s = %s (value %u/%u)\n", label, sec->kind->keys[w->key].name,
                sec->values[w->key].text, w->index, w->count);
    }
}

scn_status scn_config_write(const scn_config *c, FILE *f)
{
    write_header(c, f);
    for (size_t i = 0; i < c->nsections; i++) {
        const scn_section *sec = &c->sections[i];
        char label[2 * SCN_IDENT_MAX + 4];
        scn_sec_label(label, sizeof label, sec->kind->name, sec->name);
        fprintf(f, "\n%s\n", label);
        for (size_t k = 0; k < sec->kind->nkeys; k++)
            fprintf(f, "%s = %s\n", sec->kind->keys[k].name, sec->values[k].text);
    }
    return fflush(f) == 0 && !ferror(f) ? SCN_OK : SCN_EIO;
}
