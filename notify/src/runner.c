/*
 * runner.c - one running notify workflow: its producer, a stream thread
 * per shard (shard_stream.c), a poller thread and a saver thread.
 *
 * The poller only serves librdkafka's callbacks (rd_kafka_poll: delivery
 * reports feed the shards' ack trackers, errors the status) and probes
 * the brokers while an error stands and nothing is in flight.  The saver
 * saves each shard's acknowledged position at most every save_ms, writes
 * the status every status_ms and renews the workflow's topology lock; it
 * is a thread of its own so that a slow topology write never delays the
 * acknowledgements (and through a full queue, the stream).
 *
 * Invariants: a saved position only ever comes from an ack tracker (or
 * the snapshot's end, shard_stream.c); stop() joins the shard threads
 * before flushing, so no message is produced after the last save, and
 * writes nothing for a workflow that was deleted meanwhile.  While the
 * lock cannot be renewed (another engine took over) the runner asks to
 * be restarted.
 *
 * Threads: start/stop on the engine's supervisor thread; the others as
 * above.
 */
#include <errno.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "notify_int.h"

static char *lock_name(const nt_runner_t *r) { return vr_xasprintf("notify/%s", r->def->name); }

bool nt_runner_sleep(nt_runner_t *r, int ms)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    ts.tv_sec += ms / 1000;
    ts.tv_nsec += (long)(ms % 1000) * 1000000L;
    if (ts.tv_nsec >= 1000000000L) {
        ts.tv_sec++;
        ts.tv_nsec -= 1000000000L;
    }
    pthread_mutex_lock(&r->mu);
    while (!atomic_load(&r->stop) &&
           pthread_cond_timedwait(&r->cond, &r->mu, &ts) != ETIMEDOUT)
        ;
    pthread_mutex_unlock(&r->mu);
    return !atomic_load(&r->stop);
}

bool nt_runner_needs_restart(nt_runner_t *r) { return atomic_load(&r->restart); }

static bool def_exists(nt_runner_t *r)
{
    char *key = nt_def_key(r->def->name), *v = NULL;
    vr_error_t e;
    vr_code_t rc = vr_topo_get_kv(r->cfg->topo, key, &v, &e);
    free(v);
    free(key);
    return rc != VR_NOT_FOUND;
}

/* ---- positions --------------------------------------------------------------- */

/* The position to save: the tracker's, with the skip entries it has not
 * passed yet.  Caller holds s->mu. */
static void snapshot_pos(nt_shard_t *s, nt_pos_t *p)
{
    size_t i;
    memset(p, 0, sizeof(*p));
    p->position = vr_gtid_set_to_string(&s->tr.acked);
    for (i = 0; i < s->pos.nskip && i < s->nskip_sets; i++) {
        if (vr_gtid_set_contains_set(&s->tr.acked, &s->skip_sets[i]))
            continue;
        p->skip_tables = vr_xrealloc(p->skip_tables, (p->nskip + 1) * sizeof(char *));
        p->skip_pos = vr_xrealloc(p->skip_pos, (p->nskip + 1) * sizeof(char *));
        p->skip_tables[p->nskip] = vr_xstrdup(s->pos.skip_tables[i]);
        p->skip_pos[p->nskip++] = vr_xstrdup(s->pos.skip_pos[i]);
    }
}

/* Serialized per shard (save_mu): two savers could otherwise write an
 * older position after a newer one. */
void nt_runner_save_shard(nt_runner_t *r, nt_shard_t *s, bool force)
{
    int64_t now = vr_wall_ms();
    nt_pos_t p;
    vr_error_t err;
    bool go;

    pthread_mutex_lock(&s->save_mu);
    pthread_mutex_lock(&s->mu);
    go = s->tracking && s->tr.dirty && (force || now - s->last_save_ms >= r->cfg->save_ms);
    if (go) {
        ack_take_dirty(&s->tr);
        snapshot_pos(s, &p);
        s->last_save_ms = now;
    }
    pthread_mutex_unlock(&s->mu);
    if (go && nt_pos_save(r->cfg->topo, r->def->name, s->name, &p, &err) != VR_OK) {
        vr_log_warn("notify", "%s", err.msg);
        pthread_mutex_lock(&s->mu);
        s->tr.dirty = true;
        pthread_mutex_unlock(&s->mu);
    } else if (go) {
        vr_log_debug("notify", "%s/%s: saved position '%s'", r->def->name, s->name, p.position);
    }
    if (go)
        nt_pos_free(&p);
    pthread_mutex_unlock(&s->save_mu);
}

