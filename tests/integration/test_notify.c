/*
 * notify/ end to end: real mariadbd shards, librdkafka's mock cluster in
 * the test process (the real Kafka protocol on loopback), read back with
 * a real librdkafka consumer and with kcat.
 *
 * A model of a random workload says which messages each key must get, in
 * order: c/u/d with their images, a tombstone after each delete, a key
 * change as delete + tombstone + create.  Without crashes every message
 * arrives exactly once and in order; with the notifier killed (-9)
 * several times, each key's expected messages must appear in order
 * within what arrived (at least once, none missing).
 *
 * Every test has the same .timeout: Criterion 2.4.1's runner leaks a
 * timeout request (48 bytes, reported by LeakSanitizer) when tests with
 * different timeouts run in parallel.
 */
#include <criterion/criterion.h>
#include <jansson.h>
#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "vr_common.h"
#include "vr_harness.h"
#include "vr_notify.h"
#include "vr_topo.h"

#define TOPIC "feed.shop.items"
#define NSHARDS 2
static const char *SHARDS[NSHARDS] = {"-80", "80-"};

/* ---- the mock cluster and a consumer ------------------------------------------ */

typedef struct kmsg {
    char *topic;
    int32_t partition;
    char *key;
    char *val; /* NULL: tombstone */
} kmsg_t;

typedef struct kafka {
    rd_kafka_t *mrk;                /* owns the mock cluster */
    rd_kafka_mock_cluster_t *mc;
    char *bootstrap;
    rd_kafka_t *consumer;
    pthread_t thr;
    bool thr_started;
    atomic_bool stop;
    pthread_mutex_t mu;
    kmsg_t *m;
    size_t n, cap;
} kafka_t;

static void quiet_log(const rd_kafka_t *rk, int level, const char *fac, const char *buf)
{
    (void)rk, (void)level, (void)fac, (void)buf;
}

static void *consume_main(void *arg)
{
    kafka_t *k = arg;
    while (!atomic_load(&k->stop)) {
        rd_kafka_message_t *m = rd_kafka_consumer_poll(k->consumer, 50);
        kmsg_t km;
        if (!m)
            continue;
        if (m->err) {
            rd_kafka_message_destroy(m);
            continue;
        }
        km.topic = vr_xstrdup(rd_kafka_topic_name(m->rkt));
        km.partition = m->partition;
        km.key = m->key ? vr_xstrndup(m->key, m->key_len) : vr_xstrdup("null");
        km.val = m->payload ? vr_xstrndup(m->payload, m->len) : NULL;
        pthread_mutex_lock(&k->mu);
        if (k->n == k->cap) {
            k->cap = k->cap ? k->cap * 2 : 256;
            k->m = vr_xrealloc(k->m, k->cap * sizeof(*k->m));
        }
        k->m[k->n++] = km;
        pthread_mutex_unlock(&k->mu);
        rd_kafka_message_destroy(m);
    }
    return NULL;
}

static void kafka_start(kafka_t *k, const char *const *topics, size_t ntopics)
{
    rd_kafka_conf_t *conf = rd_kafka_conf_new();
    rd_kafka_topic_partition_list_t *parts;
    char errstr[512];
    size_t i;
    int p;

    memset(k, 0, sizeof(*k));
    pthread_mutex_init(&k->mu, NULL);
    rd_kafka_conf_set_log_cb(conf, quiet_log);
    k->mrk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, errstr, sizeof(errstr));
    cr_assert_not_null(k->mrk, "%s", errstr);
    k->mc = rd_kafka_mock_cluster_new(k->mrk, 3);
    cr_assert_not_null(k->mc);
    k->bootstrap = vr_xstrdup(rd_kafka_mock_cluster_bootstraps(k->mc));
    for (i = 0; i < ntopics; i++)
        cr_assert_eq(rd_kafka_mock_topic_create(k->mc, topics[i], 4, 3), 0);

    conf = rd_kafka_conf_new();
    rd_kafka_conf_set_log_cb(conf, quiet_log);
    cr_assert_eq(rd_kafka_conf_set(conf, "bootstrap.servers", k->bootstrap, errstr, sizeof(errstr)), 0);
    cr_assert_eq(rd_kafka_conf_set(conf, "group.id", "itest", errstr, sizeof(errstr)), 0);
    cr_assert_eq(rd_kafka_conf_set(conf, "enable.auto.commit", "false", errstr, sizeof(errstr)), 0);
    k->consumer = rd_kafka_new(RD_KAFKA_CONSUMER, conf, errstr, sizeof(errstr));
    cr_assert_not_null(k->consumer, "%s", errstr);
    parts = rd_kafka_topic_partition_list_new(16);
    for (i = 0; i < ntopics; i++)
        for (p = 0; p < 4; p++)
            rd_kafka_topic_partition_list_add(parts, topics[i], p)->offset = RD_KAFKA_OFFSET_BEGINNING;
    cr_assert_eq(rd_kafka_assign(k->consumer, parts), 0);
    rd_kafka_topic_partition_list_destroy(parts);
    cr_assert_eq(pthread_create(&k->thr, NULL, consume_main, k), 0);
    k->thr_started = true;
}

