/*
 * executor.c - runs shard queries for the planner: the session's shard
 * connections (taken from a shared idle pool per tablet, returned to it
 * when the session ends outside a transaction), transactions across the
 * shards a session touched, result collection into the statement arena,
 * and sequence blocks for auto-increment columns.  A scatter sends its
 * query to every shard before reading any answer (pl_exec_many), so the
 * shards work in parallel without a thread per shard.
 *
 * Transactions: BEGIN only marks the session; the first statement a
 * shard sees inside it sends `begin` there.  COMMIT commits the shards
 * one by one in the order they joined.  This is NOT atomic across shards:
 * when a later commit fails, the earlier shards stay committed (Vitess's
 * "best effort" multi-shard commit, without its 2PC mode).  Each shard's
 * part is atomic on its own.  ROLLBACK rolls every shard back.
 *
 * Runs on the gateway's worker threads: a session's calls never overlap;
 * the pool and the sequence cache are under the ctx mutexes.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <errmsg.h>

#include "plan_int.h"
#include "vr_cluster.h"

#define POOL_MAX 128

static void set_state(pl_sess_t *s, const char *st)
{
    snprintf(s->sqlstate, sizeof(s->sqlstate), "%s", st ? st : "HY000");
}

static MYSQL *pool_take(pl_ctx_t *ctx, const char *alias)
{
    MYSQL *m = NULL;
    size_t i;
    pthread_mutex_lock(&ctx->mu);
    for (i = ctx->npool; i-- > 0;)
        if (strcmp(ctx->pool[i].alias, alias) == 0) {
            m = ctx->pool[i].m;
            ctx->pool[i] = ctx->pool[--ctx->npool];
            break;
        }
    pthread_mutex_unlock(&ctx->mu);
    if (m && mysql_ping(m) != 0) { /* the tablet restarted or went away */
        mysql_close(m);
        m = NULL;
    }
    return m;
}

static void pool_put(pl_ctx_t *ctx, const char *alias, MYSQL *m)
{
    pthread_mutex_lock(&ctx->mu);
    if (ctx->npool < POOL_MAX) {
        if (!ctx->pool)
            ctx->pool = vr_xcalloc(POOL_MAX, sizeof(*ctx->pool));
        snprintf(ctx->pool[ctx->npool].alias, VR_NAME_MAX, "%s", alias);
        ctx->pool[ctx->npool++].m = m;
        m = NULL;
    }
    pthread_mutex_unlock(&ctx->mu);
    mysql_close(m);
}

void pl_sess_close_conns(pl_sess_t *s)
{
    size_t i;
    for (i = 0; i < s->nconns; i++) {
        if (s->conns[i].in_txn || !s->conns[i].m || s->conns[i].vars_dirty)
            mysql_close(s->conns[i].m); /* an open transaction dies with it */
        else
            pool_put(s->ctx, s->conns[i].alias, s->conns[i].m);
    }
    free(s->conns);
    s->conns = NULL;
    s->nconns = s->capconns = 0;
}

static void drop_conn(pl_sess_t *s, size_t i)
{
    mysql_close(s->conns[i].m);
    memmove(&s->conns[i], &s->conns[i + 1], (s->nconns - i - 1) * sizeof(*s->conns));
    s->nconns--;
}

static vr_code_t tablet_for(pl_sess_t *s, const pl_ks_t *ks, const pl_shard_t *sh, bool write,
                            const vr_tablet_t **out, vr_error_t *err)
{
    vr_tablet_type_t t = (write || s->in_txn) ? VR_TABLET_PRIMARY : s->type;
    if (!sh->has[t])
        return vr_errorf(err, VR_NOT_FOUND, "target: %s.%s.%s: no healthy tablet available",
                         ks->name, sh->name, vr_tablet_type_name(t));
    *out = &sh->tablet[t];
    return VR_OK;
}

