/*
 * vt_schema.c - the `_vt` schema on a target primary: Vitess's
 * _vt.vreplication and _vt.copy_state tables, the stream rows in them, and
 * the state machine of a stream (one table of allowed transitions, read
 * by every state change).
 *
 * Invariant: a state change reads the current state under a row lock
 * (select ... for update) in the same transaction that writes the new
 * one, so two writers (the player and a user's `workflow stop`) cannot
 * make a transition the table forbids.  Any thread; the caller's
 * connection.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "vplayer_int.h"

/* ---- states ------------------------------------------------------------------ */

static const char *const state_names[] = {"Init", "Copying", "Running", "Stopped", "Error"};

const char *vr_vrepl_state_name(vr_vrepl_state_t s)
{
    return (unsigned)s < VR_ARRAY_LEN(state_names) ? state_names[s] : "?";
}

vr_code_t vr_vrepl_state_parse(const char *name, vr_vrepl_state_t *s, vr_error_t *err)
{
    size_t i;
    for (i = 0; i < VR_ARRAY_LEN(state_names); i++)
        if (name && strcasecmp(name, state_names[i]) == 0) {
            *s = (vr_vrepl_state_t)i;
            return VR_OK;
        }
    return vr_errorf(err, VR_PARSE, "unknown stream state '%s' (Init, Copying, Running, "
                     "Stopped, Error)", name ? name : "");
}

/*
 * Allowed transitions, from -> to:
 *   Init    -> Copying (tables to copy) | Running (nothing to copy, or a
 *              given pos) | Stopped | Error
 *   Copying -> Running (last table copied) | Stopped | Error
 *   Running -> Copying (copy_state rows were added) | Stopped | Error
 *   Stopped -> Init | Running (restart) | Error
 *   Error   -> Init | Running (restart) | Stopped
 */
bool vr_vrepl_state_can_move(vr_vrepl_state_t from, vr_vrepl_state_t to)
{
    static const unsigned allowed[] = {
        [VR_VREPL_INIT] = 1u << VR_VREPL_COPYING | 1u << VR_VREPL_RUNNING |
                          1u << VR_VREPL_STOPPED | 1u << VR_VREPL_ERROR,
        [VR_VREPL_COPYING] = 1u << VR_VREPL_RUNNING | 1u << VR_VREPL_STOPPED |
                             1u << VR_VREPL_ERROR,
        [VR_VREPL_RUNNING] = 1u << VR_VREPL_COPYING | 1u << VR_VREPL_STOPPED |
                             1u << VR_VREPL_ERROR,
        [VR_VREPL_STOPPED] = 1u << VR_VREPL_INIT | 1u << VR_VREPL_RUNNING |
                             1u << VR_VREPL_ERROR,
        [VR_VREPL_ERROR] = 1u << VR_VREPL_INIT | 1u << VR_VREPL_RUNNING |
                           1u << VR_VREPL_STOPPED,
    };
    if ((unsigned)from >= VR_ARRAY_LEN(allowed) || (unsigned)to >= VR_ARRAY_LEN(allowed))
        return false;
    return from == to || (allowed[from] & (1u << to)) != 0;
}

/* ---- schema ----------------------------------------------------------------- */

