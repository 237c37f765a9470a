/*
 * serve_http.c - the status page of `vrepl serve` (libmicrohttpd, one
 * internal thread):
 *
 *   /debug/status  HTML: the server, the gateway's counters, the
 *                  topology (keyspaces, shards, tablets), every
 *                  vreplication stream with its state, lag and position,
 *                  and the notify workflows
 *   /debug/vars    the same as one JSON document
 *   /healthz       "ok"
 *
 * Everything is read when a page is asked for: the topology from its own
 * handle (used on the HTTP thread only), the streams from each primary's
 * _vt.vreplication (a primary that does not answer within 2 s is shown
 * with its error, and the page is still served).
 */
#include <jansson.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "vr_cluster.h"
#include "vr_common.h"
#include "vr_gateway.h"
#include "vr_notify.h"
#include "vr_topo.h"
#include "vr_vplayer.h"

struct vr_serve_http {
    struct MHD_Daemon *d;
    vr_topo_t *topo;
    vr_gw_server_t *gw;
    int64_t started;
    int port;
};

static json_t *gateway_json(vr_serve_http_t *h)
{
    vr_gw_stats_t st;
    if (!h->gw)
        return json_null();
    vr_gw_server_stats(h->gw, &st);
    return json_pack("{s:i, s:I, s:I, s:I, s:I, s:I, s:I}", "port", vr_gw_server_port(h->gw),
                     "connections", (json_int_t)st.connections, "sessions_open",
                     (json_int_t)st.sessions_open, "questions", (json_int_t)st.questions,
                     "auth_failures", (json_int_t)st.auth_failures, "protocol_errors",
                     (json_int_t)st.protocol_errors, "aborted_clients",
                     (json_int_t)st.aborted_clients);
}

/* The streams of one primary, appended to arr. */
static void streams_of(const vr_tablet_t *t, json_t *arr)
{
    vr_vrepl_row_t *rows = NULL;
    size_t n = 0, i;
    vr_error_t err;
    MYSQL *c;

    vr_error_clear(&err);
    if (!(c = vr_tablet_connect(t, NULL, &err))) {
        json_array_append_new(arr, json_pack("{s:s, s:s, s:s, s:s}", "keyspace", t->keyspace,
                                             "shard", t->shard, "tablet", t->alias, "error",
                                             err.msg));
        return;
    }
    if (vr_vrepl_list(c, NULL, &rows, &n, &err) != VR_OK && err.mysql_errno != 1146 &&
        err.mysql_errno != 1049)
        json_array_append_new(arr, json_pack("{s:s, s:s, s:s, s:s}", "keyspace", t->keyspace,
                                             "shard", t->shard, "tablet", t->alias, "error",
                                             err.msg));
    mysql_close(c);
    for (i = 0; i < n; i++) {
        const vr_vrepl_row_t *r = &rows[i];
        json_array_append_new(
            arr, json_pack("{s:s, s:s, s:s, s:I, s:s, s:s, s:I, s:I, s:s, s:s, s:s}", "keyspace",
                           t->keyspace, "shard", t->shard, "tablet", t->alias, "id",
                           (json_int_t)r->id, "workflow", r->workflow ? r->workflow : "", "state",
                           vr_vrepl_state_name(r->state), "lag_seconds",
                           (json_int_t)vr_vrepl_row_lag(r, (int64_t)time(NULL)), "rows_copied",
                           (json_int_t)r->rows_copied, "pos", r->pos ? r->pos : "", "source",
                           r->source ? r->source : "", "message", r->message ? r->message : ""));
    }
    vr_vrepl_rows_free(rows, n);
}

