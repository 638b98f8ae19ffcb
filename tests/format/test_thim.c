/* format/thim: the real ACI THIM JSON captures (pretty file and the
 * base64-carried compact one), tcbm byte order checked against the
 * matching report's REPORTED_TCB and the VCEK's SPL extensions, byte-exact
 * writers, and hostile JSON. */
#include "harness.h"

#include <stdio.h>
#include <string.h>

#include <openssl/evp.h>

#include "amdcert.h"
#include "thim.h"

static char errbuf[1024];
static const char *fmt_err(const cvm_err *e) { return cvm_err_format(e, errbuf, sizeof(errbuf)); }

static void parse_ok(const void *b, size_t n, cvm_thim *t)
{
    cvm_err e;
    cvm_err_clear(&e);
    if (cvm_thim_parse(b, n, "thim.json", t, &e))
        fail_msg("%s", fmt_err(&e));
}

static void real_aci_thim(void **state)
{
    (void)state;
    CVM_VECTOR_OR_SKIP(jp, "snp/aci-confidential-sidecar/uvm_host_amd_certificate.json");
    size_t jlen;
    uint8_t *js = cvm_test_read(jp, &jlen);
    cvm_thim t;
    parse_ok(js, jlen, &t);

    assert_string_equal(t.tcbm_hex, "7308000000000003");
    assert_true(t.tcbm == 0x7308000000000003ull);
    assert_string_equal(t.cache_control, "86400");
    assert_false(t.cache_control_is_int);
    assert_null(t.extra);

    /* tcbm byte order: the report's REPORTED_TCB bytes (0x180) */
    const char *rp = cvm_test_vector("snp/aci-confidential-sidecar/snp_report.bin");
    assert_non_null(rp);
    size_t rlen;
    uint8_t *rep = cvm_test_read(rp, &rlen);
    assert_int_equal(rlen, 0x4A0);
    uint8_t tb[8];
    cvm_thim_tcbm_bytes(&t, tb);
    static const uint8_t want[8] = {0x03, 0, 0, 0, 0, 0, 0x08, 0x73};
    assert_memory_equal(tb, want, 8);
    assert_memory_equal(tb, rep + 0x180, 8);

    /* ... and the VCEK's SPLs (Milan layout: bl, tee, .., snp, ucode) */
    STACK_OF(X509) *vk = NULL, *chain = NULL;
    cvm_err e;
    cvm_err_clear(&e);
    assert_int_equal(cvm_certs_load((uint8_t *)t.vcek_cert, t.vcek_cert_len, "vcekCert", &vk, &e), 0);
    assert_int_equal(sk_X509_num(vk), 1);
    assert_int_equal(cvm_certs_load((uint8_t *)t.certificate_chain, t.certificate_chain_len,
                                    "certificateChain", &chain, &e), 0);
    assert_int_equal(sk_X509_num(chain), 2);
    assert_int_equal(cvm_cert_role_of(sk_X509_value(chain, 0)), CVM_CERT_ROLE_ASK);
    assert_int_equal(cvm_cert_role_of(sk_X509_value(chain, 1)), CVM_CERT_ROLE_ARK);
    cvm_amd_ext x;
    assert_int_equal(cvm_amdcert_ext_parse(sk_X509_value(vk, 0), "vcekCert", &x, &e), 0);
    assert_int_equal(x.bl_spl, tb[0]);
    assert_int_equal(x.tee_spl, tb[1]);
    assert_int_equal(x.snp_spl, tb[6]);
    assert_int_equal(x.ucode_spl, tb[7]);
    assert_memory_equal(x.hwid, rep + 0x1A0, 64);
    cvm_certs_free(vk);
    cvm_certs_free(chain);

    /* vcekCert + certificateChain == the .pem capture, byte for byte */
    const char *pp = cvm_test_vector("snp/aci-confidential-sidecar/uvm_host_amd_certificate.pem");
    assert_non_null(pp);
    size_t plen;
    uint8_t *pem = cvm_test_read(pp, &plen);
    assert_int_equal(plen, t.vcek_cert_len + t.certificate_chain_len);
    assert_memory_equal(pem, t.vcek_cert, t.vcek_cert_len);
    assert_memory_equal(pem + t.vcek_cert_len, t.certificate_chain, t.certificate_chain_len);

    /* the pretty writer gives the file back byte for byte */
    cvm_wr w;
    cvm_wr_init(&w);
    assert_int_equal(cvm_thim_write_pretty(&t, &w), CVM_OK);
    assert_int_equal(w.len, jlen);
    assert_memory_equal(w.p, js, jlen);
    cvm_wr_free(&w);

    json_t *j = cvm_thim_to_json(&t);
    assert_string_equal(json_string_value(json_object_get(j, "tcbm_bytes")), "0300000000000873");
    assert_string_equal(json_string_value(json_object_get(j, "cacheControl")), "86400");
    json_decref(j);

    cvm_thim_free(&t);
    free(pem);
    free(rep);
    free(js);
}

