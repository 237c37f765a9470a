/*
 * Demo steps 15 and 16 as a user runs them, on the marketplace cluster
 * (base port 20000, its gateway from `vrepl serve` on 20999): migrate
 * reads of merchant.orders for rdonly and replica, then writes; writes to
 * customer.orders are refused by the denied-tables rule; an order written
 * through the gateway lands on merchant/-80, comes back to customer/80-
 * through the reverse stream, and reaches the product.sales rollup.
 * vrepl serve's status page then shows the frozen and reverse streams.
 * Then writes go back (migrate-writes of the reverse workflow), and the
 * forward streams resume.
 * Before that, an idle cluster whose streams go both ways stays idle.
 * Also: the refusals a user meets on the way (writes before reads, a
 * rollup that is not a copy, a frozen workflow started again).
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include "vr_cluster.h"
#include "vr_harness.h"
#include "vr_routing.h"
#include "vr_topo.h"

#define GW_PORT 20999
#define HTTP_PORT 20998

static char *work;

static void setup(void) { work = vr_h_tmpdir("migrate"); }

static void teardown(void)
{
    vr_h_run(NULL, "%s down --var %s/var --purge", vr_h_vrepl_bin(), work);
    vr_h_rmrf(work);
    free(work);
}

static MYSQL *tablet(const char *ks, const char *shard, vr_tablet_type_t type)
{
    char path[1024];
    vr_topo_t *topo;
    vr_tablet_t *tabs = NULL;
    size_t n = 0, i;
    vr_error_t err;
    MYSQL *c = NULL;
    snprintf(path, sizeof(path), "%s/var/topo.db", work);
    cr_assert_eq(vr_topo_open(path, &topo, &err), VR_OK, "%s", err.msg);
    cr_assert_eq(vr_topo_list_tablets(topo, ks, shard, &tabs, &n, &err), VR_OK, "%s", err.msg);
    vr_topo_close(topo);
    for (i = 0; i < n && !c; i++)
        if (tabs[i].type == type) {
            c = vr_tablet_connect(&tabs[i], tabs[i].db_name, &err);
            cr_assert_not_null(c, "%s", err.msg);
        }
    free(tabs);
    cr_assert_not_null(c, "no tablet of that type in %s/%s", ks, shard);
    return c;
}

static MYSQL *gateway(const char *db)
{
    MYSQL *c = mysql_init(NULL);
    cr_assert_not_null(mysql_real_connect(c, "127.0.0.1", "app", "app", db, GW_PORT, NULL, 0),
                       "gateway: %s", mysql_error(c));
    return c;
}

static int vrepl(char **out, const char *args)
{
    return vr_h_run(out, "%s %s --var %s/var 2>&1", vr_h_vrepl_bin(), args, work);
}

/* Run a command that must succeed; its output must hold want (or NULL). */
static void ok(const char *args, const char *want)
{
    char *out = NULL;
    int rc = vrepl(&out, args);
    cr_assert_eq(rc, 0, "vrepl %s: %s", args, out);
    if (want)
        cr_assert(strstr(out, want), "vrepl %s: expected '%s' in: %s", args, want, out);
    free(out);
}

/* Run a command that must fail with want in its output. */
static void fails(const char *args, const char *want)
{
    char *out = NULL;
    int rc = vrepl(&out, args);
    cr_assert_eq(rc, 1, "vrepl %s: %s", args, out);
    cr_assert(strstr(out, want), "vrepl %s: expected '%s' in: %s", args, want, out);
    free(out);
}

static char *routing_rules(void)
{
    vr_topo_t *topo;
    char path[1024], *rules = NULL;
    vr_error_t err;
    snprintf(path, sizeof(path), "%s/var/topo.db", work);
    cr_assert_eq(vr_topo_open(path, &topo, &err), VR_OK);
    cr_assert_eq(vr_topo_get_routing_rules(topo, &rules, &err), VR_OK);
    vr_topo_close(topo);
    return rules;
}

