/*
 * vr_workflow.h - the face of workflows/: user operations made of streams
 * (rows of _vt.vreplication on target primaries, which the engine of
 * `vrepl serve` runs), and the topology changes of their cutovers
 * (VSchema, routing rules, denied tables).
 *
 *   materialize   one stream per (target shard, source shard) pair, each
 *                 with one rule: match = the target table, filter = a
 *                 select from the source table, restricted to the target
 *                 shard by in_keyrange() when the target is sharded.
 *   externalize   add a materialized table to its keyspace's VSchema (a
 *                 reference table, or with the primary vindex its streams
 *                 filter by); optionally route its name to both tables.
 *   workflow      list / show / stop / start / delete a workflow's streams
 *                 on every target primary of a keyspace, and the notify
 *                 workflow of that name (see vr_notify.h).
 *   migrate-reads / migrate-writes
 *                 the cutover of a copy workflow (a materialize of whole
 *                 tables), as Vitess's MigrateReads / MigrateWrites
 *                 (SwitchTraffic) do it; see vr_migrate_writes().
 *
 * Reporting.  Nothing here prints or exits.  Progress lines for the user
 * ("stream 1 on customer/-80 (...): ...") go to rep->say, one call per
 * line (a line may hold embedded newlines, never a trailing one).  The
 * error that ends an operation fills *err (vr_error.h); the text is meant
 * for the user as is ("keyspace customer not found").  Only
 * vr_workflow_act() goes on after some errors (one primary of several not
 * answering); it passes each to rep->fail as it happens.  rep, and each of
 * its callbacks, may be NULL.
 *
 * Ownership: options and their strings are borrowed for the call.  A
 * vr_materialize_t is the caller's (vr_materialize_free).  Buffers are the
 * caller's; functions append to them.
 *
 * Threads: plain blocking calls; they open their own connections to
 * tablets.  A vr_topo_t may be shared (its calls are serialized), a
 * vr_materialize_t may not.  Callbacks run on the calling thread.
 */
#ifndef VR_WORKFLOW_H
#define VR_WORKFLOW_H

#include <stdbool.h>
#include <stddef.h>

#include "vr_buf.h"
#include "vr_error.h"
#include "vr_filter.h"
#include "vr_topo.h"
#include "vr_vschema.h"

/* ---- reporting ----------------------------------------------------------- */

/* A progress line for the user (same shape as vr_cluster_say_fn). */
typedef void (*vr_workflow_say_fn)(void *ctx, const char *line);
/* An error an operation went on after (vr_workflow_act only). */
typedef void (*vr_workflow_fail_fn)(void *ctx, const vr_error_t *err);

typedef struct vr_workflow_report {
    vr_workflow_say_fn say;   /* NULL: progress is not reported */
    vr_workflow_fail_fn fail; /* NULL: only *err tells (the first failure) */
    void *ctx;                /* passed to both */
} vr_workflow_report_t;

/* ---- materialize --------------------------------------------------------- */

typedef struct vr_materialize_opts {
    /* the source: a whole table ... */
    const char *source_keyspace, *source_table;
    /* ... or a select reading one table named KEYSPACE.TABLE
     * ("select pid, count(*) as kount from product.orders group by pid"),
     * which then gives the source (the two fields above are ignored) */
    const char *select;
    const char *target_keyspace, *target_table;
    const char *workflow;       /* NULL: "<source table>_<target keyspace>" */
    const char *primary_vindex; /* "COLUMN:VINDEX" (a vindex of the target's
                                   VSchema or a vindex type), or NULL: the
                                   target table's primary vindex */
    bool create_table;          /* create the target table on every target
                                   primary (like the source, or from the
                                   select's columns and group by) */
    bool reference;             /* every target shard gets every row */
    const char *tablet_types;   /* what the streams read from: "rdonly",
                                   "in_order:replica,primary", ... (the
                                   tablet_types column); NULL: primaries */
} vr_materialize_opts_t;

/* A checked materialize: the select parsed, defaults filled in. */
typedef struct vr_materialize vr_materialize_t;

