/*
 * bench_decode.c - binlog decode throughput of the vstreamer against
 * `mariadb-binlog --verbose` on the same file, in the same run.
 *
 *   bench_decode [--rows N] [--binlog FILE] [--keep]
 *
 * Without --binlog it starts a private mariadbd (keyspace/'s vr_mysqld),
 * writes N rows (default 1,000,000) of a mixed-type table in 10,000-row
 * transactions, and measures:
 *   - the stream over the replication socket (decode of every row image),
 *   - the stream over the binlog file (the decoder alone, best of 3),
 *   - mariadb-binlog --verbose --base64-output=DECODE-ROWS > /dev/null,
 *   - the rowstreamer's consistent snapshot of the same table (rows/s),
 * printing rows/s and MB/s for each.  Single-threaded; prints figures,
 * asserts nothing.
 */
#include <errno.h>
#include <mysql.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "bench_util.h"
#include "vr_common.h"
#include "vr_mysqld.h"
#include "vr_vstream.h"

/* Write rows; returns the binlog file path and the GTID position before. */
static char *generate(const bench_server_t *s, long rows, char **start)
{
    MYSQL *c = bench_connect(s);
    char q[512], *file, *base, *path;
    long done;
    double t0 = bench_now();
    bench_sql(c, "CREATE DATABASE bench CHARACTER SET utf8mb4");
    bench_sql(c, "USE bench");
    bench_sql(c, "CREATE TABLE bench.orders (id INT PRIMARY KEY, cid INT UNSIGNED, qty SMALLINT,"
           " amount BIGINT, price DECIMAL(10,2), name VARCHAR(32), created DATETIME(3),"
           " ratio DOUBLE, status ENUM('new','paid','shipped'), note TEXT)");
    bench_sql(c, "FLUSH BINARY LOGS");
    *start = bench_scalar(c, "SELECT @@global.gtid_binlog_pos", 0);
    file = bench_scalar(c, "SHOW MASTER STATUS", 0);
    base = bench_scalar(c, "SELECT @@global.log_bin_basename", 0);
    for (done = 0; done < rows; done += 10000) {
        long n = rows - done < 10000 ? rows - done : 10000;
        snprintf(q, sizeof(q),
                 "INSERT INTO bench.orders SELECT seq, seq %% 100000, seq %% 50, seq * 7919,"
                 " (seq %% 100000) / 100, CONCAT('customer-', seq), '2024-01-01' +"
                 " INTERVAL seq SECOND, seq / 3, 1 + seq %% 3, IF(seq %% 10 = 0, NULL,"
                 " 'a short note') FROM seq_%ld_to_%ld", done + 1, done + n);
        bench_sql(c, q);
    }
    bench_sql(c, "FLUSH BINARY LOGS");
    path = vr_xasprintf("%.*s/%s", (int)(strrchr(base, '/') - base), base, file);
    fprintf(stderr, "bench_decode: wrote %ld rows in %.1f s\n", rows, bench_now() - t0);
    free(file);
    free(base);
    mysql_close(c);
    return path;
}

typedef struct result {
    double secs;
    uint64_t rows;
    uint64_t bytes;
} result_t;

static result_t run_stream(const vr_vstream_opts_t *o)
{
    vr_vstream_t *s;
    const vr_vevent_t *ev;
    vr_error_t err;
    vr_vstream_stats_t st;
    result_t r;
    double t0 = bench_now();
    if (vr_vstream_open(o, &s, &err) != VR_OK)
        bench_die("open", err.msg);
    for (;;) {
        if (vr_vstream_next(s, &ev, &err) != VR_OK)
            bench_die("next", err.msg);
        if (!ev)
            break;
    }
    r.secs = bench_now() - t0;
    vr_vstream_stats(s, &st);
    r.rows = st.rows;
    r.bytes = st.bytes;
    vr_vstream_close(s);
    return r;
}

/* The copy phase's reader: a consistent snapshot of the table. */
static result_t run_snapshot(const bench_server_t *srv)
{
    vr_rowstream_opts_t ro;
    vr_rowstream_t *rs;
    const vr_rowpacket_t *pkt;
    vr_error_t err;
    result_t r = {0, 0, 0};
    double t0 = bench_now();
    memset(&ro, 0, sizeof(ro));
    ro.source.host = "127.0.0.1";
    ro.source.port = (unsigned)srv->port;
    ro.source.user = "root";
    ro.table = "bench.orders";
    if (vr_rowstream_open(&ro, &rs, &err) != VR_OK)
        bench_die("rowstream", err.msg);
    for (;;) {
        if (vr_rowstream_next(rs, &pkt, &err) != VR_OK)
            bench_die("rowstream", err.msg);
        if (!pkt)
            break;
        r.rows += pkt->nrows;
    }
    r.secs = bench_now() - t0;
    vr_rowstream_close(rs);
    return r;
}

