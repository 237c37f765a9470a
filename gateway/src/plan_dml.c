/*
 * plan_dml.c - writes and the statements around them: INSERT routed row by
 * row by the primary vindex (auto-increment columns filled from the
 * VSchema's sequence table first), UPDATE/DELETE routed by their WHERE
 * (primary or lookup vindex) or scattered (a SET of a primary vindex
 * column refused), writes to lookup-vindex owner tables keeping their
 * lookup tables in step (plan_lookup.c) inside the session's transaction
 * or an implicit one, denied tables refused per shard,
 * BEGIN/COMMIT/ROLLBACK, SHOW, and pl_run(), which sends each statement
 * kind where it belongs.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "planner.h"

static vr_code_t denied_err(vr_error_t *err)
{
    return vr_error_mysql(err, VR_GW_ER_UNKNOWN, false,
                          "disallowed due to rule: enforce denied tables");
}

static vr_code_t check_denied(const pl_ks_t *ks, const int *shards, size_t n, const char *table,
                              vr_error_t *err)
{
    size_t i;
    for (i = 0; i < n; i++)
        if (pl_denied(&ks->shards[shards[i]], table))
        {
            denied_err(err);
            return vr_error_prefix(err, "target: %s.%s.primary", ks->name,
                                   ks->shards[shards[i]].name);
        }
    return VR_OK;
}

/* Writes to a reference table in a sharded keyspace: refused on a copy
 * (vreplication keeps it in step with its source), else sent to every
 * shard.  false when t is not such a table. */
static bool reference_targets(pl_sess_t *s, const pl_tref_t *t, int **shards, size_t *n,
                              vr_code_t *rc, vr_error_t *err)
{
    size_t i;
    if (!t->vt || t->vt->type != VR_VSCHEMA_TABLE_REFERENCE || !vr_vschema_sharded(t->ks->vs))
        return false;
    if (t->vt->source) {
        *rc = vr_error_mysql(err, VR_GW_ER_NOT_SUPPORTED_YET, false,
                             "%s.%s is a reference copy of %s: write to %s", t->ks->name, t->name,
                             t->vt->source, t->vt->source);
        return true;
    }
    *shards = vr_arena_alloc(s->a, (t->ks->nshards + 1) * sizeof(int));
    for (i = 0; i < t->ks->nshards; i++)
        (*shards)[i] = (int)i;
    *n = t->ks->nshards;
    *rc = VR_OK;
    return true;
}

static vr_code_t vindex_update(const pl_tref_t *t, const vr_sql_assign_list_t *set,
                               vr_error_t *err);

/* ---- INSERT ---- */

static int col_index(const vr_sql_ident_list_t *cols, const char *name)
{
    size_t i;
    for (i = 0; i < cols->n; i++)
        if (strcasecmp(cols->items[i], name) == 0)
            return (int)i;
    return -1;
}

static void append_column(vr_arena_t *a, vr_sql_insert_t *ins, const char *name)
{
    const char **items = vr_arena_alloc(a, (ins->columns.n + 1) * sizeof(char *));
    size_t r;
    if (ins->columns.n)
        memcpy(items, ins->columns.items, ins->columns.n * sizeof(char *));
    items[ins->columns.n++] = name;
    ins->columns.items = items;
    for (r = 0; r < ins->rows.n; r++)
        vr_sql_expr_list_append(a, ins->rows.items[r], vr_sql_new_null(a));
}

/* Fill the auto-increment column of every row that leaves it out or NULL. */
static vr_code_t fill_sequence(pl_sess_t *s, pl_tref_t *t, vr_sql_insert_t *ins, uint64_t *first,
                               vr_error_t *err)
{
    const vr_vschema_t **all = vr_arena_alloc(s->a, (s->snap->nks + 1) * sizeof(*all));
    const vr_vschema_t *seq_vs = NULL;
    const vr_vschema_table_t *seq_t = NULL;
    int c;
    size_t r, i;
    vr_code_t rc;

    if (!t->vt || !t->vt->auto_increment_column)
        return VR_OK;
    if ((c = col_index(&ins->columns, t->vt->auto_increment_column)) < 0) {
        append_column(s->a, ins, t->vt->auto_increment_column);
        c = (int)ins->columns.n - 1;
    }
    for (i = 0; i < s->snap->nks; i++)
        all[i] = s->snap->ks[i].vs;
    if ((rc = vr_vschema_find_sequence(all, s->snap->nks, t->vt->auto_increment_sequence, &seq_vs,
                                       &seq_t, err)) != VR_OK)
        return rc;
    for (r = 0; r < ins->rows.n; r++) {
        vr_sql_expr_t **slot = &ins->rows.items[r]->items[c];
        int64_t id;
        if ((*slot)->kind != VR_SQL_EXPR_LITERAL || (*slot)->lit.type != VR_SQL_LIT_NULL)
            continue;
        if ((rc = pl_seq_next(s, pl_find_ks(s->snap, vr_vschema_keyspace(seq_vs)), seq_t->name,
                              &id, err)) != VR_OK)
            return rc;
        *slot = vr_sql_new_int(s->a, id);
        if (!*first)
            *first = (uint64_t)id;
    }
    return VR_OK;
}

