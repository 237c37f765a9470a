/*
 * tls.c - optional TLS (OpenSSL) for client connections.
 *
 * The client asks with an SSLRequest packet; the TLS handshake then runs
 * non-blocking on the event loop, and the HandshakeResponse comes over TLS.
 * After that every byte goes through SSL_read/SSL_write, on whichever
 * thread owns the session (the SSL object moves with it, never shared).
 * SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER because the output buffer may be
 * reallocated between a write that would block and its retry.
 */
#include <errno.h>
#include <openssl/err.h>
#include <openssl/ssl.h>

#include "gw_int.h"

vr_code_t gw_tls_init(vr_gw_server_t *srv, const char *cert, const char *key,
                      vr_error_t *err)
{
    SSL_CTX *ctx = SSL_CTX_new(TLS_server_method());
    char why[256] = "";
    if (!ctx)
        return vr_errorf(err, VR_INTERNAL, "gateway: SSL_CTX_new failed");
    SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
    SSL_CTX_set_mode(ctx, SSL_MODE_ENABLE_PARTIAL_WRITE | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
    if (SSL_CTX_use_certificate_chain_file(ctx, cert) != 1 ||
        SSL_CTX_use_PrivateKey_file(ctx, key, SSL_FILETYPE_PEM) != 1 ||
        SSL_CTX_check_private_key(ctx) != 1) {
        ERR_error_string_n(ERR_get_error(), why, sizeof(why));
        SSL_CTX_free(ctx);
        return vr_errorf(err, VR_INVALID, "gateway: TLS certificate %s / key %s: %s", cert,
                         key, why);
    }
    srv->tls_ctx = ctx;
    return VR_OK;
}

void gw_tls_free(vr_gw_server_t *srv)
{
    SSL_CTX_free(srv->tls_ctx);
    srv->tls_ctx = NULL;
}

/* Map an SSL result to our convention: >0 bytes, 0 EOF, -1 with errno. */
static long result(vr_gw_session_t *s, int rc, bool *want_other, bool reading)
{
    int e;
    if (rc > 0)
        return rc;
    e = SSL_get_error(s->ssl, rc);
    ERR_clear_error();
    switch (e) {
    case SSL_ERROR_WANT_READ:
        *want_other = !reading;
        errno = EAGAIN;
        return -1;
    case SSL_ERROR_WANT_WRITE:
        *want_other = reading;
        errno = EAGAIN;
        return -1;
    case SSL_ERROR_ZERO_RETURN:
        if (reading)
            return 0;
        errno = EPIPE;
        return -1;
    default:
        if (errno == 0 || errno == EAGAIN)
            errno = ECONNRESET;
        return -1;
    }
}

int gw_tls_accept(vr_gw_session_t *s, bool *want_write)
{
    int rc, e;
    *want_write = false;
    if (!s->ssl) {
        s->ssl = SSL_new(s->srv->tls_ctx);
        if (!s->ssl || SSL_set_fd(s->ssl, s->fd) != 1)
            return -1;
    }
    rc = SSL_accept(s->ssl);
    if (rc == 1)
        return 1;
    e = SSL_get_error(s->ssl, rc);
    ERR_clear_error();
    if (e == SSL_ERROR_WANT_READ)
        return 0;
    if (e == SSL_ERROR_WANT_WRITE) {
        *want_write = true;
        return 0;
    }
    return -1;
}

long gw_tls_read(vr_gw_session_t *s, void *buf, size_t n, bool *want_write)
{
    *want_write = false;
    errno = 0;
    return result(s, SSL_read(s->ssl, buf, n > 1u << 30 ? 1 << 30 : (int)n), want_write, true);
}

long gw_tls_write(vr_gw_session_t *s, const void *buf, size_t n, bool *want_read)
{
    *want_read = false;
    errno = 0;
    return result(s, SSL_write(s->ssl, buf, n > 1u << 30 ? 1 << 30 : (int)n), want_read,
                  false);
}

void gw_tls_close(vr_gw_session_t *s)
{
    if (!s->ssl)
        return;
    SSL_set_quiet_shutdown(s->ssl, 1);
    SSL_shutdown(s->ssl);
    SSL_free(s->ssl);
    s->ssl = NULL;
}
