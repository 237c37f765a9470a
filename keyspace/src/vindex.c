/*
 * vindex.c - Vitess's functional vindexes, byte for byte.
 *
 * Every function here maps a value's MySQL text to the keyspace ID Vitess
 * computes for it, so shards built by Vitess keep their rows:
 *   hash          3DES-EDE/ECB with an all-zero key (= single DES with a
 *                 zero key, as Vitess has it) over the 8-byte big-endian
 *                 uint64 of the value; reversible by decryption
 *   numeric       the 8-byte big-endian uint64
 *   reverse_bits  the uint64 with its 64 bits reversed, big-endian
 *   binary        the bytes themselves; binary_md5 their MD5
 *   xxhash        XXH64 (seed 0) of the bytes, written little-endian
 *   unicode_loose_md5 / unicode_loose_xxhash
 *                 MD5 / little-endian XXH64 of the string's primary
 *                 collation weights (case and accent blind), computed the
 *                 way Vitess's go/mysql/collations/vindex does: trailing
 *                 spaces trimmed, then the CLDR 23 root table walked by a
 *                 port of x/text/collate's iterator (expansions,
 *                 contractions incl. discontiguous ones, NFKD
 *                 decompositions, implicit weights, combining-class
 *                 reordering).  The table is unicode_weights.c; code
 *                 points it does not carry are refused, never guessed.
 * Negative integers wrap to uint64 as Vitess's signed values do.
 *
 * Threads: every entry point is reentrant.  The 3DES contexts are kept
 * per thread (created on a thread's first hash call, freed at thread
 * exit); MD5 is the small RFC 1321 implementation below rather than
 * OpenSSL's EVP digests, which in OpenSSL 3.0 allocate on every init.  So
 * vr_vindex_map does not allocate per call; the collation iterator lives
 * on the stack and streams weights into the digest.
 */
#include "vr_vindex.h"

#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/err.h>
#include <openssl/evp.h>
#define XXH_STATIC_LINKING_ONLY
#include <xxhash.h>

#include "unicode_weights.h"

/* ------------------------------------------------------------------ */
/* Types                                                                */

typedef struct type_info {
    const char *name;
    bool unique;
    bool functional;
    int cost;
} type_info_t;

/* Costs and uniqueness as Vitess's vindexes report them. */
static const type_info_t TYPES[] = {
    [VR_VINDEX_HASH] = {"hash", true, true, 1},
    [VR_VINDEX_NUMERIC] = {"numeric", true, true, 0},
    [VR_VINDEX_REVERSE_BITS] = {"reverse_bits", true, true, 1},
    [VR_VINDEX_BINARY] = {"binary", true, true, 0},
    [VR_VINDEX_BINARY_MD5] = {"binary_md5", true, true, 1},
    [VR_VINDEX_XXHASH] = {"xxhash", true, true, 1},
    [VR_VINDEX_UNICODE_LOOSE_MD5] = {"unicode_loose_md5", true, true, 1},
    [VR_VINDEX_UNICODE_LOOSE_XXHASH] = {"unicode_loose_xxhash", true, true, 1},
    [VR_VINDEX_LOOKUP] = {"lookup", false, false, 20},
    [VR_VINDEX_LOOKUP_UNIQUE] = {"lookup_unique", true, false, 10},
    [VR_VINDEX_LOOKUP_HASH] = {"lookup_hash", false, false, 20},
    [VR_VINDEX_LOOKUP_HASH_UNIQUE] = {"lookup_hash_unique", true, false, 10},
    [VR_VINDEX_CONSISTENT_LOOKUP] = {"consistent_lookup", false, false, 20},
    [VR_VINDEX_CONSISTENT_LOOKUP_UNIQUE] = {"consistent_lookup_unique", true, false, 10},
};

#define NTYPES (sizeof(TYPES) / sizeof(TYPES[0]))

static const type_info_t *type_info(vr_vindex_type_t t)
{
    if ((unsigned)t >= NTYPES)
        return NULL;
    return &TYPES[t];
}

vr_code_t vr_vindex_type_parse(const char *name, vr_vindex_type_t *out, vr_error_t *err)
{
    for (size_t i = 0; name && i < NTYPES; i++) {
        if (strcmp(name, TYPES[i].name) == 0) {
            *out = (vr_vindex_type_t)i;
            return VR_OK;
        }
    }
    return vr_errorf(err, VR_INVALID, "unknown vindex type '%s'", name ? name : "(null)");
}

const char *vr_vindex_type_name(vr_vindex_type_t t)
{
    const type_info_t *ti = type_info(t);
    return ti ? ti->name : "unknown";
}

bool vr_vindex_type_is_unique(vr_vindex_type_t t)
{
    const type_info_t *ti = type_info(t);
    return ti && ti->unique;
}

bool vr_vindex_type_is_functional(vr_vindex_type_t t)
{
    const type_info_t *ti = type_info(t);
    return ti && ti->functional;
}

int vr_vindex_type_cost(vr_vindex_type_t t)
{
    const type_info_t *ti = type_info(t);
    return ti ? ti->cost : -1;
}

/* ------------------------------------------------------------------ */
/* Error text helpers                                                   */

#define SHOW_MAX 64 /* bytes of a value quoted in an error */

/* Quote a value for an error message: control bytes, quotes and (when
 * escape_high) bytes >= 0x80 as \xNN; long values cut with "...". */
