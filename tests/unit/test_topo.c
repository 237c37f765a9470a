/*
 * Unit tests for the topology (keyspace/src/topo.c, topo_sqlite.c).
 *
 * Each test gets its own SQLite file in a fresh mkdtemp directory under
 * /tmp (removed afterwards).  The multi-process tests fork children that
 * open the same file; children report through their exit status and
 * stderr, never through Criterion asserts.
 */
#include <criterion/criterion.h>
#include <pthread.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "vr_common.h"
#include "vr_topo.h"

/* ---- fixture ------------------------------------------------------------ */

static char tmpdir[64];
static char dbpath[128];
static vr_topo_t *topo;
static vr_error_t err;

static char freshpath[128]; /* a second file, made by the children */

static void rm_db_files(const char *path)
{
    static const char *const sfx[] = {"", "-wal", "-shm", "-journal"};
    char p[160];

    for (size_t i = 0; i < VR_ARRAY_LEN(sfx); i++) {
        snprintf(p, sizeof(p), "%s%s", path, sfx[i]);
        unlink(p);
    }
}

static void setup(void)
{
    snprintf(tmpdir, sizeof(tmpdir), "/tmp/vr_topo_XXXXXX");
    cr_assert_not_null(mkdtemp(tmpdir));
    snprintf(dbpath, sizeof(dbpath), "%s/topo.db", tmpdir);
    snprintf(freshpath, sizeof(freshpath), "%s/fresh.db", tmpdir);
    vr_error_clear(&err);
    cr_assert_eq(vr_topo_open(dbpath, &topo, &err), VR_OK, "%s", err.msg);
}

static void teardown(void)
{
    vr_topo_close(topo);
    topo = NULL;
    rm_db_files(dbpath);
    rm_db_files(freshpath);
    cr_assert_eq(rmdir(tmpdir), 0, "%s not empty", tmpdir);
}

TestSuite(topo, .init = setup, .fini = teardown);

#define OK(call) cr_assert_eq((call), VR_OK, "%s: %s", #call, err.msg)
#define FAILS(call, want)                                                 \
    cr_assert_eq((call), (want), "%s: want %s, got %s (%s)", #call,      \
                 vr_code_name(want), vr_code_name(err.code), err.msg)

static int64_t version(void)
{
    int64_t v = -1;

    OK(vr_topo_version(topo, &v, &err));
    return v;
}

static vr_tablet_t make_tablet(const char *ks, const char *shard, uint32_t uid,
                               vr_tablet_type_t type)
{
    vr_tablet_t t;

    memset(&t, 0, sizeof(t));
    snprintf(t.alias, sizeof(t.alias), "zone1-%010u", uid);
    snprintf(t.cell, sizeof(t.cell), "zone1");
    t.uid = uid;
    snprintf(t.keyspace, sizeof(t.keyspace), "%s", ks);
    snprintf(t.shard, sizeof(t.shard), "%s", shard);
    t.type = type;
    snprintf(t.host, sizeof(t.host), "127.0.0.1");
    t.port = (int)(17000 + uid);
    snprintf(t.db_name, sizeof(t.db_name), "vt_%s", ks);
    snprintf(t.state, sizeof(t.state), "serving");
    return t;
}

static void make_ks(const char *ks, const char *const *shards, size_t n)
{
    OK(vr_topo_create_keyspace(topo, ks, &err));
    for (size_t i = 0; i < n; i++)
        OK(vr_topo_create_shard(topo, ks, shards[i], &err));
}

/* ---- addresses and tablet types ---------------------------------------- */

Test(topo, addresses)
{
    vr_topo_t *t2 = NULL;
    char addr[160];

    FAILS(vr_topo_open("etcd://127.0.0.1:2379/vrepl", &t2, &err), VR_UNSUPPORTED);
    cr_assert_null(t2);
    cr_assert(strstr(err.msg, "etcd://127.0.0.1:2379/vrepl"), "%s", err.msg);
    cr_assert(strstr(err.msg, "sqlite"), "%s", err.msg);
    cr_assert(strncmp(err.msg, "topo: ", 6) == 0, "%s", err.msg);
    FAILS(vr_topo_open("", &t2, &err), VR_INVALID);
    FAILS(vr_topo_open("sqlite:", &t2, &err), VR_INVALID);
    FAILS(vr_topo_open("/nonexistent-dir/x/topo.db", &t2, &err), VR_IO);
    cr_assert(strstr(err.msg, "/nonexistent-dir/x/topo.db"), "%s", err.msg);

    /* "sqlite:PATH" is the same topology as PATH */
    OK(vr_topo_create_keyspace(topo, "customer", &err));
    snprintf(addr, sizeof(addr), "sqlite:%s", dbpath);
    OK(vr_topo_open(addr, &t2, &err));
    {
        char **names = NULL;
        size_t n = 0;

        OK(vr_topo_list_keyspaces(t2, &names, &n, &err));
        cr_assert_eq(n, 1);
        cr_assert_str_eq(names[0], "customer");
        vr_topo_strv_free(names, n);
    }
    vr_topo_close(t2);
    vr_topo_close(NULL);
}

Test(topo, tablet_types)
{
    vr_tablet_type_t t;

    cr_assert_str_eq(vr_tablet_type_name(VR_TABLET_PRIMARY), "primary");
    cr_assert_str_eq(vr_tablet_type_name(VR_TABLET_REPLICA), "replica");
    cr_assert_str_eq(vr_tablet_type_name(VR_TABLET_RDONLY), "rdonly");
    OK(vr_tablet_type_parse("MASTER", &t, &err));
    cr_assert_eq(t, VR_TABLET_PRIMARY);
    OK(vr_tablet_type_parse("Replica", &t, &err));
    cr_assert_eq(t, VR_TABLET_REPLICA);
    OK(vr_tablet_type_parse("rdonly", &t, &err));
    cr_assert_eq(t, VR_TABLET_RDONLY);
    FAILS(vr_tablet_type_parse("spare", &t, &err), VR_INVALID);
    cr_assert(strstr(err.msg, "\"spare\""), "%s", err.msg);
    FAILS(vr_tablet_type_parse(NULL, &t, &err), VR_INVALID);
}

