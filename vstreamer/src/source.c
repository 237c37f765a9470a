/*
 * source.c - SQL connections to a source server, and source URIs.
 *
 * Connections are Connector/C handles configured with timeouts and
 * utf8mb4; errors carry the server's errno and whether a retry can help.
 * Runs on the thread that owns the stream.
 */
#include "source.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "vr_buf.h"

vr_code_t vr_src_error(MYSQL *c, vr_error_t *err, const char *what)
{
    unsigned e = mysql_errno(c);
    return vr_error_mysql(err, e, vr_mysql_errno_retriable(e), "%s: %s (errno %u)",
                          what, mysql_error(c), e);
}

vr_code_t vr_src_connect(const vr_vstream_source_t *src, int read_timeout_ms,
                         MYSQL **out, vr_error_t *err)
{
    MYSQL *c = mysql_init(NULL);
    unsigned connect_timeout = 10;
    unsigned rt = read_timeout_ms > 0 ? (unsigned)((read_timeout_ms + 999) / 1000) : 0;
    const char *host = src->host && *src->host ? src->host : "127.0.0.1";
    vr_code_t rc;
    *out = NULL;
    if (!c)
        return vr_errorf(err, VR_NOMEM, "mysql_init failed");
    mysql_optionsv(c, MYSQL_OPT_CONNECT_TIMEOUT, &connect_timeout);
    if (rt)
        mysql_optionsv(c, MYSQL_OPT_READ_TIMEOUT, &rt);
    mysql_optionsv(c, MYSQL_SET_CHARSET_NAME, "utf8mb4");
    if (src->socket && *src->socket) {
        unsigned proto = MYSQL_PROTOCOL_SOCKET;
        mysql_optionsv(c, MYSQL_OPT_PROTOCOL, &proto);
        host = "localhost";
    }
    if (!mysql_real_connect(c, host, src->user && *src->user ? src->user : "root",
                            src->password ? src->password : "", NULL,
                            src->port ? src->port : 3306, src->socket, 0)) {
        rc = vr_src_error(c, err, "connecting to the source");
        vr_error_prefix(err, "%s", src->socket && *src->socket ? src->socket : host);
        mysql_close(c);
        return rc;
    }
    *out = c;
    return VR_OK;
}

vr_code_t vr_src_exec(MYSQL *c, const char *sql, vr_error_t *err)
{
    MYSQL_RES *res;
    if (mysql_query(c, sql))
        return vr_src_error(c, err, sql);
    res = mysql_store_result(c);
    mysql_free_result(res);
    return VR_OK;
}

vr_code_t vr_src_scalar(MYSQL *c, const char *sql, vr_buf_t *out, vr_error_t *err)
{
    MYSQL_RES *res;
    MYSQL_ROW row;
    unsigned long *lens;
    vr_buf_reset(out);
    vr_buf_append(out, "", 0);
    if (mysql_query(c, sql))
        return vr_src_error(c, err, sql);
    if (!(res = mysql_store_result(c)))
        return mysql_errno(c) ? vr_src_error(c, err, sql) : VR_OK;
    if ((row = mysql_fetch_row(res)) && row[0]) {
        lens = mysql_fetch_lengths(res);
        vr_buf_append(out, row[0], lens[0]);
    }
    mysql_free_result(res);
    return VR_OK;
}

/* ---- URIs ------------------------------------------------------------- */

/* Percent-decode [s, s+n) into dst (NUL-terminated). */
static void pct_decode(char *dst, const char *s, size_t n)
{
    size_t i;
    for (i = 0; i < n; i++) {
        if (s[i] == '%' && i + 2 < n && vr_hex_value(s[i + 1]) >= 0 && vr_hex_value(s[i + 2]) >= 0) {
            *dst++ = (char)(vr_hex_value(s[i + 1]) * 16 + vr_hex_value(s[i + 2]));
            i += 2;
        } else {
            *dst++ = s[i];
        }
    }
    *dst = '\0';
}

static vr_code_t parse_hostport(const char *hp, size_t n, char *store,
                                vr_vstream_source_t *src, vr_error_t *err,
                                const char *uri)
{
    const char *colon;
    char *end;
    long port;
    if (n > 0 && hp[0] == '[') { /* [ipv6]:port */
        const char *rb = memchr(hp, ']', n);
        if (!rb)
            return vr_errorf(err, VR_PARSE, "source '%s': unclosed '['", uri);
        memcpy(store, hp + 1, (size_t)(rb - hp - 1));
        store[rb - hp - 1] = '\0';
        colon = rb + 1 < hp + n && rb[1] == ':' ? rb + 1 : NULL;
    } else {
        colon = memchr(hp, ':', n);
        memcpy(store, hp, colon ? (size_t)(colon - hp) : n);
        store[colon ? (size_t)(colon - hp) : n] = '\0';
    }
    src->host = *store ? store : NULL;
    src->port = 3306;
    if (colon) {
        errno = 0;
        port = strtol(colon + 1, &end, 10);
        if (errno || end != hp + n || port <= 0 || port > 65535)
            return vr_errorf(err, VR_PARSE, "source '%s': bad port", uri);
        src->port = (unsigned)port;
    }
    return VR_OK;
}

vr_code_t vr_vstream_parse_source(const char *uri, vr_vstream_source_t *src,
                                  char **storage, vr_error_t *err)
{
    static const char scheme[] = "mariadb://";
    size_t len = strlen(uri);
    /* one arena-like block: every piece is shorter than the URI */
    char *store = vr_xcalloc(6, len + 1), *user = store, *pass = store + len + 1;
    char *host = pass + len + 1, *db = host + len + 1, *sock = db + len + 1;
    const char *p, *at, *slash, *q, *hp_end;
    memset(src, 0, sizeof(*src));
    *storage = store;
    if (uri[0] == '/') { /* bare socket path */
        memcpy(sock, uri, len + 1);
        src->socket = sock;
        src->user = "root";
        return VR_OK;
    }
    if (strncmp(uri, scheme, sizeof(scheme) - 1) != 0)
        return vr_errorf(err, VR_PARSE, "source '%s': expected "
                         "mariadb://USER[:PASS]@HOST:PORT[/DB] or a socket path", uri);
    p = uri + sizeof(scheme) - 1;
    q = strchr(p, '?');
    at = memchr(p, '@', q ? (size_t)(q - p) : strlen(p));
    if (at) {
        const char *colon = memchr(p, ':', (size_t)(at - p));
        pct_decode(user, p, colon ? (size_t)(colon - p) : (size_t)(at - p));
        if (colon) {
            pct_decode(pass, colon + 1, (size_t)(at - colon - 1));
            src->password = pass;
        }
        p = at + 1;
    }
    src->user = *user ? user : "root";
    hp_end = q ? q : p + strlen(p);
    slash = memchr(p, '/', (size_t)(hp_end - p));
    if (slash) {
        memcpy(db, slash + 1, (size_t)(hp_end - slash - 1));
        db[hp_end - slash - 1] = '\0';
        src->db = *db ? db : NULL;
        hp_end = slash;
    }
    if (parse_hostport(p, (size_t)(hp_end - p), host, src, err, uri) != VR_OK)
        return err ? err->code : VR_PARSE;
    if (q) {
        if (strncmp(q, "?socket=", 8) != 0)
            return vr_errorf(err, VR_PARSE, "source '%s': only ?socket=PATH is "
                             "understood", uri);
        pct_decode(sock, q + 8, strlen(q + 8));
        src->socket = sock;
    }
    return VR_OK;
}
