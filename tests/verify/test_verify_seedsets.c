/* The verifier on every real seed set (../shared/vectors/seedsets/index.json):
 * positive sets verify with their nonce; each negative set fails at exactly
 * the link its tamper must break; odd-but-valid sets verify. Then one
 * single-file mutation per link on a real set, the time window, the product
 * pin, and the policy engine over real facts. */
#include "vtest.h"

#include <jansson.h>

#define BASE "trustee-hcl-2024-01-29-milan-rv2"
#define BASE2 "trustee-hcl-2024-02-28-milan-rv2"

typedef struct expect {
    const char *suffix; /* set name ends with this */
    int exit_code;
    const char *fails; /* exact list of failed links */
    const char *verdict;
} expect;

/* Each tamper mapped to the link it must break (and nothing else). Why these:
 * a VCEK of another chip is genuine AMD, so amd.chain holds but the report's
 * signature and the hwID/TCB comparison do not; a flipped measurement bit is
 * inside the signed bytes; the runtime JSON is bound only by REPORT_DATA; a
 * changed pcrDigest is inside the signed TPMS_ATTEST, so both the signature
 * and the digest comparison break; a changed PCR value is only caught by
 * the digest comparison. */
static const expect expects[] = {
    {"--neg-vcek-other-chip", 2, "snp.signature,snp.tcb", "invalid"},
    {"--neg-report-bitflip-measurement", 2, "snp.signature", "invalid"},
    {"--neg-runtime-json-vmuniqueid", 2, "hcl.binding", "invalid"},
    {"--neg-quote-msg-pcrdigest", 2, "quote.signature,quote.pcrs", "invalid"},
    {"--neg-quote-pcrs-pcr7", 2, "quote.pcrs", "invalid"},
    {"--neg-quote-pcrs-pcr23", 2, "quote.pcrs", "invalid"},
    /* the strict .pcrs reader ignores the unused tail of a TPM2B_DIGEST
     * buffer (tpm2-tools writes whatever was in memory there) */
    {"--odd-quote-pcrs-padding", 0, "", "verified"}, /* quote.pcrs warns, naming offset 182 */
    {"--odd-quote-from-evidence-v1-same-vm", 0, "", "verified"},
    /* Microsoft's own 2022 vector: REPORT_DATA is not SHA-256(JSON) */
    {"ms-clientlibtests-2022-04-rv1", 2, "hcl.binding", "invalid"},
    /* no VCEK and no quote: nothing fails, but the chain cannot be anchored */
    {"kinvolk-hcl-2023-milan-rv2", 2, "", "incomplete"},
};

static const expect *expectation(const char *name, const char *kind)
{
    for (size_t i = 0; i < sizeof expects / sizeof expects[0]; i++) {
        size_t a = strlen(name), b = strlen(expects[i].suffix);
        if (a >= b && strcmp(name + a - b, expects[i].suffix) == 0)
            return &expects[i];
    }
    static const expect positive = {"", 0, "", "verified"};
    if (strcmp(kind, "positive") == 0)
        return &positive;
    return NULL;
}

static void every_seed_set(void **state)
{
    (void)state;
    CVM_VECTOR_OR_SKIP(idx, "seedsets/index.json");
    json_error_t je;
    json_t *sets = json_load_file(idx, 0, &je);
    assert_non_null(sets);
    size_t i, n = 0;
    json_t *s;
    json_array_foreach(sets, i, s) {
        const char *name = json_string_value(json_object_get(s, "name"));
        const char *kind = json_string_value(json_object_get(s, "kind"));
        const expect *e = expectation(name, kind);
        if (!e)
            fail_msg("seed set %s (%s) has no expectation in this test: add one", name, kind);
        char rel[300];
        snprintf(rel, sizeof rel, "seedsets/%s", name);
        const char *dir = cvm_test_vector(rel);
        assert_non_null(dir);
        char d[1024];
        snprintf(d, sizeof d, "%s", dir);
        vt_opts o = {0};
        char nonce_path[1100];
        snprintf(nonce_path, sizeof nonce_path, "%s/nonce.hex", d);
        FILE *f = fopen(nonce_path, "r");
        if (f) {
            fclose(f);
            o.nonce_hex = vt_nonce_of(d);
        }
        cvm_verify *v = vt_run(d, &o);
        print_message("%-70s exit %d %-10s fails [%s]\n", name, vt_rc, v->verdict, vt_fails(v));
        if (vt_rc != e->exit_code || strcmp(vt_fails(v), e->fails) != 0 || strcmp(v->verdict, e->verdict) != 0)
            fail_msg("%s: exit %d verdict %s fails [%s]; expected exit %d verdict %s fails [%s]", name, vt_rc,
                     v->verdict, vt_fails(v), e->exit_code, e->verdict, e->fails);
        if (strstr(name, "--odd-quote-pcrs-padding")) {
            vt_assert_st(v, "quote.pcrs", "warn");
            vt_assert_reason_has(v, "quote.pcrs", "offset 182");
        } else if (e->exit_code == 0) {
            for (int l = 0; l < CVM_L_COUNT; l++)
                if (cvm_link_mandatory(v, l))
                    vt_assert_st(v, cvm_link_id(l), "pass");
            vt_assert_reason_has(v, "amd.chain", "anchored by ARK-Milan (built-in pin)");
        }
        vt_free(v);
        n++;
    }
    json_decref(sets);
    assert_true(n >= 15);
}

