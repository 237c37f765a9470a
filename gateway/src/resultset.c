/*
 * resultset.c - the result writer a handler answers through, and the run
 * of one statement through the handler.
 *
 * One writer per statement, on the worker running it.  A statement's
 * answer is a sequence of results; each result set (column count, column
 * definitions, EOF unless DEPRECATE_EOF, rows) or OK is complete before the
 * next starts.  The packet that ends a result (EOF / OK) is held back
 * (state PENDING) until we know whether another result follows, because it
 * must carry SERVER_MORE_RESULTS_EXIST then: the next result, the next
 * statement of a multi-statement, or an error after it all flush it with
 * the flag; the end of the answer flushes it without.  An ERR ends the
 * answer (state FAILED).
 *
 * Modes: TEXT rows are length-encoded strings; BINARY rows (COM_STMT_EXECUTE)
 * carry a NULL bitmap and values converted per column type (binval.c);
 * PREPARE captures the columns on_prepare describes; FIELD_LIST sends the
 * column definitions of COM_FIELD_LIST.  Rows are built straight into the
 * session's output buffer, flushed to the client every 64 KiB, so a result
 * of any size streams in constant memory.
 */
#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "gw_int.h"

#define GW_FLUSH_AT (64u * 1024u)

void gw_result_init(vr_gw_result_t *r, vr_gw_session_t *s, gw_rmode_t mode)
{
    memset(r, 0, sizeof(*r));
    r->s = s;
    r->mode = mode;
}

bool vr_gw_result_client_gone(const vr_gw_result_t *r) { return r->s->dead; }

static bool sends_results(const vr_gw_result_t *r)
{
    return r->mode == GW_R_TEXT || r->mode == GW_R_BINARY;
}

static void flush_pending(vr_gw_result_t *r, bool more)
{
    if (r->state != GW_RS_PENDING)
        return;
    if (r->mode != GW_R_PREPARE) {
        if (r->pend_eof)
            gw_send_eof(r->s, r->warnings, more);
        else
            gw_send_ok(r->s, r->affected, r->last_id, r->warnings, r->info, more);
    }
    r->state = GW_RS_START;
}

static vr_code_t maybe_flush(vr_gw_result_t *r)
{
    vr_gw_session_t *s = r->s;
    if (s->out.len - s->out_off >= GW_FLUSH_AT && !gw_flush(s, true))
        return VR_IO;
    return VR_OK;
}

static void capture_columns(vr_gw_result_t *r, const vr_gw_column_t *cols, size_t n)
{
    vr_arena_t *a = r->s->arena;
    size_t i;
    r->cap = vr_arena_alloc(a, (n ? n : 1) * sizeof(vr_gw_column_t));
    for (i = 0; i < n; i++) {
        r->cap[i] = cols[i];
        r->cap[i].schema = vr_arena_strdup(a, cols[i].schema ? cols[i].schema : "");
        r->cap[i].table = vr_arena_strdup(a, cols[i].table ? cols[i].table : "");
        r->cap[i].org_table = vr_arena_strdup(a, cols[i].org_table ? cols[i].org_table : "");
        r->cap[i].name = vr_arena_strdup(a, cols[i].name ? cols[i].name : "");
        r->cap[i].org_name = vr_arena_strdup(a, cols[i].org_name ? cols[i].org_name : "");
    }
    r->ncap = n;
}

static void send_coldef(vr_gw_session_t *s, const vr_gw_column_t *c, bool field_list)
{
    size_t st = gw_packet_begin(&s->out);
    gw_coldef_put(&s->out, c, field_list);
    gw_packet_end(&s->out, st, &s->seq);
}

static void field_list_columns(vr_gw_result_t *r, const vr_gw_column_t *cols, size_t n)
{
    size_t i;
    for (i = 0; i < n; i++) {
        const char *name = cols[i].name ? cols[i].name : "";
        if (r->wild_len && !gw_like_match(r->wild, r->wild_len, name, strlen(name)))
            continue;
        send_coldef(r->s, &cols[i], true);
    }
}

