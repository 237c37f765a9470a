/*
 * cluster_config.c - load and validate a cluster file, and plan its
 * tablets (uids, ports, aliases, datadirs).
 *
 * Everything is checked before anything starts: JSON shape (errors name
 * the JSON path), names, shard coverage, schema files, each VSchema and
 * the VSchemas together.  Pure functions; no I/O but reading the files.
 */
#include <errno.h>
#include <jansson.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "vr_cluster.h"
#include "vr_common.h"
#include "vr_keyrange.h"
#include "vr_vschema.h"

static char *read_file(const char *path, vr_error_t *err)
{
    FILE *f = fopen(path, "rb");
    vr_buf_t b = VR_BUF_INIT;
    char chunk[8192];
    size_t n;

    if (!f) {
        vr_errorf(err, VR_IO, "cannot read %s: %s", path, strerror(errno));
        return NULL;
    }
    while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
        vr_buf_append(&b, chunk, n);
    fclose(f);
    return vr_buf_detach(&b);
}

/* dir of path + "/" + rel, unless rel is absolute */
static char *resolve(const char *path, const char *rel)
{
    const char *slash = strrchr(path, '/');
    char cwd[PATH_MAX];
    char *joined;

    if (rel[0] == '/')
        return vr_xstrdup(rel);
    if (slash)
        joined = vr_xasprintf("%.*s/%s", (int)(slash - path), path, rel);
    else
        joined = vr_xstrdup(rel);
    if (joined[0] == '/' || !getcwd(cwd, sizeof(cwd)))
        return joined;
    {
        char *abs = vr_xasprintf("%s/%s", cwd, joined);
        free(joined);
        return abs;
    }
}

static bool valid_name(const char *s)
{
    size_t i, n = strlen(s);
    if (n == 0 || n >= VR_NAME_MAX - 8)
        return false;
    for (i = 0; i < n; i++) {
        char c = s[i];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '_'))
            return false;
    }
    return true;
}

void vr_cluster_config_free(vr_cluster_cfg_t *cfg)
{
    size_t i;
    if (!cfg)
        return;
    for (i = 0; i < cfg->nks; i++) {
        vr_cluster_ks_t *k = &cfg->ks[i];
        free(k->name);
        vr_topo_strv_free(k->shards, k->nshards);
        free(k->schema_path);
        free(k->vschema_path);
        free(k->vschema_json);
    }
    free(cfg->ks);
    free(cfg->path);
    free(cfg->name);
    free(cfg->cell);
    free(cfg->var_dir);
    free(cfg->raw_json);
    free(cfg);
}

static vr_code_t get_int(json_t *obj, const char *key, int def, int min, int max, int *out,
                         const char *where, vr_error_t *err)
{
    json_t *v = json_object_get(obj, key);
    if (!v) {
        *out = def;
        return VR_OK;
    }
    if (!json_is_integer(v) || json_integer_value(v) < min || json_integer_value(v) > max)
        return vr_errorf(err, VR_INVALID, "%s%s: must be an integer from %d to %d", where, key,
                         min, max);
    *out = (int)json_integer_value(v);
    return VR_OK;
}

static vr_code_t load_shards(json_t *jks, vr_cluster_ks_t *k, const char *where,
                             vr_error_t *err)
{
    json_t *shards = json_object_get(jks, "shards");
    size_t i;
    vr_code_t rc;

    if (!shards) {
        k->shards = vr_xcalloc(1, sizeof(char *));
        k->shards[0] = vr_xstrdup("0");
        k->nshards = 1;
        return VR_OK;
    }
    if (!json_is_array(shards) || json_array_size(shards) == 0)
        return vr_errorf(err, VR_INVALID, "%sshards: must be a non-empty array of shard names",
                         where);
    k->shards = vr_xcalloc(json_array_size(shards), sizeof(char *));
    for (i = 0; i < json_array_size(shards); i++) {
        json_t *s = json_array_get(shards, i);
        vr_keyrange_t kr;
        if (!json_is_string(s))
            return vr_errorf(err, VR_INVALID, "%sshards[%zu]: must be a string", where, i);
        if ((rc = vr_keyrange_parse(json_string_value(s), &kr, err)) != VR_OK)
            return vr_error_prefix(err, "%sshards[%zu]", where, i);
        k->shards[k->nshards++] = vr_xstrdup(json_string_value(s));
    }
    if ((rc = vr_keyrange_validate_shards(k->name, (const char *const *)k->shards, k->nshards,
                                          err)) != VR_OK)
        return vr_error_prefix(err, "%sshards", where);
    return VR_OK;
}

