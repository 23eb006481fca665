/* cli_sweep.c -- the runs of `taosim run`: in this process, on N forked
 * workers (-j N), over MPI ranks (a TAOSIM_MPI build under mpirun), with
 * --resume; then sweep.csv. See cli_sweep.h for what stays the same however
 * the runs are spread.
 *
 * Workers. The parent forks min(N, runs to do) workers, each with a task pipe
 * (the parent writes a selection index) and a result pipe (the worker writes
 * one fixed-size record per run: outcome, error text; smaller than PIPE_BUF,
 * so it is written whole). Runs are handed out in ascending order to
 * whichever worker is free; the parent keeps every outcome by selection index
 * and prints the summary lines of the finished prefix, so stdout is in run
 * order whatever finishes first. When run i fails, no run after i is handed
 * out and the workers busy with one are killed (SIGKILL) and their run
 * directories discarded; the runs before i finish, so the failure reported is
 * the first in run order -- the same one a sequential study reports.
 *
 * MPI. Rank k takes the selection indices i with i % K == k and runs them in
 * order (in this process, or on its own -j workers), stopping at its first
 * failure; every rank then sends its outcomes to rank 0 (the gather is also
 * the barrier before sweep.csv), which prints the lines, reports the first
 * failure in run order (every run before it ran: each rank ran all of its
 * runs below its own first failure) and writes sweep.csv. The exit code is
 * broadcast so that every rank returns the same.
 *
 * The wall clock is read for the progress line only, on a terminal.
 */
#define _POSIX_C_SOURCE 200809L
#include "cli_sweep.h"

#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#ifdef TAOSIM_MPI
#include <mpi.h>
#endif

#include "taosim/cli.h"
#include "taosim/run.h"
#include "taosim/sweep.h"

enum { O_PENDING = 0, O_DONE, O_SKIPPED, O_FAILED };

/* What the summary line of a run needs (kept for every selected run). */
typedef struct outcome {
    int32_t state, rc;
    uint64_t run, seed, blocks, epochs, issuance, registrations, prunings, subnets;
} outcome;

typedef struct failure {
    uint64_t pos; /* selection index; UINT64_MAX: none */
    int32_t rc;
    char msg[sizeof(io_err)];
} failure;

/* A worker's answer for one run. */
typedef struct result {
    uint64_t pos;
    outcome o;
    char msg[sizeof(io_err)];
} result;
_Static_assert(sizeof(result) <= PIPE_BUF, "a result is written to its pipe in one piece");

typedef struct exec {
    const study *st;
    outcome *out;     /* [nsel], by selection index */
    failure fail;     /* the lowest failing index seen */
    bool live;        /* print the lines as runs finish (one rank) */
    size_t printed;   /* indices [0, printed) reported */
    bool tty;         /* progress line on stderr */
    bool shown;       /* a progress line is on screen */
    double t0, run_t0;
    size_t done, todo, run_no;
} exec;

