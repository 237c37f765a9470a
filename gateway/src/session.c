/*
 * session.c - one client connection's protocol logic: the connection phase
 * (handshake, native-password authentication, auth switch, SSLRequest) and
 * the command phase (COM_QUERY with multi-statements, COM_INIT_DB,
 * COM_PING, COM_FIELD_LIST, COM_SET_OPTION, COM_RESET_CONNECTION,
 * COM_STATISTICS; prepared statements are in stmt.c).
 *
 * No sockets here: bytes arrive in s->in and answers go to s->out; server.c
 * moves them.  gw_session_input() runs on the event loop and does the cheap
 * work (parsing, authentication, commands that cannot block); commands that
 * call the handler run in gw_session_run_job() on a worker.  The state
 * machine (gw_state_t in gw_int.h) changes only through
 * gw_session_set_state(), which refuses a transition that is not in its
 * table.  Sequence ids: s->seq is the next id either way; a command resets
 * it to 0, so a reply to a packet with id n goes out as n+1.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "gw_int.h"

/* MySQL caps error messages at 512 bytes (MYSQL_ERRMSG_SIZE). */
#define GW_ERRMSG_MAX 511
/* Packets before authentication are small; cap what a stranger may make
 * us buffer. */
#define GW_PREAUTH_MAX_PACKET (64u * 1024u)

/* ---- the state machine ---- */

static const char *const state_names[] = {
    "GREETED", "TLS_ACCEPT", "AUTH_SWITCH", "CONNECTING",
    "IDLE",    "EXECUTING",  "CLOSING",     "CLOSED",
};

const char *gw_state_name(gw_state_t st)
{
    return (unsigned)st < VR_ARRAY_LEN(state_names) ? state_names[st] : "?";
}

static bool transition_ok(gw_state_t from, gw_state_t to)
{
    if (to == GW_S_CLOSED || to == GW_S_CLOSING)
        return from != GW_S_CLOSED;
    switch (from) {
    case GW_S_GREETED:
        return to == GW_S_TLS_ACCEPT || to == GW_S_AUTH_SWITCH || to == GW_S_CONNECTING;
    case GW_S_TLS_ACCEPT:
        return to == GW_S_GREETED;
    case GW_S_AUTH_SWITCH:
        return to == GW_S_CONNECTING;
    case GW_S_CONNECTING:
        return to == GW_S_IDLE;
    case GW_S_IDLE:
        return to == GW_S_EXECUTING || to == GW_S_IDLE;
    case GW_S_EXECUTING:
        return to == GW_S_IDLE;
    case GW_S_CLOSING:
    case GW_S_CLOSED:
        return false;
    }
    return false;
}

void gw_session_set_state(vr_gw_session_t *s, gw_state_t to)
{
    if (!transition_ok(s->state, to)) {
        vr_log_error(GW_AREA, "session %u: bad state transition %s -> %s; closing", s->id,
                     gw_state_name(s->state), gw_state_name(to));
        to = s->state == GW_S_CLOSED ? GW_S_CLOSED : GW_S_CLOSING;
        s->quit = true;
    }
    s->state = to;
}

/* ---- sending ---- */

void gw_send(vr_gw_session_t *s, const vr_buf_t *payload)
{
    gw_packet_put(&s->out, &s->seq, payload->data, payload->len);
}

static const char *default_sqlstate(unsigned code)
{
    static const struct {
        unsigned code;
        const char *state;
    } map[] = {
        {1040, "08004"}, {1044, "42000"}, {1045, "28000"}, {1046, "3D000"},
        {1047, "08S01"}, {1049, "42000"}, {1054, "42S22"}, {1064, "42000"},
        {1065, "42000"}, {1146, "42S02"}, {1153, "08S01"}, {1156, "08S01"},
        {1235, "42000"}, {1461, "42000"},
    };
    size_t i;
    for (i = 0; i < VR_ARRAY_LEN(map); i++)
        if (map[i].code == code)
            return map[i].state;
    return "HY000";
}

