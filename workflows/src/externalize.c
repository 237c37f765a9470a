/*
 * externalize.c - vr_externalize(): a materialized table joins its
 * keyspace's VSchema the way its streams make it (moved here from
 * cli/cmd_workflow.c, `vrepl externalize`), and the check of a VSchema
 * against the topology's other keyspaces (from cli/cli_util.c).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "vr_cluster.h"
#include "vr_common.h"
#include "vr_routing.h"
#include "vr_sqlparser.h"
#include "vr_topo.h"
#include "vr_vplayer.h"
#include "vr_vschema.h"
#include "wf_internal.h"

/* Every keyspace's VSchema from the topology, with ks's replaced by mine. */
vr_code_t vr_workflow_check_vschema(vr_topo_t *topo, vr_vschema_t *mine, vr_error_t *err)
{
    char **names = NULL;
    size_t n = 0, i, m = 0;
    vr_vschema_t **all = NULL;
    vr_code_t rc;

    if ((rc = vr_topo_list_keyspaces(topo, &names, &n, err)) != VR_OK)
        return rc;
    all = vr_xcalloc(n + 1, sizeof(*all));
    all[m++] = mine;
    for (i = 0; i < n && rc == VR_OK; i++) {
        char *json = NULL;
        if (strcmp(names[i], vr_vschema_keyspace(mine)) == 0)
            continue;
        if (vr_topo_get_vschema(topo, names[i], &json, NULL) != VR_OK)
            continue;
        rc = vr_vschema_parse(names[i], json, &all[m], err);
        free(json);
        if (rc == VR_OK)
            m++;
    }
    if (rc == VR_OK)
        rc = vr_vschema_validate_cluster((const vr_vschema_t *const *)all, m, err);
    for (i = 1; i < m; i++)
        vr_vschema_free(all[i]);
    free(all);
    vr_topo_strv_free(names, n);
    return rc;
}

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
        if (tabs[i].type != VR_TABLET_PRIMARY)
            continue;
        rc = vr_wf_primary_streams(&tabs[i], NULL, false, &rows, &nr, err);
        for (j = 0; j < nr && rc == VR_OK; j++) {
            vr_binlog_source_t bs = VR_BINLOG_SOURCE_INIT;
            if (vr_binlog_source_parse(rows[j].source, &bs, NULL) == VR_OK)
                read_rule(&bs, table, x);
            vr_binlog_source_free(&bs);
        }
        vr_vrepl_rows_free(rows, nr);
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
                            const ext_info_t *x, const vr_workflow_report_t *rep, vr_error_t *err)
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
        vr_wf_say(rep, "routing rules: %s -> %s, %s", table, src, dst);
    free(out);
    free(json);
    vr_routing_free(rr);
    return rc;
}

vr_code_t vr_externalize(vr_topo_t *topo, const vr_externalize_opts_t *o,
                         const vr_workflow_report_t *rep, vr_error_t *err)
{
    const char *ks = o->keyspace, *table = o->table;
    char said[512], *json = NULL, *out = NULL;
    vr_vschema_t *vs = NULL;
    ext_info_t x;
    vr_code_t rc;

    if ((rc = find_streams(topo, ks, table, &x, err)) != VR_OK ||
        (rc = vr_topo_get_vschema(topo, ks, &json, err)) != VR_OK ||
        (rc = vr_vschema_parse(ks, json, &vs, err)) != VR_OK)
        goto out;
    if (vr_vschema_table(vs, table)) {
        vr_wf_say(rep, "%s is already in keyspace %s's VSchema", table, ks);
    } else if ((rc = add_to_vschema(vs, table, &x, said, sizeof(said), err)) != VR_OK ||
               (rc = vr_workflow_check_vschema(topo, vs, err)) != VR_OK ||
               (rc = vr_topo_put_vschema(topo, ks, (out = vr_vschema_to_json(vs)), err)) != VR_OK) {
        goto out;
    } else {
        vr_wf_say(rep, "VSchema of %s: added %s", ks, said);
    }
    if (o->auto_route)
        rc = auto_route(topo, ks, table, &x, rep, err);
out:
    free(out);
    free(json);
    vr_vschema_free(vs);
    return rc;
}
