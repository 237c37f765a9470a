/*
 * plan_handler.c - the planner as a gateway handler: each session keeps
 * its target (`use ks`, `use ks@replica`, `use @rdonly`), its shard
 * connections and its transaction; each statement is answered by the
 * built-in probes, or parsed into the statement arena and run by pl_run()
 * against the current topology snapshot.  `vexplain queries <stmt>` runs
 * the statement and answers with the shard queries it caused
 * (#, keyspace, shard, query), as Vitess does.
 *
 * Callbacks run on the gateway's workers; the ctx is shared and guarded
 * by its mutexes (plan_topo.c, executor.c).
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "plan_int.h"
#include "proto.h"

static vr_code_t set_target(pl_sess_t *s, const char *db, vr_error_t *err)
{
    const char *at = strchr(db, '@');
    size_t kl = at ? (size_t)(at - db) : strlen(db);
    vr_tablet_type_t type = VR_TABLET_PRIMARY;
    char ks[VR_NAME_MAX];
    pl_snap_t *snap = NULL;
    vr_code_t rc;

    if (kl >= sizeof(ks))
        return vr_error_mysql(err, PL_ER_BAD_DB, false, "Unknown database '%s'", db);
    memcpy(ks, db, kl);
    ks[kl] = 0;
    if (at && vr_tablet_type_parse(at + 1, &type, err) != VR_OK)
        return vr_error_mysql(err, PL_ER_BAD_DB, false, "Unknown database '%s'", db);
    if ((rc = pl_snap_get(s->ctx, &snap, err)) != VR_OK)
        return rc;
    if (ks[0] && !pl_find_ks(snap, ks))
        rc = vr_error_mysql(err, PL_ER_BAD_DB, false, "Unknown database '%s'", ks);
    pl_snap_release(s->ctx, snap);
    if (rc != VR_OK)
        return rc;
    snprintf(s->ks, sizeof(s->ks), "%s", ks);
    s->type = type;
    return VR_OK;
}

static vr_code_t h_connect(void *ctx, vr_gw_session_t *gs, vr_error_t *err)
{
    pl_sess_t *s = vr_xcalloc(1, sizeof(*s));
    (void)err;
    s->ctx = ctx;
    s->gs = gs;
    s->type = VR_TABLET_PRIMARY;
    vr_gw_session_set_data(gs, s);
    vr_gw_session_set_status(gs, VR_GW_STATUS_AUTOCOMMIT, VR_GW_STATUS_AUTOCOMMIT);
    return VR_OK;
}

static void h_close(void *ctx, vr_gw_session_t *gs)
{
    pl_sess_t *s = vr_gw_session_data(gs);
    (void)ctx;
    if (!s)
        return;
    pl_sess_close_conns(s);
    pl_session_vars_free(s);
    free(s);
    vr_gw_session_set_data(gs, NULL);
}

static vr_code_t h_init_db(void *ctx, vr_gw_session_t *gs, const char *db, vr_error_t *err)
{
    (void)ctx;
    return set_target(vr_gw_session_data(gs), db, err);
}

static vr_code_t h_reset(void *ctx, vr_gw_session_t *gs, vr_error_t *err)
{
    pl_sess_t *s = vr_gw_session_data(gs);
    (void)ctx;
    (void)err;
    pl_txn_end(s, false, err);
    vr_error_clear(err);
    pl_session_vars_free(s);
    pl_sess_close_conns(s); /* those that carried variables are closed */
    vr_gw_session_set_status(gs, VR_GW_STATUS_IN_TRANS, 0);
    return VR_OK;
}

/* "vexplain queries <stmt>": the statement's offset, else 0. */
static size_t vexplain_prefix(const char *sql, size_t len)
{
    size_t i = 0;
    while (i < len && isspace((unsigned char)sql[i]))
        i++;
    if (len - i < 9 || strncasecmp(sql + i, "vexplain", 8) || !isspace((unsigned char)sql[i + 8]))
        return 0;
    for (i += 8; i < len && isspace((unsigned char)sql[i]);)
        i++;
    if (len - i < 8 || strncasecmp(sql + i, "queries", 7) || !isspace((unsigned char)sql[i + 7]))
        return 0;
    return i + 7;
}

/* Transaction control is the planner's (the built-in handler would only
 * acknowledge it). */
