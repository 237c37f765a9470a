/*
 * plan_select.c - runs a SELECT the way planner.c decided: on one shard,
 * scattered with the rows merged (ORDER BY by a stable merge sort over
 * the result columns, LIMIT/OFFSET after the merge with offset+count sent
 * to each shard, count/sum/min/max folded per GROUP BY key), or as a
 * nested-loop join of two sides in different keyspaces.
 *
 * avg(x) goes to the shards as sum(x) plus a hidden count(x).
 * What it refuses, with the reason in the error: DISTINCT aggregates
 * and HAVING across shards, ORDER BY on something not in the select list
 * of a scatter, derived tables, subqueries outside one unsharded
 * keyspace, unqualified columns in a cross-keyspace join.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "planner.h"

static vr_code_t unsupported(vr_error_t *err, const char *what)
{
    return vr_error_mysql(err, VR_GW_ER_NOT_SUPPORTED_YET, false, "unsupported: %s", what);
}

static bool lit_uint(const vr_sql_expr_t *e, uint64_t *out)
{
    if (!e || e->kind != VR_SQL_EXPR_LITERAL || e->lit.type != VR_SQL_LIT_INT || e->lit.val[0] == '-')
        return false;
    *out = strtoull(e->lit.val, NULL, 10);
    return true;
}

/* Result column an ORDER BY item names; -1 when none. */
static int order_col(const vr_sql_select_t *sel, const pl_rs_t *rs, vr_sql_expr_t *e, vr_arena_t *a)
{
    uint64_t pos;
    size_t i;
    bool star = false;
    const char *name = NULL;
    vr_buf_t b = VR_BUF_INIT;
    for (i = 0; i < sel->exprs.n; i++)
        star |= sel->exprs.items[i]->kind == VR_SQL_SELECT_STAR;
    if (lit_uint(e, &pos))
        return pos >= 1 && pos <= rs->ncols ? (int)pos - 1 : -1;
    if (e->kind == VR_SQL_EXPR_COLUMN) {
        name = e->column.name;
        for (i = 0; !star && i < sel->exprs.n; i++)
            if (sel->exprs.items[i]->alias && strcasecmp(sel->exprs.items[i]->alias, name) == 0)
                return (int)i;
    } else {
        vr_sql_format_expr(&b, e);
        name = vr_arena_strdup(a, b.data ? b.data : "");
        vr_buf_free(&b);
    }
    for (i = 0; i < rs->ncols; i++)
        if (strcasecmp(rs->cols[i].name, name) == 0)
            return (int)i;
    return -1;
}

static vr_code_t sort_rows(pl_sess_t *s, const vr_sql_select_t *sel, vr_sql_order_list_t *ob,
                           pl_rs_t *rs, vr_error_t *err)
{
    pl_sortkey_t *keys;
    size_t i;
    if (!ob->n || !rs->cols)
        return VR_OK;
    keys = vr_arena_alloc(s->a, ob->n * sizeof(*keys));
    for (i = 0; i < ob->n; i++) {
        int c = order_col(sel, rs, ob->items[i]->expr, s->a);
        if (c < 0)
            return unsupported(err, "in a multi-shard query, ORDER BY must name a column of the "
                                    "select list");
        keys[i].col = (size_t)c;
        keys[i].desc = ob->items[i]->desc;
    }
    pl_rs_sort(s->a, rs, keys, ob->n);
    return VR_OK;
}

static vr_code_t limits(const vr_sql_limit_t *l, uint64_t *off, uint64_t *cnt, vr_error_t *err)
{
    *off = 0;
    *cnt = UINT64_MAX;
    if (l->count && !lit_uint(l->count, cnt))
        return unsupported(err, "LIMIT must be a number in a multi-shard query");
    if (l->offset && !lit_uint(l->offset, off))
        return unsupported(err, "OFFSET must be a number in a multi-shard query");
    return VR_OK;
}

