/*
 * binval.c - values in the binary protocol: result values encoded from
 * their text form, statement parameters decoded into SQL literals.
 *
 * Handlers produce text (what the text protocol shows); a binary result row
 * needs each value in its column type's binary form: integers little-endian
 * at the type's width, FLOAT/DOUBLE as IEEE bits, DATE/DATETIME/TIMESTAMP
 * and TIME as a length byte plus the non-zero fields, everything else as a
 * length-encoded string.
 *
 * Parameters become literals that the backend's lexer reads back as the
 * same value: integers in decimal, FLOAT/DOUBLE in exponent form (so they
 * stay approximate-value literals, as server-side parameters are),
 * DECIMAL as is when it is a plain number, temporals quoted, BLOB/BIT/
 * GEOMETRY as X'hex', and strings quoted.  String quoting must be safe with
 * any connection charset and sql_mode: quotes are doubled (valid in every
 * sql_mode), backslash escapes are used only when the session does not run
 * with NO_BACKSLASH_ESCAPES, and a string in which a byte >= 0x80 is
 * followed by a backslash or a quote is sent as X'hex' instead, because in
 * big5/sjis/cp932/gbk that pair can be one character and would swallow the
 * escape (the classic injection through mysql_escape_string).
 *
 * Pure functions: any thread.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "proto.h"

/* ---- helpers ---- */

static bool copy_num(char *dst, size_t cap, const char *s, size_t n)
{
    if (n == 0 || n >= cap)
        return false;
    memcpy(dst, s, n);
    dst[n] = 0;
    return true;
}

static bool parse_i64(const char *s, size_t n, int64_t *v)
{
    char buf[32], *end;
    long long x;
    if (!copy_num(buf, sizeof(buf), s, n) || buf[0] == ' ' || buf[0] == '+')
        return false;
    errno = 0;
    x = strtoll(buf, &end, 10);
    if (errno || *end)
        return false;
    *v = x;
    return true;
}

static bool parse_u64(const char *s, size_t n, uint64_t *v)
{
    char buf[32], *end;
    unsigned long long x;
    if (!copy_num(buf, sizeof(buf), s, n) || buf[0] < '0' || buf[0] > '9')
        return false;
    errno = 0;
    x = strtoull(buf, &end, 10);
    if (errno || *end)
        return false;
    *v = x;
    return true;
}

static bool parse_int(const char *s, size_t n, bool is_unsigned, int bits, uint64_t *bitsval)
{
    if (is_unsigned) {
        uint64_t u;
        if (!parse_u64(s, n, &u))
            return false;
        if (bits < 64 && u >> bits)
            return false;
        *bitsval = u;
    } else {
        int64_t i;
        if (!parse_i64(s, n, &i))
            return false;
        if (bits < 64) {
            int64_t lim = (int64_t)1 << (bits - 1);
            if (i < -lim || i >= lim)
                return false;
        }
        *bitsval = (uint64_t)i;
    }
    return true;
}

static bool digits(const char *s, size_t n, size_t count, unsigned *v)
{
    size_t i;
    *v = 0;
    if (n < count)
        return false;
    for (i = 0; i < count; i++) {
        if (s[i] < '0' || s[i] > '9')
            return false;
        *v = *v * 10 + (unsigned)(s[i] - '0');
    }
    return true;
}

/* ".f{1,6}" at s (n bytes left): microseconds; *used how many bytes. */
static bool fraction(const char *s, size_t n, uint32_t *usec, size_t *used)
{
    size_t i = 1;
    uint32_t v = 0, scale = 100000;
    *usec = 0;
    *used = 0;
    if (n == 0)
        return true;
    if (s[0] != '.')
        return false;
    while (i < n && i <= 6 && s[i] >= '0' && s[i] <= '9') {
        v += (uint32_t)(s[i] - '0') * scale;
        scale /= 10;
        i++;
    }
    if (i == 1 || i != n)
        return false;
    *usec = v;
    *used = i;
    return true;
}