static vr_code_t load_keyspace(const vr_cluster_cfg_t *cfg, json_t *jks, size_t idx,
                               vr_cluster_ks_t *k, vr_error_t *err)
{
    char where[64];
    json_t *v;
    vr_code_t rc;

    snprintf(where, sizeof(where), "keyspaces[%zu].", idx);
    if (!json_is_object(jks))
        return vr_errorf(err, VR_INVALID, "keyspaces[%zu]: must be an object", idx);
    v = json_object_get(jks, "name");
    if (!json_is_string(v) || !valid_name(json_string_value(v)))
        return vr_errorf(err, VR_INVALID,
                         "%sname: must be a name of letters, digits and '_' (at most 55)",
                         where);
    k->name = vr_xstrdup(json_string_value(v));
    if ((rc = load_shards(jks, k, where, err)) != VR_OK)
        return rc;
    if ((rc = get_int(jks, "replicas", 1, 0, 8, &k->replicas, where, err)) != VR_OK ||
        (rc = get_int(jks, "rdonly", 1, 0, 8, &k->rdonly, where, err)) != VR_OK)
        return rc;
    v = json_object_get(jks, "schema");
    if (v) {
        if (!json_is_string(v))
            return vr_errorf(err, VR_INVALID, "%sschema: must be a file path", where);
        k->schema_path = resolve(cfg->path, json_string_value(v));
        if (access(k->schema_path, R_OK) != 0)
            return vr_errorf(err, VR_IO, "%sschema: cannot read %s: %s", where,
                             k->schema_path, strerror(errno));
    }
    v = json_object_get(jks, "vschema");
    if (v) {
        if (!json_is_string(v))
            return vr_errorf(err, VR_INVALID, "%svschema: must be a file path", where);
        k->vschema_path = resolve(cfg->path, json_string_value(v));
        k->vschema_json = read_file(k->vschema_path, err);
        if (!k->vschema_json)
            return vr_error_prefix(err, "%svschema", where);
    }
    return VR_OK;
}

static vr_code_t check_vschemas(const vr_cluster_cfg_t *cfg, vr_error_t *err)
{
    vr_vschema_t **vs = vr_xcalloc(cfg->nks ? cfg->nks : 1, sizeof(*vs));
    size_t i;
    vr_code_t rc = VR_OK;

    for (i = 0; i < cfg->nks && rc == VR_OK; i++) {
        const vr_cluster_ks_t *k = &cfg->ks[i];
        if (k->vschema_json) {
            rc = vr_vschema_parse(k->name, k->vschema_json, &vs[i], err);
            if (rc != VR_OK)
                vr_error_prefix(err, "%s", k->vschema_path);
            else if (vr_vschema_sharded(vs[i]) != (k->nshards > 1 || strcmp(k->shards[0], "0")))
                rc = vr_errorf(err, VR_INVALID,
                               "%s: keyspace %s has %zu shard(s) but its VSchema says "
                               "sharded=%s",
                               k->vschema_path, k->name, k->nshards,
                               vr_vschema_sharded(vs[i]) ? "true" : "false");
        } else {
            vs[i] = vr_vschema_new(k->name, k->nshards > 1);
        }
    }
    if (rc == VR_OK)
        rc = vr_vschema_validate_cluster((const vr_vschema_t *const *)vs, cfg->nks, err);
    for (i = 0; i < cfg->nks; i++)
        vr_vschema_free(vs[i]);
    free(vs);
    return rc;
}

static vr_code_t load_json(vr_cluster_cfg_t *cfg, json_t *root, vr_error_t *err)
{
    json_t *v, *kss;
    size_t i, j;
    vr_code_t rc;

    if (!json_is_object(root))
        return vr_errorf(err, VR_INVALID, "the cluster file must hold a JSON object");
    v = json_object_get(root, "name");
    if (v && (!json_is_string(v) || !valid_name(json_string_value(v))))
        return vr_errorf(err, VR_INVALID, "name: must be a name of letters, digits and '_'");
    cfg->name = vr_xstrdup(v ? json_string_value(v) : "cluster");
    v = json_object_get(root, "cell");
    if (v && (!json_is_string(v) || !valid_name(json_string_value(v))))
        return vr_errorf(err, VR_INVALID, "cell: must be a name of letters, digits and '_'");
    cfg->cell = vr_xstrdup(v ? json_string_value(v) : "zone1");
    if ((rc = get_int(root, "base_port", 17000, 1024, 60000, &cfg->base_port, "", err)) != VR_OK)
        return rc;
    kss = json_object_get(root, "keyspaces");
    if (!json_is_array(kss) || json_array_size(kss) == 0)
        return vr_errorf(err, VR_INVALID, "keyspaces: must be a non-empty array");
    cfg->ks = vr_xcalloc(json_array_size(kss), sizeof(*cfg->ks));
    for (i = 0; i < json_array_size(kss); i++) {
        cfg->nks = i + 1;
        if ((rc = load_keyspace(cfg, json_array_get(kss, i), i, &cfg->ks[i], err)) != VR_OK)
            return rc;
        for (j = 0; j < i; j++)
            if (strcmp(cfg->ks[j].name, cfg->ks[i].name) == 0)
                return vr_errorf(err, VR_INVALID, "keyspaces[%zu].name: keyspace %s is listed twice",
                                 i, cfg->ks[i].name);
    }
    {
        size_t total = 0;
        for (i = 0; i < cfg->nks; i++)
            total += cfg->ks[i].nshards;
        if ((size_t)cfg->base_port + 100 * total + 99 > 65535)
            return vr_errorf(err, VR_INVALID, "base_port: %d leaves no room for %zu shards' ports",
                             cfg->base_port, total);
    }
    return check_vschemas(cfg, err);
}

