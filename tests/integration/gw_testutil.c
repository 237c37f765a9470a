/* gw_testutil.c - see gw_testutil.h. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "gw_testutil.h"
#include "vr_cluster.h"
#include "vr_gateway.h"
#include "vr_harness.h"

static const char *work;
static vr_gw_server_t *srv;
static vr_gw_handler_t handler;
static int port;
static char topo_path[1024];

int gwt_start(const char *dir)
{
    vr_gw_user_t users[1] = {{"app", "app"}};
    vr_gw_config_t cfg;
    vr_error_t err;
    work = dir;
    memset(&cfg, 0, sizeof(cfg));
    snprintf(topo_path, sizeof(topo_path), "%s/var/topo.db", work);
    cfg.users = users;
    cfg.n_users = 1;
    if (vr_gw_planner_new(topo_path, &handler, &err) != VR_OK)
        goto fail;
    cfg.handler = handler;
    if (vr_gw_server_new(&cfg, &srv, &err) != VR_OK || vr_gw_server_start(srv, &err) != VR_OK)
        goto fail;
    port = vr_gw_server_port(srv);
    return 0;
fail:
    fprintf(stderr, "gateway: %s\n", err.msg);
    return -1;
}

void gwt_stop(void)
{
    vr_gw_server_free(srv);
    srv = NULL;
    vr_gw_planner_free(&handler);
}

int gwt_port(void) { return port; }
const char *gwt_topo_path(void) { return topo_path; }

int gwt_cli(char **out, const char *db, const char *sql)
{
    char path[1100];
    FILE *f;
    snprintf(path, sizeof(path), "%s/q-%d.sql", work, (int)getpid());
    f = fopen(path, "w");
    cr_assert_not_null(f);
    fputs(sql, f);
    fclose(f);
    return vr_h_run(out, "mariadb -h127.0.0.1 -P%d -uapp -papp -N -B %s < %s 2>&1", port,
                    db ? db : "", path);
}

void gwt_expect(const char *db, const char *sql, const char *want)
{
    char *out = NULL;
    int rc = gwt_cli(&out, db, sql);
    cr_expect_eq(rc, 0, "%s: exit %d: %s", sql, rc, out);
    cr_expect_str_eq(out, want, "%s", sql);
    free(out);
}

void gwt_expect_error(const char *db, const char *sql, const char *needle)
{
    char *out = NULL;
    int rc = gwt_cli(&out, db, sql);
    cr_expect_neq(rc, 0, "%s should fail: %s", sql, out);
    cr_expect(strstr(out, needle) != NULL, "%s: want '%s' in: %s", sql, needle, out);
    free(out);
}

vr_tablet_t gwt_tablet(const char *ks, const char *shard, vr_tablet_type_t type)
{
    vr_topo_t *topo;
    vr_tablet_t *tabs = NULL, t;
    size_t n = 0, i;
    vr_error_t err;
    bool found = false;
    memset(&t, 0, sizeof(t));
    cr_assert_eq(vr_topo_open(topo_path, &topo, &err), VR_OK, "%s", err.msg);
    cr_assert_eq(vr_topo_list_tablets(topo, ks, shard, &tabs, &n, &err), VR_OK, "%s", err.msg);
    for (i = 0; i < n; i++)
        if (tabs[i].type == type) {
            t = tabs[i];
            found = true;
        }
    free(tabs);
    vr_topo_close(topo);
    cr_assert(found);
    return t;
}

char *gwt_on_tablet(const char *ks, const char *shard, const char *sql)
{
    vr_tablet_t t = gwt_tablet(ks, shard, VR_TABLET_PRIMARY);
    vr_error_t err;
    MYSQL *c = vr_tablet_connect(&t, t.db_name, &err);
    char *out;
    cr_assert_not_null(c, "%s", err.msg);
    out = vr_h_query(c, "%s", sql);
    mysql_close(c);
    return out;
}

void gwt_expect_tablet(const char *ks, const char *shard, const char *sql, const char *want)
{
    char *out = gwt_on_tablet(ks, shard, sql);
    cr_expect_str_eq(out, want, "%s/%s: %s", ks, shard, sql);
    free(out);
}

int gwt_main(int argc, char **argv, const char *env, int (*up)(void))
{
    struct criterion_test_set *tests = criterion_initialize();
    bool parent = getenv(env) == NULL;
    int result = 0;
    if (criterion_handle_args(argc, argv, true)) {
        criterion_options.jobs = 1;
        if (parent && up() != 0)
            result = 1;
        else
            result = !criterion_run_all_tests(tests);
        if (parent && getenv(env)) {
            vr_h_run(NULL, "%s down --var %s/var --purge", vr_h_vrepl_bin(), getenv(env));
            vr_h_rmrf(getenv(env));
        }
    }
    criterion_finalize(tests);
    return result;
}
