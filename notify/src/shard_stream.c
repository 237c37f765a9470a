/*
 * shard_stream.c - one shard of a notify workflow: a thread that reads the
 * shard primary's filtered binlog (after an optional snapshot) and
 * produces one Kafka message per row change, registering every message
 * with the shard's ack tracker.
 *
 * Life of the thread (nt_shard_state_t, moves checked by set_state):
 *   STARTING -> [SNAPSHOT ->] STREAMING -> (failure) RETRYING -> STARTING ...
 *   any -> STOPPED when the runner stops.
 * A failure (source error, produce error, a delivery that failed) ends
 * the attempt: the thread waits until no message of the shard is in
 * flight, saves the acknowledged position, sleeps a doubling backoff and
 * starts again from the saved position.  So the saved position never
 * passes a message that was not delivered, and a restart repeats at most
 * what was in flight (at least once).
 *
 * Snapshot: each table is copied at its own GTID (rowstreamer); the
 * stream then starts at the first table's GTID and drops a later table's
 * changes up to that table's GTID (they are in its copy already).
 *
 * Threads: the shard thread runs everything here except
 * nt_shard_delivered (poller thread) and the status/save readers
 * (runner.c); those share s->mu.  Event memory lives until the next
 * vr_fstream_next; message bytes are copied by librdkafka (F_COPY), so the
 * buffers are reused for every message.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "notify_int.h"

#define SNAPSHOT_PACKET_ROWS 1000

const char *nt_shard_state_name(nt_shard_state_t s)
{
    switch (s) {
    case NT_SHARD_STARTING: return "starting";
    case NT_SHARD_SNAPSHOT: return "snapshot";
    case NT_SHARD_STREAMING: return "streaming";
    case NT_SHARD_RETRYING: return "error";
    case NT_SHARD_STOPPED: return "stopped";
    }
    return "?";
}

static bool transition_ok(nt_shard_state_t from, nt_shard_state_t to)
{
    if (to == NT_SHARD_STOPPED)
        return from != NT_SHARD_STOPPED;
    switch (from) {
    case NT_SHARD_STARTING:
        return to == NT_SHARD_SNAPSHOT || to == NT_SHARD_STREAMING || to == NT_SHARD_RETRYING;
    case NT_SHARD_SNAPSHOT:
        return to == NT_SHARD_STREAMING || to == NT_SHARD_RETRYING;
    case NT_SHARD_STREAMING:
        return to == NT_SHARD_RETRYING;
    case NT_SHARD_RETRYING:
        return to == NT_SHARD_STARTING;
    case NT_SHARD_STOPPED:
        return false;
    }
    return false;
}

static void set_state(nt_shard_t *s, nt_shard_state_t to)
{
    pthread_mutex_lock(&s->mu);
    if (s->state != to && !transition_ok(s->state, to))
        vr_log_error("notify", "%s/%s: bad state move %s -> %s", s->run->def->name, s->name,
                     nt_shard_state_name(s->state), nt_shard_state_name(to));
    else
        s->state = to;
    pthread_mutex_unlock(&s->mu);
}

static bool stopping(const nt_shard_t *s) { return atomic_load(&s->run->stop); }

void nt_shard_set_error(nt_shard_t *s, const char *msg)
{
    pthread_mutex_lock(&s->mu);
    snprintf(s->last_error, sizeof(s->last_error), "%s", msg);
    s->last_error_at = vr_wall_ms() / 1000;
    pthread_mutex_unlock(&s->mu);
}

/* ---- acknowledgements (poller thread) -------------------------------------- */

static void on_popped(void *arg, const ack_txn_t *t)
{
    nt_shard_t *s = arg;
    const nt_engine_cfg_t *cfg = s->run->cfg;
    char g[VR_GTID_STR_MAX] = "";
    if (!cfg->on_ack)
        return;
    if (t->has_gtid)
        vr_gtid_format(&t->gtid, g);
    cfg->on_ack(cfg->ack_arg, s->run->def->name, s->name, g, t->ts);
}

