/*
 * test_gateway_proto.c - the gateway's wire codec and protocol logic
 * without sockets: length-encoded values, packet framing (16 MiB splits,
 * sequence ids), mysql_native_password against known vectors, binary
 * protocol values for every type, parameters as SQL literals, statement
 * splitting, and whole sessions driven in memory (handshake, auth, auth
 * switch, commands, prepared statements, DEPRECATE_EOF) with the built-in
 * handler.
 */
#include <criterion/criterion.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "gw_int.h"
#include "proto.h"

/* ---- helpers ---- */

static void hex_is(const vr_buf_t *b, const char *hex)
{
    vr_buf_t h = VR_BUF_INIT;
    vr_buf_put_hex(&h, (const uint8_t *)b->data, b->len);
    cr_assert_str_eq(h.data ? h.data : "", hex);
    vr_buf_free(&h);
}

/* ---- length-encoded integers and strings ---- */

Test(gateway_proto, lenenc_int_boundaries)
{
    static const struct {
        uint64_t v;
        const char *hex;
    } cases[] = {
        {0, "00"},
        {250, "fa"},
        {251, "fcfb00"},
        {0xffff, "fcffff"},
        {0x10000, "fd000001"},
        {0xffffff, "fdffffff"},
        {0x1000000, "fe0000000100000000"},
        {UINT64_MAX, "feffffffffffffffff"},
    };
    size_t i;
    for (i = 0; i < VR_ARRAY_LEN(cases); i++) {
        vr_buf_t b = VR_BUF_INIT;
        gw_rd_t r;
        bool is_null = true;
        gw_put_lenenc(&b, cases[i].v);
        hex_is(&b, cases[i].hex);
        cr_assert_eq(b.len, gw_lenenc_size(cases[i].v));
        r = gw_rd(b.data, b.len);
        cr_assert_eq(gw_rd_lenenc(&r, &is_null), cases[i].v);
        cr_assert(!r.err && !is_null && gw_rd_left(&r) == 0);
        vr_buf_free(&b);
    }
}

Test(gateway_proto, lenenc_null_truncated_and_0xff)
{
    static const uint8_t null_[] = {0xfb}, trunc[] = {0xfd, 1, 2}, ff[] = {0xff};
    gw_rd_t r = gw_rd(null_, 1);
    bool is_null = false;
    gw_rd_lenenc(&r, &is_null);
    cr_assert(is_null && !r.err);
    r = gw_rd(null_, 1);
    gw_rd_lenenc(&r, NULL); /* NULL not allowed here */
    cr_assert(r.err);
    r = gw_rd(trunc, sizeof(trunc));
    gw_rd_lenenc(&r, NULL);
    cr_assert(r.err);
    r = gw_rd(ff, 1);
    gw_rd_lenenc(&r, &is_null);
    cr_assert(r.err);
}

Test(gateway_proto, lenenc_strings_and_cstr)
{
    vr_buf_t b = VR_BUF_INIT;
    gw_rd_t r;
    const uint8_t *p;
    const char *c;
    size_t n;
    char big[300];

    memset(big, 'x', sizeof(big));
    gw_put_lenenc_str(&b, "abc", 3);
    gw_put_lenenc_str(&b, big, sizeof(big));
    gw_put_cstr(&b, "hello");
    gw_put_lenenc_str(&b, "", 0);
    r = gw_rd(b.data, b.len);
    p = gw_rd_lenenc_str(&r, &n);
    cr_assert(n == 3 && memcmp(p, "abc", 3) == 0);
    p = gw_rd_lenenc_str(&r, &n);
    cr_assert(n == 300 && memcmp(p, big, 300) == 0);
    c = gw_rd_cstr(&r, &n);
    cr_assert(n == 5 && memcmp(c, "hello", 5) == 0);
    gw_rd_lenenc_str(&r, &n);
    cr_assert(n == 0 && !r.err && gw_rd_left(&r) == 0);
    /* a string longer than what is left is an error, not a read past */
    r = gw_rd(b.data, 10);
    gw_rd_lenenc_str(&r, &n);
    gw_rd_lenenc_str(&r, &n);
    cr_assert(r.err);
    r = gw_rd("abc", 3);
    gw_rd_cstr(&r, &n);
    cr_assert(r.err, "a C string without its NUL is an error");
    vr_buf_free(&b);
}

/* ---- framing ---- */

Test(gateway_proto, small_packet_and_sequence)
{
    vr_buf_t out = VR_BUF_INIT, asmb = VR_BUF_INIT;
    uint8_t seq = 7, rseq = 7;
    gw_frame_t f;
    gw_packet_put(&out, &seq, "\x03select 1", 9);
    hex_is(&out, "0900000703" "73656c6563742031");
    cr_assert_eq(seq, 8);
    cr_assert_eq(gw_frame_next((uint8_t *)out.data, out.len, &rseq, 100, &asmb, &f),
                 GW_FRAME_OK);
    cr_assert(f.len == 9 && f.consumed == 13 && rseq == 8);
    cr_assert(memcmp(f.payload, "\x03select 1", 9) == 0);
    vr_buf_free(&out);
    vr_buf_free(&asmb);
}

static void split_roundtrip(size_t n, size_t expect_packets)
{
    vr_buf_t out = VR_BUF_INIT, asmb = VR_BUF_INIT;
    uint8_t *payload = malloc(n ? n : 1), seq = 0, rseq = 0;
    size_t i, off = 0, packets = 0;
    gw_frame_t f;

    for (i = 0; i < n; i++)
        payload[i] = (uint8_t)(i * 31 + 7);
    gw_packet_put(&out, &seq, payload, n);
    while (off < out.len) {
        size_t len = (uint8_t)out.data[off] | ((size_t)(uint8_t)out.data[off + 1] << 8) |
                     ((size_t)(uint8_t)out.data[off + 2] << 16);
        cr_assert_eq((uint8_t)out.data[off + 3], packets, "sequence id of part %zu", packets);
        off += 4 + len;
        packets++;
    }
    cr_assert_eq(packets, expect_packets, "%zu bytes travel as %zu packets", n,
                 expect_packets);
    cr_assert_eq(seq, (uint8_t)expect_packets);
    /* every proper prefix is incomplete */
    cr_assert_eq(gw_frame_next((uint8_t *)out.data, out.len - 1, &rseq, SIZE_MAX, &asmb, &f),
                 GW_FRAME_NEED_MORE);
    cr_assert_eq(gw_frame_next((uint8_t *)out.data, 3, &rseq, SIZE_MAX, &asmb, &f),
                 GW_FRAME_NEED_MORE);
    cr_assert_eq(rseq, 0);
    cr_assert_eq(gw_frame_next((uint8_t *)out.data, out.len, &rseq, SIZE_MAX, &asmb, &f),
                 GW_FRAME_OK);
    cr_assert(f.len == n && f.consumed == out.len && rseq == (uint8_t)expect_packets);
    cr_assert(n == 0 || memcmp(f.payload, payload, n) == 0);
    free(payload);
    vr_buf_free(&out);
    vr_buf_free(&asmb);
}

Test(gateway_proto, split_16mb_packets)
{
    split_roundtrip(0, 1);
    split_roundtrip(0xfffffe, 1);
    split_roundtrip(0xffffff, 2); /* an exact multiple ends with an empty packet */
    split_roundtrip(0xffffff + 10, 2);
    split_roundtrip(2 * 0xffffffu + 1, 3);
}

