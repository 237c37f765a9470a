/*
 * definition.c - notify workflow definitions and saved positions as JSON
 * in the topology's key/value store (keys in vr_notify.h).
 *
 * Invariants: a definition is written whole (one put); a saved position
 * is written only by the engine after the acknowledgements it stands for
 * (runner.c) or by create before anything runs; readers tolerate missing
 * optional fields, so older definitions keep loading.
 *
 * Plain calls, any thread (the topology serializes).
 */
#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "notify_int.h"

/* ---- small helpers ------------------------------------------------------- */

const char *nt_default_owner(void)
{
    static char owner[128];
    char host[64] = "localhost";
    if (!owner[0]) {
        gethostname(host, sizeof(host) - 1);
        snprintf(owner, sizeof(owner), "%s:%d", host, (int)getpid());
    }
    return owner;
}

char *nt_def_key(const char *wf) { return vr_xasprintf("notify/%s", wf); }
char *nt_status_key(const char *wf) { return vr_xasprintf("notify/%s/status", wf); }
char *nt_pos_key(const char *wf, const char *shard)
{
    return vr_xasprintf("notify/%s/pos/%s", wf, shard);
}

static const char *jstr(json_t *o, const char *k)
{
    const char *s = json_string_value(json_object_get(o, k));
    return s;
}

static char *jdup(json_t *o, const char *k)
{
    const char *s = jstr(o, k);
    return s ? vr_xstrdup(s) : NULL;
}

static void strv_push(char ***v, size_t *n, const char *s)
{
    *v = vr_xrealloc(*v, (*n + 1) * sizeof(char *));
    (*v)[(*n)++] = vr_xstrdup(s);
}

/* Parallel arrays of keys and values. */
static void pair_push(char ***ks, char ***vs, size_t *n, const char *k, const char *v)
{
    *ks = vr_xrealloc(*ks, (*n + 1) * sizeof(char *));
    *vs = vr_xrealloc(*vs, (*n + 1) * sizeof(char *));
    (*ks)[*n] = vr_xstrdup(k);
    (*vs)[*n] = vr_xstrdup(v);
    (*n)++;
}

static void strv_free(char **v, size_t n)
{
    size_t i;
    for (i = 0; i < n; i++)
        free(v[i]);
    free(v);
}

static json_t *strv_json(char **v, size_t n)
{
    json_t *a = json_array();
    size_t i;
    for (i = 0; i < n; i++)
        json_array_append_new(a, json_string(v[i]));
    return a;
}

static void json_strv(json_t *a, char ***v, size_t *n)
{
    size_t i;
    json_t *x;
    json_array_foreach(a, i, x)
        if (json_is_string(x))
            strv_push(v, n, json_string_value(x));
}

/* ---- definitions ----------------------------------------------------------- */

vr_notify_def_t *vr_notify_def_new(void)
{
    vr_notify_def_t *d = vr_xcalloc(1, sizeof(*d));
    d->tombstones = true;
    return d;
}

void vr_notify_def_free(vr_notify_def_t *d)
{
    if (!d)
        return;
    free(d->name);
    free(d->keyspace);
    strv_free(d->tables, d->ntables);
    free(d->brokers);
    free(d->topic_prefix);
    strv_free(d->conf_keys, d->nconf);
    strv_free(d->conf_vals, d->nconf);
    strv_free(d->shards, d->nshards);
    free(d);
}

vr_code_t vr_notify_def_add_conf(vr_notify_def_t *d, const char *kv, vr_error_t *err)
{
    const char *eq = strchr(kv, '=');
    char *k;
    if (!eq || eq == kv)
        return vr_errorf(err, VR_INVALID, "kafka property '%s': expected key=value", kv);
    k = vr_xstrndup(kv, (size_t)(eq - kv));
    pair_push(&d->conf_keys, &d->conf_vals, &d->nconf, k, eq + 1);
    free(k);
    return VR_OK;
}

const char *vr_notify_def_prefix(const vr_notify_def_t *d)
{
    return d->topic_prefix && *d->topic_prefix ? d->topic_prefix : d->name;
}

char *vr_notify_def_to_json(const vr_notify_def_t *d)
{
    json_t *o = json_object(), *conf = json_object();
    char *s;
    size_t i;
    json_object_set_new(o, "name", json_string(d->name ? d->name : ""));
    json_object_set_new(o, "keyspace", json_string(d->keyspace ? d->keyspace : ""));
    json_object_set_new(o, "all", json_boolean(d->all));
    json_object_set_new(o, "tables", strv_json(d->tables, d->ntables));
    json_object_set_new(o, "brokers", json_string(d->brokers ? d->brokers : ""));
    if (d->topic_prefix && *d->topic_prefix)
        json_object_set_new(o, "topic_prefix", json_string(d->topic_prefix));
    json_object_set_new(o, "snapshot", json_boolean(d->snapshot));
    json_object_set_new(o, "tombstones", json_boolean(d->tombstones));
    for (i = 0; i < d->nconf; i++)
        json_object_set_new(conf, d->conf_keys[i], json_string(d->conf_vals[i]));
    json_object_set_new(o, "kafka_conf", conf);
    json_object_set_new(o, "stopped", json_boolean(d->stopped));
    json_object_set_new(o, "created", json_integer(d->created));
    json_object_set_new(o, "shards", strv_json(d->shards, d->nshards));
    s = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER);
    json_decref(o);
    return s;
}

