/* cases.c -- the known consensus cases: the index of a case directory, the
 * lookup by id or name, and the run (cases.h: the runner). The definitions
 * and the generator are sim/cases_gen.c.
 */
#include "taosim/cases.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "taosim/chain.h"
#include "taosim/replay.h"

/* ---- the header of a case file -------------------------------------------- */

static void trim_end(char *s)
{
    size_t n = strlen(s);
    while (n && (s[n - 1] == '\n' || s[n - 1] == '\r' || s[n - 1] == ' ')) s[--n] = '\0';
}

static int copy_text(char *dst, size_t cap, const char *src)
{
    size_t n = strlen(src);
    if (n == 0 || n >= cap) return -1;
    memcpy(dst, src, n + 1);
    return 0;
}

/* "TAG UID LABEL" of a validator: or server: line. */
static int parse_role(const char *v, cases_role *r)
{
    char tag[16];
    unsigned uid;
    int used = 0;
    if (sscanf(v, "%15s %u %n", tag, &uid, &used) < 2 || used == 0 || uid > UINT16_MAX) return -1;
    if (copy_text(r->tag, sizeof r->tag, tag) != 0 || copy_text(r->label, sizeof r->label, v + used) != 0) return -1;
    for (const char *p = r->tag; *p; p++)
        if (!isalnum((unsigned char)*p)) return -1;
    r->uid = (uint16_t)uid;
    return 0;
}

/* "ID NAME" of an alias: line. */
static int parse_alias(const char *v, cases_alias *a)
{
    const char *sp = strchr(v, ' ');
    if (!sp || (size_t)(sp - v) >= sizeof a->id || sp == v) return -1;
    memcpy(a->id, v, (size_t)(sp - v));
    a->id[sp - v] = '\0';
    return copy_text(a->name, sizeof a->name, sp + 1);
}

static int valid_id(const char *id)
{
    if (!*id) return 0;
    for (const char *p = id; *p; p++)
        if (!isalnum((unsigned char)*p)) return 0;
    return 1;
}

/* One "# key: value" line; 0 ok (known or prose), -1 malformed (why). */
static int header_line(cases_info *ci, const char *key, const char *v, const char **why)
{
    if (strcmp(key, "case") == 0) {
        if (copy_text(ci->id, sizeof ci->id, v) != 0 || !valid_id(ci->id)) return *why = "case: expected an id of "
                                                                                          "letters and digits", -1;
    } else if (strcmp(key, "name") == 0) {
        if (copy_text(ci->name, sizeof ci->name, v) != 0) return *why = "name: empty or too long", -1;
    } else if (strcmp(key, "alias") == 0) {
        if (ci->nalias == CASES_MAX_ALIASES) return *why = "alias: too many aliases", -1;
        if (parse_alias(v, &ci->alias[ci->nalias]) != 0 || !valid_id(ci->alias[ci->nalias].id))
            return *why = "alias: expected 'ID NAME'", -1;
        ci->nalias++;
    } else if (strcmp(key, "validator") == 0 || strcmp(key, "server") == 0) {
        const bool val = key[0] == 'v';
        uint32_t *n = val ? &ci->nval : &ci->nsrv;
        if (*n == CASES_MAX_ROLES) return *why = "too many validator: or server: lines", -1;
        if (parse_role(v, val ? &ci->val[*n] : &ci->srv[*n]) != 0)
            return *why = val ? "validator: expected 'TAG UID LABEL'" : "server: expected 'TAG UID LABEL'", -1;
        (*n)++;
    } else if (strcmp(key, "setup epochs") == 0) {
        char *end;
        errno = 0;
        unsigned long k = strtoul(v, &end, 10);
        if (errno || *end || end == v || k > 1000) return *why = "setup epochs: expected a count", -1;
        ci->setup_epochs = (uint32_t)k;
    }
    return 0;
}

