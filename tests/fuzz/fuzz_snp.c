/* SNP ATTESTATION_REPORT: parse, then every accessor, and parse -> write
 * must give the input back byte for byte (the signature covers bytes the
 * struct stores as fields, so a lossy field would break verification). */
#include "fuzz.h"
#include "snp.h"

static void tcb_roundtrip(uint64_t raw)
{
    static const enum cvm_product ps[] = {CVM_PRODUCT_UNKNOWN, CVM_PRODUCT_MILAN,
                                          CVM_PRODUCT_GENOA, CVM_PRODUCT_TURIN};
    for (size_t i = 0; i < sizeof(ps) / sizeof(ps[0]); i++) {
        cvm_tcb t;
        char buf[96];
        cvm_tcb_decode(raw, ps[i], &t);
        FUZZ_CHECK(cvm_tcb_encode(&t) == raw);
        FUZZ_CHECK(cvm_tcb_ge(&t, &t));
        FUZZ_CHECK(cvm_tcb_format(&t, buf, sizeof(buf)) != NULL);
        FUZZ_CHECK(memchr(buf, 0, sizeof(buf)) != NULL);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    cvm_snp_report rep;
    cvm_err err;
    cvm_err_clear(&err);
    int rc = cvm_snp_parse(data, size, "fuzz.bin", &rep, &err);
    fuzz_check_rc_len(rc, &err, size);
    if (rc)
        return 0;
    FUZZ_CHECK(size == CVM_SNP_REPORT_LEN);

    uint8_t out[CVM_SNP_REPORT_LEN];
    cvm_snp_write(&rep, out);
    FUZZ_CHECK(memcmp(out, data, CVM_SNP_REPORT_LEN) == 0);

    /* the cursor entry point agrees and stops after exactly 1184 bytes */
    {
        cvm_rd r;
        cvm_snp_report rep2;
        cvm_err e2;
        cvm_err_clear(&e2);
        cvm_rd_init(&r, data, size, "fuzz.bin", &e2);
        FUZZ_CHECK(cvm_snp_parse_rd(&r, &rep2) == CVM_OK);
        FUZZ_CHECK(cvm_rd_left(&r) == 0);
        cvm_snp_write(&rep2, out);
        FUZZ_CHECK(memcmp(out, data, CVM_SNP_REPORT_LEN) == 0);
    }

    uint8_t r[CVM_SNP_P384_LEN], s[CVM_SNP_P384_LEN];
    cvm_err_clear(&err);
    rc = cvm_snp_signature_be(&rep, r, s, &err);
    fuzz_check_rc_len(rc, &err, size);
    if (rc == 0) {
        cvm_snp_report copy = rep;
        cvm_snp_set_signature_be(&copy, r, s);
        FUZZ_CHECK(memcmp(copy.signature_r, rep.signature_r, sizeof(rep.signature_r)) == 0);
        FUZZ_CHECK(memcmp(copy.signature_s, rep.signature_s, sizeof(rep.signature_s)) == 0);
    }

    enum cvm_product p = cvm_snp_product(&rep);
    FUZZ_CHECK(cvm_product_name(p) != NULL);
    FUZZ_CHECK(cvm_snp_signing_key_name(rep.key.signing_key) != NULL);
    tcb_roundtrip(rep.current_tcb);
    tcb_roundtrip(rep.reported_tcb);
    tcb_roundtrip(rep.committed_tcb);
    tcb_roundtrip(rep.launch_tcb);

    fuzz_dump_json(cvm_snp_to_json(&rep, CVM_PRODUCT_UNKNOWN));
    fuzz_dump_json(cvm_snp_to_json(&rep, CVM_PRODUCT_TURIN));
    return 0;
}
