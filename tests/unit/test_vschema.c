/* Unit tests for VSchemas (keyspace/src/vschema.c). */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vr_vschema.h"

/* The demo's VSchemas (shared/demo/vschema/NAME.json), verbatim. */
static const char *CUSTOMER_JSON =
    "{\n"
    "  \"sharded\": true,\n"
    "  \"vindexes\": { \"hash\": { \"type\": \"hash\" } },\n"
    "  \"tables\": {\n"
    "    \"customer\": {\n"
    "      \"column_vindexes\": [ { \"column\": \"cid\", \"name\": \"hash\" } ],\n"
    "      \"auto_increment\": { \"column\": \"cid\", \"sequence\": \"customer_seq\" }\n"
    "    },\n"
    "    \"orders\": {\n"
    "      \"column_vindexes\": [ { \"column\": \"cid\", \"name\": \"hash\" } ],\n"
    "      \"auto_increment\": { \"column\": \"oid\", \"sequence\": \"order_seq\" }\n"
    "    }\n"
    "  }\n"
    "}\n";

static const char *MERCHANT_JSON =
    "{\n"
    "  \"sharded\": true,\n"
    "  \"vindexes\": { \"md5\": { \"type\": \"unicode_loose_md5\" } },\n"
    "  \"tables\": {\n"
    "    \"merchant\": { \"column_vindexes\": [ { \"column\": \"mname\", \"name\": \"md5\" } ] }\n"
    "  }\n"
    "}\n";

static const char *PRODUCT_JSON =
    "{\n"
    "  \"tables\": {\n"
    "    \"product\": {},\n"
    "    \"customer_seq\": { \"type\": \"sequence\" },\n"
    "    \"order_seq\": { \"type\": \"sequence\" }\n"
    "  }\n"
    "}\n";

static const char *CUSTOMER_PRETTY =
    "{\n"
    "  \"sharded\": true,\n"
    "  \"vindexes\": {\n"
    "    \"hash\": {\n"
    "      \"type\": \"hash\"\n"
    "    }\n"
    "  },\n"
    "  \"tables\": {\n"
    "    \"customer\": {\n"
    "      \"column_vindexes\": [\n"
    "        {\n"
    "          \"column\": \"cid\",\n"
    "          \"name\": \"hash\"\n"
    "        }\n"
    "      ],\n"
    "      \"auto_increment\": {\n"
    "        \"column\": \"cid\",\n"
    "        \"sequence\": \"customer_seq\"\n"
    "      }\n"
    "    },\n"
    "    \"orders\": {\n"
    "      \"column_vindexes\": [\n"
    "        {\n"
    "          \"column\": \"cid\",\n"
    "          \"name\": \"hash\"\n"
    "        }\n"
    "      ],\n"
    "      \"auto_increment\": {\n"
    "        \"column\": \"oid\",\n"
    "        \"sequence\": \"order_seq\"\n"
    "      }\n"
    "    }\n"
    "  }\n"
    "}";

static vr_vschema_t *parse_ok(const char *ks, const char *json)
{
    vr_vschema_t *vs = NULL;
    vr_error_t err;
    vr_error_clear(&err);
    cr_assert_eq(vr_vschema_parse(ks, json, &vs, &err), VR_OK, "%s", err.msg);
    cr_assert_not_null(vs);
    return vs;
}

static void parse_fails(const char *ks, const char *json, vr_code_t code, const char *msg)
{
    vr_vschema_t *vs = (vr_vschema_t *)1;
    vr_error_t err;
    vr_error_clear(&err);
    cr_assert_eq(vr_vschema_parse(ks, json, &vs, &err), code, "got '%s'", err.msg);
    cr_assert_null(vs);
    cr_assert_str_eq(err.msg, msg);
}

static void assert_json(const vr_vschema_t *vs, const char *want)
{
    char *s = vr_vschema_to_json(vs);
    cr_assert_str_eq(s, want);
    free(s);
}

/* ---- the demo ---- */

