/*
 * cmd_serve.c - `vrepl serve`: the long-running server of a cluster.  It
 * reads the cluster file's "gateway" block (host, port, users) from the
 * topology kv ("cluster/config", written by `vrepl up`), runs the query
 * gateway with the planner (which reloads the topology when its version
 * moves), hosts the notify engine, and runs until SIGINT or SIGTERM
 * (taken with sigwait on the main thread; every other thread inherits the
 * blocked mask).
 *
 * Control (used by `vrepl up`, `down`, `status`): `--background` starts a
 * detached `vrepl serve` logging to <var>/serve.log and records its pid in
 * the topology kv ("serve/pid"); `--stop` sends it SIGTERM (SIGKILL after
 * 10 s); `--status` prints one line about it.
 */
#include <getopt.h>
#include <jansson.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "vr_cluster.h"
#include "vr_common.h"
#include "vr_gateway.h"
#include "vr_notify.h"
#include "vr_topo.h"
#include "vr_vrepl_engine.h"

typedef enum serve_mode {
    SERVE_RUN = 0, SERVE_BACKGROUND, SERVE_STOP, SERVE_STATUS,
} serve_mode_t;

typedef struct serve_opts {
    serve_mode_t mode;
    const char *var;
    int port;      /* -1: the cluster file's */
    int http_port; /* -1: the cluster file's, else port + 1; 0: none */
    char *host;
    vr_gw_user_t *users;
    size_t nusers;
    json_t *doc; /* owns the user strings */
} serve_opts_t;

/* The "gateway" block of the cluster file kept in the topology. */
static vr_code_t load_gateway_cfg(vr_topo_t *topo, serve_opts_t *o, vr_error_t *err)
{
    char *raw = NULL;
    json_t *gw, *users, *u;
    json_error_t je;
    size_t i;
    vr_code_t rc = vr_topo_get_kv(topo, "cluster/config", &raw, err);

    if (rc != VR_OK)
        return vr_error_prefix(err, "reading cluster/config (run `vrepl up` first)");
    o->doc = json_loads(raw, 0, &je);
    free(raw);
    if (!o->doc)
        return vr_errorf(err, VR_PARSE, "cluster/config: %s", je.text);
    gw = json_object_get(o->doc, "gateway");
    if (o->port < 0)
        o->port = json_is_integer(json_object_get(gw, "port"))
                      ? (int)json_integer_value(json_object_get(gw, "port"))
                      : VR_GW_DEFAULT_PORT;
    if (o->http_port < 0)
        o->http_port = json_is_integer(json_object_get(gw, "http_port"))
                           ? (int)json_integer_value(json_object_get(gw, "http_port"))
                           : o->port + 1;
    if (json_is_string(json_object_get(gw, "host")))
        o->host = (char *)json_string_value(json_object_get(gw, "host"));
    users = json_object_get(gw, "users");
    o->users = vr_xcalloc(json_array_size(users) + 1, sizeof(*o->users));
    json_array_foreach(users, i, u)
    {
        const char *name = json_string_value(json_object_get(u, "user"));
        const char *pw = json_string_value(json_object_get(u, "password"));
        if (!name)
            return vr_errorf(err, VR_INVALID, "cluster/config: gateway.users[%zu].user missing", i);
        o->users[o->nusers].name = name;
        o->users[o->nusers++].password = pw ? pw : "";
    }
    if (!o->nusers)
        return vr_errorf(err, VR_INVALID,
                         "cluster/config: gateway.users is empty: nobody could log in");
    return VR_OK;
}

static int parse_args(int argc, char **argv, serve_opts_t *o)
{
    static const struct option opts[] = {{"var", required_argument, NULL, 'v'},
                                         {"port", required_argument, NULL, 'p'},
                                         {"http-port", required_argument, NULL, 'H'},
                                         {"background", no_argument, NULL, 'b'},
                                         {"stop", no_argument, NULL, 's'},
                                         {"status", no_argument, NULL, 'S'},
                                         {"help", no_argument, NULL, 'h'},
                                         {NULL, 0, NULL, 0}};
    const char *v = getenv("VREPL_VAR");
    int c;
    o->var = v && *v ? v : "var";
    o->port = -1;
    o->http_port = -1;
    optind = 0; /* callers (vrepl up/down/status) have run getopt already */
    while ((c = getopt_long(argc, argv, "v:p:h", opts, NULL)) != -1) {
        switch (c) {
        case 'b': o->mode = SERVE_BACKGROUND; break;
        case 's': o->mode = SERVE_STOP; break;
        case 'S': o->mode = SERVE_STATUS; break;
        case 'v': o->var = optarg; break;
        case 'p': o->port = atoi(optarg); break;
        case 'H': o->http_port = atoi(optarg); break;
        case 'h':
            printf("usage: vrepl serve [--var DIR] [--port N] [--http-port N] "
                   "[--background|--stop|--status]\n"
                   "Run the cluster's server: the query gateway (the cluster file's\n"
                   "gateway port, default %d, and users), the vreplication and notify\n"
                   "engines, and the status page (gateway.http_port, else the gateway\n"
                   "port + 1; 0: none) at /debug/status, /debug/vars and /healthz, until\n"
                   "SIGINT or SIGTERM.  --background starts it detached (log in\n"
                   "DIR/serve.log), --stop stops that one, --status shows it.\n",
                   VR_GW_DEFAULT_PORT);
            return 1;
        default: return 2;
        }
    }
    return optind < argc ? 2 : 0;
}

