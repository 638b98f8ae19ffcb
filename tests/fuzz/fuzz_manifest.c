/* manifest.json: the parser accepts only canonical bytes of a valid
 * manifest (spec/bundle-v1.md §4.2), so parse -> write is byte-identical;
 * the JSON view serialises canonically to the same bytes too. */
#include "fuzz.h"
#include "manifest.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    cvm_manifest m;
    cvm_err err;
    cvm_err_clear(&err);
    int rc = cvm_manifest_parse(data, size, "manifest.json", &m, &err);
    fuzz_check_rc_len(rc, &err, size);
    if (rc) {
        cvm_manifest_free(&m); /* documented as safe after a failure */
        return 0;
    }
    for (size_t i = 1; i < m.n_members; i++)
        FUZZ_CHECK(strcmp(m.members[i - 1].name, m.members[i].name) < 0);

    cvm_wr w;
    cvm_wr_init(&w);
    cvm_err_clear(&err);
    rc = cvm_manifest_write(&m, &w, &err);
    if (rc) {
        char b[512];
        fprintf(stderr, "accepted manifest does not write: %s\n", cvm_err_format(&err, b, sizeof(b)));
        abort();
    }
    FUZZ_CHECK(w.len == size && memcmp(w.p, data, size) == 0);
    cvm_wr_free(&w);

    json_t *j = cvm_manifest_to_json(&m);
    FUZZ_CHECK(j);
    cvm_wr_init(&w);
    FUZZ_CHECK(cvm_json_canonical(j, &w) == CVM_OK);
    FUZZ_CHECK(w.len == size && memcmp(w.p, data, size) == 0);
    cvm_wr_free(&w);
    json_decref(j);
    cvm_manifest_free(&m);
    return 0;
}
