/*
 * vr_routing.h - routing rules: Vitess's cluster-wide map from a table
 * name, as a query names it, to the qualified table(s) that serve it.
 *
 *   {"rules": [
 *     {"from_table": "product", "to_tables": ["product.product", "customer.product"]},
 *     {"from_table": "customer.orders@replica", "to_tables": ["merchant.orders"]}]}
 *
 * from_table is "[keyspace.]table[@replica|@rdonly|@primary]": the rule
 * applies to queries naming the table that way and served by that tablet
 * type ("@primary" is the same as no suffix).  to_tables are qualified
 * "keyspace.table" names; several targets mean the same data is served
 * from several places (a reference table and its copies).  As in Vitess,
 * a lookup matches exactly: a rule for "t" does not apply to
 * "t@replica", nor "t" to "ks.t".
 *
 * Errors name the JSON path: "routing rules: rules[1].to_tables[0]:
 * \"orders\" is not qualified: expected keyspace.table"; VR_PARSE for JSON
 * syntax (with line and column), VR_INVALID otherwise.
 *
 * Ownership: a vr_routing_t is freed with vr_routing_free().  Rules and
 * their strings belong to it; a pointer to a rule stays valid until the
 * next successful edit (add, set, remove) or the free.  Strings from
 * vr_routing_to_json() are the caller's (free()).  Not thread-safe for
 * edits.
 */
#ifndef VR_ROUTING_H
#define VR_ROUTING_H

#include <stdbool.h>
#include <stddef.h>

#include "vr_error.h"
#include "vr_topo.h"

typedef struct vr_routing vr_routing_t;

typedef struct vr_routing_target {
    const char *keyspace;
    const char *table;
} vr_routing_target_t;

typedef struct vr_routing_rule {
    const char *from_table;    /* as written: "customer.orders@replica" */
    const char *from_keyspace; /* "customer"; NULL when unqualified */
    const char *from_name;     /* "orders" */
    vr_tablet_type_t tablet_type;
    const char *const *to_tables;       /* as written: "merchant.orders" */
    const vr_routing_target_t *targets; /* the same, split; parallel */
    size_t nto;                         /* at least 1 */
} vr_routing_rule_t;

/* Parse and validate; {} and {"rules": []} are empty rule sets.  On
 * success *out is the caller's. */
vr_code_t vr_routing_parse(const char *json, vr_routing_t **out, vr_error_t *err);
vr_routing_t *vr_routing_new(void); /* no rules; never NULL */
void vr_routing_free(vr_routing_t *rr); /* NULL is a no-op */

/* Rules in document order (edits append or replace in place). */
size_t vr_routing_count(const vr_routing_t *rr);
const vr_routing_rule_t *vr_routing_rule_at(const vr_routing_t *rr, size_t i);

/* The rule for a table as a query names it: keyspace NULL or "" for an
 * unqualified name (table may also be given as "ks.table"), and the
 * tablet type the query is served by.  NULL when no rule applies. */
const vr_routing_rule_t *vr_routing_find(const vr_routing_t *rr, const char *keyspace,
                                         const char *table, vr_tablet_type_t type);

/* The rule whose from_table means the same as from_table ("t" and
 * "t@primary" are the same); NULL when none. */
const vr_routing_rule_t *vr_routing_get(const vr_routing_t *rr, const char *from_table);

/* Add a rule; VR_EXISTS when one for the same from_table is there. */
vr_code_t vr_routing_add(vr_routing_t *rr, const char *from_table,
                         const char *const *to_tables, size_t n, vr_error_t *err);
/* Add a rule, or replace the targets of the one already there. */
vr_code_t vr_routing_set(vr_routing_t *rr, const char *from_table,
                         const char *const *to_tables, size_t n, vr_error_t *err);
/* Remove the rule for from_table; VR_NOT_FOUND when there is none. */
vr_code_t vr_routing_remove(vr_routing_t *rr, const char *from_table, vr_error_t *err);

/* {"rules": [...]} pretty-printed (2 spaces), rules in order, keys
 * from_table then to_tables.  Caller frees. */
char *vr_routing_to_json(const vr_routing_t *rr);

#endif
