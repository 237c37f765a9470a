/*
 * plan_lookup.c - lookup vindexes (lookup, lookup_unique, lookup_hash,
 * lookup_hash_unique, consistent_lookup, consistent_lookup_unique), as
 * Vitess's vtgate runs them:
 *   - routing: `col = lit` / `col in (lits)` on a column with a lookup
 *     vindex (and no primary vindex condition) runs
 *     `select from, to from <lookup table> where from in (...)` on the
 *     lookup table's shard(s) (its own keyspace and VSchema), turns each
 *     `to` into a keyspace id and keeps the owner's shards holding them;
 *   - writes to the owner table keep the lookup table in step: INSERT
 *     writes `insert into <lookup>(from, to) values ...` first; DELETE
 *     selects the rows' owned columns (for update), deletes their lookup
 *     rows, then the rows; an UPDATE of an owned column deletes the old
 *     lookup rows and inserts the new ones.
 * `to` holds the keyspace id bytes (varbinary) for lookup, lookup_unique
 * and consistent_lookup*; for lookup_hash* it holds the integer whose
 * `hash` is the keyspace id (Vitess's vhash/vunhash, whatever the owner's
 * primary vindex).
 *
 * Duplicates: a unique lookup refuses a value already present
 * (`lookup.Create: Code: ALREADY_EXISTS: ...`, error 1062).  A consistent
 * lookup takes a duplicate row over when the owner row it points to no
 * longer exists (select for update of the lookup row, then of the owner
 * row on the shard of the old keyspace id, then update `to`), else it
 * refuses.  NULL from values are refused unless ignore_nulls is true
 * (then that row gets no lookup row).  autocommit vindexes write on their
 * own connection, outside the session's transaction; write_only ones are
 * written but never routed through.
 *
 * The lookup writes of a statement run in the session's transaction, or
 * in an implicit one the caller (plan_dml.c) opens and commits; the
 * shards that got new lookup rows commit first (pl_mark_pre).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "planner.h"

#define ER_DUP_ENTRY 1062

typedef struct lk_row {
    vr_sql_expr_t **v; /* one literal per from column */
    uint8_t kid[VR_KEYSPACE_ID_MAX];
    size_t klen;
    size_t rownum; /* 0-based, for errors */
} lk_row_t;

/* The lookup table of a vindex: its keyspace and its name there. */
typedef struct lk_table {
    const vr_vschema_vindex_t *vx;
    const vr_lookup_params_t *lp;
    pl_ks_t *ks;
    const char *name;
} lk_table_t;

static bool is_hash(vr_vindex_type_t t)
{
    return t == VR_VINDEX_LOOKUP_HASH || t == VR_VINDEX_LOOKUP_HASH_UNIQUE;
}

static bool is_consistent(vr_vindex_type_t t)
{
    return t == VR_VINDEX_CONSISTENT_LOOKUP || t == VR_VINDEX_CONSISTENT_LOOKUP_UNIQUE;
}

static bool owned_by(const vr_vschema_colvindex_t *cv, const pl_tref_t *t)
{
    return cv->vindex && cv->vindex->lookup && cv->vindex->owner &&
           strcmp(cv->vindex->owner, t->name) == 0;
}

bool pl_owns_lookups(const pl_tref_t *t)
{
    size_t i;
    if (!pl_pv(t))
        return false;
    for (i = 1; i < t->vt->ncolumn_vindexes; i++)
        if (owned_by(&t->vt->column_vindexes[i], t))
            return true;
    return false;
}

static bool sets_column(const vr_sql_assign_list_t *set, const char *col)
{
    size_t i;
    for (i = 0; i < set->n; i++)
        if (strcasecmp(set->items[i]->column.name, col) == 0)
            return true;
    return false;
}

static bool cv_in_set(const vr_vschema_colvindex_t *cv, const vr_sql_assign_list_t *set)
{
    size_t j;
    for (j = 0; j < cv->ncolumns; j++)
        if (sets_column(set, cv->columns[j]))
            return true;
    return false;
}

bool pl_updates_lookups(const pl_tref_t *t, const vr_sql_assign_list_t *set)
{
    size_t i;
    if (!pl_pv(t))
        return false;
    for (i = 1; i < t->vt->ncolumn_vindexes; i++)
        if (owned_by(&t->vt->column_vindexes[i], t) && cv_in_set(&t->vt->column_vindexes[i], set))
            return true;
    return false;
}

