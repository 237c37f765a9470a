/*
 * ast.c - building expression and table-expression nodes.
 *
 * Every node is allocated in the parse arena and never freed on its own.
 * Builders keep each node's `depth` (1 + deepest child) so that trees the
 * formatter and the walkers recurse over stay shallower than
 * VR_SQL_MAX_DEPTH; deeper input becomes a parse error, not a stack
 * overflow.  AND/OR chains are flattened into one n-ary node, which keeps
 * long WHERE clauses flat.  Run only by the thread that parses.
 */
#include <string.h>
#include <strings.h>

#include "grammar_act.h"

/* ---- small things ----------------------------------------------------- */

void *vr_sql_list_grow(vr_arena_t *a, void *items, size_t n, size_t size)
{
    size_t cap = n < 4 ? 4 : n * 2;
    void *p = vr_arena_alloc(a, cap * size);
    if (n)
        memcpy(p, items, n * size);
    return p;
}

char *vr_sql_tok_str(vr_sql_pctx_t *ctx, const vr_sql_tok_t *t)
{
    if (t->owned)
        return (char *)t->s;
    return vr_arena_strndup(ctx->arena, t->s, t->len);
}

const char *vr_sql_tok_ident(vr_sql_pctx_t *ctx, const vr_sql_tok_t *t)
{
    /* a quoted alias used as an identifier: cut at an embedded NUL */
    return vr_sql_tok_str(ctx, t);
}

char *vr_sql_lower(vr_arena_t *a, const char *s, size_t n)
{
    char *p = vr_arena_alloc(a, n + 1);
    for (size_t i = 0; i < n; i++)
        p[i] = (s[i] >= 'A' && s[i] <= 'Z') ? (char)(s[i] + 32) : s[i];
    p[n] = '\0';
    return p;
}

static unsigned umax(unsigned a, unsigned b) { return a > b ? a : b; }

static unsigned edepth(const vr_sql_expr_t *e) { return e ? e->depth : 0; }

static unsigned list_depth(const vr_sql_expr_list_t *l)
{
    unsigned d = 0;
    for (size_t i = 0; i < l->n; i++)
        d = umax(d, edepth(l->items[i]));
    return d;
}

static unsigned func_depth(const vr_sql_func_t *f)
{
    unsigned d = list_depth(&f->args);
    for (size_t i = 0; i < f->order_by.n; i++)
        d = umax(d, edepth(f->order_by.items[i]->expr));
    return umax(d, edepth(f->separator));
}

static unsigned case_depth(const vr_sql_expr_t *e)
{
    unsigned d = umax(edepth(e->case_.operand), edepth(e->case_.else_expr));
    for (size_t i = 0; i < e->case_.whens.n; i++) {
        d = umax(d, edepth(e->case_.whens.items[i]->cond));
        d = umax(d, edepth(e->case_.whens.items[i]->val));
    }
    return d;
}

static unsigned children_depth(const vr_sql_expr_t *e)
{
    switch (e->kind) {
    case VR_SQL_EXPR_UNARY: return edepth(e->unary.expr);
    case VR_SQL_EXPR_BINARY:
        return umax(umax(edepth(e->binary.left), edepth(e->binary.right)),
                    edepth(e->binary.escape));
    case VR_SQL_EXPR_AND:
    case VR_SQL_EXPR_OR:
    case VR_SQL_EXPR_TUPLE: return list_depth(&e->list);
    case VR_SQL_EXPR_IS: return edepth(e->is.expr);
    case VR_SQL_EXPR_BETWEEN:
        return umax(umax(edepth(e->between.expr), edepth(e->between.from)),
                    edepth(e->between.to));
    case VR_SQL_EXPR_SUBQUERY:
    case VR_SQL_EXPR_EXISTS:
        return e->subquery ? e->subquery->depth : 0;
    case VR_SQL_EXPR_FUNC: return func_depth(&e->func);
    case VR_SQL_EXPR_CASE: return case_depth(e);
    case VR_SQL_EXPR_CAST: return edepth(e->cast.expr);
    case VR_SQL_EXPR_CONVERT_USING: return edepth(e->convert_using.expr);
    case VR_SQL_EXPR_COLLATE: return edepth(e->collate.expr);
    case VR_SQL_EXPR_INTERVAL: return edepth(e->interval.expr);
    default: return 0;
    }
}

