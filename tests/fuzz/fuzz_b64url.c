/* Strict base64url: an accepted string is the one canonical encoding of
 * what it decodes to (decode -> encode gives it back), rejections point
 * inside the string, and any byte string survives encode -> decode. */
#include "b64url.h"
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *s = (const char *)data;
    uint8_t *dec = NULL;
    size_t n = 0, pos = (size_t)-1;
    int rc = cvm_b64url_decode_alloc(s, size, &dec, &n, &pos);
    if (rc == CVM_OK) {
        FUZZ_CHECK(dec != NULL);
        FUZZ_CHECK(n == cvm_b64url_decoded_len(size));
        FUZZ_CHECK(cvm_b64url_encoded_len(n) == size);
        char *enc = cvm_b64url_encode_alloc(dec, n);
        FUZZ_CHECK(enc && strlen(enc) == size && memcmp(enc, s, size) == 0);
        free(enc);
        /* the fixed-buffer API agrees, and refuses a buffer one byte short */
        if (n > 0) {
            uint8_t *fixed = malloc(n);
            size_t n2 = 0;
            FUZZ_CHECK(fixed);
            FUZZ_CHECK(cvm_b64url_decode(s, size, fixed, n, &n2, NULL) == CVM_OK);
            FUZZ_CHECK(n2 == n && memcmp(fixed, dec, n) == 0);
            FUZZ_CHECK(cvm_b64url_decode(s, size, fixed, n - 1, &n2, NULL) == CVM_E_LIMIT);
            free(fixed);
        }
    } else {
        FUZZ_CHECK(rc == CVM_E_SYNTAX);
        FUZZ_CHECK(pos < size);
    }
    free(dec);

    /* the input as raw bytes: encode -> decode is the identity */
    char *enc = cvm_b64url_encode_alloc(data, size);
    FUZZ_CHECK(enc);
    size_t elen = strlen(enc);
    FUZZ_CHECK(elen == cvm_b64url_encoded_len(size));
    uint8_t *back = NULL;
    size_t blen = 0;
    FUZZ_CHECK(cvm_b64url_decode_alloc(enc, elen, &back, &blen, NULL) == CVM_OK);
    FUZZ_CHECK(blen == size && (size == 0 || memcmp(back, data, size) == 0));
    free(back);
    free(enc);
    return 0;
}
