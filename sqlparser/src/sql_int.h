/*
 * sql_int.h - sqlparser internals shared by the lexer, the grammar
 * actions (grammar.y), the node builders, the formatter and the helpers.
 * Nothing here is part of the module's face.
 */
#ifndef VR_SQL_INT_H
#define VR_SQL_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "vr_sqlparser.h"

/* One token as the lexer hands it to the parser (lemon's %token_type). */
typedef struct vr_sql_tok {
    const char *s;  /* value: identifier name, decoded string, raw text */
    uint32_t len;
    uint32_t pos;   /* offset of the first byte */
    uint32_t end;   /* offset just past the last byte */
    uint8_t aux;    /* AT_AT_ID: vr_sql_var_scope_t */
    uint8_t owned;  /* s is an arena copy, NUL-terminated */
    vr_sql_ident_list_t *comments; /* block comments right after it */
} vr_sql_tok_t;

/* Lexer state: one per parse, on the parser's stack. */
typedef struct vr_sql_lexer {
    const char *sql;
    size_t len;
    size_t i;
    vr_arena_t *arena;
    bool in_special;  /* inside a MySQL-specific comment */
    bool after_dot;   /* a word right after '.' is never a keyword */
    bool dangling;    /* an unterminated string ends in a backslash */
    int nargs;        /* positional '?' seen so far */
    /* lexical error */
    size_t err_pos;   /* 1-based position for the message */
    const char *err_near;
    size_t err_near_len;
} vr_sql_lexer_t;

/* Token code of the next token (0 at the end, -1 on a lexical error). */
int vr_sql_lex(vr_sql_lexer_t *lx, vr_sql_tok_t *tok);

/* Keyword table: the grammar token of a word, TK_ID for words that are
 * only quoted when printed, 0 when not a keyword.  Case-insensitive. */
int vr_sql_keyword(const char *s, size_t len);

/* Parse context: lemon's %extra_argument. */
typedef struct vr_sql_pctx {
    vr_arena_t *arena;
    const char *sql;
    size_t len;
    vr_sql_stmt_t *result;
    bool accepted;
    bool failed;
    bool recovered;      /* a raw-DDL rule absorbed a syntax error */
    bool has_error;      /* first syntax error recorded */
    size_t err_pos;
    const char *err_near;
    size_t err_near_len;
    const char *err_msg; /* overrides "syntax error" (nesting, ...) */
    uint32_t stmt_start; /* offset of the first token */
    uint32_t last_end;   /* end of the last token fed */
    uint32_t cur_end;    /* end of the token being fed */
    int first_tok;       /* token code of the first token */
    vr_sql_tok_t first;  /* the first two tokens (other-DDL fallback) */
    vr_sql_tok_t second;
    unsigned ntok;
    vr_sql_stmt_t *cur_table;      /* CREATE/ALTER TABLE being built */
    vr_sql_column_def_t *cur_col;  /* column definition being built */
} vr_sql_pctx_t;

/* Runs lexer + parser over ctx->sql (grammar.y's %code section). */
void vr_sql_run_parser(vr_sql_pctx_t *ctx);

/* Record an error found by a grammar action at the current token. */
void vr_sql_action_error(vr_sql_pctx_t *ctx, const char *msg,
                         const vr_sql_tok_t *near);

/* ---- lists (capacity is the next power of two >= n, min 4) ---------- */

void *vr_sql_list_grow(vr_arena_t *a, void *items, size_t n, size_t size);
#define VR_SQL_APPEND(arena, list, x)                                      \
    do {                                                                   \
        if ((list)->n < 4 ? (list)->n == 0                                 \
                          : ((list)->n & ((list)->n - 1)) == 0)            \
            (list)->items = vr_sql_list_grow((arena), (list)->items,       \
                                             (list)->n,                    \
                                             sizeof(*(list)->items));      \
        (list)->items[(list)->n++] = (x);                                  \
    } while (0)

/* ---- node builders (ast.c) ------------------------------------------ */

char *vr_sql_tok_str(vr_sql_pctx_t *ctx, const vr_sql_tok_t *t);
char *vr_sql_lower(vr_arena_t *a, const char *s, size_t n);

vr_sql_expr_t *vr_sql_expr_new(vr_sql_pctx_t *ctx, vr_sql_expr_kind_t k);
vr_sql_expr_t *vr_sql_mk_lit(vr_sql_pctx_t *ctx, vr_sql_lit_type_t t,
                             const vr_sql_tok_t *tok);
vr_sql_expr_t *vr_sql_mk_column(vr_sql_pctx_t *ctx, const char *db,
                                const char *table, const char *name);
