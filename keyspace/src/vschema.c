/*
 * vschema.c - a keyspace's VSchema: load, validate, look up, edit, write.
 *
 * The JSON document (jansson) is the source of truth: it is kept as
 * applied, unknown keys included, and written back from it.  From it a
 * model is built into one arena: vindexes and tables as plain structs,
 * sorted by name for bsearch, column vindexes resolved to their vindex.
 * Building is validating: the first problem found, in document order,
 * is the error, named by its JSON path.
 *
 * Edits copy the document, change the copy and rebuild the model from
 * it; only when that succeeds do document and model replace the old
 * ones, so a failed edit changes nothing.
 *
 * Checks that span keyspaces (sequences, reference sources) live in
 * vr_vschema_validate_cluster().  No global state; a vschema is used by
 * one thread at a time while edited.
 */
#include "vr_vschema.h"

#include <ctype.h>
#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "vr_common.h"

#define PATH_MAX_LEN 512

typedef struct model {
    vr_arena_t *arena;
    bool sharded;
    bool require_explicit_routing;
    vr_vschema_vindex_t *vindexes; /* sorted by name */
    size_t nvindexes;
    vr_vschema_table_t *tables; /* sorted by name */
    size_t ntables;
} model_t;

struct vr_vschema {
    char *keyspace;
    json_t *root; /* the document as applied */
    model_t m;
};

/* State of one model build. */
typedef struct build {
    const char *ks;
    vr_error_t *err;
    model_t *m;
} build_t;

/* ---- helpers ---- */

