/*
 * vstream_int.h - internal: the stream object shared by vstream.c (sources,
 * reconnects, the output queue) and events.c (binlog events -> stream
 * events).
 */
#ifndef VR_VSTREAM_INT_H
#define VR_VSTREAM_INT_H

#include "binlog_event.h"
#include "schema_tracker.h"
#include "source.h"
#include "vr_arena.h"
#include "vr_vstream.h"

typedef enum src_kind {
    SRC_SERVER, /* a replication connection */
    SRC_FILE,   /* a local binlog file, mapped into memory */
    SRC_BUFFER, /* caller's bytes (fuzzing, tests) */
} src_kind_t;

/* A table map seen in the binlog, kept across events and transactions
 * until its id is mapped again with different bytes or a DDL passes. */
typedef struct tm_ent {
    uint64_t table_id;
    vr_arena_t *arena;        /* owns raw, tm, vt */
    uint8_t *raw;             /* the event body, to recognise a re-send */
    size_t raw_len;
    uint32_t epoch;           /* ddl_epoch when resolved */
    bool included;
    vr_table_map_t *tm;
    vr_vtable_t *vt;          /* NULL when the table is not included */
    vr_schema_table_t *st;
} tm_ent_t;

/* The transaction being read. */
typedef struct tx_state {
    bool open;                /* between its GTID event and its end */
    bool skip;                /* already contained in the position */
    bool standalone;          /* no COMMIT: ends after its statement */
    bool began;               /* BEGIN queued */
    vr_bl_gtid_t gtid;
    char gtid_str[VR_GTID_STR_MAX];
    uint32_t ts;
    size_t rows_returned;     /* ROW events of this transaction returned */
    size_t skip_rows;         /* after a reconnect: ROW events to swallow */
} tx_state_t;

struct vr_vstream {
    src_kind_t kind;
    vr_vstream_opts_t opts;   /* every string an owned copy */
    char **tables;

    /* source */
    vr_binlog_conn_t *conn;
    uint32_t server_id;
    const uint8_t *buf;       /* SRC_FILE / SRC_BUFFER */
    void *map;                /* SRC_FILE: the mapped file */
    size_t map_len;
    size_t buf_len;
    size_t buf_pos;
    bool verify_checksums;
    char *binlog_name;        /* current binlog file (from ROTATE) */
    uint64_t commit_pos;      /* end position of the last committed tx */

    /* decoding */
    vr_bl_format_t fmt;
    vr_gtid_set_t position;   /* after the last complete transaction */
    vr_gtid_set_t stop;
    bool have_stop;
    bool stopped;
    bool failed;
    bool debug_drop;          /* tests: fail the next read as a lost connection */
    tx_state_t tx;
    char resume_gtid[VR_GTID_STR_MAX]; /* tx in flight at a disconnect */
    bool resume_began;
    size_t resume_rows;
    tm_ent_t *tms;
    size_t ntms;
    size_t captms;
    uint32_t ddl_epoch;
    vr_schema_tracker_t *tracker;

    /* output: events of one binlog event, returned one by one */
    vr_arena_t *ev_arena;
    vr_vevent_t *q;
    size_t qn;
    size_t qcap;
    size_t qhead;

    vr_vstream_stats_t stats;
};

/* events.c: turn one raw binlog event into queued stream events. */
vr_code_t vr_vs_process(vr_vstream_t *s, const uint8_t *data, size_t len,
                        vr_error_t *err);
/* events.c: forget every cached table map. */
void vr_vs_drop_table_maps(vr_vstream_t *s);

/* For fuzzing and tests: a stream over binlog bytes in memory (with or
 * without the 4-byte magic); checksums are stripped but verified only when
 * verify is true.  buf must outlive the stream. */
vr_code_t vr_vstream_open_buffer(const uint8_t *buf, size_t len,
                                 const vr_vstream_opts_t *opts, bool verify,
                                 vr_vstream_t **out, vr_error_t *err);

/* Tests: make the next binlog read fail as a dropped connection does
 * (retriable errno 2013), wherever the stream is in a transaction. */
void vr_vstream_debug_drop(vr_vstream_t *s);

#endif
