/*
 * server.c - sockets and threads: the listener, the epoll event loop, the
 * worker pool, and moving bytes between sockets and sessions.
 *
 * The loop thread accepts, reads, runs gw_session_input() (parsing,
 * authentication, cheap commands) and writes without blocking (EPOLLOUT
 * when the socket is full).  A command that calls the handler is handed to
 * a worker: the loop removes the socket from epoll, queues the session, and
 * forgets it until the worker queues it back on the done list and pokes the
 * eventfd.  The worker writes the answer itself (blocking, with a timeout),
 * so a result streams without passing through the loop.  So an idle
 * session holds no thread, and a slow statement holds one worker only.
 * After a command the worker lingers a moment for the session's next one
 * (linger()), which spares a busy client two thread hand-overs per
 * statement.  The loop also closes sessions that do not finish the
 * handshake within connect_timeout.
 *
 * Closing happens on the loop (fd closed, session unlinked); a session
 * whose handler was connected then goes to a worker for on_close, which
 * may block, and is freed there.  SIGPIPE is blocked in every gateway
 * thread; writes fail with EPIPE instead.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include "gw_int.h"
#include "vr_clock.h"

#define GW_READ_CHUNK (64u * 1024u)
/* How long a worker keeps a session after a command, waiting for the next
 * one on the socket itself (see linger()). */
#define GW_LINGER_MS 2
#define GW_DEFAULT_MAX_PACKET (16u * 1024u * 1024u)

/* ---- configuration ---- */

static uint32_t server_caps(bool tls)
{
    uint32_t c = GW_CLIENT_FOUND_ROWS | GW_CLIENT_LONG_FLAG | GW_CLIENT_CONNECT_WITH_DB |
                 GW_CLIENT_PROTOCOL_41 | GW_CLIENT_INTERACTIVE | GW_CLIENT_IGNORE_SIGPIPE |
                 GW_CLIENT_TRANSACTIONS | GW_CLIENT_RESERVED | GW_CLIENT_SECURE_CONNECTION |
                 GW_CLIENT_MULTI_STATEMENTS | GW_CLIENT_MULTI_RESULTS |
                 GW_CLIENT_PS_MULTI_RESULTS | GW_CLIENT_PLUGIN_AUTH | GW_CLIENT_CONNECT_ATTRS |
                 GW_CLIENT_PLUGIN_AUTH_LENENC | GW_CLIENT_DEPRECATE_EOF;
    return tls ? c | GW_CLIENT_SSL : c;
}

static vr_code_t server_alloc(const vr_gw_config_t *cfg, vr_gw_server_t **out,
                              vr_error_t *err)
{
    vr_gw_server_t *srv = vr_xcalloc(1, sizeof(*srv));
    vr_code_t rc;

    *out = NULL;
    srv->lfd = srv->epfd = srv->evfd = srv->pressure_fd = -1;
    pthread_mutex_init(&srv->mu, NULL);
    pthread_cond_init(&srv->cv, NULL);
    srv->host = vr_xstrdup(cfg->host ? cfg->host : "127.0.0.1");
    srv->port = cfg->port;
    srv->max_packet = cfg->max_allowed_packet ? cfg->max_allowed_packet : GW_DEFAULT_MAX_PACKET;
    srv->n_workers = cfg->workers ? cfg->workers : 8;
    srv->max_workers = cfg->max_workers ? cfg->max_workers : 64;
    if (srv->max_workers < srv->n_workers)
        srv->max_workers = srv->n_workers;
    srv->max_conn = cfg->max_connections ? cfg->max_connections : 1000;
    srv->write_timeout_ms = cfg->write_timeout_ms ? cfg->write_timeout_ms : 60000;
    srv->connect_timeout_ms = cfg->connect_timeout_ms ? cfg->connect_timeout_ms : 10000;
    srv->version = vr_xstrdup(cfg->server_version ? cfg->server_version
                                                  : "5.5.5-" VR_GW_SERVER_VERSION);
    srv->h = cfg->handler;
    srv->started_at = time(NULL);
    if (!srv->h.on_query) {
        rc = vr_errorf(err, VR_INVALID, "gateway: the handler has no on_query");
        goto out;
    }
    if ((rc = gw_users_load(srv, cfg->users, cfg->n_users, err)) != VR_OK)
        goto out;
    if (cfg->tls_cert && cfg->tls_key &&
        (rc = gw_tls_init(srv, cfg->tls_cert, cfg->tls_key, err)) != VR_OK)
        goto out;
    srv->caps = server_caps(srv->tls_ctx != NULL);
    *out = srv;
    return VR_OK;
out:
    vr_gw_server_free(srv);
    return rc;
}

