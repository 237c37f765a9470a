/*
 * notify/: the bytes sent (topic names, keys, Debezium envelopes of every
 * op, schema changes), workflow definitions as stored, and the ack
 * tracker that decides how far a shard's saved position may move.
 */
#include <criterion/criterion.h>
#include <string.h>

#include "ack_tracker.h"
#include "vr_common.h"
#include "vr_notify.h"

/* orders(region varchar, note text, oid int) with primary key (oid, region) */
static const vr_vfield_t FIELDS[] = {
    {"region", VR_TYPE_VARCHAR, 45, VR_FIELD_PK | VR_FIELD_NOT_NULL, 16, 0, 15},
    {"note", VR_TYPE_TEXT, 45, 0, 100, 0, 252},
    {"oid", VR_TYPE_INT32, 0, VR_FIELD_PK | VR_FIELD_NOT_NULL, 11, 0, 3},
};
static const uint32_t PK[] = {2, 0};
static const vr_vtable_t ORDERS = {"vt_shop", "orders", 3, FIELDS, 2, PK, 1};
static const vr_vtable_t NOKEY = {"vt_shop", "log", 3, FIELDS, 0, NULL, 1};

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
    v.charset = 45;
    v.s = s;
    v.len = strlen(s);
    return v;
}

static const vr_notify_source_t SRC = {"shopfeed", "shop", "-80", "vt_shop", "orders",
                                       "0-101-7", 101, 1700000000000LL};

#define SOURCE_JSON                                                                         \
    "\"source\":{\"version\":\"0.1.0\",\"connector\":\"vrepl\",\"name\":\"shopfeed\","    \
    "\"ts_ms\":1700000000000,\"db\":\"vt_shop\",\"table\":\"orders\",\"keyspace\":\"shop\"," \
    "\"shard\":\"-80\",\"gtid\":\"0-101-7\",\"server_id\":101}"

/* ---- topics -------------------------------------------------------------- */

Test(notify_topic, prefix_keyspace_table)
{
    vr_buf_t b = VR_BUF_INIT;
    vr_notify_topic(&b, "shopfeed", "shop", "orders");
    cr_assert_str_eq(b.data, "shopfeed.shop.orders");
    vr_buf_reset(&b);
    vr_notify_topic(&b, "shopfeed", "shop", NULL);
    cr_assert_str_eq(b.data, "shopfeed.shop.schema-changes");
    vr_buf_free(&b);
}

Test(notify_topic, characters_kafka_refuses_become_underscores)
{
    vr_buf_t b = VR_BUF_INIT;
    vr_notify_topic(&b, "my feed", "shop", "ord$ers\xc3\xa9");
    cr_assert_str_eq(b.data, "my_feed.shop.ord_ers__");
    vr_buf_free(&b);
}

Test(notify_topic, at_most_249_bytes)
{
    vr_buf_t b = VR_BUF_INIT;
    char longname[400];
    memset(longname, 't', sizeof(longname) - 1);
    longname[sizeof(longname) - 1] = 0;
    vr_notify_topic(&b, "p", "ks", longname);
    cr_assert_eq(b.len, 249);
    cr_assert(strncmp(b.data, "p.ks.ttt", 8) == 0);
    vr_buf_free(&b);
}

/* ---- keys ------------------------------------------------------------------ */

Test(notify_key, primary_key_columns_in_key_order)
{
    vr_value_t row[3] = {sval(VR_TYPE_VARCHAR, "eu\"1"), sval(VR_TYPE_TEXT, "x"), ival(42)};
    vr_buf_t b = VR_BUF_INIT;
    cr_assert(vr_notify_key_json(&b, &ORDERS, row));
    cr_assert_str_eq(b.data, "{\"oid\":42,\"region\":\"eu\\\"1\"}");
    vr_buf_free(&b);
}

Test(notify_key, no_primary_key_is_a_null_key)
{
    vr_value_t row[3] = {sval(VR_TYPE_VARCHAR, "eu"), sval(VR_TYPE_TEXT, "x"), ival(42)};
    vr_buf_t b = VR_BUF_INIT;
    cr_assert_not(vr_notify_key_json(&b, &NOKEY, row));
    cr_assert_eq(b.len, 0);
    vr_buf_free(&b);
}

/* ---- envelopes --------------------------------------------------------------- */

