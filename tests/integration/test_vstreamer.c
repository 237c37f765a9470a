/*
 * test_vstreamer.c - the vstreamer against real mariadbd servers.
 *
 *  - every column type with edge values, compared with what SELECT returns
 *  - a random workload decoded by us and by `mariadb-binlog --verbose` from
 *    the same binlog file, compared line by line (and network == file)
 *  - resume after the connection drops mid-transaction, after the dump
 *    thread is killed, and after the server itself is killed
 *  - start from a GTID in the middle; bad positions; DDL and FIELD;
 *    heartbeats; binlog_row_metadata=MINIMAL; the `vrepl vstream` CLI
 */
#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "vr_common.h"
#include "vr_harness.h"
#include "vr_topo.h"
#include "vr_value.h"
#include "vr_vstream.h"
#include "vstream_int.h"

/* Every test uses the same .timeout: with different values Criterion 2.4's
 * runner leaks a block per test (LeakSanitizer fails the ASan build). */

/* ---- helpers ------------------------------------------------------------ */

static vr_vstream_opts_t opts_for(const vr_h_server_t *srv)
{
    vr_vstream_opts_t o;
    memset(&o, 0, sizeof(o));
    o.source.host = "127.0.0.1";
    o.source.port = (unsigned)vr_h_server_port(srv);
    o.source.user = "root";
    o.heartbeat_ms = 200;
    return o;
}

static vr_vstream_t *open_stream(const vr_vstream_opts_t *o)
{
    vr_vstream_t *s = NULL;
    vr_error_t err;
    cr_assert_eq(vr_vstream_open(o, &s, &err), VR_OK, "open: %s", err.msg);
    return s;
}

/* Next non-heartbeat event; fails the test on error or end of stream. */
static const vr_vevent_t *next_ev(vr_vstream_t *s)
{
    const vr_vevent_t *ev;
    vr_error_t err;
    for (;;) {
        cr_assert_eq(vr_vstream_next(s, &ev, &err), VR_OK, "next: %s", err.msg);
        cr_assert_not_null(ev, "stream ended early");
        if (ev->type != VR_VEVENT_HEARTBEAT)
            return ev;
    }
}

static char *value_text(const vr_value_t *v)
{
    vr_buf_t b = VR_BUF_INIT;
    vr_value_append_text(&b, v);
    return vr_buf_detach(&b);
}

static char *value_json(const vr_value_t *v)
{
    vr_buf_t b = VR_BUF_INIT;
    vr_value_append_json(&b, v);
    return vr_buf_detach(&b);
}

static int field_index(const vr_vtable_t *t, const char *name)
{
    uint32_t k;
    for (k = 0; k < t->nfields; k++)
        if (strcmp(t->fields[k].name, name) == 0)
            return (int)k;
    cr_assert_fail("no field %s", name);
    return -1;
}

/* Row images of one table collected from a stream until it stops. */
typedef struct collected {
    vr_arena_t *a;
    vr_vtable_t *table;     /* last FIELD seen (copied) */
    size_t n;
    vr_value_t **after;     /* copies in a */
    vr_value_t **before;
    size_t fields_events;
} collected_t;

static vr_value_t *copy_image(vr_arena_t *a, const vr_value_t *src, uint32_t n)
{
    vr_value_t *v;
    uint32_t k;
    if (!src)
        return NULL;
    v = vr_arena_memdup(a, src, n * sizeof(*v));
    for (k = 0; k < n; k++)
        if (v[k].s)
            v[k].s = vr_arena_memdup(a, v[k].s, v[k].len + 1);
    return v;
}

static void collect_until_end(vr_vstream_t *s, collected_t *c)
{
    const vr_vevent_t *ev;
    vr_error_t err;
    size_t cap = 0;
    memset(c, 0, sizeof(*c));
    c->a = vr_arena_new(1 << 20);
    for (;;) {
        cr_assert_eq(vr_vstream_next(s, &ev, &err), VR_OK, "next: %s", err.msg);
        if (!ev)
            break;
        if (ev->type == VR_VEVENT_FIELD) {
            uint32_t k;
            vr_vfield_t *f;
            c->fields_events++;
            c->table = vr_arena_memdup(c->a, ev->table, sizeof(*ev->table));
            f = vr_arena_memdup(c->a, ev->table->fields,
                                ev->table->nfields * sizeof(vr_vfield_t));
            for (k = 0; k < ev->table->nfields; k++)
                f[k].name = vr_arena_strdup(c->a, f[k].name);
            c->table->fields = f;
        }
        if (ev->type == VR_VEVENT_ROW) {
            size_t i;
            for (i = 0; i < ev->nrows; i++) {
                if (c->n == cap) {
                    cap = cap ? cap * 2 : 64;
                    c->after = vr_xrealloc(c->after, cap * sizeof(*c->after));
                    c->before = vr_xrealloc(c->before, cap * sizeof(*c->before));
                }
                c->after[c->n] = copy_image(c->a, ev->rows[i].after, ev->table->nfields);
                c->before[c->n] = copy_image(c->a, ev->rows[i].before, ev->table->nfields);
                c->n++;
            }
        }
    }
}

static void collected_free(collected_t *c)
{
    free(c->after);
    free(c->before);
    vr_arena_free(c->a);
}

static char *current_pos(MYSQL *c)
{
    return vr_h_scalar(c, "SELECT @@global.gtid_binlog_pos");
}

/* ---- every type, edge values -------------------------------------------- */

static const char *types_ddl =
    "CREATE TABLE t.ty (id INT PRIMARY KEY, ti TINYINT, tiu TINYINT UNSIGNED, "
    "si SMALLINT, siu SMALLINT UNSIGNED, mi MEDIUMINT, miu MEDIUMINT UNSIGNED, "
    "i INT, iu INT UNSIGNED, bi BIGINT, biu BIGINT UNSIGNED, fl FLOAT, db DOUBLE, "
    "de DECIMAL(65,30), de2 DECIMAL(10,2) UNSIGNED, yr YEAR, bt BIT(64), bt1 BIT(1), "
    "dt DATE, tm TIME, tm3 TIME(3), tm6 TIME(6), dtm DATETIME, dtm6 DATETIME(6), "
    "ts TIMESTAMP(6) NULL DEFAULT NULL, ts0 TIMESTAMP NULL DEFAULT NULL, c CHAR(10), "
    "c255 CHAR(255), cb BINARY(4), vc VARCHAR(300), vb VARBINARY(20), "
    "e ENUM('a','b','ç😀'), s SET('x','y','z'), tb TINYBLOB, tt TINYTEXT, bl BLOB, "
    "tx TEXT, mb MEDIUMBLOB, mt MEDIUMTEXT, lb LONGBLOB, lt LONGTEXT, j JSON, "
    "g GEOMETRY, cl VARCHAR(10) CHARACTER SET latin1)";

static const char *const type_cols[] = {
    "id", "ti", "tiu", "si", "siu", "mi", "miu", "i", "iu", "bi", "biu", "fl", "db",
    "de", "de2", "yr", "bt", "bt1", "dt", "tm", "tm3", "tm6", "dtm", "dtm6", "ts",
    "ts0", "c", "c255", "cb", "vc", "vb", "e", "s", "tb", "tt", "bl", "tx", "mb",
    "mt", "lb", "lt", "j", "g", "cl"};

