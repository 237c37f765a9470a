/*
 * envelope.c - the bytes notify sends: topic names, keys and Debezium's
 * change-event envelope, as JSON without schemas (what Kafka Connect's
 * JsonConverter with schemas.enable=false produces, and what most
 * consumers of Debezium read).
 *
 * Invariants: values go through vr_value_append_json(), so a column reads
 * exactly as `vrepl vstream` prints it; fields of the envelope come in a
 * fixed order (before, after, source, op, ts_ms); the key holds the
 * primary key columns in key order, so equal keys are equal bytes (the
 * partitioner then sends one row's messages to one partition).
 *
 * Pure functions over caller buffers; any thread.  No allocation other
 * than the buffers' growth.
 */
#include <string.h>

#include "vr_notify.h"

#ifndef VR_NOTIFY_VERSION
#define VR_NOTIFY_VERSION "0.1.0"
#endif

#define TOPIC_MAX 249

static bool topic_char_ok(unsigned char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
           c == '.' || c == '_' || c == '-';
}

static void put_topic_part(vr_buf_t *b, const char *s, size_t start)
{
    for (; *s && b->len - start < TOPIC_MAX; s++)
        vr_buf_putc(b, topic_char_ok((unsigned char)*s) ? *s : '_');
}

void vr_notify_topic(vr_buf_t *b, const char *prefix, const char *keyspace, const char *table)
{
    size_t start = b->len;
    put_topic_part(b, prefix ? prefix : "", start);
    if (b->len - start < TOPIC_MAX)
        vr_buf_putc(b, '.');
    put_topic_part(b, keyspace ? keyspace : "", start);
    if (b->len - start < TOPIC_MAX)
        vr_buf_putc(b, '.');
    put_topic_part(b, table ? table : "schema-changes", start);
}

static void put_name(vr_buf_t *b, const char *name)
{
    vr_json_append_string(b, name, strlen(name));
    vr_buf_putc(b, ':');
}

static void put_str_or_null(vr_buf_t *b, const char *s)
{
    if (s && *s)
        vr_json_append_string(b, s, strlen(s));
    else
        vr_buf_puts(b, "null");
}

static bool col_present(const uint8_t *cols, uint32_t k)
{
    return !cols || ((cols[k >> 3] >> (k & 7)) & 1);
}

bool vr_notify_key_json(vr_buf_t *b, const vr_vtable_t *t, const vr_value_t *image)
{
    uint32_t i;
    if (!t->npk || !image)
        return false;
    vr_buf_putc(b, '{');
    for (i = 0; i < t->npk; i++) {
        uint32_t k = t->pk[i];
        if (i)
            vr_buf_putc(b, ',');
        put_name(b, t->fields[k].name);
        vr_value_append_json(b, &image[k]);
    }
    vr_buf_putc(b, '}');
    return true;
}

void vr_notify_image_json(vr_buf_t *b, const vr_vtable_t *t, const vr_value_t *image,
                          const uint8_t *cols)
{
    uint32_t k;
    bool first = true;
    if (!image) {
        vr_buf_puts(b, "null");
        return;
    }
    vr_buf_putc(b, '{');
    for (k = 0; k < t->nfields; k++) {
        if (!col_present(cols, k))
            continue;
        if (!first)
            vr_buf_putc(b, ',');
        first = false;
        put_name(b, t->fields[k].name);
        vr_value_append_json(b, &image[k]);
    }
    vr_buf_putc(b, '}');
}

static void put_source(vr_buf_t *b, const vr_notify_source_t *s)
{
    vr_buf_puts(b, "{\"version\":\"" VR_NOTIFY_VERSION "\",\"connector\":\"vrepl\",\"name\":");
    put_str_or_null(b, s->name);
    vr_buf_printf(b, ",\"ts_ms\":%lld,\"db\":", (long long)s->ts_ms);
    put_str_or_null(b, s->db);
    vr_buf_puts(b, ",\"table\":");
    put_str_or_null(b, s->table);
    vr_buf_puts(b, ",\"keyspace\":");
    put_str_or_null(b, s->keyspace);
    vr_buf_puts(b, ",\"shard\":");
    put_str_or_null(b, s->shard);
    vr_buf_puts(b, ",\"gtid\":");
    put_str_or_null(b, s->gtid);
    vr_buf_printf(b, ",\"server_id\":%u}", s->server_id);
}

void vr_notify_envelope_json(vr_buf_t *b, const vr_notify_source_t *src, vr_notify_op_t op,
                             const vr_vtable_t *t, const vr_vrow_t *row, int64_t now_ms)
{
    const vr_value_t *before = op == VR_NOTIFY_CREATE || op == VR_NOTIFY_READ ? NULL : row->before;
    const vr_value_t *after = op == VR_NOTIFY_DELETE ? NULL : row->after;
    vr_buf_puts(b, "{\"before\":");
    vr_notify_image_json(b, t, before, row->before_cols);
    vr_buf_puts(b, ",\"after\":");
    vr_notify_image_json(b, t, after, row->after_cols);
    vr_buf_puts(b, ",\"source\":");
    put_source(b, src);
    vr_buf_printf(b, ",\"op\":\"%c\",\"ts_ms\":%lld}", (char)op, (long long)now_ms);
}

void vr_notify_ddl_json(vr_buf_t *key, vr_buf_t *value, const vr_notify_source_t *src,
                        const char *statement, int64_t now_ms)
{
    vr_buf_puts(key, "{\"databaseName\":");
    put_str_or_null(key, src->db);
    vr_buf_putc(key, '}');
    vr_buf_puts(value, "{\"source\":");
    put_source(value, src);
    vr_buf_puts(value, ",\"databaseName\":");
    put_str_or_null(value, src->db);
    vr_buf_puts(value, ",\"ddl\":");
    vr_json_append_string(value, statement ? statement : "", statement ? strlen(statement) : 0);
    vr_buf_printf(value, ",\"ts_ms\":%lld}", (long long)now_ms);
}
