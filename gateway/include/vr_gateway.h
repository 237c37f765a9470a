/*
 * vr_gateway.h - the face of gateway/: a MySQL-protocol server.
 *
 * The gateway speaks the MySQL/MariaDB client/server protocol (protocol 10
 * handshake, mysql_native_password, text and binary result sets, prepared
 * statements, multi-statements, optional TLS) and hands every statement to a
 * *handler*: a small vtable that decides what a statement means.  Today two
 * handlers exist: the built-in one (answers the probes clients send at
 * connect, for tests) and the passthrough one (forwards each statement to one
 * backend MariaDB through Connector/C: a development tool).  The planner and
 * executor plug in here later as a third handler.
 *
 * Threads: one event-loop thread (epoll) accepts, reads and authenticates;
 * each complete command runs on a worker pool (grown on demand when every
 * worker is busy, up to max_workers), so an idle connection holds no thread
 * and a slow statement blocks only its own session.  Handler
 * callbacks for one session never run concurrently; callbacks of different
 * sessions do, so a handler's shared ctx must be thread-safe.
 *
 * Prepared statements are the gateway's own business: it splits `?`
 * placeholders at prepare, and at execute substitutes the bound values as
 * escaped SQL literals and calls on_query (as Vitess's vtgate does).  The
 * binary-protocol encoding of result rows is also its job: a handler always
 * writes text values, the result writer converts them per column type.
 */
#ifndef VR_GATEWAY_H
#define VR_GATEWAY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "vr_common.h"

#define VR_GW_SERVER_VERSION "10.11.19-MariaDB-vrepl-0.1.0"
#define VR_GW_DEFAULT_PORT 15306

typedef struct vr_gw_server vr_gw_server_t;
typedef struct vr_gw_session vr_gw_session_t;
typedef struct vr_gw_result vr_gw_result_t;

/* Column types as on the wire (MySQL's enum_field_types). */
typedef enum vr_gw_type {
    VR_GW_TYPE_DECIMAL = 0,
    VR_GW_TYPE_TINY = 1,
    VR_GW_TYPE_SHORT = 2,
    VR_GW_TYPE_LONG = 3,
    VR_GW_TYPE_FLOAT = 4,
    VR_GW_TYPE_DOUBLE = 5,
    VR_GW_TYPE_NULL = 6,
    VR_GW_TYPE_TIMESTAMP = 7,
    VR_GW_TYPE_LONGLONG = 8,
    VR_GW_TYPE_INT24 = 9,
    VR_GW_TYPE_DATE = 10,
    VR_GW_TYPE_TIME = 11,
    VR_GW_TYPE_DATETIME = 12,
    VR_GW_TYPE_YEAR = 13,
    VR_GW_TYPE_NEWDATE = 14,
    VR_GW_TYPE_VARCHAR = 15,
    VR_GW_TYPE_BIT = 16,
    VR_GW_TYPE_JSON = 245,
    VR_GW_TYPE_NEWDECIMAL = 246,
    VR_GW_TYPE_ENUM = 247,
    VR_GW_TYPE_SET = 248,
    VR_GW_TYPE_TINY_BLOB = 249,
    VR_GW_TYPE_MEDIUM_BLOB = 250,
    VR_GW_TYPE_LONG_BLOB = 251,
    VR_GW_TYPE_BLOB = 252,
    VR_GW_TYPE_VAR_STRING = 253,
    VR_GW_TYPE_STRING = 254,
    VR_GW_TYPE_GEOMETRY = 255,
} vr_gw_type_t;

/* Column flags as on the wire. */
#define VR_GW_FLAG_NOT_NULL 0x0001
#define VR_GW_FLAG_PRI_KEY 0x0002
#define VR_GW_FLAG_UNIQUE_KEY 0x0004
#define VR_GW_FLAG_MULTIPLE_KEY 0x0008
#define VR_GW_FLAG_BLOB 0x0010
#define VR_GW_FLAG_UNSIGNED 0x0020
#define VR_GW_FLAG_ZEROFILL 0x0040
#define VR_GW_FLAG_BINARY 0x0080
#define VR_GW_FLAG_ENUM 0x0100
#define VR_GW_FLAG_AUTO_INCREMENT 0x0200
#define VR_GW_FLAG_TIMESTAMP 0x0400
#define VR_GW_FLAG_SET 0x0800
#define VR_GW_FLAG_NUM 0x8000

