/*
 * vplayer.c - one stream's life: read its _vt.vreplication row, move it
 * through its states, and retry what can be retried.
 *
 *   Init     list the source tables the rules select and record one
 *            _vt.copy_state row per target table (one transaction with the
 *            move to Copying; redone from scratch if interrupted)
 *   Copying  copier.c, until no copy_state row is left; then Running
 *            (Stopped with stop_after_copy)
 *   Running  applier.c from pos, until stopped, stop_pos (Stopped) or an
 *            error
 *
 * Every attempt starts from what the target committed (the row), so a
 * retry after a lost connection, a deadlock or a lock wait timeout, or a
 * restart after a crash, continues exactly where the data is.  Failures
 * that retrying cannot fix put the row in Error with the message.
 *
 * Threads: vr_vplayer_run() on the caller's thread (plus the relay's
 * reader thread); vr_vplayer_stop() and vr_vplayer_stats() from any.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "vplayer_int.h"

#define SQL_MODE                                                                      \
    "STRICT_ALL_TABLES,NO_AUTO_VALUE_ON_ZERO,ERROR_FOR_DIVISION_BY_ZERO,"             \
    "NO_ENGINE_SUBSTITUTION"

#define LOCK_WAIT_S 30

/* ---- small helpers --------------------------------------------------------------- */

bool vp_stopping(vp_player_t *p) { return atomic_load(&p->stop); }

static void set_stats_state(vp_player_t *p, vr_vrepl_state_t st)
{
    pthread_mutex_lock(&p->mu);
    p->stats.state = st;
    if (st == VR_VREPL_COPYING || st == VR_VREPL_INIT)
        p->stats.lag_seconds = -1;
    pthread_mutex_unlock(&p->mu);
}

vr_code_t vp_set_state(vp_player_t *p, vr_vrepl_state_t st, const char *msg, vr_error_t *err)
{
    bool moved;
    vr_code_t rc = vp_vrepl_move(p->tc, p->o.id, p->row.state, st, msg, &moved, err);
    if (rc == VR_OK && !moved) {
        vr_log_info("vplayer", "stream %lld: its state changed under the player; standing down",
                    (long long)p->o.id);
        p->stopped_by_stream = true;
        return VR_OK;
    }
    if (rc == VR_OK) {
        p->row.state = st;
        set_stats_state(p, st);
        vr_log_info("vplayer", "stream %lld: %s%s%s", (long long)p->o.id, vr_vrepl_state_name(st),
                    msg && *msg ? ": " : "", msg ? msg : "");
    }
    return rc;
}

void vp_pos_update_sql(vp_player_t *p, const vr_gtid_set_t *pos, int64_t ts, vr_buf_t *b)
{
    vr_buf_puts(b, "update _vt.vreplication set pos='");
    vr_vrepl_pos_format(pos, b);
    vr_buf_printf(b, "', time_updated=%lld, transaction_timestamp=%lld", (long long)time(NULL),
                  (long long)ts);
    if (p->row.message && *p->row.message) { /* a retry's message: it works again */
        vr_buf_puts(b, ", message=''");
        p->row.message[0] = '\0';
    }
    vr_buf_printf(b, " where id=%lld", (long long)p->o.id);
}

void vp_stream_opts(vp_player_t *p, vr_vstream_opts_t *o, const char *pos, const char *stop)
{
    memset(o, 0, sizeof(*o));
    o->source = p->source;
    o->position = pos;
    o->stop_position = stop;
    o->server_id = p->o.server_id;
    o->heartbeat_ms = p->o.heartbeat_ms;
}

vr_code_t vp_source_filter(vp_player_t *p, vr_filter_t **out, vr_error_t *err)
{
    size_t n;
    vr_filter_rule_t *rules = vp_rules_source(&p->rules, &n);
    return vr_filter_new(rules, n, p->o.source_vschema, out, err);
}

/* ---- plans ------------------------------------------------------------------------- */

