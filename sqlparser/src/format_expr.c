/*
 * format_expr.c - printing expressions as canonical SQL.
 *
 * Parentheses come from precedence, not from the input: the tree has no
 * parenthesis nodes, and a child is wrapped when it binds more loosely
 * than its parent needs (the same MySQL table the grammar declares, so
 * what is printed parses back to the same tree).  Identifiers are
 * back-quoted only when needed; strings are single-quoted with MySQL
 * escapes.  Pure functions of the tree: safe from any thread.
 */
#include <string.h>
#include <strings.h>

#include "grammar.h"
#include "sql_int.h"

int vrsqlParseFallback(int token);

enum {
    P_ASSIGN = 0, P_OR = 1, P_XOR, P_AND, P_NOT, P_BETWEEN, P_CMP, P_BITOR = 8, P_BITAND,
    P_SHIFT, P_ADD, P_MUL, P_BITXOR, P_UNARY, P_BANG, P_COLLATE,
    P_ATOM = 100,
};

static void fmt(vr_buf_t *b, const vr_sql_expr_t *e);

static int op_prec(vr_sql_op_t op)
{
    switch (op) {
    case VR_SQL_OP_XOR: return P_XOR;
    case VR_SQL_OP_BITOR: return P_BITOR;
    case VR_SQL_OP_BITAND: return P_BITAND;
    case VR_SQL_OP_SHL:
    case VR_SQL_OP_SHR: return P_SHIFT;
    case VR_SQL_OP_PLUS:
    case VR_SQL_OP_MINUS: return P_ADD;
    case VR_SQL_OP_MULT:
    case VR_SQL_OP_DIV:
    case VR_SQL_OP_INTDIV:
    case VR_SQL_OP_MOD: return P_MUL;
    case VR_SQL_OP_BITXOR: return P_BITXOR;
    case VR_SQL_OP_JSON_EXTRACT:
    case VR_SQL_OP_JSON_UNQUOTE: return P_ATOM;
    case VR_SQL_OP_NOT: return P_NOT;
    case VR_SQL_OP_UMINUS:
    case VR_SQL_OP_TILDE: return P_UNARY;
    case VR_SQL_OP_BANG: return P_BANG;
    case VR_SQL_OP_ASSIGN: return P_ASSIGN;
    default: return P_CMP;
    }
}

static bool negative_number(const vr_sql_expr_t *e)
{
    return e->kind == VR_SQL_EXPR_LITERAL && e->lit.val &&
           e->lit.val[0] == '-';
}

int vr_sql_expr_prec(const vr_sql_expr_t *e)
{
    switch (e->kind) {
    case VR_SQL_EXPR_LITERAL: return negative_number(e) ? P_UNARY : P_ATOM;
    case VR_SQL_EXPR_UNARY: return op_prec(e->unary.op);
    case VR_SQL_EXPR_BINARY: return op_prec(e->binary.op);
    case VR_SQL_EXPR_AND: return P_AND;
    case VR_SQL_EXPR_OR: return P_OR;
    case VR_SQL_EXPR_IS: return P_CMP;
    case VR_SQL_EXPR_BETWEEN: return P_BETWEEN;
    case VR_SQL_EXPR_COLLATE: return P_COLLATE;
    default: return P_ATOM;
    }
}

/* Print e, in parentheses when its precedence is below min. */
static void fmt_at(vr_buf_t *b, const vr_sql_expr_t *e, int min)
{
    if (vr_sql_expr_prec(e) < min) {
        vr_buf_putc(b, '(');
        fmt(b, e);
        vr_buf_putc(b, ')');
    } else {
        fmt(b, e);
    }
}

/* ---- names ------------------------------------------------------------- */

void vr_sql_format_ident(vr_buf_t *b, const char *name)
{
    if (!name)
        return;
    if (vr_sql_ident_needs_quotes(name))
        vr_buf_put_sql_ident(b, name);
    else
        vr_buf_puts(b, name);
}

static bool word_chars_ok(const char *s)
{
    if (!*s)
        return false;
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
              (c >= '0' && c <= '9') || c == '_' || c == '$'))
            return false;
    }
    return true;
}

