/*
 * admin.c - what the CLI does to notify workflows: create (with its
 * checks against the topology and the shards' primaries), list, stop,
 * start, delete, show; and the tablet look-ups the engine shares.
 *
 * Invariants: the index (notify/_index) and the definitions change only
 * under the topology lock "notify/_index", so concurrent creates and
 * deletes from several processes cannot lose a name; a workflow's start
 * positions are written before its definition, so an engine never sees a
 * definition without positions.
 *
 * Plain calls, any thread.
 */
#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "notify_int.h"
#include "vr_cluster.h"

#define INDEX_LOCK_TTL 10

/* ---- tablets ------------------------------------------------------------- */

vr_code_t nt_def_shards(vr_topo_t *topo, const vr_notify_def_t *d, char ***shards, size_t *n,
                        vr_error_t *err)
{
    vr_code_t rc = vr_topo_list_shards(topo, d->keyspace, shards, n, err);
    if (rc == VR_OK && *n == 0)
        rc = vr_errorf(err, VR_NOT_FOUND, "keyspace '%s' has no shards", d->keyspace);
    return rc;
}

vr_code_t nt_shard_tablet(vr_topo_t *topo, const char *ks, const char *shard, vr_tablet_t *out,
                          vr_error_t *err)
{
    vr_code_t rc = vr_topo_get_primary(topo, ks, shard, out, err);
    if (rc == VR_NOT_FOUND)
        return vr_errorf(err, VR_NOT_FOUND, "shard %s/%s has no primary tablet", ks, shard);
    if (rc == VR_OK && !out->db_name[0])
        return vr_errorf(err, VR_INVALID, "tablet %s of %s/%s has no database name", out->alias,
                         ks, shard);
    return rc;
}

void nt_tablet_source(const vr_tablet_t *t, vr_vstream_source_t *src)
{
    memset(src, 0, sizeof(*src));
    src->host = t->host[0] ? t->host : "127.0.0.1";
    src->port = (unsigned)t->port;
    src->socket = t->socket[0] ? t->socket : NULL;
    src->user = "root";
    src->db = t->db_name;
}

/* Rows of a one-column query as strings. */
static vr_code_t query_strings(MYSQL *c, const char *sql, char ***out, size_t *n,
                               vr_error_t *err)
{
    MYSQL_RES *res;
    MYSQL_ROW row;
    *out = NULL;
    *n = 0;
    if (mysql_query(c, sql) != 0 || !(res = mysql_store_result(c)))
        return vr_error_mysql(err, mysql_errno(c), vr_mysql_errno_retriable(mysql_errno(c)),
                              "%s: %s", sql, mysql_error(c));
    while ((row = mysql_fetch_row(res))) {
        *out = vr_xrealloc(*out, (*n + 1) * sizeof(char *));
        (*out)[(*n)++] = vr_xstrdup(row[0] ? row[0] : "");
    }
    mysql_free_result(res);
    return VR_OK;
}

vr_code_t nt_tablet_position(const vr_tablet_t *t, char **position, vr_error_t *err)
{
    MYSQL *c = vr_tablet_connect(t, NULL, err);
    char **rows = NULL;
    size_t n = 0;
    vr_code_t rc;
    *position = NULL;
    if (!c)
        return err ? err->code : VR_MYSQL;
    if ((rc = query_strings(c, "SELECT @@gtid_binlog_pos", &rows, &n, err)) == VR_OK)
        *position = vr_xstrdup(n ? rows[0] : "");
    vr_topo_strv_free(rows, n);
    mysql_close(c);
    return rc;
}

vr_code_t nt_tablet_tables(const vr_tablet_t *t, char ***names, size_t *n, vr_error_t *err)
{
    MYSQL *c = vr_tablet_connect(t, NULL, err);
    vr_buf_t sql = VR_BUF_INIT;
    vr_code_t rc;
    *names = NULL;
    *n = 0;
    if (!c)
        return err ? err->code : VR_MYSQL;
    vr_buf_puts(&sql, "SELECT table_name FROM information_schema.tables WHERE table_schema=");
    vr_buf_put_sql_string(&sql, t->db_name, strlen(t->db_name));
    vr_buf_puts(&sql, " AND table_type='BASE TABLE' ORDER BY table_name");
    rc = query_strings(c, sql.data, names, n, err);
    vr_buf_free(&sql);
    mysql_close(c);
    return rc;
}