vr_code_t vp_plan_for(vp_player_t *p, const vr_vtable_t *proj, const tplan_t **out,
                      vr_error_t *err)
{
    plan_slot_t *s;
    const trule_t *r;
    ttable_t *tt;
    tplan_t *pl;
    vr_code_t rc;
    *out = NULL;
    for (s = p->plans; s; s = s->next)
        if (s->plan && strcmp(s->source, proj->name) == 0 && s->version == proj->version &&
            s->nfields == proj->nfields) {
            *out = s->plan;
            return VR_OK;
        }
    if (!(r = vp_rule_for_source(&p->rules, proj->name)))
        return vr_errorf(err, VR_INTERNAL, "no rule for source table %s", proj->name);
    if ((rc = vp_ttable_load(p->tc, p->row.db_name, vp_rule_target_name(r, proj->name), p->arena,
                             &tt, err)) != VR_OK)
        return rc;
    if ((rc = vp_tplan_build(r, proj, tt, p->o.target_vschema, &pl, err)) != VR_OK)
        return rc;
    /* plans replaced by a schema change stay alive until the attempt ends:
     * a statement being built may still point into them */
    s = vr_arena_calloc(p->arena, sizeof(*s));
    s->source = vr_arena_strdup(p->arena, proj->name);
    s->version = proj->version;
    s->nfields = proj->nfields;
    s->plan = pl;
    s->next = p->plans;
    p->plans = s;
    *out = pl;
    return VR_OK;
}

/* ---- an attempt: connect, read the row, compile ------------------------------------------ */

static void attempt_free(vp_player_t *p)
{
    plan_slot_t *s;
    for (s = p->plans; s; s = s->next)
        vp_tplan_free(s->plan);
    p->plans = NULL;
    if (p->tc)
        mysql_close(p->tc);
    p->tc = NULL;
    vp_charsets_free(p->cs);
    p->cs = NULL;
    vr_vrepl_row_free(&p->row);
    vr_binlog_source_free(&p->bs);
    vp_rules_free(&p->rules);
    free(p->source_db);
    p->source_db = NULL;
    vr_gtid_set_free(&p->pos);
    vr_arena_free(p->arena);
    p->arena = NULL;
}

/*
 * One session at a time applies a stream: a player killed in the middle of
 * a commit leaves a server session that may still commit it, so the next
 * attempt waits for that session to end before it reads the position.
 * (GET_LOCK is released when the session that holds it ends.)
 */
static vr_code_t lock_stream(vp_player_t *p, vr_error_t *err)
{
    vr_buf_t q = VR_BUF_INIT, out = VR_BUF_INIT;
    vr_code_t rc;
    vr_buf_printf(&q, "select get_lock('vrepl.vreplication.%lld', %d)", (long long)p->o.id,
                  LOCK_WAIT_S);
    rc = vp_scalar(p->tc, q.data, &out, NULL, err);
    if (rc == VR_OK && strcmp(out.data, "1") != 0)
        rc = vr_error_mysql(err, 1205, true, "stream %lld is being applied by another session",
                            (long long)p->o.id);
    vr_buf_free(&q);
    vr_buf_free(&out);
    return rc;
}

static vr_code_t connect_target(vp_player_t *p, vr_error_t *err)
{
    vr_code_t rc;
    if (!(p->tc = vp_connect(&p->o.target, NULL, true, err)))
        return err ? err->code : VR_MYSQL;
    if ((rc = vp_exec(p->tc, "set session time_zone='+00:00', sql_mode='" SQL_MODE "', "
                             "foreign_key_checks=0", err)) != VR_OK ||
        (rc = lock_stream(p, err)) != VR_OK || (rc = vr_vt_create(p->tc, err)) != VR_OK ||
        (rc = vr_vrepl_read(p->tc, p->o.id, &p->row, err)) != VR_OK)
        return rc;
    if (mysql_select_db(p->tc, p->row.db_name)) {
        rc = vp_mysql_error(p->tc, err, "selecting the target database");
        if (err && mysql_errno(p->tc) == 1049)
            err->retriable = false;
        return vr_error_prefix(err, "target database %s", p->row.db_name);
    }
    return vp_charsets_load(p->tc, &p->cs, err);
}

