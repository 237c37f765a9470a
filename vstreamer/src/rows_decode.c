/*
 * rows_decode.c - our own decoder of MariaDB row images (Connector/C's
 * mariadb_rpl_extract_rows mis-decodes signed integers, CHAR/ENUM/SET and
 * negative TIME, so it is not used).
 *
 * A ROWS event holds, per row, a null bitmap over the columns present in
 * the image (the event's column bitmap; all of them with
 * binlog_row_image=FULL) and then the present non-NULL values, each packed
 * as MariaDB's Field::pack writes it: integers little-endian, temporal2
 * types big-endian with offsets, DECIMAL in its binary form, strings with
 * 1-4 length bytes.  UPDATE rows hold the before then the after image.
 *
 * Invariants: every read is checked against the end of the event; values
 * are written into arena memory (no malloc per column) and strings point
 * into the event (zero copy).  Pure; any thread.
 */
#include "rows_decode.h"
#include "bytes.h"

#include <string.h>

#define MIN_BUDGET ((size_t)64 << 20)

static const uint8_t dig2bytes[10] = {0, 1, 1, 2, 2, 3, 3, 4, 4, 4};
static const uint32_t pow10u[10] = {1,      10,      100,      1000,      10000,
                                    100000, 1000000, 10000000, 100000000,
                                    1000000000};

static vr_code_t short_value(vr_error_t *err, size_t need, size_t avail)
{
    return vr_errorf(err, VR_PARSE, "value needs %zu bytes, %zu left in the event",
                     need, avail);
}

/* ---- temporal --------------------------------------------------------- */

static void civil_from_days(int64_t z, vr_temporal_t *t)
{
    int64_t era, doe, yoe, y, doy, mp, d, m;
    z += 719468;
    era = (z >= 0 ? z : z - 146096) / 146097;
    doe = z - era * 146097;
    yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    y = yoe + era * 400;
    doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    mp = (5 * doy + 2) / 153;
    d = doy - (153 * mp + 2) / 5 + 1;
    m = mp < 10 ? mp + 3 : mp - 9;
    t->year = (int32_t)(y + (m <= 2));
    t->month = (uint8_t)m;
    t->day = (uint8_t)d;
}

static void from_epoch(uint32_t sec, uint32_t usec, vr_temporal_t *t)
{
    memset(t, 0, sizeof(*t));
    if (sec == 0 && usec == 0)
        return; /* the zero TIMESTAMP prints as 0000-00-00 00:00:00 */
    civil_from_days(sec / 86400, t);
    sec %= 86400;
    t->hour = sec / 3600;
    t->minute = (uint8_t)(sec / 60 % 60);
    t->second = (uint8_t)(sec % 60);
    t->usec = usec;
}

/* Fraction of a temporal2 value stored in (fsp+1)/2 big-endian bytes. */
static uint32_t frac_usec(const uint8_t *p, unsigned fsp)
{
    switch ((fsp + 1) / 2) {
    case 1: return (uint32_t)p[0] * 10000;
    case 2: return (uint32_t)rd_be(p, 2) * 100;
    case 3: return (uint32_t)rd_be(p, 3);
    default: return 0;
    }
}

static void time_from_packed(int64_t packed, vr_temporal_t *t)
{
    uint64_t u, hms;
    memset(t, 0, sizeof(*t));
    if (packed < 0) {
        t->neg = true;
        u = (uint64_t)-packed;
    } else {
        u = (uint64_t)packed;
    }
    hms = u >> 24;
    t->usec = (uint32_t)(u & 0xFFFFFF);
    t->hour = (uint32_t)((hms >> 12) & 0x3FF);
    t->minute = (uint8_t)((hms >> 6) & 0x3F);
    t->second = (uint8_t)(hms & 0x3F);
}

/* TIME2: MariaDB compat56.cc my_time_packed_from_binary. */
static int64_t time2_packed(const uint8_t *p, unsigned fsp)
{
    int64_t intpart = (int64_t)rd_be(p, 3) - 0x800000;
    int64_t frac;
    switch ((fsp + 1) / 2) {
    case 1:
        frac = p[3];
        if (intpart < 0 && frac) {
            intpart++;
            frac -= 0x100;
        }
        return intpart * ((int64_t)1 << 24) + frac * 10000;
    case 2:
        frac = (int64_t)rd_be(p + 3, 2);
        if (intpart < 0 && frac) {
            intpart++;
            frac -= 0x10000;
        }
        return intpart * ((int64_t)1 << 24) + frac * 100;
    case 3:
        return (int64_t)rd_be(p, 6) - (int64_t)0x800000000000LL;
    default:
        return intpart * ((int64_t)1 << 24);
    }
}

