/*
 * binlog_source.c - Vitess's BinlogSource in text format (the `source`
 * column of _vt.vreplication), and the `pos` column's "MariaDB/<gtid set>".
 *
 * Only the fields this engine acts on are accepted; every other field of
 * Vitess's message is refused by name, so a row written for a feature we
 * lack fails when the stream starts instead of being half applied.
 * Pure functions; any thread.
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "vplayer_int.h"

static const char *const on_ddl_names[] = {"IGNORE", "STOP", "EXEC", "EXEC_IGNORE"};

const char *vr_on_ddl_name(vr_on_ddl_t d)
{
    return (unsigned)d < VR_ARRAY_LEN(on_ddl_names) ? on_ddl_names[d] : "?";
}

/* Fields of Vitess's BinlogSource / Rule that we know but do not implement. */
static const char *const unsupported_fields[] = {
    "key_range", "tables", "external_mysql", "source_time_zone", "target_time_zone",
    "external_cluster", "table_last_pks", "convert_enum_to_text", "convert_charset",
    "source_unique_key_columns", "target_unique_key_columns", "source_unique_key_target_columns",
    "convert_int_to_enum", "field_event_mode", "workflow_type", "workflow_name", "options",
};

static vr_code_t bad_field(const pt_field_t *f, const char *where, vr_error_t *err)
{
    size_t i;
    for (i = 0; i < VR_ARRAY_LEN(unsupported_fields); i++)
        if (strcmp(f->name, unsupported_fields[i]) == 0)
            return vr_errorf(err, VR_UNSUPPORTED, "%s field %s (at position %zu) is not supported",
                             where, f->name, f->pos);
    return vr_errorf(err, VR_PARSE, "unknown %s field %s at position %zu", where, f->name, f->pos);
}

static vr_code_t want_string(const pt_field_t *f, char **dst, vr_error_t *err)
{
    if (f->kind != PT_STRING)
        return vr_errorf(err, VR_PARSE, "field %s at position %zu: expected a quoted string",
                         f->name, f->pos);
    free(*dst);
    *dst = vr_xstrndup(f->str, f->len);
    return VR_OK;
}

static vr_code_t parse_rule(vr_binlog_source_t *bs, const pt_field_t *rf, vr_error_t *err)
{
    char *match = NULL, *filter = NULL;
    size_t i;
    vr_code_t rc = VR_OK;
    if (rf->kind != PT_MESSAGE)
        return vr_errorf(err, VR_PARSE, "rules at position %zu: expected {...}", rf->pos);
    for (i = 0; i < rf->msg->n && rc == VR_OK; i++) {
        const pt_field_t *f = &rf->msg->fields[i];
        if (strcmp(f->name, "match") == 0)
            rc = want_string(f, &match, err);
        else if (strcmp(f->name, "filter") == 0)
            rc = want_string(f, &filter, err);
        else
            rc = bad_field(f, "filter rule", err);
    }
    if (rc == VR_OK && !match)
        rc = vr_errorf(err, VR_PARSE, "rule at position %zu has no match", rf->pos);
    if (rc == VR_OK)
        vr_binlog_source_add_rule(bs, match, filter ? filter : "");
    free(match);
    free(filter);
    return rc;
}

static vr_code_t parse_filter(vr_binlog_source_t *bs, const pt_field_t *ff, vr_error_t *err)
{
    size_t i;
    vr_code_t rc = VR_OK;
    if (ff->kind != PT_MESSAGE)
        return vr_errorf(err, VR_PARSE, "filter at position %zu: expected {...}", ff->pos);
    for (i = 0; i < ff->msg->n && rc == VR_OK; i++) {
        const pt_field_t *f = &ff->msg->fields[i];
        if (strcmp(f->name, "rules") == 0)
            rc = parse_rule(bs, f, err);
        else
            rc = bad_field(f, "filter", err);
    }
    return rc;
}

static vr_code_t parse_on_ddl(const pt_field_t *f, vr_on_ddl_t *d, vr_error_t *err)
{
    long long v;
    size_t i;
    if (f->kind == PT_SCALAR) {
        for (i = 0; i < VR_ARRAY_LEN(on_ddl_names); i++)
            if (strcmp(f->str, on_ddl_names[i]) == 0) {
                *d = (vr_on_ddl_t)i;
                return VR_OK;
            }
        if (vr_pt_int(f, &v) && v >= 0 && v < (long long)VR_ARRAY_LEN(on_ddl_names)) {
            *d = (vr_on_ddl_t)v;
            return VR_OK;
        }
    }
    return vr_errorf(err, VR_PARSE,
                     "on_ddl at position %zu: expected IGNORE, STOP, EXEC or EXEC_IGNORE", f->pos);
}

