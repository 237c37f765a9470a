/*
 * format_ddl.c - printing DDL: CREATE TABLE (one definition per line, as
 * Vitess prints it), ALTER TABLE, DROP/TRUNCATE/RENAME TABLE, CREATE/DROP
 * DATABASE, and the statements kept as text (printed verbatim).
 *
 * Column attributes print in one canonical order whatever order they were
 * written in: type, charset, collate, generated, null, default, on update,
 * auto_increment, comment, invisible, key, check.
 */
#include <string.h>

#include "sql_int.h"

static void fmt_type(vr_buf_t *b, const vr_sql_column_type_t *t)
{
    vr_buf_puts(b, t->name ? t->name : "int");
    if (t->values.n) {
        vr_buf_putc(b, '(');
        for (size_t i = 0; i < t->values.n; i++) {
            if (i)
                vr_buf_puts(b, ", ");
            vr_sql_format_expr(b, t->values.items[i]);
        }
        vr_buf_putc(b, ')');
    } else if (t->length) {
        vr_buf_printf(b, "(%s", t->length);
        if (t->scale)
            vr_buf_printf(b, ",%s", t->scale);
        vr_buf_putc(b, ')');
    }
    if (t->is_unsigned)
        vr_buf_puts(b, " unsigned");
    if (t->zerofill)
        vr_buf_puts(b, " zerofill");
    if (t->binary)
        vr_buf_puts(b, " binary");
    if (t->charset) {
        vr_buf_puts(b, " character set ");
        vr_sql_fmt_word(b, t->charset);
    }
    if (t->collate) {
        vr_buf_puts(b, " collate ");
        vr_sql_fmt_word(b, t->collate);
    }
}

static void fmt_paren_expr(vr_buf_t *b, const vr_sql_expr_t *e)
{
    vr_buf_putc(b, '(');
    vr_sql_format_expr(b, e);
    vr_buf_putc(b, ')');
}

static void fmt_column_tail(vr_buf_t *b, const vr_sql_column_def_t *c)
{
    static const char *const keys[] = {"", " primary key", " unique",
                                       " unique key", " key"};
    if (c->auto_increment)
        vr_buf_puts(b, " auto_increment");
    if (c->comment) {
        vr_buf_puts(b, " comment ");
        vr_sql_format_expr(b, c->comment);
    }
    if (c->invisible)
        vr_buf_puts(b, " invisible");
    vr_buf_puts(b, keys[(unsigned)c->key % 5]);
    if (c->check) {
        if (c->check_name) {
            vr_buf_puts(b, " constraint ");
            vr_sql_format_ident(b, c->check_name);
        }
        vr_buf_puts(b, " check ");
        fmt_paren_expr(b, c->check);
    }
}

void vr_sql_format_column_def(vr_buf_t *b, const vr_sql_column_def_t *c)
{
    vr_sql_format_ident(b, c->name);
    vr_buf_putc(b, ' ');
    fmt_type(b, &c->type);
    if (c->generated) {
        vr_buf_puts(b, " as ");
        fmt_paren_expr(b, c->generated);
        vr_buf_puts(b, c->generated_kind == VR_SQL_GEN_STORED ? " stored"
                                                               : " virtual");
    }
    if (c->null == VR_SQL_NULL_ALLOWED)
        vr_buf_puts(b, " null");
    else if (c->null == VR_SQL_NULL_NOT_NULL)
        vr_buf_puts(b, " not null");
    if (c->default_value) {
        vr_buf_puts(b, " default ");
        if (c->default_paren)
            fmt_paren_expr(b, c->default_value);
        else
            vr_sql_format_expr(b, c->default_value);
    }
    if (c->on_update) {
        vr_buf_puts(b, " on update ");
        vr_sql_format_expr(b, c->on_update);
    }
    fmt_column_tail(b, c);
}

/* ---- keys and constraints ----------------------------------------------- */

