/* TPMT_SIGNATURE and tpm2_quote -s files. Byte 0 picks the key given to
 * the file detector (none, RSA-2048 RSASSA, RSA-2048 RSAPSS, ECC P-256) and
 * the plain hash; the rest is the file. Invariants: an accepted "tss" file
 * is what cvm_tpm_signature_write gives back; an accepted "plain" file is
 * what cvm_tpm_signature_write_plain gives back; an accepted TPMT_SIGNATURE
 * decodes the same in libtss2-mu (mu_diff.h). */
#include "fuzz.h"
#include "mu_diff.h"
#include "tpm.h"

static const uint16_t hashes[] = {0,
                                  CVM_TPM_ALG_SHA1,
                                  CVM_TPM_ALG_SHA256,
                                  CVM_TPM_ALG_SHA384,
                                  CVM_TPM_ALG_SHA512,
                                  CVM_TPM_ALG_SM3_256,
                                  CVM_TPM_ALG_RSA /* not a hash */,
                                  0x7777};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    const uint8_t *p = data + 1;
    size_t n = size - 1;
    cvm_err err;
    cvm_wr w;
    cvm_tpm_signature *s = malloc(sizeof(*s));
    FUZZ_CHECK(s);

    cvm_err_clear(&err);
    int rc = cvm_tpm_signature_parse(p, n, "quote.sig", s, &err);
    fuzz_check_rc_len(rc, &err, n);
    if (rc == 0) {
        cvm_wr_init(&w);
        FUZZ_CHECK(cvm_tpm_signature_write(s, &w) == CVM_OK);
        FUZZ_CHECK(w.len == n && memcmp(w.p, p, n) == 0);
        cvm_wr_free(&w);
        mu_check_signature(p, n, s);
        fuzz_dump_json(cvm_tpm_signature_to_json(s));
    }

    cvm_tpm_public key;
    memset(&key, 0, sizeof(key));
    const cvm_tpm_public *kp = NULL;
    switch (data[0] & 3) {
    case 1:
    case 2:
        key.type = CVM_TPM_ALG_RSA;
        key.rsa_key_bits = 2048;
        key.rsa_modulus_len = 256;
        key.scheme = (data[0] & 3) == 1 ? CVM_TPM_ALG_RSASSA : CVM_TPM_ALG_RSAPSS;
        key.scheme_hash = CVM_TPM_ALG_SHA256;
        kp = &key;
        break;
    case 3:
        key.type = CVM_TPM_ALG_ECC;
        key.ecc_curve_id = CVM_TPM_ECC_NIST_P256;
        key.scheme = CVM_TPM_ALG_ECDSA;
        key.scheme_hash = CVM_TPM_ALG_SHA384;
        kp = &key;
        break;
    default:
        break;
    }
    uint16_t h = hashes[(data[0] >> 2) % (sizeof(hashes) / sizeof(hashes[0]))];
    cvm_tpm_sig_format fmt = 0;
    cvm_err_clear(&err);
    rc = cvm_tpm_signature_parse_file(p, n, "quote.sig", kp, h, s, &fmt, &err);
    fuzz_check_rc_len(rc, &err, n);
    if (rc == 0) {
        FUZZ_CHECK(fmt == CVM_TPM_SIG_TSS || fmt == CVM_TPM_SIG_PLAIN);
        FUZZ_CHECK(cvm_tpm_hash_len(s->hash_alg) != 0);
        cvm_wr_init(&w);
        if (fmt == CVM_TPM_SIG_TSS)
            FUZZ_CHECK(cvm_tpm_signature_write(s, &w) == CVM_OK);
        else
            FUZZ_CHECK(cvm_tpm_signature_write_plain(s, &w) == CVM_OK);
        FUZZ_CHECK(w.len == n && memcmp(w.p, p, n) == 0);
        cvm_wr_free(&w);
        /* and the tss form of whatever was read parses as itself */
        cvm_wr_init(&w);
        FUZZ_CHECK(cvm_tpm_signature_write(s, &w) == CVM_OK);
        cvm_tpm_signature *s2 = malloc(sizeof(*s2));
        FUZZ_CHECK(s2);
        cvm_err_clear(&err);
        FUZZ_CHECK(cvm_tpm_signature_parse(w.p, w.len, "rewritten", s2, &err) == CVM_OK);
        FUZZ_CHECK(s2->sig_alg == s->sig_alg && s2->hash_alg == s->hash_alg);
        free(s2);
        cvm_wr_free(&w);
        fuzz_dump_json(cvm_tpm_signature_to_json(s));
    }
    free(s);
    return 0;
}