static vr_code_t listen_on(vr_gw_server_t *srv, vr_error_t *err)
{
    struct addrinfo hints, *ai = NULL;
    struct sockaddr_storage ss;
    socklen_t sl = sizeof(ss);
    char port[16];
    int one = 1, rc;

    memset(&hints, 0, sizeof(hints));
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
    snprintf(port, sizeof(port), "%d", srv->port);
    if ((rc = getaddrinfo(srv->host, port, &hints, &ai)) != 0)
        return vr_errorf(err, VR_INVALID, "gateway: listen address %s: %s", srv->host,
                         gai_strerror(rc));
    srv->lfd = socket(ai->ai_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (srv->lfd < 0 ||
        setsockopt(srv->lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) < 0 ||
        bind(srv->lfd, ai->ai_addr, ai->ai_addrlen) < 0 || listen(srv->lfd, 1024) < 0 ||
        getsockname(srv->lfd, (struct sockaddr *)&ss, &sl) < 0) {
        rc = errno;
        freeaddrinfo(ai);
        return vr_errorf(err, VR_IO, "gateway: listening on %s:%d: %s", srv->host, srv->port,
                         strerror(rc));
    }
    freeaddrinfo(ai);
    srv->port = ntohs(ss.ss_family == AF_INET6 ? ((struct sockaddr_in6 *)&ss)->sin6_port
                                               : ((struct sockaddr_in *)&ss)->sin_port);
    return VR_OK;
}

vr_code_t vr_gw_server_new(const vr_gw_config_t *cfg, vr_gw_server_t **out, vr_error_t *err)
{
    struct epoll_event ev;
    vr_gw_server_t *srv = NULL;
    vr_code_t rc;

    if ((rc = server_alloc(cfg, &srv, err)) != VR_OK)
        return rc;
    if ((rc = listen_on(srv, err)) != VR_OK)
        goto out;
    srv->epfd = epoll_create1(EPOLL_CLOEXEC);
    srv->evfd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    srv->pressure_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    if (srv->epfd < 0 || srv->evfd < 0 || srv->pressure_fd < 0) {
        rc = vr_errorf(err, VR_IO, "gateway: epoll/eventfd: %s", strerror(errno));
        goto out;
    }
    memset(&ev, 0, sizeof(ev));
    ev.events = EPOLLIN;
    ev.data.ptr = &srv->lfd;
    epoll_ctl(srv->epfd, EPOLL_CTL_ADD, srv->lfd, &ev);
    ev.data.ptr = &srv->evfd;
    epoll_ctl(srv->epfd, EPOLL_CTL_ADD, srv->evfd, &ev);
    *out = srv;
    return VR_OK;
out:
    vr_gw_server_free(srv);
    *out = NULL;
    return rc;
}

int vr_gw_server_port(const vr_gw_server_t *srv) { return srv->port; }

void vr_gw_server_stats(const vr_gw_server_t *srv, vr_gw_stats_t *o)
{
    o->connections = atomic_load(&srv->st_connections);
    o->sessions_open = atomic_load(&srv->st_open);
    o->questions = atomic_load(&srv->st_questions);
    o->auth_failures = atomic_load(&srv->st_auth_fail);
    o->protocol_errors = atomic_load(&srv->st_proto_err);
    o->aborted_clients = atomic_load(&srv->st_aborted);
}

/* ---- socket I/O ---- */

static long sock_write(vr_gw_session_t *s, const char *p, size_t n, bool *want_read)
{
    *want_read = false;
    if (s->ssl)
        return gw_tls_write(s, p, n, want_read);
    return send(s->fd, p, n, MSG_NOSIGNAL);
}

static void client_gone(vr_gw_session_t *s, const char *why)
{
    if (s->dead)
        return;
    s->dead = true;
    if (s->state == GW_S_EXECUTING || s->state == GW_S_CONNECTING) {
        atomic_fetch_add(&s->srv->st_aborted, 1);
        vr_log_warn(GW_AREA,
                    "session %u from %s: client gone while receiving results (%s); closing "
                    "the session",
                    s->id, s->peer, why);
    } else {
        vr_log_debug(GW_AREA, "session %u from %s: write failed (%s)", s->id, s->peer, why);
    }
}

static bool wait_writable(vr_gw_session_t *s, bool want_read)
{
    struct pollfd pfd = {s->fd, (short)(want_read ? POLLIN : POLLOUT), 0};
    int rc;
    do
        rc = poll(&pfd, 1, s->srv->write_timeout_ms);
    while (rc < 0 && errno == EINTR);
    if (rc == 0) {
        client_gone(s, "client stopped reading: write timeout");
        return false;
    }
    return true;
}

bool gw_flush(vr_gw_session_t *s, bool blocking)
{
    if (s->dead)
        return false;
    if (s->srv->mem) { /* tests read s->out; fuzzing must not grow it forever */
        if (s->out.len > (4u << 20))
            s->out.len = s->out_off = 0;
        return true;
    }
    while (s->out_off < s->out.len) {
        bool want_read;
        long w = sock_write(s, s->out.data + s->out_off, s->out.len - s->out_off, &want_read);
        if (w > 0) {
            s->out_off += (size_t)w;
            continue;
        }
        if (w < 0 && errno == EINTR)
            continue;
        if (w < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
            if (!blocking)
                return true;
            if (!wait_writable(s, want_read))
                return false;
            continue;
        }
        client_gone(s, w < 0 ? strerror(errno) : "connection closed");
        return false;
    }
    s->out.len = s->out_off = 0;
    if (s->out.cap > (1u << 20))
        vr_buf_free(&s->out);
    return true;
}

static bool out_pending(const vr_gw_session_t *s) { return s->out_off < s->out.len; }

/* How much to read: before a TLS handshake, exactly up to the end of the
 * current packet, so no TLS bytes that follow an SSLRequest get read into
 * the plain buffer. */
static size_t read_budget(const vr_gw_session_t *s)
{
    size_t have = s->in.len - s->in_off;
    const uint8_t *p = (const uint8_t *)s->in.data + s->in_off;
    if (!s->srv->tls_ctx || s->tls_done || s->state != GW_S_GREETED)
        return GW_READ_CHUNK;
    if (have < 4)
        return 4 - have;
    return 4 + ((size_t)p[0] | ((size_t)p[1] << 8) | ((size_t)p[2] << 16)) - have;
}

/* Read what the socket has; false on EOF or error. */
static bool read_input(vr_gw_session_t *s)
{
    for (;;) {
        size_t want = read_budget(s);
        bool ww;
        long r;
        if (want == 0)
            return true;
        vr_buf_reserve(&s->in, want);
        if (s->ssl)
            r = gw_tls_read(s, s->in.data + s->in.len, want, &ww);
        else
            r = recv(s->fd, s->in.data + s->in.len, want, 0);
        if (r > 0) {
            s->in.len += (size_t)r;
            s->in.data[s->in.len] = 0;
            /* enough to judge the packet; the framing refuses what is too big */
            if (s->in.len - s->in_off > s->srv->max_packet + 64)
                return true;
            /* TLS may hold decrypted bytes the socket no longer signals */
            if (s->ssl || (size_t)r == want)
                continue;
            return true;
        }
        if (r == 0)
            return false;
        if (errno == EINTR)
            continue;
        return errno == EAGAIN || errno == EWOULDBLOCK;
    }
}

/* ---- the loop's bookkeeping ---- */

static void arm(vr_gw_session_t *s, uint32_t events)
{
    struct epoll_event ev;
    int op;
    if (events == s->ev)
        return;
    op = s->ev == 0 ? EPOLL_CTL_ADD : events == 0 ? EPOLL_CTL_DEL : EPOLL_CTL_MOD;
    memset(&ev, 0, sizeof(ev));
    ev.events = events;
    ev.data.ptr = s;
    if (epoll_ctl(s->srv->epfd, op, s->fd, &ev) < 0)
        vr_log_error(GW_AREA, "session %u: epoll_ctl: %s", s->id, strerror(errno));
    s->ev = events;
}

static void *worker_main(void *arg);

/* Under mu: one more worker, when every one is busy and the pool may grow
 * (a slow statement must not make other sessions wait). */
static void grow_pool(vr_gw_server_t *srv)
{
    int rc;
    if (srv->n_workers >= srv->max_workers)
        return;
    rc = pthread_create(&srv->workers[srv->n_workers], NULL, worker_main, srv);
    if (rc != 0) {
        vr_log_warn(GW_AREA, "cannot start another worker: %s", strerror(rc));
        return;
    }
    srv->n_workers++;
    vr_log_debug(GW_AREA, "%u workers", srv->n_workers);
}

static void push_job(vr_gw_server_t *srv, vr_gw_session_t *s)
{
    uint64_t one = 1;
    bool pressure;
    pthread_mutex_lock(&srv->mu);
    s->qnext = NULL;
    if (srv->jobs_tail)
        srv->jobs_tail->qnext = s;
    else
        srv->jobs_head = s;
    srv->jobs_tail = s;
    pressure = atomic_load(&srv->idle_workers) == 0;
    if (pressure)
        grow_pool(srv);
    pthread_cond_signal(&srv->cv);
    pthread_mutex_unlock(&srv->mu);
    /* every worker is busy or lingering: ask the lingering ones to let go */
    if (pressure && write(srv->pressure_fd, &one, sizeof(one)) < 0)
        vr_log_debug(GW_AREA, "pressure eventfd: %s", strerror(errno));
}

static void unlink_session(vr_gw_server_t *srv, vr_gw_session_t *s)
{
    if (s->prev)
        s->prev->next = s->next;
    else
        srv->sessions = s->next;
    if (s->next)
        s->next->prev = s->prev;
    s->prev = s->next = NULL;
    srv->n_sessions--;
}

static void release(vr_gw_server_t *srv, vr_gw_session_t *s)
{
    if (s->connected) {
        s->job = GW_JOB_CLOSE; /* on_close may block: a worker runs it */
        push_job(srv, s);
        return;
    }
    gw_session_free(s);
    atomic_fetch_sub(&srv->st_open, 1);
}

static void close_session(vr_gw_session_t *s)
{
    vr_gw_server_t *srv = s->srv;
    arm(s, 0);
    if (s->ssl)
        gw_tls_close(s);
    close(s->fd);
    s->fd = -1;
    unlink_session(srv, s);
    gw_session_set_state(s, GW_S_CLOSED);
    vr_log_debug(GW_AREA, "session %u from %s: closed", s->id, s->peer);
    release(srv, s);
}

static void advance(vr_gw_session_t *s);

static void tls_step(vr_gw_session_t *s)
{
    bool want_write = false;
    int rc = gw_tls_accept(s, &want_write);
    if (rc < 0) {
        vr_log_warn(GW_AREA, "session %u from %s: TLS handshake failed; closing", s->id,
                    s->peer);
        atomic_fetch_add(&s->srv->st_proto_err, 1);
        close_session(s);
    } else if (rc == 0) {
        arm(s, want_write ? EPOLLOUT : EPOLLIN);
    } else {
        gw_session_tls_ready(s);
        /* the HandshakeResponse may already sit decrypted in OpenSSL */
        if (!read_input(s))
            close_session(s);
        else
            advance(s);
    }
}

/* Act on what the session says it needs after new input or a job. */
static void advance(vr_gw_session_t *s)
{
    switch (gw_session_input(s)) {
    case GW_NEXT_READ:
        gw_flush(s, false);
        if (s->dead) {
            close_session(s);
            return;
        }
        arm(s, EPOLLIN | (out_pending(s) ? EPOLLOUT : 0));
        return;
    case GW_NEXT_DISPATCH:
        arm(s, 0);
        s->on_worker = true;
        push_job(s->srv, s);
        return;
    case GW_NEXT_TLS:
        tls_step(s);
        return;
    case GW_NEXT_CLOSE:
        gw_flush(s, false);
        if (out_pending(s) && !s->dead) {
            if (s->state != GW_S_CLOSING)
                gw_session_set_state(s, GW_S_CLOSING);
            arm(s, EPOLLOUT);
        } else {
            close_session(s);
        }
        return;
    }
}

static void on_event(vr_gw_session_t *s, uint32_t events)
{
    if (s->state == GW_S_TLS_ACCEPT) {
        tls_step(s);
        return;
    }
    if (s->state == GW_S_CLOSING) {
        if (!gw_flush(s, false) || !out_pending(s) || (events & (EPOLLHUP | EPOLLERR)))
            close_session(s);
        else
            arm(s, EPOLLOUT);
        return;
    }
    if ((events & EPOLLOUT) && !gw_flush(s, false)) {
        close_session(s);
        return;
    }
    if (events & (EPOLLIN | EPOLLHUP | EPOLLERR)) {
        if (!read_input(s)) {
            vr_log_debug(GW_AREA, "session %u from %s: connection closed by the client",
                         s->id, s->peer);
            close_session(s);
            return;
        }
    }
    advance(s);
}

static void refuse_connection(int fd)
{
    vr_buf_t pkt = VR_BUF_INIT, msg = VR_BUF_INIT;
    uint8_t seq = 0;
    static const char text[] = "Too many connections";
    gw_err_put(&msg, VR_GW_ER_CON_COUNT, "08004", text, sizeof(text) - 1);
    gw_packet_put(&pkt, &seq, msg.data, msg.len);
    if (send(fd, pkt.data, pkt.len, MSG_NOSIGNAL) < 0)
        vr_log_debug(GW_AREA, "refusing a connection: %s", strerror(errno));
    close(fd);
    vr_buf_free(&pkt);
    vr_buf_free(&msg);
}

static void peer_name(const struct sockaddr_storage *ss, char *buf, size_t n)
{
    const void *addr = ss->ss_family == AF_INET6
                           ? (const void *)&((const struct sockaddr_in6 *)ss)->sin6_addr
                           : (const void *)&((const struct sockaddr_in *)ss)->sin_addr;
    if (!inet_ntop(ss->ss_family, addr, buf, (socklen_t)n))
        snprintf(buf, n, "unknown");
}

static void accept_all(vr_gw_server_t *srv)
{
    for (;;) {
        struct sockaddr_storage ss;
        socklen_t sl = sizeof(ss);
        char peer[64];
        int one = 1, fd;
        vr_gw_session_t *s;

        fd = accept4(srv->lfd, (struct sockaddr *)&ss, &sl, SOCK_NONBLOCK | SOCK_CLOEXEC);
        if (fd < 0) {
            if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)
                vr_log_warn(GW_AREA, "accept: %s", strerror(errno));
            return;
        }
        atomic_fetch_add(&srv->st_connections, 1);
        if (srv->n_sessions >= srv->max_conn) {
            vr_log_warn(GW_AREA, "refusing a connection: %u sessions open (max_connections)",
                        srv->max_conn);
            refuse_connection(fd);
            continue;
        }
        setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
        peer_name(&ss, peer, sizeof(peer));
        s = gw_session_new(srv, fd, peer);
        s->born_ms = vr_mono_ms();
        s->next = srv->sessions;
        if (srv->sessions)
            srv->sessions->prev = s;
        srv->sessions = s;
        srv->n_sessions++;
        atomic_fetch_add(&srv->st_open, 1);
        vr_log_debug(GW_AREA, "session %u from %s: connected", s->id, s->peer);
        gw_flush(s, false);
        arm(s, EPOLLIN | (out_pending(s) ? EPOLLOUT : 0));
    }
}

