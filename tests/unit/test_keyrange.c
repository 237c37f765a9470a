/* Unit tests for keyranges and shard names (keyspace/src/keyrange.c). */
#include <criterion/criterion.h>
#include <string.h>

#include "vr_keyrange.h"

static vr_keyrange_t kr(const char *s)
{
    vr_keyrange_t k;
    vr_error_t err;
    vr_error_clear(&err);
    cr_assert_eq(vr_keyrange_parse(s, &k, &err), VR_OK, "%s: %s", s, err.msg);
    return k;
}

static const char *fmt(const vr_keyrange_t *k)
{
    static char buf[2 * 2 * VR_KEYRANGE_MAX_BYTES + 2];
    return vr_keyrange_format(k, buf, sizeof(buf));
}

static void assert_parse_error(const char *s, const char *msg)
{
    vr_keyrange_t k;
    vr_error_t err;
    vr_error_clear(&err);
    cr_assert_eq(vr_keyrange_parse(s, &k, &err), VR_INVALID, "%s parsed", s);
    cr_assert_str_eq(err.msg, msg);
}

static bool has(const char *range, const uint8_t *kid, size_t len)
{
    vr_keyrange_t k = kr(range);
    return vr_keyrange_contains(&k, kid, len);
}

static bool meet(const char *a, const char *b)
{
    vr_keyrange_t ka = kr(a), kb = kr(b);
    bool r = vr_keyrange_intersects(&ka, &kb);
    cr_assert_eq(r, vr_keyrange_intersects(&kb, &ka), "%s/%s not symmetric", a, b);
    return r;
}

Test(keyrange, parse_format_round_trip)
{
    const char *names[] = {"-80", "80-", "40-80", "-", "0000-8000", "-4000",
                           "80-c0", "0102030405060708-a0"};
    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
        vr_keyrange_t k = kr(names[i]);
        cr_assert_str_eq(fmt(&k), names[i]);
    }
    vr_keyrange_t k = kr("C0-");
    cr_assert_str_eq(fmt(&k), "c0-");
    k = kr("0");
    cr_assert_str_eq(fmt(&k), "-");
    k = kr("40-80");
    cr_assert_eq(k.start_len, 1);
    cr_assert_eq(k.start[0], 0x40);
    cr_assert_eq(k.end_len, 1);
    cr_assert_eq(k.end[0], 0x80);
    k = kr("-80");
    cr_assert_eq(k.start_len, 0);
}

Test(keyrange, format_truncates_safely)
{
    vr_keyrange_t k = kr("4000-8000");
    char small[6];
    memset(small, 'x', sizeof(small));
    cr_assert_str_eq(vr_keyrange_format(&k, small, sizeof(small)), "4000-");
    char tiny[1];
    cr_assert_str_eq(vr_keyrange_format(&k, tiny, sizeof(tiny)), "");
}

Test(keyrange, parse_errors_name_the_input)
{
    assert_parse_error("8-", "bad keyrange '8-': '8' has an odd number of hex digits");
    assert_parse_error("-8g", "bad keyrange '-8g': '8g' is not hex");
    assert_parse_error("80-40", "bad keyrange '80-40': start must be below end");
    assert_parse_error("80-8000", "bad keyrange '80-8000': start must be below end");
    assert_parse_error("80-80", "bad keyrange '80-80': start must be below end");
    assert_parse_error("abc", "bad keyrange 'abc': expected \"0\", \"-\" or <hex>-<hex> "
                              "such as \"-80\", \"80-\", \"40-80\"");
    assert_parse_error("", "bad keyrange '': expected \"0\", \"-\" or <hex>-<hex> "
                           "such as \"-80\", \"80-\", \"40-80\"");
    assert_parse_error("-80-", "bad keyrange '-80-': expected \"0\", \"-\" or <hex>-<hex> "
                               "such as \"-80\", \"80-\", \"40-80\"");
    char longer[80];
    memset(longer, 'a', 66);
    strcpy(longer + 66, "-");
    vr_keyrange_t k;
    vr_error_t err;
    cr_assert_eq(vr_keyrange_parse(longer, &k, &err), VR_INVALID);
    cr_assert(strstr(err.msg, "a bound is longer than 32 bytes"), "%s", err.msg);
    /* exactly 32 bytes is fine */
    longer[64] = '-';
    longer[65] = '\0';
    k = kr(longer);
    cr_assert_eq(k.start_len, 32);
}

Test(keyrange, full_and_equal)
{
    vr_keyrange_t a = kr("-"), b = kr("0"), c = kr("-80"), d = kr("00-");
    cr_assert(vr_keyrange_is_full(&a));
    cr_assert(vr_keyrange_is_full(&b));
    cr_assert(vr_keyrange_is_full(&d), "a zero start is the open start");
    cr_assert_not(vr_keyrange_is_full(&c));
    cr_assert(vr_keyrange_equal(&a, &b));
    vr_keyrange_t e = kr("80-"), f = kr("8000-");
    cr_assert(vr_keyrange_equal(&e, &f), "80 and 8000 are the same bound");
    vr_keyrange_t g = kr("-8000"), h = kr("-81");
    cr_assert(vr_keyrange_equal(&c, &g));
    cr_assert_not(vr_keyrange_equal(&c, &h));
    cr_assert_not(vr_keyrange_equal(&c, &e));
}

