/*
 * bench_notify.c - change notifications from the binlog to acknowledged
 * Kafka delivery, on librdkafka's mock cluster (3 brokers, in process).
 *
 *   bench_notify [--rows N] [--rate CHANGES_PER_S] [--seconds S]
 *
 * Starts a private mariadbd (keyspace/'s vr_mysqld) and a one-shard
 * topology pointing at it, then measures, in the same run:
 *   throughput  N single-row inserts (1000-row transactions) already in
 *               the binlog, from the notify engine's start until the
 *               broker acknowledged the last transaction (msg/s);
 *     baseline  librdkafka alone: the same number of messages of the
 *               same size, pre-encoded, same producer settings
 *               (idempotent, zstd), produce until all acknowledged;
 *     baseline  the filtered binlog stream alone (decode, no Kafka);
 *   latency     a writer commits RATE changes/s (10-row transactions)
 *               for S seconds; per transaction, from its COMMIT
 *               returning to the broker's acknowledgement (p50/p99/max);
 *     baseline  from COMMIT returning to a plain vstream seeing the
 *               transaction's COMMIT event (the binlog's own latency).
 * Prints figures; asserts nothing.
 */
#include <errno.h>
#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>
#include <mysql.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "bench_util.h"
#include "vr_common.h"
#include "vr_filter.h"
#include "vr_mysqld.h"
#include "vr_notify.h"
#include "vr_topo.h"
#include "vr_vstream.h"

static void quiet_log(const rd_kafka_t *rk, int level, const char *fac, const char *buf)
{
    (void)rk, (void)level, (void)fac, (void)buf;
}

/* ---- the server and the topology ----------------------------------------------- */

typedef struct env {
    char *dir;
    pid_t pid;
    int port;
    MYSQL *c;
    vr_topo_t *topo;
    rd_kafka_t *mrk;
    rd_kafka_mock_cluster_t *mc;
    const char *bootstrap;
    uint32_t server_id;
} env_t;

static void server_start(env_t *e)
{
    bench_server_t s;
    bench_server_start(&s, 7, "--innodb-buffer-pool-size=128M --innodb-flush-log-at-trx-commit=0 "
                              "--sync-binlog=0 --max-connections=50");
    e->dir = s.dir;
    e->pid = s.pid;
    e->port = s.port;
    e->server_id = s.id;
    e->c = bench_connect(&s);
    bench_sql(e->c, "CREATE DATABASE vt_bench CHARACTER SET utf8mb4");
    bench_sql(e->c, "USE vt_bench");
    bench_sql(e->c, "CREATE TABLE orders (id INT PRIMARY KEY, cid INT UNSIGNED, amount BIGINT,"
              " price DECIMAL(10,2), name VARCHAR(32), created DATETIME(3), note VARCHAR(64))");
}

static void topo_start(env_t *e)
{
    char *path = vr_xasprintf("%s/topo.db", e->dir);
    vr_tablet_t t;
    vr_error_t err;
    memset(&t, 0, sizeof(t));
    snprintf(t.alias, sizeof(t.alias), "zone1-0000000100");
    snprintf(t.cell, sizeof(t.cell), "zone1");
    t.uid = 100;
    snprintf(t.keyspace, sizeof(t.keyspace), "bench");
    snprintf(t.shard, sizeof(t.shard), "0");
    snprintf(t.host, sizeof(t.host), "127.0.0.1");
    t.port = e->port;
    snprintf(t.db_name, sizeof(t.db_name), "vt_bench");
    if (vr_topo_open(path, &e->topo, &err) != VR_OK ||
        vr_topo_create_keyspace(e->topo, "bench", &err) != VR_OK ||
        vr_topo_create_shard(e->topo, "bench", "0", &err) != VR_OK ||
        vr_topo_put_tablet(e->topo, &t, &err) != VR_OK)
        bench_die("topology", err.msg);
    free(path);
}

