/*
 * test_gateway.c - the MySQL-protocol gateway end to end: a real mariadbd,
 * the gateway in this process with the passthrough handler on a free port,
 * and real clients: the `mariadb` CLI and Connector/C (text queries,
 * prepared statements with every parameter type, binary result sets,
 * multi-statements, errors), raw sockets for what no well-behaved client
 * sends, and the `vrepl gateway` command.  Where possible the expected
 * answer is the one the same client gets from mariadbd directly.
 *
 * No Criterion .timeout here: Criterion 2.4.1's runner leaks a timer entry
 * under --jobs 2 when a test with a timeout runs a few seconds, which ASan
 * reports; every wait has its own deadline instead.
 */
#include <arpa/inet.h>
#include <criterion/criterion.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <errmsg.h>
#include <mysql.h>

#include "proto.h"
#include "vr_gateway.h"
#include "vr_harness.h"

/* ---- fixture ---- */

typedef struct gw_fix {
    vr_h_server_t *db;
    vr_gw_server_t *gw;
    vr_gw_handler_t h;
    int port;
} gw_fix_t;

/* Test-lifetime memory (each test runs in its own process). */
static vr_arena_t *arena(void)
{
    static vr_arena_t *a;
    if (!a)
        a = vr_arena_new(0);
    return a;
}

static const char *const schema_sql[] = {
    "create database shop",
    "create table shop.items ("
    " id int primary key auto_increment,"
    " t tinyint, tu tinyint unsigned, s smallint, m mediumint, i int, iu int unsigned,"
    " b bigint, bu bigint unsigned, f float, d double, dc decimal(14,3),"
    " dt date, tm time(6), dtm datetime(6), ts timestamp(3) null default null, y year,"
    " c char(5), v varchar(50), tx text, bl blob, vb varbinary(20), bt bit(10),"
    " e enum('a','b'), st set('x','y'), j json) engine=innodb",
    "insert into shop.items values"
    " (1, -128, 255, -32768, -8388608, -2147483648, 4294967295, -9223372036854775808,"
    "  18446744073709551615, -1.5, 2.718281828459045, -12345678901.125, '2024-02-29',"
    "  '-838:59:59.000000', '2024-02-29 13:14:15.123456', '2038-01-19 03:14:07.999', 2155,"
    "  'abc', 'it''s \\\\ é', 'long text', x'00ff5c27', x'bf5c', b'1010101010', 'b', 'x,y',"
    "  '{\"k\": [1, \"two\"]}'),"
    " (2, 127, 0, 32767, 8388607, 2147483647, 0, 9223372036854775807, 0, 3.25e10, -0.1, 0.5,"
    "  '0000-00-00', '00:00:00', '1000-01-01 00:00:00', null, 1901, '', '', '', '', '', b'0',"
    "  'a', '', 'null'),"
    " (3, null, null, null, null, null, null, null, null, null, null, null, null, null,"
    "  null, null, null, null, null, null, null, null, null, null, null, null)",
    "create table shop.kv (k int primary key, v varchar(20))",
};

typedef struct fix_opts {
    size_t max_packet;
    const char *tls_dir;
    int connect_timeout_ms;
    unsigned workers;
} fix_opts_t;

static void gw_up_opts(gw_fix_t *f, const fix_opts_t *o)
{
    static const vr_gw_user_t users[] = {{"app", "app"}};
    vr_gw_backend_t be = {0};
    vr_gw_config_t cfg;
    vr_error_t err;
    MYSQL *c;
    size_t i;

    memset(f, 0, sizeof(*f));
    f->db = vr_h_server_start(NULL);
    c = vr_h_connect(f->db, NULL);
    for (i = 0; i < VR_ARRAY_LEN(schema_sql); i++)
        vr_h_exec(c, "%s", schema_sql[i]);
    mysql_close(c);
    be.host = "127.0.0.1";
    be.port = vr_h_server_port(f->db);
    be.user = "root";
    cr_assert_eq(vr_gw_passthrough_new(&be, &f->h, &err), VR_OK, "%s", err.msg);
    memset(&cfg, 0, sizeof(cfg));
    cfg.users = users;
    cfg.n_users = 1;
    cfg.max_allowed_packet = o->max_packet;
    cfg.connect_timeout_ms = o->connect_timeout_ms;
    cfg.workers = o->workers;
    cfg.handler = f->h;
    if (o->tls_dir) {
        cfg.tls_cert = vr_arena_printf(arena(), "%s/cert.pem", o->tls_dir);
        cfg.tls_key = vr_arena_printf(arena(), "%s/key.pem", o->tls_dir);
    }
    cr_assert_eq(vr_gw_server_new(&cfg, &f->gw, &err), VR_OK, "%s", err.msg);
    cr_assert_eq(vr_gw_server_start(f->gw, &err), VR_OK, "%s", err.msg);
    f->port = vr_gw_server_port(f->gw);
}

static void gw_up(gw_fix_t *f)
{
    fix_opts_t o = {0, NULL, 0, 0};
    gw_up_opts(f, &o);
}

static void gw_down(gw_fix_t *f)
{
    vr_gw_server_free(f->gw);
    vr_gw_passthrough_free(&f->h);
    vr_h_server_stop(f->db);
}

static MYSQL *gw_try_connect(gw_fix_t *f, const char *user, const char *pw, const char *db,
                             unsigned long flags)
{
    MYSQL *c = mysql_init(NULL);
    unsigned timeout = 30;
    mysql_optionsv(c, MYSQL_OPT_READ_TIMEOUT, &timeout);
    mysql_real_connect(c, "127.0.0.1", user, pw, db, (unsigned)f->port, NULL, flags);
    return c;
}

static MYSQL *gw_connect(gw_fix_t *f, const char *db, unsigned long flags)
{
    MYSQL *c = gw_try_connect(f, "app", "app", db, flags);
    cr_assert_eq(mysql_errno(c), 0, "connecting to the gateway: %s", mysql_error(c));
    return c;
}

static char *mariadb_cli(gw_fix_t *f, int *rc, const char *args)
{
    char *out = NULL;
    *rc = vr_h_run(&out, "mariadb --no-defaults -h127.0.0.1 -P%d %s", f->port, args);
    return out;
}

/* ---- the mariadb command-line client ---- */