Test(vschema, demo_customer)
{
    vr_vschema_t *vs = parse_ok("customer", CUSTOMER_JSON);
    cr_assert_str_eq(vr_vschema_keyspace(vs), "customer");
    cr_assert(vr_vschema_sharded(vs));
    cr_assert_not(vr_vschema_require_explicit_routing(vs));
    cr_assert_eq(vr_vschema_vindex_count(vs), 1);
    const vr_vschema_vindex_t *h = vr_vschema_vindex(vs, "hash");
    cr_assert_not_null(h);
    cr_assert_eq(h->type, VR_VINDEX_HASH);
    cr_assert_str_eq(h->type_name, "hash");
    cr_assert_null(h->owner);
    cr_assert_null(h->lookup);
    cr_assert_eq(h->nparams, 0);

    cr_assert_eq(vr_vschema_table_count(vs), 2);
    cr_assert_str_eq(vr_vschema_table_at(vs, 0)->name, "customer");
    cr_assert_str_eq(vr_vschema_table_at(vs, 1)->name, "orders");
    cr_assert_null(vr_vschema_table_at(vs, 2));
    const vr_vschema_table_t *t = vr_vschema_table(vs, "orders");
    cr_assert_eq(t->type, VR_VSCHEMA_TABLE_NORMAL);
    cr_assert_str_eq(t->auto_increment_column, "oid");
    cr_assert_str_eq(t->auto_increment_sequence, "order_seq");
    cr_assert_null(t->pinned);
    cr_assert_null(t->source);
    const vr_vschema_colvindex_t *pv = vr_vschema_primary_vindex(vs, "orders");
    cr_assert_not_null(pv);
    cr_assert_eq(pv->ncolumns, 1);
    cr_assert_str_eq(pv->columns[0], "cid");
    cr_assert_str_eq(pv->name, "hash");
    cr_assert_eq(pv->vindex, h);
    cr_assert_null(vr_vschema_table(vs, "product"));
    cr_assert_null(vr_vschema_table(vs, "Orders"), "names are case-sensitive");
    cr_assert_null(vr_vschema_primary_vindex(vs, "nope"));
    cr_assert_null(vr_vschema_vindex(vs, "md5"));
    vr_vschema_free(vs);
}

Test(vschema, demo_merchant)
{
    vr_vschema_t *vs = parse_ok("merchant", MERCHANT_JSON);
    cr_assert(vr_vschema_sharded(vs));
    const vr_vschema_colvindex_t *pv = vr_vschema_primary_vindex(vs, "merchant");
    cr_assert_str_eq(pv->columns[0], "mname");
    cr_assert_eq(pv->vindex->type, VR_VINDEX_UNICODE_LOOSE_MD5);
    cr_assert_str_eq(pv->vindex->type_name, "unicode_loose_md5");
    vr_vschema_free(vs);
}

Test(vschema, demo_product)
{
    vr_vschema_t *vs = parse_ok("product", PRODUCT_JSON);
    cr_assert_not(vr_vschema_sharded(vs));
    cr_assert_eq(vr_vschema_table_count(vs), 3);
    cr_assert_str_eq(vr_vschema_table_at(vs, 0)->name, "customer_seq");
    cr_assert_eq(vr_vschema_table(vs, "customer_seq")->type, VR_VSCHEMA_TABLE_SEQUENCE);
    cr_assert_eq(vr_vschema_table(vs, "order_seq")->type, VR_VSCHEMA_TABLE_SEQUENCE);
    const vr_vschema_table_t *p = vr_vschema_table(vs, "product");
    cr_assert_eq(p->type, VR_VSCHEMA_TABLE_NORMAL);
    cr_assert_eq(p->ncolumn_vindexes, 0);
    cr_assert_null(p->auto_increment_column);
    cr_assert_null(vr_vschema_primary_vindex(vs, "product"));
    cr_assert_eq(vr_vschema_vindex_count(vs), 0);
    vr_vschema_free(vs);
}

Test(vschema, demo_cluster_is_valid)
{
    vr_vschema_t *c = parse_ok("customer", CUSTOMER_JSON);
    vr_vschema_t *m = parse_ok("merchant", MERCHANT_JSON);
    vr_vschema_t *p = parse_ok("product", PRODUCT_JSON);
    const vr_vschema_t *all[] = {c, m, p};
    vr_error_t err;
    vr_error_clear(&err);
    cr_assert_eq(vr_vschema_validate_cluster(all, 3, &err), VR_OK, "%s", err.msg);

    const vr_vschema_t *ks = NULL;
    const vr_vschema_table_t *t = NULL;
    cr_assert_eq(vr_vschema_find_sequence(all, 3, "customer_seq", &ks, &t, &err), VR_OK);
    cr_assert_eq(ks, p);
    cr_assert_str_eq(t->name, "customer_seq");
    cr_assert_eq(vr_vschema_find_sequence(all, 3, "product.order_seq", &ks, &t, &err),
                 VR_OK);
    cr_assert_str_eq(t->name, "order_seq");
    vr_vschema_free(c);
    vr_vschema_free(m);
    vr_vschema_free(p);
}

Test(vschema, serialize_demo_pretty_and_stable)
{
    vr_vschema_t *vs = parse_ok("customer", CUSTOMER_JSON);
    assert_json(vs, CUSTOMER_PRETTY);
    /* the same document with its keys in another order writes the same */
    vr_vschema_t *shuffled = parse_ok(
        "customer",
        "{\"tables\":{\"orders\":{\"auto_increment\":{\"sequence\":\"order_seq\","
        "\"column\":\"oid\"},\"column_vindexes\":[{\"name\":\"hash\",\"column\":\"cid\"}]},"
        "\"customer\":{\"auto_increment\":{\"sequence\":\"customer_seq\",\"column\":\"cid\"},"
        "\"column_vindexes\":[{\"name\":\"hash\",\"column\":\"cid\"}]}},"
        "\"vindexes\":{\"hash\":{\"type\":\"hash\"}},\"sharded\":true}");
    assert_json(shuffled, CUSTOMER_PRETTY);
    /* and what it writes reads back to the same */
    vr_vschema_t *again = parse_ok("customer", CUSTOMER_PRETTY);
    assert_json(again, CUSTOMER_PRETTY);
    vr_vschema_free(again);
    vr_vschema_free(shuffled);
    vr_vschema_free(vs);
}