static double run_mariadb_binlog(const char *path)
{
    char *cmd = vr_xasprintf("mariadb-binlog --no-defaults --verbose "
                             "--base64-output=DECODE-ROWS '%s' > /dev/null", path);
    double t0 = bench_now();
    int rc = system(cmd);
    double secs = bench_now() - t0;
    if (rc != 0)
        bench_die("mariadb-binlog", "failed");
    free(cmd);
    return secs;
}

static void report(const char *what, double secs, uint64_t rows, uint64_t bytes)
{
    printf("%-34s %7.3f s  %7.2fM rows/s  %7.1f MB/s\n", what, secs,
           (double)rows / secs / 1e6, (double)bytes / secs / 1e6);
}

int main(int argc, char **argv)
{
    long rows = 1000000;
    const char *binlog = NULL;
    bool keep = false;
    bench_server_t srv = {0};
    char *path = NULL, *start = NULL;
    vr_vstream_opts_t o;
    result_t best = {1e9, 0, 0}, net = {0, 0, 0}, snap = {0, 0, 0};
    long fsize;
    FILE *f;
    double mb_secs;
    int i;
    vr_error_t err;
    bench_set_name("bench_decode");
    for (i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--rows") == 0 && i + 1 < argc)
            rows = atol(argv[++i]);
        else if (strcmp(argv[i], "--binlog") == 0 && i + 1 < argc)
            binlog = argv[++i];
        else if (strcmp(argv[i], "--keep") == 0)
            keep = true;
        else {
            fprintf(stderr, "usage: bench_decode [--rows N] [--binlog FILE] [--keep]\n");
            return 2;
        }
    }
    memset(&o, 0, sizeof(o));
    if (binlog) {
        path = vr_xstrdup(binlog);
    } else {
        bench_server_start(&srv, 7, "--innodb-buffer-pool-size=64M --innodb-flush-log-at-trx-commit=0 --sync-binlog=0");
        path = generate(&srv, rows, &start);
        o.source.host = "127.0.0.1";
        o.source.port = (unsigned)srv.port;
        o.source.user = "root";
        o.position = start;
        o.stop_position = "current";
        net = run_stream(&o);
        snap = run_snapshot(&srv);
        if (vr_mysqld_stop(srv.pid, srv.dir, 30000, &err) != VR_OK)
            fprintf(stderr, "bench_decode: stopping mariadbd: %s\n", err.msg);
    }
    if (!(f = fopen(path, "rb")))
        bench_die(path, strerror(errno));
    fseek(f, 0, SEEK_END);
    fsize = ftell(f);
    fclose(f);
    memset(&o, 0, sizeof(o));
    o.source.binlog_file = path;
    for (i = 0; i < 5; i++) {
        result_t r = run_stream(&o);
        if (r.secs < best.secs)
            best = r;
    }
    mb_secs = 1e9;
    for (i = 0; i < 3; i++) {
        double s = run_mariadb_binlog(path);
        if (s < mb_secs)
            mb_secs = s;
    }
    printf("binlog %s: %.1f MB, %llu rows\n", path, (double)fsize / 1e6,
           (unsigned long long)best.rows);
    if (net.secs > 0)
        report("vstreamer, replication socket", net.secs, net.rows, net.bytes);
    report("vstreamer, binlog file (best of 5)", best.secs, best.rows, (uint64_t)fsize);
    report("mariadb-binlog --verbose (best of 3)", mb_secs, best.rows, (uint64_t)fsize);
    printf("speedup over mariadb-binlog: %.1fx\n", mb_secs / best.secs);
    if (snap.secs > 0)
        printf("%-34s %7.3f s  %7.2fM rows/s\n", "rowstreamer snapshot (socket)", snap.secs,
               (double)snap.rows / snap.secs / 1e6);
    if (!binlog && !keep)
        vr_rmtree(srv.dir);
    else if (!binlog)
        printf("kept %s\n", srv.dir);
    free(path);
    free(start);
    free(srv.dir);
    return 0;
}
