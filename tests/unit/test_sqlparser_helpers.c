/*
 * Unit tests for sqlparser/ helpers: the tables a statement touches,
 * walking and rewriting expressions, binding values to placeholders,
 * WHERE helpers, node builders, clone - and robustness: random and
 * truncated input, deep nesting, huge statements, concurrent parses.
 */
#include <pthread.h>
#include <stdio.h>

#include "test_sqlparser.h"

static void expect_tables(const char *sql, const char *want)
{
    vr_sql_stmt_t *s = sql_parse_ok(sql);
    vr_sql_table_name_list_t l = vr_sql_tables(s);
    vr_buf_t b = VR_BUF_INIT;
    for (size_t i = 0; i < l.n; i++) {
        if (i)
            vr_buf_putc(&b, ',');
        if (l.items[i]->qualifier)
            vr_buf_printf(&b, "%s.", l.items[i]->qualifier);
        vr_buf_puts(&b, l.items[i]->name);
    }
    cr_expect_str_eq(b.data ? b.data : "", want, "tables of %s", sql);
    vr_buf_free(&b);
    vr_sql_free(s);
}

Test(sql_helpers, tables)
{
    expect_tables("select 1 from dual", "");
    expect_tables("select * from a join ks.b on a.x = b.x, c", "a,ks.b,c");
    expect_tables("select * from a where x in (select y from b where z = "
                  "(select 1 from c)) and exists (select 1 from a)",
                  "a,b,c");
    expect_tables("select * from (select * from a union select * from b) as "
                  "d join e",
                  "a,b,e");
    expect_tables("insert into t select * from s", "t,s");
    expect_tables("update a join b on a.x = b.x set a.y = 1", "a,b");
    expect_tables("delete a from a join b on a.x = b.x", "a,b");
    expect_tables("create table t (id int)", "t");
    expect_tables("create table t like s", "t,s");
    expect_tables("alter table t rename to u", "t,u");
    expect_tables("drop table a, b", "a,b");
    expect_tables("rename table a to b, c to d", "a,b,c,d");
    expect_tables("truncate ks.t", "ks.t");
    expect_tables("create view v as select * from t", "v");
    expect_tables("show create table t", "t");
    expect_tables("explain select * from t", "t");
    expect_tables("set @a = 1", "");
}

/* ---- walk -------------------------------------------------------------- */

static vr_sql_walk_action_t count_columns(vr_sql_expr_t **slot, void *ud)
{
    if ((*slot)->kind == VR_SQL_EXPR_COLUMN)
        (*(int *)ud)++;
    return VR_SQL_WALK_CONTINUE;
}

static vr_sql_walk_action_t id_to_arg(vr_sql_expr_t **slot, void *ud)
{
    vr_arena_t *a = ud;
    if ((*slot)->kind == VR_SQL_EXPR_COLUMN && !(*slot)->column.table &&
        strcmp((*slot)->column.name, "id") == 0) {
        *slot = vr_sql_new_arg(a, "id");
        return VR_SQL_WALK_SKIP;
    }
    return VR_SQL_WALK_CONTINUE;
}

static vr_sql_walk_action_t stop_at_literal(vr_sql_expr_t **slot, void *ud)
{
    (*(int *)ud)++;
    return (*slot)->kind == VR_SQL_EXPR_LITERAL ? VR_SQL_WALK_STOP
                                                : VR_SQL_WALK_CONTINUE;
}

Test(sql_helpers, walk_and_rewrite)
{
    vr_sql_stmt_t *s = sql_parse_ok(
        "select a, f(b) from t join u on t.id = u.id where id in (select id "
        "from v where c = id) order by d");
    int n = 0;
    char *o;
    cr_assert(vr_sql_walk(s, count_columns, &n));
    cr_assert_eq(n, 9);
    cr_assert(vr_sql_walk(s, id_to_arg, s->arena));
    o = sql_fmt(s);
    cr_assert_str_eq(o, "select a, f(b) from t join u on t.id = u.id where "
                        ":id in (select :id from v where c = :id) order by "
                        "d asc");
    free(o);
    vr_sql_free(s);
    s = sql_parse_ok("select a + 1, b from t");
    n = 0;
    cr_assert_not(vr_sql_walk(s, stop_at_literal, &n));
    cr_assert_eq(n, 3); /* a + 1, a, 1 */
    vr_sql_free(s);
}

