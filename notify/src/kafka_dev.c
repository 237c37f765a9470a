/*
 * kafka_dev.c - `vrepl kafka-dev`: librdkafka's mock cluster (the real
 * Kafka protocol on loopback) as a broker to try notifications with kcat
 * and no Kafka installed.
 *
 * The mock brokers listen on ports the kernel picks.  With a fixed port
 * asked for, a forwarder listens on 127.0.0.1:port and relays each
 * connection to the first broker: clients bootstrap there, then follow
 * the brokers' advertised (loopback) addresses as Kafka clients do.
 *
 * Threads: the mock cluster runs its own; the forwarder is one thread
 * polling the listener, a wake-up pipe and every relayed pair of sockets.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "vr_common.h"
#include "vr_notify.h"

#define MAX_PAIRS 128

typedef struct pair {
    int a, b; /* client, broker */
} pair_t;

struct vr_kafka_dev {
    rd_kafka_t *rk;
    rd_kafka_mock_cluster_t *mc;
    char *brokers;
    char *bootstrap;
    int listen_fd;
    int wake[2];
    struct sockaddr_in upstream;
    pthread_t thr;
    bool thr_started;
    pair_t pairs[MAX_PAIRS];
    size_t npairs;
};

static void on_log(const rd_kafka_t *rk, int level, const char *fac, const char *buf)
{
    (void)rk;
    (void)level;
    vr_log_debug("kafka", "%s: %s", fac, buf);
}

/* ---- the forwarder ------------------------------------------------------- */

static int connect_upstream(const vr_kafka_dev_t *k)
{
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return -1;
    if (connect(fd, (const struct sockaddr *)&k->upstream, sizeof(k->upstream)) != 0) {
        close(fd);
        return -1;
    }
    return fd;
}

static void accept_one(vr_kafka_dev_t *k)
{
    int c = accept4(k->listen_fd, NULL, NULL, SOCK_CLOEXEC), u;
    if (c < 0)
        return;
    if (k->npairs == MAX_PAIRS || (u = connect_upstream(k)) < 0) {
        close(c);
        return;
    }
    k->pairs[k->npairs++] = (pair_t){c, u};
}

static bool write_all(int fd, const char *p, size_t n)
{
    while (n) {
        ssize_t w = write(fd, p, n);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return false;
        p += w;
        n -= (size_t)w;
    }
    return true;
}

/* Relay what is readable on from to to; false when the pair is done. */
static bool relay(int from, int to)
{
    char buf[65536];
    ssize_t n = read(from, buf, sizeof(buf));
    if (n < 0 && errno == EINTR)
        return true;
    return n > 0 && write_all(to, buf, (size_t)n);
}

static void close_pair(vr_kafka_dev_t *k, size_t i)
{
    close(k->pairs[i].a);
    close(k->pairs[i].b);
    k->pairs[i] = k->pairs[--k->npairs];
}

static void *forward_main(void *arg)
{
    vr_kafka_dev_t *k = arg;
    struct pollfd fds[2 + 2 * MAX_PAIRS];
    for (;;) {
        size_t i, n = 2;
        fds[0] = (struct pollfd){k->wake[0], POLLIN, 0};
        fds[1] = (struct pollfd){k->listen_fd, POLLIN, 0};
        for (i = 0; i < k->npairs; i++) {
            fds[n++] = (struct pollfd){k->pairs[i].a, POLLIN, 0};
            fds[n++] = (struct pollfd){k->pairs[i].b, POLLIN, 0};
        }
        if (poll(fds, n, -1) < 0 && errno != EINTR)
            break;
        if (fds[0].revents)
            break;
        for (i = k->npairs; i-- > 0;) {
            short ra = fds[2 + 2 * i].revents, rb = fds[3 + 2 * i].revents;
            bool ok = true;
            if (ra)
                ok = relay(k->pairs[i].a, k->pairs[i].b);
            if (ok && rb)
                ok = relay(k->pairs[i].b, k->pairs[i].a);
            if (!ok)
                close_pair(k, i);
        }
        if (fds[1].revents & POLLIN)
            accept_one(k);
    }
    while (k->npairs)
        close_pair(k, 0);
    return NULL;
}

