/* TPMS_ATTEST (tpm2_quote -m): parse, JSON view, and the embedded
 * TPML_PCR_SELECTION's helpers agree with each other: the wire writer's
 * output parses back equal, the text form (when non-empty) parses back
 * equal, and list/count/has describe the same set; libtss2-mu decodes
 * the same values from the same bytes (mu_diff.h). */
#include "fuzz.h"
#include "mu_diff.h"
#include "tpm.h"

static void check_selection(const cvm_pcr_selection *s)
{
    cvm_wr w;
    cvm_wr_init(&w);
    FUZZ_CHECK(cvm_pcr_selection_write(s, &w) == CVM_OK);
    cvm_pcr_selection back;
    cvm_err err;
    cvm_err_clear(&err);
    FUZZ_CHECK(cvm_pcr_selection_parse(w.p, w.len, "rewritten", &back, &err) == CVM_OK);
    FUZZ_CHECK(cvm_pcr_selection_equal(s, &back));
    cvm_wr_free(&w);

    cvm_pcr_ref refs[CVM_TPM_SELECTED_MAX];
    size_t n = cvm_pcr_selection_list(s, refs, CVM_TPM_SELECTED_MAX);
    FUZZ_CHECK(n == cvm_pcr_selection_count(s) && n <= CVM_TPM_SELECTED_MAX);
    for (size_t i = 0; i < n; i++)
        FUZZ_CHECK(cvm_pcr_selection_has(s, refs[i].alg, refs[i].pcr));

    char txt[CVM_PCR_SELECTION_STR_MAX];
    FUZZ_CHECK(cvm_pcr_selection_to_string(s, txt, sizeof(txt)) == CVM_OK);
    if (s->count > 0) {
        cvm_err_clear(&err);
        int rc = cvm_pcr_selection_from_string(txt, &back, &err);
        if (rc) {
            char b[512];
            fprintf(stderr, "to_string output \"%s\" rejected: %s\n", txt,
                    cvm_err_format(&err, b, sizeof(b)));
            abort();
        }
        FUZZ_CHECK(cvm_pcr_selection_equal(s, &back));
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    cvm_tpm_attest a;
    cvm_err err;
    cvm_err_clear(&err);
    int rc = cvm_tpm_attest_parse(data, size, "quote.msg", &a, &err);
    fuzz_check_rc_len(rc, &err, size);
    if (rc)
        return 0;
    FUZZ_CHECK(a.magic == CVM_TPM_GENERATED_VALUE && a.type == CVM_TPM_ST_ATTEST_QUOTE);
    FUZZ_CHECK(a.qualified_signer_len <= CVM_TPM_NAME_MAX);
    FUZZ_CHECK(a.extra_data_len <= CVM_TPM_DATA_MAX);
    FUZZ_CHECK(a.pcr_digest_len <= CVM_TPM_HASH_MAX);
    /* views stay inside the input */
    if (a.extra_data_len)
        FUZZ_CHECK(a.extra_data >= data && a.extra_data + a.extra_data_len <= data + size);
    if (a.pcr_digest_len)
        FUZZ_CHECK(a.pcr_digest >= data && a.pcr_digest + a.pcr_digest_len <= data + size);
    check_selection(&a.pcr_select);
    mu_check_attest(data, size, &a);
    fuzz_dump_json(cvm_tpm_attest_to_json(&a));
    return 0;
}
