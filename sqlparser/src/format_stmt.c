/*
 * format_stmt.c - printing DML and session statements: SELECT, UNION,
 * INSERT/REPLACE, UPDATE, DELETE, SET, USE, SHOW, transactions, EXPLAIN.
 * DDL is in format_ddl.c.  Output follows Vitess's canonical forms
 * (`select 1 from dual`, `order by a asc`, `a as b`, `join` for inner and
 * cross joins, `set @@x = 1`, `show databases` for `show schemas`, ...).
 */
#include <string.h>

#include "sql_int.h"

void vr_sql_fmt_comments(vr_buf_t *b, const vr_sql_ident_list_t *c)
{
    for (size_t i = 0; i < c->n; i++) {
        vr_buf_puts(b, c->items[i]);
        vr_buf_putc(b, ' ');
    }
}

void vr_sql_fmt_table_name(vr_buf_t *b, const vr_sql_table_name_t *t)
{
    if (t->qualifier) {
        vr_sql_format_ident(b, t->qualifier);
        vr_buf_putc(b, '.');
    }
    vr_sql_format_ident(b, t->name ? t->name : "");
}

static void fmt_ident_list(vr_buf_t *b, const vr_sql_ident_list_t *l)
{
    for (size_t i = 0; i < l->n; i++) {
        if (i)
            vr_buf_puts(b, ", ");
        vr_sql_format_ident(b, l->items[i]);
    }
}

static void fmt_expr_list(vr_buf_t *b, const vr_sql_expr_list_t *l)
{
    for (size_t i = 0; i < l->n; i++) {
        if (i)
            vr_buf_puts(b, ", ");
        vr_sql_format_expr(b, l->items[i]);
    }
}

void vr_sql_fmt_limit(vr_buf_t *b, const vr_sql_limit_t *l)
{
    if (!l->count)
        return;
    vr_buf_puts(b, " limit ");
    if (l->offset) {
        vr_sql_format_expr(b, l->offset);
        vr_buf_puts(b, ", ");
    }
    vr_sql_format_expr(b, l->count);
}

static void fmt_where(vr_buf_t *b, const char *kw, const vr_sql_expr_t *e)
{
    if (!e)
        return;
    vr_buf_puts(b, kw);
    vr_sql_format_expr(b, e);
}

static void fmt_order(vr_buf_t *b, const vr_sql_order_list_t *o)
{
    if (!o->n)
        return;
    vr_buf_puts(b, " order by ");
    vr_sql_fmt_order_list(b, o);
}

static void fmt_lock(vr_buf_t *b, vr_sql_lock_t lock)
{
    switch (lock) {
    case VR_SQL_LOCK_FOR_UPDATE: vr_buf_puts(b, " for update"); break;
    case VR_SQL_LOCK_SHARE_MODE: vr_buf_puts(b, " lock in share mode"); break;
    case VR_SQL_LOCK_FOR_SHARE: vr_buf_puts(b, " for share"); break;
    default: break;
    }
}

/* ---- table expressions ------------------------------------------------------ */

static void fmt_hints(vr_buf_t *b, const vr_sql_index_hint_list_t *h)
{
    static const char *const kind[] = {" use index ", " ignore index ",
                                       " force index "};
    for (size_t i = 0; i < h->n; i++) {
        vr_buf_puts(b, kind[(unsigned)h->items[i]->kind % 3]);
        if (h->items[i]->scope) {
            vr_buf_puts(b, "for ");
            vr_buf_puts(b, h->items[i]->scope);
            vr_buf_putc(b, ' ');
        }
        vr_buf_putc(b, '(');
        fmt_ident_list(b, &h->items[i]->indexes);
        vr_buf_putc(b, ')');
    }
}

static void fmt_table_list(vr_buf_t *b, const vr_sql_table_expr_list_t *l)
{
    for (size_t i = 0; i < l->n; i++) {
        if (i)
            vr_buf_puts(b, ", ");
        vr_sql_format_table_expr(b, l->items[i]);
    }
}

static const char *join_text(vr_sql_join_kind_t k)
{
    static const char *const text[] = {
        "join", "straight_join", "left join", "right join", "natural join",
        "natural left join", "natural right join",
    };
    return (unsigned)k < VR_ARRAY_LEN(text) ? text[k] : "join";
}