vr_sql_expr_t *vr_sql_mk_unary(vr_sql_pctx_t *ctx, vr_sql_op_t op,
                               vr_sql_expr_t *e);
vr_sql_expr_t *vr_sql_mk_binary(vr_sql_pctx_t *ctx, vr_sql_op_t op,
                                vr_sql_expr_t *l, vr_sql_expr_t *r);
vr_sql_expr_t *vr_sql_mk_logic(vr_sql_pctx_t *ctx, vr_sql_expr_kind_t k,
                               vr_sql_expr_t *l, vr_sql_expr_t *r);
vr_sql_expr_t *vr_sql_mk_is(vr_sql_pctx_t *ctx, vr_sql_expr_t *e,
                            vr_sql_is_test_t t);
vr_sql_expr_t *vr_sql_mk_between(vr_sql_pctx_t *ctx, vr_sql_expr_t *e,
                                 vr_sql_expr_t *from, vr_sql_expr_t *to,
                                 bool negated);
vr_sql_expr_t *vr_sql_mk_list(vr_sql_pctx_t *ctx, vr_sql_expr_kind_t k,
                              vr_sql_expr_list_t list);
vr_sql_expr_t *vr_sql_mk_subquery(vr_sql_pctx_t *ctx, vr_sql_expr_kind_t k,
                                  vr_sql_stmt_t *s);
vr_sql_expr_t *vr_sql_mk_wrap(vr_sql_pctx_t *ctx, vr_sql_expr_kind_t k,
                              vr_sql_expr_t *inner);
bool vr_sql_is_aggregate(const char *name);
/* Recompute e->depth from its children; error when too deep. */
void vr_sql_expr_depth(vr_sql_pctx_t *ctx, vr_sql_expr_t *e);

vr_sql_stmt_t *vr_sql_stmt_new(vr_sql_pctx_t *ctx, vr_sql_stmt_kind_t k,
                               const vr_sql_tok_t *kw);
vr_sql_stmt_t *vr_sql_mk_union(vr_sql_pctx_t *ctx, vr_sql_stmt_t *left,
                               vr_sql_stmt_t *right, bool all);
void vr_sql_set_tail(vr_sql_pctx_t *ctx, vr_sql_stmt_t *s,
                     vr_sql_order_list_t order, vr_sql_limit_t limit,
                     vr_sql_lock_t lock);
void vr_sql_stmt_finish(vr_sql_pctx_t *ctx, vr_sql_stmt_t *s);
vr_sql_stmt_t *vr_sql_mk_other(vr_sql_pctx_t *ctx, vr_sql_stmt_kind_t k,
                               const char *verb, const char *object,
                               const vr_sql_tok_t *kw);

vr_sql_table_expr_t *vr_sql_mk_table(vr_sql_pctx_t *ctx,
                                     vr_sql_table_name_t name,
                                     const char *alias);
vr_sql_table_expr_t *vr_sql_mk_derived(vr_sql_pctx_t *ctx,
                                       vr_sql_stmt_t *sub,
                                       const char *alias);
vr_sql_table_expr_t *vr_sql_mk_join(vr_sql_pctx_t *ctx,
                                    vr_sql_join_kind_t kind,
                                    vr_sql_table_expr_t *l,
                                    vr_sql_table_expr_t *r);
vr_sql_table_expr_t *vr_sql_mk_paren(vr_sql_pctx_t *ctx,
                                     vr_sql_table_expr_list_t list);

/* ---- formatter internals -------------------------------------------- */

/* Precedence of an expression when printed (higher binds tighter). */
int vr_sql_expr_prec(const vr_sql_expr_t *e);
void vr_sql_fmt_comments(vr_buf_t *b, const vr_sql_ident_list_t *c);
void vr_sql_fmt_table_name(vr_buf_t *b, const vr_sql_table_name_t *t);
void vr_sql_fmt_order_list(vr_buf_t *b, const vr_sql_order_list_t *l);
void vr_sql_fmt_limit(vr_buf_t *b, const vr_sql_limit_t *l);
void vr_sql_fmt_string(vr_buf_t *b, const char *s, size_t n);
/* True when s printed bare lexes back as one identifier-like word. */
bool vr_sql_word_reads_back(const char *s);
/* A charset/collation/engine name: bare unless it would not read back. */
void vr_sql_fmt_word(vr_buf_t *b, const char *s);
void vr_sql_fmt_index_def(vr_buf_t *b, const vr_sql_index_def_t *d);
void vr_sql_fmt_table_option(vr_buf_t *b, const vr_sql_table_option_t *o);
/* DDL statements (format_ddl.c); false when kind is not DDL. */
bool vr_sql_fmt_ddl(vr_buf_t *b, const vr_sql_stmt_t *s);

#endif
