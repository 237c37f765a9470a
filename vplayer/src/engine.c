/*
 * engine.c - run every stream of every primary in the topology (see
 * vr_vrepl_engine.h).
 *
 * Threads: one manager thread polls the topology and each primary's
 * _vt.vreplication; one worker thread per running stream blocks in
 * vr_vplayer_run().  The worker list is touched by the manager only;
 * `done` is the one field a worker writes (under the engine mutex), and
 * vr_vplayer_stop() is safe from any thread.
 *
 * Invariant: at most one worker per (target alias, stream id).  A worker
 * whose player returned is joined and removed by the next poll; the row's
 * state then decides whether it starts again (only a row in Running,
 * Copying or Init does, i.e. after `workflow start` for a stopped one).
 * A row whose tablet_types changed has its player stopped, and started
 * again from a tablet of the new types.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "vr_cluster.h"
#include "vr_common.h"
#include "vr_topo.h"
#include "vr_vplayer.h"
#include "vr_vrepl_engine.h"
#include "vr_vschema.h"

typedef struct worker {
    char alias[VR_NAME_MAX];
    int64_t id;
    char tablet_types[128]; /* the row's when the player started */
    vr_vplayer_t *player;
    vr_vschema_t *source_vs, *target_vs;
    pthread_t thread;
    bool done;
    struct worker *next;
} worker_t;

struct vr_vrepl_engine {
    char *topo_path;
    int poll_ms;
    pthread_t manager;
    bool started;
    pthread_mutex_t mu;
    pthread_cond_t cond;
    bool stopping;
    worker_t *workers;
};

vr_code_t vr_vrepl_engine_new(const char *topo_path, int poll_ms, vr_vrepl_engine_t **out,
                              vr_error_t *err)
{
    vr_vrepl_engine_t *e = vr_xcalloc(1, sizeof(*e));
    (void)err;
    e->topo_path = vr_xstrdup(topo_path);
    e->poll_ms = poll_ms > 0 ? poll_ms : 500;
    pthread_mutex_init(&e->mu, NULL);
    pthread_cond_init(&e->cond, NULL);
    *out = e;
    return VR_OK;
}

static void *worker_main(void *arg)
{
    worker_t *w = arg;
    vr_error_t err;
    vr_error_clear(&err);
    if (vr_vplayer_run(w->player, &err) != VR_OK)
        vr_log_warn("vreplication", "stream %lld on %s stopped: %s", (long long)w->id, w->alias,
                    err.msg);
    __atomic_store_n(&w->done, true, __ATOMIC_RELEASE);
    return NULL;
}

static void worker_free(worker_t *w)
{
    vr_vplayer_free(w->player);
    vr_vschema_free(w->source_vs);
    vr_vschema_free(w->target_vs);
    free(w);
}

static vr_vschema_t *load_vschema(vr_topo_t *topo, const char *ks)
{
    char *json = NULL;
    vr_vschema_t *vs = NULL;
    if (vr_topo_get_vschema(topo, ks, &json, NULL) == VR_OK)
        vr_vschema_parse(ks, json, &vs, NULL);
    free(json);
    return vs;
}

static void source_of_tablet(const vr_tablet_t *t, const char *db, vr_vstream_source_t *s)
{
    memset(s, 0, sizeof(*s));
    s->host = t->host[0] ? t->host : "127.0.0.1";
    s->port = (unsigned)t->port;
    s->socket = t->socket[0] ? t->socket : NULL;
    s->user = "root";
    s->db = db;
}

/* The source tablet of a stream: the first serving tablet of the shard
 * among the row's tablet_types, tried in the order given ("rdonly",
 * "replica,primary", Vitess's "in_order:replica,primary"; empty: the
 * primary).  VR_INVALID for a type name that is not one. */
static vr_code_t pick_source(vr_topo_t *topo, const char *ks, const char *shard,
                             const char *types, vr_tablet_t *out, vr_error_t *err)
{
    vr_tablet_type_t want[VR_TABLET_TYPES_MAX];
    vr_tablet_t *tabs = NULL;
    size_t n = 0, nwant = 0, i, k;
    vr_code_t rc;

    if ((rc = vr_tablet_types_parse(types, want, &nwant, err)) != VR_OK)
        return rc;
    if (nwant == 0)
        return vr_topo_get_primary(topo, ks, shard, out, err);
    if ((rc = vr_topo_list_tablets(topo, ks, shard, &tabs, &n, err)) != VR_OK)
        return rc;
    rc = VR_NOT_FOUND;
    for (k = 0; k < nwant && rc != VR_OK; k++)
        for (i = 0; i < n && rc != VR_OK; i++)
            if (tabs[i].type == want[k] && strcmp(tabs[i].state, "serving") == 0) {
                *out = tabs[i];
                rc = VR_OK;
            }
    free(tabs);
    if (rc != VR_OK)
        vr_errorf(err, VR_NOT_FOUND, "no serving tablet of types %s in %s/%s", types, ks, shard);
    return rc;
}

