/*
 * Unit tests for sqlparser/: the round-trip corpus, syntax errors and
 * their positions, and the AST of SELECT/UNION, INSERT, UPDATE, DELETE,
 * SET, SHOW and the other session statements.  DDL is in
 * test_sqlparser_ddl.c, helpers and robustness in test_sqlparser_helpers.c.
 */
#include <stdio.h>

#include "test_sqlparser.h"

/* ---- corpus ------------------------------------------------------------- */

typedef struct corpus_entry {
    vr_buf_t in;
    vr_buf_t out;
    bool has_out;
    int line;
} corpus_entry_t;

static void run_entry(corpus_entry_t *e)
{
    if (!e->in.data)
        return;
    sql_check(e->in.data, e->has_out ? e->out.data : e->in.data);
    vr_buf_reset(&e->in);
    vr_buf_reset(&e->out);
    e->has_out = false;
}

Test(sql_corpus, round_trip)
{
    FILE *f = fopen(VR_SQL_CORPUS, "r");
    char line[65536];
    corpus_entry_t e = {VR_BUF_INIT, VR_BUF_INIT, false, 0};
    vr_buf_t *last = NULL;
    int n = 0, lineno = 0;
    cr_assert_not_null(f, "corpus %s missing", VR_SQL_CORPUS);
    while (fgets(line, sizeof(line), f)) {
        size_t len = strlen(line);
        lineno++;
        while (len && (line[len - 1] == '\n' || line[len - 1] == '\r'))
            line[--len] = '\0';
        if (len >= 2 && line[0] == '>' && line[1] == ' ') {
            run_entry(&e);
            e.in.len = 0;
            vr_buf_puts(&e.in, line + 2);
            e.line = lineno;
            last = &e.in;
            n++;
        } else if (len >= 2 && line[0] == '<' && line[1] == ' ') {
            vr_buf_puts(&e.out, line + 2);
            e.has_out = true;
            last = &e.out;
        } else if (len >= 1 && line[0] == '|' && last) {
            vr_buf_putc(last, '\n');
            vr_buf_puts(last, len >= 2 ? line + 2 : "");
        }
    }
    run_entry(&e);
    fclose(f);
    vr_buf_free(&e.in);
    vr_buf_free(&e.out);
    cr_expect_geq(n, 300, "corpus has only %d statements", n);
}

/* ---- syntax errors ----------------------------------------------------------- */

Test(sql_errors, positions_as_vitess_reports_them)
{
    /* position = 1-based offset just past the offending token */
    sql_check_error("select * from t where a = 1 form b",
                    "syntax error at position 33 near 'form'");
    sql_check_error("select convert('abc' as date) from t",
                    "syntax error at position 24 near 'as'");
    sql_check_error("select convert from t",
                    "syntax error at position 20 near 'from'");
    sql_check_error("select cast('foo', decimal) from t",
                    "syntax error at position 19");
    sql_check_error("select convert('abc', datetime(4+9)) from t",
                    "syntax error at position 34");
    sql_check_error("select convert('abc', decimal(4+9)) from t",
                    "syntax error at position 33");
    sql_check_error("set transaction isolation level 12345",
                    "syntax error at position 38 near '12345'");
    sql_check_error("select * from a left join b",
                    "syntax error at position 28");
    sql_check_error("select a from (select * from tbl)",
                    "syntax error at position 34");
    sql_check_error("select A(distinct B, C) from b",
                    "syntax error at position 18 near 'distinct'");
    sql_check_error("SELECT COUNT(DISTINCT *) FROM user",
                    "syntax error at position 24");
    sql_check_error("@", "syntax error at position 2");
    sql_check_error("@@", "syntax error at position 3");
}

