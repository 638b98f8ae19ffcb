/* The TPM quote links (spec/verify.md §3.10-§3.13, formats.md §5.7):
 * quote.signature (AK signature over the TPMS_ATTEST bytes), quote.pcrs
 * (the PCR file's selection equals the quote's, pcrDigest equals the hash
 * of its values), quote.binding (bundles: extraData is the binding digest),
 * quote.nonce (the auditor's nonce is in the quote). */
#include "verify.h"

#include <stdio.h>
#include <string.h>

#include <openssl/rsa.h>

/* Exported for seal.c. Verifies `sig` over msg with key; 1 ok, 0 bad,
 * -1 unusable (reason in why). */
int cvm_quote_verify_sig(EVP_PKEY *key, const cvm_tpm_signature *sig, const uint8_t *msg, size_t len,
                         char *why, size_t n);

int cvm_quote_verify_sig(EVP_PKEY *key, const cvm_tpm_signature *sig, const uint8_t *msg, size_t len,
                         char *why, size_t n)
{
    const char *mdname = cvm_tpm_hash_ossl_name(sig->hash_alg);
    EVP_MD *md = mdname ? EVP_MD_fetch(NULL, mdname, NULL) : NULL;
    if (!md) {
        snprintf(why, n, "hash algorithm 0x%04x is not available", sig->hash_alg);
        return -1;
    }
    int ok = -1;
    EVP_MD_CTX *m = EVP_MD_CTX_new();
    EVP_PKEY_CTX *pc = NULL;
    unsigned char *der = NULL;
    bool rsa = sig->sig_alg == CVM_TPM_ALG_RSASSA || sig->sig_alg == CVM_TPM_ALG_RSAPSS;
    if (rsa && !EVP_PKEY_is_a(key, "RSA")) {
        snprintf(why, n, "the signature is %s but the AK is not an RSA key", cvm_tpm_alg_name(sig->sig_alg));
        goto out;
    }
    if (sig->sig_alg == CVM_TPM_ALG_ECDSA && !EVP_PKEY_is_a(key, "EC")) {
        snprintf(why, n, "the signature is ECDSA but the AK is not an EC key");
        goto out;
    }
    if (!m || EVP_DigestVerifyInit(m, &pc, md, NULL, key) != 1) {
        snprintf(why, n, "cannot set up the signature check");
        goto out;
    }
    if (sig->sig_alg == CVM_TPM_ALG_RSAPSS &&
        (EVP_PKEY_CTX_set_rsa_padding(pc, RSA_PKCS1_PSS_PADDING) != 1 ||
         /* libtpms uses salt = digest length, older firmware the maximum:
          * AUTO accepts both (c-apis.md §1.8, formats.md §5.4) */
         EVP_PKEY_CTX_set_rsa_pss_saltlen(pc, RSA_PSS_SALTLEN_AUTO) != 1)) {
        snprintf(why, n, "cannot set RSA-PSS parameters");
        goto out;
    }
    if (rsa) {
        ok = EVP_DigestVerify(m, sig->rsa_sig, sig->rsa_sig_len, msg, len) == 1;
    } else if (sig->sig_alg == CVM_TPM_ALG_ECDSA) {
        ECDSA_SIG *es = ECDSA_SIG_new();
        BIGNUM *r = BN_bin2bn(sig->ecdsa_r, sig->ecdsa_r_len, NULL);
        BIGNUM *s = BN_bin2bn(sig->ecdsa_s, sig->ecdsa_s_len, NULL);
        int dl = -1;
        if (es && r && s && ECDSA_SIG_set0(es, r, s) == 1) {
            r = s = NULL;
            dl = i2d_ECDSA_SIG(es, &der);
        }
        BN_free(r);
        BN_free(s);
        ECDSA_SIG_free(es);
        ok = dl > 0 && EVP_DigestVerify(m, der, (size_t)dl, msg, len) == 1;
    } else {
        snprintf(why, n, "signature scheme 0x%04x is not supported", sig->sig_alg);
        goto out;
    }
    if (!ok)
        snprintf(why, n, "the %s/%s signature does not verify", cvm_tpm_alg_name(sig->sig_alg),
                 cvm_tpm_alg_name(sig->hash_alg));
out:
    OPENSSL_free(der);
    EVP_MD_CTX_free(m);
    EVP_MD_free(md);
    return ok;
}

