/*
 * ast_stmt.c - building statement nodes: SELECT/UNION, INSERT, UPDATE,
 * DELETE, SET, SHOW and the statements kept as text.
 *
 * A UNION chain is built flat: `a union b union all c` is one node with
 * three parts.  The node stays "open" for appending until the query
 * expression that holds it is complete (vr_sql_close_query); a
 * parenthesized union inside a chain therefore stays a nested part.
 * Statement depth (see ast.c) is kept for SELECT and UNION, the only
 * statements that nest.
 */
#include <string.h>
#include <strings.h>

#include "grammar_act.h"

static unsigned umax(unsigned a, unsigned b) { return a > b ? a : b; }

static unsigned ed(const vr_sql_expr_t *e) { return e ? e->depth : 0; }

static void bump(vr_sql_pctx_t *ctx, vr_sql_stmt_t *s, unsigned child)
{
    if (1 + child > s->depth)
        s->depth = 1 + child;
    if (s->depth > VR_SQL_MAX_DEPTH)
        vr_sql_action_error(ctx, "max nesting level reached", NULL);
}

vr_sql_stmt_t *vr_sql_stmt_new(vr_sql_pctx_t *ctx, vr_sql_stmt_kind_t k,
                               const vr_sql_tok_t *kw)
{
    vr_sql_stmt_t *s = vr_arena_calloc(ctx->arena, sizeof(*s));
    s->kind = k;
    s->depth = 1;
    s->arena = ctx->arena;
    if (kw && kw->comments)
        s->comments = *kw->comments;
    return s;
}

/* ---- SELECT / UNION ---------------------------------------------------- */

vr_sql_stmt_t *vr_sql_close_query(vr_sql_stmt_t *s)
{
    if (s->kind == VR_SQL_STMT_UNION)
        s->compound.open_ = false;
    return s;
}

static bool is_dual(const vr_sql_table_expr_list_t *from)
{
    const vr_sql_table_expr_t *t;
    if (from->n != 1)
        return false;
    t = from->items[0];
    return t->kind == VR_SQL_TABLE_ALIASED && !t->aliased.derived &&
           !t->aliased.name.qualifier && !t->aliased.alias &&
           t->aliased.hints.n == 0 &&
           strcasecmp(t->aliased.name.name, "dual") == 0;
}

static unsigned list_depth(const vr_sql_expr_list_t *l)
{
    unsigned d = 0;
    for (size_t i = 0; i < l->n; i++)
        d = umax(d, ed(l->items[i]));
    return d;
}

static unsigned select_depth(const vr_sql_select_t *q)
{
    unsigned d = umax(umax(ed(q->where), ed(q->having)),
                      list_depth(&q->group_by));
    for (size_t i = 0; i < q->exprs.n; i++)
        d = umax(d, ed(q->exprs.items[i]->expr));
    for (size_t i = 0; i < q->from.n; i++)
        d = umax(d, q->from.items[i]->depth);
    return d;
}

vr_sql_stmt_t *vr_sql_mk_select(vr_sql_pctx_t *ctx, const vr_sql_tok_t *kw,
                                unsigned opts,
                                vr_sql_select_expr_list_t exprs,
                                vr_sql_table_expr_list_t from,
                                vr_sql_expr_t *where,
                                vr_sql_expr_list_t group,
                                vr_sql_expr_t *having)
{
    vr_sql_stmt_t *s = vr_sql_stmt_new(ctx, VR_SQL_STMT_SELECT, kw);
    vr_sql_select_t *q = &s->select;
    q->distinct = opts & SEL_DISTINCT;
    q->straight_join = opts & SEL_STRAIGHT;
    q->calc_found_rows = opts & SEL_CALC;
    q->cache = (opts & SEL_NO_CACHE) ? 2 : (opts & SEL_CACHE) ? 1 : 0;
    q->exprs = exprs;
    if (!is_dual(&from))
        q->from = from;
    q->where = where;
    q->group_by = group;
    q->having = having;
    bump(ctx, s, select_depth(q));
    return s;
}

vr_sql_select_expr_t *vr_sql_mk_star(vr_sql_pctx_t *ctx, const char *q,
                                     const char *t)
{
    vr_sql_select_expr_t *e = vr_arena_calloc(ctx->arena, sizeof(*e));
    e->kind = VR_SQL_SELECT_STAR;
    e->table.qualifier = q;
    e->table.name = t;
    return e;
}

static void union_add(vr_sql_pctx_t *ctx, vr_sql_stmt_t *u,
                      vr_sql_stmt_t *part, bool all)
{
    vr_sql_union_part_t *p = vr_arena_calloc(ctx->arena, sizeof(*p));
    p->stmt = part;
    p->all = all;
    VR_SQL_APPEND(ctx->arena, &u->compound, p);
    bump(ctx, u, part->depth);
}

