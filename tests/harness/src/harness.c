/*
 * harness.c - throwaway mariadbd servers and SQL helpers for integration
 * tests (see vr_harness.h).  Built on keyspace/'s vr_mysqld, the same code
 * `vrepl up` uses, so tests exercise the real start-up path.
 *
 * Servers die with the test process (PR_SET_PDEATHSIG), so a crashed or
 * aborted test leaves no mariadbd behind.  Ports are drawn at random from
 * 27000-32499 (below Linux's ephemeral range, clear of the cluster tests'
 * fixed ports and the demo's 17000s) and the start is retried when
 * another process took the port first.
 */
#include "vr_harness.h"

#include <criterion/criterion.h>
#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "vr_common.h"
#include "vr_mysqld.h"

struct vr_h_server {
    char *dir;
    char *extra;
    int port;
    unsigned server_id;
    bool log_bin;
    pid_t pid;
    char socket[PATH_MAX];
};

static const char *cache_dir(void)
{
    static char path[PATH_MAX];
    const char *tmp = getenv("TMPDIR");
    if (!path[0])
        snprintf(path, sizeof(path), "%s/vrepl-harness-cache", tmp && *tmp ? tmp : "/tmp");
    return path;
}

char *vr_h_tmpdir(const char *prefix)
{
    const char *tmp = getenv("TMPDIR");
    char *path = vr_xasprintf("%s/vrepl-test-%s-XXXXXX", tmp && *tmp ? tmp : "/tmp", prefix);
    if (!mkdtemp(path))
        cr_assert_fail("mkdtemp %s: %s", path, strerror(errno));
    return path;
}

void vr_h_rmrf(const char *path) { vr_rmtree(path); }

static vr_code_t start_once(vr_h_server_t *s, vr_error_t *err)
{
    char *tpl = NULL;
    vr_mysqld_spec_t spec = {0};
    vr_code_t rc;

    if ((rc = vr_mysqld_template(cache_dir(), &tpl, err)) != VR_OK)
        return rc;
    spec.dir = s->dir;
    spec.port = s->port;
    spec.server_id = s->server_id;
    spec.log_bin = s->log_bin;
    spec.extra_args = s->extra;
    spec.die_with_parent = true;
    rc = vr_mysqld_start(&spec, tpl, 60000, &s->pid, err);
    free(tpl);
    return rc;
}

vr_h_server_t *vr_h_server_start(const vr_h_server_opts_t *opts)
{
    vr_h_server_t *s = vr_xcalloc(1, sizeof(*s));
    vr_error_t err;
    int attempt;
    unsigned seed = (unsigned)getpid() ^ (unsigned)time(NULL);

    s->dir = vr_h_tmpdir("srv");
    s->log_bin = !(opts && opts->no_binlog);
    s->extra = opts && opts->extra_args ? vr_xstrdup(opts->extra_args) : NULL;
    for (attempt = 0; attempt < 8; attempt++) {
        s->port = 27000 + (int)(rand_r(&seed) % 5500);
        s->server_id = opts && opts->server_id ? opts->server_id : (unsigned)s->port;
        vr_error_clear(&err);
        if (start_once(s, &err) == VR_OK)
            break;
        /* another process may have taken the port between check and bind */
        if (!strstr(err.msg, "in use") && !strstr(err.msg, "Bind on"))
            cr_assert_fail("starting test mariadbd: %s", err.msg);
        vr_rmtree(s->dir);
        mkdir(s->dir, 0755);
    }
    if (s->pid <= 0)
        cr_assert_fail("starting test mariadbd: no free port: %s", err.msg);
    vr_mysqld_socket_path(s->dir, s->socket, sizeof(s->socket));
    return s;
}

void vr_h_server_stop(vr_h_server_t *s)
{
    if (!s)
        return;
    if (s->pid > 0)
        vr_mysqld_stop(s->pid, s->dir, 20000, NULL);
    vr_rmtree(s->dir);
    free(s->dir);
    free(s->extra);
    free(s);
}