static const char *show_value(char *buf, size_t size, const uint8_t *v, size_t len,
                              bool escape_high)
{
    size_t o = 0, n = len > SHOW_MAX ? SHOW_MAX : len;
    if (!escape_high)
        while (n < len && n > 0 && (v[n] & 0xC0) == 0x80)
            n--; /* do not cut a UTF-8 sequence */
    for (size_t i = 0; i < n && o + 5 < size; i++) {
        uint8_t c = v[i];
        if (c < 0x20 || c == 0x7f || c == '\'' || c == '\\' || (escape_high && c >= 0x80))
            o += (size_t)snprintf(buf + o, size - o, "\\x%02x", c);
        else
            buf[o++] = (char)c;
    }
    if (n < len && o + 4 < size) {
        memcpy(buf + o, "...", 3);
        o += 3;
    }
    buf[o < size ? o : size - 1] = '\0';
    return buf;
}

static const char *show_hex(char *buf, size_t size, const uint8_t *v, size_t len)
{
    size_t o = 0;
    for (size_t i = 0; i < len && o + 3 <= size; i++)
        o += (size_t)snprintf(buf + o, size - o, "%02x", v[i]);
    buf[o < size ? o : size - 1] = '\0';
    return buf;
}

static vr_code_t openssl_error(vr_error_t *err, const char *what)
{
    char msg[256];
    unsigned long e = ERR_get_error();
    ERR_error_string_n(e, msg, sizeof(msg));
    ERR_clear_error();
    return vr_errorf(err, VR_INTERNAL, "%s: %s", what, e ? msg : "unknown OpenSSL error");
}

/* ------------------------------------------------------------------ */
/* Integers                                                             */

static void put_be64(uint8_t *out, uint64_t v)
{
    for (int i = 7; i >= 0; i--) {
        out[i] = (uint8_t)v;
        v >>= 8;
    }
}

static uint64_t get_be64(const uint8_t *p)
{
    uint64_t v = 0;
    for (int i = 0; i < 8; i++)
        v = v << 8 | p[i];
    return v;
}

static uint64_t reverse64(uint64_t v)
{
    uint64_t r = 0;
    for (int i = 0; i < 64; i++) {
        r = r << 1 | (v & 1);
        v >>= 1;
    }
    return r;
}

/* Parse MySQL integer text: [-]digits.  Unsigned up to 2^64-1; negative
 * down to -2^63, returned wrapped (two's complement) as Vitess does. */
static vr_code_t parse_u64(vr_vindex_type_t t, const uint8_t *v, size_t len, uint64_t *out,
                           vr_error_t *err)
{
    char shown[SHOW_MAX * 4 + 8];
    bool neg = len > 0 && v[0] == '-';
    size_t i = neg ? 1 : 0;
    uint64_t n = 0;

    if (i == len)
        goto bad;
    for (; i < len; i++) {
        if (v[i] < '0' || v[i] > '9')
            goto bad;
        unsigned d = (unsigned)(v[i] - '0');
        if (n > (UINT64_MAX - d) / 10)
            goto range;
        n = n * 10 + d;
    }
    if (neg && n > (uint64_t)INT64_MAX + 1)
        goto range;
    *out = neg ? (uint64_t)0 - n : n;
    return VR_OK;
bad:
    return vr_errorf(err, VR_INVALID, "%s: could not parse value '%s' as an integer",
                     vr_vindex_type_name(t), show_value(shown, sizeof(shown), v, len, true));
range:
    return vr_errorf(err, VR_INVALID, "%s: value '%s' is out of range for a 64-bit integer",
                     vr_vindex_type_name(t), show_value(shown, sizeof(shown), v, len, true));
}

/* ------------------------------------------------------------------ */
/* Per-thread OpenSSL state                                             */

typedef struct crypto_tls {
    EVP_CIPHER_CTX *enc; /* DES-EDE3-ECB, zero key, no padding */
    EVP_CIPHER_CTX *dec;
} crypto_tls_t;

static pthread_once_t crypto_once = PTHREAD_ONCE_INIT;
static pthread_key_t crypto_key;
static bool crypto_key_ok;
static EVP_CIPHER *des3_cipher; /* fetched once, kept for the process */

static void crypto_tls_free(void *p)
{
    crypto_tls_t *st = p;
    if (!st)
        return;
    EVP_CIPHER_CTX_free(st->enc);
    EVP_CIPHER_CTX_free(st->dec);
    free(st);
}

static void crypto_init(void)
{
    des3_cipher = EVP_CIPHER_fetch(NULL, "DES-EDE3-ECB", NULL);
    crypto_key_ok = pthread_key_create(&crypto_key, crypto_tls_free) == 0;
}

static bool cipher_setup(EVP_CIPHER_CTX *c, int enc)
{
    static const unsigned char zero_key[24];
    return c && EVP_CipherInit_ex2(c, des3_cipher, zero_key, NULL, enc, NULL) == 1 &&
           EVP_CIPHER_CTX_set_padding(c, 0) == 1;
}

static crypto_tls_t *crypto_tls_new(void)
{
    crypto_tls_t *st = calloc(1, sizeof(*st));
    if (!st)
        return NULL;
    st->enc = EVP_CIPHER_CTX_new();
    st->dec = EVP_CIPHER_CTX_new();
    if (!cipher_setup(st->enc, 1) || !cipher_setup(st->dec, 0) ||
        pthread_setspecific(crypto_key, st) != 0) {
        crypto_tls_free(st);
        return NULL;
    }
    return st;
}

