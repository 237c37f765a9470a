/*
 * planner.c - plans SELECTs: resolves every table (routing rules for the
 * session's tablet type, then the keyspace named or in use, then the one
 * keyspace whose VSchema has the table), then
 *   - one keyspace: unsharded or reference-only -> its one (first) shard;
 *     sharded -> the shards `=`/`IN` on a primary vindex column select,
 *     else those a lookup vindex's table gives (plan_lookup.c), or all
 *     of them, merging ORDER BY, LIMIT/OFFSET, count/sum/min/max and
 *     GROUP BY; joins go down whole when every sharded table is tied to
 *     the others by equality on primary vindex columns of one vindex;
 *   - two keyspaces (`a join b on ...`, b one table): a nested-loop join:
 *     the left side runs once, the right side once per left row with the
 *     left's join values bound as literals.
 * Writes and the other statements are in plan_dml.c.
 *
 * Shard queries are the statement re-formatted with keyspace qualifiers
 * dropped (a tablet's connection is in its keyspace's database).  All
 * memory is the statement arena's.  Runs on a worker thread.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "plan_int.h"
#include "planner.h"

/* ---- table resolution ---- */

static const vr_vschema_table_t *vs_table(const pl_ks_t *k, const char *name)
{
    return vr_vschema_table(k->vs, name);
}

static vr_code_t in_keyspace(pl_ks_t *k, const char *name, pl_tref_t *t, vr_error_t *err)
{
    t->ks = k;
    t->name = name;
    t->vt = vs_table(k, name);
    if (!t->vt && vr_vschema_sharded(k->vs))
        return vr_error_mysql(err, PL_ER_NO_SUCH_TABLE, false,
                              "table '%s' not found in keyspace '%s'", name, k->name);
    return VR_OK;
}

static vr_code_t global_search(pl_sess_t *s, const char *name, pl_tref_t *t, vr_error_t *err)
{
    pl_ks_t *found = NULL, *unsharded = NULL;
    size_t i, nfound = 0, nunsharded = 0;
    for (i = 0; i < s->snap->nks; i++) {
        pl_ks_t *k = &s->snap->ks[i];
        const vr_vschema_table_t *vt = vs_table(k, name);
        if (vt && vt->type != VR_VSCHEMA_TABLE_REFERENCE) {
            found = k;
            nfound++;
        }
        if (!vr_vschema_sharded(k->vs)) {
            unsharded = k;
            nunsharded++;
        }
    }
    if (nfound > 1)
        return vr_error_mysql(err, VR_GW_ER_UNKNOWN, false,
                              "ambiguous table reference: %s (qualify it with a keyspace)",
                              name);
    if (!found && nunsharded == 1)
        found = unsharded;
    if (!found)
        return vr_error_mysql(err, PL_ER_NO_SUCH_TABLE, false,
                              "table '%s' not found in any keyspace", name);
    return in_keyspace(found, name, t, err);
}

vr_code_t pl_resolve(pl_sess_t *s, vr_sql_table_name_t *n, pl_tref_t *t, vr_error_t *err)
{
    const vr_routing_rule_t *rule;
    const char *qual = n->qualifier;
    pl_ks_t *k;

    memset(t, 0, sizeof(*t));
    t->node = n;
    rule = vr_routing_find(s->snap->rr, qual, n->name, s->type);
    if (!rule && !qual && s->ks[0])
        rule = vr_routing_find(s->snap->rr, s->ks, n->name, s->type);
    if (rule) {
        size_t i;
        t->nalt = 0;
        for (i = 0; i < rule->nto && t->nalt < PL_MAX_ALT; i++)
            t->alt[t->nalt++] = rule->targets[i];
        if (!(k = pl_find_ks(s->snap, rule->targets[0].keyspace)))
            return vr_error_mysql(err, PL_ER_BAD_DB, false, "routing rule for %s: unknown keyspace %s",
                                  n->name, rule->targets[0].keyspace);
        return in_keyspace(k, rule->targets[0].table, t, err);
    }
    if (qual) {
        if (!(k = pl_find_ks(s->snap, qual)))
            return vr_error_mysql(err, PL_ER_BAD_DB, false, "Unknown database '%s'", qual);
        return in_keyspace(k, n->name, t, err);
    }
    if (s->ks[0] && (k = pl_find_ks(s->snap, s->ks)) != NULL &&
        (!vr_vschema_sharded(k->vs) || vs_table(k, n->name)))
        return in_keyspace(k, n->name, t, err);
    return global_search(s, n->name, t, err);
}