vr_code_t vr_notify_def_from_json(const char *json, vr_notify_def_t **out, vr_error_t *err)
{
    json_error_t jerr;
    json_t *o = json_loads(json, 0, &jerr), *conf;
    vr_notify_def_t *d;
    const char *k;
    json_t *v;

    *out = NULL;
    if (!o || !json_is_object(o)) {
        json_decref(o);
        return vr_errorf(err, VR_PARSE, "notify definition: %s", o ? "not an object" : jerr.text);
    }
    d = vr_notify_def_new();
    d->name = jdup(o, "name");
    d->keyspace = jdup(o, "keyspace");
    d->all = json_is_true(json_object_get(o, "all"));
    json_strv(json_object_get(o, "tables"), &d->tables, &d->ntables);
    d->brokers = jdup(o, "brokers");
    d->topic_prefix = jdup(o, "topic_prefix");
    d->snapshot = json_is_true(json_object_get(o, "snapshot"));
    d->tombstones = !json_is_false(json_object_get(o, "tombstones"));
    conf = json_object_get(o, "kafka_conf");
    json_object_foreach(conf, k, v) {
        if (!json_is_string(v))
            continue;
        pair_push(&d->conf_keys, &d->conf_vals, &d->nconf, k, json_string_value(v));
    }
    d->stopped = json_is_true(json_object_get(o, "stopped"));
    d->created = json_integer_value(json_object_get(o, "created"));
    json_strv(json_object_get(o, "shards"), &d->shards, &d->nshards);
    json_decref(o);
    if (!d->name || !d->keyspace || !d->brokers) {
        vr_notify_def_free(d);
        return vr_errorf(err, VR_PARSE, "notify definition: name, keyspace or brokers missing");
    }
    *out = d;
    return VR_OK;
}

vr_code_t vr_notify_get(vr_topo_t *topo, const char *name, vr_notify_def_t **out,
                        vr_error_t *err)
{
    char *key = nt_def_key(name), *json = NULL;
    vr_code_t rc = vr_topo_get_kv(topo, key, &json, err);
    *out = NULL;
    if (rc == VR_NOT_FOUND)
        rc = vr_errorf(err, VR_NOT_FOUND, "notify workflow '%s' does not exist", name);
    else if (rc == VR_OK && (rc = vr_notify_def_from_json(json, out, err)) != VR_OK)
        vr_error_prefix(err, "workflow '%s'", name);
    free(json);
    free(key);
    return rc;
}

/* ---- saved positions ------------------------------------------------------- */

void nt_pos_free(nt_pos_t *p)
{
    free(p->position);
    strv_free(p->skip_tables, p->nskip);
    strv_free(p->skip_pos, p->nskip);
    memset(p, 0, sizeof(*p));
}

vr_code_t nt_pos_load(vr_topo_t *topo, const char *wf, const char *shard, nt_pos_t *out,
                      vr_error_t *err)
{
    char *key = nt_pos_key(wf, shard), *json = NULL;
    json_t *o = NULL, *skip, *v;
    const char *k;
    json_error_t jerr;
    vr_code_t rc;

    memset(out, 0, sizeof(*out));
    if ((rc = vr_topo_get_kv(topo, key, &json, err)) != VR_OK)
        goto out;
    if (!(o = json_loads(json, 0, &jerr)) || !json_is_object(o)) {
        rc = vr_errorf(err, VR_PARSE, "saved position %s: %s", key, o ? "not an object" : jerr.text);
        goto out;
    }
    out->snapshot = jstr(o, "phase") && strcmp(jstr(o, "phase"), "snapshot") == 0;
    out->position = vr_xstrdup(jstr(o, "position") ? jstr(o, "position") : "");
    skip = json_object_get(o, "skip");
    json_object_foreach(skip, k, v) {
        if (!json_is_string(v))
            continue;
        pair_push(&out->skip_tables, &out->skip_pos, &out->nskip, k, json_string_value(v));
    }
out:
    json_decref(o);
    free(json);
    free(key);
    return rc;
}

vr_code_t nt_pos_save(vr_topo_t *topo, const char *wf, const char *shard, const nt_pos_t *p,
                      vr_error_t *err)
{
    json_t *o = json_object(), *skip = json_object();
    char *key = nt_pos_key(wf, shard), *s;
    size_t i;
    vr_code_t rc;

    json_object_set_new(o, "phase", json_string(p->snapshot ? "snapshot" : "stream"));
    json_object_set_new(o, "position", json_string(p->position ? p->position : ""));
    for (i = 0; i < p->nskip; i++)
        json_object_set_new(skip, p->skip_tables[i], json_string(p->skip_pos[i]));
    json_object_set_new(o, "skip", skip);
    s = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER);
    rc = vr_topo_put_kv(topo, key, s, err);
    if (rc != VR_OK)
        vr_error_prefix(err, "saving the position of %s/%s", wf, shard);
    free(s);
    free(key);
    json_decref(o);
    return rc;
}

vr_code_t vr_notify_saved_position(vr_topo_t *topo, const char *name, const char *shard,
                                   char **phase, char **position, vr_error_t *err)
{
    nt_pos_t p;
    vr_code_t rc = nt_pos_load(topo, name, shard, &p, err);
    if (rc != VR_OK)
        return rc;
    if (phase)
        *phase = vr_xstrdup(p.snapshot ? "snapshot" : "stream");
    if (position) {
        *position = p.position;
        p.position = NULL;
    }
    nt_pos_free(&p);
    return VR_OK;
}