void nt_shard_delivered(nt_shard_t *s, uint64_t seq, rd_kafka_resp_err_t e, const char *topic,
                        int32_t partition)
{
    bool known = true;
    pthread_mutex_lock(&s->mu);
    if (seq == 0) {
        if (s->snap_outstanding)
            s->snap_outstanding--;
        if (e)
            s->snap_failed = true;
    } else {
        known = ack_done(&s->tr, seq, e == RD_KAFKA_RESP_ERR_NO_ERROR);
    }
    if (e) {
        s->failed++;
        snprintf(s->last_error, sizeof(s->last_error),
                 "delivery to %s [%d] failed: %s (%s)", topic, (int)partition,
                 rd_kafka_err2str(e), rd_kafka_err2name(e));
        s->last_error_at = vr_wall_ms() / 1000;
    } else {
        s->acked++;
        s->topic_error = false;
        s->last_progress_ms = vr_wall_ms();
    }
    pthread_mutex_unlock(&s->mu);
    if (!known)
        vr_log_error("notify", "%s/%s: delivery report for unknown transaction %llu",
                     s->run->def->name, s->name, (unsigned long long)seq);
}

/* ---- set-up ------------------------------------------------------------------ */

void nt_shard_init(nt_shard_t *s, nt_runner_t *r, uint32_t idx, const char *name)
{
    memset(s, 0, sizeof(*s));
    s->run = r;
    s->idx = idx;
    s->name = vr_xstrdup(name);
    pthread_mutex_init(&s->mu, NULL);
    pthread_mutex_init(&s->save_mu, NULL);
    s->state = NT_SHARD_STARTING;
    ack_init(&s->tr, NULL, on_popped, s);
}

static void free_skip(nt_shard_t *s)
{
    size_t i;
    for (i = 0; i < s->nskip_sets; i++)
        vr_gtid_set_free(&s->skip_sets[i]);
    free(s->skip_sets);
    s->skip_sets = NULL;
    s->nskip_sets = 0;
}

void nt_shard_destroy(nt_shard_t *s)
{
    size_t i;
    for (i = 0; i < s->ntopics; i++) {
        free(s->topics[i].table);
        rd_kafka_topic_destroy(s->topics[i].rkt);
    }
    free(s->topics);
    if (s->ddl_topic)
        rd_kafka_topic_destroy(s->ddl_topic);
    free_skip(s);
    vr_buf_free(&s->key);
    vr_buf_free(&s->key2);
    vr_buf_free(&s->val);
    vr_buf_free(&s->scratch);
    ack_free(&s->tr);
    nt_pos_free(&s->pos);
    pthread_mutex_destroy(&s->mu);
    pthread_mutex_destroy(&s->save_mu);
    free(s->name);
}

/* A stable replica server id per workflow and shard (1e9 .. 2e9): a
 * restarted stream replaces its predecessor's connection on the source. */
static uint32_t server_id(const nt_shard_t *s)
{
    uint32_t h = 2166136261u;
    const char *p;
    for (p = s->run->def->name; *p; p++)
        h = (h ^ (uint8_t)*p) * 16777619u;
    h = (h ^ '/') * 16777619u;
    for (p = s->name; *p; p++)
        h = (h ^ (uint8_t)*p) * 16777619u;
    return 1000000000u + h % 1000000000u;
}

/* ---- producing ------------------------------------------------------------------ */

static rd_kafka_topic_t *topic_for(nt_shard_t *s, const char *table)
{
    size_t i;
    nt_topic_t *t;
    for (i = 0; i < s->ntopics; i++)
        if (strcmp(s->topics[i].table, table) == 0)
            return s->topics[i].rkt;
    vr_buf_reset(&s->scratch);
    vr_notify_topic(&s->scratch, s->run->prefix, s->run->def->keyspace, table);
    s->topics = vr_xrealloc(s->topics, (s->ntopics + 1) * sizeof(*s->topics));
    t = &s->topics[s->ntopics++];
    t->table = vr_xstrdup(table);
    t->rkt = rd_kafka_topic_new(s->run->rk, s->scratch.data, NULL);
    return t->rkt;
}

static rd_kafka_topic_t *ddl_topic(nt_shard_t *s)
{
    if (!s->ddl_topic) {
        vr_buf_reset(&s->scratch);
        vr_notify_topic(&s->scratch, s->run->prefix, s->run->def->keyspace, NULL);
        s->ddl_topic = rd_kafka_topic_new(s->run->rk, s->scratch.data, NULL);
    }
    return s->ddl_topic;
}

