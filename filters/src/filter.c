/*
 * filter.c - compile Vitess filter rules (see vr_filter.h).
 *
 * Each rule's filter is classified once: empty, a keyrange, or a select
 * that is parsed with sqlparser and reduced to projections and
 * conditions.  Everything a plan cannot evaluate is refused here, so a
 * stream fails when it starts, not halfway through a binlog.  Column
 * names are checked later, per table, in plan.c.
 */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "filter_int.h"
#include "vr_common.h"

static bool is_cmp(vr_sql_op_t op)
{
    return op == VR_SQL_OP_EQ || op == VR_SQL_OP_NE || op == VR_SQL_OP_LT || op == VR_SQL_OP_LE ||
           op == VR_SQL_OP_GT || op == VR_SQL_OP_GE;
}

/* a op b  ==  b flip(op) a */
static vr_sql_op_t flip(vr_sql_op_t op)
{
    switch (op) {
    case VR_SQL_OP_LT: return VR_SQL_OP_GT;
    case VR_SQL_OP_LE: return VR_SQL_OP_GE;
    case VR_SQL_OP_GT: return VR_SQL_OP_LT;
    case VR_SQL_OP_GE: return VR_SQL_OP_LE;
    default: return op;
    }
}

static bool is_plain_literal(const vr_sql_expr_t *e)
{
    if (e->kind == VR_SQL_EXPR_UNARY && e->unary.op == VR_SQL_OP_UMINUS)
        return is_plain_literal(e->unary.expr);
    if (e->kind != VR_SQL_EXPR_LITERAL)
        return false;
    switch (e->lit.type) {
    case VR_SQL_LIT_STRING:
    case VR_SQL_LIT_INT:
    case VR_SQL_LIT_DECIMAL:
    case VR_SQL_LIT_FLOAT:
        return true;
    default:
        return false;
    }
}

static char *expr_text(vr_arena_t *a, const vr_sql_expr_t *e)
{
    vr_buf_t b = VR_BUF_INIT;
    char *s;
    vr_sql_format_expr(&b, e);
    s = vr_arena_strdup(a, b.data ? b.data : "");
    vr_buf_free(&b);
    return s;
}

static vr_code_t literal_of(vr_arena_t *a, const vr_sql_expr_t *e, rule_cond_t *c)
{
    if (e->kind == VR_SQL_EXPR_UNARY) {
        /* -5: keep the sign in the text */
        const vr_sql_expr_t *inner = e->unary.expr;
        c->lit_type = inner->lit.type;
        c->lit = vr_arena_printf(a, "-%s", inner->lit.val);
        c->lit_len = strlen(c->lit);
        return VR_OK;
    }
    c->lit_type = e->lit.type;
    c->lit = vr_arena_memdup(a, e->lit.val, e->lit.len + 1);
    c->lit_len = e->lit.len;
    return VR_OK;
}

static bool string_arg(const vr_sql_expr_t *e, const char **out)
{
    if (e->kind != VR_SQL_EXPR_LITERAL || e->lit.type != VR_SQL_LIT_STRING)
        return false;
    *out = e->lit.val;
    return true;
}

/* in_keyrange(col, 'vindex_type', 'range') or in_keyrange('range') */
static vr_code_t compile_in_keyrange(vr_arena_t *a, const vr_sql_expr_t *e, rule_cond_t *c,
                                     vr_error_t *err)
{
    const vr_sql_expr_list_t *args = &e->func.args;
    const char *range = NULL, *vtype = NULL;

    c->kind = COND_KEYRANGE;
    if (args->n == 1) {
        if (!string_arg(args->items[0], &range))
            return vr_errorf(err, VR_UNSUPPORTED,
                             "unsupported: in_keyrange's keyrange must be a string literal: %s",
                             expr_text(a, e));
    } else if (args->n == 3) {
        if (args->items[0]->kind != VR_SQL_EXPR_COLUMN || !string_arg(args->items[1], &vtype) ||
            !string_arg(args->items[2], &range))
            return vr_errorf(err, VR_UNSUPPORTED,
                             "unsupported: in_keyrange takes (column, 'vindex type', 'keyrange') "
                             "or ('keyrange'): %s",
                             expr_text(a, e));
        c->column = args->items[0]->column.name;
        if (vr_vindex_type_parse(vtype, &c->vindex, err) != VR_OK)
            return vr_error_prefix(err, "%s", expr_text(a, e));
        if (!vr_vindex_type_is_functional(c->vindex))
            return vr_errorf(err, VR_UNSUPPORTED,
                             "unsupported: in_keyrange needs a functional vindex, not %s: %s",
                             vtype, expr_text(a, e));
        c->has_vindex = true;
    } else {
        return vr_errorf(err, VR_UNSUPPORTED,
                         "unsupported: in_keyrange takes 1 or 3 arguments: %s", expr_text(a, e));
    }
    if (vr_keyrange_parse(range, &c->kr, err) != VR_OK)
        return vr_error_prefix(err, "%s", expr_text(a, e));
    return VR_OK;
}