typedef struct tm_fields {
    unsigned year, month, day, hour, minute, second;
    uint32_t usec;
    bool neg;
} tm_fields_t;

/* "YYYY-MM-DD[ HH:MM:SS[.ffffff]]" */
static bool parse_datetime(const char *s, size_t n, tm_fields_t *t)
{
    size_t used;
    memset(t, 0, sizeof(*t));
    if (n < 10 || !digits(s, n, 4, &t->year) || s[4] != '-' ||
        !digits(s + 5, n - 5, 2, &t->month) || s[7] != '-' ||
        !digits(s + 8, n - 8, 2, &t->day))
        return false;
    if (n == 10)
        return true;
    if (n < 19 || s[10] != ' ' || !digits(s + 11, n - 11, 2, &t->hour) || s[13] != ':' ||
        !digits(s + 14, n - 14, 2, &t->minute) || s[16] != ':' ||
        !digits(s + 17, n - 17, 2, &t->second))
        return false;
    return fraction(s + 19, n - 19, &t->usec, &used);
}

/* "[-]H+:MM:SS[.ffffff]" */
static bool parse_time(const char *s, size_t n, tm_fields_t *t)
{
    size_t i = 0, used;
    memset(t, 0, sizeof(*t));
    if (n && s[0] == '-') {
        t->neg = true;
        i = 1;
    }
    if (i >= n || s[i] < '0' || s[i] > '9')
        return false;
    while (i < n && s[i] >= '0' && s[i] <= '9') {
        t->hour = t->hour * 10 + (unsigned)(s[i] - '0');
        if (t->hour > 9999)
            return false;
        i++;
    }
    if (n - i < 6 || s[i] != ':' || !digits(s + i + 1, n - i - 1, 2, &t->minute) ||
        s[i + 3] != ':' || !digits(s + i + 4, n - i - 4, 2, &t->second))
        return false;
    return fraction(s + i + 6, n - i - 6, &t->usec, &used);
}

static void put_datetime(vr_buf_t *out, const tm_fields_t *t, bool date_only)
{
    uint8_t len = 11;
    if (!t->usec)
        len = 7;
    if (!t->usec && !t->hour && !t->minute && !t->second)
        len = 4;
    if (len == 4 && !t->year && !t->month && !t->day)
        len = 0;
    if (date_only && len > 4)
        len = 4;
    gw_put_u8(out, len);
    if (len >= 4) {
        gw_put_u16(out, (uint16_t)t->year);
        gw_put_u8(out, (uint8_t)t->month);
        gw_put_u8(out, (uint8_t)t->day);
    }
    if (len >= 7) {
        gw_put_u8(out, (uint8_t)t->hour);
        gw_put_u8(out, (uint8_t)t->minute);
        gw_put_u8(out, (uint8_t)t->second);
    }
    if (len == 11)
        gw_put_u32(out, t->usec);
}

static void put_time(vr_buf_t *out, const tm_fields_t *t)
{
    uint8_t len = t->usec ? 12 : 8;
    if (!t->usec && !t->hour && !t->minute && !t->second) {
        gw_put_u8(out, 0);
        return;
    }
    gw_put_u8(out, len);
    gw_put_u8(out, t->neg ? 1 : 0);
    gw_put_u32(out, t->hour / 24);
    gw_put_u8(out, (uint8_t)(t->hour % 24));
    gw_put_u8(out, (uint8_t)t->minute);
    gw_put_u8(out, (uint8_t)t->second);
    if (len == 12)
        gw_put_u32(out, t->usec);
}

bool gw_bin_is_string(uint8_t type)
{
    switch (type) {
    case VR_GW_TYPE_TINY:
    case VR_GW_TYPE_SHORT:
    case VR_GW_TYPE_YEAR:
    case VR_GW_TYPE_INT24:
    case VR_GW_TYPE_LONG:
    case VR_GW_TYPE_LONGLONG:
    case VR_GW_TYPE_FLOAT:
    case VR_GW_TYPE_DOUBLE:
    case VR_GW_TYPE_DATE:
    case VR_GW_TYPE_NEWDATE:
    case VR_GW_TYPE_DATETIME:
    case VR_GW_TYPE_TIMESTAMP:
    case VR_GW_TYPE_TIME:
        return false;
    default:
        return true;
    }
}

