/*
 * vr_sqlparser.h - the face of sqlparser/: one MySQL/MariaDB-dialect
 * parser, its AST, a formatter that prints the AST back as canonical SQL,
 * and the helpers the gateway, filters, workflows and the vstreamer share.
 *
 * Parsing.  vr_sql_parse() turns one statement (an optional trailing ';'
 * is allowed) into a tree of vr_sql_stmt_t / vr_sql_expr_t /
 * vr_sql_table_expr_t nodes.  Every node, string and list of one parse
 * lives in one arena: vr_sql_free(stmt) releases all of it at once.
 * vr_sql_parse_arena() puts the tree in a caller's arena instead (the hot
 * path of the gateway: reset the arena per query, never malloc).  The
 * parser is reentrant: no global state, any number of threads may parse
 * at once; one tree must not be modified by two threads at once.
 *
 * Errors.  A syntax error fills err with code VR_PARSE, mysql_errno 1064
 * and a message as MySQL and Vitess word it:
 *     syntax error at position 27 near 'form'
 * where the position is the 1-based offset just past the offending token
 * (Vitess's convention) and "near" is left out for punctuation and the end
 * of the input.  No input crashes the parser or leaks memory.
 *
 * Formatting.  vr_sql_format() prints canonical SQL the way Vitess's
 * sqlparser prints it: keywords in lower case, identifiers back-quoted
 * only when needed (keywords, unusual characters), strings single-quoted
 * with MySQL escapes, `select 1` printed as `select 1 from dual`, `?`
 * placeholders as :v1, :v2, ...  For every statement the parser accepts,
 * parse(format(parse(s))) formats identically to parse(s).
 *
 * DDL the grammar does not cover in full (views, triggers, partitioning,
 * grants, ...) still parses: it becomes VR_SQL_STMT_OTHER_DDL with the
 * verb, object kind, the tables it names where they are known, and the
 * original text, which the formatter prints back verbatim.
 */
#ifndef VR_SQLPARSER_H
#define VR_SQLPARSER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "vr_common.h"
#include "vr_value.h"

/* Deepest nesting of expressions / joins / subqueries a tree may have;
 * deeper input is a syntax error ("... too deeply nested").  AND/OR chains
 * are kept flat, so long WHERE clauses do not count against it. */
#define VR_SQL_MAX_DEPTH 1000

typedef struct vr_sql_expr vr_sql_expr_t;
typedef struct vr_sql_stmt vr_sql_stmt_t;
typedef struct vr_sql_table_expr vr_sql_table_expr_t;

/* ---- lists: n items, arena-allocated --------------------------------- */

typedef struct vr_sql_ident_list {
    size_t n;
    const char **items;
} vr_sql_ident_list_t;

typedef struct vr_sql_expr_list {
    size_t n;
    vr_sql_expr_t **items;
} vr_sql_expr_list_t;

typedef struct vr_sql_order {
    vr_sql_expr_t *expr;
    bool desc;
} vr_sql_order_t;

typedef struct vr_sql_order_list {
    size_t n;
    vr_sql_order_t **items;
} vr_sql_order_list_t;

typedef struct vr_sql_table_expr_list {
    size_t n;
    vr_sql_table_expr_t **items;
} vr_sql_table_expr_list_t;

/* ---- names -------------------------------------------------------------- */

/* `ks.t` or `t` (qualifier NULL). */
typedef struct vr_sql_table_name {
    const char *qualifier;
    const char *name;
} vr_sql_table_name_t;

typedef struct vr_sql_table_name_list {
    size_t n;
    vr_sql_table_name_t **items;
} vr_sql_table_name_list_t;

/* `col`, `t.col` or `db.t.col` (missing parts NULL). */
typedef struct vr_sql_column {
    const char *db;
    const char *table;
    const char *name;
} vr_sql_column_t;

/* ---- expressions ---------------------------------------------------------- */

typedef enum vr_sql_expr_kind {
    VR_SQL_EXPR_LITERAL,       /* lit */
    VR_SQL_EXPR_COLUMN,        /* column */
    VR_SQL_EXPR_ARG,           /* :name or ? (arg.name "v1", "v2", ...) */
    VR_SQL_EXPR_LIST_ARG,      /* ::name (arg.name) */
    VR_SQL_EXPR_VAR,           /* @user, @@x, @@global.x (var) */
    VR_SQL_EXPR_UNARY,         /* -x ~x !x not x (unary) */
    VR_SQL_EXPR_BINARY,        /* a op b, incl. comparisons, IN, LIKE */
    VR_SQL_EXPR_AND,           /* a and b and ... (list, n >= 2) */
    VR_SQL_EXPR_OR,            /* a or b or ... (list, n >= 2) */
    VR_SQL_EXPR_IS,            /* x is [not] null|true|false (is) */
    VR_SQL_EXPR_BETWEEN,       /* between */
    VR_SQL_EXPR_TUPLE,         /* (a, b, ...) (list) */
    VR_SQL_EXPR_SUBQUERY,      /* (select ...) (subquery) */
    VR_SQL_EXPR_EXISTS,        /* exists (select ...) (subquery) */
    VR_SQL_EXPR_FUNC,          /* name(args), count(*), ... (func) */
    VR_SQL_EXPR_CASE,          /* case */
    VR_SQL_EXPR_CAST,          /* cast(x as t), convert(x, t) (cast) */
    VR_SQL_EXPR_CONVERT_USING, /* convert(x using cs) (convert_using) */
    VR_SQL_EXPR_COLLATE,       /* x collate c (collate) */
    VR_SQL_EXPR_INTERVAL,      /* interval x unit (interval) */
    VR_SQL_EXPR_DEFAULT,       /* default, default(col) (default_col) */
    VR_SQL_EXPR_VALUES,        /* values(col) in ON DUPLICATE KEY (column) */
} vr_sql_expr_kind_t;

