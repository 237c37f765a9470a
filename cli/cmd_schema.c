/*
 * cmd_schema.c - `vrepl apply-schema`, `apply-vschema`, `get-vschema`.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "vr_cluster.h"
#include "vr_common.h"
#include "vr_topo.h"
#include "vr_vschema.h"
#include "vr_workflow.h"

static char *slurp(const char *path, vr_error_t *err)
{
    FILE *f = strcmp(path, "-") == 0 ? stdin : fopen(path, "rb");
    vr_buf_t b = VR_BUF_INIT;
    char chunk[8192];
    size_t n;

    if (!f) {
        vr_errorf(err, VR_IO, "cannot read %s: %m", path);
        return NULL;
    }
    while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
        vr_buf_append(&b, chunk, n);
    if (f != stdin)
        fclose(f);
    return vr_buf_detach(&b);
}

int cmd_apply_schema(int argc, char **argv)
{
    static const struct option opts[] = {{"sql", required_argument, NULL, 's'},
                                         {"sql-file", required_argument, NULL, 'f'},
                                         {"var", required_argument, NULL, 'v'},
                                         {"help", no_argument, NULL, 'h'},
                                         {NULL, 0, NULL, 0}};
    const char *var = vr_cli_default_var(), *ks;
    char *sql = NULL, **shards = NULL;
    size_t nsh = 0, i;
    vr_topo_t *topo = NULL;
    vr_error_t err;
    int c, status = 0;

    vr_error_clear(&err);
    while ((c = getopt_long(argc, argv, "s:f:v:h", opts, NULL)) != -1) {
        switch (c) {
        case 's': free(sql); sql = vr_xstrdup(optarg); break;
        case 'f':
            free(sql);
            if (!(sql = slurp(optarg, &err)))
                return vr_cli_fail("apply-schema", "%s", err.msg);
            break;
        case 'v': var = optarg; break;
        case 'h':
            printf("usage: vrepl apply-schema (--sql SQL | --sql-file FILE) KEYSPACE\n"
                   "Run the statements on the primary of every shard of KEYSPACE.\n");
            return 0;
        default: return 2;
        }
    }
    if (!sql || optind != argc - 1) {
        free(sql);
        fprintf(stderr, "usage: vrepl apply-schema (--sql SQL | --sql-file FILE) KEYSPACE\n");
        return 2;
    }
    ks = argv[optind];
    if (!(topo = vr_cli_open_topo("apply-schema", var))) {
        free(sql);
        return 1;
    }
    if (vr_topo_list_shards(topo, ks, &shards, &nsh, &err) != VR_OK || nsh == 0) {
        status = vr_cli_fail("apply-schema", "keyspace %s not found in the topology", ks);
        goto out;
    }
    for (i = 0; i < nsh; i++) {
        vr_tablet_t p;
        MYSQL *conn;
        if (vr_topo_get_primary(topo, ks, shards[i], &p, &err) != VR_OK) {
            status = vr_cli_fail("apply-schema", "%s/%s: %s", ks, shards[i], err.msg);
            goto out;
        }
        conn = vr_tablet_connect(&p, p.db_name, &err);
        if (!conn || vr_tablet_exec(conn, sql, &err) != VR_OK) {
            if (conn)
                mysql_close(conn);
            status = vr_cli_fail("apply-schema", "%s/%s (%s): %s%s", ks, shards[i], p.alias,
                                 err.msg, i ? "; earlier shards already have the change" : "");
            goto out;
        }
        mysql_close(conn);
        printf("applied to %s/%s (%s)\n", ks, shards[i], p.alias);
    }
out:
    vr_topo_strv_free(shards, nsh);
    vr_topo_close(topo);
    free(sql);
    return status;
}

int cmd_apply_vschema(int argc, char **argv)
{
    static const struct option opts[] = {{"file", required_argument, NULL, 'f'},
                                         {"vschema", required_argument, NULL, 's'},
                                         {"dry-run", no_argument, NULL, 'n'},
                                         {"var", required_argument, NULL, 'v'},
                                         {"help", no_argument, NULL, 'h'},
                                         {NULL, 0, NULL, 0}};
    const char *var = vr_cli_default_var(), *ks;
    char *json = NULL, *out_json = NULL, **shards = NULL;
    size_t nsh = 0;
    bool dry = false;
    vr_vschema_t *vs = NULL;
    vr_topo_t *topo = NULL;
    vr_error_t err;
    int c, status = 0;

    vr_error_clear(&err);
    while ((c = getopt_long(argc, argv, "f:s:nv:h", opts, NULL)) != -1) {
        switch (c) {
        case 'f':
            free(json);
            if (!(json = slurp(optarg, &err)))
                return vr_cli_fail("apply-vschema", "%s", err.msg);
            break;
        case 's': free(json); json = vr_xstrdup(optarg); break;
        case 'n': dry = true; break;
        case 'v': var = optarg; break;
        case 'h':
            printf("usage: vrepl apply-vschema (--file FILE | --vschema JSON) [--dry-run] KEYSPACE\n"
                   "Validate a keyspace's VSchema (alone and with the other keyspaces')\n"
                   "and store it in the topology.\n");
            return 0;
        default: return 2;
        }
    }
    if (!json || optind != argc - 1) {
        free(json);
        fprintf(stderr, "usage: vrepl apply-vschema (--file FILE | --vschema JSON) [--dry-run] KEYSPACE\n");
        return 2;
    }
    ks = argv[optind];
    if (!(topo = vr_cli_open_topo("apply-vschema", var)))
        goto out_nomsg;
    if (vr_topo_list_shards(topo, ks, &shards, &nsh, &err) != VR_OK || nsh == 0) {
        status = vr_cli_fail("apply-vschema", "keyspace %s not found in the topology", ks);
        goto out;
    }
    if (vr_vschema_parse(ks, json, &vs, &err) != VR_OK ||
        vr_workflow_check_vschema(topo, vs, &err) != VR_OK) {
        status = vr_cli_fail("apply-vschema", "%s", err.msg);
        goto out;
    }
    if (vr_vschema_sharded(vs) != !(nsh == 1 && strcmp(shards[0], "0") == 0)) {
        status = vr_cli_fail("apply-vschema",
                             "vschema %s: sharded is %s but the keyspace has %zu shard(s)", ks,
                             vr_vschema_sharded(vs) ? "true" : "false", nsh);
        goto out;
    }
    out_json = vr_vschema_to_json(vs);
    if (!dry && vr_topo_put_vschema(topo, ks, out_json, &err) != VR_OK) {
        status = vr_cli_fail("apply-vschema", "%s", err.msg);
        goto out;
    }
    printf("%s VSchema of keyspace %s:\n%s\n", dry ? "Would apply (dry run)" : "Applied", ks,
           out_json);
out:
    vr_topo_strv_free(shards, nsh);
    vr_vschema_free(vs);
    vr_topo_close(topo);
    free(out_json);
    free(json);
    return status;
out_nomsg:
    free(json);
    return 1;
}

int cmd_get_vschema(int argc, char **argv)
{
    static const struct option opts[] = {{"var", required_argument, NULL, 'v'},
                                         {"help", no_argument, NULL, 'h'},
                                         {NULL, 0, NULL, 0}};
    const char *var = vr_cli_default_var();
    char *json = NULL;
    vr_topo_t *topo;
    vr_error_t err;
    int c, status = 0;

    while ((c = getopt_long(argc, argv, "v:h", opts, NULL)) != -1) {
        switch (c) {
        case 'v': var = optarg; break;
        case 'h': printf("usage: vrepl get-vschema KEYSPACE\n"); return 0;
        default: return 2;
        }
    }
    if (optind != argc - 1) {
        fprintf(stderr, "usage: vrepl get-vschema KEYSPACE\n");
        return 2;
    }
    if (!(topo = vr_cli_open_topo("get-vschema", var)))
        return 1;
    vr_error_clear(&err);
    if (vr_topo_get_vschema(topo, argv[optind], &json, &err) != VR_OK)
        status = vr_cli_fail("get-vschema", "no VSchema for keyspace %s", argv[optind]);
    else
        printf("%s%s", json, json[0] && json[strlen(json) - 1] == '\n' ? "" : "\n");
    free(json);
    vr_topo_close(topo);
    return status;
}
