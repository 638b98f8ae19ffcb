/* Interop with real tpm2-tools 5.4 output on a private swtpm: our parsers
 * read tpm2_quote/tpm2_readpublic files, cvm_pcrs_write reproduces
 * tpm2_quote's .pcrs byte for byte, and Name/QN match the TPM's.
 * The files come from swtpm_quotes.sh (skips when swtpm is absent). */
#include "harness.h"

#include <stdio.h>

#include "tpm_mu_check.h"

static char outdir[4096];

static int setup(void **state)
{
    (void)state;
    snprintf(outdir, sizeof(outdir), "%s", cvm_test_tmpdir());
    int rc = cvm_test_sh("timeout 300 bash '%s' '%s' >'%s/script.log' 2>&1",
                         cvm_test_src("tests/format/swtpm_quotes.sh"), outdir, outdir);
    if (rc == 77) {
        outdir[0] = 0;
        return 0;
    }
    if (rc != 0) {
        cvm_test_sh("cat '%s/script.log' >&2", outdir);
        return -1;
    }
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    if (outdir[0] && strncmp(outdir, "/tmp/cvmt.", 10) == 0)
        cvm_test_sh("rm -rf '%s'", outdir);
    return 0;
}

#define NEED_SWTPM()                                                   \
    do {                                                               \
        if (!outdir[0]) {                                              \
            print_message("SKIP: swtpm or tpm2-tools not installed\n"); \
            skip();                                                    \
        }                                                              \
    } while (0)

static uint8_t *rd(const char *name, size_t *len)
{
    char p[4200];
    snprintf(p, sizeof(p), "%s/%s", outdir, name);
    return cvm_test_read(p, len);
}

struct key {
    uint8_t *pub, *tpmt, *name, *qn;
    size_t pub_len, tpmt_len, name_len, qn_len;
    cvm_tpm_public p;
};

static void load_key(const char *k, struct key *out)
{
    char f[64];
    snprintf(f, sizeof(f), "%s.pub", k);
    out->pub = rd(f, &out->pub_len);
    snprintf(f, sizeof(f), "%s.tpmt", k);
    out->tpmt = rd(f, &out->tpmt_len);
    snprintf(f, sizeof(f), "%s.name", k);
    out->name = rd(f, &out->name_len);
    snprintf(f, sizeof(f), "%s.qn", k);
    out->qn = rd(f, &out->qn_len);
    cvm_err e;
    cvm_err_clear(&e);
    char eb[512];
    if (cvm_tpm_public_parse(out->pub, out->pub_len, f, CVM_TPM_PUBLIC_TPM2B, &out->p, &e))
        fail_msg("%s", cvm_err_format(&e, eb, sizeof(eb)));
    mu_check_public(out->pub, out->pub_len, &out->p);
    /* -f tpmt is the same bytes without the size */
    cvm_tpm_public t;
    assert_int_equal(cvm_tpm_public_parse(out->tpmt, out->tpmt_len, f, CVM_TPM_PUBLIC_TPMT, &t, &e), 0);
    assert_int_equal(t.tpmt_len, out->p.tpmt_len);
    assert_memory_equal(t.tpmt, out->p.tpmt, t.tpmt_len);

    uint8_t name[CVM_TPM_NAME_MAX], qn[CVM_TPM_NAME_MAX];
    size_t nl = sizeof(name), ql = sizeof(qn);
    assert_int_equal(cvm_tpm_public_name(out->p.tpmt, out->p.tpmt_len, out->p.name_alg, name, &nl), 0);
    assert_int_equal(nl, out->name_len);
    assert_memory_equal(name, out->name, nl);
    /* the keys are endorsement-hierarchy primaries, like Azure's AK */
    assert_int_equal(cvm_tpm_primary_qualified_name(CVM_TPM_RH_ENDORSEMENT, name, nl, qn, &ql), 0);
    assert_int_equal(ql, out->qn_len);
    assert_memory_equal(qn, out->qn, ql);
}

static void free_key(struct key *k)
{
    free(k->pub);
    free(k->tpmt);
    free(k->name);
    free(k->qn);
}