Test(sql_errors, lexical)
{
    sql_check_error("select 'aa", "syntax error at position 12 near 'aa'");
    sql_check_error("select 'aa\\", "syntax error at position 12 near 'aa'");
    sql_check_error("select * from t where :1 = 2",
                    "syntax error at position 24 near ':'");
    sql_check_error("select * from t where :. = 2",
                    "syntax error at position 24 near ':'");
    sql_check_error("select * from t where ::1 = 2",
                    "syntax error at position 25 near '::'");
    sql_check_error("SELECT x'018' FROM user", "syntax error at position 14");
    sql_check_error("SELECT b'012' FROM user", "syntax error at position 12");
    sql_check_error("select `abc from t", "syntax error at position 20 near 'abc from t'");
    sql_check_error("select 1 /* never closed", "syntax error at position 25");
    sql_check_error("select \x01 from t", "syntax error at position 9 near '\x01'");
}

Test(sql_errors, statement_shape)
{
    sql_check_error("", "syntax error at position 1");
    sql_check_error("   ", "syntax error at position 4");
    sql_check_error("/* only a comment */", "syntax error at position 21");
    sql_check_error("select 1; select 2",
                    "syntax error at position 17 near 'select'");
    sql_check_error("selec * from t", "syntax error at position 6 near 'selec'");
    sql_check_error("select * from t where", "syntax error at position 22");
    sql_check_error("select * fromm t",
                    "syntax error at position 15 near 'fromm'");
    sql_check_error("insert into t values (1", "syntax error at position 24");
    sql_check_error("update t set where a = 1",
                    "syntax error at position 19 near 'where'");
    sql_check_error("delete t", "syntax error at position 9");
    sql_check_error("select interval 1 dayz from t",
                    "syntax error at position 23 near 'dayz'");
    sql_check_error("select cast(a as signed foo) from t",
                    "syntax error at position 28 near 'foo'");
}

Test(sql_errors, nesting_is_bounded)
{
    vr_buf_t b = VR_BUF_INIT;
    vr_sql_stmt_t *s = NULL;
    vr_error_t err;
    vr_buf_puts(&b, "select ");
    for (int i = 0; i < 5000; i++)
        vr_buf_puts(&b, "1+");
    vr_buf_puts(&b, "1");
    cr_assert_eq(vr_sql_parse(b.data, b.len, &s, &err), VR_PARSE);
    cr_assert(strstr(err.msg, "max nesting level reached at position") != NULL,
              "%s", err.msg);
    vr_buf_reset(&b);
    vr_buf_puts(&b, "select ");
    for (int i = 0; i < 3000; i++)
        vr_buf_putc(&b, '(');
    cr_assert_eq(vr_sql_parse(b.data, b.len, &s, &err), VR_PARSE);
    cr_assert(strstr(err.msg, "max nesting level reached") != NULL, "%s",
              err.msg);
    vr_buf_free(&b);
}

/* ---- SELECT ----------------------------------------------------------------------- */

Test(sql_select, structure)
{
    vr_sql_stmt_t *s = sql_parse_ok(
        "select distinct a, t.b as bb, count(*) from ks.t1 as x join t2 on "
        "x.id = t2.id where x.a = 1 and x.b in (1, 2) group by a having "
        "count(*) > 1 order by a desc, b limit 10, 5 for update");
    vr_sql_select_t *q = &s->select;
    cr_assert_eq(s->kind, VR_SQL_STMT_SELECT);
    cr_assert(q->distinct);
    cr_assert_eq(q->exprs.n, 3);
    cr_assert_str_eq(q->exprs.items[1]->alias, "bb");
    cr_assert_str_eq(q->exprs.items[1]->expr->column.table, "t");
    cr_assert_eq(q->exprs.items[2]->expr->kind, VR_SQL_EXPR_FUNC);
    cr_assert(q->exprs.items[2]->expr->func.star);
    cr_assert(q->exprs.items[2]->expr->func.aggregate);
    cr_assert_eq(q->from.n, 1);
    cr_assert_eq(q->from.items[0]->kind, VR_SQL_TABLE_JOIN);
    cr_assert_eq(q->from.items[0]->join.kind, VR_SQL_JOIN_INNER);
    cr_assert_str_eq(q->from.items[0]->join.left->aliased.name.qualifier, "ks");
    cr_assert_str_eq(q->from.items[0]->join.left->aliased.name.name, "t1");
    cr_assert_str_eq(q->from.items[0]->join.left->aliased.alias, "x");
    cr_assert_eq(q->from.items[0]->join.on->binary.op, VR_SQL_OP_EQ);
    cr_assert_eq(q->where->kind, VR_SQL_EXPR_AND);
    cr_assert_eq(q->where->list.n, 2);
    cr_assert_eq(q->where->list.items[1]->binary.op, VR_SQL_OP_IN);
    cr_assert_eq(q->where->list.items[1]->binary.right->kind,
                 VR_SQL_EXPR_TUPLE);
    cr_assert_eq(q->group_by.n, 1);
    cr_assert_not_null(q->having);
    cr_assert_eq(q->order_by.n, 2);
    cr_assert(q->order_by.items[0]->desc);
    cr_assert_not(q->order_by.items[1]->desc);
    cr_assert_str_eq(q->limit.offset->lit.val, "10");
    cr_assert_str_eq(q->limit.count->lit.val, "5");
    cr_assert_eq(q->lock, VR_SQL_LOCK_FOR_UPDATE);
    vr_sql_free(s);
}

