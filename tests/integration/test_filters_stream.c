/*
 * A filtered stream from a real mariadbd: only the matched table, only
 * rows in the keyrange, projected columns; an update that moves a row
 * out of the keyrange arrives as a delete; transactions with nothing for
 * the stream arrive as OTHER so the position still advances.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "vr_common.h"
#include "vr_filter.h"
#include "vr_harness.h"
#include "vr_vschema.h"

static const char *VSCHEMA =
    "{\"sharded\": true, \"vindexes\": {\"hash\": {\"type\": \"hash\"}},"
    " \"tables\": {\"customer\": {\"column_vindexes\": [{\"column\": \"cid\", \"name\": \"hash\"}]}}}";

static void trace_image(vr_buf_t *b, const vr_vtable_t *t, const vr_value_t *v)
{
    uint32_t i;
    for (i = 0; i < t->nfields; i++) {
        if (i)
            vr_buf_putc(b, ',');
        vr_value_append_text(b, &v[i]);
    }
}

/* one line per event: "BEGIN", "FIELD customer(cid,name)", "ROW ins 1,sougou", ... */
static void trace(vr_buf_t *b, const vr_vevent_t *ev)
{
    size_t i;
    uint32_t f;
    switch (ev->type) {
    case VR_VEVENT_FIELD:
        vr_buf_printf(b, "FIELD %s(", ev->table->name);
        for (f = 0; f < ev->table->nfields; f++)
            vr_buf_printf(b, "%s%s", f ? "," : "", ev->table->fields[f].name);
        vr_buf_puts(b, ")\n");
        return;
    case VR_VEVENT_ROW:
        for (i = 0; i < ev->nrows; i++) {
            const vr_vrow_t *r = &ev->rows[i];
            vr_buf_printf(b, "ROW %s %s ", ev->table->name,
                          !r->before ? "ins" : !r->after ? "del" : "upd");
            trace_image(b, ev->table, r->after ? r->after : r->before);
            vr_buf_putc(b, '\n');
        }
        return;
    default:
        vr_buf_printf(b, "%s\n", vr_vevent_type_name(ev->type));
        return;
    }
}

Test(filters_stream, keyrange_projection_and_other, .timeout = 120)
{
    vr_h_server_t *s = vr_h_server_start(NULL);
    MYSQL *c = vr_h_connect(s, NULL);
    vr_vschema_t *vs = NULL;
    vr_filter_t *f = NULL;
    vr_fstream_t *fs = NULL;
    vr_filter_rule_t rule = {"customer", "select cid, name from customer where in_keyrange('-80')"};
    vr_vstream_opts_t o = {0};
    vr_buf_t got = VR_BUF_INIT;
    vr_error_t err;
    int ends = 0;

    vr_h_exec(c, "create database vt_customer");
    vr_h_exec(c, "create table vt_customer.customer(cid int primary key, name varbinary(128), "
                 "balance int)");
    vr_h_exec(c, "create table vt_customer.audit(id int primary key)");
    cr_assert_eq(vr_vschema_parse("customer", VSCHEMA, &vs, &err), VR_OK, "%s", err.msg);
    cr_assert_eq(vr_filter_new(&rule, 1, vs, &f, &err), VR_OK, "%s", err.msg);
    o.source.host = "127.0.0.1";
    o.source.port = (unsigned)vr_h_server_port(s);
    o.source.user = "root";
    o.source.db = "vt_customer";
    o.position = "current";
    cr_assert_eq(vr_fstream_open(&o, f, &fs, &err), VR_OK, "%s", err.msg);

    vr_h_exec(c, "insert into vt_customer.customer values (1, 'sougou', 10)"); /* -80 */
    vr_h_exec(c, "insert into vt_customer.customer values (6, 'demmer', 20)"); /* 80- */
    vr_h_exec(c, "update vt_customer.customer set balance = 11 where cid = 1");
    vr_h_exec(c, "update vt_customer.customer set cid = 7 where cid = 6"); /* 80- to 80- */
    vr_h_exec(c, "update vt_customer.customer set cid = 6 where cid = 1");    /* moves out */
    vr_h_exec(c, "insert into vt_customer.audit values (1)");                 /* not matched */

    while (ends < 6) {
        const vr_vevent_t *ev;
        cr_assert_eq(vr_fstream_next(fs, &ev, &err), VR_OK, "%s", err.msg);
        cr_assert_not_null(ev);
        if (ev->type == VR_VEVENT_HEARTBEAT)
            continue;
        trace(&got, ev);
        if (ev->type == VR_VEVENT_COMMIT || ev->type == VR_VEVENT_OTHER)
            ends++;
    }
    cr_assert_str_eq(got.data,
                     "BEGIN\n"
                     "FIELD customer(cid,name)\n"
                     "ROW customer ins 1,sougou\n"
                     "GTID\nCOMMIT\n"
                     "OTHER\n"
                     "BEGIN\n"
                     "ROW customer upd 1,sougou\n"
                     "GTID\nCOMMIT\n"
                     "OTHER\n"
                     "BEGIN\n"
                     "ROW customer del 1,sougou\n"
                     "GTID\nCOMMIT\n"
                     "OTHER\n");
    vr_buf_free(&got);
    vr_fstream_close(fs);
    vr_filter_free(f);
    vr_vschema_free(vs);
    mysql_close(c);
    vr_h_server_stop(s);
}

