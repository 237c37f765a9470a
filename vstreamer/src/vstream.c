/*
 * vstream.c - the stream object: sources (a server as a replica, a binlog
 * file, bytes in memory), positions, reconnects and the output queue.
 *
 * next() drains the queue that events.c filled from one binlog event
 * before it reads the next one; the event arena is reset at that moment,
 * which is what bounds an event's lifetime.  A retriable read error on a
 * server source closes the connection and reopens it after a backoff
 * (100 ms doubling to 5 s), resuming after the last complete transaction;
 * events already returned from the transaction in flight are swallowed on
 * replay (events.c).  Any other error stops the stream at the last good
 * position.  One thread at a time.
 */
#include "vstream_int.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>
#include <time.h>

#include "vr_log.h"

#define EV_ARENA_CHUNK (1u << 20)
#define BACKOFF_MIN_MS 100
#define BACKOFF_MAX_MS 5000

const char *vr_vevent_type_name(vr_vevent_type_t t)
{
    switch (t) {
    case VR_VEVENT_GTID: return "GTID";
    case VR_VEVENT_BEGIN: return "BEGIN";
    case VR_VEVENT_COMMIT: return "COMMIT";
    case VR_VEVENT_ROLLBACK: return "ROLLBACK";
    case VR_VEVENT_DDL: return "DDL";
    case VR_VEVENT_FIELD: return "FIELD";
    case VR_VEVENT_ROW: return "ROW";
    case VR_VEVENT_HEARTBEAT: return "HEARTBEAT";
    case VR_VEVENT_OTHER: return "OTHER";
    }
    return "?";
}

/* ---- options ---------------------------------------------------------- */

static const char *dup_or_null(const char *s)
{
    return s ? vr_xstrdup(s) : NULL;
}

/* Copy the options and every string they point to into the stream. */
static void copy_opts(vr_vstream_t *s, const vr_vstream_opts_t *o)
{
    vr_vstream_source_t *src = &s->opts.source;
    size_t i;
    s->opts = *o;
    src->host = dup_or_null(o->source.host);
    src->socket = dup_or_null(o->source.socket);
    src->user = dup_or_null(o->source.user);
    src->password = dup_or_null(o->source.password);
    src->db = dup_or_null(o->source.db);
    src->binlog_file = dup_or_null(o->source.binlog_file);
    s->opts.position = dup_or_null(o->position);
    s->opts.stop_position = dup_or_null(o->stop_position);
    s->tables = vr_xcalloc(o->ntables + 1, sizeof(char *));
    for (i = 0; i < o->ntables; i++)
        s->tables[i] = vr_xstrdup(o->tables[i]);
    s->opts.tables = (const char *const *)s->tables;
    if (s->opts.heartbeat_ms == 0)
        s->opts.heartbeat_ms = 1000;
    if (s->opts.retries == 0)
        s->opts.retries = 10;
}

static void free_opts(vr_vstream_t *s)
{
    size_t i;
    free((char *)s->opts.source.host);
    free((char *)s->opts.source.socket);
    free((char *)s->opts.source.user);
    free((char *)s->opts.source.password);
    free((char *)s->opts.source.db);
    free((char *)s->opts.source.binlog_file);
    free((char *)s->opts.position);
    free((char *)s->opts.stop_position);
    for (i = 0; s->tables && i < s->opts.ntables; i++)
        free(s->tables[i]);
    free(s->tables);
}

static vr_vstream_t *stream_new(const vr_vstream_opts_t *o)
{
    vr_vstream_t *s = vr_xcalloc(1, sizeof(*s));
    copy_opts(s, o);
    s->ev_arena = vr_arena_new(EV_ARENA_CHUNK);
    vr_bl_format_init(&s->fmt, false);
    vr_gtid_set_init(&s->position);
    vr_gtid_set_init(&s->stop);
    s->verify_checksums = true;
    return s;
}

void vr_vstream_close(vr_vstream_t *s)
{
    if (!s)
        return;
    vr_binlog_conn_close(s->conn);
    vr_vs_drop_table_maps(s);
    free(s->tms);
    vr_schema_tracker_free(s->tracker);
    vr_arena_free(s->ev_arena);
    free(s->q);
    vr_gtid_set_free(&s->position);
    vr_gtid_set_free(&s->stop);
    if (s->map)
        munmap(s->map, s->map_len);
    free(s->binlog_name);
    free_opts(s);
    free(s);
}

