/* io.h -- errors, atomic output directories, provenance and hashing.
 *
 * Invariant: a command either commits every output file it opened (each
 * written under a temporary name and renamed into place at the end) or leaves
 * nothing behind: no half-written file, and no directory it created itself.
 * Every trace starts with provenance comment lines (version, commit, input
 * hash, seed) so a CSV can always be traced back to what produced it.
 */
#ifndef TAOSIM_IO_H
#define TAOSIM_IO_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* One-line error message: "file:line: what is wrong and what is expected". */
typedef struct io_err {
    char msg[1024];
} io_err;

/* e may be NULL: the message is dropped. */
void io_errf(io_err *e, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#define IO_OUT_MAX_FILES 32
#define IO_OUT_MAX_DIRS 16
#define IO_OUT_BUF (256u << 10)

typedef struct io_outdir {
    char dir[1024];
    int ncreated;                          /* directories made by us, deepest last */
    char created[IO_OUT_MAX_DIRS][1024];
    int nfiles;
    struct {
        char name[128];
        FILE *f;
        char *buf; /* its stdio buffer (IO_OUT_BUF bytes: few write calls for big traces), or NULL */
    } files[IO_OUT_MAX_FILES];
} io_outdir;

/* Create `dir` (and missing parents). Returns 0, or -1 with *err set. */
int io_outdir_open(io_outdir *od, const char *dir, io_err *err);
/* Open DIR/.NAME.tmp for writing; renamed to DIR/NAME by io_outdir_commit. */
FILE *io_outdir_file(io_outdir *od, const char *name, io_err *err);
/* Close every file (checking write errors) and rename them into place. */
int io_outdir_commit(io_outdir *od, io_err *err);
/* Close and delete every temporary file, remove the directories we created. */
void io_outdir_abort(io_outdir *od);

/* FNV-1a 64-bit, chainable: pass the previous hash (or IO_FNV_INIT). */
#define IO_FNV_INIT 0xcbf29ce484222325ull
uint64_t io_fnv1a64(const void *data, size_t len, uint64_t h);
/* Hash of a whole file's bytes; -1 with *err when unreadable. */
int io_hash_file(const char *path, uint64_t *hash, io_err *err);

/* Provenance comment lines at the top of a trace:
 *   # taosim VERSION commit COMMIT
 *   # command: WHAT
 *   # input: NAME fnv1a64=HEX seed=SEED                                  */
void io_provenance(FILE *f, const char *what, const char *input_name, uint64_t input_hash,
                   uint64_t seed);

/* True when a CSV field must be quoted: a comma, quote or line end inside,
 * or a blank at either end (which readers would trim). */
bool io_csv_needs_quotes(const char *s);
/* Write one CSV text field, quoted by libcsv only when it needs quoting. */
void io_csv_text(FILE *f, const char *s);

#endif
