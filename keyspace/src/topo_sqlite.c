/*
 * topo_sqlite.c - the embedded topology backend: one SQLite file.
 *
 * What: implements vr_topo_ops_t (topo_backend.h) over a SQLite database
 * in WAL mode, so readers never block the writer and several processes
 * (vrepl serve, vrepl up, CLI commands) can share "var/topo.db".
 *
 * Invariants:
 *   - every operation is one transaction: writes BEGIN IMMEDIATE (the
 *     write lock is taken up front, so a write never fails half-way on a
 *     lock upgrade), reads BEGIN DEFERRED (a consistent snapshot);
 *   - every successful write bumps meta.version in the same transaction,
 *     unless it changed nothing (s->changed cleared by the operation);
 *   - a shard's keyspace exists; a tablet's and a denied-table list's
 *     shard exists (checked inside the writing transaction; deletes
 *     cascade explicitly, no foreign keys);
 *   - user values only ever reach SQL as bound parameters of statements
 *     prepared once at open (the STMTS list below).
 *
 * Busy handling: sqlite3_busy_timeout (5 s) makes SQLite wait for a lock;
 * when SQLITE_BUSY still surfaces (timeout, WAL recovery, lock upgrade),
 * the whole transaction is rolled back and run again with a jittered
 * backoff for up to RETRY_MS before the error reaches the caller
 * (VR_TIMEOUT, retriable).
 *
 * Concurrency: one connection per handle; a mutex serializes the handle's
 * operations, so a handle may be shared by threads.  A forked child must
 * open its own handle.
 */
#include <pthread.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "topo_backend.h"
#include "vr_common.h"

#define SCHEMA_VERSION 1
#define BUSY_TIMEOUT_MS 5000
#define RETRY_MS 30000

/* Created on open when missing.  meta holds 'schema_version' (for future
 * migrations) and 'version' (the change counter). */
static const char SCHEMA_SQL[] =
    "CREATE TABLE IF NOT EXISTS meta ("
    "  key TEXT PRIMARY KEY, value INTEGER NOT NULL);"
    "CREATE TABLE IF NOT EXISTS keyspaces (name TEXT PRIMARY KEY);"
    "CREATE TABLE IF NOT EXISTS shards ("
    "  keyspace TEXT NOT NULL, name TEXT NOT NULL,"
    "  PRIMARY KEY (keyspace, name));"
    "CREATE TABLE IF NOT EXISTS tablets ("
    "  alias TEXT PRIMARY KEY, cell TEXT NOT NULL, uid INTEGER NOT NULL,"
    "  keyspace TEXT NOT NULL, shard TEXT NOT NULL, type INTEGER NOT NULL,"
    "  host TEXT NOT NULL, port INTEGER NOT NULL, socket TEXT NOT NULL,"
    "  db_name TEXT NOT NULL, state TEXT NOT NULL, datadir TEXT NOT NULL,"
    "  pid INTEGER NOT NULL);"
    "CREATE INDEX IF NOT EXISTS tablets_by_shard ON tablets (keyspace, shard);"
    "CREATE TABLE IF NOT EXISTS vschemas ("
    "  keyspace TEXT PRIMARY KEY, json TEXT NOT NULL);"
    "CREATE TABLE IF NOT EXISTS routing_rules ("
    "  id INTEGER PRIMARY KEY CHECK (id = 1), json TEXT NOT NULL);"
    "CREATE TABLE IF NOT EXISTS denied_tables ("
    "  keyspace TEXT NOT NULL, shard TEXT NOT NULL, type INTEGER NOT NULL,"
    "  pos INTEGER NOT NULL, name TEXT NOT NULL,"
    "  PRIMARY KEY (keyspace, shard, type, name));"
    "CREATE TABLE IF NOT EXISTS kv (key TEXT PRIMARY KEY, value TEXT NOT NULL);"
    "CREATE TABLE IF NOT EXISTS locks ("
    "  name TEXT PRIMARY KEY, owner TEXT NOT NULL,"
    "  expires_unix INTEGER NOT NULL);"
    "INSERT OR IGNORE INTO meta (key, value) VALUES ('version', 0);";

#define TABLET_COLS                                                       \
    "alias, cell, uid, keyspace, shard, type, host, port, socket, db_name, " \
    "state, datadir, pid"

/* Every statement, prepared once.  The first TX_COUNT exist before the
 * schema does. */
