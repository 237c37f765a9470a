/*
 * stmt.c - prepared statements, implemented by the gateway itself (as
 * Vitess's vtgate does): COM_STMT_PREPARE finds the `?` placeholders and
 * keeps the text; COM_STMT_EXECUTE decodes the binary parameters, splices
 * them in as SQL literals (binval.c says how each type is spelled) and runs
 * the text through the handler's on_query with a binary-protocol writer.
 * The handler may describe the result columns at prepare (on_prepare).
 *
 * Per session: statements live in a small hash by id (ids are never
 * reused within a session; at most GW_MAX_STMTS open).  Parameter types
 * from the first execute (new-params-bound = 1) are kept for later ones
 * that omit them.  Long data (COM_STMT_SEND_LONG_DATA) accumulates per
 * parameter until the next execute or reset.  Runs on the thread that owns
 * the session (loop for close/long data/reset, worker for prepare/execute).
 */
#include <stdlib.h>
#include <string.h>

#include "gw_int.h"

#define GW_MAX_STMTS 16382 /* MariaDB's max_prepared_stmt_count default */
#define GW_MAX_PARAMS 65535

struct gw_stmt {
    uint32_t id;
    char *sql;
    size_t len;
    unsigned nparams;
    size_t *ph;          /* offsets of the placeholders in sql */
    uint8_t *ptype;      /* bound wire types */
    bool *punsigned;
    bool types_bound;
    vr_buf_t *long_data; /* per parameter */
    bool *has_long;
    bool long_too_big;
    vr_gw_column_t *cols; /* from on_prepare; strings in colstr */
    size_t ncols;
    char *colstr;
    gw_stmt_t *hnext;
};

/* ---- the table ---- */

static gw_stmt_t **bucket(vr_gw_session_t *s, uint32_t id)
{
    return &s->stmts[id & (s->stmt_buckets - 1)];
}

static gw_stmt_t *find_stmt(vr_gw_session_t *s, uint32_t id)
{
    gw_stmt_t *st;
    if (!s->stmts)
        return NULL;
    for (st = *bucket(s, id); st; st = st->hnext)
        if (st->id == id)
            return st;
    return NULL;
}

static void grow_table(vr_gw_session_t *s)
{
    gw_stmt_t **old = s->stmts;
    size_t oldn = s->stmt_buckets, i;
    s->stmt_buckets = oldn ? oldn * 2 : 16;
    s->stmts = vr_xcalloc(s->stmt_buckets, sizeof(gw_stmt_t *));
    for (i = 0; i < oldn; i++) {
        gw_stmt_t *st = old[i], *next;
        for (; st; st = next) {
            next = st->hnext;
            st->hnext = *bucket(s, st->id);
            *bucket(s, st->id) = st;
        }
    }
    free(old);
}

static void insert_stmt(vr_gw_session_t *s, gw_stmt_t *st)
{
    if (s->n_stmts + 1 > s->stmt_buckets * 2)
        grow_table(s);
    st->hnext = *bucket(s, st->id);
    *bucket(s, st->id) = st;
    s->n_stmts++;
}

static void free_stmt(gw_stmt_t *st)
{
    unsigned i;
    if (!st)
        return;
    for (i = 0; i < st->nparams && st->long_data; i++)
        vr_buf_free(&st->long_data[i]);
    free(st->long_data);
    free(st->has_long);
    free(st->ph);
    free(st->ptype);
    free(st->punsigned);
    free(st->cols);
    free(st->colstr);
    free(st->sql);
    free(st);
}

static void remove_stmt(vr_gw_session_t *s, uint32_t id)
{
    gw_stmt_t **pp, *st;
    if (!s->stmts)
        return;
    for (pp = bucket(s, id); (st = *pp) != NULL; pp = &st->hnext) {
        if (st->id == id) {
            *pp = st->hnext;
            s->n_stmts--;
            free_stmt(st);
            return;
        }
    }
}

