/*
 * applier.c - apply the filtered stream to the target, one batch of source
 * transactions per target transaction (Vitess's vplayer).
 *
 * The reader thread (relay.c) hands over whole source transactions.  The
 * applier turns their rows into statements through the table plans and
 * ends a target transaction with the position update and commit when the
 * batch is full (batch_max_txns / batch_max_bytes) or nothing more is
 * waiting, so a backlog is applied in few commits and a single change goes
 * out at once.  The position written is the one after the batch's last
 * transaction: a crash at any instant loses nothing and repeats nothing.
 *
 * A failure that retrying cannot fix, in a batch of several transactions,
 * is replayed one transaction per target transaction, so what commits is
 * every transaction before the culprit and the error names the culprit's
 * GTID.  Retriable failures return to vplayer.c, which restarts from the
 * committed position.
 *
 * Copy-phase catch-up (cf != NULL): only changes to fully copied tables
 * and, for the table in progress, rows whose source key is <= its lastpk
 * are applied; tables not started yet get nothing (the snapshot will have
 * them).  An update crossing lastpk keeps only its side that is <= lastpk.
 *
 * Runs on the thread of vr_vplayer_run().
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "vplayer_int.h"

#define FETCH_WAIT_MS 100
/* A batch that only moves the position (its source transactions touched
 * nothing the filter keeps: another stream's _vt writes, other tables) is
 * saved at most this often, as Vitess's vplayer does with its idle
 * timeout.  Saving each one at once made two streams in opposite
 * directions (a reference copy product -> customer and a rollup customer
 * -> product) feed each other position updates for ever. */
#define IDLE_SAVE_MS 1000

typedef struct batch {
    size_t ntxns;
    uint64_t rows;
    bool partial_sent;       /* a huge transaction already sent part of its statements */
    bool split;              /* holds a transaction that came in several chunks */
    vr_gtid_set_t pos;
    int64_t ts;
} batch_t;

typedef struct applier {
    vp_player_t *p;
    vp_relay_t *relay;
    const vp_copy_filter_t *cf;
    vp_script_t script;
    batch_t b;
    bool in_split;            /* inside a transaction that came in several chunks */
    size_t max_txns, max_bytes;
    bool stopped;             /* on_ddl STOP recorded Stopped */
    bool defer_empty;         /* may hold back position-only batches */
    bool unsaved;             /* b.pos is past the saved position */
    int64_t last_save_ms;
} applier_t;

/* ---- batches -------------------------------------------------------------------------- */

static void batch_begin(applier_t *a)
{
    vp_script_reset(&a->script);
    vp_script_stmt(&a->script, "begin", 5, NULL, NULL);
    a->b.ntxns = 0;
    a->b.rows = 0;
    a->b.partial_sent = false;
    a->b.split = false;
}

static void rollback(applier_t *a)
{
    vr_error_t ignored;
    vp_exec(a->p->tc, "rollback", &ignored);
}

static void committed(applier_t *a)
{
    vp_player_t *p = a->p;
    int64_t now = time(NULL);
    vr_gtid_set_copy(&p->pos, &a->b.pos);
    pthread_mutex_lock(&p->mu);
    p->stats.txns_applied += a->b.ntxns;
    p->stats.rows_applied += a->b.rows;
    p->stats.batches++;
    p->stats.lag_seconds = a->b.ts && now > a->b.ts ? now - a->b.ts : 0;
    p->progress++;
    pthread_mutex_unlock(&p->mu);
}

/* Position update + commit, run.  On failure the target rolls back. */
static vr_code_t batch_save(applier_t *a, vr_error_t *err)
{
    vr_buf_t q = VR_BUF_INIT;
    vr_code_t rc;
    vp_pos_update_sql(a->p, &a->b.pos, a->b.ts, &q);
    vp_script_stmt(&a->script, q.data, q.len, NULL, "_vt.vreplication");
    vp_script_stmt(&a->script, "commit", 6, NULL, NULL);
    vr_buf_free(&q);
    rc = vp_script_run(&a->script, a->p->tc, err);
    if (rc != VR_OK) {
        rollback(a);
        return rc;
    }
    committed(a);
    a->unsaved = false;
    a->last_save_ms = vr_wall_ms();
    batch_begin(a);
    return VR_OK;
}