static void kafka_stop(kafka_t *k)
{
    size_t i;
    atomic_store(&k->stop, true);
    if (k->thr_started)
        pthread_join(k->thr, NULL);
    if (k->consumer) {
        rd_kafka_consumer_close(k->consumer);
        rd_kafka_destroy(k->consumer);
    }
    if (k->mc)
        rd_kafka_mock_cluster_destroy(k->mc);
    if (k->mrk)
        rd_kafka_destroy(k->mrk);
    for (i = 0; i < k->n; i++) {
        free(k->m[i].topic);
        free(k->m[i].key);
        free(k->m[i].val);
    }
    free(k->m);
    free(k->bootstrap);
    pthread_mutex_destroy(&k->mu);
}

static size_t kafka_count(kafka_t *k, const char *topic)
{
    size_t i, n = 0;
    pthread_mutex_lock(&k->mu);
    for (i = 0; i < k->n; i++)
        n += strcmp(k->m[i].topic, topic) == 0;
    pthread_mutex_unlock(&k->mu);
    return n;
}

/* ---- shards and the topology ------------------------------------------------- */

typedef struct env {
    vr_h_server_t *srv[NSHARDS];
    MYSQL *c[NSHARDS];
    size_t nshards;
    char *dir;
    vr_topo_t *topo;
} env_t;

static void add_shard(env_t *e, size_t i)
{
    vr_tablet_t tab;
    vr_error_t err;
    memset(&tab, 0, sizeof(tab));
    snprintf(tab.alias, sizeof(tab.alias), "zone1-%010u", 100 * (unsigned)(i + 1));
    snprintf(tab.cell, sizeof(tab.cell), "zone1");
    tab.uid = 100 * (unsigned)(i + 1);
    snprintf(tab.keyspace, sizeof(tab.keyspace), "shop");
    snprintf(tab.shard, sizeof(tab.shard), "%s", e->nshards == 1 ? "0" : SHARDS[i]);
    tab.type = VR_TABLET_PRIMARY;
    snprintf(tab.host, sizeof(tab.host), "127.0.0.1");
    tab.port = vr_h_server_port(e->srv[i]);
    snprintf(tab.db_name, sizeof(tab.db_name), "vt_shop");
    cr_assert_eq(vr_topo_create_shard(e->topo, "shop", tab.shard, &err), VR_OK, "%s", err.msg);
    cr_assert_eq(vr_topo_put_tablet(e->topo, &tab, &err), VR_OK, "%s", err.msg);
}

static void env_start(env_t *e, size_t nshards, const char *extra_ddl)
{
    vr_error_t err;
    char *path;
    size_t i;
    memset(e, 0, sizeof(*e));
    e->nshards = nshards;
    e->dir = vr_h_tmpdir("notify");
    path = vr_xasprintf("%s/topo.db", e->dir);
    cr_assert_eq(vr_topo_open(path, &e->topo, &err), VR_OK, "%s", err.msg);
    free(path);
    cr_assert_eq(vr_topo_create_keyspace(e->topo, "shop", &err), VR_OK, "%s", err.msg);
    for (i = 0; i < nshards; i++) {
        e->srv[i] = vr_h_server_start(NULL);
        e->c[i] = vr_h_connect(e->srv[i], NULL);
        vr_h_exec(e->c[i], "CREATE DATABASE vt_shop");
        vr_h_exec(e->c[i], "USE vt_shop");
        vr_h_exec(e->c[i], "CREATE TABLE items (id INT PRIMARY KEY, v INT, s VARCHAR(32))");
        if (extra_ddl)
            vr_h_exec(e->c[i], "%s", extra_ddl);
        add_shard(e, i);
    }
}

static void env_stop(env_t *e)
{
    size_t i;
    for (i = 0; i < e->nshards; i++) {
        mysql_close(e->c[i]);
        vr_h_server_stop(e->srv[i]);
    }
    vr_topo_close(e->topo);
    vr_h_rmrf(e->dir);
    free(e->dir);
}

static void create_wf(env_t *e, const char *name, const char *brokers, const char *tables,
                      bool snapshot, const char *const *conf)
{
    vr_notify_def_t *d = vr_notify_def_new();
    vr_error_t err;
    d->name = vr_xstrdup(name);
    d->keyspace = vr_xstrdup("shop");
    d->brokers = vr_xstrdup(brokers);
    d->topic_prefix = vr_xstrdup("feed");
    d->tables = vr_xcalloc(1, sizeof(char *));
    d->tables[0] = vr_xstrdup(tables);
    d->ntables = 1;
    d->snapshot = snapshot;
    for (; conf && *conf; conf++)
        cr_assert_eq(vr_notify_def_add_conf(d, *conf, &err), VR_OK, "%s", err.msg);
    cr_assert_eq(vr_notify_create(e->topo, d, &err), VR_OK, "%s", err.msg);
    vr_notify_def_free(d);
}

