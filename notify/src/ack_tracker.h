/*
 * ack_tracker.h - which position of a shard's stream the broker has fully
 * acknowledged.
 *
 * The stream registers its transactions in order (begin, one add per
 * message produced, seal with the transaction's GTID); delivery reports
 * arrive in any order (done).  The acknowledged position advances over a
 * prefix of sealed transactions whose messages were all delivered; a
 * transaction with a failed message stops it for good (the stream must
 * restart from the acknowledged position, after reset()).  Transactions
 * without messages (mark) move the position as soon as everything before
 * them is acknowledged.
 *
 * Plain data, no locking: the owner serializes calls (notify locks the
 * shard's mutex around them).  Memory: a ring that grows by doubling; no
 * allocation per transaction once warm.
 */
#ifndef VR_NOTIFY_ACK_TRACKER_H
#define VR_NOTIFY_ACK_TRACKER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "vr_gtid.h"

typedef struct ack_txn {
    vr_gtid_t gtid;
    int64_t ts;           /* commit time, seconds */
    uint32_t outstanding; /* messages produced and not yet reported */
    bool has_gtid;
    bool sealed;          /* every message of it has been produced */
    bool failed;          /* a message of it was not delivered */
} ack_txn_t;

typedef struct ack_tracker {
    ack_txn_t *ring;
    size_t cap, head, len;
    uint64_t head_seq;      /* sequence number of ring[head] */
    uint64_t next_seq;      /* of the next begin (starts at 1) */
    vr_gtid_set_t acked;    /* position after the last acknowledged txn */
    int64_t acked_ts;       /* commit time of the last acknowledged txn */
    uint64_t outstanding;   /* messages in flight, all transactions */
    uint64_t acked_txns;
    bool failed;            /* a message was not delivered: restart */
    bool dirty;             /* acked moved since ack_take_dirty() */
    void (*popped)(void *arg, const ack_txn_t *t);
    void *popped_arg;
} ack_tracker_t;

/* Called for each transaction the position moves over (may be NULL). */
typedef void (*ack_popped_fn)(void *arg, const ack_txn_t *t);

/* start: the position the stream starts after (copied; NULL: empty). */
void ack_init(ack_tracker_t *tr, const vr_gtid_set_t *start, ack_popped_fn fn, void *arg);
void ack_free(ack_tracker_t *tr);
/* Forget every transaction (none may have messages in flight); the
 * acknowledged position stays.  Clears the failure. */
void ack_reset(ack_tracker_t *tr);

/* A new open transaction at the tail; returns its sequence number. */
uint64_t ack_begin(ack_tracker_t *tr);
/* One more message of the tail transaction; returns its sequence number
 * (0 when no transaction is open). */
uint64_t ack_add(ack_tracker_t *tr);
/* Take back the last ack_add() (the produce call failed). */
void ack_unadd(ack_tracker_t *tr);
/* Every message of the tail transaction is produced. */
void ack_seal(ack_tracker_t *tr, const vr_gtid_t *gtid, int64_t ts);
/* A transaction without messages (OTHER, filtered out): begin + seal. */
void ack_mark(ack_tracker_t *tr, const vr_gtid_t *gtid, int64_t ts);
/* A delivery report for a message of transaction seq.  Returns false for
 * an unknown seq (a bug: reported by the caller). */
bool ack_done(ack_tracker_t *tr, uint64_t seq, bool ok);

/* Transactions not yet acknowledged. */
size_t ack_pending(const ack_tracker_t *tr);
/* True (and cleared) when the position moved since the last call. */
bool ack_take_dirty(ack_tracker_t *tr);

#endif