void gw_stmts_free(vr_gw_session_t *s)
{
    size_t i;
    for (i = 0; i < s->stmt_buckets; i++) {
        gw_stmt_t *st = s->stmts[i], *next;
        for (; st; st = next) {
            next = st->hnext;
            free_stmt(st);
        }
        s->stmts[i] = NULL;
    }
    s->n_stmts = 0;
}

static void clear_long_data(gw_stmt_t *st)
{
    unsigned i;
    for (i = 0; i < st->nparams; i++) {
        vr_buf_reset(&st->long_data[i]);
        st->has_long[i] = false;
    }
    st->long_too_big = false;
}

/* ---- prepare ---- */

static void keep_columns(gw_stmt_t *st, const vr_gw_column_t *cols, size_t n)
{
    size_t i, total = 0, off = 0;
    const char **f[5];
    for (i = 0; i < n; i++)
        total += strlen(cols[i].schema) + strlen(cols[i].table) + strlen(cols[i].org_table) +
                 strlen(cols[i].name) + strlen(cols[i].org_name) + 5;
    st->cols = vr_xcalloc(n ? n : 1, sizeof(vr_gw_column_t));
    st->colstr = vr_xmalloc(total ? total : 1);
    st->ncols = n;
    for (i = 0; i < n; i++) {
        size_t k;
        st->cols[i] = cols[i];
        f[0] = &st->cols[i].schema;
        f[1] = &st->cols[i].table;
        f[2] = &st->cols[i].org_table;
        f[3] = &st->cols[i].name;
        f[4] = &st->cols[i].org_name;
        for (k = 0; k < 5; k++) {
            size_t l = strlen(*f[k]) + 1;
            memcpy(st->colstr + off, *f[k], l);
            *f[k] = st->colstr + off;
            off += l;
        }
    }
}

static gw_stmt_t *new_stmt(vr_gw_session_t *s, const char *sql, size_t n, unsigned nparams)
{
    gw_stmt_t *st = vr_xcalloc(1, sizeof(*st));
    bool no_bs = (s->status & VR_GW_STATUS_NO_BACKSLASH_ESCAPES) != 0;
    st->sql = vr_xstrndup(sql, n);
    st->len = n;
    st->nparams = nparams;
    st->ph = vr_xcalloc(nparams ? nparams : 1, sizeof(size_t));
    st->ptype = vr_xcalloc(nparams ? nparams : 1, 1);
    st->punsigned = vr_xcalloc(nparams ? nparams : 1, sizeof(bool));
    st->long_data = vr_xcalloc(nparams ? nparams : 1, sizeof(vr_buf_t));
    st->has_long = vr_xcalloc(nparams ? nparams : 1, sizeof(bool));
    gw_sql_placeholders(st->sql, n, no_bs, st->ph, nparams);
    return st;
}

static void send_prepare_ok(vr_gw_session_t *s, const gw_stmt_t *st)
{
    vr_gw_column_t param;
    size_t p = gw_packet_begin(&s->out), i;

    gw_put_u8(&s->out, 0x00);
    gw_put_u32(&s->out, st->id);
    gw_put_u16(&s->out, (uint16_t)st->ncols);
    gw_put_u16(&s->out, (uint16_t)st->nparams);
    gw_put_u8(&s->out, 0);
    gw_put_u16(&s->out, 0);
    gw_packet_end(&s->out, p, &s->seq);

    memset(&param, 0, sizeof(param));
    param.name = "?";
    param.type = VR_GW_TYPE_VAR_STRING;
    param.charset = VR_GW_CHARSET_BINARY;
    param.flags = VR_GW_FLAG_BINARY;
    for (i = 0; i < st->nparams; i++) {
        p = gw_packet_begin(&s->out);
        gw_coldef_put(&s->out, &param, false);
        gw_packet_end(&s->out, p, &s->seq);
    }
    if (st->nparams && !s->deprecate_eof)
        gw_send_eof(s, 0, false);
    for (i = 0; i < st->ncols; i++) {
        p = gw_packet_begin(&s->out);
        gw_coldef_put(&s->out, &st->cols[i], false);
        gw_packet_end(&s->out, p, &s->seq);
    }
    if (st->ncols && !s->deprecate_eof)
        gw_send_eof(s, 0, false);
}

