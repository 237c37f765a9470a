/*
 * vr_vstream.h - the face of vstreamer/: a typed event stream decoded from
 * a MariaDB binlog.
 *
 * A stream connects to a source server as a replica (Connector/C's
 * mariadb_rpl_*), starting from a GTID position or "current", and turns
 * the binlog into events:
 *
 *   transaction with rows for this stream:
 *       BEGIN, [FIELD], ROW..., GTID, COMMIT
 *   DDL (its own GTID group):          GTID, DDL
 *   transaction with nothing for us:   OTHER       (position still advances)
 *   rolled-back non-transactional:     BEGIN, ROW..., GTID, ROLLBACK
 *   idle source:                       HEARTBEAT   (every heartbeat_ms)
 *
 * FIELD precedes the first ROW of a table and follows any schema change of
 * it.  Each ROW event carries the row changes of one binlog rows event of
 * one table.  Every event names its transaction's GTID; GTID, COMMIT,
 * ROLLBACK, DDL and OTHER carry the position (GTID set) after the
 * transaction: saving it and restarting from it loses and repeats nothing.
 *
 * Dropped connections are re-established with backoff, resuming from the
 * last position the stream emitted; events of a transaction that were
 * already returned are not returned again.
 *
 * Threading: a stream is used by one thread at a time.  Memory: an event
 * and everything it points to (values, table, strings) stay valid until
 * the next vr_vstream_next() or vr_vstream_close().
 */
#ifndef VR_VSTREAM_H
#define VR_VSTREAM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "vr_error.h"
#include "vr_gtid.h"
#include "vr_value.h"

typedef struct vr_vstream vr_vstream_t;

typedef enum vr_vevent_type {
    VR_VEVENT_GTID,
    VR_VEVENT_BEGIN,
    VR_VEVENT_COMMIT,
    VR_VEVENT_ROLLBACK,
    VR_VEVENT_DDL,
    VR_VEVENT_FIELD,
    VR_VEVENT_ROW,
    VR_VEVENT_HEARTBEAT,
    VR_VEVENT_OTHER,
} vr_vevent_type_t;

/* "GTID", "BEGIN", ... */
const char *vr_vevent_type_name(vr_vevent_type_t t);

/* vr_vfield_t.flags */
#define VR_FIELD_PK 0x01
#define VR_FIELD_UNSIGNED 0x02
#define VR_FIELD_NOT_NULL 0x04
#define VR_FIELD_BINARY 0x08

typedef struct vr_vfield {
    const char *name;
    vr_type_t type;
    uint16_t charset;   /* collation id of text columns; 63 binary; 0 unknown */
    uint32_t flags;     /* VR_FIELD_* */
    uint32_t length;    /* max bytes of strings, bits of BIT, DECIMAL precision */
    uint8_t decimals;   /* DECIMAL scale, temporal fraction digits */
    uint8_t binlog_type;/* MariaDB column type code as in the binlog */
} vr_vfield_t;

typedef struct vr_vtable {
    const char *db;
    const char *name;
    uint32_t nfields;
    const vr_vfield_t *fields;
    uint32_t npk;       /* primary key columns (field indexes, key order) */
    const uint32_t *pk;
    uint32_t version;   /* changes whenever the fields change */
} vr_vtable_t;

typedef struct vr_vrow {
    const vr_value_t *before;     /* nfields values; NULL for an insert */
    const vr_value_t *after;      /* NULL for a delete */
    /* Columns present in each image, one bit per field (LSB first); NULL
     * means all.  Absent columns (binlog_row_image != FULL) read as NULL. */
    const uint8_t *before_cols;
    const uint8_t *after_cols;
} vr_vrow_t;

typedef struct vr_vevent {
    vr_vevent_type_t type;
    int64_t timestamp;   /* seconds since the epoch (binlog event time; the
                            commit's time for GTID/COMMIT/ROLLBACK/OTHER) */
    const char *gtid;    /* this transaction's GTID ("0-101-7"); "" for HEARTBEAT */
    const vr_gtid_set_t *position; /* GTID, COMMIT, ROLLBACK, DDL, OTHER */
    const vr_vtable_t *table;      /* FIELD, ROW */
    size_t nrows;                  /* ROW */
    const vr_vrow_t *rows;         /* ROW */
    const char *db;                /* DDL: default database of the statement */
    const char *statement;         /* DDL, OTHER from a statement: its SQL */
} vr_vevent_t;

/*
 * Seam for filters/: called when a table is first seen and after each of
 * its schema changes, before its FIELD event; sets *include.  Without a
 * hook, the include list (tables) decides.
 */
typedef vr_code_t (*vr_vstream_table_fn)(void *arg, const vr_vtable_t *t,
                                         bool *include, vr_error_t *err);

typedef struct vr_vstream_source {
    const char *host;        /* TCP host (default 127.0.0.1) */
    unsigned port;           /* default 3306 */
    const char *socket;      /* unix socket instead of host/port */
    const char *user;        /* default root */
    const char *password;
    const char *db;          /* when set: only this database's tables/DDL */
    /* Instead of a server: decode a local binlog file (position then only
     * skips transactions it contains; the stream ends at the file's end). */
    const char *binlog_file;
} vr_vstream_source_t;

