/* Azure runtime claims JSON: strict parse, key lookup, the JSON view, and
 * every RSA n/e decoded by our base64url re-encodes to the stored string
 * (the decoder accepts exactly one encoding per byte string). */
#include "b64url.h"
#include "fuzz.h"
#include "runtime.h"

static void check_b64(const cvm_jwk *k, const char *member, const uint8_t *p, size_t n)
{
    json_t *v = json_object_get(k->json, member);
    FUZZ_CHECK(json_is_string(v));
    char *enc = cvm_b64url_encode_alloc(p, n);
    FUZZ_CHECK(enc != NULL);
    FUZZ_CHECK(strlen(enc) == json_string_length(v) && strcmp(enc, json_string_value(v)) == 0);
    free(enc);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    cvm_runtime rt;
    cvm_err err;
    cvm_err_clear(&err);
    int rc = cvm_runtime_parse(data, size, "fuzz.json", &rt, &err);
    fuzz_check_rc(rc, &err);
    if (rc) {
        cvm_runtime_free(&rt); /* documented as safe after a failure */
        return 0;
    }
    FUZZ_CHECK(json_is_object(rt.root));
    FUZZ_CHECK(rt.n_keys <= CVM_RUNTIME_MAX_KEYS);
    for (size_t i = 0; i < rt.n_keys; i++) {
        const cvm_jwk *k = &rt.keys[i];
        FUZZ_CHECK(k->kid && k->kty && k->json);
        FUZZ_CHECK(cvm_runtime_find_key(&rt, k->kid) == k);
        if (strcmp(k->kty, "RSA") == 0) {
            FUZZ_CHECK(k->n && k->e);
            check_b64(k, "n", k->n, k->n_len);
            check_b64(k, "e", k->e, k->e_len);
        }
    }
    FUZZ_CHECK(cvm_tristate_name(rt.secure_boot) != NULL);
    fuzz_dump_json(cvm_runtime_to_json(&rt));
    cvm_runtime_free(&rt);
    return 0;
}
