/*
 * cmd_vindex.c - `vrepl vindex TYPE VALUE...`: keyspace IDs as Vitess
 * computes them, and with --shards the shard each lands on.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "vr_common.h"
#include "vr_keyrange.h"
#include "vr_vindex.h"

#define MAX_SHARDS 256

int cmd_vindex(int argc, char **argv)
{
    static const struct option opts[] = {{"shards", required_argument, NULL, 's'},
                                         {"help", no_argument, NULL, 'h'},
                                         {NULL, 0, NULL, 0}};
    char *shard_list = NULL, *shard_copy = NULL, *names[MAX_SHARDS];
    vr_keyrange_t ranges[MAX_SHARDS];
    size_t nsh = 0, i, j;
    vr_vindex_type_t type;
    vr_error_t err;
    int c, status = 0;

    vr_error_clear(&err);
    while ((c = getopt_long(argc, argv, "s:h", opts, NULL)) != -1) {
        switch (c) {
        case 's': shard_list = optarg; break;
        case 'h':
            printf("usage: vrepl vindex [--shards -80,80-] TYPE VALUE...\n"
                   "Print each value's keyspace ID in hex (as Vitess computes it) and,\n"
                   "with --shards, the shard it belongs to.  TYPE: hash, numeric,\n"
                   "reverse_bits, binary, binary_md5, xxhash, unicode_loose_md5,\n"
                   "unicode_loose_xxhash.\n");
            return 0;
        default: return 2;
        }
    }
    if (argc - optind < 2) {
        fprintf(stderr, "usage: vrepl vindex [--shards -80,80-] TYPE VALUE...\n");
        return 2;
    }
    if (vr_vindex_type_parse(argv[optind], &type, &err) != VR_OK)
        return vr_cli_fail("vindex", "%s", err.msg);
    if (!vr_vindex_type_is_functional(type))
        return vr_cli_fail("vindex", "%s is a lookup vindex: its keyspace IDs live in its "
                                     "lookup table", argv[optind]);
    if (shard_list) {
        char *save = NULL, *tok, *copy = shard_copy = vr_xstrdup(shard_list);
        for (tok = strtok_r(copy, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
            if (nsh == MAX_SHARDS || vr_keyrange_parse(tok, &ranges[nsh], &err) != VR_OK) {
                free(shard_copy);
                return vr_cli_fail("vindex", "--shards: %s", nsh == MAX_SHARDS ? "too many shards" : err.msg);
            }
            names[nsh++] = tok;
        }
        if (vr_keyrange_validate_shards("(--shards)", (const char *const *)names, nsh, &err) != VR_OK) {
            free(shard_copy);
            return vr_cli_fail("vindex", "--shards: %s", err.msg);
        }
    }
    for (i = optind + 1; i < (size_t)argc; i++) {
        uint8_t kid[VR_KEYSPACE_ID_MAX];
        size_t len;
        vr_buf_t hex = VR_BUF_INIT;
        if (vr_vindex_map(type, (const uint8_t *)argv[i], strlen(argv[i]), kid, &len, &err) != VR_OK) {
            status = vr_cli_fail("vindex", "%s", err.msg);
            continue;
        }
        vr_buf_put_hex(&hex, kid, len);
        if (nsh) {
            for (j = 0; j < nsh; j++)
                if (vr_keyrange_contains(&ranges[j], kid, len))
                    break;
            printf("%s\t%s\t%s\n", argv[i], hex.data, j < nsh ? names[j] : "?");
        } else {
            printf("%s\t%s\n", argv[i], hex.data);
        }
        vr_buf_free(&hex);
    }
    free(shard_copy);
    return status;
}