static int parse_cb(const uint8_t *b, size_t n, void *ctx)
{
    (void)ctx;
    cvm_thim t;
    cvm_err e;
    cvm_err_clear(&e);
    int rc = cvm_thim_parse(b, n, "t", &t, &e);
    if (rc == 0)
        cvm_thim_free(&t);
    else
        assert_true(e.field[0] != 0);
    return rc;
}

/* base64 text -> bytes, for reading the env-var capture in the test */
static uint8_t *unbase64(const uint8_t *s, size_t n, size_t *out_len)
{
    while (n && (s[n - 1] == '\n' || s[n - 1] == '\r'))
        n--;
    assert_int_equal(n % 4, 0);
    uint8_t *o = malloc(n / 4 * 3 + 1);
    int r = EVP_DecodeBlock(o, s, (int)n);
    assert_true(r >= 0);
    size_t len = (size_t)r;
    if (n && s[n - 1] == '=')
        len--;
    if (n > 1 && s[n - 2] == '=')
        len--;
    *out_len = len;
    return o;
}

static void real_aci_env_compact(void **state)
{
    (void)state;
    CVM_VECTOR_OR_SKIP(p, "snp/aci-confidential-sidecar/host_amd_certificate_env.2023-05");
    size_t blen, jlen;
    uint8_t *b64 = cvm_test_read(p, &blen);
    uint8_t *js = unbase64(b64, blen, &jlen);
    free(b64);
    cvm_thim t;
    parse_ok(js, jlen, &t);
    assert_string_equal(t.tcbm_hex, "7308000000000003");
    assert_string_equal(t.cache_control, "86400");

    /* a different chip than snp_report.bin (MANIFEST) */
    STACK_OF(X509) *vk = NULL;
    cvm_err e;
    cvm_err_clear(&e);
    assert_int_equal(cvm_certs_load((uint8_t *)t.vcek_cert, t.vcek_cert_len, "vcekCert", &vk, &e), 0);
    cvm_amd_ext x;
    assert_int_equal(cvm_amdcert_ext_parse(sk_X509_value(vk, 0), "vcekCert", &x, &e), 0);
    uint8_t tb[8];
    cvm_thim_tcbm_bytes(&t, tb);
    assert_int_equal(x.bl_spl, tb[0]);
    assert_int_equal(x.snp_spl, tb[6]);
    assert_int_equal(x.ucode_spl, tb[7]);
    cvm_certs_free(vk);

    /* the compact writer is the wire form, byte for byte */
    cvm_wr w;
    cvm_wr_init(&w);
    assert_int_equal(cvm_thim_write(&t, &w), CVM_OK);
    assert_int_equal(w.len, jlen);
    assert_memory_equal(w.p, js, jlen);
    cvm_wr_free(&w);

    /* every prefix is rejected */
    cvm_test_truncations(js, jlen, parse_cb, NULL);
    cvm_thim_free(&t);
    free(js);
}

#define VC "-----BEGIN CERTIFICATE-----\\nAAAA\\n-----END CERTIFICATE-----\\n"

