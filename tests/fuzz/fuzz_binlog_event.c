/*
 * fuzz_binlog_event.c - libFuzzer target over binlog events.
 *
 * The input is one or more raw events (19-byte header, no checksum), fed
 * through the whole stream pipeline (framing, FORMAT_DESCRIPTION, GTID,
 * QUERY, TABLE_MAP with optional metadata, ROWS decoding) after a fixed
 * preamble: a FORMAT_DESCRIPTION without checksums, a TABLE_MAP (table id
 * 1000) with a column of every type and full optional metadata, and a GTID
 * event, so a lone ROWS event for table 1000 decodes.  Every decoded value
 * is rendered as text, JSON and SQL.  The input is also parsed as a GTID
 * set.  Nothing may read out of bounds or leak; errors are fine.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "binlog_event.h"
#include "vr_common.h"
#include "vr_gtid.h"
#include "vr_value.h"
#include "vr_vstream.h"
#include "vstream_int.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

typedef struct fb {
    uint8_t d[4096];
    size_t n;
} fb_t;

static void put(fb_t *b, const void *p, size_t n)
{
    memcpy(b->d + b->n, p, n);
    b->n += n;
}
static void put8(fb_t *b, unsigned v)
{
    uint8_t x = (uint8_t)v;
    put(b, &x, 1);
}
static void putle(fb_t *b, uint64_t v, size_t n)
{
    size_t i;
    for (i = 0; i < n; i++)
        put8(b, (unsigned)(v >> (8 * i)) & 0xFF);
}
static void putname(fb_t *b, const char *s)
{
    put8(b, (unsigned)strlen(s));
    put(b, s, strlen(s));
}

static void event(fb_t *out, uint8_t type, const fb_t *body)
{
    putle(out, 1, 4);
    put8(out, type);
    putle(out, 1, 4);
    putle(out, VR_BL_HEADER_LEN + body->n, 4);
    putle(out, 0, 4);
    putle(out, 0, 2);
    put(out, body->d, body->n);
}

static void fde(fb_t *out)
{
    fb_t b = {{0}, 0};
    vr_bl_format_t f;
    uint8_t ver[50] = "10.11.19-MariaDB";
    int i;
    vr_bl_format_init(&f, false);
    putle(&b, 4, 2);
    put(&b, ver, 50);
    putle(&b, 0, 4);
    put8(&b, 19);
    for (i = 1; i <= 171; i++)
        put8(&b, f.post_header[i]);
    put8(&b, 0); /* no checksums */
    event(out, VR_BL_FORMAT_DESCRIPTION, &b);
}

/* A table with a column of every type. */
static void table_map(fb_t *out)
{
    static const uint8_t types[] = {
        VR_MT_TINY, VR_MT_SHORT, VR_MT_INT24, VR_MT_LONG, VR_MT_LONGLONG, VR_MT_FLOAT,
        VR_MT_DOUBLE, VR_MT_NEWDECIMAL, VR_MT_YEAR, VR_MT_DATE, VR_MT_TIME2,
        VR_MT_DATETIME2, VR_MT_TIMESTAMP2, VR_MT_BIT, VR_MT_STRING, VR_MT_STRING,
        VR_MT_STRING, VR_MT_STRING, VR_MT_VARCHAR, VR_MT_VARCHAR, VR_MT_BLOB, VR_MT_BLOB,
        VR_MT_GEOMETRY, VR_MT_TIME, VR_MT_DATETIME, VR_MT_TIMESTAMP, VR_MT_NULL};
    static const uint8_t meta[] = {
        4, 8, 20, 6, 3, 6, 2, 4, 1,       /* float, double, decimal(20,6), time2(3), dt2(6), ts2(2), bit(12) */
        VR_MT_ENUM, 1, VR_MT_SET, 1, VR_MT_STRING, 80, 0xCE, 0xFC, /* enum, set, char(20), char(255) */
        0x2C, 0x01, 10, 0,               /* varchar(300), varbinary(10) */
        2, 4, 4};                        /* blob, longblob, geometry */
    fb_t b = {{0}, 0}, om = {{0}, 0};
    size_t n = sizeof(types), i;
    char name[8];
    putle(&b, 1000, 6);
    putle(&b, 1, 2);
    putname(&b, "db");
    put8(&b, 0);
    putname(&b, "t");
    put8(&b, 0);
    put8(&b, (unsigned)n);
    put(&b, types, n);
    put8(&b, sizeof(meta));
    put(&b, meta, sizeof(meta));
    putle(&b, 0xFFFFFFFF, 4); /* all nullable */
    /* SIGNEDNESS: 9 numeric columns, alternate */
    put8(&om, 1); put8(&om, 2); put8(&om, 0xAA); put8(&om, 0x80);
    /* COLUMN_CHARSET: char, char, varchar, varbinary, blob, longblob, geometry */
    put8(&om, 3); put8(&om, 7);
    put8(&om, 45); put8(&om, 8); put8(&om, 45); put8(&om, 63); put8(&om, 63);
    put8(&om, 46); put8(&om, 63);
    /* ENUM_STR_VALUE / SET_STR_VALUE */
    put8(&om, 6); put8(&om, 6); put8(&om, 2); putname(&om, "a"); putname(&om, "bc");
    put8(&om, 5); put8(&om, 6); put8(&om, 3); putname(&om, "x"); putname(&om, "y");
    putname(&om, "");
    /* COLUMN_NAME */
    {
        fb_t names = {{0}, 0};
        for (i = 0; i < n; i++) {
            name[0] = 'c';
            name[1] = (char)('a' + i);
            name[2] = '\0';
            putname(&names, name);
        }
        put8(&om, 4);
        put8(&om, (unsigned)names.n);
        put(&om, names.d, names.n);
    }
    put8(&om, 8); put8(&om, 1); put8(&om, 3); /* SIMPLE_PRIMARY_KEY: column 3 */
    put(&b, om.d, om.n);
    event(out, VR_BL_TABLE_MAP, &b);
}

