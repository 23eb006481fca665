/* scn_load.c -- from INI bytes and --set overrides to a validated scenario.
 *
 * libinih parses the lines; we feed it through our own reader, one whole line
 * per call, which (1) counts lines, so the handler knows every key's line
 * (this inih build has no line-number handler argument), (2) rejects lines
 * longer than SCN_LINE_MAX instead of letting inih's 200-byte buffer split
 * them, (3) skips leading blanks, which turns inih's multi-line continuation
 * values off without touching its global settings, and (4) opens sections
 * itself on "[...]" lines: inih does not report a header without keys, so an
 * empty [subnet beta], a duplicate one or an unknown kind would otherwise go
 * unseen. inih still splits "key = value" and strips " ; comments".
 *
 * Invariant: loading stops at the FIRST error in file order (--set path errors
 * first, then the file, then --set values, then whole-scenario checks), so the
 * message is always about the earliest problem and nothing half-built leaks:
 * on error the scenario is freed.
 *
 * Overrides are applied as if the file had been edited: a --set replaces the
 * key in place (the file's value is never parsed, so an override can fix a
 * bad value), or adds the key, or adds the section at the end.
 */
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <ini.h>

#include "scn_int.h"

typedef struct set_target {
    uint32_t kind, key;
    char name[SCN_IDENT_MAX];
    char value[SCN_LINE_MAX + 1];
} set_target;

typedef struct loader {
    scn_scenario *s;
    io_err *err;
    scn_status status;   /* of the first error */
    uint32_t err_line;   /* its file line, 0 when not a file line */
    const char *buf;     /* the file */
    size_t len, pos;
    uint32_t line;       /* of the line inih is processing */
    char raw[SCN_LINE_MAX + 1];
    int cur;             /* current section, -1 before the first header */
    uint64_t runs;       /* product of the sweeps parsed so far */
    uint32_t nsweeps;
    size_t nsets;
    set_target sets[SCN_MAX_SETS];
} loader;

static const scn_kind *kind_of(const scn_scenario *s, const scn_sec *sec)
{
    return &s->schema->kinds[sec->kind];
}

static int fail(loader *L, scn_loc loc, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static int fail(loader *L, scn_loc loc, const char *fmt, ...)
{
    if (L->status != SCN_OK) return -1;
    char msg[sizeof L->err->msg];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    scn_loc_errf(L->err, loc, "%s", msg);
    L->status = SCN_EINPUT;
    L->err_line = loc.set ? 0 : loc.line;
    return -1;
}

static scn_loc file_loc(const loader *L, uint32_t line)
{
    return (scn_loc){L->s->path, line, 0};
}

/* ---- schema ----------------------------------------------------------------- */

static int find_kind(const scn_schema *sc, const char *name)
{
    for (size_t i = 0; i < sc->nkinds; i++)
        if (!strcmp(sc->kinds[i].name, name)) return (int)i;
    return -1;
}

static int find_key(const scn_kind *k, const char *name)
{
    for (size_t i = 0; i < k->nkeys; i++)
        if (!strcmp(k->keys[i].name, name)) return (int)i;
    return -1;
}

/* "kind.key" of a designated key -> indices; -1 when malformed or absent. */
static int designated(const scn_schema *sc, const char *spec, int *kind, int *key)
{
    char buf[2 * SCN_IDENT_MAX];
    *kind = *key = -1;
    if (!spec) return 0;
    if (snprintf(buf, sizeof buf, "%s", spec) >= (int)sizeof buf) return -1;
    char *dot = strchr(buf, '.');
    if (!dot) return -1;
    *dot = '\0';
    *kind = find_kind(sc, buf);
    if (*kind < 0 || sc->kinds[*kind].named) return -1;
    *key = find_key(&sc->kinds[*kind], dot + 1);
    return *key < 0 ? -1 : 0;
}

static bool has_bounds_type(scn_type t)
{
    return t == SCN_INT || t == SCN_U64 || t == SCN_NUMBER || t == SCN_DATE;
}

static scn_status check_bound(const scn_kind *kd, const scn_key *k, const char *b, scn_value *v, io_err *err)
{
    char why[SCN_WHY_MAX];
    scn_key plain = *k;
    plain.min = plain.max = NULL;
    if (!has_bounds_type(k->type)) {
        io_errf(err, "schema: [%s] %s: a %s key cannot have min/max", kd->name, k->name, scn_type_name(k->type));
        return SCN_ESCHEMA;
    }
    if (scn_parse_one(&plain, b, v, why, sizeof why)) {
        io_errf(err, "schema: [%s] %s: bound '%s': %s", kd->name, k->name, b, why);
        return SCN_ESCHEMA;
    }
    return SCN_OK;
}

static scn_status check_key(const scn_kind *kd, const scn_key *k, io_err *err)
{
    char why[SCN_WHY_MAX];
    scn_value lo, hi, v;
    if (!k->name || !scn_is_ident(k->name, false)) {
        io_errf(err, "schema: [%s]: key name '%s' is not an identifier", kd->name, k->name ? k->name : "(null)");
        return SCN_ESCHEMA;
    }
    if ((unsigned)k->type > SCN_BLOCK_OR_DATE) {
        io_errf(err, "schema: [%s] %s: unknown type %d", kd->name, k->name, (int)k->type);
        return SCN_ESCHEMA;
    }
    if (k->type == SCN_ENUM && (!k->words || !k->words[0])) {
        io_errf(err, "schema: [%s] %s: an enum needs at least one word", kd->name, k->name);
        return SCN_ESCHEMA;
    }
    for (size_t i = 0; k->type == SCN_ENUM && k->words[i]; i++)
        if (!scn_is_ident(k->words[i], true)) {
            io_errf(err, "schema: [%s] %s: enum word '%s' is not an identifier", kd->name, k->name, k->words[i]);
            return SCN_ESCHEMA;
        }
    if (k->min && check_bound(kd, k, k->min, &lo, err)) return SCN_ESCHEMA;
    if (k->max && check_bound(kd, k, k->max, &hi, err)) return SCN_ESCHEMA;
    /* min parsed under the key's own bounds fails exactly when min > max */
    if (k->min && k->max && scn_parse_one(k, k->min, &v, why, sizeof why)) {
        io_errf(err, "schema: [%s] %s: min %s is above max %s", kd->name, k->name, k->min, k->max);
        return SCN_ESCHEMA;
    }
    if (k->def && (strstr(k->def, "${") || scn_parse_one(k, k->def, &v, why, sizeof why))) {
        io_errf(err, "schema: [%s] %s: default '%s': %s", kd->name, k->name, k->def,
                strstr(k->def, "${") ? "a default cannot be a sweep" : why);
        return SCN_ESCHEMA;
    }
    return SCN_OK;
}

static scn_status check_kind(const scn_kind *kd, io_err *err)
{
    if (!kd->name || !scn_is_ident(kd->name, false)) {
        io_errf(err, "schema: kind name '%s' is not an identifier", kd->name ? kd->name : "(null)");
        return SCN_ESCHEMA;
    }
    if (kd->nkeys > SCN_MAX_KEYS || (kd->nkeys && !kd->keys)) {
        io_errf(err, "schema: [%s]: %zu keys; at most %d (SCN_MAX_KEYS)", kd->name, kd->nkeys, SCN_MAX_KEYS);
        return SCN_ESCHEMA;
    }
    for (size_t i = 0; i < kd->nkeys; i++) {
        if (check_key(kd, &kd->keys[i], err)) return SCN_ESCHEMA;
        if (find_key(kd, kd->keys[i].name) != (int)i) {
            io_errf(err, "schema: [%s]: key '%s' is listed twice", kd->name, kd->keys[i].name);
            return SCN_ESCHEMA;
        }
    }
    return SCN_OK;
}

/* The repeat key must accept 1 and the seed key any u64: the echo of a run
 * writes repeat = 1 and seed = the run's seed, and must load again. */
static scn_status check_designated(const scn_schema *sc, const char *spec, bool is_seed, io_err *err)
{
    int kind, key;
    if (!spec) return SCN_OK;
    if (designated(sc, spec, &kind, &key) == 0) {
        const scn_key *k = &sc->kinds[kind].keys[key];
        scn_value v;
        char why[SCN_WHY_MAX];
        if (is_seed && k->type == SCN_U64 && !k->min && !k->max) return SCN_OK;
        if (!is_seed && (k->type == SCN_U64 || k->type == SCN_INT) && !scn_parse_one(k, "1", &v, why, sizeof why))
            return SCN_OK;
    }
    io_errf(err, "schema: %s key '%s' must name %s key of a singleton kind as \"kind.key\"",
            is_seed ? "seed" : "repeat", spec, is_seed ? "an unbounded u64" : "an int or u64 (accepting 1)");
    return SCN_ESCHEMA;
}

scn_status scn_schema_check(const scn_schema *sc, io_err *err)
{
    if (!sc || sc->nkinds > SCN_MAX_KINDS || (sc->nkinds && !sc->kinds)) {
        io_errf(err, "schema: missing, or more than %d kinds (SCN_MAX_KINDS)", SCN_MAX_KINDS);
        return SCN_ESCHEMA;
    }
    for (size_t i = 0; i < sc->nkinds; i++) {
        if (check_kind(&sc->kinds[i], err)) return SCN_ESCHEMA;
        if (find_kind(sc, sc->kinds[i].name) != (int)i) {
            io_errf(err, "schema: kind '%s' is listed twice", sc->kinds[i].name);
            return SCN_ESCHEMA;
        }
    }
    if (check_designated(sc, sc->repeat_key, false, err)) return SCN_ESCHEMA;
    return check_designated(sc, sc->seed_key, true, err);
}

/* ---- sections and values ----------------------------------------------------- */

static int add_section(loader *L, scn_loc loc, uint32_t kind, const char *name, scn_origin where)
{
    scn_scenario *s = L->s;
    if (s->nsecs >= SCN_MAX_SECTIONS)
        return fail(L, loc, "too many sections: at most %d (SCN_MAX_SECTIONS)", SCN_MAX_SECTIONS);
    scn_sec *sec = &s->secs[s->nsecs];
    sec->slots = calloc(s->schema->kinds[kind].nkeys + 1, sizeof *sec->slots);
    if (!sec->slots) {
        io_errf(L->err, "%s: out of memory", s->path);
        L->status = SCN_EIO;
        return -1;
    }
    sec->kind = kind;
    snprintf(sec->name, sizeof sec->name, "%s", name);
    sec->where = where;
    return (int)s->nsecs++;
}

static int find_section(const scn_scenario *s, uint32_t kind, const char *name)
{
    for (uint32_t i = 0; i < s->nsecs; i++)
        if (s->secs[i].kind == kind && !strcmp(s->secs[i].name, name)) return (int)i;
    return -1;
}

static bool is_designated(const scn_sec *sec, uint32_t key, int kind, int dkey)
{
    return (int)sec->kind == kind && (int)key == dkey;
}

/* Parse `text` into the slot of `key` in `sec`, tracking the run product. */
static int write_slot(loader *L, scn_loc loc, scn_sec *sec, uint32_t key, const char *text)
{
    scn_scenario *s = L->s;
    const scn_key *k = &kind_of(s, sec)->keys[key];
    scn_slot *slot = &sec->slots[key];
    char label[2 * SCN_IDENT_MAX + 4], why[SCN_WHY_MAX];
    scn_sec_label(label, sizeof label, kind_of(s, sec)->name, sec->name);
    int rc = scn_parse_written(k, text, L->runs, &slot->values, &slot->nvalues, &slot->swept, why, sizeof why);
    if (rc == -2) {
        io_errf(L->err, "%s: out of memory", s->path);
        L->status = SCN_EIO;
        return -1;
    }
    if (rc) return fail(L, loc, "%s %s: %s", label, k->name, why);
    if (!slot->swept) return 0;
    if (is_designated(sec, key, s->repeat_kind, s->repeat_key))
        return fail(L, loc, "%s %s cannot be swept: it multiplies the runs itself", label, k->name);
    if (is_designated(sec, key, s->seed_kind, s->seed_key))
        return fail(L, loc, "%s %s cannot be swept: use %s for more seeds", label, k->name,
                    s->schema->repeat_key ? s->schema->repeat_key : "separate runs");
    if (L->nsweeps >= SCN_MAX_SWEEPS)
        return fail(L, loc, "%s %s: too many sweeps: at most %d swept keys (SCN_MAX_SWEEPS)", label, k->name,
                    SCN_MAX_SWEEPS);
    L->nsweeps++;
    L->runs *= slot->nvalues;
    return 0;
}

static const set_target *set_for(const loader *L, const scn_sec *sec, uint32_t key)
{
    for (size_t i = 0; i < L->nsets; i++)
        if (L->sets[i].kind == sec->kind && L->sets[i].key == key && !strcmp(L->sets[i].name, sec->name))
            return &L->sets[i];
    return NULL;
}

/* ---- --set paths ------------------------------------------------------------- */

static void kind_names(const scn_schema *sc, const char **names)
{
    for (size_t i = 0; i < sc->nkinds; i++) names[i] = sc->kinds[i].name;
}

static void key_names(const scn_kind *kd, const char **names)
{
    for (size_t i = 0; i < kd->nkeys; i++) names[i] = kd->keys[i].name;
}

static int unknown_kind(loader *L, scn_loc loc, const char *kind)
{
    const char *names[SCN_MAX_KINDS];
    char why[SCN_WHY_MAX];
    kind_names(L->s->schema, names);
    snprintf(why, sizeof why, "unknown section kind '%s'", kind);
    scn_suggest(why, sizeof why, kind, names, L->s->schema->nkinds);
    return fail(L, loc, "%s", why);
}

static int unknown_key(loader *L, scn_loc loc, const scn_kind *kd, const char *label, const char *key)
{
    const char *names[SCN_MAX_KEYS];
    char why[SCN_WHY_MAX];
    key_names(kd, names);
    snprintf(why, sizeof why, "unknown key '%s' in %s", key, label);
    scn_suggest(why, sizeof why, key, names, kd->nkeys);
    return fail(L, loc, "%s", why);
}

/* Kind and name of a section, checked the same way for headers and --set. */
static int check_kind_name(loader *L, scn_loc loc, const char *kind, const char *name, bool has_name, int *out)
{
    const scn_schema *sc = L->s->schema;
    int k = find_kind(sc, kind);
    if (k < 0) return unknown_kind(L, loc, kind);
    if (!sc->kinds[k].named && has_name)
        return fail(L, loc, "[%s] takes no name (got '%s'); expected [%s]", kind, name, kind);
    if (sc->kinds[k].named && !has_name)
        return fail(L, loc, "[%s] needs a name, as in [%s NAME]", kind, kind);
    if (has_name && !scn_is_ident(name, true))
        return fail(L, loc, "section name '%s' may only contain letters, digits, '_' and '-' (at most %d)", name,
                    SCN_IDENT_MAX - 1);
    *out = k;
    return 0;
}

static int bad_set_form(loader *L, scn_loc loc, const char *text)
{
    return fail(L, loc, "expected KIND.KEY=VALUE or KIND.NAME.KEY=VALUE (e.g. run.seed=7, subnet.alpha.tempo=99), "
                        "got '%s'", text);
}

static int check_set_value(loader *L, scn_loc loc, const char *v)
{
    if (strlen(v) > SCN_LINE_MAX) return fail(L, loc, "the value is longer than %d characters", SCN_LINE_MAX);
    for (const char *p = v; *p; p++) {
        if ((unsigned char)*p < 0x20 || *p == 0x7f)
            return fail(L, loc, "the value contains a control character (byte 0x%02x)", (unsigned char)*p);
        if (*p == ';' && (p == v || isspace((unsigned char)p[-1])))
            return fail(L, loc, "';' here would start a comment in a scenario file; not allowed in a value");
    }
    return 0;
}

static int parse_set(loader *L, size_t i, const char *text)
{
    scn_loc loc = {L->s->path, 0, (uint32_t)i + 1};
    set_target *t = &L->sets[i];
    char buf[4 * SCN_IDENT_MAX + SCN_LINE_MAX], *parts[4];
    if (snprintf(buf, sizeof buf, "%s", text) >= (int)sizeof buf) return fail(L, loc, "the override is too long");
    char *eq = strchr(buf, '=');
    if (!eq) return bad_set_form(L, loc, text);
    *eq = '\0';
    int n = 0;
    for (char *p = scn_trim(buf); p && n < 4; n++) { /* split at every '.': "run..seed" has an empty part */
        parts[n] = p;
        p = strchr(p, '.');
        if (p) *p++ = '\0';
    }
    for (int j = 0; j < n; j++) parts[j] = scn_trim(parts[j]);
    if (n < 2 || n > 3 || !*parts[0] || !*parts[1] || !*parts[n - 1]) return bad_set_form(L, loc, text);
    int kind;
    if (check_kind_name(L, loc, parts[0], n == 3 ? parts[1] : "", n == 3, &kind)) return -1;
    const scn_kind *kd = &L->s->schema->kinds[kind];
    char label[2 * SCN_IDENT_MAX + 4];
    scn_sec_label(label, sizeof label, parts[0], n == 3 ? parts[1] : "");
    int key = find_key(kd, parts[n - 1]);
    if (key < 0) return unknown_key(L, loc, kd, label, parts[n - 1]);
    char *value = scn_trim(eq + 1);
    if (check_set_value(L, loc, value)) return -1;
    *t = (set_target){.kind = (uint32_t)kind, .key = (uint32_t)key};
    snprintf(t->name, sizeof t->name, "%s", n == 3 ? parts[1] : "");
    snprintf(t->value, sizeof t->value, "%s", value);
    for (size_t j = 0; j < i; j++)
        if (L->sets[j].kind == t->kind && L->sets[j].key == t->key && !strcmp(L->sets[j].name, t->name))
            return fail(L, loc, "%s %s is already set by --set:%zu", label, kd->keys[key].name, j + 1);
    return 0;
}

static int parse_sets(loader *L, const char *const *sets, size_t nsets)
{
    if (nsets > SCN_MAX_SETS) {
        io_errf(L->err, "--set:%d: too many overrides: at most %d (SCN_MAX_SETS)", SCN_MAX_SETS + 1, SCN_MAX_SETS);
        return L->status = SCN_EINPUT, -1;
    }
    for (size_t i = 0; i < nsets; i++, L->nsets++)
        if (parse_set(L, i, sets[i])) return -1;
    return 0;
}

static int apply_sets(loader *L)
{
    for (size_t i = 0; i < L->nsets; i++) {
        const set_target *t = &L->sets[i];
        scn_loc loc = {L->s->path, 0, (uint32_t)i + 1};
        int sec = find_section(L->s, t->kind, t->name);
        if (sec < 0) sec = add_section(L, loc, t->kind, t->name, (scn_origin){0, (uint32_t)i + 1});
        if (sec < 0) return -1;
        scn_slot *slot = &L->s->secs[sec].slots[t->key];
        slot->set = (uint32_t)i + 1;
        if (!slot->line) slot->order = ((uint64_t)1 << 32) + i + 1;
        if (write_slot(L, loc, &L->s->secs[sec], t->key, t->value)) return -1;
    }
    return 0;
}

/* ---- the INI pass -------------------------------------------------------------- */

static int open_section(loader *L)
{
    scn_loc loc = file_loc(L, L->line);
    char *close = strchr(L->raw, ']');
    if (!close) return fail(L, loc, "section header '%s' has no closing ']'", L->raw);
    const char *rest = close + 1;
    while (isspace((unsigned char)*rest)) rest++;
    if (*rest && *rest != ';') return fail(L, loc, "unexpected text '%s' after the section header", rest);
    char inner[SCN_LINE_MAX + 1], *words[3], *save = NULL;
    snprintf(inner, sizeof inner, "%.*s", (int)(close - L->raw - 1), L->raw + 1);
    int n = 0;
    for (char *w = strtok_r(inner, " \t", &save); w && n < 3; w = strtok_r(NULL, " \t", &save)) words[n++] = w;
    if (n == 0 || n > 2) return fail(L, loc, "section header '%.*s' must be [KIND] or [KIND NAME]",
                                     (int)(close - L->raw + 1), L->raw);
    int kind;
    if (check_kind_name(L, loc, words[0], n == 2 ? words[1] : "", n == 2, &kind)) return -1;
    int dup = find_section(L->s, (uint32_t)kind, n == 2 ? words[1] : "");
    if (dup >= 0) {
        char label[2 * SCN_IDENT_MAX + 4];
        scn_sec_label(label, sizeof label, words[0], n == 2 ? words[1] : "");
        return fail(L, loc, "duplicate section %s (first at line %u)", label, L->s->secs[dup].where.line);
    }
    L->cur = add_section(L, loc, (uint32_t)kind, n == 2 ? words[1] : "", (scn_origin){L->line, 0});
    return L->cur < 0 ? -1 : 0;
}

/* inih's reader: one whole line per call (see the file header). */
static char *reader(char *str, int num, void *stream)
{
    loader *L = stream;
    if (L->status != SCN_OK || L->pos >= L->len) return NULL;
    const char *p = L->buf + L->pos;
    const char *nl = memchr(p, '\n', L->len - L->pos);
    size_t n = nl ? (size_t)(nl - p) : L->len - L->pos;
    L->pos += n + (nl != NULL);
    L->line++;
    if (n > 0 && p[n - 1] == '\r') n--;
    if (L->line == 1 && n >= 3 && !memcmp(p, "\xEF\xBB\xBF", 3)) p += 3, n -= 3; /* UTF-8 BOM */
    if (n > SCN_LINE_MAX || n + 2 > (size_t)num) {
        fail(L, file_loc(L, L->line), "the line has %zu characters; at most %d are allowed (SCN_LINE_MAX)", n,
             SCN_LINE_MAX);
        return NULL;
    }
    while (n > 0 && (*p == ' ' || *p == '\t')) p++, n--;
    memcpy(L->raw, p, n);
    L->raw[n] = '\0';
    if (L->raw[0] == '[' && open_section(L)) return NULL;
    memcpy(str, L->raw, n);
    str[n] = '\n';
    str[n + 1] = '\0';
    return str;
}

static int handler(void *user, const char *section, const char *name, const char *value)
{
    loader *L = user;
    (void)section; /* ours is L->cur: inih's misses headers without keys */
    scn_loc loc = file_loc(L, L->line);
    if (L->status != SCN_OK) return 0;
    if (L->cur < 0) return fail(L, loc, "'%s' comes before any section header; put it under one, as in [run]", name), 0;
    if (L->raw[strcspn(L->raw, "=:")] == ':')
        return fail(L, loc, "expected 'key = value'; ':' is not a separator in scenario files"), 0;
    scn_sec *sec = &L->s->secs[L->cur];
    const scn_kind *kd = kind_of(L->s, sec);
    char label[2 * SCN_IDENT_MAX + 4];
    scn_sec_label(label, sizeof label, kd->name, sec->name);
    int key = find_key(kd, name);
    if (key < 0) return unknown_key(L, loc, kd, label, name), 0;
    scn_slot *slot = &sec->slots[key];
    if (slot->line) return fail(L, loc, "duplicate key '%s' in %s (first at line %u)", name, label, slot->line), 0;
    slot->line = slot->order = L->line;
    if (set_for(L, sec, (uint32_t)key)) return 1; /* replaced by a --set: never parsed */
    return write_slot(L, loc, sec, (uint32_t)key, value) == 0;
}

/* The text of line `n` (1-based) of the file, for inih's own syntax errors. */
static void line_text(const loader *L, uint32_t n, char *buf, size_t cap)
{
    const char *p = L->buf, *end = L->buf + L->len;
    for (uint32_t i = 1; i < n && p < end; i++) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        p = nl ? nl + 1 : end;
    }
    size_t len = 0; /* the file is not NUL-terminated: stay within it */
    while (p + len < end && p[len] != '\r' && p[len] != '\n') len++;
    while (len > 0 && (*p == ' ' || *p == '\t')) p++, len--;
    snprintf(buf, cap, "%.*s", (int)len, p);
}