static void fmt_parts(vr_buf_t *b, const vr_sql_index_part_list_t *l)
{
    vr_buf_puts(b, " (");
    for (size_t i = 0; i < l->n; i++) {
        const vr_sql_index_part_t *p = l->items[i];
        if (i)
            vr_buf_puts(b, ", ");
        if (p->expr)
            fmt_paren_expr(b, p->expr);
        else
            vr_sql_format_ident(b, p->column);
        if (p->length)
            vr_buf_printf(b, "(%s)", p->length);
        if (p->desc)
            vr_buf_puts(b, " desc");
    }
    vr_buf_putc(b, ')');
}

static const char *fk_text(vr_sql_fk_action_t a)
{
    static const char *const text[] = {"", "restrict", "cascade", "set null",
                                       "no action", "set default"};
    return text[(unsigned)a % 6];
}

static void fmt_fk(vr_buf_t *b, const vr_sql_index_def_t *d)
{
    vr_buf_puts(b, "foreign key");
    if (d->name) {
        vr_buf_putc(b, ' ');
        vr_sql_format_ident(b, d->name);
    }
    fmt_parts(b, &d->parts);
    vr_buf_puts(b, " references ");
    vr_sql_fmt_table_name(b, &d->ref_table);
    vr_buf_puts(b, " (");
    for (size_t i = 0; i < d->ref_columns.n; i++) {
        if (i)
            vr_buf_puts(b, ", ");
        vr_sql_format_ident(b, d->ref_columns.items[i]);
    }
    vr_buf_putc(b, ')');
    if (d->on_delete) {
        vr_buf_puts(b, " on delete ");
        vr_buf_puts(b, fk_text(d->on_delete));
    }
    if (d->on_update) {
        vr_buf_puts(b, " on update ");
        vr_buf_puts(b, fk_text(d->on_update));
    }
}

static void fmt_index_opts(vr_buf_t *b, const vr_sql_index_def_t *d)
{
    if (d->using) {
        vr_buf_puts(b, " using ");
        vr_sql_fmt_word(b, d->using);
    }
    if (d->comment) {
        vr_buf_puts(b, " comment ");
        vr_sql_format_expr(b, d->comment);
    }
    if (d->key_block_size)
        vr_buf_printf(b, " key_block_size %s", d->key_block_size);
    if (d->invisible)
        vr_buf_puts(b, " invisible");
}

void vr_sql_fmt_index_def(vr_buf_t *b, const vr_sql_index_def_t *d)
{
    static const char *const kind[] = {"primary key", "unique", "", "fulltext",
                                       "spatial"};
    if (d->constraint && d->constraint_name) {
        vr_buf_puts(b, "constraint ");
        vr_sql_format_ident(b, d->constraint_name);
        vr_buf_putc(b, ' ');
    }
    if (d->kind == VR_SQL_INDEX_FOREIGN) {
        fmt_fk(b, d);
        return;
    }
    if (d->kind == VR_SQL_INDEX_CHECK) {
        vr_buf_puts(b, "check ");
        fmt_paren_expr(b, d->check);
        if (d->not_enforced)
            vr_buf_puts(b, " not enforced");
        return;
    }
    vr_buf_puts(b, kind[(unsigned)d->kind % 5]);
    if (d->kind != VR_SQL_INDEX_PRIMARY) {
        if (d->kind != VR_SQL_INDEX_PLAIN)
            vr_buf_putc(b, ' ');
        vr_buf_puts(b, d->index_word ? "index" : "key");
        if (d->name) {
            vr_buf_putc(b, ' ');
            vr_sql_format_ident(b, d->name);
        }
    }
    fmt_parts(b, &d->parts);
    fmt_index_opts(b, d);
}

/* 123 or 1.5: a number token, printed as is. */
static bool is_number(const char *s)
{
    bool dot = false;
    if (!*s)
        return false;
    for (; *s; s++) {
        if (*s == '.' && !dot)
            dot = true;
        else if (*s < '0' || *s > '9')
            return false;
    }
    return true;
}

