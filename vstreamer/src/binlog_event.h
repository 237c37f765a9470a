/*
 * binlog_event.h - internal: MariaDB binlog events parsed from raw bytes.
 *
 * Every parser here takes untrusted bytes (from the network, a file or a
 * fuzzer), checks every length before reading, and fails with VR_PARSE
 * ("corrupt ... event") rather than reading out of bounds.  Parsed
 * structures point into the event bytes (valid while they are) or into a
 * caller-supplied arena.  Independent of Connector/C: Connector/C only
 * frames the events (binlog_conn.c).
 */
#ifndef VR_BINLOG_EVENT_H
#define VR_BINLOG_EVENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "vr_arena.h"
#include "vr_error.h"
#include "vr_gtid.h"
#include "vr_value.h"

/* Event types (MariaDB sql/log_event.h). */
enum {
    VR_BL_UNKNOWN = 0,
    VR_BL_QUERY = 2,
    VR_BL_STOP = 3,
    VR_BL_ROTATE = 4,
    VR_BL_INTVAR = 5,
    VR_BL_RAND = 13,
    VR_BL_USER_VAR = 14,
    VR_BL_FORMAT_DESCRIPTION = 15,
    VR_BL_XID = 16,
    VR_BL_TABLE_MAP = 19,
    VR_BL_WRITE_ROWS_V1 = 23,
    VR_BL_UPDATE_ROWS_V1 = 24,
    VR_BL_DELETE_ROWS_V1 = 25,
    VR_BL_INCIDENT = 26,
    VR_BL_HEARTBEAT = 27,
    VR_BL_IGNORABLE = 28,
    VR_BL_ROWS_QUERY = 29,
    VR_BL_WRITE_ROWS_V2 = 30,
    VR_BL_UPDATE_ROWS_V2 = 31,
    VR_BL_DELETE_ROWS_V2 = 32,
    VR_BL_ANNOTATE_ROWS = 160,
    VR_BL_BINLOG_CHECKPOINT = 161,
    VR_BL_GTID = 162,
    VR_BL_GTID_LIST = 163,
    VR_BL_START_ENCRYPTION = 164,
    VR_BL_QUERY_COMPRESSED = 165,
    VR_BL_WRITE_ROWS_COMPRESSED_V1 = 166,
    VR_BL_DELETE_ROWS_COMPRESSED = 171,
};

/* Column types (binlog_type of MariaDB fields). */
enum {
    VR_MT_DECIMAL = 0, VR_MT_TINY = 1, VR_MT_SHORT = 2, VR_MT_LONG = 3,
    VR_MT_FLOAT = 4, VR_MT_DOUBLE = 5, VR_MT_NULL = 6, VR_MT_TIMESTAMP = 7,
    VR_MT_LONGLONG = 8, VR_MT_INT24 = 9, VR_MT_DATE = 10, VR_MT_TIME = 11,
    VR_MT_DATETIME = 12, VR_MT_YEAR = 13, VR_MT_NEWDATE = 14,
    VR_MT_VARCHAR = 15, VR_MT_BIT = 16, VR_MT_TIMESTAMP2 = 17,
    VR_MT_DATETIME2 = 18, VR_MT_TIME2 = 19, VR_MT_JSON = 245,
    VR_MT_NEWDECIMAL = 246, VR_MT_ENUM = 247, VR_MT_SET = 248,
    VR_MT_TINY_BLOB = 249, VR_MT_MEDIUM_BLOB = 250, VR_MT_LONG_BLOB = 251,
    VR_MT_BLOB = 252, VR_MT_VAR_STRING = 253, VR_MT_STRING = 254,
    VR_MT_GEOMETRY = 255,
};

/* GTID event flags */
#define VR_BL_FL_STANDALONE 0x01
#define VR_BL_FL_GROUP_COMMIT_ID 0x02
#define VR_BL_FL_PREPARED_XA 0x40
#define VR_BL_FL_COMPLETED_XA 0x80