static vr_code_t insert_sharded(pl_sess_t *s, vr_sql_stmt_t *st, pl_trefs_t *tr, pl_rs_t *rs,
                                vr_error_t *err)
{
    vr_sql_insert_t *ins = &st->insert;
    pl_ks_t *ks = tr->t[0].ks;
    const vr_vschema_colvindex_t *pv = pl_pv(&tr->t[0]);
    vr_sql_rows_t all = ins->rows;
    int *shard_of = vr_arena_alloc(s->a, (all.n + 1) * sizeof(int)), c;
    uint8_t(*kids)[VR_KEYSPACE_ID_MAX] = vr_arena_alloc(s->a, (all.n + 1) * sizeof(*kids));
    size_t *klens = vr_arena_alloc(s->a, (all.n + 1) * sizeof(size_t));
    size_t r, sh, k;
    vr_code_t rc;

    if (!vr_vindex_type_is_functional(pv->vindex->type))
        return vr_error_mysql(err, VR_GW_ER_NOT_SUPPORTED_YET, false,
                              "unsupported: insert into a table whose primary vindex is a lookup");
    if ((c = col_index(&ins->columns, pv->columns[0])) < 0)
        return vr_error_mysql(err, VR_GW_ER_UNKNOWN, false,
                              "insert into %s must give its primary vindex column %s", ks->name,
                              pv->columns[0]);
    for (r = 0; r < all.n; r++) {
        vr_sql_expr_t *e = all.items[r]->items[c];
        if (e->kind != VR_SQL_EXPR_LITERAL || e->lit.type == VR_SQL_LIT_NULL)
            return vr_error_mysql(err, VR_GW_ER_UNKNOWN, false,
                                  "could not map the value of %s in row %zu to a keyspace id: "
                                  "a literal is required", pv->columns[0], r + 1);
        if ((rc = vr_vindex_map(pv->vindex->type, (const uint8_t *)e->lit.val, e->lit.len,
                                kids[r], &klens[r], err)) != VR_OK)
            return rc;
        if ((shard_of[r] = pl_shard_for_kid(ks, kids[r], klens[r])) < 0)
            return vr_errorf(err, VR_NOT_FOUND,
                             "no shard of keyspace %s holds the keyspace id of '%.*s'", ks->name,
                             (int)e->lit.len, e->lit.val);
        if ((rc = check_denied(ks, &shard_of[r], 1, tr->t[0].name, err)) != VR_OK)
            return rc;
    }
    if (pl_owns_lookups(&tr->t[0])) {
        if (ins->replace || ins->ignore)
            return vr_error_mysql(err, VR_GW_ER_NOT_SUPPORTED_YET, false,
                                  "unsupported: %s into %s.%s, which owns lookup vindexes",
                                  ins->replace ? "replace" : "insert ignore", ks->name,
                                  tr->t[0].name);
        if (pl_updates_lookups(&tr->t[0], &ins->on_dup))
            return vr_error_mysql(err, VR_GW_ER_NOT_SUPPORTED_YET, false,
                                  "unsupported: on duplicate key update of a lookup vindex "
                                  "column of %s.%s",
                                  ks->name, tr->t[0].name);
        if ((rc = pl_lookup_insert(s, &tr->t[0], ins, kids, klens, err)) != VR_OK)
            return rc;
    }
    ins->rows.items = vr_arena_alloc(s->a, (all.n + 1) * sizeof(*all.items));
    for (sh = 0; sh < ks->nshards; sh++) {
        ins->rows.n = 0;
        for (k = 0; k < all.n; k++)
            if (shard_of[k] == (int)sh)
                ins->rows.items[ins->rows.n++] = all.items[k];
        if (ins->rows.n &&
            (rc = pl_exec(s, ks, &ks->shards[sh], true, pl_shard_sql(s, st, tr), rs, err)) != VR_OK)
            return rc;
    }
    ins->rows = all;
    return VR_OK;
}

