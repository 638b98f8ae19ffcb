/* amd.chain and amd.crl against a fake AMD PKI made here with the openssl
 * CLI (ARK -> ASK -> VCEK, RSASSA-PSS SHA-384 salt 48, the AMD extensions)
 * and a real SNP report re-signed with the fake VCEK key:
 *  - the forged chain (a self-signed "ARK-Milan" that is not pinned) is
 *    rejected at amd.chain although the report's signature and TCB match;
 *  - the same PKI given with --trust-anchor passes amd.chain;
 *  - an anchor whose CN names another product does not anchor Milan;
 *  - PKCS#1 v1.5 or a wrong PSS salt on the VCEK fails;
 *  - a missing ASK fails;
 *  - CRLs: clean, revoking the ASK, stale, signed by the wrong key. */
#include "vtest.h"

#include <openssl/ec.h>
#include <openssl/pem.h>

#define SUBJ "/OU=Engineering/C=US/L=Santa Clara/ST=CA/O=Advanced Micro Devices/CN="
#define PSS "-sha384 -sigopt rsa_padding_mode:pss -sigopt rsa_pss_saltlen:48 -sigopt rsa_mgf1_md:sha384"

static char T[512];   /* PKI work dir */
static char EV[512];  /* evidence dir: guest_report.bin + vcek.pem */
static bool ready;

static int sh(const char *cmd)
{
    return cvm_test_sh("cd '%s' && ( %s ) >/dev/null 2>&1", T, cmd);
}

/* Re-signs a real report with the fake VCEK key. */
static void sign_report(const char *vcek_key, const uint8_t *raw, uint8_t out[CVM_SNP_REPORT_LEN])
{
    cvm_snp_report rep;
    cvm_err err;
    cvm_err_clear(&err);
    assert_int_equal(cvm_snp_parse(raw, CVM_SNP_REPORT_LEN, "report", &rep, &err), CVM_OK);
    FILE *f = fopen(vcek_key, "r");
    assert_non_null(f);
    EVP_PKEY *k = PEM_read_PrivateKey(f, NULL, NULL, NULL);
    fclose(f);
    assert_non_null(k);
    EVP_MD_CTX *m = EVP_MD_CTX_new();
    unsigned char der[256];
    size_t dl = sizeof der;
    assert_int_equal(EVP_DigestSignInit(m, NULL, EVP_sha384(), NULL, k), 1);
    assert_int_equal(EVP_DigestSign(m, der, &dl, raw, CVM_SNP_SIGNED_LEN), 1);
    const unsigned char *p = der;
    ECDSA_SIG *es = d2i_ECDSA_SIG(NULL, &p, (long)dl);
    assert_non_null(es);
    uint8_t r[48], s[48];
    assert_int_equal(BN_bn2binpad(ECDSA_SIG_get0_r(es), r, 48), 48);
    assert_int_equal(BN_bn2binpad(ECDSA_SIG_get0_s(es), s, 48), 48);
    cvm_snp_set_signature_be(&rep, r, s);
    cvm_snp_write(&rep, out);
    ECDSA_SIG_free(es);
    EVP_MD_CTX_free(m);
    EVP_PKEY_free(k);
}

