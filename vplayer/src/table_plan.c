/*
 * table_plan.c - from a stream's filter rules to target table plans and
 * the SQL text of each row change.
 *
 * A rule (match = target table, filter = select from the source table) is
 * compiled once (vp_rules_compile) into
 *   - the source side: a filter filters/ can apply, i.e. the select with
 *     what only the target can do removed: group by and aggregates become
 *     the plain columns they read, and the source's primary key columns
 *     are appended when missing (the copy phase compares them with its
 *     lastpk); the where clause is kept;
 *   - the target side: target columns in select order, each a projected
 *     value, count(*), count(col) or sum(col), and the group key.
 * A plan (vp_tplan_build) binds a compiled rule to the projected table the
 * stream announces (FIELD) and to the target table's key as
 * information_schema has it:
 *   plain   insert into t(cols) values (...),(...)
 *           update t set non-key cols where key = before's key
 *           delete from t where key in (...)
 *           an update that changes the key (or the target's primary
 *           vindex column) is a delete then an insert;
 *   rollup  insert ... on duplicate key update kount=kount+1,
 *           amount=ifnull(amount,0)+ifnull(values(amount),0)
 *           a delete subtracts its image from its group; an update
 *           subtracts before and adds after (one statement when the
 *           group is the same).
 * Plans are immutable once built and used by the applier's thread.
 */
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vplayer_int.h"

/* ---- compiling rules ---------------------------------------------------------- */

static char *fmt_expr(vr_arena_t *a, const vr_sql_expr_t *e)
{
    vr_buf_t b = VR_BUF_INIT;
    char *s;
    vr_sql_format_expr(&b, e);
    s = vr_arena_strdup(a, b.data ? b.data : "");
    vr_buf_free(&b);
    return s;
}

/* Index of a source select item (a column name or "keyspace_id()"), added
 * when new. */
static int src_item(trules_t *rs, trule_t *r, const char *item)
{
    size_t i;
    const char **n;
    for (i = 0; i < r->nitems; i++)
        if (strcasecmp(r->items[i], item) == 0)
            return (int)i;
    n = vr_arena_alloc(rs->arena, (r->nitems + 1) * sizeof(*n));
    if (r->nitems)
        memcpy(n, r->items, r->nitems * sizeof(*n));
    n[r->nitems] = vr_arena_strdup(rs->arena, item);
    r->items = n;
    return (int)r->nitems++;
}

static bool is_func(const vr_sql_expr_t *e, const char *name)
{
    return e->kind == VR_SQL_EXPR_FUNC && strcasecmp(e->func.name, name) == 0;
}

static vr_code_t compile_item(trules_t *rs, trule_t *r, const vr_sql_select_expr_t *se,
                              tcol_t *c, vr_error_t *err)
{
    const vr_sql_expr_t *e = se->expr;
    c->name = se->alias ? se->alias : fmt_expr(rs->arena, e);
    if (e->kind == VR_SQL_EXPR_COLUMN) {
        c->kind = TCOL_VALUE;
        c->name = se->alias ? se->alias : e->column.name;
        c->src = src_item(rs, r, e->column.name);
        return VR_OK;
    }
    if (is_func(e, "keyspace_id") && e->func.args.n == 0) {
        c->kind = TCOL_VALUE;
        c->name = se->alias ? se->alias : "keyspace_id";
        c->src = src_item(rs, r, "keyspace_id()");
        return VR_OK;
    }
    if (is_func(e, "count") && e->func.star && !e->func.distinct) {
        c->kind = TCOL_COUNT_STAR;
        c->src = -1;
        return VR_OK;
    }
    if ((is_func(e, "count") || is_func(e, "sum")) && !e->func.distinct && !e->func.star &&
        e->func.args.n == 1 && e->func.args.items[0]->kind == VR_SQL_EXPR_COLUMN) {
        c->kind = is_func(e, "count") ? TCOL_COUNT : TCOL_SUM;
        c->src = src_item(rs, r, e->func.args.items[0]->column.name);
        return VR_OK;
    }
    return vr_errorf(err, VR_UNSUPPORTED,
                     "unsupported: '%s' in the select list (columns, keyspace_id(), count(*), "
                     "count(col) and sum(col) with group by)",
                     fmt_expr(rs->arena, e));
}

