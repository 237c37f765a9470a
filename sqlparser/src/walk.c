/*
 * walk.c - visiting and rewriting every expression of a statement.
 *
 * The walk hands the callback a pointer to each expression slot (parents
 * first), so a callback can replace a node in place; subqueries, derived
 * tables, join conditions, DDL defaults and checks are all visited.
 * Recursion depth is bounded by the tree depth the parser enforces
 * (VR_SQL_MAX_DEPTH).  Not thread-safe for one tree; trees are
 * independent.
 */
#include "sql_int.h"

typedef struct walker {
    vr_sql_expr_fn fn;
    void *ud;
    bool stopped;
} walker_t;

static void walk_expr(walker_t *w, vr_sql_expr_t **slot);
static void walk_stmt(walker_t *w, vr_sql_stmt_t *s);

static void walk_list(walker_t *w, vr_sql_expr_list_t *l)
{
    for (size_t i = 0; i < l->n && !w->stopped; i++)
        walk_expr(w, &l->items[i]);
}

static void walk_opt(walker_t *w, vr_sql_expr_t **slot)
{
    if (*slot && !w->stopped)
        walk_expr(w, slot);
}

static void walk_order(walker_t *w, vr_sql_order_list_t *o)
{
    for (size_t i = 0; i < o->n && !w->stopped; i++)
        walk_opt(w, &o->items[i]->expr);
}

static void walk_limit(walker_t *w, vr_sql_limit_t *l)
{
    walk_opt(w, &l->offset);
    walk_opt(w, &l->count);
}

static void walk_func(walker_t *w, vr_sql_func_t *f)
{
    walk_list(w, &f->args);
    walk_order(w, &f->order_by);
    walk_opt(w, &f->separator);
}

static void walk_case(walker_t *w, vr_sql_expr_t *e)
{
    walk_opt(w, &e->case_.operand);
    for (size_t i = 0; i < e->case_.whens.n && !w->stopped; i++) {
        walk_opt(w, &e->case_.whens.items[i]->cond);
        walk_opt(w, &e->case_.whens.items[i]->val);
    }
    walk_opt(w, &e->case_.else_expr);
}

static void walk_children(walker_t *w, vr_sql_expr_t *e)
{
    switch (e->kind) {
    case VR_SQL_EXPR_UNARY: walk_opt(w, &e->unary.expr); break;
    case VR_SQL_EXPR_BINARY:
        walk_opt(w, &e->binary.left);
        walk_opt(w, &e->binary.right);
        walk_opt(w, &e->binary.escape);
        break;
    case VR_SQL_EXPR_AND:
    case VR_SQL_EXPR_OR:
    case VR_SQL_EXPR_TUPLE: walk_list(w, &e->list); break;
    case VR_SQL_EXPR_IS: walk_opt(w, &e->is.expr); break;
    case VR_SQL_EXPR_BETWEEN:
        walk_opt(w, &e->between.expr);
        walk_opt(w, &e->between.from);
        walk_opt(w, &e->between.to);
        break;
    case VR_SQL_EXPR_SUBQUERY:
    case VR_SQL_EXPR_EXISTS:
        if (e->subquery)
            walk_stmt(w, e->subquery);
        break;
    case VR_SQL_EXPR_FUNC: walk_func(w, &e->func); break;
    case VR_SQL_EXPR_CASE: walk_case(w, e); break;
    case VR_SQL_EXPR_CAST: walk_opt(w, &e->cast.expr); break;
    case VR_SQL_EXPR_CONVERT_USING: walk_opt(w, &e->convert_using.expr); break;
    case VR_SQL_EXPR_COLLATE: walk_opt(w, &e->collate.expr); break;
    case VR_SQL_EXPR_INTERVAL: walk_opt(w, &e->interval.expr); break;
    default: break;
    }
}

static void walk_expr(walker_t *w, vr_sql_expr_t **slot)
{
    vr_sql_walk_action_t a = w->fn(slot, w->ud);
    if (a == VR_SQL_WALK_STOP) {
        w->stopped = true;
        return;
    }
    if (a == VR_SQL_WALK_SKIP || !*slot)
        return;
    walk_children(w, *slot);
}

/* ---- statements ------------------------------------------------------------ */

static void walk_table(walker_t *w, vr_sql_table_expr_t *t)
{
    if (w->stopped)
        return;
    switch (t->kind) {
    case VR_SQL_TABLE_ALIASED:
        if (t->aliased.derived)
            walk_stmt(w, t->aliased.derived);
        break;
    case VR_SQL_TABLE_JOIN:
        walk_table(w, t->join.left);
        walk_table(w, t->join.right);
        walk_opt(w, &t->join.on);
        break;
    case VR_SQL_TABLE_PAREN:
        for (size_t i = 0; i < t->paren.n; i++)
            walk_table(w, t->paren.items[i]);
        break;
    }
}

static void walk_tables(walker_t *w, vr_sql_table_expr_list_t *l)
{
    for (size_t i = 0; i < l->n && !w->stopped; i++)
        walk_table(w, l->items[i]);
}

