/* Strict base64url (RFC 4648 §5) as used by JWK members: alphabet
 * A-Z a-z 0-9 - _, no padding, no whitespace, and the unused low bits of
 * the last character must be zero (so every byte string has exactly one
 * accepted encoding). OpenSSL's EVP_DecodeBlock is not usable here
 * (c-apis.md §1.9). */
#ifndef CVM_B64URL_H
#define CVM_B64URL_H

#include <stddef.h>
#include <stdint.h>

/* Decoded length for an encoded length, or (size_t)-1 when slen % 4 == 1
 * (no valid encoding has that length). */
size_t cvm_b64url_decoded_len(size_t slen);
/* Encoded length (without NUL) for n bytes. */
size_t cvm_b64url_encoded_len(size_t n);

/* Decodes s[0..slen) into out (cap bytes). Returns CVM_OK with *outlen,
 * CVM_E_SYNTAX (bad character, '=' padding, impossible length, non-zero
 * trailing bits; *errpos = index of the offending character) or
 * CVM_E_LIMIT (cap too small). errpos may be NULL. */
int cvm_b64url_decode(const char *s, size_t slen, uint8_t *out, size_t cap, size_t *outlen,
                      size_t *errpos);
/* Same into a malloc'd buffer (at least 1 byte even for empty input).
 * CVM_E_NOMEM on allocation failure. */
int cvm_b64url_decode_alloc(const char *s, size_t slen, uint8_t **out, size_t *outlen,
                            size_t *errpos);

/* Encodes into out (cvm_b64url_encoded_len(n) + 1 bytes, NUL-terminated). */
void cvm_b64url_encode(const uint8_t *p, size_t n, char *out);
/* malloc'd, NUL-terminated; NULL on allocation failure. */
char *cvm_b64url_encode_alloc(const uint8_t *p, size_t n);

#endif