static vr_code_t compile_group_by(trules_t *rs, trule_t *r, const vr_sql_select_t *s,
                                  vr_error_t *err)
{
    size_t i, k;
    r->group_by = vr_arena_calloc(rs->arena, (s->group_by.n + 1) * sizeof(char *));
    for (i = 0; i < s->group_by.n; i++) {
        const vr_sql_expr_t *g = s->group_by.items[i];
        if (g->kind != VR_SQL_EXPR_COLUMN)
            return vr_errorf(err, VR_UNSUPPORTED, "unsupported: group by '%s' (columns only)",
                             fmt_expr(rs->arena, g));
        for (k = 0; k < r->ncols; k++)
            if (r->cols[k].kind == TCOL_VALUE &&
                (strcasecmp(r->items[r->cols[k].src], g->column.name) == 0 ||
                 strcasecmp(r->cols[k].name, g->column.name) == 0))
                break;
        if (k == r->ncols)
            return vr_errorf(err, VR_UNSUPPORTED,
                             "group by column %s must also be selected", g->column.name);
        r->group_by[r->ngroup++] = r->cols[k].name;
    }
    for (k = 0; k < r->ncols; k++) {
        bool in = false;
        if (r->cols[k].kind != TCOL_VALUE)
            continue;
        for (i = 0; i < r->ngroup; i++)
            in = in || strcmp(r->group_by[i], r->cols[k].name) == 0;
        if (!in)
            return vr_errorf(err, VR_UNSUPPORTED,
                             "column %s is selected with aggregates but is not in the group by",
                             r->cols[k].name);
    }
    return VR_OK;
}

static vr_code_t check_shape(const vr_sql_stmt_t *st, vr_error_t *err)
{
    const vr_sql_select_t *s = &st->select;
    const vr_sql_table_expr_t *t;
    if (st->kind != VR_SQL_STMT_SELECT)
        return vr_errorf(err, VR_UNSUPPORTED, "a filter is a keyrange or a select, not a %s",
                         vr_sql_stmt_kind_name(st->kind));
    if (s->having || s->order_by.n || s->limit.count || s->distinct)
        return vr_errorf(err, VR_UNSUPPORTED,
                         "unsupported: having, order by, limit or distinct in a filter");
    if (s->from.n != 1 || (t = s->from.items[0])->kind != VR_SQL_TABLE_ALIASED ||
        t->aliased.derived)
        return vr_errorf(err, VR_UNSUPPORTED, "a filter selects from exactly one table");
    return VR_OK;
}

static vr_code_t compile_select(trules_t *rs, trule_t *r, vr_error_t *err)
{
    vr_sql_stmt_t *st = NULL;
    const vr_sql_select_t *s;
    bool aggregates = false;
    size_t i;
    vr_code_t rc;
    if ((rc = vr_sql_parse_arena(rs->arena, r->filter, strlen(r->filter), &st, err)) != VR_OK ||
        (rc = check_shape(st, err)) != VR_OK)
        return rc;
    s = &st->select;
    r->source = s->from.items[0]->aliased.name.name;
    r->where = s->where ? fmt_expr(rs->arena, s->where) : NULL;
    if (s->exprs.n == 1 && s->exprs.items[0]->kind == VR_SQL_SELECT_STAR && !s->group_by.n) {
        r->star = true;
        return VR_OK;
    }
    r->cols = vr_arena_calloc(rs->arena, s->exprs.n * sizeof(*r->cols));
    for (i = 0; i < s->exprs.n; i++) {
        if (s->exprs.items[i]->kind == VR_SQL_SELECT_STAR)
            return vr_errorf(err, VR_UNSUPPORTED,
                             "unsupported: * together with other select expressions");
        if ((rc = compile_item(rs, r, s->exprs.items[i], &r->cols[i], err)) != VR_OK)
            return rc;
        aggregates = aggregates || r->cols[i].kind != TCOL_VALUE;
        r->ncols++;
    }
    if (aggregates && !s->group_by.n)
        return vr_errorf(err, VR_UNSUPPORTED, "unsupported: count/sum without group by");
    if (s->group_by.n && !aggregates)
        return vr_errorf(err, VR_UNSUPPORTED, "unsupported: group by without count/sum");
    r->rollup = aggregates;
    return aggregates ? compile_group_by(rs, r, s, err) : VR_OK;
}