/* True when s, printed bare, lexes back as one identifier-like word. */
bool vr_sql_word_reads_back(const char *s)
{
    int tok;
    if (!word_chars_ok(s) || (s[0] >= '0' && s[0] <= '9'))
        return false;
    tok = vr_sql_keyword(s, strlen(s));
    return !tok || tok == TK_ID || tok == TK_DATE || tok == TK_TIME ||
           tok == TK_TIMESTAMP || vrsqlParseFallback(tok);
}

/* A charset, collation, engine or similar name: printed bare unless it
 * would not read back as a name. */
static bool word_needs_quotes(const char *s)
{
    return strcmp(s, "default") != 0 && !vr_sql_word_reads_back(s);
}

void vr_sql_fmt_word(vr_buf_t *b, const char *s)
{
    if (word_needs_quotes(s))
        vr_buf_put_sql_ident(b, s);
    else
        vr_buf_puts(b, s);
}

void vr_sql_fmt_string(vr_buf_t *b, const char *s, size_t n)
{
    vr_buf_put_sql_string(b, s, n);
}

static void fmt_column(vr_buf_t *b, const vr_sql_column_t *c)
{
    if (c->table) {
        if (c->db) {
            vr_sql_format_ident(b, c->db);
            vr_buf_putc(b, '.');
        }
        vr_sql_format_ident(b, c->table);
        vr_buf_putc(b, '.');
    }
    vr_sql_format_ident(b, c->name);
}

/* ---- leaves ------------------------------------------------------------- */

static void fmt_literal(vr_buf_t *b, const vr_sql_expr_t *e)
{
    const char *v = e->lit.val ? e->lit.val : "";
    if (e->lit.charset) {
        vr_buf_putc(b, '_');
        vr_buf_puts(b, e->lit.charset);
        vr_buf_putc(b, ' ');
    }
    switch (e->lit.type) {
    case VR_SQL_LIT_STRING:
        if (e->lit.national)
            vr_buf_putc(b, 'N');
        vr_buf_put_sql_string(b, v, e->lit.len);
        break;
    case VR_SQL_LIT_HEX: vr_buf_printf(b, "X'%s'", v); break;
    case VR_SQL_LIT_BIT: vr_buf_printf(b, "B'%s'", v); break;
    case VR_SQL_LIT_NULL: vr_buf_puts(b, "null"); break;
    case VR_SQL_LIT_TRUE: vr_buf_puts(b, "true"); break;
    case VR_SQL_LIT_FALSE: vr_buf_puts(b, "false"); break;
    case VR_SQL_LIT_DATE:
    case VR_SQL_LIT_TIME:
    case VR_SQL_LIT_TIMESTAMP:
        vr_buf_puts(b, e->lit.type == VR_SQL_LIT_DATE   ? "date"
                       : e->lit.type == VR_SQL_LIT_TIME ? "time"
                                                        : "timestamp");
        vr_buf_put_sql_string(b, v, e->lit.len);
        break;
    default: /* numbers, as written */
        vr_buf_append(b, v, e->lit.len);
        break;
    }
}

static void fmt_var(vr_buf_t *b, const vr_sql_expr_t *e)
{
    static const char *const prefix[] = {"@", "@@", "@@session.",
                                         "@@global.", "@@local."};
    unsigned s = (unsigned)e->var.scope;
    vr_buf_puts(b, prefix[s < VR_ARRAY_LEN(prefix) ? s : 1]);
    vr_sql_format_ident(b, e->var.name);
}

/* ---- operators ----------------------------------------------------------- */

static const char *op_text(vr_sql_op_t op)
{
    static const char *const text[] = {
        "=", "!=", "<", "<=", ">", ">=", "<=>", "in", "not in", "like",
        "not like", "regexp", "not regexp", "+", "-", "*", "/", "div", "%",
        "&", "|", "^", "<<", ">>", "xor", "->", "->>", "-", "~", "!",
        "not", ":=",
    };
    return (unsigned)op < VR_ARRAY_LEN(text) ? text[op] : "?";
}

