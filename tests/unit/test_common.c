/* Unit tests for common/: errors, buffers, arenas. */
#include <criterion/criterion.h>
#include <string.h>

#include "vr_common.h"

Test(error, format_and_prefix)
{
    vr_error_t err;
    vr_error_clear(&err);
    cr_assert_eq(vr_errorf(&err, VR_INVALID, "bad keyrange '%s'", "8-"), VR_INVALID);
    cr_assert_str_eq(err.msg, "bad keyrange '8-'");
    cr_assert_not(err.retriable);
    vr_error_prefix(&err, "shard %s", "x");
    cr_assert_str_eq(err.msg, "shard x: bad keyrange '8-'");
    cr_assert_eq(err.code, VR_INVALID);
    cr_assert_str_eq(vr_code_name(VR_NOT_FOUND), "NOT_FOUND");
    cr_assert_str_eq(vr_code_name((vr_code_t)999), "UNKNOWN");
}

Test(error, mysql_errors_carry_flags)
{
    vr_error_t err;
    vr_error_mysql(&err, 1213, vr_mysql_errno_retriable(1213), "deadlock");
    cr_assert_eq(err.code, VR_MYSQL);
    cr_assert_eq(err.mysql_errno, 1213);
    cr_assert(err.retriable);
    cr_assert_not(vr_mysql_errno_retriable(1062));
    /* NULL error pointers are allowed everywhere */
    cr_assert_eq(vr_errorf(NULL, VR_IO, "x"), VR_IO);
    cr_assert_eq(vr_error_prefix(NULL, "y"), VR_OK);
}

Test(buf, append_printf_and_sql_quoting)
{
    vr_buf_t b = VR_BUF_INIT;
    vr_buf_puts(&b, "select ");
    vr_buf_put_sql_string(&b, "it's\n\\", 6);
    vr_buf_printf(&b, " %d", 42);
    cr_assert_str_eq(b.data, "select 'it\\'s\\n\\\\' 42");
    vr_buf_reset(&b);
    vr_buf_put_sql_ident(&b, "a`b");
    cr_assert_str_eq(b.data, "`a``b`");
    vr_buf_reset(&b);
    {
        const uint8_t k[] = {0x16, 0x6b, 0xff};
        vr_buf_put_hex(&b, k, 3);
    }
    cr_assert_str_eq(b.data, "166bff");
    for (int i = 0; i < 10000; i++)
        vr_buf_printf(&b, "%05d", i);
    cr_assert_eq(b.len, 6 + 50000);
    char *s = vr_buf_detach(&b);
    cr_assert_null(b.data);
    free(s);
    vr_buf_free(&b);
}

Test(arena, alloc_align_reset)
{
    vr_arena_t *a = vr_arena_new(128);
    char *p = vr_arena_strdup(a, "hello");
    cr_assert_str_eq(p, "hello");
    for (int i = 0; i < 1000; i++) {
        void *q = vr_arena_alloc(a, (size_t)i % 37 + 1);
        cr_assert_eq((uintptr_t)q % 16, 0);
        memset(q, 0xab, (size_t)i % 37 + 1);
    }
    void *big = vr_arena_calloc(a, 100000);
    cr_assert_eq(((unsigned char *)big)[99999], 0);
    cr_assert_str_eq(vr_arena_printf(a, "%s-%d", "x", 7), "x-7");
    vr_arena_reset(a);
    cr_assert_eq(vr_arena_used(a), 0);
    cr_assert_str_eq(vr_arena_strdup(a, "again"), "again");
    vr_arena_free(a);
    vr_arena_free(NULL);
}
