/*
 * proto.c - MySQL wire codec: integers and strings, packet framing, and the
 * generic and connection-phase packets.
 *
 * Invariants: readers never touch a byte past their end (gw_rd_t's sticky
 * error); writers only append to a vr_buf_t.  A logical packet of 16 MiB or
 * more travels as 0xFFFFFF-byte parts plus a shorter (maybe empty) last
 * part, each with the next sequence id.  Pure functions: any thread.
 */
#include <stdlib.h>
#include <string.h>

#include "proto.h"

/* ---- reading ---- */

static bool need(gw_rd_t *r, size_t n)
{
    if (r->err || gw_rd_left(r) < n) {
        r->err = true;
        r->p = r->end;
        return false;
    }
    return true;
}

uint8_t gw_rd_u8(gw_rd_t *r)
{
    if (!need(r, 1))
        return 0;
    return *r->p++;
}

uint16_t gw_rd_u16(gw_rd_t *r)
{
    uint16_t v;
    if (!need(r, 2))
        return 0;
    v = (uint16_t)(r->p[0] | (r->p[1] << 8));
    r->p += 2;
    return v;
}

uint32_t gw_rd_u24(gw_rd_t *r)
{
    uint32_t v;
    if (!need(r, 3))
        return 0;
    v = (uint32_t)r->p[0] | ((uint32_t)r->p[1] << 8) | ((uint32_t)r->p[2] << 16);
    r->p += 3;
    return v;
}

uint32_t gw_rd_u32(gw_rd_t *r)
{
    uint32_t v;
    if (!need(r, 4))
        return 0;
    v = (uint32_t)r->p[0] | ((uint32_t)r->p[1] << 8) | ((uint32_t)r->p[2] << 16) |
        ((uint32_t)r->p[3] << 24);
    r->p += 4;
    return v;
}

uint64_t gw_rd_u64(gw_rd_t *r)
{
    uint64_t lo = gw_rd_u32(r);
    uint64_t hi = gw_rd_u32(r);
    return lo | (hi << 32);
}

uint64_t gw_rd_lenenc(gw_rd_t *r, bool *is_null)
{
    uint8_t b = gw_rd_u8(r);
    if (is_null)
        *is_null = false;
    if (r->err)
        return 0;
    switch (b) {
    case 0xfb:
        if (!is_null) {
            r->err = true;
            return 0;
        }
        *is_null = true;
        return 0;
    case 0xfc:
        return gw_rd_u16(r);
    case 0xfd:
        return gw_rd_u24(r);
    case 0xfe:
        return gw_rd_u64(r);
    case 0xff:
        r->err = true;
        return 0;
    default:
        return b;
    }
}

const uint8_t *gw_rd_bytes(gw_rd_t *r, size_t n)
{
    const uint8_t *p;
    if (!need(r, n))
        return NULL;
    p = r->p;
    r->p += n;
    return p;
}

const char *gw_rd_cstr(gw_rd_t *r, size_t *len)
{
    const uint8_t *nul;
    const char *s;
    *len = 0;
    if (r->err)
        return NULL;
    nul = memchr(r->p, 0, gw_rd_left(r));
    if (!nul) {
        r->err = true;
        r->p = r->end;
        return NULL;
    }
    s = (const char *)r->p;
    *len = (size_t)(nul - r->p);
    r->p = nul + 1;
    return s;
}

const uint8_t *gw_rd_lenenc_str(gw_rd_t *r, size_t *len)
{
    uint64_t n = gw_rd_lenenc(r, NULL);
    *len = 0;
    if (r->err || n > gw_rd_left(r)) {
        r->err = true;
        r->p = r->end;
        return NULL;
    }
    *len = (size_t)n;
    return gw_rd_bytes(r, (size_t)n);
}

const uint8_t *gw_rd_rest(gw_rd_t *r, size_t *len)
{
    const uint8_t *p = r->p;
    *len = r->err ? 0 : gw_rd_left(r);
    r->p = r->end;
    return p;
}