static char *envelope(vr_notify_op_t op, const vr_value_t *before, const vr_value_t *after)
{
    vr_vrow_t row = {before, after, NULL, NULL};
    vr_buf_t b = VR_BUF_INIT;
    vr_notify_envelope_json(&b, &SRC, op, &ORDERS, &row, 1700000000123LL);
    return vr_buf_detach(&b);
}

Test(notify_envelope, create)
{
    vr_value_t a[3] = {sval(VR_TYPE_VARCHAR, "eu"), vr_value_null(VR_TYPE_TEXT), ival(1)};
    char *s = envelope(VR_NOTIFY_CREATE, NULL, a);
    cr_assert_str_eq(s, "{\"before\":null,\"after\":{\"region\":\"eu\",\"note\":null,\"oid\":1},"
                        SOURCE_JSON ",\"op\":\"c\",\"ts_ms\":1700000000123}");
    free(s);
}

Test(notify_envelope, update_has_both_images)
{
    vr_value_t b[3] = {sval(VR_TYPE_VARCHAR, "eu"), sval(VR_TYPE_TEXT, "old"), ival(1)};
    vr_value_t a[3] = {sval(VR_TYPE_VARCHAR, "eu"), sval(VR_TYPE_TEXT, "n\xc3\xa9w\n"), ival(1)};
    char *s = envelope(VR_NOTIFY_UPDATE, b, a);
    cr_assert_str_eq(s, "{\"before\":{\"region\":\"eu\",\"note\":\"old\",\"oid\":1},"
                        "\"after\":{\"region\":\"eu\",\"note\":\"n\xc3\xa9w\\n\",\"oid\":1},"
                        SOURCE_JSON ",\"op\":\"u\",\"ts_ms\":1700000000123}");
    free(s);
}

Test(notify_envelope, delete_has_only_before)
{
    vr_value_t b[3] = {sval(VR_TYPE_VARCHAR, "eu"), sval(VR_TYPE_TEXT, "old"), ival(1)};
    char *s = envelope(VR_NOTIFY_DELETE, b, b);
    cr_assert_str_eq(s, "{\"before\":{\"region\":\"eu\",\"note\":\"old\",\"oid\":1},\"after\":null,"
                        SOURCE_JSON ",\"op\":\"d\",\"ts_ms\":1700000000123}");
    free(s);
}

Test(notify_envelope, snapshot_read_has_null_gtid)
{
    vr_value_t a[3] = {sval(VR_TYPE_VARCHAR, "us"), sval(VR_TYPE_TEXT, "r"), ival(9)};
    vr_notify_source_t src = SRC;
    vr_vrow_t row = {NULL, a, NULL, NULL};
    vr_buf_t b = VR_BUF_INIT;
    src.gtid = NULL;
    src.server_id = 0;
    vr_notify_envelope_json(&b, &src, VR_NOTIFY_READ, &ORDERS, &row, 5);
    cr_assert_str_eq(b.data,
                     "{\"before\":null,\"after\":{\"region\":\"us\",\"note\":\"r\",\"oid\":9},"
                     "\"source\":{\"version\":\"0.1.0\",\"connector\":\"vrepl\",\"name\":"
                     "\"shopfeed\",\"ts_ms\":1700000000000,\"db\":\"vt_shop\",\"table\":"
                     "\"orders\",\"keyspace\":\"shop\",\"shard\":\"-80\",\"gtid\":null,"
                     "\"server_id\":0},\"op\":\"r\",\"ts_ms\":5}");
    vr_buf_free(&b);
}

Test(notify_envelope, absent_columns_are_left_out)
{
    vr_value_t a[3] = {sval(VR_TYPE_VARCHAR, "eu"), sval(VR_TYPE_TEXT, "x"), ival(1)};
    uint8_t cols = 0x5; /* region, oid */
    vr_vrow_t row = {a, a, &cols, NULL};
    vr_buf_t b = VR_BUF_INIT;
    vr_notify_envelope_json(&b, &SRC, VR_NOTIFY_UPDATE, &ORDERS, &row, 1);
    cr_assert(strstr(b.data, "\"before\":{\"region\":\"eu\",\"oid\":1},\"after\":{\"region\":"
                             "\"eu\",\"note\":\"x\",\"oid\":1}") != NULL, "%s", b.data);
    vr_buf_free(&b);
}

