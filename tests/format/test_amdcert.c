/* format/amdcert: loading real AMD certificate files, roles, the AMD
 * VCEK/VLEK extensions checked against MANIFEST.md and against the
 * matching reports' CHIP_ID / REPORTED_TCB bytes, and hostile inputs
 * (certificates built here with OpenSSL, never copied from vectors). */
#include "harness.h"

#include <stdio.h>
#include <string.h>

#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "amdcert.h"

/* SHA-256 of the DER SubjectPublicKeyInfo of each ARK (what the verifier
 * pins); also computed with `openssl x509 -pubkey | openssl pkey -pubin
 * -outform DER | sha256sum` on the virtee copies. */
#define ARK_MILAN_SPKI "9f056bee44377e29308cb5ffa895bdfb62d18881fa6bed8d6f075b0204089cb9"
#define ARK_GENOA_SPKI "429a69c9422aa258ee4d8db5fcda9c6470ef15f8cd5a9cebd6cbc7d90b863831"
#define ARK_TURIN_SPKI "4f125410563a2ab9a50356f9243f6fe0b6f73de98603f53f90339c70e9d7ad08"
/* whole-certificate SHA-256 (c-apis.md §1.1, MANIFEST "all copies identical") */
#define ARK_MILAN_DER "69d063b45344d26a2e94e1f4210de49ef555308287d4c174445c95639a540bcd"
#define ARK_GENOA_DER "4c6598d19c18719c5dfd4a7d335f674e5bfe1d8f800cea2cf270c10d103db2f1"
#define ARK_TURIN_DER "1f084161a44bb6d93778a904877d4819cafa5d05ef4193b2ded9dd9c73dd3f6a"
#define ASK_MILAN_DER "67d303bd3905fd38db8b20e0793699870e7fa612eaad5dec358293fd8c0bac1b"
#define ASK_GENOA_DER "5464738c1546aed5f2cecf1dc98c5c960a92e8913238a61711bc90ec6e828521"
#define ASK_TURIN_DER "5b77ef5fe7a7a004fd9032668fba9d0fda22f88c4442069a479636a6ae3b3185"
#define ASVK_MILAN_DER "c5e081f59b7efab1fe2f8b505e159704e72f29cab7ef7cf628a05a42439082f5"
#define ASVK_GENOA_DER "197e610743a917d6b9bb982a5a9226ccc0a15b611be0619e626aca9151457372"
#define ASVK_TURIN_DER "104e10a8bd060a3c20a434261a57d0588fd65a88915b4f65b08bdecaf8df1a3c"

static char errbuf[1024];
static const char *fmt_err(const cvm_err *e) { return cvm_err_format(e, errbuf, sizeof(errbuf)); }

static STACK_OF(X509) *load_vector(const char *path, int want_count)
{
    size_t len;
    uint8_t *b = cvm_test_read(path, &len);
    STACK_OF(X509) *sk = NULL;
    cvm_err e;
    cvm_err_clear(&e);
    int rc = cvm_certs_load(b, len, path, &sk, &e);
    free(b);
    if (rc)
        fail_msg("%s: %s", path, fmt_err(&e));
    if (want_count >= 0 && sk_X509_num(sk) != want_count)
        fail_msg("%s: %d certificates, expected %d", path, sk_X509_num(sk), want_count);
    return sk;
}

static void hex32(X509 *x, int spki, char out[65])
{
    uint8_t h[32];
    assert_int_equal(spki ? cvm_cert_spki_sha256(x, h) : cvm_cert_sha256(x, h), CVM_OK);
    cvm_hex(h, 32, out);
}

/* ---- AMD roots: counts, roles, pins ------------------------------------ */

struct roots_case {
    const char *rel;
    int n;
    enum cvm_cert_role roles[3];
    const char *gen;
};

static const struct roots_case ROOTS[] = {
    {"amd-roots/go-sev-guest/ask_ark_milan.pem", 2, {CVM_CERT_ROLE_ASK, CVM_CERT_ROLE_ARK}, "Milan"},
    {"amd-roots/go-sev-guest/ask_ark_genoa.pem", 2, {CVM_CERT_ROLE_ASK, CVM_CERT_ROLE_ARK}, "Genoa"},
    {"amd-roots/go-sev-guest/ask_ark_turin_vcek.pem", 2, {CVM_CERT_ROLE_ASK, CVM_CERT_ROLE_ARK}, "Turin"},
    {"amd-roots/go-sev-guest/ask_ark_milan_vlek.pem", 2, {CVM_CERT_ROLE_ASVK, CVM_CERT_ROLE_ARK}, "Milan"},
    {"amd-roots/go-sev-guest/ask_ark_genoa_vlek.pem", 2, {CVM_CERT_ROLE_ASVK, CVM_CERT_ROLE_ARK}, "Genoa"},
    {"amd-roots/go-sev-guest/ask_ark_turin_vlek.pem", 2, {CVM_CERT_ROLE_ASVK, CVM_CERT_ROLE_ARK}, "Turin"},
    {"amd-roots/ms-tee-attestation-verification/pinned_milan_ark.pem", 1, {CVM_CERT_ROLE_ARK}, "Milan"},
    {"amd-roots/ms-tee-attestation-verification/pinned_genoa_ark.pem", 1, {CVM_CERT_ROLE_ARK}, "Genoa"},
    {"amd-roots/ms-tee-attestation-verification/pinned_turin_ark.pem", 1, {CVM_CERT_ROLE_ARK}, "Turin"},
    {"amd-roots/trustee/milan_ask_ark_asvk.pem", 3, {CVM_CERT_ROLE_ASK, CVM_CERT_ROLE_ARK, CVM_CERT_ROLE_ASVK}, "Milan"},
    {"amd-roots/trustee/genoa_ask_ark_asvk.pem", 3, {CVM_CERT_ROLE_ASK, CVM_CERT_ROLE_ARK, CVM_CERT_ROLE_ASVK}, "Genoa"},
    {"amd-roots/trustee/turin_ask_ark_asvk.pem", 3, {CVM_CERT_ROLE_ASK, CVM_CERT_ROLE_ARK, CVM_CERT_ROLE_ASVK}, "Turin"},
    {"amd-roots/virtee-sev/milan_ark.pem", 1, {CVM_CERT_ROLE_ARK}, "Milan"},
    {"amd-roots/virtee-sev/milan_ask.pem", 1, {CVM_CERT_ROLE_ASK}, "Milan"},
    {"amd-roots/virtee-sev/genoa_ark.pem", 1, {CVM_CERT_ROLE_ARK}, "Genoa"},
    {"amd-roots/virtee-sev/genoa_ask.pem", 1, {CVM_CERT_ROLE_ASK}, "Genoa"},
    {"amd-roots/virtee-sev/turin_ark.pem", 1, {CVM_CERT_ROLE_ARK}, "Turin"},
    {"amd-roots/virtee-sev/turin_ask.pem", 1, {CVM_CERT_ROLE_ASK}, "Turin"},
    {"snp/virtee-sev/cert_chain_milan", 2, {CVM_CERT_ROLE_ASK, CVM_CERT_ROLE_ARK}, "Milan"},
    {"snp/virtee-sev/cert_chain_turin", 2, {CVM_CERT_ROLE_ASK, CVM_CERT_ROLE_ARK}, "Turin"},
    {"snp/aci-tee-attestation-verification/milan_ask.pem", 1, {CVM_CERT_ROLE_ASK}, "Milan"},
    {"snp/aci-tee-attestation-verification/genoa_ask.pem", 1, {CVM_CERT_ROLE_ASK}, "Genoa"},
    {"snp/aci-tee-attestation-verification/turin_ask.pem", 1, {CVM_CERT_ROLE_ASK}, "Turin"},
};

