/*
 * grammar.y - lemon grammar of the MySQL/MariaDB dialect vrepl speaks.
 *
 * Generated into grammar.c/grammar.h in the build directory (never
 * committed).  The parser is lemon's: LALR(1), reentrant, its stack a
 * fixed array inside the parser object, which lives on the C stack of
 * vr_sql_run_parser() (bottom of this file).  Semantic values are arena
 * pointers or small structs; nothing needs a destructor.
 *
 * Conventions:
 * - Words a user may use as identifiers fall back to ID (%fallback), so
 *   `select status, date from t` works; reserved words do not.
 * - `create table t` and `alter table t` heads have an `error` alternative
 *   followed by a wildcard tail, views/triggers/routines are a head plus a
 *   wildcard tail, and the driver turns any other CREATE/ALTER/DROP into
 *   "other DDL": DDL the grammar cannot read in full still parses, keeping
 *   its text and the tables it names (the vstreamer must never choke on
 *   DDL in a binlog).
 * - Tables are generated uncompressed (lemon -c): with compressed tables a
 *   keyword whose only valid action is a state's default reduction would
 *   be looked up through %fallback first and be taken for an identifier.
 * - Operator precedence follows MySQL; the formatter prints parentheses
 *   from the same table (format_expr.c), which is what makes
 *   parse(format(parse(s))) stable.
 */

%name vrsqlParse
%token_prefix TK_
%token_type {vr_sql_tok_t}
%extra_argument {vr_sql_pctx_t *ctx}
%stack_size 400
%start_symbol input

%include {
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "sql_int.h"
#include "grammar_act.h"
}

%syntax_error { vr_sql_syntax_error(ctx, yymajor, &TOKEN); }
%stack_overflow { vr_sql_action_error(ctx, "max nesting level reached", NULL); }
%parse_failure { ctx->failed = true; }
%parse_accept { ctx->accepted = true; }

%wildcard ANY.

/* Tokens only the lexer produces or only some rules use. */
%token ID STRING NSTRING INTEGRAL DECIMAL FLOAT HEXNUM HEX BIT VALUE_ARG
       LIST_ARG AT_ID AT_AT_ID INTRODUCER LP RP COMMA SEMI DOT ASSIGN
       JSON_EXTRACT JSON_UNQUOTE.

/* Non-reserved words: usable as identifiers. */
%fallback ID
  ACTION AFTER ALGORITHM ALWAYS ANALYZE AUTO_INCREMENT BEGIN CALL 
  CHARSET CHECKSUM COLLATION COLUMNS COMMENT COMMIT COMMITTED
  CONSISTENT DATABASES DEALLOCATE DEFINER DO DUPLICATE END ENGINES
  ERRORS ESCAPE EVENT EXECUTE EXTENDED FIELDS FIRST FLUSH FORMAT FULL
  FUNCTION GENERATED GLOBAL HANDLER INDEXES INSTALL INVISIBLE
  ISOLATION KEYSPACES KEY_BLOCK_SIZE LEVEL LOAD LOCAL MODE MODIFY
  NAMES NO OFFSET ONLINE ONLY PERSISTENT PLUGINS PREPARE PROCESSLIST
  PURGE REPEATABLE RESET ROLLBACK SAVEPOINT SECURITY SERIALIZABLE SESSION
  SHARE SIGNED SNAPSHOT SQL_CACHE SQL_NO_CACHE START STATUS STORED
  TABLES TEMPORARY TRANSACTION TRIGGER TRUNCATE UNCOMMITTED
  UNINSTALL VALUE VARIABLES VIEW VIRTUAL VISIBLE VITESS_KEYSPACES
  VITESS_SHARDS VITESS_TABLETS WARNINGS WORK XA PROCEDURE RELEASE
  WRITE SCHEMAS ENFORCED KILL REPAIR SQL.

/* Precedence, lowest first (MySQL's table). */
%left UNION.
%nonassoc UNIQUE.
%nonassoc KEY.
%left JOIN STRAIGHT_JOIN LEFT RIGHT INNER CROSS NATURAL.
%left ON USING.
%nonassoc DATE TIME TIMESTAMP.
%nonassoc STRING.
%right ASSIGN.
%left OR.
%left XOR.
%left AND.
%right NOT.
%left BETWEEN.
%left EQ NE LT LE GT GE NULLSAFE_EQ IS LIKE REGEXP IN.
%right ESCAPE.
%left BITOR.
%left BITAND.
%left SHL SHR.
%left PLUS MINUS.
%left STAR SLASH DIV MOD PERCENT.
%left BITXOR.
%right UMINUS TILDE.
%right BANG.
%left COLLATE BINARY.
%left INTERVAL.
%left SUBQ.

/* ======================================================================
 * Statements
 * ====================================================================== */

input ::= stmt(S) semi_opt. { vr_sql_stmt_finish(ctx, S); ctx->result = S; }
input ::= raw_stmt(S).      { vr_sql_stmt_finish(ctx, S); ctx->result = S; }
semi_opt ::= .
semi_opt ::= semi_opt SEMI.

%type stmt {vr_sql_stmt_t *}
stmt(A) ::= query_expr(B).      { A = B; }
stmt(A) ::= insert_stmt(B).     { A = B; }
stmt(A) ::= update_stmt(B).     { A = B; }
stmt(A) ::= delete_stmt(B).     { A = B; }
stmt(A) ::= set_stmt(B).        { A = B; }
stmt(A) ::= show_stmt(B).       { A = B; }
stmt(A) ::= use_stmt(B).        { A = B; }
stmt(A) ::= txn_stmt(B).        { A = B; }
stmt(A) ::= explain_stmt(B).    { A = B; }
stmt(A) ::= create_table_stmt(B). { A = B; }
stmt(A) ::= alter_table_stmt(B).  { A = B; }
stmt(A) ::= ddl_stmt(B).        { A = B; }

/* ======================================================================
 * SELECT and UNION
 * ====================================================================== */

%type query_expr {vr_sql_stmt_t *}
%type union_expr {vr_sql_stmt_t *}
%type query_primary {vr_sql_stmt_t *}
%type select_core {vr_sql_stmt_t *}

query_expr(A) ::= union_expr(B) order_by_opt(O) limit_opt(L) lock_opt(K).
    { A = B; vr_sql_set_tail(ctx, A, O, L, K); }

union_expr(A) ::= query_primary(B). { A = B; }
union_expr(A) ::= union_expr(B) UNION union_all(C) query_primary(D).
    { A = vr_sql_mk_union(ctx, B, D, C); }

%type union_all {bool}
union_all(A) ::= .        { A = false; }
union_all(A) ::= ALL.     { A = true; }
union_all(A) ::= DISTINCT. { A = false; }

query_primary(A) ::= select_core(B). { A = B; }
query_primary(A) ::= LP query_expr(B) RP. [UNION] { A = vr_sql_close_query(B); }

select_core(A) ::= SELECT(K) select_opts(O) select_exprs(E) from_opt(F)
                   where_opt(W) group_by_opt(G) having_opt(H).
    { A = vr_sql_mk_select(ctx, &K, O, E, F, W, G, H); }

%type select_opts {unsigned}
select_opts(A) ::= .                              { A = 0; }
select_opts(A) ::= select_opts(B) DISTINCT.       { A = B | SEL_DISTINCT; }
select_opts(A) ::= select_opts(B) DISTINCTROW.    { A = B | SEL_DISTINCT; }
select_opts(A) ::= select_opts(B) ALL.            { A = B; }
select_opts(A) ::= select_opts(B) STRAIGHT_JOIN.  { A = B | SEL_STRAIGHT; }
select_opts(A) ::= select_opts(B) SQL_CALC_FOUND_ROWS. { A = B | SEL_CALC; }
select_opts(A) ::= select_opts(B) SQL_CACHE.      { A = B | SEL_CACHE; }
select_opts(A) ::= select_opts(B) SQL_NO_CACHE.   { A = B | SEL_NO_CACHE; }

%type select_exprs {vr_sql_select_expr_list_t}
select_exprs(A) ::= select_expr(B). { A.n = 0; A.items = NULL; VR_SQL_APPEND(ctx->arena, &A, B); }
select_exprs(A) ::= select_exprs(B) COMMA select_expr(C). { A = B; VR_SQL_APPEND(ctx->arena, &A, C); }

%type select_expr {vr_sql_select_expr_t *}
select_expr(A) ::= STAR.
    { A = vr_sql_mk_star(ctx, NULL, NULL); }
select_expr(A) ::= id(T) DOT STAR.
    { A = vr_sql_mk_star(ctx, NULL, T); }
select_expr(A) ::= id(Q) DOT id(T) DOT STAR.
    { A = vr_sql_mk_star(ctx, Q, T); }
select_expr(A) ::= expr(E) alias_opt(L).
    { A = vr_arena_calloc(ctx->arena, sizeof(*A)); A->expr = E; A->alias = L; }

%type alias_opt {const char *}
alias_opt(A) ::= .               { A = NULL; }
alias_opt(A) ::= AS alias_name(B). { A = B; }
alias_opt(A) ::= alias_name(B).  { A = B; }

%type alias_name {const char *}
alias_name(A) ::= id(B).     { A = B; }
alias_name(A) ::= STRING(T). { A = vr_sql_tok_ident(ctx, &T); }

%type from_opt {vr_sql_table_expr_list_t}
from_opt(A) ::= .                  { A.n = 0; A.items = NULL; }
from_opt(A) ::= FROM table_refs(B). { A = B; }

%type where_opt {vr_sql_expr_t *}
where_opt(A) ::= .              { A = NULL; }
where_opt(A) ::= WHERE expr(B). { A = B; }

%type group_by_opt {vr_sql_expr_list_t}
group_by_opt(A) ::= .                     { A.n = 0; A.items = NULL; }
group_by_opt(A) ::= GROUP BY expr_list(B). { A = B; }

%type having_opt {vr_sql_expr_t *}
having_opt(A) ::= .               { A = NULL; }
having_opt(A) ::= HAVING expr(B). { A = B; }

%type order_by_opt {vr_sql_order_list_t}
order_by_opt(A) ::= .                      { A.n = 0; A.items = NULL; }
order_by_opt(A) ::= ORDER BY order_list(B). { A = B; }

%type order_list {vr_sql_order_list_t}
order_list(A) ::= order(B). { A.n = 0; A.items = NULL; VR_SQL_APPEND(ctx->arena, &A, B); }
order_list(A) ::= order_list(B) COMMA order(C). { A = B; VR_SQL_APPEND(ctx->arena, &A, C); }

%type order {vr_sql_order_t *}
order(A) ::= expr(E) dir_opt(D).
    { A = vr_arena_calloc(ctx->arena, sizeof(*A)); A->expr = E; A->desc = D; }

%type dir_opt {bool}
dir_opt(A) ::= .     { A = false; }
dir_opt(A) ::= ASC.  { A = false; }
dir_opt(A) ::= DESC. { A = true; }

%type limit_opt {vr_sql_limit_t}
limit_opt(A) ::= . { A.offset = NULL; A.count = NULL; }
limit_opt(A) ::= LIMIT expr(C). { A.offset = NULL; A.count = C; }
limit_opt(A) ::= LIMIT expr(O) COMMA expr(C). { A.offset = O; A.count = C; }
limit_opt(A) ::= LIMIT expr(C) OFFSET expr(O). { A.offset = O; A.count = C; }

%type lock_opt {vr_sql_lock_t}
lock_opt(A) ::= .                        { A = VR_SQL_LOCK_NONE; }
lock_opt(A) ::= FOR UPDATE.              { A = VR_SQL_LOCK_FOR_UPDATE; }
lock_opt(A) ::= FOR SHARE.               { A = VR_SQL_LOCK_FOR_SHARE; }
lock_opt(A) ::= LOCK IN SHARE MODE.      { A = VR_SQL_LOCK_SHARE_MODE; }

/* ---- FROM ------------------------------------------------------------- */

%type table_refs {vr_sql_table_expr_list_t}
table_refs(A) ::= table_ref(B). { A.n = 0; A.items = NULL; VR_SQL_APPEND(ctx->arena, &A, B); }
table_refs(A) ::= table_refs(B) COMMA table_ref(C). { A = B; VR_SQL_APPEND(ctx->arena, &A, C); }

