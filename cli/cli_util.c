/*
 * cli_util.c - what several subcommands share: the var folder, opening
 * the topology with a user-facing error, VSchema checks across keyspaces.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "vr_cluster.h"
#include "vr_common.h"

const char *vr_cli_default_var(void)
{
    const char *v = getenv("VREPL_VAR");
    return v && *v ? v : "var";
}

vr_topo_t *vr_cli_open_topo(const char *cmd, const char *var)
{
    char *path = vr_cluster_topo_path(var);
    vr_topo_t *topo = NULL;
    vr_error_t err;

    vr_error_clear(&err);
    if (access(path, F_OK) != 0)
        vr_cli_fail(cmd, "no cluster here: %s does not exist (start one with vrepl up)", path);
    else if (vr_topo_open(path, &topo, &err) != VR_OK)
        vr_cli_fail(cmd, "%s", err.msg);
    free(path);
    return topo;
}

/* Every keyspace's VSchema from the topology, with ks's replaced by mine. */
vr_code_t vr_cli_check_vschema(vr_topo_t *topo, vr_vschema_t *mine, vr_error_t *err)
{
    char **names = NULL;
    size_t n = 0, i, m = 0;
    vr_vschema_t **all = NULL;
    vr_code_t rc;

    if ((rc = vr_topo_list_keyspaces(topo, &names, &n, err)) != VR_OK)
        return rc;
    all = vr_xcalloc(n + 1, sizeof(*all));
    all[m++] = mine;
    for (i = 0; i < n && rc == VR_OK; i++) {
        char *json = NULL;
        if (strcmp(names[i], vr_vschema_keyspace(mine)) == 0)
            continue;
        if (vr_topo_get_vschema(topo, names[i], &json, NULL) != VR_OK)
            continue;
        rc = vr_vschema_parse(names[i], json, &all[m], err);
        free(json);
        if (rc == VR_OK)
            m++;
    }
    if (rc == VR_OK)
        rc = vr_vschema_validate_cluster((const vr_vschema_t *const *)all, m, err);
    for (i = 1; i < m; i++)
        vr_vschema_free(all[i]);
    free(all);
    vr_topo_strv_free(names, n);
    return rc;
}


bool vr_cli_split_dot(const char *s, char *buf, size_t size, char **left, char **right)
{
    char *dot;
    snprintf(buf, size, "%s", s);
    dot = strchr(buf, '.');
    if (!dot || dot == buf || !dot[1])
        return false;
    *dot = '\0';
    *left = buf;
    *right = dot + 1;
    return true;
}
