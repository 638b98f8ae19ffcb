/* hcl.binding: REPORT_DATA[0:n] == H(runtime JSON bytes exactly as stored)
 * and REPORT_DATA[n:64] == 0, H from the HCL runtime header's hash type
 * (spec/verify.md §3.8, formats.md §1.6). When runtime.json is given next
 * to snp_report.bin it must be byte-identical to the JSON inside it: the
 * auditor reads runtime.json, so it must be the bound one. */
#include "verify.h"

#include <string.h>

void cvm_link_hcl_binding(cvm_verify *v)
{
    const int L = CVM_L_HCL_BINDING;
    if (v->report_input < 0) {
        cvm_link_set(v, L, CVM_ST_SKIP, "no SNP report");
        return;
    }
    if (!cvm_link_need(v, L, v->report_input))
        return;
    if (v->report_input == CVM_IN_GUEST && !cvm_link_need(v, L, CVM_IN_RUNTIME))
        return;
    if (!v->json) {
        cvm_link_set(v, L, CVM_ST_SKIP, "no runtime JSON");
        return;
    }
    json_t *d = cvm_link_details(v, L);
    cvm_input *rt = &v->in[CVM_IN_RUNTIME];
    if (v->json_input == CVM_IN_HCL && rt->present) {
        size_t n = rt->len < v->json_len ? rt->len : v->json_len;
        size_t i = 0;
        while (i < n && rt->buf[i] == v->json[i])
            i++;
        if (i < n || rt->len != v->json_len) {
            cvm_link_set(v, L, CVM_ST_FAIL,
                         "runtime.json differs from the runtime JSON inside snp_report.bin at byte %zu "
                         "(snp_report.bin offset 0x%zx); lengths %zu and %zu",
                         i, (size_t)CVM_HCL_JSON_OFFSET + i, rt->len, v->json_len);
            return;
        }
    }
    size_t hl = cvm_hcl_hash_len(v->json_hash_type);
    uint8_t md[64];
    unsigned mdlen = 0;
    const EVP_MD *alg = hl == 32 ? EVP_sha256() : hl == 48 ? EVP_sha384() : hl == 64 ? EVP_sha512() : NULL;
    if (!alg || EVP_Digest(v->json, v->json_len, md, &mdlen, alg, NULL) != 1 || mdlen != hl) {
        cvm_link_set(v, L, CVM_ST_FAIL, "snp_report.bin: runtime header hash type %u (offset 0x4CC) is unknown",
                     v->json_hash_type);
        return;
    }
    json_object_set_new(d, "hash", json_string(cvm_hcl_hash_name(v->json_hash_type)));
    json_object_set_new(d, "hash_type_source",
                        json_string(v->json_hash_assumed ? "assumed (no HCL runtime header: guest_report.bin + runtime.json)"
                                                         : "HCL runtime header"));
    json_object_set_new(d, "json_bytes", json_integer((json_int_t)v->json_len));
    json_object_set_new(d, "json_digest", cvm_json_hex(md, hl));
    json_object_set_new(d, "report_data", cvm_json_hex(v->report.report_data, 64));
    if (v->json_hash_assumed)
        cvm_limitation(v, "runtime.json was hashed with SHA-256 by assumption: without snp_report.bin there "
                          "is no runtime header naming the hash");
    const char *src = v->json_input == CVM_IN_HCL ? "the runtime JSON" : "runtime.json";
    if (cvm_ct_memcmp(md, v->report.report_data, hl) != 0) {
        cvm_link_set(v, L, CVM_ST_FAIL,
                     "REPORT_DATA[0:%zu] (report offset 0x50) is not %s(%s): the runtime claims (and "
                     "HCLAkPub) are not the ones the SNP report vouches for",
                     hl, cvm_hcl_hash_name(v->json_hash_type), src);
        return;
    }
    uint8_t acc = 0;
    for (size_t i = hl; i < 64; i++)
        acc |= v->report.report_data[i];
    if (acc) {
        cvm_link_set(v, L, CVM_ST_FAIL, "REPORT_DATA[%zu:64] is not zero", hl);
        return;
    }
    /* header fields the parser flags but does not reject: Azure's own
     * documentation disagrees with the bytes about report_size (formats.md
     * §1.3), so they are caveats, not failures */
    if (v->json_input == CVM_IN_HCL && v->hcl.flags) {
        char w[160] = "";
        if (v->hcl.flags & CVM_HCL_F_REPORT_SIZE_MISMATCH)
            snprintf(w, sizeof w, "header report_size %u is not 1236 + %zu", v->hcl.report_size, v->json_len);
        else if (v->hcl.flags & CVM_HCL_F_REQUEST_TYPE)
            snprintf(w, sizeof w, "header request_type is %u, not 2", v->hcl.request_type);
        else
            snprintf(w, sizeof w, "header status is %u, not 0", v->hcl.status);
        cvm_link_set(v, L, CVM_ST_WARN, "REPORT_DATA = %s(%s, %zu bytes) followed by zeros; %s",
                     cvm_hcl_hash_name(v->json_hash_type), src, v->json_len, w);
        return;
    }
    cvm_link_set(v, L, CVM_ST_PASS, "REPORT_DATA = %s(%s, %zu bytes) followed by zeros",
                 cvm_hcl_hash_name(v->json_hash_type), src, v->json_len);
}