static void insert_type_rows(MYSQL *c)
{
    vr_h_exec(c, "SET time_zone='+00:00'");
    vr_h_exec(c, "INSERT INTO t.ty VALUES (1, -128, 0, -32768, 0, -8388608, 0, -2147483648, 0,"
                 " -9223372036854775808, 0, -3.40282e38, -1.7976931348623157e308,"
                 " '-99999999999999999999999999999999999.999999999999999999999999999999',"
                 " 0, 1901, b'0', b'0', '1000-01-01', '-838:59:59', '-838:59:58.999',"
                 " '-00:00:00.000001', '1000-01-01 00:00:00', '1000-01-01 00:00:00.000000',"
                 " '1970-01-01 00:00:01.000000', '1970-01-01 00:00:01', '', '', 0x00, '',"
                 " '', 'a', '', '', '', '', '', '', '', '', '', '[]',"
                 " ST_GeomFromText('POINT(0 0)'), '')");
    vr_h_exec(c, "INSERT INTO t.ty VALUES (2, 127, 255, 32767, 65535, 8388607, 16777215,"
                 " 2147483647, 4294967295, 9223372036854775807, 18446744073709551615,"
                 " 3.40282e38, 1.7976931348623157e308,"
                 " '99999999999999999999999999999999999.999999999999999999999999999999',"
                 " 99999999.99, 2155, 0xFFFFFFFFFFFFFFFF, b'1', '9999-12-31', '838:59:59',"
                 " '838:59:59.999', '838:59:59.999999', '9999-12-31 23:59:59',"
                 " '9999-12-31 23:59:59.999999', '2038-01-19 03:14:07.999999',"
                 " '2038-01-19 03:14:07', 'zzzzzzzzzz', REPEAT('ñ',255), 0xFFFFFFFF,"
                 " REPEAT('😀',300), REPEAT(0xFF,20), 'ç😀', 'x,y,z', REPEAT('b',255),"
                 " REPEAT('t',255), REPEAT(0x01,65535), REPEAT('é',30000),"
                 " REPEAT(0x02,100000), REPEAT('m',70000), REPEAT(0x03,70000),"
                 " REPEAT('l',70000), '{\"k\": \"v😀\", \"n\": [1, 2.5, null, true]}',"
                 " ST_GeomFromText('POLYGON((0 0,10 0,10 10,0 10,0 0))'), 'é€')");
    vr_h_exec(c, "INSERT INTO t.ty (id) VALUES (3)");
    vr_h_exec(c, "INSERT INTO t.ty VALUES (4, -5, 5, -2, 2, -3, 3, -4, 4, -6, 6, 0.1, -0.5,"
                 " '-0.000000000000000000000000000001', 0.01, 2024, b'101', b'1',"
                 " '2024-02-29', '-00:00:01', '-00:00:01.500', '12:34:56.000789',"
                 " '2024-01-02 03:04:05', '2024-01-02 03:04:05.678901',"
                 " '2024-06-30 23:59:59.5', '2000-02-29 12:00:00', 'a b  ', 'héllo',"
                 " 'ab', 'quote''s \\\\ \\n tab\\t', 0x00FF00, 'b', 'x,z', 0x00, 'multi\\nline',"
                 " '', '日本語', X'', '', '', '', '\"just a string\"',"
                 " ST_GeomFromText('LINESTRING(1 1,2 2)'), 'Ünïcödé')");
}

/* SELECT text of every column, BIT as a number, in type_cols order. */
static MYSQL_RES *select_types(MYSQL *c)
{
    MYSQL_RES *res;
    vr_h_exec(c, "SET time_zone='+00:00'");
    cr_assert_eq(mysql_query(c, "SELECT id, ti, tiu, si, siu, mi, miu, i, iu, bi, biu, fl, db, de,"
                                " de2, yr, CAST(bt AS UNSIGNED), CAST(bt1 AS UNSIGNED), dt, tm,"
                                " tm3, tm6, dtm, dtm6, ts, ts0, c, c255, cb, vc, vb, e, s, tb, tt,"
                                " bl, tx, mb, mt, lb, lt, j, g, CAST(cl AS BINARY) FROM t.ty ORDER BY id"),
                 0,
                 "%s", mysql_error(c));
    res = mysql_store_result(c);
    cr_assert_not_null(res);
    return res;
}

static void compare_image(const vr_vtable_t *t, const vr_value_t *vals, MYSQL_ROW row,
                          const unsigned long *lens)
{
    size_t k;
    for (k = 0; k < VR_ARRAY_LEN(type_cols); k++) {
        int fi = field_index(t, type_cols[k]);
        const vr_value_t *v = &vals[fi];
        char *txt;
        if (!row[k]) {
            cr_assert(v->is_null, "%s: stream has a value, SELECT NULL", type_cols[k]);
            continue;
        }
        cr_assert_not(v->is_null, "%s: stream NULL, SELECT '%s'", type_cols[k], row[k]);
        if (v->type == VR_TYPE_FLOAT32) {
            cr_assert_eq((float)v->v.d, strtof(row[k], NULL), "%s", type_cols[k]);
            continue;
        }
        if (v->type == VR_TYPE_FLOAT64) {
            cr_assert_eq(v->v.d, strtod(row[k], NULL), "%s", type_cols[k]);
            continue;
        }
        txt = value_text(v);
        cr_assert(strlen(txt) == lens[k] || v->len == lens[k], "%s: length", type_cols[k]);
        if (vr_type_is_text(v->type) || vr_type_is_binary(v->type) || v->type == VR_TYPE_JSON)
            cr_assert(v->len == lens[k] && memcmp(v->s, row[k], lens[k]) == 0,
                      "%s: bytes differ (stream %zu bytes, SELECT %lu)", type_cols[k],
                      v->len, lens[k]);
        else
            cr_assert_str_eq(txt, row[k], "%s", type_cols[k]);
        free(txt);
    }
}

Test(vstreamer, every_type_with_edge_values, .timeout = 120)
{
    vr_h_server_t *srv = vr_h_server_start(NULL);
    MYSQL *c = vr_h_connect(srv, NULL);
    vr_vstream_opts_t o = opts_for(srv);
    vr_vstream_t *s;
    collected_t got;
    MYSQL_RES *res;
    MYSQL_ROW row;
    char *start, *j;
    size_t i = 0;
    int fj, fe, fvb;
    vr_h_exec(c, "CREATE DATABASE t CHARACTER SET utf8mb4");
    vr_h_exec(c, "%s", types_ddl);
    start = current_pos(c);
    insert_type_rows(c);
    o.position = start;
    o.stop_position = "current";
    s = open_stream(&o);
    collect_until_end(s, &got);
    cr_assert_eq(got.n, 4);
    cr_assert_eq(got.fields_events, 1);
    cr_assert_eq(got.table->fields[field_index(got.table, "j")].type, VR_TYPE_JSON);
    cr_assert_eq(got.table->fields[field_index(got.table, "cb")].type, VR_TYPE_BINARY);
    cr_assert_eq(got.table->fields[field_index(got.table, "biu")].type, VR_TYPE_UINT64);
    cr_assert_eq(got.table->fields[field_index(got.table, "lb")].type, VR_TYPE_BLOB);
    cr_assert_eq(got.table->fields[field_index(got.table, "lt")].type, VR_TYPE_TEXT);
    cr_assert_eq(got.table->npk, 1);
    res = select_types(c);
    while ((row = mysql_fetch_row(res))) {
        cr_assert_lt(i, got.n);
        compare_image(got.table, got.after[i], row, mysql_fetch_lengths(res));
        i++;
    }
    cr_assert_eq(i, 4);
    mysql_free_result(res);
    /* JSON renderings of row 2 */
    fj = field_index(got.table, "j");
    fe = field_index(got.table, "e");
    fvb = field_index(got.table, "vb");
    j = value_json(&got.after[1][fj]);
    cr_assert_str_eq(j, "{\"k\": \"v😀\", \"n\": [1, 2.5, null, true]}");
    free(j);
    j = value_json(&got.after[1][fe]);
    cr_assert_str_eq(j, "\"ç😀\"");
    free(j);
    j = value_json(&got.after[1][fvb]);
    cr_assert_str_eq(j, "\"//////////////////////////8=\"");
    free(j);
    j = value_json(&got.after[3][fj]); /* a JSON string */
    cr_assert_str_eq(j, "\"just a string\"");
    free(j);
    collected_free(&got);
    vr_vstream_close(s);
    free(start);
    mysql_close(c);
    vr_h_server_stop(srv);
}