%type table_ref {vr_sql_table_expr_t *}
%type table_factor {vr_sql_table_expr_t *}
%type join_table {vr_sql_table_expr_t *}
table_ref(A) ::= table_factor(B). { A = B; }
table_ref(A) ::= join_table(B).   { A = B; }

table_factor(A) ::= table_name(N) as_alias_opt(L) index_hints_opt(H).
    { A = vr_sql_mk_table(ctx, N, L); A->aliased.hints = H; }
table_factor(A) ::= LP query_expr(Q) RP as_opt alias_name(L).
    { A = vr_sql_mk_derived(ctx, vr_sql_close_query(Q), L); }
table_factor(A) ::= LP table_refs(L) RP.
    { A = vr_sql_mk_paren(ctx, L); }

join_table(A) ::= table_ref(L) inner_join(K) table_factor(R) join_cond_opt(C).
    { A = vr_sql_mk_join(ctx, K, L, R); vr_sql_join_cond(ctx, A, C); }
join_table(A) ::= table_ref(L) outer_join(K) table_ref(R) join_cond(C).
    { A = vr_sql_mk_join(ctx, K, L, R); vr_sql_join_cond(ctx, A, C); }
join_table(A) ::= table_ref(L) natural_join(K) table_factor(R).
    { A = vr_sql_mk_join(ctx, K, L, R); }

%type inner_join {vr_sql_join_kind_t}
inner_join(A) ::= JOIN.          { A = VR_SQL_JOIN_INNER; }
inner_join(A) ::= INNER JOIN.    { A = VR_SQL_JOIN_INNER; }
inner_join(A) ::= CROSS JOIN.    { A = VR_SQL_JOIN_INNER; }
inner_join(A) ::= STRAIGHT_JOIN. { A = VR_SQL_JOIN_STRAIGHT; }

%type outer_join {vr_sql_join_kind_t}
outer_join(A) ::= LEFT JOIN.        { A = VR_SQL_JOIN_LEFT; }
outer_join(A) ::= LEFT OUTER JOIN.  { A = VR_SQL_JOIN_LEFT; }
outer_join(A) ::= RIGHT JOIN.       { A = VR_SQL_JOIN_RIGHT; }
outer_join(A) ::= RIGHT OUTER JOIN. { A = VR_SQL_JOIN_RIGHT; }

%type natural_join {vr_sql_join_kind_t}
natural_join(A) ::= NATURAL JOIN.             { A = VR_SQL_JOIN_NATURAL; }
natural_join(A) ::= NATURAL LEFT JOIN.        { A = VR_SQL_JOIN_NATURAL_LEFT; }
natural_join(A) ::= NATURAL LEFT OUTER JOIN.  { A = VR_SQL_JOIN_NATURAL_LEFT; }
natural_join(A) ::= NATURAL RIGHT JOIN.       { A = VR_SQL_JOIN_NATURAL_RIGHT; }
natural_join(A) ::= NATURAL RIGHT OUTER JOIN. { A = VR_SQL_JOIN_NATURAL_RIGHT; }

%type join_cond_opt {vr_sql_join_cond_t *}
%type join_cond {vr_sql_join_cond_t *}
join_cond_opt(A) ::= . [JOIN] { A = NULL; }
join_cond_opt(A) ::= join_cond(B). { A = B; }
join_cond(A) ::= ON expr(E).
    { A = vr_arena_calloc(ctx->arena, sizeof(*A)); A->on = E; }
join_cond(A) ::= USING LP ident_list(L) RP.
    { A = vr_arena_calloc(ctx->arena, sizeof(*A)); A->using = L; }

as_opt ::= .
as_opt ::= AS.

%type as_alias_opt {const char *}
as_alias_opt(A) ::= .                 { A = NULL; }
as_alias_opt(A) ::= AS alias_name(B). { A = B; }
as_alias_opt(A) ::= alias_name(B).    { A = B; }

%type index_hints_opt {vr_sql_index_hint_list_t}
index_hints_opt(A) ::= . { A.n = 0; A.items = NULL; }
index_hints_opt(A) ::= index_hints_opt(B) index_hint(C). { A = B; VR_SQL_APPEND(ctx->arena, &A, C); }

%type index_hint {vr_sql_index_hint_t *}
index_hint(A) ::= hint_kind(K) index_or_key hint_for_opt(F) LP hint_names(L) RP.
    { A = vr_arena_calloc(ctx->arena, sizeof(*A)); A->kind = K; A->scope = F; A->indexes = L; }

%type hint_kind {vr_sql_hint_kind_t}
hint_kind(A) ::= USE.    { A = VR_SQL_HINT_USE; }
hint_kind(A) ::= IGNORE. { A = VR_SQL_HINT_IGNORE; }
hint_kind(A) ::= FORCE.  { A = VR_SQL_HINT_FORCE; }

%type index_or_key {bool}
index_or_key(A) ::= INDEX. { A = true; }
index_or_key(A) ::= KEY.   { A = false; }

%type hint_for_opt {const char *}
hint_for_opt(A) ::= .              { A = NULL; }
hint_for_opt(A) ::= FOR JOIN.      { A = "join"; }
hint_for_opt(A) ::= FOR ORDER BY.  { A = "order by"; }
hint_for_opt(A) ::= FOR GROUP BY.  { A = "group by"; }

%type hint_names {vr_sql_ident_list_t}
hint_names(A) ::= . { A.n = 0; A.items = NULL; }
hint_names(A) ::= hint_name_list(B). { A = B; }
%type hint_name_list {vr_sql_ident_list_t}
hint_name_list(A) ::= hint_name(B). { A.n = 0; A.items = NULL; VR_SQL_APPEND(ctx->arena, &A, B); }
hint_name_list(A) ::= hint_name_list(B) COMMA hint_name(C). { A = B; VR_SQL_APPEND(ctx->arena, &A, C); }
%type hint_name {const char *}
hint_name(A) ::= id(B).        { A = B; }
hint_name(A) ::= PRIMARY(T).   { A = vr_sql_tok_str(ctx, &T); }

/* ======================================================================
 * Expressions
 * ====================================================================== */

%type expr {vr_sql_expr_t *}
%type literal {vr_sql_expr_t *}

expr(A) ::= literal(B). { A = B; }
expr(A) ::= column(C).  { A = vr_sql_mk_column(ctx, C.db, C.table, C.name); }
expr(A) ::= column(C) JSON_EXTRACT STRING(S).
    { A = vr_sql_mk_binary(ctx, VR_SQL_OP_JSON_EXTRACT, vr_sql_mk_column(ctx, C.db, C.table, C.name), vr_sql_mk_lit(ctx, VR_SQL_LIT_STRING, &S)); }
expr(A) ::= column(C) JSON_UNQUOTE STRING(S).
    { A = vr_sql_mk_binary(ctx, VR_SQL_OP_JSON_UNQUOTE, vr_sql_mk_column(ctx, C.db, C.table, C.name), vr_sql_mk_lit(ctx, VR_SQL_LIT_STRING, &S)); }
expr(A) ::= VALUE_ARG(T).
    { A = vr_sql_expr_new(ctx, VR_SQL_EXPR_ARG); A->arg.name = vr_sql_tok_str(ctx, &T); }
expr(A) ::= AT_ID(T).
    { A = vr_sql_mk_var(ctx, VR_SQL_VAR_USER, &T); }
expr(A) ::= AT_AT_ID(T).
    { A = vr_sql_mk_var(ctx, (vr_sql_var_scope_t)T.aux, &T); }
expr(A) ::= LP expr(B) RP. { A = B; }
expr(A) ::= LP expr(B) COMMA expr_list(C) RP.
    { A = vr_sql_mk_tuple2(ctx, B, C); }
expr(A) ::= LP query_expr(B) RP. [SUBQ]
    { A = vr_sql_mk_subquery(ctx, VR_SQL_EXPR_SUBQUERY, vr_sql_close_query(B)); }
expr(A) ::= EXISTS LP query_expr(B) RP.
    { A = vr_sql_mk_subquery(ctx, VR_SQL_EXPR_EXISTS, vr_sql_close_query(B)); }

expr(A) ::= AT_ID(T) ASSIGN expr(E).
    { A = vr_sql_mk_binary(ctx, VR_SQL_OP_ASSIGN, vr_sql_mk_var(ctx, VR_SQL_VAR_USER, &T), E); }
expr(A) ::= expr(B) AND expr(C). { A = vr_sql_mk_logic(ctx, VR_SQL_EXPR_AND, B, C); }
expr(A) ::= expr(B) OR expr(C).  { A = vr_sql_mk_logic(ctx, VR_SQL_EXPR_OR, B, C); }
expr(A) ::= expr(B) XOR expr(C). { A = vr_sql_mk_binary(ctx, VR_SQL_OP_XOR, B, C); }
expr(A) ::= NOT expr(B).   { A = vr_sql_mk_unary(ctx, VR_SQL_OP_NOT, B); }
expr(A) ::= BANG expr(B).  { A = vr_sql_mk_unary(ctx, VR_SQL_OP_BANG, B); }
expr(A) ::= TILDE expr(B). { A = vr_sql_mk_unary(ctx, VR_SQL_OP_TILDE, B); }
expr(A) ::= MINUS expr(B). [UMINUS] { A = vr_sql_mk_unary(ctx, VR_SQL_OP_UMINUS, B); }
expr(A) ::= PLUS expr(B). [UMINUS]  { A = B; }
expr(A) ::= BINARY expr(B). { A = vr_sql_mk_cast_binary(ctx, B); }

expr(A) ::= expr(B) EQ expr(C).          { A = vr_sql_mk_binary(ctx, VR_SQL_OP_EQ, B, C); }
expr(A) ::= expr(B) NE expr(C).          { A = vr_sql_mk_binary(ctx, VR_SQL_OP_NE, B, C); }
expr(A) ::= expr(B) LT expr(C).          { A = vr_sql_mk_binary(ctx, VR_SQL_OP_LT, B, C); }
expr(A) ::= expr(B) LE expr(C).          { A = vr_sql_mk_binary(ctx, VR_SQL_OP_LE, B, C); }
expr(A) ::= expr(B) GT expr(C).          { A = vr_sql_mk_binary(ctx, VR_SQL_OP_GT, B, C); }
expr(A) ::= expr(B) GE expr(C).          { A = vr_sql_mk_binary(ctx, VR_SQL_OP_GE, B, C); }
expr(A) ::= expr(B) NULLSAFE_EQ expr(C). { A = vr_sql_mk_binary(ctx, VR_SQL_OP_NULLSAFE_EQ, B, C); }
expr(A) ::= expr(B) PLUS expr(C).        { A = vr_sql_mk_binary(ctx, VR_SQL_OP_PLUS, B, C); }
expr(A) ::= expr(B) MINUS expr(C).       { A = vr_sql_mk_binary(ctx, VR_SQL_OP_MINUS, B, C); }
expr(A) ::= expr(B) STAR expr(C).        { A = vr_sql_mk_binary(ctx, VR_SQL_OP_MULT, B, C); }
expr(A) ::= expr(B) SLASH expr(C).       { A = vr_sql_mk_binary(ctx, VR_SQL_OP_DIV, B, C); }
expr(A) ::= expr(B) DIV expr(C).         { A = vr_sql_mk_binary(ctx, VR_SQL_OP_INTDIV, B, C); }
expr(A) ::= expr(B) MOD expr(C).         { A = vr_sql_mk_binary(ctx, VR_SQL_OP_MOD, B, C); }
expr(A) ::= expr(B) PERCENT expr(C).     { A = vr_sql_mk_binary(ctx, VR_SQL_OP_MOD, B, C); }
expr(A) ::= expr(B) BITAND expr(C).      { A = vr_sql_mk_binary(ctx, VR_SQL_OP_BITAND, B, C); }
expr(A) ::= expr(B) BITOR expr(C).       { A = vr_sql_mk_binary(ctx, VR_SQL_OP_BITOR, B, C); }
expr(A) ::= expr(B) BITXOR expr(C).      { A = vr_sql_mk_binary(ctx, VR_SQL_OP_BITXOR, B, C); }
expr(A) ::= expr(B) SHL expr(C).         { A = vr_sql_mk_binary(ctx, VR_SQL_OP_SHL, B, C); }
expr(A) ::= expr(B) SHR expr(C).         { A = vr_sql_mk_binary(ctx, VR_SQL_OP_SHR, B, C); }