static void test_keys(void **state)
{
    (void)state;
    NEED_SWTPM();
    struct key k;
    load_key("ak", &k);
    /* the Azure AK template (formats.md §5.6) */
    assert_int_equal(k.pub_len, 282);
    assert_int_equal(k.p.type, CVM_TPM_ALG_RSA);
    assert_int_equal(k.p.object_attributes, 0x00050472);
    assert_int_equal(k.p.scheme, CVM_TPM_ALG_RSASSA);
    assert_int_equal(k.p.scheme_hash, CVM_TPM_ALG_SHA256);
    assert_int_equal(k.p.rsa_key_bits, 2048);
    assert_int_equal(k.p.rsa_exponent_raw, 0);
    assert_int_equal(k.p.rsa_exponent, 65537);
    assert_int_equal(k.p.rsa_modulus_len, 256);
    assert_int_equal(k.p.sym_alg, CVM_TPM_ALG_NULL);
    free_key(&k);
    load_key("pss", &k);
    assert_int_equal(k.p.scheme, CVM_TPM_ALG_RSAPSS);
    free_key(&k);
    load_key("ecc", &k);
    assert_int_equal(k.p.type, CVM_TPM_ALG_ECC);
    assert_int_equal(k.p.ecc_curve_id, CVM_TPM_ECC_NIST_P256);
    assert_int_equal(k.p.scheme, CVM_TPM_ALG_ECDSA);
    assert_int_equal(k.p.ecc_kdf, CVM_TPM_ALG_NULL);
    assert_int_equal(k.p.ecc_x_len, 32);
    assert_int_equal(k.p.ecc_y_len, 32);
    json_t *j = cvm_tpm_public_to_json(&k.p);
    assert_string_equal(json_string_value(json_object_get(json_object_get(j, "ecc"), "curve")), "nist_p256");
    json_decref(j);
    free_key(&k);
}

/* What swtpm_quotes.sh extended: PCR i in {0,1,2,7,11,14,15,23} once with
 * the value i+1 (big-endian, digest-sized); the others are still zero. */
static void expected_pcr(uint16_t alg, unsigned pcr, uint8_t *out, size_t *len)
{
    size_t hl = cvm_tpm_hash_len(alg);
    static const unsigned ext[] = {0, 1, 2, 7, 11, 14, 15, 23};
    memset(out, 0, hl);
    *len = hl;
    for (size_t i = 0; i < sizeof(ext) / sizeof(ext[0]); i++)
        if (ext[i] == pcr) {
            uint8_t cat[2 * CVM_TPM_HASH_MAX];
            memset(cat, 0, sizeof(cat));
            cat[2 * hl - 1] = (uint8_t)(pcr + 1);
            size_t dl = hl;
            assert_int_equal(cvm_tpm_hash(alg, cat, 2 * hl, out, &dl), 0);
        }
}

static const struct qcase {
    const char *name, *key, *selection;
    size_t blocks;
    cvm_tpm_sig_format fmt;
    uint16_t sig_alg;
} cases[] = {
    {"all24", "ak", "sha256:0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23", 3,
     CVM_TPM_SIG_TSS, CVM_TPM_ALG_RSASSA},
    {"three", "ak", "sha256:0,1,15", 1, CVM_TPM_SIG_TSS, CVM_TPM_ALG_RSASSA},
    {"twobanks", "ak", "sha1:0,1,2,3,4,5,6,7+sha256:0,1,2,3,4,5,6,7", 2, CVM_TPM_SIG_TSS, CVM_TPM_ALG_RSASSA},
    {"mixed", "ak", "sha1:0,1,2,3+sha256:0,1,2,3,4,5,6,7", 2, CVM_TPM_SIG_TSS, CVM_TPM_ALG_RSASSA},
    {"eleven", "ak", "sha256:0,1,2,3,4,5,6,7,8,9,10", 2, CVM_TPM_SIG_TSS, CVM_TPM_ALG_RSASSA},
    {"plain", "ak", "sha256:0,1,15", 1, CVM_TPM_SIG_PLAIN, CVM_TPM_ALG_RSASSA},
    {"pss", "pss", "sha256:0,7,23", 1, CVM_TPM_SIG_TSS, CVM_TPM_ALG_RSAPSS},
    {"ecc", "ecc", "sha256:0,7,23", 1, CVM_TPM_SIG_TSS, CVM_TPM_ALG_ECDSA},
    {"eccplain", "ecc", "sha256:0,7,23", 1, CVM_TPM_SIG_PLAIN, CVM_TPM_ALG_ECDSA},
};

