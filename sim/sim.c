/* sim.c -- discrete-event core: binary min-heap over preallocated slots.
 *
 * Invariant: the heap holds exactly the live slots (cancelled ones included
 * until they surface), ordered by (block, phase, seq); seq is unique, so the
 * order is total and independent of slot reuse. An event id is
 * (generation << 32 | slot); the generation changes on every reuse of a slot,
 * so a stale id can never cancel a newer event.
 */
#include "taosim/sim.h"

#include <stdlib.h>

const char *sim_strerror(sim_status st)
{
    switch (st) {
    case SIM_OK: return "ok";
    case SIM_ENOMEM: return "event capacity exhausted";
    case SIM_EPAST: return "event scheduled in the past";
    case SIM_ENOENT: return "no such pending event";
    case SIM_EHANDLER: return "an event handler failed";
    case SIM_EINVAL: return "invalid phase (or 2^62 events scheduled)";
    }
    return "unknown engine status";
}

sim_status sim_init(sim_engine *e, uint32_t capacity, void *ctx)
{
    *e = (sim_engine){0};
    e->slots = calloc(capacity ? capacity : 1, sizeof *e->slots);
    e->heap = calloc(capacity ? capacity : 1, sizeof *e->heap);
    e->free = calloc(capacity ? capacity : 1, sizeof *e->free);
    if (!e->slots || !e->heap || !e->free) {
        sim_free(e);
        return SIM_ENOMEM;
    }
    e->capacity = capacity;
    for (uint32_t i = 0; i < capacity; i++) e->free[i] = capacity - 1 - i; /* slot 0 first */
    e->nfree = capacity;
    e->ctx = ctx;
    return SIM_OK;
}

void sim_free(sim_engine *e)
{
    free(e->slots);
    free(e->heap);
    free(e->free);
    *e = (sim_engine){0};
}

/* (block, phase, seq) order; phase < 4 and seq < 2^62 fit one word. */
static inline bool before(const sim_hent *x, const sim_hent *y)
{
    return x->block != y->block ? x->block < y->block : x->order < y->order;
}

/* Hole-based sifts: the moving entry is written once, at its final place. */
static void sift_up(sim_engine *e, uint32_t i)
{
    sim_hent x = e->heap[i];
    while (i > 0) {
        uint32_t p = (i - 1) / 2;
        if (!before(&x, &e->heap[p])) break;
        e->heap[i] = e->heap[p];
        i = p;
    }
    e->heap[i] = x;
}

static void sift_down(sim_engine *e, uint32_t i)
{
    sim_hent x = e->heap[i];
    for (;;) {
        uint32_t l = 2 * i + 1, m = l;
        if (l >= e->nheap) break;
        if (l + 1 < e->nheap && before(&e->heap[l + 1], &e->heap[l])) m = l + 1;
        if (!before(&e->heap[m], &x)) break;
        e->heap[i] = e->heap[m];
        i = m;
    }
    e->heap[i] = x;
}

static void push(sim_engine *e, uint32_t slot)
{
    sim_slot *s = &e->slots[slot];
    s->seq = e->next_seq++;
    e->heap[e->nheap] = (sim_hent){s->block, ((uint64_t)s->phase << 62) | s->seq, slot};
    sift_up(e, e->nheap++);
}

static uint32_t pop(sim_engine *e)
{
    uint32_t top = e->heap[0].slot;
    e->heap[0] = e->heap[--e->nheap];
    if (e->nheap) sift_down(e, 0);
    return top;
}

static void release(sim_engine *e, uint32_t slot)
{
    e->slots[slot].live = false;
    e->free[e->nfree++] = slot;
}

sim_status sim_schedule(sim_engine *e, uint64_t block, uint32_t phase, sim_handler fn, void *data,
                        sim_event_id *id)
{
    if (block < e->now) return SIM_EPAST;
    if (phase >= SIM_PHASE_COUNT || e->next_seq >> 62) return SIM_EINVAL; /* the key must fit sim_hent.order */
    if (e->nfree == 0) return SIM_ENOMEM;
    uint32_t slot = e->free[--e->nfree];
    sim_slot *s = &e->slots[slot];
    uint64_t gen = (s->id >> 32) + 1;
    *s = (sim_slot){.block = block, .phase = phase, .fn = fn, .data = data, .live = true,
                    .id = (gen << 32) | slot};
    push(e, slot);
    if (id) *id = s->id;
    return SIM_OK;
}

sim_status sim_cancel(sim_engine *e, sim_event_id id)
{
    uint32_t slot = (uint32_t)id;
    if (slot >= e->capacity) return SIM_ENOENT;
    sim_slot *s = &e->slots[slot];
    if (!s->live || s->cancelled || s->id != id) return SIM_ENOENT;
    s->cancelled = true;
    return SIM_OK;
}

/* Drop cancelled events that have reached the top. */
static void drop_tombstones(sim_engine *e)
{
    while (e->nheap && e->slots[e->heap[0].slot].cancelled) release(e, pop(e));
}

bool sim_peek(sim_engine *e, uint64_t *block)
{
    drop_tombstones(e);
    if (!e->nheap) return false;
    *block = e->heap[0].block;
    return true;
}

sim_status sim_run_until(sim_engine *e, uint64_t end)
{
    for (;;) {
        drop_tombstones(e);
        if (!e->nheap || e->heap[0].block > end) return SIM_OK;
        uint32_t slot = pop(e);
        sim_slot *s = &e->slots[slot];
        e->now = s->block;
        e->processed++;
        int64_t again = s->fn(e, e->ctx, s->block, s->data);
        /* The handler may have cancelled its own event. */
        if (again < 0) {
            release(e, slot);
            return SIM_EHANDLER;
        }
        if (again == SIM_NOMORE || s->cancelled || (uint64_t)again > UINT64_MAX - s->block) {
            release(e, slot);
            continue;
        }
        s->block += (uint64_t)again;
        push(e, slot);
    }
}