static const char *const vt_ddl[] = {
    "CREATE DATABASE IF NOT EXISTS _vt",
    "CREATE TABLE IF NOT EXISTS _vt.vreplication (\n"
    "  id int NOT NULL AUTO_INCREMENT,\n"
    "  workflow varbinary(1000) DEFAULT NULL,\n"
    "  source mediumblob NOT NULL,\n"
    "  pos varbinary(10000) NOT NULL,\n"
    "  stop_pos varbinary(10000) DEFAULT NULL,\n"
    "  max_tps bigint NOT NULL,\n"
    "  max_replication_lag bigint NOT NULL,\n"
    "  cell varbinary(1000) DEFAULT NULL,\n"
    "  tablet_types varbinary(100) DEFAULT NULL,\n"
    "  time_updated bigint NOT NULL,\n"
    "  transaction_timestamp bigint NOT NULL,\n"
    "  state varbinary(100) NOT NULL,\n"
    "  message varbinary(1000) DEFAULT NULL,\n"
    "  db_name varbinary(255) NOT NULL,\n"
    "  rows_copied bigint NOT NULL DEFAULT '0',\n"
    "  tags varbinary(1024) NOT NULL DEFAULT '',\n"
    "  time_heartbeat bigint NOT NULL DEFAULT '0',\n"
    "  workflow_type int NOT NULL DEFAULT '0',\n"
    "  time_throttled bigint NOT NULL DEFAULT '0',\n"
    "  component_throttled varchar(255) NOT NULL DEFAULT '',\n"
    "  workflow_sub_type int NOT NULL DEFAULT '0',\n"
    "  defer_secondary_keys tinyint(1) NOT NULL DEFAULT '0',\n"
    "  options json NOT NULL DEFAULT '{}',\n"
    "  PRIMARY KEY (id),\n"
    "  KEY workflow_idx (workflow(64))\n"
    ") ENGINE=InnoDB",
    "CREATE TABLE IF NOT EXISTS _vt.copy_state (\n"
    "  id bigint unsigned NOT NULL AUTO_INCREMENT,\n"
    "  vrepl_id int NOT NULL,\n"
    "  table_name varbinary(128) NOT NULL,\n"
    "  lastpk varbinary(2000) DEFAULT NULL,\n"
    "  PRIMARY KEY (id),\n"
    "  KEY vrepl_id (vrepl_id, table_name)\n"
    ") ENGINE=InnoDB CHARSET=utf8mb4",
};

vr_code_t vr_vt_create(MYSQL *c, vr_error_t *err)
{
    vr_buf_t n = VR_BUF_INIT;
    size_t i;
    vr_code_t rc;
    /* already there: write nothing (even IF NOT EXISTS DDL goes to the binlog) */
    rc = vp_scalar(c, "select count(*) from information_schema.TABLES where TABLE_SCHEMA='_vt' "
                      "and TABLE_NAME in ('vreplication', 'copy_state')", &n, NULL, err);
    i = rc == VR_OK && strcmp(n.data, "2") == 0 ? VR_ARRAY_LEN(vt_ddl) : 0;
    vr_buf_free(&n);
    if (rc != VR_OK)
        return vr_error_prefix(err, "creating the _vt schema");
    for (; i < VR_ARRAY_LEN(vt_ddl); i++)
        if ((rc = vp_exec(c, vt_ddl[i], err)) != VR_OK)
            return vr_error_prefix(err, "creating the _vt schema");
    return VR_OK;
}

/* ---- rows ------------------------------------------------------------------- */

#define ROW_COLUMNS                                                                        \
    "id, workflow, source, pos, stop_pos, max_tps, max_replication_lag, cell, tablet_types, " \
    "time_updated, transaction_timestamp, state, message, db_name, rows_copied, tags, "      \
    "time_heartbeat, workflow_type, time_throttled, component_throttled, workflow_sub_type, " \
    "defer_secondary_keys, options"

#define VT_MAX_INT64 "9223372036854775807"