static vr_code_t parse_top(vr_binlog_source_t *bs, const pt_field_t *f, vr_error_t *err)
{
    if (strcmp(f->name, "keyspace") == 0)
        return want_string(f, &bs->keyspace, err);
    if (strcmp(f->name, "shard") == 0)
        return want_string(f, &bs->shard, err);
    if (strcmp(f->name, "tablet_type") == 0) {
        if (f->kind != PT_SCALAR)
            return vr_errorf(err, VR_PARSE, "tablet_type at position %zu: expected a name",
                             f->pos);
        free(bs->tablet_type);
        bs->tablet_type = vr_xstrdup(f->str);
        return VR_OK;
    }
    if (strcmp(f->name, "filter") == 0)
        return parse_filter(bs, f, err);
    if (strcmp(f->name, "on_ddl") == 0)
        return parse_on_ddl(f, &bs->on_ddl, err);
    if (strcmp(f->name, "stop_after_copy") == 0) {
        if (!vr_pt_bool(f, &bs->stop_after_copy))
            return vr_errorf(err, VR_PARSE, "stop_after_copy at position %zu: expected true "
                                            "or false", f->pos);
        return VR_OK;
    }
    return bad_field(f, "BinlogSource", err);
}

vr_code_t vr_binlog_source_parse(const char *text, vr_binlog_source_t *bs, vr_error_t *err)
{
    vr_arena_t *a = vr_arena_new(0);
    pt_msg_t *m = NULL;
    size_t i;
    vr_code_t rc;
    memset(bs, 0, sizeof(*bs));
    rc = vr_pt_parse(a, text ? text : "", text ? strlen(text) : 0, &m, err);
    for (i = 0; rc == VR_OK && i < m->n; i++)
        rc = parse_top(bs, &m->fields[i], err);
    if (rc == VR_OK && (!bs->keyspace || !*bs->keyspace))
        rc = vr_errorf(err, VR_PARSE, "no keyspace");
    if (rc == VR_OK && bs->nrules == 0)
        rc = vr_errorf(err, VR_PARSE, "no filter rules");
    if (rc != VR_OK) {
        vr_error_prefix(err, "BinlogSource");
        vr_binlog_source_free(bs);
    }
    vr_arena_free(a);
    return rc;
}

void vr_binlog_source_format(const vr_binlog_source_t *bs, vr_buf_t *b)
{
    size_t i;
    vr_buf_append(b, "", 0);
    vr_buf_puts(b, "keyspace:");
    vr_pt_put_string(b, bs->keyspace ? bs->keyspace : "", bs->keyspace ? strlen(bs->keyspace) : 0,
                     false);
    vr_buf_puts(b, " shard:");
    vr_pt_put_string(b, bs->shard ? bs->shard : "", bs->shard ? strlen(bs->shard) : 0, false);
    if (bs->tablet_type && *bs->tablet_type)
        vr_buf_printf(b, " tablet_type:%s", bs->tablet_type);
    vr_buf_puts(b, " filter:{");
    for (i = 0; i < bs->nrules; i++) {
        const vr_filter_rule_t *r = &bs->rules[i];
        vr_buf_puts(b, i ? " rules:{match:" : "rules:{match:");
        vr_pt_put_string(b, r->match, strlen(r->match), false);
        if (r->filter && *r->filter) {
            vr_buf_puts(b, " filter:");
            vr_pt_put_string(b, r->filter, strlen(r->filter), false);
        }
        vr_buf_putc(b, '}');
    }
    vr_buf_putc(b, '}');
    if (bs->on_ddl != VR_ON_DDL_IGNORE)
        vr_buf_printf(b, " on_ddl:%s", vr_on_ddl_name(bs->on_ddl));
    if (bs->stop_after_copy)
        vr_buf_puts(b, " stop_after_copy:true");
}

void vr_binlog_source_add_rule(vr_binlog_source_t *bs, const char *match, const char *filter)
{
    bs->rules = vr_xrealloc(bs->rules, (bs->nrules + 1) * sizeof(*bs->rules));
    bs->rules[bs->nrules].match = vr_xstrdup(match ? match : "");
    bs->rules[bs->nrules].filter = vr_xstrdup(filter ? filter : "");
    bs->nrules++;
}

void vr_binlog_source_free(vr_binlog_source_t *bs)
{
    size_t i;
    if (!bs)
        return;
    for (i = 0; i < bs->nrules; i++) {
        free((char *)bs->rules[i].match);
        free((char *)bs->rules[i].filter);
    }
    free(bs->rules);
    free(bs->keyspace);
    free(bs->shard);
    free(bs->tablet_type);
    memset(bs, 0, sizeof(*bs));
}

/* ---- positions -------------------------------------------------------------- */

#define POS_PREFIX "MariaDB/"

vr_code_t vr_vrepl_pos_parse(const char *text, vr_gtid_set_t *s, vr_error_t *err)
{
    const char *p = text ? text : "";
    const char *slash = strchr(p, '/');
    if (slash) {
        if ((size_t)(slash - p) != strlen(POS_PREFIX) - 1 ||
            strncasecmp(p, POS_PREFIX, strlen(POS_PREFIX)) != 0)
            return vr_errorf(err, VR_UNSUPPORTED,
                             "position '%s': only MariaDB GTID positions (MariaDB/...) are "
                             "supported", p);
        p = slash + 1;
    }
    if (vr_gtid_set_parse(s, p, err) != VR_OK)
        return vr_error_prefix(err, "position '%s'", text ? text : "");
    return VR_OK;
}

void vr_vrepl_pos_format(const vr_gtid_set_t *s, vr_buf_t *b)
{
    vr_buf_append(b, "", 0);
    if (s->n == 0)
        return;
    vr_buf_puts(b, POS_PREFIX);
    vr_gtid_set_format(s, b);
}