/* tablet_types lists as _vt.vreplication holds them */
Test(topo, tablet_types_lists)
{
    vr_tablet_type_t ts[VR_TABLET_TYPES_MAX];
    size_t n = 99;

    OK(vr_tablet_types_parse("in_order:rdonly, replica,primary", ts, &n, &err));
    cr_assert_eq(n, 3);
    cr_assert(ts[0] == VR_TABLET_RDONLY && ts[1] == VR_TABLET_REPLICA &&
              ts[2] == VR_TABLET_PRIMARY);
    OK(vr_tablet_types_parse("REPLICA", ts, &n, &err));
    cr_assert(n == 1 && ts[0] == VR_TABLET_REPLICA);
    OK(vr_tablet_types_parse("", ts, &n, &err));
    cr_assert_eq(n, 0);
    OK(vr_tablet_types_parse(NULL, ts, &n, &err));
    cr_assert_eq(n, 0);
    FAILS(vr_tablet_types_parse("rdonly,spare", ts, &n, &err), VR_INVALID);
    cr_assert_str_eq(err.msg, "tablet types rdonly,spare: 'spare' is not a tablet type "
                              "(primary, replica, rdonly)");
    OK(vr_tablet_types_parse("in_order:", ts, &n, &err));
    cr_assert_eq(n, 0);
}

/* ---- keyspaces and shards ----------------------------------------------- */

Test(topo, keyspaces)
{
    char **names = NULL;
    size_t n = 0;

    OK(vr_topo_list_keyspaces(topo, &names, &n, &err));
    cr_assert_eq(n, 0);
    vr_topo_strv_free(names, n);

    OK(vr_topo_create_keyspace(topo, "product", &err));
    OK(vr_topo_create_keyspace(topo, "customer", &err));
    OK(vr_topo_create_keyspace(topo, "commerce", &err));
    FAILS(vr_topo_create_keyspace(topo, "customer", &err), VR_EXISTS);
    cr_assert_str_eq(err.msg, "topo: create keyspace \"customer\": keyspace already exists");
    FAILS(vr_topo_create_keyspace(topo, "", &err), VR_INVALID);
    FAILS(vr_topo_create_keyspace(topo, NULL, &err), VR_INVALID);
    FAILS(vr_topo_create_keyspace(topo, "a/b", &err), VR_INVALID);
    {
        char longname[VR_NAME_MAX + 8];

        memset(longname, 'k', sizeof(longname) - 1);
        longname[sizeof(longname) - 1] = '\0';
        FAILS(vr_topo_create_keyspace(topo, longname, &err), VR_INVALID);
    }

    OK(vr_topo_list_keyspaces(topo, &names, &n, &err));
    cr_assert_eq(n, 3);
    cr_assert_str_eq(names[0], "commerce");
    cr_assert_str_eq(names[1], "customer");
    cr_assert_str_eq(names[2], "product");
    vr_topo_strv_free(names, n);

    OK(vr_topo_delete_keyspace(topo, "customer", &err));
    FAILS(vr_topo_delete_keyspace(topo, "customer", &err), VR_NOT_FOUND);
    cr_assert_str_eq(err.msg, "topo: delete keyspace \"customer\": keyspace \"customer\" not found");
    OK(vr_topo_list_keyspaces(topo, &names, &n, &err));
    cr_assert_eq(n, 2);
    vr_topo_strv_free(names, n);
}

Test(topo, shards_sorted_by_keyrange)
{
    static const char *const in[] = {"c0-", "80-", "-80", "40-80", "80-c0", "-40"};
    static const char *const want[] = {"-40", "-80", "40-80", "80-c0", "80-", "c0-"};
    char **names = NULL;
    size_t n = 0;

    FAILS(vr_topo_create_shard(topo, "customer", "-80", &err), VR_NOT_FOUND);
    cr_assert_str_eq(err.msg,
                     "topo: create shard \"customer/-80\": keyspace \"customer\" not found");
    make_ks("customer", in, VR_ARRAY_LEN(in));
    FAILS(vr_topo_create_shard(topo, "customer", "-80", &err), VR_EXISTS);
    OK(vr_topo_list_shards(topo, "customer", &names, &n, &err));
    cr_assert_eq(n, VR_ARRAY_LEN(want));
    for (size_t i = 0; i < n; i++)
        cr_assert_str_eq(names[i], want[i], "shard %zu: %s", i, names[i]);
    vr_topo_strv_free(names, n);

    /* unsharded: "0" alone, and "-" alone */
    make_ks("commerce", (const char *const[]){"0"}, 1);
    make_ks("lookup", (const char *const[]){"-"}, 1);
    OK(vr_topo_list_shards(topo, "commerce", &names, &n, &err));
    cr_assert_eq(n, 1);
    cr_assert_str_eq(names[0], "0");
    vr_topo_strv_free(names, n);
    OK(vr_topo_list_shards(topo, "lookup", &names, &n, &err));
    cr_assert_eq(n, 1);
    cr_assert_str_eq(names[0], "-");
    vr_topo_strv_free(names, n);

    FAILS(vr_topo_list_shards(topo, "nope", &names, &n, &err), VR_NOT_FOUND);

    OK(vr_topo_delete_shard(topo, "customer", "80-c0", &err));
    FAILS(vr_topo_delete_shard(topo, "customer", "80-c0", &err), VR_NOT_FOUND);
    OK(vr_topo_list_shards(topo, "customer", &names, &n, &err));
    cr_assert_eq(n, 5);
    vr_topo_strv_free(names, n);
}