typedef enum vr_sql_lit_type {
    VR_SQL_LIT_STRING,    /* val/len: decoded bytes (may contain NULs) */
    VR_SQL_LIT_INT,       /* val: digits as written, maybe with '-' */
    VR_SQL_LIT_DECIMAL,   /* val: "1.5", ".1", "-2.0" */
    VR_SQL_LIT_FLOAT,     /* val: "1.2e+1" */
    VR_SQL_LIT_HEXNUM,    /* val: "0xf0" */
    VR_SQL_LIT_HEX,       /* val: hex digits of X'...' */
    VR_SQL_LIT_BIT,       /* val: binary digits of B'...' or 0b... */
    VR_SQL_LIT_NULL,
    VR_SQL_LIT_TRUE,
    VR_SQL_LIT_FALSE,
    VR_SQL_LIT_DATE,      /* date'...' (val: the string) */
    VR_SQL_LIT_TIME,      /* time'...' */
    VR_SQL_LIT_TIMESTAMP, /* timestamp'...' */
} vr_sql_lit_type_t;

typedef enum vr_sql_var_scope {
    VR_SQL_VAR_USER,    /* @name */
    VR_SQL_VAR_SYSTEM,  /* @@name (no scope given) */
    VR_SQL_VAR_SESSION, /* @@session.name */
    VR_SQL_VAR_GLOBAL,  /* @@global.name */
    VR_SQL_VAR_LOCAL,   /* @@local.name */
} vr_sql_var_scope_t;

typedef enum vr_sql_op {
    /* comparisons (and IN / LIKE / REGEXP) */
    VR_SQL_OP_EQ, VR_SQL_OP_NE, VR_SQL_OP_LT, VR_SQL_OP_LE, VR_SQL_OP_GT,
    VR_SQL_OP_GE, VR_SQL_OP_NULLSAFE_EQ, VR_SQL_OP_IN, VR_SQL_OP_NOT_IN,
    VR_SQL_OP_LIKE, VR_SQL_OP_NOT_LIKE, VR_SQL_OP_REGEXP,
    VR_SQL_OP_NOT_REGEXP,
    /* arithmetic and bits */
    VR_SQL_OP_PLUS, VR_SQL_OP_MINUS, VR_SQL_OP_MULT, VR_SQL_OP_DIV,
    VR_SQL_OP_INTDIV, VR_SQL_OP_MOD, VR_SQL_OP_BITAND, VR_SQL_OP_BITOR,
    VR_SQL_OP_BITXOR, VR_SQL_OP_SHL, VR_SQL_OP_SHR,
    /* logic (AND/OR are the list kinds above) */
    VR_SQL_OP_XOR,
    /* JSON */
    VR_SQL_OP_JSON_EXTRACT,   /* -> */
    VR_SQL_OP_JSON_UNQUOTE,   /* ->> */
    /* unary */
    VR_SQL_OP_UMINUS, VR_SQL_OP_TILDE, VR_SQL_OP_BANG, VR_SQL_OP_NOT,
    /* @var := expr */
    VR_SQL_OP_ASSIGN,
} vr_sql_op_t;

typedef enum vr_sql_is_test {
    VR_SQL_IS_NULL, VR_SQL_IS_NOT_NULL, VR_SQL_IS_TRUE, VR_SQL_IS_NOT_TRUE,
    VR_SQL_IS_FALSE, VR_SQL_IS_NOT_FALSE,
} vr_sql_is_test_t;

typedef struct vr_sql_when {
    vr_sql_expr_t *cond;
    vr_sql_expr_t *val;
} vr_sql_when_t;

typedef struct vr_sql_when_list {
    size_t n;
    vr_sql_when_t **items;
} vr_sql_when_list_t;

/* Target of CAST/CONVERT: name in lower case ("char", "signed",
 * "decimal", ...), optional "(length[, scale])" and character set. */
typedef struct vr_sql_convert_type {
    const char *name;
    const char *length;
    const char *scale;
    const char *charset;
} vr_sql_convert_type_t;

typedef struct vr_sql_func {
    const char *qualifier;      /* db in db.f(); NULL */
    const char *name;           /* as written */
    bool aggregate;             /* count sum min max avg group_concat ... */
    bool distinct;              /* f(distinct ...) */
    bool star;                  /* count(*) */
    vr_sql_expr_list_t args;
    vr_sql_order_list_t order_by; /* group_concat(... order by ...) */
    vr_sql_expr_t *separator;     /* group_concat(... separator 's') */
} vr_sql_func_t;

