/* format/pem: strict PEM and SubjectPublicKeyInfo files. Keys are made
 * here with OpenSSL; the hostile spellings are derived from their bytes.
 * The point of strictness: a tamper sweep of a loose akpub.pem found flips
 * that verified because OpenSSL's PEM reader ignores unused base64 bits
 * and its SPKI decoder ignores the rsaEncryption parameters; each such
 * second spelling of the same key is now rejected. */
#include "harness.h"

#include <stdio.h>
#include <string.h>

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>

#include "pem.h"

static EVP_PKEY *key;
static uint8_t pem[2048], der[1024];
static size_t pem_len, der_len;

static int setup(void **state)
{
    (void)state;
    key = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)2048);
    if (!key)
        return -1;
    BIO *b = BIO_new(BIO_s_mem());
    if (!b || !PEM_write_bio_PUBKEY(b, key))
        return -1;
    pem_len = (size_t)BIO_read(b, pem, sizeof pem);
    BIO_free(b);
    unsigned char *p = der;
    int n = i2d_PUBKEY(key, &p);
    if (n <= 0)
        return -1;
    der_len = (size_t)n;
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    EVP_PKEY_free(key);
    return 0;
}

/* loads buf; on success the key must be `key` */
static int load(const uint8_t *buf, size_t len, cvm_err *err)
{
    EVP_PKEY *pk = NULL;
    cvm_err_clear(err);
    int rc = cvm_spki_load(buf, len, "akpub.pem", &pk, err);
    if (rc == 0) {
        assert_non_null(pk);
        assert_int_equal(EVP_PKEY_eq(pk, key), 1);
        EVP_PKEY_free(pk);
    } else {
        assert_null(pk);
    }
    return rc;
}

static void expect_reject(const uint8_t *buf, size_t len, const char *field, size_t off, const char *words)
{
    cvm_err err;
    int rc = load(buf, len, &err);
    if (rc == 0)
        fail_msg("accepted; wanted a rejection saying \"%s\"", words);
    assert_string_equal(err.field, field);
    if (off != CVM_NO_OFFSET)
        assert_int_equal(err.offset, off);
    if (!strstr(err.msg, words))
        fail_msg("message \"%s\" lacks \"%s\"", err.msg, words);
}

static void accepts_openssl_pem_der_and_crlf(void **state)
{
    (void)state;
    cvm_err err;
    assert_int_equal(load(pem, pem_len, &err), CVM_OK);
    assert_int_equal(load(der, der_len, &err), CVM_OK);
    /* the same with CRLF line ends, and with trailing whitespace */
    uint8_t crlf[4096];
    size_t n = 0;
    for (size_t i = 0; i < pem_len; i++) {
        if (pem[i] == '\n')
            crlf[n++] = '\r';
        crlf[n++] = pem[i];
    }
    memcpy(crlf + n, "\n \t\n", 4);
    assert_int_equal(load(crlf, n + 4, &err), CVM_OK);
    /* and with no final end of line */
    assert_int_equal(load(pem, pem_len - 1, &err), CVM_OK);
}

/* the base64 quantum at the end of the body: its unused bits set gives the
 * same bytes under OpenSSL's decoder, and is a second spelling here. A
 * P-256 SPKI (91 bytes) ends in "=="; RSA-2048's (294) has no padding. */
