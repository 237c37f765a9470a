/*
 * rowstreamer.c - a consistent snapshot of one table, streamed in
 * primary-key order (the copy phase's source).
 *
 * Two connections: `lock` takes LOCK TABLES t READ while `snap` starts a
 * transaction WITH CONSISTENT SNAPSHOT, then `lock` reads
 * @@gtid_binlog_pos and unlocks.  Every transaction that wrote t committed
 * before the lock, so it is in both the snapshot and the position; later
 * ones are in neither, and a binlog stream from the position replays them.
 * One query (mysql_use_result) then reads the snapshot ordered by the key,
 * from `key > lastpk` written as a disjunction the range optimizer serves,
 * and packets are cut client-side, so memory is bounded by a packet.
 *
 * Invariant: packet values are copies in the packet arena (a streamed
 * result reuses its row buffer).  Runs on the caller's thread.
 */
#include "source.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "vr_common.h"

#define DEFAULT_ROWS 1000
#define DEFAULT_BYTES ((size_t)1 << 20)

struct vr_rowstream {
    MYSQL *snap;
    MYSQL_RES *res;
    char *db;
    char *name;
    vr_gtid_set_t position;
    vr_arena_t *schema;       /* table description (lives with the stream) */
    vr_arena_t *pkt_arena;    /* the current packet */
    vr_vtable_t *table;
    size_t packet_rows;
    size_t packet_bytes;
    bool finished;
    vr_rowpacket_t pkt;
};

/* ---- the table ---------------------------------------------------------- */

typedef struct type_map {
    const char *data_type;
    vr_type_t sig;   /* signed / default */
    vr_type_t uns;   /* unsigned variant */
} type_map_t;

static const type_map_t type_names[] = {
    {"tinyint", VR_TYPE_INT8, VR_TYPE_UINT8},
    {"smallint", VR_TYPE_INT16, VR_TYPE_UINT16},
    {"mediumint", VR_TYPE_INT24, VR_TYPE_UINT24},
    {"int", VR_TYPE_INT32, VR_TYPE_UINT32},
    {"bigint", VR_TYPE_INT64, VR_TYPE_UINT64},
    {"float", VR_TYPE_FLOAT32, VR_TYPE_FLOAT32},
    {"double", VR_TYPE_FLOAT64, VR_TYPE_FLOAT64},
    {"decimal", VR_TYPE_DECIMAL, VR_TYPE_DECIMAL},
    {"year", VR_TYPE_YEAR, VR_TYPE_YEAR},
    {"date", VR_TYPE_DATE, VR_TYPE_DATE},
    {"time", VR_TYPE_TIME, VR_TYPE_TIME},
    {"datetime", VR_TYPE_DATETIME, VR_TYPE_DATETIME},
    {"timestamp", VR_TYPE_TIMESTAMP, VR_TYPE_TIMESTAMP},
    {"bit", VR_TYPE_BIT, VR_TYPE_BIT},
    {"enum", VR_TYPE_ENUM, VR_TYPE_ENUM},
    {"set", VR_TYPE_SET, VR_TYPE_SET},
    {"char", VR_TYPE_CHAR, VR_TYPE_CHAR},
    {"varchar", VR_TYPE_VARCHAR, VR_TYPE_VARCHAR},
    {"binary", VR_TYPE_BINARY, VR_TYPE_BINARY},
    {"varbinary", VR_TYPE_VARBINARY, VR_TYPE_VARBINARY},
    {"tinytext", VR_TYPE_TEXT, VR_TYPE_TEXT},
    {"text", VR_TYPE_TEXT, VR_TYPE_TEXT},
    {"mediumtext", VR_TYPE_TEXT, VR_TYPE_TEXT},
    {"longtext", VR_TYPE_TEXT, VR_TYPE_TEXT},
    {"tinyblob", VR_TYPE_BLOB, VR_TYPE_BLOB},
    {"blob", VR_TYPE_BLOB, VR_TYPE_BLOB},
    {"mediumblob", VR_TYPE_BLOB, VR_TYPE_BLOB},
    {"longblob", VR_TYPE_BLOB, VR_TYPE_BLOB},
};

static vr_type_t type_of(const char *data_type, bool is_unsigned, bool json)
{
    size_t i;
    if (json)
        return VR_TYPE_JSON;
    for (i = 0; i < VR_ARRAY_LEN(type_names); i++)
        if (strcmp(type_names[i].data_type, data_type) == 0)
            return is_unsigned ? type_names[i].uns : type_names[i].sig;
    if (strstr(data_type, "point") || strstr(data_type, "line") ||
        strstr(data_type, "polygon") || strstr(data_type, "geometry"))
        return VR_TYPE_GEOMETRY;
    return VR_TYPE_VARCHAR; /* inet6, uuid, ...: their text form */
}