static bool from_text_float(vr_buf_t *out, uint8_t type, const char *s, size_t n)
{
    char buf[400], *end;
    if (!copy_num(buf, sizeof(buf), s, n))
        return false;
    if (type == VR_GW_TYPE_FLOAT) {
        float f = strtof(buf, &end);
        uint32_t u;
        if (*end)
            return false;
        memcpy(&u, &f, 4);
        gw_put_u32(out, u);
    } else {
        double d = strtod(buf, &end);
        uint64_t u;
        if (*end)
            return false;
        memcpy(&u, &d, 8);
        gw_put_u64(out, u);
    }
    return true;
}

bool gw_bin_from_text(vr_buf_t *out, uint8_t type, uint16_t flags, const char *s, size_t n)
{
    bool uns = (flags & VR_GW_FLAG_UNSIGNED) != 0;
    uint64_t v;
    tm_fields_t t;

    switch (type) {
    case VR_GW_TYPE_TINY:
        if (!parse_int(s, n, uns, 8, &v))
            return false;
        gw_put_u8(out, (uint8_t)v);
        return true;
    case VR_GW_TYPE_SHORT:
        if (!parse_int(s, n, uns, 16, &v))
            return false;
        gw_put_u16(out, (uint16_t)v);
        return true;
    case VR_GW_TYPE_YEAR:
        if (!parse_int(s, n, true, 16, &v))
            return false;
        gw_put_u16(out, (uint16_t)v);
        return true;
    case VR_GW_TYPE_INT24:
    case VR_GW_TYPE_LONG:
        if (!parse_int(s, n, uns, type == VR_GW_TYPE_INT24 ? 24 : 32, &v))
            return false;
        gw_put_u32(out, (uint32_t)v);
        return true;
    case VR_GW_TYPE_LONGLONG:
        if (!parse_int(s, n, uns, 64, &v))
            return false;
        gw_put_u64(out, v);
        return true;
    case VR_GW_TYPE_FLOAT:
    case VR_GW_TYPE_DOUBLE:
        return from_text_float(out, type, s, n);
    case VR_GW_TYPE_DATE:
    case VR_GW_TYPE_NEWDATE:
    case VR_GW_TYPE_DATETIME:
    case VR_GW_TYPE_TIMESTAMP:
        if (!parse_datetime(s, n, &t))
            return false;
        put_datetime(out, &t, type == VR_GW_TYPE_DATE || type == VR_GW_TYPE_NEWDATE);
        return true;
    case VR_GW_TYPE_TIME:
        if (!parse_time(s, n, &t))
            return false;
        put_time(out, &t);
        return true;
    default:
        gw_put_lenenc_str(out, s, n);
        return true;
    }
}

/* ---- binary back to text (tests, fuzzing) ---- */

static void print_shortest(vr_buf_t *out, double d, bool is_float)
{
    char buf[64];
    int prec;
    for (prec = 1; prec <= 17; prec++) {
        snprintf(buf, sizeof(buf), "%.*g", prec, d);
        if (is_float ? strtof(buf, NULL) == (float)d : strtod(buf, NULL) == d)
            break;
    }
    vr_buf_puts(out, buf);
}

