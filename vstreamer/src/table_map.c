/*
 * table_map.c - TABLE_MAP events: column types, per-column metadata, null
 * bits and the optional metadata MariaDB writes with
 * binlog_row_metadata=MINIMAL|FULL (signedness, charsets, column names,
 * ENUM/SET members, primary key).
 *
 * Invariant: the returned map and everything it points to live in the
 * caller's arena, so a map outlives its event and is reused for every rows
 * event naming its table id.  Every length is checked; inconsistent maps
 * fail with VR_PARSE naming the table.  Pure; any thread.
 */
#include "binlog_event.h"
#include "bytes.h"

#include <string.h>

/* Optional metadata field types (MariaDB Table_map_log_event). */
enum {
    OM_SIGNEDNESS = 1,
    OM_DEFAULT_CHARSET = 2,
    OM_COLUMN_CHARSET = 3,
    OM_COLUMN_NAME = 4,
    OM_SET_STR_VALUE = 5,
    OM_ENUM_STR_VALUE = 6,
    OM_GEOMETRY_TYPE = 7,
    OM_SIMPLE_PRIMARY_KEY = 8,
    OM_PRIMARY_KEY_WITH_PREFIX = 9,
    OM_ENUM_AND_SET_DEFAULT_CHARSET = 10,
    OM_ENUM_AND_SET_COLUMN_CHARSET = 11,
};

typedef struct tm_ctx {
    vr_table_map_t *tm;
    vr_arena_t *a;
    vr_error_t *err;
} tm_ctx_t;

static vr_code_t tm_corrupt(tm_ctx_t *x, const char *what)
{
    if (x->tm->table.s)
        return vr_errorf(x->err, VR_PARSE, "corrupt TABLE_MAP event for %s.%s: %s",
                         x->tm->db.s, x->tm->table.s, what);
    return vr_errorf(x->err, VR_PARSE, "corrupt TABLE_MAP event: %s", what);
}

static bool is_blob_type(uint8_t t)
{
    return t == VR_MT_BLOB || t == VR_MT_TINY_BLOB || t == VR_MT_MEDIUM_BLOB ||
           t == VR_MT_LONG_BLOB;
}

/* Columns counted by the SIGNEDNESS bitmap (checked against 10.11). */
static bool is_numeric(uint8_t t)
{
    switch (t) {
    case VR_MT_TINY: case VR_MT_SHORT: case VR_MT_INT24: case VR_MT_LONG:
    case VR_MT_LONGLONG: case VR_MT_FLOAT: case VR_MT_DOUBLE:
    case VR_MT_NEWDECIMAL: case VR_MT_DECIMAL: case VR_MT_YEAR:
        return true;
    default:
        return false;
    }
}

/* Columns counted by DEFAULT_CHARSET / COLUMN_CHARSET. */
static bool is_character(uint8_t t)
{
    return t == VR_MT_STRING || t == VR_MT_VARCHAR || t == VR_MT_VAR_STRING ||
           is_blob_type(t) || t == VR_MT_GEOMETRY;
}

static bool is_enum_set(uint8_t t)
{
    return t == VR_MT_ENUM || t == VR_MT_SET;
}

