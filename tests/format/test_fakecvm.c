/* The fake CVM's generated evidence (testdata/fake-cvm, `gen-pki` and
 * `gen-report`) goes through the project's own parsers: HCL report, SNP
 * report, runtime JSON, VCEK extensions, THIM JSON. The fake is only useful
 * if what it makes is accepted (and its broken variants rejected) exactly
 * like real Azure evidence. Skips when python3-cryptography or openssl is
 * missing. */
#include "harness.h"

#include <stdio.h>

#include <openssl/x509.h>

#include "amdcert.h"
#include "hcl.h"
#include "runtime.h"
#include "snp.h"
#include "thim.h"

static const char *fake(void) { return cvm_test_src("testdata/fake-cvm/fake-cvm"); }

/* A copy: the harness returns paths in a small ring of buffers that later
 * calls reuse, and teardown runs `rm -rf` on this one. */
static char g_dirbuf[4096];
static const char *g_dir;

static int setup(void **state)
{
    (void)state;
    if (cvm_test_sh("/usr/bin/python3 -c 'import cryptography' >/dev/null 2>&1 && openssl version >/dev/null") != 0)
        return 0; /* tests skip */
    snprintf(g_dirbuf, sizeof(g_dirbuf), "%s", cvm_test_tmpdir());
    if (strncmp(g_dirbuf, "/tmp/", 5) != 0)
        return -1;
    g_dir = g_dirbuf;
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    if (g_dir && strncmp(g_dir, "/tmp/cvmt.", 10) == 0)
        cvm_test_sh("rm -rf '%s'", g_dir);
    return 0;
}

#define NEED_FAKE()                                                                    \
    do {                                                                               \
        if (!g_dir) {                                                                  \
            print_message("SKIP: /usr/bin/python3 with cryptography or openssl absent\n"); \
            skip();                                                                    \
        }                                                                              \
    } while (0)

static void gen(const char *product, const char *args, const char *out)
{
    /* The RSA-4096 ARK/ASK keys are cached in the build tree between runs. */
    assert_int_equal(cvm_test_sh("cd '%s' && export FAKE_CVM_KEY_CACHE='%s' && "
                                 "{ [ -d pki-%s ] || '%s' gen-pki pki-%s --product %s --seed t; } && "
                                 "'%s' gen-report --pki pki-%s --ak-pub ak.pem -o '%s' %s 2>/dev/null",
                                 g_dir, cvm_test_build("fake-cvm-keys"), product, fake(), product,
                                 product, fake(), product, out, args),
                     0);
}

static void make_ak(void)
{
    assert_int_equal(cvm_test_sh("cd '%s' && [ -f ak.pem ] || openssl genpkey -algorithm RSA "
                                 "-pkeyopt rsa_keygen_bits:2048 2>/dev/null | openssl pkey -pubout -out ak.pem",
                                 g_dir),
                     0);
}

static uint8_t *read_in(const char *name, size_t *len)
{
    char p[4096];
    snprintf(p, sizeof(p), "%s/%s", g_dir, name);
    return cvm_test_read(p, len);
}

static X509 *load_vcek(const char *product)
{
    char name[64];
    snprintf(name, sizeof(name), "pki-%s/vcek.pem", product);
    size_t len;
    uint8_t *b = read_in(name, &len);
    X509 *x = NULL;
    cvm_err err = {0};
    assert_int_equal(cvm_cert_load_one(b, len, name, &x, &err), 0);
    free(b);
    return x;
}