/* ROWS event flags */
#define VR_BL_STMT_END_F 0x01

#define VR_BL_HEADER_LEN 19
#define VR_BL_CHECKSUM_LEN 4
/* Most columns a table may have (MariaDB: 4096). */
#define VR_BL_MAX_COLUMNS 4096

/* What a FORMAT_DESCRIPTION event says about the events after it. */
typedef struct vr_bl_format {
    uint8_t header_len;        /* common header length (19) */
    uint8_t post_header[256];  /* post-header length per event type */
    bool checksum;             /* events end with a CRC32 */
    bool no_verify;            /* strip checksums without checking (fuzzing) */
} vr_bl_format_t;

/* Defaults of MariaDB 10.x, used until the first FORMAT_DESCRIPTION. */
void vr_bl_format_init(vr_bl_format_t *f, bool checksum);

typedef struct vr_bl_event {
    uint32_t timestamp;
    uint8_t type;
    uint32_t server_id;
    uint32_t size;        /* whole event, as in the header */
    uint32_t log_pos;     /* end position of the event in its binlog file */
    uint16_t flags;
    const uint8_t *data;  /* the event, header included */
    const uint8_t *body;  /* after the common header */
    size_t body_len;      /* without the checksum */
} vr_bl_event_t;

uint32_t vr_crc32(uint32_t crc, const uint8_t *p, size_t n);

/* Frame and check one event of n bytes: header sanity, size == n, and the
 * CRC32 when f->checksum (a FORMAT_DESCRIPTION says itself whether it has
 * one).  ev points into p. */
vr_code_t vr_bl_event_parse(const vr_bl_format_t *f, const uint8_t *p, size_t n,
                            vr_bl_event_t *ev, vr_error_t *err);

/* FORMAT_DESCRIPTION: replace *f with what the event says. */
vr_code_t vr_bl_parse_fde(const vr_bl_event_t *ev, vr_bl_format_t *f,
                          vr_error_t *err);

typedef struct vr_bl_gtid {
    vr_gtid_t gtid;    /* server from the event header */
    uint8_t flags;     /* VR_BL_FL_* */
    uint64_t commit_id;
} vr_bl_gtid_t;
vr_code_t vr_bl_parse_gtid(const vr_bl_event_t *ev, vr_bl_gtid_t *g,
                           vr_error_t *err);

typedef struct vr_bl_query {
    uint32_t thread_id;
    uint16_t error_code;
    const char *db;     /* not NUL-terminated */
    size_t db_len;
    const char *sql;    /* not NUL-terminated */
    size_t sql_len;
} vr_bl_query_t;
vr_code_t vr_bl_parse_query(const vr_bl_format_t *f, const vr_bl_event_t *ev,
                            vr_bl_query_t *q, vr_error_t *err);

vr_code_t vr_bl_parse_xid(const vr_bl_event_t *ev, uint64_t *xid,
                          vr_error_t *err);

typedef struct vr_bl_rotate {
    uint64_t position;
    const char *file;   /* not NUL-terminated */
    size_t file_len;
} vr_bl_rotate_t;
vr_code_t vr_bl_parse_rotate(const vr_bl_format_t *f, const vr_bl_event_t *ev,
                             vr_bl_rotate_t *r, vr_error_t *err);

/* GTID_LIST: the binlog state at the start of a file; *out in arena a. */
vr_code_t vr_bl_parse_gtid_list(const vr_bl_event_t *ev, vr_arena_t *a,
                                vr_gtid_t **out, size_t *n, vr_error_t *err);

/* ---- TABLE_MAP -------------------------------------------------------- */

typedef struct vr_bl_str {
    const char *s; /* NUL-terminated copy in the table map's arena */
    uint32_t len;
} vr_bl_str_t;

