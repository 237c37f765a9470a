/*
 * ast_ddl.c - building DDL nodes: column definitions, keys and
 * constraints, table options, ALTER TABLE actions, CREATE/DROP INDEX
 * (which become ALTER TABLE, as Vitess prints them) and database options.
 *
 * Column attributes arrive one by one in any order; the grammar actions
 * write them into ctx->cur_col, the definition being built.
 */
#include <string.h>
#include <strings.h>

#include "grammar_act.h"

vr_sql_column_def_t *vr_sql_mk_coldef(vr_sql_pctx_t *ctx, const char *name,
                                      const char *type,
                                      const vr_sql_type_args_t *args)
{
    vr_sql_column_def_t *c = vr_arena_calloc(ctx->arena, sizeof(*c));
    c->name = name;
    c->type.name = type;
    c->type.length = args->length;
    c->type.scale = args->scale;
    c->type.values = args->values;
    return c;
}

void vr_sql_column_done(vr_sql_pctx_t *ctx, vr_sql_column_def_t *c)
{
    (void)c;
    ctx->cur_col = NULL;
}

vr_sql_default_t *vr_sql_mk_default(vr_sql_pctx_t *ctx, vr_sql_expr_t *e,
                                    bool paren)
{
    vr_sql_default_t *d = vr_arena_calloc(ctx->arena, sizeof(*d));
    d->e = e;
    d->paren = paren;
    return d;
}

void vr_sql_col_default(vr_sql_pctx_t *ctx, vr_sql_default_t *d)
{
    ctx->cur_col->default_value = d->e;
    ctx->cur_col->default_paren = d->paren;
}

/* ---- keys and constraints ------------------------------------------------ */

static void set_constraint(vr_sql_index_def_t *d, vr_sql_constraint_t *c)
{
    if (!c)
        return;
    d->constraint = true;
    d->constraint_name = c->name;
}

vr_sql_index_def_t *vr_sql_mk_index(vr_sql_pctx_t *ctx,
                                    vr_sql_index_kind_t kind,
                                    vr_sql_constraint_t *c,
                                    const char *name, int index_word,
                                    const char *using,
                                    vr_sql_index_part_list_t parts,
                                    vr_sql_index_def_t *opts)
{
    vr_sql_index_def_t *d = opts;
    (void)ctx;
    d->kind = kind;
    set_constraint(d, c);
    d->name = name;
    d->index_word = index_word == 1;
    d->parts = parts;
    if (!d->using)
        d->using = using;
    return d;
}

vr_sql_index_def_t *vr_sql_mk_fk(vr_sql_pctx_t *ctx, vr_sql_constraint_t *c,
                                 const char *name, vr_sql_ident_list_t cols,
                                 vr_sql_table_name_t ref,
                                 vr_sql_ident_list_t ref_cols,
                                 vr_sql_fk_pair_t acts)
{
    vr_sql_index_def_t *d = vr_arena_calloc(ctx->arena, sizeof(*d));
    d->kind = VR_SQL_INDEX_FOREIGN;
    set_constraint(d, c);
    d->name = name;
    for (size_t i = 0; i < cols.n; i++) {
        vr_sql_index_part_t *p = vr_arena_calloc(ctx->arena, sizeof(*p));
        p->column = cols.items[i];
        VR_SQL_APPEND(ctx->arena, &d->parts, p);
    }
    d->ref_table = ref;
    d->ref_columns = ref_cols;
    d->on_delete = acts.del;
    d->on_update = acts.upd;
    return d;
}

vr_sql_index_def_t *vr_sql_mk_check(vr_sql_pctx_t *ctx,
                                    vr_sql_constraint_t *c,
                                    vr_sql_expr_t *e, bool not_enforced)
{
    vr_sql_index_def_t *d = vr_arena_calloc(ctx->arena, sizeof(*d));
    d->kind = VR_SQL_INDEX_CHECK;
    set_constraint(d, c);
    d->check = e;
    d->not_enforced = not_enforced;
    return d;
}

/* ---- table options ---------------------------------------------------------- */

static vr_sql_table_option_t *topt_new(vr_sql_pctx_t *ctx, const char *name)
{
    vr_sql_table_option_t *o = vr_arena_calloc(ctx->arena, sizeof(*o));
    o->name = name;
    return o;
}

vr_sql_table_option_t *vr_sql_mk_topt(vr_sql_pctx_t *ctx, const char *name,
                                      const vr_sql_tok_t *v, bool is_string)
{
    vr_sql_table_option_t *o = topt_new(ctx, name);
    o->value = vr_sql_tok_str(ctx, v);
    o->len = v->len;
    o->is_string = is_string;
    return o;
}

