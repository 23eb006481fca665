/* trace.h -- CSV traces: a stable schema, provenance on top, integer units.
 *
 * What this room is for: every CSV taosim run writes goes through a
 * trace_table. The table owns the column order (given once, as the header
 * line), counts the fields of every row against it, quotes free text with
 * libcsv, and keeps a running FNV-1a digest of every byte written after the
 * provenance lines, so two runs can be compared by digest as well as by
 * bytes. Rooms offer rows through trace_* calls; they never fprintf to the
 * file.
 *
 * Invariants:
 *   - The file is one of an io_outdir's temporaries: nothing is visible under
 *     its final name until io_outdir_commit (atomic outputs).
 *   - The first lines are the provenance comments (io_provenance plus a run
 *     line), then the header, then rows of exactly ncols fields. A row with
 *     the wrong number of fields is a programming error: trace_end returns -1
 *     and the table stays in error (checked by the caller once, at the end).
 *   - Numbers are written as integers (RAO, blocks, uids, stored u16 values).
 *     The only non-integer column type is trace_ratio, for derived metrics
 *     (shares, Gini), printed with %.9g: reporting only, never fed back.
 *   - Never prints anywhere else, never reads the clock.
 */
#ifndef TAOSIM_TRACE_H
#define TAOSIM_TRACE_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "taosim/io.h"

/* Where a trace came from: written as '#' lines at the top of every file. */
typedef struct trace_prov {
    const char *command; /* "run", "replay", ... */
    const char *input;   /* scenario path */
    uint64_t hash;       /* input hash (scenario bytes + overrides) */
    uint64_t seed;       /* the run's seed */
    uint64_t run, runs;  /* run number and count of the study */
} trace_prov;

typedef struct trace_table {
    FILE *f;
    char name[64];
    uint32_t ncols;  /* fields per row, from the header */
    uint32_t col;    /* fields written in the current row */
    uint64_t rows;   /* complete rows */
    uint64_t digest; /* FNV-1a of header + rows */
    bool bad;        /* a row had the wrong field count */
} trace_table;

/* Open NAME in `od` (a temporary until io_outdir_commit), write the
 * provenance lines and the header (comma-separated column names). 0, or -1
 * with *err. */
int trace_open(trace_table *t, io_outdir *od, const char *name, const trace_prov *prov, const char *header,
               io_err *err);

/* One field of the current row. */
void trace_u64(trace_table *t, uint64_t v);
void trace_i64(trace_table *t, int64_t v);
void trace_text(trace_table *t, const char *s); /* quoted by libcsv when needed */
void trace_empty(trace_table *t);
void trace_opt_u64(trace_table *t, bool present, uint64_t v); /* v, or an empty field */
void trace_ratio(trace_table *t, double v);     /* %.9g; NaN/inf written empty */
/* End the row. 0, or -1 (and t->bad) when it did not have ncols fields. */
int trace_end(trace_table *t);

/* 0 when every row was well formed and the stream has no write error;
 * otherwise -1 with *err naming the table. */
int trace_check(const trace_table *t, io_err *err);

#endif