static void send_err_v(vr_gw_session_t *s, unsigned code, const char *sqlstate,
                       const char *fmt, va_list ap)
{
    size_t st;
    vr_buf_reset(&s->scratch);
    vr_buf_vprintf(&s->scratch, fmt, ap);
    if (code >= 2000 && code < 3000) {
        /* a client library's own code (CR_*, e.g. a backend we could not
         * reach): clients take those as their own connection state, so a
         * server never sends them; say it in the text instead */
        vr_buf_printf(&s->scratch, " (errno %u)", code);
        code = VR_GW_ER_UNKNOWN;
        sqlstate = "HY000";
    }
    if (s->scratch.len > GW_ERRMSG_MAX)
        s->scratch.len = GW_ERRMSG_MAX;
    st = gw_packet_begin(&s->out);
    gw_err_put(&s->out, (uint16_t)code, sqlstate ? sqlstate : default_sqlstate(code),
               s->scratch.data, s->scratch.len);
    gw_packet_end(&s->out, st, &s->seq);
}

void gw_send_err(vr_gw_session_t *s, unsigned code, const char *sqlstate, const char *fmt,
                 ...)
{
    va_list ap;
    va_start(ap, fmt);
    send_err_v(s, code, sqlstate, fmt, ap);
    va_end(ap);
}

static void send_error_t(vr_gw_session_t *s, const vr_error_t *err)
{
    unsigned code = err->mysql_errno ? err->mysql_errno : VR_GW_ER_UNKNOWN;
    gw_send_err(s, code, NULL, "%s", err->msg[0] ? err->msg : vr_code_message(err->code));
}

void gw_send_ok(vr_gw_session_t *s, uint64_t affected, uint64_t last_id, uint16_t warnings,
                const char *info, bool more)
{
    size_t st = gw_packet_begin(&s->out);
    uint16_t status = (uint16_t)(s->status | (more ? GW_STATUS_MORE_RESULTS : 0));
    gw_ok_put(&s->out, 0x00, affected, last_id, status, warnings, info);
    gw_packet_end(&s->out, st, &s->seq);
}

void gw_send_eof(vr_gw_session_t *s, uint16_t warnings, bool more)
{
    size_t st = gw_packet_begin(&s->out);
    uint16_t status = (uint16_t)(s->status | (more ? GW_STATUS_MORE_RESULTS : 0));
    if (s->deprecate_eof)
        gw_ok_put(&s->out, 0xfe, 0, 0, status, warnings, NULL);
    else
        gw_eof_put(&s->out, warnings, status);
    gw_packet_end(&s->out, st, &s->seq);
}

/* ---- life cycle ---- */

vr_gw_session_t *gw_session_new(vr_gw_server_t *srv, int fd, const char *peer)
{
    vr_gw_session_t *s = vr_xcalloc(1, sizeof(*s));
    size_t st;
    s->srv = srv;
    s->fd = fd;
    s->id = ++srv->next_id;
    s->state = GW_S_GREETED;
    s->status = VR_GW_STATUS_AUTOCOMMIT;
    snprintf(s->peer, sizeof(s->peer), "%s", peer);
    s->arena = vr_arena_new(0);
    s->next_stmt_id = 1;
    gw_scramble_new(s->scramble);
    st = gw_packet_begin(&s->out);
    gw_handshake_put(&s->out, srv->version, s->id, s->scramble, srv->caps,
                     VR_GW_CHARSET_UTF8MB4, s->status);
    gw_packet_end(&s->out, st, &s->seq);
    return s;
}

void gw_session_free(vr_gw_session_t *s)
{
    if (!s)
        return;
    gw_stmts_free(s);
    free(s->stmts);
    free(s->user);
    free(s->db);
    vr_buf_free(&s->in);
    vr_buf_free(&s->out);
    vr_buf_free(&s->asm_buf);
    vr_buf_free(&s->sqlbuf);
    vr_buf_free(&s->scratch);
    vr_arena_free(s->arena);
    free(s);
}

void gw_session_consume(vr_gw_session_t *s)
{
    s->in_off += s->cmd_consumed;
    s->cmd_consumed = 0;
    s->cmd = NULL;
    s->cmd_len = 0;
    if (s->in_off == s->in.len) {
        s->in_off = 0;
        s->in.len = 0;
    } else if (s->in_off > 65536 && s->in_off > s->in.len / 2) {
        memmove(s->in.data, s->in.data + s->in_off, s->in.len - s->in_off);
        s->in.len -= s->in_off;
        s->in_off = 0;
    }
    /* a 16 MiB packet once should not pin 16 MiB per idle session */
    if (s->in.len == 0 && s->in.cap > (1u << 20)) {
        vr_buf_free(&s->in);
        vr_buf_free(&s->asm_buf);
    }
}

/* ---- connection phase ---- */

static gw_next_t refuse(vr_gw_session_t *s)
{
    gw_session_set_state(s, GW_S_CLOSING);
    return GW_NEXT_CLOSE;
}