/* ---- the index --------------------------------------------------------------- */

static vr_code_t index_lock(vr_topo_t *topo, vr_error_t *err)
{
    int i;
    vr_code_t rc = VR_OK;
    for (i = 0; i < 200; i++) {
        rc = vr_topo_lock(topo, NT_INDEX_KEY, nt_default_owner(), INDEX_LOCK_TTL, err);
        if (rc != VR_LOCKED)
            return rc;
        usleep(25000);
    }
    return rc;
}

static void index_unlock(vr_topo_t *topo)
{
    vr_error_t e;
    vr_topo_unlock(topo, NT_INDEX_KEY, nt_default_owner(), &e);
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

vr_code_t vr_notify_list(vr_topo_t *topo, char ***names, size_t *n, vr_error_t *err)
{
    char *json = NULL;
    json_t *a = NULL, *x;
    size_t i;
    vr_code_t rc = vr_topo_get_kv(topo, NT_INDEX_KEY, &json, err);
    *names = NULL;
    *n = 0;
    if (rc == VR_NOT_FOUND) {
        vr_error_clear(err);
        return VR_OK;
    }
    if (rc != VR_OK)
        return rc;
    a = json_loads(json, 0, NULL);
    free(json);
    json_array_foreach(a, i, x) {
        if (!json_is_string(x))
            continue;
        *names = vr_xrealloc(*names, (*n + 1) * sizeof(char *));
        (*names)[(*n)++] = vr_xstrdup(json_string_value(x));
    }
    json_decref(a);
    if (*n)
        qsort(*names, *n, sizeof(char *), cmp_str);
    return VR_OK;
}

/* Add (add=true) or remove a name; the caller holds the index lock. */
static vr_code_t index_update(vr_topo_t *topo, const char *name, bool add, vr_error_t *err)
{
    char **names = NULL, *s;
    size_t n = 0, i;
    json_t *a;
    vr_code_t rc = vr_notify_list(topo, &names, &n, err);
    if (rc != VR_OK)
        return rc;
    a = json_array();
    for (i = 0; i < n; i++)
        if (strcmp(names[i], name) != 0)
            json_array_append_new(a, json_string(names[i]));
    if (add)
        json_array_append_new(a, json_string(name));
    s = json_dumps(a, JSON_COMPACT);
    rc = vr_topo_put_kv(topo, NT_INDEX_KEY, s, err);
    free(s);
    json_decref(a);
    vr_topo_strv_free(names, n);
    return rc;
}

/* ---- create -------------------------------------------------------------- */

static bool name_ok(const char *s)
{
    size_t n = 0;
    if (!s || !*s || strcmp(s, "_index") == 0)
        return false;
    for (; *s; s++, n++) {
        char c = *s;
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '_' || c == '-' || c == '.'))
            return false;
    }
    return n <= 64;
}

static vr_code_t check_def(vr_topo_t *topo, const vr_notify_def_t *d, vr_error_t *err)
{
    char **ks = NULL;
    size_t nks = 0, i;
    bool found = false;
    rd_kafka_conf_t *conf = NULL;
    vr_code_t rc;

    if (!name_ok(d->name))
        return vr_errorf(err, VR_INVALID,
                         "workflow name '%s': use 1-64 of [A-Za-z0-9_.-]", d->name ? d->name : "");
    if (!d->keyspace || !*d->keyspace)
        return vr_errorf(err, VR_INVALID, "no keyspace given");
    if (d->all == (d->ntables > 0))
        return vr_errorf(err, VR_INVALID, "give either --tables or --all");
    if (!d->brokers || !*d->brokers)
        return vr_errorf(err, VR_INVALID, "no brokers given");
    if ((rc = vr_topo_list_keyspaces(topo, &ks, &nks, err)) != VR_OK)
        return rc;
    for (i = 0; i < nks; i++)
        found = found || strcmp(ks[i], d->keyspace) == 0;
    vr_topo_strv_free(ks, nks);
    if (!found)
        return vr_errorf(err, VR_NOT_FOUND, "keyspace '%s' does not exist", d->keyspace);
    if ((rc = nt_kafka_conf(d, &conf, err)) != VR_OK)
        return rc;
    rd_kafka_conf_destroy(conf);
    return VR_OK;
}