static void datetime2(const uint8_t *p, unsigned fsp, vr_temporal_t *t)
{
    int64_t intpart = (int64_t)rd_be(p, 5) - (int64_t)0x8000000000LL;
    uint64_t ymdhms, ymd, ym, hms;
    memset(t, 0, sizeof(*t));
    if (intpart < 0) /* only the zero date has no sign bit set in practice */
        intpart = -intpart;
    ymdhms = (uint64_t)intpart;
    ymd = ymdhms >> 17;
    ym = ymd >> 5;
    hms = ymdhms & 0x1FFFF;
    t->year = (int32_t)(ym / 13);
    t->month = (uint8_t)(ym % 13);
    t->day = (uint8_t)(ymd & 31);
    t->hour = (uint32_t)(hms >> 12);
    t->minute = (uint8_t)((hms >> 6) & 63);
    t->second = (uint8_t)(hms & 63);
    t->usec = frac_usec(p + 5, fsp);
}

static vr_code_t decode_temporal(const vr_tm_col_t *col, const uint8_t *p,
                                 size_t avail, vr_value_t *v, size_t *used,
                                 vr_error_t *err)
{
    vr_temporal_t *t = &v->v.tm;
    size_t fb = (col->scale + 1) / 2, n;
    switch (col->type) {
    case VR_MT_DATE: case VR_MT_NEWDATE: n = 3; break;
    case VR_MT_TIME: n = 3; break;
    case VR_MT_TIME2: n = 3 + fb; break;
    case VR_MT_DATETIME: n = 8; break;
    case VR_MT_DATETIME2: n = 5 + fb; break;
    case VR_MT_TIMESTAMP: n = 4; break;
    default: n = 4 + fb; break; /* TIMESTAMP2 */
    }
    if (avail < n)
        return short_value(err, n, avail);
    *used = n;
    switch (col->type) {
    case VR_MT_DATE: case VR_MT_NEWDATE: {
        uint32_t x = rd_u24(p);
        memset(t, 0, sizeof(*t));
        t->day = x & 31;
        t->month = (x >> 5) & 15;
        t->year = (int32_t)(x >> 9);
        break;
    }
    case VR_MT_TIME: {
        int32_t x = (int32_t)(rd_u24(p) << 8) >> 8;
        uint32_t ux = x < 0 ? (uint32_t)-x : (uint32_t)x;
        memset(t, 0, sizeof(*t));
        t->neg = x < 0;
        t->hour = ux / 10000;
        t->minute = (uint8_t)(ux / 100 % 100);
        t->second = (uint8_t)(ux % 100);
        break;
    }
    case VR_MT_TIME2:
        time_from_packed(time2_packed(p, col->scale), t);
        break;
    case VR_MT_DATETIME: {
        uint64_t x = rd_u64(p), d = x / 1000000, s = x % 1000000;
        memset(t, 0, sizeof(*t));
        t->year = (int32_t)(d / 10000 % 10000);
        t->month = (uint8_t)(d / 100 % 100);
        t->day = (uint8_t)(d % 100);
        t->hour = (uint32_t)(s / 10000);
        t->minute = (uint8_t)(s / 100 % 100);
        t->second = (uint8_t)(s % 100);
        break;
    }
    case VR_MT_DATETIME2:
        datetime2(p, col->scale, t);
        break;
    case VR_MT_TIMESTAMP:
        from_epoch(rd_u32(p), 0, t);
        break;
    default:
        from_epoch((uint32_t)rd_be(p, 4), frac_usec(p + 4, col->scale), t);
        break;
    }
    if (t->usec > 999999 || t->hour > 838 || t->minute > 59 || t->second > 59)
        return vr_errorf(err, VR_PARSE, "temporal value out of range");
    return VR_OK;
}

/* ---- DECIMAL ---------------------------------------------------------- */