static vr_code_t fail(build_t *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static vr_code_t fail(build_t *b, const char *fmt, ...)
{
    char msg[VR_ERROR_MSG_MAX];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    return vr_errorf(b->err, VR_INVALID, "vschema %s: %s", b->ks, msg);
}

/* A member, with JSON null taken as absent. */
static json_t *field(json_t *obj, const char *key)
{
    json_t *v = json_object_get(obj, key);
    return json_is_null(v) ? NULL : v;
}

/* Optional string member copied into the arena; NULL when absent. */
static vr_code_t get_string(build_t *b, json_t *obj, const char *key, const char *path,
                            const char **out)
{
    json_t *v = field(obj, key);
    *out = NULL;
    if (!v)
        return VR_OK;
    if (!json_is_string(v))
        return fail(b, "%s%s%s: expected a string", path, *path ? "." : "", key);
    *out = vr_arena_strdup(b->m->arena, json_string_value(v));
    return VR_OK;
}

static vr_code_t need_string(build_t *b, json_t *obj, const char *key, const char *path,
                             const char **out)
{
    vr_code_t rc = get_string(b, obj, key, path, out);
    if (rc == VR_OK && (!*out || !**out))
        return fail(b, "%s.%s: missing", path, key);
    return rc;
}

static vr_code_t get_bool(build_t *b, json_t *obj, const char *key, const char *path,
                          bool *out)
{
    json_t *v = field(obj, key);
    *out = false;
    if (!v)
        return VR_OK;
    if (!json_is_boolean(v))
        return fail(b, "%s%s%s: expected true or false", path, *path ? "." : "", key);
    *out = json_is_true(v);
    return VR_OK;
}

static bool is_hex(const char *s)
{
    size_t n = strlen(s);
    if (n == 0 || n % 2 != 0 || n / 2 > VR_KEYSPACE_ID_MAX)
        return false;
    for (; *s; s++)
        if (!isxdigit((unsigned char)*s))
            return false;
    return true;
}

/* "ks.table" with both parts non-empty and one dot. */
static bool is_qualified(const char *s)
{
    const char *dot = strchr(s, '.');
    return dot && dot != s && dot[1] && !strchr(dot + 1, '.');
}

static int vindex_cmp(const void *a, const void *b)
{
    return strcmp(((const vr_vschema_vindex_t *)a)->name,
                  ((const vr_vschema_vindex_t *)b)->name);
}

static int table_cmp(const void *a, const void *b)
{
    return strcmp(((const vr_vschema_table_t *)a)->name,
                  ((const vr_vschema_table_t *)b)->name);
}

static int param_cmp(const void *a, const void *b)
{
    return strcmp(((const vr_vschema_param_t *)a)->key,
                  ((const vr_vschema_param_t *)b)->key);
}

static const vr_vschema_vindex_t *find_vindex(const model_t *m, const char *name)
{
    vr_vschema_vindex_t key = {.name = name};
    if (!m->nvindexes)
        return NULL;
    return bsearch(&key, m->vindexes, m->nvindexes, sizeof(key), vindex_cmp);
}

static const vr_vschema_table_t *find_table(const model_t *m, const char *name)
{
    vr_vschema_table_t key = {.name = name};
    if (!m->ntables)
        return NULL;
    return bsearch(&key, m->tables, m->ntables, sizeof(key), table_cmp);
}

/* ---- vindexes ---- */

static vr_code_t build_params(build_t *b, json_t *v, const char *path,
                              vr_vschema_vindex_t *vx)
{
    json_t *params = field(v, "params"), *val;
    const char *key;
    if (!params)
        return VR_OK;
    if (!json_is_object(params))
        return fail(b, "%s.params: expected an object", path);
    vr_vschema_param_t *p = vr_arena_calloc(b->m->arena, (json_object_size(params) + 1) *
                                                             sizeof(*p));
    size_t n = 0;
    json_object_foreach(params, key, val) {
        if (!json_is_string(val))
            return fail(b, "%s.params.%s: expected a string", path, key);
        p[n].key = vr_arena_strdup(b->m->arena, key);
        p[n++].value = vr_arena_strdup(b->m->arena, json_string_value(val));
    }
    qsort(p, n, sizeof(*p), param_cmp);
    vx->params = p;
    vx->nparams = n;
    return VR_OK;
}

static const char *param(const vr_vschema_vindex_t *vx, const char *key)
{
    vr_vschema_param_t k = {.key = key};
    const vr_vschema_param_t *p =
        vx->nparams ? bsearch(&k, vx->params, vx->nparams, sizeof(k), param_cmp) : NULL;
    return p ? p->value : NULL;
}

/* Vitess boolFromMap: "", "false" or "true", any case. */
static vr_code_t param_bool(build_t *b, const vr_vschema_vindex_t *vx, const char *key,
                            const char *path, bool *out)
{
    const char *v = param(vx, key);
    *out = false;
    if (!v || !*v || strcasecmp(v, "false") == 0)
        return VR_OK;
    if (strcasecmp(v, "true") == 0) {
        *out = true;
        return VR_OK;
    }
    return fail(b, "%s.params.%s: expected \"true\" or \"false\", got \"%s\"", path, key, v);
}

/* Split the comma list of "from" columns, trimming blanks. */
static vr_code_t split_from(build_t *b, const char *list, const char *path,
                            vr_lookup_params_t *lp)
{
    size_t n = 1;
    for (const char *p = list; *p; p++)
        n += *p == ',';
    lp->from = vr_arena_calloc(b->m->arena, n * sizeof(char *));
    for (const char *p = list;; p++) {
        const char *end = strchr(p, ',');
        size_t len = end ? (size_t)(end - p) : strlen(p);
        while (len && isspace((unsigned char)*p))
            p++, len--;
        while (len && isspace((unsigned char)p[len - 1]))
            len--;
        if (!len)
            return fail(b, "%s.params.from: empty column name in \"%s\"", path, list);
        lp->from[lp->nfrom++] = vr_arena_strndup(b->m->arena, p, len);
        if (!end)
            break;
        p = end;
    }
    return VR_OK;
}

static vr_code_t build_lookup(build_t *b, const char *path, vr_vschema_vindex_t *vx)
{
    static const char *const required[] = {"table", "from", "to"};
    vr_lookup_params_t *lp = vr_arena_calloc(b->m->arena, sizeof(*lp));
    vr_code_t rc;
    for (size_t i = 0; i < VR_ARRAY_LEN(required); i++) {
        const char *v = param(vx, required[i]);
        if (!v || !*v)
            return fail(b, "%s.params: a %s vindex needs \"%s\" (lookup vindexes need "
                        "table, from and to)", path, vx->type_name, required[i]);
    }
    lp->table = (char *)param(vx, "table");
    lp->to = (char *)param(vx, "to");
    lp->owner = (char *)vx->owner;
    lp->batch_lookup = (char *)param(vx, "batch_lookup");
    if ((rc = split_from(b, param(vx, "from"), path, lp)) ||
        (rc = param_bool(b, vx, "ignore_nulls", path, &lp->ignore_nulls)) ||
        (rc = param_bool(b, vx, "write_only", path, &lp->write_only)) ||
        (rc = param_bool(b, vx, "autocommit", path, &lp->autocommit)) ||
        (rc = param_bool(b, vx, "multi_shard_autocommit", path,
                         &lp->multi_shard_autocommit)))
        return rc;
    vx->lookup = lp;
    return VR_OK;
}

static vr_code_t build_vindex(build_t *b, const char *name, json_t *v,
                              vr_vschema_vindex_t *vx)
{
    char path[PATH_MAX_LEN];
    json_t *type;
    vr_code_t rc;
    snprintf(path, sizeof(path), "vindexes.%s", name);
    if (!*name)
        return fail(b, "vindexes: a vindex has an empty name");
    if (!json_is_object(v))
        return fail(b, "%s: expected an object", path);
    vx->name = vr_arena_strdup(b->m->arena, name);
    type = field(v, "type");
    if (!type)
        return fail(b, "%s.type: missing", path);
    if (!json_is_string(type))
        return fail(b, "%s.type: expected a string", path);
    vx->type_name = vr_arena_strdup(b->m->arena, json_string_value(type));
    if (vr_vindex_type_parse(vx->type_name, &vx->type, NULL) != VR_OK)
        return fail(b, "%s.type: unknown vindex type \"%s\"", path, vx->type_name);
    if ((rc = get_string(b, v, "owner", path, &vx->owner)) ||
        (rc = build_params(b, v, path, vx)))
        return rc;
    if (vx->owner && !*vx->owner)
        vx->owner = NULL;
    if (!vr_vindex_type_is_functional(vx->type))
        return build_lookup(b, path, vx);
    return VR_OK;
}

static vr_code_t build_vindexes(build_t *b, json_t *root)
{
    json_t *vxs = field(root, "vindexes"), *v;
    const char *name;
    vr_code_t rc;
    if (!vxs)
        return VR_OK;
    if (!json_is_object(vxs))
        return fail(b, "vindexes: expected an object");
    b->m->vindexes = vr_arena_calloc(b->m->arena,
                                     (json_object_size(vxs) + 1) * sizeof(vr_vschema_vindex_t));
    json_object_foreach(vxs, name, v) {
        rc = build_vindex(b, name, v, &b->m->vindexes[b->m->nvindexes]);
        if (rc)
            return rc;
        b->m->nvindexes++;
    }
    qsort(b->m->vindexes, b->m->nvindexes, sizeof(vr_vschema_vindex_t), vindex_cmp);
    return VR_OK;
}

/* ---- tables ---- */

static vr_code_t build_cv_columns(build_t *b, json_t *v, const char *path,
                                  vr_vschema_colvindex_t *cv)
{
    json_t *col = field(v, "column"), *cols = field(v, "columns"), *c;
    size_t i;
    if (col && cols)
        return fail(b, "%s: give column or columns, not both", path);
    if (!col && !cols)
        return fail(b, "%s: missing column (or columns)", path);
    if (col) {
        if (!json_is_string(col) || !*json_string_value(col))
            return fail(b, "%s.column: expected a column name", path);
        const char **one = vr_arena_calloc(b->m->arena, sizeof(char *));
        one[0] = vr_arena_strdup(b->m->arena, json_string_value(col));
        cv->columns = one;
        cv->ncolumns = 1;
        return VR_OK;
    }
    if (!json_is_array(cols) || json_array_size(cols) == 0)
        return fail(b, "%s.columns: expected a non-empty array of column names", path);
    const char **list = vr_arena_calloc(b->m->arena, json_array_size(cols) * sizeof(char *));
    json_array_foreach(cols, i, c) {
        if (!json_is_string(c) || !*json_string_value(c))
            return fail(b, "%s.columns[%zu]: expected a column name", path, i);
        list[i] = vr_arena_strdup(b->m->arena, json_string_value(c));
    }
    cv->columns = list;
    cv->ncolumns = json_array_size(cols);
    return VR_OK;
}

static vr_code_t build_colvindex(build_t *b, json_t *v, const char *path,
                                 vr_vschema_colvindex_t *cv)
{
    vr_code_t rc;
    if (!json_is_object(v))
        return fail(b, "%s: expected an object", path);
    if ((rc = need_string(b, v, "name", path, &cv->name)))
        return rc;
    cv->vindex = find_vindex(b->m, cv->name);
    if (!cv->vindex)
        return fail(b, "%s.name: unknown vindex \"%s\"", path, cv->name);
    return build_cv_columns(b, v, path, cv);
}

static vr_code_t build_colvindexes(build_t *b, json_t *v, const char *tpath,
                                   vr_vschema_table_t *t)
{
    json_t *cvs = field(v, "column_vindexes"), *e;
    char path[PATH_MAX_LEN];
    size_t i;
    vr_code_t rc;
    if (!cvs)
        return VR_OK;
    if (!json_is_array(cvs))
        return fail(b, "%s.column_vindexes: expected an array", tpath);
    vr_vschema_colvindex_t *list =
        vr_arena_calloc(b->m->arena, (json_array_size(cvs) + 1) * sizeof(*list));
    json_array_foreach(cvs, i, e) {
        snprintf(path, sizeof(path), "%s.column_vindexes[%zu]", tpath, i);
        if ((rc = build_colvindex(b, e, path, &list[i])))
            return rc;
    }
    t->column_vindexes = list;
    t->ncolumn_vindexes = json_array_size(cvs);
    return VR_OK;
}

static vr_code_t build_autoinc(build_t *b, json_t *v, const char *tpath,
                               vr_vschema_table_t *t)
{
    json_t *ai = field(v, "auto_increment");
    char path[PATH_MAX_LEN];
    vr_code_t rc;
    if (!ai)
        return VR_OK;
    snprintf(path, sizeof(path), "%s.auto_increment", tpath);
    if (!json_is_object(ai))
        return fail(b, "%s: expected an object", path);
    if ((rc = need_string(b, ai, "column", path, &t->auto_increment_column)) ||
        (rc = need_string(b, ai, "sequence", path, &t->auto_increment_sequence)))
        return rc;
    return VR_OK;
}

static vr_code_t build_columns(build_t *b, json_t *v, const char *tpath,
                               vr_vschema_table_t *t)
{
    json_t *cols = field(v, "columns"), *c;
    char path[PATH_MAX_LEN];
    size_t i;
    vr_code_t rc;
    if (!cols)
        return VR_OK;
    if (!json_is_array(cols))
        return fail(b, "%s.columns: expected an array", tpath);
    vr_vschema_column_t *list =
        vr_arena_calloc(b->m->arena, (json_array_size(cols) + 1) * sizeof(*list));
    json_array_foreach(cols, i, c) {
        snprintf(path, sizeof(path), "%s.columns[%zu]", tpath, i);
        if (!json_is_object(c))
            return fail(b, "%s: expected an object", path);
        if ((rc = need_string(b, c, "name", path, &list[i].name)) ||
            (rc = get_string(b, c, "type", path, &list[i].type)))
            return rc;
        if (!list[i].type)
            list[i].type = "";
        for (size_t j = 0; j < i; j++)
            if (strcasecmp(list[j].name, list[i].name) == 0) /* as Vitess */
                return fail(b, "%s.name: duplicate column \"%s\"", path, list[i].name);
    }
    t->columns = list;
    t->ncolumns = json_array_size(cols);
    return VR_OK;
}

static vr_code_t parse_table_type(build_t *b, json_t *v, const char *path,
                                  vr_vschema_table_t *t)
{
    const char *type;
    vr_code_t rc = get_string(b, v, "type", path, &type);
    if (rc)
        return rc;
    if (!type || !*type)
        t->type = VR_VSCHEMA_TABLE_NORMAL;
    else if (strcmp(type, "reference") == 0)
        t->type = VR_VSCHEMA_TABLE_REFERENCE;
    else if (strcmp(type, "sequence") == 0)
        t->type = VR_VSCHEMA_TABLE_SEQUENCE;
    else
        return fail(b, "%s.type: unknown table type \"%s\" (expected \"\", "
                    "\"reference\" or \"sequence\")", path, type);
    return VR_OK;
}

static vr_code_t check_source(build_t *b, const char *path, const vr_vschema_table_t *t)
{
    if (!t->source)
        return VR_OK;
    if (t->type != VR_VSCHEMA_TABLE_REFERENCE)
        return fail(b, "%s.source: only reference tables have a source", path);
    if (!is_qualified(t->source))
        return fail(b, "%s.source: \"%s\" is not qualified: expected keyspace.table",
                    path, t->source);
    size_t kslen = (size_t)(strchr(t->source, '.') - t->source);
    if (strlen(b->ks) == kslen && strncmp(t->source, b->ks, kslen) == 0)
        return fail(b, "%s.source: \"%s\" is in the same keyspace as the table", path,
                    t->source);
    return VR_OK;
}

/* Rules that need the whole table (Vitess buildTables). */
static vr_code_t check_table(build_t *b, const char *path, const vr_vschema_table_t *t)
{
    const char *kind = vr_vschema_table_type_name(t->type);
    if (t->type == VR_VSCHEMA_TABLE_SEQUENCE && b->m->sharded && !t->pinned)
        return fail(b, "%s: sequence tables are only allowed in unsharded keyspaces", path);
    if (t->type != VR_VSCHEMA_TABLE_NORMAL && t->ncolumn_vindexes)
        return fail(b, "%s.column_vindexes: %s tables cannot have column vindexes", path,
                    kind);
    if (t->pinned && !is_hex(t->pinned))
        return fail(b, "%s.pinned: \"%s\" is not a keyspace ID in hex", path, t->pinned);
    if (t->type == VR_VSCHEMA_TABLE_NORMAL && b->m->sharded && !t->pinned &&
        !t->ncolumn_vindexes)
        return fail(b, "%s: table has no primary vindex in a sharded keyspace", path);
    if (t->ncolumn_vindexes) {
        const vr_vschema_vindex_t *pv = t->column_vindexes[0].vindex;
        if (!vr_vindex_type_is_unique(pv->type))
            return fail(b, "%s.column_vindexes[0].name: primary vindex \"%s\" is not "
                        "unique (type %s)", path, pv->name, pv->type_name);
        if (pv->owner && strcmp(pv->owner, t->name) == 0)
            return fail(b, "%s.column_vindexes[0].name: primary vindex \"%s\" cannot be "
                        "owned by its table", path, pv->name);
    }
    return check_source(b, path, t);
}

static vr_code_t build_table(build_t *b, const char *name, json_t *v,
                             vr_vschema_table_t *t)
{
    char path[PATH_MAX_LEN];
    vr_code_t rc;
    snprintf(path, sizeof(path), "tables.%s", name);
    if (!*name)
        return fail(b, "tables: a table has an empty name");
    if (!json_is_object(v))
        return fail(b, "%s: expected an object", path);
    t->name = vr_arena_strdup(b->m->arena, name);
    if ((rc = parse_table_type(b, v, path, t)) ||
        (rc = build_colvindexes(b, v, path, t)) || (rc = build_autoinc(b, v, path, t)) ||
        (rc = build_columns(b, v, path, t)) ||
        (rc = get_string(b, v, "pinned", path, &t->pinned)) ||
        (rc = get_string(b, v, "source", path, &t->source)) ||
        (rc = get_bool(b, v, "column_list_authoritative", path,
                       &t->column_list_authoritative)))
        return rc;
    if (t->pinned && !*t->pinned)
        t->pinned = NULL;
    if (t->source && !*t->source)
        t->source = NULL;
    return check_table(b, path, t);
}

static vr_code_t build_tables(build_t *b, json_t *root)
{
    json_t *tables = field(root, "tables"), *v;
    const char *name;
    vr_code_t rc;
    if (!tables)
        return VR_OK;
    if (!json_is_object(tables))
        return fail(b, "tables: expected an object");
    b->m->tables = vr_arena_calloc(b->m->arena,
                                   (json_object_size(tables) + 1) * sizeof(vr_vschema_table_t));
    json_object_foreach(tables, name, v) {
        rc = build_table(b, name, v, &b->m->tables[b->m->ntables]);
        if (rc)
            return rc;
        b->m->ntables++;
    }
    qsort(b->m->tables, b->m->ntables, sizeof(vr_vschema_table_t), table_cmp);
    return VR_OK;
}

/* ---- model ---- */

static void model_free(model_t *m)
{
    vr_arena_free(m->arena);
    memset(m, 0, sizeof(*m));
}

static vr_code_t model_build(const char *ks, json_t *root, model_t *m, vr_error_t *err)
{
    build_t b = {.ks = ks, .err = err, .m = m};
    vr_code_t rc;
    memset(m, 0, sizeof(*m));
    m->arena = vr_arena_new(0);
    if (!json_is_object(root)) {
        rc = fail(&b, "expected a JSON object");
        goto out;
    }
    if ((rc = get_bool(&b, root, "sharded", "", &m->sharded)) ||
        (rc = get_bool(&b, root, "require_explicit_routing", "",
                       &m->require_explicit_routing)))
        goto out;
    /* vindexes first: tables resolve their column vindexes against them */
    if ((rc = build_vindexes(&b, root)) == VR_OK)
        rc = build_tables(&b, root);
out:
    if (rc)
        model_free(m);
    return rc;
}

/* Replace vs's document and model with root (stolen) when it builds. */
static vr_code_t apply(vr_vschema_t *vs, json_t *root, vr_error_t *err)
{
    model_t m;
    vr_code_t rc = model_build(vs->keyspace, root, &m, err);
    if (rc) {
        json_decref(root);
        return rc;
    }
    model_free(&vs->m);
    vs->m = m;
    json_decref(vs->root);
    vs->root = root;
    return VR_OK;
}

/* ---- public: load, free, accessors ---- */

vr_code_t vr_vschema_parse(const char *keyspace, const char *json,
                           vr_vschema_t **out, vr_error_t *err)
{
    json_error_t jerr;
    json_t *root = NULL;
    vr_vschema_t *vs = NULL;
    vr_code_t rc = VR_OK;
    *out = NULL;
    if (!keyspace)
        keyspace = "";
    if (!json)
        return vr_errorf(err, VR_INVALID, "vschema %s: no JSON given", keyspace);
    root = json_loads(json, JSON_REJECT_DUPLICATES, &jerr);
    if (!root)
        return vr_errorf(err, VR_PARSE, "vschema %s: invalid JSON at line %d, column %d: %s",
                         keyspace, jerr.line, jerr.column, jerr.text);
    vs = vr_xcalloc(1, sizeof(*vs));
    vs->keyspace = vr_xstrdup(keyspace);
    vs->root = json_object();
    if ((rc = apply(vs, root, err))) {
        vr_vschema_free(vs);
        goto out;
    }
    *out = vs;
out:
    return rc;
}

vr_vschema_t *vr_vschema_new(const char *keyspace, bool sharded)
{
    vr_vschema_t *vs = vr_xcalloc(1, sizeof(*vs));
    vs->keyspace = vr_xstrdup(keyspace ? keyspace : "");
    vs->root = json_object();
    if (sharded)
        json_object_set_new(vs->root, "sharded", json_true());
    if (model_build(vs->keyspace, vs->root, &vs->m, NULL) != VR_OK)
        abort(); /* an empty document always builds */
    return vs;
}

void vr_vschema_free(vr_vschema_t *vs)
{
    if (!vs)
        return;
    model_free(&vs->m);
    json_decref(vs->root);
    free(vs->keyspace);
    free(vs);
}

const char *vr_vschema_keyspace(const vr_vschema_t *vs)
{
    return vs->keyspace;
}

bool vr_vschema_sharded(const vr_vschema_t *vs)
{
    return vs->m.sharded;
}

bool vr_vschema_require_explicit_routing(const vr_vschema_t *vs)
{
    return vs->m.require_explicit_routing;
}

size_t vr_vschema_table_count(const vr_vschema_t *vs)
{
    return vs->m.ntables;
}

const vr_vschema_table_t *vr_vschema_table_at(const vr_vschema_t *vs, size_t i)
{
    return i < vs->m.ntables ? &vs->m.tables[i] : NULL;
}

size_t vr_vschema_vindex_count(const vr_vschema_t *vs)
{
    return vs->m.nvindexes;
}

const vr_vschema_vindex_t *vr_vschema_vindex_at(const vr_vschema_t *vs, size_t i)
{
    return i < vs->m.nvindexes ? &vs->m.vindexes[i] : NULL;
}

const vr_vschema_table_t *vr_vschema_table(const vr_vschema_t *vs, const char *name)
{
    return name ? find_table(&vs->m, name) : NULL;
}

const vr_vschema_vindex_t *vr_vschema_vindex(const vr_vschema_t *vs, const char *name)
{
    return name ? find_vindex(&vs->m, name) : NULL;
}

const vr_vschema_colvindex_t *vr_vschema_primary_vindex(const vr_vschema_t *vs,
                                                        const char *table)
{
    const vr_vschema_table_t *t = vr_vschema_table(vs, table);
    return t && t->ncolumn_vindexes ? &t->column_vindexes[0] : NULL;
}

const char *vr_vschema_table_type_name(vr_vschema_table_type_t t)
{
    switch (t) {
    case VR_VSCHEMA_TABLE_NORMAL:
        return "";
    case VR_VSCHEMA_TABLE_REFERENCE:
        return "reference";
    case VR_VSCHEMA_TABLE_SEQUENCE:
        return "sequence";
    }
    return "unknown";
}

/* ---- serialization: known keys in Vitess's order, the rest sorted ---- */

/* The expected layout of a JSON value: an object with known keys (in
 * output order, each with its own shape), or a map/array whose every
 * member has the shape `each`.  NULL: anything, keys sorted. */
typedef struct shape {
    const char *const *keys; /* NULL-terminated; NULL for maps and arrays */
    const struct shape *const *kids;
    const struct shape *each;
} shape_t;

static const shape_t S_VINDEX = {
    (const char *const[]){"type", "params", "owner", NULL},
    (const shape_t *const[]){NULL, NULL, NULL}, NULL};
static const shape_t S_VINDEXES = {NULL, NULL, &S_VINDEX};
static const shape_t S_CV = {(const char *const[]){"column", "columns", "name", NULL},
                             (const shape_t *const[]){NULL, NULL, NULL}, NULL};
static const shape_t S_CVS = {NULL, NULL, &S_CV};
static const shape_t S_AUTOINC = {(const char *const[]){"column", "sequence", NULL},
                                  (const shape_t *const[]){NULL, NULL}, NULL};
static const shape_t S_COL = {(const char *const[]){"name", "type", NULL},
                              (const shape_t *const[]){NULL, NULL}, NULL};
static const shape_t S_COLS = {NULL, NULL, &S_COL};
static const shape_t S_TABLE = {
    (const char *const[]){"type", "column_vindexes", "auto_increment", "columns", "pinned",
                          "source", "column_list_authoritative", NULL},
    (const shape_t *const[]){NULL, &S_CVS, &S_AUTOINC, &S_COLS, NULL, NULL, NULL}, NULL};
static const shape_t S_TABLES = {NULL, NULL, &S_TABLE};
static const shape_t S_ROOT = {
    (const char *const[]){"sharded", "vindexes", "tables", "require_explicit_routing",
                          NULL},
    (const shape_t *const[]){NULL, &S_VINDEXES, &S_TABLES, NULL}, NULL};

static json_t *canon(json_t *v, const shape_t *s);

static int str_cmp(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static bool is_known(const shape_t *s, const char *key)
{
    for (size_t i = 0; s && s->keys && s->keys[i]; i++)
        if (strcmp(s->keys[i], key) == 0)
            return true;
    return false;
}

/* Keys of obj that s does not know, sorted; *n gets the count. */
static const char **other_keys(json_t *obj, const shape_t *s, size_t *n)
{
    const char **keys = vr_xcalloc(json_object_size(obj) + 1, sizeof(char *));
    const char *key;
    json_t *v;
    *n = 0;
    json_object_foreach(obj, key, v) {
        if (!is_known(s, key))
            keys[(*n)++] = key;
    }
    qsort(keys, *n, sizeof(char *), str_cmp);
    return keys;
}

static json_t *canon_object(json_t *v, const shape_t *s)
{
    json_t *out = json_object();
    size_t n;
    for (size_t i = 0; s && s->keys && s->keys[i]; i++) {
        json_t *kv = json_object_get(v, s->keys[i]);
        if (kv)
            json_object_set_new(out, s->keys[i], canon(kv, s->kids[i]));
    }
    const char **keys = other_keys(v, s, &n);
    for (size_t i = 0; i < n; i++)
        json_object_set_new(out, keys[i],
                            canon(json_object_get(v, keys[i]), s ? s->each : NULL));
    free(keys);
    return out;
}

static json_t *canon(json_t *v, const shape_t *s)
{
    if (json_is_object(v))
        return canon_object(v, s);
    if (json_is_array(v)) {
        json_t *out = json_array(), *e;
        size_t i;
        json_array_foreach(v, i, e) {
            json_array_append_new(out, canon(e, s ? s->each : NULL));
        }
        return out;
    }
    return json_incref(v);
}

char *vr_vschema_to_json(const vr_vschema_t *vs)
{
    json_t *c = canon(vs->root, &S_ROOT);
    char *s = json_dumps(c, JSON_INDENT(2));
    json_decref(c);
    if (!s)
        abort();
    char *out = vr_xstrdup(s);
    free(s);
    return out;
}

/* ---- edits ---- */

/* The member key of obj as an object, created when absent or null. */
static json_t *ensure_object(json_t *obj, const char *key)
{
    json_t *v = field(obj, key);
    if (!v) {
        v = json_object();
        json_object_set_new(obj, key, v);
    }
    return v;
}

static vr_code_t check_name(const vr_vschema_t *vs, const char *what, const char *name,
                            vr_error_t *err)
{
    if (!name || !*name)
        return vr_errorf(err, VR_INVALID, "vschema %s: %s name is empty", vs->keyspace,
                         what);
    return VR_OK;
}

vr_code_t vr_vschema_add_vindex(vr_vschema_t *vs, const char *name, const char *type,
                                vr_error_t *err)
{
    const vr_vschema_vindex_t *old;
    vr_vindex_type_t t;
    json_t *root;
    if (check_name(vs, "vindex", name, err))
        return err ? err->code : VR_INVALID;
    if (!type || vr_vindex_type_parse(type, &t, NULL) != VR_OK)
        return vr_errorf(err, VR_INVALID, "vschema %s: vindexes.%s.type: unknown vindex "
                         "type \"%s\"", vs->keyspace, name, type ? type : "");
    old = find_vindex(&vs->m, name);
    if (old && old->type == t)
        return VR_OK;
    if (old)
        return vr_errorf(err, VR_EXISTS, "vschema %s: vindex \"%s\" exists with type %s, "
                         "not %s", vs->keyspace, name, old->type_name, type);
    root = json_deep_copy(vs->root);
    json_object_set_new(ensure_object(root, "vindexes"), name,
                        json_pack("{s:s}", "type", type));
    return apply(vs, root, err);
}

static vr_code_t add_table_json(vr_vschema_t *vs, const char *table, json_t *t,
                                vr_error_t *err)
{
    json_t *root;
    if (check_name(vs, "table", table, err)) {
        json_decref(t);
        return err ? err->code : VR_INVALID;
    }
    if (find_table(&vs->m, table)) {
        json_decref(t);
        return vr_errorf(err, VR_EXISTS, "vschema %s: table \"%s\" already exists",
                         vs->keyspace, table);
    }
    root = json_deep_copy(vs->root);
    json_object_set_new(ensure_object(root, "tables"), table, t);
    return apply(vs, root, err);
}

vr_code_t vr_vschema_add_table(vr_vschema_t *vs, const char *table, const char *column,
                               const char *vindex, vr_error_t *err)
{
    json_t *t = json_object();
    if (column || vindex) {
        if (!column || !*column || !vindex || !*vindex) {
            json_decref(t);
            return vr_errorf(err, VR_INVALID, "vschema %s: tables.%s: a primary vindex "
                             "needs both a column and a vindex", vs->keyspace,
                             table ? table : "");
        }
        json_object_set_new(t, "column_vindexes",
                            json_pack("[{s:s,s:s}]", "column", column, "name", vindex));
    }
    return add_table_json(vs, table, t, err);
}

vr_code_t vr_vschema_add_reference_table(vr_vschema_t *vs, const char *table,
                                         const char *source, vr_error_t *err)
{
    json_t *t = json_pack("{s:s}", "type", "reference");
    if (source && *source)
        json_object_set_new(t, "source", json_string(source));
    return add_table_json(vs, table, t, err);
}

vr_code_t vr_vschema_remove_table(vr_vschema_t *vs, const char *table, vr_error_t *err)
{
    json_t *root;
    if (!table || !find_table(&vs->m, table))
        return vr_errorf(err, VR_NOT_FOUND, "vschema %s: table \"%s\" not found",
                         vs->keyspace, table ? table : "");
    root = json_deep_copy(vs->root);
    json_object_del(json_object_get(root, "tables"), table);
    return apply(vs, root, err);
}

/* ---- the cluster ---- */

static const vr_vschema_t *find_keyspace(const vr_vschema_t *const *vs, size_t n,
                                         const char *ks, size_t kslen)
{
    for (size_t i = 0; i < n; i++)
        if (strlen(vs[i]->keyspace) == kslen && strncmp(vs[i]->keyspace, ks, kslen) == 0)
            return vs[i];
    return NULL;
}

static vr_code_t found_sequence(const vr_vschema_t *ks, const vr_vschema_table_t *t,
                                const vr_vschema_t **ks_out,
                                const vr_vschema_table_t **table_out, vr_error_t *err)
{
    if (t->type != VR_VSCHEMA_TABLE_SEQUENCE)
        return vr_errorf(err, VR_INVALID, "table \"%s\" in keyspace %s is not a sequence "
                         "table", t->name, ks->keyspace);
    if (ks_out)
        *ks_out = ks;
    if (table_out)
        *table_out = t;
    return VR_OK;
}

static vr_code_t find_qualified_sequence(const vr_vschema_t *const *vs, size_t n,
                                         const char *seq, const vr_vschema_t **ks_out,
                                         const vr_vschema_table_t **table_out,
                                         vr_error_t *err)
{
    const char *dot = strchr(seq, '.');
    const vr_vschema_t *ks = find_keyspace(vs, n, seq, (size_t)(dot - seq));
    const vr_vschema_table_t *t;
    if (!ks)
        return vr_errorf(err, VR_NOT_FOUND, "sequence table \"%s\": keyspace \"%.*s\" not "
                         "found", seq, (int)(dot - seq), seq);
    t = find_table(&ks->m, dot + 1);
    if (!t)
        return vr_errorf(err, VR_NOT_FOUND, "sequence table \"%s\" not found in keyspace "
                         "%s", seq, ks->keyspace);
    return found_sequence(ks, t, ks_out, table_out, err);
}

vr_code_t vr_vschema_find_sequence(const vr_vschema_t *const *vs, size_t n,
                                   const char *seq, const vr_vschema_t **ks_out,
                                   const vr_vschema_table_t **table_out, vr_error_t *err)
{
    const vr_vschema_t *hit = NULL, *other = NULL, *plain = NULL;
    const vr_vschema_table_t *ht = NULL, *pt = NULL;
    if (!seq || !*seq)
        return vr_errorf(err, VR_INVALID, "empty sequence table name");
    if (strchr(seq, '.'))
        return find_qualified_sequence(vs, n, seq, ks_out, table_out, err);
    for (size_t i = 0; i < n; i++) {
        const vr_vschema_table_t *t = find_table(&vs[i]->m, seq);
        if (!t)
            continue;
        if (t->type != VR_VSCHEMA_TABLE_SEQUENCE) {
            if (!plain)
                plain = vs[i], pt = t;
        } else if (!hit) {
            hit = vs[i], ht = t;
        } else if (!other) {
            other = vs[i];
        }
    }
    if (other)
        return vr_errorf(err, VR_INVALID, "sequence table \"%s\" is in more than one "
                         "keyspace (%s, %s): qualify it as keyspace.%s", seq,
                         hit->keyspace, other->keyspace, seq);
    if (hit)
        return found_sequence(hit, ht, ks_out, table_out, err);
    if (plain)
        return found_sequence(plain, pt, ks_out, table_out, err);
    return vr_errorf(err, VR_NOT_FOUND, "sequence table \"%s\" not found in any keyspace",
                     seq);
}

/* A reference table's source (Vitess buildKeyspaceReferences). */
static vr_code_t check_reference(const vr_vschema_t *const *vs, size_t n,
                                 const vr_vschema_table_t *t, vr_error_t *err)
{
    const char *src = t->source, *dot = strchr(src, '.');
    const vr_vschema_t *ks = find_keyspace(vs, n, src, (size_t)(dot - src));
    const vr_vschema_table_t *st;
    if (!ks)
        return vr_errorf(err, VR_INVALID, "source \"%s\": keyspace \"%.*s\" not found", src,
                         (int)(dot - src), src);
    st = find_table(&ks->m, dot + 1);
    if (!st)
        return vr_errorf(err, VR_INVALID, "source \"%s\": table \"%s\" not found in "
                         "keyspace %s", src, dot + 1, ks->keyspace);
    if (st->type == VR_VSCHEMA_TABLE_SEQUENCE)
        return vr_errorf(err, VR_INVALID, "source \"%s\" is a sequence table, not a plain "
                         "or reference table", src);
    if (st->source)
        return vr_errorf(err, VR_INVALID, "source \"%s\" is itself a copy of \"%s\": "
                         "reference chains are not allowed", src, st->source);
    return VR_OK;
}

static vr_code_t check_cluster_table(const vr_vschema_t *const *vs, size_t n,
                                     const vr_vschema_t *ks, const vr_vschema_table_t *t,
                                     vr_error_t *err)
{
    vr_code_t rc = VR_OK;
    if (t->auto_increment_sequence &&
        (rc = vr_vschema_find_sequence(vs, n, t->auto_increment_sequence, NULL, NULL, err))) {
        vr_error_prefix(err, "vschema %s: tables.%s.auto_increment.sequence", ks->keyspace,
                        t->name);
        goto out;
    }
    if (t->source && (rc = check_reference(vs, n, t, err))) {
        vr_error_prefix(err, "vschema %s: tables.%s.source", ks->keyspace, t->name);
        goto out;
    }
out:
    if (rc && err)
        err->code = VR_INVALID;
    return rc ? VR_INVALID : VR_OK;
}

vr_code_t vr_vschema_validate_cluster(const vr_vschema_t *const *vs, size_t n,
                                      vr_error_t *err)
{
    for (size_t i = 0; i < n; i++) {
        for (size_t j = 0; j < i; j++)
            if (strcmp(vs[i]->keyspace, vs[j]->keyspace) == 0)
                return vr_errorf(err, VR_INVALID, "vschema %s: keyspace given twice",
                                 vs[i]->keyspace);
        for (size_t j = 0; j < vs[i]->m.ntables; j++) {
            vr_code_t rc = check_cluster_table(vs, n, vs[i], &vs[i]->m.tables[j], err);
            if (rc)
                return rc;
        }
    }
    return VR_OK;
}