static int parse_ini(loader *L)
{
    int ret = ini_parse_stream(reader, L, handler, L);
    if (ret == -2) {
        io_errf(L->err, "%s: out of memory", L->s->path);
        return L->status = SCN_EIO, -1;
    }
    if (ret > 0 && (L->status == SCN_OK || (uint32_t)ret < L->err_line)) {
        char text[SCN_LINE_MAX + 1];
        line_text(L, (uint32_t)ret, text, sizeof text);
        L->status = SCN_OK; /* an earlier line's error wins */
        return fail(L, file_loc(L, (uint32_t)ret),
                    "expected 'key = value', a [section] header or a comment, got '%s'", text);
    }
    return L->status == SCN_OK ? 0 : -1;
}

/* ---- whole-scenario checks ------------------------------------------------------ */

static scn_loc sec_loc(const loader *L, const scn_sec *sec)
{
    return (scn_loc){L->s->path, sec->where.line ? sec->where.line : 1, sec->where.set};
}

static int add_implicit_singletons(loader *L)
{
    const scn_schema *sc = L->s->schema;
    for (uint32_t k = 0; k < sc->nkinds; k++)
        if (!sc->kinds[k].named && find_section(L->s, k, "") < 0 &&
            add_section(L, file_loc(L, 1), k, "", (scn_origin){0, 0}) < 0)
            return -1;
    return 0;
}

