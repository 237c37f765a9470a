/*
 * passthrough.c - the passthrough handler: every session gets its own
 * Connector/C connection to one backend MariaDB (opened in on_connect with
 * the client's character set), every statement is sent as is, and the
 * answers stream back: results row by row (mysql_use_result, so a result
 * of any size passes in constant memory), OKs with affected rows, insert
 * id, info and warnings, and errors with the backend's errno and SQLSTATE.
 * The backend's transaction status (and NO_BACKSLASH_ESCAPES) is mirrored
 * into the session after each result.
 *
 * A development tool and the test bed of the protocol layer until the
 * planner exists.  Runs on workers; one session's calls never overlap, so
 * the per-session MYSQL needs no lock; the shared ctx is read-only.
 *
 * When the client vanishes mid-result, the backend connection is shut
 * down rather than drained (draining a large result would keep the worker
 * busy for nothing): the backend sees the socket close and aborts the
 * query.
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <errmsg.h>
#include <mysql.h>

#include "gw_int.h"

typedef struct pt_ctx {
    vr_gw_backend_t be;
} pt_ctx_t;

/* ---- backend URL ---- */

static char *decode_part(const char *s, size_t n)
{
    char *o = vr_xmalloc(n + 1);
    size_t i, j = 0;
    for (i = 0; i < n; i++) {
        if (s[i] == '%' && i + 2 < n &&
            isxdigit((unsigned char)s[i + 1]) && isxdigit((unsigned char)s[i + 2])) {
            char hex[3] = {s[i + 1], s[i + 2], 0};
            o[j++] = (char)strtol(hex, NULL, 16);
            i += 2;
        } else {
            o[j++] = s[i];
        }
    }
    o[j] = 0;
    return o;
}

vr_code_t vr_gw_backend_parse(const char *url, vr_gw_backend_t *b, vr_error_t *err)
{
    const char *p, *at, *slash, *colon, *hostend;
    memset(b, 0, sizeof(*b));
    if (strncmp(url, "mariadb://", 10) == 0)
        p = url + 10;
    else if (strncmp(url, "mysql://", 8) == 0)
        p = url + 8;
    else
        return vr_errorf(err, VR_INVALID, "backend '%s': expected mariadb://user@host:port/db",
                         url);
    slash = strchr(p, '/');
    hostend = slash ? slash : p + strlen(p);
    at = memrchr(p, '@', (size_t)(hostend - p));
    if (!at || at == p)
        return vr_errorf(err, VR_INVALID, "backend '%s': no user (mariadb://user@host...)", url);
    colon = memchr(p, ':', (size_t)(at - p));
    b->user = decode_part(p, (size_t)((colon ? colon : at) - p));
    if (colon)
        b->password = decode_part(colon + 1, (size_t)(at - colon - 1));
    p = at + 1;
    colon = memchr(p, ':', (size_t)(hostend - p));
    b->host = vr_xstrndup(p, (size_t)((colon ? colon : hostend) - p));
    if (colon) {
        char *end;
        long port = strtol(colon + 1, &end, 10);
        if (end != hostend || port <= 0 || port > 65535) {
            vr_gw_backend_clear(b);
            return vr_errorf(err, VR_INVALID, "backend '%s': bad port", url);
        }
        b->port = (int)port;
    }
    if (!b->host[0]) {
        vr_gw_backend_clear(b);
        return vr_errorf(err, VR_INVALID, "backend '%s': no host", url);
    }
    if (slash && slash[1])
        b->db = vr_xstrdup(slash + 1);
    return VR_OK;
}

void vr_gw_backend_clear(vr_gw_backend_t *b)
{
    free(b->host);
    free(b->user);
    free(b->password);
    free(b->db);
    memset(b, 0, sizeof(*b));
}

/* ---- helpers ---- */

static void mirror_status(vr_gw_session_t *s, MYSQL *m)
{
    unsigned int st = 0;
    const uint16_t mask =
        VR_GW_STATUS_IN_TRANS | VR_GW_STATUS_AUTOCOMMIT | VR_GW_STATUS_NO_BACKSLASH_ESCAPES;
    if (mariadb_get_infov(m, MARIADB_CONNECTION_SERVER_STATUS, &st) == 0)
        vr_gw_session_set_status(s, mask, (uint16_t)st);
}