Test(gateway_proto, packet_end_splits_in_place)
{
    vr_buf_t out = VR_BUF_INIT, asmb = VR_BUF_INIT;
    uint8_t seq = 3, rseq = 3;
    size_t st, n = 0xffffff + 5;
    gw_frame_t f;
    st = gw_packet_begin(&out);
    vr_buf_reserve(&out, n);
    memset(out.data + out.len, 'q', n);
    out.len += n;
    gw_packet_end(&out, st, &seq);
    cr_assert_eq(seq, 5);
    cr_assert_eq(out.len, n + 8);
    cr_assert_eq(gw_frame_next((uint8_t *)out.data, out.len, &rseq, SIZE_MAX, &asmb, &f),
                 GW_FRAME_OK);
    cr_assert(f.len == n && f.payload[n - 1] == 'q');
    vr_buf_free(&out);
    vr_buf_free(&asmb);
}

Test(gateway_proto, frame_errors)
{
    static const uint8_t bad_seq[] = {1, 0, 0, 5, 0x0e};
    /* header says 1 MiB: refused before the bytes are there */
    static const uint8_t huge[] = {0, 0, 0x10, 0};
    vr_buf_t asmb = VR_BUF_INIT;
    uint8_t seq = 0;
    gw_frame_t f;
    cr_assert_eq(gw_frame_next(bad_seq, sizeof(bad_seq), &seq, 100, &asmb, &f),
                 GW_FRAME_BAD_SEQ);
    cr_assert_eq(gw_frame_next(huge, sizeof(huge), &seq, 1024, &asmb, &f), GW_FRAME_TOO_BIG);
    vr_buf_free(&asmb);
}

/* ---- mysql_native_password ---- */

static void unhex(const char *h, uint8_t *out)
{
    size_t i;
    for (i = 0; h[2 * i]; i++) {
        char b[3] = {h[2 * i], h[2 * i + 1], 0};
        out[i] = (uint8_t)strtol(b, NULL, 16);
    }
}

Test(gateway_proto, native_password_known_vectors)
{
    /* stage2 is what MariaDB's PASSWORD() prints after the '*' */
    uint8_t st2[20], want[20], scramble[20], token[20], want_tok[20];
    size_t i;
    gw_native_stage2("password", 8, st2);
    unhex("2470C0C06DEE42FD1618BB99005ADCA2EC9D1E19", want);
    cr_assert(memcmp(st2, want, 20) == 0);
    gw_native_stage2("app", 3, st2);
    unhex("5BCB3E6AC345B435C7C2E6B7949A04CE6F6563D3", want);
    cr_assert(memcmp(st2, want, 20) == 0);
    /* a client's token for 'app' over the scramble "!\"#$%&'()*+,-./01234" */
    for (i = 0; i < 20; i++)
        scramble[i] = (uint8_t)(0x21 + i);
    gw_native_token(scramble, "app", 3, token);
    unhex("2a090b785513d2d48c39965073f660aac05d9b0c", want_tok);
    cr_assert(memcmp(token, want_tok, 20) == 0);
    cr_assert(gw_native_verify(scramble, token, 20, st2, true));
    token[19] ^= 1;
    cr_assert(!gw_native_verify(scramble, token, 20, st2, true));
    cr_assert(!gw_native_verify(scramble, token, 19, st2, true));
    cr_assert(!gw_native_verify(scramble, NULL, 0, st2, true), "no token, password set");
}

Test(gateway_proto, native_password_empty_account)
{
    uint8_t st2[20], scramble[20], token[20];
    gw_scramble_new(scramble);
    gw_native_stage2("", 0, st2);
    cr_assert(gw_native_verify(scramble, NULL, 0, st2, false));
    cr_assert(gw_native_verify(scramble, (const uint8_t *)"", 1, st2, false), "a lone NUL");
    gw_native_token(scramble, "x", 1, token);
    cr_assert(!gw_native_verify(scramble, token, 20, st2, false));
}

Test(gateway_proto, scramble_is_printable)
{
    uint8_t s[20];
    int k, i;
    for (k = 0; k < 100; k++) {
        gw_scramble_new(s);
        for (i = 0; i < 20; i++)
            cr_assert(s[i] >= 0x21 && s[i] <= 0x7e);
    }
}

/* ---- binary protocol values ---- */

static void bin_roundtrip(uint8_t type, uint16_t flags, const char *text, const char *hex,
                          const char *back)
{
    vr_buf_t b = VR_BUF_INIT, t = VR_BUF_INIT;
    gw_rd_t r;
    cr_assert(gw_bin_from_text(&b, type, flags, text, strlen(text)), "type %u: '%s'", type,
              text);
    hex_is(&b, hex);
    r = gw_rd(b.data, b.len);
    cr_assert(gw_bin_to_text(&r, type, flags, &t));
    cr_assert(gw_rd_left(&r) == 0);
    cr_assert_str_eq(t.data, back ? back : text);
    vr_buf_free(&b);
    vr_buf_free(&t);
}

Test(gateway_proto, binary_integers)
{
    bin_roundtrip(VR_GW_TYPE_TINY, 0, "-128", "80", NULL);
    bin_roundtrip(VR_GW_TYPE_TINY, 0, "127", "7f", NULL);
    bin_roundtrip(VR_GW_TYPE_TINY, VR_GW_FLAG_UNSIGNED, "255", "ff", NULL);
    bin_roundtrip(VR_GW_TYPE_SHORT, 0, "-2", "feff", NULL);
    bin_roundtrip(VR_GW_TYPE_SHORT, VR_GW_FLAG_UNSIGNED, "65535", "ffff", NULL);
    bin_roundtrip(VR_GW_TYPE_YEAR, VR_GW_FLAG_UNSIGNED, "2024", "e807", NULL);
    bin_roundtrip(VR_GW_TYPE_INT24, 0, "-8388608", "000080ff", NULL);
    bin_roundtrip(VR_GW_TYPE_LONG, 0, "-2147483648", "00000080", NULL);
    bin_roundtrip(VR_GW_TYPE_LONG, VR_GW_FLAG_UNSIGNED, "4294967295", "ffffffff", NULL);
    bin_roundtrip(VR_GW_TYPE_LONGLONG, 0, "-9223372036854775808", "0000000000000080", NULL);
    bin_roundtrip(VR_GW_TYPE_LONGLONG, VR_GW_FLAG_UNSIGNED, "18446744073709551615",
                  "ffffffffffffffff", NULL);
    bin_roundtrip(VR_GW_TYPE_LONGLONG, 0, "1", "0100000000000000", NULL);
}

Test(gateway_proto, binary_integer_rejects)
{
    vr_buf_t b = VR_BUF_INIT;
    cr_assert(!gw_bin_from_text(&b, VR_GW_TYPE_TINY, 0, "128", 3));
    cr_assert(!gw_bin_from_text(&b, VR_GW_TYPE_TINY, VR_GW_FLAG_UNSIGNED, "-1", 2));
    cr_assert(!gw_bin_from_text(&b, VR_GW_TYPE_LONG, 0, "abc", 3));
    cr_assert(!gw_bin_from_text(&b, VR_GW_TYPE_LONG, 0, "", 0));
    cr_assert(!gw_bin_from_text(&b, VR_GW_TYPE_LONG, 0, "12 ", 3));
    cr_assert(!gw_bin_from_text(&b, VR_GW_TYPE_LONGLONG, 0, "9223372036854775808", 19));
    cr_assert_eq(b.len, 0, "a refused value writes nothing");
    vr_buf_free(&b);
}