static void kinvolk_incomplete_but_bound(void **state)
{
    (void)state;
    CVM_VECTOR_OR_SKIP(d, "seedsets/kinvolk-hcl-2023-milan-rv2");
    cvm_verify *v = vt_run(d, NULL);
    vt_assert_st(v, "amd.chain", "skip");
    vt_assert_reason_has(v, "amd.chain", "vcek.pem absent");
    vt_assert_st(v, "snp.signature", "skip");
    vt_assert_st(v, "hcl.binding", "pass");
    vt_assert_st(v, "ak.binding", "pass");
    vt_assert_st(v, "quote.signature", "skip");
    assert_int_equal(vt_rc, CVM_EXIT_INVALID);
    vt_free(v);
}

/* ---- one mutation per link, on a real positive set ---- */

static void mutate_nonce(void **state)
{
    (void)state;
    const char *d = vt_copy_set(BASE);
    if (!d)
        skip();
    vt_opts o = {.nonce_hex = "6368616c6c656e6766"}; /* "challengf" */
    cvm_verify *v = vt_run(d, &o);
    assert_string_equal(vt_fails(v), "quote.nonce");
    assert_int_equal(vt_rc, 2);
    vt_free(v);
    /* without --nonce: verified, with a warning and the limitation */
    v = vt_run(d, NULL);
    assert_int_equal(vt_rc, 0);
    vt_assert_st(v, "quote.nonce", "warn");
    vt_assert_reason_has(v, "quote.nonce", "freshness unproven");
    vt_assert_reason_has(v, "quote.nonce", "nonce.hex exists");
    json_t *j = cvm_report_json(v);
    char *s = json_dumps(j, 0);
    assert_non_null(strstr(s, "Freshness unproven"));
    free(s);
    json_decref(j);
    vt_free(v);
}

/* One bit of one file flipped (and, where named, a file dropped so only
 * the link under test can notice): exactly that link fails, with exit 2,
 * and its reason says where. */
static const struct flip_case {
    const char *file;
    size_t off;
    uint8_t mask;
    const char *drop;
    const char *fails, *reason1, *reason2;
} flip_cases[] = {
    {"quote.sig", 100, 0x01, NULL, "quote.signature", NULL, NULL},
    {"runtime.json", 935, 0x01, NULL, "hcl.binding", "runtime.json differs", "byte 935"},
    {"guest_report.bin", 0x90, 0x01, NULL, "snp.report", "offset 0x90", NULL},
    /* a byte of r in snp_report.bin's signature */
    {"snp_report.bin", 32 + 0x2A0 + 5, 0x40, "guest_report.bin", "snp.signature", NULL, NULL},
};

static void mutate_one_bit(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof flip_cases / sizeof flip_cases[0]; i++) {
        const struct flip_case *c = &flip_cases[i];
        const char *d = vt_copy_set(BASE);
        if (!d)
            skip();
        vt_flip(d, c->file, c->off, c->mask);
        if (c->drop)
            assert_int_equal(cvm_test_sh("rm -f '%s/%s'", d, c->drop), 0);
        vt_opts o = {.nonce_hex = vt_nonce_of(d)};
        cvm_verify *v = vt_run(d, &o);
        print_message("%s byte %zu ^ 0x%02x: fails [%s]\n", c->file, c->off, c->mask, vt_fails(v));
        assert_string_equal(vt_fails(v), c->fails);
        assert_int_equal(vt_rc, 2);
        if (c->reason1)
            vt_assert_reason_has(v, c->fails, c->reason1);
        if (c->reason2)
            vt_assert_reason_has(v, c->fails, c->reason2);
        vt_free(v);
    }
}