/* ---- status ------------------------------------------------------------------ */

static json_t *jstr_or_null(const char *s) { return s && *s ? json_string(s) : json_null(); }

static json_t *shard_status(nt_runner_t *r, nt_shard_t *s, bool kafka_down, const char *kerr,
                            int64_t kerr_at, bool *error)
{
    json_t *o;
    int64_t now = vr_wall_ms() / 1000, base;
    uint64_t in_flight;
    const char *state, *last = NULL;
    int64_t last_at;
    char *pos;

    pthread_mutex_lock(&s->mu);
    in_flight = s->tr.outstanding + s->snap_outstanding;
    state = nt_shard_state_name(s->state);
    if ((kafka_down || s->topic_error) &&
        (s->state == NT_SHARD_STREAMING || s->state == NT_SHARD_SNAPSHOT))
        state = "error";
    last = s->last_error[0] ? s->last_error : NULL;
    last_at = s->last_error_at;
    if (kafka_down && kerr_at >= last_at) {
        last = kerr;
        last_at = kerr_at;
    }
    base = s->tr.acked_ts > s->lag_base_ts ? s->tr.acked_ts : s->lag_base_ts;
    pos = s->tracking ? vr_gtid_set_to_string(&s->tr.acked) : NULL;
    o = json_pack("{s:s, s:s, s:o, s:I, s:I, s:I, s:I, s:o, s:o, s:o}", "shard", s->name,
                  "state", state, "lag_seconds",
                  s->caught_up ? json_integer(0)
                               : base ? json_integer(now > base ? now - base : 0) : json_null(),
                  "messages_sent", (json_int_t)s->sent, "messages_acked", (json_int_t)s->acked,
                  "messages_failed", (json_int_t)s->failed, "in_flight", (json_int_t)in_flight,
                  "acked_position", jstr_or_null(pos), "last_error", jstr_or_null(last),
                  "last_error_at", last_at ? json_integer(last_at) : json_null());
    pthread_mutex_unlock(&s->mu);
    free(pos);
    *error = *error || strcmp(state, "error") == 0;
    return o;
}

void nt_runner_write_status(nt_runner_t *r, const char *state)
{
    json_t *o, *shards = json_array();
    char kerr[VR_ERROR_MSG_MAX], *key, *s;
    int64_t kerr_at;
    bool down, error = false;
    vr_error_t err;
    size_t i;

    pthread_mutex_lock(&r->mu);
    snprintf(kerr, sizeof(kerr), "%s", r->kafka_error);
    kerr_at = r->kafka_error_at;
    down = r->kafka_down;
    pthread_mutex_unlock(&r->mu);
    for (i = 0; i < r->nshards; i++)
        json_array_append_new(shards, shard_status(r, &r->shards[i], down, kerr, kerr_at, &error));
    if (!state)
        state = error ? "error" : "running";
    o = json_pack("{s:s, s:I, s:s, s:o, s:o}", "owner", r->cfg->owner, "updated_at",
                  (json_int_t)(vr_wall_ms() / 1000), "state", state, "kafka_error",
                  down ? jstr_or_null(kerr) : json_null(), "shards", shards);
    s = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER);
    key = nt_status_key(r->def->name);
    if (vr_topo_put_kv(r->cfg->topo, key, s, &err) != VR_OK)
        vr_log_warn("notify", "%s: writing the status: %s", r->def->name, err.msg);
    free(key);
    free(s);
    json_decref(o);
}

void nt_write_failed_status(const nt_engine_cfg_t *cfg, const char *wf, const char *msg)
{
    json_t *o = json_pack("{s:s, s:I, s:s, s:s, s:[]}", "owner", cfg->owner, "updated_at",
                          (json_int_t)(vr_wall_ms() / 1000), "state", "error", "error", msg,
                          "shards");
    char *s = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER), *key = nt_status_key(wf);
    vr_error_t err;
    if (vr_topo_put_kv(cfg->topo, key, s, &err) != VR_OK)
        vr_log_warn("notify", "%s: writing the status: %s", wf, err.msg);
    free(key);
    free(s);
    json_decref(o);
}