/* What each select expression becomes when shards' rows are folded. */
static vr_code_t plan_aggs(pl_sess_t *s, const vr_sql_select_t *sel, pl_agg_t **out, bool *any,
                           vr_error_t *err)
{
    /* room for the hidden count() columns avg() adds */
    pl_agg_t *aggs = vr_arena_calloc(s->a, (2 * sel->exprs.n + 1) * sizeof(*aggs));
    size_t i;
    *any = sel->group_by.n > 0;
    for (i = 0; i < sel->exprs.n; i++) {
        vr_sql_select_expr_t *se = sel->exprs.items[i];
        const vr_sql_func_t *f;
        if (se->kind == VR_SQL_SELECT_STAR || se->expr->kind != VR_SQL_EXPR_FUNC ||
            !se->expr->func.aggregate)
            continue;
        f = &se->expr->func;
        *any = true;
        if (f->distinct)
            return unsupported(err, "aggregate with DISTINCT across shards");
        if (!strcasecmp(f->name, "count") || !strcasecmp(f->name, "sum"))
            aggs[i] = PL_AGG_SUM;
        else if (!strcasecmp(f->name, "min"))
            aggs[i] = PL_AGG_MIN;
        else if (!strcasecmp(f->name, "max"))
            aggs[i] = PL_AGG_MAX;
        else if (!strcasecmp(f->name, "avg") && f->args.n == 1)
            aggs[i] = PL_AGG_AVG;
        else
            return vr_error_mysql(err, VR_GW_ER_NOT_SUPPORTED_YET, false,
                                  "unsupported: aggregate %s() across shards", f->name);
    }
    for (i = 0; *any && i < sel->exprs.n; i++)
        if (sel->exprs.items[i]->kind == VR_SQL_SELECT_STAR)
            return unsupported(err, "select * with aggregates across shards");
    if (*any && sel->having)
        return unsupported(err, "HAVING across shards");
    *out = aggs;
    return VR_OK;
}

/* avg(x) is sent as sum(x) plus a hidden count(x) at the end of the
 * select list; *restore gets the original list back. */
static size_t split_avgs(pl_sess_t *s, vr_sql_select_t *sel, pl_agg_t *aggs,
                         vr_sql_select_expr_list_t *restore, int *hidden)
{
    size_t i, n = sel->exprs.n, navg = 0;
    vr_sql_select_expr_t **items = vr_arena_alloc(s->a, (2 * n + 1) * sizeof(*items));
    *restore = sel->exprs;
    for (i = 0; i < n; i++) {
        vr_sql_select_expr_t *se = sel->exprs.items[i], *sum, *count;
        items[i] = se;
        if (aggs[i] != PL_AGG_AVG)
            continue;
        sum = vr_arena_memdup(s->a, se, sizeof(*se));
        count = vr_arena_memdup(s->a, se, sizeof(*se));
        sum->expr = vr_sql_new_func(s->a, "sum", se->expr->func.args);
        count->expr = vr_sql_new_func(s->a, "count", se->expr->func.args);
        count->alias = NULL;
        items[i] = sum;
        items[n + navg] = count;
        hidden[i] = (int)(n + navg);
        aggs[n + navg++] = PL_AGG_SUM;
        aggs[i] = PL_AGG_SUM;
    }
    sel->exprs.items = items;
    sel->exprs.n = n + navg;
    return navg;
}

/* sum/count into the avg columns, as MySQL prints avg (4 more decimals
 * for integers; here always 4), then drop the hidden counts. */
static void finish_avgs(pl_sess_t *s, const vr_sql_select_expr_list_t *orig, const int *hidden,
                        pl_rs_t *rs)
{
    size_t i, r;
    for (i = 0; i < orig->n; i++) {
        vr_buf_t b = VR_BUF_INIT;
        if (hidden[i] < 0)
            continue;
        for (r = 0; r < rs->nrows; r++) {
            pl_row_t *row = &rs->rows[r];
            const char *sum = row->v[i], *cnt = row->v[hidden[i]];
            long long c = cnt ? strtoll(cnt, NULL, 10) : 0;
            row->v[i] = !sum || c == 0 ? NULL
                                        : vr_arena_printf(s->a, "%.4f", strtod(sum, NULL) / (double)c);
            row->l[i] = row->v[i] ? strlen(row->v[i]) : 0;
        }
        vr_sql_format_expr(&b, orig->items[i]->expr);
        rs->cols[i].name = orig->items[i]->alias
                               ? orig->items[i]->alias
                               : vr_arena_strdup(s->a, b.data ? b.data : "avg");
        rs->cols[i].type = VR_GW_TYPE_NEWDECIMAL;
        rs->cols[i].decimals = 4;
        vr_buf_free(&b);
    }
    rs->ncols = orig->n;
}

