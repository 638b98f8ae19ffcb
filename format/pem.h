/* Strict PEM (RFC 7468 "strict" form) over the cursor: one block at a
 * time, labelled, base64 decoded here so that every byte is judged.
 * Rejected, each with its offset: PEM headers, any character outside the
 * base64 alphabet, lines over 76 characters or empty, misplaced or missing
 * '=' padding, non-zero unused trailing bits (a second spelling of the
 * same bytes), a label other than the one asked for. CRLF and LF both end
 * lines. The decoded DER is for the caller to hand to OpenSSL. */
#ifndef CVM_PEM_H
#define CVM_PEM_H

#include <openssl/evp.h>

#include "buf.h"

/* Is the next thing at r's cursor exactly `s`? (does not move) */
bool cvm_pem_peek(const cvm_rd *r, const char *s);

/* Skips spaces, tabs, CR and LF. */
void cvm_pem_skip_ws(cvm_rd *r);

/* Decodes "-----BEGIN <label>-----" EOL, the base64 body and "-----END
 * <label>-----" (the cursor ends just after it) into der[0..cap). */
int cvm_pem_block(cvm_rd *r, const char *label, const char *field, uint8_t *der, size_t cap,
                  size_t *der_len);

/* After a block: its end of line (or the end of input), then whitespace. */
int cvm_pem_after_block(cvm_rd *r, const char *field);

/* A SubjectPublicKeyInfo file: one PEM "PUBLIC KEY" block with nothing but
 * whitespace after it, or DER spanning the whole input. The DER must be
 * what OpenSSL writes for the key it decodes to (i2d_PUBKEY): a second
 * encoding of the same key (BER lengths, other AlgorithmIdentifier
 * parameters) is rejected, so that the file's bytes and the key are one.
 * *out is a new reference. */
#define CVM_SPKI_MAX_DER (16u * 1024u)
int cvm_spki_load(const uint8_t *buf, size_t len, const char *what, EVP_PKEY **out, cvm_err *err);

#endif
