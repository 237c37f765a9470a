/*
 * binlog_conn.c - one replication connection to a source through
 * Connector/C's replication API (mariadb_rpl_*).
 *
 * The session is prepared as MariaDB requires before COM_BINLOG_DUMP:
 * @master_binlog_checksum (else error 1236), @mariadb_slave_capability=4
 * (else GTID events arrive as dummies), @slave_connect_state for a GTID
 * start, @master_heartbeat_period for HEARTBEAT events on an idle source.
 * Connector/C frames the packets; we take each event's raw bytes and parse
 * them ourselves (binlog_event.c), checksum included.  The read timeout is
 * a few heartbeat periods, so a silently dead connection surfaces as a
 * retriable error.  Reconnecting is the stream's job (vstream.c), which
 * knows the position to resume from.  One thread per connection.
 */
#include "source.h"

#include <mariadb_rpl.h>
#include <stdio.h>
#include <sys/socket.h>
#include <stdlib.h>
#include <string.h>

#include "vr_log.h"

struct vr_binlog_conn {
    MYSQL *mysql;
    MARIADB_RPL *rpl;
    MARIADB_RPL_EVENT *ev;
    bool checksum;
};

static vr_code_t prepare_session(vr_binlog_conn_t *c, const vr_binlog_conn_opts_t *o,
                                 vr_error_t *err)
{
    vr_buf_t b = VR_BUF_INIT;
    vr_code_t rc;
    if ((rc = vr_src_scalar(c->mysql, "SELECT @@global.binlog_checksum", &b, err)) != VR_OK)
        goto out;
    c->checksum = strcmp(b.data, "NONE") != 0;
    if ((rc = vr_src_exec(c->mysql, "SET @master_binlog_checksum=@@global.binlog_checksum",
                          err)) != VR_OK ||
        (rc = vr_src_exec(c->mysql, "SET @mariadb_slave_capability=4", err)) != VR_OK)
        goto out;
    if (o->start) {
        vr_buf_reset(&b);
        vr_buf_puts(&b, "SET @slave_connect_state='");
        vr_gtid_set_format(o->start, &b);
        vr_buf_puts(&b, "'");
        if ((rc = vr_src_exec(c->mysql, b.data, err)) != VR_OK)
            goto out;
    }
    if (o->heartbeat_ms > 0) {
        vr_buf_reset(&b);
        vr_buf_printf(&b, "SET @master_heartbeat_period=%llu",
                      (unsigned long long)o->heartbeat_ms * 1000000ULL);
        if ((rc = vr_src_exec(c->mysql, b.data, err)) != VR_OK)
            goto out;
    }
    rc = VR_OK;
out:
    vr_buf_free(&b);
    return rc;
}

static vr_code_t start_dump(vr_binlog_conn_t *c, const vr_binlog_conn_opts_t *o,
                            vr_error_t *err)
{
    const char *file = o->start ? "" : (o->file ? o->file : "");
    unsigned long pos = o->start ? 4 : (unsigned long)(o->pos >= 4 ? o->pos : 4);
    if (!(c->rpl = mariadb_rpl_init(c->mysql)))
        return vr_src_error(c->mysql, err, "mariadb_rpl_init");
    if (mariadb_rpl_optionsv(c->rpl, MARIADB_RPL_SERVER_ID, (unsigned)o->server_id) ||
        mariadb_rpl_optionsv(c->rpl, MARIADB_RPL_FLAGS, 0u) ||
        mariadb_rpl_optionsv(c->rpl, MARIADB_RPL_FILENAME, file, strlen(file)) ||
        mariadb_rpl_optionsv(c->rpl, MARIADB_RPL_START, pos))
        return vr_errorf(err, VR_INTERNAL, "mariadb_rpl_optionsv failed");
    if (mariadb_rpl_open(c->rpl))
        return vr_src_error(c->mysql, err, "starting the binlog dump");
    return VR_OK;
}

vr_code_t vr_binlog_conn_open(const vr_binlog_conn_opts_t *o,
                              vr_binlog_conn_t **out, vr_error_t *err)
{
    vr_binlog_conn_t *c = vr_xcalloc(1, sizeof(*c));
    int rt = o->heartbeat_ms > 0 ? o->heartbeat_ms * 3 + 2000 : 0;
    vr_code_t rc;
    *out = NULL;
    if ((rc = vr_src_connect(o->src, rt, &c->mysql, err)) != VR_OK)
        goto fail;
    if ((rc = prepare_session(c, o, err)) != VR_OK ||
        (rc = start_dump(c, o, err)) != VR_OK)
        goto fail;
    vr_log_debug("vstream", "binlog dump started (server id %u)", o->server_id);
    *out = c;
    return VR_OK;
fail:
    vr_binlog_conn_close(c);
    return rc;
}

static vr_code_t fetch_error(vr_binlog_conn_t *c, vr_error_t *err)
{
    unsigned e = mysql_errno(c->mysql);
    if (e == 1236) /* ER_MASTER_FATAL_ERROR_READING_BINLOG */
        return vr_error_mysql(err, e, false, "the source cannot send the binlog "
                              "from this position (purged, or not in its "
                              "history): %s", mysql_error(c->mysql));
    if (e == 0 && mariadb_rpl_errno(c->rpl))
        return vr_errorf(err, VR_PARSE, "reading the binlog: %s",
                         mariadb_rpl_error(c->rpl));
    if (e == 0) /* EOF packet: the server ended the dump */
        return vr_error_mysql(err, 2013, true, "the source ended the binlog stream");
    return vr_error_mysql(err, e, vr_mysql_errno_retriable(e) || e == 2026,
                          "reading the binlog: %s (errno %u)",
                          mysql_error(c->mysql), e);
}

vr_code_t vr_binlog_conn_next(vr_binlog_conn_t *c, const uint8_t **ev,
                              size_t *len, vr_error_t *err)
{
    MARIADB_RPL_EVENT *e;
    rpl_clear_error(c->rpl);
    e = mariadb_rpl_fetch(c->rpl, c->ev);
    if (!e) {
        vr_code_t rc = fetch_error(c, err);
        c->ev = NULL; /* the library may have freed it */
        return rc;
    }
    c->ev = e;
    if (e->raw_data_ofs > e->raw_data_size)
        return vr_errorf(err, VR_PARSE, "malformed binlog packet");
    *ev = e->raw_data + e->raw_data_ofs;
    *len = e->raw_data_size - e->raw_data_ofs;
    return VR_OK;
}

bool vr_binlog_conn_checksum(const vr_binlog_conn_t *c)
{
    return c->checksum;
}

void vr_binlog_conn_close(vr_binlog_conn_t *c)
{
    if (!c)
        return;
    if (c->ev)
        mariadb_free_rpl_event(c->ev);
    if (c->rpl)
        mariadb_rpl_close(c->rpl);
    if (c->mysql)
        mysql_close(c->mysql);
    free(c);
}

void vr_binlog_conn_shutdown(vr_binlog_conn_t *c)
{
    if (c && c->mysql)
        shutdown((int)mysql_get_socket(c->mysql), SHUT_RDWR);
}