static int check_required(loader *L)
{
    for (uint32_t i = 0; i < L->s->nsecs; i++) {
        const scn_sec *sec = &L->s->secs[i];
        const scn_kind *kd = kind_of(L->s, sec);
        for (size_t k = 0; k < kd->nkeys; k++) {
            if (kd->keys[k].def || sec->slots[k].nvalues) continue;
            char label[2 * SCN_IDENT_MAX + 4];
            scn_sec_label(label, sizeof label, kd->name, sec->name);
            if (!sec->where.line && !sec->where.set) /* a singleton the file leaves out */
                return fail(L, sec_loc(L, sec), "%s %s is required (it has no default): add a %s section with "
                            "'%s = ...'", label, kd->keys[k].name, label, kd->keys[k].name);
            return fail(L, sec_loc(L, sec), "%s %s is required (it has no default): add '%s = ...'", label,
                        kd->keys[k].name, kd->keys[k].name);
        }
    }
    return 0;
}

/* Swept slots in sweep order: by order (file line, then --set-only keys). */
static void collect_dims(scn_scenario *s)
{
    s->ndims = 0;
    for (uint32_t i = 0; i < s->nsecs; i++)
        for (size_t k = 0; k < kind_of(s, &s->secs[i])->nkeys; k++)
            if (s->secs[i].slots[k].swept && s->ndims < SCN_MAX_SWEEPS) /* write_slot enforced the limit */
                s->dims[s->ndims++] = (scn_dim){i, (uint32_t)k};
    for (uint32_t i = 1; i < s->ndims; i++) /* insertion sort: orders are unique, so it is total */
        for (uint32_t j = i; j > 0; j--) {
            const scn_dim a = s->dims[j - 1], b = s->dims[j];
            if (s->secs[a.sec].slots[a.key].order < s->secs[b.sec].slots[b.key].order) break;
            s->dims[j - 1] = b;
            s->dims[j] = a;
        }
}