/* Start a player for one row of a target primary. */
static vr_code_t start_worker(vr_vrepl_engine_t *e, vr_topo_t *topo, const vr_tablet_t *target,
                              const vr_vrepl_row_t *row, vr_error_t *err)
{
    vr_binlog_source_t bs = VR_BINLOG_SOURCE_INIT;
    vr_tablet_t src;
    vr_vplayer_opts_t o;
    worker_t *w = NULL;
    char src_db[VR_NAME_MAX + 4];
    vr_code_t rc;

    if ((rc = vr_binlog_source_parse(row->source, &bs, err)) != VR_OK)
        return rc;
    if ((rc = pick_source(topo, bs.keyspace, bs.shard, row->tablet_types, &src, err)) != VR_OK) {
        vr_error_prefix(err, "source %s/%s", bs.keyspace, bs.shard);
        goto out;
    }
    w = vr_xcalloc(1, sizeof(*w));
    snprintf(w->alias, sizeof(w->alias), "%s", target->alias);
    w->id = row->id;
    snprintf(w->tablet_types, sizeof(w->tablet_types), "%s",
             row->tablet_types ? row->tablet_types : "");
    w->source_vs = load_vschema(topo, bs.keyspace);
    w->target_vs = load_vschema(topo, target->keyspace);
    snprintf(src_db, sizeof(src_db), "%s", src.db_name);
    memset(&o, 0, sizeof(o));
    source_of_tablet(target, row->db_name, &o.target);
    source_of_tablet(&src, src_db, &o.source);
    o.id = row->id;
    o.source_vschema = w->source_vs;
    o.target_vschema = w->target_vs;
    if ((rc = vr_vplayer_new(&o, &w->player, err)) != VR_OK)
        goto out;
    if (pthread_create(&w->thread, NULL, worker_main, w) != 0) {
        rc = vr_errorf(err, VR_INTERNAL, "cannot start a thread for stream %lld",
                       (long long)row->id);
        goto out;
    }
    vr_log_info("vreplication", "started stream %lld (%s) on %s from %s/%s (%s %s)",
                (long long)row->id, row->workflow, target->alias, bs.keyspace, bs.shard,
                vr_tablet_type_name(src.type), src.alias);
    w->next = e->workers;
    e->workers = w;
    w = NULL;
out:
    if (w)
        worker_free(w);
    vr_binlog_source_free(&bs);
    return rc;
}

static worker_t *find_worker(vr_vrepl_engine_t *e, const char *alias, int64_t id)
{
    worker_t *w;
    for (w = e->workers; w; w = w->next)
        if (w->id == id && strcmp(w->alias, alias) == 0)
            return w;
    return NULL;
}

static bool wants_player(vr_vrepl_state_t st)
{
    return st == VR_VREPL_INIT || st == VR_VREPL_COPYING || st == VR_VREPL_RUNNING;
}

/* Reap finished workers; stop those whose row is gone or stopped. */
static void reap(vr_vrepl_engine_t *e)
{
    worker_t **pp = &e->workers;
    while (*pp) {
        worker_t *w = *pp;
        if (__atomic_load_n(&w->done, __ATOMIC_ACQUIRE)) {
            pthread_join(w->thread, NULL);
            *pp = w->next;
            worker_free(w);
            continue;
        }
        pp = &w->next;
    }
}