Test(gateway_proto, binary_floats)
{
    bin_roundtrip(VR_GW_TYPE_FLOAT, 0, "3.5", "00006040", NULL);
    bin_roundtrip(VR_GW_TYPE_FLOAT, 0, "0.1", "cdcccc3d", NULL);
    bin_roundtrip(VR_GW_TYPE_DOUBLE, 0, "-2.25", "00000000000002c0", NULL);
    bin_roundtrip(VR_GW_TYPE_DOUBLE, 0, "1e+300", "9c7500883ce4377e", NULL);
    bin_roundtrip(VR_GW_TYPE_DOUBLE, 0, "0.1", "9a9999999999b93f", NULL);
}

Test(gateway_proto, binary_temporals)
{
    bin_roundtrip(VR_GW_TYPE_DATE, 0, "2024-02-29", "04e807021d", NULL);
    bin_roundtrip(VR_GW_TYPE_DATE, 0, "0000-00-00", "00", NULL);
    bin_roundtrip(VR_GW_TYPE_DATETIME, 0, "2024-02-29 00:00:00", "04e807021d", NULL);
    bin_roundtrip(VR_GW_TYPE_DATETIME, 0, "2024-02-29 13:14:15", "07e807021d0d0e0f", NULL);
    bin_roundtrip(VR_GW_TYPE_DATETIME, 0, "2024-02-29 13:14:15.123", "0be807021d0d0e0f78e00100",
                  "2024-02-29 13:14:15.123000");
    bin_roundtrip(VR_GW_TYPE_TIMESTAMP, 0, "1970-01-01 00:00:01", "07b2070101000001", NULL);
    bin_roundtrip(VR_GW_TYPE_DATETIME, 0, "0000-00-00 00:00:00", "00", NULL);
    bin_roundtrip(VR_GW_TYPE_TIME, 0, "00:00:00", "00", NULL);
    bin_roundtrip(VR_GW_TYPE_TIME, 0, "12:34:56", "0800000000000c2238", NULL);
    bin_roundtrip(VR_GW_TYPE_TIME, 0, "-838:59:59", "080122000000163b3b", NULL);
    bin_roundtrip(VR_GW_TYPE_TIME, 0, "25:00:00.000001", "0c000100000001000001000000",
                  "25:00:00.000001");
}

Test(gateway_proto, binary_temporal_rejects)
{
    vr_buf_t b = VR_BUF_INIT;
    static const char *const bad[] = {"2024-2-29", "2024-02-29 1:2:3", "2024/02/29",
                                      "2024-02-29 13:14:15.", "2024-02-29 13:14:15.1234567",
                                      "2024-02-29x"};
    size_t i;
    for (i = 0; i < VR_ARRAY_LEN(bad); i++)
        cr_assert(!gw_bin_from_text(&b, VR_GW_TYPE_DATETIME, 0, bad[i], strlen(bad[i])), "%s",
                  bad[i]);
    cr_assert(!gw_bin_from_text(&b, VR_GW_TYPE_TIME, 0, "12:3:00", 7));
    cr_assert(!gw_bin_from_text(&b, VR_GW_TYPE_TIME, 0, "-", 1));
    cr_assert(!gw_bin_from_text(&b, VR_GW_TYPE_DATE, 0, "2024-01-01 10:00:00", 19) ||
              b.len == 5, "a DATE column keeps its date part only");
    vr_buf_free(&b);
}

Test(gateway_proto, binary_strings)
{
    static const uint8_t types[] = {
        VR_GW_TYPE_DECIMAL,   VR_GW_TYPE_NEWDECIMAL, VR_GW_TYPE_VARCHAR,   VR_GW_TYPE_BIT,
        VR_GW_TYPE_JSON,      VR_GW_TYPE_ENUM,       VR_GW_TYPE_SET,       VR_GW_TYPE_TINY_BLOB,
        VR_GW_TYPE_MEDIUM_BLOB, VR_GW_TYPE_LONG_BLOB, VR_GW_TYPE_BLOB,     VR_GW_TYPE_VAR_STRING,
        VR_GW_TYPE_STRING,    VR_GW_TYPE_GEOMETRY};
    size_t i;
    for (i = 0; i < VR_ARRAY_LEN(types); i++) {
        cr_assert(gw_bin_is_string(types[i]));
        bin_roundtrip(types[i], 0, "12.50", "0531322e3530", NULL);
    }
    bin_roundtrip(VR_GW_TYPE_BLOB, VR_GW_FLAG_BINARY, "", "00", NULL);
}

/* ---- parameters as SQL literals ---- */

static void param_is(uint8_t type, bool uns, bool no_bs, const void *wire, size_t n,
                     const char *want)
{
    vr_buf_t sql = VR_BUF_INIT;
    gw_rd_t r = gw_rd(wire, n);
    cr_assert(gw_param_to_sql(&r, type, uns, no_bs, &sql), "type %u", type);
    cr_assert_eq(gw_rd_left(&r), 0);
    cr_assert_str_eq(sql.data, want);
    vr_buf_free(&sql);
}

Test(gateway_proto, params_numbers)
{
    float f = 0.5f;
    double d = -1.0 / 3.0, nan_ = NAN;
    uint8_t buf[8];
    vr_buf_t sql = VR_BUF_INIT;
    gw_rd_t r;

    param_is(VR_GW_TYPE_TINY, false, false, "\xff", 1, "-1");
    param_is(VR_GW_TYPE_TINY, true, false, "\xff", 1, "255");
    param_is(VR_GW_TYPE_SHORT, false, false, "\x00\x80", 2, "-32768");
    param_is(VR_GW_TYPE_YEAR, false, false, "\xe8\x07", 2, "2024");
    param_is(VR_GW_TYPE_LONG, true, false, "\xff\xff\xff\xff", 4, "4294967295");
    param_is(VR_GW_TYPE_LONGLONG, false, false, "\xfe\xff\xff\xff\xff\xff\xff\xff", 8, "-2");
    param_is(VR_GW_TYPE_LONGLONG, true, false, "\xfe\xff\xff\xff\xff\xff\xff\xff", 8,
             "18446744073709551614");
    memcpy(buf, &f, 4);
    param_is(VR_GW_TYPE_FLOAT, false, false, buf, 4, "5.00000000000000000e-01");
    memcpy(buf, &d, 8);
    param_is(VR_GW_TYPE_DOUBLE, false, false, buf, 8, "-3.33333333333333315e-01");
    memcpy(buf, &nan_, 8);
    r = gw_rd(buf, 8);
    cr_assert(!gw_param_to_sql(&r, VR_GW_TYPE_DOUBLE, false, false, &sql), "NaN has no SQL");
    param_is(VR_GW_TYPE_NEWDECIMAL, false, false, "\x06-12.50", 7, "-12.50");
    /* a "decimal" that is not a number travels as a string, never bare */
    param_is(VR_GW_TYPE_NEWDECIMAL, false, false, "\x09" "1 or 1=1 ", 10, "'1 or 1=1 '");
    r = gw_rd("\x01", 1);
    cr_assert(!gw_param_to_sql(&r, VR_GW_TYPE_LONG, false, false, &sql), "short value");
    vr_buf_free(&sql);
}