static void test_quotes(void **state)
{
    (void)state;
    NEED_SWTPM();
    static const uint8_t nonce[16] = {0x00, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77,
                                      0x88, 0x99, 0xaa, 0xbb, 0xcc, 0xdd, 0xee, 0xff};
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        const struct qcase *qc = &cases[i];
        struct key k;
        load_key(qc->key, &k);
        char f[64];
        size_t ml, sl, pl;
        snprintf(f, sizeof(f), "%s.msg", qc->name);
        uint8_t *m = rd(f, &ml);
        snprintf(f, sizeof(f), "%s.sig", qc->name);
        uint8_t *s = rd(f, &sl);
        snprintf(f, sizeof(f), "%s.pcrs", qc->name);
        uint8_t *pc = rd(f, &pl);
        cvm_err e;
        cvm_err_clear(&e);
        char eb[512];
        print_message("case %s\n", qc->name);

        cvm_tpm_attest a;
        if (cvm_tpm_attest_parse(m, ml, qc->name, &a, &e))
            fail_msg("%s", cvm_err_format(&e, eb, sizeof(eb)));
        mu_check_attest(m, ml, &a);
        assert_int_equal(a.extra_data_len, 16);
        assert_memory_equal(a.extra_data, nonce, 16);
        /* qualifiedSigner is the QN tpm2_readpublic -q printed, not the Name */
        assert_int_equal(a.qualified_signer_len, k.qn_len);
        assert_memory_equal(a.qualified_signer, k.qn, k.qn_len);
        assert_memory_not_equal(a.qualified_signer, k.name, k.name_len);
        cvm_pcr_selection want;
        assert_int_equal(cvm_pcr_selection_from_string(qc->selection, &want, &e), 0);
        assert_true(cvm_pcr_selection_equal(&a.pcr_select, &want));

        cvm_tpm_signature sig;
        cvm_tpm_sig_format fmt = 0;
        if (cvm_tpm_signature_parse_file(s, sl, f, &k.p, CVM_TPM_ALG_SHA256, &sig, &fmt, &e))
            fail_msg("%s", cvm_err_format(&e, eb, sizeof(eb)));
        assert_int_equal(fmt, qc->fmt);
        assert_int_equal(sig.sig_alg, qc->sig_alg);
        assert_int_equal(sig.hash_alg, CVM_TPM_ALG_SHA256);
        cvm_wr w;
        cvm_wr_init(&w);
        if (fmt == CVM_TPM_SIG_TSS) {
            mu_check_signature(s, sl, &sig);
            assert_int_equal(cvm_tpm_signature_write(&sig, &w), 0);
        } else {
            assert_int_equal(cvm_tpm_signature_write_plain(&sig, &w), 0);
        }
        assert_int_equal(w.len, sl);
        assert_memory_equal(w.p, s, sl);
        cvm_wr_free(&w);
        /* the plain files are also read right without the key */
        if (fmt == CVM_TPM_SIG_PLAIN) {
            cvm_tpm_signature s2;
            assert_int_equal(cvm_tpm_signature_parse_file(s, sl, f, NULL, CVM_TPM_ALG_SHA256, &s2, &fmt, &e), 0);
            assert_int_equal(s2.sig_alg, CVM_TPM_ALG_RSASSA == qc->sig_alg ? CVM_TPM_ALG_RSASSA : CVM_TPM_ALG_ECDSA);
        }

        cvm_pcrs *p = malloc(sizeof(*p));
        if (cvm_pcrs_parse(pc, pl, f, p, &e))
            fail_msg("%s", cvm_err_format(&e, eb, sizeof(eb)));
        assert_int_equal(pl, 136 + 532 * qc->blocks);
        assert_int_equal(p->n_blocks, qc->blocks);
        assert_int_equal(p->nonzero_padding_at, CVM_NO_OFFSET); /* tpm2-tools writes zeros */
        assert_true(cvm_pcr_selection_equal(&p->selection, &a.pcr_select));
        for (size_t v = 0; v < p->n_values; v++) {
            if (p->values[v].pcr >= 17 && p->values[v].pcr <= 22)
                continue; /* locality PCRs: reset value is platform-specific */
            uint8_t ev[CVM_TPM_HASH_MAX];
            size_t el;
            expected_pcr(p->values[v].alg, p->values[v].pcr, ev, &el);
            assert_int_equal(p->values[v].len, el);
            assert_memory_equal(p->values[v].bytes, ev, el);
        }
        uint8_t d[CVM_TPM_HASH_MAX];
        size_t dl = sizeof(d);
        assert_int_equal(cvm_pcrs_digest(p, sig.hash_alg, d, &dl), 0);
        assert_int_equal(dl, a.pcr_digest_len);
        assert_memory_equal(d, a.pcr_digest, dl);
        cvm_wr_init(&w);
        assert_int_equal(cvm_pcrs_write(p, &w), 0);
        assert_int_equal(w.len, pl);
        assert_memory_equal(w.p, pc, pl);
        cvm_wr_free(&w);
        /* a collector building the file from the selection and values
         * (n_blocks = 0) also reproduces tpm2_quote's bytes */
        cvm_pcrs *b = malloc(sizeof(*b));
        assert_int_equal(cvm_pcrs_init(b, &a.pcr_select, &e), 0);
        assert_int_equal(b->n_values, p->n_values);
        for (size_t v = 0; v < b->n_values; v++)
            memcpy(b->values[v].bytes, p->values[v].bytes, b->values[v].len);
        cvm_wr_init(&w);
        assert_int_equal(cvm_pcrs_write(b, &w), 0);
        assert_int_equal(w.len, pl);
        assert_memory_equal(w.p, pc, pl);
        cvm_wr_free(&w);
        free(b);
        free(p);
        free(m);
        free(s);
        free(pc);
        free_key(&k);
    }
}

int main(void)
{
    setvbuf(stdout, NULL, _IONBF, 0);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_keys),
        cmocka_unit_test(test_quotes),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