static void check_depth(vr_sql_pctx_t *ctx, unsigned depth)
{
    if (ctx && depth > VR_SQL_MAX_DEPTH)
        vr_sql_action_error(ctx, "max nesting level reached", NULL);
}

void vr_sql_expr_depth(vr_sql_pctx_t *ctx, vr_sql_expr_t *e)
{
    e->depth = 1 + children_depth(e);
    check_depth(ctx, e->depth);
}

/* ---- expressions -------------------------------------------------------- */

vr_sql_expr_t *vr_sql_expr_new(vr_sql_pctx_t *ctx, vr_sql_expr_kind_t k)
{
    vr_sql_expr_t *e = vr_arena_calloc(ctx->arena, sizeof(*e));
    e->kind = k;
    e->depth = 1;
    return e;
}

vr_sql_expr_t *vr_sql_mk_lit(vr_sql_pctx_t *ctx, vr_sql_lit_type_t t,
                             const vr_sql_tok_t *tok)
{
    vr_sql_expr_t *e = vr_sql_expr_new(ctx, VR_SQL_EXPR_LITERAL);
    e->lit.type = t;
    if (t == VR_SQL_LIT_NULL || t == VR_SQL_LIT_TRUE ||
        t == VR_SQL_LIT_FALSE) {
        e->lit.val = "";
        return e;
    }
    e->lit.val = vr_sql_tok_str(ctx, tok);
    e->lit.len = tok->len;
    return e;
}

vr_sql_expr_t *vr_sql_mk_str(vr_sql_pctx_t *ctx, const char *s)
{
    vr_sql_expr_t *e = vr_sql_expr_new(ctx, VR_SQL_EXPR_LITERAL);
    e->lit.type = VR_SQL_LIT_STRING;
    e->lit.val = s;
    e->lit.len = strlen(s);
    return e;
}

vr_sql_expr_t *vr_sql_mk_column(vr_sql_pctx_t *ctx, const char *db,
                                const char *table, const char *name)
{
    vr_sql_expr_t *e = vr_sql_expr_new(ctx, VR_SQL_EXPR_COLUMN);
    e->column.db = db;
    e->column.table = table;
    e->column.name = name;
    return e;
}

vr_sql_expr_t *vr_sql_mk_var(vr_sql_pctx_t *ctx, vr_sql_var_scope_t scope,
                             const vr_sql_tok_t *t)
{
    return vr_sql_mk_sysvar(ctx, scope, vr_sql_tok_str(ctx, t));
}

vr_sql_expr_t *vr_sql_mk_sysvar(vr_sql_pctx_t *ctx,
                                vr_sql_var_scope_t scope, const char *name)
{
    vr_sql_expr_t *e = vr_sql_expr_new(ctx, VR_SQL_EXPR_VAR);
    e->var.scope = scope;
    e->var.name = name;
    return e;
}

vr_sql_var_scope_t vr_sql_set_scope(uint8_t aux)
{
    /* in SET, @@session.x and @@local.x are @@x */
    return aux == VR_SQL_VAR_GLOBAL ? VR_SQL_VAR_GLOBAL : VR_SQL_VAR_SYSTEM;
}

static bool is_number(const vr_sql_expr_t *e)
{
    return e->kind == VR_SQL_EXPR_LITERAL && !e->lit.charset &&
           (e->lit.type == VR_SQL_LIT_INT ||
            e->lit.type == VR_SQL_LIT_DECIMAL ||
            e->lit.type == VR_SQL_LIT_FLOAT);
}

vr_sql_expr_t *vr_sql_mk_unary(vr_sql_pctx_t *ctx, vr_sql_op_t op,
                               vr_sql_expr_t *x)
{
    vr_sql_expr_t *e;
    if (op == VR_SQL_OP_UMINUS && is_number(x) && x->lit.val[0] != '-') {
        /* -1 is a literal, as Vitess folds it */
        x->lit.val = vr_arena_printf(ctx->arena, "-%s", x->lit.val);
        x->lit.len++;
        return x;
    }
    e = vr_sql_expr_new(ctx, VR_SQL_EXPR_UNARY);
    e->unary.op = op;
    e->unary.expr = x;
    vr_sql_expr_depth(ctx, e);
    return e;
}

vr_sql_expr_t *vr_sql_mk_binary(vr_sql_pctx_t *ctx, vr_sql_op_t op,
                                vr_sql_expr_t *l, vr_sql_expr_t *r)
{
    vr_sql_expr_t *e = vr_sql_expr_new(ctx, VR_SQL_EXPR_BINARY);
    e->binary.op = op;
    e->binary.left = l;
    e->binary.right = r;
    vr_sql_expr_depth(ctx, e);
    return e;
}