/* Sessions the workers finished with come back here. */
static void take_done(vr_gw_server_t *srv)
{
    vr_gw_session_t *s, *next;
    uint64_t v;

    if (read(srv->evfd, &v, sizeof(v)) < 0 && errno != EAGAIN)
        vr_log_debug(GW_AREA, "eventfd: %s", strerror(errno));
    pthread_mutex_lock(&srv->mu);
    s = srv->done_head;
    srv->done_head = srv->done_tail = NULL;
    pthread_mutex_unlock(&srv->mu);
    for (; s; s = next) {
        next = s->qnext;
        s->qnext = NULL;
        s->on_worker = false;
        if (s->dead || atomic_load(&srv->stopping))
            close_session(s);
        else if (s->state == GW_S_CLOSING)
            on_event(s, 0);
        else
            advance(s);
    }
}

static void close_idle_sessions(vr_gw_server_t *srv)
{
    vr_gw_session_t *s, *next;
    for (s = srv->sessions; s; s = next) {
        next = s->next;
        /* sessions out with a worker are closed when they come back */
        if (!s->on_worker)
            close_session(s);
    }
}

/* Close sessions that have not finished the handshake in time (a client
 * that connects and says nothing holds no thread, but memory and a
 * max_connections slot). */
static void sweep_handshakes(vr_gw_server_t *srv, int64_t now)
{
    vr_gw_session_t *s, *next;
    for (s = srv->sessions; s; s = next) {
        next = s->next;
        if (s->on_worker || now - s->born_ms < srv->connect_timeout_ms ||
            (s->state != GW_S_GREETED && s->state != GW_S_AUTH_SWITCH &&
             s->state != GW_S_TLS_ACCEPT))
            continue;
        vr_log_warn(GW_AREA, "session %u from %s: no handshake within %d ms; closing", s->id,
                    s->peer, srv->connect_timeout_ms);
        atomic_fetch_add(&srv->st_proto_err, 1);
        close_session(s);
    }
}