static void mutate_akpub(void **state)
{
    (void)state;
    const char *d = vt_copy_set(BASE);
    const char *other = vt_copy_set(BASE2);
    if (!d || !other)
        skip();
    size_t n;
    uint8_t *b = vt_read(other, "akpub.pem", &n);
    vt_write(d, "akpub.pem", b, n);
    free(b);
    vt_opts o = {.nonce_hex = vt_nonce_of(d)};
    cvm_verify *v = vt_run(d, &o);
    /* the quote is checked with HCLAkPub itself, so only the binding breaks */
    assert_string_equal(vt_fails(v), "ak.binding");
    vt_assert_reason_has(v, "ak.binding", "modulus n differs");
    vt_free(v);
    /* garbage in akpub.pem: ak.binding names the file */
    vt_write(d, "akpub.pem", "-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n", 56);
    v = vt_run(d, &o);
    assert_string_equal(vt_fails(v), "ak.binding");
    vt_assert_reason_has(v, "ak.binding", "akpub.pem is malformed");
    vt_free(v);
}

static void bare_report_and_runtime_json(void **state)
{
    (void)state;
    /* guest_report.bin alone (bare report) with runtime.json: the JSON hash
     * is assumed SHA-256 and stated as a limitation; everything verifies */
    const char *d = vt_copy_set(BASE);
    if (!d)
        skip();
    assert_int_equal(cvm_test_sh("rm -f '%s/snp_report.bin'", d), 0);
    vt_opts o = {.nonce_hex = vt_nonce_of(d)};
    cvm_verify *v = vt_run(d, &o);
    assert_int_equal(vt_rc, 0);
    vt_assert_st(v, "hcl.binding", "pass");
    json_t *j = cvm_report_json(v);
    char *s = json_dumps(j, 0);
    assert_non_null(strstr(s, "SHA-256 by assumption"));
    free(s);
    json_decref(j);
    vt_free(v);
}

static void chain_time_window(void **state)
{
    (void)state;
    CVM_VECTOR_OR_SKIP(d, "seedsets/" BASE);
    char dir[1024];
    snprintf(dir, sizeof dir, "%s", d);
    vt_opts o = {.at = "2099-01-01T00:00:00Z"};
    cvm_verify *v = vt_run(dir, &o);
    assert_string_equal(vt_fails(v), "amd.chain");
    vt_assert_reason_has(v, "amd.chain", "expired");
    vt_assert_reason_has(v, "amd.chain", "2099-01-01T00:00:00Z");
    vt_free(v);
    o.at = "2022-12-31T23:59:59Z"; /* the VCEK starts 2023-01-01 */
    v = vt_run(dir, &o);
    assert_string_equal(vt_fails(v), "amd.chain");
    vt_assert_reason_has(v, "amd.chain", "not yet valid");
    vt_free(v);
    o.at = "2023-01-01T07:00:00+01:00"; /* 06:00Z, after notBefore 05:31:18Z */
    v = vt_run(dir, &o);
    vt_assert_st(v, "amd.chain", "pass");
    vt_free(v);
}

static void chain_from_option_and_wrong_product(void **state)
{
    (void)state;
    const char *d = vt_copy_set(BASE);
    CVM_VECTOR_OR_SKIP(milan, "amd-roots/go-sev-guest/ask_ark_milan.pem");
    char milan_p[1024];
    snprintf(milan_p, sizeof milan_p, "%s", milan);
    CVM_VECTOR_OR_SKIP(genoa, "amd-roots/go-sev-guest/ask_ark_genoa.pem");
    char genoa_p[1024];
    snprintf(genoa_p, sizeof genoa_p, "%s", genoa);
    if (!d)
        skip();
    /* keep only the VCEK (the first PEM block) in vcek.pem */
    assert_int_equal(cvm_test_sh("cd '%s' && awk '/BEGIN CERT/{n++} n==1{print}' vcek.pem > v1 && mv v1 vcek.pem", d), 0);
    vt_opts o = {.nonce_hex = vt_nonce_of(d)};
    cvm_verify *v = vt_run(d, &o);
    assert_string_equal(vt_fails(v), "amd.chain");
    vt_assert_reason_has(v, "amd.chain", "--chain");
    vt_free(v);
    o.chain = milan_p;
    v = vt_run(d, &o);
    assert_int_equal(vt_rc, 0);
    vt_assert_reason_has(v, "amd.chain", "built-in pin");
    vt_free(v);
    /* a Genoa ARK (pinned, but for Genoa) must not anchor a Milan VCEK */
    o.chain = genoa_p;
    v = vt_run(d, &o);
    assert_string_equal(vt_fails(v), "amd.chain");
    vt_assert_reason_has(v, "amd.chain", "trusted Milan ARK");
    vt_free(v);
}

