/*
 * test_vplayer.c - the pure parts of vplayer/: BinlogSource text format,
 * positions, lastpk encoding, stream states, key comparisons, and the SQL
 * the table plans generate for plain and rollup rules.
 */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "vplayer_int.h"

/* ---- BinlogSource ------------------------------------------------------------- */

static char *bs_roundtrip(const char *text)
{
    vr_binlog_source_t bs;
    vr_buf_t b = VR_BUF_INIT;
    vr_error_t err;
    cr_assert_eq(vr_binlog_source_parse(text, &bs, &err), VR_OK, "%s: %s", text, err.msg);
    vr_binlog_source_format(&bs, &b);
    vr_binlog_source_free(&bs);
    return vr_buf_detach(&b);
}

Test(binlog_source, vitess_text_round_trips)
{
    static const char *texts[] = {
        "keyspace:\"product\" shard:\"0\" filter:{rules:{match:\"product\" "
        "filter:\"select * from product\"}}",
        "keyspace:\"customer\" shard:\"-80\" filter:{rules:{match:\"sales\" filter:\"select pid, "
        "count(*) as kount, sum(price) as amount from orders group by pid\"}} on_ddl:EXEC",
        "keyspace:\"customer\" shard:\"80-\" tablet_type:REPLICA filter:{rules:{match:\"/.*\" "
        "filter:\"80-\"}} stop_after_copy:true",
        "keyspace:\"k\" shard:\"0\" filter:{rules:{match:\"t\"} rules:{match:\"u\" "
        "filter:\"select a from u where b = 'it\\\\'s \\\"q\\\"\\n'\"}}",
    };
    size_t i;
    for (i = 0; i < sizeof(texts) / sizeof(texts[0]); i++) {
        char *got = bs_roundtrip(texts[i]);
        cr_assert_str_eq(got, texts[i]);
        free(got);
    }
}

Test(binlog_source, accepts_other_spellings_of_the_text_format)
{
    vr_binlog_source_t bs;
    vr_error_t err;
    const char *t = "# a comment\nkeyspace: \"product\"\nshard: '0'\n"
                    "filter {\n  rules < match: \"product\", filter: \"select \" \"* from product\" >\n}\n"
                    "on_ddl: 1; stop_after_copy: True\n";
    cr_assert_eq(vr_binlog_source_parse(t, &bs, &err), VR_OK, "%s", err.msg);
    cr_assert_str_eq(bs.keyspace, "product");
    cr_assert_str_eq(bs.shard, "0");
    cr_assert_eq(bs.nrules, 1);
    cr_assert_str_eq(bs.rules[0].filter, "select * from product");
    cr_assert_eq(bs.on_ddl, VR_ON_DDL_STOP);
    cr_assert(bs.stop_after_copy);
    vr_binlog_source_free(&bs);
    /* octal and hex escapes decode; UTF-8 passes through */
    cr_assert_eq(vr_binlog_source_parse("keyspace:\"a\\142\\x63\" shard:\"é\" "
                                        "filter:{rules:{match:\"t\"}}",
                                        &bs, &err),
                 VR_OK, "%s", err.msg);
    cr_assert_str_eq(bs.keyspace, "abc");
    cr_assert_str_eq(bs.shard, "é");
    vr_binlog_source_free(&bs);
}

static void bs_fails(const char *text, vr_code_t code, const char *needle)
{
    vr_binlog_source_t bs;
    vr_error_t err;
    cr_assert_eq(vr_binlog_source_parse(text, &bs, &err), code, "%s", text);
    cr_assert(strstr(err.msg, needle) != NULL, "'%s' not in '%s'", needle, err.msg);
    cr_assert_null(bs.keyspace);
    cr_assert_eq(bs.nrules, 0);
}