/* ---- the poller and the saver -------------------------------------------------- */

static uint64_t in_flight(nt_runner_t *r)
{
    uint64_t n = 0;
    size_t i;
    for (i = 0; i < r->nshards; i++) {
        pthread_mutex_lock(&r->shards[i].mu);
        n += r->shards[i].tr.outstanding + r->shards[i].snap_outstanding;
        pthread_mutex_unlock(&r->shards[i].mu);
    }
    return n;
}

/* While an error stands and nothing is in flight, ask a broker for
 * metadata: an answer means the brokers are back. */
static void probe(nt_runner_t *r, int64_t now)
{
    const struct rd_kafka_metadata *md = NULL;
    bool down;
    pthread_mutex_lock(&r->mu);
    down = r->kafka_down;
    pthread_mutex_unlock(&r->mu);
    if (!down || now - r->last_probe_ms < 3000 || in_flight(r) > 0)
        return;
    r->last_probe_ms = now;
    if (rd_kafka_metadata(r->rk, 0, NULL, &md, 1000) == RD_KAFKA_RESP_ERR_NO_ERROR) {
        pthread_mutex_lock(&r->mu);
        r->kafka_down = false;
        pthread_mutex_unlock(&r->mu);
    }
    if (md)
        rd_kafka_metadata_destroy(md);
}

static void renew_lock(nt_runner_t *r, int64_t now)
{
    char *name;
    vr_error_t err;
    if (now - r->last_lock_ms < (int64_t)r->cfg->lock_ttl_s * 1000 / 3)
        return;
    r->last_lock_ms = now;
    name = lock_name(r);
    if (vr_topo_lock(r->cfg->topo, name, r->cfg->owner, r->cfg->lock_ttl_s, &err) != VR_OK) {
        vr_log_error("notify", "%s: lost the workflow lock: %s", r->def->name, err.msg);
        atomic_store(&r->restart, true);
    }
    free(name);
}

/* Delivery reports and errors only: never blocked by topology writes. */
static void *poller_main(void *arg)
{
    nt_runner_t *r = arg;
    while (!atomic_load(&r->poller_stop)) {
        rd_kafka_poll(r->rk, 50);
        probe(r, vr_wall_ms());
    }
    return NULL;
}

/* Positions, status and the lock: the topology may be slow (a busy disk,
 * a remote store); waiting on it must not hold up acknowledgements. */
static void *saver_main(void *arg)
{
    nt_runner_t *r = arg;
    size_t i;
    while (!atomic_load(&r->poller_stop)) {
        int64_t now = vr_wall_ms();
        for (i = 0; i < r->nshards; i++)
            nt_runner_save_shard(r, &r->shards[i], false);
        if (now - r->last_status_ms >= r->cfg->status_ms) {
            r->last_status_ms = now;
            if (def_exists(r)) /* not after a delete */
                nt_runner_write_status(r, NULL);
        }
        renew_lock(r, now);
        usleep(20000);
    }
    return NULL;
}

/* ---- start / stop ------------------------------------------------------------ */

static void runner_free(nt_runner_t *r)
{
    size_t i;
    for (i = 0; i < r->nshards; i++)
        nt_shard_destroy(&r->shards[i]);
    free(r->shards);
    if (r->rk)
        rd_kafka_destroy(r->rk);
    pthread_mutex_destroy(&r->mu);
    pthread_cond_destroy(&r->cond);
    vr_notify_def_free(r->def);
    free(r->def_json);
    free(r->prefix);
    free(r);
}

static void unlock(nt_runner_t *r)
{
    char *name = lock_name(r);
    vr_error_t err;
    vr_topo_unlock(r->cfg->topo, name, r->cfg->owner, &err);
    free(name);
}

static vr_code_t take_lock(nt_runner_t *r, vr_error_t *err)
{
    char *name = lock_name(r);
    vr_code_t rc = vr_topo_lock(r->cfg->topo, name, r->cfg->owner, r->cfg->lock_ttl_s, err);
    free(name);
    r->last_lock_ms = vr_wall_ms();
    return rc;
}