#define STMTS(X)                                                          \
    X(BEGIN_READ, "BEGIN DEFERRED")                                       \
    X(BEGIN_WRITE, "BEGIN IMMEDIATE")                                     \
    X(COMMIT, "COMMIT")                                                   \
    X(ROLLBACK, "ROLLBACK")                                               \
    X(VERSION_GET, "SELECT value FROM meta WHERE key = 'version'")        \
    X(VERSION_BUMP, "UPDATE meta SET value = value + 1 WHERE key = 'version'") \
    X(KS_INSERT, "INSERT INTO keyspaces (name) VALUES (?1)")              \
    X(KS_EXISTS, "SELECT 1 FROM keyspaces WHERE name = ?1")               \
    X(KS_DELETE, "DELETE FROM keyspaces WHERE name = ?1")                 \
    X(KS_LIST, "SELECT name FROM keyspaces ORDER BY name")                \
    X(KS_DEL_SHARDS, "DELETE FROM shards WHERE keyspace = ?1")            \
    X(KS_DEL_TABLETS, "DELETE FROM tablets WHERE keyspace = ?1")          \
    X(KS_DEL_DENIED, "DELETE FROM denied_tables WHERE keyspace = ?1")     \
    X(KS_DEL_VSCHEMA, "DELETE FROM vschemas WHERE keyspace = ?1")         \
    X(SHARD_INSERT, "INSERT INTO shards (keyspace, name) VALUES (?1, ?2)") \
    X(SHARD_EXISTS, "SELECT 1 FROM shards WHERE keyspace = ?1 AND name = ?2") \
    X(SHARD_DELETE, "DELETE FROM shards WHERE keyspace = ?1 AND name = ?2") \
    X(SHARD_LIST, "SELECT name FROM shards WHERE keyspace = ?1 ORDER BY name") \
    X(SHARD_DEL_TABLETS,                                                  \
      "DELETE FROM tablets WHERE keyspace = ?1 AND shard = ?2")           \
    X(SHARD_DEL_DENIED,                                                   \
      "DELETE FROM denied_tables WHERE keyspace = ?1 AND shard = ?2")     \
    X(TABLET_PUT, "INSERT OR REPLACE INTO tablets (" TABLET_COLS ") VALUES " \
                  "(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)") \
    X(TABLET_GET, "SELECT " TABLET_COLS " FROM tablets WHERE alias = ?1")  \
    X(TABLET_DELETE, "DELETE FROM tablets WHERE alias = ?1")              \
    X(TABLET_LIST, "SELECT " TABLET_COLS " FROM tablets"                   \
                   " WHERE (?1 IS NULL OR keyspace = ?1)"                  \
                   " AND (?2 IS NULL OR shard = ?2)")                      \
    X(VSCHEMA_PUT,                                                        \
      "INSERT OR REPLACE INTO vschemas (keyspace, json) VALUES (?1, ?2)") \
    X(VSCHEMA_GET, "SELECT json FROM vschemas WHERE keyspace = ?1")       \
    X(RULES_PUT, "INSERT OR REPLACE INTO routing_rules (id, json) VALUES (1, ?1)") \
    X(RULES_GET, "SELECT json FROM routing_rules WHERE id = 1")           \
    X(DENIED_CLEAR, "DELETE FROM denied_tables"                           \
                    " WHERE keyspace = ?1 AND shard = ?2 AND type = ?3")  \
    X(DENIED_ADD, "INSERT INTO denied_tables (keyspace, shard, type, pos, name)" \
                  " VALUES (?1, ?2, ?3, ?4, ?5)")                          \
    X(DENIED_GET, "SELECT name FROM denied_tables"                        \
                  " WHERE keyspace = ?1 AND shard = ?2 AND type = ?3 ORDER BY pos") \
    X(KV_PUT, "INSERT OR REPLACE INTO kv (key, value) VALUES (?1, ?2)")   \
    X(KV_GET, "SELECT value FROM kv WHERE key = ?1")                      \
    X(KV_DELETE, "DELETE FROM kv WHERE key = ?1")                         \
    X(LOCK_GET, "SELECT owner, expires_unix FROM locks WHERE name = ?1")  \
    X(LOCK_PUT, "INSERT OR REPLACE INTO locks (name, owner, expires_unix)" \
                " VALUES (?1, ?2, ?3)")                                    \
    X(LOCK_DELETE, "DELETE FROM locks WHERE name = ?1")

enum {
#define ST_ENUM(id, sql) ST_##id,
    STMTS(ST_ENUM)
#undef ST_ENUM
    ST__COUNT
};
#define TX_COUNT (ST_ROLLBACK + 1)

static const char *const stmt_sql[] = {
#define ST_SQL(id, sql) sql,
    STMTS(ST_SQL)
#undef ST_SQL
};

typedef struct sq {
    sqlite3 *db;
    char *path;
    pthread_mutex_t mu;
    sqlite3_stmt *st[ST__COUNT];
    bool busy;    /* the last error was SQLITE_BUSY/LOCKED: retry the tx */
    bool changed; /* cleared by a write that changed nothing: no bump */
    uint64_t rng; /* backoff jitter */
} sq_t;

/* One bag of arguments and results for every operation; each operation
 * reads and fills the fields it names. */
typedef struct args {
    const char *ks, *shard;
    const char *key;   /* alias, kv key, lock name */
    const char *value; /* json, kv value, lock owner */
    const vr_tablet_t *tab;
    vr_tablet_type_t type;
    const char *const *list;
    size_t n;
    int64_t now, expires;
    /* results */
    char ***strv;
    size_t *count;
    char **text;
    vr_tablet_t *tab_out;
    vr_tablet_t **tabs;
    int64_t *num;
    char *buf;
    size_t buf_size;
} args_t;

typedef vr_code_t (*tx_fn)(sq_t *s, args_t *a, vr_error_t *err);

typedef enum { TX_NONE, TX_READ, TX_WRITE } tx_kind_t;

/* ---- errors, statements, steps ------------------------------------------ */

static vr_code_t sq_fail(sq_t *s, int rc, vr_error_t *err)
{
    vr_code_t code = VR_INTERNAL;
    const char *msg = s->db ? sqlite3_errmsg(s->db) : sqlite3_errstr(rc);

    switch (rc & 0xff) {
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
        code = VR_TIMEOUT;
        s->busy = true;
        break;
    case SQLITE_NOMEM:
        code = VR_NOMEM;
        break;
    case SQLITE_IOERR:
    case SQLITE_CANTOPEN:
    case SQLITE_FULL:
    case SQLITE_READONLY:
    case SQLITE_CORRUPT:
    case SQLITE_NOTADB:
    case SQLITE_PERM:
    case SQLITE_PROTOCOL:
        code = VR_IO;
        break;
    default:
        break;
    }
    vr_errorf(err, code, "sqlite: %s (error %d)", msg, rc);
    if (err)
        err->retriable = s->busy;
    return code;
}

/* The statement id, reset and with no bindings, ready to bind. */
static sqlite3_stmt *stmt(sq_t *s, int id)
{
    sqlite3_stmt *st = s->st[id];

    sqlite3_reset(st);
    sqlite3_clear_bindings(st);
    return st;
}

static void bind_text(sqlite3_stmt *st, int i, const char *v)
{
    if (v)
        sqlite3_bind_text(st, i, v, -1, SQLITE_STATIC);
    else
        sqlite3_bind_null(st, i);
}