static void *loop_main(void *arg)
{
    vr_gw_server_t *srv = arg;
    struct epoll_event evs[128];
    bool closing = false;
    int tick = srv->connect_timeout_ms < 2000 ? srv->connect_timeout_ms / 2 + 1 : 1000;
    int64_t last_sweep = vr_mono_ms();

    for (;;) {
        int n, i;
        int64_t now;
        if (atomic_load(&srv->stopping) && !closing) {
            closing = true;
            epoll_ctl(srv->epfd, EPOLL_CTL_DEL, srv->lfd, NULL);
            close_idle_sessions(srv);
        }
        if (closing && srv->n_sessions == 0)
            break;
        n = epoll_wait(srv->epfd, evs, (int)VR_ARRAY_LEN(evs), tick);
        if (n < 0 && errno != EINTR) {
            vr_log_error(GW_AREA, "epoll_wait: %s", strerror(errno));
            break;
        }
        for (i = 0; i < n; i++) {
            void *p = evs[i].data.ptr;
            if (p == &srv->lfd)
                accept_all(srv);
            else if (p == &srv->evfd)
                take_done(srv);
            else
                on_event(p, evs[i].events);
        }
        now = vr_mono_ms();
        if (now - last_sweep >= tick) {
            sweep_handshakes(srv, now);
            last_sweep = now;
        }
    }
    return NULL;
}