static vr_code_t scatter(pl_sess_t *s, vr_sql_stmt_t *st, pl_trefs_t *tr, const pl_ks_t *ks,
                         const int *shards, size_t n, pl_rs_t *rs, vr_error_t *err)
{
    vr_sql_select_t *sel = &st->select;
    vr_sql_limit_t saved = sel->limit;
    vr_sql_select_expr_list_t orig;
    pl_agg_t *aggs = NULL;
    uint64_t off, cnt;
    int *hidden = vr_arena_alloc(s->a, (sel->exprs.n + 1) * sizeof(int));
    size_t i, navg = 0;
    bool any;
    char *sql;
    vr_code_t rc;

    if ((rc = plan_aggs(s, sel, &aggs, &any, err)) != VR_OK ||
        (rc = limits(&sel->limit, &off, &cnt, err)) != VR_OK)
        return rc;
    for (i = 0; i < sel->exprs.n; i++)
        hidden[i] = -1;
    if (any) {
        sel->limit.count = sel->limit.offset = NULL;
        navg = split_avgs(s, sel, aggs, &orig, hidden);
    } else if (sel->limit.count && off) {
        sel->limit.count = vr_sql_new_int(s->a, (int64_t)(off + cnt));
        sel->limit.offset = NULL;
    }
    sql = pl_shard_sql(s, st, tr);
    sel->limit = saved;
    if (any)
        sel->exprs = orig;
    if ((rc = pl_exec_shards(s, ks, shards, n, false, sql, rs, err)) != VR_OK)
        return rc;
    if (any && rs->cols) {
        if (rs->ncols != sel->exprs.n + navg)
            return unsupported(err, "aggregate query shape across shards");
        pl_rs_aggregate(s->a, rs, aggs, rs->ncols);
        finish_avgs(s, &orig, hidden, rs);
    }
    if ((rc = sort_rows(s, sel, &sel->order_by, rs, err)) != VR_OK)
        return rc;
    pl_rs_limit(rs, off, cnt);
    return VR_OK;
}

static bool all_reference(const pl_trefs_t *tr)
{
    size_t i;
    for (i = 0; i < tr->n; i++)
        if (pl_pv(&tr->t[i]))
            return false;
    return true;
}

static vr_code_t nested_loop(pl_sess_t *s, vr_sql_stmt_t *st, pl_trefs_t *tr, pl_rs_t *rs,
                             vr_error_t *err);

static vr_code_t one_keyspace(pl_sess_t *s, vr_sql_stmt_t *st, pl_trefs_t *tr, pl_rs_t *rs,
                              vr_error_t *err)
{
    vr_sql_select_t *sel = &st->select;
    pl_ks_t *ks = tr->t[0].ks;
    int first = 0, *shards = &first;
    size_t n = 1;
    vr_code_t rc;

    if (!ks->nshards)
        return vr_errorf(err, VR_NOT_FOUND, "keyspace %s has no shards", ks->name);
    if (vr_vschema_sharded(ks->vs) && !all_reference(tr)) {
        if (!pl_pushdown_ok(s, tr, &sel->from, sel->where))
            return nested_loop(s, st, tr, rs, err);
        if ((rc = pl_route_where(s, tr, ks, sel->where, false, &shards, &n, err)) != VR_OK)
            return rc;
    }
    if (n == 0) {
        /* a lookup vindex found no row: as Vitess, ask one shard for the
         * (empty) answer's shape with a WHERE no row matches */
        vr_sql_expr_t *where = sel->where;
        char *sql;
        sel->where = vr_sql_new_binary(s->a, VR_SQL_OP_NE, vr_sql_new_int(s->a, 1),
                                       vr_sql_new_int(s->a, 1));
        sql = pl_shard_sql(s, st, tr);
        sel->where = where;
        return pl_exec(s, ks, &ks->shards[0], false, sql, rs, err);
    }
    if (n == 1)
        return pl_exec(s, ks, &ks->shards[shards[0]], false, pl_shard_sql(s, st, tr), rs, err);
    return scatter(s, st, tr, ks, shards, n, rs, err);
}