static const char *pin_for(enum cvm_cert_role role, const char *gen, int spki)
{
    int g = !strcmp(gen, "Milan") ? 0 : !strcmp(gen, "Genoa") ? 1 : 2;
    static const char *const ark_spki[] = {ARK_MILAN_SPKI, ARK_GENOA_SPKI, ARK_TURIN_SPKI};
    static const char *const ark[] = {ARK_MILAN_DER, ARK_GENOA_DER, ARK_TURIN_DER};
    static const char *const ask[] = {ASK_MILAN_DER, ASK_GENOA_DER, ASK_TURIN_DER};
    static const char *const asvk[] = {ASVK_MILAN_DER, ASVK_GENOA_DER, ASVK_TURIN_DER};
    if (spki)
        return role == CVM_CERT_ROLE_ARK ? ark_spki[g] : NULL;
    return role == CVM_CERT_ROLE_ARK ? ark[g] : role == CVM_CERT_ROLE_ASK ? ask[g] : asvk[g];
}

static void real_amd_roots(void **state)
{
    (void)state;
    CVM_VECTOR_OR_SKIP(dir, "amd-roots");
    (void)dir;
    int arks_seen[3] = {0};
    for (size_t i = 0; i < sizeof(ROOTS) / sizeof(ROOTS[0]); i++) {
        const struct roots_case *c = &ROOTS[i];
        const char *p = cvm_test_vector(c->rel);
        if (!p)
            fail_msg("missing vector %s", c->rel);
        STACK_OF(X509) *sk = load_vector(p, c->n);
        for (int k = 0; k < c->n; k++) {
            X509 *x = sk_X509_value(sk, k);
            enum cvm_cert_role role = cvm_cert_role_of(x);
            char h[65], gen[32];
            if (role != c->roles[k])
                fail_msg("%s cert[%d]: role %s, expected %s", c->rel, k, cvm_cert_role_name(role),
                         cvm_cert_role_name(c->roles[k]));
            assert_true(cvm_cert_cn_generation(x, gen, sizeof(gen)));
            assert_string_equal(gen, c->gen);
            hex32(x, 0, h);
            if (strcmp(h, pin_for(role, c->gen, 0)))
                fail_msg("%s cert[%d]: sha256 %s", c->rel, k, h);
            if (role == CVM_CERT_ROLE_ARK) {
                hex32(x, 1, h);
                if (strcmp(h, pin_for(role, c->gen, 1)))
                    fail_msg("%s: ARK SPKI sha256 %s", c->rel, h);
                arks_seen[!strcmp(c->gen, "Milan") ? 0 : !strcmp(c->gen, "Genoa") ? 1 : 2]++;
            }
            /* roots and intermediates carry no AMD extensions */
            cvm_amd_ext ext;
            cvm_err e;
            cvm_err_clear(&e);
            assert_int_equal(cvm_amdcert_ext_parse(x, c->rel, &ext, &e), CVM_OK);
            assert_false(ext.has_struct_version || ext.has_product_name || ext.has_bl_spl ||
                         ext.has_hwid || ext.has_csp_id || ext.n_unknown);
        }
        cvm_certs_free(sk);
    }
    /* every ARK was seen in several independent sources, all equal */
    for (int g = 0; g < 3; g++)
        assert_true(arks_seen[g] >= 4);
    print_message("ARK SPKI sha256: Milan %s\n                 Genoa %s\n                 Turin %s\n",
                  ARK_MILAN_SPKI, ARK_GENOA_SPKI, ARK_TURIN_SPKI);
}

/* ---- VCEKs / VLEKs: extensions against MANIFEST and the reports -------- */

struct vcek_case {
    const char *rel;
    int n;         /* certificates in the file; [0] is the VCEK/VLEK */
    const char *report; /* matching report, or NULL */
    int hcl;       /* the report is an Azure HCL blob (SNP report at +0x20) */
    enum cvm_cert_role role;
    const char *product;
    const char *family;
    int struct_version;
    int fmc, bl, tee, snp, ucode; /* fmc -1: no fmcSPL */
    size_t hwid_len;              /* 0: no hwID */
    const char *hwid_prefix;
    const char *csp_id;
};

