/*
 * test_vstreamer.c - unit tests of vstreamer/: GTID sets, the event
 * parsers and the row decoder on hand-built byte images, and the stream
 * state machine over binlog bytes in memory.
 *
 * Row images are built here the way MariaDB's Field::pack / compat56.cc
 * write them (independently of the decoder), so each test states a value,
 * its bytes and the text we must read back.
 */
#include <criterion/criterion.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "binlog_event.h"
#include "rows_decode.h"
#include "vr_common.h"
#include "vr_gtid.h"
#include "vr_value.h"
#include "vr_vstream.h"
#include "vstream_int.h"

/* ======================================================================
 * GTID sets
 * ==================================================================== */

static char *fmt_set(const vr_gtid_set_t *s)
{
    return vr_gtid_set_to_string(s);
}

Test(gtid, parse_one)
{
    vr_gtid_t g;
    vr_error_t err;
    char buf[VR_GTID_STR_MAX];
    cr_assert_eq(vr_gtid_parse("0-101-7", &g, &err), VR_OK);
    cr_assert_eq(g.domain, 0);
    cr_assert_eq(g.server, 101);
    cr_assert_eq(g.seq, 7);
    cr_assert_eq(vr_gtid_parse("4294967295-4294967295-18446744073709551615", &g, &err), VR_OK);
    cr_assert_eq(g.seq, UINT64_MAX);
    cr_assert_str_eq(vr_gtid_format(&g, buf), "4294967295-4294967295-18446744073709551615");
}

Test(gtid, parse_malformed_names_it)
{
    static const char *bad[] = {"", "abc", "0-1", "0-1-", "-1-2", "0--2", "0-1-x",
                                "0-1-2-3", "4294967296-1-1", "0-1-18446744073709551616",
                                "0-1-+2", " 0-1-2"};
    vr_gtid_t g;
    vr_error_t err;
    size_t i;
    for (i = 0; i < VR_ARRAY_LEN(bad); i++) {
        cr_assert_eq(vr_gtid_parse(bad[i], &g, &err), VR_PARSE, "'%s' parsed", bad[i]);
        cr_assert(strstr(err.msg, "malformed GTID") != NULL, "%s", err.msg);
    }
}

Test(gtid, set_round_trip_sorted)
{
    vr_gtid_set_t s = VR_GTID_SET_INIT;
    vr_error_t err;
    char *t;
    cr_assert_eq(vr_gtid_set_parse(&s, " 5-101-1 , 1-201-3,0-101-7", &err), VR_OK);
    t = fmt_set(&s);
    cr_assert_str_eq(t, "0-101-7,1-201-3,5-101-1"); /* as @@gtid_current_pos */
    free(t);
    cr_assert_eq(vr_gtid_set_parse(&s, "", &err), VR_OK);
    cr_assert_eq(s.n, 0);
    t = fmt_set(&s);
    cr_assert_str_eq(t, "");
    free(t);
    vr_gtid_set_free(&s);
}

Test(gtid, set_errors)
{
    vr_gtid_set_t s = VR_GTID_SET_INIT;
    vr_error_t err;
    cr_assert_eq(vr_gtid_set_parse(&s, "0-1-2,,3-4-5", &err), VR_PARSE);
    cr_assert(strstr(err.msg, "malformed GTID ''") != NULL, "%s", err.msg);
    cr_assert_eq(vr_gtid_set_parse(&s, "0-1-2,0-1-9", &err), VR_PARSE);
    cr_assert(strstr(err.msg, "domain 0 more than once") != NULL, "%s", err.msg);
    cr_assert_eq(vr_gtid_set_parse(&s, "0-1-2,x-1-3", &err), VR_PARSE);
    cr_assert(strstr(err.msg, "'x-1-3'") != NULL, "%s", err.msg);
    cr_assert_eq(s.n, 0);
    cr_assert_eq(vr_gtid_set_parse(&s, "3E11FA47-71CA-11E1-9E33-C80AA9429562:1-5", &err),
                 VR_UNSUPPORTED);
    cr_assert_eq(vr_gtid_set_parse(&s, NULL, &err), VR_PARSE);
    vr_gtid_set_free(&s);
}

Test(gtid, contains_compare_merge)
{
    vr_gtid_set_t a = VR_GTID_SET_INIT, b = VR_GTID_SET_INIT, c = VR_GTID_SET_INIT;
    vr_gtid_t g = {1, 201, 3};
    vr_error_t err;
    char *t;
    vr_gtid_set_parse(&a, "0-101-7,1-201-3", &err);
    vr_gtid_set_parse(&b, "0-101-5", &err);
    cr_assert(vr_gtid_set_contains(&a, &g));
    g.seq = 4;
    cr_assert_not(vr_gtid_set_contains(&a, &g));
    g.domain = 9;
    g.seq = 1;
    cr_assert_not(vr_gtid_set_contains(&a, &g));
    cr_assert(vr_gtid_set_contains_set(&a, &b));
    cr_assert_not(vr_gtid_set_contains_set(&b, &a));
    cr_assert_eq(vr_gtid_set_compare(&b, &a), VR_GTID_BEFORE);
    cr_assert_eq(vr_gtid_set_compare(&a, &b), VR_GTID_AFTER);
    cr_assert_eq(vr_gtid_set_compare(&a, &a), VR_GTID_EQUAL);
    vr_gtid_set_parse(&c, "0-101-9,2-1-1", &err);
    cr_assert_eq(vr_gtid_set_compare(&a, &c), VR_GTID_CONCURRENT);
    vr_gtid_set_merge(&c, &a);
    t = fmt_set(&c);
    cr_assert_str_eq(t, "0-101-9,1-201-3,2-1-1");
    free(t);
    g.domain = 0;
    g.server = 102;
    g.seq = 10;
    vr_gtid_set_update(&c, &g);
    t = fmt_set(&c);
    cr_assert_str_eq(t, "0-102-10,1-201-3,2-1-1");
    free(t);
    vr_gtid_set_copy(&b, &c);
    cr_assert(vr_gtid_set_equal(&b, &c));
    vr_gtid_set_free(&a);
    vr_gtid_set_free(&b);
    vr_gtid_set_free(&c);
}

/* ======================================================================
 * Byte builders (test side, written from MariaDB's formats)
 * ==================================================================== */

typedef struct bb {
    uint8_t d[8192];
    size_t n;
} bb_t;

static void put(bb_t *b, const void *p, size_t n)
{
    cr_assert_leq(b->n + n, sizeof(b->d));
    memcpy(b->d + b->n, p, n);
    b->n += n;
}
static void put8(bb_t *b, unsigned v) { uint8_t x = (uint8_t)v; put(b, &x, 1); }
static void putle(bb_t *b, uint64_t v, size_t n)
{
    size_t i;
    for (i = 0; i < n; i++)
        put8(b, (unsigned)(v >> (8 * i)) & 0xFF);
}
static void putbe(bb_t *b, uint64_t v, size_t n)
{
    size_t i;
    for (i = n; i > 0; i--)
        put8(b, (unsigned)(v >> (8 * (i - 1))) & 0xFF);
}
static void putstr(bb_t *b, const char *s) { put(b, s, strlen(s)); }
static void putlenstr(bb_t *b, const char *s)
{
    put8(b, (unsigned)strlen(s));
    putstr(b, s);
}