static void pins_match_every_ark_copy(void **state)
{
    (void)state;
    CVM_VECTOR_OR_SKIP(root, "amd-roots");
    static const char *files[] = {
        "virtee-sev/milan_ark.pem", "virtee-sev/genoa_ark.pem", "virtee-sev/turin_ark.pem",
        "ms-tee-attestation-verification/pinned_milan_ark.pem", "ms-tee-attestation-verification/pinned_genoa_ark.pem",
        "ms-tee-attestation-verification/pinned_turin_ark.pem", "go-sev-guest/ask_ark_milan.pem",
        "go-sev-guest/ask_ark_genoa.pem", "go-sev-guest/ask_ark_turin_vcek.pem", "go-sev-guest/ask_ark_milan_vlek.pem",
        "go-sev-guest/ask_ark_turin_vlek.pem", "trustee/milan_ask_ark_asvk.pem"};
    static const enum cvm_product prod[] = {CVM_PRODUCT_MILAN, CVM_PRODUCT_GENOA, CVM_PRODUCT_TURIN,
                                            CVM_PRODUCT_MILAN, CVM_PRODUCT_GENOA, CVM_PRODUCT_TURIN,
                                            CVM_PRODUCT_MILAN, CVM_PRODUCT_GENOA, CVM_PRODUCT_TURIN,
                                            CVM_PRODUCT_MILAN, CVM_PRODUCT_TURIN, CVM_PRODUCT_MILAN};
    for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) {
        char rel[256];
        snprintf(rel, sizeof rel, "amd-roots/%s", files[i]);
        const char *p = cvm_test_vector(rel);
        assert_non_null(p);
        size_t n;
        uint8_t *b = cvm_test_read(p, &n);
        STACK_OF(X509) *sk = NULL;
        cvm_err err;
        cvm_err_clear(&err);
        assert_int_equal(cvm_certs_load(b, n, files[i], &sk, &err), CVM_OK);
        int found = 0;
        for (int k = 0; k < sk_X509_num(sk); k++) {
            X509 *x = sk_X509_value(sk, k);
            if (cvm_cert_role_of(x) != CVM_CERT_ROLE_ARK)
                continue;
            uint8_t h[32];
            char hx[65];
            assert_int_equal(cvm_cert_spki_sha256(x, h), CVM_OK);
            cvm_hex(h, 32, hx);
            assert_string_equal(hx, cvm_trust_builtin_hex(prod[i]));
            found++;
        }
        assert_int_equal(found, 1);
        cvm_certs_free(sk);
        free(b);
    }
}

/* ---- real non-Azure SNP reports: amd.chain, snp.signature, snp.tcb ---- */

typedef struct bare {
    const char *report, *vcek, *chain, *at, *product;
    bool vlek;
} bare;

