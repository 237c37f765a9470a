/*
 * The gateway as other clients see it: Perl DBI (DBD::MariaDB) and JDBC
 * (MariaDB Connector/J), both with server-side prepared statements, run
 * tests/clients/dbi.pl and Jdbc.java against `vrepl serve` on a
 * marketplace cluster (base port 19000, gateway 19999) loaded with
 * data.sql through the `mariadb` client.  Both turn autocommit off for a
 * transaction (`set autocommit=0`), which must roll back for real.  Then
 * session variables (time_zone) through the mariadb client: the shards
 * see them, other sessions do not.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vr_harness.h"

#define GW_PORT 19999

static char *work;

static void setup(void)
{
    char *out = NULL;
    int rc;
    work = vr_h_tmpdir("clients");
    rc = vr_h_run(&out, "cp -r %s/examples/marketplace %s/mp && sed -i "
                        "'s/\"base_port\": 17000/\"base_port\": 19000/; s/15001/19998/; s/15306/%d/' "
                        "%s/mp/cluster.json && %s up --config %s/mp/cluster.json --var %s/var && "
                        "mariadb -h127.0.0.1 -P%d -uapp -papp < %s/mp/data.sql",
                  VR_SOURCE_DIR, work, GW_PORT, work, vr_h_vrepl_bin(), work, work, GW_PORT, work);
    cr_assert_eq(rc, 0, "%s", out);
    free(out);
}

static void teardown(void)
{
    vr_h_run(NULL, "%s down --var %s/var --purge", vr_h_vrepl_bin(), work);
    vr_h_rmrf(work);
    free(work);
}

/* What both client programs print on the demo's data. */
static const char expected_tail[] =
    "cid 1: 1,sougou\n"
    "cid 6: 6,demmer\n"
    "cid 42: none\n"
    "join: sougou,1,monoprice;sougou,2,newegg;demmer,3,monoprice\n"
    "inserted cid from the sequence: %s\n"
    "balance after rollback: 10\n"
    "customers: 3, balance: 31\n"
    "error: 1146 42S02\n"
    "done\n";

TestSuite(clients, .init = setup, .fini = teardown, .timeout = 240);

Test(clients, perl_dbi_and_jdbc)
{
    char *out = NULL, want[1024];
    int rc;

    rc = vr_h_run(&out, "perl %s/tests/clients/dbi.pl %d 2>&1", VR_SOURCE_DIR, GW_PORT);
    snprintf(want, sizeof(want), expected_tail, "perl");
    cr_assert_eq(rc, 0, "%s", out);
    cr_assert_str_eq(out, want);
    free(out);

    rc = vr_h_run(&out, "java -cp /usr/share/java/mariadb-java-client.jar %s/tests/clients/Jdbc.java "
                        "%d 2>&1", VR_SOURCE_DIR, GW_PORT);
    snprintf(want, sizeof(want), "server: vrepl\n%s", expected_tail);
    {
        char full[1024];
        snprintf(full, sizeof(full), want, "java");
        cr_assert_eq(rc, 0, "%s", out);
        cr_assert_str_eq(out, full);
    }
    free(out);

    /* the mariadb client: autocommit off, an update, rollback */
    rc = vr_h_run(&out, "mariadb -h127.0.0.1 -P%d -uapp -papp -N -e \"set autocommit=0; "
                        "update customer set balance = 5 where cid = 6; rollback; "
                        "update customer set balance = 21 where cid = 6; set autocommit=1; "
                        "select balance from customer where cid = 6\" 2>&1", GW_PORT);
    cr_assert_eq(rc, 0, "%s", out);
    cr_assert_str_eq(out, "21\n");
    free(out);

    /* session variables reach the shards, and only that session's */
    rc = vr_h_run(&out, "mariadb -h127.0.0.1 -P%d -uapp -papp -N -e \"set time_zone = '+05:00'; "
                        "select @@time_zone; select convert_tz('2020-01-01 00:00:00', "
                        "@@session.time_zone, '+00:00') from customer where cid in (1, 6)\" 2>&1",
                  GW_PORT);
    cr_assert_eq(rc, 0, "%s", out);
    cr_assert_str_eq(out, "+05:00\n2019-12-31 19:00:00\n2019-12-31 19:00:00\n");
    free(out);
    rc = vr_h_run(&out, "mariadb -h127.0.0.1 -P%d -uapp -papp -N -e \"select @@session.time_zone "
                        "= '+05:00' from customer where cid in (1, 6)\" 2>&1", GW_PORT);
    cr_assert_eq(rc, 0, "%s", out);
    cr_assert_str_eq(out, "0\n0\n", "another session saw the first one's time_zone");
    free(out);
    rc = vr_h_run(&out, "mariadb -h127.0.0.1 -P%d -uapp -papp -e \"set global sql_mode = ''\" 2>&1",
                  GW_PORT);
    cr_assert_neq(rc, 0, "%s", out);
    cr_assert(strstr(out, "unsupported: set global sql_mode through the gateway"), "%s", out);
    free(out);
}
