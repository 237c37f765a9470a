/*
 * `vrepl up/down/status` on the marketplace cluster, as a user runs them:
 * every tablet up, replication carrying rows to replica and rdonly,
 * idempotent re-runs, and the bad-input cases (malformed file, port taken,
 * missing mariadbd, racing up) leaving nothing half-started.
 *
 * Each test works in its own temp folder with its own base port, so tests
 * run in parallel and never touch a user's cluster in ./var.
 */
#include <criterion/criterion.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "vr_cluster.h"
#include "vr_harness.h"
#include "vr_topo.h"

static char *work;

/* Copy the marketplace example with a different base port into work. */
static char *make_config(int base_port)
{
    char *cfg;
    int rc = vr_h_run(NULL, "cp -r %s/examples/marketplace %s/mp && "
                            "sed -i 's/\"base_port\": 17000/\"base_port\": %d/' %s/mp/cluster.json",
                      VR_SOURCE_DIR, work, base_port, work);
    cr_assert_eq(rc, 0);
    cfg = malloc(strlen(work) + 32);
    sprintf(cfg, "%s/mp/cluster.json", work);
    return cfg;
}

static void setup(void) { work = vr_h_tmpdir("cluster"); }

static void teardown(void)
{
    vr_h_run(NULL, "%s down --var %s/var --purge", vr_h_vrepl_bin(), work);
    vr_h_rmrf(work);
    free(work);
}

/* mariadbd processes whose command line names this test's folder */
static int servers_running(void)
{
    char *out = NULL;
    int n = 0;
    vr_h_run(&out, "pgrep -f -- '[-]-datadir=%s/' | wc -l", work);
    n = atoi(out);
    free(out);
    return n;
}

static vr_tablet_t tablet(const char *ks, const char *shard, vr_tablet_type_t type)
{
    char path[1024];
    vr_topo_t *topo;
    vr_tablet_t *tabs = NULL, t;
    size_t n = 0, i;
    vr_error_t err;
    bool found = false;

    snprintf(path, sizeof(path), "%s/var/topo.db", work);
    cr_assert_eq(vr_topo_open(path, &topo, &err), VR_OK, "%s", err.msg);
    cr_assert_eq(vr_topo_list_tablets(topo, ks, shard, &tabs, &n, &err), VR_OK, "%s", err.msg);
    for (i = 0; i < n; i++)
        if (tabs[i].type == type) {
            t = tabs[i];
            found = true;
        }
    free(tabs);
    vr_topo_close(topo);
    cr_assert(found, "no %s tablet for %s/%s", vr_tablet_type_name(type), ks, shard);
    return t;
}

static MYSQL *connect_tablet(const vr_tablet_t *t)
{
    vr_error_t err;
    MYSQL *c = vr_tablet_connect(t, t->db_name, &err);
    cr_assert_not_null(c, "%s", err.msg);
    return c;
}

TestSuite(cluster, .init = setup, .fini = teardown, .timeout = 300);

Test(cluster, up_replicates_and_down_leaves_nothing)
{
    char *cfg = make_config(22000), *out = NULL;
    int rc;

    rc = vr_h_run(&out, "%s up --config %s --var %s/var", vr_h_vrepl_bin(), cfg, work);
    cr_assert_eq(rc, 0, "vrepl up failed: %s", out);
    cr_assert(strstr(out, "15 tablets"), "%s", out);
    free(out);
    cr_assert_eq(servers_running(), 15);

    /* a row written on a primary reaches its replica and rdonly */
    {
        vr_tablet_t p = tablet("customer", "-80", VR_TABLET_PRIMARY);
        vr_tablet_t r = tablet("customer", "-80", VR_TABLET_REPLICA);
        vr_tablet_t ro = tablet("customer", "-80", VR_TABLET_RDONLY);
        MYSQL *cp = connect_tablet(&p), *cr = connect_tablet(&r), *cro = connect_tablet(&ro);
        cr_assert_eq(p.port, 22000 + 200);
        vr_h_exec(cp, "insert into customer(cid, name, balance) values(1, 'sougou', 10)");
        cr_assert(vr_h_wait_query(cr, "1\tsougou\t10\n", 10000, "select * from customer"));
        cr_assert(vr_h_wait_query(cro, "1\tsougou\t10\n", 10000, "select * from customer"));
        /* replicas are read-only for applications */
        {
            char *ro_flag = vr_h_scalar(cr, "select @@read_only");
            cr_assert_str_eq(ro_flag, "1");
            free(ro_flag);
        }
        mysql_close(cp);
        mysql_close(cr);
        mysql_close(cro);
    }

    /* the schema and VSchema of every keyspace are in place */
    rc = vr_h_run(&out, "%s get-vschema --var %s/var merchant", vr_h_vrepl_bin(), work);
    cr_assert_eq(rc, 0, "%s", out);
    cr_assert(strstr(out, "unicode_loose_md5"), "%s", out);
    free(out);
    rc = vr_h_run(&out, "%s status --var %s/var", vr_h_vrepl_bin(), work);
    cr_assert_eq(rc, 0, "%s", out);
    cr_assert(strstr(out, "keyspace merchant (sharded)"), "%s", out);
    cr_assert(strstr(out, "io=Yes sql=Yes"), "%s", out);
    cr_assert_null(strstr(out, "stopped"), "%s", out);
    free(out);

    /* again: nothing changes */
    rc = vr_h_run(&out, "%s up --config %s --var %s/var", vr_h_vrepl_bin(), cfg, work);
    cr_assert_eq(rc, 0, "%s", out);
    cr_assert(strstr(out, "already running"), "%s", out);
    cr_assert(strstr(out, "nothing changed"), "%s", out);
    free(out);
    cr_assert_eq(servers_running(), 15);

    /* down stops exactly those servers; up again restarts them with data */
    rc = vr_h_run(&out, "%s down --var %s/var", vr_h_vrepl_bin(), work);
    cr_assert_eq(rc, 0, "%s", out);
    free(out);
    cr_assert_eq(servers_running(), 0);
    rc = vr_h_run(&out, "%s up --config %s --var %s/var", vr_h_vrepl_bin(), cfg, work);
    cr_assert_eq(rc, 0, "%s", out);
    free(out);
    {
        vr_tablet_t ro = tablet("customer", "-80", VR_TABLET_RDONLY);
        MYSQL *c = connect_tablet(&ro);
        char *v = vr_h_query(c, "select name from customer");
        cr_assert_str_eq(v, "sougou\n");
        free(v);
        mysql_close(c);
    }
    free(cfg);
}