vr_sql_stmt_t *vr_sql_mk_union(vr_sql_pctx_t *ctx, vr_sql_stmt_t *left,
                               vr_sql_stmt_t *right, bool all)
{
    vr_sql_stmt_t *u = left;
    if (left->kind != VR_SQL_STMT_UNION || !left->compound.open_) {
        u = vr_sql_stmt_new(ctx, VR_SQL_STMT_UNION, NULL);
        u->compound.open_ = true;
        union_add(ctx, u, left, false);
    }
    union_add(ctx, u, vr_sql_close_query(right), all);
    return u;
}

void vr_sql_set_tail(vr_sql_pctx_t *ctx, vr_sql_stmt_t *s,
                     vr_sql_order_list_t order, vr_sql_limit_t limit,
                     vr_sql_lock_t lock)
{
    vr_sql_order_list_t *o;
    vr_sql_limit_t *l;
    vr_sql_lock_t *k;
    if (s->kind == VR_SQL_STMT_SELECT) {
        o = &s->select.order_by;
        l = &s->select.limit;
        k = &s->select.lock;
    } else {
        o = &s->compound.order_by;
        l = &s->compound.limit;
        k = &s->compound.lock;
    }
    /* (select ... order by a) order by b: the outer clause wins */
    if (order.n)
        *o = order;
    if (limit.count)
        *l = limit;
    if (lock != VR_SQL_LOCK_NONE)
        *k = lock;
    for (size_t i = 0; i < order.n; i++)
        bump(ctx, s, ed(order.items[i]->expr));
    bump(ctx, s, umax(ed(limit.count), ed(limit.offset)));
}

/* ---- INSERT, DELETE ----------------------------------------------------- */

void vr_sql_insert_head(vr_sql_pctx_t *ctx, vr_sql_stmt_t *s,
                        const vr_sql_tok_t *kw, bool ignore,
                        vr_sql_table_name_t t)
{
    (void)ctx;
    if (kw->comments)
        s->comments = *kw->comments;
    s->insert.replace = kw->aux;
    s->insert.ignore = ignore;
    s->insert.table = t;
}

/* insert into t set a = 1, b = 2  ->  insert into t(a, b) values (1, 2) */
vr_sql_stmt_t *vr_sql_insert_set(vr_sql_pctx_t *ctx, vr_sql_assign_list_t l)
{
    vr_sql_stmt_t *s = vr_sql_stmt_new(ctx, VR_SQL_STMT_INSERT, NULL);
    vr_sql_expr_list_t *row = vr_arena_calloc(ctx->arena, sizeof(*row));
    for (size_t i = 0; i < l.n; i++) {
        VR_SQL_APPEND(ctx->arena, &s->insert.columns, l.items[i]->column.name);
        VR_SQL_APPEND(ctx->arena, row, l.items[i]->expr);
    }
    VR_SQL_APPEND(ctx->arena, &s->insert.rows, row);
    return s;
}

vr_sql_stmt_t *vr_sql_mk_delete(vr_sql_pctx_t *ctx, const vr_sql_tok_t *kw,
                                bool ignore,
                                const vr_sql_table_name_list_t *targets,
                                vr_sql_table_expr_list_t tables,
                                vr_sql_expr_t *where)
{
    vr_sql_stmt_t *s = vr_sql_stmt_new(ctx, VR_SQL_STMT_DELETE, kw);
    s->del.ignore = ignore;
    if (targets)
        s->del.targets = *targets;
    s->del.tables = tables;
    s->del.where = where;
    return s;
}

/* ---- SET -------------------------------------------------------------------- */

static bool is_word(const vr_sql_expr_t *e, const char *w)
{
    return e->kind == VR_SQL_EXPR_COLUMN && !e->column.table &&
           strcasecmp(e->column.name, w) == 0;
}

vr_sql_set_expr_t *vr_sql_mk_set_var(vr_sql_pctx_t *ctx, vr_sql_expr_t *v,
                                     vr_sql_expr_t *e)
{
    vr_sql_set_expr_t *s = vr_arena_calloc(ctx->arena, sizeof(*s));
    s->kind = VR_SQL_SET_VAR;
    s->var = v;
    /* set autocommit = off: a word, which MySQL takes as the string */
    if (is_word(e, "off"))
        e = vr_sql_mk_str(ctx, "off");
    else if (is_word(e, "on"))
        e = vr_sql_mk_str(ctx, "on");
    s->value = e;
    return s;
}

vr_sql_set_expr_t *vr_sql_mk_set_cs(vr_sql_pctx_t *ctx, vr_sql_set_kind_t k,
                                    const char *cs, const char *collate)
{
    vr_sql_set_expr_t *s = vr_arena_calloc(ctx->arena, sizeof(*s));
    s->kind = k;
    s->charset = cs;
    s->collate = collate;
    return s;
}

vr_sql_set_expr_t *vr_sql_mk_txn(vr_sql_pctx_t *ctx, const char *level,
                                 int access)
{
    vr_sql_set_expr_t *s = vr_arena_calloc(ctx->arena, sizeof(*s));
    s->kind = VR_SQL_SET_TRANSACTION;
    s->isolation = level;
    s->access = access;
    return s;
}