Test(notify_envelope, values_as_vstream_prints_them)
{
    vr_value_t a[3] = {sval(VR_TYPE_VARCHAR, "eu"), sval(VR_TYPE_TEXT, "x"), ival(1)};
    vr_buf_t want = VR_BUF_INIT;
    char *s;
    a[1] = vr_value_null(VR_TYPE_DECIMAL);
    a[1].is_null = false;
    a[1].s = "-12.50";
    a[1].len = 6;
    vr_value_append_json(&want, &a[1]);
    s = envelope(VR_NOTIFY_CREATE, NULL, a);
    cr_assert(strstr(s, want.data) != NULL, "%s lacks %s", s, want.data);
    cr_assert(strstr(s, "\"note\":\"-12.50\"") != NULL, "%s", s);
    free(s);
    vr_buf_free(&want);
}

Test(notify_envelope, schema_change)
{
    vr_buf_t k = VR_BUF_INIT, v = VR_BUF_INIT;
    vr_notify_source_t src = SRC;
    src.table = NULL;
    vr_notify_ddl_json(&k, &v, &src, "alter table orders add \"x\" int", 9);
    cr_assert_str_eq(k.data, "{\"databaseName\":\"vt_shop\"}");
    cr_assert_str_eq(v.data,
                     "{\"source\":{\"version\":\"0.1.0\",\"connector\":\"vrepl\",\"name\":"
                     "\"shopfeed\",\"ts_ms\":1700000000000,\"db\":\"vt_shop\",\"table\":null,"
                     "\"keyspace\":\"shop\",\"shard\":\"-80\",\"gtid\":\"0-101-7\","
                     "\"server_id\":101},\"databaseName\":\"vt_shop\","
                     "\"ddl\":\"alter table orders add \\\"x\\\" int\",\"ts_ms\":9}");
    vr_buf_free(&k);
    vr_buf_free(&v);
}

/* ---- definitions ------------------------------------------------------------- */

Test(notify_def, json_round_trip)
{
    vr_notify_def_t *d = vr_notify_def_new(), *e = NULL;
    vr_error_t err;
    char *j1, *j2;
    d->name = vr_xstrdup("feed");
    d->keyspace = vr_xstrdup("shop");
    d->tables = vr_xcalloc(2, sizeof(char *));
    d->tables[0] = vr_xstrdup("orders");
    d->tables[1] = vr_xstrdup("customer");
    d->ntables = 2;
    d->brokers = vr_xstrdup("127.0.0.1:9092");
    d->snapshot = true;
    d->tombstones = false;
    cr_assert_eq(vr_notify_def_add_conf(d, "linger.ms=20", &err), VR_OK);
    cr_assert_eq(vr_notify_def_add_conf(d, "sasl.password=a=b", &err), VR_OK);
    cr_assert_eq(vr_notify_def_add_conf(d, "nonsense", &err), VR_INVALID);
    cr_assert(strstr(err.msg, "expected key=value") != NULL, "%s", err.msg);
    j1 = vr_notify_def_to_json(d);
    cr_assert_eq(vr_notify_def_from_json(j1, &e, &err), VR_OK, "%s", err.msg);
    j2 = vr_notify_def_to_json(e);
    cr_assert_str_eq(j1, j2);
    cr_assert_str_eq(vr_notify_def_prefix(e), "feed");
    cr_assert_eq(e->nconf, 2);
    cr_assert_str_eq(e->conf_vals[1], "a=b");
    cr_assert_not(e->tombstones);
    cr_assert(e->snapshot);
    free(j1);
    free(j2);
    vr_notify_def_free(d);
    vr_notify_def_free(e);
}

Test(notify_def, malformed_json_is_refused)
{
    vr_notify_def_t *d = NULL;
    vr_error_t err;
    cr_assert_eq(vr_notify_def_from_json("{\"name\":\"x\"}", &d, &err), VR_PARSE);
    cr_assert_null(d);
    cr_assert_eq(vr_notify_def_from_json("[1", &d, &err), VR_PARSE);
}

/* ---- the ack tracker ----------------------------------------------------------- */

typedef struct popped {
    char gtids[64][VR_GTID_STR_MAX];
    size_t n;
} popped_t;