static void bare_reports(void **state)
{
    (void)state;
    static const bare cases[] = {
        {"snp/virtee-sev/report_milan.bin", "snp/virtee-sev/vcek_milan.der", "snp/virtee-sev/cert_chain_milan", NULL, "Milan", false},
        {"snp/go-sev-guest/attestation.bin", "snp/go-sev-guest/vcek.testcer", "amd-roots/go-sev-guest/ask_ark_milan.pem", NULL, "Milan", false},
        {"snp/aci-tee-attestation-verification/milan_attestation_report.bin", "snp/aci-tee-attestation-verification/milan_vcek.pem", "amd-roots/go-sev-guest/ask_ark_milan.pem", NULL, "Milan", false},
        {"snp/aci-tee-attestation-verification/genoa_attestation_report.bin", "snp/aci-tee-attestation-verification/genoa_vcek.pem", "amd-roots/go-sev-guest/ask_ark_genoa.pem", NULL, "Genoa", false},
        {"snp/aci-tee-attestation-verification/turin_attestation_report.bin", "snp/aci-tee-attestation-verification/turin_vcek.pem", "amd-roots/go-sev-guest/ask_ark_turin_vcek.pem", NULL, "Turin", false},
        {"snp/trustee-e2e-genoa/evidence.2025-05-28.report.rebuilt.bin", "snp/trustee-e2e-genoa/evidence.2025-05-28.vcek.der", "amd-roots/go-sev-guest/ask_ark_genoa.pem", NULL, "Genoa", false},
        {"snp/aci-confidential-sidecar/snp_report.bin", "snp/aci-confidential-sidecar/uvm_host_amd_certificate.pem", NULL, NULL, "Milan", false},
        {"snp/aws-vlek-trustee/test-vlek-report.2025.bin", "snp/aws-vlek-trustee/test-vlek.2025.der", "amd-roots/go-sev-guest/ask_ark_milan_vlek.pem", "2025-06-01T00:00:00Z", "Milan", true},
        {"snp/aws-vlek-trustee/test-vlek-report.2024.bin", "snp/aws-vlek-trustee/test-vlek.2024.der", "amd-roots/go-sev-guest/ask_ark_milan_vlek.pem", "2024-12-01T00:00:00Z", "Milan", true},
    };
    CVM_VECTOR_OR_SKIP(root, "snp");
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const bare *c = &cases[i];
        const char *d = cvm_test_tmpdir();
        char dir[512];
        snprintf(dir, sizeof dir, "%s", d);
        const char *rp = cvm_test_vector(c->report);
        assert_non_null(rp);
        assert_int_equal(cvm_test_sh("cp '%s' '%s/guest_report.bin'", rp, dir), 0);
        const char *vp = cvm_test_vector(c->vcek);
        assert_non_null(vp);
        assert_int_equal(cvm_test_sh("cp '%s' '%s/vcek.pem'", vp, dir), 0);
        char chain[1024] = "";
        if (c->chain) {
            const char *cp = cvm_test_vector(c->chain);
            assert_non_null(cp);
            snprintf(chain, sizeof chain, "%s", cp);
        }
        vt_opts o = {.chain = c->chain ? chain : NULL, .at = c->at};
        cvm_verify *v = vt_run(dir, &o);
        print_message("%-66s %s: chain %s sig %s tcb %s\n", c->report, c->product, vt_st(v, "amd.chain"),
                      vt_st(v, "snp.signature"), vt_st(v, "snp.tcb"));
        vt_assert_st(v, "amd.chain", "pass");
        vt_assert_st(v, "snp.signature", "pass");
        vt_assert_st(v, "snp.tcb", "pass");
        vt_assert_st(v, "snp.report", "pass");
        assert_string_equal(cvm_product_name(v->product), c->product);
        assert_int_equal(v->leaf_is_vlek, c->vlek);
        if (c->vlek)
            vt_assert_reason_has(v, "snp.tcb", "amazonaws");
        /* no runtime JSON or quote: authentic report, incomplete chain */
        assert_string_equal(v->verdict, "incomplete");
        assert_int_equal(vt_rc, 2);
        vt_free(v);
    }
}

/* ---- policy over real facts ---- */

static const char *write_policy(const char *dir, const char *json)
{
    static char path[8][600];
    static int s;
    char *p = path[s++ % 8];
    snprintf(p, 600, "%s/policy-%d.json", dir, s);
    FILE *f = fopen(p, "w");
    assert_non_null(f);
    fputs(json, f);
    fclose(f);
    return p;
}

