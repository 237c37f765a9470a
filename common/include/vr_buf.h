/*
 * vr_buf.h - growable byte buffers.
 *
 * A vr_buf_t is a plain struct the caller owns; its data is always
 * NUL-terminated (one byte past len) so it can be used as a C string.
 * Allocation failure aborts the process (vr_xmalloc): there is no useful
 * recovery from OOM in a replication engine, and it keeps callers simple.
 */
#ifndef VR_BUF_H
#define VR_BUF_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

typedef struct vr_buf {
    char *data; /* NULL until the first append; NUL-terminated after */
    size_t len;
    size_t cap;
} vr_buf_t;

#define VR_BUF_INIT {NULL, 0, 0}

void vr_buf_init(vr_buf_t *b);
void vr_buf_free(vr_buf_t *b);       /* frees data; b itself is the caller's */
void vr_buf_reset(vr_buf_t *b);      /* len = 0, keeps capacity */
void vr_buf_reserve(vr_buf_t *b, size_t extra);
void vr_buf_append(vr_buf_t *b, const void *p, size_t n);
void vr_buf_puts(vr_buf_t *b, const char *s);
void vr_buf_putc(vr_buf_t *b, char c);
void vr_buf_printf(vr_buf_t *b, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
void vr_buf_vprintf(vr_buf_t *b, const char *fmt, va_list ap);
/* Append s (n bytes) as a single-quoted SQL string literal with MySQL
 * escapes (\0 \' \" \b \n \r \t \Z \\). */
void vr_buf_put_sql_string(vr_buf_t *b, const char *s, size_t n);
/* Append an identifier in backquotes, doubling embedded backquotes. */
void vr_buf_put_sql_ident(vr_buf_t *b, const char *s);
/* Value of one hex digit (either case), -1 for any other character. */
int vr_hex_value(char c);
/* Append n bytes as lower-case hex. */
void vr_buf_put_hex(vr_buf_t *b, const uint8_t *p, size_t n);
/* Take ownership of the data (caller frees); b is left empty. */
char *vr_buf_detach(vr_buf_t *b);

/* Memory helpers that abort on failure. */
void *vr_xmalloc(size_t n);
void *vr_xcalloc(size_t n, size_t size);
void *vr_xrealloc(void *p, size_t n);
char *vr_xstrdup(const char *s);
char *vr_xstrndup(const char *s, size_t n);
char *vr_xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