Test(gateway_proto, params_temporals)
{
    param_is(VR_GW_TYPE_DATE, false, false, "\x04\xe8\x07\x02\x1d", 5, "'2024-02-29'");
    param_is(VR_GW_TYPE_DATE, false, false, "\x00", 1, "'0000-00-00'");
    param_is(VR_GW_TYPE_DATETIME, false, false, "\x07\xe8\x07\x02\x1d\x0d\x0e\x0f", 8,
             "'2024-02-29 13:14:15'");
    param_is(VR_GW_TYPE_TIMESTAMP, false, false,
             "\x0b\xe8\x07\x02\x1d\x0d\x0e\x0f\x40\xe2\x01\x00", 12,
             "'2024-02-29 13:14:15.123456'");
    param_is(VR_GW_TYPE_TIME, false, false, "\x08\x01\x01\x00\x00\x00\x02\x03\x04", 9,
             "'-26:03:04'");
    param_is(VR_GW_TYPE_TIME, false, false, "\x00", 1, "'00:00:00'");
}

Test(gateway_proto, params_strings_escaped)
{
    param_is(VR_GW_TYPE_VAR_STRING, false, false, "\x03" "abc", 4, "'abc'");
    param_is(VR_GW_TYPE_STRING, false, false, "\x08" "it's\\\n\0\x1a", 9,
             "'it''s\\\\\\n\\0\\Z'");
    /* NO_BACKSLASH_ESCAPES: a backslash is just a character */
    param_is(VR_GW_TYPE_VARCHAR, false, true, "\x06" "a\\'b\nc", 7, "'a\\''b\nc'");
    param_is(VR_GW_TYPE_VAR_STRING, false, false, "\x00", 1, "''");
    /* a multibyte lead byte before a backslash or quote: hex, whatever the
     * connection charset */
    param_is(VR_GW_TYPE_VAR_STRING, false, false, "\x03\xbf\x27x", 4, "X'bf2778'");
    param_is(VR_GW_TYPE_VAR_STRING, false, false, "\x02\xbf\x5c", 3, "X'bf5c'");
    param_is(VR_GW_TYPE_VAR_STRING, false, false, "\x02\xc3\xa9", 3, "'\xc3\xa9'");
    param_is(VR_GW_TYPE_BLOB, false, false, "\x03\x00\x01\xff", 4, "X'0001ff'");
    param_is(VR_GW_TYPE_LONG_BLOB, false, false, "\x00", 1, "X''");
    param_is(VR_GW_TYPE_NULL, false, false, "", 0, "NULL");
}

Test(gateway_proto, params_unknown_type_refused)
{
    vr_buf_t sql = VR_BUF_INIT;
    gw_rd_t r = gw_rd("\x01", 1);
    cr_assert(!gw_param_to_sql(&r, 100, false, false, &sql));
    vr_buf_free(&sql);
}

/* ---- statement text ---- */

static void split_is(const char *sql, const char *const *want, size_t n)
{
    size_t st[16], en[16], got = gw_sql_split(sql, strlen(sql), false, st, en, 16), i;
    cr_assert_eq(got, n, "'%s' has %zu statements, found %zu", sql, n, got);
    for (i = 0; i < n; i++) {
        cr_assert_eq(en[i] - st[i], strlen(want[i]), "piece %zu of '%s'", i, sql);
        cr_assert(memcmp(sql + st[i], want[i], strlen(want[i])) == 0, "piece %zu: '%.*s'", i,
                  (int)(en[i] - st[i]), sql + st[i]);
    }
}

Test(gateway_proto, split_multi_statements)
{
    const char *a[] = {"select 1", "select 2"};
    const char *b[] = {"select ';'", "select \"a;\" -- x;", "select `c;d`"};
    const char *c[] = {"select 1 /* ; */", "/*!40101 set @a=1*/"};
    const char *d[] = {"select 'it''s;' , '\\';'"};
    const char *e[] = {"select 1", "CREATE DEFINER=`a`@`%` PROCEDURE p() BEGIN select 1; "
                                   "select 2; END; select 3"};
    const char *f[] = {"BEGIN NOT ATOMIC select 1; END"};
    const char *g[] = {"begin", "select 1", "commit"};
    const char *h[] = {"create table t (function int)", "select 1"};

    split_is("select 1; select 2;", a, 2);
    split_is("  select 1 ;;; select 2  ", a, 2);
    split_is("select ';'; select \"a;\" -- x;\n; select `c;d`", b, 3);
    split_is("select 1 /* ; */; /*!40101 set @a=1*/", c, 2);
    split_is("select 'it''s;' , '\\';'", d, 1);
    split_is("select 1; CREATE DEFINER=`a`@`%` PROCEDURE p() BEGIN select 1; select 2; END; "
             "select 3", e, 2);
    split_is("BEGIN NOT ATOMIC select 1; END", f, 1);
    split_is("begin; select 1; commit", g, 3);
    split_is("create table t (function int); select 1", h, 2);
    split_is("  ;  -- only a comment\n", NULL, 0);
    split_is("select 1; -- trailing comment", a, 1);
}

Test(gateway_proto, placeholders)
{
    size_t offs[8];
    const char *sql = "select ?, '?', \"?\", `?`, /* ? */ ? -- ?\n # ?\n, ?";
    size_t n = gw_sql_placeholders(sql, strlen(sql), false, offs, 8);
    cr_assert_eq(n, 3);
    cr_assert(sql[offs[0]] == '?' && sql[offs[1]] == '?' && sql[offs[2]] == '?');
    cr_assert_eq(offs[0], 7);
    /* with backslash escapes off, '\' ends the string */
    sql = "select '\\', ?";
    cr_assert_eq(gw_sql_placeholders(sql, strlen(sql), true, offs, 8), 1);
    cr_assert_eq(gw_sql_placeholders(sql, strlen(sql), false, offs, 8), 0);
    sql = "/*!50000 select ? */";
    cr_assert_eq(gw_sql_placeholders(sql, strlen(sql), false, offs, 8), 1,
                 "executable comments are code");
}

Test(gateway_proto, like_wildcards)
{
    cr_assert(gw_like_match("%", 1, "anything", 8));
    cr_assert(gw_like_match("a%", 2, "Abc", 3));
    cr_assert(gw_like_match("a_c", 3, "abc", 3));
    cr_assert(!gw_like_match("a_c", 3, "abbc", 4));
    cr_assert(gw_like_match("%b%", 3, "abc", 3));
    cr_assert(gw_like_match("a\\_c", 4, "a_c", 3));
    cr_assert(!gw_like_match("a\\_c", 4, "abc", 3));
    cr_assert(!gw_like_match("x%", 2, "abc", 3));
}

/* ---- connection phase packets ---- */

Test(gateway_proto, handshake_layout)
{
    vr_buf_t b = VR_BUF_INIT;
    uint8_t scr[20];
    gw_rd_t r;
    size_t n;
    const char *v;
    uint32_t caps;
    int i;
    for (i = 0; i < 20; i++)
        scr[i] = (uint8_t)('A' + i);
    gw_handshake_put(&b, "5.5.5-10.11.19-MariaDB-vrepl", 42, scr,
                     GW_CLIENT_PROTOCOL_41 | GW_CLIENT_PLUGIN_AUTH | GW_CLIENT_SECURE_CONNECTION,
                     45, 2);
    r = gw_rd(b.data, b.len);
    cr_assert_eq(gw_rd_u8(&r), 10);
    v = gw_rd_cstr(&r, &n);
    cr_assert(n == 28 && memcmp(v, "5.5.5-10.11.19-MariaDB-vrepl", n) == 0);
    cr_assert_eq(gw_rd_u32(&r), 42);
    cr_assert(memcmp(gw_rd_bytes(&r, 8), "ABCDEFGH", 8) == 0);
    cr_assert_eq(gw_rd_u8(&r), 0);
    caps = gw_rd_u16(&r);
    cr_assert_eq(gw_rd_u8(&r), 45);
    cr_assert_eq(gw_rd_u16(&r), 2);
    caps |= (uint32_t)gw_rd_u16(&r) << 16;
    cr_assert(caps & GW_CLIENT_PLUGIN_AUTH);
    cr_assert(!(caps & GW_CLIENT_MYSQL), "no CLIENT_MYSQL: MariaDB-style extended caps (0)");
    cr_assert_eq(gw_rd_u8(&r), 21);
    gw_rd_bytes(&r, 10);
    cr_assert(memcmp(gw_rd_bytes(&r, 12), "IJKLMNOPQRST", 12) == 0);
    cr_assert_eq(gw_rd_u8(&r), 0);
    v = gw_rd_cstr(&r, &n);
    cr_assert(n == 21 && memcmp(v, "mysql_native_password", n) == 0);
    cr_assert(!r.err && gw_rd_left(&r) == 0);
    vr_buf_free(&b);
}

