/*
 * vr_notify.h - the face of notify/: change notifications to Kafka.
 *
 * A notify workflow streams chosen tables of every shard of a keyspace to
 * Kafka through one idempotent librdkafka producer (zstd by default, user
 * properties passed through):
 *
 *   topic   <prefix>.<keyspace>.<table>   (prefix defaults to the workflow
 *           name; characters Kafka refuses become '_')
 *   key     the row's primary key as JSON, {"id":1} (null without a key)
 *   value   {"before":..,"after":..,"source":{"version","connector":"vrepl",
 *           "name","ts_ms","db","table","keyspace","shard","gtid",
 *           "server_id"},"op":"c|u|d|r","ts_ms":..}   (Debezium's envelope;
 *           values encoded as `vrepl vstream` encodes them)
 *   a delete is followed by a tombstone (same key, null value) unless
 *   disabled; an update that changes the key is a delete (+ tombstone) of
 *   the old key and a create of the new one, as Debezium does; DDL goes to
 *   <prefix>.<keyspace>.schema-changes.  Same key, same partition: the
 *   messages of one row stay in order.
 *
 * At least once: per shard, the position saved in the topology moves only
 * over transactions whose every message the broker acknowledged; after a
 * crash the shard resumes from it.  Failures (unreachable broker, a topic
 * that cannot be created, a message over the size limit) show in the
 * workflow's status, are retried with backoff, and never move the
 * position past what was not delivered.
 *
 * Topology keys (vr_topo_put_kv):
 *   notify/_index               JSON array of workflow names
 *   notify/<wf>                 the definition (JSON)
 *   notify/<wf>/pos/<shard>     {"phase":"snapshot"|"stream","position":..}
 *   notify/<wf>/status          written by the engine running it (JSON)
 *   lock notify/<wf>            held by the engine running it
 *
 * Threads: the admin and encoding functions are plain calls; the engine
 * runs its own threads (see vr_notify_engine_new).
 */
#ifndef VR_NOTIFY_H
#define VR_NOTIFY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "vr_buf.h"
#include "vr_error.h"
#include "vr_topo.h"
#include "vr_value.h"
#include "vr_vstream.h"

/* ---- workflow definitions ------------------------------------------------ */

typedef struct vr_notify_def {
    char *name;          /* [A-Za-z0-9_.-], at most 64 characters */
    char *keyspace;
    char **tables;       /* ntables names; ignored when all */
    size_t ntables;
    bool all;            /* every table of the keyspace */
    char *brokers;       /* bootstrap.servers */
    char *topic_prefix;  /* NULL or "": the workflow name */
    bool snapshot;       /* start with the current rows as op "r" */
    bool tombstones;     /* a tombstone after each delete (default true) */
    char **conf_keys;    /* librdkafka properties, applied last */
    char **conf_vals;
    size_t nconf;
    bool stopped;        /* `notify stop`: the engine does not run it */
    int64_t created;     /* unix seconds (set by vr_notify_create) */
    char **shards;       /* the keyspace's shards at create (set by it) */
    size_t nshards;
} vr_notify_def_t;

/* A definition with the defaults (tombstones on); free with
 * vr_notify_def_free(). */
vr_notify_def_t *vr_notify_def_new(void);
void vr_notify_def_free(vr_notify_def_t *d); /* NULL is a no-op */
/* Add a librdkafka property "k=v" (copied); a malformed one fails. */
vr_code_t vr_notify_def_add_conf(vr_notify_def_t *d, const char *kv, vr_error_t *err);
/* The topic prefix in effect (the prefix, else the name). */
const char *vr_notify_def_prefix(const vr_notify_def_t *d);
/* JSON text of a definition (caller frees), and back. */
char *vr_notify_def_to_json(const vr_notify_def_t *d);
vr_code_t vr_notify_def_from_json(const char *json, vr_notify_def_t **out, vr_error_t *err);

