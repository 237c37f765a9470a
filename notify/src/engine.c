/*
 * engine.c - runs the notify workflows recorded in the topology: what
 * `vrepl notify run` hosts now and `vrepl serve` will host.
 *
 * A supervisor thread reconciles every poll_ms when the topology's
 * version moved (and every few seconds regardless): a workflow that is
 * recorded and not stopped gets a runner; one that was stopped, deleted
 * or redefined loses it; a runner whose producer failed fatally or whose
 * lock was taken over is stopped and started again after a backoff.  A
 * workflow whose lock another engine holds is retried quietly.
 *
 * Invariants: at most one runner per workflow name in this engine (and,
 * by the topology lock, in all engines); runners start and stop only on
 * the supervisor thread (or in vr_notify_engine_stop after it ended).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "notify_int.h"

#define FULL_CHECK_MS 5000

typedef struct slot {
    char *name;
    nt_runner_t *run;
    int64_t retry_at_ms;
    int backoff_ms;
    bool seen;
} slot_t;

struct vr_notify_engine {
    nt_engine_cfg_t cfg;
    char *only;
    pthread_t sup;
    bool started;
    atomic_bool stop;
    pthread_mutex_t mu;   /* cond waits; slots count for running() */
    pthread_cond_t cond;
    slot_t *slots;
    size_t nslots;
    int64_t version;
    int64_t last_full_ms;
};

static int or_default(int v, int d) { return v > 0 ? v : d; }

vr_code_t vr_notify_engine_new(vr_topo_t *topo, const vr_notify_engine_opts_t *opts,
                               vr_notify_engine_t **out, vr_error_t *err)
{
    vr_notify_engine_opts_t none;
    vr_notify_engine_t *e;
    if (!topo)
        return vr_errorf(err, VR_INVALID, "notify engine: no topology");
    if (!opts) {
        memset(&none, 0, sizeof(none));
        opts = &none;
    }
    e = vr_xcalloc(1, sizeof(*e));
    e->cfg.topo = topo;
    e->cfg.owner = vr_xstrdup(opts->owner && *opts->owner ? opts->owner : nt_default_owner());
    e->cfg.poll_ms = or_default(opts->poll_ms, 500);
    e->cfg.lock_ttl_s = or_default(opts->lock_ttl_s, 10);
    e->cfg.save_ms = or_default(opts->save_ms, 200);
    e->cfg.status_ms = or_default(opts->status_ms, 1000);
    e->cfg.heartbeat_ms = or_default(opts->heartbeat_ms, 500);
    e->cfg.retry_min_ms = or_default(opts->retry_min_ms, 500);
    e->cfg.retry_max_ms = or_default(opts->retry_max_ms, 30000);
    e->cfg.flush_ms = or_default(opts->flush_ms, 5000);
    e->cfg.on_ack = opts->on_ack;
    e->cfg.ack_arg = opts->ack_arg;
    e->only = opts->workflow && *opts->workflow ? vr_xstrdup(opts->workflow) : NULL;
    e->version = -1;
    pthread_mutex_init(&e->mu, NULL);
    pthread_cond_init(&e->cond, NULL);
    *out = e;
    return VR_OK;
}

/* ---- reconciling ------------------------------------------------------------- */

static slot_t *slot_for(vr_notify_engine_t *e, const char *name)
{
    size_t i;
    for (i = 0; i < e->nslots; i++)
        if (strcmp(e->slots[i].name, name) == 0)
            return &e->slots[i];
    pthread_mutex_lock(&e->mu);
    e->slots = vr_xrealloc(e->slots, (e->nslots + 1) * sizeof(*e->slots));
    memset(&e->slots[e->nslots], 0, sizeof(slot_t));
    e->slots[e->nslots].name = vr_xstrdup(name);
    pthread_mutex_unlock(&e->mu);
    return &e->slots[e->nslots++];
}