Test(vschema, serialize_product)
{
    vr_vschema_t *vs = parse_ok("product", PRODUCT_JSON);
    assert_json(vs, "{\n"
                    "  \"tables\": {\n"
                    "    \"customer_seq\": {\n"
                    "      \"type\": \"sequence\"\n"
                    "    },\n"
                    "    \"order_seq\": {\n"
                    "      \"type\": \"sequence\"\n"
                    "    },\n"
                    "    \"product\": {}\n"
                    "  }\n"
                    "}");
    vr_vschema_free(vs);
}

Test(vschema, unknown_keys_are_kept)
{
    vr_vschema_t *vs = parse_ok(
        "customer",
        "{\"sharded\":true,\"foreign_key_mode\":\"unmanaged\",\"require_explicit_routing\":true,"
        "\"vindexes\":{\"xx\":{\"type\":\"xxhash\",\"params\":{\"b\":\"2\",\"a\":\"1\"}}},"
        "\"tables\":{\"t\":{\"column_vindexes\":[{\"columns\":[\"k1\",\"k2\"],\"name\":\"xx\"}],"
        "\"columns\":[{\"name\":\"k1\",\"type\":\"INT64\",\"invisible\":true},"
        "{\"name\":\"k2\"}],\"column_list_authoritative\":true,"
        "\"zz_future\":{\"y\":2,\"x\":[1,{\"b\":1,\"a\":0}]}}}}");
    cr_assert(vr_vschema_require_explicit_routing(vs));
    const vr_vschema_vindex_t *xx = vr_vschema_vindex(vs, "xx");
    cr_assert_eq(xx->nparams, 2);
    cr_assert_str_eq(xx->params[0].key, "a");
    cr_assert_str_eq(xx->params[1].value, "2");
    const vr_vschema_table_t *t = vr_vschema_table(vs, "t");
    cr_assert_eq(t->column_vindexes[0].ncolumns, 2);
    cr_assert_str_eq(t->column_vindexes[0].columns[1], "k2");
    cr_assert_eq(t->ncolumns, 2);
    cr_assert_str_eq(t->columns[0].type, "INT64");
    cr_assert_str_eq(t->columns[1].type, "");
    cr_assert(t->column_list_authoritative);
    assert_json(vs, "{\n"
                    "  \"sharded\": true,\n"
                    "  \"vindexes\": {\n"
                    "    \"xx\": {\n"
                    "      \"type\": \"xxhash\",\n"
                    "      \"params\": {\n"
                    "        \"a\": \"1\",\n"
                    "        \"b\": \"2\"\n"
                    "      }\n"
                    "    }\n"
                    "  },\n"
                    "  \"tables\": {\n"
                    "    \"t\": {\n"
                    "      \"column_vindexes\": [\n"
                    "        {\n"
                    "          \"columns\": [\n"
                    "            \"k1\",\n"
                    "            \"k2\"\n"
                    "          ],\n"
                    "          \"name\": \"xx\"\n"
                    "        }\n"
                    "      ],\n"
                    "      \"columns\": [\n"
                    "        {\n"
                    "          \"name\": \"k1\",\n"
                    "          \"type\": \"INT64\",\n"
                    "          \"invisible\": true\n"
                    "        },\n"
                    "        {\n"
                    "          \"name\": \"k2\"\n"
                    "        }\n"
                    "      ],\n"
                    "      \"column_list_authoritative\": true,\n"
                    "      \"zz_future\": {\n"
                    "        \"x\": [\n"
                    "          1,\n"
                    "          {\n"
                    "            \"a\": 0,\n"
                    "            \"b\": 1\n"
                    "          }\n"
                    "        ],\n"
                    "        \"y\": 2\n"
                    "      }\n"
                    "    }\n"
                    "  },\n"
                    "  \"require_explicit_routing\": true,\n"
                    "  \"foreign_key_mode\": \"unmanaged\"\n"
                    "}");
    vr_vschema_free(vs);
}

/* ---- lookup vindexes ---- */

