/* Cross-checks of our TPM parsers against libtss2-mu, shared by the TPM
 * tests (header-only: each test_*.c is its own executable). */
#ifndef CVM_TEST_TPM_MU_CHECK_H
#define CVM_TEST_TPM_MU_CHECK_H

#include <tss2/tss2_mu.h>

#include "pcrs.h"
#include "tpm.h"

/* Every field of our parse equals MU's, and MU consumed the whole input. */
static inline void mu_check_attest(const uint8_t *buf, size_t len, const cvm_tpm_attest *a)
{
    TPMS_ATTEST m;
    size_t off = 0;
    memset(&m, 0, sizeof(m));
    assert_int_equal(Tss2_MU_TPMS_ATTEST_Unmarshal(buf, len, &off, &m), 0);
    assert_int_equal(off, len);
    assert_int_equal(m.magic, a->magic);
    assert_int_equal(m.type, a->type);
    assert_int_equal(m.qualifiedSigner.size, a->qualified_signer_len);
    assert_memory_equal(m.qualifiedSigner.name, a->qualified_signer, a->qualified_signer_len);
    assert_int_equal(m.extraData.size, a->extra_data_len);
    if (a->extra_data_len)
        assert_memory_equal(m.extraData.buffer, a->extra_data, a->extra_data_len);
    assert_true(m.clockInfo.clock == a->clock);
    assert_int_equal(m.clockInfo.resetCount, a->reset_count);
    assert_int_equal(m.clockInfo.restartCount, a->restart_count);
    assert_int_equal(m.clockInfo.safe, a->safe);
    assert_true(m.firmwareVersion == a->firmware_version);
    const TPML_PCR_SELECTION *ms = &m.attested.quote.pcrSelect;
    assert_int_equal(ms->count, a->pcr_select.count);
    for (uint32_t i = 0; i < ms->count; i++) {
        assert_int_equal(ms->pcrSelections[i].hash, a->pcr_select.sel[i].hash);
        assert_int_equal(ms->pcrSelections[i].sizeofSelect, a->pcr_select.sel[i].size_of_select);
        assert_memory_equal(ms->pcrSelections[i].pcrSelect, a->pcr_select.sel[i].select,
                            a->pcr_select.sel[i].size_of_select);
    }
    assert_int_equal(m.attested.quote.pcrDigest.size, a->pcr_digest_len);
    assert_memory_equal(m.attested.quote.pcrDigest.buffer, a->pcr_digest, a->pcr_digest_len);
}

/* Field equality with MU, and our writer reproduces MU's marshalling. */
static inline void mu_check_signature(const uint8_t *buf, size_t len, const cvm_tpm_signature *s)
{
    TPMT_SIGNATURE m;
    size_t off = 0;
    memset(&m, 0, sizeof(m));
    assert_int_equal(Tss2_MU_TPMT_SIGNATURE_Unmarshal(buf, len, &off, &m), 0);
    assert_int_equal(off, len);
    assert_int_equal(m.sigAlg, s->sig_alg);
    if (s->sig_alg == CVM_TPM_ALG_ECDSA) {
        assert_int_equal(m.signature.ecdsa.hash, s->hash_alg);
        assert_int_equal(m.signature.ecdsa.signatureR.size, s->ecdsa_r_len);
        assert_memory_equal(m.signature.ecdsa.signatureR.buffer, s->ecdsa_r, s->ecdsa_r_len);
        assert_int_equal(m.signature.ecdsa.signatureS.size, s->ecdsa_s_len);
        assert_memory_equal(m.signature.ecdsa.signatureS.buffer, s->ecdsa_s, s->ecdsa_s_len);
    } else {
        assert_int_equal(m.signature.rsassa.hash, s->hash_alg);
        assert_int_equal(m.signature.rsassa.sig.size, s->rsa_sig_len);
        assert_memory_equal(m.signature.rsassa.sig.buffer, s->rsa_sig, s->rsa_sig_len);
    }
    uint8_t mb[sizeof(TPMT_SIGNATURE)];
    size_t mo = 0;
    assert_int_equal(Tss2_MU_TPMT_SIGNATURE_Marshal(&m, mb, sizeof(mb), &mo), 0);
    cvm_wr w;
    cvm_wr_init(&w);
    assert_int_equal(cvm_tpm_signature_write(s, &w), 0);
    assert_int_equal(w.len, mo);
    assert_memory_equal(w.p, mb, mo);
    cvm_wr_free(&w);
}