cases_status cases_read_info(const char *path, cases_info *ci, io_err *err)
{
    memset(ci, 0, sizeof *ci);
    if (strlen(path) >= sizeof ci->path) {
        io_errf(err, "%s: path too long", path);
        return CASES_EINPUT;
    }
    strcpy(ci->path, path);
    FILE *f = fopen(path, "r");
    if (!f) {
        io_errf(err, "%s: cannot read: %s", path, strerror(errno));
        return CASES_EINPUT;
    }
    char line[1024];
    size_t ln = 0;
    cases_status st = CASES_OK;
    while (fgets(line, sizeof line, f)) {
        ln++;
        if (line[0] != '#') break; /* the header lines come before the CSV header */
        trim_end(line);
        const char *p = line + 1;
        while (*p == ' ') p++;
        const char *colon = strstr(p, ": ");
        if (!colon || colon == p || (size_t)(colon - p) >= 32) continue; /* prose */
        char key[32];
        memcpy(key, p, (size_t)(colon - p));
        key[colon - p] = '\0';
        const char *why = NULL;
        if (header_line(ci, key, colon + 2, &why) != 0) {
            io_errf(err, "%s:%zu: %s", path, ln, why);
            st = CASES_EINPUT;
            break;
        }
    }
    fclose(f);
    if (st != CASES_OK) return st;
    const char *missing = !ci->id[0] ? "case" : !ci->name[0] ? "name" : !ci->nval ? "validator" : !ci->nsrv ? "server"
                                                                                                           : NULL;
    if (missing) {
        io_errf(err, "%s: missing the '# %s: ...' header line of a case file", path, missing);
        return CASES_EINPUT;
    }
    return CASES_OK;
}

