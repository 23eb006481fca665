/* support_cli.c -- see support.h. */
#define _POSIX_C_SOURCE 200809L
#include "support.h"

#include <dirent.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

const char *support_bin(void)
{
    static char bin[PATH_MAX];
    if (bin[0]) return bin;
    const char *b = getenv("TAOSIM_BIN");
    if (!b) b = "out/bin/taosim";
    char cwd[PATH_MAX];
    if (b[0] == '/' || !getcwd(cwd, sizeof cwd))
        snprintf(bin, sizeof bin, "%s", b);
    else
        snprintf(bin, sizeof bin, "%.2000s/%.2000s", cwd, b);
    return bin;
}

int support_taosim(const char *cwd, const char *args, const char *out, char *err, size_t errn)
{
    char errpath[] = "/tmp/taosim-test-stderr-XXXXXX";
    int fd = mkstemp(errpath);
    if (fd >= 0) close(fd);
    size_t n = strlen(args) + 3 * PATH_MAX;
    char *cmd = malloc(n);
    if (!cmd) return -1;
    snprintf(cmd, n, "%s%s%s'%s' %s >'%s' 2>'%s'", cwd ? "cd '" : "", cwd ? cwd : "", cwd ? "' && " : "",
             support_bin(), args, out ? out : "/dev/null", errpath);
    int st = system(cmd);
    free(cmd);
    if (err && errn) {
        err[0] = '\0';
        FILE *f = fopen(errpath, "r");
        if (f) {
            size_t k = fread(err, 1, errn - 1, f);
            err[k] = '\0';
            fclose(f);
        }
    }
    unlink(errpath);
    return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

char *support_slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    size_t cap = 1 << 16, n = 0;
    char *buf = malloc(cap);
    size_t k;
    while (buf && (k = fread(buf + n, 1, cap - n - 1, f)) > 0) {
        n += k;
        if (cap - n < 2) {
            char *b = realloc(buf, cap * 2);
            if (!b) {
                free(buf);
                buf = NULL;
                break;
            }
            buf = b;
            cap *= 2;
        }
    }
    fclose(f);
    if (buf) buf[n] = '\0';
    if (len) *len = n;
    return buf;
}

const char *support_body(const char *text)
{
    while (*text == '#') {
        const char *nl = strchr(text, '\n');
        if (!nl) return text + strlen(text);
        text = nl + 1;
    }
    return text;
}

bool support_exists(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0;
}

void support_tmpdir(char *buf, const char *tag)
{
    snprintf(buf, 64, "/tmp/taosim-%.20s-XXXXXX", tag);
    if (!mkdtemp(buf)) buf[0] = '\0';
}

void support_rmtree(const char *dir)
{
    if (!dir || !*dir || strncmp(dir, "/tmp/taosim-", 12) != 0) return; /* never anything else */
    char cmd[PATH_MAX + 16];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    if (system(cmd) != 0) fprintf(stderr, "support_rmtree: %s failed\n", cmd);
}

void support_write(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    if (!f) return;
    fputs(text, f);
    fclose(f);
}

static int skip_dots(const struct dirent *e)
{
    return strcmp(e->d_name, ".") && strcmp(e->d_name, "..");
}

/* Entries of dir except . and .., sorted (scandir + alphasort); -1 if unreadable. */
static int sorted_entries(const char *dir, struct dirent ***names)
{
    return scandir(dir, names, skip_dots, alphasort);
}

static void free_entries(struct dirent **names, int n)
{
    for (int i = 0; i < n; i++) free(names[i]);
    free(names);
}