/* Check opts and parse the select.  Errors: the select's parse error,
 * VR_INVALID "the select must read one table named as KEYSPACE.TABLE:
 * <sql>", VR_INVALID when a source or target is missing. */
vr_code_t vr_materialize_new(const vr_materialize_opts_t *opts, vr_materialize_t **out,
                             vr_error_t *err);
void vr_materialize_free(vr_materialize_t *m); /* NULL is a no-op */

/* The workflow name (given or defaulted) and the source; borrowed from m. */
const char *vr_materialize_workflow(const vr_materialize_t *m);
const char *vr_materialize_source_keyspace(const vr_materialize_t *m);
const char *vr_materialize_source_table(const vr_materialize_t *m);

/* The filter of the stream into target shard dst_shard (pure): the select
 * (or "select * from <source table>") as is when the target is unsharded
 * or the copy a reference, else with "in_keyrange(COL, 'TYPE', 'SHARD')"
 * added to its where clause; COL and TYPE from --primary-vindex or from
 * dst_vs (the target keyspace's VSchema, may be NULL).  Appends to f.
 * Errors: VR_INVALID (bad --primary-vindex, no primary vindex for the
 * table), VR_NOT_FOUND (no such vindex). */
vr_code_t vr_materialize_stream_filter(const vr_materialize_t *m, const vr_vschema_t *dst_vs,
                                       const char *dst_shard, bool sharded, vr_buf_t *f,
                                       vr_error_t *err);

/* Create the streams (and the target tables with create_table), saying
 * one line per stream and a last one naming the workflow.  Stops at the
 * first error; streams already created stay. */
vr_code_t vr_materialize_run(vr_materialize_t *m, vr_topo_t *topo,
                             const vr_workflow_report_t *rep, vr_error_t *err);

/* ---- externalize --------------------------------------------------------- */

typedef struct vr_externalize_opts {
    const char *keyspace, *table; /* the materialized table */
    bool auto_route;              /* route "table" to the source and the copy */
} vr_externalize_opts_t;

/* Add the table to its keyspace's VSchema as its streams make it: in an
 * unsharded keyspace a plain table; with in_keyrange(COL, 'TYPE', ..)
 * filters a table whose primary vindex is COL with a vindex of TYPE (one
 * is added when the VSchema has none); else a reference table of its
 * source.  The VSchema is checked with every other keyspace's first.
 * A table already there is left alone (and said so). */
vr_code_t vr_externalize(vr_topo_t *topo, const vr_externalize_opts_t *opts,
                         const vr_workflow_report_t *rep, vr_error_t *err);

/* Validate vs together with every other keyspace's VSchema in the
 * topology (vs replaces its own keyspace's); see
 * vr_vschema_validate_cluster. */
vr_code_t vr_workflow_check_vschema(vr_topo_t *topo, vr_vschema_t *vs, vr_error_t *err);

/* ---- list / show / stop / start / delete --------------------------------- */

typedef enum vr_workflow_verb {
    VR_WORKFLOW_LIST,
    VR_WORKFLOW_SHOW,
    VR_WORKFLOW_STOP,
    VR_WORKFLOW_START,
    VR_WORKFLOW_DELETE
} vr_workflow_verb_t;

typedef struct vr_workflow_opts {
    vr_workflow_verb_t verb;
    const char *keyspace;
    const char *workflow; /* NULL: every workflow (list and show only) */
    bool keep_data;       /* delete: keep the tables the streams filled */
} vr_workflow_opts_t;

/* Act on the workflow's streams on every primary of the keyspace, then on
 * the keyspace's notify workflows of that name (all with workflow NULL).
 * Says: list "KS.WF" (notify: "KS.WF (notify)") per stream; show (json
 * NULL) one entry per stream; stop/start/delete a last line "stopped 4
 * stream(s) of KS.WF".  show with json: the entries as one JSON array
 * appended to *json ("[...]", no newline; partial when an error was
 * reported) instead of said.  delete drops the tables the streams filled
 * (not regex rules) unless keep_data.
 * Errors: an error on one primary or stream is passed to rep->fail and
 * the others are still done; the return is then the first error's code
 * and *err the first error.  Starting a frozen stream (see migrate-writes)
 * is an error for its primary; a named workflow with no streams is
 * VR_NOT_FOUND "no streams found in keyspace KS for workflow WF". */
