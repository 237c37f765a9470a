/*
 * cmd_mysql.c - `vrepl mysql KEYSPACE/SHARD[@TYPE] [mariadb args...]`:
 * run the mariadb client on a tablet of the local cluster (its primary by
 * default), in the shard's database.  Handy for looking at what landed
 * where, and for scripts.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "vr_cluster.h"
#include "vr_common.h"
#include "vr_topo.h"

int cmd_mysql(int argc, char **argv)
{
    const char *var = getenv("VREPL_VAR");
    char target[256], *shard, *at;
    vr_tablet_type_t type = VR_TABLET_PRIMARY;
    vr_tablet_t *tabs = NULL, pick;
    size_t n = 0, i;
    bool found = false;
    vr_topo_t *topo = NULL;
    char *path;
    vr_error_t err;
    char **args;
    int a = 0;

    if (argc >= 3 && strcmp(argv[1], "--var") == 0) {
        var = argv[2];
        argv += 2;
        argc -= 2;
    }
    if (argc < 2 || strcmp(argv[1], "--help") == 0) {
        fprintf(argc < 2 ? stderr : stdout,
                "usage: vrepl mysql [--var DIR] KEYSPACE/SHARD[@primary|@replica|@rdonly] "
                "[mariadb options...]\n");
        return argc < 2 ? 2 : 0;
    }
    vr_error_clear(&err);
    snprintf(target, sizeof(target), "%s", argv[1]);
    shard = strchr(target, '/');
    if (!shard)
        return vr_cli_fail("mysql", "'%s': expected KEYSPACE/SHARD, e.g. customer/-80", argv[1]);
    *shard++ = '\0';
    if ((at = strchr(shard, '@')) != NULL) {
        *at++ = '\0';
        if (vr_tablet_type_parse(at, &type, &err) != VR_OK)
            return vr_cli_fail("mysql", "%s", err.msg);
    }
    path = vr_cluster_topo_path(var && *var ? var : "var");
    if (access(path, F_OK) != 0 || vr_topo_open(path, &topo, &err) != VR_OK ||
        vr_topo_list_tablets(topo, target, shard, &tabs, &n, &err) != VR_OK) {
        vr_cli_fail("mysql", "no cluster topology at %s%s%s", path, err.msg[0] ? ": " : "", err.msg);
        free(path);
        vr_topo_close(topo);
        return 1;
    }
    free(path);
    vr_topo_close(topo);
    for (i = 0; i < n && !found; i++)
        if (tabs[i].type == type && vr_cluster_tablet_running(&tabs[i])) {
            pick = tabs[i];
            found = true;
        }
    free(tabs);
    if (!found)
        return vr_cli_fail("mysql", "no running %s tablet for %s/%s", vr_tablet_type_name(type),
                           target, shard);
    args = vr_xcalloc((size_t)argc + 8, sizeof(char *));
    args[a++] = "mariadb";
    args[a++] = "--no-defaults";
    args[a++] = vr_xasprintf("--socket=%s", pick.socket);
    args[a++] = "--user=root";
    args[a++] = vr_xasprintf("--database=%s", pick.db_name);
    for (i = 2; i < (size_t)argc; i++)
        args[a++] = argv[i];
    args[a] = NULL;
    execvp("mariadb", args);
    return vr_cli_fail("mysql", "cannot run mariadb: %s", strerror(errno));
}
