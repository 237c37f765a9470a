/*
 * cmd_vstream.c - `vrepl vstream`: print a source's binlog as one JSON
 * object per event on stdout (CDC without a cluster).
 *
 *   vrepl vstream --source mariadb://USER[:PASS]@HOST:PORT[/DB]
 *                 [--position GTIDSET|current] [--stop-position GTIDSET|current]
 *                 [--tables t1,db.t2] [--heartbeat MS] [--server-id N]
 *                 [--skip-heartbeats] [--max-events N]
 *   vrepl vstream --keyspace KS --shard S [--tablet-type T] [--var DIR] [...]
 *                 (a tablet of the local cluster; the shard's primary by default)
 *   vrepl vstream --file BINLOG [...]        (decode a local binlog file)
 *
 * ROW events print one line per row change.  Values: integers exact,
 * DECIMAL as strings, temporal as MySQL text (TIMESTAMP in UTC), text as
 * UTF-8, binary as base64, JSON columns as JSON, NULL as null.  Output is
 * flushed at each transaction end and heartbeat.  Single-threaded.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "vr_cluster.h"
#include "vr_common.h"
#include "vr_filter.h"
#include "vr_topo.h"
#include "vr_value.h"
#include "vr_vschema.h"
#include "vr_vstream.h"

typedef struct out_ctx {
    vr_buf_t b;
    bool skip_heartbeats;
    const char *keyspace;
    const char *shard;
} out_ctx_t;

static void put_key(vr_buf_t *b, const char *k)
{
    vr_buf_putc(b, ',');
    vr_json_append_string(b, k, strlen(k));
    vr_buf_putc(b, ':');
}

static void put_str(vr_buf_t *b, const char *k, const char *v)
{
    put_key(b, k);
    vr_json_append_string(b, v ? v : "", v ? strlen(v) : 0);
}

static void put_position(vr_buf_t *b, const vr_gtid_set_t *p)
{
    vr_buf_t t = VR_BUF_INIT;
    if (!p)
        return;
    vr_gtid_set_format(p, &t);
    put_str(b, "position", t.data);
    vr_buf_free(&t);
}

static void head(out_ctx_t *o, const vr_vevent_t *ev)
{
    vr_buf_printf(&o->b, "{\"type\":\"%s\"", vr_vevent_type_name(ev->type));
    if (o->keyspace)
        put_str(&o->b, "keyspace", o->keyspace);
    if (o->shard)
        put_str(&o->b, "shard", o->shard);
}

static void put_image(vr_buf_t *b, const vr_vtable_t *t, const vr_value_t *vals,
                      const uint8_t *present)
{
    uint32_t k;
    bool first = true;
    if (!vals) {
        vr_buf_puts(b, "null");
        return;
    }
    vr_buf_putc(b, '{');
    for (k = 0; k < t->nfields; k++) {
        if (present && !((present[k >> 3] >> (k & 7)) & 1))
            continue;
        if (!first)
            vr_buf_putc(b, ',');
        first = false;
        vr_json_append_string(b, t->fields[k].name, strlen(t->fields[k].name));
        vr_buf_putc(b, ':');
        vr_value_append_json(b, &vals[k]);
    }
    vr_buf_putc(b, '}');
}

static void print_rows(out_ctx_t *o, const vr_vevent_t *ev)
{
    size_t i;
    for (i = 0; i < ev->nrows; i++) {
        const vr_vrow_t *r = &ev->rows[i];
        head(o, ev);
        if (!o->keyspace) /* with a keyspace, the database is the tablet's */
            put_str(&o->b, "db", ev->table->db);
        put_str(&o->b, "table", ev->table->name);
        put_str(&o->b, "gtid", ev->gtid);
        put_key(&o->b, "ts");
        vr_buf_printf(&o->b, "%lld", (long long)ev->timestamp);
        put_key(&o->b, "before");
        put_image(&o->b, ev->table, r->before, r->before_cols);
        put_key(&o->b, "after");
        put_image(&o->b, ev->table, r->after, r->after_cols);
        vr_buf_puts(&o->b, "}\n");
    }
}

