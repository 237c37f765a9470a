/*
 * vr_arena.h - region allocator for per-event, per-statement and
 * per-transaction memory (PostgreSQL memory contexts, nginx pools).
 *
 * Allocations are bump-pointer from chunks; nothing is freed one by one.
 * vr_arena_reset() keeps the first chunk for reuse, so a hot loop that
 * resets per event does not touch malloc once warm.  Not thread-safe:
 * one arena per thread or per object.
 */
#ifndef VR_ARENA_H
#define VR_ARENA_H

#include <stddef.h>

typedef struct vr_arena vr_arena_t;

/* chunk_size 0 picks a default (8 KiB).  Aborts on OOM. */
vr_arena_t *vr_arena_new(size_t chunk_size);
void vr_arena_free(vr_arena_t *a); /* NULL is a no-op */
void vr_arena_reset(vr_arena_t *a);
/* 16-byte aligned; never NULL. */
void *vr_arena_alloc(vr_arena_t *a, size_t n);
void *vr_arena_calloc(vr_arena_t *a, size_t n);
char *vr_arena_strdup(vr_arena_t *a, const char *s);
char *vr_arena_strndup(vr_arena_t *a, const char *s, size_t n);
void *vr_arena_memdup(vr_arena_t *a, const void *p, size_t n);
char *vr_arena_printf(vr_arena_t *a, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* Bytes handed out since the last reset (for tests and stats). */
size_t vr_arena_used(const vr_arena_t *a);

#endif
