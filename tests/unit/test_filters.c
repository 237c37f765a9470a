/*
 * filters/: rules compile or are refused with a message naming what is
 * unsupported; plans project and filter rows exactly as Vitess's
 * vstreamer would (keyspace IDs from the real vindexes).
 */
#include <criterion/criterion.h>
#include <string.h>

#include "vr_common.h"
#include "vr_filter.h"
#include "vr_vschema.h"

static const char *CUSTOMER_VSCHEMA =
    "{\"sharded\": true, \"vindexes\": {\"hash\": {\"type\": \"hash\"}, "
    "\"md5\": {\"type\": \"unicode_loose_md5\"}},"
    " \"tables\": {\"customer\": {\"column_vindexes\": [{\"column\": \"cid\", \"name\": \"hash\"}]},"
    " \"merchant\": {\"column_vindexes\": [{\"column\": \"mname\", \"name\": \"md5\"}]}}}";

/* customer(cid int pk, name varbinary, balance int, note varchar) */
static const vr_vfield_t FIELDS[] = {
    {"cid", VR_TYPE_INT32, 0, VR_FIELD_PK | VR_FIELD_NOT_NULL, 11, 0, 3},
    {"name", VR_TYPE_VARBINARY, 63, VR_FIELD_BINARY, 128, 0, 15},
    {"balance", VR_TYPE_INT32, 0, 0, 11, 0, 3},
    {"note", VR_TYPE_VARCHAR, 45, 0, 100, 0, 15},
};
static const uint32_t PK[] = {0};
static const vr_vtable_t CUSTOMER = {"vt_customer", "customer", 4, FIELDS, 1, PK, 1};

static vr_value_t ival(int64_t i)
{
    vr_value_t v = vr_value_null(VR_TYPE_INT32);
    v.is_null = false;
    v.v.i = i;
    return v;
}

static vr_value_t sval(vr_type_t t, const char *s)
{
    vr_value_t v = vr_value_null(t);
    v.is_null = false;
    v.s = s;
    v.len = strlen(s);
    v.charset = t == VR_TYPE_VARCHAR ? 45 : 63;
    return v;
}

static void row(vr_value_t *r, int64_t cid, const char *name, int64_t balance, const char *note)
{
    r[0] = ival(cid);
    r[1] = sval(VR_TYPE_VARBINARY, name);
    r[2] = ival(balance);
    r[3] = note ? sval(VR_TYPE_VARCHAR, note) : vr_value_null(VR_TYPE_VARCHAR);
}

static vr_vschema_t *vschema(void)
{
    vr_vschema_t *vs = NULL;
    vr_error_t err;
    cr_assert_eq(vr_vschema_parse("customer", CUSTOMER_VSCHEMA, &vs, &err), VR_OK, "%s", err.msg);
    return vs;
}

static vr_filter_t *one_rule(const char *match, const char *filter, const vr_vschema_t *vs)
{
    vr_filter_rule_t r = {match, filter};
    vr_filter_t *f = NULL;
    vr_error_t err;
    cr_assert_eq(vr_filter_new(&r, 1, vs, &f, &err), VR_OK, "%s", err.msg);
    return f;
}

static const char *compile_error(const char *match, const char *filter)
{
    static vr_error_t err;
    vr_filter_rule_t r = {match, filter};
    vr_filter_t *f = NULL;
    vr_error_clear(&err);
    cr_assert_neq(vr_filter_new(&r, 1, NULL, &f, &err), VR_OK, "'%s' compiled", filter);
    cr_assert_null(f);
    return err.msg;
}

/* does cid pass the single-rule filter? */
static bool passes(vr_filter_t *f, int64_t cid, int64_t balance, const char *note)
{
    const vr_filter_plan_t *p;
    vr_value_t in[4], out[8];
    vr_arena_t *a = vr_arena_new(0);
    vr_error_t err;
    bool keep;
    cr_assert_eq(vr_filter_plan(f, &CUSTOMER, &p, &err), VR_OK, "%s", err.msg);
    cr_assert_not_null(p);
    row(in, cid, "x", balance, note);
    cr_assert_eq(vr_filter_plan_row(p, in, a, &keep, out, &err), VR_OK, "%s", err.msg);
    vr_arena_free(a);
    return keep;
}

Test(filters, empty_filter_and_matching)
{
    vr_filter_t *f = one_rule("customer", "", NULL);
    const vr_filter_plan_t *p;
    vr_vtable_t other = CUSTOMER;
    vr_error_t err;

    cr_assert_eq(vr_filter_plan(f, &CUSTOMER, &p, &err), VR_OK);
    cr_assert_not_null(p);
    cr_assert_eq(vr_filter_plan_table(p)->nfields, 4);
    cr_assert_eq(vr_filter_plan_table(p)->npk, 1);
    cr_assert(passes(f, 6, 0, NULL));
    other.name = "orders";
    cr_assert_eq(vr_filter_plan(f, &other, &p, &err), VR_OK);
    cr_assert_null(p, "orders is not streamed");
    vr_filter_free(f);

    f = one_rule("/^cust", NULL, NULL);
    cr_assert_eq(vr_filter_plan(f, &CUSTOMER, &p, &err), VR_OK);
    cr_assert_not_null(p);
    cr_assert_eq(vr_filter_plan(f, &other, &p, &err), VR_OK);
    cr_assert_null(p);
    vr_filter_free(f);
    f = one_rule("/.*/", NULL, NULL);
    cr_assert_eq(vr_filter_plan(f, &other, &p, &err), VR_OK);
    cr_assert_not_null(p);
    vr_filter_free(f);
}