vr_code_t vr_vrepl_insert(MYSQL *c, const vr_vrepl_row_t *r, int64_t *id, vr_error_t *err)
{
    vr_buf_t q = VR_BUF_INIT;
    vr_code_t rc;
    vr_buf_puts(&q, "insert into _vt.vreplication (workflow, source, pos, stop_pos, max_tps, "
                    "max_replication_lag, cell, tablet_types, time_updated, "
                    "transaction_timestamp, state, message, db_name, tags, workflow_type, "
                    "workflow_sub_type, defer_secondary_keys, options) values (");
    vp_put_string(&q, r->workflow ? r->workflow : "");
    vr_buf_putc(&q, ',');
    vp_put_string(&q, r->source ? r->source : "");
    vr_buf_putc(&q, ',');
    vp_put_string(&q, r->pos ? r->pos : "");
    vr_buf_putc(&q, ',');
    vp_put_string(&q, r->stop_pos && *r->stop_pos ? r->stop_pos : NULL);
    if (r->max_tps > 0)
        vr_buf_printf(&q, ",%lld", (long long)r->max_tps);
    else
        vr_buf_puts(&q, "," VT_MAX_INT64);
    if (r->max_replication_lag > 0)
        vr_buf_printf(&q, ",%lld,", (long long)r->max_replication_lag);
    else
        vr_buf_puts(&q, "," VT_MAX_INT64 ",");
    vp_put_string(&q, r->cell ? r->cell : "");
    vr_buf_putc(&q, ',');
    vp_put_string(&q, r->tablet_types ? r->tablet_types : "");
    vr_buf_printf(&q, ",%lld,0,'%s',", (long long)time(NULL), vr_vrepl_state_name(r->state));
    vp_put_string(&q, r->message ? r->message : "");
    vr_buf_putc(&q, ',');
    vp_put_string(&q, r->db_name ? r->db_name : "");
    vr_buf_putc(&q, ',');
    vp_put_string(&q, r->tags ? r->tags : "");
    vr_buf_printf(&q, ",%d,%d,%d,", r->workflow_type, r->workflow_sub_type,
                  r->defer_secondary_keys ? 1 : 0);
    vp_put_string(&q, r->options && *r->options ? r->options : "{}");
    vr_buf_putc(&q, ')');
    rc = vp_exec(c, q.data, err);
    if (rc == VR_OK && id)
        *id = (int64_t)mysql_insert_id(c);
    vr_buf_free(&q);
    if (rc != VR_OK)
        vr_error_prefix(err, "creating a stream of workflow %s", r->workflow ? r->workflow : "");
    return rc;
}

static char *dup_col(MYSQL_ROW row, unsigned long *lens, int k)
{
    return row[k] ? vr_xstrndup(row[k], lens[k]) : NULL;
}

static int64_t int_col(MYSQL_ROW row, int k)
{
    return row[k] ? strtoll(row[k], NULL, 10) : 0;
}

static void fill_row(MYSQL_ROW row, unsigned long *lens, vr_vrepl_row_t *r)
{
    memset(r, 0, sizeof(*r));
    r->id = int_col(row, 0);
    r->workflow = dup_col(row, lens, 1);
    r->source = dup_col(row, lens, 2);
    r->pos = dup_col(row, lens, 3);
    r->stop_pos = dup_col(row, lens, 4);
    r->max_tps = int_col(row, 5);
    r->max_replication_lag = int_col(row, 6);
    r->cell = dup_col(row, lens, 7);
    r->tablet_types = dup_col(row, lens, 8);
    r->time_updated = int_col(row, 9);
    r->transaction_timestamp = int_col(row, 10);
    if (vr_vrepl_state_parse(row[11], &r->state, NULL) != VR_OK)
        r->state = VR_VREPL_ERROR;
    r->message = dup_col(row, lens, 12);
    r->db_name = dup_col(row, lens, 13);
    r->rows_copied = int_col(row, 14);
    r->tags = dup_col(row, lens, 15);
    r->time_heartbeat = int_col(row, 16);
    r->workflow_type = (int)int_col(row, 17);
    r->time_throttled = int_col(row, 18);
    r->component_throttled = dup_col(row, lens, 19);
    r->workflow_sub_type = (int)int_col(row, 20);
    r->defer_secondary_keys = int_col(row, 21) != 0;
    r->options = dup_col(row, lens, 22);
}

static vr_code_t read_rows(MYSQL *c, const char *sql, vr_vrepl_row_t **rows, size_t *n,
                           vr_error_t *err)
{
    MYSQL_RES *res;
    MYSQL_ROW row;
    size_t k = 0;
    vr_code_t rc = vp_query(c, sql, &res, err);
    *rows = NULL;
    *n = 0;
    if (rc != VR_OK)
        return rc;
    *rows = vr_xcalloc(mysql_num_rows(res) + 1, sizeof(**rows));
    while ((row = mysql_fetch_row(res)))
        fill_row(row, mysql_fetch_lengths(res), &(*rows)[k++]);
    *n = k;
    mysql_free_result(res);
    return VR_OK;
}

