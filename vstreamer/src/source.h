/*
 * source.h - internal: plain SQL connections to a source server and the
 * binlog connection (binlog_conn.c) on top of Connector/C.
 */
#ifndef VR_SOURCE_H
#define VR_SOURCE_H

#include <mysql.h>
#include <stdbool.h>
#include <stdint.h>

#include "vr_buf.h"
#include "vr_error.h"
#include "vr_gtid.h"
#include "vr_vstream.h"

/* Connect (TCP or socket) with connect/read timeouts in ms (0: none) and
 * utf8mb4; *out NULL on failure. */
vr_code_t vr_src_connect(const vr_vstream_source_t *src, int read_timeout_ms,
                         MYSQL **out, vr_error_t *err);
/* Run a statement, discarding any result. */
vr_code_t vr_src_exec(MYSQL *c, const char *sql, vr_error_t *err);
/* First column of the first row into out ("" when no row or NULL). */
vr_code_t vr_src_scalar(MYSQL *c, const char *sql, vr_buf_t *out, vr_error_t *err);
/* Fill err from the connection's last error, with context. */
vr_code_t vr_src_error(MYSQL *c, vr_error_t *err, const char *what);

/* ---- binlog connection (binlog_conn.c) -------------------------------- */

typedef struct vr_binlog_conn vr_binlog_conn_t;

typedef struct vr_binlog_conn_opts {
    const vr_vstream_source_t *src;
    uint32_t server_id;
    int heartbeat_ms;          /* < 0: none */
    const vr_gtid_set_t *start;/* start after this GTID set; NULL: file/pos */
    const char *file;          /* with start NULL: binlog file ("" = oldest) */
    uint64_t pos;              /* with start NULL: position in file (>= 4) */
} vr_binlog_conn_opts_t;

/* Connect, configure the session (checksum, capability, connect state,
 * heartbeat) and send the dump request. */
vr_code_t vr_binlog_conn_open(const vr_binlog_conn_opts_t *o,
                              vr_binlog_conn_t **out, vr_error_t *err);
/* Next raw event (header included, checksum still attached); valid until
 * the next call.  Errors carry the MySQL errno and the retriable flag. */
vr_code_t vr_binlog_conn_next(vr_binlog_conn_t *c, const uint8_t **ev,
                              size_t *len, vr_error_t *err);
/* True when the server sends CRC32 checksums. */
bool vr_binlog_conn_checksum(const vr_binlog_conn_t *c);
void vr_binlog_conn_close(vr_binlog_conn_t *c); /* NULL is a no-op */
/* Tests: cut the connection as a network failure would (shutdown(2)). */
void vr_binlog_conn_shutdown(vr_binlog_conn_t *c);

#endif
