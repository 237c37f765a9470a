/*
 * value.c - names and text/JSON/SQL renderings of vr_value_t.
 *
 * Pure functions over plain data; any thread.  Renderings append to a
 * caller-owned vr_buf_t.  The JSON validator used for JSON columns is a
 * small recursive-descent checker with a depth limit (untrusted input).
 */
#include "vr_value.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const type_names[] = {
#define VR_TYPE_NAME_(name) #name,
    VR_TYPES(VR_TYPE_NAME_)
#undef VR_TYPE_NAME_
};

const char *vr_type_name(vr_type_t t)
{
    if ((unsigned)t >= VR__TYPE_MAX)
        return "?";
    return type_names[t];
}

bool vr_type_is_signed(vr_type_t t)
{
    return t == VR_TYPE_INT8 || t == VR_TYPE_INT16 || t == VR_TYPE_INT24 ||
           t == VR_TYPE_INT32 || t == VR_TYPE_INT64 || t == VR_TYPE_YEAR;
}

bool vr_type_is_unsigned(vr_type_t t)
{
    return t == VR_TYPE_UINT8 || t == VR_TYPE_UINT16 || t == VR_TYPE_UINT24 ||
           t == VR_TYPE_UINT32 || t == VR_TYPE_UINT64 || t == VR_TYPE_BIT;
}

bool vr_type_is_float(vr_type_t t)
{
    return t == VR_TYPE_FLOAT32 || t == VR_TYPE_FLOAT64;
}

bool vr_type_is_temporal(vr_type_t t)
{
    return t == VR_TYPE_DATE || t == VR_TYPE_TIME || t == VR_TYPE_DATETIME ||
           t == VR_TYPE_TIMESTAMP;
}

bool vr_type_is_text(vr_type_t t)
{
    return t == VR_TYPE_CHAR || t == VR_TYPE_VARCHAR || t == VR_TYPE_TEXT;
}

bool vr_type_is_binary(vr_type_t t)
{
    return t == VR_TYPE_BINARY || t == VR_TYPE_VARBINARY ||
           t == VR_TYPE_BLOB || t == VR_TYPE_GEOMETRY;
}

vr_value_t vr_value_null(vr_type_t t)
{
    vr_value_t v;
    memset(&v, 0, sizeof(v));
    v.type = t;
    v.is_null = true;
    return v;
}

/* ---- numbers and temporal text ---------------------------------------- */

static void append_double(vr_buf_t *b, double d, bool single)
{
    char tmp[40];
    int prec;
    if (!isfinite(d)) {
        vr_buf_puts(b, "0");
        return;
    }
    for (prec = single ? 6 : 15; prec <= (single ? 9 : 17); prec++) {
        snprintf(tmp, sizeof(tmp), "%.*g", prec, d);
        if (single ? (float)strtod(tmp, NULL) == (float)d
                   : strtod(tmp, NULL) == d)
            break;
    }
    vr_buf_puts(b, tmp);
}

static void append_fraction(vr_buf_t *b, uint32_t usec, unsigned decimals)
{
    static const uint32_t div[7] = {1000000, 100000, 10000, 1000, 100, 10, 1};
    if (decimals == 0)
        return;
    if (decimals > 6)
        decimals = 6;
    vr_buf_printf(b, ".%0*u", (int)decimals, usec / div[decimals]);
}

static void append_temporal(vr_buf_t *b, const vr_value_t *v)
{
    const vr_temporal_t *t = &v->v.tm;
    switch (v->type) {
    case VR_TYPE_DATE:
        vr_buf_printf(b, "%04d-%02u-%02u", (int)t->year, t->month, t->day);
        return;
    case VR_TYPE_TIME:
        vr_buf_printf(b, "%s%02u:%02u:%02u", t->neg ? "-" : "", t->hour,
                      t->minute, t->second);
        break;
    default: /* DATETIME, TIMESTAMP */
        vr_buf_printf(b, "%04d-%02u-%02u %02u:%02u:%02u", (int)t->year,
                      t->month, t->day, t->hour, t->minute, t->second);
        break;
    }
    append_fraction(b, t->usec, v->decimals);
}

