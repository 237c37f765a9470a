/*
 * migrate.c - vr_migrate_reads() and vr_migrate_writes(): the cutover of a
 * copy workflow (a materialize of whole tables), as Vitess's MigrateReads
 * / MigrateWrites (SwitchTraffic) do it; the steps are in vr_workflow.h.
 * Moved here from cli/cmd_migrate.c (`vrepl migrate-reads|migrate-writes`).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "vr_cluster.h"
#include "vr_common.h"
#include "vr_filter.h"
#include "vr_gtid.h"
#include "vr_routing.h"
#include "vr_sqlparser.h"
#include "vr_topo.h"
#include "vr_vplayer.h"
#include "vr_vschema.h"
#include "wf_internal.h"

#define FROZEN "FROZEN"
#define MAX_TABLES 64

/* One stream of the workflow, on a target primary. */
typedef struct mg_stream {
    vr_tablet_t dst;        /* the target primary */
    vr_vrepl_row_t row;
    char src_shard[VR_NAME_MAX];
} mg_stream_t;

/* A table the workflow fills: target name and source name. */
typedef struct mg_table {
    char dst[VR_NAME_MAX];
    char src[VR_NAME_MAX];
} mg_table_t;

typedef struct mg_wf {
    char ks[VR_NAME_MAX], name[VR_NAME_MAX];
    char src_ks[VR_NAME_MAX];
    mg_stream_t *streams;
    size_t nstreams;
    mg_table_t tables[MAX_TABLES];
    size_t ntables;
    bool frozen;
} mg_wf_t;

static void wf_free(mg_wf_t *w)
{
    size_t i;
    for (i = 0; i < w->nstreams; i++)
        vr_vrepl_row_free(&w->streams[i].row);
    free(w->streams);
    w->streams = NULL;
    w->nstreams = 0;
}

/* The source table of a rule when it copies whole rows ("select * from t"
 * with at most an in_keyrange() condition). */
bool vr_workflow_copy_rule(const vr_filter_rule_t *r, char *src, size_t size)
{
    vr_sql_stmt_t *st = NULL;
    vr_sql_expr_list_t conj;
    const vr_sql_select_t *sel;
    bool ok;
    size_t k;

    if (!r->filter || !*r->filter || vr_filter_is_keyrange(r->filter)) {
        snprintf(src, size, "%s", r->match); /* no filter, or a keyrange */
        return r->match[0] != '/';
    }
    if (vr_sql_parse(r->filter, strlen(r->filter), &st, NULL) != VR_OK)
        return false;
    sel = &st->select;
    ok = st->kind == VR_SQL_STMT_SELECT && sel->from.n == 1 &&
         sel->from.items[0]->kind == VR_SQL_TABLE_ALIASED && !sel->from.items[0]->aliased.derived &&
         sel->exprs.n == 1 && sel->exprs.items[0]->kind == VR_SQL_SELECT_STAR &&
         sel->group_by.n == 0 && !sel->having && !sel->distinct;
    conj = vr_sql_conjuncts(st->arena, sel->where);
    for (k = 0; ok && k < conj.n; k++)
        ok = conj.items[k]->kind == VR_SQL_EXPR_FUNC &&
             strcasecmp(conj.items[k]->func.name, "in_keyrange") == 0;
    if (ok)
        snprintf(src, size, "%s", sel->from.items[0]->aliased.name.name);
    vr_sql_free(st);
    return ok;
}

/* Read the workflow's streams from every target primary and check that
 * it copies whole tables from one source keyspace. */
