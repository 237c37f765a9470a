/*
 * lastpk.c - the copy phase's resume key in _vt.copy_state.lastpk.
 *
 * Written as Vitess writes it: a QueryResult in protobuf text format with
 * one field per primary-key column and one row,
 *   fields:{name:"a" type:INT32 charset:63} fields:{name:"b" type:VARCHAR
 *   charset:45} rows:{lengths:1 lengths:3 values:"7abc"}
 * Values are MySQL's text form (vr_value_append_text), concatenated, with
 * lengths saying where each ends (-1 for NULL).  The type, charset and
 * decimals of each field bring the text back to the same vr_value_t:
 * integers, floats (shortest exact text), DECIMAL text, temporal fields
 * with their fraction digits, BIT as its integer, ENUM/SET by name,
 * strings and binary bytes as is.  Pure functions; any thread.
 */
#include <stdlib.h>
#include <string.h>

#include "vplayer_int.h"

static bool has_charset(vr_type_t t)
{
    return vr_type_is_text(t) || vr_type_is_binary(t) || t == VR_TYPE_JSON || t == VR_TYPE_ENUM ||
           t == VR_TYPE_SET;
}

void vr_lastpk_format(vr_buf_t *b, const char *const *names, const vr_value_t *vals, size_t n)
{
    vr_buf_t text = VR_BUF_INIT;
    size_t i, start;
    vr_buf_append(b, "", 0);
    for (i = 0; i < n; i++) {
        vr_buf_puts(b, i ? " fields:{name:" : "fields:{name:");
        vr_pt_put_string(b, names[i], strlen(names[i]), false);
        vr_buf_printf(b, " type:%s charset:%u", vr_type_name(vals[i].type),
                      has_charset(vals[i].type) ? vals[i].charset : VR_CHARSET_BINARY);
        if (vals[i].decimals)
            vr_buf_printf(b, " decimals:%u", vals[i].decimals);
        vr_buf_putc(b, '}');
    }
    vr_buf_puts(b, n ? " rows:{" : "rows:{");
    vr_buf_append(&text, "", 0);
    for (i = 0; i < n; i++) {
        start = text.len;
        if (vals[i].is_null) {
            vr_buf_puts(b, "lengths:-1 ");
            continue;
        }
        vr_value_append_text(&text, &vals[i]);
        vr_buf_printf(b, "lengths:%zu ", text.len - start);
    }
    vr_buf_puts(b, "values:");
    vr_pt_put_string(b, text.data, text.len, true);
    vr_buf_putc(b, '}');
    vr_buf_free(&text);
}

/* ---- parsing ------------------------------------------------------------------ */

static unsigned digits(const char **p, const char *end, unsigned maxd, unsigned *nd)
{
    unsigned v = 0, d = 0;
    while (*p < end && d < maxd && **p >= '0' && **p <= '9') {
        v = v * 10 + (unsigned)(**p - '0');
        (*p)++;
        d++;
    }
    if (nd)
        *nd = d;
    return v;
}

/* "YYYY-MM-DD[ HH:MM:SS[.f]]" or "[-]H:MM:SS[.f]" */
static bool parse_temporal(const char *s, size_t n, vr_value_t *v)
{
    vr_temporal_t *t = &v->v.tm;
    const char *p = s, *end = s + n;
    unsigned nd;
    memset(t, 0, sizeof(*t));
    if (v->type != VR_TYPE_TIME) {
        t->year = (int32_t)digits(&p, end, 4, &nd);
        if (nd != 4 || p >= end || *p++ != '-')
            return false;
        t->month = (uint8_t)digits(&p, end, 2, NULL);
        if (p >= end || *p++ != '-')
            return false;
        t->day = (uint8_t)digits(&p, end, 2, NULL);
        if (v->type == VR_TYPE_DATE)
            return p == end;
        if (p >= end || *p++ != ' ')
            return false;
    } else if (p < end && *p == '-') {
        t->neg = true;
        p++;
    }
    t->hour = digits(&p, end, 4, NULL);
    if (p >= end || *p++ != ':')
        return false;
    t->minute = (uint8_t)digits(&p, end, 2, NULL);
    if (p >= end || *p++ != ':')
        return false;
    t->second = (uint8_t)digits(&p, end, 2, NULL);
    if (p < end && *p == '.') {
        unsigned us;
        p++;
        us = digits(&p, end, 6, &nd);
        while (nd++ < 6)
            us *= 10;
        t->usec = us;
    }
    return p == end;
}

static bool text_to_value(const char *s, size_t n, vr_arena_t *a, vr_value_t *v)
{
    char num[128], *end;
    if (vr_type_is_signed(v->type) || vr_type_is_unsigned(v->type) ||
        vr_type_is_float(v->type)) {
        if (n == 0 || n >= sizeof(num))
            return false;
        memcpy(num, s, n);
        num[n] = '\0';
        if (vr_type_is_signed(v->type))
            v->v.i = strtoll(num, &end, 10);
        else if (vr_type_is_unsigned(v->type))
            v->v.u = strtoull(num, &end, 10);
        else if (v->type == VR_TYPE_FLOAT32)
            v->v.d = (double)strtof(num, &end); /* the text is the float's shortest form */
        else
            v->v.d = strtod(num, &end);
        return *end == '\0';
    }
    if (vr_type_is_temporal(v->type))
        return parse_temporal(s, n, v);
    v->s = vr_arena_memdup(a, s, n + 1);
    ((char *)v->s)[n] = '\0';
    v->len = n;
    return true;
}