vr_sql_expr_t *vr_sql_mk_like(vr_sql_pctx_t *ctx, vr_sql_op_t op,
                              vr_sql_expr_t *l, vr_sql_expr_t *r,
                              vr_sql_expr_t *esc)
{
    vr_sql_expr_t *e = vr_sql_mk_binary(ctx, op, l, r);
    e->binary.escape = esc;
    vr_sql_expr_depth(ctx, e);
    return e;
}

static void logic_add(vr_sql_pctx_t *ctx, vr_sql_expr_t *e,
                      vr_sql_expr_t *x)
{
    if (x->kind == e->kind) {
        for (size_t i = 0; i < x->list.n; i++)
            logic_add(ctx, e, x->list.items[i]);
        return;
    }
    VR_SQL_APPEND(ctx->arena, &e->list, x);
    e->depth = umax(e->depth, 1 + x->depth);
    check_depth(ctx, e->depth);
}

vr_sql_expr_t *vr_sql_mk_logic(vr_sql_pctx_t *ctx, vr_sql_expr_kind_t k,
                               vr_sql_expr_t *l, vr_sql_expr_t *r)
{
    vr_sql_expr_t *e = l;
    if (l->kind != k) {
        e = vr_sql_expr_new(ctx, k);
        logic_add(ctx, e, l);
    }
    logic_add(ctx, e, r);
    return e;
}

vr_sql_expr_t *vr_sql_mk_is(vr_sql_pctx_t *ctx, vr_sql_expr_t *x,
                            vr_sql_is_test_t t)
{
    vr_sql_expr_t *e = vr_sql_expr_new(ctx, VR_SQL_EXPR_IS);
    e->is.expr = x;
    e->is.test = t;
    vr_sql_expr_depth(ctx, e);
    return e;
}

vr_sql_expr_t *vr_sql_mk_between(vr_sql_pctx_t *ctx, vr_sql_expr_t *x,
                                 vr_sql_expr_t *from, vr_sql_expr_t *to,
                                 bool negated)
{
    vr_sql_expr_t *e = vr_sql_expr_new(ctx, VR_SQL_EXPR_BETWEEN);
    e->between.expr = x;
    e->between.from = from;
    e->between.to = to;
    e->between.negated = negated;
    vr_sql_expr_depth(ctx, e);
    return e;
}

vr_sql_expr_t *vr_sql_mk_list(vr_sql_pctx_t *ctx, vr_sql_expr_kind_t k,
                              vr_sql_expr_list_t list)
{
    vr_sql_expr_t *e = vr_sql_expr_new(ctx, k);
    e->list = list;
    vr_sql_expr_depth(ctx, e);
    return e;
}

vr_sql_expr_t *vr_sql_mk_tuple2(vr_sql_pctx_t *ctx, vr_sql_expr_t *first,
                                vr_sql_expr_list_t rest)
{
    vr_sql_expr_list_t l = {0, NULL};
    VR_SQL_APPEND(ctx->arena, &l, first);
    for (size_t i = 0; i < rest.n; i++)
        VR_SQL_APPEND(ctx->arena, &l, rest.items[i]);
    return vr_sql_mk_list(ctx, VR_SQL_EXPR_TUPLE, l);
}

vr_sql_expr_t *vr_sql_mk_subquery(vr_sql_pctx_t *ctx, vr_sql_expr_kind_t k,
                                  vr_sql_stmt_t *s)
{
    vr_sql_expr_t *e = vr_sql_expr_new(ctx, k);
    e->subquery = s;
    vr_sql_expr_depth(ctx, e);
    return e;
}

vr_sql_expr_t *vr_sql_mk_wrap(vr_sql_pctx_t *ctx, vr_sql_expr_kind_t k,
                              vr_sql_expr_t *inner)
{
    vr_sql_expr_t *e = vr_sql_expr_new(ctx, k);
    switch (k) {
    case VR_SQL_EXPR_COLLATE: e->collate.expr = inner; break;
    case VR_SQL_EXPR_CONVERT_USING: e->convert_using.expr = inner; break;
    case VR_SQL_EXPR_INTERVAL: e->interval.expr = inner; break;
    case VR_SQL_EXPR_CAST: e->cast.expr = inner; break;
    default: break;
    }
    vr_sql_expr_depth(ctx, e);
    return e;
}

