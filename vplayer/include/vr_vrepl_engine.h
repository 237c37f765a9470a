/*
 * vr_vrepl_engine.h - the vreplication engine `vrepl serve` hosts: it runs
 * every stream (_vt.vreplication row) of every primary tablet in the
 * topology, one thread per stream, and follows the rows: a new row in
 * Init/Copying/Running starts a player, a row moved to Stopped (or
 * deleted) stops it, a row moved back to Running starts it again.
 *
 * A stream's source is its BinlogSource's keyspace/shard, served by that
 * shard's primary (tablet_type is not honoured yet); the source and target
 * keyspaces' VSchemas come from the topology.  Rows are polled every
 * poll_ms (default 500 ms).
 */
#ifndef VR_VREPL_ENGINE_H
#define VR_VREPL_ENGINE_H

#include "vr_error.h"

typedef struct vr_vrepl_engine vr_vrepl_engine_t;

/* topo_path: the topology's address (e.g. "<var>/topo.db"); the engine
 * opens its own handles.  poll_ms 0 picks the default. */
vr_code_t vr_vrepl_engine_new(const char *topo_path, int poll_ms, vr_vrepl_engine_t **out,
                              vr_error_t *err);
/* Start the manager thread. */
vr_code_t vr_vrepl_engine_start(vr_vrepl_engine_t *e, vr_error_t *err);
/* Stop every player and the manager; waits for them.  Idempotent. */
void vr_vrepl_engine_stop(vr_vrepl_engine_t *e);
void vr_vrepl_engine_free(vr_vrepl_engine_t *e); /* stops first; NULL ok */

#endif