#define MILAN_T "Milan-B0", "Milan", 0
static const struct vcek_case VCEKS[] = {
    {"azure-hcl/trustee/vcek.2024-01-29.pem", 1, "azure-hcl/trustee/hcl-report.2024-01-29.bin", 1,
     CVM_CERT_ROLE_VCEK, MILAN_T, -1, 3, 0, 8, 115, 64, "3a754596b2b80f2e5176caaeaf544bd9", NULL},
    {"azure-hcl/trustee/vcek.2024-02-28.pem", 3, "azure-hcl/trustee/hcl-report.2024-02-28.bin", 1,
     CVM_CERT_ROLE_VCEK, MILAN_T, -1, 3, 0, 8, 115, 64, "19752a447db501a32ade46428a46e926", NULL},
    {"azure-hcl/trustee/decoded/evidence-v0.2026-01-17.vcek.pem", 3,
     "azure-hcl/trustee/decoded/evidence-v0.2026-01-17.hcl-report.bin", 1, CVM_CERT_ROLE_VCEK,
     MILAN_T, -1, 3, 0, 8, 115, 64, "19752a447db501a32ade46428a46e926", NULL},
    {"azure-hcl/trustee/decoded/evidence-v1.2026-01-17.vcek.pem", 1,
     "azure-hcl/trustee/decoded/evidence-v1.2026-01-17.hcl-report.bin", 1, CVM_CERT_ROLE_VCEK,
     MILAN_T, -1, 3, 0, 8, 115, 64, "19752a447db501a32ade46428a46e926", NULL},
    {"azure-hcl/trustee/decoded/evidence-v0.vcek.pem", 1,
     "azure-hcl/trustee/decoded/evidence-v0.hcl-report.bin", 1, CVM_CERT_ROLE_VCEK, MILAN_T, -1,
     4, 0, 24, 219, 64, "66a5a7b4403a3006ca734aa36a76dd30", NULL},
    {"azure-hcl/trustee/decoded/evidence-v1.vcek.pem", 1,
     "azure-hcl/trustee/decoded/evidence-v1.hcl-report.bin", 1, CVM_CERT_ROLE_VCEK, MILAN_T, -1,
     4, 0, 24, 219, 64, "66a5a7b4403a3006ca734aa36a76dd30", NULL},
    /* a different chip than kinvolk's report (MANIFEST): no report here */
    {"azure-hcl/kinvolk/certs.pem", 3, NULL, 0, CVM_CERT_ROLE_VCEK, MILAN_T, -1, 3, 0, 8, 115, 64,
     "da8a5695b5aeafdb8ed2edc6c29be497", NULL},
    {"snp/aci-confidential-sidecar/uvm_host_amd_certificate.pem", 3,
     "snp/aci-confidential-sidecar/snp_report.bin", 0, CVM_CERT_ROLE_VCEK, MILAN_T, -1, 3, 0, 8,
     115, 64, "b12164b45a2a27426e04ab52c5781d40", NULL},
    {"snp/aci-tee-attestation-verification/milan_vcek.pem", 1,
     "snp/aci-tee-attestation-verification/milan_attestation_report.bin", 0, CVM_CERT_ROLE_VCEK,
     MILAN_T, -1, 4, 0, 24, 219, 64, "4ffb5cb4fd59", NULL},
    {"snp/aci-tee-attestation-verification/crypto-milan_vcek.pem", 1,
     "snp/aci-tee-attestation-verification/milan_attestation_report.bin", 0, CVM_CERT_ROLE_VCEK,
     MILAN_T, -1, 4, 0, 24, 219, 64, "4ffb5cb4fd59", NULL},
    {"snp/aci-tee-attestation-verification/genoa_vcek.pem", 1,
     "snp/aci-tee-attestation-verification/genoa_attestation_report.bin", 0, CVM_CERT_ROLE_VCEK,
     "Genoa", "Genoa", 0, -1, 10, 0, 23, 84, 64, "b1e24a27bbc", NULL},
    {"snp/aci-tee-attestation-verification/turin_vcek.pem", 1,
     "snp/aci-tee-attestation-verification/turin_attestation_report.bin", 0, CVM_CERT_ROLE_VCEK,
     "Turin", "Turin", 1, 1, 1, 1, 4, 81, 8, "59790fb1c39f", NULL},
    {"snp/aws-vlek-trustee/test-vlek.2024.der", 1, "snp/aws-vlek-trustee/test-vlek-report.2024.bin",
     0, CVM_CERT_ROLE_VLEK, "Milan", "Milan", 0, -1, 3, 0, 21, 209, 0, NULL,
     "CN=cc-us-east-2.amazonaws.com"},
    {"snp/aws-vlek-trustee/test-vlek.2025.der", 1, "snp/aws-vlek-trustee/test-vlek-report.2025.bin",
     0, CVM_CERT_ROLE_VLEK, "Milan", "Milan", 0, -1, 4, 0, 24, 217, 0, NULL,
     "CN=cc-us-east-2.amazonaws.com"},
    {"snp/go-sev-guest/vcek.testcer", 1, "snp/go-sev-guest/attestation.bin", 0, CVM_CERT_ROLE_VCEK,
     MILAN_T, -1, 2, 0, 5, 68, 64, "3ac3fe21e13fb0990eb28a802e3fb6a2", NULL},
    {"snp/trustee-e2e-genoa/evidence.2025-05-28.vcek.der", 1,
     "snp/trustee-e2e-genoa/evidence.2025-05-28.report.rebuilt.bin", 0, CVM_CERT_ROLE_VCEK, "Genoa",
     "Genoa", 0, -1, 10, 0, 23, 25, 64, "371c55d6d15cb50f16dc31d39a24e300", NULL},
    {"snp/virtee-sev/vcek_milan.der", 1, "snp/virtee-sev/report_milan.bin", 0, CVM_CERT_ROLE_VCEK,
     MILAN_T, -1, 3, 0, 8, 115, 64, "d49554ec717f4e5b0fe6b143bcf0405b", NULL},
    /* no matching report (MANIFEST): values as decoded */
    {"snp/virtee-sev/vcek_turin.der", 1, NULL, 0, CVM_CERT_ROLE_VCEK, "Turin", "Turin", 1, 0, 0, 0,
     0, 9, 8, "1e550a8ee5cf9f4d", NULL},
};

static void check_vcek_case(const struct vcek_case *c)
{
    const char *p = cvm_test_vector(c->rel);
    if (!p)
        fail_msg("missing vector %s", c->rel);
    STACK_OF(X509) *sk = load_vector(p, c->n);
    X509 *x = sk_X509_value(sk, 0);
    cvm_amd_ext e;
    cvm_err err;
    cvm_err_clear(&err);
    if (cvm_amdcert_ext_parse(x, c->rel, &e, &err))
        fail_msg("%s: %s", c->rel, fmt_err(&err));

    assert_int_equal(cvm_cert_role_of(x), c->role);
    if (c->n == 3) { /* THIM / trustee order: VCEK, ASK, ARK */
        assert_int_equal(cvm_cert_role_of(sk_X509_value(sk, 1)), CVM_CERT_ROLE_ASK);
        assert_int_equal(cvm_cert_role_of(sk_X509_value(sk, 2)), CVM_CERT_ROLE_ARK);
        /* the chains shipped beside real VCEKs carry the same AMD certs */
        char h[65];
        hex32(sk_X509_value(sk, 1), 0, h);
        assert_string_equal(h, ASK_MILAN_DER);
        hex32(sk_X509_value(sk, 2), 1, h);
        assert_string_equal(h, ARK_MILAN_SPKI);
    }
    /* serial number 0 on every VCEK/VLEK */
    uint64_t serial = 99;
    assert_int_equal(ASN1_INTEGER_get_uint64(&serial, X509_get0_serialNumber(x)), 1);
    assert_int_equal(serial, 0);

    assert_true(e.has_struct_version);
    assert_int_equal(e.struct_version, c->struct_version);
    assert_true(e.has_product_name);
    assert_string_equal(e.product_name, c->product);
    assert_string_equal(cvm_amd_ext_product_family(&e), c->family);
    assert_true(e.has_bl_spl && e.has_tee_spl && e.has_snp_spl && e.has_ucode_spl);
    assert_int_equal(e.bl_spl, c->bl);
    assert_int_equal(e.tee_spl, c->tee);
    assert_int_equal(e.snp_spl, c->snp);
    assert_int_equal(e.ucode_spl, c->ucode);
    assert_int_equal(e.has_fmc_spl, c->fmc >= 0);
    if (c->fmc >= 0)
        assert_int_equal(e.fmc_spl, c->fmc);
    /* reserved SPLs are 0; Turin has .3.5-.3.7 but no .3.4 */
    assert_int_equal(e.has_spl_rsvd[0], c->fmc < 0);
    for (int k = 1; k < 4; k++)
        assert_true(e.has_spl_rsvd[k] && e.spl_rsvd[k] == 0);
    assert_int_equal(e.n_unknown, 0);
    assert_false(e.hwid_was_wrapped);
    assert_int_equal(e.has_hwid, c->hwid_len != 0);
    if (c->hwid_len) {
        char hx[2 * CVM_AMD_HWID_MAX + 1];
        assert_int_equal(e.hwid_len, c->hwid_len);
        cvm_hex(e.hwid, e.hwid_len, hx);
        assert_memory_equal(hx, c->hwid_prefix, strlen(c->hwid_prefix));
    }
    assert_int_equal(e.has_csp_id, c->csp_id != NULL);
    if (c->csp_id)
        assert_string_equal(e.csp_id, c->csp_id);

    if (c->report) {
        const char *rp = cvm_test_vector(c->report);
        if (!rp)
            fail_msg("missing vector %s", c->report);
        size_t rlen;
        uint8_t *r = cvm_test_read(rp, &rlen);
        size_t base = c->hcl ? 0x20 : 0;
        assert_true(rlen >= base + 0x4A0);
        const uint8_t *tcb = r + base + 0x180, *chip = r + base + 0x1A0;
        if (c->fmc >= 0) { /* Turin: fmc, bl, tee, snp, ..., ucode */
            assert_int_equal(tcb[0], e.fmc_spl);
            assert_int_equal(tcb[1], e.bl_spl);
            assert_int_equal(tcb[2], e.tee_spl);
            assert_int_equal(tcb[3], e.snp_spl);
        } else {
            assert_int_equal(tcb[0], e.bl_spl);
            assert_int_equal(tcb[1], e.tee_spl);
            assert_int_equal(tcb[6], e.snp_spl);
        }
        assert_int_equal(tcb[7], e.ucode_spl);
        if (c->hwid_len) {
            assert_memory_equal(chip, e.hwid, e.hwid_len);
        } else {
            for (int k = 0; k < 64; k++) /* VLEK reports zero CHIP_ID */
                assert_int_equal(chip[k], 0);
        }
        free(r);
    }
    cvm_certs_free(sk);
}