expr(A) ::= expr(B) IS NULL.        { A = vr_sql_mk_is(ctx, B, VR_SQL_IS_NULL); }
expr(A) ::= expr(B) IS NOT NULL.    { A = vr_sql_mk_is(ctx, B, VR_SQL_IS_NOT_NULL); }
expr(A) ::= expr(B) IS TRUE.        { A = vr_sql_mk_is(ctx, B, VR_SQL_IS_TRUE); }
expr(A) ::= expr(B) IS NOT TRUE.    { A = vr_sql_mk_is(ctx, B, VR_SQL_IS_NOT_TRUE); }
expr(A) ::= expr(B) IS FALSE.       { A = vr_sql_mk_is(ctx, B, VR_SQL_IS_FALSE); }
expr(A) ::= expr(B) IS NOT FALSE.   { A = vr_sql_mk_is(ctx, B, VR_SQL_IS_NOT_FALSE); }

expr(A) ::= expr(B) LIKE expr(C). [LIKE]
    { A = vr_sql_mk_binary(ctx, VR_SQL_OP_LIKE, B, C); }
expr(A) ::= expr(B) LIKE expr(C) ESCAPE expr(D). [LIKE]
    { A = vr_sql_mk_like(ctx, VR_SQL_OP_LIKE, B, C, D); }
expr(A) ::= expr(B) NOT LIKE expr(C). [LIKE]
    { A = vr_sql_mk_binary(ctx, VR_SQL_OP_NOT_LIKE, B, C); }
expr(A) ::= expr(B) NOT LIKE expr(C) ESCAPE expr(D). [LIKE]
    { A = vr_sql_mk_like(ctx, VR_SQL_OP_NOT_LIKE, B, C, D); }
expr(A) ::= expr(B) REGEXP expr(C). [LIKE]
    { A = vr_sql_mk_binary(ctx, VR_SQL_OP_REGEXP, B, C); }
expr(A) ::= expr(B) NOT REGEXP expr(C). [LIKE]
    { A = vr_sql_mk_binary(ctx, VR_SQL_OP_NOT_REGEXP, B, C); }
expr(A) ::= expr(B) IN in_rhs(C). [IN]
    { A = vr_sql_mk_binary(ctx, VR_SQL_OP_IN, B, C); }
expr(A) ::= expr(B) NOT IN in_rhs(C). [IN]
    { A = vr_sql_mk_binary(ctx, VR_SQL_OP_NOT_IN, B, C); }
expr(A) ::= expr(B) BETWEEN expr(C) AND expr(D). [BETWEEN]
    { A = vr_sql_mk_between(ctx, B, C, D, false); }
expr(A) ::= expr(B) NOT BETWEEN expr(C) AND expr(D). [BETWEEN]
    { A = vr_sql_mk_between(ctx, B, C, D, true); }
expr(A) ::= expr(B) COLLATE ident_or_string(C).
    { A = vr_sql_mk_wrap(ctx, VR_SQL_EXPR_COLLATE, B); A->collate.collation = C; }

%type in_rhs {vr_sql_expr_t *}
in_rhs(A) ::= LP expr_list(L) RP.  { A = vr_sql_mk_list(ctx, VR_SQL_EXPR_TUPLE, L); }
in_rhs(A) ::= LP query_expr(Q) RP. [SUBQ]
    { A = vr_sql_mk_subquery(ctx, VR_SQL_EXPR_SUBQUERY, vr_sql_close_query(Q)); }
in_rhs(A) ::= LIST_ARG(T).
    { A = vr_sql_expr_new(ctx, VR_SQL_EXPR_LIST_ARG); A->arg.name = vr_sql_tok_str(ctx, &T); }

expr(A) ::= CASE case_operand(O) when_list(W) else_opt(E) END.
    { A = vr_sql_mk_case(ctx, O, W, E); }
%type case_operand {vr_sql_expr_t *}
case_operand(A) ::= .        { A = NULL; }
case_operand(A) ::= expr(B). { A = B; }
%type when_list {vr_sql_when_list_t}
when_list(A) ::= when(B). { A.n = 0; A.items = NULL; VR_SQL_APPEND(ctx->arena, &A, B); }
when_list(A) ::= when_list(B) when(C). { A = B; VR_SQL_APPEND(ctx->arena, &A, C); }
%type when {vr_sql_when_t *}
when(A) ::= WHEN expr(C) THEN expr(V).
    { A = vr_arena_calloc(ctx->arena, sizeof(*A)); A->cond = C; A->val = V; }
%type else_opt {vr_sql_expr_t *}
else_opt(A) ::= .             { A = NULL; }
else_opt(A) ::= ELSE expr(B). { A = B; }

expr(A) ::= INTERVAL expr(B) ID(U).
    { A = vr_sql_mk_interval(ctx, B, &U); }

expr(A) ::= DEFAULT.
    { A = vr_sql_expr_new(ctx, VR_SQL_EXPR_DEFAULT); }
expr(A) ::= DEFAULT LP id(C) RP.
    { A = vr_sql_expr_new(ctx, VR_SQL_EXPR_DEFAULT); A->default_col.column = C; }
expr(A) ::= VALUES LP column(C) RP.
    { A = vr_sql_expr_new(ctx, VR_SQL_EXPR_VALUES); A->column = C; }

expr(A) ::= CAST LP expr(B) AS convert_type(T) RP.
    { A = vr_sql_mk_cast(ctx, B, T, true); }
expr(A) ::= CONVERT LP expr(B) COMMA convert_type(T) RP.
    { A = vr_sql_mk_cast(ctx, B, T, false); }
expr(A) ::= CONVERT LP expr(B) USING ident_or_string(C) RP.
    { A = vr_sql_mk_wrap(ctx, VR_SQL_EXPR_CONVERT_USING, B); A->convert_using.charset = C; }

%type convert_type {vr_sql_convert_type_t *}
convert_type(A) ::= cast_type_name(N) cast_len_opt(L) cast_charset_opt(C).
    { A = N; A->length = L.a; A->scale = L.b; A->charset = C; }
%type cast_type_name {vr_sql_convert_type_t *}
cast_type_name(A) ::= id(N).    { A = vr_sql_mk_ctype(ctx, vr_sql_type_word(ctx, N)); }
cast_type_name(A) ::= BINARY.   { A = vr_sql_mk_ctype(ctx, "binary"); }
cast_type_name(A) ::= CHAR.     { A = vr_sql_mk_ctype(ctx, "char"); }
cast_type_name(A) ::= SIGNED.   { A = vr_sql_mk_ctype(ctx, "signed"); }
cast_type_name(A) ::= UNSIGNED. { A = vr_sql_mk_ctype(ctx, "unsigned"); }
cast_type_name(A) ::= SIGNED ID(I).
    { A = vr_sql_mk_ctype(ctx, "signed"); vr_sql_check_int_word(ctx, &I); }
cast_type_name(A) ::= UNSIGNED ID(I).
    { A = vr_sql_mk_ctype(ctx, "unsigned"); vr_sql_check_int_word(ctx, &I); }
%type cast_len_opt {vr_sql_pair_t}
cast_len_opt(A) ::= . { A.a = NULL; A.b = NULL; }
cast_len_opt(A) ::= LP INTEGRAL(N) RP. { A.a = vr_sql_tok_str(ctx, &N); A.b = NULL; }
cast_len_opt(A) ::= LP INTEGRAL(N) COMMA INTEGRAL(M) RP.
    { A.a = vr_sql_tok_str(ctx, &N); A.b = vr_sql_tok_str(ctx, &M); }
%type cast_charset_opt {const char *}
cast_charset_opt(A) ::= . { A = NULL; }
cast_charset_opt(A) ::= charset_kw ident_or_string(C). { A = C; }

charset_kw ::= CHARSET.
charset_kw ::= CHARACTER SET.

/* ---- function calls ----------------------------------------------------- */

expr(A) ::= func_name(N) LP RP.
    { A = vr_sql_mk_call(ctx, &N, NULL, false); }
expr(A) ::= func_name(N) LP STAR RP.
    { A = vr_sql_mk_call(ctx, &N, NULL, true); }
expr(A) ::= func_name(N) LP func_args(F) RP.
    { A = vr_sql_mk_call(ctx, &N, F, false); }
expr(A) ::= time_func(T).
    { A = vr_sql_mk_time_func(ctx, &T, NULL); }
expr(A) ::= time_func(T) LP RP.
    { A = vr_sql_mk_time_func(ctx, &T, NULL); }
expr(A) ::= time_func(T) LP INTEGRAL(N) RP.
    { A = vr_sql_mk_time_func(ctx, &T, &N); }

%type func_name {vr_sql_qname_t}
func_name(A) ::= id(B).           { A.q = NULL; A.name = B; A.lower = false; }
func_name(A) ::= id(Q) DOT id(B). { A.q = Q; A.name = B; A.lower = false; }
func_name(A) ::= IF.       { A.q = NULL; A.name = "if"; A.lower = true; }
func_name(A) ::= LEFT.     { A.q = NULL; A.name = "left"; A.lower = true; }
func_name(A) ::= RIGHT.    { A.q = NULL; A.name = "right"; A.lower = true; }
func_name(A) ::= REPLACE.  { A.q = NULL; A.name = "replace"; A.lower = true; }
func_name(A) ::= INSERT.   { A.q = NULL; A.name = "insert"; A.lower = true; }
func_name(A) ::= MOD.      { A.q = NULL; A.name = "mod"; A.lower = true; }
func_name(A) ::= DATABASE. { A.q = NULL; A.name = "database"; A.lower = true; }
func_name(A) ::= SCHEMA.   { A.q = NULL; A.name = "schema"; A.lower = true; }
func_name(A) ::= CHAR.     { A.q = NULL; A.name = "char"; A.lower = true; }
func_name(A) ::= REPEAT.   { A.q = NULL; A.name = "repeat"; A.lower = true; }

%type time_func {vr_sql_tok_t}
time_func(A) ::= CURRENT_TIMESTAMP(T). { A = T; }
time_func(A) ::= CURRENT_DATE(T).      { A = T; }
time_func(A) ::= CURRENT_TIME(T).      { A = T; }
time_func(A) ::= CURRENT_USER(T).      { A = T; }
time_func(A) ::= LOCALTIME(T).         { A = T; }
time_func(A) ::= LOCALTIMESTAMP(T).    { A = T; }
time_func(A) ::= UTC_DATE(T).          { A = T; }
time_func(A) ::= UTC_TIME(T).          { A = T; }
time_func(A) ::= UTC_TIMESTAMP(T).     { A = T; }

%type func_args {vr_sql_fargs_t *}
func_args(A) ::= expr_list(L) order_by_opt(O) separator_opt(S).
    { A = vr_sql_mk_fargs(ctx, NULL, L, O, S); }
func_args(A) ::= DISTINCT(D) expr_list(L) order_by_opt(O) separator_opt(S).
    { A = vr_sql_mk_fargs(ctx, &D, L, O, S); }

%type separator_opt {vr_sql_expr_t *}
separator_opt(A) ::= . { A = NULL; }
separator_opt(A) ::= SEPARATOR STRING(S). { A = vr_sql_mk_lit(ctx, VR_SQL_LIT_STRING, &S); }

/* ---- literals and names -------------------------------------------------- */