/* End the batch: saved, or, when it only moves the position and one was
 * saved less than IDLE_SAVE_MS ago, held back in b.pos. */
static vr_code_t batch_commit(applier_t *a, vr_error_t *err)
{
    if (a->b.ntxns == 0)
        return VR_OK;
    if (a->b.rows == 0 && !a->b.partial_sent && a->defer_empty &&
        vr_wall_ms() - a->last_save_ms < IDLE_SAVE_MS) {
        a->unsaved = true; /* b.pos carries it into the next batch */
        batch_begin(a);
        return VR_OK;
    }
    return batch_save(a, err);
}

/* Save a held-back position (idle for IDLE_SAVE_MS, or stopping: force). */
static vr_code_t flush_unsaved(applier_t *a, bool force, vr_error_t *err)
{
    if (!a->unsaved || a->b.ntxns || (!force && vr_wall_ms() - a->last_save_ms < IDLE_SAVE_MS))
        return VR_OK;
    a->b.ntxns = 1; /* a position-only batch */
    return batch_save(a, err);
}

/* ---- one source transaction ----------------------------------------------------------------- */

static copy_mode_t copy_mode(const applier_t *a, const char *target)
{
    size_t i;
    if (!a->cf)
        return COPY_ALL;
    if (a->cf->table && strcmp(a->cf->table, target) == 0)
        return a->cf->lastpk ? COPY_UPTO : COPY_NONE;
    for (i = 0; i < a->cf->npending; i++)
        if (strcmp(a->cf->pending[i], target) == 0)
            return COPY_NONE;
    return COPY_ALL;
}

/* Is the row's source key <= lastpk? */
static vr_code_t upto_lastpk(applier_t *a, const tplan_t *pl, const vr_value_t *row, bool *in,
                             vr_error_t *err)
{
    size_t i;
    int c = 0;
    vr_code_t rc;
    if (!pl->src_pk || pl->nsrc_pk != a->cf->nlastpk)
        return vr_errorf(err, VR_UNSUPPORTED,
                         "table %s: the stream does not carry the source's primary key, which "
                         "the copy phase needs to resume", pl->target);
    for (i = 0; i < pl->nsrc_pk && c == 0; i++)
        if ((rc = vp_value_cmp(a->p->tc, a->p->cs, &row[pl->src_pk[i]], &a->cf->lastpk[i], &c,
                               err)) != VR_OK)
            return rc;
    *in = c <= 0;
    return VR_OK;
}

/* The plan of an event's table; a failure names the GTID and the table. */
static vr_code_t plan_of(applier_t *a, const vr_vevent_t *ev, const tplan_t **pl,
                         vr_error_t *err)
{
    const trule_t *r = vp_rule_for_source(&a->p->rules, ev->table->name);
    if (vp_plan_for(a->p, ev->table, pl, err) == VR_OK)
        return VR_OK;
    return vr_error_prefix(err, "applying %s to %s.%s", ev->gtid, a->p->row.db_name,
                           r ? vp_rule_target_name(r, ev->table->name) : ev->table->name);
}

static vr_code_t apply_rows(applier_t *a, const vr_vevent_t *ev, vr_error_t *err)
{
    const trule_t *r = vp_rule_for_source(&a->p->rules, ev->table->name);
    const tplan_t *pl;
    copy_mode_t mode;
    size_t i;
    vr_code_t rc;
    /* a table the copy has not reached: its target may not be ready yet */
    if (r && (mode = copy_mode(a, vp_rule_target_name(r, ev->table->name))) == COPY_NONE)
        return VR_OK;
    if ((rc = plan_of(a, ev, &pl, err)) != VR_OK)
        return rc;
    mode = copy_mode(a, pl->target);
    for (i = 0; i < ev->nrows; i++) {
        const vr_value_t *before = ev->rows[i].before, *after = ev->rows[i].after;
        bool in;
        if (mode == COPY_UPTO && before) {
            if ((rc = upto_lastpk(a, pl, before, &in, err)) != VR_OK)
                return vr_error_prefix(err, "applying %s to %s.%s", ev->gtid, pl->db, pl->target);
            before = in ? before : NULL;
        }
        if (mode == COPY_UPTO && after) {
            if ((rc = upto_lastpk(a, pl, after, &in, err)) != VR_OK)
                return vr_error_prefix(err, "applying %s to %s.%s", ev->gtid, pl->db, pl->target);
            after = in ? after : NULL;
        }
        vp_script_row(&a->script, pl, before, after, ev->gtid);
        a->b.rows++;
    }
    /* a huge transaction: send what we have, keep the target transaction open */
    if (a->script.sql.len > a->max_bytes) {
        if ((rc = vp_script_run(&a->script, a->p->tc, err)) != VR_OK)
            return rc;
        vp_script_reset(&a->script);
        a->b.partial_sent = true;
    }
    return VR_OK;
}