static vr_code_t crypto_get(crypto_tls_t **out, vr_error_t *err)
{
    pthread_once(&crypto_once, crypto_init);
    if (!des3_cipher || !crypto_key_ok)
        return openssl_error(err, "hash: DES-EDE3-ECB unavailable in OpenSSL");
    crypto_tls_t *st = pthread_getspecific(crypto_key);
    if (!st && !(st = crypto_tls_new()))
        return openssl_error(err, "hash: cannot set up the 3DES contexts");
    *out = st;
    return VR_OK;
}

/* One 8-byte block through the thread's ECB context.  With padding off
 * and whole blocks, ECB keeps no state between calls. */
static vr_code_t des3_block(bool encrypt, const uint8_t in[8], uint8_t out[8], vr_error_t *err)
{
    crypto_tls_t *st = NULL;
    int n = 0;
    vr_code_t rc = crypto_get(&st, err);
    if (rc != VR_OK)
        return rc;
    EVP_CIPHER_CTX *c = encrypt ? st->enc : st->dec;
    if (EVP_CipherUpdate(c, out, &n, in, 8) != 1 || n != 8)
        return openssl_error(err, "hash: 3DES failed");
    return VR_OK;
}

/* ------------------------------------------------------------------ */
/* MD5 (RFC 1321)                                                       */

typedef struct md5 {
    uint32_t h[4];
    uint64_t total; /* bytes hashed */
    uint8_t buf[64];
    size_t n; /* bytes waiting in buf */
} md5_t;

static const uint32_t MD5_K[64] = {
    0xd76aa478, 0xe8c7b756, 0x242070db, 0xc1bdceee, 0xf57c0faf, 0x4787c62a, 0xa8304613,
    0xfd469501, 0x698098d8, 0x8b44f7af, 0xffff5bb1, 0x895cd7be, 0x6b901122, 0xfd987193,
    0xa679438e, 0x49b40821, 0xf61e2562, 0xc040b340, 0x265e5a51, 0xe9b6c7aa, 0xd62f105d,
    0x02441453, 0xd8a1e681, 0xe7d3fbc8, 0x21e1cde6, 0xc33707d6, 0xf4d50d87, 0x455a14ed,
    0xa9e3e905, 0xfcefa3f8, 0x676f02d9, 0x8d2a4c8a, 0xfffa3942, 0x8771f681, 0x6d9d6122,
    0xfde5380c, 0xa4beea44, 0x4bdecfa9, 0xf6bb4b60, 0xbebfbc70, 0x289b7ec6, 0xeaa127fa,
    0xd4ef3085, 0x04881d05, 0xd9d4d039, 0xe6db99e5, 0x1fa27cf8, 0xc4ac5665, 0xf4292244,
    0x432aff97, 0xab9423a7, 0xfc93a039, 0x655b59c3, 0x8f0ccc92, 0xffeff47d, 0x85845dd1,
    0x6fa87e4f, 0xfe2ce6e0, 0xa3014314, 0x4e0811a1, 0xf7537e82, 0xbd3af235, 0x2ad7d2bb,
    0xeb86d391,
};

static const uint8_t MD5_S[16] = {7, 12, 17, 22, 5, 9, 14, 20, 4, 11, 16, 23, 6, 10, 15, 21};

static void md5_init(md5_t *m)
{
    m->h[0] = 0x67452301;
    m->h[1] = 0xefcdab89;
    m->h[2] = 0x98badcfe;
    m->h[3] = 0x10325476;
    m->total = 0;
    m->n = 0;
}

static uint32_t rotl32(uint32_t x, unsigned c)
{
    return x << c | x >> (32 - c);
}

static void md5_block(md5_t *m, const uint8_t *p)
{
    uint32_t w[16], a = m->h[0], b = m->h[1], c = m->h[2], d = m->h[3];
    for (int i = 0; i < 16; i++)
        w[i] = (uint32_t)p[4 * i] | (uint32_t)p[4 * i + 1] << 8 | (uint32_t)p[4 * i + 2] << 16 |
               (uint32_t)p[4 * i + 3] << 24;
    for (unsigned i = 0; i < 64; i++) {
        uint32_t f;
        unsigned g;
        if (i < 16)
            f = (b & c) | (~b & d), g = i;
        else if (i < 32)
            f = (d & b) | (~d & c), g = (5 * i + 1) & 15;
        else if (i < 48)
            f = b ^ c ^ d, g = (3 * i + 5) & 15;
        else
            f = c ^ (b | ~d), g = (7 * i) & 15;
        f += a + MD5_K[i] + w[g];
        a = d;
        d = c;
        c = b;
        b += rotl32(f, MD5_S[(i >> 4) * 4 + (i & 3)]);
    }
    m->h[0] += a;
    m->h[1] += b;
    m->h[2] += c;
    m->h[3] += d;
}

static void md5_update(md5_t *m, const uint8_t *p, size_t len)
{
    m->total += len;
    while (len > 0) {
        size_t k = 64 - m->n < len ? 64 - m->n : len;
        memcpy(m->buf + m->n, p, k);
        m->n += k;
        p += k;
        len -= k;
        if (m->n == 64) {
            md5_block(m, m->buf);
            m->n = 0;
        }
    }
}