static gw_next_t bad_handshake(vr_gw_session_t *s, const char *why)
{
    vr_log_warn(GW_AREA, "session %u from %s: bad handshake (%s); closing", s->id, s->peer,
                why);
    atomic_fetch_add(&s->srv->st_proto_err, 1);
    gw_send_err(s, VR_GW_ER_HANDSHAKE, "08S01", "Bad handshake");
    return refuse(s);
}

static gw_next_t finish_auth(vr_gw_session_t *s, const uint8_t *token, size_t len)
{
    bool with_pw = len > 0 && !(len == 1 && token[0] == 0);
    if (gw_auth_check(s->srv, s->user, strlen(s->user), s->scramble, token, len)) {
        s->job = GW_JOB_CONNECT;
        gw_session_set_state(s, GW_S_CONNECTING);
        return GW_NEXT_DISPATCH;
    }
    atomic_fetch_add(&s->srv->st_auth_fail, 1);
    vr_log_info(GW_AREA, "session %u: access denied for '%.64s'@'%s'", s->id, s->user,
                s->peer);
    gw_send_err(s, VR_GW_ER_ACCESS_DENIED, "28000",
                "Access denied for user '%.128s'@'%s' (using password: %s)", s->user,
                s->peer, with_pw ? "YES" : "NO");
    return refuse(s);
}

static gw_next_t on_handshake_response(vr_gw_session_t *s)
{
    vr_gw_server_t *srv = s->srv;
    gw_hs_resp_t hr;
    size_t st;

    if (!gw_handshake_response_parse(s->cmd, s->cmd_len, &hr)) {
        if (s->cmd_len >= 4 && !(s->cmd[1] & (GW_CLIENT_PROTOCOL_41 >> 8))) {
            gw_send_err(s, VR_GW_ER_NOT_SUPPORTED_AUTH, "08004",
                        "Client does not support authentication protocol requested by "
                        "server; consider upgrading MariaDB client");
            return refuse(s);
        }
        return bad_handshake(s, "malformed HandshakeResponse41");
    }
    if (hr.ssl_request) {
        if (!srv->tls_ctx || s->tls_done)
            return bad_handshake(s, "unexpected SSLRequest");
        gw_session_set_state(s, GW_S_TLS_ACCEPT);
        return GW_NEXT_TLS;
    }
    s->caps = hr.caps & srv->caps;
    s->charset = hr.charset;
    s->multi_stmts = (s->caps & GW_CLIENT_MULTI_STATEMENTS) != 0;
    s->deprecate_eof = (s->caps & GW_CLIENT_DEPRECATE_EOF) != 0;
    s->user = vr_xstrndup(hr.user, hr.user_len);
    if (hr.db && hr.db_len)
        s->db = vr_xstrndup(hr.db, hr.db_len);
    if (hr.plugin && (hr.plugin_len != strlen(GW_NATIVE_PLUGIN) ||
                      memcmp(hr.plugin, GW_NATIVE_PLUGIN, hr.plugin_len) != 0)) {
        /* the client started with another plugin: ask for ours */
        st = gw_packet_begin(&s->out);
        gw_auth_switch_put(&s->out, GW_NATIVE_PLUGIN, s->scramble);
        gw_packet_end(&s->out, st, &s->seq);
        gw_session_set_state(s, GW_S_AUTH_SWITCH);
        return GW_NEXT_READ;
    }
    return finish_auth(s, hr.auth, hr.auth_len);
}

void gw_session_tls_ready(vr_gw_session_t *s)
{
    s->tls_done = true;
    gw_session_set_state(s, GW_S_GREETED);
}

/* Worker: the session's handler set-up, then the OK that ends the
 * connection phase. */
static void run_connect(vr_gw_session_t *s)
{
    const vr_gw_handler_t *h = &s->srv->h;
    vr_error_t err;

    vr_error_clear(&err);
    if (h->on_connect && h->on_connect(h->ctx, s, &err) != VR_OK) {
        vr_log_warn(GW_AREA, "session %u: handler refused the connection: %s", s->id,
                    err.msg);
        send_error_t(s, &err);
        s->quit = true;
        return;
    }
    s->connected = true;
    if (s->db && h->on_init_db && h->on_init_db(h->ctx, s, s->db, &err) != VR_OK) {
        send_error_t(s, &err);
        s->quit = true;
        return;
    }
    gw_send_ok(s, 0, 0, 0, NULL, false);
    gw_session_set_state(s, GW_S_IDLE);
}

