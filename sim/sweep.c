/* sweep.c -- run directories, finished runs, and sweep.csv (see sweep.h).
 *
 * A summary.csv is read back with libcsv: the '#' provenance lines first
 * (the "# input: NAME fnv1a64=HEX seed=SEED" line gives the scenario hash
 * and the run's seed), then exactly two records, the header and the row. */
#include "taosim/sweep.h"

#include <csv.h>
#include <dirent.h>
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "taosim/trace.h"

int sweep_run_dir(const char *base, uint64_t run, uint64_t runs, char *buf, size_t cap)
{
    int n = runs > 1 ? snprintf(buf, cap, "%s/run-%04" PRIu64, base, run) : snprintf(buf, cap, "%s", base);
    return n < 0 || (size_t)n >= cap ? -1 : 0;
}

/* ---- one summary.csv ------------------------------------------------------------------------------ */

typedef struct summ {
    bool prov;       /* an "# input:" line was read */
    uint64_t hash, seed;
    size_t nrec;     /* complete records */
    size_t n[2], cap[2];
    char **f[2];     /* [0] the header, [1] the row */
    bool over, oom;  /* a third record; out of memory */
} summ;

static void summ_free(summ *m)
{
    for (int r = 0; r < 2; r++) {
        for (size_t i = 0; i < m->n[r]; i++) free(m->f[r][i]);
        free(m->f[r]);
    }
    memset(m, 0, sizeof *m);
}

static void on_field(void *s, size_t len, void *data)
{
    summ *m = data;
    if (m->nrec >= 2) {
        m->over = true;
        return;
    }
    size_t r = m->nrec;
    if (m->n[r] == m->cap[r]) {
        size_t cap = m->cap[r] ? 2 * m->cap[r] : 32;
        char **f = realloc(m->f[r], cap * sizeof *f);
        if (!f) {
            m->oom = true;
            return;
        }
        m->f[r] = f;
        m->cap[r] = cap;
    }
    char *t = malloc(len + 1);
    if (!t) {
        m->oom = true;
        return;
    }
    memcpy(t, s, len);
    t[len] = '\0';
    m->f[r][m->n[r]++] = t;
}

static void on_row(int c, void *data)
{
    (void)c;
    summ *m = data;
    m->nrec++;
}

static bool parse_hex64(const char *s, const char **end, uint64_t *v)
{
    uint64_t x = 0;
    int k = 0;
    for (; k < 16; k++) {
        int d = s[k] >= '0' && s[k] <= '9' ? s[k] - '0' : s[k] >= 'a' && s[k] <= 'f' ? s[k] - 'a' + 10 : -1;
        if (d < 0) break;
        x = x << 4 | (uint64_t)d;
    }
    *v = x;
    *end = s + k;
    return k == 16;
}

static bool parse_dec64(const char *s, const char **end, uint64_t *v)
{
    uint64_t x = 0;
    const char *p = s;
    for (; *p >= '0' && *p <= '9'; p++) {
        unsigned d = (unsigned)(*p - '0');
        if (x > (UINT64_MAX - d) / 10) return false;
        x = x * 10 + d;
    }
    *v = x;
    *end = p;
    return p > s;
}

/* "# input: NAME fnv1a64=HEX seed=SEED" (NAME may hold blanks: the last
 * " fnv1a64=" counts). */
static void read_input_line(summ *m, const char *line, size_t len)
{
    static const char tag[] = "# input: ", key[] = " fnv1a64=", seed[] = " seed=";
    if (len < sizeof tag - 1 || memcmp(line, tag, sizeof tag - 1) != 0) return;
    const char *at = NULL;
    for (const char *p = line; (p = strstr(p, key)) && p < line + len; p++) at = p;
    const char *q;
    uint64_t h, sd;
    if (!at || !parse_hex64(at + sizeof key - 1, &q, &h) || strncmp(q, seed, sizeof seed - 1) != 0 ||
        !parse_dec64(q + sizeof seed - 1, &q, &sd) || q != line + len)
        return;
    m->prov = true;
    m->hash = h;
    m->seed = sd;
}

