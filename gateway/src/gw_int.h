/*
 * gw_int.h - what the gateway's source files share: the server and session
 * structs, the session state machine, the result writer's modes, and the
 * calls between session.c (protocol logic), server.c (sockets, epoll,
 * workers), resultset.c, stmt.c and auth.c.
 *
 * Ownership of a session moves between threads, never shared: the event
 * loop owns it in the loop states (GREETED, TLS_ACCEPT, AUTH_SWITCH, IDLE,
 * CLOSING); a worker owns it in CONNECTING and EXECUTING.  The hand-over
 * goes through the server's mutex-protected queues, which orders memory.
 */
#ifndef VR_GW_INT_H
#define VR_GW_INT_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <time.h>

#include "proto.h"
#include "vr_gateway.h"

#define GW_AREA "gateway"

typedef enum gw_state {
    GW_S_GREETED = 0, /* handshake sent; awaiting HandshakeResponse/SSLRequest */
    GW_S_TLS_ACCEPT,  /* TLS handshake running (loop) */
    GW_S_AUTH_SWITCH, /* AuthSwitchRequest sent; awaiting the client's token */
    GW_S_CONNECTING,  /* authenticated; a worker runs on_connect/on_init_db */
    GW_S_IDLE,        /* between commands: the loop reads */
    GW_S_EXECUTING,   /* a worker runs one command */
    GW_S_CLOSING,     /* flushing a last packet (an error), then close */
    GW_S_CLOSED,      /* socket closed; on_close and free pending */
} gw_state_t;

/* What gw_session_input() asks the server to do next. */
typedef enum gw_next {
    GW_NEXT_READ = 0, /* wait for more bytes (flush what is queued first) */
    GW_NEXT_DISPATCH, /* run s->job on a worker */
    GW_NEXT_TLS,      /* start the TLS handshake */
    GW_NEXT_CLOSE,    /* flush what is queued, then close */
} gw_next_t;

typedef enum gw_job {
    GW_JOB_NONE = 0,
    GW_JOB_CONNECT, /* on_connect, on_init_db, then OK */
    GW_JOB_COMMAND, /* s->cmd */
    GW_JOB_CLOSE,   /* on_close, then free */
} gw_job_t;

typedef struct gw_user {
    char *name;
    uint8_t stage2[20];
    bool has_password;
} gw_user_t;

typedef struct gw_stmt gw_stmt_t;

struct vr_gw_server {
    /* configuration (copied) */
    char *host;
    int port;
    gw_user_t *users;
    size_t n_users;
    size_t max_packet;
    unsigned n_workers;  /* running (grows under mu) */
    unsigned max_workers;
    unsigned max_conn;
    int write_timeout_ms;
    int connect_timeout_ms;
    char *version;
    vr_gw_handler_t h;
    uint32_t caps; /* what the server offers */
    void *tls_ctx; /* SSL_CTX *, NULL without TLS */
    bool mem;      /* no sockets: commands run inline (tests, fuzzing) */

    /* sockets and threads */
    int lfd, epfd, evfd;
    pthread_t loop_thread;
    pthread_t *workers;
    bool started;
    bool stopped;
    atomic_bool stopping;

    /* hand-over queues, under mu */
    pthread_mutex_t mu;
    pthread_cond_t cv;
    vr_gw_session_t *jobs_head, *jobs_tail;  /* for workers */
    vr_gw_session_t *done_head, *done_tail;  /* back to the loop */
    bool workers_exit;
    atomic_int idle_workers; /* waiting for a job (changed under mu) */
    int pressure_fd;         /* eventfd: jobs wait and no worker is idle */

    /* loop-owned */
    vr_gw_session_t *sessions; /* every open session (doubly linked) */
    size_t n_sessions;
    uint32_t next_id;
    time_t started_at;

    /* statistics */
    atomic_uint_fast64_t st_connections, st_open, st_questions, st_auth_fail,
        st_proto_err, st_aborted;
};

