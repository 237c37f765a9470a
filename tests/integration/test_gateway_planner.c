/*
 * The gateway's planner and executor on a real marketplace cluster (15
 * mariadbd tablets, base port 10000, in a temp folder): the demo's steps 1
 * and 2 through the real `mariadb` client with their expected rows and the
 * shard queries `vexplain queries` reports, every routing case (unsharded,
 * vindex `=`/`IN`, scatter with ORDER BY/LIMIT/aggregates, pushed-down
 * joins, the cross-keyspace nested-loop join), sequence-filled inserts,
 * UPDATE/DELETE routing, denied tables, transactions, prepared statements
 * through Connector/C, and a tablet down.
 *
 * One cluster per program: main() brings it up (and loads data.sql through
 * a gateway) before Criterion runs the tests one at a time (jobs = 1: the
 * tests share the data), and takes it down after.  Each test runs its own
 * in-process gateway on an ephemeral port.
 */
#include <criterion/criterion.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "vr_cluster.h"
#include "vr_gateway.h"
#include "gw_testutil.h"
#include "vr_harness.h"
#include "vr_topo.h"
#include "vr_vschema.h"


static const char *work;
static int port;

static void gw_start(void)
{
    cr_assert_eq(gwt_start(work), 0);
    port = gwt_port();
}

static void setup(void)
{
    work = getenv("VR_GP_WORK");
    gw_start();
}

TestSuite(planner, .init = setup, .fini = gwt_stop, .timeout = 240);

static void expect(const char *sql, const char *want)
{
    gwt_expect(NULL, sql, want);
}

static void expect_sorted(const char *sql, const char *want)
{
    char *out = NULL, *q = vr_xasprintf("%s", sql);
    int rc;
    (void)q;
    {
        char path[1100];
        FILE *f;
        snprintf(path, sizeof(path), "%s/s-%d.sql", work, (int)getpid());
        f = fopen(path, "w");
        fputs(sql, f);
        fclose(f);
        rc = vr_h_run(&out, "mariadb -h127.0.0.1 -P%d -uapp -papp -N -B < %s 2>&1 | sort", port,
                      path);
    }
    cr_expect_eq(rc, 0, "%s: %s", sql, out);
    cr_expect_str_eq(out, want, "%s", sql);
    free(out);
    free(q);
}

/* The shard queries vexplain reports, as "ks/shard: query" lines, sorted. */
static char *explain(const char *sql)
{
    char *out = NULL, *q = vr_xasprintf("vexplain queries %s", sql), path[1100];
    FILE *f;
    snprintf(path, sizeof(path), "%s/e-%d.sql", work, (int)getpid());
    f = fopen(path, "w");
    fputs(q, f);
    fclose(f);
    free(q);
    cr_assert_eq(vr_h_run(&out,
                          "mariadb -h127.0.0.1 -P%d -uapp -papp -N -B < %s 2>&1 | "
                          "awk -F'\\t' '{print $2\"/\"$3\": \"$4}' | sort",
                          port, path),
                 0);
    return out;
}

static void expect_explain(const char *sql, const char *want)
{
    char *out = explain(sql);
    cr_expect_str_eq(out, want, "vexplain queries %s", sql);
    free(out);
}

static void expect_error(const char *sql, const char *needle)
{
    gwt_expect_error(NULL, sql, needle);
}

/* Poll until sql fails with needle (topology changes reach the gateway
 * within its reload interval). */
static void wait_error(const char *sql, const char *needle)
{
    int i;
    for (i = 0; i < 250; i++) {
        char *out = NULL;
        int rc = gwt_cli(&out, NULL, sql);
        bool ok = rc != 0 && strstr(out, needle);
        free(out);
        if (ok)
            return;
        usleep(20000);
    }
    cr_expect_fail("%s never failed with '%s'", sql, needle);
}

