/* ak.binding: the TPM's AK is the key the runtime claims vouch for
 * (spec/verify.md §3.9): runtime JSON keys[kid=HCLAkPub] (RSA n, e) equals
 * akpub.pem and, when present, ak.pub (TPM2B_PUBLIC). Keys are compared by
 * n and e numerically (EVP_PKEY_eq is not used: it returns -1 on type
 * mismatch, c-apis.md §1.9). The HCLAkPub key is rebuilt with
 * EVP_PKEY_fromdata, which accepts junk, so the key is checked for shape
 * (public_ok). The qualifiedSigner of the quote is compared with the AK's
 * qualified name as a primary under the endorsement (Azure) or owner
 * hierarchy, from ak.pub or else from Azure's AK template (formats.md
 * §5.5-5.6); a mismatch there is informational (the signature decides). */
#include "verify.h"
#include "binding.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/param_build.h>

static EVP_PKEY *rsa_from_ne(const uint8_t *n, size_t nl, const uint8_t *e, size_t el)
{
    EVP_PKEY *pk = NULL;
    BIGNUM *bn = BN_bin2bn(n, (int)nl, NULL), *be = BN_bin2bn(e, (int)el, NULL);
    OSSL_PARAM_BLD *b = OSSL_PARAM_BLD_new();
    OSSL_PARAM *prm = NULL;
    EVP_PKEY_CTX *pc = NULL;
    if (!bn || !be || !b || OSSL_PARAM_BLD_push_BN(b, OSSL_PKEY_PARAM_RSA_N, bn) != 1 ||
        OSSL_PARAM_BLD_push_BN(b, OSSL_PKEY_PARAM_RSA_E, be) != 1)
        goto out;
    prm = OSSL_PARAM_BLD_to_param(b);
    pc = EVP_PKEY_CTX_new_from_name(NULL, "RSA", NULL);
    if (!prm || !pc || EVP_PKEY_fromdata_init(pc) != 1 ||
        EVP_PKEY_fromdata(pc, &pk, EVP_PKEY_PUBLIC_KEY, prm) != 1)
        pk = NULL;
out:
    EVP_PKEY_CTX_free(pc);
    OSSL_PARAM_free(prm);
    OSSL_PARAM_BLD_free(b);
    BN_free(bn);
    BN_free(be);
    return pk;
}

/* n odd and 1024..16384 bits, e odd with 2^16 < e < 2^256 and e < n: what a
 * signature check needs from a key. Not EVP_PKEY_public_check: its SP
 * 800-56B test (constant-time gcd with a primorial, Miller-Rabin on n)
 * costs ~8 ms, four times the rest of a bundle's cryptography (bench/), and
 * proves nothing here: HCLAkPub is authenticated by the SNP report, so only
 * the paravisor that made the key could have chosen a bad n. */
static bool public_ok(EVP_PKEY *pk)
{
    BIGNUM *n = NULL, *e = NULL;
    bool ok = EVP_PKEY_get_bn_param(pk, OSSL_PKEY_PARAM_RSA_N, &n) == 1 &&
              EVP_PKEY_get_bn_param(pk, OSSL_PKEY_PARAM_RSA_E, &e) == 1 && BN_is_odd(n) && BN_is_odd(e) &&
              BN_num_bits(n) >= 1024 && BN_num_bits(n) <= 16384 && BN_num_bits(e) >= 17 /* odd, so > 2^16 */ &&
              BN_num_bits(e) <= 256 && BN_cmp(e, n) < 0;
    BN_free(n);
    BN_free(e);
    return ok;
}

/* SHA-256 of the DER SubjectPublicKeyInfo of an RSA key, encoded here:
 * i2d_PUBKEY goes through OpenSSL 3's encoder framework, which costs a
 * tenth of a bundle's whole verification (bench/). DER of
 * SEQUENCE{SEQUENCE{rsaEncryption, NULL}, BIT STRING{SEQUENCE{INTEGER n,
 * INTEGER e}}} with minimal, non-negative integers. */
static void der_len(cvm_wr *w, size_t n)
{
    if (n < 0x80) {
        cvm_wr_u8(w, (uint8_t)n);
    } else if (n < 0x100) {
        cvm_wr_u8(w, 0x81);
        cvm_wr_u8(w, (uint8_t)n);
    } else {
        cvm_wr_u8(w, 0x82);
        cvm_wr_u16be(w, (uint16_t)n);
    }
}

static size_t der_len_size(size_t n)
{
    return n < 0x80 ? 1 : n < 0x100 ? 2 : 3;
}