static void put_response(vr_buf_t *b, uint32_t caps, const char *user, const uint8_t *auth,
                         size_t auth_len, const char *db, const char *plugin)
{
    static const uint8_t zero[23];
    gw_put_u32(b, caps);
    gw_put_u32(b, 1 << 24);
    gw_put_u8(b, 45);
    vr_buf_append(b, zero, 23);
    gw_put_cstr(b, user);
    if (caps & GW_CLIENT_PLUGIN_AUTH_LENENC) {
        gw_put_lenenc_str(b, auth, auth_len);
    } else {
        gw_put_u8(b, (uint8_t)auth_len);
        vr_buf_append(b, auth, auth_len);
    }
    if (caps & GW_CLIENT_CONNECT_WITH_DB)
        gw_put_cstr(b, db);
    if (caps & GW_CLIENT_PLUGIN_AUTH)
        gw_put_cstr(b, plugin);
    if (caps & GW_CLIENT_CONNECT_ATTRS) {
        gw_put_lenenc(b, 8);
        gw_put_lenenc_str(b, "_os", 3);
        gw_put_lenenc_str(b, "Lin", 3);
    }
}

Test(gateway_proto, handshake_response_variants)
{
    uint32_t base = GW_CLIENT_PROTOCOL_41 | GW_CLIENT_SECURE_CONNECTION;
    vr_buf_t b = VR_BUF_INIT;
    gw_hs_resp_t hr;
    uint8_t tok[20];
    memset(tok, 7, 20);

    put_response(&b, base, "app", tok, 20, NULL, NULL);
    cr_assert(gw_handshake_response_parse((uint8_t *)b.data, b.len, &hr));
    cr_assert(hr.user_len == 3 && hr.auth_len == 20 && !hr.db && !hr.plugin);

    vr_buf_reset(&b);
    put_response(&b,
                 base | GW_CLIENT_PLUGIN_AUTH_LENENC | GW_CLIENT_CONNECT_WITH_DB |
                     GW_CLIENT_PLUGIN_AUTH | GW_CLIENT_CONNECT_ATTRS,
                 "app", tok, 20, "shop", "mysql_native_password");
    cr_assert(gw_handshake_response_parse((uint8_t *)b.data, b.len, &hr));
    cr_assert(hr.db_len == 4 && memcmp(hr.db, "shop", 4) == 0);
    cr_assert(hr.plugin_len == 21);
    /* truncated anywhere inside the user name or token: refused */
    cr_assert(!gw_handshake_response_parse((uint8_t *)b.data, 34, &hr));
    cr_assert(!gw_handshake_response_parse((uint8_t *)b.data, 40, &hr));
    /* attributes longer than the packet: refused */
    b.data[b.len - 9] = 100;
    cr_assert(!gw_handshake_response_parse((uint8_t *)b.data, b.len, &hr));

    /* the 32-byte SSLRequest */
    vr_buf_reset(&b);
    put_response(&b, base | GW_CLIENT_SSL, "", NULL, 0, NULL, NULL);
    cr_assert(gw_handshake_response_parse((uint8_t *)b.data, 32, &hr) && hr.ssl_request);
    /* protocol 4.0 clients: refused */
    vr_buf_reset(&b);
    put_response(&b, GW_CLIENT_SECURE_CONNECTION, "app", tok, 20, NULL, NULL);
    cr_assert(!gw_handshake_response_parse((uint8_t *)b.data, b.len, &hr));
    vr_buf_free(&b);
}

/* ---- whole sessions in memory, with the built-in handler ---- */

typedef struct pkt {
    uint8_t seq;
    const uint8_t *p;
    size_t n;
} pkt_t;

/* Split what the session sent into its packets (single-part ones). */
static size_t packets(const vr_buf_t *out, pkt_t *pk, size_t max)
{
    size_t off = 0, n = 0;
    while (off + 4 <= out->len && n < max) {
        const uint8_t *h = (const uint8_t *)out->data + off;
        size_t len = h[0] | (h[1] << 8) | ((size_t)h[2] << 16);
        cr_assert(off + 4 + len <= out->len, "truncated packet in output");
        pk[n].seq = h[3];
        pk[n].p = h + 4;
        pk[n].n = len;
        n++;
        off += 4 + len;
    }
    cr_assert_eq(off, out->len);
    return n;
}

static vr_gw_server_t *mem_server(size_t max_packet)
{
    static const vr_gw_user_t users[] = {{"app", "app"}, {"nopw", ""}};
    vr_gw_config_t cfg;
    vr_gw_server_t *srv;
    vr_error_t err;
    memset(&cfg, 0, sizeof(cfg));
    cfg.users = users;
    cfg.n_users = 2;
    cfg.max_allowed_packet = max_packet;
    cfg.handler = vr_gw_builtin_handler;
    cr_assert_eq(gw_server_new_mem(&cfg, &srv, &err), VR_OK, "%s", err.msg);
    return srv;
}

static void feed_packet(vr_gw_session_t *s, uint8_t seq, const void *p, size_t n)
{
    vr_buf_t b = VR_BUF_INIT;
    gw_packet_put(&b, &seq, p, n);
    gw_mem_feed(s, b.data, b.len);
    vr_buf_free(&b);
}

static void take(vr_gw_session_t *s, vr_buf_t *into)
{
    vr_buf_reset(into);
    vr_buf_append(into, s->out.data, s->out.len);
    s->out.len = 0;
    s->out_off = 0;
}

/* Log in; returns the session after the server's answer to the response
 * (left in *out). */
static vr_gw_session_t *login(vr_gw_server_t *srv, const char *user, const char *pw,
                              uint32_t extra_caps, const char *plugin, vr_buf_t *out)
{
    vr_gw_session_t *s = gw_session_new(srv, -1, "127.0.0.1");
    vr_buf_t resp = VR_BUF_INIT;
    uint8_t tok[20];
    uint32_t caps = GW_CLIENT_PROTOCOL_41 | GW_CLIENT_SECURE_CONNECTION |
                    GW_CLIENT_PLUGIN_AUTH | GW_CLIENT_MULTI_STATEMENTS |
                    GW_CLIENT_MULTI_RESULTS | extra_caps;
    take(s, out); /* the greeting */
    gw_native_token(s->scramble, pw, strlen(pw), tok);
    put_response(&resp, caps, user, tok, pw[0] ? 20 : 0, NULL,
                 plugin ? plugin : "mysql_native_password");
    feed_packet(s, 1, resp.data, resp.len);
    take(s, out);
    vr_buf_free(&resp);
    return s;
}