Test(keyrange, contains_half_open_bounds)
{
    const uint8_t k7f[] = {0x7f, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff};
    const uint8_t k80[] = {0x80, 0, 0, 0, 0, 0, 0, 0};
    const uint8_t k8001[] = {0x80, 0x01};
    const uint8_t k00[] = {0x00};
    const uint8_t kff[] = {0xff, 0xff};
    /* hash(1) and hash(6) from the demo: customer 1 on -80, 6 on 80- */
    const uint8_t h1[] = {0x16, 0x6b, 0x40, 0xb4, 0x4a, 0xba, 0x4b, 0xd6};
    const uint8_t h6[] = {0xf0, 0x98, 0x48, 0x0a, 0xc4, 0xc4, 0xbe, 0x71};

    cr_assert(has("-80", k7f, 8));
    cr_assert_not(has("-80", k80, 8), "end is exclusive, 0x80000000 == 80");
    cr_assert(has("80-", k80, 8), "start is inclusive");
    cr_assert_not(has("80-", k7f, 8));
    cr_assert(has("80-", kff, 2), "open end");
    cr_assert(has("-80", k00, 1), "open start");
    cr_assert(has("-80", k00, 0), "the empty ID is the minimum");
    cr_assert(has("-8000", k7f, 8), "80 vs 8000: same bound");
    cr_assert_not(has("-8000", k80, 1));
    cr_assert(has("8000-", k80, 1));
    cr_assert_not(has("80-8001", k8001, 2));
    cr_assert(has("80-8001", k80, 8));
    cr_assert(has("-", kff, 2));
    cr_assert(has("0", k00, 1));
    cr_assert(has("-80", h1, 8));
    cr_assert(has("80-", h6, 8));
    cr_assert_not(has("80-", h1, 8));
}

Test(keyrange, intersects_edges)
{
    cr_assert_not(meet("-80", "80-"), "touching ranges do not meet");
    cr_assert_not(meet("-8000", "80-"));
    cr_assert_not(meet("40-80", "80-c0"));
    cr_assert(meet("-80", "40-"));
    cr_assert(meet("-", "40-80"));
    cr_assert(meet("0", "c0-"));
    cr_assert(meet("-80", "-40"));
    cr_assert(meet("40-80", "4000-41"));
    cr_assert_not(meet("-40", "80-"));
}

Test(keyrange, intersect_result)
{
    vr_keyrange_t a = kr("-80"), b = kr("40-"), out;
    cr_assert(vr_keyrange_intersect(&a, &b, &out));
    cr_assert_str_eq(fmt(&out), "40-80");
    vr_keyrange_t full = kr("-");
    cr_assert(vr_keyrange_intersect(&b, &full, &out));
    cr_assert_str_eq(fmt(&out), "40-");
    cr_assert(vr_keyrange_intersect(&full, &full, &out));
    cr_assert_str_eq(fmt(&out), "-");
    vr_keyrange_t c = kr("80-"), untouched = kr("10-20");
    out = untouched;
    cr_assert_not(vr_keyrange_intersect(&a, &c, &out));
    cr_assert(vr_keyrange_equal(&out, &untouched), "out is left alone");
}

static const char *validate(const char *const *shards, size_t n, vr_code_t want)
{
    static vr_error_t err;
    vr_error_clear(&err);
    cr_assert_eq(vr_keyrange_validate_shards("customer", shards, n, &err), want, "%s",
                 err.msg);
    return err.msg;
}

Test(keyrange, shards_that_cover)
{
    const char *two[] = {"80-", "-80"};
    const char *four[] = {"c0-", "-40", "80-c0", "40-80"};
    const char *one[] = {"0"};
    const char *dash[] = {"-"};
    const char *padded[] = {"-80", "8000-"};
    validate(two, 2, VR_OK);
    validate(four, 4, VR_OK);
    validate(one, 1, VR_OK);
    validate(dash, 1, VR_OK);
    validate(padded, 2, VR_OK);
}

Test(keyrange, shard_gaps)
{
    const char *mid[] = {"-80", "c0-"};
    const char *tail[] = {"-80", "80-c0"};
    const char *head[] = {"40-", "c0-"};
    cr_assert_str_eq(validate(mid, 2, VR_INVALID),
                     "shards of keyspace customer do not cover 80-c0");
    cr_assert_str_eq(validate(tail, 2, VR_INVALID),
                     "shards of keyspace customer do not cover c0-");
    cr_assert_str_eq(validate(head, 1, VR_INVALID),
                     "shards of keyspace customer do not cover -40");
    cr_assert_str_eq(validate(NULL, 0, VR_INVALID), "keyspace customer has no shards");
}

Test(keyrange, shard_overlaps)
{
    const char *a[] = {"-80", "40-"};
    const char *b[] = {"80-", "-80", "0"};
    const char *c[] = {"-80", "80-", "-80"};
    const char *d[] = {"-40", "40-c0", "80-"};
    cr_assert_str_eq(validate(a, 2, VR_INVALID),
                     "shards -80 and 40- of keyspace customer overlap on 40-80");
    cr_assert_str_eq(validate(b, 3, VR_INVALID),
                     "shards -80 and 0 of keyspace customer overlap on -80");
    cr_assert_str_eq(validate(c, 3, VR_INVALID),
                     "shards -80 and -80 of keyspace customer overlap on -80");
    cr_assert_str_eq(validate(d, 3, VR_INVALID),
                     "shards 40-c0 and 80- of keyspace customer overlap on 80-c0");
}

Test(keyrange, shard_bad_name)
{
    const char *bad[] = {"-80", "8-"};
    cr_assert_str_eq(validate(bad, 2, VR_INVALID),
                     "keyspace customer: bad keyrange '8-': '8' has an odd number of hex "
                     "digits");
}
