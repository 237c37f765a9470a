/*
 * events.c - one binlog event in, zero or more stream events out.
 *
 * The transaction state machine (tx_state_t):
 *   closed --GTID--> open --XID / QUERY COMMIT|ROLLBACK--> closed
 *   open(standalone) --QUERY (DDL or other)--> closed
 * BEGIN is queued lazily before the first included ROW, so a transaction
 * with nothing for this stream becomes one OTHER event; the position
 * advances at the end of every transaction, and GTID/COMMIT/ROLLBACK/DDL/
 * OTHER carry a snapshot of it.  After a reconnect in the middle of a
 * transaction the source re-sends it from its GTID: the BEGIN and the ROW
 * events already returned (resume_*) are swallowed, so nothing repeats.
 *
 * Invariants: everything queued points into the event arena or the raw
 * event, both valid until the caller asks for the next binlog event, which
 * happens only once the queue is drained.  A switch on the event type ends
 * in an error for types we do not understand.  Runs on the stream's thread.
 */
#include "vstream_int.h"
#include "rows_decode.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "vr_log.h"

#define MAX_TABLE_MAPS 4096
#define LOG_EVENT_IGNORABLE_F 0x80

/* ---- output queue ----------------------------------------------------- */

static vr_vevent_t *push(vr_vstream_t *s, vr_vevent_type_t type, int64_t ts)
{
    vr_vevent_t *e;
    if (s->qn == s->qcap) {
        s->qcap = s->qcap ? s->qcap * 2 : 16;
        s->q = vr_xrealloc(s->q, s->qcap * sizeof(vr_vevent_t));
    }
    e = &s->q[s->qn++];
    memset(e, 0, sizeof(*e));
    e->type = type;
    e->timestamp = ts;
    e->gtid = s->tx.open ? s->tx.gtid_str : "";
    return e;
}

static const vr_gtid_set_t *position_snapshot(vr_vstream_t *s)
{
    vr_gtid_set_t *p = vr_arena_alloc(s->ev_arena, sizeof(*p));
    *p = s->position;
    p->g = vr_arena_memdup(s->ev_arena, s->position.g,
                           s->position.n * sizeof(vr_gtid_t));
    p->cap = p->n;
    return p;
}

/* ---- statements --------------------------------------------------------- */

typedef enum qclass {
    Q_BEGIN, Q_COMMIT, Q_ROLLBACK, Q_SAVEPOINT, Q_XA, Q_DML, Q_DDL, Q_OTHER,
} qclass_t;

/* Skip blanks and comments; executable comments' markers are skipped so
 * their content counts. */
static const char *skip_noise(const char *p, const char *end)
{
    for (;;) {
        while (p < end && isspace((unsigned char)*p))
            p++;
        if (end - p >= 3 && p[0] == '/' && p[1] == '*' && p[2] == '!') {
            p += 3;
            while (p < end && isdigit((unsigned char)*p))
                p++;
        } else if (end - p >= 2 && p[0] == '/' && p[1] == '*') {
            const char *c = p + 2;
            while (c + 1 < end && !(c[0] == '*' && c[1] == '/'))
                c++;
            p = c + 1 < end ? c + 2 : end;
        } else if (p < end && (*p == '#' || (end - p >= 3 && p[0] == '-' && p[1] == '-' &&
                                             isspace((unsigned char)p[2])))) {
            while (p < end && *p != '\n')
                p++;
        } else {
            return p;
        }
    }
}

static const char *next_word(const char *p, const char *end, char *w, size_t wsz)
{
    size_t n = 0;
    p = skip_noise(p, end);
    while (p < end && (isalpha((unsigned char)*p) || *p == '_')) {
        if (n + 1 < wsz)
            w[n++] = (char)toupper((unsigned char)*p);
        p++;
    }
    w[n] = '\0';
    return p;
}

static bool word_in(const char *w, const char *const *list)
{
    for (; *list; list++)
        if (strcmp(w, *list) == 0)
            return true;
    return false;
}

