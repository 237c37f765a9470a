/*
 * relay.c - the reader thread and the queue between it and the applier
 * (Vitess's relay log).
 *
 * The reader thread owns the filtered stream: it copies each event (and
 * everything it points to) into the current chunk's arena, and publishes
 * the chunk at each transaction boundary (COMMIT, ROLLBACK, OTHER, DDL,
 * HEARTBEAT), so a chunk is normally a whole transaction; a transaction
 * bigger than a quarter of the queue is published in parts (`partial`),
 * so memory stays bounded whatever the size of a source transaction.  The applier takes every ready chunk
 * at once (vp_relay_fetch), which is how it knows whether more
 * transactions are waiting: the decision to batch them into one target
 * transaction needs no guessing.  Chunks go back to a pool after use.
 *
 * Invariants: a chunk is touched by one thread at a time (the reader
 * until published, then the applier until released); the queue holds at
 * most max_bytes (the reader waits), plus one chunk however big.  Table
 * descriptions are copied once per (table, version) into the reader's
 * arena, which lives as long as the relay.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "vplayer_int.h"

#define POOL_MAX 512

typedef struct tcache {
    const vr_vtable_t *copy;
    struct tcache *next;
} tcache_t;

struct vp_relay {
    pthread_t thread;
    bool started;
    pthread_mutex_t mu;
    pthread_cond_t ready_cv, space_cv;
    vp_chunk_t *head, *tail; /* ready, in order */
    size_t bytes, max_bytes;
    vp_chunk_t *pool;
    size_t npool;
    bool closing;            /* the applier wants the reader gone */
    bool done;               /* the reader returned */
    vr_code_t rc;            /* why it returned (VR_OK: stop position) */
    vr_error_t err;
    /* reader thread only */
    vr_fstream_t *fs;
    vp_chunk_t *fill;
    vr_arena_t *tables;
    tcache_t *tcache;
};

/* ---- copying events ------------------------------------------------------------- */

static const vr_vtable_t *copy_table(vp_relay_t *r, const vr_vtable_t *t)
{
    tcache_t *c;
    vr_vtable_t *n;
    vr_vfield_t *f;
    uint32_t i;
    for (c = r->tcache; c; c = c->next)
        if (c->copy->version == t->version && c->copy->nfields == t->nfields &&
            strcmp(c->copy->name, t->name) == 0 &&
            strcmp(c->copy->db ? c->copy->db : "", t->db ? t->db : "") == 0)
            return c->copy;
    n = vr_arena_calloc(r->tables, sizeof(*n));
    *n = *t;
    n->db = vr_arena_strdup(r->tables, t->db ? t->db : "");
    n->name = vr_arena_strdup(r->tables, t->name);
    f = vr_arena_memdup(r->tables, t->fields, (t->nfields ? t->nfields : 1) * sizeof(*f));
    for (i = 0; i < t->nfields; i++)
        f[i].name = vr_arena_strdup(r->tables, t->fields[i].name);
    n->fields = f;
    n->pk = vr_arena_memdup(r->tables, t->pk, (t->npk ? t->npk : 1) * sizeof(uint32_t));
    c = vr_arena_calloc(r->tables, sizeof(*c));
    c->copy = n;
    c->next = r->tcache;
    r->tcache = c;
    return n;
}

static const vr_value_t *copy_image(vr_arena_t *a, const vr_value_t *src, uint32_t n)
{
    vr_value_t *v;
    uint32_t i;
    if (!src)
        return NULL;
    v = vr_arena_memdup(a, src, (n ? n : 1) * sizeof(*v));
    for (i = 0; i < n; i++)
        if (v[i].s && !v[i].is_null)
            v[i].s = v[i].len ? vr_arena_memdup(a, v[i].s, v[i].len) : "";
    return v;
}

static const vr_gtid_set_t *copy_pos(vr_arena_t *a, const vr_gtid_set_t *p)
{
    vr_gtid_set_t *c;
    if (!p)
        return NULL;
    c = vr_arena_alloc(a, sizeof(*c));
    *c = *p;
    c->g = vr_arena_memdup(a, p->g, (p->n ? p->n : 1) * sizeof(vr_gtid_t));
    c->cap = c->n;
    return c;
}

