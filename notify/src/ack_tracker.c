/*
 * ack_tracker.c - the acknowledged position of a shard's stream (see
 * ack_tracker.h).
 *
 * Invariants: ring[head .. head+len) holds transactions head_seq ..
 * next_seq-1 in stream order; only the tail may be open (not sealed);
 * the head is never both sealed and complete (advance() pops it) unless
 * it failed.  acked only grows, by vr_gtid_set_update() with the GTIDs
 * of popped transactions, in order.
 *
 * No locking: the caller serializes.
 */
#include <stdlib.h>
#include <string.h>

#include "ack_tracker.h"
#include "vr_buf.h"

void ack_init(ack_tracker_t *tr, const vr_gtid_set_t *start, ack_popped_fn fn, void *arg)
{
    memset(tr, 0, sizeof(*tr));
    tr->popped = fn;
    tr->popped_arg = arg;
    vr_gtid_set_init(&tr->acked);
    if (start)
        vr_gtid_set_copy(&tr->acked, start);
    tr->next_seq = 1;
    tr->head_seq = 1;
}

void ack_free(ack_tracker_t *tr)
{
    free(tr->ring);
    vr_gtid_set_free(&tr->acked);
    memset(tr, 0, sizeof(*tr));
}

void ack_reset(ack_tracker_t *tr)
{
    tr->head = 0;
    tr->len = 0;
    tr->head_seq = tr->next_seq;
    tr->outstanding = 0;
    tr->failed = false;
}

static ack_txn_t *at(ack_tracker_t *tr, size_t i) { return &tr->ring[(tr->head + i) % tr->cap]; }

static void grow(ack_tracker_t *tr)
{
    size_t ncap = tr->cap ? tr->cap * 2 : 64, i;
    ack_txn_t *n = vr_xcalloc(ncap, sizeof(*n));
    for (i = 0; i < tr->len; i++)
        n[i] = *at(tr, i);
    free(tr->ring);
    tr->ring = n;
    tr->cap = ncap;
    tr->head = 0;
}

static ack_txn_t *tail(ack_tracker_t *tr) { return tr->len ? at(tr, tr->len - 1) : NULL; }

uint64_t ack_begin(ack_tracker_t *tr)
{
    ack_txn_t *t;
    if (tr->len == tr->cap)
        grow(tr);
    t = at(tr, tr->len++);
    memset(t, 0, sizeof(*t));
    return tr->next_seq++;
}

uint64_t ack_add(ack_tracker_t *tr)
{
    ack_txn_t *t = tail(tr);
    if (!t || t->sealed)
        return 0;
    t->outstanding++;
    tr->outstanding++;
    return tr->next_seq - 1;
}

void ack_unadd(ack_tracker_t *tr)
{
    ack_txn_t *t = tail(tr);
    if (t && t->outstanding) {
        t->outstanding--;
        tr->outstanding--;
    }
}

/* Pop every complete transaction at the head. */
static void advance(ack_tracker_t *tr)
{
    while (tr->len) {
        ack_txn_t *t = at(tr, 0);
        if (t->failed)
            return;
        if (!t->sealed || t->outstanding)
            return;
        if (t->has_gtid)
            vr_gtid_set_update(&tr->acked, &t->gtid);
        if (t->ts)
            tr->acked_ts = t->ts;
        tr->acked_txns++;
        tr->dirty = true;
        if (tr->popped)
            tr->popped(tr->popped_arg, t);
        tr->head = (tr->head + 1) % tr->cap;
        tr->len--;
        tr->head_seq++;
    }
}

void ack_seal(ack_tracker_t *tr, const vr_gtid_t *gtid, int64_t ts)
{
    ack_txn_t *t = tail(tr);
    if (!t || t->sealed)
        return;
    t->sealed = true;
    t->ts = ts;
    if (gtid) {
        t->gtid = *gtid;
        t->has_gtid = true;
    }
    if (tr->len == 1)
        advance(tr);
}

void ack_mark(ack_tracker_t *tr, const vr_gtid_t *gtid, int64_t ts)
{
    ack_txn_t *t = tail(tr);
    /* Fold into a finished tail of the same domain: popping it later
     * yields the newer GTID, and nothing lies between the two. */
    if (t && t->sealed && !t->outstanding && !t->failed && gtid && t->has_gtid &&
        t->gtid.domain == gtid->domain) {
        t->gtid = *gtid;
        if (ts)
            t->ts = ts;
        return;
    }
    ack_begin(tr);
    ack_seal(tr, gtid, ts);
}

bool ack_done(ack_tracker_t *tr, uint64_t seq, bool ok)
{
    ack_txn_t *t;
    if (seq < tr->head_seq || seq >= tr->next_seq)
        return false;
    t = at(tr, (size_t)(seq - tr->head_seq));
    if (!t->outstanding)
        return false;
    t->outstanding--;
    tr->outstanding--;
    if (!ok) {
        t->failed = true;
        tr->failed = true;
    }
    if (seq == tr->head_seq)
        advance(tr);
    return true;
}

size_t ack_pending(const ack_tracker_t *tr) { return tr->len; }

bool ack_take_dirty(ack_tracker_t *tr)
{
    bool d = tr->dirty;
    tr->dirty = false;
    return d;
}