static char *put_digits(char *o, uint32_t x, unsigned width)
{
    unsigned i;
    for (i = width; i > 0; i--) {
        o[i - 1] = (char)('0' + x % 10);
        x /= 10;
    }
    return o + width;
}

static const char digit_pairs[] =
    "00010203040506070809101112131415161718192021222324252627282930313233343536373839"
    "40414243444546474849505152535455565758596061626364656667686970717273747576777879"
    "8081828384858687888990919293949596979899";

/* v in decimal, zero-padded to at least width digits; returns the end. */
static char *put_u64(char *o, uint64_t v, unsigned width)
{
    char tmp[24], *e = tmp + sizeof(tmp), *q = e;
    size_t n;
    while (v >= 100) {
        unsigned r = (unsigned)(v % 100);
        v /= 100;
        q -= 2;
        memcpy(q, digit_pairs + 2 * r, 2);
    }
    if (v >= 10) {
        q -= 2;
        memcpy(q, digit_pairs + 2 * v, 2);
    } else {
        *--q = (char)('0' + v);
    }
    while ((size_t)(e - q) < width)
        *--q = '0';
    n = (size_t)(e - q);
    memcpy(o, q, n);
    return o + n;
}

/* Read the integer and fraction groups of a DECIMAL of precision <= 18
 * (both fit in a uint64) from its sign-normalised bytes. */
static bool decimal_small(const vr_tm_col_t *col, const uint8_t *buf,
                          uint64_t *ip, uint64_t *fp)
{
    unsigned intg = (unsigned)col->precision - col->scale;
    unsigned intg0 = intg / 9, intg0x = intg % 9;
    unsigned frac0 = col->scale / 9, frac0x = col->scale % 9, i;
    size_t pos = 0;
    uint32_t x;
    *ip = *fp = 0;
    if (intg0x) {
        if ((x = (uint32_t)rd_be(buf, dig2bytes[intg0x])) >= pow10u[intg0x])
            return false;
        *ip = x;
        pos = dig2bytes[intg0x];
    }
    for (i = 0; i < intg0; i++, pos += 4) {
        if ((x = (uint32_t)rd_be(buf + pos, 4)) >= pow10u[9])
            return false;
        *ip = *ip * 1000000000u + x;
    }
    for (i = 0; i < frac0; i++, pos += 4) {
        if ((x = (uint32_t)rd_be(buf + pos, 4)) >= pow10u[9])
            return false;
        *fp = *fp * 1000000000u + x;
    }
    if (frac0x) {
        if ((x = (uint32_t)rd_be(buf + pos, dig2bytes[frac0x])) >= pow10u[frac0x])
            return false;
        *fp = *fp * pow10u[frac0x] + x;
    }
    return true;
}