static int run(serve_opts_t *o, const sigset_t *sigs)
{
    char *topo_path = vr_cluster_topo_path(o->var);
    vr_topo_t *topo = NULL;
    vr_notify_engine_t *notify = NULL;
    vr_vrepl_engine_t *vrepl = NULL;
    vr_gw_handler_t planner = {0};
    vr_gw_server_t *srv = NULL;
    vr_serve_http_t *http = NULL;
    vr_gw_config_t cfg;
    char page[128] = "";
    vr_error_t err;
    int sig = 0, status = 1;

    vr_error_clear(&err);
    memset(&cfg, 0, sizeof(cfg));
    if (vr_topo_open(topo_path, &topo, &err) != VR_OK ||
        load_gateway_cfg(topo, o, &err) != VR_OK ||
        vr_gw_planner_new(topo_path, &planner, &err) != VR_OK)
        goto fail;
    cfg.host = o->host;
    cfg.port = o->port;
    cfg.users = o->users;
    cfg.n_users = o->nusers;
    cfg.handler = planner;
    if (vr_gw_server_new(&cfg, &srv, &err) != VR_OK || vr_gw_server_start(srv, &err) != VR_OK)
        goto fail;
    if (vr_notify_engine_new(topo, NULL, &notify, &err) != VR_OK ||
        vr_notify_engine_start(notify, &err) != VR_OK)
        goto fail;
    if (vr_vrepl_engine_new(topo_path, 0, &vrepl, &err) != VR_OK ||
        vr_vrepl_engine_start(vrepl, &err) != VR_OK)
        goto fail;
    if (o->http_port > 0) {
        vr_error_t herr;
        if (vr_serve_http_start(o->host, o->http_port, topo_path, srv, &http, &herr) != VR_OK)
            vr_log_warn("serve", "%s: serving without it", herr.msg);
        else
            snprintf(page, sizeof(page), ", status page on http://%s:%d/debug/status",
                     o->host ? o->host : "127.0.0.1", vr_serve_http_port(http));
    }
    printf("vrepl serve: gateway on %s:%d%s, notify and vreplication engines running\n",
           o->host ? o->host : "127.0.0.1", vr_gw_server_port(srv), page);
    fflush(stdout);
    sigwait(sigs, &sig);
    vr_log_info("serve", "stopping on %s", sig == SIGINT ? "SIGINT" : "SIGTERM");
    status = 0;
    goto out;
fail:
    vr_cli_fail("serve", "%s", err.msg);
out:
    vr_serve_http_stop(http);
    vr_vrepl_engine_free(vrepl);
    vr_notify_engine_free(notify);
    vr_gw_server_free(srv);
    vr_gw_planner_free(&planner);
    vr_topo_close(topo);
    free(topo_path);
    return status;
}

/* ---- control: background start, stop, status ---- */

static bool is_serve(int pid)
{
    char path[64], cmd[256] = "";
    size_t n, i;
    FILE *f;
    snprintf(path, sizeof(path), "/proc/%d/cmdline", pid);
    if (pid <= 0 || !(f = fopen(path, "r")))
        return false;
    n = fread(cmd, 1, sizeof(cmd) - 1, f);
    fclose(f);
    for (i = 0; i < n; i++)
        if (!cmd[i])
            cmd[i] = ' ';
    cmd[n] = 0;
    return strstr(cmd, " serve ") != NULL;
}

