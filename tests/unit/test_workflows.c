/* Unit tests for the pure parts of workflows/ (vr_workflow.h): the check
 * that a stream rule copies whole rows, reverse-stream filters, the
 * materialize plan (select form, workflow name, per-shard filters) and
 * the argument checks that come before the topology. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vr_workflow.h"

/* ---- vr_workflow_copy_rule ------------------------------------------------ */

static bool copies(const char *match, const char *filter, char *src)
{
    vr_filter_rule_t r;
    memset(&r, 0, sizeof(r));
    r.match = (char *)match;
    r.filter = (char *)filter;
    strcpy(src, "untouched");
    return vr_workflow_copy_rule(&r, src, 64);
}

Test(copy_rule, whole_tables)
{
    char src[64];
    cr_assert(copies("orders", NULL, src));
    cr_assert_str_eq(src, "orders");
    cr_assert(copies("orders", "", src));
    cr_assert_str_eq(src, "orders");
    cr_assert(copies("orders", "-80", src)); /* a keyrange */
    cr_assert_str_eq(src, "orders");
    cr_assert(copies("orders", "select * from orders", src));
    cr_assert_str_eq(src, "orders");
    /* the source table is the select's, not the match */
    cr_assert(copies("orders_copy", "select * from orders where in_keyrange(cid, 'hash', '-80')",
                     src));
    cr_assert_str_eq(src, "orders");
    cr_assert(copies("t", "SELECT * FROM s WHERE in_keyrange(c, 'hash', '-80') AND "
                          "IN_KEYRANGE(d, 'xxhash', '80-')", src));
    cr_assert_str_eq(src, "s");
}

Test(copy_rule, not_whole_rows)
{
    char src[64];
    cr_assert_not(copies("/.*", NULL, src)); /* a regex names no one table */
    cr_assert_not(copies("orders", "select oid, cid from orders", src));
    cr_assert_not(copies("orders", "select * from orders where price > 10", src));
    cr_assert_not(copies("orders", "select * from orders where in_keyrange(cid, 'hash', '-80') "
                                   "and price > 10", src));
    cr_assert_not(copies("sales", "select pid, count(*) as kount from orders group by pid", src));
    cr_assert_not(copies("orders", "select distinct * from orders", src));
    cr_assert_not(copies("orders", "select * from orders, customer", src));
    cr_assert_not(copies("orders", "delete from orders", src));
    cr_assert_not(copies("orders", "select * from", src)); /* does not parse */
    cr_assert_str_eq(src, "untouched");
}

/* ---- vr_workflow_reverse_filter ------------------------------------------- */

static const char *CUSTOMER_VS =
    "{\"sharded\":true,\"vindexes\":{\"hash\":{\"type\":\"hash\"}},"
    "\"tables\":{\"orders\":{\"column_vindexes\":[{\"column\":\"cid\",\"name\":\"hash\"}]}}}";

Test(reverse_filter, sharded_source_by_its_primary_vindex)
{
    vr_vschema_t *vs = NULL;
    vr_buf_t f = VR_BUF_INIT;
    vr_error_t err;
    cr_assert_eq(vr_vschema_parse("customer", CUSTOMER_VS, &vs, &err), VR_OK, "%s", err.msg);
    vr_workflow_reverse_filter(vs, "orders", "orders_copy", "-80", &f);
    cr_assert_str_eq(f.data, "select * from `orders_copy` where in_keyrange(`cid`, 'hash', '-80')");
    vr_buf_free(&f);
    /* a table the source VSchema does not shard: all of it */
    vr_workflow_reverse_filter(vs, "other", "other", "80-", &f);
    cr_assert_str_eq(f.data, "select * from `other`");
    vr_buf_free(&f);
    vr_vschema_free(vs);
}

Test(reverse_filter, unsharded_or_unknown_source)
{
    vr_vschema_t *vs = NULL;
    vr_buf_t f = VR_BUF_INIT;
    vr_error_t err;
    vr_workflow_reverse_filter(NULL, "orders", "orders", "-80", &f);
    cr_assert_str_eq(f.data, "select * from `orders`");
    vr_buf_free(&f);
    cr_assert_eq(vr_vschema_parse("product", "{\"tables\":{\"orders\":{}}}", &vs, &err), VR_OK,
                 "%s", err.msg);
    vr_workflow_reverse_filter(vs, "orders", "orders", "0", &f);
    cr_assert_str_eq(f.data, "select * from `orders`");
    vr_buf_free(&f);
    vr_vschema_free(vs);
}

/* ---- vr_materialize_* ----------------------------------------------------- */