static bool txn_word(const char *sql, size_t len)
{
    static const char *const words[] = {"begin", "start", "commit", "rollback"};
    size_t i = 0, k, n;
    while (i < len && isspace((unsigned char)sql[i]))
        i++;
    for (k = 0; k < 4; k++) {
        n = strlen(words[k]);
        if (len - i >= n && strncasecmp(sql + i, words[k], n) == 0 &&
            (len - i == n || !isalnum((unsigned char)sql[i + n])))
            return true;
    }
    return false;
}

/* "use x" by text: `use ks@replica` is not SQL the parser takes. */
static bool use_stmt(const char *sql, size_t len, char *db, size_t size)
{
    size_t i = 0, n = 0;
    while (i < len && isspace((unsigned char)sql[i]))
        i++;
    if (len - i < 4 || strncasecmp(sql + i, "use", 3) || !isspace((unsigned char)sql[i + 3]))
        return false;
    for (i += 3; i < len && (isspace((unsigned char)sql[i]) || sql[i] == '`');)
        i++;
    while (i < len && sql[i] != '`' && sql[i] != ';' && !isspace((unsigned char)sql[i]) &&
           n + 1 < size)
        db[n++] = sql[i++];
    db[n] = 0;
    return true;
}

static vr_code_t write_log(pl_sess_t *s, vr_gw_result_t *r)
{
    vr_gw_column_t cols[4];
    size_t i;
    vr_code_t rc;
    cols[0] = vr_gw_column_int("#");
    cols[1] = vr_gw_column_text("keyspace");
    cols[2] = vr_gw_column_text("shard");
    cols[3] = vr_gw_column_text("query");
    rc = vr_gw_result_columns(r, cols, 4);
    for (i = 0; rc == VR_OK && i < s->nlog; i++) {
        const char *v[4];
        v[0] = vr_arena_printf(s->a, "%zu", i);
        v[1] = s->log[i].ks;
        v[2] = s->log[i].shard;
        v[3] = s->log[i].sql;
        rc = vr_gw_result_row(r, v, NULL);
    }
    return rc == VR_OK ? vr_gw_result_end(r, 0) : rc;
}

static void send_error(pl_sess_t *s, vr_gw_result_t *r, const vr_error_t *e)
{
    unsigned no = e->mysql_errno ? e->mysql_errno : VR_GW_ER_UNKNOWN;
    const char *st = s->sqlstate[0] ? s->sqlstate
                     : no == 1146                 ? "42S02"
                     : no == 1049 || no == 1064 || no == 1235 || no == 1046 ? (no == 1046 ? "3D000" : "42000")
                                                                             : "HY000";
    vr_gw_result_error(r, no, st, "%s", e->msg);
}

/* Plan and run one statement.  describe (a prepare): only the result
 * columns matter, and a failure is not the client's business (it then
 * takes the columns from the execute). */
static vr_code_t answer(pl_sess_t *s, vr_gw_session_t *gs, const char *sql, size_t len,
                        vr_gw_result_t *r, bool describe, vr_error_t *err)
{
    size_t off = describe ? 0 : vexplain_prefix(sql, len);
    vr_sql_stmt_t *st = NULL;
    pl_rs_t rs;
    char db[VR_NAME_MAX * 2];
    vr_code_t rc;

    if (!describe && !off && pl_session_set(s, sql, len, err) != VR_OK) {
        send_error(s, r, err);
        vr_gw_session_set_status(gs, VR_GW_STATUS_IN_TRANS, s->in_txn ? VR_GW_STATUS_IN_TRANS : 0);
        return VR_OK;
    }
    if (!off && !txn_word(sql, len) && !pl_session_mentions(s, sql, len) &&
        vr_gw_builtin_answer(gs, sql, len, r)) {
        vr_gw_session_set_status(gs, VR_GW_STATUS_IN_TRANS, s->in_txn ? VR_GW_STATUS_IN_TRANS : 0);
        return VR_OK;
    }
    if (!off && use_stmt(sql, len, db, sizeof(db))) {
        if (describe)
            return VR_OK;
        if ((rc = set_target(s, db, err)) != VR_OK)
            return rc;
        return vr_gw_result_ok(r, 0, 0, 0, NULL);
    }
    memset(&rs, 0, sizeof(rs));
    s->a = vr_gw_session_arena(gs);
    s->log = NULL;
    s->nlog = s->caplog = 0;
    s->sqlstate[0] = 0;
    if ((rc = pl_snap_get(s->ctx, &s->snap, err)) != VR_OK)
        return describe ? VR_OK : rc;
    rc = vr_sql_parse_arena(s->a, sql + off, len - off, &st, err);
    if (rc == VR_OK && describe && st->kind != VR_SQL_STMT_SELECT &&
        st->kind != VR_SQL_STMT_UNION)
        rc = VR_STATE; /* only a query's columns are described */
    if (rc == VR_OK)
        rc = pl_run(s, st, &rs, err);
    if (describe) {
        if (rc == VR_OK && rs.cols)
            vr_gw_result_columns(r, rs.cols, rs.ncols);
        vr_error_clear(err);
    } else if (rc != VR_OK)
        send_error(s, r, err);
    else if (off)
        write_log(s, r);
    else
        pl_rs_write(&rs, r);
    vr_gw_session_set_status(gs, VR_GW_STATUS_IN_TRANS, s->in_txn ? VR_GW_STATUS_IN_TRANS : 0);
    pl_snap_release(s->ctx, s->snap);
    s->snap = NULL;
    return VR_OK;
}