/* Session status bits the handler reports (wire SERVER_STATUS_* values). */
#define VR_GW_STATUS_IN_TRANS 0x0001
#define VR_GW_STATUS_AUTOCOMMIT 0x0002
#define VR_GW_STATUS_NO_BACKSLASH_ESCAPES 0x0200

/* Collation ids the gateway uses itself. */
#define VR_GW_CHARSET_BINARY 63
#define VR_GW_CHARSET_UTF8MB4 45 /* utf8mb4_general_ci */

/* MySQL error numbers the gateway sends. */
#define VR_GW_ER_CON_COUNT 1040       /* 08004 Too many connections */
#define VR_GW_ER_ACCESS_DENIED 1045   /* 28000 */
#define VR_GW_ER_NO_DB 1046           /* 3D000 No database selected */
#define VR_GW_ER_UNKNOWN_COM 1047     /* 08S01 Unknown command */
#define VR_GW_ER_BAD_DB 1049          /* 42000 Unknown database */
#define VR_GW_ER_HANDSHAKE 1043       /* 08S01 Bad handshake */
#define VR_GW_ER_PARSE 1064           /* 42000 */
#define VR_GW_ER_EMPTY_QUERY 1065     /* 42000 Query was empty */
#define VR_GW_ER_UNKNOWN 1105         /* HY000 */
#define VR_GW_ER_NET_PACKET_TOO_LARGE 1153 /* 08S01 */
#define VR_GW_ER_NET_PACKETS_OUT_OF_ORDER 1156 /* 08S01 */
#define VR_GW_ER_WRONG_ARGUMENTS 1210 /* HY000 */
#define VR_GW_ER_NOT_SUPPORTED_AUTH 1251 /* 08004 */
#define VR_GW_ER_UNKNOWN_STMT_HANDLER 1243 /* HY000 */
#define VR_GW_ER_MAX_PREPARED_STMT 1461 /* 42000 */
#define VR_GW_ER_NOT_SUPPORTED_YET 1235 /* 42000 */

/* One column of a result set.  Strings are copied by the writer; NULL
 * means "". */
typedef struct vr_gw_column {
    const char *schema;
    const char *table;
    const char *org_table;
    const char *name;
    const char *org_name;
    uint16_t charset;   /* collation id (63 = binary) */
    uint32_t length;    /* display length */
    uint8_t type;       /* vr_gw_type_t */
    uint16_t flags;     /* VR_GW_FLAG_* */
    uint8_t decimals;
} vr_gw_column_t;

/*
 * The handler: what the gateway calls for each session and statement.
 * ctx is the handler's own state (shared by all sessions: thread-safe).
 * Every callback runs on a worker thread and may block (on a backend).
 * A callback that fails fills err (mysql_errno and message; a client sees
 * errno 1105 when mysql_errno is 0) and returns non-VR_OK.
 *
 * on_query is required; every other member may be NULL.
 */
typedef struct vr_gw_handler {
    void *ctx;
    /* After authentication, before the client sees OK.  Failing refuses
     * the connection with err. */
    vr_code_t (*on_connect)(void *ctx, vr_gw_session_t *s, vr_error_t *err);
    /* One statement (multi-statement COM_QUERYs are split by the gateway;
     * prepared statements arrive with their parameters substituted).  The
     * handler reports its answer through r: result sets, OK, or an error
     * (vr_gw_result_error); returning non-VR_OK without having written an
     * error sends err.  sql is NUL-terminated at sql[len] and valid for
     * the call only. */
    vr_code_t (*on_query)(void *ctx, vr_gw_session_t *s, const char *sql,
                          size_t len, vr_gw_result_t *r, vr_error_t *err);
    /* COM_STMT_PREPARE: optional description of the statement's result
     * columns (vr_gw_result_columns on r; nothing for "no result set or
     * unknown": clients then take the metadata from the execute), or
     * vr_gw_result_error to refuse the statement. */
    vr_code_t (*on_prepare)(void *ctx, vr_gw_session_t *s, const char *sql,
                            size_t len, unsigned n_params, vr_gw_result_t *r,
                            vr_error_t *err);
    /* COM_INIT_DB and the database of the handshake.  NULL accepts any. */
    vr_code_t (*on_init_db)(void *ctx, vr_gw_session_t *s, const char *db,
                            vr_error_t *err);
    /* COM_RESET_CONNECTION (after the gateway dropped the session's
     * prepared statements). */
    vr_code_t (*on_reset)(void *ctx, vr_gw_session_t *s, vr_error_t *err);
    /* The session ends (client quit or vanished, or server stop); called
     * only when on_connect succeeded.  Frees what on_connect set up. */
    void (*on_close)(void *ctx, vr_gw_session_t *s);
} vr_gw_handler_t;

