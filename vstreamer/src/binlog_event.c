/*
 * binlog_event.c - MariaDB binlog events from raw bytes: framing, CRC32,
 * and the small fixed-layout events (FORMAT_DESCRIPTION, GTID, QUERY, XID,
 * ROTATE, GTID_LIST, ROWS headers).  TABLE_MAP lives in table_map.c.
 *
 * Invariant: nothing is read before its length is checked against the
 * event's end; a short or inconsistent event fails with VR_PARSE naming the
 * event type.  Layouts follow MariaDB's sql/log_event.cc.  Pure functions;
 * any thread.
 */
#include "binlog_event.h"
#include "bytes.h"

#include <stdio.h>
#include <string.h>
#include <zlib.h>

/* ---- CRC32 (IEEE): zlib's, which is several times faster than a
 * table-driven loop here (binlog checksums are ~15% of decoding) ------- */

uint32_t vr_crc32(uint32_t crc, const uint8_t *p, size_t n)
{
    while (n > 0) {
        uInt chunk = n > (1u << 30) ? (1u << 30) : (uInt)n;
        crc = (uint32_t)crc32(crc, p, chunk);
        p += chunk;
        n -= chunk;
    }
    return crc;
}

/* ---- names and format ------------------------------------------------- */

const char *vr_bl_type_name(uint8_t type)
{
    static __thread char other[16];
    switch (type) {
    case VR_BL_QUERY: return "QUERY";
    case VR_BL_STOP: return "STOP";
    case VR_BL_ROTATE: return "ROTATE";
    case VR_BL_INTVAR: return "INTVAR";
    case VR_BL_RAND: return "RAND";
    case VR_BL_USER_VAR: return "USER_VAR";
    case VR_BL_FORMAT_DESCRIPTION: return "FORMAT_DESCRIPTION";
    case VR_BL_XID: return "XID";
    case VR_BL_TABLE_MAP: return "TABLE_MAP";
    case VR_BL_WRITE_ROWS_V1: return "WRITE_ROWS_V1";
    case VR_BL_UPDATE_ROWS_V1: return "UPDATE_ROWS_V1";
    case VR_BL_DELETE_ROWS_V1: return "DELETE_ROWS_V1";
    case VR_BL_INCIDENT: return "INCIDENT";
    case VR_BL_HEARTBEAT: return "HEARTBEAT";
    case VR_BL_WRITE_ROWS_V2: return "WRITE_ROWS";
    case VR_BL_UPDATE_ROWS_V2: return "UPDATE_ROWS";
    case VR_BL_DELETE_ROWS_V2: return "DELETE_ROWS";
    case VR_BL_ANNOTATE_ROWS: return "ANNOTATE_ROWS";
    case VR_BL_BINLOG_CHECKPOINT: return "BINLOG_CHECKPOINT";
    case VR_BL_GTID: return "GTID";
    case VR_BL_GTID_LIST: return "GTID_LIST";
    case VR_BL_START_ENCRYPTION: return "START_ENCRYPTION";
    default:
        snprintf(other, sizeof(other), "type %u", type);
        return other;
    }
}

void vr_bl_format_init(vr_bl_format_t *f, bool checksum)
{
    memset(f, 0, sizeof(*f));
    f->header_len = VR_BL_HEADER_LEN;
    f->checksum = checksum;
    f->post_header[VR_BL_QUERY] = 13;
    f->post_header[VR_BL_ROTATE] = 8;
    f->post_header[VR_BL_FORMAT_DESCRIPTION] = 57;
    f->post_header[VR_BL_TABLE_MAP] = 8;
    f->post_header[VR_BL_WRITE_ROWS_V1] = 8;
    f->post_header[VR_BL_UPDATE_ROWS_V1] = 8;
    f->post_header[VR_BL_DELETE_ROWS_V1] = 8;
    f->post_header[VR_BL_WRITE_ROWS_V2] = 10;
    f->post_header[VR_BL_UPDATE_ROWS_V2] = 10;
    f->post_header[VR_BL_DELETE_ROWS_V2] = 10;
    f->post_header[VR_BL_GTID] = 19;
    f->post_header[VR_BL_GTID_LIST] = 4;
    f->post_header[VR_BL_BINLOG_CHECKPOINT] = 4;
}

