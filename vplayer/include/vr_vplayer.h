/*
 * vr_vplayer.h - the face of vplayer/: applying a filtered stream to a
 * target MariaDB, with the copy phase, and the stream's state in the
 * target's `_vt` schema, as Vitess keeps it.
 *
 * State.  One stream is one row of `_vt.vreplication` on the target
 * primary (Vitess's columns: id, workflow, source, pos, stop_pos, ...,
 * state, message, db_name, rows_copied, time_heartbeat, ...), plus one
 * `_vt.copy_state` row (vrepl_id, table_name, lastpk) per target table
 * still being copied.  Every change a stream makes to a target table is
 * committed in the same transaction as the position (and the copy state)
 * it brings the stream to, so a crash at any instant loses nothing and
 * applies nothing twice.
 *
 * Text formats (what Vitess writes, so the rows read the same):
 *   source  BinlogSource in protobuf text format:
 *           keyspace:"product" shard:"0" filter:{rules:{match:"product"
 *           filter:"select * from product"}} [on_ddl:EXEC] [stop_after_copy:true]
 *           A rule's match is the TARGET table (or "/regex": same names on
 *           both sides); its filter a select from the SOURCE table, a
 *           keyrange, or "" (everything).
 *   pos     "MariaDB/0-101-42,1-201-7" (a GTID set; "" before the first copy)
 *   lastpk  a Vitess QueryResult in text format, one row of the source's
 *           primary key: fields:{name:"id" type:INT32 charset:63}
 *           rows:{lengths:1 values:"42"}   (values in MySQL's text form;
 *           BIT as its integer; NULL as length -1)
 *
 * States (vr_vrepl_state_t): Init (new; the copy has not started) ->
 * Copying (copy_state rows left) -> Running (replicating); Stopped (by a
 * user, stop_pos, stop_after_copy or on_ddl:STOP); Error (a failure that
 * retrying cannot fix; message says what, naming the table, the
 * statement and the GTID).  Stopped/Error -> Running is a restart.
 *
 * Threads.  vr_vplayer_run() blocks the calling thread (plus one reader
 * thread it owns) until the stream stops; vr_vplayer_stop() and
 * vr_vplayer_stats() may be called from any thread.  The other functions
 * are plain calls on a caller's connection (one thread at a time per
 * connection).
 */
#ifndef VR_VPLAYER_H
#define VR_VPLAYER_H

#include <mysql.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "vr_arena.h"
#include "vr_buf.h"
#include "vr_error.h"
#include "vr_filter.h"
#include "vr_gtid.h"
#include "vr_value.h"
#include "vr_vschema.h"
#include "vr_vstream.h"

/* ---- BinlogSource --------------------------------------------------------- */

typedef enum vr_on_ddl {
    VR_ON_DDL_IGNORE = 0, /* skip DDL (default) */
    VR_ON_DDL_STOP,       /* stop the stream at a DDL on one of its tables */
    VR_ON_DDL_EXEC,       /* run it on the target; an error stops the stream */
    VR_ON_DDL_EXEC_IGNORE /* run it on the target; ignore errors */
} vr_on_ddl_t;

typedef struct vr_binlog_source {
    char *keyspace;
    char *shard;
    char *tablet_type;        /* "PRIMARY", "REPLICA", ...; NULL when unset */
    vr_filter_rule_t *rules;  /* match/filter strings owned by the struct */
    size_t nrules;
    vr_on_ddl_t on_ddl;
    bool stop_after_copy;
} vr_binlog_source_t;

#define VR_BINLOG_SOURCE_INIT {NULL, NULL, NULL, NULL, 0, VR_ON_DDL_IGNORE, false}

/* Parse Vitess's text form into bs (initialised by this call).  Unknown
 * fields and malformed text fail with VR_PARSE naming the offset and the
 * field; Vitess fields this engine does not implement (tables, key_range,
 * external_mysql, ...) fail with VR_UNSUPPORTED.  bs is left empty on
 * failure. */
vr_code_t vr_binlog_source_parse(const char *text, vr_binlog_source_t *bs,
                                 vr_error_t *err);
/* Append the compact text form (defaults left out, as Go's prototext). */
void vr_binlog_source_format(const vr_binlog_source_t *bs, vr_buf_t *b);
/* Append a rule (strings copied). */
void vr_binlog_source_add_rule(vr_binlog_source_t *bs, const char *match,
                               const char *filter);
void vr_binlog_source_free(vr_binlog_source_t *bs); /* frees members; NULL ok */
/* "IGNORE", "STOP", "EXEC", "EXEC_IGNORE" */
const char *vr_on_ddl_name(vr_on_ddl_t d);

