/*
 * planner.h - table references and routing shared by planner.c (resolve,
 * route, pushdown), plan_select.c (SELECT execution), plan_dml.c
 * (writes, SHOW, transactions, dispatch) and plan_lookup.c (lookup
 * vindexes: routing through lookup tables, keeping them in step).
 */
#ifndef VR_GW_PLANNER_H
#define VR_GW_PLANNER_H

#include "plan_int.h"

#define PL_MAX_ALT 4

/* One table a statement names, resolved. */
typedef struct pl_tref {
    vr_sql_table_name_t *node; /* in the AST */
    const char *alias;         /* alias, else the name as written */
    pl_ks_t *ks;
    const char *name;          /* the table's name in ks */
    const vr_vschema_table_t *vt; /* NULL: unsharded table not in the VSchema */
    vr_routing_target_t alt[PL_MAX_ALT]; /* routing rule targets */
    size_t nalt;
} pl_tref_t;

typedef struct pl_trefs {
    pl_tref_t *t;
    size_t n, cap;
} pl_trefs_t;

vr_code_t pl_resolve(pl_sess_t *s, vr_sql_table_name_t *n, pl_tref_t *t, vr_error_t *err);
vr_code_t pl_resolve_from(pl_sess_t *s, vr_sql_table_expr_list_t *from, pl_trefs_t *out,
                          vr_error_t *err);
char *pl_shard_sql(pl_sess_t *s, vr_sql_stmt_t *st, pl_trefs_t *tr);
vr_code_t pl_exec_shards(pl_sess_t *s, const pl_ks_t *ks, const int *shards, size_t n,
                         bool write, const char *sql, pl_rs_t *rs, vr_error_t *err);
const vr_vschema_colvindex_t *pl_pv(const pl_tref_t *t);
vr_code_t pl_map_value(const pl_ks_t *ks, const vr_vschema_colvindex_t *pv, const char *v,
                       size_t len, int *shard, vr_error_t *err);
/* The shards a WHERE selects through a primary vindex, else through a
 * lookup vindex (possibly none), else all.  write: lookup tables are
 * read on primaries. */
vr_code_t pl_route_where(pl_sess_t *s, const pl_trefs_t *tr, const pl_ks_t *ks,
                         vr_sql_expr_t *where, bool write, int **shards, size_t *n,
                         vr_error_t *err);
/* `= literal` / `in (literals)`: the literal's text. */
bool pl_literal_text(const vr_sql_expr_t *e, const char **v, size_t *len);
bool pl_pushdown_ok(pl_sess_t *s, const pl_trefs_t *tr, vr_sql_table_expr_list_t *from,
                    vr_sql_expr_t *where);

/* plan_lookup.c */
/* Route by a lookup vindex of a table of tr in ks (not write_only): a
 * conjunct `col = lit` / `col in (lits)` on its column queries the lookup
 * table and fills shards/n with the shards holding the keyspace ids it
 * gives (n may be 0).  *routed is false when no conjunct qualifies. */
vr_code_t pl_lookup_route(pl_sess_t *s, const pl_trefs_t *tr, const pl_ks_t *ks,
                          vr_sql_expr_t *where, bool write, int *shards, size_t *n, bool *routed,
                          vr_error_t *err);
/* The table owns lookup vindexes (writes must keep their tables). */
bool pl_owns_lookups(const pl_tref_t *t);
/* An owner table's UPDATE of lookup columns (refused when the table does
 * not own a lookup on a column the SET names: nothing to do). */
bool pl_updates_lookups(const pl_tref_t *t, const vr_sql_assign_list_t *set);
/* Before an INSERT into an owner table: write the lookup rows of every
 * row (kids[r]/klens[r]: the row's keyspace id). */
vr_code_t pl_lookup_insert(pl_sess_t *s, const pl_tref_t *t, const vr_sql_insert_t *ins,
                           uint8_t (*kids)[VR_KEYSPACE_ID_MAX], const size_t *klens,
                           vr_error_t *err);
/* Before an UPDATE/DELETE of an owner table on shards: select the rows'
 * owned columns (for update), delete their lookup rows and, for an
 * UPDATE that changes them, insert the new ones. */
vr_code_t pl_lookup_dml(pl_sess_t *s, vr_sql_stmt_t *st, pl_trefs_t *tr, const int *shards,
                        size_t n, vr_error_t *err);

/* plan_select.c */
vr_code_t pl_select(pl_sess_t *s, vr_sql_stmt_t *st, pl_rs_t *rs, vr_error_t *err);

#endif
