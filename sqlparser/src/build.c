/*
 * build.c - public constructors for rewriting trees: literals (including
 * from a typed vr_value_t, for bind variables and for the vplayer's
 * statements), columns, arguments, operators, AND, tuples, calls.
 * Strings passed in are copied into the arena; nodes carry a depth like
 * parsed ones.
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "sql_int.h"

static vr_sql_pctx_t tmp_ctx(vr_arena_t *a)
{
    vr_sql_pctx_t c;
    memset(&c, 0, sizeof(c));
    c.arena = a;
    return c;
}

static vr_sql_expr_t *lit(vr_arena_t *a, vr_sql_lit_type_t t, const char *s,
                          size_t n)
{
    vr_sql_pctx_t c = tmp_ctx(a);
    vr_sql_expr_t *e = vr_sql_expr_new(&c, VR_SQL_EXPR_LITERAL);
    e->lit.type = t;
    e->lit.val = vr_arena_strndup(a, s ? s : "", s ? n : 0);
    e->lit.len = s ? n : 0;
    return e;
}

vr_sql_expr_t *vr_sql_new_int(vr_arena_t *a, int64_t v)
{
    char buf[32];
    int n = snprintf(buf, sizeof(buf), "%" PRId64, v);
    return lit(a, VR_SQL_LIT_INT, buf, (size_t)n);
}

vr_sql_expr_t *vr_sql_new_string(vr_arena_t *a, const char *s, size_t n)
{
    return lit(a, VR_SQL_LIT_STRING, s, n);
}

vr_sql_expr_t *vr_sql_new_null(vr_arena_t *a)
{
    return lit(a, VR_SQL_LIT_NULL, "", 0);
}

/* A number printed by vr_value_append_text, as the literal kind it is. */
static vr_sql_expr_t *number_lit(vr_arena_t *a, const char *s, size_t n)
{
    vr_sql_lit_type_t t = VR_SQL_LIT_INT;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (c == 'e' || c == 'E')
            t = VR_SQL_LIT_FLOAT;
        else if (c == '.' && t == VR_SQL_LIT_INT)
            t = VR_SQL_LIT_DECIMAL;
        else if (!(c == '-' || c == '+' || c == '.' || (c >= '0' && c <= '9')))
            return lit(a, VR_SQL_LIT_STRING, s, n); /* inf, nan */
    }
    return lit(a, t, s, n);
}

static vr_sql_expr_t *hex_lit(vr_arena_t *a, const vr_value_t *v)
{
    vr_buf_t b = VR_BUF_INIT;
    vr_sql_expr_t *e;
    vr_buf_put_hex(&b, (const uint8_t *)v->s, v->len);
    e = lit(a, VR_SQL_LIT_HEX, b.data ? b.data : "", b.len);
    vr_buf_free(&b);
    return e;
}

vr_sql_expr_t *vr_sql_new_literal(vr_arena_t *a, const vr_value_t *v)
{
    vr_buf_t b = VR_BUF_INIT;
    vr_sql_expr_t *e;
    if (!v || v->is_null || v->type == VR_TYPE_NULL_TYPE)
        return vr_sql_new_null(a);
    if (vr_type_is_binary(v->type))
        return hex_lit(a, v);
    vr_value_append_text(&b, v);
    if (vr_type_is_signed(v->type) || vr_type_is_unsigned(v->type) ||
        vr_type_is_float(v->type) || v->type == VR_TYPE_DECIMAL)
        e = number_lit(a, b.data ? b.data : "0", b.len);
    else
        e = lit(a, VR_SQL_LIT_STRING, b.data, b.len);
    vr_buf_free(&b);
    return e;
}

vr_sql_expr_t *vr_sql_new_column(vr_arena_t *a, const char *table,
                                 const char *name)
{
    vr_sql_pctx_t c = tmp_ctx(a);
    return vr_sql_mk_column(&c, NULL, table ? vr_arena_strdup(a, table) : NULL,
                            vr_arena_strdup(a, name ? name : ""));
}

vr_sql_expr_t *vr_sql_new_arg(vr_arena_t *a, const char *name)
{
    vr_sql_pctx_t c = tmp_ctx(a);
    vr_sql_expr_t *e = vr_sql_expr_new(&c, VR_SQL_EXPR_ARG);
    e->arg.name = vr_arena_strdup(a, name ? name : "");
    return e;
}

vr_sql_expr_t *vr_sql_new_binary(vr_arena_t *a, vr_sql_op_t op,
                                 vr_sql_expr_t *l, vr_sql_expr_t *r)
{
    vr_sql_pctx_t c = tmp_ctx(a);
    return vr_sql_mk_binary(&c, op, l, r);
}

vr_sql_expr_t *vr_sql_new_and(vr_arena_t *a, vr_sql_expr_t *l,
                              vr_sql_expr_t *r)
{
    vr_sql_pctx_t c = tmp_ctx(a);
    if (!l)
        return r;
    if (!r)
        return l;
    return vr_sql_mk_logic(&c, VR_SQL_EXPR_AND, l, r);
}

vr_sql_expr_t *vr_sql_new_tuple(vr_arena_t *a, vr_sql_expr_list_t items)
{
    vr_sql_pctx_t c = tmp_ctx(a);
    return vr_sql_mk_list(&c, VR_SQL_EXPR_TUPLE, items);
}

vr_sql_expr_t *vr_sql_new_func(vr_arena_t *a, const char *name,
                               vr_sql_expr_list_t args)
{
    vr_sql_pctx_t c = tmp_ctx(a);
    vr_sql_expr_t *e = vr_sql_expr_new(&c, VR_SQL_EXPR_FUNC);
    e->func.name = vr_arena_strdup(a, name ? name : "");
    e->func.aggregate = vr_sql_is_aggregate(e->func.name);
    e->func.args = args;
    vr_sql_expr_depth(&c, e);
    return e;
}

void vr_sql_expr_list_append(vr_arena_t *a, vr_sql_expr_list_t *list,
                             vr_sql_expr_t *e)
{
    VR_SQL_APPEND(a, list, e);
}