static vr_code_t parse_lp_field(const pt_field_t *ff, vr_arena_t *a, const char **name,
                                vr_value_t *v, vr_error_t *err)
{
    size_t i;
    int t;
    memset(v, 0, sizeof(*v));
    *name = NULL;
    if (ff->kind != PT_MESSAGE)
        return vr_errorf(err, VR_PARSE, "fields at position %zu: expected {...}", ff->pos);
    v->type = VR__TYPE_MAX;
    for (i = 0; i < ff->msg->n; i++) {
        const pt_field_t *f = &ff->msg->fields[i];
        long long x;
        if (strcmp(f->name, "name") == 0 && f->kind == PT_STRING) {
            *name = vr_arena_strdup(a, f->str);
        } else if (strcmp(f->name, "type") == 0 && f->kind == PT_SCALAR) {
            for (t = 0; t < VR__TYPE_MAX; t++)
                if (strcmp(vr_type_name((vr_type_t)t), f->str) == 0)
                    v->type = (vr_type_t)t;
            if (v->type == VR__TYPE_MAX)
                return vr_errorf(err, VR_PARSE, "unknown type %s at position %zu", f->str,
                                 f->pos);
        } else if (strcmp(f->name, "charset") == 0 && vr_pt_int(f, &x)) {
            v->charset = (uint16_t)x;
        } else if (strcmp(f->name, "decimals") == 0 && vr_pt_int(f, &x)) {
            v->decimals = (uint8_t)x;
        } /* other Field members (flags, column_length, ...) carry nothing we need */
    }
    if (!*name || v->type == VR__TYPE_MAX)
        return vr_errorf(err, VR_PARSE, "field at position %zu needs a name and a type",
                         ff->pos);
    if (!has_charset(v->type))
        v->charset = 0;
    return VR_OK;
}

/* rows:{lengths:.. values:".."}: fill vals[0..n) */
static vr_code_t parse_lp_row(const pt_field_t *rf, vr_arena_t *a, vr_value_t *vals, size_t n,
                              vr_error_t *err)
{
    long long *lens = vr_arena_calloc(a, (n ? n : 1) * sizeof(*lens));
    const char *data = "";
    size_t nl = 0, dlen = 0, off = 0, i;
    if (rf->kind != PT_MESSAGE)
        return vr_errorf(err, VR_PARSE, "rows at position %zu: expected {...}", rf->pos);
    for (i = 0; i < rf->msg->n; i++) {
        const pt_field_t *f = &rf->msg->fields[i];
        if (strcmp(f->name, "lengths") == 0) {
            if (nl >= n || !vr_pt_int(f, &lens[nl]))
                return vr_errorf(err, VR_PARSE, "lengths at position %zu: more lengths than "
                                                "fields, or not a number", f->pos);
            nl++;
        } else if (strcmp(f->name, "values") == 0 && f->kind == PT_STRING) {
            data = f->str;
            dlen = f->len;
        } else {
            return vr_errorf(err, VR_PARSE, "unknown row field %s at position %zu", f->name,
                             f->pos);
        }
    }
    if (nl != n)
        return vr_errorf(err, VR_PARSE, "%zu lengths for %zu fields", nl, n);
    for (i = 0; i < n; i++) {
        if (lens[i] < 0) {
            vals[i].is_null = true;
            continue;
        }
        if ((size_t)lens[i] > dlen - off)
            return vr_errorf(err, VR_PARSE, "lengths exceed the %zu bytes of values", dlen);
        if (!text_to_value(data + off, (size_t)lens[i], a, &vals[i]))
            return vr_errorf(err, VR_PARSE, "value %zu ('%.*s') is not a valid %s", i,
                             (int)lens[i], data + off, vr_type_name(vals[i].type));
        off += (size_t)lens[i];
    }
    if (off != dlen)
        return vr_errorf(err, VR_PARSE, "values hold %zu bytes, lengths add up to %zu", dlen,
                         off);
    return VR_OK;
}

vr_code_t vr_lastpk_parse(const char *text, size_t len, vr_arena_t *a, vr_value_t **vals,
                          const char ***names, size_t *n, vr_error_t *err)
{
    pt_msg_t *m = NULL;
    const pt_field_t *row = NULL;
    size_t i, nf = 0;
    vr_value_t *v;
    const char **nm;
    vr_code_t rc;
    *vals = NULL;
    *names = NULL;
    *n = 0;
    if ((rc = vr_pt_parse(a, text, len, &m, err)) != VR_OK)
        return vr_error_prefix(err, "lastpk");
    for (i = 0; i < m->n; i++)
        nf += strcmp(m->fields[i].name, "fields") == 0;
    v = vr_arena_calloc(a, (nf ? nf : 1) * sizeof(*v));
    nm = vr_arena_calloc(a, (nf ? nf : 1) * sizeof(*nm));
    nf = 0;
    for (i = 0; i < m->n && rc == VR_OK; i++) {
        const pt_field_t *f = &m->fields[i];
        if (strcmp(f->name, "fields") == 0)
            rc = parse_lp_field(f, a, &nm[nf], &v[nf], err), nf++;
        else if (strcmp(f->name, "rows") == 0 && !row)
            row = f;
        else
            rc = vr_errorf(err, VR_PARSE, "unexpected field %s at position %zu", f->name, f->pos);
    }
    if (rc == VR_OK && (nf == 0 || !row))
        rc = vr_errorf(err, VR_PARSE, "needs fields and one row");
    if (rc == VR_OK)
        rc = parse_lp_row(row, a, v, nf, err);
    if (rc != VR_OK)
        return vr_error_prefix(err, "lastpk");
    *vals = v;
    *names = nm;
    *n = nf;
    return VR_OK;
}
