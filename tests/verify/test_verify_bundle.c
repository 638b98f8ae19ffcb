/* Bundle input on real Azure evidence: a v1 bundle is assembled here from a
 * real seed set (with ak.pub rebuilt from HCLAkPub in Azure's AK template,
 * a canonical manifest and a seal made of quote #1's own files). The real
 * quote carries "challenge", not a binding digest, so quote.binding and
 * seal must fail while the tar, the manifest and every AMD/TPM link hold.
 * Then tampering: a member changed after the manifest, an unknown member,
 * no manifest, a truncated tar, a manifest with another PCR selection. */
#include "vtest.h"

#include "binding.h"

#define BASE "trustee-hcl-2024-01-29-milan-rv2"
#define BID "01234567-89ab-4cde-8f01-23456789abcd"

static uint8_t nonce[32];

typedef struct files {
    const char *name;
    uint8_t *data;
    size_t len;
} files;

static files fs[16];
static size_t nfs;

static void add(const char *name, uint8_t *data, size_t len)
{
    fs[nfs++] = (files){name, data, len};
}

static files *get(const char *name)
{
    for (size_t i = 0; i < nfs; i++)
        if (strcmp(fs[i].name, name) == 0)
            return &fs[i];
    return NULL;
}

/* ak.pub: TPM2B_PUBLIC of Azure's AK template (formats.md §5.6) with the
 * HCLAkPub modulus */
static void make_ak_pub(const char *dir)
{
    size_t n;
    uint8_t *js = vt_read(dir, "runtime.json", &n);
    cvm_runtime rt;
    cvm_err err;
    cvm_err_clear(&err);
    assert_int_equal(cvm_runtime_parse(js, n, "runtime.json", &rt, &err), CVM_OK);
    const cvm_jwk *k = cvm_runtime_find_key(&rt, "HCLAkPub");
    assert_non_null(k);
    assert_int_equal(k->n_len, 256);
    static const uint8_t hdr[] = {0x01, 0x18, 0x00, 0x01, 0x00, 0x0b, 0x00, 0x05, 0x04, 0x72, 0x00, 0x00, 0x00,
                                  0x10, 0x00, 0x14, 0x00, 0x0b, 0x08, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0x00};
    uint8_t *p = malloc(sizeof hdr + 256);
    memcpy(p, hdr, sizeof hdr);
    memcpy(p + sizeof hdr, k->n, 256);
    add("ak.pub", p, sizeof hdr + 256);
    cvm_runtime_free(&rt);
    free(js);
}

static void load_base(void)
{
    for (size_t i = 0; i < nfs; i++)
        free(fs[i].data);
    nfs = 0;
    char rel[200];
    snprintf(rel, sizeof rel, "seedsets/%s", BASE);
    const char *d = cvm_test_vector(rel);
    assert_non_null(d);
    char dir[1024];
    snprintf(dir, sizeof dir, "%s", d);
    static const char *const seed[][2] = {
        {"snp_report.bin", "report.bin"}, {"guest_report.bin", "guest_report.bin"}, {"vcek.pem", "vcek.pem"},
        {"akpub.pem", "akpub.pem"},       {"quote.msg", "quote.msg"},               {"quote.sig", "quote.sig"},
        {"quote.pcrs", "quote.pcrs"},
    };
    for (size_t i = 0; i < sizeof seed / sizeof seed[0]; i++) {
        size_t n;
        uint8_t *b = vt_read(dir, seed[i][0], &n);
        add(seed[i][1], b, n);
    }
    make_ak_pub(dir);
    for (int i = 0; i < 32; i++)
        nonce[i] = (uint8_t)i;
}

/* Writes the tar: the members, a manifest over them (made before any
 * `after_manifest` change), and seal.msg/.sig = quote.msg/.sig. */