static int rsa_spki_sha256(const uint8_t *n, size_t nl, const uint8_t *e, size_t el, uint8_t out[32])
{
    while (nl > 1 && n[0] == 0)
        n++, nl--;
    while (el > 1 && e[0] == 0)
        e++, el--;
    if (!nl || !el || nl > 8192 || el > 512)
        return -1;
    size_t ni = nl + (n[0] & 0x80 ? 1 : 0), ei = el + (e[0] & 0x80 ? 1 : 0);
    size_t ints = 1 + der_len_size(ni) + ni + 1 + der_len_size(ei) + ei;
    size_t rsapub = 1 + der_len_size(ints) + ints;
    size_t bits = 1 + rsapub;
    static const uint8_t alg[] = {0x30, 0x0d, 0x06, 0x09, 0x2a, 0x86, 0x48, 0x86,
                                  0xf7, 0x0d, 0x01, 0x01, 0x01, 0x05, 0x00};
    size_t body = sizeof alg + 1 + der_len_size(bits) + bits;
    cvm_wr w;
    cvm_wr_init(&w);
    cvm_wr_u8(&w, 0x30);
    der_len(&w, body);
    cvm_wr_bytes(&w, alg, sizeof alg);
    cvm_wr_u8(&w, 0x03);
    der_len(&w, bits);
    cvm_wr_u8(&w, 0x00);
    cvm_wr_u8(&w, 0x30);
    der_len(&w, ints);
    cvm_wr_u8(&w, 0x02);
    der_len(&w, ni);
    if (ni > nl)
        cvm_wr_u8(&w, 0);
    cvm_wr_bytes(&w, n, nl);
    cvm_wr_u8(&w, 0x02);
    der_len(&w, ei);
    if (ei > el)
        cvm_wr_u8(&w, 0);
    cvm_wr_bytes(&w, e, el);
    size_t len;
    uint8_t *der = cvm_wr_take(&w, &len);
    int rc = der && len == 1 + der_len_size(body) + body && cvm_sha256(der, len, out) == CVM_OK ? 0 : -1;
    free(der);
    return rc;
}

static int rsa_cmp(EVP_PKEY *a, EVP_PKEY *b, const char **what)
{
    if (!EVP_PKEY_is_a(a, "RSA") || !EVP_PKEY_is_a(b, "RSA"))
        return -1;
    BIGNUM *an = NULL, *ae = NULL, *bn = NULL, *be = NULL;
    int rc = 1;
    if (EVP_PKEY_get_bn_param(a, OSSL_PKEY_PARAM_RSA_N, &an) == 1 &&
        EVP_PKEY_get_bn_param(a, OSSL_PKEY_PARAM_RSA_E, &ae) == 1 &&
        EVP_PKEY_get_bn_param(b, OSSL_PKEY_PARAM_RSA_N, &bn) == 1 &&
        EVP_PKEY_get_bn_param(b, OSSL_PKEY_PARAM_RSA_E, &be) == 1) {
        if (BN_cmp(an, bn) != 0)
            *what = "modulus n";
        else if (BN_cmp(ae, be) != 0)
            *what = "exponent e";
        else
            rc = 0;
    }
    BN_free(an);
    BN_free(ae);
    BN_free(bn);
    BN_free(be);
    return rc;
}

/* Azure's AK template (formats.md §5.6) with this modulus: TPMT_PUBLIC. */
static size_t azure_ak_tpmt(const uint8_t *n, size_t nl, uint8_t *out, size_t cap)
{
    static const uint8_t hdr[] = {0x00, 0x01, 0x00, 0x0b, 0x00, 0x05, 0x04, 0x72, 0x00, 0x00, 0x00, 0x10,
                                  0x00, 0x14, 0x00, 0x0b, 0x08, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0x00};
    if (nl != 256 || cap < sizeof hdr + nl)
        return 0;
    memcpy(out, hdr, sizeof hdr);
    memcpy(out + sizeof hdr, n, nl);
    return sizeof hdr + nl;
}

static const char *qn_match(const cvm_tpm_attest *a, const uint8_t *tpmt, size_t tl, uint16_t name_alg)
{
    uint8_t name[CVM_TPM_NAME_MAX], qn[CVM_TPM_NAME_MAX];
    size_t nl = sizeof name, ql;
    if (cvm_tpm_public_name(tpmt, tl, name_alg, name, &nl) != CVM_OK)
        return NULL;
    static const struct {
        uint32_t h;
        const char *n;
    } hier[] = {{CVM_TPM_RH_ENDORSEMENT, "endorsement"}, {CVM_TPM_RH_OWNER, "owner"}};
    for (size_t i = 0; i < 2; i++) {
        ql = sizeof qn;
        if (cvm_tpm_primary_qualified_name(hier[i].h, name, nl, qn, &ql) == CVM_OK &&
            ql == a->qualified_signer_len && memcmp(qn, a->qualified_signer, ql) == 0)
            return hier[i].n;
    }
    return NULL;
}

