/* test_trace.c -- CSV tables: provenance, field counting, quoting, digest,
 * atomic commit. Expected bytes are written out by hand (RFC 4180 quoting as
 * libcsv does it: a field with a comma, quote or line end, or blanks at an
 * end, is quoted and its quotes doubled). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "taosim/io.h"
#include "taosim/trace.h"

static char *slurp(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    static char buf[8192];
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    buf[n] = 0;
    fclose(f);
    return buf;
}

/* Everything after the provenance lines. */
static const char *body(const char *text)
{
    while (*text == '#') {
        const char *nl = strchr(text, '\n');
        if (!nl) return text + strlen(text);
        text = nl + 1;
    }
    return text;
}

static void test_rows_quoting_and_commit(void **state)
{
    (void)state;
    char dir[] = "out/test-trace-XXXXXX";
    assert_non_null(mkdtemp(dir));
    io_outdir od;
    io_err err;
    assert_int_equal(io_outdir_open(&od, dir, &err), 0);
    trace_table t;
    trace_prov p = {"run", "scenarios/x.ini", 0xabcdefull, 42, 3, 10};
    assert_int_equal(trace_open(&t, &od, "a.csv", &p, "block,name,delta,share", &err), 0);
    assert_int_equal(t.ncols, 4);
    trace_u64(&t, 18446744073709551615ull);
    trace_text(&t, "plain");
    trace_i64(&t, -5);
    trace_ratio(&t, 0.25);
    assert_int_equal(trace_end(&t), 0);
    trace_u64(&t, 0);
    trace_text(&t, "a,b \"c\"");
    trace_i64(&t, INT64_MIN);
    trace_ratio(&t, NAN);
    assert_int_equal(trace_end(&t), 0);
    trace_u64(&t, 1);
    trace_empty(&t);
    trace_text(&t, " lead");
    trace_ratio(&t, 1.0 / 3.0);
    assert_int_equal(trace_end(&t), 0);
    assert_int_equal(t.rows, 3);
    assert_int_equal(trace_check(&t, &err), 0);

    char path[256];
    snprintf(path, sizeof path, "%s/a.csv", dir);
    assert_int_equal(access(path, F_OK), -1); /* not visible before commit */
    assert_int_equal(io_outdir_commit(&od, &err), 0);
    const char *text = slurp(path);
    assert_non_null(text);
    assert_non_null(strstr(text, "# command: run (run 3 of 10)\n"));
    assert_non_null(strstr(text, "fnv1a64=0000000000abcdef seed=42\n"));
    const char *want = "block,name,delta,share\n"
                       "18446744073709551615,plain,-5,0.25\n"
                       "0,\"a,b \"\"c\"\"\",-9223372036854775808,\n"
                       "1,,\" lead\",0.333333333\n";
    assert_string_equal(body(text), want);
    /* the digest covers exactly the header and the rows */
    assert_true(t.digest == io_fnv1a64(want, strlen(want), IO_FNV_INIT));
    unlink(path);
    rmdir(dir);
}

static void test_field_count_is_checked(void **state)
{
    (void)state;
    char dir[] = "out/test-trace-XXXXXX";
    assert_non_null(mkdtemp(dir));
    io_outdir od;
    io_err err;
    assert_int_equal(io_outdir_open(&od, dir, &err), 0);
    trace_table t;
    trace_prov p = {"run", "x.ini", 1, 2, 0, 1};
    assert_int_equal(trace_open(&t, &od, "b.csv", &p, "x,y", &err), 0);
    trace_u64(&t, 1);
    assert_int_equal(trace_end(&t), -1); /* one field short */
    trace_u64(&t, 1);
    trace_u64(&t, 2);
    assert_int_equal(trace_end(&t), 0); /* later rows fine, but the table stays bad */
    assert_int_equal(trace_check(&t, &err), -1);
    assert_non_null(strstr(err.msg, "b.csv"));
    io_outdir_abort(&od);
    char path[256];
    snprintf(path, sizeof path, "%s/b.csv", dir);
    assert_int_equal(access(path, F_OK), -1);
    rmdir(dir);
}

static void test_single_run_provenance(void **state)
{
    (void)state;
    char dir[] = "out/test-trace-XXXXXX";
    assert_non_null(mkdtemp(dir));
    io_outdir od;
    io_err err;
    assert_int_equal(io_outdir_open(&od, dir, &err), 0);
    trace_table t;
    trace_prov p = {"run", "x.ini", 1, 7, 0, 1};
    assert_int_equal(trace_open(&t, &od, "c.csv", &p, "x", &err), 0);
    assert_int_equal(io_outdir_commit(&od, &err), 0);
    char path[256];
    snprintf(path, sizeof path, "%s/c.csv", dir);
    const char *text = slurp(path);
    assert_non_null(strstr(text, "# command: run\n"));
    assert_null(strstr(text, "(run "));
    unlink(path);
    rmdir(dir);
}

int main(void)
{
    mkdir("out", 0777);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_rows_quoting_and_commit),
        cmocka_unit_test(test_field_count_is_checked),
        cmocka_unit_test(test_single_run_provenance),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
