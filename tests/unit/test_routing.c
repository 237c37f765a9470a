/* Unit tests for routing rules (keyspace/src/routing.c). */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "vr_routing.h"

static const char *EXAMPLE =
    "{\"rules\":[{\"from_table\":\"product\",\"to_tables\":[\"product.product\","
    "\"customer.product\"]}, {\"from_table\":\"customer.orders@replica\","
    "\"to_tables\":[\"merchant.orders\"]}]}";

static const char *EXAMPLE_PRETTY =
    "{\n"
    "  \"rules\": [\n"
    "    {\n"
    "      \"from_table\": \"product\",\n"
    "      \"to_tables\": [\n"
    "        \"product.product\",\n"
    "        \"customer.product\"\n"
    "      ]\n"
    "    },\n"
    "    {\n"
    "      \"from_table\": \"customer.orders@replica\",\n"
    "      \"to_tables\": [\n"
    "        \"merchant.orders\"\n"
    "      ]\n"
    "    }\n"
    "  ]\n"
    "}";

static vr_routing_t *parse_ok(const char *json)
{
    vr_routing_t *rr = NULL;
    vr_error_t err;
    vr_error_clear(&err);
    cr_assert_eq(vr_routing_parse(json, &rr, &err), VR_OK, "%s", err.msg);
    cr_assert_not_null(rr);
    return rr;
}

static void parse_fails(const char *json, vr_code_t code, const char *msg)
{
    vr_routing_t *rr = (vr_routing_t *)1;
    vr_error_t err;
    vr_error_clear(&err);
    cr_assert_eq(vr_routing_parse(json, &rr, &err), code, "%s: got '%s'", json, err.msg);
    cr_assert_null(rr);
    cr_assert_str_eq(err.msg, msg);
}

static void assert_json(const vr_routing_t *rr, const char *want)
{
    char *s = vr_routing_to_json(rr);
    cr_assert_str_eq(s, want);
    free(s);
}

Test(routing, parse_the_example)
{
    vr_routing_t *rr = parse_ok(EXAMPLE);
    cr_assert_eq(vr_routing_count(rr), 2);
    const vr_routing_rule_t *r = vr_routing_rule_at(rr, 0);
    cr_assert_str_eq(r->from_table, "product");
    cr_assert_null(r->from_keyspace);
    cr_assert_str_eq(r->from_name, "product");
    cr_assert_eq(r->tablet_type, VR_TABLET_PRIMARY);
    cr_assert_eq(r->nto, 2);
    cr_assert_str_eq(r->to_tables[1], "customer.product");
    cr_assert_str_eq(r->targets[0].keyspace, "product");
    cr_assert_str_eq(r->targets[0].table, "product");
    cr_assert_str_eq(r->targets[1].keyspace, "customer");
    r = vr_routing_rule_at(rr, 1);
    cr_assert_str_eq(r->from_table, "customer.orders@replica");
    cr_assert_str_eq(r->from_keyspace, "customer");
    cr_assert_str_eq(r->from_name, "orders");
    cr_assert_eq(r->tablet_type, VR_TABLET_REPLICA);
    cr_assert_str_eq(r->targets[0].keyspace, "merchant");
    cr_assert_str_eq(r->targets[0].table, "orders");
    cr_assert_null(vr_routing_rule_at(rr, 2));
    vr_routing_free(rr);
}

Test(routing, round_trip)
{
    vr_routing_t *rr = parse_ok(EXAMPLE);
    assert_json(rr, EXAMPLE_PRETTY);
    vr_routing_t *again = parse_ok(EXAMPLE_PRETTY);
    assert_json(again, EXAMPLE_PRETTY);
    vr_routing_free(again);
    vr_routing_free(rr);
}

