/*
 * cluster.c - bring a local cluster up and down (see vr_cluster.h).
 *
 * up: plan tablets -> classify each (running / stopped / new) -> check
 * ports and binaries -> start the non-running ones in parallel (one
 * thread each) -> for new shards, point replicas at the primary (GTID
 * replication), create vt_<ks>, apply the schema, store the VSchema ->
 * wait for replicas to catch up -> record everything in the topology.
 * Any failure stops every process this call started, so nothing is left
 * half-started.  The whole operation holds the topology lock "cluster",
 * so two `vrepl up`/`down` never interleave.
 *
 * Runs in the CLI's thread; the only threads are the short-lived start
 * workers, which share nothing but their own slot.
 */
#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "vr_cluster.h"
#include "vr_common.h"
#include "vr_mysqld.h"
#include "vr_vschema.h"

#define LOCK_NAME "cluster"
#define START_TIMEOUT_MS 60000

typedef enum { TAB_RUNNING, TAB_STOPPED, TAB_NEW } tab_state_t;

typedef struct start_job {
    vr_tablet_t *tab;
    const char *template_dir;
    tab_state_t state;
    bool start;    /* this call starts it */
    bool started;  /* ... and it came up */
    pid_t pid;
    vr_error_t err;
    pthread_t thread;
} start_job_t;