Test(binlog_source, errors_say_where_and_what)
{
    bs_fails("keyspace:\"p\" shard:\"0\" filter:{rules:{match:\"t\"}} colour:\"red\"", VR_PARSE,
             "unknown BinlogSource field colour at position 51");
    bs_fails("keyspace:\"p\" shard:\"0\" key_range:{end:\"\\x80\"} filter:{rules:{match:\"t\"}}",
             VR_UNSUPPORTED, "key_range");
    bs_fails("keyspace:\"p\" filter:{rules:{match:\"t\" convert_charset:{}}}", VR_UNSUPPORTED,
             "convert_charset");
    bs_fails("keyspace:\"p\" shard:\"0", VR_PARSE, "unterminated string");
    bs_fails("keyspace:\"p\" filter:{rules:{match:\"t\"}", VR_PARSE, "expected '}'");
    bs_fails("keyspace \"p\"", VR_PARSE, "expected ':' or '{' after a field name");
    bs_fails("keyspace:\"p\" filter:{rules:{match:\"t\"}} on_ddl:SOMETIMES", VR_PARSE, "on_ddl");
    bs_fails("keyspace:\"p\" filter:{rules:{match:\"t\"}} stop_after_copy:maybe", VR_PARSE,
             "stop_after_copy");
    bs_fails("shard:\"0\" filter:{rules:{match:\"t\"}}", VR_PARSE, "no keyspace");
    bs_fails("keyspace:\"p\" shard:\"0\"", VR_PARSE, "no filter rules");
    bs_fails("keyspace:p", VR_PARSE, "expected a quoted string");
    bs_fails("keyspace:\"a\\q\"", VR_PARSE, "unknown escape");
    bs_fails("keyspace:\"p\" filter:{rules:{filter:\"x\"}}", VR_PARSE, "has no match");
}

/* ---- positions --------------------------------------------------------------------- */

Test(positions, mariadb_prefix_round_trips)
{
    vr_gtid_set_t s = VR_GTID_SET_INIT;
    vr_buf_t b = VR_BUF_INIT;
    vr_error_t err;
    cr_assert_eq(vr_vrepl_pos_parse("MariaDB/0-101-42,1-201-7", &s, &err), VR_OK, "%s", err.msg);
    vr_vrepl_pos_format(&s, &b);
    cr_assert_str_eq(b.data, "MariaDB/0-101-42,1-201-7");
    cr_assert_eq(vr_vrepl_pos_parse("0-1-5", &s, &err), VR_OK);
    vr_buf_reset(&b);
    vr_vrepl_pos_format(&s, &b);
    cr_assert_str_eq(b.data, "MariaDB/0-1-5");
    cr_assert_eq(vr_vrepl_pos_parse("", &s, &err), VR_OK);
    vr_buf_reset(&b);
    vr_vrepl_pos_format(&s, &b);
    cr_assert_str_eq(b.data, "");
    cr_assert_eq(vr_vrepl_pos_parse("MySQL56/3e11fa47-71ca-11e1-9e33-c80aa9429562:1-5", &s, &err),
                 VR_UNSUPPORTED);
    cr_assert_eq(vr_vrepl_pos_parse("MariaDB/0-x-1", &s, &err), VR_PARSE);
    cr_assert(strstr(err.msg, "MariaDB/0-x-1") != NULL, "%s", err.msg);
    vr_gtid_set_free(&s);
    vr_buf_free(&b);
}

/* ---- lastpk ---------------------------------------------------------------------------- */

static vr_value_t val(vr_type_t t)
{
    vr_value_t v;
    memset(&v, 0, sizeof(v));
    v.type = t;
    return v;
}

static vr_value_t sval(vr_type_t t, const char *s, size_t n, uint16_t charset)
{
    vr_value_t v = val(t);
    v.s = s;
    v.len = n;
    v.charset = charset;
    return v;
}

static void same_values(const vr_value_t *a, const vr_value_t *b, size_t n)
{
    size_t i;
    for (i = 0; i < n; i++) {
        cr_assert_eq(a[i].type, b[i].type, "value %zu", i);
        cr_assert_eq(a[i].is_null, b[i].is_null, "value %zu", i);
        cr_assert_eq(a[i].decimals, b[i].decimals, "value %zu", i);
        cr_assert_eq(a[i].charset, b[i].charset, "value %zu", i);
        if (a[i].is_null)
            continue;
        if (vr_type_is_temporal(a[i].type)) {
            cr_assert_eq(memcmp(&a[i].v.tm, &b[i].v.tm, sizeof(vr_temporal_t)), 0, "value %zu", i);
        } else if (vr_type_is_float(a[i].type)) {
            cr_assert_eq(a[i].v.d, b[i].v.d, "value %zu", i);
        } else if (vr_type_is_signed(a[i].type) || vr_type_is_unsigned(a[i].type)) {
            cr_assert_eq(a[i].v.u, b[i].v.u, "value %zu", i);
        } else {
            cr_assert_eq(a[i].len, b[i].len, "value %zu", i);
            cr_assert_eq(memcmp(a[i].s, b[i].s, a[i].len), 0, "value %zu", i);
        }
    }
}