/* A write that keeps lookup tables runs in the session's transaction or,
 * outside one, in an implicit transaction over every shard it touches,
 * committed at the end (the shards holding new lookup rows first) and
 * rolled back on any error, so a failed row write leaves no lookup row.
 * Inside a transaction, a failure after lookup rows were written rolls
 * the transaction back, as Vitess does after a partial DML. */
static bool lk_begin(pl_sess_t *s)
{
    bool implicit = !s->in_txn;
    s->in_txn = true;
    s->lk_wrote = false;
    return implicit;
}

static vr_code_t lk_end(pl_sess_t *s, bool implicit, vr_code_t rc, vr_error_t *err)
{
    vr_error_t scratch;
    if (implicit) {
        if (rc == VR_OK)
            return pl_txn_end(s, true, err);
        pl_txn_end(s, false, &scratch);
        return rc;
    }
    if (rc != VR_OK && s->lk_wrote) {
        pl_txn_end(s, false, &scratch);
        return vr_error_prefix(err, "transaction rolled back to reverse changes of partial DML "
                                    "execution");
    }
    return rc;
}

static vr_code_t run_insert(pl_sess_t *s, vr_sql_stmt_t *st, pl_rs_t *rs, vr_error_t *err)
{
    vr_sql_insert_t *ins = &st->insert;
    pl_trefs_t tr;
    uint64_t first = 0;
    int zero = 0, *shards = NULL;
    size_t n = 0;
    vr_code_t rc;

    memset(&tr, 0, sizeof(tr));
    tr.t = vr_arena_calloc(s->a, sizeof(*tr.t));
    tr.n = 1;
    if ((rc = pl_resolve(s, &ins->table, &tr.t[0], err)) != VR_OK)
        return rc;
    if (ins->select)
        return vr_error_mysql(err, VR_GW_ER_NOT_SUPPORTED_YET, false,
                              "unsupported: insert ... select through the gateway");
    if ((rc = fill_sequence(s, &tr.t[0], ins, &first, err)) != VR_OK)
        return rc;
    if (reference_targets(s, &tr.t[0], &shards, &n, &rc, err)) {
        if (rc == VR_OK && (rc = check_denied(tr.t[0].ks, shards, n, tr.t[0].name, err)) == VR_OK)
            rc = pl_exec_shards(s, tr.t[0].ks, shards, n, true, pl_shard_sql(s, st, &tr), rs, err);
    } else if (pl_pv(&tr.t[0])) {
        if ((rc = vindex_update(&tr.t[0], &ins->on_dup, err)) == VR_OK) {
            if (pl_owns_lookups(&tr.t[0])) {
                bool implicit = lk_begin(s);
                rc = lk_end(s, implicit, insert_sharded(s, st, &tr, rs, err), err);
            } else {
                rc = insert_sharded(s, st, &tr, rs, err);
            }
        }
    } else if ((rc = check_denied(tr.t[0].ks, &zero, 1, tr.t[0].name, err)) == VR_OK) {
        rc = pl_exec(s, tr.t[0].ks, &tr.t[0].ks->shards[0], true, pl_shard_sql(s, st, &tr), rs,
                     err);
    }
    if (rc == VR_OK && first)
        rs->insert_id = first;
    if (rc == VR_OK && rs->insert_id)
        s->last_insert_id = rs->insert_id;
    return rc;
}

/* ---- UPDATE / DELETE ---- */

static vr_code_t vindex_update(const pl_tref_t *t, const vr_sql_assign_list_t *set, vr_error_t *err)
{
    const vr_vschema_colvindex_t *pv = pl_pv(t);
    size_t i;
    for (i = 0; pv && i < set->n; i++)
        if (strcasecmp(set->items[i]->column.name, pv->columns[0]) == 0)
            return vr_error_mysql(err, VR_GW_ER_NOT_SUPPORTED_YET, false,
                                  "unsupported: you can't update primary vindex columns; invalid "
                                  "update on vindex: %s (column %s of %s.%s)",
                                  pv->name, pv->columns[0], t->ks->name, t->name);
    return VR_OK;
}