static void on_pop(void *arg, const ack_txn_t *t)
{
    popped_t *p = arg;
    if (p->n < 64)
        vr_gtid_format(&t->gtid, p->gtids[p->n++]);
}

static vr_gtid_t G(uint64_t seq)
{
    vr_gtid_t g = {0, 101, seq};
    return g;
}

static char *acked(ack_tracker_t *tr) { return vr_gtid_set_to_string(&tr->acked); }

#define ASSERT_ACKED(tr, want)                                                  \
    do {                                                                        \
        char *a_ = acked(tr);                                                   \
        cr_assert_str_eq(a_, want);                                             \
        free(a_);                                                               \
    } while (0)

/* Transaction i with n messages; returns its seq. */
static uint64_t txn(ack_tracker_t *tr, uint64_t gseq, int n)
{
    uint64_t seq = ack_begin(tr);
    vr_gtid_t g = G(gseq);
    int i;
    for (i = 0; i < n; i++)
        cr_assert_eq(ack_add(tr), seq);
    ack_seal(tr, &g, 1000 + (int64_t)gseq);
    return seq;
}

Test(notify_ack, advances_only_over_fully_acked_transactions)
{
    ack_tracker_t tr;
    vr_gtid_set_t start = VR_GTID_SET_INIT;
    vr_error_t err;
    uint64_t a, b;
    cr_assert_eq(vr_gtid_set_parse(&start, "0-101-4", &err), VR_OK);
    ack_init(&tr, &start, NULL, NULL);
    a = txn(&tr, 5, 2);
    b = txn(&tr, 6, 1);
    ASSERT_ACKED(&tr, "0-101-4");
    cr_assert(ack_done(&tr, a, true));
    ASSERT_ACKED(&tr, "0-101-4"); /* one of two */
    cr_assert(ack_done(&tr, a, true));
    ASSERT_ACKED(&tr, "0-101-5");
    cr_assert(ack_take_dirty(&tr));
    cr_assert_not(ack_take_dirty(&tr));
    cr_assert(ack_done(&tr, b, true));
    ASSERT_ACKED(&tr, "0-101-6");
    cr_assert_eq(ack_pending(&tr), 0);
    cr_assert_eq(tr.acked_ts, 1006);
    ack_free(&tr);
    vr_gtid_set_free(&start);
}

Test(notify_ack, out_of_order_acks_wait_for_the_head)
{
    ack_tracker_t tr;
    popped_t p = {0};
    uint64_t s[4];
    int i;
    ack_init(&tr, NULL, on_pop, &p);
    for (i = 0; i < 4; i++)
        s[i] = txn(&tr, (uint64_t)(10 + i), 1);
    cr_assert(ack_done(&tr, s[3], true));
    cr_assert(ack_done(&tr, s[1], true));
    cr_assert(ack_done(&tr, s[2], true));
    ASSERT_ACKED(&tr, "");
    cr_assert_eq(p.n, 0);
    cr_assert(ack_done(&tr, s[0], true));
    ASSERT_ACKED(&tr, "0-101-13");
    cr_assert_eq(p.n, 4);
    cr_assert_str_eq(p.gtids[0], "0-101-10");
    cr_assert_str_eq(p.gtids[3], "0-101-13");
    ack_free(&tr);
}

Test(notify_ack, an_open_transaction_holds_the_position)
{
    ack_tracker_t tr;
    uint64_t a, b;
    vr_gtid_t g = G(2);
    ack_init(&tr, NULL, NULL, NULL);
    a = txn(&tr, 1, 1);
    b = ack_begin(&tr);
    cr_assert_eq(ack_add(&tr), b);
    cr_assert(ack_done(&tr, b, true)); /* acked before its commit was read */
    cr_assert(ack_done(&tr, a, true));
    ASSERT_ACKED(&tr, "0-101-1");
    ack_seal(&tr, &g, 0);
    ASSERT_ACKED(&tr, "0-101-2");
    ack_free(&tr);
}