static vr_code_t wf_load(vr_topo_t *topo, const char *ks, const char *name, mg_wf_t *w,
                         vr_error_t *err)
{
    vr_tablet_t *tabs = NULL;
    size_t n = 0, i, j, k;
    vr_code_t rc;

    memset(w, 0, sizeof(*w));
    snprintf(w->ks, sizeof(w->ks), "%s", ks);
    snprintf(w->name, sizeof(w->name), "%s", name);
    if ((rc = vr_topo_list_tablets(topo, ks, NULL, &tabs, &n, err)) != VR_OK)
        return rc;
    if (n == 0) {
        free(tabs);
        return vr_errorf(err, VR_NOT_FOUND, "keyspace %s not found", ks);
    }
    for (i = 0; i < n && rc == VR_OK; i++) {
        vr_vrepl_row_t *rows = NULL;
        size_t nr = 0;
        if (tabs[i].type != VR_TABLET_PRIMARY)
            continue;
        rc = vr_wf_primary_streams(&tabs[i], name, true, &rows, &nr, err);
        for (j = 0; j < nr; j++) {
            mg_stream_t *s;
            w->streams = vr_xrealloc(w->streams, (w->nstreams + 1) * sizeof(*w->streams));
            s = &w->streams[w->nstreams++];
            memset(s, 0, sizeof(*s));
            s->dst = tabs[i];
            s->row = rows[j]; /* moved */
        }
        free(rows);
    }
    free(tabs);
    if (rc == VR_OK && w->nstreams == 0)
        rc = vr_errorf(err, VR_NOT_FOUND, "no streams found in keyspace %s for workflow %s", ks,
                       name);
    for (i = 0; i < w->nstreams && rc == VR_OK; i++) {
        mg_stream_t *s = &w->streams[i];
        vr_binlog_source_t bs = VR_BINLOG_SOURCE_INIT;
        if ((rc = vr_binlog_source_parse(s->row.source, &bs, err)) != VR_OK) {
            vr_error_prefix(err, "%s/%s stream %lld", ks, s->dst.shard, (long long)s->row.id);
            break;
        }
        if (s->row.message && strcmp(s->row.message, FROZEN) == 0)
            w->frozen = true;
        if (!w->src_ks[0])
            snprintf(w->src_ks, sizeof(w->src_ks), "%s", bs.keyspace);
        snprintf(s->src_shard, sizeof(s->src_shard), "%s", bs.shard);
        if (strcmp(w->src_ks, bs.keyspace) != 0)
            rc = vr_errorf(err, VR_UNSUPPORTED,
                           "workflow %s.%s reads from keyspaces %s and %s: a cutover needs one "
                           "source keyspace", ks, name, w->src_ks, bs.keyspace);
        for (j = 0; j < bs.nrules && rc == VR_OK; j++) {
            char src[VR_NAME_MAX];
            if (!vr_workflow_copy_rule(&bs.rules[j], src, sizeof(src))) {
                rc = vr_errorf(err, VR_UNSUPPORTED,
                               "workflow %s.%s does not copy whole rows into %s (filter: %s): "
                               "only a copy of whole tables can take over their reads and writes",
                               ks, name, bs.rules[j].match,
                               bs.rules[j].filter ? bs.rules[j].filter : "");
                break;
            }
            for (k = 0; k < w->ntables && strcmp(w->tables[k].dst, bs.rules[j].match) != 0; k++)
                ;
            if (k == w->ntables && k < MAX_TABLES) {
                snprintf(w->tables[k].dst, sizeof(w->tables[k].dst), "%s", bs.rules[j].match);
                snprintf(w->tables[k].src, sizeof(w->tables[k].src), "%s", src);
                w->ntables++;
            }
        }
        vr_binlog_source_free(&bs);
    }
    if (rc != VR_OK)
        wf_free(w);
    return rc;
}

/* Load the routing rules, let edit() change them, store them. */
static vr_code_t edit_rules(vr_topo_t *topo, const mg_wf_t *w, const char *suffix, bool remove,
                            const vr_workflow_report_t *rep, vr_error_t *err)
{
    char *json = NULL, *out = NULL;
    vr_routing_t *rr = NULL;
    vr_code_t rc;
    size_t i;

    if ((rc = vr_topo_get_routing_rules(topo, &json, err)) == VR_OK &&
        (rc = vr_routing_parse(json, &rr, err)) == VR_OK) {
        for (i = 0; i < w->ntables && rc == VR_OK; i++) {
            char from[2 * VR_NAME_MAX], to[2 * VR_NAME_MAX + 2];
            const char *tov[1] = {to};
            snprintf(from, sizeof(from), "%s%s", w->tables[i].dst, suffix);
            snprintf(to, sizeof(to), "%s.%s", w->ks, w->tables[i].dst);
            if (remove) {
                if (vr_routing_get(rr, from))
                    rc = vr_routing_remove(rr, from, err);
            } else {
                rc = vr_routing_set(rr, from, tov, 1, err);
            }
            if (rc == VR_OK)
                vr_wf_say(rep, "routing rules: %s %s%s", from, remove ? "removed" : "-> ",
                          remove ? "" : to);
        }
        if (rc == VR_OK) {
            out = vr_routing_to_json(rr);
            rc = vr_topo_put_routing_rules(topo, out, err);
        }
    }
    free(out);
    free(json);
    vr_routing_free(rr);
    return rc;
}