static qclass_t classify(const char *sql, size_t len)
{
    static const char *const dml[] = {"INSERT", "UPDATE", "DELETE", "REPLACE",
                                      "LOAD", NULL};
    static const char *const ddl[] = {"CREATE", "ALTER", "DROP", "RENAME",
                                      "TRUNCATE", NULL};
    static const char *const not_ddl[] = {"USER", "ROLE", "SERVER", "FUNCTION",
                                          "PROCEDURE", "EVENT", "TRIGGER",
                                          "DEFINER", "AGGREGATE", "PACKAGE", NULL};
    const char *end = sql + len, *p;
    char w[32], w2[32];
    p = next_word(sql, end, w, sizeof(w));
    if (strcmp(w, "BEGIN") == 0)
        return Q_BEGIN;
    if (strcmp(w, "COMMIT") == 0)
        return Q_COMMIT;
    if (strcmp(w, "SAVEPOINT") == 0 || strcmp(w, "RELEASE") == 0)
        return Q_SAVEPOINT;
    if (strcmp(w, "XA") == 0)
        return Q_XA;
    if (strcmp(w, "ROLLBACK") == 0) {
        next_word(p, end, w2, sizeof(w2));
        return strcmp(w2, "TO") == 0 ? Q_SAVEPOINT : Q_ROLLBACK;
    }
    if (word_in(w, dml))
        return Q_DML;
    if (word_in(w, ddl)) {
        p = next_word(p, end, w2, sizeof(w2));
        if (strcmp(w2, "OR") == 0) { /* OR REPLACE */
            p = next_word(p, end, w2, sizeof(w2));
            next_word(p, end, w2, sizeof(w2));
        }
        return word_in(w2, not_ddl) ? Q_OTHER : Q_DDL;
    }
    return Q_OTHER;
}

/* ---- tables ------------------------------------------------------------- */

static bool name_included(const vr_vstream_t *s, const char *db, const char *table)
{
    size_t i, dl = strlen(db);
    if (s->opts.source.db && strcmp(s->opts.source.db, db) != 0)
        return false;
    if (s->opts.ntables == 0)
        return true;
    for (i = 0; i < s->opts.ntables; i++) {
        const char *t = s->tables[i], *dot = strchr(t, '.');
        if (dot ? (size_t)(dot - t) == dl && strncmp(t, db, dl) == 0 &&
                      strcmp(dot + 1, table) == 0
                : strcmp(t, table) == 0)
            return true;
    }
    return false;
}

static tm_ent_t *find_tm(vr_vstream_t *s, uint64_t id)
{
    size_t i;
    for (i = s->ntms; i > 0; i--) /* recent maps are at the end */
        if (s->tms[i - 1].table_id == id)
            return &s->tms[i - 1];
    return NULL;
}

void vr_vs_drop_table_maps(vr_vstream_t *s)
{
    size_t i;
    for (i = 0; i < s->ntms; i++) {
        vr_arena_free(s->tms[i].arena);
        free(s->tms[i].raw);
    }
    s->ntms = 0;
}

static tm_ent_t *new_tm(vr_vstream_t *s, uint64_t id)
{
    tm_ent_t *e;
    if (s->ntms >= MAX_TABLE_MAPS)
        vr_vs_drop_table_maps(s);
    if (s->ntms == s->captms) {
        s->captms = s->captms ? s->captms * 2 : 16;
        s->tms = vr_xrealloc(s->tms, s->captms * sizeof(tm_ent_t));
    }
    e = &s->tms[s->ntms++];
    memset(e, 0, sizeof(*e));
    e->table_id = id;
    e->arena = vr_arena_new(16384);
    return e;
}

static vr_code_t decide_include(vr_vstream_t *s, tm_ent_t *e, vr_error_t *err)
{
    vr_code_t rc;
    if (!s->opts.table_fn || !e->included)
        return VR_OK;
    if (!e->st->include_known) {
        if ((rc = s->opts.table_fn(s->opts.table_arg, e->vt, &e->st->include, err)) != VR_OK)
            return vr_error_prefix(err, "table %s.%s", e->vt->db, e->vt->name);
        e->st->include_known = true;
    }
    e->included = e->st->include;
    return VR_OK;
}

/* True when a TABLE_MAP that failed to parse names a table this stream
 * does not carry (read just its names, bounds-checked). */
