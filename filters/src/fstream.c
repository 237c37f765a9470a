/*
 * fstream.c - a vr_vstream with a filter applied (see vr_filter.h).
 *
 * State per transaction: BEGIN is held until the first row that passes,
 * then sent; the projected FIELD of a plan is sent before its first ROW
 * (and again after a schema change, which builds a new plan); a
 * transaction that ends with nothing sent becomes one OTHER event
 * carrying its GTID and position.  Events go out through a small queue
 * (BEGIN, FIELD, ROW at most), all pointing into the source event or the
 * per-event arena, both valid until the source is read again, which only
 * happens once the queue is empty.  One thread at a time.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <mysql.h>

#include "filter_int.h"
#include "vr_common.h"

#define QUEUE_MAX 4

struct vr_fstream {
    vr_vstream_t *vs;
    vr_filter_t *f;
    vr_arena_t *arena;         /* projected rows of the current source event */
    vr_vevent_t queue[QUEUE_MAX];
    size_t qhead, qlen;
    bool in_txn;
    bool sent;                 /* something of this transaction went out */
    vr_vevent_t begin;         /* held BEGIN */
    char begin_gtid[128];
};

static vr_code_t table_hook(void *arg, const vr_vtable_t *t, bool *include, vr_error_t *err)
{
    vr_fstream_t *s = arg;
    const vr_filter_plan_t *p;
    vr_code_t rc = vr_filter_plan(s->f, t, &p, err);
    *include = rc == VR_OK && p != NULL;
    return rc;
}

/* Rules that name a table must name one the source has: a typo would
 * otherwise stream nothing, silently.  Only checkable with a server and a
 * database. */
static vr_code_t check_rule_tables(const vr_vstream_source_t *src, const vr_filter_t *f,
                                   vr_error_t *err)
{
    MYSQL *c;
    size_t i;
    vr_code_t rc = VR_OK;
    unsigned timeout = 10;

    if (src->binlog_file || !src->db || !*src->db)
        return VR_OK;
    c = mysql_init(NULL);
    if (!c)
        return vr_errorf(err, VR_NOMEM, "mysql_init failed");
    mysql_options(c, MYSQL_OPT_CONNECT_TIMEOUT, &timeout);
    if (!mysql_real_connect(c, src->socket ? "localhost" : (src->host ? src->host : "127.0.0.1"),
                            src->user ? src->user : "root", src->password, NULL,
                            src->socket ? 0 : (src->port ? src->port : 3306), src->socket, 0)) {
        rc = vr_error_mysql(err, mysql_errno(c), vr_mysql_errno_retriable(mysql_errno(c)),
                            "checking the filter's tables: %s", mysql_error(c));
        goto out;
    }
    for (i = 0; i < f->nrules && rc == VR_OK; i++) {
        const rule_t *r = &f->rules[i];
        vr_buf_t q = VR_BUF_INIT;
        MYSQL_RES *res;
        if (r->is_regex)
            continue;
        vr_buf_puts(&q, "SELECT 1 FROM information_schema.tables WHERE table_schema = ");
        vr_buf_put_sql_string(&q, src->db, strlen(src->db));
        vr_buf_puts(&q, " AND table_name = ");
        vr_buf_put_sql_string(&q, r->match, strlen(r->match));
        if (mysql_query(c, q.data) != 0 || !(res = mysql_store_result(c))) {
            rc = vr_error_mysql(err, mysql_errno(c), vr_mysql_errno_retriable(mysql_errno(c)),
                                "checking the filter's tables: %s", mysql_error(c));
        } else {
            if (mysql_num_rows(res) == 0)
                rc = vr_errorf(err, VR_NOT_FOUND,
                               "filter rule %zu: table %s not found in database %s", i, r->match,
                               src->db);
            mysql_free_result(res);
        }
        vr_buf_free(&q);
    }
out:
    mysql_close(c);
    return rc;
}

vr_code_t vr_fstream_open(const vr_vstream_opts_t *opts, vr_filter_t *f, vr_fstream_t **out,
                          vr_error_t *err)
{
    vr_fstream_t *s = vr_xcalloc(1, sizeof(*s));
    vr_vstream_opts_t o = *opts;
    vr_code_t rc;

    *out = NULL;
    if ((rc = check_rule_tables(&opts->source, f, err)) != VR_OK) {
        free(s);
        return rc;
    }
    s->f = f;
    s->arena = vr_arena_new(0);
    o.table_fn = table_hook;
    o.table_arg = s;
    o.tables = NULL; /* the rules decide */
    o.ntables = 0;
    if ((rc = vr_vstream_open(&o, &s->vs, err)) != VR_OK) {
        vr_fstream_close(s);
        return rc;
    }
    *out = s;
    return VR_OK;
}

void vr_fstream_close(vr_fstream_t *s)
{
    if (!s)
        return;
    vr_vstream_close(s->vs);
    vr_arena_free(s->arena);
    free(s);
}