/* Is "table@type" routed to the copy already? */
static bool reads_migrated(vr_topo_t *topo, const mg_wf_t *w, const char *suffix, const char **which)
{
    char *json = NULL;
    vr_routing_t *rr = NULL;
    bool ok = false;
    size_t i;
    if (vr_topo_get_routing_rules(topo, &json, NULL) == VR_OK &&
        vr_routing_parse(json, &rr, NULL) == VR_OK) {
        ok = true;
        for (i = 0; i < w->ntables && ok; i++) {
            char from[2 * VR_NAME_MAX];
            const vr_routing_rule_t *r;
            snprintf(from, sizeof(from), "%s%s", w->tables[i].dst, suffix);
            r = vr_routing_get(rr, from);
            ok = r && r->nto == 1 && strcmp(r->targets[0].keyspace, w->ks) == 0;
            if (!ok)
                *which = w->tables[i].dst;
        }
    }
    free(json);
    vr_routing_free(rr);
    return ok;
}

static vr_code_t scalar(MYSQL *c, const char *sql, char *out, size_t size, vr_error_t *err)
{
    char *v = vr_tablet_query_value(c, sql, err);
    if (!v)
        return err->code;
    snprintf(out, size, "%s", v);
    free(v);
    return VR_OK;
}

/* A primary's binlog position now. */
static vr_code_t binlog_pos(MYSQL *c, vr_gtid_set_t *pos, vr_error_t *err)
{
    char *v = vr_tablet_query_value(c, "select @@gtid_binlog_pos", err);
    vr_code_t rc = v ? vr_gtid_set_parse(pos, v, err) : err->code;
    free(v);
    return rc;
}

/* Source shards, each with its primary and its position. */
typedef struct mg_src {
    char shard[VR_NAME_MAX];
    vr_tablet_t primary;
    char **denied_before; /* to restore on failure */
    size_t ndenied_before;
    bool denied;
    vr_gtid_set_t pos;
} mg_src_t;

/* Deny writes to the source tables on every source primary. */
static vr_code_t deny_writes(vr_topo_t *topo, const mg_wf_t *w, mg_src_t *src, size_t nsrc,
                             vr_error_t *err)
{
    size_t i, j;
    vr_code_t rc = VR_OK;
    for (i = 0; i < nsrc && rc == VR_OK; i++) {
        const char *tables[MAX_TABLES * 2];
        size_t n = 0;
        if ((rc = vr_topo_get_denied_tables(topo, w->src_ks, src[i].shard, VR_TABLET_PRIMARY,
                                            &src[i].denied_before, &src[i].ndenied_before,
                                            err)) != VR_OK)
            break;
        for (j = 0; j < src[i].ndenied_before && n < MAX_TABLES; j++)
            tables[n++] = src[i].denied_before[j];
        for (j = 0; j < w->ntables; j++)
            tables[n++] = w->tables[j].src;
        rc = vr_topo_set_denied_tables(topo, w->src_ks, src[i].shard, VR_TABLET_PRIMARY, tables, n,
                                       err);
        src[i].denied = rc == VR_OK;
    }
    return rc;
}

static void undeny_writes(vr_topo_t *topo, const mg_wf_t *w, mg_src_t *src, size_t nsrc)
{
    size_t i;
    for (i = 0; i < nsrc; i++)
        if (src[i].denied &&
            vr_topo_set_denied_tables(topo, w->src_ks, src[i].shard, VR_TABLET_PRIMARY,
                                      (const char *const *)src[i].denied_before,
                                      src[i].ndenied_before, NULL) == VR_OK)
            src[i].denied = false;
}

/* Wait until no transaction that wrote before t0 (source clock, seconds)
 * is still open, then read the source's position. */
static vr_code_t source_position(mg_src_t *s, const char *t0, int64_t deadline, vr_error_t *err)
{
    char q[512], v[4096];
    MYSQL *c = vr_tablet_connect(&s->primary, NULL, err);
    vr_code_t rc = VR_OK;
    if (!c)
        return err->code;
    snprintf(q, sizeof(q),
             "select count(*) from information_schema.innodb_trx where trx_mysql_thread_id <> "
             "connection_id() and trx_rows_modified > 0 and trx_started <= from_unixtime(%s)", t0);
    for (;;) {
        if ((rc = scalar(c, q, v, sizeof(v), err)) != VR_OK || strcmp(v, "0") == 0)
            break;
        if (vr_mono_ms() > deadline) {
            rc = vr_errorf(err, VR_TIMEOUT,
                           "%s transaction(s) that wrote before the denial are still open on %s",
                           v, s->primary.alias);
            break;
        }
        usleep(50 * 1000);
    }
    if (rc == VR_OK)
        rc = binlog_pos(c, &s->pos, err);
    mysql_close(c);
    if (rc != VR_OK)
        vr_error_prefix(err, "%s/%s", s->primary.keyspace, s->shard);
    return rc;
}

