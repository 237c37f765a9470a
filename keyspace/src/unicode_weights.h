/*
 * unicode_weights.h - the collation data behind the unicode_loose_*
 * vindexes (private to keyspace/; the data is generated into
 * unicode_weights.c by scripts/gen-unicode-weights.py).
 *
 * The element values, expansion indices and contraction tries are those of
 * Vitess's go/mysql/collations/vindex (golang.org/x/text/collate, CLDR 23
 * root): vindex.c walks them exactly as that code does.  Only the Basic
 * Multilingual Plane is indexed, 64 code points per page.
 */
#ifndef VR_UNICODE_WEIGHTS_H
#define VR_UNICODE_WEIGHTS_H

#include <stddef.h>
#include <stdint.h>

#define VR_UCA_PAGES 1024          /* 0x10000 / 64 */
#define VR_UCA_PAGE_ABSENT 0       /* no weights for this page in this build */
#define VR_UCA_PAGE_IMPLICIT 1     /* no table entry: weight from the code point */
#define VR_UCA_MISSING 0xFFFFFFFFu /* block entry: no exact weight known */

/* One node of a contraction trie: Go's struct{ L, H, N, I uint8 }. */
typedef struct vr_uca_ctentry {
    uint8_t lo, hi, n, index;
} vr_uca_ctentry_t;

/* NFKD decomposition of a code point whose element says "decompose":
 * len UTF-8 bytes at vr_uca_decomp_pool[off]. */
typedef struct vr_uca_decomp {
    uint16_t cp;
    uint16_t off;
    uint8_t len;
} vr_uca_decomp_t;

/* Canonical combining classes of the first and last code point of the
 * NFD decomposition, and how many non-starters it begins with.  Code
 * points not listed are starters (all zero). */
typedef struct vr_uca_ccc {
    uint16_t cp;
    uint8_t lead, trail, nlead;
} vr_uca_ccc_t;

/* page -> VR_UCA_PAGE_ABSENT, VR_UCA_PAGE_IMPLICIT or 2 + block index */
extern const uint16_t vr_uca_page[VR_UCA_PAGES];
extern const uint32_t vr_uca_block[][64];
extern const size_t vr_uca_nblocks;
extern const uint32_t vr_uca_expand[];
extern const size_t vr_uca_expand_len;
extern const uint32_t vr_uca_contract[];
extern const size_t vr_uca_contract_len;
extern const vr_uca_ctentry_t vr_uca_ctentries[];
extern const size_t vr_uca_ctentries_len;
extern const uint8_t vr_uca_decomp_pool[];
extern const vr_uca_decomp_t vr_uca_decomp[];
extern const size_t vr_uca_decomp_len;
extern const vr_uca_ccc_t vr_uca_ccc[];
extern const size_t vr_uca_ccc_len;
/* "U+0000-U+07FF, ..." */
extern const char vr_uca_coverage[];

#endif