Test(sql_select, filter_rules)
{
    /* the filters module's single-table selects */
    vr_sql_stmt_t *s = sql_parse_ok(
        "select pid, count(*) as kount, sum(price) as amount from "
        "customer.orders where in_keyrange(pid, 'hash', '-80') group by pid");
    vr_sql_select_t *q = &s->select;
    vr_sql_expr_t *kr = q->where;
    cr_assert_eq(q->exprs.n, 3);
    cr_assert(q->exprs.items[1]->expr->func.aggregate);
    cr_assert_str_eq(q->exprs.items[2]->expr->func.name, "sum");
    cr_assert_eq(q->exprs.items[2]->expr->func.args.n, 1);
    cr_assert_str_eq(q->from.items[0]->aliased.name.qualifier, "customer");
    cr_assert_eq(kr->kind, VR_SQL_EXPR_FUNC);
    cr_assert_str_eq(kr->func.name, "in_keyrange");
    cr_assert_eq(kr->func.args.n, 3);
    cr_assert_str_eq(kr->func.args.items[2]->lit.val, "-80");
    cr_assert_str_eq(q->group_by.items[0]->column.name, "pid");
    vr_sql_free(s);
    s = sql_parse_ok("select id, keyspace_id() from product");
    cr_assert_str_eq(s->select.exprs.items[1]->expr->func.name, "keyspace_id");
    cr_assert_eq(s->select.exprs.items[1]->expr->func.args.n, 0);
    cr_assert_not(s->select.exprs.items[1]->expr->func.aggregate);
    vr_sql_free(s);
}

Test(sql_select, dual_and_stars)
{
    vr_sql_stmt_t *s = sql_parse_ok("select 1 from DUAL");
    cr_assert_eq(s->select.from.n, 0);
    vr_sql_free(s);
    s = sql_parse_ok("select *, t.*, ks.t.* from t");
    cr_assert_eq(s->select.exprs.items[0]->kind, VR_SQL_SELECT_STAR);
    cr_assert_null(s->select.exprs.items[0]->table.name);
    cr_assert_str_eq(s->select.exprs.items[1]->table.name, "t");
    cr_assert_str_eq(s->select.exprs.items[2]->table.qualifier, "ks");
    vr_sql_free(s);
    sql_check("select 1", "select 1 from dual");
    sql_check("select * from dual", "select * from dual");
}

Test(sql_select, union_parts)
{
    vr_sql_stmt_t *s = sql_parse_ok(
        "select a from t union all select b from u union (select c from v "
        "union select d from w) order by 1 limit 3");
    cr_assert_eq(s->kind, VR_SQL_STMT_UNION);
    cr_assert_eq(s->compound.n, 3);
    cr_assert_not(s->compound.items[0]->all);
    cr_assert(s->compound.items[1]->all);
    cr_assert_not(s->compound.items[2]->all);
    cr_assert_eq(s->compound.items[2]->stmt->kind, VR_SQL_STMT_UNION);
    cr_assert_eq(s->compound.order_by.n, 1);
    cr_assert_not_null(s->compound.limit.count);
    vr_sql_free(s);
    sql_check("select a from t union all select b from u union (select c from "
              "v union select d from w) order by 1 limit 3",
              "select a from t union all select b from u union (select c from "
              "v union select d from w) order by 1 asc limit 3");
}