Test(topo, bad_shard_names_rejected)
{
    static const char *const bad[] = {"", "8-", "-8", "xyz", "80-40", "80-80", "1",
                                      "-80-", "g0-", "80"};
    int64_t v;

    OK(vr_topo_create_keyspace(topo, "customer", &err));
    v = version();
    for (size_t i = 0; i < VR_ARRAY_LEN(bad); i++) {
        FAILS(vr_topo_create_shard(topo, "customer", bad[i], &err), VR_INVALID);
        cr_assert(strncmp(err.msg, "topo: create shard", 18) == 0, "%s", err.msg);
    }
    FAILS(vr_topo_create_shard(topo, "customer", NULL, &err), VR_INVALID);
    cr_assert_eq(version(), v, "rejected writes must not bump the version");
    /* upper-case hex and longer bounds are keyranges */
    OK(vr_topo_create_shard(topo, "customer", "-8000", &err));
    OK(vr_topo_create_shard(topo, "customer", "8000-C000", &err));
}

/* ---- tablets ------------------------------------------------------------- */

Test(topo, tablets_crud)
{
    static const char *const shards[] = {"-80", "80-"};
    vr_tablet_t t = make_tablet("customer", "-80", 100, VR_TABLET_PRIMARY), got;

    FAILS(vr_topo_put_tablet(topo, &t, &err), VR_NOT_FOUND);
    cr_assert_str_eq(err.msg, "topo: put tablet \"zone1-0000000100\": "
                              "shard \"customer/-80\" not found");
    make_ks("customer", shards, 2);
    snprintf(t.socket, sizeof(t.socket), "/tmp/t100/mysql.sock");
    snprintf(t.datadir, sizeof(t.datadir), "/var/t100");
    t.pid = 4242;
    OK(vr_topo_put_tablet(topo, &t, &err));
    OK(vr_topo_get_tablet(topo, "zone1-0000000100", &got, &err));
    cr_assert_eq(memcmp(&got, &t, sizeof(t)), 0);

    /* put replaces */
    t.type = VR_TABLET_REPLICA;
    snprintf(t.state, sizeof(t.state), "stopped");
    OK(vr_topo_put_tablet(topo, &t, &err));
    OK(vr_topo_get_tablet(topo, "zone1-0000000100", &got, &err));
    cr_assert_eq(got.type, VR_TABLET_REPLICA);
    cr_assert_str_eq(got.state, "stopped");
    cr_assert_str_eq(got.socket, "/tmp/t100/mysql.sock");
    cr_assert_eq(got.pid, 4242);

    FAILS(vr_topo_get_tablet(topo, "zone1-0000000999", &got, &err), VR_NOT_FOUND);
    cr_assert_str_eq(err.msg, "topo: get tablet \"zone1-0000000999\": tablet not found");
    OK(vr_topo_delete_tablet(topo, "zone1-0000000100", &err));
    FAILS(vr_topo_delete_tablet(topo, "zone1-0000000100", &err), VR_NOT_FOUND);
    FAILS(vr_topo_get_tablet(topo, "zone1-0000000100", &got, &err), VR_NOT_FOUND);
}

Test(topo, tablets_validated)
{
    vr_tablet_t t;

    make_ks("customer", (const char *const[]){"0"}, 1);
    t = make_tablet("customer", "0", 1, VR_TABLET_PRIMARY);
    t.type = (vr_tablet_type_t)7;
    FAILS(vr_topo_put_tablet(topo, &t, &err), VR_INVALID);
    t = make_tablet("customer", "8-", 1, VR_TABLET_PRIMARY);
    FAILS(vr_topo_put_tablet(topo, &t, &err), VR_INVALID);
    t = make_tablet("customer", "0", 1, VR_TABLET_PRIMARY);
    t.alias[0] = '\0';
    FAILS(vr_topo_put_tablet(topo, &t, &err), VR_INVALID);
    t = make_tablet("customer", "0", 1, VR_TABLET_PRIMARY);
    memset(t.host, 'h', sizeof(t.host)); /* not NUL-terminated */
    FAILS(vr_topo_put_tablet(topo, &t, &err), VR_INVALID);
    t = make_tablet("customer", "0", 1, VR_TABLET_PRIMARY);
    t.port = 70000;
    FAILS(vr_topo_put_tablet(topo, &t, &err), VR_INVALID);
    FAILS(vr_topo_put_tablet(topo, NULL, &err), VR_INVALID);
}

Test(topo, tablets_sorted_and_filtered)
{
    static const char *const cs[] = {"80-", "-80"};
    vr_tablet_t *tabs = NULL, prim;
    size_t n = 0;

    make_ks("customer", cs, 2);
    make_ks("commerce", (const char *const[]){"0"}, 1);
    {
        vr_tablet_t in[] = {
            make_tablet("customer", "80-", 301, VR_TABLET_REPLICA),
            make_tablet("customer", "80-", 300, VR_TABLET_PRIMARY),
            make_tablet("customer", "-80", 202, VR_TABLET_RDONLY),
            make_tablet("customer", "-80", 201, VR_TABLET_REPLICA),
            make_tablet("customer", "-80", 203, VR_TABLET_REPLICA),
            make_tablet("customer", "-80", 200, VR_TABLET_PRIMARY),
            make_tablet("commerce", "0", 100, VR_TABLET_PRIMARY),
        };
        for (size_t i = 0; i < VR_ARRAY_LEN(in); i++)
            OK(vr_topo_put_tablet(topo, &in[i], &err));
    }
    OK(vr_topo_list_tablets(topo, NULL, NULL, &tabs, &n, &err));
    {
        static const uint32_t want[] = {100, 200, 201, 203, 202, 300, 301};

        cr_assert_eq(n, VR_ARRAY_LEN(want));
        for (size_t i = 0; i < n; i++)
            cr_assert_eq(tabs[i].uid, want[i], "tablet %zu: uid %u", i, tabs[i].uid);
    }
    free(tabs);

    OK(vr_topo_list_tablets(topo, "customer", NULL, &tabs, &n, &err));
    cr_assert_eq(n, 6);
    free(tabs);
    OK(vr_topo_list_tablets(topo, NULL, "-80", &tabs, &n, &err));
    cr_assert_eq(n, 4);
    free(tabs);
    OK(vr_topo_list_tablets(topo, "customer", "80-", &tabs, &n, &err));
    cr_assert_eq(n, 2);
    cr_assert_eq(tabs[0].uid, 300);
    free(tabs);
    OK(vr_topo_list_tablets(topo, "nope", NULL, &tabs, &n, &err));
    cr_assert_eq(n, 0);
    free(tabs);

    OK(vr_topo_get_primary(topo, "customer", "-80", &prim, &err));
    cr_assert_eq(prim.uid, 200);
    OK(vr_topo_get_primary(topo, "commerce", "0", &prim, &err));
    cr_assert_str_eq(prim.alias, "zone1-0000000100");
    OK(vr_topo_delete_tablet(topo, "zone1-0000000300", &err));
    FAILS(vr_topo_get_primary(topo, "customer", "80-", &prim, &err), VR_NOT_FOUND);
    cr_assert_str_eq(err.msg, "topo: get primary of \"customer/80-\": no primary tablet");
    {
        vr_tablet_t second = make_tablet("customer", "-80", 204, VR_TABLET_PRIMARY);

        OK(vr_topo_put_tablet(topo, &second, &err));
        FAILS(vr_topo_get_primary(topo, "customer", "-80", &prim, &err), VR_STATE);
    }
}

