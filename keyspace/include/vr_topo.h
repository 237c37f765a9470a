/*
 * vr_topo.h - the topology: keyspaces, shards, tablets, VSchemas, routing
 * rules, denied tables and named locks.
 *
 * One small interface; the backend is chosen by the address given to
 * vr_topo_open() and nothing outside keyspace/ may know which one is in
 * use.  The embedded default is SQLite in one file ("var/topo.db" or
 * "sqlite:var/topo.db").  Several processes may open the same topology at
 * once: every write is one transaction, and readers see whole writes.
 *
 * Ownership: strings and arrays returned through out-parameters belong to
 * the caller and are freed with free() (arrays of strings with
 * vr_topo_strv_free(), tablet lists with free()).
 *
 * Threads: a handle may be shared by threads (calls are serialized); a
 * process that forks opens its own handle in the child.
 */
#ifndef VR_TOPO_H
#define VR_TOPO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "vr_error.h"

typedef struct vr_topo vr_topo_t;

typedef enum {
    VR_TABLET_PRIMARY = 0,
    VR_TABLET_REPLICA = 1,
    VR_TABLET_RDONLY = 2,
} vr_tablet_type_t;

/* "primary", "replica", "rdonly" */
const char *vr_tablet_type_name(vr_tablet_type_t t);
/* Accepts the names above (case-insensitive) and "master" for primary. */
vr_code_t vr_tablet_type_parse(const char *s, vr_tablet_type_t *out, vr_error_t *err);
/* A tablet_types list as _vt.vreplication holds it: "rdonly",
 * "replica,primary", Vitess's "in_order:rdonly,primary" (in order either
 * way); "" or NULL is no types (*n = 0).  VR_INVALID names the word that
 * is not a tablet type.  types holds VR_TABLET_TYPES_MAX. */
#define VR_TABLET_TYPES_MAX 8
vr_code_t vr_tablet_types_parse(const char *s, vr_tablet_type_t *types, size_t *n,
                                vr_error_t *err);

#define VR_NAME_MAX 64
#define VR_PATH_MAX 512

typedef struct vr_tablet {
    char alias[VR_NAME_MAX];     /* "zone1-0000000100" */
    char cell[VR_NAME_MAX];      /* "zone1" */
    uint32_t uid;                /* 100; also the server_id */
    char keyspace[VR_NAME_MAX];
    char shard[VR_NAME_MAX];     /* "0", "-80", ... */
    vr_tablet_type_t type;
    char host[VR_NAME_MAX];      /* "127.0.0.1" */
    int port;                    /* MySQL port */
    char socket[VR_PATH_MAX];    /* unix socket; "" when none */
    char db_name[VR_NAME_MAX];   /* "vt_customer" */
    char state[16];              /* "serving", "stopped", ... (free text) */
    char datadir[VR_PATH_MAX];   /* local clusters: where mariadbd keeps data */
    int pid;                     /* local clusters: mariadbd pid, 0 if none */
} vr_tablet_t;

/* Open (creating if needed) the topology at addr. */
vr_code_t vr_topo_open(const char *addr, vr_topo_t **out, vr_error_t *err);
void vr_topo_close(vr_topo_t *t); /* NULL is a no-op */

/* A counter bumped by every write, by any process: cheap change
 * detection for the gateway and the engine. */
vr_code_t vr_topo_version(vr_topo_t *t, int64_t *out, vr_error_t *err);

/* Keyspaces.  create fails with VR_EXISTS when present; delete removes its
 * shards, tablets, VSchema and denied tables too. */
vr_code_t vr_topo_create_keyspace(vr_topo_t *t, const char *ks, vr_error_t *err);
vr_code_t vr_topo_delete_keyspace(vr_topo_t *t, const char *ks, vr_error_t *err);
vr_code_t vr_topo_list_keyspaces(vr_topo_t *t, char ***names, size_t *n,
                                 vr_error_t *err); /* sorted by name */

/* Shards: the keyspace must exist; the name must parse as a keyrange.
 * delete removes the shard's tablets and denied tables too. */
vr_code_t vr_topo_create_shard(vr_topo_t *t, const char *ks, const char *shard,
                               vr_error_t *err);