vr_code_t vr_workflow_act(vr_topo_t *topo, const vr_workflow_opts_t *opts,
                          const vr_workflow_report_t *rep, vr_buf_t *json, vr_error_t *err);

/* ---- migrate-reads / migrate-writes -------------------------------------- */

typedef struct vr_migrate_reads_opts {
    const char *keyspace, *workflow; /* the copy workflow, on its target */
    const char *tablet_type;         /* "rdonly" or "replica" */
    bool reverse;                    /* serve the reads from the source again */
} vr_migrate_reads_opts_t;

/* Routing rule "table@TYPE" -> "KS.table" for every table the workflow
 * fills (reverse: those rules removed), one line said per rule and a last
 * one.  The streams must be Running (or frozen); a frozen workflow's
 * reads cannot move back. */
vr_code_t vr_migrate_reads(vr_topo_t *topo, const vr_migrate_reads_opts_t *opts,
                           const vr_workflow_report_t *rep, vr_error_t *err);

typedef struct vr_migrate_writes_opts {
    const char *keyspace, *workflow;
    int timeout_s;          /* for the streams to catch up; > 0 */
    const char *lock_owner; /* who holds the topology lock "workflow/KS.WF";
                               NULL: "vr_migrate_writes pid N" */
} vr_migrate_writes_opts_t;

/* Move the writes of a copy workflow's tables to the copy, holding the
 * topology lock "workflow/KS.WF" (reads of rdonly and replica migrated
 * first):
 *   1. deny writes to the source tables on the source shards' primaries
 *      (gateways pick the denial up within 200 ms; we wait 600 ms);
 *   2. wait until no transaction that wrote before the denial is still
 *      open on a source primary, then read each source's position;
 *   3. wait until every stream has applied its source up to there;
 *   4. freeze the streams (Stopped, message "FROZEN": nothing restarts
 *      them), read each target primary's position;
 *   5. take the tables off the copy's denied lists (a migration the
 *      other way put them there), route the table's name to the copy for
 *      primaries ("table" -> "KS.table");
 *   6. create the reverse workflow WF_reverse on the source primaries,
 *      one stream per (source shard, target shard), starting at the
 *      target positions of step 4, filtered to each source shard by the
 *      source table's primary vindex: the source table stays current for
 *      whatever still reads it (other workflows, queries naming it).
 *      Switching back is the same call on the reverse workflow (reads
 *      first, as always): its partner WF, frozen, is resumed instead,
 *      each stream from its source shard's position of step 4.
 * A failure before step 4 takes the denial back and changes nothing else
 * (errors from step 1 on read "KS.WF: ...").  Queries that name the
 * source table with its keyspace ("customer.orders") are not rerouted:
 * they read the source's copy, and writes to it are refused by the
 * denial. */
vr_code_t vr_migrate_writes(vr_topo_t *topo, const vr_migrate_writes_opts_t *opts,
                            const vr_workflow_report_t *rep, vr_error_t *err);

/* ---- pure helpers of cutovers -------------------------------------------- */

/* Whether a stream rule copies whole rows: no filter, a keyrange, or
 * "select * from t" with at most in_keyrange() conditions; then the source
 * table's name is written to src.  A regex match is never a copy. */
bool vr_workflow_copy_rule(const vr_filter_rule_t *rule, char *src, size_t size);

/* The filter of a reverse stream into source table src_table from the
 * copy dst_table: "select * from `dst`", restricted to source shard
 * src_shard by in_keyrange() on src_table's primary vindex when src_vs
 * (the source keyspace's VSchema, may be NULL) is sharded.  Appends to f. */
void vr_workflow_reverse_filter(const vr_vschema_t *src_vs, const char *src_table,
                                const char *dst_table, const char *src_shard, vr_buf_t *f);

#endif