/* The value of a designated singleton key (written or default). */
static const scn_value *designated_value(const scn_scenario *s, int kind, int key, const scn_sec **sec)
{
    int i = find_section(s, (uint32_t)kind, "");
    *sec = &s->secs[i];
    const scn_slot *slot = &s->secs[i].slots[key];
    return slot->nvalues ? &slot->values[0] : &s->defaults[kind][key];
}

static int count_runs(loader *L)
{
    scn_scenario *s = L->s;
    s->points = L->runs;
    s->repeats = 1;
    if (s->repeat_kind >= 0) {
        const scn_sec *sec;
        const scn_value *v = designated_value(s, s->repeat_kind, s->repeat_key, &sec);
        const scn_slot *slot = &sec->slots[s->repeat_key];
        scn_loc loc = slot->set || slot->line ? (scn_loc){s->path, slot->line, slot->set} : sec_loc(L, sec);
        const char *name = kind_of(s, sec)->keys[s->repeat_key].name;
        bool neg = v->type == SCN_INT && v->i < 1;
        uint64_t n = v->type == SCN_INT ? (uint64_t)v->i : v->u;
        if (neg || n < 1) return fail(L, loc, "[%s] %s must be at least 1, got %s", kind_of(s, sec)->name, name, v->text);
        if (n > SCN_MAX_RUNS / s->points)
            return fail(L, loc, "too many runs: %llu points x %s repeats; at most %d runs (SCN_MAX_RUNS)",
                        (unsigned long long)s->points, v->text, SCN_MAX_RUNS);
        s->repeats = n;
    }
    s->runs = s->points * s->repeats;
    if (s->seed_kind >= 0) {
        const scn_sec *sec;
        s->base_seed = designated_value(s, s->seed_kind, s->seed_key, &sec)->u;
    }
    return 0;
}

