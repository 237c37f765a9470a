/*
 * workflow.c - vr_workflow_act(): list, show, stop, start and delete a
 * workflow's streams on every target primary of a keyspace, and the
 * keyspace's notify workflows (moved here from cli/cmd_workflow.c,
 * `vrepl workflow`).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "vr_cluster.h"
#include "vr_common.h"
#include "vr_log.h"
#include "vr_notify.h"
#include "vr_topo.h"
#include "vr_value.h"
#include "vr_vplayer.h"
#include "wf_internal.h"

/* One call's state: the options, where output goes, the first error. */
typedef struct wf_act {
    const vr_workflow_opts_t *o;
    const vr_workflow_report_t *rep;
    vr_buf_t *json;  /* show --json: the array being built */
    size_t count;    /* streams and notify workflows acted on */
    vr_code_t rc;    /* the first error's code */
    vr_error_t *err; /* the first error */
} wf_act_t;

/* Report an error and go on; the first one is the call's. */
static void act_fail(wf_act_t *a, const vr_error_t *e)
{
    if (a->rc == VR_OK) {
        a->rc = e->code ? e->code : VR_INTERNAL;
        if (a->err && a->err != e)
            *a->err = *e;
    }
    if (a->rep && a->rep->fail)
        a->rep->fail(a->rep->ctx, e);
}

/* delete without keep_data: drop the tables the stream filled */
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

/* show: one stream, as a JSON object or as text */
static void show_stream(wf_act_t *a, const vr_tablet_t *p, const vr_vrepl_row_t *r)
{
    int64_t lag = vr_vrepl_row_lag(r, (int64_t)time(NULL));
    if (a->json) {
        const char *k[] = {"keyspace", "shard", "tablet", "workflow", "state", "pos", "message"};
        const char *v[] = {p->keyspace, p->shard, p->alias, r->workflow,
                           vr_vrepl_state_name(r->state), r->pos ? r->pos : "",
                           r->message ? r->message : ""};
        size_t f;
        vr_buf_printf(a->json, "%s{\"id\":%lld,\"lag\":%lld,\"rows_copied\":%lld",
                      a->count > 1 ? ",\n" : "", (long long)r->id, (long long)lag,
                      (long long)r->rows_copied);
        for (f = 0; f < VR_ARRAY_LEN(k); f++) {
            vr_buf_printf(a->json, ",\"%s\":", k[f]);
            vr_json_append_string(a->json, v[f], strlen(v[f]));
        }
        vr_buf_putc(a->json, '}');
        return;
    }
    vr_wf_say(a->rep, "%s/%s id=%lld state=%s lag=%llds rows_copied=%lld pos=%s\n  source: %s%s%s",
              p->keyspace, p->shard, (long long)r->id, vr_vrepl_state_name(r->state),
              (long long)lag, (long long)r->rows_copied, r->pos ? r->pos : "", r->source,
              r->message && *r->message ? "\n  message: " : "", r->message ? r->message : "");
}

/* stop, start or delete one stream */
static vr_code_t change_stream(wf_act_t *a, MYSQL *c, const vr_vrepl_row_t *r,
                               vr_error_t *err)
{
    vr_workflow_verb_t verb = a->o->verb;
    vr_code_t rc;
    if (verb == VR_WORKFLOW_DELETE) {
        if ((rc = vr_vrepl_delete(c, r->id, err)) == VR_OK && !a->o->keep_data)
            drop_targets(c, r, r->db_name);
        return rc;
    }
    return vr_vrepl_set_state(c, r->id, verb == VR_WORKFLOW_STOP ? VR_VREPL_STOPPED : VR_VREPL_RUNNING,
                              verb == VR_WORKFLOW_STOP ? "stopped by user" : "", err);
}

static void act_on_primary(wf_act_t *a, const vr_tablet_t *p)
{
    vr_vrepl_row_t *rows = NULL;
    size_t n = 0, i;
    vr_error_t err;
    MYSQL *c = vr_tablet_connect(p, NULL, &err);

    if (!c) {
        act_fail(a, &err);
        return;
    }
    if (vr_vt_create(c, &err) != VR_OK ||
        vr_vrepl_list(c, a->o->workflow, &rows, &n, &err) != VR_OK) {
        vr_error_prefix(&err, "%s/%s", p->keyspace, p->shard);
        act_fail(a, &err);
        goto out;
    }
    for (i = 0; i < n; i++) {
        const vr_vrepl_row_t *r = &rows[i];
        a->count++;
        if (a->o->verb == VR_WORKFLOW_LIST) {
            vr_wf_say(a->rep, "%s.%s", p->keyspace, r->workflow);
        } else if (a->o->verb == VR_WORKFLOW_SHOW) {
            show_stream(a, p, r);
        } else if (a->o->verb == VR_WORKFLOW_START && r->message &&
                   strcmp(r->message, "FROZEN") == 0) {
            vr_errorf(&err, VR_STATE, "%s/%s stream %lld is frozen: vrepl migrate-writes moved "
                                      "its writes to %s, and %s_reverse carries them back",
                      p->keyspace, p->shard, (long long)r->id, p->keyspace, r->workflow);
            act_fail(a, &err);
            break; /* a frozen workflow: the rest of this primary stays */
        } else if (change_stream(a, c, r, &err) != VR_OK) {
            vr_error_prefix(&err, "%s/%s stream %lld", p->keyspace, p->shard, (long long)r->id);
            act_fail(a, &err);
        }
    }
out:
    vr_vrepl_rows_free(rows, n);
    mysql_close(c);
}