Test(lastpk, every_key_type_round_trips_exactly)
{
    vr_value_t v[16];
    const char *names[16] = {"i8",  "u64", "f32",  "f64", "dec", "dt",  "tm",  "d",
                             "ts",  "yr",  "bit",  "vc",  "bin", "en",  "nul", "ch"};
    vr_arena_t *a = vr_arena_new(0);
    vr_buf_t b = VR_BUF_INIT, b2 = VR_BUF_INIT;
    vr_value_t *got;
    const char **gnames;
    size_t n, i;
    vr_error_t err;
    v[0] = val(VR_TYPE_INT8), v[0].v.i = -128;
    v[1] = val(VR_TYPE_UINT64), v[1].v.u = UINT64_MAX;
    v[2] = val(VR_TYPE_FLOAT32), v[2].v.d = (double)0.1f;
    v[3] = val(VR_TYPE_FLOAT64), v[3].v.d = -1.0 / 3.0;
    v[4] = sval(VR_TYPE_DECIMAL, "-000012.50", 10, 0), v[4].decimals = 2;
    v[5] = val(VR_TYPE_DATETIME), v[5].decimals = 6;
    v[5].v.tm = (vr_temporal_t){2024, 2, 29, 59, 58, 23, 123456, false};
    v[6] = val(VR_TYPE_TIME), v[6].decimals = 3;
    v[6].v.tm = (vr_temporal_t){0, 0, 0, 5, 6, 838, 500000, true};
    v[7] = val(VR_TYPE_DATE), v[7].v.tm = (vr_temporal_t){0, 0, 0, 0, 0, 0, 0, false};
    v[8] = val(VR_TYPE_TIMESTAMP), v[8].v.tm = (vr_temporal_t){1970, 1, 1, 0, 0, 0, 0, false};
    v[9] = val(VR_TYPE_YEAR), v[9].v.i = 2155;
    v[10] = val(VR_TYPE_BIT), v[10].v.u = 0x8001;
    v[11] = sval(VR_TYPE_VARCHAR, "it's \"é\"\\\n", 12, 45);
    v[12] = sval(VR_TYPE_VARBINARY, "\0\x01\xff\"", 4, 63);
    v[13] = sval(VR_TYPE_ENUM, "small", 5, 8);
    v[14] = vr_value_null(VR_TYPE_INT32);
    v[15] = sval(VR_TYPE_CHAR, "", 0, 8);
    vr_lastpk_format(&b, names, v, 16);
    cr_assert_eq(vr_lastpk_parse(b.data, b.len, a, &got, &gnames, &n, &err), VR_OK, "%s: %s",
                 err.msg, b.data);
    cr_assert_eq(n, 16);
    for (i = 0; i < n; i++)
        cr_assert_str_eq(gnames[i], names[i]);
    same_values(v, got, n);
    vr_lastpk_format(&b2, gnames, got, n);
    cr_assert_str_eq(b.data, b2.data);
    vr_buf_free(&b);
    vr_buf_free(&b2);
    vr_arena_free(a);
}

Test(lastpk, is_vitess_query_result_text)
{
    vr_value_t v[2];
    const char *names[2] = {"id", "name"};
    vr_buf_t b = VR_BUF_INIT;
    v[0] = val(VR_TYPE_INT32), v[0].v.i = 42;
    v[1] = sval(VR_TYPE_VARCHAR, "abc", 3, 45);
    vr_lastpk_format(&b, names, v, 2);
    cr_assert_str_eq(b.data, "fields:{name:\"id\" type:INT32 charset:63} fields:{name:\"name\" "
                             "type:VARCHAR charset:45} rows:{lengths:2 lengths:3 "
                             "values:\"42abc\"}");
    vr_buf_free(&b);
}