/*
 * Record a new workflow.  Checks, each failing with a message naming what
 * is wrong: the name, the keyspace and its shards, every shard's primary
 * reachable, every table present on every shard, the brokers given, the
 * librdkafka properties known to librdkafka.  Without snapshot, each
 * shard's start position is its primary's @@gtid_binlog_pos now, so no
 * change made after create is missed even before an engine runs it.
 */
vr_code_t vr_notify_create(vr_topo_t *topo, const vr_notify_def_t *d, vr_error_t *err);
/* VR_NOT_FOUND when absent.  *out is the caller's. */
vr_code_t vr_notify_get(vr_topo_t *topo, const char *name, vr_notify_def_t **out,
                        vr_error_t *err);
/* Names, sorted (free with vr_topo_strv_free). */
vr_code_t vr_notify_list(vr_topo_t *topo, char ***names, size_t *n, vr_error_t *err);
/* stop/start: the running engine picks the change up. */
vr_code_t vr_notify_set_stopped(vr_topo_t *topo, const char *name, bool stopped,
                                vr_error_t *err);
/* Removes the definition, saved positions and status. */
vr_code_t vr_notify_delete(vr_topo_t *topo, const char *name, vr_error_t *err);

/*
 * Everything `notify show` prints, as one JSON object appended to out:
 *   {"workflow":..,"keyspace":..,"tables":[..]|"all","brokers":..,
 *    "topic_prefix":..,"state":"running|stopped|not running|error",
 *    "engine":{"owner":..,"updated_at":..}|null,
 *    "shards":[{"shard":..,"state":..,"lag_seconds":..,"messages_sent":..,
 *               "messages_acked":..,"acked_position":..,"saved_position":..,
 *               "last_error":..,"last_error_at":..}, ...]}
 * A status older than stale_s seconds counts as "not running".
 */
vr_code_t vr_notify_show_json(vr_topo_t *topo, const char *name, int stale_s, vr_buf_t *out,
                              vr_error_t *err);

/* The saved position of a shard ("" before the first transaction; phase
 * "snapshot" while the snapshot is not fully acknowledged).  Caller frees
 * *position and *phase (either may be NULL). */
vr_code_t vr_notify_saved_position(vr_topo_t *topo, const char *name, const char *shard,
                                   char **phase, char **position, vr_error_t *err);

/* ---- encoding (pure functions; used by the engine, public for tests) ---- */

typedef enum vr_notify_op {
    VR_NOTIFY_CREATE = 'c',
    VR_NOTIFY_UPDATE = 'u',
    VR_NOTIFY_DELETE = 'd',
    VR_NOTIFY_READ = 'r', /* snapshot */
} vr_notify_op_t;

typedef struct vr_notify_source {
    const char *name;     /* the logical name: the topic prefix */
    const char *keyspace;
    const char *shard;
    const char *db;
    const char *table;    /* NULL for DDL */
    const char *gtid;     /* NULL or "": null (snapshot rows) */
    uint32_t server_id;   /* of the GTID; 0 for snapshot rows */
    int64_t ts_ms;        /* when the source committed the change */
} vr_notify_source_t;

/* Append "<prefix>.<keyspace>.<table>" (table NULL: "schema-changes"),
 * characters outside [A-Za-z0-9._-] replaced by '_', at most 249 bytes. */
void vr_notify_topic(vr_buf_t *b, const char *prefix, const char *keyspace, const char *table);

/* Append the primary key of a row image as a JSON object in key order;
 * returns false (and appends nothing) when the table has no key. */
bool vr_notify_key_json(vr_buf_t *b, const vr_vtable_t *t, const vr_value_t *image);

/* Append a row image as a JSON object of the columns present (cols as in
 * vr_vrow_t, NULL: all), or null when image is NULL. */
void vr_notify_image_json(vr_buf_t *b, const vr_vtable_t *t, const vr_value_t *image,
                          const uint8_t *cols);