Test(gateway, mariadb_cli_queries)
{
    gw_fix_t f;
    char *out;
    int rc;
    gw_up(&f);

    out = mariadb_cli(&f, &rc, "-uapp -papp shop -e 'select id, v, dc, dt from items order by id'");
    cr_assert_eq(rc, 0, "%s", out);
    cr_assert_str_eq(out, "id\tv\tdc\tdt\n"
                          "1\tit's \\\\ é\t-12345678901.125\t2024-02-29\n"
                          "2\t\t0.500\t0000-00-00\n"
                          "3\tNULL\tNULL\tNULL\n");
    free(out);
    /* a table (-t), several statements, an insert's affected rows (-vvv) */
    out = mariadb_cli(&f, &rc, "-uapp -papp shop -t -e 'select 1 as one; select 2 as two'");
    cr_assert_eq(rc, 0, "%s", out);
    cr_assert_str_eq(out, "+-----+\n| one |\n+-----+\n|   1 |\n+-----+\n"
                          "+-----+\n| two |\n+-----+\n|   2 |\n+-----+\n");
    free(out);
    out = mariadb_cli(&f, &rc,
                      "-uapp -papp shop -vvv -e \"insert into kv values (1,'a'),(2,'b')\"");
    cr_assert_eq(rc, 0, "%s", out);
    cr_assert(strstr(out, "Query OK, 2 rows affected"), "%s", out);
    cr_assert(strstr(out, "Records: 2  Duplicates: 0  Warnings: 0"), "%s", out);
    free(out);
    /* the client's own connect-time probe and its status command */
    out = mariadb_cli(&f, &rc, "-uapp -papp -e 'status'");
    cr_assert_eq(rc, 0, "%s", out);
    cr_assert(strstr(out, "Server:\t\t\tMariaDB"), "%s", out);
    cr_assert(strstr(out, "10.11.19-MariaDB-vrepl-0.1.0"), "%s", out);
    free(out);
    gw_down(&f);
}

Test(gateway, mariadb_cli_errors)
{
    gw_fix_t f;
    char *out, *direct;
    int rc;
    gw_up(&f);

    /* a syntax error reads exactly as it does from mariadbd itself */
    out = mariadb_cli(&f, &rc, "-uapp -papp shop -e 'selec 1'");
    cr_assert_eq(rc, 1);
    cr_assert(vr_h_run(&direct, "mariadb --no-defaults -h127.0.0.1 -P%d -uroot shop -e 'selec 1'",
                       vr_h_server_port(f.db)) == 1);
    cr_assert_str_eq(out, direct);
    cr_assert(strstr(out, "ERROR 1064 (42000) at line 1: You have an error in your SQL syntax; "
                          "check the manual that corresponds to your MariaDB server version "
                          "for the right syntax to use near 'selec 1' at line 1\n"),
              "%s", out);
    free(out);
    free(direct);
    out = mariadb_cli(&f, &rc, "-uapp -pwrong -e 'select 1'");
    cr_assert_eq(rc, 1);
    cr_assert_str_eq(out, "ERROR 1045 (28000): Access denied for user 'app'@'127.0.0.1' "
                          "(using password: YES)\n");
    free(out);
    out = mariadb_cli(&f, &rc, "-ubob -papp -e 'select 1'");
    cr_assert_eq(rc, 1);
    cr_assert_str_eq(out, "ERROR 1045 (28000): Access denied for user 'bob'@'127.0.0.1' "
                          "(using password: YES)\n");
    free(out);
    out = mariadb_cli(&f, &rc, "-uapp -e 'select 1'");
    cr_assert_eq(rc, 1);
    cr_assert_str_eq(out, "ERROR 1045 (28000): Access denied for user 'app'@'127.0.0.1' "
                          "(using password: NO)\n");
    free(out);
    out = mariadb_cli(&f, &rc, "-uapp -papp nosuch -e 'select 1'");
    cr_assert_eq(rc, 1);
    cr_assert_str_eq(out, "ERROR 1049 (42000): Unknown database 'nosuch'\n");
    free(out);
    gw_down(&f);
}

/* ---- Connector/C: text protocol ---- */

static void fields_equal(const MYSQL_FIELD *a, const MYSQL_FIELD *b, unsigned n)
{
    unsigned i;
    for (i = 0; i < n; i++) {
        cr_assert_str_eq(a[i].name, b[i].name);
        cr_assert_str_eq(a[i].org_name, b[i].org_name, "column %s", a[i].name);
        cr_assert_str_eq(a[i].table, b[i].table, "column %s", a[i].name);
        cr_assert_str_eq(a[i].org_table, b[i].org_table, "column %s", a[i].name);
        cr_assert_str_eq(a[i].db, b[i].db, "column %s", a[i].name);
        cr_assert_eq(a[i].type, b[i].type, "column %s", a[i].name);
        cr_assert_eq(a[i].charsetnr, b[i].charsetnr, "column %s", a[i].name);
        cr_assert_eq(a[i].length, b[i].length, "column %s", a[i].name);
        cr_assert_eq(a[i].flags, b[i].flags, "column %s", a[i].name);
        cr_assert_eq(a[i].decimals, b[i].decimals, "column %s", a[i].name);
    }
}

Test(gateway, connector_text_results_match_direct)
{
    gw_fix_t f;
    MYSQL *g, *d;
    MYSQL_RES *rg, *rd;
    MYSQL_ROW a, b;
    unsigned n, i, rows = 0;
    gw_up(&f);
    g = gw_connect(&f, "shop", 0);
    d = vr_h_connect(f.db, "shop");

    cr_assert_eq(mysql_query(g, "select * from items order by id"), 0, "%s", mysql_error(g));
    cr_assert_eq(mysql_query(d, "select * from items order by id"), 0);
    rg = mysql_store_result(g);
    rd = mysql_store_result(d);
    n = mysql_num_fields(rg);
    cr_assert_eq(n, mysql_num_fields(rd));
    fields_equal(mysql_fetch_fields(rg), mysql_fetch_fields(rd), n);
    while ((a = mysql_fetch_row(rg)) != NULL) {
        unsigned long *la = mysql_fetch_lengths(rg), *lb;
        b = mysql_fetch_row(rd);
        lb = mysql_fetch_lengths(rd);
        for (i = 0; i < n; i++) {
            cr_assert_eq(!a[i], !b[i], "row %u column %u NULL-ness", rows, i);
            cr_assert(!a[i] || (la[i] == lb[i] && memcmp(a[i], b[i], la[i]) == 0),
                      "row %u column %u", rows, i);
        }
        rows++;
    }
    cr_assert_eq(rows, 3);
    mysql_free_result(rg);
    mysql_free_result(rd);
    /* OK packets: affected rows, insert id, info, warnings */
    cr_assert_eq(mysql_query(g, "insert into items (v) values ('x'), ('y')"), 0);
    cr_assert_eq(mysql_affected_rows(g), 2);
    cr_assert_eq(mysql_insert_id(g), 4);
    cr_assert_str_eq(mysql_info(g), "Records: 2  Duplicates: 0  Warnings: 0");
    cr_assert_eq(mysql_query(g, "insert ignore into items (t) values (1000)"), 0, "%s",
                 mysql_error(g));
    cr_assert_eq(mysql_affected_rows(g), 1);
    cr_assert_eq(mysql_warning_count(g), 1, "out of range, ignored: a warning");
    cr_assert_eq(mysql_query(g, "select 1/0"), 0);
    mysql_free_result(mysql_store_result(g));
    cr_assert_eq(mysql_warning_count(g), 1, "division by zero: a warning on the EOF");
    /* transaction status follows the backend's */
    cr_assert(!(g->server_status & SERVER_STATUS_IN_TRANS));
    cr_assert_eq(mysql_query(g, "begin"), 0);
    cr_assert(g->server_status & SERVER_STATUS_IN_TRANS);
    cr_assert_eq(mysql_autocommit(g, 0), 0);
    cr_assert(!(g->server_status & SERVER_STATUS_AUTOCOMMIT));
    cr_assert_eq(mysql_rollback(g), 0);
    cr_assert(!(g->server_status & SERVER_STATUS_IN_TRANS));
    mysql_close(g);
    mysql_close(d);
    gw_down(&f);
}