static void fmt_join(vr_buf_t *b, const vr_sql_table_expr_t *t)
{
    const vr_sql_table_expr_t *r = t->join.right;
    bool outer = t->join.kind == VR_SQL_JOIN_LEFT ||
                 t->join.kind == VR_SQL_JOIN_RIGHT;
    vr_sql_format_table_expr(b, t->join.left);
    vr_buf_putc(b, ' ');
    vr_buf_puts(b, join_text(t->join.kind));
    vr_buf_putc(b, ' ');
    /* only an outer join takes a join on its right without parentheses */
    if (r->kind == VR_SQL_TABLE_JOIN && !outer) {
        vr_buf_putc(b, '(');
        vr_sql_format_table_expr(b, r);
        vr_buf_putc(b, ')');
    } else {
        vr_sql_format_table_expr(b, r);
    }
    if (t->join.on) {
        vr_buf_puts(b, " on ");
        vr_sql_format_expr(b, t->join.on);
    } else if (t->join.using.n) {
        vr_buf_puts(b, " using (");
        fmt_ident_list(b, &t->join.using);
        vr_buf_putc(b, ')');
    }
}

void vr_sql_format_table_expr(vr_buf_t *b, const vr_sql_table_expr_t *t)
{
    switch (t->kind) {
    case VR_SQL_TABLE_ALIASED:
        if (t->aliased.derived) {
            vr_buf_putc(b, '(');
            vr_sql_format(b, t->aliased.derived);
            vr_buf_putc(b, ')');
        } else {
            vr_sql_fmt_table_name(b, &t->aliased.name);
        }
        if (t->aliased.alias) {
            vr_buf_puts(b, " as ");
            vr_sql_format_ident(b, t->aliased.alias);
        }
        fmt_hints(b, &t->aliased.hints);
        break;
    case VR_SQL_TABLE_JOIN:
        fmt_join(b, t);
        break;
    case VR_SQL_TABLE_PAREN:
        vr_buf_putc(b, '(');
        fmt_table_list(b, &t->paren);
        vr_buf_putc(b, ')');
        break;
    }
}

/* ---- SELECT / UNION ------------------------------------------------------------ */

static void fmt_select_expr(vr_buf_t *b, const vr_sql_select_expr_t *e)
{
    if (e->kind == VR_SQL_SELECT_STAR) {
        if (e->table.name) {
            vr_sql_fmt_table_name(b, &e->table);
            vr_buf_putc(b, '.');
        }
        vr_buf_putc(b, '*');
        return;
    }
    vr_sql_format_expr(b, e->expr);
    if (e->alias) {
        vr_buf_puts(b, " as ");
        vr_sql_format_ident(b, e->alias);
    }
}

static void fmt_select(vr_buf_t *b, const vr_sql_stmt_t *s)
{
    const vr_sql_select_t *q = &s->select;
    vr_buf_puts(b, "select ");
    vr_sql_fmt_comments(b, &s->comments);
    if (q->distinct)
        vr_buf_puts(b, "distinct ");
    if (q->cache)
        vr_buf_puts(b, q->cache == 2 ? "sql_no_cache " : "sql_cache ");
    if (q->straight_join)
        vr_buf_puts(b, "straight_join ");
    if (q->calc_found_rows)
        vr_buf_puts(b, "sql_calc_found_rows ");
    for (size_t i = 0; i < q->exprs.n; i++) {
        if (i)
            vr_buf_puts(b, ", ");
        fmt_select_expr(b, q->exprs.items[i]);
    }
    vr_buf_puts(b, " from ");
    if (q->from.n)
        fmt_table_list(b, &q->from);
    else
        vr_buf_puts(b, "dual");
    fmt_where(b, " where ", q->where);
    if (q->group_by.n) {
        vr_buf_puts(b, " group by ");
        fmt_expr_list(b, &q->group_by);
    }
    fmt_where(b, " having ", q->having);
    fmt_order(b, &q->order_by);
    vr_sql_fmt_limit(b, &q->limit);
    fmt_lock(b, q->lock);
}

static bool needs_parens_in_union(const vr_sql_stmt_t *s)
{
    if (s->kind != VR_SQL_STMT_SELECT)
        return true;
    return s->select.order_by.n || s->select.limit.count ||
           s->select.lock != VR_SQL_LOCK_NONE;
}