static vr_code_t compile_rule(trules_t *rs, trule_t *r, const vr_filter_rule_t *in,
                              vr_error_t *err)
{
    const char *f = in->filter ? in->filter : "";
    while (*f == ' ' || *f == '\t' || *f == '\n')
        f++;
    r->match = vr_arena_strdup(rs->arena, in->match);
    r->filter = vr_arena_strdup(rs->arena, f);
    r->source_match = r->match;
    r->source_filter = r->filter;
    if (in->match[0] == '/') {
        size_t n = strlen(in->match + 1);
        char *pat = vr_xstrndup(in->match + 1, n > 0 && in->match[n] == '/' ? n - 1 : n);
        int rc = regcomp(&r->re, pat, REG_EXTENDED | REG_NOSUB);
        free(pat);
        if (rc != 0)
            return vr_errorf(err, VR_INVALID, "bad regex in match '%s'", in->match);
        r->is_regex = true;
        if (*f && !vr_filter_is_keyrange(f))
            return vr_errorf(err, VR_UNSUPPORTED,
                             "a rule matching /regex takes an empty or keyrange filter");
        r->star = true;
        return VR_OK;
    }
    r->target = r->match;
    if (!*f || vr_filter_is_keyrange(f)) {
        r->source = r->match;
        r->star = true;
        return VR_OK;
    }
    return compile_select(rs, r, err);
}

vr_code_t vp_rules_compile(trules_t *rs, const vr_binlog_source_t *bs, vr_error_t *err)
{
    size_t i, j;
    vr_code_t rc;
    memset(rs, 0, sizeof(*rs));
    rs->arena = vr_arena_new(0);
    rs->cap = bs->nrules + 1;
    rs->r = vr_arena_calloc(rs->arena, rs->cap * sizeof(*rs->r));
    for (i = 0; i < bs->nrules; i++) {
        if ((rc = compile_rule(rs, &rs->r[i], &bs->rules[i], err)) != VR_OK)
            goto fail;
        rs->n++;
        for (j = 0; j < i; j++) {
            const trule_t *a = &rs->r[j], *b = &rs->r[i];
            if (a->source && b->source && strcmp(a->source, b->source) == 0) {
                rc = vr_errorf(err, VR_UNSUPPORTED, "more than one target for source table %s",
                               b->source);
                goto fail;
            }
        }
        if (!rs->r[i].is_regex)
            rs->r[i].source_match = rs->r[i].source; /* filters/ matches source names */
    }
    return VR_OK;
fail:
    vr_error_prefix(err, "rule %zu (match %s, filter \"%s\")", i, bs->rules[i].match,
                    bs->rules[i].filter ? bs->rules[i].filter : "");
    vp_rules_free(rs);
    return rc;
}

void vp_rules_free(trules_t *rs)
{
    size_t i;
    if (!rs)
        return;
    for (i = 0; rs->r && i <= rs->n && i < rs->cap; i++)
        if (rs->r[i].is_regex)
            regfree(&rs->r[i].re);
    vr_arena_free(rs->arena);
    memset(rs, 0, sizeof(*rs));
}

void vp_rule_finalize(trules_t *rs, trule_t *r, const char *const *pk, size_t npk)
{
    vr_buf_t b = VR_BUF_INIT;
    size_t i;
    if (r->star)
        return;
    r->src_pk = vr_arena_calloc(rs->arena, (npk + 1) * sizeof(int));
    for (i = 0; i < npk; i++)
        r->src_pk[i] = src_item(rs, r, pk[i]);
    r->nsrc_pk = npk;
    vr_buf_puts(&b, "select ");
    for (i = 0; i < r->nitems; i++) {
        if (i)
            vr_buf_puts(&b, ", ");
        if (strcmp(r->items[i], "keyspace_id()") == 0)
            vr_buf_puts(&b, r->items[i]);
        else
            vr_sql_format_ident(&b, r->items[i]);
    }
    vr_buf_puts(&b, " from ");
    vr_sql_format_ident(&b, r->source);
    if (r->where) {
        vr_buf_puts(&b, " where ");
        vr_buf_puts(&b, r->where);
    }
    r->source_filter = vr_arena_strdup(rs->arena, b.data);
    vr_buf_free(&b);
}