static vr_code_t lk_resolve(pl_sess_t *s, const pl_tref_t *owner, const vr_vschema_colvindex_t *cv,
                            lk_table_t *lt, vr_error_t *err)
{
    const char *dot = strchr(cv->vindex->lookup->table, '.');
    lt->vx = cv->vindex;
    lt->lp = cv->vindex->lookup;
    if (cv->ncolumns != lt->lp->nfrom)
        return vr_error_mysql(err, VR_GW_ER_UNKNOWN, false,
                              "lookup vindex %s: %zu column(s) in %s.%s but %zu from column(s)",
                              cv->name, cv->ncolumns, owner->ks->name, owner->name, lt->lp->nfrom);
    if (!dot) {
        lt->ks = owner->ks;
        lt->name = lt->lp->table;
    } else {
        char *ks = vr_arena_strndup(s->a, lt->lp->table, (size_t)(dot - lt->lp->table));
        lt->name = dot + 1;
        if (!(lt->ks = pl_find_ks(s->snap, ks)))
            return vr_error_mysql(err, PL_ER_BAD_DB, false,
                                  "lookup vindex %s: keyspace %s of table %s not found", cv->name,
                                  ks, lt->lp->table);
    }
    if (!lt->ks->nshards)
        return vr_errorf(err, VR_NOT_FOUND, "keyspace %s has no shards", lt->ks->name);
    return VR_OK;
}

/* The shard of the lookup table holding a row with these from values;
 * -1 when its VSchema does not route by a from column (then: all). */
static vr_code_t lk_shard_of(const lk_table_t *lt, vr_sql_expr_t *const *vals, int *shard,
                             vr_error_t *err)
{
    const vr_vschema_colvindex_t *pv;
    const char *v;
    size_t j, len;
    *shard = 0;
    if (!vr_vschema_sharded(lt->ks->vs))
        return VR_OK;
    *shard = -1;
    pv = vr_vschema_primary_vindex(lt->ks->vs, lt->name);
    if (!pv || !vr_vindex_type_is_functional(pv->vindex->type))
        return VR_OK;
    for (j = 0; j < lt->lp->nfrom; j++)
        if (strcasecmp(pv->columns[0], lt->lp->from[j]) == 0 && pl_literal_text(vals[j], &v, &len))
            return pl_map_value(lt->ks, pv, v, len, shard, err);
    return VR_OK;
}

static char *detach(pl_sess_t *s, vr_buf_t *b)
{
    char *out = vr_arena_strndup(s->a, b->data ? b->data : "", b->len);
    vr_buf_free(b);
    return out;
}

/* `f1 = v1 and f2 = v2` */
static void put_match(vr_buf_t *b, const char *const *cols, size_t n, vr_sql_expr_t *const *vals)
{
    size_t j;
    for (j = 0; j < n; j++) {
        if (j)
            vr_buf_puts(b, " and ");
        vr_sql_format_ident(b, cols[j]);
        vr_buf_puts(b, " = ");
        vr_sql_format_expr(b, vals[j]);
    }
}

/* The `to` value of a keyspace id, as SQL. */
static vr_code_t put_to(vr_buf_t *b, const lk_table_t *lt, const uint8_t *kid, size_t klen,
                        vr_error_t *err)
{
    char num[32];
    vr_code_t rc;
    if (is_hash(lt->vx->type)) {
        if ((rc = vr_vindex_reverse(VR_VINDEX_HASH, kid, klen, num, sizeof(num), err)) != VR_OK)
            return vr_error_prefix(err, "lookup vindex %s", lt->vx->name);
        vr_buf_puts(b, num);
        return VR_OK;
    }
    vr_buf_puts(b, "X'");
    vr_buf_put_hex(b, kid, klen);
    vr_buf_putc(b, '\'');
    return VR_OK;
}

/* The keyspace id a `to` value stands for. */
static vr_code_t to_kid(const lk_table_t *lt, const char *v, size_t len, uint8_t *kid,
                        size_t *klen, vr_error_t *err)
{
    if (is_hash(lt->vx->type))
        return vr_vindex_map(VR_VINDEX_HASH, (const uint8_t *)v, len, kid, klen, err);
    if (len > VR_KEYSPACE_ID_MAX)
        return vr_errorf(err, VR_INVALID, "lookup vindex %s: keyspace id of %zu bytes in %s",
                         lt->vx->name, len, lt->lp->table);
    memcpy(kid, v, len);
    *klen = len;
    return VR_OK;
}