static void fmt_union(vr_buf_t *b, const vr_sql_stmt_t *s)
{
    const vr_sql_union_t *u = &s->compound;
    for (size_t i = 0; i < u->n; i++) {
        const vr_sql_stmt_t *p = u->items[i]->stmt;
        if (i)
            vr_buf_puts(b, u->items[i]->all ? " union all " : " union ");
        if (needs_parens_in_union(p)) {
            vr_buf_putc(b, '(');
            vr_sql_format(b, p);
            vr_buf_putc(b, ')');
        } else {
            vr_sql_format(b, p);
        }
    }
    fmt_order(b, &u->order_by);
    vr_sql_fmt_limit(b, &u->limit);
    fmt_lock(b, u->lock);
}

/* ---- INSERT / UPDATE / DELETE ----------------------------------------------------- */

static void fmt_assigns(vr_buf_t *b, const vr_sql_assign_list_t *l)
{
    for (size_t i = 0; i < l->n; i++) {
        const vr_sql_column_t *c = &l->items[i]->column;
        if (i)
            vr_buf_puts(b, ", ");
        if (c->table) {
            if (c->db) {
                vr_sql_format_ident(b, c->db);
                vr_buf_putc(b, '.');
            }
            vr_sql_format_ident(b, c->table);
            vr_buf_putc(b, '.');
        }
        vr_sql_format_ident(b, c->name);
        vr_buf_puts(b, " = ");
        vr_sql_format_expr(b, l->items[i]->expr);
    }
}

static void fmt_insert(vr_buf_t *b, const vr_sql_stmt_t *s)
{
    const vr_sql_insert_t *in = &s->insert;
    vr_buf_puts(b, in->replace ? "replace " : "insert ");
    vr_sql_fmt_comments(b, &s->comments);
    if (in->ignore)
        vr_buf_puts(b, "ignore ");
    vr_buf_puts(b, "into ");
    vr_sql_fmt_table_name(b, &in->table);
    if (in->columns.n) {
        vr_buf_putc(b, '(');
        fmt_ident_list(b, &in->columns);
        vr_buf_putc(b, ')');
    }
    if (in->select) {
        vr_buf_putc(b, ' ');
        vr_sql_format(b, in->select);
    } else {
        vr_buf_puts(b, " values ");
        for (size_t i = 0; i < in->rows.n; i++) {
            if (i)
                vr_buf_puts(b, ", ");
            vr_buf_putc(b, '(');
            fmt_expr_list(b, in->rows.items[i]);
            vr_buf_putc(b, ')');
        }
    }
    if (in->on_dup.n) {
        vr_buf_puts(b, " on duplicate key update ");
        fmt_assigns(b, &in->on_dup);
    }
}

static void fmt_update(vr_buf_t *b, const vr_sql_stmt_t *s)
{
    const vr_sql_update_t *u = &s->update;
    vr_buf_puts(b, "update ");
    vr_sql_fmt_comments(b, &s->comments);
    if (u->ignore)
        vr_buf_puts(b, "ignore ");
    fmt_table_list(b, &u->tables);
    vr_buf_puts(b, " set ");
    fmt_assigns(b, &u->set);
    fmt_where(b, " where ", u->where);
    fmt_order(b, &u->order_by);
    vr_sql_fmt_limit(b, &u->limit);
}

static void fmt_delete(vr_buf_t *b, const vr_sql_stmt_t *s)
{
    const vr_sql_delete_t *d = &s->del;
    vr_buf_puts(b, "delete ");
    vr_sql_fmt_comments(b, &s->comments);
    if (d->ignore)
        vr_buf_puts(b, "ignore ");
    for (size_t i = 0; i < d->targets.n; i++) {
        vr_buf_puts(b, i ? ", " : "");
        vr_sql_fmt_table_name(b, d->targets.items[i]);
    }
    if (d->targets.n)
        vr_buf_putc(b, ' ');
    vr_buf_puts(b, "from ");
    fmt_table_list(b, &d->tables);
    fmt_where(b, " where ", d->where);
    fmt_order(b, &d->order_by);
    vr_sql_fmt_limit(b, &d->limit);
}

/* ---- SET ------------------------------------------------------------------------- */

static void fmt_set_cs(vr_buf_t *b, const vr_sql_set_expr_t *e)
{
    vr_buf_puts(b, e->kind == VR_SQL_SET_NAMES ? "names " : "charset ");
    if (!e->charset) {
        vr_buf_puts(b, "default");
        return;
    }
    vr_buf_put_sql_string(b, e->charset, strlen(e->charset));
    if (e->collate) {
        vr_buf_puts(b, " collate ");
        vr_sql_fmt_word(b, e->collate);
    }
}