/* !-x and !~x read back as !(-x) and !(~x): no parentheses needed (no
 * binary operator sits between the two precedences), and adding them
 * would make the output nest deeper than the input. */
static bool prefix_child(const vr_sql_expr_t *x)
{
    return negative_number(x) ||
           (x->kind == VR_SQL_EXPR_UNARY && x->unary.op != VR_SQL_OP_NOT);
}

static void fmt_unary(vr_buf_t *b, const vr_sql_expr_t *e)
{
    const vr_sql_expr_t *x = e->unary.expr;
    int p = op_prec(e->unary.op);
    if (e->unary.op == VR_SQL_OP_BANG && prefix_child(x))
        p = P_UNARY;
    vr_buf_puts(b, op_text(e->unary.op));
    if (e->unary.op == VR_SQL_OP_NOT)
        vr_buf_putc(b, ' ');
    else if (e->unary.op == VR_SQL_OP_UMINUS &&
             (negative_number(x) || (x->kind == VR_SQL_EXPR_UNARY &&
                                     x->unary.op == VR_SQL_OP_UMINUS)))
        vr_buf_putc(b, ' '); /* "--" would start a comment */
    fmt_at(b, x, p);
}

static void fmt_binary(vr_buf_t *b, const vr_sql_expr_t *e)
{
    int p = op_prec(e->binary.op);
    fmt_at(b, e->binary.left, p == P_ATOM ? P_ATOM : p);
    vr_buf_putc(b, ' ');
    vr_buf_puts(b, op_text(e->binary.op));
    vr_buf_putc(b, ' ');
    /* := is right-associative */
    fmt_at(b, e->binary.right, p == P_ATOM     ? P_ATOM
                               : p == P_ASSIGN ? P_ASSIGN
                                               : p + 1);
    if (e->binary.escape) {
        vr_buf_puts(b, " escape ");
        fmt_at(b, e->binary.escape, P_CMP + 1);
    }
}

static void fmt_logic(vr_buf_t *b, const vr_sql_expr_t *e)
{
    int p = e->kind == VR_SQL_EXPR_AND ? P_AND : P_OR;
    for (size_t i = 0; i < e->list.n; i++) {
        if (i)
            vr_buf_puts(b, p == P_AND ? " and " : " or ");
        fmt_at(b, e->list.items[i], p + 1);
    }
}

static void fmt_list(vr_buf_t *b, const vr_sql_expr_list_t *l)
{
    for (size_t i = 0; i < l->n; i++) {
        if (i)
            vr_buf_puts(b, ", ");
        fmt(b, l->items[i]);
    }
}

static void fmt_is(vr_buf_t *b, const vr_sql_expr_t *e)
{
    static const char *const text[] = {" is null", " is not null",
                                       " is true", " is not true",
                                       " is false", " is not false"};
    fmt_at(b, e->is.expr, P_CMP);
    vr_buf_puts(b, text[(unsigned)e->is.test % 6]);
}

static void fmt_between(vr_buf_t *b, const vr_sql_expr_t *e)
{
    fmt_at(b, e->between.expr, P_BETWEEN);
    vr_buf_puts(b, e->between.negated ? " not between " : " between ");
    fmt_at(b, e->between.from, P_BETWEEN + 1);
    vr_buf_puts(b, " and ");
    fmt_at(b, e->between.to, P_BETWEEN + 1);
}

/* ---- functions and friends -------------------------------------------------- */