/* ---- bind ----------------------------------------------------------------- */

Test(sql_helpers, bind_values)
{
    vr_sql_stmt_t *s = sql_parse_ok(
        "select * from t where a = ? and b = ? and c = :c and d in ::ds and "
        "e = ? and f = :f and g = :g");
    vr_value_t list[2] = {{.type = VR_TYPE_INT64, .v.i = 1},
                          {.type = VR_TYPE_VARCHAR, .s = "x", .len = 1}};
    vr_sql_bind_t binds[] = {
        {.name = "v1", .value = {.type = VR_TYPE_INT64, .v.i = -42}},
        {.name = "v2", .value = {.type = VR_TYPE_VARCHAR, .s = "it's\n", .len = 5}},
        {.name = "c", .value = {.type = VR_TYPE_NULL_TYPE, .is_null = true}},
        {.name = "ds", .list = list, .n_list = 2},
        {.name = "v3", .value = {.type = VR_TYPE_BLOB, .s = "\x01\xff", .len = 2}},
        {.name = "f", .value = {.type = VR_TYPE_UINT64, .v.u = 18446744073709551615ull}},
        {.name = "g", .value = {.type = VR_TYPE_DECIMAL, .s = "12.50", .len = 5}},
    };
    vr_error_t err;
    char *o;
    cr_assert_eq(vr_sql_count_args(s), 7);
    cr_assert_eq(vr_sql_bind(s, binds, VR_ARRAY_LEN(binds), &err), VR_OK);
    o = sql_fmt(s);
    cr_assert_str_eq(o, "select * from t where a = -42 and b = 'it\\'s\\n' and "
                        "c = null and d in (1, 'x') and e = X'01ff' and f = "
                        "18446744073709551615 and g = 12.50");
    cr_assert_eq(vr_sql_count_args(s), 0);
    free(o);
    vr_sql_free(s);
}

Test(sql_helpers, bind_is_injection_safe_and_reports_missing)
{
    vr_sql_stmt_t *s = sql_parse_ok("select * from t where name = :n");
    vr_sql_bind_t b = {.name = "n",
                       .value = {.type = VR_TYPE_VARCHAR,
                                 .s = "x' or '1'='1",
                                 .len = 12}};
    vr_error_t err;
    char *o;
    vr_sql_stmt_t *s2;
    cr_assert_eq(vr_sql_bind(s, &b, 1, &err), VR_OK);
    o = sql_fmt(s);
    cr_assert_str_eq(o, "select * from t where `name` = 'x\\' or \\'1\\'=\\'1'");
    s2 = sql_parse_ok(o);
    cr_assert_eq(s2->select.where->kind, VR_SQL_EXPR_BINARY);
    free(o);
    vr_sql_free(s2);
    vr_sql_free(s);
    s = sql_parse_ok("select * from t where a = :a and b = :b");
    cr_assert_eq(vr_sql_bind(s, &b, 1, &err), VR_NOT_FOUND);
    cr_assert_str_eq(err.msg, "missing bind variable :a");
    vr_sql_free(s);
}

/* ---- WHERE, builders, clone --------------------------------------------------- */

