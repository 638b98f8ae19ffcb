#include "harness.h"

#include <string.h>

#include "hcl.h"
#include "runtime.h"

/* Runtime JSON values as decoded from the vectors (MANIFEST.md "Runtime
 * JSON variants"; vmUniqueId etc. read from each blob). */
struct rt_case {
    const char *path; /* an HCL blob, or a bare JSON file when json_file */
    bool json_file;
    size_t n_keys;
    const char *ak_ops0; /* key_ops[0] of HCLAkPub */
    cvm_tristate secure_boot, tpm_enabled, console_enabled, tpm_persisted;
    const char *vm_unique_id;
    bool has_current_time;
    int64_t current_time;
    bool has_user_data;
    uint8_t user_data0;
    const char *root_cert_thumbprint;
};

#define T CVM_TRI_TRUE
#define F CVM_TRI_FALSE
#define A CVM_TRI_ABSENT
static const struct rt_case cases[] = {
    {"azure-hcl/kinvolk/hcl-report-snp.bin", false, 1, "encrypt", T, T, T, A,
     "BAEFD3E1-184B-4C4C-AB88-0BDAD260505F", true, 1678652405, false, 0, NULL},
    {"azure-hcl/ms-cvm-guest-attestation/hcl-report.2022-04.bin", false, 1, "encrypt", T, T, T, A,
     "A288F91E-4404-4A9D-8901-6F7BCF2B5D61", true, 1649797958, false, 0, NULL},
    {"azure-hcl/trustee/hcl-report.2024-01-29.bin", false, 2, "sign", T, T, T, A,
     "EE96D109-5FEB-4AC6-BB37-E53EC8A4193B", false, 0, true, 0, NULL},
    {"azure-hcl/trustee/decoded/evidence-v0.hcl-report.bin", false, 2, "sign", T, T, T, A,
     "26F8BC30-774E-4290-8E7A-535F3B672AEE", false, 0, true, 0, NULL},
    {"azure-hcl-tdx/kinvolk/hcl-report-tdx.bin", false, 2, "sign", F, T, T, F,
     "D270E56B-F668-4990-A5BC-9B624576841D", false, 0, true, 0,
     "6nZZnYaJc4KqUZ_yvA-mucFdYNouvlPnITnNMXsHl-0"},
    /* upper-case user-data hex */
    {"azure-hcl-tdx/ms-cvm-attestation-tools/snp_hcl_report.bin", false, 2, "sign", F, F, F, A,
     "00000000-0000-0000-0000-000000000000", false, 0, true, 0xd0,
     "6nZZnYaJc4KqUZ_yvA-mucFdYNouvlPnITnNMXsHl-0"},
    {"azure-hcl/kinvolk/var-data.bin", true, 2, "sign", T, T, T, A,
     "3404EF27-32A2-4A07-A4C7-1A1171624C5D", false, 0, true, 0, NULL},
};