Test(vstreamer, update_delete_images_ddl_and_fields, .timeout = 120)
{
    vr_h_server_t *srv = vr_h_server_start(NULL);
    MYSQL *c = vr_h_connect(srv, NULL);
    vr_vstream_opts_t o = opts_for(srv);
    vr_vstream_t *s;
    const vr_vevent_t *ev;
    char *t;
    vr_h_exec(c, "CREATE DATABASE t CHARACTER SET utf8mb4");
    vr_h_exec(c, "CREATE TABLE t.a (id INT PRIMARY KEY, v VARCHAR(10))");
    vr_h_exec(c, "CREATE TABLE t.other (id INT PRIMARY KEY)");
    s = open_stream(&o); /* from "current" */
    vr_h_exec(c, "INSERT INTO t.a VALUES (1,'x')");
    vr_h_exec(c, "UPDATE t.a SET v='y' WHERE id=1");
    vr_h_exec(c, "INSERT INTO t.other VALUES (1)");
    vr_h_exec(c, "ALTER TABLE t.a ADD COLUMN w INT NOT NULL DEFAULT 7");
    vr_h_exec(c, "DELETE FROM t.a WHERE id=1");
    cr_assert_eq(next_ev(s)->type, VR_VEVENT_BEGIN);
    ev = next_ev(s);
    cr_assert_eq(ev->type, VR_VEVENT_FIELD);
    cr_assert_eq(ev->table->nfields, 2);
    cr_assert_str_eq(ev->table->fields[1].name, "v");
    cr_assert(ev->table->fields[0].flags & VR_FIELD_PK);
    ev = next_ev(s);
    cr_assert_eq(ev->type, VR_VEVENT_ROW);
    cr_assert_null(ev->rows[0].before);
    cr_assert_eq(next_ev(s)->type, VR_VEVENT_GTID);
    ev = next_ev(s);
    cr_assert_eq(ev->type, VR_VEVENT_COMMIT);
    cr_assert_not_null(ev->position);
    cr_assert_eq(next_ev(s)->type, VR_VEVENT_BEGIN);
    ev = next_ev(s);
    cr_assert_eq(ev->type, VR_VEVENT_ROW); /* no second FIELD */
    t = value_text(&ev->rows[0].before[1]);
    cr_assert_str_eq(t, "x");
    free(t);
    t = value_text(&ev->rows[0].after[1]);
    cr_assert_str_eq(t, "y");
    free(t);
    cr_assert_eq(next_ev(s)->type, VR_VEVENT_GTID);
    cr_assert_eq(next_ev(s)->type, VR_VEVENT_COMMIT);
    cr_assert_eq(next_ev(s)->type, VR_VEVENT_BEGIN); /* t.other is included too */
    cr_assert_eq(next_ev(s)->type, VR_VEVENT_FIELD);
    cr_assert_eq(next_ev(s)->type, VR_VEVENT_ROW);
    cr_assert_eq(next_ev(s)->type, VR_VEVENT_GTID);
    cr_assert_eq(next_ev(s)->type, VR_VEVENT_COMMIT);
    cr_assert_eq(next_ev(s)->type, VR_VEVENT_GTID);
    ev = next_ev(s);
    cr_assert_eq(ev->type, VR_VEVENT_DDL);
    cr_assert(strstr(ev->statement, "ADD COLUMN w") != NULL);
    cr_assert_eq(next_ev(s)->type, VR_VEVENT_BEGIN);
    ev = next_ev(s);
    cr_assert_eq(ev->type, VR_VEVENT_FIELD, "schema change sends FIELD again");
    cr_assert_eq(ev->table->nfields, 3);
    ev = next_ev(s);
    cr_assert_eq(ev->type, VR_VEVENT_ROW);
    cr_assert_null(ev->rows[0].after);
    t = value_text(&ev->rows[0].before[2]);
    cr_assert_str_eq(t, "7");
    free(t);
    vr_vstream_close(s);
    mysql_close(c);
    vr_h_server_stop(srv);
}

/* A stream of one database: DDL is that database's when the statement
 * names it, even with another (or no) default database, and not when it
 * names another one. */
Test(vstreamer, ddl_of_the_streamed_database, .timeout = 120)
{
    vr_h_server_t *srv = vr_h_server_start(NULL);
    MYSQL *c = vr_h_connect(srv, NULL), *u;
    vr_vstream_opts_t o = opts_for(srv);
    vr_vstream_t *s;
    const vr_vevent_t *ev;
    vr_h_exec(c, "CREATE DATABASE t");
    vr_h_exec(c, "CREATE DATABASE u");
    vr_h_exec(c, "CREATE TABLE t.a (id INT PRIMARY KEY)");
    o.source.db = "t";
    s = open_stream(&o); /* from "current" */
    vr_h_exec(c, "ALTER TABLE t.a ADD COLUMN v INT"); /* no default database */
    vr_h_exec(c, "CREATE TABLE u.b (id INT PRIMARY KEY)");
    vr_h_exec(c, "CREATE TABLE `t`.`c` (id INT PRIMARY KEY)");
    u = vr_h_connect(srv, "u");
    vr_h_exec(u, "ALTER TABLE t.a ADD COLUMN w INT"); /* default database u */
    vr_h_exec(u, "CREATE TABLE d (id INT PRIMARY KEY)");
    mysql_close(u);
    vr_h_exec(c, "INSERT INTO t.a VALUES (1, 2, 3)");
    {
        /* the events up to the insert's row, GTIDs left out */
        static const struct { vr_vevent_type_t type; const char *text; } want[] = {
            {VR_VEVENT_DDL, "ADD COLUMN v"}, {VR_VEVENT_OTHER, NULL},
            {VR_VEVENT_DDL, "`t`.`c`"},      {VR_VEVENT_DDL, "ADD COLUMN w"},
            {VR_VEVENT_OTHER, NULL},         {VR_VEVENT_BEGIN, NULL},
            {VR_VEVENT_FIELD, NULL},         {VR_VEVENT_ROW, NULL}};
        size_t i;
        for (i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
            while ((ev = next_ev(s))->type == VR_VEVENT_GTID)
                ;
            cr_assert_eq(ev->type, want[i].type, "event %zu: type %d, want %d (%s)", i,
                         (int)ev->type, (int)want[i].type, ev->statement ? ev->statement : "");
            if (want[i].text)
                cr_assert(strstr(ev->statement, want[i].text), "%s", ev->statement);
        }
    }
    vr_vstream_close(s);
    mysql_close(c);
    vr_h_server_stop(srv);
}

/* ---- random workload vs mariadb-binlog ------------------------------------ */

static uint64_t rng_state = 0x9E3779B97F4A7C15ULL;
static uint64_t rnd(void)
{
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return rng_state;
}
static long rnd_range(long lo, long hi) { return lo + (long)(rnd() % (uint64_t)(hi - lo + 1)); }

static void rnd_string(vr_buf_t *b, size_t maxlen, bool binary)
{
    static const char *const pieces[] = {"a", "Z", "é", "😀", " ", "''", "\\\\", "\\n", "0",
                                         "日", "\\t", "%"};
    size_t n = (size_t)rnd_range(0, (long)maxlen), i;
    if (binary) {
        vr_buf_puts(b, "0x");
        if (n == 0)
            vr_buf_puts(b, "00");
        for (i = 0; i < n; i++)
            vr_buf_printf(b, "%02x", (unsigned)(rnd() & 0xFF));
        return;
    }
    vr_buf_putc(b, '\'');
    for (i = 0; i < n; i++)
        vr_buf_puts(b, pieces[rnd() % VR_ARRAY_LEN(pieces)]);
    vr_buf_putc(b, '\'');
}