typedef struct vr_tm_col {
    uint8_t type;          /* binlog type; STRING resolved to STRING/ENUM/SET */
    uint16_t meta;         /* metadata as MariaDB's table_def reads it */
    uint32_t max_len;      /* CHAR/VARCHAR: max bytes; BLOB: length bytes;
                              ENUM/SET: pack length; BIT: bits */
    uint8_t precision;     /* NEWDECIMAL */
    uint8_t scale;         /* NEWDECIMAL scale; fsp of TIME2/DATETIME2/TIMESTAMP2 */
    bool nullable;
    bool is_unsigned;      /* from SIGNEDNESS optional metadata */
    bool pk;               /* part of the primary key */
    uint16_t charset;      /* collation id, 0 when unknown */
    vr_type_t vtype;       /* the value type rows decode into */
    vr_bl_str_t name;      /* s NULL when the map has no names */
    uint32_t nvalues;      /* ENUM/SET member names */
    vr_bl_str_t *values;
} vr_tm_col_t;

typedef struct vr_table_map {
    uint64_t table_id;
    uint16_t flags;
    vr_bl_str_t db;
    vr_bl_str_t table;
    uint32_t ncols;
    vr_tm_col_t *cols;
    uint32_t npk;          /* primary key columns, in key order */
    uint32_t *pk;
    bool has_signedness;
    bool has_charsets;
    bool has_names;
    bool has_pk;
} vr_table_map_t;

/* Parse a TABLE_MAP; everything is copied into arena a (so the map
 * outlives the event). */
vr_code_t vr_bl_parse_table_map(const vr_bl_format_t *f, const vr_bl_event_t *ev,
                                vr_arena_t *a, vr_table_map_t **out,
                                vr_error_t *err);
/* Recompute cols[i].vtype from type, signedness and charset; a column
 * whose is_json[i] is set becomes JSON (is_json may be NULL). */
void vr_table_map_set_types(vr_table_map_t *tm, const bool *is_json);
/* "db.table" for messages (static per-thread buffer not used: arena). */

/* ---- ROWS ------------------------------------------------------------- */

typedef enum vr_rows_kind {
    VR_ROWS_INSERT,
    VR_ROWS_UPDATE,
    VR_ROWS_DELETE,
} vr_rows_kind_t;

typedef struct vr_bl_rows {
    vr_rows_kind_t kind;
    uint64_t table_id;
    uint16_t flags;
    uint32_t ncols;
    const uint8_t *cols;     /* columns in the (before) image, LSB-first */
    const uint8_t *cols_ai;  /* UPDATE: columns in the after image */
    const uint8_t *rows;     /* row images */
    size_t rows_len;
} vr_bl_rows_t;

/* True for WRITE/UPDATE/DELETE_ROWS v1 and v2. */
bool vr_bl_is_rows_event(uint8_t type);
vr_code_t vr_bl_parse_rows(const vr_bl_format_t *f, const vr_bl_event_t *ev,
                           vr_bl_rows_t *r, vr_error_t *err);

/*
 * log_bin_compress: QUERY_COMPRESSED and the six compressed ROWS types
 * become the event they compress (QUERY, WRITE/UPDATE/DELETE_ROWS v1 or
 * v2): the part MariaDB compresses (a query's text; a rows event's row
 * images, after the column bitmaps) is inflated into a buffer from a,
 * the rest is copied.  The compressed part starts with one byte 0x8L (L:
 * 1-4 bytes of uncompressed length follow, big-endian), then a zlib
 * stream.  size, log_pos and the header fields stay the source's.
 */
bool vr_bl_is_compressed(uint8_t type);
vr_code_t vr_bl_uncompress(const vr_bl_format_t *f, const vr_bl_event_t *ev, vr_arena_t *a,
                           vr_bl_event_t *out, vr_error_t *err);

/* Event type name for messages ("TABLE_MAP", "type 99"). */
const char *vr_bl_type_name(uint8_t type);

#endif
