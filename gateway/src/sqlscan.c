/*
 * sqlscan.c - the little lexing the protocol layer needs before a parser
 * sees a statement: where the statements of a multi-statement COM_QUERY
 * end, and where a prepared statement's `?` placeholders are.
 *
 * It skips what the server's lexer skips: '...' and "..." strings (with
 * backslash escapes unless NO_BACKSLASH_ESCAPES, and doubled quotes),
 * `identifiers`, # and "-- " comments to the end of the line, and
 * slash-star comments, except that the body of an executable comment
 * (slash-star-bang, MariaDB's slash-star-M-bang) is code, as the server
 * runs it.
 *
 * Splitting at ';' is wrong inside a compound statement (a procedure body
 * is `BEGIN ...; ...; END`), so a statement that starts one takes the whole
 * rest of the text, and the handler (a backend with multi-statements on)
 * deals with it as the server would.  Pure functions: any thread.
 */
#include <ctype.h>
#include <string.h>
#include <strings.h>

#include "proto.h"

typedef struct scan {
    const char *s;
    size_t n;
    size_t i;
    bool no_bs;
    bool in_exec; /* inside an executable comment's body */
} scan_t;

static size_t end_of_line(const scan_t *sc, size_t i)
{
    while (i < sc->n && sc->s[i] != '\n')
        i++;
    return i;
}

static size_t end_of_quoted(const scan_t *sc, size_t i)
{
    char q = sc->s[i++];
    bool bs = !sc->no_bs && q != '`';
    while (i < sc->n) {
        char c = sc->s[i];
        if (bs && c == '\\') {
            i += 2;
            continue;
        }
        if (c == q) {
            if (i + 1 < sc->n && sc->s[i + 1] == q) {
                i += 2;
                continue;
            }
            return i + 1;
        }
        i++;
    }
    return sc->n;
}

static size_t end_of_comment(const scan_t *sc, size_t i)
{
    const char *e;
    if (i + 2 > sc->n)
        return sc->n;
    e = memmem(sc->s + i + 2, sc->n - i - 2, "*/", 2);
    return e ? (size_t)(e - sc->s) + 2 : sc->n;
}

/* Is s[i..] the start of an executable comment?  Returns its header length. */
static size_t exec_comment_header(const scan_t *sc, size_t i)
{
    size_t j = i + 2, d = 0;
    if (j < sc->n && sc->s[j] == 'M')
        j++;
    if (j >= sc->n || sc->s[j] != '!')
        return 0;
    j++;
    while (j < sc->n && d < 6 && isdigit((unsigned char)sc->s[j]))
        j++, d++;
    return j - i;
}

/* Advance to the next byte of code; returns false at the end. */
static bool next_code(scan_t *sc)
{
    while (sc->i < sc->n) {
        const char *s = sc->s;
        size_t i = sc->i, h;
        char c = s[i];
        if (c == '\'' || c == '"' || c == '`') {
            sc->i = end_of_quoted(sc, i);
        } else if (c == '#') {
            sc->i = end_of_line(sc, i);
        } else if (c == '-' && i + 1 < sc->n && s[i + 1] == '-' &&
                   (i + 2 >= sc->n || (unsigned char)s[i + 2] <= ' ')) {
            sc->i = end_of_line(sc, i);
        } else if (c == '/' && i + 1 < sc->n && s[i + 1] == '*') {
            h = exec_comment_header(sc, i);
            if (h) {
                sc->i = i + h;
                sc->in_exec = true;
            } else {
                sc->i = end_of_comment(sc, i);
            }
        } else if (c == '*' && sc->in_exec && i + 1 < sc->n && s[i + 1] == '/') {
            sc->i = i + 2;
            sc->in_exec = false;
        } else {
            return true;
        }
    }
    return false;
}

static bool is_word_char(char c)
{
    return isalnum((unsigned char)c) || c == '_' || c == '$' || (unsigned char)c >= 0x80;
}

/* The next code word at or after sc->i (skipping spaces and comments);
 * leaves sc->i after it.  Returns its length, 0 when the next code byte is
 * not a word (sc->i then points at it). */
static size_t next_word(scan_t *sc, const char **w)
{
    size_t st;
    for (;;) {
        if (!next_code(sc))
            return 0;
        if (!isspace((unsigned char)sc->s[sc->i]))
            break;
        sc->i++;
    }
    st = sc->i;
    while (sc->i < sc->n && is_word_char(sc->s[sc->i]))
        sc->i++;
    *w = sc->s + st;
    return sc->i - st;
}