static vr_code_t lk_write(pl_sess_t *s, const lk_table_t *lt, int shard, const char *sql,
                          bool insert, vr_error_t *err)
{
    const pl_shard_t *sh = &lt->ks->shards[shard];
    vr_code_t rc;
    if (pl_denied(sh, lt->name))
        return vr_error_mysql(err, VR_GW_ER_UNKNOWN, false,
                              "target: %s.%s.primary: disallowed due to rule: enforce denied "
                              "tables",
                              lt->ks->name, sh->name);
    if (lt->lp->autocommit)
        return pl_exec_autocommit(s, lt->ks, sh, sql, err);
    if ((rc = pl_exec(s, lt->ks, sh, true, sql, NULL, err)) != VR_OK)
        return rc;
    s->lk_wrote = true;
    if (insert)
        pl_mark_pre(s, lt->ks, sh);
    return VR_OK;
}

static vr_code_t dup_error(pl_sess_t *s, vr_error_t *err)
{
    snprintf(s->sqlstate, sizeof(s->sqlstate), "23000");
    err->mysql_errno = ER_DUP_ENTRY;
    return vr_error_prefix(err, "lookup.Create: Code: ALREADY_EXISTS");
}

/* ---- routing ---- */

typedef struct lk_cand {
    const pl_tref_t *t;
    const vr_vschema_colvindex_t *cv;
    vr_sql_expr_t **vals;
    size_t nvals;
    int cost;
} lk_cand_t;

static const pl_tref_t *tref_named(const pl_trefs_t *tr, const pl_ks_t *ks,
                                   const vr_sql_column_t *c)
{
    size_t i;
    if (!c->table)
        return tr->n == 1 && tr->t[0].ks == ks ? &tr->t[0] : NULL;
    for (i = 0; i < tr->n; i++)
        if (strcmp(c->table, tr->t[i].alias) == 0)
            return tr->t[i].ks == ks ? &tr->t[i] : NULL;
    return NULL;
}

static void consider(const pl_trefs_t *tr, const pl_ks_t *ks, vr_sql_expr_t *c, lk_cand_t *best)
{
    vr_sql_expr_t *col, *val, **vals;
    const pl_tref_t *t;
    const char *v;
    size_t i, len, nvals;

    if (c->kind != VR_SQL_EXPR_BINARY ||
        (c->binary.op != VR_SQL_OP_EQ && c->binary.op != VR_SQL_OP_IN))
        return;
    col = c->binary.left;
    val = c->binary.right;
    if (c->binary.op == VR_SQL_OP_EQ && col->kind != VR_SQL_EXPR_COLUMN) {
        col = c->binary.right;
        val = c->binary.left;
    }
    if (col->kind != VR_SQL_EXPR_COLUMN || !(t = tref_named(tr, ks, &col->column)) || !pl_pv(t))
        return;
    if (c->binary.op == VR_SQL_OP_EQ) {
        if (!pl_literal_text(val, &v, &len))
            return;
        vals = &c->binary.right;
        if (val == c->binary.left)
            vals = &c->binary.left;
        nvals = 1;
    } else {
        if (val->kind != VR_SQL_EXPR_TUPLE || !val->list.n)
            return;
        for (i = 0; i < val->list.n; i++)
            if (!pl_literal_text(val->list.items[i], &v, &len))
                return;
        vals = val->list.items;
        nvals = val->list.n;
    }
    for (i = 1; i < t->vt->ncolumn_vindexes; i++) {
        const vr_vschema_colvindex_t *cv = &t->vt->column_vindexes[i];
        int cost;
        if (!cv->vindex || !cv->vindex->lookup || cv->vindex->lookup->write_only ||
            cv->ncolumns != 1 || cv->vindex->lookup->nfrom != 1 ||
            strcasecmp(cv->columns[0], col->column.name) != 0)
            continue;
        cost = vr_vindex_type_cost(cv->vindex->type);
        if (!best->cv || cost < best->cost) {
            best->t = t;
            best->cv = cv;
            best->vals = vals;
            best->nvals = nvals;
            best->cost = cost;
        }
    }
}