/* A full event: 19-byte header, body, CRC32 when crc. */
static size_t mkevent(uint8_t *out, uint8_t type, const bb_t *body, bool crc,
                      uint32_t ts)
{
    bb_t e = {{0}, 0};
    size_t size = VR_BL_HEADER_LEN + body->n + (crc ? 4 : 0);
    putle(&e, ts, 4);
    put8(&e, type);
    putle(&e, 101, 4);
    putle(&e, size, 4);
    putle(&e, 1000, 4);
    putle(&e, 0, 2);
    put(&e, body->d, body->n);
    if (crc)
        putle(&e, vr_crc32(0, e.d, e.n), 4);
    memcpy(out, e.d, e.n);
    return e.n;
}

/* Column spec for a test table. */
typedef struct colspec {
    uint8_t type;
    uint8_t meta[2];
    size_t nmeta;
    const char *name;
} colspec_t;

/* TABLE_MAP body for table id 42, `db`.`t`, with optional metadata om. */
static void tm_body(bb_t *b, const colspec_t *cols, size_t n, const bb_t *om)
{
    bb_t meta = {{0}, 0};
    size_t i;
    putle(b, 42, 6);
    putle(b, 1, 2);
    putlenstr(b, "db");
    put8(b, 0);
    putlenstr(b, "t");
    put8(b, 0);
    put8(b, (unsigned)n);
    for (i = 0; i < n; i++)
        put8(b, cols[i].type);
    for (i = 0; i < n; i++)
        put(&meta, cols[i].meta, cols[i].nmeta);
    put8(b, (unsigned)meta.n);
    put(b, meta.d, meta.n);
    for (i = 0; i < (n + 7) / 8; i++)
        put8(b, 0xFF); /* all nullable */
    if (om)
        put(b, om->d, om->n);
}

static void om_field(bb_t *om, unsigned type, const bb_t *v)
{
    put8(om, type);
    put8(om, (unsigned)v->n);
    put(om, v->d, v->n);
}

static void om_names(bb_t *om, const colspec_t *cols, size_t n)
{
    bb_t v = {{0}, 0};
    size_t i;
    for (i = 0; i < n; i++)
        putlenstr(&v, cols[i].name);
    om_field(om, 4, &v);
}

static vr_table_map_t *parse_tm(vr_arena_t *a, const colspec_t *cols, size_t n,
                                const bb_t *om)
{
    bb_t body = {{0}, 0};
    uint8_t raw[8192];
    size_t len;
    vr_bl_format_t f;
    vr_bl_event_t ev;
    vr_table_map_t *tm = NULL;
    vr_error_t err;
    tm_body(&body, cols, n, om);
    len = mkevent(raw, VR_BL_TABLE_MAP, &body, true, 1);
    vr_bl_format_init(&f, true);
    cr_assert_eq(vr_bl_event_parse(&f, raw, len, &ev, &err), VR_OK, "%s", err.msg);
    cr_assert_eq(vr_bl_parse_table_map(&f, &ev, a, &tm, &err), VR_OK, "%s", err.msg);
    cr_assert_eq(tm->table_id, 42);
    cr_assert_str_eq(tm->db.s, "db");
    cr_assert_str_eq(tm->table.s, "t");
    return tm;
}

/* Decode one value of column k from bytes. */
static vr_value_t dec1(const vr_table_map_t *tm, uint32_t k, const bb_t *v, vr_arena_t *a)
{
    vr_value_t out;
    size_t used;
    vr_error_t err;
    cr_assert_eq(vr_decode_value(&tm->cols[k], v->d, v->n, a, &out, &used, &err), VR_OK,
                 "%s", err.msg);
    cr_assert_eq(used, v->n, "column %u used %zu of %zu bytes", k, used, v->n);
    return out;
}

static char *text(const vr_value_t *v)
{
    vr_buf_t b = VR_BUF_INIT;
    vr_value_append_text(&b, v);
    return vr_buf_detach(&b);
}

static char *json(const vr_value_t *v)
{
    vr_buf_t b = VR_BUF_INIT;
    vr_value_append_json(&b, v);
    return vr_buf_detach(&b);
}

#define ASSERT_TEXT(v, want)                                                   \
    do {                                                                       \
        vr_value_t v_ = (v);                                                   \
        char *t_ = text(&v_);                                                  \
        cr_assert_str_eq(t_, want);                                            \
        free(t_);                                                              \
    } while (0)

#define ASSERT_JSON(v, want)                                                   \
    do {                                                                       \
        vr_value_t v_ = (v);                                                   \
        char *t_ = json(&v_);                                                  \
        cr_assert_str_eq(t_, want);                                            \
        free(t_);                                                              \
    } while (0)

static bb_t B(size_t n, ...)
{
    bb_t b = {{0}, 0};
    va_list ap;
    size_t i;
    va_start(ap, n);
    for (i = 0; i < n; i++)
        put8(&b, (unsigned)va_arg(ap, int));
    va_end(ap);
    return b;
}

/* ======================================================================
 * Integers and signedness
 * ==================================================================== */

Test(decode, integers_signed_and_unsigned)
{
    static const colspec_t cols[] = {
        {VR_MT_TINY, {0}, 0, "a"},     {VR_MT_TINY, {0}, 0, "b"},
        {VR_MT_SHORT, {0}, 0, "c"},    {VR_MT_SHORT, {0}, 0, "d"},
        {VR_MT_INT24, {0}, 0, "e"},    {VR_MT_INT24, {0}, 0, "f"},
        {VR_MT_LONG, {0}, 0, "g"},     {VR_MT_LONG, {0}, 0, "h"},
        {VR_MT_LONGLONG, {0}, 0, "i"}, {VR_MT_LONGLONG, {0}, 0, "j"}};
    vr_arena_t *a = vr_arena_new(0);
    bb_t om = {{0}, 0}, sg = {{0}, 0}, v;
    vr_table_map_t *tm;
    put8(&sg, 0x55); /* 0101 0101: b d f h unsigned (MSB first) */
    put8(&sg, 0x40); /* j unsigned */
    om_field(&om, 1, &sg);
    om_names(&om, cols, 10);
    tm = parse_tm(a, cols, 10, &om);
    cr_assert(tm->has_signedness && tm->has_names);
    cr_assert_str_eq(tm->cols[9].name.s, "j");
    cr_assert_eq(tm->cols[0].vtype, VR_TYPE_INT8);
    cr_assert_eq(tm->cols[1].vtype, VR_TYPE_UINT8);
    cr_assert_eq(tm->cols[9].vtype, VR_TYPE_UINT64);
    v = B(1, 0xFB);
    ASSERT_TEXT(dec1(tm, 0, &v, a), "-5"); /* Connector/C says 251 */
    ASSERT_TEXT(dec1(tm, 1, &v, a), "251");
    v = B(2, 0x00, 0x80);
    ASSERT_TEXT(dec1(tm, 2, &v, a), "-32768");
    ASSERT_TEXT(dec1(tm, 3, &v, a), "32768");
    v = B(3, 0x00, 0x00, 0x80);
    ASSERT_TEXT(dec1(tm, 4, &v, a), "-8388608");
    v = B(3, 0xFF, 0xFF, 0xFF);
    ASSERT_TEXT(dec1(tm, 4, &v, a), "-1");
    ASSERT_TEXT(dec1(tm, 5, &v, a), "16777215");
    v = B(4, 0x00, 0x00, 0x00, 0x80);
    ASSERT_TEXT(dec1(tm, 6, &v, a), "-2147483648");
    ASSERT_TEXT(dec1(tm, 7, &v, a), "2147483648");
    v = B(8, 0, 0, 0, 0, 0, 0, 0, 0x80);
    ASSERT_TEXT(dec1(tm, 8, &v, a), "-9223372036854775808");
    v = B(8, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF);
    ASSERT_TEXT(dec1(tm, 9, &v, a), "18446744073709551615");
    ASSERT_JSON(dec1(tm, 9, &v, a), "18446744073709551615");
    vr_arena_free(a);
}