/* ---- framing ---------------------------------------------------------- */

static vr_code_t corrupt(vr_error_t *err, uint8_t type, const char *what)
{
    return vr_errorf(err, VR_PARSE, "corrupt %s event: %s",
                     vr_bl_type_name(type), what);
}

/* FORMAT_DESCRIPTION carries its own checksum algorithm byte just before
 * the (optional) CRC: 1 = CRC32, 0 = none. */
static bool fde_has_crc(const uint8_t *p, size_t n)
{
    return n >= VR_BL_HEADER_LEN + 57 + 5 && p[n - 5] == 1;
}

/* CRC32 of an event; a FORMAT_DESCRIPTION's is computed with its
 * LOG_EVENT_BINLOG_IN_USE_F flag clear (the server sets the flag in place
 * while the file is open). */
static uint32_t event_crc(const uint8_t *p, size_t n, uint8_t type)
{
    uint8_t flags[2];
    uint32_t crc;
    if (type != VR_BL_FORMAT_DESCRIPTION || !(p[17] & 0x01))
        return vr_crc32(0, p, n);
    flags[0] = p[17] & (uint8_t)~0x01;
    flags[1] = p[18];
    crc = vr_crc32(0, p, 17);
    crc = vr_crc32(crc, flags, 2);
    return vr_crc32(crc, p + 19, n - 19);
}

vr_code_t vr_bl_event_parse(const vr_bl_format_t *f, const uint8_t *p, size_t n,
                            vr_bl_event_t *ev, vr_error_t *err)
{
    bool crc;
    size_t hlen = f->header_len ? f->header_len : VR_BL_HEADER_LEN;
    memset(ev, 0, sizeof(*ev));
    if (n < VR_BL_HEADER_LEN || n < hlen)
        return vr_errorf(err, VR_PARSE,
                         "corrupt event: %zu bytes, shorter than the header", n);
    ev->timestamp = rd_u32(p);
    ev->type = p[4];
    ev->server_id = rd_u32(p + 5);
    ev->size = rd_u32(p + 9);
    ev->log_pos = rd_u32(p + 13);
    ev->flags = rd_u16(p + 17);
    ev->data = p;
    if (ev->size != n)
        return vr_errorf(err, VR_PARSE,
                         "corrupt %s event: header says %u bytes, got %zu",
                         vr_bl_type_name(ev->type), ev->size, n);
    crc = ev->type == VR_BL_FORMAT_DESCRIPTION ? fde_has_crc(p, n) : f->checksum;
    if (crc) {
        uint32_t want, got;
        if (n < hlen + VR_BL_CHECKSUM_LEN)
            return corrupt(err, ev->type, "too short for its checksum");
        want = rd_u32(p + n - VR_BL_CHECKSUM_LEN);
        got = f->no_verify ? want : event_crc(p, n - VR_BL_CHECKSUM_LEN, ev->type);
        if (want != got)
            return vr_errorf(err, VR_PARSE,
                             "corrupt %s event (end_log_pos %u): CRC32 "
                             "0x%08x, computed 0x%08x",
                             vr_bl_type_name(ev->type), ev->log_pos, want, got);
        n -= VR_BL_CHECKSUM_LEN;
    }
    ev->body = p + hlen;
    ev->body_len = n - hlen;
    return VR_OK;
}