static void print_fields(out_ctx_t *o, const vr_vevent_t *ev)
{
    const vr_vtable_t *t = ev->table;
    uint32_t k;
    head(o, ev);
    put_str(&o->b, "db", t->db);
    put_str(&o->b, "table", t->name);
    put_key(&o->b, "fields");
    vr_buf_putc(&o->b, '[');
    for (k = 0; k < t->nfields; k++) {
        const vr_vfield_t *f = &t->fields[k];
        if (k)
            vr_buf_putc(&o->b, ',');
        vr_buf_puts(&o->b, "{\"name\":");
        vr_json_append_string(&o->b, f->name, strlen(f->name));
        vr_buf_printf(&o->b, ",\"type\":\"%s\",\"charset\":%u,\"pk\":%s,"
                      "\"nullable\":%s", vr_type_name(f->type), f->charset,
                      f->flags & VR_FIELD_PK ? "true" : "false",
                      f->flags & VR_FIELD_NOT_NULL ? "false" : "true");
        if (f->length)
            vr_buf_printf(&o->b, ",\"length\":%u", f->length);
        if (f->decimals)
            vr_buf_printf(&o->b, ",\"decimals\":%u", f->decimals);
        vr_buf_putc(&o->b, '}');
    }
    vr_buf_puts(&o->b, "]}\n");
}

static void print_event(out_ctx_t *o, const vr_vevent_t *ev)
{
    switch (ev->type) {
    case VR_VEVENT_ROW:
        print_rows(o, ev);
        return;
    case VR_VEVENT_FIELD:
        print_fields(o, ev);
        return;
    case VR_VEVENT_HEARTBEAT:
        if (o->skip_heartbeats)
            return;
        break;
    default:
        break;
    }
    head(o, ev);
    if (ev->type != VR_VEVENT_HEARTBEAT)
        put_str(&o->b, "gtid", ev->gtid);
    put_key(&o->b, "ts");
    vr_buf_printf(&o->b, "%lld", (long long)ev->timestamp);
    put_position(&o->b, ev->position);
    if (ev->db)
        put_str(&o->b, "db", ev->db);
    if (ev->statement)
        put_str(&o->b, "statement", ev->statement);
    vr_buf_puts(&o->b, "}\n");
}

static bool flush_point(vr_vevent_type_t t)
{
    return t == VR_VEVENT_COMMIT || t == VR_VEVENT_ROLLBACK || t == VR_VEVENT_DDL ||
           t == VR_VEVENT_OTHER || t == VR_VEVENT_HEARTBEAT;
}

/* Split "a,b,c" into a NULL-terminated array (caller frees both). */
static char **split_tables(char *s, size_t *n)
{
    char **v = vr_xcalloc(strlen(s) + 2, sizeof(char *)), *tok, *save = NULL;
    *n = 0;
    for (tok = strtok_r(s, ",", &save); tok; tok = strtok_r(NULL, ",", &save))
        if (*tok)
            v[(*n)++] = tok;
    return v;
}

static void usage(FILE *f)
{
    fprintf(f,
            "usage: vrepl vstream --source mariadb://USER[:PASS]@HOST:PORT[/DB] | --file BINLOG\n"
            "                   | --keyspace KS --shard S [--tablet-type T] [--var DIR]\n"
            "                     [--position GTIDSET|current] [--stop-position GTIDSET|current]\n"
            "                     [--tables t1,db.t2 | --filter JSON] [--heartbeat MS] [--server-id N]\n"
            "                     [--skip-heartbeats] [--max-events N] [--copy]\n"
            "--copy (with --tables) prints a consistent snapshot of each table first\n"
            "(ROW events with no before image, then COPY_COMPLETED with the snapshot's\n"
            "position), catching up the binlog between tables, then streams on.\n");
}

typedef struct args {
    const char *source, *file, *position, *stop, *tables, *filter;
    const char *keyspace, *shard, *tablet_type, *var;
    int heartbeat;
    unsigned long server_id;
    long max_events;
    bool skip_heartbeats;
    bool copy;
} args_t;