Test(gateway, backend_errors_keep_errno_and_sqlstate)
{
    static const char *const bad[] = {
        "selec 1",
        "select * from nosuch",
        "select nosuchcol from items",
        "insert into kv values (1,'a'),(1,'b')",
    };
    gw_fix_t f;
    MYSQL *g, *d;
    size_t i;
    gw_up(&f);
    g = gw_connect(&f, "shop", 0);
    d = vr_h_connect(f.db, "shop");
    for (i = 0; i < VR_ARRAY_LEN(bad); i++) {
        cr_assert_neq(mysql_query(g, bad[i]), 0, "%s", bad[i]);
        cr_assert_neq(mysql_query(d, bad[i]), 0);
        cr_assert_eq(mysql_errno(g), mysql_errno(d), "%s", bad[i]);
        cr_assert_str_eq(mysql_sqlstate(g), mysql_sqlstate(d), "%s", bad[i]);
        cr_assert_str_eq(mysql_error(g), mysql_error(d), "%s", bad[i]);
    }
    cr_assert_eq(mysql_errno(g), 1062);
    cr_assert_str_eq(mysql_sqlstate(g), "23000");
    /* the session goes on after errors */
    cr_assert_eq(mysql_query(g, "select 1"), 0);
    mysql_free_result(mysql_store_result(g));
    mysql_close(g);
    mysql_close(d);
    gw_down(&f);
}

Test(gateway, multi_statements_and_procedures)
{
    gw_fix_t f;
    MYSQL *g;
    MYSQL_RES *r;
    int status, results = 0;
    char *v;
    gw_up(&f);
    g = gw_connect(&f, "shop", CLIENT_MULTI_STATEMENTS);

    cr_assert_eq(mysql_query(g, "select 1; insert into kv values (7, 'seven'); "
                                "select v from kv where k = 7"),
                 0, "%s", mysql_error(g));
    do {
        r = mysql_store_result(g);
        if (results == 0)
            cr_assert(r && mysql_num_rows(r) == 1);
        if (results == 1)
            cr_assert(!r && mysql_affected_rows(g) == 1);
        if (results == 2)
            cr_assert_str_eq(mysql_fetch_row(r)[0], "seven");
        mysql_free_result(r);
        results++;
    } while ((status = mysql_next_result(g)) == 0);
    cr_assert_eq(status, -1);
    cr_assert_eq(results, 3);

    /* an error in the middle ends the chain with that error */
    cr_assert_eq(mysql_query(g, "select 1; selec 2; select 3"), 0);
    mysql_free_result(mysql_store_result(g));
    cr_assert_gt(mysql_next_result(g), 0);
    cr_assert_eq(mysql_errno(g), 1064);

    /* a compound statement with ';' inside, then a CALL with two results */
    cr_assert_eq(mysql_query(g, "create procedure two() begin select 1 as a; "
                                "select 2 as b; end"),
                 0, "%s", mysql_error(g));
    v = vr_h_query(g, "call two()");
    cr_assert_str_eq(v, "1\n2\n");
    free(v);
    mysql_close(g);
    gw_down(&f);
}

/* ---- Connector/C: prepared statements ---- */

static void bind_time(MYSQL_BIND *b, MYSQL_TIME *t, enum enum_field_types type, int y, int mo,
                      int d, int h, int mi, int s, unsigned long us, bool neg)
{
    memset(t, 0, sizeof(*t));
    t->year = (unsigned)y;
    t->month = (unsigned)mo;
    t->day = (unsigned)d;
    t->hour = (unsigned)h;
    t->minute = (unsigned)mi;
    t->second = (unsigned)s;
    t->second_part = us;
    t->neg = neg;
    t->time_type = type == MYSQL_TYPE_DATE ? MYSQL_TIMESTAMP_DATE
                   : type == MYSQL_TYPE_TIME ? MYSQL_TIMESTAMP_TIME
                                             : MYSQL_TIMESTAMP_DATETIME;
    b->buffer_type = type;
    b->buffer = t;
}

static void bind_str(MYSQL_BIND *b, enum enum_field_types type, const char *s, unsigned long *len,
                     unsigned long n)
{
    *len = n;
    b->buffer_type = type;
    b->buffer = (void *)s;
    b->buffer_length = n;
    b->length = len;
}

