/*
 * vr_vschema.h - a keyspace's VSchema: Vitess's JSON format, loaded,
 * validated, looked up, edited and written back.
 *
 *   {"sharded": true,
 *    "vindexes": {"hash": {"type": "hash"}},
 *    "tables": {"customer": {
 *        "column_vindexes": [{"column": "cid", "name": "hash"}],
 *        "auto_increment": {"column": "cid", "sequence": "customer_seq"}}}}
 *
 * A vr_vschema_t is opaque.  It keeps the JSON document as applied
 * (including keys vrepl does not know, which Vitess may have), and a
 * validated model of it that lookups return as read-only plain structs.
 *
 * Errors name the keyspace, the JSON path and the problem, e.g.
 *   "vschema customer: tables.orders.column_vindexes[0].name: unknown vindex \"hsh\""
 * with VR_PARSE for JSON syntax errors (with line and column) and
 * VR_INVALID for everything else.
 *
 * Ownership: a vr_vschema_t is freed with vr_vschema_free().  Every
 * pointer a lookup returns (tables, vindexes, their strings and arrays)
 * belongs to the vschema and stays valid until it is freed or until the
 * next successful edit (vr_vschema_add_*, vr_vschema_remove_table).
 * Strings returned by vr_vschema_to_json() belong to the caller (free()).
 *
 * Not thread-safe for edits; concurrent readers of an unchanging vschema
 * are fine.
 */
#ifndef VR_VSCHEMA_H
#define VR_VSCHEMA_H

#include <stdbool.h>
#include <stddef.h>

#include "vr_error.h"
#include "vr_vindex.h"

typedef struct vr_vschema vr_vschema_t;

typedef enum {
    VR_VSCHEMA_TABLE_NORMAL = 0, /* "type" absent or "" */
    VR_VSCHEMA_TABLE_REFERENCE,  /* "reference": a full copy on every shard */
    VR_VSCHEMA_TABLE_SEQUENCE,   /* "sequence": backs auto_increment */
} vr_vschema_table_type_t;

/* One entry of a vindex's "params" (all values are strings in Vitess). */
typedef struct vr_vschema_param {
    const char *key;
    const char *value;
} vr_vschema_param_t;

typedef struct vr_vschema_vindex {
    const char *name;
    vr_vindex_type_t type;
    const char *type_name;            /* as written: "hash", "lookup_unique" */
    const char *owner;                /* owner table, NULL when unowned */
    const vr_vschema_param_t *params; /* sorted by key */
    size_t nparams;
    /* Lookup family only (table/from/to checked present), else NULL. */
    const vr_lookup_params_t *lookup;
} vr_vschema_vindex_t;

/* One entry of a table's "column_vindexes" ("column" or "columns"). */
typedef struct vr_vschema_colvindex {
    const char *const *columns; /* at least one */
    size_t ncolumns;
    const char *name;                  /* vindex name */
    const vr_vschema_vindex_t *vindex; /* resolved in the same keyspace */
} vr_vschema_colvindex_t;

/* One entry of a table's "columns". */
typedef struct vr_vschema_column {
    const char *name;
    const char *type; /* as written ("VARCHAR", "INT64"); "" when absent */
} vr_vschema_column_t;

typedef struct vr_vschema_table {
    const char *name;
    vr_vschema_table_type_t type;
    /* The first is the primary vindex. */
    const vr_vschema_colvindex_t *column_vindexes;
    size_t ncolumn_vindexes;
    const char *auto_increment_column;   /* NULL when no auto_increment */
    const char *auto_increment_sequence; /* as written: "seq" or "ks.seq" */
    const vr_vschema_column_t *columns;
    size_t ncolumns;
    const char *pinned; /* hex keyspace ID, NULL when not pinned */
    const char *source; /* reference tables: "ks.table", NULL when none */
    bool column_list_authoritative;
} vr_vschema_table_t;

/* Parse and validate one keyspace's VSchema.  keyspace names it in
 * errors and in the result.  On success *out is the caller's. */
vr_code_t vr_vschema_parse(const char *keyspace, const char *json,
                           vr_vschema_t **out, vr_error_t *err);