Test(filters_stream, unknown_table_in_a_rule_fails_at_start, .timeout = 120)
{
    vr_h_server_t *s = vr_h_server_start(NULL);
    MYSQL *c = vr_h_connect(s, NULL);
    vr_filter_t *f = NULL;
    vr_fstream_t *fs = NULL;
    vr_filter_rule_t rules[] = {{"t", ""}, {"nope", "select * from nope"}};
    vr_vstream_opts_t o = {0};
    vr_error_t err;

    vr_h_exec(c, "create database d");
    vr_h_exec(c, "create table d.t(id int primary key)");
    cr_assert_eq(vr_filter_new(rules, 2, NULL, &f, &err), VR_OK, "%s", err.msg);
    o.source.host = "127.0.0.1";
    o.source.port = (unsigned)vr_h_server_port(s);
    o.source.user = "root";
    o.source.db = "d";
    o.position = "current";
    cr_assert_eq(vr_fstream_open(&o, f, &fs, &err), VR_NOT_FOUND);
    cr_assert_null(fs);
    cr_assert_str_eq(err.msg, "filter rule 1: table nope not found in database d");
    vr_filter_free(f);
    mysql_close(c);
    vr_h_server_stop(s);
}

Test(filters_stream, unknown_column_fails_when_the_table_is_seen, .timeout = 120)
{
    vr_h_server_t *s = vr_h_server_start(NULL);
    MYSQL *c = vr_h_connect(s, NULL);
    vr_filter_t *f = NULL;
    vr_fstream_t *fs = NULL;
    vr_filter_rule_t rule = {"t", "select id, nope from t"};
    vr_vstream_opts_t o = {0};
    vr_error_t err;
    vr_code_t rc = VR_OK;

    vr_h_exec(c, "create database d");
    vr_h_exec(c, "create table d.t(id int primary key)");
    cr_assert_eq(vr_filter_new(&rule, 1, NULL, &f, &err), VR_OK, "%s", err.msg);
    o.source.host = "127.0.0.1";
    o.source.port = (unsigned)vr_h_server_port(s);
    o.source.user = "root";
    o.source.db = "d";
    o.position = "current";
    cr_assert_eq(vr_fstream_open(&o, f, &fs, &err), VR_OK, "%s", err.msg);
    vr_h_exec(c, "insert into d.t values (1)");
    for (int i = 0; i < 1000 && rc == VR_OK; i++) {
        const vr_vevent_t *ev;
        rc = vr_fstream_next(fs, &ev, &err);
    }
    cr_assert_neq(rc, VR_OK);
    cr_assert(strstr(err.msg, "column nope not found in table t"), "%s", err.msg);
    vr_fstream_close(fs);
    vr_filter_free(f);
    mysql_close(c);
    vr_h_server_stop(s);
}