vr_code_t vr_vrepl_read(MYSQL *c, int64_t id, vr_vrepl_row_t *out, vr_error_t *err)
{
    char sql[512];
    vr_vrepl_row_t *rows;
    size_t n;
    vr_code_t rc;
    memset(out, 0, sizeof(*out));
    snprintf(sql, sizeof(sql), "select " ROW_COLUMNS " from _vt.vreplication where id=%lld",
             (long long)id);
    if ((rc = read_rows(c, sql, &rows, &n, err)) != VR_OK)
        return vr_error_prefix(err, "reading stream %lld", (long long)id);
    if (n == 0) {
        free(rows);
        return vr_errorf(err, VR_NOT_FOUND, "no stream with id %lld in _vt.vreplication",
                         (long long)id);
    }
    *out = rows[0];
    free(rows);
    return VR_OK;
}

vr_code_t vr_vrepl_list(MYSQL *c, const char *workflow, vr_vrepl_row_t **rows, size_t *n,
                        vr_error_t *err)
{
    vr_buf_t q = VR_BUF_INIT;
    vr_code_t rc;
    vr_buf_puts(&q, "select " ROW_COLUMNS " from _vt.vreplication");
    if (workflow) {
        vr_buf_puts(&q, " where workflow=");
        vp_put_string(&q, workflow);
    }
    vr_buf_puts(&q, " order by id");
    rc = read_rows(c, q.data, rows, n, err);
    vr_buf_free(&q);
    return rc;
}

void vr_vrepl_row_free(vr_vrepl_row_t *r)
{
    if (!r)
        return;
    free(r->workflow);
    free(r->source);
    free(r->pos);
    free(r->stop_pos);
    free(r->cell);
    free(r->tablet_types);
    free(r->message);
    free(r->db_name);
    free(r->tags);
    free(r->component_throttled);
    free(r->options);
    memset(r, 0, sizeof(*r));
}

void vr_vrepl_rows_free(vr_vrepl_row_t *rows, size_t n)
{
    size_t i;
    for (i = 0; rows && i < n; i++)
        vr_vrepl_row_free(&rows[i]);
    free(rows);
}

/* ---- state changes -------------------------------------------------------------- */

/* Message text as stored: Vitess's column holds 1000 bytes. */
void vp_put_message(vr_buf_t *q, const char *message)
{
    size_t n = message ? strlen(message) : 0;
    char *m;
    if (n <= 1000) {
        vp_put_string(q, message ? message : "");
        return;
    }
    n = 1000 - 3;
    while (n > 0 && ((unsigned char)message[n] & 0xC0) == 0x80)
        n--; /* do not cut a UTF-8 sequence in half */
    m = vr_xmalloc(n + 4);
    memcpy(m, message, n);
    memcpy(m + n, "...", 4);
    vp_put_string(q, m);
    free(m);
}

/* The one writer of states: checks the transition from the current state
 * (read under a row lock), and with expect >= 0 moves only from that state
 * (*moved false, VR_OK, when someone else changed it). */
