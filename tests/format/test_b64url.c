#include "harness.h"

#include <string.h>

#include "b64url.h"

static void known_answers(void **state)
{
    (void)state;
    /* RFC 4648 §10 vectors, unpadded, plus the URL-safe characters */
    const struct {
        const char *raw, *enc;
    } v[] = {{"", ""},           {"f", "Zg"},         {"fo", "Zm8"},
             {"foo", "Zm9v"},    {"foob", "Zm9vYg"},  {"fooba", "Zm9vYmE"},
             {"foobar", "Zm9vYmFy"}, {"\xfb\xff", "-_8"}, {"\x01\x02\x03", "AQID"}};
    for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
        size_t n = strlen(v[i].raw);
        char enc[32];
        cvm_b64url_encode((const uint8_t *)v[i].raw, n, enc);
        assert_string_equal(enc, v[i].enc);
        assert_int_equal(cvm_b64url_encoded_len(n), strlen(v[i].enc));
        assert_int_equal(cvm_b64url_decoded_len(strlen(v[i].enc)), n);
        uint8_t out[32];
        size_t olen = 99;
        assert_int_equal(cvm_b64url_decode(v[i].enc, strlen(v[i].enc), out, sizeof(out), &olen,
                                           NULL),
                         0);
        assert_int_equal(olen, n);
        assert_memory_equal(out, v[i].raw, n);
    }
    /* JWK exponent "AQAB" = 65537 big-endian */
    uint8_t *e;
    size_t elen;
    assert_int_equal(cvm_b64url_decode_alloc("AQAB", 4, &e, &elen, NULL), 0);
    assert_int_equal(elen, 3);
    assert_int_equal((e[0] << 16) | (e[1] << 8) | e[2], 65537);
    free(e);
}

static void rejects(void **state)
{
    (void)state;
    const struct {
        const char *enc;
        size_t pos;
    } bad[] = {
        {"Zg==", 2},     /* padding */
        {"Zm9v+A", 4},   /* standard-alphabet '+' */
        {"Zm9v/A", 4},   /* '/' */
        {"Zm 9v", 2},    /* whitespace */
        {"Zm9v\n", 4},   /* trailing newline: length 5 = 1 mod 4 reported at the end */
        {"Z", 0},        /* impossible length */
        {"Zm9vY", 4},    /* 5 = 1 mod 4 */
        {"Zh", 1},       /* 'h' leaves non-zero trailing bits (canonical is "Zg") */
        {"Zm9", 2},      /* canonical "Zm8" */
        {"QUJ\x80", 3},  /* non-ASCII */
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        uint8_t out[16];
        size_t olen = 0, pos = 999;
        int rc = cvm_b64url_decode(bad[i].enc, strlen(bad[i].enc), out, sizeof(out), &olen, &pos);
        if (rc != CVM_E_SYNTAX || pos != bad[i].pos)
            fail_msg("\"%s\": rc %d pos %zu, want syntax error at %zu", bad[i].enc, rc, pos,
                     bad[i].pos);
    }
    /* an embedded NUL is an invalid character, not an end of string */
    uint8_t out[8];
    size_t olen, pos;
    assert_int_equal(cvm_b64url_decode("AQ\0B", 4, out, sizeof(out), &olen, &pos), CVM_E_SYNTAX);
    assert_int_equal(pos, 2);
    /* too small an output buffer */
    assert_int_equal(cvm_b64url_decode("Zm9vYmFy", 8, out, 5, &olen, NULL), CVM_E_LIMIT);
}

static void every_length_round_trips(void **state)
{
    (void)state;
    uint8_t raw[300];
    for (size_t i = 0; i < sizeof(raw); i++)
        raw[i] = (uint8_t)(i * 37 + 11);
    for (size_t n = 0; n <= sizeof(raw); n++) {
        char *enc = cvm_b64url_encode_alloc(raw, n);
        assert_non_null(enc);
        uint8_t *dec;
        size_t dlen;
        assert_int_equal(cvm_b64url_decode_alloc(enc, strlen(enc), &dec, &dlen, NULL), 0);
        assert_int_equal(dlen, n);
        assert_memory_equal(dec, raw, n);
        free(dec);
        free(enc);
    }
    /* every single character is decoded exactly when canonical */
    for (int c = 0; c < 256; c++) {
        char s[3] = {'A', (char)c, 0};
        uint8_t out[2];
        size_t olen;
        int rc = cvm_b64url_decode(s, 2, out, sizeof(out), &olen, NULL);
        bool canonical = c == 'A' || c == 'Q' || c == 'g' || c == 'w';
        assert_int_equal(rc == 0, canonical);
    }
}

/* Canonical: whatever is accepted re-encodes to exactly the same text, so
 * no two strings decode to the same bytes. Random strings over the
 * alphabet plus a few hostile characters. */
static void accepted_means_canonical(void **state)
{
    (void)state;
    static const char chars[] = "AQgw_-Zz09+/= \n";
    uint32_t x = 12345;
    size_t accepted = 0;
    for (int iter = 0; iter < 20000; iter++) {
        char s[24];
        x = x * 1103515245u + 12345u;
        size_t n = (x >> 16) % 12;
        for (size_t i = 0; i < n; i++) {
            x = x * 1103515245u + 12345u;
            s[i] = chars[(x >> 16) % (sizeof(chars) - 1)];
        }
        uint8_t out[16];
        size_t olen;
        if (cvm_b64url_decode(s, n, out, sizeof(out), &olen, NULL) == 0) {
            char back[24];
            cvm_b64url_encode(out, olen, back);
            assert_int_equal(strlen(back), n);
            assert_memory_equal(back, s, n);
            accepted++;
        }
    }
    assert_true(accepted > 100); /* the property was exercised */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(known_answers),
        cmocka_unit_test(rejects),
        cmocka_unit_test(every_length_round_trips),
        cmocka_unit_test(accepted_means_canonical),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