static int parse_args(int argc, char **argv, args_t *a)
{
    static const struct option longopts[] = {
        {"source", required_argument, NULL, 's'},
        {"file", required_argument, NULL, 'f'},
        {"position", required_argument, NULL, 'p'},
        {"stop-position", required_argument, NULL, 'S'},
        {"tables", required_argument, NULL, 't'},
        {"filter", required_argument, NULL, 'F'},
        {"copy", no_argument, NULL, 'c'},
        {"heartbeat", required_argument, NULL, 'H'},
        {"server-id", required_argument, NULL, 'i'},
        {"max-events", required_argument, NULL, 'n'},
        {"skip-heartbeats", no_argument, NULL, 'k'},
        {"keyspace", required_argument, NULL, 'K'},
        {"shard", required_argument, NULL, 'D'},
        {"tablet-type", required_argument, NULL, 'T'},
        {"var", required_argument, NULL, 'V'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0}};
    int c;
    memset(a, 0, sizeof(*a));
    a->max_events = -1;
    optind = 1;
    while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
        switch (c) {
        case 's': a->source = optarg; break;
        case 'f': a->file = optarg; break;
        case 'p': a->position = optarg; break;
        case 'S': a->stop = optarg; break;
        case 't': a->tables = optarg; break;
        case 'F': a->filter = optarg; break;
        case 'c': a->copy = true; break;
        case 'H': a->heartbeat = atoi(optarg); break;
        case 'i': a->server_id = strtoul(optarg, NULL, 10); break;
        case 'n': a->max_events = atol(optarg); break;
        case 'k': a->skip_heartbeats = true; break;
        case 'K': a->keyspace = optarg; break;
        case 'D': a->shard = optarg; break;
        case 'T': a->tablet_type = optarg; break;
        case 'V': a->var = optarg; break;
        case 'h': usage(stdout); return 0;
        default: usage(stderr); return 2;
        }
    }
    if (optind < argc || (!!a->source + !!a->file + !!a->keyspace) != 1 ||
        !a->keyspace != !a->shard || (a->tables && a->filter) ||
        (a->copy && (!a->tables || a->position || a->file))) {
        usage(stderr);
        return 2;
    }
    return -1;
}

/* The source of --keyspace/--shard: a running tablet of the wanted type
 * from the local cluster's topology. */
static int tablet_source(const args_t *a, vr_tablet_t *tab, vr_vstream_source_t *src)
{
    const char *var = a->var ? a->var : getenv("VREPL_VAR");
    vr_tablet_type_t type = VR_TABLET_PRIMARY;
    vr_tablet_t *tabs = NULL;
    vr_topo_t *topo = NULL;
    vr_error_t err;
    size_t n = 0, i;
    char *path;
    int rc = 1;
    vr_error_clear(&err);
    if (a->tablet_type && vr_tablet_type_parse(a->tablet_type, &type, &err) != VR_OK)
        return vr_cli_fail("vstream", "%s", err.msg);
    path = vr_cluster_topo_path(var && *var ? var : "var");
    if (access(path, F_OK) != 0 || vr_topo_open(path, &topo, &err) != VR_OK ||
        vr_topo_list_tablets(topo, a->keyspace, a->shard, &tabs, &n, &err) != VR_OK) {
        vr_cli_fail("vstream", "no cluster topology at %s%s%s", path,
                    err.msg[0] ? ": " : "", err.msg);
        goto out;
    }
    for (i = 0; i < n; i++) /* local tablets must run; remote ones (no pid) are tried */
        if (tabs[i].type == type && (tabs[i].pid == 0 || vr_cluster_tablet_running(&tabs[i])))
            break;
    if (i == n) {
        vr_cli_fail("vstream", "no running %s tablet for %s/%s", vr_tablet_type_name(type),
                    a->keyspace, a->shard);
        goto out;
    }
    *tab = tabs[i];
    memset(src, 0, sizeof(*src));
    src->host = tab->host[0] ? tab->host : "127.0.0.1";
    src->port = (unsigned)tab->port;
    src->socket = tab->socket[0] ? tab->socket : NULL;
    src->user = "root";
    src->db = tab->db_name[0] ? tab->db_name : NULL;
    rc = 0;
out:
    free(tabs);
    free(path);
    vr_topo_close(topo);
    return rc;
}

/* The events come from a plain stream or a filtered one. */
typedef struct source_stream {
    vr_vstream_t *vs;
    vr_fstream_t *fs;
} source_stream_t;