static bool to_text_temporal(gw_rd_t *r, uint8_t type, vr_buf_t *out)
{
    uint8_t len = gw_rd_u8(r);
    unsigned y = 0, mo = 0, d = 0, h = 0, mi = 0, s = 0;
    uint32_t us = 0;
    if (len != 0 && len != 4 && len != 7 && len != 11)
        return false;
    if (len >= 4) {
        y = gw_rd_u16(r);
        mo = gw_rd_u8(r);
        d = gw_rd_u8(r);
    }
    if (len >= 7) {
        h = gw_rd_u8(r);
        mi = gw_rd_u8(r);
        s = gw_rd_u8(r);
    }
    if (len == 11)
        us = gw_rd_u32(r);
    if (r->err)
        return false;
    vr_buf_printf(out, "%04u-%02u-%02u", y, mo, d);
    if (type != VR_GW_TYPE_DATE && type != VR_GW_TYPE_NEWDATE) {
        vr_buf_printf(out, " %02u:%02u:%02u", h, mi, s);
        if (us)
            vr_buf_printf(out, ".%06u", us);
    }
    return true;
}

static bool to_text_time(gw_rd_t *r, vr_buf_t *out)
{
    uint8_t len = gw_rd_u8(r), neg = 0, h = 0, mi = 0, s = 0;
    uint32_t days = 0, us = 0;
    if (len != 0 && len != 8 && len != 12)
        return false;
    if (len >= 8) {
        neg = gw_rd_u8(r);
        days = gw_rd_u32(r);
        h = gw_rd_u8(r);
        mi = gw_rd_u8(r);
        s = gw_rd_u8(r);
    }
    if (len == 12)
        us = gw_rd_u32(r);
    if (r->err || days > 100000)
        return false;
    vr_buf_printf(out, "%s%02u:%02u:%02u", neg ? "-" : "", days * 24 + h, mi, s);
    if (us)
        vr_buf_printf(out, ".%06u", us);
    return true;
}

bool gw_bin_to_text(gw_rd_t *r, uint8_t type, uint16_t flags, vr_buf_t *out)
{
    bool uns = (flags & VR_GW_FLAG_UNSIGNED) != 0;
    const uint8_t *p;
    size_t n;
    uint32_t u32;
    uint64_t u64;
    float f;
    double d;

    switch (type) {
    case VR_GW_TYPE_TINY: {
        uint8_t v = gw_rd_u8(r);
        vr_buf_printf(out, "%ld", uns ? (long)v : (long)(int8_t)v);
        break;
    }
    case VR_GW_TYPE_SHORT:
    case VR_GW_TYPE_YEAR: {
        uint16_t v = gw_rd_u16(r);
        uns = uns || type == VR_GW_TYPE_YEAR;
        vr_buf_printf(out, "%ld", uns ? (long)v : (long)(int16_t)v);
        break;
    }
    case VR_GW_TYPE_INT24:
    case VR_GW_TYPE_LONG:
        u32 = gw_rd_u32(r);
        if (uns)
            vr_buf_printf(out, "%u", u32);
        else
            vr_buf_printf(out, "%d", (int32_t)u32);
        break;
    case VR_GW_TYPE_LONGLONG:
        u64 = gw_rd_u64(r);
        if (uns)
            vr_buf_printf(out, "%llu", (unsigned long long)u64);
        else
            vr_buf_printf(out, "%lld", (long long)(int64_t)u64);
        break;
    case VR_GW_TYPE_FLOAT:
        u32 = gw_rd_u32(r);
        memcpy(&f, &u32, 4);
        print_shortest(out, f, true);
        break;
    case VR_GW_TYPE_DOUBLE:
        u64 = gw_rd_u64(r);
        memcpy(&d, &u64, 8);
        print_shortest(out, d, false);
        break;
    case VR_GW_TYPE_DATE:
    case VR_GW_TYPE_NEWDATE:
    case VR_GW_TYPE_DATETIME:
    case VR_GW_TYPE_TIMESTAMP:
        return to_text_temporal(r, type, out);
    case VR_GW_TYPE_TIME:
        return to_text_time(r, out);
    default:
        p = gw_rd_lenenc_str(r, &n);
        if (r->err)
            return false;
        vr_buf_append(out, p, n);
        break;
    }
    return !r->err;
}

/* ---- parameters to SQL literals ---- */

static void put_hex_literal(vr_buf_t *sql, const uint8_t *p, size_t n)
{
    vr_buf_puts(sql, "X'");
    vr_buf_put_hex(sql, p, n);
    vr_buf_putc(sql, '\'');
}