static const char *write_bundle(const char *pcr_selection, bool with_manifest, const char *extra_member)
{
    cvm_member m[20];
    size_t n = 0;
    for (size_t i = 0; i < nfs; i++)
        m[n++] = (cvm_member){fs[i].name, fs[i].data, fs[i].len};
    cvm_manifest man;
    memset(&man, 0, sizeof man);
    man.bundle_id = strdup(BID);
    man.created = strdup("2026-11-28T06:00:00Z");
    man.collector_name = strdup("test");
    man.collector_version = strdup("1");
    man.custody_case_id = strdup("");
    man.custody_examiner = strdup("");
    man.custody_note = strdup("");
    memcpy(man.nonce, nonce, 32);
    man.nonce_source = CVM_NONCE_AUDITOR;
    man.fresh_report = false;
    man.pcr_selection = strdup(pcr_selection);
    cvm_err err;
    cvm_err_clear(&err);
    assert_int_equal(cvm_binding_digest(nonce, 32, m, n, man.binding), CVM_OK);
    assert_int_equal(cvm_manifest_set_members(&man, m, n, &err), CVM_OK);
    cvm_wr mw;
    cvm_wr_init(&mw);
    assert_int_equal(cvm_manifest_write(&man, &mw, &err), CVM_OK);
    cvm_manifest_free(&man);
    if (with_manifest)
        m[n++] = (cvm_member){"manifest.json", mw.p, mw.len};
    m[n++] = (cvm_member){"seal.msg", get("quote.msg")->data, get("quote.msg")->len};
    m[n++] = (cvm_member){"seal.sig", get("quote.sig")->data, get("quote.sig")->len};
    if (extra_member)
        m[n++] = (cvm_member){extra_member, (const uint8_t *)"x", 1};
    cvm_wr tw;
    cvm_wr_init(&tw);
    assert_int_equal(cvm_bundle_write("cvm-evidence-" BID, m, n, &tw, &err), CVM_OK);
    const char *d = cvm_test_tmpdir();
    static char path[600];
    snprintf(path, sizeof path, "%s/cvm-evidence-%s.tar", d, BID);
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(tw.p, 1, tw.len, f), tw.len);
    fclose(f);
    cvm_wr_free(&tw);
    cvm_wr_free(&mw);
    return path;
}

static const char *ALL24 = "sha256:0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23";

static void real_bundle_links(void **state)
{
    (void)state;
    if (!cvm_test_vector("seedsets/" BASE))
        skip();
    load_base();
    const char *tar = write_bundle(ALL24, true, NULL);
    vt_opts o = {.bundle = tar};
    cvm_verify *v = vt_run(NULL, &o);
    vt_assert_st(v, "bundle.tar", "pass");
    vt_assert_st(v, "bundle.manifest", "pass");
    vt_assert_st(v, "amd.chain", "pass");
    vt_assert_st(v, "snp.signature", "pass");
    vt_assert_st(v, "snp.tcb", "pass");
    vt_assert_st(v, "hcl.binding", "pass");
    vt_assert_st(v, "ak.binding", "pass");
    vt_assert_reason_has(v, "ak.binding", "akpub.pem and ak.pub");
    /* the real Azure AK is an endorsement-hierarchy primary (formats.md §5.5) */
    const char *qs = json_string_value(json_object_get(v->res[CVM_L_AK_BINDING].details, "quote_qualified_signer"));
    assert_non_null(qs);
    assert_non_null(strstr(qs, "matches the ak.pub as a primary under the endorsement hierarchy"));
    vt_assert_st(v, "quote.signature", "pass");
    vt_assert_st(v, "quote.pcrs", "pass");
    /* "challenge" is not a binding digest; seal.msg's extraData is not the
     * seal digest (but its signature by the AK holds) */
    assert_string_equal(vt_fails(v), "quote.binding,seal");
    vt_assert_reason_has(v, "seal", "extraData is not SHA-256(tag || manifest.json)");
    vt_assert_st(v, "quote.nonce", "skip");
    vt_assert_st(v, "operator.signature", "skip");
    assert_int_equal(vt_rc, CVM_EXIT_INVALID);
    vt_free(v);
}