static bool func_name_needs_quotes(const vr_sql_func_t *f)
{
    int tok;
    if (f->qualifier)
        return !word_chars_ok(f->name);
    if (!word_chars_ok(f->name))
        return true;
    tok = vr_sql_keyword(f->name, strlen(f->name));
    switch (tok) {
    case 0: case TK_ID: case TK_IF: case TK_LEFT: case TK_RIGHT:
    case TK_REPLACE: case TK_INSERT: case TK_MOD: case TK_DATABASE:
    case TK_SCHEMA: case TK_CHAR: case TK_REPEAT: case TK_DATE:
    case TK_TIME: case TK_TIMESTAMP:
        return false;
    case TK_CURRENT_TIMESTAMP: case TK_CURRENT_DATE: case TK_CURRENT_TIME:
    case TK_CURRENT_USER: case TK_LOCALTIME: case TK_LOCALTIMESTAMP:
    case TK_UTC_DATE: case TK_UTC_TIME: case TK_UTC_TIMESTAMP:
        /* only name() and name(n) read back as these */
        return !(f->args.n == 0 ||
                 (f->args.n == 1 &&
                  f->args.items[0]->kind == VR_SQL_EXPR_LITERAL &&
                  f->args.items[0]->lit.type == VR_SQL_LIT_INT &&
                  f->args.items[0]->lit.val[0] != '-')) ||
               f->distinct || f->star || f->order_by.n || f->separator;
    default:
        return !vrsqlParseFallback(tok);
    }
}

static void fmt_func_name(vr_buf_t *b, const vr_sql_func_t *f)
{
    if (f->qualifier) {
        vr_sql_format_ident(b, f->qualifier);
        vr_buf_putc(b, '.');
    }
    if (func_name_needs_quotes(f)) {
        vr_buf_put_sql_ident(b, f->name);
    } else if (f->aggregate || strcasecmp(f->name, "if") == 0) {
        for (const char *p = f->name; *p; p++)
            vr_buf_putc(b, (*p >= 'A' && *p <= 'Z') ? (char)(*p + 32) : *p);
    } else {
        vr_buf_puts(b, f->name);
    }
}

static void fmt_func(vr_buf_t *b, const vr_sql_func_t *f)
{
    fmt_func_name(b, f);
    vr_buf_putc(b, '(');
    if (f->distinct)
        vr_buf_puts(b, "distinct ");
    if (f->star)
        vr_buf_putc(b, '*');
    else
        fmt_list(b, &f->args);
    if (f->order_by.n) {
        vr_buf_puts(b, " order by ");
        vr_sql_fmt_order_list(b, &f->order_by);
    }
    if (f->separator) {
        vr_buf_puts(b, " separator ");
        fmt(b, f->separator);
    }
    vr_buf_putc(b, ')');
}

static void fmt_case(vr_buf_t *b, const vr_sql_expr_t *e)
{
    vr_buf_puts(b, "case ");
    if (e->case_.operand) {
        fmt(b, e->case_.operand);
        vr_buf_putc(b, ' ');
    }
    for (size_t i = 0; i < e->case_.whens.n; i++) {
        vr_buf_puts(b, "when ");
        fmt(b, e->case_.whens.items[i]->cond);
        vr_buf_puts(b, " then ");
        fmt(b, e->case_.whens.items[i]->val);
        vr_buf_putc(b, ' ');
    }
    if (e->case_.else_expr) {
        vr_buf_puts(b, "else ");
        fmt(b, e->case_.else_expr);
        vr_buf_putc(b, ' ');
    }
    vr_buf_puts(b, "end");
}

static void fmt_convert_type(vr_buf_t *b, const vr_sql_convert_type_t *t)
{
    vr_buf_puts(b, t->name ? t->name : "char");
    if (t->length) {
        vr_buf_printf(b, "(%s", t->length);
        if (t->scale)
            vr_buf_printf(b, ", %s", t->scale);
        vr_buf_putc(b, ')');
    }
    if (t->charset) {
        vr_buf_puts(b, " character set ");
        vr_sql_fmt_word(b, t->charset);
    }
}

static void fmt_cast(vr_buf_t *b, const vr_sql_expr_t *e)
{
    vr_buf_puts(b, e->cast.is_cast ? "cast(" : "convert(");
    fmt(b, e->cast.expr);
    vr_buf_puts(b, e->cast.is_cast ? " as " : ", ");
    fmt_convert_type(b, &e->cast.type);
    vr_buf_putc(b, ')');
}

static void fmt_subquery(vr_buf_t *b, const vr_sql_expr_t *e)
{
    if (e->kind == VR_SQL_EXPR_EXISTS)
        vr_buf_puts(b, "exists ");
    vr_buf_putc(b, '(');
    if (e->subquery)
        vr_sql_format(b, e->subquery);
    vr_buf_putc(b, ')');
}