Test(lastpk, reads_what_vitess_writes_and_refuses_garbage)
{
    vr_arena_t *a = vr_arena_new(0);
    vr_value_t *v;
    const char **names;
    size_t n;
    vr_error_t err;
    const char *vt = "fields:{name:\"id\" type:INT64 charset:63 flags:53251} "
                     "rows:{lengths:1 values:\"7\"}";
    cr_assert_eq(vr_lastpk_parse(vt, strlen(vt), a, &v, &names, &n, &err), VR_OK, "%s", err.msg);
    cr_assert_eq(n, 1);
    cr_assert_eq(v[0].v.i, 7);
    vt = "fields:{name:\"id\" type:INT64} rows:{lengths:2 values:\"7\"}";
    cr_assert_eq(vr_lastpk_parse(vt, strlen(vt), a, &v, &names, &n, &err), VR_PARSE);
    cr_assert(strstr(err.msg, "lastpk") != NULL, "%s", err.msg);
    vt = "fields:{name:\"id\" type:INT64} rows:{lengths:1 values:\"x\"}";
    cr_assert_eq(vr_lastpk_parse(vt, strlen(vt), a, &v, &names, &n, &err), VR_PARSE);
    cr_assert(strstr(err.msg, "not a valid INT64") != NULL, "%s", err.msg);
    vt = "fields:{name:\"id\" type:WHAT} rows:{}";
    cr_assert_eq(vr_lastpk_parse(vt, strlen(vt), a, &v, &names, &n, &err), VR_PARSE);
    cr_assert(strstr(err.msg, "unknown type WHAT") != NULL, "%s", err.msg);
    vr_arena_free(a);
}

/* ---- states ------------------------------------------------------------------------------ */

Test(states, names_and_transitions)
{
    vr_vrepl_state_t s;
    cr_assert_str_eq(vr_vrepl_state_name(VR_VREPL_COPYING), "Copying");
    cr_assert_eq(vr_vrepl_state_parse("Running", &s, NULL), VR_OK);
    cr_assert_eq(s, VR_VREPL_RUNNING);
    cr_assert_eq(vr_vrepl_state_parse("Lagging", &s, NULL), VR_PARSE);
    cr_assert(vr_vrepl_state_can_move(VR_VREPL_INIT, VR_VREPL_COPYING));
    cr_assert(vr_vrepl_state_can_move(VR_VREPL_COPYING, VR_VREPL_RUNNING));
    cr_assert(vr_vrepl_state_can_move(VR_VREPL_RUNNING, VR_VREPL_STOPPED));
    cr_assert(vr_vrepl_state_can_move(VR_VREPL_ERROR, VR_VREPL_RUNNING));
    cr_assert(vr_vrepl_state_can_move(VR_VREPL_RUNNING, VR_VREPL_RUNNING));
    cr_assert_not(vr_vrepl_state_can_move(VR_VREPL_COPYING, VR_VREPL_INIT));
    cr_assert_not(vr_vrepl_state_can_move(VR_VREPL_STOPPED, VR_VREPL_COPYING));
    cr_assert_not(vr_vrepl_state_can_move(VR_VREPL_RUNNING, VR_VREPL_INIT));
}

Test(states, lag_from_the_row)
{
    vr_vrepl_row_t r;
    memset(&r, 0, sizeof(r));
    r.state = VR_VREPL_RUNNING;
    r.transaction_timestamp = 1000;
    r.time_heartbeat = 990;
    cr_assert_eq(vr_vrepl_row_lag(&r, 1010), 10);
    r.time_heartbeat = 1008; /* idle and caught up */
    cr_assert_eq(vr_vrepl_row_lag(&r, 1010), 2);
    r.state = VR_VREPL_COPYING;
    cr_assert_eq(vr_vrepl_row_lag(&r, 1010), -1);
}

/* ---- key comparisons ------------------------------------------------------------------------ */