static vr_code_t next_event(source_stream_t *s, const vr_vevent_t **ev, vr_error_t *err)
{
    return s->fs ? vr_fstream_next(s->fs, ev, err) : vr_vstream_next(s->vs, ev, err);
}

static int run(source_stream_t *s, out_ctx_t *o, long max_events)
{
    vr_error_t err;
    const vr_vevent_t *ev;
    long n = 0;
    for (;;) {
        if (next_event(s, &ev, &err) != VR_OK) {
            fwrite(o->b.data ? o->b.data : "", 1, o->b.len, stdout);
            fflush(stdout);
            return vr_cli_fail("vstream", "%s", err.msg);
        }
        if (!ev)
            break;
        print_event(o, ev);
        if ((flush_point(ev->type) || o->b.len > (1u << 16)) && o->b.len) {
            fwrite(o->b.data, 1, o->b.len, stdout);
            vr_buf_reset(&o->b);
            if (flush_point(ev->type))
                fflush(stdout);
        }
        if (max_events >= 0 && ++n >= max_events)
            break;
    }
    if (o->b.len)
        fwrite(o->b.data, 1, o->b.len, stdout);
    fflush(stdout);
    return 0;
}

/* Print one table's snapshot; *pos gets its GTID position (caller frees). */
static int copy_table(const vr_vstream_source_t *src, const char *table, out_ctx_t *o,
                      char **pos)
{
    vr_rowstream_opts_t ro;
    vr_rowstream_t *rs = NULL;
    const vr_rowpacket_t *pkt;
    vr_vevent_t ev;
    vr_buf_t p = VR_BUF_INIT;
    vr_error_t err;
    bool fields_sent = false;
    int rc = 0;

    memset(&ro, 0, sizeof(ro));
    ro.source = *src;
    ro.table = table;
    if (vr_rowstream_open(&ro, &rs, &err) != VR_OK)
        return vr_cli_fail("vstream", "copying %s: %s", table, err.msg);
    vr_gtid_set_format(vr_rowstream_position(rs), &p);
    memset(&ev, 0, sizeof(ev));
    ev.gtid = p.data; /* snapshot rows carry the snapshot's position */
    ev.timestamp = (int64_t)time(NULL);
    for (;;) {
        vr_vrow_t *rows;
        size_t i;
        if (vr_rowstream_next(rs, &pkt, &err) != VR_OK) {
            rc = vr_cli_fail("vstream", "copying %s: %s", table, err.msg);
            goto out;
        }
        if (!pkt)
            break;
        ev.table = pkt->table;
        if (!fields_sent) {
            ev.type = VR_VEVENT_FIELD;
            print_event(o, &ev);
            fields_sent = true;
        }
        rows = vr_xcalloc(pkt->nrows ? pkt->nrows : 1, sizeof(*rows));
        for (i = 0; i < pkt->nrows; i++)
            rows[i].after = pkt->rows[i];
        ev.type = VR_VEVENT_ROW;
        ev.rows = rows;
        ev.nrows = pkt->nrows;
        print_event(o, &ev);
        free(rows);
        fwrite(o->b.data ? o->b.data : "", 1, o->b.len, stdout);
        vr_buf_reset(&o->b);
    }
    vr_buf_printf(&o->b, "{\"type\":\"COPY_COMPLETED\"");
    if (o->keyspace)
        put_str(&o->b, "keyspace", o->keyspace);
    if (o->shard)
        put_str(&o->b, "shard", o->shard);
    put_str(&o->b, "table", table);
    put_str(&o->b, "position", p.data);
    vr_buf_puts(&o->b, "}\n");
    fwrite(o->b.data, 1, o->b.len, stdout);
    fflush(stdout);
    vr_buf_reset(&o->b);
    *pos = vr_buf_detach(&p);
out:
    vr_buf_free(&p);
    vr_rowstream_close(rs);
    return rc;
}

/*
 * --copy: snapshot the tables one by one; before each next snapshot, play
 * the binlog from the previous snapshot's position up to the new one for
 * the tables already copied, so the output is a consistent history.
 * Leaves opts->position at the last snapshot's position.
 */