static void walk_assigns(walker_t *w, vr_sql_assign_list_t *l)
{
    for (size_t i = 0; i < l->n && !w->stopped; i++)
        walk_opt(w, &l->items[i]->expr);
}

static void walk_select(walker_t *w, vr_sql_select_t *q)
{
    for (size_t i = 0; i < q->exprs.n && !w->stopped; i++)
        walk_opt(w, &q->exprs.items[i]->expr);
    walk_tables(w, &q->from);
    walk_opt(w, &q->where);
    walk_list(w, &q->group_by);
    walk_opt(w, &q->having);
    walk_order(w, &q->order_by);
    walk_limit(w, &q->limit);
}

static void walk_insert(walker_t *w, vr_sql_insert_t *in)
{
    for (size_t i = 0; i < in->rows.n && !w->stopped; i++)
        walk_list(w, in->rows.items[i]);
    if (in->select && !w->stopped)
        walk_stmt(w, in->select);
    walk_assigns(w, &in->on_dup);
}

static void walk_column(walker_t *w, vr_sql_column_def_t *c)
{
    walk_list(w, &c->type.values);
    walk_opt(w, &c->default_value);
    walk_opt(w, &c->on_update);
    walk_opt(w, &c->comment);
    walk_opt(w, &c->generated);
    walk_opt(w, &c->check);
}

static void walk_index(walker_t *w, vr_sql_index_def_t *d)
{
    for (size_t i = 0; i < d->parts.n && !w->stopped; i++)
        walk_opt(w, &d->parts.items[i]->expr);
    walk_opt(w, &d->comment);
    walk_opt(w, &d->check);
}

static void walk_create(walker_t *w, vr_sql_create_table_t *c)
{
    for (size_t i = 0; i < c->columns.n && !w->stopped; i++)
        walk_column(w, c->columns.items[i]);
    for (size_t i = 0; i < c->indexes.n && !w->stopped; i++)
        walk_index(w, c->indexes.items[i]);
    if (c->select && !w->stopped)
        walk_stmt(w, c->select);
}

static void walk_alter(walker_t *w, vr_sql_alter_table_t *a)
{
    for (size_t i = 0; i < a->actions.n && !w->stopped; i++) {
        vr_sql_alter_action_t *x = a->actions.items[i];
        for (size_t j = 0; j < x->columns.n && !w->stopped; j++)
            walk_column(w, x->columns.items[j]);
        if (x->index)
            walk_index(w, x->index);
        walk_opt(w, &x->value);
    }
}

static void walk_misc(walker_t *w, vr_sql_stmt_t *s)
{
    switch (s->kind) {
    case VR_SQL_STMT_SET:
        for (size_t i = 0; i < s->set.n && !w->stopped; i++)
            walk_opt(w, &s->set.items[i]->value);
        break;
    case VR_SQL_STMT_SHOW:
        walk_opt(w, &s->show.like);
        walk_opt(w, &s->show.where);
        break;
    case VR_SQL_STMT_EXPLAIN:
        if (s->explain.stmt)
            walk_stmt(w, s->explain.stmt);
        break;
    case VR_SQL_STMT_CREATE_TABLE: walk_create(w, &s->create_table); break;
    case VR_SQL_STMT_ALTER_TABLE: walk_alter(w, &s->alter_table); break;
    default: break;
    }
}

static void walk_stmt(walker_t *w, vr_sql_stmt_t *s)
{
    if (w->stopped)
        return;
    switch (s->kind) {
    case VR_SQL_STMT_SELECT: walk_select(w, &s->select); break;
    case VR_SQL_STMT_UNION:
        for (size_t i = 0; i < s->compound.n && !w->stopped; i++)
            walk_stmt(w, s->compound.items[i]->stmt);
        walk_order(w, &s->compound.order_by);
        walk_limit(w, &s->compound.limit);
        break;
    case VR_SQL_STMT_INSERT: walk_insert(w, &s->insert); break;
    case VR_SQL_STMT_UPDATE:
        walk_tables(w, &s->update.tables);
        walk_assigns(w, &s->update.set);
        walk_opt(w, &s->update.where);
        walk_order(w, &s->update.order_by);
        walk_limit(w, &s->update.limit);
        break;
    case VR_SQL_STMT_DELETE:
        walk_tables(w, &s->del.tables);
        walk_opt(w, &s->del.where);
        walk_order(w, &s->del.order_by);
        walk_limit(w, &s->del.limit);
        break;
    default: walk_misc(w, s); break;
    }
}

bool vr_sql_walk(vr_sql_stmt_t *stmt, vr_sql_expr_fn fn, void *ud)
{
    walker_t w = {fn, ud, false};
    if (stmt)
        walk_stmt(&w, stmt);
    return !w.stopped;
}

bool vr_sql_walk_expr(vr_sql_expr_t **slot, vr_sql_expr_fn fn, void *ud)
{
    walker_t w = {fn, ud, false};
    if (slot && *slot)
        walk_expr(&w, slot);
    return !w.stopped;
}