/* Wait until stream st has applied its source up to pos. */
static vr_code_t catch_up(mg_stream_t *st, const vr_gtid_set_t *pos, int64_t deadline,
                          vr_error_t *err)
{
    MYSQL *c = vr_tablet_connect(&st->dst, NULL, err);
    vr_code_t rc = VR_OK;
    if (!c)
        return err->code;
    for (;;) {
        vr_vrepl_row_t r;
        vr_gtid_set_t have;
        bool done;
        if ((rc = vr_vrepl_read(c, st->row.id, &r, err)) != VR_OK)
            break;
        vr_gtid_set_init(&have);
        rc = vr_vrepl_pos_parse(r.pos ? r.pos : "", &have, err);
        done = rc == VR_OK && vr_gtid_set_contains_set(&have, pos);
        if (rc == VR_OK && !done && r.state != VR_VREPL_RUNNING)
            rc = vr_errorf(err, VR_STATE, "stream %lld is %s%s%s", (long long)r.id,
                           vr_vrepl_state_name(r.state), r.message && *r.message ? ": " : "",
                           r.message ? r.message : "");
        vr_gtid_set_free(&have);
        vr_vrepl_row_free(&r);
        if (rc != VR_OK || done)
            break;
        if (vr_mono_ms() > deadline) {
            rc = vr_errorf(err, VR_TIMEOUT, "stream %lld did not catch up with its source",
                           (long long)st->row.id);
            break;
        }
        usleep(50 * 1000);
    }
    mysql_close(c);
    if (rc != VR_OK)
        vr_error_prefix(err, "%s/%s", st->dst.keyspace, st->dst.shard);
    return rc;
}

/* The reverse stream's filter: the copy's rows of the source shard. */
void vr_workflow_reverse_filter(const vr_vschema_t *src_vs, const char *src_table,
                                const char *dst_table, const char *src_shard, vr_buf_t *f)
{
    const vr_vschema_colvindex_t *cv =
        src_vs && vr_vschema_sharded(src_vs) ? vr_vschema_primary_vindex(src_vs, src_table) : NULL;
    vr_buf_puts(f, "select * from ");
    vr_buf_put_sql_ident(f, dst_table);
    if (cv) {
        vr_buf_puts(f, " where in_keyrange(");
        vr_buf_put_sql_ident(f, cv->columns[0]);
        vr_buf_puts(f, ", ");
        vr_buf_put_sql_string(f, cv->vindex->type_name, strlen(cv->vindex->type_name));
        vr_buf_puts(f, ", ");
        vr_buf_put_sql_string(f, src_shard, strlen(src_shard));
        vr_buf_puts(f, ")");
    }
}

static void partner_name(const char *name, char *out, size_t size);

static vr_code_t add_reverse(const mg_wf_t *w, const mg_src_t *s, const vr_vschema_t *src_vs,
                             const char *dst_shard, const vr_gtid_set_t *start, int64_t *id,
                             vr_error_t *err)
{
    vr_binlog_source_t bs = VR_BINLOG_SOURCE_INIT;
    vr_buf_t text = VR_BUF_INIT, pos = VR_BUF_INIT;
    char name[2 * VR_NAME_MAX];
    vr_vrepl_row_t row;
    MYSQL *c;
    size_t i;
    vr_code_t rc;

    bs.keyspace = vr_xstrdup(w->ks);
    bs.shard = vr_xstrdup(dst_shard);
    for (i = 0; i < w->ntables; i++) {
        vr_buf_t f = VR_BUF_INIT;
        vr_workflow_reverse_filter(src_vs, w->tables[i].src, w->tables[i].dst, s->shard, &f);
        vr_binlog_source_add_rule(&bs, w->tables[i].src, f.data);
        vr_buf_free(&f);
    }
    vr_binlog_source_format(&bs, &text);
    vr_vrepl_pos_format(start, &pos);
    partner_name(w->name, name, sizeof(name));
    memset(&row, 0, sizeof(row));
    row.workflow = name;
    row.source = text.data;
    row.pos = pos.data ? pos.data : "";
    row.state = VR_VREPL_RUNNING;
    row.db_name = (char *)s->primary.db_name;
    row.workflow_type = VR_WORKFLOW_MATERIALIZE;
    row.time_updated = (int64_t)time(NULL);
    if (!(c = vr_tablet_connect(&s->primary, NULL, err)))
        rc = err->code;
    else if ((rc = vr_vt_create(c, err)) == VR_OK)
        rc = vr_vrepl_insert(c, &row, id, err);
    if (c)
        mysql_close(c);
    vr_buf_free(&text);
    vr_buf_free(&pos);
    vr_binlog_source_free(&bs);
    return rc;
}

