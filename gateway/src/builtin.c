/*
 * builtin.c - the built-in handler: answers what clients ask right after
 * connecting (the mariadb CLI's `select @@version_comment limit 1`,
 * Connector/J's variable probes, SET NAMES / SET autocommit, show warnings,
 * select 1 as a ping) without any backend.  Tests use it on its own; the
 * planner can call vr_gw_builtin_answer() before planning.
 *
 * It recognises statements by their shape (keywords, case-insensitive,
 * any white space), not with the SQL parser: this is a probe responder,
 * and it only ever answers the few forms listed here.  Stateless apart
 * from the session's status bits: any thread.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "gw_int.h"

typedef struct word_cursor {
    const char *p;
    const char *end;
} word_cursor_t;

static void skip_space(word_cursor_t *c)
{
    while (c->p < c->end && (isspace((unsigned char)*c->p) || *c->p == ';'))
        c->p++;
}

/* Consume keyword kw (case-insensitive, whole word). */
static bool eat(word_cursor_t *c, const char *kw)
{
    size_t n = strlen(kw);
    skip_space(c);
    if ((size_t)(c->end - c->p) < n || strncasecmp(c->p, kw, n) != 0)
        return false;
    if (c->p + n < c->end && (isalnum((unsigned char)c->p[n]) || c->p[n] == '_'))
        return false;
    c->p += n;
    return true;
}

static bool at_end(word_cursor_t *c)
{
    skip_space(c);
    return c->p >= c->end;
}

/* ---- variables ---- */

static const char *var_value(vr_gw_session_t *s, const char *name, char *buf, size_t n)
{
    static const struct {
        const char *name;
        const char *value;
    } fixed[] = {
        {"version_comment", "vrepl gateway"},
        {"version", VR_GW_SERVER_VERSION},
        {"auto_increment_increment", "1"},
        {"character_set_client", "utf8mb4"},
        {"character_set_connection", "utf8mb4"},
        {"character_set_results", "utf8mb4"},
        {"character_set_server", "utf8mb4"},
        {"collation_connection", "utf8mb4_general_ci"},
        {"collation_server", "utf8mb4_general_ci"},
        {"transaction_isolation", "REPEATABLE-READ"},
        {"tx_isolation", "REPEATABLE-READ"},
        {"tx_read_only", "0"},
        {"transaction_read_only", "0"},
        {"time_zone", "SYSTEM"},
        {"system_time_zone", "UTC"},
        {"lower_case_table_names", "0"},
        {"wait_timeout", "28800"},
        {"interactive_timeout", "28800"},
        {"net_write_timeout", "60"},
        {"sql_mode", "STRICT_TRANS_TABLES,ERROR_FOR_DIVISION_BY_ZERO,NO_AUTO_CREATE_USER,"
                     "NO_ENGINE_SUBSTITUTION"},
        {"license", "GPL"},
        {"query_cache_size", "0"},
        {"query_cache_type", "OFF"},
        {"performance_schema", "0"},
    };
    size_t i;
    if (strcasecmp(name, "max_allowed_packet") == 0) {
        snprintf(buf, n, "%zu", s->srv->max_packet);
        return buf;
    }
    if (strcasecmp(name, "autocommit") == 0)
        return (s->status & VR_GW_STATUS_AUTOCOMMIT) ? "1" : "0";
    if (strcasecmp(name, "in_transaction") == 0)
        return (s->status & VR_GW_STATUS_IN_TRANS) ? "1" : "0";
    for (i = 0; i < VR_ARRAY_LEN(fixed); i++)
        if (strcasecmp(name, fixed[i].name) == 0)
            return fixed[i].value;
    return NULL;
}

static bool is_integer_text(const char *s)
{
    if (*s == '-')
        s++;
    if (!*s)
        return false;
    for (; *s; s++)
        if (!isdigit((unsigned char)*s))
            return false;
    return true;
}

/* One select-list item: its value (NULL for SQL NULL) and column; false
 * when it is not something we answer. */
static bool item_value(vr_gw_session_t *s, const char *item, vr_gw_column_t *col,
                       const char **val, char *buf, size_t n)
{
    const char *name = item;
    *col = vr_gw_column_text(item);
    if (strncmp(item, "@@", 2) == 0) {
        name += 2;
        if (strncasecmp(name, "session.", 8) == 0)
            name += 8;
        else if (strncasecmp(name, "global.", 7) == 0)
            name += 7;
        *val = var_value(s, name, buf, n);
        if (*val && is_integer_text(*val))
            *col = vr_gw_column_int(item);
        return *val != NULL;
    }
    if (strcasecmp(item, "database()") == 0 || strcasecmp(item, "schema()") == 0) {
        *val = s->db;
        return true;
    }
    if (strcasecmp(item, "version()") == 0) {
        *val = VR_GW_SERVER_VERSION;
        return true;
    }
    if (strcasecmp(item, "connection_id()") == 0) {
        snprintf(buf, n, "%u", s->id);
        *val = buf;
        *col = vr_gw_column_int(item);
        return true;
    }
    if (strcasecmp(item, "user()") == 0 || strcasecmp(item, "current_user()") == 0) {
        snprintf(buf, n, "%s@%s", vr_gw_session_user(s),
                 tolower((unsigned char)item[0]) == 'u' ? s->peer : "%");
        *val = buf;
        return true;
    }
    if (is_integer_text(item) && strlen(item) < 19) {
        *val = item;
        *col = vr_gw_column_int(item);
        col->flags |= VR_GW_FLAG_NOT_NULL;
        return true;
    }
    return false;
}