static vr_code_t compile_cond(vr_arena_t *a, const vr_sql_expr_t *e, rule_cond_t *c,
                              vr_error_t *err)
{
    memset(c, 0, sizeof(*c));
    if (e->kind == VR_SQL_EXPR_FUNC && strcasecmp(e->func.name, "in_keyrange") == 0)
        return compile_in_keyrange(a, e, c, err);
    if (e->kind == VR_SQL_EXPR_BINARY && is_cmp(e->binary.op)) {
        const vr_sql_expr_t *l = e->binary.left, *r = e->binary.right;
        vr_sql_op_t op = e->binary.op;
        if (l->kind != VR_SQL_EXPR_COLUMN && r->kind == VR_SQL_EXPR_COLUMN) {
            const vr_sql_expr_t *t = l;
            l = r;
            r = t;
            op = flip(op);
        }
        if (l->kind == VR_SQL_EXPR_COLUMN && is_plain_literal(r)) {
            c->kind = COND_CMP;
            c->column = l->column.name;
            c->op = op;
            return literal_of(a, r, c);
        }
    }
    return vr_errorf(err, VR_UNSUPPORTED,
                     "unsupported: where clause '%s' (a stream filter takes column <op> literal "
                     "and in_keyrange(...) joined by and)",
                     expr_text(a, e));
}

static vr_code_t compile_proj(vr_arena_t *a, const vr_sql_select_expr_t *se, rule_proj_t *p,
                              vr_error_t *err)
{
    const vr_sql_expr_t *e = se->expr;
    memset(p, 0, sizeof(*p));
    if (se->kind == VR_SQL_SELECT_STAR) {
        p->kind = PROJ_STAR;
        return VR_OK;
    }
    p->alias = se->alias;
    if (e->kind == VR_SQL_EXPR_COLUMN) {
        p->kind = PROJ_COLUMN;
        p->column = e->column.name;
        return VR_OK;
    }
    if (e->kind == VR_SQL_EXPR_FUNC && strcasecmp(e->func.name, "keyspace_id") == 0 &&
        e->func.args.n == 0) {
        p->kind = PROJ_KSID;
        return VR_OK;
    }
    return vr_errorf(err, VR_UNSUPPORTED,
                     "unsupported: '%s' in the select list (a stream filter selects columns, * "
                     "and keyspace_id())",
                     expr_text(a, e));
}

static vr_code_t check_select_shape(const rule_t *r, const vr_sql_select_t *s, vr_error_t *err)
{
    const vr_sql_table_expr_t *t;
    const char *what = NULL;

    if (s->group_by.n)
        what = "group by";
    else if (s->having)
        what = "having";
    else if (s->order_by.n)
        what = "order by";
    else if (s->limit.count)
        what = "limit";
    else if (s->distinct)
        what = "distinct";
    if (what)
        return vr_errorf(err, VR_UNSUPPORTED, "unsupported: %s in a stream filter", what);
    if (s->from.n != 1 || (t = s->from.items[0])->kind != VR_SQL_TABLE_ALIASED ||
        t->aliased.derived)
        return vr_errorf(err, VR_UNSUPPORTED,
                         "unsupported: a stream filter selects from exactly one table");
    if (!r->is_regex && strcmp(t->aliased.name.name, r->match) != 0)
        return vr_errorf(err, VR_INVALID,
                         "select expression table %s does not match the table entry name %s",
                         t->aliased.name.name, r->match);
    return VR_OK;
}