static void copy_rows(vr_arena_t *a, vr_vevent_t *e, const vr_vevent_t *ev)
{
    vr_vrow_t *rows = vr_arena_alloc(a, (ev->nrows ? ev->nrows : 1) * sizeof(*rows));
    uint32_t nf = ev->table->nfields;
    size_t i, nb = (nf + 7) / 8;
    for (i = 0; i < ev->nrows; i++) {
        rows[i].before = copy_image(a, ev->rows[i].before, nf);
        rows[i].after = copy_image(a, ev->rows[i].after, nf);
        rows[i].before_cols = ev->rows[i].before_cols
                                  ? vr_arena_memdup(a, ev->rows[i].before_cols, nb ? nb : 1)
                                  : NULL;
        rows[i].after_cols = ev->rows[i].after_cols
                                 ? vr_arena_memdup(a, ev->rows[i].after_cols, nb ? nb : 1)
                                 : NULL;
    }
    e->rows = rows;
}

static vp_chunk_t *chunk_get(vp_relay_t *r)
{
    vp_chunk_t *c = NULL;
    pthread_mutex_lock(&r->mu);
    if (r->pool) {
        c = r->pool;
        r->pool = c->next;
        r->npool--;
    }
    pthread_mutex_unlock(&r->mu);
    if (!c) {
        c = vr_xcalloc(1, sizeof(*c));
        c->arena = vr_arena_new(0);
    }
    c->next = NULL;
    c->n = 0;
    c->cap = 0;
    c->ev = NULL;
    c->bytes = 0;
    c->partial = false;
    return c;
}

static void chunk_add(vp_relay_t *r, const vr_vevent_t *ev)
{
    vp_chunk_t *c = r->fill;
    vr_vevent_t *e;
    if (c->n == c->cap) {
        vr_vevent_t *n;
        c->cap = c->cap ? c->cap * 2 : 8;
        n = vr_arena_alloc(c->arena, c->cap * sizeof(*n));
        if (c->n)
            memcpy(n, c->ev, c->n * sizeof(*n));
        c->ev = n;
    }
    e = &c->ev[c->n++];
    *e = *ev;
    e->gtid = vr_arena_strdup(c->arena, ev->gtid ? ev->gtid : "");
    e->position = copy_pos(c->arena, ev->position);
    e->db = ev->db ? vr_arena_strdup(c->arena, ev->db) : NULL;
    e->statement = ev->statement ? vr_arena_strdup(c->arena, ev->statement) : NULL;
    if (ev->table)
        e->table = copy_table(r, ev->table);
    if (ev->type == VR_VEVENT_ROW)
        copy_rows(c->arena, e, ev);
}

static bool is_boundary(vr_vevent_type_t t)
{
    return t == VR_VEVENT_COMMIT || t == VR_VEVENT_ROLLBACK || t == VR_VEVENT_OTHER ||
           t == VR_VEVENT_DDL || t == VR_VEVENT_HEARTBEAT;
}

/* Queue the fill chunk; waits while the queue is full.  False: closing. */
static bool publish(vp_relay_t *r, bool partial)
{
    vp_chunk_t *c = r->fill;
    c->bytes = vr_arena_used(c->arena);
    c->partial = partial;
    if (partial)
        vr_log_debug("vplayer", "relay: %zu bytes of transaction %s, more to come", c->bytes,
                     c->n ? c->ev[0].gtid : "");
    pthread_mutex_lock(&r->mu);
    while (!r->closing && r->head && r->bytes + c->bytes > r->max_bytes)
        pthread_cond_wait(&r->space_cv, &r->mu);
    if (r->closing) {
        pthread_mutex_unlock(&r->mu);
        return false;
    }
    if (r->tail)
        r->tail->next = c;
    else
        r->head = c;
    r->tail = c;
    r->bytes += c->bytes;
    pthread_cond_signal(&r->ready_cv);
    pthread_mutex_unlock(&r->mu);
    r->fill = chunk_get(r);
    return true;
}

static bool closing(vp_relay_t *r)
{
    bool c;
    pthread_mutex_lock(&r->mu);
    c = r->closing;
    pthread_mutex_unlock(&r->mu);
    return c;
}

static void *reader_main(void *arg)
{
    vp_relay_t *r = arg;
    const vr_vevent_t *ev;
    vr_error_t err;
    vr_code_t rc = VR_OK;
    vr_error_clear(&err);
    r->fill = chunk_get(r);
    while (!closing(r)) {
        if ((rc = vr_fstream_next(r->fs, &ev, &err)) != VR_OK || !ev)
            break;
        chunk_add(r, ev);
        if (is_boundary(ev->type) ? !publish(r, false)
                                  : vr_arena_used(r->fill->arena) > r->max_bytes / 4 &&
                                        !publish(r, true))
            break;
    }
    pthread_mutex_lock(&r->mu);
    r->done = true;
    r->rc = rc;
    r->err = err;
    pthread_cond_broadcast(&r->ready_cv);
    pthread_mutex_unlock(&r->mu);
    return NULL;
}

