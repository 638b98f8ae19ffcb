/* snp.signature: ECDSA P-384 / SHA-384 by the VCEK (or VLEK) over report
 * bytes 0x000-0x29F (spec/verify.md §3.5, c-apis.md §1.6). r and s come
 * from the parser as big-endian scalars (it rejects non-zero high bytes of
 * the 72-byte little-endian fields); here they become a DER ECDSA-Sig-Value
 * for EVP_DigestVerify. Runs whenever a leaf certificate was identified,
 * even if amd.chain failed, so a report tells both facts apart. */
#include "verify.h"

#include <openssl/ec.h>

void cvm_link_snp_signature(cvm_verify *v)
{
    const int L = CVM_L_SNP_SIGNATURE;
    if (v->report_input < 0) {
        cvm_link_set(v, L, CVM_ST_SKIP, "no SNP report (snp_report.bin / guest_report.bin absent)");
        return;
    }
    if (!cvm_link_need(v, L, v->report_input))
        return;
    if (!v->leaf) {
        cvm_link_set(v, L, CVM_ST_SKIP, "depends on amd.chain: no VCEK/VLEK identified");
        return;
    }
    json_t *d = cvm_link_details(v, L);
    json_object_set_new(d, "signature_algo", json_integer(v->report.signature_algo));
    json_object_set_new(d, "signed_bytes", json_string("0x000-0x29F"));
    json_object_set_new(d, "report_file", json_string(v->in[v->report_input].name));
    if (v->report.signature_algo != 1) {
        cvm_link_set(v, L, CVM_ST_FAIL,
                     "%s: signature_algo at offset 0x34 is %u, expected 1 (ECDSA P-384 with SHA-384)",
                     v->in[v->report_input].name, v->report.signature_algo);
        return;
    }
    uint8_t r[CVM_SNP_P384_LEN], s[CVM_SNP_P384_LEN];
    cvm_err err;
    cvm_err_clear(&err);
    if (cvm_snp_signature_be(&v->report, r, s, &err) != CVM_OK) {
        char eb[512];
        cvm_link_set(v, L, CVM_ST_FAIL, "%s", cvm_err_format(&err, eb, sizeof eb));
        return;
    }
    ECDSA_SIG *es = ECDSA_SIG_new();
    BIGNUM *br = BN_bin2bn(r, sizeof r, NULL), *bs = BN_bin2bn(s, sizeof s, NULL);
    unsigned char *der = NULL;
    int dl = -1;
    if (es && br && bs && ECDSA_SIG_set0(es, br, bs) == 1) {
        br = bs = NULL;
        dl = i2d_ECDSA_SIG(es, &der);
    }
    BN_free(br);
    BN_free(bs);
    ECDSA_SIG_free(es);
    int ok = -1;
    EVP_MD_CTX *m = EVP_MD_CTX_new();
    EVP_PKEY *pk = X509_get0_pubkey(v->leaf);
    if (dl > 0 && m && pk && EVP_DigestVerifyInit(m, NULL, EVP_sha384(), NULL, pk) == 1)
        ok = EVP_DigestVerify(m, der, (size_t)dl, v->report_raw, CVM_SNP_SIGNED_LEN);
    EVP_MD_CTX_free(m);
    OPENSSL_free(der);
    const char *kind = v->leaf_is_vlek ? "VLEK" : "VCEK";
    if (ok == 1)
        cvm_link_set(v, L, CVM_ST_PASS, "the report's ECDSA P-384/SHA-384 signature verifies with the %s key",
                     kind);
    else
        cvm_link_set(v, L, CVM_ST_FAIL,
                     "%s: the ECDSA P-384 signature at offset 0x%x does not verify with the %s key "
                     "(report altered, or the %s belongs to another chip or TCB)",
                     v->in[v->report_input].name,
                     CVM_SNP_SIG_OFFSET + (v->report_input == CVM_IN_HCL ? CVM_HCL_HW_OFFSET : 0), kind, kind);
}