/* ---- command phase ---- */

static void cmd_query(vr_gw_session_t *s, const uint8_t *p, size_t n)
{
    const char *sql = (const char *)p;
    bool no_bs = (s->status & VR_GW_STATUS_NO_BACKSLASH_ESCAPES) != 0;
    size_t one_st, one_en, cnt, i, *st, *en;

    if (!s->multi_stmts) {
        cnt = gw_sql_split(sql, n, no_bs, &one_st, &one_en, 1);
        if (cnt == 0)
            gw_send_err(s, VR_GW_ER_EMPTY_QUERY, "42000", "Query was empty");
        else
            gw_run_statement(s, sql, n, GW_R_TEXT, false);
        return;
    }
    cnt = gw_sql_split(sql, n, no_bs, &one_st, &one_en, 1);
    if (cnt == 0) {
        gw_send_err(s, VR_GW_ER_EMPTY_QUERY, "42000", "Query was empty");
        return;
    }
    if (cnt == 1) {
        gw_run_statement(s, sql + one_st, one_en - one_st, GW_R_TEXT, false);
        return;
    }
    st = vr_arena_alloc(s->arena, cnt * sizeof(size_t));
    en = vr_arena_alloc(s->arena, cnt * sizeof(size_t));
    gw_sql_split(sql, n, no_bs, st, en, cnt);
    for (i = 0; i < cnt && !s->dead; i++)
        if (!gw_run_statement(s, sql + st[i], en[i] - st[i], GW_R_TEXT, i + 1 < cnt))
            break;
}

static void cmd_init_db(vr_gw_session_t *s, const uint8_t *p, size_t n)
{
    const vr_gw_handler_t *h = &s->srv->h;
    char *db;
    vr_error_t err;

    if (n == 0 || memchr(p, 0, n)) {
        gw_send_err(s, VR_GW_ER_NO_DB, "3D000", "No database selected");
        return;
    }
    db = vr_xstrndup((const char *)p, n);
    vr_error_clear(&err);
    if (h->on_init_db && h->on_init_db(h->ctx, s, db, &err) != VR_OK) {
        send_error_t(s, &err);
        free(db);
        return;
    }
    free(s->db);
    s->db = db;
    gw_send_ok(s, 0, 0, 0, NULL, false);
}

static void cmd_field_list(vr_gw_session_t *s, const uint8_t *p, size_t n)
{
    gw_rd_t r = gw_rd(p, n);
    vr_gw_result_t res;
    const char *table, *wild = NULL;
    size_t tlen, wlen = 0;

    table = gw_rd_cstr(&r, &tlen);
    if (r.err) { /* no NUL: the whole payload is the table */
        table = (const char *)p;
        tlen = n;
    } else {
        wild = (const char *)gw_rd_rest(&r, &wlen);
    }
    if (tlen == 0 || memchr(table, 0, tlen)) {
        gw_send_err(s, 1103, "42000", "Incorrect table name '%.*s'", (int)tlen, table);
        return;
    }
    vr_buf_reset(&s->sqlbuf);
    vr_buf_puts(&s->sqlbuf, "SELECT * FROM ");
    vr_buf_put_sql_ident(&s->sqlbuf, vr_arena_strndup(s->arena, table, tlen));
    vr_buf_puts(&s->sqlbuf, " LIMIT 0");
    gw_result_init(&res, s, GW_R_FIELD_LIST);
    res.wild = wild;
    res.wild_len = wild ? strnlen(wild, wlen) : 0;
    gw_result_run(&res, s->sqlbuf.data, s->sqlbuf.len, false);
}

static void cmd_set_option(vr_gw_session_t *s, const uint8_t *p, size_t n)
{
    gw_rd_t r = gw_rd(p, n);
    uint16_t opt = gw_rd_u16(&r);
    if (r.err || opt > 1) {
        gw_send_err(s, VR_GW_ER_UNKNOWN_COM, "08S01", "Unknown command");
        return;
    }
    s->multi_stmts = opt == 0;
    if (s->multi_stmts)
        s->caps |= GW_CLIENT_MULTI_STATEMENTS;
    else
        s->caps &= ~GW_CLIENT_MULTI_STATEMENTS;
    gw_send_eof(s, 0, false);
}

static void cmd_reset_connection(vr_gw_session_t *s)
{
    const vr_gw_handler_t *h = &s->srv->h;
    vr_error_t err;
    gw_stmts_free(s);
    s->status = VR_GW_STATUS_AUTOCOMMIT;
    vr_error_clear(&err);
    if (h->on_reset && h->on_reset(h->ctx, s, &err) != VR_OK) {
        send_error_t(s, &err);
        return;
    }
    gw_send_ok(s, 0, 0, 0, NULL, false);
}

