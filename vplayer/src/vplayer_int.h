/*
 * vplayer_int.h - what the files of vplayer/ share:
 *   prototext.c     protobuf text format (BinlogSource, lastpk)
 *   sqlconn.c       connections and statements
 *   vt_schema.c     _vt tables, stream rows, the state table
 *   table_plan.c    rules -> target table plans -> SQL text
 *   script.c        a target transaction being built (multi-row
 *                   statements, which source GTID each statement serves)
 *   relay.c         the reader thread and the queue of copied events
 *   applier.c       events -> statements, batching, commit with the position
 *   copier.c        the copy phase
 *   vplayer.c       one stream's life: states, retries, the run loop
 */
#ifndef VR_VPLAYER_INT_H
#define VR_VPLAYER_INT_H

#include <pthread.h>
#include <regex.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <strings.h>

#include "vr_common.h"
#include "vr_filter.h"
#include "vr_sqlparser.h"
#include "vr_vplayer.h"

/* ---- prototext.c -------------------------------------------------------------- */

typedef struct pt_msg pt_msg_t;

typedef enum { PT_SCALAR, PT_STRING, PT_MESSAGE } pt_kind_t;

typedef struct pt_field {
    const char *name;
    pt_kind_t kind;
    const char *str; /* SCALAR: token text; STRING: decoded bytes (NUL-terminated) */
    size_t len;
    pt_msg_t *msg;   /* MESSAGE */
    size_t pos;      /* 1-based offset of the field name, for errors */
} pt_field_t;

struct pt_msg {
    pt_field_t *fields;
    size_t n;
};

vr_code_t vr_pt_parse(vr_arena_t *a, const char *text, size_t len, pt_msg_t **out,
                      vr_error_t *err);
bool vr_pt_bool(const pt_field_t *f, bool *v);
bool vr_pt_int(const pt_field_t *f, long long *v);
/* A quoted string; bytes: escape every non-ASCII byte (octal). */
void vr_pt_put_string(vr_buf_t *b, const char *s, size_t n, bool bytes);

/* ---- sqlconn.c -------------------------------------------------------------------- */