/* The recorded serve pid when that process is alive; 0 otherwise. */
static int running_pid(vr_topo_t *topo)
{
    char *v = NULL;
    int pid = 0;
    vr_error_t err;
    if (vr_topo_get_kv(topo, "serve/pid", &v, &err) == VR_OK)
        pid = atoi(v);
    free(v);
    return is_serve(pid) ? pid : 0;
}

static void sleep_ms(int ms)
{
    struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

/* Wait for the child's "listening" line (copied to said) or its exit;
 * true when up. */
static bool wait_started(int pid, const char *log, char *said, size_t size)
{
    int i, st;
    for (i = 0; i < 500; i++) {
        char line[512];
        FILE *f = fopen(log, "r");
        bool up = false;
        while (f && fgets(line, sizeof(line), f))
            if (strstr(line, "vrepl serve: gateway on")) {
                up = true;
                snprintf(said, size, "%s", line + strlen("vrepl serve: "));
            }
        if (f)
            fclose(f);
        if (up)
            return true;
        if (waitpid(pid, &st, WNOHANG) == pid)
            return false;
        sleep_ms(20);
    }
    return false;
}

static void exec_child(const char *var, const char *log)
{
    int fd = open(log, O_WRONLY | O_CREAT | O_APPEND, 0644), nul = open("/dev/null", O_RDONLY);
    setsid();
    if (fd >= 0) {
        dup2(fd, 1);
        dup2(fd, 2);
    }
    if (nul >= 0)
        dup2(nul, 0);
    execl("/proc/self/exe", "vrepl", "serve", "--var", var, (char *)NULL);
    _exit(127);
}

static int background(vr_topo_t *topo, const char *var)
{
    char *abs = realpath(var, NULL), *log = NULL, pidtxt[32], said[512] = "";
    vr_error_t err;
    int pid = running_pid(topo), status = 0;

    if (pid) {
        printf("vrepl serve already running (pid %d)\n", pid);
        goto out;
    }
    log = vr_xasprintf("%s/serve.log", abs ? abs : var);
    fflush(stdout);
    fflush(stderr);
    if ((pid = fork()) == 0)
        exec_child(abs ? abs : var, log);
    if (pid < 0 || !wait_started(pid, log, said, sizeof(said))) {
        status = vr_cli_fail("serve", "vrepl serve did not start: see %s", log);
        goto out;
    }
    snprintf(pidtxt, sizeof(pidtxt), "%d", pid);
    if (vr_topo_put_kv(topo, "serve/pid", pidtxt, &err) != VR_OK)
        status = vr_cli_fail("serve", "%s", err.msg);
    printf("started vrepl serve (pid %d), log in %s: %s", pid, log, said);
out:
    free(abs);
    free(log);
    return status;
}

static int stop(vr_topo_t *topo)
{
    int pid = running_pid(topo), i;
    vr_error_t err;
    if (pid) {
        kill(pid, SIGTERM);
        for (i = 0; i < 500 && kill(pid, 0) == 0 && is_serve(pid); i++)
            sleep_ms(20);
        if (kill(pid, 0) == 0 && is_serve(pid))
            kill(pid, SIGKILL);
        printf("stopped vrepl serve (pid %d)\n", pid);
    }
    vr_topo_delete_kv(topo, "serve/pid", &err);
    return 0;
}

static int control(serve_opts_t *o)
{
    char *path = vr_cluster_topo_path(o->var);
    vr_topo_t *topo = NULL;
    vr_error_t err;
    int status = 0, pid;

    if (vr_topo_open(path, &topo, &err) != VR_OK) {
        status = vr_cli_fail("serve", "%s", err.msg);
    } else if (o->mode == SERVE_BACKGROUND) {
        status = background(topo, o->var);
    } else if (o->mode == SERVE_STOP) {
        status = stop(topo);
    } else if ((pid = running_pid(topo)) != 0) {
        printf("serve: running (pid %d), log in %s/serve.log\n", pid, o->var);
    } else {
        printf("serve: not running\n");
    }
    vr_topo_close(topo);
    free(path);
    return status;
}

int cmd_serve(int argc, char **argv)
{
    serve_opts_t o;
    sigset_t sigs;
    int rc;

    memset(&o, 0, sizeof(o));
    rc = parse_args(argc, argv, &o);
    if (rc != 0)
        return rc == 1 ? 0 : rc;
    if (o.mode != SERVE_RUN)
        return control(&o);
    sigemptyset(&sigs);
    sigaddset(&sigs, SIGINT);
    sigaddset(&sigs, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &sigs, NULL);
    rc = run(&o, &sigs);
    free(o.users);
    json_decref(o.doc);
    return rc;
}
