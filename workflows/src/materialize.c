/*
 * materialize.c - vr_materialize_*: the streams that keep a target table a
 * copy of a source table (or of a select from it), one per (target shard,
 * source shard) pair, each with one rule:
 * match = the target table, filter = a select from the source table,
 * restricted to the target shard by in_keyrange() when the target is
 * sharded.  Moved here from cli/cmd_workflow.c (`vrepl materialize`).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "vr_cluster.h"
#include "vr_common.h"
#include "vr_keyrange.h"
#include "vr_sqlparser.h"
#include "vr_topo.h"
#include "vr_vplayer.h"
#include "vr_vschema.h"
#include "wf_internal.h"

struct vr_materialize {
    char *workflow, *primary_vindex, *tablet_types;
    vr_sql_stmt_t *select; /* the select form, its table unqualified */
    bool create_table, reference;
    char *src_ks, *src_table, *dst_ks, *dst_table;
};

/* SQL type of a result column, from its metadata. */
static void column_type(vr_buf_t *b, const MYSQL_FIELD *f)
{
    bool uns = f->flags & UNSIGNED_FLAG, bin = f->charsetnr == 63;
    MARIADB_CHARSET_INFO *cs = mariadb_get_charset_by_nr(f->charsetnr);
    unsigned long chars = f->length / (cs && cs->char_maxlen ? cs->char_maxlen : 1);
    switch (f->type) {
    case MYSQL_TYPE_TINY: vr_buf_puts(b, "tinyint"); break;
    case MYSQL_TYPE_SHORT: vr_buf_puts(b, "smallint"); break;
    case MYSQL_TYPE_INT24: vr_buf_puts(b, "mediumint"); break;
    case MYSQL_TYPE_LONG: vr_buf_puts(b, "int"); break;
    case MYSQL_TYPE_LONGLONG: vr_buf_puts(b, "bigint"); break;
    case MYSQL_TYPE_FLOAT: vr_buf_puts(b, "float"); break;
    case MYSQL_TYPE_DOUBLE: vr_buf_puts(b, "double"); break;
    case MYSQL_TYPE_NEWDECIMAL:
    case MYSQL_TYPE_DECIMAL:
        vr_buf_printf(b, "decimal(%lu,%u)",
                      f->length - (f->decimals ? 1 : 0) - (uns ? 0 : 1), f->decimals);
        break;
    case MYSQL_TYPE_YEAR: vr_buf_puts(b, "year"); break;
    case MYSQL_TYPE_DATE: vr_buf_puts(b, "date"); break;
    case MYSQL_TYPE_TIME: vr_buf_printf(b, "time(%u)", f->decimals); break;
    case MYSQL_TYPE_DATETIME: vr_buf_printf(b, "datetime(%u)", f->decimals); break;
    case MYSQL_TYPE_TIMESTAMP: vr_buf_printf(b, "timestamp(%u) null", f->decimals); break;
    case MYSQL_TYPE_STRING: vr_buf_printf(b, "%s(%lu)", bin ? "binary" : "char", chars); break;
    case MYSQL_TYPE_VAR_STRING:
    case MYSQL_TYPE_VARCHAR: vr_buf_printf(b, "%s(%lu)", bin ? "varbinary" : "varchar", chars); break;
    case MYSQL_TYPE_BIT: vr_buf_printf(b, "bit(%lu)", f->length); break;
    default: vr_buf_puts(b, bin ? "longblob" : "longtext"); break;
    }
    if (uns && f->type != MYSQL_TYPE_NEWDECIMAL && f->type != MYSQL_TYPE_DECIMAL &&
        f->type <= MYSQL_TYPE_INT24)
        vr_buf_puts(b, " unsigned");
    if (!bin && cs && (f->type == MYSQL_TYPE_STRING || f->type == MYSQL_TYPE_VAR_STRING ||
                       f->type == MYSQL_TYPE_VARCHAR || f->type == MYSQL_TYPE_BLOB))
        vr_buf_printf(b, " character set %s", cs->csname);
}

/* The primary key of a select's target: its group by columns, else the
 * source's primary key columns it selects (by name or alias). */