static bool peek_excluded(const vr_vstream_t *s, const vr_bl_event_t *ev)
{
    size_t ph = s->fmt.post_header[VR_BL_TABLE_MAP] ? s->fmt.post_header[VR_BL_TABLE_MAP] : 8;
    const uint8_t *p = ev->body + ph, *end = ev->body + ev->body_len;
    char db[256], table[256];
    size_t n;
    if (s->opts.table_fn || ph > ev->body_len || p >= end)
        return false;
    n = *p++;
    if ((size_t)(end - p) < n + 2)
        return false;
    memcpy(db, p, n);
    db[n] = '\0';
    p += n + 1;
    n = *p++;
    if ((size_t)(end - p) < n)
        return false;
    memcpy(table, p, n);
    table[n] = '\0';
    return !name_included(s, db, table);
}

static vr_code_t on_table_map(vr_vstream_t *s, const vr_bl_event_t *ev, vr_error_t *err)
{
    tm_ent_t *e;
    vr_table_map_t *tm;
    vr_code_t rc;
    uint64_t id;
    if (ev->body_len < 6)
        return vr_errorf(err, VR_PARSE, "corrupt TABLE_MAP event: too short");
    id = s->fmt.post_header[VR_BL_TABLE_MAP] == 6 ? (uint64_t)(ev->body[0] |
         ev->body[1] << 8 | ev->body[2] << 16 | (uint32_t)ev->body[3] << 24)
         : (uint64_t)ev->body[0] | (uint64_t)ev->body[1] << 8 |
           (uint64_t)ev->body[2] << 16 | (uint64_t)ev->body[3] << 24 |
           (uint64_t)ev->body[4] << 32 | (uint64_t)ev->body[5] << 40;
    e = find_tm(s, id);
    if (e && e->epoch == s->ddl_epoch && e->raw_len == ev->body_len &&
        memcmp(e->raw, ev->body, ev->body_len) == 0)
        return VR_OK; /* the same map again (every statement re-sends it) */
    if (e) {
        vr_arena_reset(e->arena);
        free(e->raw);
        e->raw = NULL;
        e->tm = NULL;
        e->vt = NULL;
        e->included = false;
    } else {
        e = new_tm(s, id);
    }
    if ((rc = vr_bl_parse_table_map(&s->fmt, ev, e->arena, &tm, err)) != VR_OK)
        return peek_excluded(s, ev) ? VR_OK : rc; /* not ours: not our problem */
    e->raw = vr_xmalloc(ev->body_len ? ev->body_len : 1);
    memcpy(e->raw, ev->body, ev->body_len);
    e->raw_len = ev->body_len;
    e->epoch = s->ddl_epoch;
    e->tm = tm;
    e->included = name_included(s, tm->db.s, tm->table.s);
    if (!e->included)
        return VR_OK;
    if ((rc = vr_schema_tracker_resolve(s->tracker, tm, e->arena, &e->vt, &e->st,
                                        err)) != VR_OK)
        return rc;
    return decide_include(s, e, err);
}

/* ---- transactions ------------------------------------------------------- */

static void check_stop(vr_vstream_t *s)
{
    if (s->have_stop && vr_gtid_set_contains_set(&s->position, &s->stop))
        s->stopped = true;
}

/* End the open transaction: advance the position and queue its closing
 * events (closing is COMMIT, ROLLBACK, DDL or OTHER). */
static void finish_tx(vr_vstream_t *s, const vr_bl_event_t *ev,
                      vr_vevent_type_t closing, const char *stmt, const char *db)
{
    const vr_gtid_set_t *pos;
    vr_vevent_t *e;
    if (!s->tx.open)
        return;
    if (s->tx.skip) {
        s->tx.open = false;
        return;
    }
    vr_gtid_set_update(&s->position, &s->tx.gtid.gtid);
    s->commit_pos = ev->log_pos;
    pos = position_snapshot(s);
    if (closing == VR_VEVENT_DDL || s->tx.began) {
        push(s, VR_VEVENT_GTID, ev->timestamp)->position = pos;
        if (closing == VR_VEVENT_OTHER)
            closing = VR_VEVENT_COMMIT;
        e = push(s, closing, ev->timestamp);
    } else {
        e = push(s, VR_VEVENT_OTHER, ev->timestamp);
    }
    e->position = pos;
    e->statement = stmt;
    e->db = db;
    s->tx.open = false;
    check_stop(s);
}