static void rnd_value(vr_buf_t *b, int col)
{
    if (col > 0 && rnd() % 8 == 0) {
        vr_buf_puts(b, "NULL");
        return;
    }
    switch (col) {
    case 1: vr_buf_printf(b, "%ld", rnd_range(-128, 127)); break;
    case 2: vr_buf_printf(b, "%ld", rnd_range(0, 255)); break;
    case 3: vr_buf_printf(b, "%ld", rnd_range(-32768, 32767)); break;
    case 4: vr_buf_printf(b, "%ld", rnd_range(0, 16777215)); break;
    case 5: vr_buf_printf(b, "%ld", rnd_range(-2147483648L, 2147483647L)); break;
    case 6: vr_buf_printf(b, "%lld", (long long)rnd()); break;
    case 7: vr_buf_printf(b, "%llu", (unsigned long long)rnd()); break;
    case 8: vr_buf_printf(b, "%.3f", (double)rnd_range(-100000, 100000) / 7.0); break;
    case 9: vr_buf_printf(b, "%.10g", (double)(int64_t)rnd() / 1e9); break;
    case 10: vr_buf_printf(b, "'%ld.%06ld'", rnd_range(-99999999999999L, 99999999999999L),
                           rnd_range(0, 999999)); break;
    case 11: vr_buf_printf(b, "%ld", rnd_range(1901, 2155)); break;
    case 12: vr_buf_printf(b, "%ld", rnd_range(0, 4095)); break;
    case 13: vr_buf_printf(b, "'%04ld-%02ld-%02ld'", rnd_range(1000, 9999), rnd_range(1, 12),
                           rnd_range(1, 28)); break;
    case 14: vr_buf_printf(b, "'%s%ld:%02ld:%02ld.%02ld'", rnd() % 2 ? "-" : "",
                           rnd_range(0, 838), rnd_range(0, 59), rnd_range(0, 59),
                           rnd_range(0, 99)); break;
    case 15: vr_buf_printf(b, "'%04ld-%02ld-%02ld %02ld:%02ld:%02ld.%03ld'", rnd_range(1000, 9999),
                           rnd_range(1, 12), rnd_range(1, 28), rnd_range(0, 23),
                           rnd_range(0, 59), rnd_range(0, 59), rnd_range(0, 999)); break;
    case 16: vr_buf_printf(b, "FROM_UNIXTIME(%ld.%04ld)", rnd_range(1, 2147483647L),
                           rnd_range(0, 9999)); break;
    case 17: rnd_string(b, 8, false); break;
    case 18: rnd_string(b, 40, false); break;
    case 19: rnd_string(b, 16, true); break;
    case 20: vr_buf_printf(b, "%ld", rnd_range(1, 3)); break;
    case 21: vr_buf_printf(b, "%ld", rnd_range(0, 15)); break;
    case 22: rnd_string(b, 300, false); break;
    case 23: rnd_string(b, 300, true); break;
    default: vr_buf_puts(b, "NULL"); break;
    }
}

#define W_NCOLS 24
static const char *const w_cols[W_NCOLS] = {"id", "a", "au", "b", "c", "d", "e", "eu", "f", "g",
                                            "h", "y", "bt", "dt", "tm", "dtm", "ts", "ch", "vc",
                                            "vb", "en", "st", "tx", "bl"};

static void random_workload(MYSQL *c, int ops)
{
    int i, next_id = 1;
    vr_h_exec(c, "SET time_zone='+00:00'");
    for (i = 0; i < ops; i++) {
        vr_buf_t q = VR_BUF_INIT;
        int kind = (int)(rnd() % 10), k, n;
        if (rnd() % 4 == 0)
            vr_h_exec(c, "BEGIN");
        if (kind < 5 || next_id < 5) {
            n = (int)rnd_range(1, 4);
            vr_buf_puts(&q, "INSERT INTO t.w VALUES ");
            for (k = 0; k < n; k++) {
                int col;
                vr_buf_printf(&q, "%s(%d", k ? "," : "", next_id++);
                for (col = 1; col < W_NCOLS; col++) {
                    vr_buf_putc(&q, ',');
                    rnd_value(&q, col);
                }
                vr_buf_putc(&q, ')');
            }
        } else if (kind < 8) {
            int col = (int)rnd_range(1, W_NCOLS - 1), col2 = (int)rnd_range(1, W_NCOLS - 1);
            vr_buf_printf(&q, "UPDATE t.w SET %s=", w_cols[col]);
            rnd_value(&q, col);
            vr_buf_printf(&q, ", %s=", w_cols[col2]);
            rnd_value(&q, col2);
            vr_buf_printf(&q, " WHERE id BETWEEN %ld AND %ld", rnd_range(1, next_id),
                          rnd_range(1, next_id));
        } else {
            vr_buf_printf(&q, "DELETE FROM t.w WHERE id=%ld", rnd_range(1, next_id));
        }
        vr_h_exec(c, "%s", q.data);
        vr_buf_free(&q);
        if (rnd() % 3 == 0)
            vr_h_exec(c, "COMMIT");
    }
    vr_h_exec(c, "COMMIT");
}

/* mariadb-binlog's rendering of a value (sql/log_event_client.cc). */
static void quoted_bytes(vr_buf_t *b, const char *s, size_t n)
{
    size_t i;
    vr_buf_putc(b, '\'');
    for (i = 0; i < n; i++) {
        unsigned char ch = (unsigned char)s[i];
        if (ch > 0x1F)
            vr_buf_putc(b, (char)ch);
        else
            vr_buf_printf(b, "\\x%02x", ch);
    }
    vr_buf_putc(b, '\'');
}

static void int_with_unsigned(vr_buf_t *b, const vr_value_t *v, unsigned bits)
{
    uint64_t mask = bits == 64 ? UINT64_MAX : ((1ULL << bits) - 1);
    uint64_t u = (vr_type_is_unsigned(v->type) ? v->v.u : (uint64_t)v->v.i) & mask;
    int64_t s = bits == 64 ? (int64_t)u
                           : (int64_t)(u << (64 - bits)) >> (64 - bits);
    vr_buf_printf(b, "%lld", (long long)s);
    if (s < 0)
        vr_buf_printf(b, " (%llu)", (unsigned long long)u);
}

static void mb_value(vr_buf_t *b, const vr_vfield_t *f, const vr_value_t *v)
{
    char tmp[400];
    if (v->is_null) {
        vr_buf_puts(b, "NULL");
        return;
    }
    switch (v->type) {
    case VR_TYPE_INT8: case VR_TYPE_UINT8: int_with_unsigned(b, v, 8); return;
    case VR_TYPE_INT16: case VR_TYPE_UINT16: int_with_unsigned(b, v, 16); return;
    case VR_TYPE_INT24: case VR_TYPE_UINT24: int_with_unsigned(b, v, 24); return;
    case VR_TYPE_INT32: case VR_TYPE_UINT32: int_with_unsigned(b, v, 32); return;
    case VR_TYPE_INT64: case VR_TYPE_UINT64: int_with_unsigned(b, v, 64); return;
    case VR_TYPE_FLOAT32:
        snprintf(tmp, sizeof(tmp), "%-20g", (double)(float)v->v.d);
        vr_buf_puts(b, tmp);
        return;
    case VR_TYPE_FLOAT64:
        snprintf(tmp, sizeof(tmp), "%-.20g", v->v.d);
        vr_buf_puts(b, tmp);
        return;
    case VR_TYPE_YEAR:
        vr_buf_printf(b, "%04lld", (long long)v->v.i);
        return;
    case VR_TYPE_BIT: {
        uint32_t i;
        vr_buf_puts(b, "b'");
        for (i = f->length; i > 0; i--)
            vr_buf_putc(b, (v->v.u >> (i - 1)) & 1 ? '1' : '0');
        vr_buf_putc(b, '\'');
        return;
    }
    case VR_TYPE_DATE:
        vr_buf_printf(b, "'%04d:%02u:%02u'", (int)v->v.tm.year, v->v.tm.month, v->v.tm.day);
        return;
    case VR_TYPE_TIMESTAMP: {
        struct tm tmv;
        time_t sec;
        memset(&tmv, 0, sizeof(tmv));
        tmv.tm_year = v->v.tm.year - 1900;
        tmv.tm_mon = v->v.tm.month - 1;
        tmv.tm_mday = v->v.tm.day;
        tmv.tm_hour = (int)v->v.tm.hour;
        tmv.tm_min = v->v.tm.minute;
        tmv.tm_sec = v->v.tm.second;
        sec = v->v.tm.year ? timegm(&tmv) : 0;
        vr_buf_printf(b, "%lld", (long long)sec);
        if (f->decimals) {
            static const uint32_t div[7] = {1000000, 100000, 10000, 1000, 100, 10, 1};
            vr_buf_printf(b, ".%0*u", f->decimals, v->v.tm.usec / div[f->decimals]);
        }
        return;
    }
    case VR_TYPE_ENUM:
        vr_buf_printf(b, "%llu", (unsigned long long)v->v.u);
        return;
    case VR_TYPE_SET: {
        int i;
        vr_buf_puts(b, "b'");
        for (i = 7; i >= 0; i--) /* 4 members: a 1-byte set */
            vr_buf_putc(b, (v->v.u >> i) & 1 ? '1' : '0');
        vr_buf_putc(b, '\'');
        return;
    }
    case VR_TYPE_DECIMAL:
        vr_buf_append(b, v->s, v->len);
        return;
    case VR_TYPE_TIME: case VR_TYPE_DATETIME: {
        char *t = value_text(v);
        vr_buf_printf(b, "'%s'", t);
        free(t);
        return;
    }
    default:
        quoted_bytes(b, v->s, v->len);
        return;
    }
}