/* Check the tables on one shard's primary and read its binlog position. */
static vr_code_t check_shard(const vr_notify_def_t *d, const vr_tablet_t *t, char **position,
                             vr_error_t *err)
{
    MYSQL *c = vr_tablet_connect(t, NULL, err);
    vr_buf_t sql = VR_BUF_INIT;
    char **rows = NULL;
    size_t n = 0, i;
    vr_code_t rc = VR_OK;

    *position = NULL;
    if (!c)
        return err ? err->code : VR_MYSQL;
    for (i = 0; i < d->ntables && rc == VR_OK; i++) {
        vr_buf_reset(&sql);
        vr_buf_puts(&sql, "SELECT table_name FROM information_schema.tables WHERE table_schema=");
        vr_buf_put_sql_string(&sql, t->db_name, strlen(t->db_name));
        vr_buf_puts(&sql, " AND table_name=");
        vr_buf_put_sql_string(&sql, d->tables[i], strlen(d->tables[i]));
        if ((rc = query_strings(c, sql.data, &rows, &n, err)) == VR_OK && n == 0)
            rc = vr_errorf(err, VR_NOT_FOUND,
                           "table '%s' does not exist in keyspace '%s' (shard %s, database %s)",
                           d->tables[i], d->keyspace, t->shard, t->db_name);
        vr_topo_strv_free(rows, n);
        rows = NULL;
    }
    if (rc == VR_OK && (rc = query_strings(c, "SELECT @@gtid_binlog_pos", &rows, &n, err)) == VR_OK) {
        *position = vr_xstrdup(n ? rows[0] : "");
        vr_topo_strv_free(rows, n);
    }
    vr_buf_free(&sql);
    mysql_close(c);
    return rc;
}

/* Start positions of every shard (phase snapshot when asked). */
static vr_code_t start_positions(vr_topo_t *topo, const vr_notify_def_t *d, char **shards,
                                 size_t nshards, nt_pos_t *pos, vr_error_t *err)
{
    vr_tablet_t t;
    size_t i;
    vr_code_t rc;
    for (i = 0; i < nshards; i++) {
        if ((rc = nt_shard_tablet(topo, d->keyspace, shards[i], &t, err)) != VR_OK ||
            (rc = check_shard(d, &t, &pos[i].position, err)) != VR_OK)
            return rc;
        pos[i].snapshot = d->snapshot;
    }
    return VR_OK;
}

/* Write the positions, the definition and the index entry; the caller
 * holds the index lock. */
static vr_code_t record_locked(vr_topo_t *topo, vr_notify_def_t *d, const nt_pos_t *pos,
                               vr_error_t *err)
{
    char *key = nt_def_key(d->name), *json = NULL, *old = NULL;
    size_t i;
    vr_code_t rc = vr_topo_get_kv(topo, key, &old, err);

    if (rc == VR_OK)
        rc = vr_errorf(err, VR_EXISTS, "notify workflow '%s' already exists", d->name);
    if (rc != VR_NOT_FOUND)
        goto out;
    vr_error_clear(err);
    rc = VR_OK;
    for (i = 0; i < d->nshards && rc == VR_OK; i++)
        rc = nt_pos_save(topo, d->name, d->shards[i], &pos[i], err);
    if (rc != VR_OK)
        goto out;
    json = vr_notify_def_to_json(d);
    if ((rc = vr_topo_put_kv(topo, key, json, err)) == VR_OK)
        rc = index_update(topo, d->name, true, err);
out:
    free(old);
    free(json);
    free(key);
    return rc;
}

static vr_code_t record(vr_topo_t *topo, vr_notify_def_t *d, const nt_pos_t *pos,
                        vr_error_t *err)
{
    vr_code_t rc = index_lock(topo, err);
    if (rc != VR_OK)
        return rc;
    rc = record_locked(topo, d, pos, err);
    index_unlock(topo);
    return rc;
}