void cvm_link_ak_binding(cvm_verify *v)
{
    const int L = CVM_L_AK_BINDING;
    if (!v->json) {
        if (v->report_input >= 0 && !cvm_link_need(v, L, v->report_input))
            return;
        cvm_link_set(v, L, CVM_ST_SKIP, "no runtime JSON (snp_report.bin / runtime.json absent)");
        return;
    }
    json_t *d = cvm_link_details(v, L);
    if (v->runtime_rc != CVM_OK) {
        char eb[512];
        cvm_link_set(v, L, CVM_ST_FAIL, "the runtime JSON is malformed: %s",
                     cvm_err_format(&v->runtime_err, eb, sizeof eb));
        return;
    }
    json_t *rj = cvm_runtime_to_json(&v->runtime);
    if (rj)
        json_object_set_new(v->facts, "runtime", rj);
    const cvm_jwk *k = cvm_runtime_find_key(&v->runtime, "HCLAkPub");
    if (!k) {
        cvm_link_set(v, L, CVM_ST_FAIL, "the runtime JSON has no key with kid \"HCLAkPub\"");
        return;
    }
    if (!k->kty || strcmp(k->kty, "RSA") != 0 || !k->n || !k->e) {
        cvm_link_set(v, L, CVM_ST_FAIL, "HCLAkPub is not an RSA JWK with n and e");
        return;
    }
    EVP_PKEY *hk = rsa_from_ne(k->n, k->n_len, k->e, k->e_len);
    if (!hk || !public_ok(hk)) {
        EVP_PKEY_free(hk);
        cvm_link_set(v, L, CVM_ST_FAIL, "HCLAkPub (n %zu bytes, e %zu bytes) is not a valid RSA public key",
                     k->n_len, k->e_len);
        return;
    }
    v->hcl_akpub = hk;
    json_object_set_new(d, "hclakpub_bits", json_integer(EVP_PKEY_get_bits(hk)));
    {
        uint8_t h[32];
        if (rsa_spki_sha256(k->n, k->n_len, k->e, k->e_len, h) == 0)
            json_object_set_new(d, "hclakpub_spki_sha256", cvm_json_hex(h, 32));
    }
    char checked[256] = "";
    cvm_input *ap = &v->in[CVM_IN_AKPUB];
    if (ap->present) {
        if (!cvm_link_need(v, L, CVM_IN_AKPUB))
            return;
        const char *what = "key type";
        int c = rsa_cmp(hk, v->akpub, &what);
        if (c != 0) {
            cvm_link_set(v, L, CVM_ST_FAIL,
                         "akpub.pem is not HCLAkPub: %s differs; the quote's AK is not the key the SNP "
                         "report vouches for",
                         c < 0 ? "it is not an RSA key, so the type" : what);
            return;
        }
        snprintf(checked, sizeof checked, "akpub.pem");
    }
    cvm_input *at = &v->in[CVM_IN_AKPUB_TPM];
    const uint8_t *tpmt = NULL;
    size_t tl = 0;
    uint16_t name_alg = CVM_TPM_ALG_SHA256;
    uint8_t tmpl[512];
    if (at->present) {
        if (!cvm_link_need(v, L, CVM_IN_AKPUB_TPM))
            return;
        const cvm_tpm_public *p = &v->ak_tpm;
        bool same = p->type == CVM_TPM_ALG_RSA && p->rsa_modulus_len == k->n_len &&
                    memcmp(p->rsa_modulus, k->n, k->n_len) == 0;
        uint32_t e = 0;
        for (size_t i = 0; i < k->e_len; i++)
            e = e << 8 | k->e[i];
        if (!same || k->e_len > 4 || p->rsa_exponent != e) {
            cvm_link_set(v, L, CVM_ST_FAIL, "ak.pub (TPM2B_PUBLIC) is not HCLAkPub: %s differs",
                         same ? "the exponent" : "the type or modulus");
            return;
        }
        json_object_set_new(d, "ak_pub_attributes", json_integer(p->object_attributes));
        tpmt = p->tpmt;
        tl = p->tpmt_len;
        name_alg = p->name_alg;
        snprintf(checked + strlen(checked), sizeof checked - strlen(checked), "%sak.pub",
                 checked[0] ? " and " : "");
    } else if (k->e_len == 3 && k->e[0] == 1 && k->e[1] == 0 && k->e[2] == 1) {
        tl = azure_ak_tpmt(k->n, k->n_len, tmpl, sizeof tmpl);
        tpmt = tl ? tmpl : NULL;
    }
    if (tpmt && v->in[CVM_IN_QUOTE_MSG].present && v->in[CVM_IN_QUOTE_MSG].rc == CVM_OK) {
        const char *h = qn_match(&v->attest, tpmt, tl, name_alg);
        char qs[160];
        if (h)
            snprintf(qs, sizeof qs, "matches the %s as a primary under the %s hierarchy",
                     at->present ? "ak.pub" : "Azure AK template with HCLAkPub", h);
        else
            snprintf(qs, sizeof qs, "does not match the %s as a primary under the endorsement or owner "
                     "hierarchy (informational)",
                     at->present ? "ak.pub" : "Azure AK template with HCLAkPub");
        json_object_set_new(d, "quote_qualified_signer", json_string(qs));
    }
    if (checked[0])
        cvm_link_set(v, L, CVM_ST_PASS, "%s %s HCLAkPub (RSA-%d) of the runtime JSON", checked,
                     strstr(checked, " and ") ? "equal" : "equals", EVP_PKEY_get_bits(hk));
    else
        cvm_link_set(v, L, CVM_ST_PASS,
                     "no separate AK file (akpub.pem / ak.pub); the quote is checked with HCLAkPub itself (RSA-%d)",
                     EVP_PKEY_get_bits(hk));
}
