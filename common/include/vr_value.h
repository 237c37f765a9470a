/*
 * vr_value.h - typed SQL values, shared by the whole pipeline.
 *
 * A vr_value_t is what the vstreamer decodes a column of a row image into,
 * what filters compare, what the vplayer turns into SQL literals and what
 * notify turns into JSON.  Types follow Vitess's query.Type names (INT8 ..
 * JSON), so a value's type says how to print it without a schema lookup.
 *
 * Representation (by type):
 *   INT8..INT64, YEAR          v.i   (int64)
 *   UINT8..UINT64, BIT         v.u   (uint64; BIT is the bit pattern)
 *   FLOAT32, FLOAT64           v.d   (FLOAT32 widened exactly to double)
 *   DATE, TIME, DATETIME,      v.tm  (broken-down fields; TIMESTAMP is UTC;
 *   TIMESTAMP                         decimals = fractional digits 0..6)
 *   DECIMAL                    s/len (exact text "-12.50"; decimals = scale)
 *   ENUM                       v.u = 1-based index (0 = ''), s/len = name
 *   SET                        v.u = bit mask, s/len = "a,c"
 *   CHAR, VARCHAR, TEXT        s/len bytes in `charset` (a MariaDB
 *                              collation id; 63 = binary)
 *   BINARY, VARBINARY, BLOB,   s/len raw bytes
 *   GEOMETRY                   s/len (4-byte SRID + WKB, as stored)
 *   JSON                       s/len JSON text (MariaDB stores JSON as text)
 * s is not NUL-terminated and may contain NULs.  A value does not own s:
 * it points into an arena or an event buffer whose owner says how long it
 * lives (the vstreamer: until the next vr_vstream_next()).
 *
 * Thread-safety: plain data; the functions are pure.
 */
#ifndef VR_VALUE_H
#define VR_VALUE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "vr_buf.h"

#define VR_TYPES(X)                                                       \
    X(NULL_TYPE) X(INT8) X(UINT8) X(INT16) X(UINT16) X(INT24) X(UINT24)   \
    X(INT32) X(UINT32) X(INT64) X(UINT64) X(FLOAT32) X(FLOAT64)           \
    X(DECIMAL) X(YEAR) X(DATE) X(TIME) X(DATETIME) X(TIMESTAMP) X(BIT)    \
    X(ENUM) X(SET) X(CHAR) X(VARCHAR) X(TEXT) X(BINARY) X(VARBINARY)      \
    X(BLOB) X(GEOMETRY) X(JSON)

typedef enum vr_type {
#define VR_TYPE_ENUM_(name) VR_TYPE_##name,
    VR_TYPES(VR_TYPE_ENUM_)
#undef VR_TYPE_ENUM_
    VR__TYPE_MAX
} vr_type_t;

/* MariaDB collation id of binary strings. */
#define VR_CHARSET_BINARY 63

typedef struct vr_temporal {
    int32_t year;    /* 0..9999 */
    uint8_t month;   /* 0..12 */
    uint8_t day;     /* 0..31 */
    uint8_t minute;
    uint8_t second;
    uint32_t hour;   /* TIME: 0..838; others 0..23 */
    uint32_t usec;   /* 0..999999 */
    bool neg;        /* TIME only */
} vr_temporal_t;

typedef struct vr_value {
    vr_type_t type;
    bool is_null;
    uint8_t decimals;  /* temporal fraction digits; DECIMAL scale */
    uint16_t charset;  /* collation id for text types, else 0 */
    union {
        int64_t i;
        uint64_t u;
        double d;
        vr_temporal_t tm;
    } v;
    const char *s;
    size_t len;
} vr_value_t;

/* "INT64", "VARCHAR", ... (Vitess query.Type names); "?" when unknown. */
const char *vr_type_name(vr_type_t t);
bool vr_type_is_signed(vr_type_t t);   /* INT8..INT64, YEAR */
bool vr_type_is_unsigned(vr_type_t t); /* UINT8..UINT64, BIT */
bool vr_type_is_float(vr_type_t t);
bool vr_type_is_temporal(vr_type_t t); /* DATE TIME DATETIME TIMESTAMP */
bool vr_type_is_text(vr_type_t t);     /* CHAR VARCHAR TEXT */
bool vr_type_is_binary(vr_type_t t);   /* BINARY VARBINARY BLOB GEOMETRY */

/* A NULL of the given type. */
vr_value_t vr_value_null(vr_type_t t);

/*
 * MySQL's text form, as `SELECT` returns it (no quotes, no escaping):
 * integers in decimal, floats in the shortest form that reads back
 * exactly, DECIMAL as stored, temporal as 'YYYY-MM-DD HH:MM:SS.ffffff'
 * with `decimals` fraction digits, TIME as '-838:59:59', YEAR as 4 digits,
 * BIT as its integer value, ENUM/SET as their names, strings as raw bytes.
 * NULL appends "NULL".
 */
void vr_value_append_text(vr_buf_t *b, const vr_value_t *v);

/*
 * JSON: null; integers, BIT and floats as numbers (exact); DECIMAL,
 * temporal, ENUM and SET as strings; text as a UTF-8 string (latin1
 * columns converted, invalid UTF-8 replaced by U+FFFD); binary types and
 * GEOMETRY as base64 strings; JSON columns as their JSON text when it is
 * valid JSON, else as a string.
 */
void vr_value_append_json(vr_buf_t *b, const vr_value_t *v);

/*
 * A SQL literal for a statement: NULL, numbers unquoted, DECIMAL
 * unquoted, temporal and text quoted with MySQL escapes, binary types as
 * X'hex', BIT as b'...'.
 */
void vr_value_append_sql(vr_buf_t *b, const vr_value_t *v);

/* Append s as a JSON string literal (quotes included), UTF-8 in, with
 * invalid sequences replaced by U+FFFD. */
void vr_json_append_string(vr_buf_t *b, const char *s, size_t n);
/* Append n bytes as standard base64 (with padding). */
void vr_base64_append(vr_buf_t *b, const uint8_t *p, size_t n);

#endif
