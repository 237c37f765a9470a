/*
 * helpers.c - what the rest of vrepl asks of a parsed statement: the
 * tables it touches, binding :name/?/::name to literal values, the WHERE
 * clause and its conjuncts, and building nodes for rewrites.
 *
 * Results are allocated in the statement's arena, so they live exactly
 * as long as the tree.  Bound values become ordinary literal nodes; the
 * formatter quotes and escapes them, so binding is injection-safe.
 */
#include <stdio.h>
#include <string.h>

#include "sql_int.h"

/* ---- tables --------------------------------------------------------------- */

typedef struct tables_ctx {
    vr_arena_t *arena;
    vr_sql_table_name_list_t out;
} tables_ctx_t;

static bool same_str(const char *a, const char *b)
{
    if (!a || !b)
        return a == b;
    return strcmp(a, b) == 0;
}

static void add_table(tables_ctx_t *c, const vr_sql_table_name_t *t)
{
    if (!t->name)
        return;
    for (size_t i = 0; i < c->out.n; i++)
        if (same_str(c->out.items[i]->name, t->name) &&
            same_str(c->out.items[i]->qualifier, t->qualifier))
            return;
    VR_SQL_APPEND(c->arena, &c->out,
                  (vr_sql_table_name_t *)vr_arena_memdup(c->arena, t,
                                                         sizeof(*t)));
}

static void stmt_tables(tables_ctx_t *c, vr_sql_stmt_t *s);

static void table_expr_tables(tables_ctx_t *c, vr_sql_table_expr_t *t)
{
    switch (t->kind) {
    case VR_SQL_TABLE_ALIASED:
        if (t->aliased.derived)
            stmt_tables(c, t->aliased.derived);
        else
            add_table(c, &t->aliased.name);
        break;
    case VR_SQL_TABLE_JOIN:
        table_expr_tables(c, t->join.left);
        table_expr_tables(c, t->join.right);
        break;
    case VR_SQL_TABLE_PAREN:
        for (size_t i = 0; i < t->paren.n; i++)
            table_expr_tables(c, t->paren.items[i]);
        break;
    }
}

static void list_tables(tables_ctx_t *c, vr_sql_table_expr_list_t *l)
{
    for (size_t i = 0; i < l->n; i++)
        table_expr_tables(c, l->items[i]);
}

static vr_sql_walk_action_t subquery_tables(vr_sql_expr_t **slot, void *ud)
{
    vr_sql_expr_t *e = *slot;
    if ((e->kind == VR_SQL_EXPR_SUBQUERY || e->kind == VR_SQL_EXPR_EXISTS) &&
        e->subquery) {
        stmt_tables(ud, e->subquery);
        return VR_SQL_WALK_SKIP;
    }
    return VR_SQL_WALK_CONTINUE;
}

static void ddl_tables(tables_ctx_t *c, vr_sql_stmt_t *s)
{
    switch (s->kind) {
    case VR_SQL_STMT_CREATE_TABLE:
        add_table(c, &s->create_table.table);
        add_table(c, &s->create_table.like);
        break;
    case VR_SQL_STMT_ALTER_TABLE:
        add_table(c, &s->alter_table.table);
        for (size_t i = 0; i < s->alter_table.actions.n; i++)
            if (s->alter_table.actions.items[i]->kind ==
                VR_SQL_ALTER_RENAME_TABLE)
                add_table(c, &s->alter_table.actions.items[i]->new_table);
        break;
    case VR_SQL_STMT_DROP_TABLE:
        for (size_t i = 0; i < s->drop_table.tables.n; i++)
            add_table(c, s->drop_table.tables.items[i]);
        break;
    case VR_SQL_STMT_TRUNCATE: add_table(c, &s->truncate); break;
    case VR_SQL_STMT_RENAME_TABLE:
        for (size_t i = 0; i < s->rename.n; i++) {
            add_table(c, &s->rename.items[i]->from);
            add_table(c, &s->rename.items[i]->to);
        }
        break;
    case VR_SQL_STMT_OTHER_DDL:
    case VR_SQL_STMT_OTHER:
        for (size_t i = 0; i < s->other.tables.n; i++)
            add_table(c, s->other.tables.items[i]);
        break;
    case VR_SQL_STMT_SHOW:
        add_table(c, &s->show.table);
        break;
    case VR_SQL_STMT_EXPLAIN:
        if (s->explain.stmt)
            stmt_tables(c, s->explain.stmt);
        else
            add_table(c, &s->explain.table);
        break;
    default:
        break;
    }
}

