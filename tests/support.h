/* support.h -- helpers shared by the test binaries (tests/support_*.c):
 * running the taosim binary, reading files, temporary directories. */
#ifndef TAOSIM_TEST_SUPPORT_H
#define TAOSIM_TEST_SUPPORT_H

#include <stdbool.h>
#include <stddef.h>

/* The taosim binary under test: $TAOSIM_BIN (set by make test) or
 * out/bin/taosim, made absolute. */
const char *support_bin(void);

/* Run `taosim ARGS` (ARGS is passed to the shell as is) in directory cwd
 * (NULL: the current one), stdout to the file `out` (NULL: /dev/null),
 * stderr captured into err[0..errn). Returns the exit status (-1 if the
 * command did not exit). */
int support_taosim(const char *cwd, const char *args, const char *out, char *err, size_t errn);

/* Seconds on CLOCK_MONOTONIC (benchmarks only: never in what taosim computes). */
double support_now_s(void);
/* The median of v[0 .. n), n > 0, sorting v in place (so v[0] is the minimum). */
double support_median(double *v, int n);

/* The whole file, NUL-terminated, malloc'ed (NULL if unreadable). */
char *support_slurp(const char *path, size_t *len);
/* Text after the leading '#' lines (the provenance of a trace). */
const char *support_body(const char *text);
bool support_exists(const char *path);
/* A new empty directory under /tmp (name in buf, at least 64 bytes). */
void support_tmpdir(char *buf, const char *tag);
/* rm -rf dir. */
void support_rmtree(const char *dir);
void support_write(const char *path, const char *text);
/* Whether directories a and b hold the same names (recursively) with the same
 * bytes; if not, why[0..whyn) says where they first differ. */
bool support_same_tree(const char *a, const char *b, char *why, size_t whyn);


/* A CSV file read with libcsv, '#' lines skipped; row 0 is the header. */
typedef struct support_table {
    size_t nrows;
    struct support_row {
        size_t n;
        char **f;
    } *rows;
} support_table;
int support_table_load(const char *path, support_table *t);
void support_table_free(support_table *t);
/* Index of column `name` in the header, or -1. */
int support_col(const support_table *t, const char *name);

#endif