static void real_vceks(void **state)
{
    (void)state;
    CVM_VECTOR_OR_SKIP(dir, "snp");
    (void)dir;
    for (size_t i = 0; i < sizeof(VCEKS) / sizeof(VCEKS[0]); i++)
        check_vcek_case(&VCEKS[i]);
}

/* Prefixes that only drop trailing whitespace are the same file; every
 * shorter prefix must be rejected or yield fewer certificates. */
static int load_exact_count(const uint8_t *b, size_t n, void *ctx)
{
    STACK_OF(X509) *sk = NULL;
    cvm_err e;
    cvm_err_clear(&e);
    int rc = cvm_certs_load(b, n, "t", &sk, &e);
    if (rc) {
        assert_true(e.code != 0 && e.field[0] != 0);
        return rc;
    }
    int got = sk_X509_num(sk);
    cvm_certs_free(sk);
    return got == *(int *)ctx ? 0 : -1;
}

static void real_truncations(void **state)
{
    (void)state;
    CVM_VECTOR_OR_SKIP(dir, "snp");
    (void)dir;
    static const struct {
        const char *rel;
        int n;
    } files[] = {
        {"snp/virtee-sev/vcek_milan.der", 1},
        {"snp/virtee-sev/cert_chain_turin", 2}, /* CRLF line ends */
        {"azure-hcl/trustee/vcek.2024-02-28.pem", 3},
        {"snp/aci-tee-attestation-verification/crypto-milan_vcek.pem", 1}, /* no final newline */
    };
    for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
        const char *p = cvm_test_vector(files[i].rel);
        assert_non_null(p);
        size_t len;
        uint8_t *b = cvm_test_read(p, &len);
        size_t eff = len;
        if (b[0] != 0x30)
            while (eff && (b[eff - 1] == '\n' || b[eff - 1] == '\r'))
                eff--;
        cvm_test_truncations(b, eff, load_exact_count, (void *)&files[i].n);
        assert_int_equal(load_exact_count(b, len, (void *)&files[i].n), 0);
        free(b);
    }
}

static void real_to_json_and_writers(void **state)
{
    (void)state;
    CVM_VECTOR_OR_SKIP(p, "snp/virtee-sev/vcek_milan.der");
    size_t len;
    uint8_t *der = cvm_test_read(p, &len);
    X509 *x = NULL;
    cvm_err e;
    cvm_err_clear(&e);
    assert_int_equal(cvm_cert_load_one(der, len, "vcek_milan.der", &x, &e), CVM_OK);

    json_t *j = cvm_cert_to_json(x);
    assert_non_null(j);
    assert_string_equal(json_string_value(json_object_get(j, "serial")), "0");
    assert_string_equal(json_string_value(json_object_get(j, "role")), "VCEK");
    assert_string_equal(json_string_value(json_object_get(j, "not_before")), "2023-04-03T19:23:43Z");
    assert_string_equal(json_string_value(json_object_get(j, "not_after")), "2030-04-03T19:23:43Z");
    assert_string_equal(json_string_value(json_object_get(j, "subject")),
                        "CN=SEV-VCEK,O=Advanced Micro Devices,ST=CA,L=Santa Clara,C=US,OU=Engineering");
    assert_string_equal(json_string_value(json_object_get(j, "issuer")),
                        "CN=SEV-Milan,O=Advanced Micro Devices,ST=CA,L=Santa Clara,C=US,OU=Engineering");
    json_t *sa = json_object_get(j, "signature_algorithm");
    assert_string_equal(json_string_value(json_object_get(sa, "name")), "RSASSA-PSS");
    assert_string_equal(json_string_value(json_object_get(sa, "hash")), "SHA384");
    assert_string_equal(json_string_value(json_object_get(sa, "mgf1_hash")), "SHA384");
    assert_int_equal(json_integer_value(json_object_get(sa, "salt_length")), 48);
    assert_int_equal(json_integer_value(json_object_get(sa, "trailer_field")), 1);
    json_t *pk = json_object_get(j, "public_key");
    assert_string_equal(json_string_value(json_object_get(pk, "type")), "EC");
    assert_string_equal(json_string_value(json_object_get(pk, "curve")), "secp384r1");
    assert_int_equal(json_integer_value(json_object_get(pk, "bits")), 384);
    json_t *ax = json_object_get(j, "amd_extensions");
    assert_string_equal(json_string_value(json_object_get(ax, "productName")), "Milan-B0");
    assert_int_equal(json_integer_value(json_object_get(ax, "ucodeSPL")), 115);
    assert_memory_equal(json_string_value(json_object_get(ax, "hwID")), "d49554ec717f4e5b", 16);
    assert_int_equal(strlen(json_string_value(json_object_get(ax, "hwID"))), 128);
    assert_int_equal(strlen(json_string_value(json_object_get(j, "spki_sha256"))), 64);
    json_decref(j);

    /* DER out == DER in */
    cvm_wr w;
    cvm_wr_init(&w);
    assert_int_equal(cvm_cert_write_der(x, &w), CVM_OK);
    assert_int_equal(w.len, len);
    assert_memory_equal(w.p, der, len);
    cvm_wr_free(&w);
    X509_free(x);
    free(der);

    /* PEM out == PEM in for a 64-column LF file (KDS cert_chain form) */
    const char *cp = cvm_test_vector("snp/virtee-sev/cert_chain_milan");
    assert_non_null(cp);
    uint8_t *pem = cvm_test_read(cp, &len);
    STACK_OF(X509) *sk = load_vector(cp, 2);
    cvm_wr_init(&w);
    assert_int_equal(cvm_certs_write_pem(sk, &w), CVM_OK);
    assert_int_equal(w.len, len);
    assert_memory_equal(w.p, pem, len);
    /* and the ARK's JSON names the role and no AMD extensions */
    j = cvm_cert_to_json(sk_X509_value(sk, 1));
    assert_string_equal(json_string_value(json_object_get(j, "role")), "ARK");
    assert_string_equal(json_string_value(json_object_get(j, "spki_sha256")), ARK_MILAN_SPKI);
    assert_string_equal(json_string_value(json_object_get(j, "serial")), "010000");
    assert_null(json_object_get(j, "amd_extensions"));
    assert_int_equal(json_integer_value(json_object_get(json_object_get(j, "public_key"), "bits")), 4096);
    json_decref(j);
    cvm_wr_free(&w);
    cvm_certs_free(sk);
    free(pem);
}