static vr_code_t select_pk(MYSQL *src, const vr_materialize_t *a, vr_buf_t *pk, vr_error_t *err)
{
    const vr_sql_select_t *sel = &a->select->select;
    size_t i, j;

    if (sel->group_by.n) {
        for (i = 0; i < sel->group_by.n; i++) {
            const vr_sql_expr_t *g = sel->group_by.items[i];
            const char *name = NULL;
            if (g->kind != VR_SQL_EXPR_COLUMN)
                return vr_errorf(err, VR_UNSUPPORTED,
                                 "--create-table: group by on an expression has no column name");
            name = g->column.name;
            for (j = 0; j < sel->exprs.n; j++) { /* the alias the target uses */
                const vr_sql_select_expr_t *se = sel->exprs.items[j];
                if (se->kind == VR_SQL_SELECT_EXPR && se->expr->kind == VR_SQL_EXPR_COLUMN &&
                    strcmp(se->expr->column.name, g->column.name) == 0 && se->alias)
                    name = se->alias;
            }
            vr_buf_printf(pk, "%s", pk->len ? ", " : "");
            vr_buf_put_sql_ident(pk, name);
        }
        return VR_OK;
    }
    {
        vr_buf_t q = VR_BUF_INIT;
        MYSQL_RES *res;
        MYSQL_ROW row;
        vr_buf_puts(&q, "SELECT column_name FROM information_schema.key_column_usage WHERE "
                        "constraint_name = 'PRIMARY' AND table_schema = database() AND table_name = ");
        vr_buf_put_sql_string(&q, a->src_table, strlen(a->src_table));
        vr_buf_puts(&q, " ORDER BY ordinal_position");
        if (mysql_query(src, q.data) || !(res = mysql_store_result(src))) {
            vr_buf_free(&q);
            return vr_error_mysql(err, mysql_errno(src), false, "%s", mysql_error(src));
        }
        vr_buf_free(&q);
        while ((row = mysql_fetch_row(res)) != NULL) {
            vr_buf_printf(pk, "%s", pk->len ? ", " : "");
            vr_buf_put_sql_ident(pk, row[0]);
        }
        mysql_free_result(res);
    }
    if (!pk->len)
        return vr_errorf(err, VR_INVALID, "--create-table: %s.%s has no primary key", a->src_ks,
                         a->src_table);
    return VR_OK;
}

/* CREATE TABLE for a select's target, from the select's result columns. */
static vr_code_t select_table_sql(MYSQL *src, const vr_materialize_t *a, vr_buf_t *sql,
                                  vr_error_t *err)
{
    vr_buf_t q = VR_BUF_INIT, pk = VR_BUF_INIT;
    MYSQL_RES *res = NULL;
    MYSQL_FIELD *f;
    unsigned i, n;
    vr_code_t rc = VR_OK;

    vr_sql_format(&q, a->select);
    vr_buf_puts(&q, " LIMIT 0");
    if (mysql_query(src, q.data) || !(res = mysql_store_result(src))) {
        rc = vr_error_mysql(err, mysql_errno(src), false, "%s: %s", q.data, mysql_error(src));
        goto out;
    }
    if ((rc = select_pk(src, a, &pk, err)) != VR_OK)
        goto out;
    f = mysql_fetch_fields(res);
    n = mysql_num_fields(res);
    vr_buf_puts(sql, "CREATE TABLE IF NOT EXISTS ");
    vr_buf_put_sql_ident(sql, a->dst_table);
    vr_buf_puts(sql, " (");
    for (i = 0; i < n; i++) {
        vr_buf_puts(sql, i ? ", " : "");
        vr_buf_put_sql_ident(sql, f[i].name);
        vr_buf_putc(sql, ' ');
        column_type(sql, &f[i]);
    }
    vr_buf_printf(sql, ", PRIMARY KEY (%s))", pk.data);
out:
    if (res)
        mysql_free_result(res);
    vr_buf_free(&q);
    vr_buf_free(&pk);
    return rc;
}

/* Copy the source table's definition (or the select's columns) to a
 * target primary. */