static void kafka_start(env_t *e)
{
    rd_kafka_conf_t *conf = rd_kafka_conf_new();
    char errstr[512];
    rd_kafka_conf_set_log_cb(conf, quiet_log);
    if (!(e->mrk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, errstr, sizeof(errstr))))
        bench_die("librdkafka", errstr);
    if (!(e->mc = rd_kafka_mock_cluster_new(e->mrk, 3)))
        bench_die("librdkafka", "no mock cluster");
    e->bootstrap = rd_kafka_mock_cluster_bootstraps(e->mc);
}

static void create_wf(env_t *e, const char *name)
{
    vr_notify_def_t *d = vr_notify_def_new();
    vr_error_t err;
    d->name = vr_xstrdup(name);
    d->keyspace = vr_xstrdup("bench");
    d->brokers = vr_xstrdup(e->bootstrap);
    d->tables = vr_xcalloc(1, sizeof(char *));
    d->tables[0] = vr_xstrdup("orders");
    d->ntables = 1;
    if (vr_notify_create(e->topo, d, &err) != VR_OK)
        bench_die("notify create", err.msg);
    vr_notify_def_free(d);
}

/* ---- acknowledgements ------------------------------------------------------------ */

typedef struct acks {
    atomic_ullong last_seq;    /* highest acked GTID seq */
    double *t_ack;             /* by seq - base (latency run) */
    size_t n;
    uint64_t base;
} acks_t;

static uint64_t gtid_seq(const char *g)
{
    const char *p = strrchr(g, '-');
    return p ? strtoull(p + 1, NULL, 10) : 0;
}

static void on_ack(void *arg, const char *wf, const char *shard, const char *gtid, int64_t ts)
{
    acks_t *a = arg;
    uint64_t seq = gtid_seq(gtid);
    (void)wf, (void)shard, (void)ts;
    if (!*gtid)
        return;
    if (a->t_ack && seq > a->base && seq - a->base - 1 < a->n)
        a->t_ack[seq - a->base - 1] = bench_now();
    atomic_store(&a->last_seq, seq);
}

static vr_notify_engine_t *engine(env_t *e, const char *wf, acks_t *a)
{
    vr_notify_engine_opts_t o;
    vr_notify_engine_t *eng = NULL;
    vr_error_t err;
    memset(&o, 0, sizeof(o));
    o.workflow = wf;
    o.poll_ms = 50;
    o.on_ack = on_ack;
    o.ack_arg = a;
    if (vr_notify_engine_new(e->topo, &o, &eng, &err) != VR_OK ||
        vr_notify_engine_start(eng, &err) != VR_OK)
        bench_die("engine", err.msg);
    return eng;
}

/* ---- throughput -------------------------------------------------------------------- */

static void load(env_t *e, long rows)
{
    vr_buf_t q = VR_BUF_INIT;
    long i = 0;
    while (i < rows) {
        long k;
        vr_buf_reset(&q);
        vr_buf_puts(&q, "INSERT INTO orders VALUES ");
        for (k = 0; k < 1000 && i < rows; k++, i++)
            vr_buf_printf(&q, "%s(%ld,%ld,%ld,%ld.%02ld,'customer-%ld','2024-05-01 12:00:00.%03ld',"
                          "'note %ld')", k ? "," : "", i + 1, i % 5000, i * 37, i % 1000, i % 100,
                          i % 977, i % 1000, i);
        bench_sql(e->c, q.data);
    }
    vr_buf_free(&q);
}

