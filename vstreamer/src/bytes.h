/*
 * bytes.h - internal: bounds-checked little/big-endian readers over
 * untrusted bytes.  Callers check rd_need() before any rd_* of a pointer;
 * the cursor helpers do it themselves.
 */
#ifndef VR_BYTES_H
#define VR_BYTES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

static inline uint16_t rd_u16(const uint8_t *p)
{
    return (uint16_t)(p[0] | (uint16_t)p[1] << 8);
}
static inline uint32_t rd_u24(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16;
}
static inline uint32_t rd_u32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
           (uint32_t)p[3] << 24;
}
static inline uint64_t rd_u48(const uint8_t *p)
{
    return (uint64_t)rd_u32(p) | (uint64_t)rd_u16(p + 4) << 32;
}
static inline uint64_t rd_u64(const uint8_t *p)
{
    return (uint64_t)rd_u32(p) | (uint64_t)rd_u32(p + 4) << 32;
}
/* big-endian, n <= 8 bytes */
static inline uint64_t rd_be(const uint8_t *p, size_t n)
{
    uint64_t v = 0;
    size_t i;
    for (i = 0; i < n; i++)
        v = v << 8 | p[i];
    return v;
}
/* little-endian, n <= 8 bytes */
static inline uint64_t rd_le(const uint8_t *p, size_t n)
{
    uint64_t v = 0;
    while (n--)
        v = v << 8 | p[n];
    return v;
}

typedef struct rd_cur {
    const uint8_t *p;
    const uint8_t *end;
} rd_cur_t;

static inline bool rd_need(const rd_cur_t *c, size_t n)
{
    return (size_t)(c->end - c->p) >= n;
}

/* MySQL length-encoded integer (251 = NULL is rejected). */
static inline bool rd_packed(rd_cur_t *c, uint64_t *v)
{
    uint8_t b;
    if (!rd_need(c, 1))
        return false;
    b = *c->p;
    if (b < 251) {
        *v = b;
        c->p += 1;
        return true;
    }
    if (b == 252 && rd_need(c, 3)) {
        *v = rd_u16(c->p + 1);
        c->p += 3;
        return true;
    }
    if (b == 253 && rd_need(c, 4)) {
        *v = rd_u24(c->p + 1);
        c->p += 4;
        return true;
    }
    if (b == 254 && rd_need(c, 9)) {
        *v = rd_u64(c->p + 1);
        c->p += 9;
        return true;
    }
    return false;
}

static inline bool bit_lsb(const uint8_t *bm, size_t i)
{
    return (bm[i >> 3] >> (i & 7)) & 1;
}

#endif