static vr_code_t create_target_table(const vr_tablet_t *src, const vr_tablet_t *dst,
                                     const vr_materialize_t *a, vr_error_t *err)
{
    MYSQL *sc = vr_tablet_connect(src, src->db_name, err), *dc = NULL;
    MYSQL_RES *res = NULL;
    MYSQL_ROW row;
    vr_buf_t sql = VR_BUF_INIT, q = VR_BUF_INIT;
    vr_code_t rc = VR_OK;
    const char *def, *paren;

    if (!sc)
        return err->code;
    if (a->select) {
        if ((rc = select_table_sql(sc, a, &sql, err)) != VR_OK)
            goto out;
    } else {
        vr_buf_puts(&q, "SHOW CREATE TABLE ");
        vr_buf_put_sql_ident(&q, a->src_table);
        if (mysql_query(sc, q.data) || !(res = mysql_store_result(sc)) ||
            !(row = mysql_fetch_row(res))) {
            rc = vr_error_mysql(err, mysql_errno(sc), false, "source table %s.%s: %s", a->src_ks,
                                a->src_table, mysql_error(sc));
            goto out;
        }
        def = row[1];
        paren = strchr(def, '(');
        vr_buf_puts(&sql, "CREATE TABLE IF NOT EXISTS ");
        vr_buf_put_sql_ident(&sql, a->dst_table);
        vr_buf_putc(&sql, ' ');
        vr_buf_puts(&sql, paren ? paren : def);
    }
    if (!(dc = vr_tablet_connect(dst, dst->db_name, err))) {
        rc = err->code;
        goto out;
    }
    if ((rc = vr_tablet_exec(dc, sql.data, err)) != VR_OK)
        vr_error_prefix(err, "creating %s on %s/%s", a->dst_table, dst->keyspace, dst->shard);
out:
    if (res)
        mysql_free_result(res);
    mysql_close(sc);
    if (dc)
        mysql_close(dc);
    vr_buf_free(&sql);
    vr_buf_free(&q);
    return rc;
}

/* The filter of one stream: the whole table, or its part for a shard. */
vr_code_t vr_materialize_stream_filter(const vr_materialize_t *a, const vr_vschema_t *dst_vs,
                                       const char *dst_shard, bool sharded, vr_buf_t *f,
                                       vr_error_t *err)
{
    char col[128] = "", vindex[128] = "";
    const char *vtype = NULL;

    if (a->reference || !sharded) {
        if (a->select)
            vr_sql_format(f, a->select);
        else
            vr_buf_printf(f, "select * from %s", a->src_table);
        return VR_OK;
    }
    if (a->primary_vindex) {
        const char *colon = strchr(a->primary_vindex, ':');
        const vr_vschema_vindex_t *v;
        if (!colon)
            return vr_errorf(err, VR_INVALID, "--primary-vindex %s: expected COLUMN:VINDEX",
                             a->primary_vindex);
        snprintf(col, sizeof(col), "%.*s", (int)(colon - a->primary_vindex), a->primary_vindex);
        snprintf(vindex, sizeof(vindex), "%s", colon + 1);
        v = dst_vs ? vr_vschema_vindex(dst_vs, vindex) : NULL;
        if (v)
            vtype = v->type_name;
        else if (vr_vindex_type_parse(vindex, &(vr_vindex_type_t){0}, NULL) == VR_OK)
            vtype = vindex; /* a vindex type named directly */
        else
            return vr_errorf(err, VR_NOT_FOUND,
                             "--primary-vindex: no vindex %s in keyspace %s's VSchema", vindex,
                             a->dst_ks);
    } else {
        const vr_vschema_colvindex_t *cv = dst_vs ? vr_vschema_primary_vindex(dst_vs, a->dst_table) : NULL;
        if (!cv)
            return vr_errorf(err, VR_INVALID,
                             "keyspace %s is sharded and its VSchema has no primary vindex for "
                             "%s: give --primary-vindex COLUMN:VINDEX or --reference",
                             a->dst_ks, a->dst_table);
        snprintf(col, sizeof(col), "%s", cv->columns[0]);
        vtype = cv->vindex->type_name;
    }
    {
        /* the select (or select *) restricted to the shard's keyrange */
        vr_sql_stmt_t *st = NULL;
        vr_buf_t q = VR_BUF_INIT;
        vr_sql_expr_list_t args = {0, NULL};
        vr_code_t rc;
        if (a->select)
            vr_sql_format(&q, a->select);
        else
            vr_buf_printf(&q, "select * from %s", a->src_table);
        rc = vr_sql_parse(q.data, q.len, &st, err);
        vr_buf_free(&q);
        if (rc != VR_OK)
            return rc;
        vr_sql_expr_list_append(st->arena, &args, vr_sql_new_column(st->arena, NULL, col));
        vr_sql_expr_list_append(st->arena, &args, vr_sql_new_string(st->arena, vtype, strlen(vtype)));
        vr_sql_expr_list_append(st->arena, &args,
                                vr_sql_new_string(st->arena, dst_shard, strlen(dst_shard)));
        vr_sql_add_where(st, vr_sql_new_func(st->arena, "in_keyrange", args));
        vr_sql_format(f, st);
        vr_sql_free(st);
    }
    return VR_OK;
}