MYSQL *vp_connect(const vr_vstream_source_t *src, const char *db, bool multi, vr_error_t *err);
vr_code_t vp_mysql_error(MYSQL *c, vr_error_t *err, const char *what);
vr_code_t vp_exec(MYSQL *c, const char *sql, vr_error_t *err);
vr_code_t vp_execf(MYSQL *c, vr_error_t *err, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
vr_code_t vp_query(MYSQL *c, const char *sql, MYSQL_RES **res, vr_error_t *err);
/* First column of the first row ("" when none; *found says whether a row came). */
vr_code_t vp_scalar(MYSQL *c, const char *sql, vr_buf_t *out, bool *found, vr_error_t *err);
/* A quoted SQL string, or NULL for a NULL pointer. */
void vp_put_string(vr_buf_t *b, const char *s);
/* Move a stream from `from` to `to` (a checked transition); *moved is
 * false (and nothing written) when the row is no longer in `from`. */
vr_code_t vp_vrepl_move(MYSQL *c, int64_t id, vr_vrepl_state_t from, vr_vrepl_state_t to,
                        const char *message, bool *moved, vr_error_t *err);
/* A message for _vt.vreplication.message (cut to the column's 1000 bytes). */
void vp_put_message(vr_buf_t *q, const char *message);

/* ---- table_plan.c: rules ------------------------------------------------------------ */

typedef enum tcol_kind {
    TCOL_VALUE,      /* a projected source column */
    TCOL_COUNT_STAR, /* count(*) */
    TCOL_COUNT,      /* count(col) */
    TCOL_SUM,        /* sum(col) */
} tcol_kind_t;

typedef struct tcol {
    const char *name; /* target column */
    tcol_kind_t kind;
    int src;          /* projected field index (VALUE, COUNT, SUM) */
} tcol_t;

/* One filter rule, compiled for both sides. */
typedef struct trule {
    const char *match;      /* as given */
    const char *filter;     /* as given */
    bool is_regex;          /* match is /regex: target name = source name */
    regex_t re;             /* is_regex: compiled once */
    const char *target;     /* target table (NULL when is_regex) */
    const char *source;     /* source table (NULL when is_regex) */
    bool star;              /* every projected column, by name */
    bool rollup;            /* group by with count/sum */
    tcol_t *cols;           /* !star: target columns in select order */
    size_t ncols;
    const char **group_by;  /* rollup: target names of the group key */
    size_t ngroup;
    const char **items;     /* !star: the derived source select list */
    size_t nitems;
    const char *where;      /* formatted where clause, or NULL */
    int *src_pk;            /* !star, after finalize: projected index of each source pk col */
    size_t nsrc_pk;
    const char *source_filter; /* the rule filters/ gets (after finalize) */
    const char *source_match;
} trule_t;

typedef struct trules {
    vr_arena_t *arena;
    trule_t *r;
    size_t n;      /* compiled rules */
    size_t cap;    /* slots (a failed compile may leave a regex in slot n) */
} trules_t;

/* Compile every rule of bs (rs initialised by this call; free with
 * vp_rules_free).  Bad rules fail naming the rule and what is wrong. */
vr_code_t vp_rules_compile(trules_t *rs, const vr_binlog_source_t *bs, vr_error_t *err);
void vp_rules_free(trules_t *rs);
/* Source side of a select rule: append the source's primary key columns
 * (pk names, key order) to the select list when missing, and derive the
 * filter text.  Rules without a select list need no finalize. */
void vp_rule_finalize(trules_t *rs, trule_t *r, const char *const *pk, size_t npk);
/* The rules for filters/ (in rs's arena). */
vr_filter_rule_t *vp_rules_source(trules_t *rs, size_t *n);
/* The rule a source table / a target table belongs to (NULL: none). */
const trule_t *vp_rule_for_source(const trules_t *rs, const char *source);
const trule_t *vp_rule_for_target(const trules_t *rs, const char *target);
/* The target table name a source table maps to through r. */
const char *vp_rule_target_name(const trule_t *r, const char *source);

/* ---- table_plan.c: target tables and plans ------------------------------------------ */

typedef struct ttable {
    const char *db;
    const char *name;
    const char **cols;
    size_t ncols;
    const char **key;   /* primary key (or a unique not-null key) */
    size_t nkey;
} ttable_t;

/* information_schema of one target table; VR_NOT_FOUND when missing. */
vr_code_t vp_ttable_load(MYSQL *c, const char *db, const char *name, vr_arena_t *a,
                         ttable_t **out, vr_error_t *err);

/* charset names by collation id (for literals and collation-aware compares) */
typedef struct vp_charsets {
    const char *name[2048];      /* character set of a collation id */
    const char *collation[2048]; /* collation name of an id */
    vr_arena_t *arena;
} vp_charsets_t;

vr_code_t vp_charsets_load(MYSQL *c, vp_charsets_t **out, vr_error_t *err);
void vp_charsets_free(vp_charsets_t *cs);
/* A SQL literal for v: text in a charset other than utf8 with non-ASCII
 * bytes goes out as _charset X'..'; everything else as vr_value_append_sql.
 * cs may be NULL. */
void vp_put_value(vr_buf_t *b, const vr_value_t *v, const vp_charsets_t *cs);

typedef struct tplan {
    vr_arena_t *arena;
    const trule_t *rule;
    const char *source;    /* source table */
    const char *target;    /* target table */
    const char *db;        /* target database */
    uint32_t nfields;      /* projected fields the plan was built for */
    size_t ncols;
    tcol_t *cols;          /* target columns (insert order) */
    size_t nkey;
    int *key;              /* cols index of each target key column */
    bool *moves;           /* per col: a change is applied as delete + insert */
    bool any_set;          /* some non-key column exists (plain updates) */
    size_t nsrc_pk;
    const int *src_pk;     /* projected index of each source pk column; NULL: unknown */
    const char *insert_head; /* "insert into t(a,b) values " */
    const char *ondup;       /* rollup: " on duplicate key update ..." */
} tplan_t;

/* Bind a rule to a projected table layout and the target table. */
vr_code_t vp_tplan_build(const trule_t *r, const vr_vtable_t *proj, const ttable_t *tt,
                         const vr_vschema_t *tvs, tplan_t **out, vr_error_t *err);
void vp_tplan_free(tplan_t *p);

/* SQL text of one row change (used by script.c and the unit tests). */
void vp_sql_values(const tplan_t *p, const vr_value_t *row, const vp_charsets_t *cs,
                   vr_buf_t *b);                       /* "(v1,v2)" */
void vp_sql_key_cond(const tplan_t *p, const vr_value_t *row, const vp_charsets_t *cs,
                     vr_buf_t *b);                     /* "k1=.. and k2=.." */
void vp_sql_update(const tplan_t *p, const vr_value_t *before, const vr_value_t *after,
                   const vp_charsets_t *cs, vr_buf_t *b); /* plain update by key */
/* rollup: subtract before and/or add after in the same group ("" when no change) */
void vp_sql_rollup_update(const tplan_t *p, const vr_value_t *before, const vr_value_t *after,
                          const vp_charsets_t *cs, vr_buf_t *b);
bool vp_tplan_moves(const tplan_t *p, const vr_value_t *before, const vr_value_t *after);
bool vp_tplan_same_group(const tplan_t *p, const vr_value_t *before, const vr_value_t *after);

/* ---- script.c ---------------------------------------------------------------------- */

/* A target transaction being built: statements joined by ';', the open
 * multi-row statement, and which source GTID / table each serves. */
typedef struct vp_stmt_ref {
    size_t off, len;
    const char *gtid;
    const char *table;
} vp_stmt_ref_t;

typedef enum { OPEN_NONE, OPEN_INSERT, OPEN_DELETE } open_kind_t;

typedef struct vp_script {
    vr_buf_t sql;
    vp_stmt_ref_t *refs;
    size_t nrefs, cap;
    vr_arena_t *arena;          /* gtid / table strings of refs */
    open_kind_t open;
    const tplan_t *open_plan;
    const char *open_gtid;
    const char *open_tail;
    const vp_charsets_t *cs;
    size_t max_stmt;            /* close a multi-row statement at this size */
    bool multi_row;             /* false: one row per statement */
} vp_script_t;

void vp_script_init(vp_script_t *s, const vp_charsets_t *cs);
void vp_script_reset(vp_script_t *s);
void vp_script_free(vp_script_t *s);
/* One row change (before/after NULL for insert/delete) through plan p. */
void vp_script_row(vp_script_t *s, const tplan_t *p, const vr_value_t *before,
                   const vr_value_t *after, const char *gtid);
/* A whole statement (closes the open one first). */
void vp_script_stmt(vp_script_t *s, const char *sql, size_t len, const char *gtid,
                    const char *table);
void vp_script_close(vp_script_t *s);
bool vp_script_empty(const vp_script_t *s);
/* Run every statement in one round trip (multi-statements); on failure
 * err names the GTID, the table and the statement that failed. */
vr_code_t vp_script_run(vp_script_t *s, MYSQL *c, vr_error_t *err);
/* The same in two halves, to prepare the next script while the server
 * runs this one (the connection is busy in between). */
vr_code_t vp_script_send(vp_script_t *s, MYSQL *c, vr_error_t *err);
vr_code_t vp_script_finish(vp_script_t *s, MYSQL *c, vr_error_t *err);

/* Compare two key values as the source orders them (collation-aware for
 * text; asks the server c when C cannot decide).  *cmp < 0, 0, > 0. */
vr_code_t vp_value_cmp(MYSQL *c, const vp_charsets_t *cs, const vr_value_t *a,
                       const vr_value_t *b, int *cmp, vr_error_t *err);

/* ---- relay.c ------------------------------------------------------------------------ */

/* One source transaction (or heartbeat / DDL / OTHER) with its events
 * deep-copied into the chunk's arena; a transaction bigger than a quarter
 * of the relay comes in several chunks, all but the last `partial`. */
typedef struct vp_chunk {
    vr_arena_t *arena;
    vr_vevent_t *ev;
    size_t n, cap;
    size_t bytes;
    bool partial;           /* the transaction goes on in the next chunk */
    struct vp_chunk *next;
} vp_chunk_t;

typedef struct vp_relay vp_relay_t;

typedef struct vp_relay_opts {
    const vr_vstream_opts_t *vs;   /* stream options (position, stop, source) */
    vr_filter_t *filter;           /* owned by the caller; used by the reader thread */
    size_t max_bytes;              /* back-pressure: bytes queued */
} vp_relay_opts_t;

vr_code_t vp_relay_start(const vp_relay_opts_t *o, vp_relay_t **out, vr_error_t *err);
/* Wait up to timeout_ms for chunks; *head gets every ready chunk (a list,
 * in order) or NULL.  *eof: the stream ended (stop position) and nothing
 * more will come; an error of the stream is returned once its chunks are
 * drained. */
vr_code_t vp_relay_fetch(vp_relay_t *r, int timeout_ms, vp_chunk_t **head, bool *eof,
                         vr_error_t *err);
/* Are chunks ready now (without waiting)? */
bool vp_relay_ready(vp_relay_t *r);
void vp_relay_release(vp_relay_t *r, vp_chunk_t *head);  /* give chunks back */
void vp_relay_stop(vp_relay_t *r); /* join the reader, free everything; NULL ok */

/* ---- vplayer.c: one stream's run state (seen by applier.c and copier.c) ---------------- */

typedef struct plan_slot {
    const char *source;     /* source table (slot arena: the player's) */
    uint32_t version;       /* of the projected table the plan was built for */
    uint32_t nfields;
    tplan_t *plan;
    struct plan_slot *next;
} plan_slot_t;

typedef struct vp_player {
    /* configuration (vr_vplayer_new): strings owned */
    vr_vplayer_opts_t o;
    atomic_bool stop;
    pthread_mutex_t mu;          /* stats */
    vr_vplayer_stats_t stats;
    uint64_t progress;           /* commits, to reset the retry backoff */
    /* one attempt (from connecting to returning) */
    MYSQL *tc;                   /* target primary, multi-statements, db = db_name */
    vp_charsets_t *cs;
    vr_vrepl_row_t row;
    vr_binlog_source_t bs;
    trules_t rules;
    vr_vstream_source_t source;  /* db resolved */
    char *source_db;
    vr_gtid_set_t pos;           /* the committed position */
    vr_arena_t *arena;           /* per attempt: target table descriptions */
    plan_slot_t *plans;
    struct ttslot *ttables;
    int64_t last_hb_ms;          /* last time_heartbeat write */
    bool stopped_by_stream;      /* stop_pos / on_ddl STOP / stop_after_copy / someone
                                    else's state change: run() returns */
} vp_player_t;

bool vp_stopping(vp_player_t *p);
/* "update _vt.vreplication set pos=..., time_updated=..., transaction_timestamp=..." */
void vp_pos_update_sql(vp_player_t *p, const vr_gtid_set_t *pos, int64_t ts, vr_buf_t *b);
/* Record a state change of the stream (checked transition, from the state
 * the player knows) on p->tc.  When someone else changed the row's state
 * meanwhile (a user's stop), nothing is written and the player stands
 * down: stopped_by_stream is set. */
vr_code_t vp_set_state(vp_player_t *p, vr_vrepl_state_t st, const char *msg, vr_error_t *err);
/* The stream's source options (position: pos text; stop: NULL for none). */
void vp_stream_opts(vp_player_t *p, vr_vstream_opts_t *o, const char *pos, const char *stop);
/* The plan for a projected table (built, or rebuilt after a schema change). */
vr_code_t vp_plan_for(vp_player_t *p, const vr_vtable_t *proj, const tplan_t **out,
                      vr_error_t *err);
/* A filters/ filter for the stream's rules (caller frees). */
vr_code_t vp_source_filter(vp_player_t *p, vr_filter_t **out, vr_error_t *err);

/* ---- applier.c ------------------------------------------------------------------------ */

/* How the copy phase limits what catch-up applies to a table. */
typedef enum { COPY_ALL, COPY_NONE, COPY_UPTO } copy_mode_t;

typedef struct vp_copy_filter {
    const char *table;      /* target table in progress (COPY_UPTO or NONE) */
    const vr_value_t *lastpk;
    size_t nlastpk;
    const char *const *pending; /* target tables not started (COPY_NONE) */
    size_t npending;
} vp_copy_filter_t;

/* Replicate from the row's pos until stop / stop_pos / error; with cf
 * (catch-up of the copy phase) only up to stop_at and only what cf lets
 * through. */
vr_code_t vp_apply_stream(vp_player_t *p, const vr_gtid_set_t *stop_at,
                          const vp_copy_filter_t *cf, vr_error_t *err);

/* ---- copier.c ------------------------------------------------------------------------- */

vr_code_t vp_copy_run(vp_player_t *p, vr_error_t *err);

#endif