/* ---- nested-loop join ---- */

typedef struct nl {
    vr_sql_table_expr_t *left, *right;
    const char *ralias;
    vr_sql_stmt_t *lst, *rst;
    int *out_side, *out_idx; /* per output column: 0 left / 1 right, index */
    size_t nout;
    int *lkey;               /* left column index of each join predicate */
    vr_sql_expr_t **rlit;    /* the literal bound per join predicate */
    size_t nkeys;
    const char **out_names;
} nl_t;

static vr_sql_stmt_t *new_select(vr_arena_t *a, vr_sql_table_expr_t *from)
{
    vr_sql_stmt_t *st = vr_arena_calloc(a, sizeof(*st));
    st->kind = VR_SQL_STMT_SELECT;
    st->arena = a;
    st->select.from.n = 1;
    st->select.from.items = vr_arena_alloc(a, sizeof(vr_sql_table_expr_t *));
    st->select.from.items[0] = from;
    return st;
}

static size_t add_expr(vr_arena_t *a, vr_sql_stmt_t *st, vr_sql_expr_t *e)
{
    vr_sql_select_expr_list_t *l = &st->select.exprs;
    vr_sql_select_expr_t **items = vr_arena_alloc(a, (l->n + 1) * sizeof(*items));
    vr_sql_select_expr_t *se = vr_arena_calloc(a, sizeof(*se));
    se->kind = VR_SQL_SELECT_EXPR;
    se->expr = e;
    if (l->n)
        memcpy(items, l->items, l->n * sizeof(*items));
    items[l->n] = se;
    l->items = items;
    return l->n++;
}

typedef struct side_ud {
    const char *ralias;
    int side; /* bit 1 left, bit 2 right, 4 unqualified */
} side_ud_t;

static vr_sql_walk_action_t side_fn(vr_sql_expr_t **slot, void *ud)
{
    side_ud_t *u = ud;
    if ((*slot)->kind == VR_SQL_EXPR_COLUMN) {
        const char *t = (*slot)->column.table;
        u->side |= !t ? 4 : strcmp(t, u->ralias) == 0 ? 2 : 1;
    }
    return VR_SQL_WALK_CONTINUE;
}

static int side_of(nl_t *j, vr_sql_expr_t *e)
{
    side_ud_t u = {j->ralias, 0};
    vr_sql_walk_expr(&e, side_fn, &u);
    return u.side;
}

/* `l.x = r.y`: the join predicate's left column goes into the left
 * select, `r.y = <literal>` into the right WHERE. */
static bool join_pred(pl_sess_t *s, nl_t *j, vr_sql_expr_t *c)
{
    vr_sql_expr_t *l, *r, *lit;
    if (c->kind != VR_SQL_EXPR_BINARY || c->binary.op != VR_SQL_OP_EQ)
        return false;
    l = c->binary.left;
    r = c->binary.right;
    if (side_of(j, l) == 2) {
        vr_sql_expr_t *t = l;
        l = r;
        r = t;
    }
    if (side_of(j, l) != 1 || side_of(j, r) != 2)
        return false;
    lit = vr_sql_new_string(s->a, "", 0);
    j->lkey[j->nkeys] = (int)add_expr(s->a, j->lst, l);
    j->rlit[j->nkeys++] = lit;
    vr_sql_add_where(j->rst, vr_sql_new_binary(s->a, VR_SQL_OP_EQ, r, lit));
    return true;
}