/* Append the envelope of one row change.  now_ms is the envelope's ts_ms. */
void vr_notify_envelope_json(vr_buf_t *b, const vr_notify_source_t *src, vr_notify_op_t op,
                             const vr_vtable_t *t, const vr_vrow_t *row, int64_t now_ms);

/* A schema change: key {"databaseName":db}, value {"source":{..},
 * "databaseName":db,"ddl":statement,"ts_ms":now}. */
void vr_notify_ddl_json(vr_buf_t *key, vr_buf_t *value, const vr_notify_source_t *src,
                        const char *statement, int64_t now_ms);

/* ---- the engine ---------------------------------------------------------- */

typedef struct vr_notify_engine vr_notify_engine_t;

/* Called from an engine thread each time a shard's transaction is fully
 * acknowledged, in stream order per shard (benchmarks, tests, status
 * pages); gtid is "" when a snapshot was acknowledged.  It runs under the
 * shard's lock: keep it short and do not call into the engine. */
typedef void (*vr_notify_ack_fn)(void *arg, const char *workflow, const char *shard,
                                 const char *gtid, int64_t commit_ts);

typedef struct vr_notify_engine_opts {
    const char *workflow;  /* run only this one; NULL: every workflow */
    const char *owner;     /* lock owner; NULL: "<host>:<pid>" */
    int poll_ms;           /* topology check; 0: 500 */
    int lock_ttl_s;        /* 0: 10 (a crashed engine's workflows wait this long) */
    int save_ms;           /* position save interval; 0: 200 */
    int status_ms;         /* status write interval; 0: 1000 */
    int heartbeat_ms;      /* source heartbeats; 0: 500 */
    int retry_min_ms;      /* backoff after a failure; 0: 500, doubling ... */
    int retry_max_ms;      /* ... up to this; 0: 30000 */
    int flush_ms;          /* wait for deliveries at stop; 0: 5000 */
    vr_notify_ack_fn on_ack;
    void *ack_arg;
} vr_notify_engine_opts_t;

/* The topology is borrowed (shared by the engine's threads) and must
 * outlive the engine.  Nothing runs until vr_notify_engine_start(). */
vr_code_t vr_notify_engine_new(vr_topo_t *topo, const vr_notify_engine_opts_t *opts,
                               vr_notify_engine_t **out, vr_error_t *err);
/* Start the supervisor: it runs every workflow recorded (not stopped),
 * picks up new, stopped, started and deleted ones, and restarts a
 * workflow whose producer failed fatally. */
vr_code_t vr_notify_engine_start(vr_notify_engine_t *e, vr_error_t *err);
/* Stop every workflow: stop reading, wait up to flush_ms for deliveries,
 * save the acknowledged positions, release the locks.  Idempotent. */
void vr_notify_engine_stop(vr_notify_engine_t *e);
void vr_notify_engine_free(vr_notify_engine_t *e); /* stops first; NULL ok */
/* Workflows running in this engine now. */
size_t vr_notify_engine_running(vr_notify_engine_t *e);

/* ---- kafka-dev: librdkafka's mock cluster as a local broker -------------- */

typedef struct vr_kafka_dev vr_kafka_dev_t;

/* Start a mock cluster of nbrokers brokers on loopback.  port > 0 adds a
 * listener on 127.0.0.1:port that forwards to the first broker, so
 * clients can bootstrap from a fixed address (brokers still advertise
 * their own loopback ports). */
vr_code_t vr_kafka_dev_start(int nbrokers, int port, vr_kafka_dev_t **out, vr_error_t *err);
/* "127.0.0.1:port,..." to give clients as bootstrap servers. */
const char *vr_kafka_dev_bootstrap(const vr_kafka_dev_t *k);
/* The mock cluster's own broker list. */
const char *vr_kafka_dev_brokers(const vr_kafka_dev_t *k);
void vr_kafka_dev_stop(vr_kafka_dev_t *k); /* NULL is a no-op */

#endif
