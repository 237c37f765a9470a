/*
 * Lookup vindexes through the gateway's planner, on a real cluster (three
 * mariadbd tablets from tests/integration/lookup/cluster.json: keyspace
 * `lookup` unsharded, keyspace `user` sharded -80/80-, one primary per
 * shard, base port 12000, in a temp folder).  The `user` table owns a
 * consistent_lookup_unique (email), a lookup (name) and a
 * lookup_hash_unique (phone); `account` owns a lookup_unique (login)
 * and a consistent_lookup (team);
 * `device` owns an autocommit lookup_unique (serial) and a write_only
 * lookup (tag).  The lookup tables live in `lookup`.
 *
 * Checked through the real `mariadb` client and Connector/C against an
 * in-process gateway, and on the tablets directly: lookup rows written
 * with the right keyspace ids by inserts, routing through the lookup
 * table (`vexplain queries` shows the lookup query, then the one shard),
 * unknown values, IN lists across shards, unique duplicates refused with
 * no stray rows, consistent lookups taking over orphan rows, delete and
 * update keeping the lookup tables in step, transactions, autocommit and
 * write_only vindexes, NULLs.
 *
 * Each test uses its own ids and values and removes its rows, so the tests
 * do not depend on each other's order (they run one at a time).
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "vr_buf.h"
#include "vr_cluster.h"
#include "vr_gateway.h"
#include "gw_testutil.h"
#include "vr_harness.h"
#include "vr_topo.h"
#include "vr_vindex.h"

static const char *work;
static int port;

static void setup(void)
{
    work = getenv("VR_GL_WORK");
    cr_assert_eq(gwt_start(work), 0);
    port = gwt_port();
}

TestSuite(lookup, .init = setup, .fini = gwt_stop, .timeout = 240);

/* Statements run in the `user` keyspace. */
static int cli(char **out, const char *sql)
{
    return gwt_cli(out, "user", sql);
}

static void expect(const char *sql, const char *want)
{
    gwt_expect("user", sql, want);
}

static void expect_error(const char *sql, const char *needle)
{
    gwt_expect_error("user", sql, needle);
}

