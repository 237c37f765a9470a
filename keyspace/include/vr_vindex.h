/*
 * vr_vindex.h - vindexes: map a column value to a keyspace ID exactly as
 * Vitess does, so data sharded by Vitess can be adopted as is.
 *
 * Values are given as the bytes of their MySQL text form (what a client
 * sends or a result set holds): "1", "-5", "monoprice".  Numeric vindexes
 * parse that text as a signed or unsigned 64-bit integer (negative values
 * wrap to uint64 as Vitess does); byte vindexes use the bytes as they are.
 *
 * Functional vindexes (hash, numeric, ...) compute the ID; the lookup
 * family only carries configuration here (its table is read by the
 * gateway and the workflows).
 *
 * unicode_loose_md5 / unicode_loose_xxhash hash the primary collation
 * weights Vitess derives from its CLDR 23 root table.  This build carries
 * the exact weights for the code points listed at the top of
 * keyspace/src/unicode_weights.c (Latin, IPA, Greek, Cyrillic, Armenian,
 * Hebrew, Arabic, Syriac, Thaana, NKo, Latin Extended Additional, Greek
 * Extended, general punctuation, super/subscripts, currency signs,
 * geometric shapes, CJK ideographs, private use); a value holding any
 * other character is refused with VR_UNSUPPORTED rather than mapped to a
 * keyspace ID Vitess would not produce.
 *
 * All functions are thread-safe.  vr_vindex_map does not allocate per
 * call: a thread sets up its OpenSSL 3DES contexts on its first hash (or
 * hash reverse) call and frees them when it exits.
 */
#ifndef VR_VINDEX_H
#define VR_VINDEX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "vr_buf.h"
#include "vr_error.h"
#include "vr_keyrange.h"

typedef enum {
    VR_VINDEX_HASH,
    VR_VINDEX_NUMERIC,
    VR_VINDEX_REVERSE_BITS,
    VR_VINDEX_BINARY,
    VR_VINDEX_BINARY_MD5,
    VR_VINDEX_XXHASH,
    VR_VINDEX_UNICODE_LOOSE_MD5,
    VR_VINDEX_UNICODE_LOOSE_XXHASH,
    VR_VINDEX_LOOKUP,
    VR_VINDEX_LOOKUP_UNIQUE,
    VR_VINDEX_LOOKUP_HASH,
    VR_VINDEX_LOOKUP_HASH_UNIQUE,
    VR_VINDEX_CONSISTENT_LOOKUP,
    VR_VINDEX_CONSISTENT_LOOKUP_UNIQUE,
} vr_vindex_type_t;

/* Vitess type names: "hash", "unicode_loose_md5", "lookup_unique", ...
 * (exact, lower case).  VR_INVALID for any other name. */
vr_code_t vr_vindex_type_parse(const char *name, vr_vindex_type_t *out, vr_error_t *err);
/* "unknown" for a value outside the enum. */
const char *vr_vindex_type_name(vr_vindex_type_t t);
/* One value maps to at most one keyspace ID (all functional vindexes and
 * the *_unique lookups). */
bool vr_vindex_type_is_unique(vr_vindex_type_t t);
/* Computes the ID from the value alone (not the lookup family). */
bool vr_vindex_type_is_functional(vr_vindex_type_t t);
/* Vitess's cost: 0 numeric/binary, 1 hash, reverse_bits, xxhash,
 * binary_md5 and unicode_loose_*, 10 unique lookups, 20 other lookups;
 * -1 for a value outside the enum. */
int vr_vindex_type_cost(vr_vindex_type_t t);

/* Lookup-family configuration, from the VSchema's "params" and "owner". */
typedef struct vr_lookup_params {
    char *table;        /* "ks.table" of the lookup table */
    char **from;        /* from columns (comma list in the VSchema) */
    size_t nfrom;
    char *to;           /* keyspace_id column */
    char *owner;        /* owner table, NULL when unowned */
    bool ignore_nulls;
    bool write_only;
    bool autocommit;
    bool multi_shard_autocommit;
    char *batch_lookup; /* raw param value, NULL when absent */
} vr_lookup_params_t;

/* Compute the keyspace ID of one value for a functional vindex.
 * out must hold VR_KEYSPACE_ID_MAX bytes; *outlen gets the length (8 for
 * hash/numeric/reverse_bits/xxhash/unicode_loose_xxhash, 16 for the md5
 * ones, the value's length for binary).  val may be NULL when len is 0.
 * Errors name the value and the vindex type:
 *   VR_INVALID      the text is not an integer or is out of the 64-bit
 *                   range ("hash: could not parse value 'abc' as an
 *                   integer"), invalid UTF-8 for unicode_loose_*, a
 *                   binary value longer than VR_KEYSPACE_ID_MAX
 *   VR_UNSUPPORTED  a lookup vindex; a unicode_loose_* value with a
 *                   character this build has no Vitess weight for
 *   VR_INTERNAL     OpenSSL failed */
vr_code_t vr_vindex_map(vr_vindex_type_t t, const uint8_t *val, size_t len,
                        uint8_t *out, size_t *outlen, vr_error_t *err);

/* Reverse mapping for the reversible vindexes (hash, numeric,
 * reverse_bits, binary): the decimal text of the uint64 (NUL-terminated;
 * 21 bytes always suffice), or for binary the len bytes of kid followed
 * by a NUL (size must be at least len + 1).  VR_INVALID for a keyspace ID
 * that is not 8 bytes long (integer vindexes) or a short buffer;
 * VR_UNSUPPORTED for the other vindexes. */
vr_code_t vr_vindex_reverse(vr_vindex_type_t t, const uint8_t *kid, size_t len,
                            char *out, size_t size, vr_error_t *err);

/* Append to out the collation key the unicode_loose_* vindexes hash for
 * val: its primary weights, two bytes each (three, high bit set, above
 * 0x7FFF), trailing spaces ignored.  "Test" -> 18 16 16 4c 17 f3 18 16.
 * Same errors as vr_vindex_map; for tests and diagnostics. */
vr_code_t vr_vindex_unicode_weights(const uint8_t *val, size_t len, vr_buf_t *out,
                                    vr_error_t *err);

#endif