/* ---- the applier's side ---------------------------------------------------------- */

vr_code_t vp_relay_start(const vp_relay_opts_t *o, vp_relay_t **out, vr_error_t *err)
{
    vp_relay_t *r = vr_xcalloc(1, sizeof(*r));
    vr_code_t rc;
    *out = NULL;
    pthread_mutex_init(&r->mu, NULL);
    pthread_cond_init(&r->ready_cv, NULL);
    pthread_cond_init(&r->space_cv, NULL);
    r->max_bytes = o->max_bytes ? o->max_bytes : (size_t)16 << 20;
    r->tables = vr_arena_new(0);
    if ((rc = vr_fstream_open(o->vs, o->filter, &r->fs, err)) != VR_OK) {
        vp_relay_stop(r);
        return rc;
    }
    if (pthread_create(&r->thread, NULL, reader_main, r) != 0) {
        vp_relay_stop(r);
        return vr_errorf(err, VR_INTERNAL, "cannot start the stream reader thread");
    }
    r->started = true;
    *out = r;
    return VR_OK;
}

static void deadline_after(struct timespec *ts, int ms)
{
    clock_gettime(CLOCK_REALTIME, ts);
    ts->tv_sec += ms / 1000;
    ts->tv_nsec += (long)(ms % 1000) * 1000000L;
    if (ts->tv_nsec >= 1000000000L) {
        ts->tv_sec++;
        ts->tv_nsec -= 1000000000L;
    }
}

vr_code_t vp_relay_fetch(vp_relay_t *r, int timeout_ms, vp_chunk_t **head, bool *eof,
                         vr_error_t *err)
{
    struct timespec until;
    vr_code_t rc = VR_OK;
    *head = NULL;
    *eof = false;
    deadline_after(&until, timeout_ms);
    pthread_mutex_lock(&r->mu);
    while (!r->head && !r->done)
        if (pthread_cond_timedwait(&r->ready_cv, &r->mu, &until) == ETIMEDOUT)
            break;
    if (r->head) {
        *head = r->head;
        r->head = r->tail = NULL;
        r->bytes = 0;
        pthread_cond_signal(&r->space_cv);
    } else if (r->done) {
        rc = r->rc;
        if (rc != VR_OK && err)
            *err = r->err;
        *eof = rc == VR_OK;
    }
    pthread_mutex_unlock(&r->mu);
    return rc;
}

bool vp_relay_ready(vp_relay_t *r)
{
    bool ready;
    pthread_mutex_lock(&r->mu);
    ready = r->head != NULL;
    pthread_mutex_unlock(&r->mu);
    return ready;
}

static void chunk_free(vp_chunk_t *c)
{
    vr_arena_free(c->arena);
    free(c);
}

void vp_relay_release(vp_relay_t *r, vp_chunk_t *head)
{
    vp_chunk_t *next;
    for (; head; head = next) {
        next = head->next;
        vr_arena_reset(head->arena);
        pthread_mutex_lock(&r->mu);
        if (r->npool < POOL_MAX) {
            head->next = r->pool;
            r->pool = head;
            r->npool++;
            head = NULL;
        }
        pthread_mutex_unlock(&r->mu);
        if (head)
            chunk_free(head);
    }
}

static void free_list(vp_chunk_t *c)
{
    vp_chunk_t *next;
    for (; c; c = next) {
        next = c->next;
        chunk_free(c);
    }
}

void vp_relay_stop(vp_relay_t *r)
{
    if (!r)
        return;
    pthread_mutex_lock(&r->mu);
    r->closing = true;
    pthread_cond_broadcast(&r->space_cv);
    pthread_mutex_unlock(&r->mu);
    if (r->started)
        pthread_join(r->thread, NULL); /* returns within one heartbeat */
    vr_fstream_close(r->fs);
    free_list(r->head);
    free_list(r->pool);
    if (r->fill)
        chunk_free(r->fill);
    vr_arena_free(r->tables);
    pthread_cond_destroy(&r->ready_cv);
    pthread_cond_destroy(&r->space_cv);
    pthread_mutex_destroy(&r->mu);
    free(r);
}