void gw_sql_quote(vr_buf_t *sql, const char *s, size_t n, bool no_bs)
{
    size_t i;
    for (i = 0; i + 1 < n; i++) {
        if ((uint8_t)s[i] >= 0x80 && (s[i + 1] == '\\' || s[i + 1] == '\'')) {
            put_hex_literal(sql, (const uint8_t *)s, n);
            return;
        }
    }
    vr_buf_reserve(sql, n + 2);
    vr_buf_putc(sql, '\'');
    for (i = 0; i < n; i++) {
        char c = s[i];
        if (c == '\'') {
            vr_buf_puts(sql, "''");
        } else if (no_bs) {
            vr_buf_putc(sql, c);
        } else if (c == '\\') {
            vr_buf_puts(sql, "\\\\");
        } else if (c == 0) {
            vr_buf_puts(sql, "\\0");
        } else if (c == '\n') {
            vr_buf_puts(sql, "\\n");
        } else if (c == '\r') {
            vr_buf_puts(sql, "\\r");
        } else if (c == 0x1a) {
            vr_buf_puts(sql, "\\Z");
        } else {
            vr_buf_putc(sql, c);
        }
    }
    vr_buf_putc(sql, '\'');
}

/* [+-]digits[.digits][e[+-]digits] or [+-].digits...: safe to send bare */
static bool plain_number(const char *s, size_t n)
{
    size_t i = 0, d = 0;
    if (i < n && (s[i] == '-' || s[i] == '+'))
        i++;
    while (i < n && s[i] >= '0' && s[i] <= '9')
        i++, d++;
    if (i < n && s[i] == '.') {
        i++;
        while (i < n && s[i] >= '0' && s[i] <= '9')
            i++, d++;
    }
    if (d == 0)
        return false;
    if (i < n && (s[i] == 'e' || s[i] == 'E')) {
        size_t e = 0;
        i++;
        if (i < n && (s[i] == '-' || s[i] == '+'))
            i++;
        while (i < n && s[i] >= '0' && s[i] <= '9')
            i++, e++;
        if (e == 0)
            return false;
    }
    return i == n;
}

static bool param_temporal(gw_rd_t *r, uint8_t type, vr_buf_t *sql)
{
    vr_buf_t tmp = VR_BUF_INIT;
    bool ok;
    /* the encodings match the result values' (DATE may carry a time) */
    ok = type == VR_GW_TYPE_TIME ? to_text_time(r, &tmp)
                                 : to_text_temporal(r, VR_GW_TYPE_DATETIME, &tmp);
    if (ok) {
        vr_buf_putc(sql, '\'');
        if (type == VR_GW_TYPE_DATE && tmp.len > 10 &&
            strcmp(tmp.data + 10, " 00:00:00") == 0)
            tmp.len = 10;
        vr_buf_append(sql, tmp.data, tmp.len);
        vr_buf_putc(sql, '\'');
    }
    vr_buf_free(&tmp);
    return ok;
}

static bool param_float(gw_rd_t *r, uint8_t type, vr_buf_t *sql)
{
    double d;
    if (type == VR_GW_TYPE_FLOAT) {
        uint32_t u = gw_rd_u32(r);
        float f;
        memcpy(&f, &u, 4);
        d = f;
    } else {
        uint64_t u = gw_rd_u64(r);
        memcpy(&d, &u, 8);
    }
    if (r->err || !isfinite(d))
        return false;
    /* exponent form: an approximate-value (DOUBLE) literal */
    vr_buf_printf(sql, "%.17e", d);
    return true;
}