static vr_code_t on_gtid(vr_vstream_t *s, const vr_bl_event_t *ev, vr_error_t *err)
{
    vr_bl_gtid_t g;
    vr_code_t rc;
    if ((rc = vr_bl_parse_gtid(ev, &g, err)) != VR_OK)
        return rc;
    if (s->tx.open && !s->tx.skip)
        return vr_errorf(err, VR_PARSE, "GTID event inside transaction %s",
                         s->tx.gtid_str);
    memset(&s->tx, 0, sizeof(s->tx));
    s->tx.open = true;
    s->tx.gtid = g;
    s->tx.ts = ev->timestamp;
    s->tx.standalone = (g.flags & VR_BL_FL_STANDALONE) != 0;
    vr_gtid_format(&g.gtid, s->tx.gtid_str);
    if (g.flags & (VR_BL_FL_PREPARED_XA | VR_BL_FL_COMPLETED_XA))
        return vr_errorf(err, VR_UNSUPPORTED, "XA transaction %s is not supported",
                         s->tx.gtid_str);
    s->tx.skip = vr_gtid_set_contains(&s->position, &g.gtid);
    if (s->resume_gtid[0] && strcmp(s->resume_gtid, s->tx.gtid_str) == 0) {
        s->tx.began = s->resume_began;
        s->tx.skip_rows = s->resume_rows;
    }
    s->resume_gtid[0] = '\0';
    return VR_OK;
}

static vr_code_t on_rows(vr_vstream_t *s, const vr_bl_event_t *ev, vr_error_t *err)
{
    vr_bl_rows_t r;
    tm_ent_t *e;
    vr_vrow_t *rows;
    size_t nrows;
    vr_vevent_t *out;
    vr_code_t rc;
    if ((rc = vr_bl_parse_rows(&s->fmt, ev, &r, err)) != VR_OK)
        return rc;
    if (s->tx.open && s->tx.skip)
        return VR_OK;
    if (!(e = find_tm(s, r.table_id)))
        return vr_errorf(err, VR_PARSE, "%s event for table id %llu without "
                         "its TABLE_MAP", vr_bl_type_name(ev->type),
                         (unsigned long long)r.table_id);
    if (!e->included)
        return VR_OK;
    if (!e->tm)
        return vr_errorf(err, VR_INTERNAL, "table id %llu has no parsed map",
                         (unsigned long long)r.table_id);
    if (!s->tx.open)
        return vr_errorf(err, VR_PARSE, "%s event for %s.%s outside a transaction",
                         vr_bl_type_name(ev->type), e->tm->db.s, e->tm->table.s);
    if (s->tx.skip_rows > 0) { /* returned before a reconnect */
        s->tx.skip_rows--;
        s->tx.rows_returned++;
        return VR_OK;
    }
    if ((rc = vr_rows_decode(e->tm, &r, s->ev_arena, &rows, &nrows, err)) != VR_OK)
        return rc;
    if (!s->tx.began) {
        push(s, VR_VEVENT_BEGIN, s->tx.ts);
        s->tx.began = true;
    }
    if (e->st->sent_version != e->vt->version) {
        push(s, VR_VEVENT_FIELD, ev->timestamp)->table = e->vt;
        e->st->sent_version = e->vt->version;
    }
    out = push(s, VR_VEVENT_ROW, ev->timestamp);
    out->table = e->vt;
    out->rows = rows;
    out->nrows = nrows;
    s->tx.rows_returned++;
    s->stats.rows += nrows;
    return VR_OK;
}

/* The database a DDL acts on: the qualifier of the first qualified name
 * among its first words ("alter table vt_x.t", "create index i on
 * `vt x`.t"; a '(' ends the search), else the session's default db.
 * "" when neither says: such a DDL is passed on, as Vitess does. */