static vr_notify_engine_t *engine_start(env_t *e, const char *only)
{
    vr_notify_engine_opts_t o = {0};
    vr_notify_engine_t *eng = NULL;
    vr_error_t err;
    o.workflow = only;
    o.poll_ms = 100;
    o.save_ms = 50;
    o.status_ms = 200;
    o.heartbeat_ms = 200;
    o.retry_min_ms = 200;
    o.retry_max_ms = 1000;
    o.lock_ttl_s = 3;
    o.flush_ms = 3000;
    cr_assert_eq(vr_notify_engine_new(e->topo, &o, &eng, &err), VR_OK, "%s", err.msg);
    cr_assert_eq(vr_notify_engine_start(eng, &err), VR_OK, "%s", err.msg);
    return eng;
}

/* ---- the workload and its model --------------------------------------------------- */

#define MAXID 64

typedef struct expect {
    char *key;
    char *what; /* "c|before|after", "T" for a tombstone */
} expect_t;

typedef struct model {
    bool live[MAXID];
    int v[MAXID];
    char s[MAXID][16];
    expect_t *ex;
    size_t nex, cap;
    unsigned seed;
} model_t;

static void image(char *buf, size_t n, const model_t *m, int id)
{
    snprintf(buf, n, "{\"id\":%d,\"v\":%d,\"s\":\"%s\"}", id, m->v[id], m->s[id]);
}

static void expect(model_t *m, int id, char op, const char *before, const char *after)
{
    char key[32];
    snprintf(key, sizeof(key), "{\"id\":%d}", id);
    if (m->nex == m->cap) {
        m->cap = m->cap ? m->cap * 2 : 256;
        m->ex = vr_xrealloc(m->ex, m->cap * sizeof(*m->ex));
    }
    m->ex[m->nex].key = vr_xstrdup(key);
    m->ex[m->nex].what = op == 'T' ? vr_xstrdup("T")
                                   : vr_xasprintf("%c|%s|%s", op, before ? before : "null",
                                                  after ? after : "null");
    m->nex++;
}

static int pick(model_t *m, int shard, bool live)
{
    int tries;
    for (tries = 0; tries < 200; tries++) {
        int id = 2 + (int)(rand_r(&m->seed) % (MAXID - 2));
        if (id % NSHARDS == shard && m->live[id] == live)
            return id;
    }
    return -1;
}

/* One random statement on a shard, applied to the model. */
static void one_op(model_t *m, MYSQL *c, int shard)
{
    char b[128], a[128];
    int r = (int)(rand_r(&m->seed) % 10), id = pick(m, shard, r >= 3), to;
    if (id < 0)
        return;
    if (r < 3) { /* insert */
        m->live[id] = true;
        m->v[id] = (int)(rand_r(&m->seed) % 1000);
        snprintf(m->s[id], sizeof(m->s[id]), "s%u", rand_r(&m->seed) % 100);
        vr_h_exec(c, "INSERT INTO items VALUES (%d, %d, '%s')", id, m->v[id], m->s[id]);
        image(a, sizeof(a), m, id);
        expect(m, id, 'c', NULL, a);
    } else if (r < 7) { /* update in place (v always changes) */
        image(b, sizeof(b), m, id);
        m->v[id] += 1 + (int)(rand_r(&m->seed) % 50);
        snprintf(m->s[id], sizeof(m->s[id]), "u%u", rand_r(&m->seed) % 100);
        vr_h_exec(c, "UPDATE items SET v=%d, s='%s' WHERE id=%d", m->v[id], m->s[id], id);
        image(a, sizeof(a), m, id);
        expect(m, id, 'u', b, a);
    } else if (r < 9) { /* delete */
        image(b, sizeof(b), m, id);
        m->live[id] = false;
        vr_h_exec(c, "DELETE FROM items WHERE id=%d", id);
        expect(m, id, 'd', b, NULL);
        expect(m, id, 'T', NULL, NULL);
    } else if ((to = pick(m, shard, false)) >= 0) { /* the key changes */
        image(b, sizeof(b), m, id);
        m->live[to] = true;
        m->live[id] = false;
        m->v[to] = m->v[id];
        memcpy(m->s[to], m->s[id], sizeof(m->s[to]));
        vr_h_exec(c, "UPDATE items SET id=%d WHERE id=%d", to, id);
        image(a, sizeof(a), m, to);
        expect(m, id, 'd', b, NULL);
        expect(m, id, 'T', NULL, NULL);
        expect(m, to, 'c', NULL, a);
    }
}

/* ntxn transactions of 1-3 statements, on random shards. */
static void workload(model_t *m, env_t *e, int ntxn)
{
    int t, k, n;
    for (t = 0; t < ntxn; t++) {
        int shard = (int)(rand_r(&m->seed) % e->nshards);
        n = 1 + (int)(rand_r(&m->seed) % 3);
        vr_h_exec(e->c[shard], "BEGIN");
        for (k = 0; k < n; k++)
            one_op(m, e->c[shard], shard);
        vr_h_exec(e->c[shard], "COMMIT");
    }
}