/* Switch a table with several routing targets to the one in ks. */
static void prefer_keyspace(pl_sess_t *s, pl_tref_t *t, const pl_ks_t *ks)
{
    size_t i;
    vr_error_t e;
    for (i = 0; i < t->nalt; i++)
        if (strcmp(t->alt[i].keyspace, ks->name) == 0 && t->ks != ks) {
            in_keyspace((pl_ks_t *)ks, t->alt[i].table, t, &e);
            return;
        }
    (void)s;
}

static void collect_from(pl_sess_t *s, vr_sql_table_expr_t *te, pl_trefs_t *out, bool *derived)
{
    size_t i;
    switch (te->kind) {
    case VR_SQL_TABLE_ALIASED:
        if (te->aliased.derived) {
            *derived = true;
            return;
        }
        if (out->n == out->cap) {
            size_t cap = out->cap ? 2 * out->cap : 8;
            pl_tref_t *n = vr_arena_calloc(s->a, cap * sizeof(*n));
            if (out->n)
                memcpy(n, out->t, out->n * sizeof(*n));
            out->t = n;
            out->cap = cap;
        }
        out->t[out->n].node = &te->aliased.name;
        out->t[out->n++].alias = te->aliased.alias ? te->aliased.alias : te->aliased.name.name;
        return;
    case VR_SQL_TABLE_JOIN:
        collect_from(s, te->join.left, out, derived);
        collect_from(s, te->join.right, out, derived);
        return;
    case VR_SQL_TABLE_PAREN:
        for (i = 0; i < te->paren.n; i++)
            collect_from(s, te->paren.items[i], out, derived);
        return;
    }
}

vr_code_t pl_resolve_from(pl_sess_t *s, vr_sql_table_expr_list_t *from, pl_trefs_t *out,
                          vr_error_t *err)
{
    bool derived = false;
    size_t i;
    vr_code_t rc;
    memset(out, 0, sizeof(*out));
    for (i = 0; i < from->n; i++)
        collect_from(s, from->items[i], out, &derived);
    if (derived)
        return vr_error_mysql(err, VR_GW_ER_NOT_SUPPORTED_YET, false,
                              "unsupported: derived tables (select ... from (select ...))");
    for (i = 0; i < out->n; i++) {
        const char *alias = out->t[i].alias;
        vr_sql_table_name_t *node = out->t[i].node;
        if ((rc = pl_resolve(s, node, &out->t[i], err)) != VR_OK)
            return rc;
        out->t[i].alias = alias;
    }
    /* tables served from several keyspaces go where the others are */
    for (i = 0; i < out->n; i++)
        if (out->t[i].nalt <= 1) {
            size_t j;
            for (j = 0; j < out->n; j++)
                if (out->t[j].nalt > 1)
                    prefer_keyspace(s, &out->t[j], out->t[i].ks);
            break;
        }
    return VR_OK;
}

/* ---- shard queries ---- */

/* Format st with the trefs' names as the shard sees them. */
char *pl_shard_sql(pl_sess_t *s, vr_sql_stmt_t *st, pl_trefs_t *tr)
{
    vr_sql_table_name_t *save = vr_arena_alloc(s->a, (tr->n ? tr->n : 1) * sizeof(*save));
    vr_buf_t b = VR_BUF_INIT;
    char *out;
    size_t i;
    for (i = 0; i < tr->n; i++) {
        save[i] = *tr->t[i].node;
        tr->t[i].node->qualifier = NULL;
        tr->t[i].node->name = tr->t[i].name;
    }
    vr_sql_format(&b, st);
    for (i = 0; i < tr->n; i++)
        *tr->t[i].node = save[i];
    out = vr_arena_strndup(s->a, b.data ? b.data : "", b.len);
    vr_buf_free(&b);
    return out;
}

vr_code_t pl_exec_shards(pl_sess_t *s, const pl_ks_t *ks, const int *shards, size_t n, bool write,
                         const char *sql, pl_rs_t *rs, vr_error_t *err)
{
    if (n == 1)
        return pl_exec(s, ks, &ks->shards[shards[0]], write, sql, rs, err);
    return pl_exec_many(s, ks, shards, n, write, sql, rs, err);
}