static vr_code_t produce_failed(nt_shard_t *s, rd_kafka_topic_t *rkt, rd_kafka_resp_err_t e,
                                size_t bytes, vr_error_t *err)
{
    if (e == RD_KAFKA_RESP_ERR_MSG_SIZE_TOO_LARGE)
        return vr_errorf(err, VR_INVALID,
                         "producing to %s: a message of %zu bytes is over the size limit "
                         "(message.max.bytes; raise it with --kafka-conf and on the broker)",
                         rd_kafka_topic_name(rkt), bytes);
    return vr_errorf(err, VR_IO, "producing to %s: %s", rd_kafka_topic_name(rkt),
                     rd_kafka_err2str(e));
}

/* Produce one message (val NULL: a tombstone), registered with the
 * tracker's open transaction, or as a snapshot message. */
static vr_code_t produce(nt_shard_t *s, rd_kafka_topic_t *rkt, const vr_buf_t *key,
                         const vr_buf_t *val, bool snapshot, vr_error_t *err)
{
    uint64_t seq = 0;
    size_t vlen = val ? val->len : 0;
    rd_kafka_resp_err_t e;

    pthread_mutex_lock(&s->mu);
    if (snapshot)
        s->snap_outstanding++;
    else
        seq = ack_add(&s->tr);
    s->sent += snapshot || seq;
    pthread_mutex_unlock(&s->mu);
    if (!snapshot && seq == 0)
        return vr_errorf(err, VR_INTERNAL, "a row outside of a transaction");
    for (;;) {
        if (rd_kafka_produce(rkt, RD_KAFKA_PARTITION_UA, RD_KAFKA_MSG_F_COPY,
                             val ? val->data : NULL, vlen, key ? key->data : NULL,
                             key ? key->len : 0, NT_OPAQUE(s->idx, seq)) == 0)
            return VR_OK;
        e = rd_kafka_last_error();
        if (e != RD_KAFKA_RESP_ERR__QUEUE_FULL || stopping(s))
            break;
        usleep(1000); /* the poller drains delivery reports */
    }
    pthread_mutex_lock(&s->mu);
    if (snapshot)
        s->snap_outstanding--;
    else
        ack_unadd(&s->tr);
    s->sent--;
    pthread_mutex_unlock(&s->mu);
    if (e == RD_KAFKA_RESP_ERR__QUEUE_FULL)
        return vr_errorf(err, VR_STATE, "stopping");
    return produce_failed(s, rkt, e, vlen + (key ? key->len : 0), err);
}

static uint32_t gtid_server(const char *gtid)
{
    vr_gtid_t g;
    vr_error_t e;
    if (!gtid || !*gtid || vr_gtid_parse(gtid, &g, &e) != VR_OK)
        return 0;
    return g.server;
}

static void fill_source(const nt_shard_t *s, const vr_vtable_t *t, const char *gtid,
                        int64_t ts_ms, vr_notify_source_t *src)
{
    src->name = s->run->prefix;
    src->keyspace = s->run->def->keyspace;
    src->shard = s->name;
    src->db = t ? t->db : s->tablet.db_name;
    src->table = t ? t->name : NULL;
    src->gtid = gtid;
    src->server_id = gtid_server(gtid);
    src->ts_ms = ts_ms;
}

/* One message: key buffer k, envelope of op. */
static vr_code_t send_op(nt_shard_t *s, rd_kafka_topic_t *rkt, const vr_notify_source_t *src,
                         const vr_vtable_t *t, const vr_vrow_t *row, vr_notify_op_t op,
                         const vr_buf_t *k, bool snapshot, vr_error_t *err)
{
    vr_code_t rc;
    vr_buf_reset(&s->val);
    vr_notify_envelope_json(&s->val, src, op, t, row, vr_wall_ms());
    if ((rc = produce(s, rkt, k, &s->val, snapshot, err)) != VR_OK)
        return rc;
    if (op == VR_NOTIFY_DELETE && s->run->def->tombstones)
        rc = produce(s, rkt, k, NULL, snapshot, err);
    return rc;
}

/* A row change: c, u or d; an update that changes the key becomes d
 * (+ tombstone) of the old key and c of the new one. */
