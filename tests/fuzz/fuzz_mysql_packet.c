/*
 * fuzz_mysql_packet.c - libFuzzer target for the gateway's server side of
 * the MySQL protocol: the bytes are what a client sends on the socket.
 *
 * The first input byte picks the mode: bit 0 logs in first (a correct
 * HandshakeResponse41, so the fuzzer reaches the command phase without
 * solving SHA1), bit 1 asks for DEPRECATE_EOF, bit 2 feeds the rest in
 * small pieces (framing across reads).  The rest goes through the same
 * session code the server runs (gw_mem_feed: framing, handshake and auth,
 * every command, prepared statements with their parameter decoding), with a
 * handler that answers each statement with rows whose values come from the
 * statement text, so text-to-binary value encoding is fuzzed too.  The
 * pure decoders (handshake response, binary values, statement splitting)
 * also run over the raw bytes.  Replayed over tests/fuzz/corpus/
 * mysql_packet/ as a Criterion test in every build (see fuzz.cmake).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "gw_int.h"
#include "proto.h"

static const uint8_t col_types[] = {
    VR_GW_TYPE_LONGLONG, VR_GW_TYPE_TINY,  VR_GW_TYPE_DOUBLE,   VR_GW_TYPE_FLOAT,
    VR_GW_TYPE_DATETIME, VR_GW_TYPE_TIME,  VR_GW_TYPE_DATE,     VR_GW_TYPE_VAR_STRING,
    VR_GW_TYPE_YEAR,     VR_GW_TYPE_SHORT, VR_GW_TYPE_NEWDECIMAL, VR_GW_TYPE_NULL,
};

/* Columns of every binary encoding; each value is a comma-separated piece
 * of the statement. */
static vr_code_t fuzz_query(void *ctx, vr_gw_session_t *s, const char *sql, size_t len,
                            vr_gw_result_t *r, vr_error_t *err)
{
    vr_gw_column_t cols[VR_ARRAY_LEN(col_types)];
    const char *vals[VR_ARRAY_LEN(col_types)];
    size_t lens[VR_ARRAY_LEN(col_types)], i, n = VR_ARRAY_LEN(col_types), pos = 0;
    (void)ctx;

    if (vr_gw_builtin_answer(s, sql, len, r))
        return VR_OK;
    if (len > 0 && sql[0] == 'E')
        return vr_error_mysql(err, 1146, false, "no such table");
    if (len > 0 && sql[0] == 'O')
        return vr_gw_result_ok(r, len, 7, 1, sql);
    for (i = 0; i < n; i++) {
        const char *comma = memchr(sql + pos, ',', len - pos);
        size_t end = comma ? (size_t)(comma - sql) : len;
        cols[i] = vr_gw_column_text("c");
        cols[i].type = col_types[i];
        cols[i].flags = (i & 1) ? VR_GW_FLAG_UNSIGNED : 0;
        vals[i] = (i % 5 == 4) ? NULL : sql + pos;
        lens[i] = end - pos;
        pos = comma ? end + 1 : end;
    }
    if (vr_gw_result_columns(r, cols, n) != VR_OK)
        return VR_OK;
    if (vr_gw_result_row(r, vals, lens) != VR_OK)
        return VR_OK;
    if (len > 1 && sql[1] == 'M') { /* a second result, as a CALL gives */
        vr_gw_result_end(r, 0);
        vr_gw_result_ok(r, 1, 0, 0, NULL);
        return VR_OK;
    }
    return vr_gw_result_end(r, 0);
}

static vr_code_t fuzz_prepare(void *ctx, vr_gw_session_t *s, const char *sql, size_t len,
                              unsigned n_params, vr_gw_result_t *r, vr_error_t *err)
{
    vr_gw_column_t c = vr_gw_column_int("x");
    (void)ctx;
    (void)s;
    (void)n_params;
    if (len > 0 && sql[0] == 'E')
        return vr_error_mysql(err, 1064, false, "syntax");
    if (len > 0 && sql[0] == 's')
        vr_gw_result_columns(r, &c, 1);
    return VR_OK;
}

