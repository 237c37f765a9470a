/*
 * topo.c - the backend-neutral front of the topology (vr_topo.h).
 *
 * What: vr_topo_open() picks a backend from the address ("sqlite:PATH" or
 * a plain path; other schemes are VR_UNSUPPORTED) and every public call
 * goes through the backend's vr_topo_ops_t (topo_backend.h).  This file
 * owns what must not differ between backends:
 *   - argument validation: names non-empty, shorter than VR_NAME_MAX and
 *     free of control characters and '/'; shard names parse as keyranges;
 *     tablet types in range; tablet strings NUL-terminated;
 *   - result order: keyspaces by name, shards by keyrange start ("-80"
 *     before "80-"), tablets by keyspace, shard, type, uid;
 *   - the clock for locks (unix seconds from time());
 *   - error context: "topo: create keyspace \"customer\": ...".
 *
 * Concurrency: a handle may be shared by threads when the backend allows
 * it (the SQLite backend serializes calls with a mutex).  After fork() a
 * child must open its own handle.  This file keeps no global state.
 */
#include "vr_topo.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "topo_backend.h"
#include "vr_common.h"
#include "vr_keyrange.h"

#define DEFAULT_ROUTING_RULES "{\"rules\":[]}"

struct vr_topo {
    const vr_topo_ops_t *ops;
    void *be;
};

/* ---- small helpers ---------------------------------------------------- */

static const char *S(const char *s)
{
    return s ? s : "";
}

/* Add "topo: <what>" to a failed call's error; returns rc. */
static vr_code_t ctx(vr_code_t rc, vr_error_t *err, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static vr_code_t ctx(vr_code_t rc, vr_error_t *err, const char *fmt, ...)
{
    char what[512];
    va_list ap;

    if (rc == VR_OK)
        return rc;
    va_start(ap, fmt);
    vsnprintf(what, sizeof(what), fmt, ap);
    va_end(ap);
    if (err && err->code != rc) /* never leave a stale message behind */
        vr_errorf(err, rc, "%s", vr_code_message(rc));
    vr_error_prefix(err, "topo: %s", what);
    return rc;
}

static vr_code_t check_handle(vr_topo_t *t, vr_error_t *err)
{
    if (!t)
        return vr_errorf(err, VR_INVALID, "no topology handle");
    return VR_OK;
}

static vr_code_t check_out(const void *p, const char *what, vr_error_t *err)
{
    if (!p)
        return vr_errorf(err, VR_INVALID, "%s: output pointer is NULL", what);
    return VR_OK;
}

/* what: "keyspace", "shard", ... */
static vr_code_t check_name(const char *what, const char *s, vr_error_t *err)
{
    if (!s || !*s)
        return vr_errorf(err, VR_INVALID, "%s name is empty", what);
    if (strlen(s) >= VR_NAME_MAX)
        return vr_errorf(err, VR_INVALID, "%s name \"%.16s...\" is longer than %d bytes",
                         what, s, VR_NAME_MAX - 1);
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if (*p < 0x20 || *p == 0x7f || *p == '/')
            return vr_errorf(err, VR_INVALID,
                             "%s name \"%s\" contains '/' or a control character",
                             what, s);
    }
    return VR_OK;
}

static vr_code_t check_shard(const char *shard, vr_error_t *err)
{
    vr_keyrange_t kr;
    vr_code_t rc = check_name("shard", shard, err);

    if (rc == VR_OK && (rc = vr_keyrange_parse(shard, &kr, err)) != VR_OK)
        vr_error_prefix(err, "shard name \"%s\" is not a keyrange", shard);
    return rc;
}

/* Non-empty text of any length (keys, owners, JSON documents). */
static vr_code_t check_text(const char *what, const char *s, vr_error_t *err)
{
    if (!s || !*s)
        return vr_errorf(err, VR_INVALID, "%s is empty", what);
    return VR_OK;
}