static void put_literal(MYSQL *c, vr_buf_t *q, const char *s)
{
    size_t n = strlen(s);
    char *tmp = vr_xmalloc(2 * n + 1);
    mysql_real_escape_string(c, tmp, s, (unsigned long)n);
    vr_buf_printf(q, "'%s'", tmp);
    free(tmp);
}

static void fill_field(vr_rowstream_t *rs, vr_vfield_t *f, MYSQL_ROW row)
{
    /* NAME, DATA_TYPE, unsigned, collation id, nullable, json, octets,
     * numeric precision, numeric scale / datetime precision */
    bool uns = row[2] && strcmp(row[2], "1") == 0;
    f->name = vr_arena_strdup(rs->schema, row[0] ? row[0] : "");
    f->type = type_of(row[1] ? row[1] : "", uns, row[5] && strcmp(row[5], "0") != 0);
    f->charset = row[3] ? (uint16_t)strtoul(row[3], NULL, 10) : 0;
    f->flags = (uns ? VR_FIELD_UNSIGNED : 0) |
               (row[4] && strcmp(row[4], "NO") == 0 ? VR_FIELD_NOT_NULL : 0) |
               (f->charset == VR_CHARSET_BINARY ? VR_FIELD_BINARY : 0);
    if (row[6])
        f->length = (uint32_t)strtoul(row[6], NULL, 10);
    else if (row[7])
        f->length = (uint32_t)strtoul(row[7], NULL, 10);
    f->decimals = row[8] ? (uint8_t)strtoul(row[8], NULL, 10) : 0;
}

static vr_code_t load_fields(vr_rowstream_t *rs, MYSQL *c, vr_error_t *err)
{
    vr_buf_t q = VR_BUF_INIT;
    MYSQL_RES *res = NULL;
    MYSQL_ROW row;
    vr_vfield_t *f;
    uint32_t n, k = 0;
    vr_code_t rc = VR_OK;
    vr_buf_puts(&q, "SELECT c.COLUMN_NAME, c.DATA_TYPE, c.COLUMN_TYPE LIKE '%unsigned%',"
                    " IF(c.CHARACTER_MAXIMUM_LENGTH IS NULL, 0, IF(c.COLLATION_NAME IS NULL,"
                    " 63, (SELECT l.ID FROM information_schema.COLLATIONS l WHERE"
                    " l.COLLATION_NAME=c.COLLATION_NAME))), c.IS_NULLABLE,"
                    " (SELECT COUNT(*) FROM information_schema.CHECK_CONSTRAINTS k WHERE"
                    " k.CONSTRAINT_SCHEMA=c.TABLE_SCHEMA AND k.TABLE_NAME=c.TABLE_NAME AND"
                    " k.CHECK_CLAUSE=CONCAT('json_valid(`',c.COLUMN_NAME,'`)')),"
                    " c.CHARACTER_OCTET_LENGTH, c.NUMERIC_PRECISION,"
                    " COALESCE(c.NUMERIC_SCALE, c.DATETIME_PRECISION)"
                    " FROM information_schema.COLUMNS c WHERE c.TABLE_SCHEMA=");
    put_literal(c, &q, rs->db);
    vr_buf_puts(&q, " AND c.TABLE_NAME=");
    put_literal(c, &q, rs->name);
    vr_buf_puts(&q, " ORDER BY c.ORDINAL_POSITION");
    if (mysql_query(c, q.data) || !(res = mysql_store_result(c))) {
        rc = vr_src_error(c, err, "reading the table's columns");
        goto out;
    }
    n = (uint32_t)mysql_num_rows(res);
    if (n == 0) {
        rc = vr_errorf(err, VR_NOT_FOUND, "table %s.%s does not exist", rs->db, rs->name);
        goto out;
    }
    f = vr_arena_calloc(rs->schema, n * sizeof(*f));
    while ((row = mysql_fetch_row(res)) && k < n)
        fill_field(rs, &f[k++], row);
    rs->table->fields = f;
    rs->table->nfields = k;
out:
    mysql_free_result(res);
    vr_buf_free(&q);
    return rc;
}