Test(planner, demo_step1_placement)
{
    gwt_expect_tablet("customer", "-80", "select cid, name from customer order by cid", "1\tsougou\n");
    gwt_expect_tablet("customer", "80-", "select cid, name from customer order by cid", "6\tdemmer\n");
    gwt_expect_tablet("customer", "-80", "select oid from orders order by oid", "1\n2\n");
    gwt_expect_tablet("customer", "80-", "select oid from orders order by oid", "3\n");
    gwt_expect_tablet("merchant", "-80", "select mname from merchant", "monoprice\n");
    gwt_expect_tablet("merchant", "80-", "select mname from merchant", "newegg\n");
    gwt_expect_tablet("product", "0", "select pid, description from product order by pid",
                  "1\tkeyboard\n2\tmonitor\n");
}

Test(planner, demo_step2_queries)
{
    expect_sorted("select * from product", "1\tkeyboard\n2\tmonitor\n");
    expect_explain("select * from product", "product/0: select * from product\n");
    expect_sorted("select * from customer", "1\tsougou\t10\n6\tdemmer\t20\n");
    expect_explain("select * from customer",
                   "customer/-80: select * from customer\ncustomer/80-: select * from customer\n");
    expect_sorted("select name, oid, mname from customer c join orders o on c.cid = o.cid",
                  "demmer\t3\tmonoprice\nsougou\t1\tmonoprice\nsougou\t2\tnewegg\n");
    expect_explain("select name, oid, mname from customer c join orders o on c.cid = o.cid",
                   "customer/-80: select `name`, oid, mname from customer as c join orders as o "
                   "on c.cid = o.cid\n"
                   "customer/80-: select `name`, oid, mname from customer as c join orders as o "
                   "on c.cid = o.cid\n");
    expect_sorted("select c.name, p.description from customer c join orders o on c.cid = o.cid "
                  "join product p on o.pid = p.pid",
                  "demmer\tmonitor\nsougou\tkeyboard\nsougou\tmonitor\n");
    expect_explain("select c.name, p.description from customer c join orders o on c.cid = o.cid "
                   "join product p on o.pid = p.pid",
                   "customer/-80: select c.`name`, o.pid from customer as c join orders as o on "
                   "c.cid = o.cid\n"
                   "customer/80-: select c.`name`, o.pid from customer as c join orders as o on "
                   "c.cid = o.cid\n"
                   "product/0: select p.description from product as p where p.pid = 1\n"
                   "product/0: select p.description from product as p where p.pid = 2\n"
                   "product/0: select p.description from product as p where p.pid = 2\n");
}

Test(planner, vindex_routing)
{
    expect("select name from customer where cid = 6", "demmer\n");
    expect_explain("select name from customer where cid = 6",
                   "customer/80-: select `name` from customer where cid = 6\n");
    expect_explain("select name from customer where cid in (1, 6)",
                   "customer/-80: select `name` from customer where cid in (1, 6)\n"
                   "customer/80-: select `name` from customer where cid in (1, 6)\n");
    expect_explain("select name from customer where cid in (1)",
                   "customer/-80: select `name` from customer where cid in (1)\n");
    expect("select category from merchant where mname = 'monoprice'", "electronics\n");
    expect_explain("select category from merchant where mname = 'monoprice'",
                   "merchant/-80: select category from merchant where mname = 'monoprice'\n");
    expect("select oid from customer.orders where cid = 1 order by oid", "1\n2\n");
}

Test(planner, scatter_merge)
{
    expect("select cid, name from customer order by name", "6\tdemmer\n1\tsougou\n");
    expect("select cid from customer order by cid desc", "6\n1\n");
    expect("select oid, price from orders order by price desc limit 2", "3\t20\n2\t15\n");
    expect("select oid from orders order by oid limit 1, 1", "2\n");
    expect_explain("select oid from orders order by oid limit 1, 1",
                   "customer/-80: select oid from orders order by oid asc limit 2\n"
                   "customer/80-: select oid from orders order by oid asc limit 2\n");
    expect("select count(*), sum(price), min(price), max(price) from orders", "3\t45\t10\t20\n");
    expect("select pid, count(*), sum(price) from orders group by pid order by pid",
           "1\t1\t10\n2\t2\t35\n");
    expect("select mname, count(*) from orders group by mname order by 2 desc, mname",
           "monoprice\t2\nnewegg\t1\n");
    expect("select avg(price) from orders", "15.0000\n");
    expect("select pid, avg(price) as a, count(*) from orders group by pid order by a desc",
           "2\t17.5000\t2\n1\t10.0000\t1\n");
    expect_explain("select avg(price) from orders",
                   "customer/-80: select sum(price), count(price) from orders\n"
                   "customer/80-: select sum(price), count(price) from orders\n");
    expect_error("select count(distinct pid) from orders", "DISTINCT");
    expect("show databases", "customer\nmerchant\nproduct\n");
    expect("show vitess_shards",
           "customer/-80\ncustomer/80-\nmerchant/-80\nmerchant/80-\nproduct/0\n");
    {
        char *out = NULL;
        cr_expect_eq(gwt_cli(&out, "customer", "show tables"), 0, "%s", out);
        cr_expect_str_eq(out, "customer\norders\n");
        free(out);
        cr_expect_eq(gwt_cli(&out, NULL, "show create table customer.customer"), 0, "%s", out);
        cr_expect(strstr(out, "CREATE TABLE `customer`") != NULL, "%s", out);
        free(out);
    }
    expect_error("select * from nosuch", "nosuch");
}