vr_sql_expr_t *vr_sql_mk_case(vr_sql_pctx_t *ctx, vr_sql_expr_t *operand,
                              vr_sql_when_list_t whens,
                              vr_sql_expr_t *else_expr)
{
    vr_sql_expr_t *e = vr_sql_expr_new(ctx, VR_SQL_EXPR_CASE);
    e->case_.operand = operand;
    e->case_.whens = whens;
    e->case_.else_expr = else_expr;
    vr_sql_expr_depth(ctx, e);
    return e;
}

static const char *const interval_units[] = {
    "day", "day_hour", "day_microsecond", "day_minute", "day_second",
    "hour", "hour_microsecond", "hour_minute", "hour_second",
    "microsecond", "minute", "minute_microsecond", "minute_second",
    "month", "quarter", "second", "second_microsecond", "week", "year",
    "year_month",
};

vr_sql_expr_t *vr_sql_mk_interval(vr_sql_pctx_t *ctx, vr_sql_expr_t *x,
                                  const vr_sql_tok_t *unit)
{
    vr_sql_expr_t *e = vr_sql_mk_wrap(ctx, VR_SQL_EXPR_INTERVAL, x);
    char *u = vr_sql_lower(ctx->arena, unit->s, unit->len);
    for (size_t i = 0; i < VR_ARRAY_LEN(interval_units); i++) {
        if (strcmp(u, interval_units[i]) == 0) {
            e->interval.unit = interval_units[i];
            return e;
        }
    }
    vr_sql_action_error(ctx, NULL, unit);
    e->interval.unit = "day";
    return e;
}

vr_sql_convert_type_t *vr_sql_mk_ctype(vr_sql_pctx_t *ctx, const char *n)
{
    vr_sql_convert_type_t *t = vr_arena_calloc(ctx->arena, sizeof(*t));
    t->name = vr_sql_lower(ctx->arena, n, strlen(n));
    return t;
}

void vr_sql_check_int_word(vr_sql_pctx_t *ctx, const vr_sql_tok_t *t)
{
    if (!((t->len == 3 && strncasecmp(t->s, "int", 3) == 0) ||
          (t->len == 7 && strncasecmp(t->s, "integer", 7) == 0)))
        vr_sql_action_error(ctx, NULL, t);
}

vr_sql_expr_t *vr_sql_mk_cast(vr_sql_pctx_t *ctx, vr_sql_expr_t *x,
                              vr_sql_convert_type_t *t, bool is_cast)
{
    vr_sql_expr_t *e = vr_sql_mk_wrap(ctx, VR_SQL_EXPR_CAST, x);
    e->cast.type = *t;
    e->cast.is_cast = is_cast;
    return e;
}

vr_sql_expr_t *vr_sql_mk_cast_binary(vr_sql_pctx_t *ctx, vr_sql_expr_t *x)
{
    vr_sql_convert_type_t t = {"binary", NULL, NULL, NULL};
    return vr_sql_mk_cast(ctx, x, &t, false);
}

/* ---- functions ------------------------------------------------------------- */

static const char *const aggregates[] = {
    "avg", "bit_and", "bit_or", "bit_xor", "count", "group_concat",
    "json_arrayagg", "json_objectagg", "max", "min", "std", "stddev",
    "stddev_pop", "stddev_samp", "sum", "var_pop", "var_samp", "variance",
};

bool vr_sql_is_aggregate(const char *name)
{
    for (size_t i = 0; i < VR_ARRAY_LEN(aggregates); i++)
        if (strcasecmp(name, aggregates[i]) == 0)
            return true;
    return false;
}

vr_sql_fargs_t *vr_sql_mk_fargs(vr_sql_pctx_t *ctx,
                                const vr_sql_tok_t *distinct,
                                vr_sql_expr_list_t args,
                                vr_sql_order_list_t order,
                                vr_sql_expr_t *sep)
{
    vr_sql_fargs_t *f = vr_arena_calloc(ctx->arena, sizeof(*f));
    f->f.args = args;
    f->f.order_by = order;
    f->f.separator = sep;
    if (distinct) {
        f->has_distinct = true;
        f->distinct_tok = *distinct;
        f->f.distinct = true;
    }
    return f;
}