Test(keys, compare_exactly_without_a_server)
{
    vr_value_t a = sval(VR_TYPE_DECIMAL, "-12.50", 6, 0), b = sval(VR_TYPE_DECIMAL, "-12.5", 5, 0);
    int c;
    cr_assert_eq(vp_value_cmp(NULL, NULL, &a, &b, &c, NULL), VR_OK);
    cr_assert_eq(c, 0);
    b = sval(VR_TYPE_DECIMAL, "3.1", 3, 0);
    vp_value_cmp(NULL, NULL, &a, &b, &c, NULL);
    cr_assert_lt(c, 0);
    a = sval(VR_TYPE_DECIMAL, "10.01", 5, 0);
    b = sval(VR_TYPE_DECIMAL, "9.999", 5, 0);
    vp_value_cmp(NULL, NULL, &a, &b, &c, NULL);
    cr_assert_gt(c, 0);
    a = sval(VR_TYPE_DECIMAL, "-10.01", 6, 0);
    b = sval(VR_TYPE_DECIMAL, "-9.999", 6, 0);
    vp_value_cmp(NULL, NULL, &a, &b, &c, NULL);
    cr_assert_lt(c, 0);
    a = val(VR_TYPE_TIME), a.v.tm.neg = true, a.v.tm.hour = 5;
    b = val(VR_TYPE_TIME), b.v.tm.neg = true, b.v.tm.hour = 2;
    vp_value_cmp(NULL, NULL, &a, &b, &c, NULL);
    cr_assert_lt(c, 0);
    a = val(VR_TYPE_UINT64), a.v.u = UINT64_MAX;
    b = val(VR_TYPE_INT64), b.v.i = -1;
    vp_value_cmp(NULL, NULL, &a, &b, &c, NULL);
    cr_assert_gt(c, 0);
    a = sval(VR_TYPE_VARBINARY, "ab", 2, 63);
    b = sval(VR_TYPE_VARBINARY, "ab\0", 3, 63);
    vp_value_cmp(NULL, NULL, &a, &b, &c, NULL);
    cr_assert_lt(c, 0);
    /* text in a collation only the server knows: refused without one */
    a = sval(VR_TYPE_VARCHAR, "a", 1, 45);
    cr_assert_eq(vp_value_cmp(NULL, NULL, &a, &a, &c, NULL), VR_UNSUPPORTED);
}

/* ---- table plans ----------------------------------------------------------------------------- */

typedef struct plan_fixture {
    vr_binlog_source_t bs;
    trules_t rules;
    tplan_t *plan;
    vr_vtable_t proj;
    vr_vfield_t fields[8];
    uint32_t pk[2];
    ttable_t tt;
} plan_fixture_t;

/* A compiled one-rule stream; the projected table gets the fields the
 * derived source filter selects. */
static void make_plan(plan_fixture_t *f, const char *match, const char *filter,
                      const char *const *src_pk, size_t nsrc_pk, const char *const *key,
                      size_t nkey)
{
    vr_error_t err;
    const trule_t *r;
    size_t i;
    memset(f, 0, sizeof(*f));
    vr_binlog_source_add_rule(&f->bs, match, filter);
    f->bs.keyspace = vr_xstrdup("customer");
    cr_assert_eq(vp_rules_compile(&f->rules, &f->bs, &err), VR_OK, "%s", err.msg);
    vp_rule_finalize(&f->rules, &f->rules.r[0], src_pk, nsrc_pk);
    r = &f->rules.r[0];
    f->proj.db = "vt_customer";
    f->proj.name = r->source;
    if (r->star) { /* the test gives the table's columns as src_pk + extra */
        f->proj.nfields = 0;
    } else {
        for (i = 0; i < r->nitems; i++) {
            f->fields[i].name = r->items[i];
            f->fields[i].type = VR_TYPE_INT32;
        }
        f->proj.nfields = (uint32_t)r->nitems;
    }
    f->proj.fields = f->fields;
    f->tt.db = "vt_product";
    f->tt.name = r->target;
    f->tt.key = (const char **)key;
    f->tt.nkey = nkey;
}

static void build(plan_fixture_t *f)
{
    vr_error_t err;
    cr_assert_eq(vp_tplan_build(&f->rules.r[0], &f->proj, &f->tt, NULL, &f->plan, &err), VR_OK,
                 "%s", err.msg);
}

static void free_plan(plan_fixture_t *f)
{
    vp_tplan_free(f->plan);
    vp_rules_free(&f->rules);
    vr_binlog_source_free(&f->bs);
}

static vr_value_t ival(int64_t i)
{
    vr_value_t v = val(VR_TYPE_INT32);
    v.v.i = i;
    return v;
}

/* Rows through a script; the SQL text (without begin/commit). */
static char *run_rows(const tplan_t *p, const vr_value_t *const *before,
                      const vr_value_t *const *after, size_t n)
{
    vp_script_t s;
    size_t i;
    char *out;
    vp_script_init(&s, NULL);
    for (i = 0; i < n; i++)
        vp_script_row(&s, p, before[i], after[i], "0-1-9");
    vp_script_close(&s);
    out = vr_xstrdup(s.sql.data ? s.sql.data : "");
    vp_script_free(&s);
    return out;
}

