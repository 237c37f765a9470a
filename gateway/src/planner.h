/*
 * planner.h - table references and routing shared by planner.c (resolve,
 * route, pushdown), plan_select.c (SELECT execution) and plan_dml.c
 * (writes, SHOW, transactions, dispatch).
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
/* The shards a WHERE selects through a primary vindex (all when none). */
vr_code_t pl_route_where(pl_sess_t *s, const pl_trefs_t *tr, const pl_ks_t *ks,
                         vr_sql_expr_t *where, int **shards, size_t *n, vr_error_t *err);
bool pl_pushdown_ok(pl_sess_t *s, const pl_trefs_t *tr, vr_sql_table_expr_list_t *from,
                    vr_sql_expr_t *where);

/* plan_select.c */
vr_code_t pl_select(pl_sess_t *s, vr_sql_stmt_t *st, pl_rs_t *rs, vr_error_t *err);

#endif