/* ---- writing ---- */

void gw_put_u8(vr_buf_t *b, uint8_t v) { vr_buf_append(b, &v, 1); }

void gw_put_u16(vr_buf_t *b, uint16_t v)
{
    uint8_t x[2] = {(uint8_t)v, (uint8_t)(v >> 8)};
    vr_buf_append(b, x, 2);
}

void gw_put_u24(vr_buf_t *b, uint32_t v)
{
    uint8_t x[3] = {(uint8_t)v, (uint8_t)(v >> 8), (uint8_t)(v >> 16)};
    vr_buf_append(b, x, 3);
}

void gw_put_u32(vr_buf_t *b, uint32_t v)
{
    uint8_t x[4] = {(uint8_t)v, (uint8_t)(v >> 8), (uint8_t)(v >> 16), (uint8_t)(v >> 24)};
    vr_buf_append(b, x, 4);
}

void gw_put_u64(vr_buf_t *b, uint64_t v)
{
    gw_put_u32(b, (uint32_t)v);
    gw_put_u32(b, (uint32_t)(v >> 32));
}

size_t gw_lenenc_size(uint64_t v)
{
    if (v < 251)
        return 1;
    if (v < 0x10000)
        return 3;
    if (v < 0x1000000)
        return 4;
    return 9;
}

void gw_put_lenenc(vr_buf_t *b, uint64_t v)
{
    if (v < 251) {
        gw_put_u8(b, (uint8_t)v);
    } else if (v < 0x10000) {
        gw_put_u8(b, 0xfc);
        gw_put_u16(b, (uint16_t)v);
    } else if (v < 0x1000000) {
        gw_put_u8(b, 0xfd);
        gw_put_u24(b, (uint32_t)v);
    } else {
        gw_put_u8(b, 0xfe);
        gw_put_u64(b, v);
    }
}

void gw_put_lenenc_str(vr_buf_t *b, const void *s, size_t n)
{
    gw_put_lenenc(b, n);
    if (n)
        vr_buf_append(b, s, n);
}

void gw_put_cstr(vr_buf_t *b, const char *s)
{
    vr_buf_append(b, s ? s : "", (s ? strlen(s) : 0) + 1);
}

/* ---- framing ---- */

static void put_header(uint8_t *h, size_t len, uint8_t seq)
{
    h[0] = (uint8_t)len;
    h[1] = (uint8_t)(len >> 8);
    h[2] = (uint8_t)(len >> 16);
    h[3] = seq;
}

void gw_packet_put(vr_buf_t *out, uint8_t *seq, const void *payload, size_t n)
{
    const uint8_t *p = payload;
    for (;;) {
        size_t part = n < GW_MAX_PACKET_CHUNK ? n : GW_MAX_PACKET_CHUNK;
        uint8_t h[4];
        put_header(h, part, (*seq)++);
        vr_buf_reserve(out, 4 + part);
        vr_buf_append(out, h, 4);
        if (part)
            vr_buf_append(out, p, part);
        p += part;
        n -= part;
        if (part < GW_MAX_PACKET_CHUNK)
            break;
    }
}

size_t gw_packet_begin(vr_buf_t *out)
{
    static const uint8_t zero[4];
    size_t start = out->len;
    vr_buf_append(out, zero, 4);
    return start;
}

void gw_packet_end(vr_buf_t *out, size_t start, uint8_t *seq)
{
    size_t n = out->len - start - 4;
    char *copy;
    if (n < GW_MAX_PACKET_CHUNK) {
        put_header((uint8_t *)out->data + start, n, (*seq)++);
        return;
    }
    /* rare: re-frame a payload of 16 MiB or more as several packets */
    copy = vr_xmalloc(n);
    memcpy(copy, out->data + start + 4, n);
    out->len = start;
    gw_packet_put(out, seq, copy, n);
    free(copy);
}