/* ---- cascades ------------------------------------------------------------ */

Test(topo, delete_keyspace_cascades)
{
    static const char *const shards[] = {"-80", "80-"};
    static const char *const denied[] = {"orders"};
    vr_tablet_t t = make_tablet("customer", "-80", 100, VR_TABLET_PRIMARY);
    vr_tablet_t other = make_tablet("commerce", "0", 1, VR_TABLET_PRIMARY);
    vr_tablet_t *tabs = NULL;
    char **names = NULL, *json = NULL;
    size_t n = 0;

    make_ks("customer", shards, 2);
    make_ks("commerce", (const char *const[]){"0"}, 1);
    OK(vr_topo_put_tablet(topo, &t, &err));
    OK(vr_topo_put_tablet(topo, &other, &err));
    OK(vr_topo_put_vschema(topo, "customer", "{\"sharded\":true}", &err));
    OK(vr_topo_put_vschema(topo, "commerce", "{}", &err));
    OK(vr_topo_set_denied_tables(topo, "customer", "-80", VR_TABLET_PRIMARY, denied, 1,
                                 &err));

    OK(vr_topo_delete_keyspace(topo, "customer", &err));
    FAILS(vr_topo_get_tablet(topo, t.alias, &t, &err), VR_NOT_FOUND);
    FAILS(vr_topo_get_vschema(topo, "customer", &json, &err), VR_NOT_FOUND);

    /* a keyspace of the same name starts empty */
    OK(vr_topo_create_keyspace(topo, "customer", &err));
    OK(vr_topo_list_shards(topo, "customer", &names, &n, &err));
    cr_assert_eq(n, 0);
    vr_topo_strv_free(names, n);
    FAILS(vr_topo_get_vschema(topo, "customer", &json, &err), VR_NOT_FOUND);
    OK(vr_topo_create_shard(topo, "customer", "-80", &err));
    OK(vr_topo_get_denied_tables(topo, "customer", "-80", VR_TABLET_PRIMARY, &names, &n,
                                 &err));
    cr_assert_eq(n, 0);
    vr_topo_strv_free(names, n);

    /* the other keyspace is untouched */
    OK(vr_topo_list_tablets(topo, NULL, NULL, &tabs, &n, &err));
    cr_assert_eq(n, 1);
    cr_assert_str_eq(tabs[0].keyspace, "commerce");
    free(tabs);
    OK(vr_topo_get_vschema(topo, "commerce", &json, &err));
    cr_assert_str_eq(json, "{}");
    free(json);
}

Test(topo, delete_shard_cascades)
{
    static const char *const shards[] = {"-80", "80-"};
    static const char *const denied[] = {"orders"};
    vr_tablet_t a = make_tablet("customer", "-80", 100, VR_TABLET_PRIMARY);
    vr_tablet_t b = make_tablet("customer", "80-", 200, VR_TABLET_PRIMARY);
    vr_tablet_t *tabs = NULL;
    char **names = NULL;
    size_t n = 0;

    make_ks("customer", shards, 2);
    OK(vr_topo_put_tablet(topo, &a, &err));
    OK(vr_topo_put_tablet(topo, &b, &err));
    OK(vr_topo_set_denied_tables(topo, "customer", "-80", VR_TABLET_PRIMARY, denied, 1,
                                 &err));
    OK(vr_topo_delete_shard(topo, "customer", "-80", &err));
    OK(vr_topo_list_tablets(topo, "customer", NULL, &tabs, &n, &err));
    cr_assert_eq(n, 1);
    cr_assert_str_eq(tabs[0].shard, "80-");
    free(tabs);
    OK(vr_topo_create_shard(topo, "customer", "-80", &err));
    OK(vr_topo_get_denied_tables(topo, "customer", "-80", VR_TABLET_PRIMARY, &names, &n,
                                 &err));
    cr_assert_eq(n, 0);
    vr_topo_strv_free(names, n);
}

/* ---- documents ----------------------------------------------------------- */

