/* Differential checks against Debian's libtss2-mu (uninstrumented, so it
 * only judges; coverage comes from our parser). Our parsers are stricter
 * than MU by design (magic, type, trailing bytes, duplicate banks, unknown
 * hashes: tpm.h), so the property is one-way: whatever we accept, MU
 * accepts too, consumes exactly the same bytes and decodes the same
 * values. */
#ifndef CVM_FUZZ_MU_DIFF_H
#define CVM_FUZZ_MU_DIFF_H

#include <tss2/tss2_mu.h>

#include "fuzz.h"
#include "tpm.h"

static inline void mu_same_selection(const cvm_pcr_selection *ours, const TPML_PCR_SELECTION *mu)
{
    FUZZ_CHECK(mu->count == ours->count);
    for (uint32_t i = 0; i < ours->count; i++) {
        FUZZ_CHECK(mu->pcrSelections[i].hash == ours->sel[i].hash);
        FUZZ_CHECK(mu->pcrSelections[i].sizeofSelect == ours->sel[i].size_of_select);
        FUZZ_CHECK(memcmp(mu->pcrSelections[i].pcrSelect, ours->sel[i].select,
                          ours->sel[i].size_of_select) == 0);
    }
}

static inline void mu_check_selection(const uint8_t *p, size_t n, const cvm_pcr_selection *ours)
{
    TPML_PCR_SELECTION mu;
    size_t off = 0;
    memset(&mu, 0, sizeof(mu));
    FUZZ_CHECK(Tss2_MU_TPML_PCR_SELECTION_Unmarshal(p, n, &off, &mu) == TSS2_RC_SUCCESS);
    FUZZ_CHECK(off == n);
    mu_same_selection(ours, &mu);
}

static inline void mu_check_attest(const uint8_t *p, size_t n, const cvm_tpm_attest *a)
{
    TPMS_ATTEST mu;
    size_t off = 0;
    memset(&mu, 0, sizeof(mu));
    FUZZ_CHECK(Tss2_MU_TPMS_ATTEST_Unmarshal(p, n, &off, &mu) == TSS2_RC_SUCCESS);
    FUZZ_CHECK(off == n);
    FUZZ_CHECK(mu.magic == a->magic && mu.type == a->type);
    FUZZ_CHECK(mu.qualifiedSigner.size == a->qualified_signer_len &&
               memcmp(mu.qualifiedSigner.name, a->qualified_signer, a->qualified_signer_len) == 0);
    FUZZ_CHECK(mu.extraData.size == a->extra_data_len &&
               memcmp(mu.extraData.buffer, a->extra_data, a->extra_data_len) == 0);
    FUZZ_CHECK(mu.clockInfo.clock == a->clock && mu.clockInfo.resetCount == a->reset_count &&
               mu.clockInfo.restartCount == a->restart_count && mu.clockInfo.safe == a->safe);
    FUZZ_CHECK(mu.firmwareVersion == a->firmware_version);
    mu_same_selection(&a->pcr_select, &mu.attested.quote.pcrSelect);
    FUZZ_CHECK(mu.attested.quote.pcrDigest.size == a->pcr_digest_len &&
               memcmp(mu.attested.quote.pcrDigest.buffer, a->pcr_digest, a->pcr_digest_len) == 0);
}

static inline void mu_check_signature(const uint8_t *p, size_t n, const cvm_tpm_signature *s)
{
    TPMT_SIGNATURE mu;
    size_t off = 0;
    memset(&mu, 0, sizeof(mu));
    FUZZ_CHECK(Tss2_MU_TPMT_SIGNATURE_Unmarshal(p, n, &off, &mu) == TSS2_RC_SUCCESS);
    FUZZ_CHECK(off == n);
    FUZZ_CHECK(mu.sigAlg == s->sig_alg);
    if (s->sig_alg == CVM_TPM_ALG_ECDSA) {
        FUZZ_CHECK(mu.signature.ecdsa.hash == s->hash_alg);
        FUZZ_CHECK(mu.signature.ecdsa.signatureR.size == s->ecdsa_r_len &&
                   memcmp(mu.signature.ecdsa.signatureR.buffer, s->ecdsa_r, s->ecdsa_r_len) == 0);
        FUZZ_CHECK(mu.signature.ecdsa.signatureS.size == s->ecdsa_s_len &&
                   memcmp(mu.signature.ecdsa.signatureS.buffer, s->ecdsa_s, s->ecdsa_s_len) == 0);
    } else {
        FUZZ_CHECK(mu.signature.rsassa.hash == s->hash_alg);
        FUZZ_CHECK(mu.signature.rsassa.sig.size == s->rsa_sig_len &&
                   memcmp(mu.signature.rsassa.sig.buffer, s->rsa_sig, s->rsa_sig_len) == 0);
    }
}

/* p/n: the TPM2B_PUBLIC (size prefix included) */
static inline void mu_check_public(const uint8_t *p, size_t n, const cvm_tpm_public *pub)
{
    TPM2B_PUBLIC mu;
    size_t off = 0;
    memset(&mu, 0, sizeof(mu));
    FUZZ_CHECK(Tss2_MU_TPM2B_PUBLIC_Unmarshal(p, n, &off, &mu) == TSS2_RC_SUCCESS);
    FUZZ_CHECK(off == n);
    const TPMT_PUBLIC *t = &mu.publicArea;
    FUZZ_CHECK(t->type == pub->type && t->nameAlg == pub->name_alg &&
               t->objectAttributes == pub->object_attributes);
    FUZZ_CHECK(t->authPolicy.size == pub->auth_policy_len &&
               memcmp(t->authPolicy.buffer, pub->auth_policy, pub->auth_policy_len) == 0);
    if (pub->type == CVM_TPM_ALG_RSA) {
        const TPMS_RSA_PARMS *r = &t->parameters.rsaDetail;
        FUZZ_CHECK(r->symmetric.algorithm == pub->sym_alg);
        FUZZ_CHECK(r->scheme.scheme == pub->scheme);
        FUZZ_CHECK(r->keyBits == pub->rsa_key_bits && r->exponent == pub->rsa_exponent_raw);
        FUZZ_CHECK(t->unique.rsa.size == pub->rsa_modulus_len &&
                   memcmp(t->unique.rsa.buffer, pub->rsa_modulus, pub->rsa_modulus_len) == 0);
    } else {
        const TPMS_ECC_PARMS *e = &t->parameters.eccDetail;
        FUZZ_CHECK(e->symmetric.algorithm == pub->sym_alg);
        FUZZ_CHECK(e->scheme.scheme == pub->scheme && e->curveID == pub->ecc_curve_id);
        FUZZ_CHECK(e->kdf.scheme == pub->ecc_kdf);
        FUZZ_CHECK(t->unique.ecc.x.size == pub->ecc_x_len &&
                   memcmp(t->unique.ecc.x.buffer, pub->ecc_x, pub->ecc_x_len) == 0);
        FUZZ_CHECK(t->unique.ecc.y.size == pub->ecc_y_len &&
                   memcmp(t->unique.ecc.y.buffer, pub->ecc_y, pub->ecc_y_len) == 0);
    }
}

#endif