void vr_h_server_kill(vr_h_server_t *s)
{
    int status;
    if (s->pid > 0) {
        kill(s->pid, SIGKILL);
        waitpid(s->pid, &status, 0);
    }
    s->pid = 0;
}

void vr_h_server_restart(vr_h_server_t *s)
{
    vr_error_t err;
    if (s->pid > 0)
        vr_mysqld_stop(s->pid, s->dir, 20000, NULL);
    s->pid = 0;
    vr_error_clear(&err);
    if (start_once(s, &err) != VR_OK)
        cr_assert_fail("restarting test mariadbd on port %d: %s", s->port, err.msg);
}

int vr_h_server_port(const vr_h_server_t *s) { return s->port; }
unsigned vr_h_server_id(const vr_h_server_t *s) { return s->server_id; }
const char *vr_h_server_socket(const vr_h_server_t *s) { return s->socket; }

const char *vr_h_server_datadir(const vr_h_server_t *s)
{
    static __thread char path[PATH_MAX];
    snprintf(path, sizeof(path), "%s/data", s->dir);
    return path;
}

MYSQL *vr_h_connect(const vr_h_server_t *s, const char *db)
{
    MYSQL *c = mysql_init(NULL);
    unsigned timeout = 10;
    if (!c)
        cr_assert_fail("mysql_init failed");
    mysql_options(c, MYSQL_OPT_CONNECT_TIMEOUT, &timeout);
    mysql_options(c, MYSQL_SET_CHARSET_NAME, "utf8mb4");
    if (!mysql_real_connect(c, "127.0.0.1", "root", "", db, (unsigned)s->port, NULL,
                            CLIENT_MULTI_STATEMENTS)) {
        char msg[512];
        snprintf(msg, sizeof(msg), "%s", mysql_error(c));
        mysql_close(c);
        cr_assert_fail("connecting to test mariadbd on port %d: %s", s->port, msg);
    }
    return c;
}

static char *vformat(const char *fmt, va_list ap)
{
    vr_buf_t b = VR_BUF_INIT;
    vr_buf_vprintf(&b, fmt, ap);
    return vr_buf_detach(&b);
}

/* Run sql, draining every result of a multi-statement; errno or 0. */
static unsigned run_sql(MYSQL *c, const char *sql, vr_buf_t *out)
{
    int status;

    if (mysql_query(c, sql) != 0)
        return mysql_errno(c);
    do {
        MYSQL_RES *res = mysql_store_result(c);
        if (res) {
            unsigned nf = mysql_num_fields(res);
            MYSQL_ROW row;
            while ((row = mysql_fetch_row(res)) != NULL) {
                unsigned long *lens = mysql_fetch_lengths(res);
                for (unsigned i = 0; out && i < nf; i++) {
                    if (i)
                        vr_buf_putc(out, '\t');
                    if (row[i])
                        vr_buf_append(out, row[i], lens[i]);
                    else
                        vr_buf_puts(out, "NULL");
                }
                if (out)
                    vr_buf_putc(out, '\n');
            }
            mysql_free_result(res);
        } else if (mysql_field_count(c) != 0) {
            return mysql_errno(c);
        }
        status = mysql_next_result(c);
        if (status > 0)
            return mysql_errno(c);
    } while (status == 0);
    return 0;
}

void vr_h_exec(MYSQL *c, const char *fmt, ...)
{
    va_list ap;
    char *sql;
    unsigned e;
    va_start(ap, fmt);
    sql = vformat(fmt, ap);
    va_end(ap);
    e = run_sql(c, sql, NULL);
    if (e) {
        char msg[512];
        snprintf(msg, sizeof(msg), "%s", mysql_error(c));
        cr_assert_fail("SQL failed (%u %s): %s", e, msg, sql);
    }
    free(sql);
}

