/* --batch path expansion (spec/verify.md §1.1) and the decoding memo
 * (verify/parse_cache.c): what the batch relies on beyond tests/e2e/batch.sh. */
#include "harness.h"

#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "batch.h"
#include "verify.h"

static void touch(const char *dir, const char *name)
{
    char p[512];
    snprintf(p, sizeof p, "%s/%s", dir, name);
    FILE *f = fopen(p, "w");
    assert_non_null(f);
    fclose(f);
}

static void expand_sorted_recursive(void **state)
{
    (void)state;
    const char *d = cvm_test_tmpdir();
    char p[512];
    snprintf(p, sizeof p, "%s/sub", d);
    assert_int_equal(mkdir(p, 0755), 0);
    snprintf(p, sizeof p, "%s/dir.tar", d);
    assert_int_equal(mkdir(p, 0755), 0);
    touch(d, "b.tar");
    touch(d, "a.tar");
    touch(d, "notes.txt");
    touch(d, "x.tar.gz");
    touch(d, ".tar"); /* a bare ".tar" is not "*.tar" with a name */
    snprintf(p, sizeof p, "%s/sub", d);
    touch(p, "c.tar");
    snprintf(p, sizeof p, "%s/dir.tar", d);
    touch(p, "inner.tar");
    char link[512];
    snprintf(link, sizeof link, "%s/z-dangling.tar", d);
    assert_int_equal(symlink("/nonexistent/nowhere.tar", link), 0);

    const char *paths[] = {d, "/nonexistent/explicit.tar"};
    char **list = NULL;
    size_t n = 0;
    char err[256];
    assert_int_equal(cvm_batch_expand(paths, 2, &list, &n, err, sizeof err), 0);
    const char *want[] = {"a.tar", "b.tar", "dir.tar/inner.tar", "sub/c.tar", "z-dangling.tar"};
    assert_int_equal(n, 6);
    for (size_t i = 0; i < 5; i++) {
        snprintf(p, sizeof p, "%s/%s", d, want[i]);
        assert_string_equal(list[i], p);
    }
    /* an explicit path is kept even though it does not exist: it is reported */
    assert_string_equal(list[5], "/nonexistent/explicit.tar");
    cvm_batch_list_free(list, n);

    /* an empty directory expands to nothing (UBSan once caught a qsort of NULL here) */
    snprintf(p, sizeof p, "%s/sub2", d);
    assert_int_equal(mkdir(p, 0755), 0);
    const char *empty[] = {p};
    assert_int_equal(cvm_batch_expand(empty, 1, &list, &n, err, sizeof err), 0);
    assert_int_equal(n, 0);
    cvm_batch_list_free(list, n);
}

static void memo_certs_same_result_new_refs(void **state)
{
    (void)state;
    /* a self-signed certificate made here */
    EVP_PKEY *k = EVP_EC_gen("P-256");
    assert_non_null(k);
    X509 *x = X509_new();
    X509_set_version(x, 2);
    ASN1_INTEGER_set(X509_get_serialNumber(x), 7);
    X509_gmtime_adj(X509_getm_notBefore(x), 0);
    X509_gmtime_adj(X509_getm_notAfter(x), 3600);
    X509_NAME_add_entry_by_txt(X509_get_subject_name(x), "CN", MBSTRING_ASC, (const unsigned char *)"memo", -1, -1,
                               0);
    X509_set_issuer_name(x, X509_get_subject_name(x));
    X509_set_pubkey(x, k);
    assert_true(X509_sign(x, k, EVP_sha256()) > 0);
    BIO *b = BIO_new(BIO_s_mem());
    PEM_write_bio_X509(b, x);
    char *pem;
    long pl = BIO_get_mem_data(b, &pem);
    cvm_err e;
    cvm_err_clear(&e);
    STACK_OF(X509) *s1 = NULL, *s2 = NULL, *s3 = NULL;
    assert_int_equal(cvm_pcache_certs((const uint8_t *)pem, (size_t)pl, "memo.pem", &s1, &e), CVM_OK);
    assert_int_equal(cvm_pcache_certs((const uint8_t *)pem, (size_t)pl, "memo.pem", &s2, &e), CVM_OK);
    assert_int_equal(sk_X509_num(s1), 1);
    assert_int_equal(sk_X509_num(s2), 1);
    /* the second is the memo: the same certificate object, its own stack */
    assert_ptr_equal(sk_X509_value(s1, 0), sk_X509_value(s2, 0));
    assert_ptr_not_equal(s1, s2);
    assert_int_equal(X509_cmp(sk_X509_value(s1, 0), x), 0);
    /* freeing one list leaves the other usable (references, not borrowing) */
    cvm_certs_free(s1);
    assert_int_equal(X509_cmp(sk_X509_value(s2, 0), x), 0);
    cvm_certs_free(s2);
    /* one changed byte is another key: decoded again, and a failure is not cached */
    char *bad = malloc((size_t)pl);
    memcpy(bad, pem, (size_t)pl);
    bad[40] = bad[40] == 'A' ? 'B' : 'A';
    cvm_err_clear(&e);
    int rc1 = cvm_pcache_certs((const uint8_t *)bad, (size_t)pl, "bad.pem", &s3, &e);
    if (rc1 == CVM_OK)
        cvm_certs_free(s3);
    s3 = NULL;
    cvm_err_clear(&e);
    int rc2 = cvm_pcache_certs((const uint8_t *)bad, (size_t)pl, "bad.pem", &s3, &e);
    assert_int_equal(rc1, rc2);
    if (rc2 == CVM_OK)
        cvm_certs_free(s3);
    else
        assert_string_equal(e.what, "bad.pem"); /* the error still names the file */
    free(bad);

    /* public keys */
    BIO *kb = BIO_new(BIO_s_mem());
    PEM_write_bio_PUBKEY(kb, k);
    char *kp;
    long kl = BIO_get_mem_data(kb, &kp);
    assert_null(cvm_pcache_pubkey_get((const uint8_t *)kp, (size_t)kl));
    cvm_pcache_pubkey_put((const uint8_t *)kp, (size_t)kl, k);
    EVP_PKEY *got = cvm_pcache_pubkey_get((const uint8_t *)kp, (size_t)kl);
    assert_ptr_equal(got, k);
    EVP_PKEY_free(got);
    BIO_free(kb);
    BIO_free(b);
    X509_free(x);
    EVP_PKEY_free(k);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(expand_sorted_recursive),
        cmocka_unit_test(memo_certs_same_result_new_refs),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