static int by_name(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static bool is_case_file(const char *n)
{
    size_t len = strlen(n);
    return len > 9 && strncmp(n, "case-", 5) == 0 && strcmp(n + len - 4, ".csv") == 0;
}

/* Every id (and alias id) of the index so far, case-insensitively. */
static bool id_taken(const cases_index *ix, const char *id)
{
    for (uint32_t k = 0; k < ix->n; k++) {
        if (strcasecmp(ix->c[k].id, id) == 0) return true;
        for (uint32_t a = 0; a < ix->c[k].nalias; a++)
            if (strcasecmp(ix->c[k].alias[a].id, id) == 0) return true;
    }
    return false;
}

cases_status cases_load(const char *dir, cases_index *ix, io_err *err)
{
    ix->n = 0;
    DIR *d = opendir(dir);
    if (!d) {
        io_errf(err, "%s: cannot read the case directory: %s", dir, strerror(errno));
        return CASES_EINPUT;
    }
    char *names[CASES_MAX];
    size_t nn = 0;
    cases_status st = CASES_OK;
    struct dirent *e;
    while ((e = readdir(d))) {
        if (!is_case_file(e->d_name)) continue;
        if (nn == CASES_MAX) {
            io_errf(err, "%s: more than %d case files", dir, CASES_MAX);
            st = CASES_EINPUT;
            break;
        }
        if (!(names[nn] = strdup(e->d_name))) {
            io_errf(err, "out of memory");
            st = CASES_EFAIL;
            break;
        }
        nn++;
    }
    closedir(d);
    qsort(names, nn, sizeof names[0], by_name); /* never readdir order */
    for (size_t i = 0; i < nn && st == CASES_OK; i++) {
        char path[1024];
        snprintf(path, sizeof path, "%s/%s", dir, names[i]);
        cases_info *ci = &ix->c[ix->n];
        st = cases_read_info(path, ci, err);
        if (st != CASES_OK) break;
        bool dup = id_taken(ix, ci->id);
        for (uint32_t a = 0; a < ci->nalias && !dup; a++) dup = id_taken(ix, ci->alias[a].id);
        if (dup) {
            io_errf(err, "%s: case id '%s' (or one of its aliases) is taken by another case file", path, ci->id);
            st = CASES_EINPUT;
            break;
        }
        ix->n++;
    }
    for (size_t i = 0; i < nn; i++) free(names[i]);
    if (st == CASES_OK && ix->n == 0) {
        io_errf(err, "%s: no case-*.csv files", dir);
        st = CASES_EINPUT;
    }
    return st;
}

/* ---- lookup ----------------------------------------------------------------- */

/* An id as the user typed it: case-insensitive, leading zeros of a number
 * ignored ("08" = "8"). */
static bool id_is(const char *q, const char *id)
{
    while (q[0] == '0' && isdigit((unsigned char)q[1])) q++;
    return strcasecmp(q, id) == 0;
}

static bool matches_id(const cases_info *ci, const char *q)
{
    if (strncasecmp(q, "case ", 5) == 0) q += 5;
    if (id_is(q, ci->id)) return true;
    for (uint32_t a = 0; a < ci->nalias; a++)
        if (id_is(q, ci->alias[a].id)) return true;
    return false;
}

static const char EN_DASH[] = "\xe2\x80\x93";

/* q is a prefix of name: case-insensitive, '-' also matches an en dash; a
 * prefix ending in a digit does not stop inside a number. */
static bool name_prefix(const char *q, const char *name)
{
    if (!*q) return false;
    char last = 0;
    while (*q) {
        if (*q == '-' && strncmp(name, EN_DASH, 3) == 0) {
            name += 3;
        } else if (strncmp(q, EN_DASH, 3) == 0 && strncmp(name, EN_DASH, 3) == 0) {
            q += 2;
            name += 3;
        } else if (*name && tolower((unsigned char)*q) == tolower((unsigned char)*name)) {
            name++;
        } else {
            return false;
        }
        last = *q++;
    }
    return !(isdigit((unsigned char)last) && isdigit((unsigned char)*name));
}

static bool matches_name(const cases_info *ci, const char *q)
{
    if (name_prefix(q, ci->name)) return true;
    for (uint32_t a = 0; a < ci->nalias; a++)
        if (name_prefix(q, ci->alias[a].name)) return true;
    return false;
}

/* "id 'name', ..." of the cases whose flag is set (all: pick NULL), into buf. */
static void list_cases(const cases_index *ix, const bool *pick, char *buf, size_t n)
{
    size_t len = 0;
    buf[0] = '\0';
    for (uint32_t k = 0; k < ix->n && len < n; k++) {
        if (pick && !pick[k]) continue;
        int w = snprintf(buf + len, n - len, "%s%s '%s'", len ? ", " : "", ix->c[k].id, ix->c[k].name);
        if (w < 0) break;
        len += (size_t)w;
        for (uint32_t a = 0; a < ix->c[k].nalias && len < n; a++) {
            w = snprintf(buf + len, n - len, ", %s '%s'", ix->c[k].alias[a].id, ix->c[k].alias[a].name);
            if (w < 0) break;
            len += (size_t)w;
        }
    }
}

int cases_find(const cases_index *ix, const char *query, io_err *err)
{
    for (uint32_t k = 0; k < ix->n; k++)
        if (matches_id(&ix->c[k], query)) return (int)k;
    bool pick[CASES_MAX] = {false};
    int found = -1, count = 0;
    for (uint32_t k = 0; k < ix->n; k++)
        if ((pick[k] = matches_name(&ix->c[k], query))) {
            found = (int)k;
            count++;
        }
    if (count == 1) return found;
    if (!count) {
        io_errf(err, "no case '%.60s'", query);
        return -1;
    }
    char list[sizeof err->msg - 100];
    list_cases(ix, pick, list, sizeof list);
    io_errf(err, "'%.60s' matches %d cases: %s; give its id", query, count, list);
    return -2;
}

void cases_names(const cases_index *ix, char *buf, size_t n)
{
    if (n) list_cases(ix, NULL, buf, n);
}

void cases_slug(const cases_info *ci, char *buf, size_t n)
{
    bool num = true;
    for (const char *p = ci->id; *p; p++) num &= isdigit((unsigned char)*p) != 0;
    if (num && strlen(ci->id) < 2)
        snprintf(buf, n, "0%s", ci->id);
    else
        snprintf(buf, n, "%s", ci->id);
}

/* ---- the table -------------------------------------------------------------- */

static void append(char *buf, size_t n, size_t *len, const char *fmt, const char *a, const char *b)
{
    if (*len >= n) return;
    int w = snprintf(buf + *len, n - *len, fmt, a, b);
    if (w > 0) *len += (size_t)w;
}

void cases_table_header(const cases_info *ci, char *buf, size_t n)
{
    size_t len = 0;
    buf[0] = '\0';
    append(buf, n, &len, "epoch,block%s%s", "", "");
    for (uint32_t v = 0; v < ci->nval; v++) append(buf, n, &len, ",stake_%s%s", ci->val[v].tag, "");
    for (uint32_t v = 0; v < ci->nval; v++)
        for (uint32_t j = 0; j < ci->nsrv; j++) append(buf, n, &len, ",w_%s_%s", ci->val[v].tag, ci->srv[j].tag);
    for (uint32_t j = 0; j < ci->nsrv; j++) append(buf, n, &len, ",inc_%s%s", ci->srv[j].tag, "");
    for (uint32_t v = 0; v < ci->nval; v++) append(buf, n, &len, ",div_%s%s", ci->val[v].tag, "");
    for (uint32_t v = 0; v < ci->nval; v++) append(buf, n, &len, ",em_%s%s", ci->val[v].tag, "");
    for (uint32_t v = 0; v < ci->nval; v++) append(buf, n, &len, ",dpk_%s%s", ci->val[v].tag, "");
    for (uint32_t v = 0; v < ci->nval; v++)
        for (uint32_t j = 0; j < ci->nsrv; j++) append(buf, n, &len, ",bond_%s_%s", ci->val[v].tag, ci->srv[j].tag);
}

typedef struct run_ctx {
    const cases_info *ci;
    FILE *table;
    uint32_t seen;   /* epochs observed, setup ones included */
    size_t written;  /* case epochs */
    bool bad_uid;    /* a role's uid is not on the subnet */
    int netuid;      /* the case's subnet (its first epoch's); -1 before */
    bool two_subnets; /* an epoch of another subnet: case files have one */
} run_ctx;

static uint16_t row_value(const chain_row *r, uint16_t col)
{
    for (uint32_t k = 0; k < r->len; k++)
        if (r->ent[k].col == col) return r->ent[k].val;
    return 0;
}

static void table_row(void *ctx, const chain *c, const chain_subnet *s)
{
    run_ctx *x = ctx;
    const cases_info *ci = x->ci;
    if (x->netuid < 0) x->netuid = s->netuid;
    if (s->netuid != x->netuid) {
        x->two_subnets = true;
        return;
    }
    if (x->seen++ < ci->setup_epochs) return;
    for (uint32_t v = 0; v < ci->nval; v++) x->bad_uid |= ci->val[v].uid >= s->n;
    for (uint32_t j = 0; j < ci->nsrv; j++) x->bad_uid |= ci->srv[j].uid >= s->n;
    if (x->bad_uid) return;
    FILE *f = x->table;
    fprintf(f, "%zu,%llu", x->written++, (unsigned long long)chain_block(c));
    for (uint32_t v = 0; v < ci->nval; v++) fprintf(f, ",%llu", (unsigned long long)s->epoch_stake[ci->val[v].uid]);
    for (uint32_t v = 0; v < ci->nval; v++) {
        const chain_row *w = &s->weights[ci->val[v].uid];
        uint64_t sum = 0;
        for (uint32_t k = 0; k < w->len; k++) sum += w->ent[k].val;
        for (uint32_t j = 0; j < ci->nsrv; j++)
            fprintf(f, ",%.6f", sum ? (double)row_value(w, ci->srv[j].uid) / (double)sum : 0.0);
    }
    for (uint32_t j = 0; j < ci->nsrv; j++) fprintf(f, ",%u", s->incentive[ci->srv[j].uid]);
    for (uint32_t v = 0; v < ci->nval; v++) fprintf(f, ",%u", s->dividends[ci->val[v].uid]);
    for (uint32_t v = 0; v < ci->nval; v++)
        fprintf(f, ",%llu", (unsigned long long)s->validator_emission[ci->val[v].uid]);
    for (uint32_t v = 0; v < ci->nval; v++) {
        const uint16_t u = ci->val[v].uid;
        const uint64_t st = s->epoch_stake[u];
        fprintf(f, ",%.9f", st ? (double)s->validator_emission[u] * 1000.0 / (double)st : 0.0);
    }
    for (uint32_t v = 0; v < ci->nval; v++)
        for (uint32_t j = 0; j < ci->nsrv; j++)
            fprintf(f, ",%u", row_value(&s->bonds[ci->val[v].uid], ci->srv[j].uid));
    fputc('\n', f);
}

static const char *variant_name(int yuma)
{
    return yuma == 3 ? "Yuma 3 (subtensor v3.2.7)" : "Yuma of subtensor v1.2.4";
}

cases_status cases_run(const cases_info *ci, int yuma, const char *command, io_outdir *od, cases_result *res,
                       io_err *err)
{
    if (yuma != 2 && yuma != 3) {
        io_errf(err, "Yuma variant %d: expected 2 or 3", yuma);
        return CASES_EINPUT;
    }
    uint64_t hash;
    if (io_hash_file(ci->path, &hash, err) != 0) return CASES_EINPUT;
    replay_out out = {NULL, NULL, NULL, NULL, NULL, NULL};
    FILE **slot[3] = {&out.epochs, &out.bonds, &out.rejected};
    static const char *const names[3] = {"epochs.csv", "bonds.csv", "rejected.csv"};
    for (int k = 0; k < 3; k++) {
        if (!(*slot[k] = io_outdir_file(od, names[k], err))) return CASES_EFAIL;
        io_provenance(*slot[k], command, ci->path, hash, 0);
    }
    replay_write_headers(&out);
    FILE *t = io_outdir_file(od, "case.csv", err);
    if (!t) return CASES_EFAIL;
    io_provenance(t, command, ci->path, hash, 0);
    fprintf(t, "# case: %s\n# name: %s\n# yuma: %d %s\n", ci->id, ci->name, yuma, variant_name(yuma));
    for (uint32_t v = 0; v < ci->nval; v++)
        fprintf(t, "# validator: %s %u %s\n", ci->val[v].tag, ci->val[v].uid, ci->val[v].label);
    for (uint32_t j = 0; j < ci->nsrv; j++)
        fprintf(t, "# server: %s %u %s\n", ci->srv[j].tag, ci->srv[j].uid, ci->srv[j].label);
    char header[4096];
    cases_table_header(ci, header, sizeof header);
    fprintf(t, "%s\n", header);

    run_ctx x = {ci, t, 0, 0, false, -1, false};
    replay_opts opts = {yuma, table_row, &x};
    replay_stats stats;
    replay_status st = replay_file_opts(ci->path, &opts, &out, &stats, err);
    if (st != REPLAY_OK) return st == REPLAY_EINPUT ? CASES_EINPUT : CASES_EFAIL;
    if (x.two_subnets) {
        io_errf(err, "%s: epochs of more than one subnet: a case file describes one subnet", ci->path);
        return CASES_EINPUT;
    }
    if (x.bad_uid) {
        io_errf(err, "%s: a validator: or server: uid is not registered on the subnet at its epochs", ci->path);
        return CASES_EINPUT;
    }
    if (res) {
        res->epochs = x.written;
        res->rejected = stats.rejected;
    }
    return CASES_OK;
}
