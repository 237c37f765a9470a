/*
 * lexer.c - hand-written tokenizer for the MySQL/MariaDB dialect.
 *
 * Scans one token per call straight from the input (no copy of the
 * statement, no malloc: values that outlive the input - identifiers,
 * decoded strings - are copied into the parse arena).  After a token it
 * skips the whitespace and comments that follow, attaching block comments
 * to the token, so the grammar can keep comments that follow a statement's
 * first keyword (`select <comment> 1`) the way Vitess does.
 *
 * MySQL rules followed: `-- ` needs a space or control character, `#`
 * comments to end of line, MySQL-specific comments (slash-star-bang and
 * slash-star-M-bang) are SQL with their version number skipped, a word
 * right after '.' is an identifier even when it is a keyword, identifiers may start with digits but not be all
 * digits, strings take both quote styles with backslash escapes and doubled
 * quotes (\% and \_ keep their backslash).  Errors leave a position and
 * the text "near" which they happened for the message.
 */
#include <string.h>

#include "grammar.h"
#include "sql_int.h"

static bool is_ident_char(unsigned char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
           (c >= '0' && c <= '9') || c == '_' || c == '$' || c >= 0x80;
}

static bool is_digit(unsigned char c) { return c >= '0' && c <= '9'; }

static bool is_hex(unsigned char c)
{
    return is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

static int peek(const vr_sql_lexer_t *lx, size_t off)
{
    return lx->i + off < lx->len ? (unsigned char)lx->sql[lx->i + off] : -1;
}

static int lex_error(vr_sql_lexer_t *lx, size_t pos, const char *near,
                     size_t near_len)
{
    lx->err_pos = pos;
    lx->err_near = near;
    lx->err_near_len = near_len;
    return -1;
}

/* ---- whitespace and comments ------------------------------------------ */

static void add_comment(vr_sql_lexer_t *lx, vr_sql_tok_t *tok, size_t from,
                        size_t to)
{
    char *c;
    if (!tok)
        return;
    if (!tok->comments)
        tok->comments = vr_arena_calloc(lx->arena, sizeof(*tok->comments));
    c = vr_arena_strndup(lx->arena, lx->sql + from, to - from);
    VR_SQL_APPEND(lx->arena, tok->comments, c);
}

static bool starts_special(const vr_sql_lexer_t *lx)
{
    return peek(lx, 2) == '!' ||
           ((peek(lx, 2) == 'M' || peek(lx, 2) == 'm') && peek(lx, 3) == '!');
}

/* Enter a MySQL-specific comment: skip the marker and version digits. */
static void enter_special(vr_sql_lexer_t *lx)
{
    size_t max = 5;
    if (peek(lx, 2) == '!') {
        lx->i += 3;
    } else {
        lx->i += 4;
        max = 6;
    }
    for (size_t k = 0; k < max && is_digit((unsigned char)peek(lx, 0)); k++)
        lx->i++;
    lx->in_special = true;
}

/* Skip a block comment at lx->i; false when it never ends. */
static bool skip_block(vr_sql_lexer_t *lx, vr_sql_tok_t *tok)
{
    size_t from = lx->i;
    const char *end = memmem(lx->sql + lx->i + 2, lx->len - lx->i - 2,
                             "*/", 2);
    if (!end)
        return false;
    lx->i = (size_t)(end - lx->sql) + 2;
    if (memchr(lx->sql + from, '\0', lx->i - from))
        return false; /* kept comments are printed back as C strings */
    add_comment(lx, tok, from, lx->i);
    return true;
}

static void skip_line(vr_sql_lexer_t *lx)
{
    while (lx->i < lx->len && lx->sql[lx->i] != '\n')
        lx->i++;
}

/* "-- " starts a comment only when a space or control character follows
 * (MySQL's rule); "--" at the very end is two minus signs, so verbatim
 * text that ends in "--" reads back the same. */
static bool dash_comment(const vr_sql_lexer_t *lx)
{
    int c = peek(lx, 2);
    return peek(lx, 1) == '-' && c >= 0 && c <= ' ';
}

/* Skip whitespace and comments; block comments go to tok (may be NULL).
 * Returns false on an unterminated comment. */
static bool skip_space(vr_sql_lexer_t *lx, vr_sql_tok_t *tok)
{
    while (lx->i < lx->len) {
        unsigned char c = (unsigned char)lx->sql[lx->i];
        if (c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' ||
            c == '\v') {
            lx->i++;
        } else if (c == '#' || (c == '-' && dash_comment(lx))) {
            skip_line(lx);
        } else if (c == '/' && peek(lx, 1) == '*') {
            if (starts_special(lx))
                return true;
            if (!skip_block(lx, tok))
                return false;
        } else if (c == '*' && peek(lx, 1) == '/' && lx->in_special) {
            lx->in_special = false;
            lx->i += 2;
        } else {
            return true;
        }
    }
    return true;
}

/* ---- quoted things ------------------------------------------------------ */

static char unescape(char c)
{
    switch (c) {
    case '0': return '\0';
    case 'b': return '\b';
    case 'n': return '\n';
    case 'r': return '\r';
    case 't': return '\t';
    case 'Z': return '\032';
    default: return c;
    }
}

/* Offset of the quote closing the one at lx->i, or lx->len if none. */
static size_t quote_end(const vr_sql_lexer_t *lx, bool escapes)
{
    char q = lx->sql[lx->i];
    size_t j = lx->i + 1;
    while (j < lx->len) {
        char c = lx->sql[j];
        if (c == q) {
            if (j + 1 < lx->len && lx->sql[j + 1] == q) {
                j += 2;
                continue;
            }
            return j;
        }
        j += (c == '\\' && escapes) ? 2 : 1;
    }
    return lx->len;
}

/*
 * Decode a quoted string or identifier whose opening quote is at lx->i.
 * Backslash escapes only when `escapes`.  tok->s/len get the value (in
 * the arena); on success lx->i moves past the closing quote.
 */
static bool scan_quoted(vr_sql_lexer_t *lx, vr_sql_tok_t *tok, bool escapes)
{
    char q = lx->sql[lx->i];
    size_t end = quote_end(lx, escapes), j = lx->i + 1, n = 0;
    char *out = vr_arena_alloc(lx->arena, (end > j ? end - j : 0) + 1);
    while (j < end) {
        char c = lx->sql[j];
        if (c == q) { /* doubled quote */
            out[n++] = q;
            j += 2;
        } else if (c == '\\' && escapes && j + 1 < end) {
            char e = lx->sql[j + 1];
            if (e == '%' || e == '_')
                out[n++] = '\\';
            out[n++] = unescape(e);
            j += 2;
        } else if (c == '\\' && escapes) {
            j++; /* a backslash with nothing after it */
            lx->dangling = true;
        } else {
            out[n++] = c;
            j++;
        }
    }
    out[n] = '\0';
    tok->s = out;
    tok->len = (uint32_t)n;
    tok->owned = 1;
    if (end >= lx->len)
        return false;
    lx->i = end + 1;
    return true;
}

static int scan_string(vr_sql_lexer_t *lx, vr_sql_tok_t *tok, int code)
{
    if (!scan_quoted(lx, tok, true))
        return lex_error(lx, lx->len + (lx->dangling ? 1 : 2), tok->s,
                         tok->len);
    return code;
}

static int scan_backquoted(vr_sql_lexer_t *lx, vr_sql_tok_t *tok)
{
    if (!scan_quoted(lx, tok, false))
        return lex_error(lx, lx->len + 2, tok->s, tok->len);
    if (memchr(tok->s, '\0', tok->len))
        return lex_error(lx, lx->i + 1, tok->s, strlen(tok->s));
    return TK_ID;
}

static void set_copy(vr_sql_lexer_t *lx, vr_sql_tok_t *tok, const char *p,
                     size_t n)
{
    tok->s = vr_arena_strndup(lx->arena, p, n);
    tok->len = (uint32_t)n;
    tok->owned = 1;
}

/* x'hex' / b'bits' after the prefix letter at lx->i. */
static int scan_prefixed(vr_sql_lexer_t *lx, vr_sql_tok_t *tok, bool hex)
{
    size_t j = lx->i + 2, start = j;
    while (j < lx->len && lx->sql[j] != '\'') {
        unsigned char c = (unsigned char)lx->sql[j];
        if (hex ? !is_hex(c) : (c != '0' && c != '1'))
            return lex_error(lx, j + 1, NULL, 0);
        j++;
    }
    if (j >= lx->len)
        return lex_error(lx, lx->len + 2, NULL, 0);
    if (hex && (j - start) % 2)
        return lex_error(lx, j + 2, NULL, 0);
    set_copy(lx, tok, lx->sql + start, j - start);
    lx->i = j + 1;
    return hex ? TK_HEX : TK_BIT;
}

/* ---- numbers and words ---------------------------------------------------- */

static int word_token(vr_sql_lexer_t *lx, vr_sql_tok_t *tok, size_t start)
{
    size_t n = lx->i - start;
    int kw = lx->after_dot ? 0 : vr_sql_keyword(lx->sql + start, n);
    if (kw == TK_INTRODUCER) {
        tok->s = vr_sql_lower(lx->arena, lx->sql + start + 1, n - 1);
        tok->len = (uint32_t)(n - 1);
        tok->owned = 1;
        return kw;
    }
    if (kw && kw != TK_ID) {
        tok->s = lx->sql + start; /* raw text, for "near" */
        tok->len = (uint32_t)n;
        return kw;
    }
    set_copy(lx, tok, lx->sql + start, n);
    return TK_ID;
}

static size_t digits(const vr_sql_lexer_t *lx, size_t j)
{
    while (j < lx->len && is_digit((unsigned char)lx->sql[j]))
        j++;
    return j;
}

static int number_token(vr_sql_lexer_t *lx, vr_sql_tok_t *tok, size_t start,
                        size_t end, int code)
{
    lx->i = end;
    set_copy(lx, tok, lx->sql + start, end - start);
    return code;
}

/* 0x.. / 0b.. numbers; 0 when the text is not one. */
static int radix_number(vr_sql_lexer_t *lx, vr_sql_tok_t *tok)
{
    size_t s = lx->i, j = s + 2;
    bool hex = lx->sql[s + 1] == 'x';
    while (j < lx->len && (hex ? is_hex((unsigned char)lx->sql[j])
                               : (lx->sql[j] == '0' || lx->sql[j] == '1')))
        j++;
    if (j == s + 2 || (j < lx->len && is_ident_char((unsigned char)lx->sql[j])))
        return 0;
    if (hex)
        return number_token(lx, tok, s, j, TK_HEXNUM);
    lx->i = j;
    set_copy(lx, tok, lx->sql + s + 2, j - s - 2);
    return TK_BIT;
}

static int scan_number(vr_sql_lexer_t *lx, vr_sql_tok_t *tok)
{
    size_t s = lx->i, j;
    int code = TK_INTEGRAL;
    if (lx->sql[s] == '0' && (peek(lx, 1) == 'x' || peek(lx, 1) == 'b')) {
        int r = radix_number(lx, tok);
        if (r)
            return r;
    }
    j = digits(lx, s);
    if (j < lx->len && lx->sql[j] == '.') {
        j = digits(lx, j + 1);
        code = TK_DECIMAL;
    }
    if (j < lx->len && (lx->sql[j] == 'e' || lx->sql[j] == 'E')) {
        size_t k = j + 1;
        if (k < lx->len && (lx->sql[k] == '+' || lx->sql[k] == '-'))
            k++;
        if (k < lx->len && is_digit((unsigned char)lx->sql[k])) {
            j = digits(lx, k);
            code = TK_FLOAT;
        }
    }
    if (code == TK_INTEGRAL && j < lx->len &&
        is_ident_char((unsigned char)lx->sql[j])) {
        /* 3t2, 1ea: an identifier that starts with digits */
        lx->i = j;
        while (lx->i < lx->len && is_ident_char((unsigned char)lx->sql[lx->i]))
            lx->i++;
        set_copy(lx, tok, lx->sql + s, lx->i - s);
        return TK_ID;
    }
    return number_token(lx, tok, s, j, code);
}

static int scan_word(vr_sql_lexer_t *lx, vr_sql_tok_t *tok)
{
    size_t s = lx->i;
    unsigned char c = (unsigned char)lx->sql[s];
    if (peek(lx, 1) == '\'' && !lx->after_dot) {
        if (c == 'x' || c == 'X')
            return scan_prefixed(lx, tok, true);
        if (c == 'b' || c == 'B')
            return scan_prefixed(lx, tok, false);
        if (c == 'n' || c == 'N') {
            lx->i++;
            return scan_string(lx, tok, TK_NSTRING);
        }
    }
    while (lx->i < lx->len && is_ident_char((unsigned char)lx->sql[lx->i]))
        lx->i++;
    return word_token(lx, tok, s);
}

/* ---- variables and arguments ---------------------------------------------- */

/* A variable or argument name at lx->i: identifier chars (and '.' when
 * dots), or a quoted name.  Returns false when there is none. */
static bool scan_name(vr_sql_lexer_t *lx, vr_sql_tok_t *tok, bool dots,
                      bool quoted)
{
    size_t s = lx->i;
    int c = peek(lx, 0);
    if (quoted && (c == '`' || c == '\'' || c == '"'))
        return scan_quoted(lx, tok, c != '`');
    while (lx->i < lx->len &&
           (is_ident_char((unsigned char)lx->sql[lx->i]) ||
            (dots && lx->sql[lx->i] == '.')))
        lx->i++;
    if (lx->i == s)
        return false;
    set_copy(lx, tok, lx->sql + s, lx->i - s);
    return true;
}

static vr_sql_var_scope_t scope_of(const char *s, size_t n)
{
    if (n == 7 && strncasecmp(s, "session", 7) == 0)
        return VR_SQL_VAR_SESSION;
    if (n == 6 && strncasecmp(s, "global", 6) == 0)
        return VR_SQL_VAR_GLOBAL;
    if (n == 5 && strncasecmp(s, "local", 5) == 0)
        return VR_SQL_VAR_LOCAL;
    return VR_SQL_VAR_SYSTEM;
}

static int scan_sysvar(vr_sql_lexer_t *lx, vr_sql_tok_t *tok)
{
    size_t s;
    lx->i += 2;
    s = lx->i;
    while (lx->i < lx->len && is_ident_char((unsigned char)lx->sql[lx->i]))
        lx->i++;
    tok->aux = VR_SQL_VAR_SYSTEM;
    if (peek(lx, 0) == '.') {
        vr_sql_var_scope_t sc = scope_of(lx->sql + s, lx->i - s);
        if (sc != VR_SQL_VAR_SYSTEM) {
            tok->aux = (uint8_t)sc;
            lx->i++;
            s = lx->i;
        }
    }
    lx->i = s;
    if (!scan_name(lx, tok, true, true) || memchr(tok->s, '\0', tok->len))
        return lex_error(lx, lx->i + 1, NULL, 0);
    return TK_AT_AT_ID;
}

static int scan_var(vr_sql_lexer_t *lx, vr_sql_tok_t *tok)
{
    if (peek(lx, 1) == '@')
        return scan_sysvar(lx, tok);
    lx->i++;
    if (!scan_name(lx, tok, true, true) || memchr(tok->s, '\0', tok->len))
        return lex_error(lx, lx->i + 1, NULL, 0);
    return TK_AT_ID;
}

static int scan_colon(vr_sql_lexer_t *lx, vr_sql_tok_t *tok)
{
    size_t s = lx->i;
    bool list = peek(lx, 1) == ':';
    if (peek(lx, 1) == '=') {
        lx->i += 2;
        return TK_ASSIGN;
    }
    lx->i += list ? 2 : 1;
    if (lx->i < lx->len && !is_digit((unsigned char)lx->sql[lx->i]) &&
        is_ident_char((unsigned char)lx->sql[lx->i]) &&
        scan_name(lx, tok, true, false))
        return list ? TK_LIST_ARG : TK_VALUE_ARG;
    return lex_error(lx, lx->i + 1, lx->sql + s, list ? 2 : 1);
}

/* ---- operators ------------------------------------------------------------ */

static int op2(vr_sql_lexer_t *lx, int code)
{
    lx->i += 2;
    return code;
}

static int op1(vr_sql_lexer_t *lx, int code)
{
    lx->i += 1;
    return code;
}

static int scan_lt_gt(vr_sql_lexer_t *lx, char c)
{
    int n = peek(lx, 1);
    if (c == '<') {
        if (n == '=' && peek(lx, 2) == '>') {
            lx->i += 3;
            return TK_NULLSAFE_EQ;
        }
        if (n == '=')
            return op2(lx, TK_LE);
        if (n == '>')
            return op2(lx, TK_NE);
        if (n == '<')
            return op2(lx, TK_SHL);
        return op1(lx, TK_LT);
    }
    if (n == '=')
        return op2(lx, TK_GE);
    if (n == '>')
        return op2(lx, TK_SHR);
    return op1(lx, TK_GT);
}

static int scan_minus(vr_sql_lexer_t *lx)
{
    if (peek(lx, 1) == '>') {
        if (peek(lx, 2) == '>') {
            lx->i += 3;
            return TK_JSON_UNQUOTE;
        }
        return op2(lx, TK_JSON_EXTRACT);
    }
    return op1(lx, TK_MINUS);
}

static int scan_operator(vr_sql_lexer_t *lx, vr_sql_tok_t *tok, char c)
{
    int n = peek(lx, 1);
    switch (c) {
    case '(': return op1(lx, TK_LP);
    case ')': return op1(lx, TK_RP);
    case ',': return op1(lx, TK_COMMA);
    case ';': return op1(lx, TK_SEMI);
    case '.': return op1(lx, TK_DOT);
    case '=': return op1(lx, TK_EQ);
    case '+': return op1(lx, TK_PLUS);
    case '-': return scan_minus(lx);
    case '*': return op1(lx, TK_STAR);
    case '/': return op1(lx, TK_SLASH);
    case '%': return op1(lx, TK_PERCENT);
    case '^': return op1(lx, TK_BITXOR);
    case '~': return op1(lx, TK_TILDE);
    case '<':
    case '>': return scan_lt_gt(lx, c);
    case '!': return n == '=' ? op2(lx, TK_NE) : op1(lx, TK_BANG);
    case '&': return n == '&' ? op2(lx, TK_AND) : op1(lx, TK_BITAND);
    case '|': return n == '|' ? op2(lx, TK_OR) : op1(lx, TK_BITOR);
    case '@': return scan_var(lx, tok);
    case ':': return scan_colon(lx, tok);
    case '?':
        lx->i++;
        tok->s = vr_arena_printf(lx->arena, "v%d", ++lx->nargs);
        tok->len = (uint32_t)strlen(tok->s);
        return TK_VALUE_ARG;
    default:
        return lex_error(lx, lx->i + 2, lx->sql + lx->i, 1);
    }
}

static int scan_token(vr_sql_lexer_t *lx, vr_sql_tok_t *tok)
{
    unsigned char c = (unsigned char)lx->sql[lx->i];
    if (is_digit(c) || (c == '.' && is_digit((unsigned char)peek(lx, 1)) &&
                        !lx->after_dot))
        return scan_number(lx, tok);
    if (is_ident_char(c))
        return scan_word(lx, tok);
    switch (c) {
    case '\'':
    case '"':
        return scan_string(lx, tok, TK_STRING);
    case '`':
        return scan_backquoted(lx, tok);
    default:
        return scan_operator(lx, tok, (char)c);
    }
}

int vr_sql_lex(vr_sql_lexer_t *lx, vr_sql_tok_t *tok)
{
    int code;
    memset(tok, 0, sizeof(*tok));
    if (lx->i == 0 && !skip_space(lx, NULL))
        return lex_error(lx, lx->len + 1, NULL, 0);
    while (lx->i < lx->len && lx->sql[lx->i] == '/' && peek(lx, 1) == '*' &&
           starts_special(lx)) {
        enter_special(lx);
        if (!skip_space(lx, NULL))
            return lex_error(lx, lx->len + 1, NULL, 0);
    }
    tok->pos = tok->end = (uint32_t)lx->i;
    if (lx->i >= lx->len)
        return 0;
    if (lx->sql[lx->i] == '\0')
        return lex_error(lx, lx->i + 2, NULL, 0);
    code = scan_token(lx, tok);
    if (code < 0)
        return code;
    tok->end = (uint32_t)lx->i;
    if (!tok->s) {
        tok->s = lx->sql + tok->pos;
        tok->len = tok->end - tok->pos;
    }
    lx->after_dot = code == TK_DOT;
    if (!skip_space(lx, tok))
        return lex_error(lx, lx->len + 1, NULL, 0);
    return code;
}