static void forward_error(vr_gw_result_t *r, MYSQL *m)
{
    vr_gw_result_error(r, mysql_errno(m), mysql_sqlstate(m), "%s", mysql_error(m));
}

/* After an error: a connection the backend dropped is closed, so the next
 * statement opens a new one. */
static void check_lost(vr_gw_session_t *s, MYSQL *m)
{
    unsigned e = mysql_errno(m);
    if (e == CR_SERVER_GONE_ERROR || e == CR_SERVER_LOST || e == CR_SERVER_LOST_EXTENDED) {
        vr_log_warn(GW_AREA, "session %u: backend connection lost: %s", vr_gw_session_id(s),
                    mysql_error(m));
        mysql_close(m);
        vr_gw_session_set_data(s, NULL);
    }
}

static void map_columns(const MYSQL_FIELD *f, vr_gw_column_t *c, size_t n)
{
    size_t i;
    for (i = 0; i < n; i++) {
        c[i].schema = f[i].db;
        c[i].table = f[i].table;
        c[i].org_table = f[i].org_table;
        c[i].name = f[i].name;
        c[i].org_name = f[i].org_name;
        c[i].charset = (uint16_t)f[i].charsetnr;
        c[i].length = f[i].length > 0xffffffffUL ? 0xffffffffU : (uint32_t)f[i].length;
        c[i].type = (uint8_t)f[i].type;
        c[i].flags = (uint16_t)f[i].flags;
        c[i].decimals = (uint8_t)f[i].decimals;
    }
}

/* The client is gone: drop the backend connection without reading the
 * rest of the result.  The close is abortive (an RST, by SO_LINGER 0): a
 * plain FIN would leave a backend blocked on a full socket waiting out its
 * net_write_timeout, since it only learns of a close when it can send. */
static void abandon(vr_gw_session_t *s, MYSQL *m, MYSQL_RES *res)
{
    struct linger lg = {1, 0};
    int fd = (int)mysql_get_socket(m);
    setsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
    shutdown(fd, SHUT_RD); /* mysql_free_result then reads EOF, not rows */
    mysql_free_result(res);
    mysql_close(m);
    vr_gw_session_set_data(s, NULL);
}

/* Stream one result set.  VR_OK to go on; VR_IO when the client went away
 * (the backend connection is dropped); VR_STATE when the answer ended in an
 * error (sent). */
static vr_code_t stream_result(vr_gw_session_t *s, MYSQL *m, MYSQL_RES *res, vr_gw_result_t *r)
{
    size_t n = mysql_num_fields(res), i;
    vr_gw_column_t *cols = vr_arena_alloc(vr_gw_session_arena(s), n * sizeof(*cols));
    size_t *lens = vr_arena_alloc(vr_gw_session_arena(s), n * sizeof(size_t));
    MYSQL_ROW row;
    vr_code_t rc;

    map_columns(mysql_fetch_fields(res), cols, n);
    rc = vr_gw_result_columns(r, cols, n);
    while (rc == VR_OK && (row = mysql_fetch_row(res)) != NULL) {
        unsigned long *ul = mysql_fetch_lengths(res);
        for (i = 0; i < n; i++)
            lens[i] = ul[i];
        rc = vr_gw_result_row(r, (const char *const *)row, lens);
    }
    if (rc == VR_IO) {
        abandon(s, m, res);
        return VR_IO;
    }
    if (rc == VR_OK && mysql_errno(m)) {
        forward_error(r, m); /* the backend failed mid-result */
        mysql_free_result(res);
        check_lost(s, m);
        return VR_STATE;
    }
    if (rc == VR_OK)
        vr_gw_result_end(r, (uint16_t)mysql_warning_count(m));
    mysql_free_result(res); /* drains what an encoding error left */
    return rc == VR_OK ? VR_OK : VR_STATE;
}

/* Open the session's backend connection in database db (NULL: the
 * backend URL's). */