vr_code_t vr_gw_result_columns(vr_gw_result_t *r, const vr_gw_column_t *cols, size_t n)
{
    vr_gw_session_t *s = r->s;
    size_t i, st;

    if (s->dead)
        return VR_IO;
    if (r->state == GW_RS_PENDING && sends_results(r))
        flush_pending(r, true);
    if (r->state != GW_RS_START || n == 0)
        return VR_STATE;
    if (r->mode == GW_R_PREPARE) {
        capture_columns(r, cols, n);
        r->state = GW_RS_PENDING;
        return VR_OK;
    }
    if (r->mode == GW_R_FIELD_LIST) {
        field_list_columns(r, cols, n);
        r->state = GW_RS_ROWS;
        return maybe_flush(r);
    }
    st = gw_packet_begin(&s->out);
    gw_put_lenenc(&s->out, n);
    gw_packet_end(&s->out, st, &s->seq);
    r->ncols = n;
    r->types = vr_arena_alloc(s->arena, n);
    r->flags = vr_arena_alloc(s->arena, n * sizeof(uint16_t));
    for (i = 0; i < n; i++) {
        r->types[i] = cols[i].type;
        r->flags[i] = cols[i].flags;
        send_coldef(s, &cols[i], false);
    }
    if (!s->deprecate_eof)
        gw_send_eof(s, 0, false);
    r->state = GW_RS_ROWS;
    return maybe_flush(r);
}

static void text_row(vr_gw_result_t *r, const char *const *vals, const size_t *lens)
{
    vr_buf_t *out = &r->s->out;
    size_t st = gw_packet_begin(out), i;
    for (i = 0; i < r->ncols; i++) {
        if (!vals[i])
            gw_put_u8(out, 0xfb);
        else
            gw_put_lenenc_str(out, vals[i], lens ? lens[i] : strlen(vals[i]));
    }
    gw_packet_end(out, st, &r->s->seq);
}

static vr_code_t binary_row(vr_gw_result_t *r, const char *const *vals, const size_t *lens)
{
    vr_gw_session_t *s = r->s;
    vr_buf_t *out = &s->out;
    size_t st = gw_packet_begin(out), nb = (r->ncols + 7 + 2) / 8, bm, i;

    gw_put_u8(out, 0x00);
    bm = out->len;
    vr_buf_reserve(out, nb);
    memset(out->data + bm, 0, nb);
    out->len += nb;
    for (i = 0; i < r->ncols; i++) {
        if (!vals[i] || r->types[i] == VR_GW_TYPE_NULL) {
            out->data[bm + (i + 2) / 8] |= (char)(1u << ((i + 2) % 8));
            continue;
        }
        if (!gw_bin_from_text(out, r->types[i], r->flags[i], vals[i],
                              lens ? lens[i] : strlen(vals[i]))) {
            out->len = st;
            vr_log_warn(GW_AREA, "session %u: column %zu: value '%.*s' is not of type %u",
                        s->id, i + 1, (int)(lens ? (lens[i] > 64 ? 64 : lens[i]) : 0),
                        vals[i], r->types[i]);
            gw_send_err(s, VR_GW_ER_UNKNOWN, "HY000",
                        "gateway: value of result column %zu does not match its type (%u)",
                        i + 1, r->types[i]);
            r->state = GW_RS_FAILED;
            return VR_INVALID;
        }
    }
    gw_packet_end(out, st, &s->seq);
    return VR_OK;
}

vr_code_t vr_gw_result_row(vr_gw_result_t *r, const char *const *vals, const size_t *lens)
{
    vr_code_t rc;
    if (r->s->dead)
        return VR_IO;
    if (r->state != GW_RS_ROWS)
        return VR_STATE;
    switch (r->mode) {
    case GW_R_TEXT:
        text_row(r, vals, lens);
        break;
    case GW_R_BINARY:
        if ((rc = binary_row(r, vals, lens)) != VR_OK)
            return rc;
        break;
    case GW_R_PREPARE:
    case GW_R_FIELD_LIST:
        return VR_OK; /* rows mean nothing here */
    default:
        return VR_STATE;
    }
    return maybe_flush(r);
}

vr_code_t vr_gw_result_end(vr_gw_result_t *r, uint16_t warnings)
{
    if (r->s->dead)
        return VR_IO;
    if (r->mode == GW_R_PREPARE)
        return VR_OK;
    if (r->state != GW_RS_ROWS)
        return VR_STATE;
    r->pend_eof = true;
    r->warnings = warnings;
    r->state = GW_RS_PENDING;
    return VR_OK;
}

vr_code_t vr_gw_result_ok(vr_gw_result_t *r, uint64_t affected_rows, uint64_t last_insert_id,
                          uint16_t warnings, const char *info)
{
    if (r->s->dead)
        return VR_IO;
    if (r->mode == GW_R_PREPARE)
        return VR_OK; /* "no result set" */
    if (r->state == GW_RS_PENDING && sends_results(r))
        flush_pending(r, true);
    if (r->state != GW_RS_START)
        return VR_STATE;
    r->pend_eof = r->mode == GW_R_FIELD_LIST;
    r->affected = affected_rows;
    r->last_id = last_insert_id;
    r->warnings = warnings;
    r->info = info ? vr_arena_strdup(r->s->arena, info) : NULL;
    r->state = GW_RS_PENDING;
    return VR_OK;
}