static void policy_rules(void **state)
{
    (void)state;
    const char *d = vt_copy_set(BASE);
    if (!d)
        skip();
    char dir[512];
    snprintf(dir, sizeof dir, "%s", d);
    const char *t = cvm_test_tmpdir();
    char pd[512];
    snprintf(pd, sizeof pd, "%s", t);
    vt_opts o = {.nonce_hex = vt_nonce_of(dir)};

    o.policy = write_policy(pd, "{\"policy_version\":1,\"min_tcb\":{\"bootloader\":3,\"tee\":0,\"snp\":8,\"microcode\":115},"
                                "\"debug\":{\"allow\":false},\"migrate_ma\":{\"allow\":false},\"vmpl\":{\"max\":0},"
                                "\"vm_configuration\":{\"secure-boot\":true,\"tpm-enabled\":true},"
                                "\"require_nonce\":{\"action\":\"fail\"}}");
    cvm_verify *v = vt_run(dir, &o);
    vt_assert_st(v, "policy", "pass");
    assert_int_equal(vt_rc, 0);
    vt_free(v);

    /* a TCB floor above the report: authentic, policy not met -> exit 1 */
    o.policy = write_policy(pd, "{\"min_tcb\":{\"action\":\"fail\",\"microcode\":200}}");
    v = vt_run(dir, &o);
    vt_assert_st(v, "policy", "fail");
    vt_assert_reason_has(v, "policy", "microcode 115 < 200");
    assert_int_equal(vt_rc, CVM_EXIT_POLICY);
    assert_string_equal(v->verdict, "policy not met");
    vt_free(v);

    /* the same rule warn-only: verified with a warning */
    o.policy = write_policy(pd, "{\"min_tcb\":{\"action\":\"warn\",\"microcode\":200}}");
    v = vt_run(dir, &o);
    vt_assert_st(v, "policy", "warn");
    assert_int_equal(vt_rc, 0);
    vt_free(v);

    /* measurement allowlist: the real value inside a window passes, the
     * same value with a closed window fails saying so */
    char pol[1024];
    char mhex[97];
    {
        cvm_verify *t0 = vt_run(dir, &o);
        cvm_hex(t0->report.measurement, 48, mhex);
        vt_free(t0);
    }
    snprintf(pol, sizeof pol, "{\"measurement\":{\"allow\":[{\"value\":\"%s\",\"not_before\":\"2024-01-01T00:00:00Z\"}]}}", mhex);
    o.policy = write_policy(pd, pol);
    v = vt_run(dir, &o);
    vt_assert_st(v, "policy", "pass");
    vt_free(v);
    snprintf(pol, sizeof pol, "{\"measurement\":{\"allow\":[{\"value\":\"%s\",\"not_after\":\"2025-01-01T00:00:00Z\"}]}}", mhex);
    o.policy = write_policy(pd, pol);
    v = vt_run(dir, &o);
    vt_assert_st(v, "policy", "fail");
    vt_assert_reason_has(v, "policy", "window");
    vt_free(v);

    /* PCR reference values: PCR17 is ff..ff on Azure, PCR0 is not */
    o.policy = write_policy(pd, "{\"pcrs\":{\"values\":[{\"bank\":\"sha256\",\"index\":17,\"value\":"
                                "\"ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff\"}]}}");
    v = vt_run(dir, &o);
    vt_assert_st(v, "policy", "pass");
    vt_free(v);
    o.policy = write_policy(pd, "{\"pcrs\":{\"values\":[{\"bank\":\"sha256\",\"index\":0,\"value\":"
                                "\"ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff\"}]}}");
    v = vt_run(dir, &o);
    vt_assert_st(v, "policy", "fail");
    vt_assert_reason_has(v, "policy", "not the reference value");
    vt_free(v);

    /* seed evidence never has a fresh report */
    o.policy = write_policy(pd, "{\"require_fresh_report\":{\"action\":\"fail\"}}");
    v = vt_run(dir, &o);
    vt_assert_st(v, "policy", "fail");
    vt_free(v);

    /* bad policy files are usage errors */
    static const char *bad[] = {
        "{\"min_tcb\":{\"microcode\":300}}", "{\"unknown_rule\":{}}", "{\"debug\":{\"allow\":false,\"x\":1}}",
        "{\"debug\":{\"allow\":false},\"debug\":{\"allow\":true}}", "[1]", "{\"measurement\":{\"allow\":[\"00\"]}}",
        "{\"debug\":{\"action\":\"maybe\",\"allow\":false}}", "{\"policy_version\":2}",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        o.policy = write_policy(pd, bad[i]);
        v = vt_run(dir, &o);
        if (vt_rc != CVM_EXIT_USAGE)
            fail_msg("policy %s: exit %d, expected 3", bad[i], vt_rc);
        assert_non_null(strstr(vt_err, "--policy"));
        vt_free(v);
    }
}

/* ---- hostile inputs: truncated and garbage files, never a crash ---- */