vr_code_t vr_bl_parse_fde(const vr_bl_event_t *ev, vr_bl_format_t *f,
                          vr_error_t *err)
{
    const uint8_t *b = ev->body;
    size_t len = ev->body_len, nposts, i;
    bool crc = fde_has_crc(ev->data, ev->size);
    uint8_t alg;
    /* body: version(2) server_version(50) created(4) header_len(1)
     * post_header_len[n] checksum_alg(1) [crc already stripped] */
    if (len < 57 + 1)
        return corrupt(err, ev->type, "too short");
    alg = b[len - 1];
    if (alg != 0 && alg != 1 && alg != 0xFF)
        return corrupt(err, ev->type, "unknown checksum algorithm");
    if (rd_u16(b) != 4)
        return vr_errorf(err, VR_UNSUPPORTED,
                         "binlog format version %u is not supported (4 expected)",
                         rd_u16(b));
    if (b[56] < VR_BL_HEADER_LEN)
        return corrupt(err, ev->type, "header length below 19");
    {
        bool nv = f->no_verify;
        vr_bl_format_init(f, crc);
        f->no_verify = nv;
    }
    f->header_len = b[56];
    nposts = len - 57 - 1;
    if (nposts > 255)
        nposts = 255;
    for (i = 0; i < nposts; i++)
        f->post_header[i + 1] = b[57 + i];
    return VR_OK;
}

/* ---- small events ----------------------------------------------------- */

vr_code_t vr_bl_parse_gtid(const vr_bl_event_t *ev, vr_bl_gtid_t *g,
                           vr_error_t *err)
{
    const uint8_t *b = ev->body;
    memset(g, 0, sizeof(*g));
    if (ev->body_len < 13)
        return corrupt(err, ev->type, "too short");
    g->gtid.seq = rd_u64(b);
    g->gtid.domain = rd_u32(b + 8);
    g->gtid.server = ev->server_id;
    g->flags = b[12];
    if (g->flags & VR_BL_FL_GROUP_COMMIT_ID) {
        if (ev->body_len < 21)
            return corrupt(err, ev->type, "too short for its commit id");
        g->commit_id = rd_u64(b + 13);
    }
    return VR_OK;
}

vr_code_t vr_bl_parse_query(const vr_bl_format_t *f, const vr_bl_event_t *ev,
                            vr_bl_query_t *q, vr_error_t *err)
{
    const uint8_t *b = ev->body;
    size_t len = ev->body_len, ph = f->post_header[VR_BL_QUERY], status_len, off;
    memset(q, 0, sizeof(*q));
    if (ph < 13)
        ph = 13;
    if (len < ph)
        return corrupt(err, ev->type, "too short");
    q->thread_id = rd_u32(b);
    q->db_len = b[8];
    q->error_code = rd_u16(b + 9);
    status_len = rd_u16(b + 11);
    off = ph + status_len;
    if (off > len || len - off < q->db_len + 1)
        return corrupt(err, ev->type, "status or database name past its end");
    q->db = (const char *)b + off;
    off += q->db_len + 1; /* NUL-terminated */
    q->sql = (const char *)b + off;
    q->sql_len = len - off;
    return VR_OK;
}

vr_code_t vr_bl_parse_xid(const vr_bl_event_t *ev, uint64_t *xid, vr_error_t *err)
{
    if (ev->body_len < 8)
        return corrupt(err, ev->type, "too short");
    *xid = rd_u64(ev->body);
    return VR_OK;
}

vr_code_t vr_bl_parse_rotate(const vr_bl_format_t *f, const vr_bl_event_t *ev,
                             vr_bl_rotate_t *r, vr_error_t *err)
{
    size_t ph = f->post_header[VR_BL_ROTATE] ? f->post_header[VR_BL_ROTATE] : 8;
    if (ph < 8 || ev->body_len < ph)
        return corrupt(err, ev->type, "too short");
    r->position = rd_u64(ev->body);
    r->file = (const char *)ev->body + ph;
    r->file_len = ev->body_len - ph;
    return VR_OK;
}