static vr_code_t decode_decimal(const vr_tm_col_t *col, const uint8_t *p,
                                size_t avail, vr_arena_t *a, vr_value_t *v,
                                size_t *used, vr_error_t *err)
{
    unsigned intg = (unsigned)col->precision - col->scale;
    unsigned intg0 = intg / 9, intg0x = intg % 9;
    unsigned frac0 = col->scale / 9, frac0x = col->scale % 9;
    size_t size = intg0 * 4 + dig2bytes[intg0x] + frac0 * 4 + dig2bytes[frac0x];
    uint8_t buf[40];
    char digits[96], *o = digits, *start, *text;
    bool neg, nonzero = false;
    size_t pos = 0, i, tl;
    if (size == 0 || size > sizeof(buf))
        return vr_errorf(err, VR_PARSE, "bad DECIMAL(%u,%u)", col->precision, col->scale);
    if (avail < size)
        return short_value(err, size, avail);
    memcpy(buf, p, size);
    neg = !(buf[0] & 0x80);
    buf[0] ^= 0x80;
    if (neg)
        for (i = 0; i < size; i++)
            buf[i] ^= 0xFF;
    *used = size;
    if (col->precision <= 18) { /* the common case: integer arithmetic */
        uint64_t ip, fp;
        if (!decimal_small(col, buf, &ip, &fp))
            goto bad;
        o = text = vr_arena_alloc(a, 48);
        if (neg && (ip || fp))
            *o++ = '-';
        o = put_u64(o, ip, 1);
        if (col->scale) {
            *o++ = '.';
            o = put_u64(o, fp, col->scale);
        }
        *o = '\0';
        v->s = text;
        v->len = (size_t)(o - text);
        return VR_OK;
    }
    if (intg0x) {
        uint32_t x = (uint32_t)rd_be(buf, dig2bytes[intg0x]);
        if (x >= pow10u[intg0x])
            goto bad;
        o = put_digits(o, x, intg0x);
        pos += dig2bytes[intg0x];
    }
    for (i = 0; i < intg0; i++, pos += 4) {
        uint32_t x = (uint32_t)rd_be(buf + pos, 4);
        if (x >= pow10u[9])
            goto bad;
        o = put_digits(o, x, 9);
    }
    if (o == digits)
        *o++ = '0';
    start = digits;
    while (start + 1 < o && *start == '0')
        start++;
    if (col->scale) {
        *o++ = '.';
        for (i = 0; i < frac0; i++, pos += 4) {
            uint32_t x = (uint32_t)rd_be(buf + pos, 4);
            if (x >= pow10u[9])
                goto bad;
            o = put_digits(o, x, 9);
        }
        if (frac0x) {
            uint32_t x = (uint32_t)rd_be(buf + pos, dig2bytes[frac0x]);
            if (x >= pow10u[frac0x])
                goto bad;
            o = put_digits(o, x, frac0x);
        }
    }
    for (i = 0; digits + i < o; i++)
        if (digits[i] >= '1' && digits[i] <= '9')
            nonzero = true;
    tl = (size_t)(o - start);
    text = vr_arena_alloc(a, tl + 2);
    i = 0;
    if (neg && nonzero)
        text[i++] = '-';
    memcpy(text + i, start, tl);
    text[i + tl] = '\0';
    v->s = text;
    v->len = i + tl;
    *used = size;
    return VR_OK;
bad:
    return vr_errorf(err, VR_PARSE, "corrupt DECIMAL(%u,%u) digits",
                     col->precision, col->scale);
}

/* ---- ENUM / SET / strings --------------------------------------------- */

static vr_code_t decode_enum(const vr_tm_col_t *col, const uint8_t *p,
                             size_t avail, vr_value_t *v, size_t *used,
                             vr_error_t *err)
{
    size_t n = col->max_len;
    if (avail < n)
        return short_value(err, n, avail);
    v->v.u = rd_le(p, n);
    *used = n;
    if (col->nvalues == 0) {
        v->s = NULL; /* no names in the map: the index stands */
        return VR_OK;
    }
    if (v->v.u == 0) {
        v->s = "";
        v->len = 0;
        return VR_OK;
    }
    if (v->v.u > col->nvalues)
        return vr_errorf(err, VR_PARSE, "ENUM index %llu above its %u members",
                         (unsigned long long)v->v.u, col->nvalues);
    v->s = col->values[v->v.u - 1].s;
    v->len = col->values[v->v.u - 1].len;
    return VR_OK;
}

static vr_code_t decode_set(const vr_tm_col_t *col, const uint8_t *p,
                            size_t avail, vr_arena_t *a, vr_value_t *v,
                            size_t *used, vr_error_t *err)
{
    size_t n = col->max_len, len = 0, i;
    char *o;
    if (avail < n)
        return short_value(err, n, avail);
    v->v.u = rd_le(p, n);
    *used = n;
    if (col->nvalues == 0) {
        v->s = NULL;
        return VR_OK;
    }
    for (i = 0; i < 64 && i < col->nvalues; i++)
        if (v->v.u >> i & 1)
            len += col->values[i].len + 1;
    if (col->nvalues < 64 && (v->v.u >> col->nvalues) != 0)
        return vr_errorf(err, VR_PARSE, "SET bits above its %u members", col->nvalues);
    o = vr_arena_alloc(a, len + 1);
    len = 0;
    for (i = 0; i < 64 && i < col->nvalues; i++) {
        if (!(v->v.u >> i & 1))
            continue;
        if (len)
            o[len++] = ',';
        memcpy(o + len, col->values[i].s, col->values[i].len);
        len += col->values[i].len;
    }
    o[len] = '\0';
    v->s = o;
    v->len = len;
    return VR_OK;
}

