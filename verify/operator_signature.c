/* operator.signature: the operator's CMS signature over manifest.json
 * (member manifest.json.p7s; spec/bundle-v1.md §9, spec/verify.md §3.18).
 *
 * A detached SignedData over the exact manifest.json bytes (binary, never
 * MIME-canonicalised). Every SignerInfo must verify (CMS_verify semantics:
 * all, not any). With --signer-anchor the signer certificate must chain, in
 * a private store (no default paths, partial chains allowed so a pinned
 * leaf works, any purpose), to an anchor at the verification time, or its
 * key must equal an anchored public key: pass, naming the signer. Without
 * an anchor the signature is still checked against the certificate it
 * carries, but the identity is unproven: warn. A signature that does not
 * verify fails (the bundle was changed, or the signer lied). */
#include "verify.h"

#include <string.h>

#include <openssl/bio.h>
#include <openssl/cms.h>
#include <openssl/err.h>
#include <openssl/x509v3.h>

/* signingTime, a signed attribute: the signer's claim, never a time basis */
static void signing_time(CMS_SignerInfo *si, json_t *d)
{
    int idx = CMS_signed_get_attr_by_NID(si, NID_pkcs9_signingTime, -1);
    X509_ATTRIBUTE *a = idx >= 0 ? CMS_signed_get_attr(si, idx) : NULL;
    ASN1_TYPE *t = a ? X509_ATTRIBUTE_get0_type(a, 0) : NULL;
    time_t when;
    if (t && (t->type == V_ASN1_UTCTIME || t->type == V_ASN1_GENERALIZEDTIME) &&
        cvm_asn1_time_to_t((const ASN1_TIME *)t->value.asn1_string, &when) == 0) {
        char b[40];
        cvm_time_format(when, b, sizeof b);
        json_object_set_new(d, "signing_time_claim", json_string(b));
    }
}

static bool key_anchored(const cvm_verify *v, X509 *x)
{
    EVP_PKEY *k = X509_get0_pubkey(x);
    for (size_t i = 0; k && i < v->n_signer_keys; i++)
        if (EVP_PKEY_eq(k, v->signer_keys[i]) == 1)
            return true;
    return false;
}