static vr_code_t get_conn(pl_sess_t *s, const pl_ks_t *ks, const pl_shard_t *sh, bool write,
                          pl_conn_t **out, vr_error_t *err)
{
    const vr_tablet_t *t = NULL;
    pl_conn_t *c;
    MYSQL *m;
    size_t i;
    vr_code_t rc;

    if ((rc = tablet_for(s, ks, sh, write, &t, err)) != VR_OK)
        return rc;
    for (i = 0; i < s->nconns; i++)
        if (strcmp(s->conns[i].alias, t->alias) == 0) {
            *out = &s->conns[i];
            return VR_OK;
        }
    m = pool_take(s->ctx, t->alias);
    if (!m && !(m = vr_tablet_connect(t, (t)->db_name, err)))
        return vr_error_prefix(err, "target: %s.%s.%s", ks->name, sh->name,
                               vr_tablet_type_name(t->type));
    if (s->nconns == s->capconns) {
        s->capconns = s->capconns ? 2 * s->capconns : 4;
        s->conns = vr_xrealloc(s->conns, s->capconns * sizeof(*s->conns));
    }
    c = &s->conns[s->nconns++];
    memset(c, 0, sizeof(*c));
    snprintf(c->alias, sizeof(c->alias), "%s", t->alias);
    snprintf(c->ks, sizeof(c->ks), "%s", ks->name);
    snprintf(c->shard, sizeof(c->shard), "%s", sh->name);
    c->m = m;
    *out = c;
    return VR_OK;
}

static void log_query(pl_sess_t *s, const pl_ks_t *ks, const pl_shard_t *sh, const char *sql)
{
    if (s->nlog == s->caplog) {
        size_t cap = s->caplog ? 2 * s->caplog : 8;
        pl_logq_t *n = vr_arena_alloc(s->a, cap * sizeof(*n));
        if (s->nlog)
            memcpy(n, s->log, s->nlog * sizeof(*n));
        s->log = n;
        s->caplog = cap;
    }
    s->log[s->nlog].ks = ks->name; /* the snapshot outlives the statement's log */
    s->log[s->nlog].shard = sh->name;
    s->log[s->nlog++].sql = vr_arena_strdup(s->a, sql);
    vr_log_debug(PL_AREA, "%s/%s: %s", ks->name, sh->name, sql);
}

static void copy_cols(vr_arena_t *a, MYSQL_RES *res, pl_rs_t *rs)
{
    const MYSQL_FIELD *f = mysql_fetch_fields(res);
    size_t n = mysql_num_fields(res), i;
    rs->ncols = n;
    rs->cols = vr_arena_calloc(a, (n ? n : 1) * sizeof(*rs->cols));
    for (i = 0; i < n; i++) {
        vr_gw_column_t *c = &rs->cols[i];
        c->schema = vr_arena_strdup(a, f[i].db ? f[i].db : "");
        c->table = vr_arena_strdup(a, f[i].table ? f[i].table : "");
        c->org_table = vr_arena_strdup(a, f[i].org_table ? f[i].org_table : "");
        c->name = vr_arena_strdup(a, f[i].name ? f[i].name : "");
        c->org_name = vr_arena_strdup(a, f[i].org_name ? f[i].org_name : "");
        c->charset = (uint16_t)f[i].charsetnr;
        c->length = f[i].length > 0xffffffffUL ? 0xffffffffU : (uint32_t)f[i].length;
        c->type = (uint8_t)f[i].type;
        c->flags = (uint16_t)f[i].flags;
        c->decimals = (uint8_t)f[i].decimals;
    }
}