vr_code_t vr_bl_parse_gtid_list(const vr_bl_event_t *ev, vr_arena_t *a,
                                vr_gtid_t **out, size_t *n, vr_error_t *err)
{
    uint32_t count, i;
    vr_gtid_t *g;
    if (ev->body_len < 4)
        return corrupt(err, ev->type, "too short");
    count = rd_u32(ev->body) & 0x0FFFFFFF; /* top 4 bits are flags */
    if ((ev->body_len - 4) / 16 < count)
        return corrupt(err, ev->type, "count past its end");
    g = vr_arena_alloc(a, (count ? count : 1) * sizeof(*g));
    for (i = 0; i < count; i++) {
        const uint8_t *e = ev->body + 4 + (size_t)i * 16;
        g[i].domain = rd_u32(e);
        g[i].server = rd_u32(e + 4);
        g[i].seq = rd_u64(e + 8);
    }
    *out = g;
    *n = count;
    return VR_OK;
}

/* ---- ROWS headers ----------------------------------------------------- */

bool vr_bl_is_rows_event(uint8_t type)
{
    return (type >= VR_BL_WRITE_ROWS_V1 && type <= VR_BL_DELETE_ROWS_V1) ||
           (type >= VR_BL_WRITE_ROWS_V2 && type <= VR_BL_DELETE_ROWS_V2);
}

static vr_rows_kind_t rows_kind(uint8_t type)
{
    switch (type) {
    case VR_BL_WRITE_ROWS_V1:
    case VR_BL_WRITE_ROWS_V2:
        return VR_ROWS_INSERT;
    case VR_BL_UPDATE_ROWS_V1:
    case VR_BL_UPDATE_ROWS_V2:
        return VR_ROWS_UPDATE;
    default:
        return VR_ROWS_DELETE;
    }
}

vr_code_t vr_bl_parse_rows(const vr_bl_format_t *f, const vr_bl_event_t *ev,
                           vr_bl_rows_t *r, vr_error_t *err)
{
    rd_cur_t c = {ev->body, ev->body + ev->body_len};
    bool v2 = ev->type >= VR_BL_WRITE_ROWS_V2 && ev->type <= VR_BL_DELETE_ROWS_V2;
    size_t ph = f->post_header[ev->type], bm;
    uint64_t ncols;
    memset(r, 0, sizeof(*r));
    if (!vr_bl_is_rows_event(ev->type))
        return corrupt(err, ev->type, "not a rows event");
    if (ph == 0)
        ph = v2 ? 10 : 8;
    r->kind = rows_kind(ev->type);
    if (ph == 6 || (v2 && ph == 8)) {
        if (!rd_need(&c, 4))
            return corrupt(err, ev->type, "too short");
        r->table_id = rd_u32(c.p);
        c.p += 4;
    } else {
        if (!rd_need(&c, 6))
            return corrupt(err, ev->type, "too short");
        r->table_id = rd_u48(c.p);
        c.p += 6;
    }
    if (!rd_need(&c, 2))
        return corrupt(err, ev->type, "too short");
    r->flags = rd_u16(c.p);
    c.p += 2;
    if (v2) {
        uint16_t extra;
        if (!rd_need(&c, 2))
            return corrupt(err, ev->type, "too short");
        extra = rd_u16(c.p);
        if (extra < 2 || !rd_need(&c, extra))
            return corrupt(err, ev->type, "bad extra-data length");
        c.p += extra;
    }
    if (!rd_packed(&c, &ncols) || ncols == 0 || ncols > VR_BL_MAX_COLUMNS)
        return corrupt(err, ev->type, "bad column count");
    r->ncols = (uint32_t)ncols;
    bm = (ncols + 7) / 8;
    if (!rd_need(&c, bm))
        return corrupt(err, ev->type, "column bitmap past its end");
    r->cols = c.p;
    c.p += bm;
    if (r->kind == VR_ROWS_UPDATE) {
        if (!rd_need(&c, bm))
            return corrupt(err, ev->type, "after-image bitmap past its end");
        r->cols_ai = c.p;
        c.p += bm;
    }
    r->rows = c.p;
    r->rows_len = (size_t)(c.end - c.p);
    return VR_OK;
}

