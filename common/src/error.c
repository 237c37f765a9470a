/*
 * error.c - vr_error_t: codes, messages, context prefixes.
 * No global state; safe from any thread.
 */
#include "vr_error.h"

#include <stdio.h>
#include <string.h>

static const char *const code_names[] = {
#define VR_ERR_NAME(name, msg) #name,
    VR_ERRORS(VR_ERR_NAME)
#undef VR_ERR_NAME
};

static const char *const code_msgs[] = {
#define VR_ERR_MSG(name, msg) msg,
    VR_ERRORS(VR_ERR_MSG)
#undef VR_ERR_MSG
};

const char *vr_code_name(vr_code_t code)
{
    if ((unsigned)code >= VR__CODE_MAX)
        return "UNKNOWN";
    return code_names[code];
}

const char *vr_code_message(vr_code_t code)
{
    if ((unsigned)code >= VR__CODE_MAX)
        return "unknown error";
    return code_msgs[code];
}

void vr_error_clear(vr_error_t *err)
{
    if (!err)
        return;
    err->code = VR_OK;
    err->mysql_errno = 0;
    err->retriable = false;
    err->msg[0] = '\0';
}

vr_code_t vr_verrorf(vr_error_t *err, vr_code_t code, const char *fmt,
                     va_list ap)
{
    if (!err)
        return code;
    err->code = code;
    err->mysql_errno = 0;
    err->retriable = false;
    if (fmt)
        vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
    else
        snprintf(err->msg, sizeof(err->msg), "%s", vr_code_message(code));
    return code;
}

vr_code_t vr_errorf(vr_error_t *err, vr_code_t code, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vr_verrorf(err, code, fmt, ap);
    va_end(ap);
    return code;
}

vr_code_t vr_error_mysql(vr_error_t *err, unsigned int mysql_errno,
                         bool retriable, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vr_verrorf(err, VR_MYSQL, fmt, ap);
    va_end(ap);
    if (err) {
        err->mysql_errno = mysql_errno;
        err->retriable = retriable;
    }
    return VR_MYSQL;
}

vr_code_t vr_error_prefix(vr_error_t *err, const char *fmt, ...)
{
    char ctx[VR_ERROR_MSG_MAX];
    char old[VR_ERROR_MSG_MAX];
    va_list ap;

    if (!err)
        return VR_OK;
    va_start(ap, fmt);
    vsnprintf(ctx, sizeof(ctx), fmt, ap);
    va_end(ap);
    memcpy(old, err->msg, sizeof(old));
    {
        /* truncation keeps the outermost context, which matters most */
        size_t n = strlen(ctx);
        if (n > sizeof(err->msg) - 3)
            n = sizeof(err->msg) - 3;
        memcpy(err->msg, ctx, n);
        memcpy(err->msg + n, ": ", 2);
        n += 2;
        size_t m = strlen(old);
        if (m > sizeof(err->msg) - 1 - n)
            m = sizeof(err->msg) - 1 - n;
        memcpy(err->msg + n, old, m);
        err->msg[n + m] = '\0';
    }
    return err->code;
}

bool vr_mysql_errno_retriable(unsigned int e)
{
    switch (e) {
    case 1040: /* ER_CON_COUNT_ERROR */
    case 1053: /* ER_SERVER_SHUTDOWN */
    case 1205: /* ER_LOCK_WAIT_TIMEOUT */
    case 1213: /* ER_LOCK_DEADLOCK */
    case 1927: /* ER_CONNECTION_KILLED */
    case 2002: /* CR_CONNECTION_ERROR */
    case 2003: /* CR_CONN_HOST_ERROR */
    case 2006: /* CR_SERVER_GONE_ERROR */
    case 2013: /* CR_SERVER_LOST */
    case 2055: /* CR_SERVER_LOST_EXTENDED */
        return true;
    default:
        return false;
    }
}
