/*
 * Materialize as a user runs it, on the marketplace cluster with the
 * engine in `vrepl serve` (started by `vrepl up`): demo steps 3, 7 and 8
 * with their expected rows, then workflow stop/start/delete.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vr_cluster.h"
#include "vr_harness.h"
#include "vr_topo.h"

static char *work;

static void setup(void) { work = vr_h_tmpdir("mat"); }

static void teardown(void)
{
    vr_h_run(NULL, "%s down --var %s/var --purge", vr_h_vrepl_bin(), work);
    vr_h_rmrf(work);
    free(work);
}

static MYSQL *primary(const char *ks, const char *shard)
{
    char path[1024];
    vr_topo_t *topo;
    vr_tablet_t t;
    vr_error_t err;
    MYSQL *c;
    snprintf(path, sizeof(path), "%s/var/topo.db", work);
    cr_assert_eq(vr_topo_open(path, &topo, &err), VR_OK, "%s", err.msg);
    cr_assert_eq(vr_topo_get_primary(topo, ks, shard, &t, &err), VR_OK, "%s", err.msg);
    vr_topo_close(topo);
    c = vr_tablet_connect(&t, t.db_name, &err);
    cr_assert_not_null(c, "%s", err.msg);
    return c;
}

static int vrepl(char **out, const char *args)
{
    return vr_h_run(out, "%s %s --var %s/var", vr_h_vrepl_bin(), args, work);
}

TestSuite(materialize, .init = setup, .fini = teardown, .timeout = 300);

Test(materialize, reference_table_and_primary_vindex)
{
    char *out = NULL;
    MYSQL *p0, *c80, *c80b, *m80, *m80b;
    int rc;

    rc = vr_h_run(&out, "cp -r %s/examples/marketplace %s/mp && sed -i "
                        "'s/\"base_port\": 17000/\"base_port\": 21000/; s/15001/21998/; s/15306/21999/' "
                        "%s/mp/cluster.json && %s up --config %s/mp/cluster.json --var %s/var",
                  VR_SOURCE_DIR, work, work, vr_h_vrepl_bin(), work, work);
    cr_assert_eq(rc, 0, "%s", out);
    cr_assert(strstr(out, "started vrepl serve"), "%s", out);
    free(out);
    p0 = primary("product", "0");
    c80 = primary("customer", "-80");
    c80b = primary("customer", "80-");
    m80 = primary("merchant", "-80");
    m80b = primary("merchant", "80-");
    vr_h_exec(p0, "insert into product values (1, 'keyboard'), (2, 'monitor')");
    vr_h_exec(c80, "insert into orders values (1, 1, 'monoprice', 1, 10), (2, 1, 'newegg', 2, 15)");
    vr_h_exec(c80b, "insert into orders values (3, 6, 'monoprice', 2, 20)");

    /* step 4: nothing to externalize before a stream exists */
    rc = vrepl(&out, "externalize --auto-route merchant.orders");
    cr_assert_eq(rc, 1, "%s", out);
    cr_assert(strstr(out, "no streams found in keyspace merchant for: orders"), "%s", out);
    free(out);
    rc = vrepl(&out, "get-vschema merchant");
    cr_assert_null(strstr(out, "orders"), "nothing changed: %s", out);
    free(out);

    /* step 3: product into customer as a reference table, creating it */
    rc = vrepl(&out, "materialize --reference --create-table product.product customer.product");
    cr_assert_eq(rc, 0, "%s", out);
    cr_assert(strstr(out, "2 stream(s) created"), "%s", out);
    free(out);
    cr_assert(vr_h_wait_query(c80, "1\tkeyboard\n2\tmonitor\n", 30000, "select * from product order by pid"));
    cr_assert(vr_h_wait_query(c80b, "1\tkeyboard\n2\tmonitor\n", 30000, "select * from product order by pid"));

    /* step 5: customer's VSchema gains product as a reference table, and
     * product routes to both copies */
    rc = vrepl(&out, "externalize --auto-route customer.product");
    cr_assert_eq(rc, 0, "%s", out);
    free(out);
    rc = vrepl(&out, "get-vschema customer");
    cr_assert(strstr(out, "\"product\": {\n      \"type\": \"reference\""), "%s", out);
    cr_assert(strstr(out, "\"source\": \"product.product\""), "%s", out);
    free(out);
    {
        vr_topo_t *topo;
        char path[1024], *rules = NULL;
        vr_error_t err;
        snprintf(path, sizeof(path), "%s/var/topo.db", work);
        cr_assert_eq(vr_topo_open(path, &topo, &err), VR_OK);
        cr_assert_eq(vr_topo_get_routing_rules(topo, &rules, &err), VR_OK);
        cr_assert(strstr(rules, "\"from_table\": \"product\""), "%s", rules);
        cr_assert(strstr(rules, "\"product.product\""), "%s", rules);
        cr_assert(strstr(rules, "\"customer.product\""), "%s", rules);
        free(rules);
        vr_topo_close(topo);
    }

    /* step 7: a new product reaches both customer shards */
    vr_h_exec(p0, "insert into product values (3, 'mouse')");
    cr_assert(vr_h_wait_query(c80, "3\tmouse\n", 30000, "select * from product where pid = 3"));
    cr_assert(vr_h_wait_query(c80b, "3\tmouse\n", 30000, "select * from product where pid = 3"));

    /* step 8: orders into merchant by mname:md5 */
    rc = vrepl(&out, "materialize --create-table --primary-vindex mname:md5 customer.orders merchant.orders");
    cr_assert_eq(rc, 0, "%s", out);
    free(out);
    cr_assert(vr_h_wait_query(m80, "1\tmonoprice\n3\tmonoprice\n", 30000,
                              "select oid, mname from orders order by oid"));
    cr_assert(vr_h_wait_query(m80b, "2\tnewegg\n", 30000, "select oid, mname from orders order by oid"));

    rc = vrepl(&out, "workflow show merchant.orders_merchant");
    cr_assert_eq(rc, 0, "%s", out);
    cr_assert(strstr(out, "state=Running"), "%s", out);
    free(out);

    /* step 9: merchant's VSchema gains orders with vindex md5 on mname */
    rc = vrepl(&out, "externalize --auto-route merchant.orders");
    cr_assert_eq(rc, 0, "%s", out);
    cr_assert(strstr(out, "primary vindex md5 on mname"), "%s", out);
    free(out);

    /* stop: changes no longer arrive; start: they do again */
    rc = vrepl(&out, "workflow stop merchant.orders_merchant");
    cr_assert_eq(rc, 0, "%s", out);
    cr_assert(strstr(out, "stopped 4 stream(s)"), "%s", out);
    free(out);
    rc = vrepl(&out, "workflow show merchant.orders_merchant");
    cr_assert(strstr(out, "state=Stopped"), "%s", out);
    cr_assert_null(strstr(out, "state=Running"), "%s", out);
    free(out);
    rc = vrepl(&out, "workflow start merchant.orders_merchant");
    cr_assert_eq(rc, 0, "%s", out);
    free(out);
    vr_h_exec(c80b, "insert into orders values (4, 6, 'monoprice', 1, 50)");
    cr_assert(vr_h_wait_query(m80, "1\n3\n4\n", 30000, "select oid from orders order by oid"));

    /* steps 11-12: a rollup of orders into product.sales */
    rc = vrepl(&out, "apply-schema --sql 'create table sales(pid int, kount int, amount int, "
                     "primary key(pid))' product");
    cr_assert_eq(rc, 0, "%s", out);
    free(out);
    rc = vrepl(&out, "materialize 'select pid, count(*) as kount, sum(price) as amount from "
                     "customer.orders group by pid' product.sales");
    cr_assert_eq(rc, 0, "%s", out);
    cr_assert(strstr(out, "2 stream(s) created"), "%s", out);
    free(out);
    /* orders: 1 (pid 1, 10), 2 (pid 2, 15), 3 (pid 2, 20), 4 (pid 1, 50) */
    cr_assert(vr_h_wait_query(p0, "1\t2\t60\n2\t2\t35\n", 30000, "select * from sales order by pid"));
    /* a new order, an order moved between groups, a delete */
    vr_h_exec(c80, "insert into orders values (5, 1, 'newegg', 2, 5)");
    vr_h_exec(c80b, "update orders set pid = 2 where oid = 4");
    vr_h_exec(c80, "delete from orders where oid = 1");
    cr_assert(vr_h_wait_query(p0, "1\t0\t0\n2\t4\t90\n", 30000, "select * from sales order by pid"));
    /* the same rollup into a table created from the select's columns */
    rc = vrepl(&out, "materialize --create-table 'select pid, count(*) as kount, sum(price) as "
                     "amount from customer.orders group by pid' product.sales2");
    cr_assert_eq(rc, 0, "%s", out);
    free(out);
    cr_assert(vr_h_wait_query(p0, "2\t4\t90\n", 30000, "select * from sales2 order by pid"));
    {
        char *ddl = vr_h_query(p0, "show create table sales2");
        cr_assert(strstr(ddl, "PRIMARY KEY (`pid`)"), "%s", ddl);
        cr_assert(strstr(ddl, "`kount` bigint(21) NOT NULL") || strstr(ddl, "`kount` bigint"), "%s", ddl);
        free(ddl);
    }

    /* a workflow that does not exist; then delete */
    rc = vrepl(&out, "workflow stop merchant.nope");
    cr_assert_eq(rc, 1, "%s", out);
    cr_assert(strstr(out, "no streams found in keyspace merchant for workflow nope"), "%s", out);
    free(out);
    rc = vrepl(&out, "workflow delete merchant.orders_merchant");
    cr_assert_eq(rc, 0, "%s", out);
    free(out);
    rc = vrepl(&out, "workflow show merchant.orders_merchant");
    cr_assert_eq(rc, 1, "%s", out);
    free(out);
    /* delete dropped the copies; --keep-data keeps them */
    cr_assert(vr_h_wait_query(m80, "0\n", 5000, "select count(*) from information_schema.tables "
                                                "where table_schema = 'vt_merchant' and table_name = 'orders'"));
    rc = vrepl(&out, "workflow --keep-data delete customer.product_customer");
    cr_assert_eq(rc, 0, "%s", out);
    free(out);
    cr_assert(vr_h_wait_query(c80, "3\n", 5000, "select count(*) from product"));
    mysql_close(p0);
    mysql_close(c80);
    mysql_close(c80b);
    mysql_close(m80);
    mysql_close(m80b);
}