vr_code_t vr_cluster_config_load(const char *path, const char *var_dir,
                                 vr_cluster_cfg_t **out, vr_error_t *err)
{
    vr_cluster_cfg_t *cfg = vr_xcalloc(1, sizeof(*cfg));
    json_error_t jerr;
    json_t *root = NULL;
    char cwd[PATH_MAX];
    vr_code_t rc;

    cfg->path = vr_xstrdup(path);
    cfg->raw_json = read_file(path, err);
    if (!cfg->raw_json) {
        rc = err ? err->code : VR_IO;
        goto out;
    }
    root = json_loads(cfg->raw_json, 0, &jerr);
    if (!root) {
        rc = vr_errorf(err, VR_PARSE, "%s: line %d column %d: %s", path, jerr.line,
                       jerr.column, jerr.text);
        goto out;
    }
    if (!var_dir)
        var_dir = "var";
    if (var_dir[0] == '/' || !getcwd(cwd, sizeof(cwd)))
        cfg->var_dir = vr_xstrdup(var_dir);
    else
        cfg->var_dir = vr_xasprintf("%s/%s", cwd, var_dir);
    rc = load_json(cfg, root, err);
    if (rc != VR_OK && strncmp(err ? err->msg : "", path, strlen(path)) != 0)
        vr_error_prefix(err, "%s", path);
out:
    json_decref(root);
    if (rc != VR_OK) {
        vr_cluster_config_free(cfg);
        return rc;
    }
    *out = cfg;
    return VR_OK;
}

static void plan_tablet(const vr_cluster_cfg_t *cfg, const vr_cluster_ks_t *k, const char *shard,
                        uint32_t uid, vr_tablet_type_t type, vr_tablet_t *t)
{
    memset(t, 0, sizeof(*t));
    snprintf(t->alias, sizeof(t->alias), "%s-%010u", cfg->cell, uid);
    snprintf(t->cell, sizeof(t->cell), "%s", cfg->cell);
    t->uid = uid;
    snprintf(t->keyspace, sizeof(t->keyspace), "%s", k->name);
    snprintf(t->shard, sizeof(t->shard), "%s", shard);
    t->type = type;
    snprintf(t->host, sizeof(t->host), "127.0.0.1");
    t->port = cfg->base_port + (int)uid;
    snprintf(t->datadir, sizeof(t->datadir), "%s/%s", cfg->var_dir, t->alias);
    snprintf(t->socket, sizeof(t->socket), "%s/mysql.sock", t->datadir);
    snprintf(t->db_name, sizeof(t->db_name), "vt_%s", k->name);
    snprintf(t->state, sizeof(t->state), "planned");
}

void vr_cluster_plan(const vr_cluster_cfg_t *cfg, vr_tablet_t **out, size_t *n)
{
    size_t i, j, count = 0, cap = 0;
    uint32_t block = 0;
    vr_tablet_t *tabs = NULL;

    for (i = 0; i < cfg->nks; i++)
        cap += cfg->ks[i].nshards * (size_t)(1 + cfg->ks[i].replicas + cfg->ks[i].rdonly);
    tabs = vr_xcalloc(cap ? cap : 1, sizeof(*tabs));
    for (i = 0; i < cfg->nks; i++) {
        const vr_cluster_ks_t *k = &cfg->ks[i];
        for (j = 0; j < k->nshards; j++) {
            uint32_t uid;
            int r;
            block += 100;
            uid = block;
            plan_tablet(cfg, k, k->shards[j], uid++, VR_TABLET_PRIMARY, &tabs[count++]);
            for (r = 0; r < k->replicas; r++)
                plan_tablet(cfg, k, k->shards[j], uid++, VR_TABLET_REPLICA, &tabs[count++]);
            for (r = 0; r < k->rdonly; r++)
                plan_tablet(cfg, k, k->shards[j], uid++, VR_TABLET_RDONLY, &tabs[count++]);
        }
    }
    *out = tabs;
    *n = count;
}
