/* AMD certificate files (PEM chains or one DER certificate): load, then
 * for each certificate the role, CN generation, hashes, AMD extension
 * decoding and the JSON description. Invariants: an accepted DER file is
 * canonical, so writing it back gives the input; a PEM chain rewritten by
 * our writer loads back to the same DER certificates. */
#include <openssl/err.h>
#include <openssl/x509.h>

#include "amdcert.h"
#include "fuzz.h"

static void describe(X509 *x)
{
    char gen[64];
    uint8_t h1[32], h2[32];
    cvm_amd_ext ext;
    cvm_err err;

    FUZZ_CHECK(cvm_cert_role_name(cvm_cert_role_of(x)) != NULL);
    if (cvm_cert_cn_generation(x, gen, sizeof(gen)))
        FUZZ_CHECK(memchr(gen, 0, sizeof(gen)) != NULL);
    (void)cvm_cert_spki_sha256(x, h1);
    FUZZ_CHECK(cvm_cert_sha256(x, h2) == CVM_OK);
    cvm_err_clear(&err);
    int rc = cvm_amdcert_ext_parse(x, "fuzz", &ext, &err);
    fuzz_check_rc(rc, &err);
    if (rc == 0) {
        FUZZ_CHECK(ext.n_unknown <= CVM_AMD_UNKNOWN_MAX);
        FUZZ_CHECK(!ext.has_hwid || ext.hwid_len == 64 || ext.hwid_len == 8);
        if (ext.has_product_name)
            FUZZ_CHECK(memchr(ext.product_name, 0, sizeof(ext.product_name)) != NULL);
        (void)cvm_amd_ext_product_family(&ext);
        fuzz_dump_json(cvm_amd_ext_to_json(&ext));
    }
    fuzz_dump_json(cvm_cert_to_json(x));
    ERR_clear_error();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    STACK_OF(X509) *sk = NULL;
    cvm_err err;
    cvm_err_clear(&err);
    int rc = cvm_certs_load(data, size, "fuzz.pem", &sk, &err);
    fuzz_check_rc_len(rc, &err, size);
    ERR_clear_error();
    if (rc) {
        FUZZ_CHECK(sk == NULL);
        return 0;
    }
    int n = sk_X509_num(sk);
    FUZZ_CHECK(n >= 1 && n <= CVM_CERTS_MAX);
    for (int i = 0; i < n; i++)
        describe(sk_X509_value(sk, i));

    if (data[0] == 0x30) {
        /* DER: exactly one certificate, canonical */
        cvm_wr w;
        cvm_wr_init(&w);
        FUZZ_CHECK(n == 1);
        FUZZ_CHECK(cvm_cert_write_der(sk_X509_value(sk, 0), &w) == CVM_OK);
        FUZZ_CHECK(w.len == size && memcmp(w.p, data, size) == 0);
        cvm_wr_free(&w);
    }
    {
        cvm_wr w;
        STACK_OF(X509) *sk2 = NULL;
        cvm_wr_init(&w);
        FUZZ_CHECK(cvm_certs_write_pem(sk, &w) == CVM_OK);
        cvm_err_clear(&err);
        FUZZ_CHECK(cvm_certs_load(w.p, w.len, "rewritten.pem", &sk2, &err) == CVM_OK);
        FUZZ_CHECK(sk_X509_num(sk2) == n);
        for (int i = 0; i < n; i++) {
            uint8_t a[32], b[32];
            FUZZ_CHECK(cvm_cert_sha256(sk_X509_value(sk, i), a) == CVM_OK);
            FUZZ_CHECK(cvm_cert_sha256(sk_X509_value(sk2, i), b) == CVM_OK);
            FUZZ_CHECK(memcmp(a, b, 32) == 0);
        }
        cvm_certs_free(sk2);
        cvm_wr_free(&w);
    }
    /* the single-certificate entry point agrees on the count */
    {
        X509 *one = NULL;
        cvm_err_clear(&err);
        rc = cvm_cert_load_one(data, size, "fuzz.pem", &one, &err);
        FUZZ_CHECK((rc == CVM_OK) == (n == 1));
        X509_free(one);
    }
    cvm_certs_free(sk);
    ERR_clear_error();
    return 0;
}
