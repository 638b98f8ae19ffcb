#include "opsign.h"

#include <stdlib.h>
#include <string.h>

#include <openssl/bio.h>
#include <openssl/cms.h>
#include <openssl/err.h>
#include <openssl/pem.h>

#include "buf.h"

static int ossl_fail(cvm_err *err, const char *what, const char *field, const char *msg)
{
    unsigned long e = ERR_peek_last_error();
    const char *r = e ? ERR_reason_error_string(e) : NULL;
    ERR_clear_error();
    return cvm_err_set(err, CVM_E_VALUE, what, field, CVM_NO_OFFSET, "%s%s%s", msg, r ? ": " : "", r ? r : "");
}

int cvm_signer_load(const char *key_path, const char *cert_path, cvm_signer *s, cvm_err *err)
{
    memset(s, 0, sizeof *s);
    uint8_t *buf = NULL;
    size_t len = 0;
    if (cvm_file_read(key_path, 1u << 20, &buf, &len, err))
        return CVM_E_IO;
    BIO *b = BIO_new_mem_buf(buf, (int)len);
    s->key = b ? PEM_read_bio_PrivateKey(b, NULL, NULL, NULL) : NULL;
    BIO_free(b);
    if (!s->key) {
        free(buf);
        return ossl_fail(err, key_path, "private key", "not an unencrypted PEM private key");
    }
    if (cert_path) {
        free(buf);
        buf = NULL;
        if (cvm_file_read(cert_path, 1u << 20, &buf, &len, err)) {
            cvm_signer_free(s);
            return CVM_E_IO;
        }
    }
    const char *cp = cert_path ? cert_path : key_path;
    s->extra = sk_X509_new_null();
    b = BIO_new_mem_buf(buf, (int)len);
    X509 *x;
    while (b && s->extra && (x = PEM_read_bio_X509(b, NULL, NULL, NULL)) != NULL) {
        if (!s->cert)
            s->cert = x;
        else if (!sk_X509_push(s->extra, x))
            X509_free(x);
    }
    BIO_free(b);
    free(buf);
    ERR_clear_error();
    if (!s->cert) {
        cvm_signer_free(s);
        return cvm_err_set(err, CVM_E_VALUE, cp, "certificate", CVM_NO_OFFSET,
                           "no PEM certificate: CMS needs the signer's certificate (--sign-cert)");
    }
    if (X509_check_private_key(s->cert, s->key) != 1) {
        cvm_signer_free(s);
        return ossl_fail(err, cp, "certificate", "the certificate's public key does not match --sign-key");
    }
    return CVM_OK;
}

int cvm_signer_sign(const cvm_signer *s, const uint8_t *data, size_t len, uint8_t **out, size_t *out_len,
                    cvm_err *err)
{
    *out = NULL;
    *out_len = 0;
    BIO *in = BIO_new_mem_buf(data, (int)len);
    /* c-apis.md §1.10: BINARY or the content is MIME-canonicalised (LF ->
     * CRLF) and verifies only by luck; NOSMIMECAP: no e-mail capabilities
     * attribute, the signed attributes are contentType, messageDigest and
     * signingTime */
    CMS_ContentInfo *cms = in ? CMS_sign(s->cert, s->key, sk_X509_num(s->extra) ? s->extra : NULL, in,
                                         CMS_DETACHED | CMS_BINARY | CMS_NOSMIMECAP)
                              : NULL;
    BIO_free(in);
    if (!cms)
        return ossl_fail(err, "manifest.json.p7s", "CMS_sign", "cannot sign manifest.json");
    unsigned char *der = NULL;
    int n = i2d_CMS_ContentInfo(cms, &der);
    CMS_ContentInfo_free(cms);
    if (n <= 0)
        return ossl_fail(err, "manifest.json.p7s", "DER", "cannot encode the signature");
    *out = malloc((size_t)n);
    if (!*out) {
        OPENSSL_free(der);
        return cvm_err_set(err, CVM_E_NOMEM, "manifest.json.p7s", "DER", CVM_NO_OFFSET, "out of memory");
    }
    memcpy(*out, der, (size_t)n);
    *out_len = (size_t)n;
    OPENSSL_free(der);
    return CVM_OK;
}

void cvm_signer_free(cvm_signer *s)
{
    EVP_PKEY_free(s->key);
    X509_free(s->cert);
    if (s->extra)
        sk_X509_pop_free(s->extra, X509_free);
    memset(s, 0, sizeof *s);
}
