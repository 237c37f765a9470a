/*
 * vr_filter.h - the face of filters/: Vitess's rules that say which tables
 * and rows a stream carries, and the plans that apply them.
 *
 * A rule has `match` (a table name, or "/regex" matched anywhere in the
 * name as Vitess does; a trailing "/" is allowed) and `filter`:
 *   ""                      every row, every column;
 *   "-80", "80-c0", ...     rows whose keyspace ID, computed with the
 *                           table's primary vindex from the VSchema, lies
 *                           in the keyrange;
 *   "select ... from t ..." one single-table select: `*`, columns with
 *                           aliases, keyspace_id(); a WHERE that is an AND
 *                           of `col <op> literal` (= != <> < <= > >=) and
 *                           in_keyrange(col, 'vindex_type', '-80') or
 *                           in_keyrange('-80') (the primary vindex).
 * Rules are tried in order; the first that matches a table decides.
 *
 * The rules are parsed and checked once (vr_filter_new): anything the
 * plans cannot apply is rejected then, with a message naming it.  A plan
 * per table is built when the stream first sees the table, or sees its
 * schema change (vr_filter_plan): an unknown column is an error naming the
 * column and the table.  Rows are evaluated and projected by the plan
 * (vr_filter_plan_row).
 *
 * Ownership: a filter owns its plans; a plan lives until the filter is
 * freed or the table's plan is rebuilt for a new schema version.
 * Threading: one thread at a time per filter.
 */
#ifndef VR_FILTER_H
#define VR_FILTER_H

#include <stdbool.h>
#include <stddef.h>

#include "vr_arena.h"
#include "vr_error.h"
#include "vr_vschema.h"
#include "vr_vstream.h"

typedef struct vr_filter_rule {
    const char *match;
    const char *filter; /* NULL or "" for everything */
} vr_filter_rule_t;

typedef struct vr_filter vr_filter_t;

/* Is a rule's filter a keyrange ("-80", "80-", "40-80", "-") rather than
 * a select?  ("0" is not: it would be a table name.) */
bool vr_filter_is_keyrange(const char *filter);
typedef struct vr_filter_plan vr_filter_plan_t;

/* Compile rules.  vschema (may be NULL; borrowed, must outlive the
 * filter) is the source keyspace's, needed by keyrange filters,
 * in_keyrange('-80') and keyspace_id(). */
vr_code_t vr_filter_new(const vr_filter_rule_t *rules, size_t n,
                        const vr_vschema_t *vschema, vr_filter_t **out,
                        vr_error_t *err);
/* Same from Vitess's JSON: {"rules":[{"match":"t","filter":"..."}]}. */
vr_code_t vr_filter_new_json(const char *json, const vr_vschema_t *vschema,
                             vr_filter_t **out, vr_error_t *err);
void vr_filter_free(vr_filter_t *f); /* NULL is a no-op */

size_t vr_filter_rule_count(const vr_filter_t *f);

/* The plan for a table as the stream describes it: *plan NULL when no
 * rule matches (the table is not streamed). */
vr_code_t vr_filter_plan(vr_filter_t *f, const vr_vtable_t *t,
                         const vr_filter_plan_t **plan, vr_error_t *err);

/* The projected table: selected columns (aliases as names), in select
 * order; primary key columns mapped when all of them are selected. */
const vr_vtable_t *vr_filter_plan_table(const vr_filter_plan_t *p);

/* Evaluate one full row image of the source table.  *keep says whether
 * the row passes; when it does, out (vr_filter_plan_table()->nfields
 * values) gets the projection.  Values point into in or into arena. */
vr_code_t vr_filter_plan_row(const vr_filter_plan_t *p, const vr_value_t *in,
                             vr_arena_t *arena, bool *keep, vr_value_t *out,
                             vr_error_t *err);

/* ---- a filtered event stream ------------------------------------------ */

/*
 * vr_vstream with the filter applied: only matched tables, projected
 * FIELD and ROW events, rows that pass.  An update whose before image
 * passes and after image does not becomes a delete (and the reverse an
 * insert), as in Vitess.  A transaction left with no rows is reported as
 * one OTHER event, so its position still advances.  Event lifetime as in
 * vr_vstream.h.  The filter is borrowed and must outlive the stream.
 */
typedef struct vr_fstream vr_fstream_t;

vr_code_t vr_fstream_open(const vr_vstream_opts_t *opts, vr_filter_t *f,
                          vr_fstream_t **out, vr_error_t *err);
vr_code_t vr_fstream_next(vr_fstream_t *s, const vr_vevent_t **ev, vr_error_t *err);
const vr_gtid_set_t *vr_fstream_position(const vr_fstream_t *s);
vr_vstream_t *vr_fstream_source(vr_fstream_t *s);
void vr_fstream_close(vr_fstream_t *s); /* NULL is a no-op */

#endif
