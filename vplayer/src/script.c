/*
 * script.c - one target transaction being built, and run in one round trip.
 *
 * Row changes become statements through their table plan; consecutive
 * inserts into one table become one multi-row insert, consecutive plain
 * deletes one `delete ... where key in (...)`, as long as the statement
 * stays under max_stmt bytes.  Anything else closes the open statement
 * first, so the order of changes is kept.  Each statement remembers the
 * source GTID and the table it serves (a multi-row statement: its first
 * row's), so a failure names them with the statement's text.
 *
 * The whole script goes to the server as one multi-statement query; after
 * a failing statement MariaDB runs none of the following ones, and the
 * caller rolls back.  Used by the applier's (or the copier's) thread only.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vplayer_int.h"

#define DEFAULT_MAX_STMT ((size_t)1 << 20)
#define ERR_STMT_MAX 300

void vp_script_init(vp_script_t *s, const vp_charsets_t *cs)
{
    memset(s, 0, sizeof(*s));
    s->arena = vr_arena_new(0);
    s->cs = cs;
    s->max_stmt = DEFAULT_MAX_STMT;
    s->multi_row = true;
}

void vp_script_reset(vp_script_t *s)
{
    vr_buf_reset(&s->sql);
    s->nrefs = 0;
    s->open = OPEN_NONE;
    s->open_plan = NULL;
    vr_arena_reset(s->arena);
}

void vp_script_free(vp_script_t *s)
{
    vr_buf_free(&s->sql);
    free(s->refs);
    vr_arena_free(s->arena);
    memset(s, 0, sizeof(*s));
}

bool vp_script_empty(const vp_script_t *s) { return s->nrefs == 0; }

static void begin_stmt(vp_script_t *s, const char *gtid, const char *table)
{
    vp_stmt_ref_t *r;
    if (s->nrefs == s->cap) {
        s->cap = s->cap ? s->cap * 2 : 64;
        s->refs = vr_xrealloc(s->refs, s->cap * sizeof(*s->refs));
    }
    if (s->sql.len)
        vr_buf_putc(&s->sql, ';');
    r = &s->refs[s->nrefs++];
    r->off = s->sql.len;
    r->len = 0;
    /* consecutive statements of one transaction share the string */
    if (s->nrefs > 1 && gtid && s->refs[s->nrefs - 2].gtid &&
        strcmp(s->refs[s->nrefs - 2].gtid, gtid) == 0)
        r->gtid = s->refs[s->nrefs - 2].gtid;
    else
        r->gtid = gtid ? vr_arena_strdup(s->arena, gtid) : NULL;
    if (s->nrefs > 1 && table && s->refs[s->nrefs - 2].table &&
        strcmp(s->refs[s->nrefs - 2].table, table) == 0)
        r->table = s->refs[s->nrefs - 2].table;
    else
        r->table = table ? vr_arena_strdup(s->arena, table) : NULL;
}

static void end_stmt(vp_script_t *s)
{
    vp_stmt_ref_t *r = &s->refs[s->nrefs - 1];
    r->len = s->sql.len - r->off;
}

void vp_script_close(vp_script_t *s)
{
    if (s->open == OPEN_NONE)
        return;
    vr_buf_puts(&s->sql, s->open_tail);
    end_stmt(s);
    s->open = OPEN_NONE;
    s->open_plan = NULL;
}

static bool can_extend(const vp_script_t *s, open_kind_t kind, const tplan_t *p)
{
    return s->open == kind && s->open_plan == p && s->multi_row &&
           s->sql.len - s->refs[s->nrefs - 1].off < s->max_stmt;
}

static void table_ref(const tplan_t *p, char *buf, size_t n)
{
    snprintf(buf, n, "%s.%s", p->db, p->target);
}

static void insert_row(vp_script_t *s, const tplan_t *p, const vr_value_t *row, const char *gtid)
{
    char t[256];
    if (can_extend(s, OPEN_INSERT, p)) {
        vr_buf_putc(&s->sql, ',');
    } else {
        vp_script_close(s);
        table_ref(p, t, sizeof(t));
        begin_stmt(s, gtid, t);
        vr_buf_puts(&s->sql, p->insert_head);
        s->open = OPEN_INSERT;
        s->open_plan = p;
        s->open_tail = p->ondup ? p->ondup : "";
    }
    vp_sql_values(p, row, s->cs, &s->sql);
}