Test(filters, keyrange_filter_uses_the_primary_vindex)
{
    vr_vschema_t *vs = vschema();
    vr_filter_t *lo = one_rule("customer", "-80", vs), *hi = one_rule("/.*", "80-", vs);
    /* hash(1)=166b40b44aba4bd6 -> -80, hash(6)=f098480ac4c4be71 -> 80- */
    cr_assert(passes(lo, 1, 0, NULL));
    cr_assert_not(passes(lo, 6, 0, NULL));
    cr_assert_not(passes(hi, 1, 0, NULL));
    cr_assert(passes(hi, 6, 0, NULL));
    vr_filter_free(lo);
    vr_filter_free(hi);
    vr_vschema_free(vs);
}

Test(filters, select_projects_aliases_and_keyspace_id)
{
    vr_vschema_t *vs = vschema();
    vr_filter_t *f = one_rule("customer",
                              "select cid, name as n, keyspace_id() as k from customer "
                              "where in_keyrange(cid, 'hash', '-80') and balance >= 10",
                              vs);
    const vr_filter_plan_t *p;
    const vr_vtable_t *t;
    vr_value_t in[4], out[3];
    vr_arena_t *a = vr_arena_new(0);
    vr_error_t err;
    vr_buf_t hex = VR_BUF_INIT;
    bool keep;

    cr_assert_eq(vr_filter_plan(f, &CUSTOMER, &p, &err), VR_OK, "%s", err.msg);
    t = vr_filter_plan_table(p);
    cr_assert_eq(t->nfields, 3);
    cr_assert_str_eq(t->fields[0].name, "cid");
    cr_assert_str_eq(t->fields[1].name, "n");
    cr_assert_str_eq(t->fields[2].name, "k");
    cr_assert_eq(t->fields[2].type, VR_TYPE_VARBINARY);
    cr_assert_eq(t->npk, 1);
    cr_assert_eq(t->pk[0], 0);

    row(in, 1, "sougou", 10, NULL);
    cr_assert_eq(vr_filter_plan_row(p, in, a, &keep, out, &err), VR_OK, "%s", err.msg);
    cr_assert(keep);
    cr_assert_eq(out[0].v.i, 1);
    cr_assert_eq(out[1].len, 6);
    cr_assert_eq(memcmp(out[1].s, "sougou", 6), 0);
    vr_buf_put_hex(&hex, (const uint8_t *)out[2].s, out[2].len);
    cr_assert_str_eq(hex.data, "166b40b44aba4bd6");
    vr_buf_free(&hex);

    row(in, 1, "sougou", 9, NULL); /* balance too low */
    cr_assert_eq(vr_filter_plan_row(p, in, a, &keep, out, &err), VR_OK);
    cr_assert_not(keep);
    row(in, 6, "demmer", 20, NULL); /* other shard */
    cr_assert_eq(vr_filter_plan_row(p, in, a, &keep, out, &err), VR_OK);
    cr_assert_not(keep);
    vr_arena_free(a);
    vr_filter_free(f);
    vr_vschema_free(vs);
}

Test(filters, comparisons)
{
    vr_vschema_t *vs = vschema();
    vr_filter_t *f;

    f = one_rule("customer", "select * from customer where balance = -5", NULL);
    cr_assert(passes(f, 1, -5, NULL));
    cr_assert_not(passes(f, 1, 5, NULL));
    vr_filter_free(f);
    f = one_rule("customer", "select * from customer where 10 < balance", NULL); /* flipped */
    cr_assert(passes(f, 1, 11, NULL));
    cr_assert_not(passes(f, 1, 10, NULL));
    vr_filter_free(f);
    f = one_rule("customer", "select * from customer where balance != 3 and balance <= 7.5", NULL);
    cr_assert(passes(f, 1, 7, NULL));
    cr_assert_not(passes(f, 1, 3, NULL));
    cr_assert_not(passes(f, 1, 8, NULL));
    vr_filter_free(f);
    f = one_rule("customer", "select * from customer where note = 'vip'", NULL);
    cr_assert(passes(f, 1, 0, "vip"));
    cr_assert_not(passes(f, 1, 0, "vipp"));
    cr_assert_not(passes(f, 1, 0, NULL), "NULL never passes");
    vr_filter_free(f);
    f = one_rule("customer", "select * from customer where note > 'm'", NULL);
    cr_assert(passes(f, 1, 0, "n"));
    cr_assert_not(passes(f, 1, 0, "a"));
    vr_filter_free(f);
    f = one_rule("customer", "select cid from customer where in_keyrange('80-')", vs);
    cr_assert(passes(f, 6, 0, NULL));
    cr_assert_not(passes(f, 1, 0, NULL));
    vr_filter_free(f);
    vr_vschema_free(vs);
}