/* Consume one column's metadata from the metadata block (table_def). */
static vr_code_t col_meta(tm_ctx_t *x, rd_cur_t *c, vr_tm_col_t *col)
{
    switch (col->type) {
    case VR_MT_FLOAT: case VR_MT_DOUBLE: case VR_MT_GEOMETRY:
    case VR_MT_BLOB: case VR_MT_TINY_BLOB: case VR_MT_MEDIUM_BLOB:
    case VR_MT_LONG_BLOB:
        if (!rd_need(c, 1))
            return tm_corrupt(x, "metadata block too short");
        col->meta = c->p[0];
        col->max_len = c->p[0];
        c->p += 1;
        if (col->type != VR_MT_FLOAT && col->type != VR_MT_DOUBLE &&
            (col->max_len < 1 || col->max_len > 4))
            return tm_corrupt(x, "blob length bytes not in 1..4");
        return VR_OK;
    case VR_MT_STRING: case VR_MT_ENUM: case VR_MT_SET: {
        uint8_t b0, b1;
        if (!rd_need(c, 2))
            return tm_corrupt(x, "metadata block too short");
        b0 = c->p[0];
        b1 = c->p[1];
        c->p += 2;
        col->meta = (uint16_t)(b0 << 8 | b1);
        if ((b0 & 0x30) != 0x30) { /* CHAR longer than 255 bytes */
            col->max_len = b1 | (((uint32_t)(b0 & 0x30) ^ 0x30) << 4);
            col->type = VR_MT_STRING;
        } else if (b0 == VR_MT_STRING || b0 == VR_MT_ENUM || b0 == VR_MT_SET) {
            col->type = b0;
            col->max_len = b1;
        } else {
            return tm_corrupt(x, "bad real type of a STRING column");
        }
        if (is_enum_set(col->type) &&
            (col->max_len < 1 || col->max_len > (col->type == VR_MT_ENUM ? 2u : 8u)))
            return tm_corrupt(x, "bad ENUM/SET pack length");
        return VR_OK;
    }
    case VR_MT_BIT:
        if (!rd_need(c, 2))
            return tm_corrupt(x, "metadata block too short");
        col->meta = (uint16_t)(c->p[0] | c->p[1] << 8);
        col->max_len = (uint32_t)c->p[1] * 8 + c->p[0];
        c->p += 2;
        if (c->p[-2] > 7 || col->max_len == 0 || col->max_len > 64)
            return tm_corrupt(x, "bad BIT length");
        return VR_OK;
    case VR_MT_VARCHAR: case VR_MT_VAR_STRING:
        if (!rd_need(c, 2))
            return tm_corrupt(x, "metadata block too short");
        col->meta = rd_u16(c->p);
        col->max_len = col->meta;
        c->p += 2;
        return VR_OK;
    case VR_MT_NEWDECIMAL:
        if (!rd_need(c, 2))
            return tm_corrupt(x, "metadata block too short");
        col->precision = c->p[0];
        col->scale = c->p[1];
        col->meta = (uint16_t)(c->p[0] << 8 | c->p[1]);
        c->p += 2;
        if (col->precision < 1 || col->precision > 65 || col->scale > 38 ||
            col->scale > col->precision)
            return tm_corrupt(x, "bad DECIMAL precision/scale");
        return VR_OK;
    case VR_MT_TIME2: case VR_MT_DATETIME2: case VR_MT_TIMESTAMP2:
        if (!rd_need(c, 1))
            return tm_corrupt(x, "metadata block too short");
        col->meta = c->p[0];
        col->scale = c->p[0];
        c->p += 1;
        if (col->scale > 6)
            return tm_corrupt(x, "fractional digits above 6");
        return VR_OK;
    case VR_MT_TINY: case VR_MT_SHORT: case VR_MT_INT24: case VR_MT_LONG:
    case VR_MT_LONGLONG: case VR_MT_NULL: case VR_MT_TIMESTAMP:
    case VR_MT_DATE: case VR_MT_TIME: case VR_MT_DATETIME: case VR_MT_YEAR:
    case VR_MT_NEWDATE:
        col->meta = 0;
        return VR_OK;
    default:
        return vr_errorf(x->err, VR_UNSUPPORTED,
                         "table %s.%s column %u: unsupported binlog column type %u",
                         x->tm->db.s, x->tm->table.s,
                         (unsigned)(col - x->tm->cols) + 1, col->type);
    }
}

static bool read_name(rd_cur_t *c, vr_arena_t *a, vr_bl_str_t *out)
{
    uint64_t len;
    if (!rd_packed(c, &len) || !rd_need(c, len))
        return false;
    out->s = vr_arena_strndup(a, (const char *)c->p, (size_t)len);
    out->len = (uint32_t)len;
    c->p += len;
    return true;
}

/* The i-th column (0-based among those selected by pred), or NULL. */
static vr_tm_col_t *nth_col(vr_table_map_t *tm, bool (*pred)(uint8_t), uint64_t i)
{
    uint32_t k;
    for (k = 0; k < tm->ncols; k++)
        if (pred(tm->cols[k].type) && i-- == 0)
            return &tm->cols[k];
    return NULL;
}

