/* The harness itself: servers start isolated, run SQL, restart, and a
 * killed server's pid is really gone. */
#include <criterion/criterion.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>

#include "vr_harness.h"

Test(harness, server_runs_sql_with_row_binlog, .timeout = 120)
{
    vr_h_server_t *s = vr_h_server_start(NULL);
    MYSQL *c = vr_h_connect(s, NULL);
    char *v;

    vr_h_exec(c, "create database t");
    vr_h_exec(c, "create table t.a(id int primary key, s varchar(10))");
    vr_h_exec(c, "insert into t.a values (1,'x'),(2,NULL)");
    v = vr_h_query(c, "select id, s from t.a order by id");
    cr_assert_str_eq(v, "1\tx\n2\tNULL\n");
    free(v);
    v = vr_h_query(c, "select @@binlog_format, @@binlog_row_image, @@binlog_row_metadata, "
                      "@@gtid_strict_mode, @@log_bin");
    cr_assert_str_eq(v, "ROW\tFULL\tFULL\t1\t1\n");
    free(v);
    cr_assert_eq(vr_h_try_exec(c, "select * from t.nope"), 1146);
    mysql_close(c);
    vr_h_server_stop(s);
}

Test(harness, two_servers_are_isolated_and_restart_keeps_data, .timeout = 120)
{
    vr_h_server_t *a = vr_h_server_start(NULL);
    vr_h_server_t *b = vr_h_server_start(NULL);
    MYSQL *ca = vr_h_connect(a, NULL), *cb = vr_h_connect(b, NULL);
    char *v;

    cr_assert_neq(vr_h_server_port(a), vr_h_server_port(b));
    vr_h_exec(ca, "create database only_a");
    v = vr_h_scalar(cb, "select count(*) from information_schema.schemata "
                        "where schema_name = 'only_a'");
    cr_assert_str_eq(v, "0");
    free(v);
    mysql_close(ca);
    vr_h_server_restart(a);
    ca = vr_h_connect(a, NULL);
    cr_assert(vr_h_wait_query(ca, "1\n", 5000,
                              "select count(*) from information_schema.schemata "
                              "where schema_name = 'only_a'"));
    mysql_close(ca);
    mysql_close(cb);
    vr_h_server_stop(a);
    vr_h_server_stop(b);
}