Test(topo, vschema_and_routing_rules)
{
    const char *vs = "{\"sharded\":true,\"vindexes\":{\"hash\":{\"type\":\"hash\"}}}";
    const char *rr = "{\"rules\":[{\"from_table\":\"t\",\"to_tables\":[\"ks.t\"]}]}";
    char *json = NULL;

    FAILS(vr_topo_put_vschema(topo, "customer", "{}", &err), VR_NOT_FOUND);
    OK(vr_topo_create_keyspace(topo, "customer", &err));
    FAILS(vr_topo_get_vschema(topo, "customer", &json, &err), VR_NOT_FOUND);
    cr_assert_null(json);
    FAILS(vr_topo_put_vschema(topo, "customer", "", &err), VR_INVALID);
    OK(vr_topo_put_vschema(topo, "customer", "{}", &err));
    OK(vr_topo_put_vschema(topo, "customer", vs, &err));
    OK(vr_topo_get_vschema(topo, "customer", &json, &err));
    cr_assert_str_eq(json, vs);
    free(json);

    OK(vr_topo_get_routing_rules(topo, &json, &err));
    cr_assert_str_eq(json, "{\"rules\":[]}");
    free(json);
    OK(vr_topo_put_routing_rules(topo, rr, &err));
    OK(vr_topo_get_routing_rules(topo, &json, &err));
    cr_assert_str_eq(json, rr);
    free(json);
    FAILS(vr_topo_put_routing_rules(topo, NULL, &err), VR_INVALID);
}

Test(topo, denied_tables)
{
    static const char *const tables[] = {"orders", "customer", "orders", "items"};
    char **got = NULL;
    size_t n = 0;

    FAILS(vr_topo_set_denied_tables(topo, "customer", "-80", VR_TABLET_PRIMARY, tables,
                                    1, &err),
          VR_NOT_FOUND);
    make_ks("customer", (const char *const[]){"-80", "80-"}, 2);
    OK(vr_topo_set_denied_tables(topo, "customer", "-80", VR_TABLET_PRIMARY, tables, 4,
                                 &err));
    OK(vr_topo_get_denied_tables(topo, "customer", "-80", VR_TABLET_PRIMARY, &got, &n,
                                 &err));
    cr_assert_eq(n, 3); /* the duplicate is dropped, order kept */
    cr_assert_str_eq(got[0], "orders");
    cr_assert_str_eq(got[1], "customer");
    cr_assert_str_eq(got[2], "items");
    vr_topo_strv_free(got, n);

    /* per type and per shard */
    OK(vr_topo_get_denied_tables(topo, "customer", "-80", VR_TABLET_REPLICA, &got, &n,
                                 &err));
    cr_assert_eq(n, 0);
    vr_topo_strv_free(got, n);
    OK(vr_topo_get_denied_tables(topo, "customer", "80-", VR_TABLET_PRIMARY, &got, &n,
                                 &err));
    cr_assert_eq(n, 0);
    vr_topo_strv_free(got, n);

    /* set replaces; n == 0 clears */
    OK(vr_topo_set_denied_tables(topo, "customer", "-80", VR_TABLET_PRIMARY,
                                 (const char *const[]){"x"}, 1, &err));
    OK(vr_topo_get_denied_tables(topo, "customer", "-80", VR_TABLET_PRIMARY, &got, &n,
                                 &err));
    cr_assert_eq(n, 1);
    cr_assert_str_eq(got[0], "x");
    vr_topo_strv_free(got, n);
    OK(vr_topo_set_denied_tables(topo, "customer", "-80", VR_TABLET_PRIMARY, NULL, 0,
                                 &err));
    OK(vr_topo_get_denied_tables(topo, "customer", "-80", VR_TABLET_PRIMARY, &got, &n,
                                 &err));
    cr_assert_eq(n, 0);
    vr_topo_strv_free(got, n);

    FAILS(vr_topo_set_denied_tables(topo, "customer", "-80", VR_TABLET_PRIMARY,
                                    (const char *const[]){""}, 1, &err),
          VR_INVALID);
    FAILS(vr_topo_get_denied_tables(topo, "customer", "-40", VR_TABLET_PRIMARY, &got,
                                    &n, &err),
          VR_NOT_FOUND);
}

Test(topo, kv)
{
    char *v = NULL;
    int64_t ver;

    FAILS(vr_topo_get_kv(topo, "notify/pos", &v, &err), VR_NOT_FOUND);
    cr_assert_str_eq(err.msg, "topo: get key \"notify/pos\": key not found");
    OK(vr_topo_put_kv(topo, "notify/pos", "0-1-42", &err));
    OK(vr_topo_get_kv(topo, "notify/pos", &v, &err));
    cr_assert_str_eq(v, "0-1-42");
    free(v);
    OK(vr_topo_put_kv(topo, "notify/pos", "", &err)); /* empty values are values */
    OK(vr_topo_get_kv(topo, "notify/pos", &v, &err));
    cr_assert_str_eq(v, "");
    free(v);
    OK(vr_topo_delete_kv(topo, "notify/pos", &err));
    FAILS(vr_topo_get_kv(topo, "notify/pos", &v, &err), VR_NOT_FOUND);
    ver = version();
    OK(vr_topo_delete_kv(topo, "notify/pos", &err)); /* absent: ok, no change */
    cr_assert_eq(version(), ver);
    FAILS(vr_topo_put_kv(topo, "", "x", &err), VR_INVALID);
    FAILS(vr_topo_put_kv(topo, "k", NULL, &err), VR_INVALID);
}

/* ---- version ------------------------------------------------------------- */

