/*
 * keyrange.c - keyranges and shard names with Vitess's semantics.
 *
 * A keyrange keeps the bytes of its bounds as they were written, so a
 * shard name survives a parse/format round trip ("0000-8000" stays
 * "0000-8000").  Every comparison normalizes first: trailing zero bytes
 * are dropped, so "80" == "8000", and a bound that normalizes to nothing
 * is open (Vitess key.Normalize / key.Compare).  A shard owns
 * [start, end) compared as unsigned bytes.
 *
 * Pure functions over caller-owned values; safe from any thread.
 */
#include "vr_keyrange.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vr_common.h"

#define KR_NAME_MAX (2 * 2 * VR_KEYRANGE_MAX_BYTES + 2)

/* Length of a bound once trailing zero bytes are dropped. */
static size_t norm_len(const uint8_t *p, size_t len)
{
    while (len > 0 && p[len - 1] == 0)
        len--;
    return len;
}

/* Unsigned byte compare of two normalized values (Vitess key.Compare). */
static int bytes_cmp(const uint8_t *a, size_t alen, const uint8_t *b, size_t blen)
{
    alen = norm_len(a, alen);
    blen = norm_len(b, blen);
    size_t n = alen < blen ? alen : blen;
    int c = n ? memcmp(a, b, n) : 0;
    if (c != 0)
        return c < 0 ? -1 : 1;
    return alen < blen ? -1 : (alen > blen ? 1 : 0);
}

static bool start_open(const vr_keyrange_t *kr)
{
    return norm_len(kr->start, kr->start_len) == 0;
}

static bool end_open(const vr_keyrange_t *kr)
{
    return norm_len(kr->end, kr->end_len) == 0;
}

/* Compare two start bounds (open = minimum). */
static int start_cmp(const vr_keyrange_t *a, const vr_keyrange_t *b)
{
    return bytes_cmp(a->start, a->start_len, b->start, b->start_len);
}

/* Compare two end bounds (open = maximum). */
static int end_cmp(const vr_keyrange_t *a, const vr_keyrange_t *b)
{
    bool ao = end_open(a), bo = end_open(b);
    if (ao || bo)
        return ao == bo ? 0 : (ao ? 1 : -1);
    return bytes_cmp(a->end, a->end_len, b->end, b->end_len);
}

/* Decode n hex digits of p into out; *outlen gets the byte count. */
static vr_code_t parse_bound(const char *input, const char *p, size_t n,
                             uint8_t *out, uint8_t *outlen, vr_error_t *err)
{
    if (n % 2 != 0)
        return vr_errorf(err, VR_INVALID,
                         "bad keyrange '%s': '%.*s' has an odd number of hex digits",
                         input, (int)n, p);
    if (n / 2 > VR_KEYRANGE_MAX_BYTES)
        return vr_errorf(err, VR_INVALID,
                         "bad keyrange '%s': a bound is longer than %d bytes",
                         input, VR_KEYRANGE_MAX_BYTES);
    for (size_t i = 0; i < n; i += 2) {
        int hi = vr_hex_value(p[i]), lo = vr_hex_value(p[i + 1]);
        if (hi < 0 || lo < 0)
            return vr_errorf(err, VR_INVALID, "bad keyrange '%s': '%.*s' is not hex",
                             input, (int)n, p);
        out[i / 2] = (uint8_t)(hi << 4 | lo);
    }
    *outlen = (uint8_t)(n / 2);
    return VR_OK;
}

vr_code_t vr_keyrange_parse(const char *s, vr_keyrange_t *out, vr_error_t *err)
{
    vr_keyrange_t kr;
    memset(&kr, 0, sizeof(kr));
    if (!s)
        s = "";
    const char *dash = strchr(s, '-');
    if (strcmp(s, "0") == 0) {
        *out = kr;
        return VR_OK;
    }
    if (!dash || strchr(dash + 1, '-'))
        return vr_errorf(err, VR_INVALID,
                         "bad keyrange '%s': expected \"0\", \"-\" or <hex>-<hex> "
                         "such as \"-80\", \"80-\", \"40-80\"", s);
    if (parse_bound(s, s, (size_t)(dash - s), kr.start, &kr.start_len, err) ||
        parse_bound(s, dash + 1, strlen(dash + 1), kr.end, &kr.end_len, err))
        return err ? err->code : VR_INVALID;
    if (!end_open(&kr) && bytes_cmp(kr.start, kr.start_len, kr.end, kr.end_len) >= 0)
        return vr_errorf(err, VR_INVALID, "bad keyrange '%s': start must be below end", s);
    *out = kr;
    return VR_OK;
}

static size_t put_hex(char *out, size_t size, size_t pos, const uint8_t *p, size_t n)
{
    static const char digits[] = "0123456789abcdef";
    for (size_t i = 0; i < n; i++) {
        if (pos + 2 >= size)
            break;
        out[pos++] = digits[p[i] >> 4];
        out[pos++] = digits[p[i] & 0xf];
    }
    return pos;
}

char *vr_keyrange_format(const vr_keyrange_t *kr, char *out, size_t size)
{
    if (!out || size == 0)
        return out;
    size_t pos = put_hex(out, size, 0, kr->start, kr->start_len);
    if (pos + 1 < size)
        out[pos++] = '-';
    pos = put_hex(out, size, pos, kr->end, kr->end_len);
    out[pos] = '\0';
    return out;
}

