/*
 * grammar_act.h - helpers the grammar actions call (grammar.y), so the
 * actions stay one-liners.  Implemented in ast.c (expressions, tables),
 * ast_stmt.c (statements, DDL) and parse.c (errors).
 */
#ifndef VR_SQL_GRAMMAR_ACT_H
#define VR_SQL_GRAMMAR_ACT_H

#include "sql_int.h"

/* select options */
#define SEL_DISTINCT 1u
#define SEL_STRAIGHT 2u
#define SEL_CALC 4u
#define SEL_CACHE 8u
#define SEL_NO_CACHE 16u

typedef struct vr_sql_qname {
    const char *q;
    const char *name;
    bool lower; /* a keyword used as a function name: print lower case */
} vr_sql_qname_t;

typedef struct vr_sql_fargs {
    vr_sql_func_t f;
    bool has_distinct;
    vr_sql_tok_t distinct_tok;
} vr_sql_fargs_t;

typedef struct vr_sql_join_cond {
    vr_sql_expr_t *on;
    vr_sql_ident_list_t using;
} vr_sql_join_cond_t;

typedef struct vr_sql_pair {
    const char *a;
    const char *b;
} vr_sql_pair_t;

typedef struct vr_sql_like_where {
    vr_sql_expr_t *like;
    vr_sql_expr_t *where;
} vr_sql_like_where_t;

typedef struct vr_sql_explain_opts {
    const char *format;
    bool analyze;
} vr_sql_explain_opts_t;

typedef struct vr_sql_default {
    vr_sql_expr_t *e;
    bool paren;
} vr_sql_default_t;

typedef struct vr_sql_type_args {
    const char *length;
    const char *scale;
    vr_sql_expr_list_t values;
} vr_sql_type_args_t;

typedef struct vr_sql_constraint {
    const char *name;
} vr_sql_constraint_t;

typedef struct vr_sql_fk_pair {
    vr_sql_fk_action_t del;
    vr_sql_fk_action_t upd;
} vr_sql_fk_pair_t;

/* ---- errors (parse.c) ------------------------------------------------- */

void vr_sql_syntax_error(vr_sql_pctx_t *ctx, int major,
                         const vr_sql_tok_t *tok);
void vr_sql_lex_error(vr_sql_pctx_t *ctx, const vr_sql_lexer_t *lx);

/* ---- expressions (ast.c) ---------------------------------------------- */

const char *vr_sql_tok_ident(vr_sql_pctx_t *ctx, const vr_sql_tok_t *t);
vr_sql_expr_t *vr_sql_mk_var(vr_sql_pctx_t *ctx, vr_sql_var_scope_t scope,
                             const vr_sql_tok_t *t);
vr_sql_expr_t *vr_sql_mk_sysvar(vr_sql_pctx_t *ctx,
                                vr_sql_var_scope_t scope, const char *name);
vr_sql_var_scope_t vr_sql_set_scope(uint8_t aux);
vr_sql_expr_t *vr_sql_mk_tuple2(vr_sql_pctx_t *ctx, vr_sql_expr_t *first,
                                vr_sql_expr_list_t rest);
vr_sql_expr_t *vr_sql_mk_cast_binary(vr_sql_pctx_t *ctx, vr_sql_expr_t *e);
vr_sql_expr_t *vr_sql_mk_like(vr_sql_pctx_t *ctx, vr_sql_op_t op,
                              vr_sql_expr_t *l, vr_sql_expr_t *r,
                              vr_sql_expr_t *esc);
vr_sql_expr_t *vr_sql_mk_case(vr_sql_pctx_t *ctx, vr_sql_expr_t *operand,
                              vr_sql_when_list_t whens,
                              vr_sql_expr_t *else_expr);
vr_sql_expr_t *vr_sql_mk_interval(vr_sql_pctx_t *ctx, vr_sql_expr_t *e,
                                  const vr_sql_tok_t *unit);