static vr_code_t send_row(nt_shard_t *s, const vr_vevent_t *ev, const vr_vrow_t *row,
                          vr_error_t *err)
{
    const vr_vtable_t *t = ev->table;
    rd_kafka_topic_t *rkt = topic_for(s, t->name);
    vr_notify_source_t src;
    bool hk, hk2 = false;
    vr_code_t rc;

    fill_source(s, t, ev->gtid, ev->timestamp * 1000, &src);
    vr_buf_reset(&s->key);
    vr_buf_reset(&s->key2);
    hk = vr_notify_key_json(&s->key, t, row->after ? row->after : row->before);
    if (!row->before)
        return send_op(s, rkt, &src, t, row, VR_NOTIFY_CREATE, hk ? &s->key : NULL, false, err);
    if (!row->after)
        return send_op(s, rkt, &src, t, row, VR_NOTIFY_DELETE, hk ? &s->key : NULL, false, err);
    hk2 = vr_notify_key_json(&s->key2, t, row->before);
    if (hk && hk2 && strcmp(s->key.data, s->key2.data) != 0) {
        if ((rc = send_op(s, rkt, &src, t, row, VR_NOTIFY_DELETE, &s->key2, false, err)) != VR_OK)
            return rc;
        return send_op(s, rkt, &src, t, row, VR_NOTIFY_CREATE, &s->key, false, err);
    }
    return send_op(s, rkt, &src, t, row, VR_NOTIFY_UPDATE, hk ? &s->key : NULL, false, err);
}

/* True when the rows of this event are already in a later table copy. */
static bool in_copy(const nt_shard_t *s, const vr_vevent_t *ev)
{
    size_t i;
    vr_gtid_t g;
    vr_error_t e;
    for (i = 0; i < s->nskip_sets; i++) {
        if (strcmp(s->pos.skip_tables[i], ev->table->name) != 0)
            continue;
        return vr_gtid_parse(ev->gtid, &g, &e) == VR_OK &&
               vr_gtid_set_contains(&s->skip_sets[i], &g);
    }
    return false;
}

static vr_code_t on_rows(nt_shard_t *s, const vr_vevent_t *ev, vr_error_t *err)
{
    size_t i;
    vr_code_t rc;
    if (s->nskip_sets && in_copy(s, ev))
        return VR_OK;
    for (i = 0; i < ev->nrows; i++)
        if ((rc = send_row(s, ev, &ev->rows[i], err)) != VR_OK)
            return vr_error_prefix(err, "%s.%s at %s", ev->table->db, ev->table->name, ev->gtid);
    return VR_OK;
}

static vr_code_t parse_gtid(const vr_vevent_t *ev, vr_gtid_t *g, vr_error_t *err)
{
    if (vr_gtid_parse(ev->gtid, g, err) != VR_OK)
        return vr_error_prefix(err, "%s event", vr_vevent_type_name(ev->type));
    return VR_OK;
}

/* BEGIN, DDL, OTHER: the source is busy again. */
static void txn_begins(nt_shard_t *s, const vr_vevent_t *ev, bool open)
{
    pthread_mutex_lock(&s->mu);
    if (s->caught_up) {
        s->caught_up = false;
        s->lag_base_ts = ev->timestamp;
    }
    if (open)
        ack_begin(&s->tr);
    pthread_mutex_unlock(&s->mu);
}

static vr_code_t seal(nt_shard_t *s, const vr_vevent_t *ev, vr_error_t *err)
{
    vr_gtid_t g;
    if (parse_gtid(ev, &g, err) != VR_OK)
        return err->code;
    pthread_mutex_lock(&s->mu);
    ack_seal(&s->tr, &g, ev->timestamp);
    pthread_mutex_unlock(&s->mu);
    return VR_OK;
}

static vr_code_t on_ddl(nt_shard_t *s, const vr_vevent_t *ev, vr_error_t *err)
{
    vr_notify_source_t src;
    vr_code_t rc;
    txn_begins(s, ev, true);
    fill_source(s, NULL, ev->gtid, ev->timestamp * 1000, &src);
    src.db = ev->db && *ev->db ? ev->db : s->tablet.db_name;
    vr_buf_reset(&s->key);
    vr_buf_reset(&s->val);
    vr_notify_ddl_json(&s->key, &s->val, &src, ev->statement, vr_wall_ms());
    if ((rc = produce(s, ddl_topic(s), &s->key, &s->val, false, err)) != VR_OK)
        return vr_error_prefix(err, "DDL at %s", ev->gtid);
    return seal(s, ev, err);
}

