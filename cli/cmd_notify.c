/*
 * cmd_notify.c - `vrepl notify ...`: change notifications to Kafka.
 *
 *   vrepl notify create --workflow NAME --keyspace KS --tables t1,t2|--all
 *                       --brokers HOST:PORT [--topic-prefix P] [--snapshot]
 *                       [--no-tombstones] [--kafka-conf k=v ...] [--var DIR]
 *   vrepl notify run [--workflow NAME] [--var DIR]
 *   vrepl notify list [--json] [--var DIR]
 *   vrepl notify show|stop|start|delete NAME|--workflow NAME [--json] [--var DIR]
 *
 * `run` hosts the notify engine in the foreground until SIGINT/SIGTERM
 * (the stand-in for `vrepl serve`); the other subcommands only read and
 * write the topology, so they work whether an engine runs or not.
 * Single-threaded apart from the engine's own threads in `run`.
 */
#include <getopt.h>
#include <jansson.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "vr_cluster.h"
#include "vr_common.h"
#include "vr_notify.h"
#include "vr_topo.h"

#define STALE_S 10

typedef struct args {
    const char *var, *workflow, *keyspace, *tables, *brokers, *prefix;
    bool all, snapshot, no_tombstones, json;
    int lock_ttl;
    char **conf;
    size_t nconf;
} args_t;

static void usage(FILE *f)
{
    fprintf(f,
            "usage: vrepl notify create --workflow NAME --keyspace KS --tables t1,t2|--all\n"
            "                           --brokers HOST:PORT [--topic-prefix P] [--snapshot]\n"
            "                           [--no-tombstones] [--kafka-conf k=v ...]\n"
            "       vrepl notify run [--workflow NAME] [--lock-ttl SECONDS]\n"
            "       vrepl notify list [--json]\n"
            "       vrepl notify show|stop|start|delete NAME [--json]\n"
            "every subcommand takes --var DIR (default ./var, or $VREPL_VAR)\n"
            "\n"
            "Streams the tables of every shard of a keyspace to Kafka: topic\n"
            "<prefix>.<keyspace>.<table>, key = primary key as JSON, value = Debezium's\n"
            "envelope (op c/u/d/r); a tombstone after each delete; DDL to\n"
            "<prefix>.<keyspace>.schema-changes.  At least once: each shard's position\n"
            "is saved only after the broker acknowledged everything before it.\n");
}

static int parse(int argc, char **argv, args_t *a)
{
    static const struct option opts[] = {
        {"var", required_argument, NULL, 'v'},      {"workflow", required_argument, NULL, 'w'},
        {"keyspace", required_argument, NULL, 'k'}, {"tables", required_argument, NULL, 't'},
        {"all", no_argument, NULL, 'a'},            {"brokers", required_argument, NULL, 'b'},
        {"topic-prefix", required_argument, NULL, 'p'},
        {"snapshot", no_argument, NULL, 's'},       {"no-tombstones", no_argument, NULL, 'T'},
        {"kafka-conf", required_argument, NULL, 'X'}, {"json", no_argument, NULL, 'j'},
        {"lock-ttl", required_argument, NULL, 'L'},
        {"help", no_argument, NULL, 'h'},           {NULL, 0, NULL, 0}};
    int c;
    memset(a, 0, sizeof(*a));
    a->var = vr_cli_default_var();
    optind = 1;
    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        switch (c) {
        case 'v': a->var = optarg; break;
        case 'w': a->workflow = optarg; break;
        case 'k': a->keyspace = optarg; break;
        case 't': a->tables = optarg; break;
        case 'a': a->all = true; break;
        case 'b': a->brokers = optarg; break;
        case 'p': a->prefix = optarg; break;
        case 's': a->snapshot = true; break;
        case 'T': a->no_tombstones = true; break;
        case 'X':
            a->conf = vr_xrealloc(a->conf, (a->nconf + 1) * sizeof(char *));
            a->conf[a->nconf++] = optarg;
            break;
        case 'j': a->json = true; break;
        case 'L': a->lock_ttl = atoi(optarg); break;
        case 'h': usage(stdout); return 0;
        default: usage(stderr); return 2;
        }
    }
    if (optind < argc && !a->workflow)
        a->workflow = argv[optind++];
    if (optind < argc) {
        usage(stderr);
        return 2;
    }
    return -1;
}

/* ---- create ------------------------------------------------------------------ */

static vr_notify_def_t *def_from_args(const args_t *a, vr_error_t *err)
{
    vr_notify_def_t *d = vr_notify_def_new();
    char *tables = a->tables ? vr_xstrdup(a->tables) : NULL, *tok, *save = NULL;
    size_t i;
    d->name = vr_xstrdup(a->workflow ? a->workflow : "");
    d->keyspace = vr_xstrdup(a->keyspace ? a->keyspace : "");
    d->brokers = vr_xstrdup(a->brokers ? a->brokers : "");
    d->topic_prefix = a->prefix ? vr_xstrdup(a->prefix) : NULL;
    d->all = a->all;
    d->snapshot = a->snapshot;
    d->tombstones = !a->no_tombstones;
    for (tok = tables ? strtok_r(tables, ",", &save) : NULL; tok; tok = strtok_r(NULL, ",", &save)) {
        if (!*tok)
            continue;
        d->tables = vr_xrealloc(d->tables, (d->ntables + 1) * sizeof(char *));
        d->tables[d->ntables++] = vr_xstrdup(tok);
    }
    free(tables);
    for (i = 0; i < a->nconf; i++)
        if (vr_notify_def_add_conf(d, a->conf[i], err) != VR_OK) {
            vr_notify_def_free(d);
            return NULL;
        }
    return d;
}