/* The shard queries vexplain reports, in order, as "ks/shard: query". */
static char *explain(const char *sql)
{
    char *out = NULL, *q = vr_xasprintf("vexplain queries %s", sql);
    int rc = cli(&out, q);
    char *lines;
    free(q);
    cr_assert_eq(rc, 0, "vexplain queries %s: %s", sql, out);
    {
        /* "#\tks\tshard\tquery" -> "ks/shard: query" */
        vr_buf_t b = VR_BUF_INIT;
        char *save = NULL, *line;
        for (line = strtok_r(out, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
            char *ks = strchr(line, '\t'), *shard, *query;
            cr_assert_not_null(ks, "%s", line);
            shard = strchr(ks + 1, '\t');
            cr_assert_not_null(shard, "%s", line);
            query = strchr(shard + 1, '\t');
            cr_assert_not_null(query, "%s", line);
            *shard = *query = 0;
            vr_buf_printf(&b, "%s/%s: %s\n", ks + 1, shard + 1, query + 1);
        }
        lines = vr_xasprintf("%s", b.data ? b.data : "");
        vr_buf_free(&b);
    }
    free(out);
    return lines;
}

static void expect_explain(const char *sql, const char *want)
{
    char *out = explain(sql);
    cr_expect_str_eq(out, want, "vexplain queries %s", sql);
    free(out);
}

static void expect_lookup(const char *sql, const char *want)
{
    gwt_expect_tablet("lookup", "0", sql, want);
}

/* hash(id) as upper-case hex, computed by the keyspace library (the
 * same function Vitess uses). */
static char *kid_hex(long id, uint8_t *kid_out, size_t *len_out)
{
    char txt[32];
    uint8_t kid[VR_KEYSPACE_ID_MAX];
    size_t len = 0, i;
    vr_error_t err;
    char *hex;
    snprintf(txt, sizeof(txt), "%ld", id);
    cr_assert_eq(vr_vindex_map(VR_VINDEX_HASH, (const uint8_t *)txt, strlen(txt), kid, &len, &err),
                 VR_OK, "%s", err.msg);
    hex = vr_xcalloc(2 * len + 1, 1);
    for (i = 0; i < len; i++)
        snprintf(hex + 2 * i, 3, "%02X", kid[i]);
    if (kid_out)
        memcpy(kid_out, kid, len);
    if (len_out)
        *len_out = len;
    return hex;
}

/* The user shard ("-80" or "80-") that holds id. */
static const char *shard_of(long id)
{
    uint8_t kid[VR_KEYSPACE_ID_MAX];
    size_t len = 0;
    free(kid_hex(id, kid, &len));
    return kid[0] < 0x80 ? "-80" : "80-";
}

static void expect_email_row(const char *email, long id)
{
    char *hex = kid_hex(id, NULL, NULL), *want = vr_xasprintf("%s\t%s\n", email, hex);
    char *sql = vr_xasprintf("select email, hex(keyspace_id) from user_email_lkp where "
                             "email = '%s'",
                             email);
    expect_lookup(sql, want);
    free(sql);
    free(want);
    free(hex);
}

static const char *EMAIL_Q = "select email, keyspace_id from user_email_lkp where email in";

Test(lookup, insert_writes_lookup_rows)
{
    char *h1 = kid_hex(1, NULL, NULL), *h6 = kid_hex(6, NULL, NULL), *want, *ex;
    cr_assert_str_neq(shard_of(1), shard_of(6), "ids 1 and 6 must sit on different shards");
    ex = explain("insert into user(id, email, name, phone) values (1, 'a@x.com', 'ann', '555-1'), "
                 "(6, 'b@x.com', 'bob', '555-6')");
    /* the lookup rows go in first, then the user rows, one shard each */
    want = vr_xasprintf(
        "lookup/0: insert into user_email_lkp(email, keyspace_id) values ('a@x.com', X'%s'), "
        "('b@x.com', X'%s')\n"
        "lookup/0: insert into user_name_lkp(`name`, keyspace_id) values ('ann', X'%s'), "
        "('bob', X'%s')\n"
        "lookup/0: insert into user_phone_lkp(phone, user_id) values ('555-1', 1), "
        "('555-6', 6)\n"
        "user/%s: insert into `user`(id, email, `name`, phone) values (1, 'a@x.com', 'ann', "
        "'555-1')\n"
        "user/%s: insert into `user`(id, email, `name`, phone) values (6, 'b@x.com', 'bob', "
        "'555-6')\n",
        h1, h6, h1, h6, shard_of(1), shard_of(6));
    /* the formatter prints hex in its own case: compare case-blind */
    cr_expect(strcasecmp(ex, want) == 0, "insert explain:\n%s\nwant:\n%s", ex, want);
    free(ex);
    free(want);
    expect_email_row("a@x.com", 1);
    expect_email_row("b@x.com", 6);
    want = vr_xasprintf("ann\t%s\nbob\t%s\n", h1, h6);
    expect_lookup("select name, hex(keyspace_id) from user_name_lkp where name in ('ann', 'bob') "
                  "order by name",
                  want);
    free(want);
    /* lookup_hash: the value whose hash is the keyspace id (the id here) */
    expect_lookup("select phone, user_id from user_phone_lkp where phone like '555-_' order by "
                  "phone",
                  "555-1\t1\n555-6\t6\n");
    gwt_expect_tablet("user", shard_of(1), "select id, email from user where id in (1, 6)",
                  "1\ta@x.com\n");
    gwt_expect_tablet("user", shard_of(6), "select id, email from user where id in (1, 6)",
                  "6\tb@x.com\n");
    /* delete removes the lookup rows of every deleted row */
    expect("delete from user where id in (1, 6)", "");
    {
        char *q = vr_xasprintf("%s ('a@x.com', 'b@x.com')", EMAIL_Q);
        expect_lookup(q, "");
        free(q);
    }
    expect_lookup("select count(*) from user_name_lkp where name in ('ann', 'bob')", "0\n");
    expect_lookup("select count(*) from user_phone_lkp where phone like '555-_'", "0\n");
    free(h1);
    free(h6);
}

Test(lookup, select_routes_through_lookup)
{
    char *want;
    expect("insert into user(id, email, name, phone) values (11, 'c@x.com', 'carl', '555-11'), "
           "(16, 'd@x.com', 'carl', '555-16'), (12, 'e@x.com', 'eve', NULL)",
           "");
    expect("select id, name from user where email = 'd@x.com'", "16\tcarl\n");
    want = vr_xasprintf("lookup/0: select email, keyspace_id from user_email_lkp where email in "
                        "('d@x.com')\n"
                        "user/%s: select id, `name` from `user` where email = 'd@x.com'\n",
                        shard_of(16));
    expect_explain("select id, name from user where email = 'd@x.com'", want);
    free(want);
    /* IN across both shards: one lookup query, then each shard once */
    cr_assert_str_neq(shard_of(11), shard_of(16));
    expect("select id from user where email in ('c@x.com', 'd@x.com') order by id", "11\n16\n");
    {
        char *ex = explain("select id from user where email in ('c@x.com', 'd@x.com')");
        cr_expect(strstr(ex, "lookup/0: select email, keyspace_id from user_email_lkp where "
                             "email in ('c@x.com', 'd@x.com')\n") == ex,
                  "the lookup query first: %s", ex);
        {
            size_t nl = 0;
            const char *c;
            for (c = ex; *c; c++)
                nl += *c == '\n';
            cr_expect_eq(nl, 3, "three queries: %s", ex);
        }
        cr_expect(strstr(ex, "user/-80: select id from `user` where email in ('c@x.com', "
                             "'d@x.com')\n") != NULL,
                  "%s", ex);
        cr_expect(strstr(ex, "user/80-: select id from `user` where email in ('c@x.com', "
                             "'d@x.com')\n") != NULL,
                  "%s", ex);
        free(ex);
    }
    /* non-unique lookup: both rows named carl, on their two shards */
    expect("select id from user where name = 'carl' order by id", "11\n16\n");
    /* lookup_hash_unique: user_id 11 hashes to 11's shard */
    want = vr_xasprintf("lookup/0: select phone, user_id from user_phone_lkp where phone in "
                        "('555-11')\n"
                        "user/%s: select id from `user` where phone = '555-11'\n",
                        shard_of(11));
    expect_explain("select id from user where phone = '555-11'", want);
    free(want);
    expect("select id from user where phone = '555-11'", "11\n");
    /* a NULL phone (ignore_nulls) wrote no lookup row, the others did */
    expect_lookup("select count(*) from user_phone_lkp where phone like '555-1_'", "2\n");
    expect_lookup("select count(*) from user_name_lkp where name = 'eve'", "1\n");
    /* an unknown value: the lookup query finds nothing, and only the
     * shape of the empty answer is asked of one shard */
    expect("select * from user where email = 'nobody@x.com'", "");
    expect_explain("select * from user where email = 'nobody@x.com'",
                   "lookup/0: select email, keyspace_id from user_email_lkp where email in "
                   "('nobody@x.com')\n"
                   "user/-80: select * from `user` where 1 != 1\n");
    expect("select count(*) from user where email = 'nobody@x.com'", "0\n");
    {
        MYSQL *m = mysql_init(NULL);
        MYSQL_RES *res;
        const char *q = "select * from user where email = 'nobody@x.com'";
        cr_assert_not_null(mysql_real_connect(m, "127.0.0.1", "app", "app", "user",
                                              (unsigned)port, NULL, 0),
                           "%s", mysql_error(m));
        cr_assert_eq(mysql_query(m, q), 0, "%s", mysql_error(m));
        res = mysql_store_result(m);
        cr_expect_not_null(res, "an empty result set, not an OK packet");
        if (res) {
            cr_expect_eq(mysql_num_fields(res), 5);
            cr_expect_eq(mysql_num_rows(res), 0);
            mysql_free_result(res);
        }
        /* a primary vindex condition still wins over the lookup */
        cr_assert_eq(mysql_query(m, "select email from user where id = 12 and email = 'x'"), 0,
                     "%s", mysql_error(m));
        res = mysql_store_result(m);
        cr_expect_not_null(res);
        mysql_free_result(res);
        mysql_close(m);
    }
    want = vr_xasprintf("user/%s: select email from `user` where id = 12 and email = 'e@x.com'\n",
                        shard_of(12));
    expect_explain("select email from user where id = 12 and email = 'e@x.com'", want);
    free(want);
    /* UPDATE and DELETE route through the lookup too (name is a lookup
     * column: the update also moves its lookup row, on id 11's shard) */
    {
        char *ex = explain("update user set name = 'carla' where email = 'c@x.com'");
        cr_expect(strstr(ex, "lookup/0: select email, keyspace_id from user_email_lkp where "
                             "email in ('c@x.com')\n") == ex,
                  "lookup query first: %s", ex);
        cr_expect(strstr(ex, "update `user` set `name` = 'carla' where email = 'c@x.com'") !=
                      NULL,
                  "%s", ex);
        {
            char *other = vr_xasprintf("user/%s:", shard_of(16));
            cr_expect(strstr(ex, other) == NULL, "only the shard of id 11: %s", ex);
            free(other);
        }
        free(ex);
    }
    expect("select name from user where id = 11", "carla\n");
    expect("delete from user where email = 'nobody@x.com'", "");
    expect("delete from user where id in (11, 16, 12)", "");
    expect_lookup("select count(*) from user_email_lkp where email in ('c@x.com', 'd@x.com', "
                  "'e@x.com')",
                  "0\n");
    expect_lookup("select count(*) from user_name_lkp where name in ('carl', 'carla', 'eve')",
                  "0\n");
}

Test(lookup, unique_duplicates)
{
    char *q;
    /* consistent_lookup_unique: the value's owner row exists -> refused */
    expect("insert into user(id, email) values (21, 'dup@x.com')", "");
    expect_error("insert into user(id, email) values (26, 'dup@x.com')", "ALREADY_EXISTS");
    expect_error("insert into user(id, email) values (26, 'dup@x.com')", "Duplicate entry");
    expect("select count(*) from user where id = 26", "0\n");
    expect_email_row("dup@x.com", 21);
    /* a failed owner row write leaves no lookup row behind */
    expect_error("insert into user(id, email, name) values (21, 'new@x.com', 'nina')",
                 "Duplicate entry '21'");
    q = vr_xasprintf("%s ('new@x.com')", EMAIL_Q);
    expect_lookup(q, "");
    free(q);
    expect_lookup("select count(*) from user_name_lkp where name = 'nina'", "0\n");
    /* consistent lookup: an orphan row (no owner row) is taken over */
    {
        char *hex = kid_hex(99, NULL, NULL), *sql;
        sql = vr_xasprintf("insert into user_email_lkp values ('orphan@x.com', X'%s')", hex);
        free(gwt_on_tablet("lookup", "0", sql));
        free(sql);
        free(hex);
    }
    expect_email_row("orphan@x.com", 99);
    expect("insert into user(id, email) values (31, 'orphan@x.com')", "");
    expect_email_row("orphan@x.com", 31);
    expect("select id from user where email = 'orphan@x.com'", "31\n");
    /* lookup_unique: any existing value is refused, Vitess's wording */
    expect("insert into account(id, login) values (1, 'joe')", "");
    expect_error("insert into account(id, login) values (6, 'joe')",
                 "lookup.Create: Code: ALREADY_EXISTS");
    expect("select count(*) from account where id = 6", "0\n");
    expect_lookup("select count(*) from account_login_lkp where login = 'joe'", "1\n");
    expect("select id from account where login = 'joe'", "1\n");
    /* a NULL email (ignore_nulls false) is refused as Vitess does */
    expect_error("insert into user(id, email) values (32, null)",
                 "lookup.Create: input has null values: row: 0, col: email");
    expect("select count(*) from user where id = 32", "0\n");
    expect("delete from user where id in (21, 31); delete from account where id = 1", "");
    expect_lookup("select count(*) from user_email_lkp where email in ('dup@x.com', "
                  "'orphan@x.com')",
                  "0\n");
    expect_lookup("select count(*) from account_login_lkp", "0\n");
}

Test(lookup, update_moves_lookup_rows)
{
    char *want;
    expect("insert into user(id, email, name, phone) values (41, 'old@x.com', 'olga', '555-41'), "
           "(46, 'taken@x.com', 'tom', '555-46')",
           "");
    /* update by primary vindex: the old lookup row goes, the new comes */
    {
        char *ex = explain("update user set email = 'new41@x.com' where id = 41");
        char *hex = kid_hex(41, NULL, NULL);
        want = vr_xasprintf(
            "user/%s: select id, email, 'new41@x.com' from `user` where id = 41 for update\n"
            "lookup/0: delete from user_email_lkp where email = 'old@x.com' and keyspace_id = "
            "X'%s'\n"
            "lookup/0: insert into user_email_lkp(email, keyspace_id) values ('new41@x.com', "
            "X'%s')\n"
            "user/%s: update `user` set email = 'new41@x.com' where id = 41\n",
            shard_of(41), hex, hex, shard_of(41));
        cr_expect(strcasecmp(ex, want) == 0, "update explain:\n%s\nwant:\n%s", ex, want);
        free(ex);
        free(want);
        free(hex);
    }
    expect_email_row("new41@x.com", 41);
    expect_lookup("select count(*) from user_email_lkp where email = 'old@x.com'", "0\n");
    expect("select id from user where email = 'new41@x.com'", "41\n");
    /* to a value another row owns: refused, nothing changes */
    expect_error("update user set email = 'taken@x.com' where id = 41", "Duplicate entry");
    expect("select email from user where id = 41", "new41@x.com\n");
    expect_email_row("new41@x.com", 41);
    expect_email_row("taken@x.com", 46);
    /* an update not touching lookup columns does no lookup work */
    want = vr_xasprintf("user/%s: update `user` set score = 5 where id = 46\n", shard_of(46));
    expect_explain("update user set score = 5 where id = 46", want);
    free(want);
    /* one setting a lookup column to its value writes no lookup row */
    want = vr_xasprintf("user/%s: select id, phone, phone from `user` where id = 46 for update\n"
                        "user/%s: update `user` set phone = phone where id = 46\n",
                        shard_of(46), shard_of(46));
    expect_explain("update user set phone = phone where id = 46", want);
    free(want);
    /* a non-unique and a lookup_hash column through a lookup route */
    expect("update user set name = 'tim', phone = '555-460' where email = 'taken@x.com'", "");
    expect_lookup("select count(*) from user_name_lkp where name = 'tom'", "0\n");
    expect_lookup("select phone, user_id from user_phone_lkp where phone in ('555-46', "
                  "'555-460')",
                  "555-460\t46\n");
    expect("select id from user where name = 'tim'", "46\n");
    /* delete through the lookup route removes every lookup row */
    expect("delete from user where email = 'taken@x.com'", "");
    expect_lookup("select count(*) from user_email_lkp where email = 'taken@x.com'", "0\n");
    expect_lookup("select count(*) from user_name_lkp where name = 'tim'", "0\n");
    expect_lookup("select count(*) from user_phone_lkp where phone = '555-460'", "0\n");
    expect("delete from user where id = 41", "");
    expect_lookup("select count(*) from user_email_lkp where email like '%41@x.com'", "0\n");
}

Test(lookup, transactions)
{
    /* rolled back: neither the user row nor its lookup rows stay */
    expect("begin; insert into user(id, email, name) values (51, 't51@x.com', 'tina'), "
           "(56, 't56@x.com', 'tina');"
           "select id from user where email = 't56@x.com'; rollback;"
           "select count(*) from user where id in (51, 56)",
           "56\n0\n");
    expect_lookup("select count(*) from user_email_lkp where email in ('t51@x.com', 't56@x.com')",
                  "0\n");
    expect_lookup("select count(*) from user_name_lkp where name = 'tina'", "0\n");
    /* committed: both */
    expect("begin; insert into user(id, email) values (51, 't51@x.com'); commit;"
           "select id from user where email = 't51@x.com'",
           "51\n");
    expect_email_row("t51@x.com", 51);
    /* a delete rolled back keeps the lookup row */
    expect("begin; delete from user where id = 51; rollback; select id from user where email = "
           "'t51@x.com'",
           "51\n");
    expect_email_row("t51@x.com", 51);
    /* a failure after lookup rows were written inside a transaction rolls
     * the transaction back (no half-done statement stays) */
    expect_error("begin; insert into user(id, email) values (57, 't57@x.com');"
                 "insert into user(id, email) values (51, 't51b@x.com');",
                 "transaction rolled back");
    expect("select count(*) from user where id = 57", "0\n");
    expect_lookup("select count(*) from user_email_lkp where email in ('t57@x.com', "
                  "'t51b@x.com')",
                  "0\n");
    expect("delete from user where id = 51", "");
    expect_lookup("select count(*) from user_email_lkp where email = 't51@x.com'", "0\n");
    /* autocommit vindex: its row is written outside the transaction */
    expect("begin; insert into device(id, serial, tag) values (61, 'sn-61', 'red'); rollback;"
           "select count(*) from device where id = 61",
           "0\n");
    expect_lookup("select count(*) from device_serial_lkp where serial = 'sn-61'", "1\n");
    /* ... and a leftover row does not block the value (kept as is) */
    expect("insert into device(id, serial, tag) values (61, 'sn-61', 'red')", "");
    expect("select id from device where serial = 'sn-61'", "61\n");
    /* write_only: written, but never routed through */
    expect_lookup("select count(*) from device_tag_lkp where tag = 'red'", "1\n");
    expect_explain("select id from device where tag = 'red'",
                   "user/-80: select id from device where tag = 'red'\n"
                   "user/80-: select id from device where tag = 'red'\n");
    expect("delete from device where id = 61", "");
    expect_lookup("select count(*) from device_tag_lkp where tag = 'red'", "0\n");
    expect_lookup("select count(*) from device_serial_lkp where serial = 'sn-61'", "0\n");
}

/* consistent_lookup (non-unique): rows per (value, keyspace id); a
 * leftover row for the very pair an insert needs is simply kept. */
Test(lookup, consistent_non_unique)
{
    char *h2 = kid_hex(2, NULL, NULL), *h7 = kid_hex(7, NULL, NULL), *h3 = kid_hex(3, NULL, NULL);
    char *want, *ex, *sql;
    expect("insert into account(id, login, team) values (2, 'al', 'red'), (7, 'bo', 'red')", "");
    want = strcmp(h2, h7) < 0 ? vr_xasprintf("red\t%s\nred\t%s\n", h2, h7)
                              : vr_xasprintf("red\t%s\nred\t%s\n", h7, h2);
    expect_lookup("select team, hex(keyspace_id) from account_team_lkp where team = 'red' "
                  "order by 2",
                  want);
    free(want);
    expect("select id from account where team = 'red' order by id", "2\n7\n");
    /* the pair (blue, ksid of 3) is there before its owner row */
    sql = vr_xasprintf("insert into account_team_lkp values ('blue', X'%s')", h3);
    free(gwt_on_tablet("lookup", "0", sql));
    free(sql);
    ex = explain("insert into account(id, login, team) values (3, 'cy', 'blue')");
    want = vr_xasprintf(
        "lookup/0: insert into account_login_lkp(login, keyspace_id) values ('cy', X'%s')\n"
        "lookup/0: insert into account_team_lkp(team, keyspace_id) values ('blue', X'%s')\n"
        "lookup/0: select keyspace_id from account_team_lkp where team = 'blue' and "
        "keyspace_id = X'%s' for update\n"
        "user/%s: insert into account(id, login, team) values (3, 'cy', 'blue')\n",
        h3, h3, h3, shard_of(3));
    cr_expect(strcasecmp(ex, want) == 0, "insert explain:\n%s\nwant:\n%s", ex, want);
    free(ex);
    free(want);
    expect("select id, login from account where team = 'blue'", "3\tcy\n");
    expect_lookup("select count(*) from account_team_lkp where team = 'blue'", "1\n");
    expect("delete from account where id in (2, 3, 7)", "");
    expect_lookup("select count(*) from account_team_lkp where team in ('red', 'blue')", "0\n");
    expect_lookup("select count(*) from account_login_lkp", "0\n");
    free(h2);
    free(h7);
    free(h3);
}

/* ---- one cluster for the whole program ---- */

static int up_at(int base, char **out)
{
    vr_h_run(NULL, "rm -rf %s/lk %s/var && cp -r %s/tests/integration/lookup %s/lk && sed -i "
                   "'s/\"base_port\": 12000/\"base_port\": %d/; s/\"port\": 12450/\"port\": %d/' "
                   "%s/lk/cluster.json",
             work, work, VR_SOURCE_DIR, work, base, base + 450, work);
    return vr_h_run(out, "%s up --config %s/lk/cluster.json --var %s/var", vr_h_vrepl_bin(), work,
                    work);
}

static int cluster_up(void)
{
    /* slots in 12000-12500 (below Linux's ephemeral ports) that do not
     * overlap: tablets at base+100, +200, +300, vrepl serve at base+450
     * (its status page at +451).  A port taken (another run of this
     * program, say) makes vrepl up start nothing; the next slot is tried,
     * twice round with a pause */
    static const int slots[] = {12000, 12010, 12020, 12030, 12040,
                                12000, 12010, 12020, 12030, 12040};
    char *out = NULL, *dir = vr_h_tmpdir("gwlookup");
    size_t i;
    int rc = -1;
    setenv("VR_GL_WORK", dir, 1);
    work = getenv("VR_GL_WORK");
    free(dir);
    for (i = 0; i < sizeof(slots) / sizeof(slots[0]); i++) {
        free(out);
        out = NULL;
        rc = up_at(slots[i], &out);
        if (rc == 0 || !strstr(out, "already in use"))
            break;
        if (i == 4)
            sleep(2);
    }
    if (rc != 0) {
        fprintf(stderr, "vrepl up failed: %s\n", out);
        free(out);
        return -1;
    }
    free(out);
    return 0;
}

int main(int argc, char **argv)
{
    return gwt_main(argc, argv, "VR_GL_WORK", cluster_up);
}