/* `buf` is a TPM2B_PUBLIC. */
static inline void mu_check_public(const uint8_t *buf, size_t len, const cvm_tpm_public *p)
{
    TPM2B_PUBLIC m;
    size_t off = 0;
    memset(&m, 0, sizeof(m));
    assert_int_equal(Tss2_MU_TPM2B_PUBLIC_Unmarshal(buf, len, &off, &m), 0);
    assert_int_equal(off, len);
    const TPMT_PUBLIC *t = &m.publicArea;
    assert_int_equal(m.size, p->tpmt_len);
    assert_int_equal(t->type, p->type);
    assert_int_equal(t->nameAlg, p->name_alg);
    assert_int_equal(t->objectAttributes, p->object_attributes);
    assert_int_equal(t->authPolicy.size, p->auth_policy_len);
    if (p->type == CVM_TPM_ALG_RSA) {
        const TPMS_RSA_PARMS *r = &t->parameters.rsaDetail;
        assert_int_equal(r->symmetric.algorithm, p->sym_alg);
        assert_int_equal(r->scheme.scheme, p->scheme);
        if (p->scheme != CVM_TPM_ALG_NULL)
            assert_int_equal(r->scheme.details.anySig.hashAlg, p->scheme_hash);
        assert_int_equal(r->keyBits, p->rsa_key_bits);
        assert_int_equal(r->exponent, p->rsa_exponent_raw);
        assert_int_equal(t->unique.rsa.size, p->rsa_modulus_len);
        assert_memory_equal(t->unique.rsa.buffer, p->rsa_modulus, p->rsa_modulus_len);
    } else {
        const TPMS_ECC_PARMS *e = &t->parameters.eccDetail;
        assert_int_equal(e->symmetric.algorithm, p->sym_alg);
        assert_int_equal(e->scheme.scheme, p->scheme);
        if (p->scheme != CVM_TPM_ALG_NULL)
            assert_int_equal(e->scheme.details.anySig.hashAlg, p->scheme_hash);
        assert_int_equal(e->curveID, p->ecc_curve_id);
        assert_int_equal(e->kdf.scheme, p->ecc_kdf);
        assert_int_equal(t->unique.ecc.x.size, p->ecc_x_len);
        assert_memory_equal(t->unique.ecc.x.buffer, p->ecc_x, p->ecc_x_len);
        assert_int_equal(t->unique.ecc.y.size, p->ecc_y_len);
        assert_memory_equal(t->unique.ecc.y.buffer, p->ecc_y, p->ecc_y_len);
    }
    /* the bytes our Name hashes are exactly MU's TPMT_PUBLIC marshalling */
    uint8_t mb[sizeof(TPMT_PUBLIC)];
    size_t mo = 0;
    assert_int_equal(Tss2_MU_TPMT_PUBLIC_Marshal(t, mb, sizeof(mb), &mo), 0);
    assert_int_equal(mo, p->tpmt_len);
    assert_memory_equal(mb, p->tpmt, mo);
}

/* Asserts a parse failure with this code and field. */
#define ASSERT_ERR(call, err, want_code, want_field)                                          \
    do {                                                                                       \
        cvm_err_clear(&(err));                                                                 \
        int rc_ = (call);                                                                      \
        char eb_[512];                                                                         \
        if (rc_ != (want_code) || strcmp((err).field, (want_field)) != 0)                      \
            fail_msg("%s:%d: got rc %d (%s), wanted %d field \"%s\"", __FILE__, __LINE__, rc_, \
                     cvm_err_format(&(err), eb_, sizeof(eb_)), (want_code), (want_field));     \
    } while (0)

#endif