static vr_code_t on_other(nt_shard_t *s, const vr_vevent_t *ev, vr_error_t *err)
{
    vr_gtid_t g;
    if (parse_gtid(ev, &g, err) != VR_OK)
        return err->code;
    txn_begins(s, ev, false);
    pthread_mutex_lock(&s->mu);
    ack_mark(&s->tr, &g, ev->timestamp);
    pthread_mutex_unlock(&s->mu);
    return VR_OK;
}

static vr_code_t on_event(nt_shard_t *s, const vr_vevent_t *ev, vr_error_t *err)
{
    switch (ev->type) {
    case VR_VEVENT_BEGIN:
        txn_begins(s, ev, true);
        return VR_OK;
    case VR_VEVENT_FIELD:
    case VR_VEVENT_GTID:
        return VR_OK;
    case VR_VEVENT_ROW:
        return on_rows(s, ev, err);
    case VR_VEVENT_COMMIT:
    case VR_VEVENT_ROLLBACK: /* non-transactional rows stay changed: send */
        return seal(s, ev, err);
    case VR_VEVENT_DDL:
        return on_ddl(s, ev, err);
    case VR_VEVENT_OTHER:
        return on_other(s, ev, err);
    case VR_VEVENT_HEARTBEAT:
        pthread_mutex_lock(&s->mu);
        s->caught_up = ack_pending(&s->tr) == 0;
        pthread_mutex_unlock(&s->mu);
        return VR_OK;
    }
    return vr_errorf(err, VR_INTERNAL, "unknown event type %d", (int)ev->type);
}

/* ---- stalls ------------------------------------------------------------------------ */

/* Messages in flight and no delivery for STALL_MS: ask the brokers about
 * each topic this shard sends to, so a topic that cannot be created or
 * written shows in the status long before librdkafka times the messages
 * out (message.timeout.ms).  The answer also refreshes librdkafka's view
 * of the topic, so a fixed topic is used again at once. */
#define STALL_MS 3000

static void probe_topic(nt_shard_t *s, rd_kafka_topic_t *rkt, char *msg, size_t n)
{
    const struct rd_kafka_metadata *md = NULL;
    rd_kafka_resp_err_t e = rd_kafka_metadata(s->run->rk, 0, rkt, &md, 2000);
    if (e == RD_KAFKA_RESP_ERR_NO_ERROR && md->topic_cnt == 1 && md->topics[0].err)
        snprintf(msg, n, "topic %s cannot be used: %s (%s)", rd_kafka_topic_name(rkt),
                 rd_kafka_err2str(md->topics[0].err), rd_kafka_err2name(md->topics[0].err));
    if (md)
        rd_kafka_metadata_destroy(md);
}

static void check_stall(nt_shard_t *s)
{
    int64_t now = vr_wall_ms();
    char msg[VR_ERROR_MSG_MAX] = "";
    bool stalled;
    size_t i;

    pthread_mutex_lock(&s->mu);
    stalled = s->tr.outstanding > 0 && now - s->last_progress_ms > STALL_MS &&
              now - s->last_probe_ms > STALL_MS;
    if (stalled)
        s->last_probe_ms = now;
    pthread_mutex_unlock(&s->mu);
    if (!stalled)
        return;
    for (i = 0; i < s->ntopics && !msg[0]; i++)
        probe_topic(s, s->topics[i].rkt, msg, sizeof(msg));
    if (!msg[0] && s->ddl_topic)
        probe_topic(s, s->ddl_topic, msg, sizeof(msg));
    if (!msg[0])
        return;
    vr_log_warn("notify", "%s/%s: %s", s->run->def->name, s->name, msg);
    pthread_mutex_lock(&s->mu);
    snprintf(s->last_error, sizeof(s->last_error), "%s", msg);
    s->last_error_at = now / 1000;
    s->topic_error = true;
    pthread_mutex_unlock(&s->mu);
}

/* ---- streaming ------------------------------------------------------------------- */

static bool delivery_failed(nt_shard_t *s, vr_error_t *err)
{
    bool failed;
    pthread_mutex_lock(&s->mu);
    failed = s->tr.failed;
    if (failed)
        vr_errorf(err, VR_IO, "%s", s->last_error);
    pthread_mutex_unlock(&s->mu);
    return failed;
}

