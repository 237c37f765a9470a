/*
 * bench_sqlparser.c - parse+format throughput of sqlparser/ on one core.
 *
 * Three statements the gateway sees all day: a point select, a 3-way join
 * and a 100-row INSERT.  Each is parsed and formatted back to SQL in a
 * loop for about a second, both into a reused arena (the gateway's hot
 * path) and with vr_sql_parse()'s own arena per statement.  Prints
 * statements/second and MB/s of SQL.  Baseline: the issue asks for at
 * least 500,000 point selects per second.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "vr_sqlparser.h"

static double now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

typedef struct result {
    double per_sec;
    double mb_per_sec;
} result_t;

static int one(vr_arena_t *arena, const char *sql, size_t len, vr_buf_t *out)
{
    vr_sql_stmt_t *s;
    vr_error_t err;
    vr_code_t rc = arena ? vr_sql_parse_arena(arena, sql, len, &s, &err)
                         : vr_sql_parse(sql, len, &s, &err);
    if (rc != VR_OK) {
        fprintf(stderr, "parse failed: %s\n", err.msg);
        return -1;
    }
    vr_buf_reset(out);
    vr_sql_format(out, s);
    vr_sql_free(s);
    return 0;
}

static result_t run(const char *sql, bool reuse_arena)
{
    vr_arena_t *arena = reuse_arena ? vr_arena_new(16384) : NULL;
    vr_buf_t out = VR_BUF_INIT;
    size_t len = strlen(sql);
    long n = 0, batch = 1000;
    double t0 = now(), t;
    result_t r;
    do {
        for (long i = 0; i < batch; i++) {
            if (arena)
                vr_arena_reset(arena);
            if (one(arena, sql, len, &out) != 0)
                exit(1);
        }
        n += batch;
        t = now() - t0;
    } while (t < 1.0);
    r.per_sec = (double)n / t;
    r.mb_per_sec = (double)n * (double)len / t / 1e6;
    vr_buf_free(&out);
    vr_arena_free(arena);
    return r;
}

static char *insert_100(void)
{
    vr_buf_t b = VR_BUF_INIT;
    vr_buf_puts(&b, "insert into customer.orders (order_id, customer_id, sku, "
                    "price, created) values ");
    for (int i = 0; i < 100; i++)
        vr_buf_printf(&b, "%s(%d, %d, 'SKU-%04d', %d.99, '2024-01-%02d "
                          "10:00:00')",
                      i ? ", " : "", 1000 + i, i % 17, i, i * 3, 1 + i % 28);
    return vr_buf_detach(&b);
}

int main(void)
{
    char *ins = insert_100();
    const struct {
        const char *name;
        const char *sql;
    } cases[] = {
        {"point select", "select * from customer where customer_id = 12345"},
        {"3-way join",
         "select c.name, o.order_id, p.title from customer as c join corder "
         "as o on o.customer_id = c.customer_id join product as p on p.sku = "
         "o.sku where c.customer_id = 42 and o.price > 100 order by "
         "o.order_id desc limit 10"},
        {"100-row insert", ins},
    };
    printf("sqlparser parse+format, one core (about 1 s per figure)\n");
    printf("%-16s %16s %16s %10s\n", "statement", "reused arena/s",
           "own arena/s", "MB/s");
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        result_t a = run(cases[i].sql, true);
        result_t b = run(cases[i].sql, false);
        printf("%-16s %16.0f %16.0f %10.1f\n", cases[i].name, a.per_sec,
               b.per_sec, a.mb_per_sec);
    }
    printf("target: >= 500000 point selects/s\n");
    free(ins);
    return 0;
}