/* Split "a, b, c [limit N]" into items (in the arena). */
static size_t select_items(vr_gw_session_t *s, word_cursor_t *c, char **items, size_t max)
{
    size_t n = 0;
    const char *st;
    for (;;) {
        skip_space(c);
        st = c->p;
        while (c->p < c->end && *c->p != ',' && !isspace((unsigned char)*c->p) && *c->p != ';')
            c->p++;
        if (c->p == st || n == max)
            return 0;
        items[n++] = vr_arena_strndup(s->arena, st, (size_t)(c->p - st));
        skip_space(c);
        if (c->p < c->end && *c->p == ',') {
            c->p++;
            continue;
        }
        if (eat(c, "limit")) {
            skip_space(c);
            while (c->p < c->end && isdigit((unsigned char)*c->p))
                c->p++;
        }
        return at_end(c) ? n : 0;
    }
}

static bool answer_select(vr_gw_session_t *s, word_cursor_t *c, vr_gw_result_t *r)
{
    char *items[16];
    vr_gw_column_t cols[16];
    const char *vals[16];
    char bufs[16][96];
    size_t n = select_items(s, c, items, 16), i;

    if (n == 0)
        return false;
    for (i = 0; i < n; i++)
        if (!item_value(s, items[i], &cols[i], &vals[i], bufs[i], sizeof(bufs[i])))
            return false;
    if (vr_gw_result_columns(r, cols, n) == VR_OK && vr_gw_result_row(r, vals, NULL) == VR_OK)
        vr_gw_result_end(r, 0);
    return true;
}

static bool answer_set(vr_gw_session_t *s, word_cursor_t *c, vr_gw_result_t *r)
{
    const char *p;
    bool on;
    eat(c, "session");
    skip_space(c);
    if (c->end - c->p > 10 && strncasecmp(c->p, "@@session.", 10) == 0)
        c->p += 10;
    else if (c->end - c->p > 2 && strncmp(c->p, "@@", 2) == 0)
        c->p += 2;
    if (eat(c, "autocommit")) {
        skip_space(c);
        if (c->p < c->end && *c->p == '=')
            c->p++;
        skip_space(c);
        p = c->p;
        on = eat(c, "1") || eat(c, "on") || eat(c, "true");
        if (!on && !(eat(c, "0") || eat(c, "off") || eat(c, "false"))) {
            vr_gw_result_error(r, 1231, "42000",
                               "Variable 'autocommit' can't be set to the value of '%.*s'",
                               (int)(c->end - p > 32 ? 32 : c->end - p), p);
            return true;
        }
        vr_gw_session_set_status(s, VR_GW_STATUS_AUTOCOMMIT,
                                 on ? VR_GW_STATUS_AUTOCOMMIT : 0);
    }
    /* SET NAMES, SET character_set_*, SET sql_mode...: accepted */
    vr_gw_result_ok(r, 0, 0, 0, NULL);
    return true;
}

static bool answer_show_warnings(vr_gw_result_t *r)
{
    vr_gw_column_t cols[3];
    cols[0] = vr_gw_column_text("Level");
    cols[1] = vr_gw_column_int("Code");
    cols[1].type = VR_GW_TYPE_LONG;
    cols[1].flags |= VR_GW_FLAG_UNSIGNED | VR_GW_FLAG_NOT_NULL;
    cols[2] = vr_gw_column_text("Message");
    if (vr_gw_result_columns(r, cols, 3) == VR_OK)
        vr_gw_result_end(r, 0);
    return true;
}

static bool answer_transaction(vr_gw_session_t *s, word_cursor_t *c, vr_gw_result_t *r)
{
    if (eat(c, "begin") || (eat(c, "start") && eat(c, "transaction"))) {
        if (!at_end(c) && !eat(c, "work"))
            return false;
        vr_gw_session_set_status(s, VR_GW_STATUS_IN_TRANS, VR_GW_STATUS_IN_TRANS);
    } else if (eat(c, "commit") || eat(c, "rollback")) {
        eat(c, "work");
        if (!at_end(c))
            return false;
        vr_gw_session_set_status(s, VR_GW_STATUS_IN_TRANS, 0);
    } else {
        return false;
    }
    vr_gw_result_ok(r, 0, 0, 0, NULL);
    return true;
}

bool vr_gw_builtin_answer(vr_gw_session_t *s, const char *sql, size_t len, vr_gw_result_t *r)
{
    word_cursor_t c = {sql, sql + len};
    word_cursor_t t = c;

    if (eat(&c, "select"))
        return answer_select(s, &c, r);
    if (eat(&c, "set"))
        return answer_set(s, &c, r);
    if (eat(&c, "show")) {
        if ((eat(&c, "warnings") || eat(&c, "errors")) && at_end(&c))
            return answer_show_warnings(r);
        return false;
    }
    return answer_transaction(s, &t, r);
}

static vr_code_t builtin_on_query(void *ctx, vr_gw_session_t *s, const char *sql, size_t len,
                                  vr_gw_result_t *r, vr_error_t *err)
{
    (void)ctx;
    (void)err;
    if (!vr_gw_builtin_answer(s, sql, len, r))
        vr_gw_result_error(r, VR_GW_ER_NOT_SUPPORTED_YET, "42000",
                           "vrepl gateway: the built-in handler does not answer '%.80s'", sql);
    return VR_OK;
}

const vr_gw_handler_t vr_gw_builtin_handler = {
    .ctx = NULL,
    .on_query = builtin_on_query,
};