static vr_code_t make_filter(const vr_notify_def_t *d, vr_filter_t **f, vr_error_t *err)
{
    vr_filter_rule_t *rules = vr_xcalloc(d->ntables + 1, sizeof(*rules));
    size_t i, n = 0;
    vr_code_t rc;
    if (d->all)
        rules[n++] = (vr_filter_rule_t){"/.*", ""};
    for (i = 0; !d->all && i < d->ntables; i++)
        rules[n++] = (vr_filter_rule_t){d->tables[i], ""};
    rc = vr_filter_new(rules, n, NULL, f, err);
    free(rules);
    return rc;
}

/* Parse the skip list (under the lock: the poller reads it to save). */
static vr_code_t parse_skips(nt_shard_t *s, vr_error_t *err)
{
    vr_code_t rc = VR_OK;
    size_t i;
    pthread_mutex_lock(&s->mu);
    free_skip(s);
    s->skip_sets = vr_xcalloc(s->pos.nskip + 1, sizeof(*s->skip_sets));
    for (i = 0; i < s->pos.nskip && rc == VR_OK; i++) {
        vr_gtid_set_init(&s->skip_sets[i]);
        s->nskip_sets++;
        if ((rc = vr_gtid_set_parse(&s->skip_sets[i], s->pos.skip_pos[i], err)) != VR_OK)
            vr_error_prefix(err, "saved position of table %s", s->pos.skip_tables[i]);
    }
    pthread_mutex_unlock(&s->mu);
    return rc;
}

static vr_code_t run_stream(nt_shard_t *s, vr_error_t *err)
{
    const nt_engine_cfg_t *cfg = s->run->cfg;
    vr_vstream_opts_t o;
    vr_filter_t *f = NULL;
    vr_fstream_t *fs = NULL;
    const vr_vevent_t *ev;
    vr_code_t rc;

    memset(&o, 0, sizeof(o));
    nt_tablet_source(&s->tablet, &o.source);
    o.position = s->pos.position;
    o.server_id = server_id(s);
    o.heartbeat_ms = cfg->heartbeat_ms;
    o.retries = 3;
    if ((rc = parse_skips(s, err)) != VR_OK || (rc = make_filter(s->run->def, &f, err)) != VR_OK)
        goto out;
    if ((rc = vr_fstream_open(&o, f, &fs, err)) != VR_OK) {
        vr_error_prefix(err, "streaming from %s at '%s'", s->tablet.alias, s->pos.position);
        goto out;
    }
    set_state(s, NT_SHARD_STREAMING);
    pthread_mutex_lock(&s->mu);
    s->last_progress_ms = vr_wall_ms();
    pthread_mutex_unlock(&s->mu);
    vr_log_info("notify", "%s/%s: streaming from %s after '%s'", s->run->def->name, s->name,
                s->tablet.alias, s->pos.position);
    while (!stopping(s) && !delivery_failed(s, err)) {
        if ((rc = vr_fstream_next(fs, &ev, err)) != VR_OK)
            goto out;
        if (!ev) {
            rc = vr_errorf(err, VR_STATE, "the binlog stream ended");
            goto out;
        }
        if ((rc = on_event(s, ev, err)) != VR_OK)
            goto out;
        check_stall(s);
    }
    rc = stopping(s) ? VR_OK : err->code;
out:
    vr_fstream_close(fs);
    vr_filter_free(f);
    return rc;
}

/* ---- snapshot ------------------------------------------------------------------ */

static vr_code_t copy_packet(nt_shard_t *s, const vr_rowpacket_t *pkt, int64_t ts_ms,
                             vr_error_t *err)
{
    rd_kafka_topic_t *rkt = topic_for(s, pkt->table->name);
    vr_notify_source_t src;
    vr_vrow_t row = {0};
    size_t i;
    vr_code_t rc;
    fill_source(s, pkt->table, NULL, ts_ms, &src);
    for (i = 0; i < pkt->nrows; i++) {
        row.after = pkt->rows[i];
        vr_buf_reset(&s->key);
        if ((rc = send_op(s, rkt, &src, pkt->table, &row, VR_NOTIFY_READ,
                          vr_notify_key_json(&s->key, pkt->table, row.after) ? &s->key : NULL,
                          true, err)) != VR_OK)
            return rc;
    }
    return VR_OK;
}