static void model_free(model_t *m)
{
    size_t i;
    for (i = 0; i < m->nex; i++) {
        free(m->ex[i].key);
        free(m->ex[i].what);
    }
    free(m->ex);
}

/* "op|before|after" of a received message ("T": tombstone). */
static char *received(const kmsg_t *km)
{
    json_t *o, *b, *a;
    char *sb, *sa, *out;
    if (!km->val)
        return vr_xstrdup("T");
    o = json_loads(km->val, 0, NULL);
    cr_assert_not_null(o, "not JSON: %s", km->val);
    b = json_object_get(o, "before");
    a = json_object_get(o, "after");
    sb = json_dumps(b, JSON_COMPACT | JSON_PRESERVE_ORDER | JSON_ENCODE_ANY);
    sa = json_dumps(a, JSON_COMPACT | JSON_PRESERVE_ORDER | JSON_ENCODE_ANY);
    out = vr_xasprintf("%s|%s|%s", json_string_value(json_object_get(o, "op")), sb, sa);
    free(sb);
    free(sa);
    json_decref(o);
    return out;
}

/* Per key: exact equality (exact) or the expected list as an ordered
 * subsequence of what arrived; all of a key's messages in one partition. */
static void check_keys(kafka_t *k, const model_t *m, bool exact)
{
    size_t i, j;
    pthread_mutex_lock(&k->mu);
    for (i = 0; i < m->nex; i++) {
        const char *key = m->ex[i].key;
        size_t want = 0, got = 0, ei = 0;
        int32_t part = -1;
        bool first = true;
        for (j = 0; j < i; j++)
            first = first && strcmp(m->ex[j].key, key) != 0;
        if (!first)
            continue;
        for (j = 0; j < m->nex; j++)
            want += strcmp(m->ex[j].key, key) == 0;
        for (j = 0; j < k->n; j++) {
            char *r;
            if (strcmp(k->m[j].topic, TOPIC) != 0 || strcmp(k->m[j].key, key) != 0)
                continue;
            cr_assert(part < 0 || part == k->m[j].partition, "key %s in two partitions", key);
            part = k->m[j].partition;
            r = received(&k->m[j]);
            got++;
            while (ei < m->nex && strcmp(m->ex[ei].key, key) != 0)
                ei++;
            if (ei < m->nex && strcmp(m->ex[ei].what, r) == 0)
                ei++; /* matched the next expected one */
            else
                cr_assert(!exact, "key %s: message %zu is %s, expected %s", key, got, r,
                          ei < m->nex ? m->ex[ei].what : "nothing more");
            free(r);
        }
        while (ei < m->nex && strcmp(m->ex[ei].key, key) != 0)
            ei++;
        cr_assert(ei == m->nex, "key %s: expected %s is missing (%zu of %zu arrived in order)",
                  key, m->ex[ei < m->nex ? ei : 0].what, got, want);
        if (exact)
            cr_assert_eq(got, want, "key %s: %zu messages, expected %zu", key, got, want);
    }
    pthread_mutex_unlock(&k->mu);
}

typedef struct count_arg {
    kafka_t *k;
    const char *topic;
    size_t want;
} count_arg_t;

static bool have_count(void *arg)
{
    count_arg_t *a = arg;
    return kafka_count(a->k, a->topic) >= a->want;
}

typedef struct pos_arg {
    env_t *e;
    const char *wf;
} pos_arg_t;

/* Every shard's saved position is its primary's binlog position. */
static bool positions_caught_up(void *arg)
{
    pos_arg_t *a = arg;
    size_t i;
    for (i = 0; i < a->e->nshards; i++) {
        char *pos = NULL, *want = vr_h_scalar(a->e->c[i], "SELECT @@gtid_binlog_pos");
        vr_error_t err;
        bool ok = vr_notify_saved_position(a->e->topo, a->wf, a->e->nshards == 1 ? "0" : SHARDS[i],
                                           NULL, &pos, &err) == VR_OK &&
                  strcmp(pos, want) == 0;
        free(pos);
        free(want);
        if (!ok)
            return false;
    }
    return true;
}

/* ---- a random workload, exactly once, in order ---------------------------------- */