static void mb_image(vr_buf_t *b, const vr_vtable_t *t, const vr_value_t *vals)
{
    uint32_t k;
    for (k = 0; k < t->nfields; k++) {
        vr_buf_printf(b, "###   @%u=", k + 1);
        mb_value(b, &t->fields[k], &vals[k]);
        vr_buf_putc(b, '\n');
    }
}

/* Our decoding of the stream, rendered as mariadb-binlog's ### lines. */
static char *render_like_mariadb_binlog(vr_vstream_t *s, size_t *rows)
{
    vr_buf_t b = VR_BUF_INIT;
    const vr_vevent_t *ev;
    vr_error_t err;
    *rows = 0;
    vr_buf_append(&b, "", 0);
    for (;;) {
        size_t i;
        cr_assert_eq(vr_vstream_next(s, &ev, &err), VR_OK, "next: %s", err.msg);
        if (!ev)
            break;
        if (ev->type != VR_VEVENT_ROW)
            continue;
        for (i = 0; i < ev->nrows; i++) {
            const vr_vrow_t *r = &ev->rows[i];
            if (r->before && r->after) {
                vr_buf_printf(&b, "### UPDATE `%s`.`%s`\n### WHERE\n", ev->table->db,
                              ev->table->name);
                mb_image(&b, ev->table, r->before);
                vr_buf_puts(&b, "### SET\n");
                mb_image(&b, ev->table, r->after);
            } else if (r->after) {
                vr_buf_printf(&b, "### INSERT INTO `%s`.`%s`\n### SET\n", ev->table->db,
                              ev->table->name);
                mb_image(&b, ev->table, r->after);
            } else {
                vr_buf_printf(&b, "### DELETE FROM `%s`.`%s`\n### WHERE\n", ev->table->db,
                              ev->table->name);
                mb_image(&b, ev->table, r->before);
            }
            (*rows)++;
        }
    }
    return vr_buf_detach(&b);
}

/* Keep only the "### " lines of mariadb-binlog's output. */
static char *hash_lines(const char *out)
{
    vr_buf_t b = VR_BUF_INIT;
    const char *p = out;
    vr_buf_append(&b, "", 0);
    while (*p) {
        const char *nl = strchr(p, '\n');
        size_t n = nl ? (size_t)(nl - p) : strlen(p);
        if (n >= 4 && strncmp(p, "### ", 4) == 0) {
            vr_buf_append(&b, p, n);
            vr_buf_putc(&b, '\n');
        }
        p += n + (nl ? 1 : 0);
    }
    return vr_buf_detach(&b);
}

static void assert_same_lines(const char *want, const char *got)
{
    size_t line = 1;
    const char *a = want, *b = got;
    while (*a && *b) {
        const char *ea = strchr(a, '\n'), *eb = strchr(b, '\n');
        size_t na = ea ? (size_t)(ea - a) : strlen(a), nb = eb ? (size_t)(eb - b) : strlen(b);
        if (na != nb || memcmp(a, b, na) != 0)
            cr_assert_fail("line %zu differs:\n mariadb-binlog: %.*s\n vstreamer:      %.*s",
                           line, (int)na, a, (int)nb, b);
        a += na + (ea ? 1 : 0);
        b += nb + (eb ? 1 : 0);
        line++;
    }
    cr_assert(!*a && !*b, "different number of lines (at line %zu)", line);
}

/* A random workload on a server started with server_args: our decoding
 * of its binlog file and of the network stream against mariadb-binlog's. */
static void workload_matches_mariadb_binlog(const char *server_args)
{
    vr_h_server_opts_t so = {0};
    vr_h_server_t *srv;
    MYSQL *c;
    vr_vstream_opts_t o;
    vr_vstream_t *s;
    char *start, *base, *path, *out = NULL, *want, *got_file, *got_net;
    size_t rows_file, rows_net;
    int rc;
    so.extra_args = server_args;
    srv = vr_h_server_start(&so);
    c = vr_h_connect(srv, NULL);
    o = opts_for(srv);
    vr_h_exec(c, "CREATE DATABASE t CHARACTER SET utf8mb4");
    vr_h_exec(c, "CREATE TABLE t.w (id INT PRIMARY KEY, a TINYINT, au TINYINT UNSIGNED,"
                 " b SMALLINT, c MEDIUMINT UNSIGNED, d INT, e BIGINT, eu BIGINT UNSIGNED,"
                 " f FLOAT, g DOUBLE, h DECIMAL(20,6), y YEAR, bt BIT(12), dt DATE,"
                 " tm TIME(2), dtm DATETIME(3), ts TIMESTAMP(4) NULL DEFAULT NULL,"
                 " ch CHAR(8), vc VARCHAR(40), vb VARBINARY(16), en ENUM('r','g','b'),"
                 " st SET('p','q','r','s'), tx TEXT, bl BLOB)");
    vr_h_exec(c, "FLUSH BINARY LOGS");
    start = current_pos(c);
    base = vr_h_scalar(c, "SELECT @@global.log_bin_basename");
    {   /* the binlog file the workload goes to */
        MYSQL_RES *res;
        MYSQL_ROW row;
        cr_assert_eq(mysql_query(c, "SHOW MASTER STATUS"), 0);
        res = mysql_store_result(c);
        row = mysql_fetch_row(res);
        path = vr_xasprintf("%.*s/%s", (int)(strrchr(base, '/') - base), base, row[0]);
        mysql_free_result(res);
    }
    /* a DDL in the file: a compressed QUERY event when compressing */
    vr_h_exec(c, "ALTER TABLE t.w COMMENT 'rows of every type, written at random'");
    random_workload(c, 1500);
    vr_h_exec(c, "FLUSH BINARY LOGS"); /* close the file */

    rc = vr_h_run(&out, "mariadb-binlog --no-defaults --verbose --base64-output=DECODE-ROWS %s",
                  path);
    cr_assert_eq(rc, 0, "mariadb-binlog failed: %s", out);
    if (server_args && strstr(server_args, "compress"))
        cr_assert(strstr(out, "Write_compressed_rows") && strstr(out, "Update_compressed_rows") &&
                      strstr(out, "Delete_compressed_rows") && strstr(out, "Query_compressed"),
                  "the server did not compress its events");
    want = hash_lines(out);

    memset(&o.source, 0, sizeof(o.source));
    o.source.binlog_file = path;
    o.position = NULL;
    s = open_stream(&o);
    got_file = render_like_mariadb_binlog(s, &rows_file);
    vr_vstream_close(s);
    cr_assert_gt(rows_file, 1000, "only %zu rows", rows_file);
    assert_same_lines(want, got_file);

    o = opts_for(srv);
    o.position = start;
    o.stop_position = "current";
    s = open_stream(&o);
    got_net = render_like_mariadb_binlog(s, &rows_net);
    vr_vstream_close(s);
    cr_assert_eq(rows_net, rows_file);
    cr_assert_str_eq(got_net, got_file, "network and file decoding differ");
    free(got_net);
    free(got_file);
    free(want);
    free(out);
    free(path);
    free(base);
    free(start);
    mysql_close(c);
    vr_h_server_stop(srv);
}

Test(vstreamer, random_workload_matches_mariadb_binlog, .timeout = 120)
{
    workload_matches_mariadb_binlog(NULL);
}

/* log_bin_compress: the events come compressed (query text and row
 * images), and decode to the same rows */
Test(vstreamer, compressed_binlog_matches_mariadb_binlog, .timeout = 120)
{
    workload_matches_mariadb_binlog("--log-bin-compress=ON --log-bin-compress-min-len=10");
}

/* ---- resume --------------------------------------------------------------- */

/* Read events until the COMMIT of the transaction that inserted `last`,
 * appending every inserted id to ids. */
static void read_ids_until(vr_vstream_t *s, int last, int *ids, size_t *n)
{
    bool seen_last = false;
    for (;;) {
        const vr_vevent_t *ev = next_ev(s);
        size_t i;
        if (ev->type == VR_VEVENT_COMMIT && seen_last)
            return;
        if (ev->type != VR_VEVENT_ROW)
            continue;
        for (i = 0; i < ev->nrows; i++) {
            int id = (int)ev->rows[i].after[0].v.i;
            ids[(*n)++] = id;
            if (id == last)
                seen_last = true;
        }
    }
}

