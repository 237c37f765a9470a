/*
 * bench_util.c - see bench_util.h.  Single-threaded use from main().
 */
#include "bench_util.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "vr_common.h"
#include "vr_mysqld.h"

#define MAX_SERVERS 8

static const char *prog = "bench";
static char *dirs[MAX_SERVERS];
static int ndirs;

void bench_set_name(const char *name) { prog = name; }

double bench_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

void bench_die(const char *what, const char *msg)
{
    int i;
    fprintf(stderr, "%s: %s: %s\n", prog, what, msg);
    for (i = 0; i < ndirs; i++)
        if (dirs[i])
            vr_rmtree(dirs[i]);
    exit(1);
}

void bench_sql(MYSQL *c, const char *q)
{
    if (mysql_query(c, q))
        bench_die(q, mysql_error(c));
    mysql_free_result(mysql_store_result(c));
}

char *bench_scalar(MYSQL *c, const char *q, int col)
{
    MYSQL_RES *res;
    MYSQL_ROW row;
    char *v;
    if (mysql_query(c, q) || !(res = mysql_store_result(c)))
        bench_die(q, mysql_error(c));
    row = mysql_fetch_row(res);
    v = vr_xstrdup(row && (unsigned)col < mysql_num_fields(res) && row[col] ? row[col] : "");
    mysql_free_result(res);
    return v;
}

void bench_server_start(bench_server_t *s, unsigned id, const char *extra_args)
{
    vr_mysqld_spec_t spec;
    vr_error_t err;
    char *tpl = NULL;
    const char *tmp = getenv("TMPDIR");
    char *cache = vr_xasprintf("%s/vrepl-harness-cache", tmp && *tmp ? tmp : "/tmp");

    memset(s, 0, sizeof(*s));
    s->id = id;
    s->dir = vr_xasprintf("%s/vrepl-%s-XXXXXX", tmp && *tmp ? tmp : "/tmp", prog);
    if (!mkdtemp(s->dir))
        bench_die("mkdtemp", strerror(errno));
    if (ndirs < MAX_SERVERS)
        dirs[ndirs++] = s->dir;
    if (vr_mysqld_template(cache, &tpl, &err) != VR_OK)
        bench_die("template", err.msg);
    do {
        s->port = 40000 + (int)(((unsigned)getpid() * 7919u + id * 104729u +
                                 (unsigned)time(NULL)) % 9000u);
    } while (vr_port_in_use(s->port));
    memset(&spec, 0, sizeof(spec));
    spec.dir = s->dir;
    spec.port = s->port;
    spec.server_id = id;
    spec.log_bin = true;
    spec.extra_args = extra_args;
    spec.die_with_parent = true;
    if (vr_mysqld_start(&spec, tpl, 60000, &s->pid, &err) != VR_OK)
        bench_die("mariadbd", err.msg);
    free(tpl);
    free(cache);
}

void bench_server_stop(bench_server_t *s, bool keep)
{
    vr_error_t err;
    int i;
    if (vr_mysqld_stop(s->pid, s->dir, 30000, &err) != VR_OK)
        fprintf(stderr, "%s: stopping mariadbd: %s\n", prog, err.msg);
    for (i = 0; i < ndirs; i++)
        if (dirs[i] == s->dir)
            dirs[i] = NULL;
    if (keep)
        printf("kept %s\n", s->dir);
    else
        vr_rmtree(s->dir);
    free(s->dir);
    s->dir = NULL;
}

MYSQL *bench_connect(const bench_server_t *s)
{
    MYSQL *c = mysql_init(NULL);
    if (!mysql_real_connect(c, "127.0.0.1", "root", "", NULL, (unsigned)s->port, NULL,
                            CLIENT_MULTI_STATEMENTS))
        bench_die("connect", mysql_error(c));
    return c;
}