/* 'select ... from ks.t ...': the source from its FROM, which is then
 * unqualified (filters name tables of the source keyspace). */
static vr_code_t parse_select_form(const char *sql, vr_materialize_t *a, vr_error_t *err)
{
    vr_sql_table_expr_t *t;
    vr_code_t rc;
    if ((rc = vr_sql_parse(sql, strlen(sql), &a->select, err)) != VR_OK)
        return rc;
    if (a->select->kind != VR_SQL_STMT_SELECT || a->select->select.from.n != 1 ||
        (t = a->select->select.from.items[0])->kind != VR_SQL_TABLE_ALIASED ||
        t->aliased.derived || !t->aliased.name.qualifier)
        return vr_errorf(err, VR_INVALID, "the select must read one table named as "
                                          "KEYSPACE.TABLE: %s", sql);
    a->src_ks = vr_xstrdup(t->aliased.name.qualifier);
    a->src_table = vr_xstrdup(t->aliased.name.name);
    t->aliased.name.qualifier = NULL;
    return VR_OK;
}

static bool given(const char *s)
{
    return s && *s;
}

vr_code_t vr_materialize_new(const vr_materialize_opts_t *o, vr_materialize_t **out,
                             vr_error_t *err)
{
    vr_materialize_t *a;
    vr_code_t rc = VR_OK;

    *out = NULL;
    if (!given(o->target_keyspace) || !given(o->target_table))
        return vr_errorf(err, VR_INVALID, "materialize: no target KEYSPACE.TABLE");
    if (!o->select && (!given(o->source_keyspace) || !given(o->source_table)))
        return vr_errorf(err, VR_INVALID, "materialize: no source KEYSPACE.TABLE or select");
    if (given(o->tablet_types)) { /* checked now, not by the engine later */
        vr_tablet_type_t types[VR_TABLET_TYPES_MAX];
        size_t n;
        if ((rc = vr_tablet_types_parse(o->tablet_types, types, &n, err)) != VR_OK)
            return vr_error_prefix(err, "--tablet-types");
    }
    a = vr_xcalloc(1, sizeof(*a));
    a->tablet_types = given(o->tablet_types) ? vr_xstrdup(o->tablet_types) : NULL;
    a->create_table = o->create_table;
    a->reference = o->reference;
    a->primary_vindex = o->primary_vindex ? vr_xstrdup(o->primary_vindex) : NULL;
    a->dst_ks = vr_xstrdup(o->target_keyspace);
    a->dst_table = vr_xstrdup(o->target_table);
    if (o->select) {
        rc = parse_select_form(o->select, a, err);
    } else {
        a->src_ks = vr_xstrdup(o->source_keyspace);
        a->src_table = vr_xstrdup(o->source_table);
    }
    if (rc != VR_OK) {
        vr_materialize_free(a);
        return rc;
    }
    a->workflow = o->workflow ? vr_xstrdup(o->workflow)
                              : vr_xasprintf("%s_%s", a->src_table, a->dst_ks);
    *out = a;
    return VR_OK;
}

void vr_materialize_free(vr_materialize_t *m)
{
    if (!m)
        return;
    vr_sql_free(m->select);
    free(m->workflow);
    free(m->primary_vindex);
    free(m->tablet_types);
    free(m->src_ks);
    free(m->src_table);
    free(m->dst_ks);
    free(m->dst_table);
    free(m);
}

const char *vr_materialize_workflow(const vr_materialize_t *m)
{
    return m->workflow;
}

const char *vr_materialize_source_keyspace(const vr_materialize_t *m)
{
    return m->src_ks;
}

const char *vr_materialize_source_table(const vr_materialize_t *m)
{
    return m->src_table;
}