void vr_sql_fmt_table_option(vr_buf_t *b, const vr_sql_table_option_t *o)
{
    vr_buf_puts(b, o->name);
    vr_buf_putc(b, ' ');
    if (o->is_string)
        vr_buf_put_sql_string(b, o->value, o->len);
    else if (is_number(o->value))
        vr_buf_append(b, o->value, o->len);
    else
        vr_sql_fmt_word(b, o->value);
}

/* ---- CREATE TABLE ---------------------------------------------------------- */

static void fmt_create_table(vr_buf_t *b, const vr_sql_stmt_t *s)
{
    const vr_sql_create_table_t *c = &s->create_table;
    const char *sep = " (\n\t";
    vr_buf_puts(b, "create ");
    vr_sql_fmt_comments(b, &s->comments);
    if (c->or_replace)
        vr_buf_puts(b, "or replace ");
    if (c->temporary)
        vr_buf_puts(b, "temporary ");
    vr_buf_puts(b, "table ");
    if (c->if_not_exists)
        vr_buf_puts(b, "if not exists ");
    vr_sql_fmt_table_name(b, &c->table);
    if (c->like.name) {
        vr_buf_puts(b, " like ");
        vr_sql_fmt_table_name(b, &c->like);
        return;
    }
    for (size_t i = 0; i < c->columns.n; i++, sep = ",\n\t") {
        vr_buf_puts(b, sep);
        vr_sql_format_column_def(b, c->columns.items[i]);
    }
    for (size_t i = 0; i < c->indexes.n; i++, sep = ",\n\t") {
        vr_buf_puts(b, sep);
        vr_sql_fmt_index_def(b, c->indexes.items[i]);
    }
    if (c->columns.n || c->indexes.n)
        vr_buf_puts(b, "\n)");
    for (size_t i = 0; i < c->options.n; i++) {
        vr_buf_puts(b, i ? ",\n  " : " ");
        vr_sql_fmt_table_option(b, c->options.items[i]);
    }
    if (c->select) {
        vr_buf_puts(b, " as ");
        vr_sql_format(b, c->select);
    }
}

/* ---- ALTER TABLE ------------------------------------------------------------- */

static void fmt_pos(vr_buf_t *b, const vr_sql_alter_action_t *a)
{
    if (a->first) {
        vr_buf_puts(b, " first");
    } else if (a->after) {
        vr_buf_puts(b, " after ");
        vr_sql_format_ident(b, a->after);
    }
}

static void fmt_kw_name(vr_buf_t *b, const char *kw,
                        const vr_sql_alter_action_t *a)
{
    vr_buf_puts(b, kw);
    if (a->if_exists)
        vr_buf_puts(b, "if exists ");
    vr_sql_format_ident(b, a->name);
}

static void fmt_add_column(vr_buf_t *b, const vr_sql_alter_action_t *a)
{
    vr_buf_puts(b, "add column ");
    if (a->columns.n != 1) {
        vr_buf_putc(b, '(');
        for (size_t i = 0; i < a->columns.n; i++) {
            if (i)
                vr_buf_puts(b, ", ");
            vr_sql_format_column_def(b, a->columns.items[i]);
        }
        vr_buf_putc(b, ')');
        return;
    }
    if (a->if_exists)
        vr_buf_puts(b, "if not exists ");
    vr_sql_format_column_def(b, a->columns.items[0]);
    fmt_pos(b, a);
}

static void fmt_change(vr_buf_t *b, const vr_sql_alter_action_t *a)
{
    bool change = a->kind == VR_SQL_ALTER_CHANGE_COLUMN;
    vr_buf_puts(b, change ? "change column " : "modify column ");
    if (a->if_exists)
        vr_buf_puts(b, "if exists ");
    if (change) {
        vr_sql_format_ident(b, a->name);
        vr_buf_putc(b, ' ');
    }
    if (a->columns.n)
        vr_sql_format_column_def(b, a->columns.items[0]);
    fmt_pos(b, a);
}