/* ---- synthetic certificates ------------------------------------------- */

struct ext_spec {
    const char *oid;
    const uint8_t *val;
    size_t len;
};

static EVP_PKEY *test_key(void)
{
    static EVP_PKEY *k;
    if (!k)
        k = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-384");
    assert_non_null(k);
    return k;
}

/* Self-signed P-384 certificate named like a VCEK, with the given
 * extensions added verbatim (X509_EXTENSION_create_by_OBJ). */
static X509 *build_cert(const char *cn, const struct ext_spec *ex, size_t n)
{
    X509 *x = X509_new();
    assert_non_null(x);
    assert_int_equal(X509_set_version(x, X509_VERSION_3), 1);
    assert_int_equal(ASN1_INTEGER_set(X509_get_serialNumber(x), 0), 1);
    X509_NAME *nm = X509_NAME_new();
    assert_int_equal(X509_NAME_add_entry_by_txt(nm, "CN", MBSTRING_ASC, (const unsigned char *)cn,
                                                -1, -1, 0), 1);
    assert_int_equal(X509_set_subject_name(x, nm), 1);
    assert_int_equal(X509_set_issuer_name(x, nm), 1);
    X509_NAME_free(nm);
    assert_non_null(X509_gmtime_adj(X509_getm_notBefore(x), 0));
    assert_non_null(X509_gmtime_adj(X509_getm_notAfter(x), 3600));
    assert_int_equal(X509_set_pubkey(x, test_key()), 1);
    for (size_t i = 0; i < n; i++) {
        ASN1_OBJECT *o = OBJ_txt2obj(ex[i].oid, 1);
        ASN1_OCTET_STRING *os = ASN1_OCTET_STRING_new();
        assert_non_null(o);
        assert_int_equal(ASN1_OCTET_STRING_set(os, ex[i].val, (int)ex[i].len), 1);
        X509_EXTENSION *e = X509_EXTENSION_create_by_OBJ(NULL, o, 0, os);
        assert_non_null(e);
        assert_int_equal(X509_add_ext(x, e, -1), 1);
        X509_EXTENSION_free(e);
        ASN1_OCTET_STRING_free(os);
        ASN1_OBJECT_free(o);
    }
    assert_true(X509_sign(x, test_key(), EVP_sha384()) > 0);
    return x;
}

static const uint8_t V_INT0[] = {0x02, 0x01, 0x00};
static const uint8_t V_INT3[] = {0x02, 0x01, 0x03};
static const uint8_t V_INT8[] = {0x02, 0x01, 0x08};
static const uint8_t V_INT219[] = {0x02, 0x02, 0x00, 0xDB}; /* >= 128 needs a 0x00 */
static const uint8_t V_MILAN[] = {0x16, 0x08, 'M', 'i', 'l', 'a', 'n', '-', 'B', '0'};
static uint8_t V_HWID64[64];

#define OID(s) "1.3.6.1.4.1.3704.1." s

/* A full Milan-style VCEK extension set, with `extra` appended. */
static X509 *build_vcek(const struct ext_spec *extra, size_t nextra)
{
    struct ext_spec ex[16] = {
        {OID("1"), V_INT0, sizeof(V_INT0)},       {OID("2"), V_MILAN, sizeof(V_MILAN)},
        {OID("3.1"), V_INT3, sizeof(V_INT3)},     {OID("3.2"), V_INT0, sizeof(V_INT0)},
        {OID("3.4"), V_INT0, sizeof(V_INT0)},     {OID("3.5"), V_INT0, sizeof(V_INT0)},
        {OID("3.6"), V_INT0, sizeof(V_INT0)},     {OID("3.7"), V_INT0, sizeof(V_INT0)},
        {OID("3.3"), V_INT8, sizeof(V_INT8)},     {OID("3.8"), V_INT219, sizeof(V_INT219)},
        {OID("4"), V_HWID64, sizeof(V_HWID64)},
    };
    size_t n = 11;
    for (size_t i = 0; i < 64; i++)
        V_HWID64[i] = (uint8_t)(0xA0 + i);
    assert_true(n + nextra <= 16);
    for (size_t i = 0; i < nextra; i++)
        ex[n++] = extra[i];
    return build_cert("SEV-VCEK", ex, n);
}

/* Parses and returns the code; the error must name `field_part`. */
static int ext_expect(X509 *x, int want, const char *field_part, const char *msg_part)
{
    cvm_amd_ext e;
    cvm_err err;
    cvm_err_clear(&err);
    int rc = cvm_amdcert_ext_parse(x, "synthetic.pem", &e, &err);
    if (rc != want)
        fail_msg("got %d (%s), expected %d", rc, rc ? fmt_err(&err) : "ok", want);
    if (rc) {
        assert_string_equal(err.what, "synthetic.pem");
        if (field_part && !strstr(err.field, field_part))
            fail_msg("field \"%s\" does not name %s", err.field, field_part);
        if (msg_part && !strstr(err.msg, msg_part))
            fail_msg("message \"%s\" lacks \"%s\"", err.msg, msg_part);
    }
    X509_free(x);
    return rc;
}