static void ddl_db(const char *stmt, const char *db, char *out, size_t size)
{
    const char *p = stmt;
    int words;
    for (words = 0; *p && *p != '(' && words < 8; words++) {
        char id[256];
        size_t n = 0;
        while (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r')
            p++;
        if (p[0] == '/' && p[1] == '*') { /* comment */
            const char *end = strstr(p + 2, "*/");
            p = end ? end + 2 : p + strlen(p);
            continue;
        }
        if (*p == '`') {
            for (p++; *p && !(p[0] == '`' && p[1] != '`'); p++) {
                if (*p == '`')
                    p++; /* `` is one backquote */
                if (n < sizeof(id) - 1)
                    id[n++] = *p;
            }
            if (*p)
                p++;
        } else {
            while (*p && (isalnum((unsigned char)*p) || *p == '_' || *p == '$' ||
                          (unsigned char)*p >= 0x80)) {
                if (n < sizeof(id) - 1)
                    id[n++] = *p;
                p++;
            }
        }
        id[n] = '\0';
        if (*p == '.' && n) {
            snprintf(out, size, "%s", id);
            return;
        }
        if (!n && *p && *p != '(')
            p++; /* punctuation */
    }
    snprintf(out, size, "%s", db);
}

static vr_code_t on_ddl(vr_vstream_t *s, const vr_bl_event_t *ev,
                        const char *stmt, const char *db)
{
    char acts_on[256];
    vr_vevent_t *e;
    vr_schema_tracker_ddl(s->tracker, db);
    s->ddl_epoch++;
    if (s->tx.open && s->tx.skip) {
        if (s->tx.standalone)
            s->tx.open = false;
        return VR_OK;
    }
    ddl_db(stmt, db, acts_on, sizeof(acts_on));
    if (s->opts.source.db && acts_on[0] && strcmp(s->opts.source.db, acts_on) != 0) {
        if (s->tx.standalone)
            finish_tx(s, ev, VR_VEVENT_OTHER, NULL, NULL);
        return VR_OK;
    }
    if (s->tx.open && s->tx.standalone) {
        finish_tx(s, ev, VR_VEVENT_DDL, stmt, db);
        return VR_OK;
    }
    e = push(s, VR_VEVENT_DDL, ev->timestamp); /* inside a transaction, or no GTID */
    e->statement = stmt;
    e->db = db;
    if (!s->tx.open)
        e->position = position_snapshot(s);
    return VR_OK;
}

static vr_code_t on_query(vr_vstream_t *s, const vr_bl_event_t *ev, vr_error_t *err)
{
    vr_bl_query_t q;
    vr_code_t rc;
    char *stmt, *db;
    if ((rc = vr_bl_parse_query(&s->fmt, ev, &q, err)) != VR_OK)
        return rc;
    switch (classify(q.sql, q.sql_len)) {
    case Q_BEGIN:
    case Q_SAVEPOINT:
        return VR_OK;
    case Q_COMMIT:
        finish_tx(s, ev, VR_VEVENT_COMMIT, NULL, NULL);
        return VR_OK;
    case Q_ROLLBACK:
        finish_tx(s, ev, VR_VEVENT_ROLLBACK, NULL, NULL);
        return VR_OK;
    case Q_XA:
        return vr_errorf(err, VR_UNSUPPORTED, "XA statement '%.*s' is not supported",
                         (int)(q.sql_len > 60 ? 60 : q.sql_len), q.sql);
    case Q_DML:
        if (s->tx.open && s->tx.skip)
            return VR_OK;
        return vr_errorf(err, VR_UNSUPPORTED, "statement-based binlog event '%.*s': "
                         "the source must use binlog_format=ROW",
                         (int)(q.sql_len > 60 ? 60 : q.sql_len), q.sql);
    case Q_DDL:
        stmt = vr_arena_strndup(s->ev_arena, q.sql, q.sql_len);
        db = vr_arena_strndup(s->ev_arena, q.db, q.db_len);
        return on_ddl(s, ev, stmt, db);
    case Q_OTHER:
        if (s->tx.open && s->tx.standalone) {
            stmt = vr_arena_strndup(s->ev_arena, q.sql, q.sql_len);
            finish_tx(s, ev, VR_VEVENT_OTHER, stmt, NULL);
        }
        return VR_OK;
    }
    return vr_errorf(err, VR_INTERNAL, "unclassified statement");
}

static vr_code_t on_rotate(vr_vstream_t *s, const vr_bl_event_t *ev, vr_error_t *err)
{
    vr_bl_rotate_t r;
    vr_code_t rc;
    if ((rc = vr_bl_parse_rotate(&s->fmt, ev, &r, err)) != VR_OK)
        return rc;
    free(s->binlog_name);
    s->binlog_name = vr_xstrndup(r.file, r.file_len);
    s->commit_pos = r.position;
    return VR_OK;
}

static vr_code_t dispatch(vr_vstream_t *s, const vr_bl_event_t *ev, vr_error_t *err)
{
    uint64_t xid;
    vr_code_t rc;
    switch (ev->type) {
    case VR_BL_FORMAT_DESCRIPTION:
        return vr_bl_parse_fde(ev, &s->fmt, err);
    case VR_BL_ROTATE:
        return on_rotate(s, ev, err);
    case VR_BL_GTID:
        return on_gtid(s, ev, err);
    case VR_BL_QUERY:
        return on_query(s, ev, err);
    case VR_BL_TABLE_MAP:
        return on_table_map(s, ev, err);
    case VR_BL_WRITE_ROWS_V1: case VR_BL_UPDATE_ROWS_V1: case VR_BL_DELETE_ROWS_V1:
    case VR_BL_WRITE_ROWS_V2: case VR_BL_UPDATE_ROWS_V2: case VR_BL_DELETE_ROWS_V2:
        return on_rows(s, ev, err);
    case VR_BL_XID:
        if ((rc = vr_bl_parse_xid(ev, &xid, err)) != VR_OK)
            return rc;
        finish_tx(s, ev, VR_VEVENT_COMMIT, NULL, NULL);
        return VR_OK;
    case VR_BL_HEARTBEAT:
        push(s, VR_VEVENT_HEARTBEAT, (int64_t)time(NULL))->gtid = "";
        return VR_OK;
    case VR_BL_GTID_LIST: case VR_BL_BINLOG_CHECKPOINT: case VR_BL_ANNOTATE_ROWS:
    case VR_BL_INTVAR: case VR_BL_RAND: case VR_BL_USER_VAR: case VR_BL_STOP:
    case VR_BL_ROWS_QUERY: case VR_BL_IGNORABLE:
        return VR_OK; /* nothing for a row-based stream */
    case VR_BL_INCIDENT:
        return vr_errorf(err, VR_STATE, "the source's binlog has an INCIDENT event "
                         "(events were lost on the source)");
    case VR_BL_START_ENCRYPTION:
        return vr_errorf(err, VR_UNSUPPORTED, "encrypted binlog files are not supported");
    default:
        if (ev->flags & LOG_EVENT_IGNORABLE_F)
            return VR_OK;
        return vr_errorf(err, VR_UNSUPPORTED, "unsupported binlog event %s",
                         vr_bl_type_name(ev->type));
    }
}

vr_code_t vr_vs_process(vr_vstream_t *s, const uint8_t *data, size_t len,
                        vr_error_t *err)
{
    vr_bl_event_t ev;
    vr_code_t rc;
    s->stats.events++;
    s->stats.bytes += len;
    if ((rc = vr_bl_event_parse(&s->fmt, data, len, &ev, err)) != VR_OK ||
        (vr_bl_is_compressed(ev.type) &&
         (rc = vr_bl_uncompress(&s->fmt, &ev, s->ev_arena, &ev, err)) != VR_OK) ||
        (rc = dispatch(s, &ev, err)) != VR_OK) {
        if (s->tx.open)
            vr_error_prefix(err, "in transaction %s (%s end_log_pos %u)",
                            s->tx.gtid_str, s->binlog_name ? s->binlog_name : "binlog",
                            ev.log_pos);
        else
            vr_error_prefix(err, "at %s end_log_pos %u",
                            s->binlog_name ? s->binlog_name : "binlog", ev.log_pos);
        return rc;
    }
    return VR_OK;
}