static vr_materialize_t *plan(const vr_materialize_opts_t *o)
{
    vr_materialize_t *m = NULL;
    vr_error_t err;
    vr_error_clear(&err);
    cr_assert_eq(vr_materialize_new(o, &m, &err), VR_OK, "%s", err.msg);
    cr_assert_not_null(m);
    return m;
}

Test(materialize, workflow_name)
{
    vr_materialize_opts_t o = {.source_keyspace = "customer", .source_table = "orders",
                               .target_keyspace = "merchant", .target_table = "orders"};
    vr_materialize_t *m = plan(&o);
    cr_assert_str_eq(vr_materialize_workflow(m), "orders_merchant");
    cr_assert_str_eq(vr_materialize_source_keyspace(m), "customer");
    cr_assert_str_eq(vr_materialize_source_table(m), "orders");
    vr_materialize_free(m);

    o.workflow = "mine";
    m = plan(&o);
    cr_assert_str_eq(vr_materialize_workflow(m), "mine");
    vr_materialize_free(m);
}

Test(materialize, select_names_the_source)
{
    vr_materialize_opts_t o = {
        .source_keyspace = "ignored", .source_table = "ignored",
        .select = "select pid, count(*) as kount from product.orders group by pid",
        .target_keyspace = "merchant", .target_table = "sales"};
    vr_materialize_t *m = plan(&o);
    vr_buf_t f = VR_BUF_INIT;
    vr_error_t err;
    cr_assert_str_eq(vr_materialize_source_keyspace(m), "product");
    cr_assert_str_eq(vr_materialize_source_table(m), "orders");
    cr_assert_str_eq(vr_materialize_workflow(m), "orders_merchant");
    /* unsharded target: the select, its table unqualified */
    cr_assert_eq(vr_materialize_stream_filter(m, NULL, "0", false, &f, &err), VR_OK, "%s", err.msg);
    cr_assert_str_eq(f.data, "select pid, count(*) as kount from orders group by pid");
    vr_buf_free(&f);
    vr_materialize_free(m);
}

Test(materialize, select_errors)
{
    vr_materialize_opts_t o = {.target_keyspace = "merchant", .target_table = "t"};
    vr_materialize_t *m = (vr_materialize_t *)&o; /* must be reset to NULL */
    vr_error_t err;

    o.select = "select * from orders";
    cr_assert_eq(vr_materialize_new(&o, &m, &err), VR_INVALID);
    cr_assert_null(m);
    cr_assert_str_eq(err.msg, "the select must read one table named as KEYSPACE.TABLE: "
                              "select * from orders");
    o.select = "select * from a.x join a.y on x.id = y.id";
    cr_assert_eq(vr_materialize_new(&o, &m, &err), VR_INVALID);
    cr_assert(strstr(err.msg, "the select must read one table"), "%s", err.msg);
    o.select = "select * from";
    cr_assert_neq(vr_materialize_new(&o, &m, &err), VR_OK);
    cr_assert_null(m);
    o.select = NULL; /* and no source table */
    cr_assert_eq(vr_materialize_new(&o, &m, &err), VR_INVALID);
    o.source_keyspace = "customer";
    o.source_table = "orders";
    o.target_table = NULL;
    cr_assert_eq(vr_materialize_new(&o, &m, &err), VR_INVALID);
    cr_assert_null(m);
}

static const char *MERCHANT_VS =
    "{\"sharded\":true,\"vindexes\":{\"md5\":{\"type\":\"unicode_loose_md5\"}},"
    "\"tables\":{\"orders\":{\"column_vindexes\":[{\"column\":\"mname\",\"name\":\"md5\"}]}}}";

static char *filter_of(const vr_materialize_opts_t *o, const char *vs_json, bool sharded,
                       vr_code_t want)
{
    vr_materialize_t *m = plan(o);
    vr_vschema_t *vs = NULL;
    vr_buf_t f = VR_BUF_INIT;
    vr_error_t err;
    vr_code_t rc;
    if (vs_json)
        cr_assert_eq(vr_vschema_parse("merchant", vs_json, &vs, &err), VR_OK, "%s", err.msg);
    vr_error_clear(&err);
    rc = vr_materialize_stream_filter(m, vs, "-80", sharded, &f, &err);
    cr_assert_eq(rc, want, "%s", rc == VR_OK ? f.data : err.msg);
    vr_vschema_free(vs);
    vr_materialize_free(m);
    if (rc != VR_OK) {
        vr_buf_free(&f);
        return strdup(err.msg);
    }
    return vr_buf_detach(&f);
}

