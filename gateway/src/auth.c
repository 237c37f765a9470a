/*
 * auth.c - mysql_native_password and the gateway's user table.
 *
 * The server keeps only SHA1(SHA1(password)) ("stage2") per user, as
 * MariaDB's mysql.user does.  A client proves it knows the password with
 * token = SHA1(pw) XOR SHA1(scramble + stage2); the server recovers
 * SHA1(pw) = token XOR SHA1(scramble + stage2) and checks that its SHA1 is
 * stage2.  An unknown user is checked against a random stage2 so that the
 * work done (and the error sent) is the same whether the user or the
 * password was wrong.  The table is read-only after gw_users_load(): any
 * thread may check.
 */
#include <openssl/crypto.h>
#include <openssl/rand.h>
#include <openssl/sha.h>
#include <stdlib.h>
#include <string.h>

#include "gw_int.h"

void gw_native_stage2(const char *password, size_t n, uint8_t out[20])
{
    uint8_t stage1[SHA_DIGEST_LENGTH];
    SHA1((const unsigned char *)password, n, stage1);
    SHA1(stage1, sizeof(stage1), out);
    OPENSSL_cleanse(stage1, sizeof(stage1));
}

static void scramble_hash(const uint8_t scramble[GW_SCRAMBLE_LEN],
                          const uint8_t stage2[20], uint8_t out[20])
{
    uint8_t cat[GW_SCRAMBLE_LEN + 20];
    memcpy(cat, scramble, GW_SCRAMBLE_LEN);
    memcpy(cat + GW_SCRAMBLE_LEN, stage2, 20);
    SHA1(cat, sizeof(cat), out);
}

void gw_native_token(const uint8_t scramble[GW_SCRAMBLE_LEN], const char *password,
                     size_t n, uint8_t out[20])
{
    uint8_t stage1[20], stage2[20], h[20];
    size_t i;
    SHA1((const unsigned char *)password, n, stage1);
    SHA1(stage1, 20, stage2);
    scramble_hash(scramble, stage2, h);
    for (i = 0; i < 20; i++)
        out[i] = stage1[i] ^ h[i];
    OPENSSL_cleanse(stage1, sizeof(stage1));
}

bool gw_native_verify(const uint8_t scramble[GW_SCRAMBLE_LEN], const uint8_t *token,
                      size_t token_len, const uint8_t stage2[20], bool has_password)
{
    uint8_t h[20], stage1[20], check[20];
    size_t i;
    bool ok;

    /* some clients send a lone NUL for "no password" */
    if (token_len == 1 && token[0] == 0)
        token_len = 0;
    if (!has_password)
        return token_len == 0;
    if (token_len != 20)
        return false;
    scramble_hash(scramble, stage2, h);
    for (i = 0; i < 20; i++)
        stage1[i] = token[i] ^ h[i];
    SHA1(stage1, 20, check);
    ok = CRYPTO_memcmp(check, stage2, 20) == 0;
    OPENSSL_cleanse(stage1, sizeof(stage1));
    return ok;
}

void gw_scramble_new(uint8_t out[GW_SCRAMBLE_LEN])
{
    size_t i;
    if (RAND_bytes(out, GW_SCRAMBLE_LEN) != 1) {
        /* the RNG never fails on Linux; keep going with something unique */
        for (i = 0; i < GW_SCRAMBLE_LEN; i++)
            out[i] = (uint8_t)rand();
    }
    for (i = 0; i < GW_SCRAMBLE_LEN; i++)
        out[i] = (uint8_t)(0x21 + out[i] % 94); /* printable, never NUL */
}

vr_code_t gw_users_load(vr_gw_server_t *srv, const vr_gw_user_t *users, size_t n,
                        vr_error_t *err)
{
    size_t i, j;
    srv->users = vr_xcalloc(n ? n : 1, sizeof(gw_user_t));
    srv->n_users = n;
    for (i = 0; i < n; i++) {
        const char *pw = users[i].password ? users[i].password : "";
        if (!users[i].name)
            return vr_errorf(err, VR_INVALID, "gateway user %zu has no name", i);
        for (j = 0; j < i; j++)
            if (strcmp(srv->users[j].name, users[i].name) == 0)
                return vr_errorf(err, VR_INVALID, "gateway user '%s' is listed twice",
                                 users[i].name);
        srv->users[i].name = vr_xstrdup(users[i].name);
        srv->users[i].has_password = pw[0] != 0;
        gw_native_stage2(pw, strlen(pw), srv->users[i].stage2);
    }
    return VR_OK;
}

void gw_users_free(vr_gw_server_t *srv)
{
    size_t i;
    for (i = 0; i < srv->n_users; i++) {
        free(srv->users[i].name);
        OPENSSL_cleanse(srv->users[i].stage2, 20);
    }
    free(srv->users);
    srv->users = NULL;
    srv->n_users = 0;
}

static const gw_user_t *find_user(const vr_gw_server_t *srv, const char *user, size_t n)
{
    const gw_user_t *anon = NULL;
    size_t i;
    for (i = 0; i < srv->n_users; i++) {
        const gw_user_t *u = &srv->users[i];
        if (u->name[0] == 0)
            anon = u;
        else if (strlen(u->name) == n && memcmp(u->name, user, n) == 0)
            return u;
    }
    return anon;
}

bool gw_auth_check(const vr_gw_server_t *srv, const char *user, size_t n,
                   const uint8_t *scramble, const uint8_t *token, size_t token_len)
{
    const gw_user_t *u = find_user(srv, user, n);
    uint8_t dummy[20];
    if (!u) {
        /* same work as a real check, and always a refusal */
        RAND_bytes(dummy, sizeof(dummy));
        (void)gw_native_verify(scramble, token, token_len, dummy, true);
        return false;
    }
    return gw_native_verify(scramble, token, token_len, u->stage2, u->has_password);
}