Test(routing, empty_documents)
{
    const char *docs[] = {"{}", "{\"rules\": []}", "{\"rules\": null}"};
    for (size_t i = 0; i < 3; i++) {
        vr_routing_t *rr = parse_ok(docs[i]);
        cr_assert_eq(vr_routing_count(rr), 0);
        assert_json(rr, "{\n  \"rules\": []\n}");
        cr_assert_null(vr_routing_find(rr, NULL, "product", VR_TABLET_PRIMARY));
        vr_routing_free(rr);
    }
    vr_routing_t *rr = vr_routing_new();
    assert_json(rr, "{\n  \"rules\": []\n}");
    vr_routing_free(rr);
    vr_routing_free(NULL);
}

Test(routing, lookup_matches_exactly_like_vitess)
{
    vr_routing_t *rr = parse_ok(EXAMPLE);
    const vr_routing_rule_t *r;
    r = vr_routing_find(rr, NULL, "product", VR_TABLET_PRIMARY);
    cr_assert_not_null(r);
    cr_assert_str_eq(r->to_tables[0], "product.product");
    r = vr_routing_find(rr, "", "product", VR_TABLET_PRIMARY);
    cr_assert_not_null(r, "an empty keyspace is unqualified");
    cr_assert_null(vr_routing_find(rr, NULL, "product", VR_TABLET_REPLICA),
                   "no fallback from @replica to the primary rule");
    cr_assert_null(vr_routing_find(rr, "product", "product", VR_TABLET_PRIMARY),
                   "a rule for t does not apply to ks.t");
    r = vr_routing_find(rr, "customer", "orders", VR_TABLET_REPLICA);
    cr_assert_not_null(r);
    cr_assert_str_eq(r->to_tables[0], "merchant.orders");
    cr_assert_eq(vr_routing_find(rr, NULL, "customer.orders", VR_TABLET_REPLICA), r);
    cr_assert_null(vr_routing_find(rr, "customer", "orders", VR_TABLET_PRIMARY));
    cr_assert_null(vr_routing_find(rr, "customer", "orders", VR_TABLET_RDONLY));
    cr_assert_null(vr_routing_find(rr, NULL, "orders", VR_TABLET_REPLICA));
    cr_assert_null(vr_routing_find(rr, NULL, "", VR_TABLET_PRIMARY));
    vr_routing_free(rr);
}

Test(routing, tablet_type_suffixes)
{
    vr_routing_t *rr = parse_ok(
        "{\"rules\":[{\"from_table\":\"t@primary\",\"to_tables\":[\"a.t\"]},"
        "{\"from_table\":\"t@rdonly\",\"to_tables\":[\"b.t\"]},"
        "{\"from_table\":\"t@replica\",\"to_tables\":[\"c.t\"]}]}");
    cr_assert_str_eq(vr_routing_find(rr, NULL, "t", VR_TABLET_PRIMARY)->to_tables[0], "a.t");
    cr_assert_str_eq(vr_routing_find(rr, NULL, "t", VR_TABLET_RDONLY)->to_tables[0], "b.t");
    cr_assert_str_eq(vr_routing_find(rr, NULL, "t", VR_TABLET_REPLICA)->to_tables[0], "c.t");
    cr_assert_eq(vr_routing_rule_at(rr, 1)->tablet_type, VR_TABLET_RDONLY);
    cr_assert_eq(vr_routing_get(rr, "t"), vr_routing_rule_at(rr, 0),
                 "t and t@primary are the same rule");
    cr_assert_null(vr_routing_get(rr, "a.b.c"));
    vr_routing_free(rr);
}

