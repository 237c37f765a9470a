/*
 * fuzz_sqlparser.c - libFuzzer target for sqlparser/: SQL text from the
 * network (the gateway) and from binlogs (the vstreamer) is untrusted.
 *
 * Every input is parsed; whatever parses is formatted, re-parsed (which
 * must succeed) and formatted again (which must give the same text), and
 * the helpers run over the tree.  abort() on any mismatch, so a round-trip
 * bug is a crash libFuzzer reports.  Replayed over tests/fuzz/corpus/
 * sqlparser/ as a Criterion test in every build (see fuzz.cmake).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vr_sqlparser.h"

static vr_sql_walk_action_t touch(vr_sql_expr_t **slot, void *ud)
{
    (*(size_t *)ud) += (size_t)(*slot)->kind;
    return VR_SQL_WALK_CONTINUE;
}

static void mismatch(const char *what, const uint8_t *data, size_t size,
                     const char *a, const char *b)
{
    fprintf(stderr, "sqlparser round trip %s\n  input: %.*s\n  first: %s\n"
                    "  second: %s\n",
            what, (int)size, (const char *)data, a, b ? b : "(none)");
    abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    vr_sql_stmt_t *s = NULL, *s2 = NULL;
    vr_buf_t o = VR_BUF_INIT, o2 = VR_BUF_INIT;
    vr_error_t err;
    size_t n = 0;

    if (vr_sql_parse((const char *)data, size, &s, &err) != VR_OK)
        return 0;
    vr_sql_format(&o, s);
    if (!o.data || strlen(o.data) != o.len)
        mismatch("output empty or has a NUL byte", data, size,
                 o.data ? o.data : "", NULL);
    if (vr_sql_parse(o.data, o.len, &s2, &err) != VR_OK)
        mismatch("re-parse failed", data, size, o.data, err.msg);
    vr_sql_format(&o2, s2);
    if (o.len != o2.len || memcmp(o.data, o2.data, o.len) != 0)
        mismatch("differs", data, size, o.data, o2.data);
    (void)vr_sql_tables(s);
    vr_sql_walk(s, touch, &n);
    (void)vr_sql_count_args(s);
    vr_buf_free(&o);
    vr_buf_free(&o2);
    vr_sql_free(s2);
    vr_sql_free(s);
    return (int)(n & 0);
}