static vr_code_t freeze(mg_wf_t *w, vr_error_t *err)
{
    size_t i;
    vr_code_t rc = VR_OK;
    for (i = 0; i < w->nstreams && rc == VR_OK; i++) {
        MYSQL *c = vr_tablet_connect(&w->streams[i].dst, NULL, err);
        if (!c)
            return err->code;
        rc = vr_vrepl_set_state(c, w->streams[i].row.id, VR_VREPL_STOPPED, FROZEN, err);
        mysql_close(c);
    }
    return rc;
}

/* The target shards (distinct), each with its primary's position. */
static vr_code_t target_positions(const mg_wf_t *w, vr_tablet_t *dst, vr_gtid_set_t *pos,
                                  size_t *n, vr_error_t *err)
{
    size_t i, j;
    vr_code_t rc = VR_OK;
    *n = 0;
    for (i = 0; i < w->nstreams && rc == VR_OK; i++) {
        MYSQL *c;
        for (j = 0; j < *n && strcmp(dst[j].shard, w->streams[i].dst.shard) != 0; j++)
            ;
        if (j < *n)
            continue;
        if (!(c = vr_tablet_connect(&w->streams[i].dst, NULL, err)))
            return err->code;
        dst[*n] = w->streams[i].dst;
        rc = binlog_pos(c, &pos[*n], err);
        (*n)++;
        mysql_close(c);
    }
    return rc;
}

/* The workflow that carries writes the other way: "wf_reverse" for "wf",
 * "wf" for "wf_reverse". */
static void partner_name(const char *name, char *out, size_t size)
{
    size_t n = strlen(name), k = strlen("_reverse");
    if (n > k && strcmp(name + n - k, "_reverse") == 0)
        snprintf(out, size, "%.*s", (int)(n - k), name);
    else
        snprintf(out, size, "%s_reverse", name);
}

/* Switching back: the partner workflow (in the source keyspace, reading
 * this one's target keyspace) was frozen by the previous migrate-writes.
 * Resume each of its streams at its source shard's position now (dst and
 * dpos: this workflow's targets, the partner's sources).  VR_NOT_FOUND
 * when there is no partner. */
static vr_code_t resume_partner(vr_topo_t *topo, const mg_wf_t *w, const vr_tablet_t *dst,
                                const vr_gtid_set_t *dpos, size_t ndst,
                                const vr_workflow_report_t *rep, vr_error_t *err)
{
    char pname[2 * VR_NAME_MAX];
    mg_wf_t p;
    size_t i, j;
    vr_code_t rc;

    partner_name(w->name, pname, sizeof(pname));
    if ((rc = wf_load(topo, w->src_ks, pname, &p, err)) != VR_OK)
        return rc;
    if (!p.frozen || strcmp(p.src_ks, w->ks) != 0)
        rc = vr_errorf(err, VR_STATE, "workflow %s.%s exists and is not the frozen copy of %s "
                                      "into %s: delete it or give this workflow another name",
                       w->src_ks, pname, w->ks, w->src_ks);
    for (i = 0; i < p.nstreams && rc == VR_OK; i++) {
        const mg_stream_t *st = &p.streams[i];
        vr_buf_t q = VR_BUF_INIT, pos = VR_BUF_INIT;
        MYSQL *c;
        for (j = 0; j < ndst && strcmp(dst[j].shard, st->src_shard) != 0; j++)
            ;
        if (j == ndst) {
            rc = vr_errorf(err, VR_NOT_FOUND, "stream %lld of %s.%s reads %s/%s, which this "
                                              "workflow does not write",
                           (long long)st->row.id, w->src_ks, pname, w->ks, st->src_shard);
            break;
        }
        vr_vrepl_pos_format(&dpos[j], &pos);
        vr_buf_puts(&q, "update _vt.vreplication set pos = ");
        vr_buf_put_sql_string(&q, pos.data ? pos.data : "", pos.len);
        vr_buf_printf(&q, ", state = 'Running', message = '' where id = %lld",
                      (long long)st->row.id);
        if (!(c = vr_tablet_connect(&st->dst, NULL, err)))
            rc = err->code;
        else
            rc = vr_tablet_exec(c, q.data, err);
        if (c)
            mysql_close(c);
        if (rc == VR_OK)
            vr_wf_say(rep, "resumed stream %lld on %s/%s: %s/%s -> %s, from %s", (long long)st->row.id,
                      w->src_ks, st->dst.shard, w->ks, st->src_shard, p.tables[0].dst,
                      pos.data ? pos.data : "");
        vr_buf_free(&q);
        vr_buf_free(&pos);
    }
    wf_free(&p);
    return rc;
}