/* The same messages as the engine sends, encoded once. */
static double baseline_librdkafka(env_t *e, long n, size_t *avg)
{
    static const vr_vfield_t f[] = {
        {"id", VR_TYPE_INT32, 0, VR_FIELD_PK, 11, 0, 3}, {"cid", VR_TYPE_UINT32, 0, 0, 10, 0, 3},
        {"amount", VR_TYPE_INT64, 0, 0, 20, 0, 8}, {"price", VR_TYPE_DECIMAL, 0, 0, 10, 2, 246},
        {"name", VR_TYPE_VARCHAR, 45, 0, 128, 0, 15}, {"created", VR_TYPE_DATETIME, 0, 0, 0, 3, 18},
        {"note", VR_TYPE_VARCHAR, 45, 0, 256, 0, 15}};
    static const uint32_t pk[] = {0};
    const vr_vtable_t t = {"vt_bench", "orders", 7, f, 1, pk, 1};
    vr_notify_source_t src = {"base", "bench", "0", "vt_bench", "orders", "0-7-123456", 7, 0};
    rd_kafka_conf_t *conf = rd_kafka_conf_new();
    rd_kafka_t *rk;
    rd_kafka_topic_t *rkt;
    vr_buf_t *keys = vr_xcalloc((size_t)n, sizeof(vr_buf_t)), *vals = vr_xcalloc((size_t)n, sizeof(vr_buf_t));
    char errstr[512], name[32], note[32];
    size_t total = 0;
    double t0, t1;
    long i;

    for (i = 0; i < n; i++) {
        vr_value_t v[7];
        vr_vrow_t row = {NULL, v, NULL, NULL};
        int k;
        for (k = 0; k < 7; k++)
            v[k] = vr_value_null(f[k].type), v[k].is_null = false;
        v[0].v.i = i + 1;
        v[1].v.u = (uint64_t)(i % 5000);
        v[2].v.i = i * 37;
        snprintf(name, sizeof(name), "%ld.%02ld", i % 1000, i % 100);
        v[3].s = name, v[3].len = strlen(name), v[3].decimals = 2;
        snprintf(note, sizeof(note), "customer-%ld", i % 977);
        v[4].s = note, v[4].len = strlen(note), v[4].charset = 45;
        v[5].v.tm = (vr_temporal_t){2024, 5, 1, 0, 0, 12, (uint32_t)(i % 1000) * 1000, false};
        v[5].decimals = 3;
        v[6].s = "note 123456", v[6].len = 11, v[6].charset = 45;
        vr_notify_key_json(&keys[i], &t, v);
        vr_notify_envelope_json(&vals[i], &src, VR_NOTIFY_CREATE, &t, &row, 1714564800000LL);
        total += vals[i].len + keys[i].len;
    }
    *avg = total / (size_t)n;
    rd_kafka_conf_set_log_cb(conf, quiet_log);
    rd_kafka_conf_set(conf, "bootstrap.servers", e->bootstrap, errstr, sizeof(errstr));
    rd_kafka_conf_set(conf, "enable.idempotence", "true", errstr, sizeof(errstr));
    rd_kafka_conf_set(conf, "compression.type", "zstd", errstr, sizeof(errstr));
    rd_kafka_conf_set(conf, "partitioner", "murmur2_random", errstr, sizeof(errstr));
    if (!(rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, errstr, sizeof(errstr))))
        bench_die("librdkafka", errstr);
    rkt = rd_kafka_topic_new(rk, "base.bench.orders", NULL);
    t0 = bench_now();
    for (i = 0; i < n; i++) {
        while (rd_kafka_produce(rkt, RD_KAFKA_PARTITION_UA, RD_KAFKA_MSG_F_COPY, vals[i].data,
                                vals[i].len, keys[i].data, keys[i].len, NULL) != 0)
            rd_kafka_poll(rk, 1);
        rd_kafka_poll(rk, 0);
    }
    rd_kafka_flush(rk, 60000);
    t1 = bench_now();
    rd_kafka_topic_destroy(rkt);
    rd_kafka_destroy(rk);
    for (i = 0; i < n; i++) {
        vr_buf_free(&keys[i]);
        vr_buf_free(&vals[i]);
    }
    free(keys);
    free(vals);
    return t1 - t0;
}

/* The filtered binlog stream alone over [start, stop]. */
static double baseline_stream(env_t *e, const char *start, const char *stop, long *rows)
{
    vr_filter_rule_t rule = {"orders", ""};
    vr_vstream_opts_t o;
    vr_filter_t *f = NULL;
    vr_fstream_t *fs = NULL;
    const vr_vevent_t *ev;
    vr_error_t err;
    double t0 = bench_now();
    memset(&o, 0, sizeof(o));
    o.source.host = "127.0.0.1";
    o.source.port = (unsigned)e->port;
    o.source.user = "root";
    o.source.db = "vt_bench";
    o.position = start;
    o.stop_position = stop;
    *rows = 0;
    if (vr_filter_new(&rule, 1, NULL, &f, &err) != VR_OK || vr_fstream_open(&o, f, &fs, &err) != VR_OK)
        bench_die("stream", err.msg);
    while (vr_fstream_next(fs, &ev, &err) == VR_OK && ev)
        if (ev->type == VR_VEVENT_ROW)
            *rows += (long)ev->nrows;
    vr_fstream_close(fs);
    vr_filter_free(f);
    return bench_now() - t0;
}