static vr_code_t h_query(void *ctx, vr_gw_session_t *gs, const char *sql, size_t len,
                         vr_gw_result_t *r, vr_error_t *err)
{
    (void)ctx;
    return answer(vr_gw_session_data(gs), gs, sql, len, r, false, err);
}

/* COM_STMT_PREPARE: clients such as sysbench bind the result columns the
 * prepare announces, so a SELECT is described by running it once with
 * every `?` as NULL (which matches no row of an equality or
 * range) and taking the columns of the answer.  Anything else, or a
 * statement that fails so, announces no columns. */
static vr_code_t h_prepare(void *ctx, vr_gw_session_t *gs, const char *sql, size_t len,
                           unsigned n_params, vr_gw_result_t *r, vr_error_t *err)
{
    pl_sess_t *s = vr_gw_session_data(gs);
    bool no_bs = (vr_gw_session_status(gs) & VR_GW_STATUS_NO_BACKSLASH_ESCAPES) != 0;
    vr_arena_t *a = vr_gw_session_arena(gs);
    size_t *ph = vr_arena_alloc(a, (n_params + 1) * sizeof(size_t)), pos = 0, i, n;
    vr_buf_t b = VR_BUF_INIT;
    char *text;

    (void)ctx;
    n = gw_sql_placeholders(sql, len, no_bs, ph, n_params);
    for (i = 0; i < n && i < n_params; i++) {
        vr_buf_append(&b, sql + pos, ph[i] - pos);
        vr_buf_puts(&b, "NULL");
        pos = ph[i] + 1;
    }
    vr_buf_append(&b, sql + pos, len - pos);
    text = vr_arena_strndup(a, b.data ? b.data : "", b.len);
    vr_buf_free(&b);
    return answer(s, gs, text, strlen(text), r, true, err);
}

vr_code_t vr_gw_planner_new(const char *topo_addr, vr_gw_handler_t *out, vr_error_t *err)
{
    pl_ctx_t *ctx;
    vr_code_t rc;
    if (mysql_library_init(0, NULL, NULL) != 0)
        return vr_errorf(err, VR_INTERNAL, "mysql_library_init failed");
    ctx = vr_xcalloc(1, sizeof(*ctx));
    ctx->topo_addr = vr_xstrdup(topo_addr);
    pthread_mutex_init(&ctx->mu, NULL);
    pthread_mutex_init(&ctx->seq_mu, NULL);
    if ((rc = vr_topo_open(topo_addr, &ctx->topo, err)) != VR_OK) {
        out->ctx = ctx;
        vr_gw_planner_free(out);
        return rc;
    }
    memset(out, 0, sizeof(*out));
    out->ctx = ctx;
    out->on_connect = h_connect;
    out->on_query = h_query;
    out->on_prepare = h_prepare;
    out->on_init_db = h_init_db;
    out->on_reset = h_reset;
    out->on_close = h_close;
    return VR_OK;
}

void vr_gw_planner_free(vr_gw_handler_t *h)
{
    pl_ctx_t *ctx;
    size_t i;
    if (!h || !h->ctx)
        return;
    ctx = h->ctx;
    pl_snap_release(ctx, ctx->snap);
    for (i = 0; i < ctx->npool; i++)
        mysql_close(ctx->pool[i].m);
    free(ctx->pool);
    for (i = 0; i < ctx->nseqs; i++)
        free(ctx->seqs[i].name);
    free(ctx->seqs);
    vr_topo_close(ctx->topo);
    pthread_mutex_destroy(&ctx->mu);
    pthread_mutex_destroy(&ctx->seq_mu);
    free(ctx->topo_addr);
    free(ctx);
    h->ctx = NULL;
}