Test(notify, random_workload_arrives_in_order_with_images_and_tombstones, .timeout = 240)
{
    static const char *const topics[] = {TOPIC, "feed.shop.schema-changes"};
    env_t e;
    static kafka_t k; /* its consumer thread may outlive a failed assertion */
    model_t m = {0};
    vr_notify_engine_t *eng;
    count_arg_t ca;
    pos_arg_t pa;
    char *out = NULL, *line, *save = NULL;
    size_t lines = 0, i;
    json_t *o;

    m.seed = (unsigned)time(NULL);
    fprintf(stderr, "notify workload seed %u\n", m.seed);
    env_start(&e, NSHARDS, NULL);
    kafka_start(&k, topics, 2);
    create_wf(&e, "feed", k.bootstrap, "items", false, NULL);
    eng = engine_start(&e, NULL);
    workload(&m, &e, 150);
    vr_h_exec(e.c[0], "ALTER TABLE items ADD COLUMN note TEXT");
    ca = (count_arg_t){&k, TOPIC, m.nex};
    cr_assert(vr_h_wait_until(have_count, &ca, 60000), "%zu of %zu messages arrived",
              kafka_count(&k, TOPIC), m.nex);
    ca = (count_arg_t){&k, "feed.shop.schema-changes", 1};
    cr_assert(vr_h_wait_until(have_count, &ca, 30000), "no schema change arrived");
    pa = (pos_arg_t){&e, "feed"};
    cr_assert(vr_h_wait_until(positions_caught_up, &pa, 30000), "positions did not catch up");
    vr_notify_engine_free(eng);
    check_keys(&k, &m, true);

    /* the envelope's source block, and the schema change */
    pthread_mutex_lock(&k.mu);
    for (i = 0; i < k.n && (!k.m[i].val || strcmp(k.m[i].topic, TOPIC) != 0); i++)
        ;
    o = json_loads(k.m[i].val, 0, NULL);
    cr_assert_str_eq(json_string_value(json_object_get(json_object_get(o, "source"), "connector")), "vrepl");
    cr_assert_str_eq(json_string_value(json_object_get(json_object_get(o, "source"), "keyspace")), "shop");
    cr_assert_str_eq(json_string_value(json_object_get(json_object_get(o, "source"), "db")), "vt_shop");
    cr_assert_str_eq(json_string_value(json_object_get(json_object_get(o, "source"), "table")), "items");
    cr_assert_str_eq(json_string_value(json_object_get(json_object_get(o, "source"), "name")), "feed");
    cr_assert(json_integer_value(json_object_get(json_object_get(o, "source"), "server_id")) > 0);
    json_decref(o);
    for (i = 0; i < k.n && strcmp(k.m[i].topic, "feed.shop.schema-changes") != 0; i++)
        ;
    cr_assert(strstr(k.m[i].val, "\"ddl\":\"ALTER TABLE items ADD COLUMN note TEXT\"") != NULL,
              "%s", k.m[i].val);
    pthread_mutex_unlock(&k.mu);

    /* a standard client reads the same topic */
    cr_assert_eq(vr_h_run(&out, "kcat -C -b %s -t %s -e -q -Z -f '%%k\\t%%s\\n'", k.bootstrap,
                          TOPIC), 0, "%s", out);
    for (line = strtok_r(out, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
        char *tab = strchr(line, '\t');
        cr_assert_not_null(tab, "kcat line: %s", line);
        lines++;
        if (strcmp(tab + 1, "NULL") != 0) {
            o = json_loads(tab + 1, 0, NULL);
            cr_assert_not_null(o, "kcat read invalid JSON: %s", tab + 1);
            json_decref(o);
        }
    }
    cr_assert_eq(lines, m.nex, "kcat read %zu messages, expected %zu", lines, m.nex);
    free(out);
    model_free(&m);
    kafka_stop(&k);
    env_stop(&e);
}

/* ---- kill -9 of the notifier, several times --------------------------------------- */

static pid_t spawn_notifier(const char *dir)
{
    char *log = vr_xasprintf("%s/notify.log", dir);
    pid_t parent = getpid(), pid = fork();
    cr_assert(pid >= 0);
    if (pid == 0) {
        FILE *f = freopen(log, "a", stderr);
        (void)f;
        prctl(PR_SET_PDEATHSIG, SIGKILL);
        if (getppid() != parent)
            _exit(127);
        execl(vr_h_vrepl_bin(), "vrepl", "notify", "run", "--var", dir, "--lock-ttl", "2",
              (char *)NULL);
        _exit(127);
    }
    free(log);
    return pid;
}

static void kill9(pid_t pid)
{
    int st;
    kill(pid, SIGKILL);
    waitpid(pid, &st, 0);
}

Test(notify, kill_9_of_the_notifier_loses_nothing, .timeout = 240)
{
    static const char *const topics[] = {TOPIC};
    env_t e;
    static kafka_t k; /* its consumer thread may outlive a failed assertion */
    model_t m = {0};
    count_arg_t ca;
    pos_arg_t pa;
    pid_t pid;
    int round, st;

    if (access(vr_h_vrepl_bin(), X_OK) != 0)
        cr_skip_test("%s is not built", vr_h_vrepl_bin());
    m.seed = (unsigned)time(NULL) ^ 0x5eed;
    fprintf(stderr, "notify kill workload seed %u\n", m.seed);
    env_start(&e, NSHARDS, NULL);
    kafka_start(&k, topics, 1);
    create_wf(&e, "feed", k.bootstrap, "items", false, NULL);
    pid = spawn_notifier(e.dir);
    for (round = 0; round < 4; round++) {
        size_t before = kafka_count(&k, TOPIC);
        workload(&m, &e, 80);
        /* kill while this round's messages are on their way */
        ca = (count_arg_t){&k, TOPIC, before + 1};
        cr_assert(vr_h_wait_until(have_count, &ca, 60000), "round %d: nothing arrived", round);
        kill9(pid);
        workload(&m, &e, 20); /* changes while no notifier runs */
        pid = spawn_notifier(e.dir);
    }
    workload(&m, &e, 50);
    pa = (pos_arg_t){&e, "feed"};
    cr_assert(vr_h_wait_until(positions_caught_up, &pa, 90000), "positions did not catch up");
    ca = (count_arg_t){&k, TOPIC, m.nex};
    cr_assert(vr_h_wait_until(have_count, &ca, 30000), "%zu messages for %zu changes",
              kafka_count(&k, TOPIC), m.nex);
    kill(pid, SIGTERM);
    waitpid(pid, &st, 0);
    cr_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0, "notify run exit status %d", st);
    check_keys(&k, &m, false);
    fprintf(stderr, "kill -9 x4: %zu changes expected, %zu messages arrived\n", m.nex,
            kafka_count(&k, TOPIC));
    model_free(&m);
    kafka_stop(&k);
    env_stop(&e);
}

