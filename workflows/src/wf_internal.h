/*
 * wf_internal.h - what the files of workflows/ share: reporting through
 * a vr_workflow_report_t, the streams on a primary.
 */
#ifndef VR_WF_INTERNAL_H
#define VR_WF_INTERNAL_H

#include "vr_topo.h"
#include "vr_vplayer.h"
#include "vr_workflow.h"

/* One progress line to rep->say (rep or say may be NULL). */
void vr_wf_say(const vr_workflow_report_t *rep, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* The streams of workflow (NULL: every one) on primary p, creating the
 * _vt tables first; *rows is the caller's (vr_vrepl_rows_free), empty on
 * failure.  name_tablet prefixes a failed connection's error with
 * "KS/SHARD". */
vr_code_t vr_wf_primary_streams(const vr_tablet_t *p, const char *workflow, bool name_tablet,
                                vr_vrepl_row_t **rows, size_t *n, vr_error_t *err);

#endif