/* Copy one table; *position gets the GTID set of its snapshot. */
static vr_code_t copy_table(nt_shard_t *s, const char *table, char **position, vr_error_t *err)
{
    vr_rowstream_opts_t o;
    vr_rowstream_t *rs = NULL;
    const vr_rowpacket_t *pkt;
    int64_t ts_ms = vr_wall_ms();
    vr_code_t rc;

    memset(&o, 0, sizeof(o));
    nt_tablet_source(&s->tablet, &o.source);
    o.table = table;
    o.packet_rows = SNAPSHOT_PACKET_ROWS;
    if ((rc = vr_rowstream_open(&o, &rs, err)) != VR_OK)
        goto out;
    *position = vr_gtid_set_to_string(vr_rowstream_position(rs));
    while (!stopping(s) && (rc = vr_rowstream_next(rs, &pkt, err)) == VR_OK && pkt)
        if ((rc = copy_packet(s, pkt, ts_ms, err)) != VR_OK)
            break;
out:
    vr_rowstream_close(rs);
    if (rc != VR_OK)
        vr_error_prefix(err, "snapshot of %s", table);
    return rc;
}

/* Wait until no snapshot message is in flight. */
static vr_code_t snapshot_settle(nt_shard_t *s, vr_error_t *err)
{
    for (;;) {
        bool busy, failed;
        pthread_mutex_lock(&s->mu);
        busy = s->snap_outstanding > 0;
        failed = s->snap_failed;
        if (failed && !busy)
            vr_errorf(err, VR_IO, "snapshot: %s", s->last_error);
        pthread_mutex_unlock(&s->mu);
        if (!busy)
            return failed ? VR_IO : VR_OK;
        if (!nt_runner_sleep(s->run, 5))
            return vr_errorf(err, VR_STATE, "stopping");
    }
}

static vr_code_t snapshot_tables(nt_shard_t *s, char ***tables, size_t *n, vr_error_t *err)
{
    const vr_notify_def_t *d = s->run->def;
    size_t i;
    if (d->all)
        return nt_tablet_tables(&s->tablet, tables, n, err);
    *tables = vr_xcalloc(d->ntables + 1, sizeof(char *));
    for (i = 0; i < d->ntables; i++)
        (*tables)[i] = vr_xstrdup(d->tables[i]);
    *n = d->ntables;
    return VR_OK;
}

static vr_code_t run_snapshot(nt_shard_t *s, vr_error_t *err)
{
    char **tables = NULL, *p = NULL;
    size_t n = 0, i;
    nt_pos_t np;
    vr_code_t rc;

    memset(&np, 0, sizeof(np));
    set_state(s, NT_SHARD_SNAPSHOT);
    pthread_mutex_lock(&s->mu);
    s->snap_failed = false;
    pthread_mutex_unlock(&s->mu);
    if ((rc = snapshot_tables(s, &tables, &n, err)) != VR_OK)
        goto out;
    if (n == 0 && (rc = nt_tablet_position(&s->tablet, &np.position, err)) != VR_OK)
        goto out;
    for (i = 0; i < n && !stopping(s); i++) {
        if ((rc = copy_table(s, tables[i], &p, err)) != VR_OK)
            goto out;
        if (!np.position)
            np.position = p;
        else if (strcmp(np.position, p) != 0) {
            np.skip_tables = vr_xrealloc(np.skip_tables, (np.nskip + 1) * sizeof(char *));
            np.skip_pos = vr_xrealloc(np.skip_pos, (np.nskip + 1) * sizeof(char *));
            np.skip_tables[np.nskip] = vr_xstrdup(tables[i]);
            np.skip_pos[np.nskip++] = p;
        } else
            free(p);
        p = NULL;
    }
    if (stopping(s) || (rc = snapshot_settle(s, err)) != VR_OK)
        goto out;
    if ((rc = nt_pos_save(s->run->cfg->topo, s->run->def->name, s->name, &np, err)) != VR_OK)
        goto out;
    vr_log_info("notify", "%s/%s: snapshot of %zu tables acknowledged; streaming after '%s'",
                s->run->def->name, s->name, n, np.position);
    if (s->run->cfg->on_ack)
        s->run->cfg->on_ack(s->run->cfg->ack_arg, s->run->def->name, s->name, "", 0);
    pthread_mutex_lock(&s->mu);
    nt_pos_free(&s->pos);
    s->pos = np;
    memset(&np, 0, sizeof(np));
    pthread_mutex_unlock(&s->mu);
out:
    nt_pos_free(&np);
    vr_topo_strv_free(tables, n);
    return rc;
}