static vr_code_t check_type(vr_tablet_type_t type, vr_error_t *err)
{
    if ((unsigned)type > VR_TABLET_RDONLY)
        return vr_errorf(err, VR_INVALID, "unknown tablet type %d", (int)type);
    return VR_OK;
}

/* ---- tablet types ------------------------------------------------------- */

const char *vr_tablet_type_name(vr_tablet_type_t t)
{
    switch (t) {
    case VR_TABLET_PRIMARY:
        return "primary";
    case VR_TABLET_REPLICA:
        return "replica";
    case VR_TABLET_RDONLY:
        return "rdonly";
    }
    return "unknown";
}

vr_code_t vr_tablet_type_parse(const char *s, vr_tablet_type_t *out, vr_error_t *err)
{
    static const struct {
        const char *name;
        vr_tablet_type_t type;
    } names[] = {
        {"primary", VR_TABLET_PRIMARY},
        {"master", VR_TABLET_PRIMARY},
        {"replica", VR_TABLET_REPLICA},
        {"rdonly", VR_TABLET_RDONLY},
    };

    if (!out)
        return check_out(out, "tablet type", err);
    for (size_t i = 0; s && i < VR_ARRAY_LEN(names); i++) {
        if (strcasecmp(s, names[i].name) == 0) {
            *out = names[i].type;
            return VR_OK;
        }
    }
    return vr_errorf(err, VR_INVALID,
                     "unknown tablet type \"%s\" (want primary, replica or rdonly)",
                     S(s));
}

vr_code_t vr_tablet_types_parse(const char *s, vr_tablet_type_t *types, size_t *n,
                                vr_error_t *err)
{
    const char *p = s && strncmp(s, "in_order:", 9) == 0 ? s + 9 : s;
    *n = 0;
    while (p && *p) {
        char word[32];
        size_t len = strcspn(p, ", ");
        if (len && len < sizeof(word)) {
            memcpy(word, p, len);
            word[len] = '\0';
            if (*n == VR_TABLET_TYPES_MAX ||
                vr_tablet_type_parse(word, &types[*n], NULL) != VR_OK)
                return vr_errorf(err, VR_INVALID, "tablet types %s: '%s' is not a tablet type "
                                                  "(primary, replica, rdonly)", s, word);
            (*n)++;
        } else if (len) {
            return vr_errorf(err, VR_INVALID, "tablet types %s: '%.*s' is not a tablet type "
                                              "(primary, replica, rdonly)", s, (int)len, p);
        }
        p += len;
        p += strspn(p, ", ");
    }
    return VR_OK;
}

/* ---- ordering ----------------------------------------------------------- */

static size_t norm_len(const uint8_t *p, size_t len)
{
    while (len && p[len - 1] == 0)
        len--;
    return len;
}

/* Keyrange bounds compare as unsigned bytes, trailing zero bytes ignored. */
static int cmp_bound(const uint8_t *a, size_t alen, const uint8_t *b, size_t blen)
{
    int c;

    alen = norm_len(a, alen);
    blen = norm_len(b, blen);
    c = memcmp(a, b, alen < blen ? alen : blen);
    if (c)
        return c;
    return (alen > blen) - (alen < blen);
}

/* By start, then by end (an open end, one that normalizes to nothing, is
 * the maximum). */
static int cmp_keyrange(const vr_keyrange_t *a, const vr_keyrange_t *b)
{
    int c = cmp_bound(a->start, a->start_len, b->start, b->start_len);
    bool aopen = norm_len(a->end, a->end_len) == 0;
    bool bopen = norm_len(b->end, b->end_len) == 0;

    if (c)
        return c;
    if (aopen || bopen)
        return (int)aopen - (int)bopen;
    return cmp_bound(a->end, a->end_len, b->end, b->end_len);
}