static vr_code_t split_conds(pl_sess_t *s, nl_t *j, vr_sql_expr_t *on, vr_sql_expr_t *where,
                             vr_error_t *err)
{
    vr_sql_expr_list_t a = vr_sql_conjuncts(s->a, on), b = vr_sql_conjuncts(s->a, where);
    size_t i, total = a.n + b.n;
    j->lkey = vr_arena_alloc(s->a, (total + 1) * sizeof(int));
    j->rlit = vr_arena_alloc(s->a, (total + 1) * sizeof(*j->rlit));
    for (i = 0; i < total; i++) {
        vr_sql_expr_t *c = i < a.n ? a.items[i] : b.items[i - a.n];
        int side = side_of(j, c);
        if (side & 4)
            return unsupported(err, "columns must be qualified with their table in a "
                                    "cross-keyspace join");
        if (side == 3 && !join_pred(s, j, c))
            return unsupported(err, "cross-keyspace join condition other than l.col = r.col");
        if (side == 2)
            vr_sql_add_where(j->rst, c);
        else if (side != 3)
            vr_sql_add_where(j->lst, c);
    }
    if (!j->nkeys)
        return unsupported(err, "cross-keyspace join without an equality on the join columns");
    return VR_OK;
}

static vr_code_t split_outputs(pl_sess_t *s, nl_t *j, vr_sql_select_t *sel, vr_error_t *err)
{
    size_t i;
    j->nout = sel->exprs.n;
    j->out_side = vr_arena_alloc(s->a, (j->nout + 1) * sizeof(int));
    j->out_idx = vr_arena_alloc(s->a, (j->nout + 1) * sizeof(int));
    j->out_names = vr_arena_alloc(s->a, (j->nout + 1) * sizeof(char *));
    for (i = 0; i < j->nout; i++) {
        vr_sql_select_expr_t *se = sel->exprs.items[i];
        int side;
        if (se->kind == VR_SQL_SELECT_STAR)
            return unsupported(err, "select * in a cross-keyspace join: name the columns");
        side = side_of(j, se->expr);
        if (side != 1 && side != 2)
            return unsupported(err, "select expressions of a cross-keyspace join must each "
                                    "use qualified columns of one side");
        j->out_side[i] = side - 1;
        j->out_idx[i] = (int)add_expr(s->a, side == 1 ? j->lst : j->rst, se->expr);
        if (se->alias)
            (side == 1 ? j->lst : j->rst)->select.exprs.items[j->out_idx[i]]->alias = se->alias;
        j->out_names[i] = se->alias ? se->alias
                          : se->expr->kind == VR_SQL_EXPR_COLUMN ? se->expr->column.name
                                                                 : "expr";
    }
    if (!j->rst->select.exprs.n)
        add_expr(s->a, j->rst, vr_sql_new_int(s->a, 1));
    return VR_OK;
}

static void bind_row(nl_t *j, const pl_row_t *lr, const pl_rs_t *lrs)
{
    size_t k;
    for (k = 0; k < j->nkeys; k++) {
        vr_sql_expr_t *lit = j->rlit[k];
        int c = j->lkey[k];
        uint8_t t = lrs->cols[c].type;
        bool num = t <= VR_GW_TYPE_INT24 || t == VR_GW_TYPE_NEWDECIMAL || t == VR_GW_TYPE_YEAR;
        lit->lit.type = !lr->v[c] ? VR_SQL_LIT_NULL : num ? VR_SQL_LIT_DECIMAL : VR_SQL_LIT_STRING;
        lit->lit.val = lr->v[c] ? lr->v[c] : "null";
        lit->lit.len = lr->v[c] ? lr->l[c] : 4;
        if (num && lr->v[c] && !memchr(lr->v[c], '.', lr->l[c]))
            lit->lit.type = VR_SQL_LIT_INT;
    }
}

static void join_cols(pl_sess_t *s, nl_t *j, const pl_rs_t *l, const pl_rs_t *r, pl_rs_t *rs)
{
    size_t i;
    rs->ncols = j->nout;
    rs->cols = vr_arena_calloc(s->a, (j->nout + 1) * sizeof(*rs->cols));
    for (i = 0; i < j->nout; i++) {
        const pl_rs_t *src = j->out_side[i] ? r : l;
        rs->cols[i] = src->cols ? src->cols[j->out_idx[i]] : vr_gw_column_text(j->out_names[i]);
    }
}

