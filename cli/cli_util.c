/*
 * cli_util.c - what several subcommands share: the var folder, opening
 * the topology with a user-facing error, progress lines and errors of the
 * library calls printed for the user.
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

void vr_cli_say(void *ctx, const char *line)
{
    (void)ctx;
    printf("%s\n", line);
    fflush(stdout);
}

static void cli_fail_cb(void *ctx, const vr_error_t *err)
{
    vr_cli_fail((const char *)ctx, "%s", err->msg);
}

vr_workflow_report_t vr_cli_report(const char *cmd)
{
    vr_workflow_report_t rep = {vr_cli_say, cli_fail_cb, (void *)cmd};
    return rep;
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