static void fmt_rename(vr_buf_t *b, const vr_sql_alter_action_t *a)
{
    if (a->kind == VR_SQL_ALTER_RENAME_TABLE) {
        vr_buf_puts(b, "rename ");
        vr_sql_fmt_table_name(b, &a->new_table);
        return;
    }
    vr_buf_puts(b, a->kind == VR_SQL_ALTER_RENAME_COLUMN ? "rename column "
                                                         : "rename index ");
    vr_sql_format_ident(b, a->name);
    vr_buf_puts(b, " to ");
    vr_sql_format_ident(b, a->new_name);
}

static void fmt_alter_default(vr_buf_t *b, const vr_sql_alter_action_t *a)
{
    fmt_kw_name(b, "alter column ", a);
    if (a->kind == VR_SQL_ALTER_DROP_DEFAULT) {
        vr_buf_puts(b, " drop default");
        return;
    }
    vr_buf_puts(b, " set default ");
    if (a->value_paren)
        fmt_paren_expr(b, a->value);
    else
        vr_sql_format_expr(b, a->value);
}

static void fmt_alter_misc(vr_buf_t *b, const vr_sql_alter_action_t *a)
{
    switch (a->kind) {
    case VR_SQL_ALTER_OPTION: vr_sql_fmt_table_option(b, a->option); break;
    case VR_SQL_ALTER_ALGORITHM:
        vr_buf_puts(b, "algorithm = ");
        vr_sql_fmt_word(b, a->word);
        break;
    case VR_SQL_ALTER_LOCK:
        vr_buf_puts(b, "lock ");
        vr_sql_fmt_word(b, a->word);
        break;
    case VR_SQL_ALTER_CONVERT:
        vr_buf_puts(b, "convert to character set ");
        vr_sql_fmt_word(b, a->charset);
        if (a->collate) {
            vr_buf_puts(b, " collate ");
            vr_sql_fmt_word(b, a->collate);
        }
        break;
    default: vr_buf_puts(b, "force"); break;
    }
}

static void fmt_alter_action(vr_buf_t *b, const vr_sql_alter_action_t *a)
{
    switch (a->kind) {
    case VR_SQL_ALTER_ADD_COLUMN: fmt_add_column(b, a); break;
    case VR_SQL_ALTER_ADD_INDEX:
        vr_buf_puts(b, "add ");
        vr_sql_fmt_index_def(b, a->index);
        break;
    case VR_SQL_ALTER_DROP_COLUMN: fmt_kw_name(b, "drop column ", a); break;
    case VR_SQL_ALTER_DROP_INDEX: fmt_kw_name(b, "drop key ", a); break;
    case VR_SQL_ALTER_DROP_PRIMARY_KEY: vr_buf_puts(b, "drop primary key"); break;
    case VR_SQL_ALTER_DROP_FOREIGN_KEY:
        fmt_kw_name(b, "drop foreign key ", a);
        break;
    case VR_SQL_ALTER_DROP_CHECK: fmt_kw_name(b, "drop check ", a); break;
    case VR_SQL_ALTER_DROP_CONSTRAINT:
        fmt_kw_name(b, "drop constraint ", a);
        break;
    case VR_SQL_ALTER_MODIFY_COLUMN:
    case VR_SQL_ALTER_CHANGE_COLUMN: fmt_change(b, a); break;
    case VR_SQL_ALTER_RENAME_COLUMN:
    case VR_SQL_ALTER_RENAME_INDEX:
    case VR_SQL_ALTER_RENAME_TABLE: fmt_rename(b, a); break;
    case VR_SQL_ALTER_SET_DEFAULT:
    case VR_SQL_ALTER_DROP_DEFAULT: fmt_alter_default(b, a); break;
    default: fmt_alter_misc(b, a); break;
    }
}