static vr_code_t run_right(pl_sess_t *s, nl_t *j, pl_rs_t *lrs, pl_rs_t *rs, vr_error_t *err)
{
    pl_rs_t rr;
    size_t i, k, c;
    vr_code_t rc;
    bool cols = false;
    for (i = 0; i < lrs->nrows; i++) {
        memset(&rr, 0, sizeof(rr));
        bind_row(j, &lrs->rows[i], lrs);
        if ((rc = pl_select(s, j->rst, &rr, err)) != VR_OK)
            return rc;
        if (!cols && rr.cols) {
            join_cols(s, j, lrs, &rr, rs);
            cols = true;
        }
        for (k = 0; k < rr.nrows; k++) {
            char **v = vr_arena_alloc(s->a, (j->nout + 1) * sizeof(char *));
            size_t *l = vr_arena_alloc(s->a, (j->nout + 1) * sizeof(size_t));
            for (c = 0; c < j->nout; c++) {
                const pl_row_t *src = j->out_side[c] ? &rr.rows[k] : &lrs->rows[i];
                v[c] = src->v[j->out_idx[c]];
                l[c] = src->l[j->out_idx[c]];
            }
            pl_rs_add_row(s->a, rs, v, l);
        }
    }
    if (!cols)
        join_cols(s, j, lrs, NULL, rs);
    return VR_OK;
}

static vr_code_t nested_loop(pl_sess_t *s, vr_sql_stmt_t *st, pl_trefs_t *tr, pl_rs_t *rs,
                             vr_error_t *err)
{
    vr_sql_select_t *sel = &st->select;
    vr_sql_table_expr_t *te = sel->from.n == 1 ? sel->from.items[0] : NULL;
    nl_t j;
    pl_rs_t lrs;
    uint64_t off, cnt;
    vr_code_t rc;

    (void)tr;
    memset(&j, 0, sizeof(j));
    memset(&lrs, 0, sizeof(lrs));
    if (!te || te->kind != VR_SQL_TABLE_JOIN || te->join.using.n ||
        (te->join.kind != VR_SQL_JOIN_INNER && te->join.kind != VR_SQL_JOIN_STRAIGHT) ||
        te->join.right->kind != VR_SQL_TABLE_ALIASED || te->join.right->aliased.derived)
        return unsupported(err, "this join cannot run on one shard: only `a join b on a.x = b.y` "
                                "(b one table) runs as a cross-shard nested-loop join");
    if (sel->group_by.n || sel->having || sel->distinct)
        return unsupported(err, "GROUP BY, HAVING or DISTINCT over a cross-shard join");
    j.left = te->join.left;
    j.right = te->join.right;
    j.ralias = j.right->aliased.alias ? j.right->aliased.alias : j.right->aliased.name.name;
    j.lst = new_select(s->a, j.left);
    j.rst = new_select(s->a, j.right);
    if ((rc = split_outputs(s, &j, sel, err)) != VR_OK ||
        (rc = split_conds(s, &j, te->join.on, sel->where, err)) != VR_OK ||
        (rc = limits(&sel->limit, &off, &cnt, err)) != VR_OK)
        return rc;
    if ((rc = pl_select(s, j.lst, &lrs, err)) != VR_OK ||
        (rc = run_right(s, &j, &lrs, rs, err)) != VR_OK)
        return rc;
    if ((rc = sort_rows(s, sel, &sel->order_by, rs, err)) != VR_OK)
        return rc;
    pl_rs_limit(rs, off, cnt);
    return VR_OK;
}

/* ---- entry ---- */