static int copy_tables(vr_vstream_opts_t *opts, out_ctx_t *o, char **pos)
{
    size_t k;
    int rc = 0;

    for (k = 0; k < opts->ntables && rc == 0; k++) {
        char *next = NULL;
        if ((rc = copy_table(&opts->source, opts->tables[k], o, &next)) != 0)
            break;
        if (k > 0 && strcmp(next, *pos) != 0) {
            vr_vstream_opts_t catchup = *opts;
            source_stream_t s = {NULL, NULL};
            vr_error_t err;
            catchup.position = *pos;
            catchup.stop_position = next;
            catchup.ntables = k; /* the tables already copied */
            if (vr_vstream_open(&catchup, &s.vs, &err) != VR_OK)
                rc = vr_cli_fail("vstream", "catching up to %s: %s", next, err.msg);
            else
                rc = run(&s, o, -1);
            vr_vstream_close(s.vs);
        }
        free(*pos);
        *pos = next;
    }
    opts->position = *pos;
    return rc;
}

/* The keyspace's VSchema, for keyrange filters (NULL when none). */
static vr_vschema_t *load_vschema(const args_t *a)
{
    const char *var = a->var ? a->var : getenv("VREPL_VAR");
    char *path, *json = NULL;
    vr_topo_t *topo = NULL;
    vr_vschema_t *vs = NULL;
    vr_error_t err;

    if (!a->keyspace)
        return NULL;
    path = vr_cluster_topo_path(var && *var ? var : "var");
    if (vr_topo_open(path, &topo, &err) == VR_OK &&
        vr_topo_get_vschema(topo, a->keyspace, &json, &err) == VR_OK &&
        vr_vschema_parse(a->keyspace, json, &vs, &err) != VR_OK)
        vr_log_warn("vstream", "VSchema of %s: %s", a->keyspace, err.msg);
    free(json);
    free(path);
    vr_topo_close(topo);
    return vs;
}

int cmd_vstream(int argc, char **argv)
{
    args_t a;
    vr_vstream_opts_t opts;
    vr_error_t err;
    source_stream_t s = {NULL, NULL};
    vr_vschema_t *vschema = NULL;
    vr_filter_t *filter = NULL;
    out_ctx_t o;
    char *storage = NULL, *tables_copy = NULL, *copy_pos = NULL;
    char **tables = NULL;
    vr_tablet_t tab;
    int rc = parse_args(argc, argv, &a);
    if (rc >= 0)
        return rc;
    memset(&opts, 0, sizeof(opts));
    memset(&o, 0, sizeof(o));
    if (a.source && vr_vstream_parse_source(a.source, &opts.source, &storage, &err) != VR_OK) {
        rc = vr_cli_fail("vstream", "%s", err.msg);
        goto out;
    }
    if (a.keyspace) {
        if ((rc = tablet_source(&a, &tab, &opts.source)) != 0)
            goto out;
        o.keyspace = a.keyspace;
        o.shard = a.shard;
    }
    opts.source.binlog_file = a.file;
    opts.position = a.position;
    opts.stop_position = a.stop;
    opts.heartbeat_ms = a.heartbeat;
    opts.server_id = (uint32_t)a.server_id;
    if (a.tables) {
        tables_copy = vr_xstrdup(a.tables);
        tables = split_tables(tables_copy, &opts.ntables);
        opts.tables = (const char *const *)tables;
    }
    o.skip_heartbeats = a.skip_heartbeats;
    if (a.copy && (rc = copy_tables(&opts, &o, &copy_pos)) != 0)
        goto out;
    if (a.filter) {
        vschema = load_vschema(&a);
        if (vr_filter_new_json(a.filter, vschema, &filter, &err) != VR_OK ||
            vr_fstream_open(&opts, filter, &s.fs, &err) != VR_OK) {
            rc = vr_cli_fail("vstream", "%s", err.msg);
            goto out;
        }
    } else if (vr_vstream_open(&opts, &s.vs, &err) != VR_OK) {
        rc = vr_cli_fail("vstream", "%s", err.msg);
        goto out;
    }
    rc = run(&s, &o, a.max_events);
out:
    vr_fstream_close(s.fs);
    vr_vstream_close(s.vs);
    vr_filter_free(filter);
    vr_vschema_free(vschema);
    free(copy_pos);
    vr_buf_free(&o.b);
    free(tables);
    free(tables_copy);
    free(storage);
    return rc;
}