static void fmt_set_txn(vr_buf_t *b, const vr_sql_set_expr_t *e)
{
    if (e->scope == VR_SQL_VAR_GLOBAL)
        vr_buf_puts(b, "global ");
    else if (e->scope == VR_SQL_VAR_SESSION)
        vr_buf_puts(b, "session ");
    vr_buf_puts(b, "transaction ");
    if (e->isolation) {
        vr_buf_puts(b, "isolation level ");
        vr_buf_puts(b, e->isolation);
    }
    if (e->access)
        vr_buf_puts(b, e->isolation ? ", " : "");
    if (e->access)
        vr_buf_puts(b, e->access == 1 ? "read only" : "read write");
}

static void fmt_set(vr_buf_t *b, const vr_sql_stmt_t *s)
{
    vr_buf_puts(b, "set ");
    vr_sql_fmt_comments(b, &s->comments);
    for (size_t i = 0; i < s->set.n; i++) {
        const vr_sql_set_expr_t *e = s->set.items[i];
        if (i)
            vr_buf_puts(b, ", ");
        switch (e->kind) {
        case VR_SQL_SET_VAR:
            vr_sql_format_expr(b, e->var);
            vr_buf_puts(b, " = ");
            vr_sql_format_expr(b, e->value);
            break;
        case VR_SQL_SET_NAMES:
        case VR_SQL_SET_CHARSET: fmt_set_cs(b, e); break;
        case VR_SQL_SET_TRANSACTION: fmt_set_txn(b, e); break;
        }
    }
}

/* ---- SHOW ------------------------------------------------------------------------- */

static void fmt_like_where(vr_buf_t *b, const vr_sql_show_t *sh)
{
    if (sh->like) {
        vr_buf_puts(b, " like ");
        vr_sql_format_expr(b, sh->like);
    }
    fmt_where(b, " where ", sh->where);
}

static void fmt_from_db(vr_buf_t *b, const char *db)
{
    if (!db)
        return;
    vr_buf_puts(b, " from ");
    vr_sql_format_ident(b, db);
}

static const char *show_word(vr_sql_show_kind_t k)
{
    switch (k) {
    case VR_SQL_SHOW_DATABASES: return "databases";
    case VR_SQL_SHOW_KEYSPACES: return "keyspaces";
    case VR_SQL_SHOW_VITESS_SHARDS: return "vitess_shards";
    case VR_SQL_SHOW_VITESS_TABLETS: return "vitess_tablets";
    case VR_SQL_SHOW_WARNINGS: return "warnings";
    case VR_SQL_SHOW_ERRORS: return "errors";
    case VR_SQL_SHOW_ENGINES: return "engines";
    case VR_SQL_SHOW_PLUGINS: return "plugins";
    case VR_SQL_SHOW_COLLATION: return "collation";
    case VR_SQL_SHOW_CHARSET: return "charset";
    case VR_SQL_SHOW_VARIABLES: return "variables";
    case VR_SQL_SHOW_STATUS: return "status";
    default: return NULL;
    }
}

static void fmt_show(vr_buf_t *b, const vr_sql_stmt_t *s)
{
    const vr_sql_show_t *sh = &s->show;
    const char *word = show_word(sh->kind);
    if (sh->kind == VR_SQL_SHOW_OTHER) {
        vr_buf_append(b, sh->text ? sh->text : "show", sh->text ? sh->text_len : 4);
        return;
    }
    vr_buf_puts(b, "show ");
    vr_sql_fmt_comments(b, &s->comments);
    if (sh->global)
        vr_buf_puts(b, "global ");
    if (sh->full)
        vr_buf_puts(b, "full ");
    if (word) {
        vr_buf_puts(b, word);
        fmt_like_where(b, sh);
        return;
    }
    switch (sh->kind) {
    case VR_SQL_SHOW_TABLES:
        vr_buf_puts(b, "tables");
        fmt_from_db(b, sh->db);
        break;
    case VR_SQL_SHOW_TABLE_STATUS:
        vr_buf_puts(b, "table status");
        fmt_from_db(b, sh->db);
        break;
    case VR_SQL_SHOW_COLUMNS:
    case VR_SQL_SHOW_INDEX:
        vr_buf_puts(b, sh->kind == VR_SQL_SHOW_INDEX ? "indexes from "
                                                     : "columns from ");
        vr_sql_fmt_table_name(b, &sh->table);
        fmt_from_db(b, sh->db);
        break;
    case VR_SQL_SHOW_CREATE_TABLE:
    case VR_SQL_SHOW_CREATE_VIEW:
        vr_buf_puts(b, sh->kind == VR_SQL_SHOW_CREATE_VIEW ? "create view "
                                                           : "create table ");
        vr_sql_fmt_table_name(b, &sh->table);
        break;
    case VR_SQL_SHOW_CREATE_DATABASE:
        vr_buf_puts(b, "create database ");
        vr_sql_format_ident(b, sh->db);
        break;
    case VR_SQL_SHOW_PROCESSLIST:
        vr_buf_puts(b, "processlist");
        break;
    default:
        break;
    }
    fmt_like_where(b, sh);
}