static json_t *vars_json(vr_serve_http_t *h)
{
    json_t *root = json_object(), *kss = json_array(), *streams = json_array(),
           *notify = json_array();
    char **names = NULL, **shards = NULL;
    size_t nks = 0, nsh = 0, i, j, k;
    vr_error_t err;

    json_object_set_new(root, "pid", json_integer(getpid()));
    json_object_set_new(root, "uptime_seconds", json_integer(time(NULL) - h->started));
    json_object_set_new(root, "gateway", gateway_json(h));
    if (vr_topo_list_keyspaces(h->topo, &names, &nks, &err) != VR_OK)
        json_object_set_new(root, "topology_error", json_string(err.msg));
    for (i = 0; i < nks; i++) {
        json_t *ks = json_pack("{s:s, s:[]}", "name", names[i], "shards");
        if (vr_topo_list_shards(h->topo, names[i], &shards, &nsh, &err) != VR_OK)
            nsh = 0;
        for (j = 0; j < nsh; j++) {
            vr_tablet_t *tabs = NULL;
            size_t nt = 0;
            json_t *sh = json_pack("{s:s, s:[]}", "name", shards[j], "tablets");
            if (vr_topo_list_tablets(h->topo, names[i], shards[j], &tabs, &nt, &err) != VR_OK)
                nt = 0;
            for (k = 0; k < nt; k++) {
                json_array_append_new(json_object_get(sh, "tablets"),
                                      json_pack("{s:s, s:s, s:s, s:i, s:s}", "alias", tabs[k].alias,
                                                "type", vr_tablet_type_name(tabs[k].type), "host",
                                                tabs[k].host, "port", tabs[k].port, "state",
                                                tabs[k].state));
                if (tabs[k].type == VR_TABLET_PRIMARY)
                    streams_of(&tabs[k], streams);
            }
            free(tabs);
            json_array_append_new(json_object_get(ks, "shards"), sh);
        }
        vr_topo_strv_free(shards, nsh);
        shards = NULL;
        json_array_append_new(kss, ks);
    }
    vr_topo_strv_free(names, nks);
    names = NULL;
    if (vr_notify_list(h->topo, &names, &nks, &err) != VR_OK)
        nks = 0;
    for (i = 0; i < nks; i++) {
        vr_buf_t b = VR_BUF_INIT;
        json_t *one = NULL;
        if (vr_notify_show_json(h->topo, names[i], 10, &b, &err) == VR_OK)
            one = json_loads(b.data, 0, NULL);
        json_array_append_new(notify, one ? one : json_pack("{s:s}", "name", names[i]));
        vr_buf_free(&b);
    }
    vr_topo_strv_free(names, nks);
    json_object_set_new(root, "keyspaces", kss);
    json_object_set_new(root, "vreplication", streams);
    json_object_set_new(root, "notify", notify);
    return root;
}

static void html_text(vr_buf_t *b, const char *s)
{
    for (; s && *s; s++) {
        switch (*s) {
        case '<': vr_buf_puts(b, "&lt;"); break;
        case '>': vr_buf_puts(b, "&gt;"); break;
        case '&': vr_buf_puts(b, "&amp;"); break;
        case '"': vr_buf_puts(b, "&quot;"); break;
        default: vr_buf_putc(b, *s);
        }
    }
}

/* A table of the objects of arr, one column per key. */
static void html_table(vr_buf_t *b, json_t *arr, const char *const *keys, size_t nkeys)
{
    size_t i, k;
    json_t *row;
    vr_buf_puts(b, "<table><tr>");
    for (k = 0; k < nkeys; k++) {
        vr_buf_puts(b, "<th>");
        html_text(b, keys[k]);
        vr_buf_puts(b, "</th>");
    }
    vr_buf_puts(b, "</tr>\n");
    json_array_foreach(arr, i, row)
    {
        vr_buf_puts(b, "<tr>");
        for (k = 0; k < nkeys; k++) {
            json_t *v = json_object_get(row, keys[k]);
            char num[32];
            vr_buf_puts(b, "<td>");
            if (json_is_string(v))
                html_text(b, json_string_value(v));
            else if (json_is_integer(v)) {
                snprintf(num, sizeof(num), "%lld", (long long)json_integer_value(v));
                vr_buf_puts(b, num);
            }
            vr_buf_puts(b, "</td>");
        }
        vr_buf_puts(b, "</tr>\n");
    }
    vr_buf_puts(b, "</table>\n");
}

static void status_html(vr_serve_http_t *h, vr_buf_t *b)
{
    static const char *const tab_keys[] = {"keyspace", "shard", "alias", "type", "port", "state"};
    static const char *const vr_keys[] = {"keyspace", "shard", "id", "workflow", "state",
                                          "lag_seconds", "rows_copied", "pos", "message", "source",
                                          "error"};
    static const char *const gw_keys[] = {"port", "connections", "sessions_open", "questions",
                                          "auth_failures", "protocol_errors", "aborted_clients"};
    json_t *v = vars_json(h), *tablets = json_array(), *ks, *sh, *t, *gw = json_array(), *n;
    size_t i, j, k;
    char *nj;

    json_array_foreach(json_object_get(v, "keyspaces"), i, ks)
    {
        json_array_foreach(json_object_get(ks, "shards"), j, sh)
        {
            json_array_foreach(json_object_get(sh, "tablets"), k, t)
            {
                json_t *row = json_deep_copy(t);
                json_object_set(row, "keyspace", json_object_get(ks, "name"));
                json_object_set(row, "shard", json_object_get(sh, "name"));
                json_array_append_new(tablets, row);
            }
        }
    }
    vr_buf_printf(b, "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>vrepl serve"
                     "</title><style>body{font-family:sans-serif} table{border-collapse:collapse}"
                     " td,th{border:1px solid #ccc;padding:2px 6px;font-size:small}</style>"
                     "</head><body>\n<h1>vrepl serve</h1>\n<p>pid %lld, up %lld s</p>\n",
                  (long long)json_integer_value(json_object_get(v, "pid")),
                  (long long)json_integer_value(json_object_get(v, "uptime_seconds")));
    vr_buf_puts(b, "<h2>Gateway</h2>\n");
    if (json_is_object(json_object_get(v, "gateway")))
        json_array_append(gw, json_object_get(v, "gateway"));
    html_table(b, gw, gw_keys, VR_ARRAY_LEN(gw_keys));
    vr_buf_puts(b, "<h2>VReplication streams</h2>\n");
    html_table(b, json_object_get(v, "vreplication"), vr_keys, VR_ARRAY_LEN(vr_keys));
    vr_buf_puts(b, "<h2>Notify workflows</h2>\n<pre>");
    n = json_object_get(v, "notify");
    nj = json_dumps(n, JSON_INDENT(2));
    html_text(b, nj);
    free(nj);
    vr_buf_puts(b, "</pre>\n<h2>Tablets</h2>\n");
    html_table(b, tablets, tab_keys, VR_ARRAY_LEN(tab_keys));
    vr_buf_puts(b, "<p><a href=\"/debug/vars\">/debug/vars</a> (JSON)</p>\n</body></html>\n");
    json_decref(gw);
    json_decref(tablets);
    json_decref(v);
}