vr_code_t vr_notify_create(vr_topo_t *topo, const vr_notify_def_t *def, vr_error_t *err)
{
    char *json = vr_notify_def_to_json(def);
    vr_notify_def_t *d = NULL;
    nt_pos_t *pos = NULL;
    size_t i;
    vr_code_t rc;

    vr_error_clear(err);
    if ((rc = vr_notify_def_from_json(json, &d, err)) != VR_OK || /* a copy we may fill */
        (rc = check_def(topo, d, err)) != VR_OK)
        goto out;
    vr_topo_strv_free(d->shards, d->nshards);
    d->shards = NULL;
    d->nshards = 0;
    if ((rc = nt_def_shards(topo, d, &d->shards, &d->nshards, err)) != VR_OK)
        goto out;
    d->created = (int64_t)time(NULL);
    d->stopped = false;
    pos = vr_xcalloc(d->nshards, sizeof(*pos));
    if ((rc = start_positions(topo, d, d->shards, d->nshards, pos, err)) != VR_OK)
        goto out;
    rc = record(topo, d, pos, err);
out:
    if (rc != VR_OK && def->name)
        vr_error_prefix(err, "creating notify workflow '%s'", def->name);
    for (i = 0; pos && i < d->nshards; i++)
        nt_pos_free(&pos[i]);
    free(pos);
    vr_notify_def_free(d);
    free(json);
    return rc;
}

/* ---- stop / start / delete ------------------------------------------------ */

vr_code_t vr_notify_set_stopped(vr_topo_t *topo, const char *name, bool stopped,
                                vr_error_t *err)
{
    vr_notify_def_t *d = NULL;
    char *key = nt_def_key(name), *json = NULL;
    vr_code_t rc;
    if ((rc = index_lock(topo, err)) != VR_OK)
        goto out;
    if ((rc = vr_notify_get(topo, name, &d, err)) == VR_OK) {
        d->stopped = stopped;
        json = vr_notify_def_to_json(d);
        rc = vr_topo_put_kv(topo, key, json, err);
    }
    index_unlock(topo);
out:
    vr_notify_def_free(d);
    free(json);
    free(key);
    return rc;
}

/* Remove the keys of a workflow; the caller holds the index lock. */
static vr_code_t delete_locked(vr_topo_t *topo, const char *name, vr_error_t *err)
{
    vr_notify_def_t *d = NULL;
    char *key = NULL, **now = NULL;
    size_t nnow = 0, i;
    vr_error_t ignore;
    vr_code_t rc;

    if ((rc = vr_notify_get(topo, name, &d, err)) != VR_OK)
        goto out;
    /* the shards recorded, and the keyspace's now (it may have changed) */
    if (vr_topo_list_shards(topo, d->keyspace, &now, &nnow, &ignore) != VR_OK)
        nnow = 0;
    for (i = 0; i < d->nshards + nnow && rc == VR_OK; i++) {
        key = nt_pos_key(name, i < d->nshards ? d->shards[i] : now[i - d->nshards]);
        rc = vr_topo_delete_kv(topo, key, err);
        free(key);
    }
    key = nt_status_key(name);
    if (rc == VR_OK)
        rc = vr_topo_delete_kv(topo, key, err);
    free(key);
    key = nt_def_key(name);
    if (rc == VR_OK)
        rc = vr_topo_delete_kv(topo, key, err);
    free(key);
    if (rc == VR_OK)
        rc = index_update(topo, name, false, err);
out:
    vr_topo_strv_free(now, nnow);
    vr_notify_def_free(d);
    return rc;
}

vr_code_t vr_notify_delete(vr_topo_t *topo, const char *name, vr_error_t *err)
{
    vr_code_t rc = index_lock(topo, err);
    if (rc != VR_OK)
        return rc;
    rc = delete_locked(topo, name, err);
    index_unlock(topo);
    return rc;
}

/* ---- show ------------------------------------------------------------------ */

