/*
 * Unit tests for sqlparser/ DDL: CREATE TABLE column definitions as the
 * workflows use them, ALTER TABLE actions, the other table and database
 * statements, and DDL kept as text (views, triggers, partial DDL) as the
 * vstreamer sees it in a binlog.
 */
#include "test_sqlparser.h"

Test(sql_ddl, create_table_columns)
{
    vr_sql_stmt_t *s = sql_parse_ok(
        "create table if not exists ks.orders (\n"
        "  id bigint(20) unsigned not null auto_increment comment 'pk',\n"
        "  name varchar(64) character set utf8mb4 collate utf8mb4_bin "
        "default '',\n"
        "  price decimal(10,2) not null default 0.00,\n"
        "  kind enum('a','b') default null,\n"
        "  ts timestamp not null default current_timestamp on update "
        "current_timestamp,\n"
        "  total int as (price * 2) stored,\n"
        "  primary key (id),\n"
        "  unique key uk_name (name),\n"
        "  key k_price (price, ts)\n"
        ") engine=InnoDB default charset=utf8mb4");
    vr_sql_create_table_t *c = &s->create_table;
    vr_sql_column_def_t *id, *name, *price, *kind, *ts, *total;
    cr_assert_eq(s->kind, VR_SQL_STMT_CREATE_TABLE);
    cr_assert(c->if_not_exists);
    cr_assert_str_eq(c->table.qualifier, "ks");
    cr_assert_eq(c->columns.n, 6);
    id = c->columns.items[0];
    name = c->columns.items[1];
    price = c->columns.items[2];
    kind = c->columns.items[3];
    ts = c->columns.items[4];
    total = c->columns.items[5];
    cr_assert_str_eq(id->name, "id");
    cr_assert_str_eq(id->type.name, "bigint");
    cr_assert_str_eq(id->type.length, "20");
    cr_assert(id->type.is_unsigned);
    cr_assert_eq(id->null, VR_SQL_NULL_NOT_NULL);
    cr_assert(id->auto_increment);
    cr_assert_str_eq(id->comment->lit.val, "pk");
    cr_assert_str_eq(name->type.charset, "utf8mb4");
    cr_assert_str_eq(name->type.collate, "utf8mb4_bin");
    cr_assert_eq(name->default_value->lit.len, 0);
    cr_assert_str_eq(price->type.scale, "2");
    cr_assert_str_eq(price->default_value->lit.val, "0.00");
    cr_assert_eq(kind->type.values.n, 2);
    cr_assert_eq(kind->default_value->lit.type, VR_SQL_LIT_NULL);
    cr_assert_str_eq(ts->default_value->func.name, "current_timestamp");
    cr_assert_str_eq(ts->on_update->func.name, "current_timestamp");
    cr_assert_eq(total->generated_kind, VR_SQL_GEN_STORED);
    cr_assert_eq(c->indexes.n, 3);
    cr_assert_eq(c->indexes.items[0]->kind, VR_SQL_INDEX_PRIMARY);
    cr_assert_eq(c->indexes.items[1]->kind, VR_SQL_INDEX_UNIQUE);
    cr_assert_str_eq(c->indexes.items[1]->name, "uk_name");
    cr_assert_eq(c->indexes.items[2]->parts.n, 2);
    cr_assert_eq(c->options.n, 2);
    cr_assert_str_eq(c->options.items[0]->name, "engine");
    cr_assert_str_eq(c->options.items[0]->value, "InnoDB");
    cr_assert_str_eq(c->options.items[1]->name, "charset");
    vr_sql_free(s);
}

Test(sql_ddl, mariadb_show_create_table_output)
{
    /* what SHOW CREATE TABLE prints on MariaDB 10.11 */
    const char *in =
        "CREATE TABLE `corder` (\n"
        "  `order_id` bigint(20) NOT NULL AUTO_INCREMENT,\n"
        "  `customer_id` bigint(20) DEFAULT NULL,\n"
        "  `sku` varbinary(128) DEFAULT NULL,\n"
        "  `price` bigint(20) DEFAULT NULL,\n"
        "  `doc` longtext CHARACTER SET utf8mb4 COLLATE utf8mb4_bin DEFAULT "
        "NULL CHECK (json_valid(`doc`)),\n"
        "  `created` datetime NOT NULL DEFAULT current_timestamp(),\n"
        "  PRIMARY KEY (`order_id`),\n"
        "  KEY `customer_id` (`customer_id`)\n"
        ") ENGINE=InnoDB AUTO_INCREMENT=7 DEFAULT CHARSET=utf8mb4 "
        "COLLATE=utf8mb4_general_ci";
    sql_check(in, "create table corder (\n"
                  "\torder_id bigint(20) not null auto_increment,\n"
                  "\tcustomer_id bigint(20) default null,\n"
                  "\tsku varbinary(128) default null,\n"
                  "\tprice bigint(20) default null,\n"
                  "\tdoc longtext character set utf8mb4 collate utf8mb4_bin "
                  "default null check (json_valid(doc)),\n"
                  "\tcreated datetime not null default current_timestamp(),\n"
                  "\tprimary key (order_id),\n"
                  "\tkey customer_id (customer_id)\n"
                  ") engine InnoDB,\n"
                  "  auto_increment 7,\n"
                  "  charset utf8mb4,\n"
                  "  collate utf8mb4_general_ci");
}