/* Insert one row with every parameter type through c as id. */
static void insert_every_type(MYSQL *c, int id)
{
    static const char blob[] = {0, '\xff', '\\', '\'', '\xbf', '\\', 'z'};
    MYSQL_STMT *st = mysql_stmt_init(c);
    MYSQL_BIND b[26];
    MYSQL_TIME tdt, ttm, tdtm;
    signed char t = -7;
    unsigned char tu = 250;
    short s = -300, y = 1999;
    int m = -70000, i = 123456789;
    unsigned iu = 4000000000u;
    long long bb = -5000000000LL;
    unsigned long long bu = 18000000000000000000ULL, bit = 5;
    float fl = 0.1f;
    double d = 1.0 / 3.0;
    unsigned long lens[26];
    my_bool is_null = 1;
    const char *dec = "-98765.432", *ch = "ab'c", *vs = "it's \\ é'\"", *tx = "line\nbreak",
               *en = "b", *set = "x,y", *js = "{\"a\": \"x\\\"y\"}";

    memset(b, 0, sizeof(b));
    b[0].buffer_type = MYSQL_TYPE_LONG;
    b[0].buffer = &id;
    b[1].buffer_type = MYSQL_TYPE_TINY;
    b[1].buffer = &t;
    b[2].buffer_type = MYSQL_TYPE_TINY;
    b[2].buffer = &tu;
    b[2].is_unsigned = 1;
    b[3].buffer_type = MYSQL_TYPE_SHORT;
    b[3].buffer = &s;
    b[4].buffer_type = MYSQL_TYPE_LONG;
    b[4].buffer = &m;
    b[5].buffer_type = MYSQL_TYPE_LONG;
    b[5].buffer = &i;
    b[6].buffer_type = MYSQL_TYPE_LONG;
    b[6].buffer = &iu;
    b[6].is_unsigned = 1;
    b[7].buffer_type = MYSQL_TYPE_LONGLONG;
    b[7].buffer = &bb;
    b[8].buffer_type = MYSQL_TYPE_LONGLONG;
    b[8].buffer = &bu;
    b[8].is_unsigned = 1;
    b[9].buffer_type = MYSQL_TYPE_FLOAT;
    b[9].buffer = &fl;
    b[10].buffer_type = MYSQL_TYPE_DOUBLE;
    b[10].buffer = &d;
    bind_str(&b[11], MYSQL_TYPE_NEWDECIMAL, dec, &lens[11], strlen(dec));
    bind_time(&b[12], &tdt, MYSQL_TYPE_DATE, 2000, 2, 29, 0, 0, 0, 0, false);
    bind_time(&b[13], &ttm, MYSQL_TYPE_TIME, 0, 0, 0, 100, 2, 3, 456, true);
    bind_time(&b[14], &tdtm, MYSQL_TYPE_DATETIME, 1999, 12, 31, 23, 59, 58, 999999, false);
    b[15].buffer_type = MYSQL_TYPE_TIMESTAMP;
    b[15].is_null = &is_null;
    b[16].buffer_type = MYSQL_TYPE_SHORT;
    b[16].buffer = &y;
    bind_str(&b[17], MYSQL_TYPE_STRING, ch, &lens[17], strlen(ch));
    bind_str(&b[18], MYSQL_TYPE_VAR_STRING, vs, &lens[18], strlen(vs));
    bind_str(&b[19], MYSQL_TYPE_STRING, tx, &lens[19], strlen(tx));
    bind_str(&b[20], MYSQL_TYPE_BLOB, blob, &lens[20], sizeof(blob));
    bind_str(&b[21], MYSQL_TYPE_BLOB, blob + 4, &lens[21], 3);
    b[22].buffer_type = MYSQL_TYPE_LONGLONG;
    b[22].buffer = &bit;
    b[22].is_unsigned = 1;
    bind_str(&b[23], MYSQL_TYPE_STRING, en, &lens[23], 1);
    bind_str(&b[24], MYSQL_TYPE_STRING, set, &lens[24], 3);
    bind_str(&b[25], MYSQL_TYPE_STRING, js, &lens[25], strlen(js));

    cr_assert_eq(mysql_stmt_prepare(st, "insert into items values (?,?,?,?,?,?,?,?,?,?,?,?,?,"
                                        "?,?,?,?,?,?,?,?,?,?,?,?,?)",
                                    (unsigned long)-1),
                 0, "%s", mysql_stmt_error(st));
    cr_assert_eq(mysql_stmt_param_count(st), 26);
    cr_assert_eq(mysql_stmt_bind_param(st, b), 0);
    cr_assert_eq(mysql_stmt_execute(st), 0, "%s", mysql_stmt_error(st));
    cr_assert_eq(mysql_stmt_affected_rows(st), 1);
    mysql_stmt_close(st);
}

Test(gateway, prepared_every_parameter_type)
{
    static const char *const cols[] = {"t", "tu", "s", "m", "i", "iu", "b", "bu", "f",
                                       "d", "dc", "dt", "tm", "dtm", "ts", "y", "c", "v",
                                       "tx", "bl", "vb", "bt", "e", "st", "j"};
    gw_fix_t f;
    MYSQL *g, *d;
    size_t i;
    gw_up(&f);
    g = gw_connect(&f, "shop", 0);
    d = vr_h_connect(f.db, "shop");
    insert_every_type(g, 101);  /* through the gateway: literals in SQL text */
    insert_every_type(d, 102);  /* directly: server-side parameters */
    for (i = 0; i < VR_ARRAY_LEN(cols); i++) {
        char *same = vr_h_scalar(d,
                                 "select a.%s <=> b.%s from items a, items b "
                                 "where a.id = 101 and b.id = 102",
                                 cols[i], cols[i]);
        char *ga = vr_h_scalar(d, "select quote(%s) from items where id = 101", cols[i]);
        char *da = vr_h_scalar(d, "select quote(%s) from items where id = 102", cols[i]);
        cr_assert_str_eq(same, "1", "column %s: gateway stored %s, direct stored %s", cols[i],
                         ga, da);
        free(same);
        free(ga);
        free(da);
    }
    mysql_close(g);
    mysql_close(d);
    gw_down(&f);
}

typedef struct col_buf {
    char data[256];
    unsigned long len;
    my_bool is_null, error;
} col_buf_t;

/* Execute sql as a prepared statement and fetch each row with every column
 * bound to its own type; rows appended to out as bytes. */
static unsigned fetch_binary(MYSQL *c, const char *sql, vr_buf_t *out)
{
    MYSQL_STMT *st = mysql_stmt_init(c);
    MYSQL_RES *meta;
    MYSQL_FIELD *fl;
    MYSQL_BIND b[32];
    col_buf_t cb[32];
    unsigned n, i, rows = 0;
    int rc;

    cr_assert_eq(mysql_stmt_prepare(st, sql, (unsigned long)-1), 0, "%s", mysql_stmt_error(st));
    cr_assert_eq(mysql_stmt_execute(st), 0, "%s", mysql_stmt_error(st));
    meta = mysql_stmt_result_metadata(st);
    cr_assert_not_null(meta);
    n = mysql_num_fields(meta);
    fl = mysql_fetch_fields(meta);
    cr_assert_leq(n, 32);
    memset(b, 0, sizeof(b));
    for (i = 0; i < n; i++) {
        b[i].buffer_type = fl[i].type;
        b[i].buffer = cb[i].data;
        b[i].buffer_length = sizeof(cb[i].data);
        b[i].length = &cb[i].len;
        b[i].is_null = &cb[i].is_null;
        b[i].error = &cb[i].error;
        b[i].is_unsigned = (fl[i].flags & UNSIGNED_FLAG) != 0;
    }
    cr_assert_eq(mysql_stmt_bind_result(st, b), 0);
    for (;;) {
        memset(cb, 0, sizeof(cb));
        rc = mysql_stmt_fetch(st);
        if (rc == MYSQL_NO_DATA)
            break;
        cr_assert(rc == 0 || rc == MYSQL_DATA_TRUNCATED, "fetch: %s", mysql_stmt_error(st));
        for (i = 0; i < n; i++) {
            vr_buf_printf(out, "[%u %s null=%d len=%lu err=%d] ", rows, fl[i].name,
                          cb[i].is_null, cb[i].len, cb[i].error);
            if (!cb[i].is_null)
                vr_buf_put_hex(out, (const uint8_t *)cb[i].data,
                               cb[i].len < sizeof(cb[i].data) ? cb[i].len : sizeof(cb[i].data));
            vr_buf_putc(out, '\n');
        }
        rows++;
    }
    mysql_free_result(meta);
    mysql_stmt_close(st);
    return rows;
}

