/*
 * parse.c - the public parse entry points and syntax-error reporting.
 *
 * vr_sql_parse() gives each tree its own arena (freed by vr_sql_free);
 * vr_sql_parse_arena() uses the caller's.  Errors are recorded once, at
 * the first problem, as Vitess reports them: the 1-based position just
 * past the offending token and, unless it is punctuation or the end of
 * the input, the token's text.  Reentrant: all state is in the context
 * on the caller's stack.
 */
#include <stdio.h>
#include <string.h>

#include "grammar.h"
#include "grammar_act.h"

#define ER_PARSE_ERROR 1064

static bool is_punct(int major)
{
    switch (major) {
    case TK_LP: case TK_RP: case TK_COMMA: case TK_SEMI: case TK_DOT:
    case TK_ASSIGN: case TK_JSON_EXTRACT: case TK_JSON_UNQUOTE: case TK_EQ:
    case TK_NE: case TK_LT: case TK_LE: case TK_GT: case TK_GE:
    case TK_NULLSAFE_EQ: case TK_PLUS: case TK_MINUS: case TK_STAR:
    case TK_SLASH: case TK_PERCENT: case TK_BITAND: case TK_BITOR:
    case TK_BITXOR: case TK_TILDE: case TK_BANG: case TK_SHL: case TK_SHR:
        return true;
    default:
        return false;
    }
}

void vr_sql_syntax_error(vr_sql_pctx_t *ctx, int major,
                         const vr_sql_tok_t *tok)
{
    if (ctx->has_error)
        return;
    ctx->has_error = true;
    if (major == 0) {
        ctx->err_pos = ctx->len + 1;
        return;
    }
    ctx->err_pos = (size_t)tok->end + 1;
    if (!is_punct(major)) {
        ctx->err_near = tok->s;
        ctx->err_near_len = tok->len;
    }
}

void vr_sql_lex_error(vr_sql_pctx_t *ctx, const vr_sql_lexer_t *lx)
{
    if (ctx->has_error)
        return;
    ctx->has_error = true;
    ctx->err_pos = lx->err_pos;
    ctx->err_near = lx->err_near;
    ctx->err_near_len = lx->err_near_len;
}

void vr_sql_action_error(vr_sql_pctx_t *ctx, const char *msg,
                         const vr_sql_tok_t *near)
{
    if (ctx->err_msg)
        return;
    ctx->err_msg = msg ? msg : "syntax error";
    if (ctx->has_error)
        return; /* an earlier syntax error keeps its position */
    ctx->has_error = true;
    ctx->err_pos = (size_t)(near ? near->end : ctx->cur_end) + 1;
    ctx->err_near = near ? near->s : NULL;
    ctx->err_near_len = near ? near->len : 0;
}

static vr_code_t report(const vr_sql_pctx_t *ctx, vr_error_t *err)
{
    const char *what = ctx->err_msg ? ctx->err_msg : "syntax error";
    size_t pos = ctx->has_error ? ctx->err_pos : ctx->len + 1;
    if (ctx->err_near && ctx->err_near_len)
        vr_errorf(err, VR_PARSE, "%s at position %zu near '%.*s'", what,
                  pos, (int)(ctx->err_near_len > 200 ? 200
                                                     : ctx->err_near_len),
                  ctx->err_near);
    else
        vr_errorf(err, VR_PARSE, "%s at position %zu", what, pos);
    if (err)
        err->mysql_errno = ER_PARSE_ERROR;
    return VR_PARSE;
}

static vr_code_t parse_into(vr_arena_t *arena, bool own, const char *sql,
                            size_t len, vr_sql_stmt_t **out,
                            vr_error_t *err)
{
    vr_sql_pctx_t ctx;
    memset(&ctx, 0, sizeof(ctx));
    ctx.arena = arena;
    ctx.sql = sql ? sql : "";
    ctx.len = sql ? len : 0;
    ctx.stmt_start = UINT32_MAX;
    if (ctx.len > UINT32_MAX - 16)
        return vr_errorf(err, VR_INVALID, "statement too long (%zu bytes)",
                         len);
    vr_sql_run_parser(&ctx);
    if (!ctx.accepted || !ctx.result || ctx.err_msg ||
        (ctx.has_error && !ctx.recovered))
        return report(&ctx, err);
    ctx.result->arena = arena;
    ctx.result->own_arena = own;
    *out = ctx.result;
    return VR_OK;
}

vr_code_t vr_sql_parse(const char *sql, size_t len, vr_sql_stmt_t **out,
                       vr_error_t *err)
{
    /* about 2x the text covers a typical tree; big strings get their
     * own chunks anyway */
    size_t chunk = len < 2048 ? 4096 : len < (512u << 10) ? 2 * len : 1u << 20;
    vr_arena_t *arena = vr_arena_new(chunk);
    vr_code_t rc;
    *out = NULL;
    rc = parse_into(arena, true, sql, len, out, err);
    if (rc != VR_OK)
        vr_arena_free(arena);
    return rc;
}

vr_code_t vr_sql_parse_arena(vr_arena_t *arena, const char *sql,
                             size_t len, vr_sql_stmt_t **out,
                             vr_error_t *err)
{
    *out = NULL;
    return parse_into(arena, false, sql, len, out, err);
}

void vr_sql_free(vr_sql_stmt_t *stmt)
{
    if (stmt && stmt->own_arena)
        vr_arena_free(stmt->arena);
}

vr_code_t vr_sql_clone(const vr_sql_stmt_t *stmt, vr_sql_stmt_t **out,
                       vr_error_t *err)
{
    vr_buf_t b = VR_BUF_INIT;
    vr_code_t rc;
    vr_sql_format(&b, stmt);
    rc = vr_sql_parse(b.data ? b.data : "", b.len, out, err);
    vr_buf_free(&b);
    return rc;
}

const char *vr_sql_stmt_kind_name(vr_sql_stmt_kind_t kind)
{
    static const char *const names[] = {
        "select", "union", "insert", "update", "delete", "set", "use",
        "show", "begin", "commit", "rollback", "savepoint", "release",
        "explain", "create table", "alter table", "drop table", "truncate",
        "rename table", "create database", "drop database", "other ddl",
        "other",
    };
    if ((unsigned)kind >= VR_ARRAY_LEN(names))
        return "unknown";
    return names[kind];
}
