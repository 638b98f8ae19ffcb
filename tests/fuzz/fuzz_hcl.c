/* Azure HCL report: parse (with the nested SNP parse for report type 2),
 * write back at the parsed size (byte-identical), the nested SNP report
 * writes back to the hardware area, the digest and the JSON view. */
#include "fuzz.h"
#include "hcl.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    cvm_hcl_report h;
    cvm_err err;
    cvm_err_clear(&err);
    int rc = cvm_hcl_parse(data, size, "fuzz.bin", &h, &err);
    fuzz_check_rc_len(rc, &err, size);
    if (rc)
        return 0;

    FUZZ_CHECK(h.total_len == size);
    FUZZ_CHECK(h.used_len + h.padding_len == size);
    FUZZ_CHECK(h.json_len == h.variable_data_size);
    FUZZ_CHECK(h.is_snp != h.is_tdx);
    FUZZ_CHECK(h.hw_report == data + CVM_HCL_HW_OFFSET);
    FUZZ_CHECK(h.json_len == 0 || h.json == data + CVM_HCL_JSON_OFFSET);

    cvm_wr w;
    cvm_wr_init(&w);
    FUZZ_CHECK(cvm_hcl_write(&h, h.total_len, &w) == CVM_OK);
    FUZZ_CHECK(w.len == size && memcmp(w.p, data, size) == 0);
    cvm_wr_free(&w);
    /* a size below the content is refused, not truncated */
    cvm_wr_init(&w);
    FUZZ_CHECK(cvm_hcl_write(&h, h.used_len - 1, &w) == CVM_E_LIMIT);
    cvm_wr_free(&w);

    if (h.is_snp) {
        uint8_t hw[CVM_SNP_REPORT_LEN];
        cvm_snp_write(&h.snp, hw);
        FUZZ_CHECK(memcmp(hw, h.hw_report, CVM_SNP_REPORT_LEN) == 0);
        FUZZ_CHECK(cvm_hcl_report_data(&h) == h.snp.report_data);
    } else {
        FUZZ_CHECK(cvm_hcl_report_data(&h) == h.hw_report + CVM_HCL_TDX_REPORTDATA_OFFSET);
    }

    uint8_t d[64];
    size_t dn = cvm_hcl_json_digest(&h, d, sizeof(d));
    FUZZ_CHECK(dn == cvm_hcl_hash_len(h.hash_type) && dn != 0);
    FUZZ_CHECK(strcmp(cvm_hcl_hash_name(h.hash_type), "unknown") != 0);
    fuzz_dump_json(cvm_hcl_to_json(&h, CVM_PRODUCT_UNKNOWN));
    return 0;
}
