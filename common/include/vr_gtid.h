/*
 * vr_gtid.h - replication positions: MariaDB GTIDs and GTID sets.
 *
 * A MariaDB GTID is domain-server-seq ("0-101-7").  A position is a GTID
 * set holding at most one GTID per replication domain: the last
 * transaction applied in that domain ("0-101-7,1-201-3").  Within a domain
 * sequence numbers grow (gtid_strict_mode), so set A contains GTID g when
 * A's GTID for g's domain has seq >= g.seq.  Sets print exactly as MariaDB
 * prints @@gtid_current_pos: sorted by domain, comma separated, no spaces.
 *
 * Seam for MySQL: vr_gtid_set_t carries a flavor; only MariaDB sets are
 * implemented.  A MySQL UUID:interval text is recognised by the parser and
 * rejected with VR_UNSUPPORTED, so a MySQL flavor can be added behind the
 * same functions without changing callers.
 *
 * Ownership: a vr_gtid_set_t is a caller-owned struct whose array it owns;
 * init with VR_GTID_SET_INIT or vr_gtid_set_init(), release with
 * vr_gtid_set_free().  Not thread-safe (plain data).
 */
#ifndef VR_GTID_H
#define VR_GTID_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "vr_buf.h"
#include "vr_error.h"

typedef struct vr_gtid {
    uint32_t domain;
    uint32_t server;
    uint64_t seq;
} vr_gtid_t;

typedef enum vr_gtid_flavor {
    VR_GTID_FLAVOR_MARIADB = 0,
    VR_GTID_FLAVOR_MYSQL, /* reserved: UUID:interval sets, not implemented */
} vr_gtid_flavor_t;

typedef struct vr_gtid_set {
    vr_gtid_flavor_t flavor;
    size_t n;     /* entries, sorted by domain, unique domains */
    size_t cap;
    vr_gtid_t *g;
} vr_gtid_set_t;

#define VR_GTID_SET_INIT {VR_GTID_FLAVOR_MARIADB, 0, 0, NULL}

/* Longest text of one GTID: 10+1+10+1+20 digits, plus NUL. */
#define VR_GTID_STR_MAX 44

typedef enum vr_gtid_cmp {
    VR_GTID_EQUAL,      /* same GTID in every domain */
    VR_GTID_BEFORE,     /* a is contained in b and differs */
    VR_GTID_AFTER,      /* b is contained in a and differs */
    VR_GTID_CONCURRENT, /* neither contains the other */
} vr_gtid_cmp_t;

/* "0-101-7" -> g.  Malformed text fails with VR_PARSE naming it. */
vr_code_t vr_gtid_parse(const char *s, vr_gtid_t *g, vr_error_t *err);
/* Writes "domain-server-seq" into buf (VR_GTID_STR_MAX bytes); returns buf. */
char *vr_gtid_format(const vr_gtid_t *g, char *buf);

void vr_gtid_set_init(vr_gtid_set_t *s);
void vr_gtid_set_free(vr_gtid_set_t *s); /* frees the array; s is the caller's */
void vr_gtid_set_clear(vr_gtid_set_t *s);
/* dst becomes a copy of src (dst must be initialised). */
void vr_gtid_set_copy(vr_gtid_set_t *dst, const vr_gtid_set_t *src);

/*
 * Parse "0-101-7,1-201-3" (whitespace around items allowed, "" is the empty
 * set) into s, replacing its contents.  A malformed GTID, a repeated
 * domain, or a MySQL UUID set fails naming the offending item; s is then
 * left empty.
 */
vr_code_t vr_gtid_set_parse(vr_gtid_set_t *s, const char *text, vr_error_t *err);
/* Append the MariaDB text form to b ("" for the empty set). */
void vr_gtid_set_format(const vr_gtid_set_t *s, vr_buf_t *b);
/* The text form in a malloc'd string (caller frees). */
char *vr_gtid_set_to_string(const vr_gtid_set_t *s);

/* The set's GTID for a domain, or NULL. */
const vr_gtid_t *vr_gtid_set_get(const vr_gtid_set_t *s, uint32_t domain);
/* Advance: g replaces the entry of its domain (added when absent).  This
 * is what applying transaction g does to a position. */
void vr_gtid_set_update(vr_gtid_set_t *s, const vr_gtid_t *g);
/* Merge: per domain, keep the GTID with the higher seq. */
void vr_gtid_set_merge(vr_gtid_set_t *dst, const vr_gtid_set_t *src);

/* True when transaction g is at or before the position s. */
bool vr_gtid_set_contains(const vr_gtid_set_t *s, const vr_gtid_t *g);
/* True when every GTID of b is contained in a. */
bool vr_gtid_set_contains_set(const vr_gtid_set_t *a, const vr_gtid_set_t *b);
bool vr_gtid_set_equal(const vr_gtid_set_t *a, const vr_gtid_set_t *b);
vr_gtid_cmp_t vr_gtid_set_compare(const vr_gtid_set_t *a, const vr_gtid_set_t *b);

#endif