static void hostile_files(void **state)
{
    (void)state;
    static const struct {
        const char *file;
        const char *link; /* the link that must report it */
    } files[] = {
        {"snp_report.bin", "snp.signature"}, {"vcek.pem", "amd.chain"},     {"akpub.pem", "ak.binding"},
        {"quote.msg", "quote.signature"},    {"quote.sig", "quote.signature"}, {"quote.pcrs", "quote.pcrs"},
        {"guest_report.bin", "snp.report"},
    };
    const char *d = vt_copy_set(BASE);
    if (!d)
        skip();
    char dir[512];
    snprintf(dir, sizeof dir, "%s", d);
    const char *nonce = vt_nonce_of(dir);
    char nh[160];
    snprintf(nh, sizeof nh, "%s", nonce);
    for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) {
        size_t n;
        uint8_t *orig = vt_read(dir, files[i].file, &n);
        /* the HCL blob ends in zero padding that may legitimately be
         * shorter; cut inside its JSON instead of one byte off the end */
        bool pem = strstr(files[i].file, ".pem") != NULL; /* a trailing newline may go */
        size_t cuts[] = {0, 1, 7, n / 2,
                         strcmp(files[i].file, "snp_report.bin") == 0 ? 2000 : pem ? n - 3 : n - 1};
        for (size_t c = 0; c < 6; c++) {
            if (c < 5) {
                vt_write(dir, files[i].file, orig, cuts[c]);
            } else {
                uint8_t *g = malloc(n);
                for (size_t k = 0; k < n; k++)
                    g[k] = (uint8_t)(k * 131 + 7);
                vt_write(dir, files[i].file, g, n);
                free(g);
            }
            vt_opts o = {.nonce_hex = nh};
            cvm_verify *v = vt_run(dir, &o);
            if (vt_rc != 2)
                fail_msg("%s cut %zu: exit %d", files[i].file, c < 5 ? cuts[c] : n, vt_rc);
            if (strcmp(vt_st(v, files[i].link), "fail") != 0)
                fail_msg("%s variant %zu: %s is %s (%s); fails [%s]", files[i].file, c, files[i].link,
                         vt_st(v, files[i].link), vt_reason(v, files[i].link), vt_fails(v));
            /* the reason names the file */
            if (!strstr(vt_reason(v, files[i].link), files[i].file) &&
                !strstr(vt_reason(v, files[i].link), "runtime JSON"))
                fail_msg("%s: reason \"%s\" does not name the file", files[i].file, vt_reason(v, files[i].link));
            vt_free(v);
        }
        vt_write(dir, files[i].file, orig, n);
        free(orig);
    }
    /* the restored set verifies again */
    vt_opts o = {.nonce_hex = nh};
    cvm_verify *v = vt_run(dir, &o);
    assert_int_equal(vt_rc, 0);
    vt_free(v);
}


/* Every single-byte change of the signed or bound files must stop
 * "verified": the quote (signed by the AK), the PCR values (pcrDigest),
 * the HCL report (signed SNP report, bound JSON, strict zero padding).
 * The HCL header is outside every signature: a change there may only
 * verify with a visible warning (hcl.binding) or fail to parse. */
static void every_byte_flip(void **state)
{
    (void)state;
    const char *d = vt_copy_set(BASE);
    if (!d)
        skip();
    char dir[512];
    snprintf(dir, sizeof dir, "%s", d);
    char nh[160];
    snprintf(nh, sizeof nh, "%s", vt_nonce_of(dir));
    assert_int_equal(cvm_test_sh("rm -f '%s/guest_report.bin' '%s/runtime.json'", dir, dir), 0);
    static const struct {
        const char *file;
        size_t stride;
    } files[] = {{"quote.msg", 1}, {"quote.sig", 1}, {"snp_report.bin", 5}, {"quote.pcrs", 11}, {"akpub.pem", 3}};
    size_t runs = 0;
    for (size_t f = 0; f < sizeof files / sizeof files[0]; f++) {
        size_t n;
        uint8_t *orig = vt_read(dir, files[f].file, &n);
        for (size_t i = 0; i < n; i += files[f].stride) {
            orig[i] ^= 0x20;
            vt_write(dir, files[f].file, orig, n);
            orig[i] ^= 0x20;
            vt_opts o = {.nonce_hex = nh};
            cvm_verify *v = vt_run(dir, &o);
            runs++;
            bool warned = v->res[CVM_L_HCL_BINDING].status == CVM_ST_WARN;
            bool pcrs_padding = strcmp(files[f].file, "quote.pcrs") == 0 && vt_rc == 0;
            if (pcrs_padding && v->res[CVM_L_QUOTE_PCRS].status != CVM_ST_WARN)
                fail_msg("quote.pcrs: byte %zu changed, verified without a warning", i);
            if (vt_rc == 0 && !warned && !pcrs_padding)
                fail_msg("%s: flipping byte %zu still verifies", files[f].file, i);
            if (pcrs_padding) {
                /* only C-struct padding may change: TPMS_PCR_SELECTION
                 * entries beyond count and their pad / unused select bytes
                 * (offsets 4..131 after the used entry's hash, size and
                 * 3 select bytes), and the unused tail of a TPM2B_DIGEST
                 * buffer (136 + 532k + 4 + 66j + 2 + [32, 64)) */
                bool sel_pad = i >= 4 && i < 132 && !(i >= 4 && i < 4 + 6);
                size_t off = i >= 136 ? (i - 136) % 532 : 0;
                size_t in = off >= 4 ? (off - 4) % 66 : 0;
                bool digest_tail = i >= 136 && off >= 4 && in >= 2 + 32;
                if (!sel_pad && !digest_tail)
                    fail_msg("quote.pcrs: flipping byte %zu (not struct padding) still verifies", i);
            }
            vt_free(v);
        }
        vt_write(dir, files[f].file, orig, n);
        free(orig);
    }
    print_message("%zu single-byte variants judged\n", runs);
}