gw_frame_rc_t gw_frame_next(const uint8_t *in, size_t n, uint8_t *seq,
                            size_t max_payload, vr_buf_t *asm_buf, gw_frame_t *f)
{
    size_t off = 0, total = 0, parts = 0;
    uint8_t sq = *seq;

    for (;;) {
        size_t len;
        if (n - off < 4)
            return GW_FRAME_NEED_MORE;
        len = (size_t)in[off] | ((size_t)in[off + 1] << 8) | ((size_t)in[off + 2] << 16);
        if (in[off + 3] != sq)
            return GW_FRAME_BAD_SEQ;
        total += len;
        if (total > max_payload)
            return GW_FRAME_TOO_BIG;
        if (n - off - 4 < len)
            return GW_FRAME_NEED_MORE;
        off += 4 + len;
        sq++;
        parts++;
        if (len < GW_MAX_PACKET_CHUNK)
            break;
    }
    f->consumed = off;
    f->len = total;
    if (parts == 1) {
        f->payload = in + 4;
    } else {
        size_t o = 0;
        vr_buf_reset(asm_buf);
        vr_buf_reserve(asm_buf, total);
        while (o < off) {
            size_t len = (size_t)in[o] | ((size_t)in[o + 1] << 8) | ((size_t)in[o + 2] << 16);
            vr_buf_append(asm_buf, in + o + 4, len);
            o += 4 + len;
        }
        f->payload = (const uint8_t *)asm_buf->data;
    }
    *seq = sq;
    return GW_FRAME_OK;
}

/* ---- generic packets ---- */

void gw_ok_put(vr_buf_t *b, uint8_t header, uint64_t affected, uint64_t last_id,
               uint16_t status, uint16_t warnings, const char *info)
{
    gw_put_u8(b, header);
    gw_put_lenenc(b, affected);
    gw_put_lenenc(b, last_id);
    gw_put_u16(b, status);
    gw_put_u16(b, warnings);
    /* the protocol docs say string<EOF>, but servers write (and clients
     * read) a length-encoded string */
    if (info && *info)
        gw_put_lenenc_str(b, info, strlen(info));
}

void gw_err_put(vr_buf_t *b, uint16_t code, const char *sqlstate, const char *msg,
                size_t msg_len)
{
    char state[5] = {'H', 'Y', '0', '0', '0'};
    size_t i;
    if (sqlstate)
        for (i = 0; i < 5 && sqlstate[i]; i++)
            state[i] = sqlstate[i];
    gw_put_u8(b, 0xff);
    gw_put_u16(b, code);
    gw_put_u8(b, '#');
    vr_buf_append(b, state, 5);
    if (msg_len)
        vr_buf_append(b, msg, msg_len);
}

void gw_eof_put(vr_buf_t *b, uint16_t warnings, uint16_t status)
{
    gw_put_u8(b, 0xfe);
    gw_put_u16(b, warnings);
    gw_put_u16(b, status);
}

static void put_lenenc_cstr(vr_buf_t *b, const char *s)
{
    gw_put_lenenc_str(b, s ? s : "", s ? strlen(s) : 0);
}

void gw_coldef_put(vr_buf_t *b, const vr_gw_column_t *c, bool field_list)
{
    put_lenenc_cstr(b, "def");
    put_lenenc_cstr(b, c->schema);
    put_lenenc_cstr(b, c->table);
    put_lenenc_cstr(b, c->org_table);
    put_lenenc_cstr(b, c->name);
    put_lenenc_cstr(b, c->org_name);
    gw_put_lenenc(b, 0x0c);
    gw_put_u16(b, c->charset);
    gw_put_u32(b, c->length);
    gw_put_u8(b, c->type);
    gw_put_u16(b, c->flags);
    gw_put_u8(b, c->decimals);
    gw_put_u16(b, 0);
    if (field_list)
        gw_put_u8(b, 0xfb); /* default value: NULL */
}

/* ---- connection phase ---- */