/* Notify workflows of the keyspace (all, or the one named); stops at the
 * first error. */
static void act_on_notify(wf_act_t *a, vr_topo_t *topo)
{
    const char *ks = a->o->keyspace, *wf = a->o->workflow;
    vr_workflow_verb_t verb = a->o->verb;
    char **names = NULL;
    size_t n = 0, i;
    vr_error_t err;

    if (vr_notify_list(topo, &names, &n, &err) != VR_OK)
        return; /* no notify workflows recorded */
    for (i = 0; i < n && a->rc == VR_OK; i++) {
        vr_notify_def_t *d = NULL;
        vr_buf_t b = VR_BUF_INIT;
        vr_code_t rc = VR_OK;
        bool mine;
        if (wf && strcmp(names[i], wf) != 0)
            continue;
        if (vr_notify_get(topo, names[i], &d, &err) != VR_OK)
            continue;
        mine = strcmp(d->keyspace, ks) == 0;
        vr_notify_def_free(d);
        if (!mine)
            continue;
        a->count++;
        switch (verb) {
        case VR_WORKFLOW_LIST: vr_wf_say(a->rep, "%s.%s (notify)", ks, names[i]); break;
        case VR_WORKFLOW_SHOW:
            if ((rc = vr_notify_show_json(topo, names[i], 10, &b, &err)) != VR_OK)
                break;
            if (a->json)
                vr_buf_printf(a->json, "%s%s", a->count > 1 ? ",\n" : "", b.data);
            else
                vr_wf_say(a->rep, "%s", b.data);
            break;
        case VR_WORKFLOW_STOP:
        case VR_WORKFLOW_START:
            rc = vr_notify_set_stopped(topo, names[i], verb == VR_WORKFLOW_STOP, &err);
            break;
        case VR_WORKFLOW_DELETE: rc = vr_notify_delete(topo, names[i], &err); break;
        }
        if (rc != VR_OK)
            act_fail(a, &err);
        vr_buf_free(&b);
    }
    vr_topo_strv_free(names, n);
}

vr_code_t vr_workflow_act(vr_topo_t *topo, const vr_workflow_opts_t *o,
                          const vr_workflow_report_t *rep, vr_buf_t *json, vr_error_t *err)
{
    static const char *const done[] = {"", "", "stopped", "started", "deleted"};
    wf_act_t a;
    vr_tablet_t *tabs = NULL;
    size_t n = 0, i;
    vr_error_t e;

    memset(&a, 0, sizeof(a));
    a.o = o;
    a.rep = rep;
    a.json = o->verb == VR_WORKFLOW_SHOW ? json : NULL;
    a.err = err;
    vr_error_clear(err);
    if (o->verb != VR_WORKFLOW_LIST && o->verb != VR_WORKFLOW_SHOW && !o->workflow) {
        vr_errorf(&e, VR_INVALID, "name the workflow: KEYSPACE.WORKFLOW");
        act_fail(&a, &e);
        return a.rc;
    }
    if (vr_topo_list_tablets(topo, o->keyspace, NULL, &tabs, &n, &e) != VR_OK || n == 0) {
        vr_errorf(&e, VR_NOT_FOUND, "keyspace %s not found", o->keyspace);
        act_fail(&a, &e);
        free(tabs);
        return a.rc;
    }
    if (a.json)
        vr_buf_putc(a.json, '[');
    for (i = 0; i < n; i++)
        if (tabs[i].type == VR_TABLET_PRIMARY)
            act_on_primary(&a, &tabs[i]);
    if (a.rc == VR_OK)
        act_on_notify(&a, topo);
    if (a.json)
        vr_buf_putc(a.json, ']');
    if (a.count == 0 && o->workflow && a.rc == VR_OK) {
        vr_errorf(&e, VR_NOT_FOUND, "no streams found in keyspace %s for workflow %s",
                  o->keyspace, o->workflow);
        act_fail(&a, &e);
    } else if (o->verb >= VR_WORKFLOW_STOP && a.rc == VR_OK) {
        vr_wf_say(rep, "%s %zu stream(s) of %s.%s", done[o->verb], a.count, o->keyspace,
                  o->workflow);
    }
    free(tabs);
    return a.rc;
}
