/*
 * `vrepl vstream` as a user runs it: --copy prints each table's snapshot
 * then COPY_COMPLETED; --filter applies Vitess rules.
 */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "vr_harness.h"

static size_t count(const char *hay, const char *needle)
{
    size_t n = 0;
    for (const char *p = hay; (p = strstr(p, needle)) != NULL; p++)
        n++;
    return n;
}

Test(vstream_cli, copy_then_stream, .timeout = 120)
{
    vr_h_server_t *s = vr_h_server_start(NULL);
    MYSQL *c = vr_h_connect(s, NULL);
    char *out = NULL;
    int rc;

    vr_h_exec(c, "create database d");
    vr_h_exec(c, "create table d.a(id int primary key, v varchar(10))");
    vr_h_exec(c, "create table d.b(id int primary key)");
    vr_h_exec(c, "insert into d.a values (1,'x'),(2,'y')");
    vr_h_exec(c, "insert into d.b values (10)");
    rc = vr_h_run(&out, "%s vstream --source mariadb://root@127.0.0.1:%d/d --tables a,b --copy "
                        "--stop-position current --skip-heartbeats",
                  vr_h_vrepl_bin(), vr_h_server_port(s));
    cr_assert_eq(rc, 0, "%s", out);
    cr_assert(strstr(out, "\"after\":{\"id\":1,\"v\":\"x\"}"), "%s", out);
    cr_assert(strstr(out, "\"after\":{\"id\":2,\"v\":\"y\"}"), "%s", out);
    cr_assert(strstr(out, "\"after\":{\"id\":10}"), "%s", out);
    cr_assert_eq(count(out, "\"type\":\"COPY_COMPLETED\""), 2, "%s", out);
    cr_assert_eq(count(out, "\"type\":\"ROW\""), 3, "%s", out);
    free(out);

    /* --copy needs --tables, and refuses --position */
    rc = vr_h_run(&out, "%s vstream --source mariadb://root@127.0.0.1:%d/d --copy",
                  vr_h_vrepl_bin(), vr_h_server_port(s));
    cr_assert_eq(rc, 2, "%s", out);
    free(out);
    mysql_close(c);
    vr_h_server_stop(s);
}

Test(vstream_cli, filter_rules, .timeout = 120)
{
    vr_h_server_t *s = vr_h_server_start(NULL);
    MYSQL *c = vr_h_connect(s, NULL);
    char *pos, *out = NULL;
    int rc;

    vr_h_exec(c, "create database d");
    vr_h_exec(c, "create table d.a(id int primary key, v varchar(10))");
    pos = vr_h_scalar(c, "select @@gtid_binlog_pos");
    vr_h_exec(c, "insert into d.a values (1,'x'),(2,'y'),(3,'z')");
    rc = vr_h_run(&out,
                  "%s vstream --source mariadb://root@127.0.0.1:%d/d --position %s "
                  "--stop-position current --skip-heartbeats "
                  "--filter '{\"rules\":[{\"match\":\"a\",\"filter\":\"select id as k from a "
                  "where id >= 2\"}]}'",
                  vr_h_vrepl_bin(), vr_h_server_port(s), pos);
    cr_assert_eq(rc, 0, "%s", out);
    cr_assert_eq(count(out, "\"type\":\"ROW\""), 2, "%s", out);
    cr_assert(strstr(out, "\"after\":{\"k\":2}"), "%s", out);
    cr_assert(strstr(out, "\"after\":{\"k\":3}"), "%s", out);
    free(out);
    rc = vr_h_run(&out, "%s vstream --source mariadb://root@127.0.0.1:%d/d --filter "
                        "'{\"rules\":[{\"match\":\"a\",\"filter\":\"select id from a group by id\"}]}'",
                  vr_h_vrepl_bin(), vr_h_server_port(s));
    cr_assert_eq(rc, 1, "%s", out);
    cr_assert(strstr(out, "unsupported: group by in a stream filter"), "%s", out);
    free(out);
    free(pos);
    mysql_close(c);
    vr_h_server_stop(s);
}