Test(planner, replica_reads)
{
    char *out = NULL;
    cr_expect_eq(gwt_cli(&out, "customer@replica", "select name from customer where cid = 1"), 0,
                 "%s", out);
    cr_expect_str_eq(out, "sougou\n");
    free(out);
    cr_expect_eq(gwt_cli(&out, NULL, "use @rdonly; select description from product where pid = 2"), 0,
                 "%s", out);
    cr_expect_str_eq(out, "monitor\n");
    free(out);
}

static void wait_ok_insert(void)
{
    int i;
    for (i = 0; i < 250; i++) {
        char *out = NULL;
        int rc = gwt_cli(&out, NULL, "delete from orders where oid = -1 and cid = 6");
        if (i == 249)
            fprintf(stderr, "last: %s\n", out);
        free(out);
        if (rc == 0)
            return;
        usleep(20000);
    }
    cr_expect_fail("writes to customer/80- orders stay refused after the rule was lifted");
}

Test(planner, writes_sequences_and_denied)
{
    char *out = NULL, *id;
    /* sequence-filled insert: customer_seq starts at 1000, cache 100 */
    cr_expect_eq(gwt_cli(&out, NULL,
                     "insert into customer(name, balance) values('alice', 5);"
                     "select last_insert_id();"),
                 0, "%s", out);
    cr_expect_str_eq(out, "1000\n");
    free(out);
    expect("select name, balance from customer where cid = 1000", "alice\t5\n");
    gwt_expect_tablet("product", "0", "select next_id from customer_seq", "1100\n");
    id = gwt_on_tablet("customer", "80-", "select count(*) from customer where cid = 1000");
    {
        char *id2 = gwt_on_tablet("customer", "-80", "select count(*) from customer where cid = 1000");
        cr_expect(strcmp(id, "1\n") == 0 || strcmp(id2, "1\n") == 0);
        cr_expect(strcmp(id, id2) != 0, "row on exactly one shard");
        free(id2);
    }
    free(id);
    /* update routed by vindex; vindex change refused; scatter delete */
    expect_explain("update customer set balance = 6 where cid = 1000",
                   "customer/-80: update customer set balance = 6 where cid = 1000\n");
    expect("select balance from customer where cid = 1000", "6\n");
    expect_error("update customer set cid = 7 where cid = 1000", "primary vindex");
    expect_error("insert into customer(cid, name) values(1000, 'a') on duplicate key update "
                 "cid = 8",
                 "primary vindex");
    expect_explain("delete from customer where name = 'alice'",
                   "customer/-80: delete from customer where `name` = 'alice'\n"
                   "customer/80-: delete from customer where `name` = 'alice'\n");
    expect("select count(*) from customer", "2\n");
    /* a transaction across both shards, rolled back */
    expect("begin; insert into customer(cid, name, balance) values(2, 'x', 1), (4, 'y', 1);"
           " rollback; select count(*) from customer",
           "2\n");
    expect("begin; insert into customer(cid, name, balance) values(2, 'x', 1), (4, 'y', 1);"
           " commit; select count(*) from customer",
           "4\n");
    expect_explain("delete from customer where cid in (2, 4)",
                   "customer/-80: delete from customer where cid in (2, 4)\n"
                   "customer/80-: delete from customer where cid in (2, 4)\n");
    expect("select count(*) from customer", "2\n");
    /* a multi-row insert is split by shard */
    expect_explain("insert into customer(cid, name, balance) values(2, 'x', 1), (4, 'y', 1)",
                   "customer/-80: insert into customer(cid, `name`, balance) values (2, 'x', 1)\n"
                   "customer/80-: insert into customer(cid, `name`, balance) values (4, 'y', 1)\n");
    expect("delete from customer where cid in (2, 4); select count(*) from customer", "2\n");
    /* denied tables: writes refused on that shard */
    {
        vr_topo_t *topo;
        vr_error_t err;
        const char *t[1] = {"orders"};
        cr_assert_eq(vr_topo_open(gwt_topo_path(), &topo, &err), VR_OK);
        cr_assert_eq(vr_topo_set_denied_tables(topo, "customer", "80-", VR_TABLET_PRIMARY, t, 1,
                                               &err),
                     VR_OK, "%s", err.msg);
        wait_error("delete from orders where oid = -1 and cid = 6",
                   "disallowed due to rule: enforce denied tables");
        expect_error("insert into orders(oid, cid, mname, pid, price) values(9, 6, 'x', 1, 1)",
                     "target: customer.80-.primary: disallowed due to rule: enforce denied tables");
        /* reads still work, and so do writes to the other shard */
        expect("select count(*) from orders where cid = 6", "1\n");
        expect("insert into orders(oid, cid, mname, pid, price) values(9, 1, 'x', 1, 1);"
               "delete from orders where oid = 9 and cid = 1; select count(*) from orders", "3\n");
        cr_assert_eq(vr_topo_set_denied_tables(topo, "customer", "80-", VR_TABLET_PRIMARY, NULL,
                                               0, &err),
                     VR_OK);
        wait_ok_insert();
        vr_topo_close(topo);
    }
}