static vr_code_t move_state(MYSQL *c, int64_t id, int expect, vr_vrepl_state_t st,
                            const char *message, bool *moved, vr_error_t *err)
{
    vr_buf_t q = VR_BUF_INIT, cur = VR_BUF_INIT;
    vr_vrepl_state_t from;
    bool found;
    vr_code_t rc;
    *moved = false;
    if ((rc = vp_exec(c, "begin", err)) != VR_OK)
        goto out;
    vr_buf_printf(&q, "select state from _vt.vreplication where id=%lld for update",
                  (long long)id);
    if ((rc = vp_scalar(c, q.data, &cur, &found, err)) != VR_OK)
        goto out;
    if (!found) {
        rc = vr_errorf(err, VR_NOT_FOUND, "no stream with id %lld", (long long)id);
        goto out;
    }
    if ((rc = vr_vrepl_state_parse(cur.data, &from, err)) != VR_OK)
        goto out;
    if (expect >= 0 && from != (vr_vrepl_state_t)expect) {
        rc = vp_exec(c, "commit", err);
        goto out;
    }
    if (!vr_vrepl_state_can_move(from, st)) {
        rc = vr_errorf(err, VR_STATE, "stream %lld cannot go from %s to %s", (long long)id,
                       vr_vrepl_state_name(from), vr_vrepl_state_name(st));
        goto out;
    }
    vr_buf_reset(&q);
    vr_buf_printf(&q, "update _vt.vreplication set state='%s', message=",
                  vr_vrepl_state_name(st));
    vp_put_message(&q, message);
    vr_buf_printf(&q, ", time_updated=%lld where id=%lld", (long long)time(NULL), (long long)id);
    if ((rc = vp_exec(c, q.data, err)) != VR_OK)
        goto out;
    rc = vp_exec(c, "commit", err);
    *moved = rc == VR_OK;
out:
    if (rc != VR_OK) {
        vr_error_t ignored;
        vp_exec(c, "rollback", &ignored);
        vr_error_prefix(err, "setting stream %lld to %s", (long long)id, vr_vrepl_state_name(st));
    }
    vr_buf_free(&q);
    vr_buf_free(&cur);
    return rc;
}

vr_code_t vr_vrepl_set_state(MYSQL *c, int64_t id, vr_vrepl_state_t st, const char *message,
                             vr_error_t *err)
{
    bool moved;
    return move_state(c, id, -1, st, message, &moved, err);
}

vr_code_t vp_vrepl_move(MYSQL *c, int64_t id, vr_vrepl_state_t from, vr_vrepl_state_t to,
                        const char *message, bool *moved, vr_error_t *err)
{
    return move_state(c, id, (int)from, to, message, moved, err);
}

vr_code_t vr_vrepl_delete(MYSQL *c, int64_t id, vr_error_t *err)
{
    vr_code_t rc;
    if ((rc = vp_exec(c, "begin", err)) != VR_OK ||
        (rc = vp_execf(c, err, "delete from _vt.copy_state where vrepl_id=%lld",
                       (long long)id)) != VR_OK ||
        (rc = vp_execf(c, err, "delete from _vt.vreplication where id=%lld", (long long)id)) !=
            VR_OK ||
        (rc = vp_exec(c, "commit", err)) != VR_OK) {
        vr_error_t ignored;
        vp_exec(c, "rollback", &ignored);
        return vr_error_prefix(err, "deleting stream %lld", (long long)id);
    }
    return VR_OK;
}

vr_code_t vr_vrepl_copy_tables(MYSQL *c, int64_t id, char ***tables, size_t *n, vr_error_t *err)
{
    char sql[256];
    MYSQL_RES *res;
    MYSQL_ROW row;
    size_t k = 0;
    vr_code_t rc;
    *tables = NULL;
    *n = 0;
    snprintf(sql, sizeof(sql), "select table_name from _vt.copy_state where vrepl_id=%lld "
                               "order by id", (long long)id);
    if ((rc = vp_query(c, sql, &res, err)) != VR_OK)
        return rc;
    *tables = vr_xcalloc(mysql_num_rows(res) + 1, sizeof(char *));
    while ((row = mysql_fetch_row(res)))
        (*tables)[k++] = vr_xstrdup(row[0] ? row[0] : "");
    *n = k;
    mysql_free_result(res);
    return VR_OK;
}

int64_t vr_vrepl_row_lag(const vr_vrepl_row_t *r, int64_t now)
{
    int64_t last = r->transaction_timestamp;
    if (r->state == VR_VREPL_INIT || r->state == VR_VREPL_COPYING)
        return -1;
    if (last == 0 || r->time_heartbeat > last)
        last = r->time_heartbeat;
    if (last == 0)
        last = r->time_updated;
    return now > last ? now - last : 0;
}