static void delete_row(vp_script_t *s, const tplan_t *p, const vr_value_t *row, const char *gtid)
{
    char t[256];
    if (can_extend(s, OPEN_DELETE, p)) {
        vr_buf_puts(&s->sql, p->nkey == 1 ? "," : ") or (");
    } else {
        vp_script_close(s);
        table_ref(p, t, sizeof(t));
        begin_stmt(s, gtid, t);
        vr_buf_puts(&s->sql, "delete from ");
        vr_sql_format_ident(&s->sql, p->target);
        vr_buf_puts(&s->sql, " where ");
        if (p->nkey == 1) {
            vr_sql_format_ident(&s->sql, p->cols[p->key[0]].name);
            vr_buf_puts(&s->sql, " in (");
        } else {
            vr_buf_putc(&s->sql, '(');
        }
        s->open = OPEN_DELETE;
        s->open_plan = p;
        s->open_tail = ")";
    }
    if (p->nkey == 1)
        vp_put_value(&s->sql, &row[p->cols[p->key[0]].src], s->cs);
    else
        vp_sql_key_cond(p, row, s->cs, &s->sql);
}

/* A statement built by f (may append nothing: then no statement). */
static void single(vp_script_t *s, const tplan_t *p, const vr_value_t *before,
                   const vr_value_t *after, const char *gtid, bool rollup)
{
    char t[256];
    size_t mark;
    vp_script_close(s);
    table_ref(p, t, sizeof(t));
    mark = s->sql.len;
    begin_stmt(s, gtid, t);
    if (rollup)
        vp_sql_rollup_update(p, before, after, s->cs, &s->sql);
    else
        vp_sql_update(p, before, after, s->cs, &s->sql);
    if (s->sql.len == s->refs[s->nrefs - 1].off) { /* nothing changes */
        s->nrefs--;
        s->sql.len = mark;
        if (s->sql.data)
            s->sql.data[mark] = '\0';
        return;
    }
    end_stmt(s);
}

void vp_script_row(vp_script_t *s, const tplan_t *p, const vr_value_t *before,
                   const vr_value_t *after, const char *gtid)
{
    if (p->rule->rollup) {
        if (before && after && vp_tplan_same_group(p, before, after)) {
            single(s, p, before, after, gtid, true);
            return;
        }
        if (before)
            single(s, p, before, NULL, gtid, true);
        if (after)
            insert_row(s, p, after, gtid);
        return;
    }
    if (before && after) {
        if (vp_tplan_moves(p, before, after)) {
            delete_row(s, p, before, gtid);
            insert_row(s, p, after, gtid);
        } else if (p->any_set) {
            single(s, p, before, after, gtid, false);
        }
    } else if (before) {
        delete_row(s, p, before, gtid);
    } else if (after) {
        insert_row(s, p, after, gtid);
    }
}

void vp_script_stmt(vp_script_t *s, const char *sql, size_t len, const char *gtid,
                    const char *table)
{
    vp_script_close(s);
    begin_stmt(s, gtid, table);
    vr_buf_append(&s->sql, sql, len);
    end_stmt(s);
}

static vr_code_t stmt_error(vp_script_t *s, MYSQL *c, size_t k, vr_error_t *err)
{
    const vp_stmt_ref_t *r = &s->refs[k < s->nrefs ? k : s->nrefs - 1];
    unsigned e = mysql_errno(c);
    int n = (int)(r->len > ERR_STMT_MAX ? ERR_STMT_MAX : r->len);
    if (e == 0)
        e = 2013;
    return vr_error_mysql(err, e, vr_mysql_errno_retriable(e),
                          "applying %s to %s: %.*s%s: %s (errno %u)",
                          r->gtid && *r->gtid ? r->gtid : "(copy)", r->table ? r->table : "_vt",
                          n, s->sql.data + r->off, (size_t)n < r->len ? "..." : "",
                          mysql_errno(c) ? mysql_error(c) : "connection lost", e);
}