Test(cluster, bad_config_files_say_what_and_where)
{
    char *cfg = make_config(23000), *out = NULL;
    int rc;

    vr_h_run(NULL, "printf '{\"keyspaces\": [ {\"name\": \"a\",, } ] }' > %s/bad1.json", work);
    rc = vr_h_run(&out, "%s up --config %s/bad1.json --var %s/var", vr_h_vrepl_bin(), work, work);
    cr_assert_eq(rc, 1);
    cr_assert(strstr(out, "bad1.json: line 1 column"), "%s", out);
    free(out);

    vr_h_run(NULL, "sed -i 's/\"-80\", \"80-\"/\"-80\", \"c0-\"/' %s", cfg);
    rc = vr_h_run(&out, "%s up --config %s --var %s/var", vr_h_vrepl_bin(), cfg, work);
    cr_assert_eq(rc, 1);
    cr_assert(strstr(out, "keyspaces[1].shards"), "%s", out);
    cr_assert(strstr(out, "80-c0"), "the gap is named: %s", out);
    free(out);
    cr_assert_eq(servers_running(), 0);
    free(cfg);
}

Test(cluster, port_in_use_starts_nothing)
{
    char *cfg, *out = NULL, want[64];
    struct sockaddr_in sa = {0};
    int one = 1, fd, rc, port;

    /* occupy a free port, then place the cluster so that merchant/-80's
     * rdonly tablet (uid 402) needs exactly that port */
    fd = socket(AF_INET, SOCK_STREAM, 0);
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
    sa.sin_family = AF_INET;
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    for (port = 24402; port < 24402 + 500; port++) {
        sa.sin_port = htons((uint16_t)port);
        if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0)
            break;
    }
    cr_assert_lt(port, 24402 + 500, "no free port to occupy");
    cr_assert_eq(listen(fd, 1), 0);
    cfg = make_config(port - 402);
    rc = vr_h_run(&out, "%s up --config %s --var %s/var", vr_h_vrepl_bin(), cfg, work);
    cr_assert_eq(rc, 1, "%s", out);
    snprintf(want, sizeof(want), "port %d", port);
    cr_assert(strstr(out, want), "%s", out);
    cr_assert(strstr(out, "zone1-0000000402"), "%s", out);
    free(out);
    cr_assert_eq(servers_running(), 0);
    close(fd);
    free(cfg);
}

Test(cluster, missing_mariadbd_is_named)
{
    char *cfg = make_config(25000), *out = NULL;
    int rc = vr_h_run(&out, "VREPL_MARIADBD=/nonexistent/mariadbd %s up --config %s --var %s/var",
                      vr_h_vrepl_bin(), cfg, work);
    cr_assert_eq(rc, 1, "%s", out);
    cr_assert(strstr(out, "/nonexistent/mariadbd"), "%s", out);
    free(out);
    cr_assert_eq(servers_running(), 0);
    free(cfg);
}

Test(cluster, racing_ups_start_each_server_once)
{
    char *cfg = make_config(26000), *out = NULL;
    int rc;

    rc = vr_h_run(&out,
                  "%s up --config %s --var %s/var > %s/a.out 2>&1 & "
                  "%s up --config %s --var %s/var > %s/b.out 2>&1 & "
                  "wait %%1; echo a=$?; wait %%2; echo b=$?; cat %s/a.out %s/b.out",
                  vr_h_vrepl_bin(), cfg, work, work, vr_h_vrepl_bin(), cfg, work, work, work,
                  work);
    /* one started the cluster; the other either lost the lock (clear
     * error, non-zero) or came after and found it running */
    cr_assert(strstr(out, "is up"), "%s", out);
    cr_assert(strstr(out, "another vrepl up/down is working on this cluster") ||
                  strstr(out, "nothing changed"),
              "%s", out);
    if (strstr(out, "another vrepl up"))
        cr_assert(strstr(out, "a=1") || strstr(out, "b=1"), "%s", out);
    free(out);
    cr_assert_eq(servers_running(), 15);
    (void)rc;
    free(cfg);
}