Test(decode, no_signedness_means_signed)
{
    static const colspec_t cols[] = {{VR_MT_TINY, {0}, 0, "a"}};
    vr_arena_t *a = vr_arena_new(0);
    vr_table_map_t *tm = parse_tm(a, cols, 1, NULL);
    bb_t v = B(1, 0xFF);
    cr_assert_not(tm->has_signedness);
    cr_assert_null(tm->cols[0].name.s);
    ASSERT_TEXT(dec1(tm, 0, &v, a), "-1");
    vr_arena_free(a);
}

Test(decode, floats)
{
    static const colspec_t cols[] = {{VR_MT_FLOAT, {4}, 1, "f"}, {VR_MT_DOUBLE, {8}, 1, "d"}};
    vr_arena_t *a = vr_arena_new(0);
    vr_table_map_t *tm = parse_tm(a, cols, 2, NULL);
    bb_t v = {{0}, 0};
    float f = 0.1f;
    double d = -3.25;
    uint32_t fu;
    uint64_t du;
    memcpy(&fu, &f, 4);
    memcpy(&du, &d, 8);
    putle(&v, fu, 4);
    ASSERT_TEXT(dec1(tm, 0, &v, a), "0.1"); /* shortest that reads back as float */
    v.n = 0;
    putle(&v, du, 8);
    ASSERT_TEXT(dec1(tm, 1, &v, a), "-3.25");
    ASSERT_JSON(dec1(tm, 1, &v, a), "-3.25");
    vr_arena_free(a);
}

/* ======================================================================
 * DECIMAL
 * ==================================================================== */

Test(decode, decimal)
{
    static const colspec_t cols[] = {{VR_MT_NEWDECIMAL, {10, 2}, 2, "a"},
                                     {VR_MT_NEWDECIMAL, {10, 4}, 2, "b"},
                                     {VR_MT_NEWDECIMAL, {30, 9}, 2, "c"},
                                     {VR_MT_NEWDECIMAL, {5, 0}, 2, "d"},
                                     {VR_MT_NEWDECIMAL, {4, 4}, 2, "e"}};
    vr_arena_t *a = vr_arena_new(0);
    vr_table_map_t *tm = parse_tm(a, cols, 5, NULL);
    bb_t v;
    v = B(5, 0x80, 0xBC, 0x61, 0x4E, 0x5B);
    ASSERT_TEXT(dec1(tm, 0, &v, a), "12345678.91");
    v = B(5, 0x7F, 0x43, 0x9E, 0xB1, 0xA4);
    ASSERT_TEXT(dec1(tm, 0, &v, a), "-12345678.91");
    ASSERT_JSON(dec1(tm, 0, &v, a), "\"-12345678.91\"");
    v = B(5, 0x80, 0x00, 0x00, 0x00, 0x0C); /* leading zeros kept in the fraction */
    ASSERT_TEXT(dec1(tm, 1, &v, a), "0.0012");
    v = B(14, 0x80, 0x7B, 0x1B, 0x3A, 0x0C, 0x14, 0x14, 0x9A, 0xA4, 0x35, 0x07, 0x5B,
          0xCD, 0x15);
    ASSERT_TEXT(dec1(tm, 2, &v, a), "123456789012345678901.123456789");
    v = B(3, 0x80, 0x00, 0x07);
    ASSERT_TEXT(dec1(tm, 3, &v, a), "7");
    v = B(2, 0x80, 0x00); /* DECIMAL(4,4) zero */
    ASSERT_TEXT(dec1(tm, 4, &v, a), "0.0000");
    vr_arena_free(a);
}

Test(decode, decimal_corrupt_digits)
{
    static const colspec_t cols[] = {{VR_MT_NEWDECIMAL, {10, 2}, 2, "a"}};
    vr_arena_t *a = vr_arena_new(0);
    vr_table_map_t *tm = parse_tm(a, cols, 1, NULL);
    bb_t v = B(5, 0xFF, 0xFF, 0xFF, 0xFF, 0x5B); /* 2147483647 > 8 digits */
    vr_value_t out;
    size_t used;
    vr_error_t err;
    cr_assert_eq(vr_decode_value(&tm->cols[0], v.d, v.n, a, &out, &used, &err), VR_PARSE);
    cr_assert(strstr(err.msg, "DECIMAL") != NULL);
    vr_arena_free(a);
}

/* ======================================================================
 * Temporal types (encoders mirror MariaDB compat56.cc)
 * ==================================================================== */

static int64_t time_packed(bool neg, unsigned h, unsigned m, unsigned s, unsigned us)
{
    int64_t hms = ((int64_t)h << 12) | (m << 6) | s;
    int64_t p = (hms << 24) + us;
    return neg ? -p : p;
}

static bb_t time2_bytes(int64_t nr, unsigned dec)
{
    bb_t b = {{0}, 0};
    int64_t ip = nr >> 24, fp = nr % (1LL << 24);
    switch (dec) {
    case 0: putbe(&b, (uint64_t)(0x800000 + ip), 3); break;
    case 1: case 2:
        putbe(&b, (uint64_t)(0x800000 + ip), 3);
        put8(&b, (unsigned)(uint8_t)(int8_t)(fp / 10000));
        break;
    case 3: case 4:
        putbe(&b, (uint64_t)(0x800000 + ip), 3);
        putbe(&b, (uint64_t)(uint16_t)(int16_t)(fp / 100), 2);
        break;
    default: putbe(&b, (uint64_t)(nr + 0x800000000000LL), 6); break;
    }
    return b;
}

Test(decode, time2_negative_and_fractional)
{
    static const colspec_t cols[] = {{VR_MT_TIME2, {0}, 1, "t0"}, {VR_MT_TIME2, {1}, 1, "t1"},
                                     {VR_MT_TIME2, {3}, 1, "t3"}, {VR_MT_TIME2, {6}, 1, "t6"}};
    vr_arena_t *a = vr_arena_new(0);
    vr_table_map_t *tm = parse_tm(a, cols, 4, NULL);
    bb_t v;
    v = time2_bytes(time_packed(false, 12, 34, 56, 0), 0);
    ASSERT_TEXT(dec1(tm, 0, &v, a), "12:34:56");
    v = time2_bytes(time_packed(true, 838, 59, 59, 0), 0);
    ASSERT_TEXT(dec1(tm, 0, &v, a), "-838:59:59");
    v = time2_bytes(time_packed(true, 0, 0, 1, 500000), 1);
    ASSERT_TEXT(dec1(tm, 1, &v, a), "-00:00:01.5");
    v = time2_bytes(time_packed(true, 838, 59, 58, 999000), 3);
    ASSERT_TEXT(dec1(tm, 2, &v, a), "-838:59:58.999");
    v = time2_bytes(time_packed(true, 0, 0, 0, 1000), 3);
    ASSERT_TEXT(dec1(tm, 2, &v, a), "-00:00:00.001");
    v = time2_bytes(time_packed(false, 1, 2, 3, 4000), 3);
    ASSERT_TEXT(dec1(tm, 2, &v, a), "01:02:03.004");
    v = time2_bytes(time_packed(true, 1, 0, 0, 1), 6);
    ASSERT_TEXT(dec1(tm, 3, &v, a), "-01:00:00.000001");
    v = time2_bytes(time_packed(false, 838, 59, 59, 999999), 6);
    ASSERT_TEXT(dec1(tm, 3, &v, a), "838:59:59.999999");
    ASSERT_JSON(dec1(tm, 3, &v, a), "\"838:59:59.999999\"");
    vr_arena_free(a);
}