static vr_code_t no_from(pl_sess_t *s, vr_sql_stmt_t *st, pl_rs_t *rs, vr_error_t *err)
{
    pl_ks_t *ks = s->ks[0] ? pl_find_ks(s->snap, s->ks) : NULL;
    pl_trefs_t none;
    vr_sql_select_expr_t *se = st->kind == VR_SQL_STMT_SELECT && st->select.exprs.n == 1
                                   ? st->select.exprs.items[0] : NULL;
    if (se && se->kind == VR_SQL_SELECT_EXPR && se->expr->kind == VR_SQL_EXPR_FUNC &&
        !se->expr->func.args.n && strcasecmp(se->expr->func.name, "last_insert_id") == 0) {
        char **v = vr_arena_alloc(s->a, sizeof(char *));
        size_t *l = vr_arena_alloc(s->a, sizeof(size_t));
        rs->ncols = 1;
        rs->cols = vr_arena_alloc(s->a, sizeof(*rs->cols));
        rs->cols[0] = vr_gw_column_int(se->alias ? se->alias : "last_insert_id()");
        v[0] = vr_arena_printf(s->a, "%llu", (unsigned long long)s->last_insert_id);
        l[0] = strlen(v[0]);
        pl_rs_add_row(s->a, rs, v, l);
        return VR_OK;
    }
    if (!ks && s->snap->nks)
        ks = &s->snap->ks[0];
    if (!ks || !ks->nshards)
        return vr_errorf(err, VR_NOT_FOUND, "no keyspace to run the statement on");
    memset(&none, 0, sizeof(none));
    return pl_exec(s, ks, &ks->shards[0], false, pl_shard_sql(s, st, &none), rs, err);
}

/* Every table (subqueries and unions included) in one unsharded keyspace. */
static vr_code_t whole_unsharded(pl_sess_t *s, vr_sql_stmt_t *st, pl_ks_t **out, vr_error_t *err)
{
    vr_sql_table_name_list_t all = vr_sql_tables(st);
    pl_ks_t *ks = NULL;
    pl_tref_t t;
    size_t i;
    vr_code_t rc;
    for (i = 0; i < all.n; i++) {
        if ((rc = pl_resolve(s, all.items[i], &t, err)) != VR_OK)
            return rc;
        if (vr_vschema_sharded(t.ks->vs) || (ks && ks != t.ks) || all.items[i]->qualifier)
            return unsupported(err, "subqueries and unions run only within one unsharded "
                                    "keyspace, with unqualified table names");
        ks = t.ks;
    }
    if (!ks)
        return unsupported(err, "statement without tables");
    *out = ks;
    return VR_OK;
}

static bool has_subqueries(vr_sql_stmt_t *st, const pl_trefs_t *tr)
{
    vr_sql_table_name_list_t all = vr_sql_tables(st);
    size_t i, k;
    for (i = 0; i < all.n; i++) {
        bool found = false;
        for (k = 0; k < tr->n && !found; k++)
            found = strcmp(all.items[i]->name, tr->t[k].node->name) == 0;
        if (!found)
            return true;
    }
    return false;
}

vr_code_t pl_select(pl_sess_t *s, vr_sql_stmt_t *st, pl_rs_t *rs, vr_error_t *err)
{
    pl_trefs_t tr;
    pl_ks_t *ks;
    size_t i;
    vr_code_t rc;

    if (st->kind == VR_SQL_STMT_UNION) {
        if ((rc = whole_unsharded(s, st, &ks, err)) != VR_OK)
            return rc;
        memset(&tr, 0, sizeof(tr));
        return pl_exec(s, ks, &ks->shards[0], false, pl_shard_sql(s, st, &tr), rs, err);
    }
    if (!st->select.from.n)
        return no_from(s, st, rs, err);
    if ((rc = pl_resolve_from(s, &st->select.from, &tr, err)) != VR_OK)
        return rc;
    if (has_subqueries(st, &tr)) {
        if ((rc = whole_unsharded(s, st, &ks, err)) != VR_OK)
            return rc;
        return pl_exec(s, ks, &ks->shards[0], false, pl_shard_sql(s, st, &tr), rs, err);
    }
    for (i = 1; i < tr.n; i++)
        if (tr.t[i].ks != tr.t[0].ks)
            return nested_loop(s, st, &tr, rs, err);
    return one_keyspace(s, st, &tr, rs, err);
}