Test(sql_select, joins)
{
    sql_check("select * from a inner join b on a.x = b.x",
              "select * from a join b on a.x = b.x");
    sql_check("select * from a cross join b", "select * from a join b");
    sql_check("select * from a left outer join b using (id)",
              "select * from a left join b using (id)");
    sql_check("select * from a right join b on a.x = b.x",
              "select * from a right join b on a.x = b.x");
    sql_check("select * from a straight_join b on a.x = b.x",
              "select * from a straight_join b on a.x = b.x");
    sql_check("select * from a natural join b", "select * from a natural join b");
    sql_check("select * from a, b, c", "select * from a, b, c");
    sql_check("select * from (select * from t) as d join e",
              "select * from (select * from t) as d join e");
}

Test(sql_select, subqueries_and_predicates)
{
    vr_sql_stmt_t *s = sql_parse_ok(
        "select * from t where a in (select b from u) and exists (select 1 "
        "from v) and c between 1 and 10 and d is not null and e like 'x%' "
        "escape '!' and f not in ::ids");
    vr_sql_expr_list_t *c = &s->select.where->list;
    cr_assert_eq(c->n, 6);
    cr_assert_eq(c->items[0]->binary.right->kind, VR_SQL_EXPR_SUBQUERY);
    cr_assert_eq(c->items[1]->kind, VR_SQL_EXPR_EXISTS);
    cr_assert_eq(c->items[2]->kind, VR_SQL_EXPR_BETWEEN);
    cr_assert_eq(c->items[3]->is.test, VR_SQL_IS_NOT_NULL);
    cr_assert_not_null(c->items[4]->binary.escape);
    cr_assert_eq(c->items[5]->binary.op, VR_SQL_OP_NOT_IN);
    cr_assert_eq(c->items[5]->binary.right->kind, VR_SQL_EXPR_LIST_ARG);
    vr_sql_free(s);
}

Test(sql_select, functions_case_cast)
{
    vr_sql_stmt_t *s = sql_parse_ok(
        "select if(a, 1, 2), ifnull(b, 0), concat(c, 'x'), convert(d using "
        "utf8mb4), cast(e as decimal(10, 2)), case f when 1 then 'a' else "
        "'b' end, count(distinct g), db.f(1), current_timestamp from t");
    vr_sql_select_expr_list_t *x = &s->select.exprs;
    cr_assert_str_eq(x->items[0]->expr->func.name, "if");
    cr_assert_eq(x->items[3]->expr->kind, VR_SQL_EXPR_CONVERT_USING);
    cr_assert_str_eq(x->items[3]->expr->convert_using.charset, "utf8mb4");
    cr_assert_eq(x->items[4]->expr->kind, VR_SQL_EXPR_CAST);
    cr_assert(x->items[4]->expr->cast.is_cast);
    cr_assert_str_eq(x->items[4]->expr->cast.type.name, "decimal");
    cr_assert_str_eq(x->items[4]->expr->cast.type.scale, "2");
    cr_assert_eq(x->items[5]->expr->kind, VR_SQL_EXPR_CASE);
    cr_assert_not_null(x->items[5]->expr->case_.operand);
    cr_assert(x->items[6]->expr->func.distinct);
    cr_assert_str_eq(x->items[7]->expr->func.qualifier, "db");
    cr_assert_str_eq(x->items[8]->expr->func.name, "current_timestamp");
    vr_sql_free(s);
    sql_check("select IF(a, 1, 2), MAX(b), Concat(c) from t",
              "select if(a, 1, 2), max(b), Concat(c) from t");
    sql_check("select `weird name`(1), `select`(2) from t",
              "select `weird name`(1), `select`(2) from t");
}