struct vr_sql_expr {
    vr_sql_expr_kind_t kind;
    unsigned depth; /* nesting depth, maintained by the parser */
    union {
        struct {
            vr_sql_lit_type_t type;
            const char *val; /* NUL-terminated; len excludes the NUL */
            size_t len;
            const char *charset; /* introducer: "utf8mb4" for _utf8mb4'x' */
            bool national;       /* N'...' */
        } lit;
        vr_sql_column_t column;
        struct {
            const char *name;
        } arg;
        struct {
            vr_sql_var_scope_t scope;
            const char *name;
        } var;
        struct {
            vr_sql_op_t op;
            vr_sql_expr_t *expr;
        } unary;
        struct {
            vr_sql_op_t op;
            vr_sql_expr_t *left;
            vr_sql_expr_t *right;  /* IN: TUPLE, SUBQUERY or LIST_ARG */
            vr_sql_expr_t *escape; /* LIKE ... ESCAPE x; else NULL */
        } binary;
        vr_sql_expr_list_t list; /* AND, OR, TUPLE */
        struct {
            vr_sql_expr_t *expr;
            vr_sql_is_test_t test;
        } is;
        struct {
            vr_sql_expr_t *expr;
            vr_sql_expr_t *from;
            vr_sql_expr_t *to;
            bool negated;
        } between;
        vr_sql_stmt_t *subquery; /* SUBQUERY, EXISTS: SELECT or UNION */
        vr_sql_func_t func;
        struct {
            vr_sql_expr_t *operand; /* case x when ...; NULL for case when */
            vr_sql_when_list_t whens;
            vr_sql_expr_t *else_expr;
        } case_;
        struct {
            vr_sql_expr_t *expr;
            vr_sql_convert_type_t type;
            bool is_cast; /* printed cast(x as t), else convert(x, t) */
        } cast;
        struct {
            vr_sql_expr_t *expr;
            const char *charset;
        } convert_using;
        struct {
            vr_sql_expr_t *expr;
            const char *collation;
        } collate;
        struct {
            vr_sql_expr_t *expr;
            const char *unit; /* lower case: "day", "year_month", ... */
        } interval;
        struct {
            const char *column; /* default(column); NULL for default */
        } default_col;
    };
};

/* ---- table expressions ---------------------------------------------------- */

typedef enum vr_sql_table_expr_kind {
    VR_SQL_TABLE_ALIASED, /* t [as a] [index hints], (select ...) as a */
    VR_SQL_TABLE_JOIN,
    VR_SQL_TABLE_PAREN,   /* (t1, t2) */
} vr_sql_table_expr_kind_t;

typedef enum vr_sql_join_kind {
    VR_SQL_JOIN_INNER,         /* join, inner join, cross join */
    VR_SQL_JOIN_STRAIGHT,      /* straight_join */
    VR_SQL_JOIN_LEFT,          /* left [outer] join */
    VR_SQL_JOIN_RIGHT,         /* right [outer] join */
    VR_SQL_JOIN_NATURAL,
    VR_SQL_JOIN_NATURAL_LEFT,
    VR_SQL_JOIN_NATURAL_RIGHT,
} vr_sql_join_kind_t;

typedef enum vr_sql_hint_kind {
    VR_SQL_HINT_USE, VR_SQL_HINT_IGNORE, VR_SQL_HINT_FORCE,
} vr_sql_hint_kind_t;

typedef struct vr_sql_index_hint {
    vr_sql_hint_kind_t kind;
    const char *scope; /* NULL, "join", "order by", "group by" */
    vr_sql_ident_list_t indexes;
} vr_sql_index_hint_t;

typedef struct vr_sql_index_hint_list {
    size_t n;
    vr_sql_index_hint_t **items;
} vr_sql_index_hint_list_t;

struct vr_sql_table_expr {
    vr_sql_table_expr_kind_t kind;
    unsigned depth;
    union {
        struct {
            vr_sql_table_name_t name; /* unset when derived */
            vr_sql_stmt_t *derived;   /* (select ...) as alias */
            const char *alias;        /* NULL when none */
            vr_sql_index_hint_list_t hints;
        } aliased;
        struct {
            vr_sql_join_kind_t kind;
            vr_sql_table_expr_t *left;
            vr_sql_table_expr_t *right;
            vr_sql_expr_t *on;         /* NULL when none */
            vr_sql_ident_list_t using; /* n == 0 when none */
        } join;
        vr_sql_table_expr_list_t paren;
    };
};

/* ---- statements ----------------------------------------------------------- */