static void stop_runner(vr_notify_engine_t *e, slot_t *s)
{
    nt_runner_t *r = s->run;
    pthread_mutex_lock(&e->mu);
    s->run = NULL;
    pthread_mutex_unlock(&e->mu);
    nt_runner_stop(r);
}

static void start_runner(vr_notify_engine_t *e, slot_t *s, const char *json)
{
    int64_t now = vr_wall_ms();
    nt_runner_t *r = NULL;
    vr_error_t err;
    vr_code_t rc;

    if (now < s->retry_at_ms)
        return;
    vr_error_clear(&err);
    rc = nt_runner_start(&e->cfg, json, &r, &err);
    if (rc == VR_OK) {
        pthread_mutex_lock(&e->mu);
        s->run = r;
        pthread_mutex_unlock(&e->mu);
        return;
    }
    if (rc == VR_LOCKED) { /* another engine runs it; quietly try again later */
        vr_log_debug("notify", "%s: %s", s->name, err.msg);
        s->retry_at_ms = now + e->cfg.poll_ms;
        return;
    }
    s->backoff_ms = s->backoff_ms ? s->backoff_ms * 2 : e->cfg.retry_min_ms;
    if (s->backoff_ms > e->cfg.retry_max_ms)
        s->backoff_ms = e->cfg.retry_max_ms;
    s->retry_at_ms = now + s->backoff_ms;
    vr_error_prefix(&err, "starting notify workflow %s", s->name);
    vr_log_warn("notify", "%s; retrying in %d ms", err.msg, s->backoff_ms);
    nt_write_failed_status(&e->cfg, s->name, err.msg);
}

/* The definition JSON when the workflow should run, else NULL. */
static char *wanted(vr_notify_engine_t *e, const char *name)
{
    char *key = nt_def_key(name), *json = NULL;
    vr_notify_def_t *d = NULL;
    vr_error_t err;
    if (vr_topo_get_kv(e->cfg.topo, key, &json, &err) != VR_OK ||
        vr_notify_def_from_json(json, &d, &err) != VR_OK || d->stopped) {
        free(json);
        json = NULL;
    }
    vr_notify_def_free(d);
    free(key);
    return json;
}

static void reconcile_slot(vr_notify_engine_t *e, slot_t *s, const char *json)
{
    if (s->run && (!json || strcmp(json, s->run->def_json) != 0 ||
                   nt_runner_needs_restart(s->run))) {
        bool failed = json && nt_runner_needs_restart(s->run);
        stop_runner(e, s);
        if (failed) {
            s->backoff_ms = s->backoff_ms ? s->backoff_ms * 2 : e->cfg.retry_min_ms;
            if (s->backoff_ms > e->cfg.retry_max_ms)
                s->backoff_ms = e->cfg.retry_max_ms;
            s->retry_at_ms = vr_wall_ms() + s->backoff_ms;
        }
    }
    if (!s->run && json)
        start_runner(e, s, json);
}

static void drop_unseen(vr_notify_engine_t *e)
{
    size_t i = 0;
    while (i < e->nslots) {
        slot_t *s = &e->slots[i];
        if (s->seen) {
            i++;
            continue;
        }
        if (s->run)
            stop_runner(e, s);
        free(s->name);
        pthread_mutex_lock(&e->mu);
        e->slots[i] = e->slots[--e->nslots];
        pthread_mutex_unlock(&e->mu);
    }
}

static void reconcile(vr_notify_engine_t *e)
{
    char **names = NULL, *json;
    size_t n = 0, i;
    vr_error_t err;

    if (vr_notify_list(e->cfg.topo, &names, &n, &err) != VR_OK) {
        vr_log_warn("notify", "listing workflows: %s", err.msg);
        return;
    }
    for (i = 0; i < e->nslots; i++)
        e->slots[i].seen = false;
    for (i = 0; i < n && !atomic_load(&e->stop); i++) {
        slot_t *s;
        if (e->only && strcmp(e->only, names[i]) != 0)
            continue;
        s = slot_for(e, names[i]);
        s->seen = true;
        json = wanted(e, names[i]);
        reconcile_slot(e, s, json);
        free(json);
    }
    if (!atomic_load(&e->stop))
        drop_unseen(e);
    vr_topo_strv_free(names, n);
}