literal(A) ::= STRING(T).   { A = vr_sql_mk_lit(ctx, VR_SQL_LIT_STRING, &T); }
literal(A) ::= NSTRING(T).  { A = vr_sql_mk_lit(ctx, VR_SQL_LIT_STRING, &T); A->lit.national = true; }
literal(A) ::= INTRODUCER(I) STRING(T). { A = vr_sql_mk_lit(ctx, VR_SQL_LIT_STRING, &T); A->lit.charset = I.s; }
literal(A) ::= INTRODUCER(I) HEX(T).    { A = vr_sql_mk_lit(ctx, VR_SQL_LIT_HEX, &T); A->lit.charset = I.s; }
literal(A) ::= INTRODUCER(I) HEXNUM(T). { A = vr_sql_mk_lit(ctx, VR_SQL_LIT_HEXNUM, &T); A->lit.charset = I.s; }
literal(A) ::= INTRODUCER(I) BIT(T).    { A = vr_sql_mk_lit(ctx, VR_SQL_LIT_BIT, &T); A->lit.charset = I.s; }
literal(A) ::= INTEGRAL(T). { A = vr_sql_mk_lit(ctx, VR_SQL_LIT_INT, &T); }
literal(A) ::= DECIMAL(T).  { A = vr_sql_mk_lit(ctx, VR_SQL_LIT_DECIMAL, &T); }
literal(A) ::= FLOAT(T).    { A = vr_sql_mk_lit(ctx, VR_SQL_LIT_FLOAT, &T); }
literal(A) ::= HEXNUM(T).   { A = vr_sql_mk_lit(ctx, VR_SQL_LIT_HEXNUM, &T); }
literal(A) ::= HEX(T).      { A = vr_sql_mk_lit(ctx, VR_SQL_LIT_HEX, &T); }
literal(A) ::= BIT(T).      { A = vr_sql_mk_lit(ctx, VR_SQL_LIT_BIT, &T); }
literal(A) ::= NULL(T).     { A = vr_sql_mk_lit(ctx, VR_SQL_LIT_NULL, &T); }
literal(A) ::= TRUE(T).     { A = vr_sql_mk_lit(ctx, VR_SQL_LIT_TRUE, &T); }
literal(A) ::= FALSE(T).    { A = vr_sql_mk_lit(ctx, VR_SQL_LIT_FALSE, &T); }
literal(A) ::= DATE STRING(T).      { A = vr_sql_mk_lit(ctx, VR_SQL_LIT_DATE, &T); }
literal(A) ::= TIME STRING(T).      { A = vr_sql_mk_lit(ctx, VR_SQL_LIT_TIME, &T); }
literal(A) ::= TIMESTAMP STRING(T). { A = vr_sql_mk_lit(ctx, VR_SQL_LIT_TIMESTAMP, &T); }

%type column {vr_sql_column_t}
column(A) ::= id(N).                  { A.db = NULL; A.table = NULL; A.name = N; }
column(A) ::= id(T) DOT id(N).        { A.db = NULL; A.table = T; A.name = N; }
column(A) ::= id(D) DOT id(T) DOT id(N). { A.db = D; A.table = T; A.name = N; }

%type id {const char *}
id(A) ::= ID(T).        { A = vr_sql_tok_str(ctx, &T); }
id(A) ::= DATE(T).      { A = vr_sql_tok_str(ctx, &T); }
id(A) ::= TIME(T).      { A = vr_sql_tok_str(ctx, &T); }
id(A) ::= TIMESTAMP(T). { A = vr_sql_tok_str(ctx, &T); }

%type ident_or_string {const char *}
ident_or_string(A) ::= id(B).     { A = B; }
ident_or_string(A) ::= STRING(T). { A = vr_sql_tok_ident(ctx, &T); }

%type table_name {vr_sql_table_name_t}
table_name(A) ::= id(N).           { A.qualifier = NULL; A.name = N; }
table_name(A) ::= id(Q) DOT id(N). { A.qualifier = Q; A.name = N; }

%type expr_list {vr_sql_expr_list_t}
expr_list(A) ::= expr(B). { A.n = 0; A.items = NULL; VR_SQL_APPEND(ctx->arena, &A, B); }
expr_list(A) ::= expr_list(B) COMMA expr(C). { A = B; VR_SQL_APPEND(ctx->arena, &A, C); }

%type ident_list {vr_sql_ident_list_t}
ident_list(A) ::= id(B). { A.n = 0; A.items = NULL; VR_SQL_APPEND(ctx->arena, &A, B); }
ident_list(A) ::= ident_list(B) COMMA id(C). { A = B; VR_SQL_APPEND(ctx->arena, &A, C); }

%type table_name_list {vr_sql_table_name_list_t}
table_name_list(A) ::= table_name(B).
    { A.n = 0; A.items = NULL; VR_SQL_APPEND(ctx->arena, &A, vr_sql_dup_name(ctx, B)); }
table_name_list(A) ::= table_name_list(B) COMMA table_name(C).
    { A = B; VR_SQL_APPEND(ctx->arena, &A, vr_sql_dup_name(ctx, C)); }

/* ======================================================================
 * INSERT / REPLACE, UPDATE, DELETE
 * ====================================================================== */

%type insert_stmt {vr_sql_stmt_t *}
insert_stmt(A) ::= insert_kw(K) ignore_opt(I) into_opt table_name(T) insert_data(D) on_dup_opt(O).
    { A = D; vr_sql_insert_head(ctx, A, &K, I, T); A->insert.on_dup = O; }

%type insert_kw {vr_sql_tok_t}
insert_kw(A) ::= INSERT(K).  { A = K; A.aux = 0; }
insert_kw(A) ::= REPLACE(K). { A = K; A.aux = 1; }

%type ignore_opt {bool}
ignore_opt(A) ::= .       { A = false; }
ignore_opt(A) ::= IGNORE. { A = true; }

into_opt ::= .
into_opt ::= INTO.

%type insert_data {vr_sql_stmt_t *}
insert_data(A) ::= values_kw row_list(R).
    { A = vr_sql_stmt_new(ctx, VR_SQL_STMT_INSERT, NULL); A->insert.rows = R; }
insert_data(A) ::= LP RP values_kw row_list(R).
    { A = vr_sql_stmt_new(ctx, VR_SQL_STMT_INSERT, NULL); A->insert.rows = R; }
insert_data(A) ::= LP ins_columns(C) RP values_kw row_list(R).
    { A = vr_sql_stmt_new(ctx, VR_SQL_STMT_INSERT, NULL); A->insert.columns = C; A->insert.rows = R; }
insert_data(A) ::= query_expr(Q).
    { A = vr_sql_stmt_new(ctx, VR_SQL_STMT_INSERT, NULL); A->insert.select = vr_sql_close_query(Q); }
insert_data(A) ::= LP ins_columns(C) RP query_expr(Q).
    { A = vr_sql_stmt_new(ctx, VR_SQL_STMT_INSERT, NULL); A->insert.columns = C; A->insert.select = vr_sql_close_query(Q); }
insert_data(A) ::= SET assign_list(L).
    { A = vr_sql_insert_set(ctx, L); }

values_kw ::= VALUES.
values_kw ::= VALUE.

%type ins_columns {vr_sql_ident_list_t}
ins_columns(A) ::= column(C). { A.n = 0; A.items = NULL; VR_SQL_APPEND(ctx->arena, &A, C.name); }
ins_columns(A) ::= ins_columns(B) COMMA column(C). { A = B; VR_SQL_APPEND(ctx->arena, &A, C.name); }

%type row_list {vr_sql_rows_t}
row_list(A) ::= row(B). { A.n = 0; A.items = NULL; VR_SQL_APPEND(ctx->arena, &A, B); }
row_list(A) ::= row_list(B) COMMA row(C). { A = B; VR_SQL_APPEND(ctx->arena, &A, C); }

%type row {vr_sql_expr_list_t *}
row(A) ::= LP RP. { A = vr_arena_calloc(ctx->arena, sizeof(*A)); }
row(A) ::= LP expr_list(L) RP. { A = vr_arena_memdup(ctx->arena, &L, sizeof(L)); }

%type on_dup_opt {vr_sql_assign_list_t}
on_dup_opt(A) ::= . { A.n = 0; A.items = NULL; }
on_dup_opt(A) ::= ON DUPLICATE KEY UPDATE assign_list(L). { A = L; }

%type assign_list {vr_sql_assign_list_t}
assign_list(A) ::= assign(B). { A.n = 0; A.items = NULL; VR_SQL_APPEND(ctx->arena, &A, B); }
assign_list(A) ::= assign_list(B) COMMA assign(C). { A = B; VR_SQL_APPEND(ctx->arena, &A, C); }

%type assign {vr_sql_assign_t *}
assign(A) ::= column(C) EQ expr(E).
    { A = vr_arena_calloc(ctx->arena, sizeof(*A)); A->column = C; A->expr = E; }

%type update_stmt {vr_sql_stmt_t *}
update_stmt(A) ::= UPDATE(K) ignore_opt(I) table_refs(T) SET assign_list(L)
                   where_opt(W) order_by_opt(O) limit_opt(M).
    { A = vr_sql_stmt_new(ctx, VR_SQL_STMT_UPDATE, &K); A->update.ignore = I;
      A->update.tables = T; A->update.set = L; A->update.where = W;
      A->update.order_by = O; A->update.limit = M; }

%type delete_stmt {vr_sql_stmt_t *}
delete_stmt(A) ::= DELETE(K) ignore_opt(I) FROM table_name(T) where_opt(W) order_by_opt(O) limit_opt(M).
    { A = vr_sql_mk_delete(ctx, &K, I, NULL, vr_sql_single_table(ctx, T), W);
      A->del.order_by = O; A->del.limit = M; }
delete_stmt(A) ::= DELETE(K) ignore_opt(I) del_targets(D) FROM table_refs(T) where_opt(W).
    { A = vr_sql_mk_delete(ctx, &K, I, &D, T, W); }
delete_stmt(A) ::= DELETE(K) ignore_opt(I) FROM del_targets(D) USING table_refs(T) where_opt(W).
    { A = vr_sql_mk_delete(ctx, &K, I, &D, T, W); }

%type del_targets {vr_sql_table_name_list_t}
del_targets(A) ::= del_target(B). { A.n = 0; A.items = NULL; VR_SQL_APPEND(ctx->arena, &A, B); }
del_targets(A) ::= del_targets(B) COMMA del_target(C). { A = B; VR_SQL_APPEND(ctx->arena, &A, C); }
%type del_target {vr_sql_table_name_t *}
del_target(A) ::= table_name(T). { A = vr_sql_dup_name(ctx, T); }
del_target(A) ::= id(N) DOT STAR.
    { vr_sql_table_name_t t = {NULL, N}; A = vr_sql_dup_name(ctx, t); }
del_target(A) ::= id(Q) DOT id(N) DOT STAR.
    { vr_sql_table_name_t t = {Q, N}; A = vr_sql_dup_name(ctx, t); }

/* ======================================================================
 * SET, USE, SHOW, transactions, EXPLAIN
 * ====================================================================== */

%type set_stmt {vr_sql_stmt_t *}
set_stmt(A) ::= SET(K) set_list(L).
    { A = vr_sql_stmt_new(ctx, VR_SQL_STMT_SET, &K); A->set = L; }
set_stmt(A) ::= SET(K) txn_scope(S) TRANSACTION txn_chars(C).
    { A = vr_sql_stmt_new(ctx, VR_SQL_STMT_SET, &K); C->scope = S; VR_SQL_APPEND(ctx->arena, &A->set, C); }

%type set_list {vr_sql_set_t}
set_list(A) ::= set_item(B). { A.n = 0; A.items = NULL; VR_SQL_APPEND(ctx->arena, &A, B); }
set_list(A) ::= set_list(B) COMMA set_item(C). { A = B; VR_SQL_APPEND(ctx->arena, &A, C); }

%type set_item {vr_sql_set_expr_t *}
set_item(A) ::= set_var(V) set_eq expr(E). { A = vr_sql_mk_set_var(ctx, V, E); }
set_item(A) ::= set_var(V) set_eq ON.
    { A = vr_sql_mk_set_var(ctx, V, vr_sql_mk_str(ctx, "on")); }
set_item(A) ::= NAMES ident_or_string(C) collate_opt(L).
    { A = vr_sql_mk_set_cs(ctx, VR_SQL_SET_NAMES, C, L); }
set_item(A) ::= NAMES DEFAULT.
    { A = vr_sql_mk_set_cs(ctx, VR_SQL_SET_NAMES, NULL, NULL); }
set_item(A) ::= charset_kw ident_or_string(C).
    { A = vr_sql_mk_set_cs(ctx, VR_SQL_SET_CHARSET, C, NULL); }
set_item(A) ::= charset_kw DEFAULT.
    { A = vr_sql_mk_set_cs(ctx, VR_SQL_SET_CHARSET, NULL, NULL); }

set_eq ::= EQ.
set_eq ::= ASSIGN.