Test(vschema, lookup_params)
{
    vr_vschema_t *vs = parse_ok(
        "customer",
        "{\"sharded\":true,\"vindexes\":{\"hash\":{\"type\":\"hash\"},"
        "\"corder_keyspace_idx\":{\"type\":\"consistent_lookup_unique\",\"params\":{"
        "\"table\":\"product.corder_keyspace_idx\",\"from\":\"corder_id, sku\","
        "\"to\":\"keyspace_id\",\"ignore_nulls\":\"true\",\"write_only\":\"False\","
        "\"autocommit\":\"TRUE\",\"batch_lookup\":\"true\"},\"owner\":\"corder\"},"
        "\"name_idx\":{\"type\":\"lookup\",\"params\":{\"table\":\"name_idx\","
        "\"from\":\"name\",\"to\":\"ksid\"}}},"
        "\"tables\":{\"corder\":{\"column_vindexes\":[{\"column\":\"cid\",\"name\":\"hash\"},"
        "{\"columns\":[\"corder_id\",\"sku\"],\"name\":\"corder_keyspace_idx\"},"
        "{\"column\":\"name\",\"name\":\"name_idx\"}]}}}");
    const vr_vschema_vindex_t *v = vr_vschema_vindex(vs, "corder_keyspace_idx");
    cr_assert_eq(v->type, VR_VINDEX_CONSISTENT_LOOKUP_UNIQUE);
    cr_assert_str_eq(v->owner, "corder");
    const vr_lookup_params_t *lp = v->lookup;
    cr_assert_not_null(lp);
    cr_assert_str_eq(lp->table, "product.corder_keyspace_idx");
    cr_assert_eq(lp->nfrom, 2);
    cr_assert_str_eq(lp->from[0], "corder_id");
    cr_assert_str_eq(lp->from[1], "sku");
    cr_assert_str_eq(lp->to, "keyspace_id");
    cr_assert_str_eq(lp->owner, "corder");
    cr_assert(lp->ignore_nulls);
    cr_assert_not(lp->write_only);
    cr_assert(lp->autocommit);
    cr_assert_not(lp->multi_shard_autocommit);
    cr_assert_str_eq(lp->batch_lookup, "true");

    v = vr_vschema_vindex(vs, "name_idx");
    cr_assert_eq(v->type, VR_VINDEX_LOOKUP);
    cr_assert_null(v->owner);
    cr_assert_null(v->lookup->owner);
    cr_assert_null(v->lookup->batch_lookup);
    cr_assert_eq(v->lookup->nfrom, 1);
    cr_assert_eq(vr_vschema_table(vs, "corder")->ncolumn_vindexes, 3);
    vr_vschema_free(vs);
}

Test(vschema, lookup_needs_table_from_to)
{
    parse_fails("customer",
                "{\"sharded\":true,\"vindexes\":{\"name_idx\":{\"type\":\"lookup_unique\","
                "\"params\":{\"table\":\"name_idx\",\"from\":\"name\"}}}}",
                VR_INVALID,
                "vschema customer: vindexes.name_idx.params: a lookup_unique vindex needs "
                "\"to\" (lookup vindexes need table, from and to)");
    parse_fails("customer",
                "{\"sharded\":true,\"vindexes\":{\"name_idx\":{\"type\":\"lookup\"}}}",
                VR_INVALID,
                "vschema customer: vindexes.name_idx.params: a lookup vindex needs "
                "\"table\" (lookup vindexes need table, from and to)");
    parse_fails("customer",
                "{\"vindexes\":{\"l\":{\"type\":\"lookup\",\"params\":{\"table\":\"t\","
                "\"from\":\"a,,b\",\"to\":\"k\"}}}}",
                VR_INVALID, "vschema customer: vindexes.l.params.from: empty column name in "
                            "\"a,,b\"");
    parse_fails("customer",
                "{\"vindexes\":{\"l\":{\"type\":\"lookup\",\"params\":{\"table\":\"t\","
                "\"from\":\"a\",\"to\":\"k\",\"write_only\":\"yes\"}}}}",
                VR_INVALID, "vschema customer: vindexes.l.params.write_only: expected "
                            "\"true\" or \"false\", got \"yes\"");
    parse_fails("customer",
                "{\"vindexes\":{\"l\":{\"type\":\"lookup\",\"params\":{\"table\":\"t\","
                "\"from\":\"a\",\"to\":\"k\",\"ignore_nulls\":true}}}}",
                VR_INVALID, "vschema customer: vindexes.l.params.ignore_nulls: expected a "
                            "string");
}

/* ---- validation errors, as a user sees them ---- */

Test(vschema, unknown_vindex)
{
    parse_fails("customer",
                "{\"sharded\":true,\"vindexes\":{\"hash\":{\"type\":\"hash\"}},"
                "\"tables\":{\"orders\":{\"column_vindexes\":[{\"column\":\"cid\","
                "\"name\":\"hsh\"}]}}}",
                VR_INVALID,
                "vschema customer: tables.orders.column_vindexes[0].name: unknown vindex "
                "\"hsh\"");
}

Test(vschema, unknown_vindex_type)
{
    parse_fails("customer", "{\"sharded\":true,\"vindexes\":{\"foo\":{\"type\":\"hashh\"}}}",
                VR_INVALID, "vschema customer: vindexes.foo.type: unknown vindex type "
                            "\"hashh\"");
    parse_fails("customer", "{\"vindexes\":{\"foo\":{}}}", VR_INVALID,
                "vschema customer: vindexes.foo.type: missing");
    parse_fails("customer", "{\"vindexes\":{\"foo\":{\"type\":1}}}", VR_INVALID,
                "vschema customer: vindexes.foo.type: expected a string");
}