static void truncations_and_roundtrip(void **state)
{
    (void)state;
    const char *doc = "{\"vcekCert\":\"" VC "\",\"tcbm\":\"DB18000000000004\","
                      "\"certificateChain\":\"" VC VC "\",\"cacheControl\":\"86400\"}";
    size_t n = strlen(doc);
    uint8_t *c = malloc(n);
    memcpy(c, doc, n);
    cvm_test_truncations(c, n, parse_cb, NULL);
    cvm_thim t;
    parse_ok(c, n, &t);
    assert_true(t.tcbm == 0xDB18000000000004ull);
    assert_string_equal(t.tcbm_hex, "DB18000000000004"); /* case kept */
    cvm_wr w;
    cvm_wr_init(&w);
    assert_int_equal(cvm_thim_write(&t, &w), CVM_OK);
    assert_int_equal(w.len, n);
    assert_memory_equal(w.p, doc, n);
    cvm_wr_free(&w);
    cvm_thim_free(&t);
    free(c);

    /* unknown members are kept and written back after the known ones,
     * sorted; an integer cacheControl stays an integer */
    const char *in = "{\"zeta\":[1],\"cacheControl\":3600,\"vcekCert\":\"" VC "\",\"alpha\":{\"k\":true},"
                     "\"tcbm\":\"0000000000000000\",\"certificateChain\":\"" VC "\"}";
    const char *out = "{\"vcekCert\":\"" VC "\",\"tcbm\":\"0000000000000000\",\"certificateChain\":\"" VC
                      "\",\"cacheControl\":3600,\"alpha\":{\"k\":true},\"zeta\":[1]}";
    parse_ok(in, strlen(in), &t);
    assert_true(t.cache_control_is_int);
    assert_string_equal(t.cache_control, "3600");
    assert_int_equal(json_object_size(t.extra), 2);
    cvm_wr_init(&w);
    assert_int_equal(cvm_thim_write(&t, &w), CVM_OK);
    assert_int_equal(w.len, strlen(out));
    assert_memory_equal(w.p, out, w.len);
    cvm_wr_free(&w);
    json_t *j = cvm_thim_to_json(&t);
    assert_non_null(json_object_get(json_object_get(j, "extra"), "alpha"));
    json_decref(j);
    cvm_thim_free(&t);

    /* writing an empty struct is refused, not crashed on */
    memset(&t, 0, sizeof(t));
    cvm_wr_init(&w);
    assert_int_equal(cvm_thim_write(&t, &w), CVM_E_VALUE);
    cvm_wr_free(&w);
}

static void expect_bad(const char *doc, int code, const char *field, const char *msg_part)
{
    cvm_thim t;
    cvm_err e;
    cvm_err_clear(&e);
    int rc = cvm_thim_parse((const uint8_t *)doc, strlen(doc), "thim.json", &t, &e);
    if (rc != code)
        fail_msg("%s: got %d (%s), expected %d", doc, rc, rc ? fmt_err(&e) : "accepted", code);
    assert_string_equal(e.what, "thim.json");
    if (strcmp(e.field, field))
        fail_msg("%s: field %s, expected %s", doc, e.field, field);
    if (msg_part && !strstr(e.msg, msg_part))
        fail_msg("%s: message \"%s\" lacks \"%s\"", doc, e.msg, msg_part);
    assert_null(t.vcek_cert); /* nothing left allocated */
    assert_null(t.extra);
}

#define TAIL ",\"certificateChain\":\"" VC "\",\"cacheControl\":\"86400\"}"
#define HEAD "{\"vcekCert\":\"" VC "\","

static void accepted_variants(void **state)
{
    (void)state;
    cvm_thim t;
    const char *ws = "\n " HEAD "\"tcbm\":\"0000000000000000\"" TAIL "\n";
    parse_ok(ws, strlen(ws), &t);
    cvm_thim_free(&t);
    const char *lower = HEAD "\"tcbm\":\"abcdef0123456789\"" TAIL;
    parse_ok(lower, strlen(lower), &t);
    assert_true(t.tcbm == 0xabcdef0123456789ull);
    cvm_thim_free(&t);
}