static bb_t datetime2_bytes(unsigned y, unsigned mo, unsigned d, unsigned h,
                            unsigned mi, unsigned s, unsigned us, unsigned dec)
{
    bb_t b = {{0}, 0};
    uint64_t ym = (uint64_t)y * 13 + mo;
    uint64_t ip = (ym << 22) | ((uint64_t)d << 17) | (h << 12) | (mi << 6) | s;
    putbe(&b, ip + 0x8000000000ULL, 5);
    switch ((dec + 1) / 2) {
    case 1: put8(&b, us / 10000); break;
    case 2: putbe(&b, us / 100, 2); break;
    case 3: putbe(&b, us, 3); break;
    }
    return b;
}

Test(decode, dates_datetimes_timestamps_years)
{
    static const colspec_t cols[] = {
        {VR_MT_DATE, {0}, 0, "d"},          {VR_MT_DATETIME2, {6}, 1, "dt6"},
        {VR_MT_DATETIME2, {0}, 1, "dt0"},   {VR_MT_TIMESTAMP2, {2}, 1, "ts2"},
        {VR_MT_TIMESTAMP2, {0}, 1, "ts0"},  {VR_MT_YEAR, {0}, 0, "y"},
        {VR_MT_TIME, {0}, 0, "ot"},         {VR_MT_DATETIME, {0}, 0, "odt"},
        {VR_MT_TIMESTAMP, {0}, 0, "ots"}};
    vr_arena_t *a = vr_arena_new(0);
    vr_table_map_t *tm = parse_tm(a, cols, 9, NULL);
    bb_t v = {{0}, 0};
    putle(&v, 2024u * 512 + 2 * 32 + 29, 3);
    ASSERT_TEXT(dec1(tm, 0, &v, a), "2024-02-29");
    v.n = 0;
    putle(&v, 0, 3);
    ASSERT_TEXT(dec1(tm, 0, &v, a), "0000-00-00");
    v = datetime2_bytes(2024, 1, 2, 3, 4, 5, 678901, 6);
    ASSERT_TEXT(dec1(tm, 1, &v, a), "2024-01-02 03:04:05.678901");
    v = datetime2_bytes(9999, 12, 31, 23, 59, 59, 0, 0);
    ASSERT_TEXT(dec1(tm, 2, &v, a), "9999-12-31 23:59:59");
    v = datetime2_bytes(0, 0, 0, 0, 0, 0, 0, 0);
    ASSERT_TEXT(dec1(tm, 2, &v, a), "0000-00-00 00:00:00");
    v.n = 0;
    putbe(&v, 2147483647u, 4);
    put8(&v, 99);
    ASSERT_TEXT(dec1(tm, 3, &v, a), "2038-01-19 03:14:07.99");
    v.n = 0;
    putbe(&v, 1, 4);
    ASSERT_TEXT(dec1(tm, 4, &v, a), "1970-01-01 00:00:01");
    v.n = 0;
    putbe(&v, 0, 4);
    ASSERT_TEXT(dec1(tm, 4, &v, a), "0000-00-00 00:00:00");
    v.n = 0;
    putbe(&v, 951782400u, 4); /* 2000-02-29 00:00:00 UTC */
    ASSERT_TEXT(dec1(tm, 4, &v, a), "2000-02-29 00:00:00");
    v = B(1, 124);
    ASSERT_TEXT(dec1(tm, 5, &v, a), "2024");
    v = B(1, 0);
    ASSERT_TEXT(dec1(tm, 5, &v, a), "0000");
    v.n = 0;
    putle(&v, (uint32_t)-123456 & 0xFFFFFF, 3); /* old TIME -12:34:56 */
    ASSERT_TEXT(dec1(tm, 6, &v, a), "-12:34:56");
    v.n = 0;
    putle(&v, 20240102030405ULL, 8);
    ASSERT_TEXT(dec1(tm, 7, &v, a), "2024-01-02 03:04:05");
    v.n = 0;
    putle(&v, 86400, 4);
    ASSERT_TEXT(dec1(tm, 8, &v, a), "1970-01-02 00:00:00");
    vr_arena_free(a);
}

/* ======================================================================
 * BIT, ENUM, SET, strings
 * ==================================================================== */

Test(decode, bit_enum_set)
{
    static const colspec_t cols[] = {{VR_MT_BIT, {2, 1}, 2, "b"},      /* BIT(10) */
                                     {VR_MT_BIT, {0, 8}, 2, "b64"},    /* BIT(64) */
                                     {VR_MT_STRING, {VR_MT_ENUM, 1}, 2, "e"},
                                     {VR_MT_STRING, {VR_MT_SET, 1}, 2, "s"}};
    vr_arena_t *a = vr_arena_new(0);
    bb_t om = {{0}, 0}, sv = {{0}, 0}, ev = {{0}, 0}, v;
    vr_table_map_t *tm;
    put8(&sv, 3);
    putlenstr(&sv, "x");
    putlenstr(&sv, "y");
    putlenstr(&sv, "z");
    put8(&ev, 3);
    putlenstr(&ev, "a");
    putlenstr(&ev, "b");
    putlenstr(&ev, "c😀");
    om_field(&om, 5, &sv);
    om_field(&om, 6, &ev);
    tm = parse_tm(a, cols, 4, &om);
    cr_assert_eq(tm->cols[2].type, VR_MT_ENUM);
    cr_assert_eq(tm->cols[3].type, VR_MT_SET);
    cr_assert_eq(tm->cols[0].max_len, 10);
    v = B(2, 0x02, 0xAA);
    ASSERT_TEXT(dec1(tm, 0, &v, a), "682");
    ASSERT_JSON(dec1(tm, 0, &v, a), "682");
    v = B(8, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFE);
    ASSERT_TEXT(dec1(tm, 1, &v, a), "18446744073709551614");
    v = B(1, 2);
    ASSERT_TEXT(dec1(tm, 2, &v, a), "b");
    v = B(1, 3);
    ASSERT_JSON(dec1(tm, 2, &v, a), "\"c😀\"");
    v = B(1, 0);
    ASSERT_TEXT(dec1(tm, 2, &v, a), "");
    v = B(1, 5);
    ASSERT_TEXT(dec1(tm, 3, &v, a), "x,z");
    v = B(1, 0);
    ASSERT_TEXT(dec1(tm, 3, &v, a), "");
    vr_arena_free(a);
}

Test(decode, enum_without_names_gives_index)
{
    static const colspec_t cols[] = {{VR_MT_STRING, {VR_MT_ENUM, 2}, 2, "e"}};
    vr_arena_t *a = vr_arena_new(0);
    vr_table_map_t *tm = parse_tm(a, cols, 1, NULL);
    bb_t v = B(2, 0x2C, 0x01);
    ASSERT_TEXT(dec1(tm, 0, &v, a), "300");
    vr_arena_free(a);
}