%type collate_opt {const char *}
collate_opt(A) ::= . { A = NULL; }
collate_opt(A) ::= COLLATE ident_or_string(C). { A = C; }

%type set_var {vr_sql_expr_t *}
set_var(A) ::= id(N).         { A = vr_sql_mk_sysvar(ctx, VR_SQL_VAR_SYSTEM, N); }
set_var(A) ::= GLOBAL id(N).  { A = vr_sql_mk_sysvar(ctx, VR_SQL_VAR_GLOBAL, N); }
set_var(A) ::= SESSION id(N). { A = vr_sql_mk_sysvar(ctx, VR_SQL_VAR_SYSTEM, N); }
set_var(A) ::= LOCAL id(N).   { A = vr_sql_mk_sysvar(ctx, VR_SQL_VAR_SYSTEM, N); }
set_var(A) ::= AT_ID(T).      { A = vr_sql_mk_var(ctx, VR_SQL_VAR_USER, &T); }
set_var(A) ::= AT_AT_ID(T).   { A = vr_sql_mk_var(ctx, vr_sql_set_scope(T.aux), &T); }

%type txn_scope {vr_sql_var_scope_t}
txn_scope(A) ::= .        { A = VR_SQL_VAR_SYSTEM; }
txn_scope(A) ::= GLOBAL.  { A = VR_SQL_VAR_GLOBAL; }
txn_scope(A) ::= SESSION. { A = VR_SQL_VAR_SESSION; }

%type txn_chars {vr_sql_set_expr_t *}
txn_chars(A) ::= txn_char(B). { A = B; }
txn_chars(A) ::= txn_chars(B) COMMA txn_char(C). { A = vr_sql_merge_txn(ctx, B, C); }
%type txn_char {vr_sql_set_expr_t *}
txn_char(A) ::= ISOLATION LEVEL iso_level(L). { A = vr_sql_mk_txn(ctx, L, 0); }
txn_char(A) ::= READ WRITE. { A = vr_sql_mk_txn(ctx, NULL, 2); }
txn_char(A) ::= READ ONLY.  { A = vr_sql_mk_txn(ctx, NULL, 1); }
%type iso_level {const char *}
iso_level(A) ::= REPEATABLE READ.  { A = "repeatable read"; }
iso_level(A) ::= READ COMMITTED.   { A = "read committed"; }
iso_level(A) ::= READ UNCOMMITTED. { A = "read uncommitted"; }
iso_level(A) ::= SERIALIZABLE.     { A = "serializable"; }

%type use_stmt {vr_sql_stmt_t *}
use_stmt(A) ::= USE(K) id(D). { A = vr_sql_stmt_new(ctx, VR_SQL_STMT_USE, &K); A->use_db = D; }
use_stmt(A) ::= USE(K) id(D) AT_ID(T).
    { A = vr_sql_stmt_new(ctx, VR_SQL_STMT_USE, &K); A->use_db = vr_arena_printf(ctx->arena, "%s@%.*s", D, (int)T.len, T.s); }
use_stmt(A) ::= USE(K) AT_ID(T).
    { A = vr_sql_stmt_new(ctx, VR_SQL_STMT_USE, &K); A->use_db = vr_arena_printf(ctx->arena, "@%.*s", (int)T.len, T.s); }

%type txn_stmt {vr_sql_stmt_t *}
txn_stmt(A) ::= BEGIN(K) work_opt. { A = vr_sql_stmt_new(ctx, VR_SQL_STMT_BEGIN, &K); }
txn_stmt(A) ::= START(K) TRANSACTION start_opts(F).
    { A = vr_sql_stmt_new(ctx, VR_SQL_STMT_BEGIN, &K); A->txn_flags = F; }
txn_stmt(A) ::= COMMIT(K) work_opt. { A = vr_sql_stmt_new(ctx, VR_SQL_STMT_COMMIT, &K); }
txn_stmt(A) ::= ROLLBACK(K) work_opt. { A = vr_sql_stmt_new(ctx, VR_SQL_STMT_ROLLBACK, &K); }
txn_stmt(A) ::= ROLLBACK(K) work_opt TO savepoint_opt id(N).
    { A = vr_sql_stmt_new(ctx, VR_SQL_STMT_ROLLBACK, &K); A->savepoint = N; }
txn_stmt(A) ::= SAVEPOINT(K) id(N). { A = vr_sql_stmt_new(ctx, VR_SQL_STMT_SAVEPOINT, &K); A->savepoint = N; }
txn_stmt(A) ::= RELEASE(K) SAVEPOINT id(N). { A = vr_sql_stmt_new(ctx, VR_SQL_STMT_RELEASE, &K); A->savepoint = N; }

work_opt ::= .
work_opt ::= WORK.
savepoint_opt ::= .
savepoint_opt ::= SAVEPOINT.

%type start_opts {unsigned}
start_opts(A) ::= . { A = 0; }
start_opts(A) ::= start_opt_list(B). { A = B; }
%type start_opt_list {unsigned}
start_opt_list(A) ::= start_opt(B). { A = B; }
start_opt_list(A) ::= start_opt_list(B) COMMA start_opt(C). { A = B | C; }
%type start_opt {unsigned}
start_opt(A) ::= READ ONLY.  { A = VR_SQL_TXN_READ_ONLY; }
start_opt(A) ::= READ WRITE. { A = VR_SQL_TXN_READ_WRITE; }
start_opt(A) ::= WITH CONSISTENT SNAPSHOT. { A = VR_SQL_TXN_CONSISTENT_SNAPSHOT; }

%type explain_stmt {vr_sql_stmt_t *}
explain_stmt(A) ::= explain_kw(K) explain_opts(O) explainable(S).
    { A = vr_sql_stmt_new(ctx, VR_SQL_STMT_EXPLAIN, &K); A->explain.format = O.format; A->explain.analyze = O.analyze; A->explain.stmt = S; }
explain_stmt(A) ::= explain_kw(K) table_name(T) column_opt(C).
    { A = vr_sql_stmt_new(ctx, VR_SQL_STMT_EXPLAIN, &K); A->explain.table = T; A->explain.column = C; }
%type explain_kw {vr_sql_tok_t}
explain_kw(A) ::= EXPLAIN(K).  { A = K; }
explain_kw(A) ::= DESCRIBE(K). { A = K; }
explain_kw(A) ::= DESC(K).     { A = K; }
%type explain_opts {vr_sql_explain_opts_t}
explain_opts(A) ::= . { A.format = NULL; A.analyze = false; }
explain_opts(A) ::= FORMAT EQ id(F). { A.format = vr_sql_lower(ctx->arena, F, strlen(F)); A.analyze = false; }
explain_opts(A) ::= ANALYZE. { A.format = NULL; A.analyze = true; }
%type explainable {vr_sql_stmt_t *}
explainable(A) ::= query_expr(B).  { A = vr_sql_close_query(B); }
explainable(A) ::= insert_stmt(B). { A = B; }
explainable(A) ::= update_stmt(B). { A = B; }
explainable(A) ::= delete_stmt(B). { A = B; }
%type column_opt {const char *}
column_opt(A) ::= .      { A = NULL; }
column_opt(A) ::= id(B). { A = B; }

%type show_stmt {vr_sql_stmt_t *}
show_stmt(A) ::= SHOW(K) show_body(B). { A = B; vr_sql_show_kw(ctx, A, &K); }

%type show_body {vr_sql_stmt_t *}
show_body(A) ::= DATABASES like_or_where(L). { A = vr_sql_mk_show(ctx, VR_SQL_SHOW_DATABASES, L); }
show_body(A) ::= SCHEMAS like_or_where(L).   { A = vr_sql_mk_show(ctx, VR_SQL_SHOW_DATABASES, L); }
show_body(A) ::= full_opt(F) TABLES from_db_opt(D) like_or_where(L).
    { A = vr_sql_mk_show(ctx, VR_SQL_SHOW_TABLES, L); A->show.full = F; A->show.db = D; }
show_body(A) ::= TABLE STATUS from_db_opt(D) like_or_where(L).
    { A = vr_sql_mk_show(ctx, VR_SQL_SHOW_TABLE_STATUS, L); A->show.db = D; }
show_body(A) ::= full_opt(F) columns_kw from_or_in table_name(T) from_db_opt(D) like_or_where(L).
    { A = vr_sql_mk_show(ctx, VR_SQL_SHOW_COLUMNS, L); A->show.full = F; A->show.table = T; A->show.db = D; }
show_body(A) ::= extended_opt indexes_kw from_or_in table_name(T) from_db_opt(D) where_opt(W).
    { A = vr_sql_mk_show(ctx, VR_SQL_SHOW_INDEX, NULL); A->show.table = T; A->show.db = D; A->show.where = W; }
show_body(A) ::= CREATE TABLE table_name(T).
    { A = vr_sql_mk_show(ctx, VR_SQL_SHOW_CREATE_TABLE, NULL); A->show.table = T; }
show_body(A) ::= CREATE VIEW table_name(T).
    { A = vr_sql_mk_show(ctx, VR_SQL_SHOW_CREATE_VIEW, NULL); A->show.table = T; }
show_body(A) ::= CREATE db_kw id(D).
    { A = vr_sql_mk_show(ctx, VR_SQL_SHOW_CREATE_DATABASE, NULL); A->show.db = D; }
show_body(A) ::= scope_opt(G) VARIABLES like_or_where(L).
    { A = vr_sql_mk_show(ctx, VR_SQL_SHOW_VARIABLES, L); A->show.global = G; }
show_body(A) ::= scope_opt(G) STATUS like_or_where(L).
    { A = vr_sql_mk_show(ctx, VR_SQL_SHOW_STATUS, L); A->show.global = G; }
show_body(A) ::= KEYSPACES like_or_where(L).        { A = vr_sql_mk_show(ctx, VR_SQL_SHOW_KEYSPACES, L); }
show_body(A) ::= VITESS_KEYSPACES like_or_where(L). { A = vr_sql_mk_show(ctx, VR_SQL_SHOW_KEYSPACES, L); }
show_body(A) ::= VITESS_SHARDS like_or_where(L).    { A = vr_sql_mk_show(ctx, VR_SQL_SHOW_VITESS_SHARDS, L); }
show_body(A) ::= VITESS_TABLETS like_or_where(L).   { A = vr_sql_mk_show(ctx, VR_SQL_SHOW_VITESS_TABLETS, L); }
show_body(A) ::= WARNINGS. { A = vr_sql_mk_show(ctx, VR_SQL_SHOW_WARNINGS, NULL); }
show_body(A) ::= ERRORS.   { A = vr_sql_mk_show(ctx, VR_SQL_SHOW_ERRORS, NULL); }
show_body(A) ::= full_opt(F) PROCESSLIST. { A = vr_sql_mk_show(ctx, VR_SQL_SHOW_PROCESSLIST, NULL); A->show.full = F; }
show_body(A) ::= ENGINES.  { A = vr_sql_mk_show(ctx, VR_SQL_SHOW_ENGINES, NULL); }
show_body(A) ::= PLUGINS.  { A = vr_sql_mk_show(ctx, VR_SQL_SHOW_PLUGINS, NULL); }
show_body(A) ::= COLLATION like_or_where(L). { A = vr_sql_mk_show(ctx, VR_SQL_SHOW_COLLATION, L); }
show_body(A) ::= charset_kw like_or_where(L). { A = vr_sql_mk_show(ctx, VR_SQL_SHOW_CHARSET, L); }

%type full_opt {bool}
full_opt(A) ::= .     { A = false; }
full_opt(A) ::= FULL. { A = true; }
%type scope_opt {bool}
scope_opt(A) ::= .        { A = false; }
scope_opt(A) ::= GLOBAL.  { A = true; }
scope_opt(A) ::= SESSION. { A = false; }
scope_opt(A) ::= LOCAL.   { A = false; }
extended_opt ::= .
extended_opt ::= EXTENDED.
columns_kw ::= COLUMNS.
columns_kw ::= FIELDS.
indexes_kw ::= INDEX.
indexes_kw ::= INDEXES.
indexes_kw ::= KEYS.
from_or_in ::= FROM.
from_or_in ::= IN.
db_kw ::= DATABASE.
db_kw ::= SCHEMA.

%type from_db_opt {const char *}
from_db_opt(A) ::= . { A = NULL; }
from_db_opt(A) ::= from_or_in id(D). { A = D; }

