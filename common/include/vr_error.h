/*
 * vr_error.h - the one error type every fallible vrepl function fills.
 *
 * A fallible function returns a vr_code_t (VR_OK is 0) and, on failure,
 * fills a caller-owned vr_error_t: the code, the MySQL errno when a server
 * said no, whether retrying can help, and a message.  Callers add context
 * as the error climbs with vr_error_prefix() ("applying 0-1-42 to
 * customer.orders: ..."), so the final text reads outermost first.
 * Retry logic reads code/retriable, never the message text.
 *
 * The error list is one X-macro so the enum, names and default messages
 * cannot drift apart (as libuv does).
 */
#ifndef VR_ERROR_H
#define VR_ERROR_H

#include <stdarg.h>
#include <stdbool.h>

#define VR_ERRORS(X)                                                      \
    X(OK, "ok")                                                           \
    X(INVALID, "invalid argument")                                        \
    X(NOMEM, "out of memory")                                             \
    X(IO, "i/o error")                                                    \
    X(PARSE, "parse error")                                               \
    X(NOT_FOUND, "not found")                                             \
    X(EXISTS, "already exists")                                           \
    X(LOCKED, "locked by another owner")                                  \
    X(MYSQL, "mysql error")                                               \
    X(UNSUPPORTED, "unsupported")                                         \
    X(TIMEOUT, "timed out")                                               \
    X(DENIED, "denied")                                                   \
    X(STATE, "invalid state")                                             \
    X(INTERNAL, "internal error")

typedef enum {
#define VR_ERR_ENUM(name, msg) VR_##name,
    VR_ERRORS(VR_ERR_ENUM)
#undef VR_ERR_ENUM
    VR__CODE_MAX
} vr_code_t;

#define VR_ERROR_MSG_MAX 1024

typedef struct vr_error {
    vr_code_t code;
    unsigned int mysql_errno; /* 0 unless a MySQL/MariaDB server reported it */
    bool retriable;           /* true when the same call may succeed later */
    char msg[VR_ERROR_MSG_MAX];
} vr_error_t;

/* "INVALID", "NOT_FOUND", ... */
const char *vr_code_name(vr_code_t code);
/* default message for a code */
const char *vr_code_message(vr_code_t code);

/* Reset to VR_OK with an empty message.  err may be NULL. */
void vr_error_clear(vr_error_t *err);

/*
 * Fill err (which may be NULL) and return code, so a caller can write
 * `return vr_errorf(err, VR_INVALID, "bad keyrange '%s'", s);`.
 * retriable is reset to false and mysql_errno to 0.
 */
vr_code_t vr_errorf(vr_error_t *err, vr_code_t code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
vr_code_t vr_verrorf(vr_error_t *err, vr_code_t code, const char *fmt,
                     va_list ap);

/* Same, marking the error retriable and recording a MySQL errno. */
vr_code_t vr_error_mysql(vr_error_t *err, unsigned int mysql_errno,
                         bool retriable, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* Prepend "context: " to the message; code and flags are kept.
 * Returns err->code (VR_OK when err is NULL). */
vr_code_t vr_error_prefix(vr_error_t *err, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* True for MySQL errors worth retrying: lost connection, deadlock,
 * lock wait timeout, server shutting down, too many connections. */
bool vr_mysql_errno_retriable(unsigned int mysql_errno);

#endif