static bool is_current(const char *p)
{
    return !p || strcmp(p, "current") == 0;
}

static vr_code_t parse_stop(vr_vstream_t *s, const char *current, vr_error_t *err)
{
    const char *sp = s->opts.stop_position;
    vr_code_t rc;
    if (!sp)
        return VR_OK;
    if ((rc = vr_gtid_set_parse(&s->stop, strcmp(sp, "current") == 0 ? current : sp,
                                err)) != VR_OK)
        return vr_error_prefix(err, "stop position");
    s->have_stop = true;
    if (vr_gtid_set_contains_set(&s->position, &s->stop))
        s->stopped = true;
    return VR_OK;
}

/* ---- server source ------------------------------------------------------ */

static uint32_t random_server_id(void)
{
    uint32_t r = 0;
    if (getrandom(&r, sizeof(r), 0) != (ssize_t)sizeof(r))
        r = (uint32_t)time(NULL) ^ ((uint32_t)getpid() << 16);
    return (1u << 30) | (r & ((1u << 30) - 1)); /* clear of hand-picked ids */
}

typedef struct start_point {
    bool gtid;            /* start after s->position */
    char file[512];       /* else: this file and position */
    uint64_t pos;
} start_point_t;

static vr_code_t resolve_start(vr_vstream_t *s, start_point_t *sp, vr_error_t *err)
{
    MYSQL *c = NULL;
    vr_buf_t v = VR_BUF_INIT, cur = VR_BUF_INIT;
    MYSQL_RES *res = NULL;
    MYSQL_ROW row;
    vr_code_t rc;
    memset(sp, 0, sizeof(*sp));
    if ((rc = vr_src_connect(&s->opts.source, 30000, &c, err)) != VR_OK)
        goto out;
    if ((rc = vr_src_scalar(c, "SELECT @@global.log_bin", &v, err)) != VR_OK)
        goto out;
    if (strcmp(v.data, "1") != 0) {
        rc = vr_errorf(err, VR_STATE, "binary logging is off on the source (log_bin=%s)",
                       v.data);
        goto out;
    }
    if ((rc = vr_src_scalar(c, "SELECT @@global.gtid_binlog_pos", &cur, err)) != VR_OK)
        goto out;
    sp->gtid = true;
    if (!is_current(s->opts.position)) {
        if ((rc = vr_gtid_set_parse(&s->position, s->opts.position, err)) != VR_OK)
            goto out;
    } else if (cur.len > 0) {
        if ((rc = vr_gtid_set_parse(&s->position, cur.data, err)) != VR_OK)
            goto out;
    } else { /* no GTID yet: start at the end of the current binlog file */
        sp->gtid = false;
        if (mysql_query(c, "SHOW MASTER STATUS") || !(res = mysql_store_result(c))) {
            rc = vr_src_error(c, err, "SHOW MASTER STATUS");
            goto out;
        }
        if (!(row = mysql_fetch_row(res)) || !row[0] || !row[1]) {
            rc = vr_errorf(err, VR_STATE, "SHOW MASTER STATUS returned no binlog");
            goto out;
        }
        snprintf(sp->file, sizeof(sp->file), "%s", row[0]);
        sp->pos = strtoull(row[1], NULL, 10);
    }
    rc = parse_stop(s, cur.data, err);
out:
    mysql_free_result(res);
    if (c)
        mysql_close(c);
    vr_buf_free(&v);
    vr_buf_free(&cur);
    return rc;
}

static vr_code_t connect_binlog(vr_vstream_t *s, const start_point_t *sp, vr_error_t *err)
{
    vr_binlog_conn_opts_t co;
    vr_code_t rc;
    memset(&co, 0, sizeof(co));
    co.src = &s->opts.source;
    co.server_id = s->server_id;
    co.heartbeat_ms = s->opts.heartbeat_ms;
    co.start = sp->gtid ? &s->position : NULL;
    co.file = sp->file;
    co.pos = sp->pos;
    if ((rc = vr_binlog_conn_open(&co, &s->conn, err)) != VR_OK)
        return rc;
    vr_bl_format_init(&s->fmt, vr_binlog_conn_checksum(s->conn));
    return VR_OK;
}