static int do_create(vr_topo_t *topo, const args_t *a)
{
    vr_notify_def_t *d;
    vr_error_t err;
    size_t i;
    int rc = 0;
    vr_error_clear(&err);
    if (!(d = def_from_args(a, &err)))
        return vr_cli_fail("notify", "%s", err.msg);
    if (vr_notify_create(topo, d, &err) != VR_OK) {
        rc = vr_cli_fail("notify", "%s", err.msg);
        goto out;
    }
    printf("created notify workflow %s: keyspace %s, %s", d->name, d->keyspace,
           d->all ? "all tables" : "tables ");
    for (i = 0; !d->all && i < d->ntables; i++)
        printf("%s%s", i ? "," : "", d->tables[i]);
    printf("%s\ntopics %s.%s.<table> on %s\n", d->snapshot ? ", starting with a snapshot" : "",
           vr_notify_def_prefix(d), d->keyspace, d->brokers);
    printf("it runs in `vrepl notify run` (or `vrepl serve`)\n");
out:
    vr_notify_def_free(d);
    return rc;
}

/* ---- run ----------------------------------------------------------------------- */

static int do_run(vr_topo_t *topo, const args_t *a)
{
    vr_notify_engine_opts_t o;
    vr_notify_engine_t *e = NULL;
    vr_error_t err;
    sigset_t set;
    int sig = 0, rc = 0;

    memset(&o, 0, sizeof(o));
    o.workflow = a->workflow;
    o.lock_ttl_s = a->lock_ttl; /* how long a crashed engine's workflows wait */
    sigemptyset(&set);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &set, NULL); /* every engine thread inherits it */
    vr_log_set_level(VR_LOG_INFO);
    if (vr_notify_engine_new(topo, &o, &e, &err) != VR_OK ||
        vr_notify_engine_start(e, &err) != VR_OK) {
        rc = vr_cli_fail("notify", "%s", err.msg);
        goto out;
    }
    fprintf(stderr, "vrepl notify: engine running %s (SIGINT/SIGTERM stops it)\n",
            a->workflow ? a->workflow : "every notify workflow");
    sigwait(&set, &sig);
    fprintf(stderr, "vrepl notify: %s: stopping (flushing deliveries, saving positions)\n",
            strsignal(sig));
out:
    vr_notify_engine_free(e);
    return rc;
}

/* ---- list / show ------------------------------------------------------------------ */

static json_t *show_obj(vr_topo_t *topo, const char *name, vr_error_t *err)
{
    vr_buf_t b = VR_BUF_INIT;
    json_t *o = NULL;
    if (vr_notify_show_json(topo, name, STALE_S, &b, err) == VR_OK)
        o = json_loads(b.data, 0, NULL);
    vr_buf_free(&b);
    return o;
}

static const char *js(json_t *o, const char *k)
{
    const char *s = json_string_value(json_object_get(o, k));
    return s ? s : "-";
}

static void totals(json_t *o, long long *sent, long long *lag)
{
    size_t i;
    json_t *sh;
    *sent = 0;
    *lag = -1;
    json_array_foreach(json_object_get(o, "shards"), i, sh) {
        json_t *l = json_object_get(sh, "lag_seconds");
        *sent += json_integer_value(json_object_get(sh, "messages_sent"));
        if (json_is_integer(l) && json_integer_value(l) > *lag)
            *lag = json_integer_value(l);
    }
}

