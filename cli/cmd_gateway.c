/*
 * cmd_gateway.c - `vrepl gateway`: run the MySQL-protocol gateway on its
 * own.  With --backend it forwards every statement to that one MariaDB
 * (the passthrough handler), otherwise it answers only the connect-time
 * probes (the built-in handler).  A development tool until the planner
 * exists; `vrepl serve` will run the real thing.  Runs until SIGINT or
 * SIGTERM (taken with sigwait on the main thread; the gateway's threads
 * inherit the blocked mask).
 */
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "vr_common.h"
#include "vr_gateway.h"

static void usage(FILE *f)
{
    fprintf(f,
            "usage: vrepl gateway --user NAME:PASSWORD [--user ...] [options]\n"
            "\n"
            "Run the MySQL-protocol query gateway.  DEVELOPMENT TOOL: until the planner\n"
            "exists, --backend forwards every statement unchanged to one MariaDB server\n"
            "(no routing, no sharding); without --backend only connect-time probes\n"
            "(select @@version_comment, select 1, SET NAMES, ...) are answered.\n"
            "\n"
            "options:\n"
            "  --host ADDR              listen address (default 127.0.0.1)\n"
            "  --port N                 listen port (default %d; 0 picks a free one)\n"
            "  --user NAME:PASSWORD     an account clients may log in as (repeatable;\n"
            "                           NAME empty is the anonymous account)\n"
            "  --backend URL            mariadb://user[:password]@host[:port][/db]\n"
            "  --workers N              statement threads (default 8)\n"
            "  --max-connections N      (default 1000)\n"
            "  --max-allowed-packet N   bytes (default 16777216)\n"
            "  --tls-cert FILE --tls-key FILE   offer TLS with this PEM certificate/key\n",
            VR_GW_DEFAULT_PORT);
}

typedef struct gw_opts {
    vr_gw_config_t cfg;
    vr_gw_user_t *users;
    const char *backend;
} gw_opts_t;

/* The config copies the users; the names live in the arena until exit
 * (argv itself stays untouched, so `ps` shows the command as typed). */
static int add_user(gw_opts_t *o, const char *spec, vr_arena_t *a)
{
    const char *colon = strchr(spec, ':');
    if (!colon)
        return vr_cli_fail("gateway", "--user '%s': expected NAME:PASSWORD", spec);
    o->users = vr_xrealloc(o->users, (o->cfg.n_users + 1) * sizeof(vr_gw_user_t));
    o->users[o->cfg.n_users].name = vr_arena_strndup(a, spec, (size_t)(colon - spec));
    o->users[o->cfg.n_users].password = colon + 1;
    o->cfg.n_users++;
    return 0;
}

static int parse_args(int argc, char **argv, gw_opts_t *o, vr_arena_t *a)
{
    static const struct option longopts[] = {
        {"host", required_argument, NULL, 'h'},
        {"port", required_argument, NULL, 'p'},
        {"user", required_argument, NULL, 'u'},
        {"backend", required_argument, NULL, 'b'},
        {"workers", required_argument, NULL, 'w'},
        {"max-connections", required_argument, NULL, 'm'},
        {"max-allowed-packet", required_argument, NULL, 'P'},
        {"tls-cert", required_argument, NULL, 'c'},
        {"tls-key", required_argument, NULL, 'k'},
        {"help", no_argument, NULL, 'H'},
        {NULL, 0, NULL, 0},
    };
    int c;
    o->cfg.port = VR_GW_DEFAULT_PORT;
    while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
        switch (c) {
        case 'h': o->cfg.host = optarg; break;
        case 'p': o->cfg.port = atoi(optarg); break;
        case 'u':
            if (add_user(o, optarg, a) != 0)
                return 2;
            break;
        case 'b': o->backend = optarg; break;
        case 'w': o->cfg.workers = (unsigned)atoi(optarg); break;
        case 'm': o->cfg.max_connections = (unsigned)atoi(optarg); break;
        case 'P': o->cfg.max_allowed_packet = (size_t)strtoull(optarg, NULL, 10); break;
        case 'c': o->cfg.tls_cert = optarg; break;
        case 'k': o->cfg.tls_key = optarg; break;
        case 'H': usage(stdout); return 1;
        default: usage(stderr); return 2;
        }
    }
    if (optind < argc) {
        vr_cli_fail("gateway", "unexpected argument '%s'", argv[optind]);
        return 2;
    }
    if (o->cfg.n_users == 0) {
        vr_cli_fail("gateway", "no --user given: nobody could log in");
        return 2;
    }
    if (!o->cfg.tls_cert != !o->cfg.tls_key) {
        vr_cli_fail("gateway", "--tls-cert and --tls-key go together");
        return 2;
    }
    o->cfg.users = o->users;
    return 0;
}

static int run(gw_opts_t *o, const sigset_t *sigs)
{
    vr_gw_backend_t be = {0};
    vr_gw_server_t *srv = NULL;
    vr_error_t err;
    int sig = 0, status = 1;

    vr_error_clear(&err);
    o->cfg.handler = vr_gw_builtin_handler;
    if (o->backend && (vr_gw_backend_parse(o->backend, &be, &err) != VR_OK ||
                       vr_gw_passthrough_new(&be, &o->cfg.handler, &err) != VR_OK)) {
        vr_cli_fail("gateway", "%s", err.msg);
        goto out;
    }
    if (vr_gw_server_new(&o->cfg, &srv, &err) != VR_OK ||
        vr_gw_server_start(srv, &err) != VR_OK) {
        vr_cli_fail("gateway", "%s", err.msg);
        goto out;
    }
    printf("vrepl gateway: listening on %s:%d (%s%s)\n", o->cfg.host ? o->cfg.host : "127.0.0.1",
           vr_gw_server_port(srv), o->backend ? "passthrough to " : "built-in handler only",
           o->backend ? be.host : "");
    fflush(stdout);
    sigwait(sigs, &sig);
    vr_log_info("gateway", "stopping on %s", sig == SIGINT ? "SIGINT" : "SIGTERM");
    status = 0;
out:
    vr_gw_server_free(srv);
    if (o->backend)
        vr_gw_passthrough_free(&o->cfg.handler);
    vr_gw_backend_clear(&be);
    return status;
}

int cmd_gateway(int argc, char **argv)
{
    gw_opts_t o;
    sigset_t sigs;
    vr_arena_t *a = vr_arena_new(0);
    int rc;

    memset(&o, 0, sizeof(o));
    rc = parse_args(argc, argv, &o, a);
    if (rc != 0) {
        free(o.users);
        vr_arena_free(a);
        return rc == 1 ? 0 : rc;
    }
    sigemptyset(&sigs);
    sigaddset(&sigs, SIGINT);
    sigaddset(&sigs, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &sigs, NULL);
    rc = run(&o, &sigs);
    free(o.users);
    vr_arena_free(a);
    return rc;
}
