/*
 * buf.c - growable NUL-terminated byte buffers and abort-on-OOM helpers.
 */
#include "vr_buf.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void oom(size_t n)
{
    fprintf(stderr, "vrepl: out of memory allocating %zu bytes\n", n);
    abort();
}

void *vr_xmalloc(size_t n)
{
    void *p = malloc(n ? n : 1);
    if (!p)
        oom(n);
    return p;
}

void *vr_xcalloc(size_t n, size_t size)
{
    void *p = calloc(n ? n : 1, size ? size : 1);
    if (!p)
        oom(n * size);
    return p;
}

void *vr_xrealloc(void *p, size_t n)
{
    void *q = realloc(p, n ? n : 1);
    if (!q)
        oom(n);
    return q;
}

char *vr_xstrdup(const char *s)
{
    return vr_xstrndup(s, strlen(s));
}

char *vr_xstrndup(const char *s, size_t n)
{
    char *p = vr_xmalloc(n + 1);
    memcpy(p, s, n);
    p[n] = '\0';
    return p;
}

char *vr_xasprintf(const char *fmt, ...)
{
    vr_buf_t b = VR_BUF_INIT;
    va_list ap;
    va_start(ap, fmt);
    vr_buf_vprintf(&b, fmt, ap);
    va_end(ap);
    if (!b.data)
        return vr_xstrdup("");
    return b.data;
}

void vr_buf_init(vr_buf_t *b)
{
    b->data = NULL;
    b->len = 0;
    b->cap = 0;
}

void vr_buf_free(vr_buf_t *b)
{
    free(b->data);
    vr_buf_init(b);
}

void vr_buf_reset(vr_buf_t *b)
{
    b->len = 0;
    if (b->data)
        b->data[0] = '\0';
}

void vr_buf_reserve(vr_buf_t *b, size_t extra)
{
    size_t need = b->len + extra + 1;
    size_t cap;
    if (need <= b->cap)
        return;
    cap = b->cap ? b->cap : 64;
    while (cap < need)
        cap *= 2;
    b->data = vr_xrealloc(b->data, cap);
    b->cap = cap;
}

void vr_buf_append(vr_buf_t *b, const void *p, size_t n)
{
    vr_buf_reserve(b, n);
    if (n)
        memcpy(b->data + b->len, p, n);
    b->len += n;
    b->data[b->len] = '\0';
}

void vr_buf_puts(vr_buf_t *b, const char *s) { vr_buf_append(b, s, strlen(s)); }

void vr_buf_putc(vr_buf_t *b, char c)
{
    vr_buf_reserve(b, 1);
    b->data[b->len++] = c;
    b->data[b->len] = '\0';
}

void vr_buf_vprintf(vr_buf_t *b, const char *fmt, va_list ap)
{
    va_list ap2;
    int n;
    va_copy(ap2, ap);
    vr_buf_reserve(b, 64);
    n = vsnprintf(b->data + b->len, b->cap - b->len, fmt, ap);
    if (n >= 0 && (size_t)n >= b->cap - b->len) {
        vr_buf_reserve(b, (size_t)n);
        vsnprintf(b->data + b->len, b->cap - b->len, fmt, ap2);
    }
    va_end(ap2);
    if (n > 0)
        b->len += (size_t)n;
}

void vr_buf_printf(vr_buf_t *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vr_buf_vprintf(b, fmt, ap);
    va_end(ap);
}

void vr_buf_put_sql_string(vr_buf_t *b, const char *s, size_t n)
{
    size_t i;
    vr_buf_reserve(b, n + 2);
    vr_buf_putc(b, '\'');
    for (i = 0; i < n; i++) {
        char c = s[i];
        switch (c) {
        case '\0': vr_buf_append(b, "\\0", 2); break;
        case '\'': vr_buf_append(b, "\\'", 2); break;
        case '"': vr_buf_append(b, "\\\"", 2); break;
        case '\b': vr_buf_append(b, "\\b", 2); break;
        case '\n': vr_buf_append(b, "\\n", 2); break;
        case '\r': vr_buf_append(b, "\\r", 2); break;
        case '\t': vr_buf_append(b, "\\t", 2); break;
        case '\032': vr_buf_append(b, "\\Z", 2); break;
        case '\\': vr_buf_append(b, "\\\\", 2); break;
        default: vr_buf_putc(b, c); break;
        }
    }
    vr_buf_putc(b, '\'');
}

void vr_buf_put_sql_ident(vr_buf_t *b, const char *s)
{
    vr_buf_putc(b, '`');
    for (; *s; s++) {
        if (*s == '`')
            vr_buf_putc(b, '`');
        vr_buf_putc(b, *s);
    }
    vr_buf_putc(b, '`');
}

int vr_hex_value(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

void vr_buf_put_hex(vr_buf_t *b, const uint8_t *p, size_t n)
{
    static const char hex[] = "0123456789abcdef";
    size_t i;
    vr_buf_reserve(b, n * 2);
    for (i = 0; i < n; i++) {
        b->data[b->len++] = hex[p[i] >> 4];
        b->data[b->len++] = hex[p[i] & 15];
    }
    b->data[b->len] = '\0';
}

char *vr_buf_detach(vr_buf_t *b)
{
    char *p = b->data ? b->data : vr_xstrdup("");
    vr_buf_init(b);
    return p;
}