vr_sql_expr_t *vr_sql_mk_cast(vr_sql_pctx_t *ctx, vr_sql_expr_t *e,
                              vr_sql_convert_type_t *t, bool is_cast);
vr_sql_convert_type_t *vr_sql_mk_ctype(vr_sql_pctx_t *ctx, const char *n);
void vr_sql_check_int_word(vr_sql_pctx_t *ctx, const vr_sql_tok_t *t);
vr_sql_expr_t *vr_sql_mk_call(vr_sql_pctx_t *ctx, const vr_sql_qname_t *n,
                              vr_sql_fargs_t *args, bool star);
vr_sql_expr_t *vr_sql_mk_time_func(vr_sql_pctx_t *ctx,
                                   const vr_sql_tok_t *name,
                                   const vr_sql_tok_t *fsp);
vr_sql_fargs_t *vr_sql_mk_fargs(vr_sql_pctx_t *ctx,
                                const vr_sql_tok_t *distinct,
                                vr_sql_expr_list_t args,
                                vr_sql_order_list_t order,
                                vr_sql_expr_t *sep);
vr_sql_expr_t *vr_sql_mk_str(vr_sql_pctx_t *ctx, const char *s);

/* ---- tables ------------------------------------------------------------ */

vr_sql_table_name_t *vr_sql_dup_name(vr_sql_pctx_t *ctx,
                                     vr_sql_table_name_t t);
void vr_sql_join_cond(vr_sql_pctx_t *ctx, vr_sql_table_expr_t *j,
                      vr_sql_join_cond_t *c);
vr_sql_table_expr_list_t vr_sql_single_table(vr_sql_pctx_t *ctx,
                                             vr_sql_table_name_t t);

/* ---- statements (ast_stmt.c) -------------------------------------------- */

vr_sql_stmt_t *vr_sql_close_query(vr_sql_stmt_t *s);
vr_sql_stmt_t *vr_sql_mk_select(vr_sql_pctx_t *ctx, const vr_sql_tok_t *kw,
                                unsigned opts,
                                vr_sql_select_expr_list_t exprs,
                                vr_sql_table_expr_list_t from,
                                vr_sql_expr_t *where,
                                vr_sql_expr_list_t group,
                                vr_sql_expr_t *having);
vr_sql_select_expr_t *vr_sql_mk_star(vr_sql_pctx_t *ctx, const char *q,
                                     const char *t);
void vr_sql_insert_head(vr_sql_pctx_t *ctx, vr_sql_stmt_t *s,
                        const vr_sql_tok_t *kw, bool ignore,
                        vr_sql_table_name_t t);
vr_sql_stmt_t *vr_sql_insert_set(vr_sql_pctx_t *ctx,
                                 vr_sql_assign_list_t l);
vr_sql_stmt_t *vr_sql_mk_delete(vr_sql_pctx_t *ctx, const vr_sql_tok_t *kw,
                                bool ignore,
                                const vr_sql_table_name_list_t *targets,
                                vr_sql_table_expr_list_t tables,
                                vr_sql_expr_t *where);
vr_sql_set_expr_t *vr_sql_mk_set_var(vr_sql_pctx_t *ctx, vr_sql_expr_t *v,
                                     vr_sql_expr_t *e);
vr_sql_set_expr_t *vr_sql_mk_set_cs(vr_sql_pctx_t *ctx, vr_sql_set_kind_t k,
                                    const char *cs, const char *collate);
vr_sql_set_expr_t *vr_sql_mk_txn(vr_sql_pctx_t *ctx, const char *level,
                                 int access);
vr_sql_set_expr_t *vr_sql_merge_txn(vr_sql_pctx_t *ctx,
                                    vr_sql_set_expr_t *a,
                                    vr_sql_set_expr_t *b);
vr_sql_stmt_t *vr_sql_mk_show(vr_sql_pctx_t *ctx, vr_sql_show_kind_t k,
                              vr_sql_like_where_t *lw);
