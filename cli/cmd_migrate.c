/*
 * cmd_migrate.c - `vrepl migrate-reads` and `vrepl migrate-writes`:
 * argument parsing and printing around vr_migrate_reads() and
 * vr_migrate_writes() (vr_workflow.h), the cutover of a copy workflow (a
 * materialize of whole tables), as Vitess's MigrateReads / MigrateWrites
 * (SwitchTraffic) do it.
 *
 * migrate-reads --tablet-type T KS.WF
 *   Routing rule "table@T" -> "KS.table" for every table the workflow
 *   fills: reads a gateway serves from tablet type T now come from the
 *   copy.  --reverse removes those rules.
 *
 * migrate-writes KS.WF (reads of rdonly and replica migrated first):
 *   deny writes on the source, wait for the streams, freeze them, route
 *   the tables to the copy, start WF_reverse; the steps are in
 *   vr_workflow.h.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "vr_common.h"
#include "vr_topo.h"
#include "vr_workflow.h"

static int split_wf(const char *cmd, const char *arg, char *buf, size_t size, char **ks, char **wf)
{
    if (vr_cli_split_dot(arg, buf, size, ks, wf))
        return 0;
    fprintf(stderr, "vrepl %s: expected KEYSPACE.WORKFLOW, got '%s'\n", cmd, arg);
    return 2;
}

int cmd_migrate_reads(int argc, char **argv)
{
    static const struct option opts[] = {{"tablet-type", required_argument, NULL, 't'},
                                         {"reverse", no_argument, NULL, 'r'},
                                         {"var", required_argument, NULL, 'v'},
                                         {"help", no_argument, NULL, 'h'},
                                         {NULL, 0, NULL, 0}};
    const char *var = vr_cli_default_var();
    char buf[256], *ks, *name;
    vr_migrate_reads_opts_t o;
    vr_workflow_report_t rep = vr_cli_report("migrate-reads");
    vr_topo_t *topo;
    vr_error_t err;
    int c, status = 0;

    memset(&o, 0, sizeof(o));
    optind = 1;
    while ((c = getopt_long(argc, argv, "t:rv:h", opts, NULL)) != -1) {
        switch (c) {
        case 't': o.tablet_type = optarg; break;
        case 'r': o.reverse = true; break;
        case 'v': var = optarg; break;
        case 'h':
            printf("usage: vrepl migrate-reads --tablet-type rdonly|replica [--reverse] "
                   "KEYSPACE.WORKFLOW\n"
                   "Serve reads of the workflow's tables from that tablet type of the copy\n"
                   "(routing rules \"table@type\"); --reverse serves them from the source again.\n");
            return 0;
        default: return 2;
        }
    }
    if (!o.tablet_type ||
        (strcmp(o.tablet_type, "rdonly") != 0 && strcmp(o.tablet_type, "replica") != 0)) {
        fprintf(stderr, "vrepl migrate-reads: --tablet-type must be rdonly or replica "
                        "(primary traffic moves with migrate-writes)\n");
        return 2;
    }
    if (argc - optind != 1)
        return fprintf(stderr, "usage: vrepl migrate-reads --tablet-type rdonly|replica "
                               "[--reverse] KEYSPACE.WORKFLOW\n"), 2;
    if ((status = split_wf("migrate-reads", argv[optind], buf, sizeof(buf), &ks, &name)) != 0)
        return status;
    o.keyspace = ks;
    o.workflow = name;
    if (!(topo = vr_cli_open_topo("migrate-reads", var)))
        return 1;
    vr_error_clear(&err);
    if (vr_migrate_reads(topo, &o, &rep, &err) != VR_OK)
        status = vr_cli_fail("migrate-reads", "%s", err.msg);
    vr_topo_close(topo);
    return status;
}

int cmd_migrate_writes(int argc, char **argv)
{
    static const struct option opts[] = {{"timeout", required_argument, NULL, 't'},
                                         {"var", required_argument, NULL, 'v'},
                                         {"help", no_argument, NULL, 'h'},
                                         {NULL, 0, NULL, 0}};
    const char *var = vr_cli_default_var();
    char buf[256], owner[64], *ks, *name;
    vr_migrate_writes_opts_t o;
    vr_workflow_report_t rep = vr_cli_report("migrate-writes");
    vr_topo_t *topo;
    vr_error_t err;
    int c, status = 0;

    memset(&o, 0, sizeof(o));
    o.timeout_s = 30;
    optind = 1;
    while ((c = getopt_long(argc, argv, "t:v:h", opts, NULL)) != -1) {
        switch (c) {
        case 't': o.timeout_s = atoi(optarg); break;
        case 'v': var = optarg; break;
        case 'h':
            printf("usage: vrepl migrate-writes [--timeout SECONDS] KEYSPACE.WORKFLOW\n"
                   "Move writes of the workflow's tables to the copy: deny them on the\n"
                   "source primaries, wait until the streams have applied everything (at most\n"
                   "--timeout, 30 s by default; on timeout nothing changes), freeze the\n"
                   "streams, route the tables' names to the copy, and start the reverse\n"
                   "workflow WORKFLOW_reverse that keeps the source tables current.\n"
                   "Reads must be migrated first (vrepl migrate-reads).\n");
            return 0;
        default: return 2;
        }
    }
    if (argc - optind != 1 || o.timeout_s <= 0)
        return fprintf(stderr, "usage: vrepl migrate-writes [--timeout SECONDS] "
                               "KEYSPACE.WORKFLOW\n"), 2;
    if ((status = split_wf("migrate-writes", argv[optind], buf, sizeof(buf), &ks, &name)) != 0)
        return status;
    o.keyspace = ks;
    o.workflow = name;
    snprintf(owner, sizeof(owner), "vrepl migrate-writes pid %d", (int)getpid());
    o.lock_owner = owner;
    if (!(topo = vr_cli_open_topo("migrate-writes", var)))
        return 1;
    vr_error_clear(&err);
    if (vr_migrate_writes(topo, &o, &rep, &err) != VR_OK)
        status = vr_cli_fail("migrate-writes", "%s", err.msg);
    vr_topo_close(topo);
    return status;
}