/* ---- entry points --------------------------------------------------------------- */

static int parse_defaults(loader *L)
{
    const scn_schema *sc = L->s->schema;
    char why[SCN_WHY_MAX];
    for (size_t k = 0; k < sc->nkinds; k++) {
        L->s->defaults[k] = calloc(sc->kinds[k].nkeys + 1, sizeof(scn_value));
        if (!L->s->defaults[k]) {
            io_errf(L->err, "%s: out of memory", L->s->path);
            return L->status = SCN_EIO, -1;
        }
        for (size_t i = 0; i < sc->kinds[k].nkeys; i++) /* checked by scn_schema_check */
            if (sc->kinds[k].keys[i].def)
                scn_parse_one(&sc->kinds[k].keys[i], sc->kinds[k].keys[i].def, &L->s->defaults[k][i], why, sizeof why);
    }
    return 0;
}

static void set_identity(scn_scenario *s, const char *path, const char *bytes, size_t len,
                         const char *const *sets, size_t nsets)
{
    snprintf(s->path, sizeof s->path, "%s", path);
    const char *base = strrchr(path, '/');
    snprintf(s->name, sizeof s->name, "%s", base ? base + 1 : path);
    size_t n = strlen(s->name);
    if (n > 4 && !strcmp(s->name + n - 4, ".ini")) s->name[n - 4] = '\0';
    s->hash = io_fnv1a64(bytes, len, IO_FNV_INIT);
    for (size_t i = 0; i < nsets; i++) s->hash = io_fnv1a64(sets[i], strlen(sets[i]) + 1, s->hash);
}

