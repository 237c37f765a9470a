/*
 * proto.h - the MySQL wire codec: pure functions over bytes, no sockets, no
 * sessions.  Used by the server side of the gateway and by the unit tests
 * and the fuzz target, which include this private header directly.
 */
#ifndef VR_GW_PROTO_H
#define VR_GW_PROTO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "vr_gateway.h"

#define GW_MAX_PACKET_CHUNK 0xFFFFFFu /* payload bytes per wire packet */
#define GW_SCRAMBLE_LEN 20

/* Commands. */
enum {
    GW_COM_SLEEP = 0x00,
    GW_COM_QUIT = 0x01,
    GW_COM_INIT_DB = 0x02,
    GW_COM_QUERY = 0x03,
    GW_COM_FIELD_LIST = 0x04,
    GW_COM_STATISTICS = 0x09,
    GW_COM_PING = 0x0e,
    GW_COM_CHANGE_USER = 0x11,
    GW_COM_STMT_PREPARE = 0x16,
    GW_COM_STMT_EXECUTE = 0x17,
    GW_COM_STMT_SEND_LONG_DATA = 0x18,
    GW_COM_STMT_CLOSE = 0x19,
    GW_COM_STMT_RESET = 0x1a,
    GW_COM_SET_OPTION = 0x1b,
    GW_COM_STMT_FETCH = 0x1c,
    GW_COM_RESET_CONNECTION = 0x1f,
};

/* Capability flags. */
#define GW_CLIENT_MYSQL (1u << 0)
#define GW_CLIENT_FOUND_ROWS (1u << 1)
#define GW_CLIENT_LONG_FLAG (1u << 2)
#define GW_CLIENT_CONNECT_WITH_DB (1u << 3)
#define GW_CLIENT_NO_SCHEMA (1u << 4)
#define GW_CLIENT_COMPRESS (1u << 5)
#define GW_CLIENT_LOCAL_FILES (1u << 7)
#define GW_CLIENT_PROTOCOL_41 (1u << 9)
#define GW_CLIENT_INTERACTIVE (1u << 10)
#define GW_CLIENT_SSL (1u << 11)
#define GW_CLIENT_IGNORE_SIGPIPE (1u << 12)
#define GW_CLIENT_TRANSACTIONS (1u << 13)
#define GW_CLIENT_RESERVED (1u << 14)
#define GW_CLIENT_SECURE_CONNECTION (1u << 15)
#define GW_CLIENT_MULTI_STATEMENTS (1u << 16)
#define GW_CLIENT_MULTI_RESULTS (1u << 17)
#define GW_CLIENT_PS_MULTI_RESULTS (1u << 18)
#define GW_CLIENT_PLUGIN_AUTH (1u << 19)
#define GW_CLIENT_CONNECT_ATTRS (1u << 20)
#define GW_CLIENT_PLUGIN_AUTH_LENENC (1u << 21)
#define GW_CLIENT_SESSION_TRACK (1u << 23)
#define GW_CLIENT_DEPRECATE_EOF (1u << 24)

/* Server status flags beyond the public VR_GW_STATUS_* ones. */
#define GW_STATUS_MORE_RESULTS 0x0008

#define GW_NATIVE_PLUGIN "mysql_native_password"

/* ---- reading: a cursor with a sticky error flag ----
 * Every read past the end sets err and yields zeros/NULL, so a parser reads
 * a whole structure and checks err once. */
typedef struct gw_rd {
    const uint8_t *p;
    const uint8_t *end;
    bool err;
} gw_rd_t;

static inline gw_rd_t gw_rd(const void *p, size_t n)
{
    gw_rd_t r = {(const uint8_t *)p, (const uint8_t *)p + n, false};
    return r;
}
static inline size_t gw_rd_left(const gw_rd_t *r) { return (size_t)(r->end - r->p); }

uint8_t gw_rd_u8(gw_rd_t *r);
uint16_t gw_rd_u16(gw_rd_t *r);
uint32_t gw_rd_u24(gw_rd_t *r);
uint32_t gw_rd_u32(gw_rd_t *r);
uint64_t gw_rd_u64(gw_rd_t *r);
/* Length-encoded integer; *is_null set for 0xFB (may be NULL when the
 * caller treats 0xFB as an error).  0xFF is an error. */
