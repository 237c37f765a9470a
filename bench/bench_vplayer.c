/*
 * bench_vplayer.c - the vplayer's copy and apply rates against MariaDB's
 * own tools on the same data, in the same run.
 *
 *   bench_vplayer [--rows N] [--txns M] [--parallel P] [--packet-rows R] [--keep]
 *
 * Starts three private mariadbd (keyspace/'s vr_mysqld, identical options:
 * row binlog on, durable commits as tablets run them): a source, a target
 * and a replica.
 *   copy   a table of N rows (default 1,000,000) copied by a stream (Init ->
 *          Copying -> Running) into the target versus `mariadb-dump
 *          --single-transaction | mariadb` of the same table into the
 *          replica's server (so both servers have loaded the same rows
 *          before the apply race);
 *   apply  M single-row transactions (default 100,000: inserts, then
 *          updates and deletes of those rows) applied by a stream from the
 *          position before them versus MariaDB's replica (CHANGE MASTER ...
 *          MASTER_USE_GTID, START SLAVE from the same position;
 *          slave_parallel_threads=P, default 0 as MariaDB ships).
 * Prints rows/s (and transactions/s) for each.  Single-threaded driver;
 * the player runs on its own thread.  Prints figures, asserts nothing.
 */
#include <errno.h>
#include <mysql.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "bench_util.h"
#include "vr_common.h"
#include "vr_mysqld.h"
#include "vr_vplayer.h"

#define SERVER_ARGS                                                                    \
    "--innodb-buffer-pool-size=512M --innodb-log-file-size=512M "                      \
    "--innodb-log-buffer-size=16M"