/* Read path into *m. 0, or -1 with *err (unreadable, not CSV, out of memory). */
static int summ_read(const char *path, summ *m, io_err *err)
{
    memset(m, 0, sizeof *m);
    FILE *f = fopen(path, "rb");
    if (!f) {
        io_errf(err, "%s: cannot read: %s", path, strerror(errno));
        return -1;
    }
    struct csv_parser p;
    if (csv_init(&p, CSV_STRICT | CSV_STRICT_FINI | CSV_APPEND_NULL) != 0) {
        fclose(f);
        io_errf(err, "out of memory");
        return -1;
    }
    char *line = NULL;
    size_t cap = 0;
    ssize_t len;
    bool head = true, bad = false;
    while (!bad && (len = getline(&line, &cap, f)) > 0) {
        if (head && line[0] == '#') {
            size_t l = (size_t)len;
            while (l > 0 && (line[l - 1] == '\n' || line[l - 1] == '\r')) l--;
            read_input_line(m, line, l);
            continue;
        }
        head = false;
        bad = csv_parse(&p, line, (size_t)len, on_field, on_row, m) != (size_t)len;
    }
    if (!bad) bad = csv_fini(&p, on_field, on_row, m) != 0;
    bad |= ferror(f) != 0;
    free(line);
    csv_free(&p);
    fclose(f);
    if (m->oom) {
        summ_free(m);
        io_errf(err, "out of memory");
        return -1;
    }
    if (bad) {
        summ_free(m);
        io_errf(err, "%s: cannot read: not a well-formed CSV file", path);
        return -1;
    }
    return 0;
}

/* Whether *m is the summary of run `run` (seed `seed`) of the scenario `hash`. */
static bool summ_is_run(const summ *m, uint64_t run, uint64_t hash, uint64_t seed)
{
    char r[24], s[24];
    snprintf(r, sizeof r, "%" PRIu64, run);
    snprintf(s, sizeof s, "%" PRIu64, seed);
    return m->prov && m->hash == hash && m->seed == seed && m->nrec == 2 && !m->over && m->n[0] >= 2 &&
           m->n[1] == m->n[0] && !strcmp(m->f[0][0], "run") && !strcmp(m->f[0][1], "seed") &&
           !strcmp(m->f[1][0], r) && !strcmp(m->f[1][1], s);
}

static bool is_temporary(const char *name)
{
    size_t n = strlen(name);
    return n > 5 && name[0] == '.' && !strcmp(name + n - 4, ".tmp");
}

/* Whether dir holds a temporary of io_outdir (or cannot be read). */
static bool has_temporaries(const char *dir)
{
    DIR *d = opendir(dir);
    if (!d) return true;
    bool found = false;
    struct dirent *e;
    while (!found && (e = readdir(d))) found = is_temporary(e->d_name);
    closedir(d);
    return found;
}

bool sweep_run_complete(const char *dir, uint64_t run, uint64_t hash, uint64_t seed)
{
    char path[1200];
    io_err err;
    summ m;
    if (snprintf(path, sizeof path, "%s/%s", dir, SWEEP_SUMMARY) >= (int)sizeof path) return false;
    if (has_temporaries(dir) || summ_read(path, &m, &err)) return false;
    bool ok = summ_is_run(&m, run, hash, seed);
    summ_free(&m);
    return ok;
}

int sweep_discard_partial(const char *dir, bool remove_dir, io_err *err)
{
    DIR *d = opendir(dir);
    if (!d) {
        if (errno == ENOENT || errno == ENOTDIR) return 0;
        io_errf(err, "%s: cannot read: %s", dir, strerror(errno));
        return -1;
    }
    int rc = 0, found = 0;
    struct dirent *e;
    char path[1400];
    while ((e = readdir(d))) {
        if (!is_temporary(e->d_name)) continue;
        found++;
        snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
        if (unlink(path) != 0 && errno != ENOENT && rc == 0) {
            io_errf(err, "%s: cannot remove: %s", path, strerror(errno));
            rc = -1;
        }
    }
    closedir(d);
    /* a commit cut short may have renamed summary.csv before the others:
     * without it the directory reads as unfinished, as it is */
    snprintf(path, sizeof path, "%s/%s", dir, SWEEP_SUMMARY);
    if (rc == 0 && found && unlink(path) != 0 && errno != ENOENT) {
        io_errf(err, "%s: cannot remove: %s", path, strerror(errno));
        rc = -1;
    }
    if (rc == 0 && remove_dir) (void)rmdir(dir); /* only when empty: kept otherwise */
    return rc;
}

/* ---- sweep.csv ------------------------------------------------------------------------------------ */