static void expect_ok(const pkt_t *p, uint8_t seq)
{
    cr_assert_eq(p->seq, seq);
    cr_assert(p->n >= 7 && p->p[0] == 0x00, "an OK packet (got 0x%02x)", p->n ? p->p[0] : 0);
}

static void expect_err(const pkt_t *p, unsigned code, const char *state, const char *msg)
{
    cr_assert(p->n >= 9 && p->p[0] == 0xff, "an ERR packet");
    cr_assert_eq(p->p[1] | (p->p[2] << 8), code);
    cr_assert(memcmp(p->p + 4, state, 5) == 0);
    if (msg)
        cr_assert(p->n - 9 == strlen(msg) && memcmp(p->p + 9, msg, p->n - 9) == 0,
                  "message '%.*s'", (int)(p->n - 9), p->p + 9);
}

Test(gateway_session, login_and_select_1)
{
    vr_gw_server_t *srv = mem_server(0);
    vr_buf_t out = VR_BUF_INIT;
    pkt_t pk[16];
    vr_gw_session_t *s = login(srv, "app", "app", 0, NULL, &out);
    size_t n = packets(&out, pk, 16);
    cr_assert_eq(n, 1);
    expect_ok(&pk[0], 2);
    cr_assert_eq(s->state, GW_S_IDLE);

    feed_packet(s, 0, "\x03select 1", 9);
    take(s, &out);
    n = packets(&out, pk, 16);
    cr_assert_eq(n, 5, "count, column, EOF, row, EOF");
    cr_assert(pk[0].n == 1 && pk[0].p[0] == 1 && pk[0].seq == 1);
    cr_assert_eq(pk[1].p[pk[1].n - 6], VR_GW_TYPE_LONGLONG);
    cr_assert(pk[2].p[0] == 0xfe && pk[2].n == 5);
    cr_assert(pk[3].n == 2 && pk[3].p[0] == 1 && pk[3].p[1] == '1');
    cr_assert(pk[4].p[0] == 0xfe && pk[4].n == 5 && pk[4].seq == 5);
    cr_assert_eq(pk[4].p[3] | (pk[4].p[4] << 8), VR_GW_STATUS_AUTOCOMMIT);
    gw_mem_close(s);
    vr_gw_server_free(srv);
    vr_buf_free(&out);
}

Test(gateway_session, deprecate_eof_ends_with_ok_fe)
{
    vr_gw_server_t *srv = mem_server(0);
    vr_buf_t out = VR_BUF_INIT;
    pkt_t pk[16];
    vr_gw_session_t *s = login(srv, "app", "app", GW_CLIENT_DEPRECATE_EOF, NULL, &out);
    size_t n;
    feed_packet(s, 0, "\x03select 7", 9);
    take(s, &out);
    n = packets(&out, pk, 16);
    cr_assert_eq(n, 4, "count, column, row, OK(0xFE): no EOF after the columns");
    cr_assert(pk[3].p[0] == 0xfe && pk[3].n == 7);
    gw_mem_close(s);
    vr_gw_server_free(srv);
    vr_buf_free(&out);
}

Test(gateway_session, access_denied_reads_the_same)
{
    vr_gw_server_t *srv = mem_server(0);
    vr_buf_t out = VR_BUF_INIT;
    pkt_t pk[4];
    vr_gw_session_t *s = login(srv, "app", "wrong", 0, NULL, &out);
    cr_assert_eq(packets(&out, pk, 4), 1);
    expect_err(&pk[0], 1045, "28000",
               "Access denied for user 'app'@'127.0.0.1' (using password: YES)");
    cr_assert_eq(s->state, GW_S_CLOSING);
    gw_mem_close(s);
    s = login(srv, "nosuch", "app", 0, NULL, &out);
    packets(&out, pk, 4);
    expect_err(&pk[0], 1045, "28000",
               "Access denied for user 'nosuch'@'127.0.0.1' (using password: YES)");
    gw_mem_close(s);
    s = login(srv, "app", "", 0, NULL, &out);
    packets(&out, pk, 4);
    expect_err(&pk[0], 1045, "28000",
               "Access denied for user 'app'@'127.0.0.1' (using password: NO)");
    gw_mem_close(s);
    s = login(srv, "nopw", "", 0, NULL, &out);
    packets(&out, pk, 4);
    expect_ok(&pk[0], 2);
    gw_mem_close(s);
    vr_gw_server_free(srv);
    vr_buf_free(&out);
}

Test(gateway_session, auth_switch_from_another_plugin)
{
    vr_gw_server_t *srv = mem_server(0);
    vr_buf_t out = VR_BUF_INIT;
    pkt_t pk[4];
    uint8_t tok[20];
    vr_gw_session_t *s = login(srv, "app", "app", 0, "caching_sha2_password", &out);
    cr_assert_eq(packets(&out, pk, 4), 1);
    cr_assert_eq(pk[0].p[0], 0xfe, "AuthSwitchRequest");
    cr_assert_eq(pk[0].seq, 2);
    cr_assert(memcmp(pk[0].p + 1, "mysql_native_password\0", 22) == 0);
    cr_assert(memcmp(pk[0].p + 23, s->scramble, 20) == 0);
    gw_native_token(s->scramble, "app", 3, tok);
    feed_packet(s, 3, tok, 20);
    take(s, &out);
    packets(&out, pk, 4);
    expect_ok(&pk[0], 4);
    gw_mem_close(s);
    vr_gw_server_free(srv);
    vr_buf_free(&out);
}

Test(gateway_session, commands_ping_unknown_empty_query)
{
    vr_gw_server_t *srv = mem_server(0);
    vr_buf_t out = VR_BUF_INIT;
    pkt_t pk[8];
    vr_gw_session_t *s = login(srv, "app", "app", 0, NULL, &out);
    feed_packet(s, 0, "\x0e", 1);
    take(s, &out);
    packets(&out, pk, 8);
    expect_ok(&pk[0], 1);
    feed_packet(s, 0, "\x11xyz", 4); /* COM_CHANGE_USER is not offered */
    take(s, &out);
    packets(&out, pk, 8);
    expect_err(&pk[0], 1047, "08S01", "Unknown command");
    feed_packet(s, 0, "\x03   ", 4);
    take(s, &out);
    packets(&out, pk, 8);
    expect_err(&pk[0], 1065, "42000", "Query was empty");
    feed_packet(s, 0, "\x03show tables", 12);
    take(s, &out);
    packets(&out, pk, 8);
    expect_err(&pk[0], 1235, "42000", NULL);
    cr_assert_eq(s->state, GW_S_IDLE, "errors do not end the session");
    feed_packet(s, 0, "\x01", 1);
    cr_assert_eq(s->state, GW_S_CLOSING, "COM_QUIT");
    gw_mem_close(s);
    vr_gw_server_free(srv);
    vr_buf_free(&out);
}

Test(gateway_session, multi_statement_more_results)
{
    vr_gw_server_t *srv = mem_server(0);
    vr_buf_t out = VR_BUF_INIT;
    pkt_t pk[16];
    vr_gw_session_t *s = login(srv, "app", "app", 0, NULL, &out);
    const char q[] = "\x03select 1; set autocommit=0; show tables; select 2";
    size_t n;
    feed_packet(s, 0, q, sizeof(q) - 1);
    take(s, &out);
    n = packets(&out, pk, 16);
    cr_assert_eq(n, 7, "a result set, an OK, then the error stops it");
    cr_assert_eq(pk[4].p[0], 0xfe);
    cr_assert(pk[4].p[3] & GW_STATUS_MORE_RESULTS, "EOF of the first result: more");
    expect_ok(&pk[5], 6);
    cr_assert(pk[5].p[3] & GW_STATUS_MORE_RESULTS);
    cr_assert(!(pk[5].p[3] & VR_GW_STATUS_AUTOCOMMIT), "autocommit now off");
    expect_err(&pk[6], 1235, "42000", NULL);
    gw_mem_close(s);
    vr_gw_server_free(srv);
    vr_buf_free(&out);
}