Test(planner, prepared_statements)
{
    MYSQL *m = mysql_init(NULL);
    MYSQL_STMT *st;
    MYSQL_BIND pb, rb;
    int cid = 6;
    char name[64];
    unsigned long len = 0;
    cr_assert_not_null(mysql_real_connect(m, "127.0.0.1", "app", "app", NULL, (unsigned)port,
                                          NULL, 0),
                       "%s", mysql_error(m));
    st = mysql_stmt_init(m);
    cr_assert_eq(mysql_stmt_prepare(st, "select name from customer where cid = ?", 39), 0, "%s",
                 mysql_stmt_error(st));
    memset(&pb, 0, sizeof(pb));
    pb.buffer_type = MYSQL_TYPE_LONG;
    pb.buffer = &cid;
    cr_assert_eq(mysql_stmt_bind_param(st, &pb), 0);
    cr_assert_eq(mysql_stmt_execute(st), 0, "%s", mysql_stmt_error(st));
    memset(&rb, 0, sizeof(rb));
    rb.buffer_type = MYSQL_TYPE_STRING;
    rb.buffer = name;
    rb.buffer_length = sizeof(name);
    rb.length = &len;
    cr_assert_eq(mysql_stmt_bind_result(st, &rb), 0);
    cr_assert_eq(mysql_stmt_fetch(st), 0, "%s", mysql_stmt_error(st));
    cr_expect_eq(len, 6);
    cr_expect(memcmp(name, "demmer", 6) == 0);
    cid = 1;
    cr_assert_eq(mysql_stmt_execute(st), 0, "%s", mysql_stmt_error(st));
    cr_assert_eq(mysql_stmt_bind_result(st, &rb), 0);
    cr_assert_eq(mysql_stmt_fetch(st), 0);
    cr_expect(memcmp(name, "sougou", 6) == 0);
    mysql_stmt_close(st);
    mysql_close(m);
}

/* sysbench and other connectors bind the result columns the prepare
 * announces: a SELECT must describe them before its first execute. */