static vr_gw_server_t *server(void)
{
    static vr_gw_server_t *srv;
    static const vr_gw_user_t users[] = {{"app", "app"}, {"", ""}};
    vr_gw_config_t cfg;
    vr_error_t err;
    if (srv)
        return srv;
    memset(&cfg, 0, sizeof(cfg));
    cfg.users = users;
    cfg.n_users = 2;
    cfg.max_allowed_packet = 1 << 20;
    cfg.handler.on_query = fuzz_query;
    cfg.handler.on_prepare = fuzz_prepare;
    vr_log_set_level(VR_LOG_ERROR);
    if (gw_server_new_mem(&cfg, &srv, &err) != VR_OK)
        abort();
    return srv;
}

static void login(vr_gw_session_t *s, bool deprecate_eof)
{
    static const uint8_t zero[23];
    vr_buf_t r = VR_BUF_INIT, pkt = VR_BUF_INIT;
    uint8_t tok[20], seq = 1;
    gw_native_token(s->scramble, "app", 3, tok);
    gw_put_u32(&r, GW_CLIENT_PROTOCOL_41 | GW_CLIENT_SECURE_CONNECTION | GW_CLIENT_PLUGIN_AUTH |
                       GW_CLIENT_MULTI_STATEMENTS | GW_CLIENT_MULTI_RESULTS |
                       (deprecate_eof ? GW_CLIENT_DEPRECATE_EOF : 0));
    gw_put_u32(&r, 1 << 24);
    gw_put_u8(&r, 45);
    vr_buf_append(&r, zero, 23);
    gw_put_cstr(&r, "app");
    gw_put_u8(&r, 20);
    vr_buf_append(&r, tok, 20);
    gw_put_cstr(&r, "mysql_native_password");
    gw_packet_put(&pkt, &seq, r.data, r.len);
    if (!gw_mem_feed(s, pkt.data, pkt.len) || s->state != GW_S_IDLE)
        abort(); /* a correct login must work */
    vr_buf_free(&r);
    vr_buf_free(&pkt);
}

static void pure_decoders(const uint8_t *p, size_t n)
{
    gw_hs_resp_t hr;
    vr_buf_t t = VR_BUF_INIT;
    size_t offs[8], st[8], en[8], i;
    gw_handshake_response_parse(p, n, &hr);
    for (i = 0; i < 256; i++) {
        gw_rd_t r = gw_rd(p, n);
        vr_buf_reset(&t);
        if (i < 17 || i >= 245)
            gw_bin_to_text(&r, (uint8_t)i, (i & 1) ? VR_GW_FLAG_UNSIGNED : 0, &t);
        r = gw_rd(p, n);
        vr_buf_reset(&t);
        gw_param_to_sql(&r, (uint8_t)i, (i & 2) != 0, (i & 4) != 0, &t);
    }
    gw_sql_split((const char *)p, n, false, st, en, 8);
    gw_sql_split((const char *)p, n, true, st, en, 8);
    gw_sql_placeholders((const char *)p, n, false, offs, 8);
    vr_buf_free(&t);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    vr_gw_server_t *srv = server();
    vr_gw_session_t *s;
    uint8_t mode;

    if (size < 1)
        return 0;
    mode = data[0];
    data++;
    size--;
    pure_decoders(data, size);
    s = gw_session_new(srv, -1, "127.0.0.1");
    if (mode & 1)
        login(s, (mode & 2) != 0);
    if (mode & 4) {
        size_t off = 0, step = 1 + (mode >> 4);
        while (off < size) {
            size_t k = size - off < step ? size - off : step;
            if (!gw_mem_feed(s, data + off, k))
                break;
            off += k;
        }
    } else {
        gw_mem_feed(s, data, size);
    }
    gw_mem_close(s);
    return 0;
}