Test(sql_helpers, where_and_builders)
{
    vr_sql_stmt_t *s = sql_parse_ok("select * from t where a = 1 or b = 2");
    vr_arena_t *a = s->arena;
    vr_sql_expr_list_t ids = {0, NULL}, c;
    char *o;
    vr_sql_expr_list_append(a, &ids, vr_sql_new_int(a, 1));
    vr_sql_expr_list_append(a, &ids, vr_sql_new_int(a, 2));
    cr_assert(vr_sql_add_where(s, vr_sql_new_binary(a, VR_SQL_OP_IN,
                                                     vr_sql_new_column(a, "t", "id"),
                                                     vr_sql_new_tuple(a, ids))));
    cr_assert(vr_sql_add_where(s, vr_sql_new_binary(a, VR_SQL_OP_EQ,
                                                     vr_sql_new_column(a, NULL, "ks"),
                                                     vr_sql_new_string(a, "x", 1))));
    o = sql_fmt(s);
    cr_assert_str_eq(o, "select * from t where (a = 1 or b = 2) and t.id in "
                        "(1, 2) and ks = 'x'");
    free(o);
    c = vr_sql_conjuncts(a, *vr_sql_where_slot(s));
    cr_assert_eq(c.n, 3);
    c = vr_sql_conjuncts(a, NULL);
    cr_assert_eq(c.n, 0);
    vr_sql_free(s);
    s = sql_parse_ok("insert into t values (1)");
    cr_assert_null(vr_sql_where_slot(s));
    cr_assert_not(vr_sql_add_where(s, vr_sql_new_null(s->arena)));
    vr_sql_free(s);
    s = sql_parse_ok("delete from t");
    cr_assert(vr_sql_add_where(s, vr_sql_new_binary(s->arena, VR_SQL_OP_GT,
                                                     vr_sql_new_column(s->arena, NULL, "x"),
                                                     vr_sql_new_int(s->arena, -5))));
    o = sql_fmt(s);
    cr_assert_str_eq(o, "delete from t where x > -5");
    free(o);
    vr_sql_free(s);
}

Test(sql_helpers, literal_from_values_and_funcs)
{
    vr_arena_t *a = vr_arena_new(0);
    vr_buf_t b = VR_BUF_INIT;
    vr_value_t d = {.type = VR_TYPE_FLOAT64, .v.d = 1.5};
    vr_value_t t = {.type = VR_TYPE_DATE, .v.tm = {.year = 2024, .month = 2, .day = 29}};
    vr_sql_expr_list_t args = {0, NULL};
    vr_sql_format_expr(&b, vr_sql_new_literal(a, &d));
    vr_buf_putc(&b, ' ');
    vr_sql_format_expr(&b, vr_sql_new_literal(a, &t));
    vr_buf_putc(&b, ' ');
    vr_sql_expr_list_append(a, &args, vr_sql_new_column(a, NULL, "x"));
    vr_sql_format_expr(&b, vr_sql_new_func(a, "SUM", args));
    cr_assert_str_eq(b.data, "1.5 '2024-02-29' sum(x)");
    vr_buf_free(&b);
    vr_arena_free(a);
}

Test(sql_helpers, clone_is_independent)
{
    vr_sql_stmt_t *s = sql_parse_ok("select a from t where b = 1");
    vr_sql_stmt_t *c = NULL;
    vr_error_t err;
    char *o1, *o2;
    cr_assert_eq(vr_sql_clone(s, &c, &err), VR_OK);
    cr_assert_neq(c->arena, s->arena);
    vr_sql_add_where(c, vr_sql_new_int(c->arena, 0));
    o1 = sql_fmt(s);
    o2 = sql_fmt(c);
    cr_assert_str_eq(o1, "select a from t where b = 1");
    cr_assert_str_eq(o2, "select a from t where b = 1 and 0");
    free(o1);
    free(o2);
    vr_sql_free(s);
    vr_sql_free(c);
    vr_sql_free(NULL);
}

/* ---- robustness ------------------------------------------------------------- */

/* Parse anything: on success the output must re-parse to the same text. */
static void survive(const char *p, size_t n)
{
    vr_sql_stmt_t *s = NULL, *s2 = NULL;
    vr_error_t err;
    if (vr_sql_parse(p, n, &s, &err) != VR_OK) {
        cr_assert_null(s);
        cr_assert_eq(err.code, VR_PARSE);
        return;
    }
    {
        char *o = sql_fmt(s), *o2;
        cr_assert_eq(vr_sql_parse(o, strlen(o), &s2, &err), VR_OK,
                     "%s\n  from: %.*s\n  output: %s", err.msg, (int)n, p, o);
        o2 = sql_fmt(s2);
        cr_assert_str_eq(o2, o, "from: %.*s", (int)n, p);
        (void)vr_sql_tables(s);
        free(o);
        free(o2);
    }
    vr_sql_free(s2);
    vr_sql_free(s);
}

static uint64_t rng(uint64_t *x)
{
    *x ^= *x << 13;
    *x ^= *x >> 7;
    *x ^= *x << 17;
    return *x;
}