/* Length-prefixed bytes: lb little-endian length bytes, then the data. */
static vr_code_t decode_bytes(const uint8_t *p, size_t avail, size_t lb,
                              vr_value_t *v, size_t *used, vr_error_t *err)
{
    uint64_t len;
    if (avail < lb)
        return short_value(err, lb, avail);
    switch (lb) {
    case 1: len = p[0]; break;
    case 2: len = rd_u16(p); break;
    case 3: len = rd_u24(p); break;
    default: len = rd_u32(p); break;
    }
    if (len > avail - lb)
        return short_value(err, lb + len, avail);
    v->s = (const char *)p + lb;
    v->len = (size_t)len;
    *used = lb + (size_t)len;
    return VR_OK;
}

/* CHAR/BINARY: the binlog drops the trailing pad; BINARY(n) reads back
 * padded with 0x00 to its n bytes, as SELECT returns it. */
static vr_code_t decode_char(const vr_tm_col_t *col, const uint8_t *p, size_t avail,
                             vr_arena_t *a, vr_value_t *v, size_t *used,
                             vr_error_t *err)
{
    char *padded;
    vr_code_t rc = decode_bytes(p, avail, col->max_len > 255 ? 2 : 1, v, used, err);
    if (rc != VR_OK || col->charset != VR_CHARSET_BINARY || v->len >= col->max_len)
        return rc;
    padded = vr_arena_alloc(a, col->max_len);
    memcpy(padded, v->s, v->len);
    memset(padded + v->len, 0, col->max_len - v->len);
    v->s = padded;
    v->len = col->max_len;
    return VR_OK;
}

/* ---- one value -------------------------------------------------------- */

static vr_code_t decode_int(const vr_tm_col_t *col, const uint8_t *p,
                            size_t avail, vr_value_t *v, size_t *used,
                            vr_error_t *err)
{
    size_t n;
    uint64_t x;
    switch (col->type) {
    case VR_MT_TINY: n = 1; break;
    case VR_MT_SHORT: n = 2; break;
    case VR_MT_INT24: n = 3; break;
    case VR_MT_LONG: n = 4; break;
    default: n = 8; break;
    }
    if (avail < n)
        return short_value(err, n, avail);
    switch (n) {
    case 1: x = p[0]; break;
    case 2: x = rd_u16(p); break;
    case 3: x = rd_u24(p); break;
    case 4: x = rd_u32(p); break;
    default: x = rd_u64(p); break;
    }
    *used = n;
    if (col->is_unsigned) {
        v->v.u = x;
    } else if (n < 8) {
        unsigned shift = (unsigned)(64 - 8 * n);
        v->v.i = (int64_t)(x << shift) >> shift; /* sign-extend */
    } else {
        v->v.i = (int64_t)x;
    }
    return VR_OK;
}

static vr_code_t decode_float(const vr_tm_col_t *col, const uint8_t *p,
                              size_t avail, vr_value_t *v, size_t *used,
                              vr_error_t *err)
{
    if (col->type == VR_MT_FLOAT) {
        uint32_t u;
        float f;
        if (avail < 4)
            return short_value(err, 4, avail);
        u = rd_u32(p);
        memcpy(&f, &u, 4);
        v->v.d = f;
        *used = 4;
    } else {
        uint64_t u;
        if (avail < 8)
            return short_value(err, 8, avail);
        u = rd_u64(p);
        memcpy(&v->v.d, &u, 8);
        *used = 8;
    }
    return VR_OK;
}

