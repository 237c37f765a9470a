/*
 * schema_tracker.c - column names, primary keys and JSON columns of the
 * tables a stream sees, and their versions.
 *
 * Sources, in order: the TABLE_MAP's optional metadata (names and primary
 * key with binlog_row_metadata=FULL), then information_schema on the
 * source (names and primary key when the map has none, and always which
 * columns are JSON: MariaDB's JSON is LONGTEXT with a json_valid() CHECK,
 * which the binlog does not carry).  information_schema answers are cached
 * per table until a DDL statement is seen.  A table's version bumps
 * whenever its resolved fields differ from the last resolution, which is
 * what makes the stream send a new FIELD event.
 *
 * Invariant: entries live until the tracker is freed (a table's version
 * survives DDL).  Runs on the stream's thread; owns one SQL connection,
 * opened lazily and reopened once after an error.
 */
#include "schema_tracker.h"
#include "source.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vr_log.h"

#define NBUCKETS 256

typedef struct ent {
    struct ent *next;
    char *db;
    char *name;
    vr_schema_table_t st;
    uint64_t sig;
    bool info_valid;      /* information_schema loaded since the last DDL */
    bool info_found;      /* the table exists there */
    uint32_t ninfo;
    char **names;
    bool *json;
    bool *unsig;          /* COLUMN_TYPE says unsigned */
    uint16_t *charset;    /* collation id; 63 for binary strings; 0 n/a */
    uint32_t npk;
    uint32_t *pk;
} ent_t;

struct vr_schema_tracker {
    const vr_vstream_source_t *src;
    MYSQL *conn;
    ent_t *buckets[NBUCKETS];
    unsigned lookups;
};

vr_schema_tracker_t *vr_schema_tracker_new(const vr_vstream_source_t *src)
{
    vr_schema_tracker_t *t = vr_xcalloc(1, sizeof(*t));
    t->src = src;
    return t;
}

static void ent_clear_info(ent_t *e)
{
    uint32_t i;
    for (i = 0; i < e->ninfo; i++)
        free(e->names[i]);
    free(e->names);
    free(e->json);
    free(e->unsig);
    free(e->charset);
    free(e->pk);
    e->names = NULL;
    e->json = NULL;
    e->unsig = NULL;
    e->charset = NULL;
    e->pk = NULL;
    e->ninfo = e->npk = 0;
    e->info_valid = e->info_found = false;
}

void vr_schema_tracker_free(vr_schema_tracker_t *t)
{
    size_t i;
    if (!t)
        return;
    for (i = 0; i < NBUCKETS; i++) {
        ent_t *e = t->buckets[i], *next;
        for (; e; e = next) {
            next = e->next;
            ent_clear_info(e);
            free(e->db);
            free(e->name);
            free(e);
        }
    }
    if (t->conn)
        mysql_close(t->conn);
    free(t);
}

unsigned vr_schema_tracker_lookups(const vr_schema_tracker_t *t)
{
    return t->lookups;
}

static uint64_t fnv(uint64_t h, const void *p, size_t n)
{
    const uint8_t *b = p;
    size_t i;
    for (i = 0; i < n; i++) {
        h ^= b[i];
        h *= 0x100000001b3ULL;
    }
    return h;
}

static ent_t *lookup(vr_schema_tracker_t *t, const char *db, const char *name)
{
    uint64_t h = fnv(fnv(0xcbf29ce484222325ULL, db, strlen(db) + 1), name, strlen(name));
    ent_t **b = &t->buckets[h % NBUCKETS], *e;
    for (e = *b; e; e = e->next)
        if (strcmp(e->db, db) == 0 && strcmp(e->name, name) == 0)
            return e;
    e = vr_xcalloc(1, sizeof(*e));
    e->db = vr_xstrdup(db);
    e->name = vr_xstrdup(name);
    e->next = *b;
    *b = e;
    return e;
}

void vr_schema_tracker_ddl(vr_schema_tracker_t *t, const char *db)
{
    size_t i;
    (void)db; /* a DDL may name tables of any database: forget them all */
    for (i = 0; i < NBUCKETS; i++) {
        ent_t *e;
        for (e = t->buckets[i]; e; e = e->next)
            ent_clear_info(e);
    }
}

/* ---- information_schema ----------------------------------------------- */

static vr_code_t ensure_conn(vr_schema_tracker_t *t, vr_error_t *err)
{
    if (t->conn)
        return VR_OK;
    return vr_src_connect(t->src, 30000, &t->conn, err);
}

static void put_literal(MYSQL *c, vr_buf_t *q, const char *s)
{
    size_t n = strlen(s);
    char *tmp = vr_xmalloc(2 * n + 1);
    mysql_real_escape_string(c, tmp, s, (unsigned long)n);
    vr_buf_printf(q, "'%s'", tmp);
    free(tmp);
}