/* Shard names by keyrange; names that do not parse sort last, by name. */
static int cmp_shard_names(const char *a, const char *b)
{
    vr_keyrange_t ka, kb;
    vr_error_t e;
    bool oka = vr_keyrange_parse(a, &ka, &e) == VR_OK;
    bool okb = vr_keyrange_parse(b, &kb, &e) == VR_OK;
    int c = 0;

    if (oka && okb)
        c = cmp_keyrange(&ka, &kb);
    else if (oka != okb)
        c = oka ? -1 : 1;
    return c ? c : strcmp(a, b);
}

static int qcmp_names(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static int qcmp_shards(const void *a, const void *b)
{
    return cmp_shard_names(*(const char *const *)a, *(const char *const *)b);
}

static int qcmp_tablets(const void *pa, const void *pb)
{
    const vr_tablet_t *a = pa, *b = pb;
    int c = strcmp(a->keyspace, b->keyspace);

    if (!c)
        c = cmp_shard_names(a->shard, b->shard);
    if (!c)
        c = (a->type > b->type) - (a->type < b->type);
    if (!c)
        c = (a->uid > b->uid) - (a->uid < b->uid);
    return c ? c : strcmp(a->alias, b->alias);
}

/* ---- open / close / version -------------------------------------------- */

/* Split addr into a backend and its target.  "sqlite:PATH",
 * "sqlite://PATH" and plain paths are SQLite; "scheme:..." else is not. */
static vr_code_t parse_addr(const char *addr, const vr_topo_ops_t **ops,
                            const char **target, vr_error_t *err)
{
    size_t n = 0;

    if (!addr || !*addr)
        return vr_errorf(err, VR_INVALID, "empty topology address");
    if (isalpha((unsigned char)addr[0]))
        n = strspn(addr, "abcdefghijklmnopqrstuvwxyz"
                         "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789+.-");
    *ops = &vr_topo_sqlite_ops;
    *target = addr;
    if (n == 0 || addr[n] != ':')
        return VR_OK; /* a plain path */
    if (n != 6 || strncasecmp(addr, "sqlite", 6) != 0)
        return vr_errorf(err, VR_UNSUPPORTED,
                         "unsupported topology address \"%s\": the built-in backend "
                         "is sqlite (\"sqlite:PATH\" or a plain file path)",
                         addr);
    *target = addr + 7;
    if (strncmp(*target, "//", 2) == 0)
        *target += 2;
    if (!**target)
        return vr_errorf(err, VR_INVALID, "topology address \"%s\" has no path", addr);
    return VR_OK;
}

vr_code_t vr_topo_open(const char *addr, vr_topo_t **out, vr_error_t *err)
{
    const vr_topo_ops_t *ops = NULL;
    const char *target = NULL;
    void *be = NULL;
    vr_code_t rc = check_out(out, "open", err);

    if (rc == VR_OK)
        rc = parse_addr(addr, &ops, &target, err);
    if (rc == VR_OK)
        rc = ops->open(target, &be, err);
    if (rc != VR_OK)
        return ctx(rc, err, "open \"%s\"", S(addr));
    *out = vr_xcalloc(1, sizeof(**out));
    (*out)->ops = ops;
    (*out)->be = be;
    vr_log_debug("topo", "opened %s topology %s", ops->name, target);
    return VR_OK;
}

void vr_topo_close(vr_topo_t *t)
{
    if (!t)
        return;
    t->ops->close(t->be);
    free(t);
}

vr_code_t vr_topo_version(vr_topo_t *t, int64_t *out, vr_error_t *err)
{
    vr_code_t rc = check_handle(t, err);

    if (rc == VR_OK)
        rc = check_out(out, "version", err);
    if (rc == VR_OK)
        rc = t->ops->version(t->be, out, err);
    return ctx(rc, err, "read version");
}

void vr_topo_strv_free(char **v, size_t n)
{
    if (!v)
        return;
    for (size_t i = 0; i < n; i++)
        free(v[i]);
    free(v);
}

/* ---- keyspaces and shards ----------------------------------------------- */

vr_code_t vr_topo_create_keyspace(vr_topo_t *t, const char *ks, vr_error_t *err)
{
    vr_code_t rc = check_handle(t, err);

    if (rc == VR_OK)
        rc = check_name("keyspace", ks, err);
    if (rc == VR_OK)
        rc = t->ops->create_keyspace(t->be, ks, err);
    return ctx(rc, err, "create keyspace \"%s\"", S(ks));
}

vr_code_t vr_topo_delete_keyspace(vr_topo_t *t, const char *ks, vr_error_t *err)
{
    vr_code_t rc = check_handle(t, err);

    if (rc == VR_OK)
        rc = check_name("keyspace", ks, err);
    if (rc == VR_OK)
        rc = t->ops->delete_keyspace(t->be, ks, err);
    return ctx(rc, err, "delete keyspace \"%s\"", S(ks));
}

vr_code_t vr_topo_list_keyspaces(vr_topo_t *t, char ***names, size_t *n,
                                 vr_error_t *err)
{
    vr_code_t rc = check_handle(t, err);

    if (rc == VR_OK)
        rc = check_out(names && n ? names : NULL, "list keyspaces", err);
    if (rc == VR_OK) {
        *names = NULL;
        *n = 0;
        rc = t->ops->list_keyspaces(t->be, names, n, err);
    }
    if (rc == VR_OK && *n > 1)
        qsort(*names, *n, sizeof(**names), qcmp_names);
    return ctx(rc, err, "list keyspaces");
}

vr_code_t vr_topo_create_shard(vr_topo_t *t, const char *ks, const char *shard,
                               vr_error_t *err)
{
    vr_code_t rc = check_handle(t, err);

    if (rc == VR_OK)
        rc = check_name("keyspace", ks, err);
    if (rc == VR_OK)
        rc = check_shard(shard, err);
    if (rc == VR_OK)
        rc = t->ops->create_shard(t->be, ks, shard, err);
    return ctx(rc, err, "create shard \"%s/%s\"", S(ks), S(shard));
}

vr_code_t vr_topo_delete_shard(vr_topo_t *t, const char *ks, const char *shard,
                               vr_error_t *err)
{
    vr_code_t rc = check_handle(t, err);

    if (rc == VR_OK)
        rc = check_name("keyspace", ks, err);
    if (rc == VR_OK)
        rc = check_name("shard", shard, err);
    if (rc == VR_OK)
        rc = t->ops->delete_shard(t->be, ks, shard, err);
    return ctx(rc, err, "delete shard \"%s/%s\"", S(ks), S(shard));
}

vr_code_t vr_topo_list_shards(vr_topo_t *t, const char *ks, char ***names,
                              size_t *n, vr_error_t *err)
{
    vr_code_t rc = check_handle(t, err);

    if (rc == VR_OK)
        rc = check_out(names && n ? names : NULL, "list shards", err);
    if (rc == VR_OK)
        rc = check_name("keyspace", ks, err);
    if (rc == VR_OK) {
        *names = NULL;
        *n = 0;
        rc = t->ops->list_shards(t->be, ks, names, n, err);
    }
    if (rc == VR_OK && *n > 1)
        qsort(*names, *n, sizeof(**names), qcmp_shards);
    return ctx(rc, err, "list shards of \"%s\"", S(ks));
}

/* ---- tablets ------------------------------------------------------------ */

static vr_code_t check_field(const char *what, const char *s, size_t size,
                             bool required, vr_error_t *err)
{
    if (!memchr(s, '\0', size))
        return vr_errorf(err, VR_INVALID, "tablet %s is not NUL-terminated", what);
    if (required && !*s)
        return vr_errorf(err, VR_INVALID, "tablet %s is empty", what);
    return VR_OK;
}

#define CHECK_FIELD(tab, f, req, err) check_field(#f, (tab)->f, sizeof((tab)->f), req, err)

static vr_code_t check_tablet(const vr_tablet_t *tab, vr_error_t *err)
{
    vr_code_t rc = CHECK_FIELD(tab, alias, true, err);

    if (rc == VR_OK)
        rc = CHECK_FIELD(tab, cell, true, err);
    if (rc == VR_OK)
        rc = CHECK_FIELD(tab, host, false, err);
    if (rc == VR_OK)
        rc = CHECK_FIELD(tab, socket, false, err);
    if (rc == VR_OK)
        rc = CHECK_FIELD(tab, db_name, false, err);
    if (rc == VR_OK)
        rc = CHECK_FIELD(tab, state, false, err);
    if (rc == VR_OK)
        rc = CHECK_FIELD(tab, datadir, false, err);
    if (rc == VR_OK)
        rc = CHECK_FIELD(tab, keyspace, true, err);
    if (rc == VR_OK)
        rc = CHECK_FIELD(tab, shard, true, err);
    if (rc == VR_OK)
        rc = check_name("keyspace", tab->keyspace, err);
    if (rc == VR_OK)
        rc = check_shard(tab->shard, err);
    if (rc == VR_OK)
        rc = check_type(tab->type, err);
    if (rc == VR_OK && (tab->port < 0 || tab->port > 65535))
        rc = vr_errorf(err, VR_INVALID, "tablet port %d is out of range", tab->port);
    if (rc == VR_OK && tab->pid < 0)
        rc = vr_errorf(err, VR_INVALID, "tablet pid %d is negative", tab->pid);
    return rc;
}

vr_code_t vr_topo_put_tablet(vr_topo_t *t, const vr_tablet_t *tab, vr_error_t *err)
{
    vr_code_t rc = check_handle(t, err);
    const char *alias = "";

    if (rc == VR_OK && !tab)
        rc = vr_errorf(err, VR_INVALID, "no tablet given");
    if (rc == VR_OK) {
        rc = check_tablet(tab, err);
        alias = memchr(tab->alias, '\0', sizeof(tab->alias)) ? tab->alias : "?";
    }
    if (rc == VR_OK)
        rc = t->ops->put_tablet(t->be, tab, err);
    return ctx(rc, err, "put tablet \"%s\"", alias);
}

vr_code_t vr_topo_get_tablet(vr_topo_t *t, const char *alias, vr_tablet_t *out,
                             vr_error_t *err)
{
    vr_code_t rc = check_handle(t, err);

    if (rc == VR_OK)
        rc = check_out(out, "get tablet", err);
    if (rc == VR_OK)
        rc = check_text("tablet alias", alias, err);
    if (rc == VR_OK)
        rc = t->ops->get_tablet(t->be, alias, out, err);
    return ctx(rc, err, "get tablet \"%s\"", S(alias));
}

vr_code_t vr_topo_delete_tablet(vr_topo_t *t, const char *alias, vr_error_t *err)
{
    vr_code_t rc = check_handle(t, err);

    if (rc == VR_OK)
        rc = check_text("tablet alias", alias, err);
    if (rc == VR_OK)
        rc = t->ops->delete_tablet(t->be, alias, err);
    return ctx(rc, err, "delete tablet \"%s\"", S(alias));
}

static vr_code_t list_tablets(vr_topo_t *t, const char *ks, const char *shard,
                              vr_tablet_t **out, size_t *n, vr_error_t *err)
{
    vr_code_t rc = check_handle(t, err);

    if (rc == VR_OK)
        rc = check_out(out && n ? out : NULL, "list tablets", err);
    if (rc == VR_OK && ks && !*ks)
        rc = vr_errorf(err, VR_INVALID, "keyspace name is empty (NULL means any)");
    if (rc == VR_OK && shard && !*shard)
        rc = vr_errorf(err, VR_INVALID, "shard name is empty (NULL means any)");
    if (rc == VR_OK) {
        *out = NULL;
        *n = 0;
        rc = t->ops->list_tablets(t->be, ks, shard, out, n, err);
    }
    if (rc == VR_OK && *n > 1)
        qsort(*out, *n, sizeof(**out), qcmp_tablets);
    return rc;
}

vr_code_t vr_topo_list_tablets(vr_topo_t *t, const char *ks, const char *shard,
                               vr_tablet_t **out, size_t *n, vr_error_t *err)
{
    vr_code_t rc = list_tablets(t, ks, shard, out, n, err);

    return ctx(rc, err, "list tablets of \"%s/%s\"", ks ? ks : "*",
               shard ? shard : "*");
}

/* Exactly one primary: none is VR_NOT_FOUND, two or more (a reparent
 * that wrote the new primary before demoting the old one) is VR_STATE. */
static vr_code_t pick_primary(const vr_tablet_t *tabs, size_t n, vr_tablet_t *out,
                              vr_error_t *err)
{
    const vr_tablet_t *found = NULL;

    for (size_t i = 0; i < n; i++) {
        if (tabs[i].type != VR_TABLET_PRIMARY)
            continue;
        if (found)
            return vr_errorf(err, VR_STATE, "more than one primary: %s and %s",
                             found->alias, tabs[i].alias);
        found = &tabs[i];
    }
    if (!found)
        return vr_errorf(err, VR_NOT_FOUND, "no primary tablet");
    *out = *found;
    return VR_OK;
}

vr_code_t vr_topo_get_primary(vr_topo_t *t, const char *ks, const char *shard,
                              vr_tablet_t *out, vr_error_t *err)
{
    vr_tablet_t *tabs = NULL;
    size_t n = 0;
    vr_code_t rc = check_out(out, "get primary", err);

    if (rc == VR_OK)
        rc = check_name("keyspace", ks, err);
    if (rc == VR_OK)
        rc = check_name("shard", shard, err);
    if (rc == VR_OK)
        rc = list_tablets(t, ks, shard, &tabs, &n, err);
    if (rc == VR_OK)
        rc = pick_primary(tabs, n, out, err);
    free(tabs);
    return ctx(rc, err, "get primary of \"%s/%s\"", S(ks), S(shard));
}

/* ---- VSchema and routing rules ----------------------------------------- */

vr_code_t vr_topo_put_vschema(vr_topo_t *t, const char *ks, const char *json,
                              vr_error_t *err)
{
    vr_code_t rc = check_handle(t, err);

    if (rc == VR_OK)
        rc = check_name("keyspace", ks, err);
    if (rc == VR_OK)
        rc = check_text("vschema", json, err);
    if (rc == VR_OK)
        rc = t->ops->put_vschema(t->be, ks, json, err);
    return ctx(rc, err, "put vschema of \"%s\"", S(ks));
}

vr_code_t vr_topo_get_vschema(vr_topo_t *t, const char *ks, char **json,
                              vr_error_t *err)
{
    vr_code_t rc = check_handle(t, err);

    if (rc == VR_OK)
        rc = check_out(json, "get vschema", err);
    if (rc == VR_OK)
        rc = check_name("keyspace", ks, err);
    if (rc == VR_OK) {
        *json = NULL;
        rc = t->ops->get_vschema(t->be, ks, json, err);
    }
    return ctx(rc, err, "get vschema of \"%s\"", S(ks));
}

vr_code_t vr_topo_put_routing_rules(vr_topo_t *t, const char *json, vr_error_t *err)
{
    vr_code_t rc = check_handle(t, err);

    if (rc == VR_OK)
        rc = check_text("routing rules", json, err);
    if (rc == VR_OK)
        rc = t->ops->put_routing_rules(t->be, json, err);
    return ctx(rc, err, "put routing rules");
}

vr_code_t vr_topo_get_routing_rules(vr_topo_t *t, char **json, vr_error_t *err)
{
    vr_code_t rc = check_handle(t, err);

    if (rc == VR_OK)
        rc = check_out(json, "get routing rules", err);
    if (rc == VR_OK) {
        *json = NULL;
        rc = t->ops->get_routing_rules(t->be, json, err);
    }
    if (rc == VR_OK && !*json)
        *json = vr_xstrdup(DEFAULT_ROUTING_RULES);
    return ctx(rc, err, "get routing rules");
}

/* ---- denied tables ------------------------------------------------------ */

/* Table names non-empty; duplicates are dropped (first one kept). */
static vr_code_t dedup_tables(const char *const *tables, size_t n,
                              const char ***out, size_t *nout, vr_error_t *err)
{
    const char **v = NULL;
    size_t k = 0;

    if (n && !tables)
        return vr_errorf(err, VR_INVALID, "table list is NULL");
    v = n ? vr_xcalloc(n, sizeof(*v)) : NULL;
    for (size_t i = 0; i < n; i++) {
        bool dup = false;

        if (!tables[i] || !*tables[i]) {
            free(v);
            return vr_errorf(err, VR_INVALID, "table name %zu is empty", i);
        }
        for (size_t j = 0; j < k && !dup; j++)
            dup = strcmp(v[j], tables[i]) == 0;
        if (!dup)
            v[k++] = tables[i];
    }
    *out = v;
    *nout = k;
    return VR_OK;
}

static vr_code_t check_ks_shard_type(const char *ks, const char *shard,
                                     vr_tablet_type_t type, vr_error_t *err)
{
    vr_code_t rc = check_name("keyspace", ks, err);

    if (rc == VR_OK)
        rc = check_name("shard", shard, err);
    if (rc == VR_OK)
        rc = check_type(type, err);
    return rc;
}

vr_code_t vr_topo_set_denied_tables(vr_topo_t *t, const char *ks, const char *shard,
                                    vr_tablet_type_t type,
                                    const char *const *tables, size_t n,
                                    vr_error_t *err)
{
    const char **v = NULL;
    size_t k = 0;
    vr_code_t rc = check_handle(t, err);

    if (rc == VR_OK)
        rc = check_ks_shard_type(ks, shard, type, err);
    if (rc == VR_OK)
        rc = dedup_tables(tables, n, &v, &k, err);
    if (rc == VR_OK)
        rc = t->ops->set_denied_tables(t->be, ks, shard, type, v, k, err);
    free(v);
    return ctx(rc, err, "set denied tables of \"%s/%s\" %s", S(ks), S(shard),
               vr_tablet_type_name(type));
}

vr_code_t vr_topo_get_denied_tables(vr_topo_t *t, const char *ks, const char *shard,
                                    vr_tablet_type_t type, char ***tables,
                                    size_t *n, vr_error_t *err)
{
    vr_code_t rc = check_handle(t, err);

    if (rc == VR_OK)
        rc = check_out(tables && n ? tables : NULL, "get denied tables", err);
    if (rc == VR_OK)
        rc = check_ks_shard_type(ks, shard, type, err);
    if (rc == VR_OK) {
        *tables = NULL;
        *n = 0;
        rc = t->ops->get_denied_tables(t->be, ks, shard, type, tables, n, err);
    }
    return ctx(rc, err, "get denied tables of \"%s/%s\" %s", S(ks), S(shard),
               vr_tablet_type_name(type));
}

/* ---- key/value ---------------------------------------------------------- */

vr_code_t vr_topo_put_kv(vr_topo_t *t, const char *key, const char *value,
                         vr_error_t *err)
{
    vr_code_t rc = check_handle(t, err);

    if (rc == VR_OK)
        rc = check_text("key", key, err);
    if (rc == VR_OK && !value)
        rc = vr_errorf(err, VR_INVALID, "value is NULL");
    if (rc == VR_OK)
        rc = t->ops->put_kv(t->be, key, value, err);
    return ctx(rc, err, "put key \"%s\"", S(key));
}

vr_code_t vr_topo_get_kv(vr_topo_t *t, const char *key, char **value, vr_error_t *err)
{
    vr_code_t rc = check_handle(t, err);

    if (rc == VR_OK)
        rc = check_out(value, "get key", err);
    if (rc == VR_OK)
        rc = check_text("key", key, err);
    if (rc == VR_OK) {
        *value = NULL;
        rc = t->ops->get_kv(t->be, key, value, err);
    }
    return ctx(rc, err, "get key \"%s\"", S(key));
}

vr_code_t vr_topo_delete_kv(vr_topo_t *t, const char *key, vr_error_t *err)
{
    vr_code_t rc = check_handle(t, err);

    if (rc == VR_OK)
        rc = check_text("key", key, err);
    if (rc == VR_OK)
        rc = t->ops->delete_kv(t->be, key, err);
    return ctx(rc, err, "delete key \"%s\"", S(key));
}

/* ---- locks -------------------------------------------------------------- */

const char *vr_topo_format_utc(int64_t unix_seconds, char *buf, size_t size)
{
    time_t tt = (time_t)unix_seconds;
    struct tm tm;

    if (!gmtime_r(&tt, &tm) || !strftime(buf, size, "%Y-%m-%d %H:%M:%S UTC", &tm))
        snprintf(buf, size, "@%lld", (long long)unix_seconds);
    return buf;
}

static vr_code_t check_lock_args(const char *name, const char *owner,
                                 vr_error_t *err)
{
    vr_code_t rc = check_text("lock name", name, err);

    if (rc == VR_OK)
        rc = check_text("lock owner", owner, err);
    return rc;
}

/* A conflict's message already names the lock and its holder. */
static vr_code_t lock_ctx(vr_code_t rc, vr_error_t *err, const char *op,
                          const char *name)
{
    if (rc == VR_LOCKED) {
        vr_error_prefix(err, "topo");
        return rc;
    }
    return ctx(rc, err, "%s \"%s\"", op, S(name));
}

vr_code_t vr_topo_lock(vr_topo_t *t, const char *name, const char *owner,
                       int ttl_seconds, vr_error_t *err)
{
    int64_t now = (int64_t)time(NULL);
    vr_code_t rc = check_handle(t, err);

    if (rc == VR_OK)
        rc = check_lock_args(name, owner, err);
    if (rc == VR_OK && ttl_seconds <= 0)
        rc = vr_errorf(err, VR_INVALID, "lock ttl %d is not positive", ttl_seconds);
    if (rc == VR_OK)
        rc = t->ops->lock(t->be, name, owner, now, now + ttl_seconds, err);
    if (rc == VR_OK)
        vr_log_debug("topo", "lock \"%s\" taken by \"%s\" for %d s", name, owner,
                     ttl_seconds);
    return lock_ctx(rc, err, "lock", name);
}

vr_code_t vr_topo_unlock(vr_topo_t *t, const char *name, const char *owner,
                         vr_error_t *err)
{
    vr_code_t rc = check_handle(t, err);

    if (rc == VR_OK)
        rc = check_lock_args(name, owner, err);
    if (rc == VR_OK)
        rc = t->ops->unlock(t->be, name, owner, (int64_t)time(NULL), err);
    return lock_ctx(rc, err, "unlock", name);
}

vr_code_t vr_topo_lock_holder(vr_topo_t *t, const char *name, char *owner,
                              size_t owner_size, int64_t *expires_unix,
                              vr_error_t *err)
{
    int64_t exp = 0;
    vr_code_t rc = check_handle(t, err);

    if (rc == VR_OK)
        rc = check_text("lock name", name, err);
    if (rc == VR_OK && owner_size && !owner)
        rc = vr_errorf(err, VR_INVALID, "owner buffer is NULL");
    if (rc == VR_OK)
        rc = t->ops->lock_holder(t->be, name, (int64_t)time(NULL), owner,
                                 owner_size, &exp, err);
    if (rc == VR_OK && expires_unix)
        *expires_unix = exp;
    return ctx(rc, err, "lock holder of \"%s\"", S(name));
}