static int do_list(vr_topo_t *topo, const args_t *a)
{
    char **names = NULL;
    size_t n = 0, i;
    json_t *arr = json_array();
    vr_error_t err;
    int rc = 0;
    if (vr_notify_list(topo, &names, &n, &err) != VR_OK) {
        rc = vr_cli_fail("notify", "%s", err.msg);
        goto out;
    }
    if (!a->json)
        printf("%-20s %-12s %-12s %12s %6s  %s\n", "WORKFLOW", "KEYSPACE", "STATE", "SENT", "LAG",
               "BROKERS");
    for (i = 0; i < n; i++) {
        json_t *o = show_obj(topo, names[i], &err);
        long long sent, lag;
        char lagbuf[32] = "-";
        if (!o)
            continue;
        totals(o, &sent, &lag);
        if (lag >= 0)
            snprintf(lagbuf, sizeof(lagbuf), "%llds", lag);
        if (!a->json)
            printf("%-20s %-12s %-12s %12lld %6s  %s\n", names[i], js(o, "keyspace"),
                   js(o, "state"), sent, lagbuf, js(o, "brokers"));
        json_array_append_new(arr, o);
    }
    if (a->json) {
        char *s = json_dumps(arr, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
        printf("%s\n", s);
        free(s);
    } else if (n == 0)
        printf("(no notify workflows)\n");
out:
    json_decref(arr);
    vr_topo_strv_free(names, n);
    return rc;
}

static void print_shard(json_t *sh)
{
    json_t *lag = json_object_get(sh, "lag_seconds");
    char lagbuf[32] = "-";
    if (json_is_integer(lag))
        snprintf(lagbuf, sizeof(lagbuf), "%llds", (long long)json_integer_value(lag));
    printf("  shard %-8s %-10s lag %-6s sent %-8lld acked %-8lld position '%s'\n",
           js(sh, "shard"), js(sh, "state"), lagbuf,
           (long long)json_integer_value(json_object_get(sh, "messages_sent")),
           (long long)json_integer_value(json_object_get(sh, "messages_acked")),
           json_string_value(json_object_get(sh, "acked_position")) ? js(sh, "acked_position")
                                                                    : js(sh, "saved_position"));
    if (json_string_value(json_object_get(sh, "last_error")))
        printf("      last error: %s\n", js(sh, "last_error"));
}

static int do_show(vr_topo_t *topo, const args_t *a)
{
    json_t *o, *sh, *eng;
    vr_error_t err;
    size_t i;
    char *s;
    vr_error_clear(&err);
    if (!a->workflow)
        return vr_cli_fail("notify", "show: which workflow? (NAME or --workflow NAME)");
    if (!(o = show_obj(topo, a->workflow, &err)))
        return vr_cli_fail("notify", "%s", err.msg[0] ? err.msg : "bad status");
    if (a->json) {
        s = json_dumps(o, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
        printf("%s\n", s);
        free(s);
        json_decref(o);
        return 0;
    }
    s = json_dumps(json_object_get(o, "tables"), JSON_COMPACT);
    printf("workflow %s: %s\n  keyspace %s, tables %s, topics %s.%s.<table>, brokers %s\n",
           js(o, "workflow"), js(o, "state"), js(o, "keyspace"), s, js(o, "topic_prefix"),
           js(o, "keyspace"), js(o, "brokers"));
    free(s);
    eng = json_object_get(o, "engine");
    if (json_string_value(json_object_get(eng, "error")))
        printf("  error: %s\n", js(eng, "error"));
    if (json_string_value(json_object_get(eng, "kafka_error")))
        printf("  kafka: %s\n", js(eng, "kafka_error"));
    json_array_foreach(json_object_get(o, "shards"), i, sh)
        print_shard(sh);
    json_decref(o);
    return 0;
}

/* ---- stop / start / delete ---------------------------------------------------- */

static int do_change(vr_topo_t *topo, const args_t *a, const char *what)
{
    vr_error_t err;
    vr_code_t rc;
    vr_error_clear(&err);
    if (!a->workflow)
        return vr_cli_fail("notify", "%s: which workflow? (NAME or --workflow NAME)", what);
    if (strcmp(what, "delete") == 0)
        rc = vr_notify_delete(topo, a->workflow, &err);
    else
        rc = vr_notify_set_stopped(topo, a->workflow, strcmp(what, "stop") == 0, &err);
    if (rc != VR_OK)
        return vr_cli_fail("notify", "%s", err.msg);
    printf("%s notify workflow %s\n",
           strcmp(what, "delete") == 0 ? "deleted" : strcmp(what, "stop") == 0 ? "stopped" : "started",
           a->workflow);
    return 0;
}

int cmd_notify(int argc, char **argv)
{
    static const char *subs[] = {"create", "run", "list", "show", "stop", "start", "delete"};
    const char *sub = argc > 1 ? argv[1] : NULL;
    vr_topo_t *topo = NULL;
    args_t a;
    size_t i;
    int rc;

    if (!sub || strcmp(sub, "--help") == 0 || strcmp(sub, "-h") == 0) {
        usage(sub ? stdout : stderr);
        return sub ? 0 : 2;
    }
    for (i = 0; i < VR_ARRAY_LEN(subs) && strcmp(sub, subs[i]) != 0; i++)
        ;
    if (i == VR_ARRAY_LEN(subs)) {
        vr_cli_fail("notify", "unknown subcommand '%s'", sub);
        usage(stderr);
        return 2;
    }
    if ((rc = parse(argc - 1, argv + 1, &a)) >= 0)
        goto out;
    if (!(topo = vr_cli_open_topo("notify", a.var))) {
        rc = 1;
        goto out;
    }
    if (strcmp(sub, "create") == 0)
        rc = do_create(topo, &a);
    else if (strcmp(sub, "run") == 0)
        rc = do_run(topo, &a);
    else if (strcmp(sub, "list") == 0)
        rc = do_list(topo, &a);
    else if (strcmp(sub, "show") == 0)
        rc = do_show(topo, &a);
    else
        rc = do_change(topo, &a, sub);
out:
    vr_topo_close(topo);
    free(a.conf);
    return rc;
}