static vr_code_t compile_select(vr_filter_t *f, rule_t *r, vr_error_t *err)
{
    vr_sql_stmt_t *stmt = NULL;
    vr_sql_expr_list_t conj;
    size_t i;
    vr_code_t rc;

    if ((rc = vr_sql_parse_arena(f->arena, r->filter, strlen(r->filter), &stmt, err)) != VR_OK)
        return rc;
    if (stmt->kind != VR_SQL_STMT_SELECT)
        return vr_errorf(err, VR_UNSUPPORTED, "unsupported: a filter is a keyrange or a select, "
                                              "not a %s statement",
                         vr_sql_stmt_kind_name(stmt->kind));
    if (r->is_regex)
        return vr_errorf(err, VR_UNSUPPORTED,
                         "unsupported: a rule matching /regex/ takes an empty or keyrange filter");
    if ((rc = check_select_shape(r, &stmt->select, err)) != VR_OK)
        return rc;
    r->nproj = stmt->select.exprs.n;
    r->proj = vr_arena_calloc(f->arena, r->nproj * sizeof(*r->proj));
    for (i = 0; i < r->nproj; i++)
        if ((rc = compile_proj(f->arena, stmt->select.exprs.items[i], &r->proj[i], err)) != VR_OK)
            return rc;
    conj = vr_sql_conjuncts(f->arena, stmt->select.where);
    r->nconds = conj.n;
    r->conds = vr_arena_calloc(f->arena, (conj.n ? conj.n : 1) * sizeof(*r->conds));
    for (i = 0; i < conj.n; i++)
        if ((rc = compile_cond(f->arena, conj.items[i], &r->conds[i], err)) != VR_OK)
            return rc;
    r->kind = RULE_SELECT;
    return VR_OK;
}

static vr_code_t compile_match(vr_filter_t *f, rule_t *r, const char *match, vr_error_t *err)
{
    char msg[256];
    int rc;
    size_t n;

    if (!match || !*match)
        return vr_errorf(err, VR_INVALID, "a rule needs a match (a table name or /regex)");
    r->match = vr_arena_strdup(f->arena, match);
    if (match[0] != '/')
        return VR_OK;
    n = strlen(match + 1);
    if (n > 0 && match[n] == '/')
        n--; /* "/t.*" and "/t.*" + "/" mean the same */
    r->is_regex = true;
    rc = regcomp(&r->re, vr_arena_strndup(f->arena, match + 1, n), REG_EXTENDED | REG_NOSUB);
    if (rc != 0) {
        r->is_regex = false;
        regerror(rc, NULL, msg, sizeof(msg));
        return vr_errorf(err, VR_INVALID, "bad regex in match '%s': %s", match, msg);
    }
    return VR_OK;
}

bool vr_filter_is_keyrange(const char *s)
{
    if (!strchr(s, '-'))
        return false;
    for (; *s; s++)
        if (!strchr("0123456789abcdefABCDEF-", *s))
            return false;
    return true;
}

static vr_code_t compile_rule(vr_filter_t *f, rule_t *r, const vr_filter_rule_t *in,
                              vr_error_t *err)
{
    const char *filter = in->filter ? in->filter : "";
    vr_code_t rc;

    if ((rc = compile_match(f, r, in->match, err)) != VR_OK)
        return rc;
    while (*filter == ' ' || *filter == '\t' || *filter == '\n')
        filter++;
    r->filter = vr_arena_strdup(f->arena, filter);
    if (!*filter) {
        r->kind = RULE_ALL;
        return VR_OK;
    }
    if (vr_filter_is_keyrange(filter)) {
        r->kind = RULE_KEYRANGE;
        return vr_keyrange_parse(filter, &r->kr, err);
    }
    return compile_select(f, r, err);
}

vr_code_t vr_filter_new(const vr_filter_rule_t *rules, size_t n, const vr_vschema_t *vschema,
                        vr_filter_t **out, vr_error_t *err)
{
    vr_filter_t *f = vr_xcalloc(1, sizeof(*f));
    size_t i;
    vr_code_t rc = VR_OK;

    *out = NULL;
    f->arena = vr_arena_new(0);
    f->vschema = vschema;
    f->rules = vr_xcalloc(n ? n : 1, sizeof(*f->rules));
    for (i = 0; i < n; i++) {
        f->nrules = i + 1;
        if ((rc = compile_rule(f, &f->rules[i], &rules[i], err)) != VR_OK) {
            vr_error_prefix(err, "filter rule %zu (match %s, filter \"%s\")", i,
                            rules[i].match ? rules[i].match : "", rules[i].filter ? rules[i].filter : "");
            vr_filter_free(f);
            return rc;
        }
    }
    *out = f;
    return VR_OK;
}