vr_filter_rule_t *vp_rules_source(trules_t *rs, size_t *n)
{
    vr_filter_rule_t *out = vr_arena_calloc(rs->arena, (rs->n + 1) * sizeof(*out));
    size_t i;
    for (i = 0; i < rs->n; i++) {
        out[i].match = rs->r[i].source_match;
        out[i].filter = rs->r[i].source_filter;
    }
    *n = rs->n;
    return out;
}

static bool regex_matches(const trule_t *r, const char *name)
{
    return regexec(&r->re, name, 0, NULL, 0) == 0;
}

const trule_t *vp_rule_for_source(const trules_t *rs, const char *source)
{
    size_t i;
    for (i = 0; i < rs->n; i++) {
        const trule_t *r = &rs->r[i];
        if (r->is_regex ? regex_matches(r, source) : strcmp(r->source, source) == 0)
            return r;
    }
    return NULL;
}

const trule_t *vp_rule_for_target(const trules_t *rs, const char *target)
{
    size_t i;
    for (i = 0; i < rs->n; i++) {
        const trule_t *r = &rs->r[i];
        if (r->is_regex ? regex_matches(r, target) : strcmp(r->target, target) == 0)
            return r;
    }
    return NULL;
}

const char *vp_rule_target_name(const trule_t *r, const char *source)
{
    return r->is_regex ? source : r->target;
}

/* ---- target tables --------------------------------------------------------------- */

static vr_code_t load_names(MYSQL *c, const char *sql, vr_arena_t *a, const char ***out,
                            size_t *n, vr_error_t *err)
{
    MYSQL_RES *res;
    MYSQL_ROW row;
    vr_code_t rc = vp_query(c, sql, &res, err);
    *out = NULL;
    *n = 0;
    if (rc != VR_OK)
        return rc;
    *out = vr_arena_calloc(a, (mysql_num_rows(res) + 1) * sizeof(char *));
    while ((row = mysql_fetch_row(res)))
        (*out)[(*n)++] = vr_arena_strdup(a, row[0] ? row[0] : "");
    mysql_free_result(res);
    return VR_OK;
}

vr_code_t vp_ttable_load(MYSQL *c, const char *db, const char *name, vr_arena_t *a,
                         ttable_t **out, vr_error_t *err)
{
    ttable_t *t = vr_arena_calloc(a, sizeof(*t));
    vr_buf_t q = VR_BUF_INIT, where = VR_BUF_INIT;
    vr_code_t rc;
    *out = NULL;
    t->db = vr_arena_strdup(a, db);
    t->name = vr_arena_strdup(a, name);
    vr_buf_puts(&where, " where TABLE_SCHEMA=");
    vp_put_string(&where, db);
    vr_buf_puts(&where, " and TABLE_NAME=");
    vp_put_string(&where, name);
    vr_buf_printf(&q, "select COLUMN_NAME from information_schema.COLUMNS%s "
                      "order by ORDINAL_POSITION", where.data);
    if ((rc = load_names(c, q.data, a, &t->cols, &t->ncols, err)) != VR_OK)
        goto out;
    if (t->ncols == 0) {
        rc = vr_errorf(err, VR_NOT_FOUND, "target table %s.%s does not exist", db, name);
        goto out;
    }
    /* the primary key, else the first unique key of NOT NULL columns */
    vr_buf_reset(&q);
    vr_buf_printf(&q, "select s.COLUMN_NAME from information_schema.STATISTICS s%s and "
                      "s.INDEX_NAME=(select INDEX_NAME from information_schema.STATISTICS%s and "
                      "NON_UNIQUE=0 group by INDEX_NAME having sum(NULLABLE='YES')=0 order by "
                      "INDEX_NAME<>'PRIMARY', INDEX_NAME limit 1) order by s.SEQ_IN_INDEX",
                  where.data, where.data);
    if ((rc = load_names(c, q.data, a, &t->key, &t->nkey, err)) != VR_OK)
        goto out;
    if (t->nkey == 0)
        rc = vr_errorf(err, VR_UNSUPPORTED, "target table %s.%s has no primary key (nor a "
                       "unique key of NOT NULL columns)", db, name);
out:
    vr_buf_free(&q);
    vr_buf_free(&where);
    if (rc == VR_OK)
        *out = t;
    return rc;
}