/* A user allowed to connect.  name "" is the anonymous account: it
 * matches any user name not listed (MySQL's ''@'%'), with its password. */
typedef struct vr_gw_user {
    const char *name;
    const char *password; /* plain text; "" or NULL for none */
} vr_gw_user_t;

typedef struct vr_gw_config {
    const char *host;            /* listen address; NULL: 127.0.0.1 */
    int port;                    /* 0: an ephemeral port (see _port()) */
    const vr_gw_user_t *users;   /* copied */
    size_t n_users;
    size_t max_allowed_packet;   /* 0: 16 MiB */
    unsigned workers;            /* statement threads at start; 0: 8 */
    unsigned max_workers;        /* grown on demand up to; 0: 64 */
    unsigned max_connections;    /* 0: 1000 */
    int write_timeout_ms;        /* client not reading; 0: 60000 */
    int connect_timeout_ms;      /* to finish the handshake; 0: 10000 */
    const char *server_version;  /* NULL: "5.5.5-" VR_GW_SERVER_VERSION, as
                                    MariaDB 10.x sends it (clients strip the
                                    prefix and see a MariaDB server) */
    const char *tls_cert;        /* PEM files; both set enables TLS */
    const char *tls_key;
    vr_gw_handler_t handler;
} vr_gw_config_t;

/* Bind the listener and prepare the server (not yet accepting).  The
 * config's strings and users are copied; the handler ctx stays the
 * caller's and must outlive the server. */
vr_code_t vr_gw_server_new(const vr_gw_config_t *cfg, vr_gw_server_t **out,
                           vr_error_t *err);
/* Start the event loop and workers in their own threads. */
vr_code_t vr_gw_server_start(vr_gw_server_t *srv, vr_error_t *err);
/* The port actually bound. */
int vr_gw_server_port(const vr_gw_server_t *srv);
/* Stop accepting, close every session (waiting for running statements to
 * finish) and join the threads.  Idempotent. */
void vr_gw_server_stop(vr_gw_server_t *srv);
/* Stops if needed, then frees.  NULL is a no-op. */
void vr_gw_server_free(vr_gw_server_t *srv);

typedef struct vr_gw_stats {
    uint64_t connections;     /* accepted since start */
    uint64_t sessions_open;   /* now */
    uint64_t questions;       /* statements run */
    uint64_t auth_failures;
    uint64_t protocol_errors; /* sessions closed for a bad or huge packet */
    uint64_t aborted_clients; /* sessions lost mid-command (client gone) */
} vr_gw_stats_t;
void vr_gw_server_stats(const vr_gw_server_t *srv, vr_gw_stats_t *out);

/* ---- sessions (valid inside handler callbacks) ---- */
uint32_t vr_gw_session_id(const vr_gw_session_t *s);
const char *vr_gw_session_user(const vr_gw_session_t *s);
const char *vr_gw_session_peer(const vr_gw_session_t *s); /* client IP */
const char *vr_gw_session_db(const vr_gw_session_t *s);   /* NULL: none */
uint16_t vr_gw_session_charset(const vr_gw_session_t *s); /* collation id */
/* CLIENT_* capability bits both sides agreed on. */
uint32_t vr_gw_session_capabilities(const vr_gw_session_t *s);
/* Status bits (VR_GW_STATUS_*) sent with every OK/EOF.  Handlers that know
 * the transaction state report it here (in_trans, autocommit, sql_mode's
 * NO_BACKSLASH_ESCAPES, which prepared-statement literals depend on). */