typedef enum vr_sql_stmt_kind {
    VR_SQL_STMT_SELECT,
    VR_SQL_STMT_UNION,
    VR_SQL_STMT_INSERT,   /* also REPLACE (insert.replace) */
    VR_SQL_STMT_UPDATE,
    VR_SQL_STMT_DELETE,
    VR_SQL_STMT_SET,
    VR_SQL_STMT_USE,
    VR_SQL_STMT_SHOW,
    VR_SQL_STMT_BEGIN,    /* begin, start transaction ... */
    VR_SQL_STMT_COMMIT,
    VR_SQL_STMT_ROLLBACK, /* also rollback to savepoint (name) */
    VR_SQL_STMT_SAVEPOINT,
    VR_SQL_STMT_RELEASE,  /* release savepoint name */
    VR_SQL_STMT_EXPLAIN,
    VR_SQL_STMT_CREATE_TABLE,
    VR_SQL_STMT_ALTER_TABLE, /* also create/drop index */
    VR_SQL_STMT_DROP_TABLE,
    VR_SQL_STMT_TRUNCATE,
    VR_SQL_STMT_RENAME_TABLE,
    VR_SQL_STMT_CREATE_DATABASE,
    VR_SQL_STMT_DROP_DATABASE,
    VR_SQL_STMT_OTHER_DDL, /* views, triggers, partial DDL, ... (other) */
    VR_SQL_STMT_OTHER,     /* grant, flush, analyze, call, ... (other) */
} vr_sql_stmt_kind_t;

typedef enum vr_sql_lock {
    VR_SQL_LOCK_NONE, VR_SQL_LOCK_FOR_UPDATE, VR_SQL_LOCK_SHARE_MODE,
    VR_SQL_LOCK_FOR_SHARE,
} vr_sql_lock_t;

typedef enum vr_sql_select_expr_kind {
    VR_SQL_SELECT_EXPR,  /* expr [as alias] */
    VR_SQL_SELECT_STAR,  /* * or t.* (table.name set) */
} vr_sql_select_expr_kind_t;

typedef struct vr_sql_select_expr {
    vr_sql_select_expr_kind_t kind;
    vr_sql_expr_t *expr;
    const char *alias;         /* NULL when none */
    vr_sql_table_name_t table; /* t in t.*; name NULL for * */
} vr_sql_select_expr_t;

typedef struct vr_sql_select_expr_list {
    size_t n;
    vr_sql_select_expr_t **items;
} vr_sql_select_expr_list_t;

/* LIMIT count / LIMIT offset, count / LIMIT count OFFSET offset. */
typedef struct vr_sql_limit {
    vr_sql_expr_t *offset; /* NULL when none */
    vr_sql_expr_t *count;  /* NULL: no LIMIT */
} vr_sql_limit_t;

typedef struct vr_sql_select {
    bool distinct;
    bool straight_join;
    bool calc_found_rows;
    int cache; /* 0, 1 sql_cache, 2 sql_no_cache */
    vr_sql_select_expr_list_t exprs;
    vr_sql_table_expr_list_t from; /* n == 0: from dual */
    vr_sql_expr_t *where;
    vr_sql_expr_list_t group_by;
    vr_sql_expr_t *having;
    vr_sql_order_list_t order_by;
    vr_sql_limit_t limit;
    vr_sql_lock_t lock;
} vr_sql_select_t;

typedef struct vr_sql_union_part {
    vr_sql_stmt_t *stmt; /* SELECT, or a parenthesized UNION */
    bool all;            /* "union all" before this part (not the first) */
} vr_sql_union_part_t;

typedef struct vr_sql_union {
    size_t n;
    vr_sql_union_part_t **items; /* the parts, n >= 2 */
    vr_sql_order_list_t order_by;
    vr_sql_limit_t limit;
    vr_sql_lock_t lock;
    bool open_; /* parser-internal */
} vr_sql_union_t;

typedef struct vr_sql_assign {
    vr_sql_column_t column;
    vr_sql_expr_t *expr;
} vr_sql_assign_t;

typedef struct vr_sql_assign_list {
    size_t n;
    vr_sql_assign_t **items;
} vr_sql_assign_list_t;

typedef struct vr_sql_rows {
    size_t n;
    vr_sql_expr_list_t **items; /* one list of values per row */
} vr_sql_rows_t;

typedef struct vr_sql_insert {
    bool replace; /* REPLACE INTO */
    bool ignore;
    vr_sql_table_name_t table;
    vr_sql_ident_list_t columns; /* n == 0 when not given */
    vr_sql_rows_t rows;          /* VALUES rows, or */
    vr_sql_stmt_t *select;       /* INSERT ... SELECT */
    vr_sql_assign_list_t on_dup; /* ON DUPLICATE KEY UPDATE */
} vr_sql_insert_t;

typedef struct vr_sql_update {
    bool ignore;
    vr_sql_table_expr_list_t tables;
    vr_sql_assign_list_t set;
    vr_sql_expr_t *where;
    vr_sql_order_list_t order_by;
    vr_sql_limit_t limit;
} vr_sql_update_t;

typedef struct vr_sql_delete {
    bool ignore;
    vr_sql_table_name_list_t targets; /* multi-table: delete a, b from */
    vr_sql_table_expr_list_t tables;
    vr_sql_expr_t *where;
    vr_sql_order_list_t order_by;
    vr_sql_limit_t limit;
} vr_sql_delete_t;

typedef enum vr_sql_set_kind {
    VR_SQL_SET_VAR,         /* var = value */
    VR_SQL_SET_NAMES,       /* names 'cs' [collate c]; charset NULL: default */
    VR_SQL_SET_CHARSET,     /* charset 'cs'; NULL: default */
    VR_SQL_SET_TRANSACTION, /* [scope] transaction ... */
} vr_sql_set_kind_t;