static void txn_end(applier_t *a, const vr_vevent_t *ev)
{
    a->b.ntxns++;
    if (ev->position)
        vr_gtid_set_copy(&a->b.pos, ev->position);
    if (ev->timestamp)
        a->b.ts = ev->timestamp;
}

static vr_code_t apply_event(applier_t *a, const vr_vevent_t *ev, vr_error_t *err)
{
    switch (ev->type) {
    case VR_VEVENT_BEGIN:
    case VR_VEVENT_GTID:
    case VR_VEVENT_HEARTBEAT:
    case VR_VEVENT_FIELD: /* plans follow the layout each ROW carries */
        return VR_OK;
    case VR_VEVENT_ROW:
        return apply_rows(a, ev, err);
    case VR_VEVENT_COMMIT:
    case VR_VEVENT_ROLLBACK: /* rows logged with a rollback were not transactional:
                                they happened, so they are applied */
    case VR_VEVENT_OTHER:
    case VR_VEVENT_DDL:      /* ignored DDL: only the position moves */
        txn_end(a, ev);
        return VR_OK;
    }
    return vr_errorf(err, VR_INTERNAL, "unknown stream event type %d", (int)ev->type);
}

static vr_code_t apply_txn(applier_t *a, const vp_chunk_t *c, vr_error_t *err)
{
    size_t i;
    vr_code_t rc;
    for (i = 0; i < c->n; i++)
        if ((rc = apply_event(a, &c->ev[i], err)) != VR_OK)
            return rc;
    return VR_OK;
}

/* ---- DDL --------------------------------------------------------------------------------- */

/* Does the DDL touch a table of the stream? (unparsable: no) */
static bool ddl_is_ours(applier_t *a, const char *sql)
{
    vr_sql_stmt_t *st = NULL;
    vr_sql_table_name_list_t t;
    size_t i;
    bool ours = false;
    if (!sql || vr_sql_parse(sql, strlen(sql), &st, NULL) != VR_OK)
        return false;
    t = vr_sql_tables(st);
    for (i = 0; i < t.n && !ours; i++)
        ours = vp_rule_for_source(&a->p->rules, t.items[i]->name) != NULL;
    vr_sql_free(st);
    return ours;
}

static const vr_vevent_t *chunk_ddl(const vp_chunk_t *c)
{
    size_t i;
    for (i = 0; i < c->n; i++)
        if (c->ev[i].type == VR_VEVENT_DDL)
            return &c->ev[i];
    return NULL;
}

static bool ddl_acts(applier_t *a, const vp_chunk_t *c)
{
    const vr_vevent_t *ev = chunk_ddl(c);
    return ev && a->p->bs.on_ddl != VR_ON_DDL_IGNORE && ddl_is_ours(a, ev->statement);
}

/* Drop a qualifier that names the source database. */
static bool unqualify(vr_sql_table_name_t *t, const char *db1, const char *db2)
{
    if (!t->name || !t->qualifier ||
        (strcmp(t->qualifier, db1) != 0 && (!db2 || strcmp(t->qualifier, db2) != 0)))
        return false;
    t->qualifier = NULL;
    return true;
}

/* The DDL as the target runs it: qualifiers naming the source database are
 * dropped, so the statement applies to the target's database (the
 * session's).  Statements the formatter prints verbatim run as given. */