/* One step: *row true on SQLITE_ROW, false on SQLITE_DONE. */
static vr_code_t step(sq_t *s, sqlite3_stmt *st, bool *row, vr_error_t *err)
{
    int rc = sqlite3_step(st);
    vr_code_t code;

    if (rc == SQLITE_ROW || rc == SQLITE_DONE) {
        if (row)
            *row = rc == SQLITE_ROW;
        return VR_OK;
    }
    code = sq_fail(s, rc, err);
    sqlite3_reset(st);
    return code;
}

/* Run a statement that returns no rows (or whose rows are ignored). */
static vr_code_t exec(sq_t *s, sqlite3_stmt *st, vr_error_t *err)
{
    return step(s, st, NULL, err);
}

/* exec, then: did it change a row? */
static vr_code_t exec_changed(sq_t *s, sqlite3_stmt *st, bool *changed,
                              vr_error_t *err)
{
    vr_code_t rc = exec(s, st, err);

    *changed = rc == VR_OK && sqlite3_changes(s->db) > 0;
    return rc;
}

static void col_copy(sqlite3_stmt *st, int i, char *dst, size_t size)
{
    const char *v = (const char *)sqlite3_column_text(st, i);
    size_t n = v ? (size_t)sqlite3_column_bytes(st, i) : 0;

    if (n >= size)
        n = size - 1;
    if (n)
        memcpy(dst, v, n);
    dst[n] = '\0';
}

static char *col_dup(sqlite3_stmt *st, int i)
{
    const char *v = (const char *)sqlite3_column_text(st, i);

    return vr_xstrndup(v ? v : "", v ? (size_t)sqlite3_column_bytes(st, i) : 0);
}

/* Every row's column 0 as a malloc'd string array. */
static vr_code_t collect_strings(sq_t *s, sqlite3_stmt *st, char ***out,
                                 size_t *n, vr_error_t *err)
{
    char **v = NULL;
    size_t k = 0, cap = 0;
    bool row = true;
    vr_code_t rc = VR_OK;

    while (rc == VR_OK && (rc = step(s, st, &row, err)) == VR_OK && row) {
        if (k == cap) {
            cap = cap ? 2 * cap : 8;
            v = vr_xrealloc(v, cap * sizeof(*v));
        }
        v[k++] = col_dup(st, 0);
    }
    if (rc != VR_OK) {
        vr_topo_strv_free(v, k);
        goto out;
    }
    *out = v;
    *n = k;
out:
    return rc;
}

/* ---- transactions ---------------------------------------------------------- */

static void backoff(sq_t *s, int attempt)
{
    int64_t ms;
    struct timespec ts;

    s->rng ^= s->rng << 13;
    s->rng ^= s->rng >> 7;
    s->rng ^= s->rng << 17;
    ms = (1 << (attempt < 6 ? attempt : 6)) + (int64_t)(s->rng % 16);
    ts.tv_sec = ms / 1000;
    ts.tv_nsec = (long)(ms % 1000) * 1000000;
    nanosleep(&ts, NULL);
}

/* Leave statements idle so no read snapshot outlives the transaction. */
static void reset_all(sq_t *s)
{
    for (int i = 0; i < ST__COUNT; i++) {
        if (s->st[i] && sqlite3_stmt_busy(s->st[i]))
            sqlite3_reset(s->st[i]);
    }
}

static void rollback(sq_t *s)
{
    if (sqlite3_get_autocommit(s->db))
        return; /* no transaction open (or SQLite already rolled it back) */
    if (sqlite3_step(stmt(s, ST_ROLLBACK)) != SQLITE_DONE)
        vr_log_warn("topo", "sqlite rollback failed: %s", sqlite3_errmsg(s->db));
    sqlite3_reset(s->st[ST_ROLLBACK]);
}

static vr_code_t attempt(sq_t *s, tx_kind_t kind, tx_fn fn, args_t *a,
                         vr_error_t *err)
{
    vr_code_t rc = VR_OK;

    s->busy = false;
    s->changed = true;
    if (kind != TX_NONE)
        rc = exec(s, stmt(s, kind == TX_WRITE ? ST_BEGIN_WRITE : ST_BEGIN_READ), err);
    if (rc == VR_OK)
        rc = fn(s, a, err);
    if (rc == VR_OK && kind == TX_WRITE && s->changed)
        rc = exec(s, stmt(s, ST_VERSION_BUMP), err);
    reset_all(s);
    if (rc == VR_OK && kind != TX_NONE)
        rc = exec(s, stmt(s, ST_COMMIT), err);
    if (rc != VR_OK && kind != TX_NONE)
        rollback(s);
    return rc;
}

/* Run fn in one transaction, again from the start while SQLite is busy. */
static vr_code_t run(sq_t *s, tx_kind_t kind, tx_fn fn, args_t *a, vr_error_t *err)
{
    int64_t deadline = vr_mono_ms() + RETRY_MS;
    vr_code_t rc;

    pthread_mutex_lock(&s->mu);
    for (int i = 0;; i++) {
        rc = attempt(s, kind, fn, a, err);
        if (rc == VR_OK || !s->busy || vr_mono_ms() >= deadline)
            break;
        vr_log_debug("topo", "%s busy (attempt %d), retrying", s->path, i + 1);
        backoff(s, i);
    }
    pthread_mutex_unlock(&s->mu);
    return rc;
}

/* ---- open / close / schema ------------------------------------------------- */

static vr_code_t prepare(sq_t *s, int from, int to, vr_error_t *err)
{
    for (int i = from; i < to; i++) {
        int rc = sqlite3_prepare_v3(s->db, stmt_sql[i], -1, SQLITE_PREPARE_PERSISTENT,
                                    &s->st[i], NULL);
        if (rc != SQLITE_OK) {
            vr_code_t code = sq_fail(s, rc, err);

            vr_error_prefix(err, "preparing \"%s\"", stmt_sql[i]);
            return code;
        }
    }
    return VR_OK;
}