Test(table_plan, plain_select_star)
{
    static const char *key[] = {"pid"};
    plan_fixture_t f;
    vr_value_t r1[2], r2[2], r3[2];
    const vr_value_t *b[4], *a[4];
    char *sql;
    make_plan(&f, "product", "select * from product", NULL, 0, key, 1);
    f.fields[0].name = "pid", f.fields[0].type = VR_TYPE_INT32;
    f.fields[1].name = "description", f.fields[1].type = VR_TYPE_VARBINARY;
    f.proj.nfields = 2;
    f.pk[0] = 0;
    f.proj.pk = f.pk;
    f.proj.npk = 1;
    build(&f);
    cr_assert_str_eq(f.rules.r[0].source_filter, "select * from product");
    cr_assert_eq(f.plan->nsrc_pk, 1);
    r1[0] = ival(1), r1[1] = sval(VR_TYPE_VARBINARY, "keyboard", 8, 63);
    r2[0] = ival(2), r2[1] = sval(VR_TYPE_VARBINARY, "monitor", 7, 63);
    r3[0] = ival(2), r3[1] = sval(VR_TYPE_VARBINARY, "o'k", 3, 63);
    /* two inserts: one statement; update by key; two deletes: one statement */
    b[0] = NULL, a[0] = r1;
    b[1] = NULL, a[1] = r2;
    b[2] = r2, a[2] = r3;
    b[3] = r1, a[3] = NULL;
    sql = run_rows(f.plan, b, a, 4);
    cr_assert_str_eq(sql, "insert into product(pid,description) values "
                          "(1,X'6b6579626f617264'),(2,X'6d6f6e69746f72');"
                          "update product set description=X'6f276b' where pid=2;"
                          "delete from product where pid in (1)");
    free(sql);
    /* a key change: delete then insert */
    r3[0] = ival(7);
    b[0] = r2, a[0] = r3;
    b[1] = r1, a[1] = NULL;
    sql = run_rows(f.plan, b, a, 2);
    cr_assert_str_eq(sql, "delete from product where pid in (2);"
                          "insert into product(pid,description) values (7,X'6f276b');"
                          "delete from product where pid in (1)");
    free(sql);
    free_plan(&f);
}

Test(table_plan, plain_select_with_aliases_where_and_key_change)
{
    static const char *src_pk[] = {"oid"};
    static const char *key[] = {"oid"};
    plan_fixture_t f;
    vr_value_t x[4], y[4], z[4];
    const vr_value_t *b[3], *a[3];
    char *sql;
    make_plan(&f, "morders", "select oid, cid as customer, mname from orders where price > 10",
              src_pk, 1, key, 1);
    cr_assert_str_eq(f.rules.r[0].source_filter,
                     "select oid, cid, mname from orders where price > 10");
    build(&f);
    x[0] = ival(1), x[1] = ival(6), x[2] = sval(VR_TYPE_VARCHAR, "monoprice", 9, 45);
    y[0] = ival(1), y[1] = ival(7), y[2] = x[2];
    z[0] = ival(2), z[1] = ival(7), z[2] = x[2];
    b[0] = NULL, a[0] = x;
    b[1] = x, a[1] = y;  /* same key: update */
    b[2] = y, a[2] = z;  /* key change: delete + insert */
    sql = run_rows(f.plan, b, a, 3);
    cr_assert_str_eq(sql, "insert into morders(oid,customer,mname) values (1,6,'monoprice');"
                          "update morders set customer=7,mname='monoprice' where oid=1;"
                          "delete from morders where oid in (1);"
                          "insert into morders(oid,customer,mname) values (2,7,'monoprice')");
    free(sql);
    free_plan(&f);
}

Test(table_plan, source_key_is_appended_when_not_selected)
{
    static const char *src_pk[] = {"a", "b"};
    static const char *key[] = {"x"};
    plan_fixture_t f;
    make_plan(&f, "t2", "select x, keyspace_id() as ks from t1 where b = 'z'", src_pk, 2, key, 1);
    cr_assert_str_eq(f.rules.r[0].source_filter,
                     "select x, keyspace_id(), a, b from t1 where b = 'z'");
    build(&f);
    cr_assert_eq(f.plan->nsrc_pk, 2);
    cr_assert_eq(f.plan->src_pk[0], 2);
    cr_assert_eq(f.plan->src_pk[1], 3);
    cr_assert_eq(f.plan->ncols, 2);
    free_plan(&f);
}