vr_code_t pl_lookup_route(pl_sess_t *s, const pl_trefs_t *tr, const pl_ks_t *ks,
                          vr_sql_expr_t *where, bool write, int *shards, size_t *n, bool *routed,
                          vr_error_t *err)
{
    vr_sql_expr_list_t cj = vr_sql_conjuncts(s->a, where);
    lk_cand_t best;
    lk_table_t lt;
    vr_buf_t b = VR_BUF_INIT;
    pl_rs_t rs;
    int *lsh, one;
    size_t i, k, nl = 0;
    vr_code_t rc;

    *routed = false;
    memset(&best, 0, sizeof(best));
    for (i = 0; i < cj.n; i++)
        consider(tr, ks, cj.items[i], &best);
    if (!best.cv)
        return VR_OK;
    if ((rc = lk_resolve(s, best.t, best.cv, &lt, err)) != VR_OK)
        return rc;
    /* the lookup table's shards that hold these values */
    lsh = vr_arena_alloc(s->a, (lt.ks->nshards + 1) * sizeof(int));
    for (i = 0; i < best.nvals && nl < lt.ks->nshards; i++) {
        if ((rc = lk_shard_of(&lt, &best.vals[i], &one, err)) != VR_OK)
            return rc;
        if (one < 0) {
            for (nl = 0; nl < lt.ks->nshards; nl++)
                lsh[nl] = (int)nl;
            break;
        }
        for (k = 0; k < nl && lsh[k] != one; k++)
            ;
        if (k == nl)
            lsh[nl++] = one;
    }
    vr_buf_puts(&b, "select ");
    vr_sql_format_ident(&b, lt.lp->from[0]);
    vr_buf_puts(&b, ", ");
    vr_sql_format_ident(&b, lt.lp->to);
    vr_buf_puts(&b, " from ");
    vr_sql_format_ident(&b, lt.name);
    vr_buf_puts(&b, " where ");
    vr_sql_format_ident(&b, lt.lp->from[0]);
    vr_buf_puts(&b, " in (");
    for (i = 0; i < best.nvals; i++) {
        if (i)
            vr_buf_puts(&b, ", ");
        vr_sql_format_expr(&b, best.vals[i]);
    }
    vr_buf_putc(&b, ')');
    memset(&rs, 0, sizeof(rs));
    if ((rc = pl_exec_shards(s, lt.ks, lsh, nl, write, detach(s, &b), &rs, err)) != VR_OK)
        return vr_error_prefix(err, "lookup vindex %s", best.cv->name);
    *n = 0;
    for (i = 0; i < rs.nrows; i++) {
        uint8_t kid[VR_KEYSPACE_ID_MAX];
        size_t klen = 0;
        int sh;
        if (rs.ncols < 2 || !rs.rows[i].v[1])
            continue;
        if ((rc = to_kid(&lt, rs.rows[i].v[1], rs.rows[i].l[1], kid, &klen, err)) != VR_OK)
            return rc;
        if ((sh = pl_shard_for_kid(ks, kid, klen)) < 0)
            continue;
        for (k = 0; k < *n && shards[k] != sh; k++)
            ;
        if (k == *n)
            shards[(*n)++] = sh;
    }
    *routed = true;
    return VR_OK;
}

/* ---- writing lookup rows ---- */

/* A consistent lookup's duplicate: take the row over when its owner row
 * is gone, else refuse.  Runs on the row's lookup shard. */
