/*
 * notify_int.h - what notify/'s files share: topology keys, saved
 * positions, sources, the librdkafka set-up, and the engine's runtime
 * structures (runner = one workflow, shard = one stream thread).
 */
#ifndef VR_NOTIFY_INT_H
#define VR_NOTIFY_INT_H

#include <librdkafka/rdkafka.h>
#include <pthread.h>
#include <stdatomic.h>

#include "ack_tracker.h"
#include "vr_common.h"
#include "vr_filter.h"
#include "vr_notify.h"
#include "vr_topo.h"

/* ---- topology keys and saved positions (definition.c) ------------------- */

#define NT_INDEX_KEY "notify/_index"

/* "notify/<wf>", "notify/<wf>/status", "notify/<wf>/pos/<shard>" (caller frees) */
char *nt_def_key(const char *wf);
char *nt_status_key(const char *wf);
char *nt_pos_key(const char *wf, const char *shard);

/* The saved state of one shard's stream. */
typedef struct nt_pos {
    bool snapshot;        /* phase "snapshot": the copy is not done yet */
    char *position;       /* GTID set text; "" from the oldest binlog */
    /* Tables copied at a later GTID than position: their changes up to
     * that GTID are in the copy already and are not sent again. */
    char **skip_tables;
    char **skip_pos;
    size_t nskip;
} nt_pos_t;

void nt_pos_free(nt_pos_t *p);
vr_code_t nt_pos_load(vr_topo_t *topo, const char *wf, const char *shard, nt_pos_t *out,
                      vr_error_t *err);
vr_code_t nt_pos_save(vr_topo_t *topo, const char *wf, const char *shard, const nt_pos_t *p,
                      vr_error_t *err);

/* "<host>:<pid>" (static storage). */
const char *nt_default_owner(void);

/* The shards of a definition: the topology's now (the keyspace's). */
vr_code_t nt_def_shards(vr_topo_t *topo, const vr_notify_def_t *d, char ***shards, size_t *n,
                        vr_error_t *err);

/* The tablet to stream a shard from: its primary. */
vr_code_t nt_shard_tablet(vr_topo_t *topo, const char *ks, const char *shard, vr_tablet_t *out,
                          vr_error_t *err);
void nt_tablet_source(const vr_tablet_t *t, vr_vstream_source_t *src);
/* The tablet's @@gtid_binlog_pos (caller frees). */
vr_code_t nt_tablet_position(const vr_tablet_t *t, char **position, vr_error_t *err);
/* Base tables of the tablet's database, sorted (vr_topo_strv_free). */
vr_code_t nt_tablet_tables(const vr_tablet_t *t, char ***names, size_t *n, vr_error_t *err);

/* ---- librdkafka (producer.c) -------------------------------------------- */

/* A producer configuration: defaults (idempotence, zstd, murmur2
 * partitioner), bootstrap servers, then the user's properties.  A bad
 * property fails naming it.  *out is the caller's (rd_kafka_conf_destroy). */
vr_code_t nt_kafka_conf(const vr_notify_def_t *d, rd_kafka_conf_t **out, vr_error_t *err);

/* ---- runtime (shard_stream.c, runner.c, engine.c) ----------------------- */

typedef struct nt_runner nt_runner_t;

/* The runner's producer (r->rk), delivering reports to r's shards. */
vr_code_t nt_producer_new(nt_runner_t *r, vr_error_t *err);
typedef struct nt_engine_cfg nt_engine_cfg_t;

/* Lifecycle of a shard's stream thread; shard_set_state() checks moves. */
typedef enum nt_shard_state {
    NT_SHARD_STARTING,  /* looking up the source, loading the position */
    NT_SHARD_SNAPSHOT,  /* sending the current rows as op "r" */
    NT_SHARD_STREAMING, /* following the binlog */
    NT_SHARD_RETRYING,  /* failed: waiting out deliveries and a backoff */
    NT_SHARD_STOPPED,   /* the thread is done */
} nt_shard_state_t;

const char *nt_shard_state_name(nt_shard_state_t s);

/* A topic handle per table, cached by the shard thread. */
typedef struct nt_topic {
    char *table;
    rd_kafka_topic_t *rkt;
} nt_topic_t;