struct vr_gw_session {
    vr_gw_server_t *srv;
    int fd;
    void *ssl; /* SSL *, NULL when plain */
    uint32_t id;
    gw_state_t state;
    gw_job_t job;
    int64_t born_ms;     /* monotonic clock at accept */
    char peer[64];
    char *user;
    char *db;
    uint32_t caps;      /* agreed capabilities */
    uint8_t charset;
    uint16_t status;    /* VR_GW_STATUS_* bits */
    uint8_t seq;        /* next sequence id, both directions */
    uint8_t scramble[GW_SCRAMBLE_LEN];
    bool connected;     /* on_connect succeeded: on_close is owed */
    bool dead;          /* the client is gone (write failed) */
    bool quit;          /* close when the current command ends */
    bool multi_stmts;
    bool tls_done;
    bool deprecate_eof;

    vr_buf_t in;         /* received; unread bytes are [in_off, in.len) */
    size_t in_off;
    vr_buf_t out;        /* to send; unsent bytes are [out_off, out.len) */
    size_t out_off;
    vr_buf_t asm_buf;    /* a packet of several 16 MiB parts, reassembled */
    vr_buf_t sqlbuf;     /* SQL text built for a prepared statement */
    vr_buf_t scratch;
    const uint8_t *cmd;  /* the command being run (into in or asm_buf) */
    size_t cmd_len;
    size_t cmd_consumed; /* input bytes to drop when it is done */
    vr_arena_t *arena;   /* per command */

    gw_stmt_t **stmts;   /* hash of prepared statements by id */
    size_t stmt_buckets;
    size_t n_stmts;
    uint32_t next_stmt_id;
    uint32_t last_stmt_id;

    void *data;          /* the handler's */
    uint32_t ev;         /* epoll events armed (loop only) */
    bool on_worker;      /* handed to a worker, not back yet (loop only:
                            the loop never reads state while this is set) */
    vr_gw_session_t *qnext;
    vr_gw_session_t *prev, *next;
};

/* ---- session.c ---- */
vr_gw_session_t *gw_session_new(vr_gw_server_t *srv, int fd, const char *peer);
void gw_session_free(vr_gw_session_t *s);
/* Loop side: consume input in the loop states; says what to do next. */
gw_next_t gw_session_input(vr_gw_session_t *s);
/* After the TLS handshake completed. */
void gw_session_tls_ready(vr_gw_session_t *s);
/* Worker side: run s->job (CONNECT or COMMAND); leaves the session in
 * IDLE or CLOSING with its answer in s->out. */
void gw_session_run_job(vr_gw_session_t *s);
/* Check and perform a state transition (the only writer of s->state). */
void gw_session_set_state(vr_gw_session_t *s, gw_state_t to);
const char *gw_state_name(gw_state_t st);
/* Queue one packet (payload) on s->out with the next sequence id. */
void gw_send(vr_gw_session_t *s, const vr_buf_t *payload);
void gw_send_err(vr_gw_session_t *s, unsigned code, const char *sqlstate,
                 const char *fmt, ...) __attribute__((format(printf, 4, 5)));
void gw_send_ok(vr_gw_session_t *s, uint64_t affected, uint64_t last_id,
                uint16_t warnings, const char *info, bool more);
/* End of a result set / of metadata: EOF, or OK(0xFE) with DEPRECATE_EOF. */
void gw_send_eof(vr_gw_session_t *s, uint16_t warnings, bool more);
/* Drop the consumed command from the input buffer. */
void gw_session_consume(vr_gw_session_t *s);

/* ---- server.c ---- */
/* Write s->out to the client; blocking (worker) waits up to the write
 * timeout.  Returns false when the client is gone (s->dead set). */
bool gw_flush(vr_gw_session_t *s, bool blocking);
/* A server without sockets or threads for tests and fuzzing: sessions get
 * fd -1, commands run inline, output stays in s->out. */
vr_code_t gw_server_new_mem(const vr_gw_config_t *cfg, vr_gw_server_t **out,
                            vr_error_t *err);
/* Mem mode: feed bytes as if the client sent them; runs everything that
 * they complete.  Returns false once the session wants to close. */
bool gw_mem_feed(vr_gw_session_t *s, const void *p, size_t n);
/* Mem mode: on_close (when connected) and free. */
void gw_mem_close(vr_gw_session_t *s);