/* ---- charsets ----------------------------------------------------------------------- */

vr_code_t vp_charsets_load(MYSQL *c, vp_charsets_t **out, vr_error_t *err)
{
    vp_charsets_t *cs = vr_xcalloc(1, sizeof(*cs));
    MYSQL_RES *res;
    MYSQL_ROW row;
    vr_code_t rc;
    *out = NULL;
    cs->arena = vr_arena_new(0);
    rc = vp_query(c, "select ID, CHARACTER_SET_NAME, COLLATION_NAME from "
                     "information_schema.COLLATIONS where ID is not null", &res, err);
    if (rc != VR_OK) {
        vp_charsets_free(cs);
        return rc;
    }
    while ((row = mysql_fetch_row(res))) {
        unsigned long id = row[0] ? strtoul(row[0], NULL, 10) : 0;
        if (id >= VR_ARRAY_LEN(cs->name) || !row[1] || !row[2])
            continue;
        cs->name[id] = vr_arena_strdup(cs->arena, row[1]);
        cs->collation[id] = vr_arena_strdup(cs->arena, row[2]);
    }
    mysql_free_result(res);
    *out = cs;
    return VR_OK;
}

void vp_charsets_free(vp_charsets_t *cs)
{
    if (!cs)
        return;
    vr_arena_free(cs->arena);
    free(cs);
}

static bool all_ascii(const char *s, size_t n)
{
    size_t i;
    for (i = 0; i < n; i++)
        if ((unsigned char)s[i] >= 0x80)
            return false;
    return true;
}

static void put_int(vr_buf_t *b, uint64_t u, bool neg)
{
    char d[24];
    int i = (int)sizeof(d);
    do {
        d[--i] = (char)('0' + u % 10);
        u /= 10;
    } while (u);
    if (neg)
        d[--i] = '-';
    vr_buf_append(b, d + i, sizeof(d) - (size_t)i);
}

/* The hot path of copy and apply: literals without a temporary buffer. */
void vp_put_value(vr_buf_t *b, const vr_value_t *v, const vp_charsets_t *cs)
{
    const char *name;
    if (v->is_null) {
        vr_buf_puts(b, "NULL");
        return;
    }
    if (vr_type_is_signed(v->type) && v->type != VR_TYPE_YEAR) {
        put_int(b, v->v.i < 0 ? -(uint64_t)v->v.i : (uint64_t)v->v.i, v->v.i < 0);
        return;
    }
    if (vr_type_is_unsigned(v->type)) {
        put_int(b, v->v.u, false);
        return;
    }
    if ((v->type == VR_TYPE_ENUM || v->type == VR_TYPE_SET) && !v->s) {
        put_int(b, v->v.u, false); /* index / bit mask */
        return;
    }
    if (vr_type_is_binary(v->type) || v->charset == VR_CHARSET_BINARY) {
        vr_value_append_sql(b, v); /* X'..' */
        return;
    }
    if (vr_type_is_text(v->type) || v->type == VR_TYPE_ENUM || v->type == VR_TYPE_SET ||
        v->type == VR_TYPE_JSON) {
        if (cs && v->charset && v->charset < VR_ARRAY_LEN(cs->name) &&
            (name = cs->name[v->charset]) && strncmp(name, "utf8", 4) != 0 &&
            !all_ascii(v->s, v->len)) {
            vr_buf_printf(b, "_%s X'", name);
            vr_buf_put_hex(b, (const uint8_t *)v->s, v->len);
            vr_buf_putc(b, '\'');
            return;
        }
        vr_buf_put_sql_string(b, v->s ? v->s : "", v->len);
        return;
    }
    if (v->type == VR_TYPE_DECIMAL) {
        vr_buf_append(b, v->s, v->len);
        return;
    }
    vr_value_append_sql(b, v);
}

/* ---- plans ------------------------------------------------------------------------- */

static int find_col(const tplan_t *p, const char *name)
{
    size_t i;
    for (i = 0; i < p->ncols; i++)
        if (strcasecmp(p->cols[i].name, name) == 0)
            return (int)i;
    return -1;
}

