/*
 * plan_session.c - session variables a client sets that change what the
 * shards answer (`set time_zone = ...`, `set names latin1`, sql_mode,
 * ...).  The session keeps them by name and sends them, as one `set`
 * statement, to each shard connection it uses before the connection's
 * first statement after a change.  A connection that carried them is
 * closed at the session's end (or COM_RESET_CONNECTION), never pooled
 * for another session.
 *
 * Variables outside the list (sql_notes, net_write_timeout, ...) are
 * acknowledged and not sent, as before; user variables (@x) are not
 * sent either; SET GLOBAL is refused.  `set autocommit = 1` inside a
 * transaction commits it first, as MySQL does.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "plan_int.h"

/* Sent to the shards: what changes results, conversions or checks. */
static const char *const forwarded[] = {
    "time_zone", "sql_mode", "character_set_client", "character_set_connection",
    "character_set_results", "collation_connection", "foreign_key_checks", "unique_checks",
    "sql_safe_updates", "sql_select_limit", "transaction_isolation", "tx_isolation",
    "group_concat_max_len", "div_precision_increment", "sql_auto_is_null", "lc_time_names",
    "default_week_format", "max_statement_time", "transaction_read_only", "tx_read_only",
    "sql_big_selects", "max_join_size", "optimizer_switch",
};

static bool is_forwarded(const char *name)
{
    size_t i;
    for (i = 0; i < VR_ARRAY_LEN(forwarded); i++)
        if (strcasecmp(name, forwarded[i]) == 0)
            return true;
    return false;
}

/* Keep name = value (value NULL: remove). */
static void keep(pl_sess_t *s, const char *name, const char *value)
{
    size_t i;
    for (i = 0; i < s->nvars; i++)
        if (strcasecmp(s->vars[i].name, name) == 0)
            break;
    if (i == s->nvars) {
        s->vars = vr_xrealloc(s->vars, (s->nvars + 1) * sizeof(*s->vars));
        char *low = vr_xstrdup(name), *p;
        for (p = low; *p; p++)
            *p = (char)tolower((unsigned char)*p);
        s->vars[s->nvars].name = low;
        s->vars[s->nvars++].value = NULL;
    }
    free(s->vars[i].value);
    s->vars[i].value = vr_xstrdup(value);
}

static void rebuild(pl_sess_t *s)
{
    vr_buf_t b = VR_BUF_INIT;
    size_t i;
    for (i = 0; i < s->nvars; i++) {
        vr_buf_puts(&b, i ? ", " : "set ");
        if (strcmp(s->vars[i].name, "names") == 0) {
            vr_buf_puts(&b, s->vars[i].value);
        } else {
            vr_buf_puts(&b, "session ");
            vr_buf_puts(&b, s->vars[i].name);
            vr_buf_puts(&b, " = ");
            vr_buf_puts(&b, s->vars[i].value);
        }
    }
    free(s->vars_sql);
    s->vars_sql = b.data; /* NULL when there are none */
    s->vars_ver++;
}

/* 1, on, true (`on` parses as the string 'on') */
static bool turns_on(const vr_sql_expr_t *value)
{
    vr_buf_t b = VR_BUF_INIT;
    bool on;
    vr_sql_format_expr(&b, value);
    on = b.data && (strcmp(b.data, "1") == 0 || strcasecmp(b.data, "'on'") == 0 ||
                    strcasecmp(b.data, "on") == 0 || strcasecmp(b.data, "true") == 0);
    vr_buf_free(&b);
    return on;
}

static bool starts_with_set(const char *sql, size_t len)
{
    size_t i = 0;
    while (i < len && (sql[i] == ' ' || sql[i] == '\t' || sql[i] == '\n' || sql[i] == '\r'))
        i++;
    return len - i > 4 && strncasecmp(sql + i, "set", 3) == 0 &&
           (sql[i + 3] == ' ' || sql[i + 3] == '\t' || sql[i + 3] == '\n' || sql[i + 3] == '@');
}

