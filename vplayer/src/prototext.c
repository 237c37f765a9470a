/*
 * prototext.c - the subset of protobuf's text format that Vitess stores
 * in _vt: BinlogSource in _vt.vreplication.source and QueryResult in
 * _vt.copy_state.lastpk.
 *
 * Parsing builds a small tree (pt_msg_t) in a caller's arena: a message is
 * a list of fields in input order, each a scalar (identifier or number
 * token), a string (escapes decoded, adjacent literals joined) or a nested
 * message (`name {...}`, `name: {...}` or `name <...>`).  Fields may be
 * separated by blanks, ',' or ';'; '#' starts a comment.  Errors name the
 * byte offset and what was expected.  Printing writes the compact form Go's
 * prototext produces (`a:"x" b:{c:1}`), escaping strings C-style.
 *
 * Pure functions; no global state; any thread.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vplayer_int.h"

typedef struct pt_lexer {
    const char *s;
    size_t n;
    size_t i;
    vr_arena_t *a;
    int depth;
} pt_lexer_t;

#define PT_MAX_DEPTH 32

static void skip_blank(pt_lexer_t *x)
{
    while (x->i < x->n) {
        char c = x->s[x->i];
        if (c == '#') {
            while (x->i < x->n && x->s[x->i] != '\n')
                x->i++;
        } else if (isspace((unsigned char)c)) {
            x->i++;
        } else {
            return;
        }
    }
}

static bool is_ident_char(char c)
{
    return isalnum((unsigned char)c) || c == '_' || c == '.' || c == '-' || c == '+';
}

static vr_code_t lex_error(pt_lexer_t *x, vr_error_t *err, const char *what)
{
    if (x->i >= x->n)
        return vr_errorf(err, VR_PARSE, "at position %zu: %s, found the end of the text",
                         x->i + 1, what);
    return vr_errorf(err, VR_PARSE, "at position %zu: %s, found '%c'", x->i + 1, what,
                     x->s[x->i]);
}

/* One escape after the backslash at x->i; appends the byte(s) to b. */
static vr_code_t lex_escape(pt_lexer_t *x, vr_buf_t *b, vr_error_t *err)
{
    char c;
    int v = 0, k;
    if (++x->i >= x->n)
        return lex_error(x, err, "unfinished escape");
    c = x->s[x->i++];
    switch (c) {
    case 'n': vr_buf_putc(b, '\n'); return VR_OK;
    case 'r': vr_buf_putc(b, '\r'); return VR_OK;
    case 't': vr_buf_putc(b, '\t'); return VR_OK;
    case 'a': vr_buf_putc(b, '\a'); return VR_OK;
    case 'b': vr_buf_putc(b, '\b'); return VR_OK;
    case 'f': vr_buf_putc(b, '\f'); return VR_OK;
    case 'v': vr_buf_putc(b, '\v'); return VR_OK;
    case '?': case '\\': case '\'': case '"': vr_buf_putc(b, c); return VR_OK;
    case 'x': case 'X':
        for (k = 0; k < 2 && x->i < x->n && vr_hex_value(x->s[x->i]) >= 0; k++)
            v = v * 16 + vr_hex_value(x->s[x->i++]);
        if (k == 0)
            return lex_error(x, err, "expected hex digits after \\x");
        vr_buf_putc(b, (char)v);
        return VR_OK;
    default:
        if (c >= '0' && c <= '7') {
            v = c - '0';
            for (k = 1; k < 3 && x->i < x->n && x->s[x->i] >= '0' && x->s[x->i] <= '7'; k++)
                v = v * 8 + (x->s[x->i++] - '0');
            if (v > 255)
                return vr_errorf(err, VR_PARSE, "at position %zu: octal escape above \\377",
                                 x->i);
            vr_buf_putc(b, (char)v);
            return VR_OK;
        }
        x->i--;
        return lex_error(x, err, "unknown escape");
    }
}

/* One or more adjacent quoted strings, decoded into the arena. */
static vr_code_t lex_string(pt_lexer_t *x, pt_field_t *f, vr_error_t *err)
{
    vr_buf_t b = VR_BUF_INIT;
    vr_code_t rc = VR_OK;
    vr_buf_append(&b, "", 0);
    while (x->i < x->n && (x->s[x->i] == '"' || x->s[x->i] == '\'')) {
        char q = x->s[x->i++];
        while (rc == VR_OK) {
            if (x->i >= x->n || x->s[x->i] == '\n') {
                rc = lex_error(x, err, "unterminated string");
            } else if (x->s[x->i] == q) {
                x->i++;
                break;
            } else if (x->s[x->i] == '\\') {
                rc = lex_escape(x, &b, err);
            } else {
                vr_buf_putc(&b, x->s[x->i++]);
            }
        }
        if (rc != VR_OK)
            goto out;
        skip_blank(x);
    }
    f->kind = PT_STRING;
    f->str = vr_arena_memdup(x->a, b.data, b.len + 1);
    f->len = b.len;
out:
    vr_buf_free(&b);
    return rc;
}

static vr_code_t parse_msg(pt_lexer_t *x, char close, pt_msg_t *m, vr_error_t *err);