static vr_code_t source_pk(MYSQL *sc, const char *db, const char *table, vr_arena_t *a,
                           const char ***names, size_t *n, vr_error_t *err)
{
    vr_buf_t q = VR_BUF_INIT, out = VR_BUF_INIT;
    MYSQL_RES *res = NULL;
    MYSQL_ROW row;
    vr_code_t rc;
    vr_buf_puts(&q, "select COLUMN_NAME from information_schema.STATISTICS where TABLE_SCHEMA=");
    vp_put_string(&q, db);
    vr_buf_puts(&q, " and TABLE_NAME=");
    vp_put_string(&q, table);
    vr_buf_puts(&q, " and INDEX_NAME='PRIMARY' order by SEQ_IN_INDEX");
    if ((rc = vp_query(sc, q.data, &res, err)) != VR_OK)
        goto out;
    *names = vr_arena_calloc(a, (mysql_num_rows(res) + 1) * sizeof(char *));
    *n = 0;
    while ((row = mysql_fetch_row(res)))
        (*names)[(*n)++] = vr_arena_strdup(a, row[0] ? row[0] : "");
    if (*n == 0) {
        vr_buf_reset(&q);
        vr_buf_puts(&q, "select count(*) from information_schema.TABLES where TABLE_SCHEMA=");
        vp_put_string(&q, db);
        vr_buf_puts(&q, " and TABLE_NAME=");
        vp_put_string(&q, table);
        if ((rc = vp_scalar(sc, q.data, &out, NULL, err)) == VR_OK && strcmp(out.data, "0") == 0)
            rc = vr_errorf(err, VR_NOT_FOUND, "source table %s.%s does not exist", db, table);
    }
out:
    mysql_free_result(res);
    vr_buf_free(&q);
    vr_buf_free(&out);
    return rc;
}

/* Source side of the rules: each select rule's source table must exist
 * and its key columns join the derived filter. */
static vr_code_t prepare_source(vp_player_t *p, vr_error_t *err)
{
    MYSQL *sc = NULL;
    size_t i, npk;
    const char **pk;
    vr_code_t rc = VR_OK;
    if (!p->o.source.db)
        p->source_db = vr_xasprintf("vt_%s", p->bs.keyspace);
    else
        p->source_db = vr_xstrdup(p->o.source.db);
    p->source = p->o.source;
    p->source.db = p->source_db;
    for (i = 0; i < p->rules.n && rc == VR_OK; i++) {
        trule_t *r = &p->rules.r[i];
        if (r->is_regex)
            continue;
        if (!sc && !(sc = vp_connect(&p->source, NULL, false, err)))
            return vr_error_prefix(err, "the source");
        if ((rc = source_pk(sc, p->source_db, r->source, p->arena, &pk, &npk, err)) == VR_OK)
            vp_rule_finalize(&p->rules, r, pk, npk);
    }
    if (sc)
        mysql_close(sc);
    return rc;
}

static vr_code_t prepare(vp_player_t *p, vr_error_t *err)
{
    vr_code_t rc;
    p->arena = vr_arena_new(0);
    vr_gtid_set_init(&p->pos);
    if ((rc = connect_target(p, err)) != VR_OK)
        return rc;
    set_stats_state(p, p->row.state);
    if (p->row.state == VR_VREPL_STOPPED || p->row.state == VR_VREPL_ERROR)
        return VR_OK;
    if ((rc = vr_vrepl_pos_parse(p->row.pos, &p->pos, err)) != VR_OK ||
        (rc = vr_binlog_source_parse(p->row.source, &p->bs, err)) != VR_OK ||
        (rc = vp_rules_compile(&p->rules, &p->bs, err)) != VR_OK ||
        (rc = prepare_source(p, err)) != VR_OK) {
        if (err)
            err->retriable = err->retriable && err->code == VR_MYSQL;
        return rc;
    }
    return VR_OK;
}

/* ---- Init: what to copy ------------------------------------------------------------------ */

