/* TPML_PCR_SELECTION both ways. First byte even: the wire form (parse ->
 * write must be byte-identical: sizeofSelect is kept); odd: the tpm2-tools
 * text form (from_string -> to_string -> from_string is a fixed point).
 * An accepted wire form decodes the same in libtss2-mu (mu_diff.h). */
#include "fuzz.h"
#include "mu_diff.h"
#include "tpm.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    const uint8_t *p = data + 1;
    size_t n = size - 1;
    cvm_pcr_selection s, back;
    cvm_err err;
    cvm_err_clear(&err);
    char txt[CVM_PCR_SELECTION_STR_MAX], txt2[CVM_PCR_SELECTION_STR_MAX];

    if ((data[0] & 1) == 0) {
        int rc = cvm_pcr_selection_parse(p, n, "sel.bin", &s, &err);
        fuzz_check_rc_len(rc, &err, n);
        if (rc)
            return 0;
        cvm_wr w;
        cvm_wr_init(&w);
        FUZZ_CHECK(cvm_pcr_selection_write(&s, &w) == CVM_OK);
        FUZZ_CHECK(w.len == n && memcmp(w.p, p, n) == 0);
        cvm_wr_free(&w);
        mu_check_selection(p, n, &s);
        FUZZ_CHECK(cvm_pcr_selection_to_string(&s, txt, sizeof(txt)) == CVM_OK);
        if (s.count) {
            cvm_err_clear(&err);
            FUZZ_CHECK(cvm_pcr_selection_from_string(txt, &back, &err) == CVM_OK);
            FUZZ_CHECK(cvm_pcr_selection_equal(&s, &back));
        }
        return 0;
    }

    char *str = malloc(n + 1);
    FUZZ_CHECK(str);
    memcpy(str, p, n);
    str[n] = 0;
    int rc = cvm_pcr_selection_from_string(str, &s, &err);
    fuzz_check_rc(rc, &err);
    if (rc == 0) {
        FUZZ_CHECK(s.count >= 1 && s.count <= CVM_TPM_PCR_BANKS_MAX);
        FUZZ_CHECK(cvm_pcr_selection_to_string(&s, txt, sizeof(txt)) == CVM_OK);
        cvm_err_clear(&err);
        FUZZ_CHECK(cvm_pcr_selection_from_string(txt, &back, &err) == CVM_OK);
        FUZZ_CHECK(cvm_pcr_selection_equal(&s, &back));
        FUZZ_CHECK(cvm_pcr_selection_to_string(&back, txt2, sizeof(txt2)) == CVM_OK);
        FUZZ_CHECK(strcmp(txt, txt2) == 0);
        /* the wire form of a text selection parses back */
        cvm_wr w;
        cvm_wr_init(&w);
        FUZZ_CHECK(cvm_pcr_selection_write(&s, &w) == CVM_OK);
        cvm_err_clear(&err);
        FUZZ_CHECK(cvm_pcr_selection_parse(w.p, w.len, "sel.bin", &back, &err) == CVM_OK);
        FUZZ_CHECK(cvm_pcr_selection_equal(&s, &back));
        cvm_wr_free(&w);
    }
    free(str);
    return 0;
}