Test(sql_ddl, column_attributes_in_canonical_order)
{
    sql_check("create table t (c int comment 'x' unique on update now() "
              "auto_increment not null default 0)",
              "create table t (\n\tc int not null default 0 on update now() "
              "auto_increment comment 'x' unique\n)");
    sql_check("create table t (c int key, d int unique key, e int primary key)",
              "create table t (\n\tc int key,\n\td int unique key,\n\te int "
              "primary key\n)");
}

Test(sql_ddl, keys_and_foreign_keys)
{
    vr_sql_stmt_t *s = sql_parse_ok(
        "create table t (a int, b int, constraint fk foreign key (a, b) "
        "references p (x, y) on delete cascade on update set null, "
        "constraint ck check (a > 0), fulltext index ft (b))");
    vr_sql_index_def_t *fk = s->create_table.indexes.items[0];
    cr_assert_eq(fk->kind, VR_SQL_INDEX_FOREIGN);
    cr_assert_str_eq(fk->constraint_name, "fk");
    cr_assert_eq(fk->parts.n, 2);
    cr_assert_str_eq(fk->ref_table.name, "p");
    cr_assert_eq(fk->ref_columns.n, 2);
    cr_assert_eq(fk->on_delete, VR_SQL_FK_CASCADE);
    cr_assert_eq(fk->on_update, VR_SQL_FK_SET_NULL);
    cr_assert_eq(s->create_table.indexes.items[1]->kind, VR_SQL_INDEX_CHECK);
    cr_assert_eq(s->create_table.indexes.items[2]->kind, VR_SQL_INDEX_FULLTEXT);
    cr_assert(s->create_table.indexes.items[2]->index_word);
    vr_sql_free(s);
}

Test(sql_ddl, alter_table_actions)
{
    static const struct {
        const char *sql;
        vr_sql_alter_kind_t kind;
    } cases[] = {
        {"alter table t add column c int after b", VR_SQL_ALTER_ADD_COLUMN},
        {"alter table t add index i (c)", VR_SQL_ALTER_ADD_INDEX},
        {"alter table t drop column c", VR_SQL_ALTER_DROP_COLUMN},
        {"alter table t drop index i", VR_SQL_ALTER_DROP_INDEX},
        {"alter table t drop primary key", VR_SQL_ALTER_DROP_PRIMARY_KEY},
        {"alter table t drop foreign key f", VR_SQL_ALTER_DROP_FOREIGN_KEY},
        {"alter table t modify c bigint", VR_SQL_ALTER_MODIFY_COLUMN},
        {"alter table t change c d bigint", VR_SQL_ALTER_CHANGE_COLUMN},
        {"alter table t rename column c to d", VR_SQL_ALTER_RENAME_COLUMN},
        {"alter table t rename index i to j", VR_SQL_ALTER_RENAME_INDEX},
        {"alter table t rename to u", VR_SQL_ALTER_RENAME_TABLE},
        {"alter table t alter c set default 1", VR_SQL_ALTER_SET_DEFAULT},
        {"alter table t alter c drop default", VR_SQL_ALTER_DROP_DEFAULT},
        {"alter table t engine = InnoDB", VR_SQL_ALTER_OPTION},
        {"alter table t algorithm = inplace", VR_SQL_ALTER_ALGORITHM},
        {"alter table t lock = none", VR_SQL_ALTER_LOCK},
        {"alter table t convert to character set utf8mb4", VR_SQL_ALTER_CONVERT},
        {"alter table t force", VR_SQL_ALTER_FORCE},
        {"create index i on t (c)", VR_SQL_ALTER_ADD_INDEX},
        {"drop index i on t", VR_SQL_ALTER_DROP_INDEX},
    };
    for (size_t i = 0; i < VR_ARRAY_LEN(cases); i++) {
        vr_sql_stmt_t *s = sql_parse_ok(cases[i].sql);
        cr_expect_eq(s->kind, VR_SQL_STMT_ALTER_TABLE, "%s", cases[i].sql);
        cr_expect_str_eq(s->alter_table.table.name, "t", "%s", cases[i].sql);
        cr_expect_eq(s->alter_table.actions.n, 1, "%s", cases[i].sql);
        cr_expect_eq(s->alter_table.actions.items[0]->kind, cases[i].kind,
                     "%s", cases[i].sql);
        vr_sql_free(s);
    }
}