static void synthetic_good_vcek(void **state)
{
    (void)state;
    X509 *x = build_vcek(NULL, 0);
    cvm_amd_ext e;
    cvm_err err;
    cvm_err_clear(&err);
    assert_int_equal(cvm_amdcert_ext_parse(x, "s", &e, &err), CVM_OK);
    assert_string_equal(e.product_name, "Milan-B0");
    assert_int_equal(e.bl_spl, 3);
    assert_int_equal(e.snp_spl, 8);
    assert_int_equal(e.ucode_spl, 219);
    assert_int_equal(e.hwid_len, 64);
    assert_memory_equal(e.hwid, V_HWID64, 64);
    assert_int_equal(cvm_cert_role_of(x), CVM_CERT_ROLE_VCEK);

    /* PEM round trip through our writer and loader keeps every byte */
    cvm_wr w;
    cvm_wr_init(&w);
    assert_int_equal(cvm_cert_write_pem(x, &w), CVM_OK);
    assert_int_equal(cvm_cert_write_pem(x, &w), CVM_OK);
    STACK_OF(X509) *sk = NULL;
    assert_int_equal(cvm_certs_load(w.p, w.len, "two.pem", &sk, &err), CVM_OK);
    assert_int_equal(sk_X509_num(sk), 2);
    assert_int_equal(X509_cmp(sk_X509_value(sk, 1), x), 0);
    cvm_certs_free(sk);
    cvm_wr_free(&w);
    X509_free(x);

    /* an EC key named like an ARK is not an ARK; RSA-named VCEK is unknown */
    x = build_cert("ARK-Milan", NULL, 0);
    assert_int_equal(cvm_cert_role_of(x), CVM_CERT_ROLE_UNKNOWN);
    X509_free(x);
    x = build_cert("SEV-VLEK", NULL, 0);
    assert_int_equal(cvm_cert_role_of(x), CVM_CERT_ROLE_VLEK);
    X509_free(x);
    x = build_cert("SEV-Milan", NULL, 0); /* EC key: not an ASK */
    assert_int_equal(cvm_cert_role_of(x), CVM_CERT_ROLE_UNKNOWN);
    X509_free(x);
    x = build_cert("something else", NULL, 0);
    assert_int_equal(cvm_cert_role_of(x), CVM_CERT_ROLE_UNKNOWN);
    X509_free(x);
}

static void hostile_duplicate_extension(void **state)
{
    (void)state;
    /* OpenSSL itself loads and "understands" such a certificate */
    struct ext_spec dup[] = {{OID("3.1"), V_INT8, sizeof(V_INT8)}};
    X509 *x = build_vcek(dup, 1);
    assert_int_equal(X509_get_ext_count(x), 12);
    assert_int_equal(X509_get_extension_flags(x) & EXFLAG_INVALID, 0);
    ext_expect(x, CVM_E_VALUE, "blSPL (1.3.6.1.4.1.3704.1.3.1)", "more than once");

    struct ext_spec duph[] = {{OID("4"), V_HWID64, sizeof(V_HWID64)}};
    ext_expect(build_vcek(duph, 1), CVM_E_VALUE, "hwID", "more than once");

    /* unknown AMD OIDs are kept, but not twice */
    struct ext_spec unk[] = {{OID("9.9"), V_INT0, sizeof(V_INT0)}};
    X509 *u = build_vcek(unk, 1);
    cvm_amd_ext e;
    cvm_err err;
    cvm_err_clear(&err);
    assert_int_equal(cvm_amdcert_ext_parse(u, "s", &e, &err), CVM_OK);
    assert_int_equal(e.n_unknown, 1);
    assert_string_equal(e.unknown_oid[0], OID("9.9"));
    X509_free(u);
    struct ext_spec unk2[] = {{OID("9.9"), V_INT0, sizeof(V_INT0)}, {OID("9.9"), V_INT3, 3}};
    ext_expect(build_vcek(unk2, 2), CVM_E_VALUE, OID("9.9"), "more than once");
}

static void hostile_spl_values(void **state)
{
    (void)state;
    static const uint8_t not_int[] = {0x16, 0x01, '3'};
    static const uint8_t big[] = {0x02, 0x02, 0x01, 0x00};           /* 256 */
    static const uint8_t neg[] = {0x02, 0x01, 0x80};                 /* -128 */
    static const uint8_t pad[] = {0x02, 0x02, 0x00, 0x05};           /* non-minimal */
    static const uint8_t trail[] = {0x02, 0x01, 0x05, 0x00};         /* trailing */
    static const uint8_t shortv[] = {0x02, 0x02, 0x05};              /* truncated */
    static const uint8_t empty_int[] = {0x02, 0x00};
    static const uint8_t longform[] = {0x02, 0x81, 0x01, 0x05};      /* non-minimal length */
    static const uint8_t nothing[] = {0};
    struct {
        const char *oid;
        const uint8_t *v;
        size_t n;
        int code;
        const char *name;
        const char *msg;
    } cases[] = {
        {OID("3.2"), not_int, sizeof(not_int), CVM_E_VALUE, "teeSPL", "INTEGER"},
        {OID("3.3"), big, sizeof(big), CVM_E_VALUE, "snpSPL", "exceeds 255"},
        {OID("3.8"), neg, sizeof(neg), CVM_E_VALUE, "ucodeSPL", "negative"},
        {OID("3.1"), pad, sizeof(pad), CVM_E_VALUE, "blSPL", "non-minimal"},
        {OID("3.9"), trail, sizeof(trail), CVM_E_TRAILING, "fmcSPL", NULL},
        {OID("3.5"), shortv, sizeof(shortv), CVM_E_TRUNCATED, "spl_5", NULL},
        {OID("3.6"), empty_int, sizeof(empty_int), CVM_E_VALUE, "spl_6", "empty"},
        {OID("3.7"), longform, sizeof(longform), CVM_E_VALUE, "spl_7", "non-minimal"},
        {OID("1"), nothing, 0, CVM_E_TRUNCATED, "structVersion", NULL},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        /* replace the good extension: build a cert with only this one */
        struct ext_spec ex[] = {{cases[i].oid, cases[i].v, cases[i].n}};
        ext_expect(build_cert("SEV-VCEK", ex, 1), cases[i].code, cases[i].name, cases[i].msg);
    }
    /* 255 is the largest accepted SPL; 219 needs its leading zero */
    static const uint8_t max[] = {0x02, 0x02, 0x00, 0xFF};
    struct ext_spec ok[] = {{OID("3.3"), max, sizeof(max)}};
    X509 *x = build_cert("SEV-VCEK", ok, 1);
    cvm_amd_ext e;
    cvm_err err;
    cvm_err_clear(&err);
    assert_int_equal(cvm_amdcert_ext_parse(x, "s", &e, &err), CVM_OK);
    assert_int_equal(e.snp_spl, 255);
    X509_free(x);
}