static char *ddl_for_target(applier_t *a, const vr_vevent_t *ev)
{
    const char *d1 = a->p->source_db, *d2 = ev->db;
    vr_sql_stmt_t *st = NULL;
    bool changed = false;
    char *out;
    size_t i;
    if (vr_sql_parse(ev->statement, strlen(ev->statement), &st, NULL) != VR_OK)
        return vr_xstrdup(ev->statement);
    switch (st->kind) {
    case VR_SQL_STMT_CREATE_TABLE:
        changed |= unqualify(&st->create_table.table, d1, d2);
        changed |= unqualify(&st->create_table.like, d1, d2);
        break;
    case VR_SQL_STMT_ALTER_TABLE:
        changed |= unqualify(&st->alter_table.table, d1, d2);
        for (i = 0; i < st->alter_table.actions.n; i++)
            changed |= unqualify(&st->alter_table.actions.items[i]->new_table, d1, d2);
        break;
    case VR_SQL_STMT_DROP_TABLE:
        for (i = 0; i < st->drop_table.tables.n; i++)
            changed |= unqualify(st->drop_table.tables.items[i], d1, d2);
        break;
    case VR_SQL_STMT_TRUNCATE:
        changed |= unqualify(&st->truncate, d1, d2);
        break;
    case VR_SQL_STMT_RENAME_TABLE:
        for (i = 0; i < st->rename.n; i++) {
            changed |= unqualify(&st->rename.items[i]->from, d1, d2);
            changed |= unqualify(&st->rename.items[i]->to, d1, d2);
        }
        break;
    default:
        break; /* other DDL prints verbatim: run as given */
    }
    out = changed ? vr_sql_to_string(st) : vr_xstrdup(ev->statement);
    vr_sql_free(st);
    return out;
}

/* on_ddl STOP / EXEC / EXEC_IGNORE for a DDL on one of our tables. */
static vr_code_t apply_ddl(applier_t *a, const vr_vevent_t *ev, vr_error_t *err)
{
    vp_player_t *p = a->p;
    vr_buf_t q = VR_BUF_INIT;
    vr_code_t rc = VR_OK;
    if (p->bs.on_ddl == VR_ON_DDL_EXEC || p->bs.on_ddl == VR_ON_DDL_EXEC_IGNORE) {
        char *ddl = ddl_for_target(a, ev);
        vr_error_t e;
        rc = vp_exec(p->tc, ddl, &e);
        free(ddl);
        if (rc != VR_OK) {
            if (p->bs.on_ddl == VR_ON_DDL_EXEC) {
                if (err)
                    *err = e;
                return vr_error_prefix(err, "applying DDL %s to %s", ev->gtid, p->row.db_name);
            }
            vr_log_warn("vplayer", "stream %lld: ignoring the failure of DDL %s: %s",
                        (long long)p->o.id, ev->gtid, e.msg);
        }
    }
    batch_begin(a);
    txn_end(a, ev);
    if (p->bs.on_ddl == VR_ON_DDL_STOP) {
        vr_buf_t m = VR_BUF_INIT;
        if (!vr_vrepl_state_can_move(p->row.state, VR_VREPL_STOPPED))
            return vr_errorf(err, VR_STATE, "stream %lld cannot go from %s to Stopped",
                             (long long)p->o.id, vr_vrepl_state_name(p->row.state));
        vr_buf_puts(&q, "update _vt.vreplication set state='Stopped', message=");
        vr_buf_printf(&m, "Stopped at DDL %s", ev->statement);
        vp_put_message(&q, m.data);
        vr_buf_free(&m);
        vr_buf_printf(&q, " where id=%lld", (long long)p->o.id);
        vp_script_stmt(&a->script, q.data, q.len, ev->gtid, "_vt.vreplication");
        a->stopped = true;
    }
    rc = batch_commit(a, err);
    vr_buf_free(&q);
    if (rc == VR_OK && a->stopped) {
        p->stopped_by_stream = true;
        p->row.state = VR_VREPL_STOPPED;
        pthread_mutex_lock(&p->mu);
        p->stats.state = VR_VREPL_STOPPED;
        pthread_mutex_unlock(&p->mu);
    }
    return rc;
}

/* ---- chunk lists ---------------------------------------------------------------------------- */