static void build_cols(tplan_t *p, const trule_t *r, const vr_vtable_t *proj)
{
    uint32_t i;
    if (!r->star) {
        p->cols = vr_arena_memdup(p->arena, r->cols, r->ncols * sizeof(*r->cols));
        p->ncols = r->ncols;
        for (i = 0; i < p->ncols; i++)
            p->cols[i].name = vr_arena_strdup(p->arena, p->cols[i].name);
        return;
    }
    p->cols = vr_arena_calloc(p->arena, (proj->nfields + 1) * sizeof(*p->cols));
    for (i = 0; i < proj->nfields; i++) {
        p->cols[i].name = vr_arena_strdup(p->arena, proj->fields[i].name);
        p->cols[i].kind = TCOL_VALUE;
        p->cols[i].src = (int)i;
    }
    p->ncols = proj->nfields;
}

static vr_code_t bind_key(tplan_t *p, const ttable_t *tt, vr_error_t *err)
{
    size_t i;
    p->key = vr_arena_calloc(p->arena, (tt->nkey + 1) * sizeof(int));
    p->moves = vr_arena_calloc(p->arena, (p->ncols + 1) * sizeof(bool));
    for (i = 0; i < tt->nkey; i++) {
        int k = find_col(p, tt->key[i]);
        if (k < 0 || p->cols[k].kind != TCOL_VALUE)
            return vr_errorf(err, VR_INVALID,
                             "target table %s.%s: key column %s is not a plain column of the "
                             "filter's select",
                             tt->db, tt->name, tt->key[i]);
        p->key[i] = k;
        p->moves[k] = true;
    }
    p->nkey = tt->nkey;
    if (p->rule->rollup && p->rule->ngroup != p->nkey)
        return vr_errorf(err, VR_INVALID,
                         "target table %s.%s: a rollup's key must be its group by columns "
                         "(%zu key columns, %zu group by columns)",
                         tt->db, tt->name, p->nkey, p->rule->ngroup);
    for (i = 0; i < p->ncols; i++)
        p->any_set = p->any_set || !p->moves[i];
    return VR_OK;
}

static void bind_vindex(tplan_t *p, const vr_vschema_t *tvs)
{
    const vr_vschema_colvindex_t *cv = tvs ? vr_vschema_primary_vindex(tvs, p->target) : NULL;
    size_t i;
    int k;
    for (i = 0; cv && i < cv->ncolumns; i++)
        if ((k = find_col(p, cv->columns[i])) >= 0 && p->cols[k].kind == TCOL_VALUE)
            p->moves[k] = true;
}

static void build_sql_parts(tplan_t *p)
{
    vr_buf_t b = VR_BUF_INIT;
    size_t i;
    bool first = true;
    vr_buf_puts(&b, "insert into ");
    vr_sql_format_ident(&b, p->target);
    vr_buf_putc(&b, '(');
    for (i = 0; i < p->ncols; i++) {
        if (i)
            vr_buf_putc(&b, ',');
        vr_sql_format_ident(&b, p->cols[i].name);
    }
    vr_buf_puts(&b, ") values ");
    p->insert_head = vr_arena_strdup(p->arena, b.data);
    if (!p->rule->rollup) {
        vr_buf_free(&b);
        return;
    }
    vr_buf_reset(&b);
    vr_buf_puts(&b, " on duplicate key update ");
    for (i = 0; i < p->ncols; i++) {
        const char *c = p->cols[i].name;
        if (p->cols[i].kind == TCOL_VALUE)
            continue;
        if (!first)
            vr_buf_puts(&b, ", ");
        first = false;
        vr_sql_format_ident(&b, c);
        vr_buf_putc(&b, '=');
        if (p->cols[i].kind == TCOL_COUNT_STAR) {
            vr_sql_format_ident(&b, c);
            vr_buf_puts(&b, "+1");
        } else {
            vr_buf_puts(&b, "ifnull(");
            vr_sql_format_ident(&b, c);
            vr_buf_puts(&b, ",0)+ifnull(values(");
            vr_sql_format_ident(&b, c);
            vr_buf_puts(&b, "),0)");
        }
    }
    p->ondup = vr_arena_strdup(p->arena, b.data);
    vr_buf_free(&b);
}