void vr_value_append_text(vr_buf_t *b, const vr_value_t *v)
{
    if (v->is_null) {
        vr_buf_puts(b, "NULL");
        return;
    }
    if (vr_type_is_signed(v->type)) {
        if (v->type == VR_TYPE_YEAR)
            vr_buf_printf(b, "%04lld", (long long)v->v.i);
        else
            vr_buf_printf(b, "%lld", (long long)v->v.i);
    } else if (vr_type_is_unsigned(v->type)) {
        vr_buf_printf(b, "%llu", (unsigned long long)v->v.u);
    } else if (vr_type_is_float(v->type)) {
        append_double(b, v->v.d, v->type == VR_TYPE_FLOAT32);
    } else if (vr_type_is_temporal(v->type)) {
        append_temporal(b, v);
    } else if ((v->type == VR_TYPE_ENUM || v->type == VR_TYPE_SET) && !v->s) {
        vr_buf_printf(b, "%llu", (unsigned long long)v->v.u); /* no names */
    } else if (v->type != VR_TYPE_NULL_TYPE) {
        vr_buf_append(b, v->s, v->len);
    }
}

/* ---- JSON ------------------------------------------------------------- */

/* cp1252 (MariaDB's latin1) 0x80..0x9F; 0 = undefined -> U+FFFD */
static const uint16_t cp1252_hi[32] = {
    0x20AC, 0,      0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021,
    0x02C6, 0x2030, 0x0160, 0x2039, 0x0152, 0,      0x017D, 0,
    0,      0x2018, 0x2019, 0x201C, 0x201D, 0x2022, 0x2013, 0x2014,
    0x02DC, 0x2122, 0x0161, 0x203A, 0x0153, 0,      0x017E, 0x0178};

static bool charset_is_latin1(uint16_t cs)
{
    return cs == 5 || cs == 8 || cs == 15 || cs == 31 || cs == 47 ||
           cs == 48 || cs == 49 || cs == 94;
}

