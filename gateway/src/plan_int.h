/*
 * plan_int.h - what the planner's files share: the topology snapshot
 * (plan_topo.c), the session and its shard connections (executor.c), the
 * collected result sets and their merging (merge.c), and the statement
 * planner (planner.c).  The handler callbacks live in plan_handler.c.
 *
 * A snapshot is immutable once built and reference-counted: a statement
 * holds one for its whole run, so a topology reload never changes the
 * ground under a running statement.
 */
#ifndef VR_GW_PLAN_INT_H
#define VR_GW_PLAN_INT_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include <mysql.h>

#include "vr_gateway.h"
#include "vr_keyrange.h"
#include "vr_routing.h"
#include "vr_sqlparser.h"
#include "vr_topo.h"
#include "vr_vschema.h"

#define PL_AREA "gateway"

/* Vitess/MySQL error numbers the planner sends. */
#define PL_ER_NO_SUCH_TABLE 1146 /* 42S02 */
#define PL_ER_BAD_DB 1049        /* 42000 */

typedef struct pl_shard {
    char *name;
    vr_keyrange_t kr;
    vr_tablet_t tablet[3]; /* by vr_tablet_type_t */
    bool has[3];
    char **denied; /* denied tables on the primary */
    size_t ndenied;
} pl_shard_t;

typedef struct pl_ks {
    char *name;
    vr_vschema_t *vs; /* never NULL (an empty one when the topology has none) */
    pl_shard_t *shards;
    size_t nshards;
} pl_ks_t;

typedef struct pl_snap {
    int refs; /* under the ctx mutex */
    int64_t version;
    pl_ks_t *ks;
    size_t nks;
    vr_routing_t *rr;
} pl_snap_t;

typedef struct pl_pooled {
    char alias[VR_NAME_MAX];
    MYSQL *m;
} pl_pooled_t;

typedef struct pl_seq {
    char *name; /* "ks.table" */
    int64_t next, end;
} pl_seq_t;

typedef struct pl_ctx {
    char *topo_addr;
    vr_topo_t *topo;
    pthread_mutex_t mu; /* snap, pool, last_check */
    pl_snap_t *snap;
    int64_t last_check_ms;
    pl_pooled_t *pool;
    size_t npool;
    pthread_mutex_t seq_mu; /* seqs, and serializes block reservations */
    pl_seq_t *seqs;
    size_t nseqs;
} pl_ctx_t;

/* One shard connection a session holds. */
typedef struct pl_conn {
    char alias[VR_NAME_MAX];
    char ks[VR_NAME_MAX];
    char shard[VR_NAME_MAX];
    MYSQL *m;
    bool in_txn; /* a begin was sent */
    uint32_t vars_ver; /* the session's variables it has */
    bool vars_dirty;   /* it carries session variables: never pooled */
    bool pre;    /* wrote lookup rows: commits before the other shards */
} pl_conn_t;

/* A shard query a statement ran (for vexplain queries). */
typedef struct pl_logq {
    const char *ks, *shard, *sql;
} pl_logq_t;

typedef struct pl_sess {
    pl_ctx_t *ctx;
    vr_gw_session_t *gs;
    char ks[VR_NAME_MAX]; /* target keyspace; "" none */
    vr_tablet_type_t type;
    bool in_txn;
    pl_conn_t *conns; /* in the order they joined the transaction */
    size_t nconns, capconns;
    pl_snap_t *snap; /* the running statement's */
    vr_arena_t *a;   /* the running statement's */
    pl_logq_t *log;
    size_t nlog, caplog;
    char sqlstate[6]; /* of the error being reported */
    uint64_t last_insert_id;
    struct { char *name, *value; } *vars; /* session variables for the shards */
    size_t nvars;
    char *vars_sql; /* "set ..." of them all; NULL when none */
    uint32_t vars_ver;
    bool lk_wrote; /* the statement wrote lookup rows in the transaction */
} pl_sess_t;

/* A result collected from shards: metadata and rows, all in the arena. */
typedef struct pl_row {
    char **v;
    size_t *l;
} pl_row_t;

typedef struct pl_rs {
    size_t ncols;
    vr_gw_column_t *cols; /* NULL until a shard answered with a result set */
    pl_row_t *rows;
    size_t nrows, cap;
    uint64_t affected;
    uint64_t insert_id;
} pl_rs_t;