/* An empty VSchema ({} or {"sharded": true}).  Never NULL. */
vr_vschema_t *vr_vschema_new(const char *keyspace, bool sharded);
void vr_vschema_free(vr_vschema_t *vs); /* NULL is a no-op */

const char *vr_vschema_keyspace(const vr_vschema_t *vs);
bool vr_vschema_sharded(const vr_vschema_t *vs);
bool vr_vschema_require_explicit_routing(const vr_vschema_t *vs);

/* Tables and vindexes, sorted by name; index < count. */
size_t vr_vschema_table_count(const vr_vschema_t *vs);
const vr_vschema_table_t *vr_vschema_table_at(const vr_vschema_t *vs, size_t i);
size_t vr_vschema_vindex_count(const vr_vschema_t *vs);
const vr_vschema_vindex_t *vr_vschema_vindex_at(const vr_vschema_t *vs, size_t i);

/* Lookups by exact name; NULL when absent. */
const vr_vschema_table_t *vr_vschema_table(const vr_vschema_t *vs, const char *name);
const vr_vschema_vindex_t *vr_vschema_vindex(const vr_vschema_t *vs, const char *name);
/* The first column vindex of a table; NULL when the table is absent or
 * has none (unsharded, reference, sequence or pinned tables). */
const vr_vschema_colvindex_t *vr_vschema_primary_vindex(const vr_vschema_t *vs,
                                                        const char *table);

/* The document as applied, pretty-printed (2 spaces) in a stable order:
 * known keys in Vitess's order (sharded, vindexes, tables, ...), names
 * of vindexes and tables and unknown keys sorted.  Caller frees. */
char *vr_vschema_to_json(const vr_vschema_t *vs);

/* ---- edits: each is all or nothing, validated like a parse ---- */

/* Add a vindex of a Vitess type with no params.  VR_OK when one of that
 * name and type exists already; VR_EXISTS when its type differs. */
vr_code_t vr_vschema_add_vindex(vr_vschema_t *vs, const char *name,
                                const char *type, vr_error_t *err);
/* Add a plain table.  In a sharded keyspace column and vindex (an
 * existing vindex, unique) give its primary vindex; in an unsharded one
 * both may be NULL.  VR_EXISTS when the table is there already. */
vr_code_t vr_vschema_add_table(vr_vschema_t *vs, const char *table,
                               const char *column, const char *vindex,
                               vr_error_t *err);
/* Add a reference table; source ("ks.table" in another keyspace) may be
 * NULL.  VR_EXISTS when the table is there already. */
vr_code_t vr_vschema_add_reference_table(vr_vschema_t *vs, const char *table,
                                         const char *source, vr_error_t *err);
/* VR_NOT_FOUND when absent. */
vr_code_t vr_vschema_remove_table(vr_vschema_t *vs, const char *table,
                                  vr_error_t *err);

/* ---- the cluster: all keyspaces' VSchemas together ---- */

/* Checks what spans keyspaces: every auto_increment.sequence names a
 * table of type sequence ("ks.t", or "t" found in exactly one keyspace),
 * and every reference table's source exists in another keyspace, is a
 * plain or reference table, and is not itself a copy (no chains).
 * vs[i] may not be NULL. */
vr_code_t vr_vschema_validate_cluster(const vr_vschema_t *const *vs, size_t n,
                                      vr_error_t *err);

/* Resolve a sequence name as written in auto_increment ("seq" or
 * "ks.seq") to its keyspace's vschema and table.  VR_NOT_FOUND when no
 * keyspace has it, VR_INVALID when it is ambiguous or not a sequence.
 * Error text: "sequence table \"customer_seq\" not found in any keyspace". */
vr_code_t vr_vschema_find_sequence(const vr_vschema_t *const *vs, size_t n,
                                   const char *sequence,
                                   const vr_vschema_t **ks_out,
                                   const vr_vschema_table_t **table_out,
                                   vr_error_t *err);

const char *vr_vschema_table_type_name(vr_vschema_table_type_t t); /* "", "reference", "sequence" */

#endif