vr_code_t vr_filter_new_json(const char *json, const vr_vschema_t *vschema, vr_filter_t **out,
                             vr_error_t *err)
{
    json_error_t jerr;
    json_t *root = json_loads(json, 0, &jerr), *rules;
    vr_filter_rule_t *r = NULL;
    size_t i, n;
    vr_code_t rc = VR_OK;

    *out = NULL;
    if (!root)
        return vr_errorf(err, VR_PARSE, "filter JSON: line %d column %d: %s", jerr.line,
                         jerr.column, jerr.text);
    rules = json_object_get(root, "rules");
    if (!json_is_array(rules)) {
        json_decref(root);
        return vr_errorf(err, VR_INVALID, "filter JSON: rules: must be an array of "
                                          "{\"match\": ..., \"filter\": ...}");
    }
    n = json_array_size(rules);
    r = vr_xcalloc(n ? n : 1, sizeof(*r));
    for (i = 0; i < n && rc == VR_OK; i++) {
        json_t *rule = json_array_get(rules, i);
        json_t *m = json_object_get(rule, "match"), *fl = json_object_get(rule, "filter");
        if (!json_is_string(m) || (fl && !json_is_string(fl) && !json_is_null(fl)))
            rc = vr_errorf(err, VR_INVALID,
                           "filter JSON: rules[%zu]: match must be a string, filter a string", i);
        r[i].match = json_string_value(m);
        r[i].filter = json_is_string(fl) ? json_string_value(fl) : "";
    }
    if (rc == VR_OK)
        rc = vr_filter_new(r, n, vschema, out, err);
    free(r);
    json_decref(root);
    return rc;
}

size_t vr_filter_rule_count(const vr_filter_t *f) { return f->nrules; }

void vr_filter_free(vr_filter_t *f)
{
    size_t i;
    vr_filter_plan_t *p, *next;

    if (!f)
        return;
    for (i = 0; i < f->nrules; i++)
        if (f->rules[i].is_regex)
            regfree(&f->rules[i].re);
    for (p = f->plans; p; p = next) {
        next = p->next;
        vr_filter_plan_free(p);
    }
    free(f->rules);
    vr_arena_free(f->arena);
    free(f);
}

static const rule_t *find_rule(const vr_filter_t *f, const char *table)
{
    size_t i;
    for (i = 0; i < f->nrules; i++) {
        const rule_t *r = &f->rules[i];
        if (r->is_regex ? regexec(&r->re, table, 0, NULL, 0) == 0 : strcmp(r->match, table) == 0)
            return r;
    }
    return NULL;
}

static vr_filter_plan_t **find_plan(vr_filter_plan_t **head, const vr_vtable_t *t)
{
    vr_filter_plan_t **pp;
    for (pp = head; *pp; pp = &(*pp)->next)
        if (strcmp((*pp)->name, t->name) == 0 && strcmp((*pp)->db, t->db ? t->db : "") == 0)
            return pp;
    return pp;
}

vr_code_t vr_filter_plan(vr_filter_t *f, const vr_vtable_t *t, const vr_filter_plan_t **plan,
                         vr_error_t *err)
{
    vr_filter_plan_t **slot = find_plan(&f->plans, t), *p;
    const rule_t *r;
    vr_code_t rc;

    *plan = NULL;
    if (*slot && (*slot)->src_version == t->version) {
        *plan = *slot;
        return VR_OK;
    }
    r = find_rule(f, t->name);
    if (!r)
        return VR_OK;
    if ((rc = vr_filter_build_plan(f, r, t, &p, err)) != VR_OK)
        return vr_error_prefix(err, "table %s", t->name);
    if (*slot) {
        p->next = (*slot)->next;
        vr_filter_plan_free(*slot);
    }
    *slot = p;
    *plan = p;
    return VR_OK;
}