Test(planner, prepare_describes_columns)
{
    MYSQL *m = mysql_init(NULL);
    MYSQL_STMT *st;
    MYSQL_RES *meta;
    MYSQL_FIELD *f;
    MYSQL_BIND pb, rb[2];
    int cid = 6, got = 0;
    char name[64];
    unsigned long len = 0;
    const char *q = "select cid, name from customer where cid = ?";
    const char *ins = "insert into customer(cid, name) values (?, ?)";
    cr_assert_not_null(mysql_real_connect(m, "127.0.0.1", "app", "app", "customer",
                                          (unsigned)port, NULL, 0),
                       "%s", mysql_error(m));
    st = mysql_stmt_init(m);
    cr_assert_eq(mysql_stmt_prepare(st, q, (unsigned long)strlen(q)), 0, "%s",
                 mysql_stmt_error(st));
    cr_assert_eq(mysql_stmt_field_count(st), 2);
    meta = mysql_stmt_result_metadata(st);
    cr_assert_not_null(meta);
    f = mysql_fetch_fields(meta);
    cr_expect_str_eq(f[0].name, "cid");
    cr_expect_str_eq(f[1].name, "name");
    mysql_free_result(meta);
    /* bind before the first execute, as sysbench does */
    memset(&pb, 0, sizeof(pb));
    pb.buffer_type = MYSQL_TYPE_LONG;
    pb.buffer = &cid;
    memset(rb, 0, sizeof(rb));
    rb[0].buffer_type = MYSQL_TYPE_LONG;
    rb[0].buffer = &got;
    rb[1].buffer_type = MYSQL_TYPE_STRING;
    rb[1].buffer = name;
    rb[1].buffer_length = sizeof(name);
    rb[1].length = &len;
    cr_assert_eq(mysql_stmt_bind_param(st, &pb), 0);
    cr_assert_eq(mysql_stmt_bind_result(st, rb), 0);
    cr_assert_eq(mysql_stmt_execute(st), 0, "%s", mysql_stmt_error(st));
    cr_assert_eq(mysql_stmt_store_result(st), 0, "%s", mysql_stmt_error(st));
    cr_assert_eq(mysql_stmt_fetch(st), 0, "%s", mysql_stmt_error(st));
    cr_expect_eq(got, 6);
    cr_expect(len == 6 && memcmp(name, "demmer", 6) == 0);
    cr_expect_eq(mysql_stmt_fetch(st), MYSQL_NO_DATA);
    cid = 1;
    cr_assert_eq(mysql_stmt_execute(st), 0, "%s", mysql_stmt_error(st));
    cr_assert_eq(mysql_stmt_store_result(st), 0, "%s", mysql_stmt_error(st));
    cr_assert_eq(mysql_stmt_fetch(st), 0, "%s", mysql_stmt_error(st));
    cr_expect(len == 6 && memcmp(name, "sougou", 6) == 0);
    mysql_stmt_close(st);
    /* a write announces no columns (and is not run by the prepare) */
    st = mysql_stmt_init(m);
    cr_assert_eq(mysql_stmt_prepare(st, ins, (unsigned long)strlen(ins)), 0, "%s",
                 mysql_stmt_error(st));
    cr_expect_eq(mysql_stmt_field_count(st), 0);
    cr_expect_null(mysql_stmt_result_metadata(st));
    mysql_stmt_close(st);
    mysql_close(m);
}

static void put_rules(const char *json)
{
    vr_topo_t *topo;
    vr_error_t err;
    cr_assert_eq(vr_topo_open(gwt_topo_path(), &topo, &err), VR_OK, "%s", err.msg);
    cr_assert_eq(vr_topo_put_routing_rules(topo, json, &err), VR_OK, "%s", err.msg);
    vr_topo_close(topo);
}

/* Poll until the gateway answers sql with want (topology reloads). */
static void wait_rows(const char *db, const char *sql, const char *want)
{
    char *out = NULL;
    int i;
    for (i = 0; i < 250; i++) {
        free(out);
        out = NULL;
        if (gwt_cli(&out, db, sql) == 0 && strcmp(out, want) == 0)
            break;
        usleep(20000);
    }
    cr_expect_str_eq(out, want, "%s", sql);
    free(out);
}