static vr_code_t om_signedness(tm_ctx_t *x, rd_cur_t *c)
{
    vr_table_map_t *tm = x->tm;
    size_t bit = 0;
    uint32_t k;
    for (k = 0; k < tm->ncols; k++) {
        if (!is_numeric(tm->cols[k].type))
            continue;
        if ((bit >> 3) >= (size_t)(c->end - c->p))
            return tm_corrupt(x, "SIGNEDNESS bitmap too short");
        tm->cols[k].is_unsigned = (c->p[bit >> 3] >> (7 - (bit & 7))) & 1;
        bit++;
    }
    tm->has_signedness = true;
    return VR_OK;
}

/* DEFAULT_CHARSET and ENUM_AND_SET_DEFAULT_CHARSET: default, then pairs
 * (index among the selected columns, charset). */
static vr_code_t om_default_charset(tm_ctx_t *x, rd_cur_t *c, bool (*pred)(uint8_t))
{
    uint64_t def, idx, cs;
    uint32_t k;
    vr_tm_col_t *col;
    if (!rd_packed(c, &def))
        return tm_corrupt(x, "bad default charset");
    for (k = 0; k < x->tm->ncols; k++)
        if (pred(x->tm->cols[k].type))
            x->tm->cols[k].charset = (uint16_t)def;
    while (c->p < c->end) {
        if (!rd_packed(c, &idx) || !rd_packed(c, &cs))
            return tm_corrupt(x, "bad charset pair");
        if (!(col = nth_col(x->tm, pred, idx)))
            return tm_corrupt(x, "charset pair names a missing column");
        col->charset = (uint16_t)cs;
    }
    x->tm->has_charsets = true;
    return VR_OK;
}

static vr_code_t om_column_charset(tm_ctx_t *x, rd_cur_t *c, bool (*pred)(uint8_t))
{
    uint64_t cs;
    uint32_t k;
    for (k = 0; k < x->tm->ncols; k++) {
        if (!pred(x->tm->cols[k].type))
            continue;
        if (!rd_packed(c, &cs))
            return tm_corrupt(x, "COLUMN_CHARSET too short");
        x->tm->cols[k].charset = (uint16_t)cs;
    }
    x->tm->has_charsets = true;
    return VR_OK;
}

static vr_code_t om_column_names(tm_ctx_t *x, rd_cur_t *c)
{
    uint32_t k;
    for (k = 0; k < x->tm->ncols; k++)
        if (!read_name(c, x->a, &x->tm->cols[k].name))
            return tm_corrupt(x, "COLUMN_NAME too short");
    x->tm->has_names = true;
    return VR_OK;
}

static bool is_enum(uint8_t t) { return t == VR_MT_ENUM; }
static bool is_set(uint8_t t) { return t == VR_MT_SET; }

static vr_code_t om_str_values(tm_ctx_t *x, rd_cur_t *c, bool (*pred)(uint8_t))
{
    uint32_t k, i;
    for (k = 0; k < x->tm->ncols; k++) {
        vr_tm_col_t *col = &x->tm->cols[k];
        uint64_t n;
        if (!pred(col->type))
            continue;
        if (!rd_packed(c, &n) || n > (uint64_t)(c->end - c->p) || n > 65535)
            return tm_corrupt(x, "bad ENUM/SET member count");
        col->nvalues = (uint32_t)n;
        col->values = vr_arena_alloc(x->a, (n ? n : 1) * sizeof(vr_bl_str_t));
        for (i = 0; i < n; i++)
            if (!read_name(c, x->a, &col->values[i]))
                return tm_corrupt(x, "ENUM/SET member past its end");
    }
    return VR_OK;
}

static vr_code_t om_primary_key(tm_ctx_t *x, rd_cur_t *c, bool with_prefix)
{
    vr_table_map_t *tm = x->tm;
    size_t cap = tm->ncols, n = 0;
    uint32_t *pk = vr_arena_alloc(x->a, (cap ? cap : 1) * sizeof(uint32_t));
    while (c->p < c->end) {
        uint64_t idx, prefix;
        if (!rd_packed(c, &idx) || idx >= tm->ncols || n >= cap)
            return tm_corrupt(x, "bad primary key column");
        if (with_prefix && !rd_packed(c, &prefix))
            return tm_corrupt(x, "bad primary key prefix");
        pk[n++] = (uint32_t)idx;
        tm->cols[idx].pk = true;
    }
    tm->pk = pk;
    tm->npk = (uint32_t)n;
    tm->has_pk = true;
    return VR_OK;
}