static vr_code_t open_server(vr_vstream_t *s, vr_error_t *err)
{
    start_point_t sp;
    vr_code_t rc;
    s->kind = SRC_SERVER;
    s->server_id = s->opts.server_id ? s->opts.server_id : random_server_id();
    if ((rc = resolve_start(s, &sp, err)) != VR_OK)
        return rc;
    if (!sp.gtid) {
        free(s->binlog_name);
        s->binlog_name = vr_xstrdup(sp.file);
        s->commit_pos = sp.pos;
    }
    if ((rc = connect_binlog(s, &sp, err)) != VR_OK)
        return rc;
    s->tracker = vr_schema_tracker_new(&s->opts.source);
    return VR_OK;
}

static void sleep_ms(int ms)
{
    struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
        ;
}

/* Remember what of the transaction in flight was already returned. */
static void save_resume(vr_vstream_t *s)
{
    s->resume_gtid[0] = '\0';
    if (s->tx.open && !s->tx.skip && (s->tx.began || s->tx.rows_returned)) {
        memcpy(s->resume_gtid, s->tx.gtid_str, sizeof(s->resume_gtid));
        s->resume_began = s->tx.began;
        s->resume_rows = s->tx.rows_returned;
    }
    memset(&s->tx, 0, sizeof(s->tx));
}

static vr_code_t reconnect(vr_vstream_t *s, vr_error_t *err)
{
    start_point_t sp;
    memset(&sp, 0, sizeof(sp));
    sp.gtid = s->position.n > 0 || !s->binlog_name;
    if (!sp.gtid) {
        snprintf(sp.file, sizeof(sp.file), "%s", s->binlog_name);
        sp.pos = s->commit_pos;
    }
    vr_binlog_conn_close(s->conn);
    s->conn = NULL;
    return connect_binlog(s, &sp, err);
}

static vr_code_t read_server(vr_vstream_t *s, const uint8_t **data, size_t *len,
                             vr_error_t *err)
{
    int attempt = 0, delay = BACKOFF_MIN_MS;
    vr_code_t rc;
    for (;;) {
        if (s->conn) {
            if (s->debug_drop) {
                s->debug_drop = false;
                rc = vr_error_mysql(err, 2013, true, "connection dropped (test hook)");
            } else if ((rc = vr_binlog_conn_next(s->conn, data, len, err)) == VR_OK) {
                return VR_OK;
            }
            if (!err->retriable)
                return rc;
        }
        if (s->opts.retries >= 0 && attempt >= s->opts.retries)
            return vr_error_prefix(err, "giving up after %d reconnect attempts", attempt);
        attempt++;
        if (s->conn) {
            char *pos = vr_gtid_set_to_string(&s->position);
            vr_log_warn("vstream", "binlog connection lost (%s); reconnecting from '%s'",
                        err->msg, pos);
            free(pos);
            save_resume(s);
            vr_binlog_conn_close(s->conn);
            s->conn = NULL;
        }
        sleep_ms(delay);
        delay = delay * 2 > BACKOFF_MAX_MS ? BACKOFF_MAX_MS : delay * 2;
        if ((rc = reconnect(s, err)) == VR_OK) {
            s->stats.reconnects++;
            continue;
        }
        if (!err->retriable)
            return rc;
    }
}

/* ---- file and buffer sources -------------------------------------------- */

static vr_code_t read_buffer(vr_vstream_t *s, const uint8_t **data, size_t *len,
                             vr_error_t *err)
{
    size_t left = s->buf_len - s->buf_pos;
    uint32_t size;
    *data = NULL;
    *len = 0;
    if (left == 0)
        return VR_OK; /* end of the file */
    if (left < VR_BL_HEADER_LEN)
        return vr_errorf(err, VR_PARSE, "truncated event header at offset %zu", s->buf_pos);
    size = (uint32_t)s->buf[s->buf_pos + 9] | (uint32_t)s->buf[s->buf_pos + 10] << 8 |
           (uint32_t)s->buf[s->buf_pos + 11] << 16 | (uint32_t)s->buf[s->buf_pos + 12] << 24;
    if (size < VR_BL_HEADER_LEN || size > left)
        return vr_errorf(err, VR_PARSE, "bad event length %u at offset %zu (%zu bytes left)",
                         size, s->buf_pos, left);
    *data = s->buf + s->buf_pos;
    *len = size;
    s->buf_pos += size;
    return VR_OK;
}