uint64_t gw_rd_lenenc(gw_rd_t *r, bool *is_null);
const uint8_t *gw_rd_bytes(gw_rd_t *r, size_t n);
/* NUL-terminated string; the NUL is consumed, *len excludes it. */
const char *gw_rd_cstr(gw_rd_t *r, size_t *len);
/* Length-encoded string. */
const uint8_t *gw_rd_lenenc_str(gw_rd_t *r, size_t *len);
/* The rest of the payload. */
const uint8_t *gw_rd_rest(gw_rd_t *r, size_t *len);

/* ---- writing onto a vr_buf_t ---- */
void gw_put_u8(vr_buf_t *b, uint8_t v);
void gw_put_u16(vr_buf_t *b, uint16_t v);
void gw_put_u24(vr_buf_t *b, uint32_t v);
void gw_put_u32(vr_buf_t *b, uint32_t v);
void gw_put_u64(vr_buf_t *b, uint64_t v);
void gw_put_lenenc(vr_buf_t *b, uint64_t v);
void gw_put_lenenc_str(vr_buf_t *b, const void *s, size_t n);
void gw_put_cstr(vr_buf_t *b, const char *s); /* with its NUL */
size_t gw_lenenc_size(uint64_t v);

/* ---- framing ---- */
/* Append payload as wire packets, split in 0xFFFFFF chunks (a payload that
 * is an exact multiple ends with an empty packet); *seq advances by one per
 * wire packet. */
void gw_packet_put(vr_buf_t *out, uint8_t *seq, const void *payload, size_t n);

/* Start a packet whose payload the caller appends to out; returns the
 * offset of its header.  gw_packet_end() fills the header (splitting a
 * payload of 16 MiB or more in place) and advances *seq. */
size_t gw_packet_begin(vr_buf_t *out);
void gw_packet_end(vr_buf_t *out, size_t start, uint8_t *seq);

typedef enum gw_frame_rc {
    GW_FRAME_OK = 0,
    GW_FRAME_NEED_MORE,   /* not all of the packet is there yet */
    GW_FRAME_TOO_BIG,     /* payload over max_payload (before buffering it) */
    GW_FRAME_BAD_SEQ,     /* a sequence id out of order */
} gw_frame_rc_t;

typedef struct gw_frame {
    const uint8_t *payload; /* into the input, or into the assembly buffer */
    size_t len;
    size_t consumed;        /* input bytes the whole logical packet took */
} gw_frame_t;

/* Find one logical packet (all of its 0xFFFFFF parts) at in[0..n).  *seq is
 * the sequence id expected for the first part; on OK it is advanced past
 * the last.  A packet in several parts is copied into asm_buf. */
gw_frame_rc_t gw_frame_next(const uint8_t *in, size_t n, uint8_t *seq,
                            size_t max_payload, vr_buf_t *asm_buf,
                            gw_frame_t *f);

/* ---- generic packets (payloads) ---- */
void gw_ok_put(vr_buf_t *b, uint8_t header, uint64_t affected, uint64_t last_id,
               uint16_t status, uint16_t warnings, const char *info);
void gw_err_put(vr_buf_t *b, uint16_t code, const char *sqlstate,
                const char *msg, size_t msg_len);
void gw_eof_put(vr_buf_t *b, uint16_t warnings, uint16_t status);
/* Column definition 41; field_list adds the (NULL) default value. */
void gw_coldef_put(vr_buf_t *b, const vr_gw_column_t *c, bool field_list);

/* ---- connection phase ---- */
void gw_handshake_put(vr_buf_t *b, const char *version, uint32_t conn_id,
                      const uint8_t scramble[GW_SCRAMBLE_LEN], uint32_t caps,
                      uint8_t charset, uint16_t status);