Test(decode, strings_char_varchar_blob)
{
    static const colspec_t cols[] = {
        {VR_MT_STRING, {VR_MT_STRING, 20}, 2, "c"},      /* CHAR(5) utf8mb4 */
        {VR_MT_STRING, {0xCE, 0xFC}, 2, "c255"},         /* CHAR(255) utf8mb4: 1020 bytes */
        {VR_MT_VARCHAR, {0x2C, 0x01}, 2, "vc300"},       /* 300 bytes: 2 length bytes */
        {VR_MT_VARCHAR, {20, 0}, 2, "vb"},
        {VR_MT_BLOB, {1}, 1, "tb"}, {VR_MT_BLOB, {2}, 1, "bl"},
        {VR_MT_BLOB, {3}, 1, "mb"}, {VR_MT_BLOB, {4}, 1, "lb"},
        {VR_MT_GEOMETRY, {4}, 1, "g"},
        {VR_MT_STRING, {VR_MT_STRING, 4}, 2, "lat"}};
    vr_arena_t *a = vr_arena_new(0);
    bb_t om = {{0}, 0}, cs = {{0}, 0}, v;
    vr_table_map_t *tm;
    /* COLUMN_CHARSET over the 10 character columns */
    put8(&cs, 45); put8(&cs, 45); put8(&cs, 45); put8(&cs, 63); put8(&cs, 63);
    put8(&cs, 45); put8(&cs, 63); put8(&cs, 63); put8(&cs, 63); put8(&cs, 8);
    om_field(&om, 3, &cs);
    tm = parse_tm(a, cols, 10, &om);
    cr_assert_eq(tm->cols[1].max_len, 1020);
    cr_assert_eq(tm->cols[0].vtype, VR_TYPE_CHAR);
    cr_assert_eq(tm->cols[3].vtype, VR_TYPE_VARBINARY);
    cr_assert_eq(tm->cols[4].vtype, VR_TYPE_BLOB);
    cr_assert_eq(tm->cols[5].vtype, VR_TYPE_TEXT);
    cr_assert_eq(tm->cols[9].charset, 8);
    v.n = 0;
    put8(&v, 10);
    putstr(&v, "h\xc3\xa9llo\xf0\x9f\x98\x80"); /* héllo😀 */
    ASSERT_JSON(dec1(tm, 0, &v, a), "\"héllo😀\"");
    v.n = 0;
    putle(&v, 2, 2);
    putstr(&v, "ab");
    ASSERT_TEXT(dec1(tm, 1, &v, a), "ab");
    v.n = 0;
    putle(&v, 0, 2);
    ASSERT_TEXT(dec1(tm, 2, &v, a), "");
    v.n = 0;
    put8(&v, 2);
    put8(&v, 0x00);
    put8(&v, 0xFF);
    ASSERT_JSON(dec1(tm, 3, &v, a), "\"AP8=\"");
    v.n = 0;
    put8(&v, 1);
    put8(&v, 1);
    ASSERT_JSON(dec1(tm, 4, &v, a), "\"AQ==\"");
    v.n = 0;
    putle(&v, 4, 2);
    putstr(&v, "a\"\n\\");
    ASSERT_JSON(dec1(tm, 5, &v, a), "\"a\\\"\\n\\\\\"");
    v.n = 0;
    putle(&v, 3, 3);
    putstr(&v, "xyz");
    ASSERT_JSON(dec1(tm, 6, &v, a), "\"eHl6\"");
    v.n = 0;
    putle(&v, 0, 4);
    ASSERT_JSON(dec1(tm, 7, &v, a), "\"\"");
    v.n = 0;
    putle(&v, 2, 4);
    put8(&v, 0);
    put8(&v, 0);
    ASSERT_JSON(dec1(tm, 8, &v, a), "\"AAA=\"");
    v.n = 0;
    put8(&v, 2);
    put8(&v, 0xE9); /* latin1 é */
    put8(&v, 0x80); /* cp1252 euro sign */
    ASSERT_JSON(dec1(tm, 9, &v, a), "\"é€\"");
    vr_arena_free(a);
}

Test(decode, json_column_marked_by_schema)
{
    static const colspec_t cols[] = {{VR_MT_BLOB, {4}, 1, "j"}};
    vr_arena_t *a = vr_arena_new(0);
    bb_t om = {{0}, 0}, cs = {{0}, 0}, v = {{0}, 0};
    bool is_json[1] = {true};
    vr_table_map_t *tm;
    put8(&cs, 46);
    om_field(&om, 3, &cs);
    tm = parse_tm(a, cols, 1, &om);
    vr_table_map_set_types(tm, is_json);
    cr_assert_eq(tm->cols[0].vtype, VR_TYPE_JSON);
    putle(&v, 13, 4);
    putstr(&v, "{\"a\": [1, 2]}");
    ASSERT_JSON(dec1(tm, 0, &v, a), "{\"a\": [1, 2]}");
    v.n = 0;
    putle(&v, 4, 4);
    putstr(&v, "{bad");
    ASSERT_JSON(dec1(tm, 0, &v, a), "\"{bad\"");
    vr_arena_free(a);
}

Test(decode, short_values_fail_cleanly)
{
    static const colspec_t cols[] = {{VR_MT_LONG, {0}, 0, "i"}, {VR_MT_VARCHAR, {10, 0}, 2, "v"},
                                     {VR_MT_BLOB, {4}, 1, "b"}, {VR_MT_DATETIME2, {6}, 1, "d"}};
    vr_arena_t *a = vr_arena_new(0);
    vr_table_map_t *tm = parse_tm(a, cols, 4, NULL);
    uint8_t big[4] = {0xFF, 0xFF, 0xFF, 0x7F};
    vr_value_t out;
    size_t used;
    vr_error_t err;
    cr_assert_eq(vr_decode_value(&tm->cols[0], big, 3, a, &out, &used, &err), VR_PARSE);
    cr_assert_eq(vr_decode_value(&tm->cols[1], big, 1, a, &out, &used, &err), VR_PARSE);
    cr_assert_eq(vr_decode_value(&tm->cols[2], big, 4, a, &out, &used, &err), VR_PARSE);
    cr_assert_eq(vr_decode_value(&tm->cols[3], big, 4, a, &out, &used, &err), VR_PARSE);
    vr_arena_free(a);
}

/* ======================================================================
 * TABLE_MAP optional metadata and robustness
 * ==================================================================== */

Test(table_map, charsets_primary_key_and_names)
{
    static const colspec_t cols[] = {{VR_MT_LONG, {0}, 0, "id"},
                                     {VR_MT_VARCHAR, {40, 0}, 2, "a"},
                                     {VR_MT_VARCHAR, {10, 0}, 2, "b"},
                                     {VR_MT_STRING, {VR_MT_ENUM, 1}, 2, "e"},
                                     {VR_MT_LONG, {0}, 0, "k"}};
    vr_arena_t *a = vr_arena_new(0);
    bb_t om = {{0}, 0}, dc = {{0}, 0}, pk = {{0}, 0}, ec = {{0}, 0};
    vr_table_map_t *tm;
    put8(&dc, 45); /* DEFAULT_CHARSET utf8mb4, column #1 among strings latin1 */
    put8(&dc, 1);
    put8(&dc, 8);
    om_field(&om, 2, &dc);
    put8(&ec, 33); /* ENUM_AND_SET_DEFAULT_CHARSET */
    om_field(&om, 10, &ec);
    om_names(&om, cols, 5);
    put8(&pk, 4); /* PRIMARY_KEY_WITH_PREFIX: (k,0),(a,5) */
    put8(&pk, 0);
    put8(&pk, 1);
    put8(&pk, 5);
    om_field(&om, 9, &pk);
    tm = parse_tm(a, cols, 5, &om);
    cr_assert_eq(tm->cols[1].charset, 45);
    cr_assert_eq(tm->cols[2].charset, 8);
    cr_assert_eq(tm->cols[3].charset, 33);
    cr_assert_eq(tm->npk, 2);
    cr_assert_eq(tm->pk[0], 4);
    cr_assert_eq(tm->pk[1], 1);
    cr_assert(tm->cols[4].pk && tm->cols[1].pk && !tm->cols[0].pk);
    vr_arena_free(a);
}

