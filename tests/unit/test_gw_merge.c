/*
 * The planner's pure pieces (gateway/src/merge.c): value comparison,
 * the stable merge sort of ORDER BY, folding count/sum/min/max per GROUP
 * BY key across shards, and LIMIT/OFFSET over merged rows.
 */
#include <criterion/criterion.h>
#include <string.h>

#include "plan_int.h"

static vr_arena_t *a;
static void setup(void) { a = vr_arena_new(0); }
static void teardown(void) { vr_arena_free(a); }
TestSuite(gw_merge, .init = setup, .fini = teardown);

/* Rows from "a,b;c,d" (NULL written as ~). */
static void fill(pl_rs_t *rs, size_t ncols, const char *spec)
{
    char *copy = vr_arena_strdup(a, spec), *row, *save = NULL;
    memset(rs, 0, sizeof(*rs));
    rs->ncols = ncols;
    for (row = strtok_r(copy, ";", &save); row; row = strtok_r(NULL, ";", &save)) {
        char **v = vr_arena_alloc(a, ncols * sizeof(char *)), *save2 = NULL, *f;
        size_t *l = vr_arena_alloc(a, ncols * sizeof(size_t)), i = 0;
        for (f = strtok_r(row, ",", &save2); f && i < ncols; f = strtok_r(NULL, ",", &save2), i++) {
            v[i] = strcmp(f, "~") == 0 ? NULL : f;
            l[i] = v[i] ? strlen(f) : 0;
        }
        pl_rs_add_row(a, rs, v, l);
    }
}

static char *dump(const pl_rs_t *rs)
{
    vr_buf_t b = VR_BUF_INIT;
    size_t r, c;
    char *out;
    for (r = 0; r < rs->nrows; r++) {
        for (c = 0; c < rs->ncols; c++)
            vr_buf_printf(&b, "%s%s", c ? "," : "", rs->rows[r].v[c] ? rs->rows[r].v[c] : "~");
        vr_buf_putc(&b, ';');
    }
    out = vr_arena_strdup(a, b.data ? b.data : "");
    vr_buf_free(&b);
    return out;
}

Test(gw_merge, compare_numbers_text_and_null)
{
    cr_expect_lt(pl_val_cmp("9", 1, "10", 2), 0);   /* numerically */
    cr_expect_gt(pl_val_cmp("b", 1, "abc", 3), 0);  /* bytewise */
    cr_expect_lt(pl_val_cmp(NULL, 0, "0", 1), 0);   /* NULL first */
    cr_expect_eq(pl_val_cmp("1.50", 4, "1.5", 3), 0);
}

Test(gw_merge, sort_is_stable_and_multi_key)
{
    pl_rs_t rs;
    pl_sortkey_t k[2] = {{1, true}, {0, false}};
    fill(&rs, 3, "3,x,a;1,y,b;2,x,c;1,x,d;5,y,e;~,y,f");
    pl_rs_sort(a, &rs, k, 2);
    cr_expect_str_eq(dump(&rs), "~,y,f;1,y,b;5,y,e;1,x,d;2,x,c;3,x,a;");
    fill(&rs, 2, "1,a;1,b;1,c;0,d");
    k[0].col = 0;
    k[0].desc = false;
    pl_rs_sort(a, &rs, k, 1); /* equal keys keep shard order */
    cr_expect_str_eq(dump(&rs), "0,d;1,a;1,b;1,c;");
}

Test(gw_merge, aggregate_across_shards)
{
    pl_rs_t rs;
    pl_agg_t aggs[5] = {PL_AGG_KEY, PL_AGG_SUM, PL_AGG_SUM, PL_AGG_MIN, PL_AGG_MAX};
    /* pid, count(*), sum(price), min(price), max(price) from two shards */
    fill(&rs, 5, "2,1,15,15,15;1,1,10,10,10;2,1,20,20,20;3,2,1.5,~,7");
    pl_rs_aggregate(a, &rs, aggs, 5);
    cr_expect_str_eq(dump(&rs), "1,1,10,10,10;2,2,35,15,20;3,2,1.5,~,7;");
    /* no GROUP BY: one row per shard folds into one */
    fill(&rs, 2, "3,~;4,9");
    aggs[0] = PL_AGG_SUM;
    aggs[1] = PL_AGG_MAX;
    pl_rs_aggregate(a, &rs, aggs, 2);
    cr_expect_str_eq(dump(&rs), "7,9;");
}

Test(gw_merge, limit_and_offset)
{
    pl_rs_t rs;
    fill(&rs, 1, "1;2;3;4");
    pl_rs_limit(&rs, 1, 2);
    cr_expect_str_eq(dump(&rs), "2;3;");
    fill(&rs, 1, "1;2");
    pl_rs_limit(&rs, 5, 1);
    cr_expect_eq(rs.nrows, 0);
    fill(&rs, 1, "1;2");
    pl_rs_limit(&rs, 0, UINT64_MAX);
    cr_expect_eq(rs.nrows, 2);
}
