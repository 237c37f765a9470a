/*
 * gtid.c - MariaDB GTIDs and GTID sets (positions).
 *
 * Invariant: a set's entries are sorted by domain with no duplicate
 * domain, so printing is a walk and lookups are a binary search.  Sets are
 * small (one entry per replication domain), so insertion shifts the array.
 * Pure data functions; any thread, one set per thread.
 */
#include "vr_gtid.h"

#include <ctype.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Parse decimal digits [p, end) into *out (<= max). */
static bool parse_num(const char *p, const char *end, uint64_t max, uint64_t *out)
{
    uint64_t v = 0;
    if (p == end)
        return false;
    for (; p < end; p++) {
        unsigned d;
        if (*p < '0' || *p > '9')
            return false;
        d = (unsigned)(*p - '0');
        if (v > (max - d) / 10)
            return false;
        v = v * 10 + d;
    }
    *out = v;
    return true;
}

/* Parse exactly one GTID in [s, end). */
static bool parse_one(const char *s, const char *end, vr_gtid_t *g)
{
    const char *d1 = memchr(s, '-', (size_t)(end - s));
    const char *d2;
    uint64_t dom, srv, seq;
    if (!d1)
        return false;
    d2 = memchr(d1 + 1, '-', (size_t)(end - d1 - 1));
    if (!d2)
        return false;
    if (!parse_num(s, d1, UINT32_MAX, &dom) ||
        !parse_num(d1 + 1, d2, UINT32_MAX, &srv) ||
        !parse_num(d2 + 1, end, UINT64_MAX, &seq))
        return false;
    g->domain = (uint32_t)dom;
    g->server = (uint32_t)srv;
    g->seq = seq;
    return true;
}

vr_code_t vr_gtid_parse(const char *s, vr_gtid_t *g, vr_error_t *err)
{
    if (!s || !parse_one(s, s + strlen(s), g))
        return vr_errorf(err, VR_PARSE,
                         "malformed GTID '%s': expected domain-server-seq",
                         s ? s : "(null)");
    return VR_OK;
}

char *vr_gtid_format(const vr_gtid_t *g, char *buf)
{
    snprintf(buf, VR_GTID_STR_MAX, "%" PRIu32 "-%" PRIu32 "-%" PRIu64,
             g->domain, g->server, g->seq);
    return buf;
}

void vr_gtid_set_init(vr_gtid_set_t *s)
{
    memset(s, 0, sizeof(*s));
    s->flavor = VR_GTID_FLAVOR_MARIADB;
}

void vr_gtid_set_free(vr_gtid_set_t *s)
{
    if (!s)
        return;
    free(s->g);
    vr_gtid_set_init(s);
}

void vr_gtid_set_clear(vr_gtid_set_t *s)
{
    s->n = 0;
}

void vr_gtid_set_copy(vr_gtid_set_t *dst, const vr_gtid_set_t *src)
{
    if (dst == src)
        return;
    dst->n = 0;
    if (dst->cap < src->n) {
        dst->g = vr_xrealloc(dst->g, src->n * sizeof(vr_gtid_t));
        dst->cap = src->n;
    }
    if (src->n)
        memcpy(dst->g, src->g, src->n * sizeof(vr_gtid_t));
    dst->n = src->n;
    dst->flavor = src->flavor;
}

/* Index of domain, or the insertion point with *found false. */
static size_t find_domain(const vr_gtid_set_t *s, uint32_t domain, bool *found)
{
    size_t lo = 0, hi = s->n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (s->g[mid].domain < domain)
            lo = mid + 1;
        else
            hi = mid;
    }
    *found = lo < s->n && s->g[lo].domain == domain;
    return lo;
}

const vr_gtid_t *vr_gtid_set_get(const vr_gtid_set_t *s, uint32_t domain)
{
    bool found;
    size_t i = find_domain(s, domain, &found);
    return found ? &s->g[i] : NULL;
}

void vr_gtid_set_update(vr_gtid_set_t *s, const vr_gtid_t *g)
{
    bool found;
    size_t i = find_domain(s, g->domain, &found);
    if (found) {
        s->g[i] = *g;
        return;
    }
    if (s->n == s->cap) {
        s->cap = s->cap ? s->cap * 2 : 4;
        s->g = vr_xrealloc(s->g, s->cap * sizeof(vr_gtid_t));
    }
    memmove(&s->g[i + 1], &s->g[i], (s->n - i) * sizeof(vr_gtid_t));
    s->g[i] = *g;
    s->n++;
}