static vr_code_t add_stream(const vr_tablet_t *dst, const vr_materialize_t *a, const char *src_shard,
                            const char *filter, int64_t *id, vr_error_t *err)
{
    vr_binlog_source_t bs = VR_BINLOG_SOURCE_INIT;
    vr_vrepl_row_t row;
    vr_buf_t text = VR_BUF_INIT;
    MYSQL *c = vr_tablet_connect(dst, NULL, err);
    vr_code_t rc;

    if (!c)
        return err->code;
    bs.keyspace = vr_xstrdup(a->src_ks);
    bs.shard = vr_xstrdup(src_shard);
    vr_binlog_source_add_rule(&bs, a->dst_table, filter);
    vr_binlog_source_format(&bs, &text);
    memset(&row, 0, sizeof(row));
    row.workflow = (char *)a->workflow;
    row.source = text.data;
    row.pos = "";
    row.state = VR_VREPL_INIT;
    row.db_name = (char *)dst->db_name;
    row.workflow_type = VR_WORKFLOW_MATERIALIZE;
    row.tablet_types = a->tablet_types;
    row.time_updated = (int64_t)time(NULL);
    rc = vr_vt_create(c, err);
    if (rc == VR_OK)
        rc = vr_vrepl_insert(c, &row, id, err);
    mysql_close(c);
    vr_buf_free(&text);
    vr_binlog_source_free(&bs);
    return rc;
}

vr_code_t vr_materialize_run(vr_materialize_t *a, vr_topo_t *topo,
                             const vr_workflow_report_t *rep, vr_error_t *err)
{
    char **src_shards = NULL, **dst_shards = NULL, *json = NULL;
    size_t nsrc = 0, ndst = 0, i, j, made = 0;
    vr_vschema_t *dst_vs = NULL;
    bool sharded;
    vr_code_t rc = VR_OK;

    if (vr_topo_list_shards(topo, a->src_ks, &src_shards, &nsrc, err) != VR_OK || !nsrc ||
        vr_topo_list_shards(topo, a->dst_ks, &dst_shards, &ndst, err) != VR_OK || !ndst) {
        rc = vr_errorf(err, VR_NOT_FOUND, "keyspace %s not found", nsrc ? a->dst_ks : a->src_ks);
        goto out;
    }
    if (vr_topo_get_vschema(topo, a->dst_ks, &json, NULL) == VR_OK)
        vr_vschema_parse(a->dst_ks, json, &dst_vs, NULL);
    sharded = !(ndst == 1 && (strcmp(dst_shards[0], "0") == 0 || strcmp(dst_shards[0], "-") == 0));
    for (i = 0; i < ndst && rc == VR_OK; i++) {
        vr_tablet_t dst, src;
        vr_buf_t filter = VR_BUF_INIT;
        if ((rc = vr_topo_get_primary(topo, a->dst_ks, dst_shards[i], &dst, err)) != VR_OK ||
            (rc = vr_topo_get_primary(topo, a->src_ks, src_shards[0], &src, err)) != VR_OK ||
            (a->create_table && (rc = create_target_table(&src, &dst, a, err)) != VR_OK) ||
            (rc = vr_materialize_stream_filter(a, dst_vs, dst_shards[i], sharded, &filter,
                                               err)) != VR_OK) {
            vr_buf_free(&filter);
            break;
        }
        for (j = 0; j < nsrc; j++) {
            int64_t id = 0;
            /* every pair: the target's vindex need not be the source's, and
             * the in_keyrange filter keeps only the target shard's rows */
            if ((rc = add_stream(&dst, a, src_shards[j], filter.data, &id, err)) != VR_OK) {
                vr_error_prefix(err, "%s/%s", a->dst_ks, dst_shards[i]);
                break;
            }
            vr_wf_say(rep, "stream %lld on %s/%s (%s): %s/%s -> %s, filter: %s", (long long)id,
                      a->dst_ks, dst_shards[i], dst.alias, a->src_ks, src_shards[j],
                      a->dst_table, filter.data);
            made++;
        }
        vr_buf_free(&filter);
    }
    if (rc == VR_OK)
        vr_wf_say(rep, "workflow %s.%s: %zu stream(s) created; vrepl serve runs them "
                       "(vrepl workflow show %s.%s)",
                  a->dst_ks, a->workflow, made, a->dst_ks, a->workflow);
out:
    vr_vschema_free(dst_vs);
    free(json);
    vr_topo_strv_free(src_shards, nsrc);
    vr_topo_strv_free(dst_shards, ndst);
    return rc;
}