static vr_code_t load_pk(vr_rowstream_t *rs, MYSQL *c, vr_error_t *err)
{
    vr_buf_t q = VR_BUF_INIT;
    MYSQL_RES *res = NULL;
    MYSQL_ROW row;
    uint32_t *pk = vr_arena_alloc(rs->schema, rs->table->nfields * sizeof(uint32_t));
    uint32_t npk = 0, k;
    vr_code_t rc = VR_OK;
    vr_buf_puts(&q, "SELECT COLUMN_NAME FROM information_schema.STATISTICS WHERE"
                    " INDEX_NAME='PRIMARY' AND TABLE_SCHEMA=");
    put_literal(c, &q, rs->db);
    vr_buf_puts(&q, " AND TABLE_NAME=");
    put_literal(c, &q, rs->name);
    vr_buf_puts(&q, " ORDER BY SEQ_IN_INDEX");
    if (mysql_query(c, q.data) || !(res = mysql_store_result(c))) {
        rc = vr_src_error(c, err, "reading the table's primary key");
        goto out;
    }
    while ((row = mysql_fetch_row(res)))
        for (k = 0; k < rs->table->nfields; k++)
            if (row[0] && strcmp(row[0], rs->table->fields[k].name) == 0 &&
                npk < rs->table->nfields) {
                pk[npk++] = k;
                ((vr_vfield_t *)rs->table->fields)[k].flags |= VR_FIELD_PK;
            }
    if (npk == 0)
        rc = vr_errorf(err, VR_UNSUPPORTED, "table %s.%s has no primary key: it cannot "
                       "be copied in key order", rs->db, rs->name);
    rs->table->pk = pk;
    rs->table->npk = npk;
out:
    mysql_free_result(res);
    vr_buf_free(&q);
    return rc;
}

/* ---- the snapshot --------------------------------------------------------- */

static vr_code_t take_snapshot(vr_rowstream_t *rs, const vr_vstream_source_t *src,
                               vr_error_t *err)
{
    MYSQL *lock = NULL;
    vr_buf_t q = VR_BUF_INIT, pos = VR_BUF_INIT;
    vr_code_t rc;
    if ((rc = vr_src_connect(src, 0, &lock, err)) != VR_OK)
        goto out;
    if ((rc = load_fields(rs, lock, err)) != VR_OK || (rc = load_pk(rs, lock, err)) != VR_OK)
        goto out;
    vr_buf_puts(&q, "LOCK TABLES ");
    vr_buf_put_sql_ident(&q, rs->db);
    vr_buf_putc(&q, '.');
    vr_buf_put_sql_ident(&q, rs->name);
    vr_buf_puts(&q, " READ");
    if ((rc = vr_src_exec(lock, q.data, err)) != VR_OK ||
        (rc = vr_src_exec(rs->snap, "SET time_zone='+00:00'", err)) != VR_OK ||
        (rc = vr_src_exec(rs->snap, "SET SESSION TRANSACTION ISOLATION LEVEL REPEATABLE READ",
                          err)) != VR_OK ||
        (rc = vr_src_exec(rs->snap, "START TRANSACTION WITH CONSISTENT SNAPSHOT, READ ONLY",
                          err)) != VR_OK ||
        (rc = vr_src_scalar(lock, "SELECT @@global.gtid_binlog_pos", &pos, err)) != VR_OK ||
        (rc = vr_src_exec(lock, "UNLOCK TABLES", err)) != VR_OK)
        goto out;
    rc = vr_gtid_set_parse(&rs->position, pos.data, err);
out:
    if (lock)
        mysql_close(lock); /* also releases the lock on any error */
    vr_buf_free(&q);
    vr_buf_free(&pos);
    return rc;
}

/* `(a,b) > (x,y)` as `a > x OR (a = x AND b > y)`: the form MariaDB's
 * range optimizer turns into an index range. */
static void put_after_key(vr_buf_t *q, const vr_vtable_t *t, const vr_value_t *lastpk)
{
    uint32_t i, j;
    vr_buf_puts(q, " WHERE ");
    for (i = 0; i < t->npk; i++) {
        vr_buf_puts(q, i ? " OR (" : "(");
        for (j = 0; j <= i; j++) {
            if (j)
                vr_buf_puts(q, " AND ");
            vr_buf_put_sql_ident(q, t->fields[t->pk[j]].name);
            vr_buf_puts(q, j == i ? " > " : " = ");
            vr_value_append_sql(q, &lastpk[j]);
        }
        vr_buf_putc(q, ')');
    }
}