Test(vschema, sharded_table_needs_primary_vindex)
{
    parse_fails("customer",
                "{\"sharded\":true,\"vindexes\":{\"hash\":{\"type\":\"hash\"}},"
                "\"tables\":{\"orders\":{}}}",
                VR_INVALID,
                "vschema customer: tables.orders: table has no primary vindex in a sharded "
                "keyspace");
    parse_fails("customer",
                "{\"sharded\":true,\"tables\":{\"orders\":{\"column_vindexes\":[]}}}",
                VR_INVALID,
                "vschema customer: tables.orders: table has no primary vindex in a sharded "
                "keyspace");
    /* pinned and reference tables need none */
    vr_vschema_t *vs = parse_ok(
        "customer", "{\"sharded\":true,\"tables\":{\"p\":{\"pinned\":\"80\"},"
                    "\"r\":{\"type\":\"reference\"}}}");
    cr_assert_str_eq(vr_vschema_table(vs, "p")->pinned, "80");
    cr_assert_eq(vr_vschema_table(vs, "r")->type, VR_VSCHEMA_TABLE_REFERENCE);
    vr_vschema_free(vs);
}

Test(vschema, sequence_only_unsharded)
{
    const char *sharded_product =
        "{\"sharded\":true,\"tables\":{\"customer_seq\":{\"type\":\"sequence\"}}}";
    parse_fails("product", sharded_product, VR_INVALID,
                "vschema product: tables.customer_seq: sequence tables are only allowed in "
                "unsharded keyspaces");
    /* Vitess allows a pinned one */
    vr_vschema_t *vs = parse_ok(
        "product", "{\"sharded\":true,\"tables\":{\"s\":{\"type\":\"sequence\","
                   "\"pinned\":\"00\"}}}");
    vr_vschema_free(vs);
}

Test(vschema, json_syntax_error_has_line_and_column)
{
    parse_fails("customer", "{\n  \"sharded\": true,\n  \"tables\": {\n    \"t\": {,}\n  }\n}",
                VR_PARSE,
                "vschema customer: invalid JSON at line 4, column 11: string or '}' expected "
                "near ','");
    parse_fails("customer", "{\"sharded\": true, \"sharded\": false}", VR_PARSE,
                "vschema customer: invalid JSON at line 1, column 27: duplicate object key "
                "near '\"sharded\"'");
    parse_fails("customer", "", VR_PARSE,
                "vschema customer: invalid JSON at line 1, column 0: '[' or '{' expected "
                "near end of file");
    parse_fails("customer", NULL, VR_INVALID, "vschema customer: no JSON given");
    parse_fails("customer", "[1]", VR_INVALID, "vschema customer: expected a JSON object");
}

Test(vschema, primary_vindex_must_be_unique)
{
    parse_fails("customer",
                "{\"sharded\":true,\"vindexes\":{\"name_idx\":{\"type\":\"lookup\","
                "\"params\":{\"table\":\"name_idx\",\"from\":\"name\",\"to\":\"ksid\"}}},"
                "\"tables\":{\"user\":{\"column_vindexes\":[{\"column\":\"name\","
                "\"name\":\"name_idx\"}]}}}",
                VR_INVALID,
                "vschema customer: tables.user.column_vindexes[0].name: primary vindex "
                "\"name_idx\" is not unique (type lookup)");
    parse_fails("customer",
                "{\"sharded\":true,\"vindexes\":{\"lu\":{\"type\":\"lookup_unique\","
                "\"owner\":\"user\",\"params\":{\"table\":\"lu\",\"from\":\"name\","
                "\"to\":\"ksid\"}}},"
                "\"tables\":{\"user\":{\"column_vindexes\":[{\"column\":\"name\","
                "\"name\":\"lu\"}]}}}",
                VR_INVALID,
                "vschema customer: tables.user.column_vindexes[0].name: primary vindex "
                "\"lu\" cannot be owned by its table");
}

Test(vschema, reference_and_sequence_tables_have_no_vindexes)
{
    parse_fails("customer",
                "{\"sharded\":true,\"vindexes\":{\"hash\":{\"type\":\"hash\"}},"
                "\"tables\":{\"product\":{\"type\":\"reference\",\"column_vindexes\":"
                "[{\"column\":\"pid\",\"name\":\"hash\"}]}}}",
                VR_INVALID,
                "vschema customer: tables.product.column_vindexes: reference tables cannot "
                "have column vindexes");
    parse_fails("product",
                "{\"vindexes\":{\"hash\":{\"type\":\"hash\"}},"
                "\"tables\":{\"s\":{\"type\":\"sequence\",\"column_vindexes\":"
                "[{\"column\":\"id\",\"name\":\"hash\"}]}}}",
                VR_INVALID,
                "vschema product: tables.s.column_vindexes: sequence tables cannot have "
                "column vindexes");
}