static void hostile_members(void **state)
{
    (void)state;
    expect_bad("{\"vcekCert\":\"" VC "\",\"vcekCert\":\"x\",\"tcbm\":\"0000000000000000\"" TAIL,
               CVM_E_SYNTAX, "json", "duplicate");
    expect_bad(HEAD "\"tcbm\":\"0000000000000000\"" TAIL "x", CVM_E_SYNTAX, "json", NULL);
    expect_bad(HEAD "\"tcbm\":\"0000000000000000\"" TAIL "{}", CVM_E_SYNTAX, "json", NULL);
    expect_bad("[1]", CVM_E_VALUE, "json", "object");
    expect_bad("", CVM_E_TRUNCATED, "thim", NULL);
    /* types */
    expect_bad("{\"vcekCert\":1,\"tcbm\":\"0000000000000000\"" TAIL, CVM_E_VALUE, "vcekCert", "string");
    expect_bad("{\"vcekCert\":\"\",\"tcbm\":\"0000000000000000\"" TAIL, CVM_E_VALUE, "vcekCert", "empty");
    expect_bad(HEAD "\"tcbm\":7308000000000003" TAIL, CVM_E_VALUE, "tcbm", "string");
    expect_bad(HEAD "\"tcbm\":\"0000000000000000\",\"certificateChain\":[\"x\"],\"cacheControl\":\"1\"}",
               CVM_E_VALUE, "certificateChain", "string");
    expect_bad(HEAD "\"tcbm\":\"0000000000000000\",\"certificateChain\":\"" VC "\",\"cacheControl\":true}",
               CVM_E_VALUE, "cacheControl", NULL);
    expect_bad(HEAD "\"tcbm\":\"0000000000000000\",\"certificateChain\":\"" VC "\",\"cacheControl\":-1}",
               CVM_E_VALUE, "cacheControl", NULL);
    expect_bad(HEAD "\"tcbm\":\"0000000000000000\",\"certificateChain\":\"" VC "\",\"cacheControl\":1.5}",
               CVM_E_VALUE, "cacheControl", NULL);
    /* missing members */
    expect_bad("{\"tcbm\":\"0000000000000000\"" TAIL, CVM_E_VALUE, "vcekCert", "missing");
    expect_bad(HEAD "\"x\":1" TAIL, CVM_E_VALUE, "tcbm", "missing");
    expect_bad(HEAD "\"tcbm\":\"0000000000000000\",\"cacheControl\":\"1\"}", CVM_E_VALUE,
               "certificateChain", "missing");
    expect_bad(HEAD "\"tcbm\":\"0000000000000000\",\"certificateChain\":\"" VC "\"}", CVM_E_VALUE,
               "cacheControl", "missing");
    /* bad tcbm text */
    expect_bad(HEAD "\"tcbm\":\"000000000000000\"" TAIL, CVM_E_VALUE, "tcbm", "15 characters");
    expect_bad(HEAD "\"tcbm\":\"00000000000000000\"" TAIL, CVM_E_VALUE, "tcbm", "17 characters");
    expect_bad(HEAD "\"tcbm\":\"000000000000000g\"" TAIL, CVM_E_VALUE, "tcbm", "character 15");
    expect_bad(HEAD "\"tcbm\":\"0x00000000000000\"" TAIL, CVM_E_VALUE, "tcbm", "character 1");
    expect_bad(HEAD "\"tcbm\":\" 000000000000000\"" TAIL, CVM_E_VALUE, "tcbm", "character 0");
    expect_bad(HEAD "\"tcbm\":\"\"" TAIL, CVM_E_VALUE, "tcbm", NULL);
    /* NUL inside a string, invalid UTF-8 */
    expect_bad("{\"vcekCert\":\"a\\u0000b\",\"tcbm\":\"0000000000000000\"" TAIL, CVM_E_SYNTAX, "json", NULL);
    expect_bad("{\"vcekCert\":\"\xff\",\"tcbm\":\"0000000000000000\"" TAIL, CVM_E_SYNTAX, "json", NULL);
    /* oversize */
    size_t big = CVM_THIM_MAX_BYTES + 1;
    char *b = malloc(big);
    memset(b, ' ', big);
    cvm_thim t;
    cvm_err e;
    cvm_err_clear(&e);
    assert_int_equal(cvm_thim_parse((uint8_t *)b, big, "thim.json", &t, &e), CVM_E_LIMIT);
    free(b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(real_aci_thim),
        cmocka_unit_test(real_aci_env_compact),
        cmocka_unit_test(truncations_and_roundtrip),
        cmocka_unit_test(accepted_variants),
        cmocka_unit_test(hostile_members),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