typedef struct vr_vstream_opts {
    vr_vstream_source_t source;
    /* GTID set to start after, or "current" (default).  For a server,
     * "" means from the oldest binlog the source still has. */
    const char *position;
    /* Stop (vr_vstream_next returns VR_OK with *ev NULL) once the position
     * contains this GTID set; "current" resolves at open.  NULL: never. */
    const char *stop_position;
    /* Include list: "table" or "db.table"; NULL/0 means every table. */
    const char *const *tables;
    size_t ntables;
    uint32_t server_id;      /* replica server id; 0 picks a random one */
    int heartbeat_ms;        /* 0: 1000; < 0: no heartbeats */
    int retries;             /* reconnect attempts in a row; 0: 10; < 0: forever */
    vr_vstream_table_fn table_fn;
    void *table_arg;
} vr_vstream_opts_t;

/* Connect and start streaming.  On failure *out is NULL and err says why
 * (a malformed GTID, a purged position, authentication ...). */
vr_code_t vr_vstream_open(const vr_vstream_opts_t *opts, vr_vstream_t **out,
                          vr_error_t *err);

/*
 * The next event (blocks; heartbeats bound the wait on an idle source).
 * *ev is NULL with VR_OK at the stop position or the end of a binlog file.
 * After an error the stream is stopped; vr_vstream_position() is the last
 * good position.
 */
vr_code_t vr_vstream_next(vr_vstream_t *s, const vr_vevent_t **ev,
                          vr_error_t *err);

/* Position after the last transaction whose events were all returned. */
const vr_gtid_set_t *vr_vstream_position(const vr_vstream_t *s);

/* Statistics for benchmarks and status pages. */
typedef struct vr_vstream_stats {
    uint64_t events;      /* binlog events read */
    uint64_t bytes;       /* binlog bytes read */
    uint64_t rows;        /* row changes decoded */
    uint64_t reconnects;
} vr_vstream_stats_t;
void vr_vstream_stats(const vr_vstream_t *s, vr_vstream_stats_t *st);

/* Disconnect and free; NULL is a no-op. */
void vr_vstream_close(vr_vstream_t *s);

/* ---- rowstreamer: a consistent snapshot of one table ------------------ */

/*
 * The copy phase reads a table as of one GTID position: the table is
 * locked (LOCK TABLES ... READ) just long enough to start a transaction
 * WITH CONSISTENT SNAPSHOT and read @@gtid_binlog_pos, then rows stream in
 * primary-key order from that snapshot, resuming after lastpk (a range
 * condition the index serves: no full scan), in packets of at most
 * packet_rows rows / about packet_bytes bytes.  Streaming the binlog from
 * vr_rowstream_position() afterwards catches up with every later change.
 * Values are typed like the binlog's (TIMESTAMP in UTC); ENUM/SET carry
 * their names (v.u is 0).  A packet and what it points to live until the
 * next vr_rowstream_next() or vr_rowstream_close().  One thread at a time.
 */
typedef struct vr_rowstream vr_rowstream_t;

typedef struct vr_rowstream_opts {
    vr_vstream_source_t source;
    const char *table;          /* "table" (in source.db) or "db.table" */
    const vr_value_t *lastpk;   /* resume after this key (npk values), or NULL */
    size_t nlastpk;
    size_t packet_rows;         /* 0: 1000 */
    size_t packet_bytes;        /* 0: 1 MiB */
} vr_rowstream_opts_t;

typedef struct vr_rowpacket {
    const vr_vtable_t *table;
    size_t nrows;
    const vr_value_t *const *rows;  /* nrows arrays of nfields values */
    const vr_value_t *lastpk;       /* npk values of the packet's last row */
    bool done;                      /* the table has no more rows */
} vr_rowpacket_t;

/* Lock, snapshot, record the position, unlock.  A table without a primary
 * key, or a lastpk of the wrong width, fails naming the table. */
vr_code_t vr_rowstream_open(const vr_rowstream_opts_t *opts, vr_rowstream_t **out,
                            vr_error_t *err);
/* The GTID position of the snapshot. */
const vr_gtid_set_t *vr_rowstream_position(const vr_rowstream_t *rs);
/* The next packet; *pkt is NULL once a packet with done was returned. */
vr_code_t vr_rowstream_next(vr_rowstream_t *rs, const vr_rowpacket_t **pkt,
                            vr_error_t *err);
void vr_rowstream_close(vr_rowstream_t *rs); /* NULL is a no-op */

/*
 * Parse a source: "mariadb://USER[:PASS]@HOST[:PORT][/DB][?socket=PATH]"
 * (user and password percent-decoded) or a bare socket path ("/x/m.sock",
 * user root).  src's strings point into *storage (caller frees it).
 */
vr_code_t vr_vstream_parse_source(const char *uri, vr_vstream_source_t *src,
                                  char **storage, vr_error_t *err);

#endif