static vr_code_t optional_field(tm_ctx_t *x, uint8_t type, rd_cur_t *f)
{
    switch (type) {
    case OM_SIGNEDNESS: return om_signedness(x, f);
    case OM_DEFAULT_CHARSET: return om_default_charset(x, f, is_character);
    case OM_COLUMN_CHARSET: return om_column_charset(x, f, is_character);
    case OM_COLUMN_NAME: return om_column_names(x, f);
    case OM_SET_STR_VALUE: return om_str_values(x, f, is_set);
    case OM_ENUM_STR_VALUE: return om_str_values(x, f, is_enum);
    case OM_SIMPLE_PRIMARY_KEY: return om_primary_key(x, f, false);
    case OM_PRIMARY_KEY_WITH_PREFIX: return om_primary_key(x, f, true);
    case OM_ENUM_AND_SET_DEFAULT_CHARSET:
        return om_default_charset(x, f, is_enum_set);
    case OM_ENUM_AND_SET_COLUMN_CHARSET:
        return om_column_charset(x, f, is_enum_set);
    case OM_GEOMETRY_TYPE:
        return VR_OK; /* geometry subtype: not needed to decode */
    default:
        return VR_OK; /* newer servers may add fields: skip by length */
    }
}

static vr_code_t optional_metadata(tm_ctx_t *x, rd_cur_t *c)
{
    vr_code_t rc;
    while (c->p < c->end) {
        uint8_t type = *c->p++;
        uint64_t len;
        rd_cur_t f;
        if (!rd_packed(c, &len) || !rd_need(c, len))
            return tm_corrupt(x, "optional metadata field past its end");
        f.p = c->p;
        f.end = c->p + len;
        if ((rc = optional_field(x, type, &f)) != VR_OK)
            return rc;
        c->p += len;
    }
    return VR_OK;
}

static vr_code_t read_names(tm_ctx_t *x, rd_cur_t *c)
{
    uint8_t len;
    vr_table_map_t *tm = x->tm;
    if (!rd_need(c, 1) || !rd_need(c, 1u + c->p[0] + 1u))
        return tm_corrupt(x, "database name past its end");
    len = *c->p++;
    tm->db.s = vr_arena_strndup(x->a, (const char *)c->p, len);
    tm->db.len = len;
    c->p += len + 1;
    if (!rd_need(c, 1) || !rd_need(c, 1u + c->p[0] + 1u))
        return tm_corrupt(x, "table name past its end");
    len = *c->p++;
    tm->table.s = vr_arena_strndup(x->a, (const char *)c->p, len);
    tm->table.len = len;
    c->p += len + 1;
    return VR_OK;
}

static vr_code_t read_columns(tm_ctx_t *x, rd_cur_t *c)
{
    vr_table_map_t *tm = x->tm;
    uint64_t n, mlen;
    uint32_t k;
    rd_cur_t m;
    vr_code_t rc;
    if (!rd_packed(c, &n) || n == 0 || n > VR_BL_MAX_COLUMNS || !rd_need(c, n))
        return tm_corrupt(x, "bad column count");
    tm->ncols = (uint32_t)n;
    tm->cols = vr_arena_calloc(x->a, n * sizeof(vr_tm_col_t));
    for (k = 0; k < n; k++)
        tm->cols[k].type = c->p[k];
    c->p += n;
    if (!rd_packed(c, &mlen) || !rd_need(c, mlen))
        return tm_corrupt(x, "metadata block past its end");
    m.p = c->p;
    m.end = c->p + mlen;
    for (k = 0; k < n; k++)
        if ((rc = col_meta(x, &m, &tm->cols[k])) != VR_OK)
            return rc;
    if (m.p != m.end)
        return tm_corrupt(x, "metadata block longer than its columns");
    c->p += mlen;
    if (!rd_need(c, (n + 7) / 8))
        return tm_corrupt(x, "null bitmap past its end");
    for (k = 0; k < n; k++)
        tm->cols[k].nullable = bit_lsb(c->p, k);
    c->p += (n + 7) / 8;
    return VR_OK;
}