const vr_gtid_set_t *vr_fstream_position(const vr_fstream_t *s) { return vr_vstream_position(s->vs); }
vr_vstream_t *vr_fstream_source(vr_fstream_t *s) { return s->vs; }

static void push(vr_fstream_t *s, const vr_vevent_t *ev)
{
    s->queue[(s->qhead + s->qlen) % QUEUE_MAX] = *ev;
    s->qlen++;
}

/* Project one image; *keep false when it does not pass. */
static vr_code_t project(vr_fstream_t *s, const vr_filter_plan_t *p, const vr_value_t *in,
                         const vr_value_t **out, vr_error_t *err)
{
    vr_value_t *vals;
    bool keep;
    vr_code_t rc;

    *out = NULL;
    if (!in)
        return VR_OK;
    vals = vr_arena_alloc(s->arena, (p->table.nfields ? p->table.nfields : 1) * sizeof(*vals));
    if ((rc = vr_filter_plan_row(p, in, s->arena, &keep, vals, err)) != VR_OK)
        return rc;
    if (keep)
        *out = vals;
    return VR_OK;
}

static vr_code_t filter_rows(vr_fstream_t *s, const vr_vevent_t *ev, vr_error_t *err)
{
    const vr_filter_plan_t *p;
    vr_vrow_t *rows;
    vr_vevent_t out;
    size_t i, n = 0;
    vr_code_t rc;

    if ((rc = vr_filter_plan(s->f, ev->table, &p, err)) != VR_OK || !p)
        return rc;
    rows = vr_arena_calloc(s->arena, (ev->nrows ? ev->nrows : 1) * sizeof(*rows));
    for (i = 0; i < ev->nrows; i++) {
        const vr_value_t *b, *a;
        if ((rc = project(s, p, ev->rows[i].before, &b, err)) != VR_OK ||
            (rc = project(s, p, ev->rows[i].after, &a, err)) != VR_OK)
            return rc;
        if (!b && !a)
            continue;
        rows[n].before = b;
        rows[n].after = a;
        n++;
    }
    if (n == 0)
        return VR_OK;
    if (s->in_txn && !s->sent)
        push(s, &s->begin);
    s->sent = true;
    if (!p->announced) {
        vr_vevent_t field = *ev;
        field.type = VR_VEVENT_FIELD;
        field.table = &p->table;
        field.nrows = 0;
        field.rows = NULL;
        push(s, &field);
        ((vr_filter_plan_t *)p)->announced = true;
    }
    out = *ev;
    out.table = &p->table;
    out.rows = rows;
    out.nrows = n;
    push(s, &out);
    return VR_OK;
}

/* Turn one source event into zero or more queued events. */
static vr_code_t handle(vr_fstream_t *s, const vr_vevent_t *ev, vr_error_t *err)
{
    vr_vevent_t other;
    vr_code_t rc;

    switch (ev->type) {
    case VR_VEVENT_BEGIN:
        s->in_txn = true;
        s->sent = false;
        s->begin = *ev;
        snprintf(s->begin_gtid, sizeof(s->begin_gtid), "%s", ev->gtid ? ev->gtid : "");
        s->begin.gtid = s->begin_gtid;
        return VR_OK;
    case VR_VEVENT_FIELD: {
        const vr_filter_plan_t *p; /* (re)build now: errors surface at the schema change */
        return vr_filter_plan(s->f, ev->table, &p, err);
    }
    case VR_VEVENT_ROW:
        rc = filter_rows(s, ev, err);
        if (rc != VR_OK && err)
            vr_error_prefix(err, "filtering %s at %s", ev->table->name, ev->gtid);
        return rc;
    case VR_VEVENT_GTID:
        if (!s->in_txn || s->sent)
            push(s, ev);
        return VR_OK;
    case VR_VEVENT_COMMIT:
    case VR_VEVENT_ROLLBACK:
        if (s->in_txn && !s->sent) {
            other = *ev;
            other.type = VR_VEVENT_OTHER;
            push(s, &other);
        } else {
            push(s, ev);
        }
        s->in_txn = false;
        s->sent = false;
        return VR_OK;
    case VR_VEVENT_DDL:
    case VR_VEVENT_HEARTBEAT:
    case VR_VEVENT_OTHER:
        push(s, ev);
        return VR_OK;
    }
    return vr_errorf(err, VR_INTERNAL, "filtered stream: unknown event type %d", (int)ev->type);
}

vr_code_t vr_fstream_next(vr_fstream_t *s, const vr_vevent_t **ev, vr_error_t *err)
{
    vr_code_t rc;

    *ev = NULL;
    while (s->qlen == 0) {
        const vr_vevent_t *src;
        vr_arena_reset(s->arena);
        if ((rc = vr_vstream_next(s->vs, &src, err)) != VR_OK)
            return rc;
        if (!src)
            return VR_OK; /* stop position or end of file */
        if ((rc = handle(s, src, err)) != VR_OK)
            return rc;
    }
    *ev = &s->queue[s->qhead];
    s->qhead = (s->qhead + 1) % QUEUE_MAX;
    s->qlen--;
    return VR_OK;
}
