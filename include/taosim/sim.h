/* sim.h -- the discrete-event core: a heap of pending events in total order.
 *
 * Time is the block height, never the wall clock. Events are ordered by
 * (block, phase, seq), where seq is the insertion counter, so two events can
 * never tie and the order never depends on addresses or allocation history.
 * Phases follow the chain's order within a block: the per-block pipeline
 * first, then extrinsics, then observation (traces).
 *
 * The shape is Redis's `ae` timer API: a handler returns how many blocks later
 * it wants to run again (same phase), or SIM_NOMORE. Cancellation marks a
 * tombstone; the slot is recycled when the tombstone reaches the top of the
 * heap. Capacity is fixed at creation (events are preallocated): running out
 * is a clear SIM_ENOMEM, never a silent realloc.
 *
 * One sim_engine per run and no globals, so several runs can live in one
 * process.
 */
#ifndef TAOSIM_SIM_H
#define TAOSIM_SIM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum sim_phase {
    SIM_PHASE_BLOCK = 0,     /* the chain's per-block pipeline (on_initialize) */
    SIM_PHASE_EXTRINSIC = 1, /* agents' calls, in a stable order */
    SIM_PHASE_OBSERVE = 2,   /* sampling for traces, after the block is final */
    SIM_PHASE_COUNT
};

#define SIM_NOMORE 0 /* handler return: do not run again */

typedef enum sim_status {
    SIM_OK = 0,
    SIM_ENOMEM = 1,
    SIM_EPAST = 2,
    SIM_ENOENT = 3,
    SIM_EHANDLER = 4,
    SIM_EINVAL = 5 /* phase >= SIM_PHASE_COUNT */
} sim_status;

struct sim_engine;

/* Called at (block, phase). Returns the delay in blocks (> 0) before the next
 * run of the same event, or SIM_NOMORE. A negative return aborts the run with
 * SIM_EHANDLER (the handler's own error is in its context). */
typedef int64_t (*sim_handler)(struct sim_engine *e, void *ctx, uint64_t block, void *data);

typedef uint64_t sim_event_id; /* 0 is never a valid id */

typedef struct sim_slot {
    uint64_t block;
    uint64_t seq;
    sim_event_id id;
    sim_handler fn;
    void *data;
    uint32_t phase;
    bool cancelled;
    bool live;
} sim_slot;

/* A heap entry carries its own sort key, so sifting never touches the slots:
 * key = (block, phase << 62 | seq). */
typedef struct sim_hent {
    uint64_t block;
    uint64_t order; /* phase in the top 2 bits, seq below */
    uint32_t slot;
} sim_hent;

typedef struct sim_engine {
    sim_slot *slots;    /* capacity slots */
    sim_hent *heap;     /* a binary min-heap of (key, slot) */
    uint32_t *free;     /* stack of free slot indices */
    uint32_t capacity, nheap, nfree;
    uint64_t next_seq;
    uint64_t now;       /* block of the event being (or last) processed */
    uint64_t processed; /* handler calls so far */
    void *ctx;          /* passed to every handler */
} sim_engine;

sim_status sim_init(sim_engine *e, uint32_t capacity, void *ctx);
void sim_free(sim_engine *e);

/* Schedule fn at (block, phase); block must not be in the past. */
sim_status sim_schedule(sim_engine *e, uint64_t block, uint32_t phase, sim_handler fn, void *data,
                        sim_event_id *id);
/* Tombstone an event; SIM_ENOENT if it already ran or was cancelled. */
sim_status sim_cancel(sim_engine *e, sim_event_id id);

/* Block of the next live event; false when none is pending. */
bool sim_peek(sim_engine *e, uint64_t *block);

/* Process events in order while their block is <= end. Events scheduled by a
 * handler for the current (block, phase) or later run in the same call. */
sim_status sim_run_until(sim_engine *e, uint64_t end);

static inline uint64_t sim_now(const sim_engine *e) { return e->now; }
static inline uint32_t sim_pending(const sim_engine *e) { return e->nheap; }

const char *sim_strerror(sim_status st);

#endif