typedef struct vr_sql_set_expr {
    vr_sql_set_kind_t kind;
    vr_sql_expr_t *var;   /* a VAR expression (scope + name) */
    vr_sql_expr_t *value; /* `on`/`off` become the strings 'on'/'off' */
    const char *charset;
    const char *collate;
    vr_sql_var_scope_t scope; /* transaction: SYSTEM (none), SESSION, GLOBAL */
    const char *isolation;    /* "repeatable read", ... or NULL */
    int access;               /* 0, 1 read only, 2 read write */
} vr_sql_set_expr_t;

typedef struct vr_sql_set {
    size_t n;
    vr_sql_set_expr_t **items;
} vr_sql_set_t;

typedef enum vr_sql_show_kind {
    VR_SQL_SHOW_DATABASES, VR_SQL_SHOW_TABLES, VR_SQL_SHOW_TABLE_STATUS,
    VR_SQL_SHOW_COLUMNS, VR_SQL_SHOW_INDEX, VR_SQL_SHOW_CREATE_TABLE,
    VR_SQL_SHOW_CREATE_DATABASE, VR_SQL_SHOW_CREATE_VIEW,
    VR_SQL_SHOW_VARIABLES, VR_SQL_SHOW_STATUS, VR_SQL_SHOW_KEYSPACES,
    VR_SQL_SHOW_VITESS_SHARDS, VR_SQL_SHOW_VITESS_TABLETS,
    VR_SQL_SHOW_WARNINGS, VR_SQL_SHOW_ERRORS, VR_SQL_SHOW_PROCESSLIST,
    VR_SQL_SHOW_ENGINES, VR_SQL_SHOW_PLUGINS, VR_SQL_SHOW_COLLATION,
    VR_SQL_SHOW_CHARSET, VR_SQL_SHOW_OTHER, /* text holds the statement */
} vr_sql_show_kind_t;

typedef struct vr_sql_show {
    vr_sql_show_kind_t kind;
    bool full;
    bool global;               /* show global variables/status */
    vr_sql_table_name_t table; /* columns/index/create table/view */
    const char *db;            /* from db; create database db */
    vr_sql_expr_t *like;       /* like 'pattern' (string literal) */
    vr_sql_expr_t *where;
    const char *text;          /* SHOW_OTHER */
    size_t text_len;
} vr_sql_show_t;

typedef struct vr_sql_explain {
    const char *format; /* explain format = x; NULL */
    bool analyze;
    vr_sql_stmt_t *stmt;       /* explained statement, or NULL and */
    vr_sql_table_name_t table; /* explain t [column] (desc t) */
    const char *column;
} vr_sql_explain_t;

/* START TRANSACTION characteristics. */
#define VR_SQL_TXN_READ_ONLY 1u
#define VR_SQL_TXN_READ_WRITE 2u
#define VR_SQL_TXN_CONSISTENT_SNAPSHOT 4u

/* ---- DDL ------------------------------------------------------------------ */

typedef struct vr_sql_column_type {
    const char *name;          /* lower case: "int", "varchar", "enum" */
    const char *length;        /* "11" of int(11); NULL */
    const char *scale;         /* "2" of decimal(10,2); NULL */
    vr_sql_expr_list_t values; /* enum/set members (string literals) */
    bool is_unsigned;
    bool zerofill;
    bool binary;               /* char(10) binary */
    const char *charset;       /* character set x; NULL */
    const char *collate;       /* collate x; NULL */
} vr_sql_column_type_t;

typedef enum vr_sql_nullability {
    VR_SQL_NULL_UNSPECIFIED, VR_SQL_NULL_ALLOWED, VR_SQL_NULL_NOT_NULL,
} vr_sql_nullability_t;

typedef enum vr_sql_column_key {
    VR_SQL_COLKEY_NONE, VR_SQL_COLKEY_PRIMARY, VR_SQL_COLKEY_UNIQUE,
    VR_SQL_COLKEY_UNIQUE_KEY, VR_SQL_COLKEY_KEY,
} vr_sql_column_key_t;

typedef enum vr_sql_generated {
    VR_SQL_GEN_NONE, VR_SQL_GEN_VIRTUAL, VR_SQL_GEN_STORED,
} vr_sql_generated_t;

typedef struct vr_sql_column_def {
    const char *name;
    vr_sql_column_type_t type;
    vr_sql_nullability_t null;
    vr_sql_expr_t *default_value; /* NULL: no DEFAULT clause */
    bool default_paren;           /* default (expr) */
    vr_sql_expr_t *on_update;
    bool auto_increment;
    vr_sql_expr_t *comment;       /* string literal */
    vr_sql_column_key_t key;
    vr_sql_expr_t *generated;     /* as (expr) ... */
    vr_sql_generated_t generated_kind;
    vr_sql_expr_t *check;         /* column check (expr) */
    const char *check_name;       /* constraint name check (expr) */
    bool invisible;
} vr_sql_column_def_t;

