/*
 * cmd_workflow.c - `vrepl materialize`, `vrepl workflow list|show|stop|
 * start|delete` and `vrepl externalize`: argument parsing and printing
 * around the workflows library (vr_workflow.h), which creates the streams
 * (rows of _vt.vreplication on the target primaries that the engine in
 * `vrepl serve` runs) and changes the VSchema and routing rules.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "cli.h"
#include "vr_common.h"
#include "vr_topo.h"
#include "vr_workflow.h"

int cmd_materialize(int argc, char **argv)
{
    static const struct option opts[] = {{"workflow", required_argument, NULL, 'w'},
                                         {"create-table", no_argument, NULL, 'c'},
                                         {"reference", no_argument, NULL, 'r'},
                                         {"primary-vindex", required_argument, NULL, 'p'},
                                         {"tablet-types", required_argument, NULL, 't'},
                                         {"var", required_argument, NULL, 'v'},
                                         {"help", no_argument, NULL, 'h'},
                                         {NULL, 0, NULL, 0}};
    vr_materialize_opts_t o;
    vr_materialize_t *m = NULL;
    vr_workflow_report_t rep = vr_cli_report("materialize");
    const char *var = vr_cli_default_var();
    char src_buf[256], dst_buf[256], *src_ks, *src_table, *dst_ks, *dst_table;
    vr_topo_t *topo;
    vr_error_t err;
    int c, status = 0;

    memset(&o, 0, sizeof(o));
    optind = 1;
    while ((c = getopt_long(argc, argv, "w:crp:t:v:h", opts, NULL)) != -1) {
        switch (c) {
        case 'w': o.workflow = optarg; break;
        case 'c': o.create_table = true; break;
        case 'r': o.reference = true; break;
        case 'p': o.primary_vindex = optarg; break;
        case 't': o.tablet_types = optarg; break;
        case 'v': var = optarg; break;
        case 'h':
            printf("usage: vrepl materialize [--workflow NAME] [--create-table] [--reference]\n"
                   "                         [--primary-vindex COL:VINDEX] [--tablet-types TYPES]\n"
                   "                         SOURCE_KS.TABLE|'SELECT ... FROM SOURCE_KS.TABLE ...' "
                   "TARGET_KS.TABLE\n"
                   "Create the streams that keep TARGET_KS.TABLE a copy of SOURCE_KS.TABLE:\n"
                   "--reference copies the whole table to every target shard; otherwise each\n"
                   "target shard gets its keyrange's rows by the target's primary vindex.\n"
                   "--tablet-types rdonly (or replica,primary, in_order:...) makes the streams\n"
                   "read from those tablets of the source, not its primaries.\n");
            return 0;
        default: return 2;
        }
    }
    if (argc - optind != 2 ||
        !vr_cli_split_dot(argv[optind + 1], dst_buf, sizeof(dst_buf), &dst_ks, &dst_table)) {
        fprintf(stderr, "usage: vrepl materialize [options] SOURCE_KS.TABLE|'SELECT ...' "
                        "TARGET_KS.TABLE\n");
        return 2;
    }
    o.target_keyspace = dst_ks;
    o.target_table = dst_table;
    if (strncasecmp(argv[optind] + strspn(argv[optind], " \t\n"), "select", 6) == 0) {
        o.select = argv[optind];
    } else if (vr_cli_split_dot(argv[optind], src_buf, sizeof(src_buf), &src_ks, &src_table)) {
        o.source_keyspace = src_ks;
        o.source_table = src_table;
    } else {
        fprintf(stderr, "usage: vrepl materialize [options] SOURCE_KS.TABLE|'SELECT ...' "
                        "TARGET_KS.TABLE\n");
        return 2;
    }
    vr_error_clear(&err);
    if (vr_materialize_new(&o, &m, &err) != VR_OK)
        return vr_cli_fail("materialize", "%s", err.msg);
    if (!(topo = vr_cli_open_topo("materialize", var))) {
        vr_materialize_free(m);
        return 1;
    }
    if (vr_materialize_run(m, topo, &rep, &err) != VR_OK)
        status = vr_cli_fail("materialize", "%s", err.msg);
    vr_topo_close(topo);
    vr_materialize_free(m);
    return status;
}

int cmd_workflow(int argc, char **argv)
{
    static const struct option opts[] = {{"json", no_argument, NULL, 'j'},
                                         {"keep-data", no_argument, NULL, 'k'},
                                         {"var", required_argument, NULL, 'v'},
                                         {"help", no_argument, NULL, 'h'},
                                         {NULL, 0, NULL, 0}};
    static const char *const verbs[] = {"list", "show", "stop", "start", "delete"};
    const char *var = vr_cli_default_var();
    char buf[256], *wf = NULL;
    bool as_json = false;
    vr_workflow_opts_t o;
    vr_workflow_report_t rep = vr_cli_report("workflow");
    vr_buf_t json = VR_BUF_INIT;
    vr_topo_t *topo;
    vr_error_t err;
    size_t i;
    int c, verb = -1, status = 0;

    memset(&o, 0, sizeof(o));
    optind = 1;
    while ((c = getopt_long(argc, argv, "jkv:h", opts, NULL)) != -1) {
        switch (c) {
        case 'j': as_json = true; break;
        case 'k': o.keep_data = true; break;
        case 'v': var = optarg; break;
        case 'h':
            printf("usage: vrepl workflow [--json] [--keep-data] list|show|stop|start|delete "
                   "KEYSPACE[.WORKFLOW]\n"
                   "Acts on the workflow's streams on every target primary of KEYSPACE, or on\n"
                   "the notify workflow of that name.  delete drops the tables the streams\n"
                   "filled unless --keep-data.\n");
            return 0;
        default: return 2;
        }
    }
    for (i = 0; optind < argc && i < VR_ARRAY_LEN(verbs); i++)
        if (strcmp(argv[optind], verbs[i]) == 0)
            verb = (int)i;
    if (verb < 0 || argc - optind != 2) {
        fprintf(stderr, "usage: vrepl workflow [--json] list|show|stop|start|delete KEYSPACE[.WORKFLOW]\n");
        return 2;
    }
    snprintf(buf, sizeof(buf), "%s", argv[optind + 1]);
    if ((wf = strchr(buf, '.')) != NULL)
        *wf++ = '\0';
    o.verb = (vr_workflow_verb_t)verb;
    o.keyspace = buf;
    o.workflow = wf;
    if (o.verb != VR_WORKFLOW_LIST && o.verb != VR_WORKFLOW_SHOW && !wf) {
        fprintf(stderr, "vrepl workflow %s: name the workflow: KEYSPACE.WORKFLOW\n", verbs[verb]);
        return 2;
    }
    if (!(topo = vr_cli_open_topo("workflow", var)))
        return 1;
    /* errors were printed as they happened (rep.fail) */
    if (vr_workflow_act(topo, &o, &rep, as_json ? &json : NULL, &err) != VR_OK)
        status = 1;
    if (json.data)
        printf("%s\n", json.data);
    vr_buf_free(&json);
    vr_topo_close(topo);
    return status;
}