Test(sql_select, precedence_builds_the_mysql_tree)
{
    vr_sql_stmt_t *s = sql_parse_ok("select a or b and c, not a = b, "
                                    "a = b is null, -1 ^ 2, a + b * c from t");
    vr_sql_select_expr_list_t *x = &s->select.exprs;
    cr_assert_eq(x->items[0]->expr->kind, VR_SQL_EXPR_OR);
    cr_assert_eq(x->items[0]->expr->list.items[1]->kind, VR_SQL_EXPR_AND);
    cr_assert_eq(x->items[1]->expr->unary.op, VR_SQL_OP_NOT);
    cr_assert_eq(x->items[1]->expr->unary.expr->binary.op, VR_SQL_OP_EQ);
    cr_assert_eq(x->items[2]->expr->kind, VR_SQL_EXPR_IS);
    cr_assert_eq(x->items[2]->expr->is.expr->binary.op, VR_SQL_OP_EQ);
    cr_assert_eq(x->items[3]->expr->binary.op, VR_SQL_OP_BITXOR);
    cr_assert_str_eq(x->items[3]->expr->binary.left->lit.val, "-1");
    cr_assert_eq(x->items[4]->expr->binary.op, VR_SQL_OP_PLUS);
    cr_assert_eq(x->items[4]->expr->binary.right->binary.op, VR_SQL_OP_MULT);
    vr_sql_free(s);
    sql_check("select (a + b) * c, a - (b - c), (a - b) - c from t",
              "select (a + b) * c, a - (b - c), a - b - c from t");
    sql_check("select not (a and b), (not a) and b from t",
              "select not (a and b), not a and b from t");
    sql_check("select (a or b) and c, a or (b and c) from t",
              "select (a or b) and c, a or b and c from t");
    sql_check("select - (1 + 2), - - 1, -(-a) from t",
              "select -(1 + 2), - -1, - -a from t");
    sql_check("select (a = b) = c, a = (b = c) from t",
              "select a = b = c, a = (b = c) from t");
    sql_check("select (-1) collate x, (a + b) collate y from t",
              "select (-1) collate x, (a + b) collate y from t");
    sql_check("select a between (b or c) and d from t",
              "select a between (b or c) and d from t");
    sql_check("select @a := @b := 1 + 2 from dual",
              "select @a := @b := 1 + 2 from dual");
}

Test(sql_select, literals_decode)
{
    vr_sql_stmt_t *s = sql_parse_ok(
        "select 'it''s\\n', \"q\"\"q\", x'0aFF', b'101', 0x1f, 0b11, "
        "_utf8mb4 'u', N'n', 1.5, 2e3, -7, 'a\\%b', date '2020-01-02' from t");
    vr_sql_select_expr_list_t *x = &s->select.exprs;
    cr_assert_eq(x->items[0]->expr->lit.type, VR_SQL_LIT_STRING);
    cr_assert_eq(x->items[0]->expr->lit.len, 5);
    cr_assert_eq(memcmp(x->items[0]->expr->lit.val, "it's\n", 5), 0);
    cr_assert_str_eq(x->items[1]->expr->lit.val, "q\"q");
    cr_assert_eq(x->items[2]->expr->lit.type, VR_SQL_LIT_HEX);
    cr_assert_str_eq(x->items[2]->expr->lit.val, "0aFF");
    cr_assert_eq(x->items[3]->expr->lit.type, VR_SQL_LIT_BIT);
    cr_assert_eq(x->items[4]->expr->lit.type, VR_SQL_LIT_HEXNUM);
    cr_assert_eq(x->items[5]->expr->lit.type, VR_SQL_LIT_BIT);
    cr_assert_str_eq(x->items[5]->expr->lit.val, "11");
    cr_assert_str_eq(x->items[6]->expr->lit.charset, "utf8mb4");
    cr_assert(x->items[7]->expr->lit.national);
    cr_assert_eq(x->items[8]->expr->lit.type, VR_SQL_LIT_DECIMAL);
    cr_assert_eq(x->items[9]->expr->lit.type, VR_SQL_LIT_FLOAT);
    cr_assert_str_eq(x->items[10]->expr->lit.val, "-7");
    cr_assert_str_eq(x->items[11]->expr->lit.val, "a\\%b"); /* \% kept */
    cr_assert_eq(x->items[12]->expr->lit.type, VR_SQL_LIT_DATE);
    vr_sql_free(s);
}