/* Writes to the workflow's tables are the copy's now: take them off the
 * denied lists of the copy's primaries (a previous migrate-writes the
 * other way put them there). */
static vr_code_t allow_writes(vr_topo_t *topo, const mg_wf_t *w, const vr_workflow_report_t *rep,
                              vr_error_t *err)
{
    char **shards = NULL;
    size_t nshards = 0, i, j, k, removed = 0;
    vr_code_t rc;

    if ((rc = vr_topo_list_shards(topo, w->ks, &shards, &nshards, err)) != VR_OK)
        return rc;
    for (i = 0; i < nshards && rc == VR_OK; i++) {
        char **denied = NULL;
        const char *keep[MAX_TABLES * 2];
        size_t n = 0, nkeep = 0;
        if ((rc = vr_topo_get_denied_tables(topo, w->ks, shards[i], VR_TABLET_PRIMARY, &denied,
                                            &n, err)) != VR_OK)
            break;
        for (j = 0; j < n && nkeep < VR_ARRAY_LEN(keep); j++) {
            for (k = 0; k < w->ntables && strcmp(w->tables[k].dst, denied[j]) != 0; k++)
                ;
            if (k == w->ntables)
                keep[nkeep++] = denied[j];
        }
        if (nkeep < n) {
            rc = vr_topo_set_denied_tables(topo, w->ks, shards[i], VR_TABLET_PRIMARY, keep, nkeep,
                                           err);
            removed++;
        }
        vr_topo_strv_free(denied, n);
    }
    if (rc == VR_OK && removed)
        vr_wf_say(rep, "writes to %s are allowed again on %zu primar%s of %s", w->tables[0].dst,
                  removed, removed == 1 ? "y" : "ies", w->ks);
    vr_topo_strv_free(shards, nshards);
    return rc;
}