static vr_code_t tx_wal(sq_t *s, args_t *a, vr_error_t *err)
{
    sqlite3_stmt *st = NULL;
    bool row = false;
    vr_code_t rc = VR_OK;
    int prc = sqlite3_prepare_v2(s->db, "PRAGMA journal_mode = WAL", -1, &st, NULL);

    if (prc != SQLITE_OK) {
        rc = sq_fail(s, prc, err);
        goto out;
    }
    rc = step(s, st, &row, err);
    if (rc == VR_OK && row &&
        strcmp((const char *)sqlite3_column_text(st, 0), "wal") != 0)
        vr_log_warn("topo", "%s: journal mode is %s, not wal", s->path,
                    (const char *)sqlite3_column_text(st, 0));
out:
    sqlite3_finalize(st);
    return rc;
}

static vr_code_t meta_get(sq_t *s, const char *key, int64_t *out, bool *found,
                          vr_error_t *err)
{
    sqlite3_stmt *st = NULL;
    bool row = false;
    vr_code_t rc = VR_OK;
    int prc = sqlite3_prepare_v2(s->db, "SELECT value FROM meta WHERE key = ?1", -1,
                                 &st, NULL);

    if (prc != SQLITE_OK) {
        rc = sq_fail(s, prc, err);
        goto out;
    }
    bind_text(st, 1, key);
    rc = step(s, st, &row, err);
    *found = rc == VR_OK && row;
    if (*found)
        *out = sqlite3_column_int64(st, 0);
out:
    sqlite3_finalize(st);
    return rc;
}

/* Schema versions: 0 is a new file.  Future migrations go here, one step
 * per version, inside this same transaction. */
static vr_code_t tx_schema(sq_t *s, args_t *a, vr_error_t *err)
{
    int64_t ver = 0;
    bool found = false;
    int prc = sqlite3_exec(s->db, SCHEMA_SQL, NULL, NULL, NULL);
    vr_code_t rc = prc == SQLITE_OK ? VR_OK : sq_fail(s, prc, err);

    s->changed = false; /* creating the schema is no topology change */
    if (rc == VR_OK)
        rc = meta_get(s, "schema_version", &ver, &found, err);
    if (rc == VR_OK && ver > SCHEMA_VERSION)
        rc = vr_errorf(err, VR_UNSUPPORTED,
                       "schema version %lld is newer than this vrepl knows (%d)",
                       (long long)ver, SCHEMA_VERSION);
    if (rc == VR_OK && !found) {
        prc = sqlite3_exec(s->db,
                           "INSERT INTO meta (key, value) VALUES ('schema_version', 1)",
                           NULL, NULL, NULL);
        rc = prc == SQLITE_OK ? VR_OK : sq_fail(s, prc, err);
    }
    return rc;
}

static void sq_close(void *be)
{
    sq_t *s = be;

    if (!s)
        return;
    for (int i = 0; i < ST__COUNT; i++)
        sqlite3_finalize(s->st[i]);
    if (s->db && sqlite3_close(s->db) != SQLITE_OK)
        vr_log_warn("topo", "closing %s: %s", s->path, sqlite3_errmsg(s->db));
    pthread_mutex_destroy(&s->mu);
    free(s->path);
    free(s);
}

static vr_code_t sq_open(const char *target, void **be, vr_error_t *err)
{
    sq_t *s = vr_xcalloc(1, sizeof(*s));
    args_t a = {0};
    int prc;
    vr_code_t rc = VR_OK;

    pthread_mutex_init(&s->mu, NULL);
    s->path = vr_xstrdup(target);
    s->rng = ((uint64_t)getpid() << 32) ^ (uint64_t)vr_mono_ms() ^ (uintptr_t)s;
    s->rng |= 1;
    prc = sqlite3_open_v2(target, &s->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE,
                          NULL);
    if (prc != SQLITE_OK) {
        rc = sq_fail(s, prc, err);
        goto out;
    }
    sqlite3_extended_result_codes(s->db, 1);
    sqlite3_busy_timeout(s->db, BUSY_TIMEOUT_MS);
    rc = prepare(s, 0, TX_COUNT, err);
    if (rc == VR_OK)
        rc = run(s, TX_NONE, tx_wal, &a, err);
    if (rc == VR_OK)
        rc = run(s, TX_WRITE, tx_schema, &a, err);
    if (rc == VR_OK)
        rc = prepare(s, TX_COUNT, ST__COUNT, err);
out:
    if (rc != VR_OK) {
        sq_close(s);
        return rc;
    }
    *be = s;
    return VR_OK;
}

/* ---- version ------------------------------------------------------------------ */

static vr_code_t tx_version(sq_t *s, args_t *a, vr_error_t *err)
{
    sqlite3_stmt *st = stmt(s, ST_VERSION_GET);
    bool row = false;
    vr_code_t rc = step(s, st, &row, err);

    if (rc == VR_OK && !row)
        rc = vr_errorf(err, VR_INTERNAL, "version row is missing");
    if (rc == VR_OK)
        *a->num = sqlite3_column_int64(st, 0);
    return rc;
}

static vr_code_t sq_version(void *be, int64_t *out, vr_error_t *err)
{
    args_t a = {.num = out};

    return run(be, TX_READ, tx_version, &a, err);
}

/* ---- keyspaces --------------------------------------------------------------- */

static vr_code_t keyspace_exists(sq_t *s, const char *ks, bool *yes, vr_error_t *err)
{
    sqlite3_stmt *st = stmt(s, ST_KS_EXISTS);

    bind_text(st, 1, ks);
    return step(s, st, yes, err);
}