static vr_code_t list_source_tables(vp_player_t *p, MYSQL *sc, vr_buf_t *values, size_t *n,
                                    vr_error_t *err)
{
    vr_buf_t q = VR_BUF_INIT;
    MYSQL_RES *res = NULL;
    MYSQL_ROW row;
    size_t i;
    vr_code_t rc = VR_OK;
    bool listed = false;
    for (i = 0; i < p->rules.n && rc == VR_OK; i++) {
        const trule_t *r = &p->rules.r[i];
        if (!r->is_regex) {
            vr_buf_printf(values, "%s(%lld,", *n ? "," : "", (long long)p->o.id);
            vp_put_string(values, r->target);
            vr_buf_putc(values, ')');
            (*n)++;
            continue;
        }
        if (listed)
            continue;
        listed = true; /* every table once, for the first regex rule that takes it */
        vr_buf_puts(&q, "select TABLE_NAME from information_schema.TABLES where TABLE_SCHEMA=");
        vp_put_string(&q, p->source_db);
        vr_buf_puts(&q, " and TABLE_TYPE='BASE TABLE' order by TABLE_NAME");
        if ((rc = vp_query(sc, q.data, &res, err)) != VR_OK)
            break;
        while ((row = mysql_fetch_row(res))) {
            const trule_t *owner = vp_rule_for_source(&p->rules, row[0]);
            if (!owner || !owner->is_regex)
                continue;
            vr_buf_printf(values, "%s(%lld,", *n ? "," : "", (long long)p->o.id);
            vp_put_string(values, row[0]);
            vr_buf_putc(values, ')');
            (*n)++;
        }
        mysql_free_result(res);
    }
    vr_buf_free(&q);
    return rc;
}

static vr_code_t init_copy(vp_player_t *p, vr_error_t *err)
{
    vr_buf_t values = VR_BUF_INIT, q = VR_BUF_INIT, cur = VR_BUF_INIT;
    MYSQL *sc = NULL;
    size_t n = 0;
    vr_code_t rc;
    if (p->pos.n) /* a given position: nothing to copy */
        return vp_set_state(p, VR_VREPL_RUNNING, "", err);
    if (!(sc = vp_connect(&p->source, NULL, false, err)))
        return vr_error_prefix(err, "the source");
    if ((rc = list_source_tables(p, sc, &values, &n, err)) != VR_OK)
        goto out;
    if (n == 0) { /* nothing to copy: replicate from now */
        if ((rc = vp_scalar(sc, "select @@global.gtid_binlog_pos", &cur, NULL, err)) != VR_OK ||
            (rc = vr_vrepl_pos_parse(cur.data, &p->pos, err)) != VR_OK)
            goto out;
        vp_pos_update_sql(p, &p->pos, 0, &q);
        if ((rc = vp_exec(p->tc, q.data, err)) == VR_OK)
            rc = vp_set_state(p, VR_VREPL_RUNNING, "", err);
        goto out;
    }
    /* one transaction: an interrupted Init is simply done again */
    if (!vr_vrepl_state_can_move(p->row.state, VR_VREPL_COPYING)) {
        rc = vr_errorf(err, VR_STATE, "stream %lld cannot go from %s to Copying",
                       (long long)p->o.id, vr_vrepl_state_name(p->row.state));
        goto out;
    }
    vr_buf_printf(&q, "begin; delete from _vt.copy_state where vrepl_id=%lld; "
                      "insert into _vt.copy_state (vrepl_id, table_name) values %s; "
                      "update _vt.vreplication set state='Copying', message='' where id=%lld "
                      "and state='Init'; commit",
                  (long long)p->o.id, values.data, (long long)p->o.id);
    if ((rc = vp_exec(p->tc, q.data, err)) != VR_OK) {
        vr_error_t ignored;
        vp_exec(p->tc, "rollback", &ignored);
        goto out;
    }
    vr_buf_reset(&q);
    vr_buf_printf(&q, "select state from _vt.vreplication where id=%lld", (long long)p->o.id);
    if ((rc = vp_scalar(p->tc, q.data, &cur, NULL, err)) != VR_OK)
        goto out;
    if (strcmp(cur.data, "Copying") != 0) { /* someone else moved it meanwhile */
        p->stopped_by_stream = true;
        goto out;
    }
    p->row.state = VR_VREPL_COPYING;
    set_stats_state(p, VR_VREPL_COPYING);
    vr_log_info("vplayer", "stream %lld: Copying %zu table(s)", (long long)p->o.id, n);
out:
    if (sc)
        mysql_close(sc);
    vr_buf_free(&values);
    vr_buf_free(&q);
    vr_buf_free(&cur);
    return rc;
}