/* ---- one attempt, and the retry loop ------------------------------------------ */

/* Load the saved position and point the tracker at it. */
static vr_code_t load_position(nt_shard_t *s, vr_error_t *err)
{
    nt_pos_t p;
    vr_gtid_set_t set = VR_GTID_SET_INIT;
    vr_code_t rc = nt_pos_load(s->run->cfg->topo, s->run->def->name, s->name, &p, err);
    if (rc == VR_NOT_FOUND) { /* a shard added after create: from its oldest binlog */
        vr_log_warn("notify", "%s/%s: no saved position; streaming from the oldest binlog",
                    s->run->def->name, s->name);
        memset(&p, 0, sizeof(p));
        p.position = vr_xstrdup("");
        p.snapshot = s->run->def->snapshot;
        rc = VR_OK;
    }
    if (rc != VR_OK)
        return rc;
    if (!p.snapshot && (rc = vr_gtid_set_parse(&set, p.position, err)) != VR_OK) {
        nt_pos_free(&p);
        return vr_error_prefix(err, "saved position");
    }
    pthread_mutex_lock(&s->mu);
    nt_pos_free(&s->pos);
    s->pos = p;
    ack_free(&s->tr);
    ack_init(&s->tr, &set, on_popped, s);
    s->tracking = !p.snapshot;
    pthread_mutex_unlock(&s->mu);
    vr_gtid_set_free(&set);
    return VR_OK;
}

static vr_code_t start_tracking(nt_shard_t *s, vr_error_t *err)
{
    vr_gtid_set_t set = VR_GTID_SET_INIT;
    if (vr_gtid_set_parse(&set, s->pos.position, err) != VR_OK)
        return err->code;
    pthread_mutex_lock(&s->mu);
    ack_free(&s->tr);
    ack_init(&s->tr, &set, on_popped, s);
    s->tracking = true;
    pthread_mutex_unlock(&s->mu);
    vr_gtid_set_free(&set);
    return VR_OK;
}

static vr_code_t attempt(nt_shard_t *s, vr_error_t *err)
{
    vr_code_t rc;
    set_state(s, NT_SHARD_STARTING);
    if ((rc = nt_shard_tablet(s->run->cfg->topo, s->run->def->keyspace, s->name, &s->tablet,
                              err)) != VR_OK ||
        (rc = load_position(s, err)) != VR_OK)
        return rc;
    if (s->pos.snapshot &&
        ((rc = run_snapshot(s, err)) != VR_OK || stopping(s) || (rc = start_tracking(s, err)) != VR_OK))
        return rc;
    return run_stream(s, err);
}

/* Wait until no message of this shard is in flight (or the runner stops). */
static void settle(nt_shard_t *s)
{
    for (;;) {
        uint64_t n;
        pthread_mutex_lock(&s->mu);
        n = s->tr.outstanding + s->snap_outstanding;
        pthread_mutex_unlock(&s->mu);
        if (n == 0 || !nt_runner_sleep(s->run, 10))
            return;
    }
}

static uint64_t acked_count(nt_shard_t *s)
{
    uint64_t n;
    pthread_mutex_lock(&s->mu);
    n = s->acked;
    pthread_mutex_unlock(&s->mu);
    return n;
}

void *nt_shard_main(void *arg)
{
    nt_shard_t *s = arg;
    const nt_engine_cfg_t *cfg = s->run->cfg;
    int backoff = cfg->retry_min_ms;
    uint64_t acked_before;
    vr_error_t err;

    while (!stopping(s)) {
        vr_error_clear(&err);
        acked_before = acked_count(s);
        if (attempt(s, &err) == VR_OK || stopping(s))
            break;
        vr_error_prefix(&err, "%s/%s", s->run->def->name, s->name);
        vr_log_warn("notify", "%s; retrying in %d ms", err.msg, backoff);
        nt_shard_set_error(s, err.msg);
        set_state(s, NT_SHARD_RETRYING);
        settle(s);
        nt_runner_save_shard(s->run, s, true);
        if (acked_count(s) != acked_before)
            backoff = cfg->retry_min_ms; /* it made progress: start over */
        if (!nt_runner_sleep(s->run, backoff))
            break;
        backoff = backoff * 2 > cfg->retry_max_ms ? cfg->retry_max_ms : backoff * 2;
    }
    set_state(s, NT_SHARD_STOPPED);
    return NULL;
}