static vr_code_t parse_value(pt_lexer_t *x, pt_field_t *f, vr_error_t *err)
{
    size_t start;
    skip_blank(x);
    if (x->i < x->n && (x->s[x->i] == '"' || x->s[x->i] == '\''))
        return lex_string(x, f, err);
    start = x->i;
    while (x->i < x->n && is_ident_char(x->s[x->i]))
        x->i++;
    if (x->i == start)
        return lex_error(x, err, "expected a value");
    f->kind = PT_SCALAR;
    f->str = vr_arena_strndup(x->a, x->s + start, x->i - start);
    f->len = x->i - start;
    return VR_OK;
}

static vr_code_t parse_field(pt_lexer_t *x, pt_field_t *f, vr_error_t *err)
{
    size_t start = x->i;
    bool colon = false;
    while (x->i < x->n && (isalnum((unsigned char)x->s[x->i]) || x->s[x->i] == '_'))
        x->i++;
    if (x->i == start)
        return lex_error(x, err, "expected a field name");
    f->name = vr_arena_strndup(x->a, x->s + start, x->i - start);
    f->pos = start + 1;
    skip_blank(x);
    if (x->i < x->n && x->s[x->i] == ':') {
        colon = true;
        x->i++;
        skip_blank(x);
    }
    if (x->i < x->n && (x->s[x->i] == '{' || x->s[x->i] == '<')) {
        char close = x->s[x->i] == '{' ? '}' : '>';
        if (++x->depth > PT_MAX_DEPTH)
            return lex_error(x, err, "messages nested too deeply");
        x->i++;
        f->kind = PT_MESSAGE;
        f->msg = vr_arena_calloc(x->a, sizeof(*f->msg));
        return parse_msg(x, close, f->msg, err);
    }
    if (!colon)
        return lex_error(x, err, "expected ':' or '{' after a field name");
    return parse_value(x, f, err);
}

static vr_code_t parse_msg(pt_lexer_t *x, char close, pt_msg_t *m, vr_error_t *err)
{
    size_t cap = 0;
    vr_code_t rc;
    for (;;) {
        skip_blank(x);
        if (x->i >= x->n) {
            if (close)
                return lex_error(x, err, close == '}' ? "expected '}'" : "expected '>'");
            return VR_OK;
        }
        if (close && x->s[x->i] == close) {
            x->i++;
            x->depth--;
            return VR_OK;
        }
        if (m->n == cap) {
            pt_field_t *nf;
            cap = cap ? cap * 2 : 8;
            nf = vr_arena_calloc(x->a, cap * sizeof(*nf));
            if (m->n)
                memcpy(nf, m->fields, m->n * sizeof(*nf));
            m->fields = nf;
        }
        if ((rc = parse_field(x, &m->fields[m->n], err)) != VR_OK)
            return rc;
        m->n++;
        skip_blank(x);
        if (x->i < x->n && (x->s[x->i] == ',' || x->s[x->i] == ';'))
            x->i++;
    }
}

vr_code_t vr_pt_parse(vr_arena_t *a, const char *text, size_t len, pt_msg_t **out,
                      vr_error_t *err)
{
    pt_lexer_t x = {text, len, 0, a, 0};
    pt_msg_t *m = vr_arena_calloc(a, sizeof(*m));
    vr_code_t rc;
    *out = NULL;
    if ((rc = parse_msg(&x, 0, m, err)) != VR_OK)
        return rc;
    *out = m;
    return VR_OK;
}

bool vr_pt_bool(const pt_field_t *f, bool *v)
{
    if (f->kind != PT_SCALAR)
        return false;
    if (strcmp(f->str, "true") == 0 || strcmp(f->str, "True") == 0 || strcmp(f->str, "t") == 0 ||
        strcmp(f->str, "1") == 0) {
        *v = true;
        return true;
    }
    if (strcmp(f->str, "false") == 0 || strcmp(f->str, "False") == 0 ||
        strcmp(f->str, "f") == 0 || strcmp(f->str, "0") == 0) {
        *v = false;
        return true;
    }
    return false;
}

bool vr_pt_int(const pt_field_t *f, long long *v)
{
    char *end;
    if (f->kind != PT_SCALAR || !f->len)
        return false;
    *v = strtoll(f->str, &end, 0);
    return *end == '\0';
}

void vr_pt_put_string(vr_buf_t *b, const char *s, size_t n, bool bytes)
{
    size_t i;
    vr_buf_putc(b, '"');
    for (i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        switch (c) {
        case '"': vr_buf_puts(b, "\\\""); break;
        case '\\': vr_buf_puts(b, "\\\\"); break;
        case '\n': vr_buf_puts(b, "\\n"); break;
        case '\r': vr_buf_puts(b, "\\r"); break;
        case '\t': vr_buf_puts(b, "\\t"); break;
        default:
            /* strings: UTF-8 stays as is (Go's prototext does the same);
             * bytes: everything outside printable ASCII as octal */
            if (c < 0x20 || c == 0x7f || (bytes && c >= 0x80))
                vr_buf_printf(b, "\\%03o", c);
            else
                vr_buf_putc(b, (char)c);
        }
    }
    vr_buf_putc(b, '"');
}