/* ---- workers ---- */

static vr_gw_session_t *pop_job(vr_gw_server_t *srv)
{
    vr_gw_session_t *s;
    uint64_t v;
    pthread_mutex_lock(&srv->mu);
    while (!srv->jobs_head && !srv->workers_exit) {
        atomic_fetch_add(&srv->idle_workers, 1);
        pthread_cond_wait(&srv->cv, &srv->mu);
        atomic_fetch_sub(&srv->idle_workers, 1);
    }
    s = srv->jobs_head;
    if (s) {
        srv->jobs_head = s->qnext;
        if (!srv->jobs_head) {
            srv->jobs_tail = NULL;
            /* the queue is drained: lingering is welcome again */
            if (read(srv->pressure_fd, &v, sizeof(v)) < 0 && errno != EAGAIN)
                vr_log_debug(GW_AREA, "pressure eventfd: %s", strerror(errno));
        }
        s->qnext = NULL;
    }
    pthread_mutex_unlock(&srv->mu);
    return s;
}

/*
 * After a command, keep the session a little while and wait for its next
 * command on the socket here, instead of handing it back to the loop at
 * once.  A busy client then costs one thread wake-up per statement instead
 * of three (loop, worker, loop).  A job queued while no worker is idle
 * (pressure_fd becomes readable) or the short timeout ends it, so idle
 * sessions still end up on the loop, holding no thread, and a lingering
 * worker never keeps another session waiting for long.
 */