static void collect(vr_arena_t *a, MYSQL_RES *res, pl_rs_t *rs)
{
    MYSQL_ROW row;
    size_t n = mysql_num_fields(res), i;
    if (!rs->cols)
        copy_cols(a, res, rs);
    while ((row = mysql_fetch_row(res)) != NULL) {
        unsigned long *ul = mysql_fetch_lengths(res);
        char **v = vr_arena_alloc(a, (n ? n : 1) * sizeof(char *));
        size_t *l = vr_arena_alloc(a, (n ? n : 1) * sizeof(size_t));
        for (i = 0; i < n; i++) {
            l[i] = ul[i];
            v[i] = row[i] ? vr_arena_memdup(a, row[i], ul[i] + 1) : NULL;
        }
        if (n == rs->ncols)
            pl_rs_add_row(a, rs, v, l);
    }
}

static vr_code_t shard_error(pl_sess_t *s, pl_conn_t *c, vr_error_t *err)
{
    MYSQL *m = c->m;
    unsigned e = mysql_errno(m);
    vr_code_t rc;
    set_state(s, mysql_sqlstate(m));
    rc = vr_error_mysql(err, e, vr_mysql_errno_retriable(e), "target: %s.%s: %s", c->ks,
                        c->shard, mysql_error(m));
    if (e == CR_SERVER_GONE_ERROR || e == CR_SERVER_LOST || e == CR_SERVER_LOST_EXTENDED ||
        e == CR_CONNECTION_ERROR || e == CR_CONN_HOST_ERROR)
        drop_conn(s, (size_t)(c - s->conns));
    return rc;
}

/* The session's connection for a shard, inside the session's
 * transaction when there is one. */
static vr_code_t ready_conn(pl_sess_t *s, const pl_ks_t *ks, const pl_shard_t *sh, bool write,
                            pl_conn_t **c, vr_error_t *err)
{
    vr_code_t rc = get_conn(s, ks, sh, write, c, err);
    if (rc != VR_OK) {
        set_state(s, "HY000");
        return rc;
    }
    if ((*c)->vars_ver != s->vars_ver && pl_session_apply(s, *c, err) != VR_OK)
        return shard_error(s, *c, err);
    if (s->in_txn && !(*c)->in_txn) {
        if (mysql_query((*c)->m, "begin") != 0)
            return shard_error(s, *c, err);
        (*c)->in_txn = true;
    }
    return VR_OK;
}

/* Read every result of the statement just sent on c. */
static vr_code_t read_all(pl_sess_t *s, pl_conn_t *c, pl_rs_t *rs, vr_error_t *err)
{
    MYSQL_RES *res;
    int next;
    do {
        res = mysql_store_result(c->m);
        if (res) {
            if (rs)
                collect(s->a, res, rs);
            mysql_free_result(res);
        } else if (mysql_field_count(c->m) == 0) {
            if (rs) {
                rs->affected += mysql_affected_rows(c->m);
                if (mysql_insert_id(c->m) && !rs->insert_id)
                    rs->insert_id = mysql_insert_id(c->m);
            }
        } else {
            return shard_error(s, c, err);
        }
        next = mysql_next_result(c->m);
        if (next > 0)
            return shard_error(s, c, err);
    } while (next == 0);
    return VR_OK;
}

vr_code_t pl_exec(pl_sess_t *s, const pl_ks_t *ks, const pl_shard_t *sh, bool write,
                  const char *sql, pl_rs_t *rs, vr_error_t *err)
{
    pl_conn_t *c = NULL;
    vr_code_t rc;

    if ((rc = ready_conn(s, ks, sh, write, &c, err)) != VR_OK)
        return rc;
    log_query(s, ks, sh, sql);
    if (mysql_real_query(c->m, sql, strlen(sql)) != 0)
        return shard_error(s, c, err);
    return read_all(s, c, rs, err);
}

static pl_conn_t *find_conn(pl_sess_t *s, const char *alias)
{
    size_t i;
    for (i = 0; i < s->nconns; i++)
        if (strcmp(s->conns[i].alias, alias) == 0)
            return &s->conns[i];
    return NULL;
}

/* Scatter: send sql to every shard first, then read the answers in shard
 * order, so the shards work at the same time.  After a failure the
 * answers already on their way are still read (and dropped), keeping
 * every connection in step; the first error is reported. */