static vr_code_t open_backend(pt_ctx_t *pt, vr_gw_session_t *s, const char *db,
                              vr_error_t *err)
{
    MARIADB_CHARSET_INFO *cs = mariadb_get_charset_by_nr(vr_gw_session_charset(s));
    unsigned long flags = CLIENT_MULTI_STATEMENTS | CLIENT_MULTI_RESULTS |
                          CLIENT_PS_MULTI_RESULTS |
                          (vr_gw_session_capabilities(s) & CLIENT_FOUND_ROWS);
    MYSQL *m = mysql_init(NULL);
    vr_code_t rc;

    if (!m)
        return vr_errorf(err, VR_NOMEM, "mysql_init failed");
    if (cs && cs->csname)
        mysql_optionsv(m, MYSQL_SET_CHARSET_NAME, cs->csname);
    if (!db)
        db = pt->be.db;
    if (!mysql_real_connect(m, pt->be.host, pt->be.user, pt->be.password, db,
                            (unsigned)pt->be.port, NULL, flags)) {
        rc = vr_error_mysql(err, mysql_errno(m), true, "vrepl gateway: backend %s:%d: %s",
                            pt->be.host, pt->be.port ? pt->be.port : 3306, mysql_error(m));
        mysql_close(m);
        return rc;
    }
    vr_gw_session_set_data(s, m);
    mirror_status(s, m);
    return VR_OK;
}

/* The session's backend connection; one lost earlier is opened again (the
 * session's variables and transaction are gone with it, as after a
 * reconnect to a server). */
/* Read and drop the results a statement still has pending. */
static void drain(MYSQL *m)
{
    while (mysql_more_results(m) && mysql_next_result(m) == 0)
        mysql_free_result(mysql_use_result(m));
}

static MYSQL *backend(pt_ctx_t *pt, vr_gw_session_t *s, vr_gw_result_t *r)
{
    vr_error_t err;
    if (vr_gw_session_data(s))
        return vr_gw_session_data(s);
    vr_error_clear(&err);
    if (open_backend(pt, s, vr_gw_session_db(s), &err) != VR_OK) {
        vr_gw_result_error(r, err.mysql_errno, "HY000", "%s", err.msg);
        return NULL;
    }
    vr_log_info(GW_AREA, "session %u: reconnected to the backend", vr_gw_session_id(s));
    return vr_gw_session_data(s);
}

/* ---- the handler ---- */

static vr_code_t pt_connect(void *ctx, vr_gw_session_t *s, vr_error_t *err)
{
    return open_backend(ctx, s, NULL, err); /* on_init_db follows for the client's db */
}

static vr_code_t pt_query(void *ctx, vr_gw_session_t *s, const char *sql, size_t len,
                          vr_gw_result_t *r, vr_error_t *err)
{
    MYSQL *m = backend(ctx, s, r);
    int next;
    (void)err;

    if (!m)
        return VR_OK;
    if (mysql_real_query(m, sql, len) != 0) {
        mirror_status(s, m);
        forward_error(r, m);
        check_lost(s, m);
        return VR_OK;
    }
    do {
        MYSQL_RES *res = mysql_use_result(m);
        if (res) {
            vr_code_t rc = stream_result(s, m, res, r);
            if (rc == VR_STATE && vr_gw_session_data(s))
                drain(m); /* an error ended our answer: skip the rest */
            if (rc != VR_OK)
                return VR_OK;
        } else if (mysql_field_count(m) == 0) {
            vr_gw_result_ok(r, mysql_affected_rows(m), mysql_insert_id(m),
                            (uint16_t)mysql_warning_count(m), mysql_info(m));
        } else {
            forward_error(r, m);
            check_lost(s, m);
            return VR_OK;
        }
        mirror_status(s, m);
        next = mysql_next_result(m);
        if (next > 0) {
            forward_error(r, m);
            check_lost(s, m);
            return VR_OK;
        }
    } while (next == 0);
    mirror_status(s, m);
    return VR_OK;
}