static void linger(vr_gw_server_t *srv, vr_gw_session_t *s)
{
    for (;;) {
        struct pollfd pf[2] = {{s->fd, POLLIN, 0}, {srv->pressure_fd, POLLIN, 0}};
        gw_next_t next;
        if (s->dead || s->state != GW_S_IDLE || atomic_load(&srv->stopping))
            return;
        next = gw_session_input(s); /* what is already buffered first */
        if (next == GW_NEXT_DISPATCH) {
            gw_session_run_job(s);
            if (!gw_flush(s, true))
                return;
            continue;
        }
        if (next != GW_NEXT_READ || !gw_flush(s, true))
            return; /* closing: the loop finishes it */
        if (poll(pf, 2, GW_LINGER_MS) <= 0 || (pf[1].revents & POLLIN))
            return;
        if (!read_input(s))
            return; /* EOF or error: the loop sees it again and closes */
    }
}

static void give_back(vr_gw_server_t *srv, vr_gw_session_t *s)
{
    uint64_t one = 1;
    pthread_mutex_lock(&srv->mu);
    if (srv->done_tail)
        srv->done_tail->qnext = s;
    else
        srv->done_head = s;
    srv->done_tail = s;
    pthread_mutex_unlock(&srv->mu);
    if (write(srv->evfd, &one, sizeof(one)) < 0)
        vr_log_error(GW_AREA, "eventfd write: %s", strerror(errno));
}