static vr_code_t run_write(pl_sess_t *s, vr_sql_stmt_t *st, vr_sql_table_expr_list_t *tables,
                           vr_sql_expr_t *where, const vr_sql_limit_t *limit, pl_rs_t *rs,
                           vr_error_t *err)
{
    pl_trefs_t tr;
    int *shards, zero = 0;
    size_t n = 1;
    vr_code_t rc;

    if ((rc = pl_resolve_from(s, tables, &tr, err)) != VR_OK)
        return rc;
    if (tr.n != 1)
        return vr_error_mysql(err, VR_GW_ER_NOT_SUPPORTED_YET, false,
                              "unsupported: multi-table update or delete through the gateway");
    if (st->kind == VR_SQL_STMT_UPDATE &&
        (rc = vindex_update(&tr.t[0], &st->update.set, err)) != VR_OK)
        return rc;
    shards = &zero;
    if (reference_targets(s, &tr.t[0], &shards, &n, &rc, err)) {
        if (rc != VR_OK)
            return rc;
    } else if (pl_pv(&tr.t[0]) &&
               (rc = pl_route_where(s, &tr, tr.t[0].ks, where, true, &shards, &n, err)) != VR_OK) {
        return rc;
    }
    if (n > 1 && limit->count)
        return vr_error_mysql(err, VR_GW_ER_NOT_SUPPORTED_YET, false,
                              "unsupported: multi-shard update or delete with LIMIT");
    if ((rc = check_denied(tr.t[0].ks, shards, n, tr.t[0].name, err)) != VR_OK)
        return rc;
    if (!n)
        return VR_OK; /* a lookup vindex found no row: nothing to change */
    if (st->kind == VR_SQL_STMT_UPDATE ? pl_updates_lookups(&tr.t[0], &st->update.set)
                                       : pl_owns_lookups(&tr.t[0])) {
        bool implicit = lk_begin(s);
        rc = pl_lookup_dml(s, st, &tr, shards, n, err);
        if (rc == VR_OK)
            rc = pl_exec_shards(s, tr.t[0].ks, shards, n, true, pl_shard_sql(s, st, &tr), rs,
                                err);
        return lk_end(s, implicit, rc, err);
    }
    return pl_exec_shards(s, tr.t[0].ks, shards, n, true, pl_shard_sql(s, st, &tr), rs, err);
}

/* ---- SHOW ---- */

static void one_col(pl_sess_t *s, pl_rs_t *rs, const char *name)
{
    rs->ncols = 1;
    rs->cols = vr_arena_alloc(s->a, sizeof(*rs->cols));
    rs->cols[0] = vr_gw_column_text(vr_arena_strdup(s->a, name));
}

static void text_row(pl_sess_t *s, pl_rs_t *rs, const char *v)
{
    char **vv = vr_arena_alloc(s->a, sizeof(char *));
    size_t *l = vr_arena_alloc(s->a, sizeof(size_t));
    vv[0] = vr_arena_strdup(s->a, v);
    l[0] = strlen(v);
    pl_rs_add_row(s->a, rs, vv, l);
}

static vr_code_t show_ks(pl_sess_t *s, const char *db, pl_ks_t **out, vr_error_t *err)
{
    const char *name = db ? db : s->ks;
    if (!name[0])
        return vr_error_mysql(err, VR_GW_ER_NO_DB, false, "No database selected");
    if (!(*out = pl_find_ks(s->snap, name)) || !(*out)->nshards)
        return vr_error_mysql(err, PL_ER_BAD_DB, false, "Unknown database '%s'", name);
    return VR_OK;
}