static int check_bytes(loader *L)
{
    if (L->len > SCN_MAX_FILE_BYTES)
        return fail(L, file_loc(L, 1), "the file has %zu bytes; at most %u (SCN_MAX_FILE_BYTES)", L->len,
                    SCN_MAX_FILE_BYTES);
    const char *nul = memchr(L->buf, '\0', L->len);
    if (!nul) return 0;
    uint32_t line = 1;
    for (const char *p = L->buf; p < nul; p++) line += *p == '\n';
    return fail(L, file_loc(L, line), "the line contains a NUL byte; scenario files are text");
}

scn_status scn_load_mem(const scn_schema *schema, const char *path, const char *bytes, size_t len,
                        const char *const *sets, size_t nsets, scn_scenario **out, io_err *err)
{
    *out = NULL;
    scn_status st = scn_schema_check(schema, err);
    if (st) return st;
    if (!bytes) bytes = "", len = 0;
    loader *L = calloc(1, sizeof *L);
    scn_scenario *s = calloc(1, sizeof *s);
    if (!L || !s) {
        free(L), free(s);
        io_errf(err, "%s: out of memory", path);
        return SCN_EIO;
    }
    *L = (loader){.s = s, .err = err, .buf = bytes, .len = len, .cur = -1, .runs = 1};
    s->schema = schema;
    set_identity(s, path, bytes, len, sets, nsets);
    designated(schema, schema->repeat_key, &s->repeat_kind, &s->repeat_key);
    designated(schema, schema->seed_key, &s->seed_kind, &s->seed_key);
    if (!parse_defaults(L) && !check_bytes(L) && !parse_sets(L, sets, nsets) && !parse_ini(L) && !apply_sets(L) &&
        !add_implicit_singletons(L) && !check_required(L)) {
        collect_dims(s);
        count_runs(L);
    }
    st = L->status;
    free(L);
    if (st) {
        scn_free(s);
        return st;
    }
    *out = s;
    return SCN_OK;
}

