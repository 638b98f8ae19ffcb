/* TPM2B_PUBLIC / TPMT_PUBLIC (byte 0 bit 0 picks the form), the Name and
 * qualified Names, and the JSON view. A TPMT accepted bare must also be
 * accepted wrapped in its TPM2B size, with the same fields, and a TPM2B's
 * tpmt view must be the bytes after the size. An accepted TPM2B decodes
 * the same in libtss2-mu (mu_diff.h). */
#include "fuzz.h"
#include "mu_diff.h"
#include "tpm.h"

static void same(const cvm_tpm_public *a, const cvm_tpm_public *b)
{
    FUZZ_CHECK(a->tpmt_len == b->tpmt_len && memcmp(a->tpmt, b->tpmt, a->tpmt_len) == 0);
    FUZZ_CHECK(a->type == b->type && a->name_alg == b->name_alg &&
               a->object_attributes == b->object_attributes);
    FUZZ_CHECK(a->scheme == b->scheme && a->scheme_hash == b->scheme_hash);
    FUZZ_CHECK(a->rsa_modulus_len == b->rsa_modulus_len && a->ecc_x_len == b->ecc_x_len &&
               a->ecc_y_len == b->ecc_y_len && a->rsa_exponent == b->rsa_exponent);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    int flags = (data[0] & 1) ? CVM_TPM_PUBLIC_TPMT : CVM_TPM_PUBLIC_TPM2B;
    const uint8_t *p = data + 1;
    size_t n = size - 1;
    cvm_tpm_public pub;
    cvm_err err;
    cvm_err_clear(&err);
    int rc = cvm_tpm_public_parse(p, n, "ak.pub", flags, &pub, &err);
    fuzz_check_rc_len(rc, &err, n);
    if (rc)
        return 0;
    FUZZ_CHECK(pub.type == CVM_TPM_ALG_RSA || pub.type == CVM_TPM_ALG_ECC);
    FUZZ_CHECK(cvm_tpm_hash_len(pub.name_alg) != 0);
    FUZZ_CHECK(pub.rsa_modulus_len <= CVM_TPM_RSA_MAX_BYTES);
    FUZZ_CHECK(pub.ecc_x_len <= CVM_TPM_ECC_MAX_BYTES && pub.ecc_y_len <= CVM_TPM_ECC_MAX_BYTES);
    if (flags == CVM_TPM_PUBLIC_TPM2B) {
        FUZZ_CHECK(n >= 2 && pub.tpmt == p + 2 && pub.tpmt_len == n - 2);
        cvm_tpm_public bare;
        cvm_err_clear(&err);
        FUZZ_CHECK(cvm_tpm_public_parse(pub.tpmt, pub.tpmt_len, "ak.tpmt", CVM_TPM_PUBLIC_TPMT,
                                        &bare, &err) == CVM_OK);
        same(&pub, &bare);
        mu_check_public(p, n, &pub);
    } else {
        FUZZ_CHECK(pub.tpmt == p && pub.tpmt_len == n);
        if (n <= 0xffff) {
            uint8_t *wrapped = malloc(n + 2);
            FUZZ_CHECK(wrapped);
            wrapped[0] = (uint8_t)(n >> 8);
            wrapped[1] = (uint8_t)n;
            memcpy(wrapped + 2, p, n);
            cvm_tpm_public w2;
            cvm_err_clear(&err);
            FUZZ_CHECK(cvm_tpm_public_parse(wrapped, n + 2, "ak.pub", CVM_TPM_PUBLIC_TPM2B, &w2,
                                            &err) == CVM_OK);
            FUZZ_CHECK(w2.tpmt == wrapped + 2);
            /* compare before freeing: w2 views `wrapped` */
            FUZZ_CHECK(w2.tpmt_len == pub.tpmt_len && memcmp(w2.tpmt, pub.tpmt, n) == 0);
            FUZZ_CHECK(w2.type == pub.type && w2.name_alg == pub.name_alg);
            free(wrapped);
        }
    }

    uint8_t name[CVM_TPM_NAME_MAX], qn[CVM_TPM_NAME_MAX];
    size_t name_len = sizeof(name), qn_len = sizeof(qn);
    FUZZ_CHECK(cvm_tpm_public_name(pub.tpmt, pub.tpmt_len, pub.name_alg, name, &name_len) ==
               CVM_OK);
    FUZZ_CHECK(name_len == 2 + cvm_tpm_hash_len(pub.name_alg));
    FUZZ_CHECK(((uint16_t)(name[0] << 8 | name[1])) == pub.name_alg);
    FUZZ_CHECK(cvm_tpm_primary_qualified_name(CVM_TPM_RH_ENDORSEMENT, name, name_len, qn,
                                              &qn_len) == CVM_OK);
    FUZZ_CHECK(qn_len == name_len);
    fuzz_dump_json(cvm_tpm_public_to_json(&pub));
    return 0;
}