/* Something to do besides topology changes: a restart or a retry due. */
static bool due(vr_notify_engine_t *e, int64_t now)
{
    size_t i;
    if (now - e->last_full_ms >= FULL_CHECK_MS)
        return true;
    for (i = 0; i < e->nslots; i++)
        if ((e->slots[i].run && nt_runner_needs_restart(e->slots[i].run)) ||
            (!e->slots[i].run && e->slots[i].retry_at_ms && now >= e->slots[i].retry_at_ms))
            return true;
    return false;
}

static void wait_ms(vr_notify_engine_t *e, int ms)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    ts.tv_sec += ms / 1000;
    ts.tv_nsec += (long)(ms % 1000) * 1000000L;
    if (ts.tv_nsec >= 1000000000L) {
        ts.tv_sec++;
        ts.tv_nsec -= 1000000000L;
    }
    pthread_mutex_lock(&e->mu);
    while (!atomic_load(&e->stop) && pthread_cond_timedwait(&e->cond, &e->mu, &ts) != ETIMEDOUT)
        ;
    pthread_mutex_unlock(&e->mu);
}

static void *supervisor_main(void *arg)
{
    vr_notify_engine_t *e = arg;
    while (!atomic_load(&e->stop)) {
        int64_t v = -1, now = vr_wall_ms();
        vr_error_t err;
        if (vr_topo_version(e->cfg.topo, &v, &err) != VR_OK)
            vr_log_warn("notify", "reading the topology version: %s", err.msg);
        if (v != e->version || due(e, now)) {
            e->version = v;
            e->last_full_ms = now;
            reconcile(e);
        }
        wait_ms(e, e->cfg.poll_ms);
    }
    return NULL;
}

/* ---- the public face ------------------------------------------------------- */

vr_code_t vr_notify_engine_start(vr_notify_engine_t *e, vr_error_t *err)
{
    if (e->started)
        return vr_errorf(err, VR_STATE, "notify engine already started");
    if (pthread_create(&e->sup, NULL, supervisor_main, e) != 0)
        return vr_errorf(err, VR_INTERNAL, "starting the notify supervisor thread");
    e->started = true;
    return VR_OK;
}

void vr_notify_engine_stop(vr_notify_engine_t *e)
{
    size_t i;
    if (!e)
        return;
    pthread_mutex_lock(&e->mu);
    atomic_store(&e->stop, true);
    pthread_cond_broadcast(&e->cond);
    pthread_mutex_unlock(&e->mu);
    if (e->started) {
        pthread_join(e->sup, NULL);
        e->started = false;
    }
    for (i = 0; i < e->nslots; i++) /* all stop reading at once ... */
        if (e->slots[i].run)
            nt_runner_signal_stop(e->slots[i].run);
    for (i = 0; i < e->nslots; i++) /* ... then each drains and saves */
        if (e->slots[i].run)
            stop_runner(e, &e->slots[i]);
}

size_t vr_notify_engine_running(vr_notify_engine_t *e)
{
    size_t i, n = 0;
    pthread_mutex_lock(&e->mu);
    for (i = 0; i < e->nslots; i++)
        n += e->slots[i].run != NULL;
    pthread_mutex_unlock(&e->mu);
    return n;
}

void vr_notify_engine_free(vr_notify_engine_t *e)
{
    size_t i;
    if (!e)
        return;
    vr_notify_engine_stop(e);
    for (i = 0; i < e->nslots; i++)
        free(e->slots[i].name);
    free(e->slots);
    free(e->cfg.owner);
    free(e->only);
    pthread_mutex_destroy(&e->mu);
    pthread_cond_destroy(&e->cond);
    free(e);
}