Test(vschema, structure_errors)
{
    parse_fails("c", "{\"sharded\":\"yes\"}", VR_INVALID,
                "vschema c: sharded: expected true or false");
    parse_fails("c", "{\"tables\":[]}", VR_INVALID, "vschema c: tables: expected an object");
    parse_fails("c", "{\"tables\":{\"t\":{\"type\":\"view\"}}}", VR_INVALID,
                "vschema c: tables.t.type: unknown table type \"view\" (expected \"\", "
                "\"reference\" or \"sequence\")");
    parse_fails("c",
                "{\"vindexes\":{\"h\":{\"type\":\"hash\"}},\"tables\":{\"t\":"
                "{\"column_vindexes\":[{\"column\":\"a\",\"columns\":[\"a\"],\"name\":\"h\"}]}}}",
                VR_INVALID, "vschema c: tables.t.column_vindexes[0]: give column or columns, "
                            "not both");
    parse_fails("c",
                "{\"vindexes\":{\"h\":{\"type\":\"hash\"}},\"tables\":{\"t\":"
                "{\"column_vindexes\":[{\"name\":\"h\"}]}}}",
                VR_INVALID, "vschema c: tables.t.column_vindexes[0]: missing column (or "
                            "columns)");
    parse_fails("c",
                "{\"vindexes\":{\"h\":{\"type\":\"hash\"}},\"tables\":{\"t\":"
                "{\"column_vindexes\":[{\"column\":\"a\"}]}}}",
                VR_INVALID, "vschema c: tables.t.column_vindexes[0].name: missing");
    parse_fails("c", "{\"tables\":{\"t\":{\"auto_increment\":{\"column\":\"id\"}}}}",
                VR_INVALID, "vschema c: tables.t.auto_increment.sequence: missing");
    parse_fails("c",
                "{\"tables\":{\"t\":{\"columns\":[{\"name\":\"a\"},{\"name\":\"A\"}]}}}",
                VR_INVALID, "vschema c: tables.t.columns[1].name: duplicate column \"A\"");
    parse_fails("c", "{\"sharded\":true,\"tables\":{\"t\":{\"pinned\":\"zz\"}}}", VR_INVALID,
                "vschema c: tables.t.pinned: \"zz\" is not a keyspace ID in hex");
    parse_fails("c", "{\"tables\":{\"t\":{\"source\":\"p.t\"}}}", VR_INVALID,
                "vschema c: tables.t.source: only reference tables have a source");
    parse_fails("c", "{\"tables\":{\"t\":{\"type\":\"reference\",\"source\":\"t\"}}}",
                VR_INVALID,
                "vschema c: tables.t.source: \"t\" is not qualified: expected keyspace.table");
    parse_fails("c", "{\"tables\":{\"t\":{\"type\":\"reference\",\"source\":\"c.u\"}}}",
                VR_INVALID,
                "vschema c: tables.t.source: \"c.u\" is in the same keyspace as the table");
}

/* ---- the cluster ---- */

static vr_code_t cluster(const char *a_ks, const char *a, const char *b_ks, const char *b,
                         vr_error_t *err)
{
    vr_vschema_t *va = parse_ok(a_ks, a), *vb = parse_ok(b_ks, b);
    const vr_vschema_t *all[] = {va, vb};
    vr_error_clear(err);
    vr_code_t rc = vr_vschema_validate_cluster(all, 2, err);
    vr_vschema_free(va);
    vr_vschema_free(vb);
    return rc;
}

Test(vschema, missing_sequence)
{
    vr_error_t err;
    const char *product_without = "{\"tables\":{\"product\":{},\"order_seq\":{\"type\":"
                                  "\"sequence\"}}}";
    cr_assert_eq(cluster("customer", CUSTOMER_JSON, "product", product_without, &err),
                 VR_INVALID);
    cr_assert_str_eq(err.msg, "vschema customer: tables.customer.auto_increment.sequence: "
                              "sequence table \"customer_seq\" not found in any keyspace");
}

Test(vschema, sequence_resolution_errors)
{
    vr_error_t err;
    const char *uses = "{\"tables\":{\"t\":{\"auto_increment\":{\"column\":\"id\","
                       "\"sequence\":\"%s\"}},\"s\":{\"type\":\"sequence\"},\"plain\":{}}}";
    char doc[512];

    snprintf(doc, sizeof(doc), uses, "s");
    cr_assert_eq(cluster("a", doc, "b", "{\"tables\":{\"s\":{\"type\":\"sequence\"}}}", &err),
                 VR_INVALID);
    cr_assert_str_eq(err.msg, "vschema a: tables.t.auto_increment.sequence: sequence table "
                              "\"s\" is in more than one keyspace (a, b): qualify it as "
                              "keyspace.s");
    snprintf(doc, sizeof(doc), uses, "b.s");
    cr_assert_eq(cluster("a", doc, "b", "{\"tables\":{\"s\":{\"type\":\"sequence\"}}}", &err),
                 VR_OK, "%s", err.msg);
    snprintf(doc, sizeof(doc), uses, "plain");
    cr_assert_eq(cluster("a", doc, "b", "{}", &err), VR_INVALID);
    cr_assert_str_eq(err.msg, "vschema a: tables.t.auto_increment.sequence: table \"plain\" "
                              "in keyspace a is not a sequence table");
    snprintf(doc, sizeof(doc), uses, "c.s");
    cr_assert_eq(cluster("a", doc, "b", "{}", &err), VR_INVALID);
    cr_assert_str_eq(err.msg, "vschema a: tables.t.auto_increment.sequence: sequence table "
                              "\"c.s\": keyspace \"c\" not found");
    snprintf(doc, sizeof(doc), uses, "b.s");
    cr_assert_eq(cluster("a", doc, "b", "{}", &err), VR_INVALID);
    cr_assert_str_eq(err.msg, "vschema a: tables.t.auto_increment.sequence: sequence table "
                              "\"b.s\" not found in keyspace b");
}