static vr_code_t run_show(pl_sess_t *s, vr_sql_stmt_t *st, pl_rs_t *rs, vr_error_t *err)
{
    vr_sql_show_t *sh = &st->show;
    pl_trefs_t tr;
    pl_ks_t *ks = NULL;
    size_t i, j;
    vr_code_t rc;

    memset(&tr, 0, sizeof(tr));
    switch (sh->kind) {
    case VR_SQL_SHOW_DATABASES:
    case VR_SQL_SHOW_KEYSPACES:
        one_col(s, rs, "Database");
        for (i = 0; i < s->snap->nks; i++)
            text_row(s, rs, s->snap->ks[i].name);
        return VR_OK;
    case VR_SQL_SHOW_VITESS_SHARDS:
        one_col(s, rs, "Shards");
        for (i = 0; i < s->snap->nks; i++)
            for (j = 0; j < s->snap->ks[i].nshards; j++)
                text_row(s, rs, vr_arena_printf(s->a, "%s/%s", s->snap->ks[i].name,
                                                s->snap->ks[i].shards[j].name));
        return VR_OK;
    case VR_SQL_SHOW_TABLES:
        if ((rc = show_ks(s, sh->db, &ks, err)) != VR_OK)
            return rc;
        sh->db = NULL;
        rc = pl_exec(s, ks, &ks->shards[0], false, pl_shard_sql(s, st, &tr), rs, err);
        if (rc == VR_OK && rs->cols)
            rs->cols[0].name = vr_arena_printf(s->a, "Tables_in_%s", ks->name);
        return rc;
    case VR_SQL_SHOW_CREATE_TABLE:
    case VR_SQL_SHOW_COLUMNS:
    case VR_SQL_SHOW_INDEX:
        tr.t = vr_arena_calloc(s->a, sizeof(*tr.t));
        tr.n = 1;
        if ((rc = pl_resolve(s, &sh->table, &tr.t[0], err)) != VR_OK)
            return rc;
        sh->db = NULL;
        return pl_exec(s, tr.t[0].ks, &tr.t[0].ks->shards[0], false, pl_shard_sql(s, st, &tr), rs,
                       err);
    default:
        if ((rc = show_ks(s, NULL, &ks, err)) != VR_OK && s->snap->nks)
            ks = &s->snap->ks[0];
        if (!ks || !ks->nshards)
            return rc;
        return pl_exec(s, ks, &ks->shards[0], false, pl_shard_sql(s, st, &tr), rs, err);
    }
}

/* ---- dispatch ---- */

static vr_code_t txn(pl_sess_t *s, vr_sql_stmt_t *st, vr_error_t *err)
{
    vr_code_t rc = VR_OK;
    if (s->in_txn) /* begin inside a transaction commits it, as MySQL does */
        rc = pl_txn_end(s, st->kind == VR_SQL_STMT_COMMIT || st->kind == VR_SQL_STMT_BEGIN, err);
    if (rc == VR_OK && st->kind == VR_SQL_STMT_BEGIN)
        s->in_txn = true;
    vr_gw_session_set_status(s->gs, VR_GW_STATUS_IN_TRANS, s->in_txn ? VR_GW_STATUS_IN_TRANS : 0);
    return rc;
}

vr_code_t pl_run(pl_sess_t *s, vr_sql_stmt_t *st, pl_rs_t *rs, vr_error_t *err)
{
    /* autocommit off (`set autocommit = 0`, as JDBC and DBI send it): a
     * statement outside a transaction begins one, which COMMIT or
     * ROLLBACK (or turning autocommit back on) ends */
    if (!s->in_txn && !(vr_gw_session_status(s->gs) & VR_GW_STATUS_AUTOCOMMIT) &&
        (st->kind == VR_SQL_STMT_SELECT || st->kind == VR_SQL_STMT_UNION ||
         st->kind == VR_SQL_STMT_INSERT || st->kind == VR_SQL_STMT_UPDATE ||
         st->kind == VR_SQL_STMT_DELETE)) {
        s->in_txn = true;
        vr_gw_session_set_status(s->gs, VR_GW_STATUS_IN_TRANS, VR_GW_STATUS_IN_TRANS);
    }
    switch (st->kind) {
    case VR_SQL_STMT_SELECT:
    case VR_SQL_STMT_UNION:
        return pl_select(s, st, rs, err);
    case VR_SQL_STMT_INSERT:
        return run_insert(s, st, rs, err);
    case VR_SQL_STMT_UPDATE:
        return run_write(s, st, &st->update.tables, st->update.where, &st->update.limit, rs, err);
    case VR_SQL_STMT_DELETE:
        if (st->del.targets.n)
            return vr_error_mysql(err, VR_GW_ER_NOT_SUPPORTED_YET, false,
                                  "unsupported: multi-table delete through the gateway");
        return run_write(s, st, &st->del.tables, st->del.where, &st->del.limit, rs, err);
    case VR_SQL_STMT_SHOW:
        return run_show(s, st, rs, err);
    case VR_SQL_STMT_BEGIN:
    case VR_SQL_STMT_COMMIT:
    case VR_SQL_STMT_ROLLBACK:
        if (st->kind == VR_SQL_STMT_ROLLBACK && st->savepoint)
            break;
        return txn(s, st, err);
    case VR_SQL_STMT_SET:
        return VR_OK; /* session variables are not forwarded to shards */
    default:
        break;
    }
    return vr_error_mysql(err, VR_GW_ER_NOT_SUPPORTED_YET, false,
                          "unsupported through the gateway: %s statements (DDL goes through "
                          "`vrepl apply-schema`)",
                          vr_sql_stmt_kind_name(st->kind));
}