Test(topo, version_bumps_on_each_write)
{
    vr_tablet_t t = make_tablet("customer", "0", 1, VR_TABLET_PRIMARY);
    char *s = NULL, **names = NULL;
    size_t n = 0;
    int64_t v = version();

#define BUMPS(call)                                                       \
    do {                                                                  \
        OK(call);                                                         \
        cr_assert_eq(version(), v + 1, "%s did not bump the version", #call); \
        v++;                                                              \
    } while (0)

    cr_assert_eq(v, 0);
    BUMPS(vr_topo_create_keyspace(topo, "customer", &err));
    BUMPS(vr_topo_create_shard(topo, "customer", "0", &err));
    BUMPS(vr_topo_put_tablet(topo, &t, &err));
    BUMPS(vr_topo_put_tablet(topo, &t, &err));
    BUMPS(vr_topo_put_vschema(topo, "customer", "{}", &err));
    BUMPS(vr_topo_put_routing_rules(topo, "{\"rules\":[]}", &err));
    BUMPS(vr_topo_set_denied_tables(topo, "customer", "0", VR_TABLET_PRIMARY,
                                    (const char *const[]){"t"}, 1, &err));
    BUMPS(vr_topo_put_kv(topo, "k", "v", &err));
    BUMPS(vr_topo_delete_kv(topo, "k", &err));
    BUMPS(vr_topo_lock(topo, "l", "me", 60, &err));
    BUMPS(vr_topo_lock(topo, "l", "me", 60, &err)); /* renewal */
    BUMPS(vr_topo_unlock(topo, "l", "me", &err));
    BUMPS(vr_topo_delete_tablet(topo, t.alias, &err));
    BUMPS(vr_topo_delete_shard(topo, "customer", "0", &err));
    BUMPS(vr_topo_delete_keyspace(topo, "customer", &err));
#undef BUMPS

    /* reads and failed writes do not */
    OK(vr_topo_list_keyspaces(topo, &names, &n, &err));
    vr_topo_strv_free(names, n);
    OK(vr_topo_get_routing_rules(topo, &s, &err));
    free(s);
    FAILS(vr_topo_delete_keyspace(topo, "customer", &err), VR_NOT_FOUND);
    FAILS(vr_topo_put_tablet(topo, &t, &err), VR_NOT_FOUND);
    OK(vr_topo_lock(topo, "l", "me", 60, &err));
    v++;
    FAILS(vr_topo_lock(topo, "l", "you", 60, &err), VR_LOCKED);
    cr_assert_eq(version(), v);

    /* seen by another handle, and kept across reopen */
    {
        vr_topo_t *t2 = NULL;
        int64_t v2 = -1;

        OK(vr_topo_open(dbpath, &t2, &err));
        OK(vr_topo_version(t2, &v2, &err));
        cr_assert_eq(v2, v);
        vr_topo_close(t2);
    }
}

/* ---- the SQLite file itself ---------------------------------------------- */

static void sql_exec(const char *sql)
{
    sqlite3 *db = NULL;

    cr_assert_eq(sqlite3_open(dbpath, &db), SQLITE_OK);
    cr_assert_eq(sqlite3_exec(db, sql, NULL, NULL, NULL), SQLITE_OK, "%s: %s", sql,
                 sqlite3_errmsg(db));
    sqlite3_close(db);
}

static int64_t sql_int(const char *sql)
{
    sqlite3 *db = NULL;
    sqlite3_stmt *st = NULL;
    int64_t v;

    cr_assert_eq(sqlite3_open(dbpath, &db), SQLITE_OK);
    cr_assert_eq(sqlite3_prepare_v2(db, sql, -1, &st, NULL), SQLITE_OK);
    cr_assert_eq(sqlite3_step(st), SQLITE_ROW);
    v = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    sqlite3_close(db);
    return v;
}

Test(topo, sqlite_file_is_wal_with_schema_version)
{
    vr_topo_t *t2 = NULL;

    cr_assert_eq(sql_int("SELECT journal_mode = 'wal' FROM pragma_journal_mode"), 1);
    cr_assert_eq(sql_int("SELECT value FROM meta WHERE key = 'schema_version'"), 1);
    /* names with quotes and SQL in them are just names */
    OK(vr_topo_create_keyspace(topo, "x'); DROP TABLE keyspaces; --", &err));
    cr_assert_eq(sql_int("SELECT count(*) FROM keyspaces"), 1);

    /* a file from a newer vrepl is refused, not misread */
    vr_topo_close(topo);
    topo = NULL;
    sql_exec("UPDATE meta SET value = 99 WHERE key = 'schema_version'");
    FAILS(vr_topo_open(dbpath, &t2, &err), VR_UNSUPPORTED);
    cr_assert(strstr(err.msg, "schema version 99"), "%s", err.msg);
    cr_assert_null(t2);
}

/* Another connection holds the write lock for a while: a write waits for
 * it instead of failing with SQLITE_BUSY. */
static volatile int raw_holding;

static void *hold_write_lock(void *arg)
{
    sqlite3 *db = NULL;
    struct timespec ts = {0, 300 * 1000000};

    (void)arg;
    if (sqlite3_open(dbpath, &db) == SQLITE_OK &&
        sqlite3_exec(db, "BEGIN IMMEDIATE; "
                         "INSERT INTO kv (key, value) VALUES ('k', 'raw')",
                     NULL, NULL, NULL) == SQLITE_OK) {
        __atomic_store_n(&raw_holding, 1, __ATOMIC_SEQ_CST);
        nanosleep(&ts, NULL);
        sqlite3_exec(db, "COMMIT", NULL, NULL, NULL);
    }
    __atomic_store_n(&raw_holding, 2, __ATOMIC_SEQ_CST);
    sqlite3_close(db);
    return NULL;
}

Test(topo, write_waits_for_a_busy_file)
{
    pthread_t th;
    struct timespec ts = {0, 1000000};
    char *v = NULL;

    cr_assert_eq(pthread_create(&th, NULL, hold_write_lock, NULL), 0);
    while (!__atomic_load_n(&raw_holding, __ATOMIC_SEQ_CST))
        nanosleep(&ts, NULL);
    OK(vr_topo_put_kv(topo, "k", "ours", &err)); /* waits, then wins */
    pthread_join(th, NULL);
    OK(vr_topo_get_kv(topo, "k", &v, &err));
    cr_assert_str_eq(v, "ours");
    free(v);
}

/* ---- locks ------------------------------------------------------------------ */

static void utc(int64_t t, char *buf, size_t size)
{
    time_t tt = (time_t)t;
    struct tm tm;

    gmtime_r(&tt, &tm);
    strftime(buf, size, "%Y-%m-%d %H:%M:%S UTC", &tm);
}

Test(topo, lock_acquire_renew_unlock)
{
    const char *me = "vrepl up pid 1234@host";
    char owner[64], want[256], when[48];
    int64_t exp = 0, exp2 = 0, now = (int64_t)time(NULL);

    OK(vr_topo_lock_holder(topo, "cluster", owner, sizeof(owner), &exp, &err));
    cr_assert_str_eq(owner, "");
    cr_assert_eq(exp, 0);

    OK(vr_topo_lock(topo, "cluster", me, 60, &err));
    OK(vr_topo_lock_holder(topo, "cluster", owner, sizeof(owner), &exp, &err));
    cr_assert_str_eq(owner, me);
    cr_assert(exp >= now + 60 && exp <= now + 62, "expires %lld", (long long)exp);

    /* another owner is refused with a message naming the holder */
    FAILS(vr_topo_lock(topo, "cluster", "vrepl serve pid 9@host", 60, &err), VR_LOCKED);
    utc(exp, when, sizeof(when));
    snprintf(want, sizeof(want), "topo: lock \"cluster\" is held by \"%s\" until %s", me,
             when);
    cr_assert_str_eq(err.msg, want);
    cr_assert(err.retriable);

    /* the owner renews */
    OK(vr_topo_lock(topo, "cluster", me, 600, &err));
    OK(vr_topo_lock_holder(topo, "cluster", owner, sizeof(owner), &exp2, &err));
    cr_assert(exp2 >= exp + 500, "renewal did not extend: %lld", (long long)exp2);

    /* unlock by a non-owner is refused; other locks are independent */
    FAILS(vr_topo_unlock(topo, "cluster", "someone", &err), VR_LOCKED);
    cr_assert(strstr(err.msg, "not by \"someone\""), "%s", err.msg);
    OK(vr_topo_lock(topo, "workflow/customer.r1", "someone", 60, &err));

    OK(vr_topo_unlock(topo, "cluster", me, &err));
    OK(vr_topo_lock_holder(topo, "cluster", owner, sizeof(owner), &exp, &err));
    cr_assert_str_eq(owner, "");
    OK(vr_topo_unlock(topo, "cluster", me, &err)); /* free: ok */
    OK(vr_topo_lock(topo, "cluster", "vrepl serve pid 9@host", 60, &err));

    /* a small owner buffer truncates, NULL expiry is fine */
    OK(vr_topo_lock_holder(topo, "cluster", owner, 6, NULL, &err));
    cr_assert_str_eq(owner, "vrepl");

    FAILS(vr_topo_lock(topo, "cluster", "x", 0, &err), VR_INVALID);
    FAILS(vr_topo_lock(topo, "", "x", 10, &err), VR_INVALID);
    FAILS(vr_topo_lock(topo, "cluster", "", 10, &err), VR_INVALID);
}

/* Poll (never a bare sleep) until name is free; false after limit_ms. */
static bool wait_lock_free(const char *name, int limit_ms)
{
    char owner[64];
    struct timespec ts = {0, 50 * 1000000};

    for (int waited = 0; waited <= limit_ms; waited += 50) {
        OK(vr_topo_lock_holder(topo, name, owner, sizeof(owner), NULL, &err));
        if (!owner[0])
            return true;
        nanosleep(&ts, NULL);
    }
    return false;
}

Test(topo, lock_expires)
{
    OK(vr_topo_lock(topo, "cluster", "crashed", 1, &err));
    FAILS(vr_topo_lock(topo, "cluster", "next", 60, &err), VR_LOCKED);
    cr_assert(wait_lock_free("cluster", 5000), "lock never expired");
    /* an expired lock is free for anyone; unlocking it is a no-op */
    OK(vr_topo_unlock(topo, "cluster", "someone else", &err));
    OK(vr_topo_lock(topo, "cluster", "next", 60, &err));
    FAILS(vr_topo_lock(topo, "cluster", "crashed", 60, &err), VR_LOCKED);
}

/* ---- several processes ------------------------------------------------------- */

#ifndef NCHILD /* -D for a longer stress run */
#define NCHILD 4
#define LOCK_ITERS 200
#define TABLETS_PER_CHILD 100
#endif

static void tiny_sleep(unsigned salt)
{
    struct timespec ts = {0, (long)(100000 + (salt % 7) * 50000)};

    nanosleep(&ts, NULL);
}

/* Child: LOCK_ITERS times, take the lock and increment "counter" under
 * it.  inside is shared memory counting holders: never more than one. */
static int child_counter(int id, volatile int *inside)
{
    vr_topo_t *t = NULL;
    vr_error_t e;
    char owner[64], num[24], *v = NULL;
    int rc = 1;

    snprintf(owner, sizeof(owner), "child %d pid %d", id, (int)getpid());
    if (vr_topo_open(dbpath, &t, &e) != VR_OK)
        goto out;
    for (int i = 0; i < LOCK_ITERS;) {
        vr_code_t c = vr_topo_lock(t, "counter", owner, 30, &e);
        long n = 0;

        if (c == VR_LOCKED) {
            tiny_sleep((unsigned)(i + id));
            continue;
        }
        if (c != VR_OK)
            goto out;
        if (__atomic_fetch_add(inside, 1, __ATOMIC_SEQ_CST) != 0) {
            snprintf(e.msg, sizeof(e.msg), "two holders at once");
            goto out;
        }
        c = vr_topo_get_kv(t, "counter", &v, &e);
        if (c == VR_OK)
            n = strtol(v, NULL, 10);
        else if (c != VR_NOT_FOUND)
            goto out;
        free(v);
        v = NULL;
        tiny_sleep((unsigned)i); /* widen the window a broken lock would show in */
        snprintf(num, sizeof(num), "%ld", n + 1);
        if (vr_topo_put_kv(t, "counter", num, &e) != VR_OK)
            goto out;
        __atomic_fetch_sub(inside, 1, __ATOMIC_SEQ_CST);
        if (vr_topo_unlock(t, "counter", owner, &e) != VR_OK)
            goto out;
        tiny_sleep((unsigned)(i * 3 + id)); /* let the others in: real handoffs */
        i++;
    }
    rc = 0;
out:
    if (rc)
        fprintf(stderr, "child %d: %s\n", id, e.msg);
    free(v);
    vr_topo_close(t);
    return rc;
}

/* Start together: each child checks in, then waits for all the others. */
static void wait_gate(volatile int *gate, int id)
{
    __atomic_fetch_add(gate, 1, __ATOMIC_SEQ_CST);
    while (__atomic_load_n(gate, __ATOMIC_SEQ_CST) < NCHILD)
        tiny_sleep((unsigned)id);
}

/* Child: put TABLETS_PER_CHILD tablets, reading the list between writes. */
static int child_tablets(int id, volatile int *gate)
{
    vr_topo_t *t = NULL;
    vr_error_t e;
    int rc = 1;

    wait_gate(gate, id);
    if (vr_topo_open(dbpath, &t, &e) != VR_OK)
        goto out;
    for (int i = 0; i < TABLETS_PER_CHILD; i++) {
        vr_tablet_t tab = make_tablet("customer", i % 2 ? "80-" : "-80",
                                      (uint32_t)(id * 1000 + i), VR_TABLET_REPLICA);
        vr_tablet_t *tabs = NULL;
        size_t n = 0;

        if (vr_topo_put_tablet(t, &tab, &e) != VR_OK)
            goto out;
        if (i % 10 == 0 && vr_topo_list_tablets(t, "customer", NULL, &tabs, &n, &e) != VR_OK)
            goto out;
        free(tabs);
    }
    rc = 0;
out:
    if (rc)
        fprintf(stderr, "child %d: %s (%s)\n", id, e.msg, vr_code_name(e.code));
    vr_topo_close(t);
    return rc;
}

/* Child: wait until all children are forked, then open a file nobody
 * has created yet (all race to create the schema) and add a keyspace. */
static int child_fresh(int id, volatile int *gate)
{
    vr_topo_t *t = NULL;
    vr_error_t e;
    char ks[16];
    int rc = 1;

    wait_gate(gate, id);
    snprintf(ks, sizeof(ks), "ks%d", id);
    if (vr_topo_open(freshpath, &t, &e) == VR_OK &&
        vr_topo_create_keyspace(t, ks, &e) == VR_OK)
        rc = 0;
    if (rc)
        fprintf(stderr, "child %d: %s (%s)\n", id, e.msg, vr_code_name(e.code));
    vr_topo_close(t);
    return rc;
}

typedef int (*child_fn)(int id, volatile int *shared);

/* Fork NCHILD children running fn; all must exit 0. */
static void run_children(child_fn fn, volatile int *shared)
{
    pid_t pids[NCHILD];

    fflush(NULL);
    for (int i = 0; i < NCHILD; i++) {
        pids[i] = fork();
        cr_assert_neq(pids[i], -1);
        if (pids[i] == 0)
            _exit(fn(i, shared));
    }
    for (int i = 0; i < NCHILD; i++) {
        int status = 0;

        cr_assert_eq(waitpid(pids[i], &status, 0), pids[i]);
        cr_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0,
                  "child %d failed (status %d)", i, status);
    }
}