Test(sql_select, nul_byte_inside_a_string)
{
    const char sql[] = "select 'a\0b' from t";
    vr_sql_stmt_t *s = NULL;
    vr_error_t err;
    char *o;
    cr_assert_eq(vr_sql_parse(sql, sizeof(sql) - 1, &s, &err), VR_OK, "%s",
                 err.msg);
    cr_assert_eq(s->select.exprs.items[0]->expr->lit.len, 3);
    o = sql_fmt(s);
    cr_assert_str_eq(o, "select 'a\\0b' from t");
    free(o);
    vr_sql_free(s);
}

Test(sql_select, placeholders)
{
    vr_sql_stmt_t *s = sql_parse_ok(
        "select :name, ? from t where a = ? and b in ::list limit :lim");
    cr_assert_str_eq(s->select.exprs.items[0]->expr->arg.name, "name");
    cr_assert_str_eq(s->select.exprs.items[1]->expr->arg.name, "v1");
    cr_assert_str_eq(s->select.where->list.items[0]->binary.right->arg.name,
                     "v2");
    cr_assert_eq(vr_sql_count_args(s), 5);
    vr_sql_free(s);
}

Test(sql_select, comments_kept_after_the_first_keyword)
{
    vr_sql_stmt_t *s = sql_parse_ok(
        "/* leading */ select /* a */ /*+ hint */ 1 /* dropped */ from t");
    cr_assert_eq(s->comments.n, 2);
    cr_assert_str_eq(s->comments.items[0], "/* a */");
    vr_sql_free(s);
    sql_check("select /* a */ 1 from t where /* b */ x = 1",
              "select /* a */ 1 from t where x = 1");
    sql_check("insert /* i */ into t values (1)",
              "insert /* i */ into t values (1)");
    sql_check("update /* u */ t set a = 1", "update /* u */ t set a = 1");
    sql_check("delete /* d */ from t", "delete /* d */ from t");
    sql_check("select 1 from t -- dash\n where a = 1 # hash",
              "select 1 from t where a = 1");
    sql_check("select /*!40101 1, */ 2 from t", "select 1, 2 from t");
    sql_check("select 1 --1 from t", "select 1 - -1 from t");
}

Test(sql_select, identifiers_quoted_only_when_needed)
{
    sql_check("select `a`, `Date`, `select`, `a b`, `a``b`, `1a`, `ok_1` from `t`",
              "select a, `Date`, `select`, `a b`, `a``b`, `1a`, ok_1 from t");
    sql_check("select status, date, time from t",
              "select `status`, `date`, `time` from t");
    sql_check("select t.key, t.select from t",
              "select t.`key`, t.`select` from t");
    cr_assert(vr_sql_ident_needs_quotes("select"));
    cr_assert(vr_sql_ident_needs_quotes("SELECT"));
    cr_assert(vr_sql_ident_needs_quotes("columns"));
    cr_assert(vr_sql_ident_needs_quotes("count"));
    cr_assert(vr_sql_ident_needs_quotes("_utf8mb4"));
    cr_assert(vr_sql_ident_needs_quotes("zerofill"));
    cr_assert(vr_sql_ident_needs_quotes("a-b"));
    cr_assert(vr_sql_ident_needs_quotes(""));
    cr_assert_not(vr_sql_ident_needs_quotes("customer"));
    cr_assert_not(vr_sql_ident_needs_quotes("a1_$"));
}

/* ---- INSERT / UPDATE / DELETE ------------------------------------------------- */

