/*
 * plan.c - table plans: a compiled rule bound to one table's fields, and
 * the evaluation of row images against it.
 *
 * Building resolves every column name to a field index (an unknown column
 * is an error naming it), expands `*`, and finds the primary vindex when
 * keyspace_id() or a keyrange needs it.  Evaluation is allocation-free
 * except for keyspace_id() values, which go to the caller's arena; the
 * keyspace ID is computed at most once per row.
 *
 * Comparison semantics (col <op> literal): numeric columns compare
 * numerically (integers exactly, others as double); every other type
 * compares its MySQL text form bytewise with the literal (so a string
 * comparison is case-sensitive, unlike a _ci collation).  A NULL column
 * never passes, as in SQL.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "filter_int.h"
#include "vr_common.h"

void vr_filter_plan_free(vr_filter_plan_t *p)
{
    if (!p)
        return;
    vr_buf_free(&p->scratch);
    vr_arena_free(p->arena);
    free(p);
}

static int find_field(const vr_vtable_t *t, const char *name)
{
    uint32_t i;
    for (i = 0; i < t->nfields; i++)
        if (strcasecmp(t->fields[i].name, name) == 0)
            return (int)i;
    return -1;
}

static vr_code_t need_field(const vr_vtable_t *t, const char *name, uint32_t *idx,
                            vr_error_t *err)
{
    int i = find_field(t, name);
    if (i < 0)
        return vr_errorf(err, VR_NOT_FOUND, "column %s not found in table %s", name, t->name);
    *idx = (uint32_t)i;
    return VR_OK;
}

/* The primary vindex (column index and type) from the VSchema. */
static vr_code_t primary_vindex(const vr_filter_t *f, const vr_vtable_t *t, const char *why,
                                uint32_t *col, vr_vindex_type_t *type, vr_error_t *err)
{
    const vr_vschema_colvindex_t *cv;

    if (!f->vschema)
        return vr_errorf(err, VR_INVALID, "%s needs the keyspace's VSchema, and none was given",
                         why);
    cv = vr_vschema_primary_vindex(f->vschema, t->name);
    if (!cv)
        return vr_errorf(err, VR_INVALID,
                         "%s needs a primary vindex, and table %s has none in keyspace %s's "
                         "VSchema",
                         why, t->name, vr_vschema_keyspace(f->vschema));
    if (cv->ncolumns != 1)
        return vr_errorf(err, VR_UNSUPPORTED, "%s: multi-column vindex %s is not supported", why,
                         cv->name);
    if (!vr_vindex_type_is_functional(cv->vindex->type))
        return vr_errorf(err, VR_UNSUPPORTED,
                         "%s: primary vindex %s of table %s is a lookup vindex", why, cv->name,
                         t->name);
    *type = cv->vindex->type;
    return need_field(t, cv->columns[0], col, err);
}

/* Projected table: fields + pk mapping, in the plan's arena. */
static void add_field(vr_filter_plan_t *p, vr_vfield_t *fields, int32_t src,
                      const vr_vfield_t *from, const char *alias)
{
    uint32_t n = p->table.nfields++;
    if (from) {
        fields[n] = *from;
        fields[n].name = vr_arena_strdup(p->arena, alias ? alias : from->name);
    } else {
        memset(&fields[n], 0, sizeof(fields[n]));
        fields[n].name = vr_arena_strdup(p->arena, alias ? alias : "keyspace_id");
        fields[n].type = VR_TYPE_VARBINARY;
        fields[n].charset = VR_CHARSET_BINARY;
        fields[n].flags = VR_FIELD_BINARY;
        fields[n].length = VR_KEYSPACE_ID_MAX;
    }
    p->src[n] = src;
}

static vr_code_t build_projection(vr_filter_t *f, const rule_t *r, const vr_vtable_t *t,
                                  vr_filter_plan_t *p, vr_error_t *err)
{
    size_t cap = 0, i;
    vr_vfield_t *fields;
    vr_code_t rc;

    if (r->kind != RULE_SELECT) {
        cap = t->nfields;
    } else {
        for (i = 0; i < r->nproj; i++)
            cap += r->proj[i].kind == PROJ_STAR ? t->nfields : 1;
    }
    fields = vr_arena_calloc(p->arena, (cap ? cap : 1) * sizeof(*fields));
    p->src = vr_arena_calloc(p->arena, (cap ? cap : 1) * sizeof(*p->src));
    p->table.fields = fields;
    if (r->kind != RULE_SELECT) {
        for (i = 0; i < t->nfields; i++)
            add_field(p, fields, (int32_t)i, &t->fields[i], NULL);
        return VR_OK;
    }
    for (i = 0; i < r->nproj; i++) {
        const rule_proj_t *pr = &r->proj[i];
        uint32_t idx, j;
        if (pr->kind == PROJ_STAR) {
            for (j = 0; j < t->nfields; j++)
                add_field(p, fields, (int32_t)j, &t->fields[j], NULL);
        } else if (pr->kind == PROJ_COLUMN) {
            if ((rc = need_field(t, pr->column, &idx, err)) != VR_OK)
                return rc;
            add_field(p, fields, (int32_t)idx, &t->fields[idx], pr->alias);
        } else {
            if (!p->need_ksid &&
                (rc = primary_vindex(f, t, "keyspace_id()", &p->ksid_col, &p->ksid_vindex, err)) !=
                    VR_OK)
                return rc;
            p->need_ksid = true;
            add_field(p, fields, -1, NULL, pr->alias);
        }
    }
    return VR_OK;
}