static vr_code_t take_over(pl_sess_t *s, const pl_tref_t *owner, const vr_vschema_colvindex_t *cv,
                           const lk_table_t *lt, int shard, const lk_row_t *r, vr_error_t *err)
{
    vr_buf_t b = VR_BUF_INIT;
    pl_rs_t rs, ors;
    uint8_t old[VR_KEYSPACE_ID_MAX];
    size_t olen = 0, j;
    int osh;
    vr_code_t rc;

    vr_buf_puts(&b, "select ");
    vr_sql_format_ident(&b, lt->lp->to);
    vr_buf_puts(&b, " from ");
    vr_sql_format_ident(&b, lt->name);
    vr_buf_puts(&b, " where ");
    put_match(&b, (const char *const *)lt->lp->from, lt->lp->nfrom, r->v);
    if (!vr_vindex_type_is_unique(lt->vx->type)) {
        /* non-unique: only this very (from, to) pair can collide */
        vr_buf_puts(&b, " and ");
        vr_sql_format_ident(&b, lt->lp->to);
        vr_buf_puts(&b, " = ");
        if ((rc = put_to(&b, lt, r->kid, r->klen, err)) != VR_OK) {
            vr_buf_free(&b);
            return rc;
        }
    }
    vr_buf_puts(&b, " for update");
    memset(&rs, 0, sizeof(rs));
    if ((rc = pl_exec(s, lt->ks, &lt->ks->shards[shard], true, detach(s, &b), &rs, err)) != VR_OK)
        return rc;
    if (rs.nrows && !vr_vindex_type_is_unique(lt->vx->type))
        return VR_OK; /* the row this one needs is there already */
    if (!rs.nrows || !rs.rows[0].v[0]) { /* gone meanwhile: insert it */
        vr_buf_puts(&b, "insert into ");
        vr_sql_format_ident(&b, lt->name);
        vr_buf_putc(&b, '(');
        for (j = 0; j < lt->lp->nfrom; j++) {
            vr_sql_format_ident(&b, lt->lp->from[j]);
            vr_buf_puts(&b, ", ");
        }
        vr_sql_format_ident(&b, lt->lp->to);
        vr_buf_puts(&b, ") values (");
        for (j = 0; j < lt->lp->nfrom; j++) {
            vr_sql_format_expr(&b, r->v[j]);
            vr_buf_puts(&b, ", ");
        }
        if ((rc = put_to(&b, lt, r->kid, r->klen, err)) != VR_OK) {
            vr_buf_free(&b);
            return rc;
        }
        vr_buf_putc(&b, ')');
        if ((rc = lk_write(s, lt, shard, detach(s, &b), true, err)) != VR_OK &&
            err->mysql_errno == ER_DUP_ENTRY)
            return dup_error(s, err);
        return rc;
    }
    if ((rc = to_kid(lt, rs.rows[0].v[0], rs.rows[0].l[0], old, &olen, err)) != VR_OK)
        return rc;
    /* the owner row the lookup row points to, locked */
    if ((osh = pl_shard_for_kid(owner->ks, old, olen)) >= 0) {
        vr_buf_puts(&b, "select ");
        for (j = 0; j < cv->ncolumns; j++) {
            if (j)
                vr_buf_puts(&b, ", ");
            vr_sql_format_ident(&b, cv->columns[j]);
        }
        vr_buf_puts(&b, " from ");
        vr_sql_format_ident(&b, owner->name);
        vr_buf_puts(&b, " where ");
        put_match(&b, cv->columns, cv->ncolumns, r->v);
        vr_buf_puts(&b, " for update");
        memset(&ors, 0, sizeof(ors));
        if ((rc = pl_exec(s, owner->ks, &owner->ks->shards[osh], true, detach(s, &b), &ors,
                          err)) != VR_OK)
            return rc;
        if (ors.nrows) {
            vr_buf_puts(&b, "Duplicate entry '");
            for (j = 0; j < lt->lp->nfrom; j++) {
                const char *v = "NULL";
                size_t len = 4;
                if (j)
                    vr_buf_putc(&b, '-');
                pl_literal_text(r->v[j], &v, &len);
                vr_buf_append(&b, v, len);
            }
            vr_buf_printf(&b, "' for key '%s' (vindex %s: the %s row it names exists)",
                          lt->lp->table, cv->name, owner->name);
            vr_error_mysql(err, ER_DUP_ENTRY, false, "%s", b.data);
            vr_buf_free(&b);
            return dup_error(s, err);
        }
    }
    if (olen == r->klen && memcmp(old, r->kid, olen) == 0)
        return VR_OK;
    vr_buf_puts(&b, "update ");
    vr_sql_format_ident(&b, lt->name);
    vr_buf_puts(&b, " set ");
    vr_sql_format_ident(&b, lt->lp->to);
    vr_buf_puts(&b, " = ");
    if ((rc = put_to(&b, lt, r->kid, r->klen, err)) == VR_OK) {
        vr_buf_puts(&b, " where ");
        put_match(&b, (const char *const *)lt->lp->from, lt->lp->nfrom, r->v);
        vr_buf_puts(&b, " and ");
        vr_sql_format_ident(&b, lt->lp->to);
        vr_buf_puts(&b, " = ");
        rc = put_to(&b, lt, old, olen, err);
    }
    if (rc != VR_OK) {
        vr_buf_free(&b);
        return rc;
    }
    return lk_write(s, lt, shard, detach(s, &b), true, err);
}

static bool has_null(const lk_row_t *r, size_t n, size_t *col)
{
    size_t j;
    for (j = 0; j < n; j++)
        if (r->v[j]->kind == VR_SQL_EXPR_LITERAL && r->v[j]->lit.type == VR_SQL_LIT_NULL) {
            *col = j;
            return true;
        }
    return false;
}