Test(gateway, prepared_binary_results_match_direct)
{
    gw_fix_t f;
    MYSQL *g, *d;
    vr_buf_t a = VR_BUF_INIT, b = VR_BUF_INIT;
    gw_up(&f);
    g = gw_connect(&f, "shop", 0);
    d = vr_h_connect(f.db, "shop");
    cr_assert_eq(fetch_binary(g, "select * from items order by id", &a), 3);
    cr_assert_eq(fetch_binary(d, "select * from items order by id", &b), 3);
    cr_assert_str_eq(a.data, b.data);
    vr_buf_reset(&a);
    vr_buf_reset(&b);
    /* expressions: computed types, NULL type, literals */
    fetch_binary(g, "select 1, -2.5e0, 'x', null, now() - now(), cast(1 as unsigned), "
                    "cast('2020-01-02' as date), sec_to_time(-3661.5)", &a);
    fetch_binary(d, "select 1, -2.5e0, 'x', null, now() - now(), cast(1 as unsigned), "
                    "cast('2020-01-02' as date), sec_to_time(-3661.5)", &b);
    cr_assert_str_eq(a.data, b.data);
    vr_buf_free(&a);
    vr_buf_free(&b);
    mysql_close(g);
    mysql_close(d);
    gw_down(&f);
}

Test(gateway, prepared_long_data_reset_and_reuse)
{
    gw_fix_t f;
    MYSQL *g;
    MYSQL_STMT *st;
    MYSQL_BIND b[2];
    int k = 9;
    unsigned long vlen = 0;
    char *v;
    gw_up(&f);
    g = gw_connect(&f, "shop", 0);
    st = mysql_stmt_init(g);
    cr_assert_eq(mysql_stmt_prepare(st, "insert into kv values (?, ?)", (unsigned long)-1), 0);
    memset(b, 0, sizeof(b));
    b[0].buffer_type = MYSQL_TYPE_LONG;
    b[0].buffer = &k;
    b[1].buffer_type = MYSQL_TYPE_STRING;
    b[1].length = &vlen;
    cr_assert_eq(mysql_stmt_bind_param(st, b), 0);
    cr_assert_eq(mysql_stmt_send_long_data(st, 1, "lo", 2), 0);
    cr_assert_eq(mysql_stmt_send_long_data(st, 1, "ng'", 3), 0);
    cr_assert_eq(mysql_stmt_execute(st), 0, "%s", mysql_stmt_error(st));
    /* the same statement again with a new value: types are remembered */
    k = 10;
    b[1].buffer = "short";
    vlen = 5;
    cr_assert_eq(mysql_stmt_bind_param(st, b), 0);
    cr_assert_eq(mysql_stmt_execute(st), 0, "%s", mysql_stmt_error(st));
    cr_assert_eq(mysql_stmt_reset(st), 0);
    k = 10;
    cr_assert_neq(mysql_stmt_execute(st), 0, "a duplicate key is an error");
    cr_assert_eq(mysql_stmt_errno(st), 1062);
    cr_assert_str_eq(mysql_stmt_sqlstate(st), "23000");
    mysql_stmt_close(st);
    v = vr_h_query(g, "select k, v from kv order by k");
    cr_assert_str_eq(v, "9\tlong'\n10\tshort\n");
    free(v);
    mysql_close(g);
    gw_down(&f);
}

Test(gateway, backend_connection_lost_and_reopened)
{
    gw_fix_t f;
    MYSQL *g, *d;
    char *id, *v;
    gw_up(&f);
    g = gw_connect(&f, "shop", 0);
    d = vr_h_connect(f.db, NULL);
    id = vr_h_scalar(g, "select connection_id()"); /* the backend's id */
    vr_h_exec(d, "kill %s", id);
    cr_assert_neq(mysql_query(g, "select count(*) from items"), 0);
    cr_assert_eq(mysql_errno(g), 1105, "%u %s", mysql_errno(g), mysql_error(g));
    cr_assert(strstr(mysql_error(g), "(errno 20"), "%s", mysql_error(g));
    /* the next statement gets a new backend connection, in the same database */
    v = vr_h_scalar(g, "select count(*) from items");
    cr_assert_str_eq(v, "3");
    free(v);
    v = vr_h_scalar(g, "select connection_id() <> %s", id);
    cr_assert_str_eq(v, "1");
    free(v);
    free(id);
    mysql_close(g);
    mysql_close(d);
    gw_down(&f);
}

/* ---- other commands ---- */

Test(gateway, ping_init_db_field_list_statistics)
{
    gw_fix_t f;
    MYSQL *g;
    MYSQL_RES *r;
    MYSQL_FIELD *fl;
    char *v;
    gw_up(&f);
    g = gw_connect(&f, NULL, 0);
    cr_assert_eq(mysql_ping(g), 0);
    v = vr_h_scalar(g, "select database()");
    cr_assert_str_eq(v, "NULL");
    free(v);
    cr_assert_eq(mysql_select_db(g, "shop"), 0, "%s", mysql_error(g));
    v = vr_h_scalar(g, "select database()");
    cr_assert_str_eq(v, "shop");
    free(v);
    cr_assert_neq(mysql_select_db(g, "nosuch"), 0);
    cr_assert_eq(mysql_errno(g), 1049);
    cr_assert_str_eq(mysql_error(g), "Unknown database 'nosuch'");

    r = mysql_list_fields(g, "items", NULL);
    cr_assert_not_null(r, "%s", mysql_error(g));
    cr_assert_eq(mysql_num_fields(r), 26);
    fl = mysql_fetch_fields(r);
    cr_assert_str_eq(fl[0].name, "id");
    cr_assert_eq(fl[0].type, MYSQL_TYPE_LONG);
    cr_assert(fl[0].flags & PRI_KEY_FLAG);
    cr_assert_str_eq(fl[25].name, "j");
    mysql_free_result(r);
    r = mysql_list_fields(g, "items", "d%");
    cr_assert_not_null(r, "%s", mysql_error(g));
    cr_assert_eq(mysql_num_fields(r), 4, "d, dc, dt, dtm");
    mysql_free_result(r);
    cr_assert_null(mysql_list_fields(g, "nosuch", NULL));
    cr_assert_eq(mysql_errno(g), 1146);

    v = (char *)mysql_stat(g);
    cr_assert(v && strncmp(v, "Uptime: ", 8) == 0, "%s", v ? v : mysql_error(g));
    cr_assert_eq(mysql_reset_connection(g), 0, "%s", mysql_error(g));
    cr_assert_eq(mysql_ping(g), 0);
    mysql_close(g);
    gw_down(&f);
}

/* ---- many clients at once ---- */

typedef struct worker_arg {
    gw_fix_t *f;
    int n;
    char failure[256];
} worker_arg_t;