int cmd_externalize(int argc, char **argv)
{
    static const struct option opts[] = {{"auto-route", no_argument, NULL, 'a'},
                                         {"var", required_argument, NULL, 'v'},
                                         {"help", no_argument, NULL, 'h'},
                                         {NULL, 0, NULL, 0}};
    const char *var = vr_cli_default_var();
    char buf[256], *ks, *table;
    vr_externalize_opts_t o;
    vr_workflow_report_t rep = vr_cli_report("externalize");
    vr_topo_t *topo;
    vr_error_t err;
    int c, status = 0;

    memset(&o, 0, sizeof(o));
    optind = 1;
    while ((c = getopt_long(argc, argv, "av:h", opts, NULL)) != -1) {
        switch (c) {
        case 'a': o.auto_route = true; break;
        case 'v': var = optarg; break;
        case 'h':
            printf("usage: vrepl externalize [--auto-route] TARGET_KS.TABLE\n"
                   "Add a materialized table to its keyspace's VSchema (a reference table, or\n"
                   "with the primary vindex its streams filter by); --auto-route also routes\n"
                   "the table's name to both the source and the copy.\n");
            return 0;
        default: return 2;
        }
    }
    if (argc - optind != 1 || !vr_cli_split_dot(argv[optind], buf, sizeof(buf), &ks, &table)) {
        fprintf(stderr, "usage: vrepl externalize [--auto-route] TARGET_KS.TABLE\n");
        return 2;
    }
    o.keyspace = ks;
    o.table = table;
    if (!(topo = vr_cli_open_topo("externalize", var)))
        return 1;
    vr_error_clear(&err);
    if (vr_externalize(topo, &o, &rep, &err) != VR_OK)
        status = vr_cli_fail("externalize", "%s", err.msg);
    vr_topo_close(topo);
    return status;
}