Test(sql_robust, random_bytes_and_tokens)
{
    static const char *const words[] = {
        "select", "from", "where", "(", ")", ",", "a", "'s'", "1", "=",
        "and", "or", "not", "in", "join", "on", "*", "-", "+", "union",
        "insert", "into", "values", "create", "table", "int", "alter", "add",
        "drop", "set", "show", "case", "when", "then", "end", "is", "null",
        "between", "`q`", "?", ":x", "@v", "@@s", ";", "/*c*/", "--", "\n",
        "limit", "order", "by", "group", "x'0f'", "0x1", "1.5e3", "interval",
        "day", "exists", "like", "distinct", "count", "as", "t.c", ".",
    };
    uint64_t x = 0x9e3779b97f4a7c15ull;
    char buf[512];
    vr_buf_t b = VR_BUF_INIT;
    for (int i = 0; i < 20000; i++) {
        size_t n = rng(&x) % sizeof(buf);
        for (size_t j = 0; j < n; j++)
            buf[j] = (char)(rng(&x) & 0xff);
        survive(buf, n);
        vr_buf_reset(&b);
        for (int j = (int)(rng(&x) % 24); j >= 0; j--) {
            vr_buf_puts(&b, words[rng(&x) % VR_ARRAY_LEN(words)]);
            vr_buf_putc(&b, ' ');
        }
        survive(b.data, b.len);
    }
    vr_buf_free(&b);
}

Test(sql_robust, every_prefix_of_real_statements)
{
    static const char *const stmts[] = {
        "select /* c */ distinct a.b as x, count(*), case when c then 'd' "
        "else e end from ks.t1 as a left join (select * from t2) as b using "
        "(id) where a.x in (1, 2) and b.y between ? and :z or not exists "
        "(select 1) group by 1 having count(*) > 1 order by x desc limit 1, 2 "
        "for update",
        "insert ignore into t(a, b) values (1, 'x\\'y'), (2, x'00') on "
        "duplicate key update b = values(b)",
        "create table t (id bigint(20) unsigned not null auto_increment, v "
        "varchar(10) character set utf8mb4 default 'x' comment 'c', primary "
        "key (id), key k (v(4))) engine=InnoDB default charset=utf8mb4",
        "alter table t add column c int after b, drop index k, modify v "
        "text, rename to u, algorithm = inplace",
        "set @@global.x = 1, names utf8mb4 collate utf8mb4_bin, @u := 3",
    };
    for (size_t i = 0; i < VR_ARRAY_LEN(stmts); i++) {
        size_t len = strlen(stmts[i]);
        for (size_t n = 0; n <= len; n++)
            survive(stmts[i], n);
    }
}

Test(sql_robust, big_statements)
{
    vr_buf_t b = VR_BUF_INIT;
    vr_sql_stmt_t *s = NULL;
    vr_error_t err;
    /* 100k-element IN list, 20k-term AND chain: flat, fine */
    vr_buf_puts(&b, "select * from t where a in (");
    for (int i = 0; i < 100000; i++)
        vr_buf_printf(&b, "%s%d", i ? "," : "", i);
    vr_buf_puts(&b, ") and ");
    for (int i = 0; i < 20000; i++)
        vr_buf_printf(&b, "%sc%d = %d", i ? " and " : "", i, i);
    cr_assert_eq(vr_sql_parse(b.data, b.len, &s, &err), VR_OK, "%s", err.msg);
    cr_assert_eq(s->select.where->list.n, 20001);
    survive(b.data, b.len);
    vr_sql_free(s);
    /* a 1 MB string literal */
    vr_buf_reset(&b);
    vr_buf_puts(&b, "insert into t values ('");
    for (int i = 0; i < (1 << 20); i++)
        vr_buf_putc(&b, (char)('a' + i % 26));
    vr_buf_puts(&b, "')");
    survive(b.data, b.len);
    /* nesting just under and over the limits */
    vr_buf_reset(&b);
    vr_buf_puts(&b, "select ");
    for (int i = 0; i < 150; i++)
        vr_buf_puts(&b, "(select ");
    vr_buf_putc(&b, '1');
    for (int i = 0; i < 150; i++)
        vr_buf_putc(&b, ')');
    survive(b.data, b.len);
    vr_buf_reset(&b);
    vr_buf_puts(&b, "select * from t1");
    for (int i = 0; i < 5000; i++)
        vr_buf_printf(&b, " join t%d", i);
    survive(b.data, b.len);
    vr_buf_reset(&b);
    for (int i = 0; i < 5000; i++)
        vr_buf_puts(&b, "select 1 union ");
    vr_buf_puts(&b, "select 2");
    survive(b.data, b.len);
    vr_buf_free(&b);
}