unsigned vr_h_try_exec(MYSQL *c, const char *fmt, ...)
{
    va_list ap;
    char *sql;
    unsigned e;
    va_start(ap, fmt);
    sql = vformat(fmt, ap);
    va_end(ap);
    e = run_sql(c, sql, NULL);
    free(sql);
    return e;
}

static char *vquery(MYSQL *c, const char *fmt, va_list ap, bool fatal)
{
    vr_buf_t out = VR_BUF_INIT;
    char *sql = vformat(fmt, ap);
    unsigned e = run_sql(c, sql, &out);
    if (e && fatal) {
        char msg[512];
        snprintf(msg, sizeof(msg), "%s", mysql_error(c));
        cr_assert_fail("query failed (%u %s): %s", e, msg, sql);
    }
    if (e) {
        vr_buf_reset(&out);
        vr_buf_printf(&out, "ERROR %u: %s", e, mysql_error(c));
    }
    free(sql);
    return vr_buf_detach(&out);
}

char *vr_h_query(MYSQL *c, const char *fmt, ...)
{
    va_list ap;
    char *r;
    va_start(ap, fmt);
    r = vquery(c, fmt, ap, true);
    va_end(ap);
    return r;
}

char *vr_h_scalar(MYSQL *c, const char *fmt, ...)
{
    va_list ap;
    char *r;
    va_start(ap, fmt);
    r = vquery(c, fmt, ap, true);
    va_end(ap);
    r[strcspn(r, "\t\n")] = '\0';
    return r;
}

static void sleep_ms(int ms)
{
    struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

static long long now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

bool vr_h_wait_query(MYSQL *c, const char *expected, int timeout_ms, const char *fmt, ...)
{
    va_list ap;
    char *sql;
    char *last = NULL;
    long long deadline = now_ms() + timeout_ms;
    bool ok = false;

    va_start(ap, fmt);
    sql = vformat(fmt, ap);
    va_end(ap);
    for (;;) {
        free(last);
        last = vr_h_query(c, "%s", sql);
        if (strcmp(last, expected) == 0) {
            ok = true;
            break;
        }
        if (now_ms() > deadline)
            break;
        sleep_ms(20);
    }
    if (!ok)
        fprintf(stderr, "wait_query timed out after %d ms: %s\n--- expected:\n%s--- got:\n%s",
                timeout_ms, sql, expected, last);
    free(last);
    free(sql);
    return ok;
}

bool vr_h_wait_until(bool (*cond)(void *arg), void *arg, int timeout_ms)
{
    long long deadline = now_ms() + timeout_ms;
    for (;;) {
        if (cond(arg))
            return true;
        if (now_ms() > deadline)
            return false;
        sleep_ms(20);
    }
}

const char *vr_h_vrepl_bin(void)
{
    const char *env = getenv("VREPL_BIN");
    return env && *env ? env : VR_BUILD_DIR "/vrepl";
}

int vr_h_run(char **output, const char *fmt, ...)
{
    va_list ap;
    char *cmd, *full;
    FILE *p;
    vr_buf_t out = VR_BUF_INIT;
    char buf[4096];
    size_t n;
    int status;

    va_start(ap, fmt);
    cmd = vformat(fmt, ap);
    va_end(ap);
    full = vr_xasprintf("(%s) 2>&1", cmd);
    p = popen(full, "r");
    if (!p)
        cr_assert_fail("popen %s: %s", cmd, strerror(errno));
    while ((n = fread(buf, 1, sizeof(buf), p)) > 0)
        vr_buf_append(&out, buf, n);
    status = pclose(p);
    free(full);
    free(cmd);
    if (output)
        *output = vr_buf_detach(&out);
    else
        vr_buf_free(&out);
    if (WIFEXITED(status))
        return WEXITSTATUS(status);
    return 128 + (WIFSIGNALED(status) ? WTERMSIG(status) : 0);
}