static void *client_thread(void *p)
{
    worker_arg_t *a = p;
    MYSQL *c;
    MYSQL_STMT *st;
    MYSQL_BIND out;
    int id, j;
    long long got = 0;

    mysql_thread_init();
    c = gw_try_connect(a->f, "app", "app", "shop", 0);
    if (mysql_errno(c)) {
        snprintf(a->failure, sizeof(a->failure), "connect: %s", mysql_error(c));
        goto out;
    }
    st = mysql_stmt_init(c);
    if (mysql_stmt_prepare(st, "select i + ? from items where id = ?", (unsigned long)-1)) {
        snprintf(a->failure, sizeof(a->failure), "prepare: %s", mysql_stmt_error(st));
        mysql_stmt_close(st);
        goto out;
    }
    for (j = 0; j < 20 && !a->failure[0]; j++) {
        MYSQL_BIND ps[2];
        int add = a->n * 100 + j;
        id = 2;
        memset(ps, 0, sizeof(ps));
        ps[0].buffer_type = MYSQL_TYPE_LONG;
        ps[0].buffer = &add;
        ps[1].buffer_type = MYSQL_TYPE_LONG;
        ps[1].buffer = &id;
        memset(&out, 0, sizeof(out));
        out.buffer_type = MYSQL_TYPE_LONGLONG;
        out.buffer = &got;
        if (mysql_stmt_bind_param(st, ps) || mysql_stmt_execute(st) ||
            mysql_stmt_bind_result(st, &out) || mysql_stmt_fetch(st) ||
            got != 2147483647LL + add || mysql_stmt_fetch(st) != MYSQL_NO_DATA)
            snprintf(a->failure, sizeof(a->failure), "execute %d: got %lld: %s", j, got,
                     mysql_stmt_error(st));
    }
    mysql_stmt_close(st);
out:
    mysql_close(c);
    mysql_thread_end();
    return NULL;
}

static bool all_sessions_closed(void *p)
{
    vr_gw_stats_t st;
    vr_gw_server_stats(((gw_fix_t *)p)->gw, &st);
    return st.sessions_open == 0;
}

Test(gateway, fifty_concurrent_connections)
{
    gw_fix_t f;
    pthread_t th[50];
    worker_arg_t args[50];
    vr_gw_stats_t st;
    int i;
    gw_up(&f);
    for (i = 0; i < 50; i++) {
        memset(&args[i], 0, sizeof(args[i]));
        args[i].f = &f;
        args[i].n = i;
        cr_assert_eq(pthread_create(&th[i], NULL, client_thread, &args[i]), 0);
    }
    for (i = 0; i < 50; i++) {
        pthread_join(th[i], NULL);
        cr_assert_str_eq(args[i].failure, "", "client %d: %s", i, args[i].failure);
    }
    cr_assert(vr_h_wait_until(all_sessions_closed, &f, 10000), "sessions closed");
    vr_gw_server_stats(f.gw, &st);
    cr_assert_eq(st.connections, 50);
    cr_assert_eq(st.questions, 50 * 20);
    gw_down(&f);
}

typedef struct slow_arg {
    gw_fix_t *f;
    atomic_bool done;
    char result[64];
} slow_arg_t;

static void *slow_client(void *p)
{
    slow_arg_t *a = p;
    MYSQL *c;
    char *v;
    mysql_thread_init();
    c = gw_try_connect(a->f, "app", "app", "shop", 0);
    v = vr_h_scalar(c, "select sleep(5) + 7");
    snprintf(a->result, sizeof(a->result), "%s", v);
    free(v);
    mysql_close(c);
    atomic_store(&a->done, true);
    mysql_thread_end();
    return NULL;
}

Test(gateway, slow_statement_does_not_block_others)
{
    gw_fix_t f;
    fix_opts_t o = {0, NULL, 0, 1}; /* one worker to start with */
    slow_arg_t a;
    pthread_t th;
    MYSQL *g, *d;
    char *v;
    gw_up_opts(&f, &o);
    memset(&a, 0, sizeof(a));
    a.f = &f;
    g = gw_connect(&f, "shop", 0);
    d = vr_h_connect(f.db, NULL);
    cr_assert_eq(pthread_create(&th, NULL, slow_client, &a), 0);
    cr_assert(vr_h_wait_query(d, "1\n", 10000,
                              "select count(*) from information_schema.processlist "
                              "where info like 'select sleep(5)%%'"));
    /* while the slow statement holds the only worker, others still run */
    v = vr_h_scalar(g, "select count(*) from items");
    cr_assert_str_eq(v, "3");
    free(v);
    cr_assert(!atomic_load(&a.done), "answered before the slow statement ended");
    pthread_join(th, NULL);
    cr_assert_str_eq(a.result, "7");
    mysql_close(g);
    mysql_close(d);
    gw_down(&f);
}

/* ---- clients that misbehave ---- */

/* Send this process's stderr (the gateway's log) to a file; returns its
 * path.  capture_stderr_end() restores it and removes the file. */
static char *capture_stderr_start(int *saved)
{
    char *dir = vr_h_tmpdir("gwlog");
    char *path = vr_xasprintf("%s/gw-stderr.log", dir);
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    *saved = dup(2);
    dup2(fd, 2);
    close(fd);
    free(dir);
    return path;
}

static void capture_stderr_end(int saved, char *path)
{
    char *slash = strrchr(path, '/');
    dup2(saved, 2);
    close(saved);
    *slash = 0;
    vr_h_rmrf(path);
    free(path);
}

static char *read_file(const char *path)
{
    FILE *fp = fopen(path, "rb");
    vr_buf_t b = VR_BUF_INIT;
    char buf[4096];
    size_t n;
    if (fp) {
        while ((n = fread(buf, 1, sizeof(buf), fp)) > 0)
            vr_buf_append(&b, buf, n);
        fclose(fp);
    }
    vr_buf_puts(&b, "");
    return vr_buf_detach(&b);
}

typedef struct log_wait {
    const char *path;
    const char *needle;
} log_wait_t;

static bool log_has(void *p)
{
    log_wait_t *w = p;
    char *s = read_file(w->path);
    bool ok = strstr(s, w->needle) != NULL;
    free(s);
    return ok;
}

static bool aborted_one(void *p)
{
    vr_gw_stats_t st;
    vr_gw_server_stats(((gw_fix_t *)p)->gw, &st);
    return st.aborted_clients == 1 && st.sessions_open == 0;
}

Test(gateway, client_killed_mid_result)
{
    gw_fix_t f;
    MYSQL *g, *d;
    pid_t pid;
    int status, saved;
    char *log, *v;
    log_wait_t w;
    gw_up(&f);
    log = capture_stderr_start(&saved);

    pid = fork();
    cr_assert_geq(pid, 0);
    if (pid == 0) {
        MYSQL *c = gw_try_connect(&f, "app", "app", "shop", 0);
        MYSQL_RES *r;
        int k;
        if (mysql_errno(c) || mysql_query(c, "select seq, repeat('x', 200) from "
                                             "seq_1_to_10000000") != 0)
            _exit(3);
        r = mysql_use_result(c);
        for (k = 0; k < 10; k++)
            if (!mysql_fetch_row(r))
                _exit(4);
        kill(getpid(), SIGKILL); /* vanish mid-result, without a goodbye */
        _exit(5);
    }
    cr_assert_eq(waitpid(pid, &status, 0), pid);
    cr_assert(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL, "child status %d", status);

    w.path = log;
    w.needle = "client gone while receiving results";
    cr_assert(vr_h_wait_until(log_has, &w, 30000), "a clear log line");
    cr_assert(vr_h_wait_until(aborted_one, &f, 30000), "the session is closed");
    /* the backend query does not run on */
    d = vr_h_connect(f.db, NULL);
    cr_assert(vr_h_wait_query(d, "0\n", 30000,
                              "select count(*) from information_schema.processlist "
                              "where info like 'select seq, repeat%%'"));
    mysql_close(d);
    /* and the gateway serves others */
    g = gw_connect(&f, "shop", 0);
    v = vr_h_scalar(g, "select count(*) from items");
    cr_assert_str_eq(v, "3");
    free(v);
    mysql_close(g);
    capture_stderr_end(saved, log);
    gw_down(&f);
}