static vr_code_t pt_prepare(void *ctx, vr_gw_session_t *s, const char *sql, size_t len,
                            unsigned n_params, vr_gw_result_t *r, vr_error_t *err)
{
    MYSQL *m = backend(ctx, s, r);
    MYSQL_STMT *st;
    MYSQL_RES *meta;
    unsigned e;
    (void)err;

    if (!m)
        return VR_OK;
    st = mysql_stmt_init(m);
    if (!st) {
        forward_error(r, m);
        return VR_OK;
    }
    if (mysql_stmt_prepare(st, sql, (unsigned long)len) != 0) {
        e = mysql_stmt_errno(st);
        vr_gw_result_error(r, e, mysql_stmt_sqlstate(st), "%s", mysql_stmt_error(st));
        if (e == CR_SERVER_GONE_ERROR || e == CR_SERVER_LOST) {
            mysql_stmt_close(st);
            check_lost(s, m);
            return VR_OK;
        }
    } else if (mysql_stmt_param_count(st) != n_params) {
        vr_gw_result_error(r, VR_GW_ER_UNKNOWN, "HY000",
                           "vrepl gateway: the statement has %u placeholders, the backend "
                           "counts %lu",
                           n_params, mysql_stmt_param_count(st));
    } else if ((meta = mysql_stmt_result_metadata(st)) != NULL) {
        size_t n = mysql_num_fields(meta);
        vr_gw_column_t *cols = vr_arena_alloc(vr_gw_session_arena(s), n * sizeof(*cols));
        map_columns(mysql_fetch_fields(meta), cols, n);
        vr_gw_result_columns(r, cols, n);
        mysql_free_result(meta);
    }
    mysql_stmt_close(st);
    return VR_OK;
}

static vr_code_t pt_init_db(void *ctx, vr_gw_session_t *s, const char *db, vr_error_t *err)
{
    MYSQL *m = vr_gw_session_data(s);
    if (!m && open_backend(ctx, s, NULL, err) != VR_OK)
        return err->code;
    m = vr_gw_session_data(s);
    if (mysql_select_db(m, db) != 0)
        return vr_error_mysql(err, mysql_errno(m), false, "%s", mysql_error(m));
    return VR_OK;
}

static vr_code_t pt_reset(void *ctx, vr_gw_session_t *s, vr_error_t *err)
{
    MYSQL *m = vr_gw_session_data(s);
    if (!m) /* a new connection is as fresh as a reset one */
        return open_backend(ctx, s, vr_gw_session_db(s), err);
    if (mysql_reset_connection(m) != 0)
        return vr_error_mysql(err, mysql_errno(m), false, "%s", mysql_error(m));
    mirror_status(s, m);
    return VR_OK;
}

static void pt_close(void *ctx, vr_gw_session_t *s)
{
    (void)ctx;
    mysql_close(vr_gw_session_data(s));
    vr_gw_session_set_data(s, NULL);
}

vr_code_t vr_gw_passthrough_new(const vr_gw_backend_t *be, vr_gw_handler_t *out,
                                vr_error_t *err)
{
    pt_ctx_t *pt;
    if (!be->host || !be->user)
        return vr_errorf(err, VR_INVALID, "passthrough: backend host and user are required");
    if (mysql_library_init(0, NULL, NULL) != 0)
        return vr_errorf(err, VR_INTERNAL, "mysql_library_init failed");
    pt = vr_xcalloc(1, sizeof(*pt));
    pt->be.host = vr_xstrdup(be->host);
    pt->be.port = be->port;
    pt->be.user = vr_xstrdup(be->user);
    pt->be.password = be->password ? vr_xstrdup(be->password) : NULL;
    pt->be.db = be->db ? vr_xstrdup(be->db) : NULL;
    memset(out, 0, sizeof(*out));
    out->ctx = pt;
    out->on_connect = pt_connect;
    out->on_query = pt_query;
    out->on_prepare = pt_prepare;
    out->on_init_db = pt_init_db;
    out->on_reset = pt_reset;
    out->on_close = pt_close;
    return VR_OK;
}

void vr_gw_passthrough_free(vr_gw_handler_t *h)
{
    pt_ctx_t *pt;
    if (!h || !h->ctx)
        return;
    pt = h->ctx;
    vr_gw_backend_clear(&pt->be);
    free(pt);
    h->ctx = NULL;
}