%type like_or_where {vr_sql_like_where_t *}
like_or_where(A) ::= . { A = NULL; }
like_or_where(A) ::= LIKE STRING(S).
    { A = vr_arena_calloc(ctx->arena, sizeof(*A)); A->like = vr_sql_mk_lit(ctx, VR_SQL_LIT_STRING, &S); }
like_or_where(A) ::= WHERE expr(E).
    { A = vr_arena_calloc(ctx->arena, sizeof(*A)); A->where = E; }

/* ======================================================================
 * DDL
 * ====================================================================== */

%type create_head {vr_sql_tok_t}
create_head(A) ::= CREATE(K) or_replace_opt(R). { A = K; A.aux = R; }
%type or_replace_opt {uint8_t}
or_replace_opt(A) ::= . { A = 0; }
or_replace_opt(A) ::= OR REPLACE. { A = 1; }

%type temporary_opt {bool}
temporary_opt(A) ::= . { A = false; }
temporary_opt(A) ::= TEMPORARY. { A = true; }

%type if_not_exists_opt {bool}
if_not_exists_opt(A) ::= . { A = false; }
if_not_exists_opt(A) ::= IF NOT EXISTS. { A = true; }

%type if_exists_opt {bool}
if_exists_opt(A) ::= . { A = false; }
if_exists_opt(A) ::= IF EXISTS. { A = true; }

/* ---- CREATE TABLE ------------------------------------------------------- */

%type create_table_head {vr_sql_stmt_t *}
create_table_head(A) ::= create_head(K) temporary_opt(T) TABLE if_not_exists_opt(I) table_name(N).
    { A = vr_sql_stmt_new(ctx, VR_SQL_STMT_CREATE_TABLE, &K);
      A->create_table.or_replace = K.aux; A->create_table.temporary = T;
      A->create_table.if_not_exists = I; A->create_table.table = N; ctx->cur_table = A; }

%type create_table_stmt {vr_sql_stmt_t *}
create_table_stmt(A) ::= create_table_head(H) LP table_elements RP table_options_opt(O) create_select_opt(S).
    { A = H; A->create_table.options = O; A->create_table.select = S; }
create_table_stmt(A) ::= create_table_head(H) LIKE table_name(T).
    { A = H; A->create_table.like = T; }
create_table_stmt(A) ::= create_table_head(H) LP LIKE table_name(T) RP.
    { A = H; A->create_table.like = T; }
create_table_stmt(A) ::= create_table_head(H) table_option_list(O) as_opt query_expr(Q).
    { A = H; A->create_table.options = O; A->create_table.select = vr_sql_close_query(Q); }
create_table_stmt(A) ::= create_table_head(H) AS query_expr(Q).
    { A = H; A->create_table.select = vr_sql_close_query(Q); }

%type create_select_opt {vr_sql_stmt_t *}
create_select_opt(A) ::= . { A = NULL; }
create_select_opt(A) ::= as_opt query_expr(Q). { A = vr_sql_close_query(Q); }

table_elements ::= table_element.
table_elements ::= table_elements COMMA table_element.
table_element ::= column_def(C). { VR_SQL_APPEND(ctx->arena, &ctx->cur_table->create_table.columns, C); }
table_element ::= index_def(D).  { VR_SQL_APPEND(ctx->arena, &ctx->cur_table->create_table.indexes, D); }

%type column_def {vr_sql_column_def_t *}
column_def(A) ::= col_head(H) column_attrs. { A = H; vr_sql_column_done(ctx, A); }
%type col_head {vr_sql_column_def_t *}
col_head(A) ::= id(N) type_name(T) type_args_opt(G).
    { A = vr_sql_mk_coldef(ctx, N, T, &G); ctx->cur_col = A; }

%type type_name {const char *}
type_name(A) ::= id(N).  { A = vr_sql_type_word(ctx, N); }
type_name(A) ::= CHAR.   { A = "char"; }
type_name(A) ::= BINARY. { A = "binary"; }
type_name(A) ::= SET.    { A = "set"; }

%type type_args_opt {vr_sql_type_args_t}
type_args_opt(A) ::= . { memset(&A, 0, sizeof(A)); }
type_args_opt(A) ::= LP INTEGRAL(N) RP. { memset(&A, 0, sizeof(A)); A.length = vr_sql_tok_str(ctx, &N); }
type_args_opt(A) ::= LP INTEGRAL(N) COMMA INTEGRAL(M) RP.
    { memset(&A, 0, sizeof(A)); A.length = vr_sql_tok_str(ctx, &N); A.scale = vr_sql_tok_str(ctx, &M); }
type_args_opt(A) ::= LP string_list(L) RP. { memset(&A, 0, sizeof(A)); A.values = L; }

%type string_list {vr_sql_expr_list_t}
string_list(A) ::= STRING(S). { A.n = 0; A.items = NULL; VR_SQL_APPEND(ctx->arena, &A, vr_sql_mk_lit(ctx, VR_SQL_LIT_STRING, &S)); }
string_list(A) ::= string_list(B) COMMA STRING(S). { A = B; VR_SQL_APPEND(ctx->arena, &A, vr_sql_mk_lit(ctx, VR_SQL_LIT_STRING, &S)); }

column_attrs ::= .
column_attrs ::= column_attrs column_attr.

column_attr ::= NULL.      { ctx->cur_col->null = VR_SQL_NULL_ALLOWED; }
column_attr ::= NOT NULL.  { ctx->cur_col->null = VR_SQL_NULL_NOT_NULL; }
column_attr ::= DEFAULT default_value(V). { vr_sql_col_default(ctx, V); }
column_attr ::= ON UPDATE default_value(V). { ctx->cur_col->on_update = V->e; }
column_attr ::= AUTO_INCREMENT. { ctx->cur_col->auto_increment = true; }
column_attr ::= COMMENT STRING(S). { ctx->cur_col->comment = vr_sql_mk_lit(ctx, VR_SQL_LIT_STRING, &S); }
column_attr ::= PRIMARY KEY. { ctx->cur_col->key = VR_SQL_COLKEY_PRIMARY; }
column_attr ::= KEY.         { ctx->cur_col->key = VR_SQL_COLKEY_KEY; }
column_attr ::= UNIQUE. [UNIQUE] { ctx->cur_col->key = VR_SQL_COLKEY_UNIQUE; }
column_attr ::= UNIQUE KEY.  { ctx->cur_col->key = VR_SQL_COLKEY_UNIQUE_KEY; }
column_attr ::= charset_kw ident_or_string(C). { ctx->cur_col->type.charset = C; }
column_attr ::= COLLATE ident_or_string(C).    { ctx->cur_col->type.collate = C; }
column_attr ::= UNSIGNED. { ctx->cur_col->type.is_unsigned = true; }
column_attr ::= SIGNED.   { ctx->cur_col->type.is_unsigned = false; }
column_attr ::= ZEROFILL. { ctx->cur_col->type.zerofill = true; }
column_attr ::= BINARY.   { ctx->cur_col->type.binary = true; }
column_attr ::= generated_opt AS LP expr(E) RP gen_kind(K).
    { ctx->cur_col->generated = E; ctx->cur_col->generated_kind = K; }
column_attr ::= CHECK LP expr(E) RP. { ctx->cur_col->check = E; }
column_attr ::= CONSTRAINT id(N) CHECK LP expr(E) RP. { ctx->cur_col->check = E; ctx->cur_col->check_name = N; }
column_attr ::= INVISIBLE. { ctx->cur_col->invisible = true; }
column_attr ::= VISIBLE.   { ctx->cur_col->invisible = false; }

generated_opt ::= .
generated_opt ::= GENERATED ALWAYS.
%type gen_kind {vr_sql_generated_t}
gen_kind(A) ::= .           { A = VR_SQL_GEN_VIRTUAL; }
gen_kind(A) ::= VIRTUAL.    { A = VR_SQL_GEN_VIRTUAL; }
gen_kind(A) ::= STORED.     { A = VR_SQL_GEN_STORED; }
gen_kind(A) ::= PERSISTENT. { A = VR_SQL_GEN_STORED; }

%type default_value {vr_sql_default_t *}
default_value(A) ::= literal(L). { A = vr_sql_mk_default(ctx, L, false); }
default_value(A) ::= MINUS literal(L). { A = vr_sql_mk_default(ctx, vr_sql_mk_unary(ctx, VR_SQL_OP_UMINUS, L), false); }
default_value(A) ::= PLUS literal(L). { A = vr_sql_mk_default(ctx, L, false); }
default_value(A) ::= LP expr(E) RP. { A = vr_sql_mk_default(ctx, E, true); }
default_value(A) ::= time_func(T). { A = vr_sql_mk_default(ctx, vr_sql_mk_time_func(ctx, &T, NULL), false); }
default_value(A) ::= time_func(T) LP RP. { A = vr_sql_mk_default(ctx, vr_sql_mk_time_func(ctx, &T, NULL), false); }
default_value(A) ::= time_func(T) LP INTEGRAL(N) RP. { A = vr_sql_mk_default(ctx, vr_sql_mk_time_func(ctx, &T, &N), false); }
default_value(A) ::= id(N) LP RP.
    { vr_sql_qname_t q = {NULL, N, false}; A = vr_sql_mk_default(ctx, vr_sql_mk_call(ctx, &q, NULL, false), false); }
default_value(A) ::= id(N) LP func_args(F) RP.
    { vr_sql_qname_t q = {NULL, N, false}; A = vr_sql_mk_default(ctx, vr_sql_mk_call(ctx, &q, F, false), false); }

/* ---- keys and constraints ---------------------------------------------- */

%type index_def {vr_sql_index_def_t *}
index_def(A) ::= constraint_opt(C) PRIMARY KEY index_name_opt using_opt(U) LP index_parts(P) RP index_opts(O).
    { A = vr_sql_mk_index(ctx, VR_SQL_INDEX_PRIMARY, C, NULL, false, U, P, O); }
index_def(A) ::= constraint_opt(C) UNIQUE index_kw_opt(W) index_name_opt(N) using_opt(U) LP index_parts(P) RP index_opts(O).
    { A = vr_sql_mk_index(ctx, VR_SQL_INDEX_UNIQUE, C, N, W, U, P, O); }
index_def(A) ::= index_or_key(W) index_name_opt(N) using_opt(U) LP index_parts(P) RP index_opts(O).
    { A = vr_sql_mk_index(ctx, VR_SQL_INDEX_PLAIN, NULL, N, W, U, P, O); }
index_def(A) ::= FULLTEXT index_kw_opt(W) index_name_opt(N) LP index_parts(P) RP index_opts(O).
    { A = vr_sql_mk_index(ctx, VR_SQL_INDEX_FULLTEXT, NULL, N, W, NULL, P, O); }
index_def(A) ::= SPATIAL index_kw_opt(W) index_name_opt(N) LP index_parts(P) RP index_opts(O).
    { A = vr_sql_mk_index(ctx, VR_SQL_INDEX_SPATIAL, NULL, N, W, NULL, P, O); }
index_def(A) ::= constraint_opt(C) FOREIGN KEY index_name_opt(N) LP ident_list(L) RP REFERENCES table_name(T) LP ident_list(R) RP fk_actions(F).
    { A = vr_sql_mk_fk(ctx, C, N, L, T, R, F); }
index_def(A) ::= constraint_opt(C) CHECK LP expr(E) RP enforced_opt(N).
    { A = vr_sql_mk_check(ctx, C, E, N); }

%type constraint_opt {vr_sql_constraint_t *}
constraint_opt(A) ::= . { A = NULL; }
constraint_opt(A) ::= CONSTRAINT. { A = vr_arena_calloc(ctx->arena, sizeof(*A)); }
constraint_opt(A) ::= CONSTRAINT id(N). { A = vr_arena_calloc(ctx->arena, sizeof(*A)); A->name = N; }

%type index_kw_opt {int}
index_kw_opt(A) ::= . { A = -1; }
index_kw_opt(A) ::= INDEX. { A = 1; }
index_kw_opt(A) ::= KEY. { A = 0; }

%type index_name_opt {const char *}
index_name_opt(A) ::= . { A = NULL; }
index_name_opt(A) ::= id(N). { A = N; }