/* A raw client for what real clients never send. */
static int raw_connect(int port)
{
    struct sockaddr_in sa;
    struct timeval tv = {10, 0};
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    memset(&sa, 0, sizeof(sa));
    sa.sin_family = AF_INET;
    sa.sin_port = htons((uint16_t)port);
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    cr_assert_eq(connect(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
    return fd;
}

static bool read_full(int fd, void *p, size_t n)
{
    size_t got = 0;
    while (got < n) {
        ssize_t r = read(fd, (char *)p + got, n - got);
        if (r <= 0)
            return false;
        got += (size_t)r;
    }
    return true;
}

/* Read one packet; false at EOF. */
static bool raw_read(int fd, vr_buf_t *payload, uint8_t *seq)
{
    uint8_t h[4];
    size_t n;
    vr_buf_reset(payload);
    if (!read_full(fd, h, 4))
        return false;
    n = h[0] | (h[1] << 8) | ((size_t)h[2] << 16);
    *seq = h[3];
    vr_buf_reserve(payload, n);
    if (n && !read_full(fd, payload->data, n))
        return false;
    payload->len = n;
    return true;
}

static void raw_write(int fd, uint8_t seq, const void *p, size_t n)
{
    vr_buf_t b = VR_BUF_INIT;
    gw_packet_put(&b, &seq, p, n);
    cr_assert_eq(write(fd, b.data, b.len), (ssize_t)b.len);
    vr_buf_free(&b);
}

/* Log in as app with the given extra capabilities; returns the socket. */
static int raw_login(int port, uint32_t caps)
{
    static const uint8_t zero[23];
    vr_buf_t p = VR_BUF_INIT, r = VR_BUF_INIT;
    uint8_t scr[20], tok[20], seq;
    int fd = raw_connect(port);
    gw_rd_t rd;
    size_t n;

    cr_assert(raw_read(fd, &p, &seq));
    rd = gw_rd(p.data, p.len);
    gw_rd_u8(&rd);
    gw_rd_cstr(&rd, &n);
    gw_rd_u32(&rd);
    memcpy(scr, gw_rd_bytes(&rd, 8), 8);
    gw_rd_bytes(&rd, 1 + 2 + 1 + 2 + 2 + 1 + 10);
    memcpy(scr + 8, gw_rd_bytes(&rd, 12), 12);
    cr_assert(!rd.err);
    gw_native_token(scr, "app", 3, tok);
    gw_put_u32(&r, GW_CLIENT_PROTOCOL_41 | GW_CLIENT_SECURE_CONNECTION | GW_CLIENT_PLUGIN_AUTH |
                       caps);
    gw_put_u32(&r, 1 << 24);
    gw_put_u8(&r, 45);
    vr_buf_append(&r, zero, 23);
    gw_put_cstr(&r, "app");
    gw_put_u8(&r, 20);
    vr_buf_append(&r, tok, 20);
    gw_put_cstr(&r, "mysql_native_password");
    raw_write(fd, 1, r.data, r.len);
    cr_assert(raw_read(fd, &p, &seq));
    cr_assert_eq((uint8_t)p.data[0], 0x00, "login OK");
    vr_buf_free(&p);
    vr_buf_free(&r);
    return fd;
}

Test(gateway, malformed_and_oversized_packets)
{
    gw_fix_t f;
    vr_buf_t p = VR_BUF_INIT;
    uint8_t seq;
    int fd, saved;
    char *log, *v;
    MYSQL *g;
    log_wait_t w;
    static const uint8_t big_hdr[] = {0x00, 0x00, 0x02, 0x00, 0x03}; /* 128 KiB query */

    fix_opts_t o = {64 * 1024, NULL, 300, 0};

    gw_up_opts(&f, &o);
    log = capture_stderr_start(&saved);
    g = gw_connect(&f, "shop", 0); /* a bystander that must keep working */

    /* garbage instead of a handshake response */
    fd = raw_connect(f.port);
    cr_assert(raw_read(fd, &p, &seq));
    raw_write(fd, 1, "\x01\x02\x03garbage", 10);
    cr_assert(raw_read(fd, &p, &seq));
    cr_assert_eq((uint8_t)p.data[0], 0xff);
    cr_assert(p.len > 9 && memcmp(p.data + 9, "Bad handshake", 13) == 0);
    cr_assert(!raw_read(fd, &p, &seq), "then the connection is closed");
    close(fd);

    /* a packet over max_allowed_packet: refused from its header */
    fd = raw_login(f.port, 0);
    cr_assert_eq(write(fd, big_hdr, sizeof(big_hdr)), (ssize_t)sizeof(big_hdr));
    cr_assert(raw_read(fd, &p, &seq));
    cr_assert_eq((uint8_t)p.data[0], 0xff);
    cr_assert_eq((uint8_t)p.data[1] | ((uint8_t)p.data[2] << 8), 1153);
    cr_assert(!raw_read(fd, &p, &seq));
    close(fd);

    /* a COM_STMT_EXECUTE for a statement never prepared, then a truncated one */
    fd = raw_login(f.port, 0);
    raw_write(fd, 0, "\x17\x07\x00\x00\x00\x00\x01\x00\x00\x00", 10);
    cr_assert(raw_read(fd, &p, &seq));
    cr_assert_eq((uint8_t)p.data[1] | ((uint8_t)p.data[2] << 8), 1243);
    raw_write(fd, 0, "\x17\x07", 2);
    cr_assert(raw_read(fd, &p, &seq));
    cr_assert_eq((uint8_t)p.data[1] | ((uint8_t)p.data[2] << 8), 1210);
    raw_write(fd, 0, "\xee", 1);
    cr_assert(raw_read(fd, &p, &seq));
    cr_assert_eq((uint8_t)p.data[1] | ((uint8_t)p.data[2] << 8), 1047);
    cr_assert(p.len == 9 + 15 && memcmp(p.data + 9, "Unknown command", 15) == 0);
    close(fd);

    /* a client that connects and never answers the greeting */
    fd = raw_connect(f.port);
    cr_assert(raw_read(fd, &p, &seq));
    cr_assert(!raw_read(fd, &p, &seq), "closed after connect_timeout");
    close(fd);

    w.path = log;
    w.needle = "no handshake within 300 ms";
    cr_assert(vr_h_wait_until(log_has, &w, 10000));
    w.needle = "packet larger than max_allowed_packet";
    cr_assert(vr_h_wait_until(log_has, &w, 10000));
    w.needle = "bad handshake";
    cr_assert(vr_h_wait_until(log_has, &w, 10000));
    v = vr_h_scalar(g, "select count(*) from items");
    cr_assert_str_eq(v, "3");
    free(v);
    mysql_close(g);
    capture_stderr_end(saved, log);
    vr_buf_free(&p);
    gw_down(&f);
}

Test(gateway, deprecate_eof_client)
{
    gw_fix_t f;
    vr_buf_t p = VR_BUF_INIT;
    uint8_t seq;
    int fd, k = 0;
    gw_up(&f);
    fd = raw_login(f.port, GW_CLIENT_DEPRECATE_EOF);
    raw_write(fd, 0, "\x03select id from shop.items order by id", 38);
    while (raw_read(fd, &p, &seq)) {
        k++;
        if ((uint8_t)p.data[0] == 0xfe && p.len < 9)
            break;
    }
    /* column count, one definition, three rows, then OK with 0xFE */
    cr_assert_eq(k, 6);
    cr_assert_eq(p.len, 7, "an OK packet, not a 5-byte EOF");
    cr_assert_eq(seq, 6);
    close(fd);
    vr_buf_free(&p);
    gw_down(&f);
}

/* ---- the built-in handler, no backend ---- */

Test(gateway, builtin_handler_serves_the_cli)
{
    static const vr_gw_user_t users[] = {{"app", "app"}};
    vr_gw_config_t cfg;
    vr_gw_server_t *gw;
    vr_error_t err;
    char *out = NULL;
    int rc;

    memset(&cfg, 0, sizeof(cfg));
    cfg.users = users;
    cfg.n_users = 1;
    cfg.handler = vr_gw_builtin_handler;
    cr_assert_eq(vr_gw_server_new(&cfg, &gw, &err), VR_OK, "%s", err.msg);
    cr_assert_eq(vr_gw_server_start(gw, &err), VR_OK, "%s", err.msg);
    rc = vr_h_run(&out, "mariadb --no-defaults -h127.0.0.1 -P%d -uapp -papp -e "
                        "'select @@version_comment limit 1; select database(); select 1; "
                        "set names utf8mb4; show warnings; show tables'",
                  vr_gw_server_port(gw));
    cr_assert_eq(rc, 1, "%s", out);
    cr_assert_str_eq(out, "@@version_comment\nvrepl gateway\ndatabase()\nNULL\n1\n1\n"
                          "--------------\nshow tables\n--------------\n\n"
                          "ERROR 1235 (42000) at line 1: vrepl gateway: the built-in handler "
                          "does not answer 'show tables'\n");
    free(out);
    vr_gw_server_free(gw);
}

/* ---- TLS ---- */

Test(gateway, tls_sessions)
{
    gw_fix_t f;
    char *dir = vr_h_tmpdir("gwtls"), *out = NULL, *v;
    MYSQL *g;
    my_bool on = 1;
    int rc;

    rc = vr_h_run(&out, "openssl req -x509 -newkey rsa:2048 -nodes -keyout %s/key.pem "
                        "-out %s/cert.pem -days 2 -subj /CN=127.0.0.1",
                  dir, dir);
    cr_assert_eq(rc, 0, "%s", out);
    free(out);
    fix_opts_t o = {0, dir, 0, 0};
    gw_up_opts(&f, &o);
    /* the mariadb CLI over TLS */
    out = mariadb_cli(&f, &rc, "-uapp -papp --ssl -e status");
    cr_assert_eq(rc, 0, "%s", out);
    cr_assert(strstr(out, "SSL:\t\t\tCipher in use is TLS_"), "%s", out);
    free(out);
    /* Connector/C over TLS: a prepared statement and a result large enough
     * to need many partial writes */
    g = mysql_init(NULL);
    mysql_optionsv(g, MYSQL_OPT_SSL_ENFORCE, &on);
    cr_assert_not_null(mysql_real_connect(g, "127.0.0.1", "app", "app", "shop",
                                          (unsigned)f.port, NULL, 0),
                       "%s", mysql_error(g));
    cr_assert_not_null(mysql_get_ssl_cipher(g));
    v = vr_h_scalar(g, "select sum(length(x)) from (select repeat('y', 1000) as x "
                       "from seq_1_to_20000) t");
    cr_assert_str_eq(v, "20000000");
    free(v);
    v = vr_h_query(g, "select seq, repeat('z', 500) from seq_1_to_20000");
    cr_assert_eq(strlen(v), 20000 * 501 + 108894, "all 20000 rows arrived");
    free(v);
    mysql_close(g);
    /* a client that does not ask for TLS still gets in */
    out = mariadb_cli(&f, &rc, "-uapp -papp -N -e 'select 1'");
    cr_assert_eq(rc, 0, "%s", out);
    cr_assert_str_eq(out, "1\n");
    free(out);
    gw_down(&f);
    vr_h_rmrf(dir);
    free(dir);
}

/* ---- the vrepl gateway command ---- */

Test(gateway, vrepl_gateway_command)
{
    vr_h_server_t *db = vr_h_server_start(NULL);
    char *out = NULL, line[256] = "";
    int pipefd[2], rc, status, port = 0;
    pid_t pid;
    FILE *fp;

    rc = vr_h_run(&out, "%s gateway --help", vr_h_vrepl_bin());
    cr_assert_eq(rc, 0);
    cr_assert(strstr(out, "DEVELOPMENT TOOL"), "%s", out);
    free(out);
    rc = vr_h_run(&out, "%s gateway --port 0", vr_h_vrepl_bin());
    cr_assert_eq(rc, 2);
    cr_assert_str_eq(out, "vrepl gateway: no --user given: nobody could log in\n");
    free(out);

    cr_assert_eq(pipe(pipefd), 0);
    pid = fork();
    if (pid == 0) {
        char backend[128];
        snprintf(backend, sizeof(backend), "mariadb://root@127.0.0.1:%d/mysql",
                 vr_h_server_port(db));
        dup2(pipefd[1], 1);
        close(pipefd[0]);
        execl(vr_h_vrepl_bin(), "vrepl", "gateway", "--port", "0", "--user", "app:app",
              "--backend", backend, (char *)NULL);
        _exit(127);
    }
    close(pipefd[1]);
    fp = fdopen(pipefd[0], "r");
    cr_assert(fgets(line, sizeof(line), fp), "the gateway says where it listens");
    cr_assert(sscanf(line, "vrepl gateway: listening on 127.0.0.1:%d", &port) == 1, "%s", line);
    rc = vr_h_run(&out, "mariadb --no-defaults -h127.0.0.1 -P%d -uapp -papp -N -e "
                        "'select count(*) > 0 from user'", port);
    cr_assert_eq(rc, 0, "%s", out);
    cr_assert_str_eq(out, "1\n");
    free(out);
    kill(pid, SIGTERM);
    cr_assert_eq(waitpid(pid, &status, 0), pid);
    cr_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0, "clean exit on SIGTERM");
    fclose(fp);
    vr_h_server_stop(db);
}
