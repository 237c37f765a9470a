/*
 * schema_tracker.h - internal: what the stream knows about each table's
 * columns (names, primary key, JSON columns) and when it changed.
 */
#ifndef VR_SCHEMA_TRACKER_H
#define VR_SCHEMA_TRACKER_H

#include <mysql.h>

#include "binlog_event.h"
#include "vr_vstream.h"

typedef struct vr_schema_tracker vr_schema_tracker_t;

/* Per-table state the stream keeps with the schema. */
typedef struct vr_schema_table {
    uint32_t version;      /* bumps when the resolved fields change */
    uint32_t sent_version; /* version of the last FIELD event sent (0: none) */
    bool include_known;    /* include decided for `version` */
    bool include;
} vr_schema_table_t;

/* src may be NULL (no server: names come only from the table maps). The
 * tracker opens its own SQL connection lazily. */
vr_schema_tracker_t *vr_schema_tracker_new(const vr_vstream_source_t *src);
void vr_schema_tracker_free(vr_schema_tracker_t *t); /* NULL is a no-op */

/*
 * Resolve a freshly parsed table map: mark JSON columns in tm (types),
 * take names and primary key from the map's optional metadata or, when it
 * has none, from information_schema, and build the table description in
 * arena a.  *st is the table's state (owned by the tracker).
 */
vr_code_t vr_schema_tracker_resolve(vr_schema_tracker_t *t, vr_table_map_t *tm,
                                    vr_arena_t *a, vr_vtable_t **out,
                                    vr_schema_table_t **st, vr_error_t *err);

/* A DDL statement was seen in database db: forget what information_schema
 * said, so the next table maps are resolved afresh. */
void vr_schema_tracker_ddl(vr_schema_tracker_t *t, const char *db);

/* Number of information_schema lookups done (for tests). */
unsigned vr_schema_tracker_lookups(const vr_schema_tracker_t *t);

#endif
