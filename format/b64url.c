#include "b64url.h"

#include <stdlib.h>

#include "err.h"

static const char alphabet[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

static int val(unsigned char c)
{
    if (c >= 'A' && c <= 'Z') return c - 'A';
    if (c >= 'a' && c <= 'z') return c - 'a' + 26;
    if (c >= '0' && c <= '9') return c - '0' + 52;
    if (c == '-') return 62;
    if (c == '_') return 63;
    return -1;
}

size_t cvm_b64url_decoded_len(size_t slen)
{
    if (slen % 4 == 1)
        return (size_t)-1;
    return slen / 4 * 3 + (slen % 4 ? slen % 4 - 1 : 0);
}

size_t cvm_b64url_encoded_len(size_t n)
{
    return n / 3 * 4 + (n % 3 ? n % 3 + 1 : 0);
}

int cvm_b64url_decode(const char *s, size_t slen, uint8_t *out, size_t cap, size_t *outlen,
                      size_t *errpos)
{
    size_t dummy;
    if (!errpos)
        errpos = &dummy;
    /* validate every character before writing, so a failure leaves out alone */
    for (size_t i = 0; i < slen; i++) {
        if (val((unsigned char)s[i]) < 0) {
            *errpos = i;
            return CVM_E_SYNTAX;
        }
    }
    size_t need = cvm_b64url_decoded_len(slen);
    if (need == (size_t)-1) {
        *errpos = slen - 1;
        return CVM_E_SYNTAX;
    }
    /* the low bits the last character contributes beyond the final byte
     * must be zero, or two encodings would decode to the same bytes */
    if (slen % 4 == 2 && (val((unsigned char)s[slen - 1]) & 0x0f)) {
        *errpos = slen - 1;
        return CVM_E_SYNTAX;
    }
    if (slen % 4 == 3 && (val((unsigned char)s[slen - 1]) & 0x03)) {
        *errpos = slen - 1;
        return CVM_E_SYNTAX;
    }
    if (need > cap)
        return CVM_E_LIMIT;
    size_t o = 0;
    uint32_t acc = 0;
    int bits = 0;
    for (size_t i = 0; i < slen; i++) {
        acc = (acc << 6) | (uint32_t)val((unsigned char)s[i]);
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            out[o++] = (uint8_t)(acc >> bits);
            acc &= (1u << bits) - 1;
        }
    }
    *outlen = o;
    return CVM_OK;
}

int cvm_b64url_decode_alloc(const char *s, size_t slen, uint8_t **out, size_t *outlen,
                            size_t *errpos)
{
    size_t need = cvm_b64url_decoded_len(slen);
    if (need == (size_t)-1)
        need = 0; /* cvm_b64url_decode reports the error and its position */
    uint8_t *p = malloc(need ? need : 1);
    if (!p)
        return CVM_E_NOMEM;
    int rc = cvm_b64url_decode(s, slen, p, need, outlen, errpos);
    if (rc) {
        free(p);
        return rc;
    }
    *out = p;
    return CVM_OK;
}

void cvm_b64url_encode(const uint8_t *p, size_t n, char *out)
{
    size_t o = 0, i = 0;
    for (; i + 3 <= n; i += 3) {
        uint32_t v = (uint32_t)p[i] << 16 | (uint32_t)p[i + 1] << 8 | p[i + 2];
        out[o++] = alphabet[v >> 18];
        out[o++] = alphabet[(v >> 12) & 63];
        out[o++] = alphabet[(v >> 6) & 63];
        out[o++] = alphabet[v & 63];
    }
    if (n - i == 1) {
        uint32_t v = (uint32_t)p[i] << 16;
        out[o++] = alphabet[v >> 18];
        out[o++] = alphabet[(v >> 12) & 63];
    } else if (n - i == 2) {
        uint32_t v = (uint32_t)p[i] << 16 | (uint32_t)p[i + 1] << 8;
        out[o++] = alphabet[v >> 18];
        out[o++] = alphabet[(v >> 12) & 63];
        out[o++] = alphabet[(v >> 6) & 63];
    }
    out[o] = 0;
}

char *cvm_b64url_encode_alloc(const uint8_t *p, size_t n)
{
    char *s = malloc(cvm_b64url_encoded_len(n) + 1);
    if (s)
        cvm_b64url_encode(p, n, s);
    return s;
}