static vr_code_t need_keyspace(sq_t *s, const char *ks, vr_error_t *err)
{
    bool yes = false;
    vr_code_t rc = keyspace_exists(s, ks, &yes, err);

    if (rc == VR_OK && !yes)
        rc = vr_errorf(err, VR_NOT_FOUND, "keyspace \"%s\" not found", ks);
    return rc;
}

static vr_code_t need_shard(sq_t *s, const char *ks, const char *shard,
                            vr_error_t *err)
{
    sqlite3_stmt *st = stmt(s, ST_SHARD_EXISTS);
    bool yes = false;
    vr_code_t rc;

    bind_text(st, 1, ks);
    bind_text(st, 2, shard);
    rc = step(s, st, &yes, err);
    if (rc == VR_OK && !yes)
        rc = vr_errorf(err, VR_NOT_FOUND, "shard \"%s/%s\" not found", ks, shard);
    return rc;
}

static vr_code_t tx_create_keyspace(sq_t *s, args_t *a, vr_error_t *err)
{
    bool yes = false;
    sqlite3_stmt *st;
    vr_code_t rc = keyspace_exists(s, a->ks, &yes, err);

    if (rc == VR_OK && yes)
        rc = vr_errorf(err, VR_EXISTS, "keyspace already exists");
    if (rc == VR_OK) {
        st = stmt(s, ST_KS_INSERT);
        bind_text(st, 1, a->ks);
        rc = exec(s, st, err);
    }
    return rc;
}

static vr_code_t sq_create_keyspace(void *be, const char *ks, vr_error_t *err)
{
    args_t a = {.ks = ks};

    return run(be, TX_WRITE, tx_create_keyspace, &a, err);
}

/* Run the statements ids[0..n) with ?1 = ks (and ?2 = shard). */
static vr_code_t exec_all(sq_t *s, const int *ids, size_t n, const char *ks,
                          const char *shard, vr_error_t *err)
{
    vr_code_t rc = VR_OK;

    for (size_t i = 0; i < n && rc == VR_OK; i++) {
        sqlite3_stmt *st = stmt(s, ids[i]);

        bind_text(st, 1, ks);
        if (shard)
            bind_text(st, 2, shard);
        rc = exec(s, st, err);
    }
    return rc;
}

static vr_code_t tx_delete_keyspace(sq_t *s, args_t *a, vr_error_t *err)
{
    static const int ids[] = {ST_KS_DEL_DENIED, ST_KS_DEL_TABLETS, ST_KS_DEL_SHARDS,
                              ST_KS_DEL_VSCHEMA, ST_KS_DELETE};
    vr_code_t rc = need_keyspace(s, a->ks, err);

    if (rc == VR_OK)
        rc = exec_all(s, ids, VR_ARRAY_LEN(ids), a->ks, NULL, err);
    return rc;
}

static vr_code_t sq_delete_keyspace(void *be, const char *ks, vr_error_t *err)
{
    args_t a = {.ks = ks};

    return run(be, TX_WRITE, tx_delete_keyspace, &a, err);
}

static vr_code_t tx_list_keyspaces(sq_t *s, args_t *a, vr_error_t *err)
{
    return collect_strings(s, stmt(s, ST_KS_LIST), a->strv, a->count, err);
}

static vr_code_t sq_list_keyspaces(void *be, char ***names, size_t *n,
                                   vr_error_t *err)
{
    args_t a = {.strv = names, .count = n};

    return run(be, TX_READ, tx_list_keyspaces, &a, err);
}

/* ---- shards -------------------------------------------------------------------- */

static vr_code_t tx_create_shard(sq_t *s, args_t *a, vr_error_t *err)
{
    sqlite3_stmt *st;
    vr_code_t rc = need_keyspace(s, a->ks, err);

    if (rc == VR_OK) {
        rc = need_shard(s, a->ks, a->shard, err);
        if (rc == VR_OK)
            return vr_errorf(err, VR_EXISTS, "shard already exists");
        rc = rc == VR_NOT_FOUND ? VR_OK : rc;
    }
    if (rc == VR_OK) {
        st = stmt(s, ST_SHARD_INSERT);
        bind_text(st, 1, a->ks);
        bind_text(st, 2, a->shard);
        rc = exec(s, st, err);
    }
    return rc;
}

static vr_code_t sq_create_shard(void *be, const char *ks, const char *shard,
                                 vr_error_t *err)
{
    args_t a = {.ks = ks, .shard = shard};

    return run(be, TX_WRITE, tx_create_shard, &a, err);
}

static vr_code_t tx_delete_shard(sq_t *s, args_t *a, vr_error_t *err)
{
    static const int ids[] = {ST_SHARD_DEL_DENIED, ST_SHARD_DEL_TABLETS,
                              ST_SHARD_DELETE};
    vr_code_t rc = need_shard(s, a->ks, a->shard, err);

    if (rc == VR_OK)
        rc = exec_all(s, ids, VR_ARRAY_LEN(ids), a->ks, a->shard, err);
    return rc;
}

static vr_code_t sq_delete_shard(void *be, const char *ks, const char *shard,
                                 vr_error_t *err)
{
    args_t a = {.ks = ks, .shard = shard};

    return run(be, TX_WRITE, tx_delete_shard, &a, err);
}

static vr_code_t tx_list_shards(sq_t *s, args_t *a, vr_error_t *err)
{
    sqlite3_stmt *st;
    vr_code_t rc = need_keyspace(s, a->ks, err);

    if (rc == VR_OK) {
        st = stmt(s, ST_SHARD_LIST);
        bind_text(st, 1, a->ks);
        rc = collect_strings(s, st, a->strv, a->count, err);
    }
    return rc;
}

static vr_code_t sq_list_shards(void *be, const char *ks, char ***names, size_t *n,
                                vr_error_t *err)
{
    args_t a = {.ks = ks, .strv = names, .count = n};

    return run(be, TX_READ, tx_list_shards, &a, err);
}

/* ---- tablets ----------------------------------------------------------------------- */

