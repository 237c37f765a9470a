/* Helpers shared by the sqlparser unit tests. */
#ifndef VR_TEST_SQLPARSER_H
#define VR_TEST_SQLPARSER_H

#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "vr_sqlparser.h"

/* Parse or fail the test. */
static inline vr_sql_stmt_t *sql_parse_ok(const char *sql)
{
    vr_sql_stmt_t *s = NULL;
    vr_error_t err;
    vr_code_t rc = vr_sql_parse(sql, strlen(sql), &s, &err);
    cr_assert_eq(rc, VR_OK, "parse failed: %s\n  sql: %s", err.msg, sql);
    cr_assert_not_null(s);
    return s;
}

/* Canonical text of a statement (malloc'd). */
static inline char *sql_fmt(const vr_sql_stmt_t *s)
{
    return vr_sql_to_string(s);
}

/* in parses, formats to out, and out formats to itself. */
static inline void sql_check(const char *in, const char *out)
{
    vr_sql_stmt_t *s = sql_parse_ok(in), *s2;
    char *o = sql_fmt(s), *o2;
    cr_expect_str_eq(o, out, "\n  input: %s\n  got:   %s\n  want:  %s", in, o,
                     out);
    s2 = sql_parse_ok(o);
    o2 = sql_fmt(s2);
    cr_expect_str_eq(o2, o, "round trip of %s", in);
    free(o2);
    vr_sql_free(s2);
    free(o);
    vr_sql_free(s);
}

/* sql does not parse and the message is exactly msg. */
static inline void sql_check_error(const char *sql, const char *msg)
{
    vr_sql_stmt_t *s = NULL;
    vr_error_t err;
    vr_code_t rc = vr_sql_parse(sql, strlen(sql), &s, &err);
    cr_expect_eq(rc, VR_PARSE, "expected an error for: %s", sql);
    if (rc != VR_PARSE) {
        vr_sql_free(s);
        return;
    }
    cr_expect_null(s);
    cr_expect_str_eq(err.msg, msg, "\n  input: %s", sql);
    cr_expect_eq(err.mysql_errno, 1064u);
}

#endif