static void md5_final(md5_t *m, uint8_t out[16])
{
    uint64_t bits = m->total * 8;
    uint8_t pad[72] = {0x80};
    size_t padlen = (m->n < 56 ? 56 : 120) - m->n;
    for (int i = 0; i < 8; i++)
        pad[padlen + (size_t)i] = (uint8_t)(bits >> (8 * i));
    md5_update(m, pad, padlen + 8);
    for (int i = 0; i < 16; i++)
        out[i] = (uint8_t)(m->h[i / 4] >> (8 * (i % 4)));
}

/* ------------------------------------------------------------------ */
/* Weight sinks: where the unicode_loose_* weight string goes           */

typedef enum { SINK_MD5, SINK_XXH64, SINK_BUF } sink_kind_t;

typedef struct key_sink {
    sink_kind_t kind;
    md5_t md5;
    XXH64_state_t xxh;
    vr_buf_t *buf;
    uint8_t scratch[64];
    size_t pos;
} key_sink_t;

static void sink_flush(key_sink_t *s)
{
    if (s->pos == 0)
        return;
    if (s->kind == SINK_MD5)
        md5_update(&s->md5, s->scratch, s->pos);
    else if (s->kind == SINK_XXH64)
        XXH64_update(&s->xxh, s->scratch, s->pos);
    else
        vr_buf_append(s->buf, s->scratch, s->pos);
    s->pos = 0;
}

/* Append one primary weight as x/text's collation key does: two bytes up
 * to 0x7FFF, else three with the top bit set. */
static void sink_primary(key_sink_t *s, uint32_t w)
{
    if (w == 0)
        return;
    if (sizeof(s->scratch) - s->pos < 3)
        sink_flush(s);
    if (w <= 0x7FFF) {
        s->scratch[s->pos++] = (uint8_t)(w >> 8);
        s->scratch[s->pos++] = (uint8_t)w;
    } else {
        s->scratch[s->pos++] = (uint8_t)(w >> 16 | 0x80);
        s->scratch[s->pos++] = (uint8_t)(w >> 8);
        s->scratch[s->pos++] = (uint8_t)w;
    }
}

/* ------------------------------------------------------------------ */
/* UTF-8                                                                */

/* Decode one code point as Go's utf8 package does; 0 for invalid input
 * (bad lead or continuation byte, overlong form, surrogate, > U+10FFFF). */
static size_t utf8_decode(const uint8_t *s, size_t len, uint32_t *cp)
{
    uint8_t c = s[0];
    size_t n;
    uint32_t v, min;

    if (c < 0x80) {
        *cp = c;
        return 1;
    }
    if (c >= 0xC2 && c <= 0xDF)
        n = 2, v = c & 0x1F, min = 0x80;
    else if (c >= 0xE0 && c <= 0xEF)
        n = 3, v = c & 0x0F, min = 0x800;
    else if (c >= 0xF0 && c <= 0xF4)
        n = 4, v = c & 0x07, min = 0x10000;
    else
        return 0;
    if (len < n)
        return 0;
    for (size_t i = 1; i < n; i++) {
        if ((s[i] & 0xC0) != 0x80)
            return 0;
        v = v << 6 | (s[i] & 0x3F);
    }
    if (v < min || v > 0x10FFFF || (v >= 0xD800 && v <= 0xDFFF))
        return 0;
    *cp = v;
    return n;
}

/* ------------------------------------------------------------------ */
/* Collation elements (x/text/internal/colltab's Elem)                  */

enum { CE_NORMAL, CE_CONTRACTION, CE_EXPANSION, CE_DECOMPOSE };

#define UCA_MAX_COMBINING 30 /* maxCombiningCharacters */
#define UCA_SEGMENT_MAX 128  /* norm.MaxSegmentSize */
#define UCA_MAX_ELEMS 1024   /* far above what one segment can produce */

static int elem_type(uint32_t ce)
{
    if (ce <= 0xAFFFFFFFu)
        return CE_NORMAL;
    if (ce <= 0xDFFFFFFFu)
        return CE_CONTRACTION;
    if (ce <= 0xEFFFFFFFu)
        return CE_EXPANSION;
    return CE_DECOMPOSE;
}

static uint32_t elem_primary(uint32_t ce)
{
    if (ce >= 0x80000000u)
        return ce > 0xA0000000u ? 0 : (ce & 0xFFFF);
    return (ce & 0x3FFFFE00u) >> 9;
}

static uint8_t elem_ccc(uint32_t ce)
{
    if (!(ce & 0x80000000u))
        return 0;
    if ((ce & 0xA0000000u) == 0x80000000u)
        return (uint8_t)(ce >> 16);
    return (uint8_t)(ce >> 20);
}

/* Elem.updateTertiary; kept exact because turning a type-1 element into
 * type 2 moves its secondary next to the primary bits. */
static uint32_t elem_update_tertiary(uint32_t ce, uint8_t t)
{
    if ((ce & 0xC0000000u) == 0x40000000u) {
        uint32_t nce = ce & 0x3FFFFE00u;
        nce |= (uint32_t)(uint8_t)((uint8_t)ce - (0x20 - 4)) << 5;
        ce = nce;
    } else if ((ce & 0xE0000000u) == 0x80000000u) {
        ce &= ~((uint32_t)0x1F << 24);
        return ce | (uint32_t)t << 24;
    } else {
        ce &= ~(uint32_t)0x1F;
    }
    return ce | t;
}