static void throughput(env_t *e, long rows)
{
    acks_t a;
    vr_notify_engine_t *eng;
    char *start, *stop;
    double t0, dt, dk, ds;
    size_t avg = 0;
    long srows;
    uint64_t last;

    memset(&a, 0, sizeof(a));
    create_wf(e, "tput");
    start = bench_scalar(e->c, "SELECT @@gtid_binlog_pos", 0);
    load(e, rows);
    stop = bench_scalar(e->c, "SELECT @@gtid_binlog_pos", 0);
    last = gtid_seq(stop);
    t0 = bench_now();
    eng = engine(e, "tput", &a);
    while (atomic_load(&a.last_seq) < last)
        usleep(1000);
    dt = bench_now() - t0;
    vr_notify_engine_free(eng);
    dk = baseline_librdkafka(e, rows, &avg);
    ds = baseline_stream(e, start, stop, &srows);
    printf("throughput: %ld row inserts in 1000-row transactions, ~%zu-byte messages, "
           "idempotent + zstd, mock cluster of 3 brokers\n", rows, avg);
    printf("  %-44s %8.2f s %12.0f msg/s\n", "notify: binlog -> broker ack", dt, rows / dt);
    printf("  %-44s %8.2f s %12.0f msg/s\n", "baseline: librdkafka alone, pre-encoded", dk, rows / dk);
    printf("  %-44s %8.2f s %12.0f rows/s\n", "baseline: filtered binlog stream alone", ds, srows / ds);
    fflush(stdout);
    free(start);
    free(stop);
}

/* ---- latency ------------------------------------------------------------------------- */

typedef struct watch {
    env_t *e;
    const char *start;
    uint64_t base;
    size_t n;
    double *t_seen;
    atomic_bool stop;
} watch_t;