/* ---- routing by vindex ---- */

bool pl_literal_text(const vr_sql_expr_t *e, const char **v, size_t *len)
{
    if (e->kind != VR_SQL_EXPR_LITERAL)
        return false;
    switch (e->lit.type) {
    case VR_SQL_LIT_STRING:
    case VR_SQL_LIT_INT:
    case VR_SQL_LIT_DECIMAL:
        *v = e->lit.val;
        *len = e->lit.len;
        return true;
    default:
        return false;
    }
}

/* The primary vindex column of a sharded table, or NULL. */
const vr_vschema_colvindex_t *pl_pv(const pl_tref_t *t)
{
    if (!t->vt || !vr_vschema_sharded(t->ks->vs) || t->vt->type != VR_VSCHEMA_TABLE_NORMAL ||
        !t->vt->ncolumn_vindexes)
        return NULL;
    return &t->vt->column_vindexes[0];
}

static const pl_tref_t *tref_of_column(const pl_trefs_t *tr, const vr_sql_column_t *c)
{
    size_t i;
    const pl_tref_t *found = NULL;
    for (i = 0; i < tr->n; i++) {
        const pl_tref_t *t = &tr->t[i];
        const vr_vschema_colvindex_t *pv = pl_pv(t);
        if (c->table) {
            if (strcmp(c->table, t->alias) == 0)
                return t;
        } else if (pv && strcasecmp(pv->columns[0], c->name) == 0) {
            if (found)
                return NULL; /* ambiguous */
            found = t;
        }
    }
    return found;
}

vr_code_t pl_map_value(const pl_ks_t *ks, const vr_vschema_colvindex_t *pv, const char *v,
                       size_t len, int *shard, vr_error_t *err)
{
    uint8_t kid[VR_KEYSPACE_ID_MAX];
    size_t klen = 0;
    vr_code_t rc = vr_vindex_map(pv->vindex->type, (const uint8_t *)v, len, kid, &klen, err);
    if (rc != VR_OK)
        return rc;
    *shard = pl_shard_for_kid(ks, kid, klen);
    if (*shard < 0)
        return vr_errorf(err, VR_NOT_FOUND, "no shard of keyspace %s holds the keyspace id of '%.*s'",
                         ks->name, (int)len, v);
    return VR_OK;
}

static void add_shard(int *shards, size_t *n, int sh)
{
    size_t i;
    for (i = 0; i < *n; i++)
        if (shards[i] == sh)
            return;
    shards[(*n)++] = sh;
}

/* Shards a conjunct `pv = lit` / `pv in (lits)` selects; false when it
 * does not route (not a vindex condition). */
static bool route_conjunct(const pl_trefs_t *tr, const pl_ks_t *ks, vr_sql_expr_t *c, int *shards,
                           size_t *n, vr_error_t *err, vr_code_t *rc)
{
    vr_sql_expr_t *col, *val;
    const pl_tref_t *t;
    const vr_vschema_colvindex_t *pv;
    const char *v;
    size_t len, i;
    int sh;

    if (c->kind != VR_SQL_EXPR_BINARY ||
        (c->binary.op != VR_SQL_OP_EQ && c->binary.op != VR_SQL_OP_IN))
        return false;
    col = c->binary.left;
    val = c->binary.right;
    if (c->binary.op == VR_SQL_OP_EQ && col->kind != VR_SQL_EXPR_COLUMN) {
        col = c->binary.right;
        val = c->binary.left;
    }
    if (col->kind != VR_SQL_EXPR_COLUMN || !(t = tref_of_column(tr, &col->column)) ||
        !(pv = pl_pv(t)) || strcasecmp(pv->columns[0], col->column.name) != 0 ||
        !vr_vindex_type_is_functional(pv->vindex->type))
        return false;
    if (c->binary.op == VR_SQL_OP_EQ) {
        if (!pl_literal_text(val, &v, &len))
            return false;
        if ((*rc = pl_map_value(ks, pv, v, len, &sh, err)) == VR_OK)
            add_shard(shards, n, sh);
        return true;
    }
    if (val->kind != VR_SQL_EXPR_TUPLE)
        return false;
    for (i = 0; i < val->list.n; i++)
        if (!pl_literal_text(val->list.items[i], &v, &len))
            return false;
    for (i = 0; i < val->list.n && *rc == VR_OK; i++)
        if ((*rc = pl_map_value(ks, pv, val->list.items[i]->lit.val, val->list.items[i]->lit.len,
                                &sh, err)) == VR_OK)
            add_shard(shards, n, sh);
    return true;
}