typedef struct vr_sql_column_def_list {
    size_t n;
    vr_sql_column_def_t **items;
} vr_sql_column_def_list_t;

typedef enum vr_sql_index_kind {
    VR_SQL_INDEX_PRIMARY, VR_SQL_INDEX_UNIQUE, VR_SQL_INDEX_PLAIN,
    VR_SQL_INDEX_FULLTEXT, VR_SQL_INDEX_SPATIAL, VR_SQL_INDEX_FOREIGN,
    VR_SQL_INDEX_CHECK,
} vr_sql_index_kind_t;

typedef enum vr_sql_fk_action {
    VR_SQL_FK_UNSPECIFIED, VR_SQL_FK_RESTRICT, VR_SQL_FK_CASCADE,
    VR_SQL_FK_SET_NULL, VR_SQL_FK_NO_ACTION, VR_SQL_FK_SET_DEFAULT,
} vr_sql_fk_action_t;

typedef struct vr_sql_index_part {
    const char *column;  /* or NULL and */
    vr_sql_expr_t *expr; /* a functional key part */
    const char *length;  /* col(10) */
    bool desc;
} vr_sql_index_part_t;

typedef struct vr_sql_index_part_list {
    size_t n;
    vr_sql_index_part_t **items;
} vr_sql_index_part_list_t;

typedef struct vr_sql_index_def {
    vr_sql_index_kind_t kind;
    bool constraint;            /* CONSTRAINT keyword given */
    const char *constraint_name;
    const char *name;           /* index name; NULL */
    bool index_word;            /* written INDEX (not KEY) */
    vr_sql_index_part_list_t parts;
    const char *using;          /* btree, hash */
    vr_sql_expr_t *comment;
    const char *key_block_size;
    bool invisible;
    /* FOREIGN KEY */
    vr_sql_table_name_t ref_table;
    vr_sql_ident_list_t ref_columns;
    vr_sql_fk_action_t on_delete;
    vr_sql_fk_action_t on_update;
    /* CHECK */
    vr_sql_expr_t *check;
    bool not_enforced;
} vr_sql_index_def_t;

typedef struct vr_sql_index_def_list {
    size_t n;
    vr_sql_index_def_t **items;
} vr_sql_index_def_list_t;

/* ENGINE=InnoDB -> {"engine", "InnoDB", false}; COMMENT='x' -> string. */
typedef struct vr_sql_table_option {
    const char *name; /* lower case; "charset" for [default] character set */
    const char *value;
    size_t len;
    bool is_string;
} vr_sql_table_option_t;

typedef struct vr_sql_table_option_list {
    size_t n;
    vr_sql_table_option_t **items;
} vr_sql_table_option_list_t;

typedef struct vr_sql_create_table {
    bool temporary;
    bool or_replace;
    bool if_not_exists;
    vr_sql_table_name_t table;
    vr_sql_column_def_list_t columns;
    vr_sql_index_def_list_t indexes; /* keys and constraints */
    vr_sql_table_option_list_t options;
    vr_sql_table_name_t like;        /* create table t like s (name set) */
    vr_sql_stmt_t *select;           /* create table t as select ... */
} vr_sql_create_table_t;

typedef enum vr_sql_alter_kind {
    VR_SQL_ALTER_ADD_COLUMN,     /* columns (first/after) */
    VR_SQL_ALTER_ADD_INDEX,      /* index */
    VR_SQL_ALTER_DROP_COLUMN,    /* name */
    VR_SQL_ALTER_DROP_INDEX,     /* name */
    VR_SQL_ALTER_DROP_PRIMARY_KEY,
    VR_SQL_ALTER_DROP_FOREIGN_KEY, /* name */
    VR_SQL_ALTER_DROP_CHECK,     /* name */
    VR_SQL_ALTER_DROP_CONSTRAINT, /* name */
    VR_SQL_ALTER_MODIFY_COLUMN,  /* columns.items[0] (first/after) */
    VR_SQL_ALTER_CHANGE_COLUMN,  /* name -> columns.items[0] */
    VR_SQL_ALTER_RENAME_COLUMN,  /* name -> new_name */
    VR_SQL_ALTER_RENAME_INDEX,   /* name -> new_name */
    VR_SQL_ALTER_RENAME_TABLE,   /* new_table */
    VR_SQL_ALTER_SET_DEFAULT,    /* alter column name set default value */
    VR_SQL_ALTER_DROP_DEFAULT,   /* alter column name drop default */
    VR_SQL_ALTER_OPTION,         /* option (a table option) */
    VR_SQL_ALTER_ALGORITHM,      /* value */
    VR_SQL_ALTER_LOCK,           /* value */
    VR_SQL_ALTER_CONVERT,        /* convert to character set charset */
    VR_SQL_ALTER_FORCE,
} vr_sql_alter_kind_t;

typedef struct vr_sql_alter_action {
    vr_sql_alter_kind_t kind;
    bool if_exists;       /* add column if not exists / drop ... if exists */
    vr_sql_column_def_list_t columns;
    vr_sql_index_def_t *index;
    const char *name;
    const char *new_name;
    vr_sql_table_name_t new_table;
    bool first;           /* ... first */
    const char *after;    /* ... after col */
    vr_sql_expr_t *value; /* set default value */
    bool value_paren;     /* set default (expr) */
    vr_sql_table_option_t *option;
    const char *charset;  /* convert to character set charset [collate] */
    const char *collate;
    const char *word;     /* algorithm / lock value, lower case */
} vr_sql_alter_action_t;