static void say(vr_cluster_say_fn fn, void *ctx, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void say(vr_cluster_say_fn fn, void *ctx, const char *fmt, ...)
{
    char line[1024];
    va_list ap;
    if (!fn)
        return;
    va_start(ap, fmt);
    vsnprintf(line, sizeof(line), fmt, ap);
    va_end(ap);
    fn(ctx, line);
}

char *vr_cluster_topo_path(const char *var_dir)
{
    char cwd[PATH_MAX];
    if (!var_dir)
        var_dir = "var";
    if (var_dir[0] != '/' && getcwd(cwd, sizeof(cwd)))
        return vr_xasprintf("%s/%s/topo.db", cwd, var_dir);
    return vr_xasprintf("%s/topo.db", var_dir);
}

bool vr_cluster_tablet_running(const vr_tablet_t *t)
{
    return t->pid > 0 && vr_mysqld_is_ours(t->pid, t->datadir);
}

MYSQL *vr_tablet_connect(const vr_tablet_t *t, const char *db, vr_error_t *err)
{
    MYSQL *c = mysql_init(NULL);
    unsigned timeout = 10;
    const char *sock = t->socket[0] ? t->socket : NULL;

    if (!c) {
        vr_errorf(err, VR_NOMEM, "mysql_init failed");
        return NULL;
    }
    mysql_options(c, MYSQL_OPT_CONNECT_TIMEOUT, &timeout);
    mysql_options(c, MYSQL_SET_CHARSET_NAME, "utf8mb4");
    if (!mysql_real_connect(c, sock ? "localhost" : t->host, "root", "", db,
                            sock ? 0 : (unsigned)t->port, sock, CLIENT_MULTI_STATEMENTS)) {
        vr_error_mysql(err, mysql_errno(c), vr_mysql_errno_retriable(mysql_errno(c)),
                       "connecting to tablet %s (%s/%s %s, %s:%d): %s", t->alias, t->keyspace,
                       t->shard, vr_tablet_type_name(t->type), t->host, t->port, mysql_error(c));
        mysql_close(c);
        return NULL;
    }
    return c;
}

vr_code_t vr_tablet_exec(MYSQL *c, const char *sql, vr_error_t *err)
{
    int status;

    if (mysql_query(c, sql) != 0)
        goto fail;
    do {
        MYSQL_RES *res = mysql_store_result(c);
        if (res)
            mysql_free_result(res);
        else if (mysql_field_count(c) != 0)
            goto fail;
        status = mysql_next_result(c);
        if (status > 0)
            goto fail;
    } while (status == 0);
    return VR_OK;
fail:
    return vr_error_mysql(err, mysql_errno(c), vr_mysql_errno_retriable(mysql_errno(c)),
                          "%s (errno %u)", mysql_error(c), mysql_errno(c));
}

char *vr_tablet_query_value(MYSQL *c, const char *sql, vr_error_t *err)
{
    MYSQL_RES *res;
    MYSQL_ROW row;
    char *v = NULL;

    if (mysql_query(c, sql) != 0 || !(res = mysql_store_result(c))) {
        vr_error_mysql(err, mysql_errno(c), false, "%s: %s", sql, mysql_error(c));
        return NULL;
    }
    row = mysql_fetch_row(res);
    v = vr_xstrdup(row && row[0] ? row[0] : "");
    mysql_free_result(res);
    return v;
}

static void *start_worker(void *arg)
{
    start_job_t *j = arg;
    vr_mysqld_spec_t spec = {0};

    spec.dir = j->tab->datadir;
    spec.port = j->tab->port;
    spec.server_id = j->tab->uid;
    spec.log_bin = true;
    spec.read_only = j->tab->type != VR_TABLET_PRIMARY;
    vr_error_clear(&j->err);
    if (vr_mysqld_start(&spec, j->template_dir, START_TIMEOUT_MS, &j->pid, &j->err) == VR_OK)
        j->started = true;
    else
        vr_error_prefix(&j->err, "tablet %s (%s/%s %s)", j->tab->alias, j->tab->keyspace,
                        j->tab->shard, vr_tablet_type_name(j->tab->type));
    return NULL;
}

static void stop_started(start_job_t *jobs, size_t n)
{
    size_t i;
    for (i = 0; i < n; i++)
        if (jobs[i].started)
            kill(jobs[i].pid, SIGTERM);
    for (i = 0; i < n; i++)
        if (jobs[i].started) {
            vr_mysqld_stop(jobs[i].pid, jobs[i].tab->datadir, 30000, NULL);
            jobs[i].started = false;
        }
}

/* Classify each planned tablet against the topology and the disk. */
static void classify(vr_topo_t *topo, vr_tablet_t *tabs, start_job_t *jobs, size_t n)
{
    size_t i;
    for (i = 0; i < n; i++) {
        vr_tablet_t old;
        char data[PATH_MAX];
        jobs[i].tab = &tabs[i];
        snprintf(data, sizeof(data), "%s/data", tabs[i].datadir);
        if (vr_topo_get_tablet(topo, tabs[i].alias, &old, NULL) == VR_OK &&
            strcmp(old.datadir, tabs[i].datadir) == 0 && vr_cluster_tablet_running(&old)) {
            jobs[i].state = TAB_RUNNING;
            tabs[i].pid = old.pid;
        } else if (access(data, F_OK) == 0) {
            jobs[i].state = TAB_STOPPED;
        } else {
            jobs[i].state = TAB_NEW;
        }
        jobs[i].start = jobs[i].state != TAB_RUNNING;
    }
}

static vr_code_t check_ports(start_job_t *jobs, size_t n, vr_error_t *err)
{
    size_t i;
    for (i = 0; i < n; i++) {
        const vr_tablet_t *t = jobs[i].tab;
        if (jobs[i].start && vr_port_in_use(t->port))
            return vr_errorf(err, VR_EXISTS,
                             "port %d for tablet %s (%s/%s %s) is already in use by another "
                             "process; nothing was started",
                             t->port, t->alias, t->keyspace, t->shard,
                             vr_tablet_type_name(t->type));
    }
    return VR_OK;
}

static vr_code_t start_all(start_job_t *jobs, size_t n, const char *template_dir,
                           vr_error_t *err)
{
    size_t i;
    vr_code_t rc = VR_OK;

    for (i = 0; i < n; i++) {
        jobs[i].template_dir = template_dir;
        if (jobs[i].start && pthread_create(&jobs[i].thread, NULL, start_worker, &jobs[i]) != 0)
            start_worker(&jobs[i]); /* no thread: start inline */
        else if (!jobs[i].start)
            jobs[i].thread = 0;
    }
    for (i = 0; i < n; i++)
        if (jobs[i].start && jobs[i].thread)
            pthread_join(jobs[i].thread, NULL);
    for (i = 0; i < n; i++) {
        if (jobs[i].start && !jobs[i].started && rc == VR_OK) {
            if (err)
                *err = jobs[i].err;
            rc = jobs[i].err.code ? jobs[i].err.code : VR_INTERNAL;
        }
        if (jobs[i].started)
            jobs[i].tab->pid = jobs[i].pid;
    }
    return rc;
}

static vr_code_t setup_replica(const vr_tablet_t *replica, const vr_tablet_t *primary,
                               vr_error_t *err)
{
    MYSQL *c = vr_tablet_connect(replica, NULL, err);
    char sql[512];
    vr_code_t rc;

    if (!c)
        return err ? err->code : VR_MYSQL;
    snprintf(sql, sizeof(sql),
             "CHANGE MASTER TO MASTER_HOST='%s', MASTER_PORT=%d, MASTER_USER='root', "
             "MASTER_PASSWORD='', MASTER_USE_GTID=slave_pos, MASTER_CONNECT_RETRY=1; "
             "START SLAVE",
             primary->host, primary->port);
    rc = vr_tablet_exec(c, sql, err);
    mysql_close(c);
    if (rc != VR_OK)
        vr_error_prefix(err, "making %s replicate from %s", replica->alias, primary->alias);
    return rc;
}

static vr_code_t apply_schema_file(MYSQL *c, const char *path, vr_error_t *err)
{
    FILE *f = fopen(path, "rb");
    vr_buf_t sql = VR_BUF_INIT;
    char chunk[8192];
    size_t n;
    vr_code_t rc;

    if (!f)
        return vr_errorf(err, VR_IO, "cannot read %s: %s", path, strerror(errno));
    while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
        vr_buf_append(&sql, chunk, n);
    fclose(f);
    rc = sql.len ? vr_tablet_exec(c, sql.data, err) : VR_OK;
    vr_buf_free(&sql);
    if (rc != VR_OK)
        vr_error_prefix(err, "applying %s", path);
    return rc;
}

/* Create vt_<ks> and the schema on a new shard's primary. */
static vr_code_t init_primary(const vr_tablet_t *p, const vr_cluster_ks_t *k, vr_error_t *err)
{
    MYSQL *c = vr_tablet_connect(p, NULL, err);
    char sql[256];
    vr_code_t rc;

    if (!c)
        return err ? err->code : VR_MYSQL;
    snprintf(sql, sizeof(sql), "CREATE DATABASE IF NOT EXISTS `%s`", p->db_name);
    rc = vr_tablet_exec(c, sql, err);
    if (rc == VR_OK && mysql_select_db(c, p->db_name) != 0)
        rc = vr_error_mysql(err, mysql_errno(c), false, "use %s: %s", p->db_name, mysql_error(c));
    if (rc == VR_OK && k->schema_path)
        rc = apply_schema_file(c, k->schema_path, err);
    mysql_close(c);
    if (rc != VR_OK)
        vr_error_prefix(err, "%s/%s primary %s", p->keyspace, p->shard, p->alias);
    return rc;
}

/* Wait until a replica has applied everything its primary has. */
static vr_code_t wait_caught_up(const vr_tablet_t *replica, const vr_tablet_t *primary,
                                vr_error_t *err)
{
    MYSQL *pc = NULL, *rc_conn = NULL;
    char *pos = NULL, *res = NULL;
    char sql[1024];
    vr_code_t rc = VR_OK;

    pc = vr_tablet_connect(primary, NULL, err);
    if (!pc) {
        rc = err ? err->code : VR_MYSQL;
        goto out;
    }
    pos = vr_tablet_query_value(pc, "SELECT @@gtid_binlog_pos", err);
    rc_conn = vr_tablet_connect(replica, NULL, err);
    if (!pos || !rc_conn) {
        rc = err ? err->code : VR_MYSQL;
        goto out;
    }
    snprintf(sql, sizeof(sql), "SELECT MASTER_GTID_WAIT('%s', 30)", pos);
    res = vr_tablet_query_value(rc_conn, sql, err);
    if (!res || strcmp(res, "0") != 0) {
        rc = vr_errorf(err, VR_TIMEOUT,
                       "replica %s did not reach its primary %s's position %s within 30 s "
                       "(see SHOW SLAVE STATUS on %s:%d)",
                       replica->alias, primary->alias, pos, replica->host, replica->port);
    }
out:
    free(pos);
    free(res);
    if (pc)
        mysql_close(pc);
    if (rc_conn)
        mysql_close(rc_conn);
    return rc;
}

static const vr_cluster_ks_t *find_ks(const vr_cluster_cfg_t *cfg, const char *name)
{
    size_t i;
    for (i = 0; i < cfg->nks; i++)
        if (strcmp(cfg->ks[i].name, name) == 0)
            return &cfg->ks[i];
    return NULL;
}

/* Replication and schema for every shard whose primary is new. */
static vr_code_t init_new_shards(const vr_cluster_cfg_t *cfg, start_job_t *jobs, size_t n,
                                 vr_error_t *err)
{
    size_t i, j;
    vr_code_t rc;

    for (i = 0; i < n; i++) {
        const vr_tablet_t *p = jobs[i].tab;
        if (p->type != VR_TABLET_PRIMARY || jobs[i].state != TAB_NEW)
            continue;
        for (j = i + 1; j < n && jobs[j].tab->type != VR_TABLET_PRIMARY; j++)
            if ((rc = setup_replica(jobs[j].tab, p, err)) != VR_OK)
                return rc;
        if ((rc = init_primary(p, find_ks(cfg, p->keyspace), err)) != VR_OK)
            return rc;
    }
    for (i = 0; i < n; i++) {
        const vr_tablet_t *p = jobs[i].tab;
        if (p->type != VR_TABLET_PRIMARY || jobs[i].state != TAB_NEW)
            continue;
        for (j = i + 1; j < n && jobs[j].tab->type != VR_TABLET_PRIMARY; j++)
            if ((rc = wait_caught_up(jobs[j].tab, p, err)) != VR_OK)
                return rc;
    }
    return VR_OK;
}

/* Keyspaces, shards, VSchemas (first time only) and tablets. */
static vr_code_t record(vr_topo_t *topo, const vr_cluster_cfg_t *cfg, vr_tablet_t *tabs,
                        size_t n, vr_error_t *err)
{
    size_t i, j;
    vr_code_t rc;

    for (i = 0; i < cfg->nks; i++) {
        const vr_cluster_ks_t *k = &cfg->ks[i];
        char *json = NULL;
        rc = vr_topo_create_keyspace(topo, k->name, err);
        if (rc != VR_OK && rc != VR_EXISTS)
            return rc;
        for (j = 0; j < k->nshards; j++) {
            rc = vr_topo_create_shard(topo, k->name, k->shards[j], err);
            if (rc != VR_OK && rc != VR_EXISTS)
                return rc;
        }
        if (vr_topo_get_vschema(topo, k->name, &json, NULL) == VR_OK) {
            free(json);
        } else if (k->vschema_json) {
            if ((rc = vr_topo_put_vschema(topo, k->name, k->vschema_json, err)) != VR_OK)
                return rc;
        } else {
            vr_vschema_t *vs = vr_vschema_new(k->name, k->nshards > 1);
            json = vr_vschema_to_json(vs);
            rc = vr_topo_put_vschema(topo, k->name, json, err);
            free(json);
            vr_vschema_free(vs);
            if (rc != VR_OK)
                return rc;
        }
    }
    for (i = 0; i < n; i++) {
        snprintf(tabs[i].state, sizeof(tabs[i].state), "serving");
        if ((rc = vr_topo_put_tablet(topo, &tabs[i], err)) != VR_OK)
            return rc;
    }
    return vr_topo_put_kv(topo, "cluster/config", cfg->raw_json, err);
}

static double elapsed_s(const struct timespec *t0)
{
    struct timespec t1;
    clock_gettime(CLOCK_MONOTONIC, &t1);
    return (double)(t1.tv_sec - t0->tv_sec) + (double)(t1.tv_nsec - t0->tv_nsec) / 1e9;
}

static char *lock_owner(void)
{
    char host[128] = "localhost";
    gethostname(host, sizeof(host) - 1);
    return vr_xasprintf("vrepl pid %d@%s", (int)getpid(), host);
}

static size_t count_state(const start_job_t *jobs, size_t n, tab_state_t st)
{
    size_t i, c = 0;
    for (i = 0; i < n; i++)
        c += jobs[i].state == st;
    return c;
}

static vr_code_t do_up(vr_topo_t *topo, const vr_cluster_cfg_t *cfg, vr_cluster_say_fn fn,
                       void *ctx, bool *changed, vr_error_t *err)
{
    vr_tablet_t *tabs = NULL;
    start_job_t *jobs = NULL;
    char *tpl = NULL;
    size_t n = 0, i, nshards = 0;
    struct timespec t0;
    vr_code_t rc;

    clock_gettime(CLOCK_MONOTONIC, &t0);
    vr_cluster_plan(cfg, &tabs, &n);
    jobs = vr_xcalloc(n ? n : 1, sizeof(*jobs));
    classify(topo, tabs, jobs, n);
    for (i = 0; i < cfg->nks; i++)
        nshards += cfg->ks[i].nshards;
    if (count_state(jobs, n, TAB_RUNNING) == n) {
        say(fn, ctx, "cluster %s is already running (%zu keyspaces, %zu shards, %zu tablets): "
                     "nothing changed",
            cfg->name, cfg->nks, nshards, n);
        *changed = false;
        rc = VR_OK;
        goto out;
    }
    if ((rc = vr_mysqld_find(NULL, NULL, err)) != VR_OK || (rc = check_ports(jobs, n, err)) != VR_OK)
        goto out;
    if ((rc = vr_mysqld_template(cfg->var_dir, &tpl, err)) != VR_OK)
        goto out;
    say(fn, ctx, "starting %zu tablet(s) of cluster %s (%zu new, %zu stopped)",
        n - count_state(jobs, n, TAB_RUNNING), cfg->name, count_state(jobs, n, TAB_NEW),
        count_state(jobs, n, TAB_STOPPED));
    rc = start_all(jobs, n, tpl, err);
    if (rc == VR_OK)
        rc = init_new_shards(cfg, jobs, n, err);
    if (rc == VR_OK)
        rc = record(topo, cfg, tabs, n, err);
    if (rc != VR_OK) {
        stop_started(jobs, n);
        vr_error_prefix(err, "vrepl up failed; stopped the servers it had started");
        goto out;
    }
    for (i = 0; i < n; i++)
        if (jobs[i].start)
            say(fn, ctx, "  %-9s %s %s/%s %s 127.0.0.1:%d pid %d",
                jobs[i].state == TAB_NEW ? "created" : "restarted", tabs[i].alias,
                tabs[i].keyspace, tabs[i].shard, vr_tablet_type_name(tabs[i].type), tabs[i].port,
                (int)tabs[i].pid);
    say(fn, ctx, "cluster %s is up: %zu keyspaces, %zu shards, %zu tablets in %.1f s "
                 "(topology %s/topo.db)",
        cfg->name, cfg->nks, nshards, n, elapsed_s(&t0), cfg->var_dir);
    *changed = true;
out:
    free(tpl);
    free(jobs);
    free(tabs);
    return rc;
}

vr_code_t vr_cluster_up(const vr_cluster_cfg_t *cfg, vr_cluster_say_fn fn, void *ctx,
                        bool *changed, vr_error_t *err)
{
    vr_topo_t *topo = NULL;
    char *path = NULL, *owner = lock_owner();
    vr_code_t rc;

    *changed = false;
    if ((rc = vr_mkdirs(cfg->var_dir, err)) != VR_OK)
        goto out;
    path = vr_xasprintf("%s/topo.db", cfg->var_dir);
    if ((rc = vr_topo_open(path, &topo, err)) != VR_OK)
        goto out;
    if ((rc = vr_topo_lock(topo, LOCK_NAME, owner, 600, err)) != VR_OK) {
        vr_error_prefix(err, "another vrepl up/down is working on this cluster");
        goto out;
    }
    rc = do_up(topo, cfg, fn, ctx, changed, err);
    vr_topo_unlock(topo, LOCK_NAME, owner, NULL);
out:
    vr_topo_close(topo);
    free(path);
    free(owner);
    return rc;
}

vr_code_t vr_cluster_down(const char *var_dir, bool purge, vr_cluster_say_fn fn, void *ctx,
                          vr_error_t *err)
{
    vr_topo_t *topo = NULL;
    vr_tablet_t *tabs = NULL;
    size_t n = 0, i, stopped = 0;
    char *path = vr_cluster_topo_path(var_dir), *owner = lock_owner();
    vr_code_t rc;

    if (access(path, F_OK) != 0) {
        rc = vr_errorf(err, VR_NOT_FOUND, "no cluster here: %s does not exist", path);
        goto out;
    }
    if ((rc = vr_topo_open(path, &topo, err)) != VR_OK)
        goto out;
    if ((rc = vr_topo_lock(topo, LOCK_NAME, owner, 600, err)) != VR_OK) {
        vr_error_prefix(err, "another vrepl up/down is working on this cluster");
        goto out;
    }
    if ((rc = vr_topo_list_tablets(topo, NULL, NULL, &tabs, &n, err)) == VR_OK) {
        bool *ours = vr_xcalloc(n ? n : 1, sizeof(bool));
        /* signal all first so they shut down in parallel, then wait */
        for (i = 0; i < n; i++)
            if ((ours[i] = vr_cluster_tablet_running(&tabs[i])))
                kill(tabs[i].pid, SIGTERM);
        for (i = 0; i < n && rc == VR_OK; i++) {
            if (ours[i]) {
                rc = vr_mysqld_stop(tabs[i].pid, tabs[i].datadir, 60000, err);
                stopped++;
                say(fn, ctx, "  stopped %s (%s/%s %s) pid %d", tabs[i].alias, tabs[i].keyspace,
                    tabs[i].shard, vr_tablet_type_name(tabs[i].type), tabs[i].pid);
            }
            tabs[i].pid = 0;
            snprintf(tabs[i].state, sizeof(tabs[i].state), "stopped");
            if (rc == VR_OK)
                rc = vr_topo_put_tablet(topo, &tabs[i], err);
        }
        free(ours);
    }
    vr_topo_unlock(topo, LOCK_NAME, owner, NULL);
    if (rc == VR_OK)
        say(fn, ctx, "stopped %zu of %zu tablet(s)%s", stopped, n,
            purge ? "; removed the cluster's data" : "");
out:
    vr_topo_close(topo);
    if (rc == VR_OK && purge) {
        char *dir = vr_xstrndup(path, strlen(path) - strlen("/topo.db"));
        vr_rmtree(dir);
        free(dir);
    }
    free(tabs);
    free(path);
    free(owner);
    return rc;
}