void gw_cmd_prepare(vr_gw_session_t *s, const uint8_t *p, size_t n)
{
    const vr_gw_handler_t *h = &s->srv->h;
    const char *sql = (const char *)p;
    bool no_bs = (s->status & VR_GW_STATUS_NO_BACKSLASH_ESCAPES) != 0;
    size_t nparams, a, b;
    gw_stmt_t *st;
    vr_gw_result_t r;
    vr_error_t err;

    if (s->n_stmts >= GW_MAX_STMTS) {
        gw_send_err(s, VR_GW_ER_MAX_PREPARED_STMT, "42000",
                    "Can't create more than max_prepared_stmt_count statements "
                    "(current value: %d)",
                    GW_MAX_STMTS);
        return;
    }
    if (gw_sql_split(sql, n, no_bs, &a, &b, 1) == 0) {
        gw_send_err(s, VR_GW_ER_EMPTY_QUERY, "42000", "Query was empty");
        return;
    }
    nparams = gw_sql_placeholders(sql, n, no_bs, NULL, 0);
    if (nparams > GW_MAX_PARAMS) {
        gw_send_err(s, 1390, "HY000", "Prepared statement contains too many placeholders");
        return;
    }
    st = new_stmt(s, sql, n, (unsigned)nparams);
    if (h->on_prepare) {
        gw_result_init(&r, s, GW_R_PREPARE);
        vr_error_clear(&err);
        if (h->on_prepare(h->ctx, s, st->sql, n, st->nparams, &r, &err) != VR_OK &&
            r.state != GW_RS_FAILED && !s->dead)
            gw_result_fail(&r, &err);
        if (r.state == GW_RS_FAILED || s->dead) {
            free_stmt(st);
            return;
        }
        keep_columns(st, r.cap, r.ncap);
    }
    st->id = s->next_stmt_id++;
    s->last_stmt_id = st->id;
    insert_stmt(s, st);
    send_prepare_ok(s, st);
}

/* ---- execute ---- */

static bool read_types(gw_rd_t *rd, gw_stmt_t *st)
{
    unsigned i;
    for (i = 0; i < st->nparams; i++) {
        st->ptype[i] = gw_rd_u8(rd);
        st->punsigned[i] = (gw_rd_u8(rd) & 0x80) != 0;
    }
    if (rd->err)
        return false;
    st->types_bound = true;
    return true;
}

/* Splice the parameters into st's text, into s->sqlbuf. */
static bool build_sql(vr_gw_session_t *s, gw_stmt_t *st, gw_rd_t *rd, const uint8_t *nulls)
{
    bool no_bs = (s->status & VR_GW_STATUS_NO_BACKSLASH_ESCAPES) != 0;
    size_t pos = 0;
    unsigned i;

    vr_buf_reset(&s->sqlbuf);
    vr_buf_reserve(&s->sqlbuf, st->len + 16 * st->nparams);
    for (i = 0; i < st->nparams; i++) {
        vr_buf_append(&s->sqlbuf, st->sql + pos, st->ph[i] - pos);
        pos = st->ph[i] + 1;
        if (st->has_long[i]) { /* long data wins over the NULL bit, as in MySQL */
            if (!gw_param_bytes_to_sql(st->ptype[i], (const uint8_t *)st->long_data[i].data,
                                       st->long_data[i].len, no_bs, &s->sqlbuf))
                return false;
        } else if (nulls[i / 8] & (1u << (i % 8))) {
            vr_buf_puts(&s->sqlbuf, "NULL");
        } else if (!gw_param_to_sql(rd, st->ptype[i], st->punsigned[i], no_bs, &s->sqlbuf)) {
            return false;
        }
    }
    vr_buf_append(&s->sqlbuf, st->sql + pos, st->len - pos);
    return true;
}

