/*
 * copier.c - the copy phase: each table with a _vt.copy_state row is
 * copied from a consistent snapshot, in primary-key order, in packets.
 *
 * For the first table left (copy_state order):
 *   1. open a rowstreamer snapshot of its source table after lastpk; the
 *      snapshot is at GTID set G;
 *   2. when pos is behind G, catch up from pos to G (applier.c with a copy
 *      filter): fully copied tables get every change, this table only rows
 *      whose key is <= lastpk (the rest is in the snapshot), tables not
 *      started nothing;
 *   3. insert each packet (projected by the rule's filter) in ONE target
 *      transaction that also saves lastpk, pos = G and rows_copied; the
 *      last packet deletes the table's copy_state row instead.
 * A crash or a stop between packets leaves lastpk and pos consistent with
 * the rows, so the next attempt resumes with a new snapshot.  While the
 * target runs packet k the next packet is read and turned into SQL
 * (mysql_send_query), so source and target work at the same time.
 *
 * Runs on the thread of vr_vplayer_run().
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "vplayer_int.h"

typedef struct copy_entry {
    char *table;
    char *lastpk; /* NULL: not started */
} copy_entry_t;

typedef struct copy_job {
    vp_player_t *p;
    const char *target;
    const trule_t *rule;
    vr_rowstream_t *rs;
    vr_filter_t *filter;
    const vr_filter_plan_t *fplan;
    tplan_t *plan;
    vr_arena_t *arena;        /* projected rows of a packet */
    vp_script_t script[2];
    int cur;                  /* script being built */
    bool in_flight;           /* script[!cur] sent, result not read */
    uint64_t in_flight_rows;
    const vr_gtid_set_t *g;
    const char *g_text;       /* "MariaDB/..." */
    const char *label;        /* "the copy at MariaDB/...": the GTID errors name */
} copy_job_t;

static vr_code_t load_copy_state(vp_player_t *p, copy_entry_t **out, size_t *n, vr_error_t *err)
{
    char sql[256];
    MYSQL_RES *res;
    MYSQL_ROW row;
    vr_code_t rc;
    *out = NULL;
    *n = 0;
    snprintf(sql, sizeof(sql), "select table_name, lastpk from _vt.copy_state where "
                               "vrepl_id=%lld order by id", (long long)p->o.id);
    if ((rc = vp_query(p->tc, sql, &res, err)) != VR_OK)
        return rc;
    *out = vr_arena_calloc(p->arena, (mysql_num_rows(res) + 1) * sizeof(**out));
    while ((row = mysql_fetch_row(res))) {
        unsigned long *len = mysql_fetch_lengths(res);
        (*out)[*n].table = vr_arena_strdup(p->arena, row[0] ? row[0] : "");
        (*out)[*n].lastpk = row[1] && len[1] ? vr_arena_strndup(p->arena, row[1], len[1]) : NULL;
        (*n)++;
    }
    mysql_free_result(res);
    return VR_OK;
}

/* ---- packets ----------------------------------------------------------------------------- */

static vr_code_t finish_in_flight(copy_job_t *j, vr_error_t *err)
{
    vp_player_t *p = j->p;
    vr_code_t rc;
    if (!j->in_flight)
        return VR_OK;
    j->in_flight = false;
    if ((rc = vp_script_finish(&j->script[!j->cur], p->tc, err)) != VR_OK) {
        vr_error_t ignored;
        vp_exec(p->tc, "rollback", &ignored);
        return rc;
    }
    vr_gtid_set_copy(&p->pos, j->g);
    pthread_mutex_lock(&p->mu);
    p->stats.rows_copied += j->in_flight_rows;
    p->progress++;
    pthread_mutex_unlock(&p->mu);
    return VR_OK;
}