vr_code_t vr_gw_result_error(vr_gw_result_t *r, unsigned mysql_errno, const char *sqlstate,
                             const char *fmt, ...)
{
    vr_gw_session_t *s = r->s;
    char msg[512];
    va_list ap;

    if (s->dead)
        return VR_IO;
    if (r->state == GW_RS_FAILED)
        return VR_STATE;
    if (r->state == GW_RS_PENDING && sends_results(r))
        flush_pending(r, true);
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    gw_send_err(s, mysql_errno ? mysql_errno : VR_GW_ER_UNKNOWN,
                sqlstate && *sqlstate ? sqlstate : NULL, "%s", msg);
    r->state = GW_RS_FAILED;
    return VR_OK;
}

void gw_result_fail(vr_gw_result_t *r, const vr_error_t *err)
{
    vr_gw_result_error(r, err->mysql_errno, NULL, "%s",
                       err->msg[0] ? err->msg : vr_code_message(err->code));
}

bool gw_result_finish(vr_gw_result_t *r, bool more_follow)
{
    vr_gw_session_t *s = r->s;
    if (s->dead)
        return false;
    switch (r->state) {
    case GW_RS_FAILED:
        return false;
    case GW_RS_START:
        if (sends_results(r))
            gw_send_ok(s, 0, 0, 0, NULL, more_follow);
        else if (r->mode == GW_R_FIELD_LIST)
            gw_send_eof(s, 0, false);
        return true;
    case GW_RS_ROWS: /* the handler did not end its result set */
        r->pend_eof = true;
        r->warnings = 0;
        r->state = GW_RS_PENDING;
        flush_pending(r, more_follow);
        return true;
    case GW_RS_PENDING:
        flush_pending(r, more_follow);
        return true;
    }
    return false;
}

bool gw_result_run(vr_gw_result_t *r, const char *sql, size_t len, bool more_follow)
{
    vr_gw_session_t *s = r->s;
    const vr_gw_handler_t *h = &s->srv->h;
    vr_error_t err;
    char *copy = vr_arena_strndup(s->arena, sql, len);
    vr_code_t rc;

    atomic_fetch_add(&s->srv->st_questions, 1);
    vr_error_clear(&err);
    rc = h->on_query(h->ctx, s, copy, len, r, &err);
    if (rc != VR_OK && r->state != GW_RS_FAILED && !s->dead)
        gw_result_fail(r, &err);
    return gw_result_finish(r, more_follow);
}

bool gw_run_statement(vr_gw_session_t *s, const char *sql, size_t len, gw_rmode_t mode,
                      bool more_follow)
{
    vr_gw_result_t r;
    gw_result_init(&r, s, mode);
    return gw_result_run(&r, sql, len, more_follow);
}

/* SQL LIKE with % and _ and backslash escapes, ASCII case-insensitive
 * (column names compare that way). */
bool gw_like_match(const char *pat, size_t pn, const char *s, size_t sn)
{
    size_t p = 0, i = 0, star_p = (size_t)-1, star_i = 0;
    while (i < sn) {
        if (p < pn && pat[p] == '%') {
            star_p = ++p;
            star_i = i;
            continue;
        }
        if (p < pn && pat[p] == '\\' && p + 1 < pn) {
            if (tolower((unsigned char)pat[p + 1]) == tolower((unsigned char)s[i])) {
                p += 2;
                i++;
                continue;
            }
        } else if (p < pn && (pat[p] == '_' ||
                              tolower((unsigned char)pat[p]) == tolower((unsigned char)s[i]))) {
            p++;
            i++;
            continue;
        }
        if (star_p == (size_t)-1)
            return false;
        p = star_p;
        i = ++star_i;
    }
    while (p < pn && pat[p] == '%')
        p++;
    return p == pn;
}

vr_gw_column_t vr_gw_column_text(const char *name)
{
    vr_gw_column_t c;
    memset(&c, 0, sizeof(c));
    c.name = name;
    c.charset = VR_GW_CHARSET_UTF8MB4;
    c.length = 1024;
    c.type = VR_GW_TYPE_VAR_STRING;
    return c;
}

vr_gw_column_t vr_gw_column_int(const char *name)
{
    vr_gw_column_t c;
    memset(&c, 0, sizeof(c));
    c.name = name;
    c.charset = VR_GW_CHARSET_BINARY;
    c.length = 21;
    c.type = VR_GW_TYPE_LONGLONG;
    c.flags = VR_GW_FLAG_BINARY | VR_GW_FLAG_NUM;
    return c;
}