vr_code_t vp_script_send(vp_script_t *s, MYSQL *c, vr_error_t *err)
{
    vp_script_close(s);
    if (s->nrefs == 0)
        return VR_OK;
    vr_log_debug("vplayer", "script (%zu statements, %zu bytes): %.300s", s->nrefs, s->sql.len,
                 s->sql.data);
    if (mysql_send_query(c, s->sql.data, (unsigned long)s->sql.len))
        return stmt_error(s, c, 0, err);
    return VR_OK;
}

vr_code_t vp_script_finish(vp_script_t *s, MYSQL *c, vr_error_t *err)
{
    size_t k = 0;
    int status;
    if (s->nrefs == 0)
        return VR_OK;
    if (mysql_read_query_result(c))
        return stmt_error(s, c, 0, err);
    for (;;) {
        MYSQL_RES *res = mysql_store_result(c);
        if (res)
            mysql_free_result(res);
        status = mysql_next_result(c);
        if (status < 0)
            break;
        k++;
        if (status > 0)
            return stmt_error(s, c, k, err);
    }
    return VR_OK;
}

vr_code_t vp_script_run(vp_script_t *s, MYSQL *c, vr_error_t *err)
{
    vr_code_t rc = vp_script_send(s, c, err);
    return rc == VR_OK ? vp_script_finish(s, c, err) : rc;
}

/* ---- comparing key values ------------------------------------------------------------ */

static int sgn(int x) { return (x > 0) - (x < 0); }

/* Decimal texts ("-12.50", "3"): exact comparison. */
static int dec_cmp(const char *a, size_t an, const char *b, size_t bn)
{
    bool na = an && a[0] == '-', nb = bn && b[0] == '-';
    const char *ia, *ib, *da, *db;
    size_t la, lb, fa, fb, i;
    int r = 0;
    if (na != nb)
        return na ? -1 : 1;
    if (na)
        a++, an--, b++, bn--;
    while (an > 1 && a[0] == '0' && a[1] != '.')
        a++, an--;
    while (bn > 1 && b[0] == '0' && b[1] != '.')
        b++, bn--;
    da = memchr(a, '.', an);
    db = memchr(b, '.', bn);
    la = da ? (size_t)(da - a) : an;
    lb = db ? (size_t)(db - b) : bn;
    ia = a;
    ib = b;
    if (la != lb) {
        r = la < lb ? -1 : 1;
    } else if ((r = memcmp(ia, ib, la)) == 0) {
        fa = da ? an - la - 1 : 0;
        fb = db ? bn - lb - 1 : 0;
        for (i = 0; i < (fa > fb ? fa : fb) && r == 0; i++) {
            char ca = i < fa ? da[1 + i] : '0', cb = i < fb ? db[1 + i] : '0';
            r = (ca > cb) - (ca < cb);
        }
    }
    return na ? -sgn(r) : sgn(r);
}

static int temporal_cmp(const vr_value_t *a, const vr_value_t *b)
{
    const vr_temporal_t *x = &a->v.tm, *y = &b->v.tm;
    long long kx[7] = {x->year, x->month, x->day, x->hour, x->minute, x->second, x->usec};
    long long ky[7] = {y->year, y->month, y->day, y->hour, y->minute, y->second, y->usec};
    int i, r = 0, sign = 1;
    if (a->type == VR_TYPE_TIME) {
        if (x->neg != y->neg)
            return x->neg ? -1 : 1;
        sign = x->neg ? -1 : 1;
    }
    for (i = 0; i < 7 && r == 0; i++)
        r = (kx[i] > ky[i]) - (kx[i] < ky[i]);
    return r * sign;
}

static bool bytewise(const vr_value_t *v, const vp_charsets_t *cs)
{
    const char *coll;
    size_t n;
    if (vr_type_is_binary(v->type) || v->charset == VR_CHARSET_BINARY)
        return true;
    if (!cs || v->charset >= VR_ARRAY_LEN(cs->collation) || !(coll = cs->collation[v->charset]))
        return false;
    n = strlen(coll);
    return n > 4 && strcmp(coll + n - 4, "_bin") == 0;
}