static void rejects_nonzero_trailing_bits(void **state)
{
    (void)state;
    EVP_PKEY *ec = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
    assert_non_null(ec);
    uint8_t b[2048];
    BIO *w = BIO_new(BIO_s_mem());
    assert_true(w && PEM_write_bio_PUBKEY(w, ec));
    size_t n = (size_t)BIO_read(w, b, sizeof b);
    BIO_free(w);
    EVP_PKEY *pk = NULL;
    cvm_err err;
    cvm_err_clear(&err);
    assert_int_equal(cvm_spki_load(b, n, "akpub.pem", &pk, &err), CVM_OK);
    assert_int_equal(EVP_PKEY_eq(pk, ec), 1);
    EVP_PKEY_free(pk);

    char *pad = memchr(b, '=', n);
    assert_non_null(pad);
    char *last = pad - 1;
    static const char alpha[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    int v = (int)(strchr(alpha, *last) - alpha);
    assert_int_equal(v & 15, 0); /* "==": 4 unused bits, zero */
    *last = alpha[v | 1];
    {
        /* OpenSSL takes it, as the same key: the reason for the check */
        BIO *bio = BIO_new_mem_buf(b, (int)n);
        pk = PEM_read_bio_PUBKEY(bio, NULL, NULL, NULL);
        BIO_free(bio);
        assert_non_null(pk);
        assert_int_equal(EVP_PKEY_eq(pk, ec), 1);
        EVP_PKEY_free(pk);
    }
    pk = NULL;
    cvm_err_clear(&err);
    assert_int_not_equal(cvm_spki_load(b, n, "akpub.pem", &pk, &err), CVM_OK);
    assert_null(pk);
    assert_string_equal(err.field, "PUBLIC KEY");
    assert_non_null(strstr(err.msg, "non-zero trailing base64 bits"));
    EVP_PKEY_free(ec);
}

/* "-----END PUBLIC KEY-----" followed by something other than an end of
 * line: OpenSSL's reader takes the line whole */
static void rejects_bytes_after_end_marker(void **state)
{
    (void)state;
    uint8_t b[2048];
    memcpy(b, pem, pem_len);
    b[pem_len - 1] = '*';
    expect_reject(b, pem_len, "PUBLIC KEY", pem_len - 1, "expected end of line, found byte 0x2a");
}

/* SPKI without the NULL parameters of rsaEncryption: d2i_PUBKEY takes it,
 * i2d_PUBKEY writes the NULL back */
static void rejects_second_der_spelling(void **state)
{
    (void)state;
    /* 30 82 01 22 | 30 0d 06 09 <oid> 05 00 | 03 82 01 0f ... */
    assert_int_equal(der[0], 0x30);
    assert_int_equal(der[1], 0x82);
    assert_memory_equal(der + 4, "\x30\x0d\x06\x09", 4);
    assert_memory_equal(der + 17, "\x05\x00", 2);
    uint8_t alt[1024];
    size_t n = 0;
    size_t outer = ((size_t)der[2] << 8 | der[3]) - 2;
    alt[n++] = 0x30;
    alt[n++] = 0x82;
    alt[n++] = (uint8_t)(outer >> 8);
    alt[n++] = (uint8_t)outer;
    alt[n++] = 0x30;
    alt[n++] = 0x0b;
    memcpy(alt + n, der + 6, 11); /* 06 09 <oid> */
    n += 11;
    memcpy(alt + n, der + 19, der_len - 19);
    n += der_len - 19;
    {
        const unsigned char *p = alt;
        EVP_PKEY *pk = d2i_PUBKEY(NULL, &p, (long)n);
        if (!pk)
            skip(); /* this OpenSSL refuses it itself: nothing to prove */
        assert_int_equal(EVP_PKEY_eq(pk, key), 1);
        EVP_PKEY_free(pk);
    }
    expect_reject(alt, n, "SubjectPublicKeyInfo", 3, "re-encodes differently from DER byte 3");
    /* a BER long-form length for the outer SEQUENCE */
    uint8_t ber[1024];
    memcpy(ber, "\x30\x83\x00", 3);
    memcpy(ber + 3, der + 2, der_len - 2);
    cvm_err err;
    assert_int_not_equal(load(ber, der_len + 1, &err), CVM_OK);
}

static void rejects_framing(void **state)
{
    (void)state;
    uint8_t b[4096];
    size_t n;
    /* trailing bytes after the block */
    memcpy(b, pem, pem_len);
    memcpy(b + pem_len, "x", 1);
    expect_reject(b, pem_len + 1, "PUBLIC KEY", pem_len, "unexpected bytes after the PEM block");
    /* another label */
    n = (size_t)snprintf((char *)b, sizeof b, "-----BEGIN RSA PUBLIC KEY-----\n%s",
                         (const char *)pem + strlen("-----BEGIN PUBLIC KEY-----\n"));
    expect_reject(b, n, "PUBLIC KEY", 0, "expected \"-----BEGIN PUBLIC KEY-----\"");
    /* a PEM header line */
    n = (size_t)snprintf((char *)b, sizeof b, "-----BEGIN PUBLIC KEY-----\nProc-Type: 4,ENCRYPTED\n%s",
                         (const char *)pem + strlen("-----BEGIN PUBLIC KEY-----\n"));
    expect_reject(b, n, "PUBLIC KEY", 31, "not base64 (PEM headers are not accepted)");
    /* DER with trailing bytes */
    memcpy(b, der, der_len);
    b[der_len] = 0;
    expect_reject(b, der_len + 1, "SubjectPublicKeyInfo", der_len, "1 bytes after the key's");
    /* not a key at all */
    expect_reject((const uint8_t *)"hello", 5, "SubjectPublicKeyInfo", 0, "neither PEM");
}

static int parse_spki(const uint8_t *b, size_t n, void *ctx)
{
    (void)ctx;
    EVP_PKEY *pk = NULL;
    cvm_err err;
    cvm_err_clear(&err);
    int rc = cvm_spki_load(b, n, "t", &pk, &err);
    EVP_PKEY_free(pk);
    return rc;
}

static void truncations_rejected(void **state)
{
    (void)state;
    /* the PEM less its final LF is still whole: prefixes up to END's last '-' */
    cvm_test_truncations(pem, pem_len - 1, parse_spki, NULL);
    cvm_test_truncations(der, der_len, parse_spki, NULL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(accepts_openssl_pem_der_and_crlf),
        cmocka_unit_test(rejects_nonzero_trailing_bits),
        cmocka_unit_test(rejects_bytes_after_end_marker),
        cmocka_unit_test(rejects_second_der_spelling),
        cmocka_unit_test(rejects_framing),
        cmocka_unit_test(truncations_rejected),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