Test(planner, routing_rules_per_tablet_type)
{
    put_rules("{\"rules\": ["
              "{\"from_table\": \"gizmo\", \"to_tables\": [\"product.product\"]},"
              "{\"from_table\": \"gizmo@rdonly\", \"to_tables\": [\"merchant.merchant\"]}]}");
    wait_rows(NULL, "select * from gizmo order by 1 limit 1", "1\tkeyboard\n");
    expect_explain("select * from gizmo where pid = 2",
                   "product/0: select * from product where pid = 2\n");
    wait_rows("@rdonly", "select * from gizmo order by 1 limit 1", "monoprice\telectronics\n");
    put_rules("{\"rules\": []}");
}

/* Demo steps 5-6: product as a reference table in customer (routing rule
 * to both copies) lets the three-way join run whole on each shard. */
Test(planner, reference_table_join_pushdown)
{
    vr_topo_t *topo;
    vr_error_t err;
    vr_vschema_t *vs = NULL;
    char *orig = NULL, *json;
    const char *shards[2] = {"-80", "80-"};
    int i;
    for (i = 0; i < 2; i++) {
        free(gwt_on_tablet("customer", shards[i],
                       "create table if not exists product(pid int, description varbinary(128), "
                       "primary key(pid))"));
        free(gwt_on_tablet("customer", shards[i],
                       "replace into product values(1, 'keyboard'), (2, 'monitor')"));
    }
    cr_assert_eq(vr_topo_open(gwt_topo_path(), &topo, &err), VR_OK);
    cr_assert_eq(vr_topo_get_vschema(topo, "customer", &orig, &err), VR_OK);
    cr_assert_eq(vr_vschema_parse("customer", orig, &vs, &err), VR_OK, "%s", err.msg);
    cr_assert_eq(vr_vschema_add_reference_table(vs, "product", "product.product", &err), VR_OK,
                 "%s", err.msg);
    json = vr_vschema_to_json(vs);
    cr_assert_eq(vr_topo_put_vschema(topo, "customer", json, &err), VR_OK, "%s", err.msg);
    free(json);
    vr_vschema_free(vs);
    put_rules("{\"rules\": [{\"from_table\": \"product\", "
              "\"to_tables\": [\"product.product\", \"customer.product\"]}]}");
    wait_rows(NULL, "vexplain queries select c.name, p.description from customer c join orders o "
                    "on c.cid = o.cid join product p on o.pid = p.pid",
              "0\tcustomer\t-80\tselect c.`name`, p.description from customer as c join orders "
              "as o on c.cid = o.cid join product as p on o.pid = p.pid\n"
              "1\tcustomer\t80-\tselect c.`name`, p.description from customer as c join orders "
              "as o on c.cid = o.cid join product as p on o.pid = p.pid\n");
    expect_sorted("select c.name, p.description from customer c join orders o on c.cid = o.cid "
                  "join product p on o.pid = p.pid",
                  "demmer\tmonitor\nsougou\tkeyboard\nsougou\tmonitor\n");
    expect_error("insert into customer.product(pid, description) values(9, 'x')",
                 "customer.product is a reference copy of product.product");
    /* plain reads of product still go to product/0 (the first target) */
    expect_explain("select * from product", "product/0: select * from product\n");
    put_rules("{\"rules\": []}");
    cr_assert_eq(vr_topo_put_vschema(topo, "customer", orig, &err), VR_OK);
    free(orig);
    vr_topo_close(topo);
    for (i = 0; i < 2; i++)
        free(gwt_on_tablet("customer", shards[i], "drop table product"));
}

static bool serve_port_answers(void *arg)
{
    (void)arg;
    return vr_h_run(NULL, "mariadb -h127.0.0.1 -P%s -uapp -papp -e 'select 1' >/dev/null 2>&1",
                    getenv("VR_GP_SERVE_PORT")) == 0;
}