Test(routing, to_tables_must_be_qualified)
{
    parse_fails("{\"rules\":[{\"from_table\":\"product\",\"to_tables\":[\"product.product\","
                "\"product\"]}]}",
                VR_INVALID,
                "routing rules: rules[0].to_tables[1]: \"product\" is not qualified: "
                "expected keyspace.table");
    parse_fails("{\"rules\":[{\"from_table\":\"a\",\"to_tables\":[\"x.a\"]},"
                "{\"from_table\":\"b\",\"to_tables\":[\".b\"]}]}",
                VR_INVALID,
                "routing rules: rules[1].to_tables[0]: \".b\" is not qualified: expected "
                "keyspace.table");
    parse_fails("{\"rules\":[{\"from_table\":\"b\",\"to_tables\":[\"x.b@replica\"]}]}",
                VR_INVALID,
                "routing rules: rules[0].to_tables[0]: \"x.b@replica\" is not qualified: "
                "expected keyspace.table");
    parse_fails("{\"rules\":[{\"from_table\":\"b\",\"to_tables\":[\"x.b\", 7]}]}",
                VR_INVALID, "routing rules: rules[0].to_tables[1]: expected a string");
    parse_fails("{\"rules\":[{\"from_table\":\"b\",\"to_tables\":[\"x.b\",\"x.b\"]}]}",
                VR_INVALID, "routing rules: rules[0].to_tables[1]: \"x.b\" is listed twice");
    parse_fails("{\"rules\":[{\"from_table\":\"b\",\"to_tables\":[]}]}", VR_INVALID,
                "routing rules: rules[0].to_tables: empty: a rule needs at least one "
                "target");
    parse_fails("{\"rules\":[{\"from_table\":\"b\"}]}", VR_INVALID,
                "routing rules: rules[0].to_tables: expected an array of keyspace.table "
                "names");
}

Test(routing, from_table_form)
{
    parse_fails("{\"rules\":[{\"from_table\":\"t@master\",\"to_tables\":[\"a.t\"]}]}",
                VR_INVALID,
                "routing rules: rules[0].from_table: unknown tablet type \"master\" in "
                "\"t@master\" (expected @replica, @rdonly or @primary)");
    parse_fails("{\"rules\":[{\"from_table\":\"a.b.c\",\"to_tables\":[\"a.t\"]}]}",
                VR_INVALID,
                "routing rules: rules[0].from_table: \"a.b.c\" is not "
                "[keyspace.]table[@replica|@rdonly|@primary]");
    parse_fails("{\"rules\":[{\"from_table\":\"ks.@replica\",\"to_tables\":[\"a.t\"]}]}",
                VR_INVALID,
                "routing rules: rules[0].from_table: \"ks.@replica\" is not "
                "[keyspace.]table[@replica|@rdonly|@primary]");
    parse_fails("{\"rules\":[{\"to_tables\":[\"a.t\"]}]}", VR_INVALID,
                "routing rules: rules[0].from_table: missing");
    parse_fails("{\"rules\":[{\"from_table\":3,\"to_tables\":[\"a.t\"]}]}", VR_INVALID,
                "routing rules: rules[0].from_table: expected a string");
}

Test(routing, duplicates_and_structure)
{
    parse_fails("{\"rules\":[{\"from_table\":\"product\",\"to_tables\":[\"a.product\"]},"
                "{\"from_table\":\"product@primary\",\"to_tables\":[\"b.product\"]}]}",
                VR_INVALID,
                "routing rules: rules[1].from_table: duplicate rule for \"product@primary\" "
                "(see rules[0])");
    parse_fails("{\"rules\":[{\"from_table\":\"t\",\"to_tables\":[\"a.t\"],\"x\":1}]}",
                VR_INVALID,
                "routing rules: rules[0]: unknown key \"x\" (expected from_table and "
                "to_tables)");
    parse_fails("{\"rules\":[\"t\"]}", VR_INVALID, "routing rules: rules[0]: expected an "
                                                   "object");
    parse_fails("{\"rules\":{}}", VR_INVALID, "routing rules: rules: expected an array");
    parse_fails("[]", VR_INVALID,
                "routing rules: expected a JSON object {\"rules\": [...]}");
}