static void check_case(const struct rt_case *c)
{
    CVM_VECTOR_OR_SKIP(path, c->path);
    size_t len;
    uint8_t *buf = cvm_test_read(path, &len);
    const uint8_t *json = buf;
    size_t jlen = len;
    cvm_err e;
    cvm_err_clear(&e);
    if (!c->json_file) {
        cvm_hcl_report h;
        assert_int_equal(cvm_hcl_parse(buf, len, c->path, &h, &e), 0);
        json = h.json;
        jlen = h.json_len;
    }
    cvm_runtime rt;
    if (cvm_runtime_parse(json, jlen, c->path, &rt, &e)) {
        char m[512];
        fail_msg("%s", cvm_err_format(&e, m, sizeof(m)));
    }
    assert_true(rt.has_keys);
    assert_int_equal(rt.n_keys, c->n_keys);
    const cvm_jwk *ak = cvm_runtime_find_key(&rt, "HCLAkPub");
    assert_non_null(ak);
    assert_string_equal(ak->kty, "RSA");
    assert_int_equal(ak->n_len, 256);
    assert_true(ak->n[0] & 0x80); /* a 2048-bit modulus */
    assert_int_equal(ak->e_len, 3);
    assert_memory_equal(ak->e, "\x01\x00\x01", 3);
    assert_non_null(ak->key_ops);
    assert_string_equal(json_string_value(json_array_get(ak->key_ops, 0)), c->ak_ops0);
    if (c->n_keys == 2) {
        const cvm_jwk *ek = cvm_runtime_find_key(&rt, "HCLEkPub");
        assert_non_null(ek);
        assert_int_equal(ek->n_len, 256);
        assert_string_equal(json_string_value(json_array_get(ek->key_ops, 0)), "encrypt");
    }
    assert_null(cvm_runtime_find_key(&rt, "HCLTransferKey"));
    assert_true(rt.has_vm_configuration);
    assert_int_equal(rt.secure_boot, c->secure_boot);
    assert_int_equal(rt.tpm_enabled, c->tpm_enabled);
    assert_int_equal(rt.console_enabled, c->console_enabled);
    assert_int_equal(rt.tpm_persisted, c->tpm_persisted);
    assert_string_equal(rt.vm_unique_id, c->vm_unique_id);
    assert_int_equal(rt.has_current_time, c->has_current_time);
    assert_int_equal(rt.current_time, c->current_time);
    assert_int_equal(rt.has_user_data, c->has_user_data);
    if (c->has_user_data)
        assert_int_equal(rt.user_data[0], c->user_data0);
    if (c->root_cert_thumbprint)
        assert_string_equal(rt.root_cert_thumbprint, c->root_cert_thumbprint);
    else
        assert_null(rt.root_cert_thumbprint);
    assert_int_equal(json_object_size(rt.vm_config_unknown), 0);
    assert_int_equal(json_object_size(rt.unknown), 0);

    json_t *j = cvm_runtime_to_json(&rt);
    assert_non_null(j);
    json_t *k0 = json_array_get(json_object_get(j, "keys"), 0);
    assert_int_equal(json_integer_value(json_object_get(k0, "e")), 65537);
    assert_int_equal(json_integer_value(json_object_get(k0, "n_bits")), 2048);
    json_decref(j);
    cvm_runtime_free(&rt);
    free(buf);
}

static void real_runtime_json(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
        check_case(&cases[i]);
}

/* ---- synthetic ---- */

static int parse_str(const char *s, cvm_runtime *rt, cvm_err *e)
{
    cvm_err_clear(e);
    return cvm_runtime_parse((const uint8_t *)s, strlen(s), "rt.json", rt, e);
}

static void synthetic_members(void **state)
{
    (void)state;
    /* OpenHCL order, extra members, lowercase user-data, non-RSA key */
    const char *s =
        "{\"keys\":[{\"kid\":\"HCLAkPub\",\"key_ops\":[\"sign\"],\"kty\":\"RSA\",\"e\":\"AQAB\","
        "\"n\":\"AQID\"},{\"kid\":\"x\",\"kty\":\"EC\",\"crv\":\"P-256\"}],"
        "\"vm-configuration\":{\"current-time\":-5,\"root-cert-thumbprint\":\"\","
        "\"console-enabled\":false,\"interactive-console-enabled\":false,\"secure-boot\":true,"
        "\"tpm-enabled\":true,\"tpm-persisted\":true,\"filtered-vpci-devices-allowed\":true,"
        "\"vmUniqueId\":\"abc\",\"vmgs-provisioner\":{\"id\":\"g\",\"signer\":\"s\"},"
        "\"hardware-sealing-policy\":\"none\"},"
        "\"user-data\":\"00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff"
        "00112233445566778899aabbccddeeff00112233445566778899AABBCCDDEEFF\",\"future\":[1]}";
    cvm_runtime rt;
    cvm_err e;
    assert_int_equal(parse_str(s, &rt, &e), 0);
    assert_int_equal(rt.n_keys, 2);
    assert_int_equal(rt.keys[0].n_len, 3);
    assert_null(rt.keys[1].n);
    assert_string_equal(rt.keys[1].kty, "EC");
    assert_true(rt.has_current_time);
    assert_int_equal(rt.current_time, -5);
    assert_string_equal(rt.root_cert_thumbprint, "");
    assert_int_equal(rt.console_enabled, CVM_TRI_FALSE);
    assert_int_equal(rt.tpm_persisted, CVM_TRI_TRUE);
    assert_true(rt.has_user_data);
    assert_int_equal(rt.user_data[1], 0x11);
    assert_int_equal(rt.user_data[63], 0xff);
    assert_int_equal(json_object_size(rt.vm_config_unknown), 4);
    assert_non_null(json_object_get(rt.vm_config_unknown, "vmgs-provisioner"));
    assert_non_null(json_object_get(rt.vm_config_unknown, "hardware-sealing-policy"));
    assert_int_equal(json_object_size(rt.unknown), 1);
    assert_non_null(json_object_get(rt.unknown, "future"));
    json_t *j = cvm_runtime_to_json(&rt);
    assert_non_null(json_object_get(json_object_get(j, "vm-configuration"), "other"));
    json_decref(j);
    cvm_runtime_free(&rt);
    cvm_runtime_free(&rt); /* idempotent */

    /* everything optional absent: tri-states absent, no keys */
    assert_int_equal(parse_str("{}", &rt, &e), 0);
    assert_false(rt.has_keys);
    assert_false(rt.has_vm_configuration);
    assert_int_equal(rt.secure_boot, CVM_TRI_ABSENT);
    assert_null(rt.vm_unique_id);
    assert_null(cvm_runtime_find_key(&rt, "HCLAkPub"));
    cvm_runtime_free(&rt);
    /* trailing whitespace is allowed by JSON */
    assert_int_equal(parse_str("{\"keys\":[]} \n", &rt, &e), 0);
    cvm_runtime_free(&rt);
}

