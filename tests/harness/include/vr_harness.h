/*
 * vr_harness.h - what integration tests use to run real MariaDB servers.
 *
 * vr_h_server_start() gives a throwaway mariadbd (its own datadir,
 * --tmpdir, socket and TCP port on 127.0.0.1, row-based binlog with FULL
 * images and metadata, GTID strict mode, small memory profile), started
 * from a datadir template made once per machine, so a server is ready in
 * well under a second.  Servers may be started in parallel from several
 * test processes.  Stop with vr_h_server_stop(), which also removes its
 * files; a test that crashes leaves them under $TMPDIR/vrepl-test-*.
 *
 * SQL helpers abort the test (criterion cr_fatal-style, via the callback
 * set with vr_h_set_fail) on unexpected errors, so tests read as scripts.
 * Waiting is always for a condition with a deadline: vr_h_wait_query()
 * polls a query until it returns the expected text (PostgreSQL's
 * poll_query_until), never a bare sleep.
 */
#ifndef VR_HARNESS_H
#define VR_HARNESS_H

#include <stdbool.h>
#include <mysql.h>

#include "vr_error.h"

typedef struct vr_h_server vr_h_server_t;

typedef struct vr_h_server_opts {
    unsigned server_id;      /* 0: derived from the port */
    bool no_binlog;          /* true: start without --log-bin */
    const char *extra_args;  /* space-separated mariadbd options, or NULL */
} vr_h_server_opts_t;

/* NULL opts for defaults.  Aborts the test on failure. */
vr_h_server_t *vr_h_server_start(const vr_h_server_opts_t *opts);
void vr_h_server_stop(vr_h_server_t *s);          /* NULL is a no-op */
void vr_h_server_kill(vr_h_server_t *s);          /* SIGKILL, keep files */
void vr_h_server_restart(vr_h_server_t *s);       /* start again, same files/port */
int vr_h_server_port(const vr_h_server_t *s);
unsigned vr_h_server_id(const vr_h_server_t *s);
const char *vr_h_server_socket(const vr_h_server_t *s);
const char *vr_h_server_datadir(const vr_h_server_t *s);

/* A new connection as root over TCP to db (NULL: none).  Aborts on error.
 * Close with mysql_close(). */
MYSQL *vr_h_connect(const vr_h_server_t *s, const char *db);

/* Run one statement (printf-style); abort the test on error. */
void vr_h_exec(MYSQL *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Run one statement; return its MySQL errno (0 on success). */
unsigned vr_h_try_exec(MYSQL *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Rows of a query as text: columns joined by '\t', rows ended by '\n',
 * NULL as "NULL".  Caller frees. */
char *vr_h_query(MYSQL *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* First column of the first row, "" when no row, "NULL" for NULL.
 * Caller frees. */
char *vr_h_scalar(MYSQL *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Poll the query every 20 ms until vr_h_query() text equals expected or
 * timeout_ms passes; returns true on match.  On timeout, the last result is
 * written to stderr for the failure report. */
bool vr_h_wait_query(MYSQL *c, const char *expected, int timeout_ms,
                     const char *fmt, ...) __attribute__((format(printf, 4, 5)));
/* Poll a predicate every 20 ms until true or timeout_ms. */
bool vr_h_wait_until(bool (*cond)(void *arg), void *arg, int timeout_ms);

/* A fresh empty directory under $TMPDIR (or /tmp); caller frees the path
 * and may remove the directory with vr_h_rmrf(). */
char *vr_h_tmpdir(const char *prefix);
void vr_h_rmrf(const char *path);

/* Path of the built vrepl binary (VREPL_BIN, else <build>/vrepl). */
const char *vr_h_vrepl_bin(void);
/* Run a shell command; capture stdout+stderr (caller frees *output when
 * non-NULL); returns the exit status (or 128+signal). */
int vr_h_run(char **output, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif
