/*
 * plan_topo.c - the planner's view of the topology: an immutable snapshot
 * of keyspaces, shards (keyranges, one tablet per type, denied tables),
 * VSchemas and routing rules, built from the topology and rebuilt when
 * vr_topo_version() moves (checked at most every 200 ms).
 *
 * Snapshots are reference-counted under the ctx mutex; a statement keeps
 * the one it started with.  Any worker thread may call in.
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "plan_int.h"
#include "vr_clock.h"

static void snap_free(pl_snap_t *s)
{
    size_t i, j;
    if (!s)
        return;
    for (i = 0; i < s->nks; i++) {
        pl_ks_t *k = &s->ks[i];
        for (j = 0; j < k->nshards; j++) {
            free(k->shards[j].name);
            vr_topo_strv_free(k->shards[j].denied, k->shards[j].ndenied);
        }
        free(k->shards);
        vr_vschema_free(k->vs);
        free(k->name);
    }
    free(s->ks);
    vr_routing_free(s->rr);
    free(s);
}

static vr_code_t load_shard(vr_topo_t *topo, const char *ks, pl_shard_t *sh, vr_error_t *err)
{
    vr_tablet_t *tabs = NULL;
    size_t n = 0, i;
    vr_code_t rc;

    if ((rc = vr_keyrange_parse(sh->name, &sh->kr, err)) != VR_OK)
        goto out;
    if ((rc = vr_topo_list_tablets(topo, ks, sh->name, &tabs, &n, err)) != VR_OK)
        goto out;
    for (i = 0; i < n; i++) {
        int t = (int)tabs[i].type;
        if (t >= 0 && t < 3 && !sh->has[t]) {
            sh->tablet[t] = tabs[i];
            sh->has[t] = true;
        }
    }
    rc = vr_topo_get_denied_tables(topo, ks, sh->name, VR_TABLET_PRIMARY, &sh->denied,
                                   &sh->ndenied, err);
out:
    free(tabs);
    return rc;
}

static vr_code_t load_ks(vr_topo_t *topo, pl_ks_t *k, vr_error_t *err)
{
    char **shards = NULL, *json = NULL;
    size_t n = 0, i;
    vr_code_t rc;

    rc = vr_topo_get_vschema(topo, k->name, &json, err);
    if (rc == VR_NOT_FOUND) {
        k->vs = vr_vschema_new(k->name, false);
        rc = VR_OK;
    } else if (rc == VR_OK) {
        rc = vr_vschema_parse(k->name, json, &k->vs, err);
    }
    if (rc != VR_OK)
        goto out;
    if ((rc = vr_topo_list_shards(topo, k->name, &shards, &n, err)) != VR_OK)
        goto out;
    k->shards = vr_xcalloc(n ? n : 1, sizeof(*k->shards));
    k->nshards = n;
    for (i = 0; i < n; i++) {
        k->shards[i].name = vr_xstrdup(shards[i]);
        if ((rc = load_shard(topo, k->name, &k->shards[i], err)) != VR_OK)
            goto out;
    }
out:
    vr_topo_strv_free(shards, n);
    free(json);
    return rc;
}

vr_code_t pl_snap_load(vr_topo_t *topo, pl_snap_t **out, vr_error_t *err)
{
    pl_snap_t *s = vr_xcalloc(1, sizeof(*s));
    char **names = NULL, *rules = NULL;
    size_t n = 0, i;
    vr_code_t rc;

    if ((rc = vr_topo_version(topo, &s->version, err)) != VR_OK)
        goto out;
    if ((rc = vr_topo_list_keyspaces(topo, &names, &n, err)) != VR_OK)
        goto out;
    s->ks = vr_xcalloc(n ? n : 1, sizeof(*s->ks));
    s->nks = n;
    for (i = 0; i < n; i++) {
        s->ks[i].name = vr_xstrdup(names[i]);
        if ((rc = load_ks(topo, &s->ks[i], err)) != VR_OK)
            goto out;
    }
    if ((rc = vr_topo_get_routing_rules(topo, &rules, err)) != VR_OK)
        goto out;
    rc = vr_routing_parse(rules, &s->rr, err);
out:
    vr_topo_strv_free(names, n);
    free(rules);
    if (rc != VR_OK) {
        snap_free(s);
        return vr_error_prefix(err, "loading the topology");
    }
    s->refs = 1;
    *out = s;
    return VR_OK;
}

void pl_snap_release(pl_ctx_t *ctx, pl_snap_t *s)
{
    bool last;
    if (!s)
        return;
    pthread_mutex_lock(&ctx->mu);
    last = --s->refs == 0;
    pthread_mutex_unlock(&ctx->mu);
    if (last)
        snap_free(s);
}

vr_code_t pl_snap_get(pl_ctx_t *ctx, pl_snap_t **out, vr_error_t *err)
{
    int64_t v = 0, t = vr_mono_ms();
    pl_snap_t *fresh = NULL, *old = NULL;
    vr_code_t rc = VR_OK;

    pthread_mutex_lock(&ctx->mu);
    if (!ctx->snap || t - ctx->last_check_ms >= 200) {
        ctx->last_check_ms = t;
        rc = vr_topo_version(ctx->topo, &v, err);
        if (rc == VR_OK && (!ctx->snap || v != ctx->snap->version)) {
            rc = pl_snap_load(ctx->topo, &fresh, err);
            if (rc == VR_OK) {
                old = ctx->snap;
                ctx->snap = fresh;
                vr_log_debug(PL_AREA, "topology version %lld loaded", (long long)v);
            }
        }
    }
    if (ctx->snap) {
        ctx->snap->refs++;
        rc = VR_OK; /* a failed reload keeps serving the last snapshot */
    }
    *out = ctx->snap;
    pthread_mutex_unlock(&ctx->mu);
    pl_snap_release(ctx, old);
    return rc;
}

pl_ks_t *pl_find_ks(pl_snap_t *s, const char *name)
{
    size_t i;
    for (i = 0; name && i < s->nks; i++)
        if (strcmp(s->ks[i].name, name) == 0)
            return &s->ks[i];
    return NULL;
}

int pl_shard_for_kid(const pl_ks_t *ks, const uint8_t *kid, size_t len)
{
    size_t i;
    for (i = 0; i < ks->nshards; i++)
        if (vr_keyrange_contains(&ks->shards[i].kr, kid, len))
            return (int)i;
    return -1;
}

bool pl_denied(const pl_shard_t *sh, const char *table)
{
    size_t i;
    for (i = 0; i < sh->ndenied; i++)
        if (strcmp(sh->denied[i], table) == 0)
            return true;
    return false;
}