static void hostile_hwid_and_strings(void **state)
{
    (void)state;
    uint8_t h[80];
    for (size_t i = 0; i < sizeof(h); i++)
        h[i] = (uint8_t)i;
    size_t bad_lens[] = {0, 7, 9, 32, 63, 65, 80};
    for (size_t i = 0; i < sizeof(bad_lens) / sizeof(bad_lens[0]); i++) {
        struct ext_spec ex[] = {{OID("4"), h, bad_lens[i]}};
        ext_expect(build_cert("SEV-VCEK", ex, 1), CVM_E_VALUE, "hwID", "expected 64");
    }
    /* an OCTET STRING wrapper is unwrapped only in the exact 04 40 form */
    uint8_t wrapped[66] = {0x04, 0x40};
    memcpy(wrapped + 2, h, 64);
    struct ext_spec w1[] = {{OID("4"), wrapped, sizeof(wrapped)}};
    X509 *x = build_cert("SEV-VCEK", w1, 1);
    cvm_amd_ext e;
    cvm_err err;
    cvm_err_clear(&err);
    assert_int_equal(cvm_amdcert_ext_parse(x, "s", &e, &err), CVM_OK);
    assert_true(e.hwid_was_wrapped);
    assert_int_equal(e.hwid_len, 64);
    assert_memory_equal(e.hwid, h, 64);
    X509_free(x);
    wrapped[1] = 0x41; /* wrong inner length: 66 raw bytes, rejected */
    ext_expect(build_cert("SEV-VCEK", w1, 1), CVM_E_VALUE, "hwID", NULL);
    /* Turin: 8 raw bytes */
    struct ext_spec t8[] = {{OID("4"), h, 8}};
    x = build_cert("SEV-VCEK", t8, 1);
    assert_int_equal(cvm_amdcert_ext_parse(x, "s", &e, &err), CVM_OK);
    assert_int_equal(e.hwid_len, 8);
    X509_free(x);

    static const uint8_t utf8[] = {0x0C, 0x05, 'M', 'i', 'l', 'a', 'n'};
    static const uint8_t ctl[] = {0x16, 0x03, 'M', 0x00, 'i'};
    static const uint8_t empty[] = {0x16, 0x00};
    static const uint8_t raw[] = {'M', 'i', 'l', 'a', 'n'};
    struct ext_spec s1[] = {{OID("2"), utf8, sizeof(utf8)}};
    ext_expect(build_cert("SEV-VCEK", s1, 1), CVM_E_VALUE, "productName", "IA5String");
    struct ext_spec s2[] = {{OID("2"), ctl, sizeof(ctl)}};
    ext_expect(build_cert("SEV-VCEK", s2, 1), CVM_E_VALUE, "productName", "printable");
    struct ext_spec s3[] = {{OID("2"), empty, sizeof(empty)}};
    ext_expect(build_cert("SEV-VCEK", s3, 1), CVM_E_VALUE, "productName", NULL);
    struct ext_spec s4[] = {{OID("5"), raw, sizeof(raw)}};
    ext_expect(build_cert("SEV-VLEK", s4, 1), CVM_E_VALUE, "cspID", NULL);
    uint8_t longname[2 + 200];
    longname[0] = 0x16;
    longname[1] = 0x81; /* long form, 200 */
    memset(longname + 2, 'a', 200);
    struct ext_spec s5[] = {{OID("2"), longname, 2}};
    s5[0].len = sizeof(longname);
    uint8_t ln2[3 + 200] = {0x16, 0x81, 200};
    memset(ln2 + 3, 'a', 200);
    s5[0].val = ln2;
    s5[0].len = sizeof(ln2);
    ext_expect(build_cert("SEV-VCEK", s5, 1), CVM_E_VALUE, "productName", "outside");
}

static void product_family(void **state)
{
    (void)state;
    cvm_amd_ext e;
    memset(&e, 0, sizeof(e));
    assert_null(cvm_amd_ext_product_family(&e));
    e.has_product_name = true;
    static const struct {
        const char *name, *fam;
    } t[] = {{"Milan-B0", "Milan"}, {"Milan", "Milan"}, {"Genoa", "Genoa"}, {"Genoa-B1", "Genoa"},
             {"Turin", "Turin"},    {"Milano", NULL},   {"Milan-", NULL},   {"milan", NULL},
             {"Bergamo", NULL},     {"", NULL}};
    for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
        strcpy(e.product_name, t[i].name);
        const char *f = cvm_amd_ext_product_family(&e);
        if (t[i].fam)
            assert_string_equal(f, t[i].fam);
        else
            assert_null(f);
    }
}

/* ---- PEM / DER framing ------------------------------------------------- */

static uint8_t *synthetic_pem(size_t *len)
{
    X509 *x = build_vcek(NULL, 0);
    cvm_wr w;
    cvm_wr_init(&w);
    assert_int_equal(cvm_cert_write_pem(x, &w), CVM_OK);
    X509_free(x);
    return cvm_wr_take(&w, len);
}

static int load_expect(const void *b, size_t n, int want, const char *field, size_t off)
{
    STACK_OF(X509) *sk = NULL;
    cvm_err e;
    cvm_err_clear(&e);
    int rc = cvm_certs_load(b, n, "chain.pem", &sk, &e);
    if (rc != want)
        fail_msg("got %d (%s), expected %d", rc, rc ? fmt_err(&e) : "accepted", want);
    if (rc == 0) {
        int c = sk_X509_num(sk);
        cvm_certs_free(sk);
        return c;
    }
    assert_null(sk);
    assert_string_equal(e.what, "chain.pem");
    if (field)
        assert_string_equal(e.field, field);
    if (off != CVM_NO_OFFSET && e.offset != off)
        fail_msg("offset %zu, expected %zu (%s)", e.offset, off, fmt_err(&e));
    return -1;
}