vr_code_t pl_exec_many(pl_sess_t *s, const pl_ks_t *ks, const int *shards, size_t n, bool write,
                       const char *sql, pl_rs_t *rs, vr_error_t *err)
{
    char (*sent)[VR_NAME_MAX] = vr_arena_alloc(s->a, (n + 1) * VR_NAME_MAX);
    size_t nsent = 0, i;
    vr_code_t rc = VR_OK;
    vr_error_t scratch;

    for (i = 0; i < n && rc == VR_OK; i++) {
        const pl_shard_t *sh = &ks->shards[shards[i]];
        pl_conn_t *c = NULL;
        if ((rc = ready_conn(s, ks, sh, write, &c, err)) != VR_OK)
            break;
        log_query(s, ks, sh, sql);
        if (mysql_send_query(c->m, sql, (unsigned long)strlen(sql)) != 0) {
            rc = shard_error(s, c, err);
            break;
        }
        snprintf(sent[nsent++], VR_NAME_MAX, "%s", c->alias);
    }
    for (i = 0; i < nsent; i++) {
        pl_conn_t *c = find_conn(s, sent[i]);
        vr_error_t *e = rc == VR_OK ? err : &scratch;
        vr_code_t r;
        if (!c)
            continue;
        if (mysql_read_query_result(c->m) != 0)
            r = shard_error(s, c, e);
        else
            r = read_all(s, c, rc == VR_OK ? rs : NULL, e);
        if (rc == VR_OK)
            rc = r;
    }
    return rc;
}

vr_code_t pl_txn_end(pl_sess_t *s, bool commit, vr_error_t *err)
{
    vr_code_t rc = VR_OK;
    size_t i;
    int pass;
    /* pass 0: the shards holding new lookup rows; pass 1: the others */
    for (pass = 0; pass < 2; pass++)
        for (i = 0; i < s->nconns; i++) {
            pl_conn_t *c = &s->conns[i];
            if (!c->in_txn || c->pre != (pass == 0))
                continue;
            c->in_txn = false;
            c->pre = false;
            if (rc == VR_OK && mysql_query(c->m, commit ? "commit" : "rollback") != 0) {
                rc = shard_error(s, c, err);
                commit = false; /* roll back the shards not yet committed */
                i--;            /* the failed conn may have been dropped */
            } else if (rc != VR_OK) {
                mysql_query(c->m, "rollback");
            }
        }
    s->in_txn = false;
    return rc;
}

void pl_mark_pre(pl_sess_t *s, const pl_ks_t *ks, const pl_shard_t *sh)
{
    const vr_tablet_t *t = NULL;
    pl_conn_t *c;
    vr_error_t e;
    if (tablet_for(s, ks, sh, true, &t, &e) == VR_OK && (c = find_conn(s, t->alias)) != NULL &&
        c->in_txn)
        c->pre = true;
}

vr_code_t pl_exec_autocommit(pl_sess_t *s, const pl_ks_t *ks, const pl_shard_t *sh,
                             const char *sql, vr_error_t *err)
{
    const vr_tablet_t *t = NULL;
    MYSQL *m;
    MYSQL_RES *res;
    unsigned e;
    vr_code_t rc;

    if ((rc = tablet_for(s, ks, sh, true, &t, err)) != VR_OK)
        return rc;
    if (!(m = pool_take(s->ctx, t->alias)) && !(m = vr_tablet_connect(t, t->db_name, err))) {
        set_state(s, "HY000");
        return vr_error_prefix(err, "target: %s.%s.primary", ks->name, sh->name);
    }
    log_query(s, ks, sh, sql);
    if (mysql_real_query(m, sql, strlen(sql)) != 0) {
        e = mysql_errno(m);
        set_state(s, mysql_sqlstate(m));
        rc = vr_error_mysql(err, e, vr_mysql_errno_retriable(e), "target: %s.%s: %s", ks->name,
                            sh->name, mysql_error(m));
        mysql_close(m);
        return rc;
    }
    do {
        if ((res = mysql_store_result(m)) != NULL)
            mysql_free_result(res);
    } while (mysql_next_result(m) == 0);
    pool_put(s->ctx, t->alias, m);
    return VR_OK;
}

