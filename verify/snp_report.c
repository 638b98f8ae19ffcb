/* snp.report: the report's own facts (spec/verify.md §3.7). It fails only
 * when the report contradicts itself or the other copy of it: an unknown
 * version or set reserved bytes (the parser rejects them), a reserved
 * signing-key value, or guest_report.bin differing from the report inside
 * snp_report.bin. Everything else (debug, VMPL, TCB floors, measurement)
 * is for the policy link. */
#include "verify.h"

#include <stdio.h>
#include <string.h>

void cvm_link_snp_report(cvm_verify *v)
{
    const int L = CVM_L_SNP_REPORT;
    if (v->report_input < 0) {
        cvm_link_set(v, L, CVM_ST_SKIP, "no SNP report (snp_report.bin / guest_report.bin absent)");
        return;
    }
    if (!cvm_link_need(v, L, v->report_input))
        return;
    const cvm_snp_report *r = &v->report;
    json_t *d = cvm_link_details(v, L);
    json_t *snp = cvm_snp_to_json(r, v->product);
    if (snp)
        json_object_set(v->facts, "snp_report", snp);
    json_decref(snp);
    if (v->report_input == CVM_IN_HCL) {
        json_t *h = cvm_hcl_to_json(&v->hcl, v->product);
        if (h) {
            json_object_del(h, "snp");
            json_object_del(h, "snp_report");
            json_object_set_new(v->facts, "hcl_report", h);
        }
    }
    json_object_set_new(d, "version", json_integer(r->version));
    json_object_set_new(d, "vmpl", json_integer(r->vmpl));
    char hx[32];
    snprintf(hx, sizeof hx, "0x%llx", (unsigned long long)r->policy);
    json_object_set_new(d, "policy", json_string(hx));
    /* PLATFORM_INFO describes the host and AMD keeps defining new bits
     * (a real Turin v5 report has bit 6 set): recorded, never judged */
    if (r->flags & CVM_SNP_F_PLATFORM_RESERVED)
        json_object_set_new(d, "platform_info_undefined_bits", json_true());

    if (r->key.signing_key != CVM_SNP_SIGNING_VCEK && r->key.signing_key != CVM_SNP_SIGNING_VLEK) {
        cvm_link_set(v, L, CVM_ST_FAIL, "%s: KEY_INFO.SIGNING_KEY (offset 0x48) is %u (%s): the report is not "
                     "signed by a VCEK or VLEK",
                     v->in[v->report_input].name, r->key.signing_key,
                     cvm_snp_signing_key_name(r->key.signing_key));
        return;
    }
    /* guest_report.bin next to snp_report.bin must be the same report */
    cvm_input *g = &v->in[CVM_IN_GUEST];
    if (v->report_input == CVM_IN_HCL && g->present) {
        json_object_set_new(d, "guest_report_bin", json_string("compared with snp_report.bin[32:1216]"));
        if (g->len != CVM_SNP_REPORT_LEN) {
            cvm_link_set(v, L, CVM_ST_FAIL, "guest_report.bin is %zu bytes, expected 1184 (bytes 32..1216 of "
                         "snp_report.bin)", g->len);
            return;
        }
        for (size_t i = 0; i < CVM_SNP_REPORT_LEN; i++)
            if (g->buf[i] != v->report_raw[i]) {
                cvm_link_set(v, L, CVM_ST_FAIL, "guest_report.bin differs from the report inside snp_report.bin "
                             "at offset 0x%zx (snp_report.bin offset 0x%zx)", i, i + 32);
                return;
            }
    }
    char pol[160];
    snprintf(pol, sizeof pol, "policy 0x%llx (debug %s, migration agent %s, SMT %s)",
             (unsigned long long)r->policy, r->policy_bits.debug ? "ALLOWED" : "off",
             r->policy_bits.migrate_ma ? "allowed" : "off", r->policy_bits.smt ? "allowed" : "off");
    if (r->flags & CVM_SNP_F_KEYINFO_RESERVED) {
        cvm_link_set(v, L, CVM_ST_FAIL, "%s: KEY_INFO (offset 0x48) has reserved bits set",
                     v->in[v->report_input].name);
        return;
    }
    const char *warn = NULL;
    if (r->flags & CVM_SNP_F_V1)
        warn = "version 1 is a pre-release layout (no firmware build bytes)";
    else if (r->flags & CVM_SNP_F_POLICY_RESERVED)
        warn = "POLICY bit 17 is clear or reserved bits 63:26 are set";
    if (warn) {
        cvm_link_set(v, L, CVM_ST_WARN, "SNP report v%u, VMPL %u, %s, signed by %s; %s", r->version, r->vmpl, pol,
                     cvm_snp_signing_key_name(r->key.signing_key), warn);
        return;
    }
    cvm_link_set(v, L, CVM_ST_PASS, "SNP report v%u, VMPL %u, %s, signed by %s", r->version, r->vmpl, pol,
                 cvm_snp_signing_key_name(r->key.signing_key));
}