/* Go's unicode.Is(unicode.Ideographic, r) for the BMP (Unicode 15). */
static bool is_ideographic(uint32_t r)
{
    static const uint32_t ranges[][2] = {
        {0x3006, 0x3007}, {0x3021, 0x3029}, {0x3038, 0x303A}, {0x3400, 0x4DBF},
        {0x4E00, 0x9FFF}, {0xF900, 0xFA6D}, {0xFA70, 0xFAD9},
    };
    for (size_t i = 0; i < sizeof(ranges) / sizeof(ranges[0]); i++)
        if (r >= ranges[i][0] && r <= ranges[i][1])
            return true;
    return false;
}

/* makeImplicitCE(implicitPrimary(r)) */
static uint32_t implicit_elem(uint32_t r)
{
    uint32_t p;
    if (is_ideographic(r))
        p = (r >= 0x4E00 && r <= 0x9FFF) || (r >= 0xF900 && r <= 0xFAFF) ? r + 0x10000
                                                                         : r + 0x20000;
    else
        p = r + 0x50000;
    return 0x40000000u | p << 9 | 0x20;
}

/* The element of cp as Vitess's trie holds it; false when this build
 * has no exact weight for cp. */
static bool uca_lookup(uint32_t cp, uint32_t *ce)
{
    if (cp >= 0x10000)
        return false;
    uint16_t pg = vr_uca_page[cp >> 6];
    if (pg == VR_UCA_PAGE_ABSENT)
        return false;
    if (pg == VR_UCA_PAGE_IMPLICIT) {
        *ce = 0;
        return true;
    }
    if ((size_t)(pg - 2) >= vr_uca_nblocks)
        return false;
    uint32_t v = vr_uca_block[pg - 2][cp & 63];
    if (v == VR_UCA_MISSING)
        return false;
    *ce = v;
    return true;
}

static const vr_uca_ccc_t *uca_ccc(uint32_t cp)
{
    size_t lo = 0, hi = vr_uca_ccc_len;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (vr_uca_ccc[mid].cp == cp)
            return &vr_uca_ccc[mid];
        if (vr_uca_ccc[mid].cp < cp)
            lo = mid + 1;
        else
            hi = mid;
    }
    return NULL;
}

static const vr_uca_decomp_t *uca_decomp(uint32_t cp)
{
    size_t lo = 0, hi = vr_uca_decomp_len;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (vr_uca_decomp[mid].cp == cp)
            return &vr_uca_decomp[mid];
        if (vr_uca_decomp[mid].cp < cp)
            lo = mid + 1;
        else
            hi = mid;
    }
    return NULL;
}

/* norm.NFD.Properties of the rune at s: size, lead and trail ccc. */
typedef struct nfd_props {
    size_t size;
    uint8_t lead, trail, nlead;
} nfd_props_t;

static nfd_props_t nfd_props(const uint8_t *s, size_t len)
{
    nfd_props_t p = {0, 0, 0, 0};
    uint32_t cp = 0;
    p.size = utf8_decode(s, len, &cp);
    if (p.size == 0)
        p.size = 1;
    const vr_uca_ccc_t *c = uca_ccc(cp);
    if (c) {
        p.lead = c->lead;
        p.trail = c->trail;
        p.nlead = c->nlead;
    }
    return p;
}

/* norm.NFD.FirstBoundary: offset of the first segment start in s (a
 * rune beginning with a starter, or the 31st non-starter), or len when
 * there is none (both leave the caller's limit unchanged). */
static size_t nfd_first_boundary(const uint8_t *s, size_t len)
{
    unsigned nonstarters = 0;
    for (size_t i = 0; i < len;) {
        nfd_props_t p = nfd_props(s + i, len - i);
        nonstarters += p.nlead;
        if (nonstarters > UCA_MAX_COMBINING || p.nlead == 0)
            return i;
        i += p.size;
    }
    return len;
}

/* ------------------------------------------------------------------ */
/* Collation iterator (x/text/internal/colltab's Table and Iter)        */

typedef struct uca_iter {
    uint32_t e[UCA_MAX_ELEMS];
    size_t n;    /* elements held (len(Elems)) */
    size_t done; /* leading elements final (Iter.N) */
    const uint8_t *s;
    size_t len;
    size_t next; /* byte offset of the first rune not yet weighed */
    bool overflow;
} uca_iter_t;

static void push(uca_iter_t *it, uint32_t ce)
{
    if (it->n < UCA_MAX_ELEMS)
        it->e[it->n++] = ce;
    else
        it->overflow = true;
}

static void append_expansion(uca_iter_t *it, uint32_t ce)
{
    size_t i = ce & 0xFFFF;
    if (i >= vr_uca_expand_len || i + 1 + vr_uca_expand[i] > vr_uca_expand_len) {
        it->overflow = true;
        return;
    }
    for (size_t k = 0; k < vr_uca_expand[i]; k++)
        push(it, vr_uca_expand[i + 1 + k]);
}

/* ctScanner over the contraction tries. */
typedef struct ct_scanner {
    size_t states; /* index of the current node set */
    size_t n;      /* nodes in it */
    const uint8_t *s;
    size_t len;
    size_t index;  /* result offset matched so far */
    size_t pindex; /* bytes consumed by that match */
    bool done;
} ct_scanner_t;