static void sleep_ms(int ms)
{
    struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

static const char *copy_ddl =
    "CREATE TABLE %s.t (id INT PRIMARY KEY, cid INT UNSIGNED, qty SMALLINT, amount BIGINT,"
    " price DECIMAL(10,2), name VARCHAR(32), created DATETIME(3), ratio DOUBLE,"
    " note VARCHAR(64))";

/* CPU seconds a process has used (utime + stime). */
static double cpu_of(pid_t pid)
{
    char path[64], buf[1024], *p;
    unsigned long ut = 0, st = 0;
    FILE *f;
    snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
    if (!(f = fopen(path, "r")))
        return 0;
    p = fgets(buf, sizeof(buf), f);
    fclose(f);
    if (!p || !(p = strrchr(buf, ')')))
        return 0;
    /* fields after the name: state ppid ... utime (14th) stime (15th) */
    sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %lu %lu", &ut, &st);
    return (double)(ut + st) / (double)sysconf(_SC_CLK_TCK);
}

static double cpu_self(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* ---- a player on its own thread -------------------------------------------------- */

typedef struct runner {
    pthread_t th;
    vr_vplayer_t *vp;
    vr_code_t rc;
    vr_error_t err;
} runner_t;

static void *runner_main(void *arg)
{
    runner_t *r = arg;
    r->rc = vr_vplayer_run(r->vp, &r->err);
    return NULL;
}

static size_t packet_rows;

static void player_start(runner_t *r, const bench_server_t *src, const bench_server_t *dst, int64_t id,
                         const char *db)
{
    vr_vplayer_opts_t o;
    vr_error_t err;
    memset(&o, 0, sizeof(o));
    o.target.host = o.source.host = "127.0.0.1";
    o.target.user = o.source.user = "root";
    o.target.port = (unsigned)dst->port;
    o.source.port = (unsigned)src->port;
    o.source.db = db;
    o.id = id;
    o.copy_packet_rows = packet_rows;
    o.copy_packet_bytes = packet_rows * 256;
    if (vr_vplayer_new(&o, &r->vp, &err) != VR_OK)
        bench_die("player", err.msg);
    if (pthread_create(&r->th, NULL, runner_main, r) != 0)
        bench_die("player", "pthread_create");
}

static void player_stop(runner_t *r)
{
    vr_vplayer_stop(r->vp);
    pthread_join(r->th, NULL);
    if (r->rc != VR_OK)
        bench_die("player", r->err.msg);
    vr_vplayer_free(r->vp);
}

static int64_t new_stream(MYSQL *tc, const char *source, const char *db, const char *pos)
{
    vr_vrepl_row_t row;
    vr_error_t err;
    int64_t id;
    memset(&row, 0, sizeof(row));
    row.workflow = "bench";
    row.source = (char *)source;
    row.db_name = (char *)db;
    row.pos = (char *)pos;
    row.state = pos ? VR_VREPL_RUNNING : VR_VREPL_INIT;
    if (vr_vt_create(tc, &err) != VR_OK || vr_vrepl_insert(tc, &row, &id, &err) != VR_OK)
        bench_die("stream", err.msg);
    return id;
}

/* ---- copy ------------------------------------------------------------------------------ */

static void generate_copy(MYSQL *c, long rows)
{
    char q[1024];
    long done;
    double t0 = bench_now();
    bench_sql(c, "CREATE DATABASE bench");
    snprintf(q, sizeof(q), copy_ddl, "bench");
    bench_sql(c, q);
    for (done = 0; done < rows; done += 50000) {
        long n = rows - done < 50000 ? rows - done : 50000;
        snprintf(q, sizeof(q),
                 "INSERT INTO bench.t SELECT seq, seq %% 100000, seq %% 50, seq * 7919,"
                 " (seq %% 100000) / 100, CONCAT('customer-', seq), '2024-01-01' +"
                 " INTERVAL seq SECOND, seq / 3, IF(seq %% 10 = 0, NULL, 'a short note')"
                 " FROM bench.seq_%ld_to_%ld",
                 done + 1, done + n);
        bench_sql(c, q);
    }
    fprintf(stderr, "bench_vplayer: wrote %ld rows in %.1f s\n", rows, bench_now() - t0);
}

static double copy_with_player(const bench_server_t *src, const bench_server_t *dst, long rows)
{
    MYSQL *tc = bench_connect(dst);
    runner_t r;
    vr_vplayer_stats_t st;
    char q[512];
    int64_t id;
    double t0;
    bench_sql(tc, "CREATE DATABASE vt_copy");
    snprintf(q, sizeof(q), copy_ddl, "vt_copy");
    bench_sql(tc, q);
    id = new_stream(tc, "keyspace:\"bench\" shard:\"0\" filter:{rules:{match:\"t\"}}", "vt_copy",
                    NULL);
    t0 = bench_now();
    player_start(&r, src, dst, id, "bench");
    do {
        sleep_ms(5);
        vr_vplayer_stats(r.vp, &st);
    } while (st.state != VR_VREPL_RUNNING && st.state != VR_VREPL_ERROR);
    t0 = bench_now() - t0;
    player_stop(&r);
    if (st.state == VR_VREPL_ERROR || (long)st.rows_copied != rows)
        bench_die("copy", "the stream did not copy every row");
    mysql_close(tc);
    return t0;
}

static double copy_with_dump(const bench_server_t *src, const bench_server_t *dst)
{
    MYSQL *tc = bench_connect(dst);
    char *cmd;
    double t0;
    bench_sql(tc, "CREATE DATABASE vt_dump");
    mysql_close(tc);
    cmd = vr_xasprintf("mariadb-dump --no-defaults -h127.0.0.1 -P%d -uroot --single-transaction "
                       "bench t | mariadb --no-defaults -h127.0.0.1 -P%d -uroot vt_dump",
                       src->port, dst->port);
    t0 = bench_now();
    if (system(cmd) != 0)
        bench_die("mariadb-dump | mariadb", cmd);
    t0 = bench_now() - t0;
    free(cmd);
    return t0;
}

/* ---- apply ------------------------------------------------------------------------------ */

/* M single-row autocommit transactions: inserts, then updates and deletes
 * of those rows.  *start: the position before them; returns the one after. */
static char *generate_apply(MYSQL *c, long txns, char **start)
{
    char q[256];
    long i, ins = txns * 6 / 10;
    double t0;
    bench_sql(c, "CREATE TABLE bench.a (id INT PRIMARY KEY, v INT, s VARCHAR(32))");
    *start = bench_scalar(c, "SELECT @@global.gtid_binlog_pos", 0);
    t0 = bench_now();
    for (i = 0; i < txns; i++) {
        if (i < ins)
            snprintf(q, sizeof(q), "INSERT INTO bench.a VALUES (%ld, %ld, 'row %ld')", i + 1, i,
                     i);
        else if (i % 4)
            snprintf(q, sizeof(q), "UPDATE bench.a SET v = v + 1, s = 'upd %ld' WHERE id = %ld", i,
                     1 + (i * 7919) % ins);
        else
            snprintf(q, sizeof(q), "DELETE FROM bench.a WHERE id = %ld", 1 + (i * 104729) % ins);
        bench_sql(c, q);
    }
    fprintf(stderr, "bench_vplayer: wrote %ld single-row transactions in %.1f s\n", txns,
            bench_now() - t0);
    return bench_scalar(c, "SELECT @@global.gtid_binlog_pos", 0);
}

static void wait_pos(MYSQL *c, const char *q, const char *want)
{
    for (;;) {
        char *v = bench_scalar(c, q, 0);
        bool done = strstr(v, want) != NULL;
        free(v);
        if (done)
            return;
        sleep_ms(10);
    }
}

static double apply_with_player(const bench_server_t *src, const bench_server_t *dst, const char *start,
                                const char *end)
{
    MYSQL *tc = bench_connect(dst);
    runner_t r;
    char *pos = vr_xasprintf("MariaDB/%s", start), q[256];
    vr_vplayer_stats_t st;
    int64_t id;
    double t0;
    bench_sql(tc, "CREATE DATABASE vt_apply");
    bench_sql(tc, "CREATE TABLE vt_apply.a (id INT PRIMARY KEY, v INT, s VARCHAR(32))");
    id = new_stream(tc, "keyspace:\"bench\" shard:\"0\" filter:{rules:{match:\"a\"}}", "vt_apply",
                    pos);
    snprintf(q, sizeof(q), "SELECT pos FROM _vt.vreplication WHERE id=%lld", (long long)id);
    t0 = bench_now();
    player_start(&r, src, dst, id, "bench");
    wait_pos(tc, q, end);
    t0 = bench_now() - t0;
    vr_vplayer_stats(r.vp, &st);
    player_stop(&r);
    printf("  (player: %llu transactions in %llu target transactions)\n",
           (unsigned long long)st.txns_applied, (unsigned long long)st.batches);
    free(pos);
    mysql_close(tc);
    return t0;
}

static double apply_with_replica(const bench_server_t *src, const bench_server_t *rep, const char *start,
                                 const char *end, int parallel)
{
    MYSQL *rc = bench_connect(rep);
    char q[512];
    double t0;
    bench_sql(rc, "CREATE DATABASE bench");
    bench_sql(rc, "CREATE TABLE bench.a (id INT PRIMARY KEY, v INT, s VARCHAR(32))");
    bench_sql(rc, "RESET MASTER"); /* its own GTIDs (the dump's load) would conflict */
    snprintf(q, sizeof(q), "SET GLOBAL slave_parallel_threads=%d", parallel);
    bench_sql(rc, q);
    snprintf(q, sizeof(q), "SET GLOBAL gtid_slave_pos='%s'", start);
    bench_sql(rc, q);
    snprintf(q, sizeof(q), "CHANGE MASTER TO MASTER_HOST='127.0.0.1', MASTER_PORT=%d, "
                           "MASTER_USER='root', MASTER_USE_GTID=slave_pos", src->port);
    bench_sql(rc, q);
    t0 = bench_now();
    bench_sql(rc, "START SLAVE");
    wait_pos(rc, "SELECT @@global.gtid_slave_pos", end);
    t0 = bench_now() - t0;
    bench_sql(rc, "STOP SLAVE");
    mysql_close(rc);
    return t0;
}

/* ---- main ---------------------------------------------------------------------------------- */

static void report(const char *what, double secs, long rows)
{
    printf("%-44s %8.2f s  %9.0f rows/s\n", what, secs, (double)rows / secs);
}

int main(int argc, char **argv)
{
    long rows = 1000000, txns = 100000;
    int parallel = 0, i;
    bool keep = false;
    bench_server_t src, dst, rep;
    MYSQL *sc;
    char *start = NULL, *end;
    double ours, theirs, c0[3];
    bench_set_name("bench_vplayer");
    for (i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--rows") == 0 && i + 1 < argc)
            rows = atol(argv[++i]);
        else if (strcmp(argv[i], "--txns") == 0 && i + 1 < argc)
            txns = atol(argv[++i]);
        else if (strcmp(argv[i], "--parallel") == 0 && i + 1 < argc)
            parallel = atoi(argv[++i]);
        else if (strcmp(argv[i], "--packet-rows") == 0 && i + 1 < argc)
            packet_rows = (size_t)atol(argv[++i]);
        else if (strcmp(argv[i], "--keep") == 0)
            keep = true;
        else {
            fprintf(stderr, "usage: bench_vplayer [--rows N] [--txns M] [--parallel P] "
                            "[--packet-rows R] [--keep]\n");
            return 2;
        }
    }
    vr_log_set_level(VR_LOG_WARN);
    bench_server_start(&src, 11, SERVER_ARGS);
    bench_server_start(&dst, 12, SERVER_ARGS);
    bench_server_start(&rep, 13, SERVER_ARGS);
    sc = bench_connect(&src);

    generate_copy(sc, rows);
    printf("copy of a %ld-row table\n", rows);
    /* dump+load goes to the replica's server and the stream to the target:
     * both have loaded the same rows when they race again in the apply */
    c0[0] = cpu_of(src.pid), c0[1] = cpu_of(rep.pid);
    theirs = copy_with_dump(&src, &rep);
    report("  mariadb-dump --single-transaction | mariadb", theirs, rows);
    printf("    cpu: source server %.2f s, target server %.2f s\n", cpu_of(src.pid) - c0[0],
           cpu_of(rep.pid) - c0[1]);
    c0[0] = cpu_of(src.pid), c0[1] = cpu_of(dst.pid), c0[2] = cpu_self();
    ours = copy_with_player(&src, &dst, rows);
    report("  vplayer copy phase", ours, rows);
    printf("    cpu: source server %.2f s, target server %.2f s, vplayer %.2f s\n",
           cpu_of(src.pid) - c0[0], cpu_of(dst.pid) - c0[1], cpu_self() - c0[2]);
    printf("  vplayer / dump+load: %.2fx\n", theirs / ours);

    end = generate_apply(sc, txns, &start);
    printf("apply of %ld single-row transactions\n", txns);
    theirs = apply_with_replica(&src, &rep, start, end, parallel);
    report(parallel ? "  MariaDB replica (parallel threads)" : "  MariaDB replica (SQL thread)",
           theirs, txns);
    ours = apply_with_player(&src, &dst, start, end);
    report("  vplayer", ours, txns);
    printf("  vplayer / replica: %.2fx\n", theirs / ours);

    mysql_close(sc);
    bench_server_stop(&src, keep);
    bench_server_stop(&dst, keep);
    bench_server_stop(&rep, keep);
    free(start);
    free(end);
    return 0;
}