/* The last message of a key: a tombstone (want NULL) or one containing want. */
static void check_last(kafka_t *k, const char *key, const char *want)
{
    size_t i;
    pthread_mutex_lock(&k->mu);
    for (i = k->n; i-- > 0;)
        if (strcmp(k->m[i].key, key) == 0)
            break;
    cr_assert(i < k->n, "no message for %s", key);
    if (want)
        cr_assert(k->m[i].val && strstr(k->m[i].val, want), "%s: last %s", key, k->m[i].val);
    else
        cr_assert_null(k->m[i].val, "%s: last is %s, not a tombstone", key, k->m[i].val);
    pthread_mutex_unlock(&k->mu);
}

/* ---- snapshot ------------------------------------------------------------------------ */

Test(notify, snapshot_sends_current_rows_then_changes, .timeout = 240)
{
    static const char *const topics[] = {TOPIC};
    env_t e;
    static kafka_t k; /* its consumer thread may outlive a failed assertion */
    vr_notify_engine_t *eng;
    count_arg_t ca;
    pos_arg_t pa;
    size_t i, reads = 0;
    bool seen7 = false;
    char *phase = NULL;
    vr_error_t err;

    env_start(&e, 1, NULL);
    kafka_start(&k, topics, 1);
    for (i = 1; i <= 300; i++)
        vr_h_exec(e.c[0], "INSERT INTO items VALUES (%zu, %zu, 'snap')", i, i * 10);
    create_wf(&e, "feed", k.bootstrap, "items", true, NULL);
    cr_assert_eq(vr_notify_saved_position(e.topo, "feed", "0", &phase, NULL, &err), VR_OK);
    cr_assert_str_eq(phase, "snapshot");
    free(phase);
    eng = engine_start(&e, NULL);
    /* once the copy is under way, its GTID is fixed: these come after it */
    ca = (count_arg_t){&k, TOPIC, 1};
    cr_assert(vr_h_wait_until(have_count, &ca, 30000), "no snapshot row arrived");
    vr_h_exec(e.c[0], "UPDATE items SET v=-1 WHERE id=7");
    vr_h_exec(e.c[0], "DELETE FROM items WHERE id=8");
    vr_h_exec(e.c[0], "INSERT INTO items VALUES (1000, 1, 'new')");
    pa = (pos_arg_t){&e, "feed"};
    cr_assert(vr_h_wait_until(positions_caught_up, &pa, 60000), "positions did not catch up");
    ca = (count_arg_t){&k, TOPIC, 300 + 4};
    cr_assert(vr_h_wait_until(have_count, &ca, 30000));
    vr_notify_engine_free(eng);
    cr_assert_eq(kafka_count(&k, TOPIC), 304, "exactly the rows and the changes");
    pthread_mutex_lock(&k.mu);
    for (i = 0; i < k.n; i++) {
        const char *v = k.m[i].val;
        reads += v && strstr(v, "\"op\":\"r\"") != NULL;
        if (strcmp(k.m[i].key, "{\"id\":7}") == 0 && !seen7) /* a key's copy before its changes */
            cr_assert(v && strstr(v, "\"op\":\"r\"") && strstr(v, "\"v\":70,"), "%s", v);
        seen7 = seen7 || strcmp(k.m[i].key, "{\"id\":7}") == 0;
    }
    cr_assert_eq(reads, 300, "%zu snapshot rows", reads);
    pthread_mutex_unlock(&k.mu);
    check_last(&k, "{\"id\":7}", "\"op\":\"u\",");
    check_last(&k, "{\"id\":8}", NULL);
    check_last(&k, "{\"id\":1000}", "\"op\":\"c\",");
    kafka_stop(&k);
    env_stop(&e);
}

/* ---- bad input --------------------------------------------------------------------- */