static size_t ct_scan(ct_scanner_t *sc, size_t p)
{
    size_t pr = p, states = sc->states, n = sc->n;
    for (size_t i = 0; i < n && p < sc->len;) {
        if (states + i >= vr_uca_ctentries_len)
            break;
        const vr_uca_ctentry_t *e = &vr_uca_ctentries[states + i];
        uint8_t c = sc->s[p];
        if (c >= e->lo) {
            if (c == e->lo) {
                p++;
                if (e->index != 0xFF) {
                    sc->index = e->index;
                    sc->pindex = p;
                }
                if (e->n == 0) {
                    sc->done = true;
                    return p;
                }
                states += e->hi + n;
                n = e->n;
                i = 0;
                if (p >= sc->len || (sc->s[p] & 0xC0) != 0x80) {
                    sc->states = states;
                    sc->n = n;
                    pr = p;
                }
                continue;
            }
            if (e->n == 0 && c <= e->hi) {
                p++;
                sc->done = true;
                sc->index = (size_t)(c - e->lo) + e->index;
                sc->pindex = p;
                return p;
            }
        }
        i++;
    }
    return pr;
}

static size_t append_next(uca_iter_t *it, const uint8_t *src, size_t len);

/* The discontiguous part of matchContraction: skip non-blocked
 * non-starters after the starter, collecting the ones jumped over. */
static void ct_skip_nonstarters(ct_scanner_t *sc, const uint8_t *suffix, size_t len, size_t p,
                                uint8_t *buf, size_t *bufp)
{
    size_t p0 = p, bufn = 0;
    nfd_props_t r = nfd_props(suffix + p, len - p);
    p += r.size;
    if (r.lead == 0)
        return;
    uint8_t prev = r.trail;
    size_t end = nfd_first_boundary(suffix + p, len - p);
    sc->len = p + end;
    while (p < len && !sc->done && suffix[p] >= 0x80) {
        r = nfd_props(suffix + p, len - p);
        if (r.lead == 0 || prev >= r.lead)
            break;
        prev = r.trail;
        size_t pp = ct_scan(sc, p);
        if (pp != p) {
            size_t k = p - p0;
            if (k > UCA_SEGMENT_MAX - bufn)
                k = UCA_SEGMENT_MAX - bufn;
            memcpy(buf + bufn, suffix + p0, k);
            bufn += k;
            if (sc->pindex == pp)
                *bufp = bufn;
            p = p0 = pp;
        } else {
            p += r.size;
        }
    }
}

/* Table.matchContraction: weights of the longest contraction starting
 * with the rune just read (its element ce); returns bytes of suffix used. */
static size_t match_contraction(uca_iter_t *it, uint32_t ce, const uint8_t *suffix, size_t len)
{
    ct_scanner_t sc = {.states = (ce >> 4) & 0xFFF, .n = ce & 0xF, .s = suffix, .len = len};
    size_t offset = (ce >> 16) & 0x1FFF;
    uint8_t buf[UCA_SEGMENT_MAX];
    size_t bufp = 0;

    size_t p = ct_scan(&sc, 0);
    if (!sc.done && p < len && suffix[p] >= 0x80)
        ct_skip_nonstarters(&sc, suffix, len, p, buf, &bufp);
    if (offset + sc.index >= vr_uca_contract_len) {
        it->overflow = true;
        return sc.pindex;
    }
    uint32_t m = vr_uca_contract[offset + sc.index];
    if (elem_type(m) == CE_NORMAL)
        push(it, m);
    else
        append_expansion(it, m);
    for (size_t q = 0; q < bufp;)
        q += append_next(it, buf + q, bufp - q);
    return sc.pindex;
}

/* ceDecompose: weigh the NFKD decomposition, then fix tertiaries. */
static void append_decomposed(uca_iter_t *it, uint32_t cp, uint32_t ce)
{
    const vr_uca_decomp_t *d = uca_decomp(cp);
    size_t i = it->n;
    if (!d) {
        it->overflow = true;
        return;
    }
    const uint8_t *s = vr_uca_decomp_pool + d->off;
    for (size_t q = 0; q < d->len;)
        q += append_next(it, s + q, d->len - q);
    if (i >= it->n)
        return;
    it->e[i] = elem_update_tertiary(it->e[i], (uint8_t)ce);
    if (++i < it->n) {
        it->e[i] = elem_update_tertiary(it->e[i], (uint8_t)(ce >> 8));
        for (i++; i < it->n; i++)
            it->e[i] = elem_update_tertiary(it->e[i], 0x1F);
    }
}

/* Table.AppendNext: weights of the rune (or contraction) at src; returns
 * the bytes consumed (always >= 1). */
static size_t append_next(uca_iter_t *it, const uint8_t *src, size_t len)
{
    uint32_t cp = 0, ce = 0;
    size_t sz = utf8_decode(src, len, &cp);
    if (sz == 0 || !uca_lookup(cp, &ce)) { /* validated beforehand */
        it->overflow = true;
        return sz ? sz : 1;
    }
    switch (elem_type(ce)) {
    case CE_NORMAL:
        push(it, ce ? ce : implicit_elem(cp));
        break;
    case CE_EXPANSION:
        append_expansion(it, ce);
        break;
    case CE_CONTRACTION:
        sz += match_contraction(it, ce, src + sz, len - sz);
        break;
    case CE_DECOMPOSE:
        append_decomposed(it, cp, ce);
        break;
    default:
        it->overflow = true;
        break;
    }
    return sz;
}

static bool iter_append_next(uca_iter_t *it)
{
    if (it->next >= it->len)
        return false;
    size_t before = it->n;
    it->next += append_next(it, it->s + it->next, it->len - it->next);
    if (it->n == before) /* every rune yields an element; guard anyway */
        push(it, 0);
    return true;
}

static void reverse_elems(uint32_t *e, size_t a, size_t b)
{
    for (; a + 1 < b; a++, b--) {
        uint32_t t = e[a];
        e[a] = e[b - 1];
        e[b - 1] = t;
    }
}

