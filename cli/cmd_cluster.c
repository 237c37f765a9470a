/*
 * cmd_cluster.c - `vrepl up`, `down`, `status`: the local cluster.
 */
#include <getopt.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "vr_cluster.h"
#include "vr_common.h"
#include "vr_topo.h"

int cmd_up(int argc, char **argv)
{
    static const struct option opts[] = {{"config", required_argument, NULL, 'c'},
                                         {"var", required_argument, NULL, 'v'},
                                         {"help", no_argument, NULL, 'h'},
                                         {NULL, 0, NULL, 0}};
    const char *config = NULL, *var = vr_cli_default_var();
    vr_cluster_cfg_t *cfg = NULL;
    vr_error_t err;
    bool changed = false;
    int c;

    while ((c = getopt_long(argc, argv, "c:v:h", opts, NULL)) != -1) {
        switch (c) {
        case 'c': config = optarg; break;
        case 'v': var = optarg; break;
        case 'h':
            printf("usage: vrepl up --config FILE [--var DIR]\n"
                   "Start every tablet of the cluster file as its own mariadbd under DIR\n"
                   "(default ./var, or $VREPL_VAR), set up replication, schemas and\n"
                   "VSchemas, and record it all in DIR/topo.db.  Running it again on a\n"
                   "running cluster changes nothing.\n");
            return 0;
        default: return 2;
        }
    }
    if (!config) {
        fprintf(stderr, "usage: vrepl up --config FILE [--var DIR]\n");
        return 2;
    }
    vr_error_clear(&err);
    if (vr_cluster_config_load(config, var, &cfg, &err) != VR_OK)
        return vr_cli_fail("up", "%s", err.msg);
    if (vr_cluster_up(cfg, vr_cli_say, NULL, &changed, &err) != VR_OK) {
        vr_cluster_config_free(cfg);
        return vr_cli_fail("up", "%s", err.msg);
    }
    vr_cluster_config_free(cfg);
    { /* the server (gateway + engines) in the background: see cmd_serve.c */
        char *sargv[] = {"serve", "--background", "--var", (char *)var, NULL};
        if (cmd_serve(4, sargv) != 0)
            fprintf(stderr, "vrepl up: the tablets are up, but vrepl serve is not\n");
    }
    return 0;
}

int cmd_down(int argc, char **argv)
{
    static const struct option opts[] = {{"var", required_argument, NULL, 'v'},
                                         {"config", required_argument, NULL, 'c'},
                                         {"purge", no_argument, NULL, 'p'},
                                         {"help", no_argument, NULL, 'h'},
                                         {NULL, 0, NULL, 0}};
    const char *var = vr_cli_default_var();
    bool purge = false;
    vr_error_t err;
    int c;

    while ((c = getopt_long(argc, argv, "v:c:ph", opts, NULL)) != -1) {
        switch (c) {
        case 'v': var = optarg; break;
        case 'c': break; /* accepted for symmetry with up; the topology knows */
        case 'p': purge = true; break;
        case 'h':
            printf("usage: vrepl down [--var DIR] [--purge]\n"
                   "Stop the mariadbd servers `vrepl up` started (and only those);\n"
                   "--purge also removes DIR with all data.\n");
            return 0;
        default: return 2;
        }
    }
    vr_error_clear(&err);
    if (access(var, F_OK) == 0) { /* stop vrepl serve first: see cmd_serve.c */
        char *sargv[] = {"serve", "--stop", "--var", (char *)var, NULL};
        cmd_serve(4, sargv);
    }
    if (vr_cluster_down(var, purge, vr_cli_say, NULL, &err) != VR_OK)
        return vr_cli_fail("down", "%s", err.msg);
    return 0;
}

/* Replication state of a replica: "replicating from 127.0.0.1:17100 ..." */
static void replica_state(MYSQL *c, char *out, size_t size)
{
    MYSQL_RES *res;
    MYSQL_ROW row;
    MYSQL_FIELD *f;
    unsigned i, nf;
    const char *io = "?", *sqlr = "?", *lag = NULL, *gtid = "", *last_err = "", *port = "";

    snprintf(out, size, "no replication configured");
    if (mysql_query(c, "SHOW SLAVE STATUS") != 0 || !(res = mysql_store_result(c)))
        return;
    row = mysql_fetch_row(res);
    if (row) {
        f = mysql_fetch_fields(res);
        nf = mysql_num_fields(res);
        for (i = 0; i < nf; i++) {
            const char *v = row[i] ? row[i] : "";
            if (strcmp(f[i].name, "Slave_IO_Running") == 0) io = v;
            else if (strcmp(f[i].name, "Slave_SQL_Running") == 0) sqlr = v;
            else if (strcmp(f[i].name, "Seconds_Behind_Master") == 0) lag = row[i];
            else if (strcmp(f[i].name, "Gtid_IO_Pos") == 0) gtid = v;
            else if (strcmp(f[i].name, "Last_Error") == 0) last_err = v;
            else if (strcmp(f[i].name, "Master_Port") == 0) port = v;
        }
        snprintf(out, size, "from :%s io=%s sql=%s lag=%s%s gtid=%s%s%s", port, io, sqlr,
                 lag ? lag : "NULL", lag ? "s" : "", gtid, last_err[0] ? " error: " : "",
                 last_err);
    }
    mysql_free_result(res);
}