/* An Azure TDX HCL report is recognised and refused by name, not misread */
static void tdx_hcl_refused(void **state)
{
    (void)state;
    CVM_VECTOR_OR_SKIP(src, "azure-hcl-tdx/kinvolk/hcl-report-tdx.bin");
    char s[1024];
    snprintf(s, sizeof s, "%s", src);
    const char *d = cvm_test_tmpdir();
    char dir[512];
    snprintf(dir, sizeof dir, "%s", d);
    assert_int_equal(cvm_test_sh("cp '%s' '%s/snp_report.bin'", s, dir), 0);
    cvm_verify *v = vt_run(dir, NULL);
    assert_int_equal(vt_rc, 2);
    assert_string_equal(vt_fails(v), "snp.signature");
    vt_assert_reason_has(v, "snp.signature", "not supported");
    vt_assert_reason_has(v, "snp.signature", "only SEV-SNP");
    vt_assert_st(v, "hcl.binding", "skip");
    vt_free(v);
}

static void usage_errors(void **state)
{
    (void)state;
    vt_opts o = {0};
    cvm_verify *v = vt_run("/nonexistent/dir", &o);
    assert_int_equal(vt_rc, CVM_EXIT_USAGE);
    vt_free(v);
    o.chain = "/nonexistent/chain.pem";
    CVM_VECTOR_OR_SKIP(d, "seedsets/" BASE);
    char dir[1024];
    snprintf(dir, sizeof dir, "%s", d);
    v = vt_run(dir, &o);
    assert_int_equal(vt_rc, CVM_EXIT_USAGE);
    assert_non_null(strstr(vt_err, "--chain"));
    vt_free(v);
    o.chain = NULL;
    o.anchor = dir; /* a directory is not a certificate */
    v = vt_run(dir, &o);
    assert_int_equal(vt_rc, CVM_EXIT_USAGE);
    vt_free(v);
}

static void time_parser(void **state)
{
    (void)state;
    time_t t;
    assert_int_equal(cvm_time_parse("1970-01-01T00:00:00Z", &t), 0);
    assert_int_equal((long long)t, 0);
    assert_int_equal(cvm_time_parse("2026-11-28T06:00:00Z", &t), 0);
    assert_int_equal((long long)t, 1795845600LL);
    assert_int_equal(cvm_time_parse("2026-11-28T07:00:00+01:00", &t), 0);
    assert_int_equal((long long)t, 1795845600LL);
    assert_int_equal(cvm_time_parse("2024-02-29T00:00:00.123Z", &t), 0);
    static const char *bad[] = {"", "2026-11-28", "2026-11-28T06:00:00", "2026-11-28 06:00:00Z", "2025-02-29T00:00:00Z",
                                "2026-13-01T00:00:00Z", "2026-11-28T24:00:00Z", "2026-11-28T06:00:00Zx",
                                "2026-11-28T06:00:00+0100", "+2026-11-28T06:00:00Z", "2026-11-28T06:00:00.Z"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        if (cvm_time_parse(bad[i], &t) == 0)
            fail_msg("accepted \"%s\"", bad[i]);
}

int main(void)
{
    setvbuf(stdout, NULL, _IONBF, 0);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(time_parser),
        cmocka_unit_test(every_seed_set),
        cmocka_unit_test(kinvolk_incomplete_but_bound),
        cmocka_unit_test(mutate_nonce),
        cmocka_unit_test(mutate_one_bit),
        cmocka_unit_test(mutate_akpub),
        cmocka_unit_test(bare_report_and_runtime_json),
        cmocka_unit_test(chain_time_window),
        cmocka_unit_test(chain_from_option_and_wrong_product),
        cmocka_unit_test(pins_match_every_ark_copy),
        cmocka_unit_test(bare_reports),
        cmocka_unit_test(policy_rules),
        cmocka_unit_test(hostile_files),
        cmocka_unit_test(every_byte_flip),
        cmocka_unit_test(tdx_hcl_refused),
        cmocka_unit_test(usage_errors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