static int setup(void **state)
{
    (void)state;
    const char *src = cvm_test_vector("seedsets/trustee-hcl-2024-01-29-milan-rv2/guest_report.bin");
    if (!src)
        return 0;
    snprintf(T, sizeof T, "%s", cvm_test_tmpdir());
    snprintf(EV, sizeof EV, "%s", cvm_test_tmpdir());
    size_t n;
    uint8_t *raw = cvm_test_read(src, &n);
    assert_int_equal(n, CVM_SNP_REPORT_LEN);
    cvm_snp_report rep;
    cvm_err err;
    cvm_err_clear(&err);
    assert_int_equal(cvm_snp_parse(raw, n, "report", &rep, &err), CVM_OK);
    cvm_tcb t;
    cvm_tcb_decode(rep.reported_tcb, CVM_PRODUCT_MILAN, &t);
    char hwid[64 * 3 + 1] = "";
    for (int i = 0; i < 64; i++)
        snprintf(hwid + strlen(hwid), 4, "%s%02x", i ? ":" : "", rep.chip_id[i]);
    char ext[1024];
    snprintf(ext, sizeof ext,
             "1.3.6.1.4.1.3704.1.1=ASN1:INTEGER:0\n1.3.6.1.4.1.3704.1.2=ASN1:IA5STRING:Milan-B0\n"
             "1.3.6.1.4.1.3704.1.3.1=ASN1:INTEGER:%u\n1.3.6.1.4.1.3704.1.3.2=ASN1:INTEGER:%u\n"
             "1.3.6.1.4.1.3704.1.3.3=ASN1:INTEGER:%u\n1.3.6.1.4.1.3704.1.3.8=ASN1:INTEGER:%u\n"
             "1.3.6.1.4.1.3704.1.4=DER:%s\n",
             t.bootloader, t.tee, t.snp, t.microcode, hwid);
    char path[1024];
    snprintf(path, sizeof path, "%s/vcek.ext", T);
    FILE *f = fopen(path, "w");
    fputs(ext, f);
    fclose(f);
    assert_int_equal(sh("printf 'basicConstraints=critical,CA:TRUE,pathlen:0\\nkeyUsage=critical,keyCertSign\\n' > ask.ext"), 0);
    assert_int_equal(sh("openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out ark.key"), 0);
    assert_int_equal(sh("openssl req -x509 -new -key ark.key -subj '" SUBJ "ARK-Milan' -days 9000 " PSS
                        " -addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign,cRLSign -out ark.pem"), 0);
    /* the same key self-signed as "ARK-Genoa": an anchor for Genoa only */
    assert_int_equal(sh("openssl req -x509 -new -key ark.key -subj '" SUBJ "ARK-Genoa' -days 9000 " PSS
                        " -addext basicConstraints=critical,CA:TRUE -out ark-genoa.pem"), 0);
    assert_int_equal(sh("openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out ask.key && "
                        "openssl req -new -key ask.key -subj '" SUBJ "SEV-Milan' -out ask.csr && "
                        "openssl x509 -req -in ask.csr -CA ark.pem -CAkey ark.key -set_serial 4096 -days 8000 " PSS
                        " -extfile ask.ext -out ask.pem"), 0);
    assert_int_equal(sh("openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-384 -out vcek.key && "
                        "openssl req -new -key vcek.key -subj '" SUBJ "SEV-VCEK' -out vcek.csr && "
                        "openssl x509 -req -in vcek.csr -CA ask.pem -CAkey ask.key -set_serial 0 -days 2000 " PSS
                        " -extfile vcek.ext -out vcek.pem"), 0);
    /* the same VCEK with PKCS#1 v1.5 and with a 32-byte PSS salt */
    assert_int_equal(sh("openssl x509 -req -in vcek.csr -CA ask.pem -CAkey ask.key -set_serial 0 -days 2000 -sha384"
                        " -extfile vcek.ext -out vcek-pkcs1.pem"), 0);
    assert_int_equal(sh("openssl x509 -req -in vcek.csr -CA ask.pem -CAkey ask.key -set_serial 0 -days 2000 -sha384"
                        " -sigopt rsa_padding_mode:pss -sigopt rsa_pss_saltlen:32 -sigopt rsa_mgf1_md:sha384"
                        " -extfile vcek.ext -out vcek-salt32.pem"), 0);
    /* CRLs signed by the fake ARK: clean, then revoking the ASK; one by the ASK */
    assert_int_equal(sh("printf '[ca]\\ndefault_ca=d\\n[d]\\ndatabase=index.txt\\ncrlnumber=crlnumber\\ndefault_md=sha384\\n"
                        "default_crl_days=30\\n' > ca.cnf && : > index.txt && echo 01 > crlnumber && "
                        "openssl ca -batch -config ca.cnf -gencrl -keyfile ark.key -cert ark.pem -sigopt rsa_padding_mode:pss"
                        " -sigopt rsa_pss_saltlen:48 -sigopt rsa_mgf1_md:sha384 -out crl-clean.pem && "
                        "openssl ca -batch -config ca.cnf -gencrl -keyfile ask.key -cert ask.pem -out crl-by-ask.pem && "
                        "openssl ca -batch -config ca.cnf -revoke ask.pem -keyfile ark.key -cert ark.pem && "
                        "openssl ca -batch -config ca.cnf -gencrl -keyfile ark.key -cert ark.pem -sigopt rsa_padding_mode:pss"
                        " -sigopt rsa_pss_saltlen:48 -sigopt rsa_mgf1_md:sha384 -out crl-revoked.pem"), 0);
    uint8_t signed_rep[CVM_SNP_REPORT_LEN];
    snprintf(path, sizeof path, "%s/vcek.key", T);
    sign_report(path, raw, signed_rep);
    free(raw);
    vt_write(EV, "guest_report.bin", signed_rep, sizeof signed_rep);
    assert_int_equal(cvm_test_sh("cat '%s/vcek.pem' '%s/ask.pem' '%s/ark.pem' > '%s/vcek.pem'", T, T, T, EV), 0);
    ready = true;
    return 0;
}

static const char *tp(const char *name)
{
    static char p[8][1024];
    static int s;
    char *r = p[s++ % 8];
    snprintf(r, 1024, "%s/%s", T, name);
    return r;
}

static void forged_chain_rejected(void **state)
{
    (void)state;
    if (!ready)
        skip();
    vt_opts o = {.at = ""};
    cvm_verify *v = vt_run(EV, &o);
    vt_assert_st(v, "amd.chain", "fail");
    vt_assert_reason_has(v, "amd.chain", "ARK-Milan in vcek.pem");
    vt_assert_reason_has(v, "amd.chain", "is not pinned");
    /* the report really is signed by that VCEK and matches its TCB/hwID:
     * only the anchor is missing */
    vt_assert_st(v, "snp.signature", "pass");
    vt_assert_st(v, "snp.tcb", "pass");
    assert_string_equal(vt_fails(v), "amd.chain");
    assert_int_equal(vt_rc, CVM_EXIT_INVALID);
    vt_free(v);
}

