/*
 * arena.c - chunked bump allocator.
 *
 * Invariant: `cur` is the chunk being carved; chunks before it in the list
 * are full.  Oversized requests get a chunk of their own.  reset() frees
 * every chunk but the first, so steady-state per-event use never mallocs.
 */
#include "vr_arena.h"
#include "vr_buf.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define ALIGN 16
#define DEFAULT_CHUNK 8192

typedef struct chunk {
    struct chunk *next;
    size_t size; /* usable bytes after the header */
    size_t used;
    _Alignas(ALIGN) unsigned char data[];
} chunk_t;

struct vr_arena {
    chunk_t *head; /* first chunk, kept across resets */
    chunk_t *cur;
    size_t chunk_size;
    size_t total;
};

static chunk_t *chunk_new(size_t size)
{
    chunk_t *c = vr_xmalloc(sizeof(chunk_t) + size);
    c->next = NULL;
    c->size = size;
    c->used = 0;
    return c;
}

vr_arena_t *vr_arena_new(size_t chunk_size)
{
    vr_arena_t *a = vr_xcalloc(1, sizeof(*a));
    a->chunk_size = chunk_size ? chunk_size : DEFAULT_CHUNK;
    a->head = a->cur = chunk_new(a->chunk_size);
    return a;
}

void vr_arena_free(vr_arena_t *a)
{
    chunk_t *c, *next;
    if (!a)
        return;
    for (c = a->head; c; c = next) {
        next = c->next;
        free(c);
    }
    free(a);
}

void vr_arena_reset(vr_arena_t *a)
{
    chunk_t *c, *next;
    for (c = a->head->next; c; c = next) {
        next = c->next;
        free(c);
    }
    a->head->next = NULL;
    a->head->used = 0;
    a->cur = a->head;
    a->total = 0;
}

void *vr_arena_alloc(vr_arena_t *a, size_t n)
{
    size_t off = (a->cur->used + ALIGN - 1) & ~(size_t)(ALIGN - 1);
    chunk_t *c;

    if (n == 0)
        n = 1;
    if (off + n > a->cur->size) {
        c = chunk_new(n > a->chunk_size ? n : a->chunk_size);
        c->next = a->cur->next;
        a->cur->next = c;
        a->cur = c;
        off = 0;
    }
    a->cur->used = off + n;
    a->total += n;
    return a->cur->data + off;
}

void *vr_arena_calloc(vr_arena_t *a, size_t n)
{
    void *p = vr_arena_alloc(a, n);
    memset(p, 0, n);
    return p;
}

void *vr_arena_memdup(vr_arena_t *a, const void *p, size_t n)
{
    void *q = vr_arena_alloc(a, n);
    if (n)
        memcpy(q, p, n);
    return q;
}

char *vr_arena_strndup(vr_arena_t *a, const char *s, size_t n)
{
    char *p = vr_arena_alloc(a, n + 1);
    memcpy(p, s, n);
    p[n] = '\0';
    return p;
}

char *vr_arena_strdup(vr_arena_t *a, const char *s)
{
    return vr_arena_strndup(a, s, strlen(s));
}

char *vr_arena_printf(vr_arena_t *a, const char *fmt, ...)
{
    va_list ap, ap2;
    int n;
    char *p;
    va_start(ap, fmt);
    va_copy(ap2, ap);
    n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0)
        n = 0;
    p = vr_arena_alloc(a, (size_t)n + 1);
    vsnprintf(p, (size_t)n + 1, fmt, ap2);
    va_end(ap2);
    return p;
}

size_t vr_arena_used(const vr_arena_t *a) { return a->total; }
