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
 */
#ifndef VR_VINDEX_H
#define VR_VINDEX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

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

/* Vitess type names: "hash", "unicode_loose_md5", "lookup_unique", ... */
vr_code_t vr_vindex_type_parse(const char *name, vr_vindex_type_t *out, vr_error_t *err);
const char *vr_vindex_type_name(vr_vindex_type_t t);
/* One value maps to at most one keyspace ID (all functional vindexes and
 * the *_unique lookups). */
bool vr_vindex_type_is_unique(vr_vindex_type_t t);
/* Computes the ID from the value alone (not the lookup family). */
bool vr_vindex_type_is_functional(vr_vindex_type_t t);
/* Vitess's cost: 0 numeric/binary, 1 hash-like, 2 unicode, 10/20 lookups. */
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
 * hash/numeric/reverse_bits/xxhash, 16 for the md5 ones, the value's
 * length for binary).  Errors name the value and the vindex type
 * ("hash: could not parse value 'abc' as an integer"). */
vr_code_t vr_vindex_map(vr_vindex_type_t t, const uint8_t *val, size_t len,
                        uint8_t *out, size_t *outlen, vr_error_t *err);

/* Reverse mapping for the reversible vindexes (hash, numeric,
 * reverse_bits, binary): the decimal text (or bytes) of the value.
 * VR_UNSUPPORTED for the others. */
vr_code_t vr_vindex_reverse(vr_vindex_type_t t, const uint8_t *kid, size_t len,
                            char *out, size_t size, vr_error_t *err);

#endif