static char *dump_thread_id(MYSQL *c)
{
    return vr_h_scalar(c, "SELECT ID FROM information_schema.PROCESSLIST WHERE COMMAND "
                          "LIKE 'Binlog Dump%%' LIMIT 1");
}

static bool has_dump_thread(void *arg)
{
    char *id = dump_thread_id(arg);
    bool ok = *id != '\0';
    free(id);
    return ok;
}

static bool purge_all_but_current(void *arg)
{
    MYSQL *c = arg;
    MYSQL_RES *res;
    MYSQL_ROW row;
    bool done;
    cr_assert_eq(mysql_query(c, "SHOW MASTER STATUS"), 0);
    res = mysql_store_result(c);
    row = mysql_fetch_row(res);
    vr_h_exec(c, "PURGE BINARY LOGS TO '%s'", row[0]);
    mysql_free_result(res);
    cr_assert_eq(mysql_query(c, "SHOW BINARY LOGS"), 0);
    res = mysql_store_result(c);
    done = mysql_num_rows(res) == 1;
    mysql_free_result(res);
    return done;
}

Test(vstreamer, resume_after_the_connection_dies, .timeout = 120)
{
    vr_h_server_t *srv = vr_h_server_start(NULL);
    MYSQL *c = vr_h_connect(srv, NULL);
    vr_vstream_opts_t o = opts_for(srv);
    vr_vstream_t *s;
    const vr_vevent_t *ev;
    vr_vstream_stats_t st;
    int ids[64];
    size_t n = 0, i;
    char *tid;
    vr_h_exec(c, "CREATE DATABASE t");
    vr_h_exec(c, "CREATE TABLE t.r (id INT PRIMARY KEY)");
    o.retries = 30;
    s = open_stream(&o);

    /* 1. the connection drops in the middle of a transaction */
    vr_h_exec(c, "BEGIN");
    vr_h_exec(c, "INSERT INTO t.r VALUES (1)");
    vr_h_exec(c, "INSERT INTO t.r VALUES (2)");
    vr_h_exec(c, "INSERT INTO t.r VALUES (3)");
    vr_h_exec(c, "COMMIT");
    cr_assert_eq(next_ev(s)->type, VR_VEVENT_BEGIN);
    cr_assert_eq(next_ev(s)->type, VR_VEVENT_FIELD);
    ev = next_ev(s);
    cr_assert_eq(ev->type, VR_VEVENT_ROW);
    ids[n++] = (int)ev->rows[0].after[0].v.i;
    vr_vstream_debug_drop(s);
    read_ids_until(s, 3, ids, &n);
    vr_vstream_stats(s, &st);
    cr_assert_eq(st.reconnects, 1);

    /* 2. the source kills the dump thread between transactions */
    cr_assert(vr_h_wait_until(has_dump_thread, c, 10000));
    tid = dump_thread_id(c);
    vr_h_exec(c, "KILL %s", tid);
    free(tid);
    vr_h_exec(c, "INSERT INTO t.r VALUES (4),(5)");
    read_ids_until(s, 5, ids, &n);

    /* 3. the source server itself dies and comes back */
    vr_h_server_kill(srv);
    vr_h_server_restart(srv);
    mysql_close(c);
    c = vr_h_connect(srv, NULL);
    vr_h_exec(c, "INSERT INTO t.r VALUES (6)");
    read_ids_until(s, 6, ids, &n);
    vr_vstream_stats(s, &st);
    cr_assert_geq(st.reconnects, 3);

    cr_assert_eq(n, 6, "got %zu ids", n);
    for (i = 0; i < n; i++)
        cr_assert_eq(ids[i], (int)i + 1, "ids[%zu] = %d: lost or repeated", i, ids[i]);
    vr_vstream_close(s);
    mysql_close(c);
    vr_h_server_stop(srv);
}

/* ---- positions ------------------------------------------------------------ */

Test(vstreamer, start_from_a_gtid_in_the_middle_and_bad_positions, .timeout = 120)
{
    vr_h_server_t *srv = vr_h_server_start(NULL);
    MYSQL *c = vr_h_connect(srv, NULL);
    vr_vstream_opts_t o = opts_for(srv);
    vr_vstream_t *s;
    const vr_vevent_t *ev;
    vr_error_t err;
    collected_t got;
    char *mid = NULL, *fut;
    int i;
    vr_h_exec(c, "CREATE DATABASE t");
    vr_h_exec(c, "CREATE TABLE t.m (id INT PRIMARY KEY)");
    for (i = 1; i <= 10; i++) {
        vr_h_exec(c, "INSERT INTO t.m VALUES (%d)", i);
        if (i == 5)
            mid = current_pos(c);
    }
    o.position = mid;
    o.stop_position = "current";
    s = open_stream(&o);
    collect_until_end(s, &got);
    cr_assert_eq(got.n, 5);
    for (i = 0; i < 5; i++)
        cr_assert_eq(got.after[i][0].v.i, i + 6);
    {
        char *pos = vr_gtid_set_to_string(vr_vstream_position(s));
        char *cur = current_pos(c);
        cr_assert_str_eq(pos, cur);
        free(pos);
        free(cur);
    }
    collected_free(&got);
    vr_vstream_close(s);

    /* malformed */
    o.position = "0-1-x";
    cr_assert_eq(vr_vstream_open(&o, &s, &err), VR_PARSE);
    cr_assert(strstr(err.msg, "malformed GTID '0-1-x'") != NULL, "%s", err.msg);

    /* a position the source never had: clear error, position kept */
    fut = vr_xasprintf("0-%u-999999", vr_h_server_id(srv));
    o.position = fut;
    o.stop_position = NULL;
    s = open_stream(&o);
    cr_assert_neq(vr_vstream_next(s, &ev, &err), VR_OK);
    cr_assert_eq(err.mysql_errno, 1236, "%s", err.msg);
    cr_assert(strstr(err.msg, "cannot send the binlog from this position") != NULL, "%s",
              err.msg);
    {
        char *pos = vr_gtid_set_to_string(vr_vstream_position(s));
        cr_assert_str_eq(pos, fut);
        free(pos);
    }
    vr_vstream_close(s);

    /* purged binlogs (a file is purged once no dump thread reads it and
     * InnoDB no longer needs it for recovery: retry until it is gone) */
    vr_h_exec(c, "FLUSH BINARY LOGS");
    cr_assert(vr_h_wait_until(purge_all_but_current, c, 20000), "binlogs were not purged");
    o.position = mid;
    s = open_stream(&o);
    cr_assert_neq(vr_vstream_next(s, &ev, &err), VR_OK);
    cr_assert_eq(err.mysql_errno, 1236, "%s", err.msg);
    vr_vstream_close(s);
    free(fut);
    free(mid);
    mysql_close(c);
    vr_h_server_stop(srv);
}

/* ---- heartbeats, table lists, MINIMAL metadata ------------------------------ */

Test(vstreamer, heartbeats_and_minimal_metadata, .timeout = 120)
{
    vr_h_server_opts_t so = {0, false, "--binlog-row-metadata=MINIMAL"};
    vr_h_server_t *srv = vr_h_server_start(&so);
    MYSQL *c = vr_h_connect(srv, NULL);
    vr_vstream_opts_t o = opts_for(srv);
    const char *tables[] = {"t.keep"};
    vr_vstream_t *s;
    const vr_vevent_t *ev;
    vr_error_t err;
    int heartbeats = 0;
    char *t;
    vr_h_exec(c, "CREATE DATABASE t");
    vr_h_exec(c, "CREATE TABLE t.keep (a INT UNSIGNED, id INT, j JSON, PRIMARY KEY (id, a))");
    vr_h_exec(c, "CREATE TABLE t.skip (id INT PRIMARY KEY)");
    o.tables = tables;
    o.ntables = 1;
    s = open_stream(&o);
    while (heartbeats < 2) { /* idle: heartbeats every 200 ms */
        cr_assert_eq(vr_vstream_next(s, &ev, &err), VR_OK, "%s", err.msg);
        cr_assert_eq(ev->type, VR_VEVENT_HEARTBEAT);
        heartbeats++;
    }
    vr_h_exec(c, "INSERT INTO t.skip VALUES (1)");
    vr_h_exec(c, "INSERT INTO t.keep VALUES (4294967295, 1, '[1]')");
    ev = next_ev(s);
    cr_assert_eq(ev->type, VR_VEVENT_OTHER, "t.skip is not in the list");
    cr_assert_not_null(ev->position);
    cr_assert_eq(next_ev(s)->type, VR_VEVENT_BEGIN);
    ev = next_ev(s);
    cr_assert_eq(ev->type, VR_VEVENT_FIELD);
    /* no names/PK in MINIMAL metadata: information_schema supplies them */
    cr_assert_str_eq(ev->table->fields[0].name, "a");
    cr_assert_str_eq(ev->table->fields[2].name, "j");
    cr_assert_eq(ev->table->fields[2].type, VR_TYPE_JSON);
    cr_assert_eq(ev->table->npk, 2);
    cr_assert_eq(ev->table->pk[0], 1);
    cr_assert_eq(ev->table->pk[1], 0);
    ev = next_ev(s);
    cr_assert_eq(ev->type, VR_VEVENT_ROW);
    t = value_text(&ev->rows[0].after[0]);
    cr_assert_str_eq(t, "4294967295");
    free(t);
    vr_vstream_close(s);
    mysql_close(c);
    vr_h_server_stop(srv);
}