Test(table_map, every_truncation_fails_cleanly)
{
    static const colspec_t cols[] = {{VR_MT_LONG, {0}, 0, "id"},
                                     {VR_MT_VARCHAR, {40, 0}, 2, "a"},
                                     {VR_MT_NEWDECIMAL, {10, 2}, 2, "d"},
                                     {VR_MT_STRING, {VR_MT_SET, 1}, 2, "s"}};
    bb_t body = {{0}, 0}, om = {{0}, 0}, sv = {{0}, 0};
    vr_bl_format_t f;
    size_t cut;
    put8(&sv, 2);
    putlenstr(&sv, "p");
    putlenstr(&sv, "q");
    om_field(&om, 5, &sv);
    om_names(&om, cols, 4);
    tm_body(&body, cols, 4, &om);
    vr_bl_format_init(&f, false);
    for (cut = 0; cut < body.n; cut++) {
        vr_arena_t *a = vr_arena_new(0);
        uint8_t *copy = malloc(cut + 1);
        vr_bl_event_t ev;
        vr_table_map_t *tm;
        vr_error_t err;
        memcpy(copy, body.d, cut);
        memset(&ev, 0, sizeof(ev));
        ev.type = VR_BL_TABLE_MAP;
        ev.body = copy;
        ev.body_len = cut;
        /* a cut inside the optional metadata may still parse: but never crash */
        if (vr_bl_parse_table_map(&f, &ev, a, &tm, &err) != VR_OK)
            cr_assert(strstr(err.msg, "TABLE_MAP") != NULL, "%s", err.msg);
        free(copy);
        vr_arena_free(a);
    }
}

Test(events, crc32_checked)
{
    bb_t body = {{0}, 0};
    uint8_t raw[128];
    size_t len;
    vr_bl_format_t f;
    vr_bl_event_t ev;
    vr_error_t err;
    cr_assert_eq(vr_crc32(0, (const uint8_t *)"123456789", 9), 0xCBF43926u);
    putle(&body, 77, 8);
    len = mkevent(raw, VR_BL_XID, &body, true, 5);
    vr_bl_format_init(&f, true);
    cr_assert_eq(vr_bl_event_parse(&f, raw, len, &ev, &err), VR_OK);
    cr_assert_eq(ev.body_len, 8);
    raw[20] ^= 1;
    cr_assert_eq(vr_bl_event_parse(&f, raw, len, &ev, &err), VR_PARSE);
    cr_assert(strstr(err.msg, "CRC32") != NULL, "%s", err.msg);
    cr_assert_eq(vr_bl_event_parse(&f, raw, len - 1, &ev, &err), VR_PARSE);
}

Test(events, gtid_query_rotate_gtid_list)
{
    bb_t body = {{0}, 0};
    uint8_t raw[256];
    size_t len;
    vr_bl_format_t f;
    vr_bl_event_t ev;
    vr_bl_gtid_t g;
    vr_bl_query_t q;
    vr_gtid_t *list;
    size_t n;
    vr_error_t err;
    vr_arena_t *a = vr_arena_new(0);
    vr_bl_format_init(&f, false);
    putle(&body, 7, 8);
    putle(&body, 1, 4);
    put8(&body, VR_BL_FL_STANDALONE | VR_BL_FL_GROUP_COMMIT_ID);
    putle(&body, 99, 8);
    len = mkevent(raw, VR_BL_GTID, &body, false, 5);
    cr_assert_eq(vr_bl_event_parse(&f, raw, len, &ev, &err), VR_OK);
    cr_assert_eq(vr_bl_parse_gtid(&ev, &g, &err), VR_OK);
    cr_assert_eq(g.gtid.seq, 7);
    cr_assert_eq(g.gtid.domain, 1);
    cr_assert_eq(g.gtid.server, 101);
    cr_assert_eq(g.commit_id, 99);
    body.n = 0;
    putle(&body, 1, 4);
    putle(&body, 0, 4);
    put8(&body, 2);
    putle(&body, 0, 2);
    putle(&body, 0, 2);
    putstr(&body, "db");
    put8(&body, 0);
    putstr(&body, "ALTER TABLE t ADD c INT");
    len = mkevent(raw, VR_BL_QUERY, &body, false, 5);
    cr_assert_eq(vr_bl_event_parse(&f, raw, len, &ev, &err), VR_OK);
    cr_assert_eq(vr_bl_parse_query(&f, &ev, &q, &err), VR_OK);
    cr_assert_eq(q.db_len, 2);
    cr_assert_eq(q.sql_len, strlen("ALTER TABLE t ADD c INT"));
    body.d[8] = 200; /* db length past the end */
    len = mkevent(raw, VR_BL_QUERY, &body, false, 5);
    vr_bl_event_parse(&f, raw, len, &ev, &err);
    cr_assert_eq(vr_bl_parse_query(&f, &ev, &q, &err), VR_PARSE);
    body.n = 0;
    putle(&body, 2, 4);
    putle(&body, 0, 4); putle(&body, 101, 4); putle(&body, 5, 8);
    putle(&body, 1, 4); putle(&body, 201, 4); putle(&body, 3, 8);
    len = mkevent(raw, VR_BL_GTID_LIST, &body, false, 5);
    vr_bl_event_parse(&f, raw, len, &ev, &err);
    cr_assert_eq(vr_bl_parse_gtid_list(&ev, a, &list, &n, &err), VR_OK);
    cr_assert_eq(n, 2);
    cr_assert_eq(list[1].server, 201);
    body.d[0] = 3; /* count past the end */
    len = mkevent(raw, VR_BL_GTID_LIST, &body, false, 5);
    vr_bl_event_parse(&f, raw, len, &ev, &err);
    cr_assert_eq(vr_bl_parse_gtid_list(&ev, a, &list, &n, &err), VR_PARSE);
    vr_arena_free(a);
}

/* ======================================================================
 * ROWS events: images, NULLs, partial images, v1 and v2
 * ==================================================================== */

static const colspec_t row_cols[] = {{VR_MT_LONG, {0}, 0, "id"},
                                     {VR_MT_VARCHAR, {40, 0}, 2, "name"},
                                     {VR_MT_TINY, {0}, 0, "n"}};

static void rows_header(bb_t *b, uint8_t type, uint32_t ncols, const uint8_t *bm,
                        const uint8_t *bm_ai)
{
    putle(b, 42, 6);
    putle(b, VR_BL_STMT_END_F, 2);
    if (type >= VR_BL_WRITE_ROWS_V2) {
        putle(b, 5, 2); /* extra data: length 5 incl. itself, 3 bytes */
        put8(b, 0);
        put8(b, 1);
        put8(b, 2);
    }
    put8(b, ncols);
    put(b, bm, (ncols + 7) / 8);
    if (bm_ai)
        put(b, bm_ai, (ncols + 7) / 8);
}

static void decode_rows_event(uint8_t type, const bb_t *body, vr_table_map_t *tm,
                              vr_arena_t *a, vr_vrow_t **rows, size_t *n,
                              vr_code_t want)
{
    uint8_t raw[8192];
    size_t len = mkevent(raw, type, body, false, 9);
    vr_bl_format_t f;
    vr_bl_event_t ev;
    vr_bl_rows_t r;
    vr_error_t err;
    vr_code_t rc;
    uint8_t *copy;
    vr_bl_format_init(&f, false);
    cr_assert_eq(vr_bl_event_parse(&f, raw, len, &ev, &err), VR_OK);
    cr_assert_eq(vr_bl_parse_rows(&f, &ev, &r, &err), VR_OK, "%s", err.msg);
    /* decode from a heap copy so ASan sees any overread */
    copy = vr_arena_memdup(a, r.rows, r.rows_len);
    r.rows = copy;
    rc = vr_rows_decode(tm, &r, a, rows, n, &err);
    cr_assert_eq(rc, want, "%s", err.msg);
}