static vr_code_t lk_create(pl_sess_t *s, const pl_tref_t *owner, const vr_vschema_colvindex_t *cv,
                           lk_row_t *rows, size_t nrows, vr_error_t *err)
{
    lk_table_t lt;
    int *shard_of;
    size_t r, j, sh, cnt;
    vr_code_t rc;

    if ((rc = lk_resolve(s, owner, cv, &lt, err)) != VR_OK)
        return rc;
    shard_of = vr_arena_alloc(s->a, (nrows + 1) * sizeof(int));
    for (r = 0; r < nrows; r++) {
        size_t col;
        shard_of[r] = -2; /* no lookup row */
        if (has_null(&rows[r], lt.lp->nfrom, &col)) {
            if (lt.lp->ignore_nulls)
                continue;
            return vr_error_mysql(err, VR_GW_ER_UNKNOWN, false,
                                  "lookup.Create: input has null values: row: %zu, col: %s",
                                  rows[r].rownum, cv->columns[col]);
        }
        if ((rc = lk_shard_of(&lt, rows[r].v, &shard_of[r], err)) != VR_OK)
            return rc;
        if (shard_of[r] < 0)
            return vr_error_mysql(err, VR_GW_ER_NOT_SUPPORTED_YET, false,
                                  "unsupported: lookup table %s is not sharded by its from "
                                  "column, so its rows cannot be placed",
                                  lt.lp->table);
    }
    for (sh = 0; sh < lt.ks->nshards; sh++) {
        vr_buf_t b = VR_BUF_INIT;
        vr_buf_puts(&b, "insert into ");
        vr_sql_format_ident(&b, lt.name);
        vr_buf_putc(&b, '(');
        for (j = 0; j < lt.lp->nfrom; j++) {
            vr_sql_format_ident(&b, lt.lp->from[j]);
            vr_buf_puts(&b, ", ");
        }
        vr_sql_format_ident(&b, lt.lp->to);
        vr_buf_puts(&b, ") values ");
        for (r = cnt = 0; r < nrows; r++) {
            if (shard_of[r] != (int)sh)
                continue;
            vr_buf_puts(&b, cnt++ ? ", (" : "(");
            for (j = 0; j < lt.lp->nfrom; j++) {
                vr_sql_format_expr(&b, rows[r].v[j]);
                vr_buf_puts(&b, ", ");
            }
            if ((rc = put_to(&b, &lt, rows[r].kid, rows[r].klen, err)) != VR_OK) {
                vr_buf_free(&b);
                return rc;
            }
            vr_buf_putc(&b, ')');
        }
        if (!cnt) {
            vr_buf_free(&b);
            continue;
        }
        if (lt.lp->autocommit) { /* as Vitess: an existing row is kept */
            vr_buf_puts(&b, " on duplicate key update ");
            vr_sql_format_ident(&b, lt.lp->from[0]);
            vr_buf_puts(&b, " = values(");
            vr_sql_format_ident(&b, lt.lp->from[0]);
            vr_buf_putc(&b, ')');
        }
        rc = lk_write(s, &lt, (int)sh, detach(s, &b), true, err);
        if (rc != VR_OK && err->mysql_errno == ER_DUP_ENTRY && is_consistent(lt.vx->type)) {
            /* the failed statement wrote nothing: row by row */
            s->sqlstate[0] = 0;
            rc = VR_OK;
            for (r = 0; r < nrows; r++)
                if (shard_of[r] == (int)sh &&
                    (rc = take_over(s, owner, cv, &lt, (int)sh, &rows[r], err)) != VR_OK)
                    return rc;
        } else if (rc != VR_OK && err->mysql_errno == ER_DUP_ENTRY) {
            return dup_error(s, err);
        }
        if (rc != VR_OK)
            return rc;
    }
    return VR_OK;
}

static vr_code_t lk_delete(pl_sess_t *s, const pl_tref_t *owner, const vr_vschema_colvindex_t *cv,
                           lk_row_t *rows, size_t nrows, vr_error_t *err)
{
    lk_table_t lt;
    size_t r, col;
    int sh;
    vr_code_t rc;

    if ((rc = lk_resolve(s, owner, cv, &lt, err)) != VR_OK)
        return rc;
    for (r = 0; r < nrows; r++) {
        vr_buf_t b = VR_BUF_INIT;
        if (has_null(&rows[r], lt.lp->nfrom, &col))
            continue; /* never written */
        if ((rc = lk_shard_of(&lt, rows[r].v, &sh, err)) != VR_OK)
            return rc;
        vr_buf_puts(&b, "delete from ");
        vr_sql_format_ident(&b, lt.name);
        vr_buf_puts(&b, " where ");
        put_match(&b, (const char *const *)lt.lp->from, lt.lp->nfrom, rows[r].v);
        vr_buf_puts(&b, " and ");
        vr_sql_format_ident(&b, lt.lp->to);
        vr_buf_puts(&b, " = ");
        if ((rc = put_to(&b, &lt, rows[r].kid, rows[r].klen, err)) != VR_OK) {
            vr_buf_free(&b);
            return rc;
        }
        {
            char *sql = detach(s, &b);
            size_t k;
            for (k = 0; k < lt.ks->nshards; k++)
                if ((sh < 0 || (int)k == sh) &&
                    (rc = lk_write(s, &lt, (int)k, sql, false, err)) != VR_OK)
                    return rc;
        }
    }
    return VR_OK;
}