static void bind_src_pk(tplan_t *p, const trule_t *r, const vr_vtable_t *proj)
{
    int *pk;
    uint32_t i;
    if (!r->star) {
        p->src_pk = r->nsrc_pk ? r->src_pk : NULL;
        p->nsrc_pk = r->nsrc_pk;
        return;
    }
    if (!proj->npk)
        return;
    pk = vr_arena_calloc(p->arena, proj->npk * sizeof(int));
    for (i = 0; i < proj->npk; i++)
        pk[i] = (int)proj->pk[i];
    p->src_pk = pk;
    p->nsrc_pk = proj->npk;
}

vr_code_t vp_tplan_build(const trule_t *r, const vr_vtable_t *proj, const ttable_t *tt,
                         const vr_vschema_t *tvs, tplan_t **out, vr_error_t *err)
{
    tplan_t *p = vr_xcalloc(1, sizeof(*p));
    size_t i;
    vr_code_t rc = VR_OK;
    *out = NULL;
    p->arena = vr_arena_new(0);
    p->rule = r;
    p->source = vr_arena_strdup(p->arena, proj->name);
    p->target = vr_arena_strdup(p->arena, tt->name);
    p->db = vr_arena_strdup(p->arena, tt->db);
    p->nfields = proj->nfields;
    build_cols(p, r, proj);
    for (i = 0; i < p->ncols; i++)
        if (p->cols[i].src >= (int)proj->nfields) {
            rc = vr_errorf(err, VR_INTERNAL, "column %s: projected field %d of %u",
                           p->cols[i].name, p->cols[i].src, proj->nfields);
            goto out;
        }
    if ((rc = bind_key(p, tt, err)) != VR_OK)
        goto out;
    bind_vindex(p, tvs);
    bind_src_pk(p, r, proj);
    build_sql_parts(p);
out:
    if (rc != VR_OK) {
        vp_tplan_free(p);
        return rc;
    }
    *out = p;
    return VR_OK;
}

void vp_tplan_free(tplan_t *p)
{
    if (!p)
        return;
    vr_arena_free(p->arena);
    free(p);
}

/* ---- SQL of row changes --------------------------------------------------------------- */

static bool same_value(const vr_value_t *a, const vr_value_t *b)
{
    vr_buf_t x = VR_BUF_INIT, y = VR_BUF_INIT;
    bool same;
    if (a->is_null || b->is_null)
        return a->is_null == b->is_null;
    if (vr_type_is_signed(a->type) && vr_type_is_signed(b->type))
        return a->v.i == b->v.i;
    if (vr_type_is_unsigned(a->type) && vr_type_is_unsigned(b->type))
        return a->v.u == b->v.u;
    vr_value_append_text(&x, a);
    vr_value_append_text(&y, b);
    same = x.len == y.len && (x.len == 0 || memcmp(x.data, y.data, x.len) == 0);
    vr_buf_free(&x);
    vr_buf_free(&y);
    return same;
}

bool vp_tplan_moves(const tplan_t *p, const vr_value_t *before, const vr_value_t *after)
{
    size_t i;
    for (i = 0; i < p->ncols; i++)
        if (p->moves[i] && !same_value(&before[p->cols[i].src], &after[p->cols[i].src]))
            return true;
    return false;
}

bool vp_tplan_same_group(const tplan_t *p, const vr_value_t *before, const vr_value_t *after)
{
    size_t i;
    for (i = 0; i < p->nkey; i++) {
        int s = p->cols[p->key[i]].src;
        if (!same_value(&before[s], &after[s]))
            return false;
    }
    return true;
}

void vp_sql_values(const tplan_t *p, const vr_value_t *row, const vp_charsets_t *cs, vr_buf_t *b)
{
    size_t i;
    vr_buf_putc(b, '(');
    for (i = 0; i < p->ncols; i++) {
        const tcol_t *c = &p->cols[i];
        if (i)
            vr_buf_putc(b, ',');
        switch (c->kind) {
        case TCOL_VALUE:
        case TCOL_SUM:
            vp_put_value(b, &row[c->src], cs);
            break;
        case TCOL_COUNT_STAR:
            vr_buf_putc(b, '1');
            break;
        case TCOL_COUNT:
            vr_buf_putc(b, row[c->src].is_null ? '0' : '1');
            break;
        }
    }
    vr_buf_putc(b, ')');
}