static vr_code_t start_query(vr_rowstream_t *rs, const vr_rowstream_opts_t *o,
                             vr_error_t *err)
{
    const vr_vtable_t *t = rs->table;
    vr_buf_t q = VR_BUF_INIT;
    vr_code_t rc = VR_OK;
    uint32_t k;
    vr_buf_puts(&q, "SELECT ");
    for (k = 0; k < t->nfields; k++) {
        if (k)
            vr_buf_putc(&q, ',');
        vr_buf_put_sql_ident(&q, t->fields[k].name);
    }
    vr_buf_puts(&q, " FROM ");
    vr_buf_put_sql_ident(&q, rs->db);
    vr_buf_putc(&q, '.');
    vr_buf_put_sql_ident(&q, rs->name);
    if (o->lastpk)
        put_after_key(&q, t, o->lastpk);
    vr_buf_puts(&q, " ORDER BY ");
    for (k = 0; k < t->npk; k++) {
        if (k)
            vr_buf_putc(&q, ',');
        vr_buf_put_sql_ident(&q, t->fields[t->pk[k]].name);
    }
    vr_log_debug("vstream", "rowstream query: %s", q.data);
    /* rows as stored, like the binlog's: no conversion of latin1 (or any
     * other charset) text to the connection's utf8mb4 */
    if ((rc = vr_src_exec(rs->snap, "SET character_set_results = binary", err)) != VR_OK) {
        vr_buf_free(&q);
        return rc;
    }
    if (mysql_real_query(rs->snap, q.data, (unsigned long)q.len) ||
        !(rs->res = mysql_use_result(rs->snap)))
        rc = vr_src_error(rs->snap, err, "reading the snapshot");
    vr_buf_free(&q);
    return rc;
}

static vr_code_t split_table(vr_rowstream_t *rs, const vr_rowstream_opts_t *o, vr_error_t *err)
{
    const char *dot = o->table ? strchr(o->table, '.') : NULL;
    if (!o->table || !*o->table)
        return vr_errorf(err, VR_INVALID, "no table to copy");
    if (dot) {
        rs->db = vr_xstrndup(o->table, (size_t)(dot - o->table));
        rs->name = vr_xstrdup(dot + 1);
    } else if (o->source.db) {
        rs->db = vr_xstrdup(o->source.db);
        rs->name = vr_xstrdup(o->table);
    } else {
        return vr_errorf(err, VR_INVALID, "table '%s' needs a database (db.table)", o->table);
    }
    return VR_OK;
}

vr_code_t vr_rowstream_open(const vr_rowstream_opts_t *o, vr_rowstream_t **out,
                            vr_error_t *err)
{
    vr_rowstream_t *rs = vr_xcalloc(1, sizeof(*rs));
    vr_code_t rc;
    *out = NULL;
    vr_gtid_set_init(&rs->position);
    rs->schema = vr_arena_new(0);
    rs->pkt_arena = vr_arena_new(DEFAULT_BYTES + (DEFAULT_BYTES >> 1));
    rs->table = vr_arena_calloc(rs->schema, sizeof(*rs->table));
    rs->packet_rows = o->packet_rows ? o->packet_rows : DEFAULT_ROWS;
    rs->packet_bytes = o->packet_bytes ? o->packet_bytes : DEFAULT_BYTES;
    if ((rc = split_table(rs, o, err)) != VR_OK)
        goto fail;
    rs->table->db = rs->db;
    rs->table->name = rs->name;
    rs->table->version = 1;
    if ((rc = vr_src_connect(&o->source, 0, &rs->snap, err)) != VR_OK ||
        (rc = take_snapshot(rs, &o->source, err)) != VR_OK)
        goto fail;
    if (o->lastpk && o->nlastpk != rs->table->npk) {
        rc = vr_errorf(err, VR_INVALID, "lastpk has %zu values, the key of %s.%s %u",
                       o->nlastpk, rs->db, rs->name, rs->table->npk);
        goto fail;
    }
    if ((rc = start_query(rs, o, err)) != VR_OK)
        goto fail;
    *out = rs;
    return VR_OK;
fail:
    vr_error_prefix(err, "snapshot of %s", o->table ? o->table : "(none)");
    vr_rowstream_close(rs);
    return rc;
}

const vr_gtid_set_t *vr_rowstream_position(const vr_rowstream_t *rs)
{
    return &rs->position;
}

/* ---- text values ------------------------------------------------------------ */

static unsigned num(const char **p, const char *end, unsigned maxd)
{
    unsigned v = 0, d = 0;
    while (*p < end && d < maxd && **p >= '0' && **p <= '9') {
        v = v * 10 + (unsigned)(**p - '0');
        (*p)++;
        d++;
    }
    return v;
}