/* ---- positions and lastpk ---------------------------------------------------- */

/* "MariaDB/0-1-5" (or a bare "0-1-5"; "" is the empty set) -> s. */
vr_code_t vr_vrepl_pos_parse(const char *text, vr_gtid_set_t *s, vr_error_t *err);
/* Appends "MariaDB/<set>", or nothing for the empty set. */
void vr_vrepl_pos_format(const vr_gtid_set_t *s, vr_buf_t *b);

/* Append the lastpk text of n key values (names are the source's key
 * columns).  Round-trips exactly through vr_lastpk_parse(). */
void vr_lastpk_format(vr_buf_t *b, const char *const *names, const vr_value_t *vals,
                      size_t n);
/* Parse lastpk text: *vals and *names (n entries) are allocated in a. */
vr_code_t vr_lastpk_parse(const char *text, size_t len, vr_arena_t *a, vr_value_t **vals,
                          const char ***names, size_t *n, vr_error_t *err);

/* ---- states --------------------------------------------------------------------- */

typedef enum vr_vrepl_state {
    VR_VREPL_INIT,    /* created; nothing done yet */
    VR_VREPL_COPYING, /* copying tables (copy_state rows left) */
    VR_VREPL_RUNNING, /* replicating from pos */
    VR_VREPL_STOPPED, /* stopped on purpose; message says why */
    VR_VREPL_ERROR,   /* stopped by an error; message says which */
} vr_vrepl_state_t;

/* "Init", "Copying", "Running", "Stopped", "Error" (Vitess's names). */
const char *vr_vrepl_state_name(vr_vrepl_state_t s);
vr_code_t vr_vrepl_state_parse(const char *name, vr_vrepl_state_t *s, vr_error_t *err);
/* The one table of allowed transitions (a state to itself is allowed). */
bool vr_vrepl_state_can_move(vr_vrepl_state_t from, vr_vrepl_state_t to);

/* ---- _vt.vreplication rows ------------------------------------------------------ */

/* Vitess's binlogdata.VReplicationWorkflowType / SubType values. */
#define VR_WORKFLOW_MATERIALIZE 0
#define VR_WORKFLOW_MOVETABLES 1
#define VR_WORKFLOW_CREATELOOKUPINDEX 2
#define VR_WORKFLOW_MIGRATE 3
#define VR_WORKFLOW_RESHARD 4

typedef struct vr_vrepl_row {
    int64_t id;
    char *workflow;
    char *source;              /* BinlogSource text */
    char *pos;                 /* "MariaDB/..." or "" */
    char *stop_pos;            /* NULL when none */
    int64_t max_tps;
    int64_t max_replication_lag;
    char *cell;
    char *tablet_types;
    int64_t time_updated;      /* seconds since the epoch */
    int64_t transaction_timestamp; /* source commit time of the last applied txn */
    vr_vrepl_state_t state;
    char *message;
    char *db_name;             /* the target database */
    int64_t rows_copied;
    char *tags;
    int64_t time_heartbeat;
    int workflow_type;
    int64_t time_throttled;
    char *component_throttled;
    int workflow_sub_type;
    bool defer_secondary_keys;
    char *options;             /* JSON text; "{}" by default */
} vr_vrepl_row_t;

/* Create database _vt and its tables when missing (idempotent). */
vr_code_t vr_vt_create(MYSQL *c, vr_error_t *err);

/*
 * Insert a new stream: r's id is ignored (*id gets the new one); NULL
 * strings become Vitess's defaults ('' / NULL); max_tps and
 * max_replication_lag default to Vitess's 9223372036854775807.  A stream
 * that should copy starts in Init with pos "" (the player lists the
 * source tables and fills _vt.copy_state); one with a pos and state
 * Running starts replicating from there.
 */
vr_code_t vr_vrepl_insert(MYSQL *c, const vr_vrepl_row_t *r, int64_t *id, vr_error_t *err);
/* Read one stream (VR_NOT_FOUND when absent).  Free with vr_vrepl_row_free. */
vr_code_t vr_vrepl_read(MYSQL *c, int64_t id, vr_vrepl_row_t *out, vr_error_t *err);
/* Streams of a workflow (NULL: all), ordered by id.  *rows is malloc'd;
 * free with vr_vrepl_rows_free. */
vr_code_t vr_vrepl_list(MYSQL *c, const char *workflow, vr_vrepl_row_t **rows, size_t *n,
                        vr_error_t *err);