%type using_opt {const char *}
using_opt(A) ::= . { A = NULL; }
using_opt(A) ::= USING id(N). { A = N; }

%type index_parts {vr_sql_index_part_list_t}
index_parts(A) ::= index_part(B). { A.n = 0; A.items = NULL; VR_SQL_APPEND(ctx->arena, &A, B); }
index_parts(A) ::= index_parts(B) COMMA index_part(C). { A = B; VR_SQL_APPEND(ctx->arena, &A, C); }
%type index_part {vr_sql_index_part_t *}
index_part(A) ::= id(N) dir_opt(D).
    { A = vr_arena_calloc(ctx->arena, sizeof(*A)); A->column = N; A->desc = D; }
index_part(A) ::= id(N) LP INTEGRAL(L) RP dir_opt(D).
    { A = vr_arena_calloc(ctx->arena, sizeof(*A)); A->column = N; A->length = vr_sql_tok_str(ctx, &L); A->desc = D; }
index_part(A) ::= LP expr(E) RP dir_opt(D).
    { A = vr_arena_calloc(ctx->arena, sizeof(*A)); A->expr = E; A->desc = D; }

%type index_opts {vr_sql_index_def_t *}
index_opts(A) ::= . { A = vr_arena_calloc(ctx->arena, sizeof(*A)); }
index_opts(A) ::= index_opts(B) USING id(N). { A = B; A->using = N; }
index_opts(A) ::= index_opts(B) COMMENT STRING(S). { A = B; A->comment = vr_sql_mk_lit(ctx, VR_SQL_LIT_STRING, &S); }
index_opts(A) ::= index_opts(B) KEY_BLOCK_SIZE eq_opt INTEGRAL(N). { A = B; A->key_block_size = vr_sql_tok_str(ctx, &N); }
index_opts(A) ::= index_opts(B) VISIBLE. { A = B; A->invisible = false; }
index_opts(A) ::= index_opts(B) INVISIBLE. { A = B; A->invisible = true; }

eq_opt ::= .
eq_opt ::= EQ.

%type fk_actions {vr_sql_fk_pair_t}
fk_actions(A) ::= . { A.del = VR_SQL_FK_UNSPECIFIED; A.upd = VR_SQL_FK_UNSPECIFIED; }
fk_actions(A) ::= fk_actions(B) ON DELETE fk_action(X). { A = B; A.del = X; }
fk_actions(A) ::= fk_actions(B) ON UPDATE fk_action(X). { A = B; A.upd = X; }
%type fk_action {vr_sql_fk_action_t}
fk_action(A) ::= RESTRICT.    { A = VR_SQL_FK_RESTRICT; }
fk_action(A) ::= CASCADE.     { A = VR_SQL_FK_CASCADE; }
fk_action(A) ::= SET NULL.    { A = VR_SQL_FK_SET_NULL; }
fk_action(A) ::= SET DEFAULT. { A = VR_SQL_FK_SET_DEFAULT; }
fk_action(A) ::= NO ACTION.   { A = VR_SQL_FK_NO_ACTION; }

%type enforced_opt {bool}
enforced_opt(A) ::= . { A = false; }
enforced_opt(A) ::= NOT ENFORCED. { A = true; }
enforced_opt(A) ::= ENFORCED. { A = false; }

/* ---- table options -------------------------------------------------------- */

%type table_options_opt {vr_sql_table_option_list_t}
table_options_opt(A) ::= . { A.n = 0; A.items = NULL; }
table_options_opt(A) ::= table_option_list(B). { A = B; }
%type table_option_list {vr_sql_table_option_list_t}
table_option_list(A) ::= table_option(B). { A.n = 0; A.items = NULL; VR_SQL_APPEND(ctx->arena, &A, B); }
table_option_list(A) ::= table_option_list(B) table_option(C). { A = B; VR_SQL_APPEND(ctx->arena, &A, C); }
table_option_list(A) ::= table_option_list(B) COMMA table_option(C). { A = B; VR_SQL_APPEND(ctx->arena, &A, C); }

%type table_option {vr_sql_table_option_t *}
table_option(A) ::= default_opt charset_kw eq_opt ident_or_string(V). { A = vr_sql_mk_topt_ident(ctx, "charset", V); }
table_option(A) ::= default_opt COLLATE eq_opt ident_or_string(V). { A = vr_sql_mk_topt_ident(ctx, "collate", V); }
table_option(A) ::= COMMENT eq_opt STRING(V). { A = vr_sql_mk_topt(ctx, "comment", &V, true); }
table_option(A) ::= AUTO_INCREMENT eq_opt INTEGRAL(V). { A = vr_sql_mk_topt(ctx, "auto_increment", &V, false); }
table_option(A) ::= KEY_BLOCK_SIZE eq_opt INTEGRAL(V). { A = vr_sql_mk_topt(ctx, "key_block_size", &V, false); }
table_option(A) ::= ID(N) eq_opt topt_value(V). { A = vr_sql_mk_topt_named(ctx, &N, V); }

%type topt_value {vr_sql_tok_t}
topt_value(A) ::= ID(T).       { A = T; A.aux = 0; }
topt_value(A) ::= STRING(T).   { A = T; A.aux = 1; }
topt_value(A) ::= INTEGRAL(T). { A = T; A.aux = 0; }
topt_value(A) ::= DECIMAL(T).  { A = T; A.aux = 0; }
topt_value(A) ::= DEFAULT(T).  { A = T; A.aux = 2; }

default_opt ::= .
default_opt ::= DEFAULT.

/* ---- ALTER TABLE --------------------------------------------------------- */

%type alter_head {vr_sql_tok_t}
alter_head(A) ::= ALTER(K). { A = K; }

%type alter_table_head {vr_sql_stmt_t *}
alter_table_head(A) ::= alter_head(K) alter_mods TABLE table_name(T).
    { A = vr_sql_stmt_new(ctx, VR_SQL_STMT_ALTER_TABLE, &K); A->alter_table.table = T; ctx->cur_table = A; }
alter_mods ::= .
alter_mods ::= alter_mods ONLINE.
alter_mods ::= alter_mods IGNORE.

%type alter_table_stmt {vr_sql_stmt_t *}
alter_table_stmt(A) ::= alter_table_head(H). { A = H; }
alter_table_stmt(A) ::= alter_table_head(H) alter_actions. { A = H; }

alter_actions ::= alter_action(B). { VR_SQL_APPEND(ctx->arena, &ctx->cur_table->alter_table.actions, B); }
alter_actions ::= alter_actions COMMA alter_action(B). { VR_SQL_APPEND(ctx->arena, &ctx->cur_table->alter_table.actions, B); }

%type alter_action {vr_sql_alter_action_t *}
alter_action(A) ::= ADD column_kw_opt if_not_exists_opt(I) column_def(C) position_opt(P).
    { A = vr_sql_mk_alter(ctx, VR_SQL_ALTER_ADD_COLUMN); A->if_exists = I; VR_SQL_APPEND(ctx->arena, &A->columns, C); vr_sql_alter_pos(A, P); }
alter_action(A) ::= ADD column_kw_opt LP column_defs(L) RP.
    { A = vr_sql_mk_alter(ctx, VR_SQL_ALTER_ADD_COLUMN); A->columns = L; }
alter_action(A) ::= ADD index_def(D).
    { A = vr_sql_mk_alter(ctx, VR_SQL_ALTER_ADD_INDEX); A->index = D; }
alter_action(A) ::= DROP column_kw_opt if_exists_opt(I) id(N).
    { A = vr_sql_mk_alter(ctx, VR_SQL_ALTER_DROP_COLUMN); A->if_exists = I; A->name = N; }
alter_action(A) ::= DROP index_or_key if_exists_opt(I) id(N).
    { A = vr_sql_mk_alter(ctx, VR_SQL_ALTER_DROP_INDEX); A->if_exists = I; A->name = N; }
alter_action(A) ::= DROP PRIMARY KEY.
    { A = vr_sql_mk_alter(ctx, VR_SQL_ALTER_DROP_PRIMARY_KEY); }
alter_action(A) ::= DROP FOREIGN KEY if_exists_opt(I) id(N).
    { A = vr_sql_mk_alter(ctx, VR_SQL_ALTER_DROP_FOREIGN_KEY); A->if_exists = I; A->name = N; }
alter_action(A) ::= DROP CHECK id(N).
    { A = vr_sql_mk_alter(ctx, VR_SQL_ALTER_DROP_CHECK); A->name = N; }
alter_action(A) ::= DROP CONSTRAINT if_exists_opt(I) id(N).
    { A = vr_sql_mk_alter(ctx, VR_SQL_ALTER_DROP_CONSTRAINT); A->if_exists = I; A->name = N; }
alter_action(A) ::= MODIFY column_kw_opt if_exists_opt(I) column_def(C) position_opt(P).
    { A = vr_sql_mk_alter(ctx, VR_SQL_ALTER_MODIFY_COLUMN); A->if_exists = I; VR_SQL_APPEND(ctx->arena, &A->columns, C); vr_sql_alter_pos(A, P); }
alter_action(A) ::= CHANGE column_kw_opt if_exists_opt(I) id(N) column_def(C) position_opt(P).
    { A = vr_sql_mk_alter(ctx, VR_SQL_ALTER_CHANGE_COLUMN); A->if_exists = I; A->name = N; VR_SQL_APPEND(ctx->arena, &A->columns, C); vr_sql_alter_pos(A, P); }
alter_action(A) ::= RENAME COLUMN id(N) TO id(M).
    { A = vr_sql_mk_alter(ctx, VR_SQL_ALTER_RENAME_COLUMN); A->name = N; A->new_name = M; }
alter_action(A) ::= RENAME index_or_key id(N) TO id(M).
    { A = vr_sql_mk_alter(ctx, VR_SQL_ALTER_RENAME_INDEX); A->name = N; A->new_name = M; }
alter_action(A) ::= RENAME to_opt table_name(T).
    { A = vr_sql_mk_alter(ctx, VR_SQL_ALTER_RENAME_TABLE); A->new_table = T; }
alter_action(A) ::= ALTER column_kw_opt id(N) SET DEFAULT default_value(V).
    { A = vr_sql_mk_alter(ctx, VR_SQL_ALTER_SET_DEFAULT); A->name = N; A->value = V->e; A->value_paren = V->paren; }
alter_action(A) ::= ALTER column_kw_opt id(N) DROP DEFAULT.
    { A = vr_sql_mk_alter(ctx, VR_SQL_ALTER_DROP_DEFAULT); A->name = N; }
alter_action(A) ::= table_option(O).
    { A = vr_sql_mk_alter(ctx, VR_SQL_ALTER_OPTION); A->option = O; }
alter_action(A) ::= ALGORITHM eq_opt alter_word(W).
    { A = vr_sql_mk_alter(ctx, VR_SQL_ALTER_ALGORITHM); A->word = W; }
alter_action(A) ::= LOCK eq_opt alter_word(W).
    { A = vr_sql_mk_alter(ctx, VR_SQL_ALTER_LOCK); A->word = W; }
alter_action(A) ::= CONVERT TO charset_kw ident_or_string(C) collate_opt(L).
    { A = vr_sql_mk_alter(ctx, VR_SQL_ALTER_CONVERT); A->charset = C; A->collate = L; }
alter_action(A) ::= FORCE.
    { A = vr_sql_mk_alter(ctx, VR_SQL_ALTER_FORCE); }

%type alter_word {const char *}
alter_word(A) ::= id(W). { A = vr_sql_lower(ctx->arena, W, strlen(W)); }
alter_word(A) ::= DEFAULT. { A = "default"; }

%type column_defs {vr_sql_column_def_list_t}
column_defs(A) ::= column_def(B). { A.n = 0; A.items = NULL; VR_SQL_APPEND(ctx->arena, &A, B); }
column_defs(A) ::= column_defs(B) COMMA column_def(C). { A = B; VR_SQL_APPEND(ctx->arena, &A, C); }

column_kw_opt ::= .
column_kw_opt ::= COLUMN.
to_opt ::= .
to_opt ::= TO.
to_opt ::= AS.

%type position_opt {const char *}
position_opt(A) ::= . { A = NULL; }
position_opt(A) ::= FIRST. { A = ""; }
position_opt(A) ::= AFTER id(N). { A = N; }