static void *worker_main(void *arg)
{
    vr_gw_server_t *srv = arg;
    vr_gw_session_t *s;
    while ((s = pop_job(srv)) != NULL) {
        if (s->job == GW_JOB_CLOSE) {
            if (srv->h.on_close)
                srv->h.on_close(srv->h.ctx, s);
            gw_session_free(s);
            atomic_fetch_sub(&srv->st_open, 1);
            continue;
        }
        gw_session_run_job(s);
        if (gw_flush(s, true))
            linger(srv, s);
        give_back(srv, s);
    }
    return NULL;
}

vr_code_t vr_gw_server_start(vr_gw_server_t *srv, vr_error_t *err)
{
    sigset_t block, old;
    unsigned i;
    int rc = 0;

    if (srv->started || srv->mem)
        return vr_errorf(err, VR_STATE, "gateway: already started");
    sigemptyset(&block);
    sigaddset(&block, SIGPIPE);
    pthread_sigmask(SIG_BLOCK, &block, &old); /* inherited by our threads */
    srv->workers = vr_xcalloc(srv->max_workers, sizeof(pthread_t));
    for (i = 0; i < srv->n_workers && rc == 0; i++)
        rc = pthread_create(&srv->workers[i], NULL, worker_main, srv);
    if (rc == 0)
        rc = pthread_create(&srv->loop_thread, NULL, loop_main, srv);
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    if (rc != 0) {
        vr_log_error(GW_AREA, "pthread_create: %s", strerror(rc));
        abort(); /* no way to unwind half a pool: out of threads is fatal */
    }
    srv->started = true;
    vr_log_info(GW_AREA, "listening on %s:%d (%u workers)", srv->host, srv->port,
                srv->n_workers);
    return VR_OK;
}

