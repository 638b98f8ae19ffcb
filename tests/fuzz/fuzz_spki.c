/* SubjectPublicKeyInfo files (akpub.pem): strict PEM or DER. Invariants:
 * an accepted input is the one spelling of its key, so writing the key
 * back (DER for a DER input; PEM, 64-column LF, for a PEM input) gives the
 * input again up to trailing whitespace, and loads to an equal key. */
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "fuzz.h"
#include "pem.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    EVP_PKEY *pk = NULL;
    cvm_err err;
    cvm_err_clear(&err);
    int rc = cvm_spki_load(data, size, "fuzz.pem", &pk, &err);
    fuzz_check_rc_len(rc, &err, size);
    ERR_clear_error();
    if (rc) {
        FUZZ_CHECK(pk == NULL);
        return 0;
    }
    FUZZ_CHECK(pk != NULL);
    if (size && data[0] == '-') {
        BIO *b = BIO_new(BIO_s_mem());
        FUZZ_CHECK(b && PEM_write_bio_PUBKEY(b, pk));
        char *p = NULL;
        long n = BIO_get_mem_data(b, &p);
        /* the input may use CRLF and trail whitespace after the END
         * line: compare with the line ends dropped on both sides */
        size_t i = 0, j = 0;
        for (;;) {
            while (i < size && (data[i] == '\r' || data[i] == '\n'))
                i++;
            while (j < (size_t)n && p[j] == '\n')
                j++;
            if (i == size || j == (size_t)n)
                break;
            FUZZ_CHECK(data[i] == (uint8_t)p[j]);
            i++;
            j++;
        }
        FUZZ_CHECK(j == (size_t)n);
        for (; i < size; i++)
            FUZZ_CHECK(data[i] == ' ' || data[i] == '\t' || data[i] == '\r' || data[i] == '\n');
        BIO_free(b);
    } else {
        unsigned char *der = NULL;
        int n = i2d_PUBKEY(pk, &der);
        FUZZ_CHECK(n > 0 && (size_t)n == size && memcmp(der, data, size) == 0);
        EVP_PKEY *again = NULL;
        cvm_err_clear(&err);
        FUZZ_CHECK(cvm_spki_load(der, (size_t)n, "again", &again, &err) == CVM_OK);
        FUZZ_CHECK(EVP_PKEY_eq(pk, again) == 1);
        EVP_PKEY_free(again);
        OPENSSL_free(der);
    }
    EVP_PKEY_free(pk);
    ERR_clear_error();
    return 0;
}