static vr_code_t start_buffer(vr_vstream_t *s, vr_error_t *err)
{
    vr_code_t rc;
    if (s->buf_len >= 4 && memcmp(s->buf, "\xfe" "bin", 4) == 0)
        s->buf_pos = 4;
    if (!is_current(s->opts.position) &&
        (rc = vr_gtid_set_parse(&s->position, s->opts.position, err)) != VR_OK)
        return rc;
    s->tracker = vr_schema_tracker_new(NULL);
    return parse_stop(s, "", err);
}

/* The file is mapped, not copied: decoding reads it in place. */
static vr_code_t open_file(vr_vstream_t *s, vr_error_t *err)
{
    const char *path = s->opts.source.binlog_file;
    struct stat st;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    void *map;
    s->kind = SRC_FILE;
    if (fd < 0)
        return vr_errorf(err, VR_IO, "opening binlog file %s: %s", path, strerror(errno));
    if (fstat(fd, &st) != 0) {
        close(fd);
        return vr_errorf(err, VR_IO, "reading binlog file %s: %s", path, strerror(errno));
    }
    if (st.st_size < 4) {
        close(fd);
        return vr_errorf(err, VR_PARSE, "%s is not a binlog file (too short)", path);
    }
    map = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE | MAP_POPULATE, fd, 0);
    close(fd);
    if (map == MAP_FAILED)
        return vr_errorf(err, VR_IO, "mapping binlog file %s: %s", path, strerror(errno));
    s->map = map;
    s->map_len = (size_t)st.st_size;
    s->buf = map;
    s->buf_len = (size_t)st.st_size;
    if (memcmp(s->buf, "\xfe" "bin", 4) != 0)
        return vr_errorf(err, VR_PARSE, "%s is not a binlog file (bad magic)", path);
    free(s->binlog_name);
    s->binlog_name = vr_xstrdup(path);
    return start_buffer(s, err);
}

vr_code_t vr_vstream_open_buffer(const uint8_t *buf, size_t len,
                                 const vr_vstream_opts_t *opts, bool verify,
                                 vr_vstream_t **out, vr_error_t *err)
{
    vr_vstream_t *s = stream_new(opts);
    vr_code_t rc;
    s->kind = SRC_BUFFER;
    s->buf = buf;
    s->buf_len = len;
    s->fmt.no_verify = !verify;
    if ((rc = start_buffer(s, err)) != VR_OK) {
        vr_vstream_close(s);
        *out = NULL;
        return rc;
    }
    *out = s;
    return VR_OK;
}

/* ---- the API -------------------------------------------------------------- */

vr_code_t vr_vstream_open(const vr_vstream_opts_t *opts, vr_vstream_t **out,
                          vr_error_t *err)
{
    vr_vstream_t *s = stream_new(opts);
    vr_code_t rc;
    *out = NULL;
    rc = s->opts.source.binlog_file ? open_file(s, err) : open_server(s, err);
    if (rc != VR_OK) {
        vr_vstream_close(s);
        return vr_error_prefix(err, "opening the stream");
    }
    *out = s;
    return VR_OK;
}

vr_code_t vr_vstream_next(vr_vstream_t *s, const vr_vevent_t **ev, vr_error_t *err)
{
    const uint8_t *data;
    size_t len;
    vr_code_t rc;
    *ev = NULL;
    if (s->failed)
        return vr_errorf(err, VR_STATE, "the stream stopped after an error");
    for (;;) {
        if (s->qhead < s->qn) {
            *ev = &s->q[s->qhead++];
            return VR_OK;
        }
        if (s->stopped)
            return VR_OK;
        s->qn = s->qhead = 0;
        vr_arena_reset(s->ev_arena);
        rc = s->kind == SRC_SERVER ? read_server(s, &data, &len, err)
                                   : read_buffer(s, &data, &len, err);
        if (rc != VR_OK) {
            s->failed = true;
            return rc;
        }
        if (!data) {
            s->stopped = true;
            continue;
        }
        if ((rc = vr_vs_process(s, data, len, err)) != VR_OK) {
            s->failed = true;
            return rc;
        }
    }
}

const vr_gtid_set_t *vr_vstream_position(const vr_vstream_t *s)
{
    return &s->position;
}

void vr_vstream_stats(const vr_vstream_t *s, vr_vstream_stats_t *st)
{
    *st = s->stats;
}

void vr_vstream_debug_drop(vr_vstream_t *s)
{
    s->debug_drop = true;
}