static vr_code_t parse_first_broker(vr_kafka_dev_t *k, vr_error_t *err)
{
    char host[64];
    const char *colon = strchr(k->brokers, ':');
    size_t hl = colon ? (size_t)(colon - k->brokers) : 0;
    memset(&k->upstream, 0, sizeof(k->upstream));
    k->upstream.sin_family = AF_INET;
    if (!colon || hl >= sizeof(host))
        return vr_errorf(err, VR_INTERNAL, "mock cluster address '%s'", k->brokers);
    memcpy(host, k->brokers, hl);
    host[hl] = 0;
    k->upstream.sin_port = htons((uint16_t)atoi(colon + 1));
    if (inet_pton(AF_INET, host, &k->upstream.sin_addr) != 1)
        return vr_errorf(err, VR_INTERNAL, "mock cluster address '%s'", k->brokers);
    return VR_OK;
}

static vr_code_t start_forwarder(vr_kafka_dev_t *k, int port, vr_error_t *err)
{
    struct sockaddr_in a;
    int on = 1;
    vr_code_t rc;
    if ((rc = parse_first_broker(k, err)) != VR_OK)
        return rc;
    memset(&a, 0, sizeof(a));
    a.sin_family = AF_INET;
    a.sin_port = htons((uint16_t)port);
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    k->listen_fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (k->listen_fd < 0)
        return vr_errorf(err, VR_IO, "socket: %s", strerror(errno));
    setsockopt(k->listen_fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof(on));
    if (bind(k->listen_fd, (struct sockaddr *)&a, sizeof(a)) != 0 || listen(k->listen_fd, 16) != 0)
        return vr_errorf(err, VR_IO, "listening on 127.0.0.1:%d: %s", port, strerror(errno));
    if (pipe2(k->wake, O_CLOEXEC) != 0)
        return vr_errorf(err, VR_IO, "pipe: %s", strerror(errno));
    if (pthread_create(&k->thr, NULL, forward_main, k) != 0)
        return vr_errorf(err, VR_INTERNAL, "starting the forwarder thread");
    k->thr_started = true;
    k->bootstrap = vr_xasprintf("127.0.0.1:%d", port);
    return VR_OK;
}

/* ---- the cluster --------------------------------------------------------------- */

vr_code_t vr_kafka_dev_start(int nbrokers, int port, vr_kafka_dev_t **out, vr_error_t *err)
{
    vr_kafka_dev_t *k = vr_xcalloc(1, sizeof(*k));
    rd_kafka_conf_t *conf = rd_kafka_conf_new();
    char errstr[512];
    vr_code_t rc = VR_OK;

    *out = NULL;
    k->listen_fd = k->wake[0] = k->wake[1] = -1;
    if (nbrokers < 1 || nbrokers > 16 || port < 0 || port > 65535) {
        rd_kafka_conf_destroy(conf);
        rc = vr_errorf(err, VR_INVALID, "brokers must be 1..16 and the port 0..65535");
        goto out;
    }
    rd_kafka_conf_set_log_cb(conf, on_log);
    if (!(k->rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, errstr, sizeof(errstr)))) {
        rd_kafka_conf_destroy(conf);
        rc = vr_errorf(err, VR_INTERNAL, "librdkafka: %s", errstr);
        goto out;
    }
    if (!(k->mc = rd_kafka_mock_cluster_new(k->rk, nbrokers))) {
        rc = vr_errorf(err, VR_INTERNAL, "could not start librdkafka's mock cluster");
        goto out;
    }
    k->brokers = vr_xstrdup(rd_kafka_mock_cluster_bootstraps(k->mc));
    if (port > 0 && (rc = start_forwarder(k, port, err)) != VR_OK)
        goto out;
    if (!k->bootstrap)
        k->bootstrap = vr_xstrdup(k->brokers);
    *out = k;
    return VR_OK;
out:
    vr_kafka_dev_stop(k);
    return rc;
}

const char *vr_kafka_dev_bootstrap(const vr_kafka_dev_t *k) { return k->bootstrap; }
const char *vr_kafka_dev_brokers(const vr_kafka_dev_t *k) { return k->brokers; }

void vr_kafka_dev_stop(vr_kafka_dev_t *k)
{
    if (!k)
        return;
    if (k->thr_started) {
        ssize_t w = write(k->wake[1], "x", 1);
        (void)w;
        pthread_join(k->thr, NULL);
    }
    if (k->listen_fd >= 0)
        close(k->listen_fd);
    if (k->wake[0] >= 0) {
        close(k->wake[0]);
        close(k->wake[1]);
    }
    if (k->mc)
        rd_kafka_mock_cluster_destroy(k->mc);
    if (k->rk)
        rd_kafka_destroy(k->rk);
    free(k->brokers);
    free(k->bootstrap);
    free(k);
}