static bool decode_params(vr_gw_session_t *s, gw_stmt_t *st, gw_rd_t *rd)
{
    const uint8_t *nulls;
    uint8_t bound;

    if (st->nparams == 0)
        return build_sql(s, st, rd, NULL);
    nulls = gw_rd_bytes(rd, (st->nparams + 7) / 8);
    bound = gw_rd_u8(rd);
    if (rd->err || bound > 1)
        return false;
    if (bound == 1 && !read_types(rd, st))
        return false;
    if (!st->types_bound)
        return false;
    return build_sql(s, st, rd, nulls);
}

void gw_cmd_execute(vr_gw_session_t *s, const uint8_t *p, size_t n)
{
    gw_rd_t rd = gw_rd(p, n);
    uint32_t id = gw_rd_u32(&rd);
    gw_stmt_t *st;

    gw_rd_u8(&rd);  /* flags: cursors are not offered; results are sent whole */
    gw_rd_u32(&rd); /* iteration count: always 1 */
    if (rd.err) {
        gw_send_err(s, VR_GW_ER_WRONG_ARGUMENTS, "HY000",
                    "Incorrect arguments to mysqld_stmt_execute");
        return;
    }
    if (id == 0xffffffffu) /* MariaDB: the statement prepared last */
        id = s->last_stmt_id;
    if (!(st = find_stmt(s, id))) {
        gw_send_err(s, VR_GW_ER_UNKNOWN_STMT_HANDLER, "HY000",
                    "Unknown prepared statement handler (%u) given to mysqld_stmt_execute",
                    id);
        return;
    }
    if (st->long_too_big) {
        clear_long_data(st);
        gw_send_err(s, VR_GW_ER_NET_PACKET_TOO_LARGE, "08S01",
                    "Got a packet bigger than 'max_allowed_packet' bytes");
        return;
    }
    if (!decode_params(s, st, &rd)) {
        clear_long_data(st);
        gw_send_err(s, VR_GW_ER_WRONG_ARGUMENTS, "HY000",
                    "Incorrect arguments to mysqld_stmt_execute");
        return;
    }
    clear_long_data(st);
    gw_run_statement(s, s->sqlbuf.data, s->sqlbuf.len, GW_R_BINARY, false);
}

/* ---- the commands without a reply, and reset ---- */

void gw_cmd_long_data(vr_gw_session_t *s, const uint8_t *p, size_t n)
{
    gw_rd_t rd = gw_rd(p, n);
    uint32_t id = gw_rd_u32(&rd);
    uint16_t param = gw_rd_u16(&rd);
    const uint8_t *data;
    size_t len;
    gw_stmt_t *st;

    data = gw_rd_rest(&rd, &len);
    if (rd.err || !(st = find_stmt(s, id)) || param >= st->nparams)
        return; /* no reply to this command; the execute will tell */
    if (st->long_data[param].len + len > s->srv->max_packet) {
        st->long_too_big = true;
        return;
    }
    vr_buf_append(&st->long_data[param], data, len);
    st->has_long[param] = true;
}

void gw_cmd_stmt_close(vr_gw_session_t *s, const uint8_t *p, size_t n)
{
    gw_rd_t rd = gw_rd(p, n);
    uint32_t id = gw_rd_u32(&rd);
    if (!rd.err)
        remove_stmt(s, id);
}

void gw_cmd_stmt_reset(vr_gw_session_t *s, const uint8_t *p, size_t n)
{
    gw_rd_t rd = gw_rd(p, n);
    uint32_t id = gw_rd_u32(&rd);
    gw_stmt_t *st = rd.err ? NULL : find_stmt(s, id);
    if (!st) {
        gw_send_err(s, VR_GW_ER_UNKNOWN_STMT_HANDLER, "HY000",
                    "Unknown prepared statement handler (%u) given to mysqld_stmt_reset", id);
        return;
    }
    clear_long_data(st);
    gw_send_ok(s, 0, 0, 0, NULL, false);
}