/* ---- auth.c ---- */
vr_code_t gw_users_load(vr_gw_server_t *srv, const vr_gw_user_t *users,
                        size_t n, vr_error_t *err);
void gw_users_free(vr_gw_server_t *srv);
/* True when user (n bytes) may log in with token against scramble. */
bool gw_auth_check(const vr_gw_server_t *srv, const char *user, size_t n,
                   const uint8_t *scramble, const uint8_t *token,
                   size_t token_len);

/* ---- resultset.c ---- */
typedef enum gw_rmode {
    GW_R_TEXT = 0,   /* COM_QUERY */
    GW_R_BINARY,     /* COM_STMT_EXECUTE */
    GW_R_PREPARE,    /* on_prepare: columns are captured, not sent */
    GW_R_FIELD_LIST, /* COM_FIELD_LIST: column definitions only */
} gw_rmode_t;

typedef enum gw_rstate {
    GW_RS_START = 0, /* nothing of the current result sent */
    GW_RS_ROWS,      /* columns sent; rows may follow */
    GW_RS_PENDING,   /* a result is complete; its terminator waits until we
                        know whether more results follow */
    GW_RS_FAILED,    /* an ERR was sent: the answer is over */
} gw_rstate_t;

struct vr_gw_result {
    vr_gw_session_t *s;
    gw_rmode_t mode;
    gw_rstate_t state;
    size_t ncols;
    uint8_t *types;         /* per column, for binary rows */
    uint16_t *flags;
    /* the held terminator */
    bool pend_eof;          /* EOF of a result set, else an OK */
    uint64_t affected, last_id;
    uint16_t warnings;
    const char *info;
    /* GW_R_PREPARE: the captured columns (in the session arena) */
    vr_gw_column_t *cap;
    size_t ncap;
    /* GW_R_FIELD_LIST: the wildcard */
    const char *wild;
    size_t wild_len;
};

void gw_result_init(vr_gw_result_t *r, vr_gw_session_t *s, gw_rmode_t mode);
/* End a statement's answer: send what is held (with "more results" when
 * more_follow), or a plain OK when the handler sent nothing.  Returns false
 * when the answer was an error (a multi-statement stops there). */
bool gw_result_finish(vr_gw_result_t *r, bool more_follow);
/* Send an error for a handler that returned non-OK without one. */
void gw_result_fail(vr_gw_result_t *r, const vr_error_t *err);
bool gw_like_match(const char *pat, size_t pn, const char *s, size_t sn);

/* Run one statement through the handler with the writer r (initialized by
 * the caller) and finish it; returns false when its answer was an error. */
bool gw_result_run(vr_gw_result_t *r, const char *sql, size_t len, bool more_follow);

/* ---- stmt.c ---- */
void gw_cmd_prepare(vr_gw_session_t *s, const uint8_t *p, size_t n);
void gw_cmd_execute(vr_gw_session_t *s, const uint8_t *p, size_t n);
void gw_cmd_long_data(vr_gw_session_t *s, const uint8_t *p, size_t n);
void gw_cmd_stmt_close(vr_gw_session_t *s, const uint8_t *p, size_t n);
void gw_cmd_stmt_reset(vr_gw_session_t *s, const uint8_t *p, size_t n);
void gw_stmts_free(vr_gw_session_t *s);
/* Run one statement through the handler with a writer of `mode`; returns
 * false when its answer was an error. */
bool gw_run_statement(vr_gw_session_t *s, const char *sql, size_t len,
                      gw_rmode_t mode, bool more_follow);

/* ---- tls.c ---- */
vr_code_t gw_tls_init(vr_gw_server_t *srv, const char *cert, const char *key,
                      vr_error_t *err);
void gw_tls_free(vr_gw_server_t *srv);
/* Non-blocking accept: 1 done, 0 wants I/O (*want_write says which), -1
 * failed. */
int gw_tls_accept(vr_gw_session_t *s, bool *want_write);
/* read/write with errno EAGAIN for "would block"; read 0 on EOF. */
long gw_tls_read(vr_gw_session_t *s, void *buf, size_t n, bool *want_write);
long gw_tls_write(vr_gw_session_t *s, const void *buf, size_t n, bool *want_read);
void gw_tls_close(vr_gw_session_t *s);

#endif