static vr_code_t query(vr_schema_tracker_t *t, const char *sql, MYSQL_RES **res,
                       vr_error_t *err)
{
    *res = NULL;
    if (mysql_query(t->conn, sql) || !(*res = mysql_store_result(t->conn)))
        return vr_src_error(t->conn, err, "reading information_schema");
    return VR_OK;
}

static vr_code_t load_columns(vr_schema_tracker_t *t, ent_t *e, vr_error_t *err)
{
    vr_buf_t q = VR_BUF_INIT;
    MYSQL_RES *res = NULL;
    MYSQL_ROW row;
    vr_code_t rc;
    uint64_t n, i = 0;
    vr_buf_puts(&q, "SELECT c.COLUMN_NAME, (SELECT COUNT(*) FROM "
                    "information_schema.CHECK_CONSTRAINTS k WHERE "
                    "k.CONSTRAINT_SCHEMA=c.TABLE_SCHEMA AND k.TABLE_NAME=c.TABLE_NAME"
                    " AND k.CHECK_CLAUSE=CONCAT('json_valid(`',c.COLUMN_NAME,'`)')),"
                    " c.COLUMN_TYPE LIKE '%unsigned%',"
                    " IF(c.CHARACTER_MAXIMUM_LENGTH IS NULL, 0, IF(c.COLLATION_NAME IS NULL,"
                    " 63, (SELECT l.ID FROM information_schema.COLLATIONS l WHERE"
                    " l.COLLATION_NAME=c.COLLATION_NAME)))"
                    " FROM information_schema.COLUMNS c WHERE c.TABLE_SCHEMA=");
    put_literal(t->conn, &q, e->db);
    vr_buf_puts(&q, " AND c.TABLE_NAME=");
    put_literal(t->conn, &q, e->name);
    vr_buf_puts(&q, " ORDER BY c.ORDINAL_POSITION");
    if ((rc = query(t, q.data, &res, err)) != VR_OK)
        goto out;
    n = mysql_num_rows(res);
    e->names = vr_xcalloc(n ? n : 1, sizeof(char *));
    e->json = vr_xcalloc(n ? n : 1, sizeof(bool));
    e->unsig = vr_xcalloc(n ? n : 1, sizeof(bool));
    e->charset = vr_xcalloc(n ? n : 1, sizeof(uint16_t));
    while ((row = mysql_fetch_row(res)) && i < n) {
        e->names[i] = vr_xstrdup(row[0] ? row[0] : "");
        e->json[i] = row[1] && strcmp(row[1], "0") != 0;
        e->unsig[i] = row[2] && strcmp(row[2], "1") == 0;
        e->charset[i] = row[3] ? (uint16_t)strtoul(row[3], NULL, 10) : 0;
        i++;
    }
    e->ninfo = (uint32_t)i;
    e->info_found = i > 0;
out:
    mysql_free_result(res);
    vr_buf_free(&q);
    return rc;
}

static vr_code_t load_pk(vr_schema_tracker_t *t, ent_t *e, vr_error_t *err)
{
    vr_buf_t q = VR_BUF_INIT;
    MYSQL_RES *res = NULL;
    MYSQL_ROW row;
    vr_code_t rc;
    uint64_t n;
    vr_buf_puts(&q, "SELECT COLUMN_NAME FROM information_schema.STATISTICS WHERE "
                    "INDEX_NAME='PRIMARY' AND TABLE_SCHEMA=");
    put_literal(t->conn, &q, e->db);
    vr_buf_puts(&q, " AND TABLE_NAME=");
    put_literal(t->conn, &q, e->name);
    vr_buf_puts(&q, " ORDER BY SEQ_IN_INDEX");
    if ((rc = query(t, q.data, &res, err)) != VR_OK)
        goto out;
    n = mysql_num_rows(res);
    e->pk = vr_xcalloc(n ? n : 1, sizeof(uint32_t));
    while ((row = mysql_fetch_row(res))) {
        uint32_t k;
        for (k = 0; k < e->ninfo; k++)
            if (row[0] && strcmp(e->names[k], row[0]) == 0 && e->npk < n)
                e->pk[e->npk++] = k;
    }
out:
    mysql_free_result(res);
    vr_buf_free(&q);
    return rc;
}

/* Load once per DDL epoch; failures degrade to what the map says. */
static void load_info(vr_schema_tracker_t *t, ent_t *e)
{
    vr_error_t err = {0};
    int attempt;
    if (e->info_valid || !t->src)
        return;
    for (attempt = 0; attempt < 2; attempt++) {
        ent_clear_info(e);
        if (ensure_conn(t, &err) == VR_OK && load_columns(t, e, &err) == VR_OK &&
            load_pk(t, e, &err) == VR_OK) {
            t->lookups++;
            e->info_valid = true;
            return;
        }
        if (t->conn) { /* maybe a stale connection: reopen once */
            mysql_close(t->conn);
            t->conn = NULL;
        }
    }
    ent_clear_info(e);
    e->info_valid = true; /* do not retry for every event */
    vr_log_warn("vstream", "information_schema for %s.%s unavailable: %s",
                e->db, e->name, err.msg);
}