/* "kind.name.key" / "kind.key" of sweep i of c. */
static void swept_name(const scn_config *c, size_t i, char *buf, size_t cap)
{
    const scn_section *sec = &c->sections[c->swept[i].section];
    snprintf(buf, cap, "%s%s%s.%s", sec->kind->name, *sec->name ? "." : "", sec->name,
             sec->kind->keys[c->swept[i].key].name);
}

static char *sweep_header(const scn_config *c, const summ *m)
{
    size_t len = sizeof "run,seed";
    char name[3 * SCN_IDENT_MAX + 4];
    for (size_t i = 0; i < c->nswept; i++) len += sizeof name + 1;
    for (size_t i = 2; i < m->n[0]; i++) len += strlen(m->f[0][i]) + 1;
    char *h = malloc(len);
    if (!h) return NULL;
    size_t at = (size_t)snprintf(h, len, "run,seed");
    for (size_t i = 0; i < c->nswept; i++) {
        swept_name(c, i, name, sizeof name);
        at += (size_t)snprintf(h + at, len - at, ",%s", name);
    }
    for (size_t i = 2; i < m->n[0]; i++) at += (size_t)snprintf(h + at, len - at, ",%s", m->f[0][i]);
    return h;
}

static bool same_header(const summ *a, const summ *b)
{
    if (a->n[0] != b->n[0]) return false;
    for (size_t i = 0; i < a->n[0]; i++)
        if (strcmp(a->f[0][i], b->f[0][i])) return false;
    return true;
}

/* Read and check the summary of run r; resolve its configuration. */
static int load_run(const scn_scenario *s, const char *base, uint64_t r, const summ *first, summ *m,
                    scn_config **c, io_err *err)
{
    char dir[1100], path[1200];
    if (sweep_run_dir(base, r, scn_runs_count(s), dir, sizeof dir)) {
        io_errf(err, "%s: output directory name too long", base);
        return -1;
    }
    snprintf(path, sizeof path, "%s/%s", dir, SWEEP_SUMMARY);
    if (summ_read(path, m, err)) return -1;
    uint64_t seed = scn_run_seed(s, r);
    if (!summ_is_run(m, r, scn_hash(s), seed)) {
        io_errf(err, "%s: not the summary of run %" PRIu64 " (seed %" PRIu64 ") of %s (fnv1a64=%016" PRIx64
                     "); expected that run's own file (rerun it)",
                path, r, seed, scn_path(s), scn_hash(s));
        summ_free(m);
        return -1;
    }
    if (first && !same_header(first, m)) {
        io_errf(err, "%s: its columns differ from those of run %s's summary; expected one build's outputs",
                path, first->f[1][0]);
        summ_free(m);
        return -1;
    }
    if (scn_resolve(s, r, c, err) != SCN_OK) {
        summ_free(m);
        return -1;
    }
    return 0;
}

static void write_row(trace_table *t, const scn_config *c, const summ *m)
{
    trace_u64(t, c->run);
    trace_u64(t, c->seed);
    for (size_t i = 0; i < c->nswept; i++)
        trace_text(t, c->sections[c->swept[i].section].values[c->swept[i].key].text);
    for (size_t i = 2; i < m->n[1]; i++) trace_text(t, m->f[1][i]);
    trace_end(t);
}

/* points.csv: the mean and standard deviation over the repeats of every
 * summary column, one row per parameter point (the selected runs are in
 * ascending order, so a point's runs are contiguous). Reporting only:
 * doubles, %.9g. Empty fields (undefined ratios) are left out of a column's
 * count. */
typedef struct point_acc {
    uint64_t point, runs;
    const scn_config *c; /* its first run's configuration (the swept values) */
    size_t ncols;
    double *sum, *sq;
    uint64_t *cnt;
} point_acc;

static char *points_header(const scn_config *c, const summ *m)
{
    size_t len = sizeof "point,runs";
    char name[3 * SCN_IDENT_MAX + 4];
    for (size_t i = 0; i < c->nswept; i++) len += sizeof name + 1;
    for (size_t i = 2; i < m->n[0]; i++) len += 2 * strlen(m->f[0][i]) + sizeof ",.mean,.sd";
    char *h = malloc(len);
    if (!h) return NULL;
    size_t at = (size_t)snprintf(h, len, "point");
    for (size_t i = 0; i < c->nswept; i++) {
        swept_name(c, i, name, sizeof name);
        at += (size_t)snprintf(h + at, len - at, ",%s", name);
    }
    at += (size_t)snprintf(h + at, len - at, ",runs");
    for (size_t i = 2; i < m->n[0]; i++)
        at += (size_t)snprintf(h + at, len - at, ",%s.mean,%s.sd", m->f[0][i], m->f[0][i]);
    return h;
}