void gw_handshake_put(vr_buf_t *b, const char *version, uint32_t conn_id,
                      const uint8_t scramble[GW_SCRAMBLE_LEN], uint32_t caps,
                      uint8_t charset, uint16_t status)
{
    static const uint8_t zeros[10];
    gw_put_u8(b, 10);
    gw_put_cstr(b, version);
    gw_put_u32(b, conn_id);
    vr_buf_append(b, scramble, 8);
    gw_put_u8(b, 0);
    gw_put_u16(b, (uint16_t)caps);
    gw_put_u8(b, charset);
    gw_put_u16(b, status);
    gw_put_u16(b, (uint16_t)(caps >> 16));
    gw_put_u8(b, GW_SCRAMBLE_LEN + 1);
    /* 6 filler bytes, then MariaDB's extended capabilities (none: we
     * offer no MariaDB-only protocol extensions) */
    vr_buf_append(b, zeros, 10);
    vr_buf_append(b, scramble + 8, GW_SCRAMBLE_LEN - 8);
    gw_put_u8(b, 0);
    gw_put_cstr(b, GW_NATIVE_PLUGIN);
}

/* The trailing optional strings: absent entirely is fine, present without
 * their NUL is not. */
static const char *opt_cstr(gw_rd_t *r, size_t *len)
{
    *len = 0;
    if (r->err || gw_rd_left(r) == 0)
        return NULL;
    return gw_rd_cstr(r, len);
}

static bool parse_auth(gw_rd_t *r, gw_hs_resp_t *o)
{
    if (o->caps & GW_CLIENT_PLUGIN_AUTH_LENENC) {
        o->auth = gw_rd_lenenc_str(r, &o->auth_len);
    } else if (o->caps & GW_CLIENT_SECURE_CONNECTION) {
        o->auth_len = gw_rd_u8(r);
        o->auth = gw_rd_bytes(r, o->auth_len);
    } else {
        o->auth = (const uint8_t *)gw_rd_cstr(r, &o->auth_len);
    }
    return !r->err;
}

static bool skip_attrs(gw_rd_t *r)
{
    uint64_t n;
    if (gw_rd_left(r) == 0)
        return true;
    n = gw_rd_lenenc(r, NULL);
    if (r->err || n > gw_rd_left(r))
        return false;
    gw_rd_bytes(r, (size_t)n);
    return !r->err;
}

bool gw_handshake_response_parse(const uint8_t *p, size_t n, gw_hs_resp_t *o)
{
    gw_rd_t r = gw_rd(p, n);
    memset(o, 0, sizeof(*o));
    o->caps = gw_rd_u32(&r);
    o->max_packet = gw_rd_u32(&r);
    o->charset = gw_rd_u8(&r);
    gw_rd_bytes(&r, 23);
    if (r.err || !(o->caps & GW_CLIENT_PROTOCOL_41))
        return false;
    if (gw_rd_left(&r) == 0) {
        o->ssl_request = (o->caps & GW_CLIENT_SSL) != 0;
        return o->ssl_request;
    }
    o->user = gw_rd_cstr(&r, &o->user_len);
    if (r.err || !parse_auth(&r, o))
        return false;
    if (o->caps & GW_CLIENT_CONNECT_WITH_DB)
        o->db = opt_cstr(&r, &o->db_len);
    if (o->caps & GW_CLIENT_PLUGIN_AUTH)
        o->plugin = opt_cstr(&r, &o->plugin_len);
    if (r.err)
        return false;
    if ((o->caps & GW_CLIENT_CONNECT_ATTRS) && !skip_attrs(&r))
        return false;
    return true;
}

void gw_auth_switch_put(vr_buf_t *b, const char *plugin,
                        const uint8_t scramble[GW_SCRAMBLE_LEN])
{
    gw_put_u8(b, 0xfe);
    gw_put_cstr(b, plugin);
    vr_buf_append(b, scramble, GW_SCRAMBLE_LEN);
    gw_put_u8(b, 0);
}
