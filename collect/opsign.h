/* The operator's CMS signature over manifest.json (member
 * manifest.json.p7s, spec/bundle-v1.md §9): detached SignedData, binary
 * content, the signer certificate (and any chain given) included, signed
 * attributes contentType, messageDigest and signingTime. */
#ifndef CVM_COLLECT_OPSIGN_H
#define CVM_COLLECT_OPSIGN_H

#include <stddef.h>
#include <stdint.h>

#include <openssl/evp.h>
#include <openssl/x509.h>

#include "err.h"

typedef struct cvm_signer {
    EVP_PKEY *key;
    X509 *cert;
    STACK_OF(X509) *extra; /* further certificates from the cert file (a chain) */
} cvm_signer;

/* PEM private key from key_path (unencrypted); the certificate from
 * cert_path, or from key_path when cert_path is NULL (a combined file).
 * Rejects a key that does not match the certificate. */
int cvm_signer_load(const char *key_path, const char *cert_path, cvm_signer *s, cvm_err *err);
/* DER ContentInfo over `data`; caller frees *out. */
int cvm_signer_sign(const cvm_signer *s, const uint8_t *data, size_t len, uint8_t **out, size_t *out_len,
                    cvm_err *err);
void cvm_signer_free(cvm_signer *s);

#endif