static void expect_fail(const char *s, int code, const char *field)
{
    cvm_runtime rt;
    cvm_err e;
    int rc = parse_str(s, &rt, &e);
    if (rc != code || strcmp(e.field, field) != 0) {
        char m[512];
        fail_msg("%s: want %d at \"%s\", got %d: %s", s, code, field, rc,
                 cvm_err_format(&e, m, sizeof(m)));
    }
    assert_int_equal(e.offset, CVM_NO_OFFSET);
    assert_string_equal(e.what, "rt.json");
    assert_null(rt.root); /* nothing left to free */
    cvm_runtime_free(&rt);
}

static void hostile(void **state)
{
    (void)state;
    /* syntax: the message carries jansson's line/column */
    cvm_runtime rt;
    cvm_err e;
    assert_int_equal(parse_str("{\"keys\":[}\n", &rt, &e), CVM_E_SYNTAX);
    assert_non_null(strstr(e.msg, "line 1 column"));
    expect_fail("", CVM_E_SYNTAX, "");
    expect_fail("{\"a\":1}x", CVM_E_SYNTAX, "");
    expect_fail("{\"a\":1}{}", CVM_E_SYNTAX, "");
    expect_fail("{\"a\":\"x\\u0000y\"}", CVM_E_SYNTAX, "");
    expect_fail("{\"a\":\"\xff\"}", CVM_E_SYNTAX, "");
    /* duplicates, at the top and nested */
    expect_fail("{\"keys\":[],\"keys\":[]}", CVM_E_SYNTAX, "");
    expect_fail("{\"vm-configuration\":{\"secure-boot\":true,\"secure-boot\":false}}",
                CVM_E_SYNTAX, "");
    /* the exact length matters: a NUL terminator counted in is rejected */
    cvm_err_clear(&e);
    assert_int_equal(cvm_runtime_parse((const uint8_t *)"{}", 3, "rt.json", &rt, &e),
                     CVM_E_SYNTAX);

    /* wrong types name the path */
    expect_fail("[]", CVM_E_VALUE, "(top level)");
    expect_fail("{\"keys\":{}}", CVM_E_VALUE, "keys");
    expect_fail("{\"keys\":[1]}", CVM_E_VALUE, "keys[0]");
    expect_fail("{\"keys\":[{\"kty\":\"RSA\"}]}", CVM_E_VALUE, "keys[0].kid");
    expect_fail("{\"keys\":[{\"kid\":1,\"kty\":\"RSA\"}]}", CVM_E_VALUE, "keys[0].kid");
    expect_fail("{\"keys\":[{\"kid\":\"a\"}]}", CVM_E_VALUE, "keys[0].kty");
    expect_fail("{\"keys\":[{\"kid\":\"a\",\"kty\":\"RSA\",\"e\":\"AQAB\"}]}", CVM_E_VALUE,
                "keys[0].n");
    expect_fail("{\"keys\":[{\"kid\":\"a\",\"kty\":\"RSA\",\"n\":\"AQAB\",\"e\":65537}]}",
                CVM_E_VALUE, "keys[0].e");
    expect_fail("{\"keys\":[{\"kid\":\"a\",\"kty\":\"RSA\",\"n\":\"\",\"e\":\"AQAB\"}]}",
                CVM_E_VALUE, "keys[0].n");
    expect_fail("{\"keys\":[{\"kid\":\"a\",\"kty\":\"RSA\",\"key_ops\":\"sign\"}]}", CVM_E_VALUE,
                "keys[0].key_ops");
    expect_fail("{\"keys\":[{\"kid\":\"a\",\"kty\":\"RSA\",\"key_ops\":[\"sign\",2]}]}",
                CVM_E_VALUE, "keys[0].key_ops[1]");
    /* bad base64url: padding, standard alphabet, non-canonical bits */
    const char *bad_n[] = {"AQAB==", "AQ+B", "AQ/B", "AR", "A QAB"};
    for (size_t i = 0; i < 5; i++) {
        char s[200];
        snprintf(s, sizeof(s),
                 "{\"keys\":[{\"kid\":\"k\",\"kty\":\"RSA\",\"e\":\"AQAB\",\"n\":\"%s\"}]}",
                 bad_n[i]);
        expect_fail(s, CVM_E_VALUE, "keys[0].n");
    }
    expect_fail("{\"keys\":[{\"kid\":\"a\",\"kty\":\"EC\"},{\"kid\":\"a\",\"kty\":\"EC\"}]}",
                CVM_E_VALUE, "keys[1].kid");
    expect_fail("{\"vm-configuration\":[]}", CVM_E_VALUE, "vm-configuration");
    expect_fail("{\"vm-configuration\":{\"secure-boot\":1}}", CVM_E_VALUE,
                "vm-configuration.secure-boot");
    expect_fail("{\"vm-configuration\":{\"tpm-enabled\":\"true\"}}", CVM_E_VALUE,
                "vm-configuration.tpm-enabled");
    expect_fail("{\"vm-configuration\":{\"console-enabled\":null}}", CVM_E_VALUE,
                "vm-configuration.console-enabled");
    expect_fail("{\"vm-configuration\":{\"tpm-persisted\":0}}", CVM_E_VALUE,
                "vm-configuration.tpm-persisted");
    expect_fail("{\"vm-configuration\":{\"vmUniqueId\":5}}", CVM_E_VALUE,
                "vm-configuration.vmUniqueId");
    expect_fail("{\"vm-configuration\":{\"root-cert-thumbprint\":false}}", CVM_E_VALUE,
                "vm-configuration.root-cert-thumbprint");
    /* json_integer_value would silently turn these into 0 */
    expect_fail("{\"vm-configuration\":{\"current-time\":1.5}}", CVM_E_VALUE,
                "vm-configuration.current-time");
    expect_fail("{\"vm-configuration\":{\"current-time\":\"1678652405\"}}", CVM_E_VALUE,
                "vm-configuration.current-time");
    expect_fail("{\"user-data\":5}", CVM_E_VALUE, "user-data");
    expect_fail("{\"user-data\":\"00\"}", CVM_E_VALUE, "user-data");
    expect_fail("{\"user-data\":\"\"}", CVM_E_VALUE, "user-data");
    char ud[200];
    snprintf(ud, sizeof(ud), "{\"user-data\":\"%0127d%c\"}", 0, 'g');
    expect_fail(ud, CVM_E_VALUE, "user-data");
    snprintf(ud, sizeof(ud), "{\"user-data\":\"%0129d\"}", 0);
    expect_fail(ud, CVM_E_VALUE, "user-data");
    snprintf(ud, sizeof(ud), "{\"user-data\":\"%0128d\"}", 0);
    assert_int_equal(parse_str(ud, &rt, &e), 0);
    assert_true(rt.has_user_data);
    cvm_runtime_free(&rt);
}

static int parse_cb(const uint8_t *b, size_t n, void *ctx)
{
    (void)ctx;
    cvm_runtime rt;
    cvm_err e;
    cvm_err_clear(&e);
    int rc = cvm_runtime_parse(b, n, "t", &rt, &e);
    cvm_runtime_free(&rt);
    return rc;
}

static void truncations(void **state)
{
    (void)state;
    CVM_VECTOR_OR_SKIP(path, "azure-hcl/kinvolk/var-data.bin");
    size_t len;
    uint8_t *buf = cvm_test_read(path, &len);
    /* every strict prefix of a JSON object is a syntax error */
    cvm_test_truncations(buf, len, parse_cb, NULL);
    free(buf);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(real_runtime_json),
        cmocka_unit_test(synthetic_members),
        cmocka_unit_test(hostile),
        cmocka_unit_test(truncations),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