static void forged_chain_with_trust_anchor(void **state)
{
    (void)state;
    if (!ready)
        skip();
    vt_opts o = {.at = "", .anchor = tp("ark.pem")};
    cvm_verify *v = vt_run(EV, &o);
    vt_assert_st(v, "amd.chain", "pass");
    vt_assert_reason_has(v, "amd.chain", "--trust-anchor");
    vt_assert_st(v, "snp.signature", "pass");
    vt_assert_st(v, "snp.tcb", "pass");
    assert_string_equal(vt_fails(v), "");
    assert_string_equal(v->verdict, "incomplete"); /* no runtime JSON, no quote */
    bool used = false;
    for (size_t i = 0; i < v->n_anchors; i++)
        if (v->anchors[i].used)
            used = strstr(v->anchors[i].source, "--trust-anchor") != NULL;
    assert_true(used);
    vt_free(v);
    /* an anchor whose CN names Genoa does not anchor a Milan VCEK, even
     * with the very same key */
    o.anchor = tp("ark-genoa.pem");
    v = vt_run(EV, &o);
    vt_assert_st(v, "amd.chain", "fail");
    vt_assert_reason_has(v, "amd.chain", "trusted Milan ARK");
    vt_free(v);
}

static void chain_variants(void **state)
{
    (void)state;
    if (!ready)
        skip();
    const char *d = cvm_test_tmpdir();
    char dir[512];
    snprintf(dir, sizeof dir, "%s", d);
    assert_int_equal(cvm_test_sh("cp '%s/guest_report.bin' '%s/'", EV, dir), 0);
    static const struct {
        const char *vcek, *inter, *reason;
    } cases[] = {
        {"vcek-pkcs1.pem", "ask.pem", "not RSASSA-PSS"},
        {"vcek-salt32.pem", "ask.pem", "salt length 32"},
        {"vcek.pem", NULL, "unable to get local issuer"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        assert_int_equal(cvm_test_sh("cat '%s' %s%s%s '%s' > '%s/vcek.pem'", tp(cases[i].vcek), cases[i].inter ? "'" : "",
                                     cases[i].inter ? tp(cases[i].inter) : "", cases[i].inter ? "'" : "", tp("ark.pem"), dir),
                         0);
        vt_opts o = {.at = "", .anchor = tp("ark.pem")};
        cvm_verify *v = vt_run(dir, &o);
        vt_assert_st(v, "amd.chain", "fail");
        vt_assert_reason_has(v, "amd.chain", cases[i].reason);
        vt_free(v);
    }
}

static void crl_cases(void **state)
{
    (void)state;
    if (!ready)
        skip();
    vt_opts o = {.at = "", .anchor = tp("ark.pem"), .crl = tp("crl-clean.pem")};
    cvm_verify *v = vt_run(EV, &o);
    vt_assert_st(v, "amd.crl", "pass");
    vt_free(v);
    o.crl = tp("crl-revoked.pem");
    v = vt_run(EV, &o);
    vt_assert_st(v, "amd.crl", "fail");
    vt_assert_reason_has(v, "amd.crl", "revoked");
    assert_string_equal(vt_fails(v), "amd.crl");
    vt_free(v);
    o.crl = tp("crl-by-ask.pem");
    v = vt_run(EV, &o);
    vt_assert_st(v, "amd.crl", "fail");
    vt_free(v);
    /* 40 days on, the 30-day CRL is stale (the certificates still hold) */
    char later[40];
    cvm_time_format(time(NULL) + 40 * 86400, later, sizeof later);
    o.crl = tp("crl-clean.pem");
    o.at = later;
    v = vt_run(EV, &o);
    vt_assert_st(v, "amd.chain", "pass");
    vt_assert_st(v, "amd.crl", "fail");
    vt_assert_reason_has(v, "amd.crl", "stale");
    vt_free(v);
    /* without a CRL: skipped and stated */
    o.crl = NULL;
    o.at = "";
    v = vt_run(EV, &o);
    vt_assert_st(v, "amd.crl", "skip");
    vt_free(v);
    /* a CRL that is garbage: amd.crl names it */
    const char *g = tp("garbage.crl");
    vt_write(T, "garbage.crl", "not a crl", 9);
    o.crl = g;
    v = vt_run(EV, &o);
    vt_assert_st(v, "amd.crl", "fail");
    vt_assert_reason_has(v, "amd.crl", "malformed");
    vt_free(v);
}

int main(void)
{
    setvbuf(stdout, NULL, _IONBF, 0);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(forged_chain_rejected),
        cmocka_unit_test(forged_chain_with_trust_anchor),
        cmocka_unit_test(chain_variants),
        cmocka_unit_test(crl_cases),
    };
    return cmocka_run_group_tests(tests, setup, NULL);
}