Test(table_plan, rollup_insert_delete_and_updates)
{
    static const char *src_pk[] = {"oid"};
    static const char *key[] = {"pid"};
    plan_fixture_t f;
    vr_value_t o1[3], o2[3], o3[3], o4[3];
    const vr_value_t *b[5], *a[5];
    char *sql;
    make_plan(&f, "sales",
              "select pid, count(*) as kount, sum(price) as amount from orders group by pid",
              src_pk, 1, key, 1);
    cr_assert_str_eq(f.rules.r[0].source_filter, "select pid, price, oid from orders");
    cr_assert(f.rules.r[0].rollup);
    build(&f);
    /* fields: pid, price, oid */
    o1[0] = ival(1), o1[1] = ival(10), o1[2] = ival(1);
    o2[0] = ival(2), o2[1] = ival(15), o2[2] = ival(2);
    o3[0] = ival(2), o3[1] = ival(20), o3[2] = ival(2);  /* o2 with a new price */
    o4[0] = ival(1), o4[1] = ival(20), o4[2] = ival(2);  /* o3 moved to group 1 */
    b[0] = NULL, a[0] = o1;
    b[1] = NULL, a[1] = o2;
    b[2] = o2, a[2] = o3;
    b[3] = o3, a[3] = o4;
    b[4] = o1, a[4] = NULL;
    sql = run_rows(f.plan, b, a, 5);
    cr_assert_str_eq(sql,
                     "insert into sales(pid,kount,amount) values (1,1,10),(2,1,15) on duplicate "
                     "key update kount=kount+1, amount=ifnull(amount,0)+ifnull(values(amount),0);"
                     "update sales set amount=ifnull(amount,0)-15+20 where pid=2;"
                     "update sales set kount=kount-1, amount=ifnull(amount,0)-20 where pid=2;"
                     "insert into sales(pid,kount,amount) values (1,1,20) on duplicate key "
                     "update kount=kount+1, amount=ifnull(amount,0)+ifnull(values(amount),0);"
                     "update sales set kount=kount-1, amount=ifnull(amount,0)-10 where pid=1");
    free(sql);
    /* an update that changes nothing the rollup sums: no statement; negatives keep their sign */
    o2[1] = ival(-5);
    o3[1] = ival(-5);
    b[0] = o2, a[0] = o3;
    b[1] = o2, a[1] = NULL;
    sql = run_rows(f.plan, b, a, 2);
    cr_assert_str_eq(sql, "update sales set kount=kount-1, amount=ifnull(amount,0)-(-5) "
                          "where pid=2");
    free(sql);
    free_plan(&f);
}

Test(table_plan, rollup_count_of_a_column_skips_nulls)
{
    static const char *src_pk[] = {"id"};
    static const char *key[] = {"g"};
    plan_fixture_t f;
    vr_value_t r1[3], r2[3];
    const vr_value_t *b[2], *a[2];
    char *sql;
    make_plan(&f, "agg", "select g, count(v) as n from t group by g", src_pk, 1, key, 1);
    build(&f);
    r1[0] = ival(1), r1[1] = vr_value_null(VR_TYPE_INT32), r1[2] = ival(5);
    r2[0] = ival(1), r2[1] = ival(3), r2[2] = ival(5);
    b[0] = NULL, a[0] = r1;
    b[1] = r1, a[1] = r2;
    sql = run_rows(f.plan, b, a, 2);
    cr_assert_str_eq(sql, "insert into agg(g,n) values (1,0) on duplicate key update "
                          "n=ifnull(n,0)+ifnull(values(n),0);update agg set n=n+1 where g=1");
    free(sql);
    free_plan(&f);
}

static void rule_fails(const char *match, const char *filter, const char *needle)
{
    vr_binlog_source_t bs = VR_BINLOG_SOURCE_INIT;
    trules_t rs;
    vr_error_t err;
    vr_binlog_source_add_rule(&bs, match, filter);
    cr_assert_neq(vp_rules_compile(&rs, &bs, &err), VR_OK, "%s", filter);
    cr_assert(strstr(err.msg, needle) != NULL, "'%s' not in '%s'", needle, err.msg);
    vr_binlog_source_free(&bs);
}

Test(table_plan, rules_the_target_cannot_apply_are_refused)
{
    rule_fails("s", "select pid, avg(price) from orders group by pid", "avg(price)");
    rule_fails("s", "select pid, sum(price) from orders", "without group by");
    rule_fails("s", "select pid, cid, sum(price) from orders group by pid",
               "column cid is selected with aggregates but is not in the group by");
    rule_fails("s", "select pid from orders group by pid", "group by without count/sum");
    rule_fails("s", "select pid, sum(price) from orders group by mname", "must also be selected");
    rule_fails("s", "select * from a join b", "exactly one table");
    rule_fails("s", "select pid from orders order by pid", "order by");
    rule_fails("s", "delete from orders", "not a delete");
    rule_fails("/.*", "select * from t", "regex");
}