static void member_changed_after_manifest(void **state)
{
    (void)state;
    if (!cvm_test_vector("seedsets/" BASE))
        skip();
    load_base();
    /* manifest over the original, then change vcek.pem's last byte */
    cvm_member m[20];
    size_t n = 0;
    for (size_t i = 0; i < nfs; i++)
        m[n++] = (cvm_member){fs[i].name, fs[i].data, fs[i].len};
    cvm_manifest man;
    memset(&man, 0, sizeof man);
    man.bundle_id = strdup(BID);
    man.created = strdup("2026-11-28T06:00:00Z");
    man.collector_name = strdup("test");
    man.collector_version = strdup("1");
    man.custody_case_id = strdup("");
    man.custody_examiner = strdup("");
    man.custody_note = strdup("");
    man.nonce_source = CVM_NONCE_RANDOM;
    man.pcr_selection = strdup(ALL24);
    cvm_err err;
    cvm_err_clear(&err);
    assert_int_equal(cvm_binding_digest(nonce, 32, m, n, man.binding), CVM_OK);
    assert_int_equal(cvm_manifest_set_members(&man, m, n, &err), CVM_OK);
    cvm_wr mw;
    cvm_wr_init(&mw);
    assert_int_equal(cvm_manifest_write(&man, &mw, &err), CVM_OK);
    cvm_manifest_free(&man);
    get("vcek.pem")->data[get("vcek.pem")->len - 1] = ' ';
    n = 0;
    for (size_t i = 0; i < nfs; i++)
        m[n++] = (cvm_member){fs[i].name, fs[i].data, fs[i].len};
    m[n++] = (cvm_member){"manifest.json", mw.p, mw.len};
    m[n++] = (cvm_member){"seal.msg", get("quote.msg")->data, get("quote.msg")->len};
    m[n++] = (cvm_member){"seal.sig", get("quote.sig")->data, get("quote.sig")->len};
    cvm_wr tw;
    cvm_wr_init(&tw);
    assert_int_equal(cvm_bundle_write("cvm-evidence-" BID, m, n, &tw, &err), CVM_OK);
    const char *d = cvm_test_tmpdir();
    char path[600];
    snprintf(path, sizeof path, "%s/b.tar", d);
    FILE *f = fopen(path, "wb");
    fwrite(tw.p, 1, tw.len, f);
    fclose(f);
    cvm_wr_free(&tw);
    cvm_wr_free(&mw);
    vt_opts o = {.bundle = path};
    cvm_verify *v = vt_run(NULL, &o);
    vt_assert_st(v, "bundle.manifest", "fail");
    vt_assert_reason_has(v, "bundle.manifest", "member vcek.pem");
    vt_assert_st(v, "quote.binding", "skip");
    vt_assert_st(v, "seal", "skip");
    assert_int_equal(vt_rc, 2);
    vt_free(v);
}

static void unknown_missing_truncated(void **state)
{
    (void)state;
    if (!cvm_test_vector("seedsets/" BASE))
        skip();
    load_base();
    const char *tar = write_bundle(ALL24, true, "notes.txt");
    vt_opts o = {.bundle = tar};
    cvm_verify *v = vt_run(NULL, &o);
    vt_assert_st(v, "bundle.tar", "pass");
    vt_assert_st(v, "bundle.manifest", "fail");
    vt_assert_reason_has(v, "bundle.manifest", "notes.txt is not a bundle v1 member");
    vt_free(v);

    tar = write_bundle(ALL24, false, NULL);
    o.bundle = tar;
    v = vt_run(NULL, &o);
    vt_assert_st(v, "bundle.manifest", "fail");
    vt_assert_reason_has(v, "bundle.manifest", "manifest.json is missing");
    vt_free(v);

    tar = write_bundle("sha256:0,1,2,3,4,5,6,7", true, NULL);
    o.bundle = tar;
    v = vt_run(NULL, &o);
    vt_assert_st(v, "bundle.manifest", "fail");
    vt_assert_reason_has(v, "bundle.manifest", "pcr_selection");
    vt_free(v);

    /* truncated tar: bundle.tar fails, nothing else is judged */
    tar = write_bundle(ALL24, true, NULL);
    assert_int_equal(cvm_test_sh("truncate -s 3000 '%s'", tar), 0);
    o.bundle = tar;
    v = vt_run(NULL, &o);
    vt_assert_st(v, "bundle.tar", "fail");
    assert_string_equal(vt_fails(v), "bundle.tar");
    assert_int_equal(vt_rc, 2);
    vt_free(v);

    /* a missing file is an I/O error (exit 3), not evidence */
    o.bundle = "/nonexistent/b.tar";
    v = vt_run(NULL, &o);
    assert_int_equal(vt_rc, CVM_EXIT_USAGE);
    vt_free(v);
    for (size_t i = 0; i < nfs; i++)
        free(fs[i].data);
    nfs = 0;
}

int main(void)
{
    setvbuf(stdout, NULL, _IONBF, 0);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(real_bundle_links),
        cmocka_unit_test(member_changed_after_manifest),
        cmocka_unit_test(unknown_missing_truncated),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