static inline __attribute__((always_inline)) vr_code_t decode_one(const vr_tm_col_t *col, const uint8_t *p,
                                   size_t avail, vr_arena_t *a, vr_value_t *v,
                                   size_t *used, vr_error_t *err)
{
    v->type = col->vtype;
    v->is_null = false;
    v->charset = col->charset;
    v->decimals = col->scale;
    v->s = NULL;
    v->len = 0;
    v->v.u = 0;
    *used = 0;
    switch (col->type) {
    case VR_MT_TINY: case VR_MT_SHORT: case VR_MT_INT24: case VR_MT_LONG:
    case VR_MT_LONGLONG:
        return decode_int(col, p, avail, v, used, err);
    case VR_MT_FLOAT: case VR_MT_DOUBLE:
        return decode_float(col, p, avail, v, used, err);
    case VR_MT_NEWDECIMAL:
        return decode_decimal(col, p, avail, a, v, used, err);
    case VR_MT_YEAR:
        if (avail < 1)
            return short_value(err, 1, avail);
        v->v.i = p[0] ? 1900 + p[0] : 0;
        *used = 1;
        return VR_OK;
    case VR_MT_DATE: case VR_MT_NEWDATE: case VR_MT_TIME: case VR_MT_TIME2:
    case VR_MT_DATETIME: case VR_MT_DATETIME2: case VR_MT_TIMESTAMP:
    case VR_MT_TIMESTAMP2:
        return decode_temporal(col, p, avail, v, used, err);
    case VR_MT_BIT: {
        size_t n = (col->max_len + 7) / 8;
        if (avail < n)
            return short_value(err, n, avail);
        v->v.u = rd_be(p, n);
        *used = n;
        return VR_OK;
    }
    case VR_MT_ENUM:
        return decode_enum(col, p, avail, v, used, err);
    case VR_MT_SET:
        return decode_set(col, p, avail, a, v, used, err);
    case VR_MT_STRING:
        return decode_char(col, p, avail, a, v, used, err);
    case VR_MT_VARCHAR: case VR_MT_VAR_STRING:
        return decode_bytes(p, avail, col->max_len > 255 ? 2 : 1, v, used, err);
    case VR_MT_BLOB: case VR_MT_TINY_BLOB: case VR_MT_MEDIUM_BLOB:
    case VR_MT_LONG_BLOB: case VR_MT_GEOMETRY:
        return decode_bytes(p, avail, col->max_len, v, used, err);
    case VR_MT_NULL:
        v->is_null = true;
        return VR_OK;
    default:
        return vr_errorf(err, VR_UNSUPPORTED, "unsupported column type %u", col->type);
    }
}

vr_code_t vr_decode_value(const vr_tm_col_t *col, const uint8_t *p, size_t avail,
                          vr_arena_t *a, vr_value_t *v, size_t *used,
                          vr_error_t *err)
{
    return decode_one(col, p, avail, a, v, used, err);
}

/* ---- row images ------------------------------------------------------- */

typedef struct img_ctx {
    const vr_table_map_t *tm;
    const vr_bl_rows_t *r;
    vr_arena_t *a;
    size_t row;
    vr_error_t *err;
} img_ctx_t;

static size_t popcount_bits(const uint8_t *bm, uint32_t n)
{
    size_t c = 0;
    uint32_t i;
    for (i = 0; i < n / 8; i++)
        c += (size_t)__builtin_popcount(bm[i]);
    if (n % 8)
        c += (size_t)__builtin_popcount(bm[n / 8] & ((1u << (n % 8)) - 1));
    return c;
}

static bool all_set(const uint8_t *bm, uint32_t n)
{
    return popcount_bits(bm, n) == n;
}

static vr_code_t image_error(img_ctx_t *x, uint32_t col)
{
    const vr_tm_col_t *c = &x->tm->cols[col];
    if (c->name.s)
        return vr_error_prefix(x->err, "row %zu of %s.%s, column %s", x->row + 1,
                               x->tm->db.s, x->tm->table.s, c->name.s);
    return vr_error_prefix(x->err, "row %zu of %s.%s, column #%u", x->row + 1,
                           x->tm->db.s, x->tm->table.s, col + 1);
}

static vr_code_t decode_image(img_ctx_t *x, const uint8_t *cols, size_t npresent,
                              const uint8_t **pp, const uint8_t *end,
                              vr_value_t **out)
{
    const vr_table_map_t *tm = x->tm;
    const uint8_t *p = *pp, *nulls;
    size_t nb = (npresent + 7) / 8, j = 0, used;
    vr_value_t *vals;
    uint32_t k;
    if ((size_t)(end - p) < nb)
        return vr_errorf(x->err, VR_PARSE, "row %zu of %s.%s: null bitmap past the "
                         "end of the event", x->row + 1, tm->db.s, tm->table.s);
    nulls = p;
    p += nb;
    vals = vr_arena_alloc(x->a, tm->ncols * sizeof(vr_value_t));
    for (k = 0; k < tm->ncols; k++) {
        vr_value_t *v = &vals[k];
        if (!bit_lsb(cols, k) || bit_lsb(nulls, j)) {
            *v = vr_value_null(tm->cols[k].vtype);
            v->charset = tm->cols[k].charset;
            j += bit_lsb(cols, k);
            continue;
        }
        j++;
        if (decode_one(&tm->cols[k], p, (size_t)(end - p), x->a, v, &used, x->err) != VR_OK)
            return image_error(x, k);
        p += used;
    }
    *pp = p;
    *out = vals;
    return VR_OK;
}

