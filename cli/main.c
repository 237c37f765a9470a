/*
 * main.c - the one `vrepl` binary: dispatches to a subcommand.
 * Each subcommand parses its own flags (getopt_long) and returns the exit
 * status; see cli.h.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "vr_common.h"

static const vr_cli_cmd_t commands[] = {
    {"up", cmd_up, "start the local cluster described by a cluster file"},
    {"down", cmd_down, "stop the local cluster's processes"},
    {"status", cmd_status, "show keyspaces, shards, tablets and replication"},
    {"apply-schema", cmd_apply_schema, "run DDL on every primary of a keyspace"},
    {"apply-vschema", cmd_apply_vschema, "validate and store a keyspace's VSchema"},
    {"get-vschema", cmd_get_vschema, "print a keyspace's VSchema"},
    {"vindex", cmd_vindex, "print the keyspace IDs of values"},
    {"mysql", cmd_mysql, "run the mariadb client on a tablet"},
    {"materialize", cmd_materialize, "keep a table's copy in another keyspace (streams)"},
    {"externalize", cmd_externalize, "put a materialized table in its keyspace's VSchema"},
    {"migrate-reads", cmd_migrate_reads, "serve a copy workflow's reads of one tablet type from the copy"},
    {"migrate-writes", cmd_migrate_writes, "move a copy workflow's writes to the copy, with a reverse stream"},
    {"workflow", cmd_workflow, "list, show, stop, start, delete vreplication workflows"},
    {"vstream", cmd_vstream, "print a source's binlog as JSON events"},
    {"gateway", cmd_gateway, "run the MySQL-protocol gateway (dev: passthrough to one backend)"},
    {"notify", cmd_notify, "change notifications to Kafka (create, run, list, show, ...)"},
    {"kafka-dev", cmd_kafka_dev, "run librdkafka's mock Kafka cluster on loopback"},
    {"serve", cmd_serve, "run the gateway (planner) and notify engine for the cluster"},
};

int vr_cli_fail(const char *cmd, const char *fmt, ...)
{
    va_list ap;
    fprintf(stderr, "vrepl %s: ", cmd);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    return 1;
}

static void usage(FILE *f)
{
    size_t i;
    fprintf(f, "usage: vrepl <command> [options]\n\ncommands:\n");
    for (i = 0; i < VR_ARRAY_LEN(commands); i++)
        fprintf(f, "  %-14s %s\n", commands[i].name, commands[i].summary);
    fprintf(f, "\n'vrepl <command> --help' shows a command's options.\n"
               "VREPL_DEBUG=area,... (or all) turns on debug logs.\n");
}

int main(int argc, char **argv)
{
    size_t i;

    if (argc < 2) {
        usage(stderr);
        return 2;
    }
    if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 ||
        strcmp(argv[1], "help") == 0) {
        usage(stdout);
        return 0;
    }
    if (strcmp(argv[1], "--version") == 0 || strcmp(argv[1], "version") == 0) {
        printf("vrepl 0.1.0\n");
        return 0;
    }
    for (i = 0; i < VR_ARRAY_LEN(commands); i++)
        if (strcmp(argv[1], commands[i].name) == 0)
            return commands[i].fn(argc - 1, argv + 1);
    fprintf(stderr, "vrepl: unknown command '%s'\n", argv[1]);
    usage(stderr);
    return 2;
}