vr_code_t vr_topo_delete_shard(vr_topo_t *t, const char *ks, const char *shard,
                               vr_error_t *err);
/* sorted by keyrange start */
vr_code_t vr_topo_list_shards(vr_topo_t *t, const char *ks, char ***names,
                              size_t *n, vr_error_t *err);

/* Tablets, keyed by alias.  put inserts or replaces; the shard must exist. */
vr_code_t vr_topo_put_tablet(vr_topo_t *t, const vr_tablet_t *tab, vr_error_t *err);
vr_code_t vr_topo_get_tablet(vr_topo_t *t, const char *alias, vr_tablet_t *out,
                             vr_error_t *err); /* VR_NOT_FOUND when absent */
vr_code_t vr_topo_delete_tablet(vr_topo_t *t, const char *alias, vr_error_t *err);
/* ks and/or shard may be NULL for "any"; sorted by keyspace, shard, type,
 * uid.  *out is one malloc'd array. */
vr_code_t vr_topo_list_tablets(vr_topo_t *t, const char *ks, const char *shard,
                               vr_tablet_t **out, size_t *n, vr_error_t *err);
/* The one primary of a shard; VR_NOT_FOUND when there is none, VR_STATE
 * when there are several (a reparent that has not demoted the old one). */
vr_code_t vr_topo_get_primary(vr_topo_t *t, const char *ks, const char *shard,
                              vr_tablet_t *out, vr_error_t *err);

/* VSchema of a keyspace as JSON text (stored as given; validate before).
 * get: VR_NOT_FOUND when the keyspace has none. */
vr_code_t vr_topo_put_vschema(vr_topo_t *t, const char *ks, const char *json,
                              vr_error_t *err);
vr_code_t vr_topo_get_vschema(vr_topo_t *t, const char *ks, char **json,
                              vr_error_t *err);

/* Routing rules: one JSON document for the cluster ({"rules":[]} when
 * never set). */
vr_code_t vr_topo_put_routing_rules(vr_topo_t *t, const char *json, vr_error_t *err);
vr_code_t vr_topo_get_routing_rules(vr_topo_t *t, char **json, vr_error_t *err);

/* Denied tables on a shard's tablets of one type (writes to them are
 * refused on the primary).  set replaces the list; n == 0 clears it.
 * The shard must exist; the list keeps its order, duplicates dropped. */
vr_code_t vr_topo_set_denied_tables(vr_topo_t *t, const char *ks, const char *shard,
                                    vr_tablet_type_t type,
                                    const char *const *tables, size_t n,
                                    vr_error_t *err);
vr_code_t vr_topo_get_denied_tables(vr_topo_t *t, const char *ks, const char *shard,
                                    vr_tablet_type_t type, char ***tables,
                                    size_t *n, vr_error_t *err);

/* Small key/value store for state that belongs in the topology (notify
 * positions, workflow metadata).  get: VR_NOT_FOUND when absent; delete
 * of an absent key is VR_OK. */
vr_code_t vr_topo_put_kv(vr_topo_t *t, const char *key, const char *value,
                         vr_error_t *err);
vr_code_t vr_topo_get_kv(vr_topo_t *t, const char *key, char **value, vr_error_t *err);
vr_code_t vr_topo_delete_kv(vr_topo_t *t, const char *key, vr_error_t *err);

/* Named locks with an owner and an expiry, safe across processes.
 * lock succeeds when the lock is free, expired, or already held by the
 * same owner (which renews it); otherwise VR_LOCKED with a message naming
 * the holder and when it expires.  unlock by a non-owner is VR_LOCKED;
 * unlock of a free lock is VR_OK. */
vr_code_t vr_topo_lock(vr_topo_t *t, const char *name, const char *owner,
                       int ttl_seconds, vr_error_t *err);
vr_code_t vr_topo_unlock(vr_topo_t *t, const char *name, const char *owner,
                         vr_error_t *err);
/* Who holds name (owner "" when free or expired). */
vr_code_t vr_topo_lock_holder(vr_topo_t *t, const char *name, char *owner,
                              size_t owner_size, int64_t *expires_unix,
                              vr_error_t *err);

void vr_topo_strv_free(char **v, size_t n);

#endif