Test(sql_dml, insert)
{
    vr_sql_stmt_t *s = sql_parse_ok(
        "insert ignore into ks.t(a, b) values (1, 'x'), (2, default) on "
        "duplicate key update b = values(b), c = c + 1");
    vr_sql_insert_t *in = &s->insert;
    cr_assert_eq(s->kind, VR_SQL_STMT_INSERT);
    cr_assert(in->ignore);
    cr_assert_not(in->replace);
    cr_assert_str_eq(in->table.qualifier, "ks");
    cr_assert_eq(in->columns.n, 2);
    cr_assert_eq(in->rows.n, 2);
    cr_assert_eq(in->rows.items[1]->items[1]->kind, VR_SQL_EXPR_DEFAULT);
    cr_assert_eq(in->on_dup.n, 2);
    cr_assert_eq(in->on_dup.items[0]->expr->kind, VR_SQL_EXPR_VALUES);
    cr_assert_str_eq(in->on_dup.items[0]->expr->column.name, "b");
    vr_sql_free(s);
    s = sql_parse_ok("replace into t select * from u");
    cr_assert(s->insert.replace);
    cr_assert_not_null(s->insert.select);
    vr_sql_free(s);
    sql_check("insert into t set a = 1, b = 'x'",
              "insert into t(a, b) values (1, 'x')");
}

Test(sql_dml, update_delete)
{
    vr_sql_stmt_t *s = sql_parse_ok(
        "update ignore t set a = 1, t.b = b + 1 where id = 3 order by id "
        "limit 1");
    cr_assert_eq(s->kind, VR_SQL_STMT_UPDATE);
    cr_assert(s->update.ignore);
    cr_assert_eq(s->update.set.n, 2);
    cr_assert_str_eq(s->update.set.items[1]->column.table, "t");
    cr_assert_not_null(s->update.where);
    cr_assert_eq(s->update.order_by.n, 1);
    cr_assert_not_null(s->update.limit.count);
    vr_sql_free(s);
    s = sql_parse_ok("delete from t where id = 1 limit 1");
    cr_assert_eq(s->kind, VR_SQL_STMT_DELETE);
    cr_assert_eq(s->del.targets.n, 0);
    cr_assert_str_eq(s->del.tables.items[0]->aliased.name.name, "t");
    vr_sql_free(s);
    s = sql_parse_ok("delete a.*, b from a join b on a.x = b.x where a.y = 1");
    cr_assert_eq(s->del.targets.n, 2);
    cr_assert_str_eq(s->del.targets.items[0]->name, "a");
    vr_sql_free(s);
}

/* ---- SET, USE, SHOW, transactions, EXPLAIN ------------------------------------- */

Test(sql_session, set)
{
    vr_sql_stmt_t *s = sql_parse_ok(
        "set autocommit = on, @@global.x = 1, session y = off, @u = 'v', "
        "names utf8mb4");
    vr_sql_set_t *l = &s->set;
    cr_assert_eq(l->n, 5);
    cr_assert_eq(l->items[0]->var->var.scope, VR_SQL_VAR_SYSTEM);
    cr_assert_str_eq(l->items[0]->var->var.name, "autocommit");
    cr_assert_str_eq(l->items[0]->value->lit.val, "on");
    cr_assert_eq(l->items[1]->var->var.scope, VR_SQL_VAR_GLOBAL);
    cr_assert_str_eq(l->items[2]->value->lit.val, "off");
    cr_assert_eq(l->items[3]->var->var.scope, VR_SQL_VAR_USER);
    cr_assert_eq(l->items[4]->kind, VR_SQL_SET_NAMES);
    cr_assert_str_eq(l->items[4]->charset, "utf8mb4");
    vr_sql_free(s);
    s = sql_parse_ok("set global transaction isolation level read committed");
    cr_assert_eq(s->set.items[0]->kind, VR_SQL_SET_TRANSACTION);
    cr_assert_eq(s->set.items[0]->scope, VR_SQL_VAR_GLOBAL);
    cr_assert_str_eq(s->set.items[0]->isolation, "read committed");
    vr_sql_free(s);
}