static bool word_is(const char *w, size_t n, const char *kw)
{
    return strlen(kw) == n && strncasecmp(w, kw, n) == 0;
}

static bool create_is_compound(scan_t *sc)
{
    static const char *const routine[] = {"PROCEDURE", "FUNCTION", "TRIGGER", "EVENT",
                                          "PACKAGE"};
    static const char *const plain[] = {"TABLE", "VIEW", "INDEX", "DATABASE", "SCHEMA",
                                        "USER", "ROLE", "SEQUENCE", "SERVER", "TABLESPACE",
                                        "TEMPORARY", "UNIQUE", "FULLTEXT", "SPATIAL"};
    const char *w;
    size_t n, k, words;
    for (words = 0; words < 12; words++) {
        n = next_word(sc, &w);
        if (n == 0) {
            /* DEFINER = `u`@`h`: step over the punctuation; stop at ( or ; */
            if (sc->i >= sc->n || sc->s[sc->i] == '(' || sc->s[sc->i] == ';')
                return false;
            sc->i++;
            continue;
        }
        for (k = 0; k < VR_ARRAY_LEN(routine); k++)
            if (word_is(w, n, routine[k]))
                return true;
        for (k = 0; k < VR_ARRAY_LEN(plain); k++)
            if (word_is(w, n, plain[k]))
                return false;
    }
    return false;
}

/* Does the statement starting at sc->i open a compound body? */
static bool starts_compound(scan_t sc)
{
    static const char *const flow[] = {"IF", "CASE", "LOOP", "WHILE", "REPEAT"};
    const char *w, *w2;
    size_t n, n2, k;

    n = next_word(&sc, &w);
    if (n == 0)
        return false;
    for (k = 0; k < VR_ARRAY_LEN(flow); k++)
        if (word_is(w, n, flow[k]))
            return true;
    if (word_is(w, n, "CREATE"))
        return create_is_compound(&sc);
    if (word_is(w, n, "BEGIN")) {
        n2 = next_word(&sc, &w2);
        return word_is(w2, n2, "NOT");
    }
    /* a label: "name: BEGIN ..." */
    while (sc.i < sc.n && isspace((unsigned char)sc.s[sc.i]))
        sc.i++;
    return sc.i < sc.n && sc.s[sc.i] == ':';
}

/* Record [st, en) trimmed of white space, unless empty. */
static void add_piece(const char *s, size_t st, size_t en, size_t *starts, size_t *ends,
                      size_t max, size_t *count)
{
    while (st < en && isspace((unsigned char)s[st]))
        st++;
    while (en > st && isspace((unsigned char)s[en - 1]))
        en--;
    if (st == en)
        return;
    if (*count < max) {
        starts[*count] = st;
        ends[*count] = en;
    }
    (*count)++;
}

/* True when [st, en) holds nothing but white space and comments. */
static bool only_comments(const char *s, size_t st, size_t en, bool no_bs)
{
    scan_t sc = {s, en, st, no_bs, false};
    while (next_code(&sc)) {
        if (!isspace((unsigned char)s[sc.i]))
            return false;
        sc.i++;
    }
    return true;
}

size_t gw_sql_split(const char *sql, size_t len, bool no_bs, size_t *starts, size_t *ends,
                    size_t max)
{
    scan_t sc = {sql, len, 0, no_bs, false};
    size_t piece = 0, count = 0;
    bool checked = false;

    while (next_code(&sc)) {
        if (!checked) {
            checked = true;
            if (starts_compound(sc))
                break; /* the rest is one statement */
        }
        if (sql[sc.i] == ';' && !sc.in_exec) {
            if (!only_comments(sql, piece, sc.i, no_bs))
                add_piece(sql, piece, sc.i, starts, ends, max, &count);
            piece = sc.i + 1;
            checked = false;
        }
        sc.i++;
    }
    if (!only_comments(sql, piece, len, no_bs))
        add_piece(sql, piece, len, starts, ends, max, &count);
    return count;
}

size_t gw_sql_placeholders(const char *sql, size_t len, bool no_bs, size_t *offs, size_t max)
{
    scan_t sc = {sql, len, 0, no_bs, false};
    size_t count = 0;
    while (next_code(&sc)) {
        if (sql[sc.i] == '?') {
            if (count < max)
                offs[count] = sc.i;
            count++;
        }
        sc.i++;
    }
    return count;
}