vr_code_t pl_lookup_insert(pl_sess_t *s, const pl_tref_t *t, const vr_sql_insert_t *ins,
                           uint8_t (*kids)[VR_KEYSPACE_ID_MAX], const size_t *klens,
                           vr_error_t *err)
{
    size_t i, r, j;
    vr_code_t rc;

    for (i = 1; i < t->vt->ncolumn_vindexes; i++) {
        const vr_vschema_colvindex_t *cv = &t->vt->column_vindexes[i];
        lk_row_t *rows;
        if (!owned_by(cv, t))
            continue;
        rows = vr_arena_calloc(s->a, (ins->rows.n + 1) * sizeof(*rows));
        for (r = 0; r < ins->rows.n; r++) {
            rows[r].v = vr_arena_alloc(s->a, cv->ncolumns * sizeof(vr_sql_expr_t *));
            rows[r].rownum = r;
            memcpy(rows[r].kid, kids[r], klens[r]);
            rows[r].klen = klens[r];
            for (j = 0; j < cv->ncolumns; j++) {
                size_t c;
                vr_sql_expr_t *e = NULL;
                for (c = 0; c < ins->columns.n; c++)
                    if (strcasecmp(ins->columns.items[c], cv->columns[j]) == 0)
                        e = ins->rows.items[r]->items[c];
                if (!e)
                    e = vr_sql_new_null(s->a);
                if (e->kind != VR_SQL_EXPR_LITERAL)
                    return vr_error_mysql(err, VR_GW_ER_UNKNOWN, false,
                                          "could not compute the value of %s in row %zu for "
                                          "lookup vindex %s: a literal is required",
                                          cv->columns[j], r + 1, cv->name);
                rows[r].v[j] = e;
            }
        }
        if ((rc = lk_create(s, t, cv, rows, ins->rows.n, err)) != VR_OK)
            return rc;
    }
    return VR_OK;
}

/* ---- UPDATE / DELETE of owner rows ---- */

static vr_sql_expr_t *cell(pl_sess_t *s, const pl_row_t *row, size_t c)
{
    return row->v[c] ? vr_sql_new_string(s->a, row->v[c], row->l[c]) : vr_sql_new_null(s->a);
}

static bool same_cells(const pl_row_t *row, size_t a, size_t b, size_t n)
{
    size_t j;
    for (j = 0; j < n; j++) {
        const char *x = row->v[a + j], *y = row->v[b + j];
        if (!x != !y || (x && (row->l[a + j] != row->l[b + j] ||
                               memcmp(x, y, row->l[a + j]) != 0)))
            return false;
    }
    return true;
}

static void add_select_expr(vr_arena_t *a, vr_sql_select_t *sel, vr_sql_expr_t *e)
{
    vr_sql_select_expr_t **items = vr_arena_alloc(a, (sel->exprs.n + 1) * sizeof(*items));
    vr_sql_select_expr_t *se = vr_arena_calloc(a, sizeof(*se));
    se->kind = VR_SQL_SELECT_EXPR;
    se->expr = e;
    if (sel->exprs.n)
        memcpy(items, sel->exprs.items, sel->exprs.n * sizeof(*items));
    items[sel->exprs.n++] = se;
    sel->exprs.items = items;
}

static vr_sql_expr_t *set_value(const vr_sql_assign_list_t *set, const char *col)
{
    size_t i;
    for (i = 0; i < set->n; i++)
        if (strcasecmp(set->items[i]->column.name, col) == 0)
            return set->items[i]->expr;
    return NULL;
}