static volatile int *shared_int(void)
{
    volatile int *p = mmap(NULL, sizeof(int), PROT_READ | PROT_WRITE,
                           MAP_SHARED | MAP_ANONYMOUS, -1, 0);

    cr_assert_neq((void *)p, MAP_FAILED);
    *p = 0;
    return p;
}

Test(topo, processes_race_for_one_lock)
{
    volatile int *inside = shared_int();
    char *v = NULL, owner[8];

    vr_topo_close(topo); /* children open their own handles */
    topo = NULL;
    run_children(child_counter, inside);
    OK(vr_topo_open(dbpath, &topo, &err));
    OK(vr_topo_get_kv(topo, "counter", &v, &err));
    cr_assert_eq(strtol(v, NULL, 10), NCHILD * LOCK_ITERS, "counter %s", v);
    free(v);
    OK(vr_topo_lock_holder(topo, "counter", owner, sizeof(owner), NULL, &err));
    cr_assert_str_eq(owner, "");
    munmap((void *)inside, sizeof(int));
}

Test(topo, processes_write_tablets_concurrently)
{
    volatile int *gate = shared_int();
    vr_tablet_t *tabs = NULL;
    size_t n = 0;
    int64_t v0;

    make_ks("customer", (const char *const[]){"-80", "80-"}, 2);
    v0 = version();
    vr_topo_close(topo);
    topo = NULL;
    run_children(child_tablets, gate);
    OK(vr_topo_open(dbpath, &topo, &err));
    OK(vr_topo_list_tablets(topo, "customer", NULL, &tabs, &n, &err));
    cr_assert_eq(n, NCHILD * TABLETS_PER_CHILD);
    for (size_t i = 1; i < n; i++)
        cr_assert(strcmp(tabs[i - 1].shard, tabs[i].shard) != 0 ||
                      tabs[i - 1].uid < tabs[i].uid,
                  "unsorted at %zu", i);
    free(tabs);
    cr_assert_eq(version(), v0 + NCHILD * TABLETS_PER_CHILD);
    munmap((void *)gate, sizeof(int));
}

Test(topo, processes_create_a_new_file_at_once)
{
    volatile int *gate = shared_int();
    vr_topo_t *t = NULL;
    char **names = NULL;
    size_t n = 0;
    int64_t v = -1;

    run_children(child_fresh, gate);
    OK(vr_topo_open(freshpath, &t, &err));
    OK(vr_topo_list_keyspaces(t, &names, &n, &err));
    cr_assert_eq(n, NCHILD);
    vr_topo_strv_free(names, n);
    OK(vr_topo_version(t, &v, &err));
    cr_assert_eq(v, NCHILD);
    vr_topo_close(t);
    munmap((void *)gate, sizeof(int));
}