Test(table_plan, the_target_key_must_be_selected)
{
    static const char *src_pk[] = {"oid"};
    static const char *key[] = {"oid"};
    static const char *gkey[] = {"pid", "kount"};
    plan_fixture_t f;
    tplan_t *p;
    vr_error_t err;
    make_plan(&f, "t", "select cid, mname from orders", src_pk, 1, key, 1);
    /* the projection has oid (appended for the copy), but the target
     * column list does not */
    cr_assert_eq(vp_tplan_build(&f.rules.r[0], &f.proj, &f.tt, NULL, &p, &err), VR_INVALID);
    cr_assert(strstr(err.msg, "key column oid is not a plain column") != NULL, "%s", err.msg);
    free_plan(&f);
    make_plan(&f, "sales", "select pid, count(*) as kount from orders group by pid", src_pk, 1,
              gkey, 2);
    cr_assert_eq(vp_tplan_build(&f.rules.r[0], &f.proj, &f.tt, NULL, &p, &err), VR_INVALID);
    free_plan(&f);
}

Test(table_plan, changing_the_target_vindex_column_is_delete_then_insert)
{
    static const char *src_pk[] = {"oid"};
    static const char *key[] = {"oid"};
    static const char *vschema =
        "{\"sharded\": true, \"vindexes\": {\"md5\": {\"type\": \"unicode_loose_md5\"}}, "
        "\"tables\": {\"orders\": {\"column_vindexes\": [{\"column\": \"mname\", "
        "\"name\": \"md5\"}]}}}";
    plan_fixture_t f;
    vr_vschema_t *vs = NULL;
    vr_value_t x[3], y[3], z[3];
    const vr_value_t *b[2], *a[2];
    vr_error_t err;
    char *sql;
    cr_assert_eq(vr_vschema_parse("merchant", vschema, &vs, &err), VR_OK, "%s", err.msg);
    make_plan(&f, "orders", "select oid, cid, mname from orders", src_pk, 1, key, 1);
    cr_assert_eq(vp_tplan_build(&f.rules.r[0], &f.proj, &f.tt, vs, &f.plan, &err), VR_OK, "%s",
                 err.msg);
    x[0] = ival(1), x[1] = ival(6), x[2] = sval(VR_TYPE_VARCHAR, "monoprice", 9, 45);
    y[0] = ival(1), y[1] = ival(7), y[2] = x[2];                                  /* cid */
    z[0] = ival(1), z[1] = ival(7), z[2] = sval(VR_TYPE_VARCHAR, "newegg", 6, 45); /* mname */
    b[0] = x, a[0] = y;
    b[1] = y, a[1] = z;
    sql = run_rows(f.plan, b, a, 2);
    cr_assert_str_eq(sql, "update orders set cid=7 where oid=1;"
                          "delete from orders where oid in (1);"
                          "insert into orders(oid,cid,mname) values (1,7,'newegg')");
    free(sql);
    free_plan(&f);
    vr_vschema_free(vs);
}

Test(table_plan, literals_in_other_character_sets)
{
    vp_charsets_t cs;
    vr_buf_t b = VR_BUF_INIT;
    vr_value_t v = sval(VR_TYPE_VARCHAR, "\xe9t\xe9", 3, 8);
    memset(&cs, 0, sizeof(cs));
    cs.name[8] = "latin1";
    cs.name[45] = "utf8mb4";
    vp_put_value(&b, &v, &cs);
    v = sval(VR_TYPE_VARCHAR, "plain", 5, 8); /* ASCII: any charset reads it */
    vr_buf_putc(&b, ' ');
    vp_put_value(&b, &v, &cs);
    v = sval(VR_TYPE_VARCHAR, "\xc3\xa9'", 3, 45);
    vr_buf_putc(&b, ' ');
    vp_put_value(&b, &v, &cs);
    v = val(VR_TYPE_INT64), v.v.i = INT64_MIN;
    vr_buf_putc(&b, ' ');
    vp_put_value(&b, &v, &cs);
    cr_assert_str_eq(b.data, "_latin1 X'e974e9' 'plain' '\xc3\xa9\\'' -9223372036854775808");
    vr_buf_free(&b);
}