typedef struct vr_sql_alter_action_list {
    size_t n;
    vr_sql_alter_action_t **items;
} vr_sql_alter_action_list_t;

typedef struct vr_sql_alter_table {
    vr_sql_table_name_t table;
    vr_sql_alter_action_list_t actions;
} vr_sql_alter_table_t;

typedef struct vr_sql_drop_table {
    bool temporary;
    bool if_exists;
    vr_sql_table_name_list_t tables;
} vr_sql_drop_table_t;

typedef struct vr_sql_rename_pair {
    vr_sql_table_name_t from;
    vr_sql_table_name_t to;
} vr_sql_rename_pair_t;

typedef struct vr_sql_rename_table {
    size_t n;
    vr_sql_rename_pair_t **items;
} vr_sql_rename_table_t;

typedef struct vr_sql_db_option {
    bool is_default; /* DEFAULT CHARACTER SET ... */
    const char *name; /* "character set", "collate", "encryption" */
    const char *value;
    bool is_string;
} vr_sql_db_option_t;

typedef struct vr_sql_db_option_list {
    size_t n;
    vr_sql_db_option_t **items;
} vr_sql_db_option_list_t;

typedef struct vr_sql_database {
    bool if_exists;     /* drop database if exists / create ... if not */
    const char *name;
    vr_sql_db_option_list_t options;
} vr_sql_database_t;

/* DDL and administrative statements kept as text. */
typedef struct vr_sql_other {
    const char *verb;   /* "create", "alter", "drop", "grant", ... */
    const char *object; /* "view", "trigger", "table", ...; NULL */
    vr_sql_table_name_list_t tables; /* tables named, where known */
    bool partial;       /* a table DDL the grammar could not read fully */
    const char *text;   /* the statement as written, trimmed */
    size_t text_len;
} vr_sql_other_t;

struct vr_sql_stmt {
    vr_sql_stmt_kind_t kind;
    unsigned depth;
    vr_sql_ident_list_t comments; /* "/ * ... * /" after the first keyword */
    vr_arena_t *arena;            /* the arena the tree lives in */
    bool own_arena;               /* freed by vr_sql_free() */
    union {
        vr_sql_select_t select;
        vr_sql_union_t compound;  /* UNION */
        vr_sql_insert_t insert;
        vr_sql_update_t update;
        vr_sql_delete_t del;
        vr_sql_set_t set;
        const char *use_db;       /* USE */
        vr_sql_show_t show;
        unsigned txn_flags;       /* BEGIN: VR_SQL_TXN_*; 0: plain begin */
        const char *savepoint;    /* SAVEPOINT, RELEASE, ROLLBACK TO */
        vr_sql_explain_t explain;
        vr_sql_create_table_t create_table;
        vr_sql_alter_table_t alter_table;
        vr_sql_drop_table_t drop_table;
        vr_sql_table_name_t truncate;
        vr_sql_rename_table_t rename;
        vr_sql_database_t database; /* CREATE/DROP DATABASE */
        vr_sql_other_t other;
    };
};

/* ---- parse / free ---------------------------------------------------------- */

/*
 * Parse one statement of len bytes (NUL bytes allowed inside string
 * literals only).  On success *out is a tree the caller frees with
 * vr_sql_free(); on failure *out is NULL and err says why (VR_PARSE).
 */
vr_code_t vr_sql_parse(const char *sql, size_t len, vr_sql_stmt_t **out,
                       vr_error_t *err);

/* Same, allocating the tree in arena (vr_sql_free() is then a no-op; the
 * tree lives until the arena is reset or freed). */
vr_code_t vr_sql_parse_arena(vr_arena_t *arena, const char *sql,
                             size_t len, vr_sql_stmt_t **out,
                             vr_error_t *err);

/* Free a tree from vr_sql_parse() (or vr_sql_clone()).  NULL is a no-op. */
void vr_sql_free(vr_sql_stmt_t *stmt);

/* Deep copy into a new arena owned by the copy (free with vr_sql_free).
 * Implemented as format + parse, so the copy is canonical. */
vr_code_t vr_sql_clone(const vr_sql_stmt_t *stmt, vr_sql_stmt_t **out,
                       vr_error_t *err);

/* "select", "insert", ... for logs. */
const char *vr_sql_stmt_kind_name(vr_sql_stmt_kind_t kind);

/* ---- format ----------------------------------------------------------------- */

/* Append the canonical SQL of stmt / expr to out. */
void vr_sql_format(vr_buf_t *out, const vr_sql_stmt_t *stmt);
void vr_sql_format_expr(vr_buf_t *out, const vr_sql_expr_t *expr);
void vr_sql_format_table_expr(vr_buf_t *out, const vr_sql_table_expr_t *t);
void vr_sql_format_column_def(vr_buf_t *out, const vr_sql_column_def_t *c);
/* Append an identifier, back-quoted only when needed. */
void vr_sql_format_ident(vr_buf_t *out, const char *name);
/* Canonical SQL as a malloc'd string the caller frees. */
char *vr_sql_to_string(const vr_sql_stmt_t *stmt);
/* True when name must be back-quoted (a keyword, odd characters). */
bool vr_sql_ident_needs_quotes(const char *name);