/* The copy state / position statements closing a packet's transaction. */
static void packet_state(copy_job_t *j, const vr_rowpacket_t *pkt, uint64_t rows)
{
    vp_player_t *p = j->p;
    vp_script_t *s = &j->script[j->cur];
    vr_buf_t q = VR_BUF_INIT;
    if (pkt->done) {
        vr_buf_printf(&q, "delete from _vt.copy_state where vrepl_id=%lld and table_name=",
                      (long long)p->o.id);
        vp_put_string(&q, j->target);
    } else {
        const vr_vtable_t *t = pkt->table;
        const char **names = vr_arena_alloc(j->arena, (t->npk + 1) * sizeof(char *));
        vr_buf_t lp = VR_BUF_INIT;
        uint32_t i;
        for (i = 0; i < t->npk; i++)
            names[i] = t->fields[t->pk[i]].name;
        vr_lastpk_format(&lp, names, pkt->lastpk, t->npk);
        vr_buf_puts(&q, "update _vt.copy_state set lastpk=");
        vr_buf_put_sql_string(&q, lp.data, lp.len);
        vr_buf_printf(&q, " where vrepl_id=%lld and table_name=", (long long)p->o.id);
        vp_put_string(&q, j->target);
        vr_buf_free(&lp);
    }
    vp_script_stmt(s, q.data, q.len, NULL, "_vt.copy_state");
    vr_buf_reset(&q);
    vr_buf_printf(&q, "update _vt.vreplication set pos='%s', rows_copied=rows_copied+%llu, "
                      "time_updated=%lld",
                  j->g_text, (unsigned long long)rows, (long long)time(NULL));
    if (p->row.message && *p->row.message) { /* a retry's message: it works again */
        vr_buf_puts(&q, ", message=''");
        p->row.message[0] = '\0';
    }
    vr_buf_printf(&q, " where id=%lld", (long long)p->o.id);
    vp_script_stmt(s, q.data, q.len, NULL, "_vt.vreplication");
    vp_script_stmt(s, "commit", 6, NULL, NULL);
    vr_buf_free(&q);
}

static vr_code_t plan_packet(copy_job_t *j, const vr_vtable_t *t, vr_error_t *err)
{
    vp_player_t *p = j->p;
    ttable_t *tt;
    vr_code_t rc;
    if (j->plan)
        return VR_OK;
    if ((rc = vr_filter_plan(j->filter, t, &j->fplan, err)) != VR_OK)
        return rc;
    if (!j->fplan)
        return vr_errorf(err, VR_INTERNAL, "no filter rule for source table %s", t->name);
    if ((rc = vp_ttable_load(p->tc, p->row.db_name, j->target, p->arena, &tt, err)) != VR_OK)
        return rc;
    return vp_tplan_build(j->rule, vr_filter_plan_table(j->fplan), tt, p->o.target_vschema,
                          &j->plan, err);
}

/* Build packet pkt's transaction into script[cur]; *rows gets the rows kept. */
static vr_code_t build_packet(copy_job_t *j, const vr_rowpacket_t *pkt, uint64_t *rows,
                              vr_error_t *err)
{
    vp_script_t *s = &j->script[j->cur];
    uint32_t nf;
    size_t i;
    vr_code_t rc;
    *rows = 0;
    if ((rc = plan_packet(j, pkt->table, err)) != VR_OK)
        return rc;
    nf = vr_filter_plan_table(j->fplan)->nfields;
    vp_script_reset(s);
    vr_arena_reset(j->arena);
    vp_script_stmt(s, "begin", 5, NULL, NULL);
    for (i = 0; i < pkt->nrows; i++) {
        vr_value_t *out = vr_arena_alloc(j->arena, (nf ? nf : 1) * sizeof(*out));
        bool keep;
        if ((rc = vr_filter_plan_row(j->fplan, pkt->rows[i], j->arena, &keep, out, err)) != VR_OK)
            return rc;
        if (!keep)
            continue;
        vp_script_row(s, j->plan, NULL, out, j->label);
        (*rows)++;
    }
    packet_state(j, pkt, *rows);
    return VR_OK;
}

static vr_code_t copy_packets(copy_job_t *j, vr_error_t *err)
{
    vp_player_t *p = j->p;
    const vr_rowpacket_t *pkt;
    uint64_t rows;
    vr_code_t rc = VR_OK;
    for (;;) {
        if ((rc = vr_rowstream_next(j->rs, &pkt, err)) != VR_OK || !pkt)
            break;
        if ((rc = build_packet(j, pkt, &rows, err)) != VR_OK ||
            (rc = finish_in_flight(j, err)) != VR_OK ||
            (rc = vp_script_send(&j->script[j->cur], p->tc, err)) != VR_OK)
            break;
        j->in_flight = true;
        j->in_flight_rows = rows;
        j->cur = !j->cur;
        if (pkt->done || vp_stopping(p))
            break;
    }
    if (rc == VR_OK)
        return finish_in_flight(j, err);
    if (j->in_flight) { /* read the answer so the connection is usable; then undo */
        vr_error_t ignored;
        finish_in_flight(j, &ignored);
    }
    return rc;
}

/* ---- one table -------------------------------------------------------------------------------- */

