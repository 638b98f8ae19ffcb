/* tpm2-tools .pcrs files: parse, and when no ignored padding byte was set
 * the writer reproduces the file; the "values" form written from the parse
 * reads back (with the same selection) to the same values; get/digest
 * agree with the value list. */
#include "fuzz.h"
#include "pcrs.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    cvm_pcrs *p = malloc(sizeof(*p)), *q = malloc(sizeof(*q));
    FUZZ_CHECK(p && q);
    cvm_err err;
    cvm_err_clear(&err);
    int rc = cvm_pcrs_parse(data, size, "quote.pcrs", p, &err);
    fuzz_check_rc_len(rc, &err, size);
    if (rc)
        goto out;
    FUZZ_CHECK(p->n_values == cvm_pcr_selection_count(&p->selection));
    FUZZ_CHECK(size == CVM_PCRS_HEADER_SIZE + CVM_PCRS_BLOCK_SIZE * p->n_blocks);
    FUZZ_CHECK(p->nonzero_padding_at == CVM_NO_OFFSET || p->nonzero_padding_at < size);

    cvm_wr w;
    cvm_wr_init(&w);
    FUZZ_CHECK(cvm_pcrs_write(p, &w) == CVM_OK);
    if (p->nonzero_padding_at == CVM_NO_OFFSET)
        FUZZ_CHECK(w.len == size && memcmp(w.p, data, size) == 0);
    cvm_wr_free(&w);

    for (size_t i = 0; i < p->n_values; i++) {
        const cvm_pcrs_value *v = &p->values[i];
        const uint8_t *vp;
        size_t vl;
        FUZZ_CHECK(v->len == cvm_tpm_hash_len(v->alg));
        FUZZ_CHECK(cvm_pcrs_get(p, v->alg, v->pcr, &vp, &vl) == CVM_OK);
        FUZZ_CHECK(vl == v->len && memcmp(vp, v->bytes, vl) == 0);
    }

    cvm_wr_init(&w);
    FUZZ_CHECK(cvm_pcrs_write_values(p, &w) == CVM_OK);
    cvm_err_clear(&err);
    FUZZ_CHECK(cvm_pcrs_parse_values(w.p, w.len, "values", &p->selection, q, &err) == CVM_OK);
    FUZZ_CHECK(q->n_values == p->n_values);
    for (size_t i = 0; i < p->n_values; i++)
        FUZZ_CHECK(q->values[i].alg == p->values[i].alg && q->values[i].pcr == p->values[i].pcr &&
                   memcmp(q->values[i].bytes, p->values[i].bytes, p->values[i].len) == 0);
    cvm_wr_free(&w);

    uint8_t d1[64], d2[64];
    size_t l1 = sizeof(d1), l2 = sizeof(d2);
    FUZZ_CHECK(cvm_pcrs_digest(p, CVM_TPM_ALG_SHA256, d1, &l1) == CVM_OK);
    FUZZ_CHECK(cvm_pcrs_digest(q, CVM_TPM_ALG_SHA256, d2, &l2) == CVM_OK);
    FUZZ_CHECK(l1 == 32 && l2 == 32 && memcmp(d1, d2, 32) == 0);
    fuzz_dump_json(cvm_pcrs_to_json(p));
out:
    free(p);
    free(q);
    return 0;
}