void vr_sql_show_kw(vr_sql_pctx_t *ctx, vr_sql_stmt_t *s,
                    const vr_sql_tok_t *kw);
vr_sql_stmt_t *vr_sql_show_other(vr_sql_pctx_t *ctx, const vr_sql_tok_t *kw);

/* ---- DDL (ast_ddl.c) ------------------------------------------------------ */

vr_sql_column_def_t *vr_sql_mk_coldef(vr_sql_pctx_t *ctx, const char *name,
                                      const char *type,
                                      const vr_sql_type_args_t *args);
void vr_sql_column_done(vr_sql_pctx_t *ctx, vr_sql_column_def_t *c);
vr_sql_default_t *vr_sql_mk_default(vr_sql_pctx_t *ctx, vr_sql_expr_t *e,
                                    bool paren);
void vr_sql_col_default(vr_sql_pctx_t *ctx, vr_sql_default_t *d);
vr_sql_index_def_t *vr_sql_mk_index(vr_sql_pctx_t *ctx,
                                    vr_sql_index_kind_t kind,
                                    vr_sql_constraint_t *c,
                                    const char *name, int index_word,
                                    const char *using,
                                    vr_sql_index_part_list_t parts,
                                    vr_sql_index_def_t *opts);
vr_sql_index_def_t *vr_sql_mk_fk(vr_sql_pctx_t *ctx, vr_sql_constraint_t *c,
                                 const char *name, vr_sql_ident_list_t cols,
                                 vr_sql_table_name_t ref,
                                 vr_sql_ident_list_t ref_cols,
                                 vr_sql_fk_pair_t acts);
vr_sql_index_def_t *vr_sql_mk_check(vr_sql_pctx_t *ctx,
                                    vr_sql_constraint_t *c,
                                    vr_sql_expr_t *e, bool not_enforced);
vr_sql_table_option_t *vr_sql_mk_topt(vr_sql_pctx_t *ctx, const char *name,
                                      const vr_sql_tok_t *v, bool is_string);
vr_sql_table_option_t *vr_sql_mk_topt_ident(vr_sql_pctx_t *ctx,
                                            const char *name,
                                            const char *v);
void vr_sql_check_word(vr_sql_pctx_t *ctx, const vr_sql_tok_t *t);
const char *vr_sql_type_word(vr_sql_pctx_t *ctx, const char *name);
vr_sql_table_option_t *vr_sql_mk_topt_named(vr_sql_pctx_t *ctx,
                                            const vr_sql_tok_t *name,
                                            vr_sql_tok_t v);
vr_sql_alter_action_t *vr_sql_mk_alter(vr_sql_pctx_t *ctx,
                                       vr_sql_alter_kind_t k);
void vr_sql_alter_pos(vr_sql_alter_action_t *a, const char *pos);
vr_sql_stmt_t *vr_sql_drop_index(vr_sql_pctx_t *ctx, const vr_sql_tok_t *kw,
                                 const char *name, vr_sql_table_name_t t);
vr_sql_stmt_t *vr_sql_create_index(vr_sql_pctx_t *ctx,
                                   const vr_sql_tok_t *kw,
                                   vr_sql_index_kind_t kind,
                                   const char *name, const char *using,
                                   vr_sql_table_name_t t,
                                   vr_sql_index_part_list_t parts,
                                   vr_sql_index_def_t *opts);
void vr_sql_db_opt_append(vr_sql_pctx_t *ctx, vr_sql_database_t *d,
                          vr_sql_db_option_t *o);
vr_sql_stmt_t *vr_sql_partial_table(vr_sql_pctx_t *ctx, vr_sql_stmt_t *s,
                                    const char *verb);
const char *vr_sql_other_object(vr_sql_pctx_t *ctx);
void vr_sql_other_table(vr_sql_pctx_t *ctx, vr_sql_stmt_t *s,
                        vr_sql_table_name_t t);

#endif