/* Move a stream to a state with a message (NULL keeps ''), checking the
 * transition against the current state (VR_STATE when not allowed). */
vr_code_t vr_vrepl_set_state(MYSQL *c, int64_t id, vr_vrepl_state_t st, const char *message,
                             vr_error_t *err);
/* Delete a stream and its copy state. */
vr_code_t vr_vrepl_delete(MYSQL *c, int64_t id, vr_error_t *err);
/* Target tables still to copy, in copy order (malloc'd array of malloc'd
 * strings; free each and the array). */
vr_code_t vr_vrepl_copy_tables(MYSQL *c, int64_t id, char ***tables, size_t *n,
                               vr_error_t *err);
void vr_vrepl_row_free(vr_vrepl_row_t *r);           /* members; NULL ok */
void vr_vrepl_rows_free(vr_vrepl_row_t *rows, size_t n);

/*
 * Seconds the stream is behind its source, from the row alone (Vitess's
 * rule): now - the later of transaction_timestamp and time_heartbeat (a
 * heartbeat is only recorded when nothing is pending).  -1 while Init or
 * Copying (no meaningful lag), never negative otherwise.
 */
int64_t vr_vrepl_row_lag(const vr_vrepl_row_t *r, int64_t now);

/* ---- the player ----------------------------------------------------------------- */

typedef struct vr_vplayer_opts {
    vr_vstream_source_t target; /* the target primary; db is the row's db_name */
    vr_vstream_source_t source; /* the source primary; db defaults to vt_<keyspace> */
    int64_t id;                 /* the _vt.vreplication row */
    /* The source keyspace's VSchema (borrowed): needed by keyrange filters,
     * in_keyrange('-80') and keyspace_id().  NULL when none is needed. */
    const vr_vschema_t *source_vschema;
    /* The target keyspace's VSchema (borrowed, optional): an update that
     * changes a target table's primary vindex column is applied as delete
     * + insert, as one that changes the primary key. */
    const vr_vschema_t *target_vschema;
    uint32_t server_id;         /* replica server id on the source; 0: random */
    int heartbeat_ms;           /* source heartbeats (also bounds stop latency); 0: 250 */
    int heartbeat_write_ms;     /* time_heartbeat updates while idle; 0: 1000 */
    size_t copy_packet_rows;    /* rows per copy transaction; 0: 10000 */
    size_t copy_packet_bytes;   /* 0: 2 MiB */
    size_t batch_max_txns;      /* source transactions per target transaction; 0: 2000 */
    size_t batch_max_bytes;     /* SQL per target transaction; 0: 8 MiB */
    int retry_max_ms;           /* backoff cap for retriable errors; 0: 5000 */
    int max_retries;            /* retriable failures in a row before Error; 0: forever */
} vr_vplayer_opts_t;

typedef struct vr_vplayer vr_vplayer_t;

/* Copies opts (strings included).  *out is freed with vr_vplayer_free. */
vr_code_t vr_vplayer_new(const vr_vplayer_opts_t *opts, vr_vplayer_t **out, vr_error_t *err);

/*
 * Run the stream until it stops: Init -> Copying -> Running, retrying
 * retriable failures (connection lost, deadlock, lock wait timeout) with
 * backoff from the last committed position.  Returns VR_OK when
 * vr_vplayer_stop() was called (the row's state is left as is, so the
 * stream resumes when run again), when stop_pos was reached or the copy
 * finished with stop_after_copy (state Stopped), or when the row is not
 * in a runnable state (Stopped / Error).  Returns the error, after
 * recording state Error and its message in the row, when a failure
 * cannot be retried.
 */
vr_code_t vr_vplayer_run(vr_vplayer_t *p, vr_error_t *err);

/* Ask run() to return soon (within about heartbeat_ms); any thread. */
void vr_vplayer_stop(vr_vplayer_t *p);

typedef struct vr_vplayer_stats {
    vr_vrepl_state_t state;
    int64_t lag_seconds;      /* now - last applied commit time; 0 when idle; -1 copying */
    uint64_t txns_applied;    /* source transactions applied (incl. OTHER) */
    uint64_t rows_applied;    /* row changes applied while replicating */
    uint64_t rows_copied;     /* rows copied by this run */
    uint64_t batches;         /* target transactions committed while replicating */
    uint64_t retries;         /* retriable failures */
} vr_vplayer_stats_t;

/* A consistent snapshot of the counters; any thread. */
void vr_vplayer_stats(vr_vplayer_t *p, vr_vplayer_stats_t *st);

void vr_vplayer_free(vr_vplayer_t *p); /* NULL is a no-op; not while running */

#endif