static vr_code_t start_threads(nt_runner_t *r, vr_error_t *err)
{
    size_t i;
    if (pthread_create(&r->poller, NULL, poller_main, r) != 0)
        return vr_errorf(err, VR_INTERNAL, "starting the poller thread");
    r->poller_started = true;
    if (pthread_create(&r->saver, NULL, saver_main, r) != 0)
        return vr_errorf(err, VR_INTERNAL, "starting the saver thread");
    r->saver_started = true;
    for (i = 0; i < r->nshards; i++) {
        if (pthread_create(&r->shards[i].thread, NULL, nt_shard_main, &r->shards[i]) != 0)
            return vr_errorf(err, VR_INTERNAL, "starting the thread of shard %s",
                             r->shards[i].name);
        r->shards[i].started = true;
    }
    return VR_OK;
}

vr_code_t nt_runner_start(const nt_engine_cfg_t *cfg, const char *def_json, nt_runner_t **out,
                          vr_error_t *err)
{
    nt_runner_t *r = vr_xcalloc(1, sizeof(*r));
    char **shards = NULL;
    size_t n = 0, i;
    bool locked = false;
    vr_code_t rc;

    *out = NULL;
    r->cfg = cfg;
    pthread_mutex_init(&r->mu, NULL);
    pthread_cond_init(&r->cond, NULL);
    r->def_json = vr_xstrdup(def_json);
    if ((rc = vr_notify_def_from_json(def_json, &r->def, err)) != VR_OK)
        goto out;
    r->prefix = vr_xstrdup(vr_notify_def_prefix(r->def));
    if ((rc = take_lock(r, err)) != VR_OK)
        goto out;
    locked = true;
    if ((rc = nt_def_shards(cfg->topo, r->def, &shards, &n, err)) != VR_OK)
        goto out;
    r->shards = vr_xcalloc(n, sizeof(*r->shards));
    for (i = 0; i < n; i++)
        nt_shard_init(&r->shards[i], r, (uint32_t)i, shards[i]);
    r->nshards = n;
    if ((rc = nt_producer_new(r, err)) != VR_OK || (rc = start_threads(r, err)) != VR_OK)
        goto out;
    vr_log_info("notify", "%s: running %zu shard(s) of %s to %s", r->def->name, n,
                r->def->keyspace, r->def->brokers);
    vr_topo_strv_free(shards, n);
    *out = r;
    return VR_OK;
out:
    vr_topo_strv_free(shards, n);
    if (r->poller_started)
        nt_runner_stop(r); /* joins what started, unlocks, frees */
    else {
        if (locked)
            unlock(r);
        runner_free(r);
    }
    return rc;
}

/* Hand back undelivered messages (failures: the position stays before
 * them) and serve their reports. */
static void purge(nt_runner_t *r)
{
    rd_kafka_purge(r->rk, RD_KAFKA_PURGE_F_QUEUE | RD_KAFKA_PURGE_F_INFLIGHT);
    rd_kafka_poll(r->rk, 0);
    rd_kafka_flush(r->rk, 100);
}

void nt_runner_signal_stop(nt_runner_t *r)
{
    pthread_mutex_lock(&r->mu);
    atomic_store(&r->stop, true);
    pthread_cond_broadcast(&r->cond);
    pthread_mutex_unlock(&r->mu);
}

void nt_runner_stop(nt_runner_t *r)
{
    size_t i;
    bool exists;
    if (!r)
        return;
    nt_runner_signal_stop(r);
    for (i = 0; i < r->nshards; i++)
        if (r->shards[i].started)
            pthread_join(r->shards[i].thread, NULL);
    if (r->rk)
        rd_kafka_flush(r->rk, r->cfg->flush_ms);
    atomic_store(&r->poller_stop, true);
    if (r->poller_started)
        pthread_join(r->poller, NULL);
    if (r->saver_started)
        pthread_join(r->saver, NULL);
    if (r->rk)
        purge(r);
    exists = def_exists(r);
    for (i = 0; exists && i < r->nshards; i++)
        nt_runner_save_shard(r, &r->shards[i], true);
    if (exists)
        nt_runner_write_status(r, "not running");
    unlock(r);
    vr_log_info("notify", "%s: stopped", r->def->name);
    runner_free(r);
}