/* One target primary: start players for its rows, stop unwanted ones. */
static void poll_target(vr_vrepl_engine_t *e, vr_topo_t *topo, const vr_tablet_t *t)
{
    vr_vrepl_row_t *rows = NULL;
    size_t n = 0, i;
    vr_error_t err;
    worker_t *w;
    MYSQL *c;

    vr_error_clear(&err);
    c = vr_tablet_connect(t, NULL, &err);
    if (!c) {
        vr_log_debug("vreplication", "%s: %s", t->alias, err.msg);
        return;
    }
    if (vr_vt_create(c, &err) != VR_OK || vr_vrepl_list(c, NULL, &rows, &n, &err) != VR_OK) {
        vr_log_warn("vreplication", "%s: %s", t->alias, err.msg);
        goto out;
    }
    for (i = 0; i < n; i++) {
        w = find_worker(e, t->alias, rows[i].id);
        if (w && (!wants_player(rows[i].state) ||
                  strcmp(w->tablet_types, rows[i].tablet_types ? rows[i].tablet_types : "") != 0))
            vr_vplayer_stop(w->player); /* stopped, or to start again on another source */
        else if (!w && wants_player(rows[i].state) &&
                 start_worker(e, topo, t, &rows[i], &err) != VR_OK) {
            vr_log_warn("vreplication", "stream %lld on %s: %s", (long long)rows[i].id, t->alias,
                        err.msg);
            if (err.code == VR_INVALID) /* the row itself is wrong: say so in it */
                vr_vrepl_set_state(c, rows[i].id, VR_VREPL_ERROR, err.msg, NULL);
        }
    }
    for (w = e->workers; w; w = w->next) { /* rows deleted under a running player */
        bool found = false;
        if (strcmp(w->alias, t->alias) != 0)
            continue;
        for (i = 0; i < n && !found; i++)
            found = rows[i].id == w->id;
        if (!found)
            vr_vplayer_stop(w->player);
    }
out:
    vr_vrepl_rows_free(rows, n);
    mysql_close(c);
}

static void poll_once(vr_vrepl_engine_t *e)
{
    vr_topo_t *topo = NULL;
    vr_tablet_t *tabs = NULL;
    size_t n = 0, i;
    vr_error_t err;

    reap(e);
    if (vr_topo_open(e->topo_path, &topo, &err) != VR_OK ||
        vr_topo_list_tablets(topo, NULL, NULL, &tabs, &n, &err) != VR_OK) {
        vr_log_warn("vreplication", "topology: %s", err.msg);
        goto out;
    }
    for (i = 0; i < n; i++)
        if (tabs[i].type == VR_TABLET_PRIMARY && (tabs[i].pid == 0 || vr_cluster_tablet_running(&tabs[i])))
            poll_target(e, topo, &tabs[i]);
out:
    free(tabs);
    vr_topo_close(topo);
}

static void *manager_main(void *arg)
{
    vr_vrepl_engine_t *e = arg;
    pthread_mutex_lock(&e->mu);
    while (!e->stopping) {
        struct timespec ts;
        pthread_mutex_unlock(&e->mu);
        poll_once(e);
        pthread_mutex_lock(&e->mu);
        clock_gettime(CLOCK_REALTIME, &ts);
        ts.tv_sec += e->poll_ms / 1000;
        ts.tv_nsec += (long)(e->poll_ms % 1000) * 1000000L;
        if (ts.tv_nsec >= 1000000000L) {
            ts.tv_sec++;
            ts.tv_nsec -= 1000000000L;
        }
        if (!e->stopping)
            pthread_cond_timedwait(&e->cond, &e->mu, &ts);
    }
    pthread_mutex_unlock(&e->mu);
    return NULL;
}

vr_code_t vr_vrepl_engine_start(vr_vrepl_engine_t *e, vr_error_t *err)
{
    if (e->started)
        return VR_OK;
    if (pthread_create(&e->manager, NULL, manager_main, e) != 0)
        return vr_errorf(err, VR_INTERNAL, "cannot start the vreplication engine's thread");
    e->started = true;
    return VR_OK;
}

void vr_vrepl_engine_stop(vr_vrepl_engine_t *e)
{
    worker_t *w;
    if (!e || !e->started)
        return;
    pthread_mutex_lock(&e->mu);
    e->stopping = true;
    pthread_cond_signal(&e->cond);
    pthread_mutex_unlock(&e->mu);
    pthread_join(e->manager, NULL);
    for (w = e->workers; w; w = w->next)
        vr_vplayer_stop(w->player);
    while ((w = e->workers) != NULL) {
        pthread_join(w->thread, NULL);
        e->workers = w->next;
        worker_free(w);
    }
    e->started = false;
}

void vr_vrepl_engine_free(vr_vrepl_engine_t *e)
{
    if (!e)
        return;
    vr_vrepl_engine_stop(e);
    pthread_mutex_destroy(&e->mu);
    pthread_cond_destroy(&e->cond);
    free(e->topo_path);
    free(e);
}
