/*
 * cmd_workflow.c - `vrepl materialize` and `vrepl workflow list|show|stop|
 * start|delete`: streams as rows of _vt.vreplication on the target
 * primaries, which the engine in `vrepl serve` runs.
 *
 * materialize makes one stream per (target shard, source shard) pair, each
 * with one rule:
 * match = the target table, filter = a select from the source table,
 * restricted to the target shard by in_keyrange() when the target is
 * sharded.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "vr_cluster.h"
#include "vr_common.h"
#include "vr_keyrange.h"
#include "vr_notify.h"
#include "vr_routing.h"
#include "vr_sqlparser.h"
#include "vr_topo.h"
#include "vr_value.h"
#include "vr_vplayer.h"
#include "vr_vschema.h"

typedef struct mat_args {
    const char *workflow, *primary_vindex, *var;
    vr_sql_stmt_t *select; /* the select form, its table unqualified */
    bool create_table, reference;
    char src_buf[256], dst_buf[256];
    char *src_ks, *src_table, *dst_ks, *dst_table;
} mat_args_t;


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
static vr_code_t select_pk(MYSQL *src, const mat_args_t *a, vr_buf_t *pk, vr_error_t *err)
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
static vr_code_t select_table_sql(MYSQL *src, const mat_args_t *a, vr_buf_t *sql,
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
                                     const mat_args_t *a, vr_error_t *err)
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
static vr_code_t stream_filter(const mat_args_t *a, const vr_vschema_t *dst_vs,
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
static int parse_select_form(const char *sql, mat_args_t *a)
{
    vr_error_t err;
    vr_sql_table_expr_t *t;
    if (vr_sql_parse(sql, strlen(sql), &a->select, &err) != VR_OK)
        return vr_cli_fail("materialize", "%s", err.msg);
    if (a->select->kind != VR_SQL_STMT_SELECT || a->select->select.from.n != 1 ||
        (t = a->select->select.from.items[0])->kind != VR_SQL_TABLE_ALIASED ||
        t->aliased.derived || !t->aliased.name.qualifier)
        return vr_cli_fail("materialize", "the select must read one table named as "
                                          "KEYSPACE.TABLE: %s", sql);
    snprintf(a->src_buf, sizeof(a->src_buf), "%s", t->aliased.name.qualifier);
    a->src_ks = a->src_buf;
    a->src_table = (char *)t->aliased.name.name;
    t->aliased.name.qualifier = NULL;
    return 0;
}

static vr_code_t add_stream(const vr_tablet_t *dst, const mat_args_t *a, const char *src_shard,
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
    row.time_updated = (int64_t)time(NULL);
    rc = vr_vt_create(c, err);
    if (rc == VR_OK)
        rc = vr_vrepl_insert(c, &row, id, err);
    mysql_close(c);
    vr_buf_free(&text);
    vr_binlog_source_free(&bs);
    return rc;
}

static int materialize(vr_topo_t *topo, mat_args_t *a)
{
    char **src_shards = NULL, **dst_shards = NULL, *json = NULL;
    size_t nsrc = 0, ndst = 0, i, j, made = 0;
    vr_vschema_t *dst_vs = NULL;
    vr_error_t err;
    bool sharded;
    int status = 0;

    vr_error_clear(&err);
    if (vr_topo_list_shards(topo, a->src_ks, &src_shards, &nsrc, &err) != VR_OK || !nsrc ||
        vr_topo_list_shards(topo, a->dst_ks, &dst_shards, &ndst, &err) != VR_OK || !ndst) {
        status = vr_cli_fail("materialize", "keyspace %s not found", nsrc ? a->dst_ks : a->src_ks);
        goto out;
    }
    if (vr_topo_get_vschema(topo, a->dst_ks, &json, NULL) == VR_OK)
        vr_vschema_parse(a->dst_ks, json, &dst_vs, NULL);
    sharded = !(ndst == 1 && (strcmp(dst_shards[0], "0") == 0 || strcmp(dst_shards[0], "-") == 0));
    for (i = 0; i < ndst && status == 0; i++) {
        vr_tablet_t dst, src;
        vr_buf_t filter = VR_BUF_INIT;
        if (vr_topo_get_primary(topo, a->dst_ks, dst_shards[i], &dst, &err) != VR_OK ||
            vr_topo_get_primary(topo, a->src_ks, src_shards[0], &src, &err) != VR_OK ||
            (a->create_table && create_target_table(&src, &dst, a, &err) != VR_OK) ||
            stream_filter(a, dst_vs, dst_shards[i], sharded, &filter, &err) != VR_OK) {
            status = vr_cli_fail("materialize", "%s", err.msg);
            vr_buf_free(&filter);
            break;
        }
        for (j = 0; j < nsrc; j++) {
            int64_t id = 0;
            /* every pair: the target's vindex need not be the source's, and
             * the in_keyrange filter keeps only the target shard's rows */
            if (add_stream(&dst, a, src_shards[j], filter.data, &id, &err) != VR_OK) {
                status = vr_cli_fail("materialize", "%s/%s: %s", a->dst_ks, dst_shards[i], err.msg);
                break;
            }
            printf("stream %lld on %s/%s (%s): %s/%s -> %s, filter: %s\n", (long long)id,
                   a->dst_ks, dst_shards[i], dst.alias, a->src_ks, src_shards[j], a->dst_table,
                   filter.data);
            made++;
        }
        vr_buf_free(&filter);
    }
    if (status == 0)
        printf("workflow %s.%s: %zu stream(s) created; vrepl serve runs them "
               "(vrepl workflow show %s.%s)\n",
               a->dst_ks, a->workflow, made, a->dst_ks, a->workflow);
out:
    vr_vschema_free(dst_vs);
    free(json);
    vr_topo_strv_free(src_shards, nsrc);
    vr_topo_strv_free(dst_shards, ndst);
    return status;
}

int cmd_materialize(int argc, char **argv)
{
    static const struct option opts[] = {{"workflow", required_argument, NULL, 'w'},
                                         {"create-table", no_argument, NULL, 'c'},
                                         {"reference", no_argument, NULL, 'r'},
                                         {"primary-vindex", required_argument, NULL, 'p'},
                                         {"var", required_argument, NULL, 'v'},
                                         {"help", no_argument, NULL, 'h'},
                                         {NULL, 0, NULL, 0}};
    mat_args_t a;
    char wf[300];
    vr_topo_t *topo;
    int c, status;

    memset(&a, 0, sizeof(a));
    a.var = vr_cli_default_var();
    optind = 1;
    while ((c = getopt_long(argc, argv, "w:crp:v:h", opts, NULL)) != -1) {
        switch (c) {
        case 'w': a.workflow = optarg; break;
        case 'c': a.create_table = true; break;
        case 'r': a.reference = true; break;
        case 'p': a.primary_vindex = optarg; break;
        case 'v': a.var = optarg; break;
        case 'h':
            printf("usage: vrepl materialize [--workflow NAME] [--create-table] [--reference]\n"
                   "                         [--primary-vindex COL:VINDEX]\n"
                   "                         SOURCE_KS.TABLE|'SELECT ... FROM SOURCE_KS.TABLE ...' "
                   "TARGET_KS.TABLE\n"
                   "Create the streams that keep TARGET_KS.TABLE a copy of SOURCE_KS.TABLE:\n"
                   "--reference copies the whole table to every target shard; otherwise each\n"
                   "target shard gets its keyrange's rows by the target's primary vindex.\n");
            return 0;
        default: return 2;
        }
    }
    if (argc - optind != 2 ||
        !vr_cli_split_dot(argv[optind + 1], a.dst_buf, sizeof(a.dst_buf), &a.dst_ks, &a.dst_table)) {
        fprintf(stderr, "usage: vrepl materialize [options] SOURCE_KS.TABLE|'SELECT ...' "
                        "TARGET_KS.TABLE\n");
        return 2;
    }
    if (strncasecmp(argv[optind] + strspn(argv[optind], " \t\n"), "select", 6) == 0) {
        if ((status = parse_select_form(argv[optind], &a)) != 0) {
            vr_sql_free(a.select);
            return status;
        }
    } else if (!vr_cli_split_dot(argv[optind], a.src_buf, sizeof(a.src_buf), &a.src_ks,
                                &a.src_table)) {
        fprintf(stderr, "usage: vrepl materialize [options] SOURCE_KS.TABLE|'SELECT ...' "
                        "TARGET_KS.TABLE\n");
        return 2;
    }
    if (!a.workflow) {
        snprintf(wf, sizeof(wf), "%s_%s", a.src_table, a.dst_ks);
        a.workflow = wf;
    }
    if (!(topo = vr_cli_open_topo("materialize", a.var))) {
        vr_sql_free(a.select);
        return 1;
    }
    status = materialize(topo, &a);
    vr_topo_close(topo);
    vr_sql_free(a.select);
    return status;
}

/* ---- vrepl workflow ---------------------------------------------------- */

typedef enum { WF_LIST, WF_SHOW, WF_STOP, WF_START, WF_DELETE } wf_verb_t;

/* delete without --keep-data: drop the tables the stream filled */
static void drop_targets(MYSQL *c, const vr_vrepl_row_t *r, const char *db)
{
    vr_binlog_source_t bs = VR_BINLOG_SOURCE_INIT;
    size_t i;
    if (vr_binlog_source_parse(r->source, &bs, NULL) != VR_OK)
        return;
    for (i = 0; i < bs.nrules; i++) {
        vr_buf_t q = VR_BUF_INIT;
        vr_error_t err;
        if (bs.rules[i].match[0] == '/')
            continue; /* a regex names no one table */
        vr_buf_puts(&q, "DROP TABLE IF EXISTS ");
        vr_buf_put_sql_ident(&q, db);
        vr_buf_putc(&q, '.');
        vr_buf_put_sql_ident(&q, bs.rules[i].match);
        if (vr_tablet_exec(c, q.data, &err) != VR_OK)
            vr_log_warn("workflow", "%s: %s", q.data, err.msg);
        vr_buf_free(&q);
    }
    vr_binlog_source_free(&bs);
}

static int workflow_on_primary(const vr_tablet_t *p, const char *workflow, wf_verb_t verb,
                               bool as_json, bool keep_data, size_t *count)
{
    vr_vrepl_row_t *rows = NULL;
    size_t n = 0, i;
    vr_error_t err;
    MYSQL *c = vr_tablet_connect(p, NULL, &err);
    int status = 0;

    if (!c)
        return vr_cli_fail("workflow", "%s", err.msg);
    if (vr_vt_create(c, &err) != VR_OK || vr_vrepl_list(c, workflow, &rows, &n, &err) != VR_OK) {
        status = vr_cli_fail("workflow", "%s/%s: %s", p->keyspace, p->shard, err.msg);
        goto out;
    }
    for (i = 0; i < n; i++) {
        vr_vrepl_row_t *r = &rows[i];
        int64_t lag = vr_vrepl_row_lag(r, (int64_t)time(NULL));
        (*count)++;
        if (verb == WF_LIST) {
            printf("%s.%s\n", p->keyspace, r->workflow);
            continue;
        }
        if (verb == WF_SHOW) {
            if (as_json) {
                vr_buf_t j = VR_BUF_INIT;
                const char *k[] = {"keyspace", "shard", "tablet", "workflow", "state", "pos", "message"};
                const char *v[] = {p->keyspace, p->shard, p->alias, r->workflow,
                                   vr_vrepl_state_name(r->state), r->pos ? r->pos : "",
                                   r->message ? r->message : ""};
                size_t f;
                vr_buf_printf(&j, "%s{\"id\":%lld,\"lag\":%lld,\"rows_copied\":%lld",
                              *count > 1 ? ",\n" : "", (long long)r->id, (long long)lag,
                              (long long)r->rows_copied);
                for (f = 0; f < VR_ARRAY_LEN(k); f++) {
                    vr_buf_printf(&j, ",\"%s\":", k[f]);
                    vr_json_append_string(&j, v[f], strlen(v[f]));
                }
                vr_buf_putc(&j, '}');
                fputs(j.data, stdout);
                vr_buf_free(&j);
            }
            else
                printf("%s/%s id=%lld state=%s lag=%llds rows_copied=%lld pos=%s\n  source: %s%s%s\n",
                       p->keyspace, p->shard, (long long)r->id, vr_vrepl_state_name(r->state),
                       (long long)lag, (long long)r->rows_copied, r->pos ? r->pos : "", r->source,
                       r->message && *r->message ? "\n  message: " : "",
                       r->message ? r->message : "");
            continue;
        }
        if (verb == WF_DELETE) {
            status = vr_vrepl_delete(c, r->id, &err) == VR_OK ? status : 1;
            if (status == 0 && !keep_data)
                drop_targets(c, r, r->db_name);
        }
        else if (verb == WF_START && r->message && strcmp(r->message, "FROZEN") == 0) {
            vr_cli_fail("workflow", "%s/%s stream %lld is frozen: vrepl migrate-writes moved its "
                                    "writes to %s, and %s_reverse carries them back",
                        p->keyspace, p->shard, (long long)r->id, p->keyspace, r->workflow);
            status = 1;
            goto out;
        } else
            status = vr_vrepl_set_state(c, r->id, verb == WF_STOP ? VR_VREPL_STOPPED : VR_VREPL_RUNNING,
                                        verb == WF_STOP ? "stopped by user" : "", &err) == VR_OK
                         ? status
                         : 1;
        if (status)
            vr_cli_fail("workflow", "%s/%s stream %lld: %s", p->keyspace, p->shard,
                        (long long)r->id, err.msg);
    }
out:
    vr_vrepl_rows_free(rows, n);
    mysql_close(c);
    return status;
}

/* Notify workflows of keyspace ks (all, or the one named wf). */
static int notify_workflows(vr_topo_t *topo, const char *ks, const char *wf, wf_verb_t verb,
                            bool as_json, size_t *count)
{
    char **names = NULL;
    size_t n = 0, i;
    int status = 0;
    vr_error_t err;

    if (vr_notify_list(topo, &names, &n, &err) != VR_OK)
        return 0; /* no notify workflows recorded */
    for (i = 0; i < n && status == 0; i++) {
        vr_notify_def_t *d = NULL;
        vr_buf_t b = VR_BUF_INIT;
        bool mine;
        if (wf && strcmp(names[i], wf) != 0)
            continue;
        if (vr_notify_get(topo, names[i], &d, &err) != VR_OK)
            continue;
        mine = strcmp(d->keyspace, ks) == 0;
        vr_notify_def_free(d);
        if (!mine)
            continue;
        (*count)++;
        switch (verb) {
        case WF_LIST: printf("%s.%s (notify)\n", ks, names[i]); break;
        case WF_SHOW:
            if (vr_notify_show_json(topo, names[i], 10, &b, &err) == VR_OK)
                printf("%s%s%s", as_json && *count > 1 ? ",\n" : "", b.data, as_json ? "" : "\n");
            else
                status = vr_cli_fail("workflow", "%s", err.msg);
            break;
        case WF_STOP:
        case WF_START:
            if (vr_notify_set_stopped(topo, names[i], verb == WF_STOP, &err) != VR_OK)
                status = vr_cli_fail("workflow", "%s", err.msg);
            break;
        case WF_DELETE:
            if (vr_notify_delete(topo, names[i], &err) != VR_OK)
                status = vr_cli_fail("workflow", "%s", err.msg);
            break;
        }
        vr_buf_free(&b);
    }
    vr_topo_strv_free(names, n);
    return status;
}

int cmd_workflow(int argc, char **argv)
{
    static const struct option opts[] = {{"json", no_argument, NULL, 'j'},
                                         {"keep-data", no_argument, NULL, 'k'},
                                         {"var", required_argument, NULL, 'v'},
                                         {"help", no_argument, NULL, 'h'},
                                         {NULL, 0, NULL, 0}};
    static const char *const verbs[] = {"list", "show", "stop", "start", "delete"};
    bool keep_data = false;
    const char *var = vr_cli_default_var();
    char buf[256], *ks, *wf = NULL;
    bool as_json = false;
    vr_tablet_t *tabs = NULL;
    size_t n = 0, i, count = 0;
    vr_topo_t *topo;
    vr_error_t err;
    int c, verb = -1, status = 0;

    optind = 1;
    while ((c = getopt_long(argc, argv, "jkv:h", opts, NULL)) != -1) {
        switch (c) {
        case 'j': as_json = true; break;
        case 'k': keep_data = true; break;
        case 'v': var = optarg; break;
        case 'h':
            printf("usage: vrepl workflow [--json] [--keep-data] list|show|stop|start|delete "
                   "KEYSPACE[.WORKFLOW]\n"
                   "Acts on the workflow's streams on every target primary of KEYSPACE, or on\n"
                   "the notify workflow of that name.  delete drops the tables the streams\n"
                   "filled unless --keep-data.\n");
            return 0;
        default: return 2;
        }
    }
    for (i = 0; optind < argc && i < VR_ARRAY_LEN(verbs); i++)
        if (strcmp(argv[optind], verbs[i]) == 0)
            verb = (int)i;
    if (verb < 0 || argc - optind != 2) {
        fprintf(stderr, "usage: vrepl workflow [--json] list|show|stop|start|delete KEYSPACE[.WORKFLOW]\n");
        return 2;
    }
    snprintf(buf, sizeof(buf), "%s", argv[optind + 1]);
    ks = buf;
    if ((wf = strchr(buf, '.')) != NULL)
        *wf++ = '\0';
    if (verb != WF_LIST && verb != WF_SHOW && !wf) {
        fprintf(stderr, "vrepl workflow %s: name the workflow: KEYSPACE.WORKFLOW\n", verbs[verb]);
        return 2;
    }
    if (!(topo = vr_cli_open_topo("workflow", var)))
        return 1;
    vr_error_clear(&err);
    if (vr_topo_list_tablets(topo, ks, NULL, &tabs, &n, &err) != VR_OK || n == 0) {
        status = vr_cli_fail("workflow", "keyspace %s not found", ks);
        goto out;
    }
    if (as_json && verb == WF_SHOW)
        printf("[");
    for (i = 0; i < n; i++)
        if (tabs[i].type == VR_TABLET_PRIMARY)
            status |= workflow_on_primary(&tabs[i], wf, (wf_verb_t)verb, as_json, keep_data,
                                          &count);
    if (status == 0)
        status = notify_workflows(topo, ks, wf, (wf_verb_t)verb, as_json, &count);
    if (as_json && verb == WF_SHOW)
        printf("]\n");
    if (count == 0 && wf && status == 0)
        status = vr_cli_fail("workflow", "no streams found in keyspace %s for workflow %s", ks, wf);
    else if (verb >= WF_STOP && status == 0)
        printf("%s %zu stream(s) of %s.%s\n", verb == WF_STOP ? "stopped" : verb == WF_START ? "started" : "deleted",
               count, ks, wf);
out:
    free(tabs);
    vr_topo_close(topo);
    return status;
}

/* ---- vrepl externalize -------------------------------------------------- */

/* What the streams of a target table say about it. */
typedef struct ext_info {
    char src_ks[VR_NAME_MAX];
    char src_table[VR_NAME_MAX];
    char col[128];    /* in_keyrange column, "" when none */
    char vtype[64];   /* in_keyrange vindex type */
    size_t streams;
} ext_info_t;

/* Read a stream's rule for table: its source table and in_keyrange. */
static void read_rule(const vr_binlog_source_t *bs, const char *table, ext_info_t *x)
{
    size_t i;
    for (i = 0; i < bs->nrules; i++) {
        vr_sql_stmt_t *st = NULL;
        vr_sql_expr_list_t conj;
        size_t k;
        if (strcmp(bs->rules[i].match, table) != 0)
            continue;
        x->streams++;
        snprintf(x->src_ks, sizeof(x->src_ks), "%s", bs->keyspace);
        snprintf(x->src_table, sizeof(x->src_table), "%s", table);
        if (!bs->rules[i].filter || vr_sql_parse(bs->rules[i].filter, strlen(bs->rules[i].filter),
                                                 &st, NULL) != VR_OK)
            continue;
        if (st->kind == VR_SQL_STMT_SELECT && st->select.from.n == 1 &&
            st->select.from.items[0]->kind == VR_SQL_TABLE_ALIASED)
            snprintf(x->src_table, sizeof(x->src_table), "%s",
                     st->select.from.items[0]->aliased.name.name);
        conj = vr_sql_conjuncts(st->arena, st->kind == VR_SQL_STMT_SELECT ? st->select.where : NULL);
        for (k = 0; k < conj.n; k++) {
            const vr_sql_expr_t *e = conj.items[k];
            if (e->kind == VR_SQL_EXPR_FUNC && strcasecmp(e->func.name, "in_keyrange") == 0 &&
                e->func.args.n == 3 && e->func.args.items[0]->kind == VR_SQL_EXPR_COLUMN &&
                e->func.args.items[1]->kind == VR_SQL_EXPR_LITERAL) {
                snprintf(x->col, sizeof(x->col), "%s", e->func.args.items[0]->column.name);
                snprintf(x->vtype, sizeof(x->vtype), "%s", e->func.args.items[1]->lit.val);
            }
        }
        vr_sql_free(st);
    }
}

static vr_code_t find_streams(vr_topo_t *topo, const char *ks, const char *table, ext_info_t *x,
                              vr_error_t *err)
{
    vr_tablet_t *tabs = NULL;
    size_t n = 0, i, j;
    vr_code_t rc;

    memset(x, 0, sizeof(*x));
    if ((rc = vr_topo_list_tablets(topo, ks, NULL, &tabs, &n, err)) != VR_OK)
        return rc;
    for (i = 0; i < n && rc == VR_OK; i++) {
        vr_vrepl_row_t *rows = NULL;
        size_t nr = 0;
        MYSQL *c;
        if (tabs[i].type != VR_TABLET_PRIMARY)
            continue;
        if (!(c = vr_tablet_connect(&tabs[i], NULL, err))) {
            rc = err->code;
            break;
        }
        rc = vr_vt_create(c, err);
        if (rc == VR_OK)
            rc = vr_vrepl_list(c, NULL, &rows, &nr, err);
        for (j = 0; j < nr && rc == VR_OK; j++) {
            vr_binlog_source_t bs = VR_BINLOG_SOURCE_INIT;
            if (vr_binlog_source_parse(rows[j].source, &bs, NULL) == VR_OK)
                read_rule(&bs, table, x);
            vr_binlog_source_free(&bs);
        }
        vr_vrepl_rows_free(rows, nr);
        mysql_close(c);
    }
    free(tabs);
    if (rc == VR_OK && x->streams == 0)
        rc = vr_errorf(err, VR_NOT_FOUND, "no streams found in keyspace %s for: %s", ks, table);
    return rc;
}

/* Add the table to the keyspace's VSchema as its streams make it. */
static vr_code_t add_to_vschema(vr_vschema_t *vs, const char *table, const ext_info_t *x,
                                char *said, size_t size, vr_error_t *err)
{
    char source[2 * VR_NAME_MAX + 2];
    const char *vname = NULL;
    size_t i;
    vr_code_t rc;

    if (!vr_vschema_sharded(vs)) {
        snprintf(said, size, "%s (unsharded)", table);
        return vr_vschema_add_table(vs, table, NULL, NULL, err);
    }
    if (!x->col[0]) {
        snprintf(source, sizeof(source), "%s.%s", x->src_ks, x->src_table);
        snprintf(said, size, "%s as a reference table (source %s)", table, source);
        return vr_vschema_add_reference_table(vs, table, source, err);
    }
    for (i = 0; i < vr_vschema_vindex_count(vs) && !vname; i++)
        if (strcmp(vr_vschema_vindex_at(vs, i)->type_name, x->vtype) == 0)
            vname = vr_vschema_vindex_at(vs, i)->name;
    if (!vname) {
        if ((rc = vr_vschema_add_vindex(vs, x->vtype, x->vtype, err)) != VR_OK)
            return rc;
        vname = x->vtype;
    }
    snprintf(said, size, "%s (primary vindex %s on %s)", table, vname, x->col);
    return vr_vschema_add_table(vs, table, x->col, vname, err);
}

static vr_code_t auto_route(vr_topo_t *topo, const char *ks, const char *table,
                            const ext_info_t *x, vr_error_t *err)
{
    char *json = NULL, *out = NULL, src[2 * VR_NAME_MAX + 2], dst[2 * VR_NAME_MAX + 2];
    const char *to[2];
    vr_routing_t *rr = NULL;
    vr_code_t rc;

    snprintf(src, sizeof(src), "%s.%s", x->src_ks, x->src_table);
    snprintf(dst, sizeof(dst), "%s.%s", ks, table);
    to[0] = src;
    to[1] = dst;
    if ((rc = vr_topo_get_routing_rules(topo, &json, err)) == VR_OK &&
        (rc = vr_routing_parse(json, &rr, err)) == VR_OK &&
        (rc = vr_routing_set(rr, table, to, 2, err)) == VR_OK) {
        out = vr_routing_to_json(rr);
        rc = vr_topo_put_routing_rules(topo, out, err);
    }
    if (rc == VR_OK)
        printf("routing rules: %s -> %s, %s\n", table, src, dst);
    free(out);
    free(json);
    vr_routing_free(rr);
    return rc;
}

int cmd_externalize(int argc, char **argv)
{
    static const struct option opts[] = {{"auto-route", no_argument, NULL, 'a'},
                                         {"var", required_argument, NULL, 'v'},
                                         {"help", no_argument, NULL, 'h'},
                                         {NULL, 0, NULL, 0}};
    const char *var = vr_cli_default_var();
    char buf[256], said[512], *ks, *table, *json = NULL, *out = NULL;
    bool route = false;
    vr_vschema_t *vs = NULL;
    vr_topo_t *topo;
    ext_info_t x;
    vr_error_t err;
    int c, status = 0;

    optind = 1;
    while ((c = getopt_long(argc, argv, "av:h", opts, NULL)) != -1) {
        switch (c) {
        case 'a': route = true; break;
        case 'v': var = optarg; break;
        case 'h':
            printf("usage: vrepl externalize [--auto-route] TARGET_KS.TABLE\n"
                   "Add a materialized table to its keyspace's VSchema (a reference table, or\n"
                   "with the primary vindex its streams filter by); --auto-route also routes\n"
                   "the table's name to both the source and the copy.\n");
            return 0;
        default: return 2;
        }
    }
    if (argc - optind != 1 || !vr_cli_split_dot(argv[optind], buf, sizeof(buf), &ks, &table)) {
        fprintf(stderr, "usage: vrepl externalize [--auto-route] TARGET_KS.TABLE\n");
        return 2;
    }
    if (!(topo = vr_cli_open_topo("externalize", var)))
        return 1;
    vr_error_clear(&err);
    if (find_streams(topo, ks, table, &x, &err) != VR_OK ||
        vr_topo_get_vschema(topo, ks, &json, &err) != VR_OK ||
        vr_vschema_parse(ks, json, &vs, &err) != VR_OK) {
        status = vr_cli_fail("externalize", "%s", err.msg);
        goto out;
    }
    if (vr_vschema_table(vs, table)) {
        printf("%s is already in keyspace %s's VSchema\n", table, ks);
    } else if (add_to_vschema(vs, table, &x, said, sizeof(said), &err) != VR_OK ||
               vr_cli_check_vschema(topo, vs, &err) != VR_OK ||
               vr_topo_put_vschema(topo, ks, (out = vr_vschema_to_json(vs)), &err) != VR_OK) {
        status = vr_cli_fail("externalize", "%s", err.msg);
        goto out;
    } else {
        printf("VSchema of %s: added %s\n", ks, said);
    }
    if (route && auto_route(topo, ks, table, &x, &err) != VR_OK)
        status = vr_cli_fail("externalize", "%s", err.msg);
out:
    free(out);
    free(json);
    vr_vschema_free(vs);
    vr_topo_close(topo);
    return status;
}
