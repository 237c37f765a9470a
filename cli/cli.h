/*
 * cli.h - the subcommands of the one `vrepl` binary.
 *
 * Each subcommand lives in cli/cmd_<name>.c as `int cmd_<name>(int argc,
 * char **argv)` where argv[0] is the subcommand name; it returns the exit
 * status (0 ok, 1 failure, 2 usage) and prints errors as
 * "vrepl <cmd>: <message>" on stderr.  main.c's table lists them.
 */
#ifndef VR_CLI_H
#define VR_CLI_H

#include <stdio.h>

#include "vr_gateway.h"
#include "vr_topo.h"
#include "vr_vschema.h"
#include "vr_workflow.h"

typedef struct vr_cli_cmd {
    const char *name;
    int (*fn)(int argc, char **argv);
    const char *summary;
} vr_cli_cmd_t;

/* Print "vrepl <cmd>: <msg>" to stderr; returns 1. */
int vr_cli_fail(const char *cmd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* The cluster's var folder: $VREPL_VAR, else "var". */
const char *vr_cli_default_var(void);
/* Open <var>/topo.db; on failure print why (as cmd) and return NULL. */
vr_topo_t *vr_cli_open_topo(const char *cmd, const char *var);
/* "ks.name" -> ks, name (pointers into buf, a copy of s); false when s
 * is not of that form. */
bool vr_cli_split_dot(const char *s, char *buf, size_t size, char **left, char **right);
/* Print a library's progress line on stdout (a vr_cluster_say_fn and a
 * vr_workflow_say_fn; flushed: the commands that use it run long). */
void vr_cli_say(void *ctx, const char *line);
/* Progress lines to stdout, errors as "vrepl <cmd>: <message>" on stderr
 * (cmd is borrowed; it must outlive the report). */
vr_workflow_report_t vr_cli_report(const char *cmd);

int cmd_up(int argc, char **argv);
int cmd_down(int argc, char **argv);
int cmd_status(int argc, char **argv);
int cmd_apply_schema(int argc, char **argv);
int cmd_apply_vschema(int argc, char **argv);
int cmd_get_vschema(int argc, char **argv);
int cmd_vindex(int argc, char **argv);
int cmd_mysql(int argc, char **argv);
int cmd_materialize(int argc, char **argv);
int cmd_workflow(int argc, char **argv);
int cmd_externalize(int argc, char **argv);
int cmd_migrate_reads(int argc, char **argv);

/* serve_http.c: the status page of `vrepl serve` (port 0: any free one). */
typedef struct vr_serve_http vr_serve_http_t;

vr_code_t vr_serve_http_start(const char *host, int port, const char *topo_path,
                              vr_gw_server_t *gw, vr_serve_http_t **out, vr_error_t *err);
int vr_serve_http_port(const vr_serve_http_t *h);
void vr_serve_http_stop(vr_serve_http_t *h); /* NULL is a no-op */
int cmd_migrate_writes(int argc, char **argv);
int cmd_vstream(int argc, char **argv);
int cmd_gateway(int argc, char **argv);
int cmd_notify(int argc, char **argv);
int cmd_kafka_dev(int argc, char **argv);
int cmd_serve(int argc, char **argv);

#endif