static bool param_int(gw_rd_t *r, uint8_t type, bool uns, vr_buf_t *sql)
{
    int64_t i;
    uint64_t u;
    switch (type) {
    case VR_GW_TYPE_TINY:
        u = gw_rd_u8(r);
        i = (int8_t)u;
        break;
    case VR_GW_TYPE_SHORT:
    case VR_GW_TYPE_YEAR:
        u = gw_rd_u16(r);
        i = (int16_t)u;
        uns = uns || type == VR_GW_TYPE_YEAR;
        break;
    case VR_GW_TYPE_INT24:
    case VR_GW_TYPE_LONG:
        u = gw_rd_u32(r);
        i = (int32_t)u;
        break;
    default:
        u = gw_rd_u64(r);
        i = (int64_t)u;
        break;
    }
    if (r->err)
        return false;
    if (uns)
        vr_buf_printf(sql, "%llu", (unsigned long long)u);
    else
        vr_buf_printf(sql, "%lld", (long long)i);
    return true;
}

bool gw_param_to_sql(gw_rd_t *r, uint8_t type, bool is_unsigned, bool no_bs, vr_buf_t *sql)
{
    const uint8_t *p;
    size_t n;

    switch (type) {
    case VR_GW_TYPE_NULL:
        vr_buf_puts(sql, "NULL");
        return true;
    case VR_GW_TYPE_TINY:
    case VR_GW_TYPE_SHORT:
    case VR_GW_TYPE_YEAR:
    case VR_GW_TYPE_INT24:
    case VR_GW_TYPE_LONG:
    case VR_GW_TYPE_LONGLONG:
        return param_int(r, type, is_unsigned, sql);
    case VR_GW_TYPE_FLOAT:
    case VR_GW_TYPE_DOUBLE:
        return param_float(r, type, sql);
    case VR_GW_TYPE_DATE:
    case VR_GW_TYPE_NEWDATE:
    case VR_GW_TYPE_DATETIME:
    case VR_GW_TYPE_TIMESTAMP:
    case VR_GW_TYPE_TIME:
        return param_temporal(r, type, sql);
    case VR_GW_TYPE_DECIMAL:
    case VR_GW_TYPE_NEWDECIMAL:
    case VR_GW_TYPE_VARCHAR:
    case VR_GW_TYPE_VAR_STRING:
    case VR_GW_TYPE_STRING:
    case VR_GW_TYPE_ENUM:
    case VR_GW_TYPE_SET:
    case VR_GW_TYPE_JSON:
    case VR_GW_TYPE_TINY_BLOB:
    case VR_GW_TYPE_MEDIUM_BLOB:
    case VR_GW_TYPE_LONG_BLOB:
    case VR_GW_TYPE_BLOB:
    case VR_GW_TYPE_GEOMETRY:
    case VR_GW_TYPE_BIT:
        p = gw_rd_lenenc_str(r, &n);
        if (r->err)
            return false;
        return gw_param_bytes_to_sql(type, p, n, no_bs, sql);
    default:
        return false; /* a type no client sends */
    }
}

bool gw_param_bytes_to_sql(uint8_t type, const uint8_t *p, size_t n, bool no_bs,
                           vr_buf_t *sql)
{
    switch (type) {
    case VR_GW_TYPE_DECIMAL:
    case VR_GW_TYPE_NEWDECIMAL:
        if (plain_number((const char *)p, n))
            vr_buf_append(sql, p, n);
        else
            gw_sql_quote(sql, (const char *)p, n, no_bs);
        return true;
    case VR_GW_TYPE_VARCHAR:
    case VR_GW_TYPE_VAR_STRING:
    case VR_GW_TYPE_STRING:
    case VR_GW_TYPE_ENUM:
    case VR_GW_TYPE_SET:
    case VR_GW_TYPE_JSON:
        gw_sql_quote(sql, (const char *)p, n, no_bs);
        return true;
    case VR_GW_TYPE_TINY_BLOB:
    case VR_GW_TYPE_MEDIUM_BLOB:
    case VR_GW_TYPE_LONG_BLOB:
    case VR_GW_TYPE_BLOB:
    case VR_GW_TYPE_GEOMETRY:
    case VR_GW_TYPE_BIT:
        put_hex_literal(sql, p, n);
        return true;
    default:
        return false; /* long data for a type that is not a string */
    }
}