/* The shard queries of a statement run through the gateway ("ks shard"
 * per line). */
static char *shards_of(MYSQL *gw, const char *sql)
{
    return vr_h_query(gw, "vexplain queries %s", sql);
}

/* GET path from vrepl serve's status page: the whole response. */
static char *http_get(const char *path)
{
    struct sockaddr_in sa;
    char req[256], *out = NULL;
    size_t len = 0;
    ssize_t n;
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    memset(&sa, 0, sizeof(sa));
    sa.sin_family = AF_INET;
    sa.sin_port = htons(HTTP_PORT);
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    cr_assert_eq(connect(fd, (struct sockaddr *)&sa, sizeof(sa)), 0, "status page: connect");
    snprintf(req, sizeof(req), "GET %s HTTP/1.0\r\n\r\n", path);
    cr_assert_eq(write(fd, req, strlen(req)), (ssize_t)strlen(req));
    do {
        out = realloc(out, len + 4097);
        n = read(fd, out + len, 4096);
        len += n > 0 ? (size_t)n : 0;
    } while (n > 0);
    out[len] = '\0';
    close(fd);
    return out;
}

TestSuite(migrate, .init = setup, .fini = teardown, .timeout = 300);

Test(migrate, reads_then_writes_with_reverse_stream)
{
    char *out = NULL, *s;
    MYSQL *p0, *c80, *c80b, *m80, *gw, *gwr;
    int rc;

    rc = vr_h_run(&out, "cp -r %s/examples/marketplace %s/mp && sed -i "
                        "'s/\"base_port\": 17000/\"base_port\": 20000/; s/15001/20998/; s/15306/%d/' "
                        "%s/mp/cluster.json && %s up --config %s/mp/cluster.json --var %s/var",
                  VR_SOURCE_DIR, work, GW_PORT, work, vr_h_vrepl_bin(), work, work);
    cr_assert_eq(rc, 0, "%s", out);
    cr_assert(strstr(out, "started vrepl serve"), "%s", out);
    free(out);
    p0 = tablet("product", "0", VR_TABLET_PRIMARY);
    c80 = tablet("customer", "-80", VR_TABLET_PRIMARY);
    c80b = tablet("customer", "80-", VR_TABLET_PRIMARY);
    m80 = tablet("merchant", "-80", VR_TABLET_PRIMARY);
    vr_h_exec(p0, "insert into product values (1, 'keyboard'), (2, 'monitor')");
    vr_h_exec(c80, "insert into customer(cid, name) values (1, 'sougou')");
    vr_h_exec(c80b, "insert into customer(cid, name) values (6, 'demmer')");
    vr_h_exec(c80, "insert into orders values (1, 1, 'monoprice', 1, 10), (2, 1, 'newegg', 2, 15)");
    vr_h_exec(c80b, "insert into orders values (3, 6, 'monoprice', 2, 20), (4, 6, 'monoprice', 1, 50)");

    /* steps 8, 9, 11, 12: the copy into merchant, routed; the rollup */
    ok("materialize --create-table --primary-vindex mname:md5 customer.orders merchant.orders",
       "4 stream(s) created");
    cr_assert(vr_h_wait_query(m80, "1\n3\n4\n", 30000, "select oid from orders order by oid"));
    ok("externalize --auto-route merchant.orders", NULL);
    ok("apply-schema --sql 'create table sales(pid int, kount int, amount int, primary key(pid))' "
       "product", NULL);
    ok("materialize 'select pid, count(*) as kount, sum(price) as amount from customer.orders "
       "group by pid' product.sales", NULL);
    cr_assert(vr_h_wait_query(p0, "1\t2\t60\n2\t2\t35\n", 30000, "select * from sales order by pid"));

    /* streams both ways (product -> customer reference copy, customer ->
     * product rollup) on an idle cluster: only heartbeats and a position
     * save a second per stream, not updates feeding each other */
    fails("materialize --tablet-types rdonly,spare --reference product.product customer.product",
          "--tablet-types: tablet types rdonly,spare: 'spare' is not a tablet type");
    ok("materialize --tablet-types in_order:rdonly,primary --reference --create-table "
       "product.product customer.product", NULL);
    cr_assert(vr_h_wait_query(c80, "2\n", 30000, "select count(*) from product"));
    {   /* the copy reads product's rdonly tablet */
        MYSQL *r0 = tablet("product", "0", VR_TABLET_RDONLY);
        cr_assert(vr_h_wait_query(r0, "1\n", 30000, "%s",
                                  "select count(*) > 0 from information_schema.processlist "
                                  "where command like 'Binlog Dump%'"));
        mysql_close(r0);
    }
    {
        char *g0 = vr_h_scalar(p0, "select substring_index(@@gtid_binlog_pos, '-', -1)"), *g1;
        long d;
        sleep(2);
        g1 = vr_h_scalar(p0, "select substring_index(@@gtid_binlog_pos, '-', -1)");
        d = atol(g1) - atol(g0);
        cr_assert(d < 60, "product/0 logged %ld transactions in 2 s on an idle cluster", d);
        free(g0);
        free(g1);
    }

    /* the rollup reads customer's rdonly tablets once its tablet_types say so */
    {
        MYSQL *r80 = tablet("customer", "-80", VR_TABLET_RDONLY);
        const char *dumps = "select count(*) > 0 from information_schema.processlist "
                            "where command like 'Binlog Dump%'";
        cr_assert(vr_h_wait_query(r80, "0\n", 1000, "%s", dumps), "no stream reads rdonly yet");
        vr_h_exec(p0, "update _vt.vreplication set tablet_types = 'in_order:rdonly,primary' "
                      "where workflow = 'orders_product'");
        cr_assert(vr_h_wait_query(r80, "1\n", 30000, "%s", dumps),
                  "the rollup never connected to customer/-80's rdonly tablet");
        mysql_close(r80);
    }

    /* refusals: writes before reads (nothing denied), a rollup, no such workflow */
    fails("migrate-writes merchant.orders_merchant",
          "reads of orders are not migrated for rdonly yet");
    fails("migrate-reads --tablet-type rdonly product.orders_product",
          "does not copy whole rows into sales");
    fails("migrate-reads --tablet-type rdonly merchant.nope",
          "no streams found in keyspace merchant for workflow nope");
    cr_assert_eq(vrepl(&out, "migrate-reads --tablet-type primary merchant.orders_merchant"), 2,
                 "%s", out);
    cr_assert(strstr(out, "primary traffic moves with migrate-writes"), "%s", out);
    free(out);
    gw = gateway(NULL);
    cr_assert_eq(vr_h_try_exec(gw, "insert into customer.orders(oid, cid, mname, pid, price) values (7, 1, 'newegg', 1, 1)"), 0,
                 "customer.orders takes writes before the migration: %s", mysql_error(gw));
    vr_h_exec(gw, "delete from customer.orders where oid = 7");

    /* step 15: reads, rdonly then replica */
    ok("migrate-reads --tablet-type rdonly merchant.orders_merchant",
       "orders@rdonly -> merchant.orders");
    s = routing_rules();
    cr_assert(strstr(s, "\"from_table\": \"orders@rdonly\""), "%s", s);
    cr_assert_null(strstr(s, "orders@replica"), "%s", s);
    free(s);
    fails("migrate-writes merchant.orders_merchant", "not migrated for replica yet");
    ok("migrate-reads --tablet-type replica merchant.orders_merchant", NULL);
    /* --reverse and again: the rule goes and comes back */
    ok("migrate-reads --reverse --tablet-type replica merchant.orders_merchant", "removed");
    cr_assert_null(strstr((s = routing_rules()), "orders@replica"), "%s", s);
    free(s);
    ok("migrate-reads --tablet-type replica merchant.orders_merchant", NULL);
    gwr = gateway("@rdonly");
    /* the gateway reloads the topology within 200 ms */
    for (rc = 0; rc < 50; rc++) {
        /* until then, orders is in two keyspaces with no rule for rdonly */
        if (vr_h_try_exec(gwr, "select * from orders where mname = 'newegg'") == 0) {
            s = shards_of(gwr, "select * from orders where mname = 'newegg'");
            if (strstr(s, "merchant\t80-\t"))
                break;
            free(s);
            s = NULL;
        }
        usleep(100 * 1000);
    }
    cr_assert_not_null(s, "rdonly reads of orders never reached merchant");
    cr_assert_null(strstr(s, "customer"), "%s", s);
    free(s);

    /* ... then writes */
    ok("migrate-writes merchant.orders_merchant", "now go to merchant");
    {
        vr_routing_t *rr = NULL;
        const vr_routing_rule_t *r;
        s = routing_rules();
        cr_assert_eq(vr_routing_parse(s, &rr, NULL), VR_OK, "%s", s);
        r = vr_routing_get(rr, "orders");
        cr_assert(r && r->nto == 1 && strcmp(r->to_tables[0], "merchant.orders") == 0, "%s", s);
        cr_assert_null(vr_routing_get(rr, "customer.orders"), "%s", s);
        vr_routing_free(rr);
        free(s);
    }
    ok("workflow show merchant.orders_merchant", "message: FROZEN");
    fails("workflow start merchant.orders_merchant", "is frozen");
    fails("migrate-writes merchant.orders_merchant", "already migrated");
    ok("workflow show customer.orders_merchant_reverse", "state=Running");
    usleep(500 * 1000);
    cr_assert_neq(vr_h_try_exec(gw, "insert into customer.orders(oid, cid, mname, pid, price) values (9, 6, 'monoprice', 1, 50)"),
                  0, "a write to customer.orders was taken after the migration");
    cr_assert(strstr(mysql_error(gw), "disallowed due to rule: enforce denied tables"), "%s",
              mysql_error(gw));
    cr_assert(vr_h_wait_query(c80b, "0\n", 1000, "select count(*) from orders where oid = 9"));

    /* step 16: through the gateway to merchant/-80, back to customer/80-, into sales */
    s = shards_of(gw, "insert into orders(oid, cid, mname, pid, price) values(5, 6, 'monoprice', 1, 50)");
    cr_assert(strstr(s, "merchant\t-80\tinsert into orders"), "%s", s);
    cr_assert_null(strstr(s, "customer"), "%s", s);
    free(s);
    cr_assert(vr_h_wait_query(m80, "5\t6\tmonoprice\t1\t50\n", 5000, "select * from orders where oid = 5"));
    cr_assert(vr_h_wait_query(c80b, "5\t6\tmonoprice\t1\t50\n", 30000, "select * from orders where oid = 5"));
    cr_assert(vr_h_wait_query(c80, "0\n", 1000, "select count(*) from orders where oid = 5"));
    cr_assert(vr_h_wait_query(p0, "1\t3\t110\n2\t2\t35\n", 30000, "select * from sales order by pid"));
    /* an update and a delete through the gateway come back too */
    vr_h_exec(gw, "update orders set price = 60 where oid = 5");
    vr_h_exec(gw, "delete from orders where oid = 1");
    cr_assert(vr_h_wait_query(c80b, "60\n", 30000, "select price from orders where oid = 5"));
    cr_assert(vr_h_wait_query(c80, "0\n", 30000, "select count(*) from orders where oid = 1"));
    cr_assert(vr_h_wait_query(p0, "1\t2\t110\n2\t2\t35\n", 30000, "select * from sales order by pid"));

    /* the status page shows the streams, frozen and reverse, and the gateway's counters */
    s = http_get("/debug/status");
    cr_assert(strstr(s, "HTTP/1.1 200"), "%s", s);
    cr_assert(strstr(s, "<h2>VReplication streams</h2>"), "%s", s);
    cr_assert(strstr(s, "<td>orders_merchant_reverse</td><td>Running</td>"), "%s", s);
    cr_assert(strstr(s, "<td>orders_merchant</td><td>Stopped</td>"), "%s", s);
    cr_assert(strstr(s, "<td>FROZEN</td>"), "%s", s);
    free(s);
    s = http_get("/debug/vars");
    cr_assert(strstr(s, "application/json"), "%s", s);
    cr_assert(strstr(s, "\"workflow\": \"orders_product\",\n      \"state\": \"Running\""), "%s", s);
    cr_assert(strstr(s, "\"alias\": \"zone1-0000000401\",\n              \"type\": \"replica\""), "%s", s);
    cr_assert_null(strstr(s, "\"questions\": 0,"), "the gateway ran statements: %s", s);
    free(s);
    s = http_get("/healthz");
    cr_assert(strstr(s, "\r\n\r\nok\n"), "%s", s);
    free(s);
    s = http_get("/nope");
    cr_assert(strstr(s, "HTTP/1.1 404"), "%s", s);
    free(s);

    /* and back: reads, then writes of the reverse workflow move to customer,
     * which resumes the frozen forward streams where customer is now */
    ok("migrate-reads --tablet-type rdonly customer.orders_merchant_reverse",
       "orders@rdonly -> customer.orders");
    ok("migrate-reads --tablet-type replica customer.orders_merchant_reverse", NULL);
    ok("migrate-writes customer.orders_merchant_reverse", "resumed stream");
    ok("workflow show merchant.orders_merchant", "state=Running");
    ok("workflow show customer.orders_merchant_reverse", "message: FROZEN");
    usleep(500 * 1000);
    s = shards_of(gw, "insert into orders(oid, cid, mname, pid, price) values(6, 1, 'newegg', 2, 5)");
    cr_assert(strstr(s, "customer\t-80\tinsert into orders"), "%s", s);
    cr_assert_null(strstr(s, "merchant"), "%s", s);
    free(s);
    {
        MYSQL *m80b = tablet("merchant", "80-", VR_TABLET_PRIMARY);
        cr_assert(vr_h_wait_query(m80b, "6\t1\tnewegg\t2\t5\n", 30000,
                                  "select * from orders where oid = 6"));
        mysql_close(m80b);
    }
    cr_assert(vr_h_wait_query(p0, "1\t2\t110\n2\t3\t40\n", 30000, "select * from sales order by pid"));
    cr_assert_neq(vr_h_try_exec(gw, "insert into merchant.orders(oid, cid, mname, pid, price) "
                                    "values (10, 6, 'monoprice', 1, 1)"), 0,
                  "merchant.orders took a write after writes went back");
    cr_assert(strstr(mysql_error(gw), "disallowed due to rule: enforce denied tables"), "%s",
              mysql_error(gw));
    vr_h_exec(gw, "insert into customer.orders(oid, cid, mname, pid, price) values (11, 6, 'newegg', 1, 1)");

    /* a tablet type that is not one stops the stream with an error saying so */
    vr_h_exec(p0, "update _vt.vreplication set tablet_types = 'bogus' where workflow = 'orders_product'");
    for (rc = 0; rc < 100; rc++) {
        char *o = NULL;
        vrepl(&o, "workflow show product.orders_product");
        s = strstr(o, "state=Error") && strstr(o, "'bogus' is not a tablet type") ? o : NULL;
        if (s)
            break;
        free(o);
        usleep(100 * 1000);
    }
    cr_assert_not_null(s, "orders_product did not stop on tablet_types 'bogus'");
    free(s);

    mysql_close(gwr);
    mysql_close(gw);
    mysql_close(p0);
    mysql_close(c80);
    mysql_close(c80b);
    mysql_close(m80);
}
