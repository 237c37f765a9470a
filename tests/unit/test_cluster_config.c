/* Cluster files: the marketplace example loads and plans as documented;
 * every kind of mistake is named with its JSON path. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "vr_cluster.h"
#include "vr_common.h"

static char dir[] = "/tmp/vrepl-cfg-XXXXXX";

static void setup(void)
{
    cr_assert_not_null(mkdtemp(dir));
}

static void teardown(void)
{
    char cmd[256];
    snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
    cr_assert_eq(system(cmd), 0);
}

static void write_file(const char *name, const char *text)
{
    char path[512];
    FILE *f;
    snprintf(path, sizeof(path), "%s/%s", dir, name);
    f = fopen(path, "w");
    cr_assert_not_null(f);
    fputs(text, f);
    fclose(f);
}

/* load dir/name, expecting failure; returns the message */
static const char *load_err(const char *name)
{
    static vr_error_t err;
    char path[512];
    vr_cluster_cfg_t *cfg = NULL;
    snprintf(path, sizeof(path), "%s/%s", dir, name);
    vr_error_clear(&err);
    cr_assert_neq(vr_cluster_config_load(path, dir, &cfg, &err), VR_OK, "%s loaded", name);
    cr_assert_null(cfg);
    return err.msg;
}

TestSuite(cluster_config, .init = setup, .fini = teardown);

Test(cluster_config, marketplace_plan)
{
    vr_cluster_cfg_t *cfg = NULL;
    vr_tablet_t *tabs = NULL;
    vr_error_t err;
    size_t n = 0;

    cr_assert_eq(vr_cluster_config_load(VR_SOURCE_DIR "/examples/marketplace/cluster.json", "/x/var",
                                        &cfg, &err),
                 VR_OK, "%s", err.msg);
    cr_assert_str_eq(cfg->name, "marketplace");
    cr_assert_eq(cfg->nks, 3);
    cr_assert_str_eq(cfg->ks[1].name, "customer");
    cr_assert_eq(cfg->ks[1].nshards, 2);
    cr_assert(strstr(cfg->ks[1].schema_path, "/examples/marketplace/schema/customer.sql"));
    vr_cluster_plan(cfg, &tabs, &n);
    cr_assert_eq(n, 15);
    cr_assert_str_eq(tabs[0].alias, "zone1-0000000100");
    cr_assert_eq(tabs[0].type, VR_TABLET_PRIMARY);
    cr_assert_eq(tabs[0].port, 17100);
    cr_assert_str_eq(tabs[0].db_name, "vt_product");
    cr_assert_str_eq(tabs[0].datadir, "/x/var/zone1-0000000100");
    cr_assert_eq(tabs[1].type, VR_TABLET_REPLICA);
    cr_assert_eq(tabs[2].type, VR_TABLET_RDONLY);
    /* customer/80- is the third shard: uids 300..302 */
    cr_assert_str_eq(tabs[6].keyspace, "customer");
    cr_assert_str_eq(tabs[6].shard, "80-");
    cr_assert_eq(tabs[6].uid, 300);
    cr_assert_str_eq(tabs[14].alias, "zone1-0000000502");
    free(tabs);
    vr_cluster_config_free(cfg);
}

Test(cluster_config, errors_name_the_path)
{
    write_file("a.json", "{\"keyspaces\": []}");
    cr_assert(strstr(load_err("a.json"), "keyspaces: must be a non-empty array"));
    write_file("b.json", "{\"keyspaces\": [{\"name\": \"x-y\"}]}");
    cr_assert(strstr(load_err("b.json"), "keyspaces[0].name"));
    write_file("c.json", "{\"keyspaces\": [{\"name\": \"c\", \"shards\": [\"-80\", \"8g-\"]}]}");
    cr_assert(strstr(load_err("c.json"), "keyspaces[0].shards[1]"), "%s", load_err("c.json"));
    write_file("d.json", "{\"keyspaces\": [{\"name\": \"c\", \"shards\": [\"-80\", \"40-\"]}]}");
    cr_assert(strstr(load_err("d.json"), "overlap"), "%s", load_err("d.json"));
    write_file("e.json", "{\"keyspaces\": [{\"name\": \"c\", \"schema\": \"nope.sql\"}]}");
    cr_assert(strstr(load_err("e.json"), "keyspaces[0].schema: cannot read"), "%s", load_err("e.json"));
    write_file("f.json", "{\"keyspaces\": [{\"name\": \"c\"}, {\"name\": \"c\"}]}");
    cr_assert(strstr(load_err("f.json"), "listed twice"));
    write_file("g.json", "{\"keyspaces\": [{\"name\": \"c\", \"replicas\": -1}]}");
    cr_assert(strstr(load_err("g.json"), "keyspaces[0].replicas"));
    write_file("h.json", "{\"base_port\": \"x\", \"keyspaces\": [{\"name\": \"c\"}]}");
    cr_assert(strstr(load_err("h.json"), "base_port"));
    write_file("i.json", "[1,2");
    cr_assert(strstr(load_err("i.json"), "line 1"), "%s", load_err("i.json"));
}

Test(cluster_config, vschemas_are_checked_alone_and_together)
{
    /* sharded VSchema on an unsharded keyspace */
    write_file("s.json", "{\"sharded\": true, \"vindexes\": {\"hash\": {\"type\": \"hash\"}}, "
                         "\"tables\": {\"t\": {\"column_vindexes\": [{\"column\": \"id\", \"name\": \"hash\"}]}}}");
    write_file("j.json", "{\"keyspaces\": [{\"name\": \"c\", \"vschema\": \"s.json\"}]}");
    cr_assert(strstr(load_err("j.json"), "sharded=true"), "%s", load_err("j.json"));
    /* auto_increment pointing at a sequence no keyspace has */
    write_file("t.json", "{\"sharded\": true, \"vindexes\": {\"hash\": {\"type\": \"hash\"}}, "
                         "\"tables\": {\"t\": {\"column_vindexes\": [{\"column\": \"id\", \"name\": \"hash\"}], "
                         "\"auto_increment\": {\"column\": \"id\", \"sequence\": \"t_seq\"}}}}");
    write_file("k.json", "{\"keyspaces\": [{\"name\": \"c\", \"shards\": [\"-80\", \"80-\"], "
                         "\"vschema\": \"t.json\"}]}");
    cr_assert(strstr(load_err("k.json"), "t_seq"), "%s", load_err("k.json"));
    /* a VSchema that is not valid on its own */
    write_file("u.json", "{\"sharded\": true, \"tables\": {\"t\": {}}}");
    write_file("l.json", "{\"keyspaces\": [{\"name\": \"c\", \"shards\": [\"-80\", \"80-\"], "
                         "\"vschema\": \"u.json\"}]}");
    cr_assert(strstr(load_err("l.json"), "u.json"), "%s", load_err("l.json"));
}