/* pk of the projection: every source pk column must be selected */
static void map_pk(const vr_vtable_t *t, vr_filter_plan_t *p)
{
    uint32_t *pk = vr_arena_calloc(p->arena, (t->npk ? t->npk : 1) * sizeof(uint32_t));
    uint32_t i, j;
    for (i = 0; i < t->npk; i++) {
        for (j = 0; j < p->table.nfields; j++)
            if (p->src[j] == (int32_t)t->pk[i])
                break;
        if (j == p->table.nfields)
            return; /* not all selected: no pk */
        pk[i] = j;
    }
    p->table.pk = pk;
    p->table.npk = t->npk;
}

static vr_code_t build_conds(vr_filter_t *f, const rule_t *r, const vr_vtable_t *t,
                             vr_filter_plan_t *p, vr_error_t *err)
{
    size_t i, n = r->kind == RULE_KEYRANGE ? 1 : r->kind == RULE_SELECT ? r->nconds : 0;
    vr_code_t rc;

    p->conds = vr_arena_calloc(p->arena, (n ? n : 1) * sizeof(*p->conds));
    p->nconds = n;
    if (r->kind == RULE_KEYRANGE) {
        p->conds[0].kind = COND_KEYRANGE;
        p->conds[0].kr = r->kr;
        return primary_vindex(f, t, "keyrange filter", &p->conds[0].col, &p->conds[0].vindex, err);
    }
    for (i = 0; i < n; i++) {
        const rule_cond_t *c = &r->conds[i];
        plan_cond_t *pc = &p->conds[i];
        pc->kind = c->kind;
        pc->op = c->op;
        pc->lit_type = c->lit_type;
        pc->lit = c->lit;
        pc->lit_len = c->lit_len;
        pc->kr = c->kr;
        pc->vindex = c->vindex;
        if (c->kind == COND_KEYRANGE && !c->has_vindex)
            rc = primary_vindex(f, t, "in_keyrange('range')", &pc->col, &pc->vindex, err);
        else
            rc = need_field(t, c->column, &pc->col, err);
        if (rc != VR_OK)
            return rc;
    }
    return VR_OK;
}

vr_code_t vr_filter_build_plan(vr_filter_t *f, const rule_t *r, const vr_vtable_t *t,
                               vr_filter_plan_t **out, vr_error_t *err)
{
    vr_filter_plan_t *p = vr_xcalloc(1, sizeof(*p));
    vr_code_t rc;

    p->arena = vr_arena_new(0);
    p->rule = r;
    p->src_version = t->version;
    p->db = vr_arena_strdup(p->arena, t->db ? t->db : "");
    p->name = vr_arena_strdup(p->arena, t->name);
    p->table.db = p->db;
    p->table.name = p->name;
    p->table.version = t->version;
    if ((rc = build_projection(f, r, t, p, err)) != VR_OK ||
        (rc = build_conds(f, r, t, p, err)) != VR_OK) {
        vr_filter_plan_free(p);
        return rc;
    }
    map_pk(t, p);
    *out = p;
    return VR_OK;
}

const vr_vtable_t *vr_filter_plan_table(const vr_filter_plan_t *p) { return &p->table; }

/* ---- evaluation ---------------------------------------------------------- */

static int cmp_result(int c, vr_sql_op_t op)
{
    switch (op) {
    case VR_SQL_OP_EQ: return c == 0;
    case VR_SQL_OP_NE: return c != 0;
    case VR_SQL_OP_LT: return c < 0;
    case VR_SQL_OP_LE: return c <= 0;
    case VR_SQL_OP_GT: return c > 0;
    case VR_SQL_OP_GE: return c >= 0;
    default: return 0;
    }
}

static bool numeric_type(vr_type_t t)
{
    return vr_type_is_signed(t) || vr_type_is_unsigned(t) || vr_type_is_float(t) ||
           t == VR_TYPE_DECIMAL;
}