static void fmt_misc(vr_buf_t *b, const vr_sql_expr_t *e)
{
    switch (e->kind) {
    case VR_SQL_EXPR_CONVERT_USING:
        vr_buf_puts(b, "convert(");
        fmt(b, e->convert_using.expr);
        vr_buf_puts(b, " using ");
        vr_sql_fmt_word(b, e->convert_using.charset);
        vr_buf_putc(b, ')');
        break;
    case VR_SQL_EXPR_COLLATE:
        fmt_at(b, e->collate.expr, P_COLLATE);
        vr_buf_puts(b, " collate ");
        vr_sql_fmt_word(b, e->collate.collation);
        break;
    case VR_SQL_EXPR_INTERVAL:
        vr_buf_puts(b, "interval ");
        fmt(b, e->interval.expr);
        vr_buf_putc(b, ' ');
        vr_buf_puts(b, e->interval.unit);
        break;
    case VR_SQL_EXPR_DEFAULT:
        vr_buf_puts(b, "default");
        if (e->default_col.column) {
            vr_buf_putc(b, '(');
            vr_sql_format_ident(b, e->default_col.column);
            vr_buf_putc(b, ')');
        }
        break;
    case VR_SQL_EXPR_VALUES:
        vr_buf_puts(b, "values(");
        fmt_column(b, &e->column);
        vr_buf_putc(b, ')');
        break;
    default:
        vr_buf_puts(b, "null");
        break;
    }
}

static void fmt(vr_buf_t *b, const vr_sql_expr_t *e)
{
    if (!e) {
        vr_buf_puts(b, "null");
        return;
    }
    switch (e->kind) {
    case VR_SQL_EXPR_LITERAL: fmt_literal(b, e); break;
    case VR_SQL_EXPR_COLUMN: fmt_column(b, &e->column); break;
    case VR_SQL_EXPR_ARG:
        vr_buf_putc(b, ':');
        vr_buf_puts(b, e->arg.name);
        break;
    case VR_SQL_EXPR_LIST_ARG:
        vr_buf_puts(b, "::");
        vr_buf_puts(b, e->arg.name);
        break;
    case VR_SQL_EXPR_VAR: fmt_var(b, e); break;
    case VR_SQL_EXPR_UNARY: fmt_unary(b, e); break;
    case VR_SQL_EXPR_BINARY: fmt_binary(b, e); break;
    case VR_SQL_EXPR_AND:
    case VR_SQL_EXPR_OR: fmt_logic(b, e); break;
    case VR_SQL_EXPR_IS: fmt_is(b, e); break;
    case VR_SQL_EXPR_BETWEEN: fmt_between(b, e); break;
    case VR_SQL_EXPR_TUPLE:
        vr_buf_putc(b, '(');
        fmt_list(b, &e->list);
        vr_buf_putc(b, ')');
        break;
    case VR_SQL_EXPR_SUBQUERY:
    case VR_SQL_EXPR_EXISTS: fmt_subquery(b, e); break;
    case VR_SQL_EXPR_FUNC: fmt_func(b, &e->func); break;
    case VR_SQL_EXPR_CASE: fmt_case(b, e); break;
    case VR_SQL_EXPR_CAST: fmt_cast(b, e); break;
    default: fmt_misc(b, e); break;
    }
}

void vr_sql_format_expr(vr_buf_t *out, const vr_sql_expr_t *expr)
{
    fmt(out, expr);
}

void vr_sql_fmt_order_list(vr_buf_t *b, const vr_sql_order_list_t *l)
{
    for (size_t i = 0; i < l->n; i++) {
        const vr_sql_expr_t *x = l->items[i]->expr;
        if (i)
            vr_buf_puts(b, ", ");
        fmt(b, x);
        if (l->items[i]->desc)
            vr_buf_puts(b, " desc");
        else if (!(x && x->kind == VR_SQL_EXPR_LITERAL &&
                   x->lit.type == VR_SQL_LIT_NULL))
            vr_buf_puts(b, " asc");
    }
}