Test(vschema, reference_sources)
{
    vr_error_t err;
    const char *ref = "{\"sharded\":true,\"tables\":{\"product\":{\"type\":\"reference\","
                      "\"source\":\"%s\"}}}";
    char doc[256];
    snprintf(doc, sizeof(doc), ref, "product.product");
    cr_assert_eq(cluster("customer", doc, "product", PRODUCT_JSON, &err), VR_OK, "%s",
                 err.msg);
    snprintf(doc, sizeof(doc), ref, "store.product");
    cr_assert_eq(cluster("customer", doc, "product", PRODUCT_JSON, &err), VR_INVALID);
    cr_assert_str_eq(err.msg, "vschema customer: tables.product.source: source "
                              "\"store.product\": keyspace \"store\" not found");
    snprintf(doc, sizeof(doc), ref, "product.item");
    cr_assert_eq(cluster("customer", doc, "product", PRODUCT_JSON, &err), VR_INVALID);
    cr_assert_str_eq(err.msg, "vschema customer: tables.product.source: source "
                              "\"product.item\": table \"item\" not found in keyspace product");
    snprintf(doc, sizeof(doc), ref, "product.order_seq");
    cr_assert_eq(cluster("customer", doc, "product", PRODUCT_JSON, &err), VR_INVALID);
    cr_assert_str_eq(err.msg, "vschema customer: tables.product.source: source "
                              "\"product.order_seq\" is a sequence table, not a plain or "
                              "reference table");
    snprintf(doc, sizeof(doc), ref, "merchant.product");
    cr_assert_eq(cluster("customer", doc, "merchant",
                         "{\"tables\":{\"product\":{\"type\":\"reference\",\"source\":"
                         "\"product.product\"}}}",
                         &err),
                 VR_INVALID);
    cr_assert_str_eq(err.msg, "vschema customer: tables.product.source: source "
                              "\"merchant.product\" is itself a copy of \"product.product\": "
                              "reference chains are not allowed");
}

/* ---- edits ---- */

Test(vschema, add_table_with_primary_vindex)
{
    vr_vschema_t *vs = parse_ok("merchant", MERCHANT_JSON);
    vr_error_t err;
    vr_error_clear(&err);
    cr_assert_eq(vr_vschema_add_table(vs, "orders", "mname", "md5", &err), VR_OK, "%s",
                 err.msg);
    const vr_vschema_colvindex_t *pv = vr_vschema_primary_vindex(vs, "orders");
    cr_assert_not_null(pv);
    cr_assert_str_eq(pv->columns[0], "mname");
    cr_assert_eq(pv->vindex->type, VR_VINDEX_UNICODE_LOOSE_MD5);
    assert_json(vs, "{\n"
                    "  \"sharded\": true,\n"
                    "  \"vindexes\": {\n"
                    "    \"md5\": {\n"
                    "      \"type\": \"unicode_loose_md5\"\n"
                    "    }\n"
                    "  },\n"
                    "  \"tables\": {\n"
                    "    \"merchant\": {\n"
                    "      \"column_vindexes\": [\n"
                    "        {\n"
                    "          \"column\": \"mname\",\n"
                    "          \"name\": \"md5\"\n"
                    "        }\n"
                    "      ]\n"
                    "    },\n"
                    "    \"orders\": {\n"
                    "      \"column_vindexes\": [\n"
                    "        {\n"
                    "          \"column\": \"mname\",\n"
                    "          \"name\": \"md5\"\n"
                    "        }\n"
                    "      ]\n"
                    "    }\n"
                    "  }\n"
                    "}");

    cr_assert_eq(vr_vschema_add_table(vs, "orders", "mname", "md5", &err), VR_EXISTS);
    cr_assert_str_eq(err.msg, "vschema merchant: table \"orders\" already exists");
    cr_assert_eq(vr_vschema_add_table(vs, "items", "mname", "hash", &err), VR_INVALID);
    cr_assert_str_eq(err.msg, "vschema merchant: tables.items.column_vindexes[0].name: "
                              "unknown vindex \"hash\"");
    cr_assert_eq(vr_vschema_add_table(vs, "items", NULL, NULL, &err), VR_INVALID);
    cr_assert_str_eq(err.msg, "vschema merchant: tables.items: table has no primary vindex "
                              "in a sharded keyspace");
    cr_assert_eq(vr_vschema_add_table(vs, "items", "mname", NULL, &err), VR_INVALID);
    cr_assert_str_eq(err.msg, "vschema merchant: tables.items: a primary vindex needs both "
                              "a column and a vindex");
    cr_assert_eq(vr_vschema_add_table(vs, "", NULL, NULL, &err), VR_INVALID);
    cr_assert_str_eq(err.msg, "vschema merchant: table name is empty");
    cr_assert_eq(vr_vschema_table_count(vs), 2, "failed edits change nothing");
    cr_assert_null(vr_vschema_table(vs, "items"));

    cr_assert_eq(vr_vschema_add_vindex(vs, "hash", "hash", &err), VR_OK, "%s", err.msg);
    cr_assert_eq(vr_vschema_add_table(vs, "items", "id", "hash", &err), VR_OK, "%s",
                 err.msg);
    cr_assert_eq(vr_vschema_primary_vindex(vs, "items")->vindex->type, VR_VINDEX_HASH);
    vr_vschema_free(vs);
}