static void fmt_alter_table(vr_buf_t *b, const vr_sql_stmt_t *s)
{
    const vr_sql_alter_table_t *a = &s->alter_table;
    vr_buf_puts(b, "alter ");
    vr_sql_fmt_comments(b, &s->comments);
    vr_buf_puts(b, "table ");
    vr_sql_fmt_table_name(b, &a->table);
    for (size_t i = 0; i < a->actions.n; i++) {
        vr_buf_puts(b, i ? ", " : " ");
        fmt_alter_action(b, a->actions.items[i]);
    }
}

/* ---- the rest ------------------------------------------------------------------ */

static void fmt_names(vr_buf_t *b, const vr_sql_table_name_list_t *l)
{
    for (size_t i = 0; i < l->n; i++) {
        if (i)
            vr_buf_puts(b, ", ");
        vr_sql_fmt_table_name(b, l->items[i]);
    }
}

static void fmt_drop_table(vr_buf_t *b, const vr_sql_stmt_t *s)
{
    vr_buf_puts(b, "drop ");
    vr_sql_fmt_comments(b, &s->comments);
    if (s->drop_table.temporary)
        vr_buf_puts(b, "temporary ");
    vr_buf_puts(b, "table ");
    if (s->drop_table.if_exists)
        vr_buf_puts(b, "if exists ");
    fmt_names(b, &s->drop_table.tables);
}

static void fmt_rename_table(vr_buf_t *b, const vr_sql_stmt_t *s)
{
    vr_buf_puts(b, "rename ");
    vr_sql_fmt_comments(b, &s->comments);
    vr_buf_puts(b, "table ");
    for (size_t i = 0; i < s->rename.n; i++) {
        if (i)
            vr_buf_puts(b, ", ");
        vr_sql_fmt_table_name(b, &s->rename.items[i]->from);
        vr_buf_puts(b, " to ");
        vr_sql_fmt_table_name(b, &s->rename.items[i]->to);
    }
}

static void fmt_database(vr_buf_t *b, const vr_sql_stmt_t *s)
{
    const vr_sql_database_t *d = &s->database;
    bool create = s->kind == VR_SQL_STMT_CREATE_DATABASE;
    vr_buf_puts(b, create ? "create " : "drop ");
    vr_sql_fmt_comments(b, &s->comments);
    vr_buf_puts(b, "database ");
    if (d->if_exists)
        vr_buf_puts(b, create ? "if not exists " : "if exists ");
    vr_sql_format_ident(b, d->name);
    for (size_t i = 0; i < d->options.n; i++) {
        const vr_sql_db_option_t *o = d->options.items[i];
        vr_buf_puts(b, o->is_default ? " default " : " ");
        vr_buf_puts(b, o->name);
        vr_buf_putc(b, ' ');
        if (o->is_string)
            vr_buf_put_sql_string(b, o->value, strlen(o->value));
        else
            vr_sql_fmt_word(b, o->value);
    }
}

bool vr_sql_fmt_ddl(vr_buf_t *b, const vr_sql_stmt_t *s)
{
    switch (s->kind) {
    case VR_SQL_STMT_CREATE_TABLE: fmt_create_table(b, s); return true;
    case VR_SQL_STMT_ALTER_TABLE: fmt_alter_table(b, s); return true;
    case VR_SQL_STMT_DROP_TABLE: fmt_drop_table(b, s); return true;
    case VR_SQL_STMT_TRUNCATE:
        vr_buf_puts(b, "truncate table ");
        vr_sql_fmt_table_name(b, &s->truncate);
        return true;
    case VR_SQL_STMT_RENAME_TABLE: fmt_rename_table(b, s); return true;
    case VR_SQL_STMT_CREATE_DATABASE:
    case VR_SQL_STMT_DROP_DATABASE: fmt_database(b, s); return true;
    case VR_SQL_STMT_OTHER_DDL:
    case VR_SQL_STMT_OTHER:
        if (s->other.text)
            vr_buf_append(b, s->other.text, s->other.text_len);
        return true;
    default:
        return false;
    }
}