/* ---- helpers ------------------------------------------------------------------ */

/*
 * The tables a statement reads or writes, each once: the statement's own
 * INSERT/UPDATE/DELETE targets and FROM/JOIN tables first (in the order
 * written, derived tables' tables in place), then those of subqueries in
 * expressions; DDL tables (both sides of a rename, create ... like).
 * `dual` is left out.  The array lives in the statement's arena.
 */
vr_sql_table_name_list_t vr_sql_tables(vr_sql_stmt_t *stmt);

/* What a walk callback asks next. */
typedef enum vr_sql_walk_action {
    VR_SQL_WALK_CONTINUE, /* go into the children of *slot */
    VR_SQL_WALK_SKIP,     /* do not go into the children of *slot */
    VR_SQL_WALK_STOP,     /* end the walk */
} vr_sql_walk_action_t;

/*
 * Called for every expression slot, parents before children.  The
 * callback may replace *slot (rewrite); the walk then goes into the new
 * node's children unless SKIP is returned (return SKIP after wrapping a
 * node in a new parent, or the walk visits the old node again).
 */
typedef vr_sql_walk_action_t (*vr_sql_expr_fn)(vr_sql_expr_t **slot,
                                               void *ud);

/* Walk every expression of a statement, subqueries and derived tables
 * included.  Returns false when the callback stopped the walk. */
bool vr_sql_walk(vr_sql_stmt_t *stmt, vr_sql_expr_fn fn, void *ud);
/* Walk one expression tree (subqueries included). */
bool vr_sql_walk_expr(vr_sql_expr_t **slot, vr_sql_expr_fn fn, void *ud);

/* A bind variable's value: :name (name "name") or ? (names "v1", "v2",
 * ... in order of appearance).  ::name list args take list/n_list. */
typedef struct vr_sql_bind {
    const char *name;
    vr_value_t value;
    const vr_value_t *list;
    size_t n_list;
} vr_sql_bind_t;

/*
 * Replace every :name, ? and ::name in stmt with the literal of its bound
 * value (strings and temporals quoted and escaped when formatted, binary
 * as X'..', NULL as null, lists as tuples).  A variable without a binding
 * is an error (VR_NOT_FOUND) and leaves stmt partly bound.
 */
vr_code_t vr_sql_bind(vr_sql_stmt_t *stmt, const vr_sql_bind_t *binds,
                      size_t n, vr_error_t *err);

/* Count of bind variables (:name, ?, ::name) in stmt. */
size_t vr_sql_count_args(vr_sql_stmt_t *stmt);

/* The WHERE slot of a SELECT, UPDATE or DELETE (NULL for others). */
vr_sql_expr_t **vr_sql_where_slot(vr_sql_stmt_t *stmt);
/* AND cond into the WHERE of a SELECT/UPDATE/DELETE; false for others. */
bool vr_sql_add_where(vr_sql_stmt_t *stmt, vr_sql_expr_t *cond);

/* The conjuncts of a WHERE: for `a and b and c` the three terms (the AND
 * node's own list), for any other expression a one-item list allocated in
 * a; NULL gives n == 0. */
vr_sql_expr_list_t vr_sql_conjuncts(vr_arena_t *a, vr_sql_expr_t *where);

/* ---- building nodes (for rewrites; all in the given arena) ------------------ */

vr_sql_expr_t *vr_sql_new_int(vr_arena_t *a, int64_t v);
vr_sql_expr_t *vr_sql_new_string(vr_arena_t *a, const char *s, size_t n);
vr_sql_expr_t *vr_sql_new_null(vr_arena_t *a);
vr_sql_expr_t *vr_sql_new_literal(vr_arena_t *a, const vr_value_t *v);
vr_sql_expr_t *vr_sql_new_column(vr_arena_t *a, const char *table,
                                 const char *name);
vr_sql_expr_t *vr_sql_new_arg(vr_arena_t *a, const char *name);
vr_sql_expr_t *vr_sql_new_binary(vr_arena_t *a, vr_sql_op_t op,
                                 vr_sql_expr_t *l, vr_sql_expr_t *r);
/* a AND b (flattening nested ANDs); either may be NULL. */
vr_sql_expr_t *vr_sql_new_and(vr_arena_t *a, vr_sql_expr_t *l,
                              vr_sql_expr_t *r);
vr_sql_expr_t *vr_sql_new_tuple(vr_arena_t *a, vr_sql_expr_list_t items);
vr_sql_expr_t *vr_sql_new_func(vr_arena_t *a, const char *name,
                               vr_sql_expr_list_t args);
/* Append to a list built by the parser or by these functions. */
void vr_sql_expr_list_append(vr_arena_t *a, vr_sql_expr_list_t *list,
                             vr_sql_expr_t *e);

#endif