static void gtid(fb_t *out)
{
    fb_t b = {{0}, 0};
    putle(&b, 7, 8);
    putle(&b, 0, 4);
    put8(&b, 0);
    putle(&b, 0, 6);
    event(out, VR_BL_GTID, &b);
}

static fb_t preamble;
static size_t preamble_no_gtid; /* length without the trailing GTID event */

static void render(const vr_vevent_t *ev, vr_buf_t *b)
{
    size_t i;
    uint32_t k;
    for (i = 0; i < ev->nrows; i++) {
        const vr_value_t *imgs[2] = {ev->rows[i].before, ev->rows[i].after};
        int m;
        for (m = 0; m < 2; m++) {
            if (!imgs[m])
                continue;
            for (k = 0; k < ev->table->nfields; k++) {
                vr_value_append_text(b, &imgs[m][k]);
                vr_value_append_json(b, &imgs[m][k]);
                vr_value_append_sql(b, &imgs[m][k]);
                vr_buf_reset(b);
            }
        }
    }
}

static void fuzz_gtid_set(const uint8_t *data, size_t size)
{
    char *s = vr_xstrndup((const char *)data, size > 256 ? 256 : size);
    vr_gtid_set_t set = VR_GTID_SET_INIT;
    vr_error_t err;
    if (vr_gtid_set_parse(&set, s, &err) == VR_OK) {
        char *t = vr_gtid_set_to_string(&set);
        free(t);
    }
    vr_gtid_set_free(&set);
    free(s);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    vr_vstream_opts_t o;
    vr_vstream_t *s = NULL;
    vr_error_t err;
    const vr_vevent_t *ev;
    vr_buf_t b = VR_BUF_INIT;
    uint8_t *buf;
    int guard = 0;
    size_t pre;
    if (preamble.n == 0) {
        put(&preamble, "\xfe" "bin", 4);
        fde(&preamble);
        table_map(&preamble);
        preamble_no_gtid = preamble.n;
        gtid(&preamble);
    }
    fuzz_gtid_set(data, size);
    /* inputs that open their own transaction get no preamble GTID */
    pre = size > 4 && data[4] == VR_BL_GTID ? preamble_no_gtid : preamble.n;
    buf = malloc(pre + size + 1);
    memcpy(buf, preamble.d, pre);
    if (size)
        memcpy(buf + pre, data, size);
    memset(&o, 0, sizeof(o));
    if (vr_vstream_open_buffer(buf, pre + size, &o, false, &s, &err) == VR_OK) {
        while (guard++ < 100000 && vr_vstream_next(s, &ev, &err) == VR_OK && ev)
            if (ev->type == VR_VEVENT_ROW)
                render(ev, &b);
    }
    vr_vstream_close(s);
    vr_buf_free(&b);
    free(buf);
    return 0;
}