/* Reserve a block [next_id, next_id + cache) in the sequence table, as
 * Vitess does, on its own connection (never in the session's txn). */
static vr_code_t reserve_block(pl_sess_t *s, const pl_ks_t *ks, const char *table,
                               int64_t *next, int64_t *end, vr_error_t *err)
{
    const pl_shard_t *sh = ks->nshards ? &ks->shards[0] : NULL;
    MYSQL *m = NULL;
    MYSQL_RES *res = NULL;
    MYSQL_ROW row;
    char sql[512];
    int64_t cache;
    vr_code_t rc = VR_OK;

    if (!sh || !sh->has[VR_TABLET_PRIMARY])
        return vr_errorf(err, VR_NOT_FOUND, "sequence %s.%s: no primary", ks->name, table);
    if (!(m = vr_tablet_connect(&sh->tablet[VR_TABLET_PRIMARY], (&sh->tablet[VR_TABLET_PRIMARY])->db_name, err)))
        return vr_error_prefix(err, "target: %s.%s.primary", ks->name, sh->name);
    snprintf(sql, sizeof(sql), "select next_id, cache from `%s` where id = 0 for update", table);
    if (mysql_query(m, "begin") != 0 || mysql_query(m, sql) != 0 ||
        !(res = mysql_store_result(m))) {
        rc = vr_error_mysql(err, mysql_errno(m), false, "sequence %s.%s: %s", ks->name, table,
                            mysql_error(m));
        goto out;
    }
    if (!(row = mysql_fetch_row(res)) || !row[0]) {
        rc = vr_errorf(err, VR_NOT_FOUND, "sequence %s.%s has no row with id 0", ks->name, table);
        goto out;
    }
    *next = strtoll(row[0], NULL, 10);
    cache = row[1] ? strtoll(row[1], NULL, 10) : 1;
    if (cache < 1)
        cache = 1;
    *end = *next + cache;
    snprintf(sql, sizeof(sql), "update `%s` set next_id = %lld where id = 0", table,
             (long long)*end);
    log_query(s, ks, sh, sql);
    if (mysql_query(m, sql) != 0 || mysql_query(m, "commit") != 0)
        rc = vr_error_mysql(err, mysql_errno(m), false, "sequence %s.%s: %s", ks->name, table,
                            mysql_error(m));
out:
    mysql_free_result(res);
    mysql_close(m);
    return rc;
}

vr_code_t pl_seq_next(pl_sess_t *s, const pl_ks_t *ks, const char *table, int64_t *out,
                      vr_error_t *err)
{
    pl_ctx_t *ctx = s->ctx;
    char name[2 * VR_NAME_MAX + 2];
    pl_seq_t *q = NULL;
    vr_code_t rc = VR_OK;
    size_t i;

    snprintf(name, sizeof(name), "%s.%s", ks->name, table);
    pthread_mutex_lock(&ctx->seq_mu);
    for (i = 0; i < ctx->nseqs && !q; i++)
        if (strcmp(ctx->seqs[i].name, name) == 0)
            q = &ctx->seqs[i];
    if (!q) {
        ctx->seqs = vr_xrealloc(ctx->seqs, (ctx->nseqs + 1) * sizeof(*ctx->seqs));
        q = &ctx->seqs[ctx->nseqs++];
        q->name = vr_xstrdup(name);
        q->next = q->end = 0;
    }
    if (q->next >= q->end)
        rc = reserve_block(s, ks, table, &q->next, &q->end, err);
    if (rc == VR_OK)
        *out = q->next++;
    pthread_mutex_unlock(&ctx->seq_mu);
    return rc;
}