/* Iter.doNorm: move the elements from p on before the preceding ones
 * with a higher combining class. */
static void iter_do_norm(uca_iter_t *it, size_t p, uint8_t ccc)
{
    size_t k = p;
    for (p--; p > it->done && ccc < elem_ccc(it->e[p - 1]); p--)
        ;
    reverse_elems(it->e, p, k);
    reverse_elems(it->e, k, it->n);
    reverse_elems(it->e, p, it->n);
}

/* Iter.Next: make it->done leading elements final (in canonical order). */
static bool iter_next(uca_iter_t *it)
{
    if (it->done == it->n && !iter_append_next(it))
        return false;
    uint8_t prev = elem_ccc(it->e[it->n - 1]);
    if (prev == 0) {
        it->done = it->n;
        return true;
    }
    if (elem_ccc(it->e[it->done]) == 0) {
        for (it->done++; it->done < it->n && elem_ccc(it->e[it->done]) == 0; it->done++)
            ;
        return true;
    }
    for (;;) {
        size_t p = it->n;
        if (!iter_append_next(it))
            break;
        uint8_t ccc = elem_ccc(it->e[p]);
        if (ccc == 0 || it->n - it->done > UCA_MAX_COMBINING) {
            it->done = p;
            return true;
        }
        if (ccc < prev)
            iter_do_norm(it, p, ccc);
        else
            prev = ccc;
    }
    bool more = it->n != it->done;
    it->done = it->n;
    return more;
}

static void iter_discard(uca_iter_t *it)
{
    memmove(it->e, it->e + it->done, (it->n - it->done) * sizeof(it->e[0]));
    it->n -= it->done;
    it->done = 0;
}

/* Check the text is UTF-8 and that every code point has an exact weight. */
static vr_code_t unicode_check(vr_vindex_type_t t, const uint8_t *v, size_t len,
                               vr_error_t *err)
{
    char shown[SHOW_MAX * 4 + 8];
    for (size_t i = 0; i < len;) {
        uint32_t cp = 0, ce;
        size_t n = utf8_decode(v + i, len - i, &cp);
        if (n == 0)
            return vr_errorf(err, VR_INVALID,
                             "%s: cannot normalize string containing invalid UTF-8: '%s'",
                             vr_vindex_type_name(t),
                             show_value(shown, sizeof(shown), v, len, true));
        if (!uca_lookup(cp, &ce))
            return vr_errorf(err, VR_UNSUPPORTED,
                             "%s: no collation weight for U+%04" PRIX32 " in '%s' (this "
                             "build weighs %s)",
                             vr_vindex_type_name(t), cp,
                             show_value(shown, sizeof(shown), v, len, false), vr_uca_coverage);
        i += n;
    }
    return VR_OK;
}

/* The collation key Vitess hashes: primary weights of the text with its
 * trailing spaces trimmed, streamed into sink. */
static vr_code_t unicode_key(vr_vindex_type_t t, const uint8_t *v, size_t len, key_sink_t *sink,
                             vr_error_t *err)
{
    uca_iter_t it;
    vr_code_t rc = unicode_check(t, v, len, err);
    if (rc != VR_OK)
        return rc;
    while (len > 0 && v[len - 1] == ' ')
        len--;
    it.n = it.done = it.next = 0;
    it.s = v;
    it.len = len;
    it.overflow = false;
    while (iter_next(&it)) {
        for (size_t k = 0; k < it.done; k++)
            sink_primary(sink, elem_primary(it.e[k]));
        iter_discard(&it);
    }
    sink_flush(sink);
    if (it.overflow)
        return vr_errorf(err, VR_INTERNAL, "%s: collation of a %zu-byte value overflowed",
                         vr_vindex_type_name(t), len);
    return VR_OK;
}

vr_code_t vr_vindex_unicode_weights(const uint8_t *val, size_t len, vr_buf_t *out,
                                    vr_error_t *err)
{
    key_sink_t sink = {.kind = SINK_BUF, .buf = out};
    if (!val && len)
        return vr_errorf(err, VR_INVALID, "unicode weights: NULL value");
    return unicode_key(VR_VINDEX_UNICODE_LOOSE_MD5, val ? val : (const uint8_t *)"", len,
                       &sink, err);
}

/* ------------------------------------------------------------------ */
/* Mapping                                                              */

static void put_le64(uint8_t *out, uint64_t v)
{
    for (int i = 0; i < 8; i++) {
        out[i] = (uint8_t)v;
        v >>= 8;
    }
}

static vr_code_t map_integer(vr_vindex_type_t t, const uint8_t *val, size_t len, uint8_t *out,
                             size_t *outlen, vr_error_t *err)
{
    uint64_t u;
    uint8_t be[8];
    vr_code_t rc = parse_u64(t, val, len, &u, err);
    if (rc != VR_OK)
        return rc;
    *outlen = 8;
    if (t == VR_VINDEX_NUMERIC) {
        put_be64(out, u);
        return VR_OK;
    }
    if (t == VR_VINDEX_REVERSE_BITS) {
        put_be64(out, reverse64(u));
        return VR_OK;
    }
    put_be64(be, u);
    return des3_block(true, be, out, err);
}

