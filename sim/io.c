/* io.c -- atomic output directories, provenance lines, hashing.
 *
 * Files are written as DIR/.NAME.tmp and renamed at commit; rename(2) within
 * one directory is atomic, so a reader sees either the previous complete file
 * or the new complete one. On abort, temporaries are unlinked and only the
 * directories this process created (and that are still empty) are removed.
 */
#include "taosim/io.h"

#include <csv.h>
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "taosim/version.h"

void io_errf(io_err *e, const char *fmt, ...)
{
    if (!e) return; /* a caller that does not want the message (chain_new) */
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(e->msg, sizeof e->msg, fmt, ap);
    va_end(ap);
}

static void tmp_path(const io_outdir *od, int i, char *buf, size_t n)
{
    snprintf(buf, n, "%s/.%s.tmp", od->dir, od->files[i].name);
}

int io_outdir_open(io_outdir *od, const char *dir, io_err *err)
{
    memset(od, 0, sizeof *od);
    size_t len = strlen(dir);
    if (len == 0 || len >= sizeof od->dir) {
        io_errf(err, "%s: output directory name is empty or too long", dir);
        return -1;
    }
    memcpy(od->dir, dir, len + 1);
    while (len > 1 && od->dir[len - 1] == '/') od->dir[--len] = '\0';
    char path[1024];
    memcpy(path, od->dir, len + 1);
    /* Walk the path and create each missing component, parents first. */
    for (char *p = path + 1;; p++) {
        if (*p != '/' && *p != '\0') continue;
        char saved = *p;
        *p = '\0';
        struct stat st;
        if (stat(path, &st) != 0) {
            int e = mkdir(path, 0777) == 0 ? 0 : errno;
            if (e == 0) {
                if (od->ncreated < IO_OUT_MAX_DIRS) memcpy(od->created[od->ncreated++], path, strlen(path) + 1);
            } else if (e != EEXIST || stat(path, &st) != 0 || !S_ISDIR(st.st_mode)) {
                /* (EEXIST with a directory: another process -- a worker of the
                 * same study -- made it between our stat and our mkdir; it is
                 * not ours to remove) */
                io_errf(err, "%s: cannot create output directory: %s", path, strerror(e));
                io_outdir_abort(od);
                return -1;
            }
        } else if (!S_ISDIR(st.st_mode)) {
            io_errf(err, "%s: exists and is not a directory", path);
            io_outdir_abort(od);
            return -1;
        }
        *p = saved;
        if (saved == '\0') break;
    }
    return 0;
}

FILE *io_outdir_file(io_outdir *od, const char *name, io_err *err)
{
    if (od->nfiles >= IO_OUT_MAX_FILES || strlen(name) >= sizeof od->files[0].name) {
        io_errf(err, "%s: too many output files or name too long", name);
        return NULL;
    }
    int i = od->nfiles;
    memcpy(od->files[i].name, name, strlen(name) + 1);
    char path[1200];
    tmp_path(od, i, path, sizeof path);
    FILE *f = fopen(path, "w");
    if (!f) {
        io_errf(err, "%s: cannot write: %s", path, strerror(errno));
        return NULL;
    }
    od->files[i].f = f;
    od->files[i].buf = malloc(IO_OUT_BUF); /* without it, stdio's own buffer */
    if (od->files[i].buf && setvbuf(f, od->files[i].buf, _IOFBF, IO_OUT_BUF) != 0) {
        free(od->files[i].buf);
        od->files[i].buf = NULL;
    }
    od->nfiles++;
    return f;
}

int io_outdir_commit(io_outdir *od, io_err *err)
{
    int rc = 0;
    for (int i = 0; i < od->nfiles; i++) {
        FILE *f = od->files[i].f;
        od->files[i].f = NULL;
        const bool bad = f && (ferror(f) | fclose(f)) != 0;
        free(od->files[i].buf);
        od->files[i].buf = NULL;
        if (bad && rc == 0) {
            io_errf(err, "%s/%s: write failed: %s", od->dir, od->files[i].name, strerror(errno));
            rc = -1;
        }
    }
    if (rc != 0) {
        io_outdir_abort(od);
        return rc;
    }
    for (int i = 0; i < od->nfiles; i++) {
        char from[1200], to[1200];
        tmp_path(od, i, from, sizeof from);
        snprintf(to, sizeof to, "%s/%s", od->dir, od->files[i].name);
        if (rename(from, to) != 0) {
            io_errf(err, "%s: cannot rename into place: %s", to, strerror(errno));
            io_outdir_abort(od);
            return -1;
        }
    }
    od->nfiles = 0;
    od->ncreated = 0;
    return 0;
}

void io_outdir_abort(io_outdir *od)
{
    for (int i = 0; i < od->nfiles; i++) {
        if (od->files[i].f) fclose(od->files[i].f);
        od->files[i].f = NULL;
        free(od->files[i].buf);
        od->files[i].buf = NULL;
        char path[1200];
        tmp_path(od, i, path, sizeof path);
        unlink(path);
    }
    od->nfiles = 0;
    for (int i = od->ncreated - 1; i >= 0; i--) rmdir(od->created[i]);
    od->ncreated = 0;
}

uint64_t io_fnv1a64(const void *data, size_t len, uint64_t h)
{
    const unsigned char *p = data;
    for (size_t i = 0; i < len; i++) {
        h ^= p[i];
        h *= 0x100000001b3ull;
    }
    return h;
}

int io_hash_file(const char *path, uint64_t *hash, io_err *err)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        io_errf(err, "%s: cannot read: %s", path, strerror(errno));
        return -1;
    }
    uint64_t h = IO_FNV_INIT;
    unsigned char buf[65536];
    size_t n;
    while ((n = fread(buf, 1, sizeof buf, f)) > 0) h = io_fnv1a64(buf, n, h);
    int bad = ferror(f);
    fclose(f);
    if (bad) {
        io_errf(err, "%s: read error", path);
        return -1;
    }
    *hash = h;
    return 0;
}

void io_provenance(FILE *f, const char *what, const char *input_name, uint64_t input_hash,
                   uint64_t seed)
{
    fprintf(f, "# taosim %s commit %s\n", taosim_version(), taosim_commit());
    fprintf(f, "# command: %s\n", what);
    fprintf(f, "# input: %s fnv1a64=%016llx seed=%llu\n", input_name, (unsigned long long)input_hash,
            (unsigned long long)seed);
}

bool io_csv_needs_quotes(const char *s)
{
    return strpbrk(s, ",\"\r\n") || s[0] == ' ' || (s[0] && s[strlen(s) - 1] == ' ');
}

void io_csv_text(FILE *f, const char *s)
{
    if (io_csv_needs_quotes(s))
        csv_fwrite(f, s, strlen(s));
    else
        fputs(s, f);
}
