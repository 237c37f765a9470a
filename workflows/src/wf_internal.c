/*
 * wf_internal.c - what the files of workflows/ share: progress lines
 * through the caller's callback, the streams on a primary.
 */
#include <stdarg.h>

#include "vr_buf.h"
#include "vr_cluster.h"
#include "wf_internal.h"

void vr_wf_say(const vr_workflow_report_t *rep, const char *fmt, ...)
{
    vr_buf_t line = VR_BUF_INIT;
    va_list ap;

    if (!rep || !rep->say)
        return;
    va_start(ap, fmt);
    vr_buf_vprintf(&line, fmt, ap);
    va_end(ap);
    rep->say(rep->ctx, line.data ? line.data : "");
    vr_buf_free(&line);
}

vr_code_t vr_wf_primary_streams(const vr_tablet_t *p, const char *workflow, bool name_tablet,
                                vr_vrepl_row_t **rows, size_t *n, vr_error_t *err)
{
    MYSQL *c = vr_tablet_connect(p, NULL, err);
    vr_code_t rc;

    *rows = NULL;
    *n = 0;
    if (!c)
        return name_tablet ? vr_error_prefix(err, "%s/%s", p->keyspace, p->shard) : err->code;
    if ((rc = vr_vt_create(c, err)) == VR_OK)
        rc = vr_vrepl_list(c, workflow, rows, n, err);
    mysql_close(c);
    return rc;
}