vr_sql_expr_t *vr_sql_mk_call(vr_sql_pctx_t *ctx, const vr_sql_qname_t *n,
                              vr_sql_fargs_t *args, bool star)
{
    vr_sql_expr_t *e = vr_sql_expr_new(ctx, VR_SQL_EXPR_FUNC);
    if (args)
        e->func = args->f;
    e->func.qualifier = n->q;
    e->func.name = n->name;
    e->func.star = star;
    e->func.aggregate = !n->q && vr_sql_is_aggregate(n->name);
    if (args && args->has_distinct && !e->func.aggregate)
        vr_sql_action_error(ctx, NULL, &args->distinct_tok);
    vr_sql_expr_depth(ctx, e);
    return e;
}

vr_sql_expr_t *vr_sql_mk_time_func(vr_sql_pctx_t *ctx,
                                   const vr_sql_tok_t *name,
                                   const vr_sql_tok_t *fsp)
{
    vr_sql_expr_t *e = vr_sql_expr_new(ctx, VR_SQL_EXPR_FUNC);
    e->func.name = vr_sql_lower(ctx->arena, name->s, name->len);
    if (fsp)
        VR_SQL_APPEND(ctx->arena, &e->func.args,
                      vr_sql_mk_lit(ctx, VR_SQL_LIT_INT, fsp));
    vr_sql_expr_depth(ctx, e);
    return e;
}

/* ---- table expressions ------------------------------------------------------ */

vr_sql_table_name_t *vr_sql_dup_name(vr_sql_pctx_t *ctx,
                                     vr_sql_table_name_t t)
{
    return vr_arena_memdup(ctx->arena, &t, sizeof(t));
}

static vr_sql_table_expr_t *table_new(vr_sql_pctx_t *ctx,
                                      vr_sql_table_expr_kind_t k)
{
    vr_sql_table_expr_t *t = vr_arena_calloc(ctx->arena, sizeof(*t));
    t->kind = k;
    t->depth = 1;
    return t;
}

vr_sql_table_expr_t *vr_sql_mk_table(vr_sql_pctx_t *ctx,
                                     vr_sql_table_name_t name,
                                     const char *alias)
{
    vr_sql_table_expr_t *t = table_new(ctx, VR_SQL_TABLE_ALIASED);
    t->aliased.name = name;
    t->aliased.alias = alias;
    return t;
}

vr_sql_table_expr_t *vr_sql_mk_derived(vr_sql_pctx_t *ctx,
                                       vr_sql_stmt_t *sub,
                                       const char *alias)
{
    vr_sql_table_expr_t *t = table_new(ctx, VR_SQL_TABLE_ALIASED);
    t->aliased.derived = sub;
    t->aliased.alias = alias;
    t->depth = 1 + sub->depth;
    check_depth(ctx, t->depth);
    return t;
}

vr_sql_table_expr_t *vr_sql_mk_join(vr_sql_pctx_t *ctx,
                                    vr_sql_join_kind_t kind,
                                    vr_sql_table_expr_t *l,
                                    vr_sql_table_expr_t *r)
{
    vr_sql_table_expr_t *t = table_new(ctx, VR_SQL_TABLE_JOIN);
    t->join.kind = kind;
    t->join.left = l;
    t->join.right = r;
    t->depth = 1 + umax(l->depth, r->depth);
    check_depth(ctx, t->depth);
    return t;
}

void vr_sql_join_cond(vr_sql_pctx_t *ctx, vr_sql_table_expr_t *j,
                      vr_sql_join_cond_t *c)
{
    if (!c)
        return;
    j->join.on = c->on;
    j->join.using = c->using;
    j->depth = umax(j->depth, 1 + edepth(c->on));
    check_depth(ctx, j->depth);
}

vr_sql_table_expr_t *vr_sql_mk_paren(vr_sql_pctx_t *ctx,
                                     vr_sql_table_expr_list_t list)
{
    vr_sql_table_expr_t *t = table_new(ctx, VR_SQL_TABLE_PAREN);
    t->paren = list;
    for (size_t i = 0; i < list.n; i++)
        t->depth = umax(t->depth, 1 + list.items[i]->depth);
    check_depth(ctx, t->depth);
    return t;
}

vr_sql_table_expr_list_t vr_sql_single_table(vr_sql_pctx_t *ctx,
                                             vr_sql_table_name_t t)
{
    vr_sql_table_expr_list_t l = {0, NULL};
    VR_SQL_APPEND(ctx->arena, &l, vr_sql_mk_table(ctx, t, NULL));
    return l;
}
