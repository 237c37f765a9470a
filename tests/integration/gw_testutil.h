/*
 * gw_testutil.h - what the planner-gateway test programs share: an
 * in-process planner gateway (user app/app) on a cluster's topology, the
 * real `mariadb` client run against it, a shard primary's rows, and the
 * main() that brings one cluster up for a whole program (Criterion runs
 * each test in a child, which finds the cluster through an environment
 * variable).
 */
#ifndef GW_TESTUTIL_H
#define GW_TESTUTIL_H

#include "vr_topo.h"

/* Start the gateway on WORK/var/topo.db (an ephemeral port); 0 or -1
 * (the error printed). */
int gwt_start(const char *work);
void gwt_stop(void);
int gwt_port(void);
const char *gwt_topo_path(void);

/* sql (may hold several statements) through the mariadb client in batch
 * mode without column names, database db (NULL: none); its exit status,
 * *out its output with stderr (caller frees). */
int gwt_cli(char **out, const char *db, const char *sql);
void gwt_expect(const char *db, const char *sql, const char *want);
void gwt_expect_error(const char *db, const char *sql, const char *needle);

/* The tablet of a type in ks/shard; a primary's rows of sql (caller frees). */
vr_tablet_t gwt_tablet(const char *ks, const char *shard, vr_tablet_type_t type);
char *gwt_on_tablet(const char *ks, const char *shard, const char *sql);
void gwt_expect_tablet(const char *ks, const char *shard, const char *sql, const char *want);

/* main(): in the parent (env unset) up() brings the cluster up and sets
 * env to its work folder; the tests run one at a time; then the cluster
 * goes down and the folder is removed. */
int gwt_main(int argc, char **argv, const char *env, int (*up)(void));

#endif