static double now_s(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

static void progress_clear(exec *x)
{
    if (!x->shown) return;
    fputs("\r\033[K", stderr);
    fflush(stderr);
    x->shown = false;
}

/* One run in this process: simulated year, blocks per second, time left. */
static void on_run_progress(void *ctx, const run_progress *p)
{
    exec *x = ctx;
    if (!x->tty) return;
    double el = now_s() - x->run_t0;
    double bps = el > 0 ? (double)p->block / el : 0;
    double left = bps > 0 ? (double)(p->end - p->block) / bps : 0;
    fprintf(stderr, "\r[run %zu/%zu] year %7.2f of %.2f  %5.1f%%  %10.0f blocks/s  %" PRIu64 " epochs  ETA %4.0f s ",
            x->run_no, x->todo, (double)p->block / 2629800.0, (double)p->end / 2629800.0,
            p->end ? 100.0 * (double)p->block / (double)p->end : 100.0, bps, p->epochs, left);
    x->shown = true;
    fflush(stderr);
}

/* Workers: runs done of those to do, elapsed, time left. */
static void pool_progress(exec *x, unsigned workers)
{
    if (!x->tty) return;
    double el = now_s() - x->t0;
    double left = x->done ? el / (double)x->done * (double)(x->todo - x->done) : 0;
    fprintf(stderr, "\r\033[K[taosim run] %zu/%zu runs done, %u worker%s, %.0f s, ETA %.0f s", x->done, x->todo,
            workers, workers == 1 ? "" : "s", el, left);
    x->shown = true;
    fflush(stderr);
}

static int run_dir(const study *st, uint64_t run, char *buf, size_t cap)
{
    return sweep_run_dir(st->base, run, scn_runs_count(st->s), buf, cap);
}

static void note_failure(exec *x, size_t pos, int rc, const char *msg)
{
    if (pos >= x->fail.pos) return;
    x->fail.pos = pos;
    x->fail.rc = rc;
    snprintf(x->fail.msg, sizeof x->fail.msg, "%.1000s", msg);
}

/* Print the summary lines of the finished prefix. */
static void report(exec *x)
{
    const study *st = x->st;
    if (!x->live) return;
    while (x->printed < st->nsel && (x->out[x->printed].state == O_DONE || x->out[x->printed].state == O_SKIPPED)) {
        const outcome *o = &x->out[x->printed++];
        if (st->quiet) continue;
        char dir[1100];
        run_dir(st, o->run, dir, sizeof dir);
        progress_clear(x);
        if (o->state == O_SKIPPED)
            printf("taosim run: run %" PRIu64 " seed %" PRIu64 ": complete, skipped (--resume) -> %s/\n", o->run,
                   o->seed, dir);
        else
            printf("taosim run: run %" PRIu64 " seed %" PRIu64 ": %.2f years, %" PRIu64 " epochs, issuance %.3f TAO, "
                   "%" PRIu64 " registrations, %" PRIu64 " prunings, %" PRIu64 " subnets -> %s/\n",
                   o->run, o->seed, (double)o->blocks / 2629800.0, o->epochs, (double)o->issuance / 1e9,
                   o->registrations, o->prunings, o->subnets, dir);
    }
    fflush(stdout);
}

/* Run selection index pos here; *o and msg (on failure) say how it went. */
static void run_one(exec *x, size_t pos, bool progress, outcome *o, char *msg, size_t cap)
{
    const study *st = x->st;
    memset(o, 0, sizeof *o);
    o->run = st->sel[pos];
    o->seed = scn_run_seed(st->s, o->run);
    o->state = O_FAILED;
    o->rc = CLI_FAIL;
    scn_config *c;
    io_err err;
    char dir[1100];
    if (run_dir(st, o->run, dir, sizeof dir)) {
        snprintf(msg, cap, "%s: output directory name too long", st->base);
        return;
    }
    if (scn_resolve(st->s, o->run, &c, &err) != SCN_OK) {
        o->rc = CLI_USAGE;
        snprintf(msg, cap, "%s", err.msg);
        return;
    }
    x->run_t0 = now_s();
    run_opts opts = {.outdir = dir};
    if (progress) opts = (run_opts){.outdir = dir, .progress = on_run_progress, .progress_ctx = x, .progress_every = 7200};
    run_summary sum;
    run_status r = run_config(c, &opts, &sum, &err);
    scn_config_free(c);
    if (r != RUN_OK) {
        o->rc = r == RUN_EINPUT ? CLI_USAGE : CLI_FAIL;
        snprintf(msg, cap, "%s", err.msg);
        return;
    }
    o->state = O_DONE;
    o->rc = CLI_OK;
    o->blocks = sum.blocks;
    o->epochs = sum.epochs;
    o->issuance = sum.issuance;
    o->registrations = sum.registrations;
    o->prunings = sum.prunings;
    o->subnets = sum.subnets_end;
}

/* ---- in this process ---------------------------------------------------------------------------- */

static void exec_here(exec *x, const size_t *todo, size_t n)
{
    for (size_t i = 0; i < n && todo[i] < x->fail.pos; i++) {
        char msg[sizeof(io_err)];
        x->run_no = i + 1;
        run_one(x, todo[i], true, &x->out[todo[i]], msg, sizeof msg);
        if (x->shown) { /* the run's last progress line stays, as a record of it */
            fputc('\n', stderr);
            x->shown = false;
        }
        if (x->out[todo[i]].state == O_FAILED) note_failure(x, todo[i], x->out[todo[i]].rc, msg);
        report(x);
    }
}

/* ---- on worker processes -------------------------------------------------------------------------- */

typedef struct worker {
    pid_t pid;
    int task, res; /* the parent's ends */
    size_t pos;    /* the run it is busy with; SIZE_MAX: idle */
    bool alive;
} worker;

/* All n bytes through a pipe (write when `out`, else read). 0, or -1 on an
 * error or end of file first. */
static int pipe_all(int fd, void *buf, size_t n, bool out)
{
    char *p = buf;
    while (n > 0) {
        ssize_t k = out ? write(fd, p, n) : read(fd, p, n);
        if (k < 0 && errno == EINTR) continue;
        if (k <= 0) return -1;
        p += k;
        n -= (size_t)k;
    }
    return 0;
}

static _Noreturn void worker_main(exec *x, int task, int res)
{
    for (;;) {
        uint64_t pos;
        if (pipe_all(task, &pos, sizeof pos, false)) _exit(0); /* the parent closed the pipe: no more runs */
        result r;
        memset(&r, 0, sizeof r);
        r.pos = pos;
        run_one(x, (size_t)pos, false, &r.o, r.msg, sizeof r.msg);
        if (pipe_all(res, &r, sizeof r, true)) _exit(1);
    }
}

static int spawn(exec *x, worker *w, unsigned k)
{
    int t[2], r[2];
    if (pipe(t)) return -1;
    if (pipe(r)) {
        close(t[0]);
        close(t[1]);
        return -1;
    }
    fflush(NULL);
    pid_t pid = fork();
    if (pid < 0) {
        close(t[0]);
        close(t[1]);
        close(r[0]);
        close(r[1]);
        return -1;
    }
    if (pid == 0) {
        for (unsigned i = 0; i < k; i++) /* the other workers' pipes are not ours */
            if (w[i].alive) {
                close(w[i].task);
                close(w[i].res);
            }
        close(t[1]);
        close(r[0]);
        worker_main(x, t[0], r[1]);
    }
    close(t[0]);
    close(r[1]);
    w[k] = (worker){.pid = pid, .task = t[1], .res = r[0], .pos = SIZE_MAX, .alive = true};
    return 0;
}

/* Stop worker w for good; what it was running is discarded. */
static void retire(exec *x, worker *w, bool kill_it)
{
    if (kill_it) kill(w->pid, SIGKILL);
    close(w->task);
    close(w->res);
    int status;
    while (waitpid(w->pid, &status, 0) < 0 && errno == EINTR) {}
    if (w->pos != SIZE_MAX && x->out[w->pos].state == O_PENDING) {
        char dir[1100];
        io_err err;
        if (!run_dir(x->st, x->st->sel[w->pos], dir, sizeof dir)) (void)sweep_discard_partial(dir, true, &err);
    }
    w->alive = false;
    w->pos = SIZE_MAX;
}

/* After a failure at fail.pos: kill the workers running later runs. */
static void cancel_later(exec *x, worker *w, unsigned nw)
{
    for (unsigned i = 0; i < nw; i++)
        if (w[i].alive && w[i].pos != SIZE_MAX && w[i].pos > x->fail.pos) retire(x, &w[i], true);
}

static void worker_lost(exec *x, worker *w)
{
    size_t pos = w->pos;
    int status = 0;
    kill(w->pid, SIGKILL); /* it closed its pipe: it is gone, or about to be */
    close(w->task);
    close(w->res);
    while (waitpid(w->pid, &status, 0) < 0 && errno == EINTR) {}
    char dir[1100], msg[1300];
    io_err err;
    if (!run_dir(x->st, x->st->sel[pos], dir, sizeof dir)) (void)sweep_discard_partial(dir, true, &err);
    if (WIFSIGNALED(status))
        snprintf(msg, sizeof msg, "taosim run: run %" PRIu64 ": its worker process was killed by signal %d",
                 x->st->sel[pos], WTERMSIG(status));
    else
        snprintf(msg, sizeof msg, "taosim run: run %" PRIu64 ": its worker process ended without a result (status %d)",
                 x->st->sel[pos], WIFEXITED(status) ? WEXITSTATUS(status) : -1);
    x->out[pos].state = O_FAILED;
    w->alive = false;
    w->pos = SIZE_MAX;
    note_failure(x, pos, CLI_FAIL, msg);
}

static void exec_pool(exec *x, const size_t *todo, size_t n)
{
    unsigned nw = x->st->jobs < n ? x->st->jobs : (unsigned)n;
    worker w[STUDY_MAX_JOBS];
    struct sigaction ign = {.sa_handler = SIG_IGN}, old;
    sigemptyset(&ign.sa_mask);
    sigaction(SIGPIPE, &ign, &old); /* a dead worker's pipe: EPIPE, not death */
    unsigned live = 0;
    for (unsigned k = 0; k < nw; k++) {
        if (spawn(x, w, k)) {
            w[k].alive = false;
            break;
        }
        live++;
    }
    if (live == 0) {
        char msg[sizeof(io_err)];
        snprintf(msg, sizeof msg, "taosim run: cannot start worker processes: %s", strerror(errno));
        note_failure(x, todo[0], CLI_FAIL, msg);
        sigaction(SIGPIPE, &old, NULL);
        return;
    }
    nw = live;
    x->t0 = now_s();
    pool_progress(x, nw);
    size_t next = 0;
    for (;;) {
        unsigned busy = 0;
        for (unsigned k = 0; k < nw; k++) {
            if (!w[k].alive) continue;
            if (w[k].pos == SIZE_MAX && next < n && todo[next] < x->fail.pos) {
                uint64_t pos = todo[next++];
                w[k].pos = (size_t)pos;
                if (pipe_all(w[k].task, &pos, sizeof pos, true)) {
                    worker_lost(x, &w[k]);
                    cancel_later(x, w, nw);
                    continue;
                }
            }
            busy += w[k].pos != SIZE_MAX;
        }
        if (busy == 0) break;
        struct pollfd pf[STUDY_MAX_JOBS];
        unsigned who[STUDY_MAX_JOBS], np = 0;
        for (unsigned k = 0; k < nw; k++)
            if (w[k].alive && w[k].pos != SIZE_MAX) {
                pf[np] = (struct pollfd){.fd = w[k].res, .events = POLLIN};
                who[np++] = k;
            }
        int ready = poll(pf, np, x->tty ? 1000 : -1);
        if (ready < 0 && errno != EINTR) {
            char msg[sizeof(io_err)];
            snprintf(msg, sizeof msg, "taosim run: waiting for the workers: %s", strerror(errno));
            note_failure(x, w[who[0]].pos, CLI_FAIL, msg);
            for (unsigned k = 0; k < nw; k++)
                if (w[k].alive) retire(x, &w[k], true);
            break;
        }
        for (unsigned i = 0; ready > 0 && i < np; i++) {
            worker *wk = &w[who[i]];
            if (!wk->alive || !(pf[i].revents & (POLLIN | POLLHUP | POLLERR))) continue;
            result r;
            if (pipe_all(wk->res, &r, sizeof r, false) || r.pos != wk->pos) {
                worker_lost(x, wk);
            } else {
                x->out[r.pos] = r.o;
                wk->pos = SIZE_MAX;
                x->done++;
                if (r.o.state == O_FAILED) note_failure(x, (size_t)r.pos, r.o.rc, r.msg);
            }
            if (x->fail.pos != UINT64_MAX) cancel_later(x, w, nw);
        }
        report(x);
        pool_progress(x, nw);
    }
    for (unsigned k = 0; k < nw; k++) /* idle: closing the task pipe ends them */
        if (w[k].alive) retire(x, &w[k], false);
    progress_clear(x);
    sigaction(SIGPIPE, &old, NULL);
}

/* ---- MPI ------------------------------------------------------------------------------------------ */

#ifdef TAOSIM_MPI
static bool mpi_on;

void study_begin(int *rank, int *ranks)
{
    *rank = 0;
    *ranks = 1;
    /* only under a launcher: a plain `taosim run` of an MPI build is the local one */
    if (!getenv("OMPI_COMM_WORLD_SIZE") && !getenv("PMIX_RANK") && !getenv("PMI_RANK")) return;
    MPI_Init(NULL, NULL);
    mpi_on = true;
    MPI_Comm_rank(MPI_COMM_WORLD, rank);
    MPI_Comm_size(MPI_COMM_WORLD, ranks);
}

void study_end(void)
{
    if (mpi_on) MPI_Finalize();
    mpi_on = false;
}

/* Rank k's outcomes (indices i % K == k, in order) and first failure to rank 0. */
static void mpi_gather(exec *x)
{
    const study *st = x->st;
    if (!mpi_on || st->ranks < 2) return;
    size_t K = (size_t)st->ranks;
    if (st->rank != 0) {
        size_t n = 0;
        for (size_t i = (size_t)st->rank; i < st->nsel; i += K) n++;
        outcome *buf = malloc((n ? n : 1) * sizeof *buf);
        if (!buf) MPI_Abort(MPI_COMM_WORLD, CLI_FAIL);
        n = 0;
        for (size_t i = (size_t)st->rank; i < st->nsel; i += K) buf[n++] = x->out[i];
        MPI_Send(buf, (int)(n * sizeof *buf), MPI_BYTE, 0, 1, MPI_COMM_WORLD);
        MPI_Send(&x->fail, (int)sizeof x->fail, MPI_BYTE, 0, 2, MPI_COMM_WORLD);
        free(buf);
    } else {
        outcome *buf = malloc((st->nsel / K + 1) * sizeof *buf);
        if (!buf) MPI_Abort(MPI_COMM_WORLD, CLI_FAIL);
        for (size_t src = 1; src < K; src++) {
            size_t n = 0;
            for (size_t i = src; i < st->nsel; i += K) n++;
            failure f;
            MPI_Recv(buf, (int)(n * sizeof *buf), MPI_BYTE, (int)src, 1, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
            MPI_Recv(&f, (int)sizeof f, MPI_BYTE, (int)src, 2, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
            n = 0;
            for (size_t i = src; i < st->nsel; i += K) x->out[i] = buf[n++];
            if (f.pos != UINT64_MAX) note_failure(x, (size_t)f.pos, f.rc, f.msg);
        }
        free(buf);
    }
    MPI_Barrier(MPI_COMM_WORLD); /* every run directory is written before sweep.csv */
}

static int mpi_agree(int rc)
{
    if (mpi_on) MPI_Bcast(&rc, 1, MPI_INT, 0, MPI_COMM_WORLD);
    return rc;
}
#else
void study_begin(int *rank, int *ranks)
{
    *rank = 0;
    *ranks = 1;
}

void study_end(void) {}

static void mpi_gather(exec *x) { (void)x; }

static int mpi_agree(int rc) { return rc; }
#endif

/* ---- the study ------------------------------------------------------------------------------------ */

int study_run(const study *st)
{
    exec x = {.st = st, .fail = {.pos = UINT64_MAX}, .live = st->ranks == 1};
    x.tty = !st->quiet && st->ranks == 1 && isatty(STDERR_FILENO);
    x.out = calloc(st->nsel ? st->nsel : 1, sizeof *x.out);
    size_t *todo = malloc((st->nsel ? st->nsel : 1) * sizeof *todo);
    int rc = CLI_OK;
    if (!x.out || !todo) {
        note_failure(&x, 0, CLI_FAIL, "taosim run: out of memory");
    } else {
        uint64_t hash = scn_hash(st->s);
        for (size_t i = (size_t)st->rank; i < st->nsel && i < x.fail.pos; i += (size_t)st->ranks) {
            outcome *o = &x.out[i];
            o->run = st->sel[i];
            o->seed = scn_run_seed(st->s, o->run);
            char dir[1100];
            io_err err;
            if (st->resume && !run_dir(st, o->run, dir, sizeof dir)) {
                if (sweep_run_complete(dir, o->run, hash, o->seed)) {
                    o->state = O_SKIPPED;
                    continue;
                }
                if (sweep_discard_partial(dir, false, &err)) note_failure(&x, i, CLI_FAIL, err.msg);
            }
            todo[x.todo++] = i;
        }
        if (st->ranks > 1 && st->rank == 0 && !st->quiet)
            fprintf(stderr, "taosim run: %zu run%s over %d MPI ranks\n", st->nsel, st->nsel == 1 ? "" : "s",
                    st->ranks);
        report(&x);
        if (x.todo > 0) (st->jobs == 0 ? exec_here : exec_pool)(&x, todo, x.todo);
    }
    mpi_gather(&x);
    if (st->rank == 0) {
        x.live = true;
        report(&x);
        progress_clear(&x);
        io_err err;
        if (x.fail.pos != UINT64_MAX) {
            fprintf(stderr, "%s\n", x.fail.msg);
            rc = x.fail.rc;
        } else if (x.printed < st->nsel) {
            fprintf(stderr, "taosim run: run %" PRIu64 " did not run\n", st->sel[x.printed]);
            rc = CLI_FAIL;
        } else if (scn_runs_count(st->s) > 1 && sweep_write(st->s, st->base, st->sel, st->nsel, &err)) {
            fprintf(stderr, "%s\n", err.msg);
            rc = CLI_FAIL;
        }
    }
    free(todo);
    free(x.out);
    return mpi_agree(rc);
}