Test(materialize, stream_filter_by_the_target_vindex)
{
    vr_materialize_opts_t o = {.source_keyspace = "customer", .source_table = "orders",
                               .target_keyspace = "merchant", .target_table = "orders"};
    char *s;

    s = filter_of(&o, MERCHANT_VS, true, VR_OK);
    cr_assert_str_eq(s, "select * from orders where in_keyrange(mname, 'unicode_loose_md5', '-80')");
    free(s);
    /* unsharded target, or a reference copy: every row */
    s = filter_of(&o, MERCHANT_VS, false, VR_OK);
    cr_assert_str_eq(s, "select * from orders");
    free(s);
    o.reference = true;
    s = filter_of(&o, NULL, true, VR_OK);
    cr_assert_str_eq(s, "select * from orders");
    free(s);
    o.reference = false;
    /* a select's own where is kept */
    o.select = "select oid, mname from customer.orders where price > 10";
    s = filter_of(&o, MERCHANT_VS, true, VR_OK);
    cr_assert_str_eq(s, "select oid, mname from orders where price > 10 and "
                        "in_keyrange(mname, 'unicode_loose_md5', '-80')");
    free(s);
}

Test(materialize, stream_filter_primary_vindex_option)
{
    static const struct {
        const char *opt;
        bool with_vs; /* the target's VSchema is MERCHANT_VS, else none */
        vr_code_t code;
        const char *want; /* the filter, or the error */
    } cases[] = {
        /* a vindex of the target's VSchema, by name */
        {"cid:md5", true, VR_OK,
         "select * from orders where in_keyrange(cid, 'unicode_loose_md5', '-80')"},
        /* a vindex type named directly */
        {"cid:hash", false, VR_OK, "select * from orders where in_keyrange(cid, 'hash', '-80')"},
        {"cid:nope", true, VR_NOT_FOUND,
         "--primary-vindex: no vindex nope in keyspace merchant's VSchema"},
        {"cid", true, VR_INVALID, "--primary-vindex cid: expected COLUMN:VINDEX"},
    };
    vr_materialize_opts_t o = {.source_keyspace = "customer", .source_table = "orders",
                               .target_keyspace = "merchant", .target_table = "orders"};
    size_t i;

    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        char *s;
        o.primary_vindex = cases[i].opt;
        s = filter_of(&o, cases[i].with_vs ? MERCHANT_VS : NULL, true, cases[i].code);
        cr_assert_str_eq(s, cases[i].want, "--primary-vindex %s", cases[i].opt);
        free(s);
    }
}

Test(materialize, stream_filter_needs_a_vindex)
{
    vr_materialize_opts_t o = {.source_keyspace = "customer", .source_table = "product",
                               .target_keyspace = "merchant", .target_table = "product"};
    char *s = filter_of(&o, MERCHANT_VS, true, VR_INVALID);
    cr_assert_str_eq(s, "keyspace merchant is sharded and its VSchema has no primary vindex for "
                        "product: give --primary-vindex COLUMN:VINDEX or --reference");
    free(s);
    s = filter_of(&o, NULL, true, VR_INVALID);
    cr_assert(strstr(s, "has no primary vindex for product"), "%s", s);
    free(s);
}

/* ---- vr_workflow_act: checks before the topology --------------------------- */

typedef struct seen {
    int says, fails;
    char last[256];
} seen_t;

static void on_say(void *ctx, const char *line)
{
    ((seen_t *)ctx)->says++;
    (void)line;
}

static void on_fail(void *ctx, const vr_error_t *e)
{
    seen_t *s = ctx;
    s->fails++;
    snprintf(s->last, sizeof(s->last), "%s", e->msg);
}

Test(workflow_act, changes_need_a_workflow_name)
{
    static const vr_workflow_verb_t verbs[] = {VR_WORKFLOW_STOP, VR_WORKFLOW_START,
                                               VR_WORKFLOW_DELETE};
    size_t i;
    for (i = 0; i < sizeof(verbs) / sizeof(verbs[0]); i++) {
        seen_t s = {0, 0, ""};
        vr_workflow_report_t rep = {on_say, on_fail, &s};
        vr_workflow_opts_t o = {.verb = verbs[i], .keyspace = "merchant", .workflow = NULL};
        vr_error_t err;
        /* no topology: the check comes first */
        cr_assert_eq(vr_workflow_act(NULL, &o, &rep, NULL, &err), VR_INVALID);
        cr_assert_str_eq(err.msg, "name the workflow: KEYSPACE.WORKFLOW");
        cr_assert_eq(s.fails, 1);
        cr_assert_str_eq(s.last, err.msg);
        cr_assert_eq(s.says, 0);
    }
}