/* ---- log_bin_compress ---------------------------------------------------- */

bool vr_bl_is_compressed(uint8_t type)
{
    return type >= VR_BL_QUERY_COMPRESSED && type <= VR_BL_DELETE_ROWS_COMPRESSED;
}

/* Where a compressed event's compressed part starts (an offset in its
 * body), and the type it compresses: the uncompressed event's own parser
 * finds it, since everything before it is laid out alike. */
static vr_code_t compressed_at(const vr_bl_format_t *f, const vr_bl_event_t *ev, size_t *at,
                               uint8_t *type, vr_error_t *err)
{
    vr_bl_event_t as = *ev;
    vr_code_t rc;
    if (ev->type == VR_BL_QUERY_COMPRESSED) {
        vr_bl_query_t q;
        as.type = *type = VR_BL_QUERY;
        if ((rc = vr_bl_parse_query(f, &as, &q, err)) != VR_OK)
            return rc;
        *at = (size_t)((const uint8_t *)q.sql - ev->body);
    } else {
        unsigned k = ev->type - VR_BL_WRITE_ROWS_COMPRESSED_V1; /* 0-2 v1, 3-5 v2 */
        vr_bl_rows_t r;
        as.type = *type = (uint8_t)(k < 3 ? VR_BL_WRITE_ROWS_V1 + k : VR_BL_WRITE_ROWS_V2 + k - 3);
        if ((rc = vr_bl_parse_rows(f, &as, &r, err)) != VR_OK)
            return rc;
        *at = (size_t)(r.rows - ev->body);
    }
    if (*at >= ev->body_len)
        return corrupt(err, ev->type, "no compressed part");
    return VR_OK;
}

vr_code_t vr_bl_uncompress(const vr_bl_format_t *f, const vr_bl_event_t *ev, vr_arena_t *a,
                           vr_bl_event_t *out, vr_error_t *err)
{
    const uint8_t *z;
    size_t at = 0, zlen, lenlen, i;
    uLongf full = 0, got;
    uint8_t type = 0, *buf;
    vr_code_t rc;

    if ((rc = compressed_at(f, ev, &at, &type, err)) != VR_OK)
        return rc;
    z = ev->body + at;
    zlen = ev->body_len - at;
    lenlen = z[0] & 0x07;
    if ((z[0] & 0xf0) != 0x80 || lenlen < 1 || lenlen > 4 || zlen < 1 + lenlen)
        return vr_errorf(err, VR_PARSE,
                         "%s event: bad compression header 0x%02x (MariaDB writes 0x81-0x84, zlib)",
                         vr_bl_type_name(ev->type), z[0]);
    for (i = 0; i < lenlen; i++)
        full = (full << 8) | z[1 + i];
    if (full > (uLongf)zlen * 1032 + 64) /* zlib inflates 1032:1 at the most */
        return vr_errorf(err, VR_PARSE,
                         "%s event: uncompressed length %lu is more than %zu compressed bytes "
                         "can hold", vr_bl_type_name(ev->type), (unsigned long)full, zlen);
    buf = vr_arena_alloc(a, at + full + 1);
    memcpy(buf, ev->body, at);
    got = full;
    if (uncompress(buf + at, &got, z + 1 + lenlen, (uLong)(zlen - 1 - lenlen)) != Z_OK || got != full)
        return vr_errorf(err, VR_PARSE, "%s event: the zlib data does not inflate to the %lu "
                                        "bytes its header says",
                         vr_bl_type_name(ev->type), (unsigned long)full);
    *out = *ev;
    out->type = type;
    out->data = NULL; /* the header stays the source's, in ev */
    out->body = buf;
    out->body_len = at + full;
    return VR_OK;
}