void cvm_link_quote_signature(cvm_verify *v)
{
    const int L = CVM_L_QUOTE_SIGNATURE;
    if (!cvm_link_need(v, L, CVM_IN_QUOTE_MSG) || !cvm_link_need(v, L, CVM_IN_QUOTE_SIG))
        return;
    EVP_PKEY *key = NULL;
    if (v->hcl_akpub) {
        key = v->hcl_akpub;
        v->quote_key_src = "HCLAkPub from the runtime JSON";
    } else if (v->akpub) {
        key = v->akpub;
        v->quote_key_src = "akpub.pem (not bound to the SNP report: see ak.binding)";
    }
    if (!key) {
        cvm_link_set(v, L, CVM_ST_SKIP, "no AK public key (no usable HCLAkPub and no akpub.pem)");
        return;
    }
    v->quote_key = key;
    json_t *d = cvm_link_details(v, L);
    json_t *aj = cvm_tpm_attest_to_json(&v->attest);
    if (aj)
        json_object_set_new(v->facts, "quote", aj);
    json_object_set_new(d, "key", json_string(v->quote_key_src));
    json_object_set_new(d, "sig_alg", json_string(cvm_tpm_alg_name(v->qsig.sig_alg) ? cvm_tpm_alg_name(v->qsig.sig_alg) : "?"));
    json_object_set_new(d, "hash_alg", json_string(cvm_tpm_alg_name(v->qsig.hash_alg) ? cvm_tpm_alg_name(v->qsig.hash_alg) : "?"));
    json_object_set_new(d, "sig_format", json_string(v->qsig_format == CVM_TPM_SIG_PLAIN ? "plain" : "tss"));
    char why[256] = "";
    int ok = cvm_quote_verify_sig(key, &v->qsig, v->in[CVM_IN_QUOTE_MSG].buf, v->in[CVM_IN_QUOTE_MSG].len, why,
                                  sizeof why);
    if (ok != 1) {
        cvm_link_set(v, L, CVM_ST_FAIL, "quote.sig over quote.msg: %s with %s", why, v->quote_key_src);
        return;
    }
    if (v->qsig.hash_alg == CVM_TPM_ALG_SHA1) {
        cvm_link_set(v, L, CVM_ST_WARN, "quote.msg is signed by the AK (%s, SHA-1: weak)",
                     cvm_tpm_alg_name(v->qsig.sig_alg));
        return;
    }
    cvm_link_set(v, L, CVM_ST_PASS, "quote.msg (TPMS_ATTEST, magic and type checked) is signed by the AK (%s/%s, key: %s)",
                 cvm_tpm_alg_name(v->qsig.sig_alg), cvm_tpm_alg_name(v->qsig.hash_alg), v->quote_key_src);
}