Test(rows, write_v1_with_nulls)
{
    vr_arena_t *a = vr_arena_new(0);
    bb_t om = {{0}, 0}, body = {{0}, 0};
    uint8_t all = 0x07;
    vr_table_map_t *tm;
    vr_vrow_t *rows;
    size_t n;
    om_names(&om, row_cols, 3);
    tm = parse_tm(a, row_cols, 3, &om);
    rows_header(&body, VR_BL_WRITE_ROWS_V1, 3, &all, NULL);
    put8(&body, 0x00); /* row 1: no NULLs */
    putle(&body, 1, 4);
    put8(&body, 3);
    putstr(&body, "abc");
    put8(&body, 0xFF);
    put8(&body, 0x02); /* row 2: name NULL */
    putle(&body, 2, 4);
    put8(&body, 7);
    decode_rows_event(VR_BL_WRITE_ROWS_V1, &body, tm, a, &rows, &n, VR_OK);
    cr_assert_eq(n, 2);
    cr_assert_null(rows[0].before);
    cr_assert_null(rows[0].after_cols);
    ASSERT_TEXT(rows[0].after[0], "1");
    ASSERT_TEXT(rows[0].after[1], "abc");
    ASSERT_TEXT(rows[0].after[2], "-1");
    cr_assert(rows[1].after[1].is_null);
    ASSERT_JSON(rows[1].after[1], "null");
    ASSERT_TEXT(rows[1].after[2], "7");
    vr_arena_free(a);
}

Test(rows, update_v2_partial_images)
{
    vr_arena_t *a = vr_arena_new(0);
    bb_t body = {{0}, 0};
    uint8_t bi = 0x01, ai = 0x06; /* minimal image: before has id, after name,n */
    vr_table_map_t *tm = parse_tm(a, row_cols, 3, NULL);
    vr_vrow_t *rows;
    size_t n;
    rows_header(&body, VR_BL_UPDATE_ROWS_V2, 3, &bi, &ai);
    put8(&body, 0x00);
    putle(&body, 5, 4);
    put8(&body, 0x01); /* after: name NULL */
    put8(&body, 9);
    decode_rows_event(VR_BL_UPDATE_ROWS_V2, &body, tm, a, &rows, &n, VR_OK);
    cr_assert_eq(n, 1);
    cr_assert_not_null(rows[0].before_cols);
    cr_assert_eq(rows[0].before_cols[0], 0x01);
    ASSERT_TEXT(rows[0].before[0], "5");
    cr_assert(rows[0].before[1].is_null);
    cr_assert(rows[0].after[0].is_null);
    cr_assert(rows[0].after[1].is_null);
    ASSERT_TEXT(rows[0].after[2], "9");
    vr_arena_free(a);
}

Test(rows, delete_and_truncated_image)
{
    vr_arena_t *a = vr_arena_new(0);
    bb_t body = {{0}, 0};
    uint8_t all = 0x07;
    vr_table_map_t *tm;
    vr_vrow_t *rows;
    size_t n, cut, full;
    bb_t om = {{0}, 0};
    om_names(&om, row_cols, 3);
    tm = parse_tm(a, row_cols, 3, &om);
    rows_header(&body, VR_BL_DELETE_ROWS_V1, 3, &all, NULL);
    put8(&body, 0x00);
    putle(&body, 8, 4);
    put8(&body, 2);
    putstr(&body, "zz");
    put8(&body, 1);
    decode_rows_event(VR_BL_DELETE_ROWS_V1, &body, tm, a, &rows, &n, VR_OK);
    cr_assert_eq(n, 1);
    cr_assert_null(rows[0].after);
    ASSERT_TEXT(rows[0].before[1], "zz");
    full = body.n;
    for (cut = full - 1; cut > full - 9; cut--) {
        body.n = cut;
        decode_rows_event(VR_BL_DELETE_ROWS_V1, &body, tm, a, &rows, &n, VR_PARSE);
    }
    vr_arena_free(a);
}

Test(rows, column_count_mismatch)
{
    vr_arena_t *a = vr_arena_new(0);
    bb_t body = {{0}, 0};
    uint8_t all = 0x03;
    vr_table_map_t *tm = parse_tm(a, row_cols, 3, NULL);
    vr_vrow_t *rows;
    size_t n;
    rows_header(&body, VR_BL_WRITE_ROWS_V1, 2, &all, NULL);
    put8(&body, 0);
    putle(&body, 1, 4);
    put8(&body, 0);
    decode_rows_event(VR_BL_WRITE_ROWS_V1, &body, tm, a, &rows, &n, VR_PARSE);
    vr_arena_free(a);
}

/* ======================================================================
 * The stream over binlog bytes in memory
 * ==================================================================== */

typedef struct binlog {
    uint8_t d[65536];
    size_t n;
} binlog_t;

static void bl_add(binlog_t *b, uint8_t type, const bb_t *body, uint32_t ts)
{
    b->n += mkevent(b->d + b->n, type, body, true, ts);
}

static void bl_fde(binlog_t *b)
{
    bb_t body = {{0}, 0};
    uint8_t ver[50] = "10.11.19-MariaDB";
    size_t i;
    putle(&body, 4, 2);
    put(&body, ver, 50);
    putle(&body, 0, 4);
    put8(&body, 19);
    for (i = 1; i <= 171; i++) {
        vr_bl_format_t d;
        vr_bl_format_init(&d, false);
        put8(&body, d.post_header[i]);
    }
    put8(&body, 1); /* CRC32 */
    bl_add(b, VR_BL_FORMAT_DESCRIPTION, &body, 1);
}

static void bl_gtid(binlog_t *b, uint32_t domain, uint64_t seq, uint8_t flags)
{
    bb_t body = {{0}, 0};
    putle(&body, seq, 8);
    putle(&body, domain, 4);
    put8(&body, flags);
    put(&body, "\0\0\0\0\0\0", 6);
    bl_add(b, VR_BL_GTID, &body, 100);
}

static void bl_query(binlog_t *b, const char *db, const char *sql)
{
    bb_t body = {{0}, 0};
    putle(&body, 1, 4);
    putle(&body, 0, 4);
    put8(&body, (unsigned)strlen(db));
    putle(&body, 0, 2);
    putle(&body, 0, 2);
    putstr(&body, db);
    put8(&body, 0);
    putstr(&body, sql);
    bl_add(b, VR_BL_QUERY, &body, 101);
}

static void bl_table_map(binlog_t *b, const char *table)
{
    bb_t body = {{0}, 0}, om = {{0}, 0};
    om_names(&om, row_cols, 3);
    tm_body(&body, row_cols, 3, &om);
    /* rename the table: tm_body writes "t" */
    if (strcmp(table, "t") != 0) {
        bb_t b2 = {{0}, 0};
        size_t i;
        putle(&b2, strcmp(table, "u") == 0 ? 43 : 42, 6);
        putle(&b2, 1, 2);
        putlenstr(&b2, "db");
        put8(&b2, 0);
        putlenstr(&b2, table);
        put8(&b2, 0);
        for (i = 8 + 1 + 2 + 1 + 1 + 1 + 1; i < body.n; i++)
            put8(&b2, body.d[i]);
        body = b2;
    }
    bl_add(b, VR_BL_TABLE_MAP, &body, 102);
}

static void bl_insert(binlog_t *b, uint64_t table_id, int id)
{
    bb_t body = {{0}, 0};
    uint8_t all = 0x07;
    rows_header(&body, VR_BL_WRITE_ROWS_V1, 3, &all, NULL);
    body.d[0] = (uint8_t)table_id;
    put8(&body, 0);
    putle(&body, (uint32_t)id, 4);
    put8(&body, 1);
    putstr(&body, "x");
    put8(&body, 1);
    bl_add(b, VR_BL_WRITE_ROWS_V1, &body, 103);
}