vr_sql_set_expr_t *vr_sql_merge_txn(vr_sql_pctx_t *ctx,
                                    vr_sql_set_expr_t *a,
                                    vr_sql_set_expr_t *b)
{
    (void)ctx;
    if (b->isolation)
        a->isolation = b->isolation;
    if (b->access)
        a->access = b->access;
    return a;
}

/* ---- SHOW and text statements ---------------------------------------------- */

vr_sql_stmt_t *vr_sql_mk_show(vr_sql_pctx_t *ctx, vr_sql_show_kind_t k,
                              vr_sql_like_where_t *lw)
{
    vr_sql_stmt_t *s = vr_sql_stmt_new(ctx, VR_SQL_STMT_SHOW, NULL);
    s->show.kind = k;
    if (lw) {
        s->show.like = lw->like;
        s->show.where = lw->where;
    }
    return s;
}

void vr_sql_show_kw(vr_sql_pctx_t *ctx, vr_sql_stmt_t *s,
                    const vr_sql_tok_t *kw)
{
    (void)ctx;
    if (kw->comments)
        s->comments = *kw->comments;
}

vr_sql_stmt_t *vr_sql_show_other(vr_sql_pctx_t *ctx, const vr_sql_tok_t *kw)
{
    vr_sql_stmt_t *s = vr_sql_stmt_new(ctx, VR_SQL_STMT_SHOW, kw);
    s->show.kind = VR_SQL_SHOW_OTHER;
    return s;
}

vr_sql_stmt_t *vr_sql_mk_other(vr_sql_pctx_t *ctx, vr_sql_stmt_kind_t k,
                               const char *verb, const char *object,
                               const vr_sql_tok_t *kw)
{
    vr_sql_stmt_t *s = vr_sql_stmt_new(ctx, k, kw);
    s->other.verb = verb ? verb : vr_sql_lower(ctx->arena, kw->s, kw->len);
    s->other.object = object;
    return s;
}

const char *vr_sql_other_object(vr_sql_pctx_t *ctx)
{
    const vr_sql_tok_t *t = &ctx->second;
    char c;
    if (ctx->ntok < 2 || !t->len)
        return NULL;
    c = t->s[0];
    if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')))
        return NULL;
    return vr_sql_lower(ctx->arena, t->s, t->len);
}

void vr_sql_other_table(vr_sql_pctx_t *ctx, vr_sql_stmt_t *s,
                        vr_sql_table_name_t t)
{
    VR_SQL_APPEND(ctx->arena, &s->other.tables, vr_sql_dup_name(ctx, t));
}

/* A CREATE/ALTER TABLE the grammar could not read to the end. */
vr_sql_stmt_t *vr_sql_partial_table(vr_sql_pctx_t *ctx, vr_sql_stmt_t *s,
                                    const char *verb)
{
    vr_sql_table_name_t t = s->kind == VR_SQL_STMT_CREATE_TABLE
                                ? s->create_table.table
                                : s->alter_table.table;
    vr_sql_stmt_t *o = vr_sql_stmt_new(ctx, VR_SQL_STMT_OTHER_DDL, NULL);
    o->comments = s->comments;
    o->other.verb = verb;
    o->other.object = "table";
    o->other.partial = true;
    vr_sql_other_table(ctx, o, t);
    ctx->recovered = true;
    return o;
}

static bool trailing_junk(char c)
{
    return c == ';' || c == ' ' || c == '\t' || c == '\n' || c == '\r' ||
           c == '\f' || c == '\v';
}

/* Text statements keep the input from their first token to their last,
 * without trailing semicolons. */
void vr_sql_stmt_finish(vr_sql_pctx_t *ctx, vr_sql_stmt_t *s)
{
    size_t start = ctx->stmt_start, end = ctx->last_end;
    bool text = s->kind == VR_SQL_STMT_OTHER_DDL ||
                s->kind == VR_SQL_STMT_OTHER ||
                (s->kind == VR_SQL_STMT_SHOW &&
                 s->show.kind == VR_SQL_SHOW_OTHER);
    if (!text || start > end || end > ctx->len)
        return;
    while (end > start && trailing_junk(ctx->sql[end - 1]))
        end--;
    if (memchr(ctx->sql + start, '\0', end - start)) {
        /* verbatim text is printed back as a C string */
        vr_sql_action_error(ctx, NULL, NULL);
        return;
    }
    if (s->kind == VR_SQL_STMT_SHOW) {
        s->show.text = vr_arena_strndup(ctx->arena, ctx->sql + start,
                                        end - start);
        s->show.text_len = end - start;
    } else {
        s->other.text = vr_arena_strndup(ctx->arena, ctx->sql + start,
                                         end - start);
        s->other.text_len = end - start;
    }
}