scn_status scn_load(const scn_schema *schema, const char *path, const char *const *sets, size_t nsets,
                    scn_scenario **out, io_err *err)
{
    *out = NULL;
    FILE *f = fopen(path, "rb");
    if (!f) {
        io_errf(err, "%s: cannot read: %s", path, strerror(errno));
        return SCN_EIO;
    }
    /* One byte more than the limit, so an oversized file is reported as such. */
    char *buf = malloc(SCN_MAX_FILE_BYTES + 1);
    size_t len = buf ? fread(buf, 1, SCN_MAX_FILE_BYTES + 1, f) : 0;
    bool bad = !buf || ferror(f);
    int saved = errno;
    fclose(f);
    if (bad) {
        io_errf(err, "%s: cannot read: %s", path, buf ? strerror(saved) : "out of memory");
        free(buf);
        return SCN_EIO;
    }
    scn_status st = scn_load_mem(schema, path, buf, len, sets, nsets, out, err);
    free(buf);
    return st;
}

void scn_free(scn_scenario *s)
{
    if (!s) return;
    for (uint32_t i = 0; i < s->nsecs; i++) {
        for (size_t k = 0; k < kind_of(s, &s->secs[i])->nkeys; k++) free(s->secs[i].slots[k].values);
        free(s->secs[i].slots);
    }
    for (size_t k = 0; k < SCN_MAX_KINDS; k++) free(s->defaults[k]);
    free(s);
}