/* ---- other DDL --------------------------------------------------------- */

%type ddl_stmt {vr_sql_stmt_t *}
ddl_stmt(A) ::= DROP(K) temporary_opt(T) TABLE if_exists_opt(I) table_name_list(L) restrict_opt.
    { A = vr_sql_stmt_new(ctx, VR_SQL_STMT_DROP_TABLE, &K); A->drop_table.temporary = T;
      A->drop_table.if_exists = I; A->drop_table.tables = L; }
ddl_stmt(A) ::= DROP(K) db_kw if_exists_opt(I) id(N).
    { A = vr_sql_stmt_new(ctx, VR_SQL_STMT_DROP_DATABASE, &K); A->database.if_exists = I; A->database.name = N; }
ddl_stmt(A) ::= DROP(K) INDEX id(N) ON table_name(T).
    { A = vr_sql_drop_index(ctx, &K, N, T); }
ddl_stmt(A) ::= TRUNCATE(K) table_kw_opt table_name(T).
    { A = vr_sql_stmt_new(ctx, VR_SQL_STMT_TRUNCATE, &K); A->truncate = T; }
ddl_stmt(A) ::= RENAME(K) TABLE rename_list(L).
    { A = vr_sql_stmt_new(ctx, VR_SQL_STMT_RENAME_TABLE, &K); A->rename = L; }
ddl_stmt(A) ::= create_head(K) db_kw if_not_exists_opt(I) id(N) db_options(O).
    { A = vr_sql_stmt_new(ctx, VR_SQL_STMT_CREATE_DATABASE, &K); A->database = O; A->database.if_exists = I; A->database.name = N; }
ddl_stmt(A) ::= create_head(K) index_kind(X) INDEX id(N) using_opt(U) ON table_name(T) LP index_parts(P) RP index_opts(O).
    { A = vr_sql_create_index(ctx, &K, X, N, U, T, P, O); }

restrict_opt ::= .
restrict_opt ::= RESTRICT.
restrict_opt ::= CASCADE.
table_kw_opt ::= .
table_kw_opt ::= TABLE.

%type index_kind {vr_sql_index_kind_t}
index_kind(A) ::= . { A = VR_SQL_INDEX_PLAIN; }
index_kind(A) ::= UNIQUE. { A = VR_SQL_INDEX_UNIQUE; }
index_kind(A) ::= FULLTEXT. { A = VR_SQL_INDEX_FULLTEXT; }
index_kind(A) ::= SPATIAL. { A = VR_SQL_INDEX_SPATIAL; }

%type rename_list {vr_sql_rename_table_t}
rename_list(A) ::= rename_pair(B). { A.n = 0; A.items = NULL; VR_SQL_APPEND(ctx->arena, &A, B); }
rename_list(A) ::= rename_list(B) COMMA rename_pair(C). { A = B; VR_SQL_APPEND(ctx->arena, &A, C); }
%type rename_pair {vr_sql_rename_pair_t *}
rename_pair(A) ::= table_name(F) TO table_name(T).
    { A = vr_arena_calloc(ctx->arena, sizeof(*A)); A->from = F; A->to = T; }

%type db_options {vr_sql_database_t}
db_options(A) ::= . { memset(&A, 0, sizeof(A)); }
db_options(A) ::= db_options(B) db_option(C). { A = B; vr_sql_db_opt_append(ctx, &A, C); }
%type db_option {vr_sql_db_option_t *}
db_option(A) ::= DEFAULT db_option_body(B). { A = B; A->is_default = true; }
db_option(A) ::= db_option_body(B). { A = B; }
%type db_option_body {vr_sql_db_option_t *}
db_option_body(A) ::= charset_kw eq_opt db_value(V). { A = V; A->name = "character set"; }
db_option_body(A) ::= COLLATE eq_opt db_value(V).    { A = V; A->name = "collate"; }
db_option_body(A) ::= ID(N) eq_opt db_value(V).
    { A = V; A->name = vr_sql_lower(ctx->arena, N.s, N.len); vr_sql_check_word(ctx, &N); }
%type db_value {vr_sql_db_option_t *}
db_value(A) ::= id(V). { A = vr_arena_calloc(ctx->arena, sizeof(*A)); A->value = V; }
db_value(A) ::= STRING(V). { A = vr_arena_calloc(ctx->arena, sizeof(*A)); A->value = vr_sql_tok_str(ctx, &V); A->is_string = true; }

/* DDL kept as text: views, triggers, routines, and CREATE/ALTER TABLE the
 * grammar cannot read in full (error recovery into a wildcard tail).  Any
 * other CREATE/ALTER/DROP statement becomes other DDL in the driver. */
%type raw_stmt {vr_sql_stmt_t *}
raw_stmt(A) ::= create_table_head(H) error ddl_tail.
    { A = vr_sql_partial_table(ctx, H, "create"); }
raw_stmt(A) ::= alter_table_head(H) error ddl_tail.
    { A = vr_sql_partial_table(ctx, H, "alter"); }
raw_stmt(A) ::= create_head(K) create_opts VIEW table_name(T) ddl_tail.
    { A = vr_sql_mk_other(ctx, VR_SQL_STMT_OTHER_DDL, "create", "view", &K); vr_sql_other_table(ctx, A, T); }
raw_stmt(A) ::= create_head(K) create_opts TRIGGER table_name id trigger_event ON table_name(T) ddl_tail.
    { A = vr_sql_mk_other(ctx, VR_SQL_STMT_OTHER_DDL, "create", "trigger", &K); vr_sql_other_table(ctx, A, T); }
raw_stmt(A) ::= create_head(K) create_opts routine_kw(R) ddl_tail.
    { A = vr_sql_mk_other(ctx, VR_SQL_STMT_OTHER_DDL, "create", R, &K); }
raw_stmt(A) ::= alter_head(K) VIEW table_name(T) ddl_tail.
    { A = vr_sql_mk_other(ctx, VR_SQL_STMT_OTHER_DDL, "alter", "view", &K); vr_sql_other_table(ctx, A, T); }
raw_stmt(A) ::= DROP(K) VIEW if_exists_opt table_name_list(L) ddl_tail.
    { A = vr_sql_mk_other(ctx, VR_SQL_STMT_OTHER_DDL, "drop", "view", &K); A->other.tables = L; }
raw_stmt(A) ::= DROP(K) TRIGGER ddl_tail.
    { A = vr_sql_mk_other(ctx, VR_SQL_STMT_OTHER_DDL, "drop", "trigger", &K); }
raw_stmt(A) ::= DROP(K) routine_kw(R) ddl_tail.
    { A = vr_sql_mk_other(ctx, VR_SQL_STMT_OTHER_DDL, "drop", R, &K); }
raw_stmt(A) ::= other_kw(K) ddl_tail.
    { A = vr_sql_mk_other(ctx, VR_SQL_STMT_OTHER, NULL, NULL, &K); }
raw_stmt(A) ::= SHOW(K) ID ddl_tail.
    { A = vr_sql_show_other(ctx, &K); }
raw_stmt(A) ::= SHOW(K) CREATE ID ddl_tail.
    { A = vr_sql_show_other(ctx, &K); }

%type routine_kw {const char *}
routine_kw(A) ::= PROCEDURE. { A = "procedure"; }
routine_kw(A) ::= FUNCTION.  { A = "function"; }
routine_kw(A) ::= EVENT.     { A = "event"; }

create_opts ::= .
create_opts ::= create_opts create_opt.
create_opt ::= ALGORITHM EQ id.
create_opt ::= DEFINER EQ user_name.
create_opt ::= SQL SECURITY id.
user_name ::= id.
user_name ::= STRING.
user_name ::= id AT_ID.
user_name ::= STRING AT_ID.
user_name ::= CURRENT_USER.
user_name ::= CURRENT_USER LP RP.

trigger_event ::= INSERT.
trigger_event ::= UPDATE.
trigger_event ::= DELETE.

%type other_kw {vr_sql_tok_t}
other_kw(A) ::= GRANT(K).      { A = K; }
other_kw(A) ::= REVOKE(K).     { A = K; }
other_kw(A) ::= FLUSH(K).      { A = K; }
other_kw(A) ::= ANALYZE(K).    { A = K; }
other_kw(A) ::= OPTIMIZE(K).   { A = K; }
other_kw(A) ::= REPAIR(K).     { A = K; }
other_kw(A) ::= CHECK(K).      { A = K; }
other_kw(A) ::= CHECKSUM(K).   { A = K; }
other_kw(A) ::= KILL(K).       { A = K; }
other_kw(A) ::= DO(K).         { A = K; }
other_kw(A) ::= CALL(K).       { A = K; }
other_kw(A) ::= PREPARE(K).    { A = K; }
other_kw(A) ::= EXECUTE(K).    { A = K; }
other_kw(A) ::= DEALLOCATE(K). { A = K; }
other_kw(A) ::= LOAD(K).       { A = K; }
other_kw(A) ::= LOCK(K).       { A = K; }
other_kw(A) ::= UNLOCK(K).     { A = K; }
other_kw(A) ::= HANDLER(K).    { A = K; }
other_kw(A) ::= INSTALL(K).    { A = K; }
other_kw(A) ::= UNINSTALL(K).  { A = K; }
other_kw(A) ::= RESET(K).      { A = K; }
other_kw(A) ::= PURGE(K).      { A = K; }
other_kw(A) ::= XA(K).         { A = K; }

ddl_tail ::= .
ddl_tail ::= ddl_tail ANY.

/* ====================================================================== */

%code {

static void vr_sql_other_ddl_fallback(vr_sql_pctx_t *ctx, vr_sql_lexer_t *lx);

/* The driver: feeds the lexer's tokens to the parser until the input is
 * accepted or an error stops it.  The parser object lives on this stack
 * frame, so a parse allocates nothing outside the arena. */
void vr_sql_run_parser(vr_sql_pctx_t *ctx)
{
    yyParser parser;
    vr_sql_lexer_t lx;
    vr_sql_tok_t tok;
    int code;

    memset(&lx, 0, sizeof(lx));
    lx.sql = ctx->sql;
    lx.len = ctx->len;
    lx.arena = ctx->arena;
    vrsqlParseInit(&parser);
    for (;;) {
        code = vr_sql_lex(&lx, &tok);
        if (code < 0) {
            vr_sql_lex_error(ctx, &lx);
            break;
        }
        if (code != 0 && ctx->stmt_start == UINT32_MAX) {
            ctx->stmt_start = tok.pos;
            ctx->first_tok = code;
            ctx->first = tok;
        }
        if (ctx->ntok++ == 1)
            ctx->second = tok;
        ctx->cur_end = tok.end;
        if (code != 0 && code != TK_SEMI)
            ctx->last_end = tok.end; /* verbatim text ends here */
        vrsqlParse(&parser, code, tok, ctx);
        if (ctx->failed || ctx->accepted || code == 0 || ctx->err_msg)
            break;
    }
    vrsqlParseFinalize(&parser);
    if (!ctx->accepted && !ctx->err_msg && code >= 0)
        vr_sql_other_ddl_fallback(ctx, &lx);
}

/* A CREATE/ALTER/DROP the grammar does not know (create user, alter
 * database, ...) is other DDL, provided the rest of it lexes. */
static void vr_sql_other_ddl_fallback(vr_sql_pctx_t *ctx, vr_sql_lexer_t *lx)
{
    vr_sql_tok_t tok;
    int code;
    const char *verb = ctx->first_tok == TK_CREATE  ? "create"
                       : ctx->first_tok == TK_ALTER ? "alter"
                       : ctx->first_tok == TK_DROP  ? "drop"
                                                    : NULL;
    if (!verb)
        return;
    while ((code = vr_sql_lex(lx, &tok)) > 0)
        if (code != TK_SEMI)
            ctx->last_end = tok.end;
    if (code < 0) {
        ctx->has_error = false;
        vr_sql_lex_error(ctx, lx);
        return;
    }
    ctx->result = vr_sql_mk_other(ctx, VR_SQL_STMT_OTHER_DDL, verb,
                                  vr_sql_other_object(ctx), &ctx->first);
    vr_sql_stmt_finish(ctx, ctx->result);
    ctx->accepted = true;
    ctx->recovered = true;
}

}