static void cmd_statistics(vr_gw_session_t *s)
{
    vr_gw_server_t *srv = s->srv;
    long up = (long)(time(NULL) - srv->started_at);
    unsigned long long q = atomic_load(&srv->st_questions);
    vr_buf_t b = VR_BUF_INIT;
    vr_buf_printf(&b,
                  "Uptime: %ld  Threads: %llu  Questions: %llu  Slow queries: 0  Opens: 0  "
                  "Open tables: 0  Queries per second avg: %.3f",
                  up, (unsigned long long)atomic_load(&srv->st_open), q,
                  up > 0 ? (double)q / (double)up : 0.0);
    gw_send(s, &b);
    vr_buf_free(&b);
}

static void run_command(vr_gw_session_t *s)
{
    const uint8_t *p = s->cmd + 1;
    size_t n = s->cmd_len - 1;
    gw_rd_t r;

    switch (s->cmd[0]) {
    case GW_COM_QUERY:
        cmd_query(s, p, n);
        break;
    case GW_COM_INIT_DB:
        cmd_init_db(s, p, n);
        break;
    case GW_COM_PING:
        gw_send_ok(s, 0, 0, 0, NULL, false);
        break;
    case GW_COM_QUIT:
        s->quit = true;
        break;
    case GW_COM_FIELD_LIST:
        cmd_field_list(s, p, n);
        break;
    case GW_COM_STMT_PREPARE:
        gw_cmd_prepare(s, p, n);
        break;
    case GW_COM_STMT_EXECUTE:
        gw_cmd_execute(s, p, n);
        break;
    case GW_COM_STMT_SEND_LONG_DATA:
        gw_cmd_long_data(s, p, n);
        break;
    case GW_COM_STMT_CLOSE:
        gw_cmd_stmt_close(s, p, n);
        break;
    case GW_COM_STMT_RESET:
        gw_cmd_stmt_reset(s, p, n);
        break;
    case GW_COM_STMT_FETCH:
        r = gw_rd(p, n);
        gw_send_err(s, 1421, "HY000", "The statement (%u) has no open cursor.",
                    gw_rd_u32(&r));
        break;
    case GW_COM_SET_OPTION:
        cmd_set_option(s, p, n);
        break;
    case GW_COM_RESET_CONNECTION:
        cmd_reset_connection(s);
        break;
    case GW_COM_STATISTICS:
        cmd_statistics(s);
        break;
    default:
        gw_send_err(s, VR_GW_ER_UNKNOWN_COM, "08S01", "Unknown command");
        break;
    }
}

/* Commands that call the handler (and may block) go to a worker. */
static bool needs_worker(uint8_t com)
{
    switch (com) {
    case GW_COM_QUERY:
    case GW_COM_INIT_DB:
    case GW_COM_FIELD_LIST:
    case GW_COM_STMT_PREPARE:
    case GW_COM_STMT_EXECUTE:
    case GW_COM_RESET_CONNECTION:
        return true;
    default:
        return false;
    }
}

static gw_next_t on_command(vr_gw_session_t *s)
{
    if (s->cmd_len == 0) {
        gw_send_err(s, VR_GW_ER_UNKNOWN_COM, "08S01", "Unknown command");
        return GW_NEXT_READ;
    }
    if (needs_worker(s->cmd[0]) && !s->srv->mem) {
        s->job = GW_JOB_COMMAND;
        gw_session_set_state(s, GW_S_EXECUTING);
        return GW_NEXT_DISPATCH;
    }
    run_command(s);
    vr_arena_reset(s->arena);
    if (!s->quit)
        return GW_NEXT_READ;
    gw_session_set_state(s, GW_S_CLOSING);
    return GW_NEXT_CLOSE;
}

void gw_session_run_job(vr_gw_session_t *s)
{
    switch (s->job) {
    case GW_JOB_CONNECT:
        run_connect(s);
        break;
    case GW_JOB_COMMAND:
        run_command(s);
        if (!s->quit && !s->dead)
            gw_session_set_state(s, GW_S_IDLE);
        break;
    case GW_JOB_NONE:
    case GW_JOB_CLOSE:
    default:
        vr_log_error(GW_AREA, "session %u: no job to run (%d)", s->id, (int)s->job);
        s->quit = true;
        break;
    }
    s->job = GW_JOB_NONE;
    gw_session_consume(s);
    vr_arena_reset(s->arena);
    if (s->quit || s->dead)
        gw_session_set_state(s, GW_S_CLOSING);
}