/* ---- the rest ----------------------------------------------------------------------- */

static void fmt_begin(vr_buf_t *b, const vr_sql_stmt_t *s)
{
    unsigned f = s->txn_flags;
    const char *sep = " ";
    if (!f) {
        vr_buf_puts(b, "begin");
        return;
    }
    vr_buf_puts(b, "start transaction");
    if (f & VR_SQL_TXN_READ_ONLY) {
        vr_buf_puts(b, " read only");
        sep = ", ";
    }
    if (f & VR_SQL_TXN_READ_WRITE) {
        vr_buf_puts(b, sep);
        vr_buf_puts(b, "read write");
        sep = ", ";
    }
    if (f & VR_SQL_TXN_CONSISTENT_SNAPSHOT) {
        vr_buf_puts(b, sep);
        vr_buf_puts(b, "with consistent snapshot");
    }
}

static void fmt_explain(vr_buf_t *b, const vr_sql_stmt_t *s)
{
    const vr_sql_explain_t *e = &s->explain;
    vr_buf_puts(b, "explain ");
    vr_sql_fmt_comments(b, &s->comments);
    if (!e->stmt) {
        vr_sql_fmt_table_name(b, &e->table);
        if (e->column) {
            vr_buf_putc(b, ' ');
            vr_sql_format_ident(b, e->column);
        }
        return;
    }
    if (e->format) {
        vr_buf_puts(b, "format = ");
        vr_sql_fmt_word(b, e->format);
        vr_buf_putc(b, ' ');
    }
    if (e->analyze)
        vr_buf_puts(b, "analyze ");
    vr_sql_format(b, e->stmt);
}

static void fmt_named(vr_buf_t *b, const char *kw, const char *name)
{
    vr_buf_puts(b, kw);
    vr_sql_format_ident(b, name ? name : "");
}

void vr_sql_format(vr_buf_t *b, const vr_sql_stmt_t *s)
{
    if (!s)
        return;
    switch (s->kind) {
    case VR_SQL_STMT_SELECT: fmt_select(b, s); break;
    case VR_SQL_STMT_UNION: fmt_union(b, s); break;
    case VR_SQL_STMT_INSERT: fmt_insert(b, s); break;
    case VR_SQL_STMT_UPDATE: fmt_update(b, s); break;
    case VR_SQL_STMT_DELETE: fmt_delete(b, s); break;
    case VR_SQL_STMT_SET: fmt_set(b, s); break;
    case VR_SQL_STMT_USE: fmt_named(b, "use ", s->use_db); break;
    case VR_SQL_STMT_SHOW: fmt_show(b, s); break;
    case VR_SQL_STMT_BEGIN: fmt_begin(b, s); break;
    case VR_SQL_STMT_COMMIT: vr_buf_puts(b, "commit"); break;
    case VR_SQL_STMT_ROLLBACK:
        if (s->savepoint)
            fmt_named(b, "rollback to ", s->savepoint);
        else
            vr_buf_puts(b, "rollback");
        break;
    case VR_SQL_STMT_SAVEPOINT: fmt_named(b, "savepoint ", s->savepoint); break;
    case VR_SQL_STMT_RELEASE:
        fmt_named(b, "release savepoint ", s->savepoint);
        break;
    case VR_SQL_STMT_EXPLAIN: fmt_explain(b, s); break;
    default:
        vr_sql_fmt_ddl(b, s);
        break;
    }
}

char *vr_sql_to_string(const vr_sql_stmt_t *stmt)
{
    vr_buf_t b = VR_BUF_INIT;
    vr_sql_format(&b, stmt);
    return vr_buf_detach(&b);
}