vr_code_t vr_bl_parse_table_map(const vr_bl_format_t *f, const vr_bl_event_t *ev,
                                vr_arena_t *a, vr_table_map_t **out,
                                vr_error_t *err)
{
    rd_cur_t c = {ev->body, ev->body + ev->body_len};
    size_t ph = f->post_header[VR_BL_TABLE_MAP] ? f->post_header[VR_BL_TABLE_MAP] : 8;
    tm_ctx_t x;
    vr_code_t rc;
    x.tm = vr_arena_calloc(a, sizeof(vr_table_map_t));
    x.a = a;
    x.err = err;
    *out = NULL;
    if ((ph != 6 && ph != 8) || !rd_need(&c, ph))
        return tm_corrupt(&x, "bad post-header");
    x.tm->table_id = ph == 6 ? rd_u32(c.p) : rd_u48(c.p);
    x.tm->flags = rd_u16(c.p + ph - 2);
    c.p += ph;
    if ((rc = read_names(&x, &c)) != VR_OK ||
        (rc = read_columns(&x, &c)) != VR_OK ||
        (rc = optional_metadata(&x, &c)) != VR_OK)
        return rc;
    vr_table_map_set_types(x.tm, NULL);
    *out = x.tm;
    return VR_OK;
}

static vr_type_t int_type(uint8_t t, bool u)
{
    switch (t) {
    case VR_MT_TINY: return u ? VR_TYPE_UINT8 : VR_TYPE_INT8;
    case VR_MT_SHORT: return u ? VR_TYPE_UINT16 : VR_TYPE_INT16;
    case VR_MT_INT24: return u ? VR_TYPE_UINT24 : VR_TYPE_INT24;
    case VR_MT_LONG: return u ? VR_TYPE_UINT32 : VR_TYPE_INT32;
    default: return u ? VR_TYPE_UINT64 : VR_TYPE_INT64;
    }
}

static vr_type_t col_vtype(const vr_tm_col_t *c, bool json)
{
    bool bin = c->charset == VR_CHARSET_BINARY;
    switch (c->type) {
    case VR_MT_TINY: case VR_MT_SHORT: case VR_MT_INT24: case VR_MT_LONG:
    case VR_MT_LONGLONG:
        return int_type(c->type, c->is_unsigned);
    case VR_MT_FLOAT: return VR_TYPE_FLOAT32;
    case VR_MT_DOUBLE: return VR_TYPE_FLOAT64;
    case VR_MT_NEWDECIMAL: case VR_MT_DECIMAL: return VR_TYPE_DECIMAL;
    case VR_MT_YEAR: return VR_TYPE_YEAR;
    case VR_MT_DATE: case VR_MT_NEWDATE: return VR_TYPE_DATE;
    case VR_MT_TIME: case VR_MT_TIME2: return VR_TYPE_TIME;
    case VR_MT_DATETIME: case VR_MT_DATETIME2: return VR_TYPE_DATETIME;
    case VR_MT_TIMESTAMP: case VR_MT_TIMESTAMP2: return VR_TYPE_TIMESTAMP;
    case VR_MT_BIT: return VR_TYPE_BIT;
    case VR_MT_ENUM: return VR_TYPE_ENUM;
    case VR_MT_SET: return VR_TYPE_SET;
    case VR_MT_STRING: return bin ? VR_TYPE_BINARY : VR_TYPE_CHAR;
    case VR_MT_VARCHAR: case VR_MT_VAR_STRING:
        return bin ? VR_TYPE_VARBINARY : VR_TYPE_VARCHAR;
    case VR_MT_GEOMETRY: return VR_TYPE_GEOMETRY;
    case VR_MT_BLOB: case VR_MT_TINY_BLOB: case VR_MT_MEDIUM_BLOB:
    case VR_MT_LONG_BLOB:
        if (json)
            return VR_TYPE_JSON;
        return bin ? VR_TYPE_BLOB : VR_TYPE_TEXT;
    default:
        return VR_TYPE_NULL_TYPE;
    }
}

void vr_table_map_set_types(vr_table_map_t *tm, const bool *is_json)
{
    uint32_t k;
    for (k = 0; k < tm->ncols; k++)
        tm->cols[k].vtype = col_vtype(&tm->cols[k], is_json && is_json[k]);
}