void vp_sql_key_cond(const tplan_t *p, const vr_value_t *row, const vp_charsets_t *cs,
                     vr_buf_t *b)
{
    size_t i;
    for (i = 0; i < p->nkey; i++) {
        const tcol_t *c = &p->cols[p->key[i]];
        if (i)
            vr_buf_puts(b, " and ");
        vr_sql_format_ident(b, c->name);
        vr_buf_putc(b, '=');
        vp_put_value(b, &row[c->src], cs);
    }
}

void vp_sql_update(const tplan_t *p, const vr_value_t *before, const vr_value_t *after,
                   const vp_charsets_t *cs, vr_buf_t *b)
{
    size_t i;
    bool first = true;
    vr_buf_puts(b, "update ");
    vr_sql_format_ident(b, p->target);
    vr_buf_puts(b, " set ");
    for (i = 0; i < p->ncols; i++) {
        if (p->moves[i])
            continue;
        if (!first)
            vr_buf_putc(b, ',');
        first = false;
        vr_sql_format_ident(b, p->cols[i].name);
        vr_buf_putc(b, '=');
        vp_put_value(b, &after[p->cols[i].src], cs);
    }
    vr_buf_puts(b, " where ");
    vp_sql_key_cond(p, before, cs, b);
}

/* "-5", "+(-5)": a signed term of a sum */
static void put_term(vr_buf_t *b, char op, const vr_value_t *v, const vp_charsets_t *cs)
{
    vr_buf_t t = VR_BUF_INIT;
    vp_put_value(&t, v, cs);
    vr_buf_putc(b, op);
    if (t.data[0] == '-')
        vr_buf_printf(b, "(%s)", t.data);
    else
        vr_buf_puts(b, t.data);
    vr_buf_free(&t);
}

/* "c=c-1", "c=ifnull(c,0)-ifnull(v,0)+ifnull(w,0)" ...; false when the
 * column does not change */
static bool rollup_set(const tcol_t *c, const vr_value_t *before, const vr_value_t *after,
                       const vp_charsets_t *cs, vr_buf_t *b)
{
    int delta = 0;
    if (c->kind == TCOL_COUNT_STAR || c->kind == TCOL_COUNT) {
        if (before)
            delta -= c->kind == TCOL_COUNT_STAR || !before[c->src].is_null;
        if (after)
            delta += c->kind == TCOL_COUNT_STAR || !after[c->src].is_null;
        if (delta == 0)
            return false;
        vr_sql_format_ident(b, c->name);
        vr_buf_putc(b, '=');
        vr_sql_format_ident(b, c->name);
        vr_buf_printf(b, "%+d", delta);
        return true;
    }
    if ((!before || before[c->src].is_null) && (!after || after[c->src].is_null))
        return false;
    if (before && after && same_value(&before[c->src], &after[c->src]))
        return false;
    vr_sql_format_ident(b, c->name);
    vr_buf_puts(b, "=ifnull(");
    vr_sql_format_ident(b, c->name);
    vr_buf_puts(b, ",0)");
    if (before && !before[c->src].is_null)
        put_term(b, '-', &before[c->src], cs);
    if (after && !after[c->src].is_null)
        put_term(b, '+', &after[c->src], cs);
    return true;
}

void vp_sql_rollup_update(const tplan_t *p, const vr_value_t *before, const vr_value_t *after,
                          const vp_charsets_t *cs, vr_buf_t *b)
{
    size_t i, start = b->len;
    bool any = false;
    vr_buf_puts(b, "update ");
    vr_sql_format_ident(b, p->target);
    vr_buf_puts(b, " set ");
    for (i = 0; i < p->ncols; i++) {
        size_t mark = b->len;
        if (p->cols[i].kind == TCOL_VALUE)
            continue;
        if (any)
            vr_buf_puts(b, ", ");
        if (rollup_set(&p->cols[i], before, after, cs, b))
            any = true;
        else
            b->len = mark;
    }
    if (!any) {
        b->len = start;
        if (b->data)
            b->data[start] = '\0';
        return;
    }
    vr_buf_puts(b, " where ");
    vp_sql_key_cond(p, before ? before : after, cs, b);
}