static void check_product(const char *product, enum cvm_product want, uint32_t rver, uint32_t hver)
{
    NEED_FAKE();
    make_ak();
    char args[128], out[64];
    snprintf(out, sizeof(out), "%s.bin", product);
    snprintf(args, sizeof(args), "--report-version %u --hcl-version %u --user-data 00C0FFEE", rver, hver);
    gen(product, args, out);

    size_t len;
    uint8_t *b = read_in(out, &len);
    assert_int_equal(len, 2048);
    cvm_hcl_report h;
    cvm_err err = {0};
    assert_int_equal(cvm_hcl_parse(b, len, out, &h, &err), 0);
    assert_int_equal(h.version, hver);
    assert_true(h.is_snp);
    assert_int_equal(h.flags, 0);
    assert_int_equal(h.report_size, h.used_len);
    assert_int_equal(h.hash_type, CVM_HCL_HASH_SHA256);
    assert_int_equal(h.snp.version, rver);
    assert_int_equal(h.snp.policy, 0x3001F);
    assert_int_equal(h.snp.vmpl, 0);
    /* Real Turin reports (ACI) set PLATFORM_INFO bit 6, which the parser
     * flags as reserved; the fake copies 0x65 from them. */
    assert_int_equal(h.snp.flags, want == CVM_PRODUCT_TURIN ? CVM_SNP_F_PLATFORM_RESERVED : 0);
    assert_int_equal(h.snp.key.signing_key, CVM_SNP_SIGNING_VCEK);
    if (rver >= 3)
        assert_int_equal(cvm_product_from_cpuid(h.snp.cpuid_fam_id, h.snp.cpuid_mod_id), want);
    assert_int_not_equal(h.snp.current_tcb, h.snp.reported_tcb); /* as on Azure */

    uint8_t dg[64];
    assert_int_equal(cvm_hcl_json_digest(&h, dg, sizeof(dg)), 32);
    assert_memory_equal(cvm_hcl_report_data(&h), dg, 32);
    static const uint8_t zero[32];
    assert_memory_equal(cvm_hcl_report_data(&h) + 32, zero, 32);

    cvm_runtime rt;
    assert_int_equal(cvm_runtime_parse(h.json, h.json_len, "runtime", &rt, &err), 0);
    const cvm_jwk *ak = cvm_runtime_find_key(&rt, "HCLAkPub");
    assert_non_null(ak);
    assert_int_equal(ak->n_len, 256);
    assert_true(rt.has_user_data);
    static const uint8_t ud[4] = {0x00, 0xC0, 0xFF, 0xEE};
    assert_memory_equal(rt.user_data, ud, 4);
    assert_memory_equal(rt.user_data + 4, zero, 32);
    assert_int_equal(rt.secure_boot, CVM_TRI_TRUE);
    assert_non_null(rt.vm_unique_id);
    cvm_runtime_free(&rt);

    /* VCEK: hwID == CHIP_ID, SPLs == REPORTED_TCB in the product's layout */
    X509 *x = load_vcek(product);
    cvm_amd_ext ext;
    assert_int_equal(cvm_amdcert_ext_parse(x, "vcek", &ext, &err), 0);
    assert_int_equal(cvm_product_from_name(ext.product_name), want);
    assert_false(ext.hwid_was_wrapped);
    assert_int_equal(ext.hwid_len, want == CVM_PRODUCT_TURIN ? 8 : 64);
    assert_memory_equal(ext.hwid, h.snp.chip_id, ext.hwid_len);
    cvm_tcb t;
    cvm_tcb_decode(h.snp.reported_tcb, want, &t);
    assert_int_equal(ext.bl_spl, t.bootloader);
    assert_int_equal(ext.tee_spl, t.tee);
    assert_int_equal(ext.snp_spl, t.snp);
    assert_int_equal(ext.ucode_spl, t.microcode);
    assert_int_equal(ext.has_fmc_spl, want == CVM_PRODUCT_TURIN);
    if (want == CVM_PRODUCT_TURIN)
        assert_int_equal(ext.fmc_spl, t.fmc);
    assert_int_equal(ext.n_unknown, 0);
    assert_int_equal(cvm_cert_role_of(x), CVM_CERT_ROLE_VCEK);
    X509_free(x);

    /* THIM JSON for this PKI: tcbm == REPORTED_TCB */
    char tn[64];
    snprintf(tn, sizeof(tn), "pki-%s/thim.json", product);
    size_t tl;
    uint8_t *tb = read_in(tn, &tl);
    cvm_thim th;
    assert_int_equal(cvm_thim_parse(tb, tl, tn, &th, &err), 0);
    assert_int_equal(th.tcbm, h.snp.reported_tcb);
    assert_null(th.extra);
    STACK_OF(X509) *chain = NULL;
    assert_int_equal(cvm_certs_load((const uint8_t *)th.certificate_chain, th.certificate_chain_len,
                                    "certificateChain", &chain, &err),
                     0);
    assert_int_equal(sk_X509_num(chain), 2);
    assert_int_equal(cvm_cert_role_of(sk_X509_value(chain, 0)), CVM_CERT_ROLE_ASK);
    assert_int_equal(cvm_cert_role_of(sk_X509_value(chain, 1)), CVM_CERT_ROLE_ARK);
    cvm_certs_free(chain);
    cvm_thim_free(&th);
    free(tb);
    free(b);
}

static void t_milan_v2(void **s) { (void)s; check_product("milan", CVM_PRODUCT_MILAN, 2, 1); }
static void t_genoa_v3(void **s) { (void)s; check_product("genoa", CVM_PRODUCT_GENOA, 3, 2); }
static void t_turin_v5(void **s) { (void)s; check_product("turin", CVM_PRODUCT_TURIN, 5, 2); }

static int parse_hcl(const uint8_t *b, size_t n, void *ctx)
{
    (void)ctx;
    cvm_hcl_report h;
    cvm_err err = {0};
    return cvm_hcl_parse(b, n, "trunc", &h, &err);
}

/* Broken variants are rejected (or flagged) naming the field. */
static void t_broken(void **s)
{
    (void)s;
    NEED_FAKE();
    make_ak();
    static const struct {
        const char *brk;
        const char *field; /* NULL: accepted with a flag */
    } cases[] = {
        {"magic", "signature"},
        {"var-size-big", "variable_data_size"},
        {"data-size", "data_size"},
        {"trailing", "padding"},
        {"report-type", NULL}, /* SNP bytes labelled TDX: parses as TDX (the SNP signature's
                                  reserved tail makes the TDREPORT padding zero) */
        {"report-size", NULL},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        char args[64], out[64];
        snprintf(args, sizeof(args), "--break %s", cases[i].brk);
        snprintf(out, sizeof(out), "brk-%s.bin", cases[i].brk);
        gen("milan", args, out);
        size_t len;
        uint8_t *b = read_in(out, &len);
        cvm_hcl_report h;
        cvm_err err = {0};
        int rc = cvm_hcl_parse(b, len, out, &h, &err);
        if (strcmp(cases[i].brk, "report-size") == 0) {
            assert_int_equal(rc, 0);
            assert_true(h.flags & CVM_HCL_F_REPORT_SIZE_MISMATCH);
        } else if (strcmp(cases[i].brk, "report-type") == 0) {
            assert_int_equal(rc, 0);
            assert_true(h.is_tdx);
            assert_false(h.is_snp);
        } else if (rc == 0 || !strstr(err.field, cases[i].field)) {
            fail_msg("--break %s: rc %d field '%s' (want '%s')", cases[i].brk, rc, err.field,
                     cases[i].field);
        }
        free(b);
    }
    size_t len;
    uint8_t *b = read_in("brk-report-size.bin", &len);
    cvm_test_truncations(b, 1300, parse_hcl, NULL); /* every prefix up into the JSON */
    free(b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(t_milan_v2),
        cmocka_unit_test(t_genoa_v3),
        cmocka_unit_test(t_turin_v5),
        cmocka_unit_test(t_broken),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