static void stmt_tables(tables_ctx_t *c, vr_sql_stmt_t *s)
{
    switch (s->kind) {
    case VR_SQL_STMT_SELECT: list_tables(c, &s->select.from); break;
    case VR_SQL_STMT_UNION:
        for (size_t i = 0; i < s->compound.n; i++)
            stmt_tables(c, s->compound.items[i]->stmt);
        break;
    case VR_SQL_STMT_INSERT:
        add_table(c, &s->insert.table);
        if (s->insert.select)
            stmt_tables(c, s->insert.select);
        break;
    case VR_SQL_STMT_UPDATE: list_tables(c, &s->update.tables); break;
    case VR_SQL_STMT_DELETE:
        for (size_t i = 0; i < s->del.targets.n; i++)
            add_table(c, s->del.targets.items[i]);
        list_tables(c, &s->del.tables);
        break;
    default: ddl_tables(c, s); break;
    }
    vr_sql_walk(s, subquery_tables, c);
}

vr_sql_table_name_list_t vr_sql_tables(vr_sql_stmt_t *stmt)
{
    tables_ctx_t c = {stmt ? stmt->arena : NULL, {0, NULL}};
    if (stmt && stmt->arena)
        stmt_tables(&c, stmt);
    return c.out;
}

/* ---- bind variables -------------------------------------------------------- */

typedef struct bind_ctx {
    vr_arena_t *arena;
    const vr_sql_bind_t *binds;
    size_t n;
    const char *missing;
    size_t count;
} bind_ctx_t;

static const vr_sql_bind_t *find_bind(const bind_ctx_t *c, const char *name)
{
    for (size_t i = 0; i < c->n; i++)
        if (c->binds[i].name && strcmp(c->binds[i].name, name) == 0)
            return &c->binds[i];
    return NULL;
}

static vr_sql_walk_action_t bind_cb(vr_sql_expr_t **slot, void *ud)
{
    bind_ctx_t *c = ud;
    vr_sql_expr_t *e = *slot;
    const vr_sql_bind_t *b;
    if (e->kind != VR_SQL_EXPR_ARG && e->kind != VR_SQL_EXPR_LIST_ARG)
        return VR_SQL_WALK_CONTINUE;
    b = find_bind(c, e->arg.name);
    if (!b) {
        c->missing = e->arg.name;
        return VR_SQL_WALK_STOP;
    }
    if (e->kind == VR_SQL_EXPR_ARG) {
        *slot = vr_sql_new_literal(c->arena, &b->value);
    } else {
        vr_sql_expr_list_t l = {0, NULL};
        for (size_t i = 0; i < b->n_list; i++)
            vr_sql_expr_list_append(c->arena, &l,
                                    vr_sql_new_literal(c->arena, &b->list[i]));
        *slot = vr_sql_new_tuple(c->arena, l);
    }
    return VR_SQL_WALK_SKIP;
}

vr_code_t vr_sql_bind(vr_sql_stmt_t *stmt, const vr_sql_bind_t *binds,
                      size_t n, vr_error_t *err)
{
    bind_ctx_t c = {stmt->arena, binds, n, NULL, 0};
    if (!vr_sql_walk(stmt, bind_cb, &c))
        return vr_errorf(err, VR_NOT_FOUND, "missing bind variable :%s",
                         c.missing);
    return VR_OK;
}

static vr_sql_walk_action_t count_cb(vr_sql_expr_t **slot, void *ud)
{
    bind_ctx_t *c = ud;
    if ((*slot)->kind == VR_SQL_EXPR_ARG ||
        (*slot)->kind == VR_SQL_EXPR_LIST_ARG)
        c->count++;
    return VR_SQL_WALK_CONTINUE;
}

size_t vr_sql_count_args(vr_sql_stmt_t *stmt)
{
    bind_ctx_t c = {NULL, NULL, 0, NULL, 0};
    vr_sql_walk(stmt, count_cb, &c);
    return c.count;
}

/* ---- WHERE -------------------------------------------------------------------- */

vr_sql_expr_t **vr_sql_where_slot(vr_sql_stmt_t *stmt)
{
    if (!stmt)
        return NULL;
    switch (stmt->kind) {
    case VR_SQL_STMT_SELECT: return &stmt->select.where;
    case VR_SQL_STMT_UPDATE: return &stmt->update.where;
    case VR_SQL_STMT_DELETE: return &stmt->del.where;
    default: return NULL;
    }
}

bool vr_sql_add_where(vr_sql_stmt_t *stmt, vr_sql_expr_t *cond)
{
    vr_sql_expr_t **slot = vr_sql_where_slot(stmt);
    if (!slot || !cond)
        return false;
    *slot = vr_sql_new_and(stmt->arena, *slot, cond);
    return true;
}

vr_sql_expr_list_t vr_sql_conjuncts(vr_arena_t *a, vr_sql_expr_t *where)
{
    vr_sql_expr_list_t l = {0, NULL};
    if (!where)
        return l;
    if (where->kind == VR_SQL_EXPR_AND)
        return where->list;
    vr_sql_expr_list_append(a, &l, where);
    return l;
}