static void put_utf8(vr_buf_t *b, uint32_t cp)
{
    char o[4];
    size_t n;
    if (cp < 0x80) {
        o[0] = (char)cp;
        n = 1;
    } else if (cp < 0x800) {
        o[0] = (char)(0xC0 | (cp >> 6));
        o[1] = (char)(0x80 | (cp & 0x3F));
        n = 2;
    } else if (cp < 0x10000) {
        o[0] = (char)(0xE0 | (cp >> 12));
        o[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
        o[2] = (char)(0x80 | (cp & 0x3F));
        n = 3;
    } else {
        o[0] = (char)(0xF0 | (cp >> 18));
        o[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
        o[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
        o[3] = (char)(0x80 | (cp & 0x3F));
        n = 4;
    }
    vr_buf_append(b, o, n);
}

/* Length of the valid UTF-8 sequence at p (1..4), or 0 when invalid. */
static size_t utf8_seq(const uint8_t *p, size_t n)
{
    uint32_t cp;
    size_t len, i;
    if (p[0] < 0x80)
        return 1;
    if (p[0] >= 0xC2 && p[0] <= 0xDF)
        len = 2, cp = p[0] & 0x1F;
    else if (p[0] >= 0xE0 && p[0] <= 0xEF)
        len = 3, cp = p[0] & 0x0F;
    else if (p[0] >= 0xF0 && p[0] <= 0xF4)
        len = 4, cp = p[0] & 0x07;
    else
        return 0;
    if (len > n)
        return 0;
    for (i = 1; i < len; i++) {
        if ((p[i] & 0xC0) != 0x80)
            return 0;
        cp = (cp << 6) | (p[i] & 0x3F);
    }
    if ((len == 3 && (cp < 0x800 || (cp >= 0xD800 && cp <= 0xDFFF))) ||
        (len == 4 && (cp < 0x10000 || cp > 0x10FFFF)))
        return 0;
    return len;
}

static void json_escape_ascii(vr_buf_t *b, uint8_t c)
{
    switch (c) {
    case '"': vr_buf_puts(b, "\\\""); break;
    case '\\': vr_buf_puts(b, "\\\\"); break;
    case '\n': vr_buf_puts(b, "\\n"); break;
    case '\r': vr_buf_puts(b, "\\r"); break;
    case '\t': vr_buf_puts(b, "\\t"); break;
    case '\b': vr_buf_puts(b, "\\b"); break;
    case '\f': vr_buf_puts(b, "\\f"); break;
    default:
        if (c < 0x20 || c == 0x7F)
            vr_buf_printf(b, "\\u%04x", c);
        else
            vr_buf_putc(b, (char)c);
    }
}

void vr_json_append_string(vr_buf_t *b, const char *s, size_t n)
{
    const uint8_t *p = (const uint8_t *)s;
    size_t i = 0, k;
    vr_buf_reserve(b, n + 2);
    vr_buf_putc(b, '"');
    while (i < n) {
        if (p[i] < 0x80) {
            json_escape_ascii(b, p[i]);
            i++;
        } else if ((k = utf8_seq(p + i, n - i)) > 0) {
            vr_buf_append(b, p + i, k);
            i += k;
        } else {
            put_utf8(b, 0xFFFD);
            i++;
        }
    }
    vr_buf_putc(b, '"');
}

static void json_append_latin1(vr_buf_t *b, const char *s, size_t n)
{
    const uint8_t *p = (const uint8_t *)s;
    size_t i;
    vr_buf_putc(b, '"');
    for (i = 0; i < n; i++) {
        if (p[i] < 0x80)
            json_escape_ascii(b, p[i]);
        else if (p[i] < 0xA0)
            put_utf8(b, cp1252_hi[p[i] - 0x80] ? cp1252_hi[p[i] - 0x80] : 0xFFFD);
        else
            put_utf8(b, p[i]);
    }
    vr_buf_putc(b, '"');
}

void vr_base64_append(vr_buf_t *b, const uint8_t *p, size_t n)
{
    static const char tbl[] =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    size_t i;
    char o[4];
    vr_buf_reserve(b, (n + 2) / 3 * 4);
    for (i = 0; i + 2 < n; i += 3) {
        uint32_t w = (uint32_t)p[i] << 16 | (uint32_t)p[i + 1] << 8 | p[i + 2];
        o[0] = tbl[w >> 18];
        o[1] = tbl[(w >> 12) & 63];
        o[2] = tbl[(w >> 6) & 63];
        o[3] = tbl[w & 63];
        vr_buf_append(b, o, 4);
    }
    if (i < n) {
        uint32_t w = (uint32_t)p[i] << 16 | (i + 1 < n ? (uint32_t)p[i + 1] << 8 : 0);
        o[0] = tbl[w >> 18];
        o[1] = tbl[(w >> 12) & 63];
        o[2] = i + 1 < n ? tbl[(w >> 6) & 63] : '=';
        o[3] = '=';
        vr_buf_append(b, o, 4);
    }
}

/* -- a minimal JSON validator (RFC 8259 grammar, depth-limited) -- */

typedef struct jcur {
    const uint8_t *p, *end;
    int depth;
} jcur_t;

static bool jvalue(jcur_t *c);

static void jws(jcur_t *c)
{
    while (c->p < c->end &&
           (*c->p == ' ' || *c->p == '\t' || *c->p == '\n' || *c->p == '\r'))
        c->p++;
}

static bool jlit(jcur_t *c, const char *lit)
{
    size_t n = strlen(lit);
    if ((size_t)(c->end - c->p) < n || memcmp(c->p, lit, n) != 0)
        return false;
    c->p += n;
    return true;
}

static bool jstring(jcur_t *c)
{
    c->p++; /* opening quote */
    while (c->p < c->end) {
        uint8_t ch = *c->p;
        if (ch == '"') {
            c->p++;
            return true;
        }
        if (ch < 0x20)
            return false;
        if (ch == '\\') {
            if (++c->p >= c->end)
                return false;
            if (*c->p == 'u') {
                int i;
                for (i = 1; i <= 4; i++)
                    if (c->p + i >= c->end || !strchr("0123456789abcdefABCDEF", c->p[i]) || !c->p[i])
                        return false;
                c->p += 5;
            } else if (strchr("\"\\/bfnrt", *c->p) && *c->p) {
                c->p++;
            } else {
                return false;
            }
        } else {
            size_t k = utf8_seq(c->p, (size_t)(c->end - c->p));
            if (k == 0)
                return false;
            c->p += k;
        }
    }
    return false;
}

static bool jdigits(jcur_t *c)
{
    const uint8_t *s = c->p;
    while (c->p < c->end && *c->p >= '0' && *c->p <= '9')
        c->p++;
    return c->p > s;
}

static bool jnumber(jcur_t *c)
{
    if (c->p < c->end && *c->p == '-')
        c->p++;
    if (c->p < c->end && *c->p == '0')
        c->p++;
    else if (!jdigits(c))
        return false;
    if (c->p < c->end && *c->p == '.') {
        c->p++;
        if (!jdigits(c))
            return false;
    }
    if (c->p < c->end && (*c->p == 'e' || *c->p == 'E')) {
        c->p++;
        if (c->p < c->end && (*c->p == '+' || *c->p == '-'))
            c->p++;
        if (!jdigits(c))
            return false;
    }
    return true;
}

static bool jcontainer(jcur_t *c, uint8_t close, bool object)
{
    bool ok = false;
    if (++c->depth > 64)
        return false;
    c->p++;
    jws(c);
    if (c->p < c->end && *c->p == close) {
        c->p++;
        ok = true;
        goto out;
    }
    for (;;) {
        if (object) {
            jws(c);
            if (c->p >= c->end || *c->p != '"' || !jstring(c))
                goto out;
            jws(c);
            if (c->p >= c->end || *c->p++ != ':')
                goto out;
        }
        if (!jvalue(c))
            goto out;
        jws(c);
        if (c->p >= c->end)
            goto out;
        if (*c->p == ',') {
            c->p++;
            continue;
        }
        if (*c->p++ != close)
            goto out;
        ok = true;
        goto out;
    }
out:
    c->depth--;
    return ok;
}

static bool jvalue(jcur_t *c)
{
    jws(c);
    if (c->p >= c->end)
        return false;
    switch (*c->p) {
    case '{': return jcontainer(c, '}', true);
    case '[': return jcontainer(c, ']', false);
    case '"': return jstring(c);
    case 't': return jlit(c, "true");
    case 'f': return jlit(c, "false");
    case 'n': return jlit(c, "null");
    default: return jnumber(c);
    }
}

static bool json_valid(const char *s, size_t n)
{
    jcur_t c = {(const uint8_t *)s, (const uint8_t *)s + n, 0};
    if (!jvalue(&c))
        return false;
    jws(&c);
    return c.p == c.end;
}

void vr_value_append_json(vr_buf_t *b, const vr_value_t *v)
{
    if (v->is_null || v->type == VR_TYPE_NULL_TYPE) {
        vr_buf_puts(b, "null");
        return;
    }
    switch (v->type) {
    case VR_TYPE_DECIMAL:
    case VR_TYPE_DATE:
    case VR_TYPE_TIME:
    case VR_TYPE_DATETIME:
    case VR_TYPE_TIMESTAMP:
    case VR_TYPE_ENUM:
    case VR_TYPE_SET: {
        vr_buf_t t = VR_BUF_INIT;
        vr_value_append_text(&t, v);
        vr_json_append_string(b, t.data ? t.data : "", t.len);
        vr_buf_free(&t);
        return;
    }
    case VR_TYPE_CHAR:
    case VR_TYPE_VARCHAR:
    case VR_TYPE_TEXT:
        if (v->charset == VR_CHARSET_BINARY)
            goto base64;
        if (charset_is_latin1(v->charset))
            json_append_latin1(b, v->s, v->len);
        else
            vr_json_append_string(b, v->s, v->len);
        return;
    case VR_TYPE_JSON:
        if (v->len > 0 && json_valid(v->s, v->len))
            vr_buf_append(b, v->s, v->len);
        else
            vr_json_append_string(b, v->s, v->len);
        return;
    case VR_TYPE_BINARY:
    case VR_TYPE_VARBINARY:
    case VR_TYPE_BLOB:
    case VR_TYPE_GEOMETRY:
    base64:
        vr_buf_putc(b, '"');
        vr_base64_append(b, (const uint8_t *)v->s, v->len);
        vr_buf_putc(b, '"');
        return;
    default:
        vr_value_append_text(b, v); /* numbers, YEAR, BIT */
        return;
    }
}

/* ---- SQL literals ----------------------------------------------------- */

void vr_value_append_sql(vr_buf_t *b, const vr_value_t *v)
{
    if (v->is_null || v->type == VR_TYPE_NULL_TYPE) {
        vr_buf_puts(b, "NULL");
        return;
    }
    if (vr_type_is_binary(v->type) ||
        (vr_type_is_text(v->type) && v->charset == VR_CHARSET_BINARY)) {
        if (v->len == 0) {
            vr_buf_puts(b, "''");
            return;
        }
        vr_buf_puts(b, "X'");
        vr_buf_put_hex(b, (const uint8_t *)v->s, v->len);
        vr_buf_putc(b, '\'');
        return;
    }
    if (v->type == VR_TYPE_BIT) {
        vr_buf_printf(b, "%llu", (unsigned long long)v->v.u);
        return;
    }
    if (vr_type_is_signed(v->type) || vr_type_is_unsigned(v->type) ||
        vr_type_is_float(v->type) || v->type == VR_TYPE_DECIMAL) {
        vr_value_append_text(b, v);
        return;
    }
    {
        vr_buf_t t = VR_BUF_INIT;
        vr_value_append_text(&t, v);
        vr_buf_put_sql_string(b, t.data ? t.data : "", t.len);
        vr_buf_free(&t);
    }
}