static void bind_tablet(sqlite3_stmt *st, const vr_tablet_t *t)
{
    bind_text(st, 1, t->alias);
    bind_text(st, 2, t->cell);
    sqlite3_bind_int64(st, 3, t->uid);
    bind_text(st, 4, t->keyspace);
    bind_text(st, 5, t->shard);
    sqlite3_bind_int(st, 6, (int)t->type);
    bind_text(st, 7, t->host);
    sqlite3_bind_int(st, 8, t->port);
    bind_text(st, 9, t->socket);
    bind_text(st, 10, t->db_name);
    bind_text(st, 11, t->state);
    bind_text(st, 12, t->datadir);
    sqlite3_bind_int(st, 13, t->pid);
}

/* The current row (TABLET_COLS order) into *t. */
static void read_tablet(sqlite3_stmt *st, vr_tablet_t *t)
{
    memset(t, 0, sizeof(*t));
    col_copy(st, 0, t->alias, sizeof(t->alias));
    col_copy(st, 1, t->cell, sizeof(t->cell));
    t->uid = (uint32_t)sqlite3_column_int64(st, 2);
    col_copy(st, 3, t->keyspace, sizeof(t->keyspace));
    col_copy(st, 4, t->shard, sizeof(t->shard));
    t->type = (vr_tablet_type_t)sqlite3_column_int(st, 5);
    col_copy(st, 6, t->host, sizeof(t->host));
    t->port = sqlite3_column_int(st, 7);
    col_copy(st, 8, t->socket, sizeof(t->socket));
    col_copy(st, 9, t->db_name, sizeof(t->db_name));
    col_copy(st, 10, t->state, sizeof(t->state));
    col_copy(st, 11, t->datadir, sizeof(t->datadir));
    t->pid = sqlite3_column_int(st, 12);
}

static vr_code_t tx_put_tablet(sq_t *s, args_t *a, vr_error_t *err)
{
    sqlite3_stmt *st;
    vr_code_t rc = need_shard(s, a->tab->keyspace, a->tab->shard, err);

    if (rc == VR_OK) {
        st = stmt(s, ST_TABLET_PUT);
        bind_tablet(st, a->tab);
        rc = exec(s, st, err);
    }
    return rc;
}

static vr_code_t sq_put_tablet(void *be, const vr_tablet_t *tab, vr_error_t *err)
{
    args_t a = {.tab = tab};

    return run(be, TX_WRITE, tx_put_tablet, &a, err);
}

static vr_code_t tx_get_tablet(sq_t *s, args_t *a, vr_error_t *err)
{
    sqlite3_stmt *st = stmt(s, ST_TABLET_GET);
    bool row = false;
    vr_code_t rc;

    bind_text(st, 1, a->key);
    rc = step(s, st, &row, err);
    if (rc == VR_OK && !row)
        rc = vr_errorf(err, VR_NOT_FOUND, "tablet not found");
    if (rc == VR_OK)
        read_tablet(st, a->tab_out);
    return rc;
}

static vr_code_t sq_get_tablet(void *be, const char *alias, vr_tablet_t *out,
                               vr_error_t *err)
{
    args_t a = {.key = alias, .tab_out = out};

    return run(be, TX_READ, tx_get_tablet, &a, err);
}

static vr_code_t tx_delete_tablet(sq_t *s, args_t *a, vr_error_t *err)
{
    sqlite3_stmt *st = stmt(s, ST_TABLET_DELETE);
    bool changed = false;
    vr_code_t rc;

    bind_text(st, 1, a->key);
    rc = exec_changed(s, st, &changed, err);
    if (rc == VR_OK && !changed)
        rc = vr_errorf(err, VR_NOT_FOUND, "tablet not found");
    return rc;
}

static vr_code_t sq_delete_tablet(void *be, const char *alias, vr_error_t *err)
{
    args_t a = {.key = alias};

    return run(be, TX_WRITE, tx_delete_tablet, &a, err);
}

static vr_code_t tx_list_tablets(sq_t *s, args_t *a, vr_error_t *err)
{
    sqlite3_stmt *st = stmt(s, ST_TABLET_LIST);
    vr_tablet_t *v = NULL;
    size_t k = 0, cap = 0;
    bool row = true;
    vr_code_t rc = VR_OK;

    bind_text(st, 1, a->ks);
    bind_text(st, 2, a->shard);
    while ((rc = step(s, st, &row, err)) == VR_OK && row) {
        if (k == cap) {
            cap = cap ? 2 * cap : 8;
            v = vr_xrealloc(v, cap * sizeof(*v));
        }
        read_tablet(st, &v[k++]);
    }
    if (rc != VR_OK) {
        free(v);
        goto out;
    }
    *a->tabs = v;
    *a->count = k;
out:
    return rc;
}

static vr_code_t sq_list_tablets(void *be, const char *ks, const char *shard,
                                 vr_tablet_t **out, size_t *n, vr_error_t *err)
{
    args_t a = {.ks = ks, .shard = shard, .tabs = out, .count = n};

    return run(be, TX_READ, tx_list_tablets, &a, err);
}

/* ---- VSchema and routing rules ---------------------------------------------- */

static vr_code_t tx_put_vschema(sq_t *s, args_t *a, vr_error_t *err)
{
    sqlite3_stmt *st;
    vr_code_t rc = need_keyspace(s, a->ks, err);

    if (rc == VR_OK) {
        st = stmt(s, ST_VSCHEMA_PUT);
        bind_text(st, 1, a->ks);
        bind_text(st, 2, a->value);
        rc = exec(s, st, err);
    }
    return rc;
}

static vr_code_t sq_put_vschema(void *be, const char *ks, const char *json,
                                vr_error_t *err)
{
    args_t a = {.ks = ks, .value = json};

    return run(be, TX_WRITE, tx_put_vschema, &a, err);
}