vr_sql_table_option_t *vr_sql_mk_topt_ident(vr_sql_pctx_t *ctx,
                                            const char *name,
                                            const char *v)
{
    vr_sql_table_option_t *o = topt_new(ctx, name);
    o->value = v;
    o->len = strlen(v);
    return o;
}

/* Type names are printed bare, in lower case: only words that read back
 * as a name qualify (not `a b`, not `select`). */
const char *vr_sql_type_word(vr_sql_pctx_t *ctx, const char *name)
{
    char *low = vr_sql_lower(ctx->arena, name, strlen(name));
    if (!vr_sql_word_reads_back(low))
        vr_sql_action_error(ctx, NULL, NULL);
    return low;
}

/* Option names are printed bare: only plain words qualify. */
void vr_sql_check_word(vr_sql_pctx_t *ctx, const vr_sql_tok_t *t)
{
    for (uint32_t i = 0; i < t->len; i++) {
        char c = t->s[i];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
              (c >= '0' && c <= '9') || c == '_')) {
            vr_sql_action_error(ctx, NULL, t);
            return;
        }
    }
}

vr_sql_table_option_t *vr_sql_mk_topt_named(vr_sql_pctx_t *ctx,
                                            const vr_sql_tok_t *name,
                                            vr_sql_tok_t v)
{
    vr_sql_table_option_t *o;
    vr_sql_check_word(ctx, name);
    o = vr_sql_mk_topt(ctx, vr_sql_lower(ctx->arena, name->s, name->len),
                       &v, v.aux == 1);
    if (v.aux == 2) { /* DEFAULT */
        o->value = "default";
        o->len = 7;
    }
    return o;
}

/* ---- ALTER TABLE ---------------------------------------------------------------- */

vr_sql_alter_action_t *vr_sql_mk_alter(vr_sql_pctx_t *ctx,
                                       vr_sql_alter_kind_t k)
{
    vr_sql_alter_action_t *a = vr_arena_calloc(ctx->arena, sizeof(*a));
    a->kind = k;
    return a;
}

void vr_sql_alter_pos(vr_sql_alter_action_t *a, const char *pos)
{
    if (!pos)
        return;
    if (pos[0] == '\0')
        a->first = true;
    else
        a->after = pos;
}

static vr_sql_stmt_t *alter_with(vr_sql_pctx_t *ctx, const vr_sql_tok_t *kw,
                                 vr_sql_table_name_t t,
                                 vr_sql_alter_action_t *a)
{
    vr_sql_stmt_t *s = vr_sql_stmt_new(ctx, VR_SQL_STMT_ALTER_TABLE, kw);
    s->alter_table.table = t;
    VR_SQL_APPEND(ctx->arena, &s->alter_table.actions, a);
    return s;
}

/* drop index b on a  ->  alter table a drop key b */
vr_sql_stmt_t *vr_sql_drop_index(vr_sql_pctx_t *ctx, const vr_sql_tok_t *kw,
                                 const char *name, vr_sql_table_name_t t)
{
    vr_sql_alter_action_t *a;
    if (strcasecmp(name, "primary") == 0) {
        a = vr_sql_mk_alter(ctx, VR_SQL_ALTER_DROP_PRIMARY_KEY);
    } else {
        a = vr_sql_mk_alter(ctx, VR_SQL_ALTER_DROP_INDEX);
        a->name = name;
    }
    return alter_with(ctx, kw, t, a);
}

/* create index a on b (c)  ->  alter table b add index a (c) */
vr_sql_stmt_t *vr_sql_create_index(vr_sql_pctx_t *ctx,
                                   const vr_sql_tok_t *kw,
                                   vr_sql_index_kind_t kind,
                                   const char *name, const char *using,
                                   vr_sql_table_name_t t,
                                   vr_sql_index_part_list_t parts,
                                   vr_sql_index_def_t *opts)
{
    vr_sql_alter_action_t *a = vr_sql_mk_alter(ctx, VR_SQL_ALTER_ADD_INDEX);
    a->index = vr_sql_mk_index(ctx, kind, NULL, name, 1, using, parts, opts);
    return alter_with(ctx, kw, t, a);
}

void vr_sql_db_opt_append(vr_sql_pctx_t *ctx, vr_sql_database_t *d,
                          vr_sql_db_option_t *o)
{
    VR_SQL_APPEND(ctx->arena, &d->options, o);
}