/* A plain vstream noting when each transaction's COMMIT arrives. */
static void *watch_main(void *arg)
{
    watch_t *w = arg;
    vr_vstream_opts_t o;
    vr_vstream_t *s = NULL;
    const vr_vevent_t *ev;
    const char *tables[] = {"orders"};
    vr_error_t err;
    memset(&o, 0, sizeof(o));
    o.source.host = "127.0.0.1";
    o.source.port = (unsigned)w->e->port;
    o.source.user = "root";
    o.source.db = "vt_bench";
    o.position = w->start;
    o.tables = tables;
    o.ntables = 1;
    o.heartbeat_ms = 100;
    if (vr_vstream_open(&o, &s, &err) != VR_OK)
        bench_die("watch", err.msg);
    while (!atomic_load(&w->stop) && vr_vstream_next(s, &ev, &err) == VR_OK && ev) {
        uint64_t seq;
        if (ev->type != VR_VEVENT_COMMIT)
            continue;
        seq = gtid_seq(ev->gtid);
        if (seq > w->base && seq - w->base - 1 < w->n)
            w->t_seen[seq - w->base - 1] = bench_now();
    }
    vr_vstream_close(s);
    return NULL;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static void percentiles(const char *what, const double *t_commit, const double *t_end, size_t n)
{
    double *lat = vr_xcalloc(n, sizeof(double));
    size_t i, m = 0;
    for (i = 0; i < n; i++)
        if (t_end[i] > 0)
            lat[m++] = t_end[i] > t_commit[i] ? (t_end[i] - t_commit[i]) * 1000 : 0;
    qsort(lat, m, sizeof(double), cmp_double);
    if (m)
        printf("  %-44s p50 %6.2f ms  p99 %6.2f ms  max %7.2f ms  (%zu of %zu)\n", what,
               lat[m / 2], lat[m * 99 / 100], lat[m - 1], m, n);
    free(lat);
}

static void latency(env_t *e, int rate, int seconds)
{
    int per_txn = 10, ntx = rate / per_txn * seconds, i, k;
    acks_t a;
    watch_t w;
    pthread_t wt;
    vr_notify_engine_t *eng;
    double *t_commit = vr_xcalloc((size_t)ntx, sizeof(double)), t0, next;
    char *start, q[4096];
    size_t len;
    long id = 10000000;
    double wait_until;

    memset(&a, 0, sizeof(a));
    memset(&w, 0, sizeof(w));
    create_wf(e, "lat");
    start = bench_scalar(e->c, "SELECT @@gtid_binlog_pos", 0);
    a.base = w.base = gtid_seq(start);
    a.n = w.n = (size_t)ntx;
    a.t_ack = vr_xcalloc((size_t)ntx, sizeof(double));
    w.t_seen = vr_xcalloc((size_t)ntx, sizeof(double));
    w.e = e;
    w.start = start;
    eng = engine(e, "lat", &a);
    pthread_create(&wt, NULL, watch_main, &w);
    while (vr_notify_engine_running(eng) == 0)
        usleep(1000);
    usleep(300000); /* streams connected */
    t0 = next = bench_now();
    for (i = 0; i < ntx; i++) {
        len = (size_t)snprintf(q, sizeof(q), "INSERT INTO orders VALUES ");
        for (k = 0; k < per_txn; k++, id++)
            len += (size_t)snprintf(q + len, sizeof(q) - len,
                                    "%s(%ld,1,%ld,9.99,'c','2024-05-01 12:00:00.000','n')",
                                    k ? "," : "", id, id);
        bench_sql(e->c, q); /* autocommit: one transaction */
        t_commit[i] = bench_now();
        next += 1.0 / (rate / per_txn);
        while (bench_now() < next)
            ;
    }
    wait_until = bench_now() + 30;
    while (atomic_load(&a.last_seq) < a.base + (uint64_t)ntx && bench_now() < wait_until)
        usleep(1000);
    atomic_store(&w.stop, true);
    pthread_join(wt, NULL);
    vr_notify_engine_free(eng);
    printf("latency: %d changes/s offered as %d-row transactions for %d s (%.0f changes/s "
           "achieved)\n", rate, per_txn, seconds, ntx * per_txn / (t_commit[ntx - 1] - t0));
    percentiles("notify: COMMIT returned -> broker ack", t_commit, a.t_ack, (size_t)ntx);
    percentiles("baseline: COMMIT returned -> vstream event", t_commit, w.t_seen, (size_t)ntx);
    free(t_commit);
    free(a.t_ack);
    free(w.t_seen);
    free(start);
}

int main(int argc, char **argv)
{
    long rows = 200000;
    int rate = 10000, seconds = 5, i;
    bench_set_name("bench_notify");
    env_t e;
    vr_error_t err;

    for (i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--rows") == 0 && i + 1 < argc)
            rows = atol(argv[++i]);
        else if (strcmp(argv[i], "--rate") == 0 && i + 1 < argc)
            rate = atoi(argv[++i]);
        else if (strcmp(argv[i], "--seconds") == 0 && i + 1 < argc)
            seconds = atoi(argv[++i]);
        else {
            fprintf(stderr, "usage: bench_notify [--rows N] [--rate CHANGES_PER_S] [--seconds S]\n");
            return 2;
        }
    }
    vr_log_set_level(VR_LOG_WARN);
    memset(&e, 0, sizeof(e));
    server_start(&e);
    topo_start(&e);
    kafka_start(&e);
    throughput(&e, rows);
    latency(&e, rate, seconds);
    vr_topo_close(e.topo);
    rd_kafka_mock_cluster_destroy(e.mc);
    rd_kafka_destroy(e.mrk);
    mysql_close(e.c);
    if (vr_mysqld_stop(e.pid, e.dir, 30000, &err) != VR_OK)
        fprintf(stderr, "bench_notify: stopping mariadbd: %s\n", err.msg);
    vr_rmtree(e.dir);
    free(e.dir);
    return 0;
}