bool vr_keyrange_is_full(const vr_keyrange_t *kr)
{
    return start_open(kr) && end_open(kr);
}

bool vr_keyrange_equal(const vr_keyrange_t *a, const vr_keyrange_t *b)
{
    return start_cmp(a, b) == 0 && end_cmp(a, b) == 0;
}

bool vr_keyrange_contains(const vr_keyrange_t *kr, const uint8_t *kid, size_t len)
{
    if (!start_open(kr) && bytes_cmp(kid, len, kr->start, kr->start_len) < 0)
        return false;
    return end_open(kr) || bytes_cmp(kid, len, kr->end, kr->end_len) < 0;
}

bool vr_keyrange_intersects(const vr_keyrange_t *a, const vr_keyrange_t *b)
{
    /* Vitess key.KeyRangeIntersect */
    return (end_open(a) || bytes_cmp(b->start, b->start_len, a->end, a->end_len) < 0) &&
           (end_open(b) || bytes_cmp(a->start, a->start_len, b->end, b->end_len) < 0);
}

bool vr_keyrange_intersect(const vr_keyrange_t *a, const vr_keyrange_t *b,
                           vr_keyrange_t *out)
{
    if (!vr_keyrange_intersects(a, b))
        return false;
    const vr_keyrange_t *s = start_cmp(a, b) >= 0 ? a : b;
    const vr_keyrange_t *e = end_cmp(a, b) <= 0 ? a : b;
    vr_keyrange_t r;
    memset(&r, 0, sizeof(r));
    memcpy(r.start, s->start, s->start_len);
    r.start_len = s->start_len;
    memcpy(r.end, e->end, e->end_len);
    r.end_len = e->end_len;
    *out = r;
    return true;
}

/* ---- shard coverage ---- */

typedef struct shard_kr {
    const char *name;
    vr_keyrange_t kr;
} shard_kr_t;

static int shard_kr_cmp(const void *pa, const void *pb)
{
    const shard_kr_t *a = pa, *b = pb;
    int c = start_cmp(&a->kr, &b->kr);
    return c != 0 ? c : end_cmp(&a->kr, &b->kr);
}

/* The range [from.end, to.start) as a name; from/to NULL mean open. */
static void gap_name(const vr_keyrange_t *from, const vr_keyrange_t *to, char *out,
                     size_t size)
{
    vr_keyrange_t g;
    memset(&g, 0, sizeof(g));
    if (from) {
        memcpy(g.start, from->end, from->end_len);
        g.start_len = from->end_len;
    }
    if (to) {
        memcpy(g.end, to->start, to->start_len);
        g.end_len = to->start_len;
    }
    vr_keyrange_format(&g, out, size);
}

/* Walk shards sorted by start; the first gap or overlap is the error. */
static vr_code_t check_cover(const char *keyspace, const shard_kr_t *s, size_t n,
                             vr_error_t *err)
{
    char name[KR_NAME_MAX];
    for (size_t i = 0; i < n; i++) {
        const vr_keyrange_t *prev = i ? &s[i - 1].kr : NULL;
        int c = prev ? bytes_cmp(s[i].kr.start, s[i].kr.start_len, prev->end,
                                 prev->end_len)
                     : (start_open(&s[i].kr) ? 0 : 1);
        if (prev && end_open(prev))
            c = -1; /* the previous shard already reaches the end */
        if (c > 0) {
            gap_name(prev, &s[i].kr, name, sizeof(name));
            return vr_errorf(err, VR_INVALID, "shards of keyspace %s do not cover %s",
                             keyspace, name);
        }
        if (c < 0) {
            vr_keyrange_t ov;
            vr_keyrange_intersect(prev, &s[i].kr, &ov);
            return vr_errorf(err, VR_INVALID, "shards %s and %s of keyspace %s overlap on %s",
                             s[i - 1].name, s[i].name, keyspace,
                             vr_keyrange_format(&ov, name, sizeof(name)));
        }
    }
    if (!end_open(&s[n - 1].kr)) {
        gap_name(&s[n - 1].kr, NULL, name, sizeof(name));
        return vr_errorf(err, VR_INVALID, "shards of keyspace %s do not cover %s",
                         keyspace, name);
    }
    return VR_OK;
}

vr_code_t vr_keyrange_validate_shards(const char *keyspace,
                                      const char *const *shards, size_t n,
                                      vr_error_t *err)
{
    vr_code_t rc = VR_OK;
    shard_kr_t *s = NULL;
    if (n == 0)
        return vr_errorf(err, VR_INVALID, "keyspace %s has no shards", keyspace);
    s = vr_xcalloc(n, sizeof(*s));
    for (size_t i = 0; i < n; i++) {
        s[i].name = shards[i];
        rc = vr_keyrange_parse(shards[i], &s[i].kr, err);
        if (rc != VR_OK) {
            vr_error_prefix(err, "keyspace %s", keyspace);
            goto out;
        }
    }
    qsort(s, n, sizeof(*s), shard_kr_cmp);
    rc = check_cover(keyspace, s, n, err);
out:
    free(s);
    return rc;
}