vr_code_t pl_route_where(pl_sess_t *s, const pl_trefs_t *tr, const pl_ks_t *ks,
                         vr_sql_expr_t *where, bool write, int **shards, size_t *n,
                         vr_error_t *err)
{
    bool routed = false;
    vr_sql_expr_list_t cj = vr_sql_conjuncts(s->a, where);
    size_t i;
    vr_code_t rc = VR_OK;
    int *out = vr_arena_alloc(s->a, (ks->nshards + 1) * sizeof(int));

    *n = 0;
    *shards = out;
    for (i = 0; i < cj.n; i++)
        if (route_conjunct(tr, ks, cj.items[i], out, n, err, &rc))
            return rc;
    if ((rc = pl_lookup_route(s, tr, ks, where, write, out, n, &routed, err)) != VR_OK || routed)
        return rc;
    for (i = 0; i < ks->nshards; i++)
        out[i] = (int)i;
    *n = ks->nshards;
    return VR_OK;
}

/* ---- pushdown check ---- */

static int uf_find(int *p, int i)
{
    while (p[i] != i)
        i = p[i] = p[p[i]];
    return i;
}

static void tie(const pl_trefs_t *tr, vr_sql_expr_t *c, int *parent)
{
    const pl_tref_t *a, *b;
    const vr_vschema_colvindex_t *pa, *pb;
    if (c->kind != VR_SQL_EXPR_BINARY || c->binary.op != VR_SQL_OP_EQ ||
        c->binary.left->kind != VR_SQL_EXPR_COLUMN || c->binary.right->kind != VR_SQL_EXPR_COLUMN)
        return;
    a = tref_of_column(tr, &c->binary.left->column);
    b = tref_of_column(tr, &c->binary.right->column);
    if (!a || !b || a == b || !(pa = pl_pv(a)) || !(pb = pl_pv(b)))
        return;
    if (strcasecmp(pa->columns[0], c->binary.left->column.name) != 0 ||
        strcasecmp(pb->columns[0], c->binary.right->column.name) != 0 ||
        strcmp(pa->name, pb->name) != 0)
        return;
    parent[uf_find(parent, (int)(a - tr->t))] = uf_find(parent, (int)(b - tr->t));
}

static void ties_in(pl_sess_t *s, const pl_trefs_t *tr, vr_sql_table_expr_t *te, int *parent)
{
    size_t i;
    vr_sql_expr_list_t cj;
    if (te->kind == VR_SQL_TABLE_PAREN)
        for (i = 0; i < te->paren.n; i++)
            ties_in(s, tr, te->paren.items[i], parent);
    if (te->kind != VR_SQL_TABLE_JOIN)
        return;
    ties_in(s, tr, te->join.left, parent);
    ties_in(s, tr, te->join.right, parent);
    cj = vr_sql_conjuncts(s->a, te->join.on);
    for (i = 0; i < cj.n; i++)
        tie(tr, cj.items[i], parent);
}

/* True when the join of the sharded tables can run whole on each shard. */
bool pl_pushdown_ok(pl_sess_t *s, const pl_trefs_t *tr, vr_sql_table_expr_list_t *from,
                    vr_sql_expr_t *where)
{
    int *parent = vr_arena_alloc(s->a, (tr->n + 1) * sizeof(int)), root = -1;
    vr_sql_expr_list_t cj = vr_sql_conjuncts(s->a, where);
    size_t i;
    for (i = 0; i < tr->n; i++)
        parent[i] = (int)i;
    for (i = 0; i < from->n; i++)
        ties_in(s, tr, from->items[i], parent);
    for (i = 0; i < cj.n; i++)
        tie(tr, cj.items[i], parent);
    for (i = 0; i < tr->n; i++) {
        if (!pl_pv(&tr->t[i]))
            continue; /* reference tables are everywhere */
        if (root < 0)
            root = uf_find(parent, (int)i);
        else if (uf_find(parent, (int)i) != root)
            return false;
    }
    return true;
}