static vr_code_t check_shape(const vr_table_map_t *tm, const vr_bl_rows_t *r,
                             vr_error_t *err)
{
    if (r->table_id != tm->table_id)
        return vr_errorf(err, VR_INTERNAL, "rows event for table id %llu decoded "
                         "with the map of table id %llu",
                         (unsigned long long)r->table_id,
                         (unsigned long long)tm->table_id);
    if (r->ncols != tm->ncols)
        return vr_errorf(err, VR_PARSE, "rows event for %s.%s has %u columns, "
                         "its table map %u", tm->db.s, tm->table.s, r->ncols,
                         tm->ncols);
    return VR_OK;
}

vr_code_t vr_rows_decode(const vr_table_map_t *tm, const vr_bl_rows_t *r,
                         vr_arena_t *a, vr_vrow_t **rows, size_t *nrows,
                         vr_error_t *err)
{
    img_ctx_t x = {tm, r, a, 0, err};
    const uint8_t *p = r->rows, *end = r->rows + r->rows_len;
    const uint8_t *bi_cols = r->cols;
    const uint8_t *ai_cols = r->kind == VR_ROWS_UPDATE ? r->cols_ai : r->cols;
    size_t nbi = popcount_bits(bi_cols, tm->ncols);
    size_t nai = popcount_bits(ai_cols, tm->ncols);
    const uint8_t *bi_pub = all_set(bi_cols, tm->ncols) ? NULL : bi_cols;
    const uint8_t *ai_pub = all_set(ai_cols, tm->ncols) ? NULL : ai_cols;
    size_t cap = 8, n = 0;
    /* decoded memory per event is bounded, so a small corrupt event with
     * near-empty images of a wide table cannot exhaust memory */
    size_t per_row = sizeof(vr_vrow_t) + 2 * (size_t)tm->ncols * sizeof(vr_value_t);
    size_t budget = r->rows_len * 32 > MIN_BUDGET ? r->rows_len * 32 : MIN_BUDGET;
    vr_vrow_t *arr;
    vr_code_t rc;
    *rows = NULL;
    *nrows = 0;
    if ((rc = check_shape(tm, r, err)) != VR_OK)
        return rc;
    arr = vr_arena_alloc(a, cap * sizeof(vr_vrow_t));
    while (p < end) {
        const uint8_t *row_start = p;
        vr_vrow_t *row;
        vr_value_t *vals;
        if ((n + 1) * per_row > budget)
            return vr_errorf(err, VR_PARSE, "rows event for %s.%s decodes to more than "
                             "%zu MB", tm->db.s, tm->table.s, budget >> 20);
        if (n == cap) {
            vr_vrow_t *bigger = vr_arena_alloc(a, 2 * cap * sizeof(vr_vrow_t));
            memcpy(bigger, arr, cap * sizeof(vr_vrow_t));
            arr = bigger;
            cap *= 2;
        }
        row = &arr[n];
        memset(row, 0, sizeof(*row));
        x.row = n;
        if (r->kind != VR_ROWS_INSERT) {
            if ((rc = decode_image(&x, bi_cols, nbi, &p, end, &vals)) != VR_OK)
                return rc;
            row->before = vals;
            row->before_cols = bi_pub;
        }
        if (r->kind != VR_ROWS_DELETE) {
            if ((rc = decode_image(&x, ai_cols, nai, &p, end, &vals)) != VR_OK)
                return rc;
            row->after = vals;
            row->after_cols = ai_pub;
        }
        if (p == row_start) /* no columns: would never reach the end */
            return vr_errorf(err, VR_PARSE, "rows event for %s.%s has an empty row "
                             "image", tm->db.s, tm->table.s);
        n++;
    }
    *rows = arr;
    *nrows = n;
    return VR_OK;
}