static void pem_framing(void **state)
{
    (void)state;
    size_t n;
    uint8_t *one = synthetic_pem(&n);
    char *buf = malloc(40 * n + 1024);
    assert_non_null(buf);

    /* two blocks with blank lines and CRLF between: fine */
    memcpy(buf, one, n);
    memcpy(buf + n, "\r\n\n  \t\n", 6);
    memcpy(buf + n + 6, one, n);
    assert_int_equal(load_expect(buf, 2 * n + 6, 0, NULL, 0), 2);

    /* garbage between blocks: named by index and offset */
    memcpy(buf + n, "junk\n", 5);
    memcpy(buf + n + 5, one, n);
    load_expect(buf, 2 * n + 5, CVM_E_SYNTAX, "cert[1]", n);
    /* garbage after the last block */
    memcpy(buf, one, n);
    memcpy(buf + n, "\n#", 2);
    load_expect(buf, n + 2, CVM_E_SYNTAX, "cert[1]", n + 1);
    /* text before the first block (as `openssl x509 -text` output has) */
    memcpy(buf, "Certificate:\n", 13);
    memcpy(buf + 13, one, n);
    load_expect(buf, n + 13, CVM_E_SYNTAX, "cert[0]", 0);
    /* another PEM type */
    const char *pk = "-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n";
    memcpy(buf, one, n);
    memcpy(buf + n, pk, strlen(pk));
    load_expect(buf, n + strlen(pk), CVM_E_SYNTAX, "cert[1]", n);
    /* a PEM header line inside the block */
    const char *hdr = "-----BEGIN CERTIFICATE-----\nProc-Type: 4,ENCRYPTED\n";
    size_t hl = strlen(hdr);
    memcpy(buf, hdr, hl);
    memcpy(buf + hl, one + 28, n - 28);
    load_expect(buf, hl + n - 28, CVM_E_SYNTAX, "cert[0]", 32);
    /* text on the END line */
    memcpy(buf, one, n);
    memcpy(buf + n - 1, "x\n", 2);
    load_expect(buf, n + 1, CVM_E_SYNTAX, "cert[0]", n - 1);
    /* a bad base64 character, a lone CR, an empty line, padding mid-data */
    memcpy(buf, one, n);
    buf[40] = '*';
    load_expect(buf, n, CVM_E_SYNTAX, "cert[0]", 40);
    memcpy(buf, one, n);
    buf[28 + 64] = '\r'; /* replaces the first line's '\n' */
    load_expect(buf, n, CVM_E_SYNTAX, "cert[0]", CVM_NO_OFFSET);
    memcpy(buf, one, 28 + 65);
    buf[28 + 65] = '\n';
    memcpy(buf + 28 + 66, one + 28 + 65, n - 28 - 65);
    load_expect(buf, n + 1, CVM_E_SYNTAX, "cert[0]", 28 + 65);
    memcpy(buf, one, n);
    buf[28 + 10] = '=';
    load_expect(buf, n, CVM_E_SYNTAX, "cert[0]", CVM_NO_OFFSET);
    /* a base64 line longer than 76 characters: join the first two lines */
    memcpy(buf, one, 28 + 64);
    memcpy(buf + 28 + 64, one + 28 + 65, n - 28 - 65);
    load_expect(buf, n - 1, CVM_E_SYNTAX, "cert[0]", 28);
    /* base64 that decodes but is not a certificate */
    const char *notcert = "-----BEGIN CERTIFICATE-----\nMAA=\n-----END CERTIFICATE-----\n";
    load_expect(notcert, strlen(notcert), CVM_E_SYNTAX, "cert[0]", 0);
    const char *empty = "-----BEGIN CERTIFICATE-----\n-----END CERTIFICATE-----\n";
    load_expect(empty, strlen(empty), CVM_E_SYNTAX, "cert[0]", 0);
    /* unpadded final quantum */
    const char *unpadded = "-----BEGIN CERTIFICATE-----\nMAA\n-----END CERTIFICATE-----\n";
    load_expect(unpadded, strlen(unpadded), CVM_E_SYNTAX, "cert[0]", CVM_NO_OFFSET);
    /* non-zero trailing bits ("MAB=" decodes to 30 00 with a stray bit) */
    const char *bits = "-----BEGIN CERTIFICATE-----\nMAB=\n-----END CERTIFICATE-----\n";
    load_expect(bits, strlen(bits), CVM_E_SYNTAX, "cert[0]", CVM_NO_OFFSET);
    /* missing END */
    load_expect(one, n - 26, CVM_E_TRUNCATED, "cert[0]", CVM_NO_OFFSET);

    /* nothing, whitespace only, random bytes */
    load_expect("", 0, CVM_E_TRUNCATED, "certs", 0);
    load_expect(" \n\n", 3, CVM_E_TRUNCATED, "certs", 0);
    load_expect("hello", 5, CVM_E_SYNTAX, "cert[0]", 0);

    /* count cap: 16 fine, 17 refused at the 17th block's offset */
    for (int i = 0; i < 17; i++)
        memcpy(buf + i * n, one, n);
    assert_int_equal(load_expect(buf, 16 * n, 0, NULL, 0), 16);
    load_expect(buf, 17 * n, CVM_E_LIMIT, "cert[16]", 16 * n);
    /* size cap */
    load_expect(buf, CVM_CERTS_MAX_BYTES + 1, CVM_E_LIMIT, "certs", 0);

    /* load_one wants exactly one */
    X509 *x = NULL;
    cvm_err e;
    cvm_err_clear(&e);
    assert_int_equal(cvm_cert_load_one((uint8_t *)buf, 2 * n, "two", &x, &e), CVM_E_VALUE);
    assert_null(x);
    free(buf);

    /* every prefix of the synthetic PEM (short of its final newline) fails */
    int want1 = 1;
    cvm_test_truncations(one, n - 1, load_exact_count, &want1);
    free(one);
}

static void der_framing(void **state)
{
    (void)state;
    X509 *x = build_vcek(NULL, 0);
    cvm_wr w;
    cvm_wr_init(&w);
    assert_int_equal(cvm_cert_write_der(x, &w), CVM_OK);
    X509_free(x);
    size_t n = w.len;
    uint8_t *b = malloc(n + 2);
    memcpy(b, w.p, n);
    cvm_wr_free(&w);

    assert_int_equal(load_expect(b, n, 0, NULL, 0), 1);
    b[n] = 0;
    load_expect(b, n + 1, CVM_E_TRAILING, "cert[0]", 0);
    /* two DER certificates back to back are not a format we take */
    int one = 1;
    cvm_test_truncations(b, n, load_exact_count, &one);
    /* BER, not DER: the outer length in long form with a leading zero */
    assert_int_equal(b[1], 0x82);
    uint8_t *ber = malloc(n + 1);
    ber[0] = 0x30;
    ber[1] = 0x83;
    ber[2] = 0x00;
    memcpy(ber + 3, b + 2, n - 2);
    {
        STACK_OF(X509) *sk = NULL;
        cvm_err e;
        cvm_err_clear(&e);
        assert_int_equal(cvm_certs_load(ber, n + 1, "ber.der", &sk, &e), CVM_E_SYNTAX);
        print_message("BER outer length: %s\n", fmt_err(&e));
    }
    free(ber);
    /* a corrupted inner length */
    b[5] ^= 0x40;
    load_expect(b, n, CVM_E_SYNTAX, "cert[0]", 0);
    free(b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(real_amd_roots),
        cmocka_unit_test(real_vceks),
        cmocka_unit_test(real_truncations),
        cmocka_unit_test(real_to_json_and_writers),
        cmocka_unit_test(synthetic_good_vcek),
        cmocka_unit_test(hostile_duplicate_extension),
        cmocka_unit_test(hostile_spl_values),
        cmocka_unit_test(hostile_hwid_and_strings),
        cmocka_unit_test(product_family),
        cmocka_unit_test(pem_framing),
        cmocka_unit_test(der_framing),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