Test(sql_session, kinds)
{
    static const struct {
        const char *sql;
        vr_sql_stmt_kind_t kind;
    } cases[] = {
        {"use ks", VR_SQL_STMT_USE},
        {"begin", VR_SQL_STMT_BEGIN},
        {"start transaction", VR_SQL_STMT_BEGIN},
        {"commit", VR_SQL_STMT_COMMIT},
        {"rollback", VR_SQL_STMT_ROLLBACK},
        {"rollback to sp1", VR_SQL_STMT_ROLLBACK},
        {"savepoint sp1", VR_SQL_STMT_SAVEPOINT},
        {"release savepoint sp1", VR_SQL_STMT_RELEASE},
        {"explain select 1", VR_SQL_STMT_EXPLAIN},
        {"describe t", VR_SQL_STMT_EXPLAIN},
        {"show tables", VR_SQL_STMT_SHOW},
        {"grant select on *.* to u", VR_SQL_STMT_OTHER},
        {"flush privileges", VR_SQL_STMT_OTHER},
    };
    for (size_t i = 0; i < VR_ARRAY_LEN(cases); i++) {
        vr_sql_stmt_t *s = sql_parse_ok(cases[i].sql);
        cr_expect_eq(s->kind, cases[i].kind, "%s: kind %s", cases[i].sql,
                     vr_sql_stmt_kind_name(s->kind));
        vr_sql_free(s);
    }
    cr_assert_str_eq(vr_sql_stmt_kind_name(VR_SQL_STMT_CREATE_TABLE),
                     "create table");
    cr_assert_str_eq(vr_sql_stmt_kind_name((vr_sql_stmt_kind_t)999), "unknown");
}

Test(sql_session, show)
{
    static const struct {
        const char *sql;
        vr_sql_show_kind_t kind;
    } cases[] = {
        {"show databases", VR_SQL_SHOW_DATABASES},
        {"show schemas", VR_SQL_SHOW_DATABASES},
        {"show full tables from ks like 'a%'", VR_SQL_SHOW_TABLES},
        {"show create table ks.t", VR_SQL_SHOW_CREATE_TABLE},
        {"show global variables like 'max%'", VR_SQL_SHOW_VARIABLES},
        {"show full columns from t from ks", VR_SQL_SHOW_COLUMNS},
        {"show keyspaces", VR_SQL_SHOW_KEYSPACES},
        {"show vitess_keyspaces", VR_SQL_SHOW_KEYSPACES},
        {"show vitess_shards", VR_SQL_SHOW_VITESS_SHARDS},
        {"show index from t", VR_SQL_SHOW_INDEX},
        {"show slave status", VR_SQL_SHOW_OTHER},
    };
    for (size_t i = 0; i < VR_ARRAY_LEN(cases); i++) {
        vr_sql_stmt_t *s = sql_parse_ok(cases[i].sql);
        cr_expect_eq(s->show.kind, cases[i].kind, "%s", cases[i].sql);
        vr_sql_free(s);
    }
    {
        vr_sql_stmt_t *s = sql_parse_ok("show full columns from t from ks like 'a%'");
        cr_assert(s->show.full);
        cr_assert_str_eq(s->show.table.name, "t");
        cr_assert_str_eq(s->show.db, "ks");
        cr_assert_str_eq(s->show.like->lit.val, "a%");
        vr_sql_free(s);
    }
}

Test(sql_session, parse_into_a_callers_arena)
{
    vr_arena_t *a = vr_arena_new(0);
    vr_sql_stmt_t *s = NULL;
    vr_error_t err;
    const char *q = "select * from t where id = 1";
    for (int i = 0; i < 100; i++) {
        vr_arena_reset(a);
        cr_assert_eq(vr_sql_parse_arena(a, q, strlen(q), &s, &err), VR_OK);
        cr_assert_eq(s->arena, a);
        cr_assert_not(s->own_arena);
        vr_sql_free(s); /* a no-op for arena trees */
    }
    cr_assert_eq(vr_sql_parse_arena(a, "select", 6, &s, &err), VR_PARSE);
    cr_assert_null(s);
    vr_arena_free(a);
}