static vr_code_t map_unicode(vr_vindex_type_t t, const uint8_t *val, size_t len, uint8_t *out,
                             size_t *outlen, vr_error_t *err)
{
    key_sink_t sink = {.kind = t == VR_VINDEX_UNICODE_LOOSE_MD5 ? SINK_MD5 : SINK_XXH64};
    vr_code_t rc;
    if (sink.kind == SINK_MD5)
        md5_init(&sink.md5);
    else
        XXH64_reset(&sink.xxh, 0);
    if ((rc = unicode_key(t, val, len, &sink, err)) != VR_OK)
        return rc;
    if (sink.kind == SINK_MD5) {
        md5_final(&sink.md5, out);
        *outlen = 16;
    } else {
        put_le64(out, XXH64_digest(&sink.xxh));
        *outlen = 8;
    }
    return VR_OK;
}

static vr_code_t map_bytes(vr_vindex_type_t t, const uint8_t *val, size_t len, uint8_t *out,
                           size_t *outlen, vr_error_t *err)
{
    md5_t md5;
    switch (t) {
    case VR_VINDEX_BINARY:
        if (len > VR_KEYSPACE_ID_MAX)
            return vr_errorf(err, VR_INVALID,
                             "binary: value of %zu bytes is longer than a keyspace id "
                             "(%d bytes at most)",
                             len, VR_KEYSPACE_ID_MAX);
        if (len)
            memcpy(out, val, len);
        *outlen = len;
        return VR_OK;
    case VR_VINDEX_BINARY_MD5:
        md5_init(&md5);
        md5_update(&md5, val, len);
        md5_final(&md5, out);
        *outlen = 16;
        return VR_OK;
    case VR_VINDEX_XXHASH:
        put_le64(out, XXH64(val, len, 0));
        *outlen = 8;
        return VR_OK;
    default:
        return map_unicode(t, val, len, out, outlen, err);
    }
}

vr_code_t vr_vindex_map(vr_vindex_type_t t, const uint8_t *val, size_t len, uint8_t *out,
                        size_t *outlen, vr_error_t *err)
{
    const type_info_t *ti = type_info(t);
    if (!ti)
        return vr_errorf(err, VR_INVALID, "vindex: unknown vindex type %d", (int)t);
    if (!ti->functional)
        return vr_errorf(err, VR_UNSUPPORTED,
                         "%s: a lookup vindex maps values through its lookup table, not "
                         "from the value alone",
                         ti->name);
    if (!val && len)
        return vr_errorf(err, VR_INVALID, "%s: NULL value of length %zu", ti->name, len);
    if (!val)
        val = (const uint8_t *)"";
    switch (t) {
    case VR_VINDEX_HASH:
    case VR_VINDEX_NUMERIC:
    case VR_VINDEX_REVERSE_BITS:
        return map_integer(t, val, len, out, outlen, err);
    case VR_VINDEX_BINARY:
    case VR_VINDEX_BINARY_MD5:
    case VR_VINDEX_XXHASH:
    case VR_VINDEX_UNICODE_LOOSE_MD5:
    case VR_VINDEX_UNICODE_LOOSE_XXHASH:
        return map_bytes(t, val, len, out, outlen, err);
    default:
        return vr_errorf(err, VR_INTERNAL, "%s: no mapping implemented", ti->name);
    }
}

/* ------------------------------------------------------------------ */
/* Reverse mapping                                                      */

static vr_code_t reverse_integer(vr_vindex_type_t t, const uint8_t *kid, size_t len, char *out,
                                 size_t size, vr_error_t *err)
{
    char hex[VR_KEYSPACE_ID_MAX * 2 + 1];
    uint8_t plain[8];
    uint64_t v;
    vr_code_t rc;

    if (len != 8 && t == VR_VINDEX_NUMERIC)
        return vr_errorf(err, VR_INVALID, "numeric: length of keyspace id is not 8: %zu", len);
    if (len != 8)
        return vr_errorf(err, VR_INVALID, "%s: invalid keyspace id: %s", vr_vindex_type_name(t),
                         show_hex(hex, sizeof(hex), kid, len));
    if (t == VR_VINDEX_HASH) {
        if ((rc = des3_block(false, kid, plain, err)) != VR_OK)
            return rc;
        v = get_be64(plain);
    } else {
        v = get_be64(kid);
        if (t == VR_VINDEX_REVERSE_BITS)
            v = reverse64(v);
    }
    int n = snprintf(out, size, "%" PRIu64, v);
    if (n < 0 || (size_t)n >= size)
        return vr_errorf(err, VR_INVALID, "%s: output buffer of %zu bytes is too small",
                         vr_vindex_type_name(t), size);
    return VR_OK;
}

vr_code_t vr_vindex_reverse(vr_vindex_type_t t, const uint8_t *kid, size_t len, char *out,
                            size_t size, vr_error_t *err)
{
    if (!kid || !out)
        return vr_errorf(err, VR_INVALID, "%s: NULL keyspace id or output",
                         vr_vindex_type_name(t));
    switch (t) {
    case VR_VINDEX_HASH:
    case VR_VINDEX_NUMERIC:
    case VR_VINDEX_REVERSE_BITS:
        return reverse_integer(t, kid, len, out, size, err);
    case VR_VINDEX_BINARY:
        if (size < len + 1)
            return vr_errorf(err, VR_INVALID, "binary: output buffer of %zu bytes is too small",
                             size);
        memcpy(out, kid, len);
        out[len] = '\0';
        return VR_OK;
    default:
        return vr_errorf(err, VR_UNSUPPORTED, "%s vindex is not reversible",
                         vr_vindex_type_name(t));
    }
}