Test(sql_ddl, alter_table_details)
{
    vr_sql_stmt_t *s = sql_parse_ok(
        "alter table t add column c varchar(10) not null first, change b bb "
        "int after c, drop column if exists z, add unique key u (c, bb)");
    vr_sql_alter_action_list_t *a = &s->alter_table.actions;
    cr_assert_eq(a->n, 4);
    cr_assert(a->items[0]->first);
    cr_assert_str_eq(a->items[0]->columns.items[0]->name, "c");
    cr_assert_str_eq(a->items[1]->name, "b");
    cr_assert_str_eq(a->items[1]->columns.items[0]->name, "bb");
    cr_assert_str_eq(a->items[1]->after, "c");
    cr_assert(a->items[2]->if_exists);
    cr_assert_eq(a->items[3]->index->kind, VR_SQL_INDEX_UNIQUE);
    vr_sql_free(s);
}

Test(sql_ddl, drop_truncate_rename_database)
{
    vr_sql_stmt_t *s = sql_parse_ok("drop temporary table if exists a, ks.b");
    cr_assert_eq(s->kind, VR_SQL_STMT_DROP_TABLE);
    cr_assert(s->drop_table.temporary);
    cr_assert(s->drop_table.if_exists);
    cr_assert_eq(s->drop_table.tables.n, 2);
    cr_assert_str_eq(s->drop_table.tables.items[1]->qualifier, "ks");
    vr_sql_free(s);
    s = sql_parse_ok("truncate t");
    cr_assert_eq(s->kind, VR_SQL_STMT_TRUNCATE);
    cr_assert_str_eq(s->truncate.name, "t");
    vr_sql_free(s);
    s = sql_parse_ok("rename table a to b, c to d");
    cr_assert_eq(s->kind, VR_SQL_STMT_RENAME_TABLE);
    cr_assert_eq(s->rename.n, 2);
    cr_assert_str_eq(s->rename.items[1]->to.name, "d");
    vr_sql_free(s);
    s = sql_parse_ok("create schema if not exists ks default character set utf8mb4");
    cr_assert_eq(s->kind, VR_SQL_STMT_CREATE_DATABASE);
    cr_assert(s->database.if_exists);
    cr_assert_str_eq(s->database.name, "ks");
    cr_assert_eq(s->database.options.n, 1);
    vr_sql_free(s);
    s = sql_parse_ok("drop database if exists ks");
    cr_assert_eq(s->kind, VR_SQL_STMT_DROP_DATABASE);
    vr_sql_free(s);
}

Test(sql_ddl, other_ddl_keeps_text_and_tables)
{
    static const struct {
        const char *sql;
        const char *verb, *object, *table;
        bool partial;
    } cases[] = {
        {"create view v as select * from t", "create", "view", "v", false},
        {"create or replace definer=`root`@`localhost` sql security invoker "
         "view ks.v as select 1",
         "create", "view", "v", false},
        {"alter view v as select 2", "alter", "view", "v", false},
        {"drop view if exists v1, v2", "drop", "view", "v1", false},
        {"create trigger tr before insert on orders for each row set "
         "new.a = 1",
         "create", "trigger", "orders", false},
        {"create procedure p() begin select 1; select 2; end", "create",
         "procedure", NULL, false},
        {"drop procedure if exists p", "drop", "procedure", NULL, false},
        {"create user u identified by 'x'", "create", "user", NULL, false},
        {"alter database d character set utf8mb4", "alter", "database", NULL,
         false},
        {"create table t (id int) partition by hash(id) partitions 4",
         "create", "table", "t", true},
        {"alter table t add column c int, partition by key() partitions 2",
         "alter", "table", "t", true},
    };
    for (size_t i = 0; i < VR_ARRAY_LEN(cases); i++) {
        vr_sql_stmt_t *s = sql_parse_ok(cases[i].sql);
        char *o;
        cr_expect_eq(s->kind, VR_SQL_STMT_OTHER_DDL, "%s", cases[i].sql);
        cr_expect_str_eq(s->other.verb, cases[i].verb, "%s", cases[i].sql);
        if (cases[i].object)
            cr_expect_str_eq(s->other.object, cases[i].object, "%s",
                             cases[i].sql);
        if (cases[i].table) {
            cr_expect_geq(s->other.tables.n, 1, "%s", cases[i].sql);
            if (s->other.tables.n)
                cr_expect_str_eq(s->other.tables.items[0]->name,
                                 cases[i].table, "%s", cases[i].sql);
        } else {
            cr_expect_eq(s->other.tables.n, 0, "%s", cases[i].sql);
        }
        cr_expect_eq(s->other.partial, cases[i].partial, "%s", cases[i].sql);
        o = sql_fmt(s);
        cr_expect_str_eq(o, cases[i].sql); /* verbatim */
        free(o);
        vr_sql_free(s);
    }
    sql_check("create view v as select 1;  ", "create view v as select 1");
}

Test(sql_ddl, create_index_becomes_alter)
{
    sql_check("create unique index ux using btree on t (a, b(10) desc)",
              "alter table t add unique index ux (a, b(10) desc) using btree");
    sql_check("drop index `PRIMARY` on t", "alter table t drop primary key");
}
