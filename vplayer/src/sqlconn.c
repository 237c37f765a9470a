/*
 * sqlconn.c - small helpers over Connector/C for the player's own
 * connections (target primary, and the source for schema questions):
 * connect, run a statement, fetch a result, turn a server's refusal into a
 * vr_error_t whose retriable flag the retry logic reads.
 *
 * Any thread; a connection is used by one thread at a time.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vplayer_int.h"

vr_code_t vp_mysql_error(MYSQL *c, vr_error_t *err, const char *what)
{
    unsigned e = mysql_errno(c);
    if (e == 0)
        return vr_error_mysql(err, 2013, true, "%s: connection lost", what);
    return vr_error_mysql(err, e, vr_mysql_errno_retriable(e), "%s: %s (errno %u)", what,
                          mysql_error(c), e);
}

MYSQL *vp_connect(const vr_vstream_source_t *src, const char *db, bool multi, vr_error_t *err)
{
    MYSQL *c = mysql_init(NULL);
    unsigned timeout = 10, rw_timeout = 600;
    unsigned long flags = multi ? CLIENT_MULTI_STATEMENTS | CLIENT_MULTI_RESULTS : 0;
    const char *host = src->socket ? "localhost" : (src->host ? src->host : "127.0.0.1");
    if (!c) {
        vr_errorf(err, VR_NOMEM, "mysql_init failed");
        return NULL;
    }
    mysql_options(c, MYSQL_OPT_CONNECT_TIMEOUT, &timeout);
    mysql_options(c, MYSQL_OPT_READ_TIMEOUT, &rw_timeout);
    mysql_options(c, MYSQL_OPT_WRITE_TIMEOUT, &rw_timeout);
    mysql_options(c, MYSQL_SET_CHARSET_NAME, "utf8mb4");
    if (!mysql_real_connect(c, host, src->user ? src->user : "root", src->password, db,
                            src->port ? src->port : 3306, src->socket, flags)) {
        char what[512];
        snprintf(what, sizeof(what), "connecting to %s:%u%s%s", src->socket ? src->socket : host,
                 src->socket ? 0 : (src->port ? src->port : 3306), db ? " database " : "",
                 db ? db : "");
        vp_mysql_error(c, err, what);
        /* an unknown database is not something a retry fixes */
        if (err && err->mysql_errno == 1049)
            err->retriable = false;
        mysql_close(c);
        return NULL;
    }
    return c;
}

vr_code_t vp_exec(MYSQL *c, const char *sql, vr_error_t *err)
{
    int status;
    if (mysql_real_query(c, sql, (unsigned long)strlen(sql)))
        return vp_mysql_error(c, err, sql);
    do {
        MYSQL_RES *res = mysql_store_result(c);
        if (res)
            mysql_free_result(res);
        else if (mysql_field_count(c) != 0)
            return vp_mysql_error(c, err, sql);
        status = mysql_next_result(c);
        if (status > 0)
            return vp_mysql_error(c, err, sql);
    } while (status == 0);
    return VR_OK;
}

vr_code_t vp_execf(MYSQL *c, vr_error_t *err, const char *fmt, ...)
{
    vr_buf_t b = VR_BUF_INIT;
    va_list ap;
    vr_code_t rc;
    va_start(ap, fmt);
    vr_buf_vprintf(&b, fmt, ap);
    va_end(ap);
    rc = vp_exec(c, b.data, err);
    vr_buf_free(&b);
    return rc;
}

vr_code_t vp_query(MYSQL *c, const char *sql, MYSQL_RES **res, vr_error_t *err)
{
    *res = NULL;
    if (mysql_real_query(c, sql, (unsigned long)strlen(sql)) || !(*res = mysql_store_result(c)))
        return vp_mysql_error(c, err, sql);
    return VR_OK;
}

vr_code_t vp_scalar(MYSQL *c, const char *sql, vr_buf_t *out, bool *found, vr_error_t *err)
{
    MYSQL_RES *res;
    MYSQL_ROW row;
    vr_code_t rc = vp_query(c, sql, &res, err);
    if (rc != VR_OK)
        return rc;
    vr_buf_reset(out);
    vr_buf_append(out, "", 0);
    row = mysql_fetch_row(res);
    if (found)
        *found = row != NULL;
    if (row && row[0])
        vr_buf_append(out, row[0], mysql_fetch_lengths(res)[0]);
    mysql_free_result(res);
    return VR_OK;
}

void vp_put_string(vr_buf_t *b, const char *s)
{
    if (!s) {
        vr_buf_puts(b, "NULL");
        return;
    }
    vr_buf_put_sql_string(b, s, strlen(s));
}