void cvm_link_quote_pcrs(cvm_verify *v)
{
    const int L = CVM_L_QUOTE_PCRS;
    if (!cvm_link_need(v, L, CVM_IN_QUOTE_MSG) || !cvm_link_need(v, L, CVM_IN_QUOTE_PCRS))
        return;
    json_t *d = cvm_link_details(v, L);
    char qs[256] = "", fs[256] = "";
    cvm_pcr_selection_to_string(&v->attest.pcr_select, qs, sizeof qs);
    cvm_pcr_selection_to_string(&v->pcrs->selection, fs, sizeof fs);
    json_object_set_new(d, "quote_selection", json_string(qs));
    json_object_set_new(d, "file_selection", json_string(fs));
    json_t *pj = cvm_pcrs_to_json(v->pcrs);
    if (pj)
        json_object_set_new(v->facts, "pcrs", pj);
    if (!cvm_pcr_selection_equal(&v->attest.pcr_select, &v->pcrs->selection)) {
        cvm_link_set(v, L, CVM_ST_FAIL, "quote.pcrs selects %s but the signed quote selects %s", fs, qs);
        return;
    }
    /* pcrDigest is made with the signing scheme's hash (formats.md §5.3);
     * without a usable quote.sig, infer it from the digest length. */
    uint16_t alg = 0;
    if (v->in[CVM_IN_QUOTE_SIG].present && v->in[CVM_IN_QUOTE_SIG].rc == CVM_OK)
        alg = v->qsig.hash_alg;
    else
        alg = v->attest.pcr_digest_len == 32 ? CVM_TPM_ALG_SHA256
            : v->attest.pcr_digest_len == 48 ? CVM_TPM_ALG_SHA384
            : v->attest.pcr_digest_len == 64 ? CVM_TPM_ALG_SHA512
            : v->attest.pcr_digest_len == 20 ? CVM_TPM_ALG_SHA1 : 0;
    uint8_t md[CVM_TPM_HASH_MAX];
    size_t ml = sizeof md;
    if (!alg || cvm_pcrs_digest(v->pcrs, alg, md, &ml) != CVM_OK) {
        cvm_link_set(v, L, CVM_ST_FAIL, "cannot hash the PCR values with algorithm 0x%04x", alg);
        return;
    }
    json_object_set_new(d, "digest_alg", json_string(cvm_tpm_alg_name(alg)));
    json_object_set_new(d, "computed", cvm_json_hex(md, ml));
    json_object_set_new(d, "pcr_digest", cvm_json_hex(v->attest.pcr_digest, v->attest.pcr_digest_len));
    if (ml != v->attest.pcr_digest_len || cvm_ct_memcmp(md, v->attest.pcr_digest, ml) != 0) {
        cvm_link_set(v, L, CVM_ST_FAIL,
                     "%s of the %zu PCR values in quote.pcrs does not equal the quote's pcrDigest: a PCR "
                     "value was altered (or belongs to another quote)",
                     cvm_tpm_alg_name(alg), v->pcrs->n_values);
        return;
    }
    if (v->pcrs->nonzero_padding_at != CVM_NO_OFFSET) {
        /* struct padding is not a PCR value and tpm2-tools leaves it
         * uninitialised, but a non-zero byte there means the file is not
         * what a clean writer produced: visible, not fatal */
        json_object_set_new(d, "nonzero_padding_at", json_integer((json_int_t)v->pcrs->nonzero_padding_at));
        cvm_link_set(v, L, CVM_ST_WARN,
                     "the %zu PCR values (%s) hash to the quote's pcrDigest; quote.pcrs has non-zero struct padding at "
                     "offset %zu (not a PCR value)",
                     v->pcrs->n_values, qs, v->pcrs->nonzero_padding_at);
        return;
    }
    cvm_link_set(v, L, CVM_ST_PASS, "the %zu PCR values (%s) hash to the quote's pcrDigest", v->pcrs->n_values, qs);
}

void cvm_bundle_nonce(cvm_verify *v);

void cvm_link_quote_nonce(cvm_verify *v)
{
    const int L = CVM_L_QUOTE_NONCE;
    if (v->opts.bundle_path) {
        cvm_bundle_nonce(v);
        return;
    }
    if (!cvm_link_need(v, L, CVM_IN_QUOTE_MSG))
        return;
    json_t *d = cvm_link_details(v, L);
    const cvm_tpm_attest *a = &v->attest;
    json_object_set_new(d, "extra_data", cvm_json_hex(a->extra_data, a->extra_data_len));
    if (v->in[CVM_IN_NONCE_HEX].present)
        json_object_set_new(d, "nonce_hex_file",
                            json_string("nonce.hex is present but never trusted: pass the nonce you issued with --nonce"));
    if (!v->opts.have_nonce) {
        cvm_limitation(v, "Freshness unproven: no auditor nonce (--nonce) was given, so the quote may be a replay.");
        cvm_link_set(v, L, CVM_ST_WARN, "freshness unproven: no --nonce given (the quote's extraData is %u bytes)%s",
                     a->extra_data_len,
                     v->in[CVM_IN_NONCE_HEX].present ? "; nonce.hex exists but is evidence, not your nonce" : "");
        return;
    }
    json_object_set_new(d, "nonce", cvm_json_hex(v->opts.nonce, v->opts.nonce_len));
    if (a->extra_data_len != v->opts.nonce_len ||
        cvm_ct_memcmp(a->extra_data, v->opts.nonce, v->opts.nonce_len) != 0) {
        cvm_link_set(v, L, CVM_ST_FAIL,
                     "quote.msg extraData (offset 44, %u bytes) is not the nonce given with --nonce (%zu bytes)",
                     a->extra_data_len, v->opts.nonce_len);
        return;
    }
    cvm_link_set(v, L, CVM_ST_PASS, "the quote's extraData equals the --nonce (%zu bytes)", v->opts.nonce_len);
}