/* ---- the CLI ----------------------------------------------------------------- */

Test(vstreamer, cli_prints_json_events, .timeout = 120)
{
    vr_h_server_t *srv;
    MYSQL *c;
    char *start, *out = NULL;
    int rc;
    if (access(vr_h_vrepl_bin(), X_OK) != 0)
        cr_skip_test("%s is not built", vr_h_vrepl_bin());
    srv = vr_h_server_start(NULL);
    c = vr_h_connect(srv, NULL);
    vr_h_exec(c, "CREATE DATABASE customer CHARACTER SET utf8mb4");
    vr_h_exec(c, "CREATE TABLE customer.orders (oid BIGINT PRIMARY KEY, cid INT, mname"
                 " VARCHAR(20), price DECIMAL(10,2), at DATETIME, note BLOB)");
    start = current_pos(c);
    vr_h_exec(c, "INSERT INTO customer.orders VALUES (1, 1, 'monoprice', 10, "
                 "'2024-11-21 00:00:00', 0x0001)");
    rc = vr_h_run(&out, "%s vstream --source mariadb://root@127.0.0.1:%d/customer "
                        "--position '%s' --stop-position current --tables orders",
                  vr_h_vrepl_bin(), vr_h_server_port(srv), start);
    cr_assert_eq(rc, 0, "%s", out);
    cr_assert(strstr(out, "\"type\":\"ROW\",\"db\":\"customer\",\"table\":\"orders\"") != NULL,
              "%s", out);
    cr_assert(strstr(out, "\"before\":null,\"after\":{\"oid\":1,\"cid\":1,\"mname\":\"monoprice\","
                          "\"price\":\"10.00\",\"at\":\"2024-11-21 00:00:00\",\"note\":\"AAE=\"}}")
                  != NULL, "%s", out);
    cr_assert(strstr(out, "\"type\":\"COMMIT\"") != NULL, "%s", out);
    free(out);
    rc = vr_h_run(&out, "%s vstream --source mariadb://root@127.0.0.1:%d --position 'bad'",
                  vr_h_vrepl_bin(), vr_h_server_port(srv));
    cr_assert_eq(rc, 1);
    cr_assert(strstr(out, "malformed GTID 'bad'") != NULL, "%s", out);
    free(out);
    free(start);
    mysql_close(c);
    vr_h_server_stop(srv);
}

Test(vstreamer, cli_streams_a_tablet_of_the_topology, .timeout = 120)
{
    vr_h_server_t *srv;
    MYSQL *c;
    vr_topo_t *topo = NULL;
    vr_tablet_t tab;
    vr_error_t err;
    char *var, *path, *start, *out = NULL;
    int rc;
    if (access(vr_h_vrepl_bin(), X_OK) != 0)
        cr_skip_test("%s is not built", vr_h_vrepl_bin());
    srv = vr_h_server_start(NULL);
    c = vr_h_connect(srv, NULL);
    vr_h_exec(c, "CREATE DATABASE vt_customer");
    vr_h_exec(c, "CREATE TABLE vt_customer.orders (oid INT PRIMARY KEY, price DECIMAL(6,2))");
    vr_h_exec(c, "CREATE DATABASE other");
    vr_h_exec(c, "CREATE TABLE other.orders (oid INT PRIMARY KEY)");
    var = vr_h_tmpdir("vstream-topo");
    path = vr_xasprintf("%s/topo.db", var);
    cr_assert_eq(vr_topo_open(path, &topo, &err), VR_OK, "%s", err.msg);
    cr_assert_eq(vr_topo_create_keyspace(topo, "customer", &err), VR_OK, "%s", err.msg);
    cr_assert_eq(vr_topo_create_shard(topo, "customer", "-80", &err), VR_OK, "%s", err.msg);
    memset(&tab, 0, sizeof(tab));
    snprintf(tab.alias, sizeof(tab.alias), "zone1-0000000100");
    snprintf(tab.cell, sizeof(tab.cell), "zone1");
    tab.uid = 100;
    snprintf(tab.keyspace, sizeof(tab.keyspace), "customer");
    snprintf(tab.shard, sizeof(tab.shard), "-80");
    tab.type = VR_TABLET_PRIMARY;
    snprintf(tab.host, sizeof(tab.host), "127.0.0.1");
    tab.port = vr_h_server_port(srv);
    snprintf(tab.db_name, sizeof(tab.db_name), "vt_customer");
    cr_assert_eq(vr_topo_put_tablet(topo, &tab, &err), VR_OK, "%s", err.msg);
    vr_topo_close(topo);
    start = current_pos(c);
    vr_h_exec(c, "INSERT INTO other.orders VALUES (9)");
    vr_h_exec(c, "INSERT INTO vt_customer.orders VALUES (1, 10)");
    rc = vr_h_run(&out, "%s vstream --var %s --keyspace customer --shard -80 --position '%s' "
                        "--stop-position current", vr_h_vrepl_bin(), var, start);
    cr_assert_eq(rc, 0, "%s", out);
    cr_assert(strstr(out, "{\"type\":\"ROW\",\"keyspace\":\"customer\",\"shard\":\"-80\","
                          "\"table\":\"orders\"") != NULL, "%s", out);
    cr_assert(strstr(out, "\"after\":{\"oid\":1,\"price\":\"10.00\"}") != NULL, "%s", out);
    cr_assert(strstr(out, "\"oid\":9") == NULL, "other database leaked in: %s", out);
    free(out);
    rc = vr_h_run(&out, "%s vstream --var %s --keyspace customer --shard 80-", vr_h_vrepl_bin(),
                  var);
    cr_assert_eq(rc, 1);
    cr_assert(strstr(out, "no running primary tablet for customer/80-") != NULL, "%s", out);
    free(out);
    free(start);
    vr_h_rmrf(var);
    free(var);
    free(path);
    mysql_close(c);
    vr_h_server_stop(srv);
}

/* ---- rowstreamer ---------------------------------------------------------- */

typedef struct kv {
    char *key;
    char *row;
} kv_t;

typedef struct table_copy {
    kv_t *e;
    size_t n, cap;
} table_copy_t;

static char *row_text(const vr_vtable_t *t, const vr_value_t *vals)
{
    vr_buf_t b = VR_BUF_INIT;
    uint32_t k;
    for (k = 0; k < t->nfields; k++) {
        if (k)
            vr_buf_putc(&b, '\t');
        vr_value_append_text(&b, &vals[k]);
    }
    return vr_buf_detach(&b);
}

static char *key_text(const vr_vtable_t *t, const vr_value_t *vals)
{
    vr_buf_t b = VR_BUF_INIT;
    vr_buf_printf(&b, "%08lld\t", (long long)vals[t->pk[0]].v.i);
    vr_value_append_text(&b, &vals[t->pk[1]]);
    return vr_buf_detach(&b);
}

static void tc_put(table_copy_t *tc, char *key, char *row)
{
    size_t i;
    for (i = 0; i < tc->n; i++)
        if (strcmp(tc->e[i].key, key) == 0) {
            free(tc->e[i].row);
            free(key);
            tc->e[i].row = row;
            return;
        }
    if (tc->n == tc->cap) {
        tc->cap = tc->cap ? tc->cap * 2 : 256;
        tc->e = vr_xrealloc(tc->e, tc->cap * sizeof(kv_t));
    }
    tc->e[tc->n].key = key;
    tc->e[tc->n].row = row;
    tc->n++;
}