void vr_gtid_set_merge(vr_gtid_set_t *dst, const vr_gtid_set_t *src)
{
    size_t i;
    for (i = 0; i < src->n; i++) {
        const vr_gtid_t *cur = vr_gtid_set_get(dst, src->g[i].domain);
        if (!cur || cur->seq < src->g[i].seq)
            vr_gtid_set_update(dst, &src->g[i]);
    }
}

static bool looks_like_mysql(const char *p, const char *end)
{
    /* a MySQL GTID item is UUID:interval[:interval...] */
    return memchr(p, ':', (size_t)(end - p)) != NULL;
}

vr_code_t vr_gtid_set_parse(vr_gtid_set_t *s, const char *text, vr_error_t *err)
{
    const char *p = text, *end;
    vr_gtid_set_clear(s);
    s->flavor = VR_GTID_FLAVOR_MARIADB;
    if (!text)
        return vr_errorf(err, VR_PARSE, "missing GTID set");
    while (isspace((unsigned char)*p))
        p++;
    if (*p == '\0')
        return VR_OK;
    for (;;) {
        const char *item, *item_end, *comma = strchr(p, ',');
        vr_gtid_t g;
        end = comma ? comma : p + strlen(p);
        item = p;
        item_end = end;
        while (item < item_end && isspace((unsigned char)*item))
            item++;
        while (item_end > item && isspace((unsigned char)item_end[-1]))
            item_end--;
        if (looks_like_mysql(item, item_end)) {
            vr_gtid_set_clear(s);
            return vr_errorf(err, VR_UNSUPPORTED,
                             "MySQL GTID set '%s' is not supported (MariaDB "
                             "domain-server-seq expected)", text);
        }
        if (!parse_one(item, item_end, &g)) {
            vr_gtid_set_clear(s);
            return vr_errorf(err, VR_PARSE,
                             "malformed GTID '%.*s' in '%s': expected "
                             "domain-server-seq", (int)(item_end - item),
                             item, text);
        }
        if (vr_gtid_set_get(s, g.domain)) {
            vr_gtid_set_clear(s);
            return vr_errorf(err, VR_PARSE,
                             "GTID set '%s' has domain %u more than once",
                             text, g.domain);
        }
        vr_gtid_set_update(s, &g);
        if (!comma)
            break;
        p = comma + 1;
    }
    return VR_OK;
}

void vr_gtid_set_format(const vr_gtid_set_t *s, vr_buf_t *b)
{
    size_t i;
    char tmp[VR_GTID_STR_MAX];
    vr_buf_append(b, "", 0); /* so an empty set still yields "" */
    for (i = 0; i < s->n; i++) {
        if (i)
            vr_buf_putc(b, ',');
        vr_buf_puts(b, vr_gtid_format(&s->g[i], tmp));
    }
}

char *vr_gtid_set_to_string(const vr_gtid_set_t *s)
{
    vr_buf_t b = VR_BUF_INIT;
    vr_gtid_set_format(s, &b);
    return vr_buf_detach(&b);
}

bool vr_gtid_set_contains(const vr_gtid_set_t *s, const vr_gtid_t *g)
{
    const vr_gtid_t *cur = vr_gtid_set_get(s, g->domain);
    return cur && cur->seq >= g->seq;
}

bool vr_gtid_set_contains_set(const vr_gtid_set_t *a, const vr_gtid_set_t *b)
{
    size_t i;
    for (i = 0; i < b->n; i++)
        if (!vr_gtid_set_contains(a, &b->g[i]))
            return false;
    return true;
}

bool vr_gtid_set_equal(const vr_gtid_set_t *a, const vr_gtid_set_t *b)
{
    size_t i;
    if (a->n != b->n)
        return false;
    for (i = 0; i < a->n; i++)
        if (a->g[i].domain != b->g[i].domain ||
            a->g[i].server != b->g[i].server || a->g[i].seq != b->g[i].seq)
            return false;
    return true;
}

vr_gtid_cmp_t vr_gtid_set_compare(const vr_gtid_set_t *a, const vr_gtid_set_t *b)
{
    bool ab, ba;
    if (vr_gtid_set_equal(a, b))
        return VR_GTID_EQUAL;
    ab = vr_gtid_set_contains_set(b, a); /* a <= b */
    ba = vr_gtid_set_contains_set(a, b); /* b <= a */
    if (ab && !ba)
        return VR_GTID_BEFORE;
    if (ba && !ab)
        return VR_GTID_AFTER;
    return VR_GTID_CONCURRENT;
}
