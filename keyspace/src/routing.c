/*
 * routing.c - routing rules: parse, validate, look up, edit, write.
 *
 * Rules are kept in document order, each in its own small arena with a
 * normalized lookup key: "[ks.]table" plus "@replica" or "@rdonly" (none
 * for primary), which is what vr_routing_find() builds from a query's
 * table and tablet type (Vitess findRoutedTable).  Two rules with the
 * same key are a duplicate.  Edits build the new rule first, so a failed
 * edit changes nothing.  Writing back emits only the two known keys.
 *
 * No global state; one thread at a time while edited.
 */
#include "vr_routing.h"

#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>

#include "vr_common.h"

#define RULE_ARENA_CHUNK 512

typedef struct rule {
    vr_routing_rule_t pub; /* its pointers lead into the arena */
    const char *key;       /* lookup key */
    char **to;             /* pub.to_tables, writable */
    vr_routing_target_t *targets; /* pub.targets, writable */
    vr_arena_t *arena;
} rule_t;

struct vr_routing {
    rule_t **rules;
    size_t n, cap;
};

static vr_code_t fail(vr_error_t *err, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static vr_code_t fail(vr_error_t *err, const char *fmt, ...)
{
    char msg[VR_ERROR_MSG_MAX];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    return vr_errorf(err, VR_INVALID, "routing rules: %s", msg);
}

static const char *type_suffix(vr_tablet_type_t t)
{
    switch (t) {
    case VR_TABLET_PRIMARY:
        return "";
    case VR_TABLET_REPLICA:
        return "@replica";
    case VR_TABLET_RDONLY:
        return "@rdonly";
    }
    return "@unknown";
}

static void rule_destroy(rule_t *r)
{
    if (!r)
        return;
    vr_arena_free(r->arena);
    free(r);
}

/* Split "[ks.]table[@type]" into the rule's from_* fields and key. */
static vr_code_t parse_from(rule_t *r, const char *from, const char *path, vr_error_t *err)
{
    vr_arena_t *a = r->arena;
    const char *at = strchr(from, '@');
    size_t namelen = at ? (size_t)(at - from) : strlen(from);
    char *name = vr_arena_strndup(a, from, namelen);
    char *dot = strchr(name, '.');
    r->pub.tablet_type = VR_TABLET_PRIMARY;
    if (at && strcmp(at, "@replica") == 0)
        r->pub.tablet_type = VR_TABLET_REPLICA;
    else if (at && strcmp(at, "@rdonly") == 0)
        r->pub.tablet_type = VR_TABLET_RDONLY;
    else if (at && strcmp(at, "@primary") != 0)
        return fail(err, "%s.from_table: unknown tablet type \"%s\" in \"%s\" (expected "
                    "@replica, @rdonly or @primary)", path, at + 1, from);
    if (!*name || name[0] == '.' || (dot && (!dot[1] || strchr(dot + 1, '.'))))
        return fail(err, "%s.from_table: \"%s\" is not [keyspace.]table[@replica|@rdonly|"
                    "@primary]", path, from);
    r->pub.from_table = vr_arena_strdup(a, from);
    r->pub.from_name = dot ? dot + 1 : name;
    if (dot) {
        *dot = '\0';
        r->pub.from_keyspace = name;
    }
    r->key = vr_arena_printf(a, "%s%s%s%s", dot ? name : "", dot ? "." : "",
                             r->pub.from_name, type_suffix(r->pub.tablet_type));
    return VR_OK;
}

static vr_code_t parse_target(rule_t *r, const char *const *to, size_t j, const char *path,
                              vr_error_t *err)
{
    const char *s = to[j], *dot = strchr(s, '.');
    vr_routing_target_t *t = &r->targets[j];
    if (!dot || dot == s || !dot[1] || strchr(dot + 1, '.') || strchr(s, '@'))
        return fail(err, "%s.to_tables[%zu]: \"%s\" is not qualified: expected "
                    "keyspace.table", path, j, s);
    for (size_t k = 0; k < j; k++)
        if (strcmp(to[k], s) == 0)
            return fail(err, "%s.to_tables[%zu]: \"%s\" is listed twice", path, j, s);
    r->to[j] = vr_arena_strdup(r->arena, s);
    t->keyspace = vr_arena_strndup(r->arena, s, (size_t)(dot - s));
    t->table = vr_arena_strdup(r->arena, dot + 1);
    return VR_OK;
}

/* Build one rule from strings; path ("rules[2]") prefixes errors. */
static vr_code_t rule_build(const char *from, const char *const *to, size_t n,
                            const char *path, rule_t **out, vr_error_t *err)
{
    rule_t *r = vr_xcalloc(1, sizeof(*r));
    vr_code_t rc = VR_OK;
    *out = NULL;
    r->arena = vr_arena_new(RULE_ARENA_CHUNK);
    if (!from || !*from) {
        rc = fail(err, "%s.from_table: missing", path);
        goto out;
    }
    if ((rc = parse_from(r, from, path, err)))
        goto out;
    if (n == 0) {
        rc = fail(err, "%s.to_tables: empty: a rule needs at least one target", path);
        goto out;
    }
    r->to = vr_arena_calloc(r->arena, n * sizeof(char *));
    r->targets = vr_arena_calloc(r->arena, n * sizeof(vr_routing_target_t));
    r->pub.to_tables = (const char *const *)r->to;
    r->pub.targets = r->targets;
    r->pub.nto = n;
    for (size_t j = 0; j < n && rc == VR_OK; j++)
        rc = parse_target(r, to, j, path, err);
out:
    if (rc) {
        rule_destroy(r);
        return rc;
    }
    *out = r;
    return VR_OK;
}

static ssize_t find_key(const vr_routing_t *rr, const char *key)
{
    for (size_t i = 0; i < rr->n; i++)
        if (strcmp(rr->rules[i]->key, key) == 0)
            return (ssize_t)i;
    return -1;
}

static void push(vr_routing_t *rr, rule_t *r)
{
    if (rr->n == rr->cap) {
        rr->cap = rr->cap ? rr->cap * 2 : 8;
        rr->rules = vr_xrealloc(rr->rules, rr->cap * sizeof(*rr->rules));
    }
    rr->rules[rr->n++] = r;
}

/* ---- parse ---- */

/* The strings of a to_tables array; *n gets the count.  Caller frees. */
static vr_code_t json_targets(json_t *arr, const char *path, const char ***out, size_t *n,
                              vr_error_t *err)
{
    json_t *e;
    size_t j;
    *out = NULL;
    *n = 0;
    if (!json_is_array(arr))
        return fail(err, "%s.to_tables: expected an array of keyspace.table names", path);
    const char **to = vr_xcalloc(json_array_size(arr) + 1, sizeof(char *));
    json_array_foreach(arr, j, e) {
        if (!json_is_string(e)) {
            free(to);
            return fail(err, "%s.to_tables[%zu]: expected a string", path, j);
        }
        to[j] = json_string_value(e);
    }
    *out = to;
    *n = json_array_size(arr);
    return VR_OK;
}

static vr_code_t check_rule_keys(json_t *obj, const char *path, vr_error_t *err)
{
    const char *key;
    json_t *v;
    json_object_foreach(obj, key, v) {
        if (strcmp(key, "from_table") != 0 && strcmp(key, "to_tables") != 0)
            return fail(err, "%s: unknown key \"%s\" (expected from_table and to_tables)",
                        path, key);
    }
    return VR_OK;
}

static vr_code_t parse_rule(vr_routing_t *rr, json_t *obj, size_t i, vr_error_t *err)
{
    char path[64];
    const char **to = NULL;
    size_t n = 0;
    rule_t *r = NULL;
    json_t *from;
    vr_code_t rc;
    snprintf(path, sizeof(path), "rules[%zu]", i);
    if (!json_is_object(obj))
        return fail(err, "%s: expected an object", path);
    if ((rc = check_rule_keys(obj, path, err)))
        return rc;
    from = json_object_get(obj, "from_table");
    if (from && !json_is_string(from))
        return fail(err, "%s.from_table: expected a string", path);
    if ((rc = json_targets(json_object_get(obj, "to_tables"), path, &to, &n, err)))
        goto out;
    if ((rc = rule_build(from ? json_string_value(from) : NULL, to, n, path, &r, err)))
        goto out;
    ssize_t dup = find_key(rr, r->key);
    if (dup >= 0) {
        rc = fail(err, "%s.from_table: duplicate rule for \"%s\" (see rules[%zd])", path,
                  r->pub.from_table, dup);
        rule_destroy(r);
        goto out;
    }
    push(rr, r);
out:
    free(to);
    return rc;
}

vr_code_t vr_routing_parse(const char *json, vr_routing_t **out, vr_error_t *err)
{
    json_error_t jerr;
    json_t *root = NULL, *rules, *e;
    vr_routing_t *rr = NULL;
    vr_code_t rc = VR_OK;
    size_t i;
    *out = NULL;
    if (!json)
        return vr_errorf(err, VR_INVALID, "routing rules: no JSON given");
    root = json_loads(json, JSON_REJECT_DUPLICATES, &jerr);
    if (!root)
        return vr_errorf(err, VR_PARSE, "routing rules: invalid JSON at line %d, column %d: "
                         "%s", jerr.line, jerr.column, jerr.text);
    rr = vr_routing_new();
    if (!json_is_object(root)) {
        rc = fail(err, "expected a JSON object {\"rules\": [...]}");
        goto out;
    }
    rules = json_object_get(root, "rules");
    if (rules && !json_is_null(rules) && !json_is_array(rules)) {
        rc = fail(err, "rules: expected an array");
        goto out;
    }
    json_array_foreach(rules, i, e) {
        if ((rc = parse_rule(rr, e, i, err)))
            goto out;
    }
out:
    json_decref(root);
    if (rc)
        vr_routing_free(rr);
    else
        *out = rr;
    return rc;
}

/* ---- public ---- */

vr_routing_t *vr_routing_new(void)
{
    return vr_xcalloc(1, sizeof(vr_routing_t));
}

void vr_routing_free(vr_routing_t *rr)
{
    if (!rr)
        return;
    for (size_t i = 0; i < rr->n; i++)
        rule_destroy(rr->rules[i]);
    free(rr->rules);
    free(rr);
}

size_t vr_routing_count(const vr_routing_t *rr)
{
    return rr->n;
}

const vr_routing_rule_t *vr_routing_rule_at(const vr_routing_t *rr, size_t i)
{
    return i < rr->n ? &rr->rules[i]->pub : NULL;
}

const vr_routing_rule_t *vr_routing_find(const vr_routing_t *rr, const char *keyspace,
                                         const char *table, vr_tablet_type_t type)
{
    char *key;
    ssize_t i;
    if (!table || !*table)
        return NULL;
    key = vr_xasprintf("%s%s%s%s", keyspace ? keyspace : "",
                       keyspace && *keyspace ? "." : "", table, type_suffix(type));
    i = find_key(rr, key);
    free(key);
    return i >= 0 ? &rr->rules[i]->pub : NULL;
}

/* Index of the rule meaning the same as from_table, -1 when none or
 * when from_table does not parse. */
static ssize_t index_of(const vr_routing_t *rr, const char *from)
{
    rule_t probe = {.arena = NULL};
    ssize_t i = -1;
    if (!from || !*from)
        return -1;
    probe.arena = vr_arena_new(RULE_ARENA_CHUNK);
    if (parse_from(&probe, from, "", NULL) == VR_OK)
        i = find_key(rr, probe.key);
    vr_arena_free(probe.arena);
    return i;
}

const vr_routing_rule_t *vr_routing_get(const vr_routing_t *rr, const char *from_table)
{
    ssize_t i = index_of(rr, from_table);
    return i >= 0 ? &rr->rules[i]->pub : NULL;
}

/* Build the rule (errors name its index) and add or replace it. */
static vr_code_t put(vr_routing_t *rr, const char *from, const char *const *to, size_t n,
                     bool replace, vr_error_t *err)
{
    char path[64];
    rule_t *r = NULL;
    ssize_t i = index_of(rr, from);
    vr_code_t rc;
    if (i >= 0 && !replace)
        return vr_errorf(err, VR_EXISTS, "routing rules: a rule for \"%s\" exists already "
                         "(rules[%zd])", rr->rules[i]->pub.from_table, i);
    snprintf(path, sizeof(path), "rules[%zu]", i >= 0 ? (size_t)i : rr->n);
    if ((rc = rule_build(from, to, n, path, &r, err)))
        return rc;
    if (i >= 0) {
        rule_destroy(rr->rules[i]);
        rr->rules[i] = r;
    } else {
        push(rr, r);
    }
    return VR_OK;
}

vr_code_t vr_routing_add(vr_routing_t *rr, const char *from_table,
                         const char *const *to_tables, size_t n, vr_error_t *err)
{
    return put(rr, from_table, to_tables, n, false, err);
}

vr_code_t vr_routing_set(vr_routing_t *rr, const char *from_table,
                         const char *const *to_tables, size_t n, vr_error_t *err)
{
    return put(rr, from_table, to_tables, n, true, err);
}

vr_code_t vr_routing_remove(vr_routing_t *rr, const char *from_table, vr_error_t *err)
{
    ssize_t i = index_of(rr, from_table);
    if (i < 0)
        return vr_errorf(err, VR_NOT_FOUND, "routing rules: no rule for \"%s\"",
                         from_table ? from_table : "");
    rule_destroy(rr->rules[i]);
    memmove(&rr->rules[i], &rr->rules[i + 1], (rr->n - (size_t)i - 1) * sizeof(rule_t *));
    rr->n--;
    return VR_OK;
}

char *vr_routing_to_json(const vr_routing_t *rr)
{
    json_t *root = json_object(), *rules = json_array();
    json_object_set_new(root, "rules", rules);
    for (size_t i = 0; i < rr->n; i++) {
        const vr_routing_rule_t *r = &rr->rules[i]->pub;
        json_t *to = json_array();
        for (size_t j = 0; j < r->nto; j++)
            json_array_append_new(to, json_string(r->to_tables[j]));
        json_array_append_new(rules, json_pack("{s:s,s:o}", "from_table", r->from_table,
                                               "to_tables", to));
    }
    char *s = json_dumps(root, JSON_INDENT(2));
    json_decref(root);
    if (!s)
        abort();
    char *out = vr_xstrdup(s);
    free(s);
    return out;
}