vr_code_t pl_session_set(pl_sess_t *s, const char *sql, size_t len, vr_error_t *err)
{
    vr_sql_stmt_t *st = NULL;
    bool changed = false;
    size_t i;

    if (!starts_with_set(sql, len))
        return VR_OK;
    if (vr_sql_parse_arena(vr_gw_session_arena(s->gs), sql, len, &st, NULL) != VR_OK ||
        st->kind != VR_SQL_STMT_SET)
        return VR_OK; /* the built-in handler answers what it knows */
    for (i = 0; i < st->set.n; i++) {
        const vr_sql_set_expr_t *x = st->set.items[i];
        vr_buf_t v = VR_BUF_INIT;
        if (x->kind == VR_SQL_SET_NAMES || x->kind == VR_SQL_SET_CHARSET) {
            if (x->kind == VR_SQL_SET_NAMES)
                vr_buf_printf(&v, "names %s", x->charset ? x->charset : "default");
            else
                vr_buf_printf(&v, "character set %s", x->charset ? x->charset : "default");
            if (x->collate)
                vr_buf_printf(&v, " collate %s", x->collate);
            keep(s, "names", v.data);
            changed = true;
        } else if (x->kind == VR_SQL_SET_VAR && x->var && x->var->kind == VR_SQL_EXPR_VAR) {
            if (x->var->var.scope == VR_SQL_VAR_GLOBAL) {
                vr_buf_free(&v);
                return vr_error_mysql(err, VR_GW_ER_NOT_SUPPORTED_YET, false,
                                      "unsupported: set global %s through the gateway (set it on "
                                      "each tablet: vrepl mysql)", x->var->var.name);
            }
            if (x->var->var.scope != VR_SQL_VAR_USER && x->value && s->in_txn &&
                strcasecmp(x->var->var.name, "autocommit") == 0 && turns_on(x->value)) {
                /* MySQL commits the open transaction when autocommit comes
                 * back on; the built-in handler records the flag */
                vr_buf_free(&v);
                if (pl_txn_end(s, true, err) != VR_OK)
                    return err->code;
                continue;
            }
            if (x->var->var.scope != VR_SQL_VAR_USER && is_forwarded(x->var->var.name) &&
                x->value) {
                vr_sql_format_expr(&v, x->value);
                keep(s, x->var->var.name, v.data);
                changed = true;
            }
        } else if (x->kind == VR_SQL_SET_TRANSACTION && x->scope == VR_SQL_VAR_GLOBAL) {
            vr_buf_free(&v);
            return vr_error_mysql(err, VR_GW_ER_NOT_SUPPORTED_YET, false,
                                  "unsupported: set global transaction through the gateway");
        }
        vr_buf_free(&v);
    }
    if (changed)
        rebuild(s);
    return VR_OK;
}

vr_code_t pl_session_apply(pl_sess_t *s, pl_conn_t *c, vr_error_t *err)
{
    (void)err;
    if (c->vars_ver == s->vars_ver)
        return VR_OK;
    if (s->vars_sql) {
        if (mysql_query(c->m, s->vars_sql) != 0)
            return VR_MYSQL; /* the caller reports the shard's error */
        c->vars_dirty = true;
    }
    c->vars_ver = s->vars_ver;
    return VR_OK;
}

bool pl_session_mentions(const pl_sess_t *s, const char *sql, size_t len)
{
    char low[512];
    size_t i, n = len < sizeof(low) - 1 ? len : sizeof(low) - 1;
    if (!s->nvars || starts_with_set(sql, len))
        return false;
    for (i = 0; i < n; i++)
        low[i] = (char)tolower((unsigned char)sql[i]);
    low[n] = '\0';
    for (i = 0; i < s->nvars; i++)
        if (strstr(low, strcmp(s->vars[i].name, "names") == 0 ? "character_set" : s->vars[i].name))
            return true;
    return false;
}

void pl_session_vars_free(pl_sess_t *s)
{
    size_t i;
    for (i = 0; i < s->nvars; i++) {
        free(s->vars[i].name);
        free(s->vars[i].value);
    }
    free(s->vars);
    free(s->vars_sql);
    s->vars = NULL;
    s->vars_sql = NULL;
    s->nvars = 0;
}