static void *parse_many(void *arg)
{
    const char *q = arg;
    for (int i = 0; i < 2000; i++) {
        vr_sql_stmt_t *s = NULL;
        vr_error_t err;
        char *o;
        if (vr_sql_parse(q, strlen(q), &s, &err) != VR_OK)
            return (void *)1;
        o = vr_sql_to_string(s);
        if (strcmp(o, q) != 0) {
            free(o);
            vr_sql_free(s);
            return (void *)1;
        }
        free(o);
        vr_sql_free(s);
    }
    return NULL;
}

Test(sql_robust, concurrent_parses)
{
    static const char *const q[] = {
        "select a from t where b = 1",
        "insert into t(a) values (1), (2)",
        "update t set a = 1 where b in (1, 2, 3)",
        "delete from t where c = 'x'",
    };
    pthread_t th[4];
    for (int i = 0; i < 4; i++)
        cr_assert_eq(pthread_create(&th[i], NULL, parse_many, (void *)q[i]), 0);
    for (int i = 0; i < 4; i++) {
        void *rc;
        pthread_join(th[i], &rc);
        cr_assert_null(rc, "thread %d", i);
    }
}

/* ---- regressions found by libFuzzer (inputs also in the fuzz corpus) --- */

/* Verbatim text (SHOW other, other DDL) holding a raw NUL byte could not
 * be printed back as a C string. */
Test(sql_regress, verbatim_text_with_nul_is_an_error)
{
    const char sql[] = "show fu\xecl columns from t like 'a\0b'";
    const char comment[] = "select /* a\0b */ 1";
    vr_sql_stmt_t *s = NULL;
    vr_error_t err;
    cr_assert_eq(vr_sql_parse(sql, sizeof(sql) - 1, &s, &err), VR_PARSE);
    cr_assert_eq(vr_sql_parse(comment, sizeof(comment) - 1, &s, &err),
                 VR_PARSE);
}

/* Verbatim text that ended in "--" became a comment when read back. */
Test(sql_regress, verbatim_text_ending_in_dashes)
{
    survive("show fullselect --------------- rest is a comment", 49);
    sql_check("show x ---", "show x ---");
}

/* A ';' after a MySQL-specific comment's "*\/" was kept in verbatim text. */
Test(sql_regress, verbatim_text_before_special_comment_end)
{
    const char *sql = "grant all on t to u /*!40101 with grant option */;";
    survive(sql, strlen(sql));
    sql_check(sql, "grant all on t to u /*!40101 with grant option");
}

/* !-x printed as !(-x): deeper than the input, past the parser's stack. */
Test(sql_regress, bang_minus_needs_no_parentheses)
{
    vr_buf_t b = VR_BUF_INIT;
    vr_buf_puts(&b, "select ");
    for (int i = 0; i < 150; i++)
        vr_buf_puts(&b, "!-");
    vr_buf_puts(&b, "a");
    survive(b.data, b.len);
    sql_check("select !-1, !-a, !~a from t", "select !-1, !-a, !~a from t");
    vr_buf_free(&b);
}

/* A back-quoted option, database option or type name was printed bare. */
Test(sql_regress, option_and_type_names_must_be_words)
{
    sql_check_error("create database d `a b` = x",
                    "syntax error at position 24 near 'a b'");
    sql_check_error("create table t (a int) `a b` = 1",
                    "syntax error at position 29 near 'a b'");
    sql_check_error("create table t (a `my type`)", "syntax error at position 29");
    sql_check("create table t (a `int`) engine = `1e5x`",
              "create table t (\n\ta int\n) engine `1e5x`");
}

/* "drop table a;;" failed on the second ';' and became other DDL whose
 * text (semicolons trimmed) then parsed as a real DROP TABLE. */
Test(sql_regress, repeated_trailing_semicolons)
{
    sql_check("drop table a;;;", "drop table a");
    sql_check("select 1;  ;", "select 1 from dual");
}
