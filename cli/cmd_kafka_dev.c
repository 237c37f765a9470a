/*
 * cmd_kafka_dev.c - `vrepl kafka-dev [--port N] [--brokers 3]`: runs
 * librdkafka's mock cluster as a standalone Kafka broker on loopback and
 * prints its bootstrap address (first line of stdout), until SIGINT or
 * SIGTERM.  For trying notifications with kcat and no Kafka installed;
 * the mock keeps only a few MiB per partition.
 */
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "vr_common.h"
#include "vr_notify.h"

int cmd_kafka_dev(int argc, char **argv)
{
    static const struct option opts[] = {{"port", required_argument, NULL, 'p'},
                                         {"brokers", required_argument, NULL, 'b'},
                                         {"help", no_argument, NULL, 'h'},
                                         {NULL, 0, NULL, 0}};
    vr_kafka_dev_t *k = NULL;
    int port = 0, brokers = 3, c, sig = 0;
    vr_error_t err;
    sigset_t set;

    optind = 1;
    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        switch (c) {
        case 'p': port = atoi(optarg); break;
        case 'b': brokers = atoi(optarg); break;
        case 'h':
            printf("usage: vrepl kafka-dev [--port N] [--brokers 3]\n"
                   "Run librdkafka's mock Kafka cluster on loopback until SIGINT/SIGTERM;\n"
                   "the first line printed is the bootstrap address (with --port,\n"
                   "127.0.0.1:N, forwarded to the first broker).\n");
            return 0;
        default: return 2;
        }
    }
    if (optind < argc) {
        fprintf(stderr, "usage: vrepl kafka-dev [--port N] [--brokers 3]\n");
        return 2;
    }
    sigemptyset(&set);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &set, NULL);
    vr_error_clear(&err);
    if (vr_kafka_dev_start(brokers, port, &k, &err) != VR_OK)
        return vr_cli_fail("kafka-dev", "%s", err.msg);
    printf("%s\n", vr_kafka_dev_bootstrap(k));
    fflush(stdout);
    fprintf(stderr, "vrepl kafka-dev: mock cluster of %d broker(s) at %s; try\n"
                    "  kcat -b %s -L\n", brokers, vr_kafka_dev_brokers(k), vr_kafka_dev_bootstrap(k));
    sigwait(&set, &sig);
    vr_kafka_dev_stop(k);
    return 0;
}