static void heartbeat(applier_t *a)
{
    vp_player_t *p = a->p;
    int64_t now = vr_wall_ms();
    vr_error_t ignored;
    pthread_mutex_lock(&p->mu);
    p->stats.lag_seconds = 0;
    pthread_mutex_unlock(&p->mu);
    if (now - p->last_hb_ms < p->o.heartbeat_write_ms)
        return;
    p->last_hb_ms = now;
    vp_execf(p->tc, &ignored, "update _vt.vreplication set time_heartbeat=%lld where id=%lld",
             (long long)(now / 1000), (long long)p->o.id);
}

static bool is_heartbeat(const vp_chunk_t *c)
{
    return c->n == 1 && c->ev[0].type == VR_VEVENT_HEARTBEAT;
}

static vr_code_t apply_list(applier_t *a, vp_chunk_t **list, size_t max_txns, bool release,
                            vr_error_t *err);

/* A batch [first, last] failed for good: apply it again one transaction
 * per target transaction, to commit what precedes the culprit and name it. */
static vr_code_t replay(applier_t *a, vp_chunk_t *first, vp_chunk_t *last, vr_error_t *err)
{
    vp_chunk_t *rest = last->next, *l = first;
    vr_code_t rc;
    vr_log_debug("vplayer", "stream %lld: replaying a failed batch one transaction at a time",
                 (long long)a->p->o.id);
    last->next = NULL;
    batch_begin(a);
    rc = apply_list(a, &l, 1, false, err);
    last->next = rest;
    return rc;
}

/* Commit the batch [first, last]. */
static vr_code_t end_batch(applier_t *a, vp_chunk_t *first, vp_chunk_t *last, vr_error_t *err)
{
    size_t ntxns = a->b.ntxns;
    bool partial = a->b.partial_sent || a->b.split; /* its first chunks are gone */
    vr_code_t rc = batch_commit(a, err);
    if (rc == VR_OK || (err && err->retriable) || ntxns <= 1 || partial)
        return rc;
    return replay(a, first, last, err);
}

/* A transaction in several chunks is its own batch: it commits as soon as
 * it ends, and nothing is batched before it. */
static bool batch_full(const applier_t *a, const vp_chunk_t *c, size_t max_txns)
{
    return a->b.ntxns && (a->b.ntxns >= max_txns || a->script.sql.len >= a->max_bytes ||
                          !c->next || a->b.split || a->stopped || vp_stopping(a->p));
}

/* Before chunk c: a split transaction starts a batch of its own. */
static vr_code_t split_start(applier_t *a, vp_chunk_t *first, vp_chunk_t *prev,
                             const vp_chunk_t *c, vr_error_t *err)
{
    vr_code_t rc;
    if (!c->partial || a->in_split)
        return VR_OK;
    if (prev && a->b.ntxns && (rc = end_batch(a, first, prev, err)) != VR_OK)
        return rc;
    a->in_split = true;
    a->b.split = true;
    return VR_OK;
}

/* Apply every chunk of *list, fetching more while the relay has them
 * (release: give committed chunks back as batches commit). */
static vr_code_t apply_list(applier_t *a, vp_chunk_t **list, size_t max_txns, bool release,
                            vr_error_t *err)
{
    vp_chunk_t *first = *list, *prev = NULL, *c = *list, *next, *more;
    bool eof;
    vr_code_t rc;
    while (c) {
        if (ddl_acts(a, c)) {
            if (prev && (rc = end_batch(a, first, prev, err)) != VR_OK)
                return rc;
            if ((rc = apply_ddl(a, chunk_ddl(c), err)) != VR_OK)
                return rc;
        } else if (is_heartbeat(c)) {
            if (a->b.ntxns == 0 && !c->next) {
                if ((rc = flush_unsaved(a, false, err)) != VR_OK)
                    return rc;
                heartbeat(a);
            }
        } else if ((rc = split_start(a, first, prev, c, err)) != VR_OK) {
            return rc;
        } else if ((rc = apply_txn(a, c, err)) != VR_OK) {
            rollback(a);
            return rc;
        }
        if (!c->partial)
            a->in_split = false;
        if (!c->next && release && max_txns > 1 && vp_relay_ready(a->relay) &&
            vp_relay_fetch(a->relay, 0, &more, &eof, NULL) == VR_OK)
            c->next = more; /* keep batching what is already waiting */
        if (batch_full(a, c, max_txns) && (rc = end_batch(a, first, c, err)) != VR_OK)
            return rc;
        next = c->next;
        if (a->b.ntxns == 0) { /* everything up to c is committed */
            if (release) {
                c->next = NULL;
                vp_relay_release(a->relay, *list);
                *list = next;
            }
            first = next;
        }
        prev = c;
        if (a->stopped || vp_stopping(a->p))
            break;
        c = next;
    }
    return VR_OK;
}