vr_code_t pl_lookup_dml(pl_sess_t *s, vr_sql_stmt_t *st, pl_trefs_t *tr, const int *shards,
                        size_t n, vr_error_t *err)
{
    const pl_tref_t *t = &tr->t[0];
    const vr_vschema_colvindex_t *pv = pl_pv(t), **cvs;
    bool upd = st->kind == VR_SQL_STMT_UPDATE;
    const vr_sql_assign_list_t *set = upd ? &st->update.set : NULL;
    vr_sql_stmt_t *q;
    size_t *old_at, *new_at, ncv = 0, i, j, r, ncols = 1;
    pl_rs_t rs;
    vr_code_t rc;

    if (!pv || !n)
        return VR_OK;
    cvs = vr_arena_alloc(s->a, (t->vt->ncolumn_vindexes + 1) * sizeof(*cvs));
    old_at = vr_arena_alloc(s->a, (t->vt->ncolumn_vindexes + 1) * sizeof(size_t));
    new_at = vr_arena_alloc(s->a, (t->vt->ncolumn_vindexes + 1) * sizeof(size_t));
    for (i = 1; i < t->vt->ncolumn_vindexes; i++) {
        const vr_vschema_colvindex_t *cv = &t->vt->column_vindexes[i];
        if (owned_by(cv, t) && (!upd || cv_in_set(cv, set)))
            cvs[ncv++] = cv;
    }
    if (!ncv)
        return VR_OK;
    if (!vr_vindex_type_is_functional(pv->vindex->type))
        return vr_error_mysql(err, VR_GW_ER_NOT_SUPPORTED_YET, false,
                              "unsupported: owned lookup vindexes on a table whose primary "
                              "vindex is a lookup");
    /* select pv, the owned columns (and their new values) ... for update */
    q = vr_arena_calloc(s->a, sizeof(*q));
    q->kind = VR_SQL_STMT_SELECT;
    q->arena = s->a;
    q->select.from = upd ? st->update.tables : st->del.tables;
    q->select.where = upd ? st->update.where : st->del.where;
    q->select.order_by = upd ? st->update.order_by : st->del.order_by;
    q->select.limit = upd ? st->update.limit : st->del.limit;
    q->select.lock = VR_SQL_LOCK_FOR_UPDATE;
    add_select_expr(s->a, &q->select, vr_sql_new_column(s->a, NULL, pv->columns[0]));
    for (i = 0; i < ncv; i++) {
        old_at[i] = ncols;
        for (j = 0; j < cvs[i]->ncolumns; j++, ncols++)
            add_select_expr(s->a, &q->select, vr_sql_new_column(s->a, NULL, cvs[i]->columns[j]));
        if (!upd)
            continue;
        new_at[i] = ncols;
        for (j = 0; j < cvs[i]->ncolumns; j++, ncols++) {
            vr_sql_expr_t *e = set_value(set, cvs[i]->columns[j]);
            add_select_expr(s->a, &q->select,
                            e ? e : vr_sql_new_column(s->a, NULL, cvs[i]->columns[j]));
        }
    }
    memset(&rs, 0, sizeof(rs));
    if ((rc = pl_exec_shards(s, t->ks, shards, n, true, pl_shard_sql(s, q, tr), &rs, err)) !=
        VR_OK)
        return rc;
    if (!rs.nrows)
        return VR_OK;
    if (rs.ncols != ncols)
        return vr_errorf(err, VR_INTERNAL, "lookup vindex rows of %s: %zu columns, want %zu",
                         t->name, rs.ncols, ncols);
    for (i = 0; i < ncv; i++) {
        const vr_vschema_colvindex_t *cv = cvs[i];
        lk_row_t *olds = vr_arena_calloc(s->a, (rs.nrows + 1) * sizeof(*olds));
        lk_row_t *news = vr_arena_calloc(s->a, (rs.nrows + 1) * sizeof(*news));
        size_t nold = 0;
        for (r = 0; r < rs.nrows; r++) {
            const pl_row_t *row = &rs.rows[r];
            lk_row_t *o = &olds[nold], *nw = &news[nold];
            if (!row->v[0])
                continue; /* no keyspace id: not a row the vindex placed */
            if (upd && same_cells(row, old_at[i], new_at[i], cv->ncolumns))
                continue;
            if ((rc = vr_vindex_map(pv->vindex->type, (const uint8_t *)row->v[0], row->l[0],
                                    o->kid, &o->klen, err)) != VR_OK)
                return rc;
            o->v = vr_arena_alloc(s->a, cv->ncolumns * sizeof(vr_sql_expr_t *));
            nw->v = vr_arena_alloc(s->a, cv->ncolumns * sizeof(vr_sql_expr_t *));
            for (j = 0; j < cv->ncolumns; j++) {
                o->v[j] = cell(s, row, old_at[i] + j);
                if (upd)
                    nw->v[j] = cell(s, row, new_at[i] + j);
            }
            memcpy(nw->kid, o->kid, o->klen);
            nw->klen = o->klen;
            o->rownum = nw->rownum = r;
            nold++;
        }
        if ((rc = lk_delete(s, t, cv, olds, nold, err)) != VR_OK)
            return rc;
        if (upd && (rc = lk_create(s, t, cv, news, nold, err)) != VR_OK)
            return rc;
    }
    return VR_OK;
}
