/* trace.c -- CSV tables with provenance, field counting and a running digest. */
#include "taosim/trace.h"

#include <csv.h>
#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

static void put(trace_table *t, const char *s, size_t n)
{
    fwrite(s, 1, n, t->f);
    t->digest = io_fnv1a64(s, n, t->digest);
}

static void sep(trace_table *t)
{
    if (t->col++ > 0) put(t, ",", 1);
}

int trace_open(trace_table *t, io_outdir *od, const char *name, const trace_prov *prov, const char *header,
               io_err *err)
{
    memset(t, 0, sizeof *t);
    snprintf(t->name, sizeof t->name, "%s", name);
    t->f = io_outdir_file(od, name, err);
    if (!t->f) return -1;
    char what[256];
    if (prov->runs > 1)
        snprintf(what, sizeof what, "%s (run %" PRIu64 " of %" PRIu64 ")", prov->command, prov->run, prov->runs);
    else
        snprintf(what, sizeof what, "%s", prov->command);
    io_provenance(t->f, what, prov->input, prov->hash, prov->seed);
    t->digest = IO_FNV_INIT;
    t->ncols = 1;
    for (const char *p = header; *p; p++) t->ncols += *p == ',';
    put(t, header, strlen(header));
    put(t, "\n", 1);
    return 0;
}

void trace_u64(trace_table *t, uint64_t v)
{
    char b[24];
    int n = snprintf(b, sizeof b, "%" PRIu64, v);
    sep(t);
    put(t, b, (size_t)n);
}

void trace_i64(trace_table *t, int64_t v)
{
    char b[24];
    int n = snprintf(b, sizeof b, "%" PRId64, v);
    sep(t);
    put(t, b, (size_t)n);
}

void trace_text(trace_table *t, const char *s)
{
    sep(t);
    size_t len = strlen(s);
    if (!io_csv_needs_quotes(s)) {
        put(t, s, len);
        return;
    }
    char stack[512];
    size_t need = 2 * len + 2;
    char *buf = need <= sizeof stack ? stack : malloc(need);
    if (!buf) { /* cannot quote: mark the table bad rather than write a broken field */
        t->bad = true;
        return;
    }
    size_t n = csv_write(buf, need, s, len);
    put(t, buf, n);
    if (buf != stack) free(buf);
}

void trace_empty(trace_table *t) { sep(t); }

void trace_opt_u64(trace_table *t, bool present, uint64_t v)
{
    if (present)
        trace_u64(t, v);
    else
        trace_empty(t);
}

void trace_ratio(trace_table *t, double v)
{
    sep(t);
    if (!isfinite(v)) return;
    char b[40];
    int n = snprintf(b, sizeof b, "%.9g", v);
    put(t, b, (size_t)n);
}

int trace_end(trace_table *t)
{
    put(t, "\n", 1);
    int ok = t->col == t->ncols;
    if (!ok) t->bad = true;
    t->col = 0;
    t->rows++;
    return ok ? 0 : -1;
}

int trace_check(const trace_table *t, io_err *err)
{
    if (t->bad) {
        io_errf(err, "%s: internal error: a row does not have %u fields", t->name, t->ncols);
        return -1;
    }
    if (t->f && ferror(t->f)) {
        io_errf(err, "%s: write error", t->name);
        return -1;
    }
    return 0;
}