static vr_code_t copy_left(vp_player_t *p, bool *left, vr_error_t *err)
{
    vr_buf_t out = VR_BUF_INIT, q = VR_BUF_INIT;
    vr_code_t rc;
    vr_buf_printf(&q, "select count(*) from _vt.copy_state where vrepl_id=%lld",
                  (long long)p->o.id);
    rc = vp_scalar(p->tc, q.data, &out, NULL, err);
    *left = rc == VR_OK && strcmp(out.data, "0") != 0;
    vr_buf_free(&out);
    vr_buf_free(&q);
    return rc;
}

/* One attempt from the row's state to a stop, an error or the end. */
static vr_code_t attempt(vp_player_t *p, vr_error_t *err)
{
    bool left = false;
    vr_code_t rc;
    if ((rc = prepare(p, err)) != VR_OK)
        return rc;
    if (p->row.state == VR_VREPL_STOPPED || p->row.state == VR_VREPL_ERROR)
        return VR_OK;
    if (p->row.state == VR_VREPL_INIT &&
        ((rc = init_copy(p, err)) != VR_OK || p->stopped_by_stream))
        return rc;
    if ((rc = copy_left(p, &left, err)) != VR_OK)
        return rc;
    if (left) {
        if (p->row.state != VR_VREPL_COPYING &&
            ((rc = vp_set_state(p, VR_VREPL_COPYING, "", err)) != VR_OK || p->stopped_by_stream))
            return rc;
        if ((rc = vp_copy_run(p, err)) != VR_OK || vp_stopping(p) || p->stopped_by_stream)
            return rc;
        if (p->bs.stop_after_copy) {
            p->stopped_by_stream = true;
            return vp_set_state(p, VR_VREPL_STOPPED, "Stopped after copy.", err);
        }
    }
    if (p->row.state != VR_VREPL_RUNNING &&
        ((rc = vp_set_state(p, VR_VREPL_RUNNING, "", err)) != VR_OK || p->stopped_by_stream))
        return rc;
    return vp_apply_stream(p, NULL, NULL, err);
}

/* ---- public API ----------------------------------------------------------------------- */

static void copy_source(vr_vstream_source_t *dst, const vr_vstream_source_t *src)
{
    dst->host = src->host ? vr_xstrdup(src->host) : NULL;
    dst->port = src->port;
    dst->socket = src->socket ? vr_xstrdup(src->socket) : NULL;
    dst->user = src->user ? vr_xstrdup(src->user) : NULL;
    dst->password = src->password ? vr_xstrdup(src->password) : NULL;
    dst->db = src->db ? vr_xstrdup(src->db) : NULL;
    dst->binlog_file = NULL;
}

static void free_source(vr_vstream_source_t *s)
{
    free((char *)s->host);
    free((char *)s->socket);
    free((char *)s->user);
    free((char *)s->password);
    free((char *)s->db);
}

vr_code_t vr_vplayer_new(const vr_vplayer_opts_t *opts, vr_vplayer_t **out, vr_error_t *err)
{
    vp_player_t *p;
    *out = NULL;
    if (opts->id <= 0)
        return vr_errorf(err, VR_INVALID, "a stream id is needed");
    p = vr_xcalloc(1, sizeof(*p));
    p->o = *opts;
    copy_source(&p->o.target, &opts->target);
    copy_source(&p->o.source, &opts->source);
    if (!p->o.heartbeat_ms)
        p->o.heartbeat_ms = 250;
    if (!p->o.heartbeat_write_ms)
        p->o.heartbeat_write_ms = 1000;
    if (!p->o.copy_packet_rows)
        p->o.copy_packet_rows = 10000;
    if (!p->o.copy_packet_bytes)
        p->o.copy_packet_bytes = (size_t)2 << 20;
    if (!p->o.batch_max_txns)
        p->o.batch_max_txns = 2000;
    if (!p->o.batch_max_bytes)
        p->o.batch_max_bytes = (size_t)8 << 20;
    if (!p->o.retry_max_ms)
        p->o.retry_max_ms = 5000;
    atomic_init(&p->stop, false);
    pthread_mutex_init(&p->mu, NULL);
    p->stats.lag_seconds = -1;
    *out = (vr_vplayer_t *)p;
    return VR_OK;
}