static void bl_xid(binlog_t *b)
{
    bb_t body = {{0}, 0};
    putle(&body, 1, 8);
    bl_add(b, VR_BL_XID, &body, 104);
}

static char *drain(vr_vstream_t *s, vr_code_t want_rc)
{
    vr_buf_t out = VR_BUF_INIT;
    const vr_vevent_t *ev;
    vr_error_t err;
    vr_code_t rc;
    vr_buf_append(&out, "", 0);
    while ((rc = vr_vstream_next(s, &ev, &err)) == VR_OK && ev) {
        vr_buf_printf(&out, "%s", vr_vevent_type_name(ev->type));
        if (ev->type == VR_VEVENT_ROW)
            vr_buf_printf(&out, "(%s:%zu)", ev->table->name, ev->nrows);
        if (ev->type == VR_VEVENT_DDL)
            vr_buf_printf(&out, "(%s)", ev->statement);
        if (ev->position) {
            char *p = vr_gtid_set_to_string(ev->position);
            vr_buf_printf(&out, "@%s", p);
            free(p);
        }
        vr_buf_putc(&out, ' ');
    }
    cr_assert_eq(rc, want_rc, "%s", rc ? err.msg : "ok");
    return vr_buf_detach(&out);
}

static void sample_binlog(binlog_t *b)
{
    memcpy(b->d, "\xfe" "bin", 4);
    b->n = 4;
    bl_fde(b);
    bl_gtid(b, 0, 1, VR_BL_FL_STANDALONE);
    bl_query(b, "db", "CREATE TABLE t (id INT PRIMARY KEY, name VARCHAR(10), n TINYINT)");
    bl_gtid(b, 0, 2, 0);
    bl_table_map(b, "t");
    bl_insert(b, 42, 1);
    bl_table_map(b, "t");
    bl_insert(b, 42, 2);
    bl_xid(b);
    bl_gtid(b, 0, 3, 0);
    bl_table_map(b, "u");
    bl_insert(b, 43, 3);
    bl_xid(b);
    bl_gtid(b, 0, 4, VR_BL_FL_STANDALONE);
    bl_query(b, "", "/* c */ GRANT SELECT ON *.* TO x");
}

Test(stream, transactions_fields_other_ddl)
{
    static binlog_t b;
    vr_vstream_opts_t o;
    vr_vstream_t *s;
    vr_error_t err;
    const char *tables[] = {"t"};
    char *got;
    sample_binlog(&b);
    memset(&o, 0, sizeof(o));
    o.tables = tables;
    o.ntables = 1;
    cr_assert_eq(vr_vstream_open_buffer(b.d, b.n, &o, true, &s, &err), VR_OK, "%s", err.msg);
    got = drain(s, VR_OK);
    cr_assert_str_eq(got,
                     "GTID@0-101-1 DDL(CREATE TABLE t (id INT PRIMARY KEY, name VARCHAR(10), n TINYINT))@0-101-1 "
                     "BEGIN FIELD ROW(t:1) ROW(t:1) GTID@0-101-2 COMMIT@0-101-2 "
                     "OTHER@0-101-3 OTHER@0-101-4 ");
    free(got);
    got = vr_gtid_set_to_string(vr_vstream_position(s));
    cr_assert_str_eq(got, "0-101-4");
    free(got);
    vr_vstream_close(s);
}

Test(stream, start_position_and_stop_position)
{
    static binlog_t b;
    vr_vstream_opts_t o;
    vr_vstream_t *s;
    vr_error_t err;
    char *got;
    sample_binlog(&b);
    memset(&o, 0, sizeof(o));
    o.position = "0-101-1";
    o.stop_position = "0-101-3";
    cr_assert_eq(vr_vstream_open_buffer(b.d, b.n, &o, true, &s, &err), VR_OK, "%s", err.msg);
    got = drain(s, VR_OK);
    cr_assert_str_eq(got, "BEGIN FIELD ROW(t:1) ROW(t:1) GTID@0-101-2 COMMIT@0-101-2 "
                          "BEGIN FIELD ROW(u:1) GTID@0-101-3 COMMIT@0-101-3 ");
    free(got);
    vr_vstream_close(s);
}

Test(stream, corrupt_event_stops_at_last_good_position)
{
    static binlog_t b;
    vr_vstream_opts_t o;
    vr_vstream_t *s;
    vr_error_t err;
    const vr_vevent_t *ev;
    char *pos;
    sample_binlog(&b);
    b.d[b.n - 30] ^= 0x55; /* inside the last event */
    memset(&o, 0, sizeof(o));
    cr_assert_eq(vr_vstream_open_buffer(b.d, b.n, &o, true, &s, &err), VR_OK);
    free(drain(s, VR_PARSE));
    pos = vr_gtid_set_to_string(vr_vstream_position(s));
    cr_assert_str_eq(pos, "0-101-3");
    free(pos);
    cr_assert_eq(vr_vstream_next(s, &ev, &err), VR_STATE);
    vr_vstream_close(s);
}

Test(stream, statement_based_dml_is_refused)
{
    static binlog_t b;
    vr_vstream_opts_t o;
    vr_vstream_t *s;
    vr_error_t err;
    const vr_vevent_t *ev;
    memcpy(b.d, "\xfe" "bin", 4);
    b.n = 4;
    bl_fde(&b);
    bl_gtid(&b, 0, 1, 0);
    bl_query(&b, "db", "BEGIN");
    bl_query(&b, "db", "insert into t values (1)");
    memset(&o, 0, sizeof(o));
    cr_assert_eq(vr_vstream_open_buffer(b.d, b.n, &o, true, &s, &err), VR_OK);
    cr_assert_eq(vr_vstream_next(s, &ev, &err), VR_UNSUPPORTED);
    cr_assert(strstr(err.msg, "binlog_format=ROW") != NULL, "%s", err.msg);
    cr_assert(strstr(err.msg, "0-101-1") != NULL, "%s", err.msg);
    vr_vstream_close(s);
}

/* ======================================================================
 * Sources
 * ==================================================================== */

Test(source, parse_uri)
{
    vr_vstream_source_t src;
    char *store = NULL;
    vr_error_t err;
    cr_assert_eq(vr_vstream_parse_source("mariadb://app:p%40ss@db1:3307/shop", &src, &store, &err),
                 VR_OK, "%s", err.msg);
    cr_assert_str_eq(src.user, "app");
    cr_assert_str_eq(src.password, "p@ss");
    cr_assert_str_eq(src.host, "db1");
    cr_assert_eq(src.port, 3307);
    cr_assert_str_eq(src.db, "shop");
    free(store);
    cr_assert_eq(vr_vstream_parse_source("mariadb://root@127.0.0.1:1", &src, &store, &err), VR_OK);
    cr_assert_null(src.password);
    cr_assert_null(src.db);
    free(store);
    cr_assert_eq(vr_vstream_parse_source("/tmp/x.sock", &src, &store, &err), VR_OK);
    cr_assert_str_eq(src.socket, "/tmp/x.sock");
    free(store);
    cr_assert_eq(vr_vstream_parse_source("mariadb://u@localhost/d?socket=/s.sock", &src, &store,
                                         &err), VR_OK);
    cr_assert_str_eq(src.socket, "/s.sock");
    cr_assert_str_eq(src.db, "d");
    free(store);
    cr_assert_eq(vr_vstream_parse_source("mysql://u@h", &src, &store, &err), VR_PARSE);
    free(store);
    cr_assert_eq(vr_vstream_parse_source("mariadb://u@h:99999", &src, &store, &err), VR_PARSE);
    free(store);
}