/* ---- plan_topo.c ---- */
vr_code_t pl_snap_load(vr_topo_t *topo, pl_snap_t **out, vr_error_t *err);
void pl_snap_release(pl_ctx_t *ctx, pl_snap_t *s);
/* The current snapshot (reloaded when the topology version moved), kept. */
vr_code_t pl_snap_get(pl_ctx_t *ctx, pl_snap_t **out, vr_error_t *err);
pl_ks_t *pl_find_ks(pl_snap_t *s, const char *name);
/* Index of the shard whose keyrange holds kid. */
int pl_shard_for_kid(const pl_ks_t *ks, const uint8_t *kid, size_t len);
bool pl_denied(const pl_shard_t *sh, const char *table);

/* ---- executor.c ---- */
/* Run sql on one shard (write: on the primary); rows/OK go into rs (may
 * be NULL: results dropped).  Errors name the shard. */
vr_code_t pl_exec(pl_sess_t *s, const pl_ks_t *ks, const pl_shard_t *sh, bool write,
                  const char *sql, pl_rs_t *rs, vr_error_t *err);
/* The same on several shards of ks at once (sent to all, then read). */
vr_code_t pl_exec_many(pl_sess_t *s, const pl_ks_t *ks, const int *shards, size_t n, bool write,
                       const char *sql, pl_rs_t *rs, vr_error_t *err);
/* Commit (shards marked pre first, then the others in the order they
 * joined) or roll back the session's transaction. */
vr_code_t pl_txn_end(pl_sess_t *s, bool commit, vr_error_t *err);
/* Mark the session's transaction on a shard's primary to commit first. */
void pl_mark_pre(pl_sess_t *s, const pl_ks_t *ks, const pl_shard_t *sh);
/* Run a write on a shard's primary outside the session's transaction
 * (autocommit lookup vindexes); logged like any shard query. */
vr_code_t pl_exec_autocommit(pl_sess_t *s, const pl_ks_t *ks, const pl_shard_t *sh,
                             const char *sql, vr_error_t *err);
void pl_sess_close_conns(pl_sess_t *s);
/* Next value of a sequence table (reserving a block when needed). */
vr_code_t pl_seq_next(pl_sess_t *s, const pl_ks_t *ks, const char *table, int64_t *out,
                      vr_error_t *err);

/* ---- plan_session.c ---- */
/* A SET the shards must see too: kept in the session (SET GLOBAL: an
 * error).  Anything else: VR_OK, nothing done. */
vr_code_t pl_session_set(pl_sess_t *s, const char *sql, size_t len, vr_error_t *err);
/* Bring c up to the session's variables; VR_MYSQL: c's error says why. */
vr_code_t pl_session_apply(pl_sess_t *s, pl_conn_t *c, vr_error_t *err);
void pl_session_vars_free(pl_sess_t *s);
/* Does a statement other than SET name a variable the session sent to
 * the shards?  (Then the shards answer `select @@time_zone`, not the
 * built-in handler's defaults.) */
bool pl_session_mentions(const pl_sess_t *s, const char *sql, size_t len);

/* ---- merge.c ---- */
void pl_rs_add_row(vr_arena_t *a, pl_rs_t *rs, char **v, const size_t *l);
/* Stable sort of rows by keys (column index, desc). */
typedef struct pl_sortkey {
    size_t col;
    bool desc;
} pl_sortkey_t;
void pl_rs_sort(vr_arena_t *a, pl_rs_t *rs, const pl_sortkey_t *keys, size_t n);
int pl_val_cmp(const char *a, size_t al, const char *b, size_t bl);
typedef enum pl_agg {
    PL_AGG_KEY = 0, /* a grouping value (or a plain column) */
    PL_AGG_SUM,     /* count(*), count(x), sum(x) */
    PL_AGG_MIN,
    PL_AGG_MAX,
    PL_AGG_AVG,     /* planner only: sent as sum + count, folded as sums */
} pl_agg_t;
/* Group rows by the KEY columns and fold the others (sorted by the keys). */
void pl_rs_aggregate(vr_arena_t *a, pl_rs_t *rs, const pl_agg_t *aggs, size_t n);
void pl_rs_limit(pl_rs_t *rs, uint64_t offset, uint64_t count);
/* Write rs to the client (a result set when it has columns, else OK). */
vr_code_t pl_rs_write(const pl_rs_t *rs, vr_gw_result_t *r);

/* ---- planner.c ---- */
/* Plan and run one parsed statement; rs gets the answer. */
vr_code_t pl_run(pl_sess_t *s, vr_sql_stmt_t *st, pl_rs_t *rs, vr_error_t *err);

#endif
