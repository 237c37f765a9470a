/*
 * topo_backend.h - the operations a topology backend provides (private to
 * keyspace/).
 *
 * topo.c is the backend-neutral front: it parses the address, validates
 * every argument, sorts results and adds "topo: <operation>" context to
 * errors.  A backend only stores and fetches: it may assume its arguments
 * are valid (names non-empty and NUL-terminated, shard names parse, tablet
 * types in range) and returns results in any order.  Its error messages
 * are short ("already exists", "keyspace \"customer\" not found"), since
 * the front prefixes the operation.
 *
 * Every write is atomic and visible to all processes using the same
 * topology, and bumps the version counter (except a write that changes
 * nothing: unlocking a free lock, deleting an absent key).  Lists are
 * malloc'd arrays the front hands to the caller (strings: char ** with
 * each string malloc'd; tablets: one vr_tablet_t array); n == 0 gives NULL.
 */
#ifndef VR_TOPO_BACKEND_H
#define VR_TOPO_BACKEND_H

#include <stdint.h>

#include "vr_topo.h"

typedef struct vr_topo_ops {
    const char *name; /* "sqlite" */

    /* target is the address without its scheme ("var/topo.db"). */
    vr_code_t (*open)(const char *target, void **be, vr_error_t *err);
    void (*close)(void *be);
    vr_code_t (*version)(void *be, int64_t *out, vr_error_t *err);

    /* VR_EXISTS / VR_NOT_FOUND as the public header says; delete_keyspace
     * cascades to shards, tablets, VSchema and denied tables;
     * delete_shard cascades to the shard's tablets and denied tables. */
    vr_code_t (*create_keyspace)(void *be, const char *ks, vr_error_t *err);
    vr_code_t (*delete_keyspace)(void *be, const char *ks, vr_error_t *err);
    vr_code_t (*list_keyspaces)(void *be, char ***names, size_t *n,
                                vr_error_t *err);
    vr_code_t (*create_shard)(void *be, const char *ks, const char *shard,
                              vr_error_t *err);
    vr_code_t (*delete_shard)(void *be, const char *ks, const char *shard,
                              vr_error_t *err);
    /* VR_NOT_FOUND when the keyspace does not exist */
    vr_code_t (*list_shards)(void *be, const char *ks, char ***names,
                             size_t *n, vr_error_t *err);

    vr_code_t (*put_tablet)(void *be, const vr_tablet_t *tab, vr_error_t *err);
    vr_code_t (*get_tablet)(void *be, const char *alias, vr_tablet_t *out,
                            vr_error_t *err);
    vr_code_t (*delete_tablet)(void *be, const char *alias, vr_error_t *err);
    /* ks / shard NULL: any */
    vr_code_t (*list_tablets)(void *be, const char *ks, const char *shard,
                              vr_tablet_t **out, size_t *n, vr_error_t *err);

    vr_code_t (*put_vschema)(void *be, const char *ks, const char *json,
                             vr_error_t *err);
    vr_code_t (*get_vschema)(void *be, const char *ks, char **json,
                             vr_error_t *err);
    vr_code_t (*put_routing_rules)(void *be, const char *json, vr_error_t *err);
    /* *json NULL (VR_OK) when never set: the front supplies the default */
    vr_code_t (*get_routing_rules)(void *be, char **json, vr_error_t *err);

    /* tables: n distinct names, kept in the given order */
    vr_code_t (*set_denied_tables)(void *be, const char *ks, const char *shard,
                                   vr_tablet_type_t type,
                                   const char *const *tables, size_t n,
                                   vr_error_t *err);
    vr_code_t (*get_denied_tables)(void *be, const char *ks, const char *shard,
                                   vr_tablet_type_t type, char ***tables,
                                   size_t *n, vr_error_t *err);

    vr_code_t (*put_kv)(void *be, const char *key, const char *value,
                        vr_error_t *err);
    vr_code_t (*get_kv)(void *be, const char *key, char **value, vr_error_t *err);
    vr_code_t (*delete_kv)(void *be, const char *key, vr_error_t *err);

    /* The front reads the clock: now and expires are unix seconds.  A lock
     * whose expires_unix <= now is free.  Messages name the holder:
     * lock "cluster" is held by "x" until 2026-11-21 12:00:00 UTC */
    vr_code_t (*lock)(void *be, const char *name, const char *owner,
                      int64_t now, int64_t expires, vr_error_t *err);
    vr_code_t (*unlock)(void *be, const char *name, const char *owner,
                        int64_t now, vr_error_t *err);
    /* owner "" and *expires 0 when free or expired; owner truncated to
     * owner_size (owner may be NULL when owner_size is 0) */
    vr_code_t (*lock_holder)(void *be, const char *name, int64_t now,
                             char *owner, size_t owner_size,
                             int64_t *expires, vr_error_t *err);
} vr_topo_ops_t;

extern const vr_topo_ops_t vr_topo_sqlite_ops;

/* "2026-11-21 12:00:00 UTC" into buf (size >= 32). */
const char *vr_topo_format_utc(int64_t unix_seconds, char *buf, size_t size);

#endif
