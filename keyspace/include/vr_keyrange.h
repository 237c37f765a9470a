/*
 * vr_keyrange.h - keyranges and shard names, as Vitess has them.
 *
 * A shard owns the keyspace IDs in [start, end), compared as unsigned
 * bytes; an empty bound is open.  Shard names are "0" or "-" (the whole
 * range) or "<hexstart>-<hexend>" with either side possibly empty:
 * "-80", "80-", "40-80".  Bounds compare with trailing zero bytes ignored
 * ("80" and "8000" are the same bound), as Vitess does.
 *
 * Small value type: plain struct, no allocation.
 */
#ifndef VR_KEYRANGE_H
#define VR_KEYRANGE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "vr_error.h"

#define VR_KEYRANGE_MAX_BYTES 32   /* bytes per bound */
#define VR_KEYSPACE_ID_MAX 64      /* bytes in a keyspace ID */

typedef struct vr_keyrange {
    uint8_t start[VR_KEYRANGE_MAX_BYTES];
    uint8_t end[VR_KEYRANGE_MAX_BYTES];
    uint8_t start_len; /* 0: open (minimum) */
    uint8_t end_len;   /* 0: open (maximum) */
} vr_keyrange_t;

/* Parse "-80", "80-", "40-80", "-", or "0" (unsharded: whole range).
 * Hex is case-insensitive, must have an even number of digits, and start
 * must be below end.  Error text names the input. */
vr_code_t vr_keyrange_parse(const char *s, vr_keyrange_t *out, vr_error_t *err);

/* Format as a shard name: lower-case hex, "-" for the whole range.
 * Returns out.  size 2*2*VR_KEYRANGE_MAX_BYTES+2 always suffices. */
char *vr_keyrange_format(const vr_keyrange_t *kr, char *out, size_t size);

bool vr_keyrange_is_full(const vr_keyrange_t *kr);
bool vr_keyrange_equal(const vr_keyrange_t *a, const vr_keyrange_t *b);
bool vr_keyrange_contains(const vr_keyrange_t *kr, const uint8_t *kid, size_t len);
bool vr_keyrange_intersects(const vr_keyrange_t *a, const vr_keyrange_t *b);
/* Fill out with a ∩ b; false (out untouched) when they do not meet. */
bool vr_keyrange_intersect(const vr_keyrange_t *a, const vr_keyrange_t *b,
                           vr_keyrange_t *out);

/* Check that shard names (n of them, any order) parse and cover the whole
 * keyrange exactly once.  Errors name the problem:
 *   "shards of keyspace customer do not cover 80-c0" (a gap),
 *   "shards -80 and 40- of keyspace customer overlap on 40-80". */
vr_code_t vr_keyrange_validate_shards(const char *keyspace,
                                      const char *const *shards, size_t n,
                                      vr_error_t *err);

#endif