void vr_gw_server_stop(vr_gw_server_t *srv)
{
    uint64_t one = 1;
    unsigned i;
    if (!srv || !srv->started || srv->stopped)
        return;
    srv->stopped = true;
    atomic_store(&srv->stopping, true);
    if (write(srv->evfd, &one, sizeof(one)) < 0)
        vr_log_error(GW_AREA, "eventfd write: %s", strerror(errno));
    pthread_join(srv->loop_thread, NULL);
    pthread_mutex_lock(&srv->mu);
    srv->workers_exit = true;
    pthread_cond_broadcast(&srv->cv);
    pthread_mutex_unlock(&srv->mu);
    /* the loop has ended: nothing grows the pool any more */
    for (i = 0; i < srv->n_workers; i++)
        pthread_join(srv->workers[i], NULL);
}

void vr_gw_server_free(vr_gw_server_t *srv)
{
    if (!srv)
        return;
    vr_gw_server_stop(srv);
    if (srv->lfd >= 0)
        close(srv->lfd);
    if (srv->epfd >= 0)
        close(srv->epfd);
    if (srv->evfd >= 0)
        close(srv->evfd);
    if (srv->pressure_fd >= 0)
        close(srv->pressure_fd);
    gw_tls_free(srv);
    gw_users_free(srv);
    free(srv->workers);
    free(srv->host);
    free(srv->version);
    pthread_mutex_destroy(&srv->mu);
    pthread_cond_destroy(&srv->cv);
    free(srv);
}

/* ---- mem mode: the protocol without sockets (tests, fuzzing) ---- */

vr_code_t gw_server_new_mem(const vr_gw_config_t *cfg, vr_gw_server_t **out, vr_error_t *err)
{
    vr_code_t rc = server_alloc(cfg, out, err);
    if (rc == VR_OK)
        (*out)->mem = true;
    return rc;
}

bool gw_mem_feed(vr_gw_session_t *s, const void *p, size_t n)
{
    if (s->state == GW_S_CLOSING || s->state == GW_S_CLOSED)
        return false;
    vr_buf_append(&s->in, p, n);
    for (;;) {
        switch (gw_session_input(s)) {
        case GW_NEXT_READ:
            return true;
        case GW_NEXT_DISPATCH:
            gw_session_run_job(s);
            if (s->state == GW_S_CLOSING)
                return false;
            continue;
        case GW_NEXT_TLS:
        case GW_NEXT_CLOSE:
        default:
            return false;
        }
    }
}

void gw_mem_close(vr_gw_session_t *s)
{
    if (s->connected && s->srv->h.on_close)
        s->srv->h.on_close(s->srv->h.ctx, s);
    gw_session_free(s);
}