/* Column 0 of the single row of st into *a->text; VR_NOT_FOUND (with
 * message what) when there is none. */
static vr_code_t get_text(sq_t *s, sqlite3_stmt *st, args_t *a, const char *what,
                          vr_error_t *err)
{
    bool row = false;
    vr_code_t rc = step(s, st, &row, err);

    if (rc == VR_OK && !row && what)
        rc = vr_errorf(err, VR_NOT_FOUND, "%s", what);
    if (rc == VR_OK && row)
        *a->text = col_dup(st, 0);
    return rc;
}

static vr_code_t tx_get_vschema(sq_t *s, args_t *a, vr_error_t *err)
{
    sqlite3_stmt *st;
    vr_code_t rc = need_keyspace(s, a->ks, err);

    if (rc == VR_OK) {
        st = stmt(s, ST_VSCHEMA_GET);
        bind_text(st, 1, a->ks);
        rc = get_text(s, st, a, "keyspace has no vschema", err);
    }
    return rc;
}

static vr_code_t sq_get_vschema(void *be, const char *ks, char **json,
                                vr_error_t *err)
{
    args_t a = {.ks = ks, .text = json};

    return run(be, TX_READ, tx_get_vschema, &a, err);
}

static vr_code_t tx_put_rules(sq_t *s, args_t *a, vr_error_t *err)
{
    sqlite3_stmt *st = stmt(s, ST_RULES_PUT);

    bind_text(st, 1, a->value);
    return exec(s, st, err);
}

static vr_code_t sq_put_routing_rules(void *be, const char *json, vr_error_t *err)
{
    args_t a = {.value = json};

    return run(be, TX_WRITE, tx_put_rules, &a, err);
}

static vr_code_t tx_get_rules(sq_t *s, args_t *a, vr_error_t *err)
{
    return get_text(s, stmt(s, ST_RULES_GET), a, NULL, err);
}

static vr_code_t sq_get_routing_rules(void *be, char **json, vr_error_t *err)
{
    args_t a = {.text = json};

    return run(be, TX_READ, tx_get_rules, &a, err);
}

/* ---- denied tables ------------------------------------------------------------- */

static void bind_kst(sqlite3_stmt *st, const args_t *a)
{
    bind_text(st, 1, a->ks);
    bind_text(st, 2, a->shard);
    sqlite3_bind_int(st, 3, (int)a->type);
}

static vr_code_t tx_set_denied(sq_t *s, args_t *a, vr_error_t *err)
{
    sqlite3_stmt *st;
    vr_code_t rc = need_shard(s, a->ks, a->shard, err);

    if (rc == VR_OK) {
        st = stmt(s, ST_DENIED_CLEAR);
        bind_kst(st, a);
        rc = exec(s, st, err);
    }
    for (size_t i = 0; i < a->n && rc == VR_OK; i++) {
        st = stmt(s, ST_DENIED_ADD);
        bind_kst(st, a);
        sqlite3_bind_int64(st, 4, (sqlite3_int64)i);
        bind_text(st, 5, a->list[i]);
        rc = exec(s, st, err);
    }
    return rc;
}

static vr_code_t sq_set_denied_tables(void *be, const char *ks, const char *shard,
                                      vr_tablet_type_t type,
                                      const char *const *tables, size_t n,
                                      vr_error_t *err)
{
    args_t a = {.ks = ks, .shard = shard, .type = type, .list = tables, .n = n};

    return run(be, TX_WRITE, tx_set_denied, &a, err);
}

static vr_code_t tx_get_denied(sq_t *s, args_t *a, vr_error_t *err)
{
    sqlite3_stmt *st;
    vr_code_t rc = need_shard(s, a->ks, a->shard, err);

    if (rc == VR_OK) {
        st = stmt(s, ST_DENIED_GET);
        bind_kst(st, a);
        rc = collect_strings(s, st, a->strv, a->count, err);
    }
    return rc;
}

static vr_code_t sq_get_denied_tables(void *be, const char *ks, const char *shard,
                                      vr_tablet_type_t type, char ***tables,
                                      size_t *n, vr_error_t *err)
{
    args_t a = {.ks = ks, .shard = shard, .type = type, .strv = tables, .count = n};

    return run(be, TX_READ, tx_get_denied, &a, err);
}

/* ---- key/value ---------------------------------------------------------------- */

static vr_code_t tx_put_kv(sq_t *s, args_t *a, vr_error_t *err)
{
    sqlite3_stmt *st = stmt(s, ST_KV_PUT);

    bind_text(st, 1, a->key);
    bind_text(st, 2, a->value);
    return exec(s, st, err);
}

static vr_code_t sq_put_kv(void *be, const char *key, const char *value,
                           vr_error_t *err)
{
    args_t a = {.key = key, .value = value};

    return run(be, TX_WRITE, tx_put_kv, &a, err);
}

static vr_code_t tx_get_kv(sq_t *s, args_t *a, vr_error_t *err)
{
    sqlite3_stmt *st = stmt(s, ST_KV_GET);

    bind_text(st, 1, a->key);
    return get_text(s, st, a, "key not found", err);
}

static vr_code_t sq_get_kv(void *be, const char *key, char **value, vr_error_t *err)
{
    args_t a = {.key = key, .text = value};

    return run(be, TX_READ, tx_get_kv, &a, err);
}

/* Deleting an absent key is VR_OK and no change. */
static vr_code_t tx_delete_kv(sq_t *s, args_t *a, vr_error_t *err)
{
    sqlite3_stmt *st = stmt(s, ST_KV_DELETE);

    bind_text(st, 1, a->key);
    return exec_changed(s, st, &s->changed, err);
}

static vr_code_t sq_delete_kv(void *be, const char *key, vr_error_t *err)
{
    args_t a = {.key = key};

    return run(be, TX_WRITE, tx_delete_kv, &a, err);
}

/* ---- locks ------------------------------------------------------------------------ */