/* ---- resolution ------------------------------------------------------- */

static const char *field_name(const vr_table_map_t *tm, const ent_t *e, uint32_t k,
                              vr_arena_t *a)
{
    if (tm->cols[k].name.s)
        return tm->cols[k].name.s;
    if (e->info_found && e->ninfo == tm->ncols)
        return vr_arena_strdup(a, e->names[k]);
    return vr_arena_printf(a, "@%u", k + 1);
}

static void fill_field(const vr_tm_col_t *c, vr_vfield_t *f)
{
    f->type = c->vtype;
    f->charset = c->charset;
    f->binlog_type = c->type;
    f->flags = (c->pk ? VR_FIELD_PK : 0) | (c->is_unsigned ? VR_FIELD_UNSIGNED : 0) |
               (c->nullable ? 0 : VR_FIELD_NOT_NULL) |
               (c->charset == VR_CHARSET_BINARY ? VR_FIELD_BINARY : 0);
    f->decimals = c->scale;
    if (c->type == VR_MT_NEWDECIMAL)
        f->length = c->precision;
    else if (c->type == VR_MT_STRING || c->type == VR_MT_VARCHAR ||
             c->type == VR_MT_VAR_STRING || c->type == VR_MT_BIT)
        f->length = c->max_len;
    else
        f->length = 0;
}

static uint64_t fields_sig(const vr_vtable_t *vt)
{
    uint64_t h = 0xcbf29ce484222325ULL;
    uint32_t k;
    for (k = 0; k < vt->nfields; k++) {
        const vr_vfield_t *f = &vt->fields[k];
        h = fnv(h, f->name, strlen(f->name) + 1);
        h = fnv(h, &f->type, sizeof(f->type));
        h = fnv(h, &f->charset, sizeof(f->charset));
        h = fnv(h, &f->flags, sizeof(f->flags));
        h = fnv(h, &f->length, sizeof(f->length));
        h = fnv(h, &f->decimals, sizeof(f->decimals));
    }
    return h;
}

static void apply_info(vr_table_map_t *tm, const ent_t *e)
{
    bool usable = e->info_found && e->ninfo == tm->ncols;
    uint32_t k;
    if (!usable) {
        if (e->info_found)
            vr_log_warn("vstream", "%s.%s: information_schema has %u columns, "
                        "the binlog %u; using the binlog's", e->db, e->name,
                        e->ninfo, tm->ncols);
        return;
    }
    for (k = 0; k < tm->ncols; k++) { /* binlog_row_metadata=NO_LOG/MINIMAL */
        if (!tm->has_signedness)
            tm->cols[k].is_unsigned = e->unsig[k];
        if (!tm->has_charsets && e->charset[k])
            tm->cols[k].charset = e->charset[k];
    }
    vr_table_map_set_types(tm, e->json);
    if (!tm->has_pk && e->npk) {
        for (k = 0; k < e->npk; k++)
            tm->cols[e->pk[k]].pk = true;
    }
}

vr_code_t vr_schema_tracker_resolve(vr_schema_tracker_t *t, vr_table_map_t *tm,
                                    vr_arena_t *a, vr_vtable_t **out,
                                    vr_schema_table_t **st, vr_error_t *err)
{
    ent_t *e = lookup(t, tm->db.s, tm->table.s);
    vr_vtable_t *vt = vr_arena_calloc(a, sizeof(*vt));
    vr_vfield_t *fields = vr_arena_calloc(a, tm->ncols * sizeof(vr_vfield_t));
    uint32_t *pk = vr_arena_alloc(a, (tm->ncols ? tm->ncols : 1) * sizeof(uint32_t));
    uint32_t k, npk = 0;
    uint64_t sig;
    (void)err;
    load_info(t, e);
    apply_info(tm, e);
    for (k = 0; k < tm->ncols; k++) {
        fill_field(&tm->cols[k], &fields[k]);
        fields[k].name = field_name(tm, e, k, a);
    }
    if (tm->has_pk) {
        memcpy(pk, tm->pk, tm->npk * sizeof(uint32_t));
        npk = tm->npk;
    } else if (e->info_found && e->ninfo == tm->ncols) {
        memcpy(pk, e->pk, e->npk * sizeof(uint32_t));
        npk = e->npk;
    }
    vt->db = tm->db.s;
    vt->name = tm->table.s;
    vt->nfields = tm->ncols;
    vt->fields = fields;
    vt->npk = npk;
    vt->pk = pk;
    sig = fields_sig(vt);
    if (e->st.version == 0 || sig != e->sig) {
        e->st.version++;
        e->st.include_known = false;
        e->sig = sig;
    }
    vt->version = e->st.version;
    *out = vt;
    *st = &e->st;
    return VR_OK;
}