static vr_code_t migrate_writes(vr_topo_t *topo, mg_wf_t *w, int timeout_s,
                                const vr_workflow_report_t *rep, vr_error_t *err)
{
    char **shards = NULL, t0[64] = "", *json = NULL;
    size_t nshards = 0, i, j, ndst = 0;
    mg_src_t *src = NULL;
    vr_tablet_t *dst = NULL;
    vr_gtid_set_t *dpos = NULL;
    vr_vschema_t *src_vs = NULL;
    int64_t deadline;
    const char *which = NULL;
    vr_code_t rc;

    if (w->frozen)
        return vr_errorf(err, VR_STATE, "writes of workflow %s.%s are already migrated (its "
                                        "streams are frozen)", w->ks, w->name);
    for (i = 0; i < 2; i++) {
        const char *type = i == 0 ? "rdonly" : "replica";
        char suffix[16];
        snprintf(suffix, sizeof(suffix), "@%s", type);
        if (!reads_migrated(topo, w, suffix, &which))
            return vr_errorf(err, VR_STATE,
                             "reads of %s are not migrated for %s yet: run 'vrepl migrate-reads "
                             "--tablet-type %s %s.%s' first", which, type, type, w->ks, w->name);
    }
    for (i = 0; i < w->nstreams; i++)
        if (w->streams[i].row.state != VR_VREPL_RUNNING)
            return vr_errorf(err, VR_STATE, "stream %lld on %s/%s is %s, not Running",
                             (long long)w->streams[i].row.id, w->ks, w->streams[i].dst.shard,
                             vr_vrepl_state_name(w->streams[i].row.state));
    if ((rc = vr_topo_list_shards(topo, w->src_ks, &shards, &nshards, err)) != VR_OK)
        return rc;
    if (vr_topo_get_vschema(topo, w->src_ks, &json, NULL) == VR_OK)
        vr_vschema_parse(w->src_ks, json, &src_vs, NULL);
    src = vr_xcalloc(nshards, sizeof(*src));
    dst = vr_xcalloc(w->nstreams, sizeof(*dst));
    dpos = vr_xcalloc(w->nstreams, sizeof(*dpos));
    for (i = 0; i < w->nstreams; i++)
        vr_gtid_set_init(&dpos[i]);
    for (i = 0; i < nshards && rc == VR_OK; i++) {
        snprintf(src[i].shard, sizeof(src[i].shard), "%s", shards[i]);
        vr_gtid_set_init(&src[i].pos);
        rc = vr_topo_get_primary(topo, w->src_ks, shards[i], &src[i].primary, err);
    }
    /* the source clock before the denial, for the open-transaction wait */
    if (rc == VR_OK) {
        MYSQL *c = vr_tablet_connect(&src[0].primary, NULL, err);
        rc = c ? scalar(c, "select unix_timestamp()", t0, sizeof(t0), err) : err->code;
        if (c)
            mysql_close(c);
    }
    /* 1-3: deny, let gateways see it, wait for open writers and streams */
    if (rc == VR_OK && (rc = deny_writes(topo, w, src, nshards, err)) == VR_OK) {
        vr_buf_t line = VR_BUF_INIT;
        vr_buf_puts(&line, "denied writes to");
        for (i = 0; i < w->ntables; i++)
            vr_buf_printf(&line, " %s", w->tables[i].src);
        vr_wf_say(rep, "%s on %zu primar%s of %s", line.data, nshards, nshards == 1 ? "y" : "ies",
                  w->src_ks);
        vr_buf_free(&line);
        usleep(600 * 1000);
        deadline = vr_mono_ms() + (int64_t)timeout_s * 1000;
        for (i = 0; i < nshards && rc == VR_OK; i++)
            rc = source_position(&src[i], t0, deadline, err);
        for (i = 0; i < w->nstreams && rc == VR_OK; i++) {
            for (j = 0; j < nshards && strcmp(src[j].shard, w->streams[i].src_shard) != 0; j++)
                ;
            if (j == nshards)
                rc = vr_errorf(err, VR_NOT_FOUND, "stream %lld reads shard %s/%s, which is gone",
                               (long long)w->streams[i].row.id, w->src_ks, w->streams[i].src_shard);
            else
                rc = catch_up(&w->streams[i], &src[j].pos, deadline, err);
        }
        if (rc == VR_OK)
            vr_wf_say(rep, "the %zu stream(s) have applied every write of the source",
                      w->nstreams);
        else
            vr_error_prefix(err, "writes stay with %s (the denial is taken back)", w->src_ks);
    }
    /* 4: freeze the forward streams, then the targets' positions */
    if (rc == VR_OK && (rc = freeze(w, err)) != VR_OK)
        vr_error_prefix(err, "freezing the streams (the denial is taken back)");
    if (rc != VR_OK) {
        undeny_writes(topo, w, src, nshards);
        for (i = 0; i < w->nstreams; i++) { /* unfreeze any already frozen */
            MYSQL *c = vr_tablet_connect(&w->streams[i].dst, NULL, NULL);
            if (c) {
                vr_vrepl_set_state(c, w->streams[i].row.id, VR_VREPL_RUNNING, "", NULL);
                mysql_close(c);
            }
        }
        goto out;
    }
    vr_wf_say(rep, "froze the workflow's streams (message %s)", FROZEN);
    if ((rc = target_positions(w, dst, dpos, &ndst, err)) != VR_OK) {
        vr_error_prefix(err, "after freezing the streams (writes are denied on %s; run "
                             "migrate-writes again once the targets answer)", w->src_ks);
        goto out;
    }
    /* 5: primaries' traffic to the copy */
    if ((rc = allow_writes(topo, w, rep, err)) != VR_OK ||
        (rc = edit_rules(topo, w, "", false, rep, err)) != VR_OK)
        goto out;
    /* 6: the reverse workflow, from the positions of step 4: the frozen
     * one when switching back, else new streams */
    if ((rc = resume_partner(topo, w, dst, dpos, ndst, rep, err)) != VR_NOT_FOUND)
        goto out;
    vr_error_clear(err);
    rc = VR_OK;
    for (i = 0; i < nshards && rc == VR_OK; i++)
        for (j = 0; j < ndst && rc == VR_OK; j++) {
            int64_t id = 0;
            if ((rc = add_reverse(w, &src[i], src_vs, dst[j].shard, &dpos[j], &id, err)) != VR_OK)
                vr_error_prefix(err, "creating the reverse stream on %s/%s", w->src_ks,
                                src[i].shard);
            else
                vr_wf_say(rep, "reverse stream %lld on %s/%s: %s/%s -> %s", (long long)id,
                          w->src_ks, src[i].shard, w->ks, dst[j].shard, w->tables[0].src);
        }
out:
    for (i = 0; i < nshards; i++) {
        vr_topo_strv_free(src[i].denied_before, src[i].ndenied_before);
        vr_gtid_set_free(&src[i].pos);
    }
    for (i = 0; i < w->nstreams; i++)
        vr_gtid_set_free(&dpos[i]);
    free(dpos);
    free(dst);
    free(src);
    free(json);
    vr_vschema_free(src_vs);
    vr_topo_strv_free(shards, nshards);
    return rc;
}

