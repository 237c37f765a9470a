/*
 * producer.c - the librdkafka side of a notify workflow: its producer's
 * configuration and the callbacks that carry delivery reports and errors
 * back to the shards.
 *
 * Configuration order: our defaults (enable.idempotence=true, zstd,
 * murmur2_random partitioning as Java clients do, so consumers that join
 * topics by key see the same partitions), bootstrap.servers, then the
 * user's properties, which win.
 *
 * Threads: callbacks run on the runner's poller thread (rd_kafka_poll)
 * except log_cb, which librdkafka calls from its own threads; each takes
 * the lock of what it touches.
 */
#include <stdio.h>
#include <string.h>
#include <syslog.h>

#include "notify_int.h"

static vr_code_t conf_set(rd_kafka_conf_t *conf, const char *k, const char *v, vr_error_t *err)
{
    char errstr[512];
    if (rd_kafka_conf_set(conf, k, v, errstr, sizeof(errstr)) != RD_KAFKA_CONF_OK)
        return vr_errorf(err, VR_INVALID, "kafka property %s=%s: %s", k, v, errstr);
    return VR_OK;
}

vr_code_t nt_kafka_conf(const vr_notify_def_t *d, rd_kafka_conf_t **out, vr_error_t *err)
{
    rd_kafka_conf_t *conf = rd_kafka_conf_new();
    char client_id[128];
    size_t i;
    vr_code_t rc;

    *out = NULL;
    snprintf(client_id, sizeof(client_id), "vrepl-notify-%s", d->name ? d->name : "");
    if ((rc = conf_set(conf, "enable.idempotence", "true", err)) != VR_OK ||
        (rc = conf_set(conf, "compression.type", "zstd", err)) != VR_OK ||
        (rc = conf_set(conf, "partitioner", "murmur2_random", err)) != VR_OK ||
        (rc = conf_set(conf, "client.id", client_id, err)) != VR_OK ||
        (rc = conf_set(conf, "bootstrap.servers", d->brokers ? d->brokers : "", err)) != VR_OK)
        goto out;
    for (i = 0; i < d->nconf; i++)
        if ((rc = conf_set(conf, d->conf_keys[i], d->conf_vals[i], err)) != VR_OK)
            goto out;
    *out = conf;
    conf = NULL;
out:
    if (conf)
        rd_kafka_conf_destroy(conf);
    return rc;
}

static void on_delivery(rd_kafka_t *rk, const rd_kafka_message_t *m, void *opaque)
{
    nt_runner_t *r = opaque;
    uint32_t idx = NT_OPAQUE_IDX(m->_private);
    (void)rk;
    if (idx >= r->nshards) {
        vr_log_error("notify", "%s: delivery report for unknown shard %u", r->def->name, idx);
        return;
    }
    if (m->err == RD_KAFKA_RESP_ERR_NO_ERROR) {
        pthread_mutex_lock(&r->mu);
        r->kafka_down = false;
        pthread_mutex_unlock(&r->mu);
    }
    nt_shard_delivered(&r->shards[idx], NT_OPAQUE_SEQ(m->_private), m->err,
                       m->rkt ? rd_kafka_topic_name(m->rkt) : "?", m->partition);
}

static void on_error(rd_kafka_t *rk, int e, const char *reason, void *opaque)
{
    nt_runner_t *r = opaque;
    char fatal[512];
    bool is_fatal = e == RD_KAFKA_RESP_ERR__FATAL;

    if (is_fatal) {
        rd_kafka_fatal_error(rk, fatal, sizeof(fatal));
        reason = fatal;
    }
    pthread_mutex_lock(&r->mu);
    snprintf(r->kafka_error, sizeof(r->kafka_error), "kafka: %s%s",
             is_fatal ? "fatal: " : "", reason);
    r->kafka_error_at = vr_wall_ms() / 1000;
    r->kafka_down = true;
    pthread_mutex_unlock(&r->mu);
    vr_log_warn("notify", "%s: %s: %s", r->def->name, rd_kafka_err2name((rd_kafka_resp_err_t)e),
                reason);
    if (is_fatal)
        atomic_store(&r->restart, true);
}

static void on_log(const rd_kafka_t *rk, int level, const char *fac, const char *buf)
{
    (void)rk;
    if (level <= LOG_CRIT)
        vr_log_warn("kafka", "%s: %s", fac, buf);
    else
        vr_log_debug("kafka", "%s: %s", fac, buf);
}

vr_code_t nt_producer_new(nt_runner_t *r, vr_error_t *err)
{
    rd_kafka_conf_t *conf = NULL;
    char errstr[512];
    vr_code_t rc = nt_kafka_conf(r->def, &conf, err);
    if (rc != VR_OK)
        return rc;
    rd_kafka_conf_set_dr_msg_cb(conf, on_delivery);
    rd_kafka_conf_set_error_cb(conf, on_error);
    rd_kafka_conf_set_log_cb(conf, on_log);
    rd_kafka_conf_set_opaque(conf, r);
    r->rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, errstr, sizeof(errstr));
    if (!r->rk) {
        rd_kafka_conf_destroy(conf);
        return vr_errorf(err, VR_INVALID, "creating the kafka producer: %s", errstr);
    }
    return VR_OK;
}
