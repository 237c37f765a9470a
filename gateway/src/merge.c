/*
 * merge.c - combining the rows shards sent back: a stable merge sort for
 * ORDER BY (values compare as numbers when both parse as numbers, else as
 * bytes; NULL first, as MySQL sorts), grouping with count/sum/min/max
 * folded across shards, LIMIT/OFFSET, and writing the result out.
 *
 * Everything lives in the statement arena; no locks (one statement).
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "plan_int.h"

void pl_rs_add_row(vr_arena_t *a, pl_rs_t *rs, char **v, const size_t *l)
{
    if (rs->nrows == rs->cap) {
        size_t cap = rs->cap ? 2 * rs->cap : 16;
        pl_row_t *n = vr_arena_alloc(a, cap * sizeof(*n));
        if (rs->nrows)
            memcpy(n, rs->rows, rs->nrows * sizeof(*n));
        rs->rows = n;
        rs->cap = cap;
    }
    rs->rows[rs->nrows].v = v;
    rs->rows[rs->nrows++].l = (size_t *)l;
}

static bool as_number(const char *s, size_t len, double *out)
{
    char *end;
    if (!s || !len)
        return false;
    *out = strtod(s, &end);
    return end == s + len;
}

int pl_val_cmp(const char *a, size_t al, const char *b, size_t bl)
{
    double x, y;
    int c;
    if (!a || !b)
        return (a != NULL) - (b != NULL);
    if (as_number(a, al, &x) && as_number(b, bl, &y))
        return (x > y) - (x < y);
    c = memcmp(a, b, al < bl ? al : bl);
    return c ? c : (al > bl) - (al < bl);
}

static int row_cmp(const pl_row_t *x, const pl_row_t *y, const pl_sortkey_t *k, size_t n)
{
    size_t i;
    for (i = 0; i < n; i++) {
        size_t c = k[i].col;
        int r = pl_val_cmp(x->v[c], x->l[c], y->v[c], y->l[c]);
        if (r)
            return k[i].desc ? -r : r;
    }
    return 0;
}

void pl_rs_sort(vr_arena_t *a, pl_rs_t *rs, const pl_sortkey_t *keys, size_t n)
{
    pl_row_t *src = rs->rows, *dst, *t;
    size_t w, i, N = rs->nrows;
    if (N < 2 || !n)
        return;
    dst = vr_arena_alloc(a, N * sizeof(*dst));
    for (w = 1; w < N; w *= 2) { /* bottom-up merge sort: stable */
        for (i = 0; i < N; i += 2 * w) {
            size_t lo = i, mid = i + w < N ? i + w : N, hi = i + 2 * w < N ? i + 2 * w : N;
            size_t p = lo, q = mid, o = lo;
            while (p < mid && q < hi)
                dst[o++] = row_cmp(&src[q], &src[p], keys, n) < 0 ? src[q++] : src[p++];
            while (p < mid)
                dst[o++] = src[p++];
            while (q < hi)
                dst[o++] = src[q++];
        }
        t = src;
        src = dst;
        dst = t;
    }
    rs->rows = src;
}

static bool is_int(const char *s, size_t len)
{
    size_t i = (len && (s[0] == '-' || s[0] == '+')) ? 1 : 0;
    if (i == len)
        return false;
    for (; i < len; i++)
        if (s[i] < '0' || s[i] > '9')
            return false;
    return true;
}

static void fold_sum(vr_arena_t *a, pl_row_t *acc, const pl_row_t *r, size_t c)
{
    if (!r->v[c])
        return;
    if (!acc->v[c]) {
        acc->v[c] = r->v[c];
        acc->l[c] = r->l[c];
        return;
    }
    if (is_int(acc->v[c], acc->l[c]) && is_int(r->v[c], r->l[c])) {
        long long s = strtoll(acc->v[c], NULL, 10) + strtoll(r->v[c], NULL, 10);
        acc->v[c] = vr_arena_printf(a, "%lld", s);
    } else {
        double s = strtod(acc->v[c], NULL) + strtod(r->v[c], NULL);
        acc->v[c] = vr_arena_printf(a, "%.15g", s);
    }
    acc->l[c] = strlen(acc->v[c]);
}

static void fold(vr_arena_t *a, pl_row_t *acc, const pl_row_t *r, const pl_agg_t *aggs, size_t n)
{
    size_t c;
    for (c = 0; c < n; c++) {
        int cmp;
        if (aggs[c] == PL_AGG_SUM) {
            fold_sum(a, acc, r, c);
            continue;
        }
        if (aggs[c] == PL_AGG_KEY || !r->v[c])
            continue;
        cmp = acc->v[c] ? pl_val_cmp(r->v[c], r->l[c], acc->v[c], acc->l[c]) : -1;
        if ((aggs[c] == PL_AGG_MIN && cmp < 0) || (aggs[c] == PL_AGG_MAX && (cmp > 0 || !acc->v[c]))) {
            acc->v[c] = r->v[c];
            acc->l[c] = r->l[c];
        }
    }
}

void pl_rs_aggregate(vr_arena_t *a, pl_rs_t *rs, const pl_agg_t *aggs, size_t n)
{
    pl_sortkey_t *keys = vr_arena_alloc(a, (n ? n : 1) * sizeof(*keys));
    size_t nk = 0, i, out = 0;
    for (i = 0; i < n; i++)
        if (aggs[i] == PL_AGG_KEY) {
            keys[nk].col = i;
            keys[nk++].desc = false;
        }
    pl_rs_sort(a, rs, keys, nk);
    for (i = 0; i < rs->nrows; i++) {
        if (out && row_cmp(&rs->rows[out - 1], &rs->rows[i], keys, nk) == 0) {
            fold(a, &rs->rows[out - 1], &rs->rows[i], aggs, n);
            continue;
        }
        rs->rows[out] = rs->rows[i];
        /* own copies: folding must not write into another row's arrays */
        rs->rows[out].v = vr_arena_memdup(a, rs->rows[i].v, n * sizeof(char *));
        rs->rows[out].l = vr_arena_memdup(a, rs->rows[i].l, n * sizeof(size_t));
        out++;
    }
    rs->nrows = out;
}

void pl_rs_limit(pl_rs_t *rs, uint64_t offset, uint64_t count)
{
    if (offset >= rs->nrows) {
        rs->nrows = 0;
        return;
    }
    rs->rows += offset;
    rs->nrows -= offset;
    rs->cap = 0; /* rows no longer own the start of the array */
    if (count < rs->nrows)
        rs->nrows = count;
}

vr_code_t pl_rs_write(const pl_rs_t *rs, vr_gw_result_t *r)
{
    vr_code_t rc;
    size_t i;
    if (!rs->cols)
        return vr_gw_result_ok(r, rs->affected, rs->insert_id, 0, NULL);
    rc = vr_gw_result_columns(r, rs->cols, rs->ncols);
    for (i = 0; rc == VR_OK && i < rs->nrows; i++)
        rc = vr_gw_result_row(r, (const char *const *)rs->rows[i].v, rs->rows[i].l);
    if (rc == VR_OK)
        rc = vr_gw_result_end(r, 0);
    return rc;
}