/* `vrepl up` started `vrepl serve` on the cluster file's gateway port. */
Test(planner, vrepl_serve_from_up)
{
    char *out = NULL;
    cr_assert(vr_h_wait_until(serve_port_answers, NULL, 10000));
    cr_expect_eq(vr_h_run(&out, "mariadb -h127.0.0.1 -P%s -uapp -papp -N -B "
                                "-e 'select * from product order by pid'",
                          getenv("VR_GP_SERVE_PORT")),
                 0);
    cr_expect_str_eq(out, "1\tkeyboard\n2\tmonitor\n");
    free(out);
    cr_expect_eq(vr_h_run(&out, "%s status --var %s/var", vr_h_vrepl_bin(), work), 0);
    cr_expect(strstr(out, "serve: running (pid ") != NULL, "%s", out);
    free(out);
    cr_expect_neq(vr_h_run(&out, "mariadb -h127.0.0.1 -P%s -uapp -pwrong -e 'select 1'",
                           getenv("VR_GP_SERVE_PORT")),
                  0);
    cr_expect(strstr(out, "Access denied") != NULL, "%s", out);
    free(out);
}

static bool tablet_gone(void *arg)
{
    return kill(*(int *)arg, 0) != 0;
}

/* Last: stops a tablet (the cluster goes down right after). */
Test(planner, z_shard_down)
{
    vr_tablet_t t = gwt_tablet("customer", "80-", VR_TABLET_REPLICA);
    char *out = NULL;
    cr_assert(t.pid > 0);
    kill(t.pid, SIGKILL);
    cr_assert(vr_h_wait_until(tablet_gone, &t.pid, 10000));
    cr_expect_neq(gwt_cli(&out, "customer@replica", "select * from customer"), 0);
    cr_expect(strstr(out, "customer.80-") != NULL, "error names the shard: %s", out);
    free(out);
    /* the primary and the other shards keep working */
    expect("select name from customer where cid = 6", "demmer\n");
    cr_expect_eq(gwt_cli(&out, "customer@replica", "select name from customer where cid = 1"), 0, "%s",
                 out);
    cr_expect_str_eq(out, "sougou\n");
    free(out);
}

/* ---- one cluster for the whole program ---- */

/* Bring the marketplace up with base port `base` (gateway port base+999,
 * status page base+998);
 * returns vrepl up's status and output. */
static int up_at(int base, char **out)
{
    vr_h_run(NULL, "rm -rf %s/mp && cp -r %s/examples/marketplace %s/mp && sed -i "
                   "'s/\"base_port\": 17000/\"base_port\": %d/; s/\"port\": 15306/\"port\": %d/; "
                   "s/\"http_port\": 15001/\"http_port\": %d/' %s/mp/cluster.json",
             work, VR_SOURCE_DIR, work, base, base + 999, base + 998, work);
    return vr_h_run(out, "%s up --config %s/mp/cluster.json --var %s/var", vr_h_vrepl_bin(), work,
                    work);
}

static int cluster_up(void)
{
    /* two slots in 10000-11999, below Linux's ephemeral ports (32768
     * and up); a port taken (another run of this program) makes vrepl up
     * start nothing, and the next slot is tried */
    static const int slots[] = {10000, 11000, 10000, 11000};
    char *out = NULL, *dir = vr_h_tmpdir("gwplan");
    size_t i;
    int rc = -1;
    setenv("VR_GP_WORK", dir, 1);
    work = getenv("VR_GP_WORK");
    free(dir);
    for (i = 0; i < sizeof(slots) / sizeof(slots[0]); i++) {
        free(out);
        out = NULL;
        char portbuf[16];
        rc = up_at(slots[i], &out);
        snprintf(portbuf, sizeof(portbuf), "%d", slots[i] + 999);
        setenv("VR_GP_SERVE_PORT", portbuf, 1);
        if (rc == 0 || !strstr(out, "already in use"))
            break;
    }
    if (rc != 0) {
        fprintf(stderr, "vrepl up failed: %s\n", out);
        free(out);
        return -1;
    }
    free(out);
    if (gwt_start(work) != 0)
        return -1;
    port = gwt_port();
    rc = vr_h_run(&out, "mariadb -h127.0.0.1 -P%d -uapp -papp < %s/mp/data.sql", port, work);
    if (rc != 0)
        fprintf(stderr, "loading data.sql failed: %s\n", out);
    free(out);
    gwt_stop();
    return rc;
}

int main(int argc, char **argv)
{
    return gwt_main(argc, argv, "VR_GP_WORK", cluster_up);
}