void cvm_link_operator_signature(cvm_verify *v)
{
    const int L = CVM_L_OPERATOR_SIGNATURE;
    if (!v->opts.bundle_path) {
        cvm_link_set(v, L, CVM_ST_SKIP, "loose files (--dir): no manifest to sign");
        return;
    }
    const uint8_t *p, *man;
    size_t n, manlen;
    if (!v->have_bundle || cvm_bundle_get(&v->bundle, "manifest.json.p7s", &p, &n) != CVM_OK) {
        cvm_link_set(v, L, CVM_ST_SKIP, "no operator signature (manifest.json.p7s) in the bundle");
        return;
    }
    if (cvm_bundle_get(&v->bundle, "manifest.json", &man, &manlen) != CVM_OK) {
        cvm_link_set(v, L, CVM_ST_FAIL, "manifest.json.p7s present but manifest.json is absent");
        return;
    }
    json_t *d = cvm_link_details(v, L);
    ERR_clear_error();
    const unsigned char *q = p;
    CMS_ContentInfo *cms = d2i_CMS_ContentInfo(NULL, &q, (long)n);
    if (!cms || q != p + n) {
        CMS_ContentInfo_free(cms);
        ERR_clear_error();
        cvm_link_set(v, L, CVM_ST_FAIL, "manifest.json.p7s: not one DER CMS ContentInfo%s", cms ? " (trailing bytes)" : "");
        return;
    }
    BIO *content = NULL;
    X509_STORE *store = NULL;
    STACK_OF(X509) *signers = NULL;
    char e[256];
    if (OBJ_obj2nid(CMS_get0_type(cms)) != NID_pkcs7_signed || CMS_is_detached(cms) != 1) {
        cvm_link_set(v, L, CVM_ST_FAIL, "manifest.json.p7s: not a detached CMS SignedData");
        goto out;
    }
    STACK_OF(CMS_SignerInfo) *sis = CMS_get0_SignerInfos(cms);
    int nsi = sis ? sk_CMS_SignerInfo_num(sis) : 0;
    json_object_set_new(d, "signer_infos", json_integer(nsi));
    if (nsi < 1) {
        cvm_link_set(v, L, CVM_ST_FAIL, "manifest.json.p7s: no SignerInfo");
        goto out;
    }
    content = BIO_new_mem_buf(man, (int)manlen);
    if (!content) {
        cvm_link_set(v, L, CVM_ST_FAIL, "out of memory");
        goto out;
    }
    /* 1: the signature math against the certificate(s) it carries. This
     * proves integrity only: anybody can make a certificate. */
    if (CMS_verify(cms, NULL, NULL, content, NULL, CMS_BINARY | CMS_NO_SIGNER_CERT_VERIFY) != 1) {
        cvm_link_set(v, L, CVM_ST_FAIL, "manifest.json.p7s does not verify over manifest.json: %s",
                     cvm_ossl_reason(e, sizeof e));
        goto out;
    }
    signers = CMS_get0_signers(cms);
    json_t *arr = json_array();
    json_object_set_new(d, "signers", arr);
    char subj[512] = "?", other[512];
    for (int i = 0; i < nsi; i++) {
        json_t *sd = json_object();
        if (signers && i < sk_X509_num(signers))
            cvm_x509_identity(sk_X509_value(signers, i), sd, i == 0 ? subj : other, sizeof subj);
        signing_time(sk_CMS_SignerInfo_value(sis, i), sd);
        json_array_append_new(arr, sd);
    }
    if (sk_X509_num(v->signer_anchors) == 0 && v->n_signer_keys == 0) {
        cvm_link_set(v, L, CVM_ST_WARN, "manifest.json.p7s signed by %s: signature valid, signer not verified "
                     "(no --signer-anchor)", subj);
        goto out;
    }
    /* 2: the signer's identity. A pinned public key needs no chain. */
    bool all_pinned = signers && sk_X509_num(signers) == nsi;
    for (int i = 0; all_pinned && i < nsi; i++)
        all_pinned = key_anchored(v, sk_X509_value(signers, i));
    if (all_pinned) {
        json_object_set_new(d, "anchored_by", json_string("pinned public key"));
        cvm_link_set(v, L, CVM_ST_PASS, "manifest.json signed by %s (key pinned by --signer-anchor)", subj);
        goto out;
    }
    if (sk_X509_num(v->signer_anchors) == 0) {
        cvm_link_set(v, L, CVM_ST_FAIL, "manifest.json.p7s signed by %s, whose key is not a --signer-anchor key", subj);
        goto out;
    }
    store = cvm_archive_store(v->signer_anchors, v->vtime);
    if (!store) {
        cvm_link_set(v, L, CVM_ST_FAIL, "out of memory");
        goto out;
    }
    /* c-apis.md §1.10: CMS_verify defaults to the S/MIME purpose; an
     * operator certificate is whatever the organisation issues */
    X509_VERIFY_PARAM_set_purpose(X509_STORE_get0_param(store), X509_PURPOSE_ANY);
    BIO_free(content);
    content = BIO_new_mem_buf(man, (int)manlen);
    if (!content || CMS_verify(cms, NULL, store, content, NULL, CMS_BINARY) != 1) {
        char ts[40];
        cvm_time_format(v->vtime, ts, sizeof ts);
        cvm_link_set(v, L, CVM_ST_FAIL, "manifest.json.p7s signed by %s: the signer does not chain to a "
                     "--signer-anchor at %s: %s", subj, ts, cvm_ossl_reason(e, sizeof e));
        goto out;
    }
    json_object_set_new(d, "anchored_by", json_string("certificate chain"));
    cvm_link_set(v, L, CVM_ST_PASS, "manifest.json signed by %s (chains to a --signer-anchor)", subj);
out:
    ERR_clear_error();
    sk_X509_free(signers);
    X509_STORE_free(store);
    BIO_free(content);
    CMS_ContentInfo_free(cms);
}