/* ---- the loop ------------------------------------------------------------------------------- */

static vr_code_t reached_stop_pos(vp_player_t *p, vr_error_t *err)
{
    vr_code_t rc = vp_set_state(p, VR_VREPL_STOPPED,
                                "Reached stopping position, done playing logs", err);
    if (rc == VR_OK)
        p->stopped_by_stream = true;
    return rc;
}

/* The source went away for longer than the stream's own reconnects: try
 * again later, unless the position itself is gone (1236: purged or
 * diverged) or the filter cannot handle what arrived. */
static vr_code_t stream_error(applier_t *a, vr_error_t *err)
{
    if (err && (err->code == VR_IO || err->code == VR_TIMEOUT ||
                (err->code == VR_MYSQL && err->mysql_errno != 1236)))
        err->retriable = true;
    return vr_error_prefix(err, "streaming from %s", a->p->source_db);
}

static vr_code_t loop(applier_t *a, const vr_gtid_set_t *stop_at, vr_error_t *err)
{
    vp_chunk_t *list;
    bool eof;
    vr_code_t rc;
    while (!vp_stopping(a->p) && !a->stopped) {
        if ((rc = vp_relay_fetch(a->relay, FETCH_WAIT_MS, &list, &eof, err)) != VR_OK)
            return stream_error(a, err);
        if (eof)
            return stop_at ? VR_OK : reached_stop_pos(a->p, err);
        if (!list)
            continue;
        rc = apply_list(a, &list, a->max_txns, true, err);
        vp_relay_release(a->relay, list);
        if (rc != VR_OK)
            return rc;
    }
    return VR_OK;
}

vr_code_t vp_apply_stream(vp_player_t *p, const vr_gtid_set_t *stop_at,
                          const vp_copy_filter_t *cf, vr_error_t *err)
{
    applier_t a;
    vr_vstream_opts_t vo;
    vp_relay_opts_t ro;
    vr_filter_t *f = NULL;
    char *pos = NULL, *stop = NULL;
    vr_code_t rc;
    memset(&a, 0, sizeof(a));
    a.p = p;
    a.cf = cf;
    a.max_txns = p->o.batch_max_txns;
    a.max_bytes = p->o.batch_max_bytes;
    vr_gtid_set_init(&a.b.pos);
    vr_gtid_set_copy(&a.b.pos, &p->pos);
    vp_script_init(&a.script, p->cs);
    batch_begin(&a);
    pos = vr_gtid_set_to_string(&p->pos);
    if (stop_at)
        stop = vr_gtid_set_to_string(stop_at);
    else if (p->row.stop_pos && *p->row.stop_pos)
        stop = vr_xstrdup(strchr(p->row.stop_pos, '/') ? strchr(p->row.stop_pos, '/') + 1
                                                       : p->row.stop_pos);
    a.defer_empty = stop == NULL; /* a stop position is saved when reached */
    vp_stream_opts(p, &vo, pos, stop);
    if ((rc = vp_source_filter(p, &f, err)) != VR_OK)
        goto out;
    memset(&ro, 0, sizeof(ro));
    ro.vs = &vo;
    ro.filter = f;
    ro.max_bytes = 2 * p->o.batch_max_bytes;
    vr_log_debug("vplayer", "stream %lld: replicating from %s%s%s", (long long)p->o.id,
                 pos[0] ? pos : "(start)", stop ? " to " : "", stop ? stop : "");
    if ((rc = vp_relay_start(&ro, &a.relay, err)) != VR_OK) {
        vr_error_prefix(err, "streaming from %s at %s", p->source_db, pos);
        goto out;
    }
    rc = loop(&a, stop_at, err);
    if (rc == VR_OK)
        rc = flush_unsaved(&a, true, err);
out:
    vp_relay_stop(a.relay);
    vr_filter_free(f);
    vp_script_free(&a.script);
    vr_gtid_set_free(&a.b.pos);
    free(pos);
    free(stop);
    return rc;
}