static void tc_del(table_copy_t *tc, const char *key)
{
    size_t i;
    for (i = 0; i < tc->n; i++)
        if (strcmp(tc->e[i].key, key) == 0) {
            free(tc->e[i].key);
            free(tc->e[i].row);
            tc->e[i] = tc->e[--tc->n];
            return;
        }
    cr_assert_fail("delete of a row not in the copy: %s", key);
}

static int kv_cmp(const void *a, const void *b)
{
    return strcmp(((const kv_t *)a)->key, ((const kv_t *)b)->key);
}

static char *tc_dump(table_copy_t *tc)
{
    vr_buf_t b = VR_BUF_INIT;
    size_t i;
    qsort(tc->e, tc->n, sizeof(kv_t), kv_cmp);
    vr_buf_append(&b, "", 0);
    for (i = 0; i < tc->n; i++) {
        vr_buf_puts(&b, tc->e[i].row);
        vr_buf_putc(&b, '\n');
    }
    return vr_buf_detach(&b);
}

static void tc_free(table_copy_t *tc)
{
    size_t i;
    for (i = 0; i < tc->n; i++) {
        free(tc->e[i].key);
        free(tc->e[i].row);
    }
    free(tc->e);
}

static const char *snap_select =
    "SELECT a, b, v, ts, j, CAST(bt AS UNSIGNED), e, bin, note FROM t.s ORDER BY a, b";

Test(vstreamer, rowstream_snapshot_paging_and_catch_up, .timeout = 120)
{
    vr_h_server_t *srv = vr_h_server_start(NULL);
    MYSQL *c = vr_h_connect(srv, NULL);
    vr_rowstream_opts_t ro;
    vr_rowstream_t *rs;
    const vr_rowpacket_t *pkt;
    vr_vstream_opts_t o = opts_for(srv);
    vr_vstream_t *s;
    const vr_vevent_t *ev;
    vr_error_t err;
    table_copy_t tc = {0};
    vr_value_t lastpk[2];
    char *before, *after, *got, *pos, *explain, *k2 = NULL;
    size_t packets = 0, rows = 0, i;
    vr_h_exec(c, "CREATE DATABASE t CHARACTER SET utf8mb4");
    vr_h_exec(c, "CREATE TABLE t.s (a INT, b VARCHAR(20), v DECIMAL(8,2), ts TIMESTAMP(3) NULL,"
                 " j JSON, bt BIT(8), e ENUM('x','y'), bin BINARY(3), note TEXT,"
                 " PRIMARY KEY (a, b))");
    vr_h_exec(c, "SET time_zone='+00:00'");
    vr_h_exec(c, "INSERT INTO t.s SELECT seq DIV 10, CONCAT('k', seq MOD 10), seq / 4,"
                 " IF(seq MOD 7 = 0, NULL, FROM_UNIXTIME(1700000000 + seq + 0.125)),"
                 " CONCAT('{\"n\": ', seq, '}'), seq MOD 256, 1 + seq MOD 2, 'abc',"
                 " IF(seq MOD 3 = 0, NULL, REPEAT('é', seq MOD 50)) FROM t.seq_0_to_2499");
    before = vr_h_query(c, "%s", snap_select);

    memset(&ro, 0, sizeof(ro));
    ro.source = o.source;
    ro.source.db = "t";
    ro.table = "s";
    ro.packet_rows = 1000;
    cr_assert_eq(vr_rowstream_open(&ro, &rs, &err), VR_OK, "%s", err.msg);
    /* changes after the snapshot: not in it, but in the catch-up */
    vr_h_exec(c, "INSERT INTO t.s (a, b, v) VALUES (9999, 'new', 1.5)");
    vr_h_exec(c, "UPDATE t.s SET v = v + 1000, note = 'upd' WHERE a < 5");
    vr_h_exec(c, "DELETE FROM t.s WHERE a BETWEEN 100 AND 110");
    vr_h_exec(c, "UPDATE t.s SET b = 'moved' WHERE a = 200 AND b = 'k3'");
    after = vr_h_query(c, "%s", snap_select);
    cr_assert_str_neq(before, after);

    while (vr_rowstream_next(rs, &pkt, &err) == VR_OK && pkt) {
        cr_assert_eq(pkt->table->npk, 2);
        for (i = 0; i < pkt->nrows; i++)
            tc_put(&tc, key_text(pkt->table, pkt->rows[i]), row_text(pkt->table, pkt->rows[i]));
        if (packets == 0) {
            memcpy(lastpk, pkt->lastpk, sizeof(lastpk));
            k2 = vr_xstrndup(lastpk[1].s, lastpk[1].len);
            lastpk[1].s = k2;
        }
        rows += pkt->nrows;
        packets++;
        if (pkt->done)
            break;
    }
    cr_assert_eq(rows, 2500);
    cr_assert_geq(packets, 3);
    got = tc_dump(&tc);
    cr_assert_str_eq(got, before, "the snapshot is not the table as of its position");
    free(got);
    pos = vr_gtid_set_to_string(vr_rowstream_position(rs));
    vr_rowstream_close(rs);

    /* catch up from the snapshot's position */
    o.position = pos;
    o.stop_position = "current";
    s = open_stream(&o);
    while (vr_vstream_next(s, &ev, &err) == VR_OK && ev) {
        if (ev->type != VR_VEVENT_ROW)
            continue;
        for (i = 0; i < ev->nrows; i++) {
            const vr_vrow_t *r = &ev->rows[i];
            if (r->before) {
                char *key = key_text(ev->table, r->before);
                tc_del(&tc, key);
                free(key);
            }
            if (r->after)
                tc_put(&tc, key_text(ev->table, r->after), row_text(ev->table, r->after));
        }
    }
    vr_vstream_close(s);
    got = tc_dump(&tc);
    cr_assert_str_eq(got, after, "snapshot plus catch-up differs from the table");
    free(got);

    /* resume after the first packet's last key: a range, not a full scan */
    ro.lastpk = lastpk;
    ro.nlastpk = 2;
    cr_assert_eq(vr_rowstream_open(&ro, &rs, &err), VR_OK, "%s", err.msg);
    rows = 0;
    while (vr_rowstream_next(rs, &pkt, &err) == VR_OK && pkt) {
        if (rows == 0 && pkt->nrows) {
            char *first = vr_h_scalar(c, "SELECT a FROM t.s WHERE a > %lld OR (a = %lld AND"
                                         " b > '%s') ORDER BY a, b LIMIT 1",
                                      (long long)lastpk[0].v.i, (long long)lastpk[0].v.i, k2);
            cr_assert_eq(pkt->rows[0][0].v.i, strtoll(first, NULL, 10));
            free(first);
        }
        rows += pkt->nrows;
    }
    vr_rowstream_close(rs);
    {
        char *want = vr_h_scalar(c, "SELECT COUNT(*) FROM t.s WHERE a > %lld OR (a = %lld AND"
                                    " b > '%s')", (long long)lastpk[0].v.i,
                                 (long long)lastpk[0].v.i, k2);
        cr_assert_eq(rows, strtoul(want, NULL, 10));
        free(want);
    }
    explain = vr_h_query(c, "EXPLAIN SELECT a FROM t.s WHERE (a > 99) OR (a = 99 AND b > 'k9')"
                            " ORDER BY a, b");
    cr_assert(strstr(explain, "\trange\t") != NULL, "not a range scan: %s", explain);
    free(explain);

    /* bad input */
    ro.lastpk = NULL;
    ro.table = "nope";
    cr_assert_eq(vr_rowstream_open(&ro, &rs, &err), VR_NOT_FOUND);
    cr_assert(strstr(err.msg, "t.nope") != NULL, "%s", err.msg);
    vr_h_exec(c, "CREATE TABLE t.nopk (x INT)");
    ro.table = "t.nopk";
    cr_assert_eq(vr_rowstream_open(&ro, &rs, &err), VR_UNSUPPORTED);
    cr_assert(strstr(err.msg, "no primary key") != NULL, "%s", err.msg);

    tc_free(&tc);
    free(k2);
    free(pos);
    free(before);
    free(after);
    mysql_close(c);
    vr_h_server_stop(srv);
}