vr_code_t vr_migrate_reads(vr_topo_t *topo, const vr_migrate_reads_opts_t *o,
                           const vr_workflow_report_t *rep, vr_error_t *err)
{
    const char *ks = o->keyspace, *name = o->workflow, *type = o->tablet_type;
    char suffix[16];
    vr_code_t rc;
    mg_wf_t w;
    size_t i;

    if (!type || (strcmp(type, "rdonly") != 0 && strcmp(type, "replica") != 0))
        return vr_errorf(err, VR_INVALID, "tablet type %s: reads move for rdonly or replica "
                                          "(primary traffic moves with migrate-writes)",
                         type ? type : "(none)");
    if ((rc = wf_load(topo, ks, name, &w, err)) != VR_OK)
        return rc;
    for (i = 0; i < w.nstreams && !o->reverse; i++)
        if (w.streams[i].row.state != VR_VREPL_RUNNING && !w.frozen) {
            rc = vr_errorf(err, VR_STATE,
                           "workflow %s.%s: stream %lld on %s/%s is %s, not Running: "
                           "reads can only move to a copy that is caught up",
                           ks, name, (long long)w.streams[i].row.id, ks, w.streams[i].dst.shard,
                           vr_vrepl_state_name(w.streams[i].row.state));
            goto out;
        }
    if (o->reverse && w.frozen) {
        rc = vr_errorf(err, VR_STATE, "workflow %s.%s is frozen: its writes were "
                                      "migrated, so reads stay with the copy", ks, name);
        goto out;
    }
    snprintf(suffix, sizeof(suffix), "@%s", type);
    if ((rc = edit_rules(topo, &w, suffix, o->reverse, rep, err)) == VR_OK)
        vr_wf_say(rep, "%s reads of workflow %s.%s %s", type, ks, name,
                  o->reverse ? "are served by the source again" : "are served by the copy");
out:
    wf_free(&w);
    return rc;
}

vr_code_t vr_migrate_writes(vr_topo_t *topo, const vr_migrate_writes_opts_t *o,
                            const vr_workflow_report_t *rep, vr_error_t *err)
{
    const char *ks = o->keyspace, *name = o->workflow;
    char lock[300], owner[64];
    vr_code_t rc;
    mg_wf_t w;

    if (o->timeout_s <= 0)
        return vr_errorf(err, VR_INVALID, "migrate-writes: the timeout must be positive");
    snprintf(lock, sizeof(lock), "workflow/%s.%s", ks, name);
    if (o->lock_owner)
        snprintf(owner, sizeof(owner), "%s", o->lock_owner);
    else
        snprintf(owner, sizeof(owner), "vr_migrate_writes pid %d", (int)getpid());
    if ((rc = vr_topo_lock(topo, lock, owner, o->timeout_s + 60, err)) != VR_OK)
        return rc;
    if ((rc = wf_load(topo, ks, name, &w, err)) == VR_OK) {
        if ((rc = migrate_writes(topo, &w, o->timeout_s, rep, err)) != VR_OK)
            vr_error_prefix(err, "%s.%s", ks, name);
        else {
            char pname[2 * VR_NAME_MAX];
            partner_name(name, pname, sizeof(pname));
            vr_wf_say(rep, "writes of workflow %s.%s now go to %s; %s keeps %s current", ks, name,
                      ks, pname, w.src_ks);
        }
        wf_free(&w);
    }
    vr_topo_unlock(topo, lock, owner, NULL);
    return rc;
}