/* -1/0/1 of value vs literal, numerically */
static int cmp_numeric(const vr_value_t *v, const plan_cond_t *c)
{
    char *end;
    if (c->lit_type == VR_SQL_LIT_INT && (vr_type_is_signed(v->type) || vr_type_is_unsigned(v->type))) {
        errno = 0;
        if (c->lit[0] == '-') {
            long long l = strtoll(c->lit, &end, 10);
            if (vr_type_is_unsigned(v->type))
                return 1; /* any unsigned > a negative literal */
            if (errno == 0)
                return v->v.i < l ? -1 : v->v.i > l;
        } else {
            unsigned long long u = strtoull(c->lit, &end, 10);
            if (vr_type_is_unsigned(v->type) && errno == 0)
                return v->v.u < u ? -1 : v->v.u > u;
            if (errno == 0)
                return v->v.i < 0 || (unsigned long long)v->v.i < u ? -1
                                                                     : (unsigned long long)v->v.i > u;
        }
    }
    {
        double a, b = strtod(c->lit, &end);
        if (vr_type_is_signed(v->type)) {
            a = (double)v->v.i;
        } else if (vr_type_is_unsigned(v->type)) {
            a = (double)v->v.u;
        } else if (vr_type_is_float(v->type)) {
            a = v->v.d;
        } else { /* DECIMAL: exact text, at most 65 digits */
            char num[96];
            size_t n = v->len < sizeof(num) - 1 ? v->len : sizeof(num) - 1;
            memcpy(num, v->s, n);
            num[n] = '\0';
            a = strtod(num, &end);
        }
        return a < b ? -1 : a > b;
    }
}

static int cmp_text(const vr_value_t *v, const plan_cond_t *c, vr_buf_t *scratch)
{
    size_t n;
    int r;
    vr_buf_reset(scratch);
    vr_value_append_text(scratch, v);
    n = scratch->len < c->lit_len ? scratch->len : c->lit_len;
    r = memcmp(scratch->data ? scratch->data : "", c->lit, n);
    if (r)
        return r < 0 ? -1 : 1;
    return scratch->len < c->lit_len ? -1 : scratch->len > c->lit_len;
}

static vr_code_t keyspace_id(const vr_value_t *v, vr_vindex_type_t type, uint8_t *kid,
                             size_t *len, vr_buf_t *scratch, vr_error_t *err)
{
    vr_buf_reset(scratch);
    vr_value_append_text(scratch, v);
    return vr_vindex_map(type, (const uint8_t *)(scratch->data ? scratch->data : ""),
                         scratch->len, kid, len, err);
}

static vr_code_t eval_cond(const plan_cond_t *c, const vr_value_t *in, vr_buf_t *scratch,
                           bool *pass, vr_error_t *err)
{
    const vr_value_t *v = &in[c->col];
    uint8_t kid[VR_KEYSPACE_ID_MAX];
    size_t len;
    vr_code_t rc;

    *pass = false;
    if (v->is_null)
        return VR_OK;
    if (c->kind == COND_CMP) {
        int r = numeric_type(v->type) && c->lit_type != VR_SQL_LIT_STRING ? cmp_numeric(v, c)
                                                                           : cmp_text(v, c, scratch);
        *pass = cmp_result(r, c->op);
        return VR_OK;
    }
    if ((rc = keyspace_id(v, c->vindex, kid, &len, scratch, err)) != VR_OK)
        return rc;
    *pass = vr_keyrange_contains(&c->kr, kid, len);
    return VR_OK;
}

vr_code_t vr_filter_plan_row(const vr_filter_plan_t *p, const vr_value_t *in, vr_arena_t *arena,
                             bool *keep, vr_value_t *out, vr_error_t *err)
{
    /* the plan's scratch buffer: plans are used by one thread at a time */
    vr_buf_t *scratch = &((vr_filter_plan_t *)p)->scratch;
    size_t i;
    vr_code_t rc = VR_OK;

    *keep = false;
    for (i = 0; i < p->nconds; i++) {
        bool pass;
        if ((rc = eval_cond(&p->conds[i], in, scratch, &pass, err)) != VR_OK)
            goto out;
        if (!pass)
            goto out;
    }
    *keep = true;
    for (i = 0; i < p->table.nfields; i++) {
        if (p->src[i] >= 0) {
            out[i] = in[p->src[i]];
            continue;
        }
        {
            uint8_t kid[VR_KEYSPACE_ID_MAX];
            size_t len;
            const vr_value_t *v = &in[p->ksid_col];
            out[i] = vr_value_null(VR_TYPE_VARBINARY);
            if (v->is_null)
                continue;
            if ((rc = keyspace_id(v, p->ksid_vindex, kid, &len, scratch, err)) != VR_OK)
                goto out;
            out[i].is_null = false;
            out[i].charset = VR_CHARSET_BINARY;
            out[i].s = vr_arena_memdup(arena, kid, len);
            out[i].len = len;
        }
    }
out:
    if (rc != VR_OK)
        *keep = false;
    return rc;
}