typedef struct state_arg {
    vr_topo_t *topo;
    const char *wf;
    const char *want; /* substring of the show JSON */
} state_arg_t;

static bool show_has(void *arg)
{
    state_arg_t *a = arg;
    vr_buf_t b = VR_BUF_INIT;
    vr_error_t err;
    bool ok = vr_notify_show_json(a->topo, a->wf, 10, &b, &err) == VR_OK &&
              strstr(b.data, a->want) != NULL;
    vr_buf_free(&b);
    return ok;
}

static char *saved(env_t *e, const char *wf)
{
    char *pos = NULL;
    vr_error_t err;
    cr_assert_eq(vr_notify_saved_position(e->topo, wf, "0", NULL, &pos, &err), VR_OK, "%s", err.msg);
    return pos;
}

static void show(env_t *e, const char *wf)
{
    vr_buf_t b = VR_BUF_INIT;
    vr_error_t err;
    vr_notify_show_json(e->topo, wf, 10, &b, &err);
    fprintf(stderr, "%s\n", b.data ? b.data : err.msg);
    vr_buf_free(&b);
}

typedef struct saved_arg {
    env_t *e;
    const char *wf;
    const char *want;
} saved_arg_t;

static bool saved_is(void *arg)
{
    saved_arg_t *a = arg;
    char *now = saved(a->e, a->wf);
    bool ok = strcmp(now, a->want) == 0;
    free(now);
    return ok;
}

/* Three workflows on one shard, each stuck on its own bad input; the
 * transactions before the bad one (including ones with nothing for the
 * workflow) are passed, the bad one never is. */
Test(notify, bad_brokers_topics_and_sizes_show_errors_and_hold_the_position, .timeout = 240)
{
    static const char *const topics[] = {"feed.shop.items"};
    static const char *const small[] = {"message.max.bytes=3000", NULL};
    env_t e;
    static kafka_t k; /* its consumer thread may outlive a failed assertion */
    vr_notify_engine_t *eng;
    char *p0, *p_items, *p_blobs, *now;
    state_arg_t sa;
    saved_arg_t va;
    pos_arg_t pa;
    char big[5001];

    env_start(&e, 1, "CREATE TABLE blobs (id INT PRIMARY KEY, t LONGTEXT)");
    kafka_start(&k, topics, 1);
    rd_kafka_mock_topic_set_error(k.mc, "feed.shop.denied",
                                  RD_KAFKA_RESP_ERR_TOPIC_AUTHORIZATION_FAILED);
    vr_h_exec(e.c[0], "CREATE TABLE denied (id INT PRIMARY KEY)");
    create_wf(&e, "down", "127.0.0.1:1", "items", false, NULL);
    create_wf(&e, "big", k.bootstrap, "blobs", false, small);
    create_wf(&e, "topic", k.bootstrap, "denied", false, NULL);
    p0 = saved(&e, "down");
    eng = engine_start(&e, NULL);
    vr_h_exec(e.c[0], "INSERT INTO items VALUES (1, 1, 'x')");
    p_items = vr_h_scalar(e.c[0], "SELECT @@gtid_binlog_pos");
    memset(big, 'b', sizeof(big) - 1);
    big[sizeof(big) - 1] = 0;
    vr_h_exec(e.c[0], "INSERT INTO blobs VALUES (1, '%s')", big);
    p_blobs = vr_h_scalar(e.c[0], "SELECT @@gtid_binlog_pos");
    vr_h_exec(e.c[0], "INSERT INTO denied VALUES (1)");

    sa = (state_arg_t){e.topo, "down", "\"state\":\"error\""};
    cr_assert(vr_h_wait_until(show_has, &sa, 30000), "unreachable broker: no error state");
    sa.want = "Connect to ipv4#127.0.0.1:1 failed";
    cr_assert(vr_h_wait_until(show_has, &sa, 30000), "the error does not name the broker");
    show(&e, "down");
    sa = (state_arg_t){e.topo, "big", "over the size limit"};
    cr_assert(vr_h_wait_until(show_has, &sa, 30000), "oversize message: no clear error");
    sa.want = "\"state\":\"error\"";
    cr_assert(vr_h_wait_until(show_has, &sa, 30000), "oversize message: no error state");
    show(&e, "big");
    sa = (state_arg_t){e.topo, "topic", "topic feed.shop.denied cannot be used"};
    cr_assert(vr_h_wait_until(show_has, &sa, 60000), "topic error: no clear error");
    show(&e, "topic");

    /* each position went up to its bad transaction and not past it */
    va = (saved_arg_t){&e, "big", p_items};
    cr_assert(vr_h_wait_until(saved_is, &va, 30000), "big: not at %s", p_items);
    va = (saved_arg_t){&e, "topic", p_blobs};
    cr_assert(vr_h_wait_until(saved_is, &va, 30000), "topic: not at %s", p_blobs);
    now = saved(&e, "down");
    cr_assert_str_eq(now, p0);
    free(now);

    /* the topic's workflow recovers once the topic may be written */
    rd_kafka_mock_topic_set_error(k.mc, "feed.shop.denied", RD_KAFKA_RESP_ERR_NO_ERROR);
    pa = (pos_arg_t){&e, "topic"};
    cr_assert(vr_h_wait_until(positions_caught_up, &pa, 60000), "no recovery after the topic error");
    vr_notify_engine_free(eng);
    now = saved(&e, "down");
    cr_assert_str_eq(now, p0, "stopping must not move the position either");
    free(now);
    now = saved(&e, "big");
    cr_assert_str_eq(now, p_items, "retries must not move the position either");
    free(now);
    free(p0);
    free(p_items);
    free(p_blobs);
    kafka_stop(&k);
    env_stop(&e);
}