static gw_next_t on_packet(vr_gw_session_t *s)
{
    switch (s->state) {
    case GW_S_GREETED:
        return on_handshake_response(s);
    case GW_S_AUTH_SWITCH:
        return finish_auth(s, s->cmd, s->cmd_len);
    case GW_S_IDLE:
        return on_command(s);
    case GW_S_TLS_ACCEPT:
    case GW_S_CONNECTING:
    case GW_S_EXECUTING:
    case GW_S_CLOSING:
    case GW_S_CLOSED:
    default:
        vr_log_error(GW_AREA, "session %u: packet in state %s", s->id,
                     gw_state_name(s->state));
        return refuse(s);
    }
}

static gw_next_t frame_error(vr_gw_session_t *s, gw_frame_rc_t rc, size_t max)
{
    atomic_fetch_add(&s->srv->st_proto_err, 1);
    if (rc == GW_FRAME_TOO_BIG) {
        vr_log_warn(GW_AREA,
                    "session %u from %s: packet larger than max_allowed_packet (%zu bytes); "
                    "closing",
                    s->id, s->peer, max);
        gw_send_err(s, VR_GW_ER_NET_PACKET_TOO_LARGE, "08S01",
                    "Got a packet bigger than 'max_allowed_packet' bytes");
    } else {
        vr_log_warn(GW_AREA, "session %u from %s: packet sequence out of order; closing",
                    s->id, s->peer);
        gw_send_err(s, VR_GW_ER_NET_PACKETS_OUT_OF_ORDER, "08S01",
                    "Got packets out of order");
    }
    return refuse(s);
}

gw_next_t gw_session_input(vr_gw_session_t *s)
{
    for (;;) {
        gw_frame_t f;
        gw_frame_rc_t rc;
        gw_next_t next;
        size_t max = s->srv->max_packet;

        if (s->state == GW_S_IDLE)
            s->seq = 0;
        else if (s->state == GW_S_GREETED || s->state == GW_S_AUTH_SWITCH)
            max = max < GW_PREAUTH_MAX_PACKET ? max : GW_PREAUTH_MAX_PACKET;
        else
            return GW_NEXT_READ;
        rc = gw_frame_next((const uint8_t *)s->in.data + s->in_off, s->in.len - s->in_off,
                           &s->seq, max, &s->asm_buf, &f);
        if (rc == GW_FRAME_NEED_MORE)
            return GW_NEXT_READ;
        if (rc != GW_FRAME_OK)
            return frame_error(s, rc, max);
        s->cmd = f.payload;
        s->cmd_len = f.len;
        s->cmd_consumed = f.consumed;
        next = on_packet(s);
        if (next == GW_NEXT_DISPATCH)
            return next; /* consumed when the job is done */
        gw_session_consume(s);
        if (next != GW_NEXT_READ)
            return next;
    }
}

/* ---- the public face of a session ---- */

uint32_t vr_gw_session_id(const vr_gw_session_t *s) { return s->id; }
const char *vr_gw_session_user(const vr_gw_session_t *s) { return s->user ? s->user : ""; }
const char *vr_gw_session_peer(const vr_gw_session_t *s) { return s->peer; }
const char *vr_gw_session_db(const vr_gw_session_t *s) { return s->db; }
uint16_t vr_gw_session_charset(const vr_gw_session_t *s) { return s->charset; }
uint32_t vr_gw_session_capabilities(const vr_gw_session_t *s) { return s->caps; }
uint16_t vr_gw_session_status(const vr_gw_session_t *s) { return s->status; }
void *vr_gw_session_data(const vr_gw_session_t *s) { return s->data; }
void vr_gw_session_set_data(vr_gw_session_t *s, void *data) { s->data = data; }
vr_arena_t *vr_gw_session_arena(vr_gw_session_t *s) { return s->arena; }

void vr_gw_session_set_status(vr_gw_session_t *s, uint16_t mask, uint16_t bits)
{
    const uint16_t allowed = VR_GW_STATUS_IN_TRANS | VR_GW_STATUS_AUTOCOMMIT |
                             VR_GW_STATUS_NO_BACKSLASH_ESCAPES;
    mask &= allowed;
    s->status = (uint16_t)((s->status & ~mask) | (bits & mask));
}