static json_t *def_json(const vr_notify_def_t *d)
{
    json_t *o = json_object(), *conf = json_object();
    size_t i;
    json_object_set_new(o, "workflow", json_string(d->name));
    json_object_set_new(o, "keyspace", json_string(d->keyspace));
    if (d->all)
        json_object_set_new(o, "tables", json_string("all"));
    else {
        json_t *a = json_array();
        for (i = 0; i < d->ntables; i++)
            json_array_append_new(a, json_string(d->tables[i]));
        json_object_set_new(o, "tables", a);
    }
    json_object_set_new(o, "brokers", json_string(d->brokers));
    json_object_set_new(o, "topic_prefix", json_string(vr_notify_def_prefix(d)));
    json_object_set_new(o, "snapshot", json_boolean(d->snapshot));
    json_object_set_new(o, "tombstones", json_boolean(d->tombstones));
    for (i = 0; i < d->nconf; i++)
        json_object_set_new(conf, d->conf_keys[i], json_string(d->conf_vals[i]));
    json_object_set_new(o, "kafka_conf", conf);
    json_object_set_new(o, "created", json_integer(d->created));
    return o;
}

/* The engine's status when fresh, else NULL. */
static json_t *load_status(vr_topo_t *topo, const char *name, int stale_s)
{
    char *key = nt_status_key(name), *s = NULL;
    json_t *st = NULL;
    vr_error_t e;
    if (vr_topo_get_kv(topo, key, &s, &e) == VR_OK)
        st = json_loads(s, 0, NULL);
    free(s);
    free(key);
    if (st && (!json_is_object(st) ||
               json_integer_value(json_object_get(st, "updated_at")) + stale_s < time(NULL))) {
        json_decref(st);
        st = NULL;
    }
    return st;
}

static json_t *find_shard(json_t *st, const char *shard)
{
    size_t i;
    json_t *x;
    json_array_foreach(json_object_get(st, "shards"), i, x) {
        const char *n = json_string_value(json_object_get(x, "shard"));
        if (n && strcmp(n, shard) == 0)
            return x;
    }
    return NULL;
}

static json_t *shard_json(vr_topo_t *topo, const vr_notify_def_t *d, json_t *st,
                          const char *shard, const char *idle_state)
{
    json_t *live = st ? find_shard(st, shard) : NULL;
    json_t *o = live ? json_deep_copy(live) : json_object();
    nt_pos_t p;
    vr_error_t e;
    if (!live) {
        json_object_set_new(o, "shard", json_string(shard));
        json_object_set_new(o, "state", json_string(idle_state));
    }
    if (nt_pos_load(topo, d->name, shard, &p, &e) == VR_OK) {
        json_object_set_new(o, "saved_position", json_string(p.position));
        json_object_set_new(o, "phase", json_string(p.snapshot ? "snapshot" : "stream"));
        nt_pos_free(&p);
    }
    return o;
}

vr_code_t vr_notify_show_json(vr_topo_t *topo, const char *name, int stale_s, vr_buf_t *out,
                              vr_error_t *err)
{
    vr_notify_def_t *d = NULL;
    json_t *o, *st, *shards;
    const char *state;
    char *s;
    size_t i;
    vr_code_t rc = vr_notify_get(topo, name, &d, err);
    if (rc != VR_OK)
        return rc;
    o = def_json(d);
    st = d->stopped ? NULL : load_status(topo, name, stale_s);
    state = d->stopped ? "stopped" : !st ? "not running" : json_string_value(json_object_get(st, "state"));
    json_object_set_new(o, "state", json_string(state ? state : "running"));
    if (st)
        json_object_set_new(o, "engine",
                            json_pack("{s:O?, s:O?, s:O?, s:O?}", "owner",
                                      json_object_get(st, "owner"), "updated_at",
                                      json_object_get(st, "updated_at"), "kafka_error",
                                      json_object_get(st, "kafka_error"), "error",
                                      json_object_get(st, "error")));
    else
        json_object_set_new(o, "engine", json_null());
    shards = json_array();
    for (i = 0; i < d->nshards; i++)
        json_array_append_new(shards, shard_json(topo, d, st, d->shards[i],
                                                 d->stopped ? "stopped" : "not running"));
    json_object_set_new(o, "shards", shards);
    s = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER);
    vr_buf_puts(out, s);
    free(s);
    json_decref(o);
    json_decref(st);
    vr_notify_def_free(d);
    return VR_OK;
}
