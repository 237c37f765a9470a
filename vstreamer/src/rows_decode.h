/*
 * rows_decode.h - internal: row images of a ROWS event into typed values.
 */
#ifndef VR_ROWS_DECODE_H
#define VR_ROWS_DECODE_H

#include "binlog_event.h"
#include "vr_arena.h"
#include "vr_vstream.h"

/*
 * Decode every row of r (whose table map is tm) into *rows / *nrows.
 * Values and arrays are allocated in arena a; string values point into
 * the event bytes r->rows (zero copy), so they live as long as the event.
 * A row image that does not match the map fails with VR_PARSE naming the
 * table, row and column.
 */
vr_code_t vr_rows_decode(const vr_table_map_t *tm, const vr_bl_rows_t *r,
                         vr_arena_t *a, vr_vrow_t **rows, size_t *nrows,
                         vr_error_t *err);

/* Decode one column value at c (exposed for unit tests). *used is the
 * number of bytes consumed. */
vr_code_t vr_decode_value(const vr_tm_col_t *col, const uint8_t *p, size_t avail,
                          vr_arena_t *a, vr_value_t *v, size_t *used,
                          vr_error_t *err);

#endif