/* "[-]HHH:MM:SS[.ffffff]", "YYYY-MM-DD[ HH:MM:SS[.ffffff]]" */
static void parse_temporal(const char *s, size_t n, vr_value_t *v)
{
    vr_temporal_t *t = &v->v.tm;
    const char *p = s, *end = s + n;
    memset(t, 0, sizeof(*t));
    if (v->type != VR_TYPE_TIME) {
        t->year = (int32_t)num(&p, end, 4);
        p++;
        t->month = (uint8_t)num(&p, end, 2);
        p++;
        t->day = (uint8_t)num(&p, end, 2);
        if (p >= end)
            return;
        p++;
    } else if (p < end && *p == '-') {
        t->neg = true;
        p++;
    }
    t->hour = num(&p, end, 4);
    p++;
    t->minute = (uint8_t)num(&p, end, 2);
    p++;
    t->second = (uint8_t)num(&p, end, 2);
    if (p < end && *p == '.') {
        const char *f = ++p;
        unsigned us = num(&p, end, 6), digits = (unsigned)(p - f);
        while (digits++ < 6)
            us *= 10;
        t->usec = us;
    }
}

static void to_value(const vr_vfield_t *f, const char *s, size_t n, vr_arena_t *a,
                     vr_value_t *v)
{
    memset(v, 0, sizeof(*v));
    v->type = f->type;
    v->charset = f->charset;
    v->decimals = f->decimals;
    if (!s) {
        v->is_null = true;
        return;
    }
    if (vr_type_is_signed(f->type)) {
        v->v.i = strtoll(s, NULL, 10);
    } else if (f->type == VR_TYPE_BIT) {
        size_t i;
        for (i = 0; i < n && i < 8; i++)
            v->v.u = v->v.u << 8 | (uint8_t)s[i];
    } else if (vr_type_is_unsigned(f->type)) {
        v->v.u = strtoull(s, NULL, 10);
    } else if (vr_type_is_float(f->type)) {
        v->v.d = strtod(s, NULL);
    } else if (vr_type_is_temporal(f->type)) {
        parse_temporal(s, n, v);
    } else {
        v->s = vr_arena_memdup(a, s, n);
        v->len = n;
    }
}

vr_code_t vr_rowstream_next(vr_rowstream_t *rs, const vr_rowpacket_t **pkt,
                            vr_error_t *err)
{
    const vr_vtable_t *t = rs->table;
    vr_value_t **rows;
    size_t n = 0, bytes = 0, cap = rs->packet_rows;
    MYSQL_ROW row;
    *pkt = NULL;
    if (rs->finished)
        return VR_OK;
    vr_arena_reset(rs->pkt_arena);
    rows = vr_arena_alloc(rs->pkt_arena, cap * sizeof(*rows));
    while (n < cap && bytes < rs->packet_bytes && (row = mysql_fetch_row(rs->res))) {
        unsigned long *lens = mysql_fetch_lengths(rs->res);
        vr_value_t *vals = vr_arena_alloc(rs->pkt_arena, t->nfields * sizeof(*vals));
        uint32_t k;
        for (k = 0; k < t->nfields; k++) {
            to_value(&t->fields[k], row[k], lens[k], rs->pkt_arena, &vals[k]);
            bytes += lens[k] + sizeof(vr_value_t);
        }
        rows[n++] = vals;
    }
    if (n < cap && bytes < rs->packet_bytes) { /* the result ended */
        if (mysql_errno(rs->snap))
            return vr_src_error(rs->snap, err, "reading the snapshot");
        rs->finished = true;
    }
    memset(&rs->pkt, 0, sizeof(rs->pkt));
    rs->pkt.table = t;
    rs->pkt.nrows = n;
    rs->pkt.rows = (const vr_value_t *const *)rows;
    rs->pkt.done = rs->finished;
    if (n) {
        vr_value_t *lp = vr_arena_alloc(rs->pkt_arena, t->npk * sizeof(*lp));
        uint32_t k;
        for (k = 0; k < t->npk; k++)
            lp[k] = rows[n - 1][t->pk[k]];
        rs->pkt.lastpk = lp;
    }
    *pkt = &rs->pkt;
    return VR_OK;
}

void vr_rowstream_close(vr_rowstream_t *rs)
{
    if (!rs)
        return;
    if (rs->res) {
        /* freeing a half-read streamed result reads the rest of it: cut
         * the connection first so closing early stays cheap */
        if (!rs->finished)
            shutdown((int)mysql_get_socket(rs->snap), SHUT_RDWR);
        mysql_free_result(rs->res);
    }
    if (rs->snap)
        mysql_close(rs->snap);
    vr_gtid_set_free(&rs->position);
    vr_arena_free(rs->schema);
    vr_arena_free(rs->pkt_arena);
    free(rs->db);
    free(rs->name);
    free(rs);
}