typedef struct nt_shard {
    nt_runner_t *run;
    uint32_t idx;              /* in run->shards: high bits of message opaques */
    char *name;                /* "-80" */
    pthread_t thread;
    bool started;

    pthread_mutex_t save_mu;   /* one position save at a time (runner.c) */
    pthread_mutex_t mu;        /* guards everything below up to the marker */
    nt_shard_state_t state;
    ack_tracker_t tr;
    nt_pos_t pos;              /* what the stream started from (skip list) */
    char last_error[VR_ERROR_MSG_MAX];
    int64_t last_error_at;
    uint64_t sent, acked, failed;
    uint64_t snap_outstanding; /* snapshot messages in flight */
    bool snap_failed;
    bool caught_up;            /* heartbeat seen with nothing pending */
    int64_t lag_base_ts;       /* commit time the lag counts from */
    bool tracking;             /* tr holds a position worth saving */
    bool topic_error;          /* a topic we send to reported an error */
    int64_t last_progress_ms;  /* last delivery, or the start of streaming */
    int64_t last_save_ms;
    /* ---- end of the guarded part; the rest is the shard thread's ---- */

    vr_tablet_t tablet;
    nt_topic_t *topics;
    size_t ntopics;
    char *ddl_topic_name;
    rd_kafka_topic_t *ddl_topic;
    vr_buf_t key, key2, val, scratch;
    int64_t last_probe_ms;     /* stall diagnosis (check_stall) */
    vr_gtid_set_t *skip_sets;  /* pos.skip_pos parsed */
    size_t nskip_sets;
} nt_shard_t;

struct nt_engine_cfg {
    vr_topo_t *topo;
    char *owner;
    int poll_ms, lock_ttl_s, save_ms, status_ms, heartbeat_ms;
    int retry_min_ms, retry_max_ms, flush_ms;
    vr_notify_ack_fn on_ack;
    void *ack_arg;
};

struct nt_runner {
    const nt_engine_cfg_t *cfg;
    vr_notify_def_t *def;
    char *def_json;            /* as read; a change restarts the runner */
    char *prefix;
    rd_kafka_t *rk;
    nt_shard_t *shards;
    size_t nshards;
    pthread_t poller;          /* rd_kafka_poll: delivery reports, errors */
    pthread_t saver;           /* positions, status, lock renewal */
    bool poller_started, saver_started;
    atomic_bool stop;          /* shard threads: stop reading */
    atomic_bool poller_stop;
    atomic_bool restart;       /* fatal producer error or lost lock */
    pthread_mutex_t mu;        /* guards kafka_error, cond waits */
    pthread_cond_t cond;       /* wakes backoff sleeps at stop */
    char kafka_error[VR_ERROR_MSG_MAX];
    int64_t kafka_error_at;
    bool kafka_down;           /* an error since the last delivery */
    int64_t last_status_ms, last_lock_ms, last_probe_ms;
};

/* runner.c */
vr_code_t nt_runner_start(const nt_engine_cfg_t *cfg, const char *def_json,
                          nt_runner_t **out, vr_error_t *err);
void nt_runner_stop(nt_runner_t *r);  /* joins every thread, saves, unlocks, frees */
void nt_runner_signal_stop(nt_runner_t *r); /* shard threads stop reading; returns at once */
bool nt_runner_needs_restart(nt_runner_t *r);
/* Sleep up to ms; returns false when the runner is stopping. */
bool nt_runner_sleep(nt_runner_t *r, int ms);
void nt_runner_save_shard(nt_runner_t *r, nt_shard_t *s, bool force);
void nt_runner_write_status(nt_runner_t *r, const char *state);
/* A status for a workflow that could not start (engine.c). */
void nt_write_failed_status(const nt_engine_cfg_t *cfg, const char *wf, const char *msg);

/* shard_stream.c */
void *nt_shard_main(void *arg);
void nt_shard_init(nt_shard_t *s, nt_runner_t *r, uint32_t idx, const char *name);
void nt_shard_destroy(nt_shard_t *s);
void nt_shard_set_error(nt_shard_t *s, const char *msg);
/* Delivery report of one message (poller thread). */
void nt_shard_delivered(nt_shard_t *s, uint64_t seq, rd_kafka_resp_err_t e, const char *topic,
                        int32_t partition);

/* Message opaque: shard index in the top 16 bits, transaction seq below;
 * seq 0 is a snapshot message. */
#define NT_OPAQUE(idx, seq) ((void *)(uintptr_t)(((uint64_t)(idx) << 48) | (seq)))
#define NT_OPAQUE_IDX(p) ((uint32_t)((uint64_t)(uintptr_t)(p) >> 48))
#define NT_OPAQUE_SEQ(p) ((uint64_t)(uintptr_t)(p) & ((1ULL << 48) - 1))

#endif