uint16_t vr_gw_session_status(const vr_gw_session_t *s);
void vr_gw_session_set_status(vr_gw_session_t *s, uint16_t mask, uint16_t bits);
/* Per-session handler data (the handler frees it in on_close). */
void *vr_gw_session_data(const vr_gw_session_t *s);
void vr_gw_session_set_data(vr_gw_session_t *s, void *data);
/* Memory for the current statement: reset when the command ends. */
vr_arena_t *vr_gw_session_arena(vr_gw_session_t *s);

/* ---- the result writer ----
 * A statement's answer is a sequence of results, each either a result set
 * (columns, rows, end) or an OK; an error ends the sequence.  Several
 * results from one statement (a CALL) are sent with "more results" set.
 * Calls return VR_OK, VR_IO when the client is gone (stop producing; the
 * session will be closed), VR_STATE on a call out of order, or VR_INVALID
 * when a value cannot be encoded for its column (an error was sent). */
vr_code_t vr_gw_result_columns(vr_gw_result_t *r, const vr_gw_column_t *cols,
                               size_t n);
/* vals[i] NULL is SQL NULL; lens[i] its byte length (lens NULL: strlen). */
vr_code_t vr_gw_result_row(vr_gw_result_t *r, const char *const *vals,
                           const size_t *lens);
vr_code_t vr_gw_result_end(vr_gw_result_t *r, uint16_t warnings);
vr_code_t vr_gw_result_ok(vr_gw_result_t *r, uint64_t affected_rows,
                          uint64_t last_insert_id, uint16_t warnings,
                          const char *info);
/* sqlstate NULL: "HY000". */
vr_code_t vr_gw_result_error(vr_gw_result_t *r, unsigned mysql_errno,
                             const char *sqlstate, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
/* True once the client is known to be gone. */
bool vr_gw_result_client_gone(const vr_gw_result_t *r);

/* Helpers for handlers building metadata. */
vr_gw_column_t vr_gw_column_text(const char *name);   /* VAR_STRING utf8mb4 */
vr_gw_column_t vr_gw_column_int(const char *name);    /* LONGLONG */

/* ---- handlers that ship with the gateway ---- */

/* Answers the connect-time probes (select @@version_comment limit 1,
 * @@max_allowed_packet, database(), select 1, SET NAMES/autocommit, show
 * warnings, ...) and refuses other statements with 1235.  A planner can
 * call vr_gw_builtin_answer() first and plan only when it returns false. */
extern const vr_gw_handler_t vr_gw_builtin_handler;
bool vr_gw_builtin_answer(vr_gw_session_t *s, const char *sql, size_t len,
                          vr_gw_result_t *r);

/* The backend of the passthrough handler. */
typedef struct vr_gw_backend {
    char *host;
    int port;         /* 0: 3306 */
    char *user;
    char *password;   /* NULL: none */
    char *db;         /* default database when the client names none */
} vr_gw_backend_t;

/* Parse "mariadb://user[:password]@host[:port][/db]" (also mysql://). */
vr_code_t vr_gw_backend_parse(const char *url, vr_gw_backend_t *out,
                              vr_error_t *err);
void vr_gw_backend_clear(vr_gw_backend_t *b);

/* Forwards every statement of a session to one backend connection of its
 * own (opened in on_connect as the backend user) and streams the answers
 * back.  A development tool until the planner exists.  Fills *out with a
 * handler whose ctx is owned by it: free with vr_gw_passthrough_free()
 * after the server is freed. */
vr_code_t vr_gw_passthrough_new(const vr_gw_backend_t *backend,
                                vr_gw_handler_t *out, vr_error_t *err);
void vr_gw_passthrough_free(vr_gw_handler_t *h);

/* The planner: plans each statement against the topology at topo_addr
 * (keyspaces, shards, tablets, VSchemas, routing rules, denied tables;
 * reloaded when vr_topo_version() moves) and runs it on the shards'
 * tablets through pooled connections.  Fills *out with a handler whose
 * ctx is owned by it: free with vr_gw_planner_free() after the server is
 * freed.  See gateway/src/plan_*.c, planner.c, executor.c, merge.c. */
vr_code_t vr_gw_planner_new(const char *topo_addr, vr_gw_handler_t *out, vr_error_t *err);
void vr_gw_planner_free(vr_gw_handler_t *h);

#endif