Test(routing, json_syntax_errors_have_line_and_column)
{
    parse_fails("{\"rules\": [\n  {\"from_table\": \"t\",, }\n]}", VR_PARSE,
                "routing rules: invalid JSON at line 2, column 22: string or '}' expected "
                "near ','");
    parse_fails(NULL, VR_INVALID, "routing rules: no JSON given");
}

Test(routing, add_set_remove)
{
    vr_routing_t *rr = parse_ok(EXAMPLE);
    vr_error_t err;
    const char *to[] = {"customer.orders"};
    const char *two[] = {"merchant.orders", "customer.orders"};

    cr_assert_eq(vr_routing_add(rr, "orders", to, 1, &err), VR_OK, "%s", err.msg);
    cr_assert_eq(vr_routing_count(rr), 3);
    cr_assert_str_eq(vr_routing_find(rr, NULL, "orders", VR_TABLET_PRIMARY)->to_tables[0],
                     "customer.orders");

    cr_assert_eq(vr_routing_add(rr, "orders@primary", two, 2, &err), VR_EXISTS);
    cr_assert_str_eq(err.msg, "routing rules: a rule for \"orders\" exists already "
                              "(rules[2])");

    cr_assert_eq(vr_routing_set(rr, "product", two, 2, &err), VR_OK, "%s", err.msg);
    cr_assert_eq(vr_routing_count(rr), 3);
    const vr_routing_rule_t *r = vr_routing_rule_at(rr, 0);
    cr_assert_str_eq(r->from_table, "product", "set replaces in place");
    cr_assert_str_eq(r->to_tables[0], "merchant.orders");
    cr_assert_eq(r->nto, 2);

    const char *bad[] = {"orders"};
    cr_assert_eq(vr_routing_add(rr, "orders@rdonly", bad, 1, &err), VR_INVALID);
    cr_assert_str_eq(err.msg, "routing rules: rules[3].to_tables[0]: \"orders\" is not "
                              "qualified: expected keyspace.table");
    cr_assert_eq(vr_routing_set(rr, "product", bad, 1, &err), VR_INVALID);
    cr_assert_str_eq(err.msg, "routing rules: rules[0].to_tables[0]: \"orders\" is not "
                              "qualified: expected keyspace.table");
    cr_assert_eq(vr_routing_set(rr, "x", to, 0, &err), VR_INVALID);
    cr_assert_eq(vr_routing_count(rr), 3, "failed edits change nothing");
    cr_assert_str_eq(vr_routing_rule_at(rr, 0)->to_tables[0], "merchant.orders");

    cr_assert_eq(vr_routing_remove(rr, "customer.orders@replica", &err), VR_OK);
    cr_assert_eq(vr_routing_count(rr), 2);
    cr_assert_null(vr_routing_find(rr, "customer", "orders", VR_TABLET_REPLICA));
    cr_assert_str_eq(vr_routing_rule_at(rr, 1)->from_table, "orders");
    cr_assert_eq(vr_routing_remove(rr, "customer.orders@replica", &err), VR_NOT_FOUND);
    cr_assert_str_eq(err.msg, "routing rules: no rule for \"customer.orders@replica\"");

    assert_json(rr, "{\n"
                    "  \"rules\": [\n"
                    "    {\n"
                    "      \"from_table\": \"product\",\n"
                    "      \"to_tables\": [\n"
                    "        \"merchant.orders\",\n"
                    "        \"customer.orders\"\n"
                    "      ]\n"
                    "    },\n"
                    "    {\n"
                    "      \"from_table\": \"orders\",\n"
                    "      \"to_tables\": [\n"
                    "        \"customer.orders\"\n"
                    "      ]\n"
                    "    }\n"
                    "  ]\n"
                    "}");
    cr_assert_eq(vr_routing_remove(rr, "product", &err), VR_OK);
    cr_assert_eq(vr_routing_remove(rr, "orders", &err), VR_OK);
    assert_json(rr, "{\n  \"rules\": []\n}");
    vr_routing_free(rr);
}