/* ---- the CLI ------------------------------------------------------------------------- */

Test(notify, cli_create_list_show_stop_start_delete, .timeout = 240)
{
    env_t e;
    static kafka_t k; /* its consumer thread may outlive a failed assertion */
    char *out = NULL;
    const char *bin = vr_h_vrepl_bin();

    if (access(bin, X_OK) != 0)
        cr_skip_test("%s is not built", bin);
    env_start(&e, 1, NULL);
    kafka_start(&k, NULL, 0);
    cr_assert_eq(vr_h_run(&out, "%s notify create --var %s --workflow w1 --keyspace nope "
                                "--tables items --brokers %s", bin, e.dir, k.bootstrap), 1);
    cr_assert(strstr(out, "keyspace 'nope' does not exist") != NULL, "%s", out);
    free(out);
    cr_assert_eq(vr_h_run(&out, "%s notify create --var %s --workflow w1 --keyspace shop "
                                "--tables items,missing --brokers %s", bin, e.dir, k.bootstrap), 1);
    cr_assert(strstr(out, "table 'missing' does not exist in keyspace 'shop'") != NULL, "%s", out);
    free(out);
    cr_assert_eq(vr_h_run(&out, "%s notify create --var %s --workflow w1 --keyspace shop "
                                "--tables items --brokers %s --kafka-conf no.such.thing=1", bin,
                          e.dir, k.bootstrap), 1);
    cr_assert(strstr(out, "no.such.thing") != NULL, "%s", out);
    free(out);
    cr_assert_eq(vr_h_run(&out, "%s notify create --var %s --workflow w1 --keyspace shop "
                                "--all --brokers %s --topic-prefix cdc --kafka-conf linger.ms=1",
                          bin, e.dir, k.bootstrap), 0, "%s", out);
    cr_assert(strstr(out, "topics cdc.shop.<table>") != NULL, "%s", out);
    free(out);
    cr_assert_eq(vr_h_run(&out, "%s notify create --var %s --workflow w1 --keyspace shop "
                                "--all --brokers %s", bin, e.dir, k.bootstrap), 1);
    cr_assert(strstr(out, "already exists") != NULL, "%s", out);
    free(out);
    cr_assert_eq(vr_h_run(&out, "%s notify list --var %s", bin, e.dir), 0, "%s", out);
    cr_assert(strstr(out, "w1") && strstr(out, "not running"), "%s", out);
    free(out);
    cr_assert_eq(vr_h_run(&out, "%s notify stop w1 --var %s", bin, e.dir), 0, "%s", out);
    free(out);
    cr_assert_eq(vr_h_run(&out, "%s notify show --workflow w1 --var %s --json", bin, e.dir), 0);
    cr_assert(strstr(out, "\"state\": \"stopped\"") && strstr(out, "\"saved_position\""), "%s", out);
    free(out);
    cr_assert_eq(vr_h_run(&out, "%s notify start w1 --var %s", bin, e.dir), 0, "%s", out);
    free(out);
    /* `vrepl workflow` works on notify workflows too */
    cr_assert_eq(vr_h_run(&out, "%s workflow --var %s list shop", bin, e.dir), 0, "%s", out);
    cr_assert(strstr(out, "shop.w1 (notify)"), "%s", out);
    free(out);
    cr_assert_eq(vr_h_run(&out, "%s workflow --var %s stop shop.w1", bin, e.dir), 0, "%s", out);
    free(out);
    cr_assert_eq(vr_h_run(&out, "%s workflow --var %s show shop.w1", bin, e.dir), 0, "%s", out);
    cr_assert(strstr(out, "\"state\":\"stopped\"") || strstr(out, "\"state\": \"stopped\""),
              "%s", out);
    free(out);
    cr_assert_eq(vr_h_run(&out, "%s workflow --var %s start shop.w1", bin, e.dir), 0, "%s", out);
    free(out);
    cr_assert_eq(vr_h_run(&out, "%s notify delete w1 --var %s", bin, e.dir), 0, "%s", out);
    free(out);
    cr_assert_eq(vr_h_run(&out, "%s notify show w1 --var %s", bin, e.dir), 1);
    cr_assert(strstr(out, "notify workflow 'w1' does not exist") != NULL, "%s", out);
    free(out);
    kafka_stop(&k);
    env_stop(&e);
}