static enum MHD_Result reply(struct MHD_Connection *c, unsigned code, const char *type,
                             const char *body, size_t len)
{
    struct MHD_Response *r =
        MHD_create_response_from_buffer(len, (void *)body, MHD_RESPMEM_MUST_COPY);
    enum MHD_Result ret;
    MHD_add_response_header(r, "Content-Type", type);
    ret = MHD_queue_response(c, code, r);
    MHD_destroy_response(r);
    return ret;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *c, const char *url,
                                  const char *method, const char *version, const char *upload,
                                  size_t *upload_size, void **state)
{
    vr_serve_http_t *h = cls;
    vr_buf_t b = VR_BUF_INIT;
    enum MHD_Result ret;
    (void)version;
    (void)upload;
    (void)upload_size;
    (void)state;
    if (strcmp(method, "GET") != 0 && strcmp(method, "HEAD") != 0)
        return reply(c, MHD_HTTP_METHOD_NOT_ALLOWED, "text/plain", "GET only\n", 9);
    if (strcmp(url, "/healthz") == 0)
        return reply(c, MHD_HTTP_OK, "text/plain", "ok\n", 3);
    if (strcmp(url, "/debug/vars") == 0) {
        json_t *v = vars_json(h);
        char *s = json_dumps(v, JSON_INDENT(2));
        ret = reply(c, MHD_HTTP_OK, "application/json", s, strlen(s));
        free(s);
        json_decref(v);
        return ret;
    }
    if (strcmp(url, "/") == 0 || strcmp(url, "/debug/status") == 0) {
        status_html(h, &b);
        ret = reply(c, MHD_HTTP_OK, "text/html; charset=utf-8", b.data, b.len);
        vr_buf_free(&b);
        return ret;
    }
    vr_buf_printf(&b, "no page %s: try /debug/status, /debug/vars or /healthz\n", url);
    ret = reply(c, MHD_HTTP_NOT_FOUND, "text/plain", b.data, b.len);
    vr_buf_free(&b);
    return ret;
}

vr_code_t vr_serve_http_start(const char *host, int port, const char *topo_path,
                              vr_gw_server_t *gw, vr_serve_http_t **out, vr_error_t *err)
{
    vr_serve_http_t *h = vr_xcalloc(1, sizeof(*h));
    struct sockaddr_in sa;
    const union MHD_DaemonInfo *info;
    vr_code_t rc;

    memset(&sa, 0, sizeof(sa));
    sa.sin_family = AF_INET;
    sa.sin_port = htons((uint16_t)port);
    if (inet_pton(AF_INET, host ? host : "127.0.0.1", &sa.sin_addr) != 1) {
        free(h);
        return vr_errorf(err, VR_INVALID, "status page: bad IPv4 address %s", host);
    }
    if ((rc = vr_topo_open(topo_path, &h->topo, err)) != VR_OK) {
        free(h);
        return rc;
    }
    h->gw = gw;
    h->started = (int64_t)time(NULL);
    h->d = MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD, (uint16_t)port, NULL, NULL,
                            on_request, h, MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&sa,
                            MHD_OPTION_CONNECTION_TIMEOUT, 10u, MHD_OPTION_END);
    if (!h->d) {
        vr_topo_close(h->topo);
        free(h);
        return vr_errorf(err, VR_IO, "status page: cannot listen on %s:%d (port taken?)",
                         host ? host : "127.0.0.1", port);
    }
    info = MHD_get_daemon_info(h->d, MHD_DAEMON_INFO_BIND_PORT);
    h->port = info ? info->port : port;
    *out = h;
    return VR_OK;
}

int vr_serve_http_port(const vr_serve_http_t *h)
{
    return h ? h->port : 0;
}

void vr_serve_http_stop(vr_serve_http_t *h)
{
    if (!h)
        return;
    MHD_stop_daemon(h->d);
    vr_topo_close(h->topo);
    free(h);
}