Test(filters, unsupported_filters_are_refused_when_compiled)
{
    cr_assert(strstr(compile_error("customer", "select cid, count(*) from customer group by cid"),
                     "group by"));
    cr_assert(strstr(compile_error("customer", "select cid + 1 from customer"), "'cid + 1'"),
              "%s", compile_error("customer", "select cid + 1 from customer"));
    cr_assert(strstr(compile_error("customer", "select * from customer where cid = balance"),
                     "where clause 'cid = balance'"),
              "%s", compile_error("customer", "select * from customer where cid = balance"));
    cr_assert(strstr(compile_error("customer", "select * from customer where cid = 1 or cid = 2"),
                     "unsupported: where clause"));
    cr_assert(strstr(compile_error("customer", "select * from orders"),
                     "select expression table orders does not match the table entry name customer"));
    cr_assert(strstr(compile_error("customer", "select * from customer c join orders o on c.cid = o.cid"),
                     "exactly one table"));
    cr_assert(strstr(compile_error("/.*", "select * from customer"), "/regex/"));
    cr_assert(strstr(compile_error("customer", "select * from customer where in_keyrange(cid, 'hash', '8-')"),
                     "odd number of hex digits"),
              "%s", compile_error("customer", "select * from customer where in_keyrange(cid, 'hash', '8-')"));
    cr_assert(strstr(compile_error("customer", "select * from customer where in_keyrange(cid, 'hsh', '-80')"),
                     "hsh"));
    cr_assert(strstr(compile_error("customer", "selec * from customer"), "syntax error at position"));
    cr_assert(strstr(compile_error("/(", ""), "bad regex"));
    cr_assert(strstr(compile_error("customer", "delete from customer"), "not a delete"),
              "%s", compile_error("customer", "delete from customer"));
}

Test(filters, plan_errors_name_column_and_table)
{
    vr_vschema_t *vs = vschema();
    vr_filter_t *f = one_rule("customer", "select cid, nope from customer", NULL);
    const vr_filter_plan_t *p;
    vr_error_t err;

    cr_assert_neq(vr_filter_plan(f, &CUSTOMER, &p, &err), VR_OK);
    cr_assert(strstr(err.msg, "column nope not found in table customer"), "%s", err.msg);
    vr_filter_free(f);

    f = one_rule("customer", "-80", NULL);
    cr_assert_neq(vr_filter_plan(f, &CUSTOMER, &p, &err), VR_OK);
    cr_assert(strstr(err.msg, "needs the keyspace's VSchema"), "%s", err.msg);
    vr_filter_free(f);

    {
        vr_vtable_t orders = CUSTOMER;
        orders.name = "orders";
        f = one_rule("orders", "select keyspace_id() from orders", vs);
        cr_assert_neq(vr_filter_plan(f, &orders, &p, &err), VR_OK);
        cr_assert(strstr(err.msg, "table orders has none in keyspace customer's VSchema"), "%s",
                  err.msg);
        vr_filter_free(f);
    }
    /* pk not selected: the projection has no pk */
    f = one_rule("customer", "select name from customer", NULL);
    cr_assert_eq(vr_filter_plan(f, &CUSTOMER, &p, &err), VR_OK);
    cr_assert_eq(vr_filter_plan_table(p)->npk, 0);
    vr_filter_free(f);
    vr_vschema_free(vs);
}

Test(filters, json_rules_in_order)
{
    vr_filter_t *f = NULL;
    const vr_filter_plan_t *p;
    vr_error_t err;

    cr_assert_eq(vr_filter_new_json("{\"rules\":[{\"match\":\"customer\",\"filter\":\"select cid "
                                    "from customer\"},{\"match\":\"/.*\",\"filter\":\"\"}]}",
                                    NULL, &f, &err),
                 VR_OK, "%s", err.msg);
    cr_assert_eq(vr_filter_rule_count(f), 2);
    cr_assert_eq(vr_filter_plan(f, &CUSTOMER, &p, &err), VR_OK);
    cr_assert_eq(vr_filter_plan_table(p)->nfields, 1, "the first matching rule decides");
    vr_filter_free(f);
    cr_assert_neq(vr_filter_new_json("{\"rules\": 3}", NULL, &f, &err), VR_OK);
    cr_assert(strstr(err.msg, "rules: must be an array"));
    cr_assert_neq(vr_filter_new_json("{\"rules\": [", NULL, &f, &err), VR_OK);
    cr_assert(strstr(err.msg, "filter JSON: line 1"), "%s", err.msg);
}
