/*
 * bench_util.h - what the benchmark programs share: a private mariadbd
 * started the way the tests start theirs (keyspace/'s vr_mysqld, the
 * harness's datadir template), wall-clock time, fatal errors and two SQL
 * helpers.  Benchmarks print figures; none of this asserts anything.
 */
#ifndef VR_BENCH_UTIL_H
#define VR_BENCH_UTIL_H

#include <stdbool.h>
#include <sys/types.h>
#include <mysql.h>

typedef struct bench_server {
    char *dir;
    pid_t pid;
    int port;
    unsigned id;
} bench_server_t;

/* Name used in messages ("bench_decode: ..."). */
void bench_set_name(const char *name);
/* Monotonic seconds. */
double bench_now(void);
/* Print "name: what: msg", remove every started server's folder, exit 1. */
__attribute__((noreturn)) void bench_die(const char *what, const char *msg);
/* Run a statement (results discarded); die on error. */
void bench_sql(MYSQL *c, const char *q);
/* Column col of the first row ("" when none); caller frees; die on error. */
char *bench_scalar(MYSQL *c, const char *q, int col);
/* Start a mariadbd with a row binlog on a free port 40000-48999 with
 * extra mariadbd options; it dies with this process.  Die on failure. */
void bench_server_start(bench_server_t *s, unsigned id, const char *extra_args);
/* Stop it; keep its folder (and say where) when keep, else remove it. */
void bench_server_stop(bench_server_t *s, bool keep);
/* A root connection over TCP with multi-statements; die on failure. */
MYSQL *bench_connect(const bench_server_t *s);

#endif