Test(notify_ack, a_failure_stops_the_position_for_good)
{
    ack_tracker_t tr;
    uint64_t a, b, c;
    ack_init(&tr, NULL, NULL, NULL);
    a = txn(&tr, 1, 1);
    b = txn(&tr, 2, 2);
    c = txn(&tr, 3, 1);
    cr_assert(ack_done(&tr, c, true));
    cr_assert(ack_done(&tr, b, false));
    cr_assert(tr.failed);
    cr_assert(ack_done(&tr, a, true));
    cr_assert(ack_done(&tr, b, true));
    ASSERT_ACKED(&tr, "0-101-1");
    cr_assert_eq(tr.outstanding, 0);
    ack_reset(&tr); /* the stream restarts from 0-101-1 */
    cr_assert_not(tr.failed);
    cr_assert_eq(ack_pending(&tr), 0);
    ASSERT_ACKED(&tr, "0-101-1");
    a = txn(&tr, 2, 1);
    cr_assert_not(ack_done(&tr, b, true), "a report from before the reset is unknown");
    cr_assert(ack_done(&tr, a, true));
    ASSERT_ACKED(&tr, "0-101-2");
    ack_free(&tr);
}

Test(notify_ack, transactions_without_messages)
{
    ack_tracker_t tr;
    popped_t p = {0};
    uint64_t a;
    vr_gtid_t g;
    ack_init(&tr, NULL, on_pop, &p);
    g = G(1);
    ack_mark(&tr, &g, 0); /* nothing pending: moves at once */
    ASSERT_ACKED(&tr, "0-101-1");
    a = txn(&tr, 2, 1);
    g = G(3);
    ack_mark(&tr, &g, 0);
    g = G(4);
    ack_mark(&tr, &g, 0); /* folded into the previous mark */
    cr_assert_eq(ack_pending(&tr), 2);
    ASSERT_ACKED(&tr, "0-101-1");
    cr_assert(ack_done(&tr, a, true));
    ASSERT_ACKED(&tr, "0-101-4");
    cr_assert_eq(ack_pending(&tr), 0);
    ack_free(&tr);
}

Test(notify_ack, domains_advance_independently)
{
    ack_tracker_t tr;
    vr_gtid_t g0 = {0, 101, 7}, g1 = {1, 201, 3};
    uint64_t a, b;
    ack_init(&tr, NULL, NULL, NULL);
    a = ack_begin(&tr);
    ack_add(&tr);
    ack_seal(&tr, &g0, 0);
    b = ack_begin(&tr);
    ack_add(&tr);
    ack_seal(&tr, &g1, 0);
    ack_mark(&tr, &g0, 0); /* a different domain from the tail: not folded */
    cr_assert_eq(ack_pending(&tr), 3);
    cr_assert(ack_done(&tr, b, true));
    cr_assert(ack_done(&tr, a, true));
    ASSERT_ACKED(&tr, "0-101-7,1-201-3");
    ack_free(&tr);
}

Test(notify_ack, many_transactions_grow_the_ring_and_wrap)
{
    ack_tracker_t tr;
    uint64_t seqs[1000];
    int i, round;
    ack_init(&tr, NULL, NULL, NULL);
    for (round = 0; round < 3; round++) {
        for (i = 0; i < 1000; i++)
            seqs[i] = txn(&tr, (uint64_t)(round * 1000 + i + 1), 1 + i % 3);
        for (i = 999; i >= 0; i--) { /* reverse order: nothing moves until the first */
            int k;
            for (k = 0; k < 1 + i % 3; k++)
                cr_assert(ack_done(&tr, seqs[i], true));
            if (i)
                cr_assert_eq(ack_pending(&tr), 1000, "round %d i %d", round, i);
        }
        cr_assert_eq(ack_pending(&tr), 0);
    }
    ASSERT_ACKED(&tr, "0-101-3000");
    cr_assert_eq(tr.acked_txns, 3000);
    ack_free(&tr);
}

Test(notify_ack, unadd_takes_back_a_failed_produce)
{
    ack_tracker_t tr;
    uint64_t a;
    vr_gtid_t g = G(1);
    ack_init(&tr, NULL, NULL, NULL);
    a = ack_begin(&tr);
    ack_add(&tr);
    ack_add(&tr);
    ack_unadd(&tr);
    ack_seal(&tr, &g, 0);
    cr_assert_eq(tr.outstanding, 1);
    cr_assert(ack_done(&tr, a, true));
    ASSERT_ACKED(&tr, "0-101-1");
    cr_assert_not(ack_done(&tr, a, true), "no message left to report");
    cr_assert_eq(ack_add(&tr), 0, "no open transaction");
    ack_free(&tr);
}