Test(gateway_session, oversized_packet_closes)
{
    vr_gw_server_t *srv = mem_server(1024);
    vr_buf_t out = VR_BUF_INIT;
    pkt_t pk[4];
    vr_gw_session_t *s = login(srv, "app", "app", 0, NULL, &out);
    static const uint8_t hdr[] = {0x00, 0x10, 0x00, 0x00, 0x03}; /* 4 KiB COM_QUERY */
    cr_assert(!gw_mem_feed(s, hdr, sizeof(hdr)));
    take(s, &out);
    packets(&out, pk, 4);
    expect_err(&pk[0], 1153, "08S01", "Got a packet bigger than 'max_allowed_packet' bytes");
    cr_assert_eq(s->state, GW_S_CLOSING);
    gw_mem_close(s);
    vr_gw_server_free(srv);
    vr_buf_free(&out);
}

Test(gateway_session, out_of_order_and_garbage_handshake)
{
    vr_gw_server_t *srv = mem_server(0);
    vr_buf_t out = VR_BUF_INIT;
    pkt_t pk[4];
    vr_gw_session_t *s = gw_session_new(srv, -1, "127.0.0.1");
    take(s, &out);
    feed_packet(s, 1, "\x01\x02\x03", 3);
    take(s, &out);
    packets(&out, pk, 4);
    expect_err(&pk[0], 1043, "08S01", "Bad handshake");
    gw_mem_close(s);
    s = login(srv, "app", "app", 0, NULL, &out);
    feed_packet(s, 5, "\x0e", 1);
    take(s, &out);
    packets(&out, pk, 4);
    expect_err(&pk[0], 1156, "08S01", "Got packets out of order");
    gw_mem_close(s);
    vr_gw_server_free(srv);
    vr_buf_free(&out);
}

static uint32_t prepare(vr_gw_session_t *s, const char *sql, vr_buf_t *out, uint16_t *nparams)
{
    vr_buf_t cmd = VR_BUF_INIT;
    pkt_t pk[16];
    gw_rd_t r;
    uint32_t id;
    gw_put_u8(&cmd, GW_COM_STMT_PREPARE);
    vr_buf_puts(&cmd, sql);
    feed_packet(s, 0, cmd.data, cmd.len);
    take(s, out);
    packets(out, pk, 16);
    cr_assert_eq(pk[0].p[0], 0x00, "PREPARE_OK");
    r = gw_rd(pk[0].p + 1, pk[0].n - 1);
    id = gw_rd_u32(&r);
    gw_rd_u16(&r);
    *nparams = gw_rd_u16(&r);
    vr_buf_free(&cmd);
    return id;
}

Test(gateway_session, prepared_statement_binary_row)
{
    vr_gw_server_t *srv = mem_server(0);
    vr_buf_t out = VR_BUF_INIT, cmd = VR_BUF_INIT;
    pkt_t pk[16];
    uint16_t np;
    vr_gw_session_t *s = login(srv, "app", "app", 0, NULL, &out);
    uint32_t id = prepare(s, "select ?", &out, &np);
    size_t n;

    cr_assert_eq(np, 1);
    cr_assert_eq(packets(&out, pk, 16), 3, "PREPARE_OK, one parameter, EOF");
    /* execute with 42 as a LONGLONG: the text becomes "select 42" */
    gw_put_u8(&cmd, GW_COM_STMT_EXECUTE);
    gw_put_u32(&cmd, id);
    gw_put_u8(&cmd, 0);
    gw_put_u32(&cmd, 1);
    gw_put_u8(&cmd, 0);    /* null bitmap */
    gw_put_u8(&cmd, 1);    /* new params bound */
    gw_put_u16(&cmd, VR_GW_TYPE_LONGLONG);
    gw_put_u64(&cmd, 42);
    feed_packet(s, 0, cmd.data, cmd.len);
    take(s, &out);
    n = packets(&out, pk, 16);
    cr_assert_eq(n, 5);
    cr_assert_eq(pk[3].n, 1 + 1 + 8, "binary row: header, bitmap, 8-byte integer");
    cr_assert(pk[3].p[0] == 0 && pk[3].p[1] == 0 && pk[3].p[2] == 42);
    /* again without types (kept from the first execute), value NULL via
     * the bitmap: "select NULL" is not a probe the handler answers */
    vr_buf_reset(&cmd);
    gw_put_u8(&cmd, GW_COM_STMT_EXECUTE);
    gw_put_u32(&cmd, 0xffffffffu); /* MariaDB: the last prepared statement */
    gw_put_u8(&cmd, 0);
    gw_put_u32(&cmd, 1);
    gw_put_u8(&cmd, 1);
    gw_put_u8(&cmd, 0);
    feed_packet(s, 0, cmd.data, cmd.len);
    take(s, &out);
    packets(&out, pk, 16);
    expect_err(&pk[0], 1235, "42000",
               "vrepl gateway: the built-in handler does not answer 'select NULL'");
    /* truncated parameters */
    vr_buf_reset(&cmd);
    gw_put_u8(&cmd, GW_COM_STMT_EXECUTE);
    gw_put_u32(&cmd, id);
    gw_put_u8(&cmd, 0);
    gw_put_u32(&cmd, 1);
    gw_put_u8(&cmd, 0);
    gw_put_u8(&cmd, 1);
    gw_put_u16(&cmd, VR_GW_TYPE_LONGLONG);
    gw_put_u32(&cmd, 42);
    feed_packet(s, 0, cmd.data, cmd.len);
    take(s, &out);
    packets(&out, pk, 16);
    expect_err(&pk[0], 1210, "HY000", "Incorrect arguments to mysqld_stmt_execute");
    /* close, then execute: unknown */
    vr_buf_reset(&cmd);
    gw_put_u8(&cmd, GW_COM_STMT_CLOSE);
    gw_put_u32(&cmd, id);
    feed_packet(s, 0, cmd.data, cmd.len);
    take(s, &out);
    cr_assert_eq(out.len, 0, "COM_STMT_CLOSE has no reply");
    cmd.data[0] = GW_COM_STMT_RESET;
    feed_packet(s, 0, cmd.data, cmd.len);
    take(s, &out);
    packets(&out, pk, 16);
    expect_err(&pk[0], 1243, "HY000", NULL);
    gw_mem_close(s);
    vr_gw_server_free(srv);
    vr_buf_free(&out);
    vr_buf_free(&cmd);
}

