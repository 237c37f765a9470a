/*
 * vr_cluster.h - a local cluster described by a JSON cluster file:
 * `vrepl up` starts one mariadbd per tablet under the var folder, makes
 * replicas follow their primary through MariaDB GTID replication, creates
 * each shard's database (vt_<keyspace>), applies the keyspace's schema and
 * VSchema, and records everything in the topology (<var>/topo.db).
 *
 * Cluster file:
 *   {
 *     "name": "marketplace",
 *     "cell": "zone1",                (default "zone1")
 *     "base_port": 17000,             (tablet uid N listens on base_port+N)
 *     "gateway": {...},               (kept for `vrepl serve`)
 *     "keyspaces": [
 *       { "name": "customer", "shards": ["-80", "80-"],
 *         "replicas": 1, "rdonly": 1,
 *         "schema": "schema/customer.sql",      (paths relative to the file)
 *         "vschema": "vschema/customer.json" } ]
 *   }
 * Tablet uids are given in order: the n-th shard of the file (from 1) gets
 * uids 100*n (primary), then its replicas, then its rdonly tablets.
 */
#ifndef VR_CLUSTER_H
#define VR_CLUSTER_H

#include <stdbool.h>
#include <stddef.h>
#include <mysql.h>

#include "vr_error.h"
#include "vr_topo.h"

typedef struct vr_cluster_ks {
    char *name;
    char **shards;
    size_t nshards;
    int replicas;
    int rdonly;
    char *schema_path;  /* absolute, NULL when none */
    char *vschema_path; /* absolute, NULL when none */
    char *vschema_json; /* file contents, NULL when none */
} vr_cluster_ks_t;

typedef struct vr_cluster_cfg {
    char *path;     /* the cluster file */
    char *name;
    char *cell;
    char *var_dir;  /* absolute */
    int base_port;
    char *raw_json; /* the whole file, stored in the topology */
    vr_cluster_ks_t *ks;
    size_t nks;
} vr_cluster_cfg_t;

/* Load and validate a cluster file: JSON shape (errors name the path,
 * e.g. "keyspaces[1].shards: ..."), shard coverage per keyspace, the
 * VSchemas (each and across keyspaces), schema files readable.
 * var_dir: where tablets and the topology live (relative to the current
 * directory; NULL for "var").  *out is the caller's. */
vr_code_t vr_cluster_config_load(const char *path, const char *var_dir,
                                 vr_cluster_cfg_t **out, vr_error_t *err);
void vr_cluster_config_free(vr_cluster_cfg_t *cfg);

/* The planned tablets of a config (uids, ports, aliases, datadirs);
 * *out is one malloc'd array. */
void vr_cluster_plan(const vr_cluster_cfg_t *cfg, vr_tablet_t **out, size_t *n);

/* Progress lines for the user ("started zone1-0000000100 ..."). */
typedef void (*vr_cluster_say_fn)(void *ctx, const char *line);

/* Bring the cluster up (see the file comment).  Tablets already running
 * are left alone; stopped ones are restarted; new ones are created.
 * *changed says whether anything was started.  On failure every process
 * this call started is stopped again. */
vr_code_t vr_cluster_up(const vr_cluster_cfg_t *cfg, vr_cluster_say_fn say, void *ctx,
                        bool *changed, vr_error_t *err);

/* Stop every tablet recorded in <var_dir>/topo.db that is still running
 * the mariadbd we started (checked by pid and datadir).  purge removes
 * the var folder afterwards. */
vr_code_t vr_cluster_down(const char *var_dir, bool purge, vr_cluster_say_fn say,
                          void *ctx, vr_error_t *err);

/* "<var_dir>/topo.db" with var_dir made absolute; caller frees. */
char *vr_cluster_topo_path(const char *var_dir);

/* Is the tablet's recorded mariadbd alive? */
bool vr_cluster_tablet_running(const vr_tablet_t *t);

/* Connect to a tablet as root (socket when set, else TCP) and select db
 * (NULL: none).  Caller closes. */
MYSQL *vr_tablet_connect(const vr_tablet_t *t, const char *db, vr_error_t *err);
/* Run SQL (may hold several statements), draining all results. */
vr_code_t vr_tablet_exec(MYSQL *c, const char *sql, vr_error_t *err);
/* The first column of the first row as a string ("" for no row or NULL);
 * the caller frees it.  NULL on error (err names the statement). */
char *vr_tablet_query_value(MYSQL *c, const char *sql, vr_error_t *err);

#endif