typedef struct holder {
    bool held; /* a row exists and has not expired */
    bool row;  /* a row exists at all */
    char owner[256]; /* for messages; may be truncated */
    int64_t expires;
} holder_t;

/* The lock row of name.  Owners are compared in full (*same_owner); h->owner
 * is only for messages. */
static vr_code_t read_holder(sq_t *s, const char *name, int64_t now,
                             const char *owner, holder_t *h, bool *same_owner,
                             vr_error_t *err)
{
    sqlite3_stmt *st = stmt(s, ST_LOCK_GET);
    vr_code_t rc;
    const char *o;

    memset(h, 0, sizeof(*h));
    bind_text(st, 1, name);
    rc = step(s, st, &h->row, err);
    if (rc != VR_OK || !h->row)
        return rc;
    o = (const char *)sqlite3_column_text(st, 0);
    h->expires = sqlite3_column_int64(st, 1);
    h->held = h->expires > now;
    col_copy(st, 0, h->owner, sizeof(h->owner));
    *same_owner = o && strcmp(o, owner) == 0;
    return VR_OK;
}

static vr_code_t held_error(const char *name, const holder_t *h,
                            const char *not_by, vr_error_t *err)
{
    char when[48];

    vr_topo_format_utc(h->expires, when, sizeof(when));
    if (not_by)
        return vr_errorf(err, VR_LOCKED, "lock \"%s\" is held by \"%s\" until %s, not by \"%s\"",
                         name, h->owner, when, not_by);
    return vr_errorf(err, VR_LOCKED, "lock \"%s\" is held by \"%s\" until %s", name,
                     h->owner, when);
}

static vr_code_t tx_lock(sq_t *s, args_t *a, vr_error_t *err)
{
    holder_t h;
    bool same = false;
    sqlite3_stmt *st;
    vr_code_t rc = read_holder(s, a->key, a->now, a->value, &h, &same, err);

    if (rc == VR_OK && h.held && !same) {
        held_error(a->key, &h, NULL, err);
        if (err)
            err->retriable = true; /* it may be free later */
        return VR_LOCKED;
    }
    if (rc == VR_OK) {
        st = stmt(s, ST_LOCK_PUT);
        bind_text(st, 1, a->key);
        bind_text(st, 2, a->value);
        sqlite3_bind_int64(st, 3, a->expires);
        rc = exec(s, st, err);
    }
    return rc;
}

static vr_code_t sq_lock(void *be, const char *name, const char *owner, int64_t now,
                         int64_t expires, vr_error_t *err)
{
    args_t a = {.key = name, .value = owner, .now = now, .expires = expires};

    return run(be, TX_WRITE, tx_lock, &a, err);
}

/* Unlocking a free or expired lock is VR_OK; an expired row is removed
 * without counting as a change. */
static vr_code_t tx_unlock(sq_t *s, args_t *a, vr_error_t *err)
{
    holder_t h;
    bool same = false;
    sqlite3_stmt *st;
    vr_code_t rc = read_holder(s, a->key, a->now, a->value, &h, &same, err);

    if (rc != VR_OK || !h.row) {
        s->changed = false;
        return rc;
    }
    if (h.held && !same)
        return held_error(a->key, &h, a->value, err);
    s->changed = h.held;
    st = stmt(s, ST_LOCK_DELETE);
    bind_text(st, 1, a->key);
    return exec(s, st, err);
}

static vr_code_t sq_unlock(void *be, const char *name, const char *owner,
                           int64_t now, vr_error_t *err)
{
    args_t a = {.key = name, .value = owner, .now = now};

    return run(be, TX_WRITE, tx_unlock, &a, err);
}

static vr_code_t tx_lock_holder(sq_t *s, args_t *a, vr_error_t *err)
{
    sqlite3_stmt *st = stmt(s, ST_LOCK_GET);
    bool row = false;
    vr_code_t rc;

    if (a->buf_size)
        a->buf[0] = '\0';
    *a->num = 0;
    bind_text(st, 1, a->key);
    rc = step(s, st, &row, err);
    if (rc != VR_OK || !row || sqlite3_column_int64(st, 1) <= a->now)
        return rc;
    if (a->buf_size)
        col_copy(st, 0, a->buf, a->buf_size);
    *a->num = sqlite3_column_int64(st, 1);
    return VR_OK;
}

static vr_code_t sq_lock_holder(void *be, const char *name, int64_t now, char *owner,
                                size_t owner_size, int64_t *expires, vr_error_t *err)
{
    args_t a = {.key = name, .now = now, .buf = owner, .buf_size = owner_size,
                .num = expires};

    return run(be, TX_READ, tx_lock_holder, &a, err);
}

const vr_topo_ops_t vr_topo_sqlite_ops = {
    .name = "sqlite",
    .open = sq_open,
    .close = sq_close,
    .version = sq_version,
    .create_keyspace = sq_create_keyspace,
    .delete_keyspace = sq_delete_keyspace,
    .list_keyspaces = sq_list_keyspaces,
    .create_shard = sq_create_shard,
    .delete_shard = sq_delete_shard,
    .list_shards = sq_list_shards,
    .put_tablet = sq_put_tablet,
    .get_tablet = sq_get_tablet,
    .delete_tablet = sq_delete_tablet,
    .list_tablets = sq_list_tablets,
    .put_vschema = sq_put_vschema,
    .get_vschema = sq_get_vschema,
    .put_routing_rules = sq_put_routing_rules,
    .get_routing_rules = sq_get_routing_rules,
    .set_denied_tables = sq_set_denied_tables,
    .get_denied_tables = sq_get_denied_tables,
    .put_kv = sq_put_kv,
    .get_kv = sq_get_kv,
    .delete_kv = sq_delete_kv,
    .lock = sq_lock,
    .unlock = sq_unlock,
    .lock_holder = sq_lock_holder,
};