Test(gateway_session, long_data_and_set_option)
{
    vr_gw_server_t *srv = mem_server(0);
    vr_buf_t out = VR_BUF_INIT, cmd = VR_BUF_INIT;
    pkt_t pk[16];
    uint16_t np;
    vr_gw_session_t *s = login(srv, "app", "app", 0, NULL, &out);
    uint32_t id = prepare(s, "set @x = ?", &out, &np);

    gw_put_u8(&cmd, GW_COM_STMT_SEND_LONG_DATA);
    gw_put_u32(&cmd, id);
    gw_put_u16(&cmd, 0);
    vr_buf_puts(&cmd, "chunk");
    feed_packet(s, 0, cmd.data, cmd.len);
    take(s, &out);
    cr_assert_eq(out.len, 0, "no reply to long data");
    vr_buf_reset(&cmd);
    gw_put_u8(&cmd, GW_COM_STMT_EXECUTE);
    gw_put_u32(&cmd, id);
    gw_put_u8(&cmd, 0);
    gw_put_u32(&cmd, 1);
    gw_put_u8(&cmd, 0);
    gw_put_u8(&cmd, 1);
    gw_put_u16(&cmd, VR_GW_TYPE_BLOB);
    feed_packet(s, 0, cmd.data, cmd.len);
    take(s, &out);
    packets(&out, pk, 16);
    expect_ok(&pk[0], 1);
    cr_assert_str_eq(s->sqlbuf.data, "set @x = X'6368756e6b'");

    vr_buf_reset(&cmd);
    gw_put_u8(&cmd, GW_COM_SET_OPTION);
    gw_put_u16(&cmd, 1);
    feed_packet(s, 0, cmd.data, cmd.len);
    take(s, &out);
    packets(&out, pk, 16);
    cr_assert_eq(pk[0].p[0], 0xfe, "COM_SET_OPTION answers EOF");
    cr_assert(!s->multi_stmts);
    feed_packet(s, 0, "\x03select 1; select 2", 19);
    take(s, &out);
    packets(&out, pk, 16);
    expect_err(&pk[0], 1235, "42000", NULL); /* one statement, as the server would */
    gw_mem_close(s);
    vr_gw_server_free(srv);
    vr_buf_free(&out);
    vr_buf_free(&cmd);
}

Test(gateway_session, statistics_and_reset_connection)
{
    vr_gw_server_t *srv = mem_server(0);
    vr_buf_t out = VR_BUF_INIT;
    pkt_t pk[8];
    uint16_t np;
    vr_gw_session_t *s = login(srv, "app", "app", 0, NULL, &out);
    prepare(s, "select ?", &out, &np);
    cr_assert_eq(s->n_stmts, 1);
    feed_packet(s, 0, "\x09", 1);
    take(s, &out);
    packets(&out, pk, 8);
    cr_assert(pk[0].n > 7 && memcmp(pk[0].p, "Uptime:", 7) == 0);
    feed_packet(s, 0, "\x1f", 1);
    take(s, &out);
    packets(&out, pk, 8);
    expect_ok(&pk[0], 1);
    cr_assert_eq(s->n_stmts, 0, "COM_RESET_CONNECTION drops prepared statements");
    gw_mem_close(s);
    vr_gw_server_free(srv);
    vr_buf_free(&out);
}

/* A text result's rows as "a|b\n" lines (NULL as "NULL"); column names in
 * *names as "a|b". */
static void text_result(const vr_buf_t *out, vr_buf_t *names, vr_buf_t *rows)
{
    pkt_t pk[32];
    size_t n = packets(out, pk, 32), i, k, ncol;
    gw_rd_t r;
    cr_assert(n >= 3, "a result set");
    r = gw_rd(pk[0].p, pk[0].n);
    ncol = (size_t)gw_rd_lenenc(&r, NULL);
    vr_buf_reset(names);
    vr_buf_reset(rows);
    for (i = 0; i < ncol; i++) {
        size_t len;
        const uint8_t *name;
        r = gw_rd(pk[1 + i].p, pk[1 + i].n);
        for (k = 0; k < 4; k++)
            gw_rd_lenenc_str(&r, &len);
        name = gw_rd_lenenc_str(&r, &len);
        if (i)
            vr_buf_putc(names, '|');
        vr_buf_append(names, name, len);
    }
    for (i = 1 + ncol + 1; i + 1 < n; i++) {
        r = gw_rd(pk[i].p, pk[i].n);
        for (k = 0; k < ncol; k++) {
            bool is_null;
            size_t len;
            if (k)
                vr_buf_putc(rows, '|');
            if (*r.p == 0xfb) {
                gw_rd_lenenc(&r, &is_null);
                vr_buf_puts(rows, "NULL");
                continue;
            }
            {
                const uint8_t *v = gw_rd_lenenc_str(&r, &len);
                vr_buf_append(rows, v, len);
            }
        }
        vr_buf_putc(rows, '\n');
    }
    vr_buf_puts(names, "");
    vr_buf_puts(rows, "");
}

static void probe_is(vr_gw_session_t *s, const char *sql, const char *names,
                     const char *rows)
{
    vr_buf_t cmd = VR_BUF_INIT, out = VR_BUF_INIT, n = VR_BUF_INIT, r = VR_BUF_INIT;
    gw_put_u8(&cmd, GW_COM_QUERY);
    vr_buf_puts(&cmd, sql);
    feed_packet(s, 0, cmd.data, cmd.len);
    take(s, &out);
    text_result(&out, &n, &r);
    cr_assert_str_eq(n.data, names, "%s", sql);
    cr_assert_str_eq(r.data, rows, "%s", sql);
    vr_buf_free(&cmd);
    vr_buf_free(&out);
    vr_buf_free(&n);
    vr_buf_free(&r);
}

Test(gateway_session, builtin_connect_probes)
{
    vr_gw_server_t *srv = mem_server(0);
    vr_buf_t out = VR_BUF_INIT;
    pkt_t pk[4];
    vr_gw_session_t *s = login(srv, "app", "app", 0, NULL, &out);

    probe_is(s, "select @@version_comment limit 1", "@@version_comment", "vrepl gateway\n");
    probe_is(s, "SELECT  @@max_allowed_packet", "@@max_allowed_packet", "16777216\n");
    probe_is(s, "select database()", "database()", "NULL\n");
    probe_is(s, "select 1", "1", "1\n");
    probe_is(s, "select @@session.autocommit, @@tx_isolation, connection_id()",
             "@@session.autocommit|@@tx_isolation|connection_id()", "1|REPEATABLE-READ|1\n");
    probe_is(s, "select user(), version();", "user()|version()",
             "app@127.0.0.1|" VR_GW_SERVER_VERSION "\n");
    probe_is(s, "show warnings", "Level|Code|Message", "");
    feed_packet(s, 0, "\x03SET NAMES utf8mb4", 18);
    take(s, &out);
    packets(&out, pk, 4);
    expect_ok(&pk[0], 1);
    feed_packet(s, 0, "\x03set autocommit = 0", 19);
    take(s, &out);
    packets(&out, pk, 4);
    expect_ok(&pk[0], 1);
    cr_assert(!(s->status & VR_GW_STATUS_AUTOCOMMIT));
    feed_packet(s, 0, "\x03" "begin", 6);
    take(s, &out);
    packets(&out, pk, 4);
    cr_assert(pk[0].p[3] & VR_GW_STATUS_IN_TRANS, "OK after BEGIN says: in a transaction");
    feed_packet(s, 0, "\x03set autocommit = maybe", 23);
    take(s, &out);
    packets(&out, pk, 4);
    expect_err(&pk[0], 1231, "42000", NULL);
    feed_packet(s, 0, "\x03SET @@session.autocommit=1", 27);
    take(s, &out);
    packets(&out, pk, 4);
    expect_ok(&pk[0], 1);
    cr_assert(s->status & VR_GW_STATUS_AUTOCOMMIT);
    feed_packet(s, 0, "\x02shop", 5);
    take(s, &out);
    packets(&out, pk, 4);
    expect_ok(&pk[0], 1);
    probe_is(s, "select database()", "database()", "shop\n");
    gw_mem_close(s);
    vr_gw_server_free(srv);
    vr_buf_free(&out);
}