bool support_same_tree(const char *a, const char *b, char *why, size_t whyn)
{
    struct dirent **na = NULL, **nb = NULL;
    int ka = sorted_entries(a, &na), kb = sorted_entries(b, &nb);
    bool same = ka >= 0 && kb >= 0;
    if (!same) snprintf(why, whyn, "cannot list %s or %s", a, b);
    for (int i = 0; same && (i < ka || i < kb); i++) {
        if (i >= ka || i >= kb || strcmp(na[i]->d_name, nb[i]->d_name)) {
            snprintf(why, whyn, "%s and %s hold different files (%s vs %s)", a, b, i < ka ? na[i]->d_name : "-",
                     i < kb ? nb[i]->d_name : "-");
            same = false;
            break;
        }
        char pa[PATH_MAX], pb[PATH_MAX];
        snprintf(pa, sizeof pa, "%.2000s/%.1000s", a, na[i]->d_name);
        snprintf(pb, sizeof pb, "%.2000s/%.1000s", b, nb[i]->d_name);
        struct stat sa, sb;
        if (stat(pa, &sa) || stat(pb, &sb) || S_ISDIR(sa.st_mode) != S_ISDIR(sb.st_mode)) {
            snprintf(why, whyn, "%s and %s differ in kind", pa, pb);
            same = false;
        } else if (S_ISDIR(sa.st_mode)) {
            same = support_same_tree(pa, pb, why, whyn);
        } else {
            size_t la, lb;
            char *x = support_slurp(pa, &la), *y = support_slurp(pb, &lb);
            same = x && y && la == lb && memcmp(x, y, la) == 0;
            if (!same) snprintf(why, whyn, "%s and %s differ", pa, pb);
            free(x);
            free(y);
        }
    }
    if (ka >= 0) free_entries(na, ka);
    if (kb >= 0) free_entries(nb, kb);
    return same;
}

/* ---- CSV tables (libcsv) ---------------------------------------------------------- */

#include <csv.h>

typedef struct loader {
    support_table *t;
    struct support_row cur;
    size_t cap;
    int fail;
} loader;

static void on_field(void *s, size_t len, void *ctx)
{
    loader *l = ctx;
    if (l->cur.n == l->cap) {
        l->cap = l->cap ? 2 * l->cap : 16;
        char **f = realloc(l->cur.f, l->cap * sizeof *f);
        if (!f) {
            l->fail = 1;
            return;
        }
        l->cur.f = f;
    }
    char *v = malloc(len + 1);
    if (!v) {
        l->fail = 1;
        return;
    }
    memcpy(v, s, len);
    v[len] = '\0';
    l->cur.f[l->cur.n++] = v;
}

static void on_row(int c, void *ctx)
{
    (void)c;
    loader *l = ctx;
    if (l->cur.n && l->cur.f[0][0] == '#') { /* a comment line */
        for (size_t i = 0; i < l->cur.n; i++) free(l->cur.f[i]);
        free(l->cur.f);
    } else {
        struct support_row *r = realloc(l->t->rows, (l->t->nrows + 1) * sizeof *r);
        if (!r) {
            l->fail = 1;
            return;
        }
        l->t->rows = r;
        l->t->rows[l->t->nrows++] = l->cur;
    }
    l->cur = (struct support_row){0, NULL};
    l->cap = 0;
}

int support_table_load(const char *path, support_table *t)
{
    *t = (support_table){0, NULL};
    size_t len;
    char *text = support_slurp(path, &len);
    if (!text) return -1;
    struct csv_parser p;
    csv_init(&p, CSV_APPEND_NULL);
    loader l = {t, {0, NULL}, 0, 0};
    csv_parse(&p, text, len, on_field, on_row, &l);
    csv_fini(&p, on_field, on_row, &l);
    csv_free(&p);
    free(text);
    return l.fail ? -1 : 0;
}

void support_table_free(support_table *t)
{
    for (size_t i = 0; i < t->nrows; i++) {
        for (size_t k = 0; k < t->rows[i].n; k++) free(t->rows[i].f[k]);
        free(t->rows[i].f);
    }
    free(t->rows);
    *t = (support_table){0, NULL};
}

int support_col(const support_table *t, const char *name)
{
    if (!t->nrows) return -1;
    for (size_t k = 0; k < t->rows[0].n; k++)
        if (strcmp(t->rows[0].f[k], name) == 0) return (int)k;
    return -1;
}

double support_now_s(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

double support_median(double *v, int n)
{
    qsort(v, (size_t)n, sizeof *v, cmp_double);
    return v[n / 2];
}