static void tablet_line(const vr_tablet_t *t, json_t *jarr)
{
    char state[512] = "";
    bool running = vr_cluster_tablet_running(t);

    if (running) {
        vr_error_t err;
        MYSQL *c = vr_tablet_connect(t, NULL, &err);
        if (!c) {
            snprintf(state, sizeof(state), "unreachable: %s", err.msg);
        } else {
            if (t->type == VR_TABLET_PRIMARY) {
                if (mysql_query(c, "SELECT @@gtid_binlog_pos") == 0) {
                    MYSQL_RES *res = mysql_store_result(c);
                    MYSQL_ROW row = res ? mysql_fetch_row(res) : NULL;
                    snprintf(state, sizeof(state), "gtid=%s", row && row[0] ? row[0] : "");
                    if (res)
                        mysql_free_result(res);
                }
            } else {
                replica_state(c, state, sizeof(state));
            }
            mysql_close(c);
        }
    }
    if (jarr) {
        json_array_append_new(
            jarr, json_pack("{s:s, s:s, s:s, s:s, s:s, s:i, s:s, s:s, s:b, s:i, s:s}", "alias",
                            t->alias, "keyspace", t->keyspace, "shard", t->shard, "type",
                            vr_tablet_type_name(t->type), "host", t->host, "port", t->port,
                            "socket", t->socket, "db_name", t->db_name, "running", running,
                            "pid", running ? t->pid : 0, "replication", state));
        return;
    }
    printf("    %-17s %-8s %s:%-5d %-8s %s\n", t->alias, vr_tablet_type_name(t->type), t->host,
           t->port, running ? "running" : "stopped", state);
}

int cmd_status(int argc, char **argv)
{
    static const struct option opts[] = {{"var", required_argument, NULL, 'v'},
                                         {"config", required_argument, NULL, 'c'},
                                         {"json", no_argument, NULL, 'j'},
                                         {"help", no_argument, NULL, 'h'},
                                         {NULL, 0, NULL, 0}};
    const char *var = vr_cli_default_var();
    bool as_json = false;
    vr_topo_t *topo = NULL;
    char *path, **kss = NULL;
    size_t nks = 0, i;
    json_t *jarr = NULL;
    vr_error_t err;
    int c, status = 0;

    while ((c = getopt_long(argc, argv, "v:c:jh", opts, NULL)) != -1) {
        switch (c) {
        case 'v': var = optarg; break;
        case 'c': break;
        case 'j': as_json = true; break;
        case 'h':
            printf("usage: vrepl status [--var DIR] [--json]\n"
                   "Keyspaces, shards and tablets: address, process, replication.\n");
            return 0;
        default: return 2;
        }
    }
    vr_error_clear(&err);
    path = vr_cluster_topo_path(var);
    if (access(path, F_OK) != 0) {
        vr_cli_fail("status", "no cluster here: %s does not exist (start one with vrepl up)", path);
        free(path);
        return 1;
    }
    if (vr_topo_open(path, &topo, &err) != VR_OK ||
        vr_topo_list_keyspaces(topo, &kss, &nks, &err) != VR_OK) {
        status = vr_cli_fail("status", "%s", err.msg);
        goto out;
    }
    if (as_json)
        jarr = json_array();
    else
        printf("topology %s\n", path);
    if (!as_json) { /* vrepl serve's line: see cmd_serve.c */
        char *sargv[] = {"serve", "--status", "--var", (char *)var, NULL};
        cmd_serve(4, sargv);
    }
    for (i = 0; i < nks; i++) {
        char **shards = NULL;
        size_t nsh = 0, j;
        if (vr_topo_list_shards(topo, kss[i], &shards, &nsh, &err) != VR_OK) {
            status = vr_cli_fail("status", "%s", err.msg);
            goto out;
        }
        if (!as_json)
            printf("keyspace %s (%s)\n", kss[i], nsh == 1 && strcmp(shards[0], "0") == 0 ? "unsharded" : "sharded");
        for (j = 0; j < nsh; j++) {
            vr_tablet_t *tabs = NULL;
            size_t nt = 0, k;
            if (!as_json)
                printf("  shard %s\n", shards[j]);
            if (vr_topo_list_tablets(topo, kss[i], shards[j], &tabs, &nt, &err) == VR_OK)
                for (k = 0; k < nt; k++)
                    tablet_line(&tabs[k], jarr);
            free(tabs);
        }
        vr_topo_strv_free(shards, nsh);
    }
    if (as_json) {
        char *s = json_dumps(jarr, JSON_INDENT(2));
        printf("%s\n", s);
        free(s);
    }
out:
    json_decref(jarr);
    vr_topo_strv_free(kss, nks);
    vr_topo_close(topo);
    free(path);
    return status;
}