static int bytes_cmp(const vr_value_t *a, const vr_value_t *b, bool pad_space)
{
    size_t an = a->len, bn = b->len, n;
    int r;
    if (pad_space) {
        while (an && a->s[an - 1] == ' ')
            an--;
        while (bn && b->s[bn - 1] == ' ')
            bn--;
    }
    n = an < bn ? an : bn;
    r = n ? memcmp(a->s, b->s, n) : 0;
    if (r)
        return sgn(r);
    return (an > bn) - (an < bn);
}

/* Text in a collation C cannot order: ask the server. */
static vr_code_t server_cmp(MYSQL *c, const vp_charsets_t *cs, const vr_value_t *a,
                            const vr_value_t *b, int *cmp, vr_error_t *err)
{
    vr_buf_t q = VR_BUF_INIT, out = VR_BUF_INIT;
    const vr_value_t *v[2] = {a, b};
    int i;
    vr_code_t rc;
    if (!c || !cs || a->charset >= VR_ARRAY_LEN(cs->name) || !cs->name[a->charset])
        return vr_errorf(err, VR_UNSUPPORTED, "cannot compare key values of collation id %u",
                         a->charset);
    vr_buf_puts(&q, "select strcmp(");
    for (i = 0; i < 2; i++) {
        vr_buf_printf(&q, "%s_%s X'", i ? ", " : "", cs->name[a->charset]);
        vr_buf_put_hex(&q, (const uint8_t *)v[i]->s, v[i]->len);
        vr_buf_printf(&q, "' collate %s", cs->collation[a->charset]);
    }
    vr_buf_putc(&q, ')');
    rc = vp_scalar(c, q.data, &out, NULL, err);
    if (rc == VR_OK)
        *cmp = atoi(out.data);
    vr_buf_free(&q);
    vr_buf_free(&out);
    return rc;
}

vr_code_t vp_value_cmp(MYSQL *c, const vp_charsets_t *cs, const vr_value_t *a,
                       const vr_value_t *b, int *cmp, vr_error_t *err)
{
    *cmp = 0;
    if (a->is_null || b->is_null) {
        *cmp = a->is_null == b->is_null ? 0 : a->is_null ? -1 : 1;
        return VR_OK;
    }
    if (vr_type_is_signed(a->type) || vr_type_is_unsigned(a->type)) {
        bool ua = vr_type_is_unsigned(a->type), ub = vr_type_is_unsigned(b->type);
        if (ua == ub)
            *cmp = ua ? (a->v.u > b->v.u) - (a->v.u < b->v.u) : (a->v.i > b->v.i) - (a->v.i < b->v.i);
        else if (ua)
            *cmp = b->v.i < 0 ? 1 : (a->v.u > (uint64_t)b->v.i) - (a->v.u < (uint64_t)b->v.i);
        else
            *cmp = a->v.i < 0 ? -1 : ((uint64_t)a->v.i > b->v.u) - ((uint64_t)a->v.i < b->v.u);
        return VR_OK;
    }
    if (vr_type_is_float(a->type)) {
        *cmp = (a->v.d > b->v.d) - (a->v.d < b->v.d);
        return VR_OK;
    }
    if (a->type == VR_TYPE_DECIMAL) {
        *cmp = dec_cmp(a->s, a->len, b->s, b->len);
        return VR_OK;
    }
    if (vr_type_is_temporal(a->type)) {
        *cmp = temporal_cmp(a, b);
        return VR_OK;
    }
    if ((a->type == VR_TYPE_ENUM || a->type == VR_TYPE_SET) && a->v.u && b->v.u) {
        *cmp = (a->v.u > b->v.u) - (a->v.u < b->v.u);
        return VR_OK;
    }
    if (bytewise(a, cs)) {
        *cmp = bytes_cmp(a, b, !vr_type_is_binary(a->type) && a->charset != VR_CHARSET_BINARY);
        return VR_OK;
    }
    return server_cmp(c, cs, a, b, cmp, err);
}