typedef struct gw_hs_resp {
    uint32_t caps;
    uint32_t max_packet;
    uint8_t charset;
    bool ssl_request;       /* the 32-byte SSLRequest: nothing else is set */
    const char *user;       /* not NUL-terminated in the input: use lens */
    size_t user_len;
    const uint8_t *auth;
    size_t auth_len;
    const char *db;         /* NULL when absent */
    size_t db_len;
    const char *plugin;     /* NULL when absent */
    size_t plugin_len;
} gw_hs_resp_t;

/* Parse a HandshakeResponse41 (or an SSLRequest).  False when malformed or
 * not protocol 4.1. */
bool gw_handshake_response_parse(const uint8_t *p, size_t n, gw_hs_resp_t *out);
void gw_auth_switch_put(vr_buf_t *b, const char *plugin,
                        const uint8_t scramble[GW_SCRAMBLE_LEN]);

/* mysql_native_password: stage2 = SHA1(SHA1(password)). */
void gw_native_stage2(const char *password, size_t n, uint8_t out[20]);
/* The client's token: SHA1(pw) XOR SHA1(scramble + SHA1(SHA1(pw))). */
void gw_native_token(const uint8_t scramble[GW_SCRAMBLE_LEN],
                     const char *password, size_t n, uint8_t out[20]);
/* Verify a client's token against the stored stage2 (has_password false:
 * the account has no password and only an empty token passes). */
bool gw_native_verify(const uint8_t scramble[GW_SCRAMBLE_LEN],
                      const uint8_t *token, size_t token_len,
                      const uint8_t stage2[20], bool has_password);
/* 20 random printable bytes (no NUL, as clients read the 2nd part as a
 * C string). */
void gw_scramble_new(uint8_t out[GW_SCRAMBLE_LEN]);

/* ---- binary protocol values ---- */
/* Encode a value given as text (as the text protocol shows it) for a column
 * of wire type `type` in a binary result row; appends to out.  False when
 * the text is not a value of that type (out is then unchanged). */
bool gw_bin_from_text(vr_buf_t *out, uint8_t type, uint16_t flags,
                      const char *s, size_t n);
/* Decode one binary result value of `type` back to its text form (tests,
 * fuzzing).  False on malformed input. */
bool gw_bin_to_text(gw_rd_t *r, uint8_t type, uint16_t flags, vr_buf_t *out);
/* True when `type` is sent as a length-encoded string in binary rows. */
bool gw_bin_is_string(uint8_t type);

/* Decode one binary-protocol statement parameter of wire type `type` and
 * append it to sql as a SQL literal.  no_bs: the session's sql_mode has
 * NO_BACKSLASH_ESCAPES.  False on malformed input or a value SQL cannot
 * spell (NaN). */
bool gw_param_to_sql(gw_rd_t *r, uint8_t type, bool is_unsigned, bool no_bs,
                     vr_buf_t *sql);
/* The literal for a string-like parameter given as raw bytes (a value sent
 * with COM_STMT_SEND_LONG_DATA).  False for a type that is not a string. */
bool gw_param_bytes_to_sql(uint8_t type, const uint8_t *p, size_t n, bool no_bs,
                           vr_buf_t *sql);
/* Append bytes as a quoted SQL string literal, safe whatever the
 * connection charset and sql_mode (see the note in proto.c). */
void gw_sql_quote(vr_buf_t *sql, const char *s, size_t n, bool no_bs);

/* ---- statement text ---- */
/* Scan SQL the way the server's lexer does for quotes and comments.
 * gw_sql_split: the end offsets of the statements of a multi-statement
 * text (each piece excludes its ';').  A statement that opens a compound
 * body (CREATE PROCEDURE/FUNCTION/TRIGGER/EVENT/PACKAGE, BEGIN NOT ATOMIC,
 * IF/CASE/LOOP/WHILE/REPEAT) takes the whole rest of the text.
 * Returns how many pieces there are (empty ones skipped), writing at
 * most max of them: call with max 0 to count. */
size_t gw_sql_split(const char *sql, size_t len, bool no_bs, size_t *starts,
                    size_t *ends, size_t max);
/* Offsets of the `?` placeholders: returns how many there are, writing
 * at most max. */
size_t gw_sql_placeholders(const char *sql, size_t len, bool no_bs,
                           size_t *offs, size_t max);

#endif