static void point_flush(trace_table *t, point_acc *a)
{
    if (!a->runs) return;
    trace_u64(t, a->point);
    for (size_t i = 0; i < a->c->nswept; i++)
        trace_text(t, a->c->sections[a->c->swept[i].section].values[a->c->swept[i].key].text);
    trace_u64(t, a->runs);
    for (size_t k = 0; k < a->ncols; k++) {
        if (!a->cnt[k]) {
            trace_empty(t);
            trace_empty(t);
            continue;
        }
        double mean = a->sum[k] / (double)a->cnt[k];
        double var = a->cnt[k] > 1 ? (a->sq[k] - a->sum[k] * mean) / (double)(a->cnt[k] - 1) : 0;
        trace_ratio(t, mean);
        trace_ratio(t, var > 0 ? sqrt(var) : 0);
    }
    trace_end(t);
    memset(a->sum, 0, a->ncols * sizeof *a->sum);
    memset(a->sq, 0, a->ncols * sizeof *a->sq);
    memset(a->cnt, 0, a->ncols * sizeof *a->cnt);
    a->runs = 0;
}

static void point_add(point_acc *a, const summ *m)
{
    for (size_t k = 0; k < a->ncols && k + 2 < m->n[1]; k++) {
        const char *f = m->f[1][k + 2];
        char *end;
        double v = strtod(f, &end);
        if (!*f || *end || v != v) continue;
        a->sum[k] += v;
        a->sq[k] += v * v;
        a->cnt[k]++;
    }
    a->runs++;
}

int sweep_write(const scn_scenario *s, const char *base, const uint64_t *sel, size_t n, io_err *err)
{
    if (n == 0) {
        io_errf(err, "%s: no runs for %s", base, SWEEP_CSV);
        return -1;
    }
    summ first, m;
    scn_config *c = NULL, *pc = NULL;
    if (load_run(s, base, sel[0], NULL, &first, &c, err)) return -1;
    char *header = sweep_header(c, &first), *pheader = points_header(c, &first);
    point_acc acc = {0, 0, NULL, first.n[0] - 2, NULL, NULL, NULL};
    acc.sum = calloc(acc.ncols + 1, sizeof *acc.sum);
    acc.sq = calloc(acc.ncols + 1, sizeof *acc.sq);
    acc.cnt = calloc(acc.ncols + 1, sizeof *acc.cnt);
    int rc = -1;
    io_outdir od;
    trace_table t, pt;
    bool opened = false;
    if (!header || !pheader || !acc.sum || !acc.sq || !acc.cnt) {
        io_errf(err, "out of memory");
        goto out;
    }
    char what[96];
    snprintf(what, sizeof what, "run sweep (%zu of %" PRIu64 " runs)", n, scn_runs_count(s));
    trace_prov prov = {what, scn_path(s), scn_hash(s), scn_base_seed(s), 0, 0};
    if (io_outdir_open(&od, base, err)) goto out;
    opened = true;
    if (trace_open(&t, &od, SWEEP_CSV, &prov, header, err) || trace_open(&pt, &od, SWEEP_POINTS, &prov, pheader, err))
        goto abort;
    write_row(&t, c, &first);
    acc.point = c->point;
    acc.c = c;
    point_add(&acc, &first);
    for (size_t i = 1; i < n; i++) {
        scn_config *ci = NULL;
        if (load_run(s, base, sel[i], &first, &m, &ci, err)) goto abort;
        write_row(&t, ci, &m);
        if (ci->point != acc.point) {
            point_flush(&pt, &acc);
            scn_config_free(pc);
            pc = ci; /* keeps the swept values of the new point alive */
            acc.point = ci->point;
            acc.c = ci;
            ci = NULL;
        }
        point_add(&acc, &m);
        summ_free(&m);
        scn_config_free(ci);
    }
    point_flush(&pt, &acc);
    if (trace_check(&t, err) || trace_check(&pt, err) || io_outdir_commit(&od, err)) goto abort;
    rc = 0;
    goto out;
abort:
    if (opened) io_outdir_abort(&od);
out:
    free(header);
    free(pheader);
    free(acc.sum);
    free(acc.sq);
    free(acc.cnt);
    summ_free(&first);
    scn_config_free(pc);
    scn_config_free(c);
    return rc;
}