static vr_code_t open_snapshot(copy_job_t *j, const char *lastpk, vr_value_t **lp, size_t *nlp,
                               vr_error_t *err)
{
    vp_player_t *p = j->p;
    vr_rowstream_opts_t ro;
    const char **names;
    vr_code_t rc;
    *lp = NULL;
    *nlp = 0;
    if (lastpk && (rc = vr_lastpk_parse(lastpk, strlen(lastpk), p->arena, lp, &names, nlp, err)) !=
                      VR_OK)
        return rc;
    memset(&ro, 0, sizeof(ro));
    ro.source = p->source;
    ro.table = j->rule->is_regex ? j->target : j->rule->source;
    ro.lastpk = *lp;
    ro.nlastpk = *nlp;
    ro.packet_rows = p->o.copy_packet_rows;
    ro.packet_bytes = p->o.copy_packet_bytes;
    if ((rc = vr_rowstream_open(&ro, &j->rs, err)) != VR_OK) {
        /* a missing table or key is not fixed by retrying */
        if (err && err->code != VR_MYSQL)
            err->retriable = false;
        return rc;
    }
    j->g = vr_rowstream_position(j->rs);
    return VR_OK;
}

static vr_code_t catch_up(copy_job_t *j, const copy_entry_t *e, size_t n, vr_value_t *lp,
                          size_t nlp, vr_error_t *err)
{
    vp_player_t *p = j->p;
    vp_copy_filter_t cf;
    const char **pending = vr_arena_calloc(p->arena, (n + 1) * sizeof(char *));
    size_t i;
    if (p->pos.n == 0 || vr_gtid_set_contains_set(&p->pos, j->g))
        return VR_OK; /* first table, or nothing happened since */
    for (i = 1; i < n; i++)
        pending[i - 1] = e[i].table;
    memset(&cf, 0, sizeof(cf));
    cf.table = j->target;
    cf.lastpk = lp;
    cf.nlastpk = nlp;
    cf.pending = pending;
    cf.npending = n ? n - 1 : 0;
    vr_log_debug("vplayer", "stream %lld: catching up to %s before copying %s",
                 (long long)p->o.id, j->g_text, j->target);
    return vp_apply_stream(p, j->g, &cf, err);
}

static vr_code_t copy_table(vp_player_t *p, const copy_entry_t *e, size_t n, vr_error_t *err)
{
    copy_job_t j;
    vr_value_t *lp = NULL;
    size_t nlp = 0;
    vr_buf_t g = VR_BUF_INIT, label = VR_BUF_INIT;
    vr_code_t rc;
    memset(&j, 0, sizeof(j));
    j.p = p;
    j.target = e[0].table;
    if (!(j.rule = vp_rule_for_target(&p->rules, j.target)))
        return vr_errorf(err, VR_INVALID, "copy_state names table %s, which no rule of the "
                                          "stream writes", j.target);
    j.arena = vr_arena_new(1 << 16);
    vp_script_init(&j.script[0], p->cs);
    vp_script_init(&j.script[1], p->cs);
    if ((rc = open_snapshot(&j, e[0].lastpk, &lp, &nlp, err)) != VR_OK)
        goto out;
    vr_vrepl_pos_format(j.g, &g);
    j.g_text = g.data;
    vr_buf_printf(&label, "the copy at %s", g.data);
    j.label = label.data;
    if ((rc = catch_up(&j, e, n, lp, nlp, err)) != VR_OK || vp_stopping(p) ||
        p->stopped_by_stream)
        goto out;
    if ((rc = vp_source_filter(p, &j.filter, err)) != VR_OK)
        goto out;
    vr_log_debug("vplayer", "stream %lld: copying %s at %s", (long long)p->o.id, j.target,
                 j.g_text);
    rc = copy_packets(&j, err);
out:
    if (rc != VR_OK && err && strncmp(err->msg, "applying ", 9) != 0)
        vr_error_prefix(err, "copying %s.%s at %s", p->row.db_name, j.target,
                        j.g_text ? j.g_text : "(no snapshot)");
    vr_rowstream_close(j.rs);
    vr_filter_free(j.filter);
    vp_tplan_free(j.plan);
    vp_script_free(&j.script[0]);
    vp_script_free(&j.script[1]);
    vr_arena_free(j.arena);
    vr_buf_free(&g);
    vr_buf_free(&label);
    return rc;
}

vr_code_t vp_copy_run(vp_player_t *p, vr_error_t *err)
{
    copy_entry_t *e;
    size_t n;
    vr_code_t rc;
    while (!vp_stopping(p) && !p->stopped_by_stream) {
        if ((rc = load_copy_state(p, &e, &n, err)) != VR_OK)
            return rc;
        if (n == 0)
            return VR_OK;
        if ((rc = copy_table(p, e, n, err)) != VR_OK)
            return rc;
    }
    return VR_OK;
}