void vr_vplayer_stop(vr_vplayer_t *vp)
{
    atomic_store(&((vp_player_t *)vp)->stop, true);
}

void vr_vplayer_stats(vr_vplayer_t *vp, vr_vplayer_stats_t *st)
{
    vp_player_t *p = (vp_player_t *)vp;
    pthread_mutex_lock(&p->mu);
    *st = p->stats;
    pthread_mutex_unlock(&p->mu);
}

void vr_vplayer_free(vr_vplayer_t *vp)
{
    vp_player_t *p = (vp_player_t *)vp;
    if (!p)
        return;
    free_source(&p->o.target);
    free_source(&p->o.source);
    pthread_mutex_destroy(&p->mu);
    free(p);
}

/* Best effort, on a fresh connection: the row says what went wrong. */
static void record(vp_player_t *p, bool fatal, const char *msg)
{
    vr_error_t e;
    MYSQL *c = vp_connect(&p->o.target, NULL, false, &e);
    vr_buf_t q = VR_BUF_INIT, m = VR_BUF_INIT;
    if (!c)
        return;
    if (fatal) {
        if (vr_vrepl_set_state(c, p->o.id, VR_VREPL_ERROR, msg, &e) != VR_OK)
            vr_log_warn("vplayer", "stream %lld: recording the error: %s", (long long)p->o.id,
                        e.msg);
        set_stats_state(p, VR_VREPL_ERROR);
    } else {
        vr_buf_printf(&m, "retrying: %s", msg);
        vr_buf_puts(&q, "update _vt.vreplication set message=");
        vp_put_message(&q, m.data);
        vr_buf_printf(&q, " where id=%lld", (long long)p->o.id);
        vp_exec(c, q.data, &e);
    }
    vr_buf_free(&q);
    vr_buf_free(&m);
    mysql_close(c);
}

static void backoff_sleep(vp_player_t *p, int ms)
{
    int64_t until = vr_wall_ms() + ms;
    while (!vp_stopping(p) && vr_wall_ms() < until) {
        struct timespec ts = {0, 20 * 1000000L};
        nanosleep(&ts, NULL);
    }
}

vr_code_t vr_vplayer_run(vr_vplayer_t *vp, vr_error_t *err)
{
    vp_player_t *p = (vp_player_t *)vp;
    int delay = 100, failures = 0;
    uint64_t progress;
    vr_code_t rc;
    vr_error_t e;
    vr_error_clear(err);
    p->stopped_by_stream = false;
    while (!vp_stopping(p)) {
        vr_error_clear(&e);
        progress = p->progress;
        rc = attempt(p, &e);
        attempt_free(p);
        if (rc == VR_OK)
            return VR_OK; /* stopped, stop_pos, stop_after_copy, or not runnable */
        if (p->progress != progress) { /* it moved: start the backoff again */
            delay = 100;
            failures = 0;
        }
        if (!e.retriable || (p->o.max_retries > 0 && ++failures > p->o.max_retries)) {
            vr_log_error("vplayer", "stream %lld: %s", (long long)p->o.id, e.msg);
            record(p, true, e.msg);
            if (err)
                *err = e;
            return rc;
        }
        vr_log_warn("vplayer", "stream %lld: retrying in %d ms: %s", (long long)p->o.id, delay,
                    e.msg);
        pthread_mutex_lock(&p->mu);
        p->stats.retries++;
        pthread_mutex_unlock(&p->mu);
        record(p, false, e.msg);
        backoff_sleep(p, delay);
        delay = delay * 2 > p->o.retry_max_ms ? p->o.retry_max_ms : delay * 2;
    }
    return VR_OK;
}