Test(vschema, add_reference_table_and_remove)
{
    vr_vschema_t *vs = parse_ok("customer", CUSTOMER_JSON);
    vr_error_t err;
    vr_error_clear(&err);
    cr_assert_eq(vr_vschema_add_reference_table(vs, "product", "product.product", &err),
                 VR_OK, "%s", err.msg);
    const vr_vschema_table_t *t = vr_vschema_table(vs, "product");
    cr_assert_eq(t->type, VR_VSCHEMA_TABLE_REFERENCE);
    cr_assert_str_eq(t->source, "product.product");
    char *s = vr_vschema_to_json(vs);
    cr_assert(strstr(s, "    \"product\": {\n"
                        "      \"type\": \"reference\",\n"
                        "      \"source\": \"product.product\"\n"
                        "    }\n"),
              "%s", s);
    free(s);

    cr_assert_eq(vr_vschema_add_reference_table(vs, "r2", "customer.x", &err), VR_INVALID);
    cr_assert_str_eq(err.msg, "vschema customer: tables.r2.source: \"customer.x\" is in the "
                              "same keyspace as the table");
    cr_assert_eq(vr_vschema_add_reference_table(vs, "r3", NULL, &err), VR_OK);

    cr_assert_eq(vr_vschema_remove_table(vs, "product", &err), VR_OK);
    cr_assert_null(vr_vschema_table(vs, "product"));
    cr_assert_eq(vr_vschema_remove_table(vs, "product", &err), VR_NOT_FOUND);
    cr_assert_str_eq(err.msg, "vschema customer: table \"product\" not found");
    cr_assert_eq(vr_vschema_remove_table(vs, "r3", &err), VR_OK);
    assert_json(vs, CUSTOMER_PRETTY);
    vr_vschema_free(vs);
}

Test(vschema, add_vindex)
{
    vr_vschema_t *vs = vr_vschema_new("merchant", true);
    vr_error_t err;
    assert_json(vs, "{\n  \"sharded\": true\n}");
    cr_assert_eq(vr_vschema_add_vindex(vs, "md5", "unicode_loose_md5", &err), VR_OK);
    cr_assert_eq(vr_vschema_add_vindex(vs, "md5", "unicode_loose_md5", &err), VR_OK,
                 "adding the same vindex again is fine");
    cr_assert_eq(vr_vschema_add_vindex(vs, "md5", "hash", &err), VR_EXISTS);
    cr_assert_str_eq(err.msg, "vschema merchant: vindex \"md5\" exists with type "
                              "unicode_loose_md5, not hash");
    cr_assert_eq(vr_vschema_add_vindex(vs, "x", "hashh", &err), VR_INVALID);
    cr_assert_str_eq(err.msg, "vschema merchant: vindexes.x.type: unknown vindex type "
                              "\"hashh\"");
    cr_assert_eq(vr_vschema_add_vindex(vs, "lk", "lookup", &err), VR_INVALID);
    cr_assert_str_eq(err.msg, "vschema merchant: vindexes.lk.params: a lookup vindex needs "
                              "\"table\" (lookup vindexes need table, from and to)");
    cr_assert_eq(vr_vschema_vindex_count(vs), 1);
    cr_assert_eq(vr_vschema_add_table(vs, "merchant", "mname", "md5", &err), VR_OK);
    char *s = vr_vschema_to_json(vs);
    vr_vschema_t *back = parse_ok("merchant", s);
    assert_json(back, s);
    free(s);
    vr_vschema_free(back);
    vr_vschema_free(vs);

    vs = vr_vschema_new("product", false);
    assert_json(vs, "{}");
    cr_assert_eq(vr_vschema_add_table(vs, "product", NULL, NULL, &err), VR_OK);
    assert_json(vs, "{\n  \"tables\": {\n    \"product\": {}\n  }\n}");
    vr_vschema_free(vs);
    vr_vschema_free(NULL);
}
